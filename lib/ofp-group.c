#include <config.h>
#include "ofp-group.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "dynamic-string.h"
#include "flow.h"
#include "hash.h"
#include "match.h"
#include "ofp-actions.h"
#include "ofp-parse.h"
#include "util.h"

static const char *const type_names[] = {
    [OFPGT_ALL] = "all",
    [OFPGT_SELECT] = "select",
    [OFPGT_INDIRECT] = "indirect",
    [OFPGT_FF] = "ff",
};

const char *
ofp_group_type_to_string(enum ofp_group_type type)
{
    return (type < ARRAY_SIZE(type_names) ? type_names[type] : "unknown");
}

void
ofp_group_uninit(struct ofp_group *g)
{
    size_t i;

    if (!g) {
        return;
    }
    for (i = 0; i < g->n_buckets; i++) {
        free(g->buckets[i].ofpacts);
    }
    free(g->buckets);
    g->buckets = NULL;
    g->n_buckets = 0;
}

void
ofp_group_clone(struct ofp_group *dst, const struct ofp_group *src)
{
    size_t i;

    *dst = *src;
    dst->buckets = xmemdup(src->buckets,
                           (src->n_buckets ? src->n_buckets : 1)
                           * sizeof *src->buckets);
    for (i = 0; i < src->n_buckets; i++) {
        const struct ofp_bucket *b = &src->buckets[i];

        dst->buckets[i].ofpacts = (b->ofpacts_size
                                   ? xmemdup(b->ofpacts, b->ofpacts_size)
                                   : NULL);
    }
}

bool
ofp_group_equal(const struct ofp_group *a, const struct ofp_group *b)
{
    size_t i;

    if (a->group_id != b->group_id || a->type != b->type
        || a->hash_method != b->hash_method
        || a->dp_hash_method != b->dp_hash_method
        || a->n_fields != b->n_fields || a->n_buckets != b->n_buckets
        || memcmp(a->fields, b->fields, a->n_fields * sizeof *a->fields)) {
        return false;
    }
    for (i = 0; i < a->n_buckets; i++) {
        const struct ofp_bucket *x = &a->buckets[i];
        const struct ofp_bucket *y = &b->buckets[i];

        if (x->bucket_id != y->bucket_id || x->weight != y->weight
            || x->watch_port != y->watch_port
            || x->watch_group != y->watch_group
            || !ofpacts_equal(x->ofpacts, x->ofpacts_size, y->ofpacts,
                              y->ofpacts_size)) {
            return false;
        }
    }
    return true;
}

/* Parsing. */

static char * NFVS_PRINTF_FORMAT(2, 3)
tok_error(const char *text, const char *format, ...)
{
    va_list args;
    char *msg, *error;

    va_start(args, format);
    msg = xvasprintf(format, args);
    va_end(args);
    error = xasprintf("%s: %s", text, msg);
    free(msg);
    return error;
}

static char *
tok_wrap(const char *text, char *error)
{
    char *s = xasprintf("%s: %s", text, error);

    free(error);
    return s;
}

static char *
parse_type(const struct ofp_token *tok, enum ofp_group_type *typep)
{
    if (!strcmp(tok->value, "all")) {
        *typep = OFPGT_ALL;
    } else if (!strcmp(tok->value, "select")) {
        *typep = OFPGT_SELECT;
    } else if (!strcmp(tok->value, "indirect")) {
        *typep = OFPGT_INDIRECT;
    } else if (!strcmp(tok->value, "fast_failover")
               || !strcmp(tok->value, "ff")) {
        *typep = OFPGT_FF;
    } else {
        return tok_error(tok->text, "unknown group type \"%s\" (all, "
                         "select, indirect or fast_failover)", tok->value);
    }
    return NULL;
}

