#include <config.h>
#include "ofp-actions.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "dynamic-string.h"
#include "flow.h"
#include "match.h"
#include "ofp-group.h"
#include "ofp-parse.h"
#include "util.h"

/* A growable buffer of actions, private to the parser. */
struct ofpact_buf {
    uint8_t *data;              /* Records. */
    size_t size;                /* Bytes used. */
    size_t allocated;           /* Bytes allocated. */
    size_t n_actions;           /* Records put, nested ones included. */
    const struct ofp_port_map *port_map; /* Port names, or NULL. */
};

/* Most actions in one list; see ofpacts_set_max_actions(). */
static size_t max_actions = OFPACTS_MAX_DEFAULT;

void
ofpacts_set_max_actions(size_t n)
{
    max_actions = n;
}

/* Appends a zeroed record of 'type' that is 'size' bytes before
 * rounding, and returns it.  The pointer is valid until the next put. */
static void *
ofpact_put(struct ofpact_buf *buf, enum ofpact_type type, size_t size)
{
    size_t len = ROUND_UP(size, OFPACT_ALIGNTO);
    struct ofpact *a;

    if (buf->size + len > buf->allocated) {
        buf->allocated = NFVS_MAX(buf->allocated * 2, buf->size + len);
        buf->data = xrealloc(buf->data, buf->allocated);
    }
    a = (struct ofpact *) (buf->data + buf->size);
    memset(a, 0, len);
    a->type = type;
    a->len = len;
    buf->size += len;
    buf->n_actions++;
    return a;
}

#define OFPACT_PUT(BUF, TYPE, STRUCT) \
    ((struct STRUCT *) ofpact_put(BUF, TYPE, sizeof(struct STRUCT)))

const char *
ofpact_name(enum ofpact_type type)
{
    switch (type) {
    case OFPACT_OUTPUT:
        return "output";
    case OFPACT_CONTROLLER:
        return "controller";
    case OFPACT_RESUBMIT:
        return "resubmit";
    case OFPACT_GOTO_TABLE:
        return "goto_table";
    case OFPACT_SET_VLAN_VID:
        return "mod_vlan_vid";
    case OFPACT_SET_VLAN_PCP:
        return "mod_vlan_pcp";
    case OFPACT_STRIP_VLAN:
        return "strip_vlan";
    case OFPACT_PUSH_VLAN:
        return "push_vlan";
    case OFPACT_SET_ETH_SRC:
        return "mod_dl_src";
    case OFPACT_SET_ETH_DST:
        return "mod_dl_dst";
    case OFPACT_SET_IPV4_SRC:
        return "mod_nw_src";
    case OFPACT_SET_IPV4_DST:
        return "mod_nw_dst";
    case OFPACT_SET_IP_DSCP:
        return "mod_nw_tos";
    case OFPACT_SET_L4_SRC_PORT:
        return "mod_tp_src";
    case OFPACT_SET_L4_DST_PORT:
        return "mod_tp_dst";
    case OFPACT_DEC_TTL:
        return "dec_ttl";
    case OFPACT_SET_FIELD:
        return "set_field";
    case OFPACT_REG_MOVE:
        return "move";
    case OFPACT_METER:
        return "meter";
    case OFPACT_CT:
        return "ct";
    case OFPACT_GROUP:
        return "group";
    }
    return "<unknown>";
}

/* Parsing. */

/* Returns "TOKEN: message". */
static char * NFVS_PRINTF_FORMAT(2, 3)
tok_error(const struct ofp_token *tok, const char *format, ...)
{
    va_list args;
    char *msg, *error;

    va_start(args, format);
    msg = xvasprintf(format, args);
    va_end(args);
    error = xasprintf("%s: %s", tok->text, msg);
    free(msg);
    return error;
}

/* Returns "TOKEN: 'error'" and frees 'error'. */
static char *
tok_wrap(const struct ofp_token *tok, char *error)
{
    char *s = xasprintf("%s: %s", tok->text, error);

    free(error);
    return s;
}

static char *parse_actions(const char *s, struct ofpact_buf *,
                           bool inside_ct);

static char *
parse_output_port(const struct ofp_token *tok, const char *arg,
                  struct ofpact_buf *buf)
{
    struct ofpact_output *output;
    uint32_t port;

    if (!mf_parse_port_named(arg, buf->port_map, &port)) {
        return (buf->port_map
                ? tok_error(tok, "unknown port \"%s\" (not a number, a "
                            "reserved port or a port of the bridge)", arg)
                : tok_error(tok, "invalid port \"%s\"", arg));
    }
    if (port == OFPP_NONE || port == OFPP_TABLE) {
        return tok_error(tok, "invalid output port");
    } else if (port == OFPP_CONTROLLER) {
        /* Same as "controller", which is how it prints. */
        OFPACT_PUT(buf, OFPACT_CONTROLLER, ofpact_controller)->max_len
            = UINT16_MAX;
        return NULL;
    }
    output = OFPACT_PUT(buf, OFPACT_OUTPUT, ofpact_output);
    output->port = port;
    return NULL;
}

static char *
parse_controller(const struct ofp_token *tok, struct ofpact_buf *buf)
{
    const char *arg = tok->value;
    uint16_t max_len = UINT16_MAX;
    char *error;

    if (!strncmp(arg, "max_len=", 8)) {
        arg += 8;
    }
    if (!ofp_token_is_bare(tok)) {
        error = ofp_parse_u16(arg, "max_len", &max_len);
        if (error) {
            return tok_wrap(tok, error);
        }
    }
    OFPACT_PUT(buf, OFPACT_CONTROLLER, ofpact_controller)->max_len
        = max_len;
    return NULL;
}

static char *
parse_resubmit(const struct ofp_token *tok, struct ofpact_buf *buf)
{
    const char *comma = strchr(tok->value, ',');
    uint32_t in_port = OFPP_IN_PORT;
    uint8_t table_id = 255;
    struct ofpact_resubmit *r;
    char *port_s;
    char *error;

    port_s = comma ? xmemdup0(tok->value, comma - tok->value)
                   : xstrdup(tok->value);
    if (*port_s && !mf_parse_port_named(port_s, buf->port_map, &in_port)) {
        error = (buf->port_map
                 ? tok_error(tok, "unknown port \"%s\" (not a number, a "
                             "reserved port or a port of the bridge)",
                             port_s)
                 : tok_error(tok, "invalid port \"%s\"", port_s));
        free(port_s);
        return error;
    }
    free(port_s);
    if (comma && comma[1]) {
        if (strchr(comma + 1, ',')) {
            return tok_error(tok, "too many arguments");
        }
        error = ofp_parse_u8(comma + 1, "table", &table_id);
        if (error) {
            return tok_wrap(tok, error);
        }
    }
    if (in_port == OFPP_IN_PORT && table_id == 255) {
        return tok_error(tok, "at least one of \"in_port\" and \"table\" "
                         "must be specified");
    }
    r = OFPACT_PUT(buf, OFPACT_RESUBMIT, ofpact_resubmit);
    r->in_port = in_port;
    r->table_id = table_id;
    return NULL;
}

