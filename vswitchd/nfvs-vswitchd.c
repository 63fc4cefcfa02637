/* nfvs-vswitchd: the nfvs daemon.  Parses options, becomes a daemon,
 * loads the config db and serves JSON-RPC until SIGTERM or SIGINT. */
#include <config.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "db.h"
#include "ct-rpc.h"
#include "daemon.h"
#include "dp-rpc.h"
#include "dpif.h"
#include "flow-rpc.h"
#include "group-rpc.h"
#include "jsonrpc.h"
#include "meter-rpc.h"
#include "monitor.h"
#include "metrics.h"
#include "netdev.h"
#include "ofconn.h"
#include "ofp-actions.h"
#include "ofproto-dpif.h"
#include "port-rpc.h"
#include "rpc-server.h"
#include "stream-ssl.h"
#include "stream.h"
#include "txn-rpc.h"
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
    unsigned int n_handlers;    /* Upcall handler threads; 0: CPUs. */
    unsigned int n_forwarders;  /* Forwarding threads; 0: CPUs. */
    unsigned int max_idle;      /* Datapath flow idle time, ms. */
    unsigned int flow_limit;    /* Datapath flow limit. */
    unsigned int max_bridges;   /* bridge.add refuses more bridges. */
    unsigned int max_ports;     /* port.add refuses more ports. */
    char *private_key;          /* TLS: our key, or NULL. */
    char *certificate;          /* TLS: our certificate, or NULL. */
    char *ca_cert;              /* TLS: CA of peers, or NULL. */
    char *socket_group;         /* Group of the unix sockets. */
    bool socket_group_set;      /* --socket-group given explicitly? */
    struct rpc_limits limits;   /* --max-message-size and the like. */
    unsigned int handshake_timeout; /* --handshake-timeout, seconds. */
    unsigned long long int max_actions; /* --max-actions. */
    size_t monitor_queue_size;  /* --monitor-queue-size, bytes. */
    char *metrics;              /* --metrics=IP:PORT, or NULL. */
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
           "  --remote=REMOTE     listen on REMOTE: punix:PATH or\n"
           "                      pssl:PORT[:IP]; may be given more than\n"
           "                      once (default:\n"
           "                      punix:RUNDIR/nfvs-vswitchd.sock)\n"
           "  --private-key=FILE  TLS: this daemon's private key (PEM)\n"
           "  --certificate=FILE  TLS: this daemon's certificate (PEM)\n"
           "  --ca-cert=FILE      TLS: the CA that must sign peers' certs\n"
           "  --socket-group=GRP  group that may use the unix sockets\n"
           "                      (default: nfvs, or root's group if there\n"
           "                      is no group nfvs)\n"
           "  --log-file[=FILE]   also log to FILE (default:\n"
           "                      /var/log/nfvs/nfvs-vswitchd.log)\n"
           "  --syslog            also log to syslog\n"
           "  -v, --verbose=SPEC  set log levels: MODULE[:DEST]:LEVEL,\n"
           "                      DEST = console|syslog|file, LEVEL =\n"
           "                      off|emer|err|warn|info|dbg\n"
           "  --detach            run in the background once ready\n"
           "  --pidfile[=FILE]    write and lock a pidfile (default:\n"
           "                      RUNDIR/nfvs-vswitchd.pid)\n"
           "  --datapath=TYPE     datapath: auto, kernel (nfvs.ko),\n"
           "                      userspace or dummy (default: auto =\n"
           "                      kernel if nfvs.ko is loaded)\n"
           "  --n-handlers=N      upcall handler threads, shared by all\n"
           "                      bridges (default: one per CPU)\n"
           "  --forwarding-threads=N  userspace datapath: threads that\n"
           "                      forward packets, each system port read\n"
           "                      by all of them (PACKET_FANOUT; default:\n"
           "                      one per CPU)\n"
           "  --rx-ring-blocks=N  userspace datapath: receive ring of each\n"
           "                      system port, in 64 kB blocks (default:\n"
           "                      64); 0 = no ring (recvmmsg)\n"
           "  --max-idle=MS       delete datapath flows idle for MS ms\n"
           "                      (default: 10000)\n"
           "  --flow-limit=N      at most N flows in each datapath\n"
           "                      (default: 200000)\n"
           "  --max-bridges=N     refuse to add more than N bridges\n"
           "                      (default: %d)\n"
           "  --max-ports=N       refuse to add more than N ports in all,\n"
           "                      bridges' local ports not counted\n"
           "                      (default: %d)\n"
           "  --metrics=IP:PORT   serve Prometheus metrics at\n"
           "                      http://IP:PORT/metrics (off by default;\n"
           "                      use 127.0.0.1)\n"
           "  -h, --help          print this help and exit\n"
           "  -V, --version       print the version and exit\n"
           "\n"
           "Limits on JSON-RPC clients (see docs/rpc.md):\n"
           "  --max-message-size=BYTES    one message (default: %u)\n"
           "  --max-message-values=N      JSON values in one message\n"
           "                              (default: %u)\n"
           "  --max-message-depth=N       nesting of arrays and objects\n"
           "                              (default: %u)\n"
           "  --max-batch-size=N          requests in one batch, operations\n"
           "                              in one transaction\n"
           "                              (default: %u)\n"
           "  --max-answer-size=BYTES     one answer (default: %u)\n"
           "  --max-buffered-input=BYTES  unfinished messages of all\n"
           "                              clients (default: %u)\n"
           "  --max-connections=N         per remote (default: %u)\n"
           "  --partial-timeout=SECS      close a client silent for SECS\n"
           "                              in the middle of a message\n"
           "                              (default: %u)\n"
           "  --handshake-timeout=SECS    TLS handshake time (default: %u)\n"
           "  --max-actions=N             actions in one flow (default: %u)\n"
           "  --monitor-queue-size=BYTES  events queued for one monitor\n"
           "                              subscriber (default: %u)\n"
           "\n"
           "Environment: NFVS_RUNDIR, NFVS_DBDIR, NFVS_DATAPATH and\n"
           "NFVS_SOCKET_GROUP change the defaults.\n",
           nfvs_program_name(), nfvs_program_name(), opts->rundir,
           opts->dbfile, BRIDGE_RPC_DEFAULT_MAX_BRIDGES,
           BRIDGE_RPC_DEFAULT_MAX_PORTS, RPC_MAX_MESSAGE_SIZE_DEFAULT,
           RPC_MAX_VALUES_DEFAULT, RPC_MAX_DEPTH_DEFAULT,
           RPC_MAX_BATCH_DEFAULT, RPC_MAX_ANSWER_SIZE_DEFAULT,
           RPC_MAX_INPUT_DEFAULT, RPC_MAX_CONNECTIONS_DEFAULT,
           RPC_PARTIAL_TIMEOUT_DEFAULT, PSSL_HANDSHAKE_TIMEOUT_DEFAULT,
           OFPACTS_MAX_DEFAULT, MONITOR_QUEUE_SIZE_DEFAULT);
    exit(0);
}

