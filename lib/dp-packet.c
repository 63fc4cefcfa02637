#include <config.h>
#include "dp-packet.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

/* Clears the offload state of 'b' (see dp-packet.h). */
static void
dp_packet_ol_clear__(struct dp_packet *b)
{
    b->ol_flags = 0;
    b->ol_gso_type = 0;
    b->ol_gso_size = 0;
    b->ol_csum_start = 0;
    b->ol_csum_offset = 0;
}

/* Initializes 'b' as an empty packet owning a buffer of 'allocated' bytes,
 * with no headroom.  Release it with dp_packet_uninit(). */
void
dp_packet_init(struct dp_packet *b, size_t allocated)
{
    b->base = allocated ? xmalloc(allocated) : NULL;
    b->data = b->base;
    b->allocated = allocated;
    b->size = 0;
    b->source = DPBUF_MALLOC;
    dp_packet_reset_offsets(b);
    dp_packet_ol_clear__(b);
}

/* Initializes 'b' to read the 'size' bytes at 'data' in place.  'b' does
 * not own 'data', which must outlive it; the packet can be parsed and
 * pulled but never grown or written.  dp_packet_uninit() is optional. */
void
dp_packet_use_const(struct dp_packet *b, const void *data, size_t size)
{
    b->base = (void *) data;
    b->data = (void *) data;
    b->allocated = size;
    b->size = size;
    b->source = DPBUF_CONST;
    dp_packet_reset_offsets(b);
    dp_packet_ol_clear__(b);
}

/* Frees the buffer of 'b', if it owns one, or gives back the bytes it
 * borrowed.  'b' may be NULL. */
void
dp_packet_uninit(struct dp_packet *b)
{
    if (b && b->source == DPBUF_MALLOC) {
        free(b->base);
        b->base = b->data = NULL;
    } else if (b && b->source == DPBUF_BORROWED) {
        b->source = DPBUF_CONST;
        b->release(b);
        b->base = b->data = NULL;
    }
}

void
dp_packet_use_borrowed(struct dp_packet *b, void *data, size_t size,
                       size_t headroom, dp_packet_release_func *release,
                       void *release_aux)
{
    b->base = (char *) data - headroom;
    b->data = data;
    b->allocated = headroom + size;
    b->size = size;
    b->source = DPBUF_BORROWED;
    b->release = release;
    b->release_aux = release_aux;
    dp_packet_reset_offsets(b);
    dp_packet_ol_clear__(b);
}

/* Returns a new empty packet with room for 'size' bytes of frame and
 * 'headroom' bytes in front of it. */
struct dp_packet *
dp_packet_create_with_headroom(size_t size, size_t headroom)
{
    struct dp_packet *b = xmalloc(sizeof *b);

    dp_packet_init(b, size + headroom);
    dp_packet_reserve(b, headroom);
    return b;
}

/* Returns a new empty packet with room for 'size' bytes of frame and
 * DP_PACKET_HEADROOM bytes of headroom. */
struct dp_packet *
dp_packet_create(size_t size)
{
    return dp_packet_create_with_headroom(size, DP_PACKET_HEADROOM);
}

/* Returns a new packet holding a copy of the 'size' bytes at 'data', with
 * DP_PACKET_HEADROOM bytes of headroom and no layer offsets. */
struct dp_packet *
dp_packet_clone_data(const void *data, size_t size)
{
    struct dp_packet *b = dp_packet_create(size);

    dp_packet_put(b, data, size);
    return b;
}

/* Returns a new packet with a copy of the frame and layer offsets of 'src'
 * (which may be DPBUF_CONST), with DP_PACKET_HEADROOM bytes of headroom. */
struct dp_packet *
dp_packet_clone(const struct dp_packet *src)
{
    struct dp_packet *b = dp_packet_clone_data(src->data, src->size);

    b->l2_5_ofs = src->l2_5_ofs;
    b->l3_ofs = src->l3_ofs;
    b->l4_ofs = src->l4_ofs;
    b->l2_pad_size = src->l2_pad_size;
    b->ol_flags = src->ol_flags;
    b->ol_gso_type = src->ol_gso_type;
    b->ol_gso_size = src->ol_gso_size;
    b->ol_csum_start = src->ol_csum_start;
    b->ol_csum_offset = src->ol_csum_offset;
    return b;
}

