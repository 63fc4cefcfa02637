/* lib/rpc-server.h: the JSON-RPC server of the daemon, on libevent.
 *
 * A server listens on any number of remotes ("punix:PATH", "pssl:PORT")
 * and serves every connection from one event_base.  Connections are
 * checked by their transport first (unix peer credentials, the TLS
 * handshake, all without blocking; see stream.h); a unix peer outside
 * the socket's group gets an RPC_ERR_ACCESS error in answer to its
 * first message, and the connection is closed.
 * Requests on one connection are answered in order; connections are
 * independent, so a slow, silent or hostile peer delays no one else.
 *
 * Robustness contract:
 *   - bytes that are not JSON get a RPC_PARSE_ERROR response and the
 *     connection is closed (the stream cannot be resynchronized);
 *   - a message larger than the maximum size is rejected with an error
 *     and the connection closed, without buffering more than the limit;
 *   - a peer that does not read its responses stops being read from once
 *     its unsent output passes a high-water mark, so it cannot make the
 *     daemon buffer without bound;
 *   - a message split over many writes, or several in one write, works;
 *   - a peer that closes, or half-closes, mid-message is cleaned up (the
 *     unterminated tail is handled as a last message, answered if the
 *     peer still reads, then the connection is closed).
 *
 * Bounds (struct rpc_limits; docs/rpc.md tells users): every resource a
 * peer can make the server spend is limited, and hitting a limit gets
 * that peer a one-line error while everyone else is served as before:
 *   - a message's size in bytes, its number of JSON values, its nesting
 *     depth and its number of batch entries, all checked before jansson
 *     builds anything, so a message costs a bounded amount of memory;
 *   - the bytes of unfinished messages held for all connections
 *     together, and how long a connection may hold one without sending;
 *   - an answer's size: a larger one is replaced by an error;
 *   - connections per listener, TLS handshakes in progress included, and
 *     file descriptors: a connection is refused at once, without touching
 *     the last RPC_FD_RESERVE descriptors of the process, which stay for
 *     the config db, ports and other work of the daemon.
 *
 * Requests are checked strictly: a request must be an object with
 * "jsonrpc":"2.0", a string "method", optional "params" (object or
 * array) and optional "id" (string, integer or null), and nothing else;
 * anything else gets RPC_INVALID_REQUEST naming what is wrong, with the
 * request's id when that id itself is valid and null otherwise.  An
 * unknown method gets RPC_METHOD_NOT_FOUND naming it.  Requests without
 * "id" are notifications: their handler runs but nothing is sent back,
 * not even an error (except for malformed ones).  A non-empty array is a
 * batch, answered by an array of the responses in order (nothing at all
 * if every member was a notification); an empty array is an invalid
 * request.  Blank lines are ignored.  A batch runs RPC_BATCH_SLICE
 * requests per turn of the event loop, so other connections are served
 * between slices; its answer is sent when all of it has run.
 *
 * Thread-safety: call everything, and expect handlers to be called, on
 * the thread that runs the event_base. */
#ifndef NFVS_RPC_SERVER_H
#define NFVS_RPC_SERVER_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct rpc_server;

/* Defaults of struct rpc_limits members not in jsonrpc.h. */
#define RPC_MAX_INPUT_DEFAULT (128u * 1024 * 1024)
#define RPC_MAX_CONNECTIONS_DEFAULT 1000
#define RPC_PARTIAL_TIMEOUT_DEFAULT 30

/* File descriptors below the process's limit that the server never uses
 * for connections. */
#define RPC_FD_RESERVE 64

/* What a server lets its peers make it hold.  Every member must be
 * positive. */
struct rpc_limits {
    size_t max_message_size;    /* Bytes in a message, newline excluded. */
    size_t max_values;          /* JSON values in a message. */
    size_t max_depth;           /* Nesting of arrays and objects. */
    size_t max_batch;           /* Requests in a batch. */
    size_t max_answer_size;     /* Bytes in an answer, newline excluded. */
    size_t max_input;           /* Bytes of unfinished messages held for
                                 * all connections together. */
    size_t max_connections;     /* Per listener, handshakes included. */
    unsigned int partial_timeout; /* Seconds a connection may hold an
                                   * unfinished message without sending
                                   * a byte. */
};

/* Fills 'limits' with the defaults. */
void rpc_limits_init(struct rpc_limits *limits);

