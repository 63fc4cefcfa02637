// SPDX-License-Identifier: GPL-2.0
/*
 * nfvs.ko: module setup, datapaths, the packet path and upcalls.
 *
 * The generic netlink families live in dp_genl.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>

#include "datapath.h"
#include "dp_genl.h"
#include "flow_netlink.h"
#include "meter.h"
#include "vport.h"

/* Serializes every change; see "DOC: Locking" in datapath.h. */
DEFINE_MUTEX(nfvs_mutex);
atomic_t nfvs_n_datapaths = ATOMIC_INIT(0);
atomic_t nfvs_n_vports = ATOMIC_INIT(0);
atomic_t nfvs_n_flows = ATOMIC_INIT(0);
atomic_t nfvs_n_actions = ATOMIC_INIT(0);
unsigned int nfvs_net_id __read_mostly;

/**
 * nfvs_dp_port - finds a port by number.
 * @dp: the datapath.
 * @port_no: the number.
 *
 * Called with rcu_read_lock or nfvs_mutex.
 *
 * Return: the vport or NULL.
 */
struct vport *nfvs_dp_port(const struct datapath *dp, u32 port_no)
{
	const struct hlist_head *head;
	struct vport *vport;

	head = &dp->ports[hash_32(port_no, NFVS_PORT_HASH_BITS)];
	hlist_for_each_entry_rcu(vport, head, node,
				 lockdep_is_held(&nfvs_mutex))
		if (vport->port_no == port_no)
			return vport;
	return NULL;
}

/**
 * nfvs_dp_name - the datapath's name: its local port's device name.
 * @dp: the datapath.
 *
 * Return: the name.
 */
const char *nfvs_dp_name(const struct datapath *dp)
{
	return dp->local->dev->name;
}

/**
 * nfvs_dp_lookup - finds the datapath whose local port has @ifindex.
 * @net: the netns.
 * @ifindex: the ifindex.
 *
 * Called with rcu_read_lock (the datapath lives until it is released) or
 * nfvs_mutex.
 *
 * Return: the datapath or NULL.
 */
struct datapath *nfvs_dp_lookup(struct net *net, int ifindex)
{
	struct net_device *dev;
	struct vport *vport;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(net, ifindex);
	vport = dev ? nfvs_internal_vport_rcu(dev) : NULL;
	rcu_read_unlock();
	if (!vport || vport->port_no != NFVS_VPORT_LOCAL)
		return NULL;
	return vport->dp;
}

static void dp_count(struct datapath *dp, size_t field)
{
	struct nfvs_dp_pcpu *s = this_cpu_ptr(dp->stats);

	u64_stats_update_begin(&s->syncp);
	(*(u64 *)((u8 *)s + field))++;
	u64_stats_update_end(&s->syncp);
}

#define DP_COUNT(dp, member) dp_count(dp, offsetof(struct nfvs_dp_pcpu, member))

/**
 * nfvs_dp_process_packet - looks a packet up and forwards or upcalls it.
 * @vport: the port it came in on.
 * @skb: the packet, data at the Ethernet header; consumed.
 *
 * Called with rcu_read_lock and bottom halves disabled.
 */
void nfvs_dp_process_packet(struct vport *vport, struct sk_buff *skb)
{
	struct datapath *dp = vport->dp;
	struct nfvs_pkt_info info;
	struct nfvs_actions *acts;
	struct nfvs_flow *flow;
	struct nfvs_key key;

	skb_reset_mac_header(skb);
	nfvs_key_extract(skb, vport->port_no, &key, &info);
	skb->mac_len = info.l3_ofs;

	flow = nfvs_flow_table_lookup(&dp->table, &key);
	if (likely(flow)) {
		nfvs_flow_stats_update(flow, skb, &info);
		DP_COUNT(dp, n_hit);
		acts = rcu_dereference(flow->acts);
		nfvs_execute_actions(dp, skb, &key, acts->data, acts->len);
	} else {
		struct nfvs_upcall up = { .cmd = NFVS_PACKET_CMD_MISS };

		nfvs_dp_upcall(dp, skb, &key, &up);
		consume_skb(skb);
	}
}

