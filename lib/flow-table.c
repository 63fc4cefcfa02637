#include <config.h>
#include "flow-table.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

/* One OpenFlow table. */
struct oftable {
    struct classifier cls;      /* Contains "struct rule"s. */
    size_t max_rules;           /* Limit on the rules visible in
                                 * CLS_MAX_VERSION. */
    size_t n_hidden;            /* Rules in 'cls' visible in no version
                                 * from the latest on (removed by a
                                 * staged batch, not yet taken out). */
};

/* One entry of the undo log of the batch being applied.  On commit the
 * log becomes the change report and says what to free; on failure it is
 * replayed backward. */
enum ft_undo_type {
    FT_UNDO_INSERTED,           /* 'rule' was inserted. */
    FT_UNDO_REMOVED,            /* 'rule' was removed. */
    FT_UNDO_REPLACED,           /* 'rule' was inserted displacing 'old'. */
    FT_UNDO_MODIFIED,           /* 'rule' was modified; old values here. */
};

struct ft_undo {
    enum ft_undo_type type;     /* What was done. */
    struct rule *rule;          /* The rule it was done to. */
    struct rule *old;           /* REPLACED: the displaced rule. */
    void *ofpacts;              /* MODIFIED: previous actions (owned). */
    size_t ofpacts_size;        /* MODIFIED: size of 'ofpacts'. */
    uint64_t cookie;            /* MODIFIED: previous cookie. */
    long long int modified;     /* MODIFIED: previous modification time. */
    uint64_t n_packets;         /* MODIFIED: previous packet count. */
    uint64_t n_bytes;           /* MODIFIED: previous byte count. */
    bool keep_counts;           /* REPLACED by a staged batch: 'rule'
                                 * takes over 'old''s counts when it is
                                 * published. */
};

/* Where a staged batch (flow_table_commit_start()) is. */
enum ft_stage {
    FT_IDLE,                    /* None: the undo log is free. */
    FT_STAGING,                 /* Applying 'staged_ops', invisibly. */
    FT_CLEANUP,                 /* Published; taking out the rules it
                                 * removed (the undo log lists them). */
};

/* An expiry heap entry; 'key' is a lower bound on the rule's deadline. */
struct ft_heap_entry {
    long long int key;          /* Earliest possible deadline, ms. */
    struct rule *rule;          /* Rule with a timeout. */
};

struct flow_table {
    struct oftable tables[FLOW_TABLE_N_TABLES]; /* Tables 0..254. */
    pthread_rwlock_t rwlock;    /* Readers vs. applying a batch. */
    uint64_t version;           /* Bumped by each effective commit. */
    uint64_t visible;           /* The classifier version readers see. */
    uint64_t change_seq;        /* Rule changes reported so far. */
    const enum flow_table_removed_reason *expiry_reasons; /* While
                                 * flow_table_expire() reports: why each
                                 * entry of the undo log went. */

    /* The open batch. */
    bool in_batch;              /* Between begin and commit/abort. */
    int batch_error;            /* First error queuing, or 0. */
    struct flow_mod *ops;       /* Queued flow mods (actions owned). */
    size_t n_ops, allocated_ops;

    /* The staged batch. */
    enum ft_stage stage;
    struct flow_mod *staged_ops;    /* Its flow mods (actions owned). */
    size_t n_staged_ops, allocated_staged_ops;
    size_t next_op;             /* FT_STAGING: first not applied yet. */
    size_t n_journaled;         /* FT_STAGING: undo entries journaled. */
    size_t n_keep_counts;       /* FT_STAGING: REPLACED with keep_counts. */
    int staged_error;           /* FT_STAGING: first error applying. */
    long long int staged_now;   /* FT_STAGING: time of the batch. */
    bool journaling;            /* FT_STAGING: in its journal callback. */
    size_t next_cleanup;        /* FT_CLEANUP: first undo entry left. */

    /* Undo log of the batch being applied. */
    struct ft_undo *undo;
    size_t n_undo, allocated_undo;

    /* Rules with timeouts. */
    struct ft_heap_entry *heap;
    size_t n_heap, allocated_heap;

    flow_table_change_func *change_cb;  /* May be NULL. */
    void *change_aux;
    flow_table_journal_func *journal_cb; /* May be NULL. */
    void *journal_aux;
    flow_table_change_func *observer_cb; /* May be NULL. */
    void *observer_aux;
    flow_table_output_func *output_cb;  /* May be NULL. */
    void *output_aux;
    flow_table_clock_func *clock_cb;    /* NULL: time_msec(). */
    void *clock_aux;
};

static long long int
ft_now(const struct flow_table *ft)
{
    return ft->clock_cb ? ft->clock_cb(ft->clock_aux) : time_msec();
}

/* Expiry heap. */

static void
heap_set(struct flow_table *ft, size_t i, struct ft_heap_entry e)
{
    ft->heap[i] = e;
    e.rule->expiry_idx = i;
}

static void
heap_sift_up(struct flow_table *ft, size_t i)
{
    struct ft_heap_entry e = ft->heap[i];

    while (i > 0 && ft->heap[(i - 1) / 2].key > e.key) {
        heap_set(ft, i, ft->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(ft, i, e);
}

static void
heap_sift_down(struct flow_table *ft, size_t i)
{
    struct ft_heap_entry e = ft->heap[i];

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= ft->n_heap) {
            break;
        }
        if (c + 1 < ft->n_heap && ft->heap[c + 1].key < ft->heap[c].key) {
            c++;
        }
        if (ft->heap[c].key >= e.key) {
            break;
        }
        heap_set(ft, i, ft->heap[c]);
        i = c;
    }
    heap_set(ft, i, e);
}

