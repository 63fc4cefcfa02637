// SPDX-License-Identifier: GPL-2.0
/*
 * Flow keys and actions to and from netlink attributes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ndisc.h>

#include "datapath.h"
#include "flow_netlink.h"

const struct nla_policy nfvs_key_policy[NFVS_KEY_ATTR_MAX + 1] = {
	[NFVS_KEY_ATTR_IN_PORT] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
	[NFVS_KEY_ATTR_ETHERNET] =
		NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_key_ethernet)),
	[NFVS_KEY_ATTR_VLAN] = NLA_POLICY_EXACT_LEN(sizeof(__be16)),
	[NFVS_KEY_ATTR_ETHERTYPE] = NLA_POLICY_EXACT_LEN(sizeof(__be16)),
	[NFVS_KEY_ATTR_IPV4] =
		NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_key_ipv4)),
	[NFVS_KEY_ATTR_IPV6] =
		NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_key_ipv6)),
	[NFVS_KEY_ATTR_TCP] =
		NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_key_ports)),
	[NFVS_KEY_ATTR_UDP] =
		NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_key_ports)),
	[NFVS_KEY_ATTR_SCTP] =
		NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_key_ports)),
	[NFVS_KEY_ATTR_ICMP] =
		NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_key_icmp)),
	[NFVS_KEY_ATTR_ICMPV6] =
		NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_key_icmp)),
	[NFVS_KEY_ATTR_ARP] =
		NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_key_arp)),
	[NFVS_KEY_ATTR_ND] = NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_key_nd)),
	[NFVS_KEY_ATTR_TCP_CTL] = NLA_POLICY_EXACT_LEN(sizeof(__be16)),
};

static const struct nla_policy userspace_policy[NFVS_USERSPACE_ATTR_MAX + 1] = {
	[NFVS_USERSPACE_ATTR_PID] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
	[NFVS_USERSPACE_ATTR_USERDATA] = { .type = NLA_BINARY,
					   .len = NFVS_MAX_USERDATA_SIZE },
};

const struct nla_policy nfvs_action_policy[NFVS_ACTION_ATTR_MAX + 1] = {
	[NFVS_ACTION_ATTR_OUTPUT] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
	[NFVS_ACTION_ATTR_USERSPACE] = NLA_POLICY_NESTED(userspace_policy),
	[NFVS_ACTION_ATTR_SET] = NLA_POLICY_NESTED(nfvs_key_policy),
	[NFVS_ACTION_ATTR_PUSH_VLAN] =
		NLA_POLICY_EXACT_LEN(sizeof(struct nfvs_action_push_vlan)),
	[NFVS_ACTION_ATTR_POP_VLAN] = { .type = NLA_FLAG },
	[NFVS_ACTION_ATTR_METER] = NLA_POLICY_EXACT_LEN(sizeof(u32)),
};

/* A canonical key stream being built in a buffer. */
struct key_buf {
	u8 data[NFVS_KEY_ATTRS_MAX_SIZE];
	unsigned int size;
	u32 types;			/* Bitmap of the attribute types. */
};

static void canon_put(struct key_buf *b, u16 type, const void *data,
		      unsigned int len)
{
	struct nlattr *nla = (struct nlattr *)(b->data + b->size);
	unsigned int total = nla_total_size(len);

	if (WARN_ON_ONCE(b->size + total > sizeof(b->data)))
		return;
	memset(nla, 0, total);
	nla->nla_len = nla_attr_size(len);
	nla->nla_type = type;
	memcpy(nla_data(nla), data, len);
	b->size += total;
	b->types |= BIT(type);
}

