/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A datapath's exact-match flows.
 *
 * Flows live in an rhashtable keyed by the whole struct nfvs_key, read
 * under RCU by the packet path, and in an xarray indexed by a flow id, so
 * that a dump spread over several netlink reads can resume where it
 * stopped.  Flows are added and removed only by userspace requests, under
 * nfvs_mutex; a removed flow is freed after an RCU grace period.
 *
 * Stats are per CPU: packets, bytes, last use (jiffies), the OR of the
 * TCP flags and the TCP sequence record of struct nfvs_flow_tcp_seq.
 */
#ifndef NFVS_FLOW_TABLE_H
#define NFVS_FLOW_TABLE_H

#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/u64_stats_sync.h>
#include <linux/xarray.h>

#include "nfvs_abi.h"
#include "flow.h"

/**
 * struct nfvs_actions - a flow's actions, as the attribute stream
 * userspace gave (validated).
 * @rcu: frees it after readers are done.
 * @len: bytes in @data; 0 drops.
 * @data: the action attributes.
 */
struct nfvs_actions {
	struct rcu_head rcu;
	u32 len;
	u8 data[];
};

/**
 * struct nfvs_flow_pcpu - what one CPU saw of a flow.
 * @syncp: consistent 64-bit reads on 32-bit hosts.
 * @packets: packets that hit the flow.
 * @bytes: their bytes, from the Ethernet header.
 * @used: jiffies of the last hit; 0 if none.
 * @tcp_flags: OR of the flags of TCP segments.
 * @seq_valid: @seq_end, @ack and @win hold a segment's values.
 * @seq_end: highest sequence end (seq + payload + SYN + FIN).
 * @ack: acknowledgment of the last segment with ACK.
 * @win: window of that segment.
 */
struct nfvs_flow_pcpu {
	struct u64_stats_sync syncp;
	u64 packets;
	u64 bytes;
	unsigned long used;
	u16 tcp_flags;
	u16 seq_valid;
	u32 seq_end;
	u32 ack;
	u16 win;
};

/**
 * struct nfvs_flow - an exact-match flow.
 * @node: in the table's rhashtable.
 * @key: the key.
 * @id: index in the table's xarray.
 * @acts: the actions, replaced under nfvs_mutex.
 * @stats: per-CPU stats.
 * @rcu: frees it after readers are done.
 */
struct nfvs_flow {
	struct rhash_head node;
	struct nfvs_key key;
	u32 id;
	struct nfvs_actions __rcu *acts;
	struct nfvs_flow_pcpu __percpu *stats;
	struct rcu_head rcu;
};

/**
 * struct nfvs_flow_stats_sum - a flow's stats summed over CPUs.
 * @packets: packets.
 * @bytes: bytes.
 * @used: jiffies of the last hit, 0 if none.
 * @tcp_flags: OR of TCP flags.
 * @seq: the TCP sequence record.
 */
struct nfvs_flow_stats_sum {
	u64 packets;
	u64 bytes;
	unsigned long used;
	u16 tcp_flags;
	struct nfvs_flow_tcp_seq seq;
};

/**
 * struct nfvs_flow_table - a datapath's flows.
 * @ht: flows by key.
 * @ids: flows by id, for dumps.
 * @next_id: where the cyclic id allocation goes on.
 * @n_flows: flows in the table.
 * @limit: flows allowed.
 * @n_limit_hits: inserts refused because of @limit.
 */
struct nfvs_flow_table {
	struct rhashtable ht;
	struct xarray ids;
	u32 next_id;
	u32 n_flows;
	u32 limit;
	u64 n_limit_hits;
};

int nfvs_flow_table_init(struct nfvs_flow_table *table);
void nfvs_flow_table_destroy(struct nfvs_flow_table *table);
struct nfvs_flow *nfvs_flow_table_lookup(struct nfvs_flow_table *table,
					 const struct nfvs_key *key);
int nfvs_flow_table_insert(struct nfvs_flow_table *table,
			   struct nfvs_flow *flow);
void nfvs_flow_table_remove(struct nfvs_flow_table *table,
			    struct nfvs_flow *flow);
void nfvs_flow_table_flush(struct nfvs_flow_table *table);

struct nfvs_flow *nfvs_flow_alloc(const struct nfvs_key *key);
void nfvs_flow_free(struct nfvs_flow *flow);
void nfvs_flow_stats_update(struct nfvs_flow *flow, const struct sk_buff *skb,
			    const struct nfvs_pkt_info *info);
void nfvs_flow_stats_get(const struct nfvs_flow *flow,
			 struct nfvs_flow_stats_sum *sum);
void nfvs_flow_stats_clear(struct nfvs_flow *flow);

struct nfvs_actions *nfvs_actions_alloc(u32 len);
void nfvs_actions_free(struct nfvs_actions *acts);
void nfvs_actions_free_rcu(struct nfvs_actions *acts);

#endif /* NFVS_FLOW_TABLE_H */
