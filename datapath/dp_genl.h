/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink families of nfvs.ko.
 */
#ifndef NFVS_DP_GENL_H
#define NFVS_DP_GENL_H

#include <net/genetlink.h>

struct net;
struct vport;

extern struct genl_family nfvs_packet_genl_family;

int nfvs_genl_register(void);
void nfvs_genl_unregister(void);
struct sk_buff *nfvs_vport_notify_msg(struct vport *vport, u8 cmd);
void nfvs_vport_notify(struct net *net, struct sk_buff *msg);

#endif /* NFVS_DP_GENL_H */