static char *
parse_fields(const struct ofp_token *tok, struct ofp_group *g)
{
    const char *s = tok->value;
    struct ofp_token f;
    char *error = NULL;

    if (tok->text[strlen(tok->key)] != '(') {
        return tok_error(tok->text, "fields needs its fields in "
                         "parentheses, as fields(ip_src,tcp_dst)");
    }
    while (!error && ofp_next_token(&s, &f, &error)) {
        const struct mf_field *mf = mf_from_name(f.key, NULL);
        struct ofp_group_field *gf;

        if (!mf) {
            error = tok_error(f.text, "unknown field \"%s\" in fields()",
                              f.key);
        } else if (g->n_fields >= OFP_GROUP_MAX_FIELDS) {
            error = tok_error(f.text, "more than %d fields",
                              OFP_GROUP_MAX_FIELDS);
        } else {
            gf = &g->fields[g->n_fields];
            memset(gf, 0, sizeof *gf);
            gf->field = mf->id;
            if (*f.value) {
                error = mf_parse_value(mf, f.value, &gf->mask);
                if (error) {
                    error = tok_wrap(f.text, error);
                }
                gf->has_mask = true;
            } else {
                memset(gf->mask.bytes, 0xff, mf->n_bytes);
            }
            if (!error) {
                g->n_fields++;
            }
        }
        ofp_token_uninit(&f);
    }
    return error;
}

/* A bucket being parsed: its settings and its action text. */
struct bucket_text {
    struct ofp_bucket b;
    bool has_id;
    bool has_weight;
    bool has_actions;           /* "actions=" seen: the rest is actions. */
    char *text;                 /* "bucket=..." as written, for errors. */
    struct ds actions;          /* Action tokens, comma-separated. */
};

static void
bucket_add_action(struct bucket_text *bt, const char *text)
{
    if (bt->actions.length) {
        ds_put_char(&bt->actions, ',');
    }
    ds_put_cstr(&bt->actions, text);
}

/* Parses one token that belongs to bucket 'bt': a bucket setting, or an
 * action. */
static char *
parse_bucket_token(const struct ofp_token *tok,
                   const struct ofp_port_map *port_map,
                   struct bucket_text *bt)
{
    char *error = NULL;
    uint64_t u64;

    if (bt->has_actions) {
        bucket_add_action(bt, tok->text);
    } else if (!strcmp(tok->key, "bucket_id")) {
        error = ofp_parse_u32(tok->value, "bucket id", &bt->b.bucket_id);
        if (!error && bt->b.bucket_id > 0xffffff00) {
            error = xstrdup("bucket id out of range");
        }
        bt->has_id = true;
    } else if (!strcmp(tok->key, "weight")) {
        error = ofp_parse_u64(tok->value, "weight", &u64);
        if (!error && u64 > UINT16_MAX) {
            error = xasprintf("weight %"PRIu64" is out of range (0 to "
                              "65535)", u64);
        }
        bt->b.weight = u64;
        bt->has_weight = true;
    } else if (!strcmp(tok->key, "watch_port")) {
        if (!mf_parse_port_named(tok->value, port_map, &bt->b.watch_port)
            || bt->b.watch_port >= OFPP_MAX) {
            error = xasprintf("\"%s\" is not a port", tok->value);
        }
    } else if (!strcmp(tok->key, "watch_group")) {
        error = ofp_parse_u32(tok->value, "group", &bt->b.watch_group);
        if (!error && bt->b.watch_group > OFPG_MAX) {
            error = xstrdup("group out of range");
        }
    } else if (!strcmp(tok->key, "actions")) {
        bt->has_actions = true;
        if (*tok->value) {
            bucket_add_action(bt, tok->value);
        }
    } else {
        bucket_add_action(bt, tok->text);
    }
    return error ? tok_wrap(tok->text, error) : NULL;
}

/* Finishes bucket 'bt' of 'g': parses its actions and checks it against
 * the group type. */
static char *
finish_bucket(struct bucket_text *bt, const struct ofp_port_map *port_map,
              const struct ofp_group *g)
{
    const struct ofpact *a;
    char *error;

    if (!bt->has_actions && !bt->actions.length) {
        return tok_error(bt->text, "bucket must specify actions "
                         "(actions=drop for none)");
    }
    error = ofpacts_parse_names(ds_cstr(&bt->actions), port_map,
                                &bt->b.ofpacts, &bt->b.ofpacts_size);
    if (error) {
        return tok_wrap(bt->text, error);
    }
    OFPACT_FOR_EACH (a, bt->b.ofpacts, bt->b.ofpacts_size) {
        if (a->type == OFPACT_GOTO_TABLE) {
            return tok_error(bt->text, "goto_table is not allowed in a "
                             "bucket");
        }
    }
    if (bt->has_weight && g->type != OFPGT_SELECT) {
        return tok_error(bt->text, "only select groups can have bucket "
                         "weights");
    }
    if (g->type == OFPGT_FF) {
        if (bt->b.watch_port == OFPG_WATCH_NONE
            && bt->b.watch_group == OFPG_NONE) {
            return tok_error(bt->text, "a fast_failover bucket needs "
                             "watch_port or watch_group");
        }
    } else if (bt->b.watch_port != OFPG_WATCH_NONE
               || bt->b.watch_group != OFPG_NONE) {
        return tok_error(bt->text, "only fast_failover groups watch ports "
                         "or groups");
    }
    return NULL;
}

