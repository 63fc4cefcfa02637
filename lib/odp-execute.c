#include <config.h>
#include "odp-execute.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "csum.h"
#include "datapath/nfvs_abi.h"
#include "dp-packet.h"
#include "dp-packet-offload.h"
#include "flow.h"
#include "nlattr.h"
#include "packets.h"
#include "util.h"

#define IPPROTO_ICMPV6_ 58

/* Payload size of each settable key attribute; 0 for the others. */
static const size_t set_sizes[NFVS_KEY_ATTR_MAX + 1] = {
    [NFVS_KEY_ATTR_ETHERNET] = sizeof(struct nfvs_key_ethernet),
    [NFVS_KEY_ATTR_IPV4] = sizeof(struct nfvs_key_ipv4),
    [NFVS_KEY_ATTR_IPV6] = sizeof(struct nfvs_key_ipv6),
    [NFVS_KEY_ATTR_TCP] = sizeof(struct nfvs_key_ports),
    [NFVS_KEY_ATTR_UDP] = sizeof(struct nfvs_key_ports),
    [NFVS_KEY_ATTR_ARP] = sizeof(struct nfvs_key_arp),
};

static const struct nl_policy userspace_policy[] = {
    [NFVS_USERSPACE_ATTR_PID] = { true, 4, 4 },
    [NFVS_USERSPACE_ATTR_USERDATA] = { true, 0, ODP_USERDATA_MAX_SIZE },
};

/* Returns a bitmap of the attribute types in key 'key' (1 << type). */
static uint32_t
key_attr_bitmap(const void *key, size_t key_size)
{
    const struct nlattr *nla;
    uint32_t bitmap = 0;
    size_t left;

    NL_ATTR_FOR_EACH (nla, left, key, key_size) {
        if (nl_attr_type(nla) < 32) {
            bitmap |= 1u << nl_attr_type(nla);
        }
    }
    return bitmap;
}

static int
check_set(const struct nlattr *nla, uint32_t key_bitmap, const char **errp)
{
    const struct nlattr *inner = nl_attr_get(nla);
    size_t size = nl_attr_get_size(nla);
    uint16_t type;

    if (!nl_attr_is_valid(inner, size) || NLA_ALIGN(inner->nla_len) != size) {
        *errp = "set action must hold exactly one key attribute";
        return EINVAL;
    }
    type = nl_attr_type(inner);
    if (type > NFVS_KEY_ATTR_MAX || !set_sizes[type]) {
        *errp = "set action of a field that cannot be set";
        return EINVAL;
    }
    if (nl_attr_get_size(inner) != set_sizes[type]) {
        *errp = "set action attribute has the wrong size";
        return EINVAL;
    }
    if (!(key_bitmap & (1u << type))) {
        *errp = "set action of a header the flow does not have";
        return EINVAL;
    }
    return 0;
}

int
odp_actions_check(const void *actions, size_t size,
                  const void *key, size_t key_size, const char **errp)
{
    uint32_t key_bitmap = key ? key_attr_bitmap(key, key_size) : UINT32_MAX;
    const struct nlattr *nla;
    size_t left;

    if (size > ODP_ACTIONS_MAX_SIZE) {
        *errp = "action list too long";
        return EINVAL;
    }
    NL_ATTR_FOR_EACH (nla, left, actions, size) {
        size_t len = nl_attr_get_size(nla);

        switch (nl_attr_type(nla)) {
        case NFVS_ACTION_ATTR_OUTPUT:
            if (len != 4) {
                *errp = "output action has the wrong size";
                return EINVAL;
            }
            break;
        case NFVS_ACTION_ATTR_USERSPACE: {
            const struct nlattr *a[ARRAY_SIZE(userspace_policy)];

            if (!nl_parse(nl_attr_get(nla), len, userspace_policy,
                          ARRAY_SIZE(userspace_policy), a, errp)) {
                return EINVAL;
            }
            break;
        }
        case NFVS_ACTION_ATTR_SET: {
            int error = check_set(nla, key_bitmap, errp);

            if (error) {
                return error;
            }
            break;
        }
        case NFVS_ACTION_ATTR_PUSH_VLAN: {
            struct nfvs_action_push_vlan pv;

            if (len != sizeof pv) {
                *errp = "push_vlan action has the wrong size";
                return EINVAL;
            }
            memcpy(&pv, nl_attr_get(nla), sizeof pv);
            if (!eth_type_is_vlan(pv.vlan_tpid)
                || !(pv.vlan_tci & htons(VLAN_CFI))) {
                *errp = "push_vlan needs a VLAN TPID and VLAN_CFI set";
                return EINVAL;
            }
            break;
        }
        case NFVS_ACTION_ATTR_POP_VLAN:
            if (len) {
                *errp = "pop_vlan action has a payload";
                return EINVAL;
            }
            break;
        case NFVS_ACTION_ATTR_METER:
            if (len != 4) {
                *errp = "meter action has the wrong size";
                return EINVAL;
            }
            break;
        default:
            *errp = "unknown action type";
            return EINVAL;
        }
    }
    if (left) {
        *errp = "truncated action";
        return EINVAL;
    }
    return 0;
}

