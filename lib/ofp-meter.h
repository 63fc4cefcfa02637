/* lib/ofp-meter.h: OpenFlow 1.3 meters in ovs-ofctl syntax, and the token
 * bucket that enforces one.
 *
 * A meter is written as "ovs-ofctl add-meter" takes it:
 *     meter=N,kbps|pktps[,burst][,stats],band=type=drop,rate=R
 *         [,burst_size=B]
 * and printed as "ovs-ofctl -O OpenFlow13 dump-meters" prints it:
 *     meter=1 kbps burst stats bands=
 *     type=drop rate=1000 burst_size=100
 * (two lines).  nfvs supports one band per meter, of type drop.  Rates
 * are in kbit/s (kbps) or packets/s (pktps), burst sizes in kbit or
 * packets.
 *
 * Functions that can fail return a malloc'd message, which the caller
 * frees, or NULL.  Pure functions: thread-safe. */
#ifndef NFVS_OFP_METER_H
#define NFVS_OFP_METER_H 1

#include <stdbool.h>
#include <stdint.h>
#include "ofp-actions.h"

struct ds;

/* Meter flags, as in OpenFlow 1.3. */
#define OFPMF_KBPS  0x1         /* Rates in kbit/s. */
#define OFPMF_PKTPS 0x2         /* Rates in packets/s. */
#define OFPMF_BURST 0x4         /* Use 'burst_size'. */
#define OFPMF_STATS 0x8         /* Collect statistics (always done). */

#define OFPM_ALL 0xffffffffu    /* "Every meter" in del/dump/stats. */

struct ofp_meter {
    uint32_t meter_id;          /* 1..OFPM_MAX. */
    uint16_t flags;             /* OFPMF_*: exactly one of KBPS, PKTPS. */
    uint32_t rate;              /* The drop band's rate, nonzero. */
    uint32_t burst_size;        /* The band's burst; 0 if not given. */
};

/* Parses 's', a meter as "add-meter" takes it, into '*m'. */
char *ofp_meter_parse(const char *s, struct ofp_meter *m);

/* Parses 's', the argument of del-meter, dump-meters and meter-stats:
 * "" or "meter=all" (OFPM_ALL) or "meter=N". */
char *ofp_meter_parse_id(const char *s, uint32_t *idp);

/* Appends 'm' as dump-meters prints it (two lines, no final newline). */
void ofp_meter_format(const struct ofp_meter *m, struct ds *);

/* Appends 'm' as the one-line "add-meter" argument that recreates it. */
void ofp_meter_format_line(const struct ofp_meter *m, struct ds *);

bool ofp_meter_equal(const struct ofp_meter *, const struct ofp_meter *);

/* The datapaths' token bucket for a meter.
 *
 * Tokens are kept in units that make both kinds of rate an integer
 * product with elapsed nanoseconds: for kbps a unit is 10^-6 bit
 * (R kbit/s = R * 10^-6 bit/ns), for pktps 10^-9 packet.  A packet costs
 * 8 * 10^6 units per byte (kbps) or 10^9 units (pktps); the bucket holds
 * at most the burst (burst_size, or one second of the rate when none is
 * given) times 10^9 units, and starts full.  No floating point, no
 * rounding drift: the same arrivals at the same times always give the
 * same decisions, which the unit tests rely on.
 *
 * Not thread-safe: the caller serialises calls on one bucket. */
struct meter_bucket {
    uint64_t tokens;            /* Units available now. */
    uint64_t capacity;          /* Most units it holds. */
    uint64_t rate;              /* Units per nanosecond. */
    bool pktps;                 /* Cost per packet rather than per byte. */
    long long int last_ns;      /* Time of the last refill. */
};

/* Sets up 'b' for 'm' at time 'now_ns', full. */
void meter_bucket_init(struct meter_bucket *b, const struct ofp_meter *m,
                       long long int now_ns);

/* Refills 'b' for the time since the last call and takes the cost of a
 * packet of 'n_bytes' bytes arriving at 'now_ns' (never earlier than the
 * last call's).  Returns true if the packet passes (tokens taken), false
 * if the band drops it (tokens untouched). */
bool meter_bucket_take(struct meter_bucket *b, uint32_t n_bytes,
                       long long int now_ns);

#endif /* ofp-meter.h */
