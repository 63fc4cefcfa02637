#include <config.h>
#include "conntrack.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csum.h"
#include "dp-packet.h"
#include "dp-packet-offload.h"
#include "dynamic-string.h"
#include "flow.h"
#include "nfvstest.h"
#include "packets.h"
#include "util.h"

/* Runs a script from stdin against a tracker with a fake clock and prints
 * one line per packet.  Commands:
 *
 *   create [max=N] [zone_limit=N]   new tracker (one exists at start)
 *   t SECS                          set the clock (fractions allowed)
 *   timeout NAME SECS               conntrack_set_timeout()
 *   zone-limit ZONE N | max N       limits
 *   events on|off                   print events as they happen
 *   tcp SRC:PORT > DST:PORT FLAGS [seq=N] [ack=N] [win=N] [len=N]
 *       [wscale=N] [sackperm] [sack=L-R] [doff=N] OPTS
 *                                   FLAGS: letters of SAFRPU, or "."
 *   udp SRC:PORT > DST:PORT [len=N] OPTS
 *   icmp SRC > DST echo|reply [id=N] OPTS
 *   icmp SRC > DST unreach|ttl PROTO,ISRC,IPORT,IDST,IPORT [quote=N] OPTS
 *                                   an error carrying an IP header and N
 *                                   (default 8) bytes of PROTO (tcp, udp,
 *                                   icmp: IPORT is the echo id of a
 *                                   request)
 *   icmp6 ...                       the same over IPv6 ([addr] in SRC)
 *   proto N SRC > DST OPTS          another IP protocol
 *   random N                        N random packets (random bytes, sizes,
 *                                   flags, protocols, few addresses), each
 *                                   checked for a coherent ct_state
 *   frame-syn SRC:PORT > DST:PORT [csum=bad] [ol=valid|partial]
 *       [flow-dst=ADDR]             a whole Ethernet frame (TCP SYN, seq 0,
 *                                   10 bytes of padding) committed through
 *                                   conntrack_execute_packet(): with a
 *                                   wrong checksum, with the offload state
 *                                   of a device that verified it or left
 *                                   it partial (the field then holds the
 *                                   pseudo-header sum), with the parsed
 *                                   flow's destination changed after
 *                                   parsing (as by a set_field before
 *                                   ct())
 *   checksum on|off                 conntrack_set_checksum()
 *   run                             conntrack_run() -> "expired N"
 *   flush [zone=N] [TUPLE]          -> "flushed N"
 *   dump [zone=N]                   conntrack_dump(), one line each
 *   stats
 *   offload ID orig|reply           -> "offload yes|no"
 *   gen ID                          -> "gen N", conntrack_generation()
 *   update ID orig|reply [seq_end=N ack=N win=N] used=SECS
 *
 * OPTS: zone=N, commit, mark=V[/M], frag, trunc=N (cut the L4 bytes),
 * twice (first without commit or mark, then again as given with the first
 * result as 'prev'; prints both), csum=bad (a wrong L4 checksum), csum=0
 * (a zero checksum field), csum-trusted (conntrack_action.csum_trusted),
 * snat=A[-B][:P[-Q]] or dnat=... (conntrack_action.nat, with commit),
 * nat (also print "nat SRC:PORT > DST:PORT", the packet as NAT leaves it,
 * from conntrack_get_nat()).
 * The L4 checksum is otherwise right, for the bytes left after trunc=.
 * IPv6 addresses go in brackets ("[fd00::1]:80").  A packet prints its
 * ct_state, then the connection's TCP state ("ok" for other protocols,
 * "-" with no stored connection), then mark=N if any; an invalid one
 * prints the reason instead. */

static struct conntrack *ct;
static long long now;
static bool print_events;

static void
event_cb(void *aux NFVS_UNUSED, uint64_t id, enum conntrack_event_type type)
{
    if (print_events) {
        printf("event %s id=%"PRIu64"\n",
               type == CT_EVENT_CHANGED ? "changed" : "removed", id);
    }
}

static void
create(uint32_t max, uint32_t zone_limit)
{
    struct conntrack_config cfg = {
        .max_conns = max,
        .zone_limit = zone_limit,
        .event_cb = event_cb,
    };

    conntrack_destroy(ct);
    ct = conntrack_create(&cfg);
}

