#include <config.h>
#include "ofp-flow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dynamic-string.h"
#include "meta-flow.h"
#include "ofp-actions.h"
#include "ofp-parse.h"
#include "util.h"

/* Match formatting, in the order and forms of OVS's match_format(). */

static void
format_u32_masked(struct ds *s, const char *name, uint32_t value,
                  uint32_t mask)
{
    if (mask) {
        ds_put_format(s, "%s=%#"PRIx32, name, value);
        if (mask != UINT32_MAX) {
            ds_put_format(s, "/%#"PRIx32, mask);
        }
        ds_put_char(s, ',');
    }
}

static void
format_be16_masked(struct ds *s, const char *name, nfvs_be16 value,
                   nfvs_be16 mask)
{
    if (mask) {
        if (mask == htons(0xffff)) {
            ds_put_format(s, "%s=%"PRIu16",", name, ntohs(value));
        } else {
            ds_put_format(s, "%s=0x%"PRIx16"/0x%"PRIx16",", name,
                          ntohs(value), ntohs(mask));
        }
    }
}

static void
format_eth(struct ds *s, const char *name, struct eth_addr value,
           struct eth_addr mask)
{
    if (!eth_addr_is_zero(mask)) {
        ds_put_format(s, "%s=", name);
        mf_format_eth_masked(value, &mask, s);
        ds_put_char(s, ',');
    }
}

static void
format_ipv4(struct ds *s, const char *name, nfvs_be32 value, nfvs_be32 mask)
{
    if (mask) {
        ds_put_format(s, "%s=", name);
        mf_format_ipv4_masked(value, mask, s);
        ds_put_char(s, ',');
    }
}

static void
format_ipv6(struct ds *s, const char *name, const struct in6_addr *value,
            const struct in6_addr *mask)
{
    static const struct in6_addr zero;

    if (memcmp(mask, &zero, sizeof zero)) {
        ds_put_format(s, "%s=", name);
        mf_format_ipv6_masked(value, mask, s);
        ds_put_char(s, ',');
    }
}

/* Appends the shorthand for the match's dl_type and nw_proto, if there is
 * one.  Sets '*skip_type' and '*skip_proto' when it covers them. */
static void
format_shorthand(const struct match *match, struct ds *s, bool *skip_type,
                 bool *skip_proto)
{
    const struct flow *f = &match->flow;
    const struct flow_wildcards *wc = &match->wc;
    const char *proto = NULL;

    *skip_type = *skip_proto = false;
    if (!wc->masks.dl_type) {
        return;
    }
    if (f->dl_type == htons(ETH_TYPE_IP)) {
        if (wc->masks.nw_proto) {
            proto = (f->nw_proto == IPPROTO_ICMP ? "icmp"
                     : f->nw_proto == IPPROTO_TCP ? "tcp"
                     : f->nw_proto == IPPROTO_UDP ? "udp"
                     : f->nw_proto == IPPROTO_SCTP ? "sctp" : NULL);
        }
        ds_put_format(s, "%s,", proto ? proto : "ip");
    } else if (f->dl_type == htons(ETH_TYPE_IPV6)) {
        if (wc->masks.nw_proto) {
            proto = (f->nw_proto == IPPROTO_ICMPV6 ? "icmp6"
                     : f->nw_proto == IPPROTO_TCP ? "tcp6"
                     : f->nw_proto == IPPROTO_UDP ? "udp6"
                     : f->nw_proto == IPPROTO_SCTP ? "sctp6" : NULL);
        }
        ds_put_format(s, "%s,", proto ? proto : "ipv6");
    } else if (f->dl_type == htons(ETH_TYPE_ARP)) {
        ds_put_cstr(s, "arp,");
    } else {
        return;
    }
    *skip_type = true;
    *skip_proto = proto != NULL;
}

