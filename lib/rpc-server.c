#include <config.h>
#include "rpc-server.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include "dynamic-string.h"
#include "hash.h"
#include "hmap.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "list.h"
#include "rpc-parse.h"
#include "stream.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(rpc_server);

/* Once a connection has this much unsent output, it is no longer read
 * from (nor are its buffered requests served) until the output drains
 * below RPC_OUTPUT_LOW_WATER.  This bounds what a peer that sends but
 * never reads can make us hold, to about one response above the mark. */
#define RPC_OUTPUT_HIGH_WATER (4u * 1024 * 1024)
#define RPC_OUTPUT_LOW_WATER (1u * 1024 * 1024)

/* Bytes read from a socket at a time: large messages arrive in fewer
 * callbacks than with libevent's 16 kB default. */
#define RPC_MAX_SINGLE_READ (256 * 1024)

/* How long a connection being closed may take to flush its last
 * response to a peer that does not read it. */
#define RPC_CLOSE_TIMEOUT_SEC 10

/* Most bytes of a name from a request that an error quotes. */
#define RPC_QUOTE_MAX 64

/* How long a listener rests after accept() fails for lack of resources
 * (EMFILE...), instead of spinning on a socket it cannot accept from. */
#define RPC_ACCEPT_RETRY_MSEC 100

/* Requests of one batch run per turn of the event loop, so that a huge
 * batch does not keep every other client waiting. */
#define RPC_BATCH_SLICE 1000

/* Messages this long or longer are parsed off the event loop (about 10 ms
 * of parsing), their connection waiting meanwhile (lib/rpc-parse.h). */
#define RPC_PARSE_AWAY_MIN (256 * 1024)
#define RPC_PARSE_FLAGS (JSON_DECODE_ANY | JSON_REJECT_DUPLICATES)

/* Notifications (rpc_server_notify()) are only added to a connection's
 * output while it holds less than this: a subscriber that does not read
 * keeps its events in its own bounded queue, not in our output buffer. */
#define RPC_PUSH_WATER (64u * 1024)

/* The answer to one request, queued on its connection until it may be
 * sent: its handler has answered (see rpc_server_defer()) and what the
 * server's seqno function counted up to when it did is durable. */
struct rpc_answer {
    struct nfvs_list node;          /* In rpc_conn's 'answers'. */
    struct rpc_conn *conn;          /* NULL: connection gone. */
    json_t *id;                     /* Request's id; NULL: notification. */
    json_t *response;               /* Response, or NULL if none yet. */
    char *method;                   /* Method name (deferred calls). */
    bool deferred;                  /* Handler has not answered yet. */
    bool batch_end;                 /* Marks the end of a batch. */
    int batch;                      /* 0: not in a batch; else members of
                                     * one batch share a number. */
    uint64_t before, after;         /* Seqnos around the handler's run. */
};

struct rpc_method {
    struct hmap_node node;          /* In rpc_server's 'methods'. */
    char *name;                     /* "noun.verb". */
    rpc_handler_func *handler;      /* Called for each request. */
    void *aux;                      /* Passed to 'handler'. */
    uint64_t n_requests;            /* Requests and notifications run. */
};

struct rpc_listener {
    struct nfvs_list node;          /* In rpc_server's 'listeners'. */
    struct rpc_server *server;      /* Owner. */
    struct pstream *pstream;        /* The listening socket. */
    struct evconnlistener *evl;     /* Accepts on 'pstream''s fd. */
    struct event *retry;            /* Re-enables 'evl' after an error. */
    size_t n_conns;                 /* Ready connections accepted here. */
};

struct rpc_conn {
    struct nfvs_list node;          /* In rpc_server's 'conns'. */
    struct rpc_server *server;      /* Owner. */
    struct rpc_listener *listener;  /* Accepted there. */
    struct bufferevent *bev;        /* The connection. */
    size_t max_size;                /* Largest message, in bytes. */
    size_t scanned;                 /* Input bytes known to hold no '\n'. */
    size_t n_input;                 /* Input bytes counted in the server's
                                     * 'n_input'. */
    bool timed;                     /* Partial-message timeout armed? */
    bool paused;                    /* Not reading: output too large. */
    struct rpc_parse_job *parsing;  /* Not reading: a message is being
                                     * parsed away from the loop. */
    bool eof;                       /* Peer sent its last byte. */
    bool closing;                   /* Flushing output, then destroyed. */
    char *refusal;                  /* Non-null: the peer is not allowed;
                                     * its first message gets this error,
                                     * then the connection closes. */
    struct nfvs_list answers;       /* "struct rpc_answer"s, in order. */
    json_t *batch;                  /* Batch being run, or NULL. */
    size_t batch_index;             /* Next member of 'batch' to run. */
    int batch_id;                   /* Number of the last batch. */
    struct event *resume;           /* Runs more of 'batch'. */

    /* Server push (rpc_conn_set_push()). */
    rpc_conn_func *push_writable;   /* Room for notifications again. */
    rpc_conn_func *push_closed;     /* Connection being destroyed. */
    void *push_aux;                 /* For both. */
    bool push_blocked;              /* rpc_server_notify() said ENOBUFS
                                     * since 'push_writable' last ran. */
};

struct rpc_server {
    struct event_base *base;        /* Runs everything. */
    struct hmap methods;            /* Contains "struct rpc_method"s. */
    struct nfvs_list listeners;     /* Contains "struct rpc_listener"s. */
    struct nfvs_list conns;         /* Contains "struct rpc_conn"s. */
    size_t n_conns;                 /* Length of 'conns'. */
    struct rpc_limits limits;       /* What peers may make us hold. */
    size_t n_input;                 /* Input bytes of all connections. */
    int fd_limit;                   /* RLIMIT_NOFILE soft limit. */
    int spare_fd;                   /* Closed to accept-and-close when
                                     * out of descriptors, or -1. */
    rpc_seqno_func *seqno_cb;       /* NULL: answers are durable at once. */
    void *seqno_aux;
    uint64_t durable;               /* Seqnos done (durable or failed). */
    struct rpc_parser *parser;      /* For long messages, or NULL. */
};

/* While a handler runs: its answer, for rpc_server_defer(), and its
 * connection, for rpc_server_current_conn(). */
static struct rpc_answer *current_answer;
static struct rpc_conn *current_conn;
static bool current_deferred;       /* rpc_server_defer() was called. */

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

