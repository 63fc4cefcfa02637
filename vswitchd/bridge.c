#include <config.h>
#include "bridge.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "dpif.h"
#include "dynamic-string.h"
#include "flow-table.h"
#include "flow.h"
#include "hash.h"
#include "monitor.h"
#include "netdev.h"
#include "ofp-flow.h"
#include "ofp-meter.h"
#include "ofp-group.h"
#include "ofproto-dpif.h"
#include "ofproto.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(bridge);

/* The config db's top-level "version": bump it, and keep reading the old
 * layouts, whenever the layout changes. */
#define BRIDGE_DB_VERSION 1

struct bridge_set {
    char *dbfile;               /* Config db path. */
    struct db *db;              /* The open config db. */
    bool db_rewrite;            /* The next change rewrites the whole db:
                                 * it has no snapshot yet, or an old
                                 * format. */
    struct hmap bridges;        /* "struct bridge"s, by name. */
    struct hmap all_ports;      /* Every "struct port", by name. */

    /* Datapath of each bridge; 'has_dp' false: none. */
    bool has_dp;
    struct ofproto_dpif_config dp_cfg;  /* Strings owned. */
    long long int next_retry;   /* When to retry what is not up, in ms. */
    struct bridge_txn *txn;     /* Transaction in progress, or NULL. */
};

/* A change a transaction made, to undo if it aborts. */
enum bridge_undo_type {
    BRIDGE_UNDO_ADD_BRIDGE,     /* Remove bridge 'name'. */
    BRIDGE_UNDO_DEL_BRIDGE,     /* Create bridge 'name' from 'saved'. */
    BRIDGE_UNDO_ADD_PORT,       /* Remove port 'name'. */
    BRIDGE_UNDO_DEL_PORT,       /* Create port 'name' of bridge 'br_name'
                                 * from 'saved'. */
    BRIDGE_UNDO_SET_PORT,       /* Set port 'name' back to 'saved'. */
    BRIDGE_UNDO_SET_BRIDGE,     /* Set the maps of bridge 'name' back to
                                 * 'saved'. */
};

struct bridge_undo {
    enum bridge_undo_type type;
    char *name;                 /* Bridge or port. */
    char *br_name;              /* BRIDGE_UNDO_DEL_PORT: its bridge. */
    json_t *saved;              /* Its db form before the change. */
};

struct bridge_txn {
    json_t *edits;              /* The db edits gathered so far. */
    struct bridge_undo *undos;  /* The changes made, oldest first. */
    size_t n_undos, allocated_undos;
};

static void bridge_txn_record(struct bridge_set *, enum bridge_undo_type,
                              const char *name, const char *br_name,
                              json_t *saved);

/* How often bridges and ports that are not up are retried, in ms. */
#define BRIDGE_RETRY_INTERVAL 1000

/* How often bridge_set_run_datapaths() forwards on dummy datapaths, in
 * ms. */
#define BRIDGE_DUMMY_RUN_INTERVAL 10

/* While a flow change runs: the bridge set whose db the flow tables'
 * journal (bridge_journal_cb()) writes to.  NULL otherwise, so that the
 * flow changes of loading, undoing and deleting a bridge, which the
 * caller records itself or not at all, are not journaled. */
static struct bridge_set *journal_bs;
static char *journal_msg;       /* Why the journal refused, or NULL. */

static int bridge_journal_cb(const struct flow_table_change *, size_t,
                             enum flow_table_journal_step,
                             void *br);
static flow_table_change_func bridge_flows_changed_cb;

static const char *const port_types[] = { "system", "internal", "dummy" };

static bool
is_valid_port_type(const char *type)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(port_types); i++) {
        if (!strcmp(type, port_types[i])) {
            return true;
        }
    }
    return false;
}

