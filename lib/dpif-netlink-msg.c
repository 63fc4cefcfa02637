/* lib/dpif-netlink-msg.c: layouts of nfvs.ko's generic netlink payloads.
 *
 * The policies mirror the kernel's: a reply with an attribute this
 * userspace does not know is refused rather than half understood. */
#include <config.h>
#include "dpif-netlink-msg.h"

#include <errno.h>
#include <string.h>
#include "nlattr.h"
#include "packets.h"
#include "util.h"

#define ANY_SIZE { true, 0, SIZE_MAX }
#define EXACT(TYPE) { true, sizeof(TYPE), sizeof(TYPE) }
#define STRING { true, 1, 256 }

/* Appends struct nfvs_header with 'dp_ifindex' to 'out'. */
static void
put_header(struct nl_buf *out, int dp_ifindex)
{
    struct nfvs_header hdr = { .dp_ifindex = dp_ifindex };

    nl_buf_put(out, &hdr, sizeof hdr);
}

/* Splits 'payload' into its header and attributes and parses the latter.
 * Returns 0 or EINVAL. */
static int
parse_payload(const void *payload, size_t size, int *dp_ifindexp,
              const struct nl_policy policy[], size_t n_policy,
              const struct nlattr *tb[], const char **errp)
{
    struct nfvs_header hdr;

    if (size < sizeof hdr) {
        if (errp) {
            *errp = "message shorter than struct nfvs_header";
        }
        return EINVAL;
    }
    memcpy(&hdr, payload, sizeof hdr);
    *dp_ifindexp = hdr.dp_ifindex;
    return (nl_parse((const uint8_t *) payload + sizeof hdr,
                     size - sizeof hdr, policy, n_policy, tb, errp)
            ? 0 : EINVAL);
}

/* Returns the string in 'nla', or NULL (with a reason in '*errp') if it
 * is not NUL-terminated. */
static bool
get_string(const struct nlattr *nla, const char **sp, const char **errp)
{
    const char *s = nl_attr_get(nla);
    size_t size = nl_attr_get_size(nla);

    if (!size || s[size - 1] || strlen(s) != size - 1) {
        if (errp) {
            *errp = "string attribute is not NUL-terminated";
        }
        return false;
    }
    *sp = s;
    return true;
}

/* Datapaths. */

void
dpnl_dp_to_payload(const struct dpnl_dp *dp, struct nl_buf *out)
{
    put_header(out, dp->dp_ifindex);
    if (dp->name) {
        nl_put_unspec(out, NFVS_DP_ATTR_NAME, dp->name,
                      strlen(dp->name) + 1);
    }
    if (dp->has_upcall_pids) {
        nl_put_unspec(out, NFVS_DP_ATTR_UPCALL_PIDS, dp->upcall_pids,
                      dp->n_upcall_pids * sizeof(uint32_t));
    }
    if (dp->has_stats) {
        nl_put_unspec(out, NFVS_DP_ATTR_STATS, &dp->stats,
                      sizeof dp->stats);
    }
    if (dp->has_flow_limit) {
        nl_put_u32(out, NFVS_DP_ATTR_FLOW_LIMIT, dp->flow_limit);
    }
}

int
dpnl_dp_from_payload(const void *payload, size_t size, struct dpnl_dp *dp,
                     const char **errp)
{
    static const struct nl_policy policy[] = {
        [NFVS_DP_ATTR_NAME] = STRING,
        [NFVS_DP_ATTR_UPCALL_PIDS] = ANY_SIZE,
        [NFVS_DP_ATTR_STATS] = EXACT(struct nfvs_dp_stats),
        [NFVS_DP_ATTR_FLOW_LIMIT] = EXACT(uint32_t),
        [NFVS_DP_ATTR_PAD] = ANY_SIZE,
    };
    const struct nlattr *tb[ARRAY_SIZE(policy)];
    const struct nlattr *a;

    memset(dp, 0, sizeof *dp);
    if (parse_payload(payload, size, &dp->dp_ifindex, policy,
                      ARRAY_SIZE(policy), tb, errp)) {
        return EINVAL;
    }
    if (tb[NFVS_DP_ATTR_NAME]
        && !get_string(tb[NFVS_DP_ATTR_NAME], &dp->name, errp)) {
        return EINVAL;
    }
    a = tb[NFVS_DP_ATTR_UPCALL_PIDS];
    if (a) {
        if (nl_attr_get_size(a) % sizeof(uint32_t)) {
            if (errp) {
                *errp = "upcall pids are not a whole number of u32s";
            }
            return EINVAL;
        }
        dp->has_upcall_pids = true;
        dp->upcall_pids = nl_attr_get(a);
        dp->n_upcall_pids = nl_attr_get_size(a) / sizeof(uint32_t);
    }
    if (tb[NFVS_DP_ATTR_STATS]) {
        dp->has_stats = true;
        memcpy(&dp->stats, nl_attr_get(tb[NFVS_DP_ATTR_STATS]),
               sizeof dp->stats);
    }
    if (tb[NFVS_DP_ATTR_FLOW_LIMIT]) {
        dp->has_flow_limit = true;
        dp->flow_limit = nl_attr_get_u32(tb[NFVS_DP_ATTR_FLOW_LIMIT]);
    }
    return 0;
}

