/* Linux network devices: "system" (an existing device, read and written
 * through an AF_PACKET socket) and "internal" (a tap device that this
 * module creates, so that the host stack sees the bridge).
 *
 * Both exchange a virtio-net header with the kernel in front of every
 * frame (PACKET_VNET_HDR, IFF_VNET_HDR), which carries the checksum and
 * GSO state that a veth or the host stack leaves undone; it goes into the
 * packet's offload members on receive and comes back out of them on send,
 * so the kernel finishes the work when the packet leaves (see the "Known
 * pitfalls" in DESIGN.md).
 *
 * A system port receives through a memory-mapped TPACKET_V2 ring of
 * RING_FRAME_SIZE frames that the kernel fills with the virtio-net header
 * and the frame.  Received packets borrow their frame (DPBUF_BORROWED):
 * nothing is copied in userspace, and the frame goes back to the kernel
 * when the packet is freed or moved to a heap buffer (a push that needs
 * more room, or dp_packet_unborrow() for a packet kept past the
 * forwarding round).  A packet longer than a frame (a GSO super-packet,
 * up to 64 kB) would waste a ring sized for it, so the kernel marks its
 * frame TP_STATUS_COPY and queues the whole packet on the socket as well
 * (PACKET_COPY_THRESH); it is read with recvmsg() in ring order.
 *
 * TPACKET_V3's block ring would take the big packets in place, but it
 * wakes the reader only when a block is full or its retire timer (1 ms at
 * the least) fires, which delays every packet of a sparse flow (a TCP
 * handshake, a ping) by up to that long; V2 wakes per frame.
 *
 * Send is sendmmsg() with PACKET_QDISC_BYPASS: the packets go straight to
 * the device's driver, as the forwarding threads batch them already.
 *
 * Where the kernel refuses the ring (or the user turns it off, see
 * netdev_linux_set_rx_ring_blocks()) the port receives with recvmmsg()
 * as before the ring: each packet is scattered into an MTU-sized
 * dp_packet plus the tail of a per-slot 64 kB dp_packet that only large
 * packets touch, so 64 kB of payload is never moved in userspace.  One
 * log line says which ports fell back and why. */
#include <config.h>
#include "netdev.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "dp-packet.h"
#include "dp-packet-offload.h"
#include "netdev-provider.h"
#include "packets.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(netdev_linux);

/* Every received frame lands in a dp_packet with room for this many bytes
 * (a full 1500-byte MTU frame with two VLAN tags); anything longer, a GSO
 * super-packet, spills into the slot's big packet past its first
 * RX_STD_SIZE bytes, and takes that packet. */
#define RX_STD_SIZE 1536
#define RX_AUX_SIZE 65536

#define VNET_HDR_SIZE sizeof(struct virtio_net_hdr)

/* Tap offloads for UDP segmentation (Linux 6.2), missing from older
 * headers. */
/* Linux 6.9: fanout groups skip outgoing packets, as PACKET_IGNORE_OUTGOING
 * does for a socket outside a group. */
#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000
#endif

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

struct rx_slot {
    struct dp_packet *packet;   /* Receives the first RX_STD_SIZE bytes. */
    struct dp_packet *big;      /* RX_STD_SIZE + RX_AUX_SIZE bytes; the
                                 * rest lands after the first
                                 * RX_STD_SIZE. */
    struct virtio_net_hdr vnet; /* The packet's virtio-net header. */
    union {                     /* PACKET_AUXDATA control message. */
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
    } cmsg;
};

/* Receive ring geometry: frames of RING_FRAME_SIZE bytes (a 1500-byte
 * MTU frame with two VLAN tags, the virtio-net header, the frame header
 * and RING_RESERVE bytes of headroom), RING_BLOCK_SIZE bytes per block of
 * contiguous memory. */
#define RING_FRAME_SIZE 2048
#define RING_BLOCK_SIZE 65536
#define RING_FRAMES_PER_BLOCK (RING_BLOCK_SIZE / RING_FRAME_SIZE)
#define RING_RESERVE 64
#define RING_DEFAULT_BLOCKS 64      /* 2048 frames, 4 MB per port. */

/* A received frame's tpacket2_hdr status while a packet borrows it: not
 * TP_STATUS_KERNEL, so the kernel does not write it, and without
 * TP_STATUS_USER, so the reader does not take it again.  Bit 30 is
 * TP_STATUS_TS_SYS_HARDWARE, which no kernel sets any more. */
#define RING_FRAME_HELD (1U << 30)

/* Offset of the first byte a packet may use as headroom in a frame: past
 * the tpacket2_hdr and the sockaddr_ll the kernel writes after it. */
#define RING_FRAME_BASE (TPACKET_ALIGN(sizeof(struct tpacket2_hdr)) \
                         + sizeof(struct sockaddr_ll))

/* A memory-mapped receive ring.  Freed when its last reference goes: the
 * device holds one and every packet that borrows a frame one, so a packet
 * may outlive its port. */
struct rx_ring {
    uint8_t *map;               /* The mapping, 'n_frames' frames. */
    size_t map_size;            /* Bytes mapped. */
    unsigned int n_frames;      /* Frames in the ring. */
    unsigned int head;          /* Next frame to read; receiving thread. */
    int ref_cnt;                /* Atomic. */
};

/* Blocks in the receive ring of system ports opened from now on; 0 for
 * no ring. */
static unsigned int rx_ring_blocks = RING_DEFAULT_BLOCKS;

/* One receive queue: a socket of the device's PACKET_FANOUT group (or
 * the tap's fd).  Used by one receiving thread at a time. */
struct rx_queue {
    int fd;                     /* AF_PACKET socket or tap fd. */
    struct rx_ring *ring;       /* Receive ring, NULL if recvmmsg(). */
    struct rx_slot rx[NETDEV_MAX_BURST]; /* recvmmsg() buffers. */
    uint64_t rx_packets;        /* Counters, written by the receiving */
    uint64_t rx_bytes;          /* thread only (relaxed atomics). */
    uint64_t rx_errors;
    uint64_t rx_dropped;        /* Kernel drops read so far; 'mutex'. */
};

/* Most receive queues of a device. */
#define MAX_RXQ 64

