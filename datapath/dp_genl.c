// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink families: nfvs_datapath, nfvs_vport, nfvs_flow
 * and nfvs_packet.
 *
 * Every operation needs CAP_NET_ADMIN (GENL_ADMIN_PERM) and is validated
 * strictly against its family's policy by the genetlink core: unknown
 * attributes, wrong sizes, trailing bytes and read-only attributes in a
 * request are refused with -EINVAL (or -ERANGE) and an extack message.
 * Requests run under nfvs_mutex, except PACKET_EXECUTE and flow dumps,
 * which read under RCU.  Replies to NEW, SET and DEL are sent when the
 * request asks with NLM_F_ECHO (GET always replies); flow replies carry
 * the stats from before the change.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "datapath.h"
#include "dp_genl.h"
#include "flow_netlink.h"
#include "meter.h"
#include "vport.h"

static struct genl_family nfvs_dp_genl_family;
static struct genl_family nfvs_vport_genl_family;
static struct genl_family nfvs_flow_genl_family;

static const struct nfvs_header *genl_hdr(const struct genl_info *info)
{
	return info->userhdr;
}

static const struct nfvs_header *dump_hdr(const struct netlink_callback *cb)
{
	return genlmsg_data(nlmsg_data(cb->nlh));
}

/* Finds the datapath a request names by its header's ifindex. */
static struct datapath *lookup_dp_info(struct genl_info *info)
{
	struct datapath *dp;

	dp = nfvs_dp_lookup(genl_info_net(info), genl_hdr(info)->dp_ifindex);
	if (!dp)
		NL_SET_ERR_MSG(info->extack, "no datapath with that ifindex");
	return dp;
}

static bool name_is_valid(const char *name)
{
	return dev_valid_name(name) && !strchr(name, '%');
}

/* Datapaths. */