static void
format_vlan(const struct match *match, struct ds *s)
{
    nfvs_be16 tci = match->flow.vlan_tci;
    nfvs_be16 mask = match->wc.masks.vlan_tci;
    nfvs_be16 vid_mask = mask & htons(VLAN_VID_MASK);
    nfvs_be16 pcp_mask = mask & htons(VLAN_PCP_MASK);

    if (!mask) {
        return;
    }
    if (mask & tci & htons(VLAN_CFI)
        && (!vid_mask || vid_mask == htons(VLAN_VID_MASK))
        && (!pcp_mask || pcp_mask == htons(VLAN_PCP_MASK))
        && (vid_mask || pcp_mask)) {
        if (vid_mask) {
            ds_put_format(s, "dl_vlan=%d,", ntohs(tci) & VLAN_VID_MASK);
        }
        if (pcp_mask) {
            ds_put_format(s, "dl_vlan_pcp=%d,",
                          ntohs(tci) >> VLAN_PCP_SHIFT);
        }
    } else if (mask == htons(0xffff)) {
        ds_put_format(s, "vlan_tci=0x%04"PRIx16",", ntohs(tci));
    } else {
        ds_put_format(s, "vlan_tci=0x%04"PRIx16"/0x%04"PRIx16",",
                      ntohs(tci), ntohs(mask));
    }
}

static void
format_frag(const struct match *match, struct ds *s)
{
    uint8_t frag = match->flow.nw_frag;

    switch (match->wc.masks.nw_frag & FLOW_NW_FRAG_MASK) {
    case FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER:
        ds_put_format(s, "nw_frag=%s,",
                      frag & FLOW_NW_FRAG_ANY
                      ? (frag & FLOW_NW_FRAG_LATER ? "later" : "first")
                      : (frag & FLOW_NW_FRAG_LATER ? "<error>" : "no"));
        break;
    case FLOW_NW_FRAG_ANY:
        ds_put_format(s, "nw_frag=%s,",
                      frag & FLOW_NW_FRAG_ANY ? "yes" : "no");
        break;
    case FLOW_NW_FRAG_LATER:
        ds_put_format(s, "nw_frag=%s,",
                      frag & FLOW_NW_FRAG_LATER ? "later" : "not_later");
        break;
    }
}

void
match_format(const struct match *match, int priority, struct ds *s)
{
    match_format_names(match, priority, NULL, s);
}

