/* "nfvstest test-rpc-bounds": the limits of the JSON-RPC server, for
 * tests/rpc.at and tests/tls.at.
 *
 * usage: test-rpc-bounds COMMAND ARGS..., where COMMAND is one of:
 *   unit                        rpc_check_limits(), rpc_encode_answer()
 *                               and the shortening of long errors
 *   values REMOTE PID N UNIT MB sends one request whose params are
 *                               "[UNIT,UNIT,...]", N UNITs, prints the
 *                               answer, checks that this
 *                               connection and another one are still
 *                               served and that the server's peak RSS
 *                               stayed below MB megabytes
 *   hold REMOTE PID N SIZE MB [wait]
 *                               N clients, one after the other, each send
 *                               SIZE bytes of a message without its end;
 *                               prints how many the server holds and how
 *                               many it refuses, checks that others are
 *                               still served and the peak RSS as "values"
 *                               does; then, with "wait", waits for the
 *                               server to close the held ones (partial
 *                               timeout), otherwise closes them; and
 *                               waits for the server to hold no input
 *   conn-limit REMOTE N         N clients are served, one more is refused,
 *                               the N are still served
 *   fd-flood REMOTE N METHOD [PARAMS]
 *                               one client connects, then N more that
 *                               each call "version" or are refused; then
 *                               the first calls METHOD with PARAMS
 *   raw-conns IP PORT N LIMIT   opens N TCP connections that send
 *                               nothing, waits for the server to close
 *                               those after the first LIMIT (refused),
 *                               then the first LIMIT (handshake
 *                               timeout) */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "jsonrpc.h"
#include "nfvstest.h"
#include "rpc-client.h"
#include "stream.h"
#include "util.h"

#define TIMEOUT_MS 10000

static void
print_json(const char *prefix, const json_t *json)
{
    size_t size;
    char *s = rpc_encode(json, &size);

    printf("%s%s", prefix, s);
    free(s);
}

static struct rpc_client *
open_client(const char *remote)
{
    struct rpc_client *client;
    char *msg;
    int error;

    error = rpc_client_open(remote, TIMEOUT_MS, &client, &msg);
    if (error && msg) {
        nfvs_fatal(0, "%s", msg);
    } else if (error) {
        nfvs_fatal(error, "%s: connect failed", remote);
    }
    return client;
}

/* Calls 'method' on 'client' and returns the result, or NULL after
 * printing the error or failure prefixed by 'who'. */
static json_t *
call(struct rpc_client *client, const char *who, const char *method,
     json_t *params)
{
    json_t *result, *error;
    int retval;

    retval = rpc_client_call(client, method, params, &result, &error);
    if (retval) {
        printf("%s: %s\n", who, nfvs_strerror(retval));
        return NULL;
    }
    if (error) {
        printf("%s: ", who);
        print_json("error: ", error);
        json_decref(error);
        return NULL;
    }
    return result;
}

/* Calls "echo" on 'client'; prints "WHO: ok" if it answers. */
static void
check_echo(struct rpc_client *client, const char *who)
{
    json_t *result = call(client, who, "echo", json_pack("[i]", 5));

    if (result) {
        printf("%s: ok\n", who);
        json_decref(result);
    }
}

/* Returns the peak RSS (VmHWM) of process 'pid' in kB, or -1. */
static long long int
get_peak_rss_kb(const char *pid)
{
    char *path = xasprintf("/proc/%s/status", pid);
    FILE *f = fopen(path, "r");
    long long int rss = -1;
    char line[256];

    free(path);
    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmHWM: %lld kB", &rss) == 1) {
            break;
        }
    }
    fclose(f);
    return rss;
}

static void
check_peak_rss(const char *pid, const char *mb_s)
{
    long long int rss = get_peak_rss_kb(pid);
    long long int mb;

    if (!str_to_llong(mb_s, 10, &mb)) {
        nfvs_fatal(0, "%s: not a number of MB", mb_s);
    }
    if (rss > 0 && rss < mb * 1024) {
        printf("server peak memory: below %lld MB\n", mb);
    } else {
        printf("server peak memory: %lld kB, more than %lld MB\n", rss, mb);
    }
    if (getenv("NFVS_TEST_SHOW_RSS")) {
        fprintf(stderr, "server peak memory: %lld kB\n", rss);
    }
}

