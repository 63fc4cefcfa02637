/* lib/stream.h: byte-stream transports named by remote strings.
 *
 * A remote name is "TYPE:SUFFIX".  Active names connect:
 *     unix:PATH          a unix domain stream socket; a bare PATH means
 *                        unix:PATH too, unless it starts with lowercase
 *                        letters and a colon, which is taken for an
 *                        unknown type;
 * passive names listen:
 *     punix:PATH         a unix domain socket file created at PATH.
 * TLS ("ssl:IP:PORT", "pssl:PORT[:IP]") is meant to come as another pair
 * of classes in lib/stream-ssl.c (see stream-provider.h); until then those
 * names fail with EAFNOSUPPORT.
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
 * pstream_get_fd() and wraps each accepted socket with pstream_wrap().
 *
 * Functions return 0 or a positive errno value.  Thread-safety: separate
 * objects may be used from separate threads; one object is not
 * thread-safe. */
#ifndef NFVS_STREAM_H
#define NFVS_STREAM_H 1

#include <stdbool.h>
#include <stddef.h>

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
 * when nobody listens, ETIMEDOUT, ENAMETOOLONG, EAFNOSUPPORT... */
int stream_open(const char *name, int timeout_ms, struct stream **streamp);
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
 * is EADDRINUSE. */
int pstream_open(const char *name, struct pstream **pstreamp, char **errp);

/* Stops listening.  "punix" removes its socket file.  NULL is a no-op. */
void pstream_close(struct pstream *);
const char *pstream_get_name(const struct pstream *);

/* The listening descriptor: nonblocking, close-on-exec, already in
 * listen() state.  Owned by the pstream. */
int pstream_get_fd(const struct pstream *);

/* Wraps 'fd', a connection accepted on 'pstream' and already set
 * nonblocking, in a new bufferevent on 'base' that closes 'fd' when
 * freed.  Takes ownership of 'fd' even on failure.  Returns 0 and stores
 * the bufferevent in '*bevp', or a positive errno value. */
int pstream_wrap(struct pstream *, struct event_base *, int fd,
                 struct bufferevent **bevp);

#endif /* stream.h */