void
match_format_names(const struct match *match, int priority,
                   const struct ofp_port_map *port_map, struct ds *s)
{
    const struct flow_wildcards *wc = &match->wc;
    const struct flow *f = &match->flow;
    size_t start_len = s->length;
    bool is_arp = f->dl_type == htons(ETH_TYPE_ARP);
    bool skip_type, skip_proto;
    int i;

    if (priority != OFP_DEFAULT_PRIORITY) {
        ds_put_format(s, "priority=%d,", priority);
    }
    if (wc->masks.ct_state) {
        ds_put_cstr(s, "ct_state=");
        if (wc->masks.ct_state == UINT8_MAX) {
            mf_format_flags(s, mf_ct_state_bit_to_string, f->ct_state);
        } else {
            mf_format_flags_masked(s, mf_ct_state_bit_to_string,
                                   f->ct_state, wc->masks.ct_state,
                                   UINT8_MAX);
        }
        ds_put_char(s, ',');
    }
    if (wc->masks.ct_zone) {
        if (wc->masks.ct_zone == UINT16_MAX) {
            ds_put_format(s, "ct_zone=%"PRIu16",", f->ct_zone);
        } else {
            ds_put_format(s, "ct_zone=0x%"PRIx16"/0x%"PRIx16",", f->ct_zone,
                          wc->masks.ct_zone);
        }
    }
    format_u32_masked(s, "ct_mark", f->ct_mark, wc->masks.ct_mark);
    format_ipv4(s, "ct_nw_src", f->ct_nw_src, wc->masks.ct_nw_src);
    format_ipv4(s, "ct_nw_dst", f->ct_nw_dst, wc->masks.ct_nw_dst);
    if (wc->masks.ct_nw_proto) {
        ds_put_format(s, "ct_nw_proto=%"PRIu8",", f->ct_nw_proto);
    }
    format_be16_masked(s, "ct_tp_src", f->ct_tp_src, wc->masks.ct_tp_src);
    format_be16_masked(s, "ct_tp_dst", f->ct_tp_dst, wc->masks.ct_tp_dst);

    format_shorthand(match, s, &skip_type, &skip_proto);
    for (i = 0; i < FLOW_N_REGS; i++) {
        char name[16];

        snprintf(name, sizeof name, "reg%d", i);
        format_u32_masked(s, name, f->regs[i], wc->masks.regs[i]);
    }
    if (wc->masks.metadata) {
        ds_put_format(s, "metadata=%#"PRIx64, f->metadata);
        if (wc->masks.metadata != UINT64_MAX) {
            ds_put_format(s, "/%#"PRIx64, wc->masks.metadata);
        }
        ds_put_char(s, ',');
    }
    if (wc->masks.in_port) {
        ds_put_cstr(s, "in_port=");
        mf_format_port_named(f->in_port, port_map, s);
        ds_put_char(s, ',');
    }
    format_vlan(match, s);
    format_eth(s, "dl_src", f->dl_src, wc->masks.dl_src);
    format_eth(s, "dl_dst", f->dl_dst, wc->masks.dl_dst);
    if (!skip_type && wc->masks.dl_type) {
        ds_put_format(s, "dl_type=0x%04"PRIx16",", ntohs(f->dl_type));
    }
    if (f->dl_type == htons(ETH_TYPE_IPV6)) {
        format_ipv6(s, "ipv6_src", &f->ipv6_src, &wc->masks.ipv6_src);
        format_ipv6(s, "ipv6_dst", &f->ipv6_dst, &wc->masks.ipv6_dst);
        if (wc->masks.ipv6_label) {
            ds_put_format(s, "ipv6_label=0x%05"PRIx32, ntohl(f->ipv6_label));
            if (wc->masks.ipv6_label != htonl(0xfffff)) {
                ds_put_format(s, "/0x%05"PRIx32,
                              ntohl(wc->masks.ipv6_label));
            }
            ds_put_char(s, ',');
        }
    } else if (is_arp) {
        format_ipv4(s, "arp_spa", f->nw_src, wc->masks.nw_src);
        format_ipv4(s, "arp_tpa", f->nw_dst, wc->masks.nw_dst);
    } else {
        format_ipv4(s, "nw_src", f->nw_src, wc->masks.nw_src);
        format_ipv4(s, "nw_dst", f->nw_dst, wc->masks.nw_dst);
    }
    if (!skip_proto && wc->masks.nw_proto) {
        ds_put_format(s, "%s=%"PRIu8",", is_arp ? "arp_op" : "nw_proto",
                      f->nw_proto);
    }
    if (is_arp) {
        format_eth(s, "arp_sha", f->arp_sha, wc->masks.arp_sha);
        format_eth(s, "arp_tha", f->arp_tha, wc->masks.arp_tha);
    }
    if (wc->masks.nw_tos & 0xfc) {
        ds_put_format(s, "nw_tos=%d,", f->nw_tos & 0xfc);
    }
    if (wc->masks.nw_tos & 0x03) {
        ds_put_format(s, "nw_ecn=%d,", f->nw_tos & 0x03);
    }
    if (wc->masks.nw_ttl) {
        ds_put_format(s, "nw_ttl=%d,", f->nw_ttl);
    }
    format_frag(match, s);
    if ((f->dl_type == htons(ETH_TYPE_IP) && f->nw_proto == IPPROTO_ICMP)
        || (f->dl_type == htons(ETH_TYPE_IPV6)
            && f->nw_proto == IPPROTO_ICMPV6)) {
        format_be16_masked(s, "icmp_type", f->tp_src, wc->masks.tp_src);
        format_be16_masked(s, "icmp_code", f->tp_dst, wc->masks.tp_dst);
        if (f->dl_type == htons(ETH_TYPE_IPV6)) {
            format_ipv6(s, "nd_target", &f->nd_target,
                        &wc->masks.nd_target);
            format_eth(s, "nd_sll", f->arp_sha, wc->masks.arp_sha);
            format_eth(s, "nd_tll", f->arp_tha, wc->masks.arp_tha);
        }
    } else {
        format_be16_masked(s, "tp_src", f->tp_src, wc->masks.tp_src);
        format_be16_masked(s, "tp_dst", f->tp_dst, wc->masks.tp_dst);
    }
    if ((f->dl_type == htons(ETH_TYPE_IP)
         || f->dl_type == htons(ETH_TYPE_IPV6))
        && f->nw_proto == IPPROTO_TCP && wc->masks.tcp_flags) {
        ds_put_cstr(s, "tcp_flags=");
        mf_format_flags_masked(s, mf_tcp_flag_bit_to_string,
                               ntohs(f->tcp_flags),
                               ntohs(wc->masks.tcp_flags) & 0x0fff, 0x0fff);
        ds_put_char(s, ',');
    }

    if (s->length > start_len) {
        ds_chomp(s, ',');
    }
}

/* Rule lines. */

static void
format_duration(struct ds *s, long long int msec)
{
    ds_put_format(s, "%lld", msec / 1000);
    if (msec % 1000) {
        ds_put_format(s, ".%03lld", msec % 1000);
    }
    ds_put_char(s, 's');
}

