/* nfvs-ctl: the command-line front end of nfvs-vswitchd, in the manner of
 * ovs-vsctl and ovs-ofctl.  Each command is one JSON-RPC call (see
 * docs/rpc.md), and commands chained with "--" are one "transact" call;
 * this program only parses arguments and prints results. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dynamic-string.h"
#include "flow.h"
#include "ofp-meter.h"
#include "rpc-client.h"
#include "stream-ssl.h"
#include "util.h"

enum output_format {
    FMT_TEXT,
    FMT_JSON
};

struct ctl_context {
    char *socket;               /* Remote to connect to. */
    int timeout;                /* Seconds; 0 waits forever. */
    enum output_format format;  /* --format. */
    bool may_exist;             /* --may-exist. */
    bool if_exists;             /* --if-exists. */
    bool strict;                /* --strict. */
    bool no_stats;              /* --no-stats. */
    bool names;                 /* --names. */
    bool generate;              /* --generate. */
    bool stats;                 /* --stats. */
    char *private_key;          /* TLS: --private-key, or NULL. */
    char *certificate;          /* TLS: --certificate, or NULL. */
    char *ca_cert;              /* TLS: --ca-cert, or NULL. */
    char *columns;              /* find: --columns, or NULL. */
    struct rpc_client *client;  /* Connection, once opened. */
};

struct ctl_command {
    const char *name;           /* "add-br". */
    int min_args;               /* Minimum arguments after the name. */
    int max_args;               /* Maximum, or INT_MAX. */
    const char *usage;          /* Arguments, for --help. */
    /* Runs the command with its 'argc' arguments (argv[0] is the command
     * name).  Returns the process exit status. */
    int (*run)(struct ctl_context *, int argc, char *argv[]);

    /* Documentation, from which the build generates the man page's
     * command sections and the bash completion's command list (see
     * "--list-commands"). */
    const char *section;        /* Man page section, or NULL: "OTHER". */
    const char *help;           /* Plain-text description, or NULL. */
};

/* Seconds nfvs-ctl waits for the daemon by default. */
#define CTL_TIMEOUT_DEFAULT 30

/* Exits with a message for 'retval', the failure of a call to the
 * daemon. */
static void NFVS_NO_RETURN
ctl_call_failed(const struct ctl_context *ctx, int retval)
{
    if (retval == ETIMEDOUT) {
        nfvs_fatal(0, "timed out after %d s waiting for nfvs-vswitchd at "
                   "%s (use --timeout=SECS to wait longer, 0 for ever)",
                   ctx->timeout, ctx->socket);
    }
    nfvs_fatal(0, "lost connection to nfvs-vswitchd at %s (%s)",
               ctx->socket, nfvs_strerror(retval));
}

/* Calls 'method' with 'params' (ownership taken).  On success returns the
 * result (caller decrefs).  On failure prints the error and exits. */
static json_t *
ctl_call(struct ctl_context *ctx, const char *method, json_t *params)
{
    json_t *result, *error;
    int retval;

    if (!ctx->client) {
        char *msg;

        retval = rpc_client_open(ctx->socket, ctx->timeout * 1000,
                                 &ctx->client, &msg);
        if (retval && msg) {
            nfvs_fatal(0, "cannot connect to nfvs-vswitchd at %s", msg);
        } else if (retval == ENOENT || retval == ECONNREFUSED) {
            nfvs_fatal(0, "cannot connect to nfvs-vswitchd at %s: is "
                       "nfvs-vswitchd running? (%s)", ctx->socket,
                       nfvs_strerror(retval));
        } else if (retval == ETIMEDOUT) {
            nfvs_fatal(0, "timed out after %d s connecting to "
                       "nfvs-vswitchd at %s", ctx->timeout, ctx->socket);
        } else if (retval) {
            nfvs_fatal(retval, "cannot connect to nfvs-vswitchd at %s",
                       ctx->socket);
        }
    }

    retval = rpc_client_call(ctx->client, method, params, &result, &error);
    if (retval) {
        ctl_call_failed(ctx, retval);
    }
    if (error) {
        json_t *message = json_object_get(error, "message");

        nfvs_fatal(0, "%s", (json_is_string(message)
                             ? json_string_value(message)
                             : "daemon returned a malformed error"));
    }
    return result;
}

static void
print_json(const json_t *json)
{
    char *s = json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER
                               | JSON_ENCODE_ANY);

    puts(s);
    free(s);
}

/* Calls 'method' and, with --format=json, prints its result.  For
 * commands whose text output is nothing. */
static int
ctl_call_quiet(struct ctl_context *ctx, const char *method, json_t *params)
{
    json_t *result = ctl_call(ctx, method, params);

    if (ctx->format == FMT_JSON) {
        print_json(result);
    }
    json_decref(result);
    return 0;
}

/* Commands that may be chained with "--" into one transaction (see
 * ctl_txn_commands[]): each one parses its arguments into daemon calls,
 * and prints their results once they ran. */

/* Appends to 'ops' a call of 'method' with 'params' (ownership taken). */
static void
ctl_add_op(json_t *ops, const char *method, json_t *params)
{
    json_array_append_new(ops, json_pack("{s:s, s:o}", "method", method,
                                         "params", params));
}

/* Prints the one result in 'results' with --format=json; in text, the
 * commands that change something print nothing. */
static void
ctl_print_quiet(struct ctl_context *ctx, int argc NFVS_UNUSED,
                char *argv[] NFVS_UNUSED, json_t *results)
{
    if (ctx->format == FMT_JSON) {
        print_json(json_array_get(results, 0));
    }
}

static void
build_add_br(struct ctl_context *ctx, int argc NFVS_UNUSED, char *argv[],
             json_t *ops)
{
    ctl_add_op(ops, "bridge.add", json_pack("{s:s, s:b}", "name", argv[1],
                                            "may_exist", ctx->may_exist));
}

static void
build_del_br(struct ctl_context *ctx, int argc NFVS_UNUSED, char *argv[],
             json_t *ops)
{
    ctl_add_op(ops, "bridge.del", json_pack("{s:s, s:b}", "name", argv[1],
                                            "if_exists", ctx->if_exists));
}

/* Prints the one result in 'results', a JSON array of strings, one per
 * line. */
static void
print_string_list(struct ctl_context *ctx, int argc NFVS_UNUSED,
                  char *argv[] NFVS_UNUSED, json_t *results)
{
    json_t *list = json_array_get(results, 0);
    json_t *value;
    size_t i;

    if (ctx->format == FMT_JSON) {
        print_json(list);
    } else {
        json_array_foreach (list, i, value) {
            puts(json_string_value(value));
        }
    }
}

static void
build_list_br(struct ctl_context *ctx NFVS_UNUSED, int argc NFVS_UNUSED,
              char *argv[] NFVS_UNUSED, json_t *ops)
{
    ctl_add_op(ops, "bridge.list", json_object());
}

static void
build_add_port(struct ctl_context *ctx, int argc, char *argv[], json_t *ops)
{
    json_t *params = json_pack("{s:s, s:s, s:b}", "bridge", argv[1],
                               "name", argv[2],
                               "may_exist", ctx->may_exist);
    int i;

    for (i = 3; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        unsigned int ofport;

        if (eq && !strncmp(argv[i], "type=", 5)) {
            json_object_set_new(params, "type", json_string(eq + 1));
        } else if (eq && !strncmp(argv[i], "ofport=", 7)) {
            if (!str_to_uint(eq + 1, 10, &ofport) || !ofport
                || ofport >= OFPP_MAX) {
                nfvs_fatal(0, "%s: ofport must be a number from 1 to %d",
                           argv[i], OFPP_MAX - 1);
            }
            json_object_set_new(params, "ofport", json_integer(ofport));
        } else {
            nfvs_fatal(0, "%s: unknown port setting (expected type=TYPE or "
                       "ofport=N)", argv[i]);
        }
    }
    ctl_add_op(ops, "port.add", params);
}

static void
print_add_port(struct ctl_context *ctx, int argc NFVS_UNUSED, char *argv[],
               json_t *results)
{
    json_t *result = json_array_get(results, 0);

    if (ctx->format == FMT_JSON) {
        print_json(result);
    } else if (json_is_string(json_object_get(result, "error"))) {
        /* Added, but not up (a system port whose device is missing). */
        fprintf(stderr, "nfvs-ctl: warning: port %s is not up yet: %s\n",
                argv[2],
                json_string_value(json_object_get(result, "error")));
    }
}

static void
build_del_port(struct ctl_context *ctx, int argc, char *argv[], json_t *ops)
{
    json_t *params = json_pack("{s:s, s:b}", "name", argv[argc - 1],
                               "if_exists", ctx->if_exists);

    if (argc == 3) {
        json_object_set_new(params, "bridge", json_string(argv[1]));
    }
    ctl_add_op(ops, "port.del", params);
}

/* Parses "1,2,3" (or "" for none) into a JSON array of VLAN IDs. */
static json_t *
parse_trunks(const char *arg, const char *s)
{
    json_t *trunks = json_array();
    char *copy = xstrdup(s);
    char *save = NULL, *token;

    for (token = strtok_r(copy, ",", &save); token;
         token = strtok_r(NULL, ",", &save)) {
        unsigned int vid;

        if (!str_to_uint(token, 10, &vid) || vid > 4095) {
            nfvs_fatal(0, "%s: \"%s\" is not a VLAN ID (0 to 4095)", arg,
                       token);
        }
        json_array_append_new(trunks, json_integer(vid));
    }
    free(copy);
    return trunks;
}

static void
build_set_port(struct ctl_context *ctx NFVS_UNUSED, int argc, char *argv[],
               json_t *ops)
{
    json_t *params = json_pack("{s:s, s:s}", "bridge", argv[1],
                               "name", argv[2]);
    int i;

    for (i = 3; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        unsigned int vid;

        if (eq && !strncmp(argv[i], "tag=", 4)) {
            if (!eq[1]) {
                json_object_set_new(params, "tag", json_null());
            } else if (str_to_uint(eq + 1, 10, &vid) && vid <= 4095) {
                json_object_set_new(params, "tag", json_integer(vid));
            } else {
                nfvs_fatal(0, "%s: VLAN ID must be a number from 0 to 4095",
                           argv[i]);
            }
        } else if (eq && !strncmp(argv[i], "trunks=", 7)) {
            json_object_set_new(params, "trunks",
                                parse_trunks(argv[i], eq + 1));
        } else {
            nfvs_fatal(0, "%s: unknown port setting (expected tag=VLAN or "
                       "trunks=VLAN,...)", argv[i]);
        }
    }
    ctl_add_op(ops, "port.set", params);
}

static void
build_list_ports(struct ctl_context *ctx NFVS_UNUSED, int argc NFVS_UNUSED,
                 char *argv[], json_t *ops)
{
    ctl_add_op(ops, "port.list", json_pack("{s:s}", "bridge", argv[1]));
}

static void
print_ofport(uint32_t ofport)
{
    if (ofport == OFPP_LOCAL) {
        printf("LOCAL");
    } else {
        printf("%"PRIu32, ofport);
    }
}

static void db_put_value(struct ds *, const json_t *);

/* Prints the maps of 'obj', a bridge or port of "show", that it has, as
 * lines indented by 'indent'. */
static void
print_maps(const char *indent, const json_t *obj)
{
    static const char *const names[] = { "external_ids", "other_config" };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(names); i++) {
        const json_t *map = json_object_get(obj, names[i]);

        if (map) {
            struct ds out = DS_EMPTY_INITIALIZER;

            db_put_value(&out, map);
            printf("%s%s: %s\n", indent, names[i], ds_cstr(&out));
            ds_destroy(&out);
        }
    }
}

/* Prints 'error', if it is a string, as an "error:" line of "show"
 * indented by 'indent': why a bridge or port is not up. */
static void
print_error(const char *indent, const json_t *error)
{
    if (json_is_string(error)) {
        printf("%serror: \"%s\"\n", indent, json_string_value(error));
    }
}