static const char *
env_or(const char *name, const char *dflt)
{
    const char *value = getenv(name);

    return value && value[0] ? value : dflt;
}

/* Parses 'arg', the argument of --'name', as a number from 1 to 'max'.
 * Exits with a message if it is not one. */
static unsigned long long int
parse_limit(const char *name, const char *arg, unsigned long long int max)
{
    unsigned long long int value;

    if (!str_to_ullong(arg, 10, &value) || value < 1 || value > max) {
        nfvs_fatal(0, "--%s: \"%s\" is not a number from 1 to %llu", name,
                   arg, max);
    }
    return value;
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
        OPT_FLOW_LIMIT,
        OPT_MAX_BRIDGES,
        OPT_MAX_PORTS,
        OPT_PRIVATE_KEY,
        OPT_CERTIFICATE,
        OPT_CA_CERT,
        OPT_SOCKET_GROUP,
        OPT_MAX_MESSAGE_SIZE,
        OPT_MAX_MESSAGE_VALUES,
        OPT_MAX_MESSAGE_DEPTH,
        OPT_MAX_BATCH_SIZE,
        OPT_MAX_ANSWER_SIZE,
        OPT_MAX_BUFFERED_INPUT,
        OPT_MAX_CONNECTIONS,
        OPT_PARTIAL_TIMEOUT,
        OPT_HANDSHAKE_TIMEOUT,
        OPT_MAX_ACTIONS,
        OPT_MONITOR_QUEUE_SIZE,
        OPT_METRICS,
        OPT_RX_RING_BLOCKS,
        OPT_FORWARDING_THREADS,
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
        {"flow-limit", required_argument, NULL, OPT_FLOW_LIMIT},
        {"max-bridges", required_argument, NULL, OPT_MAX_BRIDGES},
        {"max-ports", required_argument, NULL, OPT_MAX_PORTS},
        {"private-key", required_argument, NULL, OPT_PRIVATE_KEY},
        {"certificate", required_argument, NULL, OPT_CERTIFICATE},
        {"ca-cert", required_argument, NULL, OPT_CA_CERT},
        {"socket-group", required_argument, NULL, OPT_SOCKET_GROUP},
        {"max-message-size", required_argument, NULL, OPT_MAX_MESSAGE_SIZE},
        {"max-message-values", required_argument, NULL,
         OPT_MAX_MESSAGE_VALUES},
        {"max-message-depth", required_argument, NULL,
         OPT_MAX_MESSAGE_DEPTH},
        {"max-batch-size", required_argument, NULL, OPT_MAX_BATCH_SIZE},
        {"max-answer-size", required_argument, NULL, OPT_MAX_ANSWER_SIZE},
        {"max-buffered-input", required_argument, NULL,
         OPT_MAX_BUFFERED_INPUT},
        {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
        {"partial-timeout", required_argument, NULL, OPT_PARTIAL_TIMEOUT},
        {"handshake-timeout", required_argument, NULL,
         OPT_HANDSHAKE_TIMEOUT},
        {"max-actions", required_argument, NULL, OPT_MAX_ACTIONS},
        {"monitor-queue-size", required_argument, NULL,
         OPT_MONITOR_QUEUE_SIZE},
        {"metrics", required_argument, NULL, OPT_METRICS},
        {"rx-ring-blocks", required_argument, NULL, OPT_RX_RING_BLOCKS},
        {"forwarding-threads", required_argument, NULL,
         OPT_FORWARDING_THREADS},
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
    opts->datapath = xstrdup(env_or("NFVS_DATAPATH", "auto"));
    opts->n_handlers = 0;
    opts->max_idle = UDPIF_DEFAULT_MAX_IDLE;
    opts->flow_limit = DPIF_DEFAULT_FLOW_LIMIT;
    opts->max_bridges = BRIDGE_RPC_DEFAULT_MAX_BRIDGES;
    opts->max_ports = BRIDGE_RPC_DEFAULT_MAX_PORTS;
    opts->socket_group = xstrdup(env_or("NFVS_SOCKET_GROUP", "nfvs"));
    rpc_limits_init(&opts->limits);
    opts->handshake_timeout = PSSL_HANDSHAKE_TIMEOUT_DEFAULT;
    opts->max_actions = OFPACTS_MAX_DEFAULT;
    opts->monitor_queue_size = MONITOR_QUEUE_SIZE_DEFAULT;

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
        case OPT_RX_RING_BLOCKS: {
            unsigned int n_blocks;

            if (!str_to_uint(optarg, 10, &n_blocks)) {
                nfvs_fatal(0, "--rx-ring-blocks: \"%s\" is not a number",
                           optarg);
            }
            netdev_linux_set_rx_ring_blocks(n_blocks);
            break;
        }
        case OPT_FORWARDING_THREADS:
            if (!str_to_uint(optarg, 10, &opts->n_forwarders)
                || opts->n_forwarders < 1 || opts->n_forwarders > 64) {
                nfvs_fatal(0, "--forwarding-threads: \"%s\" is not a "
                           "number from 1 to 64", optarg);
            }
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
        case OPT_FLOW_LIMIT:
            if (!str_to_uint(optarg, 10, &opts->flow_limit)
                || opts->flow_limit < 1) {
                nfvs_fatal(0, "--flow-limit: \"%s\" is not a positive "
                           "number", optarg);
            }
            break;
        case OPT_MAX_BRIDGES:
            if (!str_to_uint(optarg, 10, &opts->max_bridges)
                || opts->max_bridges < 1) {
                nfvs_fatal(0, "--max-bridges: \"%s\" is not a positive "
                           "number", optarg);
            }
            break;
        case OPT_MAX_PORTS:
            if (!str_to_uint(optarg, 10, &opts->max_ports)) {
                nfvs_fatal(0, "--max-ports: \"%s\" is not a number",
                           optarg);
            }
            break;
        case OPT_PRIVATE_KEY:
            free(opts->private_key);
            opts->private_key = xstrdup(optarg);
            break;
        case OPT_CERTIFICATE:
            free(opts->certificate);
            opts->certificate = xstrdup(optarg);
            break;
        case OPT_CA_CERT:
            free(opts->ca_cert);
            opts->ca_cert = xstrdup(optarg);
            break;
        case OPT_SOCKET_GROUP:
            free(opts->socket_group);
            opts->socket_group = xstrdup(optarg);
            opts->socket_group_set = true;
            break;
        case OPT_MAX_MESSAGE_SIZE:
            opts->limits.max_message_size
                = parse_limit("max-message-size", optarg, SIZE_MAX / 4);
            break;
        case OPT_MAX_MESSAGE_VALUES:
            opts->limits.max_values
                = parse_limit("max-message-values", optarg, SIZE_MAX);
            break;
        case OPT_MAX_MESSAGE_DEPTH:
            opts->limits.max_depth
                = parse_limit("max-message-depth", optarg, 1000);
            break;
        case OPT_MAX_BATCH_SIZE:
            opts->limits.max_batch
                = parse_limit("max-batch-size", optarg, SIZE_MAX);
            break;
        case OPT_MAX_ANSWER_SIZE:
            opts->limits.max_answer_size
                = parse_limit("max-answer-size", optarg, SIZE_MAX / 4);
            break;
        case OPT_MAX_BUFFERED_INPUT:
            opts->limits.max_input
                = parse_limit("max-buffered-input", optarg, SIZE_MAX / 4);
            break;
        case OPT_MAX_CONNECTIONS:
            opts->limits.max_connections
                = parse_limit("max-connections", optarg, INT_MAX);
            break;
        case OPT_PARTIAL_TIMEOUT:
            opts->limits.partial_timeout
                = parse_limit("partial-timeout", optarg, 86400);
            break;
        case OPT_HANDSHAKE_TIMEOUT:
            opts->handshake_timeout
                = parse_limit("handshake-timeout", optarg, 86400);
            break;
        case OPT_MAX_ACTIONS:
            opts->max_actions = parse_limit("max-actions", optarg, 1000000);
            break;
        case OPT_MONITOR_QUEUE_SIZE:
            opts->monitor_queue_size
                = parse_limit("monitor-queue-size", optarg, SIZE_MAX / 4);
            break;
        case OPT_METRICS: {
            struct sockaddr_storage ss;
            socklen_t len;

            if (metrics_parse_address(optarg, &ss, &len, &msg)) {
                nfvs_fatal(0, "--metrics=%s", msg);
            }
            free(opts->metrics);
            opts->metrics = xstrdup(optarg);
            break;
        }
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
    if (strcmp(opts->datapath, "auto") && strcmp(opts->datapath, "kernel")
        && strcmp(opts->datapath, "system")
        && strcmp(opts->datapath, "userspace")
        && strcmp(opts->datapath, "dummy")) {
        nfvs_fatal(0, "--datapath: unknown datapath type \"%s\" (use "
                   "auto, kernel, userspace or dummy)", opts->datapath);
    }
    if (optind < argc) {
        nfvs_fatal(0, "unexpected argument \"%s\" (use --help for help)",
                   argv[optind]);
    }

    if (!opts->dbfile) {
        opts->dbfile = xasprintf("%s/conf.json", dbdir);
    }
    /* One message must fit in the input buffers. */
    opts->limits.max_input = NFVS_MAX(opts->limits.max_input,
                                      opts->limits.max_message_size);
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
    free(opts->private_key);
    free(opts->certificate);
    free(opts->ca_cert);
    free(opts->socket_group);
    free(opts->metrics);
}

/* Raises the soft limit on open files to the hard limit, so that many
 * clients, ports and threads fit (the default soft limit is often 1024),
 * and logs the limit in effect.  Says so when even that is below what the
 * daemon may need within --max-bridges and --max-ports: each bridge holds
 * an upcall queue per handler thread and a few other files, each port one
 * or two. */
static void
raise_fd_limit(const struct options *opts)
{
    unsigned long long int need;
    struct rlimit rlim;
    rlim_t old;

    need = ((unsigned long long int) opts->max_bridges
            * (udpif_pool_size(opts->n_handlers) + 4)
            + 2ULL * opts->max_ports + 64);
    if (getrlimit(RLIMIT_NOFILE, &rlim)) {
        VLOG_WARN("getrlimit(RLIMIT_NOFILE): %s", nfvs_strerror(errno));
        return;
    }
    old = rlim.rlim_cur;
    if (old == rlim.rlim_max) {
        VLOG_INFO("open file limit: %llu (soft and hard)",
                  (unsigned long long int) old);
    } else {
        rlim.rlim_cur = rlim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rlim)) {
            VLOG_WARN("cannot raise the open file limit from %llu to %llu: "
                      "%s", (unsigned long long int) old,
                      (unsigned long long int) rlim.rlim_max,
                      nfvs_strerror(errno));
            rlim.rlim_cur = old;
        } else {
            VLOG_INFO("raised the open file limit from %llu to %llu (the "
                      "hard limit)", (unsigned long long int) old,
                      (unsigned long long int) rlim.rlim_max);
        }
    }
    if (rlim.rlim_cur != RLIM_INFINITY && rlim.rlim_cur < need) {
        VLOG_INFO("the open file limit (%llu) is below the %llu that "
                  "--max-bridges and --max-ports may need: adding bridges "
                  "or ports may fail before those limits",
                  (unsigned long long int) rlim.rlim_cur, need);
    }
}

