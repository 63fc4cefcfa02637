#include <config.h>
#include "flow-rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "dynamic-string.h"
#include "flow-table.h"
#include "jsonrpc.h"
#include "odp-util.h"
#include "ofp-flow.h"
#include "ofproto.h"
#include "rpc-server.h"
#include "util.h"
#include "vlog.h"
#include "xlate.h"

VLOG_DEFINE_THIS_MODULE(flow_rpc);

static json_t *
bridge_error(int error, char *msg)
{
    json_t *e = rpc_error_create(error == ENOENT ? RPC_ERR_NOT_FOUND
                                 : error == EIO ? RPC_ERR_IO
                                 : RPC_ERR_INVALID, "%s", msg);
    free(msg);
    return e;
}

/* Parses 'flows', a JSON array of flow lines, for 'command'.  Returns the
 * specs (caller uninits each and frees the array) and their number in
 * '*n', or NULL with an error in '*errorp'.  Errors name the flow by its
 * position when there are several. */
static struct flow_mod_spec *
parse_flows(json_t *flows, enum flow_mod_command command, size_t *n,
            json_t **errorp)
{
    struct flow_mod_spec *specs;
    json_t *value;
    size_t i;

    *n = json_array_size(flows);
    specs = xcalloc(*n ? *n : 1, sizeof *specs);
    json_array_foreach (flows, i, value) {
        const char *line = json_string_value(value);
        char *msg;

        if (!line) {
            *errorp = rpc_error_create(RPC_INVALID_PARAMS, "flows[%zu] is "
                                       "not a string", i);
        } else if ((msg = flow_mod_spec_parse(&specs[i], line, command))) {
            *errorp = (*n > 1
                       ? rpc_error_create(RPC_ERR_INVALID, "flow %zu: %s",
                                          i + 1, msg)
                       : rpc_error_create(RPC_ERR_INVALID, "%s", msg));
            free(msg);
        } else {
            continue;
        }
        while (i-- > 0) {
            flow_mod_spec_uninit(&specs[i]);
        }
        free(specs);
        return NULL;
    }
    return specs;
}

static void
free_specs(struct flow_mod_spec *specs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        flow_mod_spec_uninit(&specs[i]);
    }
    free(specs);
}

/* flow.add, flow.mod and flow.del share everything but the command. */
static json_t *
flow_mods(json_t *params, json_t **errorp, struct bridge_set *bs,
          enum flow_mod_command loose, enum flow_mod_command strict_cmd)
{
    json_t *flows = NULL, *all;
    struct flow_mod_spec *specs;
    const char *br_name;
    int strict = 0;
    char *msg = NULL;
    size_t n;
    int error;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:o, s?:b}",
                           "bridge", &br_name, "flows", &flows,
                           "strict", &strict)) {
        return NULL;
    }
    if (flows && !json_is_array(flows)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS,
                                   "flows must be an array of strings");
        return NULL;
    }
    if (!flows || !json_array_size(flows)) {
        if (loose != FLOW_MOD_DELETE) {
            *errorp = rpc_error_create(RPC_INVALID_PARAMS,
                                       "flows must not be empty");
            return NULL;
        }
        /* Deleting with no match deletes every flow. */
        all = json_pack("[s]", "");
    } else {
        all = json_incref(flows);
    }

    specs = parse_flows(all, strict ? strict_cmd : loose, &n, errorp);
    json_decref(all);
    if (!specs) {
        return NULL;
    }
    error = bridge_flow_mods(bs, br_name, specs, n, &msg);
    free_specs(specs, n);
    if (error) {
        *errorp = bridge_error(error, msg);
        return NULL;
    }
    return json_pack("{s:I}", "n_flows", (json_int_t) n);
}

static json_t *
rpc_flow_add(json_t *params, json_t **errorp, void *bs)
{
    return flow_mods(params, errorp, bs, FLOW_MOD_ADD, FLOW_MOD_ADD);
}

static json_t *
rpc_flow_mod(json_t *params, json_t **errorp, void *bs)
{
    return flow_mods(params, errorp, bs, FLOW_MOD_MODIFY,
                     FLOW_MOD_MODIFY_STRICT);
}

