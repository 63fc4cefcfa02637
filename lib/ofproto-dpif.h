/* lib/ofproto-dpif.h: a bridge's ofproto bound to a datapath.
 *
 * Each bridge gets a datapath of its own, named after the bridge, so that
 * the datapath's local port (number 0, which the datapath creates with
 * its own name) is the bridge's local port: "br0" is an internal device
 * on the userspace datapath, as in Open vSwitch.  (One datapath shared
 * by every bridge, as OVS's "ovs-netdev", would have one local port for
 * all of them.)
 *
 * Ports are opened as netdevs of the type dpif_port_open_type() maps
 * their configured type to, and added to the datapath; a port the
 * datapath has already (a kernel datapath left by an earlier run) is
 * kept with its number, without a traffic gap;
 * on the "dummy" datapath every port is a dummy netdev whatever its
 * configured type, so tests need no privileges, and every packet sent on
 * it is written to DIR/PORT.pcap.  The caller keeps the ofproto's
 * ofport <-> dp_port map (ofproto_set_ports()) from the numbers this
 * module returns.  Upcalls and revalidation are lib/udpif.h.
 *
 * Thread-safety: main thread only. */
#ifndef NFVS_OFPROTO_DPIF_H
#define NFVS_OFPROTO_DPIF_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "udpif.h"

struct ds;
struct ofproto;
struct ofproto_dpif;

struct ofproto_dpif_config {
    const char *dp_type;        /* "system", "userspace" or "dummy". */
    unsigned int n_handlers;    /* Handler threads shared by all bridges;
                                 * 0: one per CPU (see udpif_create()). */
    unsigned int max_idle;      /* ms. */
    unsigned int flow_limit;    /* Datapath flows; 0: the default. */
    const char *pcap_dir;       /* Where dummy ports write PORT.pcap. */
    unsigned int n_forwarders;  /* Userspace datapath: forwarding
                                 * threads; 0: one per CPU. */
};

/* Creates (or opens) the datapath for 'ofproto', named after it, without
 * handling its upcalls yet (see ofproto_dpif_start()).  Returns 0, or a
 * positive errno value with a message in '*errp'. */
int ofproto_dpif_create(struct ofproto *,
                        const struct ofproto_dpif_config *,
                        struct ofproto_dpif **, char **errp);
/* Starts the handlers and the revalidator, once the bridge's ports and
 * flows are in place: a datapath that outlived the daemon has flows and
 * misses, which must not be translated against half a configuration.
 * Until then misses wait in the datapath's queues.  A second call does
 * nothing. */
void ofproto_dpif_start(struct ofproto_dpif *);

/* Stops the handlers and closes the datapath without deleting it: a
 * kernel datapath keeps its ports and flows, forwarding, until the next
 * ofproto_dpif_create() for the bridge reattaches to it (a userspace one
 * ceases with its last close anyway).  NULL is a no-op. */
void ofproto_dpif_destroy(struct ofproto_dpif *);

/* The same, deleting the datapath's ports and the datapath itself first
 * (del-br).  NULL is a no-op. */
void ofproto_dpif_delete(struct ofproto_dpif *);
/* The same, and removes the pcap files that creating the datapath and
 * adding its ports created: undoes a bridge that must leave no trace.
 * NULL is a no-op. */
void ofproto_dpif_undo(struct ofproto_dpif *);

/* Deletes every datapath port that no ofproto_dpif_port_add() claimed:
 * after a restart, the ports removed from the configuration while the
 * daemon was down. */
void ofproto_dpif_prune_ports(struct ofproto_dpif *);

/* Adds port 'name' of 'type' and stores its datapath port number in
 * '*dp_portp'.  The bridge's local port (the datapath's own name) is
 * port 0, which exists already. */
int ofproto_dpif_port_add(struct ofproto_dpif *, const char *name,
                          const char *type, uint32_t *dp_portp,
                          char **errp);
void ofproto_dpif_port_del(struct ofproto_dpif *, uint32_t dp_port);
/* Deletes 'dp_port' and removes the pcap file, if any, that adding it
 * created: undoes a port addition.  A failed ofproto_dpif_port_add()
 * leaves nothing behind by itself. */
