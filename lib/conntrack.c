/* The connection table: lookup from both directions, commit, limits,
 * expiry by timer wheel, events, flush and the fast-path hooks.  The
 * protocol logic is in conntrack-tcp.c and conntrack-other.c. */
#include <config.h>
#include "conntrack.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "conntrack-private.h"
#include "csum.h"
#include "dp-packet.h"
#include "dynamic-string.h"
#include "flow.h"
#include "hash.h"
#include "packets.h"
#include "util.h"

/* Timer wheel: CT_WHEEL_SLOTS slots of 2**CT_WHEEL_SHIFT ms each (1.024 s,
 * about 17 minutes per lap).  A connection sits in the slot of a tick no
 * later than its expiration; conntrack_run() visits the slots of the ticks
 * that passed and removes what expired, moving the rest (refreshed since,
 * or due in a later lap) to their slot.  A refresh that pushes the
 * expiration later leaves the connection where it is, so the per-packet
 * cost is a store; one that brings it earlier moves it. */
#define CT_WHEEL_SHIFT 10
#define CT_WHEEL_SLOTS 1024

#define CT_DEFAULT_MAX_CONNS 1000000

struct ct_zone {
    struct hmap_node node;      /* In conntrack->zones, by zone. */
    uint16_t zone;              /* Zone number. */
    uint32_t limit;             /* 0: the default; UINT32_MAX: none. */
    size_t n_conns;             /* Stored connections in the zone. */
};

struct conntrack {
    struct hmap by_tuple;       /* "struct conn"s by key_hash(). */
    struct hmap by_id;          /* "struct conn"s by id. */
    struct hmap by_reply;       /* NATed "struct conn"s by reply key. */
    struct hmap zones;          /* "struct ct_zone"s. */
    uint32_t hash_basis;        /* For the key hashes. */
    uint64_t next_id;           /* Id of the next committed connection. */
    uint32_t max_conns;         /* Table limit. */
    uint32_t zone_limit;        /* Default zone limit; 0: none. */
    conntrack_event_func *event_cb; /* May be NULL. */
    void *event_aux;            /* For 'event_cb'. */
    conntrack_observer_func *observer_cb; /* May be NULL. */
    void *observer_aux;         /* For 'observer_cb'. */
    long long timeouts[CT_N_TIMEOUTS]; /* In ms. */
    struct nfvs_list wheel[CT_WHEEL_SLOTS]; /* "struct conn"s. */
    long long wheel_tick;       /* Last tick conntrack_run() visited. */
    bool check_csum;            /* Verify L4 checksums. */
    struct conntrack_stats stats; /* Counters (n_* by state kept live). */
};

/* Timeouts: name, Linux sysctl name, default in seconds. */
static const struct {
    const char *name;
    const char *sysctl;
    unsigned int secs;
} timeout_names[CT_N_TIMEOUTS] = {
    [CT_TM_TCP_SYN_SENT] = { "tcp_syn_sent", "tcp_timeout_syn_sent", 120 },
    [CT_TM_TCP_SYN_RECV] = { "tcp_syn_recv", "tcp_timeout_syn_recv", 60 },
    [CT_TM_TCP_ESTABLISHED] = { "tcp_established",
                                "tcp_timeout_established", 432000 },
    [CT_TM_TCP_FIN_WAIT] = { "tcp_fin_wait", "tcp_timeout_fin_wait", 120 },
    [CT_TM_TCP_CLOSE_WAIT] = { "tcp_close_wait", "tcp_timeout_close_wait",
                               60 },
    [CT_TM_TCP_LAST_ACK] = { "tcp_last_ack", "tcp_timeout_last_ack", 30 },
    [CT_TM_TCP_TIME_WAIT] = { "tcp_time_wait", "tcp_timeout_time_wait",
                              120 },
    [CT_TM_TCP_CLOSE] = { "tcp_close", "tcp_timeout_close", 10 },
    [CT_TM_TCP_SYN_SENT2] = { "tcp_syn_sent2", "tcp_timeout_syn_sent2",
                              120 },
    [CT_TM_TCP_RETRANS] = { "tcp_retrans", "tcp_timeout_max_retrans", 300 },
    [CT_TM_TCP_UNACK] = { "tcp_unack", "tcp_timeout_unacknowledged", 300 },
    [CT_TM_UDP] = { "udp", "udp_timeout", 30 },
    [CT_TM_UDP_STREAM] = { "udp_stream", "udp_timeout_stream", 120 },
    [CT_TM_ICMP] = { "icmp", "icmp_timeout", 30 },
    [CT_TM_ICMPV6] = { "icmpv6", "icmpv6_timeout", 30 },
    [CT_TM_GENERIC] = { "generic", "generic_timeout", 600 },
};

static void conn_remove(struct conntrack *, struct conn *);

const char *
conntrack_invalid_to_string(enum conntrack_invalid reason)
{
    static const char *const names[CT_N_INVALID] = {
        [CT_INV_NONE] = "none",
        [CT_INV_UNSUPPORTED] = "unsupported",
        [CT_INV_FRAGMENT] = "fragment",
        [CT_INV_MALFORMED] = "malformed",
        [CT_INV_TCP_FLAGS] = "tcp_flags",
        [CT_INV_NO_CONN] = "no_conn",
        [CT_INV_TCP_STATE] = "tcp_state",
        [CT_INV_SEQ] = "seq",
        [CT_INV_ACK] = "ack",
        [CT_INV_RST] = "rst",
        [CT_INV_ICMP] = "icmp",
        [CT_INV_LIMIT] = "limit",
        [CT_INV_CSUM] = "csum",
        [CT_INV_NAT] = "nat",
    };
    return (unsigned int) reason < CT_N_INVALID ? names[reason] : "?";
}

const char *
ct_tcp_state_to_string(enum ct_tcp_state state)
{
    static const char *const names[CT_TCP_N_STATES] = {
        "NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
        "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
    };
    return (unsigned int) state < CT_TCP_N_STATES ? names[state] : "?";
}

struct conntrack *
conntrack_create(const struct conntrack_config *config)
{
    struct conntrack *ct = xzalloc(sizeof *ct);
    size_t i;

    hmap_init(&ct->by_tuple);
    hmap_init(&ct->by_id);
    hmap_init(&ct->by_reply);
    hmap_init(&ct->zones);
    ct->hash_basis = hash_pointer(ct, 0x5bd1e995);
    ct->next_id = 1;
    ct->max_conns = CT_DEFAULT_MAX_CONNS;
    ct->check_csum = true;
    if (config) {
        if (config->max_conns) {
            ct->max_conns = config->max_conns;
        }
        ct->zone_limit = config->zone_limit;
        ct->event_cb = config->event_cb;
        ct->event_aux = config->event_aux;
    }
    for (i = 0; i < CT_N_TIMEOUTS; i++) {
        ct->timeouts[i] = timeout_names[i].secs * 1000LL;
    }
    for (i = 0; i < CT_WHEEL_SLOTS; i++) {
        nfvs_list_init(&ct->wheel[i]);
    }
    ct->wheel_tick = LLONG_MIN;
    return ct;
}

