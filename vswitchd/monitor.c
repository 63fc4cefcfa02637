#include <config.h>
#include "monitor.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "bridge-rpc.h"
#include "bridge.h"
#include "conntrack.h"
#include "dynamic-string.h"
#include "flow-table.h"
#include "hash.h"
#include "hmap.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "list.h"
#include "ofp-actions.h"
#include "ofp-flow.h"
#include "ofproto.h"
#include "rpc-server.h"
#include "rtnl-link.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(monitor);

enum monitor_kind {
    MONITOR_BRIDGE,
    MONITOR_PORT,
    MONITOR_LINK,
    MONITOR_FLOW,
    MONITOR_CONNTRACK,
    MONITOR_GROUP,
    MONITOR_N_KINDS
};

static const char *const kind_names[MONITOR_N_KINDS] = {
    [MONITOR_BRIDGE] = "bridge",
    [MONITOR_PORT] = "port",
    [MONITOR_LINK] = "link",
    [MONITOR_FLOW] = "flow",
    [MONITOR_CONNTRACK] = "conntrack",
    [MONITOR_GROUP] = "group",
};

/* Kinds a subscription gets when its filter names none: all but
 * conntrack, which may be many and must be asked for, and group, which
 * came later (a default that grew would surprise existing clients). */
#define MONITOR_DEFAULT_KINDS ((1u << MONITOR_N_KINDS) - 1 \
                               - (1u << MONITOR_CONNTRACK) \
                               - (1u << MONITOR_GROUP))

/* One event in a subscription's queue. */
struct monitor_entry {
    struct nfvs_list node;          /* In 'sub->queue'. */
    json_t *event;                  /* The notification's params; shared
                                     * by every subscription that has it
                                     * (reference counted). */
    size_t size;                    /* 'event''s encoded size, bytes. */
    uint64_t n_dropped_before;      /* Events dropped just before it. */
};

/* One subscription: a connection that called "monitor". */
struct monitor_sub {
    struct nfvs_list node;          /* In 'monitor.subs'. */
    struct rpc_conn *conn;          /* Its connection. */
    unsigned int kinds;             /* 1 << MONITOR_* for each kind. */
    char *bridge;                   /* Only this bridge's events, or NULL
                                     * for every bridge's. */
    struct nfvs_list queue;         /* "struct monitor_entry"s, oldest
                                     * first, not yet sent. */
    size_t queue_size;              /* Sum of their 'size'. */
    uint64_t n_dropped;             /* Events dropped since the last one
                                     * queued (a gap not yet sent). */
};

/* A kernel network device's last known state. */
struct monitor_link {
    struct hmap_node node;          /* In 'monitor.links', by name. */
    char *name;                     /* Device name. */
    bool up;                        /* Up and with carrier. */
};

/* The daemon's subscriptions. */
static struct {
    struct bridge_set *bs;          /* Bridges whose events we report. */
    struct event_base *base;        /* Event loop. */

    /* Kernel link notifications, while a subscription wants link
     * events. */
    struct rtnl_link_monitor *rtnl; /* Or NULL. */
    struct event *rtnl_event;       /* Reads 'rtnl'. */
    struct hmap links;              /* "struct monitor_link"s. */

