/* tests/fuzz-conntrack.c: fuzz target for the connection tracker
 * (lib/conntrack*.c; see fuzz.h).
 *
 * Each input is a sequence of records, each one packet for a fresh
 * tracker:
 *     1 byte   bits 0-1: zone (0..3); bit 2: commit; bit 3: run ct
 *              again in the same zone with the first result as 'prev'
 *              and commit, as ct(table=N) then ct(commit) in table N
 *              does; bits 4-6: how far the clock advances before the
 *              packet (0, 1 ms, 100 ms, 1 s, 30 s, 2 min, 10 min, 5
 *              days); bit 7: feed back to the tracker, as the
 *              revalidator does, what a datapath flow saw of the packet
 *              if its connection may be offloaded
 *     2 bytes  bit 15: the datapath vouches for the L4 checksum (as
 *              for CHECKSUM_UNNECESSARY; otherwise it is verified);
 *              bits 0-14: frame length N, big-endian (cut to what is
 *              left)
 *     N bytes  Ethernet frame
 * Every frame is parsed with flow_extract_set_offsets() and run through
 * conntrack_execute_packet() as xlate does, and looked up read-only as
 * revalidation does; expired connections are run out as time advances.
 * The tracker is small (64 connections, 4 in zone 3) so that limits are
 * reached.  Besides the sanitizers' checks, it aborts when a result lacks
 * +trk or has +inv without a reason, when the lookup misses the
 * established connection of a TCP or UDP packet, when the counts of the
 * table, its zones, its statistics and its dump disagree, or when
 * connections outlive every timeout. */
#include <config.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "byte-order.h"
#include "conntrack.h"
#include "dp-packet.h"
#include "dynamic-string.h"
#include "flow.h"
#include "fuzz.h"
#include "nfvstest.h"          /* CHECK(). */
#include "packets.h"
#include "util.h"

#define N_ZONES 4
#define MAX_CONNS 64

static void
event_cb(void *aux, uint64_t conn_id, enum conntrack_event_type type)
{
    size_t *n_events = aux;

    CHECK(conn_id);
    (*n_events)++;
}

static void
check_result(const struct conntrack_result *r, uint16_t zone)
{
    CHECK(r->ct_state & CS_TRACKED);
    CHECK(!(r->ct_state & CS_INVALID) == (r->invalid == CT_INV_NONE));
    CHECK(r->ct_zone == zone);
}

/* Checks that the read-only lookup of a TCP or UDP packet, made before
 * the packet was run without commit, found the established connection
 * that running it found, in the same direction: revalidation relies on
 * it to keep the packet's cached flow. */
static void
check_lookup(const struct flow *flow, const struct conntrack_action *action,
             const struct conntrack_result *lookup,
             const struct conntrack_result *r)
{
    if (!action->commit
        && (flow->nw_proto == IPPROTO_TCP || flow->nw_proto == IPPROTO_UDP)
        && r->conn_id
        && (r->ct_state & CS_ESTABLISHED)
        && !(r->ct_state & (CS_INVALID | CS_RELATED))) {
        CHECK(lookup->conn_id == r->conn_id);
        CHECK(lookup->dir == r->dir);
    }
}

/* Tells 'ct' what a datapath flow for the packet would have recorded, if
 * the packet's connection may be cached. */
static void
feed_back(struct conntrack *ct, const struct dp_packet *packet,
          const struct flow *flow, const struct conntrack_result *r,
          long long now)
{
    size_t l4_size = dp_packet_l4_size(packet);
    struct conntrack_tcp_seen seen;
    const uint8_t *tcp;

    if (!r->conn_id || (r->ct_state & (CS_INVALID | CS_RELATED))
        || !conntrack_can_offload(ct, r->conn_id, r->dir)) {
        return;
    }
    if (flow->nw_proto != IPPROTO_TCP || l4_size < 20) {
        CHECK(conntrack_update_offloaded(ct, r->conn_id, r->dir, NULL,
                                         now));
        return;
    }
    tcp = dp_packet_l4(packet);
    seen.seq_end = ((uint32_t) tcp[4] << 24 | tcp[5] << 16 | tcp[6] << 8
                    | tcp[7]);
    seen.seq_end += l4_size - (tcp[12] >> 4) * 4;
    seen.ack = ((uint32_t) tcp[8] << 24 | tcp[9] << 16 | tcp[10] << 8
                | tcp[11]);
    seen.win = tcp[14] << 8 | tcp[15];
    CHECK(conntrack_update_offloaded(ct, r->conn_id, r->dir, &seen, now));
}

