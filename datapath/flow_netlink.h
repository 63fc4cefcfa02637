/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow keys and actions to and from netlink attributes.
 *
 * A key is accepted only in canonical form: exactly the attribute stream
 * that the datapath would send up for a packet with that key, in the
 * same order, which is also what lib/odp-util.c builds and accepts
 * (odp_key_from_flow() of odp_key_to_flow() must give back the same
 * bytes).  Both datapaths therefore accept the same keys.
 */
#ifndef NFVS_FLOW_NETLINK_H
#define NFVS_FLOW_NETLINK_H

#include <net/netlink.h>

#include "nfvs_abi.h"
#include "flow.h"
#include "flow_table.h"

/* Largest canonical key attribute stream, in bytes. */
#define NFVS_KEY_ATTRS_MAX_SIZE	192

extern const struct nla_policy nfvs_key_policy[NFVS_KEY_ATTR_MAX + 1];
extern const struct nla_policy nfvs_action_policy[NFVS_ACTION_ATTR_MAX + 1];

int nfvs_key_from_nlattr(const struct nlattr *attr, struct nfvs_key *key,
			 struct netlink_ext_ack *extack);
int nfvs_key_to_nlattr(struct sk_buff *skb, int attrtype,
		       const struct nfvs_key *key);
int nfvs_key_in_port_from_nlattr(const struct nlattr *attr, u32 *in_port,
				 struct netlink_ext_ack *extack);

struct nfvs_actions *nfvs_actions_from_nlattr(const struct nlattr *attr,
					      const struct nfvs_key *key,
					      struct netlink_ext_ack *extack);
int nfvs_actions_check(const struct nlattr *attr, const struct nfvs_key *key,
		       struct netlink_ext_ack *extack);

#endif /* NFVS_FLOW_NETLINK_H */