    struct nfvs_list subs;          /* "struct monitor_sub"s. */
    size_t n_subs;                  /* Length of 'subs'. */
    unsigned int n_wanting[MONITOR_N_KINDS]; /* Subscriptions that want
                                              * each kind. */
    size_t max_queue_size;          /* Bytes in one subscription's queue,
                                     * plus one event. */
} monitor = {
    .subs = NFVS_LIST_INITIALIZER(&monitor.subs),
    .links = HMAP_INITIALIZER(&monitor.links),
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Conntrack events happen in the threads that track connections, with
 * the tracker's lock held: they cross to the main thread through this
 * queue, at most MONITOR_CT_QUEUE_MAX of them at a time (more are counted
 * as dropped and reported as a gap). */
#define MONITOR_CT_QUEUE_MAX 4096

struct monitor_ct_event {
    struct nfvs_list node;          /* In 'ct_queue.events'. */
    char *bridge;                   /* Bridge name. */
    bool new;                       /* Committed, or gone. */
    uint64_t id;                    /* Connection id. */
    uint16_t zone;                  /* Its zone. */
    char *text;                     /* As dump-conntrack prints it. */
};

static struct {
    pthread_mutex_t mutex;          /* Protects the members below it. */
    struct nfvs_list events;        /* "struct monitor_ct_event"s. */
    size_t n_events;                /* Length of 'events'. */
    uint64_t n_dropped;             /* Dropped since the queue was read. */

    int fd;                         /* eventfd: readable while 'events' or
                                     * 'n_dropped' wait (main thread). */
    struct event *event;            /* Reads 'fd' (main thread). */
    bool wanted;                    /* Some subscription wants conntrack
                                     * events (atomic). */
} ct_queue = {
    .mutex = PTHREAD_MUTEX_INITIALIZER,
    .events = NFVS_LIST_INITIALIZER(&ct_queue.events),
    .fd = -1,
};

/* Sending. */

static void
monitor_entry_free(struct monitor_entry *e)
{
    json_decref(e->event);
    free(e);
}

/* Sends what 'sub''s connection has room for: queued events, each
 * preceded by a gap notification when events were dropped before it,
 * then a gap notification for events dropped after the last one. */
static void
monitor_sub_flush(struct monitor_sub *sub)
{
    for (;;) {
        struct monitor_entry *e = NULL;
        uint64_t *n_dropped;
        int error;

        if (!nfvs_list_is_empty(&sub->queue)) {
            e = CONTAINER_OF(sub->queue.next, struct monitor_entry, node);
            n_dropped = &e->n_dropped_before;
        } else {
            n_dropped = &sub->n_dropped;
        }
        if (*n_dropped) {
            error = rpc_server_notify(sub->conn, "event",
                                      json_pack("{s:s, s:I}", "kind", "gap",
                                                "dropped",
                                                (json_int_t) *n_dropped));
            if (error) {
                return;
            }
            *n_dropped = 0;
        }
        if (!e) {
            return;
        }

        error = rpc_server_notify(sub->conn, "event",
                                  json_incref(e->event));
        if (error == EMSGSIZE) {
            /* Longer than --max-answer-size: reported as a gap. */
            VLOG_WARN_RL(&rl, "an event of %zu bytes is longer than the "
                         "answer size limit: dropped", e->size);
            if (e->node.next != &sub->queue) {
                CONTAINER_OF(e->node.next, struct monitor_entry,
                             node)->n_dropped_before++;
            } else {
                sub->n_dropped++;
            }
        } else if (error) {
            return;
        }
        nfvs_list_remove(&e->node);
        sub->queue_size -= e->size;
        monitor_entry_free(e);
    }
}

static void
monitor_writable_cb(struct rpc_conn *conn NFVS_UNUSED, void *sub)
{
    monitor_sub_flush(sub);
}

/* Returns true if 'sub' wants events of 'kind' about bridge 'br_name'. */
static bool
monitor_sub_wants(const struct monitor_sub *sub, enum monitor_kind kind,
                  const char *br_name)
{
    return (sub->kinds & (1u << kind)
            && (!sub->bridge || !strcmp(sub->bridge, br_name)));
}

/* An event being published: built at most once, only if a subscription
 * has room for it. */
struct monitor_pub {
    enum monitor_kind kind;         /* Its kind. */
    const char *bridge;             /* Its bridge. */
    json_t *event;                  /* Built, or NULL. */
    size_t size;                    /* Encoded size of 'event'. */
};

/* Starts publishing an event of 'kind' about 'bridge'.  Returns false if
 * no subscription wants it, in which case there is nothing more to do. */
static bool
monitor_pub_start(struct monitor_pub *pub, enum monitor_kind kind,
                  const char *bridge)
{
    struct monitor_sub *sub;

    if (!monitor.n_wanting[kind]) {
        return false;
    }
    pub->kind = kind;
    pub->bridge = bridge;
    pub->event = NULL;
    pub->size = 0;
    NFVS_LIST_FOR_EACH (sub, node, &monitor.subs) {
        if (monitor_sub_wants(sub, kind, bridge)) {
            return true;
        }
    }
    return false;
}

/* Returns true if 'pub' needs its event: some subscription that wants it
 * has room in its queue. */
static bool
monitor_pub_needs_event(const struct monitor_pub *pub)
{
    struct monitor_sub *sub;

    if (pub->event) {
        return false;
    }
    NFVS_LIST_FOR_EACH (sub, node, &monitor.subs) {
        if (monitor_sub_wants(sub, pub->kind, pub->bridge)
            && sub->queue_size < monitor.max_queue_size) {
            return true;
        }
    }
    return false;
}

/* Queues 'pub''s event ('event', consumed, built only if
 * monitor_pub_needs_event() said so; NULL otherwise) on every
 * subscription that wants it, or counts it as dropped on those whose
 * queue is full, and sends what can be sent. */
static void
monitor_pub_finish(struct monitor_pub *pub, json_t *event)
{
    struct monitor_sub *sub;

    if (event) {
        pub->event = event;
        pub->size = json_dumpb(event, NULL, 0, JSON_COMPACT);
    }
    NFVS_LIST_FOR_EACH (sub, node, &monitor.subs) {
        struct monitor_entry *e;

        if (!monitor_sub_wants(sub, pub->kind, pub->bridge)) {
            continue;
        }
        if (sub->queue_size >= monitor.max_queue_size || !pub->event) {
            sub->n_dropped++;
            continue;
        }
        e = xmalloc(sizeof *e);
        e->event = json_incref(pub->event);
        e->size = pub->size;
        e->n_dropped_before = sub->n_dropped;
        sub->n_dropped = 0;
        nfvs_list_push_back(&sub->queue, &e->node);
        sub->queue_size += e->size;
        monitor_sub_flush(sub);
    }
    json_decref(pub->event);
    pub->event = NULL;
}

/* Hooks. */

void
monitor_bridge_changed(const char *name, bool added)
{
    struct monitor_pub pub;

    if (monitor_pub_start(&pub, MONITOR_BRIDGE, name)) {
        monitor_pub_finish(&pub, (monitor_pub_needs_event(&pub)
                                  ? json_pack("{s:s, s:s, s:s}",
                                              "kind", "bridge",
                                              "event", (added ? "added"
                                                        : "removed"),
                                              "bridge", name)
                                  : NULL));
    }
}

/* Returns 'ofport' as JSON: a number, or "LOCAL". */
static json_t *
ofport_to_json(uint32_t ofport)
{
    return (ofport == OFPP_LOCAL ? json_string("LOCAL")
            : json_integer(ofport));
}

void
monitor_port_changed(const char *br_name, const char *name,
                     uint32_t ofport, const char *type, bool added)
{
    struct monitor_pub pub;

    if (monitor_pub_start(&pub, MONITOR_PORT, br_name)) {
        monitor_pub_finish(&pub, (monitor_pub_needs_event(&pub)
                                  ? json_pack("{s:s, s:s, s:s, s:s, s:o, "
                                              "s:s}",
                                              "kind", "port",
                                              "event", (added ? "added"
                                                        : "removed"),
                                              "bridge", br_name,
                                              "port", name,
                                              "ofport",
                                              ofport_to_json(ofport),
                                              "type", type)
                                  : NULL));
    }
}

void
monitor_link_changed(const struct port *port, bool up)
{
    struct monitor_pub pub;

    if (monitor_pub_start(&pub, MONITOR_LINK, port->bridge->name)) {
        monitor_pub_finish(&pub, (monitor_pub_needs_event(&pub)
                                  ? json_pack("{s:s, s:s, s:s, s:s, s:o}",
                                              "kind", "link",
                                              "event", up ? "up" : "down",
                                              "bridge", port->bridge->name,
                                              "port", port->name,
                                              "ofport",
                                              ofport_to_json(port->ofport))
                                  : NULL));
    }
}

/* Returns the event of flow change 'c' of bridge 'br_name': its rule was
 * "added", "modified" or "removed" ('what'). */
static json_t *
flow_event_create(const char *br_name, const char *what,
                  const struct flow_table_change *c)
{
    const struct rule *rule = c->rule;
    uint64_t seq = c->seq;
    struct ds match = DS_EMPTY_INITIALIZER;
    struct ds actions = DS_EMPTY_INITIALIZER;
    char cookie[32];
    json_t *event;

    match_format(&rule->cr.match, OFP_DEFAULT_PRIORITY, &match);
    ofpacts_format(rule->ofpacts, rule->ofpacts_size, &actions);
    snprintf(cookie, sizeof cookie, "0x%"PRIx64, rule->cookie);
    event = json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:s, s:s, s:s}",
                      "kind", "flow", "event", what, "bridge", br_name,
                      "seq", (json_int_t) seq,
                      "table", rule->table_id,
                      "priority", rule_priority(rule),
                      "match", ds_cstr(&match),
                      "actions", ds_cstr(&actions),
                      "cookie", cookie);
    if (c->type == FLOW_TABLE_REMOVED) {
        json_object_set_new(event, "reason", json_string(
                                !c->expired ? "delete"
                                : c->reason == FLOW_TABLE_REMOVED_IDLE
                                ? "idle_timeout" : "hard_timeout"));
    }
    ds_destroy(&match);
    ds_destroy(&actions);
    return event;
}

