#include <config.h>
#include "flow.h"

#include <string.h>
#include "hash.h"

bool
flow_equal(const struct flow *a, const struct flow *b)
{
    return !memcmp(a, b, sizeof *a);
}

uint32_t
flow_hash(const struct flow *flow, uint32_t basis)
{
    return hash_words64(flow_u64s(flow), FLOW_U64S, basis);
}
