// SPDX-License-Identifier: GPL-2.0
/*
 * Builds the exact-match key of a packet.
 *
 * Every header is pulled with pskb_may_pull() before a byte of it is
 * read, so a truncated or hostile packet can never be read past its end;
 * pointers into the packet are not kept across a pull, because a pull
 * may move the data.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "nfvs_abi.h"
#include "flow.h"

#define ICMP_HLEN	8	/* Type, code, checksum and 4 more bytes. */
#define ICMPV6_HLEN	8
#define SCTP_HLEN	12
#define LLC_SNAP_LEN	8
#define ND_OPT_LEN	8	/* A link-layer address option. */

/* Returns a pointer to the 'n' bytes at offset 'ofs' of the linear data
 * of 'skb', pulling them in first, or NULL if the packet is shorter.
 */
static const u8 *key_pull(struct sk_buff *skb, unsigned int ofs,
			  unsigned int n)
{
	if (!pskb_may_pull(skb, ofs + n))
		return NULL;
	return skb->data + ofs;
}

static bool eth_type_is_vlan(__be16 type)
{
	return type == htons(ETH_P_8021Q) || type == htons(ETH_P_8021AD);
}

/* Parses the Ethertype or 802.3 length at '*ofs' (two bytes known to be
 * there) and advances '*ofs' past what it used.  An 802.3 frame gives the
 * type of its Ethernet SNAP header, or NFVS_ETH_TYPE_NONE.
 */
static __be16 parse_ethertype(struct sk_buff *skb, unsigned int *ofs)
{
	static const u8 snap_hdr[6] = { 0xaa, 0xaa, 0x03, 0, 0, 0 };
	const u8 *p = skb->data + *ofs;
	__be16 proto;

	memcpy(&proto, p, 2);
	*ofs += 2;
	if (ntohs(proto) >= ETH_P_802_3_MIN)
		return proto;

	p = key_pull(skb, *ofs, LLC_SNAP_LEN);
	if (!p || memcmp(p, snap_hdr, sizeof(snap_hdr)))
		return htons(NFVS_ETH_TYPE_NONE);
	memcpy(&proto, p + 6, 2);
	*ofs += LLC_SNAP_LEN;
	return ntohs(proto) >= ETH_P_802_3_MIN ? proto
					       : htons(NFVS_ETH_TYPE_NONE);
}

static void parse_arp(struct sk_buff *skb, unsigned int ofs,
		      struct nfvs_key *key)
{
	const struct arphdr *arp;
	const u8 *p;
	u16 op;

	p = key_pull(skb, ofs, sizeof(*arp) + 2 * ETH_ALEN + 8);
	if (!p)
		return;
	arp = (const struct arphdr *)p;
	if (arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4)
		return;

	p += sizeof(*arp);
	op = ntohs(arp->ar_op);
	/* The opcode is kept only when it fits, as userspace does. */
	if (op <= 0xff)
		key->nw_proto = op;
	memcpy(key->arp_sha, p, ETH_ALEN);
	memcpy(&key->addr.ipv4.src, p + ETH_ALEN, 4);
	memcpy(key->arp_tha, p + ETH_ALEN + 4, ETH_ALEN);
	memcpy(&key->addr.ipv4.dst, p + 2 * ETH_ALEN + 4, 4);
}

/* Parses an ND solicitation or advertisement body: the target address and
 * the link-layer address options.  A repeated option with a nonzero
 * address makes the message invalid and zeroes the target.
 */
static void parse_nd(struct sk_buff *skb, unsigned int ofs,
		     unsigned int size, struct nfvs_key *key)
{
	u8 sll[ETH_ALEN] = { 0 };
	u8 tll[ETH_ALEN] = { 0 };
	const u8 *p;

	if (size < sizeof(struct in6_addr))
		return;
	p = key_pull(skb, ofs, sizeof(struct in6_addr));
	if (!p)
		return;
	memcpy(&key->nd_target, p, sizeof(struct in6_addr));
	ofs += sizeof(struct in6_addr);
	size -= sizeof(struct in6_addr);

	while (size >= ND_OPT_LEN) {
		unsigned int opt_len;
		u8 *lla = NULL;

		p = key_pull(skb, ofs, ND_OPT_LEN);
		if (!p)
			return;
		opt_len = p[1] * 8;
		if (!opt_len || opt_len > size)
			break;
		if (opt_len == ND_OPT_LEN && p[0] == ND_OPT_SOURCE_LL_ADDR)
			lla = sll;
		else if (opt_len == ND_OPT_LEN && p[0] == ND_OPT_TARGET_LL_ADDR)
			lla = tll;
		if (lla) {
			if (!is_zero_ether_addr(lla))
				goto invalid;
			memcpy(lla, p + 2, ETH_ALEN);
		}
		ofs += opt_len;
		size -= opt_len;
	}
	memcpy(key->arp_sha, sll, ETH_ALEN);
	memcpy(key->arp_tha, tll, ETH_ALEN);
	return;

invalid:
	memset(&key->nd_target, 0, sizeof(key->nd_target));
}