struct netdev_linux {
    struct netdev up;
    bool is_tap;                /* "internal" (tap) rather than "system". */
    int fd;                     /* Queue 0's socket or tap fd; sends. */
    int ifindex;                /* Kernel interface index. */
    struct rx_queue *rxqs;      /* Receive queues; main thread changes. */
    unsigned int n_rxq;         /* Elements in 'rxqs' (at least 1). */
    int fanout_id;              /* PACKET_FANOUT group of queue 0, 0 if
                                 * it has joined none. */

    pthread_mutex_t mutex;      /* Guards 'stats'. */
    struct netdev_stats stats;  /* Counted here, plus kernel drops. */
};

static struct netdev_linux *
netdev_linux_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct netdev_linux, up);
}

/* An AF_INET socket for interface ioctls, shared by every device. */
static int ioctl_sock = -1;
static int ioctl_sock_error;
static pthread_once_t ioctl_once = PTHREAD_ONCE_INIT;

static void
ioctl_sock_init(void)
{
    ioctl_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ioctl_sock_error = ioctl_sock < 0 ? errno : 0;
}

/* Runs interface ioctl 'cmd' on device 'name' with 'ifr'.  Returns 0 or
 * a positive errno value. */
static int
netdev_linux_ioctl(const char *name, unsigned long cmd, struct ifreq *ifr)
{
    pthread_once(&ioctl_once, ioctl_sock_init);
    if (ioctl_sock < 0) {
        return ioctl_sock_error;
    }
    snprintf(ifr->ifr_name, sizeof ifr->ifr_name, "%s", name);
    return ioctl(ioctl_sock, cmd, ifr) < 0 ? errno : 0;
}

static int
get_ifindex(const char *name, int *ifindexp)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = netdev_linux_ioctl(name, SIOCGIFINDEX, &ifr);
    *ifindexp = error ? 0 : ifr.ifr_ifindex;
    return error;
}

/* Sets IFF_UP on device 'name'. */
static int
set_up(const char *name)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = netdev_linux_ioctl(name, SIOCGIFFLAGS, &ifr);
    if (!error && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        error = netdev_linux_ioctl(name, SIOCSIFFLAGS, &ifr);
    }
    return error;
}

static void
rxq_init(struct rx_queue *q)
{
    memset(q, 0, sizeof *q);
    q->fd = -1;
}

static void rx_ring_unref(struct rx_ring *);

/* Frees 'q''s buffers and ring.  Its fd is closed too unless it is
 * 'dev_fd' (queue 0 shares the device's fd). */
static void
rxq_uninit(struct rx_queue *q, int dev_fd)
{
    size_t i;

    for (i = 0; i < NETDEV_MAX_BURST; i++) {
        dp_packet_destroy(q->rx[i].packet);
        dp_packet_destroy(q->rx[i].big);
    }
    if (q->fd >= 0 && q->fd != dev_fd) {
        close(q->fd);
    }
    rx_ring_unref(q->ring);
}

/* Opening a port is retried every second while it fails (see
 * vswitchd/bridge.h). */
static struct vlog_rate_limit open_rl = VLOG_RATE_LIMIT_INIT(5, 60);

void
netdev_linux_set_rx_ring_blocks(unsigned int n_blocks)
{
    __atomic_store_n(&rx_ring_blocks, n_blocks, __ATOMIC_RELAXED);
}

static void
rx_ring_unref(struct rx_ring *ring)
{
    if (ring && !__atomic_sub_fetch(&ring->ref_cnt, 1, __ATOMIC_ACQ_REL)) {
        munmap(ring->map, ring->map_size);
        free(ring);
    }
}

/* Sets up a TPACKET_V2 receive ring of 'n_blocks' blocks on AF_PACKET
 * socket 'fd' (not bound yet, PACKET_VNET_HDR already on) and stores it
 * in '*ringp'.  Returns 0 or a positive errno value, with the socket
 * usable without a ring. */
static int
rx_ring_create(int fd, unsigned int n_blocks, struct rx_ring **ringp)
{
    int version = TPACKET_V2;
    int reserve = RING_RESERVE;
    int one = 1;
    struct tpacket_req req;
    struct rx_ring *ring;
    void *map;

    *ringp = NULL;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version)
        || setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &reserve,
                      sizeof reserve)
        || setsockopt(fd, SOL_PACKET, PACKET_COPY_THRESH, &one,
                      sizeof one)) {
        return errno;
    }
    memset(&req, 0, sizeof req);
    req.tp_block_size = RING_BLOCK_SIZE;
    req.tp_block_nr = n_blocks;
    req.tp_frame_size = RING_FRAME_SIZE;
    req.tp_frame_nr = n_blocks * RING_FRAMES_PER_BLOCK;
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req)) {
        return errno;
    }
    map = mmap(NULL, (size_t) n_blocks * RING_BLOCK_SIZE,
               PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        int error = errno;

        /* Take the ring down again (a zero request) so that the socket
         * falls back to recvmmsg(). */
        memset(&req, 0, sizeof req);
        setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req);
        return error;
    }
    ring = xzalloc(sizeof *ring);
    ring->map = map;
    ring->map_size = (size_t) n_blocks * RING_BLOCK_SIZE;
    ring->n_frames = n_blocks * RING_FRAMES_PER_BLOCK;
    ring->ref_cnt = 1;
    *ringp = ring;
    return 0;
}

/* Opens an AF_PACKET socket on 'dev''s device with the options this
 * module relies on, bound so that it sees every protocol, as receive
 * queue 'q'.  Logs how the queue receives if 'verbose'. */
static int
open_packet_socket(struct netdev_linux *dev, const char *name,
                   struct rx_queue *q, bool verbose)
{
    struct packet_mreq mreq;
    struct sockaddr_ll sll;
    int one = 1;
    int rcvbuf = 4 * 1024 * 1024;
    unsigned int n_blocks;
    int fd, error;

