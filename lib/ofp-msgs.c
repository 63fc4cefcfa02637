/* lib/ofp-msgs.c: OpenFlow 1.3 wire messages (see ofp-msgs.h). */
#include <config.h>
#include "ofp-msgs.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dynamic-string.h"
#include "flow-table.h"
#include "flow.h"
#include "match.h"
#include "meta-flow.h"
#include "netdev.h"
#include "ofp-actions.h"
#include "ofp-flow.h"
#include "util.h"

static bool match_decode(const uint8_t *p, size_t avail, struct match *,
                         size_t *sizep, struct ofp_error *);

/* Reading big-endian integers at an offset already checked in range. */
static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t) ((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
    return ((uint32_t) get16(p) << 16) | get16(p + 2);
}

static uint64_t
get64(const uint8_t *p)
{
    return ((uint64_t) get32(p) << 32) | get32(p + 4);
}

static void
put8(struct ds *out, uint8_t v)
{
    ds_put_buffer(out, (const char *) &v, 1);
}

static void
put16(struct ds *out, uint16_t v)
{
    uint8_t b[2] = { v >> 8, v };

    ds_put_buffer(out, (const char *) b, sizeof b);
}

static void
put32(struct ds *out, uint32_t v)
{
    put16(out, v >> 16);
    put16(out, v);
}

static void
put64(struct ds *out, uint64_t v)
{
    put32(out, v >> 32);
    put32(out, v);
}

static void
put_zeros(struct ds *out, size_t n)
{
    while (n-- > 0) {
        put8(out, 0);
    }
}

/* Starts a message at the end of 'out'; returns its offset, for
 * end_msg() to fill in its length. */
static size_t
start_msg(struct ds *out, uint8_t type, uint32_t xid)
{
    size_t ofs = out->length;

    put8(out, OFP13_VERSION);
    put8(out, type);
    put16(out, 0);
    put32(out, xid);
    return ofs;
}

static void
end_msg(struct ds *out, size_t ofs)
{
    size_t size = out->length - ofs;
    uint8_t *p = (uint8_t *) out->string + ofs;

    p[2] = size >> 8;
    p[3] = size;
}

/* The message types: whether a switch accepts them from a controller and
 * the sizes they may have (0 for 'max_size' means any size up to the
 * 16-bit length). */
struct ofp_type_info {
    const char *name;
    bool from_controller;
    uint16_t min_size;
    uint16_t max_size;
};

static const struct ofp_type_info type_infos[] = {
    [OFPT_HELLO] = { "HELLO", true, 8, 0 },
    [OFPT_ERROR] = { "ERROR", true, 12, 0 },
    [OFPT_ECHO_REQUEST] = { "ECHO_REQUEST", true, 8, 0 },
    [OFPT_ECHO_REPLY] = { "ECHO_REPLY", true, 8, 0 },
    [OFPT_EXPERIMENTER] = { "EXPERIMENTER", true, 16, 0 },
    [OFPT_FEATURES_REQUEST] = { "FEATURES_REQUEST", true, 8, 8 },
    [OFPT_FEATURES_REPLY] = { "FEATURES_REPLY", false, 32, 32 },
    [OFPT_GET_CONFIG_REQUEST] = { "GET_CONFIG_REQUEST", true, 8, 8 },
    [OFPT_GET_CONFIG_REPLY] = { "GET_CONFIG_REPLY", false, 12, 12 },
    [OFPT_SET_CONFIG] = { "SET_CONFIG", true, 12, 12 },
    [OFPT_PACKET_IN] = { "PACKET_IN", false, 34, 0 },
    [OFPT_FLOW_REMOVED] = { "FLOW_REMOVED", false, 56, 0 },
    [OFPT_PORT_STATUS] = { "PORT_STATUS", false, 80, 80 },
    [OFPT_PACKET_OUT] = { "PACKET_OUT", true, 24, 0 },
    [OFPT_FLOW_MOD] = { "FLOW_MOD", true, 56, 0 },
    [OFPT_GROUP_MOD] = { "GROUP_MOD", true, 16, 0 },
    [OFPT_PORT_MOD] = { "PORT_MOD", true, 40, 40 },
    [OFPT_TABLE_MOD] = { "TABLE_MOD", true, 16, 16 },
    [OFPT_MULTIPART_REQUEST] = { "MULTIPART_REQUEST", true, 16, 0 },
    [OFPT_MULTIPART_REPLY] = { "MULTIPART_REPLY", false, 16, 0 },
    [OFPT_BARRIER_REQUEST] = { "BARRIER_REQUEST", true, 8, 8 },
    [OFPT_BARRIER_REPLY] = { "BARRIER_REPLY", false, 8, 8 },
    [OFPT_QUEUE_GET_CONFIG_REQUEST] = { "QUEUE_GET_CONFIG_REQUEST", true,
                                        16, 16 },
    [OFPT_QUEUE_GET_CONFIG_REPLY] = { "QUEUE_GET_CONFIG_REPLY", false,
                                      16, 0 },
    [OFPT_ROLE_REQUEST] = { "ROLE_REQUEST", true, 24, 24 },
    [OFPT_ROLE_REPLY] = { "ROLE_REPLY", false, 24, 24 },
    [OFPT_GET_ASYNC_REQUEST] = { "GET_ASYNC_REQUEST", true, 8, 8 },
    [OFPT_GET_ASYNC_REPLY] = { "GET_ASYNC_REPLY", false, 32, 32 },
    [OFPT_SET_ASYNC] = { "SET_ASYNC", true, 32, 32 },
    [OFPT_METER_MOD] = { "METER_MOD", true, 16, 0 },
};

const char *
ofp_type_name(uint8_t type)
{
    return type < ARRAY_SIZE(type_infos) ? type_infos[type].name : NULL;
}

int
ofp_msg_frame(const void *buf, size_t avail, struct ofp_msg *msg)
{
    const uint8_t *p = buf;
    uint16_t size;

    if (avail < OFP_HEADER_SIZE) {
        return EAGAIN;
    }
    size = get16(p + 2);
    if (size < OFP_HEADER_SIZE) {
        return EPROTO;
    }
    if (avail < size) {
        return EAGAIN;
    }
    msg->version = p[0];
    msg->type = p[1];
    msg->size = size;
    msg->xid = get32(p + 4);
    msg->data = p;
    return 0;
}

static bool
set_error(struct ofp_error *error, uint16_t type, uint16_t code)
{
    error->type = type;
    error->code = code;
    return false;
}

bool
ofp_msg_check(const struct ofp_msg *msg, struct ofp_error *error)
{
    const struct ofp_type_info *info;

    if (msg->version != OFP13_VERSION) {
        return set_error(error, OFPET_BAD_REQUEST, OFPBRC_BAD_VERSION);
    }
    if (msg->type >= ARRAY_SIZE(type_infos)
        || !type_infos[msg->type].from_controller) {
        return set_error(error, OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE);
    }
    info = &type_infos[msg->type];
    if (msg->size < info->min_size
        || (info->max_size && msg->size > info->max_size)) {
        return set_error(error, OFPET_BAD_REQUEST, OFPBRC_BAD_LEN);
    }
    return true;
}

bool
ofp_hello_allows_13(const struct ofp_msg *msg)
{
    size_t ofs = OFP_HEADER_SIZE;

    /* Elements: type, length (without padding), body, padded to 8. */
    while (msg->size - ofs >= 4) {
        const uint8_t *e = msg->data + ofs;
        uint16_t type = get16(e);
        uint16_t len = get16(e + 2);
        size_t padded = ROUND_UP((size_t) len, 8);

        if (len < 4 || padded > msg->size - ofs) {
            break;
        }
        if (type == 1) {
            /* OFPHET_VERSIONBITMAP: bit N of word N/32 means version N. */
            if (len < 8) {
                return false;
            }
            return (get32(e + 4) & (1u << OFP13_VERSION)) != 0;
        }
        ofs += padded;
    }
    return msg->version >= OFP13_VERSION;
}

void
ofp_put_hello(struct ds *out, uint32_t xid)
{
    size_t ofs = start_msg(out, OFPT_HELLO, xid);

    put16(out, 1);              /* OFPHET_VERSIONBITMAP. */
    put16(out, 8);
    put32(out, 1u << OFP13_VERSION);
    end_msg(out, ofs);
}

void
ofp_put_error(struct ds *out, const struct ofp_msg *cause,
              const struct ofp_error *error)
{
    size_t ofs = start_msg(out, OFPT_ERROR, cause ? cause->xid : 0);

    put16(out, error->type);
    put16(out, error->code);
    if (cause) {
        /* The specification asks for at least the first 64 bytes. */
        ds_put_buffer(out, (const char *) cause->data,
                      NFVS_MIN(cause->size, 64));
    }
    end_msg(out, ofs);
}

void
ofp_put_echo_reply(struct ds *out, const struct ofp_msg *request)
{
    size_t ofs = start_msg(out, OFPT_ECHO_REPLY, request->xid);

    ds_put_buffer(out, (const char *) request->data + OFP_HEADER_SIZE,
                  request->size - OFP_HEADER_SIZE);
    end_msg(out, ofs);
}

void
ofp_put_empty(struct ds *out, uint8_t type, uint32_t xid)
{
    end_msg(out, start_msg(out, type, xid));
}

void
ofp_put_features_reply(struct ds *out, uint32_t xid, uint64_t datapath_id)
{
    size_t ofs = start_msg(out, OFPT_FEATURES_REPLY, xid);

    put64(out, datapath_id);
    put32(out, 0);              /* n_buffers: no buffering. */
    put8(out, FLOW_TABLE_N_TABLES);     /* n_tables. */
    put8(out, 0);               /* auxiliary_id. */
    put_zeros(out, 2);
    put32(out, 0x1 | 0x2 | 0x4); /* FLOW_STATS | TABLE_STATS |
                                  * PORT_STATS. */
    put32(out, 0);
    end_msg(out, ofs);
}

void
ofp_put_role_reply(struct ds *out, uint32_t xid, uint32_t role,
                   uint64_t generation_id)
{
    size_t ofs = start_msg(out, OFPT_ROLE_REPLY, xid);

    put32(out, role);
    put_zeros(out, 4);
    put64(out, generation_id);
    end_msg(out, ofs);
}

void
ofp_put_get_config_reply(struct ds *out, uint32_t xid, uint16_t flags,
                         uint16_t miss_send_len)
{
    size_t ofs = start_msg(out, OFPT_GET_CONFIG_REPLY, xid);

    put16(out, flags);
    put16(out, miss_send_len);
    end_msg(out, ofs);
}

/* OpenFlow 1.3 reserved port numbers. */
#define OFPP13_MAX 0xffffff00u
#define OFPP13_ANY 0xffffffffu

bool
ofp13_port_to_port(uint32_t port13, uint32_t *portp)
{
    if (port13 < OFPP_MAX) {
        *portp = port13;
        return true;
    }
    if (port13 >= 0xfffffff8u) {
        *portp = port13 - 0xffff0000u;
        return true;
    }
    return false;
}

uint32_t
ofp13_port_from_port(uint32_t port)
{
    return port >= OFPP_MAX ? port + 0xffff0000u : port;
}

/* OXM: the OpenFlow basic class fields and the meta-flow field each one
 * is.  'size' is the OXM value size; it equals the meta-flow field's
 * width except for the in_port and vlan_vid, handled apart. */
#define OFPXMC_OPENFLOW_BASIC 0x8000

struct oxm_field {
    int mff;                    /* enum mf_field_id, or -1: unsupported. */
    uint8_t size;               /* Value bytes. */
};

enum {
    OXM_IN_PORT = 0,
    OXM_VLAN_VID = 6,
};

static const struct oxm_field oxm_fields[] = {
    [0] = { MFF_IN_PORT, 4 },
    [1] = { -1, 4 },            /* IN_PHY_PORT. */
    [2] = { MFF_METADATA, 8 },
    [3] = { MFF_ETH_DST, 6 },
    [4] = { MFF_ETH_SRC, 6 },
    [5] = { MFF_ETH_TYPE, 2 },
    [6] = { MFF_VLAN_TCI, 2 },
    [7] = { MFF_DL_VLAN_PCP, 1 },
    [8] = { MFF_IP_DSCP_SHIFTED, 1 },
    [9] = { MFF_IP_ECN, 1 },
    [10] = { MFF_IP_PROTO, 1 },
    [11] = { MFF_IPV4_SRC, 4 },
    [12] = { MFF_IPV4_DST, 4 },
    [13] = { MFF_TCP_SRC, 2 },
    [14] = { MFF_TCP_DST, 2 },
    [15] = { MFF_UDP_SRC, 2 },
    [16] = { MFF_UDP_DST, 2 },
    [17] = { MFF_SCTP_SRC, 2 },
    [18] = { MFF_SCTP_DST, 2 },
    [19] = { MFF_ICMPV4_TYPE, 1 },
    [20] = { MFF_ICMPV4_CODE, 1 },
    [21] = { MFF_ARP_OP, 2 },
    [22] = { MFF_ARP_SPA, 4 },
    [23] = { MFF_ARP_TPA, 4 },
    [24] = { MFF_ARP_SHA, 6 },
    [25] = { MFF_ARP_THA, 6 },
    [26] = { MFF_IPV6_SRC, 16 },
    [27] = { MFF_IPV6_DST, 16 },
    [28] = { MFF_IPV6_LABEL, 4 },
    [29] = { MFF_ICMPV6_TYPE, 1 },
    [30] = { MFF_ICMPV6_CODE, 1 },
    [31] = { MFF_ND_TARGET, 16 },
    [32] = { MFF_ND_SLL, 6 },
    [33] = { MFF_ND_TLL, 6 },
};

/* Decodes one OXM TLV at 'p' ('avail' bytes) into the value and mask of
 * a meta-flow field.  Stores the TLV's total size in '*sizep'. */
static bool
oxm_decode(const uint8_t *p, size_t avail, const struct mf_field **mfp,
           union mf_value *value, union mf_value *mask, size_t *sizep,
           struct ofp_error *error)
{
    const struct oxm_field *of;
    const struct mf_field *mf;
    unsigned int field;
    bool has_mask;
    size_t len;

    if (avail < 4) {
        return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_LEN);
    }
    len = p[3];
    if (len > avail - 4) {
        return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_LEN);
    }
    *sizep = 4 + len;
    if (get16(p) != OFPXMC_OPENFLOW_BASIC) {
        return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_FIELD);
    }
    field = p[2] >> 1;
    has_mask = p[2] & 1;
    if (field >= ARRAY_SIZE(oxm_fields) || oxm_fields[field].mff < 0) {
        return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_FIELD);
    }
    of = &oxm_fields[field];
    if (len != (size_t) of->size * (has_mask ? 2 : 1)) {
        return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_LEN);
    }
    mf = mf_from_id(of->mff);
    memset(value, 0, sizeof *value);
    memset(mask, 0xff, sizeof *mask);
    p += 4;
    if (field == OXM_IN_PORT) {
        uint32_t port;

        if (has_mask) {
            return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_MASK);
        }
        if (!ofp13_port_to_port(get32(p), &port)) {
            return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_VALUE);
        }
        value->be16 = htons(port);
    } else if (field == OXM_VLAN_VID) {
        /* OFPVID_PRESENT (0x1000) is the position of VLAN_CFI in the
         * TCI, so the value maps onto vlan_tci bit for bit. */
        uint16_t v = get16(p);
        uint16_t m = has_mask ? get16(p + 2) : 0x1fff;

        if ((v | m) & ~0x1fff) {
            return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_VALUE);
        }
        value->be16 = htons(v & m);
        mask->be16 = htons(m);
    } else {
        memcpy(value->bytes, p, of->size);
        if (has_mask) {
            if (!mf->maskable) {
                return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_MASK);
            }
            memcpy(mask->bytes, p + of->size, of->size);
            for (size_t i = 0; i < of->size; i++) {
                value->bytes[i] &= mask->bytes[i];
            }
        }
    }
    *mfp = mf;
    return true;
}

