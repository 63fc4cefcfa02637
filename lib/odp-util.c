#include <config.h>
#include "odp-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include "datapath/nfvs_abi.h"
#include "dynamic-string.h"
#include "flow.h"
#include "nlattr.h"
#include "packets.h"

#define IPPROTO_ICMPV6_ 58

uint8_t
odp_frag_type(uint8_t nw_frag)
{
    return (!(nw_frag & FLOW_NW_FRAG_ANY) ? NFVS_FRAG_TYPE_NONE
            : nw_frag & FLOW_NW_FRAG_LATER ? NFVS_FRAG_TYPE_LATER
            : NFVS_FRAG_TYPE_FIRST);
}

static uint8_t
frag_from_odp(uint8_t frag)
{
    return (frag == NFVS_FRAG_TYPE_NONE ? 0
            : frag == NFVS_FRAG_TYPE_FIRST ? FLOW_NW_FRAG_ANY
            : FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER);
}

static void
put_l4_key(struct nl_buf *key, const struct flow *flow, bool ipv6)
{
    struct nfvs_key_ports ports;
    struct nfvs_key_icmp icmp;

    ports.src = flow->tp_src;
    ports.dst = flow->tp_dst;
    switch (flow->nw_proto) {
    case IPPROTO_TCP:
        nl_put_unspec(key, NFVS_KEY_ATTR_TCP, &ports, sizeof ports);
        nl_put_u16(key, NFVS_KEY_ATTR_TCP_CTL,
                   flow->tcp_flags & htons(ODP_TCP_CTL_MASK));
        break;
    case IPPROTO_UDP:
        nl_put_unspec(key, NFVS_KEY_ATTR_UDP, &ports, sizeof ports);
        break;
    case IPPROTO_SCTP:
        nl_put_unspec(key, NFVS_KEY_ATTR_SCTP, &ports, sizeof ports);
        break;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6_:
        if ((flow->nw_proto == IPPROTO_ICMP) == ipv6) {
            break;
        }
        icmp.icmp_type = ntohs(flow->tp_src);
        icmp.icmp_code = ntohs(flow->tp_dst);
        nl_put_unspec(key, ipv6 ? NFVS_KEY_ATTR_ICMPV6 : NFVS_KEY_ATTR_ICMP,
                      &icmp, sizeof icmp);
        if (ipv6 && (icmp.icmp_type == 135 || icmp.icmp_type == 136)
            && !icmp.icmp_code) {
            struct nfvs_key_nd nd;

            memcpy(nd.nd_target, &flow->nd_target, sizeof nd.nd_target);
            memcpy(nd.nd_sll, flow->arp_sha.ea, 6);
            memcpy(nd.nd_tll, flow->arp_tha.ea, 6);
            nl_put_unspec(key, NFVS_KEY_ATTR_ND, &nd, sizeof nd);
        }
        break;
    }
}