static json_t *
rpc_flow_del(json_t *params, json_t **errorp, void *bs)
{
    return flow_mods(params, errorp, bs, FLOW_MOD_DELETE,
                     FLOW_MOD_DELETE_STRICT);
}

static json_t *
rpc_flow_replace(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    struct flow_mod_spec *specs;
    const char *br_name;
    size_t n, n_changes;
    char *msg = NULL;
    json_t *flows;
    int error;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:o}", "bridge", &br_name,
                           "flows", &flows)) {
        return NULL;
    }
    if (!json_is_array(flows)) {
        *errorp = rpc_error_create(RPC_INVALID_PARAMS,
                                   "flows must be an array of strings");
        return NULL;
    }
    specs = parse_flows(flows, FLOW_MOD_ADD, &n, errorp);
    if (!specs) {
        return NULL;
    }
    error = bridge_replace_flows(bs, br_name, specs, n, &n_changes, &msg);
    free_specs(specs, n);
    if (error) {
        *errorp = bridge_error(error, msg);
        return NULL;
    }
    return json_pack("{s:I}", "n_changes", (json_int_t) n_changes);
}

static json_t *
rpc_flow_dump(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    struct flow_mod_spec filter;
    const char *br_name, *match = NULL;
    struct ds s = DS_EMPTY_INITIALIZER;
    int no_stats = 0;
    struct bridge *br;
    json_t *lines;
    char *msg, *save = NULL, *line;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:s, s?:b}",
                           "bridge", &br_name, "match", &match,
                           "no_stats", &no_stats)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    msg = flow_mod_spec_parse(&filter, match ? match : "", FLOW_MOD_DELETE);
    if (msg) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "%s", msg);
        free(msg);
        return NULL;
    }
    ofproto_dump_flows(br->ofproto, &filter, no_stats, &s);
    flow_mod_spec_uninit(&filter);

    lines = json_array();
    for (line = strtok_r((char *) ds_cstr(&s), "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        json_array_append_new(lines, json_string(line[0] == ' '
                                                 ? line + 1 : line));
    }
    ds_destroy(&s);
    return json_pack("{s:o}", "flows", lines);
}

static json_t *
rpc_trace(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    struct ds trace = DS_EMPTY_INITIALIZER;
    struct ds actions = DS_EMPTY_INITIALIZER;
    const char *br_name, *flow_s;
    struct flow_mod_spec spec;
    struct xlate_out xout;
    struct xlate_in xin;
    struct bridge *br;
    int generate = 0;
    json_t *result;
    char *msg;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:s, s?:b}",
                           "bridge", &br_name, "flow", &flow_s,
                           "generate", &generate)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    msg = flow_mod_spec_parse(&spec, flow_s, FLOW_MOD_DELETE);
    if (msg) {
        *errorp = rpc_error_create(RPC_ERR_INVALID, "%s", msg);
        free(msg);
        return NULL;
    }

    memset(&xin, 0, sizeof xin);
    xin.ofproto = br->ofproto;
    xin.flow = spec.match.flow;
    xin.may_learn = generate;
    xin.now = time_msec();
    xin.trace = &trace;
    flow_mod_spec_uninit(&spec);
    xlate(&xin, &xout);

    odp_actions_format(&actions, xout.odp_actions.data,
                       xout.odp_actions.size);
    result = json_pack("{s:s, s:s}", "trace", ds_cstr(&trace),
                       "datapath_actions", ds_cstr(&actions));
    xlate_out_uninit(&xout);
    ds_destroy(&trace);
    ds_destroy(&actions);
    return result;
}

void
flow_rpc_register(struct rpc_server *server, struct bridge_set *bs)
{
    rpc_server_register(server, "flow.add", rpc_flow_add, bs);
    rpc_server_register(server, "flow.mod", rpc_flow_mod, bs);
    rpc_server_register(server, "flow.del", rpc_flow_del, bs);
    rpc_server_register(server, "flow.replace", rpc_flow_replace, bs);
    rpc_server_register(server, "flow.dump", rpc_flow_dump, bs);
    rpc_server_register(server, "trace", rpc_trace, bs);
}
