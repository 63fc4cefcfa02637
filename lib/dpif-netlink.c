/* lib/dpif-netlink.c: the "system" datapath, nfvs.ko over generic
 * netlink.
 *
 * A datapath is named by the ifindex of its local port (struct
 * nfvs_header), learned when it is opened.  Requests go through
 * nl_transact() and dumps through nlsock_dump_*() (lib/netlink-socket.h);
 * message layouts are lib/dpif-netlink-msg.h.
 *
 * Upcalls: each handler owns one non-blocking netlink socket with a
 * large receive buffer; their port ids, in handler order, are the
 * datapath's NFVS_DP_ATTR_UPCALL_PIDS, and the kernel sends each miss to
 * pids[hash % n].  A handler reads a whole batch of upcalls with one
 * recvmmsg() into preallocated slots.
 *
 * The datapath outlives its dpif: closing it (or the daemon dying)
 * leaves it, its ports and its flows in the kernel, forwarding; only
 * dpif_delete() removes it. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "dp-packet.h"
#include "dpif-netlink-msg.h"
#include "dpif-provider.h"
#include "flow.h"
#include "netdev.h"
#include "netlink-socket.h"
#include "nlattr.h"
#include "odp-util.h"
#include "ofp-meter.h"
#include "packets.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(dpif_netlink);

/* Upcall receive: messages per recvmmsg() call, and the largest upcall
 * (a 64 KiB GSO packet with its key and headers). */
#define UPCALL_BATCH 64
#define UPCALL_SLOT_SIZE (65536 + 2048)

/* Each handler socket's receive buffer. */
#define UPCALL_RCVBUF (4 * 1024 * 1024)

struct dpnl_handler {
    struct nlsock *sock;        /* Upcalls for this handler. */
    struct nl_rxbuf *rx;        /* Its receive slots. */
};

struct dpif_netlink {
    struct dpif up;
    int dp_ifindex;             /* Names the datapath in requests. */
    struct dpnl_handler *handlers;  /* Indexed by handler id. */
    uint32_t n_handlers;
};

/* Family ids, resolved once. */
static pthread_once_t families_once = PTHREAD_ONCE_INIT;
static int families_error;
static int dp_family, vport_family, flow_family, packet_family;

static void
families_init(void)
{
    families_error = nl_genl_family_lookup(NFVS_DATAPATH_FAMILY,
                                           &dp_family);
    if (!families_error) {
        families_error = nl_genl_family_lookup(NFVS_VPORT_FAMILY,
                                               &vport_family);
    }
    if (!families_error) {
        families_error = nl_genl_family_lookup(NFVS_FLOW_FAMILY,
                                               &flow_family);
    }
    if (!families_error) {
        families_error = nl_genl_family_lookup(NFVS_PACKET_FAMILY,
                                               &packet_family);
    }
    if (families_error == ENOENT) {
        families_error = EAFNOSUPPORT;
    }
}

/* Returns 0 if nfvs.ko's families resolve; EAFNOSUPPORT if the module
 * is not loaded. */
static int
families_get(void)
{
    pthread_once(&families_once, families_init);
    return families_error;
}

static struct dpif_netlink *
dpif_netlink_cast(const struct dpif *dpif)
{
    return CONTAINER_OF(dpif, struct dpif_netlink, up);
}

/* Sends the request of 'family' and 'cmd' with 'payload'; if 'reply' is
 * nonnull, stores the answer's payload there (a view into 'buf').
 * Logs the kernel's extended-ack message, if any, with 'what'. */
static int
transact(const char *what, int family, uint8_t cmd, uint16_t flags,
         const struct nl_buf *payload, struct nl_buf *buf,
         struct nl_msg_view *reply)
{
    struct nl_request req = {
        .family = family,
        .cmd = cmd,
        .version = NFVS_GENL_VERSION,
        .flags = flags,
        .payload = payload->data,
        .payload_size = payload->size,
    };
    char *errmsg = NULL;
    int error;

    error = nl_transact(&req, buf, &errmsg);
    if (error && errmsg) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

        /* "No such datapath/port" answers lookups whose callers expect
         * it (opening a datapath before creating it, for one). */
        if (error == ENODEV || error == ENOENT) {
            VLOG_DBG_RL(&rl, "%s: %s (kernel: %s)", what,
                        nfvs_strerror(error), errmsg);
        } else {
            VLOG_WARN_RL(&rl, "%s: %s (kernel: %s)", what,
                         nfvs_strerror(error), errmsg);
        }
    }
    free(errmsg);
    if (!error && reply) {
        size_t size;

        if (!buf || !buf->size) {
            error = EPROTO;
        } else if (nl_msg_view_parse(buf->data, buf->size, reply, &size)
                   || reply->type != family) {
            error = EPROTO;
        }
    }
    return error;
}

