#include <config.h>
#include "mac-learning.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nfvstest.h"
#include "util.h"

/* Runs a script from stdin against a table with a fake clock.  Commands
 * (times in seconds):
 *     create IDLE MAX
 *     learn MAC VLAN PORT TIME     -> "changed" or "same"
 *     lookup MAC VLAN TIME         -> port number or "miss"
 *     expire TIME                  -> number removed
 *     flush PORT|all               -> number removed
 *     dump TIME                    -> one line per entry
 *     stats                        -> counters and seq changes
 */

static struct eth_addr
parse_mac(const char *s)
{
    struct eth_addr mac;
    unsigned int b[6];
    int i;

    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
               &b[5]) != 6) {
        nfvs_fatal(0, "bad MAC %s", s);
    }
    for (i = 0; i < 6; i++) {
        mac.ea[i] = b[i];
    }
    return mac;
}

static int
test_mac_learning_main(int argc, char *argv[])
{
    struct mac_learning *ml = NULL;
    uint64_t last_seq = 0;
    char line[256];

    while (fgets(line, sizeof line, stdin)) {
        char cmd[32], a[64], b[64], c[64], d[64];
        int n = sscanf(line, "%31s %63s %63s %63s %63s", cmd, a, b, c, d);

        if (n <= 0 || cmd[0] == '#') {
            continue;
        }
        if (!strcmp(cmd, "create") && n == 3) {
            mac_learning_destroy(ml);
            ml = mac_learning_create(atoi(a), atoi(b));
            last_seq = mac_learning_seq(ml);
        } else if (!strcmp(cmd, "learn") && n == 5) {
            bool changed = mac_learning_learn(ml, parse_mac(a), atoi(b),
                                              atoi(c), atoll(d) * 1000);
            printf("%s\n", changed ? "changed" : "same");
        } else if (!strcmp(cmd, "lookup") && n == 4) {
            uint32_t port;

            if (mac_learning_lookup(ml, parse_mac(a), atoi(b),
                                    atoll(c) * 1000, &port)) {
                printf("%"PRIu32"\n", port);
            } else {
                printf("miss\n");
            }
        } else if (!strcmp(cmd, "expire") && n == 2) {
            printf("expired %zu\n", mac_learning_expire(ml,
                                                        atoll(a) * 1000));
        } else if (!strcmp(cmd, "flush") && n == 2) {
            uint32_t port = !strcmp(a, "all") ? UINT32_MAX : atoi(a);
            printf("flushed %zu\n", mac_learning_flush(ml, port));
        } else if (!strcmp(cmd, "dump") && n == 2) {
            struct mac_entry_info *entries;
            size_t i, n_entries;

            mac_learning_dump(ml, atoll(a) * 1000, &entries, &n_entries);
            for (i = 0; i < n_entries; i++) {
                printf(" port %"PRIu32" vlan %d "ETH_ADDR_FMT" age %d\n",
                       entries[i].port, entries[i].vlan,
                       ETH_ADDR_ARGS(entries[i].mac), entries[i].age);
            }
            free(entries);
        } else if (!strcmp(cmd, "stats") && n == 1) {
            struct mac_learning_stats s;
            uint64_t seq = mac_learning_seq(ml);

            mac_learning_get_stats(ml, &s);
            printf("count %zu learned %"PRIu64" moved %"PRIu64
                   " expired %"PRIu64" evicted %"PRIu64" seq +%"PRIu64"\n",
                   mac_learning_count(ml), s.n_learned, s.n_moved,
                   s.n_expired, s.n_evicted, seq - last_seq);
            last_seq = seq;
        } else {
            nfvs_fatal(0, "bad command: %s", line);
        }
    }
    mac_learning_destroy(ml);
    return 0;
}

NFVSTEST_REGISTER("test-mac-learning", test_mac_learning_main);