static const struct nla_policy dp_policy[NFVS_DP_ATTR_MAX + 1] = {
	[NFVS_DP_ATTR_NAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[NFVS_DP_ATTR_UPCALL_PIDS] = {
		.type = NLA_BINARY,
		.len = NFVS_MAX_UPCALL_PIDS * sizeof(u32),
	},
	[NFVS_DP_ATTR_STATS] = { .type = NLA_REJECT },
	[NFVS_DP_ATTR_FLOW_LIMIT] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
	[NFVS_DP_ATTR_PAD] = { .type = NLA_REJECT },
	[NFVS_DP_ATTR_UPCALL_DEDUPE_MS] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
};

static size_t dp_msg_size(const struct datapath *dp)
{
	const struct nfvs_upcall_pids *pids;
	size_t n;

	pids = rcu_dereference_protected(dp->pids,
					 lockdep_is_held(&nfvs_mutex));
	n = pids ? pids->n : 0;
	return NLMSG_ALIGN(sizeof(struct nfvs_header)) +
	       nla_total_size(IFNAMSIZ) +
	       nla_total_size(n * sizeof(u32)) +
	       nla_total_size_64bit(sizeof(struct nfvs_dp_stats)) +
	       nla_total_size(sizeof(u32));
}

/* Fills a datapath message.  The dedupe time is write-only, so that
 * readers that know only the first ABI parse the reply.  Called with
 * nfvs_mutex.
 */
static int dp_fill(const struct datapath *dp, struct sk_buff *skb,
		   u32 portid, u32 seq, u32 flags, u8 cmd)
{
	const struct nfvs_upcall_pids *pids;
	struct nfvs_dp_stats stats;
	struct nfvs_header *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nfvs_dp_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	hdr->dp_ifindex = dp->ifindex;
	nfvs_dp_get_stats(dp, &stats);
	pids = rcu_dereference_protected(dp->pids,
					 lockdep_is_held(&nfvs_mutex));
	if (nla_put_string(skb, NFVS_DP_ATTR_NAME, nfvs_dp_name(dp)) ||
	    (pids && nla_put(skb, NFVS_DP_ATTR_UPCALL_PIDS,
			     pids->n * sizeof(u32), pids->pids)) ||
	    nla_put_64bit(skb, NFVS_DP_ATTR_STATS, sizeof(stats), &stats,
			  NFVS_DP_ATTR_PAD) ||
	    nla_put_u32(skb, NFVS_DP_ATTR_FLOW_LIMIT, dp->table.limit)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dp_reply(const struct datapath *dp, struct genl_info *info, u8 cmd)
{
	struct sk_buff *reply;
	int err;

	reply = genlmsg_new(dp_msg_size(dp), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	err = dp_fill(dp, reply, info->snd_portid, info->snd_seq, 0, cmd);
	if (WARN_ON_ONCE(err)) {
		nlmsg_free(reply);
		return err;
	}
	return genlmsg_reply(reply, info);
}

/* Finds the datapath of a request by ifindex or, when the ifindex is 0,
 * by name.
 */
static struct datapath *dp_lookup_req(struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct nfvs_net *nn;
	struct datapath *dp;

	if (genl_hdr(info)->dp_ifindex || !a[NFVS_DP_ATTR_NAME])
		return lookup_dp_info(info);
	nn = net_generic(genl_info_net(info), nfvs_net_id);
	list_for_each_entry(dp, &nn->dps, node)
		if (!strcmp(nfvs_dp_name(dp), nla_data(a[NFVS_DP_ATTR_NAME])))
			return dp;
	NL_SET_ERR_MSG(info->extack, "no datapath of that name");
	return NULL;
}

/* Applies the settable attributes of a NEW or SET request to 'dp'.
 * Nothing is changed if one is invalid.
 */
static int dp_apply(struct datapath *dp, struct genl_info *info)
{
	struct nlattr *pids_attr = info->attrs[NFVS_DP_ATTR_UPCALL_PIDS];
	struct nlattr *dedupe = info->attrs[NFVS_DP_ATTR_UPCALL_DEDUPE_MS];
	struct nfvs_upcall_pids *pids, *old;

	if (dedupe && nla_get_u32(dedupe) > NFVS_MAX_DEDUPE_MS) {
		NL_SET_ERR_MSG_ATTR(info->extack, dedupe,
				    "dedupe time above 10000 ms");
		return -EINVAL;
	}
	if (pids_attr) {
		int len = nla_len(pids_attr);

		if (len % sizeof(u32)) {
			NL_SET_ERR_MSG_ATTR(info->extack, pids_attr,
					    "upcall pids are not a whole number of u32s");
			return -EINVAL;
		}
		pids = kmalloc(struct_size(pids, pids, len / sizeof(u32)),
			       GFP_KERNEL);
		if (!pids)
			return -ENOMEM;
		pids->n = len / sizeof(u32);
		memcpy(pids->pids, nla_data(pids_attr), len);
		old = rcu_replace_pointer(dp->pids, pids,
					  lockdep_is_held(&nfvs_mutex));
		if (old)
			kfree_rcu(old, rcu);
	}
	if (info->attrs[NFVS_DP_ATTR_FLOW_LIMIT])
		dp->table.limit =
			nla_get_u32(info->attrs[NFVS_DP_ATTR_FLOW_LIMIT]);
	if (dedupe)
		WRITE_ONCE(dp->dedupe_ms, nla_get_u32(dedupe));
	return 0;
}

static int dp_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name = info->attrs[NFVS_DP_ATTR_NAME];
	struct datapath *dp;
	int err;

	if (!name) {
		NL_SET_ERR_MSG(info->extack, "datapath name missing");
		return -EINVAL;
	}
	if (!name_is_valid(nla_data(name))) {
		NL_SET_ERR_MSG_ATTR(info->extack, name, "invalid device name");
		return -EINVAL;
	}

	mutex_lock(&nfvs_mutex);
	dp = nfvs_dp_create(genl_info_net(info), nla_data(name),
			    info->extack);
	if (IS_ERR(dp)) {
		err = PTR_ERR(dp);
		goto out;
	}
	err = dp_apply(dp, info);
	if (err) {
		nfvs_dp_destroy(dp);
		goto out;
	}
	err = dp_reply(dp, info, NFVS_DP_CMD_NEW);
out:
	mutex_unlock(&nfvs_mutex);
	return err;
}

static int dp_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct datapath *dp;
	int err = 0;

	mutex_lock(&nfvs_mutex);
	dp = dp_lookup_req(info);
	if (dp)
		nfvs_dp_destroy(dp);
	else
		err = -ENODEV;
	mutex_unlock(&nfvs_mutex);
	return err;
}

static int dp_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct datapath *dp;
	int err;

	mutex_lock(&nfvs_mutex);
	dp = dp_lookup_req(info);
	err = dp ? dp_reply(dp, info, NFVS_DP_CMD_GET) : -ENODEV;
	mutex_unlock(&nfvs_mutex);
	return err;
}

static int dp_cmd_set(struct sk_buff *skb, struct genl_info *info)
{
	struct datapath *dp;
	int err;

	mutex_lock(&nfvs_mutex);
	dp = dp_lookup_req(info);
	if (!dp) {
		err = -ENODEV;
		goto out;
	}
	err = dp_apply(dp, info);
	if (!err && info->nlhdr->nlmsg_flags & NLM_F_ECHO)
		err = dp_reply(dp, info, NFVS_DP_CMD_SET);
out:
	mutex_unlock(&nfvs_mutex);
	return err;
}

static int dp_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfvs_net *nn = net_generic(sock_net(skb->sk), nfvs_net_id);
	long skip = cb->args[0], i = 0;
	struct datapath *dp;

	mutex_lock(&nfvs_mutex);
	list_for_each_entry(dp, &nn->dps, node) {
		if (i >= skip &&
		    dp_fill(dp, skb, NETLINK_CB(cb->skb).portid,
			    cb->nlh->nlmsg_seq, NLM_F_MULTI, NFVS_DP_CMD_GET))
			break;
		i++;
	}
	mutex_unlock(&nfvs_mutex);
	cb->args[0] = i;
	return skb->len;
}

static const struct genl_small_ops dp_ops[] = {
	{ .cmd = NFVS_DP_CMD_NEW, .flags = GENL_ADMIN_PERM,
	  .doit = dp_cmd_new },
	{ .cmd = NFVS_DP_CMD_DEL, .flags = GENL_ADMIN_PERM,
	  .doit = dp_cmd_del },
	{ .cmd = NFVS_DP_CMD_GET, .flags = GENL_ADMIN_PERM,
	  .doit = dp_cmd_get, .dumpit = dp_cmd_dump },
	{ .cmd = NFVS_DP_CMD_SET, .flags = GENL_ADMIN_PERM,
	  .doit = dp_cmd_set },
};

