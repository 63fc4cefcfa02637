/* vswitchd/bridge.h: the daemon's bridges and ports, and their config db.
 *
 * A 'struct bridge_set' is every bridge the daemon runs.  Each change is
 * validated, applied, and appended to the config db's log (lib/db.h)
 * before it returns; a change whose record the db refuses (a full disk)
 * is undone and fails with EIO, so the db and the running switch never
 * disagree.  The record becomes durable later, in the db's commit thread;
 * the RPC server holds the answer until then (rpc_server_commit_done()).
 *
 * Like Open vSwitch, every bridge has a local port of its own name and
 * type "internal" with OpenFlow port number LOCAL (65534), and a port
 * name is unique across all bridges.
 *
 * Functions return 0 or a positive errno value (EEXIST, ENOENT, EINVAL,
 * ENOSPC for a full bridge, EIO when the db failed, or ENODEV for a
 * datapath or device that cannot be created or opened, whose message gives
 * the system's error) and, on error, a malloc'd message that names the
 * object in '*errp' (caller frees), e.g. "no bridge named br9".  A
 * change that fails changes nothing: not the running switch, not the db,
 * and no file or device is left behind.
 *
 * A bridge or port from the config db that cannot come up when the daemon
 * starts (its datapath or device cannot be created, a system port's
 * device does not exist) stays configured with its reason in 'error' and
 * is retried every second, as is a system port added while its device
 * does not exist (as in Open vSwitch).
 *
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_BRIDGE_H
#define VSWITCHD_BRIDGE_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "dynamic-string.h"
#include "hmap.h"

struct bridge_set;
struct flow_mod_spec;
struct ofproto;
struct ofproto_dpif;
struct ofproto_dpif_config;

struct port {
    struct hmap_node node;      /* In 'bridge->ports', by name. */
    struct hmap_node all_node;  /* In 'bridge_set->all_ports', by name. */
    struct bridge *bridge;      /* Containing bridge. */
    char *name;                 /* Device name, unique in the set. */
    char *type;                 /* "system", "internal" or "dummy". */
    uint32_t ofport;            /* OpenFlow port number. */
    uint32_t dp_port;           /* Datapath port number, or UINT32_MAX
                                 * if it could not join the datapath. */
    char *error;                /* Why it is not in the datapath (retried
                                 * every second), or NULL. */

    /* VLAN mode, for the NORMAL action, as in Open vSwitch: with a 'tag'
     * the port is an access port of that VLAN; otherwise it is a trunk of
     * the VLANs in 'trunks', or of every VLAN when 'n_trunks' is 0. */
    int tag;                    /* 0..4095, or -1 for none. */
    uint16_t *trunks;           /* Sorted VLAN IDs, no duplicates. */
    size_t n_trunks;            /* Number of 'trunks'. */

    /* String to string maps for other programs (OVS's columns of these
     * names): JSON objects whose values are strings, never NULL. */
    json_t *external_ids;
    json_t *other_config;
};

struct bridge {
    struct hmap_node node;      /* In 'bridge_set->bridges', by name. */
    char *name;                 /* Bridge name, also its local port. */
    struct hmap ports;          /* "struct port"s, by name. */
    struct ofproto *ofproto;    /* Flow tables, MAC table, xlate view. */
    struct ofproto_dpif *dp;    /* Its datapath, or NULL if none. */
    uint64_t serial;            /* Unique among bridges of the process. */
    char *error;                /* Why its datapath could not be created
                                 * (retried every second), or NULL. */
    struct ds journal_text;     /* Db edits of a staged flow change so
                                 * far (see bridge_replace_step()). */
    json_t *external_ids;       /* As in struct port. */
    json_t *other_config;
};

/* Opens the config db at 'dbfile' (created on first change when missing)
 * and builds the bridges it holds, each with a datapath configured by
 * 'dp_cfg' (copied), or none if it is NULL (then the datapath port
 * numbers are the OpenFlow ones and nothing forwards).  Returns 0 and
 * the set in '*bsp', or a positive errno value and a message in
 * '*errp'. */
int bridge_set_open(const char *dbfile,
                    const struct ofproto_dpif_config *dp_cfg,
                    struct bridge_set **bsp, char **errp);
void bridge_set_close(struct bridge_set *);

/* The config db of 'bs', for the event loop to run its commits. */
struct db *bridge_set_get_db(const struct bridge_set *);

struct bridge *bridge_find(const struct bridge_set *, const char *name);
struct port *bridge_find_port(const struct bridge_set *, const char *name);