/* Frees heap packet 'b' and its buffer.  'b' may be NULL. */
void
dp_packet_destroy(struct dp_packet *b)
{
    if (b) {
        dp_packet_uninit(b);
        free(b);
    }
}

/* Moves the buffer of 'b' to a new one with 'new_headroom' bytes before
 * the frame and 'new_tailroom' after it. */
static void
dp_packet_resize__(struct dp_packet *b, size_t new_headroom,
                   size_t new_tailroom)
{
    size_t new_allocated = new_headroom + b->size + new_tailroom;
    char *new_base;

    assert(b->source != DPBUF_CONST);
    new_base = xmalloc(new_allocated);
    if (b->size) {
        memcpy(new_base + new_headroom, b->data, b->size);
    }
    if (b->source == DPBUF_BORROWED) {
        b->source = DPBUF_MALLOC;
        b->release(b);
    } else {
        free(b->base);
    }
    b->base = new_base;
    b->data = new_base + new_headroom;
    b->allocated = new_allocated;
}

void
dp_packet_unborrow(struct dp_packet *b)
{
    if (b->source == DPBUF_BORROWED) {
        dp_packet_resize__(b, DP_PACKET_HEADROOM, 0);
    }
}

/* Makes sure 'b' has at least 'size' bytes of headroom, reallocating if
 * needed (then doubling the room, so that repeated pushes stay cheap). */
void
dp_packet_prealloc_headroom(struct dp_packet *b, size_t size)
{
    if (size > dp_packet_headroom(b)) {
        dp_packet_resize__(b, NFVS_MAX(size, DP_PACKET_HEADROOM) * 2,
                           dp_packet_tailroom(b));
    }
}

/* Makes sure 'b' has at least 'size' bytes of tailroom, reallocating if
 * needed (with room to spare, so that repeated puts stay linear). */
void
dp_packet_prealloc_tailroom(struct dp_packet *b, size_t size)
{
    if (size > dp_packet_tailroom(b)) {
        dp_packet_resize__(b, dp_packet_headroom(b),
                           NFVS_MAX(size, 64) + b->size);
    }
}

/* Reserves 'headroom' bytes in front of the frame of empty packet 'b'. */
void
dp_packet_reserve(struct dp_packet *b, size_t headroom)
{
    assert(!b->size);
    dp_packet_prealloc_tailroom(b, headroom);
    b->data = (char *) b->data + headroom;
}

/* Appends 'size' uninitialized bytes to the frame and returns a pointer
 * to them. */
void *
dp_packet_put_uninit(struct dp_packet *b, size_t size)
{
    void *p;

    dp_packet_prealloc_tailroom(b, size);
    p = dp_packet_tail(b);
    b->size += size;
    return p;
}

/* Appends 'size' zero bytes and returns a pointer to them. */
void *
dp_packet_put_zeros(struct dp_packet *b, size_t size)
{
    void *p = dp_packet_put_uninit(b, size);

    memset(p, 0, size);
    return p;
}

/* Appends a copy of the 'size' bytes at 'data' and returns a pointer to
 * the copy. */
void *
dp_packet_put(struct dp_packet *b, const void *data, size_t size)
{
    void *p = dp_packet_put_uninit(b, size);

    if (size) {
        memcpy(p, data, size);
    }
    return p;
}

