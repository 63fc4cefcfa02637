#include <config.h>
#include "ofp-meter.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "dynamic-string.h"
#include "ofp-parse.h"
#include "util.h"

/* "TOKEN: message". */
static char * NFVS_PRINTF_FORMAT(2, 3)
meter_tok_error(const struct ofp_token *tok, const char *format, ...)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    va_list args;

    ds_put_format(&s, "%s: ", tok->text);
    va_start(args, format);
    ds_put_format_valist(&s, format, args);
    va_end(args);
    return ds_steal_cstr(&s);
}

static char *
parse_meter_id(const struct ofp_token *tok, bool allow_all, uint32_t *idp)
{
    uint64_t id;
    char *error;

    if (allow_all && !strcasecmp(tok->value, "all")) {
        *idp = OFPM_ALL;
        return NULL;
    }
    error = ofp_parse_u64(tok->value, "meter", &id);
    if (error) {
        char *msg = meter_tok_error(tok, "%s", error);

        free(error);
        return msg;
    } else if (id < 1 || id > OFPM_MAX) {
        return meter_tok_error(tok, "meter id %"PRIu64" is out of range "
                               "(1 to %"PRIu32")", id, OFPM_MAX);
    }
    *idp = id;
    return NULL;
}

static char *
parse_u32_field(const struct ofp_token *tok, const char *name,
                uint32_t *valuep)
{
    char *error = ofp_parse_u32(tok->value, name, valuep);

    if (error) {
        char *msg = meter_tok_error(tok, "%s", error);

        free(error);
        return msg;
    }
    return NULL;
}

char *
ofp_meter_parse(const char *s, struct ofp_meter *m)
{
    bool have_id = false, in_band = false, have_rate = false;
    char *error = NULL;
    struct ofp_token tok;

    memset(m, 0, sizeof *m);
    while (!error && ofp_next_token(&s, &tok, &error)) {
        const char *key = tok.key;

        if (!in_band && !strcasecmp(key, "meter")) {
            if (have_id) {
                error = meter_tok_error(&tok, "meter given twice");
            } else {
                error = parse_meter_id(&tok, false, &m->meter_id);
                have_id = true;
            }
        } else if (!in_band && (!strcasecmp(key, "kbps")
                                || !strcasecmp(key, "pktps"))) {
            uint16_t flag = (!strcasecmp(key, "kbps") ? OFPMF_KBPS
                             : OFPMF_PKTPS);

            if (!ofp_token_is_bare(&tok)) {
                error = meter_tok_error(&tok, "%s takes no value", key);
            } else if (m->flags & (OFPMF_KBPS | OFPMF_PKTPS) & ~flag) {
                error = meter_tok_error(&tok, "meter must specify either "
                                        "'kbps' or 'pktps', not both");
            }
            m->flags |= flag;
        } else if (!in_band && (!strcasecmp(key, "burst")
                                || !strcasecmp(key, "stats"))) {
            if (!ofp_token_is_bare(&tok)) {
                error = meter_tok_error(&tok, "%s takes no value", key);
            }
            m->flags |= (!strcasecmp(key, "burst") ? OFPMF_BURST
                         : OFPMF_STATS);
        } else if (!strcasecmp(key, "band")) {
            if (in_band) {
                error = meter_tok_error(&tok, "only one band per meter is "
                                        "supported");
            } else if (strncasecmp(tok.value, "type=", 5)) {
                error = meter_tok_error(&tok, "band must start with "
                                        "type=drop");
            } else if (strcasecmp(tok.value + 5, "drop")) {
                error = meter_tok_error(&tok, "unknown band type \"%s\" "
                                        "(only drop is supported)",
                                        tok.value + 5);
            }
            in_band = true;
        } else if (in_band && !strcasecmp(key, "rate")) {
            error = parse_u32_field(&tok, "rate", &m->rate);
            if (!error && !m->rate) {
                error = meter_tok_error(&tok, "rate must be positive");
            }
            have_rate = true;
        } else if (in_band && !strcasecmp(key, "burst_size")) {
            error = parse_u32_field(&tok, "burst_size", &m->burst_size);
        } else if (in_band && !strcasecmp(key, "type")) {
            error = meter_tok_error(&tok, "only one band per meter is "
                                    "supported");
        } else {
            error = meter_tok_error(&tok, "unknown %s \"%s\"",
                                    in_band ? "band field" : "meter field",
                                    key);
        }
        ofp_token_uninit(&tok);
    }
    if (!error && !have_id) {
        error = xstrdup("meter=N is missing");
    } else if (!error && !(m->flags & (OFPMF_KBPS | OFPMF_PKTPS))) {
        error = xstrdup("meter must specify either 'kbps' or 'pktps'");
    } else if (!error && !in_band) {
        error = xstrdup("meter needs a band (band=type=drop,rate=R)");
    } else if (!error && !have_rate) {
        error = xstrdup("band must have 'rate'");
    }
    return error;
}

