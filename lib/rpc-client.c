#include <config.h>
#include "rpc-client.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "jsonrpc.h"
#include "stream.h"
#include "util.h"

/* Bytes read from the socket at a time, at least. */
#define RPC_CLIENT_READ_SIZE (64 * 1024)

struct rpc_client {
    struct stream *stream;          /* The connection. */
    int timeout_ms;                 /* Per operation; <= 0 for none. */
    long long int next_id;          /* Id of the next request. */

    /* Received bytes not yet returned are buffer[start, end).  The first
     * 'scanned' of them are known to contain no newline. */
    char *buffer;
    size_t start, end;
    size_t allocated;               /* Size of 'buffer'. */
    size_t scanned;

    /* Notifications received while waiting for a response, oldest
     * first, for rpc_client_recv_notification(). */
    json_t *notifications;          /* Array, or NULL if none yet. */
    size_t n_taken;                 /* Members of it already returned. */
};

static long long int
rpc_client_deadline(const struct rpc_client *client)
{
    return (client->timeout_ms > 0
            ? time_msec() + client->timeout_ms
            : LLONG_MAX);
}

/* Waits until the stream is ready for 'want' (POLLIN or POLLOUT) or
 * 'deadline' passes.  Returns 0 or ETIMEDOUT or another errno value. */
static int
rpc_client_wait(struct rpc_client *client, short want,
                long long int deadline)
{
    struct pollfd pfd;

    pfd.fd = stream_get_fd(client->stream);
    pfd.events = stream_poll_events(client->stream, want);
    for (;;) {
        long long int remaining;
        int timeout;
        int n;

        if (deadline == LLONG_MAX) {
            timeout = -1;
        } else {
            remaining = deadline - time_msec();
            if (remaining <= 0) {
                return ETIMEDOUT;
            }
            timeout = NFVS_MIN(remaining, INT_MAX);
        }

        n = poll(&pfd, 1, timeout);
        if (n > 0) {
            return 0;       /* Ready, or an error the next call reports. */
        } else if (n < 0 && errno != EINTR) {
            return errno;
        }
    }
}

int
rpc_client_open(const char *remote, int timeout_ms,
                struct rpc_client **clientp, char **errp)
{
    struct rpc_client *client;
    struct stream *stream;
    int error;

    *clientp = NULL;
    error = stream_open(remote, timeout_ms, &stream, errp);
    if (error) {
        return error;
    }

    client = xzalloc(sizeof *client);
    client->stream = stream;
    client->timeout_ms = timeout_ms;
    client->next_id = 1;
    *clientp = client;
    return 0;
}

void
rpc_client_close(struct rpc_client *client)
{
    if (client) {
        stream_close(client->stream);
        free(client->buffer);
        json_decref(client->notifications);
        free(client);
    }
}

void
rpc_client_set_timeout(struct rpc_client *client, int timeout_ms)
{
    client->timeout_ms = timeout_ms;
}

static int
rpc_client_send_all(struct rpc_client *client, const char *data,
                    size_t size, long long int deadline)
{
    while (size) {
        size_t n;
        int error;

        error = stream_send(client->stream, data, size, &n);
        if (error == EAGAIN) {
            error = rpc_client_wait(client, POLLOUT, deadline);
        } else if (!error) {
            data += n;
            size -= n;
        }
        if (error) {
            return error;
        }
    }
    return 0;
}

int
rpc_client_send_raw(struct rpc_client *client, const void *data,
                    size_t size)
{
    return rpc_client_send_all(client, data, size,
                               rpc_client_deadline(client));
}

static int
rpc_client_send__(struct rpc_client *client, const char *method,
                  json_t *params, long long int *idp,
                  long long int deadline)
{
    json_t *request;
    size_t size;
    char *s;
    int error;

    *idp = client->next_id++;
    request = rpc_request_create(method, params, *idp);
    s = rpc_encode(request, &size);
    json_decref(request);
    if (!s) {
        return EINVAL;
    }
    error = rpc_client_send_all(client, s, size, deadline);
    free(s);
    return error;
}

int
rpc_client_send(struct rpc_client *client, const char *method,
                json_t *params, long long int *idp)
{
    return rpc_client_send__(client, method, params, idp,
                             rpc_client_deadline(client));
}

/* Makes room for at least RPC_CLIENT_READ_SIZE more bytes at 'end'. */
static void
rpc_client_reserve(struct rpc_client *client)
{
    if (client->start) {
        memmove(client->buffer, client->buffer + client->start,
                client->end - client->start);
        client->end -= client->start;
        client->start = 0;
    }
    if (client->allocated - client->end < RPC_CLIENT_READ_SIZE) {
        client->allocated = NFVS_MAX(2 * client->allocated,
                                     client->end + RPC_CLIENT_READ_SIZE);
        client->buffer = xrealloc(client->buffer, client->allocated);
    }
}

