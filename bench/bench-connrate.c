/* bench/bench-connrate.c: traffic generators for bench/perf-netns.sh.
 *
 *   bench-connrate server ADDR PORT [PROCS]
 *       listens on ADDR:PORT; accepts and closes connections until killed,
 *       in PROCS (default 1) processes sharing the socket, so that many
 *       clients do not overflow the accept queue of one starved server
 *   bench-connrate client ADDR PORT SECONDS [CLIENTS]
 *       connects to ADDR:PORT and closes again, one connection at a time,
 *       for SECONDS; prints "N conns in S s: R conn/s (F failed)".  With
 *       CLIENTS (default 1) processes doing so at once, N and R are their
 *       sums.
 *   bench-connrate udp-flows ADDR SECONDS
 *       sends 18-byte UDP datagrams to ADDR for SECONDS, each on a new
 *       5-tuple (64 source sockets, destination ports 1024...65535 in
 *       turn), so that every datagram misses an exact-match flow cache;
 *       prints "N datagrams in S s: R pps"
 *
 * ADDR is an IPv4 or IPv6 literal.  The client leaves SO_LINGER alone:
 * connections end with the usual FIN handshake, as a real client's do,
 * so each costs the switch its SYN, SYN-ACK, ACK and FIN packets.  Run
 * the client in a namespace with a wide ip_local_port_range and
 * tcp_tw_reuse=1 (perf-netns.sh does). */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N_FLOW_SOCKS 64

static double
now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Fills 'ss' and '*lenp' from literal 'addr' and 'port'.  Exits on a bad
 * address. */
static void
parse_addr(const char *addr, int port, struct sockaddr_storage *ss,
           socklen_t *lenp)
{
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;
    struct sockaddr_in *sin = (struct sockaddr_in *) ss;

    memset(ss, 0, sizeof *ss);
    if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        *lenp = sizeof *sin;
    } else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        *lenp = sizeof *sin6;
    } else {
        fprintf(stderr, "bench-connrate: bad address %s\n", addr);
        exit(1);
    }
}

static void
set_port(struct sockaddr_storage *ss, int port)
{
    if (ss->ss_family == AF_INET) {
        ((struct sockaddr_in *) ss)->sin_port = htons(port);
    } else {
        ((struct sockaddr_in6 *) ss)->sin6_port = htons(port);
    }
}

static int
run_server(const char *addr, int port, int n_procs)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1;
    int fd;

    parse_addr(addr, port, &ss, &len);
    fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
        || bind(fd, (struct sockaddr *) &ss, len)
        || listen(fd, 4096)) {
        perror("bench-connrate: server");
        return 1;
    }
    if (n_procs < 1 || n_procs > 1024) {
        fprintf(stderr, "bench-connrate: PROCS must be 1...1024\n");
        return 1;
    }
    /* Killing the first process stops them all: the others get SIGTERM
     * when it dies. */
    while (--n_procs > 0) {
        pid_t pid = fork();

        if (pid < 0) {
            perror("bench-connrate: fork");
            return 1;
        } else if (!pid) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() == 1) {
                return 0;
            }
            break;
        }
    }
    for (;;) {
        int conn = accept(fd, NULL, NULL);

        if (conn >= 0) {
            close(conn);
        } else if (errno != EINTR && errno != ECONNABORTED) {
            perror("bench-connrate: accept");
            return 1;
        }
    }
}

/* One client: connects and closes for 'seconds', stores the counts of
 * connections made and failed in '*np' and '*failedp' and the time taken
 * in '*elapsedp'.  Returns 0, or 1 after printing an error. */
static int
client_loop(const char *addr, int port, double seconds, unsigned long *np,
            unsigned long *failedp, double *elapsedp)
{
    struct sockaddr_storage ss;
    unsigned long n = 0, failed = 0;
    double start, end, now;
    socklen_t len;

    parse_addr(addr, port, &ss, &len);
    start = now_sec();
    end = start + seconds;
    do {
        int fd = socket(ss.ss_family, SOCK_STREAM, 0);

        if (fd < 0) {
            perror("bench-connrate: socket");
            return 1;
        }
        if (!connect(fd, (struct sockaddr *) &ss, len)) {
            n++;
        } else if (++failed > 100 && failed > n) {
            perror("bench-connrate: connect");
            close(fd);
            return 1;
        }
        close(fd);
        now = now_sec();
    } while (now < end);
    *np = n;
    *failedp = failed;
    *elapsedp = now - start;
    return 0;
}