    /* Protocol 0 receives nothing until bind(), so no packet from another
     * device can sneak in first. */
    fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = errno;
        VLOG_ERR_RL(&open_rl, "%s: creating AF_PACKET socket failed (%s)",
                    name, nfvs_strerror(error));
        return error;
    }

    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one)) {
        error = errno;
        VLOG_ERR_RL(&open_rl, "%s: PACKET_VNET_HDR failed (%s)", name,
                    nfvs_strerror(error));
        goto out_close;
    }
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one)) {
        error = errno;
        VLOG_ERR_RL(&open_rl, "%s: PACKET_AUXDATA failed (%s)", name,
                    nfvs_strerror(error));
        goto out_close;
    }
    if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
                   sizeof one)) {
        error = errno;
        VLOG_ERR_RL(&open_rl, "%s: PACKET_IGNORE_OUTGOING failed (%s): the "
                    "kernel is older than 4.20", name, nfvs_strerror(error));
        goto out_close;
    }
    n_blocks = __atomic_load_n(&rx_ring_blocks, __ATOMIC_RELAXED);
    if (n_blocks) {
        int bypass = 1;

        /* Queue 0 says how the device receives; another queue only if
         * it fares differently. */
        error = rx_ring_create(fd, n_blocks, &q->ring);
        if (error) {
            if (verbose || dev->rxqs[0].ring) {
                VLOG_WARN("%s: packet ring of %u blocks refused (%s): "
                          "falling back to recvmmsg()", name, n_blocks,
                          nfvs_strerror(error));
            }
        } else if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &bypass,
                              sizeof bypass)) {
            if (verbose) {
                VLOG_WARN("%s: PACKET_QDISC_BYPASS refused (%s): sending "
                          "through the qdisc", name, nfvs_strerror(errno));
            }
        } else if (verbose) {
            VLOG_DBG("%s: receiving through a packet ring of %u frames",
                     name, q->ring->n_frames);
        }
    }
    /* A larger buffer absorbs bursts while the datapath is busy (and
     * holds the packets too long for a ring frame).  Only root may go
     * past rmem_max; the plain option is the fallback. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf)) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }

    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = dev->ifindex;
    if (bind(fd, (struct sockaddr *) &sll, sizeof sll)) {
        error = errno;
        VLOG_ERR_RL(&open_rl, "%s: binding AF_PACKET socket failed (%s)",
                    name, nfvs_strerror(error));
        goto out_close;
    }

    /* Promiscuous for as long as the socket lives. */
    memset(&mreq, 0, sizeof mreq);
    mreq.mr_ifindex = dev->ifindex;
    mreq.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq,
                   sizeof mreq)) {
        error = errno;
        VLOG_ERR_RL(&open_rl, "%s: enabling promiscuous mode failed (%s)",
                    name, nfvs_strerror(error));
        goto out_close;
    }

    q->fd = fd;
    return 0;

out_close:
    rx_ring_unref(q->ring);
    q->ring = NULL;
    close(fd);
    return error;
}

static struct netdev_linux *
netdev_linux_alloc(bool is_tap)
{
    struct netdev_linux *dev = xzalloc(sizeof *dev);

    dev->is_tap = is_tap;
    dev->fd = -1;
    dev->rxqs = xmalloc(sizeof *dev->rxqs);
    dev->n_rxq = 1;
    rxq_init(&dev->rxqs[0]);
    pthread_mutex_init(&dev->mutex, NULL);
    return dev;
}

static void
netdev_linux_free(struct netdev_linux *dev)
{
    unsigned int i;

    for (i = 0; i < dev->n_rxq; i++) {
        rxq_uninit(&dev->rxqs[i], dev->fd);
    }
    free(dev->rxqs);
    if (dev->fd >= 0) {
        close(dev->fd);
    }
    pthread_mutex_destroy(&dev->mutex);
    free(dev);
}

static int
netdev_linux_open(const char *name, struct netdev **netdevp)
{
    struct netdev_linux *dev = netdev_linux_alloc(false);
    int error;

    *netdevp = NULL;
    error = get_ifindex(name, &dev->ifindex);
    if (error) {
        if (error != ENODEV) {
            VLOG_WARN("%s: looking up interface index failed (%s)", name,
                      nfvs_strerror(error));
        }
        goto out_free;
    }
    error = open_packet_socket(dev, name, &dev->rxqs[0], true);
    if (error) {
        goto out_free;
    }
    dev->fd = dev->rxqs[0].fd;
    *netdevp = &dev->up;
    return 0;

out_free:
    netdev_linux_free(dev);
    return error;
}

/* Creates tap device 'name' for 'dev' with a virtio-net header and the
 * offloads that let the host stack hand over partial checksums and TCP
 * GSO packets (and UDP GSO ones, on Linux 6.2 or later), and brings it
 * up.  The tap is not persistent: closing the
 * fd deletes the device. */
static int
open_tap(struct netdev_linux *dev, const char *name)
{
    unsigned int offloads = (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6
                             | TUN_F_TSO_ECN);
    int hdr_size = VNET_HDR_SIZE;
    struct ifreq ifr;
    int fd, error;

    fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        error = errno;
        VLOG_ERR("%s: opening /dev/net/tun failed (%s)", name,
                 nfvs_strerror(error));
        return error;
    }

    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr)) {
        /* The caller reports it: a name taken by another device, or by
         * another switch's tap, is a user's mistake, and a configured one
         * is retried. */
        error = errno;
        VLOG_DBG("%s: creating tap device failed (%s)", name,
                 nfvs_strerror(error));
        goto out_close;
    }
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_size)) {
        error = errno;
        VLOG_ERR("%s: TUNSETVNETHDRSZ failed (%s)", name,
                 nfvs_strerror(error));
        goto out_close;
    }
    /* A kernel older than 6.2 refuses the USO flags (EINVAL); then the
     * host stack cuts UDP GSO packets before they reach the tap. */
    if (ioctl(fd, TUNSETOFFLOAD, offloads | TUN_F_USO4 | TUN_F_USO6)
        && ioctl(fd, TUNSETOFFLOAD, offloads)) {
        error = errno;
        VLOG_ERR("%s: TUNSETOFFLOAD failed (%s)", name,
                 nfvs_strerror(error));
        goto out_close;
    }
    error = set_up(name);
    if (error) {
        VLOG_ERR("%s: bringing tap device up failed (%s)", name,
                 nfvs_strerror(error));
        goto out_close;
    }
    error = get_ifindex(name, &dev->ifindex);
    if (error) {
        goto out_close;
    }
    dev->fd = fd;
    dev->rxqs[0].fd = fd;
    return 0;

out_close:
    close(fd);
    return error;
}

static int
netdev_internal_open(const char *name, struct netdev **netdevp)
{
    struct netdev_linux *dev = netdev_linux_alloc(true);
    int error;

    *netdevp = NULL;
    error = open_tap(dev, name);
    if (error) {
        netdev_linux_free(dev);
        return error;
    }
    *netdevp = &dev->up;
    return 0;
}

static void
netdev_linux_close(struct netdev *netdev)
{
    netdev_linux_free(netdev_linux_cast(netdev));
}

