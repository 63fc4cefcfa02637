#include <config.h>
#include "meter-rpc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "dpif.h"
#include "dynamic-string.h"
#include "jsonrpc.h"
#include "ofp-meter.h"
#include "ofproto.h"
#include "rpc-server.h"
#include "util.h"

/* Turns 'error' and 'msg' (freed) into a JSON-RPC error. */
static json_t *
meter_error(int error, char *msg)
{
    json_t *e = rpc_error_create(error == ENOENT ? RPC_ERR_NOT_FOUND
                                 : error == EEXIST ? RPC_ERR_EXISTS
                                 : error == EIO ? RPC_ERR_IO
                                 : error == EOPNOTSUPP ? RPC_ERR_UNSUPPORTED
                                 : RPC_ERR_INVALID, "%s", msg);
    free(msg);
    return e;
}

/* Reads the optional "meter_id" member into '*idp' (OFPM_ALL if
 * absent). */
static bool
get_meter_id(json_t *id_json, uint32_t *idp, json_t **errorp)
{
    json_int_t id;

    *idp = OFPM_ALL;
    if (!id_json) {
        return true;
    }
    id = json_integer_value(id_json);
    if (!json_is_integer(id_json) || id < 1 || id > OFPM_MAX) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "meter_id must be an "
                                   "integer from 1 to %"PRIu32, OFPM_MAX);
        return false;
    }
    *idp = id;
    return true;
}

/* meter.add and meter.mod: the meters of "meters" as one batch, all or
 * none: every line is parsed first, then the meters are applied in
 * order, and the ones applied are undone if a later one fails. */
static json_t *
meter_add_or_mod(json_t *params, json_t **errorp, void *bs_, bool modify)
{
    struct bridge_set *bs = bs_;
    struct ofp_meter *meters, *old;
    size_t i = 0, j, n, n_applied;
    const char *br_name;
    struct bridge *br;
    char *msg = NULL;
    json_t *lines;
    int error = 0;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:o}", "bridge", &br_name,
                           "meters", &lines)) {
        return NULL;
    }
    if (!json_is_array(lines) || !json_array_size(lines)) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "meters must be a "
                                   "nonempty array of strings");
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    n = json_array_size(lines);
    meters = xcalloc(n, sizeof *meters);
    old = xcalloc(n, sizeof *old);
    for (i = 0; !error && i < n; i++) {
        const char *s = json_string_value(json_array_get(lines, i));

        msg = s ? ofp_meter_parse(s, &meters[i]) : xstrdup("not a string");
        error = msg ? EINVAL : 0;
        for (j = 0; !error && j < i; j++) {
            if (meters[j].meter_id == meters[i].meter_id) {
                msg = xasprintf("meter=%"PRIu32": given twice",
                                meters[i].meter_id);
                error = EINVAL;
            }
        }
    }
    for (n_applied = 0; !error && n_applied < n; n_applied++) {
        struct ofp_meter *prev;
        size_t n_prev;

        i = n_applied + 1;
        prev = ofproto_meters_get(br->ofproto, meters[n_applied].meter_id,
                                  &n_prev);
        if (n_prev) {
            old[n_applied] = prev[0];
        }
        free(prev);
        error = bridge_meter_add(bs, br_name, &meters[n_applied], modify,
                                 &msg);
        if (error) {
            break;
        }
    }
    if (error) {
        /* Undo what this batch applied before the failure. */
        for (j = n_applied; j-- > 0;) {
            size_t n_meters, n_flows;
            char *undo_msg = NULL;

            if (modify) {
                bridge_meter_add(bs, br_name, &old[j], true, &undo_msg);
            } else {
                bridge_meter_del(bs, br_name, meters[j].meter_id,
                                 &n_meters, &n_flows, &undo_msg);
            }
            free(undo_msg);
        }
    }
    free(old);
    free(meters);
    if (error) {
        if (n > 1) {
            char *s = xasprintf("meter %zu: %s", i, msg);

            free(msg);
            msg = s;
        }
        *errorp = meter_error(error, msg);
        return NULL;
    }
    return json_pack("{s:I}", "n_meters", (json_int_t) n);
}

static json_t *
rpc_meter_add(json_t *params, json_t **errorp, void *bs)
{
    return meter_add_or_mod(params, errorp, bs, false);
}

static json_t *
rpc_meter_mod(json_t *params, json_t **errorp, void *bs)
{
    return meter_add_or_mod(params, errorp, bs, true);
}

