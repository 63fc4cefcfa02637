/* vswitchd/port-rpc.h: the JSON-RPC method port.stats, the counters and
 * link state of a bridge's ports (docs/rpc.md).
 *
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_PORT_RPC_H
#define VSWITCHD_PORT_RPC_H 1

struct bridge_set;
struct rpc_server;

void port_rpc_register(struct rpc_server *, struct bridge_set *);

#endif /* port-rpc.h */