bool
ofp_decode_match(const void *p, size_t avail, struct match *match,
                 size_t *sizep, struct ofp_error *error)
{
    return match_decode(p, avail, match, sizep, error);
}

/* Decodes an ofp_match of OXM type at 'p' ('avail' bytes) into 'match';
 * stores its padded size in '*sizep'. */
static bool
match_decode(const uint8_t *p, size_t avail, struct match *match,
             size_t *sizep, struct ofp_error *error)
{
    bool seen[ARRAY_SIZE(oxm_fields)] = { false };
    size_t len, ofs;

    match_init_catchall(match);
    if (avail < 4) {
        return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_LEN);
    }
    if (get16(p) != 1) {        /* OFPMT_OXM. */
        return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_TYPE);
    }
    len = get16(p + 2);
    if (len < 4 || ROUND_UP(len, 8) > avail) {
        return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_LEN);
    }
    *sizep = ROUND_UP(len, 8);
    for (ofs = 4; ofs < len; ) {
        const struct mf_field *mf;
        union mf_value value, mask;
        size_t size;

        if (!oxm_decode(p + ofs, len - ofs, &mf, &value, &mask, &size,
                        error)) {
            return false;
        }
        if (seen[p[ofs + 2] >> 1]) {
            return set_error(error, OFPET_BAD_MATCH, OFPBMC_DUP_FIELD);
        }
        seen[p[ofs + 2] >> 1] = true;
        if (!mf_is_value_valid(mf, &value)) {
            return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_VALUE);
        }
        mf_set_match(mf, &value, &mask, match);
        ofs += size;
    }
    /* Prerequisites are checked once every field is in: OpenFlow 1.3
     * wants a field after the ones it depends on, but any order
     * describes the same match. */
    for (size_t i = 0; i < ARRAY_SIZE(oxm_fields); i++) {
        if (seen[i]) {
            const struct mf_field *mf = mf_from_id(oxm_fields[i].mff);

            if (!mf_are_prereqs_ok(mf->prereqs, match)) {
                return set_error(error, OFPET_BAD_MATCH, OFPBMC_BAD_PREREQ);
            }
        }
    }
    return true;
}