/* Runs 'n_clients' client_loop()s in as many processes, each reporting
 * its counts through a pipe, and prints their sums. */
static int
run_client(const char *addr, int port, double seconds, int n_clients)
{
    unsigned long n = 0, failed = 0;
    double elapsed = 0;
    int status = 0;
    int fds[2];
    int i;

    if (n_clients < 1 || n_clients > 1024) {
        fprintf(stderr, "bench-connrate: CLIENTS must be 1...1024\n");
        return 1;
    }
    if (n_clients == 1) {
        if (client_loop(addr, port, seconds, &n, &failed, &elapsed)) {
            return 1;
        }
        printf("%lu conns in %.2f s: %.0f conn/s (%lu failed)\n", n,
               elapsed, n / elapsed, failed);
        return 0;
    }
    if (pipe(fds)) {
        perror("bench-connrate: pipe");
        return 1;
    }
    for (i = 0; i < n_clients; i++) {
        pid_t pid = fork();

        if (pid < 0) {
            perror("bench-connrate: fork");
            return 1;
        } else if (!pid) {
            double report[3];
            unsigned long cn, cf;
            double ce;

            close(fds[0]);
            if (client_loop(addr, port, seconds, &cn, &cf, &ce)) {
                _exit(1);
            }
            report[0] = cn;
            report[1] = cf;
            report[2] = ce;
            /* Writes under PIPE_BUF bytes are atomic. */
            _exit(write(fds[1], report, sizeof report) != sizeof report);
        }
    }
    close(fds[1]);
    for (;;) {
        double report[3];
        ssize_t r = read(fds[0], report, sizeof report);

        if (r != sizeof report) {
            break;
        }
        n += report[0];
        failed += report[1];
        if (report[2] > elapsed) {
            elapsed = report[2];
        }
    }
    close(fds[0]);
    for (i = 0; i < n_clients; i++) {
        int st;

        if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
            status = 1;
        }
    }
    if (status || elapsed <= 0) {
        fprintf(stderr, "bench-connrate: a client failed\n");
        return 1;
    }
    printf("%lu conns in %.2f s: %.0f conn/s (%lu failed, %d clients)\n",
           n, elapsed, n / elapsed, failed, n_clients);
    return 0;
}

static int
run_udp_flows(const char *addr, double seconds)
{
    static const char payload[18] = "nfvs-bench-flows";
    struct sockaddr_storage ss;
    int fds[N_FLOW_SOCKS];
    unsigned long n = 0;
    double start, end, now;
    socklen_t len;
    int dport = 1024;
    int i;

    parse_addr(addr, 1024, &ss, &len);
    for (i = 0; i < N_FLOW_SOCKS; i++) {
        fds[i] = socket(ss.ss_family, SOCK_DGRAM, 0);
        if (fds[i] < 0) {
            perror("bench-connrate: socket");
            return 1;
        }
    }
    start = now_sec();
    end = start + seconds;
    do {
        for (i = 0; i < N_FLOW_SOCKS; i++) {
            if (sendto(fds[i], payload, sizeof payload, 0,
                       (struct sockaddr *) &ss, len) > 0) {
                n++;
            }
        }
        dport = dport == 65535 ? 1024 : dport + 1;
        set_port(&ss, dport);
        now = now_sec();
    } while (now < end);
    printf("%lu datagrams in %.2f s: %.0f pps\n", n, now - start,
           n / (now - start));
    return 0;
}

int
main(int argc, char *argv[])
{
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "server")) {
        return run_server(argv[2], atoi(argv[3]),
                          argc == 5 ? atoi(argv[4]) : 1);
    } else if ((argc == 5 || argc == 6) && !strcmp(argv[1], "client")) {
        return run_client(argv[2], atoi(argv[3]), atof(argv[4]),
                          argc == 6 ? atoi(argv[5]) : 1);
    } else if (argc == 4 && !strcmp(argv[1], "udp-flows")) {
        return run_udp_flows(argv[2], atof(argv[3]));
    }
    fprintf(stderr, "usage: bench-connrate server ADDR PORT [PROCS]\n"
            "       bench-connrate client ADDR PORT SECONDS [CLIENTS]\n"
            "       bench-connrate udp-flows ADDR SECONDS\n");
    return 1;
}
