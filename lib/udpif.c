#include <config.h>
#include "udpif.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dp-packet.h"
#include "dpif.h"
#include "flow-table.h"
#include "flow.h"
#include "hash.h"
#include "hmap.h"
#include "mac-learning.h"
#include "odp-util.h"
#include "ofproto.h"
#include "util.h"
#include "vlog.h"
#include "xlate.h"

VLOG_DEFINE_THIS_MODULE(udpif);

/* Upcalls a handler takes from the datapath at a time. */
#define UPCALL_BATCH 64

/* Flows a revalidation pass takes from the dump at a time. */
#define DUMP_BATCH 64

/* A datapath flow this udpif installed. */
struct ukey {
    struct hmap_node node;      /* In 'udpif->ukeys', by key hash. */
    void *key;                  /* Exact datapath key. */
    size_t key_size;
    void *actions;              /* Actions installed. */
    size_t actions_size;
    uint64_t tables_version;    /* Flow table version translated at. */
    uint64_t ml_seq;            /* MAC learning seq translated at. */
    uint64_t ports_seq;         /* 'udpif->ports_seq' translated at. */
    bool used_normal;           /* NORMAL ran in the translation. */
    uint64_t generation;        /* 'udpif->generation' when installed... */
    uint64_t seen_generation;   /* ...and when last seen in a dump. */
    uint64_t pushed_packets;    /* Stats already credited to rules. */
    uint64_t pushed_bytes;
    long long int created;      /* time_msec() at install. */
};

struct handler {
    struct udpif *udpif;
    uint32_t id;                /* Datapath handler id. */
    pthread_t thread;
};

struct udpif {
    struct dpif *dpif;          /* Not owned. */
    struct ofproto *ofproto;    /* Not owned. */
    struct handler *handlers;
    unsigned int n_handlers;
    int exit_fds[2];            /* Pipe: readable when handlers must quit. */

    /* 'mutex' protects 'ukeys', 'generation' and 'dirty'. */
    pthread_mutex_t mutex;
    struct hmap ukeys;          /* "struct ukey"s. */
    uint64_t generation;        /* Bumped at the start of each dump. */
    uint64_t ports_seq;         /* Bumped on port changes (atomic). */
    uint64_t last_ports_seq;    /* 'ports_seq' at the last pass. */
    bool dirty;                 /* A flow was recorded already stale. */
    uint64_t last_version;      /* Flow table version at the last pass. */
    uint64_t last_ml_seq;       /* MAC learning seq at the last pass. */
    long long int next_dump;    /* When the next pass dumps, ms. */
    unsigned int max_idle;      /* ms. */

    /* Counters; 'stats_mutex' protects them. */
    pthread_mutex_t stats_mutex;
    struct udpif_stats stats;
};

static uint32_t
key_hash(const void *key, size_t key_size)
{
    return hash_bytes(key, key_size, 0);
}

static struct ukey *
ukey_find(const struct udpif *udpif, const void *key, size_t key_size,
          uint32_t hash)
{
    struct ukey *ukey;

    HMAP_FOR_EACH_WITH_HASH (ukey, node, hash, &udpif->ukeys) {
        if (ukey->key_size == key_size
            && !memcmp(ukey->key, key, key_size)) {
            return ukey;
        }
    }
    return NULL;
}

static void
ukey_destroy(struct udpif *udpif, struct ukey *ukey)
{
    hmap_remove(&udpif->ukeys, &ukey->node);
    free(ukey->key);
    free(ukey->actions);
    free(ukey);
}

static uint64_t
ports_seq(const struct udpif *udpif)
{
    return __atomic_load_n(&udpif->ports_seq, __ATOMIC_ACQUIRE);
}

