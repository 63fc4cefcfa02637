#include <config.h>
#include "classifier.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flow-table.h"
#include "nfvstest.h"
#include "util.h"

/* Tests of lib/classifier and lib/flow-table.
 *
 * Matches are built by setting fields of 'struct match' directly and then
 * normalizing, so these tests do not depend on the flow syntax parser.
 * Actions are test-only: an array of uint32_t output ports. */

/* Match and flow helpers. */

static void
m_dl_type(struct match *m, uint16_t type)
{
    m->flow.dl_type = htons(type);
    m->wc.masks.dl_type = UINT16_MAX;
}

static void
m_in_port(struct match *m, uint32_t port)
{
    m->flow.in_port = port;
    m->wc.masks.in_port = UINT32_MAX;
}

static uint32_t
prefix_mask(int plen)
{
    return plen ? UINT32_MAX << (32 - plen) : 0;
}

static void
m_nw_dst(struct match *m, uint32_t ip, int plen)
{
    m_dl_type(m, ETH_TYPE_IP);
    m->flow.nw_dst = htonl(ip);
    m->wc.masks.nw_dst = htonl(prefix_mask(plen));
    match_normalize(m);
}

static void
m_tcp_dst(struct match *m, uint16_t port)
{
    m_dl_type(m, ETH_TYPE_IP);
    m->flow.nw_proto = 6;
    m->wc.masks.nw_proto = UINT8_MAX;
    m->flow.tp_dst = htons(port);
    m->wc.masks.tp_dst = UINT16_MAX;
}

#define IP(A, B, C, D) (((uint32_t) (A) << 24) | ((B) << 16) | ((C) << 8) \
                        | (D))

static struct flow
ip_flow(uint32_t dst)
{
    struct flow f;

    memset(&f, 0, sizeof f);
    f.dl_type = htons(ETH_TYPE_IP);
    f.nw_dst = htonl(dst);
    return f;
}

static void
format_ip(char *buf, size_t size, nfvs_be32 ip)
{
    uint32_t h = ntohl(ip);

    snprintf(buf, size, "%u.%u.%u.%u", h >> 24, (h >> 16) & 0xff,
             (h >> 8) & 0xff, h & 0xff);
}

/* Test actions: output ports. */

static bool
outputs_to(const void *ofpacts, size_t size, uint32_t port, void *aux)
{
    const uint32_t *ports = ofpacts;
    size_t i;

    for (i = 0; i < size / sizeof *ports; i++) {
        if (ports[i] == port) {
            return true;
        }
    }
    return false;
}

static void
print_actions(const struct rule *rule)
{
    const uint32_t *ports = rule->ofpacts;
    size_t i, n = rule->ofpacts_size / sizeof *ports;

    printf("actions=");
    if (!n) {
        printf("drop");
    }
    for (i = 0; i < n; i++) {
        printf("%soutput:%"PRIu32, i ? "," : "", ports[i]);
    }
}

static void
print_rule(const struct rule *rule)
{
    printf("table=%d priority=%d cookie=%#"PRIx64" ", rule->table_id,
           rule_priority(rule), rule->cookie);
    print_actions(rule);
    printf("\n");
}

static int
compare_rules(const void *a_, const void *b_)
{
    const struct rule *a = *(const struct rule *const *) a_;
    const struct rule *b = *(const struct rule *const *) b_;

    if (a->table_id != b->table_id) {
        return a->table_id < b->table_id ? -1 : 1;
    }
    if (rule_priority(a) != rule_priority(b)) {
        return rule_priority(a) > rule_priority(b) ? -1 : 1;
    }
    return a->cookie < b->cookie ? -1 : a->cookie > b->cookie;
}

/* Prints every rule of 'ft', sorted, under a heading. */
static void
dump(const struct flow_table *ft, const char *title)
{
    struct rule **rules = xmalloc((flow_table_count(ft, FLOW_TABLE_ALL) + 1)
                                  * sizeof *rules);
    size_t n = 0, i;
    int t;

    for (t = 0; t < FLOW_TABLE_N_TABLES; t++) {
        struct cls_cursor cursor;
        struct cls_rule *cr;

        CLS_FOR_EACH_TARGET (cr, &cursor, flow_table_classifier(ft, t),
                             NULL, false) {
            rules[n++] = rule_from_cls_rule(cr);
        }
    }
    CHECK(n == flow_table_count(ft, FLOW_TABLE_ALL));
    qsort(rules, n, sizeof *rules, compare_rules);
    printf("%s:\n", title);
    for (i = 0; i < n; i++) {
        printf("  ");
        print_rule(rules[i]);
    }
    free(rules);
}

/* Flow mod helpers.  'port' of 0 means no actions (drop). */
static void
fm_make(struct flow_mod *fm, enum flow_mod_command command, uint8_t table,
        const struct match *match, int priority, uint64_t cookie,
        const uint32_t *port)
{
    flow_mod_init(fm, command, match, priority);
    fm->table_id = table;
    fm->new_cookie = cookie;
    if (port && *port) {
        fm->ofpacts = port;
        fm->ofpacts_size = sizeof *port;
    }
}

static int
do_mod(struct flow_table *ft, enum flow_mod_command command, uint8_t table,
       const struct match *match, int priority, uint64_t cookie,
       uint32_t port, uint16_t flags)
{
    struct flow_mod fm;

    fm_make(&fm, command, table, match, priority, cookie, &port);
    fm.flags = flags;
    return flow_table_flow_mod(ft, &fm);
}

static void
add(struct flow_table *ft, uint8_t table, const struct match *match,
    int priority, uint64_t cookie, uint32_t port)
{
    CHECK(!do_mod(ft, FLOW_MOD_ADD, table, match, priority, cookie, port,
                  0));
}