void
odp_key_from_flow(struct nl_buf *key, const struct flow *flow,
                  uint32_t dp_in_port)
{
    struct nfvs_key_ethernet eth;
    uint16_t dl_type = ntohs(flow->dl_type);

    nl_put_u32(key, NFVS_KEY_ATTR_IN_PORT, dp_in_port);
    memcpy(eth.eth_src, flow->dl_src.ea, 6);
    memcpy(eth.eth_dst, flow->dl_dst.ea, 6);
    nl_put_unspec(key, NFVS_KEY_ATTR_ETHERNET, &eth, sizeof eth);
    if (flow->vlan_tci) {
        nl_put_u16(key, NFVS_KEY_ATTR_VLAN, flow->vlan_tci);
    }
    nl_put_u16(key, NFVS_KEY_ATTR_ETHERTYPE, flow->dl_type);

    if (dl_type == ETH_TYPE_IP) {
        struct nfvs_key_ipv4 ip;

        ip.ipv4_src = flow->nw_src;
        ip.ipv4_dst = flow->nw_dst;
        ip.ipv4_proto = flow->nw_proto;
        ip.ipv4_tos = flow->nw_tos;
        ip.ipv4_ttl = flow->nw_ttl;
        ip.ipv4_frag = odp_frag_type(flow->nw_frag);
        nl_put_unspec(key, NFVS_KEY_ATTR_IPV4, &ip, sizeof ip);
        if (!(flow->nw_frag & FLOW_NW_FRAG_LATER)) {
            put_l4_key(key, flow, false);
        }
    } else if (dl_type == ETH_TYPE_IPV6) {
        struct nfvs_key_ipv6 ip;

        memcpy(ip.ipv6_src, &flow->ipv6_src, sizeof ip.ipv6_src);
        memcpy(ip.ipv6_dst, &flow->ipv6_dst, sizeof ip.ipv6_dst);
        ip.ipv6_label = flow->ipv6_label;
        ip.ipv6_proto = flow->nw_proto;
        ip.ipv6_tclass = flow->nw_tos;
        ip.ipv6_hlimit = flow->nw_ttl;
        ip.ipv6_frag = odp_frag_type(flow->nw_frag);
        nl_put_unspec(key, NFVS_KEY_ATTR_IPV6, &ip, sizeof ip);
        if (!(flow->nw_frag & FLOW_NW_FRAG_LATER)) {
            put_l4_key(key, flow, true);
        }
    } else if (dl_type == ETH_TYPE_ARP) {
        struct nfvs_key_arp arp;

        memset(&arp, 0, sizeof arp);
        arp.arp_sip = flow->nw_src;
        arp.arp_tip = flow->nw_dst;
        arp.arp_op = htons(flow->nw_proto);
        memcpy(arp.arp_sha, flow->arp_sha.ea, 6);
        memcpy(arp.arp_tha, flow->arp_tha.ea, 6);
        nl_put_unspec(key, NFVS_KEY_ATTR_ARP, &arp, sizeof arp);
    }
}

#define KEY_POLICY(TYPE, SIZE) [TYPE] = { true, SIZE, SIZE }
static const struct nl_policy key_policy[] = {
    KEY_POLICY(NFVS_KEY_ATTR_IN_PORT, 4),
    KEY_POLICY(NFVS_KEY_ATTR_ETHERNET, sizeof(struct nfvs_key_ethernet)),
    KEY_POLICY(NFVS_KEY_ATTR_VLAN, 2),
    KEY_POLICY(NFVS_KEY_ATTR_ETHERTYPE, 2),
    KEY_POLICY(NFVS_KEY_ATTR_IPV4, sizeof(struct nfvs_key_ipv4)),
    KEY_POLICY(NFVS_KEY_ATTR_IPV6, sizeof(struct nfvs_key_ipv6)),
    KEY_POLICY(NFVS_KEY_ATTR_TCP, sizeof(struct nfvs_key_ports)),
    KEY_POLICY(NFVS_KEY_ATTR_UDP, sizeof(struct nfvs_key_ports)),
    KEY_POLICY(NFVS_KEY_ATTR_SCTP, sizeof(struct nfvs_key_ports)),
    KEY_POLICY(NFVS_KEY_ATTR_ICMP, sizeof(struct nfvs_key_icmp)),
    KEY_POLICY(NFVS_KEY_ATTR_ICMPV6, sizeof(struct nfvs_key_icmp)),
    KEY_POLICY(NFVS_KEY_ATTR_ARP, sizeof(struct nfvs_key_arp)),
    KEY_POLICY(NFVS_KEY_ATTR_ND, sizeof(struct nfvs_key_nd)),
    KEY_POLICY(NFVS_KEY_ATTR_TCP_CTL, 2),
};

static void
get_ports(const struct nlattr *nla, struct flow *flow)
{
    struct nfvs_key_ports ports;

    memcpy(&ports, nl_attr_get(nla), sizeof ports);
    flow->tp_src = ports.src;
    flow->tp_dst = ports.dst;
}