/* Parses "ADDR" or "ADDR:PORT" ("[V6]" or "[V6]:PORT"). */
static void
parse_endpoint(const char *s, bool with_port, struct flow *flow, bool src,
               nfvs_be16 *port)
{
    char *copy = xstrdup(s);
    char *addr = copy, *p = NULL;
    bool is_ipv6 = copy[0] == '[';

    if (is_ipv6) {
        char *close = strchr(copy, ']');

        if (!close) {
            nfvs_fatal(0, "%s: bad address", s);
        }
        *close = '\0';
        addr = copy + 1;
        p = close[1] == ':' ? close + 2 : NULL;
    } else {
        p = strchr(copy, ':');
        if (p) {
            *p++ = '\0';
        }
    }
    if (with_port != (p != NULL)) {
        nfvs_fatal(0, "%s: port %s", s, with_port ? "missing" : "unexpected");
    }
    if (p) {
        *port = htons(atoi(p));
    }
    if (is_ipv6) {
        flow->dl_type = htons(ETH_TYPE_IPV6);
        if (inet_pton(AF_INET6, addr, src ? &flow->ipv6_src
                      : &flow->ipv6_dst) != 1) {
            nfvs_fatal(0, "%s: bad address", s);
        }
    } else {
        flow->dl_type = htons(ETH_TYPE_IP);
        if (inet_pton(AF_INET, addr, src ? &flow->nw_src
                      : &flow->nw_dst) != 1) {
            nfvs_fatal(0, "%s: bad address", s);
        }
    }
    free(copy);
}

static void
put16(uint8_t *p, uint16_t x)
{
    p[0] = x >> 8;
    p[1] = x;
}

static void
put32(uint8_t *p, uint32_t x)
{
    put16(p, x >> 16);
    put16(p + 2, x);
}

static uint32_t
parse_u32(const char *s)
{
    unsigned long long x;

    if (!str_to_ullong(s, 0, &x) || x > UINT32_MAX) {
        nfvs_fatal(0, "%s: bad number", s);
    }
    return x;
}

static long long
parse_secs(const char *s)
{
    return (long long) (strtod(s, NULL) * 1000 + 0.5);
}

/* Builds an IP header plus 'quote' (at most 8) bytes of L4 from
 * "PROTO,SRC,PORT,DST,PORT" into 'p' (room for 48 + 8 bytes); returns its
 * size. */
static size_t
build_inner(const char *spec, bool is_ipv6, size_t quote, uint8_t *p)
{
    char proto[16], src[64], dst[64];
    unsigned int sport, dport;
    uint8_t nw_proto;
    size_t ip_len;

    if (sscanf(spec, "%15[^,],%63[^,],%u,%63[^,],%u", proto, src, &sport,
               dst, &dport) != 5) {
        nfvs_fatal(0, "%s: bad inner packet", spec);
    }
    nw_proto = (!strcmp(proto, "tcp") ? IPPROTO_TCP
                : !strcmp(proto, "udp") ? IPPROTO_UDP
                : is_ipv6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
    if (is_ipv6) {
        memset(p, 0, IPV6_HEADER_LEN);
        p[0] = 0x60;
        put16(&p[4], 8);
        p[6] = nw_proto;
        p[7] = 64;
        inet_pton(AF_INET6, src, &p[8]);
        inet_pton(AF_INET6, dst, &p[24]);
        ip_len = IPV6_HEADER_LEN;
    } else {
        memset(p, 0, IP_HEADER_LEN);
        p[0] = IP_IHL_VER(5, 4);
        put16(&p[2], 28);
        p[8] = 64;
        p[9] = nw_proto;
        inet_pton(AF_INET, src, &p[12]);
        inet_pton(AF_INET, dst, &p[16]);
        ip_len = IP_HEADER_LEN;
    }
    memset(p + ip_len, 0, 8);
    if (nw_proto == IPPROTO_TCP || nw_proto == IPPROTO_UDP) {
        put16(p + ip_len, sport);
        put16(p + ip_len + 2, dport);
    } else {
        p[ip_len] = is_ipv6 ? ICMP6_ECHO_REQUEST : ICMP4_ECHO_REQUEST;
        put16(p + ip_len + 4, sport);
    }
    memset(p + ip_len + quote, 0, 8 - quote);
    return ip_len + quote;
}

/* Stores the right L4 checksum of the 'l4_size' bytes at 'l4', a packet
 * of 'flow', in its checksum field, which must be in those bytes. */
static void
set_l4_csum(const struct flow *flow, uint8_t *l4, size_t l4_size)
{
    bool v6 = flow->dl_type == htons(ETH_TYPE_IPV6);
    size_t ofs = (flow->nw_proto == IPPROTO_TCP ? 16
                  : flow->nw_proto == IPPROTO_UDP ? 6 : 2);
    uint32_t partial = 0;
    nfvs_be16 c;

    if (ofs + 2 > l4_size) {
        return;
    }
    memset(&l4[ofs], 0, 2);
    if (flow->nw_proto != IPPROTO_ICMP) {
        if (v6) {
            partial = csum_continue(partial, &flow->ipv6_src, 16);
            partial = csum_continue(partial, &flow->ipv6_dst, 16);
            partial = csum_add32(partial, htonl(l4_size));
        } else {
            partial = csum_add32(partial, flow->nw_src);
            partial = csum_add32(partial, flow->nw_dst);
            partial = csum_add16(partial, htons(l4_size));
        }
        partial = csum_add16(partial, htons(flow->nw_proto));
    }
    c = csum_finish(csum_continue(partial, l4, l4_size));
    if (!c && flow->nw_proto == IPPROTO_UDP) {
        c = htons(0xffff);
    }
    memcpy(&l4[ofs], &c, 2);
}

static const char *
state_of(uint64_t id)
{
    static char name[32];
    struct conntrack_entry *entries;
    size_t i, n;

    snprintf(name, sizeof name, "-");
    conntrack_dump(ct, NULL, &entries, &n);
    for (i = 0; i < n; i++) {
        if (entries[i].id == id) {
            snprintf(name, sizeof name, "%s",
                     entries[i].orig.proto == IPPROTO_TCP
                     ? ct_tcp_state_to_string(entries[i].tcp_state) : "ok");
        }
    }
    free(entries);
    return name;
}

static void
print_result(const struct conntrack_result *r)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } bits[] = {
        { CS_TRACKED, "trk" }, { CS_NEW, "new" }, { CS_ESTABLISHED, "est" },
        { CS_RELATED, "rel" }, { CS_REPLY_DIR, "rpl" },
        { CS_INVALID, "inv" },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(bits); i++) {
        if (r->ct_state & bits[i].bit) {
            printf("+%s", bits[i].name);
        }
    }
    if (r->ct_state & CS_INVALID) {
        printf(" %s\n", conntrack_invalid_to_string(r->invalid));
        return;
    }
    printf(" %s", r->conn_id ? state_of(r->conn_id) : "-");
    if (r->ct_mark) {
        printf(" mark=%"PRIu32, r->ct_mark);
    }
    printf("\n");
}

