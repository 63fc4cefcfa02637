/* lib/rpc-client.h: a blocking JSON-RPC client, for nfvs-ctl and tests.
 *
 * Every call waits at most the client's timeout.  Does not use libevent.
 * Thread-safety: one client per thread. */
#ifndef NFVS_RPC_CLIENT_H
#define NFVS_RPC_CLIENT_H 1

#include <jansson.h>

struct rpc_client;

/* Connects to 'remote' ("unix:PATH", a bare path meaning unix:PATH, or
 * "ssl:IP:PORT" once stream_ssl_set_files() is done).  'timeout_ms' <= 0
 * waits forever.  Returns 0 and stores the client in '*clientp', or a
 * positive errno value (ENOENT or ECONNREFUSED when no daemon listens
 * there, EPROTO for a failed TLS handshake...).  If 'errp' is nonnull,
 * then on failure it receives NULL or a malloc'd message naming 'remote'
 * and the reason, as from stream_open(); the caller frees it. */
int rpc_client_open(const char *remote, int timeout_ms,
                    struct rpc_client **clientp, char **errp);
void rpc_client_close(struct rpc_client *);

/* Calls 'method' with 'params' (ownership taken; NULL for none) and waits
 * for its response.  Returns 0 when a response arrived: then exactly one
 * of '*resultp' and '*errorp' is a new reference (caller decrefs) and the
 * other is NULL.  Returns a positive errno value (ETIMEDOUT, EPROTO for a
 * malformed response, EPIPE or ECONNRESET when the daemon closed the
 * connection) otherwise. */
int rpc_client_call(struct rpc_client *, const char *method,
                    json_t *params, json_t **resultp, json_t **errorp);

/* Pipelining, for benchmarks and tests: sends a request without waiting
 * (its id in '*idp'), and receives the next response in order. */
int rpc_client_send(struct rpc_client *, const char *method,
                    json_t *params, long long int *idp);
int rpc_client_recv(struct rpc_client *, json_t **responsep);

/* Details of the functions above:
 *
 * rpc_client_call() gives each request a new id and skips responses
 * whose integer id is older than it, which belong to calls that timed
 * out; so a client stays usable after ETIMEDOUT, but responses to
 * requests sent by rpc_client_send() and not yet received are discarded
 * by the next rpc_client_call().  A response with id null and an error
 * (what the server sends before closing a connection it cannot read
 * further) answers the pending call, even when the server closed the
 * connection before the whole request was sent (a request over the
 * server's size limit): the call then returns 0 with that error rather
 * than EPIPE.
 *
 * rpc_client_send() returns 0 or a positive errno value.
 * rpc_client_recv() returns 0 and stores in '*responsep' the next
 * complete JSON value received, unchecked (an object, or an array for a
 * batch), as a new reference; or a positive errno value (ETIMEDOUT,
 * EPROTO when the bytes are not JSON or end without a newline, EPIPE at
 * end of stream, ECONNRESET...) and stores NULL. */

/* Notifications (requests without id) that the server sends on its own,
 * e.g. events after a "monitor" call.  rpc_client_call() keeps those
 * that arrive while it waits for its response, in order, and
 * rpc_client_recv_notification() returns them first, then reads more,
 * waiting at most the timeout.  Returns 0 and stores in '*msgp' a new
 * reference to the next notification, whole ({"jsonrpc":"2.0",
 * "method":...,"params":...}), or to an error response with id null (the
 * server's last word before it closes the connection; check for
 * "method" to tell them apart); late responses to calls that timed out
 * are skipped.  Otherwise returns a positive errno value as
 * rpc_client_recv() does (EPROTO for another response) and stores
 * NULL. */
int rpc_client_recv_notification(struct rpc_client *, json_t **msgp);

/* Sends the 'size' bytes at 'data' as they are, waiting at most the
 * timeout: for tests that need malformed or split input.  Returns 0 or a
 * positive errno value. */
int rpc_client_send_raw(struct rpc_client *, const void *data, size_t size);

/* Changes the timeout of later operations ('timeout_ms' <= 0: none). */
void rpc_client_set_timeout(struct rpc_client *, int timeout_ms);

#endif /* rpc-client.h */
