/* lib/dpif-userspace.c: the datapath run inside the daemon.
 *
 * Forwarding threads poll the ports' netdevs with epoll, receive batches,
 * build each packet's exact key (the same attribute stream as the kernel
 * module's), look it up in a hash table keyed by the key bytes and run
 * the flow's actions.  A miss goes to the upcall callback the daemon
 * registered, on the thread that found it, when nothing of its handler's
 * waits and the round's budget allows; otherwise it is queued for a
 * handler thread.  Handling a few misses in place spares each new flow
 * two thread wake-ups (what a sequential TCP client waits for, five
 * times per connection); the queue keeps a flood of new flows from
 * stalling the port's established traffic.
 *
 * Locking (order: config_mutex, cfg_lock, flow_lock, handler mutex):
 *   - 'config_mutex' serializes configuration changes (ports, handlers,
 *     options, forwarding threads).
 *   - 'cfg_lock' (rwlock) guards the port map and the handler array.
 *     Forwarders hold it for reading across one round (receive, forward,
 *     send, queue upcalls), as do dpif_execute() and dpif_run(); port
 *     removal takes it for writing, so once it is held no thread is
 *     inside a netdev of the port being removed.
 *   - 'flow_lock' (rwlock) guards the flow table.  Forwarders take it for
 *     reading once per received batch (not per packet) around lookup and
 *     action execution; flow put/del/flush take it for writing.  Both
 *     rwlocks prefer writers, so a stream of forwarding rounds never
 *     starves flow setup.
 *   - Each handler queue has its own mutex.
 * Forwarders: with one, or for a device that has a single receive queue,
 * each port is polled by one forwarder (or by dpif_run()).  With several
 * forwarders, a system port gets one receive queue per forwarder (a
 * PACKET_FANOUT group in hash mode: a flow stays on one queue) and
 * forwarder i polls queue i of every such port.  The default is one
 * forwarder per CPU.
 * Per-flow stats are written without locks: packet and byte counters
 * and TCP flags with relaxed atomic adds, the TCP sequence record by the
 * one thread that polls the connection's queue (see flow_stats_hit());
 * readers may see a packet counted before its bytes.  Each forwarder
 * keeps its own counters (struct fwd_stats), summed or listed on dump.
 * Datapath counters are atomic adds, once per batch for hits.
 *
 * A flow removed from the table is freed when its last reference goes:
 * the table holds one and a flow dump one per flow it has yet to
 * report. */
#include <config.h>
#include "dpif.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "dp-packet.h"
#include "dpif-provider.h"
#include "flow.h"
#include "hash.h"
#include "hmap.h"
#include "list.h"
#include "netdev.h"
#include "nlattr.h"
#include "odp-execute.h"
#include "odp-util.h"
#include "ofp-meter.h"
#include "packets.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(dpif_userspace);

#define DEFAULT_QUEUE_LEN 256       /* Upcalls per port in each handler. */
#define DEFAULT_DEDUPE_MS 100
#define MAX_FORWARDERS 64
#define MAX_HANDLERS 1024
#define MAX_OUT_PORTS 16            /* Output batches kept per round. */
#define WAKE_EVENT UINT64_MAX       /* epoll data of a forwarder's wake fd. */
#define MAX_INLINE_MISSES 4         /* Misses handled in place per round. */

#define LOAD(P) __atomic_load_n(P, __ATOMIC_RELAXED)
#define STORE(P, V) __atomic_store_n(P, V, __ATOMIC_RELAXED)
#define ADD(P, V) ((void) __atomic_fetch_add(P, V, __ATOMIC_RELAXED))

/* What a flow has seen; one writer (see the file comment). */
struct dp_flow_stats {
    uint64_t n_packets;         /* Packets. */
    uint64_t n_bytes;           /* Bytes. */
    long long int used;         /* time_msec() of the last packet. */
    uint16_t tcp_flags;         /* OR of TCP flags. */
    uint16_t win;               /* Window of the last ACK. */
    uint32_t seq_end;           /* Highest seq end. */
    uint32_t ack;               /* Last ACK number. */
    uint32_t seq_valid;         /* Nonzero once a TCP segment hit. */
};

struct dp_flow {
    struct hmap_node node;      /* In 'dp->flows' (by key hash). */
    int ref_cnt;                /* Atomic: table + dumps. */
    bool dead;                  /* Removed from the table. */
    void *actions;              /* Guarded by 'flow_lock'. */
    size_t actions_size;
    struct dp_flow_stats stats; /* See above. */
    size_t key_size;            /* Bytes in 'key'. */
    uint64_t key[];             /* Exact key, 8-byte aligned. */
};

/* One receive queue of a port: its upcall token bucket, written by the
 * queue's polling thread. */
struct dp_rxq {
    double tokens;              /* Upcall bucket. */
    long long int last_fill;    /* When 'tokens' was refilled. */
};

struct dp_port {
    struct hmap_node node;      /* In 'dp->ports' (by port number). */
    uint32_t port_no;           /* Datapath port number. */
    struct netdev *netdev;      /* Our own reference. */
    struct forwarder *fwd;      /* Polling thread of a port with one
                                 * receive queue; NULL: dpif_run() or
                                 * 'fanout'. */
    bool fanout;                /* One receive queue per forwarder,
                                 * forwarder i polls queue i. */
    unsigned int n_rxq;         /* Receive queues ('rxqs'). */
    struct dp_rxq rxqs[MAX_FORWARDERS]; /* Per queue. */
};

/* One upcall waiting in a handler queue. */
struct queued_upcall {
    struct nfvs_list node;      /* In its 'upcall_subq'. */
    struct hmap_node dedupe_node; /* In 'handler->dedupe' if a miss. */
    long long int queued;       /* time_msec() when queued. */
    struct dpif_upcall up;      /* What the handler gets. */
};

/* One port's upcalls in one handler queue. */
struct upcall_subq {
    struct hmap_node node;      /* In 'handler->subqs' (by port). */
    struct nfvs_list rr_node;   /* In 'handler->rr'. */
    uint32_t port_no;           /* Port of its upcalls. */
    struct nfvs_list upcalls;   /* 'struct queued_upcall's, oldest first. */
    size_t n;                   /* Length of 'upcalls'. */
};

/* A handler queue: per-port sub-queues served round-robin, so one port
 * flooding new flows fills only its own sub-queue. */
struct dp_handler {
    pthread_mutex_t mutex;
    int fd;                     /* eventfd, readable while 'n_queued'. */
    struct hmap subqs;          /* Non-empty 'struct upcall_subq's. */
    struct nfvs_list rr;        /* The same, in service order. */
    struct hmap dedupe;         /* Queued misses by key hash. */
    size_t n_queued;            /* Upcalls queued. */
};

/* A forwarding thread's counters, written by that thread only (relaxed
 * atomic loads and stores), read by dpif_userspace_get_fwd_stats(). */
struct fwd_stats {
    uint64_t n_packets;         /* Packets received. */
    uint64_t n_batches;         /* Non-empty receive calls. */
    uint64_t n_full_batches;    /* Batches of NETDEV_MAX_BURST packets. */
    uint64_t n_wakeups;         /* epoll_wait() returns. */
};

struct forwarder {
    struct dp_userspace *dp;    /* Owner. */
    size_t idx;                 /* Index in 'dp->forwarders'. */
    struct fwd_stats stats;     /* Its counters. */
    pthread_t thread;
    int epfd;                   /* Its ports' fds and 'wake_fd'. */
    int wake_fd;                /* eventfd to interrupt epoll_wait(). */
    bool stop;                  /* Atomic: exit asked. */
    size_t n_ports;             /* Ports it polls. */
};

struct dp_userspace {
    struct hmap_node node;      /* In 'all_dps' while registered. */
    char *name;                 /* Datapath name. */
    bool dummy;                 /* Dummy local port, no threads default. */
    bool registered;            /* In 'all_dps'. */
    int ref_cnt;                /* Guarded by 'all_dps_mutex'. */
    uint32_t hash_basis;        /* For key hashes. */

    pthread_mutex_t config_mutex;
    pthread_rwlock_t cfg_lock;
    struct hmap ports;          /* 'struct dp_port's; 'cfg_lock'. */
    struct dp_handler *handlers; /* 'cfg_lock'. */
    uint32_t n_handlers;
    dpif_upcall_cb *upcall_cb;  /* 'cfg_lock'; NULL: queue every miss. */
    void *upcall_aux;
    struct forwarder *forwarders; /* 'config_mutex'. */
    size_t n_forwarders;

    /* Options; written under 'cfg_lock' for writing. */
    unsigned int queue_len;
    unsigned int upcall_rate;
    unsigned int upcall_burst;
    unsigned int dedupe_ms;

    pthread_rwlock_t flow_lock;
    struct hmap flows;          /* 'struct dp_flow's; 'flow_lock'. */
    uint32_t flow_limit;        /* Atomic. */