static void
bucket_text_init(struct bucket_text *bt, const char *text)
{
    memset(bt, 0, sizeof *bt);
    bt->b.weight = 1;
    bt->b.watch_port = OFPG_WATCH_NONE;
    bt->b.watch_group = OFPG_NONE;
    bt->text = xstrdup(text);
    ds_init(&bt->actions);
}

static void
bucket_text_uninit(struct bucket_text *bt)
{
    free(bt->b.ofpacts);
    free(bt->text);
    ds_destroy(&bt->actions);
}

/* Gives every bucket without an id the lowest id no bucket has, in
 * order; refuses two buckets with one id. */
static char *
assign_bucket_ids(struct bucket_text *bts, size_t n, struct ofp_group *g)
{
    uint32_t next = 0;
    size_t i, j;

    for (i = 0; i < n; i++) {
        for (j = 0; bts[i].has_id && j < i; j++) {
            if (bts[j].has_id && bts[j].b.bucket_id == bts[i].b.bucket_id) {
                return tok_error(bts[i].text, "duplicate bucket id %"PRIu32,
                                 bts[i].b.bucket_id);
            }
        }
    }
    for (i = 0; i < n; i++) {
        if (bts[i].has_id) {
            continue;
        }
        for (j = 0; j < n; j++) {
            if ((bts[j].has_id || j < i) && bts[j].b.bucket_id == next) {
                next++;
                j = SIZE_MAX;   /* Wraps to 0: start over. */
            }
        }
        bts[i].b.bucket_id = next++;
    }
    g->buckets = xcalloc(n ? n : 1, sizeof *g->buckets);
    for (i = 0; i < n; i++) {
        g->buckets[i] = bts[i].b;
        bts[i].b.ofpacts = NULL;
    }
    g->n_buckets = n;
    return NULL;
}

char *
ofp_group_parse(const char *s, const struct ofp_port_map *port_map,
                struct ofp_group *g)
{
    struct bucket_text *bts = NULL;
    size_t n_bts = 0, allocated = 0;
    char *fields_text = NULL;
    bool has_id = false;
    char *error = NULL;
    struct ofp_token tok;
    size_t i;

    memset(g, 0, sizeof *g);
    g->type = OFPGT_ALL;
    while (!error && ofp_next_token(&s, &tok, &error)) {
        if (!strcmp(tok.key, "bucket")) {
            const char *v = tok.value;
            struct ofp_token sub;

            if (n_bts >= OFP_GROUP_MAX_BUCKETS) {
                error = tok_error(tok.text, "more than %d buckets",
                                  OFP_GROUP_MAX_BUCKETS);
            } else {
                if (n_bts >= allocated) {
                    allocated = allocated ? allocated * 2 : 4;
                    bts = xrealloc(bts, allocated * sizeof *bts);
                }
                bucket_text_init(&bts[n_bts++], tok.text);
                while (!error && ofp_next_token(&v, &sub, &error)) {
                    error = parse_bucket_token(&sub, port_map,
                                               &bts[n_bts - 1]);
                    ofp_token_uninit(&sub);
                }
            }
        } else if (n_bts) {
            error = parse_bucket_token(&tok, port_map, &bts[n_bts - 1]);
        } else if (!strcmp(tok.key, "group_id")) {
            error = ofp_parse_u32(tok.value, "group id", &g->group_id);
            if (!error && g->group_id > OFPG_MAX) {
                error = xasprintf("group id %"PRIu32" is out of range (0 "
                                  "to %"PRIu32")", g->group_id,
                                  (uint32_t) OFPG_MAX);
            }
            if (error) {
                error = tok_wrap(tok.text, error);
            }
            has_id = true;
        } else if (!strcmp(tok.key, "type")) {
            error = parse_type(&tok, &g->type);
        } else if (!strcmp(tok.key, "selection_method")) {
            if (!strcmp(tok.value, "hash")) {
                g->hash_method = true;
            } else if (!strcmp(tok.value, "dp_hash")) {
                g->dp_hash_method = true;
            } else {
                error = tok_error(tok.text, "unknown selection method "
                                  "\"%s\" (hash or dp_hash)", tok.value);
            }
        } else if (!strcmp(tok.key, "selection_method_param")) {
            error = tok_error(tok.text, "not supported");
        } else if (!strcmp(tok.key, "fields")) {
            free(fields_text);
            fields_text = xstrdup(tok.text);
            error = parse_fields(&tok, g);
        } else {
            error = tok_error(tok.text, "unknown group argument \"%s\"",
                              tok.key);
        }
        ofp_token_uninit(&tok);
    }

