/* lib/byte-order.h: types for values kept in network byte order.
 *
 * The typedefs document intent only; the compiler does not check them. */
#ifndef NFVS_BYTE_ORDER_H
#define NFVS_BYTE_ORDER_H 1

#include <arpa/inet.h>
#include <stdint.h>

typedef uint16_t nfvs_be16;
typedef uint32_t nfvs_be32;
typedef uint64_t nfvs_be64;

static inline nfvs_be64
htonll(uint64_t x)
{
    return ((uint64_t) htonl(x) << 32) | htonl(x >> 32);
}

static inline uint64_t
ntohll(nfvs_be64 x)
{
    return htonll(x);
}

#endif /* byte-order.h */
