/* Unix domain stream sockets: the "unix" and "punix" stream classes. */
#include <config.h>
#include "stream-provider.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(stream_unix);

/* Group of the socket files that "punix" creates, and the group whose
 * members may connect besides root and our own user: (gid_t) -1 means
 * our effective gid, with the file keeping the group it is created
 * with. */
static gid_t socket_gid = (gid_t) -1;
static char *socket_group_name;  /* For messages; NULL: numeric gid. */

/* Most supplementary groups of a peer looked at by SO_PEERGROUPS. */
#define PUNIX_MAX_PEER_GROUPS 256

/* Fills '*un' and '*lenp' with an address for socket file 'path'.  When
 * 'path' does not fit in sun_path, opens its directory, stores that
 * descriptor in '*dirfdp' and addresses the socket as
 * /proc/self/fd/N/NAME; the caller closes '*dirfdp' (if not -1) once it
 * has bound or connected.  Returns 0 or a positive errno value. */
static int
unix_sockaddr_init__(const char *path, struct sockaddr_un *un,
                     socklen_t *lenp, int *dirfdp)
{
    const char *slash, *base;
    char *dir;
    int n;

    *dirfdp = -1;
    memset(un, 0, sizeof *un);
    un->sun_family = AF_UNIX;
    if (strlen(path) < sizeof un->sun_path) {
        strcpy(un->sun_path, path);
        *lenp = offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
        return 0;
    }

    slash = strrchr(path, '/');
    if (!slash) {
        return ENAMETOOLONG;
    }
    base = slash + 1;
    dir = slash == path ? xstrdup("/") : xmemdup0(path, slash - path);
    *dirfdp = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (*dirfdp < 0) {
        *dirfdp = -1;
        return errno;
    }

    n = snprintf(un->sun_path, sizeof un->sun_path, "/proc/self/fd/%d/%s",
                 *dirfdp, base);
    if (n < 0 || n >= sizeof un->sun_path) {
        close(*dirfdp);
        *dirfdp = -1;
        return ENAMETOOLONG;
    }
    *lenp = offsetof(struct sockaddr_un, sun_path) + n + 1;
    return 0;
}

static int
unix_bind__(int fd, const char *path)
{
    struct sockaddr_un un;
    socklen_t len;
    int dirfd;
    int error;

    error = unix_sockaddr_init__(path, &un, &len, &dirfd);
    if (!error) {
        error = bind(fd, (struct sockaddr *) &un, len) ? errno : 0;
        if (dirfd >= 0) {
            close(dirfd);
        }
    }
    return error;
}

/* Connects 'fd', which is in blocking mode, to 'path'. */
static int
unix_connect__(int fd, const char *path)
{
    struct sockaddr_un un;
    socklen_t len;
    int dirfd;
    int error;

    error = unix_sockaddr_init__(path, &un, &len, &dirfd);
    if (!error) {
        do {
            error = connect(fd, (struct sockaddr *) &un, len) ? errno : 0;
        } while (error == EINTR);
        if (dirfd >= 0) {
            close(dirfd);
        }
    }
    return error;
}

static int
set_nonblocking__(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return errno;
    }
    return 0;
}

static int
unix_open(const char *path, int timeout_ms, struct stream **streamp,
          char **errp NFVS_UNUSED)
{
    struct stream *stream;
    int error;
    int fd;

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }

    /* A unix connect() blocks only while the listener's backlog is full,
     * and then gives up after the send timeout with EAGAIN. */
    if (timeout_ms > 0) {
        struct timeval tv = {
            .tv_sec = timeout_ms / 1000,
            .tv_usec = timeout_ms % 1000 * 1000,
        };
        if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv)) {
            error = errno;
            goto out_close;
        }
    }

    error = unix_connect__(fd, path);
    if (error == EAGAIN) {
        error = ETIMEDOUT;
    }
    if (!error) {
        error = set_nonblocking__(fd);
    }
    if (error) {
        goto out_close;
    }

    stream = xzalloc(sizeof *stream);
    stream->fd = fd;
    *streamp = stream;
    return 0;

out_close:
    close(fd);
    return error;
}

static void
unix_close(struct stream *stream)
{
    close(stream->fd);
    free(stream);
}