static void
heap_remove(struct flow_table *ft, struct rule *rule)
{
    size_t i = rule->expiry_idx;

    if (i == SIZE_MAX) {
        return;
    }
    rule->expiry_idx = SIZE_MAX;
    if (i != --ft->n_heap) {
        struct rule *moved = ft->heap[ft->n_heap].rule;

        heap_set(ft, i, ft->heap[ft->n_heap]);
        heap_sift_up(ft, i);
        heap_sift_down(ft, moved->expiry_idx);
    }
}

/* Returns 'rule''s real expiry deadline and, in '*reasonp', which timeout
 * sets it; LLONG_MAX if it has no timeout. */
static long long int
rule_deadline(const struct rule *rule,
              enum flow_table_removed_reason *reasonp)
{
    long long int deadline = LLONG_MAX;

    *reasonp = FLOW_TABLE_REMOVED_HARD;
    if (rule->hard_timeout) {
        deadline = rule->modified + rule->hard_timeout * 1000LL;
    }
    if (rule->idle_timeout) {
        long long int used = __atomic_load_n(&rule->last_used,
                                             __ATOMIC_RELAXED);
        long long int idle = used + rule->idle_timeout * 1000LL;

        if (idle < deadline) {
            deadline = idle;
            *reasonp = FLOW_TABLE_REMOVED_IDLE;
        }
    }
    return deadline;
}

/* Puts 'rule' in the expiry heap with its current deadline, or takes it
 * out if it has none. */
static void
ft_schedule(struct flow_table *ft, struct rule *rule)
{
    enum flow_table_removed_reason reason;
    long long int key = rule_deadline(rule, &reason);

    if (key == LLONG_MAX) {
        heap_remove(ft, rule);
    } else if (rule->expiry_idx == SIZE_MAX) {
        if (ft->n_heap == ft->allocated_heap) {
            ft->allocated_heap = ft->allocated_heap
                                 ? 2 * ft->allocated_heap : 64;
            ft->heap = xrealloc(ft->heap,
                                ft->allocated_heap * sizeof *ft->heap);
        }
        heap_set(ft, ft->n_heap++, (struct ft_heap_entry) { key, rule });
        heap_sift_up(ft, ft->n_heap - 1);
    } else {
        size_t i = rule->expiry_idx;

        ft->heap[i].key = key;
        heap_sift_up(ft, i);
        heap_sift_down(ft, rule->expiry_idx);
    }
}

/* Rules. */

static struct rule *
rule_create(const struct flow_mod *fm, long long int now)
{
    struct rule *rule = xzalloc(sizeof *rule);

    cls_rule_init(&rule->cr, &fm->match, fm->priority);
    rule->table_id = fm->table_id;
    rule->flags = fm->flags & FLOW_MOD_F_SEND_FLOW_REM;
    rule->cookie = fm->new_cookie;
    rule->idle_timeout = fm->idle_timeout;
    rule->hard_timeout = fm->hard_timeout;
    rule->created = rule->modified = rule->last_used = now;
    rule->ofpacts = fm->ofpacts_size
                    ? xmemdup(fm->ofpacts, fm->ofpacts_size) : NULL;
    rule->ofpacts_size = fm->ofpacts_size;
    rule->expiry_idx = SIZE_MAX;
    return rule;
}

/* Returns a copy of 'rule' as 'fm' (a modify) changes it at 'now', to take
 * its place in a staged batch. */
static struct rule *
rule_create_modified(const struct rule *rule, const struct flow_mod *fm,
                     long long int now)
{
    struct rule *new = xzalloc(sizeof *new);

    cls_rule_init(&new->cr, &rule->cr.match, rule->cr.priority);
    new->table_id = rule->table_id;
    new->flags = rule->flags;
    new->cookie = (fm->new_cookie != FLOW_MOD_COOKIE_KEEP
                   ? fm->new_cookie : rule->cookie);
    new->idle_timeout = rule->idle_timeout;
    new->hard_timeout = rule->hard_timeout;
    new->created = rule->created;
    new->modified = now;
    new->last_used = __atomic_load_n(&rule->last_used, __ATOMIC_RELAXED);
    new->ofpacts = fm->ofpacts_size
                   ? xmemdup(fm->ofpacts, fm->ofpacts_size) : NULL;
    new->ofpacts_size = fm->ofpacts_size;
    new->expiry_idx = SIZE_MAX;
    return new;
}

static void
rule_destroy(struct rule *rule)
{
    if (rule) {
        free(rule->ofpacts);
        free(rule->journal_key);
        free(rule);
    }
}

static void
rule_set_counts(struct rule *rule, uint64_t n_packets, uint64_t n_bytes)
{
    __atomic_store_n(&rule->n_packets, n_packets, __ATOMIC_RELAXED);
    __atomic_store_n(&rule->n_bytes, n_bytes, __ATOMIC_RELAXED);
}

/* Lifecycle and configuration. */

void
flow_mod_init(struct flow_mod *fm, enum flow_mod_command command,
              const struct match *match, int priority)
{
    memset(fm, 0, sizeof *fm);
    fm->command = command;
    fm->match = *match;
    fm->priority = priority;
    fm->out_port = OFPP_NONE;
}

struct flow_table *
flow_table_create(void)
{
    struct flow_table *ft = xzalloc(sizeof *ft);
    pthread_rwlockattr_t attr;
    size_t i;

    for (i = 0; i < FLOW_TABLE_N_TABLES; i++) {
        classifier_init(&ft->tables[i].cls);
        ft->tables[i].max_rules = SIZE_MAX;
    }
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(
        &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&ft->rwlock, &attr);
    pthread_rwlockattr_destroy(&attr);
    ft->version = 1;
    return ft;
}

static void
ft_free_ops(struct flow_mod *ops, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free((void *) ops[i].ofpacts);
    }
}

static void
ft_discard_ops(struct flow_table *ft)
{
    ft_free_ops(ft->ops, ft->n_ops);
    ft->n_ops = 0;
    ft->batch_error = 0;
    ft->in_batch = false;
}

