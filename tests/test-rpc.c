/* "nfvstest test-rpc": JSON-RPC client scenarios for tests/rpc.at.
 *
 * usage: test-rpc COMMAND ARGS..., where COMMAND is one of:
 *   unit                        message helpers and remote names
 *   call [--timeout=MS] REMOTE METHOD [PARAMS]
 *                               one call, prints "result: JSON",
 *                               "error: JSON" or "failed: STRERROR"
 *   raw [--chunk=N] [--delay-us=US] [--expect=N] [--timeout=MS]
 *       [--end=read|half-close|close] REMOTE
 *                               sends stdin in writes of N bytes, then
 *                               prints what comes back verbatim, until
 *                               nothing has come for MS ms
 *   wait-conns REMOTE N         waits for the server to count N conns
 *   big-message REMOTE SIZE     sends one SIZE-byte request
 *   flood REMOTE PID            a peer that sends and never reads
 *   concurrent REMOTE N_CLIENTS N_REQUESTS
 *   pipeline REMOTE N           N requests in flight at once
 *   stall REMOTE METHOD FILE    one call with the params in FILE while a
 *                               second connection calls "version" in a
 *                               loop; prints the call's outcome and the
 *                               slowest "version" round trip in ms
 *   timeout REMOTE              a call that takes too long
 *   silent-timeout PATH         a server that accepts and never answers */
#include <config.h>
#include "rpc-client.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "dynamic-string.h"
#include "jsonrpc.h"
#include "nfvstest.h"
#include "rpc-server.h"
#include "stream.h"
#include "util.h"

#define DEFAULT_TIMEOUT_MS 5000

static void
print_json(const char *prefix, const json_t *json)
{
    size_t size;
    char *s = rpc_encode(json, &size);

    printf("%s%s", prefix, s);
    free(s);
}

static struct rpc_client *
open_client(const char *remote, int timeout_ms)
{
    struct rpc_client *client;
    char *msg;
    int error;

    error = rpc_client_open(remote, timeout_ms, &client, &msg);
    if (error && msg) {
        nfvs_fatal(0, "%s", msg);
    } else if (error) {
        nfvs_fatal(error, "%s: connect failed", remote);
    }
    return client;
}

/* Calls 'method' and returns its result, aborting on any failure. */
static json_t *
must_call(struct rpc_client *client, const char *method, json_t *params)
{
    json_t *result, *error;
    int retval;

    retval = rpc_client_call(client, method, params, &result, &error);
    if (retval) {
        nfvs_fatal(retval, "%s: call failed", method);
    }
    if (error) {
        print_json("unexpected error: ", error);
        exit(1);
    }
    return result;
}

static json_t *
parse_json(const char *s)
{
    json_error_t error;
    json_t *json;

    json = json_loads(s, JSON_DECODE_ANY, &error);
    if (!json) {
        nfvs_fatal(0, "%s: %s", s, error.text);
    }
    return json;
}

/* unit */

static void
check_encoding(json_t *json, const char *expected)
{
    size_t size;
    char *s;

    s = rpc_encode(json, &size);
    if (strcmp(s, expected) || size != strlen(expected)) {
        fprintf(stderr, "encoded as \"%s\", expected \"%s\"\n", s, expected);
        abort();
    }
    free(s);
    json_decref(json);
}

