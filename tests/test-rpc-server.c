/* "nfvstest test-rpc-server": a JSON-RPC server for tests/rpc.at and
 * bench/nfvs-bench-rpc.
 *
 * usage: test-rpc-server [--max-size=BYTES] [--lifetime=SECONDS]
 *                        [LIMIT-OPTION...] REMOTE PIDFILE
 *
 * The LIMIT-OPTIONs are those of nfvs-vswitchd, with the same names and
 * defaults: --max-message-size (the same as --max-size),
 * --max-message-values, --max-message-depth, --max-batch-size,
 * --max-answer-size, --max-buffered-input, --max-connections,
 * --partial-timeout, and --handshake-timeout.
 *
 * Listens on REMOTE ("punix:PATH"), then writes its pid to PIDFILE to say
 * it is ready, and serves until SIGTERM or SIGINT, when it removes
 * PIDFILE and exits with status 0.  It also exits (killed by SIGALRM)
 * after --lifetime seconds, 60 by default, 0 for never, so that a test
 * that fails to clean up leaves nothing running for long.  Prints
 * nothing unless something fails, apart from the server's log lines
 * about clients over a limit.
 *
 * Methods:
 *   echo       returns its params (null without).
 *   add        {"a":INT,"b":INT} strictly -> a + b.
 *   sleep      {"ms":INT} -> true after blocking the server that long.
 *   big        {"size":INT} -> a string of that many "x".
 *   fail       -> error RPC_ERR_NOT_FOUND "no such thing".
 *   bump       increments a counter -> its new value (use as notification).
 *   counter    -> the counter.
 *   conns      -> the number of open connections.
 *   input      -> the bytes of unfinished messages held.
 *   change     makes a "change" -> its number; answered once committed.
 *   commit     {"error"?:ERRNO} -> true; every change so far is durable,
 *              or failed with ERRNO (their answers become errors).
 *   later      {"ms":INT} -> its params, answered (deferred) after that
 *              many milliseconds without blocking the server.
 *   push       {"n":INT,"size":INT} -> {"n":N}, then sends N notifications
 *              "tick" {"i":0..N-1,"pad":STRING of "size" bytes} on the
 *              same connection, as fast as it reads them
 *              (rpc_server_notify()), holding only the next one. */
#include <config.h>
#include "rpc-server.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "jsonrpc.h"
#include "nfvstest.h"
#include "stream-ssl.h"
#include "util.h"

struct test_server {
    struct rpc_server *rpc;         /* The server under test. */
    struct event_base *base;        /* Its event loop. */
    long long int counter;          /* Bumped by "bump". */
    uint64_t seqno;                 /* Changes made by "change". */
};

/* A call answered later by "later", from a timer. */
struct later_call {
    struct rpc_call *call;          /* The deferred call. */
    struct event *timer;            /* Answers it. */
    json_t *result;                 /* What to answer. */
};

static json_t *
do_echo(json_t *params, json_t **errorp, void *aux)
{
    return params ? json_incref(params) : json_null();
}

static json_t *
do_add(json_t *params, json_t **errorp, void *aux)
{
    json_int_t a, b;

    if (!rpc_params_unpack(params, errorp, "{s:I, s:I}", "a", &a, "b", &b)) {
        return NULL;
    }
    return json_integer(a + b);
}

static json_t *
do_sleep(json_t *params, json_t **errorp, void *aux)
{
    json_int_t ms;

    if (!rpc_params_unpack(params, errorp, "{s:I}", "ms", &ms)) {
        return NULL;
    }
    if (ms < 0 || ms > 10000) {
        *errorp = rpc_error_create(RPC_ERR_INVALID,
                                   "\"ms\" must be between 0 and 10000");
        return NULL;
    }
    usleep(ms * 1000);
    return json_true();
}

static json_t *
do_big(json_t *params, json_t **errorp, void *aux)
{
    json_int_t size;
    json_t *result;
    char *s;

    if (!rpc_params_unpack(params, errorp, "{s:I}", "size", &size)) {
        return NULL;
    }
    if (size < 0 || size > 64 * 1024 * 1024) {
        *errorp = rpc_error_create(RPC_ERR_INVALID,
                                   "\"size\" must be between 0 and 64 MiB");
        return NULL;
    }
    s = xmalloc(size);
    memset(s, 'x', size);
    result = json_stringn(s, size);
    free(s);
    return result;
}

static json_t *
do_fail(json_t *params, json_t **errorp, void *aux)
{
    *errorp = rpc_error_create(RPC_ERR_NOT_FOUND, "no such thing");
    return NULL;
}