void
ofp_flow_format(const struct ofp_flow_desc *fd,
                const struct ofp_flow_stats *stats, struct ds *s)
{
    ofp_flow_format_names(fd, stats, NULL, s);
}

void
ofp_flow_format_names(const struct ofp_flow_desc *fd,
                      const struct ofp_flow_stats *stats,
                      const struct ofp_port_map *port_map, struct ds *s)
{
    size_t length;

    if (stats || fd->cookie) {
        ds_put_format(s, "cookie=0x%"PRIx64", ", fd->cookie);
    }
    if (stats) {
        ds_put_cstr(s, "duration=");
        format_duration(s, stats->duration_msec);
        ds_put_cstr(s, ", ");
    }
    if (stats || fd->table_id) {
        ds_put_format(s, "table=%"PRIu8", ", fd->table_id);
    }
    if (stats) {
        ds_put_format(s, "n_packets=%"PRIu64", n_bytes=%"PRIu64", ",
                      stats->n_packets, stats->n_bytes);
    }
    if (fd->idle_timeout) {
        ds_put_format(s, "idle_timeout=%"PRIu16", ", fd->idle_timeout);
    }
    if (fd->hard_timeout) {
        ds_put_format(s, "hard_timeout=%"PRIu16", ", fd->hard_timeout);
    }
    if (stats && stats->idle_age >= 0) {
        ds_put_format(s, "idle_age=%d, ", stats->idle_age);
    }

    length = s->length;
    match_format_names(fd->match, fd->priority, port_map, s);
    if (s->length != length) {
        ds_put_char(s, ' ');
    }
    ds_put_cstr(s, "actions=");
    ofpacts_format_names(fd->ofpacts, fd->ofpacts_size, port_map, s);
}

/* Parsing. */

struct protocol {
    const char *name;           /* Shorthand. */
    uint16_t dl_type;           /* Ethertype it implies. */
    uint8_t nw_proto;           /* IP protocol it implies, or 0. */
};

static const struct protocol protocols[] = {
    { "ip", ETH_TYPE_IP, 0 },
    { "ipv6", ETH_TYPE_IPV6, 0 },
    { "icmp", ETH_TYPE_IP, IPPROTO_ICMP },
    { "icmp6", ETH_TYPE_IPV6, IPPROTO_ICMPV6 },
    { "tcp", ETH_TYPE_IP, IPPROTO_TCP },
    { "tcp6", ETH_TYPE_IPV6, IPPROTO_TCP },
    { "udp", ETH_TYPE_IP, IPPROTO_UDP },
    { "udp6", ETH_TYPE_IPV6, IPPROTO_UDP },
    { "sctp", ETH_TYPE_IP, IPPROTO_SCTP },
    { "sctp6", ETH_TYPE_IPV6, IPPROTO_SCTP },
    { "arp", ETH_TYPE_ARP, 0 },
};

static const struct protocol *
protocol_from_name(const char *name)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(protocols); i++) {
        if (!strcmp(name, protocols[i].name)) {
            return &protocols[i];
        }
    }
    return NULL;
}

/* A match field as given, kept to check prerequisites once the whole
 * match is known (OVS accepts "tp_dst=80,tcp" as well as "tcp,tp_dst=80"). */
struct field_use {
    char *text;                 /* The token, for error messages. */
    enum mf_prereqs prereqs;    /* What it needs. */
};

/* A match token already read, kept to refuse a field given twice. */
struct given {
    char *text;                 /* The token, for error messages. */
    const struct mf_field *mf;  /* Its field, or NULL for a shorthand. */
    struct flow bits;           /* The bits of 'struct flow' it sets. */
};

/* Flow options that may each be given once. */
enum keyword {
    KW_TABLE,
    KW_PRIORITY,
    KW_COOKIE,                  /* cookie=V (to set). */
    KW_COOKIE_MASK,             /* cookie=V/M (to select). */
    KW_IDLE_TIMEOUT,
    KW_HARD_TIMEOUT,
    KW_OUT_PORT,
    N_KEYWORDS
};

/* What flow_mod_spec_parse() keeps while it reads the match part. */
struct match_parser {
    struct field_use *uses;     /* Fields whose prerequisites to check. */
    size_t n_uses;              /* Number of 'uses'. */
    struct given *given;        /* Fields and shorthands read so far. */
    size_t n_given, allocated;  /* In use and allocated in 'given'. */
    struct flow taken;          /* Union of the 'bits' in 'given'. */
    char *keywords[N_KEYWORDS]; /* Flow option tokens read, or NULL. */
    const struct ofp_port_map *port_map; /* Port names, or NULL. */
};

