/* tests/fuzz-rpc.c: fuzz target for the JSON-RPC server and the daemon's
 * methods (lib/rpc-server.c, the handlers in vswitchd/; see fuzz.h).
 *
 * Each input is what a client sends on a management connection: one or
 * more newline-separated messages.  The server is the daemon's, with its
 * real methods registered over a bridge set of its own (config db in a
 * temporary directory, no datapath, so no threads), rebuilt for every
 * input as bridge "br0" with ports "p1" and "p2" (the bridge set of the
 * first steps of docs/rpc.md).  The input is written to a unix socket the
 * server listens on, followed by a newline and a "version" request of
 * our own, and the event loop runs until that request is answered or the
 * server closes the connection (after a parse error, for one).  A first
 * byte of 1 to 7 is not sent but makes the writes 1, 2, 4... 64 bytes
 * long, with the event loop run in between, so that messages arrive in
 * pieces; a first byte of 8 sends the rest alone, then closes our side
 * (the server handles an unterminated tail as a last message) and waits
 * for the server to close.  Besides the sanitizers' checks, it aborts
 * when a line the server sends is not a JSON-RPC response or a non-empty
 * array of them, or when a closed connection is still counted. */
#include <config.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "ct-rpc.h"
#include "dp-rpc.h"
#include "dynamic-string.h"
#include "flow-rpc.h"
#include "fuzz.h"
#include "rpc-server.h"
#include "txn-rpc.h"
#include "util.h"
#include "vlog.h"

/* Messages longer than this are refused, so that the fuzzer reaches that
 * path with inputs of a few kB. */
#define FUZZ_RPC_MAX_MESSAGE_SIZE 3000

#define MIN(A, B) ((A) < (B) ? (A) : (B))

/* The id of our last request, as JSON and as jansson decodes it. */
#define END_ID_JSON "fuzz-rpc-end\\u0001"
#define END_ID "fuzz-rpc-end\x01"

static struct event_base *base;
static struct rpc_server *server;
static char *dir, *sock_path, *db_path, *db_log_path;
static int client_fd = -1;
static struct flow_rpc *flow_rpc;   /* This input's flow methods. */

static void
remove_dir(void)
{
    unlink(db_path);
    unlink(db_log_path);
    unlink(sock_path);
    rmdir(dir);
}

/* Creates the event loop, the server and its socket, once. */
static void
setup(void)
{
    const char *tmp = getenv("TMPDIR");
    char *remote, *msg;

    dir = xasprintf("%s/nfvs-fuzz-rpc.XXXXXX",
                    !access("/dev/shm", W_OK) ? "/dev/shm"
                    : tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        nfvs_fatal(errno, "%s: cannot create", dir);
    }
    sock_path = xasprintf("%s/sock", dir);
    db_path = xasprintf("%s/conf.json", dir);
    db_log_path = xasprintf("%s.log", db_path);
    atexit(remove_dir);

    base = event_base_new();
    server = rpc_server_create(base);
    rpc_server_set_max_message_size(server, FUZZ_RPC_MAX_MESSAGE_SIZE);
    remote = xasprintf("punix:%s", sock_path);
    if (rpc_server_add_remote(server, remote, NULL, &msg)) {
        nfvs_fatal(0, "%s", msg);
    }
    free(remote);
}

static void
client_connect(void)
{
    struct sockaddr_un sun;

    client_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client_fd < 0) {
        nfvs_fatal(errno, "socket");
    }
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock_path);
    if (connect(client_fd, (struct sockaddr *) &sun, sizeof sun)) {
        nfvs_fatal(errno, "%s: connect", sock_path);
    }
    fcntl(client_fd, F_SETFL, fcntl(client_fd, F_GETFL) | O_NONBLOCK);
}

/* Builds this input's bridge set: br0 with ports p1 and p2. */
static struct bridge_set *
bridges_create(void)
{
    struct bridge_set *bs;
    uint32_t ofport;
    char *msg = NULL;

    unlink(db_path);
    unlink(db_log_path);
    if (bridge_set_open(db_path, NULL, &bs, &msg)
        || bridge_add(bs, "br0", false, &msg)
        || bridge_add_port(bs, "br0", "p1", "dummy", 1, false, &ofport,
                           &msg)
        || bridge_add_port(bs, "br0", "p2", "dummy", 2, false, &ofport,
                           &msg)) {
        nfvs_fatal(0, "%s", msg);
    }
    bridge_rpc_register(server, bs);
    flow_rpc = flow_rpc_register(server, base, bs);
    dp_rpc_register(server, bs);
    ct_rpc_register(server, bs);
    txn_rpc_register(server, bs);
    return bs;
}

/* Returns true if 'msg' is a JSON-RPC 2.0 response: "jsonrpc":"2.0", an
 * "id", and exactly one of "result" and "error", the latter with an
 * integer "code" and a string "message". */