static struct genl_family nfvs_dp_genl_family __ro_after_init = {
	.hdrsize = sizeof(struct nfvs_header),
	.name = NFVS_DATAPATH_FAMILY,
	/* The ABI uses NLM_F_CREATE, _EXCL and _REPLACE in requests. */
	.resv_start_op = NFVS_DP_CMD_SET + 1,
	.version = NFVS_GENL_VERSION,
	.maxattr = NFVS_DP_ATTR_MAX,
	.policy = dp_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = dp_ops,
	.n_small_ops = ARRAY_SIZE(dp_ops),
	.module = THIS_MODULE,
};

/* Vports. */

static const struct nla_policy vport_policy[NFVS_VPORT_ATTR_MAX + 1] = {
	[NFVS_VPORT_ATTR_PORT_NO] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
	[NFVS_VPORT_ATTR_TYPE] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
	[NFVS_VPORT_ATTR_NAME] = { .type = NLA_NUL_STRING,
				   .len = IFNAMSIZ - 1 },
	[NFVS_VPORT_ATTR_IFINDEX] = { .type = NLA_REJECT },
	[NFVS_VPORT_ATTR_STATS] = { .type = NLA_REJECT },
	[NFVS_VPORT_ATTR_PAD] = { .type = NLA_REJECT },
};

static const struct genl_multicast_group vport_mcgrps[] = {
	{ .name = NFVS_VPORT_MCGROUP, .flags = GENL_UNS_ADMIN_PERM },
};

static size_t vport_msg_size(void)
{
	return NLMSG_ALIGN(sizeof(struct nfvs_header)) +
	       nla_total_size(sizeof(u32)) * 3 + nla_total_size(IFNAMSIZ) +
	       nla_total_size_64bit(sizeof(struct nfvs_vport_stats));
}

