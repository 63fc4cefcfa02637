/* vswitchd/flow-rpc.h: JSON-RPC methods for OpenFlow flows and trace.
 *
 * The methods and their params are documented in docs/rpc.md.
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_FLOW_RPC_H
#define VSWITCHD_FLOW_RPC_H 1

struct bridge_set;
struct rpc_server;

void flow_rpc_register(struct rpc_server *, struct bridge_set *);

#endif /* flow-rpc.h */