    if (!error && !has_id) {
        error = xstrdup("group_id: must specify a group_id");
    }
    if (!error && (g->hash_method || g->dp_hash_method)
        && g->type != OFPGT_SELECT) {
        error = xstrdup("selection_method: only select groups have a "
                        "selection method");
    }
    if (!error && fields_text && !g->hash_method) {
        error = tok_error(fields_text, "fields may only be given with "
                          "selection_method=hash");
    }
    if (!error && g->type == OFPGT_INDIRECT && n_bts > 1) {
        error = tok_error(bts[1].text, "an indirect group has at most one "
                          "bucket");
    }
    for (i = 0; !error && i < n_bts; i++) {
        error = finish_bucket(&bts[i], port_map, g);
    }
    if (!error) {
        error = assign_bucket_ids(bts, n_bts, g);
    }
    for (i = 0; i < n_bts; i++) {
        bucket_text_uninit(&bts[i]);
    }
    free(bts);
    free(fields_text);
    if (error) {
        ofp_group_uninit(g);
    }
    return error;
}

char *
ofp_group_parse_id(const char *s, uint32_t *idp)
{
    struct ofp_token tok;
    char *error = NULL;
    bool found = false;

    *idp = OFPG_ALL;
    while (!error && ofp_next_token(&s, &tok, &error)) {
        if (found || strcmp(tok.key, "group_id")) {
            error = tok_error(tok.text, "expected only group_id=ID or "
                              "group_id=all");
        } else if (!strcmp(tok.value, "all")) {
            found = true;
        } else {
            error = ofp_parse_u32(tok.value, "group id", idp);
            if (!error && *idp > OFPG_MAX) {
                error = xasprintf("group id %"PRIu32" is out of range",
                                  *idp);
            }
            if (error) {
                error = tok_wrap(tok.text, error);
            }
            found = true;
        }
        ofp_token_uninit(&tok);
    }
    return error;
}

/* Printing. */

void
ofp_group_format(const struct ofp_group *g,
                 const struct ofp_port_map *port_map, bool full,
                 struct ds *s)
{
    size_t i;

    ds_put_format(s, "group_id=%"PRIu32",type=%s", g->group_id,
                  ofp_group_type_to_string(g->type));
    if (full && (g->hash_method || g->dp_hash_method)) {
        ds_put_format(s, ",selection_method=%s",
                      g->hash_method ? "hash" : "dp_hash");
    }
    if (full && g->n_fields) {
        ds_put_cstr(s, ",fields(");
        for (i = 0; i < g->n_fields; i++) {
            const struct ofp_group_field *gf = &g->fields[i];
            const struct mf_field *mf = mf_from_id(gf->field);

            if (i) {
                ds_put_char(s, ',');
            }
            ds_put_cstr(s, mf->name);
            if (gf->has_mask) {
                ds_put_char(s, '=');
                mf_format(mf, &gf->mask, NULL, s);
            }
        }
        ds_put_char(s, ')');
    }
    for (i = 0; i < g->n_buckets; i++) {
        const struct ofp_bucket *b = &g->buckets[i];

        ds_put_cstr(s, ",bucket=");
        if (full) {
            ds_put_format(s, "bucket_id:%"PRIu32",", b->bucket_id);
        }
        if (g->type == OFPGT_SELECT && b->weight != 1) {
            ds_put_format(s, "weight:%"PRIu16",", b->weight);
        }
        if (b->watch_port != OFPG_WATCH_NONE) {
            ds_put_cstr(s, "watch_port:");
            mf_format_port_named(b->watch_port, port_map, s);
            ds_put_char(s, ',');
        }
        if (b->watch_group != OFPG_NONE) {
            ds_put_format(s, "watch_group:%"PRIu32",", b->watch_group);
        }
        ds_put_cstr(s, "actions=");
        ofpacts_format_names(b->ofpacts, b->ofpacts_size, port_map, s);
    }
}