static int vport_fill(struct vport *vport, struct sk_buff *skb, u32 portid,
		      u32 seq, u32 flags, u8 cmd)
{
	struct nfvs_vport_stats stats;
	struct nfvs_header *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nfvs_vport_genl_family, flags,
			  cmd);
	if (!hdr)
		return -EMSGSIZE;
	hdr->dp_ifindex = vport->dp->ifindex;
	nfvs_vport_get_stats(vport, &stats);
	if (nla_put_u32(skb, NFVS_VPORT_ATTR_PORT_NO, vport->port_no) ||
	    nla_put_u32(skb, NFVS_VPORT_ATTR_TYPE, vport->type) ||
	    nla_put_string(skb, NFVS_VPORT_ATTR_NAME, vport->dev->name) ||
	    nla_put_u32(skb, NFVS_VPORT_ATTR_IFINDEX, vport->dev->ifindex) ||
	    nla_put_64bit(skb, NFVS_VPORT_ATTR_STATS, sizeof(stats), &stats,
			  NFVS_VPORT_ATTR_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * nfvs_vport_notify_msg - builds a notification about @vport.
 * @vport: the port.
 * @cmd: NFVS_VPORT_CMD_NEW or NFVS_VPORT_CMD_DEL.
 *
 * Called with nfvs_mutex.
 *
 * Return: the message, or NULL if no one listens or memory is short.
 */
struct sk_buff *nfvs_vport_notify_msg(struct vport *vport, u8 cmd)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&nfvs_vport_genl_family, vport->dp->net, 0))
		return NULL;
	msg = genlmsg_new(vport_msg_size(), GFP_KERNEL);
	if (msg && WARN_ON_ONCE(vport_fill(vport, msg, 0, 0, 0, cmd))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/**
 * nfvs_vport_notify - multicasts a message of nfvs_vport_notify_msg().
 * @net: the netns of the datapath.
 * @msg: the message; NULL is a no-op.
 */
void nfvs_vport_notify(struct net *net, struct sk_buff *msg)
{
	if (msg)
		genlmsg_multicast_netns(&nfvs_vport_genl_family, net, msg, 0, 0,
					GFP_KERNEL);
}

static struct vport *vport_by_name(struct datapath *dp, const char *name)
{
	struct vport *vport;
	int i;

	for (i = 0; i < ARRAY_SIZE(dp->ports); i++)
		hlist_for_each_entry(vport, &dp->ports[i], node)
			if (!strcmp(vport->dev->name, name))
				return vport;
	return NULL;
}

/* Finds the vport a request names, by number or by name.  With no
 * datapath in the header, a name is looked up in every datapath of the
 * netns.  Called with nfvs_mutex.
 */
static struct vport *vport_lookup_req(struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct vport *vport = NULL;
	const char *name = NULL;
	struct datapath *dp;

	if (a[NFVS_VPORT_ATTR_NAME])
		name = nla_data(a[NFVS_VPORT_ATTR_NAME]);
	if (name && !genl_hdr(info)->dp_ifindex) {
		struct nfvs_net *nn = net_generic(genl_info_net(info),
						  nfvs_net_id);

		list_for_each_entry(dp, &nn->dps, node) {
			vport = vport_by_name(dp, name);
			if (vport)
				return vport;
		}
		NL_SET_ERR_MSG(info->extack, "no port of that name");
		return NULL;
	}
	dp = lookup_dp_info(info);
	if (!dp)
		return NULL;
	if (name) {
		vport = vport_by_name(dp, name);
	} else if (a[NFVS_VPORT_ATTR_PORT_NO]) {
		vport = nfvs_dp_port(dp,
				     nla_get_u32(a[NFVS_VPORT_ATTR_PORT_NO]));
	} else {
		NL_SET_ERR_MSG(info->extack, "port number or name missing");
		return NULL;
	}
	if (!vport)
		NL_SET_ERR_MSG(info->extack, "no such port");
	return vport;
}

static int vport_reply(struct vport *vport, struct genl_info *info, u8 cmd)
{
	struct sk_buff *reply;
	int err;

	reply = genlmsg_new(vport_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	err = vport_fill(vport, reply, info->snd_portid, info->snd_seq, 0, cmd);
	if (WARN_ON_ONCE(err)) {
		nlmsg_free(reply);
		return err;
	}
	return genlmsg_reply(reply, info);
}

static int vport_cmd_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct datapath *dp;
	struct vport *vport;
	const char *name;
	u32 type, port_no;
	int err;

	if (!a[NFVS_VPORT_ATTR_NAME] || !a[NFVS_VPORT_ATTR_TYPE]) {
		NL_SET_ERR_MSG(info->extack, "port name or type missing");
		return -EINVAL;
	}
	name = nla_data(a[NFVS_VPORT_ATTR_NAME]);
	type = nla_get_u32(a[NFVS_VPORT_ATTR_TYPE]);
	if (type != NFVS_VPORT_TYPE_NETDEV &&
	    type != NFVS_VPORT_TYPE_INTERNAL) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[NFVS_VPORT_ATTR_TYPE],
				    "unknown port type");
		return -EINVAL;
	}
	if (!name_is_valid(name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[NFVS_VPORT_ATTR_NAME],
				    "invalid device name");
		return -EINVAL;
	}

	mutex_lock(&nfvs_mutex);
	dp = lookup_dp_info(info);
	if (!dp) {
		err = -ENODEV;
		goto out;
	}
	if (vport_by_name(dp, name)) {
		NL_SET_ERR_MSG(info->extack,
			       "the datapath has a port of that name");
		err = -EEXIST;
		goto out;
	}
	if (a[NFVS_VPORT_ATTR_PORT_NO]) {
		port_no = nla_get_u32(a[NFVS_VPORT_ATTR_PORT_NO]);
		if (port_no >= NFVS_MAX_PORTS) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    a[NFVS_VPORT_ATTR_PORT_NO],
					    "port number too large");
			err = -EFBIG;
			goto out;
		}
		if (nfvs_dp_port(dp, port_no)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    a[NFVS_VPORT_ATTR_PORT_NO],
					    "port number in use");
			err = -EBUSY;
			goto out;
		}
	} else {
		for (port_no = 1; port_no < NFVS_MAX_PORTS; port_no++)
			if (!nfvs_dp_port(dp, port_no))
				break;
		if (port_no >= NFVS_MAX_PORTS) {
			NL_SET_ERR_MSG(info->extack, "no free port number");
			err = -EFBIG;
			goto out;
		}
	}

	vport = nfvs_vport_add(dp, name, type, port_no, info->extack);
	if (IS_ERR(vport)) {
		err = PTR_ERR(vport);
		goto out;
	}
	nfvs_vport_notify(dp->net,
			  nfvs_vport_notify_msg(vport, NFVS_VPORT_CMD_NEW));
	err = vport_reply(vport, info, NFVS_VPORT_CMD_NEW);
out:
	mutex_unlock(&nfvs_mutex);
	return err;
}

static int vport_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct vport *vport;
	struct net *net;
	int err = 0;

	mutex_lock(&nfvs_mutex);
	vport = vport_lookup_req(info);
	if (!vport) {
		err = -ENODEV;
		goto out;
	}
	if (vport->port_no == NFVS_VPORT_LOCAL) {
		NL_SET_ERR_MSG(info->extack,
			       "the local port goes only with its datapath");
		err = -EINVAL;
		goto out;
	}
	net = vport->dp->net;
	msg = nfvs_vport_notify_msg(vport, NFVS_VPORT_CMD_DEL);
	nfvs_vport_del(vport);
	nfvs_vport_notify(net, msg);
out:
	mutex_unlock(&nfvs_mutex);
	return err;
}

static int vport_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct vport *vport;
	int err;

	mutex_lock(&nfvs_mutex);
	vport = vport_lookup_req(info);
	err = vport ? vport_reply(vport, info, NFVS_VPORT_CMD_GET) : -ENODEV;
	mutex_unlock(&nfvs_mutex);
	return err;
}

/* Dumps a datapath's ports: cb->args[0] is the hash bucket, args[1] the
 * number of ports of that bucket already sent.
 */
