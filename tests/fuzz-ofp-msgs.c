/* tests/fuzz-ofp-msgs.c: fuzz target for the OpenFlow 1.3 decoder
 * (lib/ofp-msgs.c; see fuzz.h).
 *
 * Each input is a byte stream as a controller would send it: messages
 * are framed one after another as a connection frames them, each is
 * checked against the type table, and those that pass are decoded as the
 * switch decodes them (HELLO, FLOW_MOD, FLOW and AGGREGATE multipart
 * requests).  A FLOW_MOD that decodes is
 * printed, which walks its match and actions; an error is encoded as
 * the reply would be.  Besides the sanitizers' checks, it aborts if an
 * encoded error is not exactly one well-framed ERROR message, or if the
 * match of a FLOW_MOD that decodes does not encode (ofp_put_match()) to
 * an OXM match that decodes back to the same match. */
#include <config.h>
#include <stdlib.h>
#include "dynamic-string.h"
#include "fuzz.h"
#include "match.h"
#include "ofp-flow.h"
#include "ofp-msgs.h"

static void
check_error_reply(const struct ofp_msg *msg, const struct ofp_error *error)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ofp_msg reply;

    ofp_put_error(&out, msg, error);
    if (ofp_msg_frame(out.string, out.length, &reply)
        || reply.size != out.length || reply.type != OFPT_ERROR) {
        abort();
    }
    ds_destroy(&out);
}

static void
check_match_round_trip(const struct match *match)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct ofp_error error;
    struct match match2;
    size_t size;

    ofp_put_match(&out, match);
    if (!ofp_decode_match(out.string, out.length, &match2, &size, &error)
        || size != out.length || !match_equal(match, &match2)) {
        abort();
    }
    ds_destroy(&out);
}

static int
fuzz_ofp_msgs_one(const uint8_t *data, size_t size)
{
    struct ofp_msg msg;

    while (!ofp_msg_frame(data, size, &msg)) {
        struct ofp_error error;

        if (!ofp_msg_check(&msg, &error)) {
            check_error_reply(&msg, &error);
        } else if (msg.type == OFPT_HELLO) {
            (void) ofp_hello_allows_13(&msg);
        } else if (msg.type == OFPT_MULTIPART_REQUEST) {
            struct flow_mod_spec spec;

            if (ofp_decode_flow_stats_request(&msg, &spec, &error)) {
                check_match_round_trip(&spec.match);
                flow_mod_spec_uninit(&spec);
            } else {
                check_error_reply(&msg, &error);
            }
        } else if (msg.type == OFPT_FLOW_MOD) {
            struct flow_mod_spec spec;
            uint16_t flags;

            if (ofp_decode_flow_mod(&msg, &spec, &flags, &error)) {
                struct ds s = DS_EMPTY_INITIALIZER;

                check_match_round_trip(&spec.match);
                flow_mod_spec_format(&spec, &s);
                ds_destroy(&s);
                flow_mod_spec_uninit(&spec);
            } else {
                check_error_reply(&msg, &error);
            }
        }
        data += msg.size;
        size -= msg.size;
    }
    return 0;
}

FUZZ_TARGET("ofp-msgs", fuzz_ofp_msgs_one);
