#include <config.h>
#include "ofproto.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "conntrack.h"
#include "dynamic-string.h"
#include "flow-table.h"
#include "hash.h"
#include "hmap.h"
#include "mac-learning.h"
#include "ofp-actions.h"
#include "ofp-flow.h"
#include "ofp-group.h"
#include "ofp-meter.h"
#include "ofp-parse.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(ofproto);

struct ofproto {
    char *name;                 /* Bridge name. */
    struct flow_table *tables;  /* The OpenFlow tables. */
    struct mac_learning *ml;    /* For NORMAL. */

    pthread_mutex_t ct_mutex;   /* Protects the tracker and the callback. */
    struct conntrack *ct;       /* Connection tracker. */
    conntrack_event_func *ct_event_cb; /* Where its events go, or NULL. */
    void *ct_event_aux;         /* For 'ct_event_cb'. */

    pthread_rwlock_t ports_lock; /* Protects 'ports' and 'n_ports'. */
    struct ofproto_port *ports; /* Sorted by 'ofport'; strings owned. */
    size_t n_ports;             /* Number of 'ports'. */

    /* Groups.  'groups_lock' protects 'groups' and 'groups_seq'; the
     * ports lock protects 'down_ports'. */
    pthread_rwlock_t groups_lock;
    struct hmap groups;         /* "struct ofproto_group"s by id hash. */
    uint64_t groups_seq;        /* Bumped by every group change. */
    uint32_t *down_ports;       /* Datapath ports whose link or admin
                                 * state is down, sorted. */
    size_t n_down_ports;
    ofproto_groups_changed_func *groups_cb; /* Or NULL. */
    void *groups_aux;

    /* Meters, main thread only. */
    struct ofproto_meter *meters; /* Sorted by id. */
    size_t n_meters;
};

/* A meter's configuration and when it was added. */
struct ofproto_meter {
    struct ofp_meter m;
    long long int created;      /* time_msec(). */
};

static void groups_destroy(struct ofproto *);

static bool
ofpacts_output_to_port(const void *ofpacts, size_t size, uint32_t port,
                       void *aux NFVS_UNUSED)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, ofpacts, size) {
        if (a->type == OFPACT_OUTPUT
            && ((const struct ofpact_output *) a)->port == port) {
            return true;
        }
    }
    return false;
}

/* The tracker's event callback, with 'ct_mutex' held. */
static void
ofproto_ct_event(void *ofproto_, uint64_t conn_id,
                 enum conntrack_event_type type)
{
    struct ofproto *ofproto = ofproto_;

    if (ofproto->ct_event_cb) {
        ofproto->ct_event_cb(ofproto->ct_event_aux, conn_id, type);
    }
}

struct ofproto *
ofproto_create(const char *name)
{
    struct ofproto *ofproto = xzalloc(sizeof *ofproto);
    struct conntrack_config ct_cfg;
    pthread_rwlockattr_t attr;

    ofproto->name = xstrdup(name);
    ofproto->tables = flow_table_create();
    flow_table_set_output_checker(ofproto->tables, ofpacts_output_to_port,
                                  NULL);
    ofproto->ml = mac_learning_create(MAC_DEFAULT_IDLE_TIME,
                                      MAC_DEFAULT_MAX);
    memset(&ct_cfg, 0, sizeof ct_cfg);
    ct_cfg.event_cb = ofproto_ct_event;
    ct_cfg.event_aux = ofproto;
    pthread_mutex_init(&ofproto->ct_mutex, NULL);
    ofproto->ct = conntrack_create(&ct_cfg);
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(
        &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&ofproto->ports_lock, &attr);
    pthread_rwlock_init(&ofproto->groups_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    hmap_init(&ofproto->groups);
    ofproto->groups_seq = 1;
    return ofproto;
}

static void
ports_free(struct ofproto_port *ports, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free((char *) ports[i].name);
        free((uint16_t *) ports[i].trunks);
    }
    free(ports);
}

void
ofproto_destroy(struct ofproto *ofproto)
{
    if (ofproto) {
        ofproto->ct_event_cb = NULL;
        conntrack_set_observer(ofproto->ct, NULL, NULL);
        conntrack_destroy(ofproto->ct);
        pthread_mutex_destroy(&ofproto->ct_mutex);
        flow_table_destroy(ofproto->tables);
        mac_learning_destroy(ofproto->ml);
        ports_free(ofproto->ports, ofproto->n_ports);
        pthread_rwlock_destroy(&ofproto->ports_lock);
        groups_destroy(ofproto);
        pthread_rwlock_destroy(&ofproto->groups_lock);
        free(ofproto->down_ports);
        free(ofproto->meters);
        free(ofproto->name);
        free(ofproto);
    }
}

const char *
ofproto_get_name(const struct ofproto *ofproto)
{
    return ofproto->name;
}

struct flow_table *
ofproto_get_tables(const struct ofproto *ofproto)
{
    return ofproto->tables;
}

struct mac_learning *
ofproto_get_mac_learning(const struct ofproto *ofproto)
{
    return ofproto->ml;
}

struct conntrack *
ofproto_get_conntrack(const struct ofproto *ofproto)
{
    return ofproto->ct;
}

void
ofproto_ct_lock(struct ofproto *ofproto)
{
    pthread_mutex_lock(&ofproto->ct_mutex);
}

void
ofproto_ct_unlock(struct ofproto *ofproto)
{
    pthread_mutex_unlock(&ofproto->ct_mutex);
}

