/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Datapaths, their ports and the packet path.
 *
 * DOC: Locking
 *
 * nfvs_mutex serializes every change: datapaths, vports, flows, upcall
 * port ids and options.  It nests outside RTNL (vport code takes RTNL
 * while holding it), so the netdevice notifier, which runs under RTNL,
 * never takes it: it detaches a vanishing device at once and leaves the
 * rest to a work item that does take nfvs_mutex.
 *
 * The packet path (rx handlers, the internal ports' xmit, PACKET_EXECUTE)
 * runs under rcu_read_lock with bottom halves disabled and never sleeps.
 * Vports, flows, action lists and upcall port sets are freed after an
 * RCU grace period; a datapath is freed after synchronize_rcu() once its
 * vports are gone.
 */
#ifndef NFVS_DATAPATH_H
#define NFVS_DATAPATH_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "nfvs_abi.h"
#include "flow.h"
#include "flow_table.h"

struct vport;

#define NFVS_PORT_HASH_BITS	8
#define NFVS_MAX_PORTS		65536	/* Port numbers are below this. */
#define NFVS_MAX_UPCALL_PIDS	1024
#define NFVS_DEDUPE_SLOTS	256	/* Must be a power of 2. */
#define NFVS_DEFAULT_FLOW_LIMIT	200000
#define NFVS_DEFAULT_DEDUPE_MS	100
#define NFVS_MAX_DEDUPE_MS	10000
#define NFVS_MAX_ACTIONS_SIZE	4096
#define NFVS_MAX_USERDATA_SIZE	256

extern struct mutex nfvs_mutex;

#define ASSERT_NFVS_LOCKED() lockdep_assert_held(&nfvs_mutex)

/* Objects alive, for the leak check at module unload. */
extern atomic_t nfvs_n_datapaths;
extern atomic_t nfvs_n_vports;
extern atomic_t nfvs_n_flows;
extern atomic_t nfvs_n_actions;

/**
 * struct nfvs_dp_pcpu - one CPU's datapath counters.
 * @syncp: consistent 64-bit reads on 32-bit hosts.
 * @n_hit: packets that matched a flow.
 * @n_missed: upcalls sent for misses.
 * @n_lost_queue: upcalls lost to a full socket.
 * @n_lost_nomem: upcalls lost to a failed allocation.
 * @n_lost_nopid: upcalls lost for want of a handler port id.
 * @n_lost_dup: misses suppressed because the key's upcall is recent.
 */
struct nfvs_dp_pcpu {
	struct u64_stats_sync syncp;
	u64 n_hit;
	u64 n_missed;
	u64 n_lost_queue;
	u64 n_lost_nomem;
	u64 n_lost_nopid;
	u64 n_lost_dup;
};

/**
 * struct nfvs_upcall_pids - the netlink port ids upcalls go to.
 * @rcu: frees it after readers are done.
 * @n: number of ids.
 * @pids: the ids.
 */
struct nfvs_upcall_pids {
	struct rcu_head rcu;
	u32 n;
	u32 pids[];
};

/**
 * struct nfvs_dedupe_slot - one recently sent miss upcall.
 * @hash: the key's hash.
 * @stamp: jiffies when it was sent.
 */
struct nfvs_dedupe_slot {
	u32 hash;
	unsigned long stamp;
};

/**
 * struct datapath - a datapath.
 * @node: in the netns's list of datapaths.
 * @net: the netns it lives in.
 * @local: port 0, the internal port named after the datapath.
 * @ports: vports by number, hashed.
 * @n_ports: vports in @ports.
 * @table: the flows.
 * @pids: upcall port ids; may be NULL.
 * @stats: per-CPU counters.
 * @hash_seed: seed of the flow hash upcalls carry.
 * @dedupe_ms: how long a miss upcall suppresses others of its key hash.
 * @dedupe: recently sent miss upcalls, by key hash.
 * @ifindex: ifindex of @local's device, which names the datapath.
 * @meters: meters by id (see meter.h).
 * @n_meters: meters in @meters.
 */
struct datapath {
	struct list_head node;
	struct net *net;
	struct vport *local;
	struct hlist_head ports[1 << NFVS_PORT_HASH_BITS];
	u32 n_ports;
	struct nfvs_flow_table table;
	struct nfvs_upcall_pids __rcu *pids;
	struct nfvs_dp_pcpu __percpu *stats;
	u32 hash_seed;
	u32 dedupe_ms;
	struct nfvs_dedupe_slot dedupe[NFVS_DEDUPE_SLOTS];
	int ifindex;
	struct xarray meters;
	u32 n_meters;
};

/**
 * struct nfvs_net - per-netns state.
 * @dps: datapaths in this netns.
 * @notify_work: removes vports whose devices went away.
 */
struct nfvs_net {
	struct list_head dps;
	struct work_struct notify_work;
};

extern unsigned int nfvs_net_id;

/* Upcall kinds of nfvs_dp_upcall(). */
struct nfvs_upcall {
	u8 cmd;				/* NFVS_PACKET_CMD_MISS or _ACTION. */
	u32 pid;			/* 0: choose by hash. */
	const struct nlattr *userdata;	/* Of the userspace action. */
};

struct datapath *nfvs_dp_create(struct net *net, const char *name,
				struct netlink_ext_ack *extack);
void nfvs_dp_destroy(struct datapath *dp);
struct datapath *nfvs_dp_lookup(struct net *net, int ifindex);
struct vport *nfvs_dp_port(const struct datapath *dp, u32 port_no);
const char *nfvs_dp_name(const struct datapath *dp);
void nfvs_dp_get_stats(const struct datapath *dp, struct nfvs_dp_stats *stats);
void nfvs_dp_process_packet(struct vport *vport, struct sk_buff *skb);
int nfvs_dp_upcall(struct datapath *dp, struct sk_buff *skb,
		   const struct nfvs_key *key, const struct nfvs_upcall *up);

/* actions.c */
int nfvs_execute_actions(struct datapath *dp, struct sk_buff *skb,
			 const struct nfvs_key *key, const u8 *acts, u32 len);

#endif /* NFVS_DATAPATH_H */