static void canon_put_l4(struct key_buf *b, const struct nfvs_key *key,
			 bool ipv6)
{
	struct nfvs_key_ports ports = { key->tp_src, key->tp_dst };
	struct nfvs_key_icmp icmp = {
		.icmp_type = ntohs(key->tp_src),
		.icmp_code = ntohs(key->tp_dst),
	};
	__be16 ctl;

	switch (key->nw_proto) {
	case IPPROTO_TCP:
		canon_put(b, NFVS_KEY_ATTR_TCP, &ports, sizeof(ports));
		ctl = key->tcp_ctl & htons(NFVS_TCP_CTL_MASK);
		canon_put(b, NFVS_KEY_ATTR_TCP_CTL, &ctl, sizeof(ctl));
		break;
	case IPPROTO_UDP:
		canon_put(b, NFVS_KEY_ATTR_UDP, &ports, sizeof(ports));
		break;
	case IPPROTO_SCTP:
		canon_put(b, NFVS_KEY_ATTR_SCTP, &ports, sizeof(ports));
		break;
	case IPPROTO_ICMP:
		if (!ipv6)
			canon_put(b, NFVS_KEY_ATTR_ICMP, &icmp, sizeof(icmp));
		break;
	case IPPROTO_ICMPV6:
		if (!ipv6)
			break;
		canon_put(b, NFVS_KEY_ATTR_ICMPV6, &icmp, sizeof(icmp));
		if (!icmp.icmp_code &&
		    (icmp.icmp_type == NDISC_NEIGHBOUR_SOLICITATION ||
		     icmp.icmp_type == NDISC_NEIGHBOUR_ADVERTISEMENT)) {
			struct nfvs_key_nd nd;

			memcpy(nd.nd_target, &key->nd_target,
			       sizeof(nd.nd_target));
			memcpy(nd.nd_sll, key->arp_sha, ETH_ALEN);
			memcpy(nd.nd_tll, key->arp_tha, ETH_ALEN);
			canon_put(b, NFVS_KEY_ATTR_ND, &nd, sizeof(nd));
		}
		break;
	}
}

/* Builds the canonical attribute stream of 'key' in 'b'.  The order and
 * the rules are those of odp_key_from_flow() in lib/odp-util.c.
 */
static void canon_build(struct key_buf *b, const struct nfvs_key *key)
{
	struct nfvs_key_ethernet eth;

	b->size = 0;
	b->types = 0;
	canon_put(b, NFVS_KEY_ATTR_IN_PORT, &key->in_port, sizeof(u32));
	memcpy(eth.eth_src, key->eth_src, ETH_ALEN);
	memcpy(eth.eth_dst, key->eth_dst, ETH_ALEN);
	canon_put(b, NFVS_KEY_ATTR_ETHERNET, &eth, sizeof(eth));
	if (key->vlan_tci)
		canon_put(b, NFVS_KEY_ATTR_VLAN, &key->vlan_tci, 2);
	canon_put(b, NFVS_KEY_ATTR_ETHERTYPE, &key->eth_type, 2);

	switch (ntohs(key->eth_type)) {
	case ETH_P_IP: {
		struct nfvs_key_ipv4 ip = {
			.ipv4_src = key->addr.ipv4.src,
			.ipv4_dst = key->addr.ipv4.dst,
			.ipv4_proto = key->nw_proto,
			.ipv4_tos = key->nw_tos,
			.ipv4_ttl = key->nw_ttl,
			.ipv4_frag = key->nw_frag,
		};

		canon_put(b, NFVS_KEY_ATTR_IPV4, &ip, sizeof(ip));
		if (key->nw_frag != NFVS_FRAG_TYPE_LATER)
			canon_put_l4(b, key, false);
		break;
	}
	case ETH_P_IPV6: {
		struct nfvs_key_ipv6 ip = {
			.ipv6_label = key->ipv6_label,
			.ipv6_proto = key->nw_proto,
			.ipv6_tclass = key->nw_tos,
			.ipv6_hlimit = key->nw_ttl,
			.ipv6_frag = key->nw_frag,
		};

		memcpy(ip.ipv6_src, &key->addr.ipv6.src, sizeof(ip.ipv6_src));
		memcpy(ip.ipv6_dst, &key->addr.ipv6.dst, sizeof(ip.ipv6_dst));
		canon_put(b, NFVS_KEY_ATTR_IPV6, &ip, sizeof(ip));
		if (key->nw_frag != NFVS_FRAG_TYPE_LATER)
			canon_put_l4(b, key, true);
		break;
	}
	case ETH_P_ARP: {
		struct nfvs_key_arp arp;

		memset(&arp, 0, sizeof(arp));
		arp.arp_sip = key->addr.ipv4.src;
		arp.arp_tip = key->addr.ipv4.dst;
		arp.arp_op = htons(key->nw_proto);
		memcpy(arp.arp_sha, key->arp_sha, ETH_ALEN);
		memcpy(arp.arp_tha, key->arp_tha, ETH_ALEN);
		canon_put(b, NFVS_KEY_ATTR_ARP, &arp, sizeof(arp));
		break;
	}
	}
}

