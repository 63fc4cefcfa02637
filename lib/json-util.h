/* lib/json-util.h: small helpers around jansson.  Pure functions. */
#ifndef NFVS_JSON_UTIL_H
#define NFVS_JSON_UTIL_H 1

#include <jansson.h>

/* Returns "an object", "a string", "a number"... for error messages. */
const char *json_type_name(const json_t *);

/* Splits 's' at the commas that are outside parentheses ("ct(commit,
 * zone=1),output:2" gives "ct(commit,zone=1)" and "output:2") and
 * returns a new array of the pieces as strings, empty pieces left out
 * (caller decrefs). */
json_t *json_split_top_level(const char *s);

/* Parses 's', a list of "NAME=VALUE" or bare "NAME" separated by commas
 * outside parentheses, into a new object: each NAME with its VALUE as a
 * string, or true for a bare NAME (caller decrefs).  A later NAME
 * replaces an earlier one. */
json_t *json_fields_object(const char *s);

#endif /* json-util.h */
