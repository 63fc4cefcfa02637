#include <config.h>
#include "flow-rpc.h"

#include <errno.h>
#include <inttypes.h>
#include <event2/event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "dynamic-string.h"
#include "flow-table.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "list.h"
#include "odp-util.h"
#include "ofp-actions.h"
#include "ofp-flow.h"
#include "ofp-parse.h"
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

/* Large flow changes.
 *
 * Parsing and comparing 200,000 flows takes seconds.  A flow change of at
 * least FLOW_RPC_SLICE_MIN flows therefore defers its answer and becomes
 * a job: a zero-delay timer parses its lines (and, for a replace,
 * compares them with the installed flows) and formats the config db lines
 * of the flows it adds for FLOW_RPC_SLICE_MSEC at a time, so that the
 * event loop serves other clients between slices, then applies the
 * change to the bridge's tables in slices too, as a staged batch that
 * readers do not see until it is published whole (lib/flow-table.h),
 * answers, and frees the flows it removed, again in slices.  A flow
 * change for a bridge that has a job waiting becomes a job too, whatever
 * its size, so that changes of a bridge apply in the order they came.
 * Jobs run one at a time, in order. */
#define FLOW_RPC_SLICE_MIN 1024
#define FLOW_RPC_SLICE_MSEC 20

struct flow_rpc {
    struct bridge_set *bs;
    struct event *timer;        /* Runs the first job's next slice. */
    struct nfvs_list jobs;      /* "struct flow_job"s, in order. */
};

struct flow_job {
    struct nfvs_list node;      /* In 'flow_rpc->jobs'. */
    struct rpc_call *call;      /* Deferred answer. */
    char *br_name;              /* Bridge changed. */
    bool replace;               /* flow.replace, else flow.add/mod/del. */
    enum flow_mod_command command;  /* For parsing. */
    json_t *flows;              /* Lines (a reference). */
    struct flow_mod_spec *specs;    /* Parsed flows, 'n' of them. */
    size_t n;                   /* Lines in 'flows'. */
    size_t n_parsed;            /* Lines parsed so far. */
    struct bridge_replace *cmp; /* Once parsed. */
    bool answered;              /* Done but for freeing removed flows. */
};

/* Parses lines '*next' onward of 'flows', a JSON array of 'n' flow lines,
 * for 'command' into 'specs' (room for 'n'), until all are parsed or
 * time_msec() reaches 'deadline', advancing '*next'.  On error, stores
 * it in '*errorp' and returns false; the specs parsed stay for the
 * caller to uninit.  Errors name the flow by its position when there are
 * several. */
static bool
parse_flows__(json_t *flows, enum flow_mod_command command,
              struct flow_mod_spec *specs, size_t n, size_t *next,
              long long int deadline, const struct ofp_port_map *port_map,
              json_t **errorp)
{
    for (; *next < n; (*next)++) {
        size_t i = *next;
        const char *line = json_string_value(json_array_get(flows, i));
        char *msg;

        if (!(i % 64) && deadline != LLONG_MAX && time_msec() >= deadline) {
            break;
        }
        if (!line) {
            *errorp = rpc_error_create(RPC_INVALID_PARAMS, "flows[%zu] is "
                                       "not a string", i);
            return false;
        } else if ((msg = flow_mod_spec_parse_names(&specs[i], line, command,
                                                    port_map))) {
            *errorp = (n > 1
                       ? rpc_error_create(RPC_ERR_INVALID, "flow %zu: %s",
                                          i + 1, msg)
                       : rpc_error_create(RPC_ERR_INVALID, "%s", msg));
            free(msg);
            return false;
        }
    }
    return true;
}

/* Parses 'flows', a JSON array of flow lines, for 'command'.  Returns the
 * specs (caller uninits each and frees the array) and their number in
 * '*n', or NULL with an error in '*errorp'. */
/* Fills 'map' with the port names of bridge 'br_name' (none if there is
 * no such bridge: the change then fails on the bridge).  The caller
 * uninits 'map'. */
