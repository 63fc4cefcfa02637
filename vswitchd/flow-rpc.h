/* vswitchd/flow-rpc.h: JSON-RPC methods for OpenFlow flows and trace.
 *
 * The methods and their params are documented in docs/rpc.md.
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_FLOW_RPC_H
#define VSWITCHD_FLOW_RPC_H 1

struct bridge_set;
struct event_base;
struct rpc_server;

/* Registers the flow methods of 'bs' on 'server'; large flow changes run
 * in slices from a timer on 'base'.  Returns the state for
 * flow_rpc_destroy(), to call before destroying 'server' and 'bs'. */
struct flow_rpc *flow_rpc_register(struct rpc_server *, struct event_base *,
                                   struct bridge_set *);

/* Fails the flow changes still waiting and frees 'fr' (NULL: no-op). */
void flow_rpc_destroy(struct flow_rpc *fr);

#endif /* flow-rpc.h */
