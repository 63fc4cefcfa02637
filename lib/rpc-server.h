/* lib/rpc-server.h: the JSON-RPC server of the daemon, on libevent.
 *
 * A server listens on any number of remotes ("punix:PATH" now; "pssl:"
 * comes with TLS) and serves every connection from one event_base.
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
 *   - a message split over many writes, or several in one write, works.
 *
 * Thread-safety: call everything, and expect handlers to be called, on
 * the thread that runs the event_base. */
#ifndef NFVS_RPC_SERVER_H
#define NFVS_RPC_SERVER_H 1

#include <jansson.h>
#include <stddef.h>

struct event_base;
struct rpc_server;

/* Handles one call of a registered method.  'params' is the request's
 * params member (borrowed), or NULL when it has none.  Returns a new
 * reference to the result on success.  On failure returns NULL and stores
 * a new error object from rpc_error_create() in '*errorp'. */
typedef json_t *rpc_handler_func(json_t *params, json_t **errorp,
                                 void *aux);

struct rpc_server *rpc_server_create(struct event_base *);
void rpc_server_destroy(struct rpc_server *); /* Closes every connection. */

/* Starts listening on 'remote', e.g. "punix:/run/nfvs/x.sock".  An
 * existing socket file at PATH is replaced only when nobody listens on it
 * (EADDRINUSE otherwise).  Returns 0 or a positive errno value; on
 * failure stores a malloc'd message naming the remote in '*errp' (caller
 * frees). */
int rpc_server_add_remote(struct rpc_server *, const char *remote,
                          char **errp);

/* Makes 'method' call 'handler' with 'aux'.  Registering a name twice
 * replaces the handler. */
void rpc_server_register(struct rpc_server *, const char *method,
                         rpc_handler_func *handler, void *aux);

void rpc_server_set_max_message_size(struct rpc_server *, size_t);
size_t rpc_server_n_connections(const struct rpc_server *);

#endif /* rpc-server.h */