/* Parses "A[-B][:P[-Q]]" into 'r'. */
static void
parse_nat_range(const char *s, bool snat, struct conntrack_nat_range *r)
{
    char a[32], b[32];
    unsigned int p = 0, q = 0;
    struct in_addr in;
    const char *colon = strchr(s, ':');
    size_t len = colon ? (size_t) (colon - s) : strlen(s);
    const char *dash = memchr(s, '-', len);

    memset(r, 0, sizeof *r);
    r->snat = snat;
    if (len >= sizeof a) {
        nfvs_fatal(0, "%s: bad range", s);
    }
    memcpy(a, s, dash ? (size_t) (dash - s) : len);
    a[dash ? dash - s : (ptrdiff_t) len] = '\0';
    if (dash) {
        memcpy(b, dash + 1, len - (dash + 1 - s));
        b[len - (dash + 1 - s)] = '\0';
    } else {
        strcpy(b, a);
    }
    if (inet_pton(AF_INET, a, &in) != 1) {
        nfvs_fatal(0, "%s: bad address", a);
    }
    r->addr_min = in.s_addr;
    if (inet_pton(AF_INET, b, &in) != 1) {
        nfvs_fatal(0, "%s: bad address", b);
    }
    r->addr_max = in.s_addr;
    if (colon) {
        int n = sscanf(colon + 1, "%u-%u", &p, &q);

        if (n < 1) {
            nfvs_fatal(0, "%s: bad ports", colon + 1);
        }
        r->port_min = p;
        r->port_max = n == 2 ? q : p;
    }
}

/* Prints the packet of 'r' as NAT leaves it, if its connection has
 * NAT. */
static void
print_nat(const struct conntrack_result *r)
{
    struct conntrack_nat nat;
    char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

    if (!r->conn_id || !conntrack_get_nat(ct, r->conn_id, r->dir, &nat)) {
        printf("nat none\n");
        return;
    }
    inet_ntop(AF_INET, &nat.nw_src, a, sizeof a);
    inet_ntop(AF_INET, &nat.nw_dst, b, sizeof b);
    printf("nat %s:%u > %s:%u%s%s\n", a, ntohs(nat.tp_src), b,
           ntohs(nat.tp_dst), nat.ct_state & CS_SRC_NAT ? " +snat" : "",
           nat.ct_state & CS_DST_NAT ? " +dnat" : "");
}

