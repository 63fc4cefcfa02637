/* lib/dpif-netlink-msg.h: nfvs.ko's generic netlink messages as structs.
 *
 * Each family of datapath/nfvs_abi.h (datapath, vport, flow, packet) has
 * a struct here that names every attribute; "to_payload" lays a struct
 * out as the payload of a request (struct nfvs_header, then attributes)
 * and "from_payload" parses a received payload under a strict policy.
 * No sockets: dpif-netlink.c sends and receives, and tests exercise the
 * layouts without a kernel.
 *
 * Parsed structs point into the payload they were parsed from, which
 * must outlive them (fixed-size structs are copied out, as attributes
 * are only 4-byte aligned).  Absent optional attributes read as NULL
 * pointers, or as the "has_" member false.
 *
 * Thread-safety: pure functions. */
#ifndef NFVS_DPIF_NETLINK_MSG_H
#define NFVS_DPIF_NETLINK_MSG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "datapath/nfvs_abi.h"

struct nl_buf;

/* NFVS_DP_CMD_* messages. */
struct dpnl_dp {
    int dp_ifindex;                     /* struct nfvs_header. */
    const char *name;                   /* NFVS_DP_ATTR_NAME or NULL. */
    const void *upcall_pids;            /* NFVS_DP_ATTR_UPCALL_PIDS: u32s,
                                         * maybe unaligned... */
    size_t n_upcall_pids;
    bool has_upcall_pids;               /* ...present (maybe empty). */
    bool has_stats;                     /* NFVS_DP_ATTR_STATS... */
    struct nfvs_dp_stats stats;
    bool has_flow_limit;                /* NFVS_DP_ATTR_FLOW_LIMIT... */
    uint32_t flow_limit;
};

/* NFVS_VPORT_CMD_* messages. */
struct dpnl_vport {
    int dp_ifindex;                     /* struct nfvs_header. */
    bool has_port_no;                   /* NFVS_VPORT_ATTR_PORT_NO... */
    uint32_t port_no;
    uint32_t type;                      /* enum nfvs_vport_type; 0: none. */
    const char *name;                   /* NFVS_VPORT_ATTR_NAME or NULL. */
    uint32_t ifindex;                   /* NFVS_VPORT_ATTR_IFINDEX or 0. */
    bool has_stats;                     /* NFVS_VPORT_ATTR_STATS... */
    struct nfvs_vport_stats stats;
};

/* NFVS_FLOW_CMD_* messages. */
struct dpnl_flow {
    int dp_ifindex;                     /* struct nfvs_header. */
    const void *key;                    /* NFVS_FLOW_ATTR_KEY payload... */
    size_t key_size;
    const void *actions;                /* NFVS_FLOW_ATTR_ACTIONS... */
    size_t actions_size;
    bool has_actions;                   /* ...present (maybe empty). */
    bool has_stats;                     /* NFVS_FLOW_ATTR_STATS... */
    struct nfvs_flow_stats stats;
    uint64_t used;                      /* Monotonic ms; 0: never/absent. */
    uint16_t tcp_flags;                 /* 0 if absent. */
    bool has_tcp_seq;                   /* NFVS_FLOW_ATTR_TCP_SEQ... */
    struct nfvs_flow_tcp_seq tcp_seq;
    bool clear;                         /* NFVS_FLOW_ATTR_CLEAR. */
    const void *packet;                 /* NFVS_FLOW_ATTR_PACKET or NULL. */
    size_t packet_size;
};

/* NFVS_PACKET_CMD_* messages. */
struct dpnl_packet {
    int dp_ifindex;                     /* struct nfvs_header. */
    const void *packet;                 /* NFVS_PACKET_ATTR_PACKET. */
    size_t packet_size;
    const void *key;                    /* NFVS_PACKET_ATTR_KEY or NULL. */
    size_t key_size;
    const void *actions;                /* NFVS_PACKET_ATTR_ACTIONS... */
    size_t actions_size;
    bool has_actions;                   /* ...present (maybe empty). */
    const void *userdata;               /* NFVS_PACKET_ATTR_USERDATA. */
    size_t userdata_size;
    bool has_hash;                      /* NFVS_PACKET_ATTR_HASH... */
    uint32_t hash;
    bool csum_valid;                    /* NFVS_PACKET_ATTR_CSUM_VALID. */
};

/* Append the payload for a request (or, for tests, a reply) to 'out'. */
void dpnl_dp_to_payload(const struct dpnl_dp *, struct nl_buf *out);
void dpnl_vport_to_payload(const struct dpnl_vport *, struct nl_buf *out);
void dpnl_flow_to_payload(const struct dpnl_flow *, struct nl_buf *out);
void dpnl_packet_to_payload(const struct dpnl_packet *,
                            struct nl_buf *out);

/* Parse the 'size' bytes at 'payload'.  Return 0, or EINVAL with a
 * static reason in '*errp' (if nonnull) for a short header, a malformed
 * attribute stream, an unknown or repeated attribute or a wrong size. */
int dpnl_dp_from_payload(const void *payload, size_t size,
                         struct dpnl_dp *, const char **errp);
int dpnl_vport_from_payload(const void *payload, size_t size,
                            struct dpnl_vport *, const char **errp);
int dpnl_flow_from_payload(const void *payload, size_t size,
                           struct dpnl_flow *, const char **errp);
int dpnl_packet_from_payload(const void *payload, size_t size,
                             struct dpnl_packet *, const char **errp);

/* Reads the NFVS_KEY_ATTR_IN_PORT of 'key'; returns false if it has
 * none or the key is malformed. */
bool dpnl_key_in_port(const void *key, size_t key_size, uint32_t *portp);

#endif /* dpif-netlink-msg.h */
