/* vswitchd/ofconn.h: OpenFlow 1.3 connections of the bridges.
 *
 * Each bridge listens on "punix:RUNDIR/BRIDGE.mgmt", as Open vSwitch's
 * bridges do, for local OpenFlow tools ("ovs-ofctl -O OpenFlow13").  A
 * connection negotiates OpenFlow 1.3 only and applies the FLOW_MODs it
 * receives to the bridge's flow tables through bridge_flow_mods(), the
 * path JSON-RPC flow changes take.  See docs/openflow.md for what is
 * supported.
 *
 * Main thread only. */
#ifndef NFVS_OFCONN_H
#define NFVS_OFCONN_H 1

struct bridge_set;
struct event_base;
struct ofmgr;

/* Creates a manager for the bridges of 'bridges' (not owned; must
 * outlive it) on 'base', with socket files in 'rundir' (copied). */
struct ofmgr *ofmgr_create(struct event_base *base,
                           struct bridge_set *bridges, const char *rundir);
/* Closes every listener and connection.  NULL is a no-op. */
void ofmgr_destroy(struct ofmgr *);

/* Opens a listener for each bridge that has none and closes those of
 * bridges that are gone (with their connections), and sends
 * PORT_STATUS to the connections of each bridge whose ports were added,
 * deleted or changed link or admin state since the last call. */
void ofmgr_run(struct ofmgr *);

#endif /* ofconn.h */