/* Change-callback logger. */
static void
log_changes(const struct flow_table_change *changes, size_t n,
            uint64_t version, void *aux)
{
    static const char *names[] = { "added", "removed", "modified" };
    size_t i;

    printf("commit version %"PRIu64":", version);
    for (i = 0; i < n; i++) {
        printf(" %s(t%d,p%d,%#"PRIx64")", names[changes[i].type],
               changes[i].table_id, rule_priority(changes[i].rule),
               changes[i].rule->cookie);
        if (changes[i].type == FLOW_TABLE_MODIFIED) {
            CHECK(changes[i].old_ofpacts_size % sizeof(uint32_t) == 0);
        }
    }
    printf("\n");
}

static struct flow_table *
make_table(bool log)
{
    struct flow_table *ft = flow_table_create();

    flow_table_set_output_checker(ft, outputs_to, NULL);
    if (log) {
        flow_table_set_change_cb(ft, log_changes, NULL);
    }
    return ft;
}

static void
print_lookup(const struct flow_table *ft, const char *name,
             const struct flow *flow)
{
    struct rule *rule = flow_table_lookup(ft, 0, flow, NULL);

    if (rule) {
        printf("%s -> priority=%d cookie=%#"PRIx64"\n", name,
               rule_priority(rule), rule->cookie);
    } else {
        printf("%s -> miss\n", name);
    }
}

/* "priorities": highest priority wins; wildcards of probed subtables. */
static void
test_priorities(void)
{
    struct flow_table *ft = make_table(false);
    struct flow_wildcards wc;
    struct match m;
    struct flow f;
    char buf[32];

    match_init_catchall(&m);
    m_nw_dst(&m, IP(10, 0, 0, 0), 8);
    add(ft, 0, &m, 10, 1, 1);

    match_init_catchall(&m);
    m_nw_dst(&m, IP(10, 1, 0, 0), 16);
    add(ft, 0, &m, 20, 2, 2);

    match_init_catchall(&m);
    add(ft, 0, &m, 5, 3, 3);

    match_init_catchall(&m);
    m_nw_dst(&m, IP(10, 1, 2, 0), 24);
    m_tcp_dst(&m, 80);
    match_normalize(&m);
    add(ft, 0, &m, 30, 4, 4);

    f = ip_flow(IP(10, 1, 0, 1));
    print_lookup(ft, "10.1.0.1", &f);
    f = ip_flow(IP(10, 2, 0, 1));
    print_lookup(ft, "10.2.0.1", &f);
    f = ip_flow(IP(192, 0, 2, 1));
    print_lookup(ft, "192.0.2.1", &f);
    f = ip_flow(IP(10, 1, 2, 3));
    f.nw_proto = 6;
    f.tp_dst = htons(80);
    print_lookup(ft, "10.1.2.3:80", &f);
    f.tp_dst = htons(81);
    print_lookup(ft, "10.1.2.3:81", &f);
    memset(&f, 0, sizeof f);
    f.dl_type = htons(ETH_TYPE_ARP);
    print_lookup(ft, "arp", &f);

    /* 10.2.0.1 hits the /8 rule at priority 10: the /24+tcp and /16
     * subtables were probed before it, the catch-all (priority 5) not. */
    f = ip_flow(IP(10, 2, 0, 1));
    flow_wildcards_init_catchall(&wc);
    CHECK(flow_table_lookup(ft, 0, &f, &wc)->cookie == 1);
    format_ip(buf, sizeof buf, wc.masks.nw_dst);
    printf("wildcards: dl_type=%#x nw_dst=%s nw_proto=%#x tp_dst=%#x\n",
           ntohs(wc.masks.dl_type), buf, wc.masks.nw_proto,
           ntohs(wc.masks.tp_dst));
    wc.masks.dl_type = wc.masks.nw_dst = 0;
    wc.masks.nw_proto = 0;
    wc.masks.tp_dst = 0;
    CHECK(flow_wildcards_is_catchall(&wc));

    /* A miss depends on every subtable. */
    match_init_catchall(&m);
    CHECK(!do_mod(ft, FLOW_MOD_DELETE_STRICT, 0, &m, 5, 0, 0, 0));
    f = ip_flow(IP(192, 0, 2, 1));
    print_lookup(ft, "192.0.2.1", &f);
    flow_table_destroy(ft);
}

