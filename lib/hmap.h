/* lib/hmap.h: intrusive hash map with chaining.
 *
 * Embed a 'struct hmap_node' in each element and compute its hash
 * yourself; the map stores and compares only hashes, so lookups walk the
 * nodes with a given hash and compare keys in the caller
 * (HMAP_FOR_EACH_WITH_HASH).  The bucket array doubles when the map holds
 * more than two nodes per bucket and halves when it empties.  Not
 * thread-safe: callers serialize access. */
#ifndef NFVS_HMAP_H
#define NFVS_HMAP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util.h"

struct hmap_node {
    uint32_t hash;              /* Hash value of this node's key. */
    struct hmap_node *next;     /* Next node in the same bucket. */
};

struct hmap {
    struct hmap_node **buckets; /* 'mask + 1' bucket chains. */
    struct hmap_node *one;      /* The bucket storage when 'mask' is 0. */
    size_t mask;                /* Number of buckets minus one. */
    size_t n;                   /* Number of nodes. */
};

#define HMAP_INITIALIZER(HMAP) { &(HMAP)->one, NULL, 0, 0 }

void hmap_init(struct hmap *);
void hmap_destroy(struct hmap *);   /* Frees buckets, not the nodes. */
void hmap_clear(struct hmap *);     /* Forgets every node. */
void hmap_swap(struct hmap *, struct hmap *);

static inline size_t hmap_count(const struct hmap *hmap) { return hmap->n; }
static inline bool hmap_is_empty(const struct hmap *hmap)
{
    return hmap->n == 0;
}

void hmap_insert(struct hmap *, struct hmap_node *, uint32_t hash);

/* Never resizes the map, so that HMAP_FOR_EACH_SAFE can go on from the
 * next node: a map that shrank while being walked would have its nodes
 * in other buckets, and the walk would skip some of them. */
void hmap_remove(struct hmap *, struct hmap_node *);

/* Gives back buckets a map no longer needs after many removals.  Not
 * while the map is being walked. */
void hmap_shrink(struct hmap *);

/* Internal: first node in the bucket for 'hash' with that exact hash. */
struct hmap_node *hmap_first_with_hash__(const struct hmap *, uint32_t hash);
struct hmap_node *hmap_next_with_hash__(const struct hmap_node *);
struct hmap_node *hmap_first__(const struct hmap *);
struct hmap_node *hmap_next__(const struct hmap *, const struct hmap_node *);

#define HMAP_NODE_TO(NODE, ITER, MEMBER)                                \
    ((NODE) ? CONTAINER_OF(NODE, __typeof__(*ITER), MEMBER) : NULL)

#define HMAP_FOR_EACH_WITH_HASH(ITER, MEMBER, HASH, HMAP)               \
    for (ITER = HMAP_NODE_TO(hmap_first_with_hash__(HMAP, HASH),        \
                             ITER, MEMBER);                             \
         ITER;                                                          \
         ITER = HMAP_NODE_TO(hmap_next_with_hash__(&(ITER)->MEMBER),    \
                             ITER, MEMBER))

#define HMAP_FOR_EACH(ITER, MEMBER, HMAP)                               \
    for (ITER = HMAP_NODE_TO(hmap_first__(HMAP), ITER, MEMBER);         \
         ITER;                                                          \
         ITER = HMAP_NODE_TO(hmap_next__(HMAP, &(ITER)->MEMBER),        \
                             ITER, MEMBER))

/* Safe against removal of ITER (and only ITER); NEXT is scratch. */
#define HMAP_FOR_EACH_SAFE(ITER, NEXT, MEMBER, HMAP)                    \
    for (ITER = HMAP_NODE_TO(hmap_first__(HMAP), ITER, MEMBER);         \
         (ITER                                                          \
          ? (NEXT = HMAP_NODE_TO(hmap_next__(HMAP, &(ITER)->MEMBER),    \
                                 ITER, MEMBER), 1)                      \
          : 0);                                                         \
         ITER = NEXT)

/* Removes and visits every node; the map is empty afterward. */
#define HMAP_FOR_EACH_POP(ITER, MEMBER, HMAP)                           \
    while ((ITER = HMAP_NODE_TO(hmap_first__(HMAP), ITER, MEMBER))      \
           && (hmap_remove(HMAP, &(ITER)->MEMBER), 1))

#endif /* hmap.h */