static int
cmd_unit(int argc, char *argv[])
{
    json_t *msg, *error;

    check_encoding(rpc_request_create("port.add",
                                      json_pack("{s:s}", "name", "p\n1"),
                                      7),
                   "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"port.add\","
                   "\"params\":{\"name\":\"p\\n1\"}}\n");
    check_encoding(rpc_request_create("log.set", NULL, -1),
                   "{\"jsonrpc\":\"2.0\",\"method\":\"log.set\"}\n");
    check_encoding(rpc_error_create(RPC_METHOD_NOT_FOUND, "no %s", "x"),
                   "{\"code\":-32601,\"message\":\"no x\"}\n");
    check_encoding(rpc_error_create(RPC_PARSE_ERROR, "near '%s'",
                                    "\xff\xfe" "a"),
                   "{\"code\":-32700,\"message\":\"near '??a'\"}\n");

    msg = json_string("id-1");
    check_encoding(rpc_response_create(msg, json_integer(3)),
                   "{\"jsonrpc\":\"2.0\",\"id\":\"id-1\",\"result\":3}\n");
    error = rpc_error_create(RPC_ERR_EXISTS, "exists");
    check_encoding(rpc_error_response_create(NULL, error),
                   "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
                   "{\"code\":2,\"message\":\"exists\"}}\n");
    json_decref(msg);

    /* A reference cycle cannot be encoded. */
    msg = json_array();
    error = json_array();
    json_array_append(msg, error);
    json_array_append(error, msg);
    {
        size_t size;
        CHECK(!rpc_encode(msg, &size));
    }
    json_array_clear(error);
    json_decref(error);
    json_decref(msg);

    CHECK(!stream_verify_name("unix:/x"));
    CHECK(!stream_verify_name("/x"));
    CHECK(!stream_verify_name("x.sock"));
    CHECK(stream_verify_name("unix:") == EINVAL);
    CHECK(stream_verify_name("") == EINVAL);
    CHECK(!stream_verify_name("ssl:1.2.3.4:6640"));
    CHECK(stream_verify_name("ssl:") == EINVAL);
    CHECK(stream_verify_name("tcp:1.2.3.4:6640") == EAFNOSUPPORT);
    CHECK(!pstream_verify_name("pssl:0"));
    CHECK(pstream_verify_name("pssl:") == EINVAL);
    CHECK(!pstream_verify_name("punix:/x"));
    CHECK(pstream_verify_name("punix:") == EINVAL);
    CHECK(pstream_verify_name("unix:/x") == EAFNOSUPPORT);
    CHECK(pstream_verify_name("/x") == EAFNOSUPPORT);

    /* Params helper. */
    {
        json_t *params = json_pack("{s:s, s:i}", "name", "br0", "ofport",
                                   3);
        const char *name;
        int ofport = -1;

        CHECK(rpc_params_unpack(params, &error, "{s:s, s?i}",
                                "name", &name, "ofport", &ofport));
        CHECK(!error && !strcmp(name, "br0") && ofport == 3);
        CHECK(!rpc_params_unpack(params, &error, "{s:s}", "name", &name));
        check_encoding(error, "{\"code\":-32602,\"message\":\"invalid "
                       "params: unknown member \\\"ofport\\\" (this method "
                       "takes name)\"}\n");
        CHECK(!rpc_params_unpack(params, &error, "{s:i, s:i}",
                                 "name", &ofport, "ofport", &ofport));
        check_encoding(error, "{\"code\":-32602,\"message\":\"invalid "
                       "params: member \\\"name\\\" must be an integer, "
                       "not a string\"}\n");
        json_decref(params);

        ofport = -1;
        CHECK(rpc_params_unpack(NULL, &error, "{s?i}", "ofport", &ofport));
        CHECK(!error && ofport == -1);
        CHECK(!rpc_params_unpack(NULL, &error, "{s:i}", "ofport", &ofport));
        check_encoding(error, "{\"code\":-32602,\"message\":\"invalid "
                       "params: missing member \\\"ofport\\\" (an "
                       "integer)\"}\n");

        /* Params that are not an object, a number with a fraction for an
         * integer, no params at all, and a nested format (checked by
         * jansson, reported in our words). */
        params = json_pack("[i]", 1);
        CHECK(!rpc_params_unpack(params, &error, "{s?i}", "ofport",
                                 &ofport));
        check_encoding(error, "{\"code\":-32602,\"message\":\"invalid "
                       "params: params must be an object, not an "
                       "array\"}\n");
        json_decref(params);
        params = json_pack("{s:f}", "ofport", 1.5);
        CHECK(!rpc_params_unpack(params, &error, "{s?:I}", "ofport",
                                 &ofport));
        check_encoding(error, "{\"code\":-32602,\"message\":\"invalid "
                       "params: member \\\"ofport\\\" must be an integer, "
                       "not a real number\"}\n");
        CHECK(!rpc_params_unpack(params, &error, "{}"));
        check_encoding(error, "{\"code\":-32602,\"message\":\"invalid "
                       "params: unknown member \\\"ofport\\\" (this method "
                       "takes no params)\"}\n");
        json_decref(params);
        params = json_pack("{s:{s:s}}", "a", "b", "c");
        {
            const char *b;

            CHECK(!rpc_params_unpack(params, &error, "{s:{s:i}}", "a", "b",
                                     &b));
            check_encoding(error, "{\"code\":-32602,\"message\":"
                           "\"invalid params: the params do not have the "
                           "members and types this method takes\"}\n");
            CHECK(rpc_params_unpack(params, &error, "{s:{s:s}}", "a", "b",
                                    &b));
            CHECK(!error && !strcmp(b, "c"));
        }
        json_decref(params);
    }

    printf("ok\n");
    return 0;
}