/* Sends one (non-GSO) packet up as message 'up->cmd' to 'pid'. */
static int upcall_send(struct datapath *dp, struct sk_buff *skb,
		       const struct nfvs_key *key, u32 hash,
		       const struct nfvs_upcall *up, u32 pid)
{
	bool tagged = skb_vlan_tag_present(skb);
	unsigned int len = skb->len + (tagged ? VLAN_HLEN : 0);
	struct nfvs_header *hdr;
	struct sk_buff *msg;
	struct nlattr *nla;
	bool csum_valid;
	size_t size;
	u8 *data;
	int err;

	/* What Linux's conntrack would not check again: a checksum the
	 * device verified, or one it was to complete (done here).
	 */
	csum_valid = skb->ip_summed == CHECKSUM_UNNECESSARY ||
		     skb->ip_summed == CHECKSUM_PARTIAL;
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		return -ENOMEM;
	if (nla_attr_size(len) > U16_MAX || skb->len < ETH_HLEN)
		return -ENOMEM;

	size = NLMSG_ALIGN(sizeof(*hdr)) + nla_total_size(len) +
	       nla_total_size(NFVS_KEY_ATTRS_MAX_SIZE) + nla_total_size(4) +
	       nla_total_size(0) +
	       (up->userdata ? nla_total_size(nla_len(up->userdata)) : 0);
	msg = genlmsg_new(size, GFP_ATOMIC);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &nfvs_packet_genl_family, 0, up->cmd);
	if (!hdr)
		goto err_size;
	hdr->dp_ifindex = READ_ONCE(dp->ifindex);
	if (nfvs_key_to_nlattr(msg, NFVS_PACKET_ATTR_KEY, key) ||
	    nla_put_u32(msg, NFVS_PACKET_ATTR_HASH, hash))
		goto err_size;
	if (csum_valid && nla_put_flag(msg, NFVS_PACKET_ATTR_CSUM_VALID))
		goto err_size;
	if (up->userdata &&
	    nla_put(msg, NFVS_PACKET_ATTR_USERDATA, nla_len(up->userdata),
		    nla_data(up->userdata)))
		goto err_size;
	nla = nla_reserve(msg, NFVS_PACKET_ATTR_PACKET, len);
	if (!nla)
		goto err_size;
	data = nla_data(nla);
	if (tagged) {
		__be16 tci = htons(skb_vlan_tag_get(skb));

		err = skb_copy_bits(skb, 0, data, 2 * ETH_ALEN);
		memcpy(data + 2 * ETH_ALEN, &skb->vlan_proto, 2);
		memcpy(data + 2 * ETH_ALEN + 2, &tci, 2);
		if (!err)
			err = skb_copy_bits(skb, 2 * ETH_ALEN,
					    data + 2 * ETH_ALEN + VLAN_HLEN,
					    skb->len - 2 * ETH_ALEN);
	} else {
		err = skb_copy_bits(skb, 0, data, skb->len);
	}
	if (WARN_ON_ONCE(err))
		goto err_size;
	genlmsg_end(msg, hdr);
	return genlmsg_unicast(dp->net, msg, pid);

err_size:
	nlmsg_free(msg);
	return -ENOMEM;
}

/* Returns true if a miss of 'hash' is to be suppressed; otherwise
 * records it.
 */
static bool upcall_is_dup(struct datapath *dp, u32 hash)
{
	struct nfvs_dedupe_slot *slot = &dp->dedupe[hash &
						    (NFVS_DEDUPE_SLOTS - 1)];
	unsigned int ms = READ_ONCE(dp->dedupe_ms);
	unsigned long now = jiffies;

	if (!ms)
		return false;
	if (READ_ONCE(slot->hash) == hash &&
	    time_in_range(now, READ_ONCE(slot->stamp),
			  READ_ONCE(slot->stamp) + msecs_to_jiffies(ms)))
		return true;
	WRITE_ONCE(slot->hash, hash);
	WRITE_ONCE(slot->stamp, now);
	return false;
}

