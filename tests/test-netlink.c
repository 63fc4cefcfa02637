/* Tests of lib/netlink-socket.h and lib/dpif-netlink-msg.h that need no
 * kernel module: message layouts, request framing, batched receive (on a
 * datagram socketpair standing in for a netlink socket) and libnl error
 * translation.
 *
 *   nfvstest test-netlink codec     round trips and malformed payloads
 *   nfvstest test-netlink framing   request encode / message parse
 *   nfvstest test-netlink batch     recvmmsg batching, drops counted
 *   nfvstest test-netlink resolve   genl family lookups (real kernel) */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include "dpif-netlink-msg.h"
#include "netlink-socket.h"
#include "nfvstest.h"
#include "nlattr.h"
#include "packets.h"
#include "util.h"

static void
test_dp_codec(void)
{
    struct nl_buf buf = NL_BUF_INITIALIZER;
    uint32_t pids[3] = { 100, 200, 300 };
    struct dpnl_dp in, out;
    uint32_t pid;
    const char *err = NULL;

    memset(&in, 0, sizeof in);
    in.dp_ifindex = 7;
    in.name = "br0";
    in.has_upcall_pids = true;
    in.upcall_pids = pids;
    in.n_upcall_pids = 3;
    in.has_stats = true;
    in.stats.n_hit = 1;
    in.stats.n_lost_nopid = 5;
    in.has_flow_limit = true;
    in.flow_limit = 1000;
    dpnl_dp_to_payload(&in, &buf);
    CHECK(!dpnl_dp_from_payload(buf.data, buf.size, &out, &err));
    CHECK(out.dp_ifindex == 7);
    CHECK(!strcmp(out.name, "br0"));
    CHECK(out.has_upcall_pids && out.n_upcall_pids == 3);
    memcpy(&pid, (const uint8_t *) out.upcall_pids + 8, sizeof pid);
    CHECK(pid == 300);
    CHECK(out.has_stats && out.stats.n_hit == 1
          && out.stats.n_lost_nopid == 5);
    CHECK(out.has_flow_limit && out.flow_limit == 1000);
    printf("dp: %zu bytes\n", buf.size);

    /* An empty pid list is present, not absent: it disables upcalls. */
    nl_buf_clear(&buf);
    memset(&in, 0, sizeof in);
    in.has_upcall_pids = true;
    dpnl_dp_to_payload(&in, &buf);
    CHECK(!dpnl_dp_from_payload(buf.data, buf.size, &out, NULL));
    CHECK(out.has_upcall_pids && !out.n_upcall_pids && !out.name);

    /* Malformed: short header, odd pid array, unterminated name. */
    CHECK(dpnl_dp_from_payload(buf.data, 2, &out, &err) == EINVAL);
    printf("dp short: %s\n", err);
    nl_buf_clear(&buf);
    nl_buf_put(&buf, &in.dp_ifindex, sizeof in.dp_ifindex);
    nl_put_unspec(&buf, NFVS_DP_ATTR_UPCALL_PIDS, pids, 6);
    CHECK(dpnl_dp_from_payload(buf.data, buf.size, &out, &err) == EINVAL);
    printf("dp pids: %s\n", err);
    nl_buf_clear(&buf);
    nl_buf_put(&buf, &in.dp_ifindex, sizeof in.dp_ifindex);
    nl_put_unspec(&buf, NFVS_DP_ATTR_NAME, "br0", 3);
    CHECK(dpnl_dp_from_payload(buf.data, buf.size, &out, &err) == EINVAL);
    printf("dp name: %s\n", err);
    nl_buf_clear(&buf);
    nl_buf_put(&buf, &in.dp_ifindex, sizeof in.dp_ifindex);
    nl_put_u32(&buf, NFVS_DP_ATTR_MAX + 1, 1);
    CHECK(dpnl_dp_from_payload(buf.data, buf.size, &out, &err) == EINVAL);
    printf("dp unknown: %s\n", err);
    nl_buf_clear(&buf);
    nl_buf_put(&buf, &in.dp_ifindex, sizeof in.dp_ifindex);
    nl_put_u64(&buf, NFVS_DP_ATTR_FLOW_LIMIT, 1);
    CHECK(dpnl_dp_from_payload(buf.data, buf.size, &out, &err) == EINVAL);
    printf("dp size: %s\n", err);
    nl_buf_uninit(&buf);
}