/* Checks that the counts agree and prints every connection. */
static void
check_table(const struct conntrack *ct)
{
    struct conntrack_entry *entries;
    struct conntrack_stats stats;
    size_t n_entries, n_zones = 0, i;
    uint16_t zone;

    conntrack_dump(ct, NULL, &entries, &n_entries);
    conntrack_get_stats(ct, &stats);
    for (zone = 0; zone < N_ZONES; zone++) {
        n_zones += conntrack_zone_count(ct, zone);
    }
    CHECK(n_entries == conntrack_count(ct));
    CHECK(n_entries == stats.n_conns);
    CHECK(n_entries == n_zones);
    CHECK(n_entries <= MAX_CONNS);
    CHECK(conntrack_zone_count(ct, 3) <= 4);
    for (i = 0; i < n_entries; i++) {
        struct ds s = DS_EMPTY_INITIALIZER;

        CHECK(entries[i].zone < N_ZONES);
        conntrack_entry_format(&entries[i], &s);
        ds_destroy(&s);
    }
    free(entries);
}

static int
fuzz_conntrack_one(const uint8_t *data, size_t size)
{
    static const long long advances[8] = {
        0, 1, 100, 1000, 30 * 1000, 120 * 1000, 600 * 1000,
        5LL * 24 * 3600 * 1000,
    };
    struct conntrack_config config = {
        .max_conns = MAX_CONNS,
        .event_cb = event_cb,
    };
    long long now = 1000;
    size_t n_events = 0;
    struct conntrack *ct;

    config.event_aux = &n_events;
    ct = conntrack_create(&config);
    conntrack_set_zone_limit(ct, 3, 4);

    while (size >= 3) {
        uint8_t ctl = data[0];
        bool csum_trusted = (data[1] & 0x80) != 0;
        size_t len = (data[1] & 0x7f) << 8 | data[2];
        struct conntrack_action action;
        struct conntrack_result r, r2, lookup;
        struct dp_packet *packet;
        struct flow flow;

        if (len > size - 3) {
            len = size - 3;
        }
        packet = dp_packet_clone_data(data + 3, len);
        data += 3 + len;
        size -= 3 + len;

        now += advances[(ctl >> 4) & 7];
        conntrack_run(ct, now);
        CHECK(conntrack_next_wake(ct) == LLONG_MAX
              ? !conntrack_count(ct) : conntrack_count(ct) > 0);

        flow_extract_set_offsets(packet, 1, &flow);
        memset(&action, 0, sizeof action);
        action.zone = ctl & 3;
        action.commit = (ctl & 4) != 0;
        action.csum_trusted = csum_trusted;
        conntrack_lookup(ct, &flow, action.zone, now, &lookup);
        check_result(&lookup, action.zone);
        conntrack_execute_packet(ct, packet, &flow, &action, now, &r);
        check_result(&r, action.zone);
        check_lookup(&flow, &action, &lookup, &r);
        if (ctl & 8) {
            action.commit = true;
            action.set_mark = true;
            action.mark = 0x5a5a0000 | len;
            action.mark_mask = 0xffff00ff;
            action.prev = &r;
            conntrack_execute_packet(ct, packet, &flow, &action, now, &r2);
            check_result(&r2, action.zone);
        }
        if (ctl & 0x80) {
            feed_back(ct, packet, &flow, &r, now);
        }
        dp_packet_destroy(packet);
    }
    check_table(ct);

    /* Nothing outlives the longest timeout (5 days). */
    now += 6LL * 24 * 3600 * 1000;
    conntrack_run(ct, now);
    CHECK(!conntrack_count(ct));
    check_table(ct);

    conntrack_destroy(ct);
    return 0;
}

FUZZ_TARGET("conntrack", fuzz_conntrack_one);
