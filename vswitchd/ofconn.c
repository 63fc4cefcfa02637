/* vswitchd/ofconn.c: OpenFlow 1.3 connections of the bridges (see
 * ofconn.h). */
#include <config.h>
#include "ofconn.h"
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bridge.h"
#include "dynamic-string.h"
#include "flow-table.h"
#include "netdev.h"
#include "ofproto.h"
#include "ofp-flow.h"
#include "ofp-msgs.h"
#include "stream.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(ofconn);

struct ofmgr;

/* What PORT_STATUS reports of a port, as last seen. */
struct ofport_seen {
    uint32_t ofport;
    char *name;
    bool admin_up;
    bool carrier;
};

/* A connection stops reading while more than this many bytes of its
 * replies wait to be sent, so that a peer that does not read cannot make
 * the daemon buffer without bound. */
#define OFCONN_MAX_OUTPUT (1024 * 1024)

/* The listener of one bridge. */
struct oflistener {
    struct ofmgr *mgr;
    char *br_name;              /* Bridge it serves. */
    struct pstream *pstream;    /* punix:RUNDIR/BR.mgmt. */
    struct event *accept_ev;    /* Readable listening socket. */
    struct oflistener *next;    /* In 'mgr->listeners'. */
    bool seen;                  /* Scratch for ofmgr_run(). */
    bool has_generation;        /* A master or slave request set... */
    uint64_t generation_id;     /* ...the last generation id. */
    struct ofport_seen *ports;  /* The bridge's ports, sorted by ofport,
                                 * as last reported. */
    size_t n_ports;
};

/* One OpenFlow connection. */
struct ofconn {
    struct oflistener *listener;
    struct bufferevent *bev;
    bool got_hello;             /* Peer's HELLO allowed 1.3. */
    bool closing;               /* Close once output is flushed. */
    bool paused;                /* Not reading until output drains. */
    uint16_t config_flags;      /* SET_CONFIG values, for GET_CONFIG. */
    uint16_t miss_send_len;
    uint32_t role;              /* OFPCR_ROLE_EQUAL, _MASTER, _SLAVE. */
    struct ofconn *next;        /* In 'mgr->conns'. */
};

struct ofmgr {
    struct event_base *base;
    struct bridge_set *bridges;
    char *rundir;
    struct oflistener *listeners;
    struct ofconn *conns;
    long long int next_port_check; /* When to compare ports again (ms). */
};

/* Ports are compared with the last PORT_STATUS this often at most. */
#define OFMGR_PORT_CHECK_MS 200

static void ofconn_destroy(struct ofconn *);

struct ofmgr *
ofmgr_create(struct event_base *base, struct bridge_set *bridges,
             const char *rundir)
{
    struct ofmgr *mgr = xzalloc(sizeof *mgr);

    mgr->base = base;
    mgr->bridges = bridges;
    mgr->rundir = xstrdup(rundir);
    return mgr;
}

static void
ofports_free(struct ofport_seen *ports, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ports[i].name);
    }
    free(ports);
}

/* Reads the ports of bridge 'br' into a new array of '*n'. */
static struct ofport_seen *
ofports_read(const struct bridge *br, size_t *n)
{
    struct ofport_seen *seen;
    struct port **ports;

    ports = bridge_ports_sorted(br, n);
    seen = xcalloc(*n ? *n : 1, sizeof *seen);
    for (size_t i = 0; i < *n; i++) {
        struct netdev_link_state state;
        struct netdev_stats stats;

        bridge_port_get_stats(ports[i], &stats, &state);
        seen[i].ofport = ports[i]->ofport;
        seen[i].name = xstrdup(ports[i]->name);
        seen[i].admin_up = state.admin_up;
        seen[i].carrier = state.carrier;
    }
    free(ports);
    return seen;
}

static void
oflistener_port_status(struct oflistener *l, uint8_t reason,
                       const struct ofport_seen *p)
{
    struct ds msg = DS_EMPTY_INITIALIZER;
    struct ds port = DS_EMPTY_INITIALIZER;

    ofp_put_port(&port, p->ofport, p->name, p->admin_up, p->carrier);
    ofp_put_port_status(&msg, reason, &port);
    for (struct ofconn *conn = l->mgr->conns; conn; conn = conn->next) {
        if (conn->listener == l && conn->got_hello && !conn->closing) {
            bufferevent_write(conn->bev, msg.string, msg.length);
        }
    }
    ds_destroy(&port);
    ds_destroy(&msg);
}

