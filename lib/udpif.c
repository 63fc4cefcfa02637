#include <config.h>
#include "udpif.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "conntrack.h"
#include "dp-packet.h"
#include "dpif.h"
#include "flow-table.h"
#include "flow.h"
#include "hash.h"
#include "hmap.h"
#include "list.h"
#include "mac-learning.h"
#include "match.h"
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

/* How often the revalidator thread looks for work (MAC table and port
 * changes, flows to dump), ms. */
#define REVALIDATE_INTERVAL 100

/* The upcall rate is measured over the last RATE_SAMPLES wake-ups of the
 * revalidator thread, about a second. */
#define RATE_SAMPLES 10

/* What one revalidation pass saw, for the counters. */
struct pass_counts {
    uint64_t retranslated;
    uint64_t modified;
    uint64_t deleted;
    uint64_t idle_deleted;
    uint64_t adopted;
};

/* A connection that a ukey's translation depends on (struct
 * xlate_ct_dep), indexed by connection id for the tracker's events and,
 * for TCP, by the key's addresses and ports (the same hash both ways)
 * for the FIN or RST of the connection. */
struct ukey_ct {
    struct hmap_node id_node;   /* In 'udpif->ct_by_id'. */
    struct hmap_node tuple_node; /* In 'udpif->ct_by_tuple', if TCP. */
    struct ukey *ukey;          /* Owner. */
    uint64_t conn_id;           /* Connection. */
    uint32_t generation;        /* Its generation when translated. */
    uint8_t dir;                /* enum conntrack_dir of the key. */
    bool in_tuple_index;        /* In 'udpif->ct_by_tuple'. */
};

/* A datapath flow this udpif installed (or adopted from the datapath). */
struct ukey {
    struct hmap_node node;      /* In 'udpif->ukeys', by key hash. */
    void *key;                  /* Exact datapath key. */
    size_t key_size;
    void *actions;              /* Actions installed. */
    size_t actions_size;
    size_t scan_idx;            /* Its entry in 'udpif->scan'. */
    struct xlate_deps deps;     /* What the translation consulted. */
    struct ukey_ct cts[XLATE_MAX_CT_DEPS]; /* Its connections... */
    size_t n_cts;               /* ...how many. */
    uint64_t ports_seq;         /* 'udpif->ports_seq' translated at. */
    uint64_t ml_seq;            /* MAC table seq before translating. */
    bool used_normal;           /* NORMAL ran in the translation. */
    bool stale;                 /* Must be translated again... */
    struct nfvs_list stale_node; /* ...and in 'udpif->stale' if so. */
    uint64_t generation;        /* 'udpif->generation' when installed... */
    uint64_t seen_generation;   /* ...and when last seen in a dump. */
    uint64_t pushed_packets;    /* Stats already credited to rules. */
    uint64_t pushed_bytes;
    long long int created;      /* time_msec() at install. */

    /* Flow pairs (see install_pair()). */
    struct ukey *pair;          /* The other flow of its pair, or NULL. */
    bool pair_unused;           /* Installed ahead of its traffic as a
                                 * pair's reverse; no packet seen yet. */
};

/* What a flow table change needs to know of each ukey, in one array that
 * a change walks from start to end: touching 100,000 ukeys scattered in
 * the heap costs tens of ms in cache misses, reading this costs a few. */
struct ukey_scan {
    struct ukey *ukey;
    uint64_t table_bits;        /* Bit 'table_id % 64' of each table in
                                 * 'ukey->deps'. */
    uint64_t rule_bloom;        /* A bit per rule in 'ukey->deps'. */
    uint64_t changed_bits;      /* As 'table_bits', for the lookups of a
                                 * flow that actions had changed. */
    struct flow flow;           /* The key parsed, with the OpenFlow
                                 * in_port it had when translated. */
};

struct udpif {
    struct dpif *dpif;          /* Not owned. */
    struct ofproto *ofproto;    /* Not owned. */

    /* In the pool (see "The pool" below); 'pool.mutex' protects these. */
    uint64_t pool_id;           /* Its handler fds' epoll data. */
    struct hmap_node pool_node; /* In 'pool.udpifs', by 'pool_id'. */
    struct nfvs_list reval_node; /* In 'pool.reval_list'. */
    bool reval_busy;            /* The revalidator is making its pass. */

    /* 'mutex' protects the members down to 'max_idle'. */
    pthread_mutex_t mutex;
    struct hmap ukeys;          /* "struct ukey"s. */
    struct ukey_scan *scan;     /* One per ukey, in no order. */
    size_t n_scan, allocated_scan;
    uint64_t generation;        /* Bumped at the start of each dump. */
    uint64_t ports_seq;         /* Bumped on port changes (atomic). */
    struct nfvs_list stale;     /* Stale "struct ukey"s. */
    uint64_t last_ports_seq;    /* 'ports_seq' at the last full pass. */
    uint64_t last_version;      /* Flow table version whose changes
                                 * have been applied to the ukeys. */
    uint64_t last_ml_seq;       /* Same for the MAC learning table. */
    long long int next_dump;    /* When the next pass dumps, ms. */
    unsigned int max_idle;      /* ms. */
    struct hmap ct_by_id;       /* "struct ukey_ct"s by connection id. */
    struct hmap ct_by_tuple;    /* "struct ukey_ct"s of TCP keys, by
                                 * ukey_tuple_hash(). */

    /* Set (atomic) while the datapath is near its flow limit: no flow
     * pairs then.  Written by revalidation passes and install_pair(). */
    bool pairs_paused;

    /* Connection events not applied yet, queued by the tracker's event
     * callback; 'ct_events_mutex' (a leaf lock, taken under the tracker's
     * lock) protects them. */
    pthread_mutex_t ct_events_mutex;
    uint64_t *ct_events;        /* Connection ids. */
    size_t n_ct_events, allocated_ct_events;

    /* Counters; 'stats_mutex' protects them. */
    pthread_mutex_t stats_mutex;
    struct udpif_stats stats;

    /* For the upcall rate: 'n_upcalls' at the last RATE_SAMPLES passes
     * of the revalidator thread over this udpif, and when.  Its own. */
    uint64_t rate_upcalls[RATE_SAMPLES];
    long long int rate_times[RATE_SAMPLES];
    unsigned int rate_idx;