void
flow_table_destroy(struct flow_table *ft)
{
    size_t i;

    if (!ft) {
        return;
    }
    ft_discard_ops(ft);
    for (i = 0; i < FLOW_TABLE_N_TABLES; i++) {
        struct classifier *cls = &ft->tables[i].cls;
        struct rule **rules = xmalloc(classifier_count(cls) * sizeof *rules
                                      + 1);
        struct cls_cursor cursor;
        struct cls_rule *cr;
        size_t n = 0, j;

        cls_cursor_start_version(&cursor, cls, NULL, false,
                                 CLS_ANY_VERSION);
        while ((cr = cls_cursor_next(&cursor)) != NULL) {
            rules[n++] = rule_from_cls_rule(cr);
        }
        classifier_destroy(cls);
        for (j = 0; j < n; j++) {
            rule_destroy(rules[j]);
        }
        free(rules);
    }
    pthread_rwlock_destroy(&ft->rwlock);
    ft_free_ops(ft->staged_ops, ft->n_staged_ops);
    free(ft->staged_ops);
    free(ft->ops);
    free(ft->undo);
    free(ft->heap);
    free(ft);
}

void
flow_table_set_change_cb(struct flow_table *ft, flow_table_change_func *cb,
                         void *aux)
{
    ft->change_cb = cb;
    ft->change_aux = aux;
}

void
flow_table_set_journal(struct flow_table *ft, flow_table_journal_func *cb,
                       void *aux)
{
    ft->journal_cb = cb;
    ft->journal_aux = aux;
}

void
flow_table_set_observer(struct flow_table *ft, flow_table_change_func *cb,
                        void *aux)
{
    ft->observer_cb = cb;
    ft->observer_aux = aux;
}

uint64_t
flow_table_change_seq(const struct flow_table *ft)
{
    return ft->change_seq;
}

void
flow_table_set_output_checker(struct flow_table *ft,
                              flow_table_output_func *cb, void *aux)
{
    ft->output_cb = cb;
    ft->output_aux = aux;
}

void
flow_table_set_clock(struct flow_table *ft, flow_table_clock_func *cb,
                     void *aux)
{
    ft->clock_cb = cb;
    ft->clock_aux = aux;
}

void
flow_table_set_max_rules(struct flow_table *ft, uint8_t table_id,
                         size_t max_rules)
{
    assert(table_id < FLOW_TABLE_N_TABLES);
    ft->tables[table_id].max_rules = max_rules;
}

/* Readers. */

void
flow_table_read_lock(struct flow_table *ft)
{
    pthread_rwlock_rdlock(&ft->rwlock);
}

void
flow_table_read_unlock(struct flow_table *ft)
{
    pthread_rwlock_unlock(&ft->rwlock);
}

uint64_t
flow_table_version(const struct flow_table *ft)
{
    return __atomic_load_n(&ft->version, __ATOMIC_ACQUIRE);
}

uint64_t
flow_table_visible_version(const struct flow_table *ft)
{
    return __atomic_load_n(&ft->visible, __ATOMIC_ACQUIRE);
}

uint64_t
flow_table_saved_version(const struct flow_table *ft)
{
    return ft->journaling ? CLS_MAX_VERSION : flow_table_visible_version(ft);
}

struct rule *
flow_table_lookup(const struct flow_table *ft, uint8_t table_id,
                  const struct flow *flow, struct flow_wildcards *wc)
{
    if (table_id >= FLOW_TABLE_N_TABLES) {
        return NULL;
    }
    return rule_from_cls_rule(
        classifier_lookup_version(&ft->tables[table_id].cls,
                                  flow_table_visible_version(ft), flow, wc));
}

void
flow_table_credit_stats(struct rule *rule, uint64_t packets, uint64_t bytes,
                        long long int used)
{
    long long int old;

    __atomic_fetch_add(&rule->n_packets, packets, __ATOMIC_RELAXED);
    __atomic_fetch_add(&rule->n_bytes, bytes, __ATOMIC_RELAXED);
    old = __atomic_load_n(&rule->last_used, __ATOMIC_RELAXED);
    while (used > old
           && !__atomic_compare_exchange_n(&rule->last_used, &old, used,
                                           true, __ATOMIC_RELAXED,
                                           __ATOMIC_RELAXED)) {
        continue;
    }
}

void
flow_table_rule_stats(const struct rule *rule, uint64_t *n_packets,
                      uint64_t *n_bytes, long long int *last_used)
{
    *n_packets = __atomic_load_n(&rule->n_packets, __ATOMIC_RELAXED);
    *n_bytes = __atomic_load_n(&rule->n_bytes, __ATOMIC_RELAXED);
    *last_used = __atomic_load_n(&rule->last_used, __ATOMIC_RELAXED);
}

size_t
flow_table_count(const struct flow_table *ft, uint8_t table_id)
{
    size_t n = 0;
    size_t i;

    if (table_id < FLOW_TABLE_N_TABLES) {
        return (classifier_count(&ft->tables[table_id].cls)
                - ft->tables[table_id].n_hidden);
    }
    for (i = 0; i < FLOW_TABLE_N_TABLES; i++) {
        n += (classifier_count(&ft->tables[i].cls)
              - ft->tables[i].n_hidden);
    }
    return n;
}

const struct classifier *
flow_table_classifier(const struct flow_table *ft, uint8_t table_id)
{
    assert(table_id < FLOW_TABLE_N_TABLES);
    return &ft->tables[table_id].cls;
}

struct rule *
flow_table_find_exactly(const struct flow_table *ft, uint8_t table_id,
                        const struct match *match, int priority)
{
    if (table_id >= FLOW_TABLE_N_TABLES) {
        return NULL;
    }
    return rule_from_cls_rule(
        classifier_find_exactly(&ft->tables[table_id].cls, match, priority));
}

