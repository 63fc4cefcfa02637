/* lib/ofp-actions.h: OpenFlow-style actions as a flat byte buffer.
 *
 * An action list is a sequence of variable-length records, each starting
 * with a 'struct ofpact' header whose 'len' covers the whole record
 * (including nested actions, for ct) and is a multiple of OFPACT_ALIGNTO.
 * Every byte of a record, padding included, is defined (records start
 * zeroed), so a list can be copied with memcpy() and two lists compared
 * with memcmp(); the flow table stores them as opaque bytes.  An empty
 * list means "drop".
 *
 * Text syntax and printed forms follow ovs-actions(7) and what
 * "ovs-ofctl dump-flows" prints, for the supported subset:
 *   output:N, N, IN_PORT/NORMAL/FLOOD/ALL/LOCAL (any case), drop,
 *   controller[:MAX_LEN] (parsed but unsupported, see
 *   ofpacts_check_supported()), resubmit:P, resubmit([P],[T]),
 *   goto_table:T, mod_vlan_vid:V, mod_vlan_pcp:P, strip_vlan, pop_vlan,
 *   push_vlan:ETHERTYPE, mod_dl_src/dst:MAC, mod_nw_src/dst:IP,
 *   mod_nw_tos:TOS, mod_tp_src/dst:PORT, dec_ttl, set_field:V[/M]->F,
 *   load:V->F[A..B], move:F[A..B]->G[C..D],
 *   ct([commit][,zone=N|zone=F[A..B]][,table=T]
 *      [,nat[(src|dst[=IP[-IP][:PORT[-PORT]]])]][,exec(...)]),
 *   group:G,
 *   meter:N (OpenFlow 1.3's meter instruction: at most one, first in the
 *   list, not inside ct(exec(...))).
 *
 * Functions that can fail return a malloc'd error message, which the
 * caller frees, or NULL.  Thread-safe, apart from
 * ofpacts_set_max_actions(). */
#ifndef NFVS_OFP_ACTIONS_H
#define NFVS_OFP_ACTIONS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "byte-order.h"
#include "meta-flow.h"
#include "packets.h"

struct ds;
struct match;

#define OFPACT_ALIGNTO 8

enum ofpact_type {
    OFPACT_OUTPUT,              /* struct ofpact_output. */
    OFPACT_CONTROLLER,          /* struct ofpact_controller. */
    OFPACT_RESUBMIT,            /* struct ofpact_resubmit. */
    OFPACT_GOTO_TABLE,          /* struct ofpact_goto_table. */
    OFPACT_SET_VLAN_VID,        /* struct ofpact_vlan_vid. */
    OFPACT_SET_VLAN_PCP,        /* struct ofpact_vlan_pcp. */
    OFPACT_STRIP_VLAN,          /* struct ofpact_strip_vlan. */
    OFPACT_PUSH_VLAN,           /* struct ofpact_push_vlan. */
    OFPACT_SET_ETH_SRC,         /* struct ofpact_mac. */
    OFPACT_SET_ETH_DST,         /* struct ofpact_mac. */
    OFPACT_SET_IPV4_SRC,        /* struct ofpact_ipv4. */
    OFPACT_SET_IPV4_DST,        /* struct ofpact_ipv4. */
    OFPACT_SET_IP_DSCP,         /* struct ofpact_dscp. */
    OFPACT_SET_L4_SRC_PORT,     /* struct ofpact_l4_port. */
    OFPACT_SET_L4_DST_PORT,     /* struct ofpact_l4_port. */
    OFPACT_DEC_TTL,             /* struct ofpact_null. */
    OFPACT_SET_FIELD,           /* struct ofpact_set_field. */
    OFPACT_REG_MOVE,            /* struct ofpact_reg_move. */
    OFPACT_CT,                  /* struct ofpact_conntrack + actions. */

    /* Groups. */
    OFPACT_GROUP,               /* struct ofpact_group. */

    /* Meters. */
    OFPACT_METER                /* struct ofpact_meter. */
};

/* Header of every action. */
struct ofpact {
    uint16_t type;              /* enum ofpact_type. */
    uint16_t len;               /* Whole record, multiple of 8. */
};

struct ofpact_null {
    struct ofpact ofpact;       /* OFPACT_DEC_TTL. */
};

struct ofpact_output {
    struct ofpact ofpact;       /* OFPACT_OUTPUT. */
    uint32_t port;              /* Port number, OFPP_IN_PORT, OFPP_NORMAL,
                                 * OFPP_FLOOD, OFPP_ALL or OFPP_LOCAL. */
};

struct ofpact_controller {
    struct ofpact ofpact;       /* OFPACT_CONTROLLER. */
    uint16_t max_len;           /* Bytes of packet to send. */
};