void
rpc_limits_init(struct rpc_limits *limits)
{
    limits->max_message_size = RPC_MAX_MESSAGE_SIZE_DEFAULT;
    limits->max_values = RPC_MAX_VALUES_DEFAULT;
    limits->max_depth = RPC_MAX_DEPTH_DEFAULT;
    limits->max_batch = RPC_MAX_BATCH_DEFAULT;
    limits->max_answer_size = RPC_MAX_ANSWER_SIZE_DEFAULT;
    limits->max_input = RPC_MAX_INPUT_DEFAULT;
    limits->max_connections = RPC_MAX_CONNECTIONS_DEFAULT;
    limits->partial_timeout = RPC_PARTIAL_TIMEOUT_DEFAULT;
}

static void rpc_conn_process(struct rpc_conn *);
static bool rpc_conn_flush(struct rpc_conn *);
static void rpc_conn_send(struct rpc_conn *, json_t *msg);
static void rpc_conn_schedule(struct rpc_conn *);
static void rpc_conn_push_ready__(struct rpc_conn *);

/* Returns the soft limit on descriptors of this process, as an int. */
static int
rpc_fd_limit__(void)
{
    struct rlimit rlim;

    if (getrlimit(RLIMIT_NOFILE, &rlim) || rlim.rlim_cur == RLIM_INFINITY
        || rlim.rlim_cur > INT_MAX) {
        return INT_MAX;
    }
    return rlim.rlim_cur;
}

struct rpc_server *
rpc_server_create(struct event_base *base)
{
    struct rpc_server *server = xzalloc(sizeof *server);

    signal(SIGPIPE, SIG_IGN);
    server->base = base;
    hmap_init(&server->methods);
    nfvs_list_init(&server->listeners);
    nfvs_list_init(&server->conns);
    rpc_limits_init(&server->limits);
    server->fd_limit = rpc_fd_limit__();
    server->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return server;
}

static void
rpc_answer_free(struct rpc_answer *answer)
{
    json_decref(answer->id);
    json_decref(answer->response);
    free(answer->method);
    free(answer);
}

static void
rpc_conn_destroy(struct rpc_conn *conn)
{
    struct rpc_answer *answer, *next;

    if (conn->push_closed) {
        rpc_conn_func *closed = conn->push_closed;

        conn->push_writable = conn->push_closed = NULL;
        closed(conn, conn->push_aux);
    }
    NFVS_LIST_FOR_EACH_SAFE (answer, next, node, &conn->answers) {
        nfvs_list_remove(&answer->node);
        if (answer->deferred) {
            /* Its handler still holds it; freed when it answers. */
            answer->conn = NULL;
        } else {
            rpc_answer_free(answer);
        }
    }
    if (conn->parsing) {
        rpc_parse_cancel(conn->parsing);
    }
    json_decref(conn->batch);
    event_free(conn->resume);
    nfvs_list_remove(&conn->node);
    conn->server->n_conns--;
    conn->server->n_input -= conn->n_input;
    conn->listener->n_conns--;
    bufferevent_free(conn->bev);
    free(conn->refusal);
    free(conn);
}

static void
rpc_listener_destroy(struct rpc_listener *listener)
{
    nfvs_list_remove(&listener->node);
    evconnlistener_free(listener->evl);
    event_free(listener->retry);
    pstream_close(listener->pstream);
    free(listener);
}

void
rpc_server_destroy(struct rpc_server *server)
{
    struct rpc_listener *listener, *next_listener;
    struct rpc_conn *conn, *next_conn;
    struct rpc_method *method;

    if (!server) {
        return;
    }

    NFVS_LIST_FOR_EACH_SAFE (conn, next_conn, node, &server->conns) {
        rpc_conn_destroy(conn);
    }
    NFVS_LIST_FOR_EACH_SAFE (listener, next_listener, node,
                             &server->listeners) {
        rpc_listener_destroy(listener);
    }
    rpc_parser_destroy(server->parser);
    HMAP_FOR_EACH_POP (method, node, &server->methods) {
        free(method->name);
        free(method);
    }
    hmap_destroy(&server->methods);
    if (server->spare_fd >= 0) {
        close(server->spare_fd);
    }
    free(server);
}

void
rpc_server_register(struct rpc_server *server, const char *name,
                    rpc_handler_func *handler, void *aux)
{
    uint32_t hash = hash_string(name, 0);
    struct rpc_method *method;

    HMAP_FOR_EACH_WITH_HASH (method, node, hash, &server->methods) {
        if (!strcmp(method->name, name)) {
            method->handler = handler;
            method->aux = aux;
            return;
        }
    }

    method = xzalloc(sizeof *method);
    method->name = xstrdup(name);
    method->handler = handler;
    method->aux = aux;
    hmap_insert(&server->methods, &method->node, hash);
}

static int
compare_method_counts(const void *a_, const void *b_)
{
    const struct rpc_method_count *a = a_;
    const struct rpc_method_count *b = b_;

    return strcmp(a->name, b->name);
}

size_t
rpc_server_get_request_counts(const struct rpc_server *server,
                              struct rpc_method_count **countsp)
{
    const struct rpc_method *method;
    struct rpc_method_count *counts;
    size_t n = 0;

    counts = xmalloc((hmap_count(&server->methods) + 1) * sizeof *counts);
    HMAP_FOR_EACH (method, node, &server->methods) {
        counts[n].name = method->name;
        counts[n].n_requests = method->n_requests;
        n++;
    }
    qsort(counts, n, sizeof *counts, compare_method_counts);
    *countsp = counts;
    return n;
}

static int
compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;

    return strcmp(*a, *b);
}

json_t *
rpc_server_methods_to_json(const struct rpc_server *server)
{
    const struct rpc_method *method;
    const char **names;
    json_t *list;
    size_t i, n;

    names = xmalloc((hmap_count(&server->methods) + 1) * sizeof *names);
    n = 0;
    HMAP_FOR_EACH (method, node, &server->methods) {
        names[n++] = method->name;
    }
    qsort(names, n, sizeof *names, compare_strings);
    list = json_array();
    for (i = 0; i < n; i++) {
        json_array_append_new(list, json_string(names[i]));
    }
    free(names);
    return list;
}

static struct rpc_method *
rpc_server_find_method(const struct rpc_server *server, const char *name)
{
    struct rpc_method *method;

    HMAP_FOR_EACH_WITH_HASH (method, node, hash_string(name, 0),
                             &server->methods) {
        if (!strcmp(method->name, name)) {
            return method;
        }
    }
    return NULL;
}