/* Parses the L4 header at 'ofs', with 'size' bytes to the end of the IP
 * datagram.  Fields are set only when the fixed header is all there, and
 * only those that the key's attributes carry: ICMP for IPv4, ICMPv6 (and
 * ND) for IPv6.
 */
static void parse_l4(struct sk_buff *skb, unsigned int ofs,
		     unsigned int size, bool ipv6, struct nfvs_key *key,
		     struct nfvs_pkt_info *info)
{
	const u8 *p;

	switch (key->nw_proto) {
	case IPPROTO_TCP: {
		const struct tcphdr *th;
		unsigned int hlen;
		__be16 ctl;

		if (size < sizeof(*th))
			break;
		p = key_pull(skb, ofs, sizeof(*th));
		if (!p)
			break;
		th = (const struct tcphdr *)p;
		hlen = th->doff * 4;
		memcpy(&ctl, p + 12, 2);
		info->is_tcp = true;
		info->tcp_flags = ntohs(ctl) & 0x0fff;
		info->tcp_seq = ntohl(th->seq);
		info->tcp_ack = ntohl(th->ack_seq);
		info->tcp_win = ntohs(th->window);
		info->tcp_hlen = hlen;
		/* The key's TCP fields need the options too. */
		if (hlen < sizeof(*th) || size < hlen)
			break;
		key->tp_src = th->source;
		key->tp_dst = th->dest;
		key->tcp_ctl = ctl & htons(NFVS_TCP_CTL_MASK);
		break;
	}
	case IPPROTO_UDP:
	case IPPROTO_SCTP: {
		unsigned int hlen;

		hlen = key->nw_proto == IPPROTO_UDP ? 8 : SCTP_HLEN;
		p = size >= hlen ? key_pull(skb, ofs, hlen) : NULL;
		if (!p)
			break;
		memcpy(&key->tp_src, p, 2);
		memcpy(&key->tp_dst, p + 2, 2);
		break;
	}
	case IPPROTO_ICMP:
		if (ipv6 || size < ICMP_HLEN)
			break;
		p = key_pull(skb, ofs, ICMP_HLEN);
		if (!p)
			break;
		key->tp_src = htons(p[0]);
		key->tp_dst = htons(p[1]);
		break;
	case IPPROTO_ICMPV6:
		if (!ipv6 || size < ICMPV6_HLEN)
			break;
		p = key_pull(skb, ofs, ICMPV6_HLEN);
		if (!p)
			break;
		key->tp_src = htons(p[0]);
		key->tp_dst = htons(p[1]);
		if (!p[1] && (p[0] == NDISC_NEIGHBOUR_SOLICITATION ||
			      p[0] == NDISC_NEIGHBOUR_ADVERTISEMENT))
			parse_nd(skb, ofs + ICMPV6_HLEN, size - ICMPV6_HLEN,
				 key);
		break;
	}
}

static void parse_ipv4(struct sk_buff *skb, unsigned int ofs,
		       struct nfvs_key *key, struct nfvs_pkt_info *info)
{
	unsigned int size = skb->len - ofs;
	unsigned int ihl, tot_len;
	const struct iphdr *iph;
	const u8 *p;

	p = key_pull(skb, ofs, sizeof(*iph));
	if (!p)
		return;
	iph = (const struct iphdr *)p;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph) || size < ihl)
		return;
	tot_len = ntohs(iph->tot_len);
	if (tot_len > size || ihl > tot_len || size - tot_len > U16_MAX)
		return;

	key->addr.ipv4.src = iph->saddr;
	key->addr.ipv4.dst = iph->daddr;
	key->nw_proto = iph->protocol;
	key->nw_tos = iph->tos;
	key->nw_ttl = iph->ttl;
	if (iph->frag_off & htons(IP_MF | IP_OFFSET))
		key->nw_frag = iph->frag_off & htons(IP_OFFSET)
			       ? NFVS_FRAG_TYPE_LATER : NFVS_FRAG_TYPE_FIRST;

	info->l4_ofs = ofs + ihl;
	info->l4_size = tot_len - ihl;
	if (key->nw_frag != NFVS_FRAG_TYPE_LATER)
		parse_l4(skb, ofs + ihl, tot_len - ihl, false, key, info);
}

static bool ipv6_is_ext_hdr(u8 nexthdr)
{
	return nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING ||
	       nexthdr == NEXTHDR_DEST || nexthdr == NEXTHDR_AUTH ||
	       nexthdr == NEXTHDR_FRAGMENT;
}