/* "strict": strict and loose modify and delete. */
static void
test_strict(void)
{
    struct flow_table *ft = make_table(true);
    struct match ip8, ip16, ip, any, m;

    match_init_catchall(&ip8);
    m_nw_dst(&ip8, IP(10, 0, 0, 0), 8);
    match_init_catchall(&ip16);
    m_nw_dst(&ip16, IP(10, 1, 0, 0), 16);
    match_init_catchall(&ip);
    m_dl_type(&ip, ETH_TYPE_IP);
    match_init_catchall(&any);

    add(ft, 0, &ip8, 10, 1, 1);
    add(ft, 0, &ip16, 20, 2, 2);
    add(ft, 0, &ip16, 30, 3, 3);
    add(ft, 0, &ip, 40, 4, 4);
    add(ft, 0, &any, 1, 5, 5);
    add(ft, 1, &ip16, 20, 6, 6);
    dump(ft, "initial");

    /* Strict delete: exact match and priority only. */
    CHECK(!do_mod(ft, FLOW_MOD_DELETE_STRICT, 0, &ip16, 20, 0, 0, 0));
    /* Strict delete that matches nothing is no error. */
    CHECK(!do_mod(ft, FLOW_MOD_DELETE_STRICT, 0, &ip16, 25, 0, 0, 0));
    dump(ft, "after delete --strict ip,nw_dst=10.1.0.0/16,priority=20");

    /* Loose modify: every rule at least as specific as the target. */
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY, 0, &ip8, 0, FLOW_MOD_COOKIE_KEEP, 9,
                  0));
    dump(ft, "after mod-flows ip,nw_dst=10.0.0.0/8 actions=output:9");

    /* Strict modify: only the identical rule. */
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY_STRICT, 0, &ip, 40,
                  FLOW_MOD_COOKIE_KEEP, 8, 0));
    /* Strict modify of nothing adds nothing without ADD_IF_MISSING... */
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY_STRICT, 0, &ip, 41,
                  FLOW_MOD_COOKIE_KEEP, 8, 0));
    /* ...and adds with it, as ovs-ofctl mod-flows (OpenFlow 1.0) does. */
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY_STRICT, 0, &ip, 41, 0x41, 7,
                  FLOW_MOD_F_ADD_IF_MISSING));
    dump(ft, "after mod-flows --strict");

    /* Loose modify that matches nothing, with ADD_IF_MISSING. */
    match_init_catchall(&m);
    m_in_port(&m, 3);
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY, 2, &m, 50, 0x50, 7,
                  FLOW_MOD_F_ADD_IF_MISSING));
    CHECK(flow_table_count(ft, 2) == 1);

    /* Loose delete of the /16: leaves the /8 and the less specific. */
    CHECK(!do_mod(ft, FLOW_MOD_DELETE, 0, &ip16, 0, 0, 0, 0));
    dump(ft, "after del-flows table=0,ip,nw_dst=10.1.0.0/16");

    /* Loose delete across all tables. */
    CHECK(!do_mod(ft, FLOW_MOD_DELETE, FLOW_TABLE_ALL, &ip, 0, 0, 0, 0));
    dump(ft, "after del-flows ip");
    flow_table_clear(ft, FLOW_TABLE_ALL);
    CHECK(!flow_table_count(ft, FLOW_TABLE_ALL));
    flow_table_destroy(ft);
}

/* "cookies": cookie/mask filters, new cookies, out_port filter. */
static void
test_cookies(void)
{
    struct flow_table *ft = make_table(false);
    struct flow_mod fm;
    struct match m, any;
    uint32_t two_ports[2] = { 2, 3 };
    uint32_t port;
    int i;

    match_init_catchall(&any);
    for (i = 0; i < 4; i++) {
        match_init_catchall(&m);
        m_in_port(&m, i + 1);
        add(ft, 0, &m, 100, (i < 2 ? 0x10 : 0x20) + i, i + 1);
    }
    match_init_catchall(&m);
    m_in_port(&m, 9);
    fm_make(&fm, FLOW_MOD_ADD, 0, &m, 100, 0x99, NULL);
    fm.ofpacts = two_ports;
    fm.ofpacts_size = sizeof two_ports;
    CHECK(!flow_table_flow_mod(ft, &fm));
    dump(ft, "initial");

    /* Modify rules whose cookie is 0x2?, setting a new cookie. */
    fm_make(&fm, FLOW_MOD_MODIFY, 0, &any, 0, 0x77, &(uint32_t) { 7 });
    fm.cookie = 0x20;
    fm.cookie_mask = 0xf0;
    CHECK(!flow_table_flow_mod(ft, &fm));
    dump(ft, "after mod-flows cookie=0x20/0xf0 (new cookie 0x77)");

    /* A cookie-filtered modify never adds, even with ADD_IF_MISSING. */
    fm.cookie = 0x1234;
    fm.cookie_mask = UINT64_MAX;
    fm.flags = FLOW_MOD_F_ADD_IF_MISSING;
    CHECK(!flow_table_flow_mod(ft, &fm));
    CHECK(flow_table_count(ft, 0) == 5);

    /* Delete with out_port: only rules that output to port 1. */
    fm_make(&fm, FLOW_MOD_DELETE, 0, &any, 0, 0, NULL);
    fm.out_port = 1;
    CHECK(!flow_table_flow_mod(ft, &fm));
    dump(ft, "after del-flows out_port=1");

    /* Delete with cookie 0x10/0xf0. */
    fm_make(&fm, FLOW_MOD_DELETE, 0, &any, 0, 0, NULL);
    fm.cookie = 0x10;
    fm.cookie_mask = 0xf0;
    CHECK(!flow_table_flow_mod(ft, &fm));
    dump(ft, "after del-flows cookie=0x10/0xf0");

    /* Strict delete with a mismatching cookie leaves the rule. */
    match_init_catchall(&m);
    m_in_port(&m, 9);
    fm_make(&fm, FLOW_MOD_DELETE_STRICT, 0, &m, 100, 0, NULL);
    fm.cookie = 0x98;
    fm.cookie_mask = UINT64_MAX;
    CHECK(!flow_table_flow_mod(ft, &fm));
    CHECK(flow_table_count(ft, 0) == 3);
    fm.cookie = 0x99;
    CHECK(!flow_table_flow_mod(ft, &fm));
    CHECK(flow_table_count(ft, 0) == 2);

    /* out_port looks at every output of a rule. */
    fm_make(&fm, FLOW_MOD_ADD, 0, &m, 100, 0x98, NULL);
    fm.ofpacts = two_ports;
    fm.ofpacts_size = sizeof two_ports;
    CHECK(!flow_table_flow_mod(ft, &fm));
    CHECK(flow_table_count(ft, 0) == 3);
    fm_make(&fm, FLOW_MOD_DELETE, 0, &any, 0, 0, NULL);
    fm.out_port = 3;
    CHECK(!flow_table_flow_mod(ft, &fm));
    CHECK(flow_table_count(ft, 0) == 2);
    fm_make(&fm, FLOW_MOD_ADD, 0, &m, 100, 0x98, NULL);
    fm.ofpacts = two_ports;
    fm.ofpacts_size = sizeof two_ports;
    CHECK(!flow_table_flow_mod(ft, &fm));
    fm_make(&fm, FLOW_MOD_DELETE_STRICT, 0, &m, 100, 0, NULL);
    fm.out_port = 4;
    CHECK(!flow_table_flow_mod(ft, &fm));
    CHECK(flow_table_count(ft, 0) == 3);
    fm.out_port = 2;
    CHECK(!flow_table_flow_mod(ft, &fm));
    CHECK(flow_table_count(ft, 0) == 2);
    dump(ft, "final");

    /* An out_port filter needs an output checker. */
    flow_table_set_output_checker(ft, NULL, NULL);
    fm_make(&fm, FLOW_MOD_DELETE, 0, &any, 0, 0, NULL);
    fm.out_port = 7;
    CHECK(flow_table_flow_mod(ft, &fm) == EOPNOTSUPP);
    port = 7;
    CHECK(outputs_to(&port, sizeof port, 7, NULL));
    CHECK(flow_table_count(ft, 0) == 2);
    flow_table_destroy(ft);
}