/* Executes the packet described by 'argv' (see above). */
static void
do_packet(int argc, char *argv[])
{
    struct conntrack_nat_range nat_range;
    bool show_nat = false;
    struct conntrack_action action = { .zone = 0 };
    struct conntrack_result result, first;
    const char *csum_opt = NULL;
    bool twice = false;
    const char *proto = argv[0];
    bool is_icmp = !strcmp(proto, "icmp") || !strcmp(proto, "icmp6");
    bool has_ports = !strcmp(proto, "tcp") || !strcmp(proto, "udp");
    uint8_t l4[2048];
    size_t l4_size = 0, trunc = SIZE_MAX;
    nfvs_be16 sport = 0, dport = 0;
    struct flow flow;
    int i = 4;

    memset(&flow, 0, sizeof flow);
    memset(l4, 0, sizeof l4);
    if (!strcmp(proto, "proto")) {
        flow.nw_proto = atoi(argv[1]);
        argv++;
        argc--;
    }
    if (argc < 4 || strcmp(argv[2], ">")) {
        nfvs_fatal(0, "%s: usage: PROTO SRC > DST ...", proto);
    }
    parse_endpoint(argv[1], has_ports, &flow, true, &sport);
    parse_endpoint(argv[3], has_ports, &flow, false, &dport);

    if (!strcmp(proto, "tcp")) {
        uint32_t seq = 0, ack = 0, win = 65535, len = 0;
        uint8_t opts[40];
        size_t n_opts = 0;
        int doff = -1;
        uint16_t flags = 0;
        const char *f;

        flow.nw_proto = IPPROTO_TCP;
        if (argc < 5) {
            nfvs_fatal(0, "tcp: missing flags");
        }
        for (f = argv[4]; *f && *f != '.'; f++) {
            const char *all = "FSRPAU";
            const char *c = strchr(all, *f);

            if (!c) {
                nfvs_fatal(0, "%s: bad flags", argv[4]);
            }
            flags |= 1 << (c - all);
        }
        for (i = 5; i < argc; i++) {
            const char *a = argv[i];

            if (!strncmp(a, "seq=", 4)) {
                seq = parse_u32(a + 4);
            } else if (!strncmp(a, "ack=", 4)) {
                ack = parse_u32(a + 4);
            } else if (!strncmp(a, "win=", 4)) {
                win = parse_u32(a + 4);
            } else if (!strncmp(a, "len=", 4)) {
                len = parse_u32(a + 4);
            } else if (!strncmp(a, "doff=", 5)) {
                doff = atoi(a + 5);
            } else if (!strncmp(a, "wscale=", 7)) {
                opts[n_opts++] = 1;
                opts[n_opts++] = 3;
                opts[n_opts++] = 3;
                opts[n_opts++] = atoi(a + 7);
            } else if (!strcmp(a, "sackperm")) {
                opts[n_opts++] = 1;
                opts[n_opts++] = 1;
                opts[n_opts++] = 4;
                opts[n_opts++] = 2;
            } else if (!strncmp(a, "sack=", 5)) {
                char *dash = strchr(a + 5, '-');

                if (!dash) {
                    nfvs_fatal(0, "%s: bad sack", a);
                }
                *dash = '\0';
                opts[n_opts++] = 1;
                opts[n_opts++] = 1;
                opts[n_opts++] = 5;
                opts[n_opts++] = 10;
                put32(&opts[n_opts], parse_u32(a + 5));
                put32(&opts[n_opts + 4], parse_u32(dash + 1));
                n_opts += 8;
            } else {
                break;
            }
        }
        put16(&l4[0], ntohs(sport));
        put16(&l4[2], ntohs(dport));
        put32(&l4[4], seq);
        put32(&l4[8], ack);
        if (doff < 0) {
            doff = (TCP_HEADER_LEN + n_opts) / 4;
        }
        put16(&l4[12], (doff << 12) | flags);
        put16(&l4[14], win);
        memcpy(&l4[TCP_HEADER_LEN], opts, n_opts);
        l4_size = TCP_HEADER_LEN + n_opts + len;
        if (l4_size > sizeof l4) {
            nfvs_fatal(0, "len too large");
        }
    } else if (!strcmp(proto, "udp")) {
        uint32_t len = 0;

        flow.nw_proto = IPPROTO_UDP;
        for (; i < argc; i++) {
            if (!strncmp(argv[i], "len=", 4)) {
                len = parse_u32(argv[i] + 4);
            } else {
                break;
            }
        }
        put16(&l4[0], ntohs(sport));
        put16(&l4[2], ntohs(dport));
        if (len > sizeof l4 - UDP_HEADER_LEN) {
            nfvs_fatal(0, "len too large");
        }
        put16(&l4[4], UDP_HEADER_LEN + len);
        l4_size = UDP_HEADER_LEN + len;
    } else if (is_icmp) {
        bool v6 = proto[4] == '6';
        const char *type;

        if (v6 != (flow.dl_type == htons(ETH_TYPE_IPV6))) {
            nfvs_fatal(0, "icmp6 goes with IPv6 addresses");
        }
        flow.nw_proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
        if (argc < 5) {
            nfvs_fatal(0, "icmp: missing type");
        }
        type = argv[i++];
        l4_size = ICMP_HEADER_LEN;
        if (!strcmp(type, "echo") || !strcmp(type, "reply")) {
            bool req = type[0] == 'e';

            l4[0] = (v6 ? (req ? ICMP6_ECHO_REQUEST : ICMP6_ECHO_REPLY)
                     : (req ? ICMP4_ECHO_REQUEST : ICMP4_ECHO_REPLY));
            if (i < argc && !strncmp(argv[i], "id=", 3)) {
                put16(&l4[4], atoi(argv[i++] + 3));
            }
            l4_size += 56;
        } else if (!strcmp(type, "unreach") || !strcmp(type, "ttl")) {
            const char *spec;
            size_t quote = 8;

            l4[0] = (type[0] == 'u'
                     ? (v6 ? ICMP6_DST_UNREACH : ICMP4_DST_UNREACH)
                     : (v6 ? 3 : ICMP4_TIME_EXCEEDED));
            if (i >= argc) {
                nfvs_fatal(0, "icmp %s: missing inner packet", type);
            }
            spec = argv[i++];
            if (i < argc && !strncmp(argv[i], "quote=", 6)) {
                quote = parse_u32(argv[i++] + 6);
                if (quote > 8) {
                    nfvs_fatal(0, "quote=%zu: at most 8", quote);
                }
            }
            l4_size += build_inner(spec, v6, quote, &l4[ICMP_HEADER_LEN]);
        } else {
            l4[0] = atoi(type);
        }
    } else if (!strcmp(proto, "proto")) {
        l4_size = 16;
    } else {
        nfvs_fatal(0, "%s: unknown protocol", proto);
    }

    for (; i < argc; i++) {
        const char *a = argv[i];

        if (!strncmp(a, "zone=", 5)) {
            action.zone = atoi(a + 5);
        } else if (!strcmp(a, "commit")) {
            action.commit = true;
        } else if (!strncmp(a, "mark=", 5)) {
            const char *slash = strchr(a, '/');

            action.set_mark = true;
            action.mark = strtoul(a + 5, NULL, 0);
            action.mark_mask = slash ? strtoul(slash + 1, NULL, 0)
                                     : UINT32_MAX;
        } else if (!strncmp(a, "trunc=", 6)) {
            trunc = atoi(a + 6);
        } else if (!strcmp(a, "twice")) {
            twice = true;
        } else if (!strcmp(a, "frag")) {
            flow.nw_frag = FLOW_NW_FRAG_ANY;
        } else if (!strcmp(a, "csum=bad") || !strcmp(a, "csum=0")) {
            csum_opt = a + 5;
        } else if (!strcmp(a, "csum-trusted")) {
            action.csum_trusted = true;
        } else if (!strncmp(a, "snat=", 5) || !strncmp(a, "dnat=", 5)) {
            parse_nat_range(a + 5, a[0] == 's', &nat_range);
            action.nat = &nat_range;
        } else if (!strcmp(a, "nat")) {
            show_nat = true;
        } else {
            nfvs_fatal(0, "%s: unknown option", a);
        }
    }
    l4_size = NFVS_MIN(l4_size, trunc);
    if (flow.nw_proto == IPPROTO_TCP || flow.nw_proto == IPPROTO_UDP
        || is_icmp) {
        size_t ofs = (flow.nw_proto == IPPROTO_TCP ? 16
                      : flow.nw_proto == IPPROTO_UDP ? 6 : 2);

        set_l4_csum(&flow, l4, l4_size);
        if (csum_opt && ofs + 2 <= l4_size) {
            uint16_t c = (l4[ofs] << 8) | l4[ofs + 1];

            /* Wrong: neither the right value nor zero. */
            c = *csum_opt == '0' ? 0 : c ^ 1 ? c ^ 1 : 2;
            put16(&l4[ofs], c);
        }
    }
    if (twice) {
        struct conntrack_action plain = {
            .zone = action.zone,
            .csum_trusted = action.csum_trusted,
        };

        conntrack_execute(ct, &flow, l4, l4_size, &plain, now, &first);
        print_result(&first);
        action.prev = &first;
    }
    conntrack_execute(ct, &flow, l4, l4_size, &action, now, &result);
    CHECK(result.ct_zone == action.zone);
    print_result(&result);
    if (show_nat) {
        print_nat(&result);
    }
}

