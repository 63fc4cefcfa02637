/* nfvs-bench-rpc: JSON-RPC latency and throughput against a server.
 *
 * usage: nfvs-bench-rpc [--count=N] [--pipelined=M] [--window=W]
 *                       [--timeout=MS] [--ping] REMOTE METHOD [PARAMS]
 *
 * Phase 1 makes N (default 10000) sequential calls of METHOD and reports
 * the median, 99th percentile and maximum round-trip times.  Phase 2
 * makes M (default 100000) calls with W (default 64) requests in flight
 * and reports calls per second.  Either phase is skipped with a count of
 * 0.  In PARAMS, a JSON text, each "{n}" is replaced by the call's index,
 * 0 to N-1 in phase 1 and N to N+M-1 in phase 2, so that for example
 *     nfvs-bench-rpc SOCK port.add '{"bridge":"br0","name":"p{n}"}'
 *     nfvs-bench-rpc SOCK port.del '{"bridge":"br0","name":"p{n}"}'
 * adds, then deletes, distinct ports.  Error responses are counted and
 * the first one is printed; they do not stop the run.  PARAMS "@FILE"
 * reads the params from FILE (for calls too large for a command line).
 *
 * With --ping, a second connection calls "version" over and over while
 * both phases run, and the slowest of those round trips is reported: how
 * long the calls being measured keep the server from answering anybody
 * else (its longest event loop stall), e.g.
 *     nfvs-bench-rpc --count=1 --pipelined=0 --ping SOCK flow.replace @F
 * times one replace of the flows in F and the stall it causes. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dynamic-string.h"
#include "jsonrpc.h"
#include "rpc-client.h"
#include "util.h"

struct bench {
    struct rpc_client *client;      /* Connection to the server. */
    const char *method;             /* Method to call. */
    const char *params;             /* Template, or NULL for none. */
    bool has_index;                 /* 'params' contains "{n}". */
    json_t *fixed_params;           /* Parsed 'params' without "{n}". */
    long long int n_errors;         /* Error responses so far. */
};

/* The --ping thread. */
struct pinger {
    const char *remote;             /* Server to call. */
    int timeout_ms;                 /* For its client. */
    volatile int stop;              /* Set when the phases are over. */
    long long int n_calls;          /* Round trips completed. */
    long long int max_nsec;         /* Slowest one. */
};

static long long int time_nsec(void);

static void *
pinger_main(void *p_)
{
    struct pinger *p = p_;
    struct rpc_client *client;
    int error;

    error = rpc_client_open(p->remote, p->timeout_ms, &client, NULL);
    if (error) {
        nfvs_fatal(error, "%s: connect failed", p->remote);
    }
    while (!p->stop) {
        long long int start = time_nsec(), elapsed;
        json_t *result, *rpc_error;

        error = rpc_client_call(client, "version", NULL, &result,
                                &rpc_error);
        if (error) {
            nfvs_fatal(error, "version: call failed");
        }
        elapsed = time_nsec() - start;
        p->max_nsec = NFVS_MAX(p->max_nsec, elapsed);
        p->n_calls++;
        json_decref(result);
        json_decref(rpc_error);
    }
    rpc_client_close(client);
    return NULL;
}

static long long int
time_nsec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Returns the params for call number 'index' (new reference or NULL). */
static json_t *
bench_params(const struct bench *b, long long int index)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    json_error_t error;
    const char *p, *q;
    json_t *json;

    if (!b->params) {
        return NULL;
    } else if (!b->has_index) {
        return json_incref(b->fixed_params);
    }

    for (p = b->params; (q = strstr(p, "{n}")) != NULL; p = q + 3) {
        ds_put_buffer(&s, p, q - p);
        ds_put_format(&s, "%lld", index);
    }
    ds_put_cstr(&s, p);
    json = json_loads(ds_cstr(&s), JSON_DECODE_ANY, &error);
    if (!json) {
        nfvs_fatal(0, "%s: %s", ds_cstr(&s), error.text);
    }
    ds_destroy(&s);
    return json;
}

static void
bench_count_error(struct bench *b, const json_t *error)
{
    if (!b->n_errors++) {
        size_t size;
        char *s = rpc_encode(error, &size);

        printf("first error: %s", s);
        free(s);
    }
}

static int
compare_llong(const void *a_, const void *b_)
{
    const long long int *a = a_, *b = b_;

    return *a < *b ? -1 : *a > *b;
}

static void
bench_latency(struct bench *b, long long int n)
{
    long long int *samples = xcalloc(n, sizeof *samples);
    long long int i, total = 0;

    for (i = 0; i < n; i++) {
        json_t *params = bench_params(b, i);
        json_t *result, *error;
        long long int start;
        int retval;

        start = time_nsec();
        retval = rpc_client_call(b->client, b->method, params, &result,
                                 &error);
        samples[i] = time_nsec() - start;
        if (retval) {
            nfvs_fatal(retval, "%s: call failed", b->method);
        }
        if (error) {
            bench_count_error(b, error);
        }
        total += samples[i];
        json_decref(result);
        json_decref(error);
    }

    qsort(samples, n, sizeof *samples, compare_llong);
    printf("latency: %lld sequential calls of %s: median %.1f us, "
           "p99 %.1f us, max %.1f us, mean %.1f us\n",
           n, b->method, samples[n / 2] / 1e3,
           samples[NFVS_MIN(n - 1, n * 99 / 100)] / 1e3,
           samples[n - 1] / 1e3, (double) total / n / 1e3);
    free(samples);
}

