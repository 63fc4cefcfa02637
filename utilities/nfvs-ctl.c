/* nfvs-ctl: the command-line front end of nfvs-vswitchd, in the manner of
 * ovs-vsctl and ovs-ofctl.  Each command is one JSON-RPC call (see
 * docs/rpc.md); this program only parses arguments and prints results. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flow.h"
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
    char *private_key;          /* TLS: --private-key, or NULL. */
    char *certificate;          /* TLS: --certificate, or NULL. */
    char *ca_cert;              /* TLS: --ca-cert, or NULL. */
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

static int
cmd_add_br(struct ctl_context *ctx, int argc, char *argv[])
{
    return ctl_call_quiet(ctx, "bridge.add",
                          json_pack("{s:s, s:b}", "name", argv[1],
                                    "may_exist", ctx->may_exist));
}

static int
cmd_del_br(struct ctl_context *ctx, int argc, char *argv[])
{
    return ctl_call_quiet(ctx, "bridge.del",
                          json_pack("{s:s, s:b}", "name", argv[1],
                                    "if_exists", ctx->if_exists));
}

/* Prints 'list', a JSON array of strings, one per line. */
static int
print_string_list(struct ctl_context *ctx, json_t *list)
{
    json_t *value;
    size_t i;

    if (ctx->format == FMT_JSON) {
        print_json(list);
    } else {
        json_array_foreach (list, i, value) {
            puts(json_string_value(value));
        }
    }
    json_decref(list);
    return 0;
}

static int
cmd_list_br(struct ctl_context *ctx, int argc, char *argv[])
{
    return print_string_list(ctx, ctl_call(ctx, "bridge.list", NULL));
}

static int
cmd_add_port(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = json_pack("{s:s, s:s, s:b}", "bridge", argv[1],
                               "name", argv[2],
                               "may_exist", ctx->may_exist);
    json_t *result;
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

    result = ctl_call(ctx, "port.add", params);
    if (ctx->format == FMT_JSON) {
        print_json(result);
    } else if (json_is_string(json_object_get(result, "error"))) {
        /* Added, but not up (a system port whose device is missing). */
        fprintf(stderr, "nfvs-ctl: warning: port %s is not up yet: %s\n",
                argv[2],
                json_string_value(json_object_get(result, "error")));
    }
    json_decref(result);
    return 0;
}

static int
cmd_del_port(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *params = json_pack("{s:s, s:b}", "name", argv[argc - 1],
                               "if_exists", ctx->if_exists);

    if (argc == 3) {
        json_object_set_new(params, "bridge", json_string(argv[1]));
    }
    return ctl_call_quiet(ctx, "port.del", params);
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

static int
cmd_set_port(struct ctl_context *ctx, int argc, char *argv[])
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
    return ctl_call_quiet(ctx, "port.set", params);
}

