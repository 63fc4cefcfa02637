// SPDX-License-Identifier: GPL-2.0
/*
 * Ports that attach an existing Ethernet device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "datapath.h"
#include "vport.h"

/* Takes every packet the device receives into the datapath.  Called with
 * rcu_read_lock and bottom halves disabled.
 */
static rx_handler_result_t netdev_frame_hook(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct vport *vport;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;

	vport = rcu_dereference(skb->dev->rx_handler_data);
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb))
		return RX_HANDLER_CONSUMED;
	if (unlikely(skb_warn_if_lro(skb))) {
		kfree_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	/* The datapath sees the frame from its Ethernet header. */
	skb_push_rcsum(skb, skb->data - skb_mac_header(skb));
	nfvs_vport_receive(vport, skb);
	return RX_HANDLER_CONSUMED;
}

/**
 * nfvs_netdev_attach - attaches the device @name to @vport.
 * @vport: the new port.
 * @net: the datapath's netns, where @name is looked up.
 * @name: the device.
 * @extack: for error messages.
 *
 * Called with RTNL.
 *
 * Return: 0 or a negative errno (-ENODEV: no such device; -EINVAL: not
 * an Ethernet device or one of our internal devices; -EBUSY: the device
 * already has an rx handler, e.g. is in a bridge or another datapath).
 */
int nfvs_netdev_attach(struct vport *vport, struct net *net,
		       const char *name, struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
	dev = __dev_get_by_name(net, name);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such device");
		return -ENODEV;
	}
	if (dev->flags & IFF_LOOPBACK || dev->type != ARPHRD_ETHER ||
	    dev->addr_len != ETH_ALEN || nfvs_internal_vport_rtnl(dev)) {
		NL_SET_ERR_MSG(extack,
			       "device is not an Ethernet device the datapath can attach");
		return -EINVAL;
	}
	err = netdev_rx_handler_register(dev, netdev_frame_hook, vport);
	if (err) {
		NL_SET_ERR_MSG(extack,
			       "device already has an rx handler (bridge, bond or datapath)");
		return err;
	}
	err = dev_set_promiscuity(dev, 1);
	if (err) {
		netdev_rx_handler_unregister(dev);
		return err;
	}
	dev_disable_lro(dev);
	netdev_hold(dev, &vport->dev_tracker, GFP_KERNEL);
	vport->dev = dev;
	return 0;
}

/**
 * nfvs_netdev_detach - stops the device feeding @vport.
 * @vport: the port; keeps its reference on the device.
 *
 * Called with RTNL.  Waits for rx handlers that already saw @vport.
 */
void nfvs_netdev_detach(struct vport *vport)
{
	ASSERT_RTNL();
	netdev_rx_handler_unregister(vport->dev);
	dev_set_promiscuity(vport->dev, -1);
}

/**
 * nfvs_netdev_vport_rtnl - the netdev vport of @dev, if any.
 * @dev: the device.
 *
 * Called with RTNL.
 *
 * Return: the vport or NULL.
 */
struct vport *nfvs_netdev_vport_rtnl(const struct net_device *dev)
{
	if (rtnl_dereference(dev->rx_handler) != netdev_frame_hook)
		return NULL;
	return rtnl_dereference(dev->rx_handler_data);
}

/**
 * nfvs_netdev_vport_rcu - the netdev vport of @dev, if any.
 * @dev: the device.
 *
 * Called with rcu_read_lock.
 *
 * Return: the vport or NULL.
 */
struct vport *nfvs_netdev_vport_rcu(const struct net_device *dev)
{
	if (rcu_access_pointer(dev->rx_handler) != netdev_frame_hook)
		return NULL;
	return rcu_dereference(dev->rx_handler_data);
}