    /* Counters, atomic. */
    uint64_t n_hit, n_missed, n_lost_queue, n_lost_rate, n_lost_parse;
    uint64_t n_lost_dup, n_lost_nohandler, n_flow_limit;

    /* Meters: 'meter_lock' (read by the forwarding path) protects the
     * map; each meter's own mutex its bucket and counters. */
    pthread_rwlock_t meter_lock;
    struct hmap meters;         /* 'struct dp_meter's by id hash. */
};

/* A meter of the userspace datapath. */
struct dp_meter {
    struct hmap_node node;      /* In 'meters'. */
    uint32_t id;
    pthread_mutex_t mutex;      /* Protects what follows. */
    struct meter_bucket bucket;
    struct dpif_meter_stats stats;
};

struct dpif_userspace {
    struct dpif up;
    struct dp_userspace *dp;
};

static pthread_mutex_t all_dps_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct hmap all_dps = HMAP_INITIALIZER(&all_dps);

static struct dp_userspace *
get_dp(const struct dpif *dpif)
{
    return CONTAINER_OF(dpif, struct dpif_userspace, up)->dp;
}

static void
rwlock_init_writer_pref(pthread_rwlock_t *lock)
{
    pthread_rwlockattr_t attr;

    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(
        &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(lock, &attr);
    pthread_rwlockattr_destroy(&attr);
}

static void
eventfd_signal(int fd)
{
    uint64_t one = 1;

    if (write(fd, &one, sizeof one) < 0) {
        abort();                /* Only on counter overflow. */
    }
}

static void
eventfd_clear(int fd)
{
    uint64_t value;

    if (read(fd, &value, sizeof value) < 0 && errno != EAGAIN) {
        abort();
    }
}

/* Flows. */

static void
flow_unref(struct dp_flow *flow)
{
    if (flow && __atomic_sub_fetch(&flow->ref_cnt, 1, __ATOMIC_ACQ_REL) == 0) {
        free(flow->actions);
        free(flow);
    }
}

static uint32_t
key_hash(const struct dp_userspace *dp, const void *key, size_t key_size)
{
    return hash_bytes(key, key_size, dp->hash_basis);
}

/* Called with 'flow_lock' held. */
static struct dp_flow *
flow_lookup(const struct dp_userspace *dp, const void *key, size_t key_size,
            uint32_t hash)
{
    struct dp_flow *flow;

    HMAP_FOR_EACH_WITH_HASH (flow, node, hash, &dp->flows) {
        if (flow->key_size == key_size && !memcmp(flow->key, key, key_size)) {
            return flow;
        }
    }
    return NULL;
}

static void
flow_stats_read(const struct dp_flow *flow, struct dpif_flow_stats *stats)
{
    const struct dp_flow_stats *s = &flow->stats;

    stats->n_packets = LOAD(&s->n_packets);
    stats->n_bytes = LOAD(&s->n_bytes);
    stats->used = LOAD(&s->used);
    stats->tcp_flags = LOAD(&s->tcp_flags);
    stats->tcp_seq.valid = LOAD(&s->seq_valid) != 0;
    stats->tcp_seq.seq_end = LOAD(&s->seq_end);
    stats->tcp_seq.ack = LOAD(&s->ack);
    stats->tcp_seq.win = LOAD(&s->win);
}

/* Updates 'flow''s stats for packet 'p' parsed into 'pf'.  Counters and
 * flags are atomic read-modify-writes (a key's packets may come from
 * two receive queues of its port: later fragments, which PACKET_FANOUT
 * hashes on addresses only, or while the queues change); the TCP
 * sequence record is written by the one thread that polls the queue the
 * connection hashes to. */
static void
flow_stats_hit(struct dp_flow *flow, const struct dp_packet *p,
               const struct flow *pf, long long int now)
{
    struct dp_flow_stats *s = &flow->stats;
    const struct tcp_header *th;
    size_t l4_size;

    ADD(&s->n_packets, 1);
    ADD(&s->n_bytes, dp_packet_size(p));
    STORE(&s->used, now);
    if (pf->nw_proto != IPPROTO_TCP || (pf->nw_frag & FLOW_NW_FRAG_LATER)
        || !(pf->dl_type == htons(ETH_TYPE_IP)
             || pf->dl_type == htons(ETH_TYPE_IPV6))) {
        return;
    }
    th = dp_packet_l4(p);
    l4_size = dp_packet_l4_size(p);
    if (th && l4_size >= TCP_HEADER_LEN) {
        uint16_t flags = TCP_FLAGS(th->tcp_ctl);
        size_t hlen = TCP_OFFSET(th->tcp_ctl) * 4;
        uint32_t seq_end = ntohl(th->tcp_seq)
                           + (hlen <= l4_size ? l4_size - hlen : 0)
                           + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);

        (void) __atomic_fetch_or(&s->tcp_flags, flags, __ATOMIC_RELAXED);
        if (!LOAD(&s->seq_valid)
            || (int32_t) (seq_end - LOAD(&s->seq_end)) > 0) {
            STORE(&s->seq_end, seq_end);
        }
        if (flags & TCP_ACK) {
            STORE(&s->ack, ntohl(th->tcp_ack));
            STORE(&s->win, ntohs(th->tcp_winsz));
        }
        STORE(&s->seq_valid, 1);
    }
}

/* Checks that 'key' is exact and canonical: what the datapath builds from
 * a packet.  Returns 0 or EINVAL. */
static int
check_key(const void *key, size_t key_size)
{
    struct nl_buf canon = NL_BUF_INITIALIZER;
    const char *err = NULL;
    struct flow flow;
    int error;

    if (!key_size || key_size > 1024) {
        return EINVAL;
    }
    error = odp_key_to_flow(key, key_size, &flow, &err);
    if (!error) {
        odp_key_from_flow(&canon, &flow, flow.in_port);
        error = (canon.size != key_size || memcmp(canon.data, key, key_size)
                 ? EINVAL : 0);
        nl_buf_uninit(&canon);
    }
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

        vlog_rate_limit(&this_module, VLL_WARN, &rl, "flow key rejected: %s",
                        err ? err : "not an exact key in canonical form");
    }
    return error;
}

static int
check_actions(const void *actions, size_t size, const void *key,
              size_t key_size)
{
    const char *err = NULL;
    int error = odp_actions_check(actions, size, key, key_size, &err);

    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

        vlog_rate_limit(&this_module, VLL_WARN, &rl,
                        "flow actions rejected: %s", err);
    }
    return error;
}

static int
dpif_userspace_flow_put(struct dpif *dpif, enum dpif_flow_put_flags flags,
                        const void *key, size_t key_size,
                        const void *actions, size_t actions_size,
                        struct dpif_flow_stats *stats)
{
    struct dp_userspace *dp = get_dp(dpif);
    uint32_t hash = key_hash(dp, key, key_size);
    struct dp_flow *flow;
    int error;

    error = check_key(key, key_size);
    if (!error) {
        error = check_actions(actions, actions_size, key, key_size);
    }
    if (error) {
        return error;
    }

    pthread_rwlock_wrlock(&dp->flow_lock);
    flow = flow_lookup(dp, key, key_size, hash);
    if (flow) {
        if (!(flags & DPIF_FP_MODIFY)) {
            error = EEXIST;
            goto out_unlock;
        }
        if (stats) {
            flow_stats_read(flow, stats);
        }
        free(flow->actions);
        flow->actions = actions_size ? xmemdup(actions, actions_size) : NULL;
        flow->actions_size = actions_size;
        if (flags & DPIF_FP_ZERO_STATS) {
            memset(&flow->stats, 0, sizeof flow->stats);
        }
    } else {
        if (!(flags & DPIF_FP_CREATE)) {
            error = ENOENT;
            goto out_unlock;
        }
        if (hmap_count(&dp->flows) >= LOAD(&dp->flow_limit)) {
            ADD(&dp->n_flow_limit, 1);
            error = ENOSPC;
            goto out_unlock;
        }
        flow = xzalloc(sizeof *flow + ROUND_UP(key_size, 8));
        flow->ref_cnt = 1;
        flow->actions = actions_size ? xmemdup(actions, actions_size) : NULL;
        flow->actions_size = actions_size;
        flow->key_size = key_size;
        memcpy(flow->key, key, key_size);
        hmap_insert(&dp->flows, &flow->node, hash);
    }

out_unlock:
    pthread_rwlock_unlock(&dp->flow_lock);
    return error;
}

/* Called with 'flow_lock' held for writing. */
static void
flow_remove(struct dp_userspace *dp, struct dp_flow *flow)
{
    hmap_remove(&dp->flows, &flow->node);
    flow->dead = true;
    flow_unref(flow);
}

static int
dpif_userspace_flow_del(struct dpif *dpif, const void *key, size_t key_size,
                        struct dpif_flow_stats *stats)
{
    struct dp_userspace *dp = get_dp(dpif);
    uint32_t hash = key_hash(dp, key, key_size);
    struct dp_flow *flow;

