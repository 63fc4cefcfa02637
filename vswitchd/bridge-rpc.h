/* vswitchd/bridge-rpc.h: JSON-RPC methods for bridges, ports and logging.
 *
 * The methods and their params are documented in docs/rpc.md.
 * Thread-safety: main thread only. */
#ifndef VSWITCHD_BRIDGE_RPC_H
#define VSWITCHD_BRIDGE_RPC_H 1

#include <jansson.h>

struct bridge;
struct bridge_set;
struct rpc_server;

void bridge_rpc_register(struct rpc_server *, struct bridge_set *);

/* Returns the bridge named 'name', or NULL with a "no bridge named"
 * JSON-RPC error in '*errorp': the lookup every per-bridge method does. */
struct bridge *bridge_rpc_find(struct bridge_set *, const char *name,
                               json_t **errorp);

#endif /* bridge-rpc.h */
