/* lib/netlink-socket.c: generic netlink through libnl-3 and libnl-genl-3.
 *
 * libnl creates, binds and configures the sockets and resolves families
 * and groups; message framing is walked with its nlmsg/nla helpers.
 * Requests are laid out in our own 'struct nl_buf' and sent with one
 * send(), and upcall sockets are read with recvmmsg() into preallocated
 * slots, so that a batch of upcalls costs one system call. */
#include <config.h>
#include "netlink-socket.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include "nlattr.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netlink_socket);

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Receive buffer of transaction and dump sockets: the kernel sizes dump
 * messages to what the reader offers, up to 32 KiB. */
#define NL_TXN_BUF_SIZE 65536

struct nlsock {
    struct nl_sock *sk;         /* libnl's socket. */
    int fd;                     /* Its descriptor. */
    uint32_t pid;               /* Its port id. */
    uint32_t next_seq;          /* Next request's sequence number. */
    uint8_t *buf;               /* NL_TXN_BUF_SIZE bytes, or NULL. */
};

/* libnl returns negative NLE_* codes, which are not errno values. */
static int
nle_to_errno(int nle)
{
    switch (nle < 0 ? -nle : nle) {
    case NLE_SUCCESS:
        return 0;
    case NLE_INTR:
        return EINTR;
    case NLE_BAD_SOCK:
        return EBADF;
    case NLE_AGAIN:
        return EAGAIN;
    case NLE_NOMEM:
        return ENOMEM;
    case NLE_EXIST:
        return EEXIST;
    case NLE_INVAL:
    case NLE_MSG_TOOSHORT:
    case NLE_PARSE_ERR:
    case NLE_ATTRSIZE:
        return EINVAL;
    case NLE_RANGE:
        return ERANGE;
    case NLE_MSGSIZE:
    case NLE_MSG_OVERFLOW:
    case NLE_MSG_TRUNC:
        return EMSGSIZE;
    case NLE_OPNOTSUPP:
    case NLE_MSGTYPE_NOSUPPORT:
        return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT:
        return EAFNOSUPPORT;
    case NLE_OBJ_NOTFOUND:
    case NLE_NOATTR:
    case NLE_MISSING_ATTR:
        return ENOENT;
    case NLE_SEQ_MISMATCH:
    case NLE_PROTO_MISMATCH:
    case NLE_AF_MISMATCH:
    case NLE_OBJ_MISMATCH:
        return EPROTO;
    case NLE_NOADDR:
        return EADDRNOTAVAIL;
    case NLE_BUSY:
        return EBUSY;
    case NLE_NOACCESS:
        return EACCES;
    case NLE_PERM:
        return EPERM;
    case NLE_NODEV:
        return ENODEV;
    case NLE_IMMUTABLE:
        return EROFS;
    case NLE_DUMP_INTR:
        return EINTR;
    default:
        return EIO;
    }
}

/* Sockets. */

