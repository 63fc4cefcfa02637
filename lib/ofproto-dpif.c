#include <config.h>
#include "ofproto-dpif.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dp-packet.h"
#include "dpif.h"
#include "dynamic-string.h"
#include "hash.h"
#include "hmap.h"
#include "netdev.h"
#include "ofp-meter.h"
#include "ofproto.h"
#include "packets.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(ofproto_dpif);

/* A port's netdev, held open while the port is in the datapath. */
struct dpif_netdev_port {
    struct hmap_node node;      /* In 'ofproto_dpif->ports', by dp_port. */
    uint32_t dp_port;           /* Datapath port number. */
    struct netdev *netdev;      /* Our reference. */
    char *new_pcap;             /* The pcap file that adding the port
                                 * created, or NULL. */
};

struct ofproto_dpif {
    struct dpif *dpif;          /* The bridge's datapath. */
    struct ofproto *ofproto;    /* Not owned. */
    struct udpif *udpif;        /* Handlers and revalidation, once
                                 * started. */
    unsigned int n_handlers;    /* Upcall queues: the pool's size. */
    bool pool_ref;              /* Holds a udpif_pool_ref(). */
    unsigned int max_idle;
    struct hmap ports;          /* "struct dpif_netdev_port"s. */
    bool dummy;                 /* Dummy datapath: dummy ports, pcaps. */
    char *pcap_dir;             /* For dummy ports' pcap files. */
};

/* Sets up the pcap file of dummy 'netdev'.  If that created the file,
 * stores its malloc'd path in '*new_pcapp' (caller frees), otherwise
 * NULL. */
static int
set_pcap(struct ofproto_dpif *od, struct netdev *netdev, char **new_pcapp,
         char **errp)
{
    bool existed;
    char *path;
    int error;

    *new_pcapp = NULL;
    if (strcmp(netdev_get_type(netdev), "dummy") || !od->pcap_dir) {
        return 0;
    }
    path = xasprintf("%s/%s.pcap", od->pcap_dir, netdev_get_name(netdev));
    existed = !access(path, F_OK);
    error = netdev_dummy_set_pcap(netdev, path);
    if (error) {
        *errp = xasprintf("%s: cannot open pcap file: %s", path,
                          nfvs_strerror(error));
        if (!existed) {
            unlink(path);
        }
        free(path);
    } else if (!existed) {
        *new_pcapp = path;
    } else {
        free(path);
    }
    return error;
}

/* Stops writing dummy 'netdev''s pcap file and removes 'new_pcap', if
 * nonnull: undoes set_pcap() for a port whose addition failed or was
 * undone.  Frees 'new_pcap'. */
static void
unset_pcap(struct netdev *netdev, char *new_pcap)
{
    if (new_pcap) {
        netdev_dummy_set_pcap(netdev, NULL);
        unlink(new_pcap);
        free(new_pcap);
    }
}

/* Takes ownership of 'netdev' and 'new_pcap'. */
static void
port_insert(struct ofproto_dpif *od, uint32_t dp_port, struct netdev *netdev,
            char *new_pcap)
{
    struct dpif_netdev_port *port = xzalloc(sizeof *port);

    port->dp_port = dp_port;
    port->netdev = netdev;
    port->new_pcap = new_pcap;
    hmap_insert(&od->ports, &port->node, hash_int(dp_port, 0));
}

static struct dpif_netdev_port *
port_find(const struct ofproto_dpif *od, uint32_t dp_port)
{
    struct dpif_netdev_port *port;

    HMAP_FOR_EACH_WITH_HASH (port, node, hash_int(dp_port, 0), &od->ports) {
        if (port->dp_port == dp_port) {
            return port;
        }
    }
    return NULL;
}

static void ofproto_dpif_install_meters(struct ofproto_dpif *);

int
ofproto_dpif_create(struct ofproto *ofproto,
                    const struct ofproto_dpif_config *cfg,
                    struct ofproto_dpif **odp, char **errp)
{
    const char *name = ofproto_get_name(ofproto);
    struct ofproto_dpif *od;
    struct netdev *local;
    bool created = false;
    struct dpif *dpif;
    char *new_pcap;
    int error;

    *odp = NULL;
    /* A kernel datapath outlives the daemon: reattach to it, so that its
     * flows keep forwarding across a restart. */
    error = dpif_open(name, cfg->dp_type, false, &dpif);
    if (!error) {
        VLOG_INFO("%s: reattached to the existing %s datapath", name,
                  cfg->dp_type);
    } else if (error == ENODEV) {
        error = dpif_open(name, cfg->dp_type, true, &dpif);
        created = !error;
    }
    if (error) {
        *errp = xasprintf("cannot create %s datapath %s: %s", cfg->dp_type,
                          name, nfvs_strerror(error));
        return error;
    }

