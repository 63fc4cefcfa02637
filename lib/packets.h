/* lib/packets.h: protocol header layouts and constants.
 *
 * Header structs describe bytes on the wire: every multi-byte field is in
 * network byte order and structs are packed where the wire format is not
 * naturally aligned. */
#ifndef NFVS_PACKETS_H
#define NFVS_PACKETS_H 1

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "byte-order.h"

#define ETH_ADDR_LEN 6

struct eth_addr {
    uint8_t ea[ETH_ADDR_LEN];
};

#define ETH_ADDR_FMT "%02x:%02x:%02x:%02x:%02x:%02x"
#define ETH_ADDR_ARGS(EA) \
    (EA).ea[0], (EA).ea[1], (EA).ea[2], (EA).ea[3], (EA).ea[4], (EA).ea[5]

static inline bool
eth_addr_is_zero(struct eth_addr a)
{
    static const struct eth_addr zero;
    return !memcmp(&a, &zero, sizeof a);
}

static inline bool
eth_addr_is_multicast(struct eth_addr a)
{
    return a.ea[0] & 1;
}

static inline bool
eth_addr_is_broadcast(struct eth_addr a)
{
    return (a.ea[0] & a.ea[1] & a.ea[2] & a.ea[3] & a.ea[4] & a.ea[5])
           == 0xff;
}

static inline bool
eth_addr_equals(struct eth_addr a, struct eth_addr b)
{
    return !memcmp(&a, &b, sizeof a);
}

#define ETH_TYPE_IP     0x0800
#define ETH_TYPE_ARP    0x0806
#define ETH_TYPE_VLAN   0x8100
#define ETH_TYPE_IPV6   0x86dd
#define ETH_TYPE_VLAN_8021AD 0x88a8

/* 802.1Q TCI bits. */
#define VLAN_VID_MASK   0x0fff
#define VLAN_CFI        0x1000  /* In a flow: "the packet has a tag". */
#define VLAN_PCP_MASK   0xe000
#define VLAN_PCP_SHIFT  13

#endif /* packets.h */