/* Applying flow mods, with the write lock held. */

static struct ft_undo *
ft_log(struct flow_table *ft, enum ft_undo_type type, struct rule *rule)
{
    struct ft_undo *u;

    if (ft->n_undo == ft->allocated_undo) {
        ft->allocated_undo = ft->allocated_undo ? 2 * ft->allocated_undo : 16;
        ft->undo = xrealloc(ft->undo, ft->allocated_undo * sizeof *ft->undo);
    }
    u = &ft->undo[ft->n_undo++];
    memset(u, 0, sizeof *u);
    u->type = type;
    u->rule = rule;
    return u;
}

/* The version a staged batch's changes become visible in. */
static uint64_t
ft_pending_version(const struct flow_table *ft)
{
    return ft->visible + 1;
}

/* Removes 'rule': at once, or in a staged batch by hiding it from the
 * pending version on. */
static void
ft_remove_rule(struct flow_table *ft, struct rule *rule)
{
    if (ft->stage == FT_STAGING) {
        rule->cr.remove_version = ft_pending_version(ft);
        ft->tables[rule->table_id].n_hidden++;
    } else {
        classifier_remove(&ft->tables[rule->table_id].cls, &rule->cr);
    }
    heap_remove(ft, rule);
    ft_log(ft, FT_UNDO_REMOVED, rule);
}

/* In a staged batch: inserts 'rule' to take the place of 'old' (NULL:
 * none) from the pending version on, and logs it. */
static void
ft_insert_staged(struct flow_table *ft, struct rule *rule, struct rule *old,
                 bool keep_counts)
{
    struct oftable *table = &ft->tables[rule->table_id];

    rule->cr.add_version = ft_pending_version(ft);
    if (old) {
        struct ft_undo *u;

        rule->cr.seq = old->cr.seq;
        classifier_insert_versioned(&table->cls, &rule->cr);
        old->cr.remove_version = ft_pending_version(ft);
        table->n_hidden++;
        heap_remove(ft, old);
        u = ft_log(ft, FT_UNDO_REPLACED, rule);
        u->old = old;
        u->keep_counts = keep_counts;
        ft->n_keep_counts += keep_counts;
    } else {
        classifier_insert_versioned(&table->cls, &rule->cr);
        ft_log(ft, FT_UNDO_INSERTED, rule);
    }
    ft_schedule(ft, rule);
}

static int
ft_apply_add(struct flow_table *ft, const struct flow_mod *fm,
             long long int now)
{
    struct oftable *table = &ft->tables[fm->table_id];
    struct rule *old, *rule;

    old = rule_from_cls_rule(classifier_find_exactly(&table->cls, &fm->match,
                                                     fm->priority));
    if (!old) {
        if (fm->flags & FLOW_MOD_F_CHECK_OVERLAP
            && classifier_rule_overlaps(&table->cls, &fm->match,
                                        fm->priority)) {
            return EEXIST;
        }
        if (classifier_count(&table->cls) - table->n_hidden
            >= table->max_rules) {
            return ENOSPC;
        }
    }

    rule = rule_create(fm, now);
    if (ft->stage == FT_STAGING) {
        ft_insert_staged(ft, rule, old,
                         !(fm->flags & FLOW_MOD_F_RESET_COUNTS));
        return 0;
    }
    if (old) {
        struct cls_rule *displaced;
        struct ft_undo *u;

        if (!(fm->flags & FLOW_MOD_F_RESET_COUNTS)) {
            uint64_t n_packets, n_bytes;
            long long int used;

            flow_table_rule_stats(old, &n_packets, &n_bytes, &used);
            rule_set_counts(rule, n_packets, n_bytes);
        }
        displaced = classifier_insert(&table->cls, &rule->cr);
        assert(displaced == &old->cr);
        heap_remove(ft, old);
        u = ft_log(ft, FT_UNDO_REPLACED, rule);
        u->old = old;
    } else {
        classifier_insert(&table->cls, &rule->cr);
        ft_log(ft, FT_UNDO_INSERTED, rule);
    }
    ft_schedule(ft, rule);
    return 0;
}

/* True if 'rule' passes the cookie and out_port filters of 'fm'. */
static bool
ft_rule_selected(const struct flow_table *ft, const struct flow_mod *fm,
                 const struct rule *rule)
{
    bool is_delete = (fm->command == FLOW_MOD_DELETE
                      || fm->command == FLOW_MOD_DELETE_STRICT);

    if ((rule->cookie ^ fm->cookie) & fm->cookie_mask) {
        return false;
    }
    if (is_delete && fm->out_port != OFPP_NONE
        && !ft->output_cb(rule->ofpacts, rule->ofpacts_size, fm->out_port,
                          ft->output_aux)) {
        return false;
    }
    return true;
}

/* Stores in '*rulesp' (caller frees) the rules 'fm' selects; returns how
 * many.  Collected first because changing a classifier invalidates its
 * cursors. */
static size_t
ft_collect(const struct flow_table *ft, const struct flow_mod *fm,
           struct rule ***rulesp)
{
    bool strict = (fm->command == FLOW_MOD_MODIFY_STRICT
                   || fm->command == FLOW_MOD_DELETE_STRICT);
    size_t first = fm->table_id == FLOW_TABLE_ALL ? 0 : fm->table_id;
    size_t last = (fm->table_id == FLOW_TABLE_ALL
                   ? FLOW_TABLE_N_TABLES - 1 : fm->table_id);
    struct rule **rules = NULL;
    size_t n = 0, allocated = 0;
    size_t t;