static char *
parse_u8_action(const struct ofp_token *tok, const char *name,
                uint8_t max, uint8_t *valuep)
{
    char *error = ofp_parse_u8(tok->value, name, valuep);

    if (error) {
        return tok_wrap(tok, error);
    } else if (*valuep > max) {
        return tok_error(tok, "not a valid %s", name);
    }
    return NULL;
}

static char *
parse_u16_action(const struct ofp_token *tok, const char *name,
                 uint16_t *valuep)
{
    char *error = ofp_parse_u16(tok->value, name, valuep);

    return error ? tok_wrap(tok, error) : NULL;
}

static char *
parse_mac(const struct ofp_token *tok, enum ofpact_type type,
          struct ofpact_buf *buf)
{
    const struct mf_field *mf = mf_from_id(MFF_ETH_SRC);
    union mf_value value;
    char *error = mf_parse_value(mf, tok->value, &value);

    if (error) {
        return tok_wrap(tok, error);
    }
    OFPACT_PUT(buf, type, ofpact_mac)->mac = value.mac;
    return NULL;
}

static char *
parse_ipv4(const struct ofp_token *tok, enum ofpact_type type,
           struct ofpact_buf *buf)
{
    const struct mf_field *mf = mf_from_id(MFF_IPV4_SRC);
    union mf_value value;
    char *error = mf_parse_value(mf, tok->value, &value);

    if (error) {
        return tok_wrap(tok, error);
    }
    OFPACT_PUT(buf, type, ofpact_ipv4)->ipv4 = value.be32;
    return NULL;
}

/* Splits the argument of 'tok', "A->B", at the arrow: stores a copy of
 * A in '*leftp' (the caller frees it) and a pointer to B, within
 * 'tok->value', in '*rightp'.  'left' and 'right' say what A and B are,
 * for the error when one is missing. */
static char *
split_arrow(const struct ofp_token *tok, const char *left,
            const char *right, char **leftp, const char **rightp)
{
    const char *arrow = strstr(tok->value, "->");

    if (!arrow) {
        return tok_error(tok, "missing \"->\"");
    } else if (arrow == tok->value) {
        return tok_error(tok, "missing %s before \"->\"", left);
    } else if (!arrow[2]) {
        return tok_error(tok, "missing %s after \"->\"", right);
    }
    *leftp = xmemdup0(tok->value, arrow - tok->value);
    *rightp = arrow + 2;
    return NULL;
}

/* Checks whether setting field 'mf' is allowed where the action is. */
static char *
check_settable(const struct ofp_token *tok, const struct mf_field *mf,
               bool inside_ct)
{
    if (!mf->writable) {
        return tok_error(tok, "%s is read-only", mf->name);
    } else if (inside_ct && mf->id != MFF_CT_MARK) {
        return tok_error(tok, "ct(exec) may only set ct_mark");
    } else if (!inside_ct && mf->id == MFF_CT_MARK) {
        return tok_error(tok, "ct_mark may only be set inside "
                         "ct(exec(...))");
    }
    return NULL;
}

/* Parses the value of "set_field:VALUE->vlan_vid" or "->vlan_pcp" (the
 * OpenFlow 1.3 fields, which OVS accepts in set_field only on a tagged
 * packet).  A VID may carry OFPVID_PRESENT (0x1000) or not: 5 and 0x1005
 * both set VID 5, as in OVS; a VID may have a mask. */
static char *
parse_set_vlan_field(const struct ofp_token *tok, struct ofpact_buf *buf,
                     const char *value_s, bool vid)
{
    struct ofpact_set_field *sf;
    uint16_t value, mask = vid ? 0x1fff : 7;
    const char *slash = strchr(value_s, '/');
    char *v_s = slash ? xmemdup0(value_s, slash - value_s)
                      : xstrdup(value_s);
    char *error;

    error = ofp_parse_u16(v_s, vid ? "VLAN VID" : "VLAN PCP", &value);
    free(v_s);
    if (!error && slash) {
        error = (vid ? ofp_parse_u16(slash + 1, "mask", &mask)
                 : xasprintf("vlan_pcp takes no mask"));
    }
    if (error) {
        return tok_wrap(tok, error);
    } else if (vid && (value > 0x1fff || mask > 0x1fff)) {
        return tok_error(tok, "not a valid VLAN VID (0 to 4095, with "
                         "0x1000 for OFPVID_PRESENT)");
    } else if (!vid && value > 7) {
        return tok_error(tok, "not a valid VLAN PCP (0 to 7)");
    } else if (!(mask & (vid ? VLAN_VID_MASK : 7))) {
        return tok_error(tok, "a set_field mask must not be zero");
    }
    sf = OFPACT_PUT(buf, OFPACT_SET_FIELD, ofpact_set_field);
    sf->field = MFF_VLAN_TCI;
    if (vid) {
        sf->vlan_field = OFP_SET_VLAN_VID;
        sf->mask.be16 = htons((mask & VLAN_VID_MASK) | VLAN_CFI);
        sf->value.be16 = htons((value & mask & VLAN_VID_MASK) | VLAN_CFI);
    } else {
        sf->vlan_field = OFP_SET_VLAN_PCP;
        sf->mask.be16 = htons(VLAN_PCP_MASK | VLAN_CFI);
        sf->value.be16 = htons((value << VLAN_PCP_SHIFT) | VLAN_CFI);
    }
    return NULL;
}

