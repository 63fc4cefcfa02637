/* lib/dpif.c: datapath-agnostic front end of the datapath interface:
 * provider lookup by type, argument checks that need no provider
 * knowledge, dispatch, and printing. */
#include <config.h>
#include "dpif.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "dp-packet.h"
#include "dpif-provider.h"
#include "dynamic-string.h"
#include "netdev.h"
#include "odp-util.h"
#include "util.h"

static const struct dpif_class *const dpif_classes[] = {
    &dpif_netlink_class,
    &dpif_userspace_class,
    &dpif_dummy_class,
};

static const struct dpif_class *
dpif_class_lookup(const char *type)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(dpif_classes); i++) {
        if (!strcmp(dpif_classes[i]->type, type)) {
            return dpif_classes[i];
        }
    }
    return NULL;
}

int
dpif_open(const char *name, const char *type, bool create,
          struct dpif **dpifp)
{
    const struct dpif_class *class = dpif_class_lookup(type);
    int error;

    *dpifp = NULL;
    if (!class) {
        return EAFNOSUPPORT;
    }
    if (!name[0] || strlen(name) >= 16) {
        return EINVAL;
    }
    error = class->open(class, name, create, dpifp);
    if (!error) {
        (*dpifp)->dpif_class = class;
        (*dpifp)->name = xstrdup(name);
    }
    return error;
}

int
dpif_type_probe(const char *type)
{
    const struct dpif_class *class = dpif_class_lookup(type);

    if (!class) {
        return EAFNOSUPPORT;
    }
    return class->probe ? class->probe(class) : 0;
}

static int
compare_names(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;

    return strcmp(*a, *b);
}

int
dpif_list(const char *type, char ***namesp, size_t *n_namesp)
{
    const struct dpif_class *class = dpif_class_lookup(type);
    int error;

    *namesp = NULL;
    *n_namesp = 0;
    error = dpif_type_probe(type);
    if (error) {
        return error;
    }
    if (!class->list) {
        return EOPNOTSUPP;
    }
    error = class->list(class, namesp, n_namesp);
    if (error) {
        *namesp = NULL;
        *n_namesp = 0;
    } else if (*n_namesp) {
        qsort(*namesp, *n_namesp, sizeof **namesp, compare_names);
    }
    return error;
}

void
dpif_list_free(char **names, size_t n_names)
{
    size_t i;

    for (i = 0; i < n_names; i++) {
        free(names[i]);
    }
    free(names);
}

const char *
dpif_port_open_type(const char *dp_type, const char *port_type)
{
    const struct dpif_class *class = dpif_class_lookup(dp_type);

    return (class && class->port_open_type
            ? class->port_open_type(class, port_type) : port_type);
}

void
dpif_close(struct dpif *dpif)
{
    if (dpif) {
        char *name = dpif->name;

        dpif->dpif_class->close(dpif);
        free(name);
    }
}

int
dpif_delete(struct dpif *dpif)
{
    return dpif->dpif_class->destroy(dpif);
}

const char *
dpif_name(const struct dpif *dpif)
{
    return dpif->name;
}

const char *
dpif_type(const struct dpif *dpif)
{
    return dpif->dpif_class->type;
}

void
dpif_run(struct dpif *dpif)
{
    if (dpif->dpif_class->run) {
        dpif->dpif_class->run(dpif);
    }
}

int
dpif_set_option(struct dpif *dpif, const char *name, unsigned int value)
{
    return (dpif->dpif_class->set_option
            ? dpif->dpif_class->set_option(dpif, name, value)
            : EOPNOTSUPP);
}

int
dpif_get_stats(const struct dpif *dpif, struct dpif_dp_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    return dpif->dpif_class->get_stats(dpif, stats);
}

int
dpif_set_flow_limit(struct dpif *dpif, uint32_t flow_limit)
{
    return dpif->dpif_class->set_flow_limit(dpif, flow_limit);
}

int
dpif_get_flow_limit(const struct dpif *dpif, uint32_t *flow_limitp)
{
    struct dpif_dp_stats stats;
    int error = dpif_get_stats(dpif, &stats);

    *flow_limitp = error ? 0 : stats.flow_limit;
    return error;
}

/* Ports. */

void
dpif_port_uninit(struct dpif_port *port)
{
    if (port) {
        free(port->name);
        free(port->type);
        port->name = port->type = NULL;
    }
}

int
dpif_port_add(struct dpif *dpif, struct netdev *netdev, uint32_t *port_nop)
{
    return dpif->dpif_class->port_add(dpif, netdev, port_nop);
}

