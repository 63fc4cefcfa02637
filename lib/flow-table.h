/* lib/flow-table.h: the OpenFlow-style tables (0..254) of one bridge.
 *
 * Each table is a classifier (lib/classifier.h) of 'struct rule's.  Rules
 * change only through flow mods (add, modify, delete; strict or not) with
 * the OpenFlow 1.3 / Open vSwitch semantics described at 'struct
 * flow_mod', through timeout expiry (flow_table_expire()) and through
 * flow_table_clear().
 *
 * Batches.  Flow mods are grouped in batches: flow_table_begin(), any
 * number of flow_table_flow_mod(), then flow_table_commit() or
 * flow_table_abort().  A batch is all-or-none: if any of its flow mods
 * fails, when it is queued (bad arguments) or when it is applied (for
 * example a full table), commit returns that error and the tables are
 * exactly as before the batch.  Flow mods apply in order, so a later one
 * sees the effect of an earlier one of the same batch.  A flow mod issued
 * with no batch open is a batch of one.
 *
 * Concurrency: why a read-write lock.  The main thread is the only writer;
 * handler and revalidator threads translate packets by looking rules up.
 * No reader may ever observe half of a batch.  Open vSwitch goes further
 * with versioned rules and no lock at all, which needs hash tables that
 * stay readable while being modified and resized (OVS's cmap) and
 * deferred freeing (RCU), neither of which nfvs has.  Instead:
 *   - readers hold a writer-preferring pthread read-write lock across a
 *     whole translation (flow_table_read_lock()/unlock()); rule pointers
 *     they obtain are valid only until they unlock;
 *   - a commit validates and queues everything outside the lock, then
 *     takes the write lock only to apply the batch (pointer surgery in the
 *     classifiers, with an undo log so a failing flow mod rolls the batch
 *     back before anybody can see it), bumps the version and unlocks;
 *   - since no reader can hold a pointer across a commit, removed rules
 *     are freed right after the commit, with no grace period machinery.
 * Writer preference keeps a stream of readers from starving commits; a
 * reader must therefore never take the read lock twice (it would
 * deadlock behind a waiting writer).  Readers stall for the duration of
 * one commit's apply phase, which is short (tens of microseconds for a
 * typical batch).  A batch of hundreds of thousands of flow mods would
 * hold the lock, and the main thread, for a second: such a batch is
 * staged instead (below).  It uses the classifier's rule versions only to
 * keep its rules out of readers' sight while it is applied a slice at a
 * time, each slice under the write lock; readers still lock, so the
 * classifier never needs to be readable while it changes.
 *
 * flow_table_version() starts at 1 and increases by one on every commit
 * or expiry that changed something.  Revalidation records it with every
 * datapath flow it installs: a reader under the read lock sees exactly
 * the tables of the version it reads.
 *
 * Thread-safety summary: flow_table_read_lock(), flow_table_read_unlock(),
 * flow_table_lookup(), flow_table_version() and
 * flow_table_credit_stats() may be called from any thread (lookup and
 * credit with the read lock held, or from the main thread).  Every other
 * function is for the main thread only; the main thread may read the
 * tables and rules without the lock, since it is the only writer. */
#ifndef NFVS_FLOW_TABLE_H
#define NFVS_FLOW_TABLE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "classifier.h"
#include "match.h"

#define FLOW_TABLE_N_TABLES 255     /* Tables 0..254. */
#define FLOW_TABLE_ALL 255          /* table_id for "every table". */
#define FLOW_TABLE_MAX_PRIORITY 65535
#define FLOW_TABLE_DEFAULT_PRIORITY 32768

struct flow_table;

/* An OpenFlow rule. */
struct rule {
    struct cls_rule cr;         /* Match and priority; in a classifier. */
    uint8_t table_id;           /* Table this rule is in. */
    uint16_t flags;             /* FLOW_MOD_F_SEND_FLOW_REM, stored. */
    uint64_t cookie;            /* Controller-chosen opaque value. */
    uint16_t idle_timeout;      /* Seconds idle before expiry; 0: never. */
    uint16_t hard_timeout;      /* Seconds after 'modified'; 0: never. */
    long long int created;      /* Time added, in ms. */
    long long int modified;     /* Time added or last modified, in ms. */