static json_t *
do_bump(json_t *params, json_t **errorp, void *aux)
{
    struct test_server *ts = aux;

    if (!rpc_params_unpack(params, errorp, "{}")) {
        return NULL;
    }
    return json_integer(++ts->counter);
}

static json_t *
do_counter(json_t *params, json_t **errorp, void *aux)
{
    struct test_server *ts = aux;

    return json_integer(ts->counter);
}

static json_t *
do_conns(json_t *params, json_t **errorp, void *aux)
{
    struct test_server *ts = aux;

    return json_integer(rpc_server_n_connections(ts->rpc));
}

static json_t *
do_input(json_t *params, json_t **errorp, void *aux)
{
    struct test_server *ts = aux;

    return json_integer(rpc_server_n_input(ts->rpc));
}

/* Durability, as a config db would give it: "change" makes a change
 * (its answer waits until it is durable), "commit" makes every change so
 * far durable, or failed with errno "error". */
static uint64_t
test_seqno(void *ts_)
{
    struct test_server *ts = ts_;

    return ts->seqno;
}

static json_t *
do_change(json_t *params, json_t **errorp, void *ts_)
{
    struct test_server *ts = ts_;

    return json_integer(++ts->seqno);
}

static json_t *
do_commit(json_t *params, json_t **errorp, void *ts_)
{
    struct test_server *ts = ts_;
    int error = 0;

    if (!rpc_params_unpack(params, errorp, "{s?:i}", "error", &error)) {
        return NULL;
    }
    rpc_server_commit_done(ts->rpc, ts->seqno, error);
    return json_true();
}

static void
later_cb(evutil_socket_t fd, short events, void *later_)
{
    struct later_call *later = later_;

    rpc_call_complete(later->call, later->result, NULL);
    event_free(later->timer);
    free(later);
}

/* "later": answers its params after "ms" milliseconds, without holding
 * the event loop meanwhile. */
static json_t *
do_later(json_t *params, json_t **errorp, void *ts_)
{
    struct test_server *ts = ts_;
    struct later_call *later;
    struct timeval tv;
    json_int_t ms;

    if (!rpc_params_unpack(params, errorp, "{s:I}", "ms", &ms)) {
        return NULL;
    }
    later = xzalloc(sizeof *later);
    later->call = rpc_server_defer();
    later->result = json_incref(params);
    later->timer = evtimer_new(ts->base, later_cb, later);
    tv.tv_sec = ms / 1000;
    tv.tv_usec = ms % 1000 * 1000;
    evtimer_add(later->timer, &tv);
    return NULL;
}

/* A "push" in progress on one connection. */
struct push {
    struct rpc_conn *conn;          /* Its connection. */
    json_int_t next, n;             /* Next notification to send, of 'n'. */
    char *pad;                      /* "size" bytes of padding. */
};

static void
push_destroy(struct push *push)
{
    rpc_conn_set_push(push->conn, NULL, NULL, NULL);
    free(push->pad);
    free(push);
}

/* Sends what fits of 'push'; ends it once all is sent. */
static void
push_writable_cb(struct rpc_conn *conn, void *push_)
{
    struct push *push = push_;

    while (push->next < push->n) {
        int error = rpc_server_notify(conn, "tick",
                                      json_pack("{s:I, s:s}", "i",
                                                push->next, "pad",
                                                push->pad));

        if (error == ENOBUFS) {
            return;
        } else if (error) {
            nfvs_fatal(0, "rpc_server_notify: %s", nfvs_strerror(error));
        }
        push->next++;
    }
    push_destroy(push);
}

static void
push_closed_cb(struct rpc_conn *conn, void *push)
{
    push_destroy(push);
}

static json_t *
do_push(json_t *params, json_t **errorp, void *ts_)
{
    struct push *push;
    json_int_t n, size;

    if (!rpc_params_unpack(params, errorp, "{s:I, s:I}", "n", &n,
                           "size", &size)) {
        return NULL;
    }
    push = xzalloc(sizeof *push);
    push->conn = rpc_server_current_conn();
    push->n = n;
    push->pad = xmalloc(size + 1);
    memset(push->pad, 'x', size);
    push->pad[size] = '\0';
    rpc_conn_set_push(push->conn, push_writable_cb, push_closed_cb, push);
    /* The answer is queued: the first notification must wait for it. */
    if (rpc_server_notify(push->conn, "tick", json_null()) != ENOBUFS) {
        nfvs_fatal(0, "a notification overtook an answer");
    }
    return json_pack("{s:I}", "n", n);
}