bool
bridge_is_valid_name(const char *name, char **errp)
{
    const char *p;

    if (!name[0]) {
        *errp = xstrdup("name must not be empty");
        return false;
    }
    if (strlen(name) >= IFNAMSIZ) {
        *errp = xasprintf("%s: name is longer than %d characters", name,
                          IFNAMSIZ - 1);
        return false;
    }
    if (!strcmp(name, ".") || !strcmp(name, "..")) {
        *errp = xasprintf("%s: not a valid name", name);
        return false;
    }
    for (p = name; *p; p++) {
        if (*p == '/' || *p == ':' || *p == ',' || *p == '='
            || (unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f) {
            *errp = xasprintf("%s: name contains the invalid character "
                              "'%c'", name, *p);
            return false;
        }
    }
    return true;
}

struct bridge *
bridge_find(const struct bridge_set *bs, const char *name)
{
    struct bridge *br;

    HMAP_FOR_EACH_WITH_HASH (br, node, hash_string(name, 0), &bs->bridges) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

struct port *
bridge_find_port(const struct bridge_set *bs, const char *name)
{
    struct port *port;

    HMAP_FOR_EACH_WITH_HASH (port, all_node, hash_string(name, 0),
                             &bs->all_ports) {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

static struct port **bridge_ports_sorted__(const struct bridge *, size_t *);

/* Tells 'br''s ofproto about its ports.  Without a datapath the
 * datapath port numbers are the OpenFlow ones; a port that could not
 * join the datapath, and every port of a bridge whose datapath could not
 * be created, is left out. */
static void
bridge_sync_ports(struct bridge *br)
{
    struct ofproto_port *ofports;
    struct port **ports;
    size_t i, j, n;

    if (!br->ofproto) {
        return;
    }
    ports = bridge_ports_sorted__(br, &n);
    ofports = xcalloc(n, sizeof *ofports);
    for (i = j = 0; i < n; i++) {
        uint32_t dp_port = (br->dp ? ports[i]->dp_port
                            : br->error ? UINT32_MAX
                            : ports[i]->ofport);

        if (dp_port == UINT32_MAX) {
            continue;
        }
        ofports[j].ofport = ports[i]->ofport;
        ofports[j].dp_port = dp_port;
        ofports[j].name = ports[i]->name;
        ofports[j].tag = ports[i]->tag;
        ofports[j].trunks = ports[i]->trunks;
        ofports[j].n_trunks = ports[i]->n_trunks;
        j++;
    }
    ofproto_set_ports(br->ofproto, ofports, j);
    if (br->dp) {
        ofproto_dpif_ports_changed(br->dp);
    }
    free(ofports);
    free(ports);
}

/* Returns a malloc'd hint at why creating or opening device 'name'
 * failed with 'error', starting with a space, or an empty string. */
static char *
device_error_hint(const char *name, int error)
{
    if (error == EBUSY) {
        return xasprintf(" (device %s is in use by another program, "
                         "perhaps another nfvs-vswitchd)", name);
    } else if ((error == EINVAL || error == EEXIST)
               && if_nametoindex(name)) {
        return xasprintf(" (a network device named %s exists already and "
                         "is not one this switch can use)", name);
    } else if (error == EPERM || error == EACCES) {
        return xstrdup(" (creating and opening network devices needs "
                       "CAP_NET_ADMIN)");
    }
    return xstrdup("");
}

/* Returns true if 'port' is a system port whose device does not exist:
 * one that may appear later (a VM's tap), as Open vSwitch allows. */
static bool
port_is_missing_device(const struct port *port)
{
    return !strcmp(port->type, "system") && !if_nametoindex(port->name);
}

/* Adds 'port' to its bridge's datapath, if the bridge has one and the
 * port is not in it yet, and sets or clears 'port->error'.  Returns 0 or
 * a positive errno value with the reason, also in 'port->error'.  The
 * caller syncs the bridge's ports (bridge_sync_ports()). */
static int
port_open(struct port *port)
{
    struct bridge *br = port->bridge;
    char *msg = NULL;
    int error;

    if (!br->dp || port->dp_port != UINT32_MAX) {
        return 0;
    }
    free(port->error);
    port->error = NULL;
    if (port_is_missing_device(port)) {
        port->error = xasprintf("could not open network device %s (%s)",
                                port->name, nfvs_strerror(ENODEV));
        return ENODEV;
    }
    error = ofproto_dpif_port_add(br->dp, port->name, port->type,
                                  &port->dp_port, &msg);
    if (error) {
        char *hint = device_error_hint(port->name, error);

        port->dp_port = UINT32_MAX;
        port->error = xasprintf("%s%s", msg, hint);
        free(hint);
        free(msg);
    }
    return error;
}

/* Creates port 'name' in 'br', out of the datapath: port_open() adds it
 * there. */
static struct port *
port_create(struct bridge_set *bs, struct bridge *br, const char *name,
            const char *type, uint32_t ofport)
{
    struct port *port = xzalloc(sizeof *port);

    port->bridge = br;
    port->name = xstrdup(name);
    port->type = xstrdup(type);
    port->ofport = ofport;
    port->dp_port = UINT32_MAX;
    port->tag = -1;
    port->external_ids = json_object();
    port->other_config = json_object();
    hmap_insert(&br->ports, &port->node, hash_string(name, 0));
    hmap_insert(&bs->all_ports, &port->all_node, hash_string(name, 0));
    return port;
}

/* Destroys 'port'.  With 'undo' (a port whose addition is being undone)
 * the pcap file that adding it created goes too. */
static void
port_destroy(struct bridge_set *bs, struct port *port, bool undo)
{
    if (port) {
        struct bridge *br = port->bridge;

        hmap_remove(&port->bridge->ports, &port->node);
        hmap_remove(&bs->all_ports, &port->all_node);
        if (br->dp && port->dp_port != UINT32_MAX) {
            if (undo) {
                ofproto_dpif_port_undo(br->dp, port->dp_port);
            } else {
                ofproto_dpif_port_del(br->dp, port->dp_port);
            }
        }
        free(port->name);
        free(port->type);
        free(port->trunks);
        free(port->error);
        json_decref(port->external_ids);
        json_decref(port->other_config);
        free(port);
        bridge_sync_ports(br);
    }
}

/* The flow every new bridge starts with, as in Open vSwitch. */
#define BRIDGE_DEFAULT_FLOW "priority=0,actions=NORMAL"

/* Adds the flow lines in 'lines' to 'br' as one batch. */
static int
bridge_add_flow_lines(struct bridge *br, char **lines, size_t n,
                      char **errp)
{
    struct flow_mod_spec *specs = xcalloc(n, sizeof *specs);
    size_t i, n_parsed;
    int error = 0;

    for (n_parsed = 0; n_parsed < n; n_parsed++) {
        char *msg = flow_mod_spec_parse(&specs[n_parsed], lines[n_parsed],
                                        FLOW_MOD_ADD);
        if (msg) {
            *errp = xasprintf("bridge %s: flow \"%s\": %s", br->name,
                              lines[n_parsed], msg);
            free(msg);
            error = EINVAL;
            break;
        }
    }
    if (!error) {
        error = ofproto_flow_mods(br->ofproto, specs, n, errp);
    }
    for (i = 0; i < n_parsed; i++) {
        flow_mod_spec_uninit(&specs[i]);
    }
    free(specs);
    return error;
}

/* Adds the groups of 'groups', a bridge's "groups" in the db, to 'br'.
 * A group may use another: those that name a group not added yet wait
 * for the next pass. */
static int
bridge_load_groups(struct bridge *br, const json_t *groups, char **errp)
{
    size_t n = json_object_size(groups);
    struct ofp_group *parsed = xcalloc(n + 1, sizeof *parsed);
    bool *done = xcalloc(n + 1, sizeof *done);
    size_t i = 0, n_done = 0, n_parsed;
    const char *key;
    json_t *value;
    int error = 0;

    json_object_foreach ((json_t *) groups, key, value) {
        char *msg = ofp_group_parse(key, NULL, &parsed[i]);

        if (msg) {
            *errp = xasprintf("bridge %s: group \"%s\": %s", br->name, key,
                              msg);
            free(msg);
            error = EINVAL;
            break;
        }
        i++;
    }
    n_parsed = i;
    while (!error && n_done < n_parsed) {
        size_t before = n_done;

        for (i = 0; i < n_parsed; i++) {
            char *msg;

            if (done[i]) {
                continue;
            }
            error = ofproto_group_add(br->ofproto, &parsed[i], false, &msg);
            if (!error) {
                done[i] = true;
                n_done++;
            } else if (error == EINVAL && n_done < n_parsed - 1) {
                free(msg);      /* Perhaps a group not added yet. */
                error = 0;
            } else {
                *errp = xasprintf("bridge %s: %s", br->name, msg);
                free(msg);
                break;
            }
        }
        if (!error && n_done == before) {
            for (i = 0; done[i]; i++) {
                continue;
            }
            error = ofproto_group_add(br->ofproto, &parsed[i], false, errp);
            if (error) {
                char *msg = *errp;

                *errp = xasprintf("bridge %s: %s", br->name, msg);
                free(msg);
            }
        }
    }
    for (i = 0; i < n_parsed; i++) {
        ofp_group_uninit(&parsed[i]);
    }
    free(parsed);
    free(done);
    return error;
}

/* Adds the meters of 'meters', a bridge's "meters" in the db, to 'br'
 * (and its datapath, if it has one), before its flows, which may use
 * them. */
static int
bridge_load_meters(struct bridge *br, const json_t *meters, char **errp)
{
    const char *key;
    json_t *value;

    json_object_foreach ((json_t *) meters, key, value) {
        struct ofp_meter m;
        char *msg = ofp_meter_parse(key, &m);
        int error = msg ? EINVAL : ofproto_meter_add(br->ofproto, &m, false,
                                                     &msg);

        if (!error && br->dp) {
            error = ofproto_dpif_meter_set(br->dp, &m, &msg);
            if (error) {
                /* The flows that use it will be refused: say why. */
                VLOG_WARN("bridge %s: %s", br->name, msg);
                free(msg);
                error = 0;
            }
        }
        if (error) {
            *errp = xasprintf("bridge %s: meter \"%s\": %s", br->name, key,
                              msg);
            free(msg);
            return error;
        }
    }
    return 0;
}

/* Serial number of the next bridge created (see struct bridge). */
static uint64_t bridge_next_serial = 1;

/* The replace being applied, whose db lines the journal takes. */
static struct bridge_replace *journal_replace;

/* Creates the datapath of 'br', if the set has datapaths and 'br' has
 * none yet, and sets or clears 'br->error'.  Returns 0 or a positive
 * errno value with the reason, also in 'br->error'.  Does not add the
 * bridge's other ports. */
static int
bridge_open_dp(struct bridge_set *bs, struct bridge *br)
{
    char *msg = NULL;
    int error;

    if (!bs->has_dp || br->dp) {
        return 0;
    }
    free(br->error);
    br->error = NULL;
    error = ofproto_dpif_create(br->ofproto, &bs->dp_cfg, &br->dp, &msg);
    if (error) {
        char *hint = device_error_hint(br->name, error);

        br->error = xasprintf("%s%s", msg, hint);
        free(hint);
        free(msg);
    }
    return error;
}

/* Creates bridge 'name' with its local port, and tries to create its
 * datapath (see bridge_open_dp()): the caller checks 'br->error'. */
static struct bridge *
bridge_create(struct bridge_set *bs, const char *name, bool default_flow)
{
    struct bridge *br = xzalloc(sizeof *br);
    struct port *local;

    br->name = xstrdup(name);
    br->serial = bridge_next_serial++;
    ds_init(&br->journal_text);
    br->external_ids = json_object();
    br->other_config = json_object();
    hmap_init(&br->ports);
    hmap_insert(&bs->bridges, &br->node, hash_string(name, 0));
    br->ofproto = ofproto_create(name);
    flow_table_set_journal(ofproto_get_tables(br->ofproto),
                           bridge_journal_cb, br);
    bridge_open_dp(bs, br);
    local = port_create(bs, br, name, "internal", OFPP_LOCAL);
    port_open(local);           /* Its datapath's own port 0. */
    bridge_sync_ports(br);
    if (default_flow) {
        char *line = BRIDGE_DEFAULT_FLOW;
        char *msg = NULL;

        if (bridge_add_flow_lines(br, &line, 1, &msg)) {
            VLOG_ERR("%s", msg);
            free(msg);
        }
    }
    /* Only now: the flows a new bridge starts with are no event. */
    flow_table_set_observer(ofproto_get_tables(br->ofproto),
                            bridge_flows_changed_cb, br);
    ofproto_set_ct_observer(br->ofproto, monitor_ct_observer, br);
    return br;
}

/* How bridge_destroy() leaves a bridge's datapath. */
enum bridge_destroy_mode {
    BRIDGE_KEEP_DP,             /* Exit: a kernel datapath stays with its
                                 * ports and flows and keeps forwarding
                                 * until the daemon starts again. */
    BRIDGE_DELETE_DP,           /* del-br: the datapath goes too. */
    BRIDGE_UNDO,                /* An add-br undone: the datapath goes,
                                 * and the pcap files it created. */
};

static void
bridge_destroy(struct bridge_set *bs, struct bridge *br,
               enum bridge_destroy_mode mode)
{
    struct port *port, *next;

    if (!br) {
        return;
    }
    if (mode == BRIDGE_KEEP_DP) {
        ofproto_dpif_destroy(br->dp);
        br->dp = NULL;
    }
    HMAP_FOR_EACH_SAFE (port, next, node, &br->ports) {
        port_destroy(bs, port, mode == BRIDGE_UNDO);
    }
    hmap_remove(&bs->bridges, &br->node);
    hmap_destroy(&br->ports);
    if (mode == BRIDGE_UNDO) {
        ofproto_dpif_undo(br->dp);
    } else {
        ofproto_dpif_delete(br->dp);
    }
    ofproto_destroy(br->ofproto);
    json_decref(br->external_ids);
    json_decref(br->other_config);
    free(br->error);
    ds_destroy(&br->journal_text);
    free(br->name);
    free(br);
}

static struct port *
bridge_find_ofport(const struct bridge *br, uint32_t ofport)
{
    struct port *port;

    HMAP_FOR_EACH (port, node, &br->ports) {
        if (port->ofport == ofport) {
            return port;
        }
    }
    return NULL;
}

static int
compare_bridges(const void *a_, const void *b_)
{
    const struct bridge *const *a = a_;
    const struct bridge *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

struct bridge **
bridge_set_sorted(const struct bridge_set *bs, size_t *n)
{
    struct bridge **array = xcalloc(hmap_count(&bs->bridges), sizeof *array);
    struct bridge *br;
    size_t i = 0;

    HMAP_FOR_EACH (br, node, &bs->bridges) {
        array[i++] = br;
    }
    qsort(array, i, sizeof *array, compare_bridges);
    *n = i;
    return array;
}

static int
compare_ports(const void *a_, const void *b_)
{
    const struct port *const *a = a_;
    const struct port *const *b = b_;

    return ((*a)->ofport > (*b)->ofport) - ((*a)->ofport < (*b)->ofport);
}

struct port **
bridge_ports_sorted(const struct bridge *br, size_t *n)
{
    return bridge_ports_sorted__(br, n);
}

static struct port **
bridge_ports_sorted__(const struct bridge *br, size_t *n)
{
    struct port **array = xcalloc(hmap_count(&br->ports), sizeof *array);
    struct port *port;
    size_t i = 0;

    HMAP_FOR_EACH (port, node, &br->ports) {
        array[i++] = port;
    }
    qsort(array, i, sizeof *array, compare_ports);
    *n = i;
    return array;
}

/* Config db. */

/* Adds the maps 'external_ids' and 'other_config' to the db object 'cfg'
 * of a bridge or port, each only if it is not empty, so that a db without
 * them stays as it was. */
static void
bridge_maps_to_json(json_t *cfg, const json_t *external_ids,
                    const json_t *other_config)
{
    if (json_object_size(external_ids)) {
        json_object_set_new(cfg, "external_ids", json_deep_copy(external_ids));
    }
    if (json_object_size(other_config)) {
        json_object_set_new(cfg, "other_config", json_deep_copy(other_config));
    }
}

/* Returns true if 'map' is NULL or a JSON object of nonempty keys and
 * string values: what a bridge or port map may hold. */
static bool
bridge_map_is_valid(const json_t *map)
{
    const char *key;
    json_t *value;

    if (!map) {
        return true;
    }
    if (!json_is_object(map)) {
        return false;
    }
    json_object_foreach ((json_t *) map, key, value) {
        if (!key[0] || !json_is_string(value)) {
            return false;
        }
    }
    return true;
}

/* Replaces '*dst' by a copy of 'src' or, when 'src' is NULL, by an empty
 * object. */
static void
bridge_map_load(json_t **dst, const json_t *src)
{
    json_decref(*dst);
    *dst = src ? json_deep_copy(src) : json_object();
}

static json_t *
port_to_json(const struct port *port)
{
    json_t *cfg = json_pack("{s:s, s:I}", "type", port->type,
                            "ofport", (json_int_t) port->ofport);
    size_t i;

    if (port->tag >= 0) {
        json_object_set_new(cfg, "tag", json_integer(port->tag));
    }
    if (port->n_trunks) {
        json_t *trunks = json_array();

        for (i = 0; i < port->n_trunks; i++) {
            json_array_append_new(trunks, json_integer(port->trunks[i]));
        }
        json_object_set_new(cfg, "trunks", trunks);
    }
    bridge_maps_to_json(cfg, port->external_ids, port->other_config);
    return cfg;
}

static char *group_to_line(const struct ofp_group *);

/* Adds to 'json', a bridge in the db, its groups as an object whose keys
 * are the "add-group" lines that recreate them, if it has any. */
static void
bridge_groups_to_json(const struct bridge *br, json_t *json)
{
    struct ofp_group **groups;
    json_t *obj;
    size_t i, n;

    groups = ofproto_groups_get(br->ofproto, OFPG_ALL, &n);
    obj = n ? json_object() : NULL;
    for (i = 0; i < n; i++) {
        char *line = group_to_line(groups[i]);

        json_object_set_new(obj, line, json_true());
        free(line);
        ofp_group_uninit(groups[i]);
        free(groups[i]);
    }
    free(groups);
    if (obj) {
        json_object_set_new(json, "groups", obj);
    }
}

static char *meter_to_line(const struct ofp_meter *);

/* Adds to 'json', a bridge in the db, its meters as an object whose keys
 * are the "add-meter" lines that recreate them, if it has any. */
static void
bridge_meters_to_json(const struct bridge *br, json_t *json)
{
    struct ofp_meter *meters;
    json_t *obj;
    size_t i, n;

    meters = ofproto_meters_get(br->ofproto, OFPM_ALL, &n);
    obj = n ? json_object() : NULL;
    for (i = 0; i < n; i++) {
        char *line = meter_to_line(&meters[i]);

        json_object_set_new(obj, line, json_true());
        free(line);
    }
    free(meters);
    if (obj) {
        json_object_set_new(json, "meters", obj);
    }
}

/* A bridge in the db: its ports (but the local one) by name, and its
 * flows as an object whose keys are the "add-flow" lines that recreate
 * them (so that one flow is added or removed with one edit). */
static json_t *
bridge_to_json(const struct bridge *br)
{
    json_t *ports = json_object();
    json_t *flows = json_object();
    struct port *port;
    json_t *json;
    char **lines;
    size_t i, n;

    HMAP_FOR_EACH (port, node, &br->ports) {
        if (port->ofport == OFPP_LOCAL) {
            continue;
        }
        json_object_set_new(ports, port->name, port_to_json(port));
    }
    lines = ofproto_flows_to_strings(br->ofproto, &n);
    for (i = 0; i < n; i++) {
        json_object_set_new(flows, lines[i], json_true());
        free(lines[i]);
    }
    free(lines);
    json = json_pack("{s:o, s:o}", "ports", ports, "flows", flows);
    bridge_meters_to_json(br, json);
    bridge_groups_to_json(br, json);
    bridge_maps_to_json(json, br->external_ids, br->other_config);
    return json;
}

static json_t *
bridge_set_to_json(const struct bridge_set *bs)
{
    json_t *bridges = json_object();
    struct bridge *br;

    HMAP_FOR_EACH (br, node, &bs->bridges) {
        json_object_set_new(bridges, br->name, bridge_to_json(br));
    }
    return json_pack("{s:i, s:o}", "version", BRIDGE_DB_VERSION,
                     "bridges", bridges);
}

/* Returns a db path: "bridges", then the 'n' keys that follow. */
static json_t *
bridge_db_path(size_t n, ...)
{
    json_t *path = json_pack("[s]", "bridges");
    va_list args;
    size_t i;

    va_start(args, n);
    for (i = 0; i < n; i++) {
        json_array_append_new(path, json_string(va_arg(args, const char *)));
    }
    va_end(args);
    return path;
}

static json_t *
bridge_db_set(json_t *path, json_t *value)
{
    return json_pack("[s, o, o]", "set", path, value);
}

static json_t *
bridge_db_del(json_t *path)
{
    return json_pack("[s, o]", "del", path);
}

/* Records the change just made in memory, described by the db 'edits'
 * (consumed), in the config db.  The record is written at once and made
 * durable by the db's commit thread; the RPC server holds the answer
 * until then.  If the db has no snapshot yet, uses an old format or
 * failed earlier, rewrites it whole from memory instead (synchronously).
 * 'edits' may be NULL when a rewrite is known to be needed.
 * Returns 0, or EIO with a message in '*errp' if the db refused the
 * record (a full disk: ENOSPC, a file size limit: EFBIG, ...); the
 * caller then undoes its change. */
static bool
bridge_set_needs_rewrite(const struct bridge_set *bs)
{
    return bs->db_rewrite || db_get_error(bs->db);
}

static int
bridge_set_commit(struct bridge_set *bs, json_t *edits, char **errp)
{
    uint64_t seqno;
    int error;

    if (bs->txn) {
        /* Gathered for bridge_txn_commit(). */
        if (edits) {
            json_array_extend(bs->txn->edits, edits);
            json_decref(edits);
        }
        return 0;
    }
    if (bridge_set_needs_rewrite(bs)) {
        json_t *doc = bridge_set_to_json(bs);

        error = db_replace(bs->db, doc);
        json_decref(doc);
        if (!error) {
            bs->db_rewrite = false;
        }
    } else {
        error = db_append(bs->db, edits, &seqno);
    }
    json_decref(edits);
    if (error) {
        *errp = xasprintf("cannot save config db %s: %s", bs->dbfile,
                          nfvs_strerror(error));
        VLOG_ERR("%s", *errp);
        return EIO;
    }
    return 0;
}

/* bridge_set_commit() of a record of the one edit 'edit' (consumed). */
static int
bridge_set_commit_edit(struct bridge_set *bs, json_t *edit, char **errp)
{
    return bridge_set_commit(bs, json_pack("[o]", edit), errp);
}

static char *
rule_to_line(const struct rule *rule, uint64_t cookie, const void *ofpacts,
             size_t ofpacts_size)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofp_flow_desc desc;

    desc.table_id = rule->table_id;
    desc.cookie = cookie;
    desc.priority = rule_priority(rule);
    desc.idle_timeout = rule->idle_timeout;
    desc.hard_timeout = rule->hard_timeout;
    desc.match = &rule->cr.match;
    desc.ofpacts = ofpacts;
    desc.ofpacts_size = ofpacts_size;
    ofp_flow_format(&desc, NULL, &s);
    return ds_steal_cstr(&s);
}

/* Appends 's' to 'out' as a JSON string. */
static void
put_json_string(struct ds *out, const char *s)
{
    ds_put_char(out, '"');
    while (*s) {
        /* Runs of characters that need no escape are copied whole: a
         * large flow change puts megabytes of them. */
        size_t n = 0;

        while (s[n] && s[n] != '"' && s[n] != '\\'
               && (unsigned char) s[n] >= 0x20) {
            n++;
        }
        ds_put_buffer(out, s, n);
        s += n;
        if (*s == '"' || *s == '\\') {
            ds_put_char(out, '\\');
            ds_put_char(out, *s++);
        } else if (*s) {
            ds_put_format(out, "\\u%04x", (unsigned char) *s++);
        }
    }
    ds_put_char(out, '"');
}

/* Appends to 'out' the edit that sets ('set') or deletes the flow 'line'
 * of bridge 'br_name', preceded by a comma unless it is the first. */
static void
put_flow_edit(struct ds *out, bool set, const char *br_name,
              const char *line)
{
    ds_put_cstr(out, out->length > 1 ? ",[" : "[");
    ds_put_cstr(out, set ? "\"set\",[\"bridges\"," : "\"del\",[\"bridges\",");
    put_json_string(out, br_name);
    ds_put_cstr(out, ",\"flows\",");
    put_json_string(out, line);
    ds_put_cstr(out, set ? "],true]" : "]]");
}

static char *bridge_replace_take_line(const struct rule *);

/* Appends to 'text' the db edits of the 'n' flow 'changes' of bridge
 * 'br', and stores in 'new_keys[i]' (caller frees) the line of each rule
 * that 'changes[i]' adds or modifies. */
static void
bridge_journal_format(const struct bridge *br,
                      const struct flow_table_change *changes, size_t n,
                      struct ds *text, char **new_keys)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const struct flow_table_change *c = &changes[i];
        struct rule *rule = c->rule;

        if (c->type != FLOW_TABLE_ADDED) {
            if (rule->journal_key && c->type == FLOW_TABLE_REMOVED) {
                put_flow_edit(text, false, br->name, rule->journal_key);
            } else {
                char *line = (c->type == FLOW_TABLE_MODIFIED
                              ? rule_to_line(rule, c->old_cookie,
                                             c->old_ofpacts,
                                             c->old_ofpacts_size)
                              : rule_to_line(rule, rule->cookie,
                                             rule->ofpacts,
                                             rule->ofpacts_size));

                if (c->type == FLOW_TABLE_MODIFIED && rule->journal_key) {
                    put_flow_edit(text, false, br->name,
                                  rule->journal_key);
                } else {
                    put_flow_edit(text, false, br->name, line);
                }
                free(line);
            }
        }
        if (c->type != FLOW_TABLE_REMOVED) {
            new_keys[i] = (c->type == FLOW_TABLE_ADDED
                           ? bridge_replace_take_line(rule) : NULL);
            if (!new_keys[i]) {
                new_keys[i] = rule_to_line(rule, rule->cookie,
                                           rule->ofpacts,
                                           rule->ofpacts_size);
            }
            put_flow_edit(text, true, br->name, new_keys[i]);
        }
    }
}

/* Saves 'text', a JSON array of db edits, as one db record, or rewrites
 * the whole db if it needs that.  Returns 0, or EIO with the message in
 * 'journal_msg'. */
static int
bridge_journal_save(const struct ds *text)
{
    uint64_t seqno;
    int error;

    free(journal_msg);
    journal_msg = NULL;
    if (bridge_set_needs_rewrite(journal_bs)) {
        return bridge_set_commit(journal_bs, NULL, &journal_msg);
    }
    error = db_append_text(journal_bs->db, text->string, text->length,
                           &seqno);
    if (error) {
        journal_msg = xasprintf("cannot save config db %s: %s",
                                journal_bs->dbfile, nfvs_strerror(error));
        VLOG_ERR("%s", journal_msg);
        error = EIO;
    }
    return error;
}

/* The flow tables' observer: reports their changes to subscribers. */
static void
bridge_flows_changed_cb(const struct flow_table_change *changes, size_t n,
                        uint64_t version NFVS_UNUSED, void *br)
{
    monitor_flows_changed(br, changes, n);
}

/* The flow tables' journal: turns each committed flow change of bridge
 * 'br_' into db edits and commits them as one record, or vetoes the
 * change if the db refuses it.  A record of many flows is written as
 * text directly; each rule caches its line in 'journal_key', so that
 * removing it later costs no formatting.  A staged change's edits gather
 * in the bridge's 'journal_text' as it applies, a part a step, and are
 * saved as one record when it commits. */
static int
bridge_journal_cb(const struct flow_table_change *changes, size_t n,
                  enum flow_table_journal_step step, void *br_)
{
    struct bridge *br = br_;
    char **new_keys;
    struct ds text;
    size_t i;
    int error;

    if (!journal_bs) {
        for (i = 0; i < n; i++) {
            if (changes[i].type == FLOW_TABLE_MODIFIED) {
                free(changes[i].rule->journal_key);
                changes[i].rule->journal_key = NULL;
            }
        }
        return 0;
    }

    switch (step) {
    case FT_JOURNAL_PART:
        /* The rules a staged change adds are its own (freed if it rolls
         * back): they may have their lines at once. */
        if (!br->journal_text.length) {
            ds_put_char(&br->journal_text, '[');
        }
        new_keys = xcalloc(n + 1, sizeof *new_keys);
        bridge_journal_format(br, changes, n, &br->journal_text, new_keys);
        for (i = 0; i < n; i++) {
            if (new_keys[i]) {
                free(changes[i].rule->journal_key);
                changes[i].rule->journal_key = new_keys[i];
            }
        }
        free(new_keys);
        return 0;

    case FT_JOURNAL_COMMIT:
        error = 0;
        if (br->journal_text.length) {
            ds_put_char(&br->journal_text, ']');
            error = bridge_journal_save(&br->journal_text);
        }
        ds_destroy(&br->journal_text);
        ds_init(&br->journal_text);
        return error;

    case FT_JOURNAL_ABORT:
        ds_destroy(&br->journal_text);
        ds_init(&br->journal_text);
        return 0;

    case FT_JOURNAL_ALL:
    default:
        break;
    }

    ds_init(&text);
    ds_put_char(&text, '[');
    new_keys = xcalloc(n + 1, sizeof *new_keys);
    bridge_journal_format(br, changes, n, &text, new_keys);
    ds_put_char(&text, ']');
    error = bridge_journal_save(&text);
    ds_destroy(&text);

    /* Cache the new lines only now: a refused change is rolled back. */
    for (i = 0; i < n; i++) {
        if (new_keys[i] && !error) {
            free(changes[i].rule->journal_key);
            changes[i].rule->journal_key = new_keys[i];
        } else {
            free(new_keys[i]);
        }
    }
    free(new_keys);
    return error;
}

/* Around a flow table change of 'bs': has the journal record it. */
static void
bridge_journal_begin(struct bridge_set *bs)
{
    journal_bs = bs;
    free(journal_msg);
    journal_msg = NULL;
}

/* Ends what bridge_journal_begin() began; returns 'error', or EIO with
 * the journal's message in '*errp' if the journal refused the change. */
static int
bridge_journal_end(int error, char **errp)
{
    journal_bs = NULL;
    if (error && journal_msg) {
        free(*errp);
        *errp = journal_msg;
        journal_msg = NULL;
        error = EIO;
    }
    return error;
}

/* Runs 'flow_mods' on 'br''s tables with the journal on; turns a journal
 * refusal into its own error and message. */
static int
bridge_journaled_flow_mods(struct bridge_set *bs, struct bridge *br,
                           const struct flow_mod_spec *specs, size_t n,
                           char **errp)
{
    int error;

    bridge_journal_begin(bs);
    error = ofproto_flow_mods(br->ofproto, specs, n, errp);
    return bridge_journal_end(error, errp);
}

static int
bridge_set_load_port(struct bridge_set *bs, struct bridge *br,
                     const char *name, json_t *cfg, char **errp)
{
    json_t *trunks_json = NULL, *value;
    json_t *external_ids = NULL, *other_config = NULL;
    json_int_t ofport, tag = -1;
    struct port *port;
    json_error_t jerr;
    const char *type;
    size_t i;

    if (json_unpack_ex(cfg, &jerr, JSON_STRICT,
                       "{s:s, s:I, s?:I, s?:o, s?:o, s?:o}",
                       "type", &type, "ofport", &ofport, "tag", &tag,
                       "trunks", &trunks_json,
                       "external_ids", &external_ids,
                       "other_config", &other_config)) {
        *errp = xasprintf("port %s: %s", name, jerr.text);
        return EINVAL;
    }
    if (!bridge_map_is_valid(external_ids)
        || !bridge_map_is_valid(other_config)) {
        *errp = xasprintf("port %s: external_ids and other_config must map "
                          "nonempty keys to strings", name);
        return EINVAL;
    }
    if (tag < -1 || tag > 4095
        || (trunks_json && !json_is_array(trunks_json))) {
        *errp = xasprintf("port %s: bad tag or trunks", name);
        return EINVAL;
    }
    if (!bridge_is_valid_name(name, errp)) {
        return EINVAL;
    }
    if (!is_valid_port_type(type) || ofport < 1 || ofport >= OFPP_MAX) {
        *errp = xasprintf("port %s: bad type or ofport", name);
        return EINVAL;
    }
    if (bridge_find_port(bs, name) || bridge_find_ofport(br, ofport)) {
        *errp = xasprintf("port %s: duplicate name or ofport", name);
        return EINVAL;
    }
    port = port_create(bs, br, name, type, ofport);
    if (port_open(port)) {
        VLOG_WARN("bridge %s: port %s is not up: %s (retrying every "
                  "second)", br->name, name, port->error);
    }
    bridge_sync_ports(br);
    port->tag = tag;
    bridge_map_load(&port->external_ids, external_ids);
    bridge_map_load(&port->other_config, other_config);
    json_array_foreach (trunks_json, i, value) {
        json_int_t vid = json_integer_value(value);

        if (!json_is_integer(value) || vid < 0 || vid > 4095
            || (i && vid <= port->trunks[i - 1])) {
            *errp = xasprintf("port %s: bad trunks", name);
            return EINVAL;
        }
        port->trunks = xrealloc(port->trunks,
                                (i + 1) * sizeof *port->trunks);
        port->trunks[i] = vid;
        port->n_trunks = i + 1;
    }
    return 0;
}

static int
bridge_set_load(struct bridge_set *bs, json_t *doc, char **errp)
{
    json_t *bridges, *br_cfg;
    const char *br_name;
    json_error_t jerr;
    int version;

    if (json_unpack_ex(doc, &jerr, JSON_STRICT, "{s:i, s:o}",
                       "version", &version, "bridges", &bridges)
        || !json_is_object(bridges)) {
        *errp = xasprintf("%s: not an nfvs config db: %s", bs->dbfile,
                          jerr.text);
        return EINVAL;
    }
    if (version != BRIDGE_DB_VERSION) {
        *errp = xasprintf("%s: unsupported config db version %d",
                          bs->dbfile, version);
        return EINVAL;
    }
    json_object_foreach (bridges, br_name, br_cfg) {
        json_t *ports, *port_cfg, *flows = NULL, *line;
        json_t *meters = NULL;
        json_t *external_ids = NULL, *other_config = NULL, *groups = NULL;
        const char *port_name;
        struct bridge *br;
        char *msg = NULL;
        char **lines;
        size_t i, n;
        int error;

        if (json_unpack_ex(br_cfg, &jerr, JSON_STRICT,
                           "{s:o, s?:o, s?:o, s?:o, s?:o, s?:o}",
                           "ports", &ports, "flows", &flows,
                           "external_ids", &external_ids,
                           "other_config", &other_config,
                           "groups", &groups, "meters", &meters)
            || !json_is_object(ports)
            || (groups && !json_is_object(groups))
            || (meters && !json_is_object(meters))
            || (flows && !json_is_array(flows) && !json_is_object(flows))) {
            *errp = xasprintf("%s: bridge %s: %s", bs->dbfile, br_name,
                              jerr.text);
            return EINVAL;
        }
        if (!bridge_map_is_valid(external_ids)
            || !bridge_map_is_valid(other_config)) {
            *errp = xasprintf("%s: bridge %s: external_ids and other_config "
                              "must map nonempty keys to strings",
                              bs->dbfile, br_name);
            return EINVAL;
        }
        if (!bridge_is_valid_name(br_name, &msg)
            || bridge_find_port(bs, br_name)) {
            free(msg);
            *errp = xasprintf("%s: bad bridge name %s", bs->dbfile,
                              br_name);
            return EINVAL;
        }
        br = bridge_create(bs, br_name, !flows);
        if (br->error) {
            VLOG_WARN("bridge %s is not up: %s (retrying every second)",
                      br_name, br->error);
        }
        bridge_map_load(&br->external_ids, external_ids);
        bridge_map_load(&br->other_config, other_config);
        if (json_is_object(flows)) {
            const char *key;

            /* The current format: the lines are the keys. */
            n = json_object_size(flows);
            lines = xcalloc(n, sizeof *lines);
            i = 0;
            json_object_foreach (flows, key, line) {
                lines[i++] = (char *) key;
            }
        } else {
            /* Format of nfvs before the log: an array of lines. */
            bs->db_rewrite = true;
            n = json_array_size(flows);
            lines = xcalloc(n, sizeof *lines);
            json_array_foreach (flows, i, line) {
                lines[i] = (char *) json_string_value(line);
                if (!lines[i]) {
                    free(lines);
                    *errp = xasprintf("%s: bridge %s: flow %zu is not a "
                                      "string", bs->dbfile, br_name, i + 1);
                    return EINVAL;
                }
            }
        }
        error = groups ? bridge_load_groups(br, groups, &msg) : 0;
        if (!error && meters) {
            error = bridge_load_meters(br, meters, &msg);
        }
        if (!error && n) {
            error = bridge_add_flow_lines(br, lines, n, &msg);
        }
        free(lines);
        if (error) {
            *errp = xasprintf("%s: %s", bs->dbfile, msg);
            free(msg);
            return error;
        }
        json_object_foreach (ports, port_name, port_cfg) {
            error = bridge_set_load_port(bs, br, port_name, port_cfg, &msg);
            if (error) {
                *errp = xasprintf("%s: %s", bs->dbfile, msg);
                free(msg);
                return error;
            }
        }
    }
    return 0;
}

/* After a restart onto datapaths that outlived the daemon: drops the
 * datapath ports the configuration no longer has. */
static void
bridge_set_prune_dp_ports(struct bridge_set *bs)
{
    struct bridge *br;

    HMAP_FOR_EACH (br, node, &bs->bridges) {
        if (br->dp) {
            ofproto_dpif_prune_ports(br->dp);
        }
    }
}

/* Starts upcall handling on every bridge's datapath, now that ports and
 * flows are loaded. */
static void
bridge_set_start_dps(struct bridge_set *bs)
{
    struct bridge *br;

    HMAP_FOR_EACH (br, node, &bs->bridges) {
        if (br->dp) {
            ofproto_dpif_start(br->dp);
        }
    }
}

static void
bridge_set_clear(struct bridge_set *bs)
{
    struct bridge *br, *next;

    HMAP_FOR_EACH_SAFE (br, next, node, &bs->bridges) {
        bridge_destroy(bs, br, BRIDGE_KEEP_DP);
    }
}

int
bridge_set_open(const char *dbfile, const struct ofproto_dpif_config *dp_cfg,
                struct bridge_set **bsp, char **errp)
{
    struct bridge_set *bs = xzalloc(sizeof *bs);
    json_t *doc = NULL;
    int error;

    bs->dbfile = xstrdup(dbfile);
    if (dp_cfg) {
        bs->has_dp = true;
        bs->dp_cfg = *dp_cfg;
        bs->dp_cfg.dp_type = xstrdup(dp_cfg->dp_type);
        bs->dp_cfg.pcap_dir = (dp_cfg->pcap_dir
                               ? xstrdup(dp_cfg->pcap_dir) : NULL);
    }
    hmap_init(&bs->bridges);
    hmap_init(&bs->all_ports);

    error = db_open(dbfile, &bs->db, &doc, errp);
    if (!error && !doc) {
        VLOG_INFO("%s: no config db yet, starting empty", dbfile);
        bs->db_rewrite = true;
    } else if (!error) {
        error = bridge_set_load(bs, doc, errp);
        json_decref(doc);
        if (!error) {
            bridge_set_prune_dp_ports(bs);
            bridge_set_start_dps(bs);
        }
    } else if (!*errp) {
        *errp = xasprintf("%s: cannot load config db: %s", dbfile,
                          nfvs_strerror(error));
    }

    if (error) {
        bridge_set_close(bs);
        *bsp = NULL;
    } else {
        VLOG_INFO("%s: loaded %zu bridge(s), %zu port(s)", dbfile,
                  hmap_count(&bs->bridges), hmap_count(&bs->all_ports));
        *bsp = bs;
    }
    return error;
}

struct db *
bridge_set_get_db(const struct bridge_set *bs)
{
    return bs->db;
}

void
bridge_set_close(struct bridge_set *bs)
{
    if (bs) {
        bridge_set_clear(bs);
        db_close(bs->db);
        hmap_destroy(&bs->bridges);
        hmap_destroy(&bs->all_ports);
        free((char *) bs->dp_cfg.dp_type);
        free((char *) bs->dp_cfg.pcap_dir);
        free(bs->dbfile);
        free(bs);
    }
}

/* Changes. */

int
bridge_add(struct bridge_set *bs, const char *name, bool may_exist,
           char **errp)
{
    struct bridge *br;
    struct port *port;
    int error;

    if (!bridge_is_valid_name(name, errp)) {
        return EINVAL;
    }
    if (bridge_find(bs, name)) {
        if (may_exist) {
            return 0;
        }
        *errp = xasprintf("cannot create a bridge named %s because a "
                          "bridge named %s already exists", name, name);
        return EEXIST;
    }
    port = bridge_find_port(bs, name);
    if (port) {
        *errp = xasprintf("cannot create a bridge named %s because a port "
                          "named %s already exists on bridge %s",
                          name, name, port->bridge->name);
        return EEXIST;
    }

    br = bridge_create(bs, name, true);
    if (br->error) {
        *errp = xasprintf("cannot create bridge %s: %s", name, br->error);
        bridge_destroy(bs, br, BRIDGE_UNDO);
        return ENODEV;
    }
    error = bridge_set_commit_edit(
        bs, bridge_db_set(bridge_db_path(1, name), bridge_to_json(br)), errp);
    if (error) {
        bridge_destroy(bs, br, BRIDGE_UNDO);
        return error;
    }
    if (br->dp) {
        ofproto_dpif_start(br->dp);
    }
    bridge_txn_record(bs, BRIDGE_UNDO_ADD_BRIDGE, name, NULL, NULL);
    VLOG_INFO("added bridge %s", name);
    monitor_bridge_changed(name, true);
    return 0;
}

int
bridge_del(struct bridge_set *bs, const char *name, bool if_exists,
           char **errp)
{
    struct bridge *br = bridge_find(bs, name);
    json_t *saved;
    int error;

    if (!br) {
        if (if_exists) {
            return 0;
        }
        *errp = xasprintf("no bridge named %s", name);
        return ENOENT;
    }

    /* Deleting is simple to undo by reloading what was there. */
    saved = bridge_set_to_json(bs);
    bridge_destroy(bs, br, BRIDGE_DELETE_DP);
    error = bridge_set_commit_edit(bs, bridge_db_del(bridge_db_path(1, name)),
                                   errp);
    if (error) {
        char *ignore = NULL;

        bridge_set_clear(bs);
        bridge_set_load(bs, saved, &ignore);
        free(ignore);
    } else {
        bridge_txn_record(bs, BRIDGE_UNDO_DEL_BRIDGE, name, NULL,
                          json_incref(json_object_get(
                              json_object_get(saved, "bridges"), name)));
        VLOG_INFO("deleted bridge %s", name);
        monitor_bridge_changed(name, false);
    }
    json_decref(saved);
    return error;
}

static uint32_t
bridge_pick_ofport(const struct bridge *br)
{
    uint32_t ofport;

    for (ofport = 1; ofport < OFPP_MAX; ofport++) {
        if (!bridge_find_ofport(br, ofport)) {
            return ofport;
        }
    }
    return 0;
}

int
bridge_add_port(struct bridge_set *bs, const char *br_name,
                const char *name, const char *type, uint32_t ofport,
                bool may_exist, uint32_t *ofportp, char **errp)
{
    struct bridge *br;
    struct port *port;
    int error;

    *ofportp = 0;
    type = type ? type : "system";
    if (!is_valid_port_type(type)) {
        *errp = xasprintf("%s: unknown port type \"%s\" (use system, "
                          "internal or dummy)", name, type);
        return EINVAL;
    }
    if (!bridge_is_valid_name(name, errp)) {
        return EINVAL;
    }
    if (ofport >= OFPP_MAX) {
        *errp = xasprintf("%s: ofport %"PRIu32" is out of range 1 to %d",
                          name, ofport, OFPP_MAX - 1);
        return EINVAL;
    }
    br = bridge_find(bs, br_name);
    if (!br) {
        *errp = xasprintf("no bridge named %s", br_name);
        return ENOENT;
    }

    port = bridge_find_port(bs, name);
    if (port) {
        if (may_exist && port->bridge == br && !strcmp(port->type, type)
            && (!ofport || ofport == port->ofport)) {
            *ofportp = port->ofport;
            return 0;
        }
        if (may_exist && port->bridge == br) {
            *errp = xasprintf("port %s exists on bridge %s with type %s "
                              "and ofport %"PRIu32, name, br->name,
                              port->type, port->ofport);
        } else {
            *errp = xasprintf("cannot create a port named %s because a "
                              "port named %s already exists on bridge %s",
                              name, name, port->bridge->name);
        }
        return EEXIST;
    }
    if (bridge_find(bs, name)) {
        *errp = xasprintf("cannot create a port named %s because a bridge "
                          "named %s already exists", name, name);
        return EEXIST;
    }
    if (ofport) {
        struct port *other = bridge_find_ofport(br, ofport);

        if (other) {
            *errp = xasprintf("cannot add port %s with ofport %"PRIu32
                              " because port %s already uses it",
                              name, ofport, other->name);
            return EEXIST;
        }
    } else {
        ofport = bridge_pick_ofport(br);
        if (!ofport) {
            *errp = xasprintf("bridge %s has no free port number", br_name);
            return ENOSPC;
        }
    }

    port = port_create(bs, br, name, type, ofport);
    if (port_open(port) && !port_is_missing_device(port)) {
        *errp = xasprintf("cannot add port %s to bridge %s: %s", name,
                          br->name, port->error);
        port_destroy(bs, port, true);
        return ENODEV;
    }
    bridge_sync_ports(br);
    error = bridge_set_commit_edit(
        bs, bridge_db_set(bridge_db_path(3, br->name, "ports", name),
                          port_to_json(port)), errp);
    if (error) {
        port_destroy(bs, port, true);
        return error;
    }
    bridge_txn_record(bs, BRIDGE_UNDO_ADD_PORT, name, NULL, NULL);
    if (port->error) {
        VLOG_WARN("bridge %s: added port %s (type %s, ofport %"PRIu32"), "
                  "not up: %s (retrying every second)", br->name, name,
                  type, ofport, port->error);
    } else {
        VLOG_INFO("bridge %s: added port %s (type %s, ofport %"PRIu32")",
                  br->name, name, type, ofport);
    }
    monitor_port_changed(br->name, name, ofport, type, true);
    *ofportp = ofport;
    return 0;
}

int
bridge_del_port(struct bridge_set *bs, const char *br_name,
                const char *name, bool if_exists, char **errp)
{
    struct port *port;
    struct bridge *br;
    uint32_t ofport;
    char *type;
    int error;

    if (br_name && !bridge_find(bs, br_name)) {
        *errp = xasprintf("no bridge named %s", br_name);
        return ENOENT;
    }
    port = bridge_find_port(bs, name);
    if (!port || (br_name && strcmp(port->bridge->name, br_name))) {
        if (if_exists) {
            return 0;
        }
        *errp = (br_name
                 ? xasprintf("bridge %s does not have a port %s",
                             br_name, name)
                 : xasprintf("no port named %s", name));
        return ENOENT;
    }
    if (port->ofport == OFPP_LOCAL) {
        *errp = xasprintf("cannot delete port %s because it is the local "
                          "port for bridge %s (use del-br to delete the "
                          "bridge)", name, port->bridge->name);
        return EINVAL;
    }

    br = port->bridge;
    ofport = port->ofport;
    type = xstrdup(port->type);
    if (bs->txn) {
        bridge_txn_record(bs, BRIDGE_UNDO_DEL_PORT, name, br->name,
                          port_to_json(port));
    }
    port_destroy(bs, port, false);
    error = bridge_set_commit_edit(
        bs, bridge_db_del(bridge_db_path(3, br->name, "ports", name)), errp);
    if (error) {
        port_open(port_create(bs, br, name, type, ofport));
        bridge_sync_ports(br);
    } else {
        VLOG_INFO("bridge %s: deleted port %s", br->name, name);
        monitor_port_changed(br->name, name, ofport, type, false);
    }
    free(type);
    return error;
}

static int
compare_vids(const void *a_, const void *b_)
{
    const uint16_t *a = a_;
    const uint16_t *b = b_;

    return (*a > *b) - (*a < *b);
}

int
bridge_set_port_vlans(struct bridge_set *bs, const char *br_name,
                      const char *name, int tag, const uint16_t *trunks,
                      size_t n_trunks, char **errp)
{
    uint16_t *old_trunks, *new_trunks;
    size_t i, n, old_n_trunks;
    struct port *port;
    int old_tag;
    int error;

    if (!bridge_find(bs, br_name)) {
        *errp = xasprintf("no bridge named %s", br_name);
        return ENOENT;
    }
    port = bridge_find_port(bs, name);
    if (!port || strcmp(port->bridge->name, br_name)) {
        *errp = xasprintf("bridge %s does not have a port %s", br_name,
                          name);
        return ENOENT;
    }
    if (tag < -1 || tag > 4095) {
        *errp = xasprintf("tag=%d: VLAN ID must be between 0 and 4095",
                          tag);
        return EINVAL;
    }
    if (tag >= 0 && n_trunks) {
        *errp = xstrdup("a port cannot have both a tag and trunks "
                        "(native VLAN modes are not supported)");
        return EINVAL;
    }

    new_trunks = n_trunks ? xmemdup(trunks, n_trunks * sizeof *trunks)
                          : NULL;
    if (n_trunks) {
        qsort(new_trunks, n_trunks, sizeof *new_trunks, compare_vids);
    }
    for (i = n = 0; i < n_trunks; i++) {
        if (new_trunks[i] > 4095) {
            *errp = xasprintf("trunks: VLAN ID %d is not between 0 and "
                              "4095", new_trunks[i]);
            free(new_trunks);
            return EINVAL;
        }
        if (!n || new_trunks[n - 1] != new_trunks[i]) {
            new_trunks[n++] = new_trunks[i];
        }
    }

    if (bs->txn) {
        bridge_txn_record(bs, BRIDGE_UNDO_SET_PORT, name, NULL,
                          port_to_json(port));
    }
    old_tag = port->tag;
    old_trunks = port->trunks;
    old_n_trunks = port->n_trunks;
    port->tag = tag;
    port->trunks = new_trunks;
    port->n_trunks = n;
    bridge_sync_ports(port->bridge);
    error = bridge_set_commit_edit(
        bs, bridge_db_set(bridge_db_path(3, br_name, "ports", name),
                          port_to_json(port)), errp);
    if (error) {
        port->tag = old_tag;
        port->trunks = old_trunks;
        port->n_trunks = old_n_trunks;
        free(new_trunks);
        bridge_sync_ports(port->bridge);
    } else {
        free(old_trunks);
        VLOG_INFO("bridge %s: port %s: tag %d, %zu trunk VLAN(s)", br_name,
                  name, tag, n);
    }
    return error;
}

/* Flows. */

int
bridge_flow_mods(struct bridge_set *bs, const char *br_name,
                 const struct flow_mod_spec *specs, size_t n, char **errp)
{
    struct bridge *br = bridge_find(bs, br_name);

    if (!br) {
        *errp = xasprintf("no bridge named %s", br_name);
        return ENOENT;
    }
    return bridge_journaled_flow_mods(bs, br, specs, n, errp);
}

/* Groups. */

static char *
group_to_line(const struct ofp_group *g)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ofp_group_format(g, NULL, true, &s);
    return ds_steal_cstr(&s);
}

static json_t *
group_db_path(const struct bridge *br, const struct ofp_group *g)
{
    char *line = group_to_line(g);
    json_t *path = bridge_db_path(3, br->name, "groups", line);

    free(line);
    return path;
}

static void
free_groups(struct ofp_group **groups, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        ofp_group_uninit(groups[i]);
        free(groups[i]);
    }
    free(groups);
}

