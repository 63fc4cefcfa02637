#include <config.h>
#include "meta-flow.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "dynamic-string.h"
#include "flow.h"
#include "match.h"
#include "ofp-parse.h"
#include "util.h"

/* How a field is stored in 'struct flow'. */
enum mf_storage {
    ST_U8,                      /* uint8_t. */
    ST_BE16,                    /* nfvs_be16. */
    ST_BE32,                    /* nfvs_be32. */
    ST_H16,                     /* uint16_t, host order. */
    ST_H32,                     /* uint32_t, host order. */
    ST_H64,                     /* uint64_t, host order. */
    ST_MAC,                     /* struct eth_addr. */
    ST_IN6                      /* struct in6_addr. */
};

struct mf_info {
    struct mf_field up;         /* Public part. */
    size_t ofs;                 /* offsetof(struct flow, ...). */
    enum mf_storage storage;    /* Type of the member at 'ofs'. */
    unsigned int shift;         /* Field bit 0 is storage bit 'shift'. */
    uint64_t fmask;             /* Storage bits the field owns, >> shift. */
};

#define FIELD(ID, NAME, NXM, BYTES, BITS, STRING, MASKABLE, WRITABLE,   \
              PREREQS, MEMBER, STORAGE, SHIFT, FMASK)                   \
    [ID] = { { ID, NAME, NXM, BYTES, BITS, STRING, MASKABLE, WRITABLE,  \
               PREREQS },                                               \
             offsetof(struct flow, MEMBER), STORAGE, SHIFT, FMASK }

#define REG(N)                                                          \
    FIELD(MFF_REG0 + N, "reg" #N, "NXM_NX_REG" #N, 4, 32,              \
          MFS_HEXADECIMAL, true, true, MFP_NONE, regs[N], ST_H32, 0,    \
          UINT32_MAX)