    for (t = first; t <= last; t++) {
        const struct classifier *cls = &ft->tables[t].cls;
        struct cls_cursor cursor;
        struct cls_rule *cr;

        if (classifier_is_empty(cls)) {
            continue;
        }
        CLS_FOR_EACH_TARGET (cr, &cursor, cls, &fm->match, strict) {
            struct rule *rule = rule_from_cls_rule(cr);

            if ((strict && cr->priority != fm->priority)
                || !ft_rule_selected(ft, fm, rule)) {
                continue;
            }
            if (n == allocated) {
                allocated = allocated ? 2 * allocated : 16;
                rules = xrealloc(rules, allocated * sizeof *rules);
            }
            rules[n++] = rule;
        }
    }
    *rulesp = rules;
    return n;
}

static int
ft_apply_modify(struct flow_table *ft, const struct flow_mod *fm,
                long long int now)
{
    struct rule **rules;
    size_t n, i;

    n = ft_collect(ft, fm, &rules);
    if (!n) {
        free(rules);
        if (fm->flags & FLOW_MOD_F_ADD_IF_MISSING && !fm->cookie_mask) {
            /* As OpenFlow 1.0 does: the new rule goes to table 0 when the
             * modify named every table, with cookie 0 when it set none. */
            struct flow_mod add = *fm;

            if (add.table_id == FLOW_TABLE_ALL) {
                add.table_id = 0;
            }
            if (add.new_cookie == FLOW_MOD_COOKIE_KEEP) {
                add.new_cookie = 0;
            }
            return ft_apply_add(ft, &add, now);
        }
        return 0;
    }
    for (i = 0; i < n; i++) {
        struct rule *rule = rules[i];
        struct ft_undo *u;
        long long int used;

        if (ft->stage == FT_STAGING) {
            /* Readers must not see the new actions before the batch is
             * published: a copy takes the rule's place then. */
            ft_insert_staged(ft, rule_create_modified(rule, fm, now), rule,
                             !(fm->flags & FLOW_MOD_F_RESET_COUNTS));
            continue;
        }
        u = ft_log(ft, FT_UNDO_MODIFIED, rule);

        u->ofpacts = rule->ofpacts;
        u->ofpacts_size = rule->ofpacts_size;
        u->cookie = rule->cookie;
        u->modified = rule->modified;
        flow_table_rule_stats(rule, &u->n_packets, &u->n_bytes, &used);

        rule->ofpacts = (fm->ofpacts_size
                         ? xmemdup(fm->ofpacts, fm->ofpacts_size) : NULL);
        rule->ofpacts_size = fm->ofpacts_size;
        if (fm->new_cookie != FLOW_MOD_COOKIE_KEEP) {
            rule->cookie = fm->new_cookie;
        }
        rule->modified = now;
        if (fm->flags & FLOW_MOD_F_RESET_COUNTS) {
            rule_set_counts(rule, 0, 0);
        }
        ft_schedule(ft, rule);
    }
    free(rules);
    return 0;
}

static int
ft_apply_delete(struct flow_table *ft, const struct flow_mod *fm)
{
    struct rule **rules;
    size_t n, i;

    n = ft_collect(ft, fm, &rules);
    for (i = 0; i < n; i++) {
        ft_remove_rule(ft, rules[i]);
    }
    free(rules);
    return 0;
}

static int
ft_apply(struct flow_table *ft, const struct flow_mod *fm, long long int now)
{
    switch (fm->command) {
    case FLOW_MOD_ADD:
        return ft_apply_add(ft, fm, now);
    case FLOW_MOD_MODIFY:
    case FLOW_MOD_MODIFY_STRICT:
        return ft_apply_modify(ft, fm, now);
    case FLOW_MOD_DELETE:
    case FLOW_MOD_DELETE_STRICT:
        return ft_apply_delete(ft, fm);
    }
    return EINVAL;
}

/* Takes back what a staged batch did to 'rule' of 'cls': it is visible in
 * every version again. */
static void
ft_unhide(struct flow_table *ft, struct rule *rule)
{
    rule->cr.remove_version = CLS_NOT_REMOVED;
    ft->tables[rule->table_id].n_hidden--;
    ft_schedule(ft, rule);
}

/* Replays the undo log backward, restoring the tables as they were before
 * the batch, and frees what the batch created. */
static void
ft_rollback(struct flow_table *ft)
{
    bool staged = ft->stage == FT_STAGING;

    while (ft->n_undo > 0) {
        struct ft_undo *u = &ft->undo[--ft->n_undo];
        struct rule *rule = u->rule;
        struct classifier *cls = &ft->tables[rule->table_id].cls;

        if (staged) {
            if (u->type == FT_UNDO_REMOVED) {
                ft_unhide(ft, rule);
            } else {
                /* INSERTED or REPLACED: a staged batch modifies nothing
                 * in place. */
                classifier_remove(cls, &rule->cr);
                heap_remove(ft, rule);
                rule_destroy(rule);
                if (u->type == FT_UNDO_REPLACED) {
                    ft_unhide(ft, u->old);
                }
            }
            continue;
        }
        switch (u->type) {
        case FT_UNDO_INSERTED:
            classifier_remove(cls, &rule->cr);
            heap_remove(ft, rule);
            rule_destroy(rule);
            break;
        case FT_UNDO_REMOVED:
            classifier_insert(cls, &rule->cr);
            ft_schedule(ft, rule);
            break;
        case FT_UNDO_REPLACED:
            classifier_insert(cls, &u->old->cr);
            heap_remove(ft, rule);
            ft_schedule(ft, u->old);
            rule_destroy(rule);
            break;
        case FT_UNDO_MODIFIED:
            free(rule->ofpacts);
            rule->ofpacts = u->ofpacts;
            rule->ofpacts_size = u->ofpacts_size;
            rule->cookie = u->cookie;
            rule->modified = u->modified;
            rule_set_counts(rule, u->n_packets, u->n_bytes);
            ft_schedule(ft, rule);
            break;
        }
    }
}

/* Returns the undo log from entry 'first' on as a malloc'd array of
 * changes (caller frees), their number in '*np'. */