/* Sends PORT_STATUS for every port of 'br' added, deleted or changed
 * since the last call. */
static void
oflistener_check_ports(struct oflistener *l, const struct bridge *br)
{
    struct ofport_seen *old = l->ports, *new;
    size_t n_old = l->n_ports, n_new, i = 0, j = 0;

    new = ofports_read(br, &n_new);
    while (i < n_old || j < n_new) {
        if (j >= n_new || (i < n_old && old[i].ofport < new[j].ofport)) {
            oflistener_port_status(l, OFPPR_DELETE, &old[i++]);
        } else if (i >= n_old || new[j].ofport < old[i].ofport) {
            oflistener_port_status(l, OFPPR_ADD, &new[j++]);
        } else {
            if (strcmp(old[i].name, new[j].name)) {
                oflistener_port_status(l, OFPPR_DELETE, &old[i]);
                oflistener_port_status(l, OFPPR_ADD, &new[j]);
            } else if (old[i].admin_up != new[j].admin_up
                       || old[i].carrier != new[j].carrier) {
                oflistener_port_status(l, OFPPR_MODIFY, &new[j]);
            }
            i++;
            j++;
        }
    }
    ofports_free(old, n_old);
    l->ports = new;
    l->n_ports = n_new;
}

static void
oflistener_destroy(struct oflistener *l)
{
    struct ofmgr *mgr = l->mgr;
    struct ofconn **cp = &mgr->conns;

    while (*cp) {
        struct ofconn *conn = *cp;

        if (conn->listener == l) {
            *cp = conn->next;
            conn->next = NULL;
            conn->listener = NULL;
            ofconn_destroy(conn);
        } else {
            cp = &conn->next;
        }
    }
    ofports_free(l->ports, l->n_ports);
    event_free(l->accept_ev);
    pstream_close(l->pstream);
    free(l->br_name);
    free(l);
}

void
ofmgr_destroy(struct ofmgr *mgr)
{
    if (!mgr) {
        return;
    }
    while (mgr->listeners) {
        struct oflistener *l = mgr->listeners;

        mgr->listeners = l->next;
        oflistener_destroy(l);
    }
    free(mgr->rundir);
    free(mgr);
}

/* Frees 'conn', which is no longer in 'mgr->conns'. */
static void
ofconn_destroy(struct ofconn *conn)
{
    bufferevent_free(conn->bev);
    free(conn);
}

static void
ofconn_remove(struct ofconn *conn)
{
    struct ofmgr *mgr = conn->listener->mgr;
    struct ofconn **cp;

    for (cp = &mgr->conns; *cp; cp = &(*cp)->next) {
        if (*cp == conn) {
            *cp = conn->next;
            break;
        }
    }
    ofconn_destroy(conn);
}

static void
ofconn_send(struct ofconn *conn, struct ds *out)
{
    bufferevent_write(conn->bev, out->string, out->length);
    ds_clear(out);
}

/* Sends 'error' about 'msg' (NULL: none). */
static void
ofconn_send_error(struct ofconn *conn, const struct ofp_msg *msg,
                  uint16_t type, uint16_t code)
{
    struct ofp_error error = { type, code };
    struct ds out = DS_EMPTY_INITIALIZER;

    ofp_put_error(&out, msg, &error);
    ofconn_send(conn, &out);
    ds_destroy(&out);
}

/* FLOW_MOD flags. */
enum {
    OFPFF_SEND_FLOW_REM = 1 << 0,
    OFPFF_CHECK_OVERLAP = 1 << 1,
    OFPFF_RESET_COUNTS = 1 << 2,
};

/* Applies FLOW_MOD 'msg' to the bridge, with OpenFlow 1.3's semantics:
 * an add that replaces a flow keeps its counters unless RESET_COUNTS, a
 * modify that matches nothing adds nothing. */