static void
get_port_map(struct bridge_set *bs, const char *br_name,
             struct ofp_port_map *map)
{
    struct bridge *br = bridge_find(bs, br_name);

    if (br) {
        ofproto_get_port_map(br->ofproto, map);
    } else {
        ofp_port_map_init(map);
    }
}

static struct flow_mod_spec *
parse_flows(struct bridge_set *bs, const char *br_name, json_t *flows,
            enum flow_mod_command command, size_t *n, json_t **errorp)
{
    struct flow_mod_spec *specs;
    struct ofp_port_map map;
    size_t next = 0;
    bool ok;

    *n = json_array_size(flows);
    specs = xcalloc(*n ? *n : 1, sizeof *specs);
    get_port_map(bs, br_name, &map);
    ok = parse_flows__(flows, command, specs, *n, &next, LLONG_MAX, &map,
                       errorp);
    ofp_port_map_uninit(&map);
    if (!ok) {
        while (next-- > 0) {
            flow_mod_spec_uninit(&specs[next]);
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

static void
flow_job_destroy(struct flow_job *job)
{
    size_t i;

    bridge_replace_destroy(job->cmp);
    for (i = 0; i < job->n_parsed; i++) {
        flow_mod_spec_uninit(&job->specs[i]);
    }
    free(job->specs);
    json_decref(job->flows);
    free(job->br_name);
    free(job);
}

/* True if a job for bridge 'br_name' is waiting. */
static bool
flow_rpc_has_job(const struct flow_rpc *fr, const char *br_name)
{
    const struct flow_job *job;

    NFVS_LIST_FOR_EACH (job, node, &fr->jobs) {
        if (!strcmp(job->br_name, br_name)) {
            return true;
        }
    }
    return false;
}

static void
flow_rpc_schedule(struct flow_rpc *fr)
{
    static const struct timeval zero = { 0, 0 };

    if (!nfvs_list_is_empty(&fr->jobs)) {
        event_add(fr->timer, &zero);
    }
}

/* Defers the current request's answer and queues a job for it: to parse
 * 'flows' (takes a new reference) for 'command', then apply them to
 * 'br_name' as flow mods or ('replace') as a replace. */
static void
flow_rpc_queue(struct flow_rpc *fr, const char *br_name, json_t *flows,
               enum flow_mod_command command, bool replace)
{
    struct flow_job *job = xzalloc(sizeof *job);

    job->call = rpc_server_defer();
    job->br_name = xstrdup(br_name);
    job->replace = replace;
    job->command = command;
    job->flows = json_incref(flows);
    job->n = json_array_size(flows);
    job->specs = xcalloc(job->n ? job->n : 1, sizeof *job->specs);
    nfvs_list_push_back(&fr->jobs, &job->node);
    flow_rpc_schedule(fr);
}

/* Runs one slice of the first job; answers and drops the job when it is
 * done. */
static void
flow_rpc_run(evutil_socket_t fd NFVS_UNUSED, short what NFVS_UNUSED,
             void *fr_)
{
    long long int deadline = time_msec() + FLOW_RPC_SLICE_MSEC;
    struct flow_rpc *fr = fr_;
    json_t *result = NULL, *error = NULL;
    struct flow_job *job;
    size_t n_changes;
    char *msg = NULL;
    int retval;

    if (nfvs_list_is_empty(&fr->jobs)) {
        return;
    }
    job = CONTAINER_OF(fr->jobs.next, struct flow_job, node);
    if (job->answered) {
        goto cleanup;
    }
    if (job->n_parsed < job->n) {
        struct ofp_port_map map;
        bool ok;

        get_port_map(fr->bs, job->br_name, &map);
        ok = parse_flows__(job->flows, job->command, job->specs, job->n,
                           &job->n_parsed, deadline, &map, &error);
        ofp_port_map_uninit(&map);
        if (!ok) {
            goto done;
        }
        if (job->n_parsed < job->n) {
            flow_rpc_schedule(fr);
            return;
        }
    }
    if (!job->cmp) {
        job->cmp = bridge_replace_create(job->specs, job->n, job->replace);
    }
    if (!bridge_replace_step(fr->bs, job->br_name, job->cmp, deadline)) {
        flow_rpc_schedule(fr);
        return;
    }

    retval = bridge_replace_finish(fr->bs, job->br_name, job->cmp,
                                   &n_changes, &msg);
    if (!retval) {
        result = (job->replace
                  ? json_pack("{s:I}", "n_changes", (json_int_t) n_changes)
                  : json_pack("{s:I}", "n_flows", (json_int_t) job->n));
    }
    if (retval) {
        error = bridge_error(retval, msg);
    }

done:
    rpc_call_complete(job->call, result, error);
    job->call = NULL;
    job->answered = true;
    deadline = time_msec() + FLOW_RPC_SLICE_MSEC;
cleanup:
    if (job->cmp && !bridge_replace_cleanup(fr->bs, job->br_name, job->cmp,
                                            deadline)) {
        flow_rpc_schedule(fr);
        return;
    }
    nfvs_list_remove(&job->node);
    flow_job_destroy(job);
    flow_rpc_schedule(fr);
}

/* flow.add, flow.mod and flow.del share everything but the command:
 * 'loose' or, with "strict", 'strict_cmd'.  A command without a strict
 * form ('strict_cmd' == 'loose', flow.add) does not take "strict". */
static json_t *
flow_mods(json_t *params, json_t **errorp, struct flow_rpc *fr,
          enum flow_mod_command loose, enum flow_mod_command strict_cmd)
{
    json_t *flows = NULL, *all;
    struct flow_mod_spec *specs;
    const char *br_name;
    int strict = 0;
    char *msg = NULL;
    size_t n;
    int error;

    if (loose == strict_cmd
        ? !rpc_params_unpack(params, errorp, "{s:s, s?:o}",
                             "bridge", &br_name, "flows", &flows)
        : !rpc_params_unpack(params, errorp, "{s:s, s?:o, s?:b}",
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

    if (json_array_size(all) >= FLOW_RPC_SLICE_MIN
        || flow_rpc_has_job(fr, br_name)) {
        flow_rpc_queue(fr, br_name, all, strict ? strict_cmd : loose,
                       false);
        json_decref(all);
        return NULL;
    }
    specs = parse_flows(fr->bs, br_name, all, strict ? strict_cmd : loose,
                        &n, errorp);
    json_decref(all);
    if (!specs) {
        return NULL;
    }
    error = bridge_flow_mods(fr->bs, br_name, specs, n, &msg);
    free_specs(specs, n);
    if (error) {
        *errorp = bridge_error(error, msg);
        return NULL;
    }
    return json_pack("{s:I}", "n_flows", (json_int_t) n);
}

static json_t *
rpc_flow_add(json_t *params, json_t **errorp, void *fr)
{
    return flow_mods(params, errorp, fr, FLOW_MOD_ADD, FLOW_MOD_ADD);
}

static json_t *
rpc_flow_mod(json_t *params, json_t **errorp, void *fr)
{
    return flow_mods(params, errorp, fr, FLOW_MOD_MODIFY,
                     FLOW_MOD_MODIFY_STRICT);
}

static json_t *
rpc_flow_del(json_t *params, json_t **errorp, void *fr)
{
    return flow_mods(params, errorp, fr, FLOW_MOD_DELETE,
                     FLOW_MOD_DELETE_STRICT);
}

static json_t *
rpc_flow_replace(json_t *params, json_t **errorp, void *fr_)
{
    struct flow_rpc *fr = fr_;
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
    if (json_array_size(flows) >= FLOW_RPC_SLICE_MIN
        || flow_rpc_has_job(fr, br_name)) {
        flow_rpc_queue(fr, br_name, flows, FLOW_MOD_ADD, true);
        return NULL;
    }
    specs = parse_flows(fr->bs, br_name, flows, FLOW_MOD_ADD, &n, errorp);
    if (!specs) {
        return NULL;
    }
    error = bridge_replace_flows(fr->bs, br_name, specs, n, &n_changes, &msg);
    free_specs(specs, n);
    if (error) {
        *errorp = bridge_error(error, msg);
        return NULL;
    }
    return json_pack("{s:I}", "n_changes", (json_int_t) n_changes);
}

/* What flow.dump collects. */
struct flow_dump_aux {
    bool no_stats;              /* Leave counters and times out. */
    bool structured;            /* Objects instead of lines. */
    const struct ofp_port_map *names;   /* Ports by name, or NULL. */
    json_t *flows;              /* The array being filled. */
};

/* Returns a new JSON array of the actions 'ofpacts' of 'size' bytes, one
 * string per action as flow syntax writes it; empty for none (drop). */
static json_t *
ofpacts_to_json(const void *ofpacts, size_t size)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    json_t *list;

    if (!size) {
        return json_array();
    }
    ofpacts_format(ofpacts, size, &s);
    list = json_split_top_level(ds_cstr(&s));
    ds_destroy(&s);
    return list;
}

/* Appends one flow of flow.dump to the array in 'aux_': its line, or with
 * "structured" an object (docs/rpc.md, flow.dump). */
static void
flow_dump_one(const struct ofp_flow_desc *desc,
              const struct ofp_flow_stats *stats, const char *match,
              void *aux_)
{
    struct flow_dump_aux *aux = aux_;
    struct ds line = DS_EMPTY_INITIALIZER;
    char cookie[32];
    json_t *flow;

    ofp_flow_format_names(desc, aux->no_stats ? NULL : stats, aux->names,
                          &line);
    if (!aux->structured) {
        json_array_append_new(aux->flows, json_string(ds_cstr(&line)));
        ds_destroy(&line);
        return;
    }
    snprintf(cookie, sizeof cookie, "0x%"PRIx64, desc->cookie);
    flow = json_pack("{s:i, s:i, s:s, s:i, s:i, s:o, s:o}",
                     "table", desc->table_id, "priority", desc->priority,
                     "cookie", cookie,
                     "idle_timeout", desc->idle_timeout,
                     "hard_timeout", desc->hard_timeout,
                     "match", json_fields_object(match),
                     "actions", ofpacts_to_json(desc->ofpacts,
                                                desc->ofpacts_size));
    if (!aux->no_stats) {
        json_object_set_new(flow, "n_packets",
                            json_integer(stats->n_packets));
        json_object_set_new(flow, "n_bytes", json_integer(stats->n_bytes));
        json_object_set_new(flow, "duration_ms",
                            json_integer(stats->duration_msec));
        json_object_set_new(flow, "idle_age",
                            json_integer(stats->idle_age));
    }
    json_object_set_new(flow, "line", json_string(ds_cstr(&line)));
    json_array_append_new(aux->flows, flow);
    ds_destroy(&line);
}

static json_t *
rpc_flow_dump(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    struct flow_mod_spec filter;
    const char *br_name, *match = NULL;
    int no_stats = 0, structured = 0, names = 0;
    struct flow_dump_aux aux;
    struct ofp_port_map map;
    struct bridge *br;
    char *msg;

    if (!rpc_params_unpack(params, errorp, "{s:s, s?:s, s?:b, s?:b, s?:b}",
                           "bridge", &br_name, "match", &match,
                           "no_stats", &no_stats,
                           "structured", &structured, "names", &names)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    ofproto_get_port_map(br->ofproto, &map);
    msg = flow_mod_spec_parse_names(&filter, match ? match : "",
                                    FLOW_MOD_DELETE, &map);
    if (msg) {
        ofp_port_map_uninit(&map);
        *errorp = rpc_error_create(RPC_ERR_INVALID, "%s", msg);
        free(msg);
        return NULL;
    }
    aux.no_stats = no_stats;
    aux.structured = structured;
    aux.names = names ? &map : NULL;
    aux.flows = json_array();
    ofproto_for_each_flow(br->ofproto, &filter, flow_dump_one, &aux);
    ofp_port_map_uninit(&map);
    flow_mod_spec_uninit(&filter);
    return json_pack("{s:o, s:I}", "flows", aux.flows, "seq",
                     (json_int_t) flow_table_change_seq(
                         ofproto_get_tables(br->ofproto)));
}

/* Maximum nesting of tables in a trace that trace_to_json() follows;
 * deeper steps are attached to the deepest one. */
#define TRACE_MAX_DEPTH 80

/* Parses a table line of a trace, 'text' without its indentation ("0.
 * tcp,in_port=1, priority 10, cookie 0x5", "1. No match."), into a new
 * step object at 'depth', or returns NULL if 'text' is not one. */
static json_t *
trace_table_step(const char *text, int depth)
{
    const char *rest, *prio;
    json_t *step, *rule;
    unsigned int table;
    int n = 0;

    if (sscanf(text, "%u. %n", &table, &n) != 1 || !n) {
        return NULL;
    }
    rest = text + n;
    step = json_pack("{s:i, s:i}", "depth", depth, "table", table);
    prio = (!strncmp(rest, "priority ", 9) ? rest
            : strstr(rest, ", priority "));
    if (!prio) {
        json_object_set_new(step, "rule", json_null());
        json_object_set_new(step, "result", json_string(rest));
    } else {
        char *match = xmemdup0(rest, prio - rest);
        const char *cookie = strstr(prio, ", cookie ");

        prio += prio == rest ? 9 : 11;
        rule = json_pack("{s:o, s:i}", "match", json_fields_object(match),
                         "priority", atoi(prio));
        if (cookie) {
            json_object_set_new(rule, "cookie", json_string(cookie + 9));
        }
        json_object_set_new(step, "rule", rule);
        free(match);
    }
    json_object_set_new(step, "actions", json_array());
    return step;
}

/* Returns a new object of the trace 'text' (as xlate() writes it) in
 * parts: "flow" and "final_flow" (fields as in flow.dump's "match";
 * "final_flow" null if unchanged) and "steps", one per table visited in
 * order, each with its "depth" (0 for table 0, one more per resubmit or
 * goto_table), "table", the "rule" that matched ("match", "priority",
 * "cookie" if any) or null with the "result", and "actions": the rule's
 * actions as written ({"action": TEXT}) and what they did ({"note":
 * TEXT}, the trace's "->" and ">>>>" lines), in order; and "error"
 * if the translation failed. */
static json_t *
trace_to_json(const char *text)
{
    json_t *stack[TRACE_MAX_DEPTH];
    json_t *result = json_object();
    json_t *steps = json_array();
    char *copy = xstrdup(text);
    char *line, *save = NULL;
    int depth = -1;

    for (line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        int indent = strspn(line, " ");
        const char *body = line + indent;
        json_t *step;

        if (!strncmp(line, "Flow: ", 6)) {
            json_object_set_new(result, "flow",
                                json_fields_object(line + 6));
            continue;
        } else if (!strncmp(line, "Final flow: ", 12)) {
            json_object_set_new(result, "final_flow",
                                (strcmp(line + 12, "unchanged")
                                 ? json_fields_object(line + 12)
                                 : json_null()));
            continue;
        } else if (!strncmp(line, "Datapath actions: ", 18)
                   || !strncmp(line, "bridge(", 7) || line[0] == '-') {
            continue;
        }

        step = trace_table_step(body, (indent / 8 < TRACE_MAX_DEPTH
                                       ? indent / 8
                                       : TRACE_MAX_DEPTH - 1));
        if (step) {
            depth = json_integer_value(json_object_get(step, "depth"));
            stack[depth] = step;
            json_array_append_new(steps, step);
        } else if (!indent) {
            /* "Translation failed (...), packet is dropped." */
            json_object_set_new(result, "error", json_string(body));
        } else if (depth >= 0) {
            /* An action or note of the rule of the table line 4 columns
             * to its left. */
            int d = indent >= 4 ? (indent - 4) / 8 : 0;

            d = d < depth ? d : depth;
            bool is_note = !strncmp(body, "-> ", 3)
                           || !strncmp(body, ">>>> ", 5);

            json_array_append_new(json_object_get(stack[d], "actions"),
                                  json_pack("{s:s}",
                                            is_note ? "note" : "action",
                                            (!strncmp(body, "-> ", 3)
                                             ? body + 3 : body)));
        }
    }
    free(copy);
    json_object_set_new(result, "steps", steps);
    return result;
}

static json_t *
rpc_trace(json_t *params, json_t **errorp, void *bs_)
{
    struct bridge_set *bs = bs_;
    struct ds trace = DS_EMPTY_INITIALIZER;
    struct ds actions = DS_EMPTY_INITIALIZER;
    const char *br_name, *flow_s;
    struct flow_mod_spec spec;
    struct ofp_port_map map;
    struct xlate_out xout;
    struct xlate_in xin;
    int generate = 0, structured = 0;
    struct bridge *br;
    json_t *result;
    char *msg;

    if (!rpc_params_unpack(params, errorp, "{s:s, s:s, s?:b, s?:b}",
                           "bridge", &br_name, "flow", &flow_s,
                           "generate", &generate,
                           "structured", &structured)) {
        return NULL;
    }
    br = bridge_rpc_find(bs, br_name, errorp);
    if (!br) {
        return NULL;
    }
    ofproto_get_port_map(br->ofproto, &map);
    msg = flow_mod_spec_parse_names(&spec, flow_s, FLOW_MOD_DELETE, &map);
    ofp_port_map_uninit(&map);
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
    if (structured) {
        json_t *parts = trace_to_json(ds_cstr(&trace));

        json_object_update(result, parts);
        json_decref(parts);
        json_object_set_new(result, "datapath_action_list",
                            (xout.odp_actions.size
                             ? json_split_top_level(ds_cstr(&actions))
                             : json_array()));
    }
    xlate_out_uninit(&xout);
    ds_destroy(&trace);
    ds_destroy(&actions);
    return result;
}

struct flow_rpc *
flow_rpc_register(struct rpc_server *server, struct event_base *base,
                  struct bridge_set *bs)
{
    struct flow_rpc *fr = xzalloc(sizeof *fr);

    fr->bs = bs;
    fr->timer = evtimer_new(base, flow_rpc_run, fr);
    nfvs_list_init(&fr->jobs);
    rpc_server_register(server, "flow.add", rpc_flow_add, fr);
    rpc_server_register(server, "flow.mod", rpc_flow_mod, fr);
    rpc_server_register(server, "flow.del", rpc_flow_del, fr);
    rpc_server_register(server, "flow.replace", rpc_flow_replace, fr);
    rpc_server_register(server, "flow.dump", rpc_flow_dump, bs);
    rpc_server_register(server, "trace", rpc_trace, bs);
    return fr;
}

void
flow_rpc_destroy(struct flow_rpc *fr)
{
    struct flow_job *job, *next;

    if (!fr) {
        return;
    }
    NFVS_LIST_FOR_EACH_SAFE (job, next, node, &fr->jobs) {
        if (!job->answered) {
            rpc_call_complete(job->call, NULL,
                              rpc_error_create(RPC_ERR_IO, "the daemon is "
                                               "stopping; flows of bridge "
                                               "%s unchanged",
                                               job->br_name));
        }
        nfvs_list_remove(&job->node);
        flow_job_destroy(job);
    }
    event_free(fr->timer);
    free(fr);
}