static struct flow_table_change *
ft_changes(const struct flow_table *ft, size_t first, size_t *np)
{
    struct flow_table_change *changes;
    size_t n = 0, i;

    changes = xmalloc(2 * (ft->n_undo - first) * sizeof *changes + 1);
    for (i = first; i < ft->n_undo; i++) {
        const struct ft_undo *u = &ft->undo[i];
        struct flow_table_change *c = &changes[n++];

        memset(c, 0, sizeof *c);
        c->table_id = u->rule->table_id;
        c->rule = u->rule;
        c->seq = ft->change_seq + i + 1;
        switch (u->type) {
        case FT_UNDO_INSERTED:
            c->type = FLOW_TABLE_ADDED;
            break;
        case FT_UNDO_REMOVED:
            c->type = FLOW_TABLE_REMOVED;
            if (ft->expiry_reasons) {
                c->expired = true;
                c->reason = ft->expiry_reasons[i];
            }
            break;
        case FT_UNDO_REPLACED:
            c->type = FLOW_TABLE_REMOVED;
            c->rule = u->old;
            c = &changes[n++];
            memset(c, 0, sizeof *c);
            c->seq = ft->change_seq + i + 1;
            c->type = FLOW_TABLE_ADDED;
            c->table_id = u->rule->table_id;
            c->rule = u->rule;
            break;
        case FT_UNDO_MODIFIED:
            c->type = FLOW_TABLE_MODIFIED;
            c->old_ofpacts = u->ofpacts;
            c->old_ofpacts_size = u->ofpacts_size;
            c->old_cookie = u->cookie;
            break;
        }
    }
    *np = n;
    return changes;
}

/* Under the write lock, after a successful apply: lets the journal see
 * (and, returning an error, veto) the changes.  Returns its verdict. */
static int
ft_journal(struct flow_table *ft)
{
    struct flow_table_change *changes;
    size_t n;
    int error;

    if (!ft->journal_cb || !ft->n_undo) {
        return 0;
    }
    changes = ft_changes(ft, 0, &n);
    error = ft->journal_cb(changes, n, FT_JOURNAL_ALL, ft->journal_aux);
    free(changes);
    return error;
}

/* In a staged batch: lets the journal see the changes logged since it
 * last did. */
static void
ft_journal_part(struct flow_table *ft)
{
    struct flow_table_change *changes;
    size_t n;

    if (ft->journal_cb && ft->n_journaled < ft->n_undo) {
        changes = ft_changes(ft, ft->n_journaled, &n);
        ft->journal_cb(changes, n, FT_JOURNAL_PART, ft->journal_aux);
        free(changes);
    }
    ft->n_journaled = ft->n_undo;
}

/* In a staged batch: has the journal commit (returns its verdict) or
 * abort ('error' nonzero) what it saw. */
static int
ft_journal_end(struct flow_table *ft, int error)
{
    if (!ft->journal_cb) {
        return error;
    }
    if (error) {
        ft->journal_cb(NULL, 0, FT_JOURNAL_ABORT, ft->journal_aux);
        return error;
    }
    return ft->journal_cb(NULL, 0, FT_JOURNAL_COMMIT, ft->journal_aux);
}

/* After a successful apply, outside the lock: reports the undo log as
 * changes, then frees removed rules and replaced actions. */
static void
ft_finish(struct flow_table *ft, uint64_t version)
{
    struct flow_table_change *changes;
    size_t n, i;

    if (!ft->n_undo) {
        return;
    }
    changes = ft_changes(ft, 0, &n);
    ft->change_seq += ft->n_undo;
    if (ft->change_cb) {
        ft->change_cb(changes, n, version, ft->change_aux);
    }
    if (ft->observer_cb) {
        ft->observer_cb(changes, n, version, ft->observer_aux);
    }
    free(changes);

    if (ft->stage == FT_STAGING) {
        /* The rules it removed are still in the classifiers, hidden:
         * flow_table_cleanup_step() takes them out and frees them. */
        ft->stage = FT_CLEANUP;
        ft->next_cleanup = 0;
        return;
    }
    for (i = 0; i < ft->n_undo; i++) {
        struct ft_undo *u = &ft->undo[i];

        switch (u->type) {
        case FT_UNDO_INSERTED:
            break;
        case FT_UNDO_REMOVED:
            rule_destroy(u->rule);
            break;
        case FT_UNDO_REPLACED:
            rule_destroy(u->old);
            break;
        case FT_UNDO_MODIFIED:
            free(u->ofpacts);
            break;
        }
    }
    ft->n_undo = 0;
}

/* Takes the write lock, with the undo log free (a staged batch's clean-up
 * is finished first; none may be staging); if the undo log is nonempty
 * after 'ft' applied work, the caller bumps the version with
 * ft_unlock_write(). */
static void
ft_lock_write(struct flow_table *ft)
{
    assert(ft->stage != FT_STAGING);
    flow_table_cleanup_step(ft, LLONG_MAX);
    pthread_rwlock_wrlock(&ft->rwlock);
    ft->n_undo = 0;
}

/* Publishes the applied changes (if any) and drops the write lock;
 * returns the resulting version. */
static uint64_t
ft_unlock_write(struct flow_table *ft)
{
    uint64_t version = ft->version;

    if (ft->n_undo) {
        version++;
        __atomic_store_n(&ft->version, version, __ATOMIC_RELEASE);
    }
    pthread_rwlock_unlock(&ft->rwlock);
    return version;
}

/* Batches. */

void
flow_table_begin(struct flow_table *ft)
{
    assert(!ft->in_batch);
    ft->in_batch = true;
    ft->batch_error = 0;
    ft->n_ops = 0;
}

bool
flow_table_in_batch(const struct flow_table *ft)
{
    return ft->in_batch;
}

