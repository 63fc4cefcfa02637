/* nfvs-dpctl: the kernel datapath (nfvs.ko) by hand, in the manner of
 * ovs-dpctl.  It talks netlink to the module through lib/dpif.h, so it
 * works with nfvs-vswitchd down; changes made under a running daemon
 * are seen by it as any other change to the datapath. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dpif.h"
#include "dynamic-string.h"
#include "netdev.h"
#include "nlattr.h"
#include "odp-util.h"
#include "util.h"

/* The datapath type this tool drives. */
#define DP_TYPE "system"

enum output_format {
    FMT_TEXT,
    FMT_JSON
};

struct dpctl_context {
    enum output_format format;  /* --format. */
    bool statistics;            /* -s, --statistics. */
};

struct dpctl_command {
    const char *name;           /* "add-dp". */
    int min_args;               /* Minimum arguments after the name. */
    int max_args;               /* Maximum, or INT_MAX. */
    const char *usage;          /* Arguments, for --help. */
    /* Runs the command; returns the exit status or exits on error. */
    int (*run)(struct dpctl_context *, int argc, char *argv[]);
};

/* Exits with a message for 'error', which happened doing 'what'. */
static void NFVS_NO_RETURN
dpctl_fatal(int error, const char *what)
{
    switch (error) {
    case EAFNOSUPPORT:
        nfvs_fatal(0, "%s: the kernel module nfvs.ko is not loaded "
                   "(generic netlink family %s not found; try "
                   "\"modprobe nfvs\")", what, NFVS_DATAPATH_FAMILY);
    case EPERM:
    case EACCES:
        nfvs_fatal(0, "%s: permission denied (changing the datapath needs "
                   "CAP_NET_ADMIN; run as root)", what);
    default:
        nfvs_fatal(0, "%s: %s", what, nfvs_strerror(error));
    }
}

/* Opens datapath 'name' (or creates it, if 'create'), or exits. */
static struct dpif *
dpctl_open(const char *name, bool create)
{
    struct dpif *dpif;
    int error;

    error = dpif_type_probe(DP_TYPE);
    if (error) {
        dpctl_fatal(error, name);
    }
    error = dpif_open(name, DP_TYPE, create, &dpif);
    if (error == ENODEV) {
        nfvs_fatal(0, "%s: no such datapath", name);
    } else if (error == EEXIST) {
        nfvs_fatal(0, "%s: a datapath of that name exists already", name);
    } else if (error) {
        dpctl_fatal(error, name);
    }
    return dpif;
}

/* Returns the one datapath's name for commands whose DP is optional, or
 * exits if there is not exactly one.  The caller frees it. */
static char *
dpctl_only_dp(void)
{
    char **names, *name;
    size_t n;
    int error;

    error = dpif_list(DP_TYPE, &names, &n);
    if (error) {
        dpctl_fatal(error, "listing datapaths");
    }
    if (n != 1) {
        dpif_list_free(names, n);
        nfvs_fatal(0, n ? "there are %zu datapaths: name one"
                   : "there is no datapath (add one with add-dp)", n);
    }
    name = names[0];
    names[0] = NULL;
    dpif_list_free(names, n);
    return name;
}

static void
print_json(json_t *json)
{
    char *s = json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS);

    puts(s);
    free(s);
    json_decref(json);
}

/* "IFACE[,type=TYPE]" -> name and type ("system" by default). */
static void
parse_iface(const char *arg, char **namep, char **typep)
{
    const char *comma = strchr(arg, ',');

    *namep = comma ? xmemdup0(arg, comma - arg) : xstrdup(arg);
    *typep = xstrdup("system");
    if (comma) {
        const char *opt = comma + 1;

        if (strncmp(opt, "type=", 5)
            || (strcmp(opt + 5, "system") && strcmp(opt + 5, "internal"))) {
            nfvs_fatal(0, "%s: bad interface option \"%s\" (use "
                       "type=system or type=internal)", *namep, opt);
        }
        free(*typep);
        *typep = xstrdup(opt + 5);
    }
}