/* Datapaths. */

static int
dp_get(const char *name, bool create, struct dpnl_dp *reply,
       struct nl_buf *buf)
{
    struct nl_buf payload = NL_BUF_INITIALIZER;
    struct dpnl_dp req = { .name = name };
    struct nl_msg_view view;
    int error;

    if (create) {
        req.has_flow_limit = true;
        req.flow_limit = DPIF_DEFAULT_FLOW_LIMIT;
    }
    dpnl_dp_to_payload(&req, &payload);
    error = transact(name, dp_family,
                     create ? NFVS_DP_CMD_NEW : NFVS_DP_CMD_GET,
                     create ? NLM_F_CREATE | NLM_F_EXCL : 0,
                     &payload, buf, &view);
    nl_buf_uninit(&payload);
    if (!error) {
        error = dpnl_dp_from_payload(view.payload, view.payload_size,
                                     reply, NULL) ? EPROTO : 0;
    }
    return error;
}

static int
dpif_netlink_open(const struct dpif_class *class NFVS_UNUSED,
                  const char *name, bool create, struct dpif **dpifp)
{
    struct nl_buf buf = NL_BUF_INITIALIZER;
    struct dpif_netlink *dpif;
    struct dpnl_dp dp;
    int error;

    *dpifp = NULL;
    error = families_get();
    if (error) {
        return error;
    }
    error = dp_get(name, create, &dp, &buf);
    if (error == ENOENT) {
        error = ENODEV;
    }
    if (!error) {
        dpif = xzalloc(sizeof *dpif);
        dpif->dp_ifindex = dp.dp_ifindex;
        *dpifp = &dpif->up;
    }
    nl_buf_uninit(&buf);
    return error;
}

static int
dpif_netlink_list(const struct dpif_class *class NFVS_UNUSED,
                  char ***namesp, size_t *n_namesp)
{
    struct nfvs_header hdr = { .dp_ifindex = 0 };
    struct nlsock_dump *dump;
    struct nl_msg_view view;
    size_t allocated = 0;
    struct dpnl_dp dp;
    int error;

    error = families_get();
    if (error) {
        return error;
    }
    dump = nlsock_dump_start(&(struct nl_request) {
        .family = dp_family,
        .cmd = NFVS_DP_CMD_GET,
        .version = NFVS_GENL_VERSION,
        .payload = &hdr,
        .payload_size = sizeof hdr,
    });
    while (nlsock_dump_next(dump, &view)) {
        if (dpnl_dp_from_payload(view.payload, view.payload_size, &dp, NULL)
            || !dp.name) {
            continue;
        }
        if (*n_namesp >= allocated) {
            allocated = allocated ? 2 * allocated : 4;
            *namesp = xrealloc(*namesp, allocated * sizeof **namesp);
        }
        (*namesp)[(*n_namesp)++] = xstrdup(dp.name);
    }
    error = nlsock_dump_done(dump, NULL);
    if (error) {
        dpif_list_free(*namesp, *n_namesp);
    }
    return error;
}

static void
handlers_destroy(struct dpif_netlink *dpif)
{
    uint32_t i;

    for (i = 0; i < dpif->n_handlers; i++) {
        nlsock_destroy(dpif->handlers[i].sock);
        nl_rxbuf_destroy(dpif->handlers[i].rx);
    }
    free(dpif->handlers);
    dpif->handlers = NULL;
    dpif->n_handlers = 0;
}

static void
dpif_netlink_close(struct dpif *dpif_)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);

    /* The kernel keeps our port ids until a new daemon sets its own;
     * upcalls to the closed sockets count as lost meanwhile. */
    handlers_destroy(dpif);
    free(dpif);
}

/* Sends a datapath request 'cmd' for 'dpif' with 'req' (whose
 * dp_ifindex this fills in); stores the reply in '*reply' if nonnull. */
static int
dp_transact(const struct dpif_netlink *dpif, uint8_t cmd,
            struct dpnl_dp *req, struct dpnl_dp *reply)
{
    struct nl_buf payload = NL_BUF_INITIALIZER;
    struct nl_buf buf = NL_BUF_INITIALIZER;
    struct nl_msg_view view;
    int error;

    req->dp_ifindex = dpif->dp_ifindex;
    dpnl_dp_to_payload(req, &payload);
    error = transact(dpif->up.name, dp_family, cmd, 0, &payload,
                     reply ? &buf : NULL, reply ? &view : NULL);
    if (!error && reply) {
        error = dpnl_dp_from_payload(view.payload, view.payload_size,
                                     reply, NULL) ? EPROTO : 0;
    }
    nl_buf_uninit(&payload);
    nl_buf_uninit(&buf);
    return error;
}

