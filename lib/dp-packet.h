/* lib/dp-packet.h: a packet buffer that carries one frame through the
 * datapath.
 *
 * A dp_packet is a contiguous buffer with the frame's bytes somewhere
 * inside it:
 *
 *     base            data                    data + size     base + allocated
 *     |<- headroom  ->|<-------- frame -------->|<- tailroom ->|
 *
 * Headroom lets a header (an 802.1Q tag, later a tunnel header) be pushed
 * in front of the frame without moving it; dp_packet_create() reserves
 * DP_PACKET_HEADROOM bytes for that.  Functions that grow the frame
 * reallocate when the room is short, which invalidates every pointer into
 * the old buffer.
 *
 * Parsing (flow_extract_set_offsets(), flow_compose()) records where the
 * layers start, as byte offsets from 'data', so later stages need not
 * parse again:
 *   - L2.5: the first VLAN tag (TPID) after the MAC addresses, if any
 *     (OVS keeps MPLS here; nfvs does not parse MPLS);
 *   - L3: the frame's payload after the Ethernet/VLAN/SNAP headers;
 *   - L4: the payload after the IPv4 header or the IPv6 header and its
 *     extension headers, when the IP header is valid.
 * An absent layer has offset UINT16_MAX.  Functions that add or remove
 * bytes at the front shift the offsets (dp_packet_resize_l2()) or say that
 * they leave them alone.
 *
 * Offload state ('ol_*' members) says what a device left undone, as the
 * kernel's virtio-net header does: a partial checksum that still has to
 * be completed over [ol_csum_start, end of frame) and stored at
 * ol_csum_start + ol_csum_offset (the field already holds the folded
 * pseudo-header sum), and whether the packet is a GSO super-packet to be
 * cut into segments of 'ol_gso_size' payload bytes.  ol_csum_start counts
 * from 'data' and moves with the layer offsets.  The packet buffer
 * functions copy it (dp_packet_clone()) and otherwise leave it alone; see
 * dp-packet-offload.h for the helpers that read and resolve it.
 *
 * Not thread-safe: one thread owns a packet at a time. */
#ifndef NFVS_DP_PACKET_H
#define NFVS_DP_PACKET_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Headroom dp_packet_create() leaves in front of the frame: room for
 * several VLAN tags or one encapsulation header. */
#define DP_PACKET_HEADROOM 64

enum dp_packet_source {
    DPBUF_MALLOC,               /* Owned buffer from xmalloc(). */
    DPBUF_CONST,                /* Borrowed read-only bytes; never grown,
                                 * written or freed. */
    DPBUF_BORROWED              /* Borrowed writable bytes (a packet
                                 * ring's frame): written in place,
                                 * moved to a heap buffer when grown past
                                 * them, handed back with 'release'. */
};

struct dp_packet;

/* Gives the bytes of borrowed packet 'b' back to their owner; called
 * once, from whichever thread drops the bytes. */
typedef void dp_packet_release_func(struct dp_packet *b);

/* dp_packet 'ol_flags' bits. */
#define DP_PACKET_OL_CSUM_PARTIAL 0x01  /* L4 checksum left to complete. */
#define DP_PACKET_OL_CSUM_VALID   0x02  /* L4 checksum known to be good. */

/* dp_packet 'ol_gso_type' values (those of the virtio-net header). */
#define DP_PACKET_GSO_NONE  0
#define DP_PACKET_GSO_TCPV4 1       /* TCP over IPv4. */
#define DP_PACKET_GSO_UDP   3       /* UDP fragmentation offload. */
#define DP_PACKET_GSO_TCPV6 4       /* TCP over IPv6. */
#define DP_PACKET_GSO_UDP_L4 5      /* UDP segmentation (USO). */

struct dp_packet {
    void *base;                 /* Start of the buffer; NULL if none. */
    void *data;                 /* First byte of the frame. */
    uint32_t allocated;         /* Bytes at 'base'. */
    uint32_t size;              /* Bytes of frame at 'data'. */
    enum dp_packet_source source; /* Who owns 'base'. */
    uint16_t l2_5_ofs;          /* First VLAN tag, or UINT16_MAX. */
    uint16_t l3_ofs;            /* L3 header, or UINT16_MAX. */
    uint16_t l4_ofs;            /* L4 header, or UINT16_MAX. */
    uint16_t l2_pad_size;       /* Bytes past the IP datagram (padding). */

