/* lib/odp-execute.h: checking datapath actions and running them on a
 * packet in userspace.
 *
 * The userspace datapath keeps actions as the attribute stream of
 * datapath/nfvs_abi.h.  odp_actions_check() validates a stream once, when
 * a flow is installed or a packet executed, so that running it later
 * needs no checks; odp_execute_actions() then applies the header
 * rewriting actions itself (set with checksum fix-ups, push_vlan,
 * pop_vlan) and hands output and userspace actions to a callback (and
 * meter actions to another, odp_execute_actions_metered()).
 *
 * Checksums are updated incrementally (RFC 1624).  A packet whose L4
 * checksum is partial (dp_packet offload state) keeps it partial: only
 * the pseudo-header sum in the field is updated, as dp-packet-offload.h
 * asks.
 *
 * Thread-safety: pure functions over a packet one thread owns. */
#ifndef NFVS_ODP_EXECUTE_H
#define NFVS_ODP_EXECUTE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_packet;
struct nlattr;

/* Largest action list accepted, in bytes. */
#define ODP_ACTIONS_MAX_SIZE 4096

/* Largest userdata of a userspace action, in bytes. */
#define ODP_USERDATA_MAX_SIZE 256

/* Checks that the 'size' bytes at 'actions' are a well-formed action
 * list: known action types with payloads of the right size, set actions
 * that hold exactly one settable key attribute (ethernet, ipv4, ipv6,
 * tcp, udp), push_vlan with a VLAN TPID and VLAN_CFI set, userspace with
 * valid nested attributes.  If 'key' is nonnull, also checks that every
 * set action rewrites a header the key's packets have.  Returns 0, or
 * EINVAL and a static reason in '*errp'. */
int odp_actions_check(const void *actions, size_t size,
                      const void *key, size_t key_size, const char **errp);

/* Called for each output and userspace action in turn with the packet as
 * the earlier actions left it.  If 'steal', the callback takes ownership
 * of 'packet' (it was the last action); otherwise it must not keep or
 * change it (clone it to keep it). */
typedef void odp_execute_cb(void *aux, struct dp_packet *packet,
                            const struct nlattr *action, bool steal);

/* Runs the actions in 'size' bytes at 'actions', which passed
 * odp_actions_check(), on 'packet', whose layer offsets flow_extract_
 * set_offsets() set.  Takes ownership of 'packet'. */
void odp_execute_actions(void *aux, struct dp_packet *packet,
                         const void *actions, size_t size,
                         odp_execute_cb *cb);

/* Called for each meter action with the packet as the earlier actions
 * left it: returns true if meter 'meter_id' lets the packet go on, false
 * to drop it (a meter that does not exist drops).  It must not keep or
 * change the packet. */
typedef bool odp_meter_cb(void *aux, const struct dp_packet *packet,
                          uint32_t meter_id);

/* Like odp_execute_actions(), passing meter actions to 'meter_cb' (NULL:
 * every meter lets every packet go on). */
void odp_execute_actions_metered(void *aux, struct dp_packet *packet,
                                 const void *actions, size_t size,
                                 odp_execute_cb *cb,
                                 odp_meter_cb *meter_cb);

#endif /* odp-execute.h */
