/* tests/fuzz-flow-extract.c: fuzz target for flow_extract() (see fuzz.h).
 *
 * Each input is one Ethernet frame.  Besides the sanitizers' checks of
 * every read, it aborts if composing a packet for the extracted flow and
 * extracting that packet does not give back the same flow. */
#include <config.h>
#include <stdint.h>
#include <stdlib.h>
#include "dp-packet.h"
#include "fuzz.h"
#include "flow.h"
#include "packets.h"

static int
fuzz_flow_extract_one(const uint8_t *data, size_t size)
{
    struct dp_packet packet;
    struct flow flow, flow2;

    dp_packet_use_const(&packet, data, size);
    flow_extract_set_offsets(&packet, 1, &flow);

    /* A runt frame has no Ethernet header to compose back. */
    if (size >= ETH_HEADER_LEN) {
        struct dp_packet *composed = dp_packet_create(0);

        flow_compose(&flow, composed);
        flow_extract(composed, 1, &flow2);
        if (!flow_equal(&flow, &flow2)) {
            abort();
        }
        dp_packet_destroy(composed);
    }
    return 0;
}

FUZZ_TARGET("flow-extract", fuzz_flow_extract_one);