    /* Statistics.  Updated concurrently by readers through
     * flow_table_credit_stats(); read them with flow_table_rule_stats(). */
    long long int last_used;    /* Time of last packet, or 'created'. */
    uint64_t n_packets;         /* Packets that hit this rule. */
    uint64_t n_bytes;           /* Bytes that hit this rule. */

    void *ofpacts;              /* Actions: opaque bytes owned here. */
    size_t ofpacts_size;        /* Bytes in 'ofpacts'. */

    size_t expiry_idx;          /* Private: index in expiry heap or
                                 * SIZE_MAX. */

    /* For the journal (flow_table_set_journal()) to cache what it derives
     * from the rule, e.g. its text; NULL at first, freed with the rule.
     * The journal must clear it when the rule changes. */
    char *journal_key;
};

static inline struct rule *
rule_from_cls_rule(const struct cls_rule *cr)
{
    return cr ? CONTAINER_OF(cr, struct rule, cr) : NULL;
}

static inline int
rule_priority(const struct rule *rule)
{
    return rule->cr.priority;
}

enum flow_mod_command {
    FLOW_MOD_ADD,               /* Add, replacing an identical rule. */
    FLOW_MOD_MODIFY,            /* Change actions of loosely matching. */
    FLOW_MOD_MODIFY_STRICT,     /* Change actions of the identical rule. */
    FLOW_MOD_DELETE,            /* Delete loosely matching rules. */
    FLOW_MOD_DELETE_STRICT,     /* Delete the identical rule. */
};

/* Flow mod flags. */
enum {
    /* Stored in the rule; the upper layer reports removal when set. */
    FLOW_MOD_F_SEND_FLOW_REM = 1 << 0,

    /* Add: fail with EEXIST if an overlapping rule of the same priority
     * (other than an identical one) exists in the table. */
    FLOW_MOD_F_CHECK_OVERLAP = 1 << 1,

    /* Add replacing a rule, modify: zero the counters.  Without it an add
     * that replaces an identical rule keeps that rule's packet and byte
     * counts, as OpenFlow 1.2+ specify; OpenFlow 1.0 and 1.1 (and so
     * "ovs-ofctl add-flow", which speaks 1.0 by default) always reset on
     * add, so a front end imitating ovs-ofctl sets this flag on adds. */
    FLOW_MOD_F_RESET_COUNTS = 1 << 2,

    /* Modify: if no rule matched and 'cookie_mask' is zero, add the flow
     * as FLOW_MOD_ADD would (in table 0 if 'table_id' is FLOW_TABLE_ALL,
     * with cookie 0 if 'new_cookie' is FLOW_MOD_COOKIE_KEEP).  This is OpenFlow 1.0's rule, which "ovs-ofctl
     * mod-flows" follows by default; OpenFlow 1.1+ modify never adds. */
    FLOW_MOD_F_ADD_IF_MISSING = 1 << 3,
};

#define FLOW_MOD_COOKIE_KEEP UINT64_MAX

/* One change request, in the shape of OpenFlow's flow_mod.
 *
 * Selection (modify and delete).  'table_id' is one table or
 * FLOW_TABLE_ALL.  Strict commands select the rule whose match equals
 * 'match' and whose priority is 'priority'.  Loose commands select every
 * rule whose match is a subset of 'match' (equal or more specific), at any
 * priority.  In both, a rule is selected only if (rule->cookie &
 * cookie_mask) == (cookie & cookie_mask), and for deletes only if
 * 'out_port' is OFPP_NONE or the rule's actions output to 'out_port' (as
 * the function set with flow_table_set_output_checker() says).
 *
 * Effects:
 *   - add (table_id 0..254): inserts a rule with 'match', 'priority',
 *     'new_cookie', the timeouts, 'flags' & FLOW_MOD_F_SEND_FLOW_REM and a
 *     copy of the actions.  An identical rule (same match and priority) is
 *     replaced: the new rule gets fresh 'created' and 'modified' times, and
 *     keeps the old counters unless FLOW_MOD_F_RESET_COUNTS.
 *   - modify: each selected rule gets a copy of the new actions, a new
 *     'modified' time, the counters zeroed if FLOW_MOD_F_RESET_COUNTS, and
 *     'new_cookie' unless it is FLOW_MOD_COOKIE_KEEP; its timeouts,
 *     'created' time and flags stay (as in Open vSwitch).  Selecting no
 *     rule is not an error; see FLOW_MOD_F_ADD_IF_MISSING.
 *   - delete: removes each selected rule.  Selecting none is no error.
 *
 * Errors: EINVAL for a bad table id (255 with add, >255 anywhere), a
 * priority above FLOW_TABLE_MAX_PRIORITY or below 0, an add with cookie
 * FLOW_MOD_COOKIE_KEEP or unknown flags; EOPNOTSUPP for an out_port filter
 * with no output checker set; EEXIST for a FLOW_MOD_F_CHECK_OVERLAP
 * conflict; ENOSPC when an add would exceed the table's rule limit. */