    od = xzalloc(sizeof *od);
    od->dpif = dpif;
    od->ofproto = ofproto;
    od->dummy = !strcmp(cfg->dp_type, "dummy");
    od->pcap_dir = cfg->pcap_dir ? xstrdup(cfg->pcap_dir) : NULL;
    hmap_init(&od->ports);

    /* The datapath opened its local port; hold it to set its pcap. */
    error = netdev_open(name, (od->dummy ? "dummy"
                               : dpif_port_open_type(cfg->dp_type,
                                                     "internal")),
                        &local);
    if (!error) {
        error = set_pcap(od, local, &new_pcap, errp);
        port_insert(od, NFVS_VPORT_LOCAL, local, new_pcap);
    } else {
        *errp = xasprintf("%s: cannot open the local port: %s", name,
                          nfvs_strerror(error));
    }
    if (error) {
        goto out_close;
    }
    ofproto_dpif_install_meters(od);
    if (cfg->flow_limit) {
        error = dpif_set_flow_limit(dpif, cfg->flow_limit);
        if (error) {
            *errp = xasprintf("%s: cannot set the flow limit: %s", name,
                              nfvs_strerror(error));
            goto out_close;
        }
    }
    if (cfg->n_forwarders && !strcmp(cfg->dp_type, "userspace")) {
        error = dpif_set_option(dpif, "forwarding-threads",
                                cfg->n_forwarders);
        if (error) {
            *errp = xasprintf("%s: cannot start %u forwarding threads: %s",
                              name, cfg->n_forwarders,
                              nfvs_strerror(error));
            goto out_close;
        }
    }
    /* The handler pool (see udpif.h) and its queues in the datapath,
     * set up here, where failing (out of file descriptors or threads)
     * can still refuse the bridge.  Misses wait in the queues until
     * ofproto_dpif_start(). */
    error = udpif_pool_ref(cfg->n_handlers);
    if (error) {
        *errp = xasprintf("%s: cannot start the upcall handler threads: "
                          "%s", name, nfvs_strerror(error));
        ofproto_dpif_destroy(od);
        return error;
    }
    od->pool_ref = true;
    od->n_handlers = udpif_pool_size(cfg->n_handlers);
    error = dpif_handlers_set(dpif, od->n_handlers);
    if (error) {
        *errp = xasprintf("%s: cannot set up %u upcall queues: %s", name,
                          od->n_handlers, nfvs_strerror(error));
        ofproto_dpif_destroy(od);
        return error;
    }
    od->max_idle = cfg->max_idle;
    *odp = od;
    return 0;

out_close:
    /* A datapath that outlived the daemon stays as it is. */
    if (created) {
        ofproto_dpif_undo(od);
    } else {
        ofproto_dpif_destroy(od);
    }
    return error;
}

void
ofproto_dpif_start(struct ofproto_dpif *od)
{
    if (!od->udpif) {
        od->udpif = udpif_create(od->dpif, od->ofproto);
        udpif_set_max_idle(od->udpif, od->max_idle);
        VLOG_INFO("%s: %s datapath started", dpif_name(od->dpif),
                  dpif_type(od->dpif));
    }
}

/* Closes 'od'; with 'delete' deletes its datapath and ports too, and
 * with 'undo' also the pcap files that creating them created. */
static void
ofproto_dpif_destroy__(struct ofproto_dpif *od, bool delete, bool undo)
{
    struct dpif_netdev_port *port, *next;

    if (!od) {
        return;
    }
    udpif_destroy(od->udpif);
    HMAP_FOR_EACH_SAFE (port, next, node, &od->ports) {
        if (delete && port->dp_port != NFVS_VPORT_LOCAL) {
            dpif_port_del(od->dpif, port->dp_port);
        }
        hmap_remove(&od->ports, &port->node);
        if (undo) {
            unset_pcap(port->netdev, port->new_pcap);
        } else {
            free(port->new_pcap);
        }
        netdev_close(port->netdev);
        free(port);
    }
    hmap_destroy(&od->ports);
    if (delete) {
        dpif_delete(od->dpif);
    }
    dpif_close(od->dpif);
    if (od->pool_ref) {
        udpif_pool_unref();
    }
    free(od->pcap_dir);
    free(od);
}