void
monitor_flows_changed(const struct bridge *br,
                      const struct flow_table_change *changes, size_t n)
{
    size_t i;

    if (!monitor.n_wanting[MONITOR_FLOW]) {
        return;
    }
    for (i = 0; i < n; i++) {
        const struct flow_table_change *c = &changes[i];
        struct monitor_pub pub;
        const char *what;

        if (c->type == FLOW_TABLE_REMOVED && i + 1 < n
            && changes[i + 1].seq == c->seq) {
            /* The removal half of a replace: the added half reports it. */
            continue;
        }
        if (!monitor_pub_start(&pub, MONITOR_FLOW, br->name)) {
            return;
        }
        what = (c->type == FLOW_TABLE_REMOVED ? "removed"
                : c->type == FLOW_TABLE_MODIFIED
                  || (i > 0 && changes[i - 1].seq == c->seq) ? "modified"
                : "added");
        monitor_pub_finish(&pub, (monitor_pub_needs_event(&pub)
                                  ? flow_event_create(br->name, what, c)
                                  : NULL));
    }
}

void
monitor_group_changed(const char *br_name, uint32_t group_id,
                      const char *what, const char *line)
{
    struct monitor_pub pub;
    json_t *event = NULL;

    if (!monitor_pub_start(&pub, MONITOR_GROUP, br_name)) {
        return;
    }
    if (monitor_pub_needs_event(&pub)) {
        event = json_pack("{s:s, s:s, s:s, s:I}", "kind", "group",
                          "event", what, "bridge", br_name,
                          "group_id", (json_int_t) group_id);
        if (line) {
            json_object_set_new(event, "group", json_string(line));
        }
    }
    monitor_pub_finish(&pub, event);
}