static int vport_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct datapath *dp;
	long bucket, skip;
	int err = 0;

	mutex_lock(&nfvs_mutex);
	dp = nfvs_dp_lookup(sock_net(skb->sk), dump_hdr(cb)->dp_ifindex);
	if (!dp) {
		mutex_unlock(&nfvs_mutex);
		return -ENODEV;
	}
	for (bucket = cb->args[0]; bucket < ARRAY_SIZE(dp->ports); bucket++) {
		struct vport *vport;
		long i = 0;

		skip = bucket == cb->args[0] ? cb->args[1] : 0;
		hlist_for_each_entry(vport, &dp->ports[bucket], node) {
			if (i++ < skip)
				continue;
			err = vport_fill(vport, skb,
					 NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI,
					 NFVS_VPORT_CMD_GET);
			if (err) {
				cb->args[0] = bucket;
				cb->args[1] = i - 1;
				goto out;
			}
		}
	}
	cb->args[0] = bucket;
	cb->args[1] = 0;
out:
	mutex_unlock(&nfvs_mutex);
	return skb->len;
}

static const struct genl_small_ops vport_ops[] = {
	{ .cmd = NFVS_VPORT_CMD_NEW, .flags = GENL_ADMIN_PERM,
	  .doit = vport_cmd_new },
	{ .cmd = NFVS_VPORT_CMD_DEL, .flags = GENL_ADMIN_PERM,
	  .doit = vport_cmd_del },
	{ .cmd = NFVS_VPORT_CMD_GET, .flags = GENL_ADMIN_PERM,
	  .doit = vport_cmd_get, .dumpit = vport_cmd_dump },
};

static struct genl_family nfvs_vport_genl_family __ro_after_init = {
	.hdrsize = sizeof(struct nfvs_header),
	.name = NFVS_VPORT_FAMILY,
	/* The ABI uses NLM_F_CREATE, _EXCL and _REPLACE in requests. */
	.resv_start_op = NFVS_VPORT_CMD_GET + 1,
	.version = NFVS_GENL_VERSION,
	.maxattr = NFVS_VPORT_ATTR_MAX,
	.policy = vport_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = vport_ops,
	.n_small_ops = ARRAY_SIZE(vport_ops),
	.mcgrps = vport_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vport_mcgrps),
	.module = THIS_MODULE,
};

/* Flows. */

static const struct nla_policy flow_policy[NFVS_FLOW_ATTR_MAX + 1] = {
	[NFVS_FLOW_ATTR_KEY] = NLA_POLICY_NESTED(nfvs_key_policy),
	[NFVS_FLOW_ATTR_ACTIONS] = NLA_POLICY_NESTED(nfvs_action_policy),
	[NFVS_FLOW_ATTR_STATS] = { .type = NLA_REJECT },
	[NFVS_FLOW_ATTR_USED] = { .type = NLA_REJECT },
	[NFVS_FLOW_ATTR_TCP_FLAGS] = { .type = NLA_REJECT },
	[NFVS_FLOW_ATTR_TCP_SEQ] = { .type = NLA_REJECT },
	[NFVS_FLOW_ATTR_CLEAR] = { .type = NLA_FLAG },
	[NFVS_FLOW_ATTR_PAD] = { .type = NLA_REJECT },
	[NFVS_FLOW_ATTR_PACKET] = NLA_POLICY_MIN_LEN(ETH_HLEN),
};

static size_t flow_msg_size(u32 acts_len)
{
	return NLMSG_ALIGN(sizeof(struct nfvs_header)) +
	       nla_total_size(NFVS_KEY_ATTRS_MAX_SIZE) +
	       nla_total_size(acts_len) +
	       nla_total_size_64bit(sizeof(struct nfvs_flow_stats)) +
	       nla_total_size_64bit(sizeof(u64)) +
	       nla_total_size(sizeof(u16)) +
	       nla_total_size(sizeof(struct nfvs_flow_tcp_seq));
}

/* Converts a jiffies stamp to CLOCK_MONOTONIC milliseconds. */
static u64 used_to_msecs(unsigned long used)
{
	u64 now = ktime_to_ms(ktime_get());
	u64 ago = jiffies_to_msecs(jiffies - used);

	return ago < now ? now - ago : 1;
}