/* Port counters and state (port.stats). */

/* Returns the entry for port 'name' in 'ports', a port.stats "ports"
 * array, or NULL. */
static json_t *
find_port_stats(const json_t *ports, const char *name)
{
    json_t *port;
    size_t i;

    json_array_foreach (ports, i, port) {
        const char *pname = json_string_value(json_object_get(port,
                                                              "name"));

        if (pname && !strcmp(pname, name)) {
            return port;
        }
    }
    return NULL;
}

/* Adds to each port of 'show', a "show" result, the counters and state
 * that port.stats gives for it. */
static void
add_port_stats(struct ctl_context *ctx, json_t *show)
{
    json_t *br, *port;
    size_t i, j;

    json_array_foreach (json_object_get(show, "bridges"), i, br) {
        json_t *stats = ctl_call(ctx, "port.stats", json_pack(
                                     "{s:O}", "bridge",
                                     json_object_get(br, "name")));
        json_t *ports = json_object_get(stats, "ports");

        json_array_foreach (json_object_get(br, "ports"), j, port) {
            const char *name = json_string_value(json_object_get(port,
                                                                 "name"));
            json_t *ps = name ? find_port_stats(ports, name) : NULL;
            static const char *const keys[] = {
                "link_state", "admin_state", "rx", "tx",
            };
            size_t k;

            for (k = 0; ps && k < ARRAY_SIZE(keys); k++) {
                json_t *value = json_object_get(ps, keys[k]);

                if (value) {
                    json_object_set(port, keys[k], value);
                }
            }
        }
        json_decref(stats);
    }
}

/* Prints a counter of a port.stats entry: its number, or "?" as
 * ovs-ofctl does for a counter it does not have. */
static void
print_port_counter(const json_t *counters, const char *name)
{
    const json_t *value = json_object_get(counters, name);

    if (json_is_integer(value)) {
        printf("%"JSON_INTEGER_FORMAT, json_integer_value(value));
    } else {
        putchar('?');
    }
}

/* Prints 'port', an entry of port.stats, as "ovs-ofctl dump-ports" does:
 *   port  1: rx pkts=1, bytes=106, drop=0, errs=0, frame=?, over=?, crc=?
 *            tx pkts=0, bytes=0, drop=0, errs=0, coll=?
 * followed by the link and admin state. */
static void
print_port_stats(const json_t *port)
{
    json_int_t ofport = json_integer_value(json_object_get(port, "ofport"));
    const json_t *rx = json_object_get(port, "rx");
    const json_t *tx = json_object_get(port, "tx");

    printf("  port ");
    if (ofport == OFPP_LOCAL) {
        printf("LOCAL");
    } else {
        printf("%2"JSON_INTEGER_FORMAT, ofport);
    }
    if (!rx || !tx) {
        printf(": error: \"%s\"\n",
               json_string_value(json_object_get(port, "error")));
        return;
    }
    printf(": rx pkts=");
    print_port_counter(rx, "packets");
    printf(", bytes=");
    print_port_counter(rx, "bytes");
    printf(", drop=");
    print_port_counter(rx, "dropped");
    printf(", errs=");
    print_port_counter(rx, "errors");
    printf(", frame=?, over=?, crc=?\n           tx pkts=");
    print_port_counter(tx, "packets");
    printf(", bytes=");
    print_port_counter(tx, "bytes");
    printf(", drop=");
    print_port_counter(tx, "dropped");
    printf(", errs=");
    print_port_counter(tx, "errors");
    printf(", coll=?\n           link_state=%s, admin_state=%s\n",
           json_string_value(json_object_get(port, "link_state")),
           json_string_value(json_object_get(port, "admin_state")));
}

static int
cmd_dump_ports(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = json_pack("{s:s}", "bridge", argv[1]);
    json_t *result, *ports, *port;
    unsigned int ofport = 0;
    size_t i;

    if (argc > 2) {
        /* A port is named as ovs-ofctl allows: by OpenFlow number,
         * LOCAL, or name. */
        if (!strcmp(argv[2], "LOCAL")) {
            ofport = OFPP_LOCAL;
        } else if (!str_to_uint(argv[2], 10, &ofport) || !ofport) {
            ofport = 0;
            json_object_set_new(params, "port", json_string(argv[2]));
        }
    }
    result = ctl_call(ctx, "port.stats", params);
    ports = json_object_get(result, "ports");
    if (ofport) {
        json_t *found = NULL;

        json_array_foreach (ports, i, port) {
            if (json_integer_value(json_object_get(port, "ofport"))
                == ofport) {
                found = json_incref(port);
            }
        }
        if (!found) {
            nfvs_fatal(0, "bridge %s does not have a port %s", argv[1],
                       argv[2]);
        }
        json_array_clear(ports);
        json_array_append_new(ports, found);
    }
    if (ctx->format == FMT_JSON) {
        print_json(result);
    } else {
        printf("Port statistics of bridge %s: %zu ports\n", argv[1],
               json_array_size(ports));
        json_array_foreach (ports, i, port) {
            print_port_stats(port);
        }
    }
    json_decref(result);
    return 0;
}

/* Prints the counters and state that add_port_stats() put in 'port', a
 * port of "show". */
static void
print_show_port_stats(const json_t *port)
{
    static const char *const dirs[] = { "rx", "tx" };
    static const char *const names[] = {
        "bytes", "dropped", "errors", "packets",
    };
    size_t d, n;

    if (json_object_get(port, "link_state")) {
        printf("            link_state: %s\n            admin_state: %s\n",
               json_string_value(json_object_get(port, "link_state")),
               json_string_value(json_object_get(port, "admin_state")));
    }
    if (!json_object_get(port, "rx")) {
        return;
    }
    printf("            statistics: {");
    for (d = 0; d < ARRAY_SIZE(dirs); d++) {
        for (n = 0; n < ARRAY_SIZE(names); n++) {
            printf("%s%s_%s=", d || n ? ", " : "", dirs[d], names[n]);
            print_port_counter(json_object_get(port, dirs[d]), names[n]);
        }
    }
    printf("}\n");
}

static int
cmd_show(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call(ctx, "show", NULL);
    json_t *bridges = json_object_get(result, "bridges");
    json_t *br, *port;
    size_t i, j;

    if (ctx->stats) {
        add_port_stats(ctx, result);
    }
    if (ctx->format == FMT_JSON) {
        print_json(result);
        json_decref(result);
        return 0;
    }
    printf("nfvs-vswitchd %s\n",
           json_string_value(json_object_get(result, "version")));
    json_array_foreach (bridges, i, br) {
        printf("    Bridge %s\n",
               json_string_value(json_object_get(br, "name")));
        print_error("        ", json_object_get(br, "error"));
        print_maps("        ", br);
        json_array_foreach (json_object_get(br, "ports"), j, port) {
            printf("        Port %s\n",
                   json_string_value(json_object_get(port, "name")));
            printf("            ofport: ");
            print_ofport(json_integer_value(json_object_get(port,
                                                            "ofport")));
            printf("\n            type: %s\n",
                   json_string_value(json_object_get(port, "type")));
            if (json_object_get(port, "tag")) {
                printf("            tag: %lld\n", (long long int)
                       json_integer_value(json_object_get(port, "tag")));
            }
            if (json_object_get(port, "trunks")) {
                json_t *vid;
                size_t k;

                printf("            trunks: [");
                json_array_foreach (json_object_get(port, "trunks"), k,
                                    vid) {
                    printf("%s%lld", k ? ", " : "",
                           (long long int) json_integer_value(vid));
                }
                printf("]\n");
            }
            print_maps("            ", port);
            print_show_port_stats(port);
            print_error("            ", json_object_get(port, "error"));
        }
    }
    json_decref(result);
    return 0;
}

/* Reads flow lines from 'file' ("-" for stdin): one flow per line;
 * blank lines and lines starting with '#' are skipped.  Returns a JSON
 * array of the lines and, in '*linenosp', each one's line number (caller
 * frees). */
static json_t *
read_flow_file(const char *file, int **linenosp)
{
    FILE *stream = strcmp(file, "-") ? fopen(file, "r") : stdin;
    json_t *flows = json_array();
    char *line = NULL;
    size_t allocated = 0;
    int *linenos = NULL;
    int lineno = 0;

    if (!stream) {
        nfvs_fatal(errno, "%s: cannot open", file);
    }
    while (getline(&line, &allocated, stream) != -1) {
        char *p = line + strspn(line, " \t");

        lineno++;
        p[strcspn(p, "\r\n")] = '\0';
        if (!*p || *p == '#') {
            continue;
        }
        linenos = xrealloc(linenos, (json_array_size(flows) + 1)
                           * sizeof *linenos);
        linenos[json_array_size(flows)] = lineno;
        json_array_append_new(flows, json_string(p));
    }
    free(line);
    if (stream != stdin) {
        fclose(stream);
    }
    *linenosp = linenos;
    return flows;
}

/* Calls 'method' for the flows of 'file'.  The daemon names a bad flow
 * "flow N: ..."; this turns that into "FILE:LINE: ...". */
static json_t *
ctl_call_flow_file(struct ctl_context *ctx, const char *method,
                   const char *bridge, const char *file)
{
    json_t *result, *error;
    int *linenos;
    json_t *flows = read_flow_file(file, &linenos);
    size_t n = json_array_size(flows);
    int retval;

    if (!ctx->client) {
        json_decref(ctl_call(ctx, "version", NULL));
    }
    retval = rpc_client_call(ctx->client, method,
                             json_pack("{s:s, s:o}", "bridge", bridge,
                                       "flows", flows),
                             &result, &error);
    if (retval) {
        ctl_call_failed(ctx, retval);
    }
    if (error) {
        const char *msg = json_string_value(json_object_get(error,
                                                            "message"));
        unsigned int i;
        int ofs = 0;

        msg = msg ? msg : "daemon returned a malformed error";
        if (sscanf(msg, "flow %u: %n", &i, &ofs) == 1 && ofs
            && i >= 1 && i <= n) {
            nfvs_fatal(0, "%s:%d: %s",
                       strcmp(file, "-") ? file : "(stdin)",
                       linenos[i - 1], msg + ofs);
        } else if (n == 1) {
            nfvs_fatal(0, "%s:%d: %s", strcmp(file, "-") ? file : "(stdin)",
                       linenos[0], msg);
        }
        nfvs_fatal(0, "%s", msg);
    }
    free(linenos);
    return result;
}

static int
cmd_add_flow(struct ctl_context *ctx, int argc, char *argv[])
{
    return ctl_call_quiet(ctx, "flow.add",
                          json_pack("{s:s, s:[s]}", "bridge", argv[1],
                                    "flows", argv[2]));
}

static int
cmd_add_flows(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call_flow_file(ctx, "flow.add", argv[1], argv[2]);

    if (ctx->format == FMT_JSON) {
        print_json(result);
    }
    json_decref(result);
    return 0;
}

static int
cmd_replace_flows(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call_flow_file(ctx, "flow.replace", argv[1],
                                        argv[2]);

    if (ctx->format == FMT_JSON) {
        print_json(result);
    }
    json_decref(result);
    return 0;
}

static int
cmd_mod_flows(struct ctl_context *ctx, int argc, char *argv[])
{
    return ctl_call_quiet(ctx, "flow.mod",
                          json_pack("{s:s, s:[s], s:b}", "bridge", argv[1],
                                    "flows", argv[2], "strict",
                                    ctx->strict));
}

static int
cmd_del_flows(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = json_pack("{s:s, s:b}", "bridge", argv[1],
                               "strict", ctx->strict);

    if (argc > 2) {
        json_object_set_new(params, "flows", json_pack("[s]", argv[2]));
    }
    return ctl_call_quiet(ctx, "flow.del", params);
}