/* A growing buffer of ofpacts. */
struct ofpact_builder {
    uint8_t *data;
    size_t size;
};

static void *
builder_put(struct ofpact_builder *b, enum ofpact_type type, size_t size)
{
    size_t len = ROUND_UP(size, OFPACT_ALIGNTO);
    struct ofpact *a;

    b->data = xrealloc(b->data, b->size + len);
    a = (struct ofpact *) (b->data + b->size);
    memset(a, 0, len);
    a->type = type;
    a->len = len;
    b->size += len;
    return a;
}

/* OpenFlow 1.3 action types nfvs decodes. */
enum {
    OFPAT13_OUTPUT = 0,
    OFPAT13_PUSH_VLAN = 17,
    OFPAT13_POP_VLAN = 18,
    OFPAT13_DEC_NW_TTL = 24,
};

/* Decodes the action list of 'size' bytes at 'p' onto 'b'. */
static bool
actions_decode(const uint8_t *p, size_t size, struct ofpact_builder *b,
               struct ofp_error *error)
{
    size_t ofs = 0;

    while (ofs < size) {
        const uint8_t *a = p + ofs;
        uint16_t type, len;

        if (size - ofs < 8) {
            return set_error(error, OFPET_BAD_ACTION, OFPBAC_BAD_LEN);
        }
        type = get16(a);
        len = get16(a + 2);
        if (len < 8 || len % 8 || len > size - ofs) {
            return set_error(error, OFPET_BAD_ACTION, OFPBAC_BAD_LEN);
        }
        switch (type) {
        case OFPAT13_OUTPUT: {
            uint32_t port;

            if (len != 16) {
                return set_error(error, OFPET_BAD_ACTION, OFPBAC_BAD_LEN);
            }
            if (!ofp13_port_to_port(get32(a + 4), &port)
                || port == OFPP_NONE || port == OFPP_TABLE) {
                return set_error(error, OFPET_BAD_ACTION,
                                 OFPBAC_BAD_OUT_PORT);
            }
            if (port == OFPP_CONTROLLER) {
                struct ofpact_controller *c;

                c = builder_put(b, OFPACT_CONTROLLER, sizeof *c);
                c->max_len = get16(a + 8);
            } else {
                struct ofpact_output *o;

                o = builder_put(b, OFPACT_OUTPUT, sizeof *o);
                o->port = port;
            }
            break;
        }
        case OFPAT13_PUSH_VLAN: {
            struct ofpact_push_vlan *pv;
            uint16_t ethertype = get16(a + 4);

            if (len != 8) {
                return set_error(error, OFPET_BAD_ACTION, OFPBAC_BAD_LEN);
            }
            if (ethertype != 0x8100 && ethertype != 0x88a8) {
                return set_error(error, OFPET_BAD_ACTION,
                                 OFPBAC_BAD_ARGUMENT);
            }
            pv = builder_put(b, OFPACT_PUSH_VLAN, sizeof *pv);
            pv->ethertype = htons(ethertype);
            break;
        }
        case OFPAT13_POP_VLAN: {
            struct ofpact_strip_vlan *sv;

            if (len != 8) {
                return set_error(error, OFPET_BAD_ACTION, OFPBAC_BAD_LEN);
            }
            sv = builder_put(b, OFPACT_STRIP_VLAN, sizeof *sv);
            sv->pop_vlan = 1;
            break;
        }
        case OFPAT13_DEC_NW_TTL:
            if (len != 8) {
                return set_error(error, OFPET_BAD_ACTION, OFPBAC_BAD_LEN);
            }
            builder_put(b, OFPACT_DEC_TTL, sizeof(struct ofpact_null));
            break;
        default:
            return set_error(error, OFPET_BAD_ACTION, OFPBAC_BAD_TYPE);
        }
        ofs += len;
    }
    return true;
}