int
bridge_group_add(struct bridge_set *bs, const char *br_name,
                 const struct ofp_group *g, bool modify, char **errp)
{
    struct bridge *br = bridge_find(bs, br_name);
    struct ofp_group **old;
    json_t *edits;
    size_t i, n_old;
    int error;

    *errp = NULL;
    if (!br) {
        *errp = xasprintf("no bridge named %s", br_name);
        return ENOENT;
    }
    for (i = 0; i < g->n_buckets; i++) {
        const struct ofp_bucket *b = &g->buckets[i];

        if (b->watch_port != OFPG_WATCH_NONE
            && !bridge_find_ofport(br, b->watch_port)) {
            *errp = xasprintf("bucket %"PRIu32": watch_port:%"PRIu32": no "
                              "such port in bridge %s", b->bucket_id,
                              b->watch_port, br_name);
            return EINVAL;
        }
    }
    old = ofproto_groups_get(br->ofproto, g->group_id, &n_old);
    error = ofproto_group_add(br->ofproto, g, modify, errp);
    if (error) {
        free_groups(old, n_old);
        return error;
    }
    edits = json_array();
    if (n_old) {
        json_array_append_new(edits,
                              bridge_db_del(group_db_path(br, old[0])));
    }
    json_array_append_new(edits, bridge_db_set(group_db_path(br, g),
                                               json_true()));
    error = bridge_set_commit(bs, edits, errp);
    if (!error) {
        char *line = group_to_line(g);

        monitor_group_changed(br->name, g->group_id,
                              n_old ? "modified" : "added", line);
        free(line);
    }
    if (error) {
        /* Undo: the db keeps what it had. */
        char *msg = NULL;

        if (n_old) {
            ofproto_group_add(br->ofproto, old[0], true, &msg);
        } else {
            ofproto_group_del(br->ofproto, g->group_id, NULL, &msg);
        }
        free(msg);
    }
    free_groups(old, n_old);
    return error;
}

