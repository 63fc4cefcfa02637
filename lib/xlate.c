#include <config.h>
#include "xlate.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "conntrack.h"
#include "datapath/nfvs_abi.h"
#include "dp-packet.h"
#include "dynamic-string.h"
#include "flow-table.h"
#include "mac-learning.h"
#include "meta-flow.h"
#include "odp-util.h"
#include "ofp-actions.h"
#include "ofp-flow.h"
#include "ofp-group.h"
#include "ofproto.h"
#include "packets.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(xlate);

struct xlate_ctx {
    const struct xlate_in *xin; /* The request. */
    struct xlate_out *xout;     /* The result being built. */
    struct ofproto *ofproto;    /* The bridge. */
    struct flow_table *tables;  /* Its tables. */

    struct flow flow;           /* The packet as the pipeline has it. */
    struct flow base_flow;      /* The packet as the datapath has it, i.e.
                                 * as of the last committed action. */
    uint8_t table_id;           /* Table being executed. */
    int depth;                  /* Nesting of resubmit/goto_table. */
    int n_lookups;              /* Table lookups so far. */
    bool exit;                  /* Stop executing actions (dec_ttl...). */
    bool packet_parsed;         /* 'xin->packet' has its layer offsets. */
    bool has_last_ct;           /* 'last_ct' is valid: */
    struct conntrack_result last_ct; /* The last ct() result, so that a
                                      * second ct() in the same zone does
                                      * not run the packet again. */
    int indent;                 /* Trace indentation, in spaces. */
    nfvs_be16 vlan_tpid;        /* TPID of the tag 'flow.vlan_tci' has:
                                 * ETH_TYPE_VLAN unless push_vlan said
                                 * ETH_TYPE_VLAN_8021AD. */
};

const char *
xlate_error_to_string(enum xlate_error error)
{
    switch (error) {
    case XLATE_OK:
        return "no error";
    case XLATE_RECURSION_TOO_DEEP:
        return "recursion too deep";
    case XLATE_TOO_MANY_RESUBMITS:
        return "too many resubmits";
    }
    return "unknown error";
}

/* Appends a trace line at the current indentation. */
static void NFVS_PRINTF_FORMAT(2, 3)
trace(const struct xlate_ctx *ctx, const char *format, ...)
{
    struct ds *s = ctx->xin->trace;
    va_list args;

    if (!s) {
        return;
    }
    ds_put_format(s, "%*s", ctx->indent, "");
    va_start(args, format);
    ds_put_format_valist(s, format, args);
    va_end(args);
    ds_put_char(s, '\n');
}

/* Committing the pipeline's changes to datapath actions. */

static void
commit_set(struct nl_buf *actions, uint16_t type, const void *data,
           size_t size)
{
    size_t ofs = nl_nest_start(actions, NFVS_ACTION_ATTR_SET);

    nl_put_unspec(actions, type, data, size);
    nl_nest_end(actions, ofs);
}

static void
commit_vlan(struct xlate_ctx *ctx)
{
    struct nl_buf *actions = &ctx->xout->odp_actions;
    nfvs_be16 want = ctx->flow.vlan_tci;
    nfvs_be16 have = ctx->base_flow.vlan_tci;

    if (want == have) {
        return;
    }
    if (have & htons(VLAN_CFI)) {
        odp_put_pop_vlan(actions);
    }
    if (want & htons(VLAN_CFI)) {
        odp_put_push_vlan(actions, ntohs(ctx->vlan_tpid),
                          ntohs(want) & ~VLAN_CFI);
    }
    ctx->base_flow.vlan_tci = want;
}

static void
commit_l2(struct xlate_ctx *ctx)
{
    struct flow *f = &ctx->flow, *b = &ctx->base_flow;
    struct nfvs_key_ethernet eth;

    if (eth_addr_equals(f->dl_src, b->dl_src)
        && eth_addr_equals(f->dl_dst, b->dl_dst)) {
        return;
    }
    memcpy(eth.eth_src, f->dl_src.ea, 6);
    memcpy(eth.eth_dst, f->dl_dst.ea, 6);
    commit_set(&ctx->xout->odp_actions, NFVS_KEY_ATTR_ETHERNET, &eth,
               sizeof eth);
    b->dl_src = f->dl_src;
    b->dl_dst = f->dl_dst;
}