static void
ukey_set_xout(struct ukey *ukey, const struct xlate_out *xout,
              uint64_t ports_seq_)
{
    ukey->ports_seq = ports_seq_;
    free(ukey->actions);
    ukey->actions = (xout->odp_actions.size
                     ? xmemdup(xout->odp_actions.data,
                               xout->odp_actions.size)
                     : NULL);
    ukey->actions_size = xout->odp_actions.size;
    ukey->tables_version = xout->tables_version;
    ukey->ml_seq = xout->ml_seq;
    ukey->used_normal = xout->used_normal;
}

static bool
ukey_is_stale(const struct udpif *udpif, const struct ukey *ukey,
              uint64_t version, uint64_t ml_seq)
{
    return (ukey->ports_seq != ports_seq(udpif)
            || ukey->tables_version != version
            || (ukey->used_normal && ukey->ml_seq != ml_seq));
}

#define STATS_ADD(UDPIF, MEMBER, N)                     \
    do {                                                \
        pthread_mutex_lock(&(UDPIF)->stats_mutex);      \
        (UDPIF)->stats.MEMBER += (N);                   \
        pthread_mutex_unlock(&(UDPIF)->stats_mutex);    \
    } while (0)

/* Parses 'key' into '*flow' with its in_port mapped from the datapath
 * port to the OpenFlow port.  Returns false if the key does not parse or
 * names a port the bridge does not have. */
static bool
key_to_flow(struct udpif *udpif, const void *key, size_t key_size,
            struct flow *flow)
{
    const struct ofproto_port *ports;
    const char *reason;
    bool found = false;
    size_t i, n;

    if (odp_key_to_flow(key, key_size, flow, &reason)) {
        return false;
    }
    ofproto_ports_read_lock(udpif->ofproto);
    ports = ofproto_ports(udpif->ofproto, &n);
    for (i = 0; i < n; i++) {
        if (ports[i].dp_port == flow->in_port) {
            flow->in_port = ports[i].ofport;
            found = true;
            break;
        }
    }
    ofproto_ports_read_unlock(udpif->ofproto);
    return found;
}

static void
xlate_flow(struct udpif *udpif, const struct flow *flow, bool may_learn,
           uint64_t n_packets, uint64_t n_bytes, struct xlate_out *xout)
{
    struct xlate_in xin;

    memset(&xin, 0, sizeof xin);
    xin.ofproto = udpif->ofproto;
    xin.flow = *flow;
    xin.may_learn = may_learn;
    xin.now = time_msec();
    xin.n_packets = n_packets;
    xin.n_bytes = n_bytes;
    xlate(&xin, xout);
}

static bool
flow_is_cacheable(const struct flow *flow, const struct xlate_out *xout)
{
    return (xout->error == XLATE_OK
            && !(flow->tcp_flags & htons(ODP_TCP_CTL_MASK)));
}

/* Installs the flow for 'upcall' unless one is recorded already. */
static void
install_flow(struct udpif *udpif, const struct dpif_upcall *upcall,
             const struct xlate_out *xout, uint64_t ports_seq_)
{
    uint32_t hash = key_hash(upcall->key, upcall->key_size);
    struct ukey *ukey;
    int error;

    pthread_mutex_lock(&udpif->mutex);
    if (!ukey_find(udpif, upcall->key, upcall->key_size, hash)) {
        error = dpif_flow_put(udpif->dpif, DPIF_FP_CREATE, upcall->key,
                              upcall->key_size, xout->odp_actions.data,
                              xout->odp_actions.size, NULL);
        if (!error) {
            ukey = xzalloc(sizeof *ukey);
            ukey->key = xmemdup(upcall->key, upcall->key_size);
            ukey->key_size = upcall->key_size;
            ukey_set_xout(ukey, xout, ports_seq_);
            ukey->generation = udpif->generation;
            ukey->seen_generation = udpif->generation;
            ukey->created = time_msec();
            hmap_insert(&udpif->ukeys, &ukey->node, hash);
            if (ukey_is_stale(udpif, ukey, flow_table_version(
                                  ofproto_get_tables(udpif->ofproto)),
                              mac_learning_seq(ofproto_get_mac_learning(
                                  udpif->ofproto)))) {
                /* Translated before a change that a revalidation pass
                 * may have handled already. */
                udpif->dirty = true;
            }
            STATS_ADD(udpif, n_installed, 1);
        } else if (error != EEXIST) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

            VLOG_WARN_RL(&rl, "%s: installing a flow failed: %s",
                         dpif_name(udpif->dpif), nfvs_strerror(error));
        }
    }
    pthread_mutex_unlock(&udpif->mutex);
}