static void
add_iface(struct dpif *dpif, const char *arg)
{
    uint32_t port_no = DPIF_PORT_ANY;
    struct netdev *netdev;
    char *name, *type;
    int error;

    parse_iface(arg, &name, &type);
    error = netdev_open(name, dpif_port_open_type(DP_TYPE, type), &netdev);
    if (error == ENODEV) {
        nfvs_fatal(0, "%s: no such network device", name);
    } else if (error) {
        dpctl_fatal(error, name);
    }
    error = dpif_port_add(dpif, netdev, &port_no);
    netdev_close(netdev);
    if (error == EEXIST) {
        nfvs_fatal(0, "%s: already a port (of this or another datapath)",
                   name);
    } else if (error == EBUSY) {
        nfvs_fatal(0, "%s: the device is in use (another master?)", name);
    } else if (error) {
        char *what = xasprintf("adding %s to %s", name, dpif_name(dpif));

        dpctl_fatal(error, what);
    }
    free(name);
    free(type);
}

/* Opens datapath argv[1] (creating it if 'create') and adds the
 * interfaces argv[2] onward. */
static int
add_ifaces(bool create, int argc, char *argv[])
{
    struct dpif *dpif = dpctl_open(argv[1], create);
    int i;

    for (i = 2; i < argc; i++) {
        add_iface(dpif, argv[i]);
    }
    dpif_close(dpif);
    return 0;
}

static int
cmd_add_dp(struct dpctl_context *ctx NFVS_UNUSED, int argc, char *argv[])
{
    return add_ifaces(true, argc, argv);
}

static int
cmd_del_dp(struct dpctl_context *ctx NFVS_UNUSED, int argc NFVS_UNUSED,
           char *argv[])
{
    struct dpif *dpif = dpctl_open(argv[1], false);
    int error = dpif_delete(dpif);

    dpif_close(dpif);
    if (error) {
        dpctl_fatal(error, argv[1]);
    }
    return 0;
}

static int
cmd_add_if(struct dpctl_context *ctx NFVS_UNUSED, int argc, char *argv[])
{
    return add_ifaces(false, argc, argv);
}

static int
cmd_del_if(struct dpctl_context *ctx NFVS_UNUSED, int argc, char *argv[])
{
    struct dpif *dpif = dpctl_open(argv[1], false);
    int i;

    for (i = 2; i < argc; i++) {
        struct dpif_port port;
        int error;

        if (dpif_port_query_by_name(dpif, argv[i], &port)) {
            nfvs_fatal(0, "%s: no port named %s", argv[1], argv[i]);
        }
        if (port.port_no == NFVS_VPORT_LOCAL) {
            nfvs_fatal(0, "%s: the local port cannot be deleted (use "
                       "del-dp)", argv[i]);
        }
        error = dpif_port_del(dpif, port.port_no);
        dpif_port_uninit(&port);
        if (error) {
            dpctl_fatal(error, argv[i]);
        }
    }
    dpif_close(dpif);
    return 0;
}

static json_t *
stats_to_json(const struct dpif_dp_stats *st)
{
    return json_pack("{s:I, s:I, s:I, s:{s:I, s:I, s:I}, s:I, s:I, s:I}",
                     "hit", (json_int_t) st->n_hit,
                     "missed", (json_int_t) st->n_missed,
                     "lost", (json_int_t) st->n_lost,
                     "lost_by_reason",
                     "queue", (json_int_t) st->n_lost_queue,
                     "nomem", (json_int_t) st->n_lost_nomem,
                     "nohandler", (json_int_t) st->n_lost_nohandler,
                     "flows", (json_int_t) st->n_flows,
                     "flow_limit", (json_int_t) st->flow_limit,
                     "flow_limit_hits", (json_int_t) st->n_flow_limit);
}

/* Appends counter 'value' to 's', or "?" if the datapath does not keep
 * it. */
static void
put_counter(struct ds *s, uint64_t value)
{
    if (value == NETDEV_STAT_UNKNOWN) {
        ds_put_char(s, '?');
    } else {
        ds_put_format(s, "%"PRIu64, value);
    }
}

/* Adds 'value' as member 'name' of 'obj' unless it is unknown. */
static void
set_counter(json_t *obj, const char *name, uint64_t value)
{
    if (value != NETDEV_STAT_UNKNOWN) {
        json_object_set_new(obj, name, json_integer((json_int_t) value));
    }
}