static int
cmd_dump_flows(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = json_pack("{s:s, s:b}", "bridge", argv[1],
                               "no_stats", ctx->no_stats);
    json_t *result, *line;
    size_t i;

    if (ctx->names) {
        json_object_set_new(params, "names", json_true());
    }
    if (argc > 2) {
        json_object_set_new(params, "match", json_string(argv[2]));
    }
    if (ctx->format == FMT_JSON) {
        json_object_set_new(params, "structured", json_true());
    }
    result = ctl_call(ctx, "flow.dump", params);
    if (ctx->format == FMT_JSON) {
        print_json(result);
    } else {
        json_array_foreach (json_object_get(result, "flows"), i, line) {
            printf(" %s\n", json_string_value(line));
        }
    }
    json_decref(result);
    return 0;
}

static int
cmd_trace(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call(ctx, "trace",
                              json_pack("{s:s, s:s, s:b, s:b}",
                                        "bridge", argv[1], "flow", argv[2],
                                        "generate", ctx->generate,
                                        "structured",
                                        ctx->format == FMT_JSON));

    if (ctx->format == FMT_JSON) {
        print_json(result);
    } else {
        fputs(json_string_value(json_object_get(result, "trace")), stdout);
    }
    json_decref(result);
    return 0;
}

static int
cmd_set_log(struct ctl_context *ctx, int argc, char *argv[])
{
    char *spec;
    int status;

    /* "set-log MODULE LEVEL", "set-log MODULE DEST LEVEL" and
     * "set-log MODULE:DEST:LEVEL" all mean the same. */
    if (argc == 2) {
        spec = xstrdup(argv[1]);
    } else if (argc == 3) {
        spec = xasprintf("%s:%s", argv[1], argv[2]);
    } else {
        spec = xasprintf("%s:%s:%s", argv[1], argv[2], argv[3]);
    }
    status = ctl_call_quiet(ctx, "log.set", json_pack("{s:s}", "spec",
                                                      spec));
    free(spec);
    return status;
}

static int
cmd_list_log(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call(ctx, "log.list", NULL);

    if (ctx->format == FMT_JSON) {
        /* The levels as objects; the text table is for text output. */
        json_object_del(result, "levels");
        print_json(result);
    } else {
        fputs(json_string_value(json_object_get(result, "levels")), stdout);
    }
    json_decref(result);
    return 0;
}

static int
cmd_version(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call(ctx, "version", NULL);
    const char *daemon = json_string_value(json_object_get(result,
                                                           "version"));

    if (ctx->format == FMT_JSON) {
        json_object_set_new(result, "ctl_version",
                            json_string(PACKAGE_VERSION));
        print_json(result);
    } else {
        printf("nfvs-ctl (nfvs) %s\nnfvs-vswitchd (nfvs) %s\n",
               PACKAGE_VERSION, daemon ? daemon : "unknown");
    }
    json_decref(result);
    return 0;
}

static int
cmd_inject(struct ctl_context *ctx, int argc, char *argv[])
{
    return ctl_call_quiet(ctx, "dp.inject",
                          json_pack("{s:s, s:s, s:s}", "bridge", argv[1],
                                    "port", argv[2], "packet", argv[3]));
}

static int
cmd_set_link(struct ctl_context *ctx, int argc NFVS_UNUSED, char *argv[])
{
    return ctl_call_quiet(ctx, "dp.set_link",
                          json_pack("{s:s, s:s, s:s}", "bridge", argv[1],
                                    "port", argv[2], "link", argv[3]));
}

static json_t *
dp_bridge_params(int argc, char *argv[])
{
    return argc > 1 ? json_pack("{s:s}", "bridge", argv[1]) : json_object();
}

static int
cmd_dump_dp_flows(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = dp_bridge_params(argc, argv);
    json_t *result, *bridge, *line;
    size_t i, j;

    if (ctx->format == FMT_JSON) {
        json_object_set_new(params, "structured", json_true());
    }
    result = ctl_call(ctx, "dp.flows", params);

    if (ctx->format == FMT_JSON) {
        print_json(result);
    } else {
        json_array_foreach (json_object_get(result, "bridges"), i, bridge) {
            if (argc < 2) {
                printf("%s:\n", json_string_value(json_object_get(bridge,
                                                                 "bridge")));
            }
            json_array_foreach (json_object_get(bridge, "flows"), j, line) {
                printf("%s%s\n", argc < 2 ? "  " : "",
                       json_string_value(line));
            }
        }
    }
    json_decref(result);
    return 0;
}

static json_int_t
get_int(const json_t *obj, const char *name)
{
    return json_integer_value(json_object_get(obj, name));
}

/* Prints the userspace datapath's per-thread counters, if any. */
static void
print_fwd_stats(const json_t *fwds)
{
    const json_t *f;
    size_t i;

    json_array_foreach (fwds, i, f) {
        printf("  forwarder %"JSON_INTEGER_FORMAT": packets:%"
               JSON_INTEGER_FORMAT" batches:%"JSON_INTEGER_FORMAT
               " avg batch:%.1f full batches:%"JSON_INTEGER_FORMAT
               " wakeups:%"JSON_INTEGER_FORMAT"\n",
               get_int(f, "thread"), get_int(f, "packets"),
               get_int(f, "batches"),
               json_number_value(json_object_get(f, "avg_batch")),
               get_int(f, "full_batches"), get_int(f, "wakeups"));
    }
}

static void
print_dp_stats(const json_t *b)
{
    const json_t *lost = json_object_get(b, "lost_by_reason");

    printf("%s (%s datapath %s):\n",
           json_string_value(json_object_get(b, "bridge")),
           json_string_value(json_object_get(b, "type")),
           json_string_value(json_object_get(b, "datapath")));
    printf("  lookups: hit:%"JSON_INTEGER_FORMAT" missed:%"
           JSON_INTEGER_FORMAT" lost:%"JSON_INTEGER_FORMAT"\n",
           get_int(b, "hit"), get_int(b, "missed"), get_int(b, "lost"));
    printf("  lost: queue:%"JSON_INTEGER_FORMAT" rate:%"JSON_INTEGER_FORMAT
           " parse:%"JSON_INTEGER_FORMAT" dup:%"JSON_INTEGER_FORMAT
           " nohandler:%"JSON_INTEGER_FORMAT" nomem:%"JSON_INTEGER_FORMAT
           "\n", get_int(lost, "queue"), get_int(lost, "rate"),
           get_int(lost, "parse"), get_int(lost, "dup"),
           get_int(lost, "nohandler"), get_int(lost, "nomem"));
    printf("  flows: %"JSON_INTEGER_FORMAT" (limit %"JSON_INTEGER_FORMAT
           ")\n", get_int(b, "flows"), get_int(b, "flow_limit"));
    printf("  upcalls: handled:%"JSON_INTEGER_FORMAT" installed:%"
           JSON_INTEGER_FORMAT" uncached:%"JSON_INTEGER_FORMAT" errors:%"
           JSON_INTEGER_FORMAT" handlers:%"JSON_INTEGER_FORMAT"\n",
           get_int(b, "upcalls"), get_int(b, "installed"),
           get_int(b, "uncached"), get_int(b, "upcall_errors"),
           get_int(b, "handlers"));
    printf("  upcall rate: %"JSON_INTEGER_FORMAT"/s\n",
           get_int(b, "upcalls_per_sec"));
    printf("  revalidation: passes:%"JSON_INTEGER_FORMAT" dumps:%"
           JSON_INTEGER_FORMAT" retranslated:%"
           JSON_INTEGER_FORMAT" modified:%"JSON_INTEGER_FORMAT" deleted:%"
           JSON_INTEGER_FORMAT" idle_deleted:%"JSON_INTEGER_FORMAT
           " adopted:%"JSON_INTEGER_FORMAT"\n",
           get_int(b, "revalidations"), get_int(b, "dumps"),
           get_int(b, "retranslated"),
           get_int(b, "modified"), get_int(b, "deleted"),
           get_int(b, "idle_deleted"), get_int(b, "adopted"));
    printf("  revalidation time: last pass:%"JSON_INTEGER_FORMAT
           "us last table change:%"JSON_INTEGER_FORMAT"us\n",
           get_int(b, "last_revalidation_us"), get_int(b, "last_change_us"));
    printf("  conntrack: events:%"JSON_INTEGER_FORMAT" syncs:%"
           JSON_INTEGER_FORMAT"\n", get_int(b, "ct_events"),
           get_int(b, "ct_syncs"));
    printf("  pairs: installed:%"JSON_INTEGER_FORMAT" used:%"
           JSON_INTEGER_FORMAT" wasted:%"JSON_INTEGER_FORMAT"\n",
           get_int(b, "pairs_installed"), get_int(b, "pairs_used"),
           get_int(b, "pairs_wasted"));
    print_fwd_stats(json_object_get(b, "forwarders"));
}

static int
cmd_stats(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call(ctx, "dp.stats", dp_bridge_params(argc, argv));
    json_t *bridge;
    size_t i;

    if (ctx->format == FMT_JSON) {
        print_json(result);
    } else {
        json_array_foreach (json_object_get(result, "bridges"), i, bridge) {
            print_dp_stats(bridge);
        }
    }
    json_decref(result);
    return 0;
}

/* Connection tracking. */

/* Parses an optional "zone=N" at 'argv[*i]' into 'params', advancing
 * '*i'. */
static void
parse_zone_arg(json_t *params, int argc, char *argv[], int *i)
{
    unsigned int zone;

    if (*i < argc && !strncmp(argv[*i], "zone=", 5)) {
        if (!str_to_uint(argv[*i] + 5, 10, &zone) || zone > UINT16_MAX) {
            nfvs_fatal(0, "%s: zone must be a number from 0 to 65535",
                       argv[*i]);
        }
        json_object_set_new(params, "zone", json_integer(zone));
        (*i)++;
    }
}

static int
cmd_dump_conntrack(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = json_pack("{s:s}", "bridge", argv[1]);
    json_t *result, *conn;
    int i = 2;
    size_t j;

    parse_zone_arg(params, argc, argv, &i);
    if (i < argc) {
        nfvs_fatal(0, "%s: unexpected argument (want zone=N)", argv[i]);
    }
    result = ctl_call(ctx, "ct.dump", params);
    if (ctx->format == FMT_JSON) {
        print_json(result);
    } else {
        json_array_foreach (json_object_get(result, "connections"), j,
                            conn) {
            printf("%s\n", json_string_value(json_object_get(conn,
                                                             "line")));
        }
    }
    json_decref(result);
    return 0;
}

static int
cmd_flush_conntrack(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = json_pack("{s:s}", "bridge", argv[1]);
    json_t *result;
    int i = 2;

    parse_zone_arg(params, argc, argv, &i);
    if (i < argc) {
        json_object_set_new(params, "tuple", json_string(argv[i++]));
    }
    if (i < argc) {
        nfvs_fatal(0, "%s: unexpected argument", argv[i]);
    }
    result = ctl_call(ctx, "ct.flush", params);
    if (ctx->format == FMT_JSON) {
        print_json(result);
    }
    json_decref(result);
    return 0;
}

/* Prints "NAME:N" for each nonzero member of 'obj', or "none". */
static void
print_nonzero(const json_t *obj)
{
    const char *name;
    json_t *value;
    bool any = false;

    json_object_foreach ((json_t *) obj, name, value) {
        if (json_integer_value(value)) {
            printf(" %s:%"JSON_INTEGER_FORMAT, name,
                   json_integer_value(value));
            any = true;
        }
    }
    printf("%s\n", any ? "" : " none");
}