/**
 * nfvs_key_to_nlattr - appends @key as a nested attribute.
 * @skb: the message.
 * @attrtype: the nest's type.
 * @key: the key.
 *
 * Return: 0 or -EMSGSIZE.
 */
int nfvs_key_to_nlattr(struct sk_buff *skb, int attrtype,
		       const struct nfvs_key *key)
{
	struct key_buf b;
	struct nlattr *nla;

	canon_build(&b, key);
	nla = nla_reserve(skb, attrtype | NLA_F_NESTED, b.size);
	if (!nla)
		return -EMSGSIZE;
	memcpy(nla_data(nla), b.data, b.size);
	return 0;
}

static u8 frag_from_attr(u8 frag)
{
	return frag == NFVS_FRAG_TYPE_NONE ? NFVS_FRAG_TYPE_NONE
	       : frag == NFVS_FRAG_TYPE_FIRST ? NFVS_FRAG_TYPE_FIRST
	       : NFVS_FRAG_TYPE_LATER;
}

static void ports_from_attr(const struct nlattr *nla, struct nfvs_key *key)
{
	const struct nfvs_key_ports *ports = nla_data(nla);

	key->tp_src = ports->src;
	key->tp_dst = ports->dst;
}

/* Fills 'key' from the attributes in 'tb' as odp_key_to_flow() in
 * lib/odp-util.c reads them.
 */
static void key_from_attrs(struct nlattr **tb, struct nfvs_key *key)
{
	const struct nfvs_key_ethernet *eth;

	eth = nla_data(tb[NFVS_KEY_ATTR_ETHERNET]);
	memset(key, 0, sizeof(*key));
	key->in_port = nla_get_u32(tb[NFVS_KEY_ATTR_IN_PORT]);
	memcpy(key->eth_src, eth->eth_src, ETH_ALEN);
	memcpy(key->eth_dst, eth->eth_dst, ETH_ALEN);
	key->eth_type = nla_get_be16(tb[NFVS_KEY_ATTR_ETHERTYPE]);
	if (tb[NFVS_KEY_ATTR_VLAN])
		key->vlan_tci = nla_get_be16(tb[NFVS_KEY_ATTR_VLAN]);
	if (tb[NFVS_KEY_ATTR_IPV4]) {
		const struct nfvs_key_ipv4 *ip;

		ip = nla_data(tb[NFVS_KEY_ATTR_IPV4]);

		key->addr.ipv4.src = ip->ipv4_src;
		key->addr.ipv4.dst = ip->ipv4_dst;
		key->nw_proto = ip->ipv4_proto;
		key->nw_tos = ip->ipv4_tos;
		key->nw_ttl = ip->ipv4_ttl;
		key->nw_frag = frag_from_attr(ip->ipv4_frag);
	}
	if (tb[NFVS_KEY_ATTR_IPV6]) {
		const struct nfvs_key_ipv6 *ip;

		ip = nla_data(tb[NFVS_KEY_ATTR_IPV6]);

		memcpy(&key->addr.ipv6.src, ip->ipv6_src, 16);
		memcpy(&key->addr.ipv6.dst, ip->ipv6_dst, 16);
		key->ipv6_label = ip->ipv6_label;
		key->nw_proto = ip->ipv6_proto;
		key->nw_tos = ip->ipv6_tclass;
		key->nw_ttl = ip->ipv6_hlimit;
		key->nw_frag = frag_from_attr(ip->ipv6_frag);
	}
	if (tb[NFVS_KEY_ATTR_TCP])
		ports_from_attr(tb[NFVS_KEY_ATTR_TCP], key);
	else if (tb[NFVS_KEY_ATTR_UDP])
		ports_from_attr(tb[NFVS_KEY_ATTR_UDP], key);
	else if (tb[NFVS_KEY_ATTR_SCTP])
		ports_from_attr(tb[NFVS_KEY_ATTR_SCTP], key);
	if (tb[NFVS_KEY_ATTR_TCP_CTL])
		key->tcp_ctl = nla_get_be16(tb[NFVS_KEY_ATTR_TCP_CTL]);
	if (tb[NFVS_KEY_ATTR_ICMP] || tb[NFVS_KEY_ATTR_ICMPV6]) {
		const struct nlattr *a = tb[NFVS_KEY_ATTR_ICMP];
		const struct nfvs_key_icmp *icmp;

		icmp = nla_data(a ? a : tb[NFVS_KEY_ATTR_ICMPV6]);
		key->tp_src = htons(icmp->icmp_type);
		key->tp_dst = htons(icmp->icmp_code);
	}
	if (tb[NFVS_KEY_ATTR_ND]) {
		const struct nfvs_key_nd *nd = nla_data(tb[NFVS_KEY_ATTR_ND]);

		memcpy(&key->nd_target, nd->nd_target, 16);
		memcpy(key->arp_sha, nd->nd_sll, ETH_ALEN);
		memcpy(key->arp_tha, nd->nd_tll, ETH_ALEN);
	}
	if (tb[NFVS_KEY_ATTR_ARP]) {
		const struct nfvs_key_arp *arp;
		u16 op;

		arp = nla_data(tb[NFVS_KEY_ATTR_ARP]);
		op = ntohs(arp->arp_op);

		key->addr.ipv4.src = arp->arp_sip;
		key->addr.ipv4.dst = arp->arp_tip;
		key->nw_proto = op <= 0xff ? op : 0;
		memcpy(key->arp_sha, arp->arp_sha, ETH_ALEN);
		memcpy(key->arp_tha, arp->arp_tha, ETH_ALEN);
	}
}