struct ofpact_resubmit {
    struct ofpact ofpact;       /* OFPACT_RESUBMIT. */
    uint32_t in_port;           /* OFPP_IN_PORT: keep the in_port. */
    uint8_t table_id;           /* 255: the current table. */
};

struct ofpact_goto_table {
    struct ofpact ofpact;       /* OFPACT_GOTO_TABLE. */
    uint8_t table_id;           /* Next table. */
};

struct ofpact_vlan_vid {
    struct ofpact ofpact;       /* OFPACT_SET_VLAN_VID. */
    uint16_t vlan_vid;          /* 0..4095; pushes a tag if none. */
};

struct ofpact_vlan_pcp {
    struct ofpact ofpact;       /* OFPACT_SET_VLAN_PCP. */
    uint8_t vlan_pcp;           /* 0..7; pushes a tag if none. */
};

struct ofpact_strip_vlan {
    struct ofpact ofpact;       /* OFPACT_STRIP_VLAN. */
    uint8_t pop_vlan;           /* Spelled "pop_vlan" rather than
                                 * "strip_vlan"; same effect. */
};

struct ofpact_push_vlan {
    struct ofpact ofpact;       /* OFPACT_PUSH_VLAN. */
    nfvs_be16 ethertype;        /* ETH_TYPE_VLAN or ETH_TYPE_VLAN_8021AD. */
};

struct ofpact_mac {
    struct ofpact ofpact;       /* OFPACT_SET_ETH_SRC/DST. */
    struct eth_addr mac;        /* New address. */
};

struct ofpact_ipv4 {
    struct ofpact ofpact;       /* OFPACT_SET_IPV4_SRC/DST. */
    nfvs_be32 ipv4;             /* New address. */
};

struct ofpact_dscp {
    struct ofpact ofpact;       /* OFPACT_SET_IP_DSCP. */
    uint8_t dscp;               /* New ToS DSCP bits (ECN bits zero). */
};

struct ofpact_l4_port {
    struct ofpact ofpact;       /* OFPACT_SET_L4_SRC/DST_PORT. */
    uint16_t port;              /* New port, host order. */
};

struct ofpact_set_field {
    struct ofpact ofpact;       /* OFPACT_SET_FIELD. */
    uint16_t field;             /* enum mf_field_id. */
    uint8_t is_load;            /* Written as "load:", print it so. */
    uint8_t vlan_field;         /* OFP_SET_VLAN_*: written as set_field on
                                 * OpenFlow 1.3's vlan_vid or vlan_pcp;
                                 * 'field' is then MFF_VLAN_TCI with the
                                 * VLAN_CFI bit in 'value' and 'mask', and
                                 * the packet must be tagged. */
    union mf_value value;       /* Zero outside 'mask'. */
    union mf_value mask;        /* Bits to set. */
};

/* Values of 'vlan_field' in struct ofpact_set_field. */
#define OFP_SET_VLAN_NONE 0
#define OFP_SET_VLAN_VID 1      /* "set_field:V->vlan_vid". */
#define OFP_SET_VLAN_PCP 2      /* "set_field:P->vlan_pcp". */

struct ofpact_reg_move {
    struct ofpact ofpact;       /* OFPACT_REG_MOVE. */
    struct mf_subfield src;     /* Bits to copy... */
    struct mf_subfield dst;     /* ...to here (same width). */
};

#define NX_CT_F_COMMIT 0x01
#define NX_CT_RECIRC_NONE 255

struct ofpact_conntrack {
    struct ofpact ofpact;       /* OFPACT_CT; 'len' includes 'actions'. */
    uint16_t flags;             /* NX_CT_F_*. */
    uint16_t zone_imm;          /* Zone, if 'zone_src.n_bits' is 0. */
    struct mf_subfield zone_src; /* Zone from a 16-bit subfield. */
    uint8_t recirc_table;       /* NX_CT_RECIRC_NONE or a table. */
    uint8_t nat_flags;          /* NX_NAT_F_*; 0: no nat. */
    nfvs_be32 nat_addr_min;     /* With NX_NAT_F_RANGE_ADDR: first... */
    nfvs_be32 nat_addr_max;     /* ...and last address (IPv4). */
    uint16_t nat_port_min;      /* With NX_NAT_F_RANGE_PORT: first... */
    uint16_t nat_port_max;      /* ...and last port. */
    uint8_t nat_pad[4];         /* Zero. */
    /* Followed by the exec() actions, up to 'ofpact.len'. */
};
_Static_assert(sizeof(struct ofpact_conntrack) % OFPACT_ALIGNTO == 0,
               "ct's nested actions must start aligned");