/* Fills a flow message with 'key', 'acts' (if nonnull) and 'sum'. */
static int flow_fill(struct sk_buff *skb, const struct datapath *dp,
		     const struct nfvs_key *key,
		     const struct nfvs_actions *acts,
		     const struct nfvs_flow_stats_sum *sum, u32 portid,
		     u32 seq, u32 flags, u8 cmd)
{
	struct nfvs_flow_stats stats = {
		.n_packets = sum->packets,
		.n_bytes = sum->bytes,
	};
	struct nfvs_header *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nfvs_flow_genl_family, flags,
			  cmd);
	if (!hdr)
		return -EMSGSIZE;
	hdr->dp_ifindex = dp->ifindex;
	if (nfvs_key_to_nlattr(skb, NFVS_FLOW_ATTR_KEY, key) ||
	    (acts && nla_put(skb, NFVS_FLOW_ATTR_ACTIONS | NLA_F_NESTED,
			     acts->len, acts->data)) ||
	    nla_put_64bit(skb, NFVS_FLOW_ATTR_STATS, sizeof(stats), &stats,
			  NFVS_FLOW_ATTR_PAD) ||
	    (sum->used &&
	     nla_put_u64_64bit(skb, NFVS_FLOW_ATTR_USED,
			       used_to_msecs(sum->used), NFVS_FLOW_ATTR_PAD)) ||
	    (sum->tcp_flags &&
	     nla_put_u16(skb, NFVS_FLOW_ATTR_TCP_FLAGS, sum->tcp_flags)) ||
	    (sum->seq.valid &&
	     nla_put(skb, NFVS_FLOW_ATTR_TCP_SEQ, sizeof(sum->seq),
		     &sum->seq))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int flow_reply(const struct datapath *dp, struct genl_info *info,
		      const struct nfvs_key *key,
		      const struct nfvs_actions *acts,
		      const struct nfvs_flow_stats_sum *sum, u8 cmd)
{
	struct sk_buff *reply;
	int err;

	reply = genlmsg_new(flow_msg_size(acts ? acts->len : 0), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	err = flow_fill(reply, dp, key, acts, sum, info->snd_portid,
			info->snd_seq, 0, cmd);
	if (WARN_ON_ONCE(err)) {
		nlmsg_free(reply);
		return err;
	}
	return genlmsg_reply(reply, info);
}

static bool wants_echo(const struct genl_info *info)
{
	return info->nlhdr->nlmsg_flags & NLM_F_ECHO;
}

static int packet_execute(struct genl_info *info, u32 in_port,
			  const struct nlattr *frame,
			  const struct nlattr *acts);

/* Parses the request's key, which it must have. */
static int flow_key_req(struct genl_info *info, struct nfvs_key *key)
{
	struct nlattr *a = info->attrs[NFVS_FLOW_ATTR_KEY];

	if (!a) {
		NL_SET_ERR_MSG(info->extack, "flow key missing");
		return -EINVAL;
	}
	return nfvs_key_from_nlattr(a, key, info->extack);
}

/* NEW: NLM_F_CREATE may add, NLM_F_REPLACE may modify; with neither
 * flag, NEW adds.  SET modifies (actions and/or CLEAR).
 */
static int flow_cmd_new_or_set(struct sk_buff *skb, struct genl_info *info)
{
	u16 nl_flags = info->nlhdr->nlmsg_flags;
	bool is_set = info->genlhdr->cmd == NFVS_FLOW_CMD_SET;
	bool may_modify = is_set || nl_flags & NLM_F_REPLACE;
	bool may_create = !is_set && (nl_flags & NLM_F_CREATE || !may_modify);
	struct nlattr *acts_attr = info->attrs[NFVS_FLOW_ATTR_ACTIONS];
	struct nfvs_actions *acts = NULL, *old;
	struct nfvs_flow_stats_sum sum = { 0 };
	struct nfvs_flow *flow;
	struct datapath *dp;
	struct nfvs_key key;
	int err;

	err = flow_key_req(info, &key);
	if (err)
		return err;
	if (is_set && info->attrs[NFVS_FLOW_ATTR_PACKET]) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NFVS_FLOW_ATTR_PACKET],
				    "a packet goes only with NEW");
		return -EINVAL;
	}
	if (!acts_attr && !is_set) {
		NL_SET_ERR_MSG(info->extack, "flow actions missing");
		return -EINVAL;
	}
	if (acts_attr) {
		acts = nfvs_actions_from_nlattr(acts_attr, &key, info->extack);
		if (IS_ERR(acts))
			return PTR_ERR(acts);
	}

	mutex_lock(&nfvs_mutex);
	dp = lookup_dp_info(info);
	if (!dp) {
		err = -ENODEV;
		goto err_free_acts;
	}
	flow = nfvs_flow_table_lookup(&dp->table, &key);
	if (!flow) {
		if (!may_create) {
			NL_SET_ERR_MSG(info->extack, "no flow with that key");
			err = -ENOENT;
			goto err_free_acts;
		}
		flow = nfvs_flow_alloc(&key);
		if (IS_ERR(flow)) {
			err = PTR_ERR(flow);
			goto err_free_acts;
		}
		rcu_assign_pointer(flow->acts, acts);
		acts = NULL;
		err = nfvs_flow_table_insert(&dp->table, flow);
		if (err) {
			if (err == -ENOSPC)
				NL_SET_ERR_MSG(info->extack,
					       "flow table is at its limit");
			nfvs_flow_free(flow);
			goto out;
		}
	} else {
		if (!may_modify) {
			NL_SET_ERR_MSG(info->extack,
				       "a flow with that key exists");
			err = -EEXIST;
			goto err_free_acts;
		}
		nfvs_flow_stats_get(flow, &sum);
		if (acts) {
			old = rcu_replace_pointer(flow->acts, acts,
						  lockdep_is_held(&nfvs_mutex));
			nfvs_actions_free_rcu(old);
			acts = NULL;
		}
		if (info->attrs[NFVS_FLOW_ATTR_CLEAR])
			nfvs_flow_stats_clear(flow);
	}
	if (wants_echo(info))
		err = flow_reply(dp, info, &key,
				 rcu_dereference_protected(flow->acts, true),
				 &sum, info->genlhdr->cmd);
	goto out;

err_free_acts:
	nfvs_actions_free(acts);
