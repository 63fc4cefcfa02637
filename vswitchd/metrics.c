#include <config.h>
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bridge.h"
#include "conntrack.h"
#include "dpif.h"
#include "dynamic-string.h"
#include "flow-table.h"
#include "histogram.h"
#include "netdev.h"
#include "ofproto-dpif.h"
#include "ofproto.h"
#include "rpc-server.h"
#include "udpif.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(metrics);

/* evhttp's bounds on a request: a scrape is a GET with a few headers. */
#define METRICS_MAX_HEADERS_SIZE 8192
#define METRICS_TIMEOUT 10      /* Seconds. */

struct metrics {
    struct evhttp *http;        /* Serves the listening socket. */
    struct bridge_set *bridges; /* Not owned. */
    const struct rpc_server *server; /* Not owned. */
};

/* What one scrape reads of a port and a bridge, so that each metric
 * family can be written whole (the format wants a family's samples
 * together). */
struct port_snap {
    const char *name;           /* Borrowed from the port. */
    bool ok;                    /* In a datapath: 'st' and 'ls' valid. */
    struct netdev_stats st;
    struct netdev_link_state ls;
};

struct bridge_snap {
    const char *name;           /* Borrowed from the bridge. */
    bool has_dp;                /* 'dp' and 'up' valid. */
    struct dpif_dp_stats dp;
    struct udpif_stats up;
    struct conntrack_stats ct;
    struct port_snap *ports;    /* Sorted by OpenFlow port number. */
    size_t n_ports;
    size_t n_rules[FLOW_TABLE_N_TABLES]; /* OpenFlow rules per table. */
};

static void
bridge_snap_init(struct bridge_snap *snap, struct bridge *br)
{
    struct port **ports;
    size_t i;

    memset(snap, 0, sizeof *snap);
    snap->name = br->name;
    if (br->dp) {
        snap->has_dp = !ofproto_dpif_get_stats(br->dp, &snap->dp,
                                               &snap->up);
    }
    ofproto_ct_lock(br->ofproto);
    conntrack_get_stats(ofproto_get_conntrack(br->ofproto), &snap->ct);
    ofproto_ct_unlock(br->ofproto);
    for (i = 0; i < FLOW_TABLE_N_TABLES; i++) {
        snap->n_rules[i] = flow_table_count(ofproto_get_tables(br->ofproto),
                                            i);
    }
    ports = bridge_ports_sorted(br, &snap->n_ports);
    snap->ports = xcalloc(snap->n_ports + 1, sizeof *snap->ports);
    for (i = 0; i < snap->n_ports; i++) {
        struct port_snap *ps = &snap->ports[i];

        ps->name = ports[i]->name;
        ps->ok = !bridge_port_get_stats(ports[i], &ps->st, &ps->ls);
    }
    free(ports);
}

/* Appends 'value' as a label value: backslash, double quote and newline
 * escaped. */
static void
put_label_value(struct ds *out, const char *value)
{
    const char *p;

    ds_put_char(out, '"');
    for (p = value; *p; p++) {
        if (*p == '\\' || *p == '"') {
            ds_put_char(out, '\\');
            ds_put_char(out, *p);
        } else if (*p == '\n') {
            ds_put_cstr(out, "\\n");
        } else {
            ds_put_char(out, *p);
        }
    }
    ds_put_char(out, '"');
}

static void
put_family(struct ds *out, const char *name, const char *type,
           const char *help)
{
    ds_put_format(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                  type);
}

/* Appends a sample of 'name' with the label 'bridge' (if nonnull), then
 * label 'key2'="value2" (if 'key2' is nonnull). */
static void
put_sample(struct ds *out, const char *name, const char *bridge,
           const char *key2, const char *value2, uint64_t value)
{
    ds_put_cstr(out, name);
    if (bridge || key2) {
        ds_put_char(out, '{');
        if (bridge) {
            ds_put_cstr(out, "bridge=");
            put_label_value(out, bridge);
        }
        if (key2) {
            ds_put_format(out, "%s%s=", bridge ? "," : "", key2);
            put_label_value(out, value2);
        }
        ds_put_char(out, '}');
    }
    ds_put_format(out, " %"PRIu64"\n", value);
}

