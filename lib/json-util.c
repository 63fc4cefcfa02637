#include <config.h>
#include "json-util.h"

#include <string.h>
#include "util.h"

const char *
json_type_name(const json_t *json)
{
    switch (json_typeof(json)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
    default:
        return "null";
    }
}

/* Returns the length of the piece of 's' up to the first comma outside
 * parentheses, or to its end. */
static size_t
top_level_span(const char *s)
{
    int depth = 0;
    size_t i;

    for (i = 0; s[i]; i++) {
        if (s[i] == '(') {
            depth++;
        } else if (s[i] == ')' && depth > 0) {
            depth--;
        } else if (s[i] == ',' && !depth) {
            break;
        }
    }
    return i;
}

json_t *
json_split_top_level(const char *s)
{
    json_t *list = json_array();

    while (*s) {
        size_t len = top_level_span(s);

        if (len) {
            json_array_append_new(list, json_stringn(s, len));
        }
        s += len + (s[len] == ',');
    }
    return list;
}

json_t *
json_fields_object(const char *s)
{
    json_t *object = json_object();

    while (*s) {
        size_t len = top_level_span(s);
        const char *eq = memchr(s, '=', len);

        if (len) {
            char *name = xmemdup0(s, eq ? (size_t) (eq - s) : len);

            json_object_set_new(object, name,
                                eq ? json_stringn(eq + 1, s + len - eq - 1)
                                : json_true());
            free(name);
        }
        s += len + (s[len] == ',');
    }
    return object;
}
