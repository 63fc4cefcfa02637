/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Datapath ports.
 *
 * A vport joins a net_device to a datapath.  A "netdev" vport attaches an
 * existing device with an rx handler; an "internal" vport is a device the
 * module creates, whose transmissions enter the datapath and to which
 * output delivers packets to the host stack.  Port 0 of each datapath is
 * an internal port named after it.
 *
 * Vports are created and deleted under nfvs_mutex (which takes RTNL
 * inside), looked up by the packet path under RCU, and freed after an RCU
 * grace period.  When a device goes away underneath (NETDEV_UNREGISTER),
 * the notifier detaches it at once under RTNL and marks the vport
 * detached; a work item then deletes the vport and tells userspace.
 */
#ifndef NFVS_VPORT_H
#define NFVS_VPORT_H

#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>

#include "nfvs_abi.h"

struct datapath;

/**
 * struct nfvs_vport_pcpu - one CPU's port counters.
 * @syncp: consistent 64-bit reads on 32-bit hosts.
 * @rx_packets: packets received by the datapath from the port.
 * @rx_bytes: their bytes.
 * @tx_packets: packets the datapath sent to the port.
 * @tx_bytes: their bytes.
 * @rx_dropped: packets received but dropped before a lookup.
 * @tx_dropped: packets not sent (too long, device gone).
 */
struct nfvs_vport_pcpu {
	struct u64_stats_sync syncp;
	u64 rx_packets;
	u64 rx_bytes;
	u64 tx_packets;
	u64 tx_bytes;
	u64 rx_dropped;
	u64 tx_dropped;
};

/**
 * struct vport - a datapath port.
 * @dev: its device, referenced until the vport is freed.
 * @dev_tracker: tracks the reference on @dev.
 * @dp: its datapath.
 * @port_no: its number in @dp.
 * @type: enum nfvs_vport_type.
 * @node: in @dp's port hash.
 * @detached: the device no longer feeds or takes packets.
 * @stats: per-CPU counters.
 * @rcu: frees it after readers are done.
 */
struct vport {
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct datapath *dp;
	u32 port_no;
	u32 type;
	struct hlist_node node;
	bool detached;
	struct nfvs_vport_pcpu __percpu *stats;
	struct rcu_head rcu;
};

struct vport *nfvs_vport_add(struct datapath *dp, const char *name, u32 type,
			     u32 port_no, struct netlink_ext_ack *extack);
void nfvs_vport_del(struct vport *vport);
void nfvs_vport_receive(struct vport *vport, struct sk_buff *skb);
void nfvs_vport_send(struct vport *vport, struct sk_buff *skb);
void nfvs_vport_get_stats(const struct vport *vport,
			  struct nfvs_vport_stats *stats);
struct vport *nfvs_vport_from_dev_rcu(const struct net_device *dev);

int nfvs_vport_init(void);
void nfvs_vport_exit(void);

/* vport-netdev.c */
int nfvs_netdev_attach(struct vport *vport, struct net *net,
		       const char *name, struct netlink_ext_ack *extack);
void nfvs_netdev_detach(struct vport *vport);
struct vport *nfvs_netdev_vport_rtnl(const struct net_device *dev);
struct vport *nfvs_netdev_vport_rcu(const struct net_device *dev);

/* vport-internal.c */
int nfvs_internal_create(struct vport *vport, struct net *net,
			 const char *name);
void nfvs_internal_destroy(struct vport *vport);
void nfvs_internal_deliver(struct vport *vport, struct sk_buff *skb);
struct vport *nfvs_internal_vport_rcu(const struct net_device *dev);
struct vport *nfvs_internal_vport_rtnl(const struct net_device *dev);
void nfvs_internal_unlink(struct net_device *dev);

#endif /* NFVS_VPORT_H */
