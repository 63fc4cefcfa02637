/* lib/stream.h: byte-stream transports named by remote strings.
 *
 * A remote name is "TYPE:SUFFIX".  Active names connect:
 *     unix:PATH          a unix domain stream socket; a bare PATH means
 *                        unix:PATH too, unless it starts with lowercase
 *                        letters and a colon, which is taken for an
 *                        unknown type;
 *     ssl:IP:PORT        TLS over TCP to an IPv4 or IPv6 literal
 *                        ("ssl:127.0.0.1:6640", "ssl:[::1]:6640");
 * passive names listen:
 *     punix:PATH         a unix domain socket file created at PATH, mode
 *                        0660, group as set by stream_unix_set_group();
 *     pssl:PORT[:IP]     TLS on TCP port PORT (0: any free port) of
 *                        address IP (default 0.0.0.0; "[::1]" or "::1"
 *                        for IPv6).
 * TLS needs the key and certificates set first (stream-ssl.h).
 *
 * Unix socket paths longer than sockaddr_un's sun_path still work: the
 * socket is bound or connected through /proc/self/fd/N/NAME, where N is
 * an open descriptor of PATH's directory.  Only when NAME alone is too
 * long does the operation fail with ENAMETOOLONG.
 *
 * Active streams are for blocking clients (rpc-client.c): stream_open()
 * waits for the connection, after which stream_recv() and stream_send()
 * never block and the caller poll()s stream_get_fd().  Passive streams
 * are for the libevent server (rpc-server.c): the server accepts on
 * pstream_get_fd() and hands each accepted socket to pstream_accept(),
 * which checks the peer (credentials, TLS handshake) without blocking
 * and calls back with a bufferevent once the connection may carry data.
 *
 * Functions return 0 or a positive errno value.  Thread-safety: separate
 * objects may be used from separate threads; one object is not
 * thread-safe. */
#ifndef NFVS_STREAM_H
#define NFVS_STREAM_H 1

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct bufferevent;
struct event_base;
struct pstream;
struct stream;

/* Returns 0 if 'name' is a well-formed active (stream_) or passive
 * (pstream_) name, EAFNOSUPPORT for an unknown or unimplemented type,
 * EINVAL for a known type with an empty suffix. */
int stream_verify_name(const char *name);
int pstream_verify_name(const char *name);

/* Connects to 'name', waiting at most 'timeout_ms' (<= 0: no limit).
 * On success stores a new stream in '*streamp' and returns 0; otherwise
 * stores NULL and returns a positive errno value: ENOENT or ECONNREFUSED
 * when nobody listens, ETIMEDOUT, ENAMETOOLONG, EAFNOSUPPORT, EPROTO
 * for a failed TLS handshake...  If 'errp' is nonnull, then on failure
 * it receives a malloc'd message naming 'name' and the reason when the
 * transport knows more than the errno value says (a TLS alert, a bad
 * address), or NULL; the caller frees it. */
int stream_open(const char *name, int timeout_ms, struct stream **streamp,
                char **errp);
void stream_close(struct stream *);    /* NULL is a no-op. */
const char *stream_get_name(const struct stream *);

/* Reads up to 'size' bytes into 'buffer' without blocking.  Returns 0
 * and stores the number of bytes read in '*n_recvp' (0 at end of stream),
 * or EAGAIN when nothing is available, or another positive errno. */
int stream_recv(struct stream *, void *buffer, size_t size,
                size_t *n_recvp);

/* Writes up to 'size' bytes from 'buffer' without blocking.  Returns 0
 * and stores the number of bytes written in '*n_sentp' (at least 1), or
 * EAGAIN when the stream cannot take more now, or another positive errno
 * (EPIPE once the peer has closed; never raises SIGPIPE). */
int stream_send(struct stream *, const void *buffer, size_t size,
                size_t *n_sentp);

/* The descriptor to poll(), and the poll() events to wait for on it
 * before retrying an operation that returned EAGAIN.  'want' is POLLIN
 * after stream_recv(), POLLOUT after stream_send(); a TLS stream may need
 * the other direction for its handshake. */
int stream_get_fd(const struct stream *);
short stream_poll_events(const struct stream *, short want);

/* Starts listening on 'name'.  On success stores a new passive stream in
 * '*pstreamp' and returns 0.  On failure stores NULL, returns a positive
 * errno value and stores in '*errp' a malloc'd message naming 'name' that
 * the caller must free.  For "punix:PATH", an existing socket file at
 * PATH is replaced only when nobody listens on it; otherwise the result
 * is EADDRINUSE.  pstream_get_name() then tells the name listened on,
 * which differs from 'name' for "pssl:0" (the port chosen). */
int pstream_open(const char *name, struct pstream **pstreamp, char **errp);

/* Stops listening.  "punix" removes its socket file.  NULL is a no-op. */
void pstream_close(struct pstream *);
const char *pstream_get_name(const struct pstream *);

/* The listening descriptor: nonblocking, close-on-exec, already in
 * listen() state.  Owned by the pstream. */
int pstream_get_fd(const struct pstream *);

/* Called by pstream_accept() for a connection that may carry data:
 * 'bev' (owned by the callee from now on; freeing it closes the socket)
 * has no callbacks set and nothing enabled.  'refusal' is NULL for an
 * authorized peer.  For a peer the transport refuses but can tell why
 * (a unix peer outside the socket's group), it is a message to send that
 * peer before closing 'bev'; the callee must not serve it. */
typedef void pstream_accept_func(struct bufferevent *bev,
                                 const char *refusal, void *aux);

/* Takes 'fd', a connection accepted on 'pstream' and already set
 * nonblocking, and gets it ready on 'base' without blocking: checks the
 * peer's credentials ("punix"), or runs the TLS server handshake with a
 * time limit ("pssl").  Calls 'cb' with 'aux' once, possibly before
 * returning, if the connection becomes usable (or refused with a
 * message); a failed or stalled handshake is logged and closed without
 * a call.  Pending handshakes belong to 'pstream' and end with it.
 * Takes ownership of 'fd' even on failure.  Returns 0 or a positive
 * errno value. */
int pstream_accept(struct pstream *, struct event_base *, int fd,
                   pstream_accept_func *cb, void *aux);

/* Returns the number of connections accepted on 'pstream' that are not
 * ready yet (TLS handshakes running; always 0 for "punix"). */
size_t pstream_n_pending(const struct pstream *);

/* Closes 'fd', a connection accepted on 'pstream' that the caller does
 * not want.  On a transport without handshake ("punix") first sends the
 * 'size' bytes at 'msg' if the socket takes them without blocking, so
 * that the peer learns why; a TLS peer just sees the connection close.
 * Takes ownership of 'fd'. */
void pstream_reject(struct pstream *, int fd, const char *msg, size_t size);

/* Sets the group given to socket files that "punix" creates afterward
 * ('group_name' is for messages; may be NULL when 'gid' is -1).  The
 * files get mode 0660, and connections are accepted only from uid 0,
 * this process's effective uid, and processes whose primary or
 * supplementary groups include the socket's group: 'gid', or this
 * process's effective gid when 'gid' is (gid_t) -1 (the default).
 * Implemented in stream-unix.c.  Not thread-safe: call at startup. */
void stream_unix_set_group(gid_t gid, const char *group_name);

#endif /* stream.h */
