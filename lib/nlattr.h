/* lib/nlattr.h: netlink attribute streams, built and parsed in memory.
 *
 * Datapath flow keys and actions are netlink attribute streams (see
 * datapath/nfvs_abi.h) in both datapaths: the kernel module receives them
 * in genl messages and the userspace datapath keeps them as they are.
 * These helpers only lay out and read the attribute format; talking to
 * the kernel is lib/netlink-socket.c's job.
 *
 * Attributes are 4-byte aligned: every put pads to NLA_ALIGNTO.
 *
 * Thread-safety: a 'struct nl_buf' belongs to one thread at a time. */
#ifndef NFVS_NLATTR_H
#define NFVS_NLATTR_H 1

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct nl_buf {
    uint8_t *data;              /* Attribute stream. */
    size_t size;                /* Bytes used. */
    size_t allocated;           /* Bytes allocated. */
};

#define NL_BUF_INITIALIZER { NULL, 0, 0 }

void nl_buf_init(struct nl_buf *);
void nl_buf_uninit(struct nl_buf *);
void nl_buf_clear(struct nl_buf *);

/* Appends 'n' raw bytes (uninitialized, or copied from 'data') and
 * returns where they start; the pointer is valid until the next append.
 * For copying whole attribute streams. */
void *nl_buf_put_uninit(struct nl_buf *, size_t n);
void nl_buf_put(struct nl_buf *, const void *data, size_t n);

void nl_put_unspec(struct nl_buf *, uint16_t type, const void *, size_t);
void nl_put_flag(struct nl_buf *, uint16_t type);
void nl_put_u16(struct nl_buf *, uint16_t type, uint16_t);
void nl_put_u32(struct nl_buf *, uint16_t type, uint32_t);
void nl_put_u64(struct nl_buf *, uint16_t type, uint64_t);

/* Starts a nested attribute; returns the offset to pass to
 * nl_nest_end(). */
size_t nl_nest_start(struct nl_buf *, uint16_t type);
void nl_nest_end(struct nl_buf *, size_t offset);

static inline uint16_t
nl_attr_type(const struct nlattr *nla)
{
    return nla->nla_type & NLA_TYPE_MASK;
}

static inline const void *
nl_attr_get(const struct nlattr *nla)
{
    return (const uint8_t *) nla + NLA_HDRLEN;
}

static inline size_t
nl_attr_get_size(const struct nlattr *nla)
{
    return nla->nla_len - NLA_HDRLEN;
}

#define NL_ATTR_GETTER(TYPE, NAME)                      \
    static inline TYPE                                  \
    nl_attr_get_##NAME(const struct nlattr *nla)        \
    {                                                   \
        TYPE x;                                         \
        memcpy(&x, nl_attr_get(nla), sizeof x);         \
        return x;                                       \
    }
NL_ATTR_GETTER(uint16_t, u16)
NL_ATTR_GETTER(uint32_t, u32)
NL_ATTR_GETTER(uint64_t, u64)
#undef NL_ATTR_GETTER

/* Returns true if the 'left' bytes at 'nla' start with a whole, valid
 * attribute header and payload. */
static inline bool
nl_attr_is_valid(const struct nlattr *nla, size_t left)
{
    return (left >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN
            && nla->nla_len <= left);
}

static inline const struct nlattr *
nl_attr_next(const struct nlattr *nla)
{
    return (const struct nlattr *) ((const uint8_t *) nla
                                    + NLA_ALIGN(nla->nla_len));
}

static inline size_t
nl_attr_left_after(const struct nlattr *nla, size_t left)
{
    size_t step = NLA_ALIGN(nla->nla_len);

    return step < left ? left - step : 0;
}

/* Iterates over the valid attributes in 'SIZE' bytes at 'DATA'; stops at
 * the first invalid one (then LEFT is nonzero). */
#define NL_ATTR_FOR_EACH(ITER, LEFT, DATA, SIZE)                        \
    for ((ITER) = (const struct nlattr *) (DATA), (LEFT) = (SIZE);      \
         nl_attr_is_valid(ITER, LEFT);                                  \
         (LEFT) = nl_attr_left_after(ITER, LEFT),                       \
         (ITER) = nl_attr_next(ITER))

/* Expected payload of one attribute type, for nl_parse(). */
struct nl_policy {
    bool used;                  /* False: the type is not allowed. */
    size_t min_size;            /* Smallest payload. */
    size_t max_size;            /* Largest payload. */
};

/* Parses 'size' bytes at 'data' into 'tb[0..n_policy-1]' (NULL where
 * absent) under 'policy'.  Fails on a malformed stream, an attribute type
 * the policy does not allow, a payload of the wrong size or a repeated
 * attribute.  Returns true on success; otherwise stores a static reason in
 * '*errp' when nonnull. */
bool nl_parse(const void *data, size_t size,
              const struct nl_policy policy[], size_t n_policy,
              const struct nlattr *tb[], const char **errp);

#endif /* nlattr.h */