static int
netdev_linux_get_etheraddr(const struct netdev *netdev, struct eth_addr *mac)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = netdev_linux_ioctl(netdev_get_name(netdev), SIOCGIFHWADDR, &ifr);
    if (error) {
        memset(mac, 0, sizeof *mac);
        return error;
    }
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        memset(mac, 0, sizeof *mac);
        return EINVAL;
    }
    memcpy(mac->ea, ifr.ifr_hwaddr.sa_data, ETH_ADDR_LEN);
    return 0;
}

static int
netdev_linux_get_mtu(const struct netdev *netdev, int *mtup)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = netdev_linux_ioctl(netdev_get_name(netdev), SIOCGIFMTU, &ifr);
    *mtup = error ? 0 : ifr.ifr_mtu;
    return error;
}

static int
netdev_linux_get_ifindex(const struct netdev *netdev, int *ifindexp)
{
    *ifindexp = netdev_linux_cast(netdev)->ifindex;
    return 0;
}

static int
netdev_linux_get_fd(const struct netdev *netdev)
{
    return netdev_linux_cast(netdev)->fd;
}

/* Copies the virtio-net header 'vnet' into the offload state of 'p'.
 * Returns false if the header describes something this switch cannot
 * carry (then the packet is dropped). */
static bool
vnet_hdr_to_packet(const struct virtio_net_hdr *vnet, struct dp_packet *p)
{
    uint8_t gso_type = vnet->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

    dp_packet_ol_reset(p);
    if (vnet->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        uint16_t start = le16toh(vnet->csum_start);
        uint16_t offset = le16toh(vnet->csum_offset);

        if ((size_t) start + offset + 2 > dp_packet_size(p)) {
            return false;
        }
        dp_packet_ol_set_csum_partial(p, start, offset);
    } else if (vnet->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
        p->ol_flags |= DP_PACKET_OL_CSUM_VALID;
    }
    if (gso_type != VIRTIO_NET_HDR_GSO_NONE) {
        uint16_t gso_size = le16toh(vnet->gso_size);

        if (!gso_size
            || (gso_type != DP_PACKET_GSO_TCPV4
                && gso_type != DP_PACKET_GSO_TCPV6
                && gso_type != DP_PACKET_GSO_UDP
                && gso_type != DP_PACKET_GSO_UDP_L4)) {
            return false;
        }
        dp_packet_ol_set_gso(p, gso_type, gso_size);
    }
    return true;
}

/* Fills 'vnet' from the offload state of 'p'. */
static void
packet_to_vnet_hdr(const struct dp_packet *p, struct virtio_net_hdr *vnet)
{
    memset(vnet, 0, sizeof *vnet);
    if (dp_packet_ol_is_csum_partial(p)) {
        vnet->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        vnet->csum_start = htole16(p->ol_csum_start);
        vnet->csum_offset = htole16(p->ol_csum_offset);
    } else if (p->ol_flags & DP_PACKET_OL_CSUM_VALID) {
        vnet->flags = VIRTIO_NET_HDR_F_DATA_VALID;
    }
    if (dp_packet_ol_is_gso(p)) {
        const uint8_t *data = dp_packet_data(p);
        size_t hdr_len = p->ol_csum_start;

        vnet->gso_type = p->ol_gso_type;
        vnet->gso_size = htole16(p->ol_gso_size);
        if (p->ol_gso_type == DP_PACKET_GSO_TCPV4
            || p->ol_gso_type == DP_PACKET_GSO_TCPV6) {
            /* TCP header: data offset in byte 12, CWR in byte 13. */
            hdr_len += (data[p->ol_csum_start + 12] >> 4) * 4;
            if (data[p->ol_csum_start + 13] & TCP_CWR) {
                vnet->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
            }
        } else {
            hdr_len += UDP_HEADER_LEN;
        }
        vnet->hdr_len = htole16(NFVS_MIN(hdr_len, dp_packet_size(p)));
    }
}

/* Puts back the 802.1Q tag that the kernel took off 'p' into 'aux'. */
static void
reinsert_vlan(struct dp_packet *p, const struct tpacket_auxdata *aux)
{
    uint16_t tpid = (aux->tp_status & TP_STATUS_VLAN_TPID_VALID
                     ? aux->tp_vlan_tpid : ETH_TYPE_VLAN);
    struct vlan_header tag;
    uint8_t *data;

    if (dp_packet_size(p) < 2 * ETH_ADDR_LEN) {
        return;
    }
    data = dp_packet_resize_l2(p, VLAN_HEADER_LEN);
    memmove(data, data + VLAN_HEADER_LEN, 2 * ETH_ADDR_LEN);
    tag.vlan_tpid = htons(tpid);
    tag.vlan_tci = htons(aux->tp_vlan_tci);
    memcpy(data + 2 * ETH_ADDR_LEN, &tag, sizeof tag);
}

static const struct tpacket_auxdata *
find_auxdata(struct msghdr *msg)
{
    struct cmsghdr *cmsg;

    for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_PACKET
            && cmsg->cmsg_type == PACKET_AUXDATA
            && cmsg->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))) {
            return (const void *) CMSG_DATA(cmsg);
        }
    }
    return NULL;
}

/* Points 'iov' at slot 'slot': header, standard buffer, overflow (the
 * big packet past its first RX_STD_SIZE bytes). */
static void
rx_slot_prepare(struct rx_slot *slot, struct iovec iov[3])
{
    if (!slot->packet) {
        slot->packet = dp_packet_create(RX_STD_SIZE);
    }
    if (!slot->big) {
        slot->big = dp_packet_create(RX_STD_SIZE + RX_AUX_SIZE);
    }
    iov[0].iov_base = &slot->vnet;
    iov[0].iov_len = VNET_HDR_SIZE;
    iov[1].iov_base = dp_packet_data(slot->packet);
    iov[1].iov_len = RX_STD_SIZE;
    iov[2].iov_base = (char *) dp_packet_data(slot->big) + RX_STD_SIZE;
    iov[2].iov_len = RX_AUX_SIZE;
}

/* Turns the 'size' bytes that arrived in 'slot' into a packet.  Returns
 * the packet, which the caller now owns, or NULL if it was dropped. */