/* Appends 'us' microseconds as seconds, without trailing zeros. */
static void
put_seconds(struct ds *out, uint64_t us)
{
    char buf[64];
    char *end;

    snprintf(buf, sizeof buf, "%"PRIu64".%06"PRIu64, us / 1000000,
             us % 1000000);
    end = buf + strlen(buf);
    while (end[-1] == '0') {
        *--end = '\0';
    }
    if (end[-1] == '.') {
        end[-1] = '\0';
    }
    ds_put_cstr(out, buf);
}

static const struct {
    const char *name;
    const char *help;
    size_t offset;              /* In struct netdev_stats. */
} port_counters[] = {
#define PORT_COUNTER(NAME, HELP, MEMBER) \
    { NAME, HELP, offsetof(struct netdev_stats, MEMBER) }
    PORT_COUNTER("nfvs_port_receive_packets_total",
                 "Packets received by the switch on the port.",
                 rx_packets),
    PORT_COUNTER("nfvs_port_receive_bytes_total",
                 "Bytes received by the switch on the port.", rx_bytes),
    PORT_COUNTER("nfvs_port_receive_dropped_total",
                 "Packets the port could not receive (no buffer, queue "
                 "full).", rx_dropped),
    PORT_COUNTER("nfvs_port_receive_errors_total",
                 "Frames received on the port that were unusable.",
                 rx_errors),
    PORT_COUNTER("nfvs_port_transmit_packets_total",
                 "Packets sent by the switch on the port.", tx_packets),
    PORT_COUNTER("nfvs_port_transmit_bytes_total",
                 "Bytes sent by the switch on the port.", tx_bytes),
    PORT_COUNTER("nfvs_port_transmit_dropped_total",
                 "Packets that could not be sent on the port (queue "
                 "full, device down).", tx_dropped),
    PORT_COUNTER("nfvs_port_transmit_errors_total",
                 "Packets the device refused for another reason.",
                 tx_errors),
#undef PORT_COUNTER
};

/* Appends a sample of port 'ps' of bridge 'br'. */
static void
put_port_sample(struct ds *out, const char *name, const char *br,
                const struct port_snap *ps, uint64_t value)
{
    ds_put_format(out, "%s{bridge=", name);
    put_label_value(out, br);
    ds_put_cstr(out, ",port=");
    put_label_value(out, ps->name);
    ds_put_format(out, "} %"PRIu64"\n", value);
}

static void
put_ports(struct ds *out, const struct bridge_snap *snaps, size_t n)
{
    size_t c, i, j;

    for (c = 0; c < ARRAY_SIZE(port_counters); c++) {
        put_family(out, port_counters[c].name, "counter",
                   port_counters[c].help);
        for (i = 0; i < n; i++) {
            for (j = 0; j < snaps[i].n_ports; j++) {
                const struct port_snap *ps = &snaps[i].ports[j];

                if (ps->ok) {
                    const char *st = (const char *) &ps->st;
                    uint64_t value;

                    memcpy(&value, st + port_counters[c].offset,
                           sizeof value);
                    if (value != NETDEV_STAT_UNKNOWN) {
                        put_port_sample(out, port_counters[c].name,
                                        snaps[i].name, ps, value);
                    }
                }
            }
        }
    }
    put_family(out, "nfvs_port_link_up", "gauge",
               "1 if the port's device has carrier, 0 if not.");
    for (i = 0; i < n; i++) {
        for (j = 0; j < snaps[i].n_ports; j++) {
            const struct port_snap *ps = &snaps[i].ports[j];

            if (ps->ok) {
                put_port_sample(out, "nfvs_port_link_up", snaps[i].name,
                                ps, ps->ls.carrier);
            }
        }
    }
    put_family(out, "nfvs_port_admin_up", "gauge",
               "1 if the port's device is administratively up (IFF_UP).");
    for (i = 0; i < n; i++) {
        for (j = 0; j < snaps[i].n_ports; j++) {
            const struct port_snap *ps = &snaps[i].ports[j];

            if (ps->ok) {
                put_port_sample(out, "nfvs_port_admin_up", snaps[i].name,
                                ps, ps->ls.admin_up);
            }
        }
    }
}

