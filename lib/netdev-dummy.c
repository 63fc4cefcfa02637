/* The "dummy" netdev: an in-memory port for tests.  Received packets are
 * whatever netdev_dummy_receive() queued; sent packets are counted and,
 * if a pcap file is set, written to it. */
#include <config.h>
#include "netdev.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <unistd.h>
#include "dp-packet.h"
#include "dp-packet-offload.h"
#include "hash.h"
#include "netdev-provider.h"
#include "util.h"

/* The largest frame a pcap record holds whole; longer frames are cut
 * (never the case for segmented packets of an ordinary MTU). */
#define DUMMY_PCAP_SNAPLEN 65535

struct netdev_dummy {
    struct netdev up;
    struct eth_addr mac;        /* Derived from the name; never changes. */
    int mtu;                    /* Always 1500. */
    int fd;                     /* eventfd, readable while 'n_queued'. */

    /* Everything below is guarded by 'mutex'. */
    pthread_mutex_t mutex;
    struct dp_packet *queue[NETDEV_DUMMY_QUEUE_LEN]; /* Ring of received
                                                      * packets. */
    size_t head;                /* Index of the oldest queued packet. */
    size_t n_queued;            /* Packets in 'queue'. */
    FILE *pcap;                 /* Where sent packets go, or NULL. */
    struct netdev_stats stats;
    struct netdev_link_state link; /* Without carrier or admin state up,
                                    * sends and receives nothing. */
};

/* pcap's file header and record header (the classic format, written in
 * host byte order, which readers detect from the magic number). */
struct pcap_file_header {
    uint32_t magic;             /* 0xa1b2c3d4: microsecond timestamps. */
    uint16_t version_major;     /* 2. */
    uint16_t version_minor;     /* 4. */
    int32_t thiszone;           /* 0: timestamps are UTC. */
    uint32_t sigfigs;           /* 0. */
    uint32_t snaplen;           /* Longest record. */
    uint32_t network;           /* 1: LINKTYPE_ETHERNET. */
};

struct pcap_record_header {
    uint32_t ts_sec;            /* Seconds since the epoch. */
    uint32_t ts_usec;           /* Microseconds. */
    uint32_t incl_len;          /* Bytes that follow in the file. */
    uint32_t orig_len;          /* Bytes of the frame. */
};

static struct netdev_dummy *
netdev_dummy_cast(const struct netdev *netdev)
{
    return CONTAINER_OF(netdev, struct netdev_dummy, up);
}

static bool
is_dummy(const struct netdev *netdev)
{
    return netdev->netdev_class == &netdev_dummy_class;
}

static int
netdev_dummy_open(const char *name, struct netdev **netdevp)
{
    struct netdev_dummy *dev;
    uint32_t h1 = hash_string(name, 0);
    uint32_t h2 = hash_string(name, h1);
    int fd;

    *netdevp = NULL;
    fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        return errno;
    }

    dev = xzalloc(sizeof *dev);
    /* Locally administered unicast, stable for a name. */
    dev->mac.ea[0] = 0xaa;
    dev->mac.ea[1] = h1 >> 24;
    dev->mac.ea[2] = h1 >> 16;
    dev->mac.ea[3] = h1 >> 8;
    dev->mac.ea[4] = h1;
    dev->mac.ea[5] = h2;
    dev->mtu = 1500;
    dev->fd = fd;
    dev->link.admin_up = true;
    dev->link.carrier = true;
    pthread_mutex_init(&dev->mutex, NULL);
    *netdevp = &dev->up;
    return 0;
}

static void
netdev_dummy_close(struct netdev *netdev)
{
    struct netdev_dummy *dev = netdev_dummy_cast(netdev);

    while (dev->n_queued) {
        dp_packet_destroy(dev->queue[dev->head]);
        dev->head = (dev->head + 1) % NETDEV_DUMMY_QUEUE_LEN;
        dev->n_queued--;
    }
    if (dev->pcap) {
        fclose(dev->pcap);
    }
    close(dev->fd);
    pthread_mutex_destroy(&dev->mutex);
    free(dev);
}

static int
netdev_dummy_get_etheraddr(const struct netdev *netdev, struct eth_addr *mac)
{
    *mac = netdev_dummy_cast(netdev)->mac;
    return 0;
}

