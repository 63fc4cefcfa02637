/* lib/udpif.h: upcall handling and revalidation between an ofproto and
 * its datapath.
 *
 * Every udpif is served by one pool of handler threads and one
 * revalidator thread shared by all of them (all bridges), so that the
 * daemon's thread count does not grow with the number of bridges.  Each
 * datapath gets one upcall queue per pool handler thread; handler thread
 * 'i' serves queue 'i' of every datapath, and the datapath picks a
 * flow's queue by its hash, so one flow's upcalls are handled by one
 * thread, in order.  A handler receives batches of upcalls and, for each
 * miss: parses the key, maps the datapath in_port to the
 * OpenFlow port, translates the flow through the ofproto (learning MACs
 * and crediting the rules hit with this one packet), installs a datapath
 * flow for the exact key with the resulting actions, and executes the
 * packet with the same actions so that it is not lost (both in one
 * request where the datapath can: dpif_flow_put_execute()).  Keys with any of
 * the TCP SYN, FIN or RST bits set (tcp_ctl) are executed but never
 * installed: every connection state change must reach the daemon.
 * Before executing, it also translates the reply direction of a TCP or
 * UDP miss whose actions are one output (addresses and ports swapped,
 * coming in on that output port, no tcp_ctl) and installs that flow as
 * well when its result cannot depend on the reply's first packet (a
 * "flow pair"): not when ct() would find the connection new or not
 * offloadable, nor when NORMAL would have to learn the reply's source.
 * Each flow of a pair is then an ordinary flow for revalidation; the
 * counters say how many reverse flows saw packets and how many were
 * deleted idle without any.  No pairs are installed while the datapath
 * is within 10% of its flow limit.
 *
 * Every installed flow is recorded ("ukey": key, actions, and what its
 * translation depended on: the rule each table lookup found, the MAC
 * entries NORMAL consulted, and the groups it ran).  A change re-translates only the flows
 * it can affect:
 *   - a flow table commit (through the flow table's change callback, on
 *     the main thread, before the commit's caller goes on): a flow is
 *     affected if a lookup it made in a changed table now finds another
 *     rule or a rule whose actions changed; that costs one lookup per
 *     flow that visited a changed table, then one translation per
 *     affected flow, so one rule change with 100,000 flows cached takes
 *     milliseconds and the datapath never keeps forwarding by a rule
 *     that is gone;
 *   - a MAC learning change (new, moved or expired entry): the flows
 *     NORMAL decided by that address;
 *   - a group change (added, modified, deleted, or for fast_failover
 *     groups a watched port's liveness; through the ofproto's groups
 *     callback, on the main thread before the change's caller goes on):
 *     the flows whose translation ran the group;
 *   - a port change (udpif_flush_translations()): every flow.
 * The revalidator thread wakes every 100 ms and, for each udpif in turn,
 * applies MAC changes and, every
 * UDPIF_DUMP_INTERVAL ms (or half the max-idle time, if shorter), dumps
 * the datapath and, for each flow:
 *   - pushes the packets and bytes seen since the last pass to the rules
 *     (and NORMAL's MAC learning) by translating again with those counts;
 *   - deletes it if it has been idle longer than the max-idle time, or
 *     than UDPIF_PRESSURE_IDLE while the datapath is within 10% of its
 *     flow limit (then dumps come every 100 ms), so that a flood of new
 *     flows cannot crowd out flows that have traffic;
 *   - re-translates it if it is stale;
 *   - feeds the sequence record and last-used time of flows that
 *     stand for tracked connections back to the tracker (timeouts);
 *   - adopts it if it has no record (a kernel datapath outlives the
 *     daemon): kept if its key translates to the same actions now, fixed
 *     if not, deleted if it cannot be cached.
 *
 * Connection tracking: a translation that ran ct() is installed only
 * when every connection it found can be offloaded; the ukey records
 * those connections.  The tracker's events (queued by its callback,
 * which may run inside any translation) mark the ukeys of that
 * connection stale; handlers apply them after each batch of upcalls,
 * the revalidator in each pass (where conntrack_run() also expires
 * connections).  Before a FIN or RST is translated, the cached flows
 * of its connection are read (dpif_flow_get()) and their TCP sequence
 * record fed to the tracker, so that its window checks see what the
 * fast path forwarded.
 *
 * Thread-safety: the udpif_pool_*() functions, udpif_create(),
 * udpif_destroy(), udpif_revalidate() and the setters are for the main
 * thread.
 * udpif_get_stats() may be called from any thread. */
#ifndef NFVS_UDPIF_H
#define NFVS_UDPIF_H 1

#include <stddef.h>
#include <stdint.h>
#include "histogram.h"