int
dpif_port_del(struct dpif *dpif, uint32_t port_no)
{
    if (port_no == NFVS_VPORT_LOCAL) {
        return EINVAL;
    }
    return dpif->dpif_class->port_del(dpif, port_no);
}

int
dpif_port_query_by_number(const struct dpif *dpif, uint32_t port_no,
                          struct dpif_port *port)
{
    memset(port, 0, sizeof *port);
    return dpif->dpif_class->port_query(dpif, port_no, NULL, port);
}

int
dpif_port_query_by_name(const struct dpif *dpif, const char *name,
                        struct dpif_port *port)
{
    memset(port, 0, sizeof *port);
    return dpif->dpif_class->port_query(dpif, 0, name, port);
}

int
dpif_port_get_stats(const struct dpif *dpif, uint32_t port_no,
                    struct netdev_stats *stats)
{
    const struct dpif_class *class = dpif->dpif_class;

    memset(stats, 0, sizeof *stats);
    return (class->port_get_stats
            ? class->port_get_stats(dpif, port_no, stats)
            : EOPNOTSUPP);
}

static int
compare_ports(const void *a_, const void *b_)
{
    const struct dpif_port *a = a_;
    const struct dpif_port *b = b_;

    return a->port_no < b->port_no ? -1 : a->port_no > b->port_no;
}

int
dpif_port_dump(const struct dpif *dpif, struct dpif_port **portsp,
               size_t *n_portsp)
{
    int error = dpif->dpif_class->port_dump(dpif, portsp, n_portsp);

    if (error) {
        *portsp = NULL;
        *n_portsp = 0;
    } else if (*n_portsp) {
        qsort(*portsp, *n_portsp, sizeof **portsp, compare_ports);
    }
    return error;
}

void
dpif_port_dump_free(struct dpif_port *ports, size_t n_ports)
{
    size_t i;

    for (i = 0; i < n_ports; i++) {
        dpif_port_uninit(&ports[i]);
    }
    free(ports);
}

/* Flows. */

int
dpif_flow_put(struct dpif *dpif, enum dpif_flow_put_flags flags,
              const void *key, size_t key_size,
              const void *actions, size_t actions_size,
              struct dpif_flow_stats *stats)
{
    if (stats) {
        memset(stats, 0, sizeof *stats);
    }
    if (!(flags & (DPIF_FP_CREATE | DPIF_FP_MODIFY))
        || (flags & ~(DPIF_FP_CREATE | DPIF_FP_MODIFY | DPIF_FP_ZERO_STATS))
        || (!key && key_size) || (!actions && actions_size)) {
        return EINVAL;
    }
    return dpif->dpif_class->flow_put(dpif, flags, key, key_size,
                                      actions, actions_size, stats);
}

int
dpif_flow_del(struct dpif *dpif, const void *key, size_t key_size,
              struct dpif_flow_stats *stats)
{
    if (stats) {
        memset(stats, 0, sizeof *stats);
    }
    if (!key && key_size) {
        return EINVAL;
    }
    return dpif->dpif_class->flow_del(dpif, key, key_size, stats);
}

int
dpif_flow_get(const struct dpif *dpif, const void *key, size_t key_size,
              struct nl_buf *actions, struct dpif_flow_stats *stats)
{
    if (stats) {
        memset(stats, 0, sizeof *stats);
    }
    if (!key && key_size) {
        return EINVAL;
    }
    return dpif->dpif_class->flow_get(dpif, key, key_size, actions, stats);
}

int
dpif_flow_flush(struct dpif *dpif)
{
    return dpif->dpif_class->flow_flush(dpif);
}

struct dpif_flow_dump *
dpif_flow_dump_create(const struct dpif *dpif)
{
    struct dpif_flow_dump *dump = dpif->dpif_class->flow_dump_create(dpif);

    dump->dpif = dpif;
    return dump;
}

size_t
dpif_flow_dump_next(struct dpif_flow_dump *dump, struct dpif_flow *flows,
                    size_t max)
{
    return max ? dump->dpif->dpif_class->flow_dump_next(dump, flows, max) : 0;
}

int
dpif_flow_dump_destroy(struct dpif_flow_dump *dump)
{
    return dump ? dump->dpif->dpif_class->flow_dump_destroy(dump) : 0;
}