/* unit */

static void
check_limits(const char *json, size_t max_values, size_t max_depth,
             size_t max_batch, const char *expected)
{
    char *msg = rpc_check_limits(json, strlen(json), max_values, max_depth,
                                 max_batch);

    if (!msg != !expected || (msg && strcmp(msg, expected))) {
        fprintf(stderr, "%s: got \"%s\", expected \"%s\"\n", json,
                msg ? msg : "(ok)", expected ? expected : "(ok)");
        abort();
    }
    free(msg);
}

static void
check_answer(json_t *answer, size_t max_size, const char *expected)
{
    size_t size;
    char *s = rpc_encode_answer(answer, max_size, &size);

    if (strcmp(s, expected) || size != strlen(expected)) {
        fprintf(stderr, "encoded as \"%s\", expected \"%s\"\n", s, expected);
        abort();
    }
    free(s);
    json_decref(answer);
}

static int
cmd_unit(int argc NFVS_UNUSED, char *argv[] NFVS_UNUSED)
{
    static const char big_result[] = "{\"jsonrpc\":\"2.0\",\"id\":1,"
                                     "\"result\":\"xxxxxxxxxxxxxxxxxxxx\"}";
    json_t *error, *message;
    char *s;
    size_t i;

    /* Values: each container, string, member name, number, literal. */
    check_limits("[{},{},{}]", 4, 64, 10, NULL);
    check_limits("[{},{},{}]", 3, 64, 10,
                 "message has more than 3 JSON values (see "
                 "--max-message-values)");
    check_limits("[1,-2.5e3,true,null,\"x\"]", 6, 64, 10, NULL);
    check_limits("[1,-2.5e3,true,null,\"x\"]", 5, 64, 10,
                 "message has more than 5 JSON values (see "
                 "--max-message-values)");
    /* Brackets, commas and escaped quotes in strings are text. */
    check_limits("{\"a\\\"[[,\":\"]],{\\\\\"}", 3, 1, 10, NULL);
    check_limits(" { \"a\" : [ 1 , 2 ] } ", 5, 2, 1, NULL);
    /* An even run of backslashes does not escape the quote after it. */
    check_limits("[\"x\\\\\",[[1]]]", 100, 3, 10, NULL);
    check_limits("[\"x\\\\\",[[[1]]]]", 100, 3, 10,
                 "message nests arrays and objects more than 3 deep (see "
                 "--max-message-depth)");
    check_limits("[\"x\\\\\\\"[[[[\",1]", 3, 1, 10, NULL);
    /* An unterminated string ends the text. */
    check_limits("[\"[[[[", 100, 1, 10, NULL);

    /* Depth. */
    check_limits("[[[[1]]]]", 100, 4, 10, NULL);
    check_limits("[[[[1]]]]", 100, 3, 10,
                 "message nests arrays and objects more than 3 deep (see "
                 "--max-message-depth)");
    check_limits("[[],[],[],[]]", 100, 2, 10, NULL);

    /* Batch entries: only the elements of an array at the top. */
    check_limits("[{\"a\":[1,2,3]},{}]", 100, 64, 2, NULL);
    check_limits("[{\"a\":[1,2,3]},{}]", 100, 64, 1,
                 "batch of more than 1 requests (see --max-batch-size)");
    check_limits("{\"a\":[1,2,3]}", 100, 64, 1, NULL);

    /* Answers: one over the limit becomes an error with its id. */
    check_answer(json_loads(big_result, 0, NULL), strlen(big_result),
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":"
                 "\"xxxxxxxxxxxxxxxxxxxx\"}\n");
    check_answer(json_loads(big_result, 0, NULL), strlen(big_result) - 1,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":7,"
                 "\"message\":\"answer too large (more than 55 bytes; see "
                 "--max-answer-size)\"}}\n");
    /* In a batch, each answer that does not fit is replaced. */
    check_answer(json_pack("[{s:s,s:i,s:i},{s:s,s:s,s:s},{s:s,s:i,s:i}]",
                           "jsonrpc", "2.0", "id", 1, "result", 2,
                           "jsonrpc", "2.0", "id", "x", "result",
                           "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                           "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                           "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
                           "jsonrpc", "2.0", "id", 3, "result", 4),
                 200,
                 "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":2},"
                 "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":7,"
                 "\"message\":\"answer too large (more than 200 bytes; see "
                 "--max-answer-size)\"}},"
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":4}]\n");

    /* Long error messages keep their beginning and end. */
    s = xmalloc(100001);
    memset(s, 'q', 100000);
    memcpy(s, "flow 1: ", 8);
    memcpy(s + 100000 - 10, ": the end.", 10);
    s[100000] = '\0';
    error = rpc_error_create(RPC_ERR_INVALID, "%s", s);
    message = json_object_get(error, "message");
    CHECK(json_string_length(message) <= RPC_ERROR_MAX_LEN + 40);
    CHECK(!strncmp(json_string_value(message), "flow 1: qqq", 11));
    CHECK(strstr(json_string_value(message), "qqq[...")
          && strstr(json_string_value(message), " bytes left out...]qqq"));
    CHECK(!strcmp(json_string_value(message) + json_string_length(message)
                  - 10, ": the end."));
    json_decref(error);

    /* ...without cutting a UTF-8 character in two. */
    for (i = 0; i + 2 <= 100000; i += 2) {
        memcpy(s + i, "\xc3\xa9", 2);
    }
    error = rpc_error_create(RPC_ERR_INVALID, "%s", s);
    message = json_object_get(error, "message");
    CHECK(json_string_length(message) <= RPC_ERROR_MAX_LEN + 40);
    CHECK(!strchr(json_string_value(message), '?'));
    json_decref(error);
    free(s);

    printf("ok\n");
    return 0;
}