bool
rpc_server_get_method(const struct rpc_server *server, const char *name,
                      rpc_handler_func **handlerp, void **auxp)
{
    const struct rpc_method *method = rpc_server_find_method(server, name);

    if (!method) {
        return false;
    }
    *handlerp = method->handler;
    *auxp = method->aux;
    return true;
}

const struct rpc_limits *
rpc_server_get_limits(const struct rpc_server *server)
{
    return &server->limits;
}

void
rpc_server_set_max_message_size(struct rpc_server *server, size_t size)
{
    server->limits.max_message_size = size;
}

void
rpc_server_set_limits(struct rpc_server *server,
                      const struct rpc_limits *limits)
{
    server->limits = *limits;
}

size_t
rpc_server_n_connections(const struct rpc_server *server)
{
    return server->n_conns;
}

size_t
rpc_server_n_input(const struct rpc_server *server)
{
    return server->n_input;
}

/* Handling one request. */

static json_t *
invalid_request__(json_t *id, const char *format, ...)
    NFVS_PRINTF_FORMAT(2, 3);

static json_t *
invalid_request__(json_t *id, const char *format, ...)
{
    va_list args;
    char *message;
    json_t *error;

    va_start(args, format);
    message = xvasprintf(format, args);
    va_end(args);

    error = rpc_error_create(RPC_INVALID_REQUEST, "invalid request: %s",
                             message);
    free(message);
    return rpc_error_response_create(id, error);
}

/* Checks that 'request' is a well-formed request.  Returns NULL if so,
 * otherwise the error response to send. */
static json_t *
rpc_check_request__(json_t *request)
{
    json_t *id, *version, *method, *params, *value;
    const char *key;

    if (!json_is_object(request)) {
        return invalid_request__(NULL, "expected an object, got %s",
                                 json_type_name(request));
    }

    id = json_object_get(request, "id");
    if (id && !json_is_string(id) && !json_is_integer(id)
        && !json_is_null(id)) {
        return invalid_request__(NULL, "\"id\" must be a string, an "
                                 "integer or null, not %s",
                                 json_type_name(id));
    }

    version = json_object_get(request, "jsonrpc");
    if (!version) {
        return invalid_request__(id, "missing \"jsonrpc\":\"2.0\"");
    }
    if (!json_is_string(version) || strcmp(json_string_value(version),
                                           "2.0")) {
        return invalid_request__(id, "\"jsonrpc\" must be \"2.0\"");
    }

    method = json_object_get(request, "method");
    if (!method) {
        return invalid_request__(id, "missing \"method\"");
    }
    if (!json_is_string(method)) {
        return invalid_request__(id, "\"method\" must be a string, not %s",
                                 json_type_name(method));
    }

    params = json_object_get(request, "params");
    if (params && !json_is_object(params) && !json_is_array(params)) {
        return invalid_request__(id, "\"params\" must be an object or an "
                                 "array, not %s", json_type_name(params));
    }

    json_object_foreach (request, key, value) {
        if (strcmp(key, "jsonrpc") && strcmp(key, "id")
            && strcmp(key, "method") && strcmp(key, "params")) {
            return invalid_request__(id, "unknown member \"%.*s\"",
                                     RPC_QUOTE_MAX, key);
        }
    }
    return NULL;
}

static uint64_t
rpc_server_seqno__(const struct rpc_server *server)
{
    return server->seqno_cb ? server->seqno_cb(server->seqno_aux) : 0;
}

/* Runs 'request' (any JSON value) and returns the response to send, or
 * NULL for none.  Stores in '*deferredp' whether the handler deferred
 * its answer (see rpc_server_defer()); 'answer' is then its handle. */
static json_t *
rpc_server_handle_request(struct rpc_server *server, json_t *request,
                          struct rpc_answer *answer, bool *deferredp)
{
    struct rpc_method *method;
    json_t *id, *result, *error;
    const char *name;

    *deferredp = false;
    error = rpc_check_request__(request);
    if (error) {
        return error;
    }

    id = json_object_get(request, "id");
    name = json_string_value(json_object_get(request, "method"));
    method = rpc_server_find_method(server, name);
    if (!method) {
        return (id
                ? rpc_error_response_create(
                    id, rpc_error_create(RPC_METHOD_NOT_FOUND,
                                         "unknown method \"%.*s\"",
                                         RPC_QUOTE_MAX, name))
                : NULL);
    }

    method->n_requests++;
    error = NULL;
    current_answer = answer;
    current_conn = answer->conn;
    current_deferred = false;
    result = method->handler(json_object_get(request, "params"), &error,
                             method->aux);
    current_answer = NULL;
    current_conn = NULL;
    if (current_deferred) {
        json_decref(result);
        json_decref(error);
        answer->method = xstrdup(name);
        *deferredp = true;
        return NULL;
    }
    if (!id) {
        json_decref(result);
        json_decref(error);
        return NULL;
    }
    if (result) {
        json_decref(error);
        return rpc_response_create(id, result);
    }
    if (!error) {
        error = rpc_error_create(RPC_INTERNAL_ERROR,
                                 "method \"%s\" returned neither a result "
                                 "nor an error", name);
    }
    return rpc_error_response_create(id, error);
}

/* Runs 'request' on 'conn' and queues its answer, as a member of batch
 * number 'batch' (0: none). */
static void
rpc_conn_run_request(struct rpc_conn *conn, json_t *request, int batch)
{
    struct rpc_server *server = conn->server;
    struct rpc_answer *answer = xzalloc(sizeof *answer);
    json_t *id = json_object_get(request, "id");
    bool deferred;

    answer->conn = conn;
    answer->batch = batch;
    answer->before = rpc_server_seqno__(server);
    answer->deferred = true;        /* Not ready while its handler runs. */
    nfvs_list_push_back(&conn->answers, &answer->node);
    answer->response = rpc_server_handle_request(server, request, answer,
                                                 &deferred);
    answer->deferred = deferred;
    answer->after = rpc_server_seqno__(server);
    if (json_is_object(request) && id && (json_is_string(id)
                                          || json_is_integer(id)
                                          || json_is_null(id))) {
        answer->id = json_incref(id);
    }
}

/* Queues the end marker of batch 'batch' on 'conn'. */
static void
rpc_conn_end_batch(struct rpc_conn *conn, int batch)
{
    struct rpc_answer *answer = xzalloc(sizeof *answer);

    answer->conn = conn;
    answer->batch = batch;
    answer->batch_end = true;
    nfvs_list_push_back(&conn->answers, &answer->node);
}