static void
bench_recv_one(struct bench *b, long long int expected_id)
{
    json_t *response, *error;
    int retval;

    retval = rpc_client_recv(b->client, &response);
    if (retval) {
        nfvs_fatal(retval, "receive failed");
    }
    if (json_integer_value(json_object_get(response, "id"))
        != expected_id) {
        nfvs_fatal(0, "response out of order (expected id %lld)",
                   expected_id);
    }
    error = json_object_get(response, "error");
    if (error) {
        bench_count_error(b, error);
    }
    json_decref(response);
}

static void
bench_throughput(struct bench *b, long long int first_index,
                 long long int n, int window)
{
    long long int n_sent, n_received, first_id, id, start, elapsed;
    int retval;

    start = time_nsec();
    first_id = -1;
    n_sent = n_received = 0;
    while (n_received < n) {
        if (n_sent < n && n_sent - n_received < window) {
            retval = rpc_client_send(b->client, b->method,
                                     bench_params(b, first_index + n_sent),
                                     &id);
            if (retval) {
                nfvs_fatal(retval, "send failed");
            }
            if (first_id < 0) {
                first_id = id;
            }
            n_sent++;
        } else {
            bench_recv_one(b, first_id + n_received);
            n_received++;
        }
    }
    elapsed = time_nsec() - start;
    printf("throughput: %lld calls of %s, %d in flight: %.0f calls/s "
           "(%.2f s)\n", n, b->method, window, n / (elapsed / 1e9),
           elapsed / 1e9);
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "count", required_argument, NULL, 'c' },
        { "pipelined", required_argument, NULL, 'p' },
        { "window", required_argument, NULL, 'w' },
        { "timeout", required_argument, NULL, 't' },
        { "ping", no_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    long long int count = 10000, pipelined = 100000;
    int window = 64, timeout_ms = 10000;
    struct pinger pinger;
    pthread_t ping_thread;
    bool ping = false;
    struct bench b;
    int error;
    int c;

    nfvs_set_program_name(argv[0]);
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if ((c == 'c' && str_to_llong(optarg, 10, &count) && count >= 0)
            || (c == 'p' && str_to_llong(optarg, 10, &pipelined)
                && pipelined >= 0)
            || (c == 'w' && str_to_int(optarg, 10, &window) && window > 0)
            || (c == 't' && str_to_int(optarg, 10, &timeout_ms))) {
            continue;
        }
        if (c == 'P') {
            ping = true;
            continue;
        }
        printf("usage: %s [--count=N] [--pipelined=M] [--window=W] "
               "[--timeout=MS] [--ping] REMOTE METHOD [PARAMS]\n",
               argv[0]);
        return c == 'h' ? 0 : 1;
    }
    if (argc - optind != 2 && argc - optind != 3) {
        nfvs_fatal(0, "REMOTE and METHOD required (use --help)");
    }

    memset(&b, 0, sizeof b);
    b.method = argv[optind + 1];
    b.params = argc - optind > 2 ? argv[optind + 2] : NULL;
    if (b.params && b.params[0] == '@') {
        json_error_t jerror;
        json_t *json;

        json = json_load_file(b.params + 1, JSON_DECODE_ANY, &jerror);
        if (!json) {
            nfvs_fatal(0, "%s:%d: %s", b.params + 1, jerror.line,
                       jerror.text);
        }
        b.params = json_dumps(json, JSON_COMPACT);
        json_decref(json);
    }
    b.has_index = b.params && strstr(b.params, "{n}");
    if (b.params && !b.has_index) {
        json_error_t jerror;

        b.fixed_params = json_loads(b.params, JSON_DECODE_ANY, &jerror);
        if (!b.fixed_params) {
            nfvs_fatal(0, "%s: %s", b.params, jerror.text);
        }
    }

    error = rpc_client_open(argv[optind], timeout_ms, &b.client, NULL);
    if (error) {
        nfvs_fatal(error, "%s: connect failed", argv[optind]);
    }
    if (ping) {
        memset(&pinger, 0, sizeof pinger);
        pinger.remote = argv[optind];
        pinger.timeout_ms = timeout_ms;
        error = pthread_create(&ping_thread, NULL, pinger_main, &pinger);
        if (error) {
            nfvs_fatal(error, "cannot start the ping thread");
        }
        while (!pinger.n_calls) {
            struct timespec ts = { .tv_nsec = 1000000 };

            nanosleep(&ts, NULL);
        }
    }
    if (count) {
        bench_latency(&b, count);
    }
    if (pipelined) {
        bench_throughput(&b, count, pipelined, window);
    }
    printf("errors: %lld\n", b.n_errors);
    if (ping) {
        pinger.stop = 1;
        pthread_join(ping_thread, NULL);
        printf("ping: %lld calls of version meanwhile, slowest %.1f ms\n",
               pinger.n_calls, pinger.max_nsec / 1e6);
    }

    json_decref(b.fixed_params);
    rpc_client_close(b.client);
    return 0;
}