/**
 * nfvs_key_from_nlattr - parses an exact key.
 * @attr: the nested key attributes.
 * @key: filled with the key.
 * @extack: for error messages.
 *
 * Return: 0, or -EINVAL for a malformed key or one that is not in the
 * canonical form the datapath builds from a packet.
 */
int nfvs_key_from_nlattr(const struct nlattr *attr, struct nfvs_key *key,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFVS_KEY_ATTR_MAX + 1];
	struct key_buf b;
	int err;

	err = nla_parse_nested(tb, NFVS_KEY_ATTR_MAX, attr, nfvs_key_policy,
			       extack);
	if (err)
		return err;
	if (!tb[NFVS_KEY_ATTR_IN_PORT] || !tb[NFVS_KEY_ATTR_ETHERNET] ||
	    !tb[NFVS_KEY_ATTR_ETHERTYPE]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "key lacks in_port, eth or eth_type");
		return -EINVAL;
	}
	key_from_attrs(tb, key);
	canon_build(&b, key);
	if (b.size != nla_len(attr) || memcmp(b.data, nla_data(attr), b.size)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "key is not exact: not the attributes, order and values the datapath builds for a packet");
		return -EINVAL;
	}
	return 0;
}

/**
 * nfvs_key_in_port_from_nlattr - reads the in_port of a key.
 * @attr: the nested key attributes, policy-checked.
 * @in_port: filled with the port.
 * @extack: for error messages.
 *
 * Return: 0 or -EINVAL.
 */
int nfvs_key_in_port_from_nlattr(const struct nlattr *attr, u32 *in_port,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFVS_KEY_ATTR_MAX + 1];
	int err;

	err = nla_parse_nested(tb, NFVS_KEY_ATTR_MAX, attr, nfvs_key_policy,
			       extack);
	if (err)
		return err;
	if (!tb[NFVS_KEY_ATTR_IN_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "key lacks in_port");
		return -EINVAL;
	}
	*in_port = nla_get_u32(tb[NFVS_KEY_ATTR_IN_PORT]);
	return 0;
}

static const unsigned int set_sizes[NFVS_KEY_ATTR_MAX + 1] = {
	[NFVS_KEY_ATTR_ETHERNET] = sizeof(struct nfvs_key_ethernet),
	[NFVS_KEY_ATTR_IPV4] = sizeof(struct nfvs_key_ipv4),
	[NFVS_KEY_ATTR_IPV6] = sizeof(struct nfvs_key_ipv6),
	[NFVS_KEY_ATTR_TCP] = sizeof(struct nfvs_key_ports),
	[NFVS_KEY_ATTR_UDP] = sizeof(struct nfvs_key_ports),
	[NFVS_KEY_ATTR_ARP] = sizeof(struct nfvs_key_arp),
};