/* "overlap": equal-priority ties, replacement, check_overlap. */
static void
test_overlap(void)
{
    struct flow_table *ft = make_table(false);
    struct match a, b, c;
    struct flow f;

    match_init_catchall(&a);
    m_nw_dst(&a, IP(10, 0, 0, 0), 8);
    match_init_catchall(&b);
    m_in_port(&b, 1);
    f = ip_flow(IP(10, 0, 0, 1));
    f.in_port = 1;

    add(ft, 0, &a, 100, 0xa, 1);
    add(ft, 0, &b, 100, 0xb, 2);
    print_lookup(ft, "tie, a first", &f);

    /* Replacing 'a' keeps its place in the tie order. */
    add(ft, 0, &a, 100, 0xaa, 3);
    print_lookup(ft, "tie, a replaced", &f);

    /* Deleting and re-adding 'a' puts it behind 'b'. */
    CHECK(!do_mod(ft, FLOW_MOD_DELETE_STRICT, 0, &a, 100, 0, 0, 0));
    add(ft, 0, &a, 100, 0xa2, 4);
    print_lookup(ft, "tie, a re-added", &f);

    /* check_overlap: same priority and overlapping fails... */
    match_init_catchall(&c);
    m_nw_dst(&c, IP(10, 1, 0, 0), 16);
    CHECK(do_mod(ft, FLOW_MOD_ADD, 0, &c, 100, 0xc, 5,
                 FLOW_MOD_F_CHECK_OVERLAP) == EEXIST);
    /* ...other priorities, disjoint matches and identical rules pass. */
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &c, 99, 0xc, 5,
                  FLOW_MOD_F_CHECK_OVERLAP));
    match_init_catchall(&c);
    m_nw_dst(&c, IP(11, 0, 0, 0), 8);
    m_in_port(&c, 2);
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &c, 100, 0xd, 5,
                  FLOW_MOD_F_CHECK_OVERLAP));
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &a, 100, 0xe, 5,
                  FLOW_MOD_F_CHECK_OVERLAP));
    dump(ft, "final");
    flow_table_destroy(ft);
}

/* "counters": what add-replace and modify do to counters and times. */
static long long int fake_now;

static long long int
fake_clock(void *aux)
{
    return fake_now;
}

static void
print_stats(const struct flow_table *ft, const struct match *m, int prio)
{
    struct rule *r = flow_table_find_exactly(ft, 0, m, prio);
    uint64_t n_packets, n_bytes;
    long long int used;

    flow_table_rule_stats(r, &n_packets, &n_bytes, &used);
    printf("cookie=%#"PRIx64" packets=%"PRIu64" bytes=%"PRIu64
           " created=%lld modified=%lld used=%lld idle=%d hard=%d ",
           r->cookie, n_packets, n_bytes, r->created, r->modified, used,
           r->idle_timeout, r->hard_timeout);
    print_actions(r);
    printf("\n");
}

static void
test_counters(void)
{
    struct flow_table *ft = make_table(false);
    struct flow_mod fm;
    struct match m;

    flow_table_set_clock(ft, fake_clock, NULL);
    fake_now = 1000;
    match_init_catchall(&m);
    m_in_port(&m, 1);
    fm_make(&fm, FLOW_MOD_ADD, 0, &m, 7, 0x1, &(uint32_t) { 1 });
    fm.idle_timeout = 60;
    fm.hard_timeout = 600;
    CHECK(!flow_table_flow_mod(ft, &fm));
    flow_table_credit_stats(flow_table_find_exactly(ft, 0, &m, 7), 5, 500,
                            1500);
    print_stats(ft, &m, 7);

    fake_now = 2000;
    add(ft, 0, &m, 7, 0x2, 2);
    printf("add (replaces, keeps counts): ");
    print_stats(ft, &m, 7);

    fake_now = 3000;
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &m, 7, 0x3, 3,
                  FLOW_MOD_F_RESET_COUNTS));
    printf("add reset_counts: ");
    print_stats(ft, &m, 7);

    flow_table_credit_stats(flow_table_find_exactly(ft, 0, &m, 7), 2, 20,
                            3100);
    /* Older 'used' never moves last_used backward. */
    flow_table_credit_stats(flow_table_find_exactly(ft, 0, &m, 7), 1, 10,
                            2000);
    fm_make(&fm, FLOW_MOD_ADD, 0, &m, 7, 0x4, &(uint32_t) { 4 });
    fm.hard_timeout = 30;
    fake_now = 3500;
    CHECK(!flow_table_flow_mod(ft, &fm));
    fake_now = 4000;
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY_STRICT, 0, &m, 7,
                  FLOW_MOD_COOKIE_KEEP, 5, 0));
    printf("modify (keeps counts, times): ");
    print_stats(ft, &m, 7);
    fake_now = 5000;
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY, 0, &m, 0, FLOW_MOD_COOKIE_KEEP, 6,
                  FLOW_MOD_F_RESET_COUNTS));
    printf("modify reset_counts: ");
    print_stats(ft, &m, 7);
    flow_table_destroy(ft);
}