static bool
rpc_answer_is_ready(const struct rpc_server *server,
                    const struct rpc_answer *answer)
{
    return !answer->deferred && answer->after <= server->durable;
}

/* Makes 'conn' send what became ready and serve what it has buffered
 * from the event loop, soon: not from the caller's stack, which may be a
 * handler in the middle of a message of 'conn'. */
static void
rpc_conn_schedule(struct rpc_conn *conn)
{
    static const struct timeval zero = { 0, 0 };

    event_add(conn->resume, &zero);
}

/* Sends the answers at the head of 'conn''s queue that are ready.  Returns
 * false if 'conn' was destroyed (it was closing and is done). */
static bool
rpc_conn_flush(struct rpc_conn *conn)
{
    struct rpc_server *server = conn->server;

    while (!nfvs_list_is_empty(&conn->answers)) {
        struct rpc_answer *head = CONTAINER_OF(conn->answers.next,
                                               struct rpc_answer, node);

        if (!head->batch) {
            if (!rpc_answer_is_ready(server, head)) {
                return true;
            }
            nfvs_list_remove(&head->node);
            if (head->response) {
                rpc_conn_send(conn, json_incref(head->response));
            }
            rpc_answer_free(head);
        } else {
            struct rpc_answer *a, *next;
            json_t *responses;

            /* A batch goes out whole, once all of it has run and is
             * ready. */
            if (conn->batch && head->batch == conn->batch_id) {
                return true;
            }
            NFVS_LIST_FOR_EACH (a, node, &conn->answers) {
                if (a->batch_end) {
                    break;
                }
                if (!rpc_answer_is_ready(server, a)) {
                    return true;
                }
            }
            if (&a->node == &conn->answers) {
                return true;    /* Still running. */
            }
            responses = json_array();
            NFVS_LIST_FOR_EACH_SAFE (a, next, node, &conn->answers) {
                bool end = a->batch_end;

                nfvs_list_remove(&a->node);
                if (a->response) {
                    json_array_append(responses, a->response);
                }
                rpc_answer_free(a);
                if (end) {
                    break;
                }
            }
            if (json_array_size(responses)) {
                rpc_conn_send(conn, responses);
            } else {
                json_decref(responses);
            }
        }
    }
    if (conn->closing
        && !evbuffer_get_length(bufferevent_get_output(conn->bev))) {
        rpc_conn_destroy(conn);
        return false;
    }
    rpc_conn_push_ready__(conn);
    return true;
}

void
rpc_server_set_seqno_func(struct rpc_server *server, rpc_seqno_func *cb,
                          void *aux)
{
    server->seqno_cb = cb;
    server->seqno_aux = aux;
    server->durable = cb ? cb(aux) : 0;
}

void
rpc_server_commit_done(struct rpc_server *server, uint64_t seqno,
                       int error)
{
    struct rpc_conn *conn;

    if (seqno <= server->durable) {
        return;
    }
    NFVS_LIST_FOR_EACH (conn, node, &server->conns) {
        struct rpc_answer *a;

        if (error) {
            NFVS_LIST_FOR_EACH (a, node, &conn->answers) {
                /* A change whose record is in the failed range. */
                if (!a->deferred && a->id && a->after > a->before
                    && a->after > server->durable && a->before < seqno) {
                    json_decref(a->response);
                    a->response = rpc_error_response_create(
                        a->id, rpc_error_create(
                            RPC_ERR_IO, "the change was applied but "
                            "writing it to the config db failed: %s",
                            nfvs_strerror(error)));
                }
            }
        }
    }
    server->durable = seqno;
    NFVS_LIST_FOR_EACH (conn, node, &server->conns) {
        rpc_conn_schedule(conn);
    }
}

struct rpc_call *
rpc_server_defer(void)
{
    assert(current_answer);
    current_deferred = true;
    return (struct rpc_call *) current_answer;
}

void
rpc_call_complete(struct rpc_call *call, json_t *result, json_t *error)
{
    struct rpc_answer *answer = (struct rpc_answer *) call;
    struct rpc_conn *conn = answer->conn;

    if (!conn) {
        json_decref(result);
        json_decref(error);
        rpc_answer_free(answer);
        return;
    }
    answer->deferred = false;
    answer->after = rpc_server_seqno__(conn->server);
    if (!answer->id) {
        json_decref(result);
        json_decref(error);
    } else if (result) {
        json_decref(error);
        answer->response = rpc_response_create(answer->id, result);
    } else {
        answer->response = rpc_error_response_create(
            answer->id, error ? error : rpc_error_create(
                RPC_INTERNAL_ERROR, "method \"%s\" returned neither a "
                "result nor an error", answer->method));
    }
    rpc_conn_schedule(conn);
}

/* Connections. */

static void
free_reference__(const void *data, size_t size, void *aux)
{
    free((void *) data);
}

/* Queues 'msg' for sending on 'conn'.  Takes ownership of 'msg'. */
static void
rpc_conn_send(struct rpc_conn *conn, json_t *msg)
{
    struct evbuffer *output = bufferevent_get_output(conn->bev);
    size_t size;
    char *s;

    s = rpc_encode_answer(msg, conn->server->limits.max_answer_size,
                          &size);
    json_decref(msg);
    if (!s) {
        msg = rpc_error_response_create(
            NULL, rpc_error_create(RPC_INTERNAL_ERROR,
                                   "response cannot be encoded"));
        s = rpc_encode(msg, &size);
        json_decref(msg);
    }
    if (evbuffer_add_reference(output, s, size, free_reference__, NULL)) {
        free(s);
    }
}

/* Stops reading from 'conn' and arranges for it to be destroyed once its
 * output is flushed, or after RPC_CLOSE_TIMEOUT_SEC.  Returns true if it
 * was destroyed at once, in which case the caller must not touch it. */
static bool
rpc_conn_start_close(struct rpc_conn *conn)
{
    struct timeval tv = { .tv_sec = RPC_CLOSE_TIMEOUT_SEC };

    if (!evbuffer_get_length(bufferevent_get_output(conn->bev))
        && nfvs_list_is_empty(&conn->answers)) {
        rpc_conn_destroy(conn);
        return true;
    }
    conn->closing = true;
    bufferevent_disable(conn->bev, EV_READ);
    bufferevent_setwatermark(conn->bev, EV_WRITE, 0, 0);
    bufferevent_set_timeouts(conn->bev, NULL, &tv);
    return false;
}