static const struct {
    const char *name;
    const char *type;
    const char *help;
    bool udpif;                 /* In struct udpif_stats, else in struct
                                 * dpif_dp_stats. */
    size_t offset;
} bridge_values[] = {
#define DP_VALUE(NAME, TYPE, HELP, MEMBER) \
    { NAME, TYPE, HELP, false, offsetof(struct dpif_dp_stats, MEMBER) }
#define UP_VALUE(NAME, TYPE, HELP, MEMBER) \
    { NAME, TYPE, HELP, true, offsetof(struct udpif_stats, MEMBER) }
    DP_VALUE("nfvs_datapath_hits_total", "counter",
             "Packets that matched a datapath flow.", n_hit),
    DP_VALUE("nfvs_datapath_misses_total", "counter",
             "Packets that matched no datapath flow and were queued as "
             "upcalls.", n_missed),
    DP_VALUE("nfvs_datapath_flows", "gauge",
             "Flows in the datapath's exact-match table.", n_flows),
    DP_VALUE("nfvs_datapath_flow_limit_hits_total", "counter",
             "Flow installs refused because the datapath was at its flow "
             "limit.", n_flow_limit),
    UP_VALUE("nfvs_upcalls_total", "counter", "Upcalls handled.",
             n_upcalls),
    UP_VALUE("nfvs_upcall_errors_total", "counter",
             "Upcalls that could not be handled (unparsable key, unknown "
             "port).", n_upcall_errors),
    UP_VALUE("nfvs_upcall_flows_installed_total", "counter",
             "Datapath flows installed by upcall handling.", n_installed),
    UP_VALUE("nfvs_upcall_uncached_total", "counter",
             "Misses executed without installing a flow.", n_uncached),
    UP_VALUE("nfvs_revalidations_total", "counter",
             "Revalidation passes that had work to do.", n_revalidations),
    UP_VALUE("nfvs_revalidator_flows_deleted_total", "counter",
             "Datapath flows deleted by revalidation because they were "
             "no longer valid.", n_deleted),
    UP_VALUE("nfvs_revalidator_flows_idle_deleted_total", "counter",
             "Datapath flows deleted by revalidation because they were "
             "idle.", n_idle_deleted),
    UP_VALUE("nfvs_flow_pairs_installed_total", "counter",
             "Reverse flows installed with their forward flow's upcall, "
             "ahead of their traffic.", n_pairs_installed),
    UP_VALUE("nfvs_flow_pairs_used_total", "counter",
             "Reverse flows installed ahead that then saw packets.",
             n_pairs_used),
    UP_VALUE("nfvs_flow_pairs_wasted_total", "counter",
             "Reverse flows installed ahead that were deleted idle "
             "without a packet.", n_pairs_wasted),
#undef DP_VALUE
#undef UP_VALUE
};

static const struct {
    const char *reason;
    size_t offset;              /* In struct dpif_dp_stats. */
} lost_reasons[] = {
    { "queue", offsetof(struct dpif_dp_stats, n_lost_queue) },
    { "rate", offsetof(struct dpif_dp_stats, n_lost_rate) },
    { "parse", offsetof(struct dpif_dp_stats, n_lost_parse) },
    { "dup", offsetof(struct dpif_dp_stats, n_lost_dup) },
    { "nohandler", offsetof(struct dpif_dp_stats, n_lost_nohandler) },
    { "nomem", offsetof(struct dpif_dp_stats, n_lost_nomem) },
};

static uint64_t
get_u64(const void *base, size_t offset)
{
    uint64_t value;

    memcpy(&value, (const char *) base + offset, sizeof value);
    return value;
}

