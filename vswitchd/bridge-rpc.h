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

/* The version of the JSON-RPC API, which the "version" method returns
 * with the list of methods.  Compatibility rule (docs/rpc.md): an
 * additive change (a new method, a new optional param, a new member in a
 * result) bumps the minor version; removing or renaming a method, param
 * or result member, or changing its type or meaning, bumps the major
 * version and resets the minor one. */
#define BRIDGE_RPC_API_MAJOR 1
#define BRIDGE_RPC_API_MINOR 1

/* Registers the bridge, port, show, log and version methods on
 * 'server'. */
void bridge_rpc_register(struct rpc_server *, struct bridge_set *);

/* Limits that bridge.add and port.add enforce: at most 'max_bridges'
 * bridges and 'max_ports' ports in all (a bridge's own local port is not
 * counted), so that the threads and file descriptors the daemon needs
 * stay bounded.  A request that would go past a limit gets error 3 and a
 * message naming the limit; what the config db holds at start is loaded
 * whole, even beyond them. */
#define BRIDGE_RPC_DEFAULT_MAX_BRIDGES 256
#define BRIDGE_RPC_DEFAULT_MAX_PORTS 4096
void bridge_rpc_set_limits(unsigned int max_bridges, unsigned int max_ports);

/* Returns the bridge named 'name', or NULL with a "no bridge named"
 * JSON-RPC error in '*errorp': the lookup every per-bridge method does. */
struct bridge *bridge_rpc_find(struct bridge_set *, const char *name,
                               json_t **errorp);

#endif /* bridge-rpc.h */