static int
dpif_netlink_destroy(struct dpif *dpif_)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpnl_dp req = { .name = NULL };

    return dp_transact(dpif, NFVS_DP_CMD_DEL, &req, NULL);
}

static int
dpif_netlink_get_stats(const struct dpif *dpif_, struct dpif_dp_stats *st)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpnl_dp req = { .name = NULL };
    struct dpnl_dp reply;
    int error;

    error = dp_transact(dpif, NFVS_DP_CMD_GET, &req, &reply);
    if (error) {
        return error;
    }
    st->n_hit = reply.stats.n_hit;
    st->n_missed = reply.stats.n_missed;
    st->n_lost = reply.stats.n_lost;
    st->n_lost_queue = reply.stats.n_lost_queue;
    st->n_lost_nomem = reply.stats.n_lost_nomem;
    st->n_lost_nohandler = reply.stats.n_lost_nopid;
    st->n_lost_dup = reply.stats.n_lost_dup;
    st->n_flows = reply.stats.n_flows;
    st->n_flow_limit = reply.stats.n_flow_limit;
    st->flow_limit = reply.has_flow_limit ? reply.flow_limit : 0;
    return 0;
}

static int
dpif_netlink_set_flow_limit(struct dpif *dpif_, uint32_t flow_limit)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpnl_dp req = {
        .has_flow_limit = true,
        .flow_limit = flow_limit,
    };

    return dp_transact(dpif, NFVS_DP_CMD_SET, &req, NULL);
}

/* Ports. */

static const char *
vport_type_to_string(uint32_t type)
{
    return (type == NFVS_VPORT_TYPE_INTERNAL ? "internal"
            : type == NFVS_VPORT_TYPE_NETDEV ? "system"
            : "unknown");
}

static const char *
dpif_netlink_port_open_type(const struct dpif_class *class NFVS_UNUSED,
                            const char *type)
{
    return !strcmp(type, "internal") ? "kernel-internal" : "kernel-system";
}

static int
vport_transact(const struct dpif_netlink *dpif, uint8_t cmd,
               uint16_t flags, struct dpnl_vport *req,
               struct dpnl_vport *reply, struct nl_buf *buf)
{
    struct nl_buf payload = NL_BUF_INITIALIZER;
    struct nl_msg_view view;
    int error;

    req->dp_ifindex = dpif->dp_ifindex;
    dpnl_vport_to_payload(req, &payload);
    error = transact(dpif->up.name, vport_family, cmd, flags, &payload,
                     reply ? buf : NULL, reply ? &view : NULL);
    if (!error && reply) {
        error = dpnl_vport_from_payload(view.payload, view.payload_size,
                                        reply, NULL) ? EPROTO : 0;
    }
    nl_buf_uninit(&payload);
    return error;
}

static int
dpif_netlink_port_add(struct dpif *dpif_, struct netdev *netdev,
                      uint32_t *port_nop)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    const char *type = netdev_get_type(netdev);
    struct nl_buf buf = NL_BUF_INITIALIZER;
    struct dpnl_vport req, reply;
    int error;

    memset(&req, 0, sizeof req);
    req.name = netdev_get_name(netdev);
    req.type = (!strcmp(type, "kernel-internal") || !strcmp(type, "internal")
                ? NFVS_VPORT_TYPE_INTERNAL : NFVS_VPORT_TYPE_NETDEV);
    if (*port_nop != DPIF_PORT_ANY) {
        req.has_port_no = true;
        req.port_no = *port_nop;
    }
    error = vport_transact(dpif, NFVS_VPORT_CMD_NEW, NLM_F_CREATE, &req,
                           &reply, &buf);
    if (!error) {
        if (reply.has_port_no) {
            *port_nop = reply.port_no;
        } else {
            error = EPROTO;
        }
    }
    nl_buf_uninit(&buf);
    return error;
}

static int
dpif_netlink_port_del(struct dpif *dpif_, uint32_t port_no)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpnl_vport req;
    int error;

    memset(&req, 0, sizeof req);
    req.has_port_no = true;
    req.port_no = port_no;
    error = vport_transact(dpif, NFVS_VPORT_CMD_DEL, 0, &req, NULL, NULL);
    return error == ENODEV ? ENOENT : error;
}

static void
vport_to_dpif_port(const struct dpnl_vport *vport, struct dpif_port *port)
{
    port->name = xstrdup(vport->name ? vport->name : "");
    port->type = xstrdup(vport_type_to_string(vport->type));
    port->port_no = vport->port_no;
}