    pthread_rwlock_wrlock(&dp->flow_lock);
    flow = flow_lookup(dp, key, key_size, hash);
    if (flow) {
        if (stats) {
            flow_stats_read(flow, stats);
        }
        flow_remove(dp, flow);
        hmap_shrink(&dp->flows);
    }
    pthread_rwlock_unlock(&dp->flow_lock);
    return flow ? 0 : ENOENT;
}

static int
dpif_userspace_flow_get(const struct dpif *dpif, const void *key,
                        size_t key_size, struct nl_buf *actions,
                        struct dpif_flow_stats *stats)
{
    struct dp_userspace *dp = get_dp(dpif);
    uint32_t hash = key_hash(dp, key, key_size);
    struct dp_flow *flow;

    pthread_rwlock_rdlock(&dp->flow_lock);
    flow = flow_lookup(dp, key, key_size, hash);
    if (flow) {
        if (stats) {
            flow_stats_read(flow, stats);
        }
        if (actions && flow->actions_size) {
            memcpy(nl_buf_put_uninit(actions, flow->actions_size),
                   flow->actions, flow->actions_size);
        }
    }
    pthread_rwlock_unlock(&dp->flow_lock);
    return flow ? 0 : ENOENT;
}

static void
flow_flush__(struct dp_userspace *dp)
{
    struct dp_flow *flow, *next;
    struct hmap old;

    /* Detach the whole table at once: removing node by node would shrink
     * the map under the iteration. */
    hmap_init(&old);
    pthread_rwlock_wrlock(&dp->flow_lock);
    hmap_swap(&old, &dp->flows);
    HMAP_FOR_EACH (flow, node, &old) {
        flow->dead = true;
    }
    pthread_rwlock_unlock(&dp->flow_lock);

    /* No reader can reach these flows any more. */
    HMAP_FOR_EACH_SAFE (flow, next, node, &old) {
        flow_unref(flow);
    }
    hmap_destroy(&old);
}

static int
dpif_userspace_flow_flush(struct dpif *dpif)
{
    flow_flush__(get_dp(dpif));
    return 0;
}

struct dump_userspace {
    struct dpif_flow_dump up;
    struct dp_flow **flows;     /* Referenced flows yet to report. */
    size_t n_flows;             /* Elements in 'flows'. */
    size_t pos;                 /* Next one to report. */
    struct nl_buf buf;          /* Keys and actions of the last batch. */
};

static struct dpif_flow_dump *
dpif_userspace_flow_dump_create(const struct dpif *dpif)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dump_userspace *dump = xzalloc(sizeof *dump);
    struct dp_flow *flow;

    nl_buf_init(&dump->buf);
    pthread_rwlock_rdlock(&dp->flow_lock);
    dump->flows = xmalloc((hmap_count(&dp->flows) + 1)
                          * sizeof *dump->flows);
    HMAP_FOR_EACH (flow, node, &dp->flows) {
        __atomic_add_fetch(&flow->ref_cnt, 1, __ATOMIC_RELAXED);
        dump->flows[dump->n_flows++] = flow;
    }
    pthread_rwlock_unlock(&dp->flow_lock);
    return &dump->up;
}

static size_t
dpif_userspace_flow_dump_next(struct dpif_flow_dump *dump_,
                              struct dpif_flow *flows, size_t max)
{
    struct dump_userspace *dump = CONTAINER_OF(dump_, struct dump_userspace,
                                               up);
    struct dp_userspace *dp = get_dp(dump->up.dpif);
    size_t n = 0, ofs = 0, i;

    nl_buf_clear(&dump->buf);
    pthread_rwlock_rdlock(&dp->flow_lock);
    while (n < max && dump->pos < dump->n_flows) {
        struct dp_flow *flow = dump->flows[dump->pos++];

        if (!flow->dead) {
            struct dpif_flow *f = &flows[n++];
            size_t size = ROUND_UP(flow->key_size, 8)
                          + ROUND_UP(flow->actions_size, 8);
            uint8_t *p = nl_buf_put_uninit(&dump->buf, size);

            memcpy(p, flow->key, flow->key_size);
            if (flow->actions_size) {
                memcpy(p + ROUND_UP(flow->key_size, 8), flow->actions,
                       flow->actions_size);
            }
            /* Offsets for now: 'buf' may move while it grows. */
            f->key = (void *) (uintptr_t) (p - dump->buf.data);
            f->key_size = flow->key_size;
            f->actions_size = flow->actions_size;
            flow_stats_read(flow, &f->stats);
        }
        flow_unref(flow);
    }
    pthread_rwlock_unlock(&dp->flow_lock);

    for (i = 0; i < n; i++) {
        ofs = (uintptr_t) flows[i].key;
        flows[i].key = dump->buf.data + ofs;
        flows[i].actions = (dump->buf.data + ofs
                            + ROUND_UP(flows[i].key_size, 8));
    }
    return n;
}

static int
dpif_userspace_flow_dump_destroy(struct dpif_flow_dump *dump_)
{
    struct dump_userspace *dump = CONTAINER_OF(dump_, struct dump_userspace,
                                               up);

    while (dump->pos < dump->n_flows) {
        flow_unref(dump->flows[dump->pos++]);
    }
    free(dump->flows);
    nl_buf_uninit(&dump->buf);
    free(dump);
    return 0;
}

/* Handlers and upcalls. */

/* Returns 0 or a positive errno value (EMFILE: out of file
 * descriptors), leaving 'h' unusable. */
static int
handler_init(struct dp_handler *h)
{
    h->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (h->fd < 0) {
        return errno;
    }
    pthread_mutex_init(&h->mutex, NULL);
    hmap_init(&h->subqs);
    nfvs_list_init(&h->rr);
    hmap_init(&h->dedupe);
    h->n_queued = 0;
    return 0;
}

static void
queued_upcall_destroy(struct queued_upcall *qu)
{
    dpif_upcall_uninit(&qu->up);
    free(qu);
}

static void
handler_uninit(struct dp_handler *h)
{
    struct upcall_subq *subq;

    HMAP_FOR_EACH_POP (subq, node, &h->subqs) {
        struct queued_upcall *qu, *next;

        NFVS_LIST_FOR_EACH_SAFE (qu, next, node, &subq->upcalls) {
            queued_upcall_destroy(qu);
        }
        free(subq);
    }
    hmap_destroy(&h->subqs);
    hmap_destroy(&h->dedupe);
    close(h->fd);
    pthread_mutex_destroy(&h->mutex);
}

/* Returns true if a miss for 'key' is queued in 'h' and younger than the
 * dedupe window.  Called with 'h->mutex'. */
static bool
handler_has_fresh(const struct dp_handler *h, const void *key,
                  size_t key_size, uint32_t hash, long long int cutoff)
{
    const struct queued_upcall *qu;

    HMAP_FOR_EACH_WITH_HASH (qu, dedupe_node, hash, &h->dedupe) {
        if (qu->queued >= cutoff && qu->up.key_size == key_size
            && !memcmp(qu->up.key, key, key_size)) {
            return true;
        }
    }
    return false;
}

/* The receive queue of the port that this thread is forwarding from, set
 * by fwd_port_round(): port_take_token() uses its bucket. */
static __thread unsigned int cur_rxq;

/* Refills the upcall bucket of the receive queue of 'port' that this
 * thread polls and takes one token; returns false if there is none.  A
 * port's rate and burst are shared out between its queues.  Called only
 * by the queue's polling thread. */
static bool
port_take_token(struct dp_userspace *dp, struct dp_port *port,
                long long int now)
{
    struct dp_rxq *q = &port->rxqs[cur_rxq < port->n_rxq ? cur_rxq : 0];
    unsigned int rate = LOAD(&dp->upcall_rate);
    double burst, qrate;

    if (!rate) {
        return true;
    }
    qrate = (double) rate / port->n_rxq;
    burst = NFVS_MAX((double) LOAD(&dp->upcall_burst) / port->n_rxq, 1);
    if (now > q->last_fill) {
        q->tokens = NFVS_MIN(burst, q->tokens
                             + (now - q->last_fill) * qrate / 1000.0);
        q->last_fill = now;
    }
    if (q->tokens < 1) {
        return false;
    }
    q->tokens -= 1;
    return true;
}

/* Queues an upcall of 'type' for 'packet' (taking ownership, even on
 * failure) with key 'key' (copied).  'port' is the polling thread's port
 * for misses, NULL for action upcalls.  Called with 'cfg_lock' held. */