static void
test_vport_codec(void)
{
    struct nl_buf buf = NL_BUF_INITIALIZER;
    struct dpnl_vport in, out;
    const char *err = NULL;

    memset(&in, 0, sizeof in);
    in.dp_ifindex = 3;
    in.has_port_no = true;
    in.port_no = 0;
    in.type = NFVS_VPORT_TYPE_INTERNAL;
    in.name = "br0";
    in.ifindex = 9;
    in.has_stats = true;
    in.stats.tx_dropped = 4;
    dpnl_vport_to_payload(&in, &buf);
    CHECK(!dpnl_vport_from_payload(buf.data, buf.size, &out, &err));
    CHECK(out.dp_ifindex == 3 && out.has_port_no && out.port_no == 0);
    CHECK(out.type == NFVS_VPORT_TYPE_INTERNAL && out.ifindex == 9);
    CHECK(!strcmp(out.name, "br0") && out.stats.tx_dropped == 4);

    /* Port 0 is a real number: absent and zero differ. */
    nl_buf_clear(&buf);
    memset(&in, 0, sizeof in);
    in.name = "eth1";
    dpnl_vport_to_payload(&in, &buf);
    CHECK(!dpnl_vport_from_payload(buf.data, buf.size, &out, NULL));
    CHECK(!out.has_port_no && !out.type && !out.has_stats);
    printf("vport: ok\n");
    nl_buf_uninit(&buf);
}

static void
test_flow_codec(void)
{
    struct nl_buf key = NL_BUF_INITIALIZER;
    struct nl_buf actions = NL_BUF_INITIALIZER;
    struct nl_buf buf = NL_BUF_INITIALIZER;
    static const uint8_t frame[ETH_HEADER_LEN] = { 0xff, 0xff };
    struct dpnl_flow in, out;
    const struct nlattr *nla;
    uint32_t port;

    nl_put_u32(&key, NFVS_KEY_ATTR_IN_PORT, 2);
    nl_put_u16(&key, NFVS_KEY_ATTR_ETHERTYPE, 0x0008);
    nl_put_u32(&actions, NFVS_ACTION_ATTR_OUTPUT, 1);

    memset(&in, 0, sizeof in);
    in.dp_ifindex = 5;
    in.key = key.data;
    in.key_size = key.size;
    in.has_actions = true;
    in.actions = actions.data;
    in.actions_size = actions.size;
    in.has_stats = true;
    in.stats.n_packets = 10;
    in.stats.n_bytes = 1500;
    in.used = 123456789012ULL;
    in.tcp_flags = 0x12;
    in.has_tcp_seq = true;
    in.tcp_seq.seq_end = 1000;
    in.tcp_seq.ack = 2000;
    in.tcp_seq.win = 512;
    in.tcp_seq.valid = 1;
    in.clear = true;
    in.packet = frame;
    in.packet_size = sizeof frame;
    dpnl_flow_to_payload(&in, &buf);

    /* Nested attributes carry NLA_F_NESTED, as strict kernels want. */
    nla = (const struct nlattr *) (buf.data + sizeof(struct nfvs_header));
    CHECK(nla->nla_type == (NFVS_FLOW_ATTR_KEY | NLA_F_NESTED));

    CHECK(!dpnl_flow_from_payload(buf.data, buf.size, &out, NULL));
    CHECK(out.key_size == key.size && !memcmp(out.key, key.data, key.size));
    CHECK(out.has_actions && out.actions_size == actions.size);
    CHECK(out.stats.n_packets == 10 && out.stats.n_bytes == 1500);
    CHECK(out.used == 123456789012ULL && out.tcp_flags == 0x12);
    CHECK(out.has_tcp_seq && out.tcp_seq.seq_end == 1000
          && out.tcp_seq.ack == 2000 && out.tcp_seq.win == 512);
    CHECK(out.clear);
    CHECK(out.packet_size == sizeof frame
          && !memcmp(out.packet, frame, sizeof frame));
    CHECK(dpnl_key_in_port(out.key, out.key_size, &port) && port == 2);

    /* A packet shorter than an Ethernet header is refused. */
    nl_buf_clear(&buf);
    in.packet_size = ETH_HEADER_LEN - 1;
    dpnl_flow_to_payload(&in, &buf);
    CHECK(dpnl_flow_from_payload(buf.data, buf.size, &out, NULL) == EINVAL);

    /* An empty action list (drop) is present, not absent. */
    nl_buf_clear(&buf);
    memset(&in, 0, sizeof in);
    in.key = key.data;
    in.key_size = key.size;
    in.has_actions = true;
    dpnl_flow_to_payload(&in, &buf);
    CHECK(!dpnl_flow_from_payload(buf.data, buf.size, &out, NULL));
    CHECK(out.has_actions && !out.actions_size && !out.has_stats);
    CHECK(!out.packet);
    CHECK(!dpnl_key_in_port((const uint8_t *) key.data + 8, key.size - 8,
                            &port));
    CHECK(!dpnl_key_in_port(key.data, 6, &port));
    printf("flow: ok\n");
    nl_buf_uninit(&key);
    nl_buf_uninit(&actions);
    nl_buf_uninit(&buf);
}

