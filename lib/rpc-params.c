/* lib/rpc-params.c: rpc_params_unpack(), the params check of every
 * method handler, with errors in our words. */
#include <config.h>
#include "rpc-server.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "dynamic-string.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "util.h"

/* Members named in a params format, at most this many. */
#define PARAMS_MAX_MEMBERS 64

/* One member of the top-level object of a params format. */
struct params_member {
    const char *name;           /* Its key (borrowed from the arguments). */
    char type;                  /* Its format character: 's', 'i', ... */
    bool optional;              /* Given as "s?". */
};

static void
skip_blanks(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == ','
           || **p == ':') {
        (*p)++;
    }
}

/* Consumes the value format at '*p' and the arguments it takes from
 * 'ap', as json_vunpack_ex() would.  Returns false for a format this
 * function does not know. */
static bool
skip_value(const char **p, va_list *ap)
{
    char c = *(*p)++;

    switch (c) {
    case 's':
        (void) va_arg(*ap, const char **);
        if (**p == '%') {
            (*p)++;
            (void) va_arg(*ap, size_t *);
        }
        return true;
    case 'n':
        return true;
    case 'b':
    case 'i':
        (void) va_arg(*ap, int *);
        return true;
    case 'I':
        (void) va_arg(*ap, json_int_t *);
        return true;
    case 'f':
    case 'F':
        (void) va_arg(*ap, double *);
        return true;
    case 'o':
    case 'O':
        (void) va_arg(*ap, json_t **);
        return true;
    case '{':
    case '[':
        for (;;) {
            skip_blanks(p);
            if (**p == (c == '{' ? '}' : ']')) {
                (*p)++;
                return true;
            } else if (**p == '!' || **p == '*') {
                (*p)++;
                continue;
            }
            if (c == '{') {
                if (*(*p)++ != 's') {
                    return false;
                }
                (void) va_arg(*ap, const char *);
                skip_blanks(p);
                if (**p == '?') {
                    (*p)++;
                }
                skip_blanks(p);
            }
            if (!skip_value(p, ap)) {
                return false;
            }
        }
    default:
        return false;
    }
}

/* Reads the members of the object format 'format' ("{s:s, s?:b}") with
 * their keys from 'ap' into 'members' and their count into '*n'.
 * Returns false if the format is not a flat object this function knows
 * (then the caller leaves the checking to jansson). */
static bool
parse_format(const char *format, va_list *ap, struct params_member *members,
             size_t *n)
{
    const char *p = format;

    *n = 0;
    skip_blanks(&p);
    if (*p++ != '{') {
        return false;
    }
    for (;;) {
        struct params_member *m;

        skip_blanks(&p);
        if (*p == '}') {
            return true;
        } else if (*p == '!' || *p == '*') {
            p++;
            continue;
        } else if (*p++ != 's' || *n >= PARAMS_MAX_MEMBERS) {
            return false;
        }
        m = &members[(*n)++];
        m->name = va_arg(*ap, const char *);
        skip_blanks(&p);
        m->optional = *p == '?';
        if (m->optional) {
            p++;
        }
        skip_blanks(&p);
        m->type = *p;
        if (!skip_value(&p, ap)) {
            return false;
        }
    }
}

/* Returns whether 'value' fits format character 'type'. */
static bool
type_matches(char type, const json_t *value)
{
    switch (type) {
    case 's':
        return json_is_string(value);
    case 'b':
        return json_is_boolean(value);
    case 'i':
    case 'I':
        return json_is_integer(value);
    case 'f':
        return json_is_real(value);
    case 'F':
        return json_is_number(value);
    case 'n':
        return json_is_null(value);
    case '{':
        return json_is_object(value);
    case '[':
        return json_is_array(value);
    default:
        return true;
    }
}

/* Names what format character 'type' wants, for messages. */
static const char *
type_name(char type)
{
    switch (type) {
    case 's':
        return "a string";
    case 'b':
        return "a boolean";
    case 'i':
    case 'I':
        return "an integer";
    case 'f':
        return "a real number";
    case 'F':
        return "a number";
    case 'n':
        return "null";
    case '{':
        return "an object";
    case '[':
        return "an array";
    default:
        return "a value";
    }
}

/* Names the type of 'value', telling integers from other numbers. */
static const char *
value_type_name(const json_t *value)
{
    return (json_is_integer(value) ? "an integer"
            : json_is_real(value) ? "a real number"
            : json_type_name(value));
}

/* Checks 'params' (NULL: none) against 'members'.  Returns NULL if they
 * fit, otherwise a new RPC_INVALID_PARAMS error naming the member. */
static json_t *
check_params(const json_t *params, const struct params_member *members,
             size_t n)
{
    const char *key;
    json_t *value;
    size_t i;

    if (params && !json_is_object(params)) {
        return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                "params must be an object, not %s",
                                json_type_name(params));
    }
    json_object_foreach ((json_t *) params, key, value) {
        struct ds known = DS_EMPTY_INITIALIZER;
        json_t *error;

        for (i = 0; i < n; i++) {
            if (!strcmp(members[i].name, key)) {
                break;
            }
        }
        if (i < n) {
            continue;
        }
        for (i = 0; i < n; i++) {
            ds_put_format(&known, "%s%s", i ? ", " : "", members[i].name);
        }
        error = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                 "unknown member \"%.*s\" (%s%s)", 64, key,
                                 n ? "this method takes " : "this method "
                                 "takes no params", ds_cstr(&known));
        ds_destroy(&known);
        return error;
    }
    for (i = 0; i < n; i++) {
        const struct params_member *m = &members[i];

        value = params ? json_object_get(params, m->name) : NULL;
        if (!value && !m->optional) {
            return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                    "missing member \"%s\" (%s)", m->name,
                                    type_name(m->type));
        } else if (value && !type_matches(m->type, value)) {
            return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                    "member \"%s\" must be %s, not %s",
                                    m->name, type_name(m->type),
                                    value_type_name(value));
        }
    }
    return NULL;
}

bool
rpc_params_unpack(json_t *params, json_t **errorp, const char *format, ...)
{
    struct params_member members[PARAMS_MAX_MEMBERS];
    json_t *empty;
    json_error_t error;
    va_list args, copy;
    size_t n;
    int retval;

    va_start(args, format);
    va_copy(copy, args);
    *errorp = (parse_format(format, &copy, members, &n)
               ? check_params(params, members, n) : NULL);
    va_end(copy);
    if (*errorp) {
        va_end(args);
        return false;
    }

    empty = params ? NULL : json_object();
    retval = json_vunpack_ex(params ? params : empty, &error, JSON_STRICT,
                             format, args);
    va_end(args);
    json_decref(empty);
    if (retval) {
        /* Only a nested format that check_params() does not look into
         * gets here. */
        *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                   "the params do not have the members "
                                   "and types this method takes");
        return false;
    }
    return true;
}
