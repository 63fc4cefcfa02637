/* lib/netdev-vport.c: netdevs of ports that the kernel datapath moves.
 *
 * On the "system" datapath nfvs.ko receives and sends a port's packets
 * itself, and creates internal ports (including the bridge's local port)
 * when the port is added.  Opening such a port must therefore neither
 * bind an AF_PACKET socket ("system") nor create a tap ("internal"):
 * these classes only name the device, and read its address, MTU and
 * ifindex from the kernel when asked.  They have no packet I/O.
 *
 *   "kernel-system": an existing device; open fails with ENODEV if there
 *                    is none, as "system" does.
 *   "kernel-internal": a device the datapath creates at port_add; it may
 *                    not exist yet when opened.
 *
 * Thread-safety: as netdev-provider.h. */
#include <config.h>

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "netdev-provider.h"
#include "util.h"

struct netdev_vport {
    struct netdev up;
};

/* Runs ioctl 'cmd' on device 'name' with 'ifr'. */
static int
vport_ioctl(const char *name, unsigned long cmd, struct ifreq *ifr)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int error = 0;

    if (fd < 0) {
        return errno;
    }
    snprintf(ifr->ifr_name, sizeof ifr->ifr_name, "%s", name);
    if (ioctl(fd, cmd, ifr) < 0) {
        error = errno;
    }
    close(fd);
    return error;
}

static int
netdev_vport_open__(struct netdev **netdevp)
{
    struct netdev_vport *dev = xzalloc(sizeof *dev);

    *netdevp = &dev->up;
    return 0;
}

static int
netdev_kernel_system_open(const char *name, struct netdev **netdevp)
{
    *netdevp = NULL;
    if (!if_nametoindex(name)) {
        return ENODEV;
    }
    return netdev_vport_open__(netdevp);
}

static int
netdev_kernel_internal_open(const char *name NFVS_UNUSED,
                            struct netdev **netdevp)
{
    return netdev_vport_open__(netdevp);
}

static void
netdev_vport_close(struct netdev *netdev)
{
    free(CONTAINER_OF(netdev, struct netdev_vport, up));
}

static int
netdev_vport_get_etheraddr(const struct netdev *netdev, struct eth_addr *mac)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    memset(mac, 0, sizeof *mac);
    error = vport_ioctl(netdev_get_name(netdev), SIOCGIFHWADDR, &ifr);
    if (error) {
        return error;
    }
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        return EINVAL;
    }
    memcpy(mac->ea, ifr.ifr_hwaddr.sa_data, ETH_ADDR_LEN);
    return 0;
}

static int
netdev_vport_get_mtu(const struct netdev *netdev, int *mtup)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = vport_ioctl(netdev_get_name(netdev), SIOCGIFMTU, &ifr);
    *mtup = error ? 0 : ifr.ifr_mtu;
    return error;
}

static int
netdev_vport_get_ifindex(const struct netdev *netdev, int *ifindexp)
{
    unsigned int ifindex = if_nametoindex(netdev_get_name(netdev));

    *ifindexp = ifindex;
    return ifindex ? 0 : ENODEV;
}

static int
netdev_vport_get_fd(const struct netdev *netdev NFVS_UNUSED)
{
    return -1;
}

static int
netdev_vport_recv(struct netdev *netdev NFVS_UNUSED,
                  struct dp_packet_batch *batch NFVS_UNUSED)
{
    return EOPNOTSUPP;
}

static int
netdev_vport_send(struct netdev *netdev NFVS_UNUSED,
                  struct dp_packet_batch *batch)
{
    dp_packet_batch_destroy_packets(batch);
    return EOPNOTSUPP;
}

static int
netdev_vport_get_stats(const struct netdev *netdev NFVS_UNUSED,
                       struct netdev_stats *stats NFVS_UNUSED)
{
    return EOPNOTSUPP;      /* The datapath's vport stats count. */
}

/* A device the datapath creates may not exist yet: ENODEV then. */
static int
netdev_vport_get_link_state(const struct netdev *netdev,
                            struct netdev_link_state *state)
{
    return netdev_linux_get_link_state__(netdev_get_name(netdev), state);
}

#define NETDEV_VPORT_CLASS(TYPE, OPEN)                  \
    {                                                   \
        .type = TYPE,                                   \
        .open = OPEN,                                   \
        .close = netdev_vport_close,                    \
        .get_etheraddr = netdev_vport_get_etheraddr,    \
        .get_mtu = netdev_vport_get_mtu,                \
        .get_ifindex = netdev_vport_get_ifindex,        \
        .get_fd = netdev_vport_get_fd,                  \
        .recv = netdev_vport_recv,                      \
        .send = netdev_vport_send,                      \
        .get_stats = netdev_vport_get_stats,            \
        .get_link_state = netdev_vport_get_link_state,  \
    }

const struct netdev_class netdev_kernel_system_class
    = NETDEV_VPORT_CLASS("kernel-system", netdev_kernel_system_open);
const struct netdev_class netdev_kernel_internal_class
    = NETDEV_VPORT_CLASS("kernel-internal", netdev_kernel_internal_open);
