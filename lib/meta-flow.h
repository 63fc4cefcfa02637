/* lib/meta-flow.h: the table of match fields, in Open vSwitch's terms.
 *
 * Each 'struct mf_field' describes one field that flows can match on and
 * actions can read or write: its canonical name and the NXM/OXM name that
 * ovs-ofctl prints in subfield syntax ("NXM_NX_REG0[0..15]"), its width,
 * whether it is maskable, its prerequisites and where it lives in
 * 'struct flow' (see flow.h for the overlays).  The names and aliases a
 * user may type are in a separate table: "dl_src" is an alias of
 * "eth_src", "tp_dst" of "tcp_dst", "nw_src" of "ip_src".  In a match an
 * alias may have looser prerequisites, as in ovs-ofctl: "nw_src" works for
 * ip or arp, "tp_dst" for tcp, udp or sctp, "icmp_type" for icmp or icmp6.
 *
 * Values ('union mf_value') hold a field in network byte order in its
 * first 'n_bytes' bytes, whatever the byte order of the storage in
 * 'struct flow'; bit 0 of a field is the least significant bit of its
 * last byte.  Masks have the same layout.
 *
 * Parse functions return a malloc'd error message that the caller must
 * free, or NULL on success.  Everything here is stateless and
 * thread-safe. */
#ifndef NFVS_META_FLOW_H
#define NFVS_META_FLOW_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include "byte-order.h"
#include "packets.h"

struct ds;
struct flow;
struct match;

enum mf_field_id {
    MFF_IN_PORT,
    MFF_METADATA,
    MFF_REG0, MFF_REG1, MFF_REG2, MFF_REG3,
    MFF_REG4, MFF_REG5, MFF_REG6, MFF_REG7,
    MFF_CT_STATE,
    MFF_CT_ZONE,
    MFF_CT_MARK,
    MFF_ETH_SRC,
    MFF_ETH_DST,
    MFF_ETH_TYPE,
    MFF_VLAN_TCI,
    MFF_DL_VLAN,
    MFF_DL_VLAN_PCP,
    MFF_IPV4_SRC,
    MFF_IPV4_DST,
    MFF_IPV6_SRC,
    MFF_IPV6_DST,
    MFF_IPV6_LABEL,
    MFF_IP_PROTO,
    MFF_IP_DSCP,                /* "nw_tos": the ToS byte, DSCP bits. */
    MFF_IP_DSCP_SHIFTED,        /* "ip_dscp": DSCP as 0..63. */
    MFF_IP_ECN,
    MFF_IP_TTL,
    MFF_IP_FRAG,
    MFF_ARP_OP,
    MFF_ARP_SPA,
    MFF_ARP_TPA,
    MFF_ARP_SHA,
    MFF_ARP_THA,
    MFF_TCP_SRC,
    MFF_TCP_DST,
    MFF_TCP_FLAGS,
    MFF_UDP_SRC,
    MFF_UDP_DST,
    MFF_SCTP_SRC,
    MFF_SCTP_DST,
    MFF_ICMPV4_TYPE,
    MFF_ICMPV4_CODE,
    MFF_ICMPV6_TYPE,
    MFF_ICMPV6_CODE,
    MFF_ND_TARGET,
    MFF_ND_SLL,
    MFF_ND_TLL,
    MFF_CT_NW_SRC,
    MFF_CT_NW_DST,
    MFF_CT_NW_PROTO,
    MFF_CT_TP_SRC,
    MFF_CT_TP_DST,
    MFF_N_IDS
};