static void
do_frame_syn(int argc, char *argv[])
{
    struct conntrack_action action = { .commit = true };
    struct conntrack_result result;
    struct dp_packet *packet;
    struct flow flow, parsed;
    const char *flow_dst = NULL;
    bool bad = false;
    const char *ol = NULL;
    uint8_t *tcp;
    int i;

    if (argc < 4 || strcmp(argv[2], ">")) {
        nfvs_fatal(0, "usage: frame-syn SRC:PORT > DST:PORT [OPTION...]");
    }
    for (i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "csum=bad")) {
            bad = true;
        } else if (!strncmp(argv[i], "ol=", 3)) {
            ol = argv[i] + 3;
        } else if (!strncmp(argv[i], "flow-dst=", 9)) {
            flow_dst = argv[i] + 9;
        } else {
            nfvs_fatal(0, "%s: unknown frame-syn option", argv[i]);
        }
    }
    memset(&flow, 0, sizeof flow);
    parse_endpoint(argv[1], true, &flow, true, &flow.tp_src);
    parse_endpoint(argv[3], true, &flow, false, &flow.tp_dst);
    flow.nw_proto = IPPROTO_TCP;
    flow.nw_ttl = 64;
    flow.tcp_flags = htons(TCP_SYN);
    packet = dp_packet_create(0);
    flow_compose(&flow, packet);
    dp_packet_put_zeros(packet, 10);
    flow_extract_set_offsets(packet, 1, &parsed);
    tcp = dp_packet_l4(packet);
    if (bad) {
        tcp[17] ^= 1;
    }
    if (ol && !strcmp(ol, "valid")) {
        packet->ol_flags |= DP_PACKET_OL_CSUM_VALID;
    } else if (ol && !strcmp(ol, "partial")) {
        /* What a device leaves: the folded pseudo-header sum, not
         * complemented, in the field. */
        size_t l4_size = dp_packet_l4_size(packet);
        uint32_t pseudo;

        if (parsed.dl_type == htons(ETH_TYPE_IPV6)) {
            pseudo = packet_csum_pseudoheader6(dp_packet_l3(packet),
                                               IPPROTO_TCP, l4_size);
        } else {
            pseudo = packet_csum_pseudoheader(dp_packet_l3(packet));
        }
        put16(&tcp[16], ~ntohs(csum_finish(pseudo)));
        dp_packet_ol_set_csum_partial(packet, packet->l4_ofs, 16);
    } else if (ol) {
        nfvs_fatal(0, "ol=%s: valid or partial", ol);
    }
    if (flow_dst) {
        parse_endpoint(flow_dst, false, &parsed, false, NULL);
    }
    conntrack_execute_packet(ct, packet, &parsed, &action, now, &result);
    print_result(&result);
    dp_packet_destroy(packet);
}