/* Returns the bridges sorted by name, in a malloc'd array of '*n'
 * (caller frees the array only). */
struct bridge **bridge_set_sorted(const struct bridge_set *, size_t *n);
/* Returns the ports of 'br' sorted by ofport, likewise. */
struct port **bridge_ports_sorted(const struct bridge *, size_t *n);

int bridge_add(struct bridge_set *, const char *name, bool may_exist,
               char **errp);
int bridge_del(struct bridge_set *, const char *name, bool if_exists,
               char **errp);

/* Adds port 'name' of 'type' (NULL means "system") to bridge 'br_name'.
 * 'ofport' 0 picks the lowest free number.  With 'may_exist', a port that
 * exists already with the same bridge (and, when given, type and ofport)
 * is not an error.  Stores the port's number in '*ofportp'.  A port that
 * cannot join the datapath fails, except a system port whose device does
 * not exist (yet): that one is added with its 'error' set and joins once
 * the device appears. */
int bridge_add_port(struct bridge_set *, const char *br_name,
                    const char *name, const char *type, uint32_t ofport,
                    bool may_exist, uint32_t *ofportp, char **errp);
/* Deletes port 'name'; when 'br_name' is nonnull the port must be in that
 * bridge.  A bridge's local port cannot be deleted (delete the bridge). */
int bridge_del_port(struct bridge_set *, const char *br_name,
                    const char *name, bool if_exists, char **errp);

/* Sets the VLAN configuration of port 'name' on bridge 'br_name': 'tag'
 * -1 clears it; 'n_trunks' 0 means all VLANs.  A tag and trunks together
 * are rejected (OVS's native VLAN modes are not supported).  Takes no
 * ownership of 'trunks'. */
int bridge_set_port_vlans(struct bridge_set *, const char *br_name,
                          const char *name, int tag,
                          const uint16_t *trunks, size_t n_trunks,
                          char **errp);

/* Applies the 'n' flow mods in 'specs' to bridge 'br_name' as one batch
 * (all or none) and saves the flows. */
int bridge_flow_mods(struct bridge_set *, const char *br_name,
                     const struct flow_mod_spec *specs, size_t n,
                     char **errp);

/* Adds group 'g' (copied) to bridge 'br_name', or replaces the group of
 * its id if 'modify' (ofproto_group_add(); also EINVAL for a watch_port
 * the bridge does not have), and saves it. */
struct ofp_group;
int bridge_group_add(struct bridge_set *, const char *br_name,
                     const struct ofp_group *g, bool modify, char **errp);

/* Deletes group 'id' (OFPG_ALL: all) of bridge 'br_name' and the flows
 * that use it, and saves that; stores how many groups and flows went. */
int bridge_group_del(struct bridge_set *, const char *br_name, uint32_t id,
                     size_t *n_groupsp, size_t *n_flowsp, char **errp);

/* Adds meter 'm' (copied) to bridge 'br_name' and its datapath, or
 * replaces the meter of its id if 'modify' (ofproto_meter_add(): EEXIST,
 * ENOENT), and saves it; on any error nothing changed. */
struct ofp_meter;
int bridge_meter_add(struct bridge_set *, const char *br_name,
                     const struct ofp_meter *m, bool modify, char **errp);

/* Deletes meter 'id' (OFPM_ALL: all) of bridge 'br_name' and the flows
 * that use it, and saves that; stores how many meters and flows went. */
int bridge_meter_del(struct bridge_set *, const char *br_name, uint32_t id,
                     size_t *n_metersp, size_t *n_flowsp, char **errp);

/* Stores the datapath's counters of meter 'id' of bridge 'br_name' in
 * '*stats' (zero when the bridge has no datapath now). */
struct dpif_meter_stats;
int bridge_meter_get_stats(struct bridge_set *, const char *br_name,
                           uint32_t id, struct dpif_meter_stats *stats,
                           char **errp);

/* Makes the flows of bridge 'br_name' exactly the adds in 'specs',
 * changing only what differs, as one batch.  Stores in '*n_changesp' how
 * many flow mods that took. */
int bridge_replace_flows(struct bridge_set *, const char *br_name,
                         const struct flow_mod_spec *specs, size_t n,
                         size_t *n_changesp, char **errp);