/* "timeouts": idle and hard expiry with a controllable clock. */
static void
print_expired(const struct rule *rule, enum flow_table_removed_reason reason,
              void *aux)
{
    printf("  expired cookie=%#"PRIx64" reason=%s\n", rule->cookie,
           reason == FLOW_TABLE_REMOVED_IDLE ? "idle" : "hard");
}

static void
expire(struct flow_table *ft, long long int now)
{
    size_t n;

    printf("expire at %lld:\n", now);
    n = flow_table_expire(ft, now, print_expired, NULL);
    printf("  %zu expired, %zu left, next expiry ", n,
           flow_table_count(ft, FLOW_TABLE_ALL));
    if (flow_table_next_expiry(ft) == LLONG_MAX) {
        printf("never\n");
    } else {
        printf("%lld\n", flow_table_next_expiry(ft));
    }
}

static void
add_timed(struct flow_table *ft, uint32_t in_port, uint64_t cookie,
          uint16_t idle, uint16_t hard)
{
    struct flow_mod fm;
    struct match m;

    match_init_catchall(&m);
    m_in_port(&m, in_port);
    fm_make(&fm, FLOW_MOD_ADD, in_port % 2, &m, 1, cookie, NULL);
    fm.idle_timeout = idle;
    fm.hard_timeout = hard;
    CHECK(!flow_table_flow_mod(ft, &fm));
}

static void
test_timeouts(void)
{
    struct flow_table *ft = make_table(false);
    struct match m;
    struct flow f;

    flow_table_set_clock(ft, fake_clock, NULL);
    fake_now = 1000;
    add_timed(ft, 1, 0xa, 10, 0);
    add_timed(ft, 2, 0xb, 0, 5);
    add_timed(ft, 3, 0xc, 10, 30);
    add_timed(ft, 4, 0xd, 0, 0);

    expire(ft, 5000);
    /* Deadline 6000 is not yet passed at exactly 6000. */
    expire(ft, 6000);
    expire(ft, 6001);

    /* Traffic on 'a' keeps it alive. */
    memset(&f, 0, sizeof f);
    f.in_port = 1;
    flow_table_read_lock(ft);
    flow_table_credit_stats(flow_table_lookup(ft, 1, &f, NULL), 1, 60,
                            8000);
    flow_table_read_unlock(ft);
    expire(ft, 11001);
    expire(ft, 18001);

    /* Modify restarts the hard timeout (it counts from 'modified'). */
    fake_now = 20000;
    add_timed(ft, 5, 0xe, 0, 10);
    fake_now = 25000;
    match_init_catchall(&m);
    m_in_port(&m, 5);
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY_STRICT, 1, &m, 1,
                  FLOW_MOD_COOKIE_KEEP, 3, 0));
    expire(ft, 30001);
    expire(ft, 35001);

    /* A replaced rule's deadline follows the new rule, a deleted rule
     * leaves the heap. */
    fake_now = 40000;
    add_timed(ft, 6, 0xf, 0, 1);
    add_timed(ft, 6, 0x10, 0, 100);
    add_timed(ft, 7, 0x11, 1, 0);
    match_init_catchall(&m);
    m_in_port(&m, 7);
    CHECK(!do_mod(ft, FLOW_MOD_DELETE_STRICT, 1, &m, 1, 0, 0, 0));
    expire(ft, 45000);
    expire(ft, 140001);
    flow_table_destroy(ft);
}