    /* ofproto_groups_seq() whose changes have been applied to the ukeys;
     * 'mutex' protects it. */
    uint64_t last_groups_seq;
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

static uint64_t
rule_bloom_bit(const struct rule *rule)
{
    return UINT64_C(1) << (hash_pointer(rule, 0) % 64);
}

static struct flow *
ukey_flow(const struct udpif *udpif, const struct ukey *ukey)
{
    return &udpif->scan[ukey->scan_idx].flow;
}

static void
ukey_set_stale(struct udpif *udpif, struct ukey *ukey, bool stale)
{
    if (stale && !ukey->stale) {
        nfvs_list_push_back(&udpif->stale, &ukey->stale_node);
    } else if (!stale && ukey->stale) {
        nfvs_list_remove(&ukey->stale_node);
    }
    ukey->stale = stale;
}

/* Creates a ukey for 'key' (hash 'hash') whose key parsed as 'flow', with
 * no actions yet, and records it.  Called with 'udpif->mutex' held. */
static struct ukey *
ukey_create(struct udpif *udpif, const void *key, size_t key_size,
            uint32_t hash, const struct flow *flow)
{
    struct ukey *ukey = xzalloc(sizeof *ukey);
    struct ukey_scan *scan;

    ukey->key = xmemdup(key, key_size);
    ukey->key_size = key_size;
    ukey->generation = udpif->generation;
    ukey->seen_generation = udpif->generation;
    ukey->created = time_msec();
    if (udpif->n_scan >= udpif->allocated_scan) {
        udpif->allocated_scan = NFVS_MAX(64, 2 * udpif->allocated_scan);
        udpif->scan = xrealloc(udpif->scan, udpif->allocated_scan
                                            * sizeof *udpif->scan);
    }
    ukey->scan_idx = udpif->n_scan++;
    scan = &udpif->scan[ukey->scan_idx];
    memset(scan, 0, sizeof *scan);
    scan->ukey = ukey;
    scan->flow = *flow;
    hmap_insert(&udpif->ukeys, &ukey->node, hash);
    return ukey;
}

/* Symmetric hash of a TCP flow's addresses and ports: the same for both
 * directions of a connection. */
static uint32_t
ukey_tuple_hash(const struct flow *flow)
{
    uint32_t src = hash_bytes(&flow->ipv6_src, sizeof flow->ipv6_src,
                              flow->nw_src);
    uint32_t dst = hash_bytes(&flow->ipv6_dst, sizeof flow->ipv6_dst,
                              flow->nw_dst);

    src = hash_add(src, flow->tp_src);
    dst = hash_add(dst, flow->tp_dst);
    return hash_finish(src ^ dst, flow->nw_proto);
}

static void
ukey_unindex_cts(struct udpif *udpif, struct ukey *ukey)
{
    size_t i;

    for (i = 0; i < ukey->n_cts; i++) {
        hmap_remove(&udpif->ct_by_id, &ukey->cts[i].id_node);
        if (ukey->cts[i].in_tuple_index) {
            hmap_remove(&udpif->ct_by_tuple, &ukey->cts[i].tuple_node);
        }
    }
    ukey->n_cts = 0;
}

static struct flow *ukey_flow(const struct udpif *, const struct ukey *);

/* Records and indexes the connections of 'deps' as 'ukey''s.  Returns
 * true if one of them changed since (the event may have been applied
 * before 'ukey' was recorded), so that 'ukey' is stale at once. */
static bool
ukey_index_cts(struct udpif *udpif, struct ukey *ukey,
               const struct xlate_deps *deps)
{
    const struct flow *flow = ukey_flow(udpif, ukey);
    struct conntrack *ct = ofproto_get_conntrack(udpif->ofproto);
    bool changed = false;
    size_t i;

    if (!deps->n_cts) {
        return false;
    }
    ofproto_ct_lock(udpif->ofproto);
    for (i = 0; i < deps->n_cts; i++) {
        struct ukey_ct *uc = &ukey->cts[i];

        uc->ukey = ukey;
        uc->conn_id = deps->cts[i].conn_id;
        uc->generation = deps->cts[i].generation;
        uc->dir = deps->cts[i].dir;
        hmap_insert(&udpif->ct_by_id, &uc->id_node,
                    hash_uint64(uc->conn_id, 0));
        uc->in_tuple_index = flow->nw_proto == IPPROTO_TCP;
        if (uc->in_tuple_index) {
            hmap_insert(&udpif->ct_by_tuple, &uc->tuple_node,
                        ukey_tuple_hash(flow));
        }
        if (conntrack_generation(ct, uc->conn_id) != uc->generation) {
            changed = true;
        }
    }
    ofproto_ct_unlock(udpif->ofproto);
    ukey->n_cts = deps->n_cts;
    return changed;
}

static void
ukey_destroy(struct udpif *udpif, struct ukey *ukey)
{
    size_t last = --udpif->n_scan;

    ukey_unindex_cts(udpif, ukey);
    if (ukey->pair) {
        ukey->pair->pair = NULL;
    }

    if (ukey->scan_idx != last) {
        udpif->scan[ukey->scan_idx] = udpif->scan[last];
        udpif->scan[ukey->scan_idx].ukey->scan_idx = ukey->scan_idx;
    }
    ukey_set_stale(udpif, ukey, false);
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

static bool macs_changed_since(struct udpif *, const struct ukey *,
                               uint64_t ml_seq);


/* Records 'xout' as 'ukey''s translation.  Called with 'udpif->mutex'
 * held.  A translation made before changes that were already applied to
 * the other ukeys (so that this one escaped them) is stale at once. */
static void
ukey_set_xout(struct udpif *udpif, struct ukey *ukey,
              const struct xlate_out *xout, uint64_t ports_seq_)
{
    struct ukey_scan *scan;
    bool ct_changed;
    size_t i;

    ukey->ports_seq = ports_seq_;
    free(ukey->actions);
    ukey->actions = (xout->odp_actions.size
                     ? xmemdup(xout->odp_actions.data,
                               xout->odp_actions.size)
                     : NULL);
    ukey->actions_size = xout->odp_actions.size;
    ukey->used_normal = xout->used_normal;
    ukey->ml_seq = xout->ml_seq;
    ukey->deps = xout->deps;
    ukey_unindex_cts(udpif, ukey);
    ct_changed = ukey_index_cts(udpif, ukey, &xout->deps);
    scan = &udpif->scan[ukey->scan_idx];
    scan->table_bits = 0;
    scan->rule_bloom = 0;
    scan->changed_bits = 0;
    for (i = 0; i < xout->deps.n_tables; i++) {
        const struct xlate_table_dep *dep = &xout->deps.tables[i];

        scan->table_bits |= UINT64_C(1) << (dep->table_id % 64);
        if (dep->flow_changed) {
            scan->changed_bits |= UINT64_C(1) << (dep->table_id % 64);
        }
        if (dep->rule) {
            scan->rule_bloom |= rule_bloom_bit(dep->rule);
        }
    }
    ukey_set_stale(udpif, ukey,
                   (ct_changed
                    || ((xout->deps.n_groups || xout->deps.overflow)
                        && xout->groups_seq < udpif->last_groups_seq)
                    || xout->tables_version < udpif->last_version
                    || (xout->used_normal
                        && xout->ml_seq < udpif->last_ml_seq
                        && macs_changed_since(udpif, ukey, xout->ml_seq))));
}

static bool
ukey_is_stale(const struct udpif *udpif, const struct ukey *ukey)
{
    return ukey->stale || ukey->ports_seq != ports_seq(udpif);
}

static void
ukey_mark_stale(struct udpif *udpif, struct ukey *ukey)
{
    ukey_set_stale(udpif, ukey, true);
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

/* Translates 'flow'.  With 'packet' (an upcall's), ct() acts on it;
 * without, ct() only looks up. */
static void
xlate_flow(struct udpif *udpif, const struct flow *flow, bool may_learn,
           uint64_t n_packets, uint64_t n_bytes, struct dp_packet *packet,
           struct xlate_out *xout)
{
    struct xlate_in xin;

    memset(&xin, 0, sizeof xin);
    xin.packet = packet;
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
    return (xout->error == XLATE_OK && !xout->ct_uncacheable
            && !(flow->tcp_flags & htons(ODP_TCP_CTL_MASK)));
}

static void retranslate(struct udpif *, struct ukey *, struct pass_counts *);

static void pair_link(struct udpif *, struct ukey *,
                      const struct nl_buf *rev_key);

/* Installs the flow for 'upcall' (whose key parsed as 'flow') unless one
 * is recorded already.  With 'execute', runs the actions on the upcall's
 * packet in the same datapath request where the datapath can, and then
 * sets '*executedp'.  'rev_key'
 * is the key of the reverse flow install_pair() installed for it, if
 * any (empty if none). */
static void
install_flow(struct udpif *udpif, const struct dpif_upcall *upcall,
             const struct flow *flow, const struct xlate_out *xout,
             uint64_t ports_seq_, bool execute,
             const struct nl_buf *rev_key, bool *executedp)
{
    uint32_t hash = key_hash(upcall->key, upcall->key_size);
    struct ukey *ukey;
    int error;

    pthread_mutex_lock(&udpif->mutex);
    if (!ukey_find(udpif, upcall->key, upcall->key_size, hash)) {
        if (execute) {
            error = dpif_flow_put_execute(udpif->dpif, upcall->key,
                                          upcall->key_size,
                                          xout->odp_actions.data,
                                          xout->odp_actions.size,
                                          upcall->packet, executedp);
        } else {
            error = dpif_flow_put(udpif->dpif, DPIF_FP_CREATE, upcall->key,
                                  upcall->key_size, xout->odp_actions.data,
                                  xout->odp_actions.size, NULL);
        }
        if (!error) {
            ukey = ukey_create(udpif, upcall->key, upcall->key_size, hash,
                               flow);
            ukey_set_xout(udpif, ukey, xout, ports_seq_);
            pair_link(udpif, ukey, rev_key);
            STATS_ADD(udpif, n_installed, 1);
            if (ukey->stale && ukey->n_cts) {
                /* Its connection changed meanwhile, and the event may
                 * have been applied already. */
                struct pass_counts counts;

                memset(&counts, 0, sizeof counts);
                retranslate(udpif, ukey, &counts);
            }
        } else if (error != EEXIST && error != ENOSPC) {
            /* At the flow limit (ENOSPC) the datapath counts the refusal;
             * the packet is still forwarded below. */
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

            VLOG_WARN_RL(&rl, "%s: installing a flow failed: %s",
                         dpif_name(udpif->dpif), nfvs_strerror(error));
        }
    }
    pthread_mutex_unlock(&udpif->mutex);
}

/* A cached flow of a connection, as sync_offloaded() collects them. */
struct ct_flow_ref {
    void *key;                  /* Copy of the datapath key. */
    size_t key_size;
    uint64_t conn_id;           /* Connection... */
    uint8_t dir;                /* ...and the key's direction in it. */
};

/* Feeds the tracker what a datapath flow of connection 'conn_id' in
 * direction 'dir' saw: 'stats'.  Takes the tracker's lock. */
static void
feed_offloaded(struct udpif *udpif, uint64_t conn_id, uint8_t dir,
               const struct dpif_flow_stats *stats)
{
    struct conntrack_tcp_seen seen;

    if (!stats->used && !stats->tcp_seq.valid) {
        return;
    }
    seen.seq_end = stats->tcp_seq.seq_end;
    seen.ack = stats->tcp_seq.ack;
    seen.win = stats->tcp_seq.win;
    ofproto_ct_lock(udpif->ofproto);
    conntrack_update_offloaded(ofproto_get_conntrack(udpif->ofproto),
                               conn_id, dir,
                               stats->tcp_seq.valid ? &seen : NULL,
                               stats->used);
    ofproto_ct_unlock(udpif->ofproto);
}

static bool
flow_same_tuple(const struct flow *a, const struct flow *b)
{
    return (a->nw_proto == b->nw_proto && a->dl_type == b->dl_type
            && a->nw_src == b->nw_src && a->nw_dst == b->nw_dst
            && !memcmp(&a->ipv6_src, &b->ipv6_src, sizeof a->ipv6_src)
            && !memcmp(&a->ipv6_dst, &b->ipv6_dst, sizeof a->ipv6_dst)
            && a->tp_src == b->tp_src && a->tp_dst == b->tp_dst);
}

static void
flow_reverse_tuple(const struct flow *flow, struct flow *rev)
{
    *rev = *flow;
    rev->nw_src = flow->nw_dst;
    rev->nw_dst = flow->nw_src;
    rev->ipv6_src = flow->ipv6_dst;
    rev->ipv6_dst = flow->ipv6_src;
    rev->tp_src = flow->tp_dst;
    rev->tp_dst = flow->tp_src;
}

/* Before a packet of a TCP connection whose data runs in the datapath
 * reaches the tracker (a FIN or RST, or a first packet of the other
 * direction, which acks what the datapath forwarded): reads the current
 * sequence record and last-used time of the connection's cached flows
 * and feeds them to the tracker, so that the segment is checked against
 * the window as the datapath left it (a RST must match it exactly, RFC
 * 5961).  Costs one probe of an index under 'udpif->mutex' when the
 * connection has no cached flow.  Called with no lock held. */
static void
sync_offloaded(struct udpif *udpif, const struct flow *flow)
{
    struct ct_flow_ref refs[8];
    struct ukey_ct *uc;
    size_t i, n = 0;
    struct flow rev;

    flow_reverse_tuple(flow, &rev);
    pthread_mutex_lock(&udpif->mutex);
    HMAP_FOR_EACH_WITH_HASH (uc, tuple_node, ukey_tuple_hash(flow),
                             &udpif->ct_by_tuple) {
        const struct flow *uf = ukey_flow(udpif, uc->ukey);

        if (n < ARRAY_SIZE(refs)
            && (flow_same_tuple(uf, flow) || flow_same_tuple(uf, &rev))) {
            refs[n].key = xmemdup(uc->ukey->key, uc->ukey->key_size);
            refs[n].key_size = uc->ukey->key_size;
            refs[n].conn_id = uc->conn_id;
            refs[n].dir = uc->dir;
            n++;
        }
    }
    pthread_mutex_unlock(&udpif->mutex);

    for (i = 0; i < n; i++) {
        struct dpif_flow_stats stats;

        if (!dpif_flow_get(udpif->dpif, refs[i].key, refs[i].key_size,
                           NULL, &stats)) {
            feed_offloaded(udpif, refs[i].conn_id, refs[i].dir, &stats);
        }
        free(refs[i].key);
    }
    if (n) {
        STATS_ADD(udpif, n_ct_syncs, 1);
    }
}

static void install_pair(struct udpif *, const struct flow *,
                         const struct xlate_out *, uint64_t ports_seq_,
                         struct nl_buf *rev_key);

/* Translates 'upcall' and installs its flow if it may be cached, and
 * the reverse flow of its pair if it is determined.  With 'execute', a
 * flow installed runs the packet in the same datapath request where the
 * datapath can (then '*executedp' is set).  Returns true with the packet's actions in
 * '*xout' (the caller uninits it), or false for an upcall that cannot be
 * handled (counted). */
static bool
process_upcall(struct udpif *udpif, const struct dpif_upcall *upcall,
               struct xlate_out *xout, bool execute, bool *executedp)
{
    struct nl_buf rev_key = NL_BUF_INITIALIZER;
    uint64_t ports_seq_ = ports_seq(udpif);
    struct flow flow;

    /* 'ports_seq_' is read before the ports are: a port change after
     * this makes the flow stale. */
    if (upcall->type != DPIF_UC_MISS
        || !key_to_flow(udpif, upcall->key, upcall->key_size, &flow)) {
        STATS_ADD(udpif, n_upcall_errors, 1);
        return false;
    }
    if (flow.nw_proto == IPPROTO_TCP) {
        /* A FIN or RST, or the first packet of the other direction,
         * must be judged against what the fast path forwarded. */
        sync_offloaded(udpif, &flow);
    }
    xlate_flow(udpif, &flow, true, 1, dp_packet_size(upcall->packet),
               upcall->packet, xout);
    /* The reply's flow goes in before the packet leaves. */
    install_pair(udpif, &flow, xout, ports_seq_, &rev_key);
    if (flow_is_cacheable(&flow, xout)) {
        install_flow(udpif, upcall, &flow, xout, ports_seq_, execute,
                     &rev_key, executedp);
    } else {
        STATS_ADD(udpif, n_uncached, 1);
    }
    nl_buf_uninit(&rev_key);
    /* Counted before the packet leaves, so that whoever sees the packet
     * sees the count. */
    STATS_ADD(udpif, n_upcalls, 1);
    return true;
}

/* Flow pairs.
 *
 * When a miss is translated, the flow of its reply direction is
 * translated too and installed ahead of the reply when its result is
 * already determined, so that the reply does not miss: after NORMAL
 * learned the sender, or once a tracked connection is established.  The
 * reverse key swaps the addresses and ports; its in_port is the port the
 * forward flow outputs to, so a pair needs a forward translation that is
 * exactly one output.  The reverse is installed only if its own
 * translation, made as a packet of it would be but without one, is
 * cacheable and does not depend on what its first packet would change:
 * no ct() result that is new or not offloadable (the tracker must see
 * that packet), no source address that NORMAL would have to learn or
 * move.  Once installed, each flow of a pair is an ordinary flow for
 * revalidation.  The reverse ukey counts as "used" when a dump first
 * shows it packets, as "wasted" when it is deleted idle without one.
 * While the datapath is near its flow limit no pairs are installed, so
 * that a flood of new flows, whose replies never come, does not take
 * twice the room from the flows that have traffic. */

/* Stores in '*ofportp' the OpenFlow port of datapath port 'dp_port' and
 * returns true, or returns false if the bridge has no such port. */
static bool
dp_port_to_ofport(struct udpif *udpif, uint32_t dp_port, uint32_t *ofportp)
{
    const struct ofproto_port *ports;
    bool found = false;
    size_t i, n;

    ofproto_ports_read_lock(udpif->ofproto);
    ports = ofproto_ports(udpif->ofproto, &n);
    for (i = 0; i < n; i++) {
        if (ports[i].dp_port == dp_port) {
            *ofportp = ports[i].ofport;
            found = true;
            break;
        }
    }
    ofproto_ports_read_unlock(udpif->ofproto);
    return found;
}

/* Returns true if the 'size' bytes of datapath actions at 'actions' are
 * exactly one output, and stores its port in '*portp'. */
static bool
actions_single_output(const void *actions, size_t size, uint32_t *portp)
{
    const struct nlattr *a;
    size_t left, n = 0;

    NL_ATTR_FOR_EACH (a, left, actions, size) {
        if (nl_attr_type(a) != NFVS_ACTION_ATTR_OUTPUT
            || nl_attr_get_size(a) != sizeof(uint32_t) || n++) {
            return false;
        }
        *portp = nl_attr_get_u32(a);
    }
    return n == 1 && !left;
}

/* Builds in '*rev' (in_port an OpenFlow port) the flow of the first
 * non-control packet of the reply to 'flow', whose translation produced
 * 'xout', and stores in '*rev_dp_portp' the datapath port it would come
 * in on.  Returns false if 'flow' has no reply direction a pair can
 * stand for: not TCP or UDP over IP, a fragment, an IPv6 flow label
 * (replies carry their own), or actions other than one output. */
static bool
pair_reverse_flow(struct udpif *udpif, const struct flow *flow,
                  const struct xlate_out *xout, struct flow *rev,
                  uint32_t *rev_dp_portp)
{
    if ((flow->dl_type != htons(ETH_TYPE_IP)
         && (flow->dl_type != htons(ETH_TYPE_IPV6) || flow->ipv6_label))
        || (flow->nw_proto != IPPROTO_TCP && flow->nw_proto != IPPROTO_UDP)
        || flow->nw_frag
        || !actions_single_output(xout->odp_actions.data,
                                  xout->odp_actions.size, rev_dp_portp)) {
        return false;
    }
    flow_reverse_tuple(flow, rev);
    rev->dl_src = flow->dl_dst;
    rev->dl_dst = flow->dl_src;
    rev->tcp_flags = 0;
    return dp_port_to_ofport(udpif, *rev_dp_portp, &rev->in_port);
}

/* Installs the reverse flow of 'flow' (an upcall's, translated into
 * 'xout' with the ports at 'ports_seq_') if its result is determined, as
 * described above, and leaves its key in 'key' (empty if none), for
 * pair_link().  Called with no lock held. */
static void
install_pair(struct udpif *udpif, const struct flow *flow,
             const struct xlate_out *xout, uint64_t ports_seq_,
             struct nl_buf *key)
{
    struct xlate_out rxout;
    uint32_t rev_dp_port = 0;
    struct ukey *ukey;
    struct flow rev;
    uint32_t hash;
    int error;

    if (xout->error != XLATE_OK
        || __atomic_load_n(&udpif->pairs_paused, __ATOMIC_RELAXED)
        || !pair_reverse_flow(udpif, flow, xout, &rev, &rev_dp_port)) {
        return;
    }
    xlate_flow(udpif, &rev, false, 0, 0, NULL, &rxout);
    if (!flow_is_cacheable(&rev, &rxout) || rxout.src_unlearned
        || !rxout.odp_actions.size) {
        goto out;
    }
    odp_key_from_flow(key, &rev, rev_dp_port);
    hash = key_hash(key->data, key->size);

    pthread_mutex_lock(&udpif->mutex);
    if (ukey_find(udpif, key->data, key->size, hash)) {
        nl_buf_clear(key);
        goto out_unlock;
    }
    error = dpif_flow_put(udpif->dpif, DPIF_FP_CREATE, key->data, key->size,
                          rxout.odp_actions.data, rxout.odp_actions.size,
                          NULL);
    if (error) {
        if (error == ENOSPC) {
            __atomic_store_n(&udpif->pairs_paused, true, __ATOMIC_RELAXED);
        }
        nl_buf_clear(key);
        goto out_unlock;
    }
    ukey = ukey_create(udpif, key->data, key->size, hash, &rev);
    ukey_set_xout(udpif, ukey, &rxout, ports_seq_);
    ukey->pair_unused = true;
    STATS_ADD(udpif, n_pairs_installed, 1);
    if (ukey->stale && ukey->n_cts) {
        struct pass_counts counts;

        memset(&counts, 0, sizeof counts);
        retranslate(udpif, ukey, &counts);
    }
out_unlock:
    pthread_mutex_unlock(&udpif->mutex);
out:
    xlate_out_uninit(&rxout);
}

/* Records 'ukey', just installed, and the reverse flow whose key
 * install_pair() left in 'rev_key' (if any, and if it is still there)
 * as a pair.  Called with 'udpif->mutex' held. */
static void
pair_link(struct udpif *udpif, struct ukey *ukey,
          const struct nl_buf *rev_key)
{
    struct ukey *rev;

    if (!rev_key->size) {
        return;
    }
    rev = ukey_find(udpif, rev_key->data, rev_key->size,
                    key_hash(rev_key->data, rev_key->size));
    if (rev && !rev->pair) {
        rev->pair = ukey;
        ukey->pair = rev;
    }
}

/* Counts 'ukey' as a used pair if 'stats' (from a dump) show it packets
 * for the first time, or as a wasted one if it is about to be deleted
 * idle ('deleting') without any.  Called with 'udpif->mutex' held. */
static void
pair_count_use(struct udpif *udpif, struct ukey *ukey,
               const struct dpif_flow_stats *stats, bool deleting)
{
    if (!ukey->pair_unused) {
        return;
    }
    if (stats->n_packets) {
        ukey->pair_unused = false;
        STATS_ADD(udpif, n_pairs_used, 1);
    } else if (deleting) {
        ukey->pair_unused = false;
        STATS_ADD(udpif, n_pairs_wasted, 1);
    }
}

static long long int time_usec(void);

/* Counts an upcall handled since 'start' (time_usec()) in the latency
 * histogram. */
static void
count_upcall_latency(struct udpif *udpif, long long int start)
{
    long long int us = time_usec() - start;

    pthread_mutex_lock(&udpif->stats_mutex);
    histogram_add(&udpif->stats.upcall_us, us > 0 ? us : 0);
    pthread_mutex_unlock(&udpif->stats_mutex);
}

static void
handle_upcall(struct udpif *udpif, const struct dpif_upcall *upcall)
{
    long long int start = time_usec();
    bool executed = false;
    struct xlate_out xout;

    if (process_upcall(udpif, upcall, &xout, true, &executed)) {
        if (xout.odp_actions.size && !executed) {
            dpif_execute(udpif->dpif, upcall->packet, upcall->in_port,
                         xout.odp_actions.data, xout.odp_actions.size);
        }
        xlate_out_uninit(&xout);
        count_upcall_latency(udpif, start);
    }
}

static bool ct_events_pending(struct udpif *);
static void run_ct_events(struct udpif *);

/* dpif_upcall_cb: a miss handled on the datapath's port thread, as a
 * handler thread would, except that the datapath executes the actions. */
static bool
handle_upcall_inline(void *udpif_, const struct dpif_upcall *upcall,
                     struct nl_buf *actions)
{
    struct udpif *udpif = udpif_;
    long long int start = time_usec();
    struct xlate_out xout;

    /* The datapath executes the actions once this returns: that part
     * is not counted. */
    if (process_upcall(udpif, upcall, &xout, false, NULL)) {
        nl_buf_put(actions, xout.odp_actions.data, xout.odp_actions.size);
        xlate_out_uninit(&xout);
        count_upcall_latency(udpif, start);
    }
    /* As after a handler's batch. */
    if (ct_events_pending(udpif)) {
        run_ct_events(udpif);
    }
    return true;
}

/* Connection events. */

/* The tracker's event callback: queues 'conn_id'.  Runs under the
 * tracker's lock, in any thread, possibly inside a translation that
 * holds the table and port locks: takes only the leaf lock. */
static void
udpif_ct_event(void *udpif_, uint64_t conn_id,
               enum conntrack_event_type type NFVS_UNUSED)
{
    struct udpif *udpif = udpif_;

    pthread_mutex_lock(&udpif->ct_events_mutex);
    if (udpif->n_ct_events >= udpif->allocated_ct_events) {
        udpif->allocated_ct_events = NFVS_MAX(
            16, 2 * udpif->allocated_ct_events);
        udpif->ct_events = xrealloc(udpif->ct_events,
                                    udpif->allocated_ct_events
                                    * sizeof *udpif->ct_events);
    }
    udpif->ct_events[udpif->n_ct_events++] = conn_id;
    pthread_mutex_unlock(&udpif->ct_events_mutex);
}

static bool
ct_events_pending(struct udpif *udpif)
{
    bool pending;

    pthread_mutex_lock(&udpif->ct_events_mutex);
    pending = udpif->n_ct_events > 0;
    pthread_mutex_unlock(&udpif->ct_events_mutex);
    return pending;
}

/* Marks stale the flows of every connection an event was queued for.
 * Returns how many events it applied.  Called with 'udpif->mutex'
 * held. */
static size_t
apply_ct_events(struct udpif *udpif)
{
    uint64_t *events;
    size_t i, n;

    pthread_mutex_lock(&udpif->ct_events_mutex);
    events = udpif->ct_events;
    n = udpif->n_ct_events;
    udpif->ct_events = NULL;
    udpif->n_ct_events = udpif->allocated_ct_events = 0;
    pthread_mutex_unlock(&udpif->ct_events_mutex);

    for (i = 0; i < n; i++) {
        struct ukey_ct *uc;

        HMAP_FOR_EACH_WITH_HASH (uc, id_node, hash_uint64(events[i], 0),
                                 &udpif->ct_by_id) {
            if (uc->conn_id == events[i]) {
                ukey_mark_stale(udpif, uc->ukey);
            }
        }
    }
    free(events);
    if (n) {
        STATS_ADD(udpif, n_ct_events, n);
    }
    return n;
}

static void revalidate_stale(struct udpif *, struct pass_counts *);
static void count_pass(struct udpif *, const struct pass_counts *,
                       bool dump, long long int start);

/* Applies the queued connection events now: re-translates the flows of
 * the connections that changed, which deletes those that can no longer
 * be cached.  Takes 'udpif->mutex'. */
static void
run_ct_events(struct udpif *udpif)
{
    long long int start = time_usec();
    struct pass_counts counts;

    memset(&counts, 0, sizeof counts);
    pthread_mutex_lock(&udpif->mutex);
    if (apply_ct_events(udpif)) {
        revalidate_stale(udpif, &counts);
        count_pass(udpif, &counts, false, start);
    }
    pthread_mutex_unlock(&udpif->mutex);
}

/* Receives one batch of upcalls from handler 'handler_id' of 'udpif''s
 * datapath and handles them.  Called by the pool handler thread of that
 * id, which makes sure that 'udpif' outlives the call. */
static void
handle_batch(struct udpif *udpif, uint32_t handler_id,
             struct dpif_upcall upcalls[UPCALL_BATCH])
{
    size_t i, n;

    if (dpif_recv_batch(udpif->dpif, handler_id, upcalls, UPCALL_BATCH,
                        &n)) {
        return;
    }
    for (i = 0; i < n; i++) {
        handle_upcall(udpif, &upcalls[i]);
        dpif_upcall_uninit(&upcalls[i]);
    }
    /* A FIN or RST in this batch may have made cached flows wrong:
     * take them out before the next batch. */
    if (ct_events_pending(udpif)) {
        run_ct_events(udpif);
    }
}

static long long int
time_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}


static void
count_pass(struct udpif *udpif, const struct pass_counts *counts,
           bool dump, long long int start)
{
    size_t n = hmap_count(&udpif->ukeys);

    pthread_mutex_lock(&udpif->stats_mutex);
    udpif->stats.n_revalidations++;
    udpif->stats.n_dumps += dump;
    udpif->stats.n_retranslated += counts->retranslated;
    udpif->stats.n_modified += counts->modified;
    udpif->stats.n_deleted += counts->deleted;
    udpif->stats.n_idle_deleted += counts->idle_deleted;
    udpif->stats.n_adopted += counts->adopted;
    udpif->stats.n_records = n;
    udpif->stats.last_pass_us = time_usec() - start;
    histogram_add(&udpif->stats.pass_us, udpif->stats.last_pass_us);
    pthread_mutex_unlock(&udpif->stats_mutex);
}

/* Credits the rules that 'ukey''s flow hits with the packets and bytes
 * in 'stats' not yet pushed, and remembers them as pushed.  NORMAL
 * learns from them too, as the packets would have taught it in the slow
 * path, so that a host whose traffic runs only in the datapath keeps its
 * MAC entry. */
static void
push_stats(struct udpif *udpif, struct ukey *ukey,
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
        xlate_flow(udpif, ukey_flow(udpif, ukey), true, n_packets, n_bytes,
                   NULL, &xout);
        xlate_out_uninit(&xout);
    }
    ukey->pushed_packets = stats->n_packets;
    ukey->pushed_bytes = stats->n_bytes;
}

static bool
actions_equal(const struct ukey *ukey, const struct xlate_out *xout)
{
    return (xout->odp_actions.size == ukey->actions_size
            && (!ukey->actions_size
                || !memcmp(xout->odp_actions.data, ukey->actions,
                           ukey->actions_size)));
}

/* Translates stale 'ukey' again and fixes or deletes its datapath flow;
 * destroys 'ukey' if the flow is deleted.  Called with 'udpif->mutex'
 * held. */
static void
retranslate(struct udpif *udpif, struct ukey *ukey,
            struct pass_counts *counts)
{
    uint64_t ports_seq_ = ports_seq(udpif);
    struct xlate_out xout;
    struct flow flow;