static void parse_ipv6(struct sk_buff *skb, unsigned int ofs,
		       struct nfvs_key *key, struct nfvs_pkt_info *info)
{
	unsigned int size = skb->len - ofs;
	const struct ipv6hdr *ip6;
	u8 nexthdr, frag = NFVS_FRAG_TYPE_NONE;
	unsigned int plen;
	u32 tc_flow;
	u8 hlim;
	const u8 *p;

	p = key_pull(skb, ofs, sizeof(*ip6));
	if (!p)
		return;
	ip6 = (const struct ipv6hdr *)p;
	plen = ntohs(ip6->payload_len);
	if (plen + sizeof(*ip6) > size || size - plen - sizeof(*ip6) > U16_MAX)
		return;

	/* The addresses are kept even if an extension header turns out
	 * truncated; the other fields are not (as in userspace).
	 */
	key->addr.ipv6.src = ip6->saddr;
	key->addr.ipv6.dst = ip6->daddr;
	tc_flow = ntohl(*(const __be32 *)ip6);
	hlim = ip6->hop_limit;
	nexthdr = ip6->nexthdr;
	ofs += sizeof(*ip6);
	size = plen;

	while (ipv6_is_ext_hdr(nexthdr)) {
		unsigned int len;

		if (size < 8)
			return;
		p = key_pull(skb, ofs, 8);
		if (!p)
			return;
		if (nexthdr == NEXTHDR_FRAGMENT) {
			__be16 offlg;

			nexthdr = p[0];
			memcpy(&offlg, p + 2, 2);
			ofs += 8;
			size -= 8;
			if (!offlg)
				continue;
			frag = NFVS_FRAG_TYPE_FIRST;
			if (offlg & htons(IP6_OFFSET)) {
				frag = NFVS_FRAG_TYPE_LATER;
				nexthdr = NEXTHDR_FRAGMENT;
				break;
			}
			continue;
		}
		len = nexthdr == NEXTHDR_AUTH ? (p[1] + 2) * 4 : (p[1] + 1) * 8;
		nexthdr = p[0];
		if (size < len)
			return;
		ofs += len;
		size -= len;
	}

	key->ipv6_label = htonl(tc_flow & 0x000fffff);
	key->nw_tos = (tc_flow >> 20) & 0xff;
	key->nw_ttl = hlim;
	key->nw_proto = nexthdr;
	key->nw_frag = frag;
	info->l4_ofs = ofs;
	info->l4_size = size;
	if (frag != NFVS_FRAG_TYPE_LATER)
		parse_l4(skb, ofs, size, true, key, info);
}

/**
 * nfvs_key_extract - builds the flow key of a packet.
 * @skb: the packet, with skb->data at its Ethernet header.  Not shared;
 * its linear part may be extended.
 * @in_port: the datapath port it came in on.
 * @key: filled with the key; zeroed first.
 * @info: filled with header offsets and TCP fields; zeroed first.
 *
 * Sets the skb's network and transport headers when they are found.
 *
 * Return: 0; a packet too short for any header still has a key.
 */
int nfvs_key_extract(struct sk_buff *skb, u32 in_port, struct nfvs_key *key,
		     struct nfvs_pkt_info *info)
{
	unsigned int ofs = 2 * ETH_ALEN;
	const u8 *p;

	memset(key, 0, sizeof(*key));
	memset(info, 0, sizeof(*info));
	key->in_port = in_port;

	p = key_pull(skb, 0, ETH_HLEN);
	if (!p)
		return 0;
	memcpy(key->eth_dst, p, ETH_ALEN);
	memcpy(key->eth_src, p + ETH_ALEN, ETH_ALEN);

	/* One tag, from the skb or else from the frame if the tag and the
	 * type after it are all there; an inner tag shows as the type.
	 */
	if (skb_vlan_tag_present(skb)) {
		if (eth_type_is_vlan(skb->vlan_proto))
			key->vlan_tci = htons(skb_vlan_tag_get(skb) |
					      NFVS_VLAN_CFI);
	} else if (eth_type_is_vlan(*(const __be16 *)(p + ofs)) &&
		   key_pull(skb, ofs, VLAN_HLEN + 2)) {
		__be16 tci;

		memcpy(&tci, skb->data + ofs + 2, 2);
		key->vlan_tci = tci | htons(NFVS_VLAN_CFI);
		ofs += VLAN_HLEN;
	}

	key->eth_type = parse_ethertype(skb, &ofs);
	info->l3_ofs = ofs;
	skb_set_network_header(skb, ofs);

	switch (ntohs(key->eth_type)) {
	case ETH_P_IP:
		parse_ipv4(skb, ofs, key, info);
		break;
	case ETH_P_IPV6:
		parse_ipv6(skb, ofs, key, info);
		break;
	case ETH_P_ARP:
		parse_arp(skb, ofs, key);
		break;
	}
	if (info->l4_ofs)
		skb_set_transport_header(skb, info->l4_ofs);
	return 0;
}