/* Links of kernel devices. */

static struct monitor_link *
monitor_link_find(const char *name)
{
    struct monitor_link *link;

    HMAP_FOR_EACH_WITH_HASH (link, node, hash_string(name, 0),
                             &monitor.links) {
        if (!strcmp(link->name, name)) {
            return link;
        }
    }
    return NULL;
}

/* Reports the link of 'name' going up or down if 'name' is a port whose
 * link state comes from the kernel. */
static void
monitor_kernel_link_changed(const char *name, bool up)
{
    const struct port *port = bridge_find_port(monitor.bs, name);

    if (port && strcmp(port->type, "dummy")) {
        monitor_link_changed(port, up);
    }
}

/* Called for each link the kernel tells us about: remembers its state
 * and reports a change.  A link first seen in a dump is only learned. */
static void
monitor_rtnl_cb(const struct rtnl_link_state *state, void *aux NFVS_UNUSED)
{
    struct monitor_link *link = monitor_link_find(state->name);
    bool up = state->admin_up && state->carrier && !state->deleted;

    if (state->deleted) {
        if (link) {
            hmap_remove(&monitor.links, &link->node);
            if (link->up) {
                monitor_kernel_link_changed(state->name, false);
            }
            free(link->name);
            free(link);
        }
    } else if (!link) {
        link = xmalloc(sizeof *link);
        link->name = xstrdup(state->name);
        link->up = up;
        hmap_insert(&monitor.links, &link->node,
                    hash_string(state->name, 0));
        if (!state->from_dump) {
            monitor_kernel_link_changed(state->name, up);
        }
    } else if (link->up != up) {
        link->up = up;
        monitor_kernel_link_changed(state->name, up);
    }
}

