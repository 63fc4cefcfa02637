#include <config.h>
#include "csum.h"

#include <string.h>
#include "packets.h"

/* Adds the 'n' bytes at 'data' to 'partial' as big-endian 16-bit words.
 * An odd last byte counts as the high byte of a word padded with zero, so
 * only the final call of a series may have an odd 'n'. */
uint32_t
csum_continue(uint32_t partial, const void *data_, size_t n)
{
    const uint8_t *data = data_;
    uint64_t sum = partial;

    for (; n >= 2; n -= 2, data += 2) {
        sum += (data[0] << 8) | data[1];
    }
    if (n) {
        sum += data[0] << 8;
    }
    while (sum >> 32) {
        sum = (sum & 0xffffffff) + (sum >> 32);
    }
    return sum;
}

/* Adds 'value' to 'partial'. */
uint32_t
csum_add16(uint32_t partial, nfvs_be16 value)
{
    uint64_t sum = (uint64_t) partial + ntohs(value);

    return (sum & 0xffffffff) + (sum >> 32);
}

/* Adds 'value' to 'partial' as two 16-bit words. */
uint32_t
csum_add32(uint32_t partial, nfvs_be32 value)
{
    uint32_t host = ntohl(value);
    uint64_t sum = (uint64_t) partial + (host >> 16) + (host & 0xffff);

    return (sum & 0xffffffff) + (sum >> 32);
}

/* Folds 'partial' into 16 bits and returns its complement, ready to store
 * in a header. */
nfvs_be16
csum_finish(uint32_t partial)
{
    while (partial >> 16) {
        partial = (partial & 0xffff) + (partial >> 16);
    }
    return htons(~partial & 0xffff);
}

/* Returns the Internet checksum of the 'n' bytes at 'data'. */
nfvs_be16
csum(const void *data, size_t n)
{
    return csum_finish(csum_continue(0, data, n));
}

/* Returns 'old_csum' updated for a 16-bit word of the checksummed data
 * changing from 'old_u16' to 'new_u16' (RFC 1624, equation 3:
 * HC' = ~(~HC + ~m + m')). */
nfvs_be16
recalc_csum16(nfvs_be16 old_csum, nfvs_be16 old_u16, nfvs_be16 new_u16)
{
    uint32_t sum = (uint16_t) ~ntohs(old_csum);

    sum += (uint16_t) ~ntohs(old_u16);
    sum += ntohs(new_u16);
    return csum_finish(sum);
}

/* Like recalc_csum16() for a 32-bit field. */
nfvs_be16
recalc_csum32(nfvs_be16 old_csum, nfvs_be32 old_u32, nfvs_be32 new_u32)
{
    nfvs_be16 c;

    c = recalc_csum16(old_csum, htons(ntohl(old_u32) >> 16),
                      htons(ntohl(new_u32) >> 16));
    return recalc_csum16(c, htons(ntohl(old_u32) & 0xffff),
                         htons(ntohl(new_u32) & 0xffff));
}

/* Like recalc_csum16() for a 128-bit field such as an IPv6 address. */
nfvs_be16
recalc_csum128(nfvs_be16 old_csum, const struct in6_addr *old,
               const struct in6_addr *new)
{
    const uint8_t *o = (const uint8_t *) old;
    const uint8_t *n = (const uint8_t *) new;
    nfvs_be16 c = old_csum;
    int i;

    for (i = 0; i < 16; i += 2) {
        c = recalc_csum16(c, htons((o[i] << 8) | o[i + 1]),
                          htons((n[i] << 8) | n[i + 1]));
    }
    return c;
}

/* Returns the partial checksum of the IPv4 pseudo-header for the L4
 * payload of 'ip': addresses, protocol, and the L4 length taken from the
 * header's total length minus its IHL. */
uint32_t
packet_csum_pseudoheader(const struct ip_header *ip)
{
    uint32_t partial = 0;
    unsigned int l4_size;

    l4_size = ntohs(ip->ip_tot_len) - IP_IHL(ip->ip_ihl_ver) * 4;
    partial = csum_add32(partial, ip->ip_src);
    partial = csum_add32(partial, ip->ip_dst);
    partial = csum_add16(partial, htons(ip->ip_proto));
    partial = csum_add16(partial, htons(l4_size & 0xffff));
    return partial;
}

/* Returns the partial checksum of the IPv6 pseudo-header (RFC 8200 8.1)
 * for 'l4_size' bytes of upper-layer protocol 'next_header'.  The
 * addresses are those of 'ip6'; a routing header that changes the final
 * destination is not taken into account. */
uint32_t
packet_csum_pseudoheader6(const struct ip6_header *ip6, uint8_t next_header,
                          uint32_t l4_size)
{
    uint32_t partial = 0;
    struct in6_addr src = ip6->ip6_src;
    struct in6_addr dst = ip6->ip6_dst;

    partial = csum_continue(partial, &src, sizeof src);
    partial = csum_continue(partial, &dst, sizeof dst);
    partial = csum_add32(partial, htonl(l4_size));
    partial = csum_add32(partial, htonl(next_header));
    return partial;
}

/* Returns the checksum of the 'l4_size' bytes at 'l4' (with their checksum
 * field zero, to compute one, or as received, to verify) under the IPv6
 * pseudo-header of 'ip6'. */
nfvs_be16
packet_csum_upperlayer6(const struct ip6_header *ip6, const void *l4,
                        uint8_t next_header, uint32_t l4_size)
{
    uint32_t partial = packet_csum_pseudoheader6(ip6, next_header, l4_size);

    return csum_finish(csum_continue(partial, l4, l4_size));
}

/* Returns the CRC32c (Castagnoli) of the 'n' bytes at 'data', as SCTP
 * uses it (RFC 3309): store it in the header with the bytes of the
 * little-endian value, i.e. memcpy() of the host value on little-endian
 * hosts.  Bitwise, since only tests and packet composition use it. */
uint32_t
crc32c(const void *data_, size_t n)
{
    const uint8_t *data = data_;
    uint32_t crc = 0xffffffff;

    while (n--) {
        int k;

        crc ^= *data++;
        for (k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
        }
    }
    return ~crc;
}
