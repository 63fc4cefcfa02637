// SPDX-License-Identifier: GPL-2.0
/*
 * Meters and the nfvs_meter generic netlink family (see meter.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "datapath.h"
#include "meter.h"

#define UNITS_PER_BURST 1000000000ULL	/* Per kbit or per packet. */
#define UNITS_PER_BYTE 8000000ULL	/* kbps: 8 bits of 10^6 units. */

/**
 * struct nfvs_meter_pcpu - one CPU's counters of a meter.
 * @syncp: consistent 64-bit reads on 32-bit hosts.
 * @n_packets: packets that reached the meter.
 * @n_bytes: their bytes.
 * @n_band_packets: packets dropped.
 * @n_band_bytes: their bytes.
 */
struct nfvs_meter_pcpu {
	struct u64_stats_sync syncp;
	u64 n_packets;
	u64 n_bytes;
	u64 n_band_packets;
	u64 n_band_bytes;
};

/**
 * struct nfvs_meter - a meter.
 * @rcu: frees it after readers are done.
 * @lock: protects the bucket and configuration below.
 * @kbps: rate in kbit/s rather than packets/s.
 * @rate: configured rate, also the refill in units per nanosecond.
 * @burst: configured burst, kbit or packets.
 * @capacity: most units the bucket holds.
 * @tokens: units in the bucket.
 * @last_ns: time of the last refill.
 * @stats: per-CPU counters.
 */
struct nfvs_meter {
	struct rcu_head rcu;
	spinlock_t lock;	/* the bucket */
	bool kbps;
	u32 rate;
	u32 burst;
	u64 capacity;
	u64 tokens;
	u64 last_ns;
	struct nfvs_meter_pcpu __percpu *stats;
};

void nfvs_meters_init(struct datapath *dp)
{
	xa_init(&dp->meters);
	dp->n_meters = 0;
}

static void meter_free(struct nfvs_meter *m)
{
	free_percpu(m->stats);
	kfree(m);
}

static void meter_free_rcu(struct rcu_head *rcu)
{
	meter_free(container_of(rcu, struct nfvs_meter, rcu));
}

/**
 * nfvs_meters_destroy - frees every meter of a datapath.
 * @dp: the datapath, which no packet can reach any more.
 */
void nfvs_meters_destroy(struct datapath *dp)
{
	struct nfvs_meter *m;
	unsigned long id;

	xa_for_each(&dp->meters, id, m)
		meter_free(m);
	xa_destroy(&dp->meters);
}

static void meter_configure(struct nfvs_meter *m, bool kbps, u32 rate,
			    u32 burst)
{
	m->kbps = kbps;
	m->rate = rate;
	m->burst = burst;
	m->capacity = burst * UNITS_PER_BURST;
	m->tokens = m->capacity;
	m->last_ns = ktime_get_ns();
}

/* Refills the bucket for the time since the last packet and takes @cost
 * units if it holds them.  Called with @m->lock.
 */
static bool meter_take(struct nfvs_meter *m, u64 cost, u64 now)
{
	if (now > m->last_ns) {
		u64 elapsed = now - m->last_ns;
		u64 room = m->capacity - m->tokens;

		/* rate * elapsed could overflow: compare by division. */
		if (elapsed >= div64_u64(room, m->rate) + 1)
			m->tokens = m->capacity;
		else
			m->tokens = min(m->tokens + elapsed * m->rate,
					m->capacity);
		m->last_ns = now;
	}
	if (m->tokens < cost)
		return false;
	m->tokens -= cost;
	return true;
}

/**
 * nfvs_meter_pass - runs a packet through a meter.
 * @dp: the datapath.
 * @id: the meter's id.
 * @len: the packet's length in bytes.
 *
 * Called with rcu_read_lock and bottom halves disabled.
 *
 * Return: true if the packet may go on; false if the meter's band drops
 * it or there is no such meter.
 */
bool nfvs_meter_pass(struct datapath *dp, u32 id, u32 len)
{
	struct nfvs_meter_pcpu *s;
	struct nfvs_meter *m;
	bool pass;

	m = xa_load(&dp->meters, id);
	if (!m)
		return false;
	spin_lock(&m->lock);
	pass = meter_take(m, m->kbps ? len * UNITS_PER_BYTE : UNITS_PER_BURST,
			  ktime_get_ns());
	spin_unlock(&m->lock);

	s = this_cpu_ptr(m->stats);
	u64_stats_update_begin(&s->syncp);
	s->n_packets++;
	s->n_bytes += len;
	if (!pass) {
		s->n_band_packets++;
		s->n_band_bytes += len;
	}
	u64_stats_update_end(&s->syncp);
	return pass;
}

static void meter_get_stats(const struct nfvs_meter *m,
			    struct nfvs_meter_stats *stats)
{
	int cpu;

