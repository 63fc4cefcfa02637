/* lib/udpif.h: upcall handling and revalidation between an ofproto and
 * its datapath.
 *
 * A udpif runs 'n_handlers' handler threads for one datapath.  Each
 * blocks on its handler's file descriptor, receives batches of upcalls
 * and, for each miss: parses the key, maps the datapath in_port to the
 * OpenFlow port, translates the flow through the ofproto (learning MACs
 * and crediting the rules hit with this one packet), installs a datapath
 * flow for the exact key with the resulting actions, and executes the
 * packet with the same actions so that it is not lost.  Keys with any of
 * the TCP SYN, FIN or RST bits set (tcp_ctl) are executed but never
 * installed: every connection state change must reach the daemon.
 *
 * Every installed flow is recorded (key, actions, the flow table version
 * and MAC learning sequence number it was translated at, whether NORMAL
 * ran).  A flow is "stale" if the tables changed since it was
 * translated, the MAC table changed and it used NORMAL, or the ports
 * changed (udpif_flush_translations()).  Every UDPIF_DUMP_INTERVAL ms
 * (or half the max-idle time, if shorter) udpif_revalidate() dumps the
 * datapath and, for each flow:
 *   - pushes the packets and bytes seen since the last pass to the rules
 *     (by translating again with those counts);
 *   - deletes it if it has been idle longer than the max-idle time;
 *   - re-translates it if it is stale: a flow whose actions differ now
 *     is modified in place, one that no longer translates is deleted.
 * Between dumps, udpif_revalidate() only re-translates stale flows, by
 * walking the records, and costs nothing when nothing changed.  A flow
 * table commit does that at once (through the flow table's change
 * callback), so the datapath never keeps forwarding by a rule that is
 * gone.  The caller runs udpif_revalidate() every ~100 ms, which also
 * catches flows installed concurrently with a change.
 *
 * This first version re-translates every stale flow on a change, not
 * only the ones the change can affect.
 *
 * Thread-safety: udpif_create(), udpif_destroy(), udpif_revalidate()
 * and the setters are for the main thread; the handler threads are the
 * udpif's own.  udpif_get_stats() may be called from any thread. */
#ifndef NFVS_UDPIF_H
#define NFVS_UDPIF_H 1

#include <stddef.h>
#include <stdint.h>

struct dpif;
struct ofproto;
struct udpif;

#define UDPIF_DEFAULT_MAX_IDLE 10000    /* ms. */
#define UDPIF_DUMP_INTERVAL 500         /* ms. */

/* Creates a udpif for 'dpif' and 'ofproto' (neither owned; both must
 * outlive it) and starts 'n_handlers' handler threads (at least 1).
 * Registers itself as the flow table's change callback. */
struct udpif *udpif_create(struct dpif *, struct ofproto *,
                           unsigned int n_handlers);
/* Stops the handlers and forgets the records (the datapath's flows
 * stay).  NULL is a no-op. */
void udpif_destroy(struct udpif *);

/* Flows idle for longer than 'ms' are deleted by udpif_revalidate(). */
void udpif_set_max_idle(struct udpif *, unsigned int ms);

/* Makes the next udpif_revalidate() re-translate every flow, for
 * changes the table version does not show (ports, VLAN modes). */
void udpif_flush_translations(struct udpif *);

/* One revalidation pass at 'now' (time_msec()), as described above. */
void udpif_revalidate(struct udpif *, long long int now);

/* Re-translates the stale flows now, without a dump. */
void udpif_revalidate_stale(struct udpif *);

struct udpif_stats {
    uint64_t n_upcalls;         /* Upcalls handled. */
    uint64_t n_upcall_errors;   /* Unparsable keys, unknown ports. */
    uint64_t n_installed;       /* Datapath flows installed. */
    uint64_t n_uncached;        /* Misses executed but not installed. */
    uint64_t n_revalidations;   /* Passes that had work to do... */
    uint64_t n_dumps;           /* ...of which dumped the datapath. */
    uint64_t n_retranslated;    /* Stale flows translated again. */
    uint64_t n_modified;        /* Flows whose actions were changed. */
    uint64_t n_deleted;         /* Flows deleted: no longer valid. */
    uint64_t n_idle_deleted;    /* Flows deleted: idle. */
    uint64_t n_records;         /* Flows recorded now. */
    uint64_t last_pass_us;      /* Duration of the last pass, us. */
    unsigned int n_handlers;    /* Handler threads. */
    unsigned int max_idle;      /* ms. */
};

void udpif_get_stats(struct udpif *, struct udpif_stats *);

#endif /* udpif.h */