static void upcall_forget(struct datapath *dp, u32 hash)
{
	struct nfvs_dedupe_slot *slot = &dp->dedupe[hash &
						    (NFVS_DEDUPE_SLOTS - 1)];

	if (READ_ONCE(slot->hash) == hash)
		WRITE_ONCE(slot->stamp,
			   jiffies - msecs_to_jiffies(NFVS_MAX_DEDUPE_MS) - 1);
}

/* The hash that picks a miss's handler: the key's without tcp_ctl, so
 * that a connection's segments with and without SYN, FIN or RST go to
 * one handler socket and are handled in order.
 */
static u32 upcall_hash(const struct datapath *dp, const struct nfvs_key *key)
{
	struct nfvs_key k = *key;

	k.tcp_ctl = 0;
	return jhash2((const u32 *)&k, sizeof(k) / sizeof(u32), dp->hash_seed);
}

/**
 * nfvs_dp_upcall - sends a packet to userspace.
 * @dp: the datapath.
 * @skb: the packet, data at its Ethernet header; not consumed, but a
 * partial checksum is completed.
 * @key: its key.
 * @up: what kind of upcall, to whom, with what userdata.
 *
 * Never blocks: a full socket, a missing handler or a failed allocation
 * counts the upcall lost.  A miss whose key hash was sent up within the
 * datapath's dedupe time is suppressed (and counted).  A GSO packet goes
 * up as its segments.
 *
 * Called with rcu_read_lock and bottom halves disabled.
 *
 * Return: 0 or a negative errno.
 */
int nfvs_dp_upcall(struct datapath *dp, struct sk_buff *skb,
		   const struct nfvs_key *key, const struct nfvs_upcall *up)
{
	u32 hash = upcall_hash(dp, key);
	u32 dup_hash = jhash_1word((__force u32)key->tcp_ctl, hash);
	struct nfvs_upcall_pids *pids;
	u32 pid = up->pid;
	int err;

	if (up->cmd == NFVS_PACKET_CMD_MISS && upcall_is_dup(dp, dup_hash)) {
		DP_COUNT(dp, n_lost_dup);
		return -EAGAIN;
	}
	if (!pid) {
		pids = rcu_dereference(dp->pids);
		if (pids && pids->n)
			pid = pids->pids[reciprocal_scale(hash, pids->n)];
	}
	if (!pid) {
		err = -ENOTCONN;
		goto lost;
	}

	if (skb_is_gso(skb)) {
		struct sk_buff *segs, *seg, *next;

		segs = __skb_gso_segment(skb, NETIF_F_SG, false);
		if (IS_ERR_OR_NULL(segs)) {
			err = -ENOMEM;
			goto lost;
		}
		err = 0;
		skb_list_walk_safe(segs, seg, next) {
			skb_mark_not_on_list(seg);
			if (!err)
				err = upcall_send(dp, seg, key, hash, up, pid);
			kfree_skb(seg);
		}
	} else {
		err = upcall_send(dp, skb, key, hash, up, pid);
	}
	if (err)
		goto lost;
	if (up->cmd == NFVS_PACKET_CMD_MISS)
		DP_COUNT(dp, n_missed);
	return 0;

lost:
	if (err == -ENOTCONN || err == -ECONNREFUSED)
		DP_COUNT(dp, n_lost_nopid);
	else if (err == -ENOMEM)
		DP_COUNT(dp, n_lost_nomem);
	else
		DP_COUNT(dp, n_lost_queue);
	/* The next packet of this key may try again at once. */
	if (up->cmd == NFVS_PACKET_CMD_MISS)
		upcall_forget(dp, dup_hash);
	return err;
}

/**
 * nfvs_dp_get_stats - sums a datapath's counters.
 * @dp: the datapath.
 * @stats: filled with the sums.
 *
 * Called with nfvs_mutex.
 */