/* call */

static int
cmd_call(int argc, char *argv[])
{
    int timeout_ms = DEFAULT_TIMEOUT_MS;
    json_t *result, *error;
    struct rpc_client *client;
    int retval;

    if (argc > 1 && !strncmp(argv[1], "--timeout=", 10)) {
        if (!str_to_int(argv[1] + 10, 10, &timeout_ms)) {
            nfvs_fatal(0, "%s: bad timeout", argv[1]);
        }
        argc--;
        argv++;
    }
    if (argc != 3 && argc != 4) {
        nfvs_fatal(0, "usage: call [--timeout=MS] REMOTE METHOD [PARAMS]");
    }

    client = open_client(argv[1], timeout_ms);
    retval = rpc_client_call(client, argv[2],
                             argc > 3 ? parse_json(argv[3]) : NULL,
                             &result, &error);
    if (retval) {
        printf("failed: %s\n", nfvs_strerror(retval));
    } else if (result) {
        print_json("result: ", result);
    } else {
        print_json("error: ", error);
    }
    json_decref(result);
    json_decref(error);
    rpc_client_close(client);
    return 0;
}

/* raw */

/* Sends all of 'data' on 'stream', blocking as needed. */
static int
stream_send_all(struct stream *stream, const char *data, size_t size)
{
    while (size) {
        struct pollfd pfd;
        size_t n;
        int error;

        error = stream_send(stream, data, size, &n);
        if (!error) {
            data += n;
            size -= n;
        } else if (error == EAGAIN) {
            pfd.fd = stream_get_fd(stream);
            pfd.events = stream_poll_events(stream, POLLOUT);
            if (poll(&pfd, 1, DEFAULT_TIMEOUT_MS) == 0) {
                return ETIMEDOUT;
            }
        } else {
            return error;
        }
    }
    return 0;
}