/* Checksum updates.  For a partial L4 checksum the field holds the
 * uncomplemented pseudo-header sum S; adding 'new' and removing 'old'
 * gives ~recalc(~S), which keeps the arithmetic in one place. */

static nfvs_be16
l4_csum_update32(const struct dp_packet *p, nfvs_be16 csum,
                 nfvs_be32 old, nfvs_be32 new)
{
    if (dp_packet_ol_is_csum_partial(p)) {
        return ~recalc_csum32(~csum, old, new);
    }
    return recalc_csum32(csum, old, new);
}

static nfvs_be16
l4_csum_update128(const struct dp_packet *p, nfvs_be16 csum,
                  const struct in6_addr *old, const struct in6_addr *new)
{
    if (dp_packet_ol_is_csum_partial(p)) {
        return ~recalc_csum128(~csum, old, new);
    }
    return recalc_csum128(csum, old, new);
}

/* Returns the Ethertype of the packet's L3 payload, read just in front of
 * it, or 0 if there is no L3. */
static nfvs_be16
l3_eth_type(const struct dp_packet *p)
{
    nfvs_be16 type;

    if (p->l3_ofs == UINT16_MAX || p->l3_ofs < 2 || p->l3_ofs > p->size) {
        return 0;
    }
    memcpy(&type, (const char *) dp_packet_data(p) + p->l3_ofs - 2,
           sizeof type);
    return type;
}

static size_t
l3_size(const struct dp_packet *p)
{
    return p->l3_ofs == UINT16_MAX || p->l3_ofs > p->size
           ? 0 : p->size - p->l3_ofs;
}

/* The L4 header of 'p' if at least 'min_size' bytes of it are there,
 * else NULL.  The caller knows the protocol from the IP header. */
static void *
l4_header(const struct dp_packet *p, size_t min_size)
{
    void *l4 = dp_packet_l4(p);

    return l4 && dp_packet_l4_size(p) >= min_size ? l4 : NULL;
}

/* Folds an address change into the L4 checksum of 'p' whose IP protocol
 * is 'proto', for protocols whose checksum covers a pseudo-header. */
static void
l4_addr_changed(struct dp_packet *p, uint8_t proto, const void *old,
                const void *new, bool ipv6)
{
    size_t csum_ofs;
    uint8_t *l4;
    nfvs_be16 csum;

    if (proto == IPPROTO_TCP) {
        l4 = l4_header(p, TCP_HEADER_LEN);
        csum_ofs = offsetof(struct tcp_header, tcp_csum);
    } else if (proto == IPPROTO_UDP) {
        l4 = l4_header(p, UDP_HEADER_LEN);
        csum_ofs = offsetof(struct udp_header, udp_csum);
    } else if (proto == IPPROTO_ICMPV6_ && ipv6) {
        l4 = l4_header(p, ICMP6_HEADER_LEN);
        csum_ofs = offsetof(struct icmp6_header, icmp6_csum);
    } else {
        return;
    }
    if (!l4) {
        return;
    }
    memcpy(&csum, l4 + csum_ofs, sizeof csum);
    if (proto == IPPROTO_UDP && !csum && !dp_packet_ol_is_csum_partial(p)) {
        return;                 /* No UDP checksum (IPv4 only). */
    }
    if (ipv6) {
        csum = l4_csum_update128(p, csum, old, new);
    } else {
        nfvs_be32 o, n;

        memcpy(&o, old, 4);
        memcpy(&n, new, 4);
        csum = l4_csum_update32(p, csum, o, n);
    }
    if (proto == IPPROTO_UDP && !csum && !dp_packet_ol_is_csum_partial(p)) {
        csum = htons(0xffff);
    }
    memcpy(l4 + csum_ofs, &csum, sizeof csum);
}

