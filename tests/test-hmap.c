#include <config.h>
#include "hmap.h"

#include <stdlib.h>
#include "hash.h"
#include "nfvstest.h"

struct elem {
    struct hmap_node node;      /* In the map under test. */
    int value;                  /* Key and payload. */
};

static int
test_hmap_main(int argc, char *argv[])
{
    enum { N = 10000 };
    struct elem *elems = xcalloc(N, sizeof *elems);
    struct elem *e, *next;
    struct hmap map;
    size_t n, mask;
    int i;

    hmap_init(&map);
    for (i = 0; i < N; i++) {
        elems[i].value = i;
        /* A weak hash on purpose, so that chains collide. */
        hmap_insert(&map, &elems[i].node, i % 97);
    }
    CHECK(hmap_count(&map) == N);
    for (i = 0; i < N; i += 7) {
        bool found = false;

        HMAP_FOR_EACH_WITH_HASH (e, node, i % 97, &map) {
            found |= e->value == i;
        }
        CHECK(found);
    }
    HMAP_FOR_EACH_SAFE (e, next, node, &map) {
        if (e->value % 2) {
            hmap_remove(&map, &e->node);
        }
    }
    CHECK(hmap_count(&map) == N / 2);
    n = 0;
    HMAP_FOR_EACH (e, node, &map) {
        CHECK(e->value % 2 == 0);
        n++;
    }
    CHECK(n == N / 2);
    n = 0;
    HMAP_FOR_EACH_POP (e, node, &map) {
        n++;
    }
    CHECK(n == N / 2 && hmap_is_empty(&map));

    /* Removing every node while walking the map visits every node once,
     * with hashes spread over all buckets (a map that resized itself
     * under the walk would skip some). */
    for (i = 0; i < N; i++) {
        hmap_insert(&map, &elems[i].node, hash_int(i, 0));
    }
    n = 0;
    HMAP_FOR_EACH_SAFE (e, next, node, &map) {
        hmap_remove(&map, &e->node);
        n++;
    }
    CHECK(n == N && hmap_is_empty(&map));

    /* Buckets come back only when asked for. */
    for (i = 0; i < N; i++) {
        hmap_insert(&map, &elems[i].node, hash_int(i, 0));
    }
    for (i = 0; i < N - 10; i++) {
        hmap_remove(&map, &elems[i].node);
    }
    CHECK(map.mask >= N / 2);
    hmap_shrink(&map);
    CHECK(map.mask < 64 && hmap_count(&map) == 10);
    for (i = N - 10; i < N; i++) {
        bool found = false;

        HMAP_FOR_EACH_WITH_HASH (e, node, hash_int(i, 0), &map) {
            found |= e == &elems[i];
        }
        CHECK(found);
    }
    mask = map.mask;
    hmap_shrink(&map);
    CHECK(map.mask == mask);
    hmap_destroy(&map);
    free(elems);
    printf("ok\n");
    return 0;
}

NFVSTEST_REGISTER("test-hmap", test_hmap_main);