static int
rpc_client_recv__(struct rpc_client *client, json_t **msgp,
                  long long int deadline)
{
    *msgp = NULL;
    for (;;) {
        char *begin = client->buffer + client->start;
        size_t length = client->end - client->start;
        char *newline;
        size_t n;
        int error;

        newline = (length > client->scanned
                   ? memchr(begin + client->scanned, '\n',
                            length - client->scanned)
                   : NULL);
        if (newline) {
            json_error_t jerror;

            *msgp = json_loadb(begin, newline - begin, 0, &jerror);
            client->start += newline - begin + 1;
            client->scanned = 0;
            return *msgp ? 0 : EPROTO;
        }
        client->scanned = length;

        rpc_client_reserve(client);
        error = stream_recv(client->stream, client->buffer + client->end,
                            client->allocated - client->end, &n);
        if (error == EAGAIN) {
            error = rpc_client_wait(client, POLLIN, deadline);
        } else if (!error && !n) {
            error = client->end > client->start ? EPROTO : EPIPE;
        } else if (!error) {
            client->end += n;
        }
        if (error) {
            return error;
        }
    }
}

int
rpc_client_recv(struct rpc_client *client, json_t **responsep)
{
    return rpc_client_recv__(client, responsep, rpc_client_deadline(client));
}

/* Checks that 'response' is a response object with exactly one of
 * "result" and "error".  Stores its id (borrowed) in '*idp'. */
static bool
rpc_client_check_response__(json_t *response, json_t **idp)
{
    json_t *version, *result, *error;

    if (!json_is_object(response)) {
        return false;
    }
    version = json_object_get(response, "jsonrpc");
    *idp = json_object_get(response, "id");
    result = json_object_get(response, "result");
    error = json_object_get(response, "error");
    return (json_is_string(version)
            && !strcmp(json_string_value(version), "2.0")
            && *idp
            && !result != !error
            && (!error || json_is_object(error)));
}

/* Returns true if 'msg' is a notification: an object with a "method"
 * and no "id". */
static bool
rpc_client_is_notification__(const json_t *msg)
{
    return (json_is_object(msg) && json_is_string(json_object_get(msg,
                                                                  "method"))
            && !json_object_get(msg, "id"));
}

int
rpc_client_recv_notification(struct rpc_client *client, json_t **msgp)
{
    long long int deadline = rpc_client_deadline(client);

    if (client->notifications
        && client->n_taken < json_array_size(client->notifications)) {
        *msgp = json_incref(json_array_get(client->notifications,
                                           client->n_taken++));
        if (client->n_taken == json_array_size(client->notifications)) {
            json_array_clear(client->notifications);
            client->n_taken = 0;
        }
        return 0;
    }
    for (;;) {
        json_t *response_id;
        int error;

        error = rpc_client_recv__(client, msgp, deadline);
        if (error || rpc_client_is_notification__(*msgp)) {
            return error;
        }
        if (rpc_client_check_response__(*msgp, &response_id)
            && json_is_null(response_id)) {
            return 0;           /* An error before the server closes. */
        }
        if (!rpc_client_check_response__(*msgp, &response_id)
            || !json_is_integer(response_id)
            || json_integer_value(response_id) >= client->next_id) {
            json_decref(*msgp);
            *msgp = NULL;
            return EPROTO;
        }
        /* A late answer to a call that timed out. */
        json_decref(*msgp);
        *msgp = NULL;
    }
}

int
rpc_client_call(struct rpc_client *client, const char *method,
                json_t *params, json_t **resultp, json_t **errorp)
{
    long long int deadline = rpc_client_deadline(client);
    int error, send_error;
    long long int id;

    *resultp = *errorp = NULL;
    send_error = rpc_client_send__(client, method, params, &id, deadline);
    if (send_error && send_error != EPIPE && send_error != ECONNRESET) {
        return send_error;
    }

    /* A daemon that refuses a request (too long, say) answers with an
     * error and closes the connection, maybe before the whole request
     * was sent: then its error is the answer, if it came. */
    for (;;) {
        json_t *response, *response_id;

        error = rpc_client_recv__(client, &response, deadline);
        if (error) {
            return send_error ? send_error : error;
        }
        if (rpc_client_is_notification__(response)) {
            if (!client->notifications) {
                client->notifications = json_array();
            }
            json_array_append_new(client->notifications, response);
            continue;
        }
        if (!rpc_client_check_response__(response, &response_id)) {
            json_decref(response);
            return EPROTO;
        }

        if (json_is_integer(response_id)
            && json_integer_value(response_id) < id) {
            /* Late answer to a call that timed out. */
            json_decref(response);
            continue;
        }
        if (json_is_integer(response_id)
            && json_integer_value(response_id) == id && !send_error) {
            *resultp = json_incref(json_object_get(response, "result"));
            *errorp = json_incref(json_object_get(response, "error"));
        } else if (json_is_null(response_id)
                   && json_object_get(response, "error")) {
            *errorp = json_incref(json_object_get(response, "error"));
        } else {
            error = EPROTO;
        }
        json_decref(response);
        return error;
    }
}