static int
cmd_list_ports(struct ctl_context *ctx, int argc, char *argv[])
{
    return print_string_list(ctx, ctl_call(ctx, "port.list",
                                           json_pack("{s:s}", "bridge",
                                                     argv[1])));
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

/* Prints 'error', if it is a string, as an "error:" line of "show"
 * indented by 'indent': why a bridge or port is not up. */
static void
print_error(const char *indent, const json_t *error)
{
    if (json_is_string(error)) {
        printf("%serror: \"%s\"\n", indent, json_string_value(error));
    }
}

static int
cmd_show(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call(ctx, "show", NULL);
    json_t *bridges = json_object_get(result, "bridges");
    json_t *br, *port;
    size_t i, j;

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
                              json_pack("{s:s, s:s, s:b}", "bridge", argv[1],
                                        "flow", argv[2],
                                        "generate", ctx->generate));

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

static json_t *
dp_bridge_params(int argc, char *argv[])
{
    return argc > 1 ? json_pack("{s:s}", "bridge", argv[1]) : json_object();
}

static int
cmd_dump_dp_flows(struct ctl_context *ctx, int argc, char *argv[])
{
    json_t *result = ctl_call(ctx, "dp.flows", dp_bridge_params(argc, argv));
    json_t *bridge, *line;
    size_t i, j;

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

static const struct ctl_command commands[] = {
    {"show", 0, 0, "", cmd_show},
    {"add-br", 1, 1, "BRIDGE", cmd_add_br},
    {"del-br", 1, 1, "BRIDGE", cmd_del_br},
    {"list-br", 0, 0, "", cmd_list_br},
    {"add-port", 2, 4, "BRIDGE PORT [type=system|internal|dummy] "
     "[ofport=N]", cmd_add_port},
    {"del-port", 1, 2, "[BRIDGE] PORT", cmd_del_port},
    {"list-ports", 1, 1, "BRIDGE", cmd_list_ports},
    {"set-port", 3, 4, "BRIDGE PORT [tag=VLAN] [trunks=VLAN,...]",
     cmd_set_port},
    {"add-flow", 2, 2, "BRIDGE FLOW", cmd_add_flow},
    {"add-flows", 2, 2, "BRIDGE FILE|-", cmd_add_flows},
    {"mod-flows", 2, 2, "[--strict] BRIDGE FLOW", cmd_mod_flows},
    {"del-flows", 1, 2, "[--strict] BRIDGE [MATCH]", cmd_del_flows},
    {"replace-flows", 2, 2, "BRIDGE FILE|-", cmd_replace_flows},
    {"dump-flows", 1, 2, "[--no-stats] [--names] BRIDGE [MATCH]",
     cmd_dump_flows},
    {"trace", 2, 2, "[--generate] BRIDGE FLOW", cmd_trace},
    {"inject", 3, 3, "BRIDGE PORT HEX", cmd_inject},
    {"dump-dp-flows", 0, 1, "[BRIDGE]", cmd_dump_dp_flows},
    {"stats", 0, 1, "[BRIDGE]", cmd_stats},
    {"dump-conntrack", 1, 2, "BRIDGE [zone=N]", cmd_dump_conntrack},
    {"flush-conntrack", 1, 3, "BRIDGE [zone=N] [TUPLE]",
     cmd_flush_conntrack},
    {"ct-stats", 1, 1, "BRIDGE", cmd_ct_stats},
    {"ct-timeouts", 1, 1, "BRIDGE", cmd_ct_timeouts},
    {"ct-set-timeout", 3, 3, "BRIDGE NAME SECONDS", cmd_ct_set_timeout},
    {"ct-set-limit", 2, 3, "BRIDGE [zone=N] LIMIT", cmd_ct_set_limit},
    {"ct-set-checksum", 2, 2, "BRIDGE on|off", cmd_ct_set_checksum},
    {"set-log", 1, 3, "MODULE [DESTINATION] LEVEL", cmd_set_log},
    {"list-log", 0, 0, "", cmd_list_log},
    {"version", 0, 0, "", cmd_version},
};

static void NFVS_NO_RETURN
usage(void)
{
    size_t i;

    printf("%s: control utility for nfvs-vswitchd\n"
           "usage: %s [OPTIONS] COMMAND [ARG...]\n\nCommands:\n",
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
           "  --if-exists          del-br/del-port: no error if absent\n"
           "  --strict             mod-flows/del-flows: match priority "
           "and match exactly\n"
           "  --no-stats           dump-flows: omit counters and times\n"
           "  --names              dump-flows: print ports by name\n"
           "  --generate           trace: let NORMAL learn, as a real "
           "packet would\n"
           "  -h, --help           print this help and exit\n"
           "  -V, --version        print the version and exit\n",
           CTL_TIMEOUT_DEFAULT);
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
        OPT_PRIVATE_KEY,
        OPT_CERTIFICATE,
        OPT_CA_CERT,
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
        {"private-key", required_argument, NULL, OPT_PRIVATE_KEY},
        {"certificate", required_argument, NULL, OPT_CERTIFICATE},
        {"ca-cert", required_argument, NULL, OPT_CA_CERT},
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

int
main(int argc, char *argv[])
{
    const struct ctl_command *cmd = NULL;
    struct ctl_context ctx;
    int n_args, status;
    size_t i;

    nfvs_set_program_name(argv[0]);
    parse_options(argc, argv, &ctx);
    if (optind >= argc) {
        nfvs_fatal(0, "missing command name (use --help for help)");
    }
    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        if (!strcmp(commands[i].name, argv[optind])) {
            cmd = &commands[i];
            break;
        }
    }
    if (!cmd) {
        nfvs_fatal(0, "unknown command '%s'; use --help for help",
                   argv[optind]);
    }
    n_args = argc - optind - 1;
    if (n_args < cmd->min_args) {
        nfvs_fatal(0, "'%s' command requires at least %d argument%s "
                   "(usage: %s %s)", cmd->name, cmd->min_args,
                   cmd->min_args == 1 ? "" : "s", cmd->name, cmd->usage);
    } else if (n_args > cmd->max_args) {
        nfvs_fatal(0, "'%s' command takes at most %d argument%s "
                   "(usage: %s %s)", cmd->name, cmd->max_args,
                   cmd->max_args == 1 ? "" : "s", cmd->name, cmd->usage);
    }

    status = cmd->run(&ctx, n_args + 1, &argv[optind]);
    rpc_client_close(ctx.client);
    free(ctx.socket);
    free(ctx.private_key);
    free(ctx.certificate);
    free(ctx.ca_cert);
    return status;
}
