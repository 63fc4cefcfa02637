/* vswitchd/group-rpc.h: JSON-RPC methods for OpenFlow groups: group.add,
 * group.mod, group.del, group.dump and group.stats (docs/rpc.md).
 *
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_GROUP_RPC_H
#define VSWITCHD_GROUP_RPC_H 1

struct bridge_set;
struct rpc_server;

void group_rpc_register(struct rpc_server *, struct bridge_set *);

#endif /* group-rpc.h */