/* Runs 'n' random packets through the tracker: over a few addresses and
 * ports, so that they hit connections now and then, with random TCP
 * flags and numbers, random sizes and random bytes in the rest. */
static void
do_random(unsigned int n)
{
    unsigned int i;

    srandom(1);
    for (i = 0; i < n; i++) {
        static const uint8_t protos[] = {
            IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, 47,
        };
        struct conntrack_action action = {
            .zone = random() % 2,
            .commit = random() % 2,
            .set_mark = random() % 2,
            .mark = random(),
            .mark_mask = random(),
        };
        struct conntrack_result r;
        uint8_t l4[128];
        struct flow flow;
        size_t size, j;
        uint8_t state;

        memset(&flow, 0, sizeof flow);
        flow.nw_proto = protos[random() % ARRAY_SIZE(protos)];
        if (random() % 4) {
            flow.dl_type = htons(ETH_TYPE_IP);
            flow.nw_src = htonl(0x0a000001 + random() % 2);
            flow.nw_dst = htonl(0x0a000001 + random() % 2);
        } else {
            flow.dl_type = htons(ETH_TYPE_IPV6);
            flow.ipv6_src.s6_addr[15] = 1 + random() % 2;
            flow.ipv6_dst.s6_addr[15] = 1 + random() % 2;
        }
        for (j = 0; j < sizeof l4; j++) {
            l4[j] = random();
        }
        /* Few ports, plausible data offsets and flags, sequence numbers
         * near each other, echo types often. */
        l4[0] = l4[2] = 0;
        l4[1] = random() % 3;
        l4[3] = random() % 3;
        if (flow.nw_proto == IPPROTO_TCP) {
            l4[4] = l4[5] = l4[8] = l4[9] = 0;
            l4[12] = (5 + random() % 3) << 4;
            l4[13] = random() % 2 ? TCP_SYN : random() % 32;
        } else if (random() % 2) {
            l4[0] = (flow.nw_proto == IPPROTO_ICMPV6
                     ? 128 + random() % 2 : (random() % 2) * 8);
            l4[1] = 0;
        }
        size = random() % (sizeof l4 + 1);
        conntrack_execute(ct, &flow, l4, size, &action,
                          now + i * 10LL, &r);
        state = r.ct_state;
        CHECK(state & CS_TRACKED);
        CHECK(__builtin_popcount(state & (CS_NEW | CS_ESTABLISHED
                                          | CS_RELATED | CS_INVALID)) == 1);
        CHECK(!(state & CS_REPLY_DIR) || state & (CS_ESTABLISHED
                                                  | CS_RELATED));
        CHECK(!(state & CS_INVALID) || (!r.conn_id && r.invalid));
        if (i % 1000 == 999) {
            conntrack_run(ct, now + i * 10LL);
        }
    }
    now += n * 10LL;

    /* The live counters add up to the table. */
    {
        struct conntrack_entry *entries;
        struct conntrack_stats st;
        size_t n_entries, sum;
        int k;

        conntrack_get_stats(ct, &st);
        sum = st.n_udp + st.n_icmp + st.n_other;
        for (k = 0; k < CT_TCP_N_STATES; k++) {
            sum += st.n_tcp_by_state[k];
        }
        conntrack_dump(ct, NULL, &entries, &n_entries);
        CHECK(sum == st.n_conns && n_entries == st.n_conns);
        CHECK(conntrack_zone_count(ct, 0) + conntrack_zone_count(ct, 1)
              == st.n_conns);
        free(entries);
        CHECK(conntrack_flush(ct, NULL, NULL) == st.n_conns);
    }
    printf("random: ok\n");
}

