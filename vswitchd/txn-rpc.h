/* vswitchd/txn-rpc.h: JSON-RPC methods for transactions and for the
 * external_ids and other_config maps of bridges and ports: transact,
 * db.set, db.remove, db.clear, db.get and db.find.
 *
 * "transact" runs a list of other methods' calls all or none, with one
 * config db record (bridge_txn_begin() in bridge.h).  The methods and
 * their params are documented in docs/rpc.md.
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_TXN_RPC_H
#define VSWITCHD_TXN_RPC_H 1

struct bridge_set;
struct rpc_server;

/* Registers the methods on 'server', for the bridges of 'bs'.  Call it
 * after the methods a transaction may run are registered (they are looked
 * up on 'server' when a transaction runs). */
void txn_rpc_register(struct rpc_server *, struct bridge_set *);

#endif /* txn-rpc.h */