/* Sets up the transports: TLS files and the unix sockets' group.  Exits
 * on a bad setting. */
static void
configure_streams(const struct options *opts)
{
    struct group *group;
    char *msg;

    if (stream_ssl_set_files(opts->private_key, opts->certificate,
                             opts->ca_cert, &msg)) {
        nfvs_fatal(0, "%s", msg);
    }
    stream_ssl_set_handshake_timeout(opts->handshake_timeout);

    /* Without a group "nfvs" (a development machine, a test), the sockets
     * keep root's group: only root and this daemon's user get in.  A group
     * named explicitly must exist. */
    group = getgrnam(opts->socket_group);
    if (group) {
        stream_unix_set_group(group->gr_gid, opts->socket_group);
    } else if (opts->socket_group_set) {
        nfvs_fatal(0, "--socket-group: no group named \"%s\"",
                   opts->socket_group);
    } else {
        VLOG_WARN("group \"%s\" does not exist: the control sockets keep "
                  "group %ld (use --socket-group)", opts->socket_group,
                  (long int) getegid());
    }
}

/* SIGTERM and SIGINT.  The main loop learns of them through a pipe and
 * stops; as a signal may come while the main loop is busy (a long
 * request, a blocked log write), the signal handler also arms a timer:
 * a daemon not stopped EXIT_GRACE_SEC seconds later exits at once.  That
 * loses nothing: the config db is replaced atomically, and a kernel
 * datapath forwards on without the daemon. */
