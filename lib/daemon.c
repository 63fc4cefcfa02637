#include <config.h>
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(daemon);

/* The pidfile this process holds.  fcntl() locks belong to the process
 * and are not inherited across fork(), so 'pidfile_pid' records which
 * process the lock belongs to: a forked child must not remove it.
 *
 * Beware: closing any fd of the pidfile drops the process's lock on it,
 * so this process never opens the pidfile a second time. */
static char *pidfile_name;      /* Its name, or NULL. */
static int pidfile_fd = -1;     /* Open and locked, or -1. */
static pid_t pidfile_pid;       /* getpid() of the holder. */

/* Write end of the pipe to the waiting parent, in a detaching child. */
static int detach_fd = -1;

static void
pidfile_atexit(void)
{
    if (pidfile_name && pidfile_pid == getpid()) {
        daemon_remove_pidfile();
    }
}

/* Returns the pid of the process holding a lock that conflicts with a
 * write lock on 'fd', 0 if there is none, or a negative errno value. */
static pid_t
pidfile_lock_holder(int fd)
{
    struct flock lck;

    memset(&lck, 0, sizeof lck);
    lck.l_type = F_WRLCK;
    lck.l_whence = SEEK_SET;
    if (fcntl(fd, F_GETLK, &lck) < 0) {
        return -errno;
    }
    return lck.l_type == F_UNLCK ? 0 : lck.l_pid;
}

static int
write_pid(int fd)
{
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%ld\n", (long int) getpid());
    ssize_t n;

    if (ftruncate(fd, 0) < 0) {
        return errno;
    }
    n = pwrite(fd, buf, len, 0);
    if (n < 0) {
        return errno;
    }
    return n == len ? 0 : EIO;
}

/* Tries once to lock 'path'.  Returns 0 with '*fdp' set, EAGAIN to ask
 * for a retry, EBUSY (with '*other_pidp') or another errno value. */
static int
try_lock_pidfile(const char *path, int *fdp, pid_t *other_pidp)
{
    struct stat fd_st, path_st;
    struct flock lck;
    pid_t holder;
    int error;
    int fd;

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return errno;
    }

    memset(&lck, 0, sizeof lck);
    lck.l_type = F_WRLCK;
    lck.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &lck) < 0) {
        error = errno;
        if (error == EAGAIN || error == EACCES) {
            holder = pidfile_lock_holder(fd);
            if (holder > 0) {
                *other_pidp = holder;
                error = EBUSY;
            } else {
                /* The holder exited between our two calls. */
                error = holder < 0 ? -holder : EAGAIN;
            }
        }
        goto out_close;
    }

    /* A holder that exited just now may have unlinked the file after we
     * opened it; then we locked a name-less file, so start over. */
    if (fstat(fd, &fd_st) || stat(path, &path_st)
        || fd_st.st_dev != path_st.st_dev
        || fd_st.st_ino != path_st.st_ino) {
        error = EAGAIN;
        goto out_close;
    }

    error = write_pid(fd);
    if (error) {
        goto out_close;
    }
    *fdp = fd;
    return 0;

out_close:
    close(fd);
    return error;
}

int
daemon_write_pidfile(const char *path, pid_t *other_pidp)
{
    static bool registered;
    pid_t other_pid = 0;
    int error = EAGAIN;
    int fd = -1;
    int i;

    if (pidfile_name) {
        if (pidfile_pid == getpid()) {
            return EEXIST;
        }
        /* Inherited from the parent, whose lock we do not hold. */
        daemon_remove_pidfile();
    }
    for (i = 0; i < 10 && error == EAGAIN; i++) {
        error = try_lock_pidfile(path, &fd, &other_pid);
    }
    if (other_pidp) {
        *other_pidp = error == EBUSY ? other_pid : 0;
    }
    if (error) {
        return error == EAGAIN ? EBUSY : error;
    }

    pidfile_name = xstrdup(path);
    pidfile_fd = fd;
    pidfile_pid = getpid();
    if (!registered) {
        atexit(pidfile_atexit);
        registered = true;
    }
    return 0;
}

void
daemon_remove_pidfile(void)
{
    if (!pidfile_name) {
        return;
    }
    /* Unlink before closing, that is, while still holding the lock, so
     * that no newcomer's freshly written pid is removed. */
    if (pidfile_pid == getpid()) {
        unlink(pidfile_name);
    }
    close(pidfile_fd);
    pidfile_fd = -1;
    FREE_AND_NULL(pidfile_name);
}

