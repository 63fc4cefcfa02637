// SPDX-License-Identifier: GPL-2.0
/*
 * Ports whose device the datapath creates.
 *
 * What the host stack transmits on an internal device enters the datapath
 * as if received on the port; what the datapath outputs to the port is
 * received by the host stack on the device.  The device has no
 * rtnl_link_ops, so it cannot be deleted with "ip link del", and it stays
 * in its netns: it goes away with its vport.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/dst.h>
#include <net/netfilter/nf_conntrack.h>

#include "datapath.h"
#include "vport.h"

/**
 * struct internal_dev - private part of an internal device.
 * @vport: the port, or NULL once it is being deleted.
 */
struct internal_dev {
	struct vport __rcu *vport;
};

static struct internal_dev *internal_dev_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

/* The host sent a packet: it enters the datapath.  Called with
 * rcu_read_lock_bh.
 */
static netdev_tx_t internal_dev_xmit(struct sk_buff *skb,
				     struct net_device *dev)
{
	struct vport *vport = rcu_dereference(internal_dev_priv(dev)->vport);
	unsigned int len = skb->len;

	if (unlikely(!vport || len < ETH_HLEN)) {
		dev->stats.tx_dropped++;
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	skb_reset_mac_header(skb);
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	dev_sw_netstats_tx_add(dev, 1, len);
	nfvs_vport_receive(vport, skb);
	return NETDEV_TX_OK;
}

static int internal_dev_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static void internal_dev_destructor(struct net_device *dev)
{
	free_percpu(dev->tstats);
}

static const struct net_device_ops internal_dev_ops = {
	.ndo_init = internal_dev_init,
	.ndo_start_xmit = internal_dev_xmit,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_get_stats64 = dev_get_tstats64,
};

static void internal_dev_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &internal_dev_ops;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	dev->needs_free_netdev = true;
	dev->priv_destructor = internal_dev_destructor;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	dev->features = NETIF_F_LLTX | NETIF_F_SG | NETIF_F_FRAGLIST |
			NETIF_F_HIGHDMA | NETIF_F_HW_CSUM |
			NETIF_F_GSO_SOFTWARE | NETIF_F_NETNS_LOCAL;
	dev->hw_features = dev->features & ~NETIF_F_NETNS_LOCAL;
	dev->vlan_features = dev->features & ~NETIF_F_NETNS_LOCAL;
	eth_hw_addr_random(dev);
}

/**
 * nfvs_internal_create - creates and registers @vport's device.
 * @vport: the new port.
 * @net: the netns of the device.
 * @name: the device name.
 *
 * Called with RTNL.
 *
 * Return: 0 or a negative errno (-EEXIST if the name is taken).
 */
int nfvs_internal_create(struct vport *vport, struct net *net,
			 const char *name)
{
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
	dev = alloc_netdev(sizeof(struct internal_dev), name, NET_NAME_USER,
			   internal_dev_setup);
	if (!dev)
		return -ENOMEM;
	dev_net_set(dev, net);
	RCU_INIT_POINTER(internal_dev_priv(dev)->vport, vport);
	err = register_netdevice(dev);
	if (err) {
		free_netdev(dev);
		return err;
	}
	netdev_hold(dev, &vport->dev_tracker, GFP_KERNEL);
	vport->dev = dev;
	return 0;
}

/**
 * nfvs_internal_unlink - stops the device of an internal port feeding it.
 * @dev: the device.
 *
 * Called with RTNL.
 */
void nfvs_internal_unlink(struct net_device *dev)
{
	RCU_INIT_POINTER(internal_dev_priv(dev)->vport, NULL);
}

/**
 * nfvs_internal_destroy - unregisters @vport's device.
 * @vport: the port, which keeps its reference on the device.
 *
 * Called with RTNL.
 */
void nfvs_internal_destroy(struct vport *vport)
{
	ASSERT_RTNL();
	nfvs_internal_unlink(vport->dev);
	unregister_netdevice(vport->dev);
}

/**
 * nfvs_internal_deliver - the host stack receives @skb on @vport's device.
 * @vport: an internal port.
 * @skb: the packet, data at the Ethernet header; consumed.
 *
 * Called with rcu_read_lock and bottom halves disabled.
 */
void nfvs_internal_deliver(struct vport *vport, struct sk_buff *skb)
{
	struct net_device *dev = vport->dev;

	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb->dev = dev;
	skb->protocol = eth_type_trans(skb, dev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	dev_sw_netstats_rx_add(dev, skb->len);
	netif_rx(skb);
}

/**
 * nfvs_internal_vport_rcu - the vport of an internal device.
 * @dev: any device.
 *
 * Called with rcu_read_lock.
 *
 * Return: the vport, or NULL if @dev is not one of ours or is going.
 */
struct vport *nfvs_internal_vport_rcu(const struct net_device *dev)
{
	if (dev->netdev_ops != &internal_dev_ops)
		return NULL;
	return rcu_dereference(internal_dev_priv(dev)->vport);
}

/**
 * nfvs_internal_vport_rtnl - the vport of an internal device.
 * @dev: any device.
 *
 * Called with RTNL.
 *
 * Return: the vport, or NULL if @dev is not one of ours or is going.
 */
struct vport *nfvs_internal_vport_rtnl(const struct net_device *dev)
{
	if (dev->netdev_ops != &internal_dev_ops)
		return NULL;
	return rtnl_dereference(internal_dev_priv(dev)->vport);
}