struct flow_mod {
    enum flow_mod_command command;  /* What to do. */
    uint8_t table_id;           /* 0..254 or FLOW_TABLE_ALL. */
    struct match match;         /* Selection (or new rule's match). */
    int priority;               /* 0..65535. */
    uint64_t cookie;            /* Selection value... */
    uint64_t cookie_mask;       /* ...and mask; 0 selects any cookie. */
    uint64_t new_cookie;        /* Cookie to store. */
    uint16_t idle_timeout;      /* Add: seconds; 0 for none. */
    uint16_t hard_timeout;      /* Add: seconds; 0 for none. */
    uint32_t out_port;          /* Delete filter; OFPP_NONE for none. */
    uint16_t flags;             /* FLOW_MOD_F_*. */
    const void *ofpacts;        /* Actions for add and modify (copied). */
    size_t ofpacts_size;        /* Bytes in 'ofpacts'. */
};

/* Initializes 'fm' as a 'command' for 'match' at 'priority' in table 0,
 * with no cookie filter, new cookie 0, no timeouts, no out_port filter,
 * no flags and no actions. */
void flow_mod_init(struct flow_mod *fm, enum flow_mod_command command,
                   const struct match *match, int priority);

/* Why a rule went away. */
enum flow_table_removed_reason {
    FLOW_TABLE_REMOVED_IDLE,    /* Idle timeout. */
    FLOW_TABLE_REMOVED_HARD,    /* Hard timeout. */
};

/* What one commit changed, reported to the change callback. */
enum flow_table_change_type {
    FLOW_TABLE_ADDED,           /* 'rule' was inserted. */
    FLOW_TABLE_REMOVED,         /* 'rule' was removed; freed afterward. */
    FLOW_TABLE_MODIFIED,        /* 'rule' got new actions, cookie... */
};

struct flow_table_change {
    enum flow_table_change_type type;   /* What happened. */
    uint8_t table_id;                   /* Table of 'rule'. */
    struct rule *rule;                  /* The rule concerned. */
    const void *old_ofpacts;            /* MODIFIED: previous actions. */
    size_t old_ofpacts_size;            /* MODIFIED: their size. */
    uint64_t old_cookie;                /* MODIFIED: previous cookie. */
    uint64_t seq;                       /* flow_table_change_seq() once
                                         * this change is made; the
                                         * REMOVED and ADDED of a replace
                                         * share one. */
    bool expired;                       /* REMOVED by flow_table_expire()
                                         * (then 'reason' says why). */
    enum flow_table_removed_reason reason;
};

/* Called on the main thread after each commit (or expiry) that changed
 * something, without the lock held, with the changes in the order they
 * were applied ('version' is the new flow_table_version()).  An add that
 * replaced an identical rule shows as REMOVED (old) then ADDED (new).  A
 * rule added and changed within one batch appears more than once.  The
 * rules and old actions stay valid until the callback returns. */
typedef void flow_table_change_func(const struct flow_table_change *changes,
                                    size_t n_changes, uint64_t version,
                                    void *aux);

