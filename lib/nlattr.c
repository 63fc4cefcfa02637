#include <config.h>
#include "nlattr.h"

#include <stdlib.h>
#include "util.h"

void
nl_buf_init(struct nl_buf *b)
{
    b->data = NULL;
    b->size = 0;
    b->allocated = 0;
}

void
nl_buf_uninit(struct nl_buf *b)
{
    free(b->data);
    nl_buf_init(b);
}

void
nl_buf_clear(struct nl_buf *b)
{
    b->size = 0;
}

void *
nl_buf_put_uninit(struct nl_buf *b, size_t n)
{
    void *p;

    if (b->size + n > b->allocated) {
        b->allocated = NFVS_MAX(b->size + n, NFVS_MAX(64, b->allocated * 2));
        b->data = xrealloc(b->data, b->allocated);
    }
    p = b->data + b->size;
    b->size += n;
    return p;
}

void
nl_buf_put(struct nl_buf *b, const void *data, size_t n)
{
    if (n) {
        memcpy(nl_buf_put_uninit(b, n), data, n);
    }
}

void
nl_put_unspec(struct nl_buf *b, uint16_t type, const void *data,
              size_t size)
{
    size_t total = NLA_ALIGN(NLA_HDRLEN + size);
    uint8_t *p = nl_buf_put_uninit(b, total);
    struct nlattr nla;

    nla.nla_len = NLA_HDRLEN + size;
    nla.nla_type = type;
    memcpy(p, &nla, sizeof nla);
    if (size) {
        memcpy(p + NLA_HDRLEN, data, size);
    }
    memset(p + NLA_HDRLEN + size, 0, total - NLA_HDRLEN - size);
}

void
nl_put_flag(struct nl_buf *b, uint16_t type)
{
    nl_put_unspec(b, type, NULL, 0);
}

void
nl_put_u16(struct nl_buf *b, uint16_t type, uint16_t x)
{
    nl_put_unspec(b, type, &x, sizeof x);
}

void
nl_put_u32(struct nl_buf *b, uint16_t type, uint32_t x)
{
    nl_put_unspec(b, type, &x, sizeof x);
}

void
nl_put_u64(struct nl_buf *b, uint16_t type, uint64_t x)
{
    nl_put_unspec(b, type, &x, sizeof x);
}

size_t
nl_nest_start(struct nl_buf *b, uint16_t type)
{
    size_t offset = b->size;

    nl_put_unspec(b, type | NLA_F_NESTED, NULL, 0);
    return offset;
}

void
nl_nest_end(struct nl_buf *b, size_t offset)
{
    struct nlattr nla;

    memcpy(&nla, b->data + offset, sizeof nla);
    nla.nla_len = b->size - offset;
    memcpy(b->data + offset, &nla, sizeof nla);
}

bool
nl_parse(const void *data, size_t size, const struct nl_policy policy[],
         size_t n_policy, const struct nlattr *tb[], const char **errp)
{
    const struct nlattr *nla;
    const char *err = NULL;
    size_t left;

    memset(tb, 0, n_policy * sizeof *tb);
    NL_ATTR_FOR_EACH (nla, left, data, size) {
        uint16_t type = nl_attr_type(nla);
        size_t len = nl_attr_get_size(nla);

        if (type >= n_policy || !policy[type].used) {
            err = "unknown attribute type";
            goto out;
        }
        if (len < policy[type].min_size || len > policy[type].max_size) {
            err = "attribute has the wrong size";
            goto out;
        }
        if (tb[type]) {
            err = "duplicate attribute";
            goto out;
        }
        tb[type] = nla;
    }
    if (left) {
        err = "truncated attribute";
    }

out:
    if (err && errp) {
        *errp = err;
    }
    return !err;
}
