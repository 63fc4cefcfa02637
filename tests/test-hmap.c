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
    size_t n;
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
    hmap_destroy(&map);
    free(elems);
    printf("ok\n");
    return 0;
}

NFVSTEST_REGISTER("test-hmap", test_hmap_main);
