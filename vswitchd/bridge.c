#include <config.h>
#include "bridge.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "flow.h"
#include "hash.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(bridge);

/* The config db's top-level "version": bump it, and keep reading the old
 * layouts, whenever the layout changes. */
#define BRIDGE_DB_VERSION 1

struct bridge_set {
    char *dbfile;               /* Config db path. */
    struct hmap bridges;        /* "struct bridge"s, by name. */
    struct hmap all_ports;      /* Every "struct port", by name. */
};

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

static struct port *
port_create(struct bridge_set *bs, struct bridge *br, const char *name,
            const char *type, uint32_t ofport)
{
    struct port *port = xzalloc(sizeof *port);

    port->bridge = br;
    port->name = xstrdup(name);
    port->type = xstrdup(type);
    port->ofport = ofport;
    port->tag = -1;
    hmap_insert(&br->ports, &port->node, hash_string(name, 0));
    hmap_insert(&bs->all_ports, &port->all_node, hash_string(name, 0));
    return port;
}

static void
port_destroy(struct bridge_set *bs, struct port *port)
{
    if (port) {
        hmap_remove(&port->bridge->ports, &port->node);
        hmap_remove(&bs->all_ports, &port->all_node);
        free(port->name);
        free(port->type);
        free(port->trunks);
        free(port);
    }
}

static struct bridge *
bridge_create(struct bridge_set *bs, const char *name)
{
    struct bridge *br = xzalloc(sizeof *br);

    br->name = xstrdup(name);
    hmap_init(&br->ports);
    hmap_insert(&bs->bridges, &br->node, hash_string(name, 0));
    port_create(bs, br, name, "internal", OFPP_LOCAL);
    return br;
}

static void
bridge_destroy(struct bridge_set *bs, struct bridge *br)
{
    struct port *port, *next;

    if (!br) {
        return;
    }
    HMAP_FOR_EACH_SAFE (port, next, node, &br->ports) {
        port_destroy(bs, port);
    }
    hmap_remove(&bs->bridges, &br->node);
    hmap_destroy(&br->ports);
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
    return cfg;
}

static json_t *
bridge_set_to_json(const struct bridge_set *bs)
{
    json_t *bridges = json_object();
    struct bridge *br;

    HMAP_FOR_EACH (br, node, &bs->bridges) {
        json_t *ports = json_object();
        struct port *port;

        HMAP_FOR_EACH (port, node, &br->ports) {
            if (port->ofport == OFPP_LOCAL) {
                continue;
            }
            json_object_set_new(ports, port->name, port_to_json(port));
        }
        json_object_set_new(bridges, br->name,
                            json_pack("{s:o}", "ports", ports));
    }
    return json_pack("{s:i, s:o}", "version", BRIDGE_DB_VERSION,
                     "bridges", bridges);
}

static int
bridge_set_save(struct bridge_set *bs, char **errp)
{
    json_t *doc = bridge_set_to_json(bs);
    int error = db_save(bs->dbfile, doc);

    json_decref(doc);
    if (error) {
        *errp = xasprintf("cannot save config db %s: %s", bs->dbfile,
                          nfvs_strerror(error));
        VLOG_ERR("%s", *errp);
    }
    return error;
}