static void
handle_upcall(struct udpif *udpif, const struct dpif_upcall *upcall)
{
    uint64_t ports_seq_ = ports_seq(udpif);
    struct xlate_out xout;
    struct flow flow;

    /* 'ports_seq_' is read before the ports are: a port change after
     * this makes the flow stale. */
    if (upcall->type != DPIF_UC_MISS
        || !key_to_flow(udpif, upcall->key, upcall->key_size, &flow)) {
        STATS_ADD(udpif, n_upcall_errors, 1);
        return;
    }
    xlate_flow(udpif, &flow, true, 1, dp_packet_size(upcall->packet),
               &xout);
    if (flow_is_cacheable(&flow, &xout)) {
        install_flow(udpif, upcall, &xout, ports_seq_);
    } else {
        STATS_ADD(udpif, n_uncached, 1);
    }
    /* Counted before the packet leaves, so that whoever sees the packet
     * sees the count. */
    STATS_ADD(udpif, n_upcalls, 1);
    if (xout.odp_actions.size) {
        dpif_execute(udpif->dpif, upcall->packet, upcall->in_port,
                     xout.odp_actions.data, xout.odp_actions.size);
    }
    xlate_out_uninit(&xout);
}

static void *
handler_main(void *handler_)
{
    struct handler *handler = handler_;
    struct udpif *udpif = handler->udpif;
    struct dpif_upcall upcalls[UPCALL_BATCH];

    for (;;) {
        struct pollfd pfds[2];
        size_t i, n;

        pfds[0].fd = dpif_handler_get_fd(udpif->dpif, handler->id);
        pfds[0].events = POLLIN;
        pfds[1].fd = udpif->exit_fds[0];
        pfds[1].events = POLLIN;
        if (poll(pfds, 2, -1) < 0 && errno != EINTR) {
            VLOG_ERR("handler %u: poll failed: %s", handler->id,
                     nfvs_strerror(errno));
            break;
        }
        if (pfds[1].revents) {
            break;
        }
        if (dpif_recv_batch(udpif->dpif, handler->id, upcalls,
                            UPCALL_BATCH, &n)) {
            continue;
        }
        for (i = 0; i < n; i++) {
            handle_upcall(udpif, &upcalls[i]);
            dpif_upcall_uninit(&upcalls[i]);
        }
    }
    return NULL;
}

static void
on_tables_changed(const struct flow_table_change *changes NFVS_UNUSED,
                  size_t n_changes NFVS_UNUSED, uint64_t version NFVS_UNUSED,
                  void *udpif)
{
    udpif_revalidate_stale(udpif);
}

struct udpif *
udpif_create(struct dpif *dpif, struct ofproto *ofproto,
             unsigned int n_handlers)
{
    struct udpif *udpif = xzalloc(sizeof *udpif);
    unsigned int i;
    int error;

    udpif->dpif = dpif;
    udpif->ofproto = ofproto;
    udpif->n_handlers = NFVS_MAX(n_handlers, 1);
    udpif->max_idle = UDPIF_DEFAULT_MAX_IDLE;
    pthread_mutex_init(&udpif->mutex, NULL);
    pthread_mutex_init(&udpif->stats_mutex, NULL);
    hmap_init(&udpif->ukeys);
    if (pipe(udpif->exit_fds)) {
        nfvs_fatal(errno, "pipe failed");
    }

    error = dpif_handlers_set(dpif, udpif->n_handlers);
    if (error) {
        nfvs_fatal(error, "%s: setting %u handlers failed", dpif_name(dpif),
                   udpif->n_handlers);
    }
    udpif->handlers = xcalloc(udpif->n_handlers, sizeof *udpif->handlers);
    for (i = 0; i < udpif->n_handlers; i++) {
        struct handler *h = &udpif->handlers[i];

        h->udpif = udpif;
        h->id = i;
        error = pthread_create(&h->thread, NULL, handler_main, h);
        if (error) {
            nfvs_fatal(error, "cannot start a handler thread");
        }
    }
    flow_table_set_change_cb(ofproto_get_tables(ofproto), on_tables_changed,
                             udpif);
    return udpif;
}