    /* Offload state; all zero for an ordinary packet. */
    uint8_t ol_flags;           /* DP_PACKET_OL_* (dp-packet-offload.h). */
    uint8_t ol_gso_type;        /* DP_PACKET_GSO_*, or 0 for none. */
    uint16_t ol_gso_size;       /* GSO: L4 payload bytes per segment. */
    uint16_t ol_csum_start;     /* Partial: offset of the summed bytes. */
    uint16_t ol_csum_offset;    /* Partial: checksum field's offset from
                                 * ol_csum_start. */

    /* DPBUF_BORROWED only. */
    dp_packet_release_func *release; /* Hands the bytes back. */
    void *release_aux;          /* For 'release'. */
};

/* Embedded packets. */
void dp_packet_init(struct dp_packet *, size_t allocated);
void dp_packet_use_const(struct dp_packet *, const void *data, size_t size);
void dp_packet_uninit(struct dp_packet *);

/* Heap packets; the caller frees them with dp_packet_destroy(). */
struct dp_packet *dp_packet_create(size_t size);
struct dp_packet *dp_packet_create_with_headroom(size_t size,
                                                 size_t headroom);
struct dp_packet *dp_packet_clone(const struct dp_packet *);
struct dp_packet *dp_packet_clone_data(const void *data, size_t size);
void dp_packet_destroy(struct dp_packet *);

/* Borrowed packets (DPBUF_BORROWED).  dp_packet_use_borrowed() makes
 * heap packet 'b' hold the 'size' bytes at 'data', with 'headroom' bytes
 * before them that it may write; 'release' is called with 'b' once the
 * packet lets go of them (dp_packet_uninit(), or a move to a heap buffer
 * when a push or put needs more room).  dp_packet_unborrow() moves the
 * frame of a borrowed packet to a heap buffer now (for a packet kept
 * past the owner's deadline, such as a queued upcall); it does nothing
 * for other packets. */
void dp_packet_use_borrowed(struct dp_packet *b, void *data, size_t size,
                            size_t headroom, dp_packet_release_func *release,
                            void *release_aux);
void dp_packet_unborrow(struct dp_packet *b);

static inline void *
dp_packet_data(const struct dp_packet *b)
{
    return b->data;
}

static inline size_t
dp_packet_size(const struct dp_packet *b)
{
    return b->size;
}

static inline size_t
dp_packet_headroom(const struct dp_packet *b)
{
    return (char *) b->data - (char *) b->base;
}

static inline size_t
dp_packet_tailroom(const struct dp_packet *b)
{
    return b->allocated - dp_packet_headroom(b) - b->size;
}

/* One past the last byte of the frame. */
static inline void *
dp_packet_tail(const struct dp_packet *b)
{
    return (char *) b->data + b->size;
}

/* Growing and shrinking.  None of these may be used on a DPBUF_CONST
 * packet except the pulls.  The "prealloc" functions ensure room and may
 * reallocate; "put" appends at the tail, "push" prepends into the
 * headroom, "pull" drops bytes from the front.  put/push/pull leave the
 * layer offsets unchanged. */
void dp_packet_reserve(struct dp_packet *, size_t headroom);
void dp_packet_prealloc_headroom(struct dp_packet *, size_t size);
void dp_packet_prealloc_tailroom(struct dp_packet *, size_t size);
void *dp_packet_put_uninit(struct dp_packet *, size_t size);
void *dp_packet_put_zeros(struct dp_packet *, size_t size);
void *dp_packet_put(struct dp_packet *, const void *data, size_t size);
int dp_packet_put_hex(struct dp_packet *, const char *hex);
void *dp_packet_push_uninit(struct dp_packet *, size_t size);
void *dp_packet_push(struct dp_packet *, const void *data, size_t size);
void *dp_packet_pull(struct dp_packet *, size_t size);
void *dp_packet_try_pull(struct dp_packet *, size_t size);
void dp_packet_set_size(struct dp_packet *, size_t size);
void *dp_packet_resize_l2(struct dp_packet *, int increment);

/* Layer offsets. */
void dp_packet_reset_offsets(struct dp_packet *);
void *dp_packet_l2(const struct dp_packet *);
void *dp_packet_l2_5(const struct dp_packet *);
void *dp_packet_l3(const struct dp_packet *);
void *dp_packet_l4(const struct dp_packet *);
size_t dp_packet_l4_size(const struct dp_packet *);

#endif /* dp-packet.h */