/* Instruction types. */
enum {
    OFPIT_GOTO_TABLE = 1,
    OFPIT_WRITE_METADATA = 2,
    OFPIT_WRITE_ACTIONS = 3,
    OFPIT_APPLY_ACTIONS = 4,
    OFPIT_CLEAR_ACTIONS = 5,
    OFPIT_METER = 6,
};

static bool
instructions_decode(const uint8_t *p, size_t size, uint8_t table_id,
                    struct ofpact_builder *b, struct ofp_error *error)
{
    bool seen_apply = false, seen_goto = false;
    uint8_t goto_table = 0;
    size_t ofs = 0;

    while (ofs < size) {
        const uint8_t *in = p + ofs;
        uint16_t type, len;

        if (size - ofs < 8) {
            return set_error(error, OFPET_BAD_INSTRUCTION, OFPBIC_BAD_LEN);
        }
        type = get16(in);
        len = get16(in + 2);
        if (len < 8 || len % 8 || len > size - ofs) {
            return set_error(error, OFPET_BAD_INSTRUCTION, OFPBIC_BAD_LEN);
        }
        switch (type) {
        case OFPIT_APPLY_ACTIONS:
            if (seen_apply) {
                return set_error(error, OFPET_BAD_INSTRUCTION,
                                 OFPBIC_UNSUP_INST);
            }
            seen_apply = true;
            if (!actions_decode(in + 8, len - 8, b, error)) {
                return false;
            }
            break;
        case OFPIT_GOTO_TABLE:
            if (len != 8 || seen_goto) {
                return set_error(error, OFPET_BAD_INSTRUCTION,
                                 seen_goto ? OFPBIC_UNSUP_INST
                                 : OFPBIC_BAD_LEN);
            }
            seen_goto = true;
            goto_table = in[4];
            if (goto_table <= table_id || goto_table >= 255) {
                return set_error(error, OFPET_BAD_INSTRUCTION,
                                 OFPBIC_BAD_TABLE_ID);
            }
            break;
        case OFPIT_WRITE_METADATA:
        case OFPIT_WRITE_ACTIONS:
        case OFPIT_CLEAR_ACTIONS:
        case OFPIT_METER:
            return set_error(error, OFPET_BAD_INSTRUCTION,
                             OFPBIC_UNSUP_INST);
        default:
            return set_error(error, OFPET_BAD_INSTRUCTION,
                             OFPBIC_UNKNOWN_INST);
        }
        ofs += len;
    }
    if (seen_goto) {
        /* goto_table comes last, whatever the wire order. */
        struct ofpact_goto_table *g;

        g = builder_put(b, OFPACT_GOTO_TABLE, sizeof *g);
        g->table_id = goto_table;
    }
    return true;
}

