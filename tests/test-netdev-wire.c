/* test-netdev-wire TYPE:NAME TYPE:NAME READY-FILE: a two-port "wire"
 * that forwards every packet received on one netdev to the other, for the
 * system tests.  Creates READY-FILE once both ports are open; on SIGTERM
 * or SIGINT prints per-port counts (packets, and how many carried a
 * partial checksum or were GSO super-packets) and exits. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dp-packet.h"
#include "dp-packet-offload.h"
#include "netdev.h"
#include "nfvstest.h"
#include "util.h"

static volatile sig_atomic_t stop;

struct wire_port {
    struct netdev *netdev;
    unsigned long long n_partial;   /* Received with a partial csum. */
    unsigned long long n_gso;       /* Received as GSO super-packets. */
    size_t max_size;                /* Largest frame received. */
};

static void
on_signal(int sig NFVS_UNUSED)
{
    stop = 1;
}

static struct netdev *
open_port(const char *spec)
{
    char *copy = xstrdup(spec);
    char *colon = strchr(copy, ':');
    struct netdev *netdev;
    int error;

    if (!colon) {
        nfvs_fatal(0, "%s: expected TYPE:NAME", spec);
    }
    *colon = '\0';
    error = netdev_open(colon + 1, copy, &netdev);
    if (error) {
        nfvs_fatal(error, "%s: cannot open", spec);
    }
    free(copy);
    return netdev;
}

static void
forward(struct wire_port *from, struct wire_port *to)
{
    struct dp_packet_batch batch;
    size_t i;

    dp_packet_batch_init(&batch);
    if (netdev_recv(from->netdev, &batch)) {
        return;
    }
    for (i = 0; i < batch.count; i++) {
        const struct dp_packet *p = batch.packets[i];

        from->n_partial += dp_packet_ol_is_csum_partial(p);
        from->n_gso += dp_packet_ol_is_gso(p);
        from->max_size = NFVS_MAX(from->max_size, dp_packet_size(p));
    }
    netdev_send(to->netdev, &batch);
}

static int
test_netdev_wire_main(int argc, char *argv[])
{
    struct wire_port ports[2];
    FILE *ready;
    int i;

    if (argc != 4) {
        fprintf(stderr, "usage: %s TYPE:NAME TYPE:NAME READY-FILE\n",
                argv[0]);
        return 1;
    }
    memset(ports, 0, sizeof ports);
    ports[0].netdev = open_port(argv[1]);
    ports[1].netdev = open_port(argv[2]);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    ready = fopen(argv[3], "w");
    if (!ready) {
        nfvs_fatal(errno, "%s: cannot create", argv[3]);
    }
    fclose(ready);

    while (!stop) {
        struct pollfd pfds[2];

        for (i = 0; i < 2; i++) {
            pfds[i].fd = netdev_get_fd(ports[i].netdev);
            pfds[i].events = POLLIN;
            pfds[i].revents = 0;
        }
        if (poll(pfds, 2, 100) <= 0) {
            continue;
        }
        for (i = 0; i < 2; i++) {
            if (pfds[i].revents) {
                forward(&ports[i], &ports[1 - i]);
            }
        }
    }

    for (i = 0; i < 2; i++) {
        struct netdev_stats s;

        netdev_get_stats(ports[i].netdev, &s);
        printf("%s: rx %llu tx %llu rx_dropped %llu tx_dropped %llu "
               "partial %llu gso %llu max %zu\n",
               netdev_get_name(ports[i].netdev),
               (unsigned long long) s.rx_packets,
               (unsigned long long) s.tx_packets,
               (unsigned long long) s.rx_dropped,
               (unsigned long long) s.tx_dropped,
               ports[i].n_partial, ports[i].n_gso, ports[i].max_size);
        netdev_close(ports[i].netdev);
    }
    return 0;
}

NFVSTEST_REGISTER("test-netdev-wire", test_netdev_wire_main);