void
conntrack_destroy(struct conntrack *ct)
{
    struct conn *conn, *next;
    struct ct_zone *zone;

    if (!ct) {
        return;
    }
    HMAP_FOR_EACH_SAFE (conn, next, id_node, &ct->by_id) {
        conn_remove(ct, conn);
    }
    HMAP_FOR_EACH_POP (zone, node, &ct->zones) {
        free(zone);
    }
    hmap_destroy(&ct->by_tuple);
    hmap_destroy(&ct->by_id);
    hmap_destroy(&ct->by_reply);
    hmap_destroy(&ct->zones);
    free(ct);
}

/* Keys. */

/* Returns a hash of 'key' that is the same for its reverse, so that one
 * probe finds a connection from either direction. */
static uint32_t
key_hash(const struct conntrack *ct, const struct conn_key *key)
{
    uint32_t a[4], b[4];
    uint32_t hash = ct->hash_basis;
    size_t i;

    memcpy(a, &key->src, sizeof a);
    memcpy(b, &key->dst, sizeof b);

    for (i = 0; i < 4; i++) {
        hash = hash_add(hash, a[i] ^ b[i]);
        hash = hash_add(hash, a[i] + b[i]);
    }
    hash = hash_add(hash, ((uint32_t) key->src_port ^ key->dst_port)
                          | (((uint32_t) key->src_port + key->dst_port)
                             << 16));
    hash = hash_add(hash, key->zone | (key->proto << 16)
                          | ((uint32_t) key->is_ipv6 << 24));
    return hash_finish(hash, sizeof *key);
}

/* True if 'key' is the reverse of 'orig'. */
static bool
key_is_reverse(const struct conn_key *orig, const struct conn_key *key)
{
    return (!memcmp(&orig->src, &key->dst, sizeof orig->src)
            && !memcmp(&orig->dst, &key->src, sizeof orig->dst)
            && orig->src_port == key->dst_port
            && orig->dst_port == key->src_port
            && orig->zone == key->zone
            && orig->proto == key->proto
            && orig->is_ipv6 == key->is_ipv6);
}

static void
key_reverse(const struct conn_key *key, struct conn_key *rev)
{
    *rev = *key;
    rev->src = key->dst;
    rev->dst = key->src;
    rev->src_port = key->dst_port;
    rev->dst_port = key->src_port;
}

static bool
key_equal(const struct conn_key *a, const struct conn_key *b)
{
    return !memcmp(a, b, sizeof *a);
}

/* Zones and limits. */

static struct ct_zone *
zone_find(const struct conntrack *ct, uint16_t zone)
{
    struct ct_zone *z;

    HMAP_FOR_EACH_WITH_HASH (z, node, hash_int(zone, 0), &ct->zones) {
        if (z->zone == zone) {
            return z;
        }
    }
    return NULL;
}

static struct ct_zone *
zone_get(struct conntrack *ct, uint16_t zone)
{
    struct ct_zone *z = zone_find(ct, zone);

    if (!z) {
        z = xzalloc(sizeof *z);
        z->zone = zone;
        hmap_insert(&ct->zones, &z->node, hash_int(zone, 0));
    }
    return z;
}

static void
zone_put(struct conntrack *ct, struct ct_zone *z)
{
    if (!z->n_conns && !z->limit) {
        hmap_remove(&ct->zones, &z->node);
        free(z);
    }
}

static uint32_t
zone_effective_limit(const struct conntrack *ct, const struct ct_zone *z)
{
    uint32_t limit = z && z->limit ? z->limit : ct->zone_limit;

    return limit == UINT32_MAX ? 0 : limit;
}

/* True if one more connection fits in the table and in 'zone'. */
static bool
limits_allow(const struct conntrack *ct, uint16_t zone)
{
    const struct ct_zone *z = zone_find(ct, zone);
    uint32_t limit = zone_effective_limit(ct, z);

    if (hmap_count(&ct->by_id) >= ct->max_conns) {
        return false;
    }
    return !limit || !z || z->n_conns < limit;
}

void
conntrack_set_max_conns(struct conntrack *ct, uint32_t max_conns)
{
    ct->max_conns = max_conns ? max_conns : CT_DEFAULT_MAX_CONNS;
}

void
conntrack_set_zone_limit(struct conntrack *ct, uint16_t zone, uint32_t limit)
{
    struct ct_zone *z = zone_get(ct, zone);

    z->limit = limit;
    zone_put(ct, z);
}

size_t
conntrack_count(const struct conntrack *ct)
{
    return hmap_count(&ct->by_id);
}

size_t
conntrack_zone_count(const struct conntrack *ct, uint16_t zone)
{
    const struct ct_zone *z = zone_find(ct, zone);

    return z ? z->n_conns : 0;
}

/* Events and per-state counters. */

static void
conn_event(struct conntrack *ct, struct conn *conn,
           enum conntrack_event_type type)
{
    if (type == CT_EVENT_CHANGED) {
        conn->generation++;
    }
    if (ct->event_cb) {
        ct->event_cb(ct->event_aux, conn->id, type);
    }
}

static size_t *
proto_counter(struct conntrack *ct, const struct conn *conn)
{
    switch (conn->key.proto) {
    case IPPROTO_TCP:
        return &ct->stats.n_tcp_by_state[conn->tcp.state];
    case IPPROTO_UDP:
        return &ct->stats.n_udp;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        return &ct->stats.n_icmp;
    default:
        return &ct->stats.n_other;
    }
}

/* The timer wheel. */

static long long
ms_to_tick(long long ms)
{
    return ms >> CT_WHEEL_SHIFT;
}

static struct nfvs_list *
wheel_slot(struct conntrack *ct, long long tick)
{
    return &ct->wheel[tick & (CT_WHEEL_SLOTS - 1)];
}

/* Sets 'conn''s expiration, moving it in the wheel only if it now
 * expires before the tick of its slot. */
static void
conn_set_expiration(struct conntrack *ct, struct conn *conn,
                    long long expiration)
{
    long long tick = NFVS_MAX(ms_to_tick(expiration), ct->wheel_tick);

    conn->expiration = expiration;
    if (tick < conn->wheel_tick) {
        nfvs_list_remove(&conn->wheel_node);
        nfvs_list_push_back(wheel_slot(ct, tick), &conn->wheel_node);
        conn->wheel_tick = tick;
    }
}

size_t
conntrack_run(struct conntrack *ct, long long now)
{
    long long now_tick = ms_to_tick(now);
    long long tick, first;
    size_t n = 0;

    if (ct->wheel_tick == LLONG_MIN) {
        ct->wheel_tick = now_tick;
    }
    if (now_tick < ct->wheel_tick) {
        return 0;
    }
    first = ct->wheel_tick;
    if (now_tick - first >= CT_WHEEL_SLOTS) {
        first = now_tick - (CT_WHEEL_SLOTS - 1);
    }
    ct->wheel_tick = now_tick;

    for (tick = first; tick <= now_tick; tick++) {
        struct nfvs_list *slot = wheel_slot(ct, tick);
        struct conn *conn, *next;

        NFVS_LIST_FOR_EACH_SAFE (conn, next, wheel_node, slot) {
            long long due = NFVS_MAX(ms_to_tick(conn->expiration), now_tick);

            if (conn->expiration <= now) {
                ct->stats.n_expired++;
                conn_remove(ct, conn);
                n++;
            } else if (wheel_slot(ct, due) != slot) {
                nfvs_list_remove(&conn->wheel_node);
                nfvs_list_push_back(wheel_slot(ct, due), &conn->wheel_node);
                conn->wheel_tick = due;
            } else {
                conn->wheel_tick = due;
            }
        }
    }
    if (n) {
        hmap_shrink(&ct->by_tuple);
        hmap_shrink(&ct->by_id);
    }
    return n;
}