/* FLOW_MOD layout after the header. */
#define FM_FIXED_SIZE 48        /* Up to the match. */
#define OFP_NO_BUFFER 0xffffffffu
#define OFPG_ANY 0xffffffffu
#define OFPFF_KNOWN 0x1f        /* SEND_FLOW_REM ... NO_BYT_COUNTS. */

bool
ofp_decode_flow_mod(const struct ofp_msg *msg, struct flow_mod_spec *spec,
                    uint16_t *flagsp, struct ofp_error *error)
{
    static const enum flow_mod_command commands[] = {
        FLOW_MOD_ADD, FLOW_MOD_MODIFY, FLOW_MOD_MODIFY_STRICT,
        FLOW_MOD_DELETE, FLOW_MOD_DELETE_STRICT,
    };
    struct ofpact_builder b = { NULL, 0 };
    const uint8_t *p = msg->data;
    size_t match_size;
    uint32_t out_port;
    uint8_t command;

    memset(spec, 0, sizeof *spec);
    if (msg->size < FM_FIXED_SIZE) {
        return set_error(error, OFPET_BAD_REQUEST, OFPBRC_BAD_LEN);
    }
    command = p[25];
    if (command >= ARRAY_SIZE(commands)) {
        return set_error(error, OFPET_FLOW_MOD_FAILED, OFPFMFC_BAD_COMMAND);
    }
    spec->command = commands[command];
    spec->cookie = get64(p + 8);
    spec->cookie_mask = get64(p + 16);
    spec->table_id = p[24];
    spec->idle_timeout = get16(p + 26);
    spec->hard_timeout = get16(p + 28);
    spec->priority = get16(p + 30);
    *flagsp = get16(p + 44);
    if (spec->command == FLOW_MOD_ADD && spec->table_id == 255) {
        return set_error(error, OFPET_FLOW_MOD_FAILED, OFPFMFC_BAD_TABLE_ID);
    }
    if (get32(p + 32) != OFP_NO_BUFFER) {
        return set_error(error, OFPET_BAD_REQUEST, OFPBRC_BUFFER_UNKNOWN);
    }
    if (*flagsp & ~OFPFF_KNOWN) {
        return set_error(error, OFPET_FLOW_MOD_FAILED, OFPFMFC_BAD_FLAGS);
    }
    if (!ofp13_port_to_port(get32(p + 36), &out_port)) {
        return set_error(error, OFPET_FLOW_MOD_FAILED, OFPFMFC_UNKNOWN);
    }
    spec->out_port = out_port;  /* OFPP_ANY maps to OFPP_NONE. */
    if (get32(p + 40) != OFPG_ANY) {
        /* No groups yet, so no rule outputs to one. */
        return set_error(error, OFPET_FLOW_MOD_FAILED, OFPFMFC_UNKNOWN);
    }
    if (!match_decode(p + FM_FIXED_SIZE, msg->size - FM_FIXED_SIZE,
                      &spec->match, &match_size, error)) {
        return false;
    }
    if (spec->command == FLOW_MOD_ADD
        || spec->command == FLOW_MOD_MODIFY
        || spec->command == FLOW_MOD_MODIFY_STRICT) {
        size_t ofs = FM_FIXED_SIZE + match_size;
        char *msg_err;

        if (!instructions_decode(p + ofs, msg->size - ofs, spec->table_id,
                                 &b, error)) {
            free(b.data);
            return false;
        }
        msg_err = ofpacts_check(b.data, b.size, &spec->match);
        if (msg_err) {
            free(msg_err);
            free(b.data);
            return set_error(error, OFPET_BAD_ACTION, OFPBAC_BAD_ARGUMENT);
        }
        spec->has_actions = true;
        spec->ofpacts = b.data;
        spec->ofpacts_size = b.size;
    }
    if (spec->command != FLOW_MOD_ADD) {
        /* OpenFlow 1.1+: modify and delete keep cookies. */
        spec->new_cookie = 0;
        spec->modify_cookie = false;
    } else {
        spec->cookie_mask = 0;
    }
    return true;
}