static void
ofconn_flow_mod(struct ofconn *conn, const struct ofp_msg *msg)
{
    struct ofmgr *mgr = conn->listener->mgr;
    struct flow_mod_spec spec;
    struct ofp_error error;
    uint16_t flags;
    char *err = NULL;
    int retval;

    if (!ofp_decode_flow_mod(msg, &spec, &flags, &error)) {
        ofconn_send_error(conn, msg, error.type, error.code);
        return;
    }
    if (flags & OFPFF_SEND_FLOW_REM) {
        /* No FLOW_REMOVED messages yet. */
        flow_mod_spec_uninit(&spec);
        ofconn_send_error(conn, msg, OFPET_FLOW_MOD_FAILED,
                          OFPFMFC_BAD_FLAGS);
        return;
    }
    spec.of13 = true;
    spec.flags = ((flags & OFPFF_CHECK_OVERLAP ? FLOW_MOD_F_CHECK_OVERLAP : 0)
                  | (flags & OFPFF_RESET_COUNTS ? FLOW_MOD_F_RESET_COUNTS
                     : 0));
    retval = bridge_flow_mods(mgr->bridges, conn->listener->br_name,
                              &spec, 1, &err);
    flow_mod_spec_uninit(&spec);
    if (retval) {
        uint16_t code = (retval == ENOSPC ? OFPFMFC_TABLE_FULL
                         : retval == EEXIST ? OFPFMFC_OVERLAP
                         : OFPFMFC_UNKNOWN);

        VLOG_INFO("%s: flow mod failed: %s", conn->listener->br_name,
                  err ? err : strerror(retval));
        ofconn_send_error(conn, msg, OFPET_FLOW_MOD_FAILED, code);
    }
    free(err);
}

/* What a FLOW or AGGREGATE multipart walk collects. */
struct ofconn_flow_aux {
    struct ofp_mp_reply reply;  /* FLOW: the reply being built. */
    uint64_t packets, bytes;    /* AGGREGATE: the sums. */
    uint32_t flows;
};

static void
ofconn_flow_stats_cb(const struct ofp_flow_desc *desc,
                     const struct ofp_flow_stats *stats,
                     const char *match NFVS_UNUSED, void *aux_)
{
    struct ofconn_flow_aux *aux = aux_;
    struct ds entry = DS_EMPTY_INITIALIZER;

    ofp_put_flow_stats(&entry, desc, stats);
    ofp_mp_reply_add(&aux->reply, &entry);
    ds_destroy(&entry);
}

static void
ofconn_aggregate_cb(const struct ofp_flow_desc *desc NFVS_UNUSED,
                    const struct ofp_flow_stats *stats,
                    const char *match NFVS_UNUSED, void *aux_)
{
    struct ofconn_flow_aux *aux = aux_;

    aux->packets += stats->n_packets;
    aux->bytes += stats->n_bytes;
    aux->flows++;
}

/* Answers MULTIPART_REQUEST 'msg' into 'out'. */
static void
ofconn_multipart(struct ofconn *conn, const struct ofp_msg *msg,
                 struct ds *out)
{
    struct bridge *br = bridge_find(conn->listener->mgr->bridges,
                                    conn->listener->br_name);
    uint16_t type = (msg->data[8] << 8) | msg->data[9];
    struct ds entry = DS_EMPTY_INITIALIZER;
    struct ofconn_flow_aux aux;
    struct flow_mod_spec filter;
    struct ofp_error error;
    struct flow_table *ft;