static char *
token_error(const struct ofp_token *tok, char *error)
{
    char *s = xasprintf("%s: %s", tok->text, error);

    free(error);
    return s;
}

static bool
is_modify(enum flow_mod_command command)
{
    return command == FLOW_MOD_MODIFY || command == FLOW_MOD_MODIFY_STRICT;
}

static bool
is_delete(enum flow_mod_command command)
{
    return command == FLOW_MOD_DELETE || command == FLOW_MOD_DELETE_STRICT;
}

static char *
parse_cookie(struct flow_mod_spec *spec, const struct ofp_token *tok)
{
    const char *slash = strchr(tok->value, '/');
    char *error;

    if (slash) {
        char *value = xmemdup0(tok->value, slash - tok->value);

        if (spec->command == FLOW_MOD_ADD) {
            free(value);
            return xasprintf("%s: flow additions cannot use a cookie mask",
                             tok->text);
        }
        error = ofp_parse_u64(value, "cookie", &spec->cookie);
        free(value);
        if (!error) {
            error = ofp_parse_u64(slash + 1, "cookie mask",
                                  &spec->cookie_mask);
        }
        spec->cookie &= spec->cookie_mask;
    } else if (is_delete(spec->command)) {
        return xasprintf("%s: cannot set cookie (use cookie=VALUE/MASK to "
                         "select flows by cookie)", tok->text);
    } else if (is_modify(spec->command)) {
        error = ofp_parse_u64(tok->value, "cookie", &spec->new_cookie);
        spec->modify_cookie = !error;
    } else {
        error = ofp_parse_u64(tok->value, "cookie", &spec->cookie);
    }
    return error ? token_error(tok, error) : NULL;
}

/* Handles a token that is not a match field.  Returns true if it was one
 * of the non-field keywords, with '*errorp' set on error. */
static bool
parse_keyword(struct flow_mod_spec *spec, const struct ofp_token *tok,
              struct match_parser *mp, char **errorp)
{
    const char *key = tok->key;
    bool is_add = spec->command == FLOW_MOD_ADD;
    enum keyword kw;
    char *error = NULL;

    *errorp = NULL;
    kw = (!strcmp(key, "table") ? KW_TABLE
          : !strcmp(key, "priority") ? KW_PRIORITY
          : !strcmp(key, "cookie") ? (strchr(tok->value, '/')
                                      ? KW_COOKIE_MASK : KW_COOKIE)
          : !strcmp(key, "idle_timeout") ? KW_IDLE_TIMEOUT
          : !strcmp(key, "hard_timeout") ? KW_HARD_TIMEOUT
          : !strcmp(key, "out_port") ? KW_OUT_PORT
          : N_KEYWORDS);
    if (kw != N_KEYWORDS) {
        if (mp->keywords[kw]) {
            *errorp = xasprintf("%s: given twice (first as %s)", tok->text,
                                mp->keywords[kw]);
            return true;
        }
        mp->keywords[kw] = xstrdup(tok->text);
    }

    if (!strcmp(key, "table")) {
        error = ofp_parse_u8(tok->value, "table", &spec->table_id);
        if (!error && is_add && spec->table_id == 255) {
            error = xstrdup("table 255 is not valid for adding a flow");
        }
    } else if (!strcmp(key, "priority")) {
        error = ofp_parse_u16(tok->value, "priority", &spec->priority);
    } else if (!strcmp(key, "cookie")) {
        *errorp = parse_cookie(spec, tok);
        return true;
    } else if (!strcmp(key, "idle_timeout") || !strcmp(key, "hard_timeout")) {
        if (is_delete(spec->command)) {
            error = xstrdup("timeouts are not allowed when deleting flows");
        } else {
            error = ofp_parse_u16(tok->value, key, (key[0] == 'i'
                                                    ? &spec->idle_timeout
                                                    : &spec->hard_timeout));
        }
    } else if (!strcmp(key, "out_port")) {
        if (is_add) {
            error = xstrdup("out_port is only allowed when modifying or "
                            "deleting flows");
        } else if (!*tok->value) {
            error = xstrdup("out_port needs a value");
        } else if (!mf_parse_port_named(tok->value, mp->port_map,
                                        &spec->out_port)) {
            error = xasprintf("invalid port \"%s\"", tok->value);
        }
    } else if (!strcmp(key, "duration") || !strcmp(key, "n_packets")
               || !strcmp(key, "n_bytes") || !strcmp(key, "idle_age")
               || !strcmp(key, "hard_age")) {
        /* Ignored, so that dump-flows output can be fed back. */
    } else {
        return false;
    }
    if (error) {
        *errorp = token_error(tok, error);
    }
    return true;
}