long long
conntrack_next_wake(const struct conntrack *ct)
{
    if (hmap_is_empty(&ct->by_id)) {
        return LLONG_MAX;
    }
    if (ct->wheel_tick == LLONG_MIN) {
        return LLONG_MIN;
    }
    return (ct->wheel_tick + 1) << CT_WHEEL_SHIFT;
}

/* Connections. */

/* Returns the NATed connection whose reply key is 'key', or NULL. */
static struct conn *
conn_find_reply(const struct conntrack *ct, const struct conn_key *key)
{
    struct conn *conn;

    HMAP_FOR_EACH_WITH_HASH (conn, nat_node, key_hash(ct, key),
                             &ct->by_reply) {
        if (key_equal(&conn->rkey, key)) {
            return conn;
        }
    }
    return NULL;
}

static struct conn *
conn_lookup(struct conntrack *ct, const struct conn_key *key, long long now,
            enum conntrack_dir *dirp)
{
    struct conn *conn;

    HMAP_FOR_EACH_WITH_HASH (conn, tuple_node, key_hash(ct, key),
                             &ct->by_tuple) {
        if (key_equal(&conn->key, key)) {
            *dirp = CT_DIR_ORIG;
            goto found;
        } else if (!conn->nat && key_is_reverse(&conn->key, key)) {
            *dirp = CT_DIR_REPLY;
            goto found;
        }
    }
    conn = conn_find_reply(ct, key);
    if (!conn) {
        return NULL;
    }
    *dirp = CT_DIR_REPLY;

found:
    if (conn->expiration <= now) {
        /* Timed out, but conntrack_run() has not run yet. */
        ct->stats.n_expired++;
        conn_remove(ct, conn);
        return NULL;
    }
    return conn;
}

static struct conn *
conn_find_id(const struct conntrack *ct, uint64_t id)
{
    struct conn *conn;

    HMAP_FOR_EACH_WITH_HASH (conn, id_node, hash_uint64(id, 0),
                             &ct->by_id) {
        if (conn->id == id) {
            return conn;
        }
    }
    return NULL;
}

static void key_to_tuple(const struct conn_key *, bool request,
                         struct conntrack_tuple *);

/* Describes 'conn' in '*e'. */
static void
conn_to_entry(const struct conn *conn, struct conntrack_entry *e)
{
    e->id = conn->id;
    key_to_tuple(&conn->key, true, &e->orig);
    key_to_tuple(&conn->rkey, false, &e->reply);
    e->zone = conn->key.zone;
    e->mark = conn->mark;
    e->tcp_state = (conn->key.proto == IPPROTO_TCP
                    ? conn->tcp.state : CT_TCP_NONE);
    e->seen_reply = conn->seen_reply;
    e->assured = conn->assured;
    e->expiration = conn->expiration;
}

/* Tells the observer, if any, that 'conn' was committed ('new') or is
 * going away. */
static void
conn_observe(struct conntrack *ct, const struct conn *conn, bool new)
{
    if (ct->observer_cb) {
        struct conntrack_entry e;

        conn_to_entry(conn, &e);
        ct->observer_cb(ct->observer_aux, new, &e);
    }
}

void
conntrack_set_observer(struct conntrack *ct, conntrack_observer_func *cb,
                       void *aux)
{
    ct->observer_cb = cb;
    ct->observer_aux = aux;
}

/* Stores a copy of scratch connection 'tmp'. */
static struct conn *
conn_insert(struct conntrack *ct, const struct conn *tmp, long long now,
            long long timeout)
{
    struct conn *conn = xmemdup(tmp, sizeof *tmp);
    long long tick;

    conn->id = ct->next_id++;
    conn->generation = 1;       /* 0 means "no such connection". */
    conn->created = now;
    conn->expiration = now + timeout;
    hmap_insert(&ct->by_tuple, &conn->tuple_node, key_hash(ct, &conn->key));
    hmap_insert(&ct->by_id, &conn->id_node, hash_uint64(conn->id, 0));
    if (conn->nat) {
        hmap_insert(&ct->by_reply, &conn->nat_node,
                    key_hash(ct, &conn->rkey));
    }

    if (ct->wheel_tick == LLONG_MIN) {
        /* The wheel starts turning at the first connection's birth. */
        ct->wheel_tick = ms_to_tick(now);
    }
    tick = NFVS_MAX(ms_to_tick(conn->expiration), ct->wheel_tick);
    conn->wheel_tick = tick;
    nfvs_list_push_back(wheel_slot(ct, tick), &conn->wheel_node);

    zone_get(ct, conn->key.zone)->n_conns++;
    (*proto_counter(ct, conn))++;
    ct->stats.n_created++;
    conn_observe(ct, conn, true);
    return conn;
}

/* Removes 'conn', reports it, and frees it. */
static void
conn_remove(struct conntrack *ct, struct conn *conn)
{
    struct ct_zone *z = zone_find(ct, conn->key.zone);

    hmap_remove(&ct->by_tuple, &conn->tuple_node);
    hmap_remove(&ct->by_id, &conn->id_node);
    if (conn->nat) {
        hmap_remove(&ct->by_reply, &conn->nat_node);
    }
    nfvs_list_remove(&conn->wheel_node);
    if (z) {
        z->n_conns--;
        zone_put(ct, z);
    }
    (*proto_counter(ct, conn))--;
    conn_event(ct, conn, CT_EVENT_REMOVED);
    conn_observe(ct, conn, false);
    free(conn);
}

/* Classification. */

static void
result_invalid(struct conntrack *ct, struct conntrack_result *result,
               enum conntrack_invalid reason)
{
    result->ct_state = CS_TRACKED | CS_INVALID;
    result->invalid = reason;
    ct->stats.n_invalid[reason]++;
}

static void
result_conn(struct conntrack_result *result, const struct conn *conn,
            enum conntrack_dir dir)
{
    result->ct_state = CS_TRACKED;
    if (dir == CT_DIR_REPLY) {
        result->ct_state |= CS_ESTABLISHED | CS_REPLY_DIR;
    } else {
        result->ct_state |= conn->seen_reply ? CS_ESTABLISHED : CS_NEW;
    }
    result->ct_mark = conn->mark;
    result->conn_id = conn->id;
    result->dir = dir;
    result->generation = conn->generation;
}