void
ofproto_set_ct_observer(struct ofproto *ofproto,
                        conntrack_observer_func *cb, void *aux)
{
    pthread_mutex_lock(&ofproto->ct_mutex);
    conntrack_set_observer(ofproto->ct, cb, aux);
    pthread_mutex_unlock(&ofproto->ct_mutex);
}

void
ofproto_set_ct_event_cb(struct ofproto *ofproto, conntrack_event_func *cb,
                        void *aux)
{
    pthread_mutex_lock(&ofproto->ct_mutex);
    ofproto->ct_event_cb = cb;
    ofproto->ct_event_aux = aux;
    pthread_mutex_unlock(&ofproto->ct_mutex);
}

static int
compare_ports(const void *a_, const void *b_)
{
    const struct ofproto_port *a = a_;
    const struct ofproto_port *b = b_;

    return (a->ofport > b->ofport) - (a->ofport < b->ofport);
}

static bool
port_vlans_equal(const struct ofproto_port *a, const struct ofproto_port *b)
{
    return (a->tag == b->tag && a->n_trunks == b->n_trunks
            && (!a->n_trunks || !memcmp(a->trunks, b->trunks,
                                        a->n_trunks * sizeof *a->trunks))
            && a->dp_port == b->dp_port);
}

void
ofproto_set_ports(struct ofproto *ofproto, const struct ofproto_port *ports,
                  size_t n)
{
    struct ofproto_port *new = xcalloc(n, sizeof *new);
    struct ofproto_port *old;
    size_t i, n_old;

    for (i = 0; i < n; i++) {
        new[i] = ports[i];
        new[i].name = xstrdup(ports[i].name);
        new[i].trunks = (ports[i].n_trunks
                         ? xmemdup(ports[i].trunks,
                                   ports[i].n_trunks * sizeof *ports[i].trunks)
                         : NULL);
    }
    qsort(new, n, sizeof *new, compare_ports);

    pthread_rwlock_wrlock(&ofproto->ports_lock);
    old = ofproto->ports;
    n_old = ofproto->n_ports;
    ofproto->ports = new;
    ofproto->n_ports = n;
    pthread_rwlock_unlock(&ofproto->ports_lock);

    /* Forget what was learned on ports that went away or changed. */
    for (i = 0; i < n_old; i++) {
        const struct ofproto_port *now = ofproto_port_find(ofproto,
                                                           old[i].ofport);
        if (!now || !port_vlans_equal(now, &old[i])) {
            mac_learning_flush(ofproto->ml, old[i].ofport);
        }
    }
    ports_free(old, n_old);
}

void
ofproto_ports_read_lock(struct ofproto *ofproto)
{
    pthread_rwlock_rdlock(&ofproto->ports_lock);
}

void
ofproto_ports_read_unlock(struct ofproto *ofproto)
{
    pthread_rwlock_unlock(&ofproto->ports_lock);
}

const struct ofproto_port *
ofproto_port_find(const struct ofproto *ofproto, uint32_t ofport)
{
    struct ofproto_port key = { .ofport = ofport };

    return (ofproto->n_ports
            ? bsearch(&key, ofproto->ports, ofproto->n_ports,
                      sizeof key, compare_ports)
            : NULL);
}

const struct ofproto_port *
ofproto_ports(const struct ofproto *ofproto, size_t *n)
{
    *n = ofproto->n_ports;
    return ofproto->ports;
}

/* Flow mods. */

static void
flow_mod_from_spec(const struct flow_mod_spec *spec, struct flow_mod *fm)
{
    flow_mod_init(fm, spec->command, &spec->match, spec->priority);
    fm->table_id = spec->table_id;
    fm->cookie = spec->cookie;
    fm->cookie_mask = spec->cookie_mask;
    fm->idle_timeout = spec->idle_timeout;
    fm->hard_timeout = spec->hard_timeout;
    fm->out_port = spec->out_port;
    fm->ofpacts = spec->ofpacts;
    fm->ofpacts_size = spec->ofpacts_size;
    switch (spec->command) {
    case FLOW_MOD_ADD:
        fm->new_cookie = spec->cookie;
        fm->cookie_mask = 0;
        /* ovs-ofctl speaks OpenFlow 1.0, where an add resets counters. */
        fm->flags = FLOW_MOD_F_RESET_COUNTS;
        break;
    case FLOW_MOD_MODIFY:
    case FLOW_MOD_MODIFY_STRICT:
        fm->new_cookie = (spec->modify_cookie ? spec->new_cookie
                          : FLOW_MOD_COOKIE_KEEP);
        /* ...and where a modify that matches nothing adds the flow. */
        fm->flags = FLOW_MOD_F_ADD_IF_MISSING;
        break;
    case FLOW_MOD_DELETE:
    case FLOW_MOD_DELETE_STRICT:
        break;
    }
    if (spec->of13) {
        fm->flags = spec->flags;
    }
}

static char *
flow_mod_error(size_t i, size_t n, const char *msg)
{
    return n > 1 ? xasprintf("flow %zu: %s", i + 1, msg) : xstrdup(msg);
}

/* Checks the actions of 'spec', flow mod number 'i' (from 0) of 'n';
 * returns 0 or EINVAL with a message in '*errp'. */
static char *check_groups_exist(struct ofproto *, const void *ofpacts,
                                size_t size);
static char *check_meters_exist(struct ofproto *, const void *ofpacts,
                                size_t size);