static int
cmd_ct_stats(struct ctl_context *ctx, int argc NFVS_UNUSED, char *argv[])
{
    json_t *result = ctl_call(ctx, "ct.stats",
                              json_pack("{s:s}", "bridge", argv[1]));
    json_t *by_state = json_object_get(result, "tcp_by_state");
    json_int_t n_tcp = 0;
    const char *name;
    json_t *value;

    if (ctx->format == FMT_JSON) {
        print_json(result);
        json_decref(result);
        return 0;
    }
    json_object_foreach (by_state, name, value) {
        n_tcp += json_integer_value(value);
    }
    printf("connections: %"JSON_INTEGER_FORMAT" (tcp:%"JSON_INTEGER_FORMAT
           " udp:%"JSON_INTEGER_FORMAT" icmp:%"JSON_INTEGER_FORMAT
           " other:%"JSON_INTEGER_FORMAT")\n",
           get_int(result, "connections"), n_tcp, get_int(result, "udp"),
           get_int(result, "icmp"), get_int(result, "other"));
    printf("tcp states:");
    print_nonzero(by_state);
    printf("created:%"JSON_INTEGER_FORMAT" established:%"JSON_INTEGER_FORMAT
           " expired:%"JSON_INTEGER_FORMAT" limit_drops:%"
           JSON_INTEGER_FORMAT"\n", get_int(result, "created"),
           get_int(result, "established"), get_int(result, "expired"),
           get_int(result, "limit_drops"));
    printf("invalid:");
    print_nonzero(json_object_get(result, "invalid"));
    json_decref(result);
    return 0;
}

static int
cmd_ct_timeouts(struct ctl_context *ctx, int argc NFVS_UNUSED,
                char *argv[])
{
    json_t *result = ctl_call(ctx, "ct.timeouts",
                              json_pack("{s:s}", "bridge", argv[1]));
    const char *name;
    json_t *value;

    if (ctx->format == FMT_JSON) {
        print_json(result);
    } else {
        json_object_foreach (json_object_get(result, "timeouts"), name,
                             value) {
            printf("%s=%"JSON_INTEGER_FORMAT"\n", name,
                   json_integer_value(value));
        }
    }
    json_decref(result);
    return 0;
}

static int
cmd_ct_set_timeout(struct ctl_context *ctx, int argc NFVS_UNUSED,
                   char *argv[])
{
    unsigned int secs;

    if (!str_to_uint(argv[3], 10, &secs)) {
        nfvs_fatal(0, "%s: seconds must be a number", argv[3]);
    }
    return ctl_call_quiet(ctx, "ct.set_timeout",
                          json_pack("{s:s, s:s, s:I}", "bridge", argv[1],
                                    "name", argv[2],
                                    "seconds", (json_int_t) secs));
}

static int
cmd_ct_set_limit(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = json_pack("{s:s}", "bridge", argv[1]);
    unsigned int limit;
    int i = 2;

    parse_zone_arg(params, argc, argv, &i);
    if (i != argc - 1 || !str_to_uint(argv[i], 10, &limit)) {
        nfvs_fatal(0, "ct-set-limit: want BRIDGE [zone=N] LIMIT");
    }
    json_object_set_new(params, "limit", json_integer(limit));
    return ctl_call_quiet(ctx, "ct.set_limit", params);
}

static int
cmd_ct_set_checksum(struct ctl_context *ctx, int argc NFVS_UNUSED,
                    char *argv[])
{
    bool check = !strcmp(argv[2], "on");

    if (!check && strcmp(argv[2], "off")) {
        nfvs_fatal(0, "%s: want on or off", argv[2]);
    }
    return ctl_call_quiet(ctx, "ct.set_checksum",
                          json_pack("{s:s, s:b}", "bridge", argv[1],
                                    "check", check));
}

/* Database commands: set, get, remove, clear and find on the external_ids
 * and other_config maps of bridges and ports, with ovs-vsctl's syntax
 * (TABLE is Bridge, Port or Interface; Interface is another name of
 * Port). */

/* Returns true if the string 's' prints as it is in ovs-vsctl's syntax:
 * an ASCII letter or '_', then letters, digits, '_', '-' and '.', and
 * neither a boolean nor a UUID (those are quoted so that they read back
 * as strings). */
static bool
db_string_is_bare(const char *s)
{
    static const char hex[] = "0123456789abcdefABCDEF";
    size_t i, n = strlen(s);
    bool is_uuid = n == 36;

    if (!isalpha((unsigned char) s[0]) && s[0] != '_') {
        return false;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = s[i];

        if (!isalnum(c) && c != '_' && c != '-' && c != '.') {
            return false;
        }
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            is_uuid = is_uuid && c == '-';
        } else {
            is_uuid = is_uuid && c && strchr(hex, c);
        }
    }
    return !is_uuid && strcmp(s, "true") && strcmp(s, "false");
}

/* Appends string 's' to 'out' as ovs-vsctl prints it: bare if it can
 * be, otherwise as a JSON string. */
static void
db_put_string(struct ds *out, const char *s)
{
    if (db_string_is_bare(s)) {
        ds_put_cstr(out, s);
    } else {
        json_t *json = json_string(s);
        char *text = json_dumps(json, JSON_ENCODE_ANY);

        ds_put_cstr(out, text);
        free(text);
        json_decref(json);
    }
}

static int
compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;

    return strcmp(*a, *b);
}

/* Appends 'value', a string or a map of strings, to 'out' as ovs-vsctl
 * prints it: a map as {KEY=VALUE, ...} sorted by key. */
static void
db_put_value(struct ds *out, const json_t *value)
{
    const char **keys;
    const char *key;
    json_t *member;
    size_t i, n;

    if (!json_is_object(value)) {
        db_put_string(out, json_string_value(value) ? json_string_value(value)
                                                    : "");
        return;
    }
    n = json_object_size(value);
    keys = xcalloc(n + 1, sizeof *keys);
    i = 0;
    json_object_foreach ((json_t *) value, key, member) {
        keys[i++] = key;
    }
    qsort(keys, n, sizeof *keys, compare_strings);
    ds_put_char(out, '{');
    for (i = 0; i < n; i++) {
        if (i) {
            ds_put_cstr(out, ", ");
        }
        db_put_string(out, keys[i]);
        ds_put_char(out, '=');
        db_put_string(out, json_string_value(json_object_get(value,
                                                             keys[i])));
    }
    ds_put_char(out, '}');
    free(keys);
}

/* Parses a string at '*sp' in ovs-vsctl's syntax: a JSON string in double
 * quotes, or bare characters up to one of 'stop' (or the end).  Advances
 * '*sp' past it.  Returns the string (caller frees); exits with a message
 * naming 'arg' if it is malformed or empty. */
static char *
db_parse_string(const char *arg, const char **sp, const char *stop)
{
    const char *s = *sp;
    char *result;

    if (*s == '"') {
        const char *p = s + 1;
        json_error_t jerr;
        json_t *json;
        char *quoted;

        while (*p && *p != '"') {
            p += (*p == '\\' && p[1]) ? 2 : 1;
        }
        if (*p != '"') {
            nfvs_fatal(0, "%s: missing \" at the end of a quoted string",
                       arg);
        }
        quoted = xmemdup0(s, p + 1 - s);
        json = json_loads(quoted, JSON_DECODE_ANY, &jerr);
        free(quoted);
        if (!json_is_string(json)) {
            nfvs_fatal(0, "%s: bad quoted string (%s)", arg, jerr.text);
        }
        result = xstrdup(json_string_value(json));
        json_decref(json);
        *sp = p + 1;
        return result;
    }
    if (!strcspn(s, stop)) {
        nfvs_fatal(0, "%s: An empty string is not valid as input; use \"\" "
                   "to represent the empty string", arg);
    }
    result = xmemdup0(s, strcspn(s, stop));
    *sp = s + strlen(result);
    return result;
}

/* Parses "{KEY=VALUE, ...}" at 's' (after the column name in 'arg') into
 * 'map'. */
static void
db_parse_map(const char *arg, const char *s, json_t *map)
{
    s++;
    s += strspn(s, " ");
    while (*s != '}') {
        char *key, *value;

        key = db_parse_string(arg, &s, "=,} ");
        s += strspn(s, " ");
        if (*s != '=') {
            nfvs_fatal(0, "%s: missing \"=\" after key \"%s\"", arg, key);
        }
        s++;
        s += strspn(s, " ");
        value = db_parse_string(arg, &s, ",} ");
        json_object_set_new(map, key, json_string(value));
        free(key);
        free(value);
        s += strspn(s, " ");
        if (*s == ',') {
            s++;
            s += strspn(s, " ");
        } else if (*s != '}') {
            nfvs_fatal(0, "%s: expected \",\" or \"}\" in the map", arg);
        }
    }
    if (s[1]) {
        nfvs_fatal(0, "%s: unexpected text after \"}\"", arg);
    }
}

/* Returns the params of a db method for TABLE 'argv[1]' and record
 * 'argv[2]', column 'column', with --if-exists when given. */
static json_t *
db_record_params(const struct ctl_context *ctx, char *argv[],
                 const char *column)
{
    json_t *params = json_pack("{s:s, s:s, s:s}", "table", argv[1],
                               "record", argv[2], "column", column);

    if (ctx->if_exists) {
        json_object_set_new(params, "if_exists", json_true());
    }
    return params;
}

/* set TABLE RECORD COLUMN:KEY=VALUE... or COLUMN={KEY=VALUE, ...}: one
 * db.set per column, in the order the columns first appear. */
static void
ctl_build_set(struct ctl_context *ctx, int argc, char *argv[], json_t *ops)
{
    json_t *by_column = json_object();
    json_t *order = json_array();
    json_t *column_json;
    size_t i;
    int j;

    for (j = 3; j < argc; j++) {
        const char *arg = argv[j];
        size_t len = strcspn(arg, ":=");
        char *column = xmemdup0(arg, len);
        const char *s = arg + len;
        json_t *params = json_object_get(by_column, column);

        if (!params) {
            params = db_record_params(ctx, argv, column);
            json_object_set_new(params, "values", json_object());
            json_object_set_new(by_column, column, params);
            json_array_append_new(order, json_string(column));
        }
        free(column);
        if (*s == '=' && s[1] == '{') {
            json_object_set_new(params, "replace", json_true());
            json_object_clear(json_object_get(params, "values"));
            db_parse_map(arg, s + 1, json_object_get(params, "values"));
        } else if (*s == ':') {
            char *key, *value;

            s++;
            key = db_parse_string(arg, &s, "=");
            if (*s != '=' || !s[1]) {
                free(key);
                nfvs_fatal(0, "%s: argument does not end in \"=\" followed "
                           "by a value.", arg);
            }
            s++;
            value = db_parse_string(arg, &s, "");
            if (*s) {
                free(key);
                free(value);
                nfvs_fatal(0, "%s: unexpected text after the value", arg);
            }
            json_object_set_new(json_object_get(params, "values"), key,
                                json_string(value));
            free(key);
            free(value);
        } else {
            nfvs_fatal(0, "%s: argument does not end in \"=\" followed by a "
                       "value.", arg);
        }
    }
    json_array_foreach (order, i, column_json) {
        json_t *params = json_object_get(by_column,
                                         json_string_value(column_json));

        ctl_add_op(ops, "db.set", json_incref(params));
    }
    json_decref(order);
    json_decref(by_column);
}

/* get TABLE RECORD COLUMN[:KEY] */
static void
ctl_build_get(struct ctl_context *ctx, int argc NFVS_UNUSED, char *argv[],
              json_t *ops)
{
    const char *arg = argv[3];
    size_t len = strcspn(arg, ":");
    char *column = xmemdup0(arg, len);
    json_t *params = db_record_params(ctx, argv, column);

    if (arg[len]) {
        const char *s = arg + len + 1;
        char *key = db_parse_string(arg, &s, "");

        if (*s) {
            free(key);
            free(column);
            json_decref(params);
            nfvs_fatal(0, "%s: unexpected text after the key", arg);
        }
        json_object_set_new(params, "key", json_string(key));
        free(key);
    }
    free(column);
    ctl_add_op(ops, "db.get", params);
}

static void
ctl_print_get(struct ctl_context *ctx, int argc NFVS_UNUSED,
              char *argv[] NFVS_UNUSED, json_t *results)
{
    json_t *result = json_array_get(results, 0);
    struct ds out = DS_EMPTY_INITIALIZER;

    if (ctx->format == FMT_JSON) {
        print_json(result);
        return;
    }
    if (!json_object_get(result, "value")) {
        return;                 /* --if-exists, and no such record. */
    }
    db_put_value(&out, json_object_get(result, "value"));
    puts(ds_cstr(&out));
    ds_destroy(&out);
}