int
bridge_group_del(struct bridge_set *bs, const char *br_name, uint32_t id,
                 size_t *n_groupsp, size_t *n_flowsp, char **errp)
{
    struct bridge *br = bridge_find(bs, br_name);
    struct ofp_group **old;
    json_t *edits;
    size_t i, n_old;
    int error;

    *errp = NULL;
    *n_groupsp = *n_flowsp = 0;
    if (!br) {
        *errp = xasprintf("no bridge named %s", br_name);
        return ENOENT;
    }
    old = ofproto_groups_get(br->ofproto, id, &n_old);
    if (!n_old) {
        free_groups(old, n_old);
        return 0;
    }
    bridge_journal_begin(bs);
    error = ofproto_group_del(br->ofproto, id, n_flowsp, errp);
    error = bridge_journal_end(error, errp);
    if (!error) {
        edits = json_array();
        for (i = 0; i < n_old; i++) {
            json_array_append_new(edits,
                                  bridge_db_del(group_db_path(br, old[i])));
        }
        error = bridge_set_commit(bs, edits, errp);
        *n_groupsp = n_old;
        for (i = 0; i < n_old; i++) {
            monitor_group_changed(br->name, old[i]->group_id, "removed",
                                  NULL);
        }
    }
    free_groups(old, n_old);
    return error;
}