static int
ofproto_check_spec(struct ofproto *ofproto, const struct flow_mod_spec *spec,
                   size_t i, size_t n, char **errp)
{
    char *msg;

    if (spec->command == FLOW_MOD_DELETE
        || spec->command == FLOW_MOD_DELETE_STRICT) {
        return 0;
    }
    msg = ofpacts_check_supported(spec->ofpacts, spec->ofpacts_size);
    if (!msg) {
        msg = ofpacts_check(spec->ofpacts, spec->ofpacts_size, &spec->match);
    }
    if (!msg) {
        msg = check_groups_exist(ofproto, spec->ofpacts, spec->ofpacts_size);
    }
    if (!msg) {
        msg = check_meters_exist(ofproto, spec->ofpacts, spec->ofpacts_size);
    }
    if (msg) {
        *errp = flow_mod_error(i, n, msg);
        free(msg);
        return EINVAL;
    }
    return 0;
}

/* Checks 'specs' and queues them as a batch of 'ofproto''s tables; on
 * error, drops the batch and returns the error with a message in '*errp'.
 * Common to ofproto_flow_mods() and ofproto_flow_mods_start(). */
static int
ofproto_queue_flow_mods(struct ofproto *ofproto,
                        const struct flow_mod_spec *specs, size_t n,
                        char **errp)
{
    size_t i;
    int error;

    *errp = NULL;
    for (i = 0; i < n; i++) {
        error = ofproto_check_spec(ofproto, &specs[i], i, n, errp);
        if (error) {
            return error;
        }
    }

    flow_table_begin(ofproto->tables);
    for (i = 0; i < n; i++) {
        struct flow_mod fm;

        flow_mod_from_spec(&specs[i], &fm);
        error = flow_table_flow_mod(ofproto->tables, &fm);
        if (error) {
            flow_table_abort(ofproto->tables);
            *errp = flow_mod_error(i, n, nfvs_strerror(error));
            return error;
        }
    }
    return 0;
}

static int
ofproto_commit_error(int error, char **errp)
{
    if (error) {
        *errp = xasprintf("flow table change failed: %s",
                          error == ENOSPC ? "table full"
                          : error == EBUSY ? "a large change is applying"
                          : nfvs_strerror(error));
    }
    return error;
}

int
ofproto_flow_mods(struct ofproto *ofproto,
                  const struct flow_mod_spec *specs, size_t n, char **errp)
{
    int error = ofproto_queue_flow_mods(ofproto, specs, n, errp);

    if (error) {
        return error;
    }
    return ofproto_commit_error(flow_table_commit(ofproto->tables), errp);
}

int
ofproto_flow_mods_start(struct ofproto *ofproto,
                        const struct flow_mod_spec *specs, size_t n,
                        char **errp)
{
    int error = ofproto_queue_flow_mods(ofproto, specs, n, errp);

    if (error) {
        return error;
    }
    return ofproto_commit_error(flow_table_commit_start(ofproto->tables),
                                errp);
}

int
ofproto_flow_mod_stage(struct ofproto *ofproto,
                       const struct flow_mod_spec *spec, size_t i, size_t n,
                       char **errp)
{
    struct flow_mod fm;
    int error;

    *errp = NULL;
    error = ofproto_check_spec(ofproto, spec, i, n, errp);
    if (!error) {
        flow_mod_from_spec(spec, &fm);
        error = flow_table_stage_flow_mod(ofproto->tables, &fm);
        if (error) {
            *errp = flow_mod_error(i, n, nfvs_strerror(error));
        }
    }
    return error;
}

bool
ofproto_flow_mods_step(struct ofproto *ofproto, long long int deadline)
{
    return flow_table_commit_step(ofproto->tables, deadline);
}

int
ofproto_flow_mods_finish(struct ofproto *ofproto, char **errp)
{
    *errp = NULL;
    return ofproto_commit_error(flow_table_commit_finish(ofproto->tables),
                                errp);
}

bool
ofproto_cleanup_step(struct ofproto *ofproto, long long int deadline)
{
    return flow_table_cleanup_step(ofproto->tables, deadline);
}

/* Dumping. */

struct dump_entry {
    struct rule *rule;          /* The rule. */
    char *match;                /* Its match, for sorting. */
};

static int
compare_dump_entries(const void *a_, const void *b_)
{
    const struct dump_entry *a = a_;
    const struct dump_entry *b = b_;

    if (a->rule->table_id != b->rule->table_id) {
        return a->rule->table_id < b->rule->table_id ? -1 : 1;
    }
    if (rule_priority(a->rule) != rule_priority(b->rule)) {
        return rule_priority(a->rule) > rule_priority(b->rule) ? -1 : 1;
    }
    return strcmp(a->match, b->match);
}

static bool
rule_is_selected(const struct rule *rule, const struct flow_mod_spec *f)
{
    return (!f
            || (((rule->cookie ^ f->cookie) & f->cookie_mask) == 0
                && (f->out_port == OFPP_NONE
                    || ofpacts_output_to_port(rule->ofpacts,
                                              rule->ofpacts_size,
                                              f->out_port, NULL))));
}

/* Collects the rules visible in 'version' that 'filter' selects, sorted
 * for dumping.  Main thread only.  Caller frees each 'match' and the
 * array. */
