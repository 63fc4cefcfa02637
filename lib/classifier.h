/* lib/classifier.h: one OpenFlow-style table of prioritized wildcard rules.
 *
 * A classifier holds 'struct cls_rule's, each a match (flow + mask) and a
 * priority, and answers "which rule with the highest priority matches
 * this packet's flow?".
 *
 * Algorithm: tuple space search.  Rules with the same mask live in one
 * "subtable", a hash table keyed by the (already masked) flow values, so a
 * lookup costs one hash probe per distinct mask rather than one
 * comparison per rule.  Subtables are kept sorted by the highest priority
 * they contain; a lookup walks them in that order and stops as soon as the
 * best match found so far outranks everything in the remaining subtables.
 * Each subtable hashes and compares only the 64-bit words of 'struct
 * flow' its mask touches.  Rules whose match is identical but whose
 * priorities differ share one hash entry: the highest-priority one is in
 * the hash table and the others hang off it in descending priority.
 *
 * Equal priorities.  OpenFlow leaves undefined which of several
 * overlapping rules with the same priority matches a packet, and Open
 * vSwitch documents its choice as arbitrary.  nfvs makes it
 * deterministic: among matching rules of equal priority, the one that
 * entered the classifier first wins.  A rule that displaces an identical
 * one (same match and priority, see classifier_insert()) takes over the
 * displaced rule's place in that order, so replacing a rule's actions
 * never changes which rule wins a tie.  The reason is reproducibility: the
 * same sequence of flow additions always forwards the same way, and tests
 * (and users reading a flow file top to bottom) can predict the result.
 * The price is that a lookup must also probe subtables whose maximum
 * priority equals the best match's priority, not only higher ones.
 *
 * Thread-safety: none inside.  Any number of threads may call the const
 * functions (lookup, find, cursors) concurrently, but no thread may do so
 * while another modifies the classifier; the caller provides that
 * exclusion (lib/flow-table.h does, with a read-write lock). */
#ifndef NFVS_CLASSIFIER_H
#define NFVS_CLASSIFIER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hmap.h"
#include "match.h"

struct cls_subtable;

/* A rule, embedded in the caller's own rule struct.  Members other than
 * 'match' and 'priority' are private to the classifier. */
struct cls_rule {
    struct hmap_node node;      /* In subtable's 'rules' (chain head only). */
    struct cls_rule *next;      /* Next rule with the same match, lower
                                 * priority; NULL at the end. */
    struct cls_subtable *subtable;  /* Containing subtable, or NULL. */
    uint64_t seq;               /* Insertion order, for ties; 0 if never
                                 * inserted. */
    uint64_t add_version;       /* Visible in versions [add_version, */
    uint64_t remove_version;    /* remove_version). */
    int priority;               /* Higher wins. */
    struct match match;         /* Normalized (flow masked by wc). */
};

/* Versions.
 *
 * A rule is visible in the versions [add_version, remove_version);
 * cls_rule_init() makes it visible in every version.  A writer that must
 * prepare a large change without readers seeing half of it inserts the new
 * rules with an 'add_version' in the future (classifier_insert_versioned())
 * and sets the 'remove_version' of the rules it removes to the same
 * future version, then moves its readers' version forward in one step.
 * Lookups and walks "as of" a version see only the rules visible in it;
 * the functions without a version look as of CLS_MAX_VERSION, which sees
 * every change made so far, pending ones included.  The classifier itself
 * does not lock: the caller keeps readers out while it inserts or removes
 * (lib/flow-table.h). */
#define CLS_MAX_VERSION (UINT64_MAX - 1)
#define CLS_NOT_REMOVED UINT64_MAX
/* For cursors: every rule in the classifier, visible or not. */
#define CLS_ANY_VERSION UINT64_MAX

static inline bool
cls_rule_visible_in(const struct cls_rule *rule, uint64_t version)
{
    return (version == CLS_ANY_VERSION
            || (rule->add_version <= version
                && version < rule->remove_version));
}

struct classifier {
    struct hmap subtables_by_mask;  /* "struct cls_subtable"s by mask. */
    struct cls_subtable **subtables;    /* Sorted by max priority, desc. */
    size_t n_subtables;         /* Number of elements in 'subtables'. */
    size_t allocated;           /* Capacity of 'subtables'. */
    size_t n_rules;             /* Number of rules in the classifier. */
    uint64_t next_seq;          /* Next insertion sequence number. */
};

/* Initializes 'rule' with a copy of 'match' (normalized here, so callers
 * may pass a match with stray bits outside its mask) and 'priority'. */
void cls_rule_init(struct cls_rule *rule, const struct match *match,
                   int priority);

/* True if 'rule' is in a classifier. */
static inline bool
cls_rule_is_inserted(const struct cls_rule *rule)
{
    return rule->subtable != NULL;
}

void classifier_init(struct classifier *);