out:
	mutex_unlock(&nfvs_mutex);
	if (info->attrs[NFVS_FLOW_ATTR_PACKET] &&
	    (!err || err == -EEXIST || err == -ENOSPC))
		packet_execute(info, key.in_port,
			       info->attrs[NFVS_FLOW_ATTR_PACKET], acts_attr);
	return err;
}

static int flow_cmd_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nfvs_flow_stats_sum sum;
	struct nfvs_flow *flow;
	struct datapath *dp;
	struct nfvs_key key;
	int err = 0;

	if (info->attrs[NFVS_FLOW_ATTR_KEY]) {
		err = flow_key_req(info, &key);
		if (err)
			return err;
	}

	mutex_lock(&nfvs_mutex);
	dp = lookup_dp_info(info);
	if (!dp) {
		err = -ENODEV;
		goto out;
	}
	if (!info->attrs[NFVS_FLOW_ATTR_KEY]) {
		nfvs_flow_table_flush(&dp->table);
		goto out;
	}
	flow = nfvs_flow_table_lookup(&dp->table, &key);
	if (!flow) {
		NL_SET_ERR_MSG(info->extack, "no flow with that key");
		err = -ENOENT;
		goto out;
	}
	nfvs_flow_stats_get(flow, &sum);
	if (wants_echo(info))
		err = flow_reply(dp, info, &key,
				 rcu_dereference_protected(flow->acts, true),
				 &sum, NFVS_FLOW_CMD_DEL);
	nfvs_flow_table_remove(&dp->table, flow);
out:
	mutex_unlock(&nfvs_mutex);
	return err;
}

static int flow_cmd_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nfvs_flow_stats_sum sum;
	struct nfvs_flow *flow;
	struct datapath *dp;
	struct nfvs_key key;
	int err;

	err = flow_key_req(info, &key);
	if (err)
		return err;

	mutex_lock(&nfvs_mutex);
	dp = lookup_dp_info(info);
	if (!dp) {
		err = -ENODEV;
		goto out;
	}
	flow = nfvs_flow_table_lookup(&dp->table, &key);
	if (!flow) {
		NL_SET_ERR_MSG(info->extack, "no flow with that key");
		err = -ENOENT;
		goto out;
	}
	nfvs_flow_stats_get(flow, &sum);
	err = flow_reply(dp, info, &key,
			 rcu_dereference_protected(flow->acts, true), &sum,
			 NFVS_FLOW_CMD_GET);
	if (!err && info->attrs[NFVS_FLOW_ATTR_CLEAR])
		nfvs_flow_stats_clear(flow);
out:
	mutex_unlock(&nfvs_mutex);
	return err;
}

/* Dumps every flow; cb->args[0] is the next flow id to send.  Reads
 * under RCU, so a dump does not hold up flow setup.
 */
static int flow_cmd_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long id, next = cb->args[0];
	struct nfvs_flow *flow;
	struct datapath *dp;
	int err = 0;

	rcu_read_lock();
	dp = nfvs_dp_lookup(sock_net(skb->sk), dump_hdr(cb)->dp_ifindex);
	if (!dp) {
		rcu_read_unlock();
		return -ENODEV;
	}
	xa_for_each_start(&dp->table.ids, id, flow, cb->args[0]) {
		struct nfvs_flow_stats_sum sum;

		nfvs_flow_stats_get(flow, &sum);
		err = flow_fill(skb, dp, &flow->key,
				rcu_dereference(flow->acts), &sum,
				NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, NLM_F_MULTI,
				NFVS_FLOW_CMD_GET);
		if (err)
			break;
		next = id + 1;
	}
	rcu_read_unlock();
	cb->args[0] = next;
	/* A flow that does not fit in an empty message: the reader's
	 * buffer is too small.
	 */
	if (err && !skb->len)
		return err;
	return skb->len;
}

static const struct genl_small_ops flow_ops[] = {
	{ .cmd = NFVS_FLOW_CMD_NEW, .flags = GENL_ADMIN_PERM,
	  .doit = flow_cmd_new_or_set },
	{ .cmd = NFVS_FLOW_CMD_DEL, .flags = GENL_ADMIN_PERM,
	  .doit = flow_cmd_del },
	{ .cmd = NFVS_FLOW_CMD_GET, .flags = GENL_ADMIN_PERM,
	  .doit = flow_cmd_get, .dumpit = flow_cmd_dump },
	{ .cmd = NFVS_FLOW_CMD_SET, .flags = GENL_ADMIN_PERM,
	  .doit = flow_cmd_new_or_set },
};

static struct genl_family nfvs_flow_genl_family __ro_after_init = {
	.hdrsize = sizeof(struct nfvs_header),
	.name = NFVS_FLOW_FAMILY,
	/* The ABI uses NLM_F_CREATE, _EXCL and _REPLACE in requests. */
	.resv_start_op = NFVS_FLOW_CMD_SET + 1,
	.version = NFVS_GENL_VERSION,
	.maxattr = NFVS_FLOW_ATTR_MAX,
	.policy = flow_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = flow_ops,
	.n_small_ops = ARRAY_SIZE(flow_ops),
	.module = THIS_MODULE,
};

/* Packets. */