static bool
is_response(const json_t *msg)
{
    const json_t *error = json_object_get(msg, "error");
    const char *version;

    version = json_string_value(json_object_get(msg, "jsonrpc"));
    return (json_is_object(msg)
            && version && !strcmp(version, "2.0")
            && json_object_get(msg, "id")
            && !json_object_get(msg, "result") == !!error
            && (!error
                || (json_is_integer(json_object_get(error, "code"))
                    && json_is_string(json_object_get(error, "message")))));
}

/* Checks the complete lines at the start of 'in', removes them, and
 * returns true if one was the answer to our last request. */
static bool
take_responses(struct ds *in)
{
    bool done = false;
    char *line, *nl;

    ds_cstr(in);
    line = in->string;
    while ((nl = strchr(line, '\n'))) {
        json_error_t error;
        json_t *msg, *member;
        bool ok;
        size_t i;

        msg = json_loadb(line, nl - line, 0, &error);
        ok = msg && (json_is_object(msg) || json_array_size(msg));
        if (json_is_object(msg)) {
            const char *id = json_string_value(json_object_get(msg, "id"));

            done |= id && !strcmp(id, END_ID);
            ok = is_response(msg);
        } else if (ok) {
            json_array_foreach (msg, i, member) {
                ok = ok && is_response(member);
            }
        }
        if (!ok) {
            fprintf(stderr, "not a JSON-RPC response or batch of them: "
                    "%.*s\n", (int) (nl - line), line);
            abort();
        }
        json_decref(msg);
        line = nl + 1;
    }
    if (line != in->string) {
        size_t used = line - in->string;

        memmove(in->string, line, in->length - used);
        ds_truncate(in, in->length - used);
    }
    return done;
}

static void
noop_cb(evutil_socket_t fd, short events, void *aux)
{
}

static int
fuzz_rpc_one(const uint8_t *data, size_t size)
{
    static const char end[] = "\n{\"jsonrpc\":\"2.0\",\"id\":\"" END_ID_JSON
        "\",\"method\":\"version\"}\n";
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ds in = DS_EMPTY_INITIALIZER;
    struct event *rev, *wev;
    struct bridge_set *bs;
    size_t written = 0, chunk = SIZE_MAX;
    bool done = false, closed = false, half_close = false;

    if (!base) {
        setup();
    }
    vlog_set_level(NULL, -1, VLL_OFF);
    bs = bridges_create();
    if (client_fd < 0) {
        client_connect();
    }

    if (size && data[0] >= 1 && data[0] <= 7) {
        chunk = (size_t) 1 << (data[0] - 1);
        data++, size--;
    } else if (size && data[0] == 8) {
        half_close = true;
        data++, size--;
    }
    ds_put_buffer(&out, (const char *) data, size);
    if (!half_close) {
        ds_put_cstr(&out, end);
    }

    rev = event_new(base, client_fd, EV_READ | EV_PERSIST, noop_cb, NULL);
    wev = event_new(base, client_fd, EV_WRITE | EV_PERSIST, noop_cb, NULL);
    event_add(rev, NULL);
    event_add(wev, NULL);
    while (!done) {
        char buf[4096];
        ssize_t n;

        if (written < out.length) {
            n = write(client_fd, out.string + written,
                      MIN(chunk, out.length - written));
            if (n > 0) {
                written += n;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                /* The server closed the connection (EPIPE, ECONNRESET):
                 * read what it answered before. */
                written = out.length;
            }
            if (written == out.length) {
                event_del(wev);
                if (half_close) {
                    shutdown(client_fd, SHUT_WR);
                }
            }
        } else if (!out.length && half_close) {
            shutdown(client_fd, SHUT_WR);
            half_close = false;
        }

        n = read(client_fd, buf, sizeof buf);
        if (n > 0) {
            ds_put_buffer(&in, buf, n);
            done = take_responses(&in);
            continue;
        } else if (!n || (errno != EAGAIN && errno != EINTR)) {
            closed = done = true;
            break;
        }
        event_base_loop(base, EVLOOP_ONCE);
    }
    event_free(rev);
    event_free(wev);

    if (closed) {
        close(client_fd);
        client_fd = -1;
        /* The server has freed its side once we read EOF. */
        event_base_loop(base, EVLOOP_NONBLOCK);
        if (rpc_server_n_connections(server)) {
            fprintf(stderr, "closed connection still counted\n");
            abort();
        }
    }

    flow_rpc_destroy(flow_rpc);
    flow_rpc = NULL;
    bridge_set_close(bs);
    ds_destroy(&in);
    ds_destroy(&out);
    return 0;
}

FUZZ_TARGET("rpc", fuzz_rpc_one);