/* values */

static int
cmd_values(int argc, char *argv[])
{
    static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":1,"
                               "\"method\":\"echo\",\"params\":[";
    static const char tail[] = "]}\n";
    unsigned long long int n, i;
    struct rpc_client *client, *other;
    json_t *response;
    size_t unit_len;
    char *msg, *p;
    int error;

    if (argc != 6 || !str_to_ullong(argv[3], 10, &n) || !n) {
        nfvs_fatal(0, "usage: values REMOTE PID N UNIT MB");
    }
    unit_len = strlen(argv[4]);
    msg = p = xmalloc(n * (unit_len + 1) + sizeof head + sizeof tail);
    p = stpcpy(p, head);
    for (i = 0; i < n; i++) {
        memcpy(p, argv[4], unit_len);
        p += unit_len;
        *p++ = ',';
    }
    p = stpcpy(p - 1, tail);

    client = open_client(argv[1]);
    error = rpc_client_send_raw(client, msg, p - msg);
    free(msg);
    if (error) {
        printf("send: %s\n", nfvs_strerror(error));
    }
    error = rpc_client_recv(client, &response);
    if (error) {
        printf("answer: %s\n", nfvs_strerror(error));
    } else {
        print_json("", response);
        json_decref(response);
    }

    check_echo(client, "same connection");
    other = open_client(argv[1]);
    check_echo(other, "other client");
    rpc_client_close(other);
    rpc_client_close(client);
    check_peak_rss(argv[2], argv[5]);
    return 0;
}

/* hold */

/* Waits at most 'ms' for a message or the end on 'client'.  Returns
 * true if either came, with the message, if any, in '*msgp' (caller
 * frees), or false. */
static bool
try_recv(struct rpc_client *client, int ms, char **msgp)
{
    json_t *response;
    size_t size;
    int error;

    *msgp = NULL;
    rpc_client_set_timeout(client, ms);
    error = rpc_client_recv(client, &response);
    rpc_client_set_timeout(client, TIMEOUT_MS);
    if (error == ETIMEDOUT) {
        return false;
    }
    if (!error) {
        *msgp = rpc_encode(response, &size);
        json_decref(response);
    }
    return true;
}

static long long int
get_input(struct rpc_client *admin)
{
    json_t *result = call(admin, "admin", "input", NULL);
    long long int n = json_integer_value(result);

    json_decref(result);
    return n;
}