/* A replace of flows made in steps, so that the main loop keeps serving
 * others meanwhile: bridge_replace_create() with the wanted flows (not
 * owned; they must outlive the replace), bridge_replace_step() until it
 * returns true, each step working until time_msec() reaches 'deadline':
 * first comparing them with the bridge's flows (a change to the bridge's
 * flows between steps restarts the comparison), then applying the
 * differences as a staged batch of the bridge's tables (lib/flow-table.h:
 * nobody sees them yet, and other changes to the bridge's flows fail with
 * EBUSY meanwhile).  Then bridge_replace_finish() publishes them as one
 * batch, as bridge_replace_flows() would have applied them (without
 * steps, it compares and applies at once), and bridge_replace_cleanup()
 * until it returns true frees the flows the change removed; then
 * bridge_replace_destroy().  A step for a bridge that no longer exists
 * returns true; finish then fails with ENOENT.
 *
 * With 'replace' false, 'specs' are flow mods to apply as
 * bridge_flow_mods() does (finish stores their number in '*n_changesp');
 * the steps then only format the config db lines of their adds, which
 * otherwise the apply step would. */
struct bridge_replace *bridge_replace_create(const struct flow_mod_spec *,
                                             size_t n, bool replace);
bool bridge_replace_step(struct bridge_set *, const char *br_name,
                         struct bridge_replace *, long long int deadline);
int bridge_replace_finish(struct bridge_set *, const char *br_name,
                          struct bridge_replace *, size_t *n_changesp,
                          char **errp);
bool bridge_replace_cleanup(struct bridge_set *, const char *br_name,
                            struct bridge_replace *, long long int deadline);
void bridge_replace_destroy(struct bridge_replace *);  /* NULL: no-op. */

/* Runs flow timeouts and MAC aging of every bridge at 'now' and records
 * expired flows in the config db.  Returns the earliest time (ms) it should
 * run again. */
long long int bridge_set_run_timeouts(struct bridge_set *,
                                      long long int now);

/* Runs the datapaths at 'now': forwards on dummy datapaths (the others
 * have their own threads), and, every second, retries each bridge and
 * port that is not up (see 'error'), clearing its error once it is.
 * Returns the earliest time (ms) it should run again. */
long long int bridge_set_run_datapaths(struct bridge_set *,
                                       long long int now);

/* Changes the map 'column' ("external_ids" or "other_config") of bridge
 * 'name' (or, with 'is_port', of port 'name'): with 'clear' empties it
 * first, then removes the keys in 'remove' (an array of strings, or
 * NULL; a missing key is not an error), then sets each member of 'set'
 * (an object whose values are strings, or NULL).  Keys must be nonempty.
 * Takes no ownership. */
int bridge_update_map(struct bridge_set *, bool is_port, const char *name,
                      const char *column, bool clear, const json_t *remove,
                      const json_t *set, char **errp);

/* Transactions: changes applied all or none, with one config db record.
 * Between bridge_txn_begin() and bridge_txn_commit() or
 * bridge_txn_abort(), each change function above (bridge_add(),
 * bridge_del(), bridge_add_port(), bridge_del_port(),
 * bridge_set_port_vlans(), bridge_update_map()) applies its change to the
 * running switch as usual, but its db edits are gathered instead of
 * written.  bridge_txn_commit() writes them as one record (or the whole
 * db when it must be rewritten); if that fails it undoes the changes and
 * returns EIO with a message.  bridge_txn_abort() undoes every change
 * made since bridge_txn_begin(), newest first, and writes nothing: a port
 * or bridge added is removed, one deleted is created again from what it
 * was (its ports, settings and flows; a datapath it had is created anew,
 * so its cached datapath flows are learned again), a setting changed is
 * set back.  Flow changes are not part of transactions and must not be
 * made during one.  Transactions do not nest. */
void bridge_txn_begin(struct bridge_set *);
int bridge_txn_commit(struct bridge_set *, char **errp);
void bridge_txn_abort(struct bridge_set *);
/* Stores the counters of 'port' (dpif_port_get_stats()) and its
 * device's state in '*stats' and '*state'.  Returns 0, or ENODEV (with
 * zeroes) for a port that is not in a datapath (see 'error'). */
struct netdev_link_state;
struct netdev_stats;
int bridge_port_get_stats(const struct port *, struct netdev_stats *stats,
                          struct netdev_link_state *state);

/* Returns true if 'name' can name a bridge or port: what Linux accepts as
 * a network device name.  Otherwise stores a reason in '*errp'. */
bool bridge_is_valid_name(const char *name, char **errp);

#endif /* bridge.h */