static bool
bits_overlap(const struct flow *a, const struct flow *b)
{
    const uint64_t *x = flow_u64s(a);
    const uint64_t *y = flow_u64s(b);
    size_t i;

    for (i = 0; i < FLOW_U64S; i++) {
        if (x[i] & y[i]) {
            return true;
        }
    }
    return false;
}

/* True if matches 'a' and 'b' have the same values and masks in the bits
 * that are 1 in both 'bits1' and 'bits2'. */
static bool
matches_agree(const struct match *a, const struct match *b,
              const struct flow *bits1, const struct flow *bits2)
{
    const uint64_t *av = flow_u64s(&a->flow);
    const uint64_t *am = flow_u64s(&a->wc.masks);
    const uint64_t *bv = flow_u64s(&b->flow);
    const uint64_t *bm = flow_u64s(&b->wc.masks);
    const uint64_t *x = flow_u64s(bits1);
    const uint64_t *y = flow_u64s(bits2);
    size_t i;

    for (i = 0; i < FLOW_U64S; i++) {
        uint64_t both = x[i] & y[i];

        if ((av[i] ^ bv[i]) & both || (am[i] ^ bm[i]) & both) {
            return false;
        }
    }
    return true;
}

/* Applies match token 'tok' (field 'mf', or shorthand if 'mf' is NULL),
 * whose effect on the match is 'new' and which sets 'bits', to 'spec'.
 * Refuses it if it sets bits that an earlier field set, or contradicts
 * an earlier shorthand or what a shorthand implies: a shorthand may only
 * restate compatibly what another token says ("ip,dl_type=0x0800",
 * "ip,tcp"). */
static char *
match_add(struct flow_mod_spec *spec, struct match_parser *mp,
          const struct ofp_token *tok, const struct mf_field *mf,
          const struct match *new, const struct flow *bits)
{
    const uint64_t *b = flow_u64s(bits);
    uint64_t *taken = (uint64_t *) &mp->taken;
    struct given *g;
    bool adds;
    size_t i;

    for (i = 0; i < mp->n_given; i++) {
        g = &mp->given[i];
        if (!bits_overlap(&g->bits, bits)) {
            continue;
        } else if (mf && g->mf) {
            return (g->mf == mf
                    ? xasprintf("%s: field given twice (first as %s)",
                                tok->text, g->text)
                    : xasprintf("%s: overlaps %s", tok->text, g->text));
        } else if (!matches_agree(&spec->match, new, &g->bits, bits)) {
            return xasprintf("%s: contradicts %s", tok->text, g->text);
        }
    }
    spec->match = *new;

    /* Fields given do not overlap one another, and a shorthand is kept
     * only if it sets bits no earlier token did, so 'given' stays short
     * however long the line. */
    adds = false;
    for (i = 0; i < FLOW_U64S; i++) {
        adds |= (b[i] & ~taken[i]) != 0;
        taken[i] |= b[i];
    }
    if (!mf && !adds) {
        return NULL;
    }
    if (mp->n_given >= mp->allocated) {
        mp->allocated = mp->allocated ? 2 * mp->allocated : 8;
        mp->given = xrealloc(mp->given, mp->allocated * sizeof *mp->given);
    }
    g = &mp->given[mp->n_given++];
    g->text = xstrdup(tok->text);
    g->mf = mf;
    g->bits = *bits;
    return NULL;
}

static char *
parse_match_token(struct flow_mod_spec *spec, const struct ofp_token *tok,
                  struct match_parser *mp)
{
    const struct protocol *p = protocol_from_name(tok->key);
    const struct mf_field *mf;
    enum mf_prereqs prereqs;
    union mf_value value, mask;
    struct match new;
    struct flow bits;
    char *error;

    new = spec->match;
    memset(&bits, 0, sizeof bits);
    if (p) {
        if (!ofp_token_is_bare(tok)) {
            return xasprintf("%s: %s takes no value", tok->text, tok->key);
        }
        new.flow.dl_type = htons(p->dl_type);
        new.wc.masks.dl_type = bits.dl_type = htons(0xffff);
        if (p->nw_proto) {
            new.flow.nw_proto = p->nw_proto;
            new.wc.masks.nw_proto = bits.nw_proto = 0xff;
        }
        return match_add(spec, mp, tok, NULL, &new, &bits);
    }