static const struct mf_info mf_infos[MFF_N_IDS] = {
    FIELD(MFF_IN_PORT, "in_port", "NXM_OF_IN_PORT", 2, 16, MFS_OFP_PORT,
          false, true, MFP_NONE, in_port, ST_H32, 0, 0xffff),
    FIELD(MFF_METADATA, "metadata", "OXM_OF_METADATA", 8, 64,
          MFS_HEXADECIMAL, true, true, MFP_NONE, metadata, ST_H64, 0,
          UINT64_MAX),
    REG(0), REG(1), REG(2), REG(3), REG(4), REG(5), REG(6), REG(7),
    FIELD(MFF_CT_STATE, "ct_state", "NXM_NX_CT_STATE", 4, 32,
          MFS_CT_STATE, true, false, MFP_NONE, ct_state, ST_U8, 0, 0xff),
    FIELD(MFF_CT_ZONE, "ct_zone", "NXM_NX_CT_ZONE", 2, 16, MFS_DECIMAL,
          false, false, MFP_NONE, ct_zone, ST_H16, 0, 0xffff),
    FIELD(MFF_CT_MARK, "ct_mark", "NXM_NX_CT_MARK", 4, 32,
          MFS_HEXADECIMAL, true, true, MFP_NONE, ct_mark, ST_H32, 0,
          UINT32_MAX),
    FIELD(MFF_ETH_SRC, "eth_src", "NXM_OF_ETH_SRC", 6, 48, MFS_ETHERNET,
          true, true, MFP_NONE, dl_src, ST_MAC, 0, 0xffffffffffffULL),
    FIELD(MFF_ETH_DST, "eth_dst", "NXM_OF_ETH_DST", 6, 48, MFS_ETHERNET,
          true, true, MFP_NONE, dl_dst, ST_MAC, 0, 0xffffffffffffULL),
    FIELD(MFF_ETH_TYPE, "eth_type", "NXM_OF_ETH_TYPE", 2, 16,
          MFS_HEXADECIMAL, false, false, MFP_NONE, dl_type, ST_BE16, 0,
          0xffff),
    FIELD(MFF_VLAN_TCI, "vlan_tci", "NXM_OF_VLAN_TCI", 2, 16,
          MFS_HEXADECIMAL, true, true, MFP_NONE, vlan_tci, ST_BE16, 0,
          0xffff),
    FIELD(MFF_DL_VLAN, "dl_vlan", "dl_vlan", 2, 12, MFS_DECIMAL, false,
          false, MFP_NONE, vlan_tci, ST_BE16, 0, VLAN_VID_MASK),
    FIELD(MFF_DL_VLAN_PCP, "dl_vlan_pcp", "dl_vlan_pcp", 1, 3,
          MFS_DECIMAL, false, false, MFP_NONE, vlan_tci, ST_BE16,
          VLAN_PCP_SHIFT, 7),
    FIELD(MFF_IPV4_SRC, "ip_src", "NXM_OF_IP_SRC", 4, 32, MFS_IPV4, true,
          true, MFP_IPV4, nw_src, ST_BE32, 0, UINT32_MAX),
    FIELD(MFF_IPV4_DST, "ip_dst", "NXM_OF_IP_DST", 4, 32, MFS_IPV4, true,
          true, MFP_IPV4, nw_dst, ST_BE32, 0, UINT32_MAX),
    FIELD(MFF_IPV6_SRC, "ipv6_src", "NXM_NX_IPV6_SRC", 16, 128, MFS_IPV6,
          true, true, MFP_IPV6, ipv6_src, ST_IN6, 0, 0),
    FIELD(MFF_IPV6_DST, "ipv6_dst", "NXM_NX_IPV6_DST", 16, 128, MFS_IPV6,
          true, true, MFP_IPV6, ipv6_dst, ST_IN6, 0, 0),
    FIELD(MFF_IPV6_LABEL, "ipv6_label", "NXM_NX_IPV6_LABEL", 4, 20,
          MFS_HEXADECIMAL, true, true, MFP_IPV6, ipv6_label, ST_BE32, 0,
          0xfffff),
    FIELD(MFF_IP_PROTO, "nw_proto", "NXM_OF_IP_PROTO", 1, 8, MFS_DECIMAL,
          false, false, MFP_IP_ANY, nw_proto, ST_U8, 0, 0xff),
    FIELD(MFF_IP_DSCP, "nw_tos", "NXM_OF_IP_TOS", 1, 8, MFS_DECIMAL,
          false, true, MFP_IP_ANY, nw_tos, ST_U8, 0, 0xfc),
    FIELD(MFF_IP_DSCP_SHIFTED, "ip_dscp", "OXM_OF_IP_DSCP", 1, 6,
          MFS_DECIMAL, false, true, MFP_IP_ANY, nw_tos, ST_U8, 2, 0x3f),
    FIELD(MFF_IP_ECN, "nw_ecn", "NXM_NX_IP_ECN", 1, 2, MFS_DECIMAL, false,
          true, MFP_IP_ANY, nw_tos, ST_U8, 0, 0x03),
    FIELD(MFF_IP_TTL, "nw_ttl", "NXM_NX_IP_TTL", 1, 8, MFS_DECIMAL, false,
          true, MFP_IP_ANY, nw_ttl, ST_U8, 0, 0xff),
    FIELD(MFF_IP_FRAG, "ip_frag", "NXM_NX_IP_FRAG", 1, 2, MFS_FRAG, true,
          false, MFP_IP_ANY, nw_frag, ST_U8, 0, FLOW_NW_FRAG_MASK),
    FIELD(MFF_ARP_OP, "arp_op", "NXM_OF_ARP_OP", 2, 16, MFS_DECIMAL,
          false, true, MFP_ARP, nw_proto, ST_U8, 0, 0xff),
    FIELD(MFF_ARP_SPA, "arp_spa", "NXM_OF_ARP_SPA", 4, 32, MFS_IPV4, true,
          true, MFP_ARP, nw_src, ST_BE32, 0, UINT32_MAX),
    FIELD(MFF_ARP_TPA, "arp_tpa", "NXM_OF_ARP_TPA", 4, 32, MFS_IPV4, true,
          true, MFP_ARP, nw_dst, ST_BE32, 0, UINT32_MAX),
    FIELD(MFF_ARP_SHA, "arp_sha", "NXM_NX_ARP_SHA", 6, 48, MFS_ETHERNET,
          true, true, MFP_ARP, arp_sha, ST_MAC, 0, 0xffffffffffffULL),
    FIELD(MFF_ARP_THA, "arp_tha", "NXM_NX_ARP_THA", 6, 48, MFS_ETHERNET,
          true, true, MFP_ARP, arp_tha, ST_MAC, 0, 0xffffffffffffULL),
    FIELD(MFF_TCP_SRC, "tcp_src", "NXM_OF_TCP_SRC", 2, 16, MFS_DECIMAL,
          true, true, MFP_TCP, tp_src, ST_BE16, 0, 0xffff),
    FIELD(MFF_TCP_DST, "tcp_dst", "NXM_OF_TCP_DST", 2, 16, MFS_DECIMAL,
          true, true, MFP_TCP, tp_dst, ST_BE16, 0, 0xffff),
    FIELD(MFF_TCP_FLAGS, "tcp_flags", "NXM_NX_TCP_FLAGS", 2, 12,
          MFS_TCP_FLAGS, true, false, MFP_TCP, tcp_flags, ST_BE16, 0,
          0x0fff),
    FIELD(MFF_UDP_SRC, "udp_src", "NXM_OF_UDP_SRC", 2, 16, MFS_DECIMAL,
          true, true, MFP_UDP, tp_src, ST_BE16, 0, 0xffff),
    FIELD(MFF_UDP_DST, "udp_dst", "NXM_OF_UDP_DST", 2, 16, MFS_DECIMAL,
          true, true, MFP_UDP, tp_dst, ST_BE16, 0, 0xffff),
    FIELD(MFF_SCTP_SRC, "sctp_src", "OXM_OF_SCTP_SRC", 2, 16, MFS_DECIMAL,
          true, true, MFP_SCTP, tp_src, ST_BE16, 0, 0xffff),
    FIELD(MFF_SCTP_DST, "sctp_dst", "OXM_OF_SCTP_DST", 2, 16, MFS_DECIMAL,
          true, true, MFP_SCTP, tp_dst, ST_BE16, 0, 0xffff),
    FIELD(MFF_ICMPV4_TYPE, "icmp_type", "NXM_OF_ICMP_TYPE", 1, 8,
          MFS_DECIMAL, false, true, MFP_ICMPV4, tp_src, ST_BE16, 0, 0xff),
    FIELD(MFF_ICMPV4_CODE, "icmp_code", "NXM_OF_ICMP_CODE", 1, 8,
          MFS_DECIMAL, false, true, MFP_ICMPV4, tp_dst, ST_BE16, 0, 0xff),
    FIELD(MFF_ICMPV6_TYPE, "icmpv6_type", "NXM_NX_ICMPV6_TYPE", 1, 8,
          MFS_DECIMAL, false, true, MFP_ICMPV6, tp_src, ST_BE16, 0, 0xff),
    FIELD(MFF_ICMPV6_CODE, "icmpv6_code", "NXM_NX_ICMPV6_CODE", 1, 8,
          MFS_DECIMAL, false, true, MFP_ICMPV6, tp_dst, ST_BE16, 0, 0xff),
    FIELD(MFF_ND_TARGET, "nd_target", "NXM_NX_ND_TARGET", 16, 128,
          MFS_IPV6, true, true, MFP_ND, nd_target, ST_IN6, 0, 0),
    FIELD(MFF_ND_SLL, "nd_sll", "NXM_NX_ND_SLL", 6, 48, MFS_ETHERNET,
          true, true, MFP_ND_SOLICIT, arp_sha, ST_MAC, 0,
          0xffffffffffffULL),
    FIELD(MFF_ND_TLL, "nd_tll", "NXM_NX_ND_TLL", 6, 48, MFS_ETHERNET,
          true, true, MFP_ND_ADVERT, arp_tha, ST_MAC, 0,
          0xffffffffffffULL),
    FIELD(MFF_CT_NW_SRC, "ct_nw_src", "NXM_NX_CT_NW_SRC", 4, 32, MFS_IPV4,
          true, false, MFP_CT_IPV4, ct_nw_src, ST_BE32, 0, UINT32_MAX),
    FIELD(MFF_CT_NW_DST, "ct_nw_dst", "NXM_NX_CT_NW_DST", 4, 32, MFS_IPV4,
          true, false, MFP_CT_IPV4, ct_nw_dst, ST_BE32, 0, UINT32_MAX),
    FIELD(MFF_CT_NW_PROTO, "ct_nw_proto", "NXM_NX_CT_NW_PROTO", 1, 8,
          MFS_DECIMAL, false, false, MFP_CT_VALID, ct_nw_proto, ST_U8, 0,
          0xff),
    FIELD(MFF_CT_TP_SRC, "ct_tp_src", "NXM_NX_CT_TP_SRC", 2, 16,
          MFS_DECIMAL, true, false, MFP_CT_L4, ct_tp_src, ST_BE16, 0,
          0xffff),
    FIELD(MFF_CT_TP_DST, "ct_tp_dst", "NXM_NX_CT_TP_DST", 2, 16,
          MFS_DECIMAL, true, false, MFP_CT_L4, ct_tp_dst, ST_BE16, 0,
          0xffff),
};

/* Names other than the canonical and NXM ones.  'match_prereqs' applies
 * when the name is used in a match, as ovs-ofctl accepts it there. */
struct mf_alias {
    const char *name;           /* As typed. */
    enum mf_field_id id;        /* Field it names. */
    int match_prereqs;          /* enum mf_prereqs, or -1 for the field's. */
};