static int
cmd_raw(int argc, char *argv[])
{
    static const struct option options[] = {
        { "chunk", required_argument, NULL, 'c' },
        { "delay-us", required_argument, NULL, 'd' },
        { "expect", required_argument, NULL, 'e' },
        { "end", required_argument, NULL, 'E' },
        { "timeout", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    unsigned int chunk = 0, delay_us = 0, expect = 0, n_lines;
    int timeout_ms = DEFAULT_TIMEOUT_MS;
    struct ds input = DS_EMPTY_INITIALIZER;
    const char *end = "read";
    struct stream *stream;
    char buf[65536];
    size_t n, ofs;
    int error;
    int c;

    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if ((c == 'c' && str_to_uint(optarg, 10, &chunk))
            || (c == 'd' && str_to_uint(optarg, 10, &delay_us))
            || (c == 'e' && str_to_uint(optarg, 10, &expect))
            || (c == 't' && str_to_int(optarg, 10, &timeout_ms)
                && timeout_ms > 0)) {
            continue;
        } else if (c == 'E' && (!strcmp(optarg, "read")
                                || !strcmp(optarg, "half-close")
                                || !strcmp(optarg, "close"))) {
            end = optarg;
            continue;
        }
        nfvs_fatal(0, "bad option for raw");
    }
    if (argc - optind != 1) {
        nfvs_fatal(0, "usage: raw [OPTIONS] REMOTE < DATA");
    }

    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        ds_put_buffer(&input, buf, n);
    }

    error = stream_open(argv[optind], DEFAULT_TIMEOUT_MS, &stream, NULL);
    if (error) {
        nfvs_fatal(error, "%s: connect failed", argv[optind]);
    }
    for (ofs = 0; ofs < input.length; ofs += n) {
        n = chunk ? NFVS_MIN(chunk, input.length - ofs) : input.length - ofs;
        error = stream_send_all(stream, input.string + ofs, n);
        if (error) {
            printf("send failed: %s\n", nfvs_strerror(error));
            break;
        }
        if (delay_us) {
            usleep(delay_us);
        }
    }
    ds_destroy(&input);

    if (!strcmp(end, "close")) {
        stream_close(stream);
        return 0;
    } else if (!strcmp(end, "half-close")) {
        shutdown(stream_get_fd(stream), SHUT_WR);
    }

    /* Print what comes back, verbatim, until the server closes, or
     * 'expect' lines came, or nothing comes for a while. */
    n_lines = 0;
    while (!expect || n_lines < expect) {
        struct pollfd pfd;

        error = stream_recv(stream, buf, sizeof buf, &n);
        if (error == EAGAIN) {
            pfd.fd = stream_get_fd(stream);
            pfd.events = POLLIN;
            if (poll(&pfd, 1, timeout_ms) == 0) {
                printf("no more data\n");
                break;
            }
            continue;
        } else if ((!error && !n) || error == ECONNRESET) {
            printf("closed\n");
            break;
        } else if (error) {
            printf("recv failed: %s\n", nfvs_strerror(error));
            break;
        }
        fwrite(buf, 1, n, stdout);
        for (ofs = 0; ofs < n; ofs++) {
            n_lines += buf[ofs] == '\n';
        }
    }
    stream_close(stream);
    return 0;
}

/* wait-conns */

static long long int
get_conns(struct rpc_client *client)
{
    json_t *result = must_call(client, "conns", NULL);
    long long int n = json_integer_value(result);

    json_decref(result);
    return n;
}

static int
cmd_wait_conns(int argc, char *argv[])
{
    long long int deadline = time_msec() + DEFAULT_TIMEOUT_MS;
    struct rpc_client *client;
    long long int n, want;

    if (argc != 3 || !str_to_llong(argv[2], 10, &want)) {
        nfvs_fatal(0, "usage: wait-conns REMOTE N");
    }
    client = open_client(argv[1], DEFAULT_TIMEOUT_MS);
    while ((n = get_conns(client)) != want && time_msec() < deadline) {
        usleep(10000);
    }
    printf("conns: %lld\n", n);
    rpc_client_close(client);
    return 0;
}

/* big-message */