static json_t *
rpc_meter_del(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    size_t n_meters, n_flows;
    json_t *id_json = NULL;
    const char *br_name;
    uint32_t id;
    char *msg;
    int error;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o}", "bridge",
                           &br_name, "meter_id", &id_json)
        || !get_meter_id(id_json, &id, errorp)
        || !bridge_rpc_find(bs, br_name, errorp)) {
        return NULL;
    }
    error = bridge_meter_del(bs, br_name, id, &n_meters, &n_flows, &msg);
    if (error) {
        *errorp = meter_error(error, msg);
        return NULL;
    }
    return json_pack("{s:I, s:I}", "n_meters", (json_int_t) n_meters,
                     "n_flows", (json_int_t) n_flows);
}

static json_t *
rpc_meter_dump(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    struct ofp_meter *meters;
    json_t *id_json = NULL;
    const char *br_name;
    struct bridge *br;
    json_t *result;
    size_t i, n;
    uint32_t id;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o}", "bridge",
                           &br_name, "meter_id", &id_json)
        || !get_meter_id(id_json, &id, errorp)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    meters = ofproto_meters_get(br->ofproto, id, &n);
    result = json_array();
    for (i = 0; i < n; i++) {
        const struct ofp_meter *m = &meters[i];
        struct ds text = DS_EMPTY_INITIALIZER;
        struct ds line = DS_EMPTY_INITIALIZER;

        ofp_meter_format(m, &text);
        ofp_meter_format_line(m, &line);
        json_array_append_new(result, json_pack(
                                  "{s:I, s:s, s:I, s:b, s:b, s:I, s:s, s:s}",
                                  "meter_id", (json_int_t) m->meter_id,
                                  "unit", (m->flags & OFPMF_KBPS
                                           ? "kbps" : "pktps"),
                                  "rate", (json_int_t) m->rate,
                                  "burst", (m->flags & OFPMF_BURST) != 0,
                                  "stats", (m->flags & OFPMF_STATS) != 0,
                                  "burst_size", (json_int_t) m->burst_size,
                                  "text", ds_cstr(&text),
                                  "line", ds_cstr(&line)));
        ds_destroy(&text);
        ds_destroy(&line);
    }
    free(meters);
    return json_pack("{s:o}", "meters", result);
}

static json_t *
rpc_meter_stats(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    struct ofp_meter *meters;
    json_t *id_json = NULL;
    const char *br_name;
    struct bridge *br;
    json_t *result;
    size_t i, n;
    uint32_t id;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o}", "bridge",
                           &br_name, "meter_id", &id_json)
        || !get_meter_id(id_json, &id, errorp)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    meters = ofproto_meters_get(br->ofproto, id, &n);
    result = json_array();
    for (i = 0; i < n; i++) {
        uint32_t mid = meters[i].meter_id;
        struct dpif_meter_stats st;
        long long int created;
        struct ds text = DS_EMPTY_INITIALIZER;
        long long int age;
        size_t n_flows;
        char *msg;
        int error;

        ofproto_meter_info(br->ofproto, mid, &n_flows, &created);
        error = bridge_meter_get_stats(bs, br_name, mid, &st, &msg);
        if (error) {
            json_decref(result);
            free(meters);
            *errorp = meter_error(error, msg);
            return NULL;
        }
        age = time_msec() - created;
        ds_put_format(&text, "meter:%"PRIu32" flow_count:%zu "
                      "packet_in_count:%"PRIu64" byte_in_count:%"PRIu64" "
                      "duration:%lld.%03llds bands:\n0: packet_count:%"PRIu64
                      " byte_count:%"PRIu64, mid, n_flows, st.n_packets,
                      st.n_bytes, age / 1000, age % 1000, st.n_band_packets,
                      st.n_band_bytes);
        json_array_append_new(result, json_pack(
                                  "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
                                  "meter_id", (json_int_t) mid,
                                  "flow_count", (json_int_t) n_flows,
                                  "n_packets", (json_int_t) st.n_packets,
                                  "n_bytes", (json_int_t) st.n_bytes,
                                  "duration_ms", (json_int_t) age,
                                  "band_n_packets",
                                  (json_int_t) st.n_band_packets,
                                  "band_n_bytes",
                                  (json_int_t) st.n_band_bytes,
                                  "text", ds_cstr(&text)));
        ds_destroy(&text);
    }
    free(meters);
    return json_pack("{s:o}", "meters", result);
}

void
meter_rpc_register(struct rpc_server *server, struct bridge_set *bs)
{
    rpc_server_register(server, "meter.add", rpc_meter_add, bs);
    rpc_server_register(server, "meter.mod", rpc_meter_mod, bs);
    rpc_server_register(server, "meter.del", rpc_meter_del, bs);
    rpc_server_register(server, "meter.dump", rpc_meter_dump, bs);
    rpc_server_register(server, "meter.stats", rpc_meter_stats, bs);
}