/* Prerequisites: what a match must pin down for a field to make sense. */
enum mf_prereqs {
    MFP_NONE,
    MFP_ARP,                    /* arp. */
    MFP_IPV4,                   /* ip (and tcp, udp... over IPv4). */
    MFP_IPV6,                   /* ipv6 (and tcp6, udp6...). */
    MFP_IP_ANY,                 /* ip or ipv6. */
    MFP_IP_OR_ARP,              /* ip or arp ("nw_src" in a match). */
    MFP_TCP,                    /* tcp or tcp6. */
    MFP_UDP,                    /* udp or udp6. */
    MFP_SCTP,                   /* sctp or sctp6. */
    MFP_L4,                     /* tcp, udp or sctp, any IP version. */
    MFP_ICMPV4,                 /* icmp. */
    MFP_ICMPV6,                 /* icmp6. */
    MFP_ICMP_ANY,               /* icmp or icmp6. */
    MFP_ND,                     /* icmp6 with type 135 or 136. */
    MFP_ND_SOLICIT,             /* icmp6 with type 135. */
    MFP_ND_ADVERT,              /* icmp6 with type 136. */
    MFP_IP_ANY_OR_ARP,          /* ip, ipv6 or arp ("nw_proto" in a
                                 * match, which is arp_op for arp). */
    MFP_CT_VALID,               /* ct_state with +trk and -inv. */
    MFP_CT_IPV4,                /* That, and ip. */
    MFP_CT_L4                   /* MFP_CT_VALID and ct_nw_proto. */
};

/* How a field's value is written. */
enum mf_string {
    MFS_DECIMAL,
    MFS_HEXADECIMAL,
    MFS_ETHERNET,
    MFS_IPV4,
    MFS_IPV6,
    MFS_OFP_PORT,               /* A port number or a name like LOCAL. */
    MFS_FRAG,                   /* no, yes, first, later, not_later. */
    MFS_CT_STATE,               /* +trk-new or trk|new. */
    MFS_TCP_FLAGS               /* +syn-ack or syn|ack. */
};

struct mf_field {
    enum mf_field_id id;        /* MFF_*. */
    const char *name;           /* Canonical name, e.g. "eth_src". */
    const char *nxm_name;       /* e.g. "NXM_OF_ETH_SRC", or 'name'. */
    unsigned int n_bytes;       /* Width of a value, in bytes. */
    unsigned int n_bits;        /* Width in bits, for subfields. */
    enum mf_string string;      /* Value syntax. */
    bool maskable;              /* Arbitrary masks allowed? */
    bool writable;              /* May set_field/load/move write it? */
    enum mf_prereqs prereqs;    /* For matches and actions. */
};

union mf_value {
    uint8_t u8;
    nfvs_be16 be16;
    nfvs_be32 be32;
    nfvs_be64 be64;
    struct eth_addr mac;
    struct in6_addr ipv6;
    uint8_t bytes[16];
};

/* A range of bits within a field, as in "NXM_NX_REG0[0..15]". */
struct mf_subfield {
    uint16_t field;             /* enum mf_field_id. */
    uint16_t ofs;               /* Lowest bit. */
    uint16_t n_bits;            /* Number of bits, at least 1. */
};

const struct mf_field *mf_from_id(enum mf_field_id);

/* Looks up a name or alias as typed by a user (also the NXM/OXM names).
 * Returns NULL if unknown.  If 'match_prereqsp' is nonnull, stores the
 * prerequisites that apply when the name is used in a match. */
const struct mf_field *mf_from_name(const char *name,
                                    enum mf_prereqs *match_prereqsp);

/* Parses 's' as a value (and optional "/mask") of 'mf'.  "*" means
 * wildcard; an empty 's' is an error.  Checks that the mask is allowed
 * and the value in range. */
char *mf_parse(const struct mf_field *mf, const char *s,
               union mf_value *value, union mf_value *mask);

/* Like mf_parse() but refuses a mask. */
char *mf_parse_value(const struct mf_field *mf, const char *s,
                     union mf_value *value);

/* Appends 'value' (and 'mask', if nonnull and not all-ones) to 's' in the
 * form ovs-ofctl prints in set_field actions. */
void mf_format(const struct mf_field *mf, const union mf_value *value,
               const union mf_value *mask, struct ds *s);

/* True if 'value' is within the field's legal range. */
bool mf_is_value_valid(const struct mf_field *, const union mf_value *);

bool mf_is_all_ones(const struct mf_field *, const union mf_value *);
bool mf_is_all_zeros(const struct mf_field *, const union mf_value *);

/* Reads the field from 'flow' into 'value'. */
void mf_get_value(const struct mf_field *, const struct flow *,
                  union mf_value *value);

/* Sets the bits of the field that are 1 in 'mask' to those of 'value' in
 * 'flow'.  Used by actions on a packet's flow. */