void
ofproto_dpif_destroy(struct ofproto_dpif *od)
{
    ofproto_dpif_destroy__(od, false, false);
}

void
ofproto_dpif_delete(struct ofproto_dpif *od)
{
    ofproto_dpif_destroy__(od, true, false);
}

void
ofproto_dpif_undo(struct ofproto_dpif *od)
{
    ofproto_dpif_destroy__(od, true, true);
}

void
ofproto_dpif_prune_ports(struct ofproto_dpif *od)
{
    struct dpif_port *ports;
    size_t i, n;

    if (dpif_port_dump(od->dpif, &ports, &n)) {
        return;
    }
    for (i = 0; i < n; i++) {
        if (ports[i].port_no != NFVS_VPORT_LOCAL
            && !port_find(od, ports[i].port_no)) {
            int error = dpif_port_del(od->dpif, ports[i].port_no);

            VLOG_INFO("%s: port %s (%"PRIu32") is not configured: %s",
                      dpif_name(od->dpif), ports[i].name, ports[i].port_no,
                      error ? nfvs_strerror(error) : "deleted");
        }
    }
    dpif_port_dump_free(ports, n);
}

int
ofproto_dpif_port_add(struct ofproto_dpif *od, const char *name,
                      const char *type, uint32_t *dp_portp, char **errp)
{
    struct dpif_port existing;
    struct netdev *netdev;
    uint32_t dp_port = DPIF_PORT_ANY;
    char *new_pcap;
    int error;

    if (!strcmp(name, dpif_name(od->dpif))) {
        *dp_portp = NFVS_VPORT_LOCAL;
        return 0;
    }
    *dp_portp = 0;
    error = netdev_open(name, (od->dummy ? "dummy"
                               : dpif_port_open_type(dpif_type(od->dpif),
                                                     type)),
                        &netdev);
    if (error) {
        *errp = xasprintf("cannot open port %s (type %s): %s", name, type,
                          nfvs_strerror(error));
        return error;
    }
    error = set_pcap(od, netdev, &new_pcap, errp);
    if (error) {
        netdev_close(netdev);
        return error;
    }
    if (!dpif_port_query_by_name(od->dpif, name, &existing)) {
        /* Left by a previous run (the kernel datapath outlives the
         * daemon): keep it, and its traffic, as it is. */
        dp_port = existing.port_no;
        dpif_port_uninit(&existing);
        if (!port_find(od, dp_port)) {
            VLOG_INFO("%s: port %s is in the datapath already as port "
                      "%"PRIu32", keeping it", dpif_name(od->dpif), name,
                      dp_port);
            port_insert(od, dp_port, netdev, new_pcap);
            *dp_portp = dp_port;
            return 0;
        }
        error = EEXIST;
    } else {
        error = dpif_port_add(od->dpif, netdev, &dp_port);
    }
    if (error) {
        *errp = xasprintf("cannot add port %s to datapath %s: %s", name,
                          dpif_name(od->dpif), nfvs_strerror(error));
        unset_pcap(netdev, new_pcap);
        netdev_close(netdev);
        return error;
    }
    port_insert(od, dp_port, netdev, new_pcap);
    *dp_portp = dp_port;
    return 0;
}

/* Deletes 'dp_port'; with 'undo' also the pcap file adding it created. */
static void
ofproto_dpif_port_del__(struct ofproto_dpif *od, uint32_t dp_port,
                        bool undo)
{
    struct dpif_netdev_port *port = port_find(od, dp_port);

    if (port && dp_port != NFVS_VPORT_LOCAL) {
        dpif_port_del(od->dpif, dp_port);
        hmap_remove(&od->ports, &port->node);
        if (undo) {
            unset_pcap(port->netdev, port->new_pcap);
        } else {
            free(port->new_pcap);
        }
        netdev_close(port->netdev);
        free(port);
    }
}

void
ofproto_dpif_port_del(struct ofproto_dpif *od, uint32_t dp_port)
{
    ofproto_dpif_port_del__(od, dp_port, false);
}

void
ofproto_dpif_port_undo(struct ofproto_dpif *od, uint32_t dp_port)
{
    ofproto_dpif_port_del__(od, dp_port, true);
}

void
ofproto_dpif_update_liveness(struct ofproto_dpif *od)
{
    struct dpif_netdev_port *port;

    HMAP_FOR_EACH (port, node, &od->ports) {
        struct netdev_link_state state;
        bool live = (!netdev_get_link_state(port->netdev, &state)
                     && state.admin_up && state.carrier);

        ofproto_set_port_live(od->ofproto, port->dp_port, live);
    }
}

