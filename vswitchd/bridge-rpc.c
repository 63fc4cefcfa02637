#include <config.h>
#include "bridge-rpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "bridge.h"
#include "flow.h"
#include "jsonrpc.h"
#include "rpc-server.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(bridge_rpc);

static unsigned int max_bridges = BRIDGE_RPC_DEFAULT_MAX_BRIDGES;
static unsigned int max_ports = BRIDGE_RPC_DEFAULT_MAX_PORTS;

void
bridge_rpc_set_limits(unsigned int max_bridges_, unsigned int max_ports_)
{
    max_bridges = max_bridges_;
    max_ports = max_ports_;
}

/* Returns the number of ports of all bridges in 'bs', not counting the
 * bridges' local ports. */
static size_t
count_ports(const struct bridge_set *bs)
{
    struct bridge **bridges;
    size_t i, n, total = 0;

    bridges = bridge_set_sorted(bs, &n);
    for (i = 0; i < n; i++) {
        struct port **ports;
        size_t j, n_ports;

        ports = bridge_ports_sorted(bridges[i], &n_ports);
        for (j = 0; j < n_ports; j++) {
            total += ports[j]->ofport != OFPP_LOCAL;
        }
        free(ports);
    }
    free(bridges);
    return total;
}

/* Returns an error for a bridge.add of 'name' that would create a bridge
 * beyond the limit, NULL otherwise. */
static json_t *
check_bridge_limit(const struct bridge_set *bs, const char *name)
{
    struct bridge **bridges;
    size_t n;

    if (bridge_find(bs, name)) {
        return NULL;
    }
    bridges = bridge_set_sorted(bs, &n);
    free(bridges);
    if (n < max_bridges) {
        return NULL;
    }
    return rpc_error_create(RPC_ERR_INVALID, "cannot create bridge %s: "
                            "the switch has as many bridges as "
                            "--max-bridges allows (%u)", name, max_bridges);
}

/* Returns an error for a port.add of 'name' that would create a port
 * beyond the limit, NULL otherwise. */
static json_t *
check_port_limit(const struct bridge_set *bs, const char *name)
{
    size_t n;

    if (bridge_find_port(bs, name)) {
        return NULL;
    }
    n = count_ports(bs);
    if (n < max_ports) {
        return NULL;
    }
    return rpc_error_create(RPC_ERR_INVALID, "cannot add port %s: the "
                            "switch has as many ports as --max-ports "
                            "allows (%u)", name, max_ports);
}

/* Turns a bridge-layer failure into a JSON-RPC error.  Takes ownership of
 * 'msg'. */
static json_t *
error_from_errno(int error, char *msg)
{
    int code;
    json_t *e;

    switch (error) {
    case ENOENT:
        code = RPC_ERR_NOT_FOUND;
        break;
    case ENODEV:
        code = RPC_ERR_DEVICE;
        break;
    case EEXIST:
        code = RPC_ERR_EXISTS;
        break;
    case EINVAL:
    case ENOSPC:
        code = RPC_ERR_INVALID;
        break;
    default:
        code = RPC_ERR_IO;
        break;
    }
    e = rpc_error_create(code, "%s", msg ? msg : nfvs_strerror(error));
    free(msg);
    return e;
}

/* bridge.add and bridge.del: 'flag' is their "may_exist"/"if_exists". */
static json_t *
bridge_add_or_del(json_t *params, json_t **errorp, struct bridge_set *bs,
                  const char *flag,
                  int (*change)(struct bridge_set *, const char *, bool,
                                char **))
{
    const char *name;
    int flag_value = 0;
    char *msg = NULL;
    int error;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:b}",
                           "name", &name, flag, &flag_value)) {
        return NULL;
    }
    if (change == bridge_add) {
        *errorp = check_bridge_limit(bs, name);
        if (*errorp) {
            return NULL;
        }
    }
    error = change(bs, name, flag_value, &msg);
    if (error) {
        *errorp = error_from_errno(error, msg);
        return NULL;
    }
    return json_object();
}