static char *
parse_set_field(const struct ofp_token *tok, struct ofpact_buf *buf,
                bool inside_ct)
{
    const struct mf_field *mf;
    struct ofpact_set_field *sf;
    union mf_value value, mask;
    const char *field_s;
    char *value_s;
    char *error;
    size_t i;

    error = split_arrow(tok, "value", "field", &value_s, &field_s);
    if (error) {
        return error;
    }
    if (!strcmp(field_s, "vlan_vid") || !strcmp(field_s, "OXM_OF_VLAN_VID")
        || !strcmp(field_s, "vlan_pcp")
        || !strcmp(field_s, "OXM_OF_VLAN_PCP")) {
        error = (inside_ct ? tok_error(tok, "ct(exec) may only set ct_mark")
                 : parse_set_vlan_field(tok, buf, value_s,
                                        strstr(field_s, "VID")
                                        || strstr(field_s, "vid")));
        free(value_s);
        return error;
    }
    mf = mf_from_name(field_s, NULL);
    error = (!mf ? tok_error(tok, "unknown field \"%s\"", field_s)
             : check_settable(tok, mf, inside_ct));
    if (error) {
        free(value_s);
        return error;
    }
    error = mf_parse(mf, value_s, &value, &mask);
    free(value_s);
    if (error) {
        return tok_wrap(tok, error);
    }
    if (mf_is_all_zeros(mf, &mask)) {
        return tok_error(tok, "a set_field mask must not be zero");
    }
    sf = OFPACT_PUT(buf, OFPACT_SET_FIELD, ofpact_set_field);
    sf->field = mf->id;
    for (i = 0; i < mf->n_bytes; i++) {
        sf->value.bytes[i] = value.bytes[i] & mask.bytes[i];
        sf->mask.bytes[i] = mask.bytes[i];
    }
    return NULL;
}

static char *
parse_load(const struct ofp_token *tok, struct ofpact_buf *buf,
           bool inside_ct)
{
    const struct mf_field *mf;
    struct ofpact_set_field *sf;
    struct mf_subfield dst;
    const char *dst_s;
    uint8_t bytes[8];
    uint64_t value;
    char *value_s;
    char *error;
    int i;

    error = split_arrow(tok, "value", "field", &value_s, &dst_s);
    if (error) {
        return error;
    }
    error = mf_parse_subfield(dst_s, &dst);
    if (error) {
        free(value_s);
        return tok_wrap(tok, error);
    }
    mf = mf_from_id(dst.field);
    error = check_settable(tok, mf, inside_ct);
    if (!error && dst.n_bits > 64) {
        error = tok_error(tok, "destination is wider than 64 bits");
    }
    if (error) {
        free(value_s);
        return error;
    }
    error = ofp_parse_u64(value_s, "value", &value);
    free(value_s);
    if (error) {
        return tok_wrap(tok, error);
    }
    if (dst.n_bits < 64 && value >> dst.n_bits) {
        return tok_error(tok, "value %"PRIu64" does not fit into %u bits",
                         value, dst.n_bits);
    }
    for (i = 7; i >= 0; i--) {
        bytes[i] = value;
        value >>= 8;
    }
    sf = OFPACT_PUT(buf, OFPACT_SET_FIELD, ofpact_set_field);
    sf->field = dst.field;
    sf->is_load = 1;
    mf_bits_copy(bytes, 8, 0, sf->value.bytes, mf->n_bytes, dst.ofs,
                 dst.n_bits);
    mf_bits_set(sf->mask.bytes, mf->n_bytes, dst.ofs, dst.n_bits);
    if (!mf_is_value_valid(mf, &sf->value)) {
        buf->size -= sf->ofpact.len;
        return tok_error(tok, "value out of range for %s", mf->name);
    }
    return NULL;
}

static char *
parse_move(const struct ofp_token *tok, struct ofpact_buf *buf,
           bool inside_ct)
{
    struct mf_subfield src, dst;
    struct ofpact_reg_move *move;
    const char *dst_s;
    char *src_s;
    char *error;

    error = split_arrow(tok, "source field", "destination field", &src_s,
                        &dst_s);
    if (error) {
        return error;
    }
    error = mf_parse_subfield(src_s, &src);
    free(src_s);
    if (!error) {
        error = mf_parse_subfield(dst_s, &dst);
    }
    if (error) {
        return tok_wrap(tok, error);
    }
    if (inside_ct) {
        return tok_error(tok, "not allowed inside ct(exec(...))");
    }
    error = check_settable(tok, mf_from_id(dst.field), false);
    if (error) {
        return error;
    }
    if (src.n_bits != dst.n_bits) {
        return tok_error(tok, "source field is %u bits wide but "
                         "destination is %u bits wide", src.n_bits,
                         dst.n_bits);
    }
    move = OFPACT_PUT(buf, OFPACT_REG_MOVE, ofpact_reg_move);
    move->src = src;
    move->dst = dst;
    return NULL;
}

/* Parses one IPv4 address of a nat() range, 'len' bytes at 's', into
 * '*addr'. */
static bool
parse_nat_addr(const char *s, size_t len, nfvs_be32 *addr)
{
    char buf[INET_ADDRSTRLEN];
    struct in_addr in;

    if (!len || len >= sizeof buf) {
        return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, &in) != 1) {
        return false;
    }
    *addr = in.s_addr;
    return true;
}

/* Parses one port of a nat() range, 'len' bytes at 's' (1 to 65535). */
static bool
parse_nat_port(const char *s, size_t len, uint16_t *port)
{
    unsigned long value = 0;
    size_t i;

    if (!len || len > 5) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        value = value * 10 + (s[i] - '0');
    }
    if (!value || value > UINT16_MAX) {
        return false;
    }
    *port = value;
    return true;
}

/* Parses "IP[-IP][:PORT[-PORT]]", the range of nat(src=...) or
 * nat(dst=...), into 'ct'.  Returns an error message naming the bad part,
 * or NULL. */
static char *
parse_nat_range(const char *range, struct ofpact_conntrack *ct)
{
    const char *colon = strchr(range, ':');
    const char *addrs_end = colon ? colon : range + strlen(range);
    const char *dash = memchr(range, '-', addrs_end - range);

    if (range[0] == '[' || (colon && strchr(colon + 1, ':'))) {
        return xasprintf("\"%s\": IPv6 NAT is not supported", range);
    }
    if (!parse_nat_addr(range, (dash ? dash : addrs_end) - range,
                        &ct->nat_addr_min)) {
        return xasprintf("\"%.*s\" is not an IPv4 address",
                         (int) ((dash ? dash : addrs_end) - range), range);
    }
    ct->nat_addr_max = ct->nat_addr_min;
    if (dash && !parse_nat_addr(dash + 1, addrs_end - dash - 1,
                                &ct->nat_addr_max)) {
        return xasprintf("\"%.*s\" is not an IPv4 address",
                         (int) (addrs_end - dash - 1), dash + 1);
    }
    if (ntohl(ct->nat_addr_max) < ntohl(ct->nat_addr_min)) {
        return xasprintf("address range \"%.*s\" is reversed",
                         (int) (addrs_end - range), range);
    }
    ct->nat_flags |= NX_NAT_F_RANGE_ADDR;
    if (colon) {
        const char *ports = colon + 1;
        const char *pdash = strchr(ports, '-');
        size_t len = pdash ? (size_t) (pdash - ports) : strlen(ports);

        if (!parse_nat_port(ports, len, &ct->nat_port_min)) {
            return xasprintf("\"%.*s\" is not a port (1 to 65535)",
                             (int) len, ports);
        }
        ct->nat_port_max = ct->nat_port_min;
        if (pdash && !parse_nat_port(pdash + 1, strlen(pdash + 1),
                                     &ct->nat_port_max)) {
            return xasprintf("\"%s\" is not a port (1 to 65535)",
                             pdash + 1);
        }
        if (ct->nat_port_max < ct->nat_port_min) {
            return xasprintf("port range \"%s\" is reversed", ports);
        }
        ct->nat_flags |= NX_NAT_F_RANGE_PORT;
    }
    return NULL;
}