static void
commit_l3(struct xlate_ctx *ctx)
{
    struct flow *f = &ctx->flow, *b = &ctx->base_flow;
    uint16_t dl_type = ntohs(f->dl_type);

    if (dl_type == ETH_TYPE_IP) {
        struct nfvs_key_ipv4 ip;

        if (f->nw_src == b->nw_src && f->nw_dst == b->nw_dst
            && f->nw_tos == b->nw_tos && f->nw_ttl == b->nw_ttl) {
            return;
        }
        ip.ipv4_src = f->nw_src;
        ip.ipv4_dst = f->nw_dst;
        ip.ipv4_proto = f->nw_proto;
        ip.ipv4_tos = f->nw_tos;
        ip.ipv4_ttl = f->nw_ttl;
        ip.ipv4_frag = odp_frag_type(f->nw_frag);
        commit_set(&ctx->xout->odp_actions, NFVS_KEY_ATTR_IPV4, &ip,
                   sizeof ip);
    } else if (dl_type == ETH_TYPE_IPV6) {
        struct nfvs_key_ipv6 ip;

        if (!memcmp(&f->ipv6_src, &b->ipv6_src, sizeof f->ipv6_src)
            && !memcmp(&f->ipv6_dst, &b->ipv6_dst, sizeof f->ipv6_dst)
            && f->ipv6_label == b->ipv6_label && f->nw_tos == b->nw_tos
            && f->nw_ttl == b->nw_ttl) {
            return;
        }
        memcpy(ip.ipv6_src, &f->ipv6_src, sizeof ip.ipv6_src);
        memcpy(ip.ipv6_dst, &f->ipv6_dst, sizeof ip.ipv6_dst);
        ip.ipv6_label = f->ipv6_label;
        ip.ipv6_proto = f->nw_proto;
        ip.ipv6_tclass = f->nw_tos;
        ip.ipv6_hlimit = f->nw_ttl;
        ip.ipv6_frag = odp_frag_type(f->nw_frag);
        commit_set(&ctx->xout->odp_actions, NFVS_KEY_ATTR_IPV6, &ip,
                   sizeof ip);
    } else if (dl_type == ETH_TYPE_ARP) {
        struct nfvs_key_arp arp;

        if (f->nw_src == b->nw_src && f->nw_dst == b->nw_dst
            && f->nw_proto == b->nw_proto
            && eth_addr_equals(f->arp_sha, b->arp_sha)
            && eth_addr_equals(f->arp_tha, b->arp_tha)) {
            return;
        }
        memset(&arp, 0, sizeof arp);
        arp.arp_sip = f->nw_src;
        arp.arp_tip = f->nw_dst;
        arp.arp_op = htons(f->nw_proto);
        memcpy(arp.arp_sha, f->arp_sha.ea, 6);
        memcpy(arp.arp_tha, f->arp_tha.ea, 6);
        commit_set(&ctx->xout->odp_actions, NFVS_KEY_ATTR_ARP, &arp,
                   sizeof arp);
        b->nw_proto = f->nw_proto;
        b->arp_sha = f->arp_sha;
        b->arp_tha = f->arp_tha;
    } else {
        return;
    }
    b->nw_src = f->nw_src;
    b->nw_dst = f->nw_dst;
    b->ipv6_src = f->ipv6_src;
    b->ipv6_dst = f->ipv6_dst;
    b->ipv6_label = f->ipv6_label;
    b->nw_tos = f->nw_tos;
    b->nw_ttl = f->nw_ttl;
}

static void
commit_l4(struct xlate_ctx *ctx)
{
    struct flow *f = &ctx->flow, *b = &ctx->base_flow;
    struct nfvs_key_ports ports;
    uint16_t type;

    if ((f->tp_src == b->tp_src && f->tp_dst == b->tp_dst)
        || (f->nw_frag & FLOW_NW_FRAG_LATER)) {
        return;
    }
    switch (f->nw_proto) {
    case IPPROTO_TCP:
        type = NFVS_KEY_ATTR_TCP;
        break;
    case IPPROTO_UDP:
        type = NFVS_KEY_ATTR_UDP;
        break;
    case IPPROTO_SCTP:
        type = NFVS_KEY_ATTR_SCTP;
        break;
    default:
        return;
    }
    ports.src = f->tp_src;
    ports.dst = f->tp_dst;
    commit_set(&ctx->xout->odp_actions, type, &ports, sizeof ports);
    b->tp_src = f->tp_src;
    b->tp_dst = f->tp_dst;
}

/* Emits the datapath actions that make the packet look like 'ctx->flow'
 * in the fields the datapath can change. */
static void
commit_odp_actions(struct xlate_ctx *ctx)
{
    commit_l2(ctx);
    commit_vlan(ctx);
    commit_l3(ctx);
    commit_l4(ctx);
}

/* Output. */

static void
output_to_port(struct xlate_ctx *ctx, uint32_t ofport)
{
    const struct ofproto_port *port = ofproto_port_find(ctx->ofproto,
                                                        ofport);

    if (!port) {
        trace(ctx, " -> output to nonexistent port %"PRIu32", skipping",
              ofport);
        return;
    }
    commit_odp_actions(ctx);
    odp_put_output(&ctx->xout->odp_actions, port->dp_port);
}

/* FLOOD and ALL differ in OpenFlow only for ports configured not to
 * receive floods, which nfvs does not have: both send to every port but
 * the input port. */
static void
flood(struct xlate_ctx *ctx)
{
    const struct ofproto_port *ports;
    size_t i, n;

    ports = ofproto_ports(ctx->ofproto, &n);
    for (i = 0; i < n; i++) {
        if (ports[i].ofport != ctx->flow.in_port) {
            output_to_port(ctx, ports[i].ofport);
        }
    }
}

/* NORMAL: a MAC-learning switch with per-port VLAN modes. */

static bool
port_includes_vlan(const struct ofproto_port *port, uint16_t vlan)
{
    size_t i;

    if (port->tag >= 0) {
        return port->tag == vlan;
    }
    if (!port->n_trunks) {
        return true;
    }
    for (i = 0; i < port->n_trunks; i++) {
        if (port->trunks[i] == vlan) {
            return true;
        }
    }
    return false;
}

/* Finds the VLAN of a packet received on 'port'.  Returns false (and
 * traces why) if the port must drop it. */
static bool
input_vlan(struct xlate_ctx *ctx, const struct ofproto_port *port,
           uint16_t *vlanp)
{
    uint16_t tci = ntohs(ctx->flow.vlan_tci);
    uint16_t vid = tci & VLAN_CFI ? tci & VLAN_VID_MASK : 0;

    if (port->tag >= 0) {
        if (vid) {
            trace(ctx, " -> dropping VLAN %d tagged packet received on "
                  "port %s configured as VLAN %d access port", vid,
                  port->name, port->tag);
            return false;
        }
        *vlanp = port->tag;
        return true;
    }
    if (!port_includes_vlan(port, vid)) {
        trace(ctx, " -> dropping VLAN %d packet received on port %s not "
              "configured for trunking VLAN %d", vid, port->name, vid);
        return false;
    }
    *vlanp = vid;
    return true;
}

/* Outputs to 'port' tagged or untagged as its mode says for 'vlan'. */
static void
output_normal(struct xlate_ctx *ctx, const struct ofproto_port *port,
              uint16_t vlan)
{
    nfvs_be16 saved = ctx->flow.vlan_tci;
    uint16_t pcp = ntohs(saved) & VLAN_CFI ? ntohs(saved) & VLAN_PCP_MASK
                                           : 0;

    if (port->tag >= 0 || vlan == 0) {
        ctx->flow.vlan_tci = 0;
    } else {
        ctx->flow.vlan_tci = htons(VLAN_CFI | pcp | vlan);
    }
    output_to_port(ctx, port->ofport);
    ctx->flow.vlan_tci = saved;
}