/* Called on the main thread with the write lock held, after a commit (or
 * expiry) applied changes and before anybody can see them, with the
 * changes as the change callback gets them and 'step' FT_JOURNAL_ALL.
 * Returning a positive errno value makes the commit roll back and fail
 * with it (an expiry is logged and kept).  Meant for persisting changes:
 * the journal must not take the table's lock nor change the tables.
 *
 * A staged batch journals in parts instead, as it applies: each step's
 * changes come with FT_JOURNAL_PART (the rules it adds are all new, and
 * freed if the batch rolls back), then one call with no changes and
 * FT_JOURNAL_COMMIT whose error vetoes the whole batch, or with
 * FT_JOURNAL_ABORT if the batch rolls back for another reason (its return
 * value is ignored). */
enum flow_table_journal_step {
    FT_JOURNAL_ALL,
    FT_JOURNAL_PART,
    FT_JOURNAL_COMMIT,
    FT_JOURNAL_ABORT,
};
typedef int flow_table_journal_func(const struct flow_table_change *changes,
                                    size_t n_changes,
                                    enum flow_table_journal_step step,
                                    void *aux);

/* Called by flow_table_expire() for each expired rule, before the change
 * callback sees it; the rule is freed afterward. */
typedef void flow_table_expired_func(const struct rule *rule,
                                     enum flow_table_removed_reason reason,
                                     void *aux);

/* True if the actions 'ofpacts' output to OpenFlow port 'port'. */
typedef bool flow_table_output_func(const void *ofpacts, size_t size,
                                    uint32_t port, void *aux);

/* Returns the current time in milliseconds (monotonic). */
typedef long long int flow_table_clock_func(void *aux);

struct flow_table *flow_table_create(void);
void flow_table_destroy(struct flow_table *);   /* NULL is a no-op. */

/* Configuration, main thread, no batch open. */
void flow_table_set_change_cb(struct flow_table *,
                              flow_table_change_func *, void *aux);
void flow_table_set_journal(struct flow_table *,
                            flow_table_journal_func *, void *aux);
/* A second change callback, for an observer that does not touch the
 * tables (event subscriptions): called like the change callback, right
 * after it. */
void flow_table_set_observer(struct flow_table *,
                             flow_table_change_func *, void *aux);
void flow_table_set_output_checker(struct flow_table *,
                                   flow_table_output_func *, void *aux);
/* Replaces time_msec(), for tests. */
void flow_table_set_clock(struct flow_table *, flow_table_clock_func *,
                          void *aux);
/* Limits table 'table_id' to 'max_rules' rules (default: SIZE_MAX). */
void flow_table_set_max_rules(struct flow_table *, uint8_t table_id,
                              size_t max_rules);

/* Batches. */
void flow_table_begin(struct flow_table *);
int flow_table_flow_mod(struct flow_table *, const struct flow_mod *)
    NFVS_WARN_UNUSED_RESULT;
int flow_table_commit(struct flow_table *) NFVS_WARN_UNUSED_RESULT;
void flow_table_abort(struct flow_table *);
bool flow_table_in_batch(const struct flow_table *);

/* Staged batches: a large batch applied in steps, so that the main loop
 * can serve other work between them, and still published all at once.
 *
 * flow_table_commit_start() takes the open batch instead of
 * flow_table_commit() (a queuing error is returned at once, and the batch
 * is dropped); flow_table_stage_flow_mod() may add more flow mods to it
 * later.  Each flow_table_commit_step() applies flow mods under the write
 * lock until all added so far are applied or time_msec() reaches
 * 'deadline' (at least one is applied), and returns true when there is
 * nothing more to apply (or an error stopped it).  The rules it adds carry the next classifier version and the
 * rules it removes or modifies are hidden from that version on (a modify
 * puts a modified copy in the rule's place), so readers, who look up as of
 * flow_table_visible_version(), go on seeing the tables as they were.
 * flow_table_commit_finish() applies what is left, lets the journal see
 * the changes, and then either rolls everything back (an error applying a
 * flow mod, or a journal veto; returned) or publishes it: one step of the
 * readers' version, under the write lock, which also hands the counters
 * of replaced rules over to their successors; then the change callback
 * runs as for a commit.  The rules the batch removed stay in the
 * classifiers, visible in no version a reader can see, until
 * flow_table_cleanup_step() (called until it returns true) takes them out
 * and frees them; any commit or expiry finishes that clean-up first.
 *
 * While a staged batch is applying, flow_table_commit() and another
 * flow_table_commit_start() fail with EBUSY and expiry waits: the tables
 * belong to the staged batch until it is finished.  The main thread
 * reading the tables meanwhile sees the staged changes unless it reads as
 * of the visible version. */