/* Meters. */

static char *
meter_to_line(const struct ofp_meter *m)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ofp_meter_format_line(m, &s);
    return ds_steal_cstr(&s);
}

static json_t *
meter_db_path(const struct bridge *br, const struct ofp_meter *m)
{
    char *line = meter_to_line(m);
    json_t *path = bridge_db_path(3, br->name, "meters", line);

    free(line);
    return path;
}

int
bridge_meter_add(struct bridge_set *bs, const char *br_name,
                 const struct ofp_meter *m, bool modify, char **errp)
{
    struct bridge *br = bridge_find(bs, br_name);
    struct ofp_meter *old;
    json_t *edits;
    size_t n_old;
    int error;

    *errp = NULL;
    if (!br) {
        *errp = xasprintf("no bridge named %s", br_name);
        return ENOENT;
    }
    old = ofproto_meters_get(br->ofproto, m->meter_id, &n_old);
    error = ofproto_meter_add(br->ofproto, m, modify, errp);
    if (!error && br->dp) {
        error = ofproto_dpif_meter_set(br->dp, m, errp);
    }
    if (!error) {
        edits = json_array();
        if (n_old) {
            json_array_append_new(edits,
                                  bridge_db_del(meter_db_path(br, old)));
        }
        json_array_append_new(edits, bridge_db_set(meter_db_path(br, m),
                                                   json_true()));
        error = bridge_set_commit(bs, edits, errp);
    }
    if (error && error != EEXIST && error != ENOENT) {
        /* Undo: the table, the datapath and the db keep what they had. */
        size_t n_flows;
        char *msg = NULL;

        if (n_old) {
            ofproto_meter_add(br->ofproto, old, true, &msg);
            if (br->dp) {
                ofproto_dpif_meter_set(br->dp, old, &msg);
            }
        } else {
            ofproto_meter_del(br->ofproto, m->meter_id, &n_flows, &msg);
            if (br->dp) {
                ofproto_dpif_meter_del(br->dp, m->meter_id);
            }
        }
        free(msg);
    }
    free(old);
    return error;
}