static bool
is_reserved_multicast(struct eth_addr dst)
{
    /* 01:80:c2:00:00:0x: STP, LACP, 802.1X...: never forwarded by a
     * bridge, as OVS does by default (other_config:forward-bpdu=false). */
    return (dst.ea[0] == 0x01 && dst.ea[1] == 0x80 && dst.ea[2] == 0xc2
            && dst.ea[3] == 0x00 && dst.ea[4] == 0x00
            && (dst.ea[5] & 0xf0) == 0x00);
}

/* Records that the translation's outcome depends on the MAC table's
 * entry for unicast 'mac' on 'vlan' (multicast never consults it). */
static void
add_mac_dep(struct xlate_ctx *ctx, struct eth_addr mac, uint16_t vlan)
{
    struct xlate_deps *deps = &ctx->xout->deps;

    if (eth_addr_is_multicast(mac)) {
        return;
    }
    if (deps->n_macs >= XLATE_MAX_MAC_DEPS) {
        deps->overflow = true;
        return;
    }
    deps->macs[deps->n_macs].mac = mac;
    deps->macs[deps->n_macs].vlan = vlan;
    deps->n_macs++;
}

/* Returns true if NORMAL's MAC table has the packet's source address on
 * VLAN 'vlan' learned on input port 'in'. */
static bool
src_is_learned(struct xlate_ctx *ctx, const struct ofproto_port *in,
               uint16_t vlan)
{
    struct mac_learning *ml = ofproto_get_mac_learning(ctx->ofproto);
    uint32_t port;

    return (mac_learning_lookup(ml, ctx->flow.dl_src, vlan, ctx->xin->now,
                                &port)
            && port == in->ofport);
}

static void
xlate_normal(struct xlate_ctx *ctx)
{
    struct mac_learning *ml = ofproto_get_mac_learning(ctx->ofproto);
    const struct ofproto_port *in, *out;
    const struct ofproto_port *ports;
    struct flow *flow = &ctx->flow;
    uint32_t out_port;
    uint16_t vlan;
    size_t i, n;

    ctx->xout->used_normal = true;
    in = ofproto_port_find(ctx->ofproto, flow->in_port);
    if (!in) {
        trace(ctx, " -> no input port %"PRIu32", dropping", flow->in_port);
        return;
    }
    if (eth_addr_is_multicast(flow->dl_src)) {
        trace(ctx, " -> dropping packet with multicast source address");
        return;
    }
    if (is_reserved_multicast(flow->dl_dst)) {
        trace(ctx, " -> dropping packet to reserved multicast address");
        return;
    }
    if (!input_vlan(ctx, in, &vlan)) {
        return;
    }

    if (!ctx->xin->may_learn && !src_is_learned(ctx, in, vlan)) {
        ctx->xout->src_unlearned = true;
    }
    if (ctx->xin->may_learn
        && mac_learning_learn(ml, flow->dl_src, vlan, in->ofport,
                              ctx->xin->now)) {
        trace(ctx, " -> learned that "ETH_ADDR_FMT" is on port %s in "
              "VLAN %d", ETH_ADDR_ARGS(flow->dl_src), in->name, vlan);
    }

    add_mac_dep(ctx, flow->dl_dst, vlan);
    if (mac_learning_lookup(ml, flow->dl_dst, vlan, ctx->xin->now,
                            &out_port)) {
        out = ofproto_port_find(ctx->ofproto, out_port);
        if (!out) {
            trace(ctx, " -> learned port %"PRIu32" is gone, flooding",
                  out_port);
        } else if (out_port == in->ofport) {
            trace(ctx, " -> learned port is input port, dropping");
            return;
        } else {
            trace(ctx, " -> forwarding to learned port %s", out->name);
            output_normal(ctx, out, vlan);
            return;
        }
    } else {
        trace(ctx, " -> %s, flooding",
              eth_addr_is_multicast(flow->dl_dst)
              ? "multicast or broadcast destination"
              : "no learned MAC for destination");
    }

    ports = ofproto_ports(ctx->ofproto, &n);
    for (i = 0; i < n; i++) {
        if (ports[i].ofport != in->ofport
            && port_includes_vlan(&ports[i], vlan)) {
            output_normal(ctx, &ports[i], vlan);
        }
    }
}

/* Tables and actions. */

static void xlate_table(struct xlate_ctx *, uint8_t table_id,
                        uint32_t lookup_in_port);
static void xlate_ct(struct xlate_ctx *, const struct ofpact_conntrack *);
static void xlate_group(struct xlate_ctx *, uint32_t group_id);

static void
xlate_output(struct xlate_ctx *ctx, uint32_t port)
{
    switch (port) {
    case OFPP_IN_PORT:
        output_to_port(ctx, ctx->flow.in_port);
        break;
    case OFPP_NORMAL:
        xlate_normal(ctx);
        break;
    case OFPP_FLOOD:
    case OFPP_ALL:
        flood(ctx);
        break;
    case OFPP_CONTROLLER:
    case OFPP_TABLE:
    case OFPP_NONE:
        trace(ctx, " -> output to this port is not supported, skipping");
        break;
    default:
        if (port == ctx->flow.in_port) {
            trace(ctx, " -> skipping output to input port");
        } else {
            output_to_port(ctx, port);
        }
        break;
    }
}

static void
set_vlan_vid(struct flow *flow, uint16_t vid)
{
    uint16_t tci = ntohs(flow->vlan_tci);

    tci = (tci & VLAN_CFI ? tci & ~VLAN_VID_MASK : VLAN_CFI) | vid;
    flow->vlan_tci = htons(tci);
}