static void
signal_cb(evutil_socket_t sig, short events, void *base)
{
    event_base_loopbreak(base);
}

static void
write_pidfile(const char *path)
{
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");

    if (!f || fprintf(f, "%ld\n", (long) getpid()) < 0 || fclose(f)
        || rename(tmp, path)) {
        nfvs_fatal(errno, "%s: cannot write pidfile", path);
    }
    free(tmp);
}

static int
test_rpc_server_main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "max-size", required_argument, NULL, 'm' },
        { "lifetime", required_argument, NULL, 'l' },
        { "max-message-size", required_argument, NULL, 'm' },
        { "max-message-values", required_argument, NULL, 'v' },
        { "max-message-depth", required_argument, NULL, 'd' },
        { "max-batch-size", required_argument, NULL, 'b' },
        { "max-answer-size", required_argument, NULL, 'a' },
        { "max-buffered-input", required_argument, NULL, 'i' },
        { "max-connections", required_argument, NULL, 'c' },
        { "partial-timeout", required_argument, NULL, 'p' },
        { "handshake-timeout", required_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct rpc_limits limits;
    struct event *sigterm, *sigint;
    unsigned int lifetime = 60;
    unsigned long long int max_size = 0;
    struct event_base *base;
    struct test_server ts;
    char *err;
    int error;
    int c;

    rpc_limits_init(&limits);
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        unsigned long long int n;

        if (c == 'l' && str_to_uint(optarg, 10, &lifetime)) {
            continue;
        } else if (c == '?' || !str_to_ullong(optarg, 10, &n) || !n) {
            nfvs_fatal(0, "usage: test-rpc-server [--max-size=BYTES] "
                       "[--lifetime=SECONDS] [LIMIT-OPTION...] REMOTE "
                       "PIDFILE");
        }
        switch (c) {
        case 'm':
            max_size = n;
            break;
        case 'v':
            limits.max_values = n;
            break;
        case 'd':
            limits.max_depth = n;
            break;
        case 'b':
            limits.max_batch = n;
            break;
        case 'a':
            limits.max_answer_size = n;
            break;
        case 'i':
            limits.max_input = n;
            break;
        case 'c':
            limits.max_connections = n;
            break;
        case 'p':
            limits.partial_timeout = n;
            break;
        case 'h':
            stream_ssl_set_handshake_timeout(n);
            break;
        }
    }
    if (argc - optind != 2) {
        nfvs_fatal(0, "exactly two arguments required (use --help)");
    }
    alarm(lifetime);

    base = event_base_new();
    memset(&ts, 0, sizeof ts);
    ts.base = base;
    ts.rpc = rpc_server_create(base);
    rpc_server_set_limits(ts.rpc, &limits);
    rpc_server_set_seqno_func(ts.rpc, test_seqno, &ts);
    if (max_size) {
        rpc_server_set_max_message_size(ts.rpc, max_size);
    }
    rpc_server_register(ts.rpc, "echo", do_echo, &ts);
    rpc_server_register(ts.rpc, "add", do_add, &ts);
    rpc_server_register(ts.rpc, "sleep", do_sleep, &ts);
    rpc_server_register(ts.rpc, "big", do_big, &ts);
    rpc_server_register(ts.rpc, "fail", do_fail, &ts);
    rpc_server_register(ts.rpc, "bump", do_bump, &ts);
    rpc_server_register(ts.rpc, "counter", do_counter, &ts);
    rpc_server_register(ts.rpc, "conns", do_conns, &ts);
    rpc_server_register(ts.rpc, "input", do_input, &ts);
    rpc_server_register(ts.rpc, "change", do_change, &ts);
    rpc_server_register(ts.rpc, "commit", do_commit, &ts);
    rpc_server_register(ts.rpc, "later", do_later, &ts);
    rpc_server_register(ts.rpc, "push", do_push, &ts);

    error = rpc_server_add_remote(ts.rpc, argv[optind], NULL, &err);
    if (error) {
        nfvs_fatal(0, "%s", err);
    }

    sigterm = evsignal_new(base, SIGTERM, signal_cb, base);
    sigint = evsignal_new(base, SIGINT, signal_cb, base);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);

    write_pidfile(argv[optind + 1]);
    event_base_dispatch(base);

    unlink(argv[optind + 1]);
    event_free(sigterm);
    event_free(sigint);
    rpc_server_destroy(ts.rpc);
    event_base_free(base);
    return 0;
}

NFVSTEST_REGISTER("test-rpc-server", test_rpc_server_main);