void
udpif_destroy(struct udpif *udpif)
{
    struct ukey *ukey, *next;
    unsigned int i;

    if (!udpif) {
        return;
    }
    flow_table_set_change_cb(ofproto_get_tables(udpif->ofproto), NULL,
                             NULL);
    if (write(udpif->exit_fds[1], "x", 1) != 1) {
        nfvs_fatal(errno, "cannot stop the handler threads");
    }
    for (i = 0; i < udpif->n_handlers; i++) {
        pthread_join(udpif->handlers[i].thread, NULL);
    }
    dpif_handlers_set(udpif->dpif, 0);
    free(udpif->handlers);
    close(udpif->exit_fds[0]);
    close(udpif->exit_fds[1]);
    HMAP_FOR_EACH_SAFE (ukey, next, node, &udpif->ukeys) {
        ukey_destroy(udpif, ukey);
    }
    hmap_destroy(&udpif->ukeys);
    pthread_mutex_destroy(&udpif->mutex);
    pthread_mutex_destroy(&udpif->stats_mutex);
    free(udpif);
}

void
udpif_set_max_idle(struct udpif *udpif, unsigned int ms)
{
    pthread_mutex_lock(&udpif->mutex);
    udpif->max_idle = ms;
    pthread_mutex_unlock(&udpif->mutex);
}

void
udpif_flush_translations(struct udpif *udpif)
{
    pthread_mutex_lock(&udpif->mutex);
    __atomic_add_fetch(&udpif->ports_seq, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&udpif->mutex);
}

/* What one revalidation pass saw, for the counters. */
struct pass_counts {
    uint64_t retranslated;
    uint64_t modified;
    uint64_t deleted;
    uint64_t idle_deleted;
};

/* Credits the rules that 'ukey''s flow hits with the packets and bytes
 * in 'stats' not yet pushed, and remembers them as pushed. */
static void
push_stats(struct udpif *udpif, struct ukey *ukey, const struct flow *flow,
           const struct dpif_flow_stats *stats)
{
    uint64_t n_packets = stats->n_packets - ukey->pushed_packets;
    uint64_t n_bytes = stats->n_bytes - ukey->pushed_bytes;
    struct xlate_out xout;

    if (stats->n_packets < ukey->pushed_packets) {
        /* Stats went back (zeroed): count them all. */
        n_packets = stats->n_packets;
        n_bytes = stats->n_bytes;
    }
    if (n_packets) {
        xlate_flow(udpif, flow, false, n_packets, n_bytes, &xout);
        xlate_out_uninit(&xout);
    }
    ukey->pushed_packets = stats->n_packets;
    ukey->pushed_bytes = stats->n_bytes;
}

/* Translates stale 'ukey' (whose key parsed as 'flow') again and fixes
 * or deletes its datapath flow; destroys 'ukey' if the flow is deleted.
 * Called with 'udpif->mutex' held. */
static void
retranslate(struct udpif *udpif, struct ukey *ukey, const struct flow *flow,
            struct pass_counts *counts)
{
    struct xlate_out xout;