static const struct mf_alias mf_aliases[] = {
    { "dl_src", MFF_ETH_SRC, -1 },
    { "dl_dst", MFF_ETH_DST, -1 },
    { "dl_type", MFF_ETH_TYPE, -1 },
    { "nw_src", MFF_IPV4_SRC, MFP_IP_OR_ARP },
    { "nw_dst", MFF_IPV4_DST, MFP_IP_OR_ARP },
    { "ip_proto", MFF_IP_PROTO, -1 },
    { "ip_ecn", MFF_IP_ECN, -1 },
    { "nw_frag", MFF_IP_FRAG, -1 },
    { "tp_src", MFF_TCP_SRC, MFP_L4 },
    { "tp_dst", MFF_TCP_DST, MFP_L4 },
    { "icmp_type", MFF_ICMPV4_TYPE, MFP_ICMP_ANY },
    { "icmp_code", MFF_ICMPV4_CODE, MFP_ICMP_ANY },
};

static const struct mf_info *
mf_info_cast(const struct mf_field *mf)
{
    return CONTAINER_OF(mf, struct mf_info, up);
}

const struct mf_field *
mf_from_id(enum mf_field_id id)
{
    return id < MFF_N_IDS ? &mf_infos[id].up : NULL;
}

const struct mf_field *
mf_from_name(const char *name, enum mf_prereqs *match_prereqsp)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(mf_aliases); i++) {
        const struct mf_alias *a = &mf_aliases[i];

        if (!strcmp(name, a->name)) {
            const struct mf_field *mf = &mf_infos[a->id].up;

            if (match_prereqsp) {
                *match_prereqsp = (a->match_prereqs < 0 ? mf->prereqs
                                   : (enum mf_prereqs) a->match_prereqs);
            }
            return mf;
        }
    }
    for (i = 0; i < MFF_N_IDS; i++) {
        const struct mf_field *mf = &mf_infos[i].up;

        if (!strcmp(name, mf->name) || !strcmp(name, mf->nxm_name)) {
            if (match_prereqsp) {
                *match_prereqsp = mf->prereqs;
            }
            return mf;
        }
    }
    return NULL;
}

/* Values as integers (fields up to 8 bytes). */

static uint64_t
value_to_u64(const union mf_value *value, unsigned int n_bytes)
{
    uint64_t x = 0;
    unsigned int i;

    for (i = 0; i < n_bytes; i++) {
        x = (x << 8) | value->bytes[i];
    }
    return x;
}

static void
u64_to_value(uint64_t x, unsigned int n_bytes, union mf_value *value)
{
    int i;

    memset(value, 0, sizeof *value);
    for (i = n_bytes - 1; i >= 0; i--) {
        value->bytes[i] = x;
        x >>= 8;
    }
}

static uint64_t
storage_load(const struct mf_info *info, const struct flow *flow)
{
    const uint8_t *p = (const uint8_t *) flow + info->ofs;
    uint64_t x = 0;
    nfvs_be16 be16;
    nfvs_be32 be32;
    uint16_t h16;
    uint32_t h32;
    int i;

    switch (info->storage) {
    case ST_U8:
        return *p;
    case ST_BE16:
        memcpy(&be16, p, sizeof be16);
        return ntohs(be16);
    case ST_BE32:
        memcpy(&be32, p, sizeof be32);
        return ntohl(be32);
    case ST_H16:
        memcpy(&h16, p, sizeof h16);
        return h16;
    case ST_H32:
        memcpy(&h32, p, sizeof h32);
        return h32;
    case ST_H64:
        memcpy(&x, p, sizeof x);
        return x;
    case ST_MAC:
        for (i = 0; i < ETH_ADDR_LEN; i++) {
            x = (x << 8) | p[i];
        }
        return x;
    case ST_IN6:
    default:
        abort();
    }
}

static void
storage_store(const struct mf_info *info, struct flow *flow, uint64_t x)
{
    uint8_t *p = (uint8_t *) flow + info->ofs;
    nfvs_be16 be16;
    nfvs_be32 be32;
    uint16_t h16;
    uint32_t h32;
    int i;

    switch (info->storage) {
    case ST_U8:
        *p = x;
        break;
    case ST_BE16:
        be16 = htons(x);
        memcpy(p, &be16, sizeof be16);
        break;
    case ST_BE32:
        be32 = htonl(x);
        memcpy(p, &be32, sizeof be32);
        break;
    case ST_H16:
        h16 = x;
        memcpy(p, &h16, sizeof h16);
        break;
    case ST_H32:
        h32 = x;
        memcpy(p, &h32, sizeof h32);
        break;
    case ST_H64:
        memcpy(p, &x, sizeof x);
        break;
    case ST_MAC:
        for (i = ETH_ADDR_LEN - 1; i >= 0; i--) {
            p[i] = x;
            x >>= 8;
        }
        break;
    case ST_IN6:
    default:
        abort();
    }
}

static uint8_t *
storage_bytes(const struct mf_info *info, const struct flow *flow)
{
    return (uint8_t *) flow + info->ofs;
}

void
mf_get_value(const struct mf_field *mf, const struct flow *flow,
             union mf_value *value)
{
    const struct mf_info *info = mf_info_cast(mf);

    if (info->storage == ST_IN6) {
        memset(value, 0, sizeof *value);
        memcpy(value->bytes, storage_bytes(info, flow), 16);
    } else {
        uint64_t raw = storage_load(info, flow);

        u64_to_value((raw >> info->shift) & info->fmask, mf->n_bytes,
                     value);
    }
}

void
mf_get_mask(const struct mf_field *mf, const struct match *match,
            union mf_value *mask)
{
    mf_get_value(mf, &match->wc.masks, mask);
}

/* Writes the bits of 'value' selected by 'mask' into 'flow'; with
 * 'replace', every bit the field owns is written, the unselected ones as
 * zero. */
static void
set_bits(const struct mf_info *info, const union mf_value *value,
         const union mf_value *mask, bool replace, struct flow *flow)
{
    if (info->storage == ST_IN6) {
        uint8_t *p = storage_bytes(info, flow);
        int i;

        for (i = 0; i < 16; i++) {
            uint8_t keep = replace ? 0 : p[i] & ~mask->bytes[i];

            p[i] = keep | (value->bytes[i] & mask->bytes[i]);
        }
    } else {
        unsigned int n = info->up.n_bytes;
        uint64_t v = value_to_u64(value, n);
        uint64_t m = value_to_u64(mask, n) & info->fmask;
        uint64_t clear = (replace ? info->fmask : m) << info->shift;
        uint64_t raw = storage_load(info, flow);

        raw = (raw & ~clear) | ((v & m) << info->shift);
        storage_store(info, flow, raw);
    }
}

static bool
is_vlan_subfield(const struct mf_field *mf)
{
    return mf->id == MFF_DL_VLAN || mf->id == MFF_DL_VLAN_PCP;
}

void
mf_get_bits(const struct mf_field *mf, struct flow *bits)
{
    union mf_value ones;

    memset(&ones, 0xff, sizeof ones);
    set_bits(mf_info_cast(mf), &ones, &ones, false, bits);
}