void
ofproto_dpif_ports_changed(struct ofproto_dpif *od)
{
    ofproto_dpif_update_liveness(od);
    /* At once: a datapath port number freed by a deleted port may be
     * reused by the next port added, and no flow may keep sending the
     * old port's traffic to it. */
    if (od->udpif) {
        udpif_flush_translations(od->udpif);
        udpif_revalidate_stale(od->udpif);
    }
}

void
ofproto_dpif_run(struct ofproto_dpif *od)
{
    dpif_run(od->dpif);
}

void
ofproto_dpif_ct_events_run(struct ofproto_dpif *od)
{
    if (od->udpif) {
        udpif_ct_events_run(od->udpif);
    }
}

void
ofproto_dpif_revalidate(struct ofproto_dpif *od, long long int now)
{
    if (od->udpif) {
        udpif_revalidate(od->udpif, now);
    }
}

/* Returns the datapath port of 'od' named 'port_name', or NULL with a
 * message in '*errp'. */
static struct dpif_netdev_port *
ofproto_dpif_find_port(struct ofproto_dpif *od, const char *port_name,
                       char **errp)
{
    struct dpif_netdev_port *port;

    HMAP_FOR_EACH (port, node, &od->ports) {
        if (!strcmp(netdev_get_name(port->netdev), port_name)) {
            return port;
        }
    }
    *errp = xasprintf("bridge %s does not have a port %s",
                      dpif_name(od->dpif), port_name);
    return NULL;
}

int
ofproto_dpif_inject(struct ofproto_dpif *od, const char *port_name,
                    const char *hex, char **errp)
{
    struct dpif_netdev_port *port;
    struct dp_packet *packet;
    int error;

    port = ofproto_dpif_find_port(od, port_name, errp);
    if (!port) {
        return ENOENT;
    }
    packet = dp_packet_create(64);
    if (dp_packet_put_hex(packet, hex)) {
        dp_packet_destroy(packet);
        *errp = xasprintf("\"%s\" is not a packet in hex", hex);
        return EINVAL;
    }
    if (dp_packet_size(packet) < ETH_HEADER_LEN) {
        *errp = xasprintf("a packet of %zu bytes is shorter than an "
                          "Ethernet header", dp_packet_size(packet));
        dp_packet_destroy(packet);
        return EINVAL;
    }
    error = netdev_dummy_receive(port->netdev, packet);
    if (error) {
        *errp = (error == EOPNOTSUPP
                 ? xasprintf("port %s is not a dummy port", port_name)
                 : xasprintf("port %s: %s", port_name,
                             nfvs_strerror(error)));
        return error;
    }
    dpif_run(od->dpif);
    return 0;
}

/* A datapath flow copied out of a dump, with its line. */
struct dp_dump_entry {
    char *line;                 /* As dpif_flow_format() prints it. */
    struct dpif_flow flow;      /* Key and actions point into 'data'. */
    void *data;                 /* Key, then actions. */
};

int
ofproto_dpif_set_dummy_link(struct ofproto_dpif *od, const char *port_name,
                            bool up, bool *was_upp, char **errp)
{
    struct dpif_netdev_port *port;
    int error;

    port = ofproto_dpif_find_port(od, port_name, errp);
    if (!port) {
        return ENOENT;
    }
    error = netdev_dummy_set_link(port->netdev, up, was_upp);
    if (error) {
        *errp = xasprintf("port %s is not a dummy port (its link state "
                          "comes from its device)", port_name);
    } else {
        ofproto_dpif_update_liveness(od);
    }
    return error;
}

static int
compare_dp_dump_entries(const void *a_, const void *b_)
{
    const struct dp_dump_entry *a = a_;
    const struct dp_dump_entry *b = b_;

    return strcmp(a->line, b->line);
}