/* Per forwarding thread counters of the userspace datapath (families
 * only where some bridge has forwarding threads). */
static const struct {
    const char *name;
    const char *help;
    size_t offset;              /* In struct dpif_fwd_stats. */
} fwd_counters[] = {
    { "nfvs_forwarder_packets_total",
      "Packets a forwarding thread received.",
      offsetof(struct dpif_fwd_stats, n_packets) },
    { "nfvs_forwarder_batches_total",
      "Receive calls of a forwarding thread that returned packets "
      "(packets / batches = average batch size).",
      offsetof(struct dpif_fwd_stats, n_batches) },
    { "nfvs_forwarder_full_batches_total",
      "Receive calls that returned a full batch: the thread had a "
      "backlog.", offsetof(struct dpif_fwd_stats, n_full_batches) },
    { "nfvs_forwarder_wakeups_total",
      "Times a forwarding thread woke up to receive packets.",
      offsetof(struct dpif_fwd_stats, n_wakeups) },
};

static void
put_forwarders(struct ds *out, const struct bridge_snap *snaps, size_t n)
{
    bool any = false;
    size_t c, i;
    unsigned int t;

    for (i = 0; i < n; i++) {
        any = any || (snaps[i].has_dp && snaps[i].dp.n_fwd);
    }
    if (!any) {
        return;
    }
    for (c = 0; c < ARRAY_SIZE(fwd_counters); c++) {
        put_family(out, fwd_counters[c].name, "counter",
                   fwd_counters[c].help);
        for (i = 0; i < n; i++) {
            if (!snaps[i].has_dp) {
                continue;
            }
            for (t = 0; t < snaps[i].dp.n_fwd; t++) {
                char thread[16];

                snprintf(thread, sizeof thread, "%u", t);
                put_sample(out, fwd_counters[c].name, snaps[i].name,
                           "thread", thread,
                           get_u64(&snaps[i].dp.fwd[t],
                                   fwd_counters[c].offset));
            }
        }
    }
}

/* Appends histogram 'name' with one series per bridge that has a
 * datapath; 'offset' locates the histogram in struct udpif_stats. */
static void
put_histogram(struct ds *out, const char *name, const char *help,
              size_t offset, const struct bridge_snap *snaps, size_t n)
{
    size_t i, b;

    put_family(out, name, "histogram", help);
    for (i = 0; i < n; i++) {
        const struct histogram *h;
        uint64_t cumulative = 0;

        if (!snaps[i].has_dp) {
            continue;
        }
        h = (const struct histogram *) ((const char *) &snaps[i].up
                                        + offset);
        for (b = 0; b <= HISTOGRAM_N_BOUNDS; b++) {
            cumulative += h->buckets[b];
            ds_put_format(out, "%s_bucket{bridge=", name);
            put_label_value(out, snaps[i].name);
            ds_put_cstr(out, ",le=\"");
            if (b < HISTOGRAM_N_BOUNDS) {
                put_seconds(out, histogram_bounds_us[b]);
            } else {
                ds_put_cstr(out, "+Inf");
            }
            ds_put_format(out, "\"} %"PRIu64"\n", cumulative);
        }
        ds_put_format(out, "%s_sum{bridge=", name);
        put_label_value(out, snaps[i].name);
        ds_put_cstr(out, "} ");
        put_seconds(out, h->sum_us);
        ds_put_format(out, "\n%s_count{bridge=", name);
        put_label_value(out, snaps[i].name);
        ds_put_format(out, "} %"PRIu64"\n", h->count);
    }
}

