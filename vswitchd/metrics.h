/* vswitchd/metrics.h: Prometheus metrics over HTTP (--metrics=IP:PORT).
 *
 * A 'struct metrics' serves GET /metrics with libevent's evhttp on the
 * daemon's event_base, in Prometheus' text exposition format (version
 * 0.0.4): per-port counters and link state, datapath hits, misses and
 * losses by reason, upcall counts and handling latency, revalidation
 * passes and their durations, OpenFlow rules per table, conntrack
 * entries by state, and JSON-RPC requests by method.  Every scrape reads
 * the counters anew from the same functions the RPC methods use; nothing
 * is cached.  docs/operations.md lists the metrics.
 *
 * The data is not secret but describes the switch and its traffic: bind
 * to a loopback address.  Any other address is logged as a warning.
 *
 * Thread-safety: main thread only (the thread of the event_base). */
#ifndef VSWITCHD_METRICS_H
#define VSWITCHD_METRICS_H 1

#include <sys/socket.h>

struct bridge_set;
struct ds;
struct event_base;
struct metrics;
struct rpc_server;

/* Parses 'address', "IPV4:PORT" or "[IPV6]:PORT" with numeric addresses
 * and PORT 0 to 65535 (0: the system picks one), into '*ss' and '*lenp'.
 * Returns 0, or EINVAL with a malloc'd message naming what is wrong in
 * '*errp' (caller frees). */
int metrics_parse_address(const char *address, struct sockaddr_storage *ss,
                          socklen_t *lenp, char **errp);

/* Starts serving /metrics on 'address' (see metrics_parse_address())
 * from 'base', about 'bridges' and 'server' (neither owned; both must
 * outlive the metrics).  Returns 0 and the new object in '*metricsp', or
 * a positive errno value and a malloc'd message in '*errp' (caller
 * frees).  Logs the address and port it listens on. */
int metrics_create(struct event_base *base, const char *address,
                   struct bridge_set *bridges, struct rpc_server *server,
                   struct metrics **metricsp, char **errp);

/* Stops serving and frees 'metrics'.  NULL is a no-op. */
void metrics_destroy(struct metrics *);

/* Appends the metrics of 'bridges' and 'server' to 'out' as a scrape
 * returns them. */
void metrics_format(struct bridge_set *bridges,
                    const struct rpc_server *server, struct ds *out);

#endif /* metrics.h */
