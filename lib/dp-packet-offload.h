/* lib/dp-packet-offload.h: a packet's checksum and segmentation offload
 * state, and software fallbacks for devices that cannot take it.
 *
 * Linux hands a userspace switch packets that are not finished yet: with
 * checksum offload on, a TCP or UDP checksum field holds only the folded
 * pseudo-header sum ("partial", CHECKSUM_PARTIAL in the kernel), and with
 * GSO on, one "super-packet" carries up to 64 kB of TCP payload that is
 * to be cut into MSS-sized segments on the way out.  The state travels
 * with the packet in its 'ol_*' members (see dp-packet.h).  A device that
 * accepts the state (AF_PACKET and tap with a virtio-net header) gets it
 * as it is; for any other, the sender calls the functions below first.
 *
 * Anything that rewrites a partially checksummed packet's addresses or
 * ports must update the pseudo-header sum in the checksum field with the
 * ordinary incremental update (recalc_csum*), without complementing:
 * completing the checksum later gives the right result.
 *
 * Plain functions over one packet: thread-safe as long as one thread owns
 * the packet. */
#ifndef NFVS_DP_PACKET_OFFLOAD_H
#define NFVS_DP_PACKET_OFFLOAD_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dp-packet.h"

static inline bool
dp_packet_ol_is_csum_partial(const struct dp_packet *p)
{
    return (p->ol_flags & DP_PACKET_OL_CSUM_PARTIAL) != 0;
}

static inline bool
dp_packet_ol_is_gso(const struct dp_packet *p)
{
    return p->ol_gso_type != DP_PACKET_GSO_NONE;
}

/* Marks 'p' as carrying a partial checksum: the bytes from 'csum_start'
 * (counted from the frame's start) to the end of the frame remain to be
 * summed into the 16-bit field 'csum_offset' bytes after 'csum_start',
 * which already holds the folded pseudo-header sum. */
static inline void
dp_packet_ol_set_csum_partial(struct dp_packet *p, uint16_t csum_start,
                              uint16_t csum_offset)
{
    p->ol_flags = (p->ol_flags & ~DP_PACKET_OL_CSUM_VALID)
                  | DP_PACKET_OL_CSUM_PARTIAL;
    p->ol_csum_start = csum_start;
    p->ol_csum_offset = csum_offset;
}

/* Marks 'p' as a GSO super-packet of 'gso_type' (DP_PACKET_GSO_*) whose
 * segments carry 'gso_size' bytes of L4 payload each. */
static inline void
dp_packet_ol_set_gso(struct dp_packet *p, uint8_t gso_type,
                     uint16_t gso_size)
{
    p->ol_gso_type = gso_type;
    p->ol_gso_size = gso_size;
}

/* Forgets every offload state of 'p'. */
static inline void
dp_packet_ol_reset(struct dp_packet *p)
{
    p->ol_flags = 0;
    p->ol_gso_type = DP_PACKET_GSO_NONE;
    p->ol_gso_size = 0;
    p->ol_csum_start = 0;
    p->ol_csum_offset = 0;
}

/* Completes the partial checksum of 'p' in software and clears its
 * partial state (marking the checksum valid).  Does nothing for a packet
 * without one.  Returns 0, or EINVAL, leaving 'p' unchanged, if the
 * checksum field is not inside the frame. */
int dp_packet_ol_complete_csum(struct dp_packet *p);

/* Resolves the GSO super-packet 'p' (IPv4 or IPv6, after Ethernet and
 * any VLAN tags) in software, as a NIC would:
 *
 *   - TCP (DP_PACKET_GSO_TCPV4/TCPV6): segments of at most
 *     'p->ol_gso_size' payload bytes, each with the headers of 'p' with
 *     the IP length, IPv4 identification (incremented per segment) and
 *     header checksum, TCP sequence number and checksum recomputed; FIN
 *     and PSH stay only on the last segment, CWR only on the first.
 *
 *   - UDP segmentation (DP_PACKET_GSO_UDP_L4, "USO"): datagrams of at
 *     most 'p->ol_gso_size' payload bytes, each with the headers of 'p',
 *     its own UDP length and checksum, IP length, IPv4 identification
 *     (incremented per datagram) and header checksum.
 *
 *   - UDP fragmentation (DP_PACKET_GSO_UDP, "UFO"), IPv4 only: the UDP
 *     checksum is completed over the whole datagram, which is then cut
 *     into IP fragments of at most 'p->ol_gso_size' bytes of IP payload
 *     (rounded down to a multiple of 8), sharing the identification of
 *     'p', with DF clear.  IPv6 UFO (which needs a fragment header and
 *     identification that the virtio-net header does not carry) gives
 *     EOPNOTSUPP: the caller drops and counts the packet.
 *
 * Every resulting packet is complete (no offload state left) and has its
 * layer offsets set (a non-first fragment has no L4 offset).
 *
 * On success returns 0 and stores in '*segsp' a new array of '*n_segsp'
 * new packets; the caller frees each packet and the array.  A packet that
 * is not GSO, or is no longer than one segment, gives one packet.
 * Returns EINVAL if 'p' is not a well-formed unfragmented packet of the
 * protocol of its GSO type or family, if its gso_size is 0 (or below 8
 * for UFO), or its GSO type is unknown; EOPNOTSUPP for IPv6 UFO.  Does
 * not take ownership of 'p', but sets its layer offsets. */
int dp_packet_ol_segment(struct dp_packet *p, struct dp_packet ***segsp,
                         size_t *n_segsp);

#endif /* dp-packet-offload.h */