static void
upcall_queue(struct dp_userspace *dp, enum dpif_upcall_type type,
             struct dp_port *port, uint32_t in_port, struct dp_packet *packet,
             const void *key, size_t key_size, uint32_t hash,
             const void *userdata, size_t userdata_size, long long int now)
{
    unsigned int dedupe_ms = LOAD(&dp->dedupe_ms);
    struct queued_upcall *qu;
    struct upcall_subq *subq;
    struct dp_handler *h;
    uint64_t *counter;

    if (!dp->n_handlers) {
        counter = &dp->n_lost_nohandler;
        goto out_drop;
    }
    h = &dp->handlers[hash % dp->n_handlers];

    pthread_mutex_lock(&h->mutex);
    if (type == DPIF_UC_MISS && dedupe_ms
        && handler_has_fresh(h, key, key_size, hash, now - dedupe_ms)) {
        counter = &dp->n_lost_dup;
        goto out_unlock;
    }
    if (port && !port_take_token(dp, port, now)) {
        counter = &dp->n_lost_rate;
        goto out_unlock;
    }
    subq = NULL;
    HMAP_FOR_EACH_WITH_HASH (subq, node, hash_int(in_port, 0), &h->subqs) {
        if (subq->port_no == in_port) {
            break;
        }
    }
    if (subq && subq->n >= LOAD(&dp->queue_len)) {
        counter = &dp->n_lost_queue;
        goto out_unlock;
    }
    if (!subq) {
        subq = xmalloc(sizeof *subq);
        subq->port_no = in_port;
        nfvs_list_init(&subq->upcalls);
        subq->n = 0;
        hmap_insert(&h->subqs, &subq->node, hash_int(in_port, 0));
        nfvs_list_push_back(&h->rr, &subq->rr_node);
    }

    /* A packet that borrows a receive ring's frame must not hold it for
     * as long as it waits here. */
    dp_packet_unborrow(packet);
    qu = xzalloc(sizeof *qu);
    qu->queued = now;
    qu->up.type = type;
    qu->up.packet = packet;
    qu->up.key = xmemdup(key, key_size);
    qu->up.key_size = key_size;
    if (userdata) {
        qu->up.userdata = xmemdup(userdata, userdata_size);
        qu->up.userdata_size = userdata_size;
    }
    qu->up.hash = hash;
    qu->up.in_port = in_port;
    if (type == DPIF_UC_MISS) {
        hmap_insert(&h->dedupe, &qu->dedupe_node, hash);
        ADD(&dp->n_missed, 1);
    }
    nfvs_list_push_back(&subq->upcalls, &qu->node);
    subq->n++;
    if (!h->n_queued++) {
        eventfd_signal(h->fd);
    }
    pthread_mutex_unlock(&h->mutex);
    return;

out_unlock:
    pthread_mutex_unlock(&h->mutex);
out_drop:
    ADD(counter, 1);
    dp_packet_destroy(packet);
}

static int
dpif_userspace_recv_batch(struct dpif *dpif, uint32_t handler_id,
                          struct dpif_upcall upcalls[], size_t max,
                          size_t *n)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dp_handler *h;

    pthread_rwlock_rdlock(&dp->cfg_lock);
    if (handler_id >= dp->n_handlers) {
        pthread_rwlock_unlock(&dp->cfg_lock);
        return EINVAL;
    }
    h = &dp->handlers[handler_id];
    pthread_mutex_lock(&h->mutex);
    while (*n < max && !nfvs_list_is_empty(&h->rr)) {
        struct upcall_subq *subq = CONTAINER_OF(h->rr.next,
                                                struct upcall_subq, rr_node);
        struct queued_upcall *qu = CONTAINER_OF(subq->upcalls.next,
                                                struct queued_upcall, node);

        nfvs_list_remove(&subq->rr_node);
        nfvs_list_remove(&qu->node);
        if (--subq->n) {
            nfvs_list_push_back(&h->rr, &subq->rr_node);
        } else {
            hmap_remove(&h->subqs, &subq->node);
            free(subq);
        }
        if (qu->up.type == DPIF_UC_MISS) {
            hmap_remove(&h->dedupe, &qu->dedupe_node);
        }
        upcalls[(*n)++] = qu->up;
        free(qu);
        h->n_queued--;
    }
    if (*n && !h->n_queued) {
        eventfd_clear(h->fd);
    }
    pthread_mutex_unlock(&h->mutex);
    pthread_rwlock_unlock(&dp->cfg_lock);
    return *n ? 0 : EAGAIN;
}

static int
dpif_userspace_handler_get_fd(const struct dpif *dpif, uint32_t handler_id)
{
    struct dp_userspace *dp = get_dp(dpif);
    int fd;

    pthread_rwlock_rdlock(&dp->cfg_lock);
    fd = handler_id < dp->n_handlers ? dp->handlers[handler_id].fd : -1;
    pthread_rwlock_unlock(&dp->cfg_lock);
    return fd;
}

/* Replaces the handler queues by 'n_handlers' empty ones.  On failure
 * (out of file descriptors) returns a positive errno value and leaves
 * the queues as they were. */
static int
dpif_userspace_handlers_set__(struct dp_userspace *dp, uint32_t n_handlers)
{
    struct dp_handler *handlers, *old;
    uint32_t i, n_old;
    int error;

    if (n_handlers > MAX_HANDLERS) {
        return EINVAL;
    }
    handlers = n_handlers ? xcalloc(n_handlers, sizeof *handlers) : NULL;
    for (i = 0; i < n_handlers; i++) {
        error = handler_init(&handlers[i]);
        if (error) {
            while (i-- > 0) {
                handler_uninit(&handlers[i]);
            }
            free(handlers);
            return error;
        }
    }

    pthread_mutex_lock(&dp->config_mutex);
    pthread_rwlock_wrlock(&dp->cfg_lock);
    old = dp->handlers;
    n_old = dp->n_handlers;
    dp->handlers = handlers;
    dp->n_handlers = n_handlers;
    pthread_rwlock_unlock(&dp->cfg_lock);
    pthread_mutex_unlock(&dp->config_mutex);

    for (i = 0; i < n_old; i++) {
        handler_uninit(&old[i]);
    }
    free(old);
    return 0;
}

static int
dpif_userspace_handlers_set(struct dpif *dpif, uint32_t n_handlers)
{
    return dpif_userspace_handlers_set__(get_dp(dpif), n_handlers);
}

static void
dpif_userspace_register_upcall_cb(struct dpif *dpif, dpif_upcall_cb *cb,
                                  void *aux)
{
    struct dp_userspace *dp = get_dp(dpif);

    /* Forwarders call it with 'cfg_lock' held for reading. */
    pthread_mutex_lock(&dp->config_mutex);
    pthread_rwlock_wrlock(&dp->cfg_lock);
    dp->upcall_cb = cb;
    dp->upcall_aux = aux;
    pthread_rwlock_unlock(&dp->cfg_lock);
    pthread_mutex_unlock(&dp->config_mutex);
}

/* Forwarding. */

/* One round of forwarding by one thread: output batches per port and the
 * key of the packet being processed.  Used with 'cfg_lock' held. */
struct fwd_ctx {
    struct dp_userspace *dp;
    long long int now;          /* time_msec() of the round. */
    struct nl_buf key;          /* Key of the current packet. */
    uint32_t hash;              /* Its hash. */
    uint32_t in_port;           /* Its input port. */
    struct out_batch {
        struct dp_port *port;   /* Output port. */
        struct dp_packet_batch batch; /* Packets for it. */
    } outs[MAX_OUT_PORTS];
    size_t n_outs;              /* Used elements of 'outs'. */
};

static void
fwd_ctx_init(struct fwd_ctx *ctx, struct dp_userspace *dp)
{
    ctx->dp = dp;
    ctx->now = time_msec();
    nl_buf_init(&ctx->key);
    ctx->n_outs = 0;
}

static void
fwd_ctx_uninit(struct fwd_ctx *ctx)
{
    nl_buf_uninit(&ctx->key);
}

/* Builds the key of 'p', received on 'in_port', into 'ctx' and sets the
 * packet's layer offsets; stores the parsed flow in '*flow'. */
static void
fwd_ctx_set_packet(struct fwd_ctx *ctx, struct dp_packet *p,
                   uint32_t in_port, struct flow *flow)
{
    flow_extract_set_offsets(p, in_port, flow);
    nl_buf_clear(&ctx->key);
    odp_key_from_flow(&ctx->key, flow, in_port);
    ctx->hash = key_hash(ctx->dp, ctx->key.data, ctx->key.size);
    ctx->in_port = in_port;
}

static struct dp_port *
port_lookup(const struct dp_userspace *dp, uint32_t port_no)
{
    struct dp_port *port;

    HMAP_FOR_EACH_WITH_HASH (port, node, hash_int(port_no, 0), &dp->ports) {
        if (port->port_no == port_no) {
            return port;
        }
    }
    return NULL;
}

static void
fwd_flush_one(struct out_batch *out)
{
    netdev_send(out->port->netdev, &out->batch);
}

static void
fwd_flush(struct fwd_ctx *ctx)
{
    size_t i;

    for (i = 0; i < ctx->n_outs; i++) {
        fwd_flush_one(&ctx->outs[i]);
    }
    ctx->n_outs = 0;
}

