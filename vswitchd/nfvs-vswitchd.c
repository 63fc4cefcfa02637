/* nfvs-vswitchd: the nfvs daemon.  Parses options, becomes a daemon,
 * loads the config db and serves JSON-RPC until SIGTERM or SIGINT. */
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "daemon.h"
#include "dp-rpc.h"
#include "flow-rpc.h"
#include "ofproto-dpif.h"
#include "rpc-server.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(vswitchd);

struct options {
    char *rundir;               /* Runtime directory. */
    char *dbfile;               /* Config db. */
    char **remotes;             /* "punix:PATH", ... */
    size_t n_remotes;           /* Number of 'remotes'. */
    char *log_file;             /* Log file, or NULL. */
    char *pidfile;              /* Pidfile, or NULL. */
    bool detach;                /* Run in the background? */
    bool syslog;                /* Log to syslog as well? */
    char *datapath;             /* Datapath type. */
    unsigned int n_handlers;    /* Upcall handler threads per bridge. */
    unsigned int max_idle;      /* Datapath flow idle time, ms. */
};

static void NFVS_NO_RETURN
usage(const struct options *opts)
{
    printf("%s: nfvs virtual switch daemon\n"
           "usage: %s [OPTIONS]\n"
           "\n"
           "Options:\n"
           "  --rundir=DIR        runtime directory (default: %s)\n"
           "  --dbfile=FILE       config db (default: %s)\n"
           "  --remote=REMOTE     listen on REMOTE, e.g. punix:PATH; may be\n"
           "                      given more than once (default:\n"
           "                      punix:RUNDIR/nfvs-vswitchd.sock)\n"
           "  --log-file[=FILE]   also log to FILE (default:\n"
           "                      /var/log/nfvs/nfvs-vswitchd.log)\n"
           "  --syslog            also log to syslog\n"
           "  -v, --verbose=SPEC  set log levels: MODULE[:DEST]:LEVEL,\n"
           "                      DEST = console|syslog|file, LEVEL =\n"
           "                      off|emer|err|warn|info|dbg\n"
           "  --detach            run in the background once ready\n"
           "  --pidfile[=FILE]    write and lock a pidfile (default:\n"
           "                      RUNDIR/nfvs-vswitchd.pid)\n"
           "  --datapath=TYPE     datapath type: userspace or dummy\n"
           "                      (default: userspace)\n"
           "  --n-handlers=N      upcall handler threads per bridge\n"
           "                      (default: 1)\n"
           "  --max-idle=MS       delete datapath flows idle for MS ms\n"
           "                      (default: 10000)\n"
           "  -h, --help          print this help and exit\n"
           "  -V, --version       print the version and exit\n"
           "\n"
           "Environment: NFVS_RUNDIR, NFVS_DBDIR and NFVS_DATAPATH change\n"
           "the defaults.\n",
           nfvs_program_name(), nfvs_program_name(), opts->rundir,
           opts->dbfile);
    exit(0);
}

static const char *
env_or(const char *name, const char *dflt)
{
    const char *value = getenv(name);

    return value && value[0] ? value : dflt;
}

