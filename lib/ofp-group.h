/* lib/ofp-group.h: OpenFlow groups in ovs-ofctl syntax, and bucket
 * selection.
 *
 * A group is what "ovs-ofctl add-group" takes:
 *   group_id=ID[,type=all|select|indirect|fast_failover]
 *   [,selection_method=hash[,fields(FIELD[=MASK],...)]]
 *   [,bucket=BUCKET]...
 * where each BUCKET is
 *   [bucket_id:N,][weight:W,][watch_port:P,][watch_group:G,]
 *   actions=ACTIONS
 * or, in the older spelling, the actions directly ("bucket=output:1").
 * "key:value" and "key=value" are the same.  A bucket's actions run to
 * the next "bucket=".
 *
 * Printing follows "ovs-ofctl -O OpenFlow13 dump-groups" (Open vSwitch
 * 3.1): type "ff" for fast_failover, "weight:W" only for select buckets
 * whose weight is not 1, no bucket ids and no selection method.  The full
 * form adds them, so that a printed group parses back to the same group.
 *
 * Selection.  A select group picks one bucket per packet by a hash of the
 * 5-tuple (addresses, IP protocol, L4 ports; Ethernet addresses and type
 * for other packets), or of the fields of "selection_method=hash,
 * fields(...)", with weighted rendezvous hashing: each bucket scores
 * weight / -ln(u) for a uniform u drawn from the hash and the bucket id,
 * and the highest score wins.  The choice depends only on the hashed
 * fields and the buckets, so all the packets of one connection land on
 * one bucket; a bucket is chosen with probability proportional to its
 * weight, and removing a bucket moves only the connections it had.
 * Weight 0 buckets are never chosen.
 *
 * Functions that can fail return a malloc'd error message (the caller
 * frees it) or NULL.  No global state: thread-safe. */
#ifndef NFVS_OFP_GROUP_H
#define NFVS_OFP_GROUP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "meta-flow.h"

struct ds;
struct flow;
struct flow_wildcards;
struct ofp_port_map;

#define OFPG_MAX 0xffffff00     /* Highest group id. */
#define OFPG_ALL 0xfffffffc     /* "All groups" in deletes and dumps. */
#define OFPG_NONE UINT32_MAX    /* No group (watch_group unset). */
#define OFPG_WATCH_NONE UINT32_MAX /* No port (watch_port unset). */

#define OFP_GROUP_MAX_FIELDS 16     /* In fields(...). */
#define OFP_GROUP_MAX_BUCKETS 1024  /* Per group. */

enum ofp_group_type {
    OFPGT_ALL,                  /* Every bucket. */
    OFPGT_SELECT,               /* One bucket, by hash and weight. */
    OFPGT_INDIRECT,             /* The one bucket. */
    OFPGT_FF,                   /* The first live bucket. */
};

struct ofp_group_field {
    uint16_t field;             /* enum mf_field_id. */
    bool has_mask;              /* "FIELD=MASK" rather than "FIELD". */
    union mf_value mask;        /* All ones if !has_mask. */
};

struct ofp_bucket {
    uint32_t bucket_id;
    uint16_t weight;            /* Select groups; 1 by default. */
    uint32_t watch_port;        /* OpenFlow port or OFPG_WATCH_NONE. */
    uint32_t watch_group;       /* Group or OFPG_NONE. */
    void *ofpacts;              /* Owned; see ofp-actions.h. */
    size_t ofpacts_size;        /* 0: drop. */
};

struct ofp_group {
    uint32_t group_id;
    enum ofp_group_type type;
    bool hash_method;           /* "selection_method=hash" was given. */
    bool dp_hash_method;        /* "selection_method=dp_hash" was given:
                                 * selects as the default does. */
    struct ofp_group_field fields[OFP_GROUP_MAX_FIELDS];
    size_t n_fields;
    struct ofp_bucket *buckets; /* Owned, 'n_buckets' of them. */
    size_t n_buckets;
};

/* Parses 's' (the syntax above) into 'g', with ports named as in
 * 'port_map' (NULL: numbers only).  On success returns NULL and the
 * caller must ofp_group_uninit() 'g'; on failure returns "TOKEN: what is
 * wrong" and 'g' holds nothing.  Checks everything that needs no switch:
 * type, weights only on select buckets, at most one indirect bucket,
 * watches only and always on fast_failover buckets, fields only with
 * selection_method=hash, known fields, actions present, no goto_table,
 * unique bucket ids. */
char *ofp_group_parse(const char *s, const struct ofp_port_map *port_map,
                      struct ofp_group *g);

/* Parses "group_id=ID" (or "group_id=all", or "") as del-groups takes it,
 * storing ID or OFPG_ALL in '*idp'. */
char *ofp_group_parse_id(const char *s, uint32_t *idp);

void ofp_group_uninit(struct ofp_group *);
void ofp_group_clone(struct ofp_group *dst, const struct ofp_group *src);
bool ofp_group_equal(const struct ofp_group *, const struct ofp_group *);

/* Appends 'g' in the OpenFlow 1.3 form of "ovs-ofctl dump-groups" or, if
 * 'full', with selection method, fields and bucket ids too. */
void ofp_group_format(const struct ofp_group *g,
                      const struct ofp_port_map *port_map, bool full,
                      struct ds *);

const char *ofp_group_type_to_string(enum ofp_group_type);

/* Returns the hash that ofp_group_select() takes for 'flow' and sets in
 * 'wc' (if nonnull) the bits of the fields it used. */
uint32_t ofp_group_hash(const struct ofp_group *, const struct flow *,
                        struct flow_wildcards *wc);

/* Returns the index of the bucket of select group 'g' that 'hash'
 * chooses, or SIZE_MAX if no bucket has a weight. */
size_t ofp_group_select(const struct ofp_group *g, uint32_t hash);

/* True if the actions 'ofpacts' (with any nested ones) use group 'id'
 * (OFPG_ALL: any group). */
bool ofpacts_use_group(const void *ofpacts, size_t size, uint32_t id);

#endif /* ofp-group.h */