/* "batch": all-or-none commits, rollback, abort, change reports. */
static void
test_batch(void)
{
    struct flow_table *ft = make_table(true);
    struct rule *r1, *r2, *r3;
    struct match m1, m2, m3, m4, any;
    uint64_t v;

    match_init_catchall(&any);
    match_init_catchall(&m1);
    m_in_port(&m1, 1);
    match_init_catchall(&m2);
    m_in_port(&m2, 2);
    match_init_catchall(&m3);
    m_in_port(&m3, 3);
    match_init_catchall(&m4);
    m_in_port(&m4, 4);

    printf("version %"PRIu64"\n", flow_table_version(ft));
    flow_table_begin(ft);
    add(ft, 0, &m1, 10, 1, 1);
    add(ft, 0, &m2, 10, 2, 2);
    add(ft, 0, &m3, 10, 3, 3);
    add(ft, 0, &any, 0, 0xff, 0);
    /* Nothing is visible before the commit. */
    CHECK(!flow_table_count(ft, 0));
    CHECK(!flow_table_commit(ft));
    printf("version %"PRIu64"\n", flow_table_version(ft));
    r1 = flow_table_find_exactly(ft, 0, &m1, 10);
    r2 = flow_table_find_exactly(ft, 0, &m2, 10);
    r3 = flow_table_find_exactly(ft, 0, &m3, 10);
    flow_table_credit_stats(r1, 10, 1000, 0);
    flow_table_credit_stats(r3, 30, 3000, 0);

    /* A batch whose last flow mod fails when applied (overlap) changes
     * nothing: not the modify, the delete, the replacement or the add
     * before it. */
    v = flow_table_version(ft);
    flow_table_begin(ft);
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY_STRICT, 0, &m1, 10,
                  FLOW_MOD_COOKIE_KEEP, 9, FLOW_MOD_F_RESET_COUNTS));
    CHECK(!do_mod(ft, FLOW_MOD_DELETE_STRICT, 0, &m2, 10, 0, 0, 0));
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &m3, 10, 0x33, 8, 0));
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &m4, 10, 4, 4, 0));
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &m4, 0, 5, 5,
                  FLOW_MOD_F_CHECK_OVERLAP));
    CHECK(flow_table_commit(ft) == EEXIST);
    CHECK(flow_table_version(ft) == v);
    CHECK(flow_table_find_exactly(ft, 0, &m1, 10) == r1);
    CHECK(flow_table_find_exactly(ft, 0, &m2, 10) == r2);
    CHECK(flow_table_find_exactly(ft, 0, &m3, 10) == r3);
    CHECK(r1->n_packets == 10 && r1->cookie == 1);
    CHECK(*(uint32_t *) r1->ofpacts == 1);
    CHECK(!flow_table_find_exactly(ft, 0, &m4, 10));
    dump(ft, "after failed batch");

    /* A batch with a flow mod rejected when queued changes nothing. */
    flow_table_begin(ft);
    CHECK(!do_mod(ft, FLOW_MOD_DELETE, 0, &any, 0, 0, 0, 0));
    CHECK(do_mod(ft, FLOW_MOD_ADD, 0, &m4, 70000, 4, 4, 0) == EINVAL);
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &m4, 10, 4, 4, 0));
    CHECK(flow_table_commit(ft) == EINVAL);
    CHECK(flow_table_count(ft, 0) == 4);

    /* Abort. */
    flow_table_begin(ft);
    CHECK(!do_mod(ft, FLOW_MOD_DELETE, 0, &any, 0, 0, 0, 0));
    flow_table_abort(ft);
    CHECK(flow_table_count(ft, 0) == 4);
    CHECK(flow_table_version(ft) == v);

    /* A full table: the batch fails as a whole... */
    flow_table_set_max_rules(ft, 0, 5);
    flow_table_begin(ft);
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &m4, 10, 4, 4, 0));
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &m4, 11, 5, 5, 0));
    CHECK(flow_table_commit(ft) == ENOSPC);
    CHECK(flow_table_count(ft, 0) == 4);
    /* ...but replacing, or deleting first, fits. */
    flow_table_begin(ft);
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &m4, 10, 4, 4, 0));
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &m4, 10, 0x44, 4, 0));
    CHECK(!do_mod(ft, FLOW_MOD_DELETE_STRICT, 0, &m1, 10, 0, 0, 0));
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 0, &m4, 11, 5, 5, 0));
    CHECK(!flow_table_commit(ft));
    CHECK(flow_table_count(ft, 0) == 5);

    /* Later flow mods see earlier ones of the same batch; an empty
     * batch and one that selects nothing do not bump the version. */
    flow_table_begin(ft);
    CHECK(!do_mod(ft, FLOW_MOD_ADD, 1, &m1, 10, 0x61, 1, 0));
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY, 1, &any, 0, FLOW_MOD_COOKIE_KEEP, 2,
                  0));
    CHECK(!do_mod(ft, FLOW_MOD_DELETE_STRICT, 0, &m4, 11, 0, 0, 0));
    CHECK(!flow_table_commit(ft));
    v = flow_table_version(ft);
    flow_table_begin(ft);
    CHECK(!flow_table_commit(ft));
    CHECK(!do_mod(ft, FLOW_MOD_DELETE, 7, &any, 0, 0, 0, 0));
    CHECK(flow_table_version(ft) == v);
    dump(ft, "final");
    flow_table_destroy(ft);
}

/* "staged": a staged batch is invisible to readers until it is published,
 * all at once, and rolls back whole. */
static int staged_journal_veto;

static int
staged_journal(const struct flow_table_change *changes NFVS_UNUSED,
               size_t n, enum flow_table_journal_step step,
               void *aux NFVS_UNUSED)
{
    static const char *names[] = { "all", "part", "commit", "abort" };

    printf("journal %s %zu\n", names[step], n);
    return step == FT_JOURNAL_COMMIT ? staged_journal_veto : 0;
}

static void
print_seen(const struct flow_table *ft, const char *title)
{
    int port;

    printf("%s:", title);
    for (port = 1; port <= 5; port++) {
        struct flow f;
        struct rule *r;

        memset(&f, 0, sizeof f);
        f.in_port = port;
        r = flow_table_lookup(ft, 0, &f, NULL);
        if (r) {
            uint64_t n_packets, n_bytes;
            long long int used;

            flow_table_rule_stats(r, &n_packets, &n_bytes, &used);
            printf(" %d:%#"PRIx64"/%"PRIu32"/%"PRIu64, port, r->cookie,
                   r->ofpacts_size ? *(const uint32_t *) r->ofpacts : 0,
                   n_packets);
        } else {
            printf(" %d:miss", port);
        }
    }
    printf(" (version %"PRIu64", %zu rules)\n", flow_table_version(ft),
           flow_table_count(ft, FLOW_TABLE_ALL));
}

static void
staged_mod(struct flow_table *ft, enum flow_mod_command command,
           const struct match *match, uint64_t cookie, uint32_t port,
           uint16_t flags)
{
    struct flow_mod fm;

    fm_make(&fm, command, 0, match, 10, cookie, &port);
    fm.flags = flags;
    CHECK(!flow_table_stage_flow_mod(ft, &fm));
}