static int
unix_recv(struct stream *stream, void *buffer, size_t size, size_t *n_recvp)
{
    ssize_t n;

    do {
        n = read(stream->fd, buffer, size);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        *n_recvp = 0;
        return errno == EWOULDBLOCK ? EAGAIN : errno;
    }
    *n_recvp = n;
    return 0;
}

static int
unix_send(struct stream *stream, const void *buffer, size_t size,
          size_t *n_sentp)
{
    ssize_t n;

    do {
        n = send(stream->fd, buffer, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        *n_sentp = 0;
        return errno == EWOULDBLOCK ? EAGAIN : errno;
    }
    *n_sentp = n;
    return 0;
}

const struct stream_class unix_stream_class = {
    .name = "unix",
    .open = unix_open,
    .close = unix_close,
    .recv = unix_recv,
    .send = unix_send,
    /* .poll_events is NULL: a plain socket waits for what it wants. */
};

struct punix_pstream {
    struct pstream up;
    char *path;                     /* Socket file, removed on close. */
};

static struct punix_pstream *
punix_pstream_cast(struct pstream *pstream)
{
    return CONTAINER_OF(pstream, struct punix_pstream, up);
}

/* Called when binding 'path' failed with EADDRINUSE: removes the socket
 * file there if no process listens on it, so that the caller can bind
 * again.  Returns 0 if it removed the file, otherwise a positive errno
 * value with an explanation in '*errp'. */
static int
punix_remove_stale__(const char *path, char **errp)
{
    struct stat st;
    int error;
    int fd;

    if (lstat(path, &st)) {
        error = errno;
        *errp = xasprintf("punix:%s: %s", path, nfvs_strerror(error));
        return error;
    }
    if (!S_ISSOCK(st.st_mode)) {
        *errp = xasprintf("punix:%s: file exists and is not a socket",
                          path);
        return EADDRINUSE;
    }

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = errno;
        *errp = xasprintf("punix:%s: socket: %s", path,
                          nfvs_strerror(error));
        return error;
    }
    error = unix_connect__(fd, path);
    close(fd);
    if (!error || error == EAGAIN) {
        *errp = xasprintf("punix:%s: another process is listening there",
                          path);
        return EADDRINUSE;
    }
    if (error != ECONNREFUSED) {
        *errp = xasprintf("punix:%s: probing existing socket: %s", path,
                          nfvs_strerror(error));
        return error;
    }

    if (unlink(path) && errno != ENOENT) {
        error = errno;
        *errp = xasprintf("punix:%s: removing stale socket: %s", path,
                          nfvs_strerror(error));
        return error;
    }
    return 0;
}

static int
punix_listen(const char *path, struct pstream **pstreamp, char **errp)
{
    struct punix_pstream *ps;
    int error;
    int fd;

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = errno;
        *errp = xasprintf("punix:%s: socket: %s", path,
                          nfvs_strerror(error));
        return error;
    }

    /* The socket file takes the socket inode's mode (less the umask) at
     * bind(), so no one outside the group can connect even before the
     * chmod() below, which undoes the umask. */
    if (fchmod(fd, 0660)) {
        error = errno;
        *errp = xasprintf("punix:%s: fchmod: %s", path,
                          nfvs_strerror(error));
        goto out_close;
    }

    error = unix_bind__(fd, path);
    if (error == EADDRINUSE) {
        error = punix_remove_stale__(path, errp);
        if (error) {
            goto out_close;
        }
        error = unix_bind__(fd, path);
    }
    if (error) {
        *errp = xasprintf("punix:%s: bind: %s", path, nfvs_strerror(error));
        goto out_close;
    }

    if (chmod(path, 0660)) {
        error = errno;
        *errp = xasprintf("punix:%s: chmod: %s", path,
                          nfvs_strerror(error));
        goto out_unlink;
    }
    if (socket_gid != (gid_t) -1 && chown(path, (uid_t) -1, socket_gid)) {
        error = errno;
        *errp = xasprintf("punix:%s: setting group %s: %s", path,
                          socket_group_name, nfvs_strerror(error));
        goto out_unlink;
    }

    if (listen(fd, SOMAXCONN)) {
        error = errno;
        *errp = xasprintf("punix:%s: listen: %s", path,
                          nfvs_strerror(error));
        goto out_unlink;
    }

    ps = xzalloc(sizeof *ps);
    ps->up.fd = fd;
    ps->path = xstrdup(path);
    *pstreamp = &ps->up;
    return 0;