static void
set_ethernet(struct dp_packet *p, const struct nfvs_key_ethernet *k)
{
    struct eth_header *eh = dp_packet_l2(p);

    if (eh && p->size >= ETH_HEADER_LEN) {
        memcpy(eh->eth_src.ea, k->eth_src, ETH_ADDR_LEN);
        memcpy(eh->eth_dst.ea, k->eth_dst, ETH_ADDR_LEN);
    }
}

static void
set_ipv4(struct dp_packet *p, const struct nfvs_key_ipv4 *k)
{
    struct ip_header *ip = dp_packet_l3(p);
    bool has_l4;
    uint8_t proto;

    if (l3_eth_type(p) != htons(ETH_TYPE_IP) || l3_size(p) < IP_HEADER_LEN
        || IP_VER(ip->ip_ihl_ver) != IP_VERSION) {
        return;
    }
    proto = ip->ip_proto;
    has_l4 = !(ip->ip_frag_off & htons(IP_FRAG_OFF_MASK));
    if (ip->ip_src != k->ipv4_src) {
        if (has_l4) {
            l4_addr_changed(p, proto, &ip->ip_src, &k->ipv4_src, false);
        }
        ip->ip_csum = recalc_csum32(ip->ip_csum, ip->ip_src, k->ipv4_src);
        ip->ip_src = k->ipv4_src;
    }
    if (ip->ip_dst != k->ipv4_dst) {
        if (has_l4) {
            l4_addr_changed(p, proto, &ip->ip_dst, &k->ipv4_dst, false);
        }
        ip->ip_csum = recalc_csum32(ip->ip_csum, ip->ip_dst, k->ipv4_dst);
        ip->ip_dst = k->ipv4_dst;
    }
    if (ip->ip_tos != k->ipv4_tos) {
        ip->ip_csum = recalc_csum16(ip->ip_csum,
                                    htons(ip->ip_ihl_ver << 8 | ip->ip_tos),
                                    htons(ip->ip_ihl_ver << 8
                                          | k->ipv4_tos));
        ip->ip_tos = k->ipv4_tos;
    }
    if (ip->ip_ttl != k->ipv4_ttl) {
        ip->ip_csum = recalc_csum16(ip->ip_csum,
                                    htons(ip->ip_ttl << 8 | proto),
                                    htons(k->ipv4_ttl << 8 | proto));
        ip->ip_ttl = k->ipv4_ttl;
    }
}

static void
set_ipv6(struct dp_packet *p, const struct nfvs_key_ipv6 *k)
{
    struct ip6_header *ip6 = dp_packet_l3(p);
    struct in6_addr addr;
    struct flow flow;
    nfvs_be32 vtc;
    bool has_l4;

    if (l3_eth_type(p) != htons(ETH_TYPE_IPV6)
        || l3_size(p) < IPV6_HEADER_LEN) {
        return;
    }
    /* The L4 protocol sits after any extension headers: parse again
     * (rare: only packets whose IPv6 addresses a flow rewrites). */
    flow_extract(p, 0, &flow);
    has_l4 = !(flow.nw_frag & FLOW_NW_FRAG_LATER);

    memcpy(&addr, k->ipv6_src, sizeof addr);
    if (memcmp(&ip6->ip6_src, &addr, sizeof addr)) {
        struct in6_addr old = ip6->ip6_src;

        if (has_l4) {
            l4_addr_changed(p, flow.nw_proto, &old, &addr, true);
        }
        ip6->ip6_src = addr;
    }
    memcpy(&addr, k->ipv6_dst, sizeof addr);
    if (memcmp(&ip6->ip6_dst, &addr, sizeof addr)) {
        struct in6_addr old = ip6->ip6_dst;

        if (has_l4) {
            l4_addr_changed(p, flow.nw_proto, &old, &addr, true);
        }
        ip6->ip6_dst = addr;
    }
    /* Version (4 bits), traffic class (8), flow label (20). */
    vtc = htonl((6u << 28) | ((uint32_t) k->ipv6_tclass << 20)
                | (ntohl(k->ipv6_label) & IPV6_LABEL_MASK));
    ip6->ip6_flow = vtc;
    ip6->ip6_hlim = k->ipv6_hlimit;
}