#define EXIT_GRACE_SEC 10

static int exit_signal_fds[2] = { -1, -1 }; /* Pipe: a byte per signal. */
static char *exit_pidfile;          /* Removed by a forced exit. */
static char exit_msg[80];           /* Written by a forced exit... */
static size_t exit_msg_len;         /* ...this long. */

static void
exit_signal_handler(int sig)
{
    static volatile sig_atomic_t armed;
    int save_errno = errno;
    unsigned char c = sig;
    ssize_t n;

    if (!armed) {
        armed = 1;
        alarm(EXIT_GRACE_SEC);
    }
    n = write(exit_signal_fds[1], &c, 1);
    (void) n;                       /* A full pipe has a byte already. */
    errno = save_errno;
}

static void
forced_exit_handler(int sig NFVS_UNUSED)
{
    ssize_t n;

    if (exit_pidfile) {
        unlink(exit_pidfile);
    }
    n = write(STDERR_FILENO, exit_msg, exit_msg_len);
    (void) n;
    _exit(EXIT_FAILURE);
}

/* Installs the handlers of SIGTERM, SIGINT and SIGALRM described above.
 * The pidfile 'pidfile' (may be NULL) is removed by a forced exit. */
static void
exit_signals_init(const char *pidfile)
{
    struct sigaction sa;

    if (pipe2(exit_signal_fds, O_CLOEXEC | O_NONBLOCK)) {
        nfvs_fatal(errno, "pipe failed");
    }
    exit_pidfile = pidfile ? xstrdup(pidfile) : NULL;
    snprintf(exit_msg, sizeof exit_msg, "%s: not stopped %d s after the "
             "exit signal, exiting now\n", nfvs_program_name(),
             EXIT_GRACE_SEC);
    exit_msg_len = strlen(exit_msg);
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = forced_exit_handler;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = exit_signal_handler;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static void
on_exit_signal(evutil_socket_t fd, short events NFVS_UNUSED, void *base_)
{
    struct event_base *base = base_;
    unsigned char sig;

    if (read(fd, &sig, 1) == 1) {
        VLOG_INFO("%s received, exiting", strsignal(sig));
    }
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
    struct ofmgr *ofmgr;        /* OpenFlow listeners to keep in step with
                                 * the bridges. */
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

    ofmgr_run(ctx->ofmgr);
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

/* Returns the dpif type for the --datapath choice 'choice': "kernel"
 * (or OVS's name "system") is nfvs.ko, which must be loaded; "auto" is
 * the kernel datapath if nfvs.ko is loaded and the userspace one
 * otherwise. */
static const char *
pick_datapath(const char *choice)
{
    const char *type;
    int error;

    if (!strcmp(choice, "kernel") || !strcmp(choice, "system")) {
        error = dpif_type_probe("system");
        if (error == EAFNOSUPPORT) {
            nfvs_fatal(0, "--datapath=%s: the kernel module nfvs.ko is not "
                       "loaded (generic netlink family nfvs_datapath not "
                       "found); load it with \"modprobe nfvs\" or use "
                       "--datapath=userspace", choice);
        } else if (error) {
            nfvs_fatal(error, "--datapath=%s: cannot reach nfvs.ko", choice);
        }
        type = "system";
    } else if (!strcmp(choice, "auto")) {
        error = dpif_type_probe("system");
        type = error ? "userspace" : "system";
        VLOG_INFO("datapath: %s (auto: nfvs.ko %s)",
                  error ? "userspace" : "kernel",
                  error ? "is not loaded" : "is loaded");
        return type;
    } else {
        type = choice;
    }
    VLOG_INFO("datapath: %s", !strcmp(type, "system") ? "kernel" : type);
    return type;
}

/* The config db's commits, reported to the RPC server so that it sends
 * the answers that waited for them. */
static void
on_db_commit(uint64_t seqno, int error, void *server)
{
    rpc_server_commit_done(server, seqno, error);
}

static void
on_db_ready(evutil_socket_t fd NFVS_UNUSED, short events NFVS_UNUSED,
            void *db)
{
    db_run(db);
}

static uint64_t
db_seqno(void *db)
{
    return db_last_seqno(db);
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
    struct event *exit_event, *sighup, *db_event;
    struct timeout_ctx timeouts;
    struct notify_ctx notify;
    struct ofproto_dpif_config dp_cfg;
    struct dp_run_ctx dp_run;
    struct metrics *metrics = NULL;
    struct rpc_server *server;
    struct flow_rpc *flow_rpc;
    struct bridge_set *bridges;
    struct event_base *base;
    struct db *db;
    struct options opts;
    char *msg = NULL;
    size_t i;
    int error;

    nfvs_set_program_name(argv[0]);
    parse_options(argc, argv, &opts);
    signal(SIGPIPE, SIG_IGN);

    /* The userspace datapath's threads allocate and free 64 kB packet
     * buffers (GSO super-packets) at line rate.  By default glibc gives
     * the free memory at the top of a thread's heap back to the kernel,
     * so each such packet paid for page faults and page clearing (a
     * fifth of the daemon's time in a TCP stream); keep it instead. */
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_MMAP_THRESHOLD, 1024 * 1024);

    if (opts.log_file) {
        error = vlog_set_log_file(opts.log_file);
        if (error) {
            nfvs_fatal(error, "cannot open log file %s", opts.log_file);
        }
    }
    vlog_set_syslog(opts.syslog);
    ofpacts_set_max_actions(opts.max_actions);
    ensure_dir(opts.rundir);
    configure_streams(&opts);

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
    dp_cfg.dp_type = pick_datapath(opts.datapath);
    raise_fd_limit(&opts);      /* Before ports and clients take fds. */
    dp_cfg.n_handlers = opts.n_handlers;
    dp_cfg.n_forwarders = opts.n_forwarders;
    dp_cfg.max_idle = opts.max_idle;
    dp_cfg.flow_limit = opts.flow_limit;
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
    rpc_server_set_limits(server, &opts.limits);
    db = bridge_set_get_db(bridges);
    rpc_server_set_seqno_func(server, db_seqno, db);
    db_set_commit_cb(db, on_db_commit, server);
    db_event = event_new(base, db_get_fd(db), EV_READ | EV_PERSIST,
                         on_db_ready, db);
    event_add(db_event, NULL);
    bridge_rpc_register(server, bridges);
    bridge_rpc_set_limits(opts.max_bridges, opts.max_ports);
    flow_rpc = flow_rpc_register(server, base, bridges);
    dp_rpc_register(server, bridges);
    ct_rpc_register(server, bridges);
    txn_rpc_register(server, bridges);
    monitor_init(server, base, bridges, opts.monitor_queue_size);
    port_rpc_register(server, bridges);
    group_rpc_register(server, bridges);
    meter_rpc_register(server, bridges);
    daemon_notify_status("opening remotes");
    for (i = 0; i < opts.n_remotes; i++) {
        char *name;

        error = rpc_server_add_remote(server, opts.remotes[i], &name,
                                      &msg);
        if (error) {
            nfvs_fatal(0, "%s", msg);
        }
        VLOG_INFO("listening on %s", name);
        free(name);
    }
    if (opts.metrics) {
        error = metrics_create(base, opts.metrics, bridges, server, &metrics,
                               &msg);
        if (error) {
            nfvs_fatal(0, "%s", msg);
        }
    }

    exit_signals_init(opts.pidfile);
    exit_event = event_new(base, exit_signal_fds[0], EV_READ | EV_PERSIST,
                           on_exit_signal, base);
    memset(&notify, 0, sizeof notify);
    notify.bridges = bridges;
    notify.dp_type = dp_cfg.dp_type;
    sighup = evsignal_new(base, SIGHUP, on_sighup, &notify);
    event_add(exit_event, NULL);
    event_add(sighup, NULL);
    timeouts.bridges = bridges;
    timeouts.timer = evtimer_new(base, on_timeout, &timeouts);
    on_timeout(-1, 0, &timeouts);
    dp_run.bridges = bridges;
    dp_run.timer = evtimer_new(base, on_dp_run, &dp_run);
    dp_run.ofmgr = ofmgr_create(base, bridges, opts.rundir);
    on_dp_run(-1, 0, &dp_run);

    VLOG_INFO("nfvs-vswitchd %s ready", PACKAGE_VERSION);
    if (opts.detach) {
        daemon_detach_done();
    }
    notify_ready(&notify, base);

    event_base_dispatch(base);

    daemon_notify("STOPPING=1\nSTATUS=stopping");
    event_free(exit_event);
    event_free(sighup);
    ofmgr_destroy(dp_run.ofmgr);
    event_free(timeouts.timer);
    event_free(dp_run.timer);
    notify_uninit(&notify);
    flow_rpc_destroy(flow_rpc);
    metrics_destroy(metrics);
    rpc_server_destroy(server);
    monitor_destroy();
    event_free(db_event);
    db_set_commit_cb(db, NULL, NULL);
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