/* Runs a packet of 'conn' through its protocol module. */
static enum ct_verdict
conn_packet(struct conntrack *ct, struct conn *conn,
            const struct ct_packet *pkt, struct ct_update *update)
{
    update->timeout = -1;
    update->kill = false;
    update->established = false;
    update->invalid = CT_INV_NONE;
    if (conn->key.proto == IPPROTO_TCP) {
        return ct_tcp_packet(conn, pkt, ct->timeouts, update);
    }
    ct_other_packet(conn, pkt, ct->timeouts, update);
    return CT_VERDICT_ACCEPT;
}

/* Applies an accepted packet's 'update' to stored 'conn'.  Returns false
 * if it removed the connection. */
static bool
conn_apply(struct conntrack *ct, struct conn *conn, enum ct_tcp_state old,
           const struct ct_packet *pkt, const struct ct_update *update)
{
    bool changed = false;

    if (conn->key.proto == IPPROTO_TCP && conn->tcp.state != old) {
        ct->stats.n_tcp_by_state[old]--;
        ct->stats.n_tcp_by_state[conn->tcp.state]++;
        changed = true;
    }
    if (update->established) {
        ct->stats.n_established++;
    }
    if (pkt->dir == CT_DIR_REPLY && !conn->seen_reply) {
        conn->seen_reply = true;
        if (conn->key.proto != IPPROTO_TCP) {
            ct->stats.n_established++;
        }
        changed = true;
    }
    if (update->kill) {
        conn_remove(ct, conn);
        return false;
    }
    if (update->timeout >= 0) {
        conn_set_expiration(ct, conn, pkt->now + update->timeout);
    }
    if (changed) {
        conn_event(ct, conn, CT_EVENT_CHANGED);
    }
    return true;
}

/* Handles an ICMP error whose outer key is 'key'. */
static void
execute_icmp_error(struct conntrack *ct, const struct conn_key *key,
                   const uint8_t *l4, size_t l4_size, long long now,
                   struct conntrack_result *result)
{
    enum conntrack_dir inner_dir;
    struct conn_key inner;
    struct conn *conn;

    if (!ct_icmp_error_key(key, l4, l4_size, &inner)) {
        result_invalid(ct, result, CT_INV_ICMP);
        return;
    }
    conn = conn_lookup(ct, &inner, now, &inner_dir);
    if (!conn) {
        /* The packet an error quotes may have been NATed after it was
         * tracked: it is then the reverse of the other direction's
         * key. */
        struct conn_key rev;

        key_reverse(&inner, &rev);
        conn = conn_lookup(ct, &rev, now, &inner_dir);
        if (!conn || !conn->nat) {
            result_invalid(ct, result, CT_INV_ICMP);
            return;
        }
        inner_dir = !inner_dir;
    }
    /* The error travels opposite to the packet it carries. */
    result_conn(result, conn, !inner_dir);
    result->ct_state = (CS_TRACKED | CS_RELATED
                        | (inner_dir == CT_DIR_ORIG ? CS_REPLY_DIR : 0));
}

/* Fills 'key' from 'flow'; returns CT_INV_NONE or why it cannot. */
static enum conntrack_invalid
key_from_flow(const struct flow *flow, uint16_t zone, struct conn_key *key)
{
    memset(key, 0, sizeof *key);
    key->zone = zone;
    key->proto = flow->nw_proto;
    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        memcpy(&key->src.s6_addr[12], &flow->nw_src, 4);
        memcpy(&key->dst.s6_addr[12], &flow->nw_dst, 4);
    } else if (flow->dl_type == htons(ETH_TYPE_IPV6)) {
        key->is_ipv6 = true;
        key->src = flow->ipv6_src;
        key->dst = flow->ipv6_dst;
    } else {
        return CT_INV_UNSUPPORTED;
    }
    if (flow->nw_frag & FLOW_NW_FRAG_ANY) {
        return CT_INV_FRAGMENT;
    }
    return CT_INV_NONE;
}

/* Sets the mark of 'conn' as 'action' says, if it commits. */
static void
conn_set_mark(struct conntrack *ct, struct conn *conn,
              const struct conntrack_action *action,
              struct conntrack_result *result)
{
    if (action->commit && action->set_mark) {
        uint32_t mark = ((conn->mark & ~action->mark_mask)
                         | (action->mark & action->mark_mask));

        if (mark != conn->mark) {
            conn->mark = mark;
            conn_event(ct, conn, CT_EVENT_CHANGED);
        }
        result->ct_mark = mark;
        result->generation = conn->generation;
    }
}

/* Handles a packet already tracked in the same zone with result 'prev'.
 * Returns false if it must be processed as a first packet after all (an
 * uncommitted new connection that this action commits). */
static bool
execute_again(struct conntrack *ct, const struct conntrack_action *action,
              const struct conntrack_result *prev,
              struct conntrack_result *result)
{
    struct conn *conn;

    if (prev->ct_state & CS_NEW && !prev->conn_id) {
        if (action->commit) {
            return false;
        }
        *result = *prev;
        return true;
    }
    *result = *prev;
    if (prev->ct_state & (CS_INVALID | CS_RELATED) || !prev->conn_id) {
        return true;
    }
    conn = conn_find_id(ct, prev->conn_id);
    if (conn) {
        result->generation = conn->generation;
        conn_set_mark(ct, conn, action, result);
    } else {
        result->conn_id = 0;
        result->generation = 0;
    }
    return true;
}

/* Checksums. */

/* The addresses of a packet's pseudo-header: 4 bytes each for IPv4, 16
 * for IPv6, in network byte order. */
struct ct_csum_addrs {
    const void *src;            /* Source address. */
    const void *dst;            /* Destination address. */
};

/* True if Linux verifies the checksum of the L4 header at 'l4' of a
 * packet of 'key', whose header checks passed as far as the checksum:
 * TCP; UDP unless its checksum field is zero ("no checksum", over IPv4
 * and IPv6 alike); ICMP over IPv4 and ICMPv6 over IPv6. */
static bool
csum_is_checked(const struct conn_key *key, const uint8_t *l4)
{
    switch (key->proto) {
    case IPPROTO_TCP:
        return true;
    case IPPROTO_UDP:
        return l4[6] || l4[7];
    case IPPROTO_ICMP:
        return !key->is_ipv6;
    case IPPROTO_ICMPV6:
        return key->is_ipv6;
    default:
        return false;
    }
}

/* True if the 'l4_size' bytes at 'l4' of a packet of 'key' sum up right,
 * with the pseudo-header of 'addrs' for every protocol but ICMP (RFC 768,
 * RFC 793, RFC 8200 8.1; the length is that of the L4 bytes, as Linux
 * takes it from the IP header). */
static bool
csum_is_ok(const struct conn_key *key, const struct ct_csum_addrs *addrs,
           const uint8_t *l4, size_t l4_size)
{
    uint32_t partial = 0;

    if (key->proto != IPPROTO_ICMP) {
        size_t addr_size = key->is_ipv6 ? 16 : 4;

        partial = csum_continue(partial, addrs->src, addr_size);
        partial = csum_continue(partial, addrs->dst, addr_size);
        if (key->is_ipv6) {
            partial = csum_add32(partial, htonl(l4_size));
        } else {
            partial = csum_add16(partial, htons(l4_size));
        }
        partial = csum_add16(partial, htons(key->proto));
    }
    return !csum_finish(csum_continue(partial, l4, l4_size));
}