static int
ft_validate(const struct flow_table *ft, const struct flow_mod *fm)
{
    const uint16_t known = (FLOW_MOD_F_SEND_FLOW_REM
                            | FLOW_MOD_F_CHECK_OVERLAP
                            | FLOW_MOD_F_RESET_COUNTS
                            | FLOW_MOD_F_ADD_IF_MISSING);
    if (fm->command > FLOW_MOD_DELETE_STRICT
        || fm->priority < 0 || fm->priority > FLOW_TABLE_MAX_PRIORITY
        || fm->flags & ~known
        || (fm->ofpacts_size && !fm->ofpacts)) {
        return EINVAL;
    }
    if (fm->command == FLOW_MOD_ADD && fm->table_id == FLOW_TABLE_ALL) {
        return EINVAL;
    }
    if (fm->command == FLOW_MOD_ADD
        && fm->new_cookie == FLOW_MOD_COOKIE_KEEP) {
        return EINVAL;
    }
    if ((fm->command == FLOW_MOD_DELETE
         || fm->command == FLOW_MOD_DELETE_STRICT)
        && fm->out_port != OFPP_NONE && !ft->output_cb) {
        return EOPNOTSUPP;
    }
    return 0;
}

int
flow_table_flow_mod(struct flow_table *ft, const struct flow_mod *fm)
{
    struct flow_mod *op;
    int error;

    if (!ft->in_batch) {
        /* A batch of one. */
        flow_table_begin(ft);
        error = flow_table_flow_mod(ft, fm);
        if (error) {
            flow_table_abort(ft);
            return error;
        }
        return flow_table_commit(ft);
    }

    error = ft_validate(ft, fm);
    if (error) {
        if (!ft->batch_error) {
            ft->batch_error = error;
        }
        return error;
    }
    if (ft->n_ops == ft->allocated_ops) {
        ft->allocated_ops = ft->allocated_ops ? 2 * ft->allocated_ops : 16;
        ft->ops = xrealloc(ft->ops, ft->allocated_ops * sizeof *ft->ops);
    }
    op = &ft->ops[ft->n_ops++];
    *op = *fm;
    match_normalize(&op->match);
    op->ofpacts = fm->ofpacts_size ? xmemdup(fm->ofpacts, fm->ofpacts_size)
                                   : NULL;
    return 0;
}

int
flow_table_commit(struct flow_table *ft)
{
    uint64_t version;
    long long int now;
    int error = 0;
    size_t i;

    assert(ft->in_batch);
    if (ft->batch_error || ft->stage == FT_STAGING) {
        error = ft->batch_error ? ft->batch_error : EBUSY;
        ft_discard_ops(ft);
        return error;
    }

    now = ft_now(ft);
    ft_lock_write(ft);
    for (i = 0; i < ft->n_ops && !error; i++) {
        error = ft_apply(ft, &ft->ops[i], now);
    }
    if (!error) {
        error = ft_journal(ft);
    }
    if (error) {
        ft_rollback(ft);
    }
    version = ft_unlock_write(ft);
    ft_discard_ops(ft);
    if (!error) {
        ft_finish(ft, version);
    }
    return error;
}

/* Staged batches. */

int
flow_table_commit_start(struct flow_table *ft)
{
    struct flow_mod *ops;
    size_t allocated;
    int error;

    assert(ft->in_batch);
    if (ft->batch_error || ft->stage == FT_STAGING) {
        error = ft->batch_error ? ft->batch_error : EBUSY;
        ft_discard_ops(ft);
        return error;
    }
    flow_table_cleanup_step(ft, LLONG_MAX);

    /* The queued ops become the staged ones; the batch array is free for
     * the next batch (which cannot commit until this one is done). */
    ops = ft->staged_ops;
    allocated = ft->allocated_staged_ops;
    ft->staged_ops = ft->ops;
    ft->n_staged_ops = ft->n_ops;
    ft->allocated_staged_ops = ft->allocated_ops;
    ft->ops = ops;
    ft->allocated_ops = allocated;
    ft->n_ops = 0;
    ft->in_batch = false;

    ft->stage = FT_STAGING;
    ft->next_op = 0;
    ft->staged_error = 0;
    ft->staged_now = ft_now(ft);
    ft->n_undo = 0;
    ft->n_journaled = 0;
    ft->n_keep_counts = 0;
    return 0;
}

int
flow_table_stage_flow_mod(struct flow_table *ft, const struct flow_mod *fm)
{
    struct flow_mod *op;
    int error;

    assert(ft->stage == FT_STAGING);
    if (ft->staged_error) {
        return ft->staged_error;
    }
    error = ft_validate(ft, fm);
    if (error) {
        ft->staged_error = error;
        return error;
    }
    if (ft->n_staged_ops == ft->allocated_staged_ops) {
        ft->allocated_staged_ops = (ft->allocated_staged_ops
                                    ? 2 * ft->allocated_staged_ops : 16);
        ft->staged_ops = xrealloc(ft->staged_ops, ft->allocated_staged_ops
                                  * sizeof *ft->staged_ops);
    }
    op = &ft->staged_ops[ft->n_staged_ops++];
    *op = *fm;
    match_normalize(&op->match);
    op->ofpacts = fm->ofpacts_size ? xmemdup(fm->ofpacts, fm->ofpacts_size)
                                   : NULL;
    return 0;
}

bool
flow_table_is_staging(const struct flow_table *ft)
{
    return ft->stage == FT_STAGING;
}

bool
flow_table_commit_step(struct flow_table *ft, long long int deadline)
{
    size_t start = ft->next_op;
    long long int now = time_msec();

    assert(ft->stage == FT_STAGING);
    if (deadline != LLONG_MAX && deadline > now) {
        /* Journaling what was applied takes about as long again. */
        deadline = now + (deadline - now) / 2;
    }
    pthread_rwlock_wrlock(&ft->rwlock);
    while (ft->next_op < ft->n_staged_ops && !ft->staged_error) {
        if (ft->next_op > start && !(ft->next_op % 256)
            && time_msec() >= deadline) {
            break;
        }
        ft->staged_error = ft_apply(ft, &ft->staged_ops[ft->next_op++],
                                    ft->staged_now);
    }
    pthread_rwlock_unlock(&ft->rwlock);
    if (!ft->staged_error) {
        /* Outside the lock: the main thread is the only writer. */
        ft_journal_part(ft);
    }
    return ft->next_op >= ft->n_staged_ops || ft->staged_error;
}