static int check_set(const struct nlattr *a, u32 key_types,
		     struct netlink_ext_ack *extack)
{
	const struct nlattr *inner = nla_data(a);
	int len = nla_len(a);
	u16 type;

	if (len < NLA_HDRLEN || inner->nla_len < NLA_HDRLEN ||
	    nla_total_size(nla_len(inner)) != len) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "set action must hold exactly one key attribute");
		return -EINVAL;
	}
	type = nla_type(inner);
	if (type > NFVS_KEY_ATTR_MAX || !set_sizes[type]) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "set action of a field that cannot be set");
		return -EINVAL;
	}
	if (nla_len(inner) != set_sizes[type]) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "set action attribute has the wrong size");
		return -EINVAL;
	}
	if (!(key_types & BIT(type))) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "set action of a header the flow does not have");
		return -EINVAL;
	}
	return 0;
}

/**
 * nfvs_actions_check - validates an action list.
 * @attr: the nested actions.
 * @key: the flow's key, whose packets must have every header a set
 * action rewrites; NULL to skip that check.
 * @extack: for error messages.
 *
 * The rules are those of odp_actions_check() in lib/odp-execute.c.
 *
 * Return: 0 or -EINVAL.
 */
int nfvs_actions_check(const struct nlattr *attr, const struct nfvs_key *key,
		       struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	u32 key_types = U32_MAX;
	int rem, err;

	if (nla_len(attr) > NFVS_MAX_ACTIONS_SIZE) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "action list too long");
		return -EINVAL;
	}
	err = nla_validate_nested(attr, NFVS_ACTION_ATTR_MAX,
				  nfvs_action_policy, extack);
	if (err)
		return err;
	if (key) {
		struct key_buf b;

		canon_build(&b, key);
		key_types = b.types;
	}

	nla_for_each_nested(a, attr, rem) {
		switch (nla_type(a)) {
		case NFVS_ACTION_ATTR_OUTPUT:
		case NFVS_ACTION_ATTR_POP_VLAN:
			break;
		case NFVS_ACTION_ATTR_METER:
			if (!nla_get_u32(a) ||
			    nla_get_u32(a) > NFVS_METER_ID_MAX) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "meter id out of range");
				return -EINVAL;
			}
			break;
		case NFVS_ACTION_ATTR_USERSPACE: {
			struct nlattr *tb[NFVS_USERSPACE_ATTR_MAX + 1];

			err = nla_parse_nested(tb, NFVS_USERSPACE_ATTR_MAX, a,
					       userspace_policy, extack);
			if (err)
				return err;
			break;
		}
		case NFVS_ACTION_ATTR_SET:
			err = check_set(a, key_types, extack);
			if (err)
				return err;
			break;
		case NFVS_ACTION_ATTR_PUSH_VLAN: {
			const struct nfvs_action_push_vlan *pv = nla_data(a);

			if ((pv->vlan_tpid != htons(ETH_P_8021Q) &&
			     pv->vlan_tpid != htons(ETH_P_8021AD)) ||
			    !(pv->vlan_tci & htons(NFVS_VLAN_CFI))) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "push_vlan needs a VLAN TPID and VLAN_CFI set");
				return -EINVAL;
			}
			break;
		}
		default:
			NL_SET_ERR_MSG_ATTR(extack, a, "unknown action type");
			return -EINVAL;
		}
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "truncated action");
		return -EINVAL;
	}
	return 0;
}

/**
 * nfvs_actions_from_nlattr - validates and copies an action list.
 * @attr: the nested actions.
 * @key: as for nfvs_actions_check().
 * @extack: for error messages.
 *
 * Return: a new block (free with nfvs_actions_free()) or an ERR_PTR().
 */
struct nfvs_actions *nfvs_actions_from_nlattr(const struct nlattr *attr,
					      const struct nfvs_key *key,
					      struct netlink_ext_ack *extack)
{
	struct nfvs_actions *acts;
	int err;

	err = nfvs_actions_check(attr, key, extack);
	if (err)
		return ERR_PTR(err);
	acts = nfvs_actions_alloc(nla_len(attr));
	if (!acts)
		return ERR_PTR(-ENOMEM);
	memcpy(acts->data, nla_data(attr), nla_len(attr));
	return acts;
}