/* Reads the counters of port 'port' of 'dpif' and the state of its
 * device.  Returns false if the counters cannot be read. */
static bool
get_port_stats(struct dpif *dpif, const struct dpif_port *port,
               struct netdev_stats *st, struct netdev_link_state *ls)
{
    struct netdev *netdev;

    memset(ls, 0, sizeof *ls);
    if (dpif_port_get_stats(dpif, port->port_no, st)) {
        return false;
    }
    /* Only names the device: "kernel-internal" opens whatever exists. */
    if (!netdev_open(port->name, "kernel-internal", &netdev)) {
        netdev_get_link_state(netdev, ls);
        netdev_close(netdev);
    }
    return true;
}

static json_t *
port_stats_to_json(const struct netdev_stats *st,
                   const struct netdev_link_state *ls)
{
    json_t *rx = json_object(), *tx = json_object();

    set_counter(rx, "packets", st->rx_packets);
    set_counter(rx, "bytes", st->rx_bytes);
    set_counter(rx, "dropped", st->rx_dropped);
    set_counter(rx, "errors", st->rx_errors);
    set_counter(tx, "packets", st->tx_packets);
    set_counter(tx, "bytes", st->tx_bytes);
    set_counter(tx, "dropped", st->tx_dropped);
    set_counter(tx, "errors", st->tx_errors);
    return json_pack("{s:s, s:s, s:o, s:o}",
                     "link_state", ls->carrier ? "up" : "down",
                     "admin_state", ls->admin_up ? "up" : "down",
                     "rx", rx, "tx", tx);
}

/* Appends the counters of a port to 's' as "ovs-dpctl show -s" does. */
static void
put_port_stats(struct ds *s, const struct netdev_stats *st,
               const struct netdev_link_state *ls)
{
    ds_put_cstr(s, "    RX packets:");
    put_counter(s, st->rx_packets);
    ds_put_cstr(s, " errors:");
    put_counter(s, st->rx_errors);
    ds_put_cstr(s, " dropped:");
    put_counter(s, st->rx_dropped);
    ds_put_cstr(s, " overruns:? frame:?\n    TX packets:");
    put_counter(s, st->tx_packets);
    ds_put_cstr(s, " errors:");
    put_counter(s, st->tx_errors);
    ds_put_cstr(s, " dropped:");
    put_counter(s, st->tx_dropped);
    ds_put_cstr(s, " aborted:? carrier:?\n    collisions:?\n"
                "    RX bytes:");
    put_counter(s, st->rx_bytes);
    ds_put_cstr(s, "  TX bytes:");
    put_counter(s, st->tx_bytes);
    ds_put_format(s, "\n    link_state:%s admin_state:%s\n",
                  ls->carrier ? "up" : "down", ls->admin_up ? "up" : "down");
}

/* Shows datapath 'name' as text into 's' or as JSON appended to
 * 'array', with the ports' counters if 'statistics' (always in JSON). */
