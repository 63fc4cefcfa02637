/* lib/rpc-parse.h: parsing large JSON texts off the event loop.
 *
 * jansson parses about 20 MB/s here: a 10 MB JSON-RPC message (a 200,000
 * flow replace) would hold the event loop for half a second.  An
 * rpc_parser parses such texts on a thread of its own and hands each
 * result back to the event loop, in the order the texts were submitted.
 *
 * Thread-safety: every function is for the thread that runs the event
 * base; callbacks run there too. */
#ifndef NFVS_RPC_PARSE_H
#define NFVS_RPC_PARSE_H 1

#include <jansson.h>
#include <stddef.h>

struct event_base;
struct rpc_parser;
struct rpc_parse_job;

/* Called with the parsed message (the callee owns it), or NULL and the
 * error in '*error', and the text that was parsed (freed after the
 * call). */
typedef void rpc_parse_func(void *aux, const char *text, size_t size,
                            json_t *msg, const json_error_t *error);

/* Returns a parser whose results come back on 'base'; its thread starts
 * with the first job.  Aborts if the process cannot make a pipe. */
struct rpc_parser *rpc_parser_create(struct event_base *base);

/* Cancels every job and stops the thread (waiting for the text it is
 * parsing, if any).  NULL is a no-op. */
void rpc_parser_destroy(struct rpc_parser *);

/* Parses the 'size' bytes at 'text' (taken: malloc'd) with jansson's
 * 'flags' and then calls 'cb'(aux, ...) from the event loop.  Returns the
 * job, valid until the callback returns or rpc_parse_cancel(). */
struct rpc_parse_job *rpc_parser_submit(struct rpc_parser *, char *text,
                                        size_t size, size_t flags,
                                        rpc_parse_func *cb, void *aux);

/* Makes sure the callback of 'job' is never called; frees the job. */
void rpc_parse_cancel(struct rpc_parse_job *);

#endif /* rpc-parse.h */