static struct dp_packet *
rx_slot_finish(struct netdev_linux *dev, struct rx_slot *slot, size_t size,
               bool truncated, struct msghdr *msg)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct dp_packet *p;
    size_t frame;

    if (truncated || size < VNET_HDR_SIZE + ETH_HEADER_LEN) {
        VLOG_WARN_RL(&rl, "%s: dropped %s packet of %zu bytes",
                     netdev_get_name(&dev->up),
                     truncated ? "truncated" : "runt", size);
        return NULL;
    }
    frame = size - VNET_HDR_SIZE;
    if (frame <= RX_STD_SIZE) {
        p = slot->packet;
    } else {
        p = slot->big;
        memcpy(dp_packet_data(p), dp_packet_data(slot->packet),
               RX_STD_SIZE);
    }
    dp_packet_set_size(p, frame);
    if (!vnet_hdr_to_packet(&slot->vnet, p)) {
        VLOG_WARN_RL(&rl, "%s: dropped packet with unsupported offload "
                     "state (flags %#x, gso type %#x)",
                     netdev_get_name(&dev->up), slot->vnet.flags,
                     slot->vnet.gso_type);
        dp_packet_set_size(p, 0);
        return NULL;
    }
    if (msg) {
        const struct tpacket_auxdata *aux = find_auxdata(msg);

        if (aux && aux->tp_status & TP_STATUS_VLAN_VALID) {
            reinsert_vlan(p, aux);
        }
    }
    if (p == slot->packet) {
        slot->packet = NULL;
    } else {
        slot->big = NULL;
    }
    return p;
}

/* Counts the packets of 'batch' from 'first' on as received, and
 * 'n_errors' frames that rx_slot_finish() refused. */
static void
count_rx(struct rx_queue *q, const struct dp_packet_batch *batch,
         size_t first, unsigned int n_errors)
{
    uint64_t bytes = 0;
    size_t i;

    for (i = first; i < batch->count; i++) {
        bytes += dp_packet_size(batch->packets[i]);
    }
    /* One writer: plain loads and stores, atomic for the readers. */
    __atomic_store_n(&q->rx_packets, q->rx_packets + batch->count - first,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&q->rx_bytes, q->rx_bytes + bytes, __ATOMIC_RELAXED);
    if (n_errors) {
        __atomic_store_n(&q->rx_errors, q->rx_errors + n_errors,
                         __ATOMIC_RELAXED);
    }
}

static int
netdev_linux_recv_sock(struct netdev_linux *dev, struct rx_queue *q,
                       struct dp_packet_batch *batch)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct mmsghdr mmsgs[NETDEV_MAX_BURST];
    struct iovec iovs[NETDEV_MAX_BURST][3];
    size_t first = batch->count;
    size_t n_want = NETDEV_MAX_BURST - batch->count;
    unsigned int n_errors = 0;
    int n, i;

    for (i = 0; i < (int) n_want; i++) {
        struct rx_slot *slot = &q->rx[i];
        struct msghdr *msg = &mmsgs[i].msg_hdr;

        rx_slot_prepare(slot, iovs[i]);
        memset(msg, 0, sizeof *msg);
        msg->msg_iov = iovs[i];
        msg->msg_iovlen = 3;
        msg->msg_control = slot->cmsg.buf;
        msg->msg_controllen = sizeof slot->cmsg.buf;
    }

    do {
        n = recvmmsg(q->fd, mmsgs, n_want, MSG_DONTWAIT, NULL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int error = errno;

        if (error != EAGAIN) {
            VLOG_WARN_RL(&rl, "%s: receive failed (%s)",
                         netdev_get_name(&dev->up), nfvs_strerror(error));
        }
        return error;
    }

    for (i = 0; i < n; i++) {
        struct msghdr *msg = &mmsgs[i].msg_hdr;
        struct dp_packet *p;

        p = rx_slot_finish(dev, &q->rx[i], mmsgs[i].msg_len,
                           msg->msg_flags & MSG_TRUNC, msg);
        if (p) {
            batch->packets[batch->count++] = p;
        } else {
            n_errors++;
        }
    }
    count_rx(q, batch, first, n_errors);
    return batch->count > first ? 0 : EAGAIN;
}

/* dp_packet_release_func for packets that borrow a frame of an
 * 'rx_ring': gives the frame back to the kernel.  Any thread. */
static void
rx_ring_release(struct dp_packet *p)
{
    struct rx_ring *ring = p->release_aux;
    size_t ofs = (uint8_t *) p->base - ring->map;
    struct tpacket2_hdr *h;

    h = (void *) (ring->map + ofs / RING_FRAME_SIZE * RING_FRAME_SIZE);
    __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    rx_ring_unref(ring);
}

/* Reads the packet the kernel queued on the socket for a frame marked
 * TP_STATUS_COPY (a packet longer than a frame).  Returns it, or NULL if
 * it was dropped. */
static struct dp_packet *
rx_ring_recv_copied(struct netdev_linux *dev, struct rx_queue *q)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct rx_slot *slot = &q->rx[0];
    struct iovec iov[3];
    struct msghdr msg;
    ssize_t n;

    rx_slot_prepare(slot, iov);
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = 3;
    msg.msg_control = slot->cmsg.buf;
    msg.msg_controllen = sizeof slot->cmsg.buf;
    do {
        n = recvmsg(q->fd, &msg, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        VLOG_WARN_RL(&rl, "%s: receive of a packet longer than a ring "
                     "frame failed (%s)", netdev_get_name(&dev->up),
                     nfvs_strerror(errno));
        return NULL;
    }
    return rx_slot_finish(dev, slot, n, msg.msg_flags & MSG_TRUNC, &msg);
}

/* Takes the packet in ring frame 'h', which the kernel has handed over
 * with 'status'.  Returns the packet, which borrows the frame, or NULL
 * (the frame is back with the kernel) if it was dropped. */