/* Parses the nat argument 'arg' of ct() into 'ct': "nat" alone, or
 * "nat(src[=RANGE])" or "nat(dst[=RANGE])". */
static char *
parse_nat(const struct ofp_token *arg, struct ofpact_conntrack *ct)
{
    const char *s = arg->value;
    struct ofp_token sub;
    char *error = NULL;
    bool have_kind = false;

    ct->nat_flags = NX_NAT_F_NAT;
    if (ofp_token_is_bare(arg)) {
        return NULL;
    }
    if (arg->text[strlen(arg->key)] != '(') {
        return xstrdup("nat takes its arguments in parentheses, as "
                       "nat(src=IP)");
    }
    while (!error && ofp_next_token(&s, &sub, &error)) {
        if (!strcmp(sub.key, "src") || !strcmp(sub.key, "dst")) {
            if (have_kind) {
                error = xasprintf("\"%s\": nat takes one of src and dst, "
                                  "once", sub.text);
            } else {
                have_kind = true;
                ct->nat_flags |= (sub.key[0] == 's' ? NX_NAT_F_SRC
                                  : NX_NAT_F_DST);
                if (!ofp_token_is_bare(&sub)) {
                    error = parse_nat_range(sub.value, ct);
                }
            }
        } else {
            error = xasprintf("\"%s\": unsupported nat argument (nfvs "
                              "knows src and dst)", sub.text);
        }
        ofp_token_uninit(&sub);
    }
    if (!error && !have_kind) {
        error = xstrdup("nat() needs src or dst");
    }
    return error;
}

static char *
parse_ct(const struct ofp_token *tok, struct ofpact_buf *buf)
{
    size_t ct_ofs = buf->size;
    struct ofpact_conntrack *ct;
    const char *s = tok->value;
    bool have_commit = false, have_table = false, have_zone = false;
    struct ofp_token arg;
    bool have_exec = false, have_nat = false;
    char *error = NULL;

    ct = OFPACT_PUT(buf, OFPACT_CT, ofpact_conntrack);
    ct->recirc_table = NX_CT_RECIRC_NONE;
    while (!error && ofp_next_token(&s, &arg, &error)) {
        ct = (struct ofpact_conntrack *) (buf->data + ct_ofs);
        if (have_exec) {
            error = tok_error(tok, "exec() must be the last ct argument");
        } else if ((!strcmp(arg.key, "commit") && have_commit)
                   || (!strcmp(arg.key, "table") && have_table)
                   || (!strcmp(arg.key, "zone") && have_zone)
                   || (!strcmp(arg.key, "nat") && have_nat)) {
            error = tok_error(tok, "%s given twice", arg.key);
        } else if (!strcmp(arg.key, "nat")) {
            have_nat = true;
            error = parse_nat(&arg, ct);
            if (error) {
                error = tok_wrap(tok, error);
            }
        } else if (!strcmp(arg.key, "commit")) {
            have_commit = true;
            if (ofp_token_is_bare(&arg)) {
                ct->flags |= NX_CT_F_COMMIT;
            } else {
                error = tok_error(tok, "commit takes no value");
            }
        } else if (!strcmp(arg.key, "table")) {
            have_table = true;
            error = ofp_parse_u8(arg.value, "table", &ct->recirc_table);
            if (!error && ct->recirc_table == NX_CT_RECIRC_NONE) {
                error = xstrdup("table 255 is not valid");
            }
            if (error) {
                error = tok_wrap(tok, error);
            }
        } else if (!strcmp(arg.key, "zone")) {
            have_zone = true;
            if (!*arg.value) {
                error = xstrdup("zone needs a value");
            } else if (*arg.value >= '0' && *arg.value <= '9') {
                error = ofp_parse_u16(arg.value, "zone", &ct->zone_imm);
                memset(&ct->zone_src, 0, sizeof ct->zone_src);
            } else {
                error = mf_parse_subfield(arg.value, &ct->zone_src);
                if (!error && ct->zone_src.n_bits != 16) {
                    error = xasprintf("zone %s is not 16 bits wide",
                                      arg.value);
                }
                ct->zone_imm = 0;
            }
            if (error) {
                error = tok_wrap(tok, error);
            }
        } else if (!strcmp(arg.key, "exec")) {
            have_exec = true;
            if (arg.text[strlen(arg.key)] != '(') {
                error = tok_error(tok, "exec needs its actions in "
                                  "parentheses, as exec(...)");
            } else {
                error = parse_actions(arg.value, buf, true);
            }
        } else {
            error = tok_error(tok, "unsupported ct argument \"%s\"",
                              arg.text);
        }
        ofp_token_uninit(&arg);
    }
    if (error) {
        buf->size = ct_ofs;
        return error;
    }
    if (buf->size - ct_ofs > UINT16_MAX) {
        buf->size = ct_ofs;
        return tok_error(tok, "exec() actions take more than %d bytes",
                         UINT16_MAX);
    }
    ct = (struct ofpact_conntrack *) (buf->data + ct_ofs);
    if (!(ct->flags & NX_CT_F_COMMIT)
        && ct->nat_flags & (NX_NAT_F_SRC | NX_NAT_F_DST)) {
        buf->size = ct_ofs;
        return tok_error(tok, "nat(src...) and nat(dst...) need commit "
                         "(only a bare nat works without)");
    }
    ct->ofpact.len = buf->size - ct_ofs;
    return NULL;
}

static char *
parse_group(const struct ofp_token *tok, struct ofpact_buf *buf)
{
    uint32_t id;
    char *error;

    error = ofp_parse_u32(tok->value, "group", &id);
    if (error) {
        return tok_wrap(tok, error);
    } else if (id > OFPG_MAX) {
        return tok_error(tok, "group %"PRIu32" is out of range (0 to "
                         "%"PRIu32")", id, (uint32_t) OFPG_MAX);
    }
    OFPACT_PUT(buf, OFPACT_GROUP, ofpact_group)->group_id = id;
    return NULL;
}