static struct dump_entry *
collect_rules(struct ofproto *ofproto, const struct flow_mod_spec *filter,
              uint64_t version, size_t *n)
{
    struct dump_entry *entries = NULL;
    size_t n_entries = 0, allocated = 0;
    int table;

    for (table = 0; table < FLOW_TABLE_N_TABLES; table++) {
        const struct classifier *cls;
        struct cls_cursor cursor;
        struct cls_rule *cr;

        if (filter && filter->table_id != FLOW_TABLE_ALL
            && filter->table_id != table) {
            continue;
        }
        cls = flow_table_classifier(ofproto->tables, table);
        if (classifier_is_empty(cls)) {
            continue;
        }
        cls_cursor_start_version(&cursor, cls,
                                 filter ? &filter->match : NULL, false,
                                 version);
        while ((cr = cls_cursor_next(&cursor)) != NULL) {
            struct rule *rule = rule_from_cls_rule(cr);
            struct ds s = DS_EMPTY_INITIALIZER;

            if (!rule_is_selected(rule, filter)) {
                continue;
            }
            if (n_entries >= allocated) {
                allocated = allocated ? allocated * 2 : 64;
                entries = xrealloc(entries, allocated * sizeof *entries);
            }
            match_format(&rule->cr.match, OFP_DEFAULT_PRIORITY, &s);
            entries[n_entries].rule = rule;
            entries[n_entries].match = ds_steal_cstr(&s);
            n_entries++;
        }
    }
    if (n_entries) {
        qsort(entries, n_entries, sizeof *entries, compare_dump_entries);
    }
    *n = n_entries;
    return entries;
}

static void
rule_to_desc(const struct rule *rule, struct ofp_flow_desc *desc)
{
    desc->table_id = rule->table_id;
    desc->cookie = rule->cookie;
    desc->priority = rule_priority(rule);
    desc->idle_timeout = rule->idle_timeout;
    desc->hard_timeout = rule->hard_timeout;
    desc->match = &rule->cr.match;
    desc->ofpacts = rule->ofpacts;
    desc->ofpacts_size = rule->ofpacts_size;
}

void
ofproto_for_each_flow(struct ofproto *ofproto,
                      const struct flow_mod_spec *filter,
                      ofproto_flow_cb *cb, void *aux)
{
    long long int now = time_msec();
    struct dump_entry *entries;
    size_t i, n;

    /* As readers see them: not a staged change still applying. */
    entries = collect_rules(ofproto, filter,
                            flow_table_visible_version(ofproto->tables), &n);
    for (i = 0; i < n; i++) {
        const struct rule *rule = entries[i].rule;
        struct ofp_flow_stats stats;
        struct ofp_flow_desc desc;
        long long int last_used;

        rule_to_desc(rule, &desc);
        flow_table_rule_stats(rule, &stats.n_packets, &stats.n_bytes,
                              &last_used);
        stats.duration_msec = now - rule->created;
        stats.idle_age = (now - last_used) / 1000;
        cb(&desc, &stats, entries[i].match, aux);
        free(entries[i].match);
    }
    free(entries);
}

void
ofproto_get_port_map(struct ofproto *ofproto, struct ofp_port_map *map)
{
    const struct ofproto_port *ports;
    size_t i, n;

    ofp_port_map_init(map);
    ofproto_ports_read_lock(ofproto);
    ports = ofproto_ports(ofproto, &n);
    for (i = 0; i < n; i++) {
        ofp_port_map_add(map, ports[i].name, ports[i].ofport);
    }
    ofproto_ports_read_unlock(ofproto);
}

struct dump_flows_aux {
    bool no_stats;              /* Leave counters and times out. */
    const struct ofp_port_map *names;   /* Ports by name, or NULL. */
    struct ds *out;             /* Where the lines go. */
};

static void
dump_flow_line(const struct ofp_flow_desc *desc,
               const struct ofp_flow_stats *stats,
               const char *match NFVS_UNUSED, void *aux_)
{
    struct dump_flows_aux *aux = aux_;

    ds_put_char(aux->out, ' ');
    ofp_flow_format_names(desc, aux->no_stats ? NULL : stats, aux->names,
                          aux->out);
    ds_put_char(aux->out, '\n');
}

void
ofproto_dump_flows(struct ofproto *ofproto,
                   const struct flow_mod_spec *filter, bool no_stats,
                   struct ds *out)
{
    ofproto_dump_flows_names(ofproto, filter, no_stats, false, out);
}

void
ofproto_dump_flows_names(struct ofproto *ofproto,
                         const struct flow_mod_spec *filter, bool no_stats,
                         bool names, struct ds *out)
{
    struct dump_flows_aux aux = { .no_stats = no_stats, .out = out };
    struct ofp_port_map map;

    if (names) {
        ofproto_get_port_map(ofproto, &map);
        aux.names = &map;
    }
    ofproto_for_each_flow(ofproto, filter, dump_flow_line, &aux);
    if (names) {
        ofp_port_map_uninit(&map);
    }
}

char **
ofproto_flows_to_strings(struct ofproto *ofproto, size_t *n)
{
    struct dump_entry *entries;
    char **lines;
    size_t i;

    entries = collect_rules(ofproto, NULL,
                            flow_table_saved_version(ofproto->tables), n);
    lines = xcalloc(*n, sizeof *lines);
    for (i = 0; i < *n; i++) {
        struct ds s = DS_EMPTY_INITIALIZER;
        struct ofp_flow_desc desc;

        rule_to_desc(entries[i].rule, &desc);
        ofp_flow_format(&desc, NULL, &s);
        lines[i] = ds_steal_cstr(&s);
        free(entries[i].match);
    }
    free(entries);
    return lines;
}

/* Timeouts. */

static void
log_expired(const struct rule *rule, enum flow_table_removed_reason reason,
            void *aux NFVS_UNUSED)
{
    if (vlog_is_enabled(&this_module, VLL_DBG)) {
        struct ds s = DS_EMPTY_INITIALIZER;

        match_format(&rule->cr.match, rule_priority(rule), &s);
        VLOG_DBG("table %d: %s timeout expired: %s", rule->table_id,
                 reason == FLOW_TABLE_REMOVED_IDLE ? "idle" : "hard",
                 ds_cstr(&s));
        ds_destroy(&s);
    }
}