static int
cmd_big_message(int argc, char *argv[])
{
    static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":1,"
                               "\"method\":\"echo\",\"params\":[\"";
    static const char tail[] = "\"]}\n";
    static const char ping[] = "{\"jsonrpc\":\"2.0\",\"id\":2,"
                               "\"method\":\"echo\",\"params\":[]}\n";
    unsigned long long int size;
    bool open = false;
    struct rpc_client *client;
    json_t *response;
    char *msg;
    int error;

    if (argc != 3 || !str_to_ullong(argv[2], 10, &size)
        || size < sizeof head + sizeof tail) {
        nfvs_fatal(0, "usage: big-message REMOTE SIZE");
    }
    msg = xmalloc(size);
    memcpy(msg, head, strlen(head));
    memset(msg + strlen(head), 'x', size - strlen(head) - strlen(tail));
    memcpy(msg + size - strlen(tail), tail, strlen(tail));

    /* The server reads 4 kB at a time (libevent 2.1): tens of MB take
     * seconds under ASan on a busy machine. */
    client = open_client(argv[1], 6 * DEFAULT_TIMEOUT_MS);
    error = rpc_client_send_raw(client, msg, size);
    free(msg);
    printf("send: %s\n", error ? "failed" : "complete");

    error = rpc_client_recv(client, &response);
    if (!error) {
        json_t *result = json_object_get(response, "result");

        if (json_is_array(result) && json_array_size(result) == 1) {
            printf("echoed %zu bytes\n",
                   json_string_length(json_array_get(result, 0)));
        } else {
            print_json("", response);
        }
        json_decref(response);

        /* Is the connection still open?  Asked with one more request:
         * an open connection answers it, a closed one ends, however
         * slow the server is. */
        error = rpc_client_send_raw(client, ping, strlen(ping));
        if (!error) {
            error = rpc_client_recv(client, &response);
        }
        if (!error) {
            json_decref(response);
            open = true;
        }
    }
    printf("%s\n", (open ? "still open"
                    : error == EPIPE || error == ECONNRESET ? "closed"
                    : nfvs_strerror(error)));
    rpc_client_close(client);
    return 0;
}

/* flood */

static int
cmd_flood(int argc, char *argv[])
{
    enum { MAX_REQUESTS = 10000, RESPONSE_SIZE = 65536 };
    struct rpc_client *flooder, *other;
    long long int i, n_sent, rss;
    json_t *result;
    int error;

    if (argc != 3) {
        nfvs_fatal(0, "usage: flood REMOTE SERVER-PID");
    }

    /* Send requests for 64 kB responses without reading any, until the
     * server stops reading and our sends time out.  Without backpressure
     * the server would read all of them and hold 640 MB of responses. */
    flooder = open_client(argv[1], 500);
    error = 0;
    for (n_sent = 0; n_sent < MAX_REQUESTS; n_sent++) {
        long long int id;

        error = rpc_client_send(flooder, "big",
                                json_pack("{s:i}", "size", RESPONSE_SIZE),
                                &id);
        if (error) {
            break;
        }
    }
    printf("flooder: %s\n", (error == ETIMEDOUT ? "blocked"
                             : error ? nfvs_strerror(error)
                             : "never blocked"));

    /* The server still serves others. */
    other = open_client(argv[1], DEFAULT_TIMEOUT_MS);
    result = must_call(other, "echo", json_pack("[s]", "still there"));
    print_json("other client: ", result);
    json_decref(result);
    rpc_client_close(other);

    rss = nfvstest_proc_status_kb(argv[2], "VmRSS");
    if (rss > 0 && rss < 100 * 1024) {
        printf("server memory: below 100 MB\n");
    } else {
        printf("server memory: %lld kB\n", rss);
    }

    /* Once the flooder reads, every fully sent request is answered, in
     * order. */
    rpc_client_set_timeout(flooder, DEFAULT_TIMEOUT_MS);
    for (i = 1; i <= n_sent; i++) {
        json_t *response;

        error = rpc_client_recv(flooder, &response);
        if (error) {
            printf("response %lld: %s\n", i, nfvs_strerror(error));
            break;
        }
        if (json_integer_value(json_object_get(response, "id")) != i
            || json_string_length(json_object_get(response, "result"))
               != RESPONSE_SIZE) {
            print_json("bad response: ", response);
            json_decref(response);
            break;
        }
        json_decref(response);
    }
    if (i > n_sent) {
        printf("flooder: all responses received\n");
    }
    rpc_client_close(flooder);
    return 0;
}

