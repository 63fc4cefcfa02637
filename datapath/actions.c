// SPDX-License-Identifier: GPL-2.0
/*
 * Runs a validated action list on a packet.
 *
 * Set actions rewrite what the packet has, with incremental checksum
 * fix-ups (a partial L4 checksum stays partial), as lib/odp-execute.c
 * does in userspace: set(ipv4) writes the addresses, TOS and TTL;
 * set(ipv6) the addresses, traffic class, label and hop limit; set(tcp)
 * and set(udp) the ports, only if the packet is of that protocol;
 * set(arp) the opcode and the four addresses of an Ethernet/IPv4 ARP
 * packet (no checksum covers them).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "datapath.h"
#include "meter.h"
#include "vport.h"

/* Where the L3 header of 'skb' starts and its Ethertype, reading one
 * VLAN tag in the frame unless the skb carries the tag itself.
 */
static unsigned int l3_offset(struct sk_buff *skb, __be16 *type)
{
	const struct vlan_ethhdr *veh;

	*type = 0;
	if (!pskb_may_pull(skb, ETH_HLEN))
		return 0;
	veh = (const struct vlan_ethhdr *)skb->data;
	*type = veh->h_vlan_proto;
	if (!skb_vlan_tag_present(skb) && eth_type_vlan(*type)) {
		if (!pskb_may_pull(skb, VLAN_ETH_HLEN)) {
			*type = 0;
			return 0;
		}
		veh = (const struct vlan_ethhdr *)skb->data;
		*type = veh->h_vlan_encapsulated_proto;
		return VLAN_ETH_HLEN;
	}
	return ETH_HLEN;
}

static int set_eth(struct sk_buff *skb, const struct nfvs_key_ethernet *k)
{
	int err = skb_ensure_writable(skb, ETH_HLEN);

	if (err)
		return err;
	skb_postpull_rcsum(skb, skb->data, 2 * ETH_ALEN);
	ether_addr_copy(skb->data, k->eth_dst);
	ether_addr_copy(skb->data + ETH_ALEN, k->eth_src);
	skb_postpush_rcsum(skb, skb->data, 2 * ETH_ALEN);
	return 0;
}

/* Folds an IPv4 or IPv6 address change into the L4 checksum of protocol
 * 'proto' at 'l4'.  'l4' must be writable for the header of 'proto'.
 */