static const struct nla_policy packet_policy[NFVS_PACKET_ATTR_MAX + 1] = {
	[NFVS_PACKET_ATTR_PACKET] = NLA_POLICY_MIN_LEN(ETH_HLEN),
	[NFVS_PACKET_ATTR_KEY] = NLA_POLICY_NESTED(nfvs_key_policy),
	[NFVS_PACKET_ATTR_ACTIONS] = NLA_POLICY_NESTED(nfvs_action_policy),
	[NFVS_PACKET_ATTR_USERDATA] = { .type = NLA_REJECT },
	[NFVS_PACKET_ATTR_HASH] = { .type = NLA_REJECT },
	[NFVS_PACKET_ATTR_CSUM_VALID] = { .type = NLA_REJECT },
};

/* Runs the checked actions 'acts' on a copy of 'frame' (an attribute of
 * at least ETH_HLEN bytes) as if it had come in on 'in_port', in the
 * request's datapath.  Called without nfvs_mutex.
 */
static int packet_execute(struct genl_info *info, u32 in_port,
			  const struct nlattr *frame,
			  const struct nlattr *acts)
{
	struct nfvs_pkt_info pkt_info;
	struct sk_buff *packet;
	struct datapath *dp;
	struct nfvs_key key;
	struct vport *vport;
	int len, err;

	len = nla_len(frame);
	packet = __dev_alloc_skb(NET_IP_ALIGN + len, GFP_KERNEL);
	if (!packet)
		return -ENOMEM;
	skb_reserve(packet, NET_IP_ALIGN);
	skb_put_data(packet, nla_data(frame), len);
	skb_reset_mac_header(packet);
	packet->protocol = eth_hdr(packet)->h_proto;
	if (!eth_proto_is_802_3(packet->protocol))
		packet->protocol = htons(ETH_P_802_2);

	rcu_read_lock();
	dp = nfvs_dp_lookup(genl_info_net(info), genl_hdr(info)->dp_ifindex);
	if (!dp) {
		rcu_read_unlock();
		kfree_skb(packet);
		NL_SET_ERR_MSG(info->extack, "no datapath with that ifindex");
		return -ENODEV;
	}
	vport = nfvs_dp_port(dp, in_port);
	packet->dev = vport ? vport->dev : dp->local->dev;
	nfvs_key_extract(packet, in_port, &key, &pkt_info);
	packet->mac_len = pkt_info.l3_ofs;
	local_bh_disable();
	err = nfvs_execute_actions(dp, packet, &key, nla_data(acts),
				   nla_len(acts));
	local_bh_enable();
	rcu_read_unlock();
	return err;
}

/* Runs actions on a packet from userspace.  The packet's key is built
 * from the packet itself; of the request's key only in_port is used.
 */
static int packet_cmd_execute(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	u32 in_port;
	int err;

	if (!a[NFVS_PACKET_ATTR_PACKET] || !a[NFVS_PACKET_ATTR_KEY] ||
	    !a[NFVS_PACKET_ATTR_ACTIONS]) {
		NL_SET_ERR_MSG(info->extack, "packet, key or actions missing");
		return -EINVAL;
	}
	err = nfvs_key_in_port_from_nlattr(a[NFVS_PACKET_ATTR_KEY], &in_port,
					   info->extack);
	if (err)
		return err;
	err = nfvs_actions_check(a[NFVS_PACKET_ATTR_ACTIONS], NULL,
				 info->extack);
	if (err)
		return err;
	return packet_execute(info, in_port, a[NFVS_PACKET_ATTR_PACKET],
			      a[NFVS_PACKET_ATTR_ACTIONS]);
}

static const struct genl_small_ops packet_ops[] = {
	{ .cmd = NFVS_PACKET_CMD_EXECUTE, .flags = GENL_ADMIN_PERM,
	  .doit = packet_cmd_execute },
};

struct genl_family nfvs_packet_genl_family __ro_after_init = {
	.hdrsize = sizeof(struct nfvs_header),
	.name = NFVS_PACKET_FAMILY,
	.version = NFVS_GENL_VERSION,
	.maxattr = NFVS_PACKET_ATTR_MAX,
	.policy = packet_policy,
	.netnsok = true,
	.parallel_ops = true,
	.small_ops = packet_ops,
	.n_small_ops = ARRAY_SIZE(packet_ops),
	.module = THIS_MODULE,
};

static struct genl_family *const families[] = {
	&nfvs_dp_genl_family,
	&nfvs_vport_genl_family,
	&nfvs_flow_genl_family,
	&nfvs_packet_genl_family,
	&nfvs_meter_genl_family,
};

/**
 * nfvs_genl_register - registers the four families.
 *
 * Return: 0 or a negative errno (none stays registered).
 */
int nfvs_genl_register(void)
{
	int err, i;

	for (i = 0; i < ARRAY_SIZE(families); i++) {
		err = genl_register_family(families[i]);
		if (err)
			goto err_unregister;
	}
	return 0;

err_unregister:
	while (--i >= 0)
		genl_unregister_family(families[i]);
	return err;
}

/**
 * nfvs_genl_unregister - unregisters the four families.
 */
void nfvs_genl_unregister(void)
{
	int i;

	for (i = ARRAY_SIZE(families) - 1; i >= 0; i--)
		genl_unregister_family(families[i]);
}