/* Appends to 'out' a whole upcall message (MISS) of 'packet_size' bytes
 * of packet, from in_port 'port' with hash 'hash'. */
static void
put_upcall(struct nl_buf *out, int family, uint32_t port, uint32_t hash,
           size_t packet_size)
{
    struct nl_buf key = NL_BUF_INITIALIZER;
    struct nl_buf payload = NL_BUF_INITIALIZER;
    uint8_t *packet = xzalloc(packet_size);
    struct dpnl_packet p;
    struct nl_request req;

    nl_put_u32(&key, NFVS_KEY_ATTR_IN_PORT, port);
    memset(&p, 0, sizeof p);
    p.dp_ifindex = 4;
    p.packet = packet;
    p.packet_size = packet_size;
    p.key = key.data;
    p.key_size = key.size;
    p.has_hash = true;
    p.hash = hash;
    dpnl_packet_to_payload(&p, &payload);
    memset(&req, 0, sizeof req);
    req.family = family;
    req.cmd = NFVS_PACKET_CMD_MISS;
    req.version = NFVS_GENL_VERSION;
    req.payload = payload.data;
    req.payload_size = payload.size;
    nl_request_encode(&req, 0, 0, out);
    free(packet);
    nl_buf_uninit(&key);
    nl_buf_uninit(&payload);
}

/* The checksum flag of an upcall goes both ways and is a flag: a payload
 * on it is refused. */
static void
test_csum_valid_flag(void)
{
    struct nl_buf payload = NL_BUF_INITIALIZER;
    struct dpnl_packet p;
    uint8_t frame[60];

    memset(frame, 0, sizeof frame);
    memset(&p, 0, sizeof p);
    p.packet = frame;
    p.packet_size = sizeof frame;
    p.csum_valid = true;
    dpnl_packet_to_payload(&p, &payload);
    CHECK(!dpnl_packet_from_payload(payload.data, payload.size, &p, NULL));
    CHECK(p.csum_valid && p.packet_size == sizeof frame);
    nl_buf_uninit(&payload);

    memset(&p, 0, sizeof p);
    p.packet = frame;
    p.packet_size = sizeof frame;
    dpnl_packet_to_payload(&p, &payload);
    nl_put_u32(&payload, NFVS_PACKET_ATTR_CSUM_VALID, 1);
    CHECK(dpnl_packet_from_payload(payload.data, payload.size, &p, NULL)
          == EINVAL);
    nl_buf_uninit(&payload);
}

static void
test_framing(void)
{
    struct nl_buf msg = NL_BUF_INITIALIZER;
    struct nl_msg_view view;
    struct dpnl_packet p;
    size_t size;

    put_upcall(&msg, 0x20, 3, 0xabcd, 61);
    CHECK(msg.size % 4 == 0);
    CHECK(!nl_msg_view_parse(msg.data, msg.size, &view, &size));
    CHECK(size == msg.size && view.type == 0x20);
    CHECK(view.cmd == NFVS_PACKET_CMD_MISS);
    CHECK(view.version == NFVS_GENL_VERSION);
    CHECK(view.flags & NLM_F_REQUEST);
    CHECK(!dpnl_packet_from_payload(view.payload, view.payload_size, &p,
                                    NULL));
    CHECK(p.dp_ifindex == 4 && p.packet_size == 61);
    CHECK(p.has_hash && p.hash == 0xabcd && !p.has_actions);
    CHECK(!p.csum_valid);
    test_csum_valid_flag();

    /* Truncated at every length: rejected, never read past the end. */
    for (size = 0; size < msg.size; size++) {
        size_t used;
        int error = nl_msg_view_parse(msg.data, size, &view, &used);

        if (!error) {
            CHECK(dpnl_packet_from_payload(view.payload, view.payload_size,
                                           &p, NULL) == EINVAL);
        }
    }
    printf("framing: %zu-byte upcall ok\n", msg.size);
    nl_buf_uninit(&msg);
}