    counts->retranslated++;
    /* The key's port may have been renumbered or removed. */
    if (!key_to_flow(udpif, ukey->key, ukey->key_size, &flow)) {
        dpif_flow_del(udpif->dpif, ukey->key, ukey->key_size, NULL);
        ukey_destroy(udpif, ukey);
        counts->deleted++;
        return;
    }
    *ukey_flow(udpif, ukey) = flow;
    xlate_flow(udpif, &flow, false, 0, 0, NULL, &xout);
    if (!flow_is_cacheable(&flow, &xout)) {
        dpif_flow_del(udpif->dpif, ukey->key, ukey->key_size, NULL);
        ukey_destroy(udpif, ukey);
        counts->deleted++;
    } else if (!actions_equal(ukey, &xout)) {
        int error = dpif_flow_put(udpif->dpif, DPIF_FP_MODIFY, ukey->key,
                                  ukey->key_size, xout.odp_actions.data,
                                  xout.odp_actions.size, NULL);
        if (error) {
            dpif_flow_del(udpif->dpif, ukey->key, ukey->key_size, NULL);
            ukey_destroy(udpif, ukey);
            counts->deleted++;
        } else {
            ukey_set_xout(udpif, ukey, &xout, ports_seq_);
            counts->modified++;
        }
    } else {
        ukey_set_xout(udpif, ukey, &xout, ports_seq_);
    }
    xlate_out_uninit(&xout);
}

/* Re-translates the stale flows: those on the stale list or, after a
 * port change, every flow.  Called with 'udpif->mutex' held. */
static void
revalidate_stale(struct udpif *udpif, struct pass_counts *counts)
{
    uint64_t seq = ports_seq(udpif);
    struct ukey *ukey, *next;
    struct nfvs_list stale;

    if (seq != udpif->last_ports_seq) {
        HMAP_FOR_EACH_SAFE (ukey, next, node, &udpif->ukeys) {
            if (ukey_is_stale(udpif, ukey)) {
                retranslate(udpif, ukey, counts);
            }
        }
        udpif->last_ports_seq = seq;
        return;
    }
    /* A ukey translated again may turn stale again at once (a MAC change
     * during its translation): it waits for the next pass. */
    nfvs_list_init(&stale);
    if (!nfvs_list_is_empty(&udpif->stale)) {
        stale = udpif->stale;
        stale.next->prev = &stale;
        stale.prev->next = &stale;
        nfvs_list_init(&udpif->stale);
    }
    while (!nfvs_list_is_empty(&stale)) {
        ukey = CONTAINER_OF(stale.next, struct ukey, stale_node);
        nfvs_list_remove(&ukey->stale_node);
        nfvs_list_push_back(&udpif->stale, &ukey->stale_node);
        retranslate(udpif, ukey, counts);
    }
}

/* Table changes. */

/* Up to this many rules added in one commit are checked against each
 * cached flow's key one by one; beyond it, each affected lookup is done
 * again in the table. */
#define MAX_ADDED_CHECKS 8

struct table_changes {
    uint64_t bits;                      /* As 'ukey->table_bits'. */
    bool tables[FLOW_TABLE_N_TABLES];   /* Tables changed. */
    const struct rule **added;          /* Rules added... */
    size_t n_added;
    const struct rule **gone;           /* ...and removed or modified,
                                         * sorted. */
    size_t n_gone;
    uint64_t gone_bloom;                /* rule_bloom_bit() of each. */
};

static int
compare_rule_ptrs(const void *a_, const void *b_)
{
    uintptr_t a = (uintptr_t) *(const struct rule *const *) a_;
    uintptr_t b = (uintptr_t) *(const struct rule *const *) b_;

    return a < b ? -1 : a > b;
}

static bool
rule_is_gone(const struct table_changes *tc, const struct rule *rule)
{
    return (tc->n_gone
            && bsearch(&rule, tc->gone, tc->n_gone, sizeof *tc->gone,
                       compare_rule_ptrs));
}

/* Returns true if rule 'new', just added to the table of 'dep', may win
 * the lookup that 'dep' records: it matches the flow and outranks the
 * rule found then (a rule added at the same priority does not, since
 * ties go to the earlier rule). */
static bool
added_rule_wins(const struct rule *new, const struct xlate_table_dep *dep,
                const struct flow *flow)
{
    return (new->table_id == dep->table_id
            && match_matches_flow(&new->cr.match, flow)
            && (!dep->rule || rule_priority(new) > rule_priority(dep->rule)));
}

/* Returns true if the changes in 'tc' may change 'ukey''s translation: a
 * lookup it made in a changed table found a rule that is gone or whose
 * actions changed, or would now find an added rule.  A lookup of a flow
 * that earlier actions had changed cannot be checked against the key,
 * so any change in its table counts.  'ukey' must not be stale (a stale
 * ukey's rules may be freed).  Main thread. */
static bool
ukey_is_affected(const struct ukey_scan *scan,
                 const struct table_changes *tc,
                 const struct flow_table *tables)
{
    const struct ukey *ukey = scan->ukey;
    size_t i, j;

    if (!(scan->table_bits & tc->bits)) {
        return ukey->deps.overflow;
    }
    if (!(scan->rule_bloom & tc->gone_bloom)
        && !(scan->changed_bits & tc->bits)) {
        /* None of its rules is gone, and no added rule matches its key:
         * decided without touching the ukey. */
        for (j = 0; j < tc->n_added && tc->n_added <= MAX_ADDED_CHECKS;
             j++) {
            if (match_matches_flow(&tc->added[j]->cr.match, &scan->flow)) {
                break;
            }
        }
        if (j == tc->n_added) {
            return ukey->deps.overflow;
        }
    }
    if (ukey->deps.overflow) {
        return true;
    }
    for (i = 0; i < ukey->deps.n_tables; i++) {
        const struct xlate_table_dep *dep = &ukey->deps.tables[i];

        if (!tc->tables[dep->table_id]) {
            continue;
        }
        if (dep->flow_changed || (dep->rule && rule_is_gone(tc, dep->rule))) {
            return true;
        }
        if (tc->n_added > MAX_ADDED_CHECKS) {
            if (flow_table_lookup(tables, dep->table_id, &scan->flow, NULL)
                != dep->rule) {
                return true;
            }
            continue;
        }
        for (j = 0; j < tc->n_added; j++) {
            if (added_rule_wins(tc->added[j], dep, &scan->flow)) {
                return true;
            }
        }
    }
    return false;
}

/* The flow table's change callback, on the main thread after a commit:
 * marks the flows the changes can affect stale and translates them
 * again at once, so that the datapath never keeps forwarding by a rule
 * that is gone.  Every other flow is left alone: the cost is a few
 * comparisons per cached flow that visited a changed table, and a
 * translation per affected flow. */
static void
on_tables_changed(const struct flow_table_change *changes, size_t n_changes,
                  uint64_t version, void *udpif_)
{
    struct udpif *udpif = udpif_;
    struct flow_table *tables = ofproto_get_tables(udpif->ofproto);
    long long int start = time_usec();
    struct pass_counts counts;
    struct table_changes tc;
    size_t i;

    memset(&tc, 0, sizeof tc);
    tc.added = xmalloc(n_changes * sizeof *tc.added + 1);
    tc.gone = xmalloc(n_changes * sizeof *tc.gone + 1);
    for (i = 0; i < n_changes; i++) {
        const struct flow_table_change *c = &changes[i];

        tc.tables[c->table_id] = true;
        tc.bits |= UINT64_C(1) << (c->table_id % 64);
        if (c->type == FLOW_TABLE_ADDED) {
            tc.added[tc.n_added++] = c->rule;
        } else {
            tc.gone[tc.n_gone++] = c->rule;
            tc.gone_bloom |= rule_bloom_bit(c->rule);
        }
    }
    qsort(tc.gone, tc.n_gone, sizeof *tc.gone, compare_rule_ptrs);

    memset(&counts, 0, sizeof counts);
    pthread_mutex_lock(&udpif->mutex);
    flow_table_read_lock(tables);
    for (i = 0; i < udpif->n_scan; i++) {
        const struct ukey_scan *scan = &udpif->scan[i];

        if (!scan->ukey->stale && ukey_is_affected(scan, &tc, tables)) {
            ukey_mark_stale(udpif, scan->ukey);
        }
    }
    flow_table_read_unlock(tables);
    udpif->last_version = version;
    revalidate_stale(udpif, &counts);
    count_pass(udpif, &counts, false, start);
    pthread_mutex_unlock(&udpif->mutex);
    free(tc.added);
    free(tc.gone);

    pthread_mutex_lock(&udpif->stats_mutex);
    udpif->stats.last_change_us = udpif->stats.last_pass_us;
    pthread_mutex_unlock(&udpif->stats_mutex);
}

/* Group changes. */

/* The ofproto's groups callback, on the main thread after a change of
 * the groups 'ids': translates again at once the flows whose translation
 * ran one of them, so that no datapath flow keeps a bucket that changed
 * or a fast_failover choice whose port went down. */
static void
on_groups_changed(const uint32_t *ids, size_t n, uint64_t seq,
                  void *udpif_)
{
    struct udpif *udpif = udpif_;
    long long int start = time_usec();
    struct pass_counts counts;
    size_t i, j, k;

    memset(&counts, 0, sizeof counts);
    pthread_mutex_lock(&udpif->mutex);
    for (i = 0; i < udpif->n_scan; i++) {
        struct ukey *ukey = udpif->scan[i].ukey;
        bool affected = ukey->deps.overflow;

        for (j = 0; !affected && j < ukey->deps.n_groups; j++) {
            for (k = 0; k < n; k++) {
                if (ukey->deps.groups[j] == ids[k]) {
                    affected = true;
                    break;
                }
            }
        }
        if (affected && !ukey->stale) {
            ukey_mark_stale(udpif, ukey);
        }
    }
    udpif->last_groups_seq = seq;
    revalidate_stale(udpif, &counts);
    count_pass(udpif, &counts, false, start);
    pthread_mutex_unlock(&udpif->mutex);
}

/* MAC learning changes. */

struct mac_changes {
    struct udpif *udpif;
    struct hmap macs;           /* "struct mac_key"s. */
};

struct mac_key {
    struct hmap_node node;
    struct eth_addr mac;
    uint16_t vlan;
    uint64_t seq;               /* MAC table seq of its latest change. */
};

static uint32_t
mac_key_hash(struct eth_addr mac, uint16_t vlan)
{
    return hash_bytes(mac.ea, ETH_ADDR_LEN, vlan);
}

static struct mac_key *
mac_changes_find(const struct hmap *macs, struct eth_addr mac,
                 uint16_t vlan)
{
    struct mac_key *k;

    HMAP_FOR_EACH_WITH_HASH (k, node, mac_key_hash(mac, vlan), macs) {
        if (k->vlan == vlan && eth_addr_equals(k->mac, mac)) {
            return k;
        }
    }
    return NULL;
}

static void
collect_mac_change(struct eth_addr mac, uint16_t vlan, uint64_t seq,
                   void *macs_)
{
    struct hmap *macs = macs_;
    struct mac_key *k = mac_changes_find(macs, mac, vlan);

    if (!k) {
        k = xmalloc(sizeof *k);
        k->mac = mac;
        k->vlan = vlan;
        hmap_insert(macs, &k->node, mac_key_hash(mac, vlan));
    }
    k->seq = seq;
}

/* Returns true if an entry in 'macs' that 'ukey''s translation consulted
 * changed after the translation. */
static bool
ukey_uses_macs(const struct ukey *ukey, const struct hmap *macs)
{
    size_t i;

    if (ukey->deps.overflow) {
        return true;
    }
    for (i = 0; i < ukey->deps.n_macs; i++) {
        const struct mac_key *k = mac_changes_find(macs,
                                                   ukey->deps.macs[i].mac,
                                                   ukey->deps.macs[i].vlan);
        if (k && k->seq > ukey->ml_seq) {
            return true;
        }
    }
    return false;
}

static void
mac_changes_destroy(struct hmap *macs)
{
    struct mac_key *k;

    HMAP_FOR_EACH_POP (k, node, macs) {
        free(k);
    }
    hmap_destroy(macs);
}

/* Returns true if a MAC entry that 'ukey''s translation consulted
 * changed after 'ml_seq' (or may have). */
static bool
macs_changed_since(struct udpif *udpif, const struct ukey *ukey,
                   uint64_t ml_seq)
{
    struct mac_learning *ml = ofproto_get_mac_learning(udpif->ofproto);
    struct hmap macs;
    bool changed;

    hmap_init(&macs);
    changed = (!mac_learning_changes_since(ml, ml_seq, collect_mac_change,
                                           &macs)
               || ukey_uses_macs(ukey, &macs));
    mac_changes_destroy(&macs);
    return changed;
}

/* Marks stale the flows that NORMAL decided by a MAC entry that changed
 * since the last call: a flow flooded to an address now learned, or sent
 * to a port the address moved away from.  If the MAC table no longer has
 * a record of every change, every NORMAL flow is marked.  Called with
 * 'udpif->mutex' held. */
static void
apply_mac_changes(struct udpif *udpif)
{
    struct mac_learning *ml = ofproto_get_mac_learning(udpif->ofproto);
    uint64_t seq = mac_learning_seq(ml);
    struct ukey *ukey;
    struct hmap macs;
    bool complete;

    if (seq == udpif->last_ml_seq) {
        return;
    }
    hmap_init(&macs);
    complete = mac_learning_changes_since(ml, udpif->last_ml_seq,
                                          collect_mac_change, &macs);
    HMAP_FOR_EACH (ukey, node, &udpif->ukeys) {
        if (ukey->used_normal && !ukey->stale
            && (!complete || ukey_uses_macs(ukey, &macs))) {
            ukey_mark_stale(udpif, ukey);
        }
    }
    mac_changes_destroy(&macs);
    udpif->last_ml_seq = seq;
}

/* Dump passes. */

/* Takes 'f', a flow found in the datapath that this udpif has no record
 * of (left by an earlier run of the daemon, which the kernel datapath
 * outlives): keeps it if translating its key now gives the same actions,
 * fixes its actions if not, deletes it if it cannot be cached.  Called
 * with 'udpif->mutex' held. */
static void
adopt_flow(struct udpif *udpif, const struct dpif_flow *f, uint32_t hash,
           struct pass_counts *counts)
{
    uint64_t ports_seq_ = ports_seq(udpif);
    struct xlate_out xout;
    struct ukey *ukey;
    struct flow flow;