static void
fwd_output(struct fwd_ctx *ctx, struct dp_packet *p, uint32_t port_no)
{
    struct dp_port *port = port_lookup(ctx->dp, port_no);
    struct out_batch *out = NULL;
    size_t i;

    if (!port) {
        dp_packet_destroy(p);   /* Port gone: the flow's output drops. */
        return;
    }
    for (i = 0; i < ctx->n_outs; i++) {
        if (ctx->outs[i].port == port) {
            out = &ctx->outs[i];
            break;
        }
    }
    if (!out) {
        if (ctx->n_outs >= MAX_OUT_PORTS) {
            fwd_flush(ctx);
        }
        out = &ctx->outs[ctx->n_outs++];
        out->port = port;
        dp_packet_batch_init(&out->batch);
    }
    out->batch.packets[out->batch.count++] = p;
    if (out->batch.count >= NETDEV_MAX_BURST) {
        fwd_flush_one(out);
    }
}

static const struct nl_policy userspace_policy[] = {
    [NFVS_USERSPACE_ATTR_PID] = { true, 4, 4 },
    [NFVS_USERSPACE_ATTR_USERDATA] = { true, 0, ODP_USERDATA_MAX_SIZE },
};

/* odp_execute_cb for the userspace datapath. */
static void
fwd_execute_cb(void *ctx_, struct dp_packet *packet,
               const struct nlattr *action, bool steal)
{
    struct fwd_ctx *ctx = ctx_;
    struct dp_packet *p = steal ? packet : dp_packet_clone(packet);

    if (nl_attr_type(action) == NFVS_ACTION_ATTR_OUTPUT) {
        fwd_output(ctx, p, nl_attr_get_u32(action));
    } else {
        const struct nlattr *a[ARRAY_SIZE(userspace_policy)];
        const struct nlattr *ud;

        /* Checked when the actions were installed. */
        nl_parse(nl_attr_get(action), nl_attr_get_size(action),
                 userspace_policy, ARRAY_SIZE(userspace_policy), a, NULL);
        ud = a[NFVS_USERSPACE_ATTR_USERDATA];
        upcall_queue(ctx->dp, DPIF_UC_ACTION, NULL, ctx->in_port, p,
                     ctx->key.data, ctx->key.size, ctx->hash,
                     ud ? nl_attr_get(ud) : NULL,
                     ud ? nl_attr_get_size(ud) : 0, ctx->now);
    }
}

/* Meters. */

static long long int
meter_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Called with 'meter_lock' held. */
static struct dp_meter *
meter_lookup(const struct dp_userspace *dp, uint32_t id)
{
    struct dp_meter *m;

    HMAP_FOR_EACH_WITH_HASH (m, node, hash_int(id, 0), &dp->meters) {
        if (m->id == id) {
            return m;
        }
    }
    return NULL;
}

/* odp_meter_cb for the userspace datapath: runs the packet through the
 * meter's bucket.  A missing meter drops (its flows are on their way
 * out). */
static bool
fwd_meter_cb(void *ctx_, const struct dp_packet *packet, uint32_t id)
{
    struct fwd_ctx *ctx = ctx_;
    struct dp_userspace *dp = ctx->dp;
    uint32_t size = dp_packet_size(packet);
    struct dp_meter *m;
    bool pass = false;

    pthread_rwlock_rdlock(&dp->meter_lock);
    m = meter_lookup(dp, id);
    if (m) {
        pthread_mutex_lock(&m->mutex);
        pass = meter_bucket_take(&m->bucket, size, meter_now_ns());
        m->stats.n_packets++;
        m->stats.n_bytes += size;
        if (!pass) {
            m->stats.n_band_packets++;
            m->stats.n_band_bytes += size;
        }
        pthread_mutex_unlock(&m->mutex);
    }
    pthread_rwlock_unlock(&dp->meter_lock);
    return pass;
}

static void
meters_destroy(struct dp_userspace *dp)
{
    struct dp_meter *m;

    HMAP_FOR_EACH_POP (m, node, &dp->meters) {
        pthread_mutex_destroy(&m->mutex);
        free(m);
    }
    hmap_destroy(&dp->meters);
    pthread_rwlock_destroy(&dp->meter_lock);
}

static int
dpif_userspace_meter_set(struct dpif *dpif, const struct ofp_meter *cfg)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dp_meter *m;

    if (!cfg->meter_id || cfg->meter_id > OFPM_MAX || !cfg->rate) {
        return EINVAL;
    }
    pthread_rwlock_wrlock(&dp->meter_lock);
    m = meter_lookup(dp, cfg->meter_id);
    if (!m) {
        m = xzalloc(sizeof *m);
        m->id = cfg->meter_id;
        pthread_mutex_init(&m->mutex, NULL);
        hmap_insert(&dp->meters, &m->node, hash_int(m->id, 0));
    }
    meter_bucket_init(&m->bucket, cfg, meter_now_ns());
    pthread_rwlock_unlock(&dp->meter_lock);
    return 0;
}

static int
dpif_userspace_meter_del(struct dpif *dpif, uint32_t id)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dp_meter *m;

    pthread_rwlock_wrlock(&dp->meter_lock);
    m = meter_lookup(dp, id);
    if (m) {
        hmap_remove(&dp->meters, &m->node);
    }
    pthread_rwlock_unlock(&dp->meter_lock);
    if (!m) {
        return ENOENT;
    }
    pthread_mutex_destroy(&m->mutex);
    free(m);
    return 0;
}

static int
dpif_userspace_meter_get_stats(const struct dpif *dpif, uint32_t id,
                               struct dpif_meter_stats *stats)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dp_meter *m;

    pthread_rwlock_rdlock(&dp->meter_lock);
    m = meter_lookup(dp, id);
    if (m) {
        pthread_mutex_lock(&m->mutex);
        *stats = m->stats;
        pthread_mutex_unlock(&m->mutex);
    }
    pthread_rwlock_unlock(&dp->meter_lock);
    return m ? 0 : ENOENT;
}

/* Returns the hash that picks the handler queue of a miss with 'key' (of
 * 'key_size' bytes, whose whole hash is 'hash'): the key's without its
 * tcp_ctl, the last attribute of a TCP key, so that a connection's
 * segments with and without SYN, FIN or RST queue for one handler and
 * are handled in order. */
static uint32_t
queue_hash(const struct dp_userspace *dp, const void *key, size_t key_size,
           uint32_t hash)
{
    size_t ctl_size = NLA_ALIGN(NLA_HDRLEN + sizeof(uint16_t));
    const struct nlattr *last;

    if (key_size < ctl_size) {
        return hash;
    }
    last = (const struct nlattr *) ((const uint8_t *) key + key_size
                                    - ctl_size);
    if (nl_attr_type(last) != NFVS_KEY_ATTR_TCP_CTL
        || last->nla_len != NLA_HDRLEN + sizeof(uint16_t)) {
        return hash;
    }
    return key_hash(dp, key, key_size - ctl_size);
}

/* True if misses wait in the queue of the handler of 'hash': one of the
 * same flow handled in place now could overtake them.  Called with
 * 'cfg_lock' held. */
static bool
handler_busy(struct dp_userspace *dp, uint32_t hash)
{
    struct dp_handler *h;
    bool busy;

    if (!dp->n_handlers) {
        return false;
    }
    h = &dp->handlers[hash % dp->n_handlers];
    pthread_mutex_lock(&h->mutex);
    busy = h->n_queued > 0;
    pthread_mutex_unlock(&h->mutex);
    return busy;
}

/* Handles the miss of 'packet' (key 'key' of 'key_size' bytes, hash
 * 'hash') received on 'port' with the registered upcall callback and runs
 * the actions it returns, in 'ctx'.  Returns false, keeping 'packet', if
 * the miss is to be queued instead; otherwise takes 'packet'.  Called by
 * the port's polling thread with 'cfg_lock' held for reading. */
static bool
miss_inline(struct fwd_ctx *ctx, struct dp_port *port,
            struct dp_packet *packet, void *key, size_t key_size,
            uint32_t hash)
{
    struct dp_userspace *dp = ctx->dp;
    struct nl_buf actions;
    struct dpif_upcall up;
    struct flow flow;

    if (!dp->upcall_cb || handler_busy(dp, hash)) {
        return false;
    }
    if (!port_take_token(dp, port, ctx->now)) {
        ADD(&dp->n_lost_rate, 1);
        dp_packet_destroy(packet);
        return true;
    }
    memset(&up, 0, sizeof up);
    up.type = DPIF_UC_MISS;
    up.packet = packet;
    up.key = key;
    up.key_size = key_size;
    up.hash = hash;
    up.in_port = port->port_no;
    nl_buf_init(&actions);
    if (!dp->upcall_cb(dp->upcall_aux, &up, &actions)) {
        nl_buf_uninit(&actions);
        return false;
    }
    ADD(&dp->n_missed, 1);
    if (actions.size && !check_actions(actions.data, actions.size, NULL, 0)) {
        fwd_ctx_set_packet(ctx, packet, port->port_no, &flow);
        odp_execute_actions_metered(ctx, packet, actions.data,
                                    actions.size, fwd_execute_cb,
                                    fwd_meter_cb);
    } else {
        dp_packet_destroy(packet);
    }
    nl_buf_uninit(&actions);
    return true;
}