out_unlink:
    unlink(path);
out_close:
    close(fd);
    return error;
}

static void
punix_close(struct pstream *pstream)
{
    struct punix_pstream *ps = punix_pstream_cast(pstream);

    close(ps->up.fd);
    unlink(ps->path);
    free(ps->path);
    free(ps);
}

void
stream_unix_set_group(gid_t gid, const char *group_name)
{
    free(socket_group_name);
    socket_gid = gid;
    socket_group_name = group_name ? xstrdup(group_name) : NULL;
}

/* Returns true if a process with credentials 'cred' and, if 'n_groups'
 * >= 0, supplementary groups 'groups' may use the daemon: root, our own
 * user, or a member of 'gid'. */
static bool
punix_peer_is_allowed__(const struct ucred *cred, const gid_t *groups,
                        int n_groups, gid_t gid)
{
    int i;

    if (cred->uid == 0 || cred->uid == geteuid() || cred->gid == gid) {
        return true;
    }
    for (i = 0; i < n_groups; i++) {
        if (groups[i] == gid) {
            return true;
        }
    }
    return false;
}

/* Checks the credentials of the peer on 'fd'.  Returns NULL if it may
 * connect, otherwise a malloc'd message for it (caller frees), having
 * logged the refusal. */
static char *
punix_check_peer__(const struct punix_pstream *ps, int fd)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    gid_t groups[PUNIX_MAX_PEER_GROUPS];
    gid_t gid = socket_gid != (gid_t) -1 ? socket_gid : getegid();
    socklen_t len = sizeof(struct ucred);
    struct ucred cred;
    char *group, *msg;
    int n_groups;

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
        int error = errno;

        VLOG_WARN_RL(&rl, "punix:%s: cannot get peer credentials: %s",
                     ps->path, nfvs_strerror(error));
        return xasprintf("permission denied: cannot get your credentials "
                         "(%s)", nfvs_strerror(error));
    }

    /* SO_PEERGROUPS (Linux 4.13) gives the supplementary groups; without
     * it only the primary group counts. */
    len = sizeof groups;
    n_groups = (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len)
                ? -1 : (int) (len / sizeof groups[0]));
    if (punix_peer_is_allowed__(&cred, groups, n_groups, gid)) {
        return NULL;
    }

    group = (socket_gid != (gid_t) -1 && socket_group_name
             ? xstrdup(socket_group_name)
             : xasprintf("%ld", (long int) gid));
    VLOG_WARN_RL(&rl, "punix:%s: refused connection from pid %ld uid %ld "
                 "gid %ld: not root, uid %ld or a member of group %s",
                 ps->path, (long int) cred.pid, (long int) cred.uid,
                 (long int) cred.gid, (long int) geteuid(), group);
    msg = xasprintf("permission denied: uid %ld is not root, the daemon's "
                    "user or a member of group %s", (long int) cred.uid,
                    group);
    free(group);
    return msg;
}

static int
punix_accept(struct pstream *pstream, struct event_base *base, int fd,
             pstream_accept_func *cb, void *aux)
{
    struct punix_pstream *ps = punix_pstream_cast(pstream);
    struct bufferevent *bev;
    char *refusal;

    refusal = punix_check_peer__(ps, fd);
    bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        free(refusal);
        close(fd);
        return ENOMEM;
    }
    cb(bev, refusal, aux);
    free(refusal);
    return 0;
}

static void
punix_reject(struct pstream *pstream NFVS_UNUSED, int fd, const char *msg,
             size_t size)
{
    /* A fresh socket's buffer takes a short message at once; if not,
     * the peer only misses the explanation. */
    ssize_t retval = send(fd, msg, size, MSG_NOSIGNAL | MSG_DONTWAIT);

    if (retval < 0 && errno != EAGAIN && errno != EPIPE) {
        VLOG_DBG("refused connection: send: %s", nfvs_strerror(errno));
    }
    close(fd);
}

const struct pstream_class punix_pstream_class = {
    .name = "punix",
    .listen = punix_listen,
    .close = punix_close,
    .accept = punix_accept,
    /* .n_pending is NULL: a unix connection is ready at once. */
    .reject = punix_reject,
};