static int
cmd_hold(int argc, char *argv[])
{
    unsigned long long int n, size, i;
    struct rpc_client **clients, *admin;
    long long int held_bytes = 0;
    size_t n_held = 0, n_refused = 0;
    char *last_refusal = NULL;
    char *data;

    if ((argc != 6 && (argc != 7 || strcmp(argv[6], "wait")))
        || !str_to_ullong(argv[3], 10, &n)
        || !str_to_ullong(argv[4], 10, &size) || !n || !size) {
        nfvs_fatal(0, "usage: hold REMOTE PID N SIZE MB [wait]");
    }
    data = xmalloc(size);
    memset(data, ' ', size);
    data[0] = '[';

    admin = open_client(argv[1]);
    clients = xcalloc(n, sizeof *clients);
    for (i = 0; i < n; i++) {
        long long int deadline = time_msec() + TIMEOUT_MS;

        clients[i] = open_client(argv[1]);
        /* A refused client may see its send fail: the server closed. */
        rpc_client_send_raw(clients[i], data, size);

        /* Held (the server counts all of it) or refused (an error). */
        for (;;) {
            char *msg;

            if (try_recv(clients[i], 10, &msg)) {
                if (msg) {
                    free(last_refusal);
                    last_refusal = msg;
                }
                rpc_client_close(clients[i]);
                clients[i] = NULL;
                n_refused++;
                break;
            }
            if (get_input(admin) == held_bytes + size) {
                held_bytes += size;
                n_held++;
                break;
            }
            if (time_msec() > deadline) {
                printf("client %llu: neither held nor refused\n", i + 1);
                break;
            }
        }
    }
    free(data);
    printf("held: %zu\n", n_held);
    printf("refused: %zu\n", n_refused);
    if (last_refusal) {
        printf("%s", last_refusal);
        free(last_refusal);
    }
    check_echo(admin, "other client");
    check_peak_rss(argv[2], argv[5]);

    /* The held ones are closed once silent for the partial timeout. */
    for (i = 0; i < n; i++) {
        json_t *response;

        if (!clients[i]) {
            continue;
        }
        if (argc == 7 && !rpc_client_recv(clients[i], &response)) {
            if (!--n_held) {
                print_json("last held client: ", response);
            }
            json_decref(response);
        }
        rpc_client_close(clients[i]);
    }
    if (n_held && argc == 7) {
        printf("%zu held clients got no error\n", n_held);
    }
    for (i = 0; i < TIMEOUT_MS / 10 && get_input(admin); i++) {
        usleep(10000);
    }
    printf("input held: %lld\n", get_input(admin));
    rpc_client_close(admin);
    free(clients);
    return 0;
}

/* conn-limit */

static int
cmd_conn_limit(int argc, char *argv[])
{
    struct rpc_client **clients, *extra;
    unsigned int n, i, n_ok;

    if (argc != 3 || !str_to_uint(argv[2], 10, &n) || !n) {
        nfvs_fatal(0, "usage: conn-limit REMOTE N");
    }
    clients = xcalloc(n, sizeof *clients);
    for (i = 0; i < n; i++) {
        json_t *result;

        clients[i] = open_client(argv[1]);
        result = call(clients[i], "client", "echo", NULL);
        json_decref(result);
    }

    extra = open_client(argv[1]);
    check_echo(extra, "one more client");
    rpc_client_close(extra);

    n_ok = 0;
    for (i = 0; i < n; i++) {
        json_t *result = call(clients[i], "client", "echo", NULL);

        n_ok += result != NULL;
        json_decref(result);
    }
    printf("%u of %u clients still served\n", n_ok, n);

    /* One leaves: there is room for another. */
    rpc_client_close(clients[0]);
    for (;;) {
        json_t *result = call(clients[1], "client", "conns", NULL);
        json_int_t conns = json_integer_value(result);

        json_decref(result);
        if (!result || conns < n) {
            break;
        }
        usleep(10000);
    }
    extra = open_client(argv[1]);
    check_echo(extra, "after one left, a new client");
    rpc_client_close(extra);
    for (i = 1; i < n; i++) {
        rpc_client_close(clients[i]);
    }
    free(clients);
    return 0;
}

/* fd-flood */

