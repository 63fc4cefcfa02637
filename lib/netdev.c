#include <config.h>
#include "netdev.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "dp-packet.h"
#include "hash.h"
#include "hmap.h"
#include "netdev-provider.h"
#include "util.h"

static const struct netdev_class *const netdev_classes[] = {
    &netdev_linux_class,
    &netdev_internal_class,
    &netdev_dummy_class,
    &netdev_kernel_system_class,
    &netdev_kernel_internal_class,
};

/* Every open netdev, by name.  netdev_open() and netdev_close() are for
 * the main thread, but the lock keeps a stray caller from corrupting the
 * table. */
static pthread_mutex_t netdev_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct hmap netdevs = HMAP_INITIALIZER(&netdevs);

static const struct netdev_class *
netdev_class_lookup(const char *type)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(netdev_classes); i++) {
        if (!strcmp(netdev_classes[i]->type, type)) {
            return netdev_classes[i];
        }
    }
    return NULL;
}

static struct netdev *
netdev_lookup__(const char *name)
{
    struct netdev *netdev;

    HMAP_FOR_EACH_WITH_HASH (netdev, name_node, hash_string(name, 0),
                             &netdevs) {
        if (!strcmp(netdev->name, name)) {
            return netdev;
        }
    }
    return NULL;
}

/* Besides what netdev.h says: opening a name that is already open returns
 * the same device with one more reference, or EEXIST if it was opened
 * with another type; an unknown 'type' gives EAFNOSUPPORT, an empty or
 * too long 'name' EINVAL. */
int
netdev_open(const char *name, const char *type, struct netdev **netdevp)
{
    const struct netdev_class *class;
    struct netdev *netdev;
    int error = 0;

    *netdevp = NULL;
    if (!name[0] || strlen(name) >= 16) {
        return EINVAL;
    }
    class = netdev_class_lookup(type);
    if (!class) {
        return EAFNOSUPPORT;
    }

    pthread_mutex_lock(&netdev_mutex);
    netdev = netdev_lookup__(name);
    if (netdev) {
        if (netdev->netdev_class != class) {
            error = EEXIST;
            goto out_unlock;
        }
        netdev->ref_cnt++;
    } else {
        error = class->open(name, &netdev);
        if (error) {
            goto out_unlock;
        }
        netdev->netdev_class = class;
        netdev->name = xstrdup(name);
        netdev->ref_cnt = 1;
        hmap_insert(&netdevs, &netdev->name_node, hash_string(name, 0));
    }
    *netdevp = netdev;

out_unlock:
    pthread_mutex_unlock(&netdev_mutex);
    return error;
}

/* Drops one reference to 'netdev'; the last one closes the device. */
void
netdev_close(struct netdev *netdev)
{
    if (!netdev) {
        return;
    }

    pthread_mutex_lock(&netdev_mutex);
    if (--netdev->ref_cnt == 0) {
        hmap_remove(&netdevs, &netdev->name_node);
        free(netdev->name);
        netdev->name = NULL;
        netdev->netdev_class->close(netdev);
    }
    pthread_mutex_unlock(&netdev_mutex);
}

const char *
netdev_get_name(const struct netdev *netdev)
{
    return netdev->name;
}

const char *
netdev_get_type(const struct netdev *netdev)
{
    return netdev->netdev_class->type;
}

int
netdev_get_etheraddr(const struct netdev *netdev, struct eth_addr *mac)
{
    return netdev->netdev_class->get_etheraddr(netdev, mac);
}

int
netdev_get_mtu(const struct netdev *netdev, int *mtup)
{
    return netdev->netdev_class->get_mtu(netdev, mtup);
}

int
netdev_get_ifindex(const struct netdev *netdev, int *ifindexp)
{
    const struct netdev_class *class = netdev->netdev_class;

    *ifindexp = 0;
    return class->get_ifindex ? class->get_ifindex(netdev, ifindexp)
                              : EOPNOTSUPP;
}

int
netdev_get_fd(const struct netdev *netdev)
{
    return netdev->netdev_class->get_fd(netdev);
}

int
netdev_recv(struct netdev *netdev, struct dp_packet_batch *batch)
{
    return netdev->netdev_class->recv(netdev, batch);
}

unsigned int
netdev_get_n_rxq(const struct netdev *netdev)
{
    const struct netdev_class *class = netdev->netdev_class;

    return class->get_n_rxq ? class->get_n_rxq(netdev) : 1;
}

int
netdev_set_n_rxq(struct netdev *netdev, unsigned int n_rxq)
{
    const struct netdev_class *class = netdev->netdev_class;

    if (class->set_n_rxq) {
        return class->set_n_rxq(netdev, n_rxq);
    }
    return n_rxq == 1 ? 0 : EOPNOTSUPP;
}

int
netdev_rxq_recv(struct netdev *netdev, unsigned int qid,
                struct dp_packet_batch *batch)
{
    const struct netdev_class *class = netdev->netdev_class;

    return (class->rxq_recv ? class->rxq_recv(netdev, qid, batch)
            : class->recv(netdev, batch));
}

int
netdev_rxq_get_fd(const struct netdev *netdev, unsigned int qid)
{
    const struct netdev_class *class = netdev->netdev_class;

    return (class->rxq_get_fd ? class->rxq_get_fd(netdev, qid)
            : class->get_fd(netdev));
}

int
netdev_send(struct netdev *netdev, struct dp_packet_batch *batch)
{
    if (!batch->count) {
        return 0;
    }
    return netdev->netdev_class->send(netdev, batch);
}

int
netdev_get_stats(const struct netdev *netdev, struct netdev_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    return netdev->netdev_class->get_stats(netdev, stats);
}

int
netdev_get_link_state(const struct netdev *netdev,
                      struct netdev_link_state *state)
{
    memset(state, 0, sizeof *state);
    return netdev->netdev_class->get_link_state(netdev, state);
}

void
dp_packet_batch_destroy_packets(struct dp_packet_batch *batch)
{
    size_t i;

    for (i = 0; i < batch->count; i++) {
        dp_packet_destroy(batch->packets[i]);
    }
    batch->count = 0;
}