char *
ofp_meter_parse_id(const char *s, uint32_t *idp)
{
    struct ofp_token tok;
    char *error = NULL;
    bool have = false;

    *idp = OFPM_ALL;
    while (!error && ofp_next_token(&s, &tok, &error)) {
        if (have) {
            error = meter_tok_error(&tok, "only meter=N or meter=all may "
                                    "be given");
        } else if (!strcasecmp(tok.key, "meter")) {
            error = parse_meter_id(&tok, true, idp);
        } else {
            error = meter_tok_error(&tok, "unknown field \"%s\" (expected "
                                    "meter=N)", tok.key);
        }
        have = true;
        ofp_token_uninit(&tok);
    }
    return error;
}

static void
format_flags(const struct ofp_meter *m, struct ds *s, char sep)
{
    ds_put_cstr(s, m->flags & OFPMF_KBPS ? "kbps" : "pktps");
    if (m->flags & OFPMF_BURST) {
        ds_put_format(s, "%cburst", sep);
    }
    if (m->flags & OFPMF_STATS) {
        ds_put_format(s, "%cstats", sep);
    }
}

void
ofp_meter_format(const struct ofp_meter *m, struct ds *s)
{
    ds_put_format(s, "meter=%"PRIu32" ", m->meter_id);
    format_flags(m, s, ' ');
    ds_put_format(s, " bands=\ntype=drop rate=%"PRIu32, m->rate);
    if (m->burst_size) {
        ds_put_format(s, " burst_size=%"PRIu32, m->burst_size);
    }
}

void
ofp_meter_format_line(const struct ofp_meter *m, struct ds *s)
{
    ds_put_format(s, "meter=%"PRIu32",", m->meter_id);
    format_flags(m, s, ',');
    ds_put_format(s, ",band=type=drop,rate=%"PRIu32, m->rate);
    if (m->burst_size) {
        ds_put_format(s, ",burst_size=%"PRIu32, m->burst_size);
    }
}

bool
ofp_meter_equal(const struct ofp_meter *a, const struct ofp_meter *b)
{
    return (a->meter_id == b->meter_id && a->flags == b->flags
            && a->rate == b->rate && a->burst_size == b->burst_size);
}

/* Token bucket. */

#define UNITS_PER_BURST 1000000000ull   /* Per kbit or per packet. */
#define UNITS_PER_BYTE 8000000ull       /* kbps: 8 bits of 10^6 units. */

void
meter_bucket_init(struct meter_bucket *b, const struct ofp_meter *m,
                  long long int now_ns)
{
    uint32_t burst = (m->flags & OFPMF_BURST && m->burst_size
                      ? m->burst_size : m->rate);

    b->pktps = (m->flags & OFPMF_PKTPS) != 0;
    b->rate = m->rate;
    b->capacity = burst * UNITS_PER_BURST;
    b->tokens = b->capacity;
    b->last_ns = now_ns;
}

bool
meter_bucket_take(struct meter_bucket *b, uint32_t n_bytes,
                  long long int now_ns)
{
    uint64_t cost = b->pktps ? UNITS_PER_BURST : n_bytes * UNITS_PER_BYTE;

    if (now_ns > b->last_ns) {
        uint64_t elapsed = now_ns - b->last_ns;
        uint64_t room = b->capacity - b->tokens;

        /* 'rate' * 'elapsed' could overflow: compare by division. */
        if (elapsed >= room / b->rate + 1) {
            b->tokens = b->capacity;
        } else {
            b->tokens += elapsed * b->rate;
            if (b->tokens > b->capacity) {
                b->tokens = b->capacity;
            }
        }
        b->last_ns = now_ns;
    }
    if (b->tokens < cost) {
        return false;
    }
    b->tokens -= cost;
    return true;
}