    if (!key_to_flow(udpif, f->key, f->key_size, &flow)) {
        dpif_flow_del(udpif->dpif, f->key, f->key_size, NULL);
        counts->deleted++;
        return;
    }
    xlate_flow(udpif, &flow, false, 0, 0, NULL, &xout);
    if (!flow_is_cacheable(&flow, &xout)) {
        dpif_flow_del(udpif->dpif, f->key, f->key_size, NULL);
        counts->deleted++;
        xlate_out_uninit(&xout);
        return;
    }
    if ((f->actions_size != xout.odp_actions.size
         || (f->actions_size
             && memcmp(f->actions, xout.odp_actions.data, f->actions_size)))
        && dpif_flow_put(udpif->dpif, DPIF_FP_MODIFY, f->key, f->key_size,
                         xout.odp_actions.data, xout.odp_actions.size,
                         NULL)) {
        dpif_flow_del(udpif->dpif, f->key, f->key_size, NULL);
        counts->deleted++;
        xlate_out_uninit(&xout);
        return;
    }
    ukey = ukey_create(udpif, f->key, f->key_size, hash, &flow);
    ukey_set_xout(udpif, ukey, &xout, ports_seq_);
    /* The stats so far were earned under the earlier run's rules. */
    ukey->pushed_packets = f->stats.n_packets;
    ukey->pushed_bytes = f->stats.n_bytes;
    counts->adopted++;
    xlate_out_uninit(&xout);
}

/* Revalidates one dumped flow; called with 'udpif->mutex' held.
 * 'max_idle' is the idle time in force for this pass. */
static void
revalidate_flow(struct udpif *udpif, const struct dpif_flow *f,
                long long int now, long long int max_idle,
                struct pass_counts *counts)
{
    uint32_t hash = key_hash(f->key, f->key_size);
    struct ukey *ukey = ukey_find(udpif, f->key, f->key_size, hash);
    struct dpif_flow_stats stats = f->stats;
    long long int used;
    size_t i;