/* Parses "meter:N", OpenFlow 1.3's meter instruction, which must come
 * first in the list and only once (as ovs-ofctl requires). */
static char *
parse_meter(const struct ofp_token *tok, const char *arg,
            struct ofpact_buf *buf)
{
    const struct ofpact *first = (const struct ofpact *) buf->data;
    uint64_t id;
    char *error;

    if (buf->size && first->type == OFPACT_METER) {
        return tok_error(tok, "duplicate meter instruction not allowed");
    } else if (buf->size) {
        return tok_error(tok, "meter must be the first action (OpenFlow "
                         "1.3 applies the meter instruction before the "
                         "actions)");
    }
    error = ofp_parse_u64(arg, "meter", &id);
    if (error) {
        return tok_wrap(tok, error);
    } else if (id < 1 || id > OFPM_MAX) {
        return tok_error(tok, "meter %"PRIu64" is out of range (1 to "
                         "%"PRIu32")", id, OFPM_MAX);
    }
    OFPACT_PUT(buf, OFPACT_METER, ofpact_meter)->meter_id = id;
    return NULL;
}

/* Actions that need an argument, and actions that take none. */
static const char *const arg_actions[] = {
    "output", "resubmit", "goto_table", "mod_vlan_vid", "mod_vlan_pcp",
    "push_vlan", "mod_dl_src", "mod_dl_dst", "mod_nw_src", "mod_nw_dst",
    "mod_nw_tos", "mod_tp_src", "mod_tp_dst", "set_field", "load", "move",
    "meter",
    "group",
};
static const char *const bare_actions[] = {
    "drop", "strip_vlan", "pop_vlan", "dec_ttl",
};

static bool
is_one_of(const char *key, const char *const names[], size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!strcasecmp(key, names[i])) {
            return true;
        }
    }
    return false;
}

/* Parses one action token.  Sets '*is_drop' for "drop". */
static char *
parse_action(const struct ofp_token *tok, struct ofpact_buf *buf,
             bool inside_ct, bool *is_drop)
{
    const char *key = tok->key;
    const char *arg = tok->value;
    struct ofpact_vlan_vid *vid;
    uint32_t port;
    uint64_t u64;
    uint16_t u16;
    uint8_t u8;
    char *error;

    if (inside_ct && strcasecmp(key, "set_field")
        && strcasecmp(key, "load")) {
        return tok_error(tok, "not allowed inside ct(exec(...))");
    }
    if (!*arg && is_one_of(key, arg_actions, ARRAY_SIZE(arg_actions))) {
        return tok_error(tok, "%s needs an argument", key);
    } else if (!ofp_token_is_bare(tok)
               && (is_one_of(key, bare_actions, ARRAY_SIZE(bare_actions))
                   || (strcasecmp(key, "controller")
                       && mf_parse_port(key, &port)))) {
        return tok_error(tok, "%s takes no argument", key);
    }

    if (!strcasecmp(key, "set_field")) {
        return parse_set_field(tok, buf, inside_ct);
    } else if (!strcasecmp(key, "load")) {
        return parse_load(tok, buf, inside_ct);
    } else if (!strcasecmp(key, "move")) {
        return parse_move(tok, buf, inside_ct);
    } else if (!strcasecmp(key, "output")) {
        return parse_output_port(tok, arg, buf);
    } else if (!strcasecmp(key, "controller")) {
        return parse_controller(tok, buf);
    } else if (!strcasecmp(key, "drop")) {
        *is_drop = true;
        return NULL;
    } else if (!strcasecmp(key, "resubmit")) {
        return parse_resubmit(tok, buf);
    } else if (!strcasecmp(key, "goto_table")) {
        error = ofp_parse_u64(arg, "table", &u64);
        if (error) {
            return tok_wrap(tok, error);
        } else if (u64 > 254) {
            return tok_error(tok, "table %"PRIu64" is out of range (0 to "
                             "254)", u64);
        }
        OFPACT_PUT(buf, OFPACT_GOTO_TABLE, ofpact_goto_table)->table_id
            = u64;
        return NULL;
    } else if (!strcasecmp(key, "mod_vlan_vid")) {
        error = parse_u16_action(tok, "VLAN VID", &u16);
        if (!error && u16 > VLAN_VID_MASK) {
            error = tok_error(tok, "not a valid VLAN VID");
        }
        if (!error) {
            vid = OFPACT_PUT(buf, OFPACT_SET_VLAN_VID, ofpact_vlan_vid);
            vid->vlan_vid = u16;
        }
        return error;
    } else if (!strcasecmp(key, "mod_vlan_pcp")) {
        error = parse_u8_action(tok, "VLAN PCP", 7, &u8);
        if (!error) {
            OFPACT_PUT(buf, OFPACT_SET_VLAN_PCP, ofpact_vlan_pcp)->vlan_pcp
                = u8;
        }
        return error;
    } else if (!strcasecmp(key, "strip_vlan")
               || !strcasecmp(key, "pop_vlan")) {
        OFPACT_PUT(buf, OFPACT_STRIP_VLAN, ofpact_strip_vlan)->pop_vlan
            = !strcasecmp(key, "pop_vlan");
        return NULL;
    } else if (!strcasecmp(key, "push_vlan")) {
        error = parse_u16_action(tok, "ethertype", &u16);
        if (!error && u16 != ETH_TYPE_VLAN && u16 != ETH_TYPE_VLAN_8021AD) {
            error = tok_error(tok, "not a valid VLAN ethertype");
        }
        if (!error) {
            OFPACT_PUT(buf, OFPACT_PUSH_VLAN, ofpact_push_vlan)->ethertype
                = htons(u16);
        }
        return error;
    } else if (!strcasecmp(key, "mod_dl_src")) {
        return parse_mac(tok, OFPACT_SET_ETH_SRC, buf);
    } else if (!strcasecmp(key, "mod_dl_dst")) {
        return parse_mac(tok, OFPACT_SET_ETH_DST, buf);
    } else if (!strcasecmp(key, "mod_nw_src")) {
        return parse_ipv4(tok, OFPACT_SET_IPV4_SRC, buf);
    } else if (!strcasecmp(key, "mod_nw_dst")) {
        return parse_ipv4(tok, OFPACT_SET_IPV4_DST, buf);
    } else if (!strcasecmp(key, "mod_nw_tos")) {
        error = parse_u8_action(tok, "TOS", 255, &u8);
        if (!error && u8 & 3) {
            error = tok_error(tok, "not a valid TOS");
        }
        if (!error) {
            OFPACT_PUT(buf, OFPACT_SET_IP_DSCP, ofpact_dscp)->dscp = u8;
        }
        return error;
    } else if (!strcasecmp(key, "mod_tp_src")
               || !strcasecmp(key, "mod_tp_dst")) {
        error = parse_u16_action(tok, "port", &u16);
        if (!error) {
            OFPACT_PUT(buf, (!strcasecmp(key, "mod_tp_src")
                             ? OFPACT_SET_L4_SRC_PORT
                             : OFPACT_SET_L4_DST_PORT),
                       ofpact_l4_port)->port = u16;
        }
        return error;
    } else if (!strcasecmp(key, "dec_ttl")) {
        OFPACT_PUT(buf, OFPACT_DEC_TTL, ofpact_null);
        return NULL;
    } else if (!strcasecmp(key, "ct")) {
        return parse_ct(tok, buf);
    } else if (!strcasecmp(key, "meter")) {
        return parse_meter(tok, arg, buf);
    } else if (!strcasecmp(key, "group")) {
        return parse_group(tok, buf);
    } else if (ofp_token_is_bare(tok)
               && mf_parse_port_named(key, buf->port_map, &port)) {
        return parse_output_port(tok, key, buf);
    }
    return tok_error(tok, "unknown action \"%s\"", key);
}