size_t
ofproto_run_timeouts(struct ofproto *ofproto, long long int now)
{
    mac_learning_expire(ofproto->ml, now);
    return flow_table_expire(ofproto->tables, now, log_expired, NULL);
}

long long int
ofproto_next_timeout(const struct ofproto *ofproto)
{
    return flow_table_next_expiry(ofproto->tables);
}

/* Deletes, as one flow table commit, every flow for which 'uses' returns
 * true given 'id', and stores how many in '*n_flowsp'.  Deleting groups
 * and meters takes their flows first this way, as Open vSwitch does, so
 * that no flow ever names a missing one.  Returns 0, or the commit's error
 * with a message in '*errp' (then nothing changed).  Main thread. */
static int
delete_flows_using(struct ofproto *ofproto,
                   bool (*uses)(const struct rule *, uint32_t id),
                   uint32_t id, size_t *n_flowsp, char **errp)
{
    struct dump_entry *entries;
    size_t i, n, n_flows = 0;
    int error = 0;

    entries = collect_rules(ofproto, NULL,
                            flow_table_visible_version(ofproto->tables), &n);
    flow_table_begin(ofproto->tables);
    for (i = 0; i < n; i++) {
        const struct rule *rule = entries[i].rule;

        if (!error && uses(rule, id)) {
            struct flow_mod fm;

            flow_mod_init(&fm, FLOW_MOD_DELETE_STRICT, &rule->cr.match,
                          rule_priority(rule));
            fm.table_id = rule->table_id;
            error = flow_table_flow_mod(ofproto->tables, &fm);
            n_flows++;
        }
        free(entries[i].match);
    }
    free(entries);
    if (!error && n_flows) {
        error = flow_table_commit(ofproto->tables);
    } else {
        flow_table_abort(ofproto->tables);
    }
    if (error) {
        ofproto_commit_error(error, errp);
        return error;
    }
    *n_flowsp = n_flows;
    return 0;
}

static bool
rule_uses_group(const struct rule *rule, uint32_t id)
{
    return ofpacts_use_group(rule->ofpacts, rule->ofpacts_size, id);
}

static bool
rule_uses_meter(const struct rule *rule, uint32_t id)
{
    uint32_t mid = ofpacts_get_meter(rule->ofpacts, rule->ofpacts_size);

    return mid && (id == OFPM_ALL || mid == id);
}

/* Groups. */

static uint32_t
group_hash(uint32_t id)
{
    return hash_int(id, 0);
}

static void
ofproto_group_free(struct ofproto_group *og)
{
    if (og) {
        ofp_group_uninit(og->g);
        free(og->g);
        free(og->bucket_packets);
        free(og->bucket_bytes);
        free(og);
    }
}

static void
groups_destroy(struct ofproto *ofproto)
{
    struct ofproto_group *og;

    HMAP_FOR_EACH_POP (og, node, &ofproto->groups) {
        ofproto_group_free(og);
    }
    hmap_destroy(&ofproto->groups);
}

void
ofproto_set_groups_changed_cb(struct ofproto *ofproto,
                              ofproto_groups_changed_func *cb, void *aux)
{
    ofproto->groups_cb = cb;
    ofproto->groups_aux = aux;
}

void
ofproto_groups_read_lock(struct ofproto *ofproto)
{
    pthread_rwlock_rdlock(&ofproto->groups_lock);
}

void
ofproto_groups_read_unlock(struct ofproto *ofproto)
{
    pthread_rwlock_unlock(&ofproto->groups_lock);
}

struct ofproto_group *
ofproto_group_find(const struct ofproto *ofproto, uint32_t id)
{
    struct ofproto_group *og;

    HMAP_FOR_EACH_WITH_HASH (og, node, group_hash(id), &ofproto->groups) {
        if (og->g->group_id == id) {
            return og;
        }
    }
    return NULL;
}

uint64_t
ofproto_groups_seq(const struct ofproto *ofproto)
{
    return ofproto->groups_seq;
}

void
ofproto_group_credit(struct ofproto_group *og, size_t bucket,
                     uint64_t packets, uint64_t bytes)
{
    if (bucket == SIZE_MAX) {
        __atomic_add_fetch(&og->n_packets, packets, __ATOMIC_RELAXED);
        __atomic_add_fetch(&og->n_bytes, bytes, __ATOMIC_RELAXED);
    } else if (bucket < og->g->n_buckets) {
        __atomic_add_fetch(&og->bucket_packets[bucket], packets,
                           __ATOMIC_RELAXED);
        __atomic_add_fetch(&og->bucket_bytes[bucket], bytes,
                           __ATOMIC_RELAXED);
    }
}

static int
compare_u32(const void *a_, const void *b_)
{
    uint32_t a = *(const uint32_t *) a_;
    uint32_t b = *(const uint32_t *) b_;

    return (a > b) - (a < b);
}

bool
ofproto_port_is_live(const struct ofproto *ofproto, uint32_t ofport)
{
    const struct ofproto_port *port = ofproto_port_find(ofproto, ofport);

    return (port
            && !(ofproto->n_down_ports
                 && bsearch(&port->dp_port, ofproto->down_ports,
                            ofproto->n_down_ports,
                            sizeof *ofproto->down_ports, compare_u32)));
}

/* Reports the groups 'ids' changed to the callback. */
static void
groups_changed(struct ofproto *ofproto, const uint32_t *ids, size_t n)
{
    if (ofproto->groups_cb && n) {
        ofproto->groups_cb(ids, n, ofproto->groups_seq, ofproto->groups_aux);
    }
}