static void l4_addr_changed(struct sk_buff *skb, unsigned int l4, u8 proto,
			    const __be32 *from, const __be32 *to, bool ipv6)
{
	__sum16 *check;

	if (proto == IPPROTO_TCP) {
		check = &((struct tcphdr *)(skb->data + l4))->check;
	} else if (proto == IPPROTO_UDP) {
		check = &((struct udphdr *)(skb->data + l4))->check;
		if (!*check && skb->ip_summed != CHECKSUM_PARTIAL)
			return;		/* No UDP checksum (IPv4). */
	} else if (proto == IPPROTO_ICMPV6 && ipv6) {
		check = &((struct icmp6hdr *)(skb->data + l4))->icmp6_cksum;
	} else {
		return;
	}
	if (ipv6)
		inet_proto_csum_replace16(check, skb, from, to, true);
	else
		inet_proto_csum_replace4(check, skb, *from, *to, true);
	if (proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

/* The minimum L4 header length a checksum update of 'proto' needs. */
static unsigned int l4_hlen(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	case IPPROTO_ICMPV6:
		return sizeof(struct icmp6hdr);
	}
	return 0;
}

static int set_ipv4(struct sk_buff *skb, const struct nfvs_key_ipv4 *k)
{
	unsigned int l3, l4 = 0;
	struct iphdr *iph;
	__be16 type;
	int err;
	u8 proto;

	l3 = l3_offset(skb, &type);
	if (type != htons(ETH_P_IP))
		return 0;
	err = skb_ensure_writable(skb, l3 + sizeof(*iph));
	if (err)
		return 0;
	iph = (struct iphdr *)(skb->data + l3);
	if (iph->version != 4)
		return 0;
	proto = iph->protocol;
	if (!(iph->frag_off & htons(IP_OFFSET)) && l4_hlen(proto) &&
	    iph->ihl >= 5 &&
	    !skb_ensure_writable(skb, l3 + iph->ihl * 4 + l4_hlen(proto)))
		l4 = l3 + ((struct iphdr *)(skb->data + l3))->ihl * 4;
	iph = (struct iphdr *)(skb->data + l3);

	if (iph->saddr != k->ipv4_src) {
		if (l4)
			l4_addr_changed(skb, l4, proto, &iph->saddr,
					&k->ipv4_src, false);
		csum_replace4(&iph->check, iph->saddr, k->ipv4_src);
		iph->saddr = k->ipv4_src;
	}
	if (iph->daddr != k->ipv4_dst) {
		if (l4)
			l4_addr_changed(skb, l4, proto, &iph->daddr,
					&k->ipv4_dst, false);
		csum_replace4(&iph->check, iph->daddr, k->ipv4_dst);
		iph->daddr = k->ipv4_dst;
	}
	if (iph->tos != k->ipv4_tos) {
		csum_replace2(&iph->check, htons(iph->version << 12 |
						 iph->ihl << 8 | iph->tos),
			      htons(iph->version << 12 | iph->ihl << 8 |
				    k->ipv4_tos));
		iph->tos = k->ipv4_tos;
	}
	if (iph->ttl != k->ipv4_ttl) {
		csum_replace2(&iph->check, htons(iph->ttl << 8 | proto),
			      htons(k->ipv4_ttl << 8 | proto));
		iph->ttl = k->ipv4_ttl;
	}
	skb_clear_hash(skb);
	return 0;
}

static int set_ipv6(struct sk_buff *skb, const struct nfvs_key_ipv6 *k)
{
	unsigned int l3, l4 = 0;
	struct ipv6hdr *ip6;
	__be16 type, frag_off;
	int ofs, err;
	u8 proto;

	l3 = l3_offset(skb, &type);
	if (type != htons(ETH_P_IPV6))
		return 0;
	err = skb_ensure_writable(skb, l3 + sizeof(*ip6));
	if (err)
		return 0;
	ip6 = (struct ipv6hdr *)(skb->data + l3);
	proto = ip6->nexthdr;
	ofs = ipv6_skip_exthdr(skb, l3 + sizeof(*ip6), &proto, &frag_off);
	if (ofs > 0 && !(frag_off & htons(IP6_OFFSET)) && l4_hlen(proto) &&
	    !skb_ensure_writable(skb, ofs + l4_hlen(proto)))
		l4 = ofs;
	ip6 = (struct ipv6hdr *)(skb->data + l3);

	if (memcmp(&ip6->saddr, k->ipv6_src, sizeof(ip6->saddr))) {
		if (l4)
			l4_addr_changed(skb, l4, proto, ip6->saddr.s6_addr32,
					k->ipv6_src, true);
		memcpy(&ip6->saddr, k->ipv6_src, sizeof(ip6->saddr));
	}
	if (memcmp(&ip6->daddr, k->ipv6_dst, sizeof(ip6->daddr))) {
		if (l4)
			l4_addr_changed(skb, l4, proto, ip6->daddr.s6_addr32,
					k->ipv6_dst, true);
		memcpy(&ip6->daddr, k->ipv6_dst, sizeof(ip6->daddr));
	}
	*(__be32 *)ip6 = htonl(6 << 28 | (u32)k->ipv6_tclass << 20 |
			       (ntohl(k->ipv6_label) & 0x000fffff));
	ip6->hop_limit = k->ipv6_hlimit;
	skb_clear_hash(skb);
	return 0;
}

/* The L4 offset of 'skb' if it is an unfragmented (or first fragment)
 * IPv4 or IPv6 packet of protocol 'want' with 'hlen' bytes of L4 header
 * made writable; else 0.
 */
static unsigned int l4_offset(struct sk_buff *skb, u8 want, unsigned int hlen)
{
	unsigned int l3, l4;
	__be16 type;

	l3 = l3_offset(skb, &type);
	if (type == htons(ETH_P_IP)) {
		const struct iphdr *iph;

		if (!pskb_may_pull(skb, l3 + sizeof(*iph)))
			return 0;
		iph = (const struct iphdr *)(skb->data + l3);
		if (iph->protocol != want || iph->ihl < 5 ||
		    iph->frag_off & htons(IP_OFFSET))
			return 0;
		l4 = l3 + iph->ihl * 4;
	} else if (type == htons(ETH_P_IPV6)) {
		__be16 frag_off;
		u8 proto;
		int ofs;

		if (!pskb_may_pull(skb, l3 + sizeof(struct ipv6hdr)))
			return 0;
		proto = ((const struct ipv6hdr *)(skb->data + l3))->nexthdr;
		ofs = ipv6_skip_exthdr(skb, l3 + sizeof(struct ipv6hdr), &proto,
				       &frag_off);
		if (ofs < 0 || proto != want || frag_off & htons(IP6_OFFSET))
			return 0;
		l4 = ofs;
	} else {
		return 0;
	}
	return skb_ensure_writable(skb, l4 + hlen) ? 0 : l4;
}

static int set_ports(struct sk_buff *skb, const struct nfvs_key_ports *k,
		     bool tcp)
{
	unsigned int l4;

	if (tcp) {
		struct tcphdr *th;

		l4 = l4_offset(skb, IPPROTO_TCP, sizeof(*th));
		if (!l4)
			return 0;
		th = (struct tcphdr *)(skb->data + l4);
		inet_proto_csum_replace2(&th->check, skb, th->source, k->src,
					 false);
		inet_proto_csum_replace2(&th->check, skb, th->dest, k->dst,
					 false);
		th->source = k->src;
		th->dest = k->dst;
	} else {
		struct udphdr *uh;

		l4 = l4_offset(skb, IPPROTO_UDP, sizeof(*uh));
		if (!l4)
			return 0;
		uh = (struct udphdr *)(skb->data + l4);
		if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL) {
			inet_proto_csum_replace2(&uh->check, skb, uh->source,
						 k->src, false);
			inet_proto_csum_replace2(&uh->check, skb, uh->dest,
						 k->dst, false);
			if (!uh->check)
				uh->check = CSUM_MANGLED_0;
		}
		uh->source = k->src;
		uh->dest = k->dst;
	}
	skb_clear_hash(skb);
	return 0;
}