static void
test_staged(void)
{
    struct flow_table *ft = make_table(true);
    struct match m[6];
    struct flow f;
    int i;

    flow_table_set_journal(ft, staged_journal, NULL);
    match_init_catchall(&m[0]);
    for (i = 1; i <= 5; i++) {
        match_init_catchall(&m[i]);
        m_in_port(&m[i], i);
    }
    flow_table_begin(ft);
    add(ft, 0, &m[1], 10, 1, 1);
    add(ft, 0, &m[2], 10, 2, 2);
    add(ft, 0, &m[3], 10, 3, 3);
    CHECK(!flow_table_commit(ft));
    flow_table_credit_stats(flow_table_find_exactly(ft, 0, &m[1], 10), 10,
                            640, 0);
    flow_table_credit_stats(flow_table_find_exactly(ft, 0, &m[3], 10), 30,
                            1920, 0);
    print_seen(ft, "before");

    /* Modify, delete, replace and add, handed over before and after the
     * start, applied in steps: readers see none of it until the finish.
     * Counts credited to a replaced rule meanwhile are carried over. */
    flow_table_begin(ft);
    CHECK(!do_mod(ft, FLOW_MOD_MODIFY_STRICT, 0, &m[1], 10,
                  FLOW_MOD_COOKIE_KEEP, 9, 0));
    CHECK(!flow_table_commit_start(ft));
    CHECK(flow_table_is_staging(ft));
    staged_mod(ft, FLOW_MOD_DELETE_STRICT, &m[2], 0, 0, 0);
    flow_table_commit_step(ft, 0);
    staged_mod(ft, FLOW_MOD_ADD, &m[3], 0x33, 3, 0);
    staged_mod(ft, FLOW_MOD_ADD, &m[4], 4, 4, 0);
    CHECK(flow_table_commit_step(ft, LLONG_MAX));
    print_seen(ft, "applied, not published");
    /* Nothing else may change the tables meanwhile. */
    CHECK(do_mod(ft, FLOW_MOD_ADD, 0, &m[5], 10, 5, 5, 0) == EBUSY);
    CHECK(flow_table_next_expiry(ft) == LLONG_MAX);
    /* A reader credits the rule it sees: the one being replaced. */
    memset(&f, 0, sizeof f);
    f.in_port = 1;
    flow_table_credit_stats(flow_table_lookup(ft, 0, &f, NULL), 5, 320, 0);
    staged_mod(ft, FLOW_MOD_ADD, &m[5], 5, 5, 0);
    CHECK(!flow_table_commit_finish(ft));
    print_seen(ft, "published");
    dump(ft, "published, hidden rules not yet freed");
    CHECK(flow_table_cleanup_step(ft, LLONG_MAX));
    print_seen(ft, "cleaned up");

    /* A flow mod that fails when applied rolls all of it back. */
    flow_table_begin(ft);
    CHECK(!flow_table_commit_start(ft));
    staged_mod(ft, FLOW_MOD_DELETE_STRICT, &m[1], 0, 0, 0);
    staged_mod(ft, FLOW_MOD_MODIFY_STRICT, &m[3], FLOW_MOD_COOKIE_KEEP, 7,
               0);
    staged_mod(ft, FLOW_MOD_ADD, &m[2], 2, 2, 0);
    CHECK(flow_table_commit_step(ft, LLONG_MAX));
    /* A catch-all overlaps the other priority-10 rules. */
    staged_mod(ft, FLOW_MOD_ADD, &m[0], 0x22, 2, FLOW_MOD_F_CHECK_OVERLAP);
    CHECK(flow_table_commit_finish(ft) == EEXIST);
    print_seen(ft, "after a failed flow mod");

    /* So does a journal veto. */
    staged_journal_veto = EIO;
    flow_table_begin(ft);
    CHECK(!do_mod(ft, FLOW_MOD_DELETE, 0, &m[0], 0, 0, 0, 0));
    CHECK(!flow_table_commit_start(ft));
    CHECK(flow_table_commit_finish(ft) == EIO);
    print_seen(ft, "after a journal veto");
    staged_journal_veto = 0;
    dump(ft, "final");
    flow_table_destroy(ft);
}

/* "bad-input": every invalid flow mod is refused and changes nothing. */
static void
test_bad_input(void)
{
    struct flow_table *ft = make_table(true);
    struct flow_mod fm;
    struct match any;

    match_init_catchall(&any);
    add(ft, 0, &any, 1, 1, 1);

    fm_make(&fm, FLOW_MOD_ADD, 0, &any, -1, 0, NULL);
    CHECK(flow_table_flow_mod(ft, &fm) == EINVAL);
    fm.priority = FLOW_TABLE_MAX_PRIORITY + 1;
    CHECK(flow_table_flow_mod(ft, &fm) == EINVAL);
    fm.priority = FLOW_TABLE_MAX_PRIORITY;
    fm.table_id = FLOW_TABLE_ALL;
    CHECK(flow_table_flow_mod(ft, &fm) == EINVAL);
    fm.table_id = 0;
    fm.new_cookie = FLOW_MOD_COOKIE_KEEP;
    CHECK(flow_table_flow_mod(ft, &fm) == EINVAL);
    fm.new_cookie = 0;
    fm.flags = 1 << 12;
    CHECK(flow_table_flow_mod(ft, &fm) == EINVAL);
    fm.flags = 0;
    fm.ofpacts_size = 4;
    CHECK(flow_table_flow_mod(ft, &fm) == EINVAL);
    fm.ofpacts_size = 0;
    fm.command = 42;
    CHECK(flow_table_flow_mod(ft, &fm) == EINVAL);
    fm_make(&fm, FLOW_MOD_MODIFY, FLOW_TABLE_ALL, &any, 1, 0, NULL);
    fm.flags = FLOW_MOD_F_ADD_IF_MISSING;
    CHECK(!flow_table_flow_mod(ft, &fm));
    /* A modify across all tables without adding is fine. */
    fm.flags = 0;
    CHECK(!flow_table_flow_mod(ft, &fm));
    CHECK(flow_table_count(ft, FLOW_TABLE_ALL) == 1);
    CHECK(!flow_table_lookup(ft, FLOW_TABLE_ALL, &(struct flow) { 0 },
                             NULL));
    printf("bad input refused\n");
    flow_table_destroy(ft);
}

/* "concurrency": readers never see half a batch. */
enum { CONC_N = 64, CONC_A = 100, CONC_B = 200 };

struct conc_reader {
    struct flow_table *ft;      /* Table under test. */
    bool *stop;                 /* Set by the main thread at the end. */
    unsigned long long n_reads; /* Consistent snapshots seen. */
};

static int
conc_expected(uint64_t version)
{
    /* Version 2 is the first commit (priority A); each successful batch
     * flips between A and B. */
    return (version - 2) % 2 ? CONC_B : CONC_A;
}

