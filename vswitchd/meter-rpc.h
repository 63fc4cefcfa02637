/* vswitchd/meter-rpc.h: the JSON-RPC methods for meters (meter.add,
 * meter.mod, meter.del, meter.dump, meter.stats; docs/rpc.md).
 *
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_METER_RPC_H
#define VSWITCHD_METER_RPC_H 1

struct bridge_set;
struct rpc_server;

void meter_rpc_register(struct rpc_server *, struct bridge_set *);

#endif /* meter-rpc.h */
