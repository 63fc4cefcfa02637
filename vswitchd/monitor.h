/* vswitchd/monitor.h: event subscriptions over JSON-RPC.
 *
 * A client calls "monitor" with a filter (the kinds of event it wants,
 * optionally one bridge); from then on the daemon sends it, on the same
 * connection, a notification {"method":"event","params":EVENT} for each
 * event that passes the filter, until "monitor_cancel" or the end of the
 * connection.  docs/rpc.md describes the events.
 *
 * Bounds.  Each subscription has a queue of at most 'max_queue_size'
 * bytes of events (as encoded, plus one event), filled when its
 * connection has no room for more output (see rpc_server_notify()).
 * When the queue is full, events are dropped and counted; the subscriber
 * is then sent a gap notification {"kind":"gap","dropped":N} at the
 * point of the stream where they are missing.  A subscriber that does
 * not read thus costs the daemon a bounded amount of memory, and the
 * main loop never waits for it.
 *
 * Hooks.  The functions monitor_*_changed() report changes from where
 * they are made; each returns at once, without formatting anything, when
 * no subscription wants its kind of event.
 *
 * Thread-safety: main thread only, except where noted. */
#ifndef VSWITCHD_MONITOR_H
#define VSWITCHD_MONITOR_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bridge;
struct bridge_set;
struct conntrack_entry;
struct event_base;
struct flow_table_change;
struct port;
struct rpc_server;

/* Default of 'max_queue_size', in bytes. */
#define MONITOR_QUEUE_SIZE_DEFAULT (1024 * 1024)

/* Registers "monitor" and "monitor_cancel" on 'server', for the bridges
 * of 'bs', with queues of at most 'max_queue_size' bytes each; 'base'
 * runs the event loop (link notifications from the kernel).  Call
 * monitor_destroy() after destroying 'server' (which ends every
 * subscription) and before closing 'bs'. */
void monitor_init(struct rpc_server *server, struct event_base *base,
                  struct bridge_set *bs, size_t max_queue_size);
void monitor_destroy(void);

/* Number of subscriptions. */
size_t monitor_n_subscriptions(void);

/* Bridge 'name' was added (or, 'added' false, removed: its ports and
 * flows went with it, without port or flow events). */
void monitor_bridge_changed(const char *name, bool added);

/* Port 'name' of 'type' with number 'ofport' was added to (or removed
 * from) bridge 'br_name'. */
void monitor_port_changed(const char *br_name, const char *name,
                          uint32_t ofport, const char *type, bool added);

/* The link (carrier) of port 'port' went up or down. */
void monitor_link_changed(const struct port *port, bool up);

/* The flow tables of bridge 'br' changed: the 'n' changes of one commit,
 * as flow_table_change_func reports them. */
void monitor_flows_changed(const struct bridge *br,
                           const struct flow_table_change *changes,
                           size_t n);

/* Group 'group_id' of bridge 'br_name' was "added", "modified" or
 * "removed" ('what'); 'line' is its full form (ofp_group_format()), NULL
 * when removed. */
void monitor_group_changed(const char *br_name, uint32_t group_id,
                           const char *what, const char *line);

/* The conntrack observer of bridge 'br' (see conntrack_set_observer()):
 * connection 'entry' was committed ('new') or went away.  Called from
 * any thread, with the bridge's tracker lock held; it takes only a leaf
 * lock of its own and hands the event to the main thread. */
void monitor_ct_observer(void *br, bool new,
                         const struct conntrack_entry *entry);

#endif /* monitor.h */
