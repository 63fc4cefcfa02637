#include <config.h>
#include "mac-learning.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "hmap.h"
#include "list.h"
#include "util.h"

struct mac_entry {
    struct hmap_node node;      /* In 'ml->table'. */
    struct nfvs_list lru;       /* In 'ml->lru', least recent first. */
    struct eth_addr mac;        /* Key, with 'vlan'. */
    uint16_t vlan;              /* Key, with 'mac'. */
    uint32_t port;              /* Where 'mac' was last seen. */
    long long int used;         /* When last refreshed, in ms. */
};

/* The last changes, so that a reader can tell which addresses changed
 * since a sequence number instead of assuming all of them did. */
#define MAC_LOG_SIZE 4096

struct mac_change {
    struct eth_addr mac;
    uint16_t vlan;
};

struct mac_learning {
    pthread_mutex_t mutex;      /* Protects everything below. */
    struct hmap table;          /* "struct mac_entry"s by mac and vlan. */
    struct nfvs_list lru;       /* "struct mac_entry"s, by 'used'. */
    long long int idle_ms;      /* Idle time in ms. */
    size_t max_entries;         /* Table size limit. */
    atomic_ullong seq;          /* Changes that may alter forwarding. */
    struct mac_learning_stats stats; /* Counters. */
    struct mac_change log[MAC_LOG_SIZE]; /* Ring, indexed by seq. */
};

static uint32_t
mac_entry_hash(struct eth_addr mac, uint16_t vlan)
{
    uint64_t key = 0;

    memcpy(&key, mac.ea, ETH_ADDR_LEN);
    return hash_uint64(key | ((uint64_t) vlan << 48), 0);
}

struct mac_learning *
mac_learning_create(unsigned int idle_time, size_t max_entries)
{
    struct mac_learning *ml = xzalloc(sizeof *ml);

    pthread_mutex_init(&ml->mutex, NULL);
    hmap_init(&ml->table);
    nfvs_list_init(&ml->lru);
    ml->idle_ms = (long long int) idle_time * 1000;
    ml->max_entries = max_entries ? max_entries : 1;
    atomic_init(&ml->seq, 1);
    return ml;
}

/* Records that the entry for 'mac' on 'vlan' changed.  The log slot is
 * written before 'seq' is published, so a reader that sees the new
 * number also finds its change (readers take the mutex anyway). */
static void
mac_changed__(struct mac_learning *ml, struct eth_addr mac, uint16_t vlan)
{
    uint64_t seq = atomic_load(&ml->seq) + 1;
    struct mac_change *c = &ml->log[seq % MAC_LOG_SIZE];

    c->mac = mac;
    c->vlan = vlan;
    atomic_store(&ml->seq, seq);
}

static void
mac_entry_remove__(struct mac_learning *ml, struct mac_entry *e)
{
    mac_changed__(ml, e->mac, e->vlan);
    hmap_remove(&ml->table, &e->node);
    nfvs_list_remove(&e->lru);
    free(e);
}

void
mac_learning_destroy(struct mac_learning *ml)
{
    struct mac_entry *e;

    if (!ml) {
        return;
    }
    HMAP_FOR_EACH_POP (e, node, &ml->table) {
        free(e);
    }
    hmap_destroy(&ml->table);
    pthread_mutex_destroy(&ml->mutex);
    free(ml);
}

void
mac_learning_set_idle_time(struct mac_learning *ml, unsigned int secs)
{
    pthread_mutex_lock(&ml->mutex);
    ml->idle_ms = (long long int) secs * 1000;
    pthread_mutex_unlock(&ml->mutex);
}

void
mac_learning_set_max_entries(struct mac_learning *ml, size_t max_entries)
{
    pthread_mutex_lock(&ml->mutex);
    ml->max_entries = max_entries ? max_entries : 1;
    while (hmap_count(&ml->table) > ml->max_entries) {
        struct mac_entry *oldest = CONTAINER_OF(ml->lru.next,
                                                struct mac_entry, lru);
        mac_entry_remove__(ml, oldest);
        ml->stats.n_evicted++;
    }
    pthread_mutex_unlock(&ml->mutex);
}

static struct mac_entry *
mac_entry_find__(const struct mac_learning *ml, struct eth_addr mac,
                 uint16_t vlan)
{
    struct mac_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, node, mac_entry_hash(mac, vlan),
                             &ml->table) {
        if (e->vlan == vlan && eth_addr_equals(e->mac, mac)) {
            return e;
        }
    }
    return NULL;
}

static bool
mac_entry_is_expired(const struct mac_learning *ml,
                     const struct mac_entry *e, long long int now)
{
    return now - e->used > ml->idle_ms;
}