    if (!br) {
        return;
    }
    ft = ofproto_get_tables(br->ofproto);
    memset(&aux, 0, sizeof aux);
    switch (type) {
    case OFPMP_DESC:
        if (msg->size != 16) {
            goto bad_len;
        }
        ofp_mp_reply_init(&aux.reply, out, type, msg->xid);
        ofp_put_desc(&entry, "nfvs", "nfvs", PACKAGE_VERSION, "None",
                     br->name);
        break;
    case OFPMP_FLOW:
    case OFPMP_AGGREGATE:
        if (!ofp_decode_flow_stats_request(msg, &filter, &error)) {
            ofconn_send_error(conn, msg, error.type, error.code);
            return;
        }
        ofp_mp_reply_init(&aux.reply, out, type, msg->xid);
        ofproto_for_each_flow(br->ofproto, &filter,
                              (type == OFPMP_FLOW ? ofconn_flow_stats_cb
                               : ofconn_aggregate_cb), &aux);
        flow_mod_spec_uninit(&filter);
        if (type == OFPMP_AGGREGATE) {
            ofp_put_aggregate(&entry, aux.packets, aux.bytes, aux.flows);
        }
        break;
    case OFPMP_TABLE:
        if (msg->size != 16) {
            goto bad_len;
        }
        ofp_mp_reply_init(&aux.reply, out, type, msg->xid);
        for (int i = 0; i < FLOW_TABLE_N_TABLES; i++) {
            uint8_t e[24] = { i };
            uint32_t n = flow_table_count(ft, i);

            e[4] = n >> 24;
            e[5] = n >> 16;
            e[6] = n >> 8;
            e[7] = n;
            ds_put_buffer(&entry, (const char *) e, sizeof e);
        }
        break;
    case OFPMP_TABLE_FEATURES:
        if (msg->size != 16) {
            /* Setting table features is not supported. */
            ofconn_send_error(conn, msg, OFPET_BAD_REQUEST, OFPBRC_EPERM);
            return;
        }
        ofp_mp_reply_init(&aux.reply, out, type, msg->xid);
        for (int i = 0; i < FLOW_TABLE_N_TABLES; i++) {
            ofp_put_table_features(&entry, i, UINT32_MAX);
            ofp_mp_reply_add(&aux.reply, &entry);
            ds_clear(&entry);
        }
        break;
    case OFPMP_PORT_DESC:
    case OFPMP_PORT_STATS: {
        uint32_t want = OFPP_NONE;
        struct port **ports;
        size_t n;

        if (type == OFPMP_PORT_DESC ? msg->size != 16 : msg->size != 24) {
            goto bad_len;
        }
        if (type == OFPMP_PORT_STATS
            && !ofp13_port_to_port(((uint32_t) msg->data[16] << 24
                                    | msg->data[17] << 16
                                    | msg->data[18] << 8
                                    | msg->data[19]), &want)) {
            ofconn_send_error(conn, msg, OFPET_BAD_REQUEST,
                              OFPBRC_BAD_PORT);
            return;
        }
        ofp_mp_reply_init(&aux.reply, out, type, msg->xid);
        ports = bridge_ports_sorted(br, &n);
        for (size_t i = 0; i < n; i++) {
            struct netdev_link_state state;
            struct netdev_stats stats;

            if (want != OFPP_NONE && ports[i]->ofport != want) {
                continue;
            }
            bridge_port_get_stats(ports[i], &stats, &state);
            if (type == OFPMP_PORT_DESC) {
                ofp_put_port(&entry, ports[i]->ofport, ports[i]->name,
                             state.admin_up, state.carrier);
            } else {
                ofp_put_port_stats(&entry, ports[i]->ofport, &stats);
            }
        }
        free(ports);
        break;
    }
    default:
        ofconn_send_error(conn, msg, OFPET_BAD_REQUEST,
                          OFPBRC_BAD_MULTIPART);
        return;
    }
    if (entry.length) {
        ofp_mp_reply_add(&aux.reply, &entry);
    }
    ofp_mp_reply_finish(&aux.reply);
    ds_destroy(&entry);
    return;

bad_len:
    ofconn_send_error(conn, msg, OFPET_BAD_REQUEST, OFPBRC_BAD_LEN);
}

/* Controller roles. */
enum {
    OFPCR_ROLE_NOCHANGE = 0,
    OFPCR_ROLE_EQUAL = 1,
    OFPCR_ROLE_MASTER = 2,
    OFPCR_ROLE_SLAVE = 3,
};

static uint64_t
get_be64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

/* Answers ROLE_REQUEST 'msg' into 'out', as OpenFlow 1.3 section 6.3.5
 * says: a new master makes the bridge's other master a slave; master and
 * slave requests with a generation id older than the last one fail. */
static void
ofconn_role_request(struct ofconn *conn, const struct ofp_msg *msg,
                    struct ds *out)
{
    struct oflistener *l = conn->listener;
    uint32_t role = ((uint32_t) msg->data[8] << 24 | msg->data[9] << 16
                     | msg->data[10] << 8 | msg->data[11]);
    uint64_t generation_id = get_be64(msg->data + 16);

