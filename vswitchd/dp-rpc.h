/* vswitchd/dp-rpc.h: JSON-RPC methods for the bridges' datapaths:
 * dp.inject, dp.flows and dp.stats.
 *
 * The methods and their params are documented in docs/rpc.md.
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_DP_RPC_H
#define VSWITCHD_DP_RPC_H 1

struct bridge_set;
struct rpc_server;

void dp_rpc_register(struct rpc_server *, struct bridge_set *);

#endif /* dp-rpc.h */