void mf_set_flow_value_masked(const struct mf_field *,
                              const union mf_value *value,
                              const union mf_value *mask, struct flow *);

/* Sets to 1 in 'bits' every bit of 'struct flow' that holds the field
 * and leaves the other bits alone.  Fields stored in the same place
 * ("ip_src" and "arp_spa", "vlan_tci" and "dl_vlan") share bits. */
void mf_get_bits(const struct mf_field *, struct flow *bits);

/* Makes 'match' match 'value' under 'mask' in this field (replacing what
 * it matched on that field before); an all-zero mask wildcards it. */
void mf_set_match(const struct mf_field *, const union mf_value *value,
                  const union mf_value *mask, struct match *);

/* Reads the field's mask from 'match' into 'mask'. */
void mf_get_mask(const struct mf_field *, const struct match *,
                 union mf_value *mask);

/* True if 'match' satisfies 'prereqs'. */
bool mf_are_prereqs_ok(enum mf_prereqs, const struct match *);

/* Describes 'prereqs' for an error message, e.g. "tcp, udp or sctp". */
const char *mf_prereqs_to_string(enum mf_prereqs);

/* Subfields.  mf_parse_subfield() parses "NAME[]", "NAME[N]", "NAME[A..B]"
 * or a plain "NAME" (the whole field).  mf_format_subfield() prints the
 * NXM form that ovs-ofctl prints. */
char *mf_parse_subfield(const char *s, struct mf_subfield *);
void mf_format_subfield(const struct mf_subfield *, struct ds *);

/* Bit helpers on values: bit 0 is the last byte's least significant. */
void mf_bits_copy(const uint8_t *src, unsigned int src_bytes,
                  unsigned int src_ofs, uint8_t *dst,
                  unsigned int dst_bytes, unsigned int dst_ofs,
                  unsigned int n_bits);
void mf_bits_set(uint8_t *dst, unsigned int dst_bytes, unsigned int ofs,
                 unsigned int n_bits);

/* Appends a port number to 's', by name for the reserved ports. */
void mf_format_port(uint32_t port, struct ds *s);

/* Parses a port number or a reserved name (IN_PORT, NORMAL, FLOOD, ALL,
 * CONTROLLER, LOCAL, TABLE, ANY/NONE; any case).  Returns false if 's' is
 * neither. */
bool mf_parse_port(const char *s, uint32_t *portp);

/* Like mf_parse_port(), and else a port name in 'map' (NULL: none). */
struct ofp_port_map;
bool mf_parse_port_named(const char *s, const struct ofp_port_map *map,
                         uint32_t *portp);

/* Like mf_format_port(), but a port that has a name in 'map' (NULL:
 * none) by its name, as "ovs-ofctl --names" prints it. */
void mf_format_port_named(uint32_t port, const struct ofp_port_map *map,
                          struct ds *s);

/* Flag names, for formatting: "new", "est"... and "syn", "ack"... */
const char *mf_ct_state_bit_to_string(uint32_t bit);
const char *mf_tcp_flag_bit_to_string(uint32_t bit);

/* Appends the flags in 'flags' as "a|b|c" ("0" if none). */
void mf_format_flags(struct ds *, const char *(*bit_to_string)(uint32_t),
                     uint32_t flags);

/* Appends "+a-b" for the bits in 'mask', or the plain form when 'mask' is
 * 'max_mask'. */
void mf_format_flags_masked(struct ds *,
                            const char *(*bit_to_string)(uint32_t),
                            uint32_t flags, uint32_t mask,
                            uint32_t max_mask);

/* Appends an address with its mask: "/N" when the mask is a prefix,
 * otherwise the mask in address syntax, nothing when exact. */
void mf_format_eth_masked(struct eth_addr, const struct eth_addr *mask,
                          struct ds *);
void mf_format_ipv4_masked(nfvs_be32 ip, nfvs_be32 mask, struct ds *);
void mf_format_ipv6_masked(const struct in6_addr *,
                           const struct in6_addr *mask, struct ds *);

/* Appends 'size' bytes at 'buf' as a hex number with a "0x" prefix and no
 * leading zeros ("0" for zero), as ovs-ofctl does. */
void mf_format_hex(struct ds *, const void *buf, size_t size);

#endif /* meta-flow.h */
