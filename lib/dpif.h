/* lib/dpif.h: the datapath interface.
 *
 * A datapath is an exact-match flow cache with ports.  Packets that hit a
 * flow are forwarded by its actions without the daemon; a packet that
 * matches no flow (a "miss") is queued to the daemon as an upcall, and
 * the daemon installs a flow for its key (dpif_flow_put()) and executes
 * the packet (dpif_execute()).  This interface is the same for every
 * datapath implementation ("provider", see dpif-provider.h):
 *   - "system": the kernel module nfvs.ko over generic netlink;
 *   - "userspace": the datapath run by forwarding threads inside the
 *     daemon (dpif-userspace.c), reading ports through lib/netdev.h;
 *   - "dummy": the userspace datapath with a dummy local port and no
 *     forwarding threads by default, for tests.
 *
 * Keys and actions are netlink attribute streams in the format of
 * datapath/nfvs_abi.h (NFVS_KEY_ATTR_*, NFVS_ACTION_ATTR_*), built and
 * printed with lib/odp-util.h.  A flow key is exact: it is the key the
 * datapath builds from a packet (odp_key_from_flow() of flow_extract()),
 * attribute for attribute; keys in any other form are rejected with
 * EINVAL.  Port numbers are datapath port numbers (uint32_t); port
 * NFVS_VPORT_LOCAL (0) is the local port, named after the datapath,
 * which exists from the datapath's creation.
 *
 * Upcalls go to "handlers": the caller sets how many with
 * dpif_handlers_set(); each upcall is queued to handler 'hash % n' where
 * 'hash' is the flow hash of its key, so that the packets of one flow
 * stay in order.  Each handler has a file descriptor that is readable
 * while upcalls wait for it.
 *
 * Errors are positive errno values.  Functions that take key or action
 * bytes from the caller validate them and return EINVAL for anything
 * malformed; they never crash on bad input.
 *
 * Thread-safety: a 'struct dpif' may be used from several threads at
 * once, with these limits: dpif_recv_batch() for one handler from one
 * thread at a time; dpif_handlers_set(), dpif_set_option() and
 * dpif_close() not concurrently with dpif_recv_batch() or each other;
 * dpif_run() from one thread. */
#ifndef NFVS_DPIF_H
#define NFVS_DPIF_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "datapath/nfvs_abi.h"

struct dp_packet;
struct dpif;
struct ds;
struct netdev;
struct nl_buf;

/* Datapaths. */

/* Opens the datapath 'name' of 'type' ("system", "userspace", "dummy"),
 * creating it if 'create' and it does not exist yet.  Stores the datapath
 * in '*dpifp' and returns 0, or stores NULL and returns a positive errno
 * value: EAFNOSUPPORT for an unknown type, ENODEV if it does not exist and
 * '!create', EEXIST if 'create' and it exists already, EINVAL for a bad
 * name.  The caller closes it with dpif_close(). */
int dpif_open(const char *name, const char *type, bool create,
              struct dpif **dpifp);

/* Returns 0 if datapaths of 'type' can be used on this host, otherwise a
 * positive errno value: EAFNOSUPPORT for an unknown type or, for
 * "system", when nfvs.ko is not loaded (its generic netlink families do
 * not resolve).  Cheap after the first call. */
int dpif_type_probe(const char *type);

/* Stores in '*namesp' a new array of the '*n_namesp' names of the
 * existing datapaths of 'type', sorted; free with dpif_list_free().
 * Returns EOPNOTSUPP for a type that cannot list them, or the errors of
 * dpif_type_probe(). */
int dpif_list(const char *type, char ***namesp, size_t *n_namesp);
void dpif_list_free(char **names, size_t n_names);

/* Returns the netdev type (lib/netdev.h) that a port configured with
 * 'port_type' ("system", "internal", "dummy") is opened with before
 * dpif_port_add() on a datapath of 'dp_type'.  The kernel datapath moves
 * packets itself and creates its internal ports, so its ports are
 * netdevs that only name the device ("kernel-system",
 * "kernel-internal"); the userspace datapaths use the types as they
 * are. */