/* The Ethernet/IPv4 ARP header as it sits in the frame. */
struct arp_eth_ipv4 {
	struct arphdr hdr;
	u8 sha[ETH_ALEN];
	__be32 spa;
	u8 tha[ETH_ALEN];
	__be32 tpa;
} __packed;

static int set_arp(struct sk_buff *skb, const struct nfvs_key_arp *k)
{
	struct arp_eth_ipv4 *arp;
	unsigned int l3;
	__be16 type;

	l3 = l3_offset(skb, &type);
	if (type != htons(ETH_P_ARP) ||
	    skb_ensure_writable(skb, l3 + sizeof(*arp)))
		return 0;
	arp = (struct arp_eth_ipv4 *)(skb->data + l3);
	if (arp->hdr.ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->hdr.ar_pro != htons(ETH_P_IP) ||
	    arp->hdr.ar_hln != ETH_ALEN || arp->hdr.ar_pln != 4)
		return 0;
	arp->hdr.ar_op = k->arp_op;
	memcpy(arp->sha, k->arp_sha, ETH_ALEN);
	arp->spa = k->arp_sip;
	memcpy(arp->tha, k->arp_tha, ETH_ALEN);
	arp->tpa = k->arp_tip;
	return 0;
}

static int execute_set(struct sk_buff *skb, const struct nlattr *a)
{
	const struct nlattr *inner = nla_data(a);

	/* A rewritten packet's full checksum would be stale. */
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
	switch (nla_type(inner)) {
	case NFVS_KEY_ATTR_ETHERNET:
		return set_eth(skb, nla_data(inner));
	case NFVS_KEY_ATTR_IPV4:
		return set_ipv4(skb, nla_data(inner));
	case NFVS_KEY_ATTR_IPV6:
		return set_ipv6(skb, nla_data(inner));
	case NFVS_KEY_ATTR_TCP:
		return set_ports(skb, nla_data(inner), true);
	case NFVS_KEY_ATTR_UDP:
		return set_ports(skb, nla_data(inner), false);
	case NFVS_KEY_ATTR_ARP:
		return set_arp(skb, nla_data(inner));
	}
	return 0;
}