void
ofproto_set_port_live(struct ofproto *ofproto, uint32_t dp_port, bool live)
{
    uint32_t *found, *ids;
    struct ofproto_group *og;
    size_t n_ids = 0;

    pthread_rwlock_wrlock(&ofproto->ports_lock);
    found = (ofproto->n_down_ports
             ? bsearch(&dp_port, ofproto->down_ports, ofproto->n_down_ports,
                       sizeof *ofproto->down_ports, compare_u32)
             : NULL);
    if (live == !found) {
        pthread_rwlock_unlock(&ofproto->ports_lock);
        return;
    }
    if (live) {
        memmove(found, found + 1,
                (ofproto->down_ports + ofproto->n_down_ports - found - 1)
                * sizeof *found);
        ofproto->n_down_ports--;
    } else {
        ofproto->down_ports = xrealloc(ofproto->down_ports,
                                       (ofproto->n_down_ports + 1)
                                       * sizeof *ofproto->down_ports);
        ofproto->down_ports[ofproto->n_down_ports++] = dp_port;
        qsort(ofproto->down_ports, ofproto->n_down_ports,
              sizeof *ofproto->down_ports, compare_u32);
    }
    pthread_rwlock_unlock(&ofproto->ports_lock);

    /* Liveness matters to fast_failover groups only (and to groups that
     * use them, whose translations record both). */
    ids = xmalloc((hmap_count(&ofproto->groups) + 1) * sizeof *ids);
    pthread_rwlock_wrlock(&ofproto->groups_lock);
    HMAP_FOR_EACH (og, node, &ofproto->groups) {
        if (og->g->type == OFPGT_FF) {
            ids[n_ids++] = og->g->group_id;
        }
    }
    if (n_ids) {
        ofproto->groups_seq++;
    }
    pthread_rwlock_unlock(&ofproto->groups_lock);
    groups_changed(ofproto, ids, n_ids);
    free(ids);
}

/* Returns an error naming the first group action in 'ofpacts' whose
 * group does not exist, or NULL.  Main thread. */
static char *
check_groups_exist(struct ofproto *ofproto, const void *ofpacts, size_t size)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, ofpacts, size) {
        const struct ofpact_group *ga = (const void *) a;

        if (a->type == OFPACT_GROUP
            && !ofproto_group_find(ofproto, ga->group_id)) {
            return xasprintf("group:%"PRIu32": no such group",
                             ga->group_id);
        }
    }
    return NULL;
}

/* Appends to '*ids' (of '*n', allocated '*allocated') the groups that
 * bucket 'b' uses, by action or watch. */
static void
bucket_group_refs(const struct ofp_bucket *b, uint32_t **ids, size_t *n,
                  size_t *allocated)
{
    const struct ofpact *a;

    if (*n + 1 >= *allocated) {
        *allocated = *allocated * 2 + 8;
        *ids = xrealloc(*ids, *allocated * sizeof **ids);
    }
    if (b->watch_group != OFPG_NONE) {
        (*ids)[(*n)++] = b->watch_group;
    }
    OFPACT_FOR_EACH (a, b->ofpacts, b->ofpacts_size) {
        if (a->type == OFPACT_GROUP) {
            if (*n + 1 >= *allocated) {
                *allocated = *allocated * 2 + 8;
                *ids = xrealloc(*ids, *allocated * sizeof **ids);
            }
            (*ids)[(*n)++] = ((const struct ofpact_group *) a)->group_id;
        }
    }
}

/* Returns true if group 'g', replacing the group of its id, would reach
 * itself through the groups its buckets use (by action or watch), which
 * would make translation loop. */
static bool
group_makes_loop(struct ofproto *ofproto, const struct ofp_group *g)
{
    size_t n = 0, allocated = 0, n_seen = 0, i;
    uint32_t *pending = NULL, *seen;
    bool loop = false;

    for (i = 0; i < g->n_buckets; i++) {
        bucket_group_refs(&g->buckets[i], &pending, &n, &allocated);
    }
    seen = xmalloc((hmap_count(&ofproto->groups) + 1) * sizeof *seen);
    while (n && !loop) {
        uint32_t id = pending[--n];
        const struct ofproto_group *og;

        if (id == g->group_id) {
            loop = true;
            break;
        }
        for (i = 0; i < n_seen && seen[i] != id; i++) {
            continue;
        }
        og = i == n_seen ? ofproto_group_find(ofproto, id) : NULL;
        if (og) {
            seen[n_seen++] = id;
            for (i = 0; i < og->g->n_buckets; i++) {
                bucket_group_refs(&og->g->buckets[i], &pending, &n,
                                  &allocated);
            }
        }
    }
    free(pending);
    free(seen);
    return loop;
}

/* Checks 'g' against the bridge; see ofproto_group_add(). */
static char *
check_group(struct ofproto *ofproto, const struct ofp_group *g)
{
    size_t i;

    for (i = 0; i < g->n_buckets; i++) {
        const struct ofp_bucket *b = &g->buckets[i];
        const struct ofpact *a;
        char *msg;

        if (b->watch_group != OFPG_NONE
            && (b->watch_group == g->group_id
                || !ofproto_group_find(ofproto, b->watch_group))) {
            return xasprintf("bucket %"PRIu32": watch_group:%"PRIu32": %s",
                             b->bucket_id, b->watch_group,
                             (b->watch_group == g->group_id
                              ? "a group cannot watch itself"
                              : "no such group"));
        }
        OFPACT_FOR_EACH (a, b->ofpacts, b->ofpacts_size) {
            const struct ofpact_group *ga = (const void *) a;

            if (a->type == OFPACT_GROUP && ga->group_id == g->group_id) {
                return xasprintf("bucket %"PRIu32": group:%"PRIu32": a "
                                 "group cannot use itself", b->bucket_id,
                                 ga->group_id);
            }
        }
        msg = check_groups_exist(ofproto, b->ofpacts, b->ofpacts_size);
        if (msg) {
            char *s = xasprintf("bucket %"PRIu32": %s", b->bucket_id, msg);

            free(msg);
            return s;
        }
    }
    if (group_makes_loop(ofproto, g)) {
        return xasprintf("group_id=%"PRIu32": its buckets would use it "
                         "again through other groups (a loop)",
                         g->group_id);
    }
    return NULL;
}