void
ofproto_dpif_for_each_flow(struct ofproto_dpif *od, ofproto_dpif_flow_cb *cb,
                           void *aux)
{
    struct dpif_flow_dump *dump = dpif_flow_dump_create(od->dpif);
    long long int now = time_msec();
    struct dpif_flow flows[64];
    struct dp_dump_entry *entries = NULL;
    size_t i, n, n_entries = 0;

    while ((n = dpif_flow_dump_next(dump, flows, ARRAY_SIZE(flows)))) {
        entries = xrealloc(entries, (n_entries + n) * sizeof *entries);
        for (i = 0; i < n; i++) {
            struct dp_dump_entry *e = &entries[n_entries++];
            struct ds line = DS_EMPTY_INITIALIZER;
            char *data;

            dpif_flow_format(&line, &flows[i], now);
            e->line = ds_steal_cstr(&line);
            data = xmalloc(flows[i].key_size + flows[i].actions_size + 1);
            memcpy(data, flows[i].key, flows[i].key_size);
            memcpy(data + flows[i].key_size, flows[i].actions,
                   flows[i].actions_size);
            e->data = data;
            e->flow = flows[i];
            e->flow.key = data;
            e->flow.actions = data + flows[i].key_size;
        }
    }
    dpif_flow_dump_destroy(dump);
    if (n_entries) {
        qsort(entries, n_entries, sizeof *entries, compare_dp_dump_entries);
    }
    for (i = 0; i < n_entries; i++) {
        cb(&entries[i].flow, entries[i].line, now, aux);
        free(entries[i].line);
        free(entries[i].data);
    }
    free(entries);
}

static void
dump_flow_line(const struct dpif_flow *flow NFVS_UNUSED, const char *line,
               long long int now NFVS_UNUSED, void *s_)
{
    struct ds *s = s_;

    ds_put_cstr(s, line);
    ds_put_cstr(s, "\n");
}

void
ofproto_dpif_dump_flows(struct ofproto_dpif *od, struct ds *s)
{
    ofproto_dpif_for_each_flow(od, dump_flow_line, s);
}

int
ofproto_dpif_get_stats(struct ofproto_dpif *od, struct dpif_dp_stats *dp,
                       struct udpif_stats *up)
{
    if (od->udpif) {
        udpif_get_stats(od->udpif, up);
    } else {
        memset(up, 0, sizeof *up);
    }
    return dpif_get_stats(od->dpif, dp);
}

int
ofproto_dpif_port_get_stats(const struct ofproto_dpif *od, uint32_t dp_port,
                            struct netdev_stats *stats,
                            struct netdev_link_state *state)
{
    const struct dpif_netdev_port *port = port_find(od, dp_port);
    int error;

    memset(state, 0, sizeof *state);
    if (!port) {
        memset(stats, 0, sizeof *stats);
        return ENOENT;
    }
    error = dpif_port_get_stats(od->dpif, dp_port, stats);
    if (!error) {
        /* A device that went away since reads as down. */
        netdev_get_link_state(port->netdev, state);
    }
    return error;
}

const char *
ofproto_dpif_name(const struct ofproto_dpif *od)
{
    return dpif_name(od->dpif);
}

const char *
ofproto_dpif_type(const struct ofproto_dpif *od)
{
    return dpif_type(od->dpif);
}

/* Meters. */

/* Puts every meter of the bridge into a datapath just opened (a new one,
 * or one that outlived the daemon and may hold other meters' state). */
static void
ofproto_dpif_install_meters(struct ofproto_dpif *od)
{
    struct ofp_meter *meters;
    size_t i, n;

    meters = ofproto_meters_get(od->ofproto, OFPM_ALL, &n);
    for (i = 0; i < n; i++) {
        int error = dpif_meter_set(od->dpif, &meters[i]);

        if (error) {
            VLOG_WARN("%s: cannot install meter %"PRIu32" in the datapath: "
                      "%s", dpif_name(od->dpif), meters[i].meter_id,
                      nfvs_strerror(error));
        }
    }
    free(meters);
}

int
ofproto_dpif_meter_set(struct ofproto_dpif *od, const struct ofp_meter *m,
                       char **errp)
{
    int error = dpif_meter_set(od->dpif, m);

    if (error) {
        *errp = xasprintf("meter=%"PRIu32": the %s datapath cannot hold "
                          "it: %s", m->meter_id, dpif_type(od->dpif),
                          (error == EOPNOTSUPP
                           ? "meters are not supported there"
                           : nfvs_strerror(error)));
    }
    return error;
}

void
ofproto_dpif_meter_del(struct ofproto_dpif *od, uint32_t meter_id)
{
    int error = dpif_meter_del(od->dpif, meter_id);

    if (error && error != ENOENT) {
        VLOG_WARN("%s: cannot delete meter %"PRIu32" from the datapath: %s",
                  dpif_name(od->dpif), meter_id, nfvs_strerror(error));
    }
}

int
ofproto_dpif_meter_get_stats(const struct ofproto_dpif *od,
                             uint32_t meter_id,
                             struct dpif_meter_stats *stats)
{
    return dpif_meter_get_stats(od->dpif, meter_id, stats);
}
