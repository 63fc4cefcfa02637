/* lib/netdev.h: network devices as the userspace datapath sees them.
 *
 * A netdev is one port's device, opened by name and type:
 *   - "system": an existing Linux device, read and written with AF_PACKET
 *     (lib/netdev-linux.c);
 *   - "internal": a tap device the switch creates with the port's name, so
 *     the host stack can use the bridge (lib/netdev-linux.c);
 *   - "dummy": an in-memory device for tests (lib/netdev-dummy.c); packets
 *     are put in with netdev_dummy_receive() and every packet sent out is
 *     appended to a pcap file.
 * The implementations are 'struct netdev_class'es in netdev-provider.h.
 *
 * Packets move in batches of at most NETDEV_MAX_BURST.  Received packets
 * belong to the caller; netdev_send() takes ownership of the packets it
 * is given, even on failure.
 *
 * Offloads: packets from a veth or tap may carry a partial checksum or be
 * GSO super-packets.  Receive records that state in the packet's offload
 * fields (struct dp_packet 'ol_*', from the virtio-net header that
 * PACKET_VNET_HDR / IFF_VNET_HDR provide); send either hands it to the
 * kernel the same way or, for a device that cannot take it, completes the
 * checksum (and segments a GSO packet) in software first.  Nothing above
 * this layer ever sees a packet whose offload state was lost.
 *
 * Received packets may borrow their bytes from a receive ring
 * (DPBUF_BORROWED, dp-packet.h): a holder that keeps one past its
 * forwarding round calls dp_packet_unborrow() first.
 *
 * Thread-safety: netdev_open() and netdev_close() are for the main thread.
 * Receive on one queue of a netdev is for one thread at a time; send may
 * be called from several threads (implementations serialize
 * internally). */
#ifndef NFVS_NETDEV_H
#define NFVS_NETDEV_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "packets.h"

struct dp_packet;
struct netdev;

#define NETDEV_MAX_BURST 32

struct dp_packet_batch {
    size_t count;                                 /* Packets in 'packets'. */
    struct dp_packet *packets[NETDEV_MAX_BURST];  /* Owned by the batch. */
};

/* A port's counters.  A counter that the device or datapath does not
 * keep is UINT64_MAX (NETDEV_STAT_UNKNOWN). */
#define NETDEV_STAT_UNKNOWN UINT64_MAX
struct netdev_stats {
    uint64_t rx_packets;        /* Received by the switch. */
    uint64_t rx_bytes;
    uint64_t tx_packets;        /* Sent by the switch. */
    uint64_t tx_bytes;
    uint64_t rx_dropped;        /* Could not be received (no buffer...). */
    uint64_t tx_dropped;        /* Could not be sent (queue full...). */
    uint64_t rx_errors;         /* Received but unusable (bad offload
                                 * header, truncated). */
    uint64_t tx_errors;         /* Refused by the device or the kernel
                                 * for another reason than a full queue. */
};

/* A device's state as "ip link" shows it. */
struct netdev_link_state {
    bool admin_up;              /* IFF_UP: configured up. */
    bool carrier;               /* The link is up: IFF_RUNNING for a
                                 * Linux device (carrier and, as Linux
                                 * reports it, IFF_UP). */
};

/* Opens the device 'name' of 'type' ("system", "internal", "dummy").
 * "internal" creates the device if needed (and netdev_close() deletes
 * it); "system" fails with ENODEV if the device does not exist.  Returns
 * 0 and the netdev in '*netdevp', or a positive errno value. */
int netdev_open(const char *name, const char *type, struct netdev **netdevp);
void netdev_close(struct netdev *);        /* NULL is a no-op. */

const char *netdev_get_name(const struct netdev *);
const char *netdev_get_type(const struct netdev *);
int netdev_get_etheraddr(const struct netdev *, struct eth_addr *);
int netdev_get_mtu(const struct netdev *, int *mtup);

/* Stores the kernel's interface index of 'netdev' in '*ifindexp' and
 * returns 0, or stores 0 and returns EOPNOTSUPP for a device the kernel
 * does not know (dummy). */
int netdev_get_ifindex(const struct netdev *, int *ifindexp);

/* Returns a file descriptor that becomes readable when netdev_recv() may
 * have packets, for epoll. */
int netdev_get_fd(const struct netdev *);

