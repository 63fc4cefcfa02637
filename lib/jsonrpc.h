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
#define RPC_ERR_TOO_LARGE     7 /* The answer exceeds the size limit. */
#define RPC_ERR_BUSY          8 /* Out of connections or buffer space. */
#define RPC_ERR_DEVICE        9 /* A datapath or network device cannot be
                                 * created or opened. */

/* Largest message accepted by default, in bytes (32 MiB): large enough
 * for add-flows of a few hundred thousand flows. */
#define RPC_MAX_MESSAGE_SIZE_DEFAULT (32u * 1024 * 1024)

/* Most JSON values in one message by default.  Parsed, a value costs
 * jansson 40 (a number) to 230 bytes (an empty object), so this keeps
 * the tree of any message near 100 MB at worst, and still allows an
 * add-flows of 500,000 flows (one string each). */
#define RPC_MAX_VALUES_DEFAULT 500000

/* Deepest nesting of arrays and objects in a message by default. */
#define RPC_MAX_DEPTH_DEFAULT 64

/* Most requests in one batch by default. */
#define RPC_MAX_BATCH_DEFAULT 1000

/* Largest answer by default, in bytes, newline excluded. */
#define RPC_MAX_ANSWER_SIZE_DEFAULT (64u * 1024 * 1024)

/* Longest error message, in bytes: a longer one keeps its beginning and
 * its end, with the middle replaced by a note of how much was left out,
 * so that an error quoting its input never echoes a huge request. */
#define RPC_ERROR_MAX_LEN 600

/* Returns a new {"code":code,"message":...} error object.  Bytes of the
 * formatted message that are not valid UTF-8 are replaced by '?', so
 * text quoted from a peer cannot make the error unencodable.  A message
 * longer than RPC_ERROR_MAX_LEN is shortened as described there. */
json_t *rpc_error_create(int code, const char *format, ...)
    NFVS_PRINTF_FORMAT(2, 3);

/* Checks the JSON text in the 'size' bytes at 'data' against limits,
 * without parsing it, in one pass that stops at the first limit
 * exceeded: at most 'max_values' values (every object, array, string,
 * member name, number, true, false and null counts one), nested at most
 * 'max_depth' arrays and objects deep and, if the text is an array (a
 * batch), with at most 'max_batch' elements.  Returns NULL if the text
 * is within the limits, otherwise a malloc'd message naming the limit
 * (caller frees).  Malformed JSON may pass; the parser rejects it
 * later.  Cost: one comparison or two per byte, no allocation. */
char *rpc_check_limits(const char *data, size_t size, size_t max_values,
                       size_t max_depth, size_t max_batch);

/* Encodes 'msg' compactly with a trailing newline.  Returns a malloc'd
 * string (caller frees) and its size in '*sizep', which counts the
 * newline.  Returns NULL only for a value jansson cannot encode (a
 * reference cycle). */
char *rpc_encode(const json_t *msg, size_t *sizep);

/* Like rpc_encode(), for an answer: a response object, or an array of
 * them (a batch).  A response whose encoding would make the output
 * longer than 'max_size' bytes (newline excluded) is replaced by an
 * RPC_ERR_TOO_LARGE error response with the same id, which says so and
 * names the limit; encoding stops as soon as a response passes the
 * limit, so no more than 'max_size' bytes (plus these short errors) are
 * ever held.  Never returns NULL for such answers; for a value jansson
 * cannot encode, returns NULL. */
char *rpc_encode_answer(const json_t *msg, size_t max_size, size_t *sizep);

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