static json_t *
rpc_bridge_add(json_t *params, json_t **errorp, void *bs)
{
    return bridge_add_or_del(params, errorp, bs, "may_exist", bridge_add);
}

static json_t *
rpc_bridge_del(json_t *params, json_t **errorp, void *bs)
{
    return bridge_add_or_del(params, errorp, bs, "if_exists", bridge_del);
}

static json_t *
rpc_bridge_list(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    struct bridge **bridges;
    json_t *list;
    size_t i, n;

    if (!rpc_params_unpack(params, errorp, "{}")) {
        return NULL;
    }
    list = json_array();
    bridges = bridge_set_sorted(bs, &n);
    for (i = 0; i < n; i++) {
        json_array_append_new(list, json_string(bridges[i]->name));
    }
    free(bridges);
    return list;
}

static json_t *
rpc_port_add(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    const char *br_name, *name, *type = NULL;
    json_int_t ofport = 0;
    int may_exist = 0;
    struct port *port;
    uint32_t assigned;
    json_t *result;
    char *msg = NULL;
    int error;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:s, s?:s, s?:I, s?:b}",
                           "bridge", &br_name, "name", &name,
                           "type", &type, "ofport", &ofport,
                           "may_exist", &may_exist)) {
        return NULL;
    }
    if (ofport < 0 || ofport >= OFPP_MAX || (params
        && json_object_get(params, "ofport") && !ofport)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS,
                                   "ofport %lld is out of range 1 to %d",
                                   (long long int) ofport, OFPP_MAX - 1);
        return NULL;
    }
    *errorp = check_port_limit(bs, name);
    if (*errorp) {
        return NULL;
    }
    error = bridge_add_port(bs, br_name, name, type, ofport, may_exist,
                            &assigned, &msg);
    if (error) {
        *errorp = error_from_errno(error, msg);
        return NULL;
    }
    result = json_pack("{s:I}", "ofport", (json_int_t) assigned);
    port = bridge_find_port(bs, name);
    if (port->error) {
        json_object_set_new(result, "error", json_string(port->error));
    }
    return result;
}

static json_t *
rpc_port_del(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    const char *br_name = NULL, *name;
    int if_exists = 0;
    char *msg = NULL;
    int error;

    if (!rpc_params_unpack(params, errorp, "{s?:s, s:s, s?:b}",
                           "bridge", &br_name, "name", &name,
                           "if_exists", &if_exists)) {
        return NULL;
    }
    error = bridge_del_port(bs, br_name, name, if_exists, &msg);
    if (error) {
        *errorp = error_from_errno(error, msg);
        return NULL;
    }
    return json_object();
}