/* remove TABLE RECORD COLUMN KEY... */
static void
ctl_build_remove(struct ctl_context *ctx, int argc, char *argv[],
                 json_t *ops)
{
    json_t *params = db_record_params(ctx, argv, argv[3]);
    json_t *keys = json_array();
    int i;

    for (i = 4; i < argc; i++) {
        const char *s = argv[i];
        char *key = db_parse_string(argv[i], &s, "=");

        if (*s) {
            free(key);
            nfvs_fatal(0, "%s: remove takes keys only, not KEY=VALUE",
                       argv[i]);
        }
        json_array_append_new(keys, json_string(key));
        free(key);
    }
    json_object_set_new(params, "keys", keys);
    ctl_add_op(ops, "db.remove", params);
}

/* clear TABLE RECORD COLUMN */
static void
ctl_build_clear(struct ctl_context *ctx, int argc NFVS_UNUSED,
                char *argv[], json_t *ops)
{
    ctl_add_op(ops, "db.clear", db_record_params(ctx, argv, argv[3]));
}

static const char **db_find_columns(const struct ctl_context *,
                                    const char *table, size_t *n);

/* find TABLE [COLUMN:KEY=VALUE | name=VALUE]... */
static void
ctl_build_find(struct ctl_context *ctx, int argc, char *argv[], json_t *ops)
{
    json_t *conditions = json_array();
    size_t n_columns;
    int i;

    free(db_find_columns(ctx, argv[1], &n_columns));   /* Checks them. */
    for (i = 2; i < argc; i++) {
        const char *arg = argv[i];
        size_t len = strcspn(arg, ":=");
        char *column = xmemdup0(arg, len);
        const char *s = arg + len;
        json_t *cond = json_pack("{s:s}", "column", column);
        char *value;

        if (*s == ':') {
            char *key;

            s++;
            key = db_parse_string(arg, &s, "=");
            json_object_set_new(cond, "key", json_string(key));
            free(key);
        }
        if (*s != '=' || !s[1]) {
            free(column);
            json_decref(cond);
            nfvs_fatal(0, "%s: argument does not end in \"=\" followed by a "
                       "value.", arg);
        }
        s++;
        value = db_parse_string(arg, &s, "");
        if (*s) {
            free(value);
            free(column);
            json_decref(cond);
            nfvs_fatal(0, "%s: unexpected text after the value", arg);
        }
        json_object_set_new(cond, "value", json_string(value));
        json_array_append_new(conditions, cond);
        free(value);
        free(column);
    }
    ctl_add_op(ops, "db.find", json_pack("{s:s, s:o}", "table", argv[1],
                                         "conditions", conditions));
}

/* The columns find prints by default, in order. */
static const char *const db_columns[] = {
    "name", "external_ids", "other_config",
};

/* Checks --columns for 'table' and returns the columns to print, in a
 * malloc'd array of '*n' borrowed strings (into 'ctx->columns' or
 * db_columns[]; caller frees the array only). */
static const char **
db_find_columns(const struct ctl_context *ctx, const char *table, size_t *n)
{
    const char **columns;
    char *save = NULL, *token, *copy;
    size_t i;

    if (!ctx->columns) {
        columns = xcalloc(ARRAY_SIZE(db_columns), sizeof *columns);
        for (i = 0; i < ARRAY_SIZE(db_columns); i++) {
            columns[i] = db_columns[i];
        }
        *n = ARRAY_SIZE(db_columns);
        return columns;
    }
    copy = xstrdup(ctx->columns);
    columns = xcalloc(strlen(copy) + 1, sizeof *columns);
    *n = 0;
    for (token = strtok_r(copy, ",", &save); token;
         token = strtok_r(NULL, ",", &save)) {
        for (i = 0; i < ARRAY_SIZE(db_columns); i++) {
            if (!strcmp(token, db_columns[i])) {
                break;
            }
        }
        if (i == ARRAY_SIZE(db_columns)) {
            nfvs_fatal(0, "%s does not contain a column whose name matches "
                       "\"%s\" (use name, external_ids or other_config)",
                       table, token);
        }
        columns[(*n)++] = db_columns[i];
    }
    free(copy);
    return columns;
}

static void
ctl_print_find(struct ctl_context *ctx, int argc NFVS_UNUSED, char *argv[],
               json_t *results)
{
    json_t *records = json_object_get(json_array_get(results, 0),
                                      "records");
    struct ds out = DS_EMPTY_INITIALIZER;
    const char **columns;
    json_t *record;
    size_t i, j, n;

    if (ctx->format == FMT_JSON) {
        print_json(json_array_get(results, 0));
        return;
    }
    columns = db_find_columns(ctx, argv[1], &n);
    json_array_foreach (records, i, record) {
        if (i) {
            ds_put_char(&out, '\n');
        }
        for (j = 0; j < n; j++) {
            ds_put_format(&out, "%-20s: ", columns[j]);
            db_put_value(&out, json_object_get(record, columns[j]));
            ds_put_char(&out, '\n');
        }
    }
    fputs(ds_cstr(&out), stdout);
    ds_destroy(&out);
    free(columns);
}

/* Chainable commands: what each one calls, and how it prints. */
struct ctl_txn_command {
    const char *name;
    /* Appends the calls that run the command with its 'argc' arguments
     * (argv[0] is its name) to 'ops', a JSON array of {"method", "params"}
     * objects.  Exits with a message if an argument is wrong. */
    void (*build)(struct ctl_context *, int argc, char *argv[],
                  json_t *ops);
    /* Prints the command's output from 'results', the results of its
     * calls in order (borrowed). */
    void (*print)(struct ctl_context *, int argc, char *argv[],
                  json_t *results);
};

static const struct ctl_txn_command ctl_txn_commands[] = {
    {"add-br", build_add_br, ctl_print_quiet},
    {"del-br", build_del_br, ctl_print_quiet},
    {"list-br", build_list_br, print_string_list},
    {"add-port", build_add_port, print_add_port},
    {"del-port", build_del_port, ctl_print_quiet},
    {"set-port", build_set_port, ctl_print_quiet},
    {"list-ports", build_list_ports, print_string_list},
    {"set", ctl_build_set, ctl_print_quiet},
    {"get", ctl_build_get, ctl_print_get},
    {"remove", ctl_build_remove, ctl_print_quiet},
    {"clear", ctl_build_clear, ctl_print_quiet},
    {"find", ctl_build_find, ctl_print_find},
};

static const struct ctl_txn_command *
ctl_find_txn_command(const char *name)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(ctl_txn_commands); i++) {
        if (!strcmp(ctl_txn_commands[i].name, name)) {
            return &ctl_txn_commands[i];
        }
    }
    return NULL;
}

/* One command of a chain, with the per-command options given before
 * it. */
struct ctl_chain_entry {
    const struct ctl_txn_command *cmd;
    int argc;
    char **argv;
    bool may_exist, if_exists;
    char *columns;              /* Borrowed from argv. */
    size_t first_op, n_ops;     /* Its calls in the transaction. */
};

/* Exits with the message of 'error', the failure of a "transact" for the
 * 'n' commands in 'entries' (none for a single command).  The daemon names
 * the operation that failed ("operation 3 (port.add): ..."); this names
 * the command instead, which is what the user wrote. */
static void NFVS_NO_RETURN
ctl_txn_failed(const json_t *error, const struct ctl_chain_entry *entries,
               size_t n)
{
    const char *msg = json_string_value(json_object_get(error, "message"));
    json_int_t op = json_integer_value(
        json_object_get(json_object_get(error, "data"), "operation"));
    const char *detail = msg ? strstr(msg, "): ") : NULL;
    size_t i;
    int j;

    if (!msg) {
        nfvs_fatal(0, "daemon returned a malformed error");
    }
    if (op < 1 || !detail) {
        nfvs_fatal(0, "%s", msg);
    }
    detail += 3;
    for (i = 0; i < n; i++) {
        const struct ctl_chain_entry *e = &entries[i];
        size_t k = op - 1;

        if (k >= e->first_op && k < e->first_op + e->n_ops) {
            struct ds cmd = DS_EMPTY_INITIALIZER;

            for (j = 0; j < e->argc; j++) {
                ds_put_format(&cmd, "%s%s", j ? " " : "", e->argv[j]);
            }
            nfvs_fatal(0, "command %zu (%s): %s", i + 1, ds_cstr(&cmd),
                       detail);
        }
    }
    nfvs_fatal(0, "%s", detail);
}

/* Runs the calls in 'ops' (a JSON array, ownership taken): one call
 * directly, more as one "transact".  Returns their results as an array
 * (caller decrefs).  On failure exits with the daemon's message, naming
 * the failed command among the 'n' of a chain in 'entries' (NULL for a
 * single command). */
static json_t *
ctl_run_ops(struct ctl_context *ctx, json_t *ops,
            const struct ctl_chain_entry *entries, size_t n)
{
    json_t *results;

    if (json_array_size(ops) == 1) {
        json_t *op = json_array_get(ops, 0);

        results = json_pack("[o]", ctl_call(
                                ctx, json_string_value(
                                    json_object_get(op, "method")),
                                json_incref(json_object_get(op,
                                                            "params"))));
    } else {
        json_t *result, *error;
        int retval;

        if (!ctx->client) {
            json_decref(ctl_call(ctx, "version", NULL));
        }
        retval = rpc_client_call(ctx->client, "transact",
                                 json_pack("{s:O}", "operations", ops),
                                 &result, &error);
        if (retval) {
            ctl_call_failed(ctx, retval);
        }
        if (error) {
            ctl_txn_failed(error, entries, n);
        }
        results = json_incref(json_object_get(result, "results"));
        json_decref(result);
    }
    json_decref(ops);
    return results;
}

/* Runs a chainable command alone. */
static int
cmd_txn(struct ctl_context *ctx, int argc, char *argv[])
{
    const struct ctl_txn_command *cmd = ctl_find_txn_command(argv[0]);
    json_t *ops = json_array();
    json_t *results;

    cmd->build(ctx, argc, argv, ops);
    results = ctl_run_ops(ctx, ops, NULL, 0);
    cmd->print(ctx, argc, argv, results);
    json_decref(results);
    return 0;
}

/* Parses the options that may come before a command after "--", from
 * 'argv[*ip]' on, into 'e'; advances '*ip' past them. */
static void
ctl_chain_parse_options(int argc, char *argv[], int *ip,
                        struct ctl_chain_entry *e)
{
    for (; *ip < argc && argv[*ip][0] == '-'; (*ip)++) {
        const char *opt = argv[*ip];

        if (!strcmp(opt, "--may-exist")) {
            e->may_exist = true;
        } else if (!strcmp(opt, "--if-exists")) {
            e->if_exists = true;
        } else if (!strncmp(opt, "--columns=", 10)) {
            e->columns = (char *) opt + 10;
        } else {
            nfvs_fatal(0, "%s: option not allowed after \"--\" (only "
                       "--may-exist, --if-exists and --columns=COLUMNS "
                       "apply to one command)", opt);
        }
    }
}

/* Checks the number of arguments of 'cmd' given 'argc - 1' of them. */
static void
ctl_check_n_args(const struct ctl_command *cmd, int n_args)
{
    if (n_args < cmd->min_args) {
        nfvs_fatal(0, "'%s' command requires at least %d argument%s "
                   "(usage: %s %s)", cmd->name, cmd->min_args,
                   cmd->min_args == 1 ? "" : "s", cmd->name, cmd->usage);
    } else if (n_args > cmd->max_args) {
        nfvs_fatal(0, "'%s' command takes at most %d argument%s "
                   "(usage: %s %s)", cmd->name, cmd->max_args,
                   cmd->max_args == 1 ? "" : "s", cmd->name, cmd->usage);
    }
}

static const struct ctl_command *ctl_find_command(const char *name);

