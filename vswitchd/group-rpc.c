#include <config.h>
#include "group-rpc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "dynamic-string.h"
#include "jsonrpc.h"
#include "ofp-group.h"
#include "ofp-parse.h"
#include "ofproto.h"
#include "rpc-server.h"
#include "util.h"

static json_t *
group_error(int error, char *msg)
{
    json_t *e = rpc_error_create(error == ENOENT ? RPC_ERR_NOT_FOUND
                                 : error == EEXIST ? RPC_ERR_EXISTS
                                 : error == EIO ? RPC_ERR_IO
                                 : RPC_ERR_INVALID, "%s", msg);
    free(msg);
    return e;
}

/* Reads the optional "group_id" member into '*idp' (OFPG_ALL if absent). */
static bool
get_group_id(json_t *id_json, uint32_t *idp, json_t **errorp)
{
    json_int_t id;

    *idp = OFPG_ALL;
    if (!id_json) {
        return true;
    }
    id = json_integer_value(id_json);
    if (!json_is_integer(id_json) || id < 0 || id > OFPG_MAX) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "group_id must be an "
                                   "integer from 0 to %"PRIu32,
                                   (uint32_t) OFPG_MAX);
        return false;
    }
    *idp = id;
    return true;
}

/* group.add and group.mod: the groups of "groups" as one batch, all or
 * none: every line is parsed first, then the groups are applied in
 * order, and the ones applied are undone if a later one fails. */
static json_t *
group_add_or_mod(json_t *params, json_t **errorp, void *bs_, bool modify)
{
    struct bridge_set *bs = bs_;
    struct ofp_group *groups, ***old;
    size_t i, j, n, n_parsed, n_applied = 0;
    struct ofp_port_map map;
    const char *br_name;
    struct bridge *br;
    char *msg = NULL;
    json_t *lines;
    int error = 0;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:o}", "bridge", &br_name,
                           "groups", &lines)) {
        return NULL;
    }
    if (!json_is_array(lines) || !json_array_size(lines)) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "groups must be a "
                                   "nonempty array of strings");
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    n = json_array_size(lines);
    groups = xcalloc(n, sizeof *groups);
    old = xcalloc(n, sizeof *old);
    ofproto_get_port_map(br->ofproto, &map);
    for (n_parsed = 0; n_parsed < n; n_parsed++) {
        const char *s = json_string_value(json_array_get(lines, n_parsed));

        msg = (s ? ofp_group_parse(s, &map, &groups[n_parsed])
               : xstrdup("not a string"));
        if (msg) {
            error = EINVAL;
            break;
        }
        for (j = 0; j < n_parsed; j++) {
            if (groups[j].group_id == groups[n_parsed].group_id) {
                msg = xasprintf("group_id=%"PRIu32": given twice",
                                groups[j].group_id);
                error = EINVAL;
            }
        }
        if (error) {
            ofp_group_uninit(&groups[n_parsed]);
            break;
        }
    }
    ofp_port_map_uninit(&map);
    i = n_parsed;
    for (n_applied = 0; !error && n_applied < n; n_applied++) {
        size_t n_old;

        i = n_applied;
        if (modify) {
            old[i] = ofproto_groups_get(br->ofproto, groups[i].group_id,
                                        &n_old);
            if (!n_old) {
                old[i][0] = NULL;
            }
        }
        error = bridge_group_add(bs, br_name, &groups[i], modify, &msg);
        if (error) {
            break;
        }
    }
    if (error) {
        /* Undo what this batch applied before the failure. */
        for (j = n_applied; j-- > 0;) {
            size_t n_groups, n_flows;
            char *undo_msg = NULL;

            if (modify) {
                bridge_group_add(bs, br_name, old[j][0], true, &undo_msg);
            } else {
                bridge_group_del(bs, br_name, groups[j].group_id,
                                 &n_groups, &n_flows, &undo_msg);
            }
            free(undo_msg);
        }
    }
    for (j = 0; j < n; j++) {
        if (old[j]) {
            if (old[j][0]) {
                ofp_group_uninit(old[j][0]);
                free(old[j][0]);
            }
            free(old[j]);
        }
        if (j < n_parsed) {
            ofp_group_uninit(&groups[j]);
        }
    }
    free(old);
    free(groups);
    if (error) {
        if (n > 1) {
            char *s = xasprintf("group %zu: %s", i + 1, msg);

            free(msg);
            msg = s;
        }
        *errorp = group_error(error, msg);
        return NULL;
    }
    return json_pack("{s:I}", "n_groups", (json_int_t) n);
}

static json_t *
rpc_group_add(json_t *params, json_t **errorp, void *bs)
{
    return group_add_or_mod(params, errorp, bs, false);
}