static int
bridge_set_load_port(struct bridge_set *bs, struct bridge *br,
                     const char *name, json_t *cfg, char **errp)
{
    json_t *trunks_json = NULL, *value;
    json_int_t ofport, tag = -1;
    struct port *port;
    json_error_t jerr;
    const char *type;
    size_t i;

    if (json_unpack_ex(cfg, &jerr, JSON_STRICT, "{s:s, s:I, s?:I, s?:o}",
                       "type", &type, "ofport", &ofport, "tag", &tag,
                       "trunks", &trunks_json)) {
        *errp = xasprintf("port %s: %s", name, jerr.text);
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
    port->tag = tag;
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
        const char *port_name;
        json_t *ports, *port_cfg;
        struct bridge *br;

        if (json_unpack_ex(br_cfg, &jerr, JSON_STRICT, "{s:o}",
                           "ports", &ports) || !json_is_object(ports)) {
            *errp = xasprintf("%s: bridge %s: %s", bs->dbfile, br_name,
                              jerr.text);
            return EINVAL;
        }
        if (!bridge_is_valid_name(br_name, errp)
            || bridge_find_port(bs, br_name)) {
            free(*errp);
            *errp = xasprintf("%s: bad bridge name %s", bs->dbfile,
                              br_name);
            return EINVAL;
        }
        br = bridge_create(bs, br_name);
        json_object_foreach (ports, port_name, port_cfg) {
            int error = bridge_set_load_port(bs, br, port_name, port_cfg,
                                             errp);
            if (error) {
                char *msg = *errp;

                *errp = xasprintf("%s: %s", bs->dbfile, msg);
                free(msg);
                return error;
            }
        }
    }
    return 0;
}

static void
bridge_set_clear(struct bridge_set *bs)
{
    struct bridge *br, *next;

    HMAP_FOR_EACH_SAFE (br, next, node, &bs->bridges) {
        bridge_destroy(bs, br);
    }
}

int
bridge_set_open(const char *dbfile, struct bridge_set **bsp, char **errp)
{
    struct bridge_set *bs = xzalloc(sizeof *bs);
    json_t *doc = NULL;
    int error;

    bs->dbfile = xstrdup(dbfile);
    hmap_init(&bs->bridges);
    hmap_init(&bs->all_ports);

    error = db_load(dbfile, &doc, errp);
    if (error == ENOENT) {
        VLOG_INFO("%s: no config db yet, starting empty", dbfile);
        error = 0;
    } else if (!error) {
        error = bridge_set_load(bs, doc, errp);
        json_decref(doc);
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

void
bridge_set_close(struct bridge_set *bs)
{
    if (bs) {
        bridge_set_clear(bs);
        hmap_destroy(&bs->bridges);
        hmap_destroy(&bs->all_ports);
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

    br = bridge_create(bs, name);
    error = bridge_set_save(bs, errp);
    if (error) {
        bridge_destroy(bs, br);
        return error;
    }
    VLOG_INFO("added bridge %s", name);
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
    bridge_destroy(bs, br);
    error = bridge_set_save(bs, errp);
    if (error) {
        char *ignore = NULL;

        bridge_set_clear(bs);
        bridge_set_load(bs, saved, &ignore);
        free(ignore);
    } else {
        VLOG_INFO("deleted bridge %s", name);
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

static int
check_system_device(const char *name, char **errp)
{
    if (!if_nametoindex(name)) {
        *errp = xasprintf("cannot add port %s: no network device named %s "
                          "(use type=internal to create one)", name, name);
        return ENODEV;
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
    if (!strcmp(type, "system")) {
        error = check_system_device(name, errp);
        if (error) {
            return error;
        }
    }

    port = port_create(bs, br, name, type, ofport);
    error = bridge_set_save(bs, errp);
    if (error) {
        port_destroy(bs, port);
        return error;
    }
    VLOG_INFO("bridge %s: added port %s (type %s, ofport %"PRIu32")",
              br->name, name, type, ofport);
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
    port_destroy(bs, port);
    error = bridge_set_save(bs, errp);
    if (error) {
        port_create(bs, br, name, type, ofport);
    } else {
        VLOG_INFO("bridge %s: deleted port %s", br->name, name);
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
    qsort(new_trunks, n_trunks, sizeof *new_trunks, compare_vids);
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

    old_tag = port->tag;
    old_trunks = port->trunks;
    old_n_trunks = port->n_trunks;
    port->tag = tag;
    port->trunks = new_trunks;
    port->n_trunks = n;
    error = bridge_set_save(bs, errp);
    if (error) {
        port->tag = old_tag;
        port->trunks = old_trunks;
        port->n_trunks = old_n_trunks;
        free(new_trunks);
    } else {
        free(old_trunks);
        VLOG_INFO("bridge %s: port %s: tag %d, %zu trunk VLAN(s)", br_name,
                  name, tag, n);
    }
    return error;
}