static json_t *
rpc_port_list(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    const char *br_name;
    struct port **ports;
    struct bridge *br;
    json_t *list;
    size_t i, n;

    if (!rpc_params_unpack(params, errorp, "{s:s}", "bridge", &br_name)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    list = json_array();
    ports = bridge_ports_sorted(br, &n);
    for (i = 0; i < n; i++) {
        if (ports[i]->ofport != OFPP_LOCAL) {
            json_array_append_new(list, json_string(ports[i]->name));
        }
    }
    free(ports);
    return list;
}

/* Adds the maps of a bridge or port to its "show" object 'json', each only
 * if it is not empty. */
static void
maps_to_json(json_t *json, json_t *external_ids, json_t *other_config)
{
    if (json_object_size(external_ids)) {
        json_object_set_new(json, "external_ids",
                            json_deep_copy(external_ids));
    }
    if (json_object_size(other_config)) {
        json_object_set_new(json, "other_config",
                            json_deep_copy(other_config));
    }
}

static json_t *
port_to_json(const struct port *port)
{
    json_t *json = json_pack("{s:s, s:s, s:I}", "name", port->name,
                             "type", port->type,
                             "ofport", (json_int_t) port->ofport);
    size_t i;

    if (port->tag >= 0) {
        json_object_set_new(json, "tag", json_integer(port->tag));
    }
    if (port->n_trunks) {
        json_t *trunks = json_array();

        for (i = 0; i < port->n_trunks; i++) {
            json_array_append_new(trunks, json_integer(port->trunks[i]));
        }
        json_object_set_new(json, "trunks", trunks);
    }
    if (port->error) {
        json_object_set_new(json, "error", json_string(port->error));
    }
    maps_to_json(json, port->external_ids, port->other_config);
    return json;
}

static json_t *
rpc_port_set(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    json_t *tag_json = NULL, *trunks_json = NULL, *value;
    const char *br_name, *name;
    uint16_t *trunks = NULL;
    size_t i, n_trunks = 0;
    struct port *port;
    char *msg = NULL;
    int tag, error;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:s, s?:o, s?:o}",
                           "bridge", &br_name, "name", &name,
                           "tag", &tag_json, "trunks", &trunks_json)) {
        return NULL;
    }
    if (tag_json && !json_is_null(tag_json) && !json_is_integer(tag_json)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS,
                                   "tag must be an integer or null");
        return NULL;
    }
    if (trunks_json && !json_is_array(trunks_json)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS,
                                   "trunks must be an array of integers");
        return NULL;
    }
    json_array_foreach (trunks_json, i, value) {
        if (!json_is_integer(value) || json_integer_value(value) < 0
            || json_integer_value(value) > 4095) {
            *errorp = rpc_error_create(RPC_ERR_INVALID,
                                       "trunks: VLAN IDs must be integers "
                                       "between 0 and 4095");
            return NULL;
        }
    }

    port = bridge_find_port(bs, name);
    tag = port ? port->tag : -1;
    if (tag_json) {
        json_int_t t = json_is_null(tag_json) ? -1
                       : json_integer_value(tag_json);
        if (t < -1 || t > 4095) {
            *errorp = rpc_error_create(RPC_ERR_INVALID, "tag=%lld: VLAN ID "
                                       "must be between 0 and 4095",
                                       (long long int) t);
            return NULL;
        }
        tag = t;
    }
    if (trunks_json) {
        n_trunks = json_array_size(trunks_json);
        trunks = xcalloc(n_trunks, sizeof *trunks);
        json_array_foreach (trunks_json, i, value) {
            trunks[i] = json_integer_value(value);
        }
    } else if (port && port->n_trunks) {
        n_trunks = port->n_trunks;
        trunks = xmemdup(port->trunks, n_trunks * sizeof *trunks);
    }

    error = bridge_set_port_vlans(bs, br_name, name, tag, trunks, n_trunks,
                                  &msg);
    free(trunks);
    if (error) {
        *errorp = error_from_errno(error, msg);
        return NULL;
    }
    return json_object();
}

static json_t *
rpc_show(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    struct bridge **bridges;
    json_t *list;
    size_t i, n;

    if (!rpc_params_unpack(params, errorp, "{}")) {
        return NULL;
    }
    list = json_array();
    bridges = bridge_set_sorted(bs, &n);
    for (i = 0; i < n; i++) {
        struct port **ports;
        json_t *jports, *jbr;
        size_t j, n_ports;

        jports = json_array();
        ports = bridge_ports_sorted(bridges[i], &n_ports);
        for (j = 0; j < n_ports; j++) {
            json_array_append_new(jports, port_to_json(ports[j]));
        }
        free(ports);
        jbr = json_pack("{s:s}", "name", bridges[i]->name);
        if (bridges[i]->error) {
            json_object_set_new(jbr, "error",
                                json_string(bridges[i]->error));
        }
        maps_to_json(jbr, bridges[i]->external_ids,
                     bridges[i]->other_config);
        json_object_set_new(jbr, "ports", jports);
        json_array_append_new(list, jbr);
    }
    free(bridges);
    return json_pack("{s:s, s:o}", "version", PACKAGE_VERSION,
                     "bridges", list);
}