int
odp_key_to_flow(const void *key, size_t size, struct flow *flow,
                const char **errp)
{
    const struct nlattr *a[ARRAY_SIZE(key_policy)];
    struct nfvs_key_ethernet eth;
    struct nfvs_key_icmp icmp;

    memset(flow, 0, sizeof *flow);
    if (!nl_parse(key, size, key_policy, ARRAY_SIZE(key_policy), a, errp)) {
        return EINVAL;
    }
    if (!a[NFVS_KEY_ATTR_IN_PORT] || !a[NFVS_KEY_ATTR_ETHERNET]
        || !a[NFVS_KEY_ATTR_ETHERTYPE]) {
        *errp = "key lacks in_port, eth or eth_type";
        return EINVAL;
    }
    flow->in_port = nl_attr_get_u32(a[NFVS_KEY_ATTR_IN_PORT]);
    memcpy(&eth, nl_attr_get(a[NFVS_KEY_ATTR_ETHERNET]), sizeof eth);
    memcpy(flow->dl_src.ea, eth.eth_src, 6);
    memcpy(flow->dl_dst.ea, eth.eth_dst, 6);
    flow->dl_type = nl_attr_get_u16(a[NFVS_KEY_ATTR_ETHERTYPE]);
    if (a[NFVS_KEY_ATTR_VLAN]) {
        flow->vlan_tci = nl_attr_get_u16(a[NFVS_KEY_ATTR_VLAN]);
    }
    if (a[NFVS_KEY_ATTR_IPV4]) {
        struct nfvs_key_ipv4 ip;

        memcpy(&ip, nl_attr_get(a[NFVS_KEY_ATTR_IPV4]), sizeof ip);
        flow->nw_src = ip.ipv4_src;
        flow->nw_dst = ip.ipv4_dst;
        flow->nw_proto = ip.ipv4_proto;
        flow->nw_tos = ip.ipv4_tos;
        flow->nw_ttl = ip.ipv4_ttl;
        flow->nw_frag = frag_from_odp(ip.ipv4_frag);
    }
    if (a[NFVS_KEY_ATTR_IPV6]) {
        struct nfvs_key_ipv6 ip;

        memcpy(&ip, nl_attr_get(a[NFVS_KEY_ATTR_IPV6]), sizeof ip);
        memcpy(&flow->ipv6_src, ip.ipv6_src, sizeof flow->ipv6_src);
        memcpy(&flow->ipv6_dst, ip.ipv6_dst, sizeof flow->ipv6_dst);
        flow->ipv6_label = ip.ipv6_label;
        flow->nw_proto = ip.ipv6_proto;
        flow->nw_tos = ip.ipv6_tclass;
        flow->nw_ttl = ip.ipv6_hlimit;
        flow->nw_frag = frag_from_odp(ip.ipv6_frag);
    }
    if (a[NFVS_KEY_ATTR_TCP]) {
        get_ports(a[NFVS_KEY_ATTR_TCP], flow);
    } else if (a[NFVS_KEY_ATTR_UDP]) {
        get_ports(a[NFVS_KEY_ATTR_UDP], flow);
    } else if (a[NFVS_KEY_ATTR_SCTP]) {
        get_ports(a[NFVS_KEY_ATTR_SCTP], flow);
    }
    if (a[NFVS_KEY_ATTR_TCP_CTL]) {
        flow->tcp_flags = nl_attr_get_u16(a[NFVS_KEY_ATTR_TCP_CTL]);
    }
    if (a[NFVS_KEY_ATTR_ICMP] || a[NFVS_KEY_ATTR_ICMPV6]) {
        const struct nlattr *nla = (a[NFVS_KEY_ATTR_ICMP]
                                    ? a[NFVS_KEY_ATTR_ICMP]
                                    : a[NFVS_KEY_ATTR_ICMPV6]);

        memcpy(&icmp, nl_attr_get(nla), sizeof icmp);
        flow->tp_src = htons(icmp.icmp_type);
        flow->tp_dst = htons(icmp.icmp_code);
    }
    if (a[NFVS_KEY_ATTR_ND]) {
        struct nfvs_key_nd nd;

        memcpy(&nd, nl_attr_get(a[NFVS_KEY_ATTR_ND]), sizeof nd);
        memcpy(&flow->nd_target, nd.nd_target, sizeof flow->nd_target);
        memcpy(flow->arp_sha.ea, nd.nd_sll, 6);
        memcpy(flow->arp_tha.ea, nd.nd_tll, 6);
    }
    if (a[NFVS_KEY_ATTR_ARP]) {
        struct nfvs_key_arp arp;

        memcpy(&arp, nl_attr_get(a[NFVS_KEY_ATTR_ARP]), sizeof arp);
        flow->nw_src = arp.arp_sip;
        flow->nw_dst = arp.arp_tip;
        flow->nw_proto = ntohs(arp.arp_op) <= 0xff ? ntohs(arp.arp_op) : 0;
        memcpy(flow->arp_sha.ea, arp.arp_sha, 6);
        memcpy(flow->arp_tha.ea, arp.arp_tha, 6);
    }
    return 0;
}