/* Encoding matches and actions, for flow stats. */

static void
oxm_put(struct ds *out, unsigned int field, const void *value,
        const void *mask, size_t size)
{
    put16(out, OFPXMC_OPENFLOW_BASIC);
    put8(out, field << 1 | (mask != NULL));
    put8(out, mask ? size * 2 : size);
    ds_put_buffer(out, value, size);
    if (mask) {
        ds_put_buffer(out, mask, size);
    }
}

void
ofp_put_match(struct ds *out, const struct match *match)
{
    size_t ofs = out->length;
    size_t len;

    put16(out, 1);              /* OFPMT_OXM. */
    put16(out, 0);
    for (size_t i = 0; i < ARRAY_SIZE(oxm_fields); i++) {
        const struct oxm_field *of = &oxm_fields[i];
        const struct mf_field *mf;
        union mf_value value, mask;

        if (of->mff < 0) {
            continue;
        }
        mf = mf_from_id(of->mff);
        mf_get_mask(mf, match, &mask);
        if (mf_is_all_zeros(mf, &mask)
            || !mf_are_prereqs_ok(mf->prereqs, match)) {
            continue;
        }
        mf_get_value(mf, &match->flow, &value);
        if (i == OXM_IN_PORT) {
            uint8_t b[4];
            uint32_t port = ofp13_port_from_port(ntohs(value.be16));

            b[0] = port >> 24;
            b[1] = port >> 16;
            b[2] = port >> 8;
            b[3] = port;
            oxm_put(out, i, b, NULL, 4);
        } else if (i == OXM_VLAN_VID) {
            uint16_t v = ntohs(value.be16) & 0x1fff;
            uint16_t m = ntohs(mask.be16) & 0x1fff;
            uint8_t vb[2] = { v >> 8, v };
            uint8_t mb[2] = { m >> 8, m };

            if (m) {
                oxm_put(out, i, vb, m == 0x1fff ? NULL : mb, 2);
            }
        } else {
            /* A mask of every bit the field has in 'struct flow' is an
             * exact match (arp_op, say, keeps 8 of its 16 bits). */
            union mf_value full;
            struct flow bits;

            memset(&bits, 0, sizeof bits);
            mf_get_bits(mf, &bits);
            mf_get_value(mf, &bits, &full);
            oxm_put(out, i, value.bytes,
                    (mf_is_all_ones(mf, &mask)
                     || !memcmp(mask.bytes, full.bytes, of->size)
                     ? NULL : mask.bytes),
                    of->size);
        }
    }
    len = out->length - ofs;
    ((uint8_t *) out->string)[ofs + 2] = len >> 8;
    ((uint8_t *) out->string)[ofs + 3] = len;
    put_zeros(out, ROUND_UP(len, 8) - len);
}

static void
action_put_output(struct ds *out, uint32_t port, uint16_t max_len)
{
    put16(out, OFPAT13_OUTPUT);
    put16(out, 16);
    put32(out, ofp13_port_from_port(port));
    put16(out, max_len);
    put_zeros(out, 6);
}

static void
action_put_simple(struct ds *out, uint16_t type, uint16_t arg)
{
    put16(out, type);
    put16(out, 8);
    put16(out, arg);
    put_zeros(out, 2);
}

