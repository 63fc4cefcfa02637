/* lib/jsonrpc.h: JSON-RPC 2.0 messages as nfvs speaks them.
 *
 * On the wire each message is one compact JSON text followed by "\n"
 * (compact jansson output never contains a raw newline).  Requests are
 *     {"jsonrpc":"2.0","id":ID,"method":"noun.verb","params":{...}}
 * and responses carry either "result" or "error":{"code":N,"message":S}.
 * A request without "id" is a notification and gets no response; an
 * array of requests is a batch and gets an array of responses.
 *
 * Thread-safety: the functions here are pure. */
#ifndef NFVS_JSONRPC_H
#define NFVS_JSONRPC_H 1

#include <jansson.h>
#include <stddef.h>
#include "util.h"

/* Error codes defined by JSON-RPC 2.0. */
#define RPC_PARSE_ERROR       (-32700) /* Not JSON. */
#define RPC_INVALID_REQUEST   (-32600) /* JSON, but not a request. */
#define RPC_METHOD_NOT_FOUND  (-32601)
#define RPC_INVALID_PARAMS    (-32602) /* Missing, unknown, wrong type. */
#define RPC_INTERNAL_ERROR    (-32603)

/* nfvs application error codes. */
#define RPC_ERR_NOT_FOUND     1 /* A named object does not exist. */
#define RPC_ERR_EXISTS        2 /* A named object exists already. */
#define RPC_ERR_INVALID       3 /* A value is well-typed but wrong. */
#define RPC_ERR_UNSUPPORTED   4 /* A valid request nfvs cannot do. */
#define RPC_ERR_IO            5 /* Saving the config db failed. */
#define RPC_ERR_ACCESS        6 /* The peer may not use the daemon. */
#define RPC_ERR_DEVICE        8 /* A datapath or network device cannot be
                                 * created or opened. */

/* Largest message accepted by default, in bytes (32 MiB): large enough
 * for add-flows of a few hundred thousand flows. */
#define RPC_MAX_MESSAGE_SIZE_DEFAULT (32u * 1024 * 1024)

/* Returns a new {"code":code,"message":...} error object.  Bytes of the
 * formatted message that are not valid UTF-8 are replaced by '?', so
 * text quoted from a peer cannot make the error unencodable. */
json_t *rpc_error_create(int code, const char *format, ...)
    NFVS_PRINTF_FORMAT(2, 3);

/* Encodes 'msg' compactly with a trailing newline.  Returns a malloc'd
 * string (caller frees) and its size in '*sizep', which counts the
 * newline.  Returns NULL only for a value jansson cannot encode (a
 * reference cycle). */
char *rpc_encode(const json_t *msg, size_t *sizep);

/* Returns a new request object; takes ownership of 'params' (may be
 * NULL for none).  'id' < 0 makes a notification. */
json_t *rpc_request_create(const char *method, json_t *params,
                           long long int id);

/* Returns a new response {"jsonrpc":"2.0","id":id,"result":result}.
 * Takes ownership of 'result'; 'id' is borrowed (NULL means null). */
json_t *rpc_response_create(json_t *id, json_t *result);

/* Returns a new error response {"jsonrpc":"2.0","id":id,"error":error}.
 * Takes ownership of 'error'; 'id' is borrowed (NULL means null). */
json_t *rpc_error_response_create(json_t *id, json_t *error);

#endif /* jsonrpc.h */
