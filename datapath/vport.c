// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath ports: creation, deletion, packets in and out, and the
 * netdevice notifier.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/netns/generic.h>

#include "datapath.h"
#include "vport.h"

static void vport_free(struct vport *vport)
{
	if (vport->dev)
		netdev_put(vport->dev, &vport->dev_tracker);
	free_percpu(vport->stats);
	kfree(vport);
	atomic_dec(&nfvs_n_vports);
}

static void vport_free_rcu_cb(struct rcu_head *rcu)
{
	vport_free(container_of(rcu, struct vport, rcu));
}

/**
 * nfvs_vport_add - creates a port of @dp.
 * @dp: the datapath.
 * @name: device name: the device to attach, or the one to create.
 * @type: NFVS_VPORT_TYPE_NETDEV or NFVS_VPORT_TYPE_INTERNAL.
 * @port_no: its number, free in @dp and below NFVS_MAX_PORTS.
 * @extack: for error messages.
 *
 * Called with nfvs_mutex; takes RTNL.
 *
 * Return: the vport or an ERR_PTR().
 */
struct vport *nfvs_vport_add(struct datapath *dp, const char *name, u32 type,
			     u32 port_no, struct netlink_ext_ack *extack)
{
	struct vport *vport;
	int err, cpu;

	ASSERT_NFVS_LOCKED();
	vport = kzalloc(sizeof(*vport), GFP_KERNEL);
	if (!vport)
		return ERR_PTR(-ENOMEM);
	atomic_inc(&nfvs_n_vports);
	vport->stats = alloc_percpu(struct nfvs_vport_pcpu);
	if (!vport->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(vport->stats, cpu)->syncp);
	vport->dp = dp;
	vport->port_no = port_no;
	vport->type = type;

	rtnl_lock();
	if (type == NFVS_VPORT_TYPE_INTERNAL)
		err = nfvs_internal_create(vport, dp->net, name);
	else
		err = nfvs_netdev_attach(vport, dp->net, name, extack);
	rtnl_unlock();
	if (err)
		goto err_free;

	hlist_add_head_rcu(&vport->node,
			   &dp->ports[hash_32(port_no, NFVS_PORT_HASH_BITS)]);
	dp->n_ports++;
	return vport;

err_free:
	vport_free(vport);
	return ERR_PTR(err);
}

/**
 * nfvs_vport_del - deletes a port; frees it after RCU readers.
 * @vport: the port.
 *
 * Called with nfvs_mutex; takes RTNL.  An internal port's device is
 * unregistered; a netdev port's device is only released.
 */
void nfvs_vport_del(struct vport *vport)
{
	ASSERT_NFVS_LOCKED();
	hlist_del_rcu(&vport->node);
	vport->dp->n_ports--;

	rtnl_lock();
	if (!vport->detached) {
		WRITE_ONCE(vport->detached, true);
		if (vport->type == NFVS_VPORT_TYPE_INTERNAL)
			nfvs_internal_destroy(vport);
		else
			nfvs_netdev_detach(vport);
	}
	/* Queued before rtnl_unlock(), which waits for the last reference
	 * to an unregistered device: this callback drops ours.
	 */
	call_rcu(&vport->rcu, vport_free_rcu_cb);
	rtnl_unlock();
}

/**
 * nfvs_vport_receive - hands a packet from @vport to its datapath.
 * @vport: the port.
 * @skb: the packet, data at the Ethernet header; consumed.
 *
 * Called with rcu_read_lock and bottom halves disabled.
 */
void nfvs_vport_receive(struct vport *vport, struct sk_buff *skb)
{
	struct nfvs_vport_pcpu *s = this_cpu_ptr(vport->stats);

	u64_stats_update_begin(&s->syncp);
	s->rx_packets++;
	s->rx_bytes += skb->len;
	u64_stats_update_end(&s->syncp);
	nfvs_dp_process_packet(vport, skb);
}

static void vport_count_tx(struct vport *vport, unsigned int len, bool sent)
{
	struct nfvs_vport_pcpu *s = this_cpu_ptr(vport->stats);

	u64_stats_update_begin(&s->syncp);
	if (sent) {
		s->tx_packets++;
		s->tx_bytes += len;
	} else {
		s->tx_dropped++;
	}
	u64_stats_update_end(&s->syncp);
}

