#include <config.h>
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "nfvstest.h"
#include "util.h"

static void
sleep_msec(long int msec)
{
    struct timespec ts = { msec / 1000, (msec % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) && errno == EINTR) {
        continue;
    }
}

static pid_t
read_pid_from_file(const char *path)
{
    long int pid = -1;
    FILE *f = fopen(path, "r");

    CHECK(f != NULL);
    CHECK(fscanf(f, "%ld", &pid) == 1);
    fclose(f);
    return pid;
}

static void
write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");

    CHECK(f != NULL);
    fputs(content, f);
    CHECK(!fclose(f));
}

/* Checks, from another process, that 'path' is locked by 'expected' and
 * contains its pid.  Must be another process: reading the file here would
 * drop our own lock on it. */
static void
check_held_by(const char *path, pid_t expected)
{
    pid_t child = fork();
    int status;

    CHECK(child >= 0);
    if (!child) {
        pid_t pid;

        CHECK(read_pid_from_file(path) == expected);
        CHECK(!daemon_read_pidfile(path, &pid));
        CHECK(pid == expected);
        _exit(0);
    }
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* "pidfile FILE": locking against a live holder, and taking over stale
 * pidfiles. */
static int
do_pidfile(int argc, char *argv[])
{
    const char *path;
    int ready[2];
    pid_t other, pid, child;
    int status;
    char c;

    CHECK(argc == 1);
    path = argv[0];

    /* No file, and an unlocked file with a bogus pid: nobody holds it. */
    CHECK(daemon_read_pidfile(path, &pid) == ENOENT);
    write_file(path, "99999\n");
    CHECK(daemon_read_pidfile(path, &pid) == ESRCH);

    /* Stale file: taken over and rewritten with our pid. */
    CHECK(!daemon_write_pidfile(path, &other));
    CHECK(other == 0);
    check_held_by(path, getpid());
    CHECK(!daemon_read_pidfile(path, &pid) && pid == getpid());
    CHECK(daemon_write_pidfile(path, NULL) == EEXIST);
    check_held_by(path, getpid());      /* Still locked after all that. */

    /* Another process is refused and told who holds it. */
    child = fork();
    CHECK(child >= 0);
    if (!child) {
        int error = daemon_write_pidfile(path, &other);

        if (error != EBUSY || other != getppid()) {
            fprintf(stderr, "child: error %d, other %ld\n", error,
                    (long int) other);
            _exit(1);
        }
        CHECK(!daemon_read_pidfile(path, &pid) && pid == getppid());
        _exit(0);
    }
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check_held_by(path, getpid());

    daemon_remove_pidfile();
    CHECK(access(path, F_OK) && errno == ENOENT);

    /* A holder that is killed leaves a stale file that we take over. */
    CHECK(!pipe(ready));
    child = fork();
    CHECK(child >= 0);
    if (!child) {
        close(ready[0]);
        CHECK(!daemon_write_pidfile(path, NULL));
        CHECK(write(ready[1], "", 1) == 1);
        for (;;) {
            pause();
        }
    }
    close(ready[1]);
    CHECK(read(ready[0], &c, 1) == 1);
    close(ready[0]);
    CHECK(!daemon_read_pidfile(path, &pid) && pid == child);
    CHECK(daemon_write_pidfile(path, &other) == EBUSY && other == child);
    CHECK(!kill(child, SIGKILL));
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(read_pid_from_file(path) == child);
    CHECK(daemon_read_pidfile(path, &pid) == ESRCH);
    CHECK(!daemon_write_pidfile(path, &other));
    check_held_by(path, getpid());

    /* Left for the atexit handler to remove. */
    printf("ok\n");
    return 0;
}

/* "detach PIDFILE": detaches, becomes ready after a delay, then runs
 * until the file "stop" appears. */
static int
do_detach(int argc, char *argv[])
{
    pid_t other;
    int error;
    int i;

    CHECK(argc == 1);
    printf("starting\n");
    daemon_detach_start();

    error = daemon_write_pidfile(argv[0], &other);
    if (error == EBUSY) {
        nfvs_fatal(0, "%s: already locked by process %ld", argv[0],
                   (long int) other);
    } else if (error) {
        nfvs_fatal(error, "%s: could not write pidfile", argv[0]);
    }

    /* A parent that returned early would let the test see no "ready". */
    sleep_msec(300);
    write_file("ready", "");
    daemon_detach_done();
    printf("this goes to /dev/null\n");
    fprintf(stderr, "and so does this\n");

    for (i = 0; i < 500 && access("stop", F_OK); i++) {
        sleep_msec(20);
    }
    return 0;
}

/* "detach-fail STATUS|kill": the child dies before it is ready. */
static int
do_detach_fail(int argc, char *argv[])
{
    CHECK(argc == 1);
    daemon_detach_start();
    if (!strcmp(argv[0], "kill")) {
        raise(SIGKILL);
    }
    fprintf(stderr, "child failing with status %s\n", argv[0]);
    exit(atoi(argv[0]));
}

/* "notify path|abstract": binds a datagram socket, points NOTIFY_SOCKET
 * at it and prints what daemon_notify() sends there. */
static int
do_notify(int argc, char *argv[])
{
    struct sockaddr_un addr;
    socklen_t addr_len;
    char name[sizeof addr.sun_path];
    char buf[64];
    ssize_t n;
    int fd;

    CHECK(argc == 1);
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (!strcmp(argv[0], "path")) {
        char cwd[64];

        /* Unix socket names are short: fall back to a name in /tmp when
         * the test directory's is too long. */
        if (getcwd(cwd, sizeof cwd)) {
            snprintf(name, sizeof name, "%s/notify.sock", cwd);
        } else {
            snprintf(name, sizeof name, "/tmp/nfvs-notify-%ld.sock",
                     (long int) getpid());
        }
        unlink(name);
        strcpy(addr.sun_path, name);
        addr_len = sizeof addr;
    } else {
        CHECK(!strcmp(argv[0], "abstract"));
        snprintf(name, sizeof name, "@nfvs-test-notify-%ld",
                 (long int) getpid());
        memcpy(addr.sun_path + 1, name + 1, strlen(name) - 1);
        addr_len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
    }
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(fd >= 0);
    CHECK(!bind(fd, (struct sockaddr *) &addr, addr_len));

    CHECK(!unsetenv("NOTIFY_SOCKET"));
    CHECK(daemon_notify("READY=1") == 0);    /* Not under systemd. */

    CHECK(!setenv("NOTIFY_SOCKET", name, 1));
    CHECK(daemon_notify("READY=1") == 0);
    n = recv(fd, buf, sizeof buf - 1, 0);
    CHECK(n >= 0);
    buf[n] = '\0';
    printf("received \"%s\"\n", buf);

    CHECK(daemon_notify("STATUS=serving 2 bridges") == 0);
    n = recv(fd, buf, sizeof buf - 1, 0);
    CHECK(n >= 0);
    buf[n] = '\0';
    printf("received \"%s\"\n", buf);

    close(fd);
    if (addr.sun_path[0]) {
        unlink(name);
    }
    return 0;
}

/* "notify-errors": bad values of NOTIFY_SOCKET. */
static int
do_notify_errors(int argc, char *argv[])
{
    static const char *const values[] = {
        "relative/path",
        "/nonexistent/dir/notify.sock",
        "@nfvs-test-nobody-listens-here",
        "/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(values); i++) {
        int error;

        CHECK(!setenv("NOTIFY_SOCKET", values[i], 1));
        error = daemon_notify("READY=1");
        printf("%.30s: %s\n", values[i], nfvs_strerror(error));
    }
    return 0;
}

/* "notify-listen @NAME": binds a datagram socket to the abstract name
 * NAME, creates the file "listening", then prints each datagram it
 * receives, followed by a new-line, until one starts with "STOPPING=1". */
static int
do_notify_listen(int argc, char *argv[])
{
    struct sockaddr_un addr;
    socklen_t addr_len;
    const char *name;
    char buf[4096];
    int fd;

    CHECK(argc == 1);
    name = argv[0];
    CHECK(name[0] == '@' && strlen(name) < sizeof addr.sun_path);
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path + 1, name + 1, strlen(name) - 1);
    addr_len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(fd >= 0);
    CHECK(!bind(fd, (struct sockaddr *) &addr, addr_len));
    write_file("listening", "");

    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        CHECK(n >= 0);
        buf[n] = '\0';
        printf("%s\n", buf);
        fflush(stdout);
        if (!strncmp(buf, "STOPPING=1", 10)) {
            break;
        }
    }
    close(fd);
    return 0;
}