static void
do_dump(const uint16_t *zone)
{
    struct conntrack_entry *entries;
    size_t i, n;

    conntrack_dump(ct, zone, &entries, &n);
    for (i = 0; i < n; i++) {
        struct ds s = DS_EMPTY_INITIALIZER;

        conntrack_entry_format(&entries[i], &s);
        printf("%s\n", ds_cstr(&s));
        ds_destroy(&s);
    }
    free(entries);
}

static void
do_stats(void)
{
    struct conntrack_stats st;
    int i;

    conntrack_get_stats(ct, &st);
    printf("conns=%zu tcp=", st.n_conns);
    for (i = 0; i < CT_TCP_N_STATES; i++) {
        if (st.n_tcp_by_state[i]) {
            printf("%s:%zu,", ct_tcp_state_to_string(i), st.n_tcp_by_state[i]);
        }
    }
    printf(" udp=%zu icmp=%zu other=%zu\n", st.n_udp, st.n_icmp, st.n_other);
    printf("created=%"PRIu64" established=%"PRIu64" expired=%"PRIu64
           " limit_drops=%"PRIu64"\ninvalid:", st.n_created,
           st.n_established, st.n_expired, st.n_limit_drops);
    for (i = 1; i < CT_N_INVALID; i++) {
        if (st.n_invalid[i]) {
            printf(" %s=%"PRIu64, conntrack_invalid_to_string(i),
                   st.n_invalid[i]);
        }
    }
    printf("\n");
}

static enum conntrack_dir
parse_dir(const char *s)
{
    if (!strcmp(s, "orig")) {
        return CT_DIR_ORIG;
    } else if (!strcmp(s, "reply")) {
        return CT_DIR_REPLY;
    }
    nfvs_fatal(0, "%s: bad direction", s);
}

static void
do_update(int argc, char *argv[])
{
    struct conntrack_tcp_seen seen;
    bool have_seen = false;
    long long used = now;
    int i;

    memset(&seen, 0, sizeof seen);
    for (i = 3; i < argc; i++) {
        const char *a = argv[i];

        if (!strncmp(a, "seq_end=", 8)) {
            seen.seq_end = parse_u32(a + 8);
            have_seen = true;
        } else if (!strncmp(a, "ack=", 4)) {
            seen.ack = parse_u32(a + 4);
        } else if (!strncmp(a, "win=", 4)) {
            seen.win = parse_u32(a + 4);
        } else if (!strncmp(a, "used=", 5)) {
            used = parse_secs(a + 5);
        } else {
            nfvs_fatal(0, "%s: unknown update option", a);
        }
    }
    printf("update %s\n",
           conntrack_update_offloaded(ct, strtoull(argv[1], NULL, 10),
                                      parse_dir(argv[2]),
                                      have_seen ? &seen : NULL, used)
           ? "ok" : "unknown");
}

