#include <config.h>
#include "jsonrpc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
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

/* Returns how many bytes to back up from 's[ofs]' to reach the start of a
 * UTF-8 character, so that a cut there splits none. */
static size_t
utf8_backup__(const char *s, size_t ofs)
{
    size_t n = 0;

    while (n < 3 && ofs > n && ((unsigned char) s[ofs - n] & 0xc0) == 0x80) {
        n++;
    }
    return n;
}

/* If 's' is longer than RPC_ERROR_MAX_LEN, replaces it by its beginning
 * and its end with a note in between.  Returns 's' or a new string, in
 * which case 's' is freed. */
static char *
shorten_message__(char *s)
{
    enum { TAIL = RPC_ERROR_MAX_LEN / 4 };
    enum { HEAD = RPC_ERROR_MAX_LEN - TAIL - 40 };
    size_t len = strlen(s);
    size_t head, tail;
    char *short_s;

    if (len <= RPC_ERROR_MAX_LEN) {
        return s;
    }
    head = HEAD - utf8_backup__(s, HEAD);
    tail = len - TAIL;
    while (tail < len && ((unsigned char) s[tail] & 0xc0) == 0x80) {
        tail++;
    }
    short_s = xasprintf("%.*s[...%zu bytes left out...]%s", (int) head, s,
                        tail - head, s + tail);
    free(s);
    return short_s;
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

    s = shorten_message__(s);
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

/* A dynamic string that refuses to grow past 'max_size' bytes. */
struct bounded_ds {
    struct ds *ds;              /* Output. */
    size_t max_size;            /* Largest 'ds->length' allowed. */
    bool too_big;               /* Did the output pass 'max_size'? */
};

static int
bounded_cb__(const char *buffer, size_t size, void *bds_)
{
    struct bounded_ds *bds = bds_;

    if (size > bds->max_size || bds->ds->length > bds->max_size - size) {
        bds->too_big = true;
        return -1;
    }
    ds_put_buffer(bds->ds, buffer, size);
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

/* Returns the offset of the '"' that ends the JSON string whose contents
 * start at 'data[i]', or 'size' if it does not end.  A quote is escaped
 * when an odd number of backslashes precedes it.  memchr() makes this
 * fast for long strings, the usual bulk of a large message. */
static size_t
skip_string__(const char *data, size_t i, size_t size)
{
    for (;;) {
        const char *quote = memchr(data + i, '"', size - i);
        size_t end, n_backslashes;

        if (!quote) {
            return size;
        }
        end = quote - data;
        n_backslashes = 0;
        while (end - n_backslashes > i
               && data[end - n_backslashes - 1] == '\\') {
            n_backslashes++;
        }
        if (!(n_backslashes % 2)) {
            return end;
        }
        i = end + 1;
    }
}

char *
rpc_check_limits(const char *data, size_t size, size_t max_values,
                 size_t max_depth, size_t max_batch)
{
    size_t n_values = 0, n_elems = 0, depth = 0;
    bool top_is_array = false;
    bool want_value = true;     /* Next non-blank byte starts a value? */
    size_t i;

    for (i = 0; i < size; i++) {
        unsigned char c = data[i];

        switch (c) {
        case ' ': case '\t': case '\r': case '\n':
            continue;

        case '"':
            i = skip_string__(data, i + 1, size);
            want_value = false;
            break;

        case '{': case '[':
            want_value = true;
            break;

        case '}': case ']':
            depth -= depth > 0;
            want_value = false;
            continue;

        case ',': case ':':
            want_value = true;
            continue;

        default:
            if (!want_value) {
                continue;       /* The rest of a number or literal. */
            }
            want_value = false;
            break;
        }

        /* A value starts at 'c', inside 'depth' containers. */
        if (++n_values > max_values) {
            return xasprintf("message has more than %zu JSON values (see "
                             "--max-message-values)", max_values);
        }
        if (!depth && c == '[') {
            top_is_array = true;
        } else if (depth == 1 && top_is_array && ++n_elems > max_batch) {
            return xasprintf("batch of more than %zu requests (see "
                             "--max-batch-size)", max_batch);
        }
        if (c == '{' || c == '[') {
            if (++depth > max_depth) {
                return xasprintf("message nests arrays and objects more "
                                 "than %zu deep (see --max-message-depth)",
                                 max_depth);
            }
        }
    }
    return NULL;
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

/* Appends to 'ds' the encoding of 'response' if that keeps 'ds' within
 * 'room' bytes, otherwise an error response with its id that names
 * 'max_size', the limit on the answer.  Returns false if jansson cannot
 * encode 'response'. */
static bool
encode_bounded__(const json_t *response, size_t room, size_t max_size,
                 struct ds *ds)
{
    struct bounded_ds bds = { ds, room, false };
    size_t ofs = ds->length;
    json_t *error;

    if (!json_dump_callback(response, bounded_cb__, &bds,
                            JSON_COMPACT | JSON_ENCODE_ANY)) {
        return true;
    }
    ds_truncate(ds, ofs);
    if (!bds.too_big) {
        return false;
    }

    error = rpc_error_response_create(
        json_is_object(response) ? json_object_get(response, "id") : NULL,
        rpc_error_create(RPC_ERR_TOO_LARGE, "answer too large (more than "
                         "%zu bytes; see --max-answer-size)", max_size));
    json_dump_callback(error, rpc_encode_cb__, ds,
                       JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(error);
    return true;
}

char *
rpc_encode_answer(const json_t *msg, size_t max_size, size_t *sizep)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    bool ok = true;

    if (json_is_array(msg)) {
        const json_t *response;
        size_t i;

        ds_put_char(&ds, '[');
        json_array_foreach (msg, i, response) {
            if (i) {
                ds_put_char(&ds, ',');
            }
            /* Room for the closing bracket. */
            ok = encode_bounded__(response, max_size - 1, max_size, &ds);
            if (!ok) {
                break;
            }
        }
        ds_put_char(&ds, ']');
    } else {
        ok = encode_bounded__(msg, max_size, max_size, &ds);
    }
    if (!ok) {
        ds_destroy(&ds);
        *sizep = 0;
        return NULL;
    }
    ds_put_char(&ds, '\n');
    *sizep = ds.length;
    return ds_steal_cstr(&ds);
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