    counts->retranslated++;
    xlate_flow(udpif, flow, false, 0, 0, &xout);
    if (!flow_is_cacheable(flow, &xout)) {
        dpif_flow_del(udpif->dpif, ukey->key, ukey->key_size, NULL);
        ukey_destroy(udpif, ukey);
        counts->deleted++;
    } else if (xout.odp_actions.size != ukey->actions_size
               || (ukey->actions_size
                   && memcmp(xout.odp_actions.data, ukey->actions,
                             ukey->actions_size))) {
        int error = dpif_flow_put(udpif->dpif, DPIF_FP_MODIFY, ukey->key,
                                  ukey->key_size, xout.odp_actions.data,
                                  xout.odp_actions.size, NULL);
        if (error) {
            dpif_flow_del(udpif->dpif, ukey->key, ukey->key_size, NULL);
            ukey_destroy(udpif, ukey);
            counts->deleted++;
        } else {
            ukey_set_xout(ukey, &xout, ports_seq(udpif));
            counts->modified++;
        }
    } else {
        ukey_set_xout(ukey, &xout, ports_seq(udpif));
    }
    xlate_out_uninit(&xout);
}

/* Revalidates one dumped flow; called with 'udpif->mutex' held. */
static void
revalidate_flow(struct udpif *udpif, const struct dpif_flow *f,
                long long int now, uint64_t version, uint64_t ml_seq,
                struct pass_counts *counts)
{
    uint32_t hash = key_hash(f->key, f->key_size);
    struct ukey *ukey = ukey_find(udpif, f->key, f->key_size, hash);
    struct dpif_flow_stats stats = f->stats;
    long long int used;
    bool valid, idle, stale;
    struct flow flow;

    if (!ukey) {
        /* Not ours (left from before, or installed by someone else):
         * nothing vouches for its actions. */
        dpif_flow_del(udpif->dpif, f->key, f->key_size, NULL);
        counts->deleted++;
        return;
    }
    ukey->seen_generation = udpif->generation;
    used = stats.used ? stats.used : ukey->created;
    idle = now - used > udpif->max_idle;
    stale = ukey_is_stale(udpif, ukey, version, ml_seq);
    if (!idle && !stale && stats.n_packets == ukey->pushed_packets) {
        /* The common case, kept cheap: nothing to do. */
        return;
    }

    /* A key whose port is gone fails here; a port change also makes
     * every flow stale, so no flow skips this check across one. */
    valid = key_to_flow(udpif, f->key, f->key_size, &flow);
    if (!valid || idle) {
        if (!dpif_flow_del(udpif->dpif, f->key, f->key_size, &stats)
            && valid) {
            push_stats(udpif, ukey, &flow, &stats);
        }
        if (valid) {
            counts->idle_deleted++;
        } else {
            counts->deleted++;
        }
        ukey_destroy(udpif, ukey);
        return;
    }

    push_stats(udpif, ukey, &flow, &stats);
    if (stale) {
        retranslate(udpif, ukey, &flow, counts);
    }
}

static long long int
time_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Re-translates the stale flows, walking the records (not the datapath).
 * Called with 'udpif->mutex' held. */
static void
revalidate_stale(struct udpif *udpif, uint64_t version, uint64_t ml_seq,
                 struct pass_counts *counts)
{
    struct ukey *ukey, *next;

    HMAP_FOR_EACH_SAFE (ukey, next, node, &udpif->ukeys) {
        struct flow flow;

        if (!ukey_is_stale(udpif, ukey, version, ml_seq)) {
            continue;
        }
        if (!key_to_flow(udpif, ukey->key, ukey->key_size, &flow)) {
            dpif_flow_del(udpif->dpif, ukey->key, ukey->key_size, NULL);
            ukey_destroy(udpif, ukey);
            counts->deleted++;
        } else {
            retranslate(udpif, ukey, &flow, counts);
        }
    }
}

/* Dumps the datapath and revalidates every flow in it.  Called with
 * 'udpif->mutex' held; releases it between batches, so that handlers
 * are not held up for the whole dump. */