/* Queues 'response' (consumed) to be sent after the answers before it. */
static void
rpc_conn_queue(struct rpc_conn *conn, json_t *response)
{
    struct rpc_answer *answer = xzalloc(sizeof *answer);

    answer->conn = conn;
    answer->response = response;
    nfvs_list_push_back(&conn->answers, &answer->node);
}

/* Sends an error with id null on 'conn' and closes it.  Returns as
 * rpc_conn_start_close(). */
static bool
rpc_conn_fail(struct rpc_conn *conn, json_t *error)
{
    rpc_conn_queue(conn, rpc_error_response_create(NULL, error));
    if (!rpc_conn_flush(conn)) {
        return true;
    }
    return rpc_conn_start_close(conn);
}

static bool
is_blank__(const char *data, size_t size)
{
    size_t i;

    for (i = 0; i < size; i++) {
        if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r') {
            return false;
        }
    }
    return true;
}

/* Checks the message in the 'size' bytes at 'data' against the limits on
 * values, depth and batch entries.  Returns false if it is within them;
 * otherwise sends the error and returns true. */
static bool
rpc_conn_check_limits__(struct rpc_conn *conn, const char *data,
                        size_t size)
{
    const struct rpc_limits *limits = &conn->server->limits;
    char *msg;

    msg = rpc_check_limits(data, size, limits->max_values,
                           limits->max_depth, limits->max_batch);
    if (!msg) {
        return false;
    }
    VLOG_WARN_RL(&rl, "%s: refused a message of %zu bytes: %s",
                 pstream_get_name(conn->listener->pstream), size, msg);
    rpc_conn_queue(conn, rpc_error_response_create(
                       NULL, rpc_error_create(RPC_INVALID_REQUEST, "%s",
                                              msg)));
    free(msg);
    return true;
}

/* Appends to 's' up to 'max' bytes of 'data' before offset 'end' (fewer
 * at the start of the message), in single quotes, with bytes outside
 * printable ASCII as \xHH. */
static void
quote_bytes_before(struct ds *s, const char *data, size_t end, size_t max)
{
    size_t start = end > max ? end - max : 0;
    size_t i;

    ds_put_format(s, "%s'", start ? "..." : "");
    for (i = start; i < end; i++) {
        unsigned char c = data[i];

        if (c >= 0x20 && c < 0x7f) {
            ds_put_char(s, c);
        } else {
            ds_put_format(s, "\\x%02x", c);
        }
    }
    ds_put_char(s, '\'');
}

/* Returns why the 'size' bytes at 'data' are not JSON, as jansson's
 * 'error' tells it, in our words (the caller adds the position, and
 * frees the string). */
static char *
parse_error_describe(const json_error_t *error, const char *data,
                     size_t size)
{
    size_t pos = error->position < 0 ? 0 : (size_t) error->position;
    struct ds s = DS_EMPTY_INITIALIZER;

    pos = pos < size ? pos : size;

    switch (json_error_code(error)) {
    case json_error_premature_end_of_input:
        ds_put_cstr(&s, "the message ends inside a JSON value");
        break;
    case json_error_end_of_input_expected:
        ds_put_cstr(&s, "more after the end of the JSON value");
        break;
    case json_error_invalid_utf8:
        ds_put_cstr(&s, "not UTF-8");
        if (pos < size) {
            ds_put_format(&s, " (byte 0x%02x)", (unsigned char) data[pos]);
        }
        break;
    case json_error_null_character:
    case json_error_null_byte_in_key:
        ds_put_cstr(&s, "a string contains \\u0000");
        break;
    case json_error_numeric_overflow:
        ds_put_cstr(&s, "a number too large");
        break;
    case json_error_out_of_memory:
        ds_put_cstr(&s, "out of memory");
        break;
    default:
        ds_put_cstr(&s, "not JSON");
        break;
    }
    if (pos) {
        ds_put_cstr(&s, ", after ");
        quote_bytes_before(&s, data, pos, 16);
    }
    return ds_steal_cstr(&s);
}

static bool rpc_conn_handle_json(struct rpc_conn *, const char *data,
                                 size_t size, json_t *msg,
                                 const json_error_t *);
static void rpc_conn_parsed(void *conn, const char *data, size_t size,
                            json_t *msg, const json_error_t *);

/* Handles the message in the 'size' bytes at 'data'.  Returns false if
 * the message was not JSON, in which case it has already sent the error;
 * the caller must then close the connection.  A long message goes to be
 * parsed away from the event loop (copied): 'conn->parsing' is set, and
 * the connection reads and serves nothing more until it is handled. */
static bool
rpc_conn_handle_message(struct rpc_conn *conn, const char *data,
                        size_t size)
{
    json_error_t error;
    json_t *msg;

    if (is_blank__(data, size)) {
        return true;
    }
    if (conn->refusal) {
        rpc_conn_queue(conn, rpc_error_response_create(
                           NULL, rpc_error_create(RPC_ERR_ACCESS, "%s",
                                                  conn->refusal)));
        return false;
    }

    if (rpc_conn_check_limits__(conn, data, size)) {
        return true;
    }
    if (size >= RPC_PARSE_AWAY_MIN) {
        struct rpc_server *server = conn->server;

        if (!server->parser) {
            server->parser = rpc_parser_create(server->base);
        }
        conn->parsing = rpc_parser_submit(server->parser,
                                          xmemdup(data, size), size,
                                          RPC_PARSE_FLAGS, rpc_conn_parsed,
                                          conn);
        bufferevent_disable(conn->bev, EV_READ);
        return true;
    }
    msg = json_loadb(data, size, RPC_PARSE_FLAGS, &error);
    return rpc_conn_handle_json(conn, data, size, msg, &error);
}

/* A long message of 'conn' was parsed: handles it as
 * rpc_conn_handle_message() would have, then goes on serving 'conn'. */
static void
rpc_conn_parsed(void *conn_, const char *data, size_t size, json_t *msg,
                const json_error_t *error)
{
    struct rpc_conn *conn = conn_;
    bool ok;

    conn->parsing = NULL;
    ok = rpc_conn_handle_json(conn, data, size, msg, error);
    if (!rpc_conn_flush(conn)) {
        return;
    }
    if (!ok) {
        rpc_conn_start_close(conn);
        return;
    }
    if (!conn->paused && !conn->eof) {
        bufferevent_enable(conn->bev, EV_READ);
    }
    rpc_conn_process(conn);
}