/* "watchdog": daemon_watchdog_interval() for the environment it runs in,
 * and with $WATCHDOG_PID set to this process, then to another one. */
static int
do_watchdog(int argc, char *argv[])
{
    char pid[32];

    CHECK(argc == 0);
    printf("%lld\n", daemon_watchdog_interval());
    snprintf(pid, sizeof pid, "%ld", (long int) getpid());
    CHECK(!setenv("WATCHDOG_PID", pid, 1));
    printf("%lld\n", daemon_watchdog_interval());
    snprintf(pid, sizeof pid, "%ld", (long int) getpid() + 1);
    CHECK(!setenv("WATCHDOG_PID", pid, 1));
    printf("%lld\n", daemon_watchdog_interval());
    return 0;
}

static int
test_daemon_main(int argc, char *argv[])
{
    if (argc < 2) {
        nfvs_fatal(0, "usage: test-daemon pidfile|detach|detach-fail"
                   "|notify|notify-errors|notify-listen|watchdog ARG...");
    }
    if (!strcmp(argv[1], "pidfile")) {
        return do_pidfile(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "detach")) {
        return do_detach(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "detach-fail")) {
        return do_detach_fail(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "notify")) {
        return do_notify(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "notify-errors")) {
        return do_notify_errors(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "notify-listen")) {
        return do_notify_listen(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "watchdog")) {
        return do_watchdog(argc - 2, argv + 2);
    }
    nfvs_fatal(0, "unknown command \"%s\"", argv[1]);
}

NFVSTEST_REGISTER("test-daemon", test_daemon_main);