    mf = mf_from_name(tok->key, &prereqs);
    if (!mf) {
        return xasprintf("%s: unknown field \"%s\"", tok->text, tok->key);
    } else if (!*tok->value) {
        return xasprintf("%s: %s needs a value", tok->text, tok->key);
    }
    if (mf->id == MFF_IP_PROTO) {
        /* As in OVS, nw_proto (and ip_proto) on arp is arp_op, which is
         * stored in the same place and printed as arp_op. */
        prereqs = MFP_IP_ANY_OR_ARP;
    }
    error = mf_parse(mf, tok->value, &value, &mask);
    if (error && mf->id == MFF_IN_PORT && mp->port_map) {
        uint32_t port;

        free(error);
        if (!ofp_port_map_find(mp->port_map, tok->value, &port)) {
            return xasprintf("%s: unknown port \"%s\" (not a number, a "
                             "reserved port or a port of the bridge)",
                             tok->text, tok->value);
        }
        error = NULL;
        memset(&value, 0, sizeof value);
        memset(&mask, 0xff, sizeof mask);
        value.be16 = htons(port);
    }
    if (error) {
        return token_error(tok, error);
    }
    mf_set_match(mf, &value, &mask, &new);
    mf_get_bits(mf, &bits);
    if (mf->id == MFF_DL_VLAN && value.be16 == htons(0xffff)) {
        /* "No VLAN header" is a match on the whole TCI. */
        mf_get_bits(mf_from_id(MFF_VLAN_TCI), &bits);
    }
    error = match_add(spec, mp, tok, mf, &new, &bits);
    if (!error && !mf_is_all_zeros(mf, &mask) && prereqs != MFP_NONE) {
        mp->uses[mp->n_uses].text = xstrdup(tok->text);
        mp->uses[mp->n_uses].prereqs = prereqs;
        mp->n_uses++;
    }
    return error;
}

/* Finds "actions=" (or "action=") at a token boundary in 's'.  Returns a
 * pointer to the keyword and stores the actions text in '*actionsp', or
 * returns NULL. */
static const char *
find_actions(const char *s, const char **actionsp)
{
    const char *p;

    for (p = s; (p = strstr(p, "action")) != NULL; p++) {
        if (p == s || strchr(", \t\r\n", p[-1])) {
            const char *q = p + 6;

            if (*q == 's') {
                q++;
            }
            if (*q == '=') {
                *actionsp = q + 1;
                return p;
            }
        }
    }
    return NULL;
}

char *
flow_mod_spec_parse(struct flow_mod_spec *spec, const char *s,
                    enum flow_mod_command command)
{
    return flow_mod_spec_parse_names(spec, s, command, NULL);
}

char *
flow_mod_spec_parse_names(struct flow_mod_spec *spec, const char *s,
                          enum flow_mod_command command,
                          const struct ofp_port_map *port_map)
{
    const char *actions_s = NULL;
    const char *actions_kw;
    struct match_parser mp;
    struct ofp_token tok;
    char *error = NULL;
    char *match_s;
    const char *p;
    size_t i;

    memset(spec, 0, sizeof *spec);
    spec->command = command;
    spec->priority = OFP_DEFAULT_PRIORITY;
    spec->out_port = OFPP_NONE;
    match_init_catchall(&spec->match);

    actions_kw = find_actions(s, &actions_s);
    match_s = actions_kw ? xmemdup0(s, actions_kw - s) : xstrdup(s);
    spec->has_actions = actions_kw != NULL;

    memset(&mp, 0, sizeof mp);
    mp.port_map = port_map;
    mp.uses = xcalloc(strlen(match_s) / 2 + 1, sizeof *mp.uses);
    p = match_s;
    while (!error && ofp_next_token(&p, &tok, &error)) {
        if (!parse_keyword(spec, &tok, &mp, &error)) {
            error = parse_match_token(spec, &tok, &mp);
        }
        ofp_token_uninit(&tok);
    }
    for (i = 0; !error && i < mp.n_uses; i++) {
        if (!mf_are_prereqs_ok(mp.uses[i].prereqs, &spec->match)) {
            error = xasprintf("%s: field requires %s", mp.uses[i].text,
                              mf_prereqs_to_string(mp.uses[i].prereqs));
        }
    }
    for (i = 0; i < mp.n_uses; i++) {
        free(mp.uses[i].text);
    }
    free(mp.uses);
    for (i = 0; i < mp.n_given; i++) {
        free(mp.given[i].text);
    }
    free(mp.given);
    if (!mp.keywords[KW_TABLE]) {
        spec->table_id = command == FLOW_MOD_ADD ? 0 : 255;
    }
    for (i = 0; i < N_KEYWORDS; i++) {
        free(mp.keywords[i]);
    }
    free(match_s);
    if (error) {
        goto error;
    }

    if (is_delete(command)) {
        if (spec->has_actions) {
            error = xstrdup("actions: not allowed when deleting flows");
            goto error;
        }
        return NULL;
    }
    if (!spec->has_actions) {
        error = xstrdup("must specify an action");
        goto error;
    }

    error = ofpacts_parse_names(actions_s, port_map, &spec->ofpacts,
                                &spec->ofpacts_size);
    if (!error) {
        error = ofpacts_check(spec->ofpacts, spec->ofpacts_size,
                              &spec->match);
    }
    if (!error) {
        error = ofpacts_check_table(spec->ofpacts, spec->ofpacts_size,
                                    spec->table_id);
    }
    if (error) {
        char *msg = xasprintf("actions=%s", error);

        free(error);
        error = msg;
        goto error;
    }
    return NULL;

error:
    flow_mod_spec_uninit(spec);
    return error;
}