/* Vports. */

void
dpnl_vport_to_payload(const struct dpnl_vport *vport, struct nl_buf *out)
{
    put_header(out, vport->dp_ifindex);
    if (vport->has_port_no) {
        nl_put_u32(out, NFVS_VPORT_ATTR_PORT_NO, vport->port_no);
    }
    if (vport->type) {
        nl_put_u32(out, NFVS_VPORT_ATTR_TYPE, vport->type);
    }
    if (vport->name) {
        nl_put_unspec(out, NFVS_VPORT_ATTR_NAME, vport->name,
                      strlen(vport->name) + 1);
    }
    if (vport->ifindex) {
        nl_put_u32(out, NFVS_VPORT_ATTR_IFINDEX, vport->ifindex);
    }
    if (vport->has_stats) {
        nl_put_unspec(out, NFVS_VPORT_ATTR_STATS, &vport->stats,
                      sizeof vport->stats);
    }
}

int
dpnl_vport_from_payload(const void *payload, size_t size,
                        struct dpnl_vport *vport, const char **errp)
{
    static const struct nl_policy policy[] = {
        [NFVS_VPORT_ATTR_PORT_NO] = EXACT(uint32_t),
        [NFVS_VPORT_ATTR_TYPE] = EXACT(uint32_t),
        [NFVS_VPORT_ATTR_NAME] = STRING,
        [NFVS_VPORT_ATTR_IFINDEX] = EXACT(uint32_t),
        [NFVS_VPORT_ATTR_STATS] = EXACT(struct nfvs_vport_stats),
        [NFVS_VPORT_ATTR_PAD] = ANY_SIZE,
    };
    const struct nlattr *tb[ARRAY_SIZE(policy)];

    memset(vport, 0, sizeof *vport);
    if (parse_payload(payload, size, &vport->dp_ifindex, policy,
                      ARRAY_SIZE(policy), tb, errp)) {
        return EINVAL;
    }
    if (tb[NFVS_VPORT_ATTR_NAME]
        && !get_string(tb[NFVS_VPORT_ATTR_NAME], &vport->name, errp)) {
        return EINVAL;
    }
    if (tb[NFVS_VPORT_ATTR_PORT_NO]) {
        vport->has_port_no = true;
        vport->port_no = nl_attr_get_u32(tb[NFVS_VPORT_ATTR_PORT_NO]);
    }
    if (tb[NFVS_VPORT_ATTR_TYPE]) {
        vport->type = nl_attr_get_u32(tb[NFVS_VPORT_ATTR_TYPE]);
    }
    if (tb[NFVS_VPORT_ATTR_IFINDEX]) {
        vport->ifindex = nl_attr_get_u32(tb[NFVS_VPORT_ATTR_IFINDEX]);
    }
    if (tb[NFVS_VPORT_ATTR_STATS]) {
        vport->has_stats = true;
        memcpy(&vport->stats, nl_attr_get(tb[NFVS_VPORT_ATTR_STATS]),
               sizeof vport->stats);
    }
    return 0;
}

/* Flows. */