	memset(stats, 0, sizeof(*stats));
	for_each_possible_cpu(cpu) {
		const struct nfvs_meter_pcpu *s = per_cpu_ptr(m->stats, cpu);
		u64 p, b, bp, bb;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			p = s->n_packets;
			b = s->n_bytes;
			bp = s->n_band_packets;
			bb = s->n_band_bytes;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		stats->n_packets += p;
		stats->n_bytes += b;
		stats->n_band_packets += bp;
		stats->n_band_bytes += bb;
	}
}

/* Generic netlink. */

static const struct nla_policy meter_policy[NFVS_METER_ATTR_MAX + 1] = {
	[NFVS_METER_ATTR_ID] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
	[NFVS_METER_ATTR_KBPS] = { .type = NLA_FLAG },
	[NFVS_METER_ATTR_RATE] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
	[NFVS_METER_ATTR_BURST] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
	[NFVS_METER_ATTR_STATS] = { .type = NLA_REJECT },
	[NFVS_METER_ATTR_PAD] = { .type = NLA_REJECT },
};

static size_t meter_msg_size(void)
{
	return NLMSG_ALIGN(sizeof(struct nfvs_header)) +
		nla_total_size(sizeof(u32)) +	/* ID */
		nla_total_size(0) +		/* KBPS */
		nla_total_size(sizeof(u32)) +	/* RATE */
		nla_total_size(sizeof(u32)) +	/* BURST */
		nla_total_size_64bit(sizeof(struct nfvs_meter_stats));
}

static int meter_fill(const struct datapath *dp, u32 id,
		      struct nfvs_meter *m, struct sk_buff *skb, u32 portid,
		      u32 seq, u16 flags, u8 cmd)
{
	struct nfvs_meter_stats stats;
	struct nfvs_header *hdr;
	bool kbps;
	u32 rate, burst;

	hdr = genlmsg_put(skb, portid, seq, &nfvs_meter_genl_family, flags,
			  cmd);
	if (!hdr)
		return -EMSGSIZE;
	hdr->dp_ifindex = dp->ifindex;
	spin_lock_bh(&m->lock);
	kbps = m->kbps;
	rate = m->rate;
	burst = m->burst;
	spin_unlock_bh(&m->lock);
	meter_get_stats(m, &stats);
	if (nla_put_u32(skb, NFVS_METER_ATTR_ID, id) ||
	    (kbps && nla_put_flag(skb, NFVS_METER_ATTR_KBPS)) ||
	    nla_put_u32(skb, NFVS_METER_ATTR_RATE, rate) ||
	    nla_put_u32(skb, NFVS_METER_ATTR_BURST, burst) ||
	    nla_put_64bit(skb, NFVS_METER_ATTR_STATS, sizeof(stats), &stats,
			  NFVS_METER_ATTR_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int meter_reply(const struct datapath *dp, u32 id,
		       struct nfvs_meter *m, struct genl_info *info, u8 cmd)
{
	struct sk_buff *reply;
	int err;

	reply = genlmsg_new(meter_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	err = meter_fill(dp, id, m, reply, info->snd_portid, info->snd_seq,
			 0, cmd);
	if (err) {
		kfree_skb(reply);
		return err;
	}
	return genlmsg_reply(reply, info);
}

/* The datapath and meter id a request names; NULL with an extack message
 * if either is missing or bad.
 */
static struct datapath *meter_req(struct genl_info *info, u32 *idp)
{
	const struct nfvs_header *hdr = info->userhdr;
	struct nlattr *a = info->attrs[NFVS_METER_ATTR_ID];
	struct datapath *dp;

	if (!a) {
		NL_SET_ERR_MSG(info->extack, "meter id missing");
		return ERR_PTR(-EINVAL);
	}
	*idp = nla_get_u32(a);
	if (!*idp || *idp > NFVS_METER_ID_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, a, "meter id out of range");
		return ERR_PTR(-EINVAL);
	}
	dp = nfvs_dp_lookup(genl_info_net(info), hdr->dp_ifindex);
	if (!dp) {
		NL_SET_ERR_MSG(info->extack, "no datapath with that ifindex");
		return ERR_PTR(-ENODEV);
	}
	return dp;
}

/* Reads the nonzero u32 attribute @a, which NEW requires, into @valuep. */
static int meter_get_u32(struct genl_info *info, struct nlattr *a,
			 u32 *valuep)
{
	if (!a) {
		NL_SET_ERR_MSG(info->extack, "meter rate or burst missing");
		return -EINVAL;
	}
	*valuep = nla_get_u32(a);
	if (!*valuep) {
		NL_SET_ERR_MSG_ATTR(info->extack, a, "must be nonzero");
		return -EINVAL;
	}
	return 0;
}

static int meter_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	bool kbps = nla_get_flag(info->attrs[NFVS_METER_ATTR_KBPS]);
	bool replace = info->nlhdr->nlmsg_flags & NLM_F_REPLACE;
	struct nfvs_meter *m;
	struct datapath *dp;
	u32 id, rate, burst;
	int err;

	err = meter_get_u32(info, info->attrs[NFVS_METER_ATTR_RATE], &rate);
	if (!err)
		err = meter_get_u32(info, info->attrs[NFVS_METER_ATTR_BURST],
				    &burst);
	if (err)
		return err;

	mutex_lock(&nfvs_mutex);
	dp = meter_req(info, &id);
	if (IS_ERR(dp)) {
		err = PTR_ERR(dp);
		goto out;
	}
	m = xa_load(&dp->meters, id);
	if (m) {
		if (!replace) {
			NL_SET_ERR_MSG(info->extack, "meter exists");
			err = -EEXIST;
			goto out;
		}
		spin_lock_bh(&m->lock);
		meter_configure(m, kbps, rate, burst);
		spin_unlock_bh(&m->lock);
	} else {
		if (dp->n_meters >= NFVS_MAX_METERS) {
			NL_SET_ERR_MSG(info->extack, "too many meters");
			err = -ENOSPC;
			goto out;
		}
		m = kzalloc(sizeof(*m), GFP_KERNEL);
		if (!m) {
			err = -ENOMEM;
			goto out;
		}
		m->stats = netdev_alloc_pcpu_stats(struct nfvs_meter_pcpu);
		if (!m->stats) {
			kfree(m);
			err = -ENOMEM;
			goto out;
		}
		spin_lock_init(&m->lock);
		meter_configure(m, kbps, rate, burst);
		err = xa_err(xa_store(&dp->meters, id, m, GFP_KERNEL));
		if (err) {
			meter_free(m);
			goto out;
		}
		dp->n_meters++;
	}
	if (info->nlhdr->nlmsg_flags & NLM_F_ECHO)
		err = meter_reply(dp, id, m, info, NFVS_METER_CMD_NEW);
out:
	mutex_unlock(&nfvs_mutex);
	return err;
}

static int meter_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nfvs_meter *m;
	struct datapath *dp;
	int err = 0;
	u32 id;

	mutex_lock(&nfvs_mutex);
	dp = meter_req(info, &id);
	if (IS_ERR(dp)) {
		err = PTR_ERR(dp);
		goto out;
	}
	m = xa_erase(&dp->meters, id);
	if (!m) {
		NL_SET_ERR_MSG(info->extack, "no such meter");
		err = -ENOENT;
		goto out;
	}
	dp->n_meters--;
	if (info->nlhdr->nlmsg_flags & NLM_F_ECHO)
		err = meter_reply(dp, id, m, info, NFVS_METER_CMD_DEL);
	call_rcu(&m->rcu, meter_free_rcu);
out:
	mutex_unlock(&nfvs_mutex);
	return err;
}

static int meter_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nfvs_meter *m;
	struct datapath *dp;
	int err;
	u32 id;

	mutex_lock(&nfvs_mutex);
	dp = meter_req(info, &id);
	if (IS_ERR(dp)) {
		err = PTR_ERR(dp);
		goto out;
	}
	m = xa_load(&dp->meters, id);
	if (!m) {
		NL_SET_ERR_MSG(info->extack, "no such meter");
		err = -ENOENT;
		goto out;
	}
	err = meter_reply(dp, id, m, info, NFVS_METER_CMD_GET);
out:
	mutex_unlock(&nfvs_mutex);
	return err;
}