/* Selection. */

uint32_t
ofp_group_hash(const struct ofp_group *g, const struct flow *flow,
               struct flow_wildcards *wc)
{
    static const enum mf_field_id l2_fields[] = {
        MFF_ETH_SRC, MFF_ETH_DST, MFF_ETH_TYPE,
    };
    static const enum mf_field_id ip_fields[] = {
        MFF_ETH_TYPE, MFF_IP_PROTO, MFF_IPV4_SRC, MFF_IPV4_DST,
        MFF_IPV6_SRC, MFF_IPV6_DST, MFF_TCP_SRC, MFF_TCP_DST,
    };
    struct ofp_group_field defaults[ARRAY_SIZE(ip_fields)];
    const struct ofp_group_field *fields = g->fields;
    size_t n_fields = g->n_fields;
    struct match m;
    uint32_t hash = 0;
    size_t i;

    match_init_exact(&m, flow);
    if (!g->hash_method) {
        bool is_ip = (flow->dl_type == htons(ETH_TYPE_IP)
                      || flow->dl_type == htons(ETH_TYPE_IPV6));
        const enum mf_field_id *ids = is_ip ? ip_fields : l2_fields;

        n_fields = is_ip ? ARRAY_SIZE(ip_fields) : ARRAY_SIZE(l2_fields);
        memset(defaults, 0, sizeof defaults);
        for (i = 0; i < n_fields; i++) {
            defaults[i].field = ids[i];
            memset(defaults[i].mask.bytes, 0xff, sizeof defaults[i].mask);
        }
        fields = defaults;
    }
    for (i = 0; i < n_fields; i++) {
        const struct mf_field *mf = mf_from_id(fields[i].field);
        enum mf_prereqs prereqs = mf->prereqs;
        union mf_value value;
        size_t j;

        /* tcp_src and tcp_dst stand for the L4 ports of any protocol in
         * the default 5-tuple; they are stored in the same place. */
        if (!g->hash_method && prereqs == MFP_TCP) {
            prereqs = MFP_L4;
        }
        if (!mf_are_prereqs_ok(prereqs, &m)) {
            continue;
        }
        mf_get_value(mf, flow, &value);
        for (j = 0; j < mf->n_bytes; j++) {
            value.bytes[j] &= fields[i].mask.bytes[j];
        }
        hash = hash_bytes(value.bytes, mf->n_bytes, hash_add(hash, mf->id));
        if (wc) {
            mf_get_bits(mf, &wc->masks);
        }
    }
    return hash;
}

size_t
ofp_group_select(const struct ofp_group *g, uint32_t hash)
{
    size_t best = SIZE_MAX;
    double best_score = 0;
    size_t i;

    for (i = 0; i < g->n_buckets; i++) {
        const struct ofp_bucket *b = &g->buckets[i];
        uint32_t h;
        double u, score;

        if (!b->weight) {
            continue;
        }
        h = hash_int(b->bucket_id, hash);
        u = ((double) h + 0.5) / 4294967296.0;      /* In (0, 1). */
        score = b->weight / -log(u);
        if (best == SIZE_MAX || score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

bool
ofpacts_use_group(const void *ofpacts, size_t size, uint32_t id)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH (a, ofpacts, size) {
        if (a->type == OFPACT_GROUP
            && (id == OFPG_ALL
                || ((const struct ofpact_group *) a)->group_id == id)) {
            return true;
        }
    }
    return false;
}