static void
put_datapaths(struct ds *out, const struct bridge_snap *snaps, size_t n)
{
    size_t v, i, r;

    for (v = 0; v < ARRAY_SIZE(bridge_values); v++) {
        put_family(out, bridge_values[v].name, bridge_values[v].type,
                   bridge_values[v].help);
        for (i = 0; i < n; i++) {
            if (snaps[i].has_dp) {
                const void *base = (bridge_values[v].udpif
                                    ? (const void *) &snaps[i].up
                                    : (const void *) &snaps[i].dp);

                put_sample(out, bridge_values[v].name, snaps[i].name, NULL,
                           NULL, get_u64(base, bridge_values[v].offset));
            }
        }
    }
    put_family(out, "nfvs_datapath_flow_limit", "gauge",
               "The datapath's flow limit.");
    for (i = 0; i < n; i++) {
        if (snaps[i].has_dp) {
            put_sample(out, "nfvs_datapath_flow_limit", snaps[i].name, NULL,
                       NULL, snaps[i].dp.flow_limit);
        }
    }
    put_family(out, "nfvs_datapath_lost_total", "counter",
               "Misses that could not be queued as upcalls, by reason.");
    for (i = 0; i < n; i++) {
        if (snaps[i].has_dp) {
            for (r = 0; r < ARRAY_SIZE(lost_reasons); r++) {
                put_sample(out, "nfvs_datapath_lost_total", snaps[i].name,
                           "reason", lost_reasons[r].reason,
                           get_u64(&snaps[i].dp, lost_reasons[r].offset));
            }
        }
    }
    put_forwarders(out, snaps, n);
    put_histogram(out, "nfvs_upcall_latency_seconds",
                  "Time the daemon took to handle an upcall: translation "
                  "and flow install (and execution, on the kernel "
                  "datapath).",
                  offsetof(struct udpif_stats, upcall_us), snaps, n);
    put_histogram(out, "nfvs_revalidation_duration_seconds",
                  "Duration of revalidation passes, flow table changes' "
                  "included.",
                  offsetof(struct udpif_stats, pass_us), snaps, n);
}

static void
put_flows(struct ds *out, const struct bridge_snap *snaps, size_t n)
{
    size_t i, t;

    put_family(out, "nfvs_flows", "gauge",
               "OpenFlow rules, by bridge and table (tables with none are "
               "left out, except table 0).");
    for (i = 0; i < n; i++) {
        for (t = 0; t < FLOW_TABLE_N_TABLES; t++) {
            if (!t || snaps[i].n_rules[t]) {
                char table[8];

                snprintf(table, sizeof table, "%zu", t);
                put_sample(out, "nfvs_flows", snaps[i].name, "table", table,
                           snaps[i].n_rules[t]);
            }
        }
    }
}

static void
put_conntrack(struct ds *out, const struct bridge_snap *snaps, size_t n)
{
    size_t i, s;

    put_family(out, "nfvs_conntrack_entries", "gauge",
               "Tracked connections, by protocol.");
    for (i = 0; i < n; i++) {
        const struct conntrack_stats *ct = &snaps[i].ct;
        size_t n_tcp = 0;

        for (s = 0; s < CT_TCP_N_STATES; s++) {
            n_tcp += ct->n_tcp_by_state[s];
        }

        put_sample(out, "nfvs_conntrack_entries", snaps[i].name,
                   "protocol", "tcp", n_tcp);
        put_sample(out, "nfvs_conntrack_entries", snaps[i].name,
                   "protocol", "udp", ct->n_udp);
        put_sample(out, "nfvs_conntrack_entries", snaps[i].name,
                   "protocol", "icmp", ct->n_icmp);
        put_sample(out, "nfvs_conntrack_entries", snaps[i].name,
                   "protocol", "other", ct->n_other);
    }
    put_family(out, "nfvs_conntrack_tcp_entries", "gauge",
               "Tracked TCP connections, by state.");
    for (i = 0; i < n; i++) {
        for (s = 1; s < CT_TCP_N_STATES; s++) {
            put_sample(out, "nfvs_conntrack_tcp_entries", snaps[i].name,
                       "state", ct_tcp_state_to_string(s),
                       snaps[i].ct.n_tcp_by_state[s]);
        }
    }
    put_family(out, "nfvs_conntrack_created_total", "counter",
               "Connections committed.");
    for (i = 0; i < n; i++) {
        put_sample(out, "nfvs_conntrack_created_total", snaps[i].name,
                   NULL, NULL, snaps[i].ct.n_created);
    }
    put_family(out, "nfvs_conntrack_expired_total", "counter",
               "Connections removed by timeout.");
    for (i = 0; i < n; i++) {
        put_sample(out, "nfvs_conntrack_expired_total", snaps[i].name,
                   NULL, NULL, snaps[i].ct.n_expired);
    }
    put_family(out, "nfvs_conntrack_invalid_total", "counter",
               "Packets conntrack found invalid, by reason.");
    for (i = 0; i < n; i++) {
        for (s = 1; s < CT_N_INVALID; s++) {
            put_sample(out, "nfvs_conntrack_invalid_total", snaps[i].name,
                       "reason", conntrack_invalid_to_string(s),
                       snaps[i].ct.n_invalid[s]);
        }
    }
}