static void
revalidate_dump(struct udpif *udpif, long long int now, uint64_t version,
                uint64_t ml_seq, struct pass_counts *counts)
{
    struct dpif_flow flows[DUMP_BATCH];
    struct dpif_flow_dump *dump;
    struct ukey *ukey, *next;
    size_t i, n;

    udpif->generation++;
    dump = dpif_flow_dump_create(udpif->dpif);
    for (;;) {
        pthread_mutex_unlock(&udpif->mutex);
        n = dpif_flow_dump_next(dump, flows, ARRAY_SIZE(flows));
        pthread_mutex_lock(&udpif->mutex);
        if (!n) {
            break;
        }
        for (i = 0; i < n; i++) {
            revalidate_flow(udpif, &flows[i], now, version, ml_seq,
                            counts);
        }
    }
    dpif_flow_dump_destroy(dump);

    /* Records of flows that were installed before this dump began but
     * are gone from the datapath. */
    HMAP_FOR_EACH_SAFE (ukey, next, node, &udpif->ukeys) {
        if (ukey->generation < udpif->generation
            && ukey->seen_generation != udpif->generation) {
            ukey_destroy(udpif, ukey);
        }
    }
}

static void
revalidate__(struct udpif *udpif, long long int now, bool may_dump)
{
    struct flow_table *tables = ofproto_get_tables(udpif->ofproto);
    struct mac_learning *ml = ofproto_get_mac_learning(udpif->ofproto);
    long long int start = time_usec();
    struct pass_counts counts;
    uint64_t version, ml_seq;
    bool dump, stale;
    size_t n;

    memset(&counts, 0, sizeof counts);
    pthread_mutex_lock(&udpif->mutex);
    /* Read the versions first: a change after this makes a flow
     * translated now stale again for the next pass.  A handler that
     * records a flow translated before a change sets 'dirty', which is
     * cleared here, at the start: the dump pass lets handlers in
     * between batches, and a flow recorded then may escape this pass,
     * not the next. */
    version = flow_table_version(tables);
    ml_seq = mac_learning_seq(ml);
    dump = may_dump && now >= udpif->next_dump;
    stale = (udpif->dirty || ports_seq(udpif) != udpif->last_ports_seq
             || version != udpif->last_version
             || ml_seq != udpif->last_ml_seq);
    if (!dump && !stale) {
        pthread_mutex_unlock(&udpif->mutex);
        return;
    }
    udpif->dirty = false;
    if (dump) {
        revalidate_dump(udpif, now, version, ml_seq, &counts);
        udpif->next_dump = now + NFVS_MAX(10, NFVS_MIN(UDPIF_DUMP_INTERVAL,
                                                       udpif->max_idle / 2));
    } else {
        revalidate_stale(udpif, version, ml_seq, &counts);
    }
    udpif->last_ports_seq = ports_seq(udpif);
    udpif->last_version = version;
    udpif->last_ml_seq = ml_seq;
    n = hmap_count(&udpif->ukeys);
    pthread_mutex_unlock(&udpif->mutex);

    pthread_mutex_lock(&udpif->stats_mutex);
    udpif->stats.n_revalidations++;
    udpif->stats.n_dumps += dump;
    udpif->stats.n_retranslated += counts.retranslated;
    udpif->stats.n_modified += counts.modified;
    udpif->stats.n_deleted += counts.deleted;
    udpif->stats.n_idle_deleted += counts.idle_deleted;
    udpif->stats.n_records = n;
    udpif->stats.last_pass_us = time_usec() - start;
    pthread_mutex_unlock(&udpif->stats_mutex);
}

void
udpif_revalidate(struct udpif *udpif, long long int now)
{
    revalidate__(udpif, now, true);
}

void
udpif_revalidate_stale(struct udpif *udpif)
{
    revalidate__(udpif, time_msec(), false);
}

void
udpif_get_stats(struct udpif *udpif, struct udpif_stats *stats)
{
    pthread_mutex_lock(&udpif->stats_mutex);
    *stats = udpif->stats;
    pthread_mutex_unlock(&udpif->stats_mutex);
    stats->n_handlers = udpif->n_handlers;
    stats->max_idle = udpif->max_idle;
}