static void
format_ipv4(struct ds *s, const char *name, nfvs_be32 ip)
{
    const uint8_t *b = (const uint8_t *) &ip;

    ds_put_format(s, "%s=%d.%d.%d.%d", name, b[0], b[1], b[2], b[3]);
}

static void
format_ipv6(struct ds *s, const char *name, const void *addr)
{
    char buf[INET6_ADDRSTRLEN];

    inet_ntop(AF_INET6, addr, buf, sizeof buf);
    ds_put_format(s, "%s=%s", name, buf);
}

static void
format_mac(struct ds *s, const char *name, const uint8_t *mac)
{
    ds_put_format(s, "%s="ETH_ADDR_FMT, name, mac[0], mac[1], mac[2],
                  mac[3], mac[4], mac[5]);
}

static const char *
frag_name(uint8_t frag)
{
    return (frag == NFVS_FRAG_TYPE_NONE ? "no"
            : frag == NFVS_FRAG_TYPE_FIRST ? "first"
            : frag == NFVS_FRAG_TYPE_LATER ? "later" : "?");
}

static void
format_tcp_ctl(struct ds *s, uint16_t ctl)
{
    static const char *const names[] = { "fin", "syn", "rst" };
    bool first = true;
    size_t i;

    ds_put_cstr(s, "tcp_ctl(");
    for (i = 0; i < ARRAY_SIZE(names); i++) {
        if (ctl & (1u << i)) {
            ds_put_format(s, "%s%s", first ? "" : "|", names[i]);
            first = false;
        }
    }
    if (first) {
        ds_put_cstr(s, "none");
    }
    ds_put_char(s, ')');
}