void
dpnl_flow_to_payload(const struct dpnl_flow *flow, struct nl_buf *out)
{
    put_header(out, flow->dp_ifindex);
    if (flow->key) {
        nl_put_unspec(out, NFVS_FLOW_ATTR_KEY | NLA_F_NESTED, flow->key,
                      flow->key_size);
    }
    if (flow->has_actions) {
        nl_put_unspec(out, NFVS_FLOW_ATTR_ACTIONS | NLA_F_NESTED,
                      flow->actions, flow->actions_size);
    }
    if (flow->has_stats) {
        nl_put_unspec(out, NFVS_FLOW_ATTR_STATS, &flow->stats,
                      sizeof flow->stats);
    }
    if (flow->used) {
        nl_put_u64(out, NFVS_FLOW_ATTR_USED, flow->used);
    }
    if (flow->tcp_flags) {
        nl_put_u16(out, NFVS_FLOW_ATTR_TCP_FLAGS, flow->tcp_flags);
    }
    if (flow->has_tcp_seq) {
        nl_put_unspec(out, NFVS_FLOW_ATTR_TCP_SEQ, &flow->tcp_seq,
                      sizeof flow->tcp_seq);
    }
    if (flow->clear) {
        nl_put_flag(out, NFVS_FLOW_ATTR_CLEAR);
    }
    if (flow->packet) {
        nl_put_unspec(out, NFVS_FLOW_ATTR_PACKET, flow->packet,
                      flow->packet_size);
    }
}

int
dpnl_flow_from_payload(const void *payload, size_t size,
                       struct dpnl_flow *flow, const char **errp)
{
    static const struct nl_policy policy[] = {
        [NFVS_FLOW_ATTR_KEY] = ANY_SIZE,
        [NFVS_FLOW_ATTR_ACTIONS] = ANY_SIZE,
        [NFVS_FLOW_ATTR_STATS] = EXACT(struct nfvs_flow_stats),
        [NFVS_FLOW_ATTR_USED] = EXACT(uint64_t),
        [NFVS_FLOW_ATTR_TCP_FLAGS] = EXACT(uint16_t),
        [NFVS_FLOW_ATTR_TCP_SEQ] = EXACT(struct nfvs_flow_tcp_seq),
        [NFVS_FLOW_ATTR_CLEAR] = { true, 0, 0 },
        [NFVS_FLOW_ATTR_PAD] = ANY_SIZE,
        [NFVS_FLOW_ATTR_PACKET] = { true, ETH_HEADER_LEN, SIZE_MAX },
    };
    const struct nlattr *tb[ARRAY_SIZE(policy)];

    memset(flow, 0, sizeof *flow);
    if (parse_payload(payload, size, &flow->dp_ifindex, policy,
                      ARRAY_SIZE(policy), tb, errp)) {
        return EINVAL;
    }
    if (tb[NFVS_FLOW_ATTR_KEY]) {
        flow->key = nl_attr_get(tb[NFVS_FLOW_ATTR_KEY]);
        flow->key_size = nl_attr_get_size(tb[NFVS_FLOW_ATTR_KEY]);
    }
    if (tb[NFVS_FLOW_ATTR_ACTIONS]) {
        flow->has_actions = true;
        flow->actions = nl_attr_get(tb[NFVS_FLOW_ATTR_ACTIONS]);
        flow->actions_size = nl_attr_get_size(tb[NFVS_FLOW_ATTR_ACTIONS]);
    }
    if (tb[NFVS_FLOW_ATTR_STATS]) {
        flow->has_stats = true;
        memcpy(&flow->stats, nl_attr_get(tb[NFVS_FLOW_ATTR_STATS]),
               sizeof flow->stats);
    }
    if (tb[NFVS_FLOW_ATTR_USED]) {
        flow->used = nl_attr_get_u64(tb[NFVS_FLOW_ATTR_USED]);
    }
    if (tb[NFVS_FLOW_ATTR_TCP_FLAGS]) {
        flow->tcp_flags = nl_attr_get_u16(tb[NFVS_FLOW_ATTR_TCP_FLAGS]);
    }
    if (tb[NFVS_FLOW_ATTR_TCP_SEQ]) {
        flow->has_tcp_seq = true;
        memcpy(&flow->tcp_seq, nl_attr_get(tb[NFVS_FLOW_ATTR_TCP_SEQ]),
               sizeof flow->tcp_seq);
    }
    flow->clear = tb[NFVS_FLOW_ATTR_CLEAR] != NULL;
    if (tb[NFVS_FLOW_ATTR_PACKET]) {
        flow->packet = nl_attr_get(tb[NFVS_FLOW_ATTR_PACKET]);
        flow->packet_size = nl_attr_get_size(tb[NFVS_FLOW_ATTR_PACKET]);
    }
    return 0;
}

