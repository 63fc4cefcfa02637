/* lib/xlate.h: translating a packet through a bridge's OpenFlow tables.
 *
 * xlate() runs a flow through table 0 onward (resubmit, goto_table), the
 * NORMAL learning switch with its VLAN rules, and every supported
 * action, and produces the datapath actions that do the same to the
 * packet: outputs to datapath ports, with set(), push_vlan and pop_vlan
 * committed before each output so each copy leaves as the pipeline left
 * it at that point.
 *
 * ct() runs the bridge's connection tracker (lib/conntrack.h) on the
 * packet when 'xin->packet' is given: the upcall path, the only one that
 * changes connections and commits.  Without a packet (revalidation,
 * stats pushes, traces of a flow) ct() only looks up what a data packet
 * of the flow would get (conntrack_lookup()).  ct(table=T) continues the
 * pipeline in table T with ct_state, ct_zone and ct_mark filled in,
 * inside this translation; the actions after it see the packet
 * untracked again, as in Open vSwitch.  A translation is cacheable in
 * the datapath only if every ct() result can be offloaded
 * (conntrack_can_offload()); 'xout->deps' then names the connections,
 * so that their events invalidate the cached flow.
 *
 * group:N runs the group's buckets (lib/ofp-group.h): every bucket of an
 * "all" group, each on its own copy of the packet; the bucket of a select
 * group that the packet's hash chooses; the bucket of an indirect group;
 * the first live bucket of a fast_failover group.  Since datapath flows
 * match exactly, the choice is made here and the flow installed carries
 * the chosen bucket's actions; 'xout->deps' names the groups, so that
 * changing one (or a watched port's liveness) translates again the flows
 * that used it.
 *
 * With a trace buffer it also writes an account of every table, rule and
 * action visited, in the manner of "ovs-appctl ofproto/trace".
 *
 * Thread-safety: may run on any thread concurrently with other
 * translations and with the main thread changing the bridge; takes the
 * ofproto's ports and tables read locks itself. */
#ifndef NFVS_XLATE_H
#define NFVS_XLATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "flow.h"
#include "match.h"
#include "nlattr.h"

struct dp_packet;
struct ds;
struct ofproto;
struct rule;

/* Limits, as in Open vSwitch: nesting of resubmit/goto_table, and the
 * total number of table lookups per translation. */
#define XLATE_MAX_DEPTH 64
#define XLATE_MAX_RESUBMITS 4096

struct xlate_in {
    struct ofproto *ofproto;    /* The bridge. */
    struct flow flow;           /* The packet, in_port an OpenFlow port. */
    bool may_learn;             /* Let NORMAL update the MAC table. */
    long long int now;          /* Current time, ms (time_msec()). */
    uint64_t n_packets;         /* Credit hit rules with this many... */
    uint64_t n_bytes;           /* ...packets and bytes (may be 0). */
    struct ds *trace;           /* Trace output, or NULL. */
    struct dp_packet *packet;   /* The packet, or NULL: ct() then only
                                 * looks up.  xlate() may set its layer
                                 * offsets, nothing else. */
};

enum xlate_error {
    XLATE_OK,
    XLATE_RECURSION_TOO_DEEP,   /* Over XLATE_MAX_DEPTH nested tables. */
    XLATE_TOO_MANY_RESUBMITS,   /* Over XLATE_MAX_RESUBMITS lookups. */
};

/* What a translation depended on, so that a change to the flow tables or
 * the MAC table re-translates only the cached flows it can affect.  A
 * translation that needs more than these arrays hold sets 'deps_overflow'
 * and is taken to depend on everything. */
#define XLATE_MAX_TABLE_DEPS 8
#define XLATE_MAX_MAC_DEPS 4
#define XLATE_MAX_CT_DEPS 4
#define XLATE_MAX_GROUP_DEPS 4

struct xlate_table_dep {
    const struct rule *rule;    /* Rule the lookup found, or NULL. */
    uint8_t table_id;           /* Table looked up. */
    bool flow_changed;          /* The flow looked up was not the packet's
                                 * own (actions had changed it), so a
                                 * lookup of the key cannot redo it. */
};

struct xlate_mac_dep {          /* NORMAL looked up this destination. */
    struct eth_addr mac;
    uint16_t vlan;
};

struct xlate_ct_dep {          /* A ct() found this connection. */
    uint64_t conn_id;           /* Connection id. */
    uint32_t generation;        /* conntrack_generation() then. */
    uint8_t dir;                /* enum conntrack_dir of the packet. */
};

struct xlate_deps {
    struct xlate_table_dep tables[XLATE_MAX_TABLE_DEPS];
    struct xlate_mac_dep macs[XLATE_MAX_MAC_DEPS];
    struct xlate_ct_dep cts[XLATE_MAX_CT_DEPS];
    uint8_t n_tables;
    uint8_t n_macs;
    uint8_t n_cts;
    bool overflow;              /* Some dependency did not fit. */
    uint8_t n_groups;
    uint32_t groups[XLATE_MAX_GROUP_DEPS]; /* Groups run (or missing). */
};

struct xlate_out {
    enum xlate_error error;     /* On error the actions are empty. */
    struct nl_buf odp_actions;  /* Datapath actions; empty: drop. */
    struct flow_wildcards wc;   /* Bits of the flow the result used. */
    struct flow final_flow;     /* The flow after every modification. */
    uint64_t tables_version;    /* flow_table_version() translated at. */
    uint64_t ml_seq;            /* mac_learning_seq() before translating. */
    bool used_normal;           /* NORMAL ran: MAC changes may matter. */
    struct xlate_deps deps;     /* Tables and MAC entries consulted. */
    bool ct_uncacheable;        /* A ct() result cannot be offloaded. */
    uint64_t groups_seq;        /* ofproto_groups_seq() translated at. */

    /* For flow pairs: NORMAL ran without 'may_learn' and its source
     * address is not learned on the input port, so that a packet of
     * the flow would change the MAC table. */
    bool src_unlearned;
};

/* Translates 'xin' into 'xout', which the caller then owns (release it
 * with xlate_out_uninit()). */
void xlate(const struct xlate_in *xin, struct xlate_out *xout);
void xlate_out_uninit(struct xlate_out *);

const char *xlate_error_to_string(enum xlate_error);

#endif /* xlate.h */