static void
show_dp(const char *name, bool statistics, struct ds *s, json_t *array)
{
    struct dpif *dpif = dpctl_open(name, false);
    struct dpif_port *ports;
    struct dpif_dp_stats st;
    size_t i, n_ports;
    int error;

    error = dpif_get_stats(dpif, &st);
    if (error) {
        dpctl_fatal(error, name);
    }
    error = dpif_port_dump(dpif, &ports, &n_ports);
    if (error) {
        dpctl_fatal(error, name);
    }
    if (array) {
        json_t *jports = json_array();

        for (i = 0; i < n_ports; i++) {
            json_t *jport = json_pack("{s:i, s:s, s:s}", "port_no",
                                      (int) ports[i].port_no,
                                      "name", ports[i].name,
                                      "type", ports[i].type);
            struct netdev_link_state ls;
            struct netdev_stats pst;

            if (get_port_stats(dpif, &ports[i], &pst, &ls)) {
                json_t *extra = port_stats_to_json(&pst, &ls);

                json_object_update(jport, extra);
                json_decref(extra);
            }
            json_array_append_new(jports, jport);
        }
        json_array_append_new(array, json_pack(
            "{s:s, s:o, s:o}", "name", name, "stats", stats_to_json(&st),
            "ports", jports));
    } else {
        ds_put_format(s, "%s:\n", name);
        ds_put_format(s, "  lookups: hit:%"PRIu64" missed:%"PRIu64
                      " lost:%"PRIu64"\n", st.n_hit, st.n_missed,
                      st.n_lost);
        ds_put_format(s, "  lost: queue:%"PRIu64" nomem:%"PRIu64
                      " nohandler:%"PRIu64"\n", st.n_lost_queue,
                      st.n_lost_nomem, st.n_lost_nohandler);
        ds_put_format(s, "  flows: %"PRIu64" (limit %"PRIu32", %"PRIu64
                      " refused)\n", st.n_flows, st.flow_limit,
                      st.n_flow_limit);
        for (i = 0; i < n_ports; i++) {
            ds_put_format(s, "  port %"PRIu32": %s", ports[i].port_no,
                          ports[i].name);
            if (strcmp(ports[i].type, "system")) {
                ds_put_format(s, " (%s)", ports[i].type);
            }
            ds_put_cstr(s, "\n");
            if (statistics) {
                struct netdev_link_state ls;
                struct netdev_stats pst;

                if (get_port_stats(dpif, &ports[i], &pst, &ls)) {
                    put_port_stats(s, &pst, &ls);
                }
            }
        }
    }
    dpif_port_dump_free(ports, n_ports);
    dpif_close(dpif);
}

static int
cmd_show(struct dpctl_context *ctx, int argc, char *argv[])
{
    json_t *array = ctx->format == FMT_JSON ? json_array() : NULL;
    struct ds s = DS_EMPTY_INITIALIZER;
    size_t i, n, n_dps = 0;
    char **names;
    int error;

    for (i = 1; i < (size_t) argc; i++) {
        /* As in ovs-dpctl, "show -s" as well as "-s show". */
        if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--statistics")) {
            ctx->statistics = true;
        }
    }
    for (i = 1; i < (size_t) argc; i++) {
        if (strcmp(argv[i], "-s") && strcmp(argv[i], "--statistics")) {
            show_dp(argv[i], ctx->statistics, &s, array);
            n_dps++;
        }
    }
    if (!n_dps) {
        error = dpif_list(DP_TYPE, &names, &n);
        if (error) {
            dpctl_fatal(error, "listing datapaths");
        }
        for (i = 0; i < n; i++) {
            show_dp(names[i], ctx->statistics, &s, array);
        }
        dpif_list_free(names, n);
    }
    if (array) {
        print_json(json_pack("{s:o}", "datapaths", array));
    } else {
        fputs(ds_cstr(&s), stdout);
    }
    ds_destroy(&s);
    return 0;
}

static json_t *
flow_to_json(const struct dpif_flow *f, long long int now)
{
    struct ds key = DS_EMPTY_INITIALIZER;
    struct ds actions = DS_EMPTY_INITIALIZER;
    json_t *json;

    odp_key_format(&key, f->key, f->key_size);
    odp_actions_format(&actions, f->actions, f->actions_size);
    json = json_pack("{s:s, s:s, s:I, s:I, s:o, s:i}",
                     "key", ds_cstr(&key), "actions", ds_cstr(&actions),
                     "packets", (json_int_t) f->stats.n_packets,
                     "bytes", (json_int_t) f->stats.n_bytes,
                     "used_ms_ago", (f->stats.used
                                     ? json_integer(now - f->stats.used)
                                     : json_null()),
                     "tcp_flags", (int) f->stats.tcp_flags);
    if (f->stats.tcp_seq.valid) {
        const struct nfvs_flow_tcp_seq *seq = &f->stats.tcp_seq;

        json_object_set_new(json, "tcp_seq", json_pack(
            "{s:I, s:I, s:i}", "seq_end", (json_int_t) seq->seq_end,
            "ack", (json_int_t) seq->ack, "win", (int) seq->win));
    }
    ds_destroy(&key);
    ds_destroy(&actions);
    return json;
}

static int
compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;

    return strcmp(*a, *b);
}