/* concurrent */

struct worker {
    pthread_t thread;               /* Runs worker_main(). */
    const char *remote;             /* Where to connect. */
    int index;                      /* 0, 1, ... */
    int n_requests;                 /* Calls to make. */
    struct rpc_client *client;      /* Connected before the threads start. */
    int n_ok;                       /* Calls answered correctly. */
};

static void *
worker_main(void *worker_)
{
    struct worker *w = worker_;
    int i;

    for (i = 0; i < w->n_requests; i++) {
        long long int a = w->index * 100000LL + i;
        json_t *result, *error;

        if (!rpc_client_call(w->client, "add",
                             json_pack("{s:I, s:I}", "a", a, "b", 7LL),
                             &result, &error)
            && json_integer_value(result) == a + 7) {
            w->n_ok++;
        }
        json_decref(result);
        json_decref(error);
    }
    return NULL;
}

static int
cmd_concurrent(int argc, char *argv[])
{
    int n_clients, n_requests, n_ok, i;
    struct rpc_client *client;
    struct worker *workers;

    if (argc != 4 || !str_to_int(argv[2], 10, &n_clients) || n_clients < 1
        || !str_to_int(argv[3], 10, &n_requests) || n_requests < 1) {
        nfvs_fatal(0, "usage: concurrent REMOTE N_CLIENTS N_REQUESTS");
    }

    workers = xcalloc(n_clients, sizeof *workers);
    for (i = 0; i < n_clients; i++) {
        workers[i].remote = argv[1];
        workers[i].index = i;
        workers[i].n_requests = n_requests;
        workers[i].client = open_client(argv[1], DEFAULT_TIMEOUT_MS);
    }
    client = open_client(argv[1], DEFAULT_TIMEOUT_MS);
    printf("connections: %lld\n", get_conns(client));

    for (i = 0; i < n_clients; i++) {
        if (pthread_create(&workers[i].thread, NULL, worker_main,
                           &workers[i])) {
            nfvs_fatal(errno, "pthread_create");
        }
    }
    n_ok = 0;
    for (i = 0; i < n_clients; i++) {
        pthread_join(workers[i].thread, NULL);
        n_ok += workers[i].n_ok;
        rpc_client_close(workers[i].client);
    }
    printf("correct answers: %d of %d\n", n_ok, n_clients * n_requests);
    rpc_client_close(client);
    free(workers);
    return 0;
}

/* pipeline */

static int
cmd_pipeline(int argc, char *argv[])
{
    struct rpc_client *client;
    long long int i, id;
    int n, n_ok;
    int error;

    if (argc != 3 || !str_to_int(argv[2], 10, &n) || n < 1) {
        nfvs_fatal(0, "usage: pipeline REMOTE N");
    }
    client = open_client(argv[1], DEFAULT_TIMEOUT_MS);
    for (i = 0; i < n; i++) {
        error = rpc_client_send(client, "add",
                                json_pack("{s:I, s:I}", "a", i, "b", i),
                                &id);
        if (error || id != i + 1) {
            nfvs_fatal(error, "send failed");
        }
    }
    n_ok = 0;
    for (i = 0; i < n; i++) {
        json_t *response;

        error = rpc_client_recv(client, &response);
        if (error) {
            nfvs_fatal(error, "recv failed");
        }
        if (json_integer_value(json_object_get(response, "id")) == i + 1
            && json_integer_value(json_object_get(response, "result"))
               == 2 * i) {
            n_ok++;
        }
        json_decref(response);
    }
    printf("%d of %d responses correct and in order\n", n_ok, n);
    rpc_client_close(client);
    return 0;
}

/* timeout */

