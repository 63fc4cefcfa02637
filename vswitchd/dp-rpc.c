#include <config.h>
#include "dp-rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "dpif.h"
#include "dynamic-string.h"
#include "jsonrpc.h"
#include "monitor.h"
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
dp_flows_to_json(struct bridge *br)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    json_t *lines = json_array();
    char *line, *save = NULL;

    ofproto_dpif_dump_flows(br->dp, &s);
    for (line = strtok_r((char *) ds_cstr(&s), "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        json_array_append_new(lines, json_string(line));
    }
    ds_destroy(&s);
    return json_pack("{s:s, s:o}", "bridge", br->name, "flows", lines);
}

/* dp.flows and dp.stats: {"bridges": [to_json(br)...]} for the bridge
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
    return per_bridge(params, errorp, bs, dp_flows_to_json);
}

static json_t *
dp_stats_to_json(struct bridge *br)
{
    struct dpif_dp_stats dp;
    struct udpif_stats up;

    memset(&dp, 0, sizeof dp);
    ofproto_dpif_get_stats(br->dp, &dp, &up);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I,"
                     " s:I, s:I}, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
                     " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
                     " s:I, s:I, s:I}",
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
                     "ct_syncs", (json_int_t) up.n_ct_syncs);
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