const char *dpif_port_open_type(const char *dp_type, const char *port_type);

/* Closes 'dpif'.  A datapath of the userspace kind ceases to exist with
 * its last close; a kernel datapath outlives the daemon unless
 * dpif_delete() was called.  NULL is a no-op. */
void dpif_close(struct dpif *);

/* Marks the datapath for destruction: its ports and flows go away now or
 * with the last dpif_close(). */
int dpif_delete(struct dpif *);

const char *dpif_name(const struct dpif *);
const char *dpif_type(const struct dpif *);

/* Performs periodic work.  For the userspace datapath without forwarding
 * threads (the "dummy" default), this is where packets waiting on ports
 * are received and forwarded.  Call from one thread only. */
void dpif_run(struct dpif *);

/* Sets a provider-specific tunable 'name' to 'value'.  Returns EINVAL
 * for a bad value and EOPNOTSUPP for a name the provider does not have.
 * The userspace datapath has:
 *   "forwarding-threads"  threads polling ports, 0 = dpif_run() does it;
 *   "upcall-queue-len"    upcalls queued per port in each handler;
 *   "upcall-rate"         new-flow upcalls per second and port, 0 = no
 *                         limit;
 *   "upcall-burst"        token bucket depth for "upcall-rate";
 *   "upcall-dedupe-ms"    how long a queued upcall suppresses new misses
 *                         of the same key, 0 = never. */
int dpif_set_option(struct dpif *, const char *name, unsigned int value);

/* Most forwarding threads whose counters struct dpif_dp_stats holds. */
#define DPIF_MAX_FWD_STATS 64

/* Datapath counters.  A packet is counted once as a hit, a miss or a
 * loss; n_missed counts upcalls queued, lost ones are counted by reason
 * and in their sum n_lost. */
struct dpif_dp_stats {
    uint64_t n_hit;             /* Packets that matched a flow. */
    uint64_t n_missed;          /* Misses queued as upcalls. */
    uint64_t n_lost;            /* Sum of the n_lost_* below. */
    uint64_t n_lost_queue;      /* Upcall queue full. */
    uint64_t n_lost_rate;       /* Port exceeded its upcall rate. */
    uint64_t n_lost_parse;      /* Packet too short for a key. */
    uint64_t n_lost_dup;        /* Key already queued for an upcall. */
    uint64_t n_lost_nohandler;  /* No handler to queue to. */
    uint64_t n_lost_nomem;      /* No memory for the upcall (kernel). */
    uint64_t n_flows;           /* Flows in the table now. */
    uint64_t n_flow_limit;      /* Puts refused: table at its limit. */
    uint32_t flow_limit;        /* Current flow limit. */

    /* The userspace datapath's forwarding threads, each with its own
     * counters since it started (0 threads for other datapaths). */
    unsigned int n_fwd;         /* Elements of 'fwd' used. */
    struct dpif_fwd_stats {
        uint64_t n_packets;     /* Packets received. */
        uint64_t n_batches;     /* Receive calls that returned packets. */
        uint64_t n_full_batches; /* ...that returned a full batch (a
                                  * backlog: the thread lags behind). */
        uint64_t n_wakeups;     /* Returns from waiting for packets. */
    } fwd[DPIF_MAX_FWD_STATS];
};

int dpif_get_stats(const struct dpif *, struct dpif_dp_stats *);

/* The default flow limit of a new datapath. */
#define DPIF_DEFAULT_FLOW_LIMIT 200000

/* Sets the maximum number of flows.  Flows already installed above a
 * lowered limit stay; new puts fail until the count drops under it. */
int dpif_set_flow_limit(struct dpif *, uint32_t flow_limit);
int dpif_get_flow_limit(const struct dpif *, uint32_t *flow_limitp);

/* Ports. */