/* Receives one batch from receive queue 'qid' of 'port' and forwards
 * it, counting in 'stats' (NULL for dpif_run()).  Called by the queue's
 * polling thread with 'cfg_lock' held for reading; misses may be handled
 * in place ('may_inline') only on a forwarding thread, never on the
 * caller of dpif_run().  Returns true if it received any packet. */
static bool
fwd_port_round(struct dp_userspace *dp, struct dp_port *port,
               unsigned int qid, bool may_inline, struct fwd_stats *stats)
{
    struct dp_packet *missed[NETDEV_MAX_BURST];
    void *missed_keys[NETDEV_MAX_BURST];
    size_t missed_sizes[NETDEV_MAX_BURST];
    uint32_t missed_hashes[NETDEV_MAX_BURST];
    struct dp_packet_batch batch;
    size_t n_missed = 0, n_hit = 0, n_short = 0, i;
    struct fwd_ctx ctx;

    dp_packet_batch_init(&batch);
    if (netdev_rxq_recv(port->netdev, qid, &batch)) {
        return false;
    }
    cur_rxq = qid;
    if (stats) {
        STORE(&stats->n_packets, stats->n_packets + batch.count);
        STORE(&stats->n_batches, stats->n_batches + 1);
        if (batch.count == NETDEV_MAX_BURST) {
            STORE(&stats->n_full_batches, stats->n_full_batches + 1);
        }
    }

    fwd_ctx_init(&ctx, dp);
    pthread_rwlock_rdlock(&dp->flow_lock);
    for (i = 0; i < batch.count; i++) {
        struct dp_packet *p = batch.packets[i];
        struct dp_flow *flow;
        struct flow pf;

        if (dp_packet_size(p) < ETH_HEADER_LEN) {
            n_short++;
            dp_packet_destroy(p);
            continue;
        }
        fwd_ctx_set_packet(&ctx, p, port->port_no, &pf);
        flow = flow_lookup(dp, ctx.key.data, ctx.key.size, ctx.hash);
        if (NFVS_LIKELY(flow != NULL)) {
            n_hit++;
            flow_stats_hit(flow, p, &pf, ctx.now);
            odp_execute_actions_metered(&ctx, p, flow->actions,
                                        flow->actions_size, fwd_execute_cb,
                                        fwd_meter_cb);
        } else {
            missed[n_missed] = p;
            missed_keys[n_missed] = xmemdup(ctx.key.data, ctx.key.size);
            missed_sizes[n_missed] = ctx.key.size;
            missed_hashes[n_missed] = queue_hash(dp, ctx.key.data,
                                                 ctx.key.size, ctx.hash);
            n_missed++;
        }
    }
    pthread_rwlock_unlock(&dp->flow_lock);
    fwd_flush(&ctx);

    for (i = 0; i < n_missed; i++) {
        if (!may_inline || i >= MAX_INLINE_MISSES
            || !miss_inline(&ctx, port, missed[i], missed_keys[i],
                            missed_sizes[i], missed_hashes[i])) {
            upcall_queue(dp, DPIF_UC_MISS, port, port->port_no, missed[i],
                         missed_keys[i], missed_sizes[i], missed_hashes[i],
                         NULL, 0, ctx.now);
        }
        free(missed_keys[i]);
    }
    fwd_flush(&ctx);
    if (n_hit) {
        ADD(&dp->n_hit, n_hit);
    }
    if (n_short) {
        ADD(&dp->n_lost_parse, n_short);
    }
    fwd_ctx_uninit(&ctx);
    return true;
}

static int
dpif_userspace_execute(struct dpif *dpif, const struct dp_packet *packet,
                       uint32_t in_port, const void *actions,
                       size_t actions_size)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dp_packet *p;
    struct fwd_ctx ctx;
    struct flow pf;
    int error;

    error = check_actions(actions, actions_size, NULL, 0);
    if (error) {
        return error;
    }
    if (dp_packet_size(packet) < ETH_HEADER_LEN) {
        return EINVAL;
    }
    p = dp_packet_clone(packet);
    pthread_rwlock_rdlock(&dp->cfg_lock);
    fwd_ctx_init(&ctx, dp);
    fwd_ctx_set_packet(&ctx, p, in_port, &pf);
    odp_execute_actions_metered(&ctx, p, actions, actions_size,
                                fwd_execute_cb, fwd_meter_cb);
    fwd_flush(&ctx);
    fwd_ctx_uninit(&ctx);
    pthread_rwlock_unlock(&dp->cfg_lock);
    return 0;
}

/* Rounds of receiving a port in a row before the next port's turn. */
#define RUN_MAX_ROUNDS 8

static void
dpif_userspace_run(struct dpif *dpif)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dp_port *port;
    bool again = true;
    int round;

    pthread_rwlock_rdlock(&dp->cfg_lock);
    for (round = 0; again && round < RUN_MAX_ROUNDS; round++) {
        again = false;
        HMAP_FOR_EACH (port, node, &dp->ports) {
            if (!port->fwd && !port->fanout
                && fwd_port_round(dp, port, 0, false, NULL)) {
                again = true;
            }
        }
    }
    pthread_rwlock_unlock(&dp->cfg_lock);
}

static void *
forwarder_main(void *fwd_)
{
    struct forwarder *fwd = fwd_;
    struct dp_userspace *dp = fwd->dp;

    while (!LOAD(&fwd->stop)) {
        struct epoll_event events[64];
        int n, i;

        n = epoll_wait(fwd->epfd, events, ARRAY_SIZE(events), -1);
        if (n < 0) {
            continue;           /* EINTR. */
        }
        STORE(&fwd->stats.n_wakeups, fwd->stats.n_wakeups + 1);
        pthread_rwlock_rdlock(&dp->cfg_lock);
        for (i = 0; i < n; i++) {
            uint64_t data = events[i].data.u64;
            uint32_t qid = data >> 32;
            struct dp_port *port;

            if (data == WAKE_EVENT) {
                eventfd_clear(fwd->wake_fd);
                continue;
            }
            /* The port may have gone, or changed, since epoll_wait(). */
            port = port_lookup(dp, (uint32_t) data);
            if (port && (port->fanout ? qid == fwd->idx && qid < port->n_rxq
                         : port->fwd == fwd && !qid)) {
                fwd_port_round(dp, port, qid, true, &fwd->stats);
            }
        }
        pthread_rwlock_unlock(&dp->cfg_lock);
    }
    return NULL;
}

/* Adds receive queue 'qid' of 'port' to the queues 'fwd' polls, or
 * removes it. */
static void
forwarder_watch(struct forwarder *fwd, struct dp_port *port,
                unsigned int qid, bool add)
{
    int fd = netdev_rxq_get_fd(port->netdev, qid);
    struct epoll_event ev;

    if (fd < 0) {
        return;
    }
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = port->port_no | ((uint64_t) qid << 32);
    if (epoll_ctl(fwd->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev)) {
        VLOG_WARN("%s: epoll_ctl: %s", netdev_get_name(port->netdev),
                  nfvs_strerror(errno));
    }
}

/* Resets 'port''s upcall buckets, for 'n_rxq' receive queues. */
static void
port_set_rxqs(struct dp_userspace *dp, struct dp_port *port,
              unsigned int n_rxq)
{
    unsigned int i;

    port->n_rxq = n_rxq;
    for (i = 0; i < n_rxq; i++) {
        port->rxqs[i].tokens = NFVS_MAX((double) LOAD(&dp->upcall_burst)
                                        / n_rxq, 1);
        port->rxqs[i].last_fill = time_msec();
    }
}

/* With several forwarders, gives 'port' one receive queue per forwarder
 * if its device can have them (PACKET_FANOUT), each forwarder polling its
 * own; otherwise gives it to the forwarder with the fewest ports, or to
 * dpif_run() if there are none.  Called with 'config_mutex' and
 * 'cfg_lock' held for writing, while no thread receives on 'port'. */
static void
port_assign(struct dp_userspace *dp, struct dp_port *port)
{
    struct forwarder *best = NULL;
    size_t i;

    port->fanout = false;
    if (dp->n_forwarders > 1
        && !netdev_set_n_rxq(port->netdev, dp->n_forwarders)) {
        port->fanout = true;
        port->fwd = NULL;
        port_set_rxqs(dp, port, dp->n_forwarders);
        for (i = 0; i < dp->n_forwarders; i++) {
            forwarder_watch(&dp->forwarders[i], port, i, true);
        }
        return;
    }
    netdev_set_n_rxq(port->netdev, 1);
    port_set_rxqs(dp, port, 1);
    for (i = 0; i < dp->n_forwarders; i++) {
        if (!best || dp->forwarders[i].n_ports < best->n_ports) {
            best = &dp->forwarders[i];
        }
    }
    port->fwd = best;
    if (best) {
        best->n_ports++;
        forwarder_watch(best, port, 0, true);
    }
}

/* Takes 'port' away from the forwarders that poll it.  Called with
 * 'config_mutex' and 'cfg_lock' held for writing. */