static bool nat_select(const struct conntrack *,
                       const struct conntrack_nat_range *, struct conn *,
                       long long now);

/* Executes as conntrack_execute() does, verifying the L4 checksum with
 * 'csum_addrs' unless it is NULL. */
static void
conntrack_execute__(struct conntrack *ct, const struct flow *flow,
                    const uint8_t *l4, size_t l4_size,
                    const struct ct_csum_addrs *csum_addrs,
                    const struct conntrack_action *action, long long now,
                    struct conntrack_result *result)
{
    enum ct_l4_kind kind = CT_L4_NORMAL;
    enum conntrack_invalid reason;
    struct ct_update update;
    struct ct_packet pkt;
    struct conn_key key;
    struct conn *conn;
    struct conn tmp;

    if (action->prev && action->prev->ct_state & CS_TRACKED
        && action->prev->ct_zone == action->zone
        && execute_again(ct, action, action->prev, result)) {
        return;
    }
    memset(result, 0, sizeof *result);
    result->ct_zone = action->zone;

    reason = key_from_flow(flow, action->zone, &key);
    if (!reason && !l4) {
        reason = CT_INV_MALFORMED;
    }
    if (!reason) {
        if (key.proto == IPPROTO_TCP) {
            reason = ct_tcp_check_header(l4, l4_size);
            if (!reason) {
                memcpy(&key.src_port, &l4[0], 2);
                memcpy(&key.dst_port, &l4[2], 2);
            }
        } else {
            reason = ct_other_extract(&key, l4, l4_size, &kind);
        }
        /* As Linux, the checksum comes after the header's size checks,
         * before its flags or type: a packet the end host drops creates
         * and advances nothing. */
        if ((!reason || reason == CT_INV_TCP_FLAGS || reason == CT_INV_ICMP)
            && csum_addrs && ct->check_csum && csum_is_checked(&key, l4)
            && !csum_is_ok(&key, csum_addrs, l4, l4_size)) {
            reason = CT_INV_CSUM;
        }
    }
    if (reason) {
        result_invalid(ct, result, reason);
        return;
    }
    if (kind == CT_L4_ICMP_ERROR) {
        execute_icmp_error(ct, &key, l4, l4_size, now, result);
        return;
    }

    pkt.l4 = l4;
    pkt.l4_size = l4_size;
    pkt.now = now;

    conn = conn_lookup(ct, &key, now, &pkt.dir);
    if (conn) {
        enum ct_tcp_state old = conn->tcp.state;

        switch (conn_packet(ct, conn, &pkt, &update)) {
        case CT_VERDICT_ACCEPT:
            result_conn(result, conn, pkt.dir);
            if (!conn_apply(ct, conn, old, &pkt, &update)) {
                result->conn_id = 0;
                result->generation = 0;
                return;
            }
            result->generation = conn->generation;
            break;
        case CT_VERDICT_IGNORE:
            /* The state stays as it was, but a reply has been seen, as
             * Linux counts it (IPS_SEEN_REPLY): the originator's next
             * packets are +est. */
            result_conn(result, conn, pkt.dir);
            conn_apply(ct, conn, old, &pkt, &update);
            break;
        case CT_VERDICT_INVALID:
            if (update.timeout >= 0) {
                /* Out of step with its ends: a shorter life. */
                conn_set_expiration(ct, conn, pkt.now + update.timeout);
            }
            result_invalid(ct, result, update.invalid);
            return;
        case CT_VERDICT_REOPEN:
        default:
            /* A new connection reusing the tuple: the old one is gone. */
            conn_remove(ct, conn);
            conn = NULL;
            break;
        }
    }

    if (conn) {
        conn_set_mark(ct, conn, action, result);
        return;
    }

    /* A first packet. */
    if (kind == CT_L4_NO_NEW) {
        result_invalid(ct, result, CT_INV_NO_CONN);
        return;
    }
    memset(&tmp, 0, sizeof tmp);
    tmp.key = key;
    key_reverse(&key, &tmp.rkey);
    pkt.dir = CT_DIR_ORIG;
    if (key.proto == IPPROTO_TCP) {
        if (!ct_tcp_new(&tmp, &pkt)) {
            result_invalid(ct, result, CT_INV_NO_CONN);
            return;
        }
    }
    if (conn_packet(ct, &tmp, &pkt, &update) != CT_VERDICT_ACCEPT
        || update.kill) {
        result_invalid(ct, result, (update.invalid ? update.invalid
                                    : CT_INV_NO_CONN));
        return;
    }
    if (action->commit && action->set_mark) {
        tmp.mark = action->mark & action->mark_mask;
    }
    result->ct_state = CS_TRACKED | CS_NEW;
    result->ct_mark = tmp.mark;
    if (!action->commit) {
        return;
    }
    if (!limits_allow(ct, key.zone)) {
        ct->stats.n_limit_drops++;
        result_invalid(ct, result, CT_INV_LIMIT);
        return;
    }
    if (action->nat && !nat_select(ct, action->nat, &tmp, now)) {
        ct->stats.n_nat_exhausted++;
        result_invalid(ct, result, CT_INV_NAT);
        return;
    }
    conn = conn_insert(ct, &tmp, now, NFVS_MAX(update.timeout, 0));
    result_conn(result, conn, CT_DIR_ORIG);
}

/* Stores in '*addrs' the addresses of 'flow', a packet of IPv4 or IPv6
 * (else it does not matter). */
static void
csum_addrs_from_flow(const struct flow *flow, struct ct_csum_addrs *addrs)
{
    if (flow->dl_type == htons(ETH_TYPE_IPV6)) {
        addrs->src = &flow->ipv6_src;
        addrs->dst = &flow->ipv6_dst;
    } else {
        addrs->src = &flow->nw_src;
        addrs->dst = &flow->nw_dst;
    }
}

void
conntrack_execute(struct conntrack *ct, const struct flow *flow,
                  const void *l4, size_t l4_size,
                  const struct conntrack_action *action, long long now,
                  struct conntrack_result *result)
{
    struct ct_csum_addrs addrs;

    csum_addrs_from_flow(flow, &addrs);
    conntrack_execute__(ct, flow, l4, l4_size,
                        action->csum_trusted ? NULL : &addrs, action, now,
                        result);
}

