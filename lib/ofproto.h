/* lib/ofproto.h: one bridge's OpenFlow switch.
 *
 * An ofproto owns a bridge's 255 flow tables (lib/flow-table.h), its
 * ports as the tables see them (OpenFlow port number, datapath port
 * number, name, VLAN mode) and its MAC learning table, and applies
 * ovs-ofctl style flow mods to the tables.  Translating a packet through
 * them is lib/xlate.h.
 *
 * It also owns the bridge's connection tracker (lib/conntrack.h): one
 * per bridge, as Open vSwitch has one per datapath (nfvs gives each
 * bridge a datapath of its own), so that zones, limits, dumps and
 * flushes are per bridge and bridges never contend for one lock.
 *
 * Like Open vSwitch, a new bridge's table 0 holds one flow,
 * "priority=0 actions=NORMAL", so that it switches out of the box;
 * deleting it makes table 0 drop everything.
 *
 * Thread-safety: configuration and flow mods happen on the main thread;
 * translation (xlate) runs on any thread concurrently, reading the ports
 * under ofproto_ports_read_lock() and the tables under the flow table's
 * read lock.  The connection tracker is not thread-safe: every use holds
 * ofproto_ct_lock(), which nests inside udpif's mutex and the ports and
 * tables read locks, and inside which only the event callback's own
 * (leaf) lock may be taken. */
#ifndef NFVS_OFPROTO_H
#define NFVS_OFPROTO_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "conntrack.h"
#include "hmap.h"

struct conntrack;
struct ds;
struct flow_mod_spec;
struct flow_table;
struct mac_learning;
struct ofproto;

/* A port as the OpenFlow pipeline sees it. */
struct ofproto_port {
    uint32_t ofport;            /* OpenFlow port number. */
    uint32_t dp_port;           /* Datapath port number. */
    const char *name;           /* Device name. */
    int tag;                    /* Access VLAN, or -1 for a trunk. */
    const uint16_t *trunks;     /* Trunked VLANs, sorted; none: all. */
    size_t n_trunks;            /* Number of 'trunks'. */
};

struct ofproto *ofproto_create(const char *name);
void ofproto_destroy(struct ofproto *);    /* NULL is a no-op. */

const char *ofproto_get_name(const struct ofproto *);
struct flow_table *ofproto_get_tables(const struct ofproto *);
struct mac_learning *ofproto_get_mac_learning(const struct ofproto *);

/* The bridge's connection tracker, to be used only between
 * ofproto_ct_lock() and ofproto_ct_unlock(). */
struct conntrack *ofproto_get_conntrack(const struct ofproto *);
void ofproto_ct_lock(struct ofproto *);
void ofproto_ct_unlock(struct ofproto *);

/* Sets the function the tracker reports connection events to (NULL for
 * none), replacing any earlier one.  'cb' runs with the ct lock held,
 * inside conntrack calls made by any thread: it must not take any lock
 * but its own leaf lock, nor call into the tracker. */
void ofproto_set_ct_event_cb(struct ofproto *, conntrack_event_func *cb,
                             void *aux);

/* Sets the tracker's observer (see conntrack_set_observer(); NULL for
 * none), which runs like the event callback above.  It is cleared before
 * the tracker is destroyed with the ofproto, so the connections that go
 * with a bridge are not reported. */
void ofproto_set_ct_observer(struct ofproto *, conntrack_observer_func *cb,
                             void *aux);

/* Replaces the set of ports with the 'n' in 'ports' (copied).  Flushes
 * the MAC entries of ports that went away or changed VLAN mode. */
void ofproto_set_ports(struct ofproto *, const struct ofproto_port *ports,
                       size_t n);

/* Port lookup for translation, under the ports read lock. */
void ofproto_ports_read_lock(struct ofproto *);
void ofproto_ports_read_unlock(struct ofproto *);
const struct ofproto_port *ofproto_port_find(const struct ofproto *,
                                             uint32_t ofport);
/* Every port, sorted by OpenFlow port number; stores the count. */
const struct ofproto_port *ofproto_ports(const struct ofproto *,
                                         size_t *n);

/* Applies the 'n' flow mods in 'specs' as one batch: all or none.
 * Returns 0, or a positive errno value with a malloc'd message in
 * '*errp' that names the failing flow by its position ("flow 3: ...")
 * when 'n' > 1.  Adds reset the counters of a rule they replace and a
 * modify that matches nothing adds the flow, as ovs-ofctl (OpenFlow 1.0)
 * does. */
int ofproto_flow_mods(struct ofproto *, const struct flow_mod_spec *specs,
                      size_t n, char **errp);