static void
do_flush(int argc, char *argv[])
{
    struct conntrack_tuple tuple;
    bool have_zone = false, have_tuple = false;
    uint16_t zone = 0;
    int i;

    for (i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "zone=", 5)) {
            zone = atoi(argv[i] + 5);
            have_zone = true;
        } else {
            char *error = conntrack_tuple_parse(argv[i], &tuple);

            if (error) {
                printf("error: %s\n", error);
                free(error);
                return;
            }
            have_tuple = true;
        }
    }
    printf("flushed %zu\n", conntrack_flush(ct, have_zone ? &zone : NULL,
                                            have_tuple ? &tuple : NULL));
}

static int
test_conntrack_main(int argc NFVS_UNUSED, char *argv_[] NFVS_UNUSED)
{
    char line[1024];

    create(0, 0);
    while (fgets(line, sizeof line, stdin)) {
        char *argv[32];
        char *save = NULL, *tok;
        int n = 0;

        for (tok = strtok_r(line, " \t\n", &save); tok && n < 32;
             tok = strtok_r(NULL, " \t\n", &save)) {
            argv[n++] = tok;
        }
        if (!n || argv[0][0] == '#') {
            continue;
        }
        if (!strcmp(argv[0], "create")) {
            uint32_t max = 0, zone_limit = 0;
            int i;

            for (i = 1; i < n; i++) {
                if (!strncmp(argv[i], "max=", 4)) {
                    max = parse_u32(argv[i] + 4);
                } else if (!strncmp(argv[i], "zone_limit=", 11)) {
                    zone_limit = parse_u32(argv[i] + 11);
                }
            }
            create(max, zone_limit);
        } else if (!strcmp(argv[0], "t") && n == 2) {
            now = parse_secs(argv[1]);
        } else if (!strcmp(argv[0], "timeout") && n == 3) {
            unsigned int secs;
            int error = conntrack_set_timeout(ct, argv[1], parse_u32(argv[2]));

            if (error) {
                printf("timeout: %s\n", nfvs_strerror(error));
            } else {
                CHECK(!conntrack_get_timeout(ct, argv[1], &secs));
                printf("timeout %s=%u\n", argv[1], secs);
            }
        } else if (!strcmp(argv[0], "zone-limit") && n == 3) {
            conntrack_set_zone_limit(ct, atoi(argv[1]), parse_u32(argv[2]));
        } else if (!strcmp(argv[0], "max") && n == 2) {
            conntrack_set_max_conns(ct, parse_u32(argv[1]));
        } else if (!strcmp(argv[0], "events") && n == 2) {
            print_events = !strcmp(argv[1], "on");
        } else if (!strcmp(argv[0], "run")) {
            printf("expired %zu\n", conntrack_run(ct, now));
        } else if (!strcmp(argv[0], "flush")) {
            do_flush(n, argv);
        } else if (!strcmp(argv[0], "dump")) {
            uint16_t zone = n > 1 ? atoi(argv[1] + 5) : 0;

            do_dump(n > 1 ? &zone : NULL);
        } else if (!strcmp(argv[0], "count")) {
            printf("count %zu", conntrack_count(ct));
            if (n > 1) {
                printf(" zone %d: %zu", atoi(argv[1]),
                       conntrack_zone_count(ct, atoi(argv[1])));
            }
            printf("\n");
        } else if (!strcmp(argv[0], "stats")) {
            do_stats();
        } else if (!strcmp(argv[0], "offload") && n == 3) {
            printf("offload %s\n",
                   conntrack_can_offload(ct, strtoull(argv[1], NULL, 10),
                                         parse_dir(argv[2])) ? "yes" : "no");
        } else if (!strcmp(argv[0], "gen") && n == 2) {
            printf("gen %"PRIu32"\n",
                   conntrack_generation(ct, strtoull(argv[1], NULL, 10)));
        } else if (!strcmp(argv[0], "update") && n >= 3) {
            do_update(n, argv);
        } else if (!strcmp(argv[0], "random") && n == 2) {
            do_random(parse_u32(argv[1]));
        } else if (!strcmp(argv[0], "checksum") && n == 2) {
            conntrack_set_checksum(ct, !strcmp(argv[1], "on"));
            printf("checksum %s\n", conntrack_get_checksum(ct) ? "on" : "off");
        } else if (!strcmp(argv[0], "frame-syn")) {
            do_frame_syn(n, argv);
        } else if (!strcmp(argv[0], "timeouts")) {
            struct ds s = DS_EMPTY_INITIALIZER;

            conntrack_format_timeouts(ct, &s);
            printf("%s", ds_cstr(&s));
            ds_destroy(&s);
        } else {
            do_packet(n, argv);
        }
    }
    conntrack_destroy(ct);
    ct = NULL;
    return 0;
}

NFVSTEST_REGISTER("test-conntrack", test_conntrack_main);