void
mf_set_flow_value_masked(const struct mf_field *mf,
                         const union mf_value *value,
                         const union mf_value *mask, struct flow *flow)
{
    set_bits(mf_info_cast(mf), value, mask, false, flow);
    if (is_vlan_subfield(mf) && !mf_is_all_zeros(mf, mask)) {
        flow->vlan_tci |= htons(VLAN_CFI);
    }
}

void
mf_set_match(const struct mf_field *mf, const union mf_value *value,
             const union mf_value *mask, struct match *match)
{
    const struct mf_info *info = mf_info_cast(mf);

    if (mf->id == MFF_DL_VLAN && value->be16 == htons(0xffff)
        && mf_is_all_ones(mf, mask)) {
        /* OpenFlow 1.0's "no VLAN header". */
        match->flow.vlan_tci = 0;
        match->wc.masks.vlan_tci = htons(0xffff);
        return;
    }
    set_bits(info, mask, mask, true, &match->wc.masks);
    set_bits(info, value, mask, true, &match->flow);
    if (is_vlan_subfield(mf) && !mf_is_all_zeros(mf, mask)) {
        match->flow.vlan_tci |= htons(VLAN_CFI);
        match->wc.masks.vlan_tci |= htons(VLAN_CFI);
    }
    if (mf->id >= MFF_ICMPV4_TYPE && mf->id <= MFF_ICMPV6_CODE) {
        /* The type or code is the whole 16-bit tp_src or tp_dst, as in
         * OVS, so a match on it fixes the (zero) high byte too. */
        nfvs_be16 wc = mf_is_all_zeros(mf, mask) ? 0 : htons(0xffff);

        if (mf->id == MFF_ICMPV4_TYPE || mf->id == MFF_ICMPV6_TYPE) {
            match->wc.masks.tp_src = wc;
        } else {
            match->wc.masks.tp_dst = wc;
        }
    } else if (mf->id == MFF_IN_PORT) {
        match->wc.masks.in_port = (mf_is_all_zeros(mf, mask) ? 0
                                   : UINT32_MAX);
    }
    match_normalize(match);
}

bool
mf_is_all_ones(const struct mf_field *mf, const union mf_value *v)
{
    unsigned int i;

    for (i = 0; i < mf->n_bytes; i++) {
        if (v->bytes[i] != 0xff) {
            return false;
        }
    }
    return true;
}

bool
mf_is_all_zeros(const struct mf_field *mf, const union mf_value *v)
{
    unsigned int i;

    for (i = 0; i < mf->n_bytes; i++) {
        if (v->bytes[i]) {
            return false;
        }
    }
    return true;
}

bool
mf_is_value_valid(const struct mf_field *mf, const union mf_value *value)
{
    const struct mf_info *info = mf_info_cast(mf);

    if (info->storage == ST_IN6) {
        return true;
    } else if (mf->id == MFF_CT_STATE) {
        return !(ntohl(value->be32) & ~0xffu);
    } else if (mf->id == MFF_DL_VLAN && value->be16 == htons(0xffff)) {
        return true;            /* OpenFlow 1.0's "no VLAN header". */
    } else if (mf->id == MFF_IN_PORT) {
        uint16_t port = ntohs(value->be16);

        return port < OFPP_MAX || port >= OFPP_IN_PORT;
    } else {
        return !(value_to_u64(value, mf->n_bytes) & ~info->fmask);
    }
}

/* Prerequisites. */

static bool
dl_type_is(const struct match *m, uint16_t dl_type)
{
    return (m->wc.masks.dl_type == htons(0xffff)
            && m->flow.dl_type == htons(dl_type));
}

static bool
is_ip_any(const struct match *m)
{
    return dl_type_is(m, ETH_TYPE_IP) || dl_type_is(m, ETH_TYPE_IPV6);
}

static bool
nw_proto_is(const struct match *m, uint8_t proto)
{
    return m->wc.masks.nw_proto == 0xff && m->flow.nw_proto == proto;
}

static bool
icmpv6_type_is(const struct match *m, uint8_t type)
{
    return (dl_type_is(m, ETH_TYPE_IPV6) && nw_proto_is(m, IPPROTO_ICMPV6)
            && m->wc.masks.tp_src == htons(0xffff)
            && m->flow.tp_src == htons(type));
}

bool
mf_are_prereqs_ok(enum mf_prereqs prereqs, const struct match *m)
{
    switch (prereqs) {
    case MFP_NONE:
        return true;
    case MFP_ARP:
        return dl_type_is(m, ETH_TYPE_ARP);
    case MFP_IPV4:
        return dl_type_is(m, ETH_TYPE_IP);
    case MFP_IPV6:
        return dl_type_is(m, ETH_TYPE_IPV6);
    case MFP_IP_ANY:
        return is_ip_any(m);
    case MFP_IP_OR_ARP:
        return dl_type_is(m, ETH_TYPE_IP) || dl_type_is(m, ETH_TYPE_ARP);
    case MFP_IP_ANY_OR_ARP:
        return is_ip_any(m) || dl_type_is(m, ETH_TYPE_ARP);
    case MFP_TCP:
        return is_ip_any(m) && nw_proto_is(m, IPPROTO_TCP);
    case MFP_UDP:
        return is_ip_any(m) && nw_proto_is(m, IPPROTO_UDP);
    case MFP_SCTP:
        return is_ip_any(m) && nw_proto_is(m, IPPROTO_SCTP);
    case MFP_L4:
        return is_ip_any(m) && (nw_proto_is(m, IPPROTO_TCP)
                                || nw_proto_is(m, IPPROTO_UDP)
                                || nw_proto_is(m, IPPROTO_SCTP));
    case MFP_ICMPV4:
        return dl_type_is(m, ETH_TYPE_IP) && nw_proto_is(m, IPPROTO_ICMP);
    case MFP_ICMPV6:
        return (dl_type_is(m, ETH_TYPE_IPV6)
                && nw_proto_is(m, IPPROTO_ICMPV6));
    case MFP_ICMP_ANY:
        return (mf_are_prereqs_ok(MFP_ICMPV4, m)
                || mf_are_prereqs_ok(MFP_ICMPV6, m));
    case MFP_ND:
        return icmpv6_type_is(m, 135) || icmpv6_type_is(m, 136);
    case MFP_ND_SOLICIT:
        return icmpv6_type_is(m, 135);
    case MFP_ND_ADVERT:
        return icmpv6_type_is(m, 136);
    case MFP_CT_VALID:
        return ((m->wc.masks.ct_state & (CS_TRACKED | CS_INVALID))
                == (CS_TRACKED | CS_INVALID)
                && (m->flow.ct_state & (CS_TRACKED | CS_INVALID))
                   == CS_TRACKED);
    case MFP_CT_IPV4:
        return (mf_are_prereqs_ok(MFP_CT_VALID, m)
                && dl_type_is(m, ETH_TYPE_IP));
    case MFP_CT_L4:
        return (mf_are_prereqs_ok(MFP_CT_VALID, m)
                && m->wc.masks.ct_nw_proto);
    }
    return false;
}