void
flow_mod_spec_uninit(struct flow_mod_spec *spec)
{
    free(spec->ofpacts);
    spec->ofpacts = NULL;
    spec->ofpacts_size = 0;
}

bool
flow_mod_spec_equal(const struct flow_mod_spec *a,
                    const struct flow_mod_spec *b)
{
    return (a->command == b->command
            && a->table_id == b->table_id
            && a->priority == b->priority
            && a->cookie == b->cookie
            && a->cookie_mask == b->cookie_mask
            && a->modify_cookie == b->modify_cookie
            && a->new_cookie == b->new_cookie
            && a->idle_timeout == b->idle_timeout
            && a->hard_timeout == b->hard_timeout
            && a->out_port == b->out_port
            && a->has_actions == b->has_actions
            && match_equal(&a->match, &b->match)
            && ofpacts_equal(a->ofpacts, a->ofpacts_size,
                             b->ofpacts, b->ofpacts_size));
}

void
flow_mod_spec_format(const struct flow_mod_spec *spec, struct ds *s)
{
    size_t length;

    if (spec->command == FLOW_MOD_ADD) {
        struct ofp_flow_desc fd = {
            .table_id = spec->table_id,
            .cookie = spec->cookie,
            .priority = spec->priority,
            .idle_timeout = spec->idle_timeout,
            .hard_timeout = spec->hard_timeout,
            .match = &spec->match,
            .ofpacts = spec->ofpacts,
            .ofpacts_size = spec->ofpacts_size,
        };

        ofp_flow_format(&fd, NULL, s);
        return;
    }

    if (spec->table_id != 255) {
        ds_put_format(s, "table=%"PRIu8", ", spec->table_id);
    }
    if (spec->cookie_mask) {
        ds_put_format(s, "cookie=0x%"PRIx64"/0x%"PRIx64", ", spec->cookie,
                      spec->cookie_mask);
    }
    if (spec->modify_cookie) {
        ds_put_format(s, "cookie=0x%"PRIx64", ", spec->new_cookie);
    }
    if (spec->idle_timeout) {
        ds_put_format(s, "idle_timeout=%"PRIu16", ", spec->idle_timeout);
    }
    if (spec->hard_timeout) {
        ds_put_format(s, "hard_timeout=%"PRIu16", ", spec->hard_timeout);
    }
    if (spec->out_port != OFPP_NONE) {
        ds_put_cstr(s, "out_port=");
        mf_format_port(spec->out_port, s);
        ds_put_cstr(s, ", ");
    }
    length = s->length;
    match_format(&spec->match, spec->priority, s);
    if (spec->has_actions) {
        if (s->length != length) {
            ds_put_char(s, ' ');
        }
        ds_put_cstr(s, "actions=");
        ofpacts_format(spec->ofpacts, spec->ofpacts_size, s);
    } else if (s->length > 2 && s->string[s->length - 1] == ' '
               && s->string[s->length - 2] == ',') {
        ds_truncate(s, s->length - 2);
    }
}