static int
netdev_dummy_get_mtu(const struct netdev *netdev, int *mtup)
{
    *mtup = netdev_dummy_cast(netdev)->mtu;
    return 0;
}

static int
netdev_dummy_get_fd(const struct netdev *netdev)
{
    return netdev_dummy_cast(netdev)->fd;
}

static void
dummy_fd_signal(struct netdev_dummy *dev)
{
    uint64_t one = 1;

    /* Cannot fail short of a counter overflow, which clearing on empty
     * prevents. */
    if (write(dev->fd, &one, sizeof one) < 0) {
        abort();
    }
}

static void
dummy_fd_clear(struct netdev_dummy *dev)
{
    uint64_t value;

    if (read(dev->fd, &value, sizeof value) < 0 && errno != EAGAIN) {
        abort();
    }
}

static int
netdev_dummy_recv(struct netdev *netdev, struct dp_packet_batch *batch)
{
    struct netdev_dummy *dev = netdev_dummy_cast(netdev);
    size_t n = 0;

    pthread_mutex_lock(&dev->mutex);
    while (dev->n_queued && batch->count < NETDEV_MAX_BURST) {
        struct dp_packet *p = dev->queue[dev->head];

        dev->head = (dev->head + 1) % NETDEV_DUMMY_QUEUE_LEN;
        dev->n_queued--;
        dev->stats.rx_packets++;
        dev->stats.rx_bytes += dp_packet_size(p);
        batch->packets[batch->count++] = p;
        n++;
    }
    if (n && !dev->n_queued) {
        dummy_fd_clear(dev);
    }
    pthread_mutex_unlock(&dev->mutex);

    return n ? 0 : EAGAIN;
}

/* Appends 'p' to 'dev''s pcap file.  Called with 'dev->mutex'. */
static int
dummy_pcap_write(struct netdev_dummy *dev, const struct dp_packet *p)
{
    struct pcap_record_header rec;
    struct timeval now;
    size_t size = dp_packet_size(p);

    gettimeofday(&now, NULL);
    rec.ts_sec = now.tv_sec;
    rec.ts_usec = now.tv_usec;
    rec.incl_len = NFVS_MIN(size, DUMMY_PCAP_SNAPLEN);
    rec.orig_len = size;
    errno = 0;
    if (fwrite(&rec, sizeof rec, 1, dev->pcap) != 1
        || fwrite(dp_packet_data(p), rec.incl_len, 1, dev->pcap) != 1) {
        return errno ? errno : EIO;
    }
    return 0;
}

/* Counts and writes one frame that has no offload state left.  Called
 * with 'dev->mutex'. */
static int
dummy_output(struct netdev_dummy *dev, const struct dp_packet *p)
{
    int error;

    if (!dev->link.carrier || !dev->link.admin_up) {
        dev->stats.tx_dropped++;
        return ENETDOWN;
    }
    error = dev->pcap ? dummy_pcap_write(dev, p) : 0;

    if (error) {
        dev->stats.tx_dropped++;
    } else {
        dev->stats.tx_packets++;
        dev->stats.tx_bytes += dp_packet_size(p);
    }
    return error;
}

static int
netdev_dummy_send(struct netdev *netdev, struct dp_packet_batch *batch)
{
    struct netdev_dummy *dev = netdev_dummy_cast(netdev);
    int first_error = 0;
    size_t i;

    pthread_mutex_lock(&dev->mutex);
    for (i = 0; i < batch->count; i++) {
        struct dp_packet *p = batch->packets[i];
        int error;

        if (dp_packet_ol_is_gso(p)) {
            struct dp_packet **segs;
            size_t n_segs, j;

            error = dp_packet_ol_segment(p, &segs, &n_segs);
            if (error) {
                dev->stats.tx_dropped++;
            }
            for (j = 0; j < n_segs; j++) {
                int seg_error = dummy_output(dev, segs[j]);

                error = error ? error : seg_error;
                dp_packet_destroy(segs[j]);
            }
            free(segs);
        } else {
            error = dp_packet_ol_complete_csum(p);
            if (error) {
                dev->stats.tx_dropped++;
            } else {
                error = dummy_output(dev, p);
            }
        }
        first_error = first_error ? first_error : error;
    }
    if (dev->pcap) {
        fflush(dev->pcap);
    }
    pthread_mutex_unlock(&dev->mutex);

    dp_packet_batch_destroy_packets(batch);
    return first_error;
}