/* ct(nat...) flags. */
#define NX_NAT_F_NAT        0x01 /* "nat" given. */
#define NX_NAT_F_SRC        0x02 /* nat(src...). */
#define NX_NAT_F_DST        0x04 /* nat(dst...). */
#define NX_NAT_F_RANGE_ADDR 0x08 /* An address range is given. */
#define NX_NAT_F_RANGE_PORT 0x10 /* A port range is given. */

struct ofpact_group {
    struct ofpact ofpact;       /* OFPACT_GROUP. */
    uint32_t group_id;          /* Group to run (lib/ofp-group.h). */
};

/* Meter ids, as OpenFlow 1.3 numbers them. */
#define OFPM_MAX 0xffff0000u    /* Largest meter id. */

struct ofpact_meter {
    struct ofpact ofpact;       /* OFPACT_METER. */
    uint32_t meter_id;          /* 1..OFPM_MAX. */
};

/* The meter the actions pass packets through first (the meter:N that
 * ofpacts_parse() allows only first in a list), or 0 for none. */
uint32_t ofpacts_get_meter(const void *ofpacts, size_t size);

static inline const struct ofpact *
ofpact_next(const struct ofpact *a)
{
    return (const struct ofpact *) ((const uint8_t *) a + a->len);
}

/* An empty list may be NULL: NULL plus 0 is undefined behaviour in C. */
static inline const struct ofpact *
ofpact_end(const void *ofpacts, size_t size)
{
    return (size
            ? (const struct ofpact *) ((const uint8_t *) ofpacts + size)
            : ofpacts);
}

/* Iterates POS over the actions in OFPACTS, SIZE bytes. */
#define OFPACT_FOR_EACH(POS, OFPACTS, SIZE)                             \
    for ((POS) = (OFPACTS); (POS) < ofpact_end(OFPACTS, SIZE);          \
         (POS) = ofpact_next(POS))

/* The actions nested in 'ct' and their size. */
static inline const struct ofpact *
ofpact_ct_actions(const struct ofpact_conntrack *ct)
{
    return (const struct ofpact *) (ct + 1);
}

static inline size_t
ofpact_ct_actions_size(const struct ofpact_conntrack *ct)
{
    return ct->ofpact.len - sizeof *ct;
}

/* Parses 's', an action list in ovs-ofctl syntax, into a new buffer
 * stored in '*ofpactsp' (size in '*sizep'; the caller frees it; NULL and
 * 0 for an empty list).  On error returns a message of the form
 * "ACTION: what is wrong" and stores NULL and 0.  A list of more actions
 * than the limit (see below) is refused with "too many actions (more than
 * N; see --max-actions)" as soon as the parser passes it. */
char *ofpacts_parse(const char *s, void **ofpactsp, size_t *sizep);

/* Most actions ofpacts_parse() accepts in one list by default, those
 * inside ct(exec(...)) included. */
#define OFPACTS_MAX_DEFAULT 4096

/* Sets that limit to 'n' (positive).  The one piece of global state
 * here: call it at startup, before any thread parses actions. */
void ofpacts_set_max_actions(size_t n);

/* Appends the actions as "ovs-ofctl dump-flows" prints them ("drop" for
 * an empty list). */
void ofpacts_format(const void *ofpacts, size_t size, struct ds *);

/* Like ofpacts_parse() and ofpacts_format(), with the port names of
 * 'port_map' (NULL: none) accepted and printed wherever a port number
 * is ("output:p2", "resubmit(p1,2)"). */
struct ofp_port_map;
char *ofpacts_parse_names(const char *s, const struct ofp_port_map *port_map,
                          void **ofpactsp, size_t *sizep);
void ofpacts_format_names(const void *ofpacts, size_t size,
                          const struct ofp_port_map *port_map, struct ds *);

/* Checks the actions against the flow's 'match', as OVS does: e.g.
 * mod_tp_dst needs tcp, udp or sctp, set_field needs the field's
 * prerequisites, ct needs ip or ipv6. */
char *ofpacts_check(const void *ofpacts, size_t size,
                    const struct match *);

/* Checks that every goto_table goes to a later table than 'table_id',
 * the table of the flow the actions belong to (resubmit may go back;
 * goto_table may not, as in OpenFlow).  'table_id' 255 means "every
 * table" (a modify that names none), where no goto_table can be
 * checked, so any is refused. */
char *ofpacts_check_table(const void *ofpacts, size_t size,
                          uint8_t table_id);

/* Returns an error naming the first action that nfvs parses but cannot
 * execute (controller), or NULL. */
char *ofpacts_check_supported(const void *ofpacts, size_t size);

bool ofpacts_equal(const void *a, size_t a_size, const void *b,
                   size_t b_size);

/* Name of the action type, e.g. "mod_tp_dst". */
const char *ofpact_name(enum ofpact_type);

#endif /* ofp-actions.h */