void nfvs_dp_get_stats(const struct datapath *dp, struct nfvs_dp_stats *stats)
{
	int cpu;

	memset(stats, 0, sizeof(*stats));
	for_each_possible_cpu(cpu) {
		const struct nfvs_dp_pcpu *s = per_cpu_ptr(dp->stats, cpu);
		struct nfvs_dp_pcpu snap;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			snap = *s;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		stats->n_hit += snap.n_hit;
		stats->n_missed += snap.n_missed;
		stats->n_lost_queue += snap.n_lost_queue;
		stats->n_lost_nomem += snap.n_lost_nomem;
		stats->n_lost_nopid += snap.n_lost_nopid;
		stats->n_lost_dup += snap.n_lost_dup;
	}
	stats->n_lost = stats->n_lost_queue + stats->n_lost_nomem +
			stats->n_lost_nopid + stats->n_lost_dup;
	stats->n_flows = dp->table.n_flows;
	stats->n_flow_limit = dp->table.n_limit_hits;
}

/**
 * nfvs_dp_create - creates a datapath and its local port.
 * @net: its netns.
 * @name: its name, which its local port's device takes.
 * @extack: for error messages.
 *
 * Called with nfvs_mutex.
 *
 * Return: the datapath or an ERR_PTR().
 */
struct datapath *nfvs_dp_create(struct net *net, const char *name,
				struct netlink_ext_ack *extack)
{
	struct nfvs_net *nn = net_generic(net, nfvs_net_id);
	unsigned long stale;
	struct datapath *dp;
	struct vport *local;
	int err, i;

