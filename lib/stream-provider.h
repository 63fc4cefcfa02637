/* lib/stream-provider.h: contract for stream transport implementations.
 *
 * Each transport provides a 'struct stream_class' for the active side
 * and/or a 'struct pstream_class' for the passive side, and is listed in
 * the class tables in stream.c.  The TLS transport lives in
 * lib/stream-ssl.c (the only file allowed to include OpenSSL): its
 * "ssl" class connects and handshakes within the timeout in ->open and
 * uses SSL_read()/SSL_write() in ->recv/->send, reporting through
 * ->poll_events which direction OpenSSL waits for; its "pssl" class
 * binds a TCP socket in ->listen and runs the server handshake of each
 * accepted socket on a bufferevent_openssl in ->accept.
 *
 * Functions return 0 or a positive errno value. */
#ifndef NFVS_STREAM_PROVIDER_H
#define NFVS_STREAM_PROVIDER_H 1

#include "stream.h"

struct stream {                     /* Base state, embedded by providers. */
    const struct stream_class *class;
    char *name;                     /* Full name, e.g. "unix:/run/x". */
    int fd;                         /* Connected, nonblocking socket. */
};

struct stream_class {
    const char *name;               /* Type prefix: "unix". */

    /* Connects to 'suffix' (the name after "TYPE:") within 'timeout_ms'
     * (<= 0: no limit).  On success stores a new stream, whose base
     * members are filled in by stream.c, in '*streamp'.  On failure may
     * store in '*errp' a malloc'd message naming the remote, which
     * stream.c then passes on or frees. */
    int (*open)(const char *suffix, int timeout_ms, struct stream **streamp,
                char **errp);

    /* Closes the descriptor and frees the stream, but not 'name', which
     * stream.c frees. */
    void (*close)(struct stream *);

    /* As stream_recv() and stream_send(). */
    int (*recv)(struct stream *, void *buffer, size_t size,
                size_t *n_recvp);
    int (*send)(struct stream *, const void *buffer, size_t size,
                size_t *n_sentp);

    /* Optional.  As stream_poll_events(); NULL means 'want' itself. */
    short (*poll_events)(const struct stream *, short want);
};

struct pstream {                    /* Base state, embedded by providers. */
    const struct pstream_class *class;
    char *name;                     /* Full name, e.g. "punix:/run/x". */
    int fd;                         /* Listening, nonblocking socket. */
};

struct pstream_class {
    const char *name;               /* Type prefix: "punix". */

    /* Listens on 'suffix'.  On failure also stores a malloc'd message in
     * '*errp' that names the remote.  On success may set the new
     * pstream's 'name' (malloc'd) when the name it listens on differs
     * from the one asked for ("pssl:0" binds some free port); otherwise
     * stream.c sets it. */
    int (*listen)(const char *suffix, struct pstream **pstreamp,
                  char **errp);

    /* Closes the descriptor, undoes side effects such as a socket file,
     * and frees the pstream but not 'name'. */
    void (*close)(struct pstream *);

    /* As pstream_accept(). */
    int (*accept)(struct pstream *, struct event_base *, int fd,
                  pstream_accept_func *, void *aux);

    /* Optional.  As pstream_n_pending(); NULL means always 0. */
    size_t (*n_pending)(const struct pstream *);

    /* Optional.  As pstream_reject(); NULL means just close 'fd'. */
    void (*reject)(struct pstream *, int fd, const char *msg, size_t size);
};

extern const struct stream_class unix_stream_class;
extern const struct pstream_class punix_pstream_class;
extern const struct stream_class ssl_stream_class;
extern const struct pstream_class pssl_pstream_class;

#endif /* stream-provider.h */