/* The L3 length of 'skb': what the MTU limits. */
static unsigned int packet_l3_len(const struct sk_buff *skb)
{
	unsigned int len = skb->len - ETH_HLEN;

	if (skb->len >= VLAN_ETH_HLEN && skb_headlen(skb) >= ETH_HLEN &&
	    eth_type_vlan(((const struct ethhdr *)skb->data)->h_proto))
		len -= VLAN_HLEN;
	return len;
}

/**
 * nfvs_vport_send - sends a packet out of @vport.
 * @vport: the port.
 * @skb: the packet, data at the Ethernet header; consumed.
 *
 * Called with rcu_read_lock and bottom halves disabled.
 */
void nfvs_vport_send(struct vport *vport, struct sk_buff *skb)
{
	struct net_device *dev = vport->dev;
	unsigned int len = skb->len;

	if (unlikely(READ_ONCE(vport->detached) || !(dev->flags & IFF_UP) ||
		     skb->len < ETH_HLEN))
		goto drop;
	if (vport->type == NFVS_VPORT_TYPE_INTERNAL) {
		vport_count_tx(vport, len, true);
		nfvs_internal_deliver(vport, skb);
		return;
	}
	if (unlikely(!skb_is_gso(skb) && packet_l3_len(skb) > dev->mtu)) {
		net_dbg_ratelimited("%s: dropped a packet over the MTU\n",
				    dev->name);
		goto drop;
	}
	skb->dev = dev;
	skb_clear_tstamp(skb);
	vport_count_tx(vport, len, true);
	dev_queue_xmit(skb);
	return;

drop:
	vport_count_tx(vport, len, false);
	kfree_skb(skb);
}

/**
 * nfvs_vport_get_stats - sums @vport's counters.
 * @vport: the port.
 * @stats: filled with the sums.
 */
void nfvs_vport_get_stats(const struct vport *vport,
			  struct nfvs_vport_stats *stats)
{
	int cpu;

	memset(stats, 0, sizeof(*stats));
	for_each_possible_cpu(cpu) {
		const struct nfvs_vport_pcpu *s;
		struct nfvs_vport_pcpu snap;
		unsigned int start;

		s = per_cpu_ptr(vport->stats, cpu);
		do {
			start = u64_stats_fetch_begin(&s->syncp);
			snap = *s;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		stats->rx_packets += snap.rx_packets;
		stats->rx_bytes += snap.rx_bytes;
		stats->tx_packets += snap.tx_packets;
		stats->tx_bytes += snap.tx_bytes;
		stats->rx_dropped += snap.rx_dropped;
		stats->tx_dropped += snap.tx_dropped;
	}
}

/**
 * nfvs_vport_from_dev_rcu - the vport of a device, if it is one.
 * @dev: the device.
 *
 * Called with rcu_read_lock.
 *
 * Return: the vport or NULL.
 */
struct vport *nfvs_vport_from_dev_rcu(const struct net_device *dev)
{
	struct vport *vport = nfvs_internal_vport_rcu(dev);

	return vport ? vport : nfvs_netdev_vport_rcu(dev);
}

/* A device is going away: detach it now, under RTNL, and let the work
 * item delete the vport and notify userspace under nfvs_mutex.
 */
static int vport_netdev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nfvs_net *nn;
	struct vport *vport;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;

	vport = nfvs_internal_vport_rtnl(dev);
	if (!vport)
		vport = nfvs_netdev_vport_rtnl(dev);
	if (!vport || vport->detached)
		return NOTIFY_DONE;

	WRITE_ONCE(vport->detached, true);
	if (vport->type == NFVS_VPORT_TYPE_INTERNAL)
		nfvs_internal_unlink(dev);
	else
		nfvs_netdev_detach(vport);
	nn = net_generic(vport->dp->net, nfvs_net_id);
	queue_work(system_wq, &nn->notify_work);
	return NOTIFY_DONE;
}

static struct notifier_block vport_notifier = {
	.notifier_call = vport_netdev_event,
};

int nfvs_vport_init(void)
{
	return register_netdevice_notifier(&vport_notifier);
}

void nfvs_vport_exit(void)
{
	unregister_netdevice_notifier(&vport_notifier);
}