static int
dpif_netlink_port_query(const struct dpif *dpif_, uint32_t port_no,
                        const char *name, struct dpif_port *port)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct nl_buf buf = NL_BUF_INITIALIZER;
    struct dpnl_vport req, reply;
    int error;

    memset(&req, 0, sizeof req);
    if (name) {
        req.name = name;
    } else {
        req.has_port_no = true;
        req.port_no = port_no;
    }
    error = vport_transact(dpif, NFVS_VPORT_CMD_GET, 0, &req, &reply,
                           &buf);
    if (!error) {
        if (reply.dp_ifindex != dpif->dp_ifindex) {
            /* A device of that name in another datapath. */
            error = ENOENT;
        } else {
            vport_to_dpif_port(&reply, port);
        }
    } else if (error == ENODEV) {
        error = ENOENT;
    }
    nl_buf_uninit(&buf);
    return error;
}

static int
dpif_netlink_port_get_stats(const struct dpif *dpif_, uint32_t port_no,
                            struct netdev_stats *stats)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct nl_buf buf = NL_BUF_INITIALIZER;
    struct dpnl_vport req, reply;
    int error;

    memset(&req, 0, sizeof req);
    req.dp_ifindex = dpif->dp_ifindex;
    req.has_port_no = true;
    req.port_no = port_no;
    error = vport_transact(dpif, NFVS_VPORT_CMD_GET, 0, &req, &reply,
                           &buf);
    if (error == ENODEV) {
        error = ENOENT;
    } else if (!error && reply.dp_ifindex != dpif->dp_ifindex) {
        error = ENOENT;
    } else if (!error && !reply.has_stats) {
        error = EPROTO;
    } else if (!error) {
        stats->rx_packets = reply.stats.rx_packets;
        stats->rx_bytes = reply.stats.rx_bytes;
        stats->rx_dropped = reply.stats.rx_dropped;
        stats->tx_packets = reply.stats.tx_packets;
        stats->tx_bytes = reply.stats.tx_bytes;
        stats->tx_dropped = reply.stats.tx_dropped;
        stats->rx_errors = NETDEV_STAT_UNKNOWN;
        stats->tx_errors = NETDEV_STAT_UNKNOWN;
    }
    nl_buf_uninit(&buf);
    return error;
}

static int
dpif_netlink_port_dump(const struct dpif *dpif_, struct dpif_port **portsp,
                       size_t *n_portsp)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct nl_buf payload = NL_BUF_INITIALIZER;
    struct dpif_port *ports = NULL;
    struct dpnl_vport req, vport;
    struct nlsock_dump *dump;
    struct nl_msg_view view;
    size_t n = 0, allocated = 0;
    int error;

    memset(&req, 0, sizeof req);
    req.dp_ifindex = dpif->dp_ifindex;
    dpnl_vport_to_payload(&req, &payload);
    dump = nlsock_dump_start(&(struct nl_request) {
        .family = vport_family,
        .cmd = NFVS_VPORT_CMD_GET,
        .version = NFVS_GENL_VERSION,
        .payload = payload.data,
        .payload_size = payload.size,
    });
    while (nlsock_dump_next(dump, &view)) {
        if (dpnl_vport_from_payload(view.payload, view.payload_size,
                                    &vport, NULL)
            || !vport.has_port_no
            || vport.dp_ifindex != dpif->dp_ifindex) {
            continue;
        }
        if (n >= allocated) {
            allocated = allocated ? 2 * allocated : 8;
            ports = xrealloc(ports, allocated * sizeof *ports);
        }
        vport_to_dpif_port(&vport, &ports[n++]);
    }
    error = nlsock_dump_done(dump, NULL);
    nl_buf_uninit(&payload);
    if (error) {
        dpif_port_dump_free(ports, n);
        ports = NULL;
        n = 0;
    }
    *portsp = ports;
    *n_portsp = n;
    return error;
}

/* Flows. */

static void
flow_stats_from_msg(const struct dpnl_flow *f, struct dpif_flow_stats *st)
{
    memset(st, 0, sizeof *st);
    if (f->has_stats) {
        st->n_packets = f->stats.n_packets;
        st->n_bytes = f->stats.n_bytes;
    }
    st->used = f->used;
    st->tcp_flags = f->tcp_flags;
    if (f->has_tcp_seq) {
        st->tcp_seq = f->tcp_seq;
    }
}

/* Sends flow request 'cmd' with 'req'; if 'stats' or 'actions' is
 * nonnull, asks for the flow in the answer and fills them from it. */
static int
flow_transact(const struct dpif_netlink *dpif, uint8_t cmd, uint16_t flags,
              struct dpnl_flow *req, struct dpif_flow_stats *stats,
              struct nl_buf *actions)
{
    struct nl_buf payload = NL_BUF_INITIALIZER;
    struct nl_buf buf = NL_BUF_INITIALIZER;
    bool want_reply = stats || actions || cmd == NFVS_FLOW_CMD_GET;
    struct nl_msg_view view;
    struct dpnl_flow reply;
    int error;