/* Asks dpif_port_add() to choose the port number. */
#define DPIF_PORT_ANY UINT32_MAX

struct dpif_port {
    char *name;                 /* Device name; owned. */
    char *type;                 /* Netdev type ("system", "dummy"...). */
    uint32_t port_no;           /* Datapath port number. */
};

/* Frees the members of 'port' (not 'port' itself). */
void dpif_port_uninit(struct dpif_port *);

/* Adds 'netdev' as a port.  '*port_nop' is the port number wanted, or
 * DPIF_PORT_ANY for the lowest free number above 0; on success it holds
 * the port's number.  Returns EEXIST if a port of that name exists,
 * EBUSY if the number is taken, EFBIG if no number is free.  The
 * datapath takes its own reference to 'netdev' (the caller keeps
 * its own). */
int dpif_port_add(struct dpif *, struct netdev *netdev, uint32_t *port_nop);

/* Removes port 'port_no', which may be receiving and sending packets:
 * when this returns, no thread of the datapath uses its netdev any more.
 * Flows that name the port stay (their output to it drops).  Returns
 * ENOENT if there is no such port, EINVAL for the local port. */
int dpif_port_del(struct dpif *, uint32_t port_no);

/* Look up one port; fill '*port', which the caller uninits.  Return
 * ENOENT (with '*port' zeroed) if there is none. */
int dpif_port_query_by_number(const struct dpif *, uint32_t port_no,
                              struct dpif_port *port);
int dpif_port_query_by_name(const struct dpif *, const char *name,
                            struct dpif_port *port);

/* Stores the counters of port 'port_no' in '*stats' (lib/netdev.h): on
 * the kernel datapath the vport's own counters, which count a failed
 * send as a drop and have no error counters (rx_errors and tx_errors are
 * NETDEV_STAT_UNKNOWN); on the userspace datapaths those of the port's
 * netdev.  Returns ENOENT if there is no
 * such port, with '*stats' zeroed. */
struct netdev_stats;
int dpif_port_get_stats(const struct dpif *, uint32_t port_no,
                        struct netdev_stats *stats);

/* Stores in '*portsp' a new array of the '*n_portsp' ports, sorted by
 * number; free with dpif_port_dump_free(). */
int dpif_port_dump(const struct dpif *, struct dpif_port **portsp,
                   size_t *n_portsp);
void dpif_port_dump_free(struct dpif_port *ports, size_t n_ports);

/* Flows. */

/* What a flow has seen.  'used' is time_msec() of its last packet, 0 if
 * none; 'tcp_flags' is the OR of the TCP flags of its packets; 'tcp_seq'
 * is the sequence record of nfvs_abi.h, valid once a TCP segment hit. */
struct dpif_flow_stats {
    uint64_t n_packets;         /* Packets that hit the flow. */
    uint64_t n_bytes;           /* Their bytes, from the Ethernet header. */
    long long int used;         /* Last hit, monotonic ms; 0: never. */
    uint16_t tcp_flags;         /* OR of TCP flags (host order). */
    struct nfvs_flow_tcp_seq tcp_seq;   /* Highest seq end, last ack. */
};

/* dpif_flow_put() flags. */
enum dpif_flow_put_flags {
    DPIF_FP_CREATE = 1 << 0,    /* May create a new flow. */
    DPIF_FP_MODIFY = 1 << 1,    /* May change an existing flow. */
    DPIF_FP_ZERO_STATS = 1 << 2 /* Zero the stats of a modified flow. */
};

/* Installs or changes the flow for exact 'key' with 'actions' (an empty
 * list drops).  With DPIF_FP_CREATE only, fails with EEXIST if the flow
 * exists; with DPIF_FP_MODIFY only, fails with ENOENT if it does not.
 * If 'stats' is nonnull, stores there the stats the flow had before
 * (zero for a new flow).  Returns EINVAL for a malformed or non-exact key
 * or malformed actions, ENOSPC (counted in n_flow_limit) if a new flow
 * would exceed the flow limit. */