static void
timed_call(struct rpc_client *client, const char *method, json_t *params,
           long long int min_ms, long long int max_ms)
{
    long long int start = time_msec(), elapsed;
    json_t *result, *error;
    int retval;

    retval = rpc_client_call(client, method, params, &result, &error);
    elapsed = time_msec() - start;
    if (retval) {
        printf("%s: %s", method, nfvs_strerror(retval));
    } else {
        print_json(result ? "result: " : "error: ", result ? result : error);
    }
    if (elapsed < min_ms || elapsed > max_ms) {
        printf(" after %lld ms, expected %lld to %lld\n",
               elapsed, min_ms, max_ms);
    } else if (retval) {
        printf(" in time\n");
    }
    json_decref(result);
    json_decref(error);
}

static int
cmd_timeout(int argc, char *argv[])
{
    struct rpc_client *client;

    if (argc != 2) {
        nfvs_fatal(0, "usage: timeout REMOTE");
    }
    client = open_client(argv[1], 200);
    timed_call(client, "sleep", json_pack("{s:i}", "ms", 1000), 150, 900);

    /* The late answer to "sleep" is skipped by the next call. */
    rpc_client_set_timeout(client, DEFAULT_TIMEOUT_MS);
    timed_call(client, "echo", json_pack("[i]", 42), 0, DEFAULT_TIMEOUT_MS);
    rpc_client_close(client);
    return 0;
}

static int
cmd_silent_timeout(int argc, char *argv[])
{
    struct rpc_client *client;
    struct pstream *pstream;
    char *remote, *err;
    int error;

    if (argc != 2) {
        nfvs_fatal(0, "usage: silent-timeout PATH");
    }

    /* Listens but never accepts: connect() succeeds through the backlog,
     * and no answer ever comes. */
    remote = xasprintf("punix:%s", argv[1]);
    error = pstream_open(remote, &pstream, &err);
    if (error) {
        nfvs_fatal(0, "%s", err);
    }
    free(remote);

    error = rpc_client_open(argv[1], 300, &client, NULL);
    if (error) {
        nfvs_fatal(error, "connect");
    }
    timed_call(client, "echo", NULL, 250, 1500);
    rpc_client_close(client);
    pstream_close(pstream);
    return 0;
}

/* notifications */

/* notifications REMOTE N SIZE: has the server push N notifications of
 * SIZE bytes of padding (its "push" method), makes another call while
 * they stream (the client keeps those that arrive meanwhile), then reads
 * them all and checks that they came whole and in order. */
static int
cmd_notifications(int argc, char *argv[])
{
    struct rpc_client *client;
    json_t *result;
    long long int n, size, i;
    int error;

    if (argc != 4 || !str_to_llong(argv[2], 10, &n)
        || !str_to_llong(argv[3], 10, &size)) {
        nfvs_fatal(0, "usage: notifications REMOTE N SIZE");
    }
    client = open_client(argv[1], DEFAULT_TIMEOUT_MS);
    result = must_call(client, "push", json_pack("{s:I, s:I}", "n", n,
                                                 "size", size));
    print_json("push: ", result);
    json_decref(result);

    result = must_call(client, "echo", json_pack("[s]", "meanwhile"));
    print_json("echo: ", result);
    json_decref(result);

    for (i = 0; i < n; i++) {
        json_t *msg, *params;

        error = rpc_client_recv_notification(client, &msg);
        if (error) {
            printf("notification %lld: %s\n", i, nfvs_strerror(error));
            break;
        }
        params = json_object_get(msg, "params");
        if (strcmp(json_string_value(json_object_get(msg, "method")),
                   "tick")
            || json_integer_value(json_object_get(params, "i")) != i
            || json_string_length(json_object_get(params, "pad")) != size
            || json_object_get(msg, "id")) {
            print_json("bad notification: ", msg);
            json_decref(msg);
            break;
        }
        json_decref(msg);
    }
    if (i == n) {
        printf("%lld notifications in order\n", n);
    }
    rpc_client_close(client);
    return 0;
}

