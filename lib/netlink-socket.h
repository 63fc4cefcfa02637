/* lib/netlink-socket.h: generic netlink sockets, the one door to libnl.
 *
 * Only netlink-socket.c includes <netlink/...> (libnl-3 and
 * libnl-genl-3); everything here is in our own types, and every error is
 * a positive errno value (libnl's negative NLE_* codes are translated).
 *
 * Concepts:
 *   - a family id, resolved by name with nl_genl_family_lookup() (ENOENT
 *     if no such family is registered, e.g. its module is not loaded);
 *   - a request ('struct nl_request'): family, command, flags and the
 *     payload that follows the genl header (the family's fixed header,
 *     then attributes, as lib/nlattr.h builds them);
 *   - a received message ('struct nl_msg_view'): the same fields, with
 *     pointers into a receive buffer;
 *   - transactions (request, optional reply, acknowledgement), dumps,
 *     and batched receive for upcall sockets: nlsock_recv_batch() takes
 *     up to a whole batch of queued messages with one recvmmsg() call.
 *
 * Thread-safety: nl_transact(), nlsock_dump_*() and the lookups may be called
 * from any thread (transactions borrow sockets from an internal pool;
 * each dump has a socket of its own).  A 'struct nlsock' and a 'struct
 * nl_rxbuf' belong to one thread at a time. */
#ifndef NFVS_NETLINK_SOCKET_H
#define NFVS_NETLINK_SOCKET_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_buf;
struct nlsock_dump;
struct nl_rxbuf;
struct nlsock;

/* Families and groups. */

/* Stores the id of generic netlink family 'name' in '*idp'.  Returns 0,
 * ENOENT if the kernel has no such family, or another errno value. */
int nl_genl_family_lookup(const char *name, int *idp);

/* Stores the id of multicast group 'group' of family 'family' in
 * '*idp'.  Returns 0, ENOENT if either does not exist, or another errno
 * value. */
int nl_genl_mcgroup_lookup(const char *family, const char *group,
                           uint32_t *idp);

/* Messages. */

struct nl_request {
    int family;                 /* Generic netlink family id. */
    uint8_t cmd;                /* Family's command. */
    uint8_t version;            /* Family's version. */
    uint16_t flags;             /* NLM_F_* besides NLM_F_REQUEST and
                                 * NLM_F_ACK, which are added. */
    const void *payload;        /* Family header, then attributes. */
    size_t payload_size;
};

struct nl_msg_view {
    uint16_t type;              /* Family id (or NLMSG_* control type). */
    uint16_t flags;             /* NLM_F_*. */
    uint32_t seq;               /* Sequence number. */
    uint32_t pid;               /* Sender's port id (0: kernel). */
    uint8_t cmd;                /* Family's command. */
    uint8_t version;            /* Family's version. */
    const void *payload;        /* After the genl header. */
    size_t payload_size;
};

/* Appends to 'out' the whole netlink message for 'req' (headers, then
 * the payload), with 'seq' and 'pid' in its header. */
void nl_request_encode(const struct nl_request *req, uint32_t seq,
                       uint32_t pid, struct nl_buf *out);

/* Parses the netlink message at the start of the 'size' bytes at 'data'
 * as a generic netlink message.  On success fills '*view' (pointing
 * into 'data'), stores the aligned length of the message in '*sizep'
 * and returns 0.  Returns EINVAL for a truncated or malformed message
 * (then '*sizep' is 0 if nothing after it can be trusted either).
 * Control messages (NLMSG_ERROR, NLMSG_DONE) parse with cmd 0 and their
 * body as the payload. */
int nl_msg_view_parse(const void *data, size_t size,
                      struct nl_msg_view *view, size_t *sizep);

/* Transactions. */

/* Sends 'req' with NLM_F_ACK on a pooled socket and waits for the
 * kernel's answer.  If 'reply' is nonnull, the first message the kernel
 * answers with (before its acknowledgement) is appended to it whole, as
 * nl_msg_view_parse() reads it; 'reply' is left empty if there was none.
 * Returns 0 or the kernel's positive errno value; in that case stores
 * in '*errmsgp' (if nonnull) the kernel's extended-ack message, which
 * the caller frees, or NULL if it gave none. */
int nl_transact(const struct nl_request *req, struct nl_buf *reply,
                char **errmsgp);

/* Dumps. */

/* Starts a dump request for 'req' (NLM_F_DUMP is added) on a socket of
 * its own.  Always returns a dump; an error to send it is reported by
 * nlsock_dump_done(). */
struct nlsock_dump *nlsock_dump_start(const struct nl_request *req);

/* Stores the next message of 'dump' in '*view', valid until the next
 * call, and returns true; returns false at the end or on error. */
bool nlsock_dump_next(struct nlsock_dump *dump, struct nl_msg_view *view);

/* Frees 'dump' and returns 0 or the error that ended it early (also
 * with the extended-ack message in '*errmsgp', as nl_transact()). */
int nlsock_dump_done(struct nlsock_dump *dump, char **errmsgp);

/* Sockets for unicast and multicast receive (upcalls, notifications). */

/* Creates a generic netlink socket bound to a port id of its own.
 * 'nonblocking' makes receives return EAGAIN when nothing waits. */
int nlsock_create(bool nonblocking, struct nlsock **sockp);
void nlsock_destroy(struct nlsock *);         /* NULL is a no-op. */

/* The port id the kernel sends unicasts for this socket to. */
uint32_t nlsock_pid(const struct nlsock *);

/* A descriptor, owned by the socket, readable while messages wait. */
int nlsock_fd(const struct nlsock *);

/* Sets the receive buffer to 'size' bytes, beyond the system maximum
 * where privileges allow (SO_RCVBUFFORCE), within it otherwise. */
int nlsock_set_rcvbuf(struct nlsock *, int size);

/* Joins multicast group 'group'. */
int nlsock_join_mcgroup(struct nlsock *, uint32_t group);

/* Preallocated receive buffers for nlsock_recv_batch(): 'n_slots'
 * messages of at most 'slot_size' bytes each per call. */
struct nl_rxbuf *nl_rxbuf_create(size_t n_slots, size_t slot_size);
void nl_rxbuf_destroy(struct nl_rxbuf *);     /* NULL is a no-op. */

/* Receive counters of an rxbuf, for tests and stats. */
struct nl_rxbuf_stats {
    uint64_t n_calls;           /* recvmmsg() calls that got messages. */
    uint64_t n_msgs;            /* Messages returned. */
    uint64_t n_truncated;       /* Dropped: larger than a slot. */
    uint64_t n_malformed;       /* Dropped: not a valid genl message. */
    uint64_t n_overruns;        /* ENOBUFS: the kernel dropped some. */
};
void nl_rxbuf_get_stats(const struct nl_rxbuf *, struct nl_rxbuf_stats *);

/* Receives up to 'max' messages (and at most the rxbuf's slot count)
 * from 'sock' with a single system call into 'rx', and stores views of
 * them in 'msgs[0..*n-1]', valid until the next receive into 'rx'.
 * Truncated and malformed datagrams are dropped and counted.  Returns 0
 * with '*n' >= 1, EAGAIN with '*n' == 0 if nothing waits, or another
 * errno value. */
int nlsock_recv_batch(struct nlsock *sock, struct nl_rxbuf *rx,
                      struct nl_msg_view msgs[], size_t max, size_t *n);

/* The same on any datagram descriptor 'fd', for tests. */
int nl_recv_batch_fd(int fd, struct nl_rxbuf *rx,
                     struct nl_msg_view msgs[], size_t max, size_t *n);

#endif /* netlink-socket.h */