/* Runs the commands 'argv[first]' to 'argv[argc - 1]', separated by "--",
 * as one transaction, as ovs-vsctl does: every command is parsed before
 * anything is sent, so that a bad one changes nothing; then each one's
 * output is printed in order.  The first command's options are the
 * global ones in 'ctx'; the others' come right after their "--".  With
 * --format=json prints one JSON array with each command's result (an
 * array of results for a command of several calls, such as "set" of two
 * columns). */
static int
ctl_run_chain(struct ctl_context *ctx, int argc, char *argv[], int first)
{
    struct ctl_chain_entry *entries = xcalloc(argc, sizeof *entries);
    json_t *ops = json_array();
    json_t *results, *json_out;
    size_t i, n = 0;
    int start = first;

    while (start <= argc) {
        struct ctl_chain_entry *e = &entries[n];
        const struct ctl_command *cmd;
        int i_arg = start, end;

        for (end = start; end < argc && strcmp(argv[end], "--"); end++) {
            continue;
        }
        if (start == first) {
            e->may_exist = ctx->may_exist;
            e->if_exists = ctx->if_exists;
            e->columns = ctx->columns;
        } else {
            ctl_chain_parse_options(end, argv, &i_arg, e);
        }
        if (i_arg == end) {
            if (start != first) {
                nfvs_fatal(0, "missing command name after \"--\"");
            }
        } else {
            cmd = ctl_find_command(argv[i_arg]);
            if (!cmd) {
                nfvs_fatal(0, "unknown command '%s'; use --help for help",
                           argv[i_arg]);
            }
            e->cmd = ctl_find_txn_command(cmd->name);
            if (!e->cmd) {
                nfvs_fatal(0, "'%s' command cannot be combined with others "
                           "with \"--\"", cmd->name);
            }
            ctl_check_n_args(cmd, end - i_arg - 1);
            e->argc = end - i_arg;
            e->argv = &argv[i_arg];
            ctx->may_exist = e->may_exist;
            ctx->if_exists = e->if_exists;
            ctx->columns = e->columns;
            e->first_op = json_array_size(ops);
            e->cmd->build(ctx, e->argc, e->argv, ops);
            e->n_ops = json_array_size(ops) - e->first_op;
            n++;
        }
        start = end + 1;
    }
    if (!n) {
        nfvs_fatal(0, "missing command name (use --help for help)");
    }

    results = ctl_run_ops(ctx, ops, entries, n);
    json_out = json_array();
    for (i = 0; i < n; i++) {
        struct ctl_chain_entry *e = &entries[i];
        json_t *mine = json_array();
        size_t j;

        for (j = 0; j < e->n_ops; j++) {
            json_array_append(mine, json_array_get(results,
                                                   e->first_op + j));
        }
        if (ctx->format == FMT_JSON) {
            json_array_append(json_out, (e->n_ops == 1
                                         ? json_array_get(mine, 0) : mine));
        } else {
            ctx->may_exist = e->may_exist;
            ctx->if_exists = e->if_exists;
            ctx->columns = e->columns;
            e->cmd->print(ctx, e->argc, e->argv, mine);
        }
        json_decref(mine);
    }
    if (ctx->format == FMT_JSON) {
        print_json(json_out);
    }
    json_decref(json_out);
    json_decref(results);
    free(entries);
    return 0;
}

/* Event kinds "monitor" knows; see docs/rpc.md. */
static const char *const monitor_kinds[] = {
    "bridge", "port", "link", "flow", "conntrack", "group",
};

static bool
is_monitor_kind(const char *s)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(monitor_kinds); i++) {
        if (!strcmp(s, monitor_kinds[i])) {
            return true;
        }
    }
    return false;
}

static const char *
get_str(const json_t *obj, const char *name)
{
    const char *s = json_string_value(json_object_get(obj, name));

    return s ? s : "?";
}

/* Prints the "ofport" member of 'event' as " ofport=N". */
static void
print_event_ofport(const json_t *event)
{
    const json_t *ofport = json_object_get(event, "ofport");

    if (json_is_integer(ofport)) {
        printf(" ofport=%"JSON_INTEGER_FORMAT, json_integer_value(ofport));
    } else if (json_is_string(ofport)) {
        printf(" ofport=%s", json_string_value(ofport));
    }
}

/* Prints 'event', the params of an "event" notification, as one line. */
static void
print_event(const json_t *event)
{
    const char *kind = get_str(event, "kind");

    if (!strcmp(kind, "gap")) {
        printf("gap: %"JSON_INTEGER_FORMAT" events dropped (resync with "
               "dump-flows)\n",
               json_integer_value(json_object_get(event, "dropped")));
    } else if (!strcmp(kind, "bridge")) {
        printf("bridge %s %s\n", get_str(event, "event"),
               get_str(event, "bridge"));
    } else if (!strcmp(kind, "port") || !strcmp(kind, "link")) {
        printf("%s %s %s %s", kind, get_str(event, "event"),
               get_str(event, "bridge"), get_str(event, "port"));
        print_event_ofport(event);
        if (json_object_get(event, "type")) {
            printf(" type=%s", get_str(event, "type"));
        }
        putchar('\n');
    } else if (!strcmp(kind, "flow")) {
        const char *match = get_str(event, "match");

        printf("flow %s %s seq=%"JSON_INTEGER_FORMAT" table=%"
               JSON_INTEGER_FORMAT" cookie=%s priority=%"JSON_INTEGER_FORMAT
               "%s%s actions=%s", get_str(event, "event"),
               get_str(event, "bridge"),
               json_integer_value(json_object_get(event, "seq")),
               json_integer_value(json_object_get(event, "table")),
               get_str(event, "cookie"),
               json_integer_value(json_object_get(event, "priority")),
               match[0] ? "," : "", match, get_str(event, "actions"));
        if (json_object_get(event, "reason")) {
            printf(" reason=%s", get_str(event, "reason"));
        }
        putchar('\n');
    } else if (!strcmp(kind, "conntrack")) {
        printf("conntrack %s %s %s\n", get_str(event, "event"),
               get_str(event, "bridge"), get_str(event, "connection"));
    } else if (!strcmp(kind, "group")) {
        printf("group %s %s group_id=%"JSON_INTEGER_FORMAT"%s%s\n",
               get_str(event, "event"), get_str(event, "bridge"),
               json_integer_value(json_object_get(event, "group_id")),
               json_object_get(event, "group") ? " " : "",
               (json_object_get(event, "group")
                ? get_str(event, "group") : ""));
    } else {
        char *s = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER);

        printf("%s\n", s);
        free(s);
    }
}

static int
cmd_monitor(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = json_object();
    json_t *result, *kinds = NULL;
    int i;

    for (i = 1; i < argc; i++) {
        if (i == 1 && !is_monitor_kind(argv[i])) {
            json_object_set_new(params, "bridge", json_string(argv[i]));
        } else {
            if (!kinds) {
                kinds = json_array();
                json_object_set_new(params, "kinds", kinds);
            }
            json_array_append_new(kinds, json_string(argv[i]));
        }
    }
    result = ctl_call(ctx, "monitor", params);

    /* The subscription is in place: say so on stderr, so that whoever
     * waits for it knows that later changes will be reported. */
    kinds = json_object_get(result, "kinds");
    fprintf(stderr, "%s: monitoring", nfvs_program_name());
    for (i = 0; i < (int) json_array_size(kinds); i++) {
        fprintf(stderr, "%s%s", i ? ", " : " ",
                json_string_value(json_array_get(kinds, i)));
    }
    if (json_object_get(result, "bridge")) {
        fprintf(stderr, " events of bridge %s",
                get_str(result, "bridge"));
    } else {
        fprintf(stderr, " events");
    }
    fprintf(stderr, "\n");
    json_decref(result);

    rpc_client_set_timeout(ctx->client, 0);
    for (;;) {
        json_t *msg, *event;
        int retval;

        fflush(stdout);
        retval = rpc_client_recv_notification(ctx->client, &msg);
        if (retval == EPIPE) {
            nfvs_fatal(0, "nfvs-vswitchd at %s closed the connection",
                       ctx->socket);
        } else if (retval) {
            ctl_call_failed(ctx, retval);
        }
        if (!json_object_get(msg, "method")) {
            nfvs_fatal(0, "%s", get_str(json_object_get(msg, "error"),
                                        "message"));
        }
        event = json_object_get(msg, "params");
        if (!strcmp(get_str(msg, "method"), "event")
            && json_is_object(event)) {
            if (ctx->format == FMT_JSON) {
                char *s = json_dumps(event, JSON_COMPACT
                                     | JSON_PRESERVE_ORDER);

                printf("%s\n", s);
                free(s);
            } else {
                print_event(event);
            }
        }
        json_decref(msg);
    }
}

/* Groups. */

/* Adds to 'params' the group id of 'arg' ("N", "group_id=N" or
 * "group_id=all"), if it names one group. */
static void
put_group_id(json_t *params, const char *arg)
{
    const char *v = !strncmp(arg, "group_id=", 9) ? arg + 9 : arg;
    unsigned long long int id;
    char *end;

    if (!strcmp(v, "all")) {
        return;
    }
    errno = 0;
    id = strtoull(v, &end, 0);
    if (!*v || *end || errno || id > 0xffffff00ULL) {
        nfvs_fatal(0, "%s: not a group id (N, group_id=N or group_id=all)",
                   arg);
    }
    json_object_set_new(params, "group_id", json_integer(id));
}

static int
cmd_add_group(struct ctl_context *ctx, int argc, char *argv[])
{
    return ctl_call_quiet(ctx, !strcmp(argv[0], "mod-group")
                          ? "group.mod" : "group.add",
                          json_pack("{s:s, s:[s]}", "bridge", argv[1],
                                    "groups", argv[2]));
}

static int
cmd_add_groups(struct ctl_context *ctx, int argc, char *argv[])
{
    const char *file = strcmp(argv[2], "-") ? argv[2] : "(stdin)";
    int *linenos;
    json_t *groups = read_flow_file(argv[2], &linenos);
    size_t n = json_array_size(groups);
    json_t *result, *error;
    int retval;

    if (!ctx->client) {
        json_decref(ctl_call(ctx, "version", NULL));
    }
    retval = rpc_client_call(ctx->client, "group.add",
                             json_pack("{s:s, s:o}", "bridge", argv[1],
                                       "groups", groups),
                             &result, &error);
    if (retval) {
        ctl_call_failed(ctx, retval);
    }
    if (error) {
        const char *msg = json_string_value(json_object_get(error,
                                                            "message"));
        unsigned int i;
        int ofs = 0;

        msg = msg ? msg : "daemon returned a malformed error";
        if (sscanf(msg, "group %u: %n", &i, &ofs) == 1 && ofs
            && i >= 1 && i <= n) {
            nfvs_fatal(0, "%s:%d: %s", file, linenos[i - 1], msg + ofs);
        } else if (n == 1) {
            nfvs_fatal(0, "%s:%d: %s", file, linenos[0], msg);
        }
        nfvs_fatal(0, "%s", msg);
    }
    free(linenos);
    if (ctx->format == FMT_JSON) {
        print_json(result);
    }
    json_decref(result);
    return 0;
}

static int
cmd_del_groups(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = json_pack("{s:s}", "bridge", argv[1]);

    if (argc > 2) {
        put_group_id(params, argv[2]);
    }
    return ctl_call_quiet(ctx, "group.del", params);
}

static int
cmd_dump_groups(struct ctl_context *ctx, int argc, char *argv[])
{
    bool stats = !strcmp(argv[0], "dump-group-stats");
    json_t *params = json_pack("{s:s}", "bridge", argv[1]);
    json_t *result, *item;
    size_t i;

    if (argc > 2) {
        put_group_id(params, argv[2]);
    }
    if (!stats) {
        json_object_set_new(params, "names", json_boolean(ctx->names));
        json_object_set_new(params, "full",
                            json_boolean(ctx->format == FMT_JSON));
    }
    result = ctl_call(ctx, stats ? "group.stats" : "group.dump", params);
    if (ctx->format == FMT_JSON) {
        print_json(result);
    } else {
        json_array_foreach (json_object_get(result,
                                            stats ? "stats" : "groups"),
                            i, item) {
            printf(" %s\n", json_string_value(stats
                                               ? json_object_get(item, "line")
                                               : item));
        }
    }
    json_decref(result);
    return 0;
}