static void
port_unassign(struct dp_userspace *dp, struct dp_port *port)
{
    size_t i;

    if (port->fanout) {
        for (i = 0; i < dp->n_forwarders && i < port->n_rxq; i++) {
            forwarder_watch(&dp->forwarders[i], port, i, false);
        }
    } else if (port->fwd) {
        forwarder_watch(port->fwd, port, 0, false);
        port->fwd->n_ports--;
    }
    port->fwd = NULL;
    port->fanout = false;
}

/* Stops and frees every forwarder; their ports go to dpif_run().  Called
 * with 'config_mutex' held (and not 'cfg_lock'). */
static void
forwarders_stop(struct dp_userspace *dp)
{
    struct dp_port *port;
    size_t i;

    for (i = 0; i < dp->n_forwarders; i++) {
        STORE(&dp->forwarders[i].stop, true);
        eventfd_signal(dp->forwarders[i].wake_fd);
    }
    for (i = 0; i < dp->n_forwarders; i++) {
        struct forwarder *fwd = &dp->forwarders[i];

        pthread_join(fwd->thread, NULL);
        close(fwd->epfd);
        close(fwd->wake_fd);
    }
    pthread_rwlock_wrlock(&dp->cfg_lock);
    HMAP_FOR_EACH (port, node, &dp->ports) {
        port->fwd = NULL;
        port->fanout = false;
        netdev_set_n_rxq(port->netdev, 1);
        port_set_rxqs(dp, port, 1);
    }
    free(dp->forwarders);
    dp->forwarders = NULL;
    dp->n_forwarders = 0;
    pthread_rwlock_unlock(&dp->cfg_lock);
}

/* Starts 'n' forwarders and spreads the ports over them.  Called with
 * 'config_mutex' held, no forwarder running. */
static void
forwarders_start(struct dp_userspace *dp, size_t n)
{
    struct dp_port *port;
    size_t i;

    pthread_rwlock_wrlock(&dp->cfg_lock);
    dp->forwarders = n ? xcalloc(n, sizeof *dp->forwarders) : NULL;
    for (i = 0; i < n; i++) {
        struct forwarder *fwd = &dp->forwarders[i];
        struct epoll_event ev;

        fwd->dp = dp;
        fwd->idx = i;
        fwd->epfd = epoll_create1(EPOLL_CLOEXEC);
        fwd->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fwd->epfd < 0 || fwd->wake_fd < 0) {
            nfvs_fatal(errno, "creating forwarder file descriptors");
        }
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.u64 = WAKE_EVENT;
        epoll_ctl(fwd->epfd, EPOLL_CTL_ADD, fwd->wake_fd, &ev);
    }
    dp->n_forwarders = n;
    HMAP_FOR_EACH (port, node, &dp->ports) {
        port_assign(dp, port);
    }
    pthread_rwlock_unlock(&dp->cfg_lock);

    for (i = 0; i < n; i++) {
        int error = pthread_create(&dp->forwarders[i].thread, NULL,
                                   forwarder_main, &dp->forwarders[i]);
        if (error) {
            nfvs_fatal(error, "pthread_create");
        }
    }
}

/* Ports. */

static int
port_add__(struct dp_userspace *dp, struct netdev *netdev,
           uint32_t *port_nop)
{
    const char *name = netdev_get_name(netdev);
    struct dp_port *port;
    struct netdev *own;
    uint32_t port_no;
    int error;

    HMAP_FOR_EACH (port, node, &dp->ports) {
        if (!strcmp(netdev_get_name(port->netdev), name)) {
            return EEXIST;
        }
    }
    if (*port_nop != DPIF_PORT_ANY) {
        port_no = *port_nop;
        if (port_lookup(dp, port_no)) {
            return EBUSY;
        }
    } else {
        for (port_no = 1; port_lookup(dp, port_no); port_no++) {
            if (port_no == DPIF_PORT_ANY - 1) {
                return EFBIG;
            }
        }
    }
    error = netdev_open(name, netdev_get_type(netdev), &own);
    if (error) {
        return error;
    }

    port = xzalloc(sizeof *port);
    port->port_no = port_no;
    port->netdev = own;
    port_set_rxqs(dp, port, 1);
    pthread_rwlock_wrlock(&dp->cfg_lock);
    hmap_insert(&dp->ports, &port->node, hash_int(port_no, 0));
    port_assign(dp, port);
    pthread_rwlock_unlock(&dp->cfg_lock);
    *port_nop = port_no;
    return 0;
}

static int
dpif_userspace_port_add(struct dpif *dpif, struct netdev *netdev,
                        uint32_t *port_nop)
{
    struct dp_userspace *dp = get_dp(dpif);
    int error;

    pthread_mutex_lock(&dp->config_mutex);
    error = port_add__(dp, netdev, port_nop);
    pthread_mutex_unlock(&dp->config_mutex);
    return error;
}

static int
dpif_userspace_port_del(struct dpif *dpif, uint32_t port_no)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dp_port *port;

    pthread_mutex_lock(&dp->config_mutex);
    pthread_rwlock_wrlock(&dp->cfg_lock);
    port = port_lookup(dp, port_no);
    if (port) {
        hmap_remove(&dp->ports, &port->node);
        port_unassign(dp, port);
        /* No thread receives on it any more: its extra queues go. */
        netdev_set_n_rxq(port->netdev, 1);
    }
    pthread_rwlock_unlock(&dp->cfg_lock);
    pthread_mutex_unlock(&dp->config_mutex);

    if (!port) {
        return ENOENT;
    }
    /* No thread can reach 'port' any more. */
    netdev_close(port->netdev);
    free(port);
    return 0;
}

static void
port_fill(const struct dp_port *port, struct dpif_port *dpif_port)
{
    dpif_port->name = xstrdup(netdev_get_name(port->netdev));
    dpif_port->type = xstrdup(netdev_get_type(port->netdev));
    dpif_port->port_no = port->port_no;
}

static int
dpif_userspace_port_query(const struct dpif *dpif, uint32_t port_no,
                          const char *name, struct dpif_port *dpif_port)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dp_port *port = NULL, *iter;

    pthread_rwlock_rdlock(&dp->cfg_lock);
    if (name) {
        HMAP_FOR_EACH (iter, node, &dp->ports) {
            if (!strcmp(netdev_get_name(iter->netdev), name)) {
                port = iter;
                break;
            }
        }
    } else {
        port = port_lookup(dp, port_no);
    }
    if (port) {
        port_fill(port, dpif_port);
    }
    pthread_rwlock_unlock(&dp->cfg_lock);
    return port ? 0 : ENOENT;
}

static int
dpif_userspace_port_get_stats(const struct dpif *dpif, uint32_t port_no,
                              struct netdev_stats *stats)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dp_port *port;
    int error;

    pthread_rwlock_rdlock(&dp->cfg_lock);
    port = port_lookup(dp, port_no);
    error = port ? netdev_get_stats(port->netdev, stats) : ENOENT;
    pthread_rwlock_unlock(&dp->cfg_lock);
    return error;
}

static int
dpif_userspace_port_dump(const struct dpif *dpif, struct dpif_port **portsp,
                         size_t *n_portsp)
{
    struct dp_userspace *dp = get_dp(dpif);
    struct dp_port *port;
    size_t n = 0;

    pthread_rwlock_rdlock(&dp->cfg_lock);
    *portsp = xcalloc(hmap_count(&dp->ports) + 1, sizeof **portsp);
    HMAP_FOR_EACH (port, node, &dp->ports) {
        port_fill(port, &(*portsp)[n++]);
    }
    pthread_rwlock_unlock(&dp->cfg_lock);
    *n_portsp = n;
    return 0;
}

/* Datapaths. */

static void
dp_destroy(struct dp_userspace *dp)
{
    struct dp_port *port;

    pthread_mutex_lock(&dp->config_mutex);
    forwarders_stop(dp);
    pthread_mutex_unlock(&dp->config_mutex);
    dpif_userspace_handlers_set__(dp, 0);
    HMAP_FOR_EACH_POP (port, node, &dp->ports) {
        netdev_close(port->netdev);
        free(port);
    }
    hmap_destroy(&dp->ports);
    flow_flush__(dp);
    hmap_destroy(&dp->flows);
    pthread_rwlock_destroy(&dp->flow_lock);
    meters_destroy(dp);
    pthread_rwlock_destroy(&dp->cfg_lock);
    pthread_mutex_destroy(&dp->config_mutex);
    free(dp->name);
    free(dp);
}

static struct dp_userspace *
dp_lookup(const char *name)
{
    struct dp_userspace *dp;

    HMAP_FOR_EACH_WITH_HASH (dp, node, hash_string(name, 0), &all_dps) {
        if (!strcmp(dp->name, name)) {
            return dp;
        }
    }
    return NULL;
}

