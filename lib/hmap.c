#include <config.h>
#include "hmap.h"

#include <stdlib.h>
#include <string.h>

void
hmap_init(struct hmap *hmap)
{
    hmap->buckets = &hmap->one;
    hmap->one = NULL;
    hmap->mask = 0;
    hmap->n = 0;
}

void
hmap_destroy(struct hmap *hmap)
{
    if (hmap && hmap->buckets != &hmap->one) {
        free(hmap->buckets);
    }
}

void
hmap_clear(struct hmap *hmap)
{
    hmap_destroy(hmap);
    hmap_init(hmap);
}

void
hmap_swap(struct hmap *a, struct hmap *b)
{
    struct hmap tmp = *a;

    *a = *b;
    *b = tmp;
    if (a->buckets == &b->one) {
        a->buckets = &a->one;
    }
    if (b->buckets == &a->one) {
        b->buckets = &b->one;
    }
}

static void
hmap_resize(struct hmap *hmap, size_t new_mask)
{
    struct hmap_node **buckets;
    size_t i;

    buckets = new_mask ? xcalloc(new_mask + 1, sizeof *buckets) : &hmap->one;
    if (!new_mask) {
        hmap->one = NULL;
    }
    for (i = 0; i <= hmap->mask; i++) {
        struct hmap_node *node, *next;

        for (node = hmap->buckets[i]; node; node = next) {
            struct hmap_node **bucket = &buckets[node->hash & new_mask];

            next = node->next;
            node->next = *bucket;
            *bucket = node;
        }
    }
    if (hmap->buckets != &hmap->one) {
        free(hmap->buckets);
    }
    hmap->buckets = buckets;
    hmap->mask = new_mask;
}

void
hmap_insert(struct hmap *hmap, struct hmap_node *node, uint32_t hash)
{
    struct hmap_node **bucket;

    node->hash = hash;
    if (hmap->n >= (hmap->mask + 1) * 2) {
        hmap_resize(hmap, hmap->mask * 2 + 1);
    }
    bucket = &hmap->buckets[hash & hmap->mask];
    node->next = *bucket;
    *bucket = node;
    hmap->n++;
}

void
hmap_remove(struct hmap *hmap, struct hmap_node *node)
{
    struct hmap_node **bucket = &hmap->buckets[node->hash & hmap->mask];

    while (*bucket != node) {
        bucket = &(*bucket)->next;
    }
    *bucket = node->next;
    hmap->n--;
}

void
hmap_shrink(struct hmap *hmap)
{
    size_t mask = hmap->mask;

    while (mask > 7 && hmap->n < (mask + 1) / 4) {
        mask /= 2;
    }
    if (mask != hmap->mask) {
        hmap_resize(hmap, mask);
    }
}

struct hmap_node *
hmap_first_with_hash__(const struct hmap *hmap, uint32_t hash)
{
    struct hmap_node *node;

    for (node = hmap->buckets[hash & hmap->mask]; node; node = node->next) {
        if (node->hash == hash) {
            return node;
        }
    }
    return NULL;
}

struct hmap_node *
hmap_next_with_hash__(const struct hmap_node *prev)
{
    struct hmap_node *node;

    for (node = prev->next; node; node = node->next) {
        if (node->hash == prev->hash) {
            return node;
        }
    }
    return NULL;
}

static struct hmap_node *
hmap_next_in_bucket__(const struct hmap *hmap, size_t start)
{
    size_t i;

    for (i = start; i <= hmap->mask; i++) {
        if (hmap->buckets[i]) {
            return hmap->buckets[i];
        }
    }
    return NULL;
}

struct hmap_node *
hmap_first__(const struct hmap *hmap)
{
    return hmap_next_in_bucket__(hmap, 0);
}

struct hmap_node *
hmap_next__(const struct hmap *hmap, const struct hmap_node *node)
{
    return (node->next
            ? node->next
            : hmap_next_in_bucket__(hmap, (node->hash & hmap->mask) + 1));
}