static int
cmd_fd_flood(int argc, char *argv[])
{
    struct rpc_client **clients, *admin;
    size_t n_served = 0, n_refused = 0;
    char *refusal = NULL;
    unsigned int n, i;
    json_t *result;

    if ((argc != 4 && argc != 5) || !str_to_uint(argv[2], 10, &n)) {
        nfvs_fatal(0, "usage: fd-flood REMOTE N METHOD [PARAMS]");
    }
    admin = open_client(argv[1]);
    json_decref(call(admin, "admin", "version", NULL));

    clients = xcalloc(n, sizeof *clients);
    for (i = 0; i < n; i++) {
        json_t *error;
        int retval;

        clients[i] = open_client(argv[1]);
        retval = rpc_client_call(clients[i], "version", NULL, &result,
                                 &error);
        if (!retval && result) {
            n_served++;
        } else {
            n_refused++;
            if (!refusal && error) {
                size_t size;

                refusal = rpc_encode(error, &size);
            }
        }
        json_decref(result);
        json_decref(error);
    }
    printf("some clients served: %s\n", n_served ? "yes" : "no");
    printf("some clients refused: %s\n", n_refused ? "yes" : "no");
    if (refusal) {
        printf("refusal: %s", refusal);
        free(refusal);
    }

    result = call(admin, "admin", argv[3],
                  argc > 4 ? json_loads(argv[4], 0, NULL) : NULL);
    if (result) {
        print_json("admin: result: ", result);
        json_decref(result);
    }
    for (i = 0; i < n; i++) {
        rpc_client_close(clients[i]);
    }
    free(clients);
    rpc_client_close(admin);
    return 0;
}

/* raw-conns */

/* Waits for the end of stream on 'fd' until 'deadline'.  Returns true if
 * it came. */
static bool
wait_eof(int fd, long long int deadline)
{
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        long long int remaining = deadline - time_msec();
        char c;

        if (remaining <= 0 || poll(&pfd, 1, remaining) <= 0) {
            return false;
        }
        if (read(fd, &c, 1) <= 0) {
            return true;
        }
    }
}

static int
cmd_raw_conns(int argc, char *argv[])
{
    unsigned int n, limit, i, port;
    size_t n_over = 0, n_under = 0;
    long long int deadline;
    struct sockaddr_in sin;
    int *fds;

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    if (argc != 5 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1
        || !str_to_uint(argv[2], 10, &port) || !str_to_uint(argv[3], 10, &n)
        || !str_to_uint(argv[4], 10, &limit) || limit > n) {
        nfvs_fatal(0, "usage: raw-conns IP PORT N LIMIT");
    }
    sin.sin_port = htons(port);

    fds = xcalloc(n, sizeof *fds);
    for (i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fds[i] < 0
            || connect(fds[i], (struct sockaddr *) &sin, sizeof sin)) {
            nfvs_fatal(errno, "connect");
        }
    }

    deadline = time_msec() + TIMEOUT_MS;
    for (i = limit; i < n; i++) {
        n_over += wait_eof(fds[i], deadline);
    }
    printf("closed: %zu of %u over the limit\n", n_over, n - limit);
    for (i = 0; i < limit; i++) {
        n_under += wait_eof(fds[i], deadline);
    }
    printf("closed: %zu of %u within the limit\n", n_under, limit);
    for (i = 0; i < n; i++) {
        close(fds[i]);
    }
    free(fds);
    return 0;
}

static int
test_rpc_bounds_main(int argc, char *argv[])
{
    static const struct {
        const char *name;
        int (*func)(int argc, char *argv[]);
    } commands[] = {
        { "unit", cmd_unit },
        { "values", cmd_values },
        { "hold", cmd_hold },
        { "conn-limit", cmd_conn_limit },
        { "fd-flood", cmd_fd_flood },
        { "raw-conns", cmd_raw_conns },
    };
    size_t i;

    if (argc < 2) {
        nfvs_fatal(0, "usage: test-rpc-bounds COMMAND [ARG...]");
    }
    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            return commands[i].func(argc - 1, argv + 1);
        }
    }
    nfvs_fatal(0, "unknown command \"%s\"", argv[1]);
}

NFVSTEST_REGISTER("test-rpc-bounds", test_rpc_bounds_main);