/* Prints one key attribute, for keys and for set() actions. */
static void
format_key_attr(struct ds *s, const struct nlattr *nla)
{
    const void *p = nl_attr_get(nla);
    size_t size = nl_attr_get_size(nla);
    uint16_t type = nl_attr_type(nla);

    if (type <= NFVS_KEY_ATTR_MAX && key_policy[type].used
        && size != key_policy[type].min_size) {
        ds_put_format(s, "key%u(bad size %zu)", type, size);
        return;
    }
    switch (type) {
    case NFVS_KEY_ATTR_IN_PORT:
        ds_put_format(s, "in_port(%"PRIu32")", nl_attr_get_u32(nla));
        break;
    case NFVS_KEY_ATTR_ETHERNET: {
        struct nfvs_key_ethernet eth;

        memcpy(&eth, p, sizeof eth);
        ds_put_cstr(s, "eth(");
        format_mac(s, "src", eth.eth_src);
        ds_put_char(s, ',');
        format_mac(s, "dst", eth.eth_dst);
        ds_put_char(s, ')');
        break;
    }
    case NFVS_KEY_ATTR_VLAN: {
        uint16_t tci = ntohs(nl_attr_get_u16(nla));

        ds_put_format(s, "vlan(vid=%d,pcp=%d)", tci & VLAN_VID_MASK,
                      (tci & VLAN_PCP_MASK) >> VLAN_PCP_SHIFT);
        break;
    }
    case NFVS_KEY_ATTR_ETHERTYPE:
        ds_put_format(s, "eth_type(0x%04x)", ntohs(nl_attr_get_u16(nla)));
        break;
    case NFVS_KEY_ATTR_IPV4: {
        struct nfvs_key_ipv4 ip;

        memcpy(&ip, p, sizeof ip);
        ds_put_cstr(s, "ipv4(");
        format_ipv4(s, "src", ip.ipv4_src);
        ds_put_char(s, ',');
        format_ipv4(s, "dst", ip.ipv4_dst);
        ds_put_format(s, ",proto=%d,tos=%d,ttl=%d,frag=%s)", ip.ipv4_proto,
                      ip.ipv4_tos, ip.ipv4_ttl, frag_name(ip.ipv4_frag));
        break;
    }
    case NFVS_KEY_ATTR_IPV6: {
        struct nfvs_key_ipv6 ip;

        memcpy(&ip, p, sizeof ip);
        ds_put_cstr(s, "ipv6(");
        format_ipv6(s, "src", ip.ipv6_src);
        ds_put_char(s, ',');
        format_ipv6(s, "dst", ip.ipv6_dst);
        ds_put_format(s, ",label=%#"PRIx32",proto=%d,tclass=%d,hlimit=%d,"
                      "frag=%s)", ntohl(ip.ipv6_label), ip.ipv6_proto,
                      ip.ipv6_tclass, ip.ipv6_hlimit,
                      frag_name(ip.ipv6_frag));
        break;
    }
    case NFVS_KEY_ATTR_TCP:
    case NFVS_KEY_ATTR_UDP:
    case NFVS_KEY_ATTR_SCTP: {
        struct nfvs_key_ports ports;

        memcpy(&ports, p, sizeof ports);
        ds_put_format(s, "%s(src=%d,dst=%d)",
                      (type == NFVS_KEY_ATTR_TCP ? "tcp"
                       : type == NFVS_KEY_ATTR_UDP ? "udp" : "sctp"),
                      ntohs(ports.src), ntohs(ports.dst));
        break;
    }
    case NFVS_KEY_ATTR_ICMP:
    case NFVS_KEY_ATTR_ICMPV6: {
        struct nfvs_key_icmp icmp;

        memcpy(&icmp, p, sizeof icmp);
        ds_put_format(s, "%s(type=%d,code=%d)",
                      type == NFVS_KEY_ATTR_ICMP ? "icmp" : "icmpv6",
                      icmp.icmp_type, icmp.icmp_code);
        break;
    }
    case NFVS_KEY_ATTR_ARP: {
        struct nfvs_key_arp arp;

        memcpy(&arp, p, sizeof arp);
        ds_put_cstr(s, "arp(");
        format_ipv4(s, "sip", arp.arp_sip);
        ds_put_char(s, ',');
        format_ipv4(s, "tip", arp.arp_tip);
        ds_put_format(s, ",op=%d,", ntohs(arp.arp_op));
        format_mac(s, "sha", arp.arp_sha);
        ds_put_char(s, ',');
        format_mac(s, "tha", arp.arp_tha);
        ds_put_char(s, ')');
        break;
    }
    case NFVS_KEY_ATTR_ND: {
        struct nfvs_key_nd nd;

        memcpy(&nd, p, sizeof nd);
        ds_put_cstr(s, "nd(");
        format_ipv6(s, "target", nd.nd_target);
        ds_put_char(s, ',');
        format_mac(s, "sll", nd.nd_sll);
        ds_put_char(s, ',');
        format_mac(s, "tll", nd.nd_tll);
        ds_put_char(s, ')');
        break;
    }
    case NFVS_KEY_ATTR_TCP_CTL:
        format_tcp_ctl(s, ntohs(nl_attr_get_u16(nla)));
        break;
    default:
        ds_put_format(s, "key%u(", type);
        ds_put_hex(s, p, size);
        ds_put_char(s, ')');
        break;
    }
}