static void
set_vlan_pcp(struct flow *flow, uint8_t pcp)
{
    uint16_t tci = ntohs(flow->vlan_tci);

    tci = (tci & VLAN_CFI ? tci & ~VLAN_PCP_MASK : VLAN_CFI)
          | (pcp << VLAN_PCP_SHIFT);
    flow->vlan_tci = htons(tci);
}

static bool
flow_is_ip(const struct flow *flow)
{
    return (flow->dl_type == htons(ETH_TYPE_IP)
            || flow->dl_type == htons(ETH_TYPE_IPV6));
}

static void
reg_move(struct flow *flow, const struct ofpact_reg_move *move)
{
    const struct mf_field *src = mf_from_id(move->src.field);
    const struct mf_field *dst = mf_from_id(move->dst.field);
    union mf_value sv, dv, mask;

    mf_get_value(src, flow, &sv);
    mf_get_value(dst, flow, &dv);
    memset(&mask, 0, sizeof mask);
    mf_bits_copy(sv.bytes, src->n_bytes, move->src.ofs, dv.bytes,
                 dst->n_bytes, move->dst.ofs, move->src.n_bits);
    mf_bits_set(mask.bytes, dst->n_bytes, move->dst.ofs, move->src.n_bits);
    mf_set_flow_value_masked(dst, &dv, &mask, flow);
}

static void
trace_action(struct xlate_ctx *ctx, const struct ofpact *a)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    if (!ctx->xin->trace) {
        return;
    }
    ofpacts_format(a, a->len, &s);
    trace(ctx, "%s", ds_cstr(&s));
    ds_destroy(&s);
}

static void
do_xlate_actions(struct xlate_ctx *ctx, const void *ofpacts, size_t size)
{
    struct flow *flow = &ctx->flow;
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, ofpacts, size) {
        if (ctx->exit || ctx->xout->error) {
            break;
        }
        trace_action(ctx, a);
        switch ((enum ofpact_type) a->type) {
        case OFPACT_OUTPUT:
            xlate_output(ctx, ((const struct ofpact_output *) a)->port);
            break;
        case OFPACT_RESUBMIT: {
            const struct ofpact_resubmit *r = (const void *) a;
            uint8_t saved_table = ctx->table_id;

            xlate_table(ctx, r->table_id == 255 ? ctx->table_id
                                                : r->table_id, r->in_port);
            ctx->table_id = saved_table;
            break;
        }
        case OFPACT_GOTO_TABLE:
            /* An instruction: it ends this rule's action list. */
            xlate_table(ctx, ((const struct ofpact_goto_table *) a)
                        ->table_id, OFPP_IN_PORT);
            return;
        case OFPACT_SET_VLAN_VID:
            set_vlan_vid(flow, ((const struct ofpact_vlan_vid *) a)
                         ->vlan_vid);
            break;
        case OFPACT_SET_VLAN_PCP:
            set_vlan_pcp(flow, ((const struct ofpact_vlan_pcp *) a)
                         ->vlan_pcp);
            break;
        case OFPACT_STRIP_VLAN:
            flow->vlan_tci = 0;
            ctx->vlan_tpid = htons(ETH_TYPE_VLAN);
            break;
        case OFPACT_PUSH_VLAN:
            if (flow->vlan_tci & htons(VLAN_CFI)) {
                trace(ctx, " -> packet is tagged already and nfvs does "
                      "not support two tags; push_vlan ignored");
            } else {
                flow->vlan_tci = htons(VLAN_CFI);
                ctx->vlan_tpid = ((const struct ofpact_push_vlan *) a)
                                 ->ethertype;
            }
            break;
        case OFPACT_SET_ETH_SRC:
            flow->dl_src = ((const struct ofpact_mac *) a)->mac;
            break;
        case OFPACT_SET_ETH_DST:
            flow->dl_dst = ((const struct ofpact_mac *) a)->mac;
            break;
        case OFPACT_SET_IPV4_SRC:
            if (flow->dl_type == htons(ETH_TYPE_IP)) {
                flow->nw_src = ((const struct ofpact_ipv4 *) a)->ipv4;
            }
            break;
        case OFPACT_SET_IPV4_DST:
            if (flow->dl_type == htons(ETH_TYPE_IP)) {
                flow->nw_dst = ((const struct ofpact_ipv4 *) a)->ipv4;
            }
            break;
        case OFPACT_SET_IP_DSCP:
            if (flow_is_ip(flow)) {
                flow->nw_tos = ((flow->nw_tos & 0x03)
                                | ((const struct ofpact_dscp *) a)->dscp);
            }
            break;
        case OFPACT_SET_L4_SRC_PORT:
            if (flow_is_ip(flow) && !(flow->nw_frag & FLOW_NW_FRAG_LATER)) {
                flow->tp_src = htons(((const struct ofpact_l4_port *) a)
                                     ->port);
            }
            break;
        case OFPACT_SET_L4_DST_PORT:
            if (flow_is_ip(flow) && !(flow->nw_frag & FLOW_NW_FRAG_LATER)) {
                flow->tp_dst = htons(((const struct ofpact_l4_port *) a)
                                     ->port);
            }
            break;
        case OFPACT_DEC_TTL:
            if (!flow_is_ip(flow)) {
                break;
            }
            if (flow->nw_ttl <= 1) {
                trace(ctx, " -> TTL exceeded, dropping");
                ctx->exit = true;
                /* Whatever the rule output before dec_ttl stays. */
                return;
            }
            flow->nw_ttl--;
            break;
        case OFPACT_SET_FIELD: {
            const struct ofpact_set_field *sf = (const void *) a;
            const struct mf_field *mf = mf_from_id(sf->field);

            /* A flow's match guarantees the field's prerequisites, a
             * group bucket's actions may meet any packet: as in Open
             * vSwitch, a packet without the field is left alone. */
            if (mf->prereqs != MFP_NONE) {
                struct match m;

                match_init_exact(&m, flow);
                if (!mf_are_prereqs_ok(mf->prereqs, &m)) {
                    trace(ctx, " -> packet has no %s, skipping", mf->name);
                    break;
                }
            }
            mf_set_flow_value_masked(mf, &sf->value, &sf->mask, flow);
            break;
        }
        case OFPACT_REG_MOVE:
            reg_move(flow, (const struct ofpact_reg_move *) a);
            break;
        case OFPACT_CT:
            xlate_ct(ctx, (const struct ofpact_conntrack *) a);
            break;
        case OFPACT_CONTROLLER:
            /* Refused when rules are added (ofpacts_check_supported()). */
            trace(ctx, " -> not supported, skipping");
            break;
        case OFPACT_GROUP:
            xlate_group(ctx, ((const struct ofpact_group *) a)->group_id);
            break;
        case OFPACT_METER:
            /* The datapath meters the packet here (the rule's actions
             * follow only for packets the meter lets through). */
            odp_put_meter(&ctx->xout->odp_actions,
                          ((const struct ofpact_meter *) a)->meter_id);
            break;
        }
    }
}

