/* lib/ofp-flow.h: flow lines in ovs-ofctl syntax, and their printed form.
 *
 * A flow line is what "ovs-ofctl add-flow/mod-flows/del-flows" take:
 *   [table=T,][priority=P,][cookie=C[/M],][idle_timeout=S,]
 *   [hard_timeout=S,][out_port=P,] MATCH FIELDS... [,actions=ACTIONS]
 * with the match fields of meta-flow.h and the shorthands ip, ipv6, tcp,
 * tcp6, udp, udp6, sctp, sctp6, icmp, icmp6, arp.  "actions=" comes last.
 * The fields "duration", "n_packets", "n_bytes", "idle_age" and
 * "hard_age" are ignored, as in OVS, so dump-flows output parses back.
 *
 * Printing follows "ovs-ofctl dump-flows": OVS's field order, shorthands
 * ("tcp" rather than "ip,nw_proto=6"), prefix masks as "/N", default
 * priority omitted.
 *
 * Parse functions return a malloc'd error message "TOKEN: problem" (the
 * caller frees it) or NULL on success.  No global state: thread-safe. */
#ifndef NFVS_OFP_FLOW_H
#define NFVS_OFP_FLOW_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "flow-table.h"      /* enum flow_mod_command. */
#include "match.h"

struct ds;

#define OFP_DEFAULT_PRIORITY 32768

struct flow_mod_spec {
    enum flow_mod_command command; /* What the line is for. */
    uint8_t table_id;           /* 255 (modify/delete only): all tables;
                                 * add defaults to 0. */
    uint16_t priority;          /* OFP_DEFAULT_PRIORITY unless given. */
    uint64_t cookie;            /* Add: the new rule's cookie.  Modify and
                                 * delete: value compared under
                                 * 'cookie_mask'. */
    uint64_t cookie_mask;       /* Modify/delete: 0 means any cookie. */
    uint64_t new_cookie;        /* Modify: cookie to set, if... */
    bool modify_cookie;         /* ...this is true ("cookie=V", no mask). */
    uint16_t idle_timeout;      /* Seconds, 0 for none. */
    uint16_t hard_timeout;      /* Seconds, 0 for none. */
    uint32_t out_port;          /* Modify/delete filter; OFPP_NONE: any. */
    struct match match;         /* What the rule matches. */
    bool has_actions;           /* Whether "actions=" was present. */
    void *ofpacts;              /* Owned; see ofp-actions.h. */
    size_t ofpacts_size;        /* Bytes in 'ofpacts'; 0 means drop. */

    /* OpenFlow 1.3 front end (vswitchd/ofconn.c): when 'of13', 'flags'
     * (FLOW_MOD_F_*) replace the OpenFlow 1.0 behaviour ovs-ofctl lines
     * get (an add resets counters, a modify adds a missing flow). */
    bool of13;
    uint16_t flags;
};

/* Parses flow line 's' for 'command' into 'spec'.  On success returns
 * NULL and the caller must eventually call flow_mod_spec_uninit(); on
 * failure returns an error message (caller frees) and 'spec' holds
 * nothing to free.  Add and modify require "actions="; delete refuses
 * it.  Checks match prerequisites and action prerequisites as OVS
 * does. */
char *flow_mod_spec_parse(struct flow_mod_spec *spec, const char *s,
                          enum flow_mod_command command);

/* Like flow_mod_spec_parse(), and ports may also be given by the names in
 * 'port_map' (NULL: none) in in_port, out_port, output and resubmit, as
 * "ovs-ofctl --names" allows.  'spec' keeps the numbers.  A name 'port_map'
 * lacks gets "TOKEN: unknown port ...". */
struct ofp_port_map;
char *flow_mod_spec_parse_names(struct flow_mod_spec *spec, const char *s,
                                enum flow_mod_command command,
                                const struct ofp_port_map *port_map);
void flow_mod_spec_uninit(struct flow_mod_spec *);

/* Returns true if 'a' and 'b' say the same: command, table, priority,
 * cookies, timeouts, out_port, match and actions. */
bool flow_mod_spec_equal(const struct flow_mod_spec *a,
                         const struct flow_mod_spec *b);

/* Appends 'spec' in parseable normalized form: for an add, the line
 * "ovs-ofctl dump-flows --no-stats" would print; for modify and delete,
 * the table, cookie and out_port filters that were given, then the
 * match, then the actions if any. */
void flow_mod_spec_format(const struct flow_mod_spec *, struct ds *);

/* Appends 'match' as ovs-ofctl prints it, with "priority=P," first unless
 * 'priority' is OFP_DEFAULT_PRIORITY.  Appends nothing for a catch-all
 * match at the default priority. */
void match_format(const struct match *, int priority, struct ds *);
void match_format_names(const struct match *, int priority,
                        const struct ofp_port_map *port_map, struct ds *);

/* A rule as "ovs-ofctl dump-flows" prints it. */
struct ofp_flow_desc {
    uint8_t table_id;           /* Table the rule is in. */
    uint64_t cookie;            /* Its cookie. */
    int priority;               /* Its priority. */
    uint16_t idle_timeout;      /* 0 for none. */
    uint16_t hard_timeout;      /* 0 for none. */
    const struct match *match;  /* Its match. */
    const void *ofpacts;        /* Its actions... */
    size_t ofpacts_size;        /* ...and their size. */
};

struct ofp_flow_stats {
    long long int duration_msec; /* Age of the rule. */
    uint64_t n_packets;         /* Packets matched. */
    uint64_t n_bytes;           /* Bytes matched. */
    int idle_age;               /* Seconds since last hit, or -1 to omit. */
};

/* Appends one dump-flows line (without the leading space ovs-ofctl puts
 * before it and without a newline):
 *   "cookie=0x0, duration=1.234s, table=0, n_packets=0, n_bytes=0,
 *    idle_timeout=10, priority=100,tcp,... actions=..."
 * With 'stats' NULL, the "--no-stats" form: cookie and table only when
 * nonzero, no duration or counters. */
void ofp_flow_format(const struct ofp_flow_desc *,
                     const struct ofp_flow_stats *stats, struct ds *);

/* Like ofp_flow_format(), with ports that have a name in 'port_map' (NULL:
 * none) printed by name, as "ovs-ofctl --names dump-flows" does. */
void ofp_flow_format_names(const struct ofp_flow_desc *,
                           const struct ofp_flow_stats *stats,
                           const struct ofp_port_map *port_map,
                           struct ds *);

#endif /* ofp-flow.h */