static void
put_rpc(struct ds *out, const struct rpc_server *server)
{
    struct rpc_method_count *counts;
    size_t i, n;

    n = rpc_server_get_request_counts(server, &counts);
    put_family(out, "nfvs_rpc_requests_total", "counter",
               "JSON-RPC requests run, by method.");
    for (i = 0; i < n; i++) {
        put_sample(out, "nfvs_rpc_requests_total", NULL, "method",
                   counts[i].name, counts[i].n_requests);
    }
    free(counts);
}

void
metrics_format(struct bridge_set *bridges, const struct rpc_server *server,
               struct ds *out)
{
    struct bridge_snap *snaps;
    struct bridge **brs;
    size_t i, n;

    brs = bridge_set_sorted(bridges, &n);
    snaps = xcalloc(n + 1, sizeof *snaps);
    for (i = 0; i < n; i++) {
        bridge_snap_init(&snaps[i], brs[i]);
    }
    put_ports(out, snaps, n);
    put_datapaths(out, snaps, n);
    put_flows(out, snaps, n);
    put_conntrack(out, snaps, n);
    put_rpc(out, server);
    for (i = 0; i < n; i++) {
        free(snaps[i].ports);
    }
    free(snaps);
    free(brs);
}

static void
metrics_handle(struct evhttp_request *req, void *metrics_)
{
    struct metrics *metrics = metrics_;
    struct ds text = DS_EMPTY_INITIALIZER;
    const char *path;
    struct evbuffer *body;

    path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (!path || strcmp(path, "/metrics")) {
        evhttp_send_error(req, HTTP_NOTFOUND, NULL);
        return;
    }
    metrics_format(metrics->bridges, metrics->server, &text);
    body = evbuffer_new();
    evbuffer_add(body, ds_cstr(&text), text.length);
    evhttp_add_header(evhttp_request_get_output_headers(req),
                      "Content-Type",
                      "text/plain; version=0.0.4; charset=utf-8");
    evhttp_send_reply(req, HTTP_OK, "OK", body);
    evbuffer_free(body);
    ds_destroy(&text);
}

int
metrics_parse_address(const char *address, struct sockaddr_storage *ss,
                      socklen_t *lenp, char **errp)
{
    const char *colon;
    unsigned int port;
    char *host;
    int ok;

    memset(ss, 0, sizeof *ss);
    *lenp = 0;
    if (address[0] == '[') {
        const char *close = strchr(address, ']');

        colon = close && close[1] == ':' ? close + 1 : NULL;
        host = colon ? xmemdup0(address + 1, close - address - 1) : NULL;
    } else {
        colon = strrchr(address, ':');
        host = colon ? xmemdup0(address, colon - address) : NULL;
    }
    if (!host || !str_to_uint(colon + 1, 10, &port) || port > 65535) {
        free(host);
        *errp = xasprintf("\"%s\": expected IP:PORT (e.g. 127.0.0.1:9475 "
                          "or [::1]:9475) with PORT from 0 to 65535",
                          address);
        return EINVAL;
    }
    if (address[0] == '[') {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        ok = inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1;
        *lenp = sizeof *sin6;
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *) ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        ok = inet_pton(AF_INET, host, &sin->sin_addr) == 1;
        *lenp = sizeof *sin;
    }
    if (!ok) {
        *errp = xasprintf("\"%s\": \"%s\" is not a numeric IP%s address",
                          address, host, address[0] == '[' ? "v6" : "v4");
        free(host);
        return EINVAL;
    }
    free(host);
    return 0;
}