/* The same as a staged batch (lib/flow-table.h), for changes too large to
 * apply in one turn of the main loop: start it (errors as above), call
 * ofproto_flow_mods_step() until it returns true, then
 * ofproto_flow_mods_finish() (0 or an error with a malloc'd message in
 * '*errp': the tables are then unchanged); after that
 * ofproto_cleanup_step() until it returns true frees what the change
 * removed.  Readers see all of the change or none of it. */
int ofproto_flow_mods_start(struct ofproto *,
                            const struct flow_mod_spec *specs, size_t n,
                            char **errp);
/* Adds 'spec', flow mod 'i' (from 0) of 'n' (for error messages), to the
 * staged batch; an error (returned, with a message in '*errp') makes
 * ofproto_flow_mods_finish() roll the batch back. */
int ofproto_flow_mod_stage(struct ofproto *, const struct flow_mod_spec *,
                           size_t i, size_t n, char **errp);
bool ofproto_flow_mods_step(struct ofproto *, long long int deadline);
int ofproto_flow_mods_finish(struct ofproto *, char **errp);
bool ofproto_cleanup_step(struct ofproto *, long long int deadline);

/* Appends a line per rule that 'filter' selects (a FLOW_MOD_DELETE spec:
 * table, loose match, cookie/mask, out_port; NULL for every rule), in the
 * format of "ovs-ofctl dump-flows" (with 'no_stats', that of
 * "--no-stats").  Rules are sorted by table, then descending priority,
 * then match text, so the output is stable. */
void ofproto_dump_flows(struct ofproto *, const struct flow_mod_spec *filter,
                        bool no_stats, struct ds *);
/* Like ofproto_dump_flows(), with ports printed by name if 'names'. */
void ofproto_dump_flows_names(struct ofproto *,
                              const struct flow_mod_spec *filter,
                              bool no_stats, bool names, struct ds *);

/* Fills 'map' (which the caller must ofp_port_map_uninit()) with the
 * names and OpenFlow numbers of the bridge's ports now.  Takes the ports
 * read lock. */
struct ofp_port_map;
void ofproto_get_port_map(struct ofproto *, struct ofp_port_map *map);

/* Called by ofproto_for_each_flow() for each rule with its description,
 * its counters and its match as match_format() prints it without the
 * priority ("" for a catch-all), all valid only during the call. */
struct ofp_flow_desc;
struct ofp_flow_stats;
typedef void ofproto_flow_cb(const struct ofp_flow_desc *,
                             const struct ofp_flow_stats *,
                             const char *match, void *aux);

/* Calls 'cb' with 'aux' for each rule that 'filter' selects (as in
 * ofproto_dump_flows(), which is built on it), in the same order.  'cb'
 * must not change 'ofproto'. */
void ofproto_for_each_flow(struct ofproto *,
                           const struct flow_mod_spec *filter,
                           ofproto_flow_cb *cb, void *aux);

/* Returns every rule as the "add-flow" line that recreates it (for the
 * config db), in dump order.  Caller frees each string and the array. */
char **ofproto_flows_to_strings(struct ofproto *, size_t *n);

/* Runs idle and hard timeouts and MAC aging at 'now' (ms).  Returns the
 * number of rules removed. */
size_t ofproto_run_timeouts(struct ofproto *, long long int now);

/* Earliest time ofproto_run_timeouts() may have work, in ms. */
long long int ofproto_next_timeout(const struct ofproto *);

/* Groups (lib/ofp-group.h).
 *
 * A bridge's groups live beside its flow tables.  Translation reads them
 * between ofproto_groups_read_lock() and ofproto_groups_read_unlock(),
 * taken inside the tables read lock; the main thread changes them.  A
 * flow (or a bucket) whose actions name a group that does not exist is
 * refused; deleting a group deletes the flows that use it (as Open
 * vSwitch does) and leaves buckets of other groups that name it, which
 * then do nothing.
 *
 * A fast_failover bucket is live if its watch_port is a port of the
 * bridge whose link and admin state are up (ofproto_set_port_live()), or
 * its watch_group is a group with a live bucket (any bucket, for other
 * types). */
struct ofp_group;

struct ofproto_group {
    struct hmap_node node;      /* In the ofproto's groups. */
    struct ofp_group *g;        /* Owned. */
    long long int created;      /* time_msec() at add. */
    uint64_t n_packets;         /* Statistics, updated atomically by */
    uint64_t n_bytes;           /* ofproto_group_credit(). */
    uint64_t *bucket_packets;   /* Per bucket, 'g->n_buckets' each. */
    uint64_t *bucket_bytes;
};

/* Called on the main thread, no lock held, after a change of the groups
 * 'ids' (a group added, modified or deleted, or a fast_failover group
 * whose watched port changed liveness).  'seq' is ofproto_groups_seq()
 * after the change. */
typedef void ofproto_groups_changed_func(const uint32_t *ids, size_t n,
                                         uint64_t seq, void *aux);
void ofproto_set_groups_changed_cb(struct ofproto *,
                                   ofproto_groups_changed_func *, void *aux);