void
conntrack_execute_packet(struct conntrack *ct, const struct dp_packet *packet,
                         const struct flow *flow,
                         const struct conntrack_action *action,
                         long long now, struct conntrack_result *result)
{
    size_t size = dp_packet_l4_size(packet);
    const uint8_t *l3 = dp_packet_l3(packet);
    const uint8_t *l4 = size ? dp_packet_l4(packet) : NULL;
    const struct ct_csum_addrs *check = NULL;
    struct ct_csum_addrs addrs;

    if (!action->csum_trusted
        && !(packet->ol_flags & (DP_PACKET_OL_CSUM_VALID
                                 | DP_PACKET_OL_CSUM_PARTIAL))) {
        /* The packet's own addresses: the checksum is the one it arrived
         * with, whatever the pipeline did to 'flow' before ct(). */
        csum_addrs_from_flow(flow, &addrs);
        if (l3 && l4 && flow->dl_type == htons(ETH_TYPE_IP)
            && l4 - l3 >= IP_HEADER_LEN && IP_VER(l3[0]) == IP_VERSION) {
            addrs.src = l3 + 12;
            addrs.dst = l3 + 16;
        } else if (l3 && l4 && flow->dl_type == htons(ETH_TYPE_IPV6)
                   && l4 - l3 >= IPV6_HEADER_LEN && l3[0] >> 4 == 6) {
            addrs.src = l3 + 8;
            addrs.dst = l3 + 24;
        }
        check = &addrs;
    }
    conntrack_execute__(ct, flow, l4, size, check, action, now, result);
}

void
conntrack_set_checksum(struct conntrack *ct, bool check)
{
    ct->check_csum = check;
}

bool
conntrack_get_checksum(const struct conntrack *ct)
{
    return ct->check_csum;
}

/* Timeouts. */

static int
timeout_index(const char *name)
{
    size_t i;

    if (!strncmp(name, "nf_conntrack_", 13)) {
        name += 13;
    }
    for (i = 0; i < CT_N_TIMEOUTS; i++) {
        if (!strcmp(name, timeout_names[i].name)
            || !strcmp(name, timeout_names[i].sysctl)) {
            return i;
        }
    }
    return -1;
}

int
conntrack_set_timeout(struct conntrack *ct, const char *name,
                      unsigned int secs)
{
    int i = timeout_index(name);

    if (i < 0 || !secs || secs > 10U * 366 * 86400) {
        return EINVAL;
    }
    ct->timeouts[i] = secs * 1000LL;
    return 0;
}

int
conntrack_get_timeout(const struct conntrack *ct, const char *name,
                      unsigned int *secsp)
{
    int i = timeout_index(name);

    if (i < 0) {
        return EINVAL;
    }
    *secsp = ct->timeouts[i] / 1000;
    return 0;
}

void
conntrack_format_timeouts(const struct conntrack *ct, struct ds *s)
{
    size_t i;

    for (i = 0; i < CT_N_TIMEOUTS; i++) {
        ds_put_format(s, "%s=%lld\n", timeout_names[i].name,
                      ct->timeouts[i] / 1000);
    }
}

/* Stats. */

void
conntrack_get_stats(const struct conntrack *ct, struct conntrack_stats *stats)
{
    *stats = ct->stats;
    stats->n_conns = hmap_count(&ct->by_id);
}

/* Fast-path hooks. */

bool
conntrack_can_offload(const struct conntrack *ct, uint64_t conn_id,
                      enum conntrack_dir dir)
{
    const struct conn *conn = conn_find_id(ct, conn_id);

    if (!conn) {
        return false;
    }
    if (conn->key.proto != IPPROTO_TCP) {
        return conn->seen_reply;
    }
    switch (conn->tcp.state) {
    case CT_TCP_ESTABLISHED:
        return true;
    case CT_TCP_FIN_WAIT:
    case CT_TCP_CLOSE_WAIT:
        /* Half-closed: the side that has not sent its FIN may go on. */
        return !(conn->tcp.seen[dir].flags & CT_TCPF_CLOSE_INIT);
    default:
        return false;
    }
}

uint32_t
conntrack_generation(const struct conntrack *ct, uint64_t conn_id)
{
    const struct conn *conn = conn_find_id(ct, conn_id);

    return conn ? conn->generation : 0;
}

bool
conntrack_update_offloaded(struct conntrack *ct, uint64_t conn_id,
                           enum conntrack_dir dir,
                           const struct conntrack_tcp_seen *seen,
                           long long used)
{
    struct conn *conn = conn_find_id(ct, conn_id);
    long long timeout;

    if (!conn) {
        return false;
    }
    if (conn->key.proto == IPPROTO_TCP) {
        if (seen) {
            ct_tcp_update_offloaded(conn, dir, seen);
            if (conn->tcp.state == CT_TCP_FIN_WAIT
                && !ct_seq_after(conn->tcp.seen[!dir].td_end, seen->ack)) {
                /* Linux moves FIN_WAIT to CLOSE_WAIT on the ACK of the
                 * FIN; the open side's segments, that ACK among them,
                 * went through the fast path.  A record from before the
                 * FIN (the revalidator may feed one at any time) does
                 * not ack it.  The open side stays offloadable, so no
                 * event. */
                ct->stats.n_tcp_by_state[CT_TCP_FIN_WAIT]--;
                ct->stats.n_tcp_by_state[CT_TCP_CLOSE_WAIT]++;
                conn->tcp.state = CT_TCP_CLOSE_WAIT;
            }
        }
        timeout = ct_tcp_timeout(conn, ct->timeouts);
    } else {
        timeout = ct_other_timeout(conn, used, ct->timeouts);
    }
    if (used + timeout > conn->expiration) {
        conn_set_expiration(ct, conn, used + timeout);
    }
    return true;
}

/* Dump and flush. */

static void
key_to_tuple(const struct conn_key *key, bool request,
             struct conntrack_tuple *tuple)
{
    memset(tuple, 0, sizeof *tuple);
    tuple->is_ipv6 = key->is_ipv6;
    tuple->src = key->src;
    tuple->dst = key->dst;
    tuple->proto = key->proto;
    if (key->proto == IPPROTO_ICMP || key->proto == IPPROTO_ICMPV6) {
        /* The echo id is in 'src_port' of a request's key and in
         * 'dst_port' of a reply's. */
        tuple->src_port = request ? key->src_port : key->dst_port;
        tuple->icmp_type = (key->is_ipv6
                            ? (request ? ICMP6_ECHO_REQUEST
                               : ICMP6_ECHO_REPLY)
                            : (request ? ICMP4_ECHO_REQUEST
                               : ICMP4_ECHO_REPLY));
    } else {
        tuple->src_port = key->src_port;
        tuple->dst_port = key->dst_port;
    }
}

static void
tuple_to_key(const struct conntrack_tuple *tuple, uint16_t zone,
             struct conn_key *key)
{
    memset(key, 0, sizeof *key);
    key->zone = zone;
    key->is_ipv6 = tuple->is_ipv6;
    key->src = tuple->src;
    key->dst = tuple->dst;
    key->proto = tuple->proto;
    if (tuple->proto == IPPROTO_ICMP || tuple->proto == IPPROTO_ICMPV6) {
        if (tuple->icmp_type == ICMP4_ECHO_REPLY
            || tuple->icmp_type == ICMP6_ECHO_REPLY) {
            key->dst_port = tuple->src_port;
        } else {
            key->src_port = tuple->src_port;
        }
    } else {
        key->src_port = tuple->src_port;
        key->dst_port = tuple->dst_port;
    }
}

static int
compare_entries(const void *a_, const void *b_)
{
    const struct conntrack_entry *a = a_, *b = b_;

    return a->id < b->id ? -1 : a->id > b->id;
}