static bool
is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;

        return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;

        return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
    }
}

/* Formats 'ss' as "IP:PORT" or "[IP]:PORT" (caller frees). */
static char *
format_address(const struct sockaddr_storage *ss)
{
    char ip[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;

        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
        return xasprintf("%s:%u", ip, ntohs(sin->sin_port));
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;

        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof ip);
        return xasprintf("[%s]:%u", ip, ntohs(sin6->sin6_port));
    }
}

/* Opens a non-blocking listening TCP socket bound to 'ss'.  Returns the
 * descriptor, or -1 with a message in '*errp' and errno set. */
static int
open_listener(const struct sockaddr_storage *ss, socklen_t len,
              const char *address, char **errp)
{
    int one = 1;
    int fd, error;

    fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd < 0) {
        error = errno;
        *errp = xasprintf("--metrics=%s: cannot create socket (%s)",
                          address, nfvs_strerror(error));
        goto error;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *) ss, len) < 0) {
        error = errno;
        *errp = xasprintf("--metrics=%s: cannot bind (%s)", address,
                          nfvs_strerror(error));
        goto close_fd;
    }
    if (listen(fd, 16) < 0) {
        error = errno;
        *errp = xasprintf("--metrics=%s: cannot listen (%s)", address,
                          nfvs_strerror(error));
        goto close_fd;
    }
    return fd;

close_fd:
    close(fd);
error:
    errno = error;
    return -1;
}

int
metrics_create(struct event_base *base, const char *address,
               struct bridge_set *bridges, struct rpc_server *server,
               struct metrics **metricsp, char **errp)
{
    struct sockaddr_storage ss;
    struct metrics *metrics;
    socklen_t len;
    char *name, *msg;
    int fd, error;

    *metricsp = NULL;
    error = metrics_parse_address(address, &ss, &len, &msg);
    if (error) {
        *errp = xasprintf("--metrics=%s", msg);
        free(msg);
        return error;
    }
    fd = open_listener(&ss, len, address, errp);
    if (fd < 0) {
        return errno;
    }
    len = sizeof ss;
    getsockname(fd, (struct sockaddr *) &ss, &len);

    metrics = xzalloc(sizeof *metrics);
    metrics->bridges = bridges;
    metrics->server = server;
    metrics->http = evhttp_new(base);
    if (!metrics->http || !evhttp_accept_socket_with_handle(metrics->http,
                                                             fd)) {
        *errp = xasprintf("--metrics=%s: cannot start the HTTP server",
                          address);
        if (metrics->http) {
            evhttp_free(metrics->http);
        }
        close(fd);
        free(metrics);
        return ENOMEM;
    }
    evhttp_set_allowed_methods(metrics->http,
                               EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
    evhttp_set_max_headers_size(metrics->http, METRICS_MAX_HEADERS_SIZE);
    evhttp_set_max_body_size(metrics->http, 0);
    evhttp_set_timeout(metrics->http, METRICS_TIMEOUT);
    evhttp_set_gencb(metrics->http, metrics_handle, metrics);

    name = format_address(&ss);
    VLOG_INFO("serving metrics on http://%s/metrics", name);
    if (!is_loopback(&ss)) {
        VLOG_WARN("metrics address %s is not a loopback address: anyone "
                  "who can reach it can read this switch's metrics (bind "
                  "to 127.0.0.1 or [::1] instead)", name);
    }
    free(name);
    *metricsp = metrics;
    return 0;
}

void
metrics_destroy(struct metrics *metrics)
{
    if (metrics) {
        /* Closes the listening socket and every connection. */
        evhttp_free(metrics->http);
        free(metrics);
    }
}