    if (role > OFPCR_ROLE_SLAVE) {
        ofconn_send_error(conn, msg, OFPET_ROLE_REQUEST_FAILED,
                          OFPRRFC_BAD_ROLE);
        return;
    }
    if (role == OFPCR_ROLE_MASTER || role == OFPCR_ROLE_SLAVE) {
        if (l->has_generation
            && (int64_t) (generation_id - l->generation_id) < 0) {
            ofconn_send_error(conn, msg, OFPET_ROLE_REQUEST_FAILED,
                              OFPRRFC_STALE);
            return;
        }
        l->has_generation = true;
        l->generation_id = generation_id;
    }
    if (role == OFPCR_ROLE_MASTER) {
        for (struct ofconn *c = l->mgr->conns; c; c = c->next) {
            if (c->listener == l && c != conn
                && c->role == OFPCR_ROLE_MASTER) {
                c->role = OFPCR_ROLE_SLAVE;
            }
        }
    }
    if (role != OFPCR_ROLE_NOCHANGE) {
        conn->role = role;
    }
    ofp_put_role_reply(out, msg->xid, conn->role,
                       l->has_generation ? l->generation_id : 0);
}

/* Handles one framed message; returns false if the connection must
 * close. */
static bool
ofconn_handle(struct ofconn *conn, const struct ofp_msg *msg)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ofp_error error;

    if (!conn->got_hello) {
        if (msg->type != OFPT_HELLO || !ofp_hello_allows_13(msg)) {
            VLOG_INFO("%s: peer does not speak OpenFlow 1.3 (version "
                      "0x%02x); closing", conn->listener->br_name,
                      msg->version);
            ofconn_send_error(conn, msg, OFPET_HELLO_FAILED,
                              OFPHFC_INCOMPATIBLE);
            return false;
        }
        conn->got_hello = true;
        return true;
    }
    if (!ofp_msg_check(msg, &error)) {
        ofconn_send_error(conn, msg, error.type, error.code);
        return true;
    }
    if (conn->role == OFPCR_ROLE_SLAVE
        && (msg->type == OFPT_FLOW_MOD || msg->type == OFPT_PACKET_OUT
            || msg->type == OFPT_GROUP_MOD || msg->type == OFPT_PORT_MOD
            || msg->type == OFPT_TABLE_MOD || msg->type == OFPT_METER_MOD)) {
        ofconn_send_error(conn, msg, OFPET_BAD_REQUEST, OFPBRC_IS_SLAVE);
        return true;
    }
    switch (msg->type) {
    case OFPT_HELLO:
    case OFPT_ECHO_REPLY:
    case OFPT_ERROR:
        break;
    case OFPT_ECHO_REQUEST:
        ofp_put_echo_reply(&out, msg);
        break;
    case OFPT_FEATURES_REQUEST: {
        struct bridge *br = bridge_find(conn->listener->mgr->bridges,
                                        conn->listener->br_name);

        ofp_put_features_reply(&out, msg->xid, br ? br->serial : 0);
        break;
    }
    case OFPT_GET_CONFIG_REQUEST:
        ofp_put_get_config_reply(&out, msg->xid, conn->config_flags,
                                 conn->miss_send_len);
        break;
    case OFPT_SET_CONFIG:
        conn->config_flags = (msg->data[8] << 8) | msg->data[9];
        conn->miss_send_len = (msg->data[10] << 8) | msg->data[11];
        break;
    case OFPT_BARRIER_REQUEST:
        /* Messages are handled in order, each completely. */
        ofp_put_empty(&out, OFPT_BARRIER_REPLY, msg->xid);
        break;
    case OFPT_FLOW_MOD:
        ofconn_flow_mod(conn, msg);
        break;
    case OFPT_MULTIPART_REQUEST:
        ofconn_multipart(conn, msg, &out);
        break;
    case OFPT_ROLE_REQUEST:
        ofconn_role_request(conn, msg, &out);
        break;
    default:
        ofconn_send_error(conn, msg, OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE);
        break;
    }
    if (out.length) {
        ofconn_send(conn, &out);
    }
    ds_destroy(&out);
    return true;
}

static void
ofconn_read_cb(struct bufferevent *bev, void *conn_)
{
    struct evbuffer *input = bufferevent_get_input(bev);
    struct ofconn *conn = conn_;

    while (!conn->closing) {
        size_t avail = evbuffer_get_length(input);
        const uint8_t *data;
        struct ofp_msg msg;
        int retval;

        if (evbuffer_get_length(bufferevent_get_output(bev))
            > OFCONN_MAX_OUTPUT) {
            conn->paused = true;
            bufferevent_disable(bev, EV_READ);
            return;
        }
        data = evbuffer_pullup(input, NFVS_MIN(avail, 65535));
        retval = ofp_msg_frame(data, NFVS_MIN(avail, 65535), &msg);
        if (retval == EAGAIN) {
            break;
        }
        if (retval) {
            VLOG_INFO("%s: message length below 8; closing",
                      conn->listener->br_name);
            conn->closing = true;
            break;
        }
        if (!ofconn_handle(conn, &msg)) {
            conn->closing = true;
        }
        evbuffer_drain(input, msg.size);
    }
    if (conn->closing) {
        bufferevent_disable(bev, EV_READ);
        if (!evbuffer_get_length(bufferevent_get_output(bev))) {
            ofconn_remove(conn);
        }
    }
}