int
dpif_flow_put_execute(struct dpif *dpif, const void *key, size_t key_size,
                      const void *actions, size_t actions_size,
                      const struct dp_packet *packet, bool *executedp)
{
    int error = EINVAL;

    *executedp = false;
    if ((!key && key_size) || (!actions && actions_size)) {
        return EINVAL;
    }
    if (dpif->dpif_class->flow_put_execute) {
        error = dpif->dpif_class->flow_put_execute(dpif, key, key_size,
                                                   actions, actions_size,
                                                   packet);
        *executedp = !error || error == EEXIST || error == ENOSPC;
    }
    if (error == EINVAL) {
        /* Not supported, or refused for the packet (a module without
         * NFVS_FLOW_ATTR_PACKET): the put alone. */
        error = dpif_flow_put(dpif, DPIF_FP_CREATE, key, key_size, actions,
                              actions_size, NULL);
    }
    return error;
}

/* Packets. */

int
dpif_execute(struct dpif *dpif, const struct dp_packet *packet,
             uint32_t in_port, const void *actions, size_t actions_size)
{
    if (!actions && actions_size) {
        return EINVAL;
    }
    return dpif->dpif_class->execute(dpif, packet, in_port, actions,
                                     actions_size);
}

/* Upcalls. */

void
dpif_upcall_uninit(struct dpif_upcall *upcall)
{
    if (upcall) {
        dp_packet_destroy(upcall->packet);
        free(upcall->key);
        free(upcall->userdata);
        upcall->packet = NULL;
        upcall->key = upcall->userdata = NULL;
    }
}

int
dpif_handlers_set(struct dpif *dpif, uint32_t n_handlers)
{
    return dpif->dpif_class->handlers_set(dpif, n_handlers);
}

int
dpif_recv_batch(struct dpif *dpif, uint32_t handler_id,
                struct dpif_upcall upcalls[], size_t max, size_t *n)
{
    *n = 0;
    if (!max) {
        return EINVAL;
    }
    return dpif->dpif_class->recv_batch(dpif, handler_id, upcalls, max, n);
}

void
dpif_register_upcall_cb(struct dpif *dpif, dpif_upcall_cb *cb, void *aux)
{
    if (dpif->dpif_class->register_upcall_cb) {
        dpif->dpif_class->register_upcall_cb(dpif, cb, aux);
    }
}

int
dpif_handler_get_fd(const struct dpif *dpif, uint32_t handler_id)
{
    return dpif->dpif_class->handler_get_fd(dpif, handler_id);
}

/* Printing. */

static void
format_tcp_flags(struct ds *s, uint16_t flags)
{
    static const char *const names[] = {
        "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns"
    };
    bool first = true;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(names); i++) {
        if (flags & (1u << i)) {
            ds_put_format(s, "%s%s", first ? "" : "|", names[i]);
            first = false;
        }
    }
}

void
dpif_format_tcp_flags(struct ds *s, uint16_t flags)
{
    format_tcp_flags(s, flags);
}

void
dpif_flow_format(struct ds *s, const struct dpif_flow *flow,
                 long long int now)
{
    const struct dpif_flow_stats *st = &flow->stats;

    odp_key_format(s, flow->key, flow->key_size);
    ds_put_format(s, ", packets:%"PRIu64", bytes:%"PRIu64", used:",
                  st->n_packets, st->n_bytes);
    if (!st->used) {
        ds_put_cstr(s, "never");
    } else if (!now) {
        ds_put_cstr(s, "yes");
    } else {
        ds_put_format(s, "%.3fs", (now - st->used) / 1000.0);
    }
    if (st->tcp_flags) {
        ds_put_cstr(s, ", flags:");
        format_tcp_flags(s, st->tcp_flags);
    }
    if (st->tcp_seq.valid) {
        ds_put_format(s, ", seq_end:%"PRIu32", ack:%"PRIu32", win:%u",
                      st->tcp_seq.seq_end, st->tcp_seq.ack,
                      st->tcp_seq.win);
    }
    ds_put_cstr(s, ", actions:");
    odp_actions_format(s, flow->actions, flow->actions_size);
}

/* Meters. */

int
dpif_meter_set(struct dpif *dpif, const struct ofp_meter *m)
{
    const struct dpif_class *class = dpif->dpif_class;

    return class->meter_set ? class->meter_set(dpif, m) : EOPNOTSUPP;
}

int
dpif_meter_del(struct dpif *dpif, uint32_t meter_id)
{
    const struct dpif_class *class = dpif->dpif_class;

    return class->meter_del ? class->meter_del(dpif, meter_id) : EOPNOTSUPP;
}

int
dpif_meter_get_stats(const struct dpif *dpif, uint32_t meter_id,
                     struct dpif_meter_stats *stats)
{
    const struct dpif_class *class = dpif->dpif_class;

    memset(stats, 0, sizeof *stats);
    return (class->meter_get_stats
            ? class->meter_get_stats(dpif, meter_id, stats)
            : EOPNOTSUPP);
}