/* Handles 'msg' (consumed), parsed from the 'size' bytes at 'data', or if
 * it is NULL the parse error in '*error'.  Returns as
 * rpc_conn_handle_message(). */
static bool
rpc_conn_handle_json(struct rpc_conn *conn, const char *data, size_t size,
                     json_t *msg, const json_error_t *error_)
{
    json_error_t error = *error_;

    if (!msg && json_error_code(&error) == json_error_duplicate_key
        && error.position >= 2 && (size_t) error.position <= size
        && data[error.position - 1] == '"') {
        /* A key repeated in an object, at any depth: refused rather than
         * letting the last one win.  jansson stops just after the key;
         * find its opening quote, one not escaped by a backslash, and
         * name the key as written (cut short, at a character boundary,
         * if it is long). */
        int end = error.position, start, len, n_bs;

        for (start = end - 2; start > 0; start--) {
            if (data[start] == '"') {
                for (n_bs = 0; start - n_bs > 0
                               && data[start - n_bs - 1] == '\\'; n_bs++) {
                    continue;
                }
                if (n_bs % 2 == 0) {
                    break;
                }
            }
        }
        len = end - start;
        if (len > 64) {
            for (len = 60; (data[start + len] & 0xc0) == 0x80; len--) {
                continue;
            }
        }
        rpc_conn_queue(conn, rpc_error_response_create(
                          NULL, rpc_error_create(RPC_PARSE_ERROR,
                                                 "parse error at byte %d: "
                                                 "key %.*s%s given twice in "
                                                 "one object", end, len,
                                                 data + start,
                                                 len < end - start
                                                 ? "..." : "")));
        return false;
    } else if (!msg) {
        char *why = parse_error_describe(&error, data, size);

        rpc_conn_queue(conn, rpc_error_response_create(
                          NULL, rpc_error_create(RPC_PARSE_ERROR,
                                                 "parse error at byte %d: "
                                                 "%s", error.position,
                                                 why)));
        free(why);
        return false;
    }

    if (!json_is_array(msg)) {
        rpc_conn_run_request(conn, msg, 0);
        json_decref(msg);
    } else if (!json_array_size(msg)) {
        rpc_conn_queue(conn, invalid_request__(NULL, "empty batch"));
        json_decref(msg);
    } else {
        /* Run by rpc_conn_run_batch(), a slice at a time. */
        conn->batch = msg;
        conn->batch_index = 0;
        conn->batch_id = conn->batch_id % INT_MAX + 1;
    }
    return true;
}

/* Brings the server's count of input bytes up to date with 'conn''s. */
static void
rpc_conn_count_input__(struct rpc_conn *conn)
{
    size_t n = evbuffer_get_length(bufferevent_get_input(conn->bev));

    conn->server->n_input += n - conn->n_input;
    conn->n_input = n;
}

/* Called when 'conn' holds an unfinished message and waits for the rest.
 * Closes 'conn' with an error if the unfinished messages of all
 * connections exceed their limit; otherwise makes sure that 'conn' is
 * closed if it sends nothing for the partial-message timeout.  'conn'
 * may be destroyed. */
static void
rpc_conn_wait_rest__(struct rpc_conn *conn)
{
    const struct rpc_limits *limits = &conn->server->limits;
    struct evbuffer *input = bufferevent_get_input(conn->bev);
    struct timeval tv = { .tv_sec = limits->partial_timeout };

    rpc_conn_count_input__(conn);
    if (conn->server->n_input > limits->max_input) {
        VLOG_WARN_RL(&rl, "%s: closing a connection with an unfinished "
                     "message of %zu bytes: unfinished messages of all "
                     "connections hold more than %zu bytes",
                     pstream_get_name(conn->listener->pstream),
                     evbuffer_get_length(input), limits->max_input);
        evbuffer_drain(input, evbuffer_get_length(input));
        rpc_conn_count_input__(conn);
        rpc_conn_fail(conn, rpc_error_create(
                          RPC_ERR_BUSY, "server busy: unfinished messages "
                          "of all clients hold more than %zu bytes (see "
                          "--max-buffered-input); try again later",
                          limits->max_input));
        return;
    }
    /* The read event persists, so libevent restarts its timeout at each
     * read: arming it once is enough. */
    if (!conn->timed) {
        bufferevent_set_timeouts(conn->bev, &tv, NULL);
        conn->timed = true;
    }
}

/* Runs up to RPC_BATCH_SLICE more members of 'conn''s batch.  Returns
 * true if the batch is done, false if more remains (then the rest runs
 * from 'conn->resume', after other events had their turn). */
static bool
rpc_conn_run_batch(struct rpc_conn *conn)
{
    size_t n = json_array_size(conn->batch);
    size_t end = NFVS_MIN(n, conn->batch_index + RPC_BATCH_SLICE);

    for (; conn->batch_index < end; conn->batch_index++) {
        rpc_conn_run_request(conn, json_array_get(conn->batch,
                                                  conn->batch_index),
                             conn->batch_id);
    }
    if (conn->batch_index < n) {
        /* A timer, not event_active(): an event made active now would
         * run in this same turn, before the sockets are polled again. */
        rpc_conn_schedule(conn);
        return false;
    }
    json_decref(conn->batch);
    conn->batch = NULL;
    rpc_conn_end_batch(conn, conn->batch_id);
    return rpc_conn_flush(conn);
}

static void
rpc_conn_resume_cb(evutil_socket_t fd NFVS_UNUSED, short events NFVS_UNUSED,
                   void *conn_)
{
    struct rpc_conn *conn = conn_;

    if (rpc_conn_flush(conn) && !conn->closing) {
        rpc_conn_process(conn);
    }
}

/* Serves the complete messages buffered on 'conn', until none is left,
 * its output is too large, or it is closed.  Call only as the last action
 * of a callback: 'conn' may be destroyed. */