static json_t *
rpc_log_set(json_t *params, json_t **errorp, void *aux NFVS_UNUSED)
{
    const char *spec;
    char *msg;

    if (!rpc_params_unpack(params, errorp, "{s:s}", "spec", &spec)) {
        return NULL;
    }
    msg = vlog_set_levels_from_string(spec);
    if (msg) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "%s", msg);
        free(msg);
        return NULL;
    }
    VLOG_INFO("log levels set by remote: %s", spec);
    return json_object();
}

/* Returns a new object of every log module's levels: {MODULE:
 * {"console": LEVEL, "syslog": LEVEL, "file": LEVEL}}, levels as log.set
 * takes them ("info"). */
static json_t *
log_levels_to_json(void)
{
    struct vlog_module_levels *levels;
    json_t *modules = json_object();
    size_t i, n;

    levels = vlog_get_module_levels(&n);
    for (i = 0; i < n; i++) {
        const int *l = levels[i].levels;

        json_object_set_new(modules, levels[i].name,
                            json_pack("{s:s, s:s, s:s}",
                                      "console",
                                      vlog_level_to_string(l[VLF_CONSOLE]),
                                      "syslog",
                                      vlog_level_to_string(l[VLF_SYSLOG]),
                                      "file",
                                      vlog_level_to_string(l[VLF_FILE])));
        free(levels[i].name);
    }
    free(levels);
    return modules;
}

static json_t *
rpc_log_list(json_t *params, json_t **errorp, void *aux NFVS_UNUSED)
{
    char *text;
    json_t *result;

    if (!rpc_params_unpack(params, errorp, "{}")) {
        return NULL;
    }
    text = vlog_get_levels();
    result = json_pack("{s:s, s:o}", "levels", text,
                       "modules", log_levels_to_json());
    free(text);
    return result;
}

/* The "version" method: 'server_' is the server, whose registered
 * methods it lists. */
static json_t *
rpc_version(json_t *params, json_t **errorp, void *server_)
{
    struct rpc_server *server = server_;
    char api[32];

    if (!rpc_params_unpack(params, errorp, "{}")) {
        return NULL;
    }
    snprintf(api, sizeof api, "%d.%d", BRIDGE_RPC_API_MAJOR,
             BRIDGE_RPC_API_MINOR);
    return json_pack("{s:s, s:s, s:i, s:i, s:o}", "version", PACKAGE_VERSION,
                     "api", api, "api_major", BRIDGE_RPC_API_MAJOR,
                     "api_minor", BRIDGE_RPC_API_MINOR,
                     "methods", rpc_server_methods_to_json(server));
}

void
bridge_rpc_register(struct rpc_server *server, struct bridge_set *bs)
{
    rpc_server_register(server, "bridge.add", rpc_bridge_add, bs);
    rpc_server_register(server, "bridge.del", rpc_bridge_del, bs);
    rpc_server_register(server, "bridge.list", rpc_bridge_list, bs);
    rpc_server_register(server, "port.add", rpc_port_add, bs);
    rpc_server_register(server, "port.del", rpc_port_del, bs);
    rpc_server_register(server, "port.list", rpc_port_list, bs);
    rpc_server_register(server, "port.set", rpc_port_set, bs);
    rpc_server_register(server, "show", rpc_show, bs);
    rpc_server_register(server, "log.set", rpc_log_set, NULL);
    rpc_server_register(server, "log.list", rpc_log_list, NULL);
    rpc_server_register(server, "version", rpc_version, server);
}

struct bridge *
bridge_rpc_find(struct bridge_set *bs, const char *name, json_t **errorp)
{
    struct bridge *br = bridge_find(bs, name);

    if (!br) {
        *errorp = rpc_error_create(RPC_ERR_NOT_FOUND, "no bridge named %s",
                                   name);
    }
    return br;
}