int
ofproto_group_add(struct ofproto *ofproto, const struct ofp_group *g,
                  bool modify, char **errp)
{
    struct ofproto_group *old, *og;
    char *msg;

    *errp = NULL;
    old = ofproto_group_find(ofproto, g->group_id);
    if (!modify && old) {
        *errp = xasprintf("group_id=%"PRIu32": group exists (use "
                          "mod-group to change it)", g->group_id);
        return EEXIST;
    } else if (modify && !old) {
        *errp = xasprintf("group_id=%"PRIu32": no such group",
                          g->group_id);
        return ENOENT;
    }
    msg = check_group(ofproto, g);
    if (msg) {
        *errp = msg;
        return EINVAL;
    }

    og = xzalloc(sizeof *og);
    og->g = xmalloc(sizeof *og->g);
    ofp_group_clone(og->g, g);
    og->created = old ? old->created : time_msec();
    og->n_packets = old ? old->n_packets : 0;
    og->n_bytes = old ? old->n_bytes : 0;
    og->bucket_packets = xcalloc(g->n_buckets + 1,
                                 sizeof *og->bucket_packets);
    og->bucket_bytes = xcalloc(g->n_buckets + 1, sizeof *og->bucket_bytes);

    pthread_rwlock_wrlock(&ofproto->groups_lock);
    if (old) {
        hmap_remove(&ofproto->groups, &old->node);
    }
    hmap_insert(&ofproto->groups, &og->node, group_hash(g->group_id));
    ofproto->groups_seq++;
    pthread_rwlock_unlock(&ofproto->groups_lock);
    ofproto_group_free(old);

    groups_changed(ofproto, &g->group_id, 1);
    return 0;
}

int
ofproto_group_del(struct ofproto *ofproto, uint32_t id, size_t *n_flowsp,
                  char **errp)
{
    struct ofproto_group *og, *next;
    size_t n_ids = 0, n_flows;
    uint32_t *ids;
    int error;

    *errp = NULL;
    if (n_flowsp) {
        *n_flowsp = 0;
    }
    if (id != OFPG_ALL && !ofproto_group_find(ofproto, id)) {
        return 0;
    }

    /* First the flows that use the group, so that no flow names a
     * missing group. */
    error = delete_flows_using(ofproto, rule_uses_group, id, &n_flows, errp);
    if (error) {
        return error;
    }
    if (n_flowsp) {
        *n_flowsp = n_flows;
    }

    ids = xmalloc((hmap_count(&ofproto->groups) + 1) * sizeof *ids);
    pthread_rwlock_wrlock(&ofproto->groups_lock);
    HMAP_FOR_EACH_SAFE (og, next, node, &ofproto->groups) {
        if (id == OFPG_ALL || og->g->group_id == id) {
            ids[n_ids++] = og->g->group_id;
            hmap_remove(&ofproto->groups, &og->node);
            ofproto_group_free(og);
        }
    }
    ofproto->groups_seq++;
    pthread_rwlock_unlock(&ofproto->groups_lock);
    groups_changed(ofproto, ids, n_ids);
    free(ids);
    return 0;
}

static int
compare_groups(const void *a_, const void *b_)
{
    const struct ofproto_group *a = *(const struct ofproto_group *const *) a_;
    const struct ofproto_group *b = *(const struct ofproto_group *const *) b_;

    return compare_u32(&a->g->group_id, &b->g->group_id);
}

/* Returns the groups 'id' selects, sorted by id.  Main thread. */
static struct ofproto_group **
groups_sorted(struct ofproto *ofproto, uint32_t id, size_t *n)
{
    struct ofproto_group **all, *og;
    size_t n_all = 0;

    all = xmalloc((hmap_count(&ofproto->groups) + 1) * sizeof *all);
    HMAP_FOR_EACH (og, node, &ofproto->groups) {
        if (id == OFPG_ALL || og->g->group_id == id) {
            all[n_all++] = og;
        }
    }
    qsort(all, n_all, sizeof *all, compare_groups);
    *n = n_all;
    return all;
}

struct ofp_group **
ofproto_groups_get(struct ofproto *ofproto, uint32_t id, size_t *n)
{
    struct ofproto_group **sorted = groups_sorted(ofproto, id, n);
    struct ofp_group **copies = xmalloc((*n + 1) * sizeof *copies);
    size_t i;

    for (i = 0; i < *n; i++) {
        copies[i] = xmalloc(sizeof *copies[i]);
        ofp_group_clone(copies[i], sorted[i]->g);
    }
    free(sorted);
    return copies;
}