/* Meters. */

static int
cmd_add_meter(struct ctl_context *ctx, int argc, char *argv[])
{
    return ctl_call_quiet(ctx, "meter.add",
                          json_pack("{s:s, s:[s]}", "bridge", argv[1],
                                    "meters", argv[2]));
}

static int
cmd_mod_meter(struct ctl_context *ctx, int argc, char *argv[])
{
    return ctl_call_quiet(ctx, "meter.mod",
                          json_pack("{s:s, s:[s]}", "bridge", argv[1],
                                    "meters", argv[2]));
}

/* The params of a method on BRIDGE (argv[1]) and optional "meter=N". */
static json_t *
meter_id_params(int argc, char *argv[])
{
    json_t *params = json_pack("{s:s}", "bridge", argv[1]);
    uint32_t id = OFPM_ALL;

    if (argc > 2) {
        char *error = ofp_meter_parse_id(argv[2], &id);

        if (error) {
            nfvs_fatal(0, "%s", error);
        }
    }
    if (id != OFPM_ALL) {
        json_object_set_new(params, "meter_id", json_integer(id));
    }
    return params;
}

static int
cmd_del_meter(struct ctl_context *ctx, int argc, char *argv[])
{
    return ctl_call_quiet(ctx, "meter.del", meter_id_params(argc, argv));
}

/* Prints the "text" of each meter of 'result', a blank line between
 * two, as ovs-ofctl does. */
static void
print_meter_texts(struct ctl_context *ctx, json_t *result)
{
    json_t *meter;
    size_t i;

    if (ctx->format == FMT_JSON) {
        print_json(result);
        return;
    }
    json_array_foreach (json_object_get(result, "meters"), i, meter) {
        printf("%s%s\n", i ? "\n" : "",
               json_string_value(json_object_get(meter, "text")));
    }
}

static int
cmd_dump_meters(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call(ctx, "meter.dump",
                              meter_id_params(argc, argv));

    print_meter_texts(ctx, result);
    json_decref(result);
    return 0;
}

static int
cmd_meter_stats(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call(ctx, "meter.stats",
                              meter_id_params(argc, argv));

    print_meter_texts(ctx, result);
    json_decref(result);
    return 0;
}

/* Sections of the man page's command list. */
#define SEC_BRIDGE "BRIDGE AND PORT COMMANDS"
#define SEC_FLOW "FLOW COMMANDS"
#define SEC_DB "DATABASE COMMANDS"
#define SEC_CT "CONNECTION TRACKING COMMANDS"
#define SEC_DP "DATAPATH AND OTHER COMMANDS"
#define SEC_METER "METER COMMANDS"
#define SEC_GROUP "GROUP COMMANDS"

static const struct ctl_command commands[] = {
    {"show", 0, 0, "[--stats]", cmd_show,
     SEC_BRIDGE,
     "Print every bridge with its ports, their external_ids and other_config "
     "and, with --stats, their counters, link state and admin state. A "
     "bridge or port that is not up has an \"error:\" line saying why; the "
     "daemon retries it every second."},
    {"add-br", 1, 1, "BRIDGE", cmd_txn,
     SEC_BRIDGE,
     "Add a bridge, with a local port of the same name. Fails, changing "
     "nothing, if its datapath or local device cannot be created (a name "
     "taken by another device)."},
    {"del-br", 1, 1, "BRIDGE", cmd_txn,
     SEC_BRIDGE,
     "Delete a bridge with its ports and flows."},
    {"list-br", 0, 0, "", cmd_txn,
     SEC_BRIDGE,
     "Print the bridges' names, one a line."},
    {"add-port", 2, 4, "BRIDGE PORT [type=system|internal|dummy] "
     "[ofport=N]", cmd_txn,
     SEC_BRIDGE,
     "Add a port: system (an existing device, the default), internal (a "
     "device the switch creates) or dummy (in memory, for tests), with "
     "OpenFlow port number N (default: the lowest free one). Fails, changing "
     "nothing, if the port's device cannot be created or opened; a system "
     "port whose device does not exist yet is added with a warning, as in "
     "Open vSwitch, and joins once the device appears."},
    {"del-port", 1, 2, "[BRIDGE] PORT", cmd_txn,
     SEC_BRIDGE,
     "Delete a port."},
    {"list-ports", 1, 1, "BRIDGE", cmd_txn,
     SEC_BRIDGE,
     "Print the ports of BRIDGE, one a line."},
    {"set-port", 3, 4, "BRIDGE PORT [tag=VLAN] [trunks=VLAN,...]",
     cmd_txn,
     SEC_BRIDGE,
     "Make PORT an access port of VLAN (tag=VLAN; tag= for none) or a trunk "
     "of the listed VLANs."},
    {"dump-ports", 1, 2, "BRIDGE [PORT]", cmd_dump_ports,
     SEC_BRIDGE,
     "Print the counters of every port of BRIDGE, or of PORT (a name, an "
     "OpenFlow port number or LOCAL), in the layout of ovs-ofctl "
     "dump-ports: received and sent packets, bytes, drops and errors, then "
     "the port's link state (carrier) and admin state (IFF_UP). Counters "
     "the datapath does not keep print as ? (the kernel datapath has no "
     "error counters; frame, overrun, CRC and collision counts are never "
     "kept). With --format=json each port is an object with numbers; a "
     "counter that is not kept is left out."},
    {"set", 3, INT_MAX, "TABLE RECORD COLUMN:KEY=VALUE|COLUMN={KEY=VALUE,"
     "...}...", cmd_txn,
     SEC_DB,
     "Set keys of the map COLUMN (external_ids or other_config) of RECORD, "
     "a bridge (TABLE Bridge) or a port (Port, or Interface, another name "
     "of Port here); or, with COLUMN={...}, make it exactly that. A key or "
     "value that is not a plain word is written in double quotes, as a "
     "JSON string, as in ovs-vsctl."},
    {"get", 3, 3, "TABLE RECORD COLUMN[:KEY]", cmd_txn,
     SEC_DB,
     "Print a map ({iface-id=abc, k=\"v w\"}) or a key's value, quoted as "
     "ovs-vsctl quotes it; a missing key is an error."},
    {"remove", 4, INT_MAX, "TABLE RECORD COLUMN KEY...", cmd_txn,
     SEC_DB,
     "Remove keys from a map (missing ones are ignored)."},
    {"clear", 3, 3, "TABLE RECORD COLUMN", cmd_txn,
     SEC_DB,
     "Empty a map."},
    {"find", 1, INT_MAX, "[--columns=COLUMN,...] TABLE "
     "[COLUMN:KEY=VALUE|name=NAME]...", cmd_txn,
     SEC_DB,
     "Print the records that meet every condition, as ovs-vsctl list does, "
     "with the columns name, external_ids and other_config, or those of "
     "--columns."},
    {"add-flow", 2, 2, "BRIDGE FLOW", cmd_add_flow,
     SEC_FLOW,
     "Add a flow."},
    {"add-flows", 2, 2, "BRIDGE FILE|-", cmd_add_flows,
     SEC_FLOW,
     "Add the flows in FILE (one a line; - reads standard input), all or "
     "none."},
    {"mod-flows", 2, 2, "[--strict] BRIDGE FLOW", cmd_mod_flows,
     SEC_FLOW,
     "Change the actions of the matching flows."},
    {"del-flows", 1, 2, "[--strict] BRIDGE [MATCH]", cmd_del_flows,
     SEC_FLOW,
     "Delete the matching flows, or all."},
    {"replace-flows", 2, 2, "BRIDGE FILE|-", cmd_replace_flows,
     SEC_FLOW,
     "Make the flows of BRIDGE exactly those in FILE, changing only what "
     "differs."},
    {"dump-flows", 1, 2, "[--no-stats] [--names] BRIDGE [MATCH]",
     cmd_dump_flows,
     SEC_FLOW,
     "Print the flows; with --names, ports that have a name by name, as "
     "ovs-ofctl --names prints them."},
    {"trace", 2, 2, "[--generate] BRIDGE FLOW", cmd_trace,
     SEC_FLOW,
     "Show how a packet would go through the flow tables, and the datapath "
     "actions it would get."},
    {"inject", 3, 3, "BRIDGE PORT HEX", cmd_inject,
     SEC_DP,
     "Send a packet, given in hexadecimal, into dummy port PORT."},
    {"set-link", 3, 3, "BRIDGE PORT up|down", cmd_set_link,
     SEC_DP,
     "Set the link (carrier) of dummy port PORT up or down; a dummy port "
     "whose link is down drops what it would send or receive. The link of "
     "a system or internal port is its device's."},
    {"dump-dp-flows", 0, 1, "[BRIDGE]", cmd_dump_dp_flows,
     SEC_DP,
     "Print the exact-match flows the datapath caches."},
    {"stats", 0, 1, "[BRIDGE]", cmd_stats,
     SEC_DP,
     "Print datapath statistics: hits, misses, lost upcalls, flows, upcall "
     "handling and revalidation."},
    {"dump-conntrack", 1, 2, "BRIDGE [zone=N]", cmd_dump_conntrack,
     SEC_CT,
     "Print the tracked connections, of every zone or of zone N, as "
     "ovs-appctl dpctl/dump-conntrack does."},
    {"flush-conntrack", 1, 3, "BRIDGE [zone=N] [TUPLE]",
     cmd_flush_conntrack,
     SEC_CT,
     "Remove the connections of zone N (every zone if left out) whose "
     "original or reply tuple is TUPLE (any if left out), with the datapath "
     "flows cached for them. TUPLE is in OVS's ct-tuple syntax, e.g. "
     "ct_nw_src=10.0.0.1,ct_nw_proto=17,ct_tp_dst=53."},
    {"ct-stats", 1, 1, "BRIDGE", cmd_ct_stats,
     SEC_CT,
     "Print connection tracking counters: connections by protocol and TCP "
     "state, commits, expiries, limit drops and invalid packets by reason."},
    {"ct-timeouts", 1, 1, "BRIDGE", cmd_ct_timeouts,
     SEC_CT,
     "Print the connection timeouts in seconds, one NAME=SECONDS a line."},
    {"ct-set-timeout", 3, 3, "BRIDGE NAME SECONDS", cmd_ct_set_timeout,
     SEC_CT,
     "Set timeout NAME (as ct-timeouts prints it, or Linux's sysctl name) to "
     "SECONDS."},
    {"ct-set-limit", 2, 3, "BRIDGE [zone=N] LIMIT", cmd_ct_set_limit,
     SEC_CT,
     "Set the connection limit of the table, or of zone N (0: the default "
     "zone limit)."},
    {"ct-set-checksum", 2, 2, "BRIDGE on|off", cmd_ct_set_checksum,
     SEC_CT,
     "Turn the tracker's checksum verification on or off, as Linux's "
     "nf_conntrack_checksum sysctl does."},
    {"set-log", 1, 3, "MODULE [DESTINATION] LEVEL", cmd_set_log,
     SEC_DP,
     "Set a log level of the daemon, as its -v option does."},
    {"list-log", 0, 0, "", cmd_list_log,
     SEC_DP,
     "Print the daemon's log levels."},
    {"version", 0, 0, "", cmd_version,
     SEC_DP,
     "Print nfvs-ctl's version and the daemon's; with --format=json also "
     "the daemon's API version and methods."},
    {"monitor", 0, 7, "[BRIDGE] [bridge|port|link|flow|conntrack|group...]",
     cmd_monitor,
     SEC_DP,
     "Print events as they happen, one a line, until interrupted: bridges "
     "and ports added and removed, port links going up and down, flows "
     "added, modified and removed (with the bridge's flow change count seq, "
     "which dump-flows --format=json also gives) and, only when asked for, "
     "connections committed and destroyed by connection tracking and "
     "groups added, modified and removed. The "
     "default kinds are all but conntrack and group; a first argument that "
     "is not a "
     "kind names the only bridge to watch. Once the daemon has accepted "
     "the subscription, \"nfvs-ctl: monitoring ...\" goes to standard "
     "error. Events the daemon had to drop (not read fast enough, or longer "
     "than its --max-answer-size) are replaced by a line \"gap: N events "
     "dropped\"; resynchronise with dump-flows. With --format=json, one JSON "
     "object a line, as docs/rpc.md describes."},

    /* Groups. */
    {"add-group", 2, 2, "BRIDGE GROUP", cmd_add_group,
     SEC_GROUP,
     "Add a group, in ovs-ofctl's syntax: group_id=ID, type=all, select, "
     "indirect or fast_failover, for select groups selection_method=hash "
     "and fields(FIELD,...), then one bucket=[bucket_id:N,] [weight:W,] "
     "[watch_port:P,] [watch_group:G,] actions=ACTIONS per bucket, all "
     "separated by commas (see docs/flow-syntax.md). Flows use it with the "
     "action group:ID."},
    {"add-groups", 2, 2, "BRIDGE FILE|-", cmd_add_groups,
     SEC_GROUP,
     "Add the groups in FILE (one a line; - reads standard input), all or "
     "none."},
    {"mod-group", 2, 2, "BRIDGE GROUP", cmd_add_group,
     SEC_GROUP,
     "Replace the buckets (and type) of an existing group; the flows that "
     "use it are translated again at once."},
    {"del-groups", 1, 2, "BRIDGE [group_id=ID]", cmd_del_groups,
     SEC_GROUP,
     "Delete group ID, or every group, and the flows that use it, as "
     "Open vSwitch does."},
    {"del-group", 1, 2, "BRIDGE [group_id=ID]", cmd_del_groups,
     SEC_GROUP,
     "The same as del-groups."},
    {"dump-groups", 1, 2, "[--names] BRIDGE [ID]", cmd_dump_groups,
     SEC_GROUP,
     "Print the groups, or group ID, as ovs-ofctl -O OpenFlow13 dump-groups "
     "prints them (no bucket ids or selection method; --format=json gives "
     "each group in full, as add-group takes it)."},
    {"dump-group-stats", 1, 2, "BRIDGE [ID]", cmd_dump_groups,
     SEC_GROUP,
     "Print the counters of the groups, or of group ID, as ovs-ofctl "
     "dump-group-stats does: flows using it (ref_count), packets and bytes "
     "of the group and of each bucket, as of the last statistics pass."},

    /* Meters. */
    {"add-meter", 2, 2, "BRIDGE METER", cmd_add_meter,
     SEC_METER,
     "Add a meter, written as ovs-ofctl add-meter takes it: meter=N, "
     "kbps or pktps, optionally burst and stats, then one band of "
     "type drop with its rate and optional burst_size. Rates are in "
     "kbit/s or packets/s, burst sizes in kbit or packets (default: one "
     "second of the rate). A flow uses it with the action meter:N, first "
     "in its actions."},
    {"mod-meter", 2, 2, "BRIDGE METER", cmd_mod_meter,
     SEC_METER,
     "Replace the configuration of an existing meter (its counters stay)."},
    {"del-meter", 1, 2, "BRIDGE [meter=N]", cmd_del_meter,
     SEC_METER,
     "Delete meter N, or every meter, and the flows that use it, as Open "
     "vSwitch does."},
    {"dump-meters", 1, 2, "BRIDGE [meter=N]", cmd_dump_meters,
     SEC_METER,
     "Print the meters as ovs-ofctl -O OpenFlow13 dump-meters prints them."},
    {"meter-stats", 1, 2, "BRIDGE [meter=N]", cmd_meter_stats,
     SEC_METER,
     "Print the meters' counters as ovs-ofctl -O OpenFlow13 meter-stats "
     "does: flows using the meter, packets and bytes that reached it, and "
     "what its drop band dropped."},
};