    if (!ukey) {
        adopt_flow(udpif, f, hash, counts);
        return;
    }
    ukey->seen_generation = udpif->generation;
    for (i = 0; i < ukey->n_cts; i++) {
        /* Refreshes the connection's timeout, keeps its windows. */
        feed_offloaded(udpif, ukey->cts[i].conn_id, ukey->cts[i].dir,
                       &stats);
    }
    used = stats.used ? stats.used : ukey->created;
    pair_count_use(udpif, ukey, &stats, now - used > max_idle);
    if (now - used > max_idle) {
        if (!dpif_flow_del(udpif->dpif, f->key, f->key_size, &stats)) {
            push_stats(udpif, ukey, &stats);
        }
        ukey_destroy(udpif, ukey);
        counts->idle_deleted++;
        return;
    }
    if (stats.n_packets != ukey->pushed_packets) {
        push_stats(udpif, ukey, &stats);
    }
    if (ukey_is_stale(udpif, ukey)) {
        retranslate(udpif, ukey, counts);
    }
}

/* True while the datapath is within 10% of its flow limit.  A pass then
 * deletes flows idle for UDPIF_PRESSURE_IDLE instead of the max-idle
 * time, and passes come more often, so that flows seen once (a flood of
 * new flows) make room quickly while flows with traffic stay. */
static bool
near_flow_limit(const struct udpif *udpif)
{
    struct dpif_dp_stats dp;

    return (!dpif_get_stats(udpif->dpif, &dp) && dp.flow_limit
            && dp.n_flows >= dp.flow_limit - dp.flow_limit / 10);
}

/* Dumps the datapath and revalidates every flow in it.  Called with
 * 'udpif->mutex' held; releases it between batches, so that handlers
 * are not held up for the whole dump. */
static void
revalidate_dump(struct udpif *udpif, long long int now,
                long long int max_idle, struct pass_counts *counts)
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
        /* Changes that came in while the lock was dropped. */
        apply_mac_changes(udpif);
        for (i = 0; i < n; i++) {
            revalidate_flow(udpif, &flows[i], now, max_idle, counts);
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
    hmap_shrink(&udpif->ukeys);
    hmap_shrink(&udpif->ct_by_id);
    hmap_shrink(&udpif->ct_by_tuple);
}

static void
revalidate__(struct udpif *udpif, long long int now, bool may_dump)
{
    long long int start = time_usec();
    struct pass_counts counts;
    long long int max_idle;
    bool dump, pressure;

    memset(&counts, 0, sizeof counts);
    pressure = near_flow_limit(udpif);
    __atomic_store_n(&udpif->pairs_paused, pressure, __ATOMIC_RELAXED);
    ofproto_ct_lock(udpif->ofproto);
    conntrack_run(ofproto_get_conntrack(udpif->ofproto), now);
    ofproto_ct_unlock(udpif->ofproto);
    pthread_mutex_lock(&udpif->mutex);
    max_idle = (pressure ? NFVS_MIN(udpif->max_idle, UDPIF_PRESSURE_IDLE)
                         : udpif->max_idle);
    apply_mac_changes(udpif);
    apply_ct_events(udpif);
    dump = may_dump && (now >= udpif->next_dump || pressure);
    if (!dump && nfvs_list_is_empty(&udpif->stale)
        && udpif->last_ports_seq == ports_seq(udpif)) {
        pthread_mutex_unlock(&udpif->mutex);
        return;
    }
    if (dump) {
        revalidate_dump(udpif, now, max_idle, &counts);
        udpif->next_dump = now + NFVS_MAX(10, NFVS_MIN(UDPIF_DUMP_INTERVAL,
                                                       udpif->max_idle / 2));
    }
    revalidate_stale(udpif, &counts);
    count_pass(udpif, &counts, dump, start);
    pthread_mutex_unlock(&udpif->mutex);
}

/* Updates the upcall rate from the counters; revalidator thread. */
static void
sample_upcall_rate(struct udpif *udpif, long long int now)
{
    unsigned int oldest = (udpif->rate_idx + 1) % RATE_SAMPLES;
    uint64_t n;

    pthread_mutex_lock(&udpif->stats_mutex);
    n = udpif->stats.n_upcalls;
    udpif->rate_upcalls[udpif->rate_idx] = n;
    udpif->rate_times[udpif->rate_idx] = now;
    if (udpif->rate_times[oldest] && now > udpif->rate_times[oldest]) {
        udpif->stats.upcall_rate = ((n - udpif->rate_upcalls[oldest]) * 1000
                                    / (now - udpif->rate_times[oldest]));
    }
    pthread_mutex_unlock(&udpif->stats_mutex);
    udpif->rate_idx = oldest;
}

/* The pool.
 *
 * Every udpif shares one pool of handler threads and one revalidator
 * thread, so that a bridge costs no threads of its own here.  Each
 * datapath is given one upcall queue (socket) per pool handler thread;
 * handler thread 'i' serves queue 'i' of every datapath, and a datapath
 * picks a flow's queue by its hash, so one flow's upcalls are always
 * handled by one thread, in order.  A handler thread waits on an epoll
 * set of its queue's fd of every datapath and handles one batch of one
 * datapath per ready fd before it looks again, so that a bridge flooded
 * with misses cannot starve the others.  The revalidator makes a pass
 * over each udpif in turn every REVALIDATE_INTERVAL ms.
 *
 * The pool starts with the first udpif_pool_ref() and stops with the
 * last udpif_pool_unref().  Those, udpif_create() and udpif_destroy()
 * run on the main thread only, so starting and stopping need no lock of
 * their own.
 *
 * Locking: 'pool.mutex' protects the udpif index and list and each
 * udpif's pool members; it is a leaf lock except that the revalidator
 * waits on 'reval_cond' with it.  Each handler thread holds its own
 * 'mutex' while it serves the fds epoll reported, so that
 * udpif_destroy(), once it has taken a udpif out of the index and its
 * fds out of the epoll sets, knows that no handler still uses it by
 * taking and releasing each handler's mutex. */

/* Epoll data of a pool handler's wake fd ('pool_id's start at 1). */
#define POOL_WAKE UINT64_MAX

/* Most handler threads in the pool. */
#define POOL_MAX_HANDLERS 64

struct pool_handler {
    pthread_t thread;
    uint32_t id;                /* Datapath handler id it serves. */
    int epfd;                   /* Handler 'id''s fd of every udpif, and
                                 * 'wake_fd'. */
    int wake_fd;                /* eventfd: readable when it must quit. */
    pthread_mutex_t mutex;      /* Held while serving ready fds. */
};

static struct {
    pthread_mutex_t mutex;      /* See above. */
    struct hmap udpifs;         /* "struct udpif"s by 'pool_id'. */
    struct nfvs_list reval_list; /* The same, in revalidation order. */
    uint64_t next_id;           /* For the next udpif's 'pool_id'. */
    pthread_cond_t reval_cond;  /* Wakes the revalidator to quit. */
    pthread_cond_t busy_cond;   /* Signalled when 'reval_busy' clears. */
    bool exiting;               /* The revalidator must quit. */