bool
ofp_put_instructions(struct ds *out, const void *ofpacts, size_t size)
{
    const struct ofpact *a;
    size_t ofs = out->length;
    int goto_table = -1;
    bool ok = true;

    put16(out, OFPIT_APPLY_ACTIONS);
    put16(out, 0);
    put_zeros(out, 4);
    OFPACT_FOR_EACH (a, ofpacts, size) {
        switch ((enum ofpact_type) a->type) {
        case OFPACT_OUTPUT:
            action_put_output(out, ((const struct ofpact_output *) a)->port,
                              0);
            break;
        case OFPACT_CONTROLLER:
            action_put_output(
                out, OFPP_CONTROLLER,
                ((const struct ofpact_controller *) a)->max_len);
            break;
        case OFPACT_STRIP_VLAN:
            action_put_simple(out, OFPAT13_POP_VLAN, 0);
            break;
        case OFPACT_PUSH_VLAN:
            action_put_simple(
                out, OFPAT13_PUSH_VLAN,
                ntohs(((const struct ofpact_push_vlan *) a)->ethertype));
            break;
        case OFPACT_DEC_TTL:
            action_put_simple(out, OFPAT13_DEC_NW_TTL, 0);
            break;
        case OFPACT_GOTO_TABLE:
            goto_table = ((const struct ofpact_goto_table *) a)->table_id;
            break;
        default:
            ok = false;
            break;
        }
    }
    if (out->length - ofs == 8) {
        out->length = ofs;      /* No actions: no instruction. */
    } else {
        size_t len = out->length - ofs;

        ((uint8_t *) out->string)[ofs + 2] = len >> 8;
        ((uint8_t *) out->string)[ofs + 3] = len;
    }
    if (goto_table >= 0) {
        put16(out, OFPIT_GOTO_TABLE);
        put16(out, 8);
        put8(out, goto_table);
        put_zeros(out, 3);
    }
    return ok;
}

void
ofp_mp_reply_init(struct ofp_mp_reply *r, struct ds *out, uint16_t type,
                  uint32_t xid)
{
    r->out = out;
    r->type = type;
    r->xid = xid;
    r->ofs = start_msg(out, OFPT_MULTIPART_REPLY, xid);
    put16(out, type);
    put16(out, 0);
    put_zeros(out, 4);
}

void
ofp_mp_reply_add(struct ofp_mp_reply *r, const struct ds *entry)
{
    if (r->out->length - r->ofs + entry->length > 65535) {
        uint8_t *p = (uint8_t *) r->out->string + r->ofs;

        p[11] = 1;              /* OFPMPF_REPLY_MORE. */
        end_msg(r->out, r->ofs);
        ofp_mp_reply_init(r, r->out, r->type, r->xid);
    }
    ds_put_buffer(r->out, entry->string, entry->length);
}

void
ofp_mp_reply_finish(struct ofp_mp_reply *r)
{
    end_msg(r->out, r->ofs);
}

void
ofp_put_flow_stats(struct ds *entry, const struct ofp_flow_desc *desc,
                   const struct ofp_flow_stats *stats)
{
    size_t ofs = entry->length;
    long long int ms = stats->duration_msec;
    size_t len;

    put16(entry, 0);
    put8(entry, desc->table_id);
    put8(entry, 0);
    put32(entry, ms / 1000);
    put32(entry, ms % 1000 * 1000000);
    put16(entry, desc->priority);
    put16(entry, desc->idle_timeout);
    put16(entry, desc->hard_timeout);
    put16(entry, 0);            /* flags. */
    put_zeros(entry, 4);
    put64(entry, desc->cookie);
    put64(entry, stats->n_packets);
    put64(entry, stats->n_bytes);
    ofp_put_match(entry, desc->match);
    ofp_put_instructions(entry, desc->ofpacts, desc->ofpacts_size);
    len = entry->length - ofs;
    ((uint8_t *) entry->string)[ofs] = len >> 8;
    ((uint8_t *) entry->string)[ofs + 1] = len;
}

bool
ofp_decode_flow_stats_request(const struct ofp_msg *msg,
                              struct flow_mod_spec *spec,
                              struct ofp_error *error)
{
    const uint8_t *p = msg->data + 16;
    size_t match_size;
    uint32_t out_port;

    memset(spec, 0, sizeof *spec);
    if (msg->size < 16 + 32) {
        return set_error(error, OFPET_BAD_REQUEST, OFPBRC_BAD_LEN);
    }
    spec->command = FLOW_MOD_DELETE;
    spec->table_id = p[0];
    if (!ofp13_port_to_port(get32(p + 4), &out_port)) {
        return set_error(error, OFPET_BAD_REQUEST, OFPBRC_BAD_PORT);
    }
    spec->out_port = out_port;
    if (get32(p + 8) != OFPG_ANY) {
        return set_error(error, OFPET_BAD_REQUEST, OFPBRC_BAD_MULTIPART);
    }
    spec->cookie = get64(p + 16);
    spec->cookie_mask = get64(p + 24);
    if (!match_decode(p + 32, msg->size - 48, &spec->match, &match_size,
                      error)) {
        return false;
    }
    if (48 + match_size != msg->size) {
        return set_error(error, OFPET_BAD_REQUEST, OFPBRC_BAD_LEN);
    }
    return true;
}

static void
put_string(struct ds *out, const char *s, size_t size)
{
    size_t n = NFVS_MIN(strlen(s), size - 1);

    ds_put_buffer(out, s, n);
    put_zeros(out, size - n);
}

void
ofp_put_desc(struct ds *entry, const char *mfr, const char *hw,
             const char *sw, const char *serial, const char *dp)
{
    put_string(entry, mfr, 256);
    put_string(entry, hw, 256);
    put_string(entry, sw, 256);
    put_string(entry, serial, 32);
    put_string(entry, dp, 256);
}