int
bridge_meter_del(struct bridge_set *bs, const char *br_name, uint32_t id,
                 size_t *n_metersp, size_t *n_flowsp, char **errp)
{
    struct bridge *br = bridge_find(bs, br_name);
    struct ofp_meter *old;
    json_t *edits;
    size_t i, n_old;
    int error;

    *errp = NULL;
    *n_metersp = *n_flowsp = 0;
    if (!br) {
        *errp = xasprintf("no bridge named %s", br_name);
        return ENOENT;
    }
    old = ofproto_meters_get(br->ofproto, id, &n_old);
    if (!n_old) {
        free(old);
        return 0;
    }
    bridge_journal_begin(bs);
    error = ofproto_meter_del(br->ofproto, id, n_flowsp, errp);
    error = bridge_journal_end(error, errp);
    if (!error) {
        edits = json_array();
        for (i = 0; i < n_old; i++) {
            if (br->dp) {
                ofproto_dpif_meter_del(br->dp, old[i].meter_id);
            }
            json_array_append_new(edits,
                                  bridge_db_del(meter_db_path(br, &old[i])));
        }
        error = bridge_set_commit(bs, edits, errp);
        *n_metersp = n_old;
    }
    free(old);
    return error;
}

int
bridge_meter_get_stats(struct bridge_set *bs, const char *br_name,
                       uint32_t id, struct dpif_meter_stats *stats,
                       char **errp)
{
    struct bridge *br = bridge_find(bs, br_name);
    int error;

    *errp = NULL;
    memset(stats, 0, sizeof *stats);
    if (!br) {
        *errp = xasprintf("no bridge named %s", br_name);
        return ENOENT;
    } else if (!br->dp) {
        return 0;               /* Nothing forwards: nothing counted. */
    }
    error = ofproto_dpif_meter_get_stats(br->dp, id, stats);
    if (error == ENOENT) {
        return 0;               /* Lost with a datapath now recreated. */
    } else if (error) {
        *errp = xasprintf("meter=%"PRIu32": cannot read its counters: %s",
                          id, nfvs_strerror(error));
    }
    return error;
}

/* Returns true if 'rule' has exactly the cookie, timeouts and actions
 * that 'spec' would give it. */
static bool
rule_is_as_specified(const struct rule *rule,
                     const struct flow_mod_spec *spec)
{
    return (rule->cookie == spec->cookie
            && rule->idle_timeout == spec->idle_timeout
            && rule->hard_timeout == spec->hard_timeout
            && rule->ofpacts_size == spec->ofpacts_size
            && (!spec->ofpacts_size
                || !memcmp(rule->ofpacts, spec->ofpacts,
                           spec->ofpacts_size)));
}

/* A flow that a replace keeps, in a hash by identity. */
struct replace_entry {
    struct hmap_node node;              /* By replace_hash(). */
    const struct flow_mod_spec *spec;   /* The wanted flow. */
    char *line;                 /* Its db line if it is to be added. */
};

static uint32_t
replace_hash(int table_id, int priority, const struct match *match)
{
    return match_hash(match, hash_int(table_id << 16 | priority, 0));
}

/* The comparison of a replace, made in steps.  It is valid for the
 * tables of bridge number 'serial' as of 'version': any change to them
 * meanwhile restarts it. */
struct bridge_replace {
    const struct flow_mod_spec *specs;  /* The wanted flows (not owned). */
    size_t n;                   /* Number of 'specs'. */
    size_t next;                /* First spec not compared yet. */
    struct replace_entry *entries;  /* One per spec, for 'wanted'. */
    struct hmap wanted;         /* 'entries[0..next)' by identity. */
    size_t *adds;               /* Specs to add (new or changed). */
    size_t n_adds;              /* Number of 'adds'. */
    size_t n_found;             /* Distinct wanted flows installed. */
    uint64_t serial;            /* Bridge compared against, 0: none. */
    uint64_t version;           /* Its flow_table_version() then. */
    bool replace;               /* False: flow mods, only lines made. */

    /* Then the walk of the installed flows for those to delete. */
    bool walking;               /* 'walk' is valid. */
    bool walked;                /* 'dels' is complete. */
    int walk_table;             /* Table 'walk' is in. */
    struct cls_cursor walk;
    struct flow_mod_spec *dels; /* Strict deletes of unwanted flows. */
    size_t n_dels, allocated_dels;

    /* Then the change, applying as a staged batch: adds, then deletes. */
    bool staged;                /* Started on the bridge's tables. */
    uint64_t staged_serial;     /* The bridge it was started on. */
    size_t n_mods;              /* Flow mods it takes. */
    size_t n_staged;            /* Flow mods handed to the batch so far. */
    int error;                  /* Error starting it, or 0... */
    char *msg;                  /* ...and its message. */
};

static void
bridge_replace_free_lines(struct bridge_replace *r)
{
    size_t i;

    for (i = 0; i < r->next; i++) {
        free(r->entries[i].line);
        r->entries[i].line = NULL;
    }
}

/* Returns the db line of 'spec' (an add) as rule_to_line() would give it
 * for the rule it adds. */
static char *
spec_to_line(const struct flow_mod_spec *spec)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofp_flow_desc desc;

    desc.table_id = spec->table_id;
    desc.cookie = spec->cookie;
    desc.priority = spec->priority;
    desc.idle_timeout = spec->idle_timeout;
    desc.hard_timeout = spec->hard_timeout;
    desc.match = &spec->match;
    desc.ofpacts = spec->ofpacts;
    desc.ofpacts_size = spec->ofpacts_size;
    ofp_flow_format(&desc, NULL, &s);
    return ds_steal_cstr(&s);
}

/* For the journal: if a replace is being applied and formatted the line
 * of a wanted flow that is exactly 'rule', returns that line (the caller
 * owns it), otherwise NULL. */
static char *
bridge_replace_take_line(const struct rule *rule)
{
    struct replace_entry *e;

    if (!journal_replace) {
        return NULL;
    }
    HMAP_FOR_EACH_WITH_HASH (e, node,
                             replace_hash(rule->table_id,
                                          rule_priority(rule),
                                          &rule->cr.match),
                             &journal_replace->wanted) {
        if (e->line
            && e->spec->table_id == rule->table_id
            && e->spec->priority == rule_priority(rule)
            && match_equal(&e->spec->match, &rule->cr.match)
            && rule_is_as_specified(rule, e->spec)) {
            char *line = e->line;

            e->line = NULL;
            return line;
        }
    }
    return NULL;
}

struct bridge_replace *
bridge_replace_create(const struct flow_mod_spec *specs, size_t n,
                      bool replace)
{
    struct bridge_replace *r = xzalloc(sizeof *r);

    r->replace = replace;
    r->specs = specs;
    r->n = n;
    r->entries = xcalloc(n ? n : 1, sizeof *r->entries);
    r->adds = xcalloc(n ? n : 1, sizeof *r->adds);
    hmap_init(&r->wanted);
    return r;
}

void
bridge_replace_destroy(struct bridge_replace *r)
{
    if (r) {
        bridge_replace_free_lines(r);
        free(r->dels);
        free(r->msg);
        hmap_destroy(&r->wanted);
        free(r->entries);
        free(r->adds);
        free(r);
    }
}

/* For flow mods: formats the db line of each add, until all are done
 * (returns true) or time_msec() reaches 'deadline' (returns false). */