int flow_table_commit_start(struct flow_table *) NFVS_WARN_UNUSED_RESULT;
bool flow_table_commit_step(struct flow_table *, long long int deadline);
int flow_table_commit_finish(struct flow_table *) NFVS_WARN_UNUSED_RESULT;
bool flow_table_cleanup_step(struct flow_table *, long long int deadline);
bool flow_table_is_staging(const struct flow_table *);
/* Adds 'fm' to the staged batch, after the ones it has, for the following
 * steps to apply.  An error (as flow_table_flow_mod() returns) is kept:
 * flow_table_commit_finish() then rolls the batch back and returns it. */
int flow_table_stage_flow_mod(struct flow_table *, const struct flow_mod *)
    NFVS_WARN_UNUSED_RESULT;

/* Removes every rule of table 'table_id' (or all tables with
 * FLOW_TABLE_ALL), as one batch; reports them as REMOVED. */
void flow_table_clear(struct flow_table *, uint8_t table_id);

/* Removes the rules whose idle or hard timeout has passed at 'now'
 * (a rule expires when 'now' is later than its deadline: last_used +
 * idle_timeout s, modified + hard_timeout s), calling 'cb' for each, then
 * the change callback, as one commit.  Returns the number removed.
 *
 * Expiry keeps a min-heap of rules with a timeout, keyed by the earliest
 * deadline the rule could have.  Idle deadlines only move later (readers
 * update 'last_used' without touching the heap), so a popped rule whose
 * real deadline moved is pushed back with its new key; a call costs
 * O((expired + rescheduled) log n), not a scan of all rules.  No batch
 * may be open. */
size_t flow_table_expire(struct flow_table *, long long int now,
                         flow_table_expired_func *cb, void *aux);

/* Earliest time flow_table_expire() may have work, or LLONG_MAX. */
long long int flow_table_next_expiry(const struct flow_table *);

/* Readers. */
void flow_table_read_lock(struct flow_table *);
void flow_table_read_unlock(struct flow_table *);
uint64_t flow_table_version(const struct flow_table *);
/* The classifier version readers look up as of (see staged batches). */
uint64_t flow_table_visible_version(const struct flow_table *);
/* The version the journal has recorded: the visible one, but the staged
 * batch's own while its journal callback runs.  Main thread. */
uint64_t flow_table_saved_version(const struct flow_table *);

/* Returns the number of rule changes made to the tables so far: each rule
 * added, removed, modified or replaced (an add of a rule identical to an
 * existing one) counts one, and each change reports the count it brought
 * the tables to in its 'seq'.  Starts at 0.  Main thread only. */
uint64_t flow_table_change_seq(const struct flow_table *);

/* Returns the highest-priority rule of table 'table_id' matching 'flow',
 * or NULL; un-wildcards into 'wc' (if nonnull) as classifier_lookup()
 * does.  Call with the read lock held (or from the main thread). */
struct rule *flow_table_lookup(const struct flow_table *, uint8_t table_id,
                               const struct flow *flow,
                               struct flow_wildcards *wc);

/* Adds 'packets' and 'bytes' to 'rule''s counters and raises its
 * 'last_used' to 'used' if later.  Any thread, with the read lock held or
 * from the main thread. */
void flow_table_credit_stats(struct rule *rule, uint64_t packets,
                             uint64_t bytes, long long int used);

/* Reads 'rule''s counters consistently enough for reporting. */
void flow_table_rule_stats(const struct rule *rule, uint64_t *n_packets,
                           uint64_t *n_bytes, long long int *last_used);

/* Inspection, main thread (or with the read lock). */
size_t flow_table_count(const struct flow_table *, uint8_t table_id);
const struct classifier *flow_table_classifier(const struct flow_table *,
                                               uint8_t table_id);
/* Returns the rule of 'table_id' identical to 'match' + 'priority'. */
struct rule *flow_table_find_exactly(const struct flow_table *,
                                     uint8_t table_id,
                                     const struct match *match,
                                     int priority);

#endif /* flow-table.h */