/* Connection tracking. */

static uint16_t
ct_get_zone(const struct xlate_ctx *ctx, const struct ofpact_conntrack *ct)
{
    const struct mf_field *mf;
    unsigned int n_bits;
    union mf_value value;
    uint8_t zone[2];

    if (!ct->zone_src.n_bits) {
        return ct->zone_imm;
    }
    mf = mf_from_id(ct->zone_src.field);
    mf_get_value(mf, &ctx->flow, &value);
    n_bits = NFVS_MIN(ct->zone_src.n_bits, 16);
    memset(zone, 0, sizeof zone);
    mf_bits_copy(value.bytes, mf->n_bytes, ct->zone_src.ofs, zone,
                 sizeof zone, 0, n_bits);
    return (zone[0] << 8) | zone[1];
}

/* Fills in 'action' from 'ct': zone, commit, the NAT range (in '*nat',
 * which 'action' then points to) and the ct_mark that exec(set_field)
 * sets (the parser allows nothing else there). */
static void
ct_get_action(const struct xlate_ctx *ctx, const struct ofpact_conntrack *ct,
              struct conntrack_action *action,
              struct conntrack_nat_range *nat)
{
    const struct ofpact *a;

    memset(action, 0, sizeof *action);
    action->zone = ct_get_zone(ctx, ct);
    action->commit = (ct->flags & NX_CT_F_COMMIT) != 0;
    if (ct->nat_flags & NX_NAT_F_RANGE_ADDR) {
        memset(nat, 0, sizeof *nat);
        nat->snat = (ct->nat_flags & NX_NAT_F_SRC) != 0;
        nat->addr_min = ct->nat_addr_min;
        nat->addr_max = ct->nat_addr_max;
        if (ct->nat_flags & NX_NAT_F_RANGE_PORT) {
            nat->port_min = ct->nat_port_min;
            nat->port_max = ct->nat_port_max;
        }
        action->nat = nat;
    }
    OFPACT_FOR_EACH (a, ofpact_ct_actions(ct), ofpact_ct_actions_size(ct)) {
        const struct ofpact_set_field *sf = (const void *) a;
        nfvs_be32 value, mask;

        if (a->type != OFPACT_SET_FIELD || sf->field != MFF_CT_MARK) {
            continue;
        }
        memcpy(&value, sf->value.bytes, sizeof value);
        memcpy(&mask, sf->mask.bytes, sizeof mask);
        action->set_mark = true;
        action->mark = (action->mark & ~ntohl(mask))
                       | (ntohl(value) & ntohl(mask));
        action->mark_mask |= ntohl(mask);
    }
}

/* Records what a ct() found, and whether a datapath flow may stand for
 * it: only while the connection can be offloaded, until its next event
 * (which the dependency lets the revalidation see). */
static void
ct_add_dep(struct xlate_ctx *ctx, const struct conntrack_result *r,
           const struct conntrack *ct)
{
    struct xlate_deps *deps = &ctx->xout->deps;
    struct xlate_ct_dep *dep;
    size_t i;

    if (!r->conn_id || r->ct_state & (CS_NEW | CS_INVALID | CS_RELATED)
        || !conntrack_can_offload(ct, r->conn_id, r->dir)) {
        ctx->xout->ct_uncacheable = true;
        return;
    }
    for (i = 0; i < deps->n_cts; i++) {
        if (deps->cts[i].conn_id == r->conn_id) {
            deps->cts[i].generation = r->generation;
            return;
        }
    }
    if (deps->n_cts >= XLATE_MAX_CT_DEPS) {
        ctx->xout->ct_uncacheable = true;
        return;
    }
    dep = &deps->cts[deps->n_cts++];
    dep->conn_id = r->conn_id;
    dep->generation = r->generation;
    dep->dir = r->dir;
}

static void
trace_ct(struct xlate_ctx *ctx, const struct conntrack_result *r)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    if (!ctx->xin->trace) {
        return;
    }
    mf_format_flags(&s, mf_ct_state_bit_to_string, r->ct_state);
    trace(ctx, " -> ct_state=%s, ct_zone=%"PRIu16", ct_mark=%#"PRIx32"%s%s%s",
          ds_cstr(&s), r->ct_zone, r->ct_mark,
          r->invalid ? " (invalid: " : "",
          r->invalid ? conntrack_invalid_to_string(r->invalid) : "",
          r->invalid ? ")" : "");
    if (!ctx->xin->packet) {
        trace(ctx, " -> (no packet: looked up, nothing committed)");
    }
    ds_destroy(&s);
}

/* Sets the ct_nw_* and ct_tp_* fields of 'flow' from the original
 * direction of connection 'e' (IPv4 only), or clears them if 'e' is
 * NULL: OVS's meaning for a packet of a stored connection. */