static void
monitor_rtnl_ready(evutil_socket_t fd NFVS_UNUSED,
                   short what NFVS_UNUSED, void *aux NFVS_UNUSED)
{
    int error = rtnl_link_monitor_run(monitor.rtnl, monitor_rtnl_cb, NULL);

    if (error == ENOBUFS) {
        /* Notifications were lost: learn every state again. */
        VLOG_WARN_RL(&rl, "link notifications lost (socket full): "
                     "reading all link states again");
        error = rtnl_link_monitor_dump(monitor.rtnl);
    }
    if (error) {
        VLOG_WARN_RL(&rl, "reading link notifications: %s",
                     nfvs_strerror(error));
    }
}

/* Starts listening to the kernel's link notifications, learning every
 * link's state first. */
static void
monitor_rtnl_open(void)
{
    int error;

    error = rtnl_link_monitor_create(&monitor.rtnl);
    if (!error) {
        error = rtnl_link_monitor_dump(monitor.rtnl);
    }
    if (error) {
        VLOG_WARN("cannot listen to link notifications of the kernel: %s "
                  "(link events of system and internal ports will be "
                  "missing)", nfvs_strerror(error));
        rtnl_link_monitor_destroy(monitor.rtnl);
        monitor.rtnl = NULL;
        return;
    }
    monitor.rtnl_event = event_new(monitor.base,
                                   rtnl_link_monitor_fd(monitor.rtnl),
                                   EV_READ | EV_PERSIST, monitor_rtnl_ready,
                                   NULL);
    event_add(monitor.rtnl_event, NULL);
}

static void
monitor_rtnl_close(void)
{
    struct monitor_link *link;

    if (monitor.rtnl_event) {
        event_free(monitor.rtnl_event);
        monitor.rtnl_event = NULL;
    }
    rtnl_link_monitor_destroy(monitor.rtnl);
    monitor.rtnl = NULL;
    HMAP_FOR_EACH_POP (link, node, &monitor.links) {
        free(link->name);
        free(link);
    }
}

/* Conntrack events. */