void
conntrack_dump(const struct conntrack *ct, const uint16_t *zone,
               struct conntrack_entry **entriesp, size_t *n_entriesp)
{
    struct conntrack_entry *entries;
    const struct conn *conn;
    size_t n = 0;

    entries = xcalloc(NFVS_MAX(hmap_count(&ct->by_id), 1), sizeof *entries);
    HMAP_FOR_EACH (conn, id_node, &ct->by_id) {
        if (zone && conn->key.zone != *zone) {
            continue;
        }
        conn_to_entry(conn, &entries[n++]);
    }
    if (n) {
        qsort(entries, n, sizeof *entries, compare_entries);
    }
    *entriesp = entries;
    *n_entriesp = n;
}

size_t
conntrack_flush(struct conntrack *ct, const uint16_t *zone,
                const struct conntrack_tuple *tuple)
{
    struct conn *conn, *next;
    size_t n = 0;

    HMAP_FOR_EACH_SAFE (conn, next, id_node, &ct->by_id) {
        if (zone && conn->key.zone != *zone) {
            continue;
        }
        if (tuple) {
            struct conn_key key, rev;

            tuple_to_key(tuple, conn->key.zone, &key);
            key_reverse(&conn->rkey, &rev);
            if (!key_equal(&key, &conn->key)
                && !key_equal(&key, &conn->rkey) && !key_equal(&key, &rev)) {
                continue;
            }
        }
        conn_remove(ct, conn);
        n++;
    }
    return n;
}

/* Lookup without a packet. */

/* Finds the stored connection for 'key' without removing an expired
 * one (which counts as absent). */
static const struct conn *
conn_lookup_const(const struct conntrack *ct, const struct conn_key *key,
                  long long now, enum conntrack_dir *dirp)
{
    const struct conn *conn;

    HMAP_FOR_EACH_WITH_HASH (conn, tuple_node, key_hash(ct, key),
                             &ct->by_tuple) {
        if (key_equal(&conn->key, key)) {
            *dirp = CT_DIR_ORIG;
            return conn->expiration > now ? conn : NULL;
        } else if (!conn->nat && key_is_reverse(&conn->key, key)) {
            *dirp = CT_DIR_REPLY;
            return conn->expiration > now ? conn : NULL;
        }
    }
    conn = conn_find_reply(ct, key);
    if (conn) {
        *dirp = CT_DIR_REPLY;
        return conn->expiration > now ? conn : NULL;
    }
    return NULL;
}

/* NAT. */

/* True if no stored connection (live at 'now') has a packet of tuple
 * 'key' in either direction, so that 'key' may be a new connection's
 * reply key. */
static bool
nat_key_is_free(const struct conntrack *ct, const struct conn_key *key,
                long long now)
{
    enum conntrack_dir dir;

    return !conn_lookup_const(ct, key, now, &dir);
}

/* Tries 'addr' and 'port' (network order; port ignored when 'set_port'
 * is false) as the translated side of 'conn''s reply key; on success sets
 * 'conn->rkey' and returns true. */
static bool
nat_try(const struct conntrack *ct, const struct conntrack_nat_range *r,
        struct conn *conn, nfvs_be32 addr, nfvs_be16 port, bool set_port,
        long long now)
{
    struct conn_key rkey;

    key_reverse(&conn->key, &rkey);
    if (r->snat) {
        memcpy(&rkey.dst.s6_addr[12], &addr, 4);
        if (set_port) {
            rkey.dst_port = port;
        }
    } else {
        memcpy(&rkey.src.s6_addr[12], &addr, 4);
        if (set_port) {
            rkey.src_port = port;
        }
    }
    if (!nat_key_is_free(ct, &rkey, now)) {
        return false;
    }
    conn->rkey = rkey;
    conn->nat = r->snat ? CS_SRC_NAT : CS_DST_NAT;
    return true;
}

/* Chooses the translation of new connection 'conn' from range 'r': see
 * struct conntrack_nat_range.  Returns false if every candidate is
 * taken (or 'conn' is not IPv4). */
static bool
nat_select(const struct conntrack *ct, const struct conntrack_nat_range *r,
           struct conn *conn, long long now)
{
    bool has_ports = (conn->key.proto == IPPROTO_TCP
                      || conn->key.proto == IPPROTO_UDP);
    const struct in6_addr *orig_addr = (r->snat ? &conn->key.src
                                        : &conn->key.dst);
    nfvs_be16 orig_port = r->snat ? conn->key.src_port : conn->key.dst_port;
    uint32_t amin = ntohl(r->addr_min), amax = ntohl(r->addr_max);
    uint32_t pmin = r->port_min, pmax = r->port_max;
    nfvs_be32 orig_v4;
    uint64_t a;

    if (conn->key.is_ipv6) {
        return false;
    }
    memcpy(&orig_v4, &orig_addr->s6_addr[12], 4);
    if (!has_ports || !pmin) {
        /* Keep the port if it is free with some address. */
        for (a = amin; a <= amax; a++) {
            if (nat_try(ct, r, conn, htonl(a), 0, false, now)) {
                return true;
            }
        }
        if (!has_ports || !r->snat) {
            return false;
        }
        pmin = 1024;
        pmax = 65535;
    }
    /* The original address and port first, when in the range. */
    if (ntohl(orig_v4) >= amin && ntohl(orig_v4) <= amax
        && ntohs(orig_port) >= pmin && ntohs(orig_port) <= pmax
        && nat_try(ct, r, conn, orig_v4, orig_port, true, now)) {
        return true;
    }
    for (a = amin; a <= amax; a++) {
        uint32_t p;

        for (p = pmin; p <= pmax; p++) {
            if (nat_try(ct, r, conn, htonl(a), htons(p), true, now)) {
                return true;
            }
        }
    }
    return false;
}

bool
conntrack_get_entry(const struct conntrack *ct, uint64_t conn_id,
                    struct conntrack_entry *entry)
{
    const struct conn *conn = conn_find_id(ct, conn_id);

    if (!conn) {
        return false;
    }
    conn_to_entry(conn, entry);
    return true;
}

bool
conntrack_get_nat(const struct conntrack *ct, uint64_t conn_id,
                  enum conntrack_dir dir, struct conntrack_nat *nat)
{
    const struct conn *conn = conn_find_id(ct, conn_id);
    struct conn_key want;

    if (!conn || !conn->nat) {
        return false;
    }
    /* A packet of one direction leaves as the other direction's key,
     * reversed. */
    key_reverse(dir == CT_DIR_ORIG ? &conn->rkey : &conn->key, &want);
    nat->ct_state = conn->nat;
    memcpy(&nat->nw_src, &want.src.s6_addr[12], 4);
    memcpy(&nat->nw_dst, &want.dst.s6_addr[12], 4);
    nat->tp_src = want.src_port;
    nat->tp_dst = want.dst_port;
    return true;
}

/* Sets the IPv4 address at offset 'ofs' of the IPv4 header 'ip' to
 * 'value', updating the header's checksum and, if 'l4_csum' is nonnull,
 * the L4 checksum '*l4_csum' whose pseudo-header holds the address. */