static void
send_msg(int fd, const struct nl_buf *msg)
{
    CHECK(send(fd, msg->data, msg->size, 0) == (ssize_t) msg->size);
}

static void
test_batch(void)
{
    struct nl_msg_view views[16];
    struct nl_rxbuf_stats st;
    struct nl_buf msg = NL_BUF_INITIALIZER;
    struct nl_rxbuf *rx;
    size_t i, n;
    int fds[2];

    CHECK(!socketpair(AF_UNIX, SOCK_DGRAM, 0, fds));
    rx = nl_rxbuf_create(16, 1024);

    CHECK(nl_recv_batch_fd(fds[0], rx, views, 16, &n) == EAGAIN && !n);

    /* 10 upcalls, one too big for a slot, one that is no genl message,
     * one control message. */
    for (i = 0; i < 10; i++) {
        nl_buf_clear(&msg);
        put_upcall(&msg, 0x20, i, i * 7, i == 4 ? 2000 : 60);
        send_msg(fds[1], &msg);
    }
    nl_buf_clear(&msg);
    nl_buf_put(&msg, "garbage!", 8);
    send_msg(fds[1], &msg);
    nl_buf_clear(&msg);
    nl_request_encode(&(struct nl_request) { .family = NLMSG_NOOP },
                      0, 0, &msg);
    send_msg(fds[1], &msg);

    CHECK(!nl_recv_batch_fd(fds[0], rx, views, 16, &n));
    printf("batch: %zu messages\n", n);
    for (i = 0; i < n; i++) {
        struct dpnl_packet p;
        uint32_t port;

        CHECK(!dpnl_packet_from_payload(views[i].payload,
                                        views[i].payload_size, &p, NULL));
        CHECK(dpnl_key_in_port(p.key, p.key_size, &port));
        printf(" %u", (unsigned int) port);
    }
    printf("\n");
    nl_rxbuf_get_stats(rx, &st);
    printf("calls %llu msgs %llu truncated %llu malformed %llu\n",
           (unsigned long long) st.n_calls, (unsigned long long) st.n_msgs,
           (unsigned long long) st.n_truncated,
           (unsigned long long) st.n_malformed);

    /* 'max' limits one call. */
    for (i = 0; i < 5; i++) {
        nl_buf_clear(&msg);
        put_upcall(&msg, 0x20, 100 + i, 0, 60);
        send_msg(fds[1], &msg);
    }
    CHECK(!nl_recv_batch_fd(fds[0], rx, views, 3, &n) && n == 3);
    CHECK(!nl_recv_batch_fd(fds[0], rx, views, 3, &n) && n == 2);
    CHECK(nl_recv_batch_fd(fds[0], rx, views, 3, &n) == EAGAIN);
    CHECK(nl_recv_batch_fd(fds[0], rx, views, 0, &n) == EINVAL);
    printf("max: ok\n");

    nl_rxbuf_destroy(rx);
    nl_buf_uninit(&msg);
    close(fds[0]);
    close(fds[1]);
}

static void
test_resolve(void)
{
    uint32_t group;
    int id, error;

    error = nl_genl_family_lookup("nlctrl", &id);
    printf("nlctrl: %s, id %d\n", error ? nfvs_strerror(error) : "found",
           id);
    error = nl_genl_family_lookup("nfvs_no_such_family", &id);
    printf("nfvs_no_such_family: %s, id %d\n", nfvs_strerror(error), id);
    error = nl_genl_mcgroup_lookup("nlctrl", "notify", &group);
    printf("nlctrl notify: %s\n", error ? nfvs_strerror(error) : "found");
    error = nl_genl_mcgroup_lookup("nlctrl", "nfvs_no_such_group", &group);
    printf("nlctrl nfvs_no_such_group: %s\n", nfvs_strerror(error));
}

static int
test_netlink_main(int argc, char *argv[])
{
    const char *what = argc > 1 ? argv[1] : "";

    if (!strcmp(what, "codec")) {
        test_dp_codec();
        test_vport_codec();
        test_flow_codec();
    } else if (!strcmp(what, "framing")) {
        test_framing();
    } else if (!strcmp(what, "batch")) {
        test_batch();
    } else if (!strcmp(what, "resolve")) {
        test_resolve();
    } else {
        fprintf(stderr, "usage: test-netlink codec|framing|batch|resolve\n");
        return 1;
    }
    return 0;
}

NFVSTEST_REGISTER("test-netlink", test_netlink_main);