static int
dp_create(const char *name, bool dummy, struct dp_userspace **dpp)
{
    struct dp_userspace *dp = xzalloc(sizeof *dp);
    uint32_t local = NFVS_VPORT_LOCAL;
    struct netdev *netdev;
    int error;

    *dpp = NULL;
    error = netdev_open(name, dummy ? "dummy" : "internal", &netdev);
    if (error) {
        free(dp);
        return error;
    }
    dp->name = xstrdup(name);
    dp->dummy = dummy;
    dp->ref_cnt = 1;
    dp->hash_basis = hash_uint64(time_wall_msec(), getpid());
    pthread_mutex_init(&dp->config_mutex, NULL);
    rwlock_init_writer_pref(&dp->cfg_lock);
    rwlock_init_writer_pref(&dp->flow_lock);
    hmap_init(&dp->ports);
    hmap_init(&dp->flows);
    rwlock_init_writer_pref(&dp->meter_lock);
    hmap_init(&dp->meters);
    dp->flow_limit = DPIF_DEFAULT_FLOW_LIMIT;
    dp->queue_len = DEFAULT_QUEUE_LEN;
    dp->upcall_burst = DEFAULT_QUEUE_LEN;
    dp->dedupe_ms = DEFAULT_DEDUPE_MS;

    error = port_add__(dp, netdev, &local);
    netdev_close(netdev);
    if (error) {
        dp_destroy(dp);
        return error;
    }
    if (!dummy) {
        long n_cpus = sysconf(_SC_NPROCESSORS_ONLN);

        pthread_mutex_lock(&dp->config_mutex);
        forwarders_start(dp, n_cpus < 1 ? 1
                         : n_cpus > MAX_FORWARDERS ? MAX_FORWARDERS
                         : n_cpus);
        pthread_mutex_unlock(&dp->config_mutex);
    }
    *dpp = dp;
    return 0;
}

static int
dpif_userspace_open(const struct dpif_class *class, const char *name,
                    bool create, struct dpif **dpifp)
{
    bool dummy = class == &dpif_dummy_class;
    struct dpif_userspace *dpif;
    struct dp_userspace *dp;
    int error = 0;

    *dpifp = NULL;
    pthread_mutex_lock(&all_dps_mutex);
    dp = dp_lookup(name);
    if (dp) {
        if (create) {
            error = EEXIST;
        } else if (dp->dummy != dummy) {
            error = ENODEV;
        } else {
            dp->ref_cnt++;
        }
    } else if (!create) {
        error = ENODEV;
    } else {
        error = dp_create(name, dummy, &dp);
        if (!error) {
            dp->registered = true;
            hmap_insert(&all_dps, &dp->node, hash_string(name, 0));
        }
    }
    pthread_mutex_unlock(&all_dps_mutex);
    if (error) {
        return error;
    }

    dpif = xzalloc(sizeof *dpif);
    dpif->dp = dp;
    *dpifp = &dpif->up;
    return 0;
}

static void
dpif_userspace_close(struct dpif *dpif_)
{
    struct dpif_userspace *dpif = CONTAINER_OF(dpif_, struct dpif_userspace,
                                               up);
    struct dp_userspace *dp = dpif->dp;
    bool last;

    pthread_mutex_lock(&all_dps_mutex);
    last = !--dp->ref_cnt;
    if (last && dp->registered) {
        hmap_remove(&all_dps, &dp->node);
    }
    pthread_mutex_unlock(&all_dps_mutex);
    if (last) {
        dp_destroy(dp);
    }
    free(dpif);
}

static int
dpif_userspace_destroy(struct dpif *dpif)
{
    struct dp_userspace *dp = get_dp(dpif);

    pthread_mutex_lock(&all_dps_mutex);
    if (dp->registered) {
        hmap_remove(&all_dps, &dp->node);
        dp->registered = false;
    }
    pthread_mutex_unlock(&all_dps_mutex);
    flow_flush__(dp);
    return 0;
}

static int
dpif_userspace_set_option(struct dpif *dpif, const char *name,
                          unsigned int value)
{
    struct dp_userspace *dp = get_dp(dpif);
    int error = 0;

    pthread_mutex_lock(&dp->config_mutex);
    if (!strcmp(name, "forwarding-threads")) {
        if (value > MAX_FORWARDERS) {
            error = EINVAL;
        } else {
            forwarders_stop(dp);
            forwarders_start(dp, value);
        }
    } else if (!strcmp(name, "upcall-queue-len")) {
        error = value ? 0 : EINVAL;
        if (!error) {
            STORE(&dp->queue_len, value);
        }
    } else if (!strcmp(name, "upcall-rate")) {
        STORE(&dp->upcall_rate, value);
    } else if (!strcmp(name, "upcall-burst")) {
        STORE(&dp->upcall_burst, value);
    } else if (!strcmp(name, "upcall-dedupe-ms")) {
        STORE(&dp->dedupe_ms, value);
    } else {
        error = EOPNOTSUPP;
    }
    pthread_mutex_unlock(&dp->config_mutex);
    return error;
}

static int
dpif_userspace_get_stats(const struct dpif *dpif,
                         struct dpif_dp_stats *stats)
{
    struct dp_userspace *dp = get_dp(dpif);
    unsigned int i;

    stats->n_hit = LOAD(&dp->n_hit);
    stats->n_missed = LOAD(&dp->n_missed);
    stats->n_lost_queue = LOAD(&dp->n_lost_queue);
    stats->n_lost_rate = LOAD(&dp->n_lost_rate);
    stats->n_lost_parse = LOAD(&dp->n_lost_parse);
    stats->n_lost_dup = LOAD(&dp->n_lost_dup);
    stats->n_lost_nohandler = LOAD(&dp->n_lost_nohandler);
    stats->n_lost_nomem = 0;
    stats->n_lost = (stats->n_lost_queue + stats->n_lost_rate
                     + stats->n_lost_parse + stats->n_lost_dup
                     + stats->n_lost_nohandler);
    pthread_rwlock_rdlock(&dp->flow_lock);
    stats->n_flows = hmap_count(&dp->flows);
    pthread_rwlock_unlock(&dp->flow_lock);
    stats->n_flow_limit = LOAD(&dp->n_flow_limit);
    stats->flow_limit = LOAD(&dp->flow_limit);

    pthread_rwlock_rdlock(&dp->cfg_lock);
    stats->n_fwd = NFVS_MIN(dp->n_forwarders, DPIF_MAX_FWD_STATS);
    for (i = 0; i < stats->n_fwd; i++) {
        const struct fwd_stats *fs = &dp->forwarders[i].stats;
        struct dpif_fwd_stats *out = &stats->fwd[i];

        out->n_packets = LOAD(&fs->n_packets);
        out->n_batches = LOAD(&fs->n_batches);
        out->n_full_batches = LOAD(&fs->n_full_batches);
        out->n_wakeups = LOAD(&fs->n_wakeups);
    }
    pthread_rwlock_unlock(&dp->cfg_lock);
    return 0;
}

static int
dpif_userspace_set_flow_limit(struct dpif *dpif, uint32_t flow_limit)
{
    STORE(&get_dp(dpif)->flow_limit, flow_limit);
    return 0;
}

#define DPIF_USERSPACE_CLASS(TYPE)                                      \
    {                                                                   \
        .type = TYPE,                                                   \
        .open = dpif_userspace_open,                                    \
        .close = dpif_userspace_close,                                  \
        .destroy = dpif_userspace_destroy,                              \
        .run = dpif_userspace_run,                                      \
        .set_option = dpif_userspace_set_option,                        \
        .get_stats = dpif_userspace_get_stats,                          \
        .set_flow_limit = dpif_userspace_set_flow_limit,                \
        .port_add = dpif_userspace_port_add,                            \
        .port_del = dpif_userspace_port_del,                            \
        .port_query = dpif_userspace_port_query,                        \
        .port_dump = dpif_userspace_port_dump,                          \
        .port_get_stats = dpif_userspace_port_get_stats,                \
        .flow_put = dpif_userspace_flow_put,                            \
        .flow_del = dpif_userspace_flow_del,                            \
        .flow_get = dpif_userspace_flow_get,                            \
        .flow_flush = dpif_userspace_flow_flush,                        \
        .flow_dump_create = dpif_userspace_flow_dump_create,            \
        .flow_dump_next = dpif_userspace_flow_dump_next,                \
        .flow_dump_destroy = dpif_userspace_flow_dump_destroy,          \
        .execute = dpif_userspace_execute,                              \
        .handlers_set = dpif_userspace_handlers_set,                    \
        .recv_batch = dpif_userspace_recv_batch,                        \
        .handler_get_fd = dpif_userspace_handler_get_fd,                \
        .register_upcall_cb = dpif_userspace_register_upcall_cb,        \
        .meter_set = dpif_userspace_meter_set,                          \
        .meter_del = dpif_userspace_meter_del,                          \
        .meter_get_stats = dpif_userspace_meter_get_stats,              \
    }

const struct dpif_class dpif_userspace_class =
    DPIF_USERSPACE_CLASS("userspace");
const struct dpif_class dpif_dummy_class = DPIF_USERSPACE_CLASS("dummy");