int
flow_table_commit_finish(struct flow_table *ft)
{
    uint64_t version = ft->version;
    int error;
    size_t i;

    assert(ft->stage == FT_STAGING);
    flow_table_commit_step(ft, LLONG_MAX);
    ft->journaling = true;
    error = ft_journal_end(ft, ft->staged_error);
    ft->journaling = false;

    pthread_rwlock_wrlock(&ft->rwlock);
    if (error) {
        ft_rollback(ft);
    } else {
        for (i = 0; ft->n_keep_counts && i < ft->n_undo; i++) {
            const struct ft_undo *u = &ft->undo[i];

            if (u->type == FT_UNDO_REPLACED && u->keep_counts) {
                uint64_t n_packets, n_bytes;
                long long int used;

                /* Readers credited the old rule until now. */
                flow_table_rule_stats(u->old, &n_packets, &n_bytes, &used);
                rule_set_counts(u->rule, n_packets, n_bytes);
                if (used > u->rule->last_used) {
                    u->rule->last_used = used;
                }
            }
        }
        __atomic_store_n(&ft->visible, ft->visible + 1, __ATOMIC_RELEASE);
        if (ft->n_undo) {
            version++;
            __atomic_store_n(&ft->version, version, __ATOMIC_RELEASE);
        }
    }
    pthread_rwlock_unlock(&ft->rwlock);

    ft_free_ops(ft->staged_ops, ft->n_staged_ops);
    ft->n_staged_ops = 0;
    if (error) {
        ft->stage = FT_IDLE;
        return error;
    }
    ft_finish(ft, version);
    if (ft->stage == FT_STAGING) {
        /* Nothing was changed. */
        ft->stage = FT_IDLE;
    }
    return 0;
}

bool
flow_table_cleanup_step(struct flow_table *ft, long long int deadline)
{
    size_t start = ft->next_cleanup;

    if (ft->stage != FT_CLEANUP) {
        return true;
    }
    pthread_rwlock_wrlock(&ft->rwlock);
    for (; ft->next_cleanup < ft->n_undo; ft->next_cleanup++) {
        struct ft_undo *u = &ft->undo[ft->next_cleanup];
        struct rule *gone = (u->type == FT_UNDO_REMOVED ? u->rule
                             : u->type == FT_UNDO_REPLACED ? u->old
                             : NULL);

        if (ft->next_cleanup > start && !(ft->next_cleanup % 256)
            && time_msec() >= deadline) {
            break;
        }
        if (gone) {
            classifier_remove(&ft->tables[gone->table_id].cls, &gone->cr);
            ft->tables[gone->table_id].n_hidden--;
            rule_destroy(gone);
        }
    }
    pthread_rwlock_unlock(&ft->rwlock);
    if (ft->next_cleanup < ft->n_undo) {
        return false;
    }
    ft->n_undo = 0;
    ft->stage = FT_IDLE;
    return true;
}

void
flow_table_abort(struct flow_table *ft)
{
    assert(ft->in_batch);
    ft_discard_ops(ft);
}

void
flow_table_clear(struct flow_table *ft, uint8_t table_id)
{
    struct flow_mod fm;
    struct match catchall;
    int error;

    match_init_catchall(&catchall);
    flow_mod_init(&fm, FLOW_MOD_DELETE, &catchall, 0);
    fm.table_id = table_id;
    error = flow_table_flow_mod(ft, &fm);
    assert(!error);
    (void) error;
}

/* Expiry. */

long long int
flow_table_next_expiry(const struct flow_table *ft)
{
    return (ft->n_heap && ft->stage != FT_STAGING
            ? ft->heap[0].key : LLONG_MAX);
}

size_t
flow_table_expire(struct flow_table *ft, long long int now,
                  flow_table_expired_func *cb, void *aux)
{
    enum flow_table_removed_reason *reasons = NULL;
    size_t n_expired = 0, allocated = 0;
    uint64_t version;
    size_t i;

    assert(!ft->in_batch);
    if (!ft->n_heap || ft->heap[0].key >= now || ft->stage == FT_STAGING) {
        /* A staged batch's tables are not final: expiry waits for it. */
        return 0;
    }

    ft_lock_write(ft);
    while (ft->n_heap && ft->heap[0].key < now) {
        struct rule *rule = ft->heap[0].rule;
        enum flow_table_removed_reason reason;
        long long int deadline = rule_deadline(rule, &reason);

        if (now > deadline) {
            if (n_expired == allocated) {
                allocated = allocated ? 2 * allocated : 16;
                reasons = xrealloc(reasons, allocated * sizeof *reasons);
            }
            reasons[n_expired++] = reason;
            ft_remove_rule(ft, rule);
        } else {
            /* Used since scheduled: its key moves later, so this loop
             * ends. */
            ft->heap[0].key = deadline;
            heap_sift_down(ft, 0);
        }
    }
    /* Expiry is not undone even if the journal fails: the rules are past
     * their deadline.  The journal reports its own failures. */
    ft->expiry_reasons = reasons;
    (void) ft_journal(ft);
    version = ft_unlock_write(ft);

    if (cb) {
        for (i = 0; i < n_expired; i++) {
            cb(ft->undo[i].rule, reasons[i], aux);
        }
    }
    ft_finish(ft, version);
    ft->expiry_reasons = NULL;
    free(reasons);
    return n_expired;
}