    /* Written by the main thread only, and stable while the pool
     * runs. */
    unsigned int n_refs;        /* udpif_pool_ref()s not unref'd. */
    struct pool_handler *handlers; /* The handler threads... */
    unsigned int n_handlers;    /* ...how many (0: not running). */
    pthread_t revalidator;
} pool = {
    .mutex = PTHREAD_MUTEX_INITIALIZER,
    .udpifs = HMAP_INITIALIZER(&pool.udpifs),
    .reval_list = NFVS_LIST_INITIALIZER(&pool.reval_list),
    .next_id = 1,
    .reval_cond = PTHREAD_COND_INITIALIZER,
    .busy_cond = PTHREAD_COND_INITIALIZER,
};

/* Returns the udpif whose 'pool_id' is 'id', or NULL if it is gone.
 * Called with 'pool.mutex' held. */
static struct udpif *
pool_find__(uint64_t id)
{
    struct udpif *udpif;

    HMAP_FOR_EACH_WITH_HASH (udpif, pool_node, hash_uint64(id, 0),
                             &pool.udpifs) {
        if (udpif->pool_id == id) {
            return udpif;
        }
    }
    return NULL;
}

static void *
pool_handler_main(void *h_)
{
    struct pool_handler *h = h_;
    struct dpif_upcall upcalls[UPCALL_BATCH];
    bool quit = false;

    while (!quit) {
        struct epoll_event events[16];
        int i, n;

        n = epoll_wait(h->epfd, events, ARRAY_SIZE(events), -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            VLOG_ERR("handler %"PRIu32": epoll_wait failed: %s", h->id,
                     nfvs_strerror(errno));
            break;
        }
        pthread_mutex_lock(&h->mutex);
        for (i = 0; i < n; i++) {
            uint64_t id = events[i].data.u64;
            struct udpif *udpif;

            if (id == POOL_WAKE) {
                quit = true;
                continue;
            }
            pthread_mutex_lock(&pool.mutex);
            udpif = pool_find__(id);
            pthread_mutex_unlock(&pool.mutex);
            if (udpif) {
                handle_batch(udpif, h->id, upcalls);
            }
        }
        pthread_mutex_unlock(&h->mutex);
    }
    return NULL;
}

static void *
pool_revalidator_main(void *arg NFVS_UNUSED)
{
    pthread_mutex_lock(&pool.mutex);
    while (!pool.exiting) {
        struct timespec deadline;
        struct udpif *udpif;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += REVALIDATE_INTERVAL * 1000000L;
        deadline.tv_sec += deadline.tv_nsec / 1000000000L;
        deadline.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&pool.reval_cond, &pool.mutex, &deadline);

        /* A udpif stays in the list while it is busy (udpif_destroy()
         * waits), so the next one can be found after the pass. */
        udpif = (nfvs_list_is_empty(&pool.reval_list) ? NULL
                 : CONTAINER_OF(pool.reval_list.next, struct udpif,
                                reval_node));
        while (udpif && !pool.exiting) {
            struct nfvs_list *next;

            udpif->reval_busy = true;
            pthread_mutex_unlock(&pool.mutex);
            sample_upcall_rate(udpif, time_msec());
            revalidate__(udpif, time_msec(), true);
            pthread_mutex_lock(&pool.mutex);
            udpif->reval_busy = false;
            pthread_cond_broadcast(&pool.busy_cond);
            next = udpif->reval_node.next;
            udpif = (next == &pool.reval_list ? NULL
                     : CONTAINER_OF(next, struct udpif, reval_node));
        }
    }
    pthread_mutex_unlock(&pool.mutex);
    return NULL;
}

