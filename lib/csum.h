/* lib/csum.h: Internet checksums (RFC 1071), their incremental update
 * (RFC 1624), the IPv4/IPv6 pseudo-headers of TCP, UDP and ICMPv6, and
 * CRC32c for SCTP.
 *
 * A "partial" checksum is a 32-bit one's-complement running sum of
 * 16-bit big-endian words, kept in host byte order; csum_finish() folds
 * and complements it into the value stored on the wire.  To verify a
 * received header, checksum it including its checksum field: the result
 * is 0 when the checksum is right.
 *
 * All functions are pure and thread-safe. */
#ifndef NFVS_CSUM_H
#define NFVS_CSUM_H 1

#include <stddef.h>
#include <stdint.h>
#include "byte-order.h"

struct in6_addr;
struct ip_header;
struct ip6_header;

uint32_t csum_continue(uint32_t partial, const void *, size_t);
uint32_t csum_add16(uint32_t partial, nfvs_be16);
uint32_t csum_add32(uint32_t partial, nfvs_be32);
nfvs_be16 csum_finish(uint32_t partial);
nfvs_be16 csum(const void *, size_t);

nfvs_be16 recalc_csum16(nfvs_be16 old_csum, nfvs_be16 old_u16,
                        nfvs_be16 new_u16);
nfvs_be16 recalc_csum32(nfvs_be16 old_csum, nfvs_be32 old_u32,
                        nfvs_be32 new_u32);
nfvs_be16 recalc_csum128(nfvs_be16 old_csum, const struct in6_addr *old,
                         const struct in6_addr *new);

uint32_t packet_csum_pseudoheader(const struct ip_header *);
uint32_t packet_csum_pseudoheader6(const struct ip6_header *,
                                   uint8_t next_header, uint32_t l4_size);
nfvs_be16 packet_csum_upperlayer6(const struct ip6_header *,
                                  const void *l4, uint8_t next_header,
                                  uint32_t l4_size);

uint32_t crc32c(const void *, size_t);

#endif /* csum.h */