static void
set_ports(struct dp_packet *p, const struct nfvs_key_ports *k, bool tcp)
{
    bool partial = dp_packet_ol_is_csum_partial(p);

    /* Ports lie inside the summed range of a partial checksum, so such a
     * checksum needs no update. */
    if (tcp) {
        struct tcp_header *th = l4_header(p, TCP_HEADER_LEN);

        if (!th) {
            return;
        }
        if (!partial) {
            th->tcp_csum = recalc_csum16(th->tcp_csum, th->tcp_src, k->src);
            th->tcp_csum = recalc_csum16(th->tcp_csum, th->tcp_dst, k->dst);
        }
        th->tcp_src = k->src;
        th->tcp_dst = k->dst;
    } else {
        struct udp_header *uh = l4_header(p, UDP_HEADER_LEN);

        if (!uh) {
            return;
        }
        if (!partial && uh->udp_csum) {
            nfvs_be16 c = recalc_csum16(uh->udp_csum, uh->udp_src, k->src);

            c = recalc_csum16(c, uh->udp_dst, k->dst);
            uh->udp_csum = c ? c : htons(0xffff);
        }
        uh->udp_src = k->src;
        uh->udp_dst = k->dst;
    }
}

/* Rewrites the opcode, addresses and hardware addresses of an Ethernet/IPv4
 * ARP packet; leaves any other packet alone, as the key of such a packet
 * has no ARP fields. */
static void
set_arp(struct dp_packet *p, const struct nfvs_key_arp *k)
{
    struct arp_eth_header *arp = dp_packet_l3(p);

    if (l3_eth_type(p) != htons(ETH_TYPE_ARP)
        || l3_size(p) < ARP_ETH_HEADER_LEN
        || arp->ar_hrd != htons(ARP_HRD_ETHERNET)
        || arp->ar_pro != htons(ETH_TYPE_IP)
        || arp->ar_hln != ETH_ADDR_LEN || arp->ar_pln != 4) {
        return;
    }
    arp->ar_op = k->arp_op;
    memcpy(arp->ar_sha.ea, k->arp_sha, ETH_ADDR_LEN);
    arp->ar_spa = k->arp_sip;
    memcpy(arp->ar_tha.ea, k->arp_tha, ETH_ADDR_LEN);
    arp->ar_tpa = k->arp_tip;
}

/* Returns the IP protocol of 'p' as far as the L3 header tells, for the
 * TCP/UDP set actions: they must not rewrite another protocol's bytes. */
static uint8_t
l4_proto(const struct dp_packet *p)
{
    nfvs_be16 type = l3_eth_type(p);

    if (type == htons(ETH_TYPE_IP) && l3_size(p) >= IP_HEADER_LEN) {
        const struct ip_header *ip = dp_packet_l3(p);

        return (ip->ip_frag_off & htons(IP_FRAG_OFF_MASK)) ? 0 : ip->ip_proto;
    } else if (type == htons(ETH_TYPE_IPV6)) {
        struct flow flow;

        flow_extract(p, 0, &flow);
        return flow.nw_frag & FLOW_NW_FRAG_LATER ? 0 : flow.nw_proto;
    }
    return 0;
}