static char *
parse_actions(const char *s, struct ofpact_buf *buf, bool inside_ct)
{
    const struct ofpact *last = NULL;
    char *goto_text = NULL;
    bool drop = false;
    char *error = NULL;
    struct ofp_token tok;

    while (!error && ofp_next_token(&s, &tok, &error)) {
        size_t ofs = buf->size;

        if (goto_text) {
            error = xasprintf("%s: goto_table must be the last action",
                              goto_text);
        } else {
            error = parse_action(&tok, buf, inside_ct, &drop);
        }
        if (!error && buf->n_actions > max_actions) {
            /* Stops at once, however long the rest of the list is. */
            error = xasprintf("too many actions (more than %zu; see "
                              "--max-actions)", max_actions);
        }
        if (!error && buf->size > ofs) {
            last = (const struct ofpact *) (buf->data + ofs);
            if (last->type == OFPACT_GOTO_TABLE) {
                goto_text = xstrdup(tok.text);
            }
        }
        ofp_token_uninit(&tok);
    }
    free(goto_text);
    if (!error && drop && last) {
        error = xstrdup("drop: must not be accompanied by any other "
                        "action");
    }
    return error;
}

char *
ofpacts_parse(const char *s, void **ofpactsp, size_t *sizep)
{
    return ofpacts_parse_names(s, NULL, ofpactsp, sizep);
}

char *
ofpacts_parse_names(const char *s, const struct ofp_port_map *port_map,
                    void **ofpactsp, size_t *sizep)
{
    struct ofpact_buf buf = { NULL, 0, 0, 0, port_map };
    char *error = parse_actions(s, &buf, false);

    if (error || !buf.size) {
        free(buf.data);
        *ofpactsp = NULL;
        *sizep = 0;
    } else {
        *ofpactsp = buf.data;
        *sizep = buf.size;
    }
    return error;
}

/* Formatting. */

static void
format_set_field(const struct ofpact_set_field *sf, struct ds *s)
{
    const struct mf_field *mf = mf_from_id(sf->field);

    if (sf->is_load) {
        unsigned int ofs = 0;

        /* One "load" per contiguous run of mask bits, as OVS prints. */
        while (ofs < mf->n_bits) {
            struct mf_subfield dst;
            uint8_t bytes[8];
            uint64_t value = 0;
            uint8_t probe[1];
            int i;

            memset(probe, 0, sizeof probe);
            mf_bits_copy(sf->mask.bytes, mf->n_bytes, ofs, probe, 1, 0, 1);
            if (!probe[0]) {
                ofs++;
                continue;
            }
            dst.field = sf->field;
            dst.ofs = ofs;
            dst.n_bits = 0;
            do {
                dst.n_bits++;
                ofs++;
                memset(probe, 0, sizeof probe);
                if (ofs < mf->n_bits) {
                    mf_bits_copy(sf->mask.bytes, mf->n_bytes, ofs, probe, 1,
                                 0, 1);
                }
            } while (probe[0] && dst.n_bits < 64);

            memset(bytes, 0, sizeof bytes);
            mf_bits_copy(sf->value.bytes, mf->n_bytes, dst.ofs, bytes, 8, 0,
                         dst.n_bits);
            for (i = 0; i < 8; i++) {
                value = (value << 8) | bytes[i];
            }
            ds_put_format(s, "load:%#"PRIx64"->", value);
            mf_format_subfield(&dst, s);
            ds_put_char(s, ',');
        }
        ds_chomp(s, ',');
    } else if (sf->vlan_field == OFP_SET_VLAN_VID) {
        /* As ovs-ofctl prints it in OpenFlow 1.3: with OFPVID_PRESENT. */
        if (sf->mask.be16 == htons(VLAN_VID_MASK | VLAN_CFI)) {
            ds_put_format(s, "set_field:%"PRIu16"->vlan_vid",
                          ntohs(sf->value.be16));
        } else {
            ds_put_format(s, "set_field:%#"PRIx16"/%#"PRIx16"->vlan_vid",
                          ntohs(sf->value.be16), ntohs(sf->mask.be16));
        }
    } else if (sf->vlan_field == OFP_SET_VLAN_PCP) {
        ds_put_format(s, "set_field:%d->vlan_pcp",
                      (ntohs(sf->value.be16) & VLAN_PCP_MASK)
                      >> VLAN_PCP_SHIFT);
    } else {
        ds_put_cstr(s, "set_field:");
        mf_format(mf, &sf->value, &sf->mask, s);
        ds_put_format(s, "->%s", mf->name);
    }
}

static void
format_resubmit(const struct ofpact_resubmit *r,
                const struct ofp_port_map *map, struct ds *s)
{
    if (r->in_port != OFPP_IN_PORT && r->table_id == 255) {
        ds_put_cstr(s, "resubmit:");
        mf_format_port_named(r->in_port, map, s);
    } else {
        ds_put_cstr(s, "resubmit(");
        if (r->in_port != OFPP_IN_PORT) {
            mf_format_port_named(r->in_port, map, s);
        }
        ds_put_char(s, ',');
        if (r->table_id != 255) {
            ds_put_format(s, "%"PRIu8, r->table_id);
        }
        ds_put_char(s, ')');
    }
}

