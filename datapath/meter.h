/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Meters: token buckets that the meter action runs packets through.
 *
 * DOC: One bucket per meter, under a spinlock
 *
 * A meter's rate is a limit on the sum of what all CPUs pass.  Per-CPU
 * buckets would each need a share of the rate: with the rate split
 * evenly, a flow whose packets all arrive on one CPU (one RX queue, the
 * common case for a single flow) would get a fraction of its rate, and
 * with each CPU given the whole rate the meter would pass up to N times
 * its rate.  So each meter has one bucket, refilled from ktime_get_ns()
 * and taken under its own spinlock, held for a few arithmetic operations
 * per packet; only the counters are per-CPU.  Contention is per meter,
 * never across meters, and the rate holds exactly whatever the spread
 * of packets across CPUs.
 *
 * The bucket's units make kbps and pktps the same integer product of
 * rate and nanoseconds (see lib/ofp-meter.h, whose userspace bucket this
 * one follows): 10^-6 bit for kbps, 10^-9 packet for pktps.
 *
 * Meters live in the datapath's xarray, indexed by id: the packet path
 * looks them up under RCU; NEW, DEL and GET run under nfvs_mutex; a
 * deleted meter is freed after an RCU grace period.
 */
#ifndef NFVS_METER_H
#define NFVS_METER_H

#include <linux/types.h>
#include <net/genetlink.h>

struct datapath;

#define NFVS_MAX_METERS 65536	/* Meters per datapath. */

extern struct genl_family nfvs_meter_genl_family;

void nfvs_meters_init(struct datapath *dp);
void nfvs_meters_destroy(struct datapath *dp);
bool nfvs_meter_pass(struct datapath *dp, u32 id, u32 len);

#endif /* NFVS_METER_H */