    req->dp_ifindex = dpif->dp_ifindex;
    dpnl_flow_to_payload(req, &payload);
    if (want_reply && cmd != NFVS_FLOW_CMD_GET) {
        flags |= NLM_F_ECHO;
    }
    error = transact(dpif->up.name, flow_family, cmd, flags, &payload,
                     want_reply ? &buf : NULL, NULL);
    if (!error && want_reply && buf.size) {
        size_t size;

        if (nl_msg_view_parse(buf.data, buf.size, &view, &size)
            || view.type != flow_family
            || dpnl_flow_from_payload(view.payload, view.payload_size,
                                      &reply, NULL)) {
            error = EPROTO;
        } else {
            if (stats) {
                flow_stats_from_msg(&reply, stats);
            }
            if (actions && reply.has_actions) {
                nl_buf_put(actions, reply.actions, reply.actions_size);
            }
        }
    } else if (!error && cmd == NFVS_FLOW_CMD_GET) {
        error = EPROTO;
    }
    nl_buf_uninit(&payload);
    nl_buf_uninit(&buf);
    return error;
}

static int
dpif_netlink_flow_put(struct dpif *dpif_, enum dpif_flow_put_flags flags,
                      const void *key, size_t key_size,
                      const void *actions, size_t actions_size,
                      struct dpif_flow_stats *stats)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpnl_flow req;
    uint16_t nlm_flags = 0;

    if (!key_size) {
        return EINVAL;
    }
    memset(&req, 0, sizeof req);
    req.key = key;
    req.key_size = key_size;
    req.has_actions = true;
    req.actions = actions;
    req.actions_size = actions_size;
    req.clear = (flags & DPIF_FP_ZERO_STATS) != 0;
    if (flags & DPIF_FP_CREATE) {
        nlm_flags |= NLM_F_CREATE;
    }
    if (flags & DPIF_FP_MODIFY) {
        nlm_flags |= NLM_F_REPLACE;
    }
    return flow_transact(dpif, NFVS_FLOW_CMD_NEW, nlm_flags, &req, stats,
                         NULL);
}

static int
dpif_netlink_flow_put_execute(struct dpif *dpif_, const void *key,
                              size_t key_size, const void *actions,
                              size_t actions_size,
                              const struct dp_packet *packet)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpnl_flow req;

    if (!key_size || dp_packet_size(packet) < ETH_HEADER_LEN) {
        return EINVAL;
    }
    memset(&req, 0, sizeof req);
    req.key = key;
    req.key_size = key_size;
    req.has_actions = true;
    req.actions = actions;
    req.actions_size = actions_size;
    req.packet = dp_packet_data(packet);
    req.packet_size = dp_packet_size(packet);
    return flow_transact(dpif, NFVS_FLOW_CMD_NEW, NLM_F_CREATE, &req, NULL,
                         NULL);
}

static int
dpif_netlink_flow_del(struct dpif *dpif_, const void *key, size_t key_size,
                      struct dpif_flow_stats *stats)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpnl_flow req;

    if (!key_size) {
        return EINVAL;      /* No key would flush every flow. */
    }
    memset(&req, 0, sizeof req);
    req.key = key;
    req.key_size = key_size;
    return flow_transact(dpif, NFVS_FLOW_CMD_DEL, 0, &req, stats, NULL);
}

static int
dpif_netlink_flow_get(const struct dpif *dpif_, const void *key,
                      size_t key_size, struct nl_buf *actions,
                      struct dpif_flow_stats *stats)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpnl_flow req;

    if (!key_size) {
        return EINVAL;
    }
    memset(&req, 0, sizeof req);
    req.key = key;
    req.key_size = key_size;
    return flow_transact(dpif, NFVS_FLOW_CMD_GET, 0, &req, stats, actions);
}

static int
dpif_netlink_flow_flush(struct dpif *dpif_)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpnl_flow req;

    memset(&req, 0, sizeof req);
    return flow_transact(dpif, NFVS_FLOW_CMD_DEL, 0, &req, NULL, NULL);
}

struct dpif_netlink_flow_dump {
    struct dpif_flow_dump up;
    struct nlsock_dump *dump;   /* The kernel dump. */
    struct nl_buf msgs;         /* Copies of the last batch's payloads. */
    int error;                  /* Malformed reply seen: EPROTO. */
};

static struct dpif_flow_dump *
dpif_netlink_flow_dump_create(const struct dpif *dpif_)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpif_netlink_flow_dump *d = xzalloc(sizeof *d);
    struct nfvs_header hdr = { .dp_ifindex = dpif->dp_ifindex };

    d->dump = nlsock_dump_start(&(struct nl_request) {
        .family = flow_family,
        .cmd = NFVS_FLOW_CMD_GET,
        .version = NFVS_GENL_VERSION,
        .payload = &hdr,
        .payload_size = sizeof hdr,
    });
    nl_buf_init(&d->msgs);
    return &d->up;
}