static int
nlsock_open__(bool nonblocking, bool with_buf, struct nlsock **sockp)
{
    struct nlsock *sock;
    int one = 1;
    int error;

    *sockp = NULL;
    sock = xzalloc(sizeof *sock);
    sock->sk = nl_socket_alloc();
    if (!sock->sk) {
        free(sock);
        return ENOMEM;
    }
    /* We match replies to requests ourselves. */
    nl_socket_disable_seq_check(sock->sk);
    nl_socket_disable_auto_ack(sock->sk);
    error = nle_to_errno(nl_connect(sock->sk, NETLINK_GENERIC));
    if (error) {
        nl_socket_free(sock->sk);
        free(sock);
        return error;
    }
    if (nonblocking) {
        error = nle_to_errno(nl_socket_set_nonblocking(sock->sk));
        if (error) {
            nlsock_destroy(sock);
            return error;
        }
    }
    sock->fd = nl_socket_get_fd(sock->sk);
    sock->pid = nl_socket_get_local_port(sock->sk);
    sock->next_seq = 1;
    /* Extended acks with the request left out of error messages; both are
     * optional (older kernels), so failures are ignored. */
    setsockopt(sock->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(sock->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    if (with_buf) {
        sock->buf = xmalloc(NL_TXN_BUF_SIZE);
    }
    *sockp = sock;
    return 0;
}

int
nlsock_create(bool nonblocking, struct nlsock **sockp)
{
    return nlsock_open__(nonblocking, false, sockp);
}

void
nlsock_destroy(struct nlsock *sock)
{
    if (sock) {
        nl_socket_free(sock->sk);
        free(sock->buf);
        free(sock);
    }
}

uint32_t
nlsock_pid(const struct nlsock *sock)
{
    return sock->pid;
}

int
nlsock_fd(const struct nlsock *sock)
{
    return sock->fd;
}

int
nlsock_set_rcvbuf(struct nlsock *sock, int size)
{
    if (!setsockopt(sock->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
                    sizeof size)) {
        return 0;
    }
    return nle_to_errno(nl_socket_set_buffer_size(sock->sk, size, 0));
}

int
nlsock_join_mcgroup(struct nlsock *sock, uint32_t group)
{
    return nle_to_errno(nl_socket_add_membership(sock->sk, group));
}

/* Families. */

int
nl_genl_family_lookup(const char *name, int *idp)
{
    struct nlsock *sock;
    int error;

    *idp = 0;
    error = nlsock_create(false, &sock);
    if (error) {
        return error;
    }
    error = genl_ctrl_resolve(sock->sk, name);
    if (error >= 0) {
        *idp = error;
        error = 0;
    } else {
        error = nle_to_errno(error);
    }
    nlsock_destroy(sock);
    return error;
}

int
nl_genl_mcgroup_lookup(const char *family, const char *group, uint32_t *idp)
{
    struct nlsock *sock;
    int error;

    *idp = 0;
    error = nlsock_create(false, &sock);
    if (error) {
        return error;
    }
    error = genl_ctrl_resolve_grp(sock->sk, family, group);
    if (error >= 0) {
        *idp = error;
        error = 0;
    } else {
        error = nle_to_errno(error);
    }
    nlsock_destroy(sock);
    return error;
}

/* Messages. */

void
nl_request_encode(const struct nl_request *req, uint32_t seq, uint32_t pid,
                  struct nl_buf *out)
{
    size_t start = out->size;
    struct nlmsghdr *nlh;
    struct genlmsghdr *genl;

    nlh = nl_buf_put_uninit(out, NLMSG_HDRLEN + GENL_HDRLEN);
    nlh->nlmsg_type = req->family;
    nlh->nlmsg_flags = req->flags | NLM_F_REQUEST;
    nlh->nlmsg_seq = seq;
    nlh->nlmsg_pid = pid;
    genl = (struct genlmsghdr *) ((uint8_t *) nlh + NLMSG_HDRLEN);
    memset(genl, 0, GENL_HDRLEN);
    genl->cmd = req->cmd;
    genl->version = req->version;
    if (req->payload_size) {
        nl_buf_put(out, req->payload, req->payload_size);
    }
    while ((out->size - start) % NLMSG_ALIGNTO) {
        *(uint8_t *) nl_buf_put_uninit(out, 1) = 0;
    }
    nlh = (struct nlmsghdr *) (out->data + start);
    nlh->nlmsg_len = out->size - start;
}

int
nl_msg_view_parse(const void *data, size_t size, struct nl_msg_view *view,
                  size_t *sizep)
{
    struct nlmsghdr *nlh = (struct nlmsghdr *) data;
    int remaining = size > INT_MAX ? INT_MAX : (int) size;
    size_t hdrlen;

    memset(view, 0, sizeof *view);
    *sizep = 0;
    if (!nlmsg_ok(nlh, remaining)) {
        return EINVAL;
    }
    *sizep = NLMSG_ALIGN(nlh->nlmsg_len);
    if (*sizep > size) {
        *sizep = size;
    }
    view->type = nlh->nlmsg_type;
    view->flags = nlh->nlmsg_flags;
    view->seq = nlh->nlmsg_seq;
    view->pid = nlh->nlmsg_pid;
    if (nlh->nlmsg_type < NLMSG_MIN_TYPE) {
        view->payload = nlmsg_data(nlh);
        view->payload_size = nlmsg_datalen(nlh);
        return 0;
    }
    if (!genlmsg_valid_hdr(nlh, 0)) {
        return EINVAL;
    }
    hdrlen = NLMSG_HDRLEN + GENL_HDRLEN;
    view->cmd = ((struct genlmsghdr *) nlmsg_data(nlh))->cmd;
    view->version = ((struct genlmsghdr *) nlmsg_data(nlh))->version;
    view->payload = (const uint8_t *) data + hdrlen;
    view->payload_size = nlh->nlmsg_len - hdrlen;
    return 0;
}

/* Parses the NLMSG_ERROR body in 'view': returns its positive errno
 * value (0 for an acknowledgement) and, if nonnull, stores a copy of its
 * extended-ack message in '*errmsgp'. */
static int
parse_nlmsgerr(const struct nl_msg_view *view, char **errmsgp)
{
    const struct nlmsgerr *err = view->payload;
    size_t offset;
    int error;

    if (view->payload_size < sizeof *err) {
        return EPROTO;
    }
    error = err->error < 0 ? -err->error : err->error;
    if (errmsgp && !*errmsgp && (view->flags & NLM_F_ACK_TLVS)) {
        struct nlattr *msg;

        offset = sizeof *err;
        if (!(view->flags & NLM_F_CAPPED)
            && err->msg.nlmsg_len >= NLMSG_HDRLEN) {
            offset += NLMSG_ALIGN(err->msg.nlmsg_len) - NLMSG_HDRLEN;
        }
        if (offset < view->payload_size) {
            msg = nla_find((struct nlattr *) ((uint8_t *) view->payload
                                              + offset),
                           view->payload_size - offset, NLMSGERR_ATTR_MSG);
            if (msg && nla_len(msg) > 0) {
                *errmsgp = xmemdup0(nla_data(msg),
                                    strnlen(nla_data(msg), nla_len(msg)));
            }
        }
    }
    return error;
}

static int
nlsock_send__(struct nlsock *sock, const struct nl_request *req,
              uint16_t extra_flags, uint32_t *seqp)
{
    struct nl_buf msg = NL_BUF_INITIALIZER;
    struct nl_request r = *req;
    ssize_t n;
    int error = 0;

    r.flags |= extra_flags;
    *seqp = sock->next_seq++;
    nl_request_encode(&r, *seqp, sock->pid, &msg);
    do {
        n = send(sock->fd, msg.data, msg.size, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        error = errno;
    } else if ((size_t) n != msg.size) {
        error = EMSGSIZE;
    }
    nl_buf_uninit(&msg);
    return error;
}

/* Receives one datagram into 'sock->buf'; returns its size or a negative
 * errno value. */
static ssize_t
nlsock_recv__(struct nlsock *sock)
{
    ssize_t n;

    do {
        n = recv(sock->fd, sock->buf, NL_TXN_BUF_SIZE, MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return -errno;
    }
    if (n > NL_TXN_BUF_SIZE) {
        return -EMSGSIZE;
    }
    return n;
}

static int
nlsock_transact__(struct nlsock *sock, const struct nl_request *req,
                  struct nl_buf *reply, char **errmsgp)
{
    uint32_t seq;
    int error;

    error = nlsock_send__(sock, req, NLM_F_ACK, &seq);
    while (!error) {
        ssize_t n = nlsock_recv__(sock);
        size_t ofs = 0;

        if (n < 0) {
            return -n;
        }
        while (ofs < (size_t) n) {
            struct nl_msg_view view;
            size_t size;

            if (nl_msg_view_parse(sock->buf + ofs, n - ofs, &view, &size)) {
                break;
            }
            ofs += size;
            if (view.seq != seq) {
                continue;       /* Left over from an abandoned request. */
            }
            if (view.type == NLMSG_ERROR) {
                return parse_nlmsgerr(&view, errmsgp);
            }
            if (reply && !reply->size && view.type >= NLMSG_MIN_TYPE) {
                nl_buf_put(reply, sock->buf + ofs - size, size);
            }
        }
    }
    return error;
}

/* Transaction socket pool. */

#define NL_POOL_MAX 16

static pthread_mutex_t pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct nlsock *pool[NL_POOL_MAX];
static size_t n_pool;

static int
pool_get(struct nlsock **sockp)
{
    pthread_mutex_lock(&pool_mutex);
    *sockp = n_pool ? pool[--n_pool] : NULL;
    pthread_mutex_unlock(&pool_mutex);
    return *sockp ? 0 : nlsock_open__(false, true, sockp);
}

static void
pool_put(struct nlsock *sock)
{
    pthread_mutex_lock(&pool_mutex);
    if (n_pool < NL_POOL_MAX) {
        pool[n_pool++] = sock;
        sock = NULL;
    }
    pthread_mutex_unlock(&pool_mutex);
    nlsock_destroy(sock);
}

int
nl_transact(const struct nl_request *req, struct nl_buf *reply,
            char **errmsgp)
{
    struct nlsock *sock;
    int error;

    if (errmsgp) {
        *errmsgp = NULL;
    }
    if (reply) {
        nl_buf_clear(reply);
    }
    error = pool_get(&sock);
    if (error) {
        return error;
    }
    error = nlsock_transact__(sock, req, reply, errmsgp);
    if (error && reply) {
        nl_buf_clear(reply);
    }
    if (error == EAGAIN || error == EINTR || error == EMSGSIZE) {
        /* Answers may still come: do not let the next user see them. */
        nlsock_destroy(sock);
    } else {
        pool_put(sock);
    }
    return error;
}

/* Dumps. */

struct nlsock_dump {
    struct nlsock *sock;        /* The dump's own socket. */
    uint32_t seq;               /* The request's sequence number. */
    size_t ofs, size;           /* Unread bytes in 'sock->buf'. */
    bool done;                  /* NLMSG_DONE or an error seen. */
    int error;                  /* Positive errno value, or 0. */
    char *errmsg;               /* Extended-ack message, or NULL. */
};

struct nlsock_dump *
nlsock_dump_start(const struct nl_request *req)
{
    struct nlsock_dump *dump = xzalloc(sizeof *dump);

    dump->error = nlsock_open__(false, true, &dump->sock);
    if (!dump->error) {
        dump->error = nlsock_send__(dump->sock, req, NLM_F_DUMP,
                                    &dump->seq);
    }
    dump->done = dump->error != 0;
    return dump;
}

bool
nlsock_dump_next(struct nlsock_dump *dump, struct nl_msg_view *view)
{
    while (!dump->done) {
        size_t size;

        if (dump->ofs >= dump->size) {
            ssize_t n = nlsock_recv__(dump->sock);

            if (n < 0) {
                dump->error = -n;
                dump->done = true;
                break;
            }
            dump->ofs = 0;
            dump->size = n;
            continue;
        }
        if (nl_msg_view_parse(dump->sock->buf + dump->ofs,
                              dump->size - dump->ofs, view, &size)) {
            dump->error = EPROTO;
            dump->done = true;
            break;
        }
        dump->ofs += size;
        if (view->seq != dump->seq) {
            continue;
        }
        if (view->type == NLMSG_DONE) {
            if (view->payload_size >= sizeof(int)) {
                int status;

                memcpy(&status, view->payload, sizeof status);
                dump->error = status < 0 ? -status : 0;
            }
            dump->done = true;
        } else if (view->type == NLMSG_ERROR) {
            dump->error = parse_nlmsgerr(view, &dump->errmsg);
            dump->done = true;
        } else if (view->type >= NLMSG_MIN_TYPE) {
            return true;
        }
    }
    return false;
}

int
nlsock_dump_done(struct nlsock_dump *dump, char **errmsgp)
{
    int error;

    if (errmsgp) {
        *errmsgp = NULL;
    }
    if (!dump) {
        return 0;
    }
    error = dump->error;
    if (errmsgp) {
        *errmsgp = dump->errmsg;
        dump->errmsg = NULL;
    }
    /* A socket abandoned in the middle of a dump is not reused. */
    nlsock_destroy(dump->sock);
    free(dump->errmsg);
    free(dump);
    return error;
}

/* Batched receive. */

struct nl_rxbuf {
    size_t n_slots;             /* Messages per call. */
    size_t slot_size;           /* Bytes per message. */
    uint8_t *mem;               /* n_slots * slot_size bytes. */
    struct mmsghdr *mmsgs;      /* One per slot. */
    struct iovec *iovs;         /* One per slot. */
    struct nl_rxbuf_stats stats;
};

struct nl_rxbuf *
nl_rxbuf_create(size_t n_slots, size_t slot_size)
{
    struct nl_rxbuf *rx = xzalloc(sizeof *rx);
    size_t i;

    rx->n_slots = n_slots ? n_slots : 1;
    rx->slot_size = NLMSG_ALIGN(slot_size ? slot_size : 4096);
    /* Only the pages datagrams land on become resident. */
    rx->mem = xmalloc(rx->n_slots * rx->slot_size);
    rx->mmsgs = xcalloc(rx->n_slots, sizeof *rx->mmsgs);
    rx->iovs = xcalloc(rx->n_slots, sizeof *rx->iovs);
    for (i = 0; i < rx->n_slots; i++) {
        rx->iovs[i].iov_base = rx->mem + i * rx->slot_size;
        rx->iovs[i].iov_len = rx->slot_size;
    }
    return rx;
}

void
nl_rxbuf_destroy(struct nl_rxbuf *rx)
{
    if (rx) {
        free(rx->mem);
        free(rx->mmsgs);
        free(rx->iovs);
        free(rx);
    }
}

void
nl_rxbuf_get_stats(const struct nl_rxbuf *rx, struct nl_rxbuf_stats *stats)
{
    *stats = rx->stats;
}

int
nl_recv_batch_fd(int fd, struct nl_rxbuf *rx, struct nl_msg_view msgs[],
                 size_t max, size_t *n)
{
    size_t n_slots = max < rx->n_slots ? max : rx->n_slots;
    int retval;
    size_t i;

    *n = 0;
    if (!n_slots) {
        return EINVAL;
    }
    for (;;) {
        for (i = 0; i < n_slots; i++) {
            struct msghdr *mh = &rx->mmsgs[i].msg_hdr;

            memset(mh, 0, sizeof *mh);
            mh->msg_iov = &rx->iovs[i];
            mh->msg_iovlen = 1;
        }
        retval = recvmmsg(fd, rx->mmsgs, n_slots, MSG_DONTWAIT, NULL);
        if (retval < 0) {
            if (errno == EINTR) {
                continue;
            } else if (errno == ENOBUFS) {
                /* The kernel dropped messages (and counted them); the
                 * queue has room again. */
                rx->stats.n_overruns++;
                continue;
            }
            return errno;
        }
        if (!retval) {
            return EAGAIN;
        }
        rx->stats.n_calls++;
        for (i = 0; i < (size_t) retval; i++) {
            const struct mmsghdr *mm = &rx->mmsgs[i];
            size_t size;

            if (mm->msg_hdr.msg_flags & MSG_TRUNC) {
                rx->stats.n_truncated++;
            } else if (nl_msg_view_parse(rx->iovs[i].iov_base, mm->msg_len,
                                         &msgs[*n], &size)
                       || msgs[*n].type < NLMSG_MIN_TYPE) {
                rx->stats.n_malformed++;
            } else {
                ++*n;
            }
        }
        rx->stats.n_msgs += *n;
        if (*n) {
            return 0;
        }
        /* Every datagram was dropped: look for more. */
    }
}

int
nlsock_recv_batch(struct nlsock *sock, struct nl_rxbuf *rx,
                  struct nl_msg_view msgs[], size_t max, size_t *n)
{
    return nl_recv_batch_fd(sock->fd, rx, msgs, max, n);
}