static void *
conc_reader_main(void *r_)
{
    struct conc_reader *r = r_;

    while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED)) {
        uint64_t version;
        int i;

        flow_table_read_lock(r->ft);
        version = flow_table_version(r->ft);
        for (i = 0; i < CONC_N; i++) {
            struct flow f;
            struct rule *rule;

            memset(&f, 0, sizeof f);
            f.in_port = i;
            rule = flow_table_lookup(r->ft, 0, &f, NULL);
            CHECK(rule != NULL);
            CHECK(rule_priority(rule) == conc_expected(version));
            CHECK(rule->cookie == (uint64_t) rule_priority(rule));
            flow_table_credit_stats(rule, 1, 64, 0);
        }
        CHECK(flow_table_version(r->ft) == version);
        flow_table_read_unlock(r->ft);
        r->n_reads++;
    }
    return NULL;
}

/* Adds 'fm' to the open batch, or when 'staged' to the staged batch,
 * then applies it in a step of its own, so that readers may look between
 * steps. */
static void
conc_mod(struct flow_table *ft, bool staged, struct flow_mod *fm)
{
    if (staged) {
        CHECK(!flow_table_stage_flow_mod(ft, fm));
        CHECK(flow_table_commit_step(ft, 0));
    } else {
        CHECK(!flow_table_flow_mod(ft, fm));
    }
}

static void
conc_move(struct flow_table *ft, int from, int to, bool fail, bool staged)
{
    uint32_t port = 1;
    struct flow_mod fm;
    struct match m;
    int i;

    flow_table_begin(ft);
    if (staged) {
        CHECK(!flow_table_commit_start(ft));
    }
    for (i = 0; i < CONC_N; i++) {
        match_init_catchall(&m);
        m_in_port(&m, i);
        fm_make(&fm, FLOW_MOD_DELETE_STRICT, 0, &m, from, 0, NULL);
        conc_mod(ft, staged, &fm);
        fm_make(&fm, FLOW_MOD_ADD, 0, &m, to, to, &port);
        conc_mod(ft, staged, &fm);
    }
    if (fail) {
        /* Overlaps the priority-0 catch-all: fails at apply time, after
         * every move above was applied, so it all rolls back. */
        match_init_catchall(&m);
        m_in_port(&m, 999);
        fm_make(&fm, FLOW_MOD_ADD, 0, &m, 0, 0, &port);
        fm.flags = FLOW_MOD_F_CHECK_OVERLAP;
        if (staged) {
            CHECK(!flow_table_stage_flow_mod(ft, &fm));
        } else {
            CHECK(!flow_table_flow_mod(ft, &fm));
        }
    }
    if (staged) {
        CHECK(flow_table_commit_finish(ft) == (fail ? EEXIST : 0));
        while (!flow_table_cleanup_step(ft, 0)) {
            continue;
        }
    } else {
        CHECK(flow_table_commit(ft) == (fail ? EEXIST : 0));
    }
}

static void
test_concurrency(void)
{
    enum { N_READERS = 2, N_COMMITS = 1000 };
    struct flow_table *ft = make_table(false);
    struct conc_reader readers[N_READERS];
    pthread_t threads[N_READERS];
    bool stop = false;
    unsigned long long n_reads = 0;
    struct match m;
    int i, cur = CONC_A;

    flow_table_begin(ft);
    for (i = 0; i < CONC_N; i++) {
        match_init_catchall(&m);
        m_in_port(&m, i);
        add(ft, 0, &m, CONC_A, CONC_A, 1);
    }
    match_init_catchall(&m);
    add(ft, 0, &m, 0, 0xdead, 1);
    CHECK(!flow_table_commit(ft));
    CHECK(flow_table_version(ft) == 2);

    for (i = 0; i < N_READERS; i++) {
        readers[i].ft = ft;
        readers[i].stop = &stop;
        readers[i].n_reads = 0;
        CHECK(!pthread_create(&threads[i], NULL, conc_reader_main,
                              &readers[i]));
    }
    for (i = 0; i < N_COMMITS; i++) {
        int next = cur == CONC_A ? CONC_B : CONC_A;

        /* Every other commit is staged, applied a flow mod a step. */
        if (i % 7 == 3) {
            conc_move(ft, cur, next, true, i % 2);
        } else {
            conc_move(ft, cur, next, false, i % 2);
            cur = next;
        }
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELAXED);
    for (i = 0; i < N_READERS; i++) {
        CHECK(!pthread_join(threads[i], NULL));
        n_reads += readers[i].n_reads;
    }
    CHECK(flow_table_count(ft, 0) == CONC_N + 1);
    fprintf(stderr, "%d commits, %llu consistent reads\n", N_COMMITS,
            n_reads);
    printf("readers saw only whole batches\n");
    flow_table_destroy(ft);
}

static int
test_classifier_main(int argc, char *argv[])
{
    static const struct {
        const char *name;
        void (*func)(void);
    } tests[] = {
        { "priorities", test_priorities },
        { "strict", test_strict },
        { "cookies", test_cookies },
        { "overlap", test_overlap },
        { "counters", test_counters },
        { "timeouts", test_timeouts },
        { "batch", test_batch },
        { "staged", test_staged },
        { "bad-input", test_bad_input },
        { "concurrency", test_concurrency },
    };
    size_t i;

    if (argc < 2) {
        fprintf(stderr, "usage: %s TEST\n", argv[0]);
        return 2;
    }
    for (i = 0; i < ARRAY_SIZE(tests); i++) {
        if (!strcmp(argv[1], tests[i].name)) {
            tests[i].func();
            return 0;
        }
    }
    fprintf(stderr, "%s: unknown test %s\n", argv[0], argv[1]);
    return 2;
}

NFVSTEST_REGISTER("test-classifier", test_classifier_main);