static size_t
dpif_netlink_flow_dump_next(struct dpif_flow_dump *dump_,
                            struct dpif_flow *flows, size_t max)
{
    struct dpif_netlink_flow_dump *d
        = CONTAINER_OF(dump_, struct dpif_netlink_flow_dump, up);
    size_t *offsets = xcalloc(max, sizeof *offsets);
    size_t *sizes = xcalloc(max, sizeof *sizes);
    struct nl_msg_view view;
    size_t i, n = 0;

    /* The dump's buffer is reused by each receive, so the payloads of a
     * batch are copied into one buffer, then parsed. */
    nl_buf_clear(&d->msgs);
    while (n < max && !d->error && nlsock_dump_next(d->dump, &view)) {
        offsets[n] = d->msgs.size;
        sizes[n] = view.payload_size;
        nl_buf_put(&d->msgs, view.payload, view.payload_size);
        while (d->msgs.size % 8) {
            *(uint8_t *) nl_buf_put_uninit(&d->msgs, 1) = 0;
        }
        n++;
    }
    for (i = 0; i < n; i++) {
        struct dpnl_flow f;

        if (dpnl_flow_from_payload(d->msgs.data + offsets[i], sizes[i], &f,
                                   NULL) || !f.key) {
            d->error = EPROTO;
            n = i;
            break;
        }
        flows[i].key = f.key;
        flows[i].key_size = f.key_size;
        flows[i].actions = f.actions;
        flows[i].actions_size = f.actions_size;
        flow_stats_from_msg(&f, &flows[i].stats);
    }
    free(offsets);
    free(sizes);
    return n;
}

static int
dpif_netlink_flow_dump_destroy(struct dpif_flow_dump *dump_)
{
    struct dpif_netlink_flow_dump *d
        = CONTAINER_OF(dump_, struct dpif_netlink_flow_dump, up);
    int error = nlsock_dump_done(d->dump, NULL);

    if (!error) {
        error = d->error;
    }
    nl_buf_uninit(&d->msgs);
    free(d);
    return error;
}

/* Packets. */

static int
dpif_netlink_execute(struct dpif *dpif_, const struct dp_packet *packet,
                     uint32_t in_port, const void *actions,
                     size_t actions_size)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct nl_buf payload = NL_BUF_INITIALIZER;
    struct nl_buf key = NL_BUF_INITIALIZER;
    struct dpnl_packet req;
    struct flow flow;
    int error;

    if (dp_packet_size(packet) < ETH_HEADER_LEN) {
        return EINVAL;
    }
    /* The key gives the kernel the packet's input port and parsed
     * headers, as the datapath would have extracted them. */
    flow_extract(packet, in_port == DPIF_PORT_ANY ? 0 : in_port, &flow);
    odp_key_from_flow(&key, &flow,
                      in_port == DPIF_PORT_ANY ? NFVS_VPORT_LOCAL : in_port);

    memset(&req, 0, sizeof req);
    req.dp_ifindex = dpif->dp_ifindex;
    req.packet = dp_packet_data(packet);
    req.packet_size = dp_packet_size(packet);
    req.key = key.data;
    req.key_size = key.size;
    req.has_actions = true;
    req.actions = actions;
    req.actions_size = actions_size;
    dpnl_packet_to_payload(&req, &payload);
    error = transact(dpif->up.name, packet_family, NFVS_PACKET_CMD_EXECUTE,
                     0, &payload, NULL, NULL);
    nl_buf_uninit(&payload);
    nl_buf_uninit(&key);
    return error;
}

/* Upcalls. */

static int
dpif_netlink_handlers_set(struct dpif *dpif_, uint32_t n_handlers)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct dpnl_handler *handlers;
    uint32_t *pids;
    struct dpnl_dp req;
    uint32_t i;
    int error = 0;

    handlers = n_handlers ? xcalloc(n_handlers, sizeof *handlers) : NULL;
    pids = n_handlers ? xcalloc(n_handlers, sizeof *pids) : NULL;
    for (i = 0; i < n_handlers; i++) {
        error = nlsock_create(true, &handlers[i].sock);
        if (error) {
            break;
        }
        if (nlsock_set_rcvbuf(handlers[i].sock, UPCALL_RCVBUF)) {
            VLOG_WARN("%s: cannot enlarge the upcall socket buffer",
                      dpif->up.name);
        }
        handlers[i].rx = nl_rxbuf_create(UPCALL_BATCH, UPCALL_SLOT_SIZE);
        pids[i] = nlsock_pid(handlers[i].sock);
    }
    if (!error) {
        memset(&req, 0, sizeof req);
        req.has_upcall_pids = true;
        req.upcall_pids = pids;
        req.n_upcall_pids = n_handlers;
        error = dp_transact(dpif, NFVS_DP_CMD_SET, &req, NULL);
    }
    if (!error) {
        handlers_destroy(dpif);
        dpif->handlers = handlers;
        dpif->n_handlers = n_handlers;
    } else {
        for (i = 0; i < n_handlers; i++) {
            nlsock_destroy(handlers[i].sock);
            nl_rxbuf_destroy(handlers[i].rx);
        }
        free(handlers);
    }
    free(pids);
    return error;
}

