/* lib/netdev-provider.h: contract for network device implementations.
 *
 * A provider is a 'struct netdev_class'.  Its open() allocates its own
 * device struct with a 'struct netdev' embedded in it and returns a
 * pointer to that member; the provider gets its own struct back with
 * CONTAINER_OF.  netdev.c writes the base members after open() succeeds
 * and keeps one netdev per name, shared by every netdev_open() of that
 * name (reference counted), so a provider's open() runs once per device
 * and its close() when the last user closes it.
 *
 * Functions return 0 or a positive errno value and do not block unless
 * noted.  "Optional" members may be NULL; netdev.c then returns
 * EOPNOTSUPP.  open() and close() run in the main thread; recv() is
 * called by one thread at a time per device; send() and get_stats() may
 * be called from several threads at once, so a provider serializes what
 * they share.
 *
 * Offloads: recv() records a packet's checksum/GSO state in its 'ol_*'
 * members; send() must either hand that state to its device or resolve
 * it in software (dp-packet-offload.h) before the bytes leave. */
#ifndef NFVS_NETDEV_PROVIDER_H
#define NFVS_NETDEV_PROVIDER_H 1

#include "hmap.h"
#include "netdev.h"

struct netdev_class;

/* Base state, written only by netdev.c. */
struct netdev {
    const struct netdev_class *netdev_class;
    char *name;                     /* e.g. "eth0". */
    int ref_cnt;                    /* netdev_open()s not yet closed. */
    struct hmap_node name_node;     /* In netdev.c's table, by name. */
};

struct netdev_class {
    const char *type;               /* "system", "internal", "dummy". */

    /* Opens (or creates, for a type that creates its devices) device
     * 'name'.  Stores the new device's embedded base in '*netdevp' on
     * success, NULL on failure. */
    int (*open)(const char *name, struct netdev **netdevp);

    /* Releases every resource of 'netdev', deleting a device that open()
     * created, and frees it.  Cannot fail. */
    void (*close)(struct netdev *netdev);

    int (*get_etheraddr)(const struct netdev *netdev, struct eth_addr *mac);
    int (*get_mtu)(const struct netdev *netdev, int *mtup);

    /* Optional.  Stores the kernel's interface index in '*ifindexp'. */
    int (*get_ifindex)(const struct netdev *netdev, int *ifindexp);

    /* Returns a descriptor, owned by 'netdev', that is readable (level
     * triggered) while recv() may return packets. */
    int (*get_fd)(const struct netdev *netdev);

    /* Appends up to NETDEV_MAX_BURST - batch->count received packets to
     * 'batch'.  Returns 0 if it added at least one, EAGAIN if none were
     * waiting, or another positive errno value. */
    int (*recv)(struct netdev *netdev, struct dp_packet_batch *batch);

    /* Optional: receive queues.  A device without them has one queue,
     * which recv() and get_fd() serve.  get_n_rxq() returns how many the
     * device has; set_n_rxq() changes that (while no thread receives on
     * it; EOPNOTSUPP if the device cannot have more than one); rxq_recv()
     * and rxq_get_fd() are recv() and get_fd() for queue 'qid', each
     * queue used by one thread at a time. */
    unsigned int (*get_n_rxq)(const struct netdev *netdev);
    int (*set_n_rxq)(struct netdev *netdev, unsigned int n_rxq);
    int (*rxq_recv)(struct netdev *netdev, unsigned int qid,
                    struct dp_packet_batch *batch);
    int (*rxq_get_fd)(const struct netdev *netdev, unsigned int qid);

    /* Sends every packet in 'batch', takes ownership of all of them even
     * on failure, and empties the batch.  Counts packets it could not
     * send in tx_dropped.  Returns 0 or the first error met. */
    int (*send)(struct netdev *netdev, struct dp_packet_batch *batch);

    int (*get_stats)(const struct netdev *netdev, struct netdev_stats *);

    /* Stores the device's administrative and link state in '*state'
     * (netdev.c zeroes it first).  May be called from any thread. */
    int (*get_link_state)(const struct netdev *netdev,
                          struct netdev_link_state *state);
};

/* For providers of Linux devices: reads the state of device 'name' with
 * SIOCGIFFLAGS. */
int netdev_linux_get_link_state__(const char *name,
                                  struct netdev_link_state *);

extern const struct netdev_class netdev_linux_class;    /* AF_PACKET. */
extern const struct netdev_class netdev_internal_class; /* tap. */
extern const struct netdev_class netdev_dummy_class;    /* In memory. */
extern const struct netdev_class netdev_kernel_system_class;   /* Named */
extern const struct netdev_class netdev_kernel_internal_class; /* only. */

#endif /* netdev-provider.h */