static void
execute_set(struct dp_packet *p, const struct nlattr *nla)
{
    const struct nlattr *inner = nl_attr_get(nla);
    const void *value = nl_attr_get(inner);

    switch (nl_attr_type(inner)) {
    case NFVS_KEY_ATTR_ETHERNET: {
        struct nfvs_key_ethernet k;

        memcpy(&k, value, sizeof k);
        set_ethernet(p, &k);
        break;
    }
    case NFVS_KEY_ATTR_IPV4: {
        struct nfvs_key_ipv4 k;

        memcpy(&k, value, sizeof k);
        set_ipv4(p, &k);
        break;
    }
    case NFVS_KEY_ATTR_IPV6: {
        struct nfvs_key_ipv6 k;

        memcpy(&k, value, sizeof k);
        set_ipv6(p, &k);
        break;
    }
    case NFVS_KEY_ATTR_TCP:
    case NFVS_KEY_ATTR_UDP: {
        bool tcp = nl_attr_type(inner) == NFVS_KEY_ATTR_TCP;
        struct nfvs_key_ports k;

        if (l4_proto(p) == (tcp ? IPPROTO_TCP : IPPROTO_UDP)) {
            memcpy(&k, value, sizeof k);
            set_ports(p, &k, tcp);
        }
        break;
    }
    case NFVS_KEY_ATTR_ARP: {
        struct nfvs_key_arp k;

        memcpy(&k, value, sizeof k);
        set_arp(p, &k);
        break;
    }
    }
}

/* Sets the L2.5 offset of 'p' after its outermost tag changed. */
static void
reset_l2_5(struct dp_packet *p)
{
    const struct eth_header *eh = dp_packet_data(p);

    p->l2_5_ofs = (p->size >= VLAN_ETH_HEADER_LEN
                   && eth_type_is_vlan(eh->eth_type)) ? 2 * ETH_ADDR_LEN
                                                      : UINT16_MAX;
}

static void
push_vlan(struct dp_packet *p, const struct nfvs_action_push_vlan *pv)
{
    struct vlan_header *vh;
    char *data;

    if (p->size < ETH_HEADER_LEN) {
        return;
    }
    data = dp_packet_resize_l2(p, VLAN_HEADER_LEN);
    memmove(data, data + VLAN_HEADER_LEN, 2 * ETH_ADDR_LEN);
    vh = (struct vlan_header *) (data + 2 * ETH_ADDR_LEN);
    vh->vlan_tpid = pv->vlan_tpid;
    vh->vlan_tci = pv->vlan_tci & ~htons(VLAN_CFI);
    reset_l2_5(p);
}

static void
pop_vlan(struct dp_packet *p)
{
    const struct eth_header *eh = dp_packet_data(p);
    char *data = dp_packet_data(p);

    if (p->size < VLAN_ETH_HEADER_LEN || !eth_type_is_vlan(eh->eth_type)) {
        return;
    }
    memmove(data + VLAN_HEADER_LEN, data, 2 * ETH_ADDR_LEN);
    dp_packet_resize_l2(p, -VLAN_HEADER_LEN);
    reset_l2_5(p);
}

/* Returns true if 'nla' is the last action before 'left' runs out. */
static bool
is_last_action(const struct nlattr *nla, size_t left)
{
    return NLA_ALIGN(nla->nla_len) >= left;
}

void
odp_execute_actions(void *aux, struct dp_packet *packet,
                    const void *actions, size_t size, odp_execute_cb *cb)
{
    odp_execute_actions_metered(aux, packet, actions, size, cb, NULL);
}

void
odp_execute_actions_metered(void *aux, struct dp_packet *packet,
                            const void *actions, size_t size,
                            odp_execute_cb *cb, odp_meter_cb *meter_cb)
{
    const struct nlattr *nla;
    size_t left;

    NL_ATTR_FOR_EACH (nla, left, actions, size) {
        switch (nl_attr_type(nla)) {
        case NFVS_ACTION_ATTR_OUTPUT:
        case NFVS_ACTION_ATTR_USERSPACE:
            if (is_last_action(nla, left)) {
                cb(aux, packet, nla, true);
                return;
            }
            cb(aux, packet, nla, false);
            break;
        case NFVS_ACTION_ATTR_SET:
            execute_set(packet, nla);
            break;
        case NFVS_ACTION_ATTR_PUSH_VLAN: {
            struct nfvs_action_push_vlan pv;

            memcpy(&pv, nl_attr_get(nla), sizeof pv);
            push_vlan(packet, &pv);
            break;
        }
        case NFVS_ACTION_ATTR_POP_VLAN:
            pop_vlan(packet);
            break;
        case NFVS_ACTION_ATTR_METER:
            if (meter_cb && !meter_cb(aux, packet, nl_attr_get_u32(nla))) {
                dp_packet_destroy(packet);
                return;
            }
            break;
        }
    }
    dp_packet_destroy(packet);
}