const char *
mf_prereqs_to_string(enum mf_prereqs prereqs)
{
    switch (prereqs) {
    case MFP_NONE:
        return "nothing";
    case MFP_ARP:
        return "arp";
    case MFP_IPV4:
        return "ip";
    case MFP_IPV6:
        return "ipv6";
    case MFP_IP_ANY:
        return "ip or ipv6";
    case MFP_IP_OR_ARP:
        return "ip or arp";
    case MFP_IP_ANY_OR_ARP:
        return "ip, ipv6 or arp";
    case MFP_TCP:
        return "tcp or tcp6";
    case MFP_UDP:
        return "udp or udp6";
    case MFP_SCTP:
        return "sctp or sctp6";
    case MFP_L4:
        return "tcp, udp or sctp";
    case MFP_ICMPV4:
        return "icmp";
    case MFP_ICMPV6:
        return "icmp6";
    case MFP_ICMP_ANY:
        return "icmp or icmp6";
    case MFP_ND:
        return "icmp6 with icmp_type=135 or icmp_type=136";
    case MFP_ND_SOLICIT:
        return "icmp6 with icmp_type=135";
    case MFP_ND_ADVERT:
        return "icmp6 with icmp_type=136";
    case MFP_CT_VALID:
        return "ct_state=-inv+trk";
    case MFP_CT_IPV4:
        return "ct_state=-inv+trk and ip";
    case MFP_CT_L4:
        return "ct_state=-inv+trk and ct_nw_proto";
    }
    return "?";
}

/* Parsing. */

/* Parses a decimal (or octal with a leading 0, as strtoull) or "0x"
 * hexadecimal integer of at most 'n_bytes' bytes into 'value'.  Stores the
 * end of the number in '*tailp'.  Returns 0, EINVAL or ERANGE. */
static int
parse_int_string(const char *s, unsigned int n_bytes, union mf_value *value,
                 const char **tailp)
{
    memset(value, 0, sizeof *value);
    if ((s[0] == '0') && (s[1] == 'x' || s[1] == 'X')) {
        const char *p = s + 2;
        size_t n_digits = strspn(p, "0123456789abcdefABCDEF");
        size_t i;

        *tailp = p + n_digits;
        if (!n_digits) {
            return EINVAL;
        }
        while (n_digits > 1 && *p == '0') {
            p++;
            n_digits--;
        }
        if (n_digits > 2 * n_bytes) {
            return ERANGE;
        }
        for (i = 0; i < n_digits; i++) {
            char c = p[n_digits - 1 - i];
            int nibble = (c <= '9' ? c - '0'
                          : c <= 'F' ? c - 'A' + 10 : c - 'a' + 10);

            value->bytes[n_bytes - 1 - i / 2] |= nibble << (4 * (i % 2));
        }
        return 0;
    } else {
        unsigned long long int x;
        char *tail;

        if (!isdigit((unsigned char) *s)) {
            *tailp = s;
            return EINVAL;
        }
        errno = 0;
        x = strtoull(s, &tail, 0);
        *tailp = tail;
        if (errno == ERANGE
            || (n_bytes < 8 && x >> (8 * n_bytes))) {
            return ERANGE;
        }
        u64_to_value(x, n_bytes, value);
        return 0;
    }
}

static char *
parse_integer(const struct mf_field *mf, const char *s,
              union mf_value *value, union mf_value *mask)
{
    const char *tail;
    int error;

    error = parse_int_string(s, mf->n_bytes, value, &tail);
    if (error == ERANGE) {
        return xasprintf("value too large for %u-byte field %s",
                         mf->n_bytes, mf->name);
    } else if (error || (*tail && *tail != '/')) {
        return xasprintf("invalid value for %s", mf->name);
    }
    if (*tail == '/') {
        error = parse_int_string(tail + 1, mf->n_bytes, mask, &tail);
        if (error == ERANGE) {
            return xasprintf("mask too large for %u-byte field %s",
                             mf->n_bytes, mf->name);
        } else if (error || *tail) {
            return xasprintf("invalid mask for %s", mf->name);
        }
    } else {
        memset(mask, 0xff, sizeof *mask);
    }
    return NULL;
}

static bool
parse_eth(const char *s, struct eth_addr *ea, const char **tailp)
{
    int i;

    for (i = 0; i < ETH_ADDR_LEN; i++) {
        int n = 0, v = 0;

        while (n < 2 && isxdigit((unsigned char) *s)) {
            v = v * 16 + (isdigit((unsigned char) *s) ? *s - '0'
                          : tolower((unsigned char) *s) - 'a' + 10);
            s++;
            n++;
        }
        if (!n || (i < ETH_ADDR_LEN - 1 && *s++ != ':')) {
            return false;
        }
        ea->ea[i] = v;
    }
    *tailp = s;
    return true;
}

static char *
parse_ethernet(const char *s, union mf_value *value, union mf_value *mask)
{
    const char *tail;

    memset(value, 0, sizeof *value);
    memset(mask, 0, sizeof *mask);
    if (parse_eth(s, &value->mac, &tail)) {
        if (!*tail) {
            memset(mask, 0xff, sizeof *mask);
            return NULL;
        } else if (*tail == '/' && parse_eth(tail + 1, &mask->mac, &tail)
                   && !*tail) {
            return NULL;
        }
    }
    return xstrdup("invalid Ethernet address");
}

/* Splits 's' at '/' into a malloc'd address part and a mask part. */
static char *
split_slash(const char *s, const char **maskp)
{
    const char *slash = strchr(s, '/');

    *maskp = slash ? slash + 1 : NULL;
    return slash ? xmemdup0(s, slash - s) : xstrdup(s);
}

static bool
parse_prefix_len(const char *s, int max, int *lenp)
{
    int len;

    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 3) {
        return false;
    }
    len = atoi(s);
    *lenp = len;
    return len <= max;
}

static char *
parse_ipv4(const char *s, union mf_value *value, union mf_value *mask)
{
    const char *mask_s;
    char *addr = split_slash(s, &mask_s);
    char *error = NULL;
    struct in_addr in;
    int plen;

    memset(value, 0, sizeof *value);
    memset(mask, 0, sizeof *mask);
    if (inet_pton(AF_INET, addr, &in) != 1) {
        error = xstrdup("invalid IP address");
    } else if (!mask_s) {
        value->be32 = in.s_addr;
        mask->be32 = htonl(UINT32_MAX);
    } else if (strchr(mask_s, '.')) {
        value->be32 = in.s_addr;
        if (inet_pton(AF_INET, mask_s, &in) != 1) {
            error = xstrdup("invalid IP mask");
        }
        mask->be32 = in.s_addr;
    } else if (!parse_prefix_len(mask_s, 32, &plen)) {
        error = xstrdup("network prefix bits not between 0 and 32");
    } else {
        value->be32 = in.s_addr;
        mask->be32 = plen ? htonl(UINT32_MAX << (32 - plen)) : 0;
    }
    free(addr);
    return error;
}