/* Handles one call of a registered method.  'params' is the request's
 * params member (borrowed), or NULL when it has none.  Returns a new
 * reference to the result on success.  On failure returns NULL and stores
 * a new error object from rpc_error_create() in '*errorp'. */
typedef json_t *rpc_handler_func(json_t *params, json_t **errorp,
                                 void *aux);

/* Creates a server whose connections run on 'base'.  Also makes the
 * process ignore SIGPIPE, so that writing to a vanished peer is an error
 * on that connection instead of the death of the daemon. */
struct rpc_server *rpc_server_create(struct event_base *);
void rpc_server_destroy(struct rpc_server *); /* Closes every connection. */

/* Starts listening on 'remote', e.g. "punix:/run/nfvs/x.sock" or
 * "pssl:6640".  An existing socket file at PATH is replaced only when
 * nobody listens on it (EADDRINUSE otherwise).  Returns 0 or a positive
 * errno value; on failure stores a malloc'd message naming the remote in
 * '*errp' (caller frees).  On success, if 'namep' is nonnull, stores in
 * it a malloc'd copy of the name listened on (caller frees): 'remote'
 * except that "pssl:0" gets the port the system chose. */
int rpc_server_add_remote(struct rpc_server *, const char *remote,
                          char **namep, char **errp);

/* Makes 'method' call 'handler' with 'aux'.  Registering a name twice
 * replaces the handler. */
void rpc_server_register(struct rpc_server *, const char *method,
                         rpc_handler_func *handler, void *aux);

/* Looks up 'method': if it is registered, stores its handler and aux in
 * '*handlerp' and '*auxp' and returns true; otherwise returns false.  For
 * methods that run others (a transaction's operations). */
bool rpc_server_get_method(const struct rpc_server *, const char *method,
                           rpc_handler_func **handlerp, void **auxp);
/* How many requests (notifications and batch members included) a
 * registered method has run since the server was created. */
struct rpc_method_count {
    const char *name;           /* Borrowed from the server. */
    uint64_t n_requests;
};

/* Stores in '*countsp' a malloc'd array (caller frees) of the counts of
 * every registered method, sorted by name, and returns their number.
 * The names stay valid while the server exists. */
size_t rpc_server_get_request_counts(const struct rpc_server *,
                                     struct rpc_method_count **countsp);

/* Returns a new JSON array of the names of the methods registered on
 * 'server', sorted (caller decrefs). */
json_t *rpc_server_methods_to_json(const struct rpc_server *);

/* Sets the size in bytes, excluding the newline, of the largest message
 * accepted on connections (default RPC_MAX_MESSAGE_SIZE_DEFAULT).  A
 * longer one gets an RPC_INVALID_REQUEST error "message too long (more
 * than N bytes; see --max-message-size)" with id null, and its
 * connection is closed.  Applies to connections accepted afterward. */
void rpc_server_set_max_message_size(struct rpc_server *, size_t);

/* Sets all the limits (see struct rpc_limits and "Bounds" above).  The
 * message size applies to connections accepted afterward, the rest at
 * once.
 *
 * A message over a limit of size, values, depth or batch entries gets an
 * RPC_INVALID_REQUEST error with id null naming the limit; one too long
 * closes the connection (the rest of it is not read), the others leave
 * it open.  An answer over the size limit is replaced by an
 * RPC_ERR_TOO_LARGE error with the request's id.  A connection whose
 * unfinished message brings the input of all connections over the limit,
 * or that holds one for 'partial_timeout' seconds without sending, gets
 * an RPC_ERR_BUSY error and is closed; a refused peer (see above) that
 * sends nothing for that long gets its RPC_ERR_ACCESS error and is
 * closed.  A connection over the listener's
 * limit or into the descriptor reserve is closed at once, after an
 * RPC_ERR_BUSY error on transports without handshake (unix), and
 * logged (rate-limited). */
void rpc_server_set_limits(struct rpc_server *, const struct rpc_limits *);
const struct rpc_limits *rpc_server_get_limits(const struct rpc_server *);
size_t rpc_server_n_connections(const struct rpc_server *);

/* Returns the bytes of input the server holds for all its connections:
 * unfinished messages, as limited by 'max_input'. */
size_t rpc_server_n_input(const struct rpc_server *);