static void
ct_set_orig_tuple(struct flow *flow, const struct conntrack_entry *e)
{
    flow->ct_nw_src = 0;
    flow->ct_nw_dst = 0;
    flow->ct_nw_proto = 0;
    flow->ct_tp_src = 0;
    flow->ct_tp_dst = 0;
    if (!e) {
        return;
    }
    flow->ct_nw_proto = e->orig.proto;
    if (!e->orig.is_ipv6) {
        memcpy(&flow->ct_nw_src, &e->orig.src.s6_addr[12], 4);
        memcpy(&flow->ct_nw_dst, &e->orig.dst.s6_addr[12], 4);
    }
    if (e->orig.proto == IPPROTO_TCP || e->orig.proto == IPPROTO_UDP
        || e->orig.proto == IPPROTO_SCTP) {
        flow->ct_tp_src = e->orig.src_port;
        flow->ct_tp_dst = e->orig.dst_port;
    }
}

/* Rewrites the packet as connection NAT 'nat' says, and marks 'r' with
 * +snat or +dnat.  The datapath actions get the rewrite when the packet
 * is next output, as for mod_nw_src and mod_tp_src. */
static void
ct_apply_nat(struct xlate_ctx *ctx, const struct conntrack_nat *nat,
             struct conntrack_result *r)
{
    struct flow *flow = &ctx->flow;
    char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];

    r->ct_state |= nat->ct_state;
    if (flow->dl_type != htons(ETH_TYPE_IP)) {
        return;
    }
    flow->nw_src = nat->nw_src;
    flow->nw_dst = nat->nw_dst;
    if (flow->nw_proto == IPPROTO_TCP || flow->nw_proto == IPPROTO_UDP) {
        flow->tp_src = nat->tp_src;
        flow->tp_dst = nat->tp_dst;
    }
    if (ctx->xin->trace) {
        inet_ntop(AF_INET, &flow->nw_src, src, sizeof src);
        inet_ntop(AF_INET, &flow->nw_dst, dst, sizeof dst);
        trace(ctx, " -> nat: %s:%"PRIu16" > %s:%"PRIu16, src,
              ntohs(flow->tp_src), dst, ntohs(flow->tp_dst));
    }
}

static void
xlate_ct(struct xlate_ctx *ctx, const struct ofpact_conntrack *ct)
{
    struct conntrack *tracker = ofproto_get_conntrack(ctx->ofproto);
    struct dp_packet *packet = ctx->xin->packet;
    struct conntrack_nat_range nat_range;
    struct conntrack_action action;
    struct conntrack_entry entry;
    struct conntrack_nat nat;
    struct conntrack_result r;
    bool do_nat = false;
    bool has_entry;
    struct flow saved;

    ct_get_action(ctx, ct, &action, &nat_range);
    if (packet && !ctx->packet_parsed) {
        struct flow scratch;

        flow_extract_set_offsets(packet, 0, &scratch);
        ctx->packet_parsed = true;
    }

    action.prev = ctx->has_last_ct ? &ctx->last_ct : NULL;
    ofproto_ct_lock(ctx->ofproto);
    if (packet) {
        /* The pipeline's addresses, the packet's L4 header. */
        conntrack_execute_packet(tracker, packet, &ctx->flow, &action,
                                 ctx->xin->now, &r);
    } else {
        conntrack_lookup(tracker, &ctx->flow, action.zone, ctx->xin->now,
                         &r);
        if (action.commit && action.set_mark
            && !(r.ct_state & CS_INVALID)) {
            r.ct_mark = ((r.ct_mark & ~action.mark_mask)
                         | (action.mark & action.mark_mask));
        }
    }
    ct_add_dep(ctx, &r, tracker);
    if (ct->nat_flags && r.conn_id
        && !(r.ct_state & (CS_INVALID | CS_RELATED))) {
        do_nat = conntrack_get_nat(tracker, r.conn_id, r.dir, &nat);
    } else if (ct->nat_flags && r.conn_id && packet
               && (r.ct_state & (CS_INVALID | CS_RELATED)) == CS_RELATED
               && ctx->flow.dl_type == htons(ETH_TYPE_IP)
               && ctx->flow.nw_proto == IPPROTO_ICMP
               && dp_packet_l3(packet) && dp_packet_l4(packet)) {
        /* An ICMP error about a NATed connection: its quoted packet
         * cannot be rewritten by datapath actions, so the packet is
         * rewritten here (such packets are never cached) and the outer
         * addresses as well, so that the pipeline sees them. */
        do_nat = conntrack_nat_icmp_error(tracker, r.conn_id, r.dir,
                                          dp_packet_l3(packet),
                                          dp_packet_l4(packet),
                                          dp_packet_l4_size(packet), &nat);
    }
    has_entry = (r.conn_id && !(r.ct_state & CS_INVALID)
                 && conntrack_get_entry(tracker, r.conn_id, &entry));
    ofproto_ct_unlock(ctx->ofproto);
    if (do_nat) {
        ct_apply_nat(ctx, &nat, &r);
    }
    ctx->last_ct = r;
    ctx->has_last_ct = true;
    trace_ct(ctx, &r);

    if (ct->recirc_table == NX_CT_RECIRC_NONE) {
        return;
    }
    saved = ctx->flow;
    ctx->flow.ct_state = r.ct_state;
    ctx->flow.ct_zone = r.ct_zone;
    ctx->flow.ct_mark = r.ct_mark;
    ct_set_orig_tuple(&ctx->flow, has_entry ? &entry : NULL);
    xlate_table(ctx, ct->recirc_table, OFPP_IN_PORT);
    /* The actions after ct() see the packet as it was, untracked. */
    ctx->flow.ct_state = saved.ct_state;
    ctx->flow.ct_zone = saved.ct_zone;
    ctx->flow.ct_mark = saved.ct_mark;
    ctx->flow.ct_nw_src = saved.ct_nw_src;
    ctx->flow.ct_nw_dst = saved.ct_nw_dst;
    ctx->flow.ct_nw_proto = saved.ct_nw_proto;
    ctx->flow.ct_tp_src = saved.ct_tp_src;
    ctx->flow.ct_tp_dst = saved.ct_tp_dst;
}

