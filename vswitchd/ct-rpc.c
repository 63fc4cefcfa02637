#include <config.h>
#include "ct-rpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "conntrack.h"
#include "dynamic-string.h"
#include "jsonrpc.h"
#include "ofproto-dpif.h"
#include "ofproto.h"
#include "rpc-server.h"
#include "util.h"

/* Reads the optional "zone" member 'zone' (NULL if it was left out) into
 * '*zonep' and returns true, with '*zonepp' pointing to '*zonep', or to
 * NULL for "every zone" when 'zone' is NULL.  A zone given must be an
 * integer from 0 to 65535: "every zone" is only said by leaving it out,
 * never by a value such as -1.  Otherwise returns false with an error in
 * '*errorp'. */
static bool
get_zone(const json_t *zone, uint16_t *zonep, uint16_t **zonepp,
         json_t **errorp)
{
    json_int_t z;

    *zonepp = NULL;
    if (!zone) {
        return true;
    } else if (!json_is_integer(zone)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                   "zone must be an integer from 0 to "
                                   "65535 (leave it out for every zone)");
        return false;
    }
    z = json_integer_value(zone);
    if (z < 0 || z > UINT16_MAX) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "zone %lld out of range "
                                   "0 to 65535 (leave it out for every "
                                   "zone)", (long long) z);
        return false;
    }
    *zonep = z;
    *zonepp = zonep;
    return true;
}

static json_t *
tuple_to_json(const struct conntrack_tuple *t)
{
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

    if (t->is_ipv6) {
        inet_ntop(AF_INET6, &t->src, src, sizeof src);
        inet_ntop(AF_INET6, &t->dst, dst, sizeof dst);
    } else {
        inet_ntop(AF_INET, &t->src.s6_addr[12], src, sizeof src);
        inet_ntop(AF_INET, &t->dst.s6_addr[12], dst, sizeof dst);
    }
    if (t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6) {
        return json_pack("{s:s, s:s, s:i, s:i}", "src", src, "dst", dst,
                         "id", ntohs(t->src_port), "type", t->icmp_type);
    }
    return json_pack("{s:s, s:s, s:i, s:i}", "src", src, "dst", dst,
                     "sport", ntohs(t->src_port),
                     "dport", ntohs(t->dst_port));
}

static json_t *
rpc_ct_dump(json_t *params, json_t **errorp, void *bs)
{
    struct conntrack_entry *entries;
    json_t *zone_arg = NULL;
    const char *br_name;
    struct bridge *br;
    json_t *conns;
    uint16_t zone = 0, *zonep;
    size_t i, n;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o}", "bridge",
                           &br_name, "zone", &zone_arg)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br || !get_zone(zone_arg, &zone, &zonep, errorp)) {
        return NULL;
    }
    ofproto_ct_lock(br->ofproto);
    conntrack_dump(ofproto_get_conntrack(br->ofproto), zonep, &entries,
                   &n);
    ofproto_ct_unlock(br->ofproto);

    conns = json_array();
    for (i = 0; i < n; i++) {
        const struct conntrack_entry *e = &entries[i];
        struct ds line = DS_EMPTY_INITIALIZER;
        json_t *c;

        conntrack_entry_format(e, &line);
        c = json_pack("{s:s, s:I, s:i, s:o, s:o, s:i, s:I, s:b, s:b, s:I}",
                      "line", ds_cstr(&line), "id", (json_int_t) e->id,
                      "proto", e->orig.proto,
                      "orig", tuple_to_json(&e->orig),
                      "reply", tuple_to_json(&e->reply),
                      "zone", e->zone, "mark", (json_int_t) e->mark,
                      "seen_reply", e->seen_reply, "assured", e->assured,
                      "expires_in_ms",
                      (json_int_t) NFVS_MAX(0, e->expiration
                                               - time_msec()));
        if (e->orig.proto == IPPROTO_TCP) {
            json_object_set_new(c, "state", json_string(
                                    ct_tcp_state_to_string(e->tcp_state)));
        }
        json_array_append_new(conns, c);
        ds_destroy(&line);
    }
    free(entries);
    return json_pack("{s:o}", "connections", conns);
}

/* OVS's ct-tuple syntax ("ct_nw_src=A,ct_nw_dst=B,ct_nw_proto=6,
 * ct_tp_src=N,ct_tp_dst=N", or icmp_id/icmp_type/icmp_code) rewritten
 * into the dump syntax conntrack_tuple_parse() reads.  Returns NULL or
 * an error the caller frees; stores the rewrite (caller frees) in
 * '*outp'. */