/* Frees the classifier's own memory.  The rules still in it are not
 * freed (they belong to the caller) and are simply forgotten. */
void classifier_destroy(struct classifier *);

static inline size_t
classifier_count(const struct classifier *cls)
{
    return cls->n_rules;
}

static inline bool
classifier_is_empty(const struct classifier *cls)
{
    return cls->n_rules == 0;
}

/* Inserts 'rule', which must not be in any classifier.  If a rule with an
 * identical match and priority is already present, removes it, puts
 * 'rule' in its place (including its place in the tie order) and returns
 * it; the caller owns it again.  Otherwise returns NULL.
 *
 * A rule that was never inserted before gets the next insertion sequence
 * number; one that was removed and is inserted again keeps its number,
 * which is how callers undo a removal exactly. */
struct cls_rule *classifier_insert(struct classifier *, struct cls_rule *);

/* Inserts 'rule', which must not be in any classifier, without displacing
 * anything: a rule with an identical match and priority may stay, and must
 * then not be visible in any version in which 'rule' is (the caller sets
 * their versions so).  'rule' goes ahead of such rules in walks and
 * lookups.  Its tie order is its own 'seq' if nonzero (set it to the
 * 'seq' of the rule it is to replace to keep that rule's place), else the
 * next insertion number. */
void classifier_insert_versioned(struct classifier *, struct cls_rule *);

/* Removes 'rule', which must be in 'cls'.  The caller owns it again. */
void classifier_remove(struct classifier *cls, struct cls_rule *rule);

/* Returns the rule whose match equals 'match' (compared after
 * normalization) and whose priority is 'priority', or NULL. */
struct cls_rule *classifier_find_exactly(const struct classifier *,
                                         const struct match *match,
                                         int priority);
/* The same, for the rule visible in 'version'. */
struct cls_rule *classifier_find_exactly_version(
    const struct classifier *, const struct match *match, int priority,
    uint64_t version);

/* Returns the highest-priority rule that matches 'flow' (ties resolved as
 * the file comment says), or NULL if none does.
 *
 * If 'wc' is nonnull, ORs into it the mask bits the result depends on:
 * every packet whose flow agrees with 'flow' in all bits of 'wc' after the
 * call gets the same answer.  (Callers start from a catch-all 'wc' and
 * accumulate over several lookups.)  This implementation un-wildcards the
 * whole mask of every subtable it probed. */
const struct cls_rule *classifier_lookup(const struct classifier *,
                                         const struct flow *flow,
                                         struct flow_wildcards *wc);
/* The same, among the rules visible in 'version'. */
const struct cls_rule *classifier_lookup_version(const struct classifier *,
                                                 uint64_t version,
                                                 const struct flow *flow,
                                                 struct flow_wildcards *wc);

/* True if some rule with priority 'priority' other than one identical to
 * 'match' overlaps 'match' (OpenFlow's OFPFF_CHECK_OVERLAP test). */
bool classifier_rule_overlaps(const struct classifier *,
                              const struct match *match, int priority);

/* Iteration over the rules that match a "target".
 *
 * Loose (non-strict) iteration visits every rule whose match is a subset
 * of the target, i.e. as specific as the target or more (OpenFlow's
 * non-strict modify and delete): match_is_subset_of(rule, target).  A
 * NULL target visits every rule.  Strict iteration visits the rules whose
 * match equals the target, whatever their priority.
 *
 * The order is unspecified.  The classifier must not change while a
 * cursor is in use: collect the rules first, then change them. */
struct cls_cursor {
    const struct classifier *cls;   /* Classifier being walked. */
    const struct match *target;     /* Target, or NULL for all rules. */
    bool strict;                    /* Equality rather than subset. */
    uint64_t version;               /* Visits rules visible in it. */
    size_t subtable_idx;            /* Index into cls->subtables. */
    struct hmap_node *node;         /* Current chain head, or NULL. */
    struct cls_rule *rule;          /* Current rule in the chain. */
};

/* Starts a walk of 'cls' over the rules matching 'target' (which must stay
 * valid during the walk) loosely, or strictly if 'strict'. */
void cls_cursor_start(struct cls_cursor *, const struct classifier *cls,
                      const struct match *target, bool strict);
/* The same, over the rules visible in 'version' (CLS_ANY_VERSION: every
 * rule in the classifier). */
void cls_cursor_start_version(struct cls_cursor *,
                              const struct classifier *cls,
                              const struct match *target, bool strict,
                              uint64_t version);

/* Returns the next rule of the walk, or NULL at the end. */
struct cls_rule *cls_cursor_next(struct cls_cursor *);

#define CLS_FOR_EACH_TARGET(RULE, CURSOR, CLS, TARGET, STRICT)          \
    for (cls_cursor_start(CURSOR, CLS, TARGET, STRICT);                 \
         ((RULE) = cls_cursor_next(CURSOR)) != NULL; )

#endif /* classifier.h */