static void
trace_rule(struct xlate_ctx *ctx, uint8_t table_id, const struct rule *rule)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    if (!ctx->xin->trace) {
        return;
    }
    if (!rule) {
        trace(ctx, "%2d. No match.", table_id);
        return;
    }
    match_format(&rule->cr.match, OFP_DEFAULT_PRIORITY, &s);
    if (s.length) {
        ds_put_cstr(&s, ", ");
    }
    ds_put_format(&s, "priority %d", rule_priority(rule));
    if (rule->cookie) {
        ds_put_format(&s, ", cookie %#"PRIx64, rule->cookie);
    }
    trace(ctx, "%2d. %s", table_id, ds_cstr(&s));
    ds_destroy(&s);
}

static void
add_table_dep(struct xlate_ctx *ctx, uint8_t table_id,
              const struct rule *rule)
{
    struct xlate_deps *deps = &ctx->xout->deps;
    struct xlate_table_dep *dep;

    if (deps->n_tables >= XLATE_MAX_TABLE_DEPS) {
        deps->overflow = true;
        return;
    }
    dep = &deps->tables[deps->n_tables++];
    dep->rule = rule;
    dep->table_id = table_id;
    dep->flow_changed = !flow_equal(&ctx->flow, &ctx->xin->flow);
}

/* Looks 'ctx->flow' up in table 'table_id' and runs the actions of the
 * rule it matches.  Unless 'lookup_in_port' is OFPP_IN_PORT, the lookup
 * is made as if the packet had come in on 'lookup_in_port' (resubmit's
 * port form), but the actions see the real in_port again, as in Open
 * vSwitch: output to the ingress port is still skipped and the "in_port"
 * action still names it. */
static void
xlate_table(struct xlate_ctx *ctx, uint8_t table_id, uint32_t lookup_in_port)
{
    uint32_t in_port = ctx->flow.in_port;
    struct rule *rule;

    if (ctx->depth >= XLATE_MAX_DEPTH) {
        ctx->xout->error = XLATE_RECURSION_TOO_DEEP;
        trace(ctx, ">>>> over max translation depth %d <<<<",
              XLATE_MAX_DEPTH);
        return;
    }
    if (++ctx->n_lookups > XLATE_MAX_RESUBMITS) {
        ctx->xout->error = XLATE_TOO_MANY_RESUBMITS;
        trace(ctx, ">>>> over %d resubmit actions <<<<",
              XLATE_MAX_RESUBMITS);
        return;
    }
    if (table_id >= FLOW_TABLE_N_TABLES) {
        trace(ctx, "%2d. No such table, dropping", table_id);
        return;
    }

    ctx->table_id = table_id;
    if (lookup_in_port != OFPP_IN_PORT) {
        ctx->flow.in_port = lookup_in_port;
    }
    rule = flow_table_lookup(ctx->tables, table_id, &ctx->flow,
                             &ctx->xout->wc);
    add_table_dep(ctx, table_id, rule);
    ctx->flow.in_port = in_port;
    if (ctx->depth) {
        ctx->indent += 4;
    }
    trace_rule(ctx, table_id, rule);
    ctx->indent += 4;
    if (!rule) {
        trace(ctx, "drop");
    } else {
        if (ctx->xin->n_packets || ctx->xin->n_bytes) {
            flow_table_credit_stats(rule, ctx->xin->n_packets,
                                    ctx->xin->n_bytes, ctx->xin->now);
        }
        ctx->depth++;
        do_xlate_actions(ctx, rule->ofpacts, rule->ofpacts_size);
        ctx->depth--;
    }
    ctx->indent -= 4;
    if (ctx->depth) {
        ctx->indent -= 4;
    }
}

/* Groups. */

static void
add_group_dep(struct xlate_ctx *ctx, uint32_t group_id)
{
    struct xlate_deps *deps = &ctx->xout->deps;
    size_t i;

    for (i = 0; i < deps->n_groups; i++) {
        if (deps->groups[i] == group_id) {
            return;
        }
    }
    if (deps->n_groups >= XLATE_MAX_GROUP_DEPS) {
        deps->overflow = true;
        return;
    }
    deps->groups[deps->n_groups++] = group_id;
}

static bool group_is_live(struct xlate_ctx *, const struct ofproto_group *,
                          int depth);

/* True if bucket 'b' of a fast_failover group may be used: its watched
 * port is live, or its watched group is. */
static bool
bucket_is_live(struct xlate_ctx *ctx, const struct ofp_bucket *b, int depth)
{
    if (b->watch_port != OFPG_WATCH_NONE
        && ofproto_port_is_live(ctx->ofproto, b->watch_port)) {
        return true;
    }
    if (b->watch_group != OFPG_NONE && depth < XLATE_MAX_DEPTH) {
        const struct ofproto_group *og;

        add_group_dep(ctx, b->watch_group);
        og = ofproto_group_find(ctx->ofproto, b->watch_group);
        return og && group_is_live(ctx, og, depth + 1);
    }
    return false;
}

/* True if 'og' has a live bucket (every bucket of a group that is not
 * fast_failover is live). */
static bool
group_is_live(struct xlate_ctx *ctx, const struct ofproto_group *og,
              int depth)
{
    size_t i;

    for (i = 0; i < og->g->n_buckets; i++) {
        if (og->g->type != OFPGT_FF
            || bucket_is_live(ctx, &og->g->buckets[i], depth)) {
            return true;
        }
    }
    return false;
}

/* Runs bucket 'i' of 'og' on a copy of the packet: the actions after the
 * group action see the packet as it was before, as in Open vSwitch. */
