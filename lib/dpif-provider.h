/* lib/dpif-provider.h: contract for datapath implementations.
 *
 * A provider fills a 'struct dpif_class'; dpif.c checks arguments that
 * need no provider knowledge, dispatches, and keeps the base 'struct
 * dpif'.  Functions return 0 or a positive errno value and do not block
 * on the network unless noted.  "Optional" members may be NULL; dpif.c
 * then returns EOPNOTSUPP (or does nothing, for 'run').
 *
 * Every member has the contract of the dpif_*() function of the same
 * name in dpif.h, on a 'dpif' of this class; below are only the
 * differences.  Key and action bytes come straight from the caller and
 * must be validated by the provider (dpif.c does not parse them).
 *
 * Thread-safety: as dpif.h says for the public functions. */
#ifndef NFVS_DPIF_PROVIDER_H
#define NFVS_DPIF_PROVIDER_H 1

#include "dpif.h"

struct dpif {                       /* Base state, written only by dpif.c. */
    const struct dpif_class *dpif_class;
    char *name;                     /* e.g. "br0". */
};

struct dpif_flow_dump {             /* Base of a provider's dump state. */
    const struct dpif *dpif;        /* Dump of this datapath. */
};

struct dpif_class {
    const char *type;               /* "system", "userspace", "dummy". */

    /* Optional.  Returns 0 if datapaths of this class can be opened on
     * this host, otherwise a positive errno value (EAFNOSUPPORT: the
     * kernel module is not loaded).  NULL: always available. */
    int (*probe)(const struct dpif_class *);

    /* Optional.  Returns the netdev type to open ports of configured
     * 'type' ("system", "internal") with before port_add(); NULL maps
     * every type to itself. */
    const char *(*port_open_type)(const struct dpif_class *,
                                  const char *type);

    /* Optional.  Stores a new array of the names of this class's
     * datapaths in '*namesp' ('*n_namesp' of them, any order). */
    int (*list)(const struct dpif_class *, char ***namesp,
                size_t *n_namesp);

    /* Opens datapath 'name', creating it if 'create' (see dpif_open()).
     * Stores the new dpif in '*dpifp' on success, NULL on failure;
     * dpif.c fills in the base members afterward. */
    int (*open)(const struct dpif_class *, const char *name, bool create,
                struct dpif **dpifp);
    void (*close)(struct dpif *dpif);            /* Cannot fail. */
    int (*destroy)(struct dpif *dpif);           /* dpif_delete(). */

    /* Optional.  Periodic work in the caller's thread. */
    void (*run)(struct dpif *dpif);

    /* Optional.  EOPNOTSUPP for names the provider does not know. */
    int (*set_option)(struct dpif *dpif, const char *name,
                      unsigned int value);

    int (*get_stats)(const struct dpif *dpif, struct dpif_dp_stats *);
    int (*set_flow_limit)(struct dpif *dpif, uint32_t flow_limit);

    /* Ports.  'port_add' gets '*port_nop' as the caller gave it. */
    int (*port_add)(struct dpif *dpif, struct netdev *netdev,
                    uint32_t *port_nop);
    int (*port_del)(struct dpif *dpif, uint32_t port_no);
    /* Exactly one of 'name' (nonnull) or 'port_no' names the port. */
    int (*port_query)(const struct dpif *dpif, uint32_t port_no,
                      const char *name, struct dpif_port *port);
    /* Optional.  The counters of port 'port_no' (dpif.c zeroes
     * 'stats' first); ENOENT if there is no such port. */
    int (*port_get_stats)(const struct dpif *dpif, uint32_t port_no,
                          struct netdev_stats *stats);
    /* Stores a new array of ports in any order; dpif.c sorts it. */
    int (*port_dump)(const struct dpif *dpif, struct dpif_port **portsp,
                     size_t *n_portsp);

    /* Flows. */
    int (*flow_put)(struct dpif *dpif, enum dpif_flow_put_flags flags,
                    const void *key, size_t key_size,
                    const void *actions, size_t actions_size,
                    struct dpif_flow_stats *stats);
    int (*flow_del)(struct dpif *dpif, const void *key, size_t key_size,
                    struct dpif_flow_stats *stats);
    int (*flow_get)(const struct dpif *dpif, const void *key,
                    size_t key_size, struct nl_buf *actions,
                    struct dpif_flow_stats *stats);
    int (*flow_flush)(struct dpif *dpif);
    /* Optional.  As flow_put() with DPIF_FP_CREATE, then runs 'actions'
     * on 'packet' (as if in on the key's in_port) in the same request,
     * also when the put fails with EEXIST or ENOSPC; after any other
     * error the packet has not been run.  Without it, dpif.c only puts
     * and its caller executes. */
    int (*flow_put_execute)(struct dpif *dpif, const void *key,
                            size_t key_size, const void *actions,
                            size_t actions_size,
                            const struct dp_packet *packet);

    /* Flow dumps: 'flow_dump_create' returns a provider object embedding
     * 'struct dpif_flow_dump' (dpif.c sets its 'dpif'); 'flow_dump_next'
     * and 'flow_dump_destroy' as in dpif.h. */
    struct dpif_flow_dump *(*flow_dump_create)(const struct dpif *dpif);
    size_t (*flow_dump_next)(struct dpif_flow_dump *,
                             struct dpif_flow *flows, size_t max);
    int (*flow_dump_destroy)(struct dpif_flow_dump *);

    /* Packets. */
    int (*execute)(struct dpif *dpif, const struct dp_packet *packet,
                   uint32_t in_port, const void *actions,
                   size_t actions_size);

    /* Upcalls.  dpif.c checks nothing about 'handler_id'. */
    int (*handlers_set)(struct dpif *dpif, uint32_t n_handlers);
    int (*recv_batch)(struct dpif *dpif, uint32_t handler_id,
                      struct dpif_upcall upcalls[], size_t max, size_t *n);
    int (*handler_get_fd)(const struct dpif *dpif, uint32_t handler_id);

    /* Optional (NULL: every miss is queued): as dpif.h says. */
    void (*register_upcall_cb)(struct dpif *dpif, dpif_upcall_cb *cb,
                               void *aux);

    /* Optional: meters. */
    int (*meter_set)(struct dpif *dpif, const struct ofp_meter *m);
    int (*meter_del)(struct dpif *dpif, uint32_t meter_id);
    int (*meter_get_stats)(const struct dpif *dpif, uint32_t meter_id,
                           struct dpif_meter_stats *stats);
};

extern const struct dpif_class dpif_netlink_class;   /* nfvs.ko. */
extern const struct dpif_class dpif_userspace_class; /* Forwarding threads;
                                                       * "internal" local
                                                       * port. */
extern const struct dpif_class dpif_dummy_class;     /* Same datapath,
                                                       * dummy local port,
                                                       * no threads. */

#endif /* dpif-provider.h */