unsigned int
udpif_pool_size(unsigned int n_handlers)
{
    long int n_cpus;

    if (pool.n_handlers) {
        return pool.n_handlers;
    }
    if (!n_handlers) {
        n_cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n_handlers = n_cpus > 0 ? n_cpus : 1;
    }
    return NFVS_MIN(n_handlers, POOL_MAX_HANDLERS);
}

static void
thread_set_name(pthread_t thread, const char *name)
{
    /* Only for people looking at the daemon's threads: may fail. */
    (void) pthread_setname_np(thread, name);
}

/* Stops and frees the first 'n_started' of the 'n' pool handlers (those
 * whose threads run) and frees the resources of the others.  Main
 * thread. */
static void
pool_handlers_destroy(unsigned int n_started, unsigned int n)
{
    static const uint64_t one = 1;
    unsigned int i;

    for (i = 0; i < n_started; i++) {
        if (write(pool.handlers[i].wake_fd, &one, sizeof one) < 0) {
            nfvs_fatal(errno, "cannot stop the handler threads");
        }
    }
    for (i = 0; i < n; i++) {
        struct pool_handler *h = &pool.handlers[i];

        if (i < n_started) {
            pthread_join(h->thread, NULL);
        }
        if (h->epfd >= 0) {
            close(h->epfd);
        }
        if (h->wake_fd >= 0) {
            close(h->wake_fd);
        }
        pthread_mutex_destroy(&h->mutex);
    }
    free(pool.handlers);
    pool.handlers = NULL;
    pool.n_handlers = 0;
}