static void
rpc_conn_process(struct rpc_conn *conn)
{
    struct evbuffer *input = bufferevent_get_input(conn->bev);
    struct evbuffer *output = bufferevent_get_output(conn->bev);

    while (!conn->closing && !conn->paused && !conn->parsing) {
        struct evbuffer_ptr start, eol;
        size_t length, eol_size;
        bool ok;

        if (evbuffer_get_length(output) >= RPC_OUTPUT_HIGH_WATER) {
            conn->paused = true;
            bufferevent_disable(conn->bev, EV_READ);
            rpc_conn_count_input__(conn);
            return;
        }
        if (conn->batch) {
            if (!rpc_conn_run_batch(conn)) {
                return;         /* More next turn (or destroyed). */
            }
            continue;
        }

        length = evbuffer_get_length(input);
        evbuffer_ptr_set(input, &start, conn->scanned, EVBUFFER_PTR_SET);
        eol = evbuffer_search_eol(input, &start, &eol_size,
                                  EVBUFFER_EOL_LF);
        if (eol.pos < 0) {
            conn->scanned = length;
            if (length > conn->max_size) {
                break;
            }
            if (!conn->eof) {
                if (length) {
                    rpc_conn_wait_rest__(conn);
                } else if (conn->timed && !conn->refusal) {
                    bufferevent_set_timeouts(conn->bev, NULL, NULL);
                    conn->timed = false;
                }
                return;
            }
            /* The peer is gone or half-closed: take the unterminated tail
             * as a last message, then close. */
            if (length) {
                ok = rpc_conn_handle_message(
                    conn, (char *) evbuffer_pullup(input, length), length);
                evbuffer_drain(input, length);
                conn->scanned = 0;
                if (!rpc_conn_flush(conn)) {
                    return;
                }
                if (ok) {
                    continue;   /* Runs a batch, then closes. */
                }
            }
            rpc_conn_count_input__(conn);
            rpc_conn_start_close(conn);
            return;
        }

        if (eol.pos > conn->max_size) {
            break;
        }
        ok = rpc_conn_handle_message(
            conn, (char *) evbuffer_pullup(input, eol.pos + eol_size),
            eol.pos);
        evbuffer_drain(input, eol.pos + eol_size);
        conn->scanned = 0;
        rpc_conn_count_input__(conn);
        if (!rpc_conn_flush(conn)) {
            return;
        }
        if (!ok) {
            rpc_conn_start_close(conn);
            return;
        }
    }

    if (!conn->closing && !conn->paused && !conn->parsing) {
        /* Left the loop because a message is too long. */
        evbuffer_drain(input, evbuffer_get_length(input));
        rpc_conn_count_input__(conn);
        rpc_conn_fail(conn, rpc_error_create(
                          RPC_INVALID_REQUEST,
                          "message too long (more than %zu bytes; see "
                          "--max-message-size)", conn->max_size));
    }
}

static void
rpc_conn_read_cb(struct bufferevent *bev, void *conn_)
{
    rpc_conn_process(conn_);
}

static void
rpc_conn_write_cb(struct bufferevent *bev, void *conn_)
{
    struct rpc_conn *conn = conn_;

    if (conn->closing) {
        if (!evbuffer_get_length(bufferevent_get_output(bev))
            && nfvs_list_is_empty(&conn->answers)) {
            rpc_conn_destroy(conn);
        }
    } else if (conn->paused) {
        conn->paused = false;
        if (!conn->eof && !conn->parsing) {
            bufferevent_enable(bev, EV_READ);
        }
        rpc_conn_process(conn);
    } else {
        rpc_conn_push_ready__(conn);
    }
}

static void
rpc_conn_event_cb(struct bufferevent *bev, short events, void *conn_)
{
    struct rpc_conn *conn = conn_;

    if (events & BEV_EVENT_TIMEOUT && events & BEV_EVENT_READING
        && !conn->closing && conn->refusal) {
        /* A refused peer that stays silent: tell it why and close. */
        rpc_conn_fail(conn, rpc_error_create(RPC_ERR_ACCESS, "%s",
                                             conn->refusal));
    } else if (events & BEV_EVENT_TIMEOUT && events & BEV_EVENT_READING
               && !conn->closing) {
        unsigned int timeout = conn->server->limits.partial_timeout;

        VLOG_WARN_RL(&rl, "%s: closing a connection that sent nothing for "
                     "%u s in the middle of a message",
                     pstream_get_name(conn->listener->pstream), timeout);
        evbuffer_drain(bufferevent_get_input(bev),
                       evbuffer_get_length(bufferevent_get_input(bev)));
        rpc_conn_count_input__(conn);
        rpc_conn_fail(conn, rpc_error_create(
                          RPC_ERR_BUSY, "unfinished message: nothing "
                          "received for %u s (see --partial-timeout)",
                          timeout));
    } else if (events & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        rpc_conn_destroy(conn);
    } else if (events & BEV_EVENT_EOF) {
        conn->eof = true;
        rpc_conn_process(conn);
    }
}

/* Listeners. */

/* Called by pstream_accept() once the connection on 'bev' may carry
 * messages. */
static void
rpc_listener_ready_cb(struct bufferevent *bev, const char *refusal,
                      void *listener_)
{
    struct rpc_listener *listener = listener_;
    struct rpc_server *server = listener->server;
    struct rpc_conn *conn;

    conn = xzalloc(sizeof *conn);
    conn->server = server;
    conn->listener = listener;
    listener->n_conns++;
    conn->bev = bev;
    conn->max_size = server->limits.max_message_size;
    conn->refusal = refusal ? xstrdup(refusal) : NULL;
    nfvs_list_init(&conn->answers);
    conn->resume = event_new(server->base, -1, 0, rpc_conn_resume_cb, conn);
    if (!conn->resume) {
        nfvs_fatal(0, "cannot create libevent event");
    }
    nfvs_list_push_back(&server->conns, &conn->node);
    server->n_conns++;

    /* Reading stops once the input holds one byte more than a maximal
     * message without its newline: enough to tell that it is too long. */
    bufferevent_setwatermark(bev, EV_READ, 0,
                             NFVS_MIN(conn->max_size + 1, (size_t) -1 / 2));
    bufferevent_setwatermark(bev, EV_WRITE, RPC_OUTPUT_LOW_WATER, 0);
    bufferevent_set_max_single_read(bev, RPC_MAX_SINGLE_READ);
    bufferevent_setcb(bev, rpc_conn_read_cb, rpc_conn_write_cb,
                      rpc_conn_event_cb, conn);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    if (refusal) {
        /* A refused peer does not hold its socket longer than one that
         * stalls mid-message. */
        struct timeval tv = { .tv_sec = server->limits.partial_timeout };

        bufferevent_set_timeouts(bev, &tv, NULL);
        conn->timed = true;
    }

    /* A TLS peer's first request may have come with its handshake. */
    if (evbuffer_get_length(bufferevent_get_input(bev))) {
        rpc_conn_process(conn);
    }
}

/* Closes 'fd', just accepted on 'listener', for 'reason' (a short
 * phrase), with a log line and, where the transport allows, an error
 * telling the peer. */
