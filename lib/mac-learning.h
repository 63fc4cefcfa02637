/* lib/mac-learning.h: the MAC learning table behind the NORMAL action.
 *
 * One table per bridge maps (VLAN, Ethernet address) to the port the
 * address was last seen on as a source.  Entries expire 'idle_time'
 * seconds after they were last refreshed (300 s by default, as in Open
 * vSwitch); a full table evicts its least recently refreshed entry.  A
 * source address seen on a different port than its entry names "moves"
 * the entry there.
 *
 * Expiry walks a list kept in refresh order, so each call does work only
 * for the entries that actually expire.
 *
 * Every change that can alter a forwarding decision (a new entry, a move,
 * an expiry, a flush) bumps a sequence number, so that cached datapath
 * flows decided by NORMAL can be revalidated.
 *
 * Times are milliseconds from time_msec() passed in by the caller, which
 * keeps the table testable with a fake clock.
 *
 * Thread-safety: every function may be called from any thread; an
 * internal mutex serializes them. */
#ifndef NFVS_MAC_LEARNING_H
#define NFVS_MAC_LEARNING_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "packets.h"

#define MAC_DEFAULT_IDLE_TIME 300     /* Seconds. */
#define MAC_DEFAULT_MAX 8192          /* Entries. */

struct mac_learning;

struct mac_learning_stats {
    uint64_t n_learned;         /* Entries added. */
    uint64_t n_moved;           /* Entries that changed port. */
    uint64_t n_expired;         /* Entries removed by age. */
    uint64_t n_evicted;         /* Entries removed because it was full. */
};

/* One entry, as mac_learning_dump() reports it. */
struct mac_entry_info {
    uint16_t vlan;              /* VLAN ID, 0 for untagged. */
    struct eth_addr mac;        /* Learned address. */
    uint32_t port;              /* OpenFlow port number. */
    int age;                    /* Seconds since last refreshed. */
};

struct mac_learning *mac_learning_create(unsigned int idle_time,
                                         size_t max_entries);
void mac_learning_destroy(struct mac_learning *);

void mac_learning_set_idle_time(struct mac_learning *, unsigned int secs);
void mac_learning_set_max_entries(struct mac_learning *, size_t);

/* Learns that 'src' on 'vlan' is reachable through 'port' at 'now'.
 * Multicast sources are ignored.  Returns true if this created or moved
 * an entry (a change that may alter forwarding). */
bool mac_learning_learn(struct mac_learning *, struct eth_addr src,
                        uint16_t vlan, uint32_t port, long long int now);

/* Returns true and stores the port in '*portp' if 'dst' on 'vlan' has an
 * entry that has not expired at 'now'. */
bool mac_learning_lookup(struct mac_learning *, struct eth_addr dst,
                         uint16_t vlan, long long int now, uint32_t *portp);

/* Removes entries idle for longer than the idle time at 'now'.  Returns
 * the number removed. */
size_t mac_learning_expire(struct mac_learning *, long long int now);

/* Removes every entry on 'port' (all entries when 'port' is UINT32_MAX).
 * Returns the number removed. */
size_t mac_learning_flush(struct mac_learning *, uint32_t port);

/* Bumped by every change that may alter a forwarding decision. */
uint64_t mac_learning_seq(const struct mac_learning *);

/* Calls 'cb' with the address, VLAN and resulting sequence number of each
 * change after sequence number 'seq' (a value mac_learning_seq()
 * returned), oldest first, with the table's mutex held ('cb' must not
 * call back into the table).
 * Returns false, without calling 'cb', if the changes are no longer all
 * recorded (the last few thousand are): the caller must then assume any
 * address may have changed. */
typedef void mac_learning_change_func(struct eth_addr mac, uint16_t vlan,
                                      uint64_t seq, void *aux);
bool mac_learning_changes_since(struct mac_learning *, uint64_t seq,
                                mac_learning_change_func *cb, void *aux);

size_t mac_learning_count(const struct mac_learning *);
void mac_learning_get_stats(const struct mac_learning *,
                            struct mac_learning_stats *);

/* Stores a malloc'd array of every entry, sorted by port, VLAN and
 * address, in '*entriesp' and its size in '*n' (caller frees). */
void mac_learning_dump(const struct mac_learning *, long long int now,
                       struct mac_entry_info **entriesp, size_t *n);

#endif /* mac-learning.h */
