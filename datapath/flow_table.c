// SPDX-License-Identifier: GPL-2.0
/*
 * Exact-match flows: table, per-CPU stats, action blocks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/tcp.h>

#include "datapath.h"
#include "flow_table.h"

static const struct rhashtable_params flow_params = {
	.key_len = sizeof(struct nfvs_key),
	.key_offset = offsetof(struct nfvs_flow, key),
	.head_offset = offsetof(struct nfvs_flow, node),
	.automatic_shrinking = true,
};

/**
 * nfvs_actions_alloc - allocates an action block of @len bytes.
 * @len: size of the attribute stream.
 *
 * Return: the block with @len set, or NULL.
 */
struct nfvs_actions *nfvs_actions_alloc(u32 len)
{
	struct nfvs_actions *acts;

	acts = kmalloc(struct_size(acts, data, len), GFP_KERNEL);
	if (!acts)
		return NULL;
	acts->len = len;
	atomic_inc(&nfvs_n_actions);
	return acts;
}

/**
 * nfvs_actions_free - frees an action block no reader can see.
 * @acts: the block; NULL is a no-op.
 */
void nfvs_actions_free(struct nfvs_actions *acts)
{
	if (!acts)
		return;
	kfree(acts);
	atomic_dec(&nfvs_n_actions);
}

static void actions_free_rcu_cb(struct rcu_head *rcu)
{
	nfvs_actions_free(container_of(rcu, struct nfvs_actions, rcu));
}

/**
 * nfvs_actions_free_rcu - frees an action block after RCU readers.
 * @acts: the block; NULL is a no-op.
 */
void nfvs_actions_free_rcu(struct nfvs_actions *acts)
{
	if (acts)
		call_rcu(&acts->rcu, actions_free_rcu_cb);
}

/**
 * nfvs_flow_alloc - allocates a flow for @key, with no actions.
 * @key: the key, copied.
 *
 * Return: the flow or an ERR_PTR().
 */
struct nfvs_flow *nfvs_flow_alloc(const struct nfvs_key *key)
{
	struct nfvs_flow *flow;
	int cpu;

	flow = kzalloc(sizeof(*flow), GFP_KERNEL);
	if (!flow)
		return ERR_PTR(-ENOMEM);
	flow->stats = alloc_percpu(struct nfvs_flow_pcpu);
	if (!flow->stats) {
		kfree(flow);
		return ERR_PTR(-ENOMEM);
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(flow->stats, cpu)->syncp);
	flow->key = *key;
	atomic_inc(&nfvs_n_flows);
	return flow;
}

/**
 * nfvs_flow_free - frees a flow no reader can see, with its actions.
 * @flow: the flow; NULL is a no-op.
 */
void nfvs_flow_free(struct nfvs_flow *flow)
{
	if (!flow)
		return;
	nfvs_actions_free(rcu_dereference_raw(flow->acts));
	free_percpu(flow->stats);
	kfree(flow);
	atomic_dec(&nfvs_n_flows);
}

static void flow_free_rcu_cb(struct rcu_head *rcu)
{
	nfvs_flow_free(container_of(rcu, struct nfvs_flow, rcu));
}

/**
 * nfvs_flow_stats_update - counts a packet that hit @flow.
 * @flow: the flow.
 * @skb: the packet.
 * @info: what nfvs_key_extract() found in it.
 *
 * Called with rcu_read_lock and bottom halves disabled.
 */
void nfvs_flow_stats_update(struct nfvs_flow *flow, const struct sk_buff *skb,
			    const struct nfvs_pkt_info *info)
{
	struct nfvs_flow_pcpu *s = this_cpu_ptr(flow->stats);

	u64_stats_update_begin(&s->syncp);
	s->packets++;
	s->bytes += skb->len;
	s->used = jiffies;
	if (info->is_tcp) {
		u16 flags = info->tcp_flags;
		u32 payload, seq_end;

		payload = info->tcp_hlen <= info->l4_size
			  ? info->l4_size - info->tcp_hlen : 0;
		seq_end = info->tcp_seq + payload + !!(flags & NFVS_TCP_SYN) +
			  !!(flags & NFVS_TCP_FIN);
		s->tcp_flags |= flags;
		if (!s->seq_valid || (s32)(seq_end - s->seq_end) > 0)
			s->seq_end = seq_end;
		if (flags & NFVS_TCP_ACK) {
			s->ack = info->tcp_ack;
			s->win = info->tcp_win;
		}
		s->seq_valid = 1;
	}
	u64_stats_update_end(&s->syncp);
}

/**
 * nfvs_flow_stats_get - sums @flow's stats over CPUs.
 * @flow: the flow.
 * @sum: filled with the sum.  Sequence ends and acknowledgements of
 * several CPUs combine by sequence-space maximum.
 */