static void
ipv6_prefix_mask(int plen, struct in6_addr *mask)
{
    int i;

    memset(mask, 0, sizeof *mask);
    for (i = 0; i < plen; i++) {
        mask->s6_addr[i / 8] |= 0x80 >> (i % 8);
    }
}

static char *
parse_ipv6(const char *s, union mf_value *value, union mf_value *mask)
{
    const char *mask_s;
    char *addr = split_slash(s, &mask_s);
    char *error = NULL;
    int plen;

    memset(value, 0, sizeof *value);
    memset(mask, 0, sizeof *mask);
    if (inet_pton(AF_INET6, addr, &value->ipv6) != 1) {
        error = xstrdup("invalid IPv6 address");
    } else if (!mask_s) {
        memset(mask, 0xff, sizeof *mask);
    } else if (strchr(mask_s, ':')) {
        if (inet_pton(AF_INET6, mask_s, &mask->ipv6) != 1) {
            error = xstrdup("invalid IPv6 mask");
        }
    } else if (!parse_prefix_len(mask_s, 128, &plen)) {
        error = xstrdup("IPv6 network prefix bits not between 0 and 128");
    } else {
        ipv6_prefix_mask(plen, &mask->ipv6);
    }
    free(addr);
    return error;
}

struct frag_name {
    const char *name;           /* As typed and printed. */
    uint8_t value;              /* FLOW_NW_FRAG_* bits. */
    uint8_t mask;               /* Bits that matter. */
};

static const struct frag_name frag_names[] = {
    { "no", 0, FLOW_NW_FRAG_ANY },
    { "yes", FLOW_NW_FRAG_ANY, FLOW_NW_FRAG_ANY },
    { "first", FLOW_NW_FRAG_ANY, FLOW_NW_FRAG_MASK },
    { "later", FLOW_NW_FRAG_MASK, FLOW_NW_FRAG_MASK },
    { "not_later", 0, FLOW_NW_FRAG_LATER },
};

static char *
parse_frag(const char *s, union mf_value *value, union mf_value *mask)
{
    size_t i;

    memset(value, 0, sizeof *value);
    memset(mask, 0, sizeof *mask);
    for (i = 0; i < ARRAY_SIZE(frag_names); i++) {
        if (!strcasecmp(s, frag_names[i].name)) {
            value->u8 = frag_names[i].value;
            mask->u8 = frag_names[i].mask;
            return NULL;
        }
    }
    return xstrdup("unknown fragment type (valid types are \"no\", "
                   "\"yes\", \"first\", \"later\", \"not_later\")");
}

const char *
mf_ct_state_bit_to_string(uint32_t bit)
{
    switch (bit) {
    case CS_NEW:
        return "new";
    case CS_ESTABLISHED:
        return "est";
    case CS_RELATED:
        return "rel";
    case CS_REPLY_DIR:
        return "rpl";
    case CS_INVALID:
        return "inv";
    case CS_TRACKED:
        return "trk";
    case CS_SRC_NAT:
        return "snat";
    case CS_DST_NAT:
        return "dnat";
    }
    return NULL;
}

const char *
mf_tcp_flag_bit_to_string(uint32_t bit)
{
    switch (bit) {
    case 0x001:
        return "fin";
    case 0x002:
        return "syn";
    case 0x004:
        return "rst";
    case 0x008:
        return "psh";
    case 0x010:
        return "ack";
    case 0x020:
        return "urg";
    case 0x040:
        return "ece";
    case 0x080:
        return "cwr";
    case 0x100:
        return "ns";
    case 0x200:
        return "[200]";
    case 0x400:
        return "[400]";
    case 0x800:
        return "[800]";
    }
    return NULL;
}

/* Returns the bit whose name starts 's' and is followed by one of the
 * characters in 'ends' or the end of the string, or 0. */
static uint32_t
flag_from_prefix(const char *s, const char *(*bit_to_string)(uint32_t),
                 const char *ends, size_t *lenp)
{
    uint32_t bit;

    for (bit = 1; bit; bit <<= 1) {
        const char *name = bit_to_string(bit);
        size_t len;

        if (name) {
            len = strlen(name);
            if (!strncmp(s, name, len)
                && (!s[len] || strchr(ends, s[len]))) {
                *lenp = len;
                return bit;
            }
        }
    }
    return 0;
}

/* Parses flags as "+a-b" (masked), "a|b" (exact) or numbers "V[/M]". */
static char *
parse_flags(const char *s, const char *(*bit_to_string)(uint32_t),
            const char *field, uint32_t allowed, uint32_t *flagsp,
            uint32_t *maskp)
{
    uint32_t flags = 0, mask = 0;

    if (*s == '+' || *s == '-') {
        while (*s) {
            bool set = *s == '+';
            uint32_t bit;
            size_t len;

            if (*s != '+' && *s != '-') {
                return xasprintf("%s flags must be preceded by '+' (set) "
                                 "or '-' (not set)", field);
            }
            s++;
            bit = flag_from_prefix(s, bit_to_string, "+-", &len);
            if (!bit || !(bit & allowed)) {
                return xasprintf("unknown %s flag \"%.*s\"", field,
                                 (int) strcspn(s, "+-"), s);
            }
            if (mask & bit) {
                return xasprintf("each %s flag can be specified only "
                                 "once", field);
            }
            flags |= set ? bit : 0;
            mask |= bit;
            s += len;
        }
    } else if (isdigit((unsigned char) *s)) {
        union mf_value v, m;
        const char *tail;

        if (parse_int_string(s, 4, &v, &tail) || (*tail && *tail != '/')) {
            return xasprintf("invalid %s value", field);
        }
        flags = ntohl(v.be32);
        mask = UINT32_MAX;
        if (*tail == '/') {
            if (parse_int_string(tail + 1, 4, &m, &tail) || *tail) {
                return xasprintf("invalid %s mask", field);
            }
            mask = ntohl(m.be32);
        }
        if ((flags | (mask == UINT32_MAX ? 0 : mask)) & ~allowed) {
            return xasprintf("unknown %s flag(s)", field);
        }
    } else {
        while (*s) {
            uint32_t bit;
            size_t len;

            bit = flag_from_prefix(s, bit_to_string, "|", &len);
            if (!bit || !(bit & allowed)) {
                return xasprintf("unknown %s flag \"%.*s\"", field,
                                 (int) strcspn(s, "|"), s);
            }
            flags |= bit;
            s += len;
            if (*s == '|' && !*++s) {
                return xasprintf("missing %s flag after '|'", field);
            }
        }
        mask = UINT32_MAX;
    }
    *flagsp = flags;
    *maskp = mask;
    return NULL;
}

struct port_name {
    const char *name;           /* As ovs-ofctl prints it. */
    uint32_t port;              /* OFPP_*. */
};

static const struct port_name port_names[] = {
    { "IN_PORT", OFPP_IN_PORT },
    { "TABLE", OFPP_TABLE },
    { "NORMAL", OFPP_NORMAL },
    { "FLOOD", OFPP_FLOOD },
    { "ALL", OFPP_ALL },
    { "CONTROLLER", OFPP_CONTROLLER },
    { "LOCAL", OFPP_LOCAL },
    { "ANY", OFPP_NONE },
    { "NONE", OFPP_NONE },
};

