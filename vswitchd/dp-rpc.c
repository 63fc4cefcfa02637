#include <config.h>
#include "dp-rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "dpif.h"
#include "dynamic-string.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "monitor.h"
#include "odp-util.h"
#include "ofproto-dpif.h"
#include "rpc-server.h"
#include "util.h"

/* Returns the bridges 'name' selects (every bridge if NULL) in a malloc'd
 * array of '*n', or NULL with an error in '*errorp'.  Bridges without a
 * datapath are an error when named and skipped otherwise. */
static struct bridge **
select_bridges(struct bridge_set *bs, const char *name, size_t *n,
               json_t **errorp)
{
    struct bridge **brs;
    size_t i, j;

    if (name) {
        struct bridge *br = bridge_rpc_find(bs, name, errorp);

        if (!br) {
            return NULL;
        }
        if (!br->dp) {
            *errorp = rpc_error_create(RPC_ERR_UNSUPPORTED,
                                       "bridge %s has no datapath", name);
            return NULL;
        }
        brs = xmalloc(sizeof *brs);
        brs[0] = br;
        *n = 1;
        return brs;
    }
    brs = bridge_set_sorted(bs, n);
    for (i = j = 0; i < *n; i++) {
        if (brs[i]->dp) {
            brs[j++] = brs[i];
        }
    }
    *n = j;
    return brs;
}

static json_t *
rpc_dp_set_link(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    const char *br_name, *port_name, *link;
    struct bridge **brs;
    struct port *port;
    char *msg = NULL;
    bool up, was_up;
    size_t n;
    int error;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:s, s:s}",
                           "bridge", &br_name, "port", &port_name,
                           "link", &link)) {
        return NULL;
    }
    if (strcmp(link, "up") && strcmp(link, "down")) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "link \"%.64s\" is "
                                   "neither up nor down", link);
        return NULL;
    }
    up = !strcmp(link, "up");
    brs = select_bridges(bs, br_name, &n, errorp);
    if (!brs) {
        return NULL;
    }
    error = ofproto_dpif_set_dummy_link(brs[0]->dp, port_name, up, &was_up,
                                        &msg);
    free(brs);
    if (error) {
        *errorp = rpc_error_create(error == ENOENT ? RPC_ERR_NOT_FOUND
                                   : RPC_ERR_UNSUPPORTED, "%s", msg);
        free(msg);
        return NULL;
    }
    port = bridge_find_port(bs, port_name);
    if (port && up != was_up) {
        monitor_link_changed(port, up);
    }
    return json_object();
}

static json_t *
rpc_dp_inject(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    const char *br_name, *port_name, *hex;
    struct bridge **brs;
    char *msg = NULL;
    size_t n;
    int error;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:s, s:s}",
                           "bridge", &br_name, "port", &port_name,
                           "packet", &hex)) {
        return NULL;
    }
    brs = select_bridges(bs, br_name, &n, errorp);
    if (!brs) {
        return NULL;
    }
    error = ofproto_dpif_inject(brs[0]->dp, port_name, hex, &msg);
    free(brs);
    if (error) {
        *errorp = rpc_error_create(error == ENOENT ? RPC_ERR_NOT_FOUND
                                   : error == EOPNOTSUPP
                                   ? RPC_ERR_UNSUPPORTED
                                   : RPC_ERR_INVALID, "%s", msg);
        free(msg);
        return NULL;
    }
    return json_object();
}

/* Returns a new JSON object for the datapath key printed as 'key'
 * ("in_port(1),eth(src=...,dst=...),eth_type(0x0800),..."): each
 * attribute by name, with its fields as an object when it has NAME=VALUE
 * fields, else its value as a string (true if it has none). */
static json_t *
odp_key_text_to_json(const char *key)
{
    json_t *pieces = json_split_top_level(key);
    json_t *object = json_object();
    json_t *piece;
    size_t i;

    json_array_foreach (pieces, i, piece) {
        const char *p = json_string_value(piece);
        const char *open = strchr(p, '(');
        size_t len = strlen(p);
        json_t *value;
        char *name, *inner;

        if (!open || p[len - 1] != ')') {
            json_object_set_new(object, p, json_true());
            continue;
        }
        name = xmemdup0(p, open - p);
        inner = xmemdup0(open + 1, p + len - 1 - (open + 1));
        value = (strchr(inner, '=') ? json_fields_object(inner)
                 : json_string(inner));
        json_object_set_new(object, name, value);
        free(inner);
        free(name);
    }
    json_decref(pieces);
    return object;
}