/* Appends a table features property of 'type' with 'n' items of
 * 'item_size' bytes, item i being 'items[i]' in big-endian order. */
static void
put_tf_prop(struct ds *out, uint16_t type, const uint32_t *items, size_t n,
            size_t item_size)
{
    size_t len = 4 + n * item_size;

    put16(out, type);
    put16(out, len);
    for (size_t i = 0; i < n; i++) {
        if (item_size == 1) {
            put8(out, items[i]);
        } else {
            put32(out, items[i]);
        }
    }
    put_zeros(out, ROUND_UP(len, 8) - len);
}

void
ofp_put_table_features(struct ds *entry, uint8_t table_id,
                       uint32_t max_entries)
{
    /* Instruction and action ids: type, then length 4. */
    static const uint32_t instructions[] = {
        OFPIT_GOTO_TABLE << 16 | 4, OFPIT_APPLY_ACTIONS << 16 | 4,
    };
    static const uint32_t actions[] = {
        OFPAT13_OUTPUT << 16 | 4, OFPAT13_PUSH_VLAN << 16 | 4,
        OFPAT13_POP_VLAN << 16 | 4, OFPAT13_DEC_NW_TTL << 16 | 4,
    };
    uint32_t oxms[ARRAY_SIZE(oxm_fields)];
    uint32_t tables[FLOW_TABLE_N_TABLES];
    size_t n_oxms = 0, n_tables = 0;
    size_t ofs = entry->length;
    char name[32];
    size_t len;

    for (size_t i = 0; i < ARRAY_SIZE(oxm_fields); i++) {
        if (oxm_fields[i].mff >= 0) {
            oxms[n_oxms++] = ((uint32_t) OFPXMC_OPENFLOW_BASIC << 16 | i << 9
                              | oxm_fields[i].size);
        }
    }
    for (unsigned int t = table_id + 1; t < FLOW_TABLE_N_TABLES; t++) {
        tables[n_tables++] = t;
    }
    snprintf(name, sizeof name, "table%u", table_id);
    put16(entry, 0);
    put8(entry, table_id);
    put_zeros(entry, 5);
    put_string(entry, name, 32);
    put64(entry, 0);            /* metadata_match. */
    put64(entry, 0);            /* metadata_write. */
    put32(entry, 0);            /* config. */
    put32(entry, max_entries);
    put_tf_prop(entry, 0, instructions,
                table_id + 1 < FLOW_TABLE_N_TABLES ? 2 : 1, 4);
    put_tf_prop(entry, 2, tables, n_tables, 1);
    put_tf_prop(entry, 4, NULL, 0, 4);
    put_tf_prop(entry, 6, actions, ARRAY_SIZE(actions), 4);
    put_tf_prop(entry, 8, oxms, n_oxms, 4);
    put_tf_prop(entry, 10, oxms, n_oxms, 4);
    put_tf_prop(entry, 12, NULL, 0, 4);
    put_tf_prop(entry, 14, NULL, 0, 4);
    len = entry->length - ofs;
    ((uint8_t *) entry->string)[ofs] = len >> 8;
    ((uint8_t *) entry->string)[ofs + 1] = len;
}

void
ofp_put_aggregate(struct ds *entry, uint64_t packets, uint64_t bytes,
                  uint32_t flows)
{
    put64(entry, packets);
    put64(entry, bytes);
    put32(entry, flows);
    put_zeros(entry, 4);
}

void
ofp_put_port(struct ds *entry, uint32_t port, const char *name,
             bool admin_up, bool carrier)
{
    put32(entry, ofp13_port_from_port(port));
    put_zeros(entry, 4);
    put_zeros(entry, 8);        /* hw_addr (not reported), pad. */
    put_string(entry, name, 16);
    put32(entry, admin_up ? 0 : 1);     /* OFPPC_PORT_DOWN. */
    put32(entry, carrier ? 0 : 1);      /* OFPPS_LINK_DOWN. */
    put_zeros(entry, 4 * 6);    /* Features and speeds: unknown. */
}

void
ofp_put_port_stats(struct ds *entry, uint32_t port,
                   const struct netdev_stats *st)
{
    put32(entry, ofp13_port_from_port(port));
    put_zeros(entry, 4);
    put64(entry, st->rx_packets);
    put64(entry, st->tx_packets);
    put64(entry, st->rx_bytes);
    put64(entry, st->tx_bytes);
    put64(entry, st->rx_dropped);
    put64(entry, st->tx_dropped);
    put64(entry, st->rx_errors);
    put64(entry, st->tx_errors);
    put64(entry, UINT64_MAX);   /* rx_frame_err: unavailable. */
    put64(entry, UINT64_MAX);   /* rx_over_err. */
    put64(entry, UINT64_MAX);   /* rx_crc_err. */
    put64(entry, UINT64_MAX);   /* collisions. */
    put32(entry, UINT32_MAX);   /* duration: unavailable. */
    put32(entry, UINT32_MAX);
}

void
ofp_put_port_status(struct ds *out, uint8_t reason, const struct ds *port)
{
    size_t ofs = start_msg(out, OFPT_PORT_STATUS, 0);

    put8(out, reason);
    put_zeros(out, 7);
    ds_put_buffer(out, port->string, port->length);
    end_msg(out, ofs);
}