static void
rpc_listener_reject__(struct rpc_listener *listener, int fd,
                      const char *reason)
{
    json_t *response;
    size_t size;
    char *s;

    VLOG_WARN_RL(&rl, "%s: refused a connection: %s",
                 pstream_get_name(listener->pstream), reason);
    response = rpc_error_response_create(
        NULL, rpc_error_create(RPC_ERR_BUSY, "server busy: %s; try again "
                               "later", reason));
    s = rpc_encode(response, &size);
    json_decref(response);
    pstream_reject(listener->pstream, fd, s, size);
    free(s);
}

/* Returns NULL if 'listener' may take connection 'fd', otherwise a
 * malloc'd reason why not. */
static char *
rpc_listener_check__(const struct rpc_listener *listener, int fd)
{
    const struct rpc_server *server = listener->server;
    size_t n = listener->n_conns + pstream_n_pending(listener->pstream);

    if (n >= server->limits.max_connections) {
        return xasprintf("%zu connections, the limit of this listener "
                         "(see --max-connections)", n);
    }
    /* Descriptors are allocated lowest first, so every one below 'fd' is
     * in use. */
    if (fd >= server->fd_limit - RPC_FD_RESERVE) {
        return xasprintf("descriptor %d, too near the limit of %d open "
                         "files", fd, server->fd_limit);
    }
    return NULL;
}

static void
rpc_listener_accept_cb(struct evconnlistener *evl, evutil_socket_t fd,
                       struct sockaddr *sa, int socklen, void *listener_)
{
    struct rpc_listener *listener = listener_;
    char *reason = rpc_listener_check__(listener, fd);

    if (reason) {
        rpc_listener_reject__(listener, fd, reason);
        free(reason);
        return;
    }
    pstream_accept(listener->pstream, listener->server->base, fd,
                   rpc_listener_ready_cb, listener);
}

static void
rpc_listener_retry_cb(evutil_socket_t fd, short events, void *listener_)
{
    struct rpc_listener *listener = listener_;

    evconnlistener_enable(listener->evl);
}

static void
rpc_listener_error_cb(struct evconnlistener *evl, void *listener_)
{
    struct rpc_listener *listener = listener_;
    struct timeval tv = { .tv_usec = RPC_ACCEPT_RETRY_MSEC * 1000 };
    struct rpc_server *server = listener->server;
    int error = EVUTIL_SOCKET_ERROR();

    /* Out of descriptors: the spare one makes room to accept the peer
     * and close it at once, instead of leaving it waiting in the
     * backlog. */
    if ((error == EMFILE || error == ENFILE) && server->spare_fd >= 0) {
        int fd;

        close(server->spare_fd);
        fd = accept4(pstream_get_fd(listener->pstream), NULL, NULL,
                     SOCK_CLOEXEC);
        if (fd >= 0) {
            rpc_listener_reject__(listener, fd, "out of file descriptors");
        }
        server->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            return;
        }
    }
    evconnlistener_disable(evl);
    event_add(listener->retry, &tv);
}

int
rpc_server_add_remote(struct rpc_server *server, const char *remote,
                      char **namep, char **errp)
{
    struct rpc_listener *listener;
    struct pstream *pstream;
    int error;

    if (namep) {
        *namep = NULL;
    }
    error = pstream_open(remote, &pstream, errp);
    if (error) {
        return error;
    }

    listener = xzalloc(sizeof *listener);
    listener->server = server;
    listener->pstream = pstream;
    listener->evl = evconnlistener_new(server->base, rpc_listener_accept_cb,
                                       listener, LEV_OPT_CLOSE_ON_EXEC, 0,
                                       pstream_get_fd(pstream));
    listener->retry = evtimer_new(server->base, rpc_listener_retry_cb,
                                  listener);
    if (!listener->evl || !listener->retry) {
        if (listener->evl) {
            evconnlistener_free(listener->evl);
        }
        if (listener->retry) {
            event_free(listener->retry);
        }
        pstream_close(pstream);
        free(listener);
        *errp = xasprintf("%s: cannot create libevent listener", remote);
        return ENOMEM;
    }
    evconnlistener_set_error_cb(listener->evl, rpc_listener_error_cb);
    nfvs_list_push_back(&server->listeners, &listener->node);
    if (namep) {
        *namep = xstrdup(pstream_get_name(pstream));
    }
    *errp = NULL;
    return 0;
}

/* Server push. */

struct rpc_conn *
rpc_server_current_conn(void)
{
    return current_conn;
}

void
rpc_conn_set_push(struct rpc_conn *conn, rpc_conn_func *writable,
                  rpc_conn_func *closed, void *aux)
{
    conn->push_writable = writable;
    conn->push_closed = closed;
    conn->push_aux = aux;
    conn->push_blocked = false;
}

/* Returns true if a notification may go into 'conn''s output now: every
 * answer queued before it has been sent and the output is short. */
static bool
rpc_conn_may_push__(const struct rpc_conn *conn)
{
    return (nfvs_list_is_empty(&conn->answers)
            && (evbuffer_get_length(bufferevent_get_output(conn->bev))
                < RPC_PUSH_WATER));
}

/* Calls 'conn''s 'push_writable' hook if an earlier rpc_server_notify()
 * was refused for lack of room and there is room now. */
static void
rpc_conn_push_ready__(struct rpc_conn *conn)
{
    if (conn->push_blocked && conn->push_writable && !conn->closing
        && rpc_conn_may_push__(conn)) {
        conn->push_blocked = false;
        conn->push_writable(conn, conn->push_aux);
    }
}

int
rpc_server_notify(struct rpc_conn *conn, const char *method, json_t *params)
{
    struct evbuffer *output;
    json_t *msg;
    size_t size;
    char *s;

    if (conn->closing) {
        json_decref(params);
        return EPIPE;
    }
    if (!rpc_conn_may_push__(conn)) {
        json_decref(params);
        conn->push_blocked = true;
        return ENOBUFS;
    }

    msg = rpc_request_create(method, params, -1);
    s = rpc_encode(msg, &size);
    json_decref(msg);
    if (!s) {
        return EINVAL;
    }
    if (size - 1 > conn->server->limits.max_answer_size) {
        free(s);
        return EMSGSIZE;
    }
    output = bufferevent_get_output(conn->bev);
    if (evbuffer_add_reference(output, s, size, free_reference__, NULL)) {
        free(s);
        return ENOMEM;
    }
    return 0;
}