static void
xlate_bucket(struct xlate_ctx *ctx, struct ofproto_group *og, size_t i)
{
    const struct ofp_bucket *b = &og->g->buckets[i];
    nfvs_be16 vlan_tpid = ctx->vlan_tpid;
    struct flow flow = ctx->flow;

    if (ctx->xin->n_packets || ctx->xin->n_bytes) {
        ofproto_group_credit(og, i, ctx->xin->n_packets, ctx->xin->n_bytes);
    }
    ctx->indent += 4;
    ctx->depth++;
    do_xlate_actions(ctx, b->ofpacts, b->ofpacts_size);
    ctx->depth--;
    ctx->indent -= 4;
    ctx->flow = flow;
    ctx->vlan_tpid = vlan_tpid;
    ctx->exit = false;
}

static void
xlate_group(struct xlate_ctx *ctx, uint32_t group_id)
{
    struct ofproto_group *og;
    size_t i;

    add_group_dep(ctx, group_id);
    if (ctx->depth >= XLATE_MAX_DEPTH) {
        ctx->xout->error = XLATE_RECURSION_TOO_DEEP;
        trace(ctx, ">>>> over max translation depth %d <<<<",
              XLATE_MAX_DEPTH);
        return;
    }
    og = ofproto_group_find(ctx->ofproto, group_id);
    if (!og) {
        trace(ctx, " -> no such group, dropping");
        return;
    }
    if (ctx->xin->n_packets || ctx->xin->n_bytes) {
        ofproto_group_credit(og, SIZE_MAX, ctx->xin->n_packets,
                             ctx->xin->n_bytes);
    }
    switch (og->g->type) {
    case OFPGT_ALL:
        if (!og->g->n_buckets) {
            trace(ctx, " -> no buckets");
        }
        for (i = 0; i < og->g->n_buckets && !ctx->xout->error; i++) {
            trace(ctx, " -> bucket %"PRIu32, og->g->buckets[i].bucket_id);
            xlate_bucket(ctx, og, i);
        }
        return;
    case OFPGT_SELECT: {
        uint32_t hash = ofp_group_hash(og->g, &ctx->flow, &ctx->xout->wc);

        i = ofp_group_select(og->g, hash);
        if (i == SIZE_MAX) {
            trace(ctx, " -> no bucket with a weight, dropping");
            return;
        }
        trace(ctx, " -> selected bucket %"PRIu32" (hash %#"PRIx32")",
              og->g->buckets[i].bucket_id, hash);
        xlate_bucket(ctx, og, i);
        return;
    }
    case OFPGT_INDIRECT:
        if (!og->g->n_buckets) {
            trace(ctx, " -> no bucket, dropping");
            return;
        }
        trace(ctx, " -> bucket %"PRIu32, og->g->buckets[0].bucket_id);
        xlate_bucket(ctx, og, 0);
        return;
    case OFPGT_FF:
        for (i = 0; i < og->g->n_buckets; i++) {
            if (bucket_is_live(ctx, &og->g->buckets[i], 0)) {
                trace(ctx, " -> using live bucket %"PRIu32,
                      og->g->buckets[i].bucket_id);
                xlate_bucket(ctx, og, i);
                return;
            }
        }
        trace(ctx, " -> no live bucket, dropping");
        return;
    }
}

void
xlate(const struct xlate_in *xin, struct xlate_out *xout)
{
    struct xlate_ctx ctx;

    memset(xout, 0, sizeof *xout);
    nl_buf_init(&xout->odp_actions);
    flow_wildcards_init_catchall(&xout->wc);

    memset(&ctx, 0, sizeof ctx);
    ctx.xin = xin;
    ctx.xout = xout;
    ctx.ofproto = xin->ofproto;
    ctx.tables = ofproto_get_tables(xin->ofproto);
    ctx.flow = xin->flow;
    ctx.base_flow = xin->flow;

    if (xin->trace) {
        char *s = flow_to_string(&xin->flow);

        ds_put_format(xin->trace, "Flow: %s\n\nbridge(\"%s\")\n", s,
                      ofproto_get_name(xin->ofproto));
        ds_put_format(xin->trace, "%.*s\n",
                      (int) strlen(ofproto_get_name(xin->ofproto)) + 10,
                      "----------------------------------------");
        free(s);
    }

    xout->ml_seq = mac_learning_seq(ofproto_get_mac_learning(xin->ofproto));
    ofproto_ports_read_lock(xin->ofproto);
    flow_table_read_lock(ctx.tables);
    xout->tables_version = flow_table_version(ctx.tables);
    ofproto_groups_read_lock(xin->ofproto);
    xout->groups_seq = ofproto_groups_seq(xin->ofproto);
    ctx.vlan_tpid = htons(ETH_TYPE_VLAN);
    xlate_table(&ctx, 0, OFPP_IN_PORT);
    ofproto_groups_read_unlock(xin->ofproto);
    flow_table_read_unlock(ctx.tables);
    ofproto_ports_read_unlock(xin->ofproto);

    if (xout->error) {
        nl_buf_clear(&xout->odp_actions);
    }
    xout->final_flow = ctx.flow;

    if (xin->trace) {
        struct ds *s = xin->trace;

        ds_put_cstr(s, "\nFinal flow: ");
        if (flow_equal(&ctx.flow, &xin->flow)) {
            ds_put_cstr(s, "unchanged");
        } else {
            char *f = flow_to_string(&ctx.flow);
            ds_put_cstr(s, f);
            free(f);
        }
        ds_put_cstr(s, "\nDatapath actions: ");
        odp_actions_format(s, xout->odp_actions.data,
                           xout->odp_actions.size);
        ds_put_char(s, '\n');
        if (xout->error) {
            ds_put_format(s, "Translation failed (%s), packet is dropped.\n",
                          xlate_error_to_string(xout->error));
        }
    }
}

void
xlate_out_uninit(struct xlate_out *xout)
{
    if (xout) {
        nl_buf_uninit(&xout->odp_actions);
    }
}