/* Packets. */

void
dpnl_packet_to_payload(const struct dpnl_packet *p, struct nl_buf *out)
{
    put_header(out, p->dp_ifindex);
    if (p->packet) {
        nl_put_unspec(out, NFVS_PACKET_ATTR_PACKET, p->packet,
                      p->packet_size);
    }
    if (p->key) {
        nl_put_unspec(out, NFVS_PACKET_ATTR_KEY | NLA_F_NESTED, p->key,
                      p->key_size);
    }
    if (p->has_actions) {
        nl_put_unspec(out, NFVS_PACKET_ATTR_ACTIONS | NLA_F_NESTED,
                      p->actions, p->actions_size);
    }
    if (p->userdata) {
        nl_put_unspec(out, NFVS_PACKET_ATTR_USERDATA, p->userdata,
                      p->userdata_size);
    }
    if (p->has_hash) {
        nl_put_u32(out, NFVS_PACKET_ATTR_HASH, p->hash);
    }
    if (p->csum_valid) {
        nl_put_flag(out, NFVS_PACKET_ATTR_CSUM_VALID);
    }
}

int
dpnl_packet_from_payload(const void *payload, size_t size,
                         struct dpnl_packet *p, const char **errp)
{
    static const struct nl_policy policy[] = {
        [NFVS_PACKET_ATTR_PACKET] = { true, 1, SIZE_MAX },
        [NFVS_PACKET_ATTR_KEY] = ANY_SIZE,
        [NFVS_PACKET_ATTR_ACTIONS] = ANY_SIZE,
        [NFVS_PACKET_ATTR_USERDATA] = ANY_SIZE,
        [NFVS_PACKET_ATTR_HASH] = EXACT(uint32_t),
        [NFVS_PACKET_ATTR_CSUM_VALID] = { true, 0, 0 },
    };
    const struct nlattr *tb[ARRAY_SIZE(policy)];

    memset(p, 0, sizeof *p);
    if (parse_payload(payload, size, &p->dp_ifindex, policy,
                      ARRAY_SIZE(policy), tb, errp)) {
        return EINVAL;
    }
    if (tb[NFVS_PACKET_ATTR_PACKET]) {
        p->packet = nl_attr_get(tb[NFVS_PACKET_ATTR_PACKET]);
        p->packet_size = nl_attr_get_size(tb[NFVS_PACKET_ATTR_PACKET]);
    }
    if (tb[NFVS_PACKET_ATTR_KEY]) {
        p->key = nl_attr_get(tb[NFVS_PACKET_ATTR_KEY]);
        p->key_size = nl_attr_get_size(tb[NFVS_PACKET_ATTR_KEY]);
    }
    if (tb[NFVS_PACKET_ATTR_ACTIONS]) {
        p->has_actions = true;
        p->actions = nl_attr_get(tb[NFVS_PACKET_ATTR_ACTIONS]);
        p->actions_size = nl_attr_get_size(tb[NFVS_PACKET_ATTR_ACTIONS]);
    }
    if (tb[NFVS_PACKET_ATTR_USERDATA]) {
        p->userdata = nl_attr_get(tb[NFVS_PACKET_ATTR_USERDATA]);
        p->userdata_size = nl_attr_get_size(tb[NFVS_PACKET_ATTR_USERDATA]);
    }
    if (tb[NFVS_PACKET_ATTR_HASH]) {
        p->has_hash = true;
        p->hash = nl_attr_get_u32(tb[NFVS_PACKET_ATTR_HASH]);
    }
    p->csum_valid = tb[NFVS_PACKET_ATTR_CSUM_VALID] != NULL;
    return 0;
}

bool
dpnl_key_in_port(const void *key, size_t key_size, uint32_t *portp)
{
    const struct nlattr *nla;
    size_t left;

    NL_ATTR_FOR_EACH (nla, left, key, key_size) {
        if (nl_attr_type(nla) == NFVS_KEY_ATTR_IN_PORT
            && nl_attr_get_size(nla) == sizeof(uint32_t)) {
            *portp = nl_attr_get_u32(nla);
            return true;
        }
    }
    return false;
}