/* What dp.flows collects for one bridge. */
struct dp_flows_aux {
    bool structured;            /* Objects instead of lines. */
    json_t *flows;              /* The array being filled. */
};

/* Appends one datapath flow to the array in 'aux_': its line, or an
 * object (docs/rpc.md, dp.flows). */
static void
dp_flow_one(const struct dpif_flow *flow, const char *line,
            long long int now, void *aux_)
{
    const struct dpif_flow_stats *st = &flow->stats;
    struct dp_flows_aux *aux = aux_;
    struct ds s = DS_EMPTY_INITIALIZER;
    json_t *object;

    if (!aux->structured) {
        json_array_append_new(aux->flows, json_string(line));
        return;
    }
    odp_key_format(&s, flow->key, flow->key_size);
    object = json_pack("{s:o, s:I, s:I}",
                       "key", odp_key_text_to_json(ds_cstr(&s)),
                       "packets", (json_int_t) st->n_packets,
                       "bytes", (json_int_t) st->n_bytes);
    json_object_set_new(object, "used_ms", (st->used
                                            ? json_integer(now - st->used)
                                            : json_null()));
    if (st->tcp_flags) {
        ds_clear(&s);
        dpif_format_tcp_flags(&s, st->tcp_flags);
        json_object_set_new(object, "tcp_flags", json_string(ds_cstr(&s)));
    }
    if (st->tcp_seq.valid) {
        json_object_set_new(object, "seq_end",
                            json_integer(st->tcp_seq.seq_end));
        json_object_set_new(object, "ack", json_integer(st->tcp_seq.ack));
        json_object_set_new(object, "win", json_integer(st->tcp_seq.win));
    }
    ds_clear(&s);
    if (flow->actions_size) {
        odp_actions_format(&s, flow->actions, flow->actions_size);
    }
    json_object_set_new(object, "actions",
                        json_split_top_level(ds_cstr(&s)));
    json_object_set_new(object, "line", json_string(line));
    json_array_append_new(aux->flows, object);
    ds_destroy(&s);
}

static json_t *
dp_flows_to_json(struct bridge *br, bool structured)
{
    struct dp_flows_aux aux = { .structured = structured,
                                .flows = json_array() };

    ofproto_dpif_for_each_flow(br->dp, dp_flow_one, &aux);
    return json_pack("{s:s, s:o}", "bridge", br->name, "flows", aux.flows);
}

/* dp.stats: {"bridges": [to_json(br)...]} for the bridge
 * named in params, or every bridge with a datapath. */
static json_t *
per_bridge(json_t *params, json_t **errorp, struct bridge_set *bs,
           json_t *(*to_json)(struct bridge *))
{
    const char *br_name = NULL;
    struct bridge **brs;
    json_t *result;
    size_t i, n;

    if (!rpc_params_unpack(params, errorp, "{s?:s}", "bridge", &br_name)) {
        return NULL;
    }
    brs = select_bridges(bs, br_name, &n, errorp);
    if (!brs) {
        return NULL;
    }
    result = json_array();
    for (i = 0; i < n; i++) {
        json_array_append_new(result, to_json(brs[i]));
    }
    free(brs);
    return json_pack("{s:o}", "bridges", result);
}

static json_t *
rpc_dp_flows(json_t *params, json_t **errorp, void *bs)
{
    const char *br_name = NULL;
    struct bridge **brs;
    int structured = 0;
    json_t *result;
    size_t i, n;

    if (!rpc_params_unpack(params, errorp, "{s?:s, s?:b}",
                           "bridge", &br_name, "structured", &structured)) {
        return NULL;
    }
    brs = select_bridges(bs, br_name, &n, errorp);
    if (!brs) {
        return NULL;
    }
    result = json_array();
    for (i = 0; i < n; i++) {
        json_array_append_new(result, dp_flows_to_json(brs[i], structured));
    }
    free(brs);
    return json_pack("{s:o}", "bridges", result);
}