/* stall */

struct stall_pinger {
    struct rpc_client *client;  /* Second connection. */
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool stop;                  /* Set by the main thread when done. */
    long long int n_pings;      /* Round trips so far. */
    long long int slowest;      /* Slowest round trip, in ms. */
};

static void *
stall_pinger_main(void *p_)
{
    struct stall_pinger *p = p_;

    for (;;) {
        long long int start = time_msec(), elapsed;
        json_t *result;

        pthread_mutex_lock(&p->mutex);
        if (p->stop) {
            pthread_mutex_unlock(&p->mutex);
            return NULL;
        }
        pthread_mutex_unlock(&p->mutex);

        result = must_call(p->client, "version", NULL);
        json_decref(result);
        elapsed = time_msec() - start;

        pthread_mutex_lock(&p->mutex);
        p->n_pings++;
        p->slowest = NFVS_MAX(p->slowest, elapsed);
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->mutex);
    }
}

static int
cmd_stall(int argc, char *argv[])
{
    struct stall_pinger p = { .stop = false };
    struct rpc_client *client;
    json_t *params, *result, *error;
    json_error_t jerror;
    pthread_t thread;
    int retval;

    if (argc != 4) {
        nfvs_fatal(0, "usage: stall REMOTE METHOD FILE");
    }
    params = json_load_file(argv[3], 0, &jerror);
    if (!params) {
        nfvs_fatal(0, "%s: %s", argv[3], jerror.text);
    }
    client = open_client(argv[1], 600 * 1000);
    p.client = open_client(argv[1], 600 * 1000);
    pthread_mutex_init(&p.mutex, NULL);
    pthread_cond_init(&p.cond, NULL);
    if (pthread_create(&thread, NULL, stall_pinger_main, &p)) {
        nfvs_fatal(0, "pthread_create failed");
    }

    /* Call only once the pinger is going. */
    pthread_mutex_lock(&p.mutex);
    while (!p.n_pings) {
        pthread_cond_wait(&p.cond, &p.mutex);
    }
    pthread_mutex_unlock(&p.mutex);

    retval = rpc_client_call(client, argv[2], params, &result, &error);

    pthread_mutex_lock(&p.mutex);
    p.stop = true;
    pthread_mutex_unlock(&p.mutex);
    pthread_join(thread, NULL);

    if (retval) {
        printf("failed: %s\n", nfvs_strerror(retval));
    } else if (result) {
        print_json("result: ", result);
    } else {
        print_json("error: ", error);
    }
    printf("slowest ping: %lld ms\n", p.slowest);
    json_decref(result);
    json_decref(error);
    rpc_client_close(p.client);
    rpc_client_close(client);
    pthread_mutex_destroy(&p.mutex);
    pthread_cond_destroy(&p.cond);
    return 0;
}

static int
test_rpc_main(int argc, char *argv[])
{
    static const struct {
        const char *name;
        int (*func)(int argc, char *argv[]);
    } commands[] = {
        { "unit", cmd_unit },
        { "call", cmd_call },
        { "raw", cmd_raw },
        { "wait-conns", cmd_wait_conns },
        { "big-message", cmd_big_message },
        { "flood", cmd_flood },
        { "concurrent", cmd_concurrent },
        { "pipeline", cmd_pipeline },
        { "stall", cmd_stall },
        { "notifications", cmd_notifications },
        { "timeout", cmd_timeout },
        { "silent-timeout", cmd_silent_timeout },
    };
    size_t i;

    if (argc < 2) {
        nfvs_fatal(0, "usage: test-rpc COMMAND [ARG...]");
    }
    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            return commands[i].func(argc - 1, argv + 1);
        }
    }
    nfvs_fatal(0, "unknown command \"%s\"", argv[1]);
}

NFVSTEST_REGISTER("test-rpc", test_rpc_main);