int
daemon_read_pidfile(const char *path, pid_t *pidp)
{
    struct stat path_st, own_st;
    pid_t holder;
    int error = 0;
    int fd;

    *pidp = 0;

    /* F_GETLK never reports the caller's own locks, and closing any fd of
     * a file drops all of the process's fcntl() locks on it, so our own
     * pidfile must be recognized without opening it. */
    if (pidfile_fd >= 0 && pidfile_pid == getpid()
        && !stat(path, &path_st) && !fstat(pidfile_fd, &own_st)
        && path_st.st_dev == own_st.st_dev
        && path_st.st_ino == own_st.st_ino) {
        *pidp = getpid();
        return 0;
    }

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    holder = pidfile_lock_holder(fd);
    if (holder < 0) {
        error = -holder;
    } else if (!holder) {
        error = ESRCH;
    } else {
        *pidp = holder;
    }
    close(fd);
    return error;
}

/* Waits in the parent for the child's readiness byte, then exits. */
static void NFVS_NO_RETURN
detach_parent_wait(pid_t child, int fd)
{
    ssize_t n;
    char c;
    int status;

    do {
        n = read(fd, &c, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1) {
        _exit(0);
    }

    /* The child closed the pipe without reporting readiness: it died. */
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            nfvs_fatal(errno, "waiting for daemon process failed");
        }
    }
    if (WIFEXITED(status)) {
        _exit(WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        fprintf(stderr, "%s: daemon process died before it was ready "
                "(signal %d, %s)\n", nfvs_program_name(), WTERMSIG(status),
                strsignal(WTERMSIG(status)));
        _exit(128 + WTERMSIG(status));
    }
    _exit(1);
}

void
daemon_detach_start(void)
{
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC)) {
        nfvs_fatal(errno, "pipe failed");
    }

    /* Otherwise buffered output would be written by both processes. */
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        nfvs_fatal(errno, "fork failed");
    } else if (pid > 0) {
        close(fds[1]);
        detach_parent_wait(pid, fds[0]);
    }

    close(fds[0]);
    detach_fd = fds[1];
    if (setsid() < 0) {
        nfvs_fatal(errno, "setsid failed");
    }
}

void
daemon_detach_done(void)
{
    int null_fd;
    ssize_t n;
    int fd;

    if (detach_fd < 0) {
        return;
    }

    /* Let go of the terminal, or of whatever pipe the caller of
     * "--detach" waits on, before the parent exits. */
    fflush(NULL);
    null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0) {
        VLOG_ERR("/dev/null: open failed (%s)", nfvs_strerror(errno));
    } else {
        for (fd = 0; fd < 3; fd++) {
            if (null_fd != fd) {
                dup2(null_fd, fd);
            }
        }
        if (null_fd > 2) {
            close(null_fd);
        }
    }

    do {
        n = write(detach_fd, "", 1);
    } while (n < 0 && errno == EINTR);
    close(detach_fd);
    detach_fd = -1;
}

int
daemon_notify(const char *state)
{
    const char *name = getenv("NOTIFY_SOCKET");
    struct sockaddr_un addr;
    socklen_t addr_len;
    size_t name_len;
    int error = 0;
    ssize_t n;
    int fd;

    if (!name || !*name) {
        return 0;
    }
    name_len = strlen(name);
    if (name[0] != '/' && name[0] != '@') {
        return EAFNOSUPPORT;
    }
    if (name_len >= sizeof addr.sun_path) {
        return ENAMETOOLONG;
    }

    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, name, name_len);
    addr_len = offsetof(struct sockaddr_un, sun_path) + name_len;
    if (name[0] == '@') {
        /* Abstract namespace: a leading null byte, and the address length
         * ends the name (no terminating null). */
        addr.sun_path[0] = '\0';
    } else {
        addr_len++;
    }

    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
               (struct sockaddr *) &addr, addr_len);
    if (n < 0) {
        error = errno;
    }
    close(fd);
    return error;
}

int
daemon_notify_status(const char *format, ...)
{
    va_list args;
    char *text;
    char *msg;
    int error;

    va_start(args, format);
    text = xvasprintf(format, args);
    va_end(args);
    msg = xasprintf("STATUS=%s", text);
    error = daemon_notify(msg);
    free(msg);
    free(text);
    return error;
}

long long int
daemon_watchdog_interval(void)
{
    const char *usec_s = getenv("WATCHDOG_USEC");
    const char *pid_s = getenv("WATCHDOG_PID");
    long long int usec, pid;

    if (!usec_s || !str_to_llong(usec_s, 10, &usec) || usec <= 0) {
        return 0;
    }
    if (pid_s && *pid_s
        && (!str_to_llong(pid_s, 10, &pid) || pid != getpid())) {
        return 0;
    }
    return NFVS_MAX(usec / 2000, 1);
}