bool
mf_parse_port(const char *s, uint32_t *portp)
{
    unsigned int port;
    size_t i;

    if (isdigit((unsigned char) *s)) {
        if (!str_to_uint(s, 10, &port)
            || (port >= OFPP_MAX && port < OFPP_IN_PORT)
            || port > OFPP_NONE) {
            return false;
        }
        *portp = port;
        return true;
    }
    for (i = 0; i < ARRAY_SIZE(port_names); i++) {
        if (!strcasecmp(s, port_names[i].name)) {
            *portp = port_names[i].port;
            return true;
        }
    }
    return false;
}

void
mf_format_port(uint32_t port, struct ds *s)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(port_names); i++) {
        if (port == port_names[i].port) {
            ds_put_cstr(s, port_names[i].name);
            return;
        }
    }
    ds_put_format(s, "%"PRIu32, port);
}

bool
mf_parse_port_named(const char *s, const struct ofp_port_map *map,
                    uint32_t *portp)
{
    return mf_parse_port(s, portp) || ofp_port_map_find(map, s, portp);
}

void
mf_format_port_named(uint32_t port, const struct ofp_port_map *map,
                     struct ds *s)
{
    const char *name = port < OFPP_MAX ? ofp_port_map_name(map, port) : NULL;

    if (name) {
        ds_put_cstr(s, name);
    } else {
        mf_format_port(port, s);
    }
}

char *
mf_parse(const struct mf_field *mf, const char *s, union mf_value *value,
         union mf_value *mask)
{
    uint32_t flags, fmask;
    uint32_t port;
    char *error = NULL;

    if (!*s) {
        return xasprintf("%s needs a value", mf->name);
    } else if (!strcmp(s, "*")) {
        memset(value, 0, sizeof *value);
        memset(mask, 0, sizeof *mask);
        return NULL;
    }

    switch (mf->string) {
    case MFS_DECIMAL:
    case MFS_HEXADECIMAL:
        error = parse_integer(mf, s, value, mask);
        break;
    case MFS_ETHERNET:
        error = parse_ethernet(s, value, mask);
        break;
    case MFS_IPV4:
        error = parse_ipv4(s, value, mask);
        break;
    case MFS_IPV6:
        error = parse_ipv6(s, value, mask);
        break;
    case MFS_OFP_PORT:
        if (!mf_parse_port(s, &port)) {
            return xasprintf("invalid port \"%s\"", s);
        }
        u64_to_value(port, mf->n_bytes, value);
        memset(mask, 0xff, sizeof *mask);
        break;
    case MFS_FRAG:
        error = parse_frag(s, value, mask);
        break;
    case MFS_CT_STATE:
    case MFS_TCP_FLAGS:
        if (mf->string == MFS_CT_STATE) {
            error = parse_flags(s, mf_ct_state_bit_to_string, "ct_state",
                                0xff, &flags, &fmask);
        } else {
            error = parse_flags(s, mf_tcp_flag_bit_to_string, "tcp_flags",
                                0x0fff, &flags, &fmask);
        }
        if (!error) {
            u64_to_value(flags, mf->n_bytes, value);
            u64_to_value(fmask, mf->n_bytes, mask);
        }
        break;
    }
    if (error) {
        return error;
    }

    if (!mf->maskable && !mf_is_all_ones(mf, mask)
        && !mf_is_all_zeros(mf, mask)) {
        return xasprintf("%s does not support masks", mf->name);
    }
    if (!mf_is_value_valid(mf, value)) {
        return xasprintf("value out of range for %s", mf->name);
    }
    if (!mf_is_value_valid(mf, mask) && !mf_is_all_ones(mf, mask)) {
        return xasprintf("mask out of range for %s", mf->name);
    }
    return NULL;
}

char *
mf_parse_value(const struct mf_field *mf, const char *s,
               union mf_value *value)
{
    union mf_value mask;
    char *error = mf_parse(mf, s, value, &mask);

    if (!error && !mf_is_all_ones(mf, &mask)) {
        error = xstrdup("a mask is not allowed here");
    }
    return error;
}

/* Formatting. */

void
mf_format_hex(struct ds *s, const void *buf_, size_t size)
{
    const uint8_t *buf = buf_;
    bool printed = false;
    size_t i;

    for (i = 0; i < size; i++) {
        if (buf[i] || printed) {
            ds_put_format(s, printed ? "%02"PRIx8 : "0x%"PRIx8, buf[i]);
            printed = true;
        }
    }
    if (!printed) {
        ds_put_char(s, '0');
    }
}

void
mf_format_flags(struct ds *s, const char *(*bit_to_string)(uint32_t),
                uint32_t flags)
{
    uint32_t bad = 0;

    if (!flags) {
        ds_put_char(s, '0');
        return;
    }
    while (flags) {
        uint32_t bit = flags & -flags;
        const char *name = bit_to_string(bit);

        if (name) {
            ds_put_format(s, "%s|", name);
        } else {
            bad |= bit;
        }
        flags &= ~bit;
    }
    if (bad) {
        ds_put_format(s, "0x%"PRIx32"|", bad);
    }
    ds_chomp(s, '|');
}

void
mf_format_flags_masked(struct ds *s, const char *(*bit_to_string)(uint32_t),
                       uint32_t flags, uint32_t mask, uint32_t max_mask)
{
    if (mask == max_mask) {
        mf_format_flags(s, bit_to_string, flags);
        return;
    }
    if (!mask) {
        ds_put_cstr(s, "0/0");
        return;
    }
    while (mask) {
        uint32_t bit = mask & -mask;
        const char *name = bit_to_string(bit);

        ds_put_format(s, "%c%s", flags & bit ? '+' : '-',
                      name ? name : "[Unknown]");
        mask &= ~bit;
    }
}

void
mf_format_eth_masked(struct eth_addr ea, const struct eth_addr *mask,
                     struct ds *s)
{
    ds_put_format(s, ETH_ADDR_FMT, ETH_ADDR_ARGS(ea));
    if (mask && !eth_addr_is_broadcast(*mask)) {
        ds_put_format(s, "/"ETH_ADDR_FMT, ETH_ADDR_ARGS(*mask));
    }
}

/* Returns the prefix length of 'mask' (big-endian bytes), or -1 if it is
 * not a prefix. */
static int
prefix_len(const uint8_t *mask, size_t size)
{
    size_t i;
    int len = 0;

    for (i = 0; i < size && mask[i] == 0xff; i++) {
        len += 8;
    }
    if (i < size) {
        uint8_t b = mask[i];

        while (b & 0x80) {
            len++;
            b <<= 1;
        }
        if (b) {
            return -1;
        }
        for (i++; i < size; i++) {
            if (mask[i]) {
                return -1;
            }
        }
    }
    return len;
}