/* Adds group 'g' (copied), or replaces the group of its id
 * ('modify'), after checking it against the bridge: EEXIST for an add of
 * an existing id, ENOENT for a modify of a missing one, EINVAL for a
 * group action or watch_group naming a missing group, the group itself,
 * or a group that uses it (directly or not: a loop).  Ports are the caller's to check: a watch_port that is not a
 * port is never live.  Errors come
 * with a malloc'd message in '*errp'.  A modify keeps the group's
 * counters and zeroes its buckets'.  Main thread. */
int ofproto_group_add(struct ofproto *, const struct ofp_group *g,
                      bool modify, char **errp);

/* Deletes group 'id' (OFPG_ALL: every group) and, first, the flows that
 * use it, as one flow table commit (whose journal may refuse it: then
 * nothing changes and the error and message are returned).  Deleting a
 * missing group is no error.  Stores in '*n_flowsp' (if nonnull) the
 * number of flows deleted.  Main thread. */
int ofproto_group_del(struct ofproto *, uint32_t id, size_t *n_flowsp,
                      char **errp);

/* Returns copies of the groups, sorted by id ('id' OFPG_ALL) or only
 * group 'id'; the caller ofp_group_uninit()s and frees each and frees
 * the array.  Main thread. */
struct ofp_group **ofproto_groups_get(struct ofproto *, uint32_t id,
                                      size_t *n);

/* Statistics of group 'id', as "ovs-ofctl dump-group-stats" shows them:
 * 'ref_count' is the number of flows that use it. */
struct ofproto_group_stats {
    uint32_t group_id;
    long long int duration_msec;
    uint32_t ref_count;
    uint64_t n_packets, n_bytes;
    size_t n_buckets;
    uint64_t *bucket_packets;   /* Owned by the caller, 'n_buckets'. */
    uint64_t *bucket_bytes;
};
/* Returns the stats of every group (OFPG_ALL) or of 'id', sorted by id;
 * the caller frees each's arrays and the array.  Main thread. */
struct ofproto_group_stats *ofproto_group_stats_get(struct ofproto *,
                                                    uint32_t id, size_t *n);

/* Readers (any thread).  ofproto_group_find() and ofproto_groups_seq()
 * need the groups read lock; the group found is valid until it is
 * released. */
void ofproto_groups_read_lock(struct ofproto *);
void ofproto_groups_read_unlock(struct ofproto *);
struct ofproto_group *ofproto_group_find(const struct ofproto *,
                                         uint32_t id);
uint64_t ofproto_groups_seq(const struct ofproto *);
/* Adds packets and bytes to the counters of 'group' (bucket SIZE_MAX) or
 * of its bucket 'bucket'. */
void ofproto_group_credit(struct ofproto_group *, size_t bucket,
                          uint64_t packets, uint64_t bytes);
/* True if port 'ofport' exists and is live; with the ports read lock. */
bool ofproto_port_is_live(const struct ofproto *, uint32_t ofport);

/* Records whether datapath port 'dp_port' is live (link and admin state
 * up); ports are live unless said otherwise.  If that changed, reports
 * the fast_failover groups to the groups callback.  Main thread. */
void ofproto_set_port_live(struct ofproto *, uint32_t dp_port, bool live);

/* Meters: the bridge's OpenFlow 1.3 meter table (lib/ofp-meter.h).  It
 * holds the configurations, which flows are checked against (a flow whose
 * meter:N names no meter is refused, as in OVS); enforcing them and their
 * counters are the datapath's (lib/ofproto-dpif.h).  Main thread only. */
struct ofp_meter;

/* Adds meter 'm' (copied): EEXIST if its id is taken, unless 'modify',
 * which replaces it and is ENOENT for a meter that does not exist.  The
 * message in '*errp' names the meter. */
int ofproto_meter_add(struct ofproto *, const struct ofp_meter *m,
                      bool modify, char **errp);

/* Deletes meter 'id' (OFPM_ALL: every meter) and, first, every flow that
 * uses it, as OVS does; stores how many flows went.  Deleting a meter
 * that does not exist is not an error.  Returns 0 or the flow table's
 * error with a message in '*errp'. */
int ofproto_meter_del(struct ofproto *, uint32_t id, size_t *n_flowsp,
                      char **errp);

/* Returns a new array of copies of meter 'id' (OFPM_ALL: every meter),
 * sorted by id, and stores their number in '*n'.  Caller frees it. */
struct ofp_meter *ofproto_meters_get(const struct ofproto *, uint32_t id,
                                     size_t *n);

/* If meter 'id' exists, stores how many flows use it and when it was
 * added (time_msec()) and returns true. */
bool ofproto_meter_info(struct ofproto *, uint32_t id, size_t *n_flowsp,
                        long long int *createdp);

#endif /* ofproto.h */
