/* tests/fuzz-odp.c: fuzz target for the datapath's netlink messages, keys
 * and actions (lib/dpif-netlink-msg.c, lib/odp-util.c,
 * lib/odp-execute.c; see fuzz.h).
 *
 * Each input is the payload of a generic netlink message of nfvs.ko
 * (struct nfvs_header, then attributes), as dpif-netlink receives it: an
 * upcall or an execute request (NFVS_PACKET_CMD_*), a flow (dump reply
 * or put request), a vport or a datapath.  It is parsed as each of the
 * four; the key and actions of a packet or flow message that parses are
 * decoded and printed and checked as the userspace datapath checks them
 * (a flow's actions against its key, an execute request's on their own),
 * and a packet message's actions that pass are executed on its packet as
 * the userspace datapath does, re-extracting every packet they output.
 * Besides the sanitizers' checks, it aborts unless a message that parses
 * parses again, the same, once laid out by dpif-netlink-msg's own
 * functions, and unless the key of a flow that a key decodes to is
 * canonical (see check_key()). */
#include <config.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dp-packet.h"
#include "dpif-netlink-msg.h"
#include "dynamic-string.h"
#include "flow.h"
#include "fuzz.h"
#include "nlattr.h"
#include "odp-execute.h"
#include "odp-util.h"
#include "packets.h"

/* Decodes and prints datapath key 'key', and checks that encoding the
 * flow it decodes to gives a canonical key: one that decodes to the same
 * flow and encodes to the same bytes.  (A key that is not canonical, say
 * with TCP ports under another IP protocol, decodes leniently; the
 * userspace datapath refuses such keys by this same comparison.) */
static void
check_key(const void *key, size_t key_size)
{
    struct nl_buf buf = NL_BUF_INITIALIZER;
    struct nl_buf buf2 = NL_BUF_INITIALIZER;
    struct ds s = DS_EMPTY_INITIALIZER;
    struct flow flow, flow2;
    const char *err;
    uint32_t port;

    odp_key_format(&s, key, key_size);
    ds_destroy(&s);
    dpnl_key_in_port(key, key_size, &port);

    if (odp_key_to_flow(key, key_size, &flow, &err)) {
        return;
    }
    odp_key_from_flow(&buf, &flow, flow.in_port);
    if (odp_key_to_flow(buf.data, buf.size, &flow2, &err)) {
        fprintf(stderr, "key of a decoded flow does not decode: %s\n", err);
        abort();
    }
    odp_key_from_flow(&buf2, &flow2, flow2.in_port);
    if (buf.size != buf2.size || memcmp(buf.data, buf2.data, buf.size)) {
        fprintf(stderr, "key of a decoded flow is not canonical\n");
        abort();
    }
    if (buf.size == key_size && !memcmp(buf.data, key, key_size)
        && !flow_equal(&flow, &flow2)) {
        fprintf(stderr, "canonical key decodes to two flows\n");
        abort();
    }
    nl_buf_uninit(&buf2);
    nl_buf_uninit(&buf);
}

/* The packets that the actions output or send to userspace. */
static void
execute_cb(void *aux, struct dp_packet *packet, const struct nlattr *action,
           bool steal)
{
    size_t *n_outputs = aux;
    struct dp_packet *copy = dp_packet_clone(packet);
    struct flow flow;

    flow_extract(copy, 0, &flow);
    dp_packet_destroy(copy);
    (*n_outputs)++;
    if (steal) {
        dp_packet_destroy(packet);
    }
}

/* Checks 'actions' (against 'key' when nonnull) and, if they pass and
 * there is a frame, runs them on a copy of it. */
static void
check_actions(const void *actions, size_t actions_size,
              const void *key, size_t key_size,
              const void *frame, size_t frame_size)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    const char *err;

    odp_actions_format(&s, actions, actions_size);
    ds_destroy(&s);

    if (odp_actions_check(actions, actions_size, key, key_size, &err)) {
        return;
    }
    if (frame && frame_size >= ETH_HEADER_LEN) {
        struct dp_packet *packet = dp_packet_clone_data(frame, frame_size);
        size_t n_outputs = 0;
        struct flow flow;

        flow_extract_set_offsets(packet, 1, &flow);
        odp_execute_actions(&n_outputs, packet, actions, actions_size,
                            execute_cb);
    }
}

/* Checks that laying out a parsed message and parsing that gives a
 * message that lays out the same: the layout and the parser agree. */
#define CHECK_RELAYOUT(TYPE, MSG)                                       \
    do {                                                                \
        struct nl_buf b1 = NL_BUF_INITIALIZER;                          \
        struct nl_buf b2 = NL_BUF_INITIALIZER;                          \
        struct TYPE m2;                                                 \
                                                                        \
        TYPE##_to_payload(MSG, &b1);                                    \
        if (TYPE##_from_payload(b1.data, b1.size, &m2, &err)) {         \
            fprintf(stderr, #TYPE " laid out does not parse: %s\n",     \
                    err);                                               \
            abort();                                                    \
        }                                                               \
        TYPE##_to_payload(&m2, &b2);                                    \
        if (b1.size != b2.size || memcmp(b1.data, b2.data, b1.size)) {  \
            fprintf(stderr, #TYPE " laid out parses differently\n");    \
            abort();                                                    \
        }                                                               \
        nl_buf_uninit(&b2);                                             \
        nl_buf_uninit(&b1);                                             \
    } while (0)

static int
fuzz_odp_one(const uint8_t *data, size_t size)
{
    struct dpnl_packet packet;
    struct dpnl_vport vport;
    struct dpnl_flow flow;
    struct dpnl_dp dp;
    const char *err;

    if (!dpnl_packet_from_payload(data, size, &packet, &err)) {
        CHECK_RELAYOUT(dpnl_packet, &packet);
        if (packet.key) {
            check_key(packet.key, packet.key_size);
        }
        if (packet.has_actions) {
            /* Without the key, as the datapath checks an execute
             * request's actions. */
            check_actions(packet.actions, packet.actions_size, NULL, 0,
                          packet.packet, packet.packet_size);
        }
        if (packet.packet && packet.packet_size >= ETH_HEADER_LEN) {
            struct dp_packet *p = dp_packet_clone_data(packet.packet,
                                                       packet.packet_size);
            struct flow pf;

            flow_extract(p, 1, &pf);
            dp_packet_destroy(p);
        }
    }
    if (!dpnl_flow_from_payload(data, size, &flow, &err)) {
        CHECK_RELAYOUT(dpnl_flow, &flow);
        if (flow.key) {
            check_key(flow.key, flow.key_size);
        }
        if (flow.has_actions) {
            check_actions(flow.actions, flow.actions_size,
                          flow.key, flow.key_size, NULL, 0);
        }
    }
    if (!dpnl_vport_from_payload(data, size, &vport, &err)) {
        CHECK_RELAYOUT(dpnl_vport, &vport);
    }
    if (!dpnl_dp_from_payload(data, size, &dp, &err)) {
        CHECK_RELAYOUT(dpnl_dp, &dp);
    }
    return 0;
}

FUZZ_TARGET("odp", fuzz_odp_one);