/* Fills 'upcall' from the packet message 'view'; returns false for one
 * that is not an upcall. */
static bool
upcall_from_msg(const struct nl_msg_view *view, struct dpif_upcall *upcall)
{
    struct dpnl_packet p;

    if (view->type != packet_family
        || (view->cmd != NFVS_PACKET_CMD_MISS
            && view->cmd != NFVS_PACKET_CMD_ACTION)
        || dpnl_packet_from_payload(view->payload, view->payload_size, &p,
                                    NULL)
        || !p.packet || !p.key) {
        return false;
    }
    memset(upcall, 0, sizeof *upcall);
    upcall->type = (view->cmd == NFVS_PACKET_CMD_MISS
                    ? DPIF_UC_MISS : DPIF_UC_ACTION);
    if (!dpnl_key_in_port(p.key, p.key_size, &upcall->in_port)) {
        return false;
    }
    upcall->packet = dp_packet_clone_data(p.packet, p.packet_size);
    if (p.csum_valid) {
        /* The kernel verified or completed the L4 checksum: conntrack
         * need not check it again. */
        upcall->packet->ol_flags |= DP_PACKET_OL_CSUM_VALID;
    }
    upcall->key = xmemdup(p.key, p.key_size);
    upcall->key_size = p.key_size;
    if (p.userdata) {
        upcall->userdata = xmemdup(p.userdata, p.userdata_size);
        upcall->userdata_size = p.userdata_size;
    }
    upcall->hash = p.hash;
    return true;
}

static int
dpif_netlink_recv_batch(struct dpif *dpif_, uint32_t handler_id,
                        struct dpif_upcall upcalls[], size_t max, size_t *n)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);
    struct nl_msg_view views[UPCALL_BATCH];
    struct dpnl_handler *h;
    size_t i, n_views;
    int error;

    if (handler_id >= dpif->n_handlers) {
        return EINVAL;
    }
    h = &dpif->handlers[handler_id];
    error = nlsock_recv_batch(h->sock, h->rx, views,
                              NFVS_MIN(max, ARRAY_SIZE(views)), &n_views);
    if (error) {
        return error;
    }
    for (i = 0; i < n_views; i++) {
        if (upcall_from_msg(&views[i], &upcalls[*n])) {
            ++*n;
        } else {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

            VLOG_WARN_RL(&rl, "%s: handler %"PRIu32": dropped a malformed "
                         "upcall", dpif->up.name, handler_id);
        }
    }
    return *n ? 0 : EAGAIN;
}

static int
dpif_netlink_handler_get_fd(const struct dpif *dpif_, uint32_t handler_id)
{
    struct dpif_netlink *dpif = dpif_netlink_cast(dpif_);

    return (handler_id < dpif->n_handlers
            ? nlsock_fd(dpif->handlers[handler_id].sock) : -1);
}

static int
dpif_netlink_probe(const struct dpif_class *class NFVS_UNUSED)
{
    return families_get();
}

/* Meters (the nfvs_meter family, which an nfvs.ko without meters lacks:
 * then every meter operation is EOPNOTSUPP). */

static pthread_once_t meter_family_once = PTHREAD_ONCE_INIT;
static int meter_family_error;
static int meter_family;

static void
meter_family_init(void)
{
    meter_family_error = nl_genl_family_lookup(NFVS_METER_FAMILY,
                                               &meter_family);
    if (meter_family_error == ENOENT) {
        meter_family_error = EOPNOTSUPP;
    }
}

/* Sends meter request 'cmd' about meter 'id' of 'dpif' with the
 * attributes of 'm' (NULL: none but the id); if 'stats' is nonnull,
 * stores the counters of the reply there. */
static int
meter_transact(const struct dpif_netlink *dpif, uint8_t cmd, uint16_t flags,
               uint32_t id, const struct ofp_meter *m,
               struct dpif_meter_stats *stats)
{
    struct nfvs_header hdr = { .dp_ifindex = dpif->dp_ifindex };
    struct nl_buf payload = NL_BUF_INITIALIZER;
    struct nl_buf buf = NL_BUF_INITIALIZER;
    struct nl_msg_view view;
    int error;