static bool
bridge_replace_format(struct bridge_replace *r, long long int deadline)
{
    for (; r->next < r->n; r->next++) {
        const struct flow_mod_spec *spec = &r->specs[r->next];
        struct replace_entry *e = &r->entries[r->next];

        if (!(r->next % 256) && r->next && time_msec() >= deadline) {
            return false;
        }
        e->spec = spec;
        e->line = NULL;
        if (spec->command == FLOW_MOD_ADD) {
            e->line = spec_to_line(spec);
            hmap_insert(&r->wanted, &e->node,
                        replace_hash(spec->table_id, spec->priority,
                                     &spec->match));
        }
    }
    return true;
}

/* Compares specs with 'br''s flows until all are compared (returns true)
 * or time_msec() reaches 'deadline' (returns false).  Starts over if the
 * tables changed since the last step. */
static bool
bridge_replace_compare(struct bridge_replace *r, struct bridge *br,
                       long long int deadline)
{
    const struct flow_table *tables = ofproto_get_tables(br->ofproto);

    if (!r->replace) {
        return bridge_replace_format(r, deadline);
    }
    if (r->serial != br->serial
        || r->version != flow_table_version(tables)) {
        bridge_replace_free_lines(r);
        hmap_clear(&r->wanted);
        r->next = r->n_adds = r->n_found = 0;
        r->walking = r->walked = false;
        r->n_dels = 0;
        r->serial = br->serial;
        r->version = flow_table_version(tables);
    }
    for (; r->next < r->n; r->next++) {
        const struct flow_mod_spec *spec = &r->specs[r->next];
        uint32_t hash = replace_hash(spec->table_id, spec->priority,
                                     &spec->match);
        const struct replace_entry *e;
        const struct rule *rule;
        bool dup = false;

        if (!(r->next % 256) && r->next && time_msec() >= deadline) {
            return false;
        }
        HMAP_FOR_EACH_WITH_HASH (e, node, hash, &r->wanted) {
            if (e->spec->table_id == spec->table_id
                && e->spec->priority == spec->priority
                && match_equal(&e->spec->match, &spec->match)) {
                dup = true;
                break;
            }
        }
        r->entries[r->next].spec = spec;
        r->entries[r->next].line = NULL;
        hmap_insert(&r->wanted, &r->entries[r->next].node, hash);

        rule = flow_table_find_exactly(tables, spec->table_id, &spec->match,
                                       spec->priority);
        if (rule && !dup) {
            r->n_found++;
        }
        if (!rule || !rule_is_as_specified(rule, spec)) {
            r->adds[r->n_adds++] = r->next;
            r->entries[r->next].line = spec_to_line(spec);
        }
    }
    return true;
}

/* Walks 'br''s installed flows, for 'r', a compared replace, collecting
 * strict deletes of those it does not want in 'r->dels', until done
 * (returns true) or time_msec() reaches 'deadline' (returns false; the
 * comparison restarts, walk included, if the tables change meanwhile).
 * When every installed flow is wanted, there is nothing to walk. */
static bool
bridge_replace_walk(struct bridge_replace *r, struct bridge *br,
                    long long int deadline)
{
    const struct flow_table *tables = ofproto_get_tables(br->ofproto);
    size_t n_walked = 0;

    if (r->walked) {
        return true;
    } else if (r->n_found >= flow_table_count(tables, FLOW_TABLE_ALL)) {
        r->walked = true;
        return true;
    }
    if (!r->walking) {
        r->walking = true;
        r->walk_table = 0;
        cls_cursor_start(&r->walk, flow_table_classifier(tables, 0), NULL,
                         false);
    }
    for (;;) {
        const struct replace_entry *e;
        struct cls_rule *cr;
        bool is_wanted = false;

        if (!(++n_walked % 256) && time_msec() >= deadline) {
            return false;
        }
        cr = cls_cursor_next(&r->walk);
        if (!cr) {
            if (++r->walk_table >= FLOW_TABLE_N_TABLES) {
                break;
            }
            cls_cursor_start(&r->walk,
                             flow_table_classifier(tables, r->walk_table),
                             NULL, false);
            continue;
        }
        HMAP_FOR_EACH_WITH_HASH (e, node,
                                 replace_hash(r->walk_table, cr->priority,
                                              &cr->match),
                                 &r->wanted) {
            if (e->spec->table_id == r->walk_table
                && e->spec->priority == cr->priority
                && match_equal(&e->spec->match, &cr->match)) {
                is_wanted = true;
                break;
            }
        }
        if (!is_wanted) {
            struct flow_mod_spec *del;

            if (r->n_dels == r->allocated_dels) {
                r->allocated_dels = (r->allocated_dels
                                     ? 2 * r->allocated_dels : 64);
                r->dels = xrealloc(r->dels,
                                   r->allocated_dels * sizeof *r->dels);
            }
            del = &r->dels[r->n_dels++];
            memset(del, 0, sizeof *del);
            del->command = FLOW_MOD_DELETE_STRICT;
            del->table_id = r->walk_table;
            del->priority = cr->priority;
            del->match = cr->match;
            del->out_port = OFPP_NONE;
        }
    }
    r->walking = false;
    r->walked = true;
    return true;
}

/* The flow mod number 'i' of the change 'r' makes: for a replace, adds
 * for new and changed flows (shallow copies: 'r->specs' keeps owning the
 * actions), then strict deletes for flows the new set lacks; otherwise
 * the flow mods it was given. */
static const struct flow_mod_spec *
bridge_replace_mod(const struct bridge_replace *r, size_t i)
{
    return (!r->replace ? &r->specs[i]
            : i < r->n_adds ? &r->specs[r->adds[i]]
            : &r->dels[i - r->n_adds]);
}

/* Returns the flow mods of 'r', a compared and walked change, as an
 * array (caller frees) of 'r->n_mods'. */
static struct flow_mod_spec *
bridge_replace_mods(struct bridge_replace *r)
{
    struct flow_mod_spec *mods;
    size_t i;

    r->n_mods = r->replace ? r->n_adds + r->n_dels : r->n;
    mods = xmalloc((r->n_mods + 1) * sizeof *mods);
    for (i = 0; i < r->n_mods; i++) {
        mods[i] = *bridge_replace_mod(r, i);
    }
    return mods;
}

/* Once compared (and for a replace, the installed flows walked), the
 * change is started as a staged batch of the bridge's tables, handed its
 * flow mods and applied a slice a step, each step journaling what it
 * applied: readers and other clients see the old flows until
 * bridge_replace_finish() publishes them. */
bool
bridge_replace_step(struct bridge_set *bs, const char *br_name,
                    struct bridge_replace *r, long long int deadline)
{
    struct bridge *br = bridge_find(bs, br_name);
    bool done;

    if (!br || r->error) {
        return true;
    } else if (!r->staged) {
        if (!bridge_replace_compare(r, br, deadline)
            || (r->replace && !bridge_replace_walk(r, br, deadline))) {
            return false;
        }
        r->n_mods = r->replace ? r->n_adds + r->n_dels : r->n;
        if (!r->n_mods) {
            return true;
        }
        r->error = ofproto_flow_mods_start(br->ofproto, NULL, 0, &r->msg);
        if (r->error) {
            return true;
        }
        r->staged = true;
        r->staged_serial = br->serial;
        r->n_staged = 0;
    } else if (br->serial != r->staged_serial) {
        return true;
    }

    for (; r->n_staged < r->n_mods; r->n_staged++) {
        if (r->n_staged && !(r->n_staged % 256)
            && time_msec() >= deadline) {
            return false;
        }
        if (ofproto_flow_mod_stage(br->ofproto,
                                   bridge_replace_mod(r, r->n_staged),
                                   r->n_staged, r->n_mods, &r->msg)) {
            /* Kept by the batch: finish rolls back and reports it. */
            return true;
        }
    }

    bridge_journal_begin(bs);
    journal_replace = r;
    done = ofproto_flow_mods_step(br->ofproto, deadline);
    journal_replace = NULL;
    journal_bs = NULL;
    return done;
}

int
bridge_replace_finish(struct bridge_set *bs, const char *br_name,
                      struct bridge_replace *r, size_t *n_changesp,
                      char **errp)
{
    struct bridge *br = bridge_find(bs, br_name);
    struct flow_mod_spec *mods;
    size_t n_mods;
    int error;

    *n_changesp = 0;
    *errp = NULL;
    if (!br) {
        *errp = xasprintf("no bridge named %s", br_name);
        return ENOENT;
    } else if (r->error && !r->staged) {
        *errp = r->msg;
        r->msg = NULL;
        return r->error;
    } else if (r->staged) {
        if (br->serial != r->staged_serial) {
            *errp = xasprintf("bridge %s was deleted while its flows were "
                              "changing", br_name);
            return ENOENT;
        }
        bridge_journal_begin(bs);
        journal_replace = r;
        error = ofproto_flow_mods_finish(br->ofproto, errp);
        journal_replace = NULL;
        error = bridge_journal_end(error, errp);
        if (error && r->msg) {
            /* A flow mod the batch refused when it was handed over. */
            free(*errp);
            *errp = r->msg;
            r->msg = NULL;
        } else if (!error) {
            *n_changesp = r->n_mods;
        }
        return error;
    }

    /* Not staged: a change small enough to apply at once. */
    bridge_replace_compare(r, br, LLONG_MAX);
    if (!r->replace) {
        journal_replace = r;
        error = bridge_journaled_flow_mods(bs, br, r->specs, r->n, errp);
        journal_replace = NULL;
        if (!error) {
            *n_changesp = r->n;
        }
        return error;
    }
    bridge_replace_walk(r, br, LLONG_MAX);
    mods = bridge_replace_mods(r);
    n_mods = r->n_mods;
    journal_replace = r;
    error = (n_mods
             ? bridge_journaled_flow_mods(bs, br, mods, n_mods, errp)
             : 0);
    journal_replace = NULL;
    if (!error) {
        *n_changesp = n_mods;
    }
    free(mods);
    return error;
}

bool
bridge_replace_cleanup(struct bridge_set *bs, const char *br_name,
                       struct bridge_replace *r, long long int deadline)
{
    struct bridge *br = bridge_find(bs, br_name);

    return (!br || !r->staged || br->serial != r->staged_serial
            || ofproto_cleanup_step(br->ofproto, deadline));
}

int
bridge_replace_flows(struct bridge_set *bs, const char *br_name,
                     const struct flow_mod_spec *specs, size_t n,
                     size_t *n_changesp, char **errp)
{
    struct bridge_replace *r = bridge_replace_create(specs, n, true);
    int error;

    error = bridge_replace_finish(bs, br_name, r, n_changesp, errp);
    bridge_replace_destroy(r);
    return error;
}

long long int
bridge_set_run_timeouts(struct bridge_set *bs, long long int now)
{
    long long int next = now + 1000;
    struct bridge *br;

    /* The journal records the expired flows in the db. */
    journal_bs = bs;
    HMAP_FOR_EACH (br, node, &bs->bridges) {
        long long int t;

        ofproto_run_timeouts(br->ofproto, now);
        t = ofproto_next_timeout(br->ofproto);
        next = NFVS_MIN(next, t);
    }
    journal_bs = NULL;
    free(journal_msg);
    journal_msg = NULL;
    return NFVS_MAX(next, now + 10);
}

/* Tries again to add to 'br''s datapath each port of 'br' that is not in
 * it: a port from the config db that could not be added when the daemon
 * started, or a system port whose device did not exist, as Open vSwitch
 * does for an interface that appears after the daemon started.  A system
 * port is tried only once its device exists.  Logs each change of a
 * port's error. */
