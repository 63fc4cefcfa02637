#include <config.h>
#include "rpc-parse.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include "list.h"
#include "util.h"

/* The worker hands finished jobs over through a list under 'mutex' and
 * one byte in a pipe that the event loop watches (libevent's own
 * cross-thread activation would need its locking enabled for the whole
 * process). */
struct rpc_parser {
    pthread_mutex_t mutex;
    pthread_cond_t cond;            /* Signals 'pending' or 'stop'. */
    struct nfvs_list pending;       /* Jobs to parse, in order. */
    struct nfvs_list done;          /* Parsed jobs, in order. */
    bool stop;                      /* The worker must exit. */
    bool started;                   /* 'thread' exists. */
    pthread_t thread;
    int fds[2];                     /* Pipe: worker -> event loop. */
    struct event *wakeup;           /* On fds[0]. */
};

struct rpc_parse_job {
    struct nfvs_list node;          /* In 'pending' or 'done', or alone
                                     * while the worker parses it. */
    struct rpc_parser *parser;
    char *text;                     /* Owned. */
    size_t size;
    size_t flags;
    json_t *msg;                    /* Result, or NULL... */
    json_error_t error;             /* ...and why. */
    bool parsing;                   /* The worker has it. */
    bool cancelled;                 /* Free it, call nothing. */
    rpc_parse_func *cb;
    void *aux;
};

/* Removes and returns the first job of nonempty 'list'. */
static struct rpc_parse_job *
rpc_parse_job_pop(struct nfvs_list *list)
{
    struct rpc_parse_job *job = CONTAINER_OF(list->next,
                                             struct rpc_parse_job, node);

    nfvs_list_remove(&job->node);
    return job;
}

static void
rpc_parse_job_free(struct rpc_parse_job *job)
{
    json_decref(job->msg);
    free(job->text);
    free(job);
}

static void *
rpc_parser_main(void *parser_)
{
    struct rpc_parser *parser = parser_;

    pthread_mutex_lock(&parser->mutex);
    for (;;) {
        struct rpc_parse_job *job;
        char byte = 0;

        while (!parser->stop && nfvs_list_is_empty(&parser->pending)) {
            pthread_cond_wait(&parser->cond, &parser->mutex);
        }
        if (parser->stop) {
            break;
        }
        job = rpc_parse_job_pop(&parser->pending);
        job->parsing = true;
        pthread_mutex_unlock(&parser->mutex);

        job->msg = json_loadb(job->text, job->size, job->flags,
                              &job->error);

        pthread_mutex_lock(&parser->mutex);
        job->parsing = false;
        nfvs_list_push_back(&parser->done, &job->node);
        /* A full pipe already holds a wakeup. */
        if (write(parser->fds[1], &byte, 1) < 0 && errno != EAGAIN) {
            nfvs_fatal(errno, "rpc parser: cannot wake the event loop");
        }
    }
    pthread_mutex_unlock(&parser->mutex);
    return NULL;
}

/* On the event loop: runs the callbacks of the parsed jobs, in order. */
static void
rpc_parser_wakeup(evutil_socket_t fd, short what NFVS_UNUSED,
                  void *parser_)
{
    struct rpc_parser *parser = parser_;
    char buf[64];

    while (read(fd, buf, sizeof buf) > 0) {
        continue;
    }
    for (;;) {
        struct rpc_parse_job *job;

        pthread_mutex_lock(&parser->mutex);
        job = (nfvs_list_is_empty(&parser->done) ? NULL
               : rpc_parse_job_pop(&parser->done));
        pthread_mutex_unlock(&parser->mutex);
        if (!job) {
            break;
        }
        if (!job->cancelled) {
            json_t *msg = job->msg;

            job->msg = NULL;
            job->cb(job->aux, job->text, job->size, msg, &job->error);
        }
        rpc_parse_job_free(job);
    }
}

struct rpc_parser *
rpc_parser_create(struct event_base *base)
{
    struct rpc_parser *parser = xzalloc(sizeof *parser);

    pthread_mutex_init(&parser->mutex, NULL);
    pthread_cond_init(&parser->cond, NULL);
    nfvs_list_init(&parser->pending);
    nfvs_list_init(&parser->done);
    if (pipe2(parser->fds, O_NONBLOCK | O_CLOEXEC)) {
        nfvs_fatal(errno, "rpc parser: pipe");
    }
    parser->wakeup = event_new(base, parser->fds[0], EV_READ | EV_PERSIST,
                               rpc_parser_wakeup, parser);
    event_add(parser->wakeup, NULL);
    return parser;
}

void
rpc_parser_destroy(struct rpc_parser *parser)
{
    struct rpc_parse_job *job, *next;

    if (!parser) {
        return;
    }
    pthread_mutex_lock(&parser->mutex);
    parser->stop = true;
    pthread_cond_signal(&parser->cond);
    pthread_mutex_unlock(&parser->mutex);
    if (parser->started) {
        pthread_join(parser->thread, NULL);
    }
    NFVS_LIST_FOR_EACH_SAFE (job, next, node, &parser->pending) {
        rpc_parse_job_free(job);
    }
    NFVS_LIST_FOR_EACH_SAFE (job, next, node, &parser->done) {
        rpc_parse_job_free(job);
    }
    event_free(parser->wakeup);
    close(parser->fds[0]);
    close(parser->fds[1]);
    pthread_cond_destroy(&parser->cond);
    pthread_mutex_destroy(&parser->mutex);
    free(parser);
}

struct rpc_parse_job *
rpc_parser_submit(struct rpc_parser *parser, char *text, size_t size,
                  size_t flags, rpc_parse_func *cb, void *aux)
{
    struct rpc_parse_job *job = xzalloc(sizeof *job);
    int error;

    job->parser = parser;
    job->text = text;
    job->size = size;
    job->flags = flags;
    job->cb = cb;
    job->aux = aux;
    if (!parser->started) {
        error = pthread_create(&parser->thread, NULL, rpc_parser_main,
                               parser);
        if (error) {
            nfvs_fatal(error, "rpc parser: cannot start its thread");
        }
        parser->started = true;
    }
    pthread_mutex_lock(&parser->mutex);
    nfvs_list_push_back(&parser->pending, &job->node);
    pthread_cond_signal(&parser->cond);
    pthread_mutex_unlock(&parser->mutex);
    return job;
}

void
rpc_parse_cancel(struct rpc_parse_job *job)
{
    struct rpc_parser *parser = job->parser;
    bool free_now;

    pthread_mutex_lock(&parser->mutex);
    /* Queued or parsed, it is in a list: out with it.  The worker holds
     * it while parsing; the wakeup then frees it. */
    free_now = !job->parsing;
    if (free_now) {
        nfvs_list_remove(&job->node);
    } else {
        job->cancelled = true;
    }
    pthread_mutex_unlock(&parser->mutex);
    if (free_now) {
        rpc_parse_job_free(job);
    }
}