/* The counters of each forwarding thread in 'dp' as a JSON array. */
static json_t *
fwd_stats_to_json(const struct dpif_dp_stats *dp)
{
    json_t *array = json_array();
    unsigned int i;

    for (i = 0; i < dp->n_fwd; i++) {
        const struct dpif_fwd_stats *f = &dp->fwd[i];

        json_array_append_new(array, json_pack(
            "{s:I, s:I, s:I, s:f, s:I, s:I}",
            "thread", (json_int_t) i,
            "packets", (json_int_t) f->n_packets,
            "batches", (json_int_t) f->n_batches,
            "avg_batch", (f->n_batches
                          ? (double) f->n_packets / f->n_batches : 0.0),
            "full_batches", (json_int_t) f->n_full_batches,
            "wakeups", (json_int_t) f->n_wakeups));
    }
    return array;
}

static json_t *
dp_stats_to_json(struct bridge *br)
{
    struct dpif_dp_stats dp;
    struct udpif_stats up;
    json_t *json;

    memset(&dp, 0, sizeof dp);
    ofproto_dpif_get_stats(br->dp, &dp, &up);
    json = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I,"
                     " s:I, s:I}, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
                     " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
                     " s:I, s:I, s:I, s:I, s:I, s:I}",
                     "bridge", br->name,
                     "datapath", ofproto_dpif_name(br->dp),
                     "type", ofproto_dpif_type(br->dp),
                     "hit", (json_int_t) dp.n_hit,
                     "missed", (json_int_t) dp.n_missed,
                     "lost", (json_int_t) dp.n_lost,
                     "lost_by_reason",
                     "queue", (json_int_t) dp.n_lost_queue,
                     "rate", (json_int_t) dp.n_lost_rate,
                     "parse", (json_int_t) dp.n_lost_parse,
                     "dup", (json_int_t) dp.n_lost_dup,
                     "nohandler", (json_int_t) dp.n_lost_nohandler,
                     "nomem", (json_int_t) dp.n_lost_nomem,
                     "flows", (json_int_t) dp.n_flows,
                     "flow_limit", (json_int_t) dp.flow_limit,
                     "flow_limit_hits", (json_int_t) dp.n_flow_limit,
                     "upcalls", (json_int_t) up.n_upcalls,
                     "upcall_errors", (json_int_t) up.n_upcall_errors,
                     "upcalls_per_sec", (json_int_t) up.upcall_rate,
                     "installed", (json_int_t) up.n_installed,
                     "uncached", (json_int_t) up.n_uncached,
                     "revalidations", (json_int_t) up.n_revalidations,
                     "dumps", (json_int_t) up.n_dumps,
                     "retranslated", (json_int_t) up.n_retranslated,
                     "modified", (json_int_t) up.n_modified,
                     "deleted", (json_int_t) up.n_deleted,
                     "idle_deleted", (json_int_t) up.n_idle_deleted,
                     "adopted", (json_int_t) up.n_adopted,
                     "last_revalidation_us", (json_int_t) up.last_pass_us,
                     "last_change_us", (json_int_t) up.last_change_us,
                     "handlers", (json_int_t) up.n_handlers,
                     "max_idle", (json_int_t) up.max_idle,
                     "ct_events", (json_int_t) up.n_ct_events,
                     "ct_syncs", (json_int_t) up.n_ct_syncs,
                     "pairs_installed", (json_int_t) up.n_pairs_installed,
                     "pairs_used", (json_int_t) up.n_pairs_used,
                     "pairs_wasted", (json_int_t) up.n_pairs_wasted);
    if (dp.n_fwd) {
        json_object_set_new(json, "forwarders", fwd_stats_to_json(&dp));
    }
    return json;
}

static json_t *
rpc_dp_stats(json_t *params, json_t **errorp, void *bs)
{
    return per_bridge(params, errorp, bs, dp_stats_to_json);
}

void
dp_rpc_register(struct rpc_server *server, struct bridge_set *bs)
{
    rpc_server_register(server, "dp.inject", rpc_dp_inject, bs);
    rpc_server_register(server, "dp.set_link", rpc_dp_set_link, bs);
    rpc_server_register(server, "dp.flows", rpc_dp_flows, bs);
    rpc_server_register(server, "dp.stats", rpc_dp_stats, bs);
}