static int
hexit_value(int c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Appends the bytes written in hexadecimal in 'hex', two digits a byte;
 * white space may separate bytes.  Returns 0 on success.  On bad input
 * (another character, or an odd digit) returns EINVAL and leaves the
 * bytes before the error appended. */
int
dp_packet_put_hex(struct dp_packet *b, const char *hex)
{
    const unsigned char *s = (const unsigned char *) hex;

    for (;;) {
        int hi, lo;
        uint8_t byte;

        while (isspace(*s)) {
            s++;
        }
        if (!*s) {
            return 0;
        }
        hi = hexit_value(s[0]);
        lo = hi < 0 ? -1 : hexit_value(s[1]);
        if (lo < 0) {
            return EINVAL;
        }
        byte = hi * 16 + lo;
        dp_packet_put(b, &byte, 1);
        s += 2;
    }
}

/* Prepends 'size' uninitialized bytes to the frame, in the headroom if it
 * is large enough, and returns a pointer to them (the new 'data'). */
void *
dp_packet_push_uninit(struct dp_packet *b, size_t size)
{
    dp_packet_prealloc_headroom(b, size);
    b->data = (char *) b->data - size;
    b->size += size;
    return b->data;
}

/* Prepends a copy of the 'size' bytes at 'data'; returns the new start. */
void *
dp_packet_push(struct dp_packet *b, const void *data, size_t size)
{
    void *p = dp_packet_push_uninit(b, size);

    if (size) {
        memcpy(p, data, size);
    }
    return p;
}

/* Removes 'size' bytes from the front of the frame, which must have them,
 * and returns a pointer to the first removed byte (still valid until the
 * next change to 'b'). */
void *
dp_packet_pull(struct dp_packet *b, size_t size)
{
    void *p = b->data;

    assert(size <= b->size);
    b->data = (char *) b->data + size;
    b->size -= size;
    return p;
}

/* Like dp_packet_pull(), but returns NULL and changes nothing if the frame
 * is shorter than 'size'. */
void *
dp_packet_try_pull(struct dp_packet *b, size_t size)
{
    return size <= b->size ? dp_packet_pull(b, size) : NULL;
}

/* Sets the frame's size to 'size', which must fit in the buffer: trims
 * the tail, or takes in tailroom bytes, whose content is unspecified. */
void
dp_packet_set_size(struct dp_packet *b, size_t size)
{
    assert(size <= b->size + dp_packet_tailroom(b));
    b->size = size;
}

static void
shift_offset(uint16_t *ofs, int increment)
{
    if (*ofs != UINT16_MAX) {
        int new_ofs = *ofs + increment;

        *ofs = new_ofs >= 0 && new_ofs < UINT16_MAX ? new_ofs : UINT16_MAX;
    }
}

/* Grows the front of the L2 header by 'increment' bytes (pushing
 * uninitialized bytes) or, if 'increment' is negative, shrinks it by
 * pulling -'increment' bytes, and shifts the L2.5/L3/L4 offsets so that
 * they keep pointing at the same headers.  Returns the new 'data'.
 *
 * To insert a VLAN tag, for example: dp_packet_resize_l2(b, 4), then move
 * the 12 bytes of MAC addresses to the front and write the tag after
 * them.  With enough headroom this copies 12 bytes, not the frame. */
void *
dp_packet_resize_l2(struct dp_packet *b, int increment)
{
    if (increment >= 0) {
        dp_packet_push_uninit(b, increment);
    } else {
        dp_packet_pull(b, -increment);
    }
    shift_offset(&b->l2_5_ofs, increment);
    shift_offset(&b->l3_ofs, increment);
    shift_offset(&b->l4_ofs, increment);
    if (b->ol_flags & DP_PACKET_OL_CSUM_PARTIAL) {
        b->ol_csum_start += increment;
    }
    return b->data;
}

/* Marks every layer of 'b' absent. */
void
dp_packet_reset_offsets(struct dp_packet *b)
{
    b->l2_5_ofs = UINT16_MAX;
    b->l3_ofs = UINT16_MAX;
    b->l4_ofs = UINT16_MAX;
    b->l2_pad_size = 0;
}

/* Returns the start of the frame (the Ethernet header), or NULL if the
 * frame is empty. */
void *
dp_packet_l2(const struct dp_packet *b)
{
    return b->size ? b->data : NULL;
}

static void *
dp_packet_at_ofs__(const struct dp_packet *b, uint16_t ofs)
{
    return ofs != UINT16_MAX ? (char *) b->data + ofs : NULL;
}

/* These return the start of a layer, or NULL if parsing did not find
 * it. */
void *
dp_packet_l2_5(const struct dp_packet *b)
{
    return dp_packet_at_ofs__(b, b->l2_5_ofs);
}

void *
dp_packet_l3(const struct dp_packet *b)
{
    return dp_packet_at_ofs__(b, b->l3_ofs);
}

void *
dp_packet_l4(const struct dp_packet *b)
{
    return dp_packet_at_ofs__(b, b->l4_ofs);
}

/* Returns the bytes from the L4 header to the end of the IP datagram
 * (Ethernet padding excluded), or 0 if there is no L4 header. */
size_t
dp_packet_l4_size(const struct dp_packet *b)
{
    if (b->l4_ofs == UINT16_MAX
        || b->l4_ofs + b->l2_pad_size > b->size) {
        return 0;
    }
    return b->size - b->l4_ofs - b->l2_pad_size;
}