static void
nat_set_addr(uint8_t *ip, size_t ofs, nfvs_be32 value, nfvs_be16 *l4_csum)
{
    nfvs_be16 ip_csum;
    nfvs_be32 old;

    memcpy(&old, ip + ofs, 4);
    if (old == value) {
        return;
    }
    memcpy(&ip_csum, ip + 10, 2);
    ip_csum = recalc_csum32(ip_csum, old, value);
    memcpy(ip + 10, &ip_csum, 2);
    if (l4_csum) {
        *l4_csum = recalc_csum32(*l4_csum, old, value);
    }
    memcpy(ip + ofs, &value, 4);
}

/* Sets the port at 'field' to 'value', updating '*l4_csum' if nonnull. */
static void
nat_set_port(void *field, nfvs_be16 value, nfvs_be16 *l4_csum)
{
    nfvs_be16 old;

    memcpy(&old, field, 2);
    if (old == value) {
        return;
    }
    if (l4_csum) {
        *l4_csum = recalc_csum16(*l4_csum, old, value);
    }
    memcpy(field, &value, 2);
}

bool
conntrack_nat_icmp_error(const struct conntrack *ct, uint64_t conn_id,
                         enum conntrack_dir dir, struct ip_header *ip,
                         uint8_t *l4, size_t l4_size,
                         struct conntrack_nat *nat)
{
    const struct conn *conn = conn_find_id(ct, conn_id);
    const struct conn_key *before, *quoted;
    struct conn_key after;
    struct icmp_header icmp;
    struct ip_header inner;
    nfvs_be16 l4_csum, *l4_csump = NULL;
    nfvs_be32 src, dst;
    uint8_t *p, *ports;
    size_t ihl, size;

    if (!conn || !conn->nat || conn->key.is_ipv6
        || ip->ip_proto != IPPROTO_ICMP
        || l4_size < ICMP_HEADER_LEN + IP_HEADER_LEN) {
        return false;
    }
    p = l4 + ICMP_HEADER_LEN;
    size = l4_size - ICMP_HEADER_LEN;
    memcpy(&inner, p, IP_HEADER_LEN);
    ihl = IP_IHL(inner.ip_ihl_ver) * 4;
    if (IP_VER(inner.ip_ihl_ver) != IP_VERSION || ihl < IP_HEADER_LEN
        || ihl > size || inner.ip_proto != conn->key.proto) {
        return false;
    }

    /* The error, travelling in 'dir', gets the addresses that NAT
     * changes for packets of 'dir'; the other stays (a router on the
     * way may have sent it). */
    before = dir == CT_DIR_ORIG ? &conn->key : &conn->rkey;
    key_reverse(dir == CT_DIR_ORIG ? &conn->rkey : &conn->key, &after);
    nat->ct_state = conn->nat;
    nat->nw_src = ip->ip_src;
    nat->nw_dst = ip->ip_dst;
    nat->tp_src = 0;
    nat->tp_dst = 0;
    if (memcmp(&before->src, &after.src, sizeof after.src)) {
        memcpy(&nat->nw_src, &after.src.s6_addr[12], 4);
    }
    if (memcmp(&before->dst, &after.dst, sizeof after.dst)) {
        memcpy(&nat->nw_dst, &after.dst.s6_addr[12], 4);
    }
    nat_set_addr((uint8_t *) ip, 12, nat->nw_src, NULL);
    nat_set_addr((uint8_t *) ip, 16, nat->nw_dst, NULL);

    /* The quoted packet, of the other direction, as it was on the other
     * side of the NAT: that direction's own key.  Its L4 checksum is
     * updated when the quote holds it (a zero UDP checksum stays). */
    quoted = dir == CT_DIR_ORIG ? &conn->rkey : &conn->key;
    ports = p + ihl;
    if ((conn->key.proto == IPPROTO_TCP || conn->key.proto == IPPROTO_UDP)
        && size - ihl >= 4) {
        size_t csum_ofs = conn->key.proto == IPPROTO_TCP ? 16 : 6;

        if (size - ihl >= csum_ofs + 2) {
            memcpy(&l4_csum, ports + csum_ofs, 2);
            if (l4_csum || conn->key.proto == IPPROTO_TCP) {
                l4_csump = &l4_csum;
            }
        }
        nat_set_port(ports, quoted->src_port, l4_csump);
        nat_set_port(ports + 2, quoted->dst_port, l4_csump);
    }
    memcpy(&src, &quoted->src.s6_addr[12], 4);
    memcpy(&dst, &quoted->dst.s6_addr[12], 4);
    nat_set_addr(p, 12, src, l4_csump);
    nat_set_addr(p, 16, dst, l4_csump);
    if (l4_csump) {
        if (conn->key.proto == IPPROTO_UDP && !l4_csum) {
            l4_csum = htons(0xffff);
        }
        memcpy(ports + (conn->key.proto == IPPROTO_TCP ? 16 : 6),
               &l4_csum, 2);
    }

    /* The ICMP checksum covers the whole message. */
    memcpy(&icmp, l4, ICMP_HEADER_LEN);
    icmp.icmp_csum = 0;
    memcpy(l4, &icmp, ICMP_HEADER_LEN);
    icmp.icmp_csum = csum(l4, l4_size);
    memcpy(l4, &icmp, ICMP_HEADER_LEN);
    return true;
}

void
conntrack_lookup(const struct conntrack *ct, const struct flow *flow,
                 uint16_t zone, long long now,
                 struct conntrack_result *result)
{
    enum conntrack_invalid reason;
    const struct conn *conn;
    enum conntrack_dir dir;
    struct conn_key key;

    memset(result, 0, sizeof *result);
    result->ct_zone = zone;
    reason = key_from_flow(flow, zone, &key);
    if (reason) {
        goto invalid;
    }
    switch (key.proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_SCTP:
        key.src_port = flow->tp_src;
        key.dst_port = flow->tp_dst;
        break;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6: {
        /* The echo id, part of the connection's key, is not in a flow:
         * an echo request reads as a first packet, anything else as
         * invalid. */
        uint8_t type = ntohs(flow->tp_src);

        if (type == (key.is_ipv6 ? ICMP6_ECHO_REQUEST : ICMP4_ECHO_REQUEST)
            && !ntohs(flow->tp_dst)) {
            result->ct_state = CS_TRACKED | CS_NEW;
            return;
        }
        reason = CT_INV_NO_CONN;
        goto invalid;
    }
    default:
        break;
    }

    conn = conn_lookup_const(ct, &key, now, &dir);
    if (conn) {
        result_conn(result, conn, dir);
        return;
    }
    if (key.proto == IPPROTO_TCP
        && (ntohs(flow->tcp_flags) & (TCP_SYN | TCP_ACK | TCP_RST))
           != TCP_SYN) {
        /* Only a SYN starts a TCP connection. */
        reason = CT_INV_NO_CONN;
        goto invalid;
    }
    result->ct_state = CS_TRACKED | CS_NEW;
    return;

invalid:
    result->ct_state = CS_TRACKED | CS_INVALID;
    result->invalid = reason;
}