void
monitor_ct_observer(void *br_, bool new, const struct conntrack_entry *e)
{
    const struct bridge *br = br_;
    struct monitor_ct_event *ev;
    struct ds text;
    bool was_empty;

    if (!__atomic_load_n(&ct_queue.wanted, __ATOMIC_RELAXED)) {
        return;
    }

    pthread_mutex_lock(&ct_queue.mutex);
    was_empty = !ct_queue.n_events && !ct_queue.n_dropped;
    if (ct_queue.n_events >= MONITOR_CT_QUEUE_MAX) {
        ct_queue.n_dropped++;
        pthread_mutex_unlock(&ct_queue.mutex);
        return;
    }
    ds_init(&text);
    conntrack_entry_format(e, &text);
    ev = xmalloc(sizeof *ev);
    ev->bridge = xstrdup(br->name);
    ev->new = new;
    ev->id = e->id;
    ev->zone = e->zone;
    ev->text = ds_steal_cstr(&text);
    nfvs_list_push_back(&ct_queue.events, &ev->node);
    ct_queue.n_events++;
    if (was_empty) {
        uint64_t one = 1;

        if (write(ct_queue.fd, &one, sizeof one) < 0) {
            /* The counter is already nonzero: the main thread will look. */
        }
    }
    pthread_mutex_unlock(&ct_queue.mutex);
}

static void
monitor_ct_ready(evutil_socket_t fd, short what NFVS_UNUSED,
                 void *aux NFVS_UNUSED)
{
    struct monitor_ct_event *ev, *next;
    struct monitor_sub *sub;
    struct nfvs_list events;
    uint64_t n_dropped, count;

    if (read(fd, &count, sizeof count) < 0) {
        /* Nothing to clear. */
    }
    pthread_mutex_lock(&ct_queue.mutex);
    nfvs_list_init(&events);
    if (!nfvs_list_is_empty(&ct_queue.events)) {
        events = ct_queue.events;
        events.next->prev = &events;
        events.prev->next = &events;
        nfvs_list_init(&ct_queue.events);
    }
    ct_queue.n_events = 0;
    n_dropped = ct_queue.n_dropped;
    ct_queue.n_dropped = 0;
    pthread_mutex_unlock(&ct_queue.mutex);

    NFVS_LIST_FOR_EACH_SAFE (ev, next, node, &events) {
        struct monitor_pub pub;

        if (monitor_pub_start(&pub, MONITOR_CONNTRACK, ev->bridge)) {
            monitor_pub_finish(&pub, (monitor_pub_needs_event(&pub)
                                      ? json_pack("{s:s, s:s, s:s, s:I, "
                                                  "s:i, s:s}",
                                                  "kind", "conntrack",
                                                  "event", (ev->new ? "new"
                                                            : "destroy"),
                                                  "bridge", ev->bridge,
                                                  "id", (json_int_t) ev->id,
                                                  "zone", ev->zone,
                                                  "connection", ev->text)
                                      : NULL));
        }
        free(ev->bridge);
        free(ev->text);
        free(ev);
    }
    if (n_dropped) {
        /* Which bridges they were of is not known: every conntrack
         * subscription counts them. */
        NFVS_LIST_FOR_EACH (sub, node, &monitor.subs) {
            if (sub->kinds & (1u << MONITOR_CONNTRACK)) {
                sub->n_dropped += n_dropped;
                monitor_sub_flush(sub);
            }
        }
    }
}

/* Subscriptions. */

static void
monitor_sub_destroy(struct monitor_sub *sub)
{
    struct monitor_entry *e, *next;
    int kind;

    NFVS_LIST_FOR_EACH_SAFE (e, next, node, &sub->queue) {
        monitor_entry_free(e);
    }
    for (kind = 0; kind < MONITOR_N_KINDS; kind++) {
        if (sub->kinds & (1u << kind)) {
            monitor.n_wanting[kind]--;
        }
    }
    if (!monitor.n_wanting[MONITOR_LINK] && monitor.rtnl) {
        monitor_rtnl_close();
    }
    __atomic_store_n(&ct_queue.wanted,
                     monitor.n_wanting[MONITOR_CONNTRACK] > 0,
                     __ATOMIC_RELAXED);
    nfvs_list_remove(&sub->node);
    monitor.n_subs--;
    rpc_conn_set_push(sub->conn, NULL, NULL, NULL);
    free(sub->bridge);
    free(sub);
}