int dpif_flow_put(struct dpif *, enum dpif_flow_put_flags flags,
                  const void *key, size_t key_size,
                  const void *actions, size_t actions_size,
                  struct dpif_flow_stats *stats);

/* Installs a new flow for exact 'key' with 'actions', as dpif_flow_put()
 * with DPIF_FP_CREATE, and, where the datapath can do both in one
 * request (the kernel datapath), also runs 'actions' on 'packet' right
 * after, whether or not the flow could be added; then sets '*executedp'
 * to true, otherwise to false (the caller executes the packet itself).
 * Does not take ownership of 'packet'.  Returns the put's result (0,
 * EEXIST, ENOSPC, EINVAL...). */
int dpif_flow_put_execute(struct dpif *, const void *key, size_t key_size,
                          const void *actions, size_t actions_size,
                          const struct dp_packet *packet, bool *executedp);

/* Removes the flow for 'key'; stores its final stats in 'stats' if
 * nonnull.  Returns ENOENT if there is none. */
int dpif_flow_del(struct dpif *, const void *key, size_t key_size,
                  struct dpif_flow_stats *stats);

/* Looks up the flow for 'key'.  Appends its actions to 'actions' and
 * stores its stats in 'stats', each if nonnull.  Returns ENOENT if there
 * is none. */
int dpif_flow_get(const struct dpif *, const void *key, size_t key_size,
                  struct nl_buf *actions, struct dpif_flow_stats *stats);

/* Removes every flow. */
int dpif_flow_flush(struct dpif *);

/* One flow seen by a dump. */
struct dpif_flow {
    const void *key;            /* Exact key. */
    size_t key_size;
    const void *actions;        /* Actions; empty: drop. */
    size_t actions_size;
    struct dpif_flow_stats stats;
};

/* Dumping every flow: a flow present during the whole dump is seen
 * exactly once; flows added or deleted meanwhile may or may not be.  Use
 * from one thread.
 *
 *     dump = dpif_flow_dump_create(dpif);
 *     while ((n = dpif_flow_dump_next(dump, flows, ARRAY_SIZE(flows)))) {
 *         ...flows[0..n-1], valid until the next call...
 *     }
 *     error = dpif_flow_dump_destroy(dump);
 */
struct dpif_flow_dump *dpif_flow_dump_create(const struct dpif *);

/* Fills up to 'max' flows; returns how many, 0 at the end (or on an
 * error, which dpif_flow_dump_destroy() reports).  Their key and action
 * pointers stay valid until the next call or the dump's destruction. */
size_t dpif_flow_dump_next(struct dpif_flow_dump *, struct dpif_flow *flows,
                           size_t max);

/* Frees 'dump'; returns 0 or the error that ended it early. */
int dpif_flow_dump_destroy(struct dpif_flow_dump *);

/* Packets. */

/* Runs 'actions' on a copy of 'packet' as if it had arrived on port
 * 'in_port' (DPIF_PORT_ANY for none).  Does not take ownership of
 * 'packet' and does not change it.  Returns EINVAL for malformed
 * actions; a packet that cannot be sent is dropped and counted by the
 * port, not reported here. */
int dpif_execute(struct dpif *, const struct dp_packet *packet,
                 uint32_t in_port, const void *actions, size_t actions_size);

/* Upcalls. */

enum dpif_upcall_type {
    DPIF_UC_MISS,               /* No flow matched the packet. */
    DPIF_UC_ACTION              /* A userspace action sent it. */
};

/* One upcall; every pointer member is owned by the upcall and freed by
 * dpif_upcall_uninit(). */
struct dpif_upcall {
    enum dpif_upcall_type type; /* Why the packet came up. */
    struct dp_packet *packet;   /* The packet as the datapath had it. */
    void *key;                  /* Its exact key (attribute stream). */
    size_t key_size;
    void *userdata;             /* DPIF_UC_ACTION: the action's userdata,
                                 * or NULL. */
    size_t userdata_size;
    uint32_t hash;              /* Flow hash of 'key'. */
    uint32_t in_port;           /* Datapath port it arrived on. */
};