/* Durable answers.  A server whose answers must wait until the changes
 * they report are durable gets a function that returns the sequence
 * number of the last change made (e.g. the last record appended to the
 * config db), and is told with rpc_server_commit_done() when changes are
 * durable.  Each answer is then held until every change counted when its
 * handler returned is durable; answers on one connection still go out in
 * order, and the connection keeps being served meanwhile (so pipelined
 * changes share a commit).  If a commit fails, each held answer to a
 * request whose handler made a change in the failed range becomes an
 * RPC_ERR_IO error instead. */
typedef uint64_t rpc_seqno_func(void *aux);
void rpc_server_set_seqno_func(struct rpc_server *, rpc_seqno_func *,
                               void *aux);
/* Every change up to 'seqno' is durable (error 0) or failed (positive
 * errno 'error'). */
void rpc_server_commit_done(struct rpc_server *, uint64_t seqno,
                            int error);

/* Deferred answers.  A handler that cannot answer at once (it works in
 * slices over several turns of the event loop) calls rpc_server_defer(),
 * returns NULL without an error, and later, on the same thread, answers
 * with rpc_call_complete() with a new reference to the result or (result
 * NULL) a new error.  Later requests of the same connection keep being
 * run; their answers wait for this one.  The call stays valid until it is
 * completed, even if its connection closes meanwhile.  The answer goes
 * out from the event loop, so it may be completed from anywhere on the
 * server's thread, even from the handler itself. */
struct rpc_call;
struct rpc_call *rpc_server_defer(void);
void rpc_call_complete(struct rpc_call *, json_t *result, json_t *error);

/* Server push: notifications a server sends on its own, for event
 * subscriptions.  A handler learns the connection its request came on
 * with rpc_server_current_conn() (NULL outside handlers) and may keep it
 * while it has push hooks on it: 'closed' is called when the connection
 * is destroyed, after which it must not be used.
 *
 * rpc_server_notify() sends the notification {"jsonrpc":"2.0","method":
 * METHOD,"params":PARAMS} on 'conn' (it takes ownership of 'params',
 * even on failure) and returns 0, or:
 *   - ENOBUFS if 'conn' has no room for it now: answers to its earlier
 *     requests are not sent yet, or its output holds RPC_PUSH_WATER
 *     (64 kB) or more unsent bytes.  The caller keeps what it wanted to
 *     send, in a bounded queue of its own; the 'writable' hook is called
 *     once there is room again.  So a peer that does not read costs the
 *     server at most that much output besides the caller's queue, and
 *     notifications never overtake an answer queued before them;
 *   - EMSGSIZE if the notification is longer than the answer size limit
 *     (--max-answer-size): nothing is sent;
 *   - EPIPE if 'conn' is closing.
 * Hooks are called from the event loop, never from within
 * rpc_server_notify(); 'writable' may call rpc_server_notify(). */
struct rpc_conn;
typedef void rpc_conn_func(struct rpc_conn *, void *aux);

struct rpc_conn *rpc_server_current_conn(void);
/* Sets (or, with NULL hooks, clears) the push hooks of 'conn'. */
void rpc_conn_set_push(struct rpc_conn *, rpc_conn_func *writable,
                       rpc_conn_func *closed, void *aux);
int rpc_server_notify(struct rpc_conn *, const char *method,
                      json_t *params);

/* For handlers: unpacks 'params' with jansson's json_unpack() 'format'
 * and its variable arguments in strict mode, so that a missing member, a
 * member of the wrong type and an unknown member are all errors ("{s:s,
 * s?i}" rejects {"name":"br0","extra":1}).  'params' NULL, as a handler
 * gets it for a request without params, unpacks like an empty object.
 * Returns true on success.  Otherwise returns false and stores in
 * '*errorp' a new RPC_INVALID_PARAMS error in our words that names the
 * member (lib/rpc-params.c), e.g. "invalid params: unknown member
 * \"extra\" (this method takes name, ofport)", "invalid params: member
 * \"name\" must be a string, not an integer", "invalid params: missing
 * member \"name\" (a string)", "invalid params: params must be an
 * object, not an array"; the output arguments may then be partly
 * filled.  As in json_unpack(), "s" and "o" outputs are borrowed from
 * 'params'.  The top level of 'format' must be an object of at most 64
 * members. */
bool rpc_params_unpack(json_t *params, json_t **errorp,
                       const char *format, ...);

#endif /* rpc-server.h */