static void
format_nat(const struct ofpact_conntrack *ct, struct ds *s)
{
    ds_put_cstr(s, "nat");
    if (!(ct->nat_flags & (NX_NAT_F_SRC | NX_NAT_F_DST))) {
        ds_put_char(s, ',');
        return;
    }
    ds_put_format(s, "(%s", ct->nat_flags & NX_NAT_F_SRC ? "src" : "dst");
    if (ct->nat_flags & NX_NAT_F_RANGE_ADDR) {
        char a[INET_ADDRSTRLEN];

        inet_ntop(AF_INET, &ct->nat_addr_min, a, sizeof a);
        ds_put_format(s, "=%s", a);
        if (ct->nat_addr_max != ct->nat_addr_min) {
            inet_ntop(AF_INET, &ct->nat_addr_max, a, sizeof a);
            ds_put_format(s, "-%s", a);
        }
    }
    if (ct->nat_flags & NX_NAT_F_RANGE_PORT) {
        ds_put_format(s, ":%"PRIu16, ct->nat_port_min);
        if (ct->nat_port_max != ct->nat_port_min) {
            ds_put_format(s, "-%"PRIu16, ct->nat_port_max);
        }
    }
    ds_put_cstr(s, "),");
}

static void
format_ct(const struct ofpact_conntrack *ct, struct ds *s)
{
    ds_put_cstr(s, "ct(");
    if (ct->flags & NX_CT_F_COMMIT) {
        ds_put_cstr(s, "commit,");
    }
    if (ct->recirc_table != NX_CT_RECIRC_NONE) {
        ds_put_format(s, "table=%"PRIu8",", ct->recirc_table);
    }
    if (ct->zone_src.n_bits) {
        ds_put_cstr(s, "zone=");
        mf_format_subfield(&ct->zone_src, s);
        ds_put_char(s, ',');
    } else if (ct->zone_imm) {
        ds_put_format(s, "zone=%"PRIu16",", ct->zone_imm);
    }
    if (ct->nat_flags) {
        format_nat(ct, s);
    }
    if (ofpact_ct_actions_size(ct)) {
        ds_put_cstr(s, "exec(");
        ofpacts_format(ofpact_ct_actions(ct), ofpact_ct_actions_size(ct), s);
        ds_put_cstr(s, "),");
    }
    ds_chomp(s, ',');
    ds_put_char(s, ')');
}

static void
format_action(const struct ofpact *a, const struct ofp_port_map *map,
              struct ds *s)
{
    const struct ofpact_output *output;
    const struct ofpact_reg_move *move;

    switch ((enum ofpact_type) a->type) {
    case OFPACT_OUTPUT:
        output = (const struct ofpact_output *) a;
        if (output->port < OFPP_MAX) {
            ds_put_cstr(s, "output:");
        }
        mf_format_port_named(output->port, map, s);
        break;
    case OFPACT_CONTROLLER:
        ds_put_format(s, "CONTROLLER:%"PRIu16,
                      ((const struct ofpact_controller *) a)->max_len);
        break;
    case OFPACT_RESUBMIT:
        format_resubmit((const struct ofpact_resubmit *) a, map, s);
        break;
    case OFPACT_GOTO_TABLE:
        ds_put_format(s, "goto_table:%"PRIu8,
                      ((const struct ofpact_goto_table *) a)->table_id);
        break;
    case OFPACT_SET_VLAN_VID:
        ds_put_format(s, "mod_vlan_vid:%"PRIu16,
                      ((const struct ofpact_vlan_vid *) a)->vlan_vid);
        break;
    case OFPACT_SET_VLAN_PCP:
        ds_put_format(s, "mod_vlan_pcp:%"PRIu8,
                      ((const struct ofpact_vlan_pcp *) a)->vlan_pcp);
        break;
    case OFPACT_STRIP_VLAN:
        ds_put_cstr(s, (((const struct ofpact_strip_vlan *) a)->pop_vlan
                        ? "pop_vlan" : "strip_vlan"));
        break;
    case OFPACT_PUSH_VLAN:
        ds_put_format(s, "push_vlan:%#"PRIx16, ntohs(
                          ((const struct ofpact_push_vlan *) a)->ethertype));
        break;
    case OFPACT_SET_ETH_SRC:
    case OFPACT_SET_ETH_DST:
        ds_put_format(s, "%s:"ETH_ADDR_FMT, ofpact_name(a->type),
                      ETH_ADDR_ARGS(((const struct ofpact_mac *) a)->mac));
        break;
    case OFPACT_SET_IPV4_SRC:
    case OFPACT_SET_IPV4_DST:
        ds_put_format(s, "%s:", ofpact_name(a->type));
        mf_format_ipv4_masked(((const struct ofpact_ipv4 *) a)->ipv4,
                              htonl(UINT32_MAX), s);
        break;
    case OFPACT_SET_IP_DSCP:
        ds_put_format(s, "mod_nw_tos:%"PRIu8,
                      ((const struct ofpact_dscp *) a)->dscp);
        break;
    case OFPACT_SET_L4_SRC_PORT:
    case OFPACT_SET_L4_DST_PORT:
        ds_put_format(s, "%s:%"PRIu16, ofpact_name(a->type),
                      ((const struct ofpact_l4_port *) a)->port);
        break;
    case OFPACT_DEC_TTL:
        ds_put_cstr(s, "dec_ttl");
        break;
    case OFPACT_SET_FIELD:
        format_set_field((const struct ofpact_set_field *) a, s);
        break;
    case OFPACT_REG_MOVE:
        move = (const struct ofpact_reg_move *) a;
        ds_put_cstr(s, "move:");
        mf_format_subfield(&move->src, s);
        ds_put_cstr(s, "->");
        mf_format_subfield(&move->dst, s);
        break;
    case OFPACT_CT:
        format_ct((const struct ofpact_conntrack *) a, s);
        break;
    case OFPACT_GROUP:
        ds_put_format(s, "group:%"PRIu32,
                      ((const struct ofpact_group *) a)->group_id);
        break;
    case OFPACT_METER:
        ds_put_format(s, "meter:%"PRIu32,
                      ((const struct ofpact_meter *) a)->meter_id);
        break;
    }
}

void
ofpacts_format(const void *ofpacts, size_t size, struct ds *s)
{
    ofpacts_format_names(ofpacts, size, NULL, s);
}

void
ofpacts_format_names(const void *ofpacts, size_t size,
                     const struct ofp_port_map *map, struct ds *s)
{
    const struct ofpact *a;

    if (!size) {
        ds_put_cstr(s, "drop");
        return;
    }
    OFPACT_FOR_EACH (a, ofpacts, size) {
        if (a != ofpacts) {
            ds_put_char(s, ',');
        }
        format_action(a, map, s);
    }
}