static void
ofconn_write_cb(struct bufferevent *bev, void *conn_)
{
    struct ofconn *conn = conn_;

    if (conn->closing && !evbuffer_get_length(bufferevent_get_output(bev))) {
        ofconn_remove(conn);
    } else if (conn->paused) {
        conn->paused = false;
        bufferevent_enable(bev, EV_READ);
        ofconn_read_cb(bev, conn);
    }
}

static void
ofconn_event_cb(struct bufferevent *bev NFVS_UNUSED, short events,
                void *conn_)
{
    if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        ofconn_remove(conn_);
    }
}

static void
oflistener_ready_cb(struct bufferevent *bev, const char *refusal,
                    void *l_)
{
    struct oflistener *l = l_;
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ofconn *conn;

    if (refusal) {
        bufferevent_free(bev);
        return;
    }
    conn = xzalloc(sizeof *conn);
    conn->listener = l;
    conn->bev = bev;
    conn->miss_send_len = 128;
    conn->role = OFPCR_ROLE_EQUAL;
    conn->next = l->mgr->conns;
    l->mgr->conns = conn;
    bufferevent_setcb(bev, ofconn_read_cb, ofconn_write_cb, ofconn_event_cb,
                      conn);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    ofp_put_hello(&out, 0);
    ofconn_send(conn, &out);
    ds_destroy(&out);
}

static void
oflistener_accept_cb(evutil_socket_t fd, short events NFVS_UNUSED,
                     void *l_)
{
    struct oflistener *l = l_;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (cfd < 0) {
        return;
    }
    pstream_accept(l->pstream, l->mgr->base, cfd, oflistener_ready_cb, l);
}

static void
oflistener_create(struct ofmgr *mgr, const struct bridge *br)
{
    const char *br_name = br->name;
    struct oflistener *l;
    struct pstream *pstream;
    char *name, *err = NULL;

    name = xasprintf("punix:%s/%s.mgmt", mgr->rundir, br_name);
    if (pstream_open(name, &pstream, &err)) {
        VLOG_WARN("%s", err);
        free(err);
        free(name);
        return;
    }
    free(name);
    l = xzalloc(sizeof *l);
    l->mgr = mgr;
    l->br_name = xstrdup(br_name);
    l->pstream = pstream;
    l->accept_ev = event_new(mgr->base, pstream_get_fd(pstream),
                             EV_READ | EV_PERSIST, oflistener_accept_cb, l);
    if (!l->accept_ev) {
        nfvs_fatal(0, "cannot create libevent event");
    }
    event_add(l->accept_ev, NULL);
    l->seen = true;
    l->ports = ofports_read(br, &l->n_ports);
    l->next = mgr->listeners;
    mgr->listeners = l;
}

void
ofmgr_run(struct ofmgr *mgr)
{
    long long int now = time_msec();
    bool check_ports = now >= mgr->next_port_check;
    struct oflistener **lp, *l;
    struct bridge **brs;
    size_t n, i;

    if (check_ports) {
        mgr->next_port_check = now + OFMGR_PORT_CHECK_MS;
    }
    for (l = mgr->listeners; l; l = l->next) {
        l->seen = false;
    }
    brs = bridge_set_sorted(mgr->bridges, &n);
    for (i = 0; i < n; i++) {
        for (l = mgr->listeners; l; l = l->next) {
            if (!strcmp(l->br_name, brs[i]->name)) {
                l->seen = true;
                if (check_ports) {
                    oflistener_check_ports(l, brs[i]);
                }
                break;
            }
        }
        if (!l) {
            oflistener_create(mgr, brs[i]);
        }
    }
    free(brs);
    for (lp = &mgr->listeners; *lp; ) {
        l = *lp;
        if (!l->seen) {
            *lp = l->next;
            oflistener_destroy(l);
        } else {
            lp = &l->next;
        }
    }
}