void nfvs_flow_stats_get(const struct nfvs_flow *flow,
			 struct nfvs_flow_stats_sum *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct nfvs_flow_pcpu *s = per_cpu_ptr(flow->stats, cpu);
		struct nfvs_flow_pcpu snap;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			snap = *s;
		} while (u64_stats_fetch_retry(&s->syncp, start));

		sum->packets += snap.packets;
		sum->bytes += snap.bytes;
		if (snap.used &&
		    (!sum->used || time_after(snap.used, sum->used)))
			sum->used = snap.used;
		sum->tcp_flags |= snap.tcp_flags;
		if (!snap.seq_valid)
			continue;
		if (!sum->seq.valid ||
		    (s32)(snap.seq_end - sum->seq.seq_end) > 0)
			sum->seq.seq_end = snap.seq_end;
		if (!sum->seq.valid || (s32)(snap.ack - sum->seq.ack) > 0) {
			sum->seq.ack = snap.ack;
			sum->seq.win = snap.win;
		}
		sum->seq.valid = 1;
	}
}

/**
 * nfvs_flow_stats_clear - zeroes @flow's stats.
 * @flow: the flow.
 *
 * Called with nfvs_mutex.  A packet counted on another CPU at the same
 * moment may be lost from the counters; they are statistics.
 */
void nfvs_flow_stats_clear(struct nfvs_flow *flow)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct nfvs_flow_pcpu *s = per_cpu_ptr(flow->stats, cpu);

		u64_stats_update_begin(&s->syncp);
		s->packets = 0;
		s->bytes = 0;
		s->used = 0;
		s->tcp_flags = 0;
		s->seq_valid = 0;
		s->seq_end = 0;
		s->ack = 0;
		s->win = 0;
		u64_stats_update_end(&s->syncp);
	}
}

/**
 * nfvs_flow_table_init - initializes an empty table.
 * @table: the table.
 *
 * Return: 0 or a negative errno.
 */
int nfvs_flow_table_init(struct nfvs_flow_table *table)
{
	int err;

	err = rhashtable_init(&table->ht, &flow_params);
	if (err)
		return err;
	xa_init_flags(&table->ids, XA_FLAGS_ALLOC);
	table->next_id = 0;
	table->n_flows = 0;
	table->limit = NFVS_DEFAULT_FLOW_LIMIT;
	table->n_limit_hits = 0;
	return 0;
}

/**
 * nfvs_flow_table_destroy - frees the flows and the table.
 * @table: the table, which no RCU reader may still see.
 *
 * Called with nfvs_mutex.
 */
void nfvs_flow_table_destroy(struct nfvs_flow_table *table)
{
	nfvs_flow_table_flush(table);
	rhashtable_destroy(&table->ht);
	xa_destroy(&table->ids);
}

/**
 * nfvs_flow_table_lookup - finds the flow for @key.
 * @table: the table.
 * @key: the exact key.
 *
 * Called with rcu_read_lock or nfvs_mutex.
 *
 * Return: the flow or NULL.
 */
struct nfvs_flow *nfvs_flow_table_lookup(struct nfvs_flow_table *table,
					 const struct nfvs_key *key)
{
	return rhashtable_lookup(&table->ht, key, flow_params);
}

/**
 * nfvs_flow_table_insert - adds @flow, which has its actions.
 * @table: the table.
 * @flow: the flow; the table owns it on success.
 *
 * Called with nfvs_mutex.
 *
 * Return: 0; -EEXIST if a flow has the key; -ENOSPC if the table is at
 * its limit (counted); or another negative errno.
 */
int nfvs_flow_table_insert(struct nfvs_flow_table *table,
			   struct nfvs_flow *flow)
{
	int err;

	ASSERT_NFVS_LOCKED();
	if (table->n_flows >= table->limit) {
		table->n_limit_hits++;
		return -ENOSPC;
	}
	err = xa_alloc_cyclic(&table->ids, &flow->id, flow, xa_limit_32b,
			      &table->next_id, GFP_KERNEL);
	if (err < 0)
		return err;
	err = rhashtable_lookup_insert_fast(&table->ht, &flow->node,
					    flow_params);
	if (err) {
		xa_erase(&table->ids, flow->id);
		return err;
	}
	table->n_flows++;
	return 0;
}

/**
 * nfvs_flow_table_remove - removes @flow and frees it after RCU readers.
 * @table: the table.
 * @flow: a flow in @table.
 *
 * Called with nfvs_mutex.
 */
void nfvs_flow_table_remove(struct nfvs_flow_table *table,
			    struct nfvs_flow *flow)
{
	ASSERT_NFVS_LOCKED();
	if (WARN_ON_ONCE(rhashtable_remove_fast(&table->ht, &flow->node,
						flow_params)))
		return;
	xa_erase(&table->ids, flow->id);
	table->n_flows--;
	call_rcu(&flow->rcu, flow_free_rcu_cb);
}

/**
 * nfvs_flow_table_flush - removes every flow.
 * @table: the table.
 *
 * Called with nfvs_mutex.
 */
void nfvs_flow_table_flush(struct nfvs_flow_table *table)
{
	struct nfvs_flow *flow;
	unsigned long id;

	ASSERT_NFVS_LOCKED();
	xa_for_each(&table->ids, id, flow) {
		nfvs_flow_table_remove(table, flow);
		cond_resched();
	}
}