/* Checking. */

/* Returns "ACTION: message" with the action as printed. */
static char * NFVS_PRINTF_FORMAT(2, 3)
action_error(const struct ofpact *a, const char *format, ...)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    va_list args;

    format_action(a, NULL, &s);
    ds_put_cstr(&s, ": ");
    va_start(args, format);
    ds_put_format_valist(&s, format, args);
    va_end(args);
    return ds_steal_cstr(&s);
}

static char *
check_field(const struct ofpact *a, const struct mf_field *mf,
            const struct match *match)
{
    if (!mf_are_prereqs_ok(mf->prereqs, match)) {
        return action_error(a, "field %s requires %s in the match",
                            mf->name, mf_prereqs_to_string(mf->prereqs));
    }
    return NULL;
}

/* Updates '*tagged', whether the packet has a VLAN tag, for what action
 * 'a' does to the tag. */
static void
track_vlan(const struct ofpact *a, bool *tagged)
{
    const struct ofpact_set_field *sf;

    switch ((enum ofpact_type) a->type) {
    case OFPACT_PUSH_VLAN:
    case OFPACT_SET_VLAN_VID:
    case OFPACT_SET_VLAN_PCP:
        *tagged = true;
        break;
    case OFPACT_STRIP_VLAN:
        *tagged = false;
        break;
    case OFPACT_SET_FIELD:
        sf = (const struct ofpact_set_field *) a;
        if (sf->field == MFF_VLAN_TCI && sf->mask.be16 & htons(VLAN_CFI)) {
            *tagged = (sf->value.be16 & htons(VLAN_CFI)) != 0;
        }
        break;
    default:
        break;
    }
}

static char *
check_action(const struct ofpact *a, const struct match *match)
{
    const struct ofpact_conntrack *ct;
    const struct ofpact_reg_move *move;
    char *error;

    switch ((enum ofpact_type) a->type) {
    case OFPACT_SET_IPV4_SRC:
    case OFPACT_SET_IPV4_DST:
    case OFPACT_SET_IP_DSCP:
    case OFPACT_DEC_TTL:
    case OFPACT_SET_L4_SRC_PORT:
    case OFPACT_SET_L4_DST_PORT:
        /* OpenFlow 1.0 actions, which ovs-ofctl accepts without the
         * protocol in the match: they change only packets that have the
         * header (see xlate.c).  OpenFlow 1.1+ would reject them. */
        break;
    case OFPACT_SET_FIELD:
        /* vlan_vid and vlan_pcp: ofpacts_check() checks for the tag. */
        return check_field(a, mf_from_id(
                               ((const struct ofpact_set_field *) a)->field),
                           match);
    case OFPACT_REG_MOVE:
        move = (const struct ofpact_reg_move *) a;
        error = check_field(a, mf_from_id(move->src.field), match);
        return error ? error : check_field(a, mf_from_id(move->dst.field),
                                           match);
    case OFPACT_CT:
        ct = (const struct ofpact_conntrack *) a;
        if (!mf_are_prereqs_ok(MFP_IP_ANY, match)) {
            return action_error(a, "action requires ip or ipv6 in the "
                                "match");
        }
        if (ct->flags & NX_CT_F_COMMIT
            && match->wc.masks.ct_state & CS_INVALID
            && match->flow.ct_state & CS_INVALID) {
            return action_error(a, "cannot commit an invalid connection "
                                "(the match has ct_state=+inv)");
        }
        if (ct->nat_flags & NX_NAT_F_RANGE_ADDR
            && !mf_are_prereqs_ok(MFP_IPV4, match)) {
            return action_error(a, "nat with an IPv4 range requires ip in "
                                "the match");
        }
        return ofpacts_check(ofpact_ct_actions(ct),
                             ofpact_ct_actions_size(ct), match);
    case OFPACT_OUTPUT:
    case OFPACT_CONTROLLER:
    case OFPACT_RESUBMIT:
    case OFPACT_GOTO_TABLE:
    case OFPACT_SET_VLAN_VID:
    case OFPACT_METER:
    case OFPACT_SET_VLAN_PCP:
    case OFPACT_STRIP_VLAN:
    case OFPACT_PUSH_VLAN:
    case OFPACT_SET_ETH_SRC:
    case OFPACT_SET_ETH_DST:
    case OFPACT_GROUP:
        break;
    }
    return NULL;
}

char *
ofpacts_check(const void *ofpacts, size_t size, const struct match *match)
{
    bool tagged = (match->wc.masks.vlan_tci & htons(VLAN_CFI)
                   && match->flow.vlan_tci & htons(VLAN_CFI));
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, ofpacts, size) {
        const struct ofpact_set_field *sf = (const void *) a;
        char *error;

        if (a->type == OFPACT_SET_FIELD && sf->vlan_field && !tagged) {
            return action_error(a, "%s needs a VLAN tag: match one "
                                "(dl_vlan, vlan_tci=0x1000/0x1000) or "
                                "push_vlan before it",
                                (sf->vlan_field == OFP_SET_VLAN_VID
                                 ? "vlan_vid" : "vlan_pcp"));
        }
        error = check_action(a, match);
        if (error) {
            return error;
        }
        track_vlan(a, &tagged);
    }
    return NULL;
}

char *
ofpacts_check_table(const void *ofpacts, size_t size, uint8_t table_id)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, ofpacts, size) {
        const struct ofpact_goto_table *go;

        if (a->type != OFPACT_GOTO_TABLE) {
            continue;
        }
        go = (const struct ofpact_goto_table *) a;
        if (table_id == 255) {
            return action_error(a, "goto_table needs the flow's table "
                                "(table=N): it may only go to a later "
                                "table");
        } else if (go->table_id <= table_id) {
            return action_error(a, "goto_table may only go to a later "
                                "table than the flow's (table %"PRIu8")",
                                table_id);
        }
    }
    return NULL;
}

char *
ofpacts_check_supported(const void *ofpacts, size_t size)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, ofpacts, size) {
        if (a->type == OFPACT_CONTROLLER) {
            return action_error(a, "action not supported");
        }
    }
    return NULL;
}

uint32_t
ofpacts_get_meter(const void *ofpacts, size_t size)
{
    const struct ofpact *a = ofpacts;

    return (size && a->type == OFPACT_METER
            ? ((const struct ofpact_meter *) a)->meter_id : 0);
}

bool
ofpacts_equal(const void *a, size_t a_size, const void *b, size_t b_size)
{
    return a_size == b_size && (!a_size || !memcmp(a, b, a_size));
}
