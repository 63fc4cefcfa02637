/* vswitchd/ct-rpc.h: JSON-RPC methods for the bridges' connection
 * trackers: ct.dump, ct.flush, ct.stats, ct.timeouts, ct.set_timeout and
 * ct.set_limit.
 *
 * The methods and their params are documented in docs/rpc.md.  Timeouts
 * and limits are runtime settings: they are not saved in the config db.
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_CT_RPC_H
#define VSWITCHD_CT_RPC_H 1

struct bridge_set;
struct rpc_server;

void ct_rpc_register(struct rpc_server *, struct bridge_set *);

#endif /* ct-rpc.h */