void ofproto_dpif_port_undo(struct ofproto_dpif *, uint32_t dp_port);

/* Reads the link and admin state of each port and tells the ofproto
 * which ports are live (for fast_failover groups), which revalidates the
 * flows that used a group watching a port whose liveness changed.  Done
 * on port changes, dummy link changes and every second. */
void ofproto_dpif_update_liveness(struct ofproto_dpif *);

/* The bridge's ports changed (numbers, VLAN modes): re-translate every
 * installed flow now. */
void ofproto_dpif_ports_changed(struct ofproto_dpif *);

/* Applies the queued connection tracking events now
 * (udpif_ct_events_run()). */
void ofproto_dpif_ct_events_run(struct ofproto_dpif *);

/* Periodic work: forwards waiting packets on the dummy datapath. */
void ofproto_dpif_run(struct ofproto_dpif *);
/* A revalidation pass (udpif_revalidate()). */
void ofproto_dpif_revalidate(struct ofproto_dpif *, long long int now);

/* Makes dummy port 'port' receive the Ethernet frame in 'hex' (spaces
 * allowed) and forwards it. */
int ofproto_dpif_inject(struct ofproto_dpif *, const char *port,
                        const char *hex, char **errp);

/* Sets the link of dummy port 'port' up or down (see
 * netdev_dummy_set_link()); stores in '*was_upp' whether it was up.
 * Returns 0, ENOENT for no such port or EOPNOTSUPP for a port that is not
 * a dummy, with a message in '*errp' (caller frees). */
int ofproto_dpif_set_dummy_link(struct ofproto_dpif *, const char *port,
                                bool up, bool *was_upp, char **errp);

/* Appends one line per datapath flow, sorted, as dpif_flow_format(). */
void ofproto_dpif_dump_flows(struct ofproto_dpif *, struct ds *);

/* Calls 'cb' with 'aux' for each datapath flow, in the order of
 * ofproto_dpif_dump_flows(), with the flow, its line and the time of the
 * dump (time_msec()); the flow and line are valid only during the
 * call. */
struct dpif_flow;
typedef void ofproto_dpif_flow_cb(const struct dpif_flow *,
                                  const char *line, long long int now,
                                  void *aux);
void ofproto_dpif_for_each_flow(struct ofproto_dpif *,
                                ofproto_dpif_flow_cb *, void *aux);

struct dpif_dp_stats;
int ofproto_dpif_get_stats(struct ofproto_dpif *, struct dpif_dp_stats *,
                           struct udpif_stats *);
/* Stores the counters of datapath port 'dp_port' in '*stats' (see
 * dpif_port_get_stats()) and its device's state in '*state' (both down
 * if the device cannot be read).  Returns 0, ENOENT if no such port, or
 * the datapath's error. */
struct netdev_link_state;
struct netdev_stats;
int ofproto_dpif_port_get_stats(const struct ofproto_dpif *,
                                uint32_t dp_port, struct netdev_stats *,
                                struct netdev_link_state *);
const char *ofproto_dpif_name(const struct ofproto_dpif *);
const char *ofproto_dpif_type(const struct ofproto_dpif *);

/* Meters: the datapath enforces the bridge's meters (ofproto.h keeps
 * their configurations; ofproto_dpif_create() installs them all). */
struct ofp_meter;
struct dpif_meter_stats;

/* Adds or replaces meter 'm' in the datapath; on error a message that
 * names it in '*errp'. */
int ofproto_dpif_meter_set(struct ofproto_dpif *, const struct ofp_meter *m,
                           char **errp);
/* Deletes meter 'meter_id' from the datapath (logs a failure). */
void ofproto_dpif_meter_del(struct ofproto_dpif *, uint32_t meter_id);
/* The datapath's counters of meter 'meter_id' (dpif_meter_get_stats()). */
int ofproto_dpif_meter_get_stats(const struct ofproto_dpif *,
                                 uint32_t meter_id,
                                 struct dpif_meter_stats *);

#endif /* ofproto-dpif.h */