/* Calls 'cb' for each flow of 'dpif' until it returns true. */
static void
for_each_flow(const struct dpif *dpif,
              bool (*cb)(const struct dpif_flow *, void *aux), void *aux)
{
    struct dpif_flow_dump *dump = dpif_flow_dump_create(dpif);
    struct dpif_flow flows[64];
    size_t i, n;
    int error;

    while ((n = dpif_flow_dump_next(dump, flows, ARRAY_SIZE(flows)))) {
        for (i = 0; i < n; i++) {
            if (cb(&flows[i], aux)) {
                goto out;
            }
        }
    }
out:
    error = dpif_flow_dump_destroy(dump);
    if (error) {
        dpctl_fatal(error, dpif_name(dpif));
    }
}

struct dump_ctx {
    long long int now;          /* time_msec() of the dump. */
    json_t *array;              /* JSON output, or NULL. */
    char **lines;               /* Text output, sorted at the end. */
    size_t n_lines;
};

static bool
dump_one(const struct dpif_flow *f, void *ctx_)
{
    struct dump_ctx *ctx = ctx_;

    if (ctx->array) {
        json_array_append_new(ctx->array, flow_to_json(f, ctx->now));
    } else {
        struct ds line = DS_EMPTY_INITIALIZER;

        dpif_flow_format(&line, f, ctx->now);
        ctx->lines = xrealloc(ctx->lines,
                              (ctx->n_lines + 1) * sizeof *ctx->lines);
        ctx->lines[ctx->n_lines++] = ds_steal_cstr(&line);
    }
    return false;
}

static int
cmd_dump_flows(struct dpctl_context *ctx, int argc, char *argv[])
{
    char *name = argc > 1 ? xstrdup(argv[1]) : dpctl_only_dp();
    struct dpif *dpif = dpctl_open(name, false);
    struct dump_ctx d;
    size_t i;

    memset(&d, 0, sizeof d);
    d.now = time_msec();
    d.array = ctx->format == FMT_JSON ? json_array() : NULL;
    for_each_flow(dpif, dump_one, &d);
    if (d.array) {
        print_json(json_pack("{s:s, s:o}", "datapath", name, "flows",
                             d.array));
    } else {
        if (d.n_lines) {
            qsort(d.lines, d.n_lines, sizeof *d.lines, compare_strings);
        }
        for (i = 0; i < d.n_lines; i++) {
            puts(d.lines[i]);
            free(d.lines[i]);
        }
        free(d.lines);
    }
    dpif_close(dpif);
    free(name);
    return 0;
}

static int
cmd_del_flows(struct dpctl_context *ctx NFVS_UNUSED, int argc, char *argv[])
{
    char *name = argc > 1 ? xstrdup(argv[1]) : dpctl_only_dp();
    struct dpif *dpif = dpctl_open(name, false);
    int error = dpif_flow_flush(dpif);

    if (error) {
        dpctl_fatal(error, name);
    }
    dpif_close(dpif);
    free(name);
    return 0;
}

struct find_ctx {
    const char *key;            /* Key as printed. */
    struct nl_buf found;        /* Its bytes, once found. */
};

static bool
find_key(const struct dpif_flow *f, void *ctx_)
{
    struct find_ctx *ctx = ctx_;
    struct ds key = DS_EMPTY_INITIALIZER;
    bool match;

    odp_key_format(&key, f->key, f->key_size);
    match = !strcmp(ds_cstr(&key), ctx->key);
    if (match) {
        nl_buf_put(&ctx->found, f->key, f->key_size);
    }
    ds_destroy(&key);
    return match;
}

/* get-flow DP KEY: KEY is a key exactly as dump-flows prints it; the
 * flow is found by it, then read afresh. */
