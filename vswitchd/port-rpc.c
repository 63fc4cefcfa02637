#include <config.h>
#include "port-rpc.h"

#include <stdlib.h>
#include <string.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "jsonrpc.h"
#include "netdev.h"
#include "rpc-server.h"
#include "util.h"

/* Returns {"packets": N, "bytes": N, "dropped": N, "errors": N}, without
 * the counters the datapath does not keep. */
static json_t *
counters_to_json(uint64_t packets, uint64_t bytes, uint64_t dropped,
                 uint64_t errors)
{
    const char *names[] = { "packets", "bytes", "dropped", "errors" };
    uint64_t values[] = { packets, bytes, dropped, errors };
    json_t *json = json_object();
    size_t i;

    for (i = 0; i < ARRAY_SIZE(names); i++) {
        if (values[i] != NETDEV_STAT_UNKNOWN) {
            json_object_set_new(json, names[i],
                                json_integer((json_int_t) values[i]));
        }
    }
    return json;
}

/* Returns 'port''s entry of a port.stats answer (new reference). */
static json_t *
port_stats_to_json(const struct port *port)
{
    json_t *json = json_pack("{s:s, s:I}", "name", port->name,
                             "ofport", (json_int_t) port->ofport);
    struct netdev_link_state state;
    struct netdev_stats st;

    if (bridge_port_get_stats(port, &st, &state)) {
        json_object_set_new(json, "error",
                            json_string(port->error ? port->error
                                        : "not in the datapath"));
        return json;
    }
    json_object_set_new(json, "link_state",
                        json_string(state.carrier ? "up" : "down"));
    json_object_set_new(json, "admin_state",
                        json_string(state.admin_up ? "up" : "down"));
    json_object_set_new(json, "rx", counters_to_json(st.rx_packets,
                                                     st.rx_bytes,
                                                     st.rx_dropped,
                                                     st.rx_errors));
    json_object_set_new(json, "tx", counters_to_json(st.tx_packets,
                                                     st.tx_bytes,
                                                     st.tx_dropped,
                                                     st.tx_errors));
    return json;
}

/* port.stats {"bridge": BR, "port"?: PORT}: {"bridge": BR, "ports":
 * [...]}, every port of BR sorted by OpenFlow port number, or only
 * PORT. */
static json_t *
rpc_port_stats(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    const char *br_name, *port_name = NULL;
    struct bridge *br;
    struct port **ports;
    json_t *list;
    size_t i, n;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:s}", "bridge",
                           &br_name, "port", &port_name)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    list = json_array();
    if (port_name) {
        const struct port *port = bridge_find_port(bs, port_name);

        if (!port || port->bridge != br) {
            *errorp = rpc_error_create(RPC_ERR_NOT_FOUND, "bridge %s does "
                                       "not have a port %s", br_name,
                                       port_name);
            json_decref(list);
            return NULL;
        }
        json_array_append_new(list, port_stats_to_json(port));
    } else {
        ports = bridge_ports_sorted(br, &n);
        for (i = 0; i < n; i++) {
            json_array_append_new(list, port_stats_to_json(ports[i]));
        }
        free(ports);
    }
    return json_pack("{s:s, s:o}", "bridge", br->name, "ports", list);
}

void
port_rpc_register(struct rpc_server *server, struct bridge_set *bs)
{
    rpc_server_register(server, "port.stats", rpc_port_stats, bs);
}