static void
monitor_closed_cb(struct rpc_conn *conn NFVS_UNUSED, void *sub_)
{
    struct monitor_sub *sub = sub_;

    VLOG_INFO_RL(&rl, "subscription ended: connection closed (%zu events "
                 "unsent, %zu bytes)", nfvs_list_size(&sub->queue),
                 sub->queue_size);
    monitor_sub_destroy(sub);
}

static struct monitor_sub *
monitor_find_sub(const struct rpc_conn *conn)
{
    struct monitor_sub *sub;

    NFVS_LIST_FOR_EACH (sub, node, &monitor.subs) {
        if (sub->conn == conn) {
            return sub;
        }
    }
    return NULL;
}

/* Parses the "kinds" member 'kinds_json' of a monitor request (NULL if
 * absent) into '*kindsp'.  Returns NULL or an error. */
static json_t *
parse_kinds(const json_t *kinds_json, unsigned int *kindsp)
{
    const json_t *value;
    size_t i;

    if (!kinds_json) {
        *kindsp = MONITOR_DEFAULT_KINDS;
        return NULL;
    }
    if (!json_is_array(kinds_json) || !json_array_size(kinds_json)) {
        return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                "\"kinds\" must be a non-empty array of "
                                "event kinds");
    }
    *kindsp = 0;
    json_array_foreach (kinds_json, i, value) {
        int kind;

        if (!json_is_string(value)) {
            return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                    "\"kinds\" member %zu is %s, not a "
                                    "string", i, json_type_name(value));
        }
        for (kind = 0; kind < MONITOR_N_KINDS; kind++) {
            if (!strcmp(json_string_value(value), kind_names[kind])) {
                break;
            }
        }
        if (kind == MONITOR_N_KINDS) {
            return rpc_error_create(RPC_INVALID_PARAMS, "invalid params: "
                                    "unknown event kind \"%.64s\" (expected "
                                    "bridge, port, link, flow, conntrack "
                                    "or group)", json_string_value(value));
        }
        *kindsp |= 1u << kind;
    }
    return NULL;
}

/* Returns the flow tables' change counts of the bridges 'sub' watches, as
 * an object from bridge name to count. */
static json_t *
monitor_flow_seqs(const struct monitor_sub *sub)
{
    json_t *seqs = json_object();
    struct bridge **brs;
    size_t n, i;

    brs = bridge_set_sorted(monitor.bs, &n);
    for (i = 0; i < n; i++) {
        if (!sub->bridge || !strcmp(sub->bridge, brs[i]->name)) {
            json_object_set_new(seqs, brs[i]->name, json_integer(
                                    flow_table_change_seq(
                                        ofproto_get_tables(
                                            brs[i]->ofproto))));
        }
    }
    free(brs);
    return seqs;
}