static void
bridge_retry_ports(struct bridge *br)
{
    bool joined = false;
    struct port *port;

    HMAP_FOR_EACH (port, node, &br->ports) {
        char *old_error;

        if (!port->error) {
            continue;
        }
        old_error = port->error;
        port->error = NULL;
        port_open(port);
        if (!port->error) {
            VLOG_INFO("bridge %s: port %s joined the datapath: it is up",
                      br->name, port->name);
            joined = true;
        } else if (strcmp(port->error, old_error)) {
            VLOG_WARN("bridge %s: port %s is not up: %s (retrying every "
                      "second)", br->name, port->name, port->error);
        }
        free(old_error);
    }
    if (joined) {
        bridge_sync_ports(br);
    }
}

/* Tries again to create the datapath of 'br', whose creation failed, and
 * on success adds its ports and starts it. */
static void
bridge_retry(struct bridge_set *bs, struct bridge *br)
{
    char *old_error = br->error;
    struct port *port;

    br->error = NULL;
    if (bridge_open_dp(bs, br)) {
        if (strcmp(br->error, old_error)) {
            VLOG_WARN("bridge %s is not up: %s (retrying every second)",
                      br->name, br->error);
        }
        free(old_error);
        return;
    }
    free(old_error);
    VLOG_INFO("bridge %s is up: its datapath was created", br->name);
    HMAP_FOR_EACH (port, node, &br->ports) {
        if (port_open(port)) {
            VLOG_WARN("bridge %s: port %s is not up: %s (retrying every "
                      "second)", br->name, port->name, port->error);
        }
    }
    bridge_sync_ports(br);
    ofproto_dpif_prune_ports(br->dp);
    ofproto_dpif_start(br->dp);
}

long long int
bridge_set_run_datapaths(struct bridge_set *bs, long long int now)
{
    bool retry = now >= bs->next_retry;
    bool dummy = false;
    struct bridge *br;

    if (retry) {
        bs->next_retry = now + BRIDGE_RETRY_INTERVAL;
    }
    /* Revalidation runs in each datapath's own revalidator thread; only
     * dummy datapaths need the main thread, to move their packets. */
    HMAP_FOR_EACH (br, node, &bs->bridges) {
        if (retry && br->error) {
            bridge_retry(bs, br);
        }
        if (!br->dp) {
            continue;
        }
        if (retry) {
            bridge_retry_ports(br);
            ofproto_dpif_update_liveness(br->dp);
        }
        if (!strcmp(ofproto_dpif_type(br->dp), "dummy")) {
            ofproto_dpif_run(br->dp);
            dummy = true;
        }
    }
    return NFVS_MIN(bs->next_retry,
                    now + (dummy ? BRIDGE_DUMMY_RUN_INTERVAL
                           : BRIDGE_RETRY_INTERVAL));
}

/* Maps. */

/* Returns the map 'column' of 'br' or 'port' (one of them nonnull), or
 * NULL if 'column' names none. */
static json_t **
bridge_find_map(struct bridge *br, struct port *port, const char *column)
{
    if (!strcmp(column, "external_ids")) {
        return port ? &port->external_ids : &br->external_ids;
    } else if (!strcmp(column, "other_config")) {
        return port ? &port->other_config : &br->other_config;
    }
    return NULL;
}

/* Returns the maps of 'br' as they are saved, for undoing. */
static json_t *
bridge_maps_save(const struct bridge *br)
{
    json_t *saved = json_object();

    bridge_maps_to_json(saved, br->external_ids, br->other_config);
    return saved;
}

int
bridge_update_map(struct bridge_set *bs, bool is_port, const char *name,
                  const char *column, bool clear, const json_t *remove,
                  const json_t *set, char **errp)
{
    struct port *port = is_port ? bridge_find_port(bs, name) : NULL;
    struct bridge *br = is_port ? NULL : bridge_find(bs, name);
    json_t **mapp, *old, *new, *value, *edit;
    const char *key;
    size_t i;
    int error;

    if (!port && !br) {
        *errp = xasprintf("no %s named %s", is_port ? "port" : "bridge",
                          name);
        return ENOENT;
    }
    mapp = bridge_find_map(br, port, column);
    if (!mapp) {
        *errp = xasprintf("unknown column \"%s\" (use external_ids or "
                          "other_config)", column);
        return EINVAL;
    }
    json_array_foreach (remove, i, value) {
        if (!json_is_string(value)) {
            *errp = xasprintf("%s: keys to remove must be strings", column);
            return EINVAL;
        }
    }
    if (set && !bridge_map_is_valid(set)) {
        *errp = xasprintf("%s: keys must be nonempty and values strings",
                          column);
        return EINVAL;
    }

    old = *mapp;
    new = clear ? json_object() : json_deep_copy(old);
    json_array_foreach (remove, i, value) {
        json_object_del(new, json_string_value(value));
    }
    json_object_foreach ((json_t *) set, key, value) {
        json_object_set_new(new, key, json_string(json_string_value(value)));
    }
    if (json_equal(old, new)) {
        json_decref(new);
        return 0;
    }

    if (bs->txn) {
        bridge_txn_record(bs, port ? BRIDGE_UNDO_SET_PORT
                          : BRIDGE_UNDO_SET_BRIDGE, name, NULL,
                          port ? port_to_json(port) : bridge_maps_save(br));
    }
    *mapp = new;
    if (port) {
        edit = bridge_db_set(bridge_db_path(3, port->bridge->name, "ports",
                                            name), port_to_json(port));
    } else if (json_object_size(new)) {
        edit = bridge_db_set(bridge_db_path(2, name, column),
                             json_deep_copy(new));
    } else {
        edit = bridge_db_del(bridge_db_path(2, name, column));
    }
    error = bridge_set_commit_edit(bs, edit, errp);
    if (error) {
        *mapp = old;
        json_decref(new);
        return error;
    }
    json_decref(old);
    VLOG_INFO("%s %s: %s now has %zu key(s)", port ? "port" : "bridge",
              name, column, json_object_size(new));
    return 0;
}

/* Transactions. */

void
bridge_txn_begin(struct bridge_set *bs)
{
    assert(!bs->txn);
    bs->txn = xzalloc(sizeof *bs->txn);
    bs->txn->edits = json_array();
}

/* Records in 'bs''s transaction, if there is one, a change to undo if it
 * aborts.  Takes ownership of 'saved' (may be NULL). */
static void
bridge_txn_record(struct bridge_set *bs, enum bridge_undo_type type,
                  const char *name, const char *br_name, json_t *saved)
{
    struct bridge_txn *txn = bs->txn;
    struct bridge_undo *undo;

    if (!txn) {
        json_decref(saved);
        return;
    }
    if (txn->n_undos >= txn->allocated_undos) {
        txn->allocated_undos = 2 * txn->allocated_undos + 4;
        txn->undos = xrealloc(txn->undos,
                              txn->allocated_undos * sizeof *txn->undos);
    }
    undo = &txn->undos[txn->n_undos++];
    undo->type = type;
    undo->name = xstrdup(name);
    undo->br_name = br_name ? xstrdup(br_name) : NULL;
    undo->saved = saved;
}

static void
bridge_txn_destroy(struct bridge_txn *txn)
{
    size_t i;

    for (i = 0; i < txn->n_undos; i++) {
        free(txn->undos[i].name);
        free(txn->undos[i].br_name);
        json_decref(txn->undos[i].saved);
    }
    free(txn->undos);
    json_decref(txn->edits);
    free(txn);
}

/* Sets the VLANs and maps of 'port' to those of its db form 'saved'. */
static void
port_restore(struct port *port, const json_t *saved)
{
    const json_t *tag = json_object_get(saved, "tag");
    const json_t *trunks = json_object_get(saved, "trunks");
    const json_t *vid;
    size_t i;

    port->tag = tag ? json_integer_value(tag) : -1;
    free(port->trunks);
    port->n_trunks = json_array_size(trunks);
    port->trunks = (port->n_trunks
                    ? xcalloc(port->n_trunks, sizeof *port->trunks) : NULL);
    json_array_foreach (trunks, i, vid) {
        port->trunks[i] = json_integer_value(vid);
    }
    bridge_map_load(&port->external_ids,
                    json_object_get(saved, "external_ids"));
    bridge_map_load(&port->other_config,
                    json_object_get(saved, "other_config"));
    bridge_sync_ports(port->bridge);
}

/* Undoes the change 'undo' records.  The running switch then is as it was
 * before that change, except for what cannot be restored exactly (see
 * bridge.h). */
static void
bridge_txn_undo(struct bridge_set *bs, const struct bridge_undo *undo)
{
    struct bridge *br;
    struct port *port;
    char *msg = NULL;
    json_t *doc;

    switch (undo->type) {
    case BRIDGE_UNDO_ADD_BRIDGE:
        bridge_destroy(bs, bridge_find(bs, undo->name), BRIDGE_UNDO);
        break;
    case BRIDGE_UNDO_DEL_BRIDGE:
        doc = json_pack("{s:i, s:{s:O}}", "version", BRIDGE_DB_VERSION,
                        "bridges", undo->name, undo->saved);
        if (bridge_set_load(bs, doc, &msg)) {
            VLOG_ERR("undoing the deletion of bridge %s: %s", undo->name,
                     msg);
        }
        json_decref(doc);
        br = bridge_find(bs, undo->name);
        if (br && br->dp) {
            ofproto_dpif_start(br->dp);
        }
        break;
    case BRIDGE_UNDO_ADD_PORT:
        port_destroy(bs, bridge_find_port(bs, undo->name), true);
        break;
    case BRIDGE_UNDO_DEL_PORT:
        br = bridge_find(bs, undo->br_name);
        if (br && bridge_set_load_port(bs, br, undo->name, undo->saved,
                                       &msg)) {
            VLOG_ERR("undoing the deletion of port %s: %s", undo->name,
                     msg);
        }
        if (br) {
            bridge_sync_ports(br);
        }
        break;
    case BRIDGE_UNDO_SET_PORT:
        port = bridge_find_port(bs, undo->name);
        if (port) {
            port_restore(port, undo->saved);
        }
        break;
    case BRIDGE_UNDO_SET_BRIDGE:
        br = bridge_find(bs, undo->name);
        if (br) {
            bridge_map_load(&br->external_ids,
                            json_object_get(undo->saved, "external_ids"));
            bridge_map_load(&br->other_config,
                            json_object_get(undo->saved, "other_config"));
        }
        break;
    }
    free(msg);
}

void
bridge_txn_abort(struct bridge_set *bs)
{
    struct bridge_txn *txn = bs->txn;
    size_t i;

    bs->txn = NULL;
    for (i = txn->n_undos; i-- > 0;) {
        bridge_txn_undo(bs, &txn->undos[i]);
    }
    if (txn->n_undos) {
        VLOG_INFO("transaction aborted: %zu change(s) undone",
                  txn->n_undos);
    }
    bridge_txn_destroy(txn);
}

int
bridge_txn_commit(struct bridge_set *bs, char **errp)
{
    struct bridge_txn *txn = bs->txn;
    int error = 0;

    bs->txn = NULL;
    if (json_array_size(txn->edits)) {
        error = bridge_set_commit(bs, json_incref(txn->edits), errp);
    }
    if (error) {
        bs->txn = txn;
        bridge_txn_abort(bs);
        return error;
    }
    bridge_txn_destroy(txn);
    return 0;
}

int
bridge_port_get_stats(const struct port *port, struct netdev_stats *stats,
                      struct netdev_link_state *state)
{
    const struct bridge *br = port->bridge;

    if (!br->dp || port->dp_port == UINT32_MAX) {
        memset(stats, 0, sizeof *stats);
        memset(state, 0, sizeof *state);
        return ENODEV;
    }
    return ofproto_dpif_port_get_stats(br->dp, port->dp_port, stats, state);
}