static struct dp_packet *
rx_ring_take(struct netdev_linux *dev, struct rx_ring *ring,
             struct tpacket2_hdr *h, uint32_t status)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct virtio_net_hdr vnet;
    struct dp_packet *p;

    if (h->tp_snaplen < h->tp_len || h->tp_snaplen < ETH_HEADER_LEN
        || h->tp_mac < RING_FRAME_BASE + VNET_HDR_SIZE
        || h->tp_mac + h->tp_snaplen > RING_FRAME_SIZE) {
        VLOG_WARN_RL(&rl, "%s: dropped %s packet of %u bytes",
                     netdev_get_name(&dev->up),
                     h->tp_snaplen < h->tp_len ? "truncated" : "runt",
                     h->tp_len);
        __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        return NULL;
    }
    memcpy(&vnet, (uint8_t *) h + h->tp_mac - VNET_HDR_SIZE, sizeof vnet);
    h->tp_status = RING_FRAME_HELD;
    __atomic_add_fetch(&ring->ref_cnt, 1, __ATOMIC_RELAXED);
    p = xmalloc(sizeof *p);
    dp_packet_use_borrowed(p, (uint8_t *) h + h->tp_mac, h->tp_snaplen,
                           h->tp_mac - RING_FRAME_BASE, rx_ring_release,
                           ring);
    if (!vnet_hdr_to_packet(&vnet, p)) {
        VLOG_WARN_RL(&rl, "%s: dropped packet with unsupported offload "
                     "state (flags %#x, gso type %#x)",
                     netdev_get_name(&dev->up), vnet.flags, vnet.gso_type);
        dp_packet_destroy(p);
        return NULL;
    }
    if (status & TP_STATUS_VLAN_VALID) {
        struct tpacket_auxdata aux;

        memset(&aux, 0, sizeof aux);
        aux.tp_status = status;
        aux.tp_vlan_tci = h->tp_vlan_tci;
        aux.tp_vlan_tpid = h->tp_vlan_tpid;
        reinsert_vlan(p, &aux);
    }
    return p;
}

/* Receives from the ring of 'dev''s queue 'q', in ring order. */
static int
netdev_linux_recv_ring(struct netdev_linux *dev, struct rx_queue *q,
                       struct dp_packet_batch *batch)
{
    struct rx_ring *ring = q->ring;
    size_t first = batch->count;
    unsigned int n_errors = 0;

    while (batch->count < NETDEV_MAX_BURST) {
        struct tpacket2_hdr *h;
        struct dp_packet *p;
        uint32_t status;

        h = (void *) (ring->map + (size_t) ring->head * RING_FRAME_SIZE);
        status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
        if (!(status & TP_STATUS_USER)) {
            break;
        }
        ring->head = ring->head + 1 < ring->n_frames ? ring->head + 1 : 0;
        if (status & TP_STATUS_COPY) {
            __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL,
                             __ATOMIC_RELEASE);
            p = rx_ring_recv_copied(dev, q);
        } else {
            p = rx_ring_take(dev, ring, h, status);
        }
        if (p) {
            batch->packets[batch->count++] = p;
        } else {
            n_errors++;
        }
    }
    count_rx(q, batch, first, n_errors);
    return batch->count > first ? 0 : EAGAIN;
}

static int
netdev_linux_recv_tap(struct netdev_linux *dev, struct rx_queue *q,
                      struct dp_packet_batch *batch)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    size_t first = batch->count;
    unsigned int n_errors = 0;
    int error = 0;

    while (batch->count < NETDEV_MAX_BURST) {
        struct rx_slot *slot = &q->rx[0];
        struct iovec iov[3];
        struct dp_packet *p;
        ssize_t n;

        rx_slot_prepare(slot, iov);
        do {
            n = readv(q->fd, iov, 3);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            error = errno;
            if (error != EAGAIN) {
                VLOG_WARN_RL(&rl, "%s: receive failed (%s)",
                             netdev_get_name(&dev->up),
                             nfvs_strerror(error));
            }
            break;
        }
        p = rx_slot_finish(dev, slot, n, false, NULL);
        if (p) {
            batch->packets[batch->count++] = p;
        } else {
            n_errors++;
        }
    }
    count_rx(q, batch, first, n_errors);
    return batch->count > first ? 0 : error ? error : EAGAIN;
}

static int
netdev_linux_rxq_recv(struct netdev *netdev, unsigned int qid,
                      struct dp_packet_batch *batch)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct rx_queue *q = &dev->rxqs[qid];

    return (dev->is_tap ? netdev_linux_recv_tap(dev, q, batch)
            : q->ring ? netdev_linux_recv_ring(dev, q, batch)
            : netdev_linux_recv_sock(dev, q, batch));
}

static int
netdev_linux_recv(struct netdev *netdev, struct dp_packet_batch *batch)
{
    return netdev_linux_rxq_recv(netdev, 0, batch);
}

static int
netdev_linux_rxq_get_fd(const struct netdev *netdev, unsigned int qid)
{
    return netdev_linux_cast(netdev)->rxqs[qid].fd;
}

static unsigned int
netdev_linux_get_n_rxq(const struct netdev *netdev)
{
    return netdev_linux_cast(netdev)->n_rxq;
}

/* Joins the socket of queue 'q' to 'dev''s PACKET_FANOUT group, in hash
 * mode so that the packets of one flow stay on one queue.  The first
 * socket creates the group with an id the kernel picks, unique in the
 * network namespace. */
static int
join_fanout(struct netdev_linux *dev, struct rx_queue *q)
{
    int arg;

    if (!dev->fanout_id) {
        socklen_t len = sizeof arg;

        arg = (PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_UNIQUEID
               | PACKET_FANOUT_FLAG_IGNORE_OUTGOING) << 16;
        if (setsockopt(q->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg)
            || getsockopt(q->fd, SOL_PACKET, PACKET_FANOUT, &arg, &len)) {
            return errno;
        }
        dev->fanout_id = arg & 0xffff;
        return 0;
    }
    arg = dev->fanout_id | ((PACKET_FANOUT_HASH
                             | PACKET_FANOUT_FLAG_IGNORE_OUTGOING) << 16);
    return (setsockopt(q->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg)
            ? errno : 0);
}

/* Returns true if the kernel has PACKET_FANOUT_FLAG_IGNORE_OUTGOING
 * (Linux 6.9).  Older kernels accept the flag without honouring it, and
 * their fanout groups would take the switch's own sent packets back in. */
static bool
fanout_ignores_outgoing(void)
{
    static int major = -1, minor;

    if (major < 0) {
        struct utsname u;

        if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2) {
            major = minor = 0;
        }
    }
    return major > 6 || (major == 6 && minor >= 9);
}

/* Sets the number of receive queues of system device 'netdev' to
 * 'n_rxq': the extra queues are sockets of a PACKET_FANOUT group with
 * queue 0.  Called with no thread receiving on 'netdev'. */