void dpif_upcall_uninit(struct dpif_upcall *);

/* Sets the number of handlers to 'n_handlers' (0 disables upcalls:
 * misses are lost as n_lost_nohandler).  Upcalls queued to handlers that
 * go away are dropped. */
int dpif_handlers_set(struct dpif *, uint32_t n_handlers);

/* Moves up to 'max' upcalls queued for handler 'handler_id' into
 * 'upcalls[0..*n-1]'; the caller uninits each.  Returns 0 with '*n' >= 1,
 * EAGAIN with '*n' == 0 if none wait, EINVAL for a bad 'handler_id'. */
int dpif_recv_batch(struct dpif *, uint32_t handler_id,
                    struct dpif_upcall upcalls[], size_t max, size_t *n);

/* Returns a file descriptor that is readable while upcalls wait for
 * handler 'handler_id', or -1 for a bad id.  The datapath owns it. */
int dpif_handler_get_fd(const struct dpif *, uint32_t handler_id);

/* A miss handled by the thread that found it, where the datapath has
 * such threads (the userspace datapath's port threads), instead of a
 * hand-off to a handler: the callback does what a handler would
 * (translate, install the flow) and appends the packet's actions to
 * 'actions', which the datapath then executes on the packet itself.
 * 'upcall' and its packet stay the datapath's.  Returns false if it did
 * not handle the upcall.  It runs in the datapath's threads, holding
 * none of the caller's locks, and must not call back into the
 * datapath's packet, port or handler functions (the flow functions are
 * fine).  A datapath without such threads queues every miss. */
typedef bool dpif_upcall_cb(void *aux, const struct dpif_upcall *upcall,
                            struct nl_buf *actions);

/* Has 'cb' (with 'aux') handle misses as above, or stops that if 'cb' is
 * NULL; once this returns, no thread is inside the previous callback. */
void dpif_register_upcall_cb(struct dpif *, dpif_upcall_cb *cb, void *aux);

/* Appends the TCP flags 'flags' as dpif_flow_format() prints them
 * ("syn|ack"). */
void dpif_format_tcp_flags(struct ds *, uint16_t flags);

/* Printing, for tests and nfvs-dpctl: appends "KEY, packets:N, bytes:N,
 * used:Xs|never, flags:F, actions:ACTIONS" to 's'.  'now' is time_msec()
 * or 0 to print "used:yes" instead of an age. */
void dpif_flow_format(struct ds *s, const struct dpif_flow *flow,
                      long long int now);

/* Meters (OpenFlow 1.3 meters, enforced by the datapath's meter action;
 * see lib/ofp-meter.h).  Optional: a datapath without them returns
 * EOPNOTSUPP. */
struct ofp_meter;

/* Counters of one meter: packets and bytes that reached it, and those its
 * drop band dropped. */
struct dpif_meter_stats {
    uint64_t n_packets;
    uint64_t n_bytes;
    uint64_t n_band_packets;
    uint64_t n_band_bytes;
};

/* Adds meter 'm', or replaces the configuration of the meter of its id
 * (keeping its counters; its bucket starts full).  EINVAL for a meter id
 * or rate the datapath cannot hold. */
int dpif_meter_set(struct dpif *, const struct ofp_meter *m);

/* Deletes meter 'meter_id'; ENOENT if there is none.  Packets that reach
 * a meter action naming a missing meter are dropped. */
int dpif_meter_del(struct dpif *, uint32_t meter_id);

/* Stores the counters of meter 'meter_id' in '*stats' (zeroed on error);
 * ENOENT if there is no such meter. */
int dpif_meter_get_stats(const struct dpif *, uint32_t meter_id,
                         struct dpif_meter_stats *stats);

#endif /* dpif.h */