struct dpif;
struct ofproto;
struct udpif;

#define UDPIF_DEFAULT_MAX_IDLE 10000    /* ms. */
#define UDPIF_DUMP_INTERVAL 500         /* ms. */
#define UDPIF_PRESSURE_IDLE 500         /* ms, near the flow limit. */

/* Returns the number of handler threads of the pool: those it runs, or
 * if it is not running, those udpif_pool_ref() with 'n_handlers' would
 * start it with (0: one per CPU; at most 64).  Main thread. */
unsigned int udpif_pool_size(unsigned int n_handlers);

/* Takes a reference to the pool, starting it with
 * udpif_pool_size(n_handlers) handler threads if it is not running.
 * Returns 0 or a positive errno value (out of file descriptors or
 * threads; then no reference is taken).  Each bridge holds one while it
 * has a datapath.  Main thread. */
int udpif_pool_ref(unsigned int n_handlers);
/* Drops a reference; the last one stops the pool's threads. */
void udpif_pool_unref(void);

/* Creates a udpif for 'dpif' and 'ofproto' (neither owned; both must
 * outlive it) and has the pool serve it.  The caller must hold a pool
 * reference and must have given 'dpif' udpif_pool_size() handler queues
 * (dpif_handlers_set(), which may fail for lack of file descriptors),
 * which then belong to the udpif.  Registers itself as the flow table's
 * change callback. */
struct udpif *udpif_create(struct dpif *, struct ofproto *);
/* Takes 'udpif' out of the pool (when this returns no pool thread uses
 * it) and forgets the records (the datapath's flows stay).  NULL is a
 * no-op. */
void udpif_destroy(struct udpif *);

/* Flows idle for longer than 'ms' are deleted by udpif_revalidate(). */
void udpif_set_max_idle(struct udpif *, unsigned int ms);

/* Makes the next udpif_revalidate() re-translate every flow, for
 * changes the table version does not show (ports, VLAN modes). */
void udpif_flush_translations(struct udpif *);

/* One revalidation pass at 'now' (time_msec()), as described above, in
 * the caller's thread (the revalidator thread makes these passes by
 * itself; this is for tests and benchmarks). */
void udpif_revalidate(struct udpif *, long long int now);

/* Re-translates the stale flows now, without a dump. */
void udpif_revalidate_stale(struct udpif *);

/* Applies the connection events queued so far (a connection changed
 * state or went away) at once, in the caller's thread: the flows of
 * those connections are translated again and deleted if they can no
 * longer be cached.  Handlers do this after each batch of upcalls and
 * the revalidator in each pass; this is for the main thread after a
 * flush. */
void udpif_ct_events_run(struct udpif *);

struct udpif_stats {
    uint64_t n_upcalls;         /* Upcalls handled. */
    uint64_t upcall_rate;       /* Upcalls per second, last second. */
    uint64_t n_upcall_errors;   /* Unparsable keys, unknown ports. */
    uint64_t n_installed;       /* Datapath flows installed. */
    uint64_t n_uncached;        /* Misses executed but not installed. */
    uint64_t n_revalidations;   /* Passes that had work to do... */
    uint64_t n_dumps;           /* ...of which dumped the datapath. */
    uint64_t n_retranslated;    /* Stale flows translated again. */
    uint64_t n_modified;        /* Flows whose actions were changed. */
    uint64_t n_deleted;         /* Flows deleted: no longer valid. */
    uint64_t n_idle_deleted;    /* Flows deleted: idle. */
    uint64_t n_adopted;         /* Flows found in the datapath, kept. */
    uint64_t n_records;         /* Flows recorded now. */
    uint64_t n_ct_events;       /* Connection events applied. */
    uint64_t n_ct_syncs;        /* TCP upcalls that read their
                                 * connection's cached flows first. */
    uint64_t n_pairs_installed; /* Reverse flows installed ahead of
                                 * their traffic (flow pairs)... */
    uint64_t n_pairs_used;      /* ...that then saw packets... */
    uint64_t n_pairs_wasted;    /* ...or were deleted idle without. */
    uint64_t last_pass_us;      /* Duration of the last pass, us. */
    uint64_t last_change_us;    /* ...of the last flow table change's. */
    struct histogram upcall_us; /* Time to handle each upcall handled,
                                 * from receipt: translation, flow
                                 * install and, by a handler thread,
                                 * execution. */
    struct histogram pass_us;   /* Duration of each revalidation pass,
                                 * flow table changes' included. */
    unsigned int n_handlers;    /* Handler threads (the pool's). */
    unsigned int max_idle;      /* ms. */
};

void udpif_get_stats(struct udpif *, struct udpif_stats *);

#endif /* udpif.h */