static int push_vlan(struct sk_buff *skb,
		     const struct nfvs_action_push_vlan *pv)
{
	if (skb->len < ETH_HLEN)
		return 0;
	return skb_vlan_push(skb, pv->vlan_tpid,
			     ntohs(pv->vlan_tci) & ~NFVS_VLAN_CFI);
}

static int pop_vlan(struct sk_buff *skb)
{
	int err;

	if (!skb_vlan_tag_present(skb) &&
	    (!pskb_may_pull(skb, VLAN_ETH_HLEN) ||
	     !eth_type_vlan(((struct ethhdr *)skb->data)->h_proto)))
		return 0;
	/* skb_vlan_pop() moves an inner tag out of the frame into the skb;
	 * put it back where userspace (and the next key) expects it.
	 */
	err = skb_vlan_pop(skb);
	if (!err && skb_vlan_tag_present(skb)) {
		err = __vlan_insert_tag(skb, skb->vlan_proto,
					skb_vlan_tag_get(skb));
		if (!err)
			__vlan_hwaccel_clear_tag(skb);
	}
	return err;
}

static void do_output(struct datapath *dp, struct sk_buff *skb, u32 port_no)
{
	struct vport *vport = nfvs_dp_port(dp, port_no);

	if (likely(vport))
		nfvs_vport_send(vport, skb);
	else
		kfree_skb(skb);
}

static void do_userspace(struct datapath *dp, struct sk_buff *skb,
			 const struct nfvs_key *key, const struct nlattr *attr)
{
	struct nfvs_upcall up = { .cmd = NFVS_PACKET_CMD_ACTION };
	const struct nlattr *a;
	int rem;

	nla_for_each_nested(a, attr, rem) {
		if (nla_type(a) == NFVS_USERSPACE_ATTR_PID)
			up.pid = nla_get_u32(a);
		else if (nla_type(a) == NFVS_USERSPACE_ATTR_USERDATA)
			up.userdata = a;
	}
	nfvs_dp_upcall(dp, skb, key, &up);
}

/**
 * nfvs_execute_actions - runs actions on a packet.
 * @dp: the datapath.
 * @skb: the packet, data at its Ethernet header; consumed.
 * @key: the packet's key, for userspace actions.
 * @acts: a validated action attribute stream.
 * @len: its length; 0 drops the packet.
 *
 * Output clones the packet for every action but the last.
 *
 * Called with rcu_read_lock and bottom halves disabled.
 *
 * Return: 0, or a negative errno if a header rewrite failed (the packet
 * is dropped).
 */
int nfvs_execute_actions(struct datapath *dp, struct sk_buff *skb,
			 const struct nfvs_key *key, const u8 *acts, u32 len)
{
	const struct nlattr *a;
	int rem, err = 0;

	nla_for_each_attr(a, (const struct nlattr *)acts, len, rem) {
		bool last = nla_total_size(nla_len(a)) >= rem;

		switch (nla_type(a)) {
		case NFVS_ACTION_ATTR_OUTPUT: {
			struct sk_buff *clone;

			if (last) {
				do_output(dp, skb, nla_get_u32(a));
				return 0;
			}
			clone = skb_clone(skb, GFP_ATOMIC);
			if (clone)
				do_output(dp, clone, nla_get_u32(a));
			break;
		}
		case NFVS_ACTION_ATTR_USERSPACE:
			do_userspace(dp, skb, key, a);
			break;
		case NFVS_ACTION_ATTR_SET:
			err = execute_set(skb, a);
			break;
		case NFVS_ACTION_ATTR_PUSH_VLAN:
			err = push_vlan(skb, nla_data(a));
			break;
		case NFVS_ACTION_ATTR_POP_VLAN:
			err = pop_vlan(skb);
			break;
		case NFVS_ACTION_ATTR_METER:
			if (!nfvs_meter_pass(dp, nla_get_u32(a), skb->len)) {
				consume_skb(skb);
				return 0;
			}
			break;
		}
		if (unlikely(err))
			break;
	}
	kfree_skb(skb);
	return err;
}
