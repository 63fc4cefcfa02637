/* lib/odp-util.h: datapath flow keys and actions (datapath/nfvs_abi.h).
 *
 * The datapath sees exact-match keys and low-level actions; this module
 * converts between them and 'struct flow', and prints both in the style
 * of ovs-dpctl:
 *     in_port(1),eth(src=..,dst=..),eth_type(0x0800),ipv4(src=10.0.0.1,
 *     dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=80,dst=1024),
 *     tcp_ctl(syn)
 *     push_vlan(vid=10,pcp=0),set(ipv4(dst=10.0.0.9)),2,3
 *     meter(1),2
 *
 * Port numbers in keys and actions are datapath port numbers; mapping
 * them to OpenFlow port numbers is the caller's job.
 *
 * Thread-safety: pure functions. */
#ifndef NFVS_ODP_UTIL_H
#define NFVS_ODP_UTIL_H 1

#include <stddef.h>
#include <stdint.h>

struct ds;
struct flow;
struct nl_buf;

/* TCP flags kept in the key's tcp_ctl attribute. */
#define ODP_TCP_CTL_MASK 0x0007     /* FIN | SYN | RST. */

/* Appends to 'key' the exact datapath key of 'flow', which came in on
 * datapath port 'dp_in_port'. */
void odp_key_from_flow(struct nl_buf *key, const struct flow *flow,
                       uint32_t dp_in_port);

/* Parses the datapath key in 'size' bytes at 'key' into 'flow' (with
 * 'flow->in_port' set to the datapath port).  Returns 0, or EINVAL and a
 * static reason in '*errp'. */
int odp_key_to_flow(const void *key, size_t size, struct flow *flow,
                    const char **errp);

void odp_key_format(struct ds *, const void *key, size_t size);

/* Prints actions; an empty list prints as "drop". */
void odp_actions_format(struct ds *, const void *actions, size_t size);

/* Appends actions. */
void odp_put_output(struct nl_buf *, uint32_t dp_port);
void odp_put_push_vlan(struct nl_buf *, uint16_t tpid, uint16_t tci);
void odp_put_pop_vlan(struct nl_buf *);
/* A meter action: the packet goes on only if meter 'meter_id' lets it. */
void odp_put_meter(struct nl_buf *, uint32_t meter_id);

/* The NFVS_FRAG_TYPE_* of a flow's FLOW_NW_FRAG_* bits 'nw_frag'. */
uint8_t odp_frag_type(uint8_t nw_frag);

#endif /* odp-util.h */