static int
cmd_get_flow(struct dpctl_context *ctx, int argc NFVS_UNUSED, char *argv[])
{
    struct dpif *dpif = dpctl_open(argv[1], false);
    struct nl_buf actions = NL_BUF_INITIALIZER;
    struct find_ctx find;
    struct dpif_flow flow;
    int error;

    find.key = argv[2];
    nl_buf_init(&find.found);
    for_each_flow(dpif, find_key, &find);
    if (!find.found.size) {
        nfvs_fatal(0, "%s: no flow with key %s", argv[1], argv[2]);
    }
    memset(&flow, 0, sizeof flow);
    error = dpif_flow_get(dpif, find.found.data, find.found.size, &actions,
                          &flow.stats);
    if (error == ENOENT) {
        nfvs_fatal(0, "%s: the flow went away", argv[1]);
    } else if (error) {
        dpctl_fatal(error, argv[1]);
    }
    flow.key = find.found.data;
    flow.key_size = find.found.size;
    flow.actions = actions.data;
    flow.actions_size = actions.size;
    if (ctx->format == FMT_JSON) {
        print_json(flow_to_json(&flow, time_msec()));
    } else {
        struct ds s = DS_EMPTY_INITIALIZER;

        dpif_flow_format(&s, &flow, time_msec());
        puts(ds_cstr(&s));
        ds_destroy(&s);
    }
    nl_buf_uninit(&find.found);
    nl_buf_uninit(&actions);
    dpif_close(dpif);
    return 0;
}

static const struct dpctl_command commands[] = {
    { "show", 0, INT_MAX, "[-s] [DP...]", cmd_show },
    { "add-dp", 1, INT_MAX, "DP [IFACE...]", cmd_add_dp },
    { "del-dp", 1, 1, "DP", cmd_del_dp },
    { "add-if", 2, INT_MAX, "DP IFACE[,type=internal]...", cmd_add_if },
    { "del-if", 2, INT_MAX, "DP IFACE...", cmd_del_if },
    { "dump-flows", 0, 1, "[DP]", cmd_dump_flows },
    { "del-flows", 0, 1, "[DP]", cmd_del_flows },
    { "get-flow", 2, 2, "DP KEY", cmd_get_flow },
};

static void NFVS_NO_RETURN
usage(void)
{
    size_t i;

    printf("%s: drive the nfvs kernel datapath (nfvs.ko) directly\n"
           "usage: %s [OPTIONS] COMMAND [ARG...]\n\nCommands:\n",
           nfvs_program_name(), nfvs_program_name());
    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        printf("  %s %s\n", commands[i].name, commands[i].usage);
    }
    printf("\nOptions:\n"
           "  --format=text|json  output format (default: text)\n"
           "  -s, --statistics    show: add each port's counters and "
           "state\n"
           "  -h, --help          print this help and exit\n"
           "  -V, --version       print the version and exit\n"
           "\nIFACE is a device name; IFACE,type=internal creates an "
           "internal\ndevice.  get-flow takes KEY as dump-flows prints "
           "it.\n");
    exit(0);
}

int
main(int argc, char *argv[])
{
    enum { OPT_FORMAT = UCHAR_MAX + 1 };
    static const struct option long_options[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"statistics", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct dpctl_context ctx = { .format = FMT_TEXT };
    const struct dpctl_command *cmd = NULL;
    int n_args;
    size_t i;

    nfvs_set_program_name(argv[0]);
    for (;;) {
        int c = getopt_long(argc, argv, "+hVs", long_options, NULL);

        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_FORMAT:
            if (!strcmp(optarg, "json")) {
                ctx.format = FMT_JSON;
            } else if (!strcmp(optarg, "text")) {
                ctx.format = FMT_TEXT;
            } else {
                nfvs_fatal(0, "--format: \"%s\" is not text or json",
                           optarg);
            }
            break;
        case 's':
            ctx.statistics = true;
            break;
        case 'h':
            usage();
        case 'V':
            printf("nfvs-dpctl (nfvs) %s\n", PACKAGE_VERSION);
            exit(0);
        default:
            fprintf(stderr, "Try '%s --help' for more information.\n",
                    nfvs_program_name());
            exit(1);
        }
    }
    if (optind >= argc) {
        nfvs_fatal(0, "missing command (use --help for help)");
    }
    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        if (!strcmp(commands[i].name, argv[optind])) {
            cmd = &commands[i];
        }
    }
    if (!cmd) {
        nfvs_fatal(0, "unknown command \"%s\" (use --help for help)",
                   argv[optind]);
    }
    n_args = argc - optind - 1;
    if (n_args < cmd->min_args || n_args > cmd->max_args) {
        nfvs_fatal(0, "%s: wrong number of arguments (usage: %s %s)",
                   cmd->name, cmd->name, cmd->usage);
    }
    return cmd->run(&ctx, argc - optind, argv + optind);
}