bool
mac_learning_learn(struct mac_learning *ml, struct eth_addr src,
                   uint16_t vlan, uint32_t port, long long int now)
{
    struct mac_entry *e;
    bool changed = false;

    if (eth_addr_is_multicast(src)) {
        return false;
    }

    pthread_mutex_lock(&ml->mutex);
    e = mac_entry_find__(ml, src, vlan);
    if (!e) {
        if (hmap_count(&ml->table) >= ml->max_entries) {
            struct mac_entry *oldest = CONTAINER_OF(ml->lru.next,
                                                    struct mac_entry, lru);
            mac_entry_remove__(ml, oldest);
            ml->stats.n_evicted++;
        }
        e = xzalloc(sizeof *e);
        e->mac = src;
        e->vlan = vlan;
        e->port = port;
        hmap_insert(&ml->table, &e->node, mac_entry_hash(src, vlan));
        nfvs_list_push_back(&ml->lru, &e->lru);
        ml->stats.n_learned++;
        changed = true;
    } else {
        if (e->port != port) {
            e->port = port;
            ml->stats.n_moved++;
            changed = true;
        }
        nfvs_list_remove(&e->lru);
        nfvs_list_push_back(&ml->lru, &e->lru);
    }
    e->used = now;
    if (changed) {
        mac_changed__(ml, src, vlan);
    }
    pthread_mutex_unlock(&ml->mutex);
    return changed;
}

bool
mac_learning_lookup(struct mac_learning *ml, struct eth_addr dst,
                    uint16_t vlan, long long int now, uint32_t *portp)
{
    struct mac_entry *e;
    bool found = false;

    if (eth_addr_is_multicast(dst)) {
        return false;
    }
    pthread_mutex_lock(&ml->mutex);
    e = mac_entry_find__(ml, dst, vlan);
    if (e && !mac_entry_is_expired(ml, e, now)) {
        *portp = e->port;
        found = true;
    }
    pthread_mutex_unlock(&ml->mutex);
    return found;
}

size_t
mac_learning_expire(struct mac_learning *ml, long long int now)
{
    size_t n = 0;

    pthread_mutex_lock(&ml->mutex);
    while (!nfvs_list_is_empty(&ml->lru)) {
        struct mac_entry *oldest = CONTAINER_OF(ml->lru.next,
                                                struct mac_entry, lru);
        if (!mac_entry_is_expired(ml, oldest, now)) {
            break;
        }
        mac_entry_remove__(ml, oldest);
        ml->stats.n_expired++;
        n++;
    }
    pthread_mutex_unlock(&ml->mutex);
    return n;
}

size_t
mac_learning_flush(struct mac_learning *ml, uint32_t port)
{
    struct mac_entry *e, *next;
    size_t n = 0;

    pthread_mutex_lock(&ml->mutex);
    HMAP_FOR_EACH_SAFE (e, next, node, &ml->table) {
        if (port == UINT32_MAX || e->port == port) {
            mac_entry_remove__(ml, e);
            n++;
        }
    }
    pthread_mutex_unlock(&ml->mutex);
    return n;
}

uint64_t
mac_learning_seq(const struct mac_learning *ml)
{
    return atomic_load(&((struct mac_learning *) ml)->seq);
}

size_t
mac_learning_count(const struct mac_learning *ml_)
{
    struct mac_learning *ml = (struct mac_learning *) ml_;
    size_t n;

    pthread_mutex_lock(&ml->mutex);
    n = hmap_count(&ml->table);
    pthread_mutex_unlock(&ml->mutex);
    return n;
}

void
mac_learning_get_stats(const struct mac_learning *ml_,
                       struct mac_learning_stats *stats)
{
    struct mac_learning *ml = (struct mac_learning *) ml_;

    pthread_mutex_lock(&ml->mutex);
    *stats = ml->stats;
    pthread_mutex_unlock(&ml->mutex);
}

static int
compare_entries(const void *a_, const void *b_)
{
    const struct mac_entry_info *a = a_;
    const struct mac_entry_info *b = b_;

    if (a->port != b->port) {
        return a->port < b->port ? -1 : 1;
    }
    if (a->vlan != b->vlan) {
        return a->vlan < b->vlan ? -1 : 1;
    }
    return memcmp(&a->mac, &b->mac, sizeof a->mac);
}

void
mac_learning_dump(const struct mac_learning *ml_, long long int now,
                  struct mac_entry_info **entriesp, size_t *n)
{
    struct mac_learning *ml = (struct mac_learning *) ml_;
    struct mac_entry_info *entries;
    struct mac_entry *e;
    size_t i = 0;

    pthread_mutex_lock(&ml->mutex);
    entries = xcalloc(hmap_count(&ml->table), sizeof *entries);
    HMAP_FOR_EACH (e, node, &ml->table) {
        if (mac_entry_is_expired(ml, e, now)) {
            continue;
        }
        entries[i].vlan = e->vlan;
        entries[i].mac = e->mac;
        entries[i].port = e->port;
        entries[i].age = (now - e->used) / 1000;
        i++;
    }
    pthread_mutex_unlock(&ml->mutex);
    qsort(entries, i, sizeof *entries, compare_entries);
    *entriesp = entries;
    *n = i;
}

bool
mac_learning_changes_since(struct mac_learning *ml, uint64_t seq,
                           mac_learning_change_func *cb, void *aux)
{
    uint64_t last, s;
    bool complete;

    pthread_mutex_lock(&ml->mutex);
    last = atomic_load(&ml->seq);
    complete = seq >= last || last - seq <= MAC_LOG_SIZE;
    if (complete) {
        for (s = seq + 1; s <= last; s++) {
            const struct mac_change *c = &ml->log[s % MAC_LOG_SIZE];

            cb(c->mac, c->vlan, s, aux);
        }
    }
    pthread_mutex_unlock(&ml->mutex);
    return complete;
}