void
odp_key_format(struct ds *s, const void *key, size_t size)
{
    const struct nlattr *nla;
    size_t left;

    NL_ATTR_FOR_EACH (nla, left, key, size) {
        if (nla != key) {
            ds_put_char(s, ',');
        }
        format_key_attr(s, nla);
    }
    if (left) {
        ds_put_format(s, "%s<%zu bytes of garbage>", size > left ? "," : "",
                      left);
    }
}

void
odp_actions_format(struct ds *s, const void *actions, size_t size)
{
    const struct nlattr *nla;
    size_t left;

    if (!size) {
        ds_put_cstr(s, "drop");
        return;
    }
    NL_ATTR_FOR_EACH (nla, left, actions, size) {
        size_t len = nl_attr_get_size(nla);

        if (nla != actions) {
            ds_put_char(s, ',');
        }
        switch (nl_attr_type(nla)) {
        case NFVS_ACTION_ATTR_OUTPUT:
            if (len == 4) {
                ds_put_format(s, "%"PRIu32, nl_attr_get_u32(nla));
            } else {
                ds_put_cstr(s, "output(bad size)");
            }
            break;
        case NFVS_ACTION_ATTR_PUSH_VLAN: {
            struct nfvs_action_push_vlan pv;
            uint16_t tci;

            if (len != sizeof pv) {
                ds_put_cstr(s, "push_vlan(bad size)");
                break;
            }
            memcpy(&pv, nl_attr_get(nla), sizeof pv);
            tci = ntohs(pv.vlan_tci);
            ds_put_cstr(s, "push_vlan(");
            if (pv.vlan_tpid != htons(ETH_TYPE_VLAN)) {
                ds_put_format(s, "tpid=0x%04x,", ntohs(pv.vlan_tpid));
            }
            ds_put_format(s, "vid=%d,pcp=%d)", tci & VLAN_VID_MASK,
                          (tci & VLAN_PCP_MASK) >> VLAN_PCP_SHIFT);
            break;
        }
        case NFVS_ACTION_ATTR_POP_VLAN:
            ds_put_cstr(s, "pop_vlan");
            break;
        case NFVS_ACTION_ATTR_METER:
            if (len == 4) {
                ds_put_format(s, "meter(%"PRIu32")", nl_attr_get_u32(nla));
            } else {
                ds_put_cstr(s, "meter(bad size)");
            }
            break;
        case NFVS_ACTION_ATTR_SET: {
            const struct nlattr *inner = nl_attr_get(nla);

            ds_put_cstr(s, "set(");
            if (nl_attr_is_valid(inner, len)) {
                format_key_attr(s, inner);
            }
            ds_put_char(s, ')');
            break;
        }
        case NFVS_ACTION_ATTR_USERSPACE:
            ds_put_cstr(s, "userspace(");
            ds_put_hex(s, nl_attr_get(nla), len);
            ds_put_char(s, ')');
            break;
        default:
            ds_put_format(s, "action%u", nl_attr_type(nla));
            break;
        }
    }
    if (left) {
        ds_put_format(s, ",<%zu bytes of garbage>", left);
    }
}

void
odp_put_output(struct nl_buf *actions, uint32_t dp_port)
{
    nl_put_u32(actions, NFVS_ACTION_ATTR_OUTPUT, dp_port);
}

void
odp_put_push_vlan(struct nl_buf *actions, uint16_t tpid, uint16_t tci)
{
    struct nfvs_action_push_vlan pv;

    pv.vlan_tpid = htons(tpid);
    pv.vlan_tci = htons(tci | VLAN_CFI);
    nl_put_unspec(actions, NFVS_ACTION_ATTR_PUSH_VLAN, &pv, sizeof pv);
}

void
odp_put_pop_vlan(struct nl_buf *actions)
{
    nl_put_flag(actions, NFVS_ACTION_ATTR_POP_VLAN);
}

void
odp_put_meter(struct nl_buf *actions, uint32_t meter_id)
{
    nl_put_u32(actions, NFVS_ACTION_ATTR_METER, meter_id);
}
