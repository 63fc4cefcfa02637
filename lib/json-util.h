/* lib/json-util.h: small helpers around jansson.  Pure functions. */
#ifndef NFVS_JSON_UTIL_H
#define NFVS_JSON_UTIL_H 1

#include <jansson.h>

/* Returns "an object", "a string", "a number"... for error messages. */
const char *json_type_name(const json_t *);

#endif /* json-util.h */