/* Receives up to NETDEV_MAX_BURST packets into 'batch' (which the caller
 * initializes empty).  Returns 0 if it received at least one, EAGAIN if
 * none are waiting, or another positive errno value. */
int netdev_recv(struct netdev *, struct dp_packet_batch *batch);

/* Receive queues.  A "system" device can have several, each a socket of
 * one PACKET_FANOUT group in hash mode (the packets of a flow always go
 * to the same queue), so that several threads receive from it; other
 * devices have one.  Queue 0 is what netdev_recv() and netdev_get_fd()
 * use.  netdev_set_n_rxq() may only be called while no thread receives
 * on the device; it returns 0, EOPNOTSUPP for a device that cannot have
 * more than one queue (it keeps one), or another positive errno value
 * (with the queues it could open kept and logged). */
unsigned int netdev_get_n_rxq(const struct netdev *);
int netdev_set_n_rxq(struct netdev *, unsigned int n_rxq);
int netdev_rxq_recv(struct netdev *, unsigned int qid,
                    struct dp_packet_batch *batch);
int netdev_rxq_get_fd(const struct netdev *, unsigned int qid);

/* Sends every packet in 'batch' and empties it.  Returns 0 or the first
 * positive errno value met; packets that could not be sent are counted in
 * tx_dropped. */
int netdev_send(struct netdev *, struct dp_packet_batch *batch);

int netdev_get_stats(const struct netdev *, struct netdev_stats *);

/* Stores the administrative and link state of 'netdev' in '*state' and
 * returns 0, or stores "down" for both and returns a positive errno value
 * (ENODEV for a Linux device that is gone). */
int netdev_get_link_state(const struct netdev *,
                          struct netdev_link_state *state);

/* Sets the size of the memory-mapped receive ring of "system" devices
 * opened from now on, in blocks of 32 frames of 2 kB; 0 turns the ring
 * off (receive with recvmmsg()).  A device whose ring the kernel refuses
 * logs why and receives with recvmmsg(). */
void netdev_linux_set_rx_ring_blocks(unsigned int n_blocks);

/* Dummy devices. */

/* A dummy device queues at most this many received packets; more are
 * dropped and counted in rx_dropped. */
#define NETDEV_DUMMY_QUEUE_LEN 256

/* Queues 'packet' as if 'netdev' had received it; takes ownership.
 * Returns EOPNOTSUPP for a netdev that is not a dummy, ENOBUFS (and
 * counts rx_dropped) if its queue is full; the packet is freed on
 * failure.  Its offload state is kept, so tests can feed the datapath
 * partially checksummed and GSO packets. */
int netdev_dummy_receive(struct netdev *, struct dp_packet *packet);

/* Sets the link (carrier) of dummy 'netdev' up or down and stores in
 * '*was_upp' whether it was up.  A dummy's link starts up; while it is
 * down, packets sent on it and packets netdev_dummy_receive() gives it
 * are dropped (counted in tx_dropped and rx_dropped; receive returns
 * ENETDOWN), as on a device without carrier.  Returns 0, or EOPNOTSUPP
 * for a netdev that is not a dummy. */
int netdev_dummy_set_link(struct netdev *, bool up, bool *was_upp);

/* Appends every packet sent on dummy 'netdev' to the pcap file 'path'
 * (created with a pcap header if new or empty), or stops when 'path' is
 * NULL.  The file is Ethernet pcap (microsecond timestamps), flushed
 * after each batch.  Offload state is resolved in software first:
 * partial checksums are completed and TCP GSO packets are cut into
 * segments, as a device without offloads would.  Returns 0, EOPNOTSUPP
 * for a netdev that is not a dummy, or the error opening the file. */
int netdev_dummy_set_pcap(struct netdev *, const char *path);

/* Sets the state dummy 'netdev' reports (a new dummy is up with carrier).
 * Returns EOPNOTSUPP for a netdev that is not a dummy.  Without carrier or
 * admin state up it drops packets as netdev_dummy_set_link() says. */
int netdev_dummy_set_link_state(struct netdev *,
                                const struct netdev_link_state *);

static inline void
dp_packet_batch_init(struct dp_packet_batch *batch)
{
    batch->count = 0;
}

/* Frees the packets in 'batch' and empties it. */
void dp_packet_batch_destroy_packets(struct dp_packet_batch *);

#endif /* netdev.h */