static int
netdev_dummy_get_stats(const struct netdev *netdev,
                       struct netdev_stats *stats)
{
    struct netdev_dummy *dev = netdev_dummy_cast(netdev);

    pthread_mutex_lock(&dev->mutex);
    *stats = dev->stats;
    pthread_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_dummy_get_link_state(const struct netdev *netdev,
                            struct netdev_link_state *state)
{
    struct netdev_dummy *dev = netdev_dummy_cast(netdev);

    pthread_mutex_lock(&dev->mutex);
    *state = dev->link;
    pthread_mutex_unlock(&dev->mutex);
    return 0;
}

int
netdev_dummy_set_link_state(struct netdev *netdev,
                            const struct netdev_link_state *state)
{
    struct netdev_dummy *dev;

    if (!is_dummy(netdev)) {
        return EOPNOTSUPP;
    }
    dev = netdev_dummy_cast(netdev);
    pthread_mutex_lock(&dev->mutex);
    dev->link = *state;
    pthread_mutex_unlock(&dev->mutex);
    return 0;
}

int
netdev_dummy_receive(struct netdev *netdev, struct dp_packet *packet)
{
    struct netdev_dummy *dev;
    int error = 0;

    if (!is_dummy(netdev)) {
        dp_packet_destroy(packet);
        return EOPNOTSUPP;
    }

    dev = netdev_dummy_cast(netdev);
    pthread_mutex_lock(&dev->mutex);
    if (!dev->link.carrier || !dev->link.admin_up) {
        dev->stats.rx_dropped++;
        dp_packet_destroy(packet);
        error = ENETDOWN;
    } else if (dev->n_queued >= NETDEV_DUMMY_QUEUE_LEN) {
        dev->stats.rx_dropped++;
        dp_packet_destroy(packet);
        error = ENOBUFS;
    } else {
        size_t tail = (dev->head + dev->n_queued) % NETDEV_DUMMY_QUEUE_LEN;

        dev->queue[tail] = packet;
        if (!dev->n_queued++) {
            dummy_fd_signal(dev);
        }
    }
    pthread_mutex_unlock(&dev->mutex);
    return error;
}

int
netdev_dummy_set_link(struct netdev *netdev, bool up, bool *was_upp)
{
    struct netdev_dummy *dev;

    if (!is_dummy(netdev)) {
        return EOPNOTSUPP;
    }
    dev = netdev_dummy_cast(netdev);
    pthread_mutex_lock(&dev->mutex);
    *was_upp = dev->link.carrier;
    dev->link.carrier = up;
    pthread_mutex_unlock(&dev->mutex);
    return 0;
}

int
netdev_dummy_set_pcap(struct netdev *netdev, const char *path)
{
    struct netdev_dummy *dev;
    FILE *file = NULL;

    if (!is_dummy(netdev)) {
        return EOPNOTSUPP;
    }
    if (path) {
        file = fopen(path, "ab");
        if (!file) {
            return errno;
        }
        if (!fseek(file, 0, SEEK_END) && ftell(file) == 0) {
            struct pcap_file_header hdr = {
                .magic = 0xa1b2c3d4,
                .version_major = 2,
                .version_minor = 4,
                .snaplen = DUMMY_PCAP_SNAPLEN,
                .network = 1,
            };

            if (fwrite(&hdr, sizeof hdr, 1, file) != 1
                || fflush(file)) {
                int error = errno ? errno : EIO;

                fclose(file);
                return error;
            }
        }
    }

    dev = netdev_dummy_cast(netdev);
    pthread_mutex_lock(&dev->mutex);
    if (dev->pcap) {
        fclose(dev->pcap);
    }
    dev->pcap = file;
    pthread_mutex_unlock(&dev->mutex);
    return 0;
}

const struct netdev_class netdev_dummy_class = {
    .type = "dummy",
    .open = netdev_dummy_open,
    .close = netdev_dummy_close,
    .get_etheraddr = netdev_dummy_get_etheraddr,
    .get_mtu = netdev_dummy_get_mtu,
    /* .get_ifindex is NULL: a dummy has no kernel interface. */
    .get_fd = netdev_dummy_get_fd,
    .recv = netdev_dummy_recv,
    .send = netdev_dummy_send,
    .get_stats = netdev_dummy_get_stats,
    .get_link_state = netdev_dummy_get_link_state,
};