static char *
ovs_tuple_rewrite(const char *s_, char **outp)
{
    static const struct {
        const char *ovs;
        const char *ours;
    } names[] = {
        { "ct_nw_src", "src" }, { "ct_ipv6_src", "src" },
        { "ct_nw_dst", "dst" }, { "ct_ipv6_dst", "dst" },
        { "ct_tp_src", "sport" }, { "ct_tp_dst", "dport" },
        { "icmp_id", "id" }, { "icmp_type", "type" },
        { "icmp_code", "code" },
    };
    struct ds out = DS_EMPTY_INITIALIZER;
    char *s = xstrdup(s_), *save = NULL, *token;
    const char *proto = NULL;
    char *error = NULL;
    size_t i;

    for (token = strtok_r(s, ",", &save); token;
         token = strtok_r(NULL, ",", &save)) {
        char *value = strchr(token, '=');

        if (!value) {
            error = xasprintf("%s: missing value", token);
            goto out;
        }
        *value++ = '\0';
        if (!strcmp(token, "ct_nw_proto")) {
            proto = (!strcmp(value, "6") ? "tcp"
                     : !strcmp(value, "17") ? "udp"
                     : !strcmp(value, "1") ? "icmp"
                     : !strcmp(value, "58") ? "icmpv6"
                     : !strcmp(value, "132") ? "sctp" : NULL);
            if (!proto) {
                error = xasprintf("ct_nw_proto=%s: unsupported protocol",
                                  value);
                goto out;
            }
            continue;
        }
        for (i = 0; i < ARRAY_SIZE(names); i++) {
            if (!strcmp(token, names[i].ovs)) {
                ds_put_format(&out, ",%s=%s", names[i].ours, value);
                break;
            }
        }
        if (i == ARRAY_SIZE(names)) {
            error = xasprintf("%s: unknown field", token);
            goto out;
        }
    }
    if (!proto) {
        error = xstrdup("tuple needs ct_nw_proto");
        goto out;
    }
    *outp = xasprintf("%s%s", proto, ds_cstr(&out));

out:
    ds_destroy(&out);
    free(s);
    return error;
}

/* Parses 's' in either syntax into '*tuple'. */
static char *
tuple_parse(const char *s, struct conntrack_tuple *tuple)
{
    char *rewritten = NULL, *error;

    if (strncmp(s, "ct_", 3) && strncmp(s, "icmp_", 5)) {
        return conntrack_tuple_parse(s, tuple);
    }
    error = ovs_tuple_rewrite(s, &rewritten);
    if (!error) {
        error = conntrack_tuple_parse(rewritten, tuple);
        free(rewritten);
    }
    return error;
}

static json_t *
rpc_ct_flush(json_t *params, json_t **errorp, void *bs)
{
    struct conntrack_tuple tuple;
    const char *br_name, *tuple_s = NULL;
    json_t *zone_arg = NULL;
    struct bridge *br;
    uint16_t zone = 0, *zonep;
    size_t n;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o, s?:s}", "bridge",
                           &br_name, "zone", &zone_arg, "tuple", &tuple_s)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br || !get_zone(zone_arg, &zone, &zonep, errorp)) {
        return NULL;
    }
    if (tuple_s) {
        char *msg = tuple_parse(tuple_s, &tuple);

        if (msg) {
            *errorp = rpc_error_create(RPC_ERR_INVALID, "%s", msg);
            free(msg);
            return NULL;
        }
    }
    ofproto_ct_lock(br->ofproto);
    n = conntrack_flush(ofproto_get_conntrack(br->ofproto), zonep,
                        tuple_s ? &tuple : NULL);
    ofproto_ct_unlock(br->ofproto);
    if (br->dp) {
        /* The flushed connections' cached flows go now. */
        ofproto_dpif_ct_events_run(br->dp);
    }
    return json_pack("{s:I}", "flushed", (json_int_t) n);
}