static void
put_ipv4(struct ds *s, nfvs_be32 ip)
{
    const uint8_t *b = (const uint8_t *) &ip;

    ds_put_format(s, "%d.%d.%d.%d", b[0], b[1], b[2], b[3]);
}

void
mf_format_ipv4_masked(nfvs_be32 ip, nfvs_be32 mask, struct ds *s)
{
    put_ipv4(s, ip);
    if (mask != htonl(UINT32_MAX)) {
        int plen = prefix_len((const uint8_t *) &mask, 4);

        if (plen >= 0) {
            ds_put_format(s, "/%d", plen);
        } else {
            ds_put_char(s, '/');
            put_ipv4(s, mask);
        }
    }
}

static void
put_ipv6(struct ds *s, const struct in6_addr *addr)
{
    char buf[INET6_ADDRSTRLEN];

    inet_ntop(AF_INET6, addr, buf, sizeof buf);
    ds_put_cstr(s, buf);
}

void
mf_format_ipv6_masked(const struct in6_addr *addr,
                      const struct in6_addr *mask, struct ds *s)
{
    put_ipv6(s, addr);
    if (mask) {
        int plen = prefix_len(mask->s6_addr, 16);

        if (plen == 128) {
            return;
        } else if (plen >= 0) {
            ds_put_format(s, "/%d", plen);
        } else {
            ds_put_char(s, '/');
            put_ipv6(s, mask);
        }
    }
}

void
mf_format(const struct mf_field *mf, const union mf_value *value,
          const union mf_value *mask, struct ds *s)
{
    if (mask && mf_is_all_zeros(mf, mask)) {
        ds_put_cstr(s, "ANY");
        return;
    } else if (mask && mf_is_all_ones(mf, mask)) {
        mask = NULL;
    }

    switch (mf->string) {
    case MFS_OFP_PORT:
        if (!mask) {
            mf_format_port(ntohs(value->be16), s);
            break;
        }
        /* Fall through. */
    case MFS_DECIMAL:
    case MFS_HEXADECIMAL:
        if (mf->string == MFS_HEXADECIMAL) {
            mf_format_hex(s, value->bytes, mf->n_bytes);
        } else {
            ds_put_format(s, "%llu", (unsigned long long int)
                          value_to_u64(value, mf->n_bytes));
        }
        if (mask) {
            ds_put_char(s, '/');
            mf_format_hex(s, mask->bytes, mf->n_bytes);
        }
        break;
    case MFS_ETHERNET:
        mf_format_eth_masked(value->mac, mask ? &mask->mac : NULL, s);
        break;
    case MFS_IPV4:
        mf_format_ipv4_masked(value->be32,
                              mask ? mask->be32 : htonl(UINT32_MAX), s);
        break;
    case MFS_IPV6:
        mf_format_ipv6_masked(&value->ipv6, mask ? &mask->ipv6 : NULL, s);
        break;
    case MFS_FRAG: {
        uint8_t m = mask ? mask->u8 : FLOW_NW_FRAG_MASK;
        size_t i;

        for (i = 0; i < ARRAY_SIZE(frag_names); i++) {
            if (frag_names[i].mask == (m & FLOW_NW_FRAG_MASK)
                && frag_names[i].value == (value->u8 & m)) {
                ds_put_cstr(s, frag_names[i].name);
                return;
            }
        }
        ds_put_cstr(s, "<error>");
        break;
    }
    case MFS_CT_STATE:
        mf_format_flags_masked(s, mf_ct_state_bit_to_string,
                               ntohl(value->be32),
                               mask ? ntohl(mask->be32) : UINT32_MAX,
                               UINT32_MAX);
        break;
    case MFS_TCP_FLAGS:
        mf_format_flags_masked(s, mf_tcp_flag_bit_to_string,
                               ntohs(value->be16),
                               mask ? ntohs(mask->be16) : 0xffff, 0xffff);
        break;
    }
}

/* Subfields. */

static bool
get_bit(const uint8_t *p, unsigned int n_bytes, unsigned int ofs)
{
    return (p[n_bytes - 1 - ofs / 8] >> (ofs % 8)) & 1;
}

static void
put_bit(uint8_t *p, unsigned int n_bytes, unsigned int ofs, bool bit)
{
    uint8_t *b = &p[n_bytes - 1 - ofs / 8];
    uint8_t m = 1 << (ofs % 8);

    *b = bit ? *b | m : *b & ~m;
}

void
mf_bits_copy(const uint8_t *src, unsigned int src_bytes,
             unsigned int src_ofs, uint8_t *dst, unsigned int dst_bytes,
             unsigned int dst_ofs, unsigned int n_bits)
{
    unsigned int i;

    for (i = 0; i < n_bits; i++) {
        put_bit(dst, dst_bytes, dst_ofs + i,
                get_bit(src, src_bytes, src_ofs + i));
    }
}

void
mf_bits_set(uint8_t *dst, unsigned int dst_bytes, unsigned int ofs,
            unsigned int n_bits)
{
    unsigned int i;

    for (i = 0; i < n_bits; i++) {
        put_bit(dst, dst_bytes, ofs + i, true);
    }
}

char *
mf_parse_subfield(const char *s, struct mf_subfield *sf)
{
    size_t name_len = strcspn(s, "[");
    char *name = xmemdup0(s, name_len);
    const struct mf_field *mf = mf_from_name(name, NULL);
    const char *p = s + name_len;
    unsigned int start, end;
    int n = 0;

    if (!name_len) {
        free(name);
        return xstrdup("missing field name");
    } else if (!mf) {
        char *error = xasprintf("unknown field \"%s\"", name);

        free(name);
        return error;
    }
    free(name);

    if (!*p) {
        start = 0;
        end = mf->n_bits - 1;
    } else if (!strcmp(p, "[]")) {
        start = 0;
        end = mf->n_bits - 1;
    } else if (sscanf(p, "[%u..%u]%n", &start, &end, &n) == 2
               && !p[n]) {
        /* Parsed a range. */
    } else if (sscanf(p, "[%u]%n", &start, &n) == 1 && !p[n]) {
        end = start;
    } else {
        return xasprintf("invalid bit range \"%s\" for field %s", p,
                         mf->name);
    }
    if (start > end || end >= mf->n_bits) {
        return xasprintf("bit range %s is outside %u-bit field %s", p,
                         mf->n_bits, mf->name);
    }
    sf->field = mf->id;
    sf->ofs = start;
    sf->n_bits = end - start + 1;
    return NULL;
}

void
mf_format_subfield(const struct mf_subfield *sf, struct ds *s)
{
    const struct mf_field *mf = mf_from_id(sf->field);

    ds_put_cstr(s, mf->nxm_name);
    if (sf->ofs == 0 && sf->n_bits == mf->n_bits) {
        ds_put_cstr(s, "[]");
    } else if (sf->n_bits == 1) {
        ds_put_format(s, "[%u]", sf->ofs);
    } else {
        ds_put_format(s, "[%u..%u]", sf->ofs, sf->ofs + sf->n_bits - 1);
    }
}