	ASSERT_NFVS_LOCKED();
	dp = kzalloc(sizeof(*dp), GFP_KERNEL);
	if (!dp)
		return ERR_PTR(-ENOMEM);
	atomic_inc(&nfvs_n_datapaths);
	dp->net = net;
	dp->hash_seed = get_random_u32();
	dp->dedupe_ms = NFVS_DEFAULT_DEDUPE_MS;
	stale = jiffies - msecs_to_jiffies(NFVS_MAX_DEDUPE_MS) - 1;
	for (i = 0; i < NFVS_DEDUPE_SLOTS; i++)
		dp->dedupe[i].stamp = stale;
	for (i = 0; i < ARRAY_SIZE(dp->ports); i++)
		INIT_HLIST_HEAD(&dp->ports[i]);
	nfvs_meters_init(dp);
	dp->stats = netdev_alloc_pcpu_stats(struct nfvs_dp_pcpu);
	if (!dp->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	err = nfvs_flow_table_init(&dp->table);
	if (err)
		goto err_free_stats;

	local = nfvs_vport_add(dp, name, NFVS_VPORT_TYPE_INTERNAL,
			       NFVS_VPORT_LOCAL, extack);
	if (IS_ERR(local)) {
		err = PTR_ERR(local);
		if (err == -EEXIST)
			NL_SET_ERR_MSG(extack, "a device of that name exists");
		goto err_destroy_table;
	}
	dp->local = local;
	WRITE_ONCE(dp->ifindex, local->dev->ifindex);
	list_add_tail(&dp->node, &nn->dps);
	return dp;

err_destroy_table:
	nfvs_flow_table_destroy(&dp->table);
err_free_stats:
	free_percpu(dp->stats);
err_free:
	kfree(dp);
	atomic_dec(&nfvs_n_datapaths);
	return ERR_PTR(err);
}

/**
 * nfvs_dp_destroy - deletes a datapath with its ports and flows.
 * @dp: the datapath.
 *
 * Called with nfvs_mutex.  Waits for RCU readers.
 */
void nfvs_dp_destroy(struct datapath *dp)
{
	struct hlist_node *next;
	struct vport *vport;
	int i;

	ASSERT_NFVS_LOCKED();
	list_del(&dp->node);
	for (i = 0; i < ARRAY_SIZE(dp->ports); i++)
		hlist_for_each_entry_safe(vport, next, &dp->ports[i], node)
			if (vport != dp->local)
				nfvs_vport_del(vport);
	if (dp->local)
		nfvs_vport_del(dp->local);

	/* No packet can enter any more; wait for those inside. */
	synchronize_rcu();
	nfvs_flow_table_destroy(&dp->table);
	nfvs_meters_destroy(dp);
	kfree(rcu_dereference_protected(dp->pids, true));
	free_percpu(dp->stats);
	kfree(dp);
	atomic_dec(&nfvs_n_datapaths);
}

/* Deletes the vports whose devices went away and tells userspace. */
static void dp_notify_work(struct work_struct *work)
{
	struct nfvs_net *nn = container_of(work, struct nfvs_net, notify_work);
	struct datapath *dp, *next_dp;

	mutex_lock(&nfvs_mutex);
	list_for_each_entry_safe(dp, next_dp, &nn->dps, node) {
		struct hlist_node *next;
		struct vport *vport;
		int i;

		if (READ_ONCE(dp->local->detached)) {
			/* Cannot happen while the local device is kept in
			 * its netns and out of "ip link del".
			 */
			nfvs_dp_destroy(dp);
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(dp->ports); i++) {
			hlist_for_each_entry_safe(vport, next, &dp->ports[i],
						  node) {
				struct sk_buff *msg;

				if (!READ_ONCE(vport->detached))
					continue;
				msg = nfvs_vport_notify_msg(vport,
							    NFVS_VPORT_CMD_DEL);
				nfvs_vport_del(vport);
				nfvs_vport_notify(dp->net, msg);
			}
		}
	}
	mutex_unlock(&nfvs_mutex);
}

static int __net_init dp_net_init(struct net *net)
{
	struct nfvs_net *nn = net_generic(net, nfvs_net_id);

	INIT_LIST_HEAD(&nn->dps);
	INIT_WORK(&nn->notify_work, dp_notify_work);
	return 0;
}

static void __net_exit dp_net_exit(struct net *net)
{
	struct nfvs_net *nn = net_generic(net, nfvs_net_id);
	struct datapath *dp, *next;

	mutex_lock(&nfvs_mutex);
	list_for_each_entry_safe(dp, next, &nn->dps, node)
		nfvs_dp_destroy(dp);
	mutex_unlock(&nfvs_mutex);
	cancel_work_sync(&nn->notify_work);
}

static struct pernet_operations dp_net_ops = {
	.init = dp_net_init,
	.exit = dp_net_exit,
	.id = &nfvs_net_id,
	.size = sizeof(struct nfvs_net),
};

static void dp_check_leaks(void)
{
	int n_dps = atomic_read(&nfvs_n_datapaths);
	int n_vports = atomic_read(&nfvs_n_vports);
	int n_flows = atomic_read(&nfvs_n_flows);
	int n_acts = atomic_read(&nfvs_n_actions);

	if (n_dps || n_vports || n_flows || n_acts)
		pr_err("leaked objects at unload: %d datapaths, %d vports, %d flows, %d action blocks\n",
		       n_dps, n_vports, n_flows, n_acts);
}

static int __init nfvs_init(void)
{
	int err;

	err = register_pernet_device(&dp_net_ops);
	if (err)
		return err;
	err = nfvs_vport_init();
	if (err)
		goto err_pernet;
	err = nfvs_genl_register();
	if (err)
		goto err_vport;
	pr_info("loaded\n");
	return 0;

err_vport:
	nfvs_vport_exit();
err_pernet:
	unregister_pernet_device(&dp_net_ops);
	return err;
}

static void __exit nfvs_exit(void)
{
	nfvs_genl_unregister();
	unregister_pernet_device(&dp_net_ops);
	nfvs_vport_exit();
	rcu_barrier();
	dp_check_leaks();
}

module_init(nfvs_init);
module_exit(nfvs_exit);

MODULE_DESCRIPTION("nfvs exact-match datapath");
MODULE_LICENSE("GPL");