static void NFVS_NO_RETURN
usage(void)
{
    size_t i;

    printf("%s: control utility for nfvs-vswitchd\n"
           "usage: %s [OPTIONS] COMMAND [ARG...] [-- [OPTIONS] COMMAND "
           "[ARG...]]...\n\nCommands:\n",
           nfvs_program_name(), nfvs_program_name());
    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        printf("  %s %s\n", commands[i].name, commands[i].usage);
    }
    printf("\nOptions:\n"
           "  --socket=REMOTE      daemon socket: PATH or ssl:IP:PORT "
           "(default:\n"
           "                       $NFVS_RUNDIR/nfvs-vswitchd.sock)\n"
           "  --private-key=FILE   TLS: our private key (PEM)\n"
           "  --certificate=FILE   TLS: our certificate (PEM)\n"
           "  --ca-cert=FILE       TLS: the CA that must sign the "
           "daemon's certificate\n"
           "  --timeout=SECS       give up after SECS seconds "
           "(default: %d; 0: wait\n"
           "                       forever)\n"
           "  --format=text|json   output format (default: text)\n"
           "  --may-exist          add-br/add-port: no error if present\n"
           "  --if-exists          del-br/del-port/set/get/remove/clear: no "
           "error if\n"
           "                       absent\n"
           "  --columns=COL,...    find: the columns to print\n"
           "  --strict             mod-flows/del-flows: match priority "
           "and match exactly\n"
           "  --no-stats           dump-flows: omit counters and times\n"
           "  --names              dump-flows: print ports by name\n"
           "  --generate           trace: let NORMAL learn, as a real "
           "packet would\n"
           "  --stats              show: add port counters and states\n"
           "  -h, --help           print this help and exit\n"
           "  -V, --version        print the version and exit\n",
           CTL_TIMEOUT_DEFAULT);
    exit(0);
}

/* Prints the command table for the build, which generates the man page's
 * command sections and the bash completion from it
 * (utilities/ctl-commands.awk): one line per command, "NAME<TAB>USAGE
 * <TAB>SECTION<TAB>HELP", in table order.  Not for users; undocumented
 * in --help. */
static void NFVS_NO_RETURN
list_commands(void)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        const struct ctl_command *c = &commands[i];

        printf("%s\t%s\t%s\t%s\n", c->name, c->usage,
               c->section ? c->section : "OTHER COMMANDS",
               c->help ? c->help : "");
    }
    exit(0);
}

static void
parse_options(int argc, char *argv[], struct ctl_context *ctx)
{
    enum {
        OPT_SOCKET = UCHAR_MAX + 1,
        OPT_TIMEOUT,
        OPT_FORMAT,
        OPT_MAY_EXIST,
        OPT_IF_EXISTS,
        OPT_STRICT,
        OPT_NO_STATS,
        OPT_NAMES,
        OPT_GENERATE,
        OPT_STATS,
        OPT_PRIVATE_KEY,
        OPT_CERTIFICATE,
        OPT_CA_CERT,
        OPT_COLUMNS,
        OPT_LIST_COMMANDS,
    };
    static const struct option long_options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"may-exist", no_argument, NULL, OPT_MAY_EXIST},
        {"if-exists", no_argument, NULL, OPT_IF_EXISTS},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"no-stats", no_argument, NULL, OPT_NO_STATS},
        {"names", no_argument, NULL, OPT_NAMES},
        {"generate", no_argument, NULL, OPT_GENERATE},
        {"stats", no_argument, NULL, OPT_STATS},
        {"private-key", required_argument, NULL, OPT_PRIVATE_KEY},
        {"certificate", required_argument, NULL, OPT_CERTIFICATE},
        {"ca-cert", required_argument, NULL, OPT_CA_CERT},
        {"columns", required_argument, NULL, OPT_COLUMNS},
        {"list-commands", no_argument, NULL, OPT_LIST_COMMANDS},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *rundir = getenv("NFVS_RUNDIR");
    char *msg;

    memset(ctx, 0, sizeof *ctx);
    ctx->timeout = CTL_TIMEOUT_DEFAULT;
    for (;;) {
        int c = getopt_long(argc, argv, "hVt:", long_options, NULL);

        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_SOCKET:
            free(ctx->socket);
            ctx->socket = xstrdup(optarg);
            break;
        case 't':
        case OPT_TIMEOUT:
            if (!str_to_int(optarg, 10, &ctx->timeout)
                || ctx->timeout < 0 || ctx->timeout > INT_MAX / 1000) {
                nfvs_fatal(0, "--timeout: \"%s\" is not a number of "
                           "seconds", optarg);
            }
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "text")) {
                ctx->format = FMT_TEXT;
            } else if (!strcmp(optarg, "json")) {
                ctx->format = FMT_JSON;
            } else {
                nfvs_fatal(0, "--format: unknown format \"%s\" (use text "
                           "or json)", optarg);
            }
            break;
        case OPT_MAY_EXIST:
            ctx->may_exist = true;
            break;
        case OPT_IF_EXISTS:
            ctx->if_exists = true;
            break;
        case OPT_STRICT:
            ctx->strict = true;
            break;
        case OPT_NO_STATS:
            ctx->no_stats = true;
            break;
        case OPT_NAMES:
            ctx->names = true;
            break;
        case OPT_GENERATE:
            ctx->generate = true;
            break;
        case OPT_STATS:
            ctx->stats = true;
            break;
        case OPT_PRIVATE_KEY:
            free(ctx->private_key);
            ctx->private_key = xstrdup(optarg);
            break;
        case OPT_CERTIFICATE:
            free(ctx->certificate);
            ctx->certificate = xstrdup(optarg);
            break;
        case OPT_CA_CERT:
            free(ctx->ca_cert);
            ctx->ca_cert = xstrdup(optarg);
            break;
        case OPT_COLUMNS:
            ctx->columns = optarg;
            break;
        case OPT_LIST_COMMANDS:
            list_commands();
        case 'h':
            usage();
        case 'V':
            printf("nfvs-ctl (nfvs) %s\n", PACKAGE_VERSION);
            exit(0);
        default:
            fprintf(stderr, "Try '%s --help' for more information.\n",
                    nfvs_program_name());
            exit(1);
        }
    }
    if (!ctx->socket) {
        ctx->socket = xasprintf("%s/nfvs-vswitchd.sock",
                                rundir && rundir[0] ? rundir
                                : NFVS_RUNDIR_DEFAULT);
    }
    if (stream_ssl_set_files(ctx->private_key, ctx->certificate,
                             ctx->ca_cert, &msg)) {
        nfvs_fatal(0, "%s", msg);
    }
}

static const struct ctl_command *
ctl_find_command(const char *name)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        if (!strcmp(commands[i].name, name)) {
            return &commands[i];
        }
    }
    return NULL;
}

int
main(int argc, char *argv[])
{
    const struct ctl_command *cmd = NULL;
    struct ctl_context ctx;
    int n_args, status;
    int chain;

    nfvs_set_program_name(argv[0]);

    /* Options are parsed up to the first "--", which starts a chain of
     * commands. */
    for (chain = 1; chain < argc && strcmp(argv[chain], "--"); chain++) {
        continue;
    }
    parse_options(chain, argv, &ctx);
    if (chain < argc) {
        status = ctl_run_chain(&ctx, argc, argv, optind);
        goto out;
    }
    if (optind >= argc) {
        nfvs_fatal(0, "missing command name (use --help for help)");
    }
    cmd = ctl_find_command(argv[optind]);
    if (!cmd) {
        nfvs_fatal(0, "unknown command '%s'; use --help for help",
                   argv[optind]);
    }
    n_args = argc - optind - 1;
    ctl_check_n_args(cmd, n_args);

    status = cmd->run(&ctx, n_args + 1, &argv[optind]);
out:
    rpc_client_close(ctx.client);
    free(ctx.socket);
    free(ctx.private_key);
    free(ctx.certificate);
    free(ctx.ca_cert);
    return status;
}