    pthread_once(&meter_family_once, meter_family_init);
    if (meter_family_error) {
        return meter_family_error;
    }
    nl_buf_put(&payload, &hdr, sizeof hdr);
    nl_put_u32(&payload, NFVS_METER_ATTR_ID, id);
    if (m) {
        uint32_t burst = (m->flags & OFPMF_BURST && m->burst_size
                          ? m->burst_size : m->rate);

        if (m->flags & OFPMF_KBPS) {
            nl_put_flag(&payload, NFVS_METER_ATTR_KBPS);
        }
        nl_put_u32(&payload, NFVS_METER_ATTR_RATE, m->rate);
        nl_put_u32(&payload, NFVS_METER_ATTR_BURST, burst);
    }
    error = transact(dpif->up.name, meter_family, cmd, flags, &payload,
                     stats ? &buf : NULL, stats ? &view : NULL);
    if (!error && stats) {
        static const struct nl_policy policy[] = {
            [NFVS_METER_ATTR_ID] = { true, 4, 4 },
            [NFVS_METER_ATTR_KBPS] = { true, 0, 0 },
            [NFVS_METER_ATTR_RATE] = { true, 4, 4 },
            [NFVS_METER_ATTR_BURST] = { true, 4, 4 },
            [NFVS_METER_ATTR_STATS] = { true,
                                        sizeof(struct nfvs_meter_stats),
                                        sizeof(struct nfvs_meter_stats) },
            [NFVS_METER_ATTR_PAD] = { true, 0, SIZE_MAX },
        };
        const struct nlattr *tb[ARRAY_SIZE(policy)];
        struct nfvs_meter_stats ks;

        if (view.payload_size < sizeof hdr
            || !nl_parse((const uint8_t *) view.payload + sizeof hdr,
                         view.payload_size - sizeof hdr, policy,
                         ARRAY_SIZE(policy), tb, NULL)
            || !tb[NFVS_METER_ATTR_STATS]) {
            error = EPROTO;
        } else {
            memcpy(&ks, nl_attr_get(tb[NFVS_METER_ATTR_STATS]), sizeof ks);
            stats->n_packets = ks.n_packets;
            stats->n_bytes = ks.n_bytes;
            stats->n_band_packets = ks.n_band_packets;
            stats->n_band_bytes = ks.n_band_bytes;
        }
    }
    nl_buf_uninit(&payload);
    nl_buf_uninit(&buf);
    return error;
}

static int
dpif_netlink_meter_set(struct dpif *dpif_, const struct ofp_meter *m)
{
    return meter_transact(dpif_netlink_cast(dpif_), NFVS_METER_CMD_NEW,
                          NLM_F_CREATE | NLM_F_REPLACE, m->meter_id, m,
                          NULL);
}

static int
dpif_netlink_meter_del(struct dpif *dpif_, uint32_t meter_id)
{
    return meter_transact(dpif_netlink_cast(dpif_), NFVS_METER_CMD_DEL, 0,
                          meter_id, NULL, NULL);
}

static int
dpif_netlink_meter_get_stats(const struct dpif *dpif_, uint32_t meter_id,
                             struct dpif_meter_stats *stats)
{
    return meter_transact(dpif_netlink_cast(dpif_), NFVS_METER_CMD_GET, 0,
                          meter_id, NULL, stats);
}

const struct dpif_class dpif_netlink_class = {
    .type = "system",
    .probe = dpif_netlink_probe,
    .list = dpif_netlink_list,
    .port_open_type = dpif_netlink_port_open_type,
    .open = dpif_netlink_open,
    .close = dpif_netlink_close,
    .destroy = dpif_netlink_destroy,
    .get_stats = dpif_netlink_get_stats,
    .set_flow_limit = dpif_netlink_set_flow_limit,
    .port_add = dpif_netlink_port_add,
    .port_del = dpif_netlink_port_del,
    .port_query = dpif_netlink_port_query,
    .port_dump = dpif_netlink_port_dump,
    .port_get_stats = dpif_netlink_port_get_stats,
    .flow_put = dpif_netlink_flow_put,
    .flow_put_execute = dpif_netlink_flow_put_execute,
    .flow_del = dpif_netlink_flow_del,
    .flow_get = dpif_netlink_flow_get,
    .flow_flush = dpif_netlink_flow_flush,
    .flow_dump_create = dpif_netlink_flow_dump_create,
    .flow_dump_next = dpif_netlink_flow_dump_next,
    .flow_dump_destroy = dpif_netlink_flow_dump_destroy,
    .execute = dpif_netlink_execute,
    .handlers_set = dpif_netlink_handlers_set,
    .recv_batch = dpif_netlink_recv_batch,
    .handler_get_fd = dpif_netlink_handler_get_fd,
    .meter_set = dpif_netlink_meter_set,
    .meter_del = dpif_netlink_meter_del,
    .meter_get_stats = dpif_netlink_meter_get_stats,
};