static json_t *
rpc_ct_stats(json_t *params, json_t **errorp, void *bs)
{
    struct conntrack_stats st;
    const char *br_name;
    json_t *by_state, *invalid;
    struct bridge *br;
    size_t i;

    if (!rpc_params_unpack(params, errorp, "{s:s}", "bridge", &br_name)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    ofproto_ct_lock(br->ofproto);
    conntrack_get_stats(ofproto_get_conntrack(br->ofproto), &st);
    ofproto_ct_unlock(br->ofproto);

    by_state = json_object();
    for (i = 1; i < CT_TCP_N_STATES; i++) {
        json_object_set_new(by_state, ct_tcp_state_to_string(i),
                            json_integer(st.n_tcp_by_state[i]));
    }
    invalid = json_object();
    for (i = 1; i < CT_N_INVALID; i++) {
        json_object_set_new(invalid, conntrack_invalid_to_string(i),
                            json_integer(st.n_invalid[i]));
    }
    return json_pack("{s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
                     "connections", (json_int_t) st.n_conns,
                     "tcp_by_state", by_state,
                     "udp", (json_int_t) st.n_udp,
                     "icmp", (json_int_t) st.n_icmp,
                     "other", (json_int_t) st.n_other,
                     "created", (json_int_t) st.n_created,
                     "established", (json_int_t) st.n_established,
                     "expired", (json_int_t) st.n_expired,
                     "limit_drops", (json_int_t) st.n_limit_drops,
                     "invalid", invalid);
}

static json_t *
rpc_ct_timeouts(json_t *params, json_t **errorp, void *bs)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char *line, *save = NULL;
    const char *br_name;
    struct bridge *br;
    json_t *timeouts;

    if (!rpc_params_unpack(params, errorp, "{s:s}", "bridge", &br_name)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    ofproto_ct_lock(br->ofproto);
    conntrack_format_timeouts(ofproto_get_conntrack(br->ofproto), &s);
    ofproto_ct_unlock(br->ofproto);

    timeouts = json_object();
    for (line = strtok_r((char *) ds_cstr(&s), "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');

        if (eq) {
            *eq = '\0';
            json_object_set_new(timeouts, line,
                                json_integer(strtoll(eq + 1, NULL, 10)));
        }
    }
    ds_destroy(&s);
    return json_pack("{s:o}", "timeouts", timeouts);
}

static json_t *
rpc_ct_set_timeout(json_t *params, json_t **errorp, void *bs)
{
    const char *br_name, *name;
    json_int_t secs;
    struct bridge *br;
    int error;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:s, s:I}", "bridge",
                           &br_name, "name", &name, "seconds", &secs)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    if (secs <= 0 || secs > UINT32_MAX) {
        error = EINVAL;
    } else {
        ofproto_ct_lock(br->ofproto);
        error = conntrack_set_timeout(ofproto_get_conntrack(br->ofproto),
                                      name, secs);
        ofproto_ct_unlock(br->ofproto);
    }
    if (error) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "%s=%lld: unknown "
                                   "timeout or value out of range 1 to "
                                   "10 years", name, (long long) secs);
        return NULL;
    }
    return json_object();
}

static json_t *
rpc_ct_set_limit(json_t *params, json_t **errorp, void *bs)
{
    json_t *zone_arg = NULL;
    const char *br_name;
    struct bridge *br;
    uint16_t zone = 0, *zonep;
    json_int_t limit;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o, s:I}", "bridge",
                           &br_name, "zone", &zone_arg, "limit", &limit)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br || !get_zone(zone_arg, &zone, &zonep, errorp)) {
        return NULL;
    }
    if (limit < 0 || limit > UINT32_MAX) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "limit %lld out of "
                                   "range 0 to 4294967295",
                                   (long long) limit);
        return NULL;
    }
    ofproto_ct_lock(br->ofproto);
    if (!zonep) {
        conntrack_set_max_conns(ofproto_get_conntrack(br->ofproto), limit);
    } else {
        conntrack_set_zone_limit(ofproto_get_conntrack(br->ofproto), zone,
                                 limit);
    }
    ofproto_ct_unlock(br->ofproto);
    return json_object();
}

void
ct_rpc_register(struct rpc_server *server, struct bridge_set *bs)
{
    rpc_server_register(server, "ct.dump", rpc_ct_dump, bs);
    rpc_server_register(server, "ct.flush", rpc_ct_flush, bs);
    rpc_server_register(server, "ct.stats", rpc_ct_stats, bs);
    rpc_server_register(server, "ct.timeouts", rpc_ct_timeouts, bs);
    rpc_server_register(server, "ct.set_timeout", rpc_ct_set_timeout, bs);
    rpc_server_register(server, "ct.set_limit", rpc_ct_set_limit, bs);
}
