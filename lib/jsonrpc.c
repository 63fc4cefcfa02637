#include <config.h>
#include "jsonrpc.h"

#include <stdarg.h>
#include <stdlib.h>
#include "dynamic-string.h"

/* Replaces every byte of 's' outside printable ASCII by '?'.  Used only
 * when 's' is not valid UTF-8, which is rare enough that losing non-ASCII
 * text then does not matter. */
static void
sanitize_utf8__(char *s)
{
    for (; *s; s++) {
        if ((unsigned char) *s >= 0x80) {
            *s = '?';
        }
    }
}

json_t *
rpc_error_create(int code, const char *format, ...)
{
    json_t *message;
    va_list args;
    char *s;

    va_start(args, format);
    s = xvasprintf(format, args);
    va_end(args);

    message = json_string(s);
    if (!message) {
        sanitize_utf8__(s);
        message = json_string(s);
    }
    free(s);
    return json_pack("{s:i, s:o}", "code", code, "message", message);
}

static int
rpc_encode_cb__(const char *buffer, size_t size, void *ds_)
{
    ds_put_buffer(ds_, buffer, size);
    return 0;
}

char *
rpc_encode(const json_t *msg, size_t *sizep)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    if (json_dump_callback(msg, rpc_encode_cb__, &ds,
                           JSON_COMPACT | JSON_ENCODE_ANY)) {
        ds_destroy(&ds);
        *sizep = 0;
        return NULL;
    }
    ds_put_char(&ds, '\n');
    *sizep = ds.length;
    return ds_steal_cstr(&ds);
}

json_t *
rpc_request_create(const char *method, json_t *params, long long int id)
{
    json_t *request = json_object();

    json_object_set_new(request, "jsonrpc", json_string("2.0"));
    if (id >= 0) {
        json_object_set_new(request, "id", json_integer(id));
    }
    json_object_set_new(request, "method", json_string(method));
    if (params) {
        json_object_set_new(request, "params", params);
    }
    return request;
}

static json_t *
rpc_response_create__(json_t *id, const char *member, json_t *value)
{
    json_t *response = json_object();

    json_object_set_new(response, "jsonrpc", json_string("2.0"));
    json_object_set_new(response, "id", id ? json_incref(id) : json_null());
    json_object_set_new(response, member, value);
    return response;
}

json_t *
rpc_response_create(json_t *id, json_t *result)
{
    return rpc_response_create__(id, "result", result);
}

json_t *
rpc_error_response_create(json_t *id, json_t *error)
{
    return rpc_response_create__(id, "error", error);
}