/* Starts the pool with 'n' handler threads.  Returns 0 or a positive
 * errno value (out of file descriptors or threads), leaving the pool
 * stopped.  Main thread. */
static int
pool_start(unsigned int n)
{
    unsigned int i, n_started;
    int error = 0;

    pool.exiting = false;
    pool.n_handlers = n;
    pool.handlers = xcalloc(n, sizeof *pool.handlers);
    for (i = 0; i < n; i++) {
        struct pool_handler *h = &pool.handlers[i];
        struct epoll_event ev;

        h->id = i;
        pthread_mutex_init(&h->mutex, NULL);
        h->epfd = epoll_create1(EPOLL_CLOEXEC);
        h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.u64 = POOL_WAKE;
        if (!error && (h->epfd < 0 || h->wake_fd < 0
                       || epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->wake_fd,
                                    &ev))) {
            error = errno;
        }
    }
    for (n_started = 0; !error && n_started < n; n_started++) {
        struct pool_handler *h = &pool.handlers[n_started];
        char name[24];

        error = pthread_create(&h->thread, NULL, pool_handler_main, h);
        if (!error) {
            /* Thread names are at most 15 characters. */
            snprintf(name, sizeof name, "handler%u", n_started);
            name[15] = '\0';
            thread_set_name(h->thread, name);
        } else {
            break;
        }
    }
    if (!error) {
        error = pthread_create(&pool.revalidator, NULL,
                               pool_revalidator_main, NULL);
    }
    if (error) {
        VLOG_ERR("cannot start %u upcall handler threads and a "
                 "revalidator: %s", n, nfvs_strerror(error));
        pool_handlers_destroy(n_started, n);
        return error;
    }
    thread_set_name(pool.revalidator, "revalidator");
    VLOG_INFO("started %u upcall handler thread(s) and a revalidator "
              "for all bridges", n);
    return 0;
}

/* Stops the pool's threads.  Main thread, with no udpif left. */
static void
pool_stop(void)
{
    pthread_mutex_lock(&pool.mutex);
    pool.exiting = true;
    pthread_cond_signal(&pool.reval_cond);
    pthread_mutex_unlock(&pool.mutex);
    pthread_join(pool.revalidator, NULL);
    pool_handlers_destroy(pool.n_handlers, pool.n_handlers);
}

int
udpif_pool_ref(unsigned int n_handlers)
{
    if (!pool.n_refs) {
        int error = pool_start(udpif_pool_size(n_handlers));

        if (error) {
            return error;
        }
    }
    pool.n_refs++;
    return 0;
}

void
udpif_pool_unref(void)
{
    if (!--pool.n_refs) {
        pool_stop();
    }
}

/* Adds or removes (EPOLL_CTL_ADD or _DEL in 'op') the fd of each of
 * 'udpif''s datapath handlers to the epoll set of the pool handler that
 * serves it.  Main thread. */
static void
pool_watch(struct udpif *udpif, int op)
{
    unsigned int i;

    for (i = 0; i < pool.n_handlers; i++) {
        int fd = dpif_handler_get_fd(udpif->dpif, i);
        struct epoll_event ev;

        if (fd < 0) {
            continue;
        }
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.u64 = udpif->pool_id;
        if (epoll_ctl(pool.handlers[i].epfd, op, fd, &ev)) {
            nfvs_fatal(errno, "%s: epoll_ctl on handler %u failed",
                       dpif_name(udpif->dpif), i);
        }
    }
}

/* Makes the pool, which must be running, serve 'udpif'.  Main
 * thread. */
static void
pool_add(struct udpif *udpif)
{
    uint32_t n;
    int error;

    /* A datapath given another number of queues than the pool has
     * threads would have queues that no thread serves. */
    n = pool.n_handlers;
    if (dpif_handler_get_fd(udpif->dpif, n - 1) < 0
        || dpif_handler_get_fd(udpif->dpif, n) >= 0) {
        error = dpif_handlers_set(udpif->dpif, n);
        if (error) {
            nfvs_fatal(error, "%s: setting up %"PRIu32" upcall queues "
                       "failed", dpif_name(udpif->dpif), n);
        }
    }
    pthread_mutex_lock(&pool.mutex);
    udpif->pool_id = pool.next_id++;
    hmap_insert(&pool.udpifs, &udpif->pool_node,
                hash_uint64(udpif->pool_id, 0));
    nfvs_list_push_back(&pool.reval_list, &udpif->reval_node);
    pthread_mutex_unlock(&pool.mutex);
    pool_watch(udpif, EPOLL_CTL_ADD);
}

/* Makes the pool forget 'udpif': when this returns, no pool thread is
 * using it or will.  Main thread. */
static void
pool_remove(struct udpif *udpif)
{
    unsigned int i;

    pthread_mutex_lock(&pool.mutex);
    hmap_remove(&pool.udpifs, &udpif->pool_node);
    while (udpif->reval_busy) {
        pthread_cond_wait(&pool.busy_cond, &pool.mutex);
    }
    nfvs_list_remove(&udpif->reval_node);
    pthread_mutex_unlock(&pool.mutex);

    pool_watch(udpif, EPOLL_CTL_DEL);
    for (i = 0; i < pool.n_handlers; i++) {
        /* Waits for a batch that found 'udpif' before it left the
         * index. */
        pthread_mutex_lock(&pool.handlers[i].mutex);
        pthread_mutex_unlock(&pool.handlers[i].mutex);
    }
    dpif_handlers_set(udpif->dpif, 0);
}

struct udpif *
udpif_create(struct dpif *dpif, struct ofproto *ofproto)
{
    struct udpif *udpif = xzalloc(sizeof *udpif);

    udpif->dpif = dpif;
    udpif->ofproto = ofproto;
    udpif->max_idle = UDPIF_DEFAULT_MAX_IDLE;
    udpif->last_version = flow_table_version(ofproto_get_tables(ofproto));
    udpif->last_ml_seq = mac_learning_seq(ofproto_get_mac_learning(ofproto));
    pthread_mutex_init(&udpif->mutex, NULL);
    pthread_mutex_init(&udpif->stats_mutex, NULL);
    hmap_init(&udpif->ukeys);
    hmap_init(&udpif->ct_by_id);
    hmap_init(&udpif->ct_by_tuple);
    pthread_mutex_init(&udpif->ct_events_mutex, NULL);
    nfvs_list_init(&udpif->stale);

    flow_table_set_change_cb(ofproto_get_tables(ofproto), on_tables_changed,
                             udpif);
    ofproto_set_ct_event_cb(ofproto, udpif_ct_event, udpif);
    udpif->last_groups_seq = ofproto_groups_seq(ofproto);
    ofproto_set_groups_changed_cb(ofproto, on_groups_changed, udpif);
    pool_add(udpif);
    dpif_register_upcall_cb(dpif, handle_upcall_inline, udpif);
    return udpif;
}

void
udpif_destroy(struct udpif *udpif)
{
    struct ukey *ukey, *next;

    if (!udpif) {
        return;
    }
    dpif_register_upcall_cb(udpif->dpif, NULL, NULL);
    pool_remove(udpif);
    flow_table_set_change_cb(ofproto_get_tables(udpif->ofproto), NULL,
                             NULL);
    ofproto_set_ct_event_cb(udpif->ofproto, NULL, NULL);
    ofproto_set_groups_changed_cb(udpif->ofproto, NULL, NULL);
    HMAP_FOR_EACH_SAFE (ukey, next, node, &udpif->ukeys) {
        ukey_destroy(udpif, ukey);
    }
    hmap_destroy(&udpif->ukeys);
    hmap_destroy(&udpif->ct_by_id);
    hmap_destroy(&udpif->ct_by_tuple);
    free(udpif->ct_events);
    pthread_mutex_destroy(&udpif->ct_events_mutex);
    free(udpif->scan);
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
    stats->n_handlers = pool.n_handlers;
    stats->max_idle = udpif->max_idle;
}

void
udpif_ct_events_run(struct udpif *udpif)
{
    run_ct_events(udpif);
}