static json_t *
rpc_monitor(json_t *params, json_t **errorp, void *aux NFVS_UNUSED)
{
    struct rpc_conn *conn = rpc_server_current_conn();
    json_t *kinds_json = NULL, *result, *names;
    const char *br_name = NULL;
    struct monitor_sub *sub;
    unsigned int kinds = 0;
    int kind;

    if (!rpc_params_unpack(params, errorp, "{s?o, s?s}", "kinds",
                           &kinds_json, "bridge", &br_name)) {
        return NULL;
    }
    *errorp = parse_kinds(kinds_json, &kinds);
    if (*errorp) {
        return NULL;
    }
    if (br_name && !bridge_rpc_find(monitor.bs, br_name, errorp)) {
        return NULL;
    }
    if (!conn) {
        *errorp = rpc_error_create(RPC_ERR_UNSUPPORTED,
                                   "monitor needs a connection");
        return NULL;
    }
    if (monitor_find_sub(conn)) {
        *errorp = rpc_error_create(RPC_ERR_EXISTS, "this connection is "
                                   "monitoring already (call "
                                   "monitor_cancel first)");
        return NULL;
    }

    sub = xzalloc(sizeof *sub);
    sub->conn = conn;
    sub->kinds = kinds;
    sub->bridge = br_name ? xstrdup(br_name) : NULL;
    nfvs_list_init(&sub->queue);
    nfvs_list_push_back(&monitor.subs, &sub->node);
    monitor.n_subs++;
    names = json_array();
    for (kind = 0; kind < MONITOR_N_KINDS; kind++) {
        if (kinds & (1u << kind)) {
            monitor.n_wanting[kind]++;
            json_array_append_new(names, json_string(kind_names[kind]));
        }
    }
    rpc_conn_set_push(conn, monitor_writable_cb, monitor_closed_cb, sub);
    if (monitor.n_wanting[MONITOR_LINK] && !monitor.rtnl && monitor.base) {
        monitor_rtnl_open();
    }
    __atomic_store_n(&ct_queue.wanted,
                     monitor.n_wanting[MONITOR_CONNTRACK] > 0,
                     __ATOMIC_RELAXED);

    result = json_pack("{s:o, s:I}", "kinds", names, "queue_size",
                       (json_int_t) monitor.max_queue_size);
    if (br_name) {
        json_object_set_new(result, "bridge", json_string(br_name));
    }
    if (kinds & (1u << MONITOR_FLOW)) {
        json_object_set_new(result, "flow_seqs", monitor_flow_seqs(sub));
    }
    return result;
}

static json_t *
rpc_monitor_cancel(json_t *params, json_t **errorp, void *aux NFVS_UNUSED)
{
    struct rpc_conn *conn = rpc_server_current_conn();
    struct monitor_sub *sub;

    if (!rpc_params_unpack(params, errorp, "{}")) {
        return NULL;
    }
    sub = conn ? monitor_find_sub(conn) : NULL;
    if (!sub) {
        *errorp = rpc_error_create(RPC_ERR_NOT_FOUND, "this connection is "
                                   "not monitoring");
        return NULL;
    }
    monitor_sub_destroy(sub);
    return json_object();
}

void
monitor_init(struct rpc_server *server, struct event_base *base,
             struct bridge_set *bs, size_t max_queue_size)
{
    monitor.bs = bs;
    monitor.base = base;
    ct_queue.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ct_queue.fd < 0) {
        nfvs_fatal(errno, "cannot create eventfd");
    }
    ct_queue.event = event_new(base, ct_queue.fd, EV_READ | EV_PERSIST,
                               monitor_ct_ready, NULL);
    event_add(ct_queue.event, NULL);
    monitor.max_queue_size = max_queue_size;
    rpc_server_register(server, "monitor", rpc_monitor, NULL);
    rpc_server_register(server, "monitor_cancel", rpc_monitor_cancel, NULL);
}

void
monitor_destroy(void)
{
    struct monitor_sub *sub, *next;

    NFVS_LIST_FOR_EACH_SAFE (sub, next, node, &monitor.subs) {
        monitor_sub_destroy(sub);
    }
    monitor_rtnl_close();
    if (ct_queue.event) {
        struct monitor_ct_event *ev, *next_ev;

        event_free(ct_queue.event);
        ct_queue.event = NULL;
        close(ct_queue.fd);
        ct_queue.fd = -1;
        pthread_mutex_lock(&ct_queue.mutex);
        NFVS_LIST_FOR_EACH_SAFE (ev, next_ev, node, &ct_queue.events) {
            free(ev->bridge);
            free(ev->text);
            free(ev);
        }
        nfvs_list_init(&ct_queue.events);
        ct_queue.n_events = 0;
        pthread_mutex_unlock(&ct_queue.mutex);
    }
    monitor.bs = NULL;
    monitor.base = NULL;
}

size_t
monitor_n_subscriptions(void)
{
    return monitor.n_subs;
}
