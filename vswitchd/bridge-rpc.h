/* vswitchd/bridge-rpc.h: JSON-RPC methods for bridges, ports and logging.
 *
 * The methods and their params are documented in docs/rpc.md.
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_BRIDGE_RPC_H
#define VSWITCHD_BRIDGE_RPC_H 1

struct bridge_set;
struct rpc_server;

void bridge_rpc_register(struct rpc_server *, struct bridge_set *);

#endif /* bridge-rpc.h */