static json_t *
rpc_group_mod(json_t *params, json_t **errorp, void *bs)
{
    return group_add_or_mod(params, errorp, bs, true);
}

static json_t *
rpc_group_del(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    json_t *id_json = NULL;
    size_t n_groups, n_flows;
    const char *br_name;
    uint32_t id;
    char *msg;
    int error;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o}", "bridge",
                           &br_name, "group_id", &id_json)
        || !get_group_id(id_json, &id, errorp)
        || !bridge_rpc_find(bs, br_name, errorp)) {
        return NULL;
    }
    error = bridge_group_del(bs, br_name, id, &n_groups, &n_flows, &msg);
    if (error) {
        *errorp = group_error(error, msg);
        return NULL;
    }
    return json_pack("{s:I, s:I}", "n_groups", (json_int_t) n_groups,
                     "n_flows", (json_int_t) n_flows);
}

static json_t *
rpc_group_dump(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    int full = 0, names = 0;
    struct ofp_group **groups;
    struct ofp_port_map map;
    json_t *id_json = NULL;
    const char *br_name;
    struct bridge *br;
    json_t *result;
    size_t i, n;
    uint32_t id;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o, s?:b, s?:b}",
                           "bridge", &br_name, "group_id", &id_json,
                           "full", &full, "names", &names)
        || !get_group_id(id_json, &id, errorp)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    ofproto_get_port_map(br->ofproto, &map);
    groups = ofproto_groups_get(br->ofproto, id, &n);
    result = json_array();
    for (i = 0; i < n; i++) {
        struct ds s = DS_EMPTY_INITIALIZER;

        ofp_group_format(groups[i], names ? &map : NULL, full, &s);
        json_array_append_new(result, json_string(ds_cstr(&s)));
        ds_destroy(&s);
        ofp_group_uninit(groups[i]);
        free(groups[i]);
    }
    free(groups);
    ofp_port_map_uninit(&map);
    return json_pack("{s:o}", "groups", result);
}

static json_t *
rpc_group_stats(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    struct ofproto_group_stats *stats;
    json_t *id_json = NULL;
    const char *br_name;
    struct bridge *br;
    json_t *result;
    size_t i, j, n;
    uint32_t id;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o}", "bridge",
                           &br_name, "group_id", &id_json)
        || !get_group_id(id_json, &id, errorp)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    stats = ofproto_group_stats_get(br->ofproto, id, &n);
    result = json_array();
    for (i = 0; i < n; i++) {
        const struct ofproto_group_stats *s = &stats[i];
        struct ds line = DS_EMPTY_INITIALIZER;
        json_t *buckets = json_array();

        ds_put_format(&line, "group_id=%"PRIu32",duration=%lld.%03llds,"
                      "ref_count=%"PRIu32",packet_count=%"PRIu64","
                      "byte_count=%"PRIu64, s->group_id,
                      s->duration_msec / 1000, s->duration_msec % 1000,
                      s->ref_count, s->n_packets, s->n_bytes);
        for (j = 0; j < s->n_buckets; j++) {
            ds_put_format(&line, ",bucket%zu:packet_count=%"PRIu64","
                          "byte_count=%"PRIu64, j, s->bucket_packets[j],
                          s->bucket_bytes[j]);
            json_array_append_new(buckets, json_pack(
                                      "{s:I, s:I}", "n_packets",
                                      (json_int_t) s->bucket_packets[j],
                                      "n_bytes",
                                      (json_int_t) s->bucket_bytes[j]));
        }
        json_array_append_new(result, json_pack(
                                  "{s:I, s:I, s:I, s:I, s:I, s:o, s:s}",
                                  "group_id", (json_int_t) s->group_id,
                                  "duration_ms",
                                  (json_int_t) s->duration_msec,
                                  "ref_count", (json_int_t) s->ref_count,
                                  "n_packets", (json_int_t) s->n_packets,
                                  "n_bytes", (json_int_t) s->n_bytes,
                                  "buckets", buckets,
                                  "line", ds_cstr(&line)));
        ds_destroy(&line);
        free(s->bucket_packets);
        free(s->bucket_bytes);
    }
    free(stats);
    return json_pack("{s:o}", "stats", result);
}

void
group_rpc_register(struct rpc_server *server, struct bridge_set *bs)
{
    rpc_server_register(server, "group.add", rpc_group_add, bs);
    rpc_server_register(server, "group.mod", rpc_group_mod, bs);
    rpc_server_register(server, "group.del", rpc_group_del, bs);
    rpc_server_register(server, "group.dump", rpc_group_dump, bs);
    rpc_server_register(server, "group.stats", rpc_group_stats, bs);
}
