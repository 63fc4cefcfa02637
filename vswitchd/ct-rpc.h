/* vswitchd/ct-rpc.h: JSON-RPC methods for the bridges' connection
 * trackers: ct.dump, ct.flush, ct.stats, ct.timeouts, ct.set_timeout,
 * ct.set_limit and ct.set_checksum.
 *
 * The methods and their params are documented in docs/rpc.md.  Timeouts,
 * limits and the checksum setting are runtime settings: they are not
 * saved in the config db.
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_CT_RPC_H
#define VSWITCHD_CT_RPC_H 1

struct bridge_set;
struct rpc_server;

void ct_rpc_register(struct rpc_server *, struct bridge_set *);

#endif /* ct-rpc.h */