static int
netdev_linux_set_n_rxq(struct netdev *netdev, unsigned int n_rxq)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    const char *name = netdev_get_name(netdev);
    unsigned int i;
    int error = 0;

    if (dev->is_tap) {
        return n_rxq == 1 ? 0 : EOPNOTSUPP;
    }
    if (!n_rxq || n_rxq > MAX_RXQ) {
        return EINVAL;
    }
    if (n_rxq > 1 && !fanout_ignores_outgoing()) {
        static bool logged;

        if (!logged) {
            logged = true;
            VLOG_INFO("the kernel is older than 6.9 (no "
                      "PACKET_FANOUT_FLAG_IGNORE_OUTGOING): one receive "
                      "queue per system port");
        }
        return EOPNOTSUPP;
    }
    if (n_rxq > 1 && !dev->fanout_id) {
        error = join_fanout(dev, &dev->rxqs[0]);
        if (error) {
            dev->fanout_id = 0;
            VLOG_WARN("%s: PACKET_FANOUT refused (%s): one receive queue",
                      name, nfvs_strerror(error));
            return error;
        }
    }
    pthread_mutex_lock(&dev->mutex);
    while (dev->n_rxq > n_rxq) {
        struct rx_queue *q = &dev->rxqs[--dev->n_rxq];

        dev->stats.rx_packets += q->rx_packets;
        dev->stats.rx_bytes += q->rx_bytes;
        dev->stats.rx_errors += q->rx_errors;
        dev->stats.rx_dropped += q->rx_dropped;
        rxq_uninit(q, dev->fd);
    }
    if (n_rxq > dev->n_rxq) {
        dev->rxqs = xrealloc(dev->rxqs, n_rxq * sizeof *dev->rxqs);
    }
    for (i = dev->n_rxq; i < n_rxq; i++) {
        struct rx_queue *q = &dev->rxqs[i];

        rxq_init(q);
        error = open_packet_socket(dev, name, q, false);
        if (!error) {
            error = join_fanout(dev, q);
            if (error) {
                VLOG_WARN("%s: PACKET_FANOUT refused (%s)", name,
                          nfvs_strerror(error));
            }
        }
        if (error) {
            rxq_uninit(q, dev->fd);
            break;
        }
        dev->n_rxq++;
    }
    pthread_mutex_unlock(&dev->mutex);
    return error;
}

/* Checks that the offload state of 'p' can go to the kernel as it is,
 * and resolves it in software where it cannot: a GSO packet must have a
 * partial checksum at its L4 header to be described to the kernel, so one
 * without gets segmented.  Returns 0 with the packets to send in
 * 'out'/'n_out' (either 'p' itself or segments that replace it, in which
 * case 'p' is freed), or a positive errno value with 'p' freed. */
static int
prepare_tx(struct dp_packet *p, struct dp_packet ***outp, size_t *n_outp)
{
    int error = 0;

    if (dp_packet_ol_is_csum_partial(p)
        && (size_t) p->ol_csum_start + p->ol_csum_offset + 2
           > dp_packet_size(p)) {
        error = EINVAL;
    } else if (dp_packet_ol_is_gso(p)
               && (!dp_packet_ol_is_csum_partial(p)
                   || (size_t) p->ol_csum_start + TCP_HEADER_LEN
                      > dp_packet_size(p))) {
        error = dp_packet_ol_segment(p, outp, n_outp);
        dp_packet_destroy(p);
        return error;
    }
    if (error) {
        dp_packet_destroy(p);
        return error;
    }
    *outp = xmalloc(sizeof **outp);
    (*outp)[0] = p;
    *n_outp = 1;
    return 0;
}

/* Counts a send's outcome: 'dropped' packets found the queue full
 * (EAGAIN, ENOBUFS), 'errors' were refused for another reason. */
static void
count_tx(struct netdev_linux *dev, uint64_t packets, uint64_t bytes,
         uint64_t dropped, uint64_t errors)
{
    pthread_mutex_lock(&dev->mutex);
    dev->stats.tx_packets += packets;
    dev->stats.tx_bytes += bytes;
    dev->stats.tx_dropped += dropped;
    dev->stats.tx_errors += errors;
    pthread_mutex_unlock(&dev->mutex);
}

/* Sends the 'n' packets in 'pkts' with their virtio-net headers in one
 * sendmmsg() call per run of successes.  Frees them.  A packet the
 * kernel refuses is dropped and counted; the first error is returned. */
static int
send_sock(struct netdev_linux *dev, struct dp_packet **pkts, size_t n)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct virtio_net_hdr vnets[NETDEV_MAX_BURST];
    struct mmsghdr mmsgs[NETDEV_MAX_BURST];
    struct iovec iovs[NETDEV_MAX_BURST][2];
    uint64_t bytes = 0, sent = 0, dropped = 0, errors = 0;
    int first_error = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        struct msghdr *msg = &mmsgs[i].msg_hdr;

        packet_to_vnet_hdr(pkts[i], &vnets[i]);
        iovs[i][0].iov_base = &vnets[i];
        iovs[i][0].iov_len = VNET_HDR_SIZE;
        iovs[i][1].iov_base = dp_packet_data(pkts[i]);
        iovs[i][1].iov_len = dp_packet_size(pkts[i]);
        memset(msg, 0, sizeof *msg);
        msg->msg_iov = iovs[i];
        msg->msg_iovlen = 2;
    }

    i = 0;
    while (i < n) {
        int r = sendmmsg(dev->fd, &mmsgs[i], n - i, MSG_DONTWAIT);

        if (r < 0) {
            int error = errno;

            if (error == EINTR) {
                continue;
            }
            /* Drop the packet at the head and go on with the rest. */
            if (error != EAGAIN && error != ENOBUFS) {
                VLOG_WARN_RL(&rl, "%s: send of %zu-byte packet failed "
                             "(%s)", netdev_get_name(&dev->up),
                             dp_packet_size(pkts[i]), nfvs_strerror(error));
                errors++;
            } else {
                dropped++;
            }
            first_error = first_error ? first_error : error;
            i++;
            continue;
        }
        while (r-- > 0) {
            bytes += dp_packet_size(pkts[i]);
            sent++;
            i++;
        }
    }
    for (i = 0; i < n; i++) {
        dp_packet_destroy(pkts[i]);
    }
    count_tx(dev, sent, bytes, dropped, errors);
    return first_error;
}

/* Writes each packet of 'pkts' to the tap with its virtio-net header, and
 * frees them. */