static int meter_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct nfvs_header *hdr = genlmsg_data(nlmsg_data(cb->nlh));
	unsigned long id = cb->args[0];
	struct nfvs_meter *m;
	struct datapath *dp;

	mutex_lock(&nfvs_mutex);
	dp = nfvs_dp_lookup(sock_net(skb->sk), hdr->dp_ifindex);
	if (!dp) {
		mutex_unlock(&nfvs_mutex);
		return -ENODEV;
	}
	xa_for_each_start(&dp->meters, id, m, cb->args[0]) {
		if (meter_fill(dp, id, m, skb, NETLINK_CB(cb->skb).portid,
			       cb->nlh->nlmsg_seq, NLM_F_MULTI,
			       NFVS_METER_CMD_GET))
			break;
	}
	mutex_unlock(&nfvs_mutex);
	cb->args[0] = m ? id : ULONG_MAX;
	return skb->len;
}

static const struct genl_small_ops meter_ops[] = {
	{ .cmd = NFVS_METER_CMD_NEW, .flags = GENL_ADMIN_PERM,
	  .doit = meter_cmd_new },
	{ .cmd = NFVS_METER_CMD_DEL, .flags = GENL_ADMIN_PERM,
	  .doit = meter_cmd_del },
	{ .cmd = NFVS_METER_CMD_GET, .flags = GENL_ADMIN_PERM,
	  .doit = meter_cmd_get, .dumpit = meter_cmd_dump },
};

struct genl_family nfvs_meter_genl_family __ro_after_init = {
	.hdrsize = sizeof(struct nfvs_header),
	.name = NFVS_METER_FAMILY,
	/* The ABI uses NLM_F_REPLACE in requests. */
	.resv_start_op = NFVS_METER_CMD_GET + 1,
	.version = NFVS_GENL_VERSION,
	.maxattr = NFVS_METER_ATTR_MAX,
	.policy = meter_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = meter_ops,
	.n_small_ops = ARRAY_SIZE(meter_ops),
	.module = THIS_MODULE,
};