struct ofproto_group_stats *
ofproto_group_stats_get(struct ofproto *ofproto, uint32_t id, size_t *n)
{
    struct ofproto_group **sorted = groups_sorted(ofproto, id, n);
    struct ofproto_group_stats *stats = xcalloc(*n + 1, sizeof *stats);
    long long int now = time_msec();
    struct dump_entry *entries;
    size_t i, j, n_rules;

    entries = collect_rules(ofproto, NULL,
                            flow_table_visible_version(ofproto->tables),
                            &n_rules);
    for (i = 0; i < *n; i++) {
        const struct ofproto_group *og = sorted[i];
        struct ofproto_group_stats *s = &stats[i];

        s->group_id = og->g->group_id;
        s->duration_msec = now - og->created;
        s->n_packets = __atomic_load_n(&og->n_packets, __ATOMIC_RELAXED);
        s->n_bytes = __atomic_load_n(&og->n_bytes, __ATOMIC_RELAXED);
        s->n_buckets = og->g->n_buckets;
        s->bucket_packets = xcalloc(s->n_buckets + 1,
                                    sizeof *s->bucket_packets);
        s->bucket_bytes = xcalloc(s->n_buckets + 1, sizeof *s->bucket_bytes);
        for (j = 0; j < s->n_buckets; j++) {
            s->bucket_packets[j] = __atomic_load_n(&og->bucket_packets[j],
                                                   __ATOMIC_RELAXED);
            s->bucket_bytes[j] = __atomic_load_n(&og->bucket_bytes[j],
                                                 __ATOMIC_RELAXED);
        }
        for (j = 0; j < n_rules; j++) {
            const struct rule *rule = entries[j].rule;

            if (ofpacts_use_group(rule->ofpacts, rule->ofpacts_size,
                                  s->group_id)) {
                s->ref_count++;
            }
        }
    }
    for (j = 0; j < n_rules; j++) {
        free(entries[j].match);
    }
    free(entries);
    free(sorted);
    return stats;
}

/* Meters. */

static struct ofproto_meter *
meter_find(const struct ofproto *ofproto, uint32_t id)
{
    size_t lo = 0, hi = ofproto->n_meters;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct ofproto_meter *om = &ofproto->meters[mid];

        if (om->m.meter_id == id) {
            return om;
        } else if (om->m.meter_id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

static char *
check_meters_exist(struct ofproto *ofproto, const void *ofpacts, size_t size)
{
    uint32_t id = ofpacts_get_meter(ofpacts, size);

    if (id && !meter_find(ofproto, id)) {
        return xasprintf("meter:%"PRIu32": no such meter (add it with "
                         "add-meter first)", id);
    }
    return NULL;
}

int
ofproto_meter_add(struct ofproto *ofproto, const struct ofp_meter *m,
                  bool modify, char **errp)
{
    struct ofproto_meter *om = meter_find(ofproto, m->meter_id);
    size_t i;

    *errp = NULL;
    if (om && !modify) {
        *errp = xasprintf("meter=%"PRIu32": meter exists (use mod-meter to "
                          "change it)", m->meter_id);
        return EEXIST;
    } else if (!om && modify) {
        *errp = xasprintf("meter=%"PRIu32": no such meter", m->meter_id);
        return ENOENT;
    } else if (om) {
        om->m = *m;
        return 0;
    }
    ofproto->meters = xrealloc(ofproto->meters, (ofproto->n_meters + 1)
                               * sizeof *ofproto->meters);
    for (i = ofproto->n_meters; i > 0; i--) {
        if (ofproto->meters[i - 1].m.meter_id < m->meter_id) {
            break;
        }
        ofproto->meters[i] = ofproto->meters[i - 1];
    }
    ofproto->meters[i].m = *m;
    ofproto->meters[i].created = time_msec();
    ofproto->n_meters++;
    return 0;
}

int
ofproto_meter_del(struct ofproto *ofproto, uint32_t id, size_t *n_flowsp,
                  char **errp)
{
    size_t i, j, n_flows;
    int error;

    *errp = NULL;
    *n_flowsp = 0;

    /* First the flows that use the meters, as OVS does, so that no flow
     * names a missing meter. */
    error = delete_flows_using(ofproto, rule_uses_meter, id, &n_flows, errp);
    if (error) {
        return error;
    }
    *n_flowsp = n_flows;

    for (i = j = 0; i < ofproto->n_meters; i++) {
        if (id != OFPM_ALL && ofproto->meters[i].m.meter_id != id) {
            ofproto->meters[j++] = ofproto->meters[i];
        }
    }
    ofproto->n_meters = j;
    return 0;
}

struct ofp_meter *
ofproto_meters_get(const struct ofproto *ofproto, uint32_t id, size_t *n)
{
    struct ofp_meter *meters = xmalloc((ofproto->n_meters + 1)
                                       * sizeof *meters);
    size_t i;

    *n = 0;
    for (i = 0; i < ofproto->n_meters; i++) {
        if (id == OFPM_ALL || ofproto->meters[i].m.meter_id == id) {
            meters[(*n)++] = ofproto->meters[i].m;
        }
    }
    return meters;
}

bool
ofproto_meter_info(struct ofproto *ofproto, uint32_t id,
                   size_t *n_flowsp, long long int *createdp)
{
    const struct ofproto_meter *om = meter_find(ofproto, id);
    struct dump_entry *entries;
    size_t i, n;

    *n_flowsp = 0;
    *createdp = 0;
    if (!om) {
        return false;
    }
    *createdp = om->created;
    entries = collect_rules(ofproto, NULL,
                            flow_table_visible_version(ofproto->tables), &n);
    for (i = 0; i < n; i++) {
        const struct rule *rule = entries[i].rule;

        if (ofpacts_get_meter(rule->ofpacts, rule->ofpacts_size) == id) {
            (*n_flowsp)++;
        }
        free(entries[i].match);
    }
    free(entries);
    return true;
}