static void
parse_options(int argc, char *argv[], struct options *opts)
{
    enum {
        OPT_RUNDIR = UCHAR_MAX + 1,
        OPT_DBFILE,
        OPT_REMOTE,
        OPT_LOG_FILE,
        OPT_SYSLOG,
        OPT_DETACH,
        OPT_PIDFILE,
        OPT_DATAPATH,
        OPT_N_HANDLERS,
        OPT_MAX_IDLE,
    };
    static const struct option long_options[] = {
        {"rundir", required_argument, NULL, OPT_RUNDIR},
        {"dbfile", required_argument, NULL, OPT_DBFILE},
        {"remote", required_argument, NULL, OPT_REMOTE},
        {"log-file", optional_argument, NULL, OPT_LOG_FILE},
        {"syslog", no_argument, NULL, OPT_SYSLOG},
        {"verbose", optional_argument, NULL, 'v'},
        {"detach", no_argument, NULL, OPT_DETACH},
        {"pidfile", optional_argument, NULL, OPT_PIDFILE},
        {"datapath", required_argument, NULL, OPT_DATAPATH},
        {"n-handlers", required_argument, NULL, OPT_N_HANDLERS},
        {"max-idle", required_argument, NULL, OPT_MAX_IDLE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    bool want_pidfile = false;
    char *pidfile_arg = NULL;
    char *dbdir;

    memset(opts, 0, sizeof *opts);
    opts->rundir = xstrdup(env_or("NFVS_RUNDIR", NFVS_RUNDIR_DEFAULT));
    dbdir = xstrdup(env_or("NFVS_DBDIR", NFVS_DBDIR_DEFAULT));
    opts->datapath = xstrdup(env_or("NFVS_DATAPATH", "userspace"));
    opts->n_handlers = 1;
    opts->max_idle = UDPIF_DEFAULT_MAX_IDLE;

    for (;;) {
        int c = getopt_long(argc, argv, "v::hV", long_options, NULL);
        char *msg;

        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_RUNDIR:
            free(opts->rundir);
            opts->rundir = xstrdup(optarg);
            break;
        case OPT_DBFILE:
            free(opts->dbfile);
            opts->dbfile = xstrdup(optarg);
            break;
        case OPT_REMOTE:
            opts->remotes = xrealloc(opts->remotes, (opts->n_remotes + 1)
                                     * sizeof *opts->remotes);
            opts->remotes[opts->n_remotes++] = xstrdup(optarg);
            break;
        case OPT_LOG_FILE:
            free(opts->log_file);
            opts->log_file = xstrdup(optarg ? optarg
                                     : "/var/log/nfvs/nfvs-vswitchd.log");
            break;
        case OPT_SYSLOG:
            opts->syslog = true;
            break;
        case OPT_DATAPATH:
            free(opts->datapath);
            opts->datapath = xstrdup(optarg);
            break;
        case OPT_N_HANDLERS:
            if (!str_to_uint(optarg, 10, &opts->n_handlers)
                || opts->n_handlers < 1 || opts->n_handlers > 64) {
                nfvs_fatal(0, "--n-handlers: \"%s\" is not a number from "
                           "1 to 64", optarg);
            }
            break;
        case OPT_MAX_IDLE:
            if (!str_to_uint(optarg, 10, &opts->max_idle)
                || opts->max_idle < 1) {
                nfvs_fatal(0, "--max-idle: \"%s\" is not a positive "
                           "number of ms", optarg);
            }
            break;
        case 'v':
            msg = vlog_set_levels_from_string(optarg ? optarg : "dbg");
            if (msg) {
                nfvs_fatal(0, "--verbose: %s", msg);
            }
            break;
        case OPT_DETACH:
            opts->detach = true;
            break;
        case OPT_PIDFILE:
            want_pidfile = true;
            free(pidfile_arg);
            pidfile_arg = optarg ? xstrdup(optarg) : NULL;
            break;
        case 'h':
            if (!opts->dbfile) {
                opts->dbfile = xasprintf("%s/conf.json", dbdir);
            }
            usage(opts);
        case 'V':
            printf("nfvs-vswitchd (nfvs) %s\n", PACKAGE_VERSION);
            exit(0);
        default:
            fprintf(stderr, "Try '%s --help' for more information.\n",
                    nfvs_program_name());
            exit(1);
        }
    }
    if (strcmp(opts->datapath, "userspace")
        && strcmp(opts->datapath, "dummy")) {
        nfvs_fatal(0, "--datapath: unknown datapath type \"%s\" (use "
                   "userspace or dummy)", opts->datapath);
    }
    if (optind < argc) {
        nfvs_fatal(0, "unexpected argument \"%s\" (use --help for help)",
                   argv[optind]);
    }

    if (!opts->dbfile) {
        opts->dbfile = xasprintf("%s/conf.json", dbdir);
    }
    if (!opts->n_remotes) {
        opts->remotes = xmalloc(sizeof *opts->remotes);
        opts->remotes[opts->n_remotes++]
            = xasprintf("punix:%s/nfvs-vswitchd.sock", opts->rundir);
    }
    if (want_pidfile) {
        opts->pidfile = (pidfile_arg ? pidfile_arg
                         : xasprintf("%s/nfvs-vswitchd.pid", opts->rundir));
    }
    free(dbdir);
}

static void
options_uninit(struct options *opts)
{
    size_t i;

    for (i = 0; i < opts->n_remotes; i++) {
        free(opts->remotes[i]);
    }
    free(opts->remotes);
    free(opts->rundir);
    free(opts->dbfile);
    free(opts->log_file);
    free(opts->pidfile);
    free(opts->datapath);
}

static void
on_exit_signal(evutil_socket_t sig, short events NFVS_UNUSED, void *base_)
{
    struct event_base *base = base_;

    VLOG_INFO("%s received, exiting", strsignal(sig));
    event_base_loopbreak(base);
}

struct timeout_ctx {
    struct bridge_set *bridges; /* What to run timeouts for. */
    struct event *timer;        /* This timer. */
};

/* Runs flow timeouts and MAC aging, then rearms for the next deadline. */
static void
on_timeout(evutil_socket_t fd NFVS_UNUSED, short events NFVS_UNUSED,
           void *ctx_)
{
    struct timeout_ctx *ctx = ctx_;
    long long int now = time_msec();
    long long int next = bridge_set_run_timeouts(ctx->bridges, now);
    struct timeval tv = { (next - now) / 1000, (next - now) % 1000 * 1000 };

    evtimer_add(ctx->timer, &tv);
}

struct dp_run_ctx {
    struct bridge_set *bridges; /* What to run datapaths for. */
    struct event *timer;        /* This timer. */
};

/* Forwards on dummy datapaths and revalidates, then rearms. */
static void
on_dp_run(evutil_socket_t fd NFVS_UNUSED, short events NFVS_UNUSED,
          void *ctx_)
{
    struct dp_run_ctx *ctx = ctx_;
    long long int now = time_msec();
    long long int next = bridge_set_run_datapaths(ctx->bridges, now);
    long long int delay = NFVS_MAX(next - now, 1);
    struct timeval tv = { delay / 1000, delay % 1000 * 1000 };

    evtimer_add(ctx->timer, &tv);
}

/* What this daemon tells systemd (see daemon_notify()): a STATUS= line
 * whenever the set of bridges and ports changes, and WATCHDOG=1 keep-alives
 * when the unit sets WatchdogSec=.  Both run from main-loop timers, so a
 * main loop that stops turning stops the keep-alives and systemd restarts
 * the service. */
struct notify_ctx {
    struct bridge_set *bridges; /* What STATUS= describes. */
    const char *dp_type;        /* dpif type of the bridges. */
    char *status;               /* Text of the last STATUS= sent. */
    struct event *status_timer; /* Checks for changes to report. */
    struct event *watchdog;     /* Sends WATCHDOG=1, or NULL if off. */
};

/* How often to look for a changed status, in ms. */
#define STATUS_INTERVAL 500

/* Returns a malloc'd description of what the daemon serves. */
static char *
notify_status_text(const struct notify_ctx *ctx)
{
    struct bridge **brs;
    size_t n_brs, n_ports, i;

    brs = bridge_set_sorted(ctx->bridges, &n_brs);
    n_ports = 0;
    for (i = 0; i < n_brs; i++) {
        struct port **ports;
        size_t n, j;

        ports = bridge_ports_sorted(brs[i], &n);
        for (j = 0; j < n; j++) {
            /* Not the bridge's own local port. */
            n_ports += strcmp(ports[j]->name, brs[i]->name) != 0;
        }
        free(ports);
    }
    free(brs);
    /* dpif type "system" is the kernel module. */
    return xasprintf("serving %zu bridge%s with %zu port%s on the %s "
                     "datapath", n_brs, n_brs == 1 ? "" : "s", n_ports,
                     n_ports == 1 ? "" : "s",
                     (!strcmp(ctx->dp_type, "system") ? "kernel"
                      : ctx->dp_type));
}

/* Sends STATUS= if it differs from what was last sent, or always if
 * 'force'.  'prefix', if nonnull, goes in the same datagram before it
 * (e.g. "READY=1"). */
static void
notify_status(struct notify_ctx *ctx, const char *prefix, bool force)
{
    char *text = notify_status_text(ctx);
    char *msg;

    if (!force && ctx->status && !strcmp(text, ctx->status)) {
        free(text);
        return;
    }
    msg = xasprintf("%s%sSTATUS=%s", prefix ? prefix : "",
                    prefix ? "\n" : "", text);
    daemon_notify(msg);
    free(msg);
    free(ctx->status);
    ctx->status = text;
}

static void
on_status_timer(evutil_socket_t fd NFVS_UNUSED, short events NFVS_UNUSED,
                void *ctx_)
{
    notify_status(ctx_, NULL, false);
}

static void
on_watchdog(evutil_socket_t fd NFVS_UNUSED, short events NFVS_UNUSED,
            void *ctx_ NFVS_UNUSED)
{
    daemon_notify("WATCHDOG=1");
}

/* Starts the timers of 'ctx' on 'base' and reports readiness. */
static void
notify_ready(struct notify_ctx *ctx, struct event_base *base)
{
    struct timeval tv = { 0, STATUS_INTERVAL * 1000 };
    long long int wd = daemon_watchdog_interval();

    ctx->status_timer = event_new(base, -1, EV_PERSIST, on_status_timer,
                                  ctx);
    event_add(ctx->status_timer, &tv);
    if (wd) {
        struct timeval wd_tv = { wd / 1000, wd % 1000 * 1000 };

        ctx->watchdog = event_new(base, -1, EV_PERSIST, on_watchdog, ctx);
        event_add(ctx->watchdog, &wd_tv);
        VLOG_INFO("sending systemd watchdog keep-alives every %lld ms",
                  wd);
    }
    notify_status(ctx, "READY=1", true);
}

static void
notify_uninit(struct notify_ctx *ctx)
{
    if (ctx->status_timer) {
        event_free(ctx->status_timer);
    }
    if (ctx->watchdog) {
        event_free(ctx->watchdog);
    }
    free(ctx->status);
}

/* SIGHUP, which "systemctl reload" sends: reopens the log file, so that
 * logrotate can move it away.  Nothing else is reloaded: the config db
 * changes only through JSON-RPC, which applies each change at once. */
static void
on_sighup(evutil_socket_t sig NFVS_UNUSED, short events NFVS_UNUSED,
          void *ctx_)
{
    struct notify_ctx *ctx = ctx_;
    int error;

    daemon_notify("RELOADING=1");
    error = vlog_reopen_log_file();
    if (error) {
        VLOG_WARN("reopening log file failed: %s", nfvs_strerror(error));
    } else {
        VLOG_INFO("log file reopened");
    }
    notify_status(ctx, "READY=1", true);
}

/* Creates 'dir' (and not its parents) unless it exists. */
static void
ensure_dir(const char *dir)
{
    if (mkdir(dir, 0755) && errno != EEXIST) {
        nfvs_fatal(errno, "cannot create directory %s", dir);
    }
}

int
main(int argc, char *argv[])
{
    struct event *sigterm, *sigint, *sighup;
    struct timeout_ctx timeouts;
    struct notify_ctx notify;
    struct ofproto_dpif_config dp_cfg;
    struct dp_run_ctx dp_run;
    struct rpc_server *server;
    struct bridge_set *bridges;
    struct event_base *base;
    struct options opts;
    char *msg = NULL;
    size_t i;
    int error;

    nfvs_set_program_name(argv[0]);
    parse_options(argc, argv, &opts);
    signal(SIGPIPE, SIG_IGN);

    if (opts.log_file) {
        error = vlog_set_log_file(opts.log_file);
        if (error) {
            nfvs_fatal(error, "cannot open log file %s", opts.log_file);
        }
    }
    vlog_set_syslog(opts.syslog);
    ensure_dir(opts.rundir);

    if (opts.detach) {
        daemon_detach_start();
    }
    if (opts.pidfile) {
        pid_t other;

        error = daemon_write_pidfile(opts.pidfile, &other);
        if (error == EBUSY) {
            nfvs_fatal(0, "%s: already running as pid %ld, not starting",
                       opts.pidfile, (long int) other);
        } else if (error) {
            nfvs_fatal(error, "cannot create pidfile %s", opts.pidfile);
        }
    }

    daemon_notify_status("loading config db %s", opts.dbfile);
    memset(&dp_cfg, 0, sizeof dp_cfg);
    dp_cfg.dp_type = opts.datapath;
    dp_cfg.n_handlers = opts.n_handlers;
    dp_cfg.max_idle = opts.max_idle;
    dp_cfg.pcap_dir = opts.rundir;
    error = bridge_set_open(opts.dbfile, &dp_cfg, &bridges, &msg);
    if (error) {
        nfvs_fatal(0, "%s", msg);
    }

    base = event_base_new();
    if (!base) {
        nfvs_fatal(0, "cannot create the event loop");
    }
    server = rpc_server_create(base);
    bridge_rpc_register(server, bridges);
    flow_rpc_register(server, bridges);
    dp_rpc_register(server, bridges);
    daemon_notify_status("opening remotes");
    for (i = 0; i < opts.n_remotes; i++) {
        error = rpc_server_add_remote(server, opts.remotes[i], &msg);
        if (error) {
            nfvs_fatal(0, "%s", msg);
        }
        VLOG_INFO("listening on %s", opts.remotes[i]);
    }

    sigterm = evsignal_new(base, SIGTERM, on_exit_signal, base);
    sigint = evsignal_new(base, SIGINT, on_exit_signal, base);
    memset(&notify, 0, sizeof notify);
    notify.bridges = bridges;
    notify.dp_type = dp_cfg.dp_type;
    sighup = evsignal_new(base, SIGHUP, on_sighup, &notify);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);
    event_add(sighup, NULL);
    timeouts.bridges = bridges;
    timeouts.timer = evtimer_new(base, on_timeout, &timeouts);
    on_timeout(-1, 0, &timeouts);
    dp_run.bridges = bridges;
    dp_run.timer = evtimer_new(base, on_dp_run, &dp_run);
    on_dp_run(-1, 0, &dp_run);

    VLOG_INFO("nfvs-vswitchd %s ready", PACKAGE_VERSION);
    if (opts.detach) {
        daemon_detach_done();
    }
    notify_ready(&notify, base);

    event_base_dispatch(base);

    daemon_notify("STOPPING=1\nSTATUS=stopping");
    event_free(sigterm);
    event_free(sigint);
    event_free(sighup);
    event_free(timeouts.timer);
    event_free(dp_run.timer);
    notify_uninit(&notify);
    rpc_server_destroy(server);
    bridge_set_close(bridges);
    event_base_free(base);
    if (opts.pidfile) {
        daemon_remove_pidfile();
    }
    VLOG_INFO("exited");
    vlog_set_log_file(NULL);
    options_uninit(&opts);
    return 0;
}