static int
send_tap(struct netdev_linux *dev, struct dp_packet **pkts, size_t n)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    uint64_t bytes = 0, sent = 0, dropped = 0, errors = 0;
    int first_error = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        struct virtio_net_hdr vnet;
        struct iovec iov[2];
        ssize_t r;

        packet_to_vnet_hdr(pkts[i], &vnet);
        iov[0].iov_base = &vnet;
        iov[0].iov_len = VNET_HDR_SIZE;
        iov[1].iov_base = dp_packet_data(pkts[i]);
        iov[1].iov_len = dp_packet_size(pkts[i]);
        do {
            r = writev(dev->fd, iov, 2);
        } while (r < 0 && errno == EINTR);
        if (r < 0) {
            int error = errno;

            if (error != EAGAIN && error != EIO) {
                VLOG_WARN_RL(&rl, "%s: send of %zu-byte packet failed "
                             "(%s)", netdev_get_name(&dev->up),
                             dp_packet_size(pkts[i]), nfvs_strerror(error));
                errors++;
            } else {
                /* EIO: the tap is down; nobody reads it. */
                dropped++;
            }
            first_error = first_error ? first_error : error;
        } else {
            bytes += dp_packet_size(pkts[i]);
            sent++;
        }
        dp_packet_destroy(pkts[i]);
    }
    count_tx(dev, sent, bytes, dropped, errors);
    return first_error;
}

static int
netdev_linux_send(struct netdev *netdev, struct dp_packet_batch *batch)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    struct dp_packet *pkts[NETDEV_MAX_BURST];
    size_t n = 0, i;
    int first_error = 0;

    for (i = 0; i < batch->count; i++) {
        uint8_t gso_type = batch->packets[i]->ol_gso_type;
        struct dp_packet **out;
        size_t n_out, j;
        int error;

        error = prepare_tx(batch->packets[i], &out, &n_out);
        if (error) {
            VLOG_WARN_RL(&rl, "%s: dropped a packet whose offload state "
                         "(GSO type %u) cannot be sent (%s)%s",
                         netdev_get_name(netdev), gso_type,
                         nfvs_strerror(error),
                         (error == EOPNOTSUPP
                          ? ": IPv6 UDP fragmentation offload is not "
                            "supported in software" : ""));
            count_tx(dev, 0, 0, 0, 1);
            first_error = first_error ? first_error : error;
            continue;
        }
        for (j = 0; j < n_out; j++) {
            if (n == NETDEV_MAX_BURST) {
                error = (dev->is_tap ? send_tap(dev, pkts, n)
                         : send_sock(dev, pkts, n));
                first_error = first_error ? first_error : error;
                n = 0;
            }
            pkts[n++] = out[j];
        }
        free(out);
    }
    if (n) {
        int error = (dev->is_tap ? send_tap(dev, pkts, n)
                     : send_sock(dev, pkts, n));

        first_error = first_error ? first_error : error;
    }
    batch->count = 0;
    return first_error;
}

static int
netdev_linux_get_stats(const struct netdev *netdev,
                       struct netdev_stats *stats)
{
    struct netdev_linux *dev = netdev_linux_cast(netdev);
    unsigned int i;

    pthread_mutex_lock(&dev->mutex);
    *stats = dev->stats;
    for (i = 0; i < dev->n_rxq; i++) {
        struct rx_queue *q = &dev->rxqs[i];

        if (!dev->is_tap) {
            struct tpacket_stats st;
            socklen_t len = sizeof st;

            /* Reading the kernel's counters resets them, so they are
             * added up here: packets the kernel dropped because the
             * queue's ring or buffer was full. */
            if (!getsockopt(q->fd, SOL_PACKET, PACKET_STATISTICS, &st,
                            &len)) {
                q->rx_dropped += st.tp_drops;
            }
        }
        stats->rx_packets += __atomic_load_n(&q->rx_packets,
                                             __ATOMIC_RELAXED);
        stats->rx_bytes += __atomic_load_n(&q->rx_bytes, __ATOMIC_RELAXED);
        stats->rx_errors += __atomic_load_n(&q->rx_errors,
                                            __ATOMIC_RELAXED);
        stats->rx_dropped += q->rx_dropped;
    }
    pthread_mutex_unlock(&dev->mutex);
    return 0;
}

/* Reads IFF_UP and IFF_RUNNING of device 'name' into '*state'.  Shared
 * with the kernel datapath's netdevs (netdev-vport.c). */
int
netdev_linux_get_link_state__(const char *name,
                              struct netdev_link_state *state)
{
    struct ifreq ifr;
    int error;

    memset(&ifr, 0, sizeof ifr);
    error = netdev_linux_ioctl(name, SIOCGIFFLAGS, &ifr);
    if (!error) {
        state->admin_up = (ifr.ifr_flags & IFF_UP) != 0;
        state->carrier = (ifr.ifr_flags & IFF_RUNNING) != 0;
    }
    return error;
}

static int
netdev_linux_get_link_state(const struct netdev *netdev,
                            struct netdev_link_state *state)
{
    return netdev_linux_get_link_state__(netdev_get_name(netdev), state);
}

const struct netdev_class netdev_linux_class = {
    .type = "system",
    .open = netdev_linux_open,
    .close = netdev_linux_close,
    .get_etheraddr = netdev_linux_get_etheraddr,
    .get_mtu = netdev_linux_get_mtu,
    .get_ifindex = netdev_linux_get_ifindex,
    .get_fd = netdev_linux_get_fd,
    .recv = netdev_linux_recv,
    .get_n_rxq = netdev_linux_get_n_rxq,
    .set_n_rxq = netdev_linux_set_n_rxq,
    .rxq_recv = netdev_linux_rxq_recv,
    .rxq_get_fd = netdev_linux_rxq_get_fd,
    .send = netdev_linux_send,
    .get_stats = netdev_linux_get_stats,
    .get_link_state = netdev_linux_get_link_state,
};

const struct netdev_class netdev_internal_class = {
    .type = "internal",
    .open = netdev_internal_open,
    .close = netdev_linux_close,
    .get_etheraddr = netdev_linux_get_etheraddr,
    .get_mtu = netdev_linux_get_mtu,
    .get_ifindex = netdev_linux_get_ifindex,
    .get_fd = netdev_linux_get_fd,
    .recv = netdev_linux_recv,
    .get_n_rxq = netdev_linux_get_n_rxq,
    .set_n_rxq = netdev_linux_set_n_rxq,
    .rxq_recv = netdev_linux_rxq_recv,
    .rxq_get_fd = netdev_linux_rxq_get_fd,
    .send = netdev_linux_send,
    .get_stats = netdev_linux_get_stats,
    .get_link_state = netdev_linux_get_link_state,
};
