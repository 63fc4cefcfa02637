/* lib/conntrack-private.h: what conntrack.c shares with its protocol
 * modules conntrack-tcp.c and conntrack-other.c.
 *
 * conntrack.c owns the table, the timer wheel, limits and events; a
 * protocol module only decides, for one packet and one connection (a
 * stored one, or a scratch one for a first packet), whether the packet is
 * valid and what the connection's new protocol state and timeout are.
 *
 * Not thread-safe, like the tracker. */
#ifndef NFVS_CONNTRACK_PRIVATE_H
#define NFVS_CONNTRACK_PRIVATE_H 1

#include "conntrack.h"
#include "hmap.h"
#include "list.h"

/* Timeout slots, in conntrack->timeouts[] (milliseconds). */
enum ct_timeout {
    CT_TM_TCP_SYN_SENT,
    CT_TM_TCP_SYN_RECV,
    CT_TM_TCP_ESTABLISHED,
    CT_TM_TCP_FIN_WAIT,
    CT_TM_TCP_CLOSE_WAIT,
    CT_TM_TCP_LAST_ACK,
    CT_TM_TCP_TIME_WAIT,
    CT_TM_TCP_CLOSE,
    CT_TM_TCP_SYN_SENT2,
    CT_TM_TCP_RETRANS,
    CT_TM_TCP_UNACK,
    CT_TM_UDP,
    CT_TM_UDP_STREAM,
    CT_TM_ICMP,
    CT_TM_ICMPV6,
    CT_TM_GENERIC,
    CT_N_TIMEOUTS
};

/* A lookup key: zone plus the tuple of one direction.  Compared with
 * memcmp(), so it is always built from a zeroed struct. */
struct conn_key {
    struct in6_addr src;        /* IPv4: in s6_addr32[3], rest zero. */
    struct in6_addr dst;        /* Likewise. */
    nfvs_be16 src_port;         /* TCP/UDP port; ICMP request: echo id. */
    nfvs_be16 dst_port;         /* TCP/UDP port; ICMP reply: echo id. */
    uint16_t zone;              /* Conntrack zone. */
    uint8_t proto;              /* IPPROTO_*. */
    uint8_t is_ipv6;            /* 1 for IPv6. */
};

/* Per-direction TCP window state, as Linux's ip_ct_tcp_state. */
struct ct_tcp_peer {
    uint32_t td_end;            /* Highest seq + len sent. */
    uint32_t td_maxend;         /* Highest ack + window seen from peer. */
    uint32_t td_maxwin;         /* Largest window (scaled) sent. */
    uint32_t td_maxack;         /* Highest ack sent. */
    uint8_t td_scale;           /* Window scale this side uses. */
    uint8_t flags;              /* CT_TCPF_*. */
};

#define CT_TCPF_WINDOW_SCALE   0x01 /* Sent the window scale option. */
#define CT_TCPF_SACK_PERM      0x02 /* Sent SACK-permitted. */
#define CT_TCPF_CLOSE_INIT     0x04 /* Sent the first FIN. */
#define CT_TCPF_DATA_UNACKED   0x10 /* Has sent data not acked yet. */
#define CT_TCPF_MAXACK_SET     0x20 /* 'td_maxack' is valid. */

/* TCP connection state. */
struct ct_tcp {
    struct ct_tcp_peer seen[2]; /* Indexed by enum conntrack_dir. */
    uint32_t last_seq;          /* Of the last ignored or ACK segment. */
    uint32_t last_ack;          /* Likewise. */
    uint32_t last_end;          /* Likewise. */
    uint16_t last_win;          /* Likewise. */
    uint8_t state;              /* enum ct_tcp_state. */
    uint8_t last_index;         /* Flag class (CT_TCP_IDX_*) of the last
                                 * in-window or ignored segment. */
    uint8_t last_dir;           /* Its direction. */
    uint8_t last_wscale;        /* Window scale of an ignored SYN. */
    uint8_t last_flags;         /* CT_TCP_LAST_*; options of that SYN. */
    uint8_t retrans;            /* Identical ACKs in a row. */
};

#define CT_TCP_LAST_SIMOPEN    0x40 /* Simultaneous open seen. */
#define CT_TCP_LAST_CHALLENGE  0x80 /* Expecting an RFC 5961 challenge
                                     * ACK in LAST_ACK. */

/* A connection.  Members a packet's lookup and update touch come first,
 * to share cache lines. */
struct conn {
    struct hmap_node tuple_node; /* In conntrack->by_tuple, by a hash that
                                  * is the same for both directions. */
    struct conn_key key;        /* Original direction's key. */
    long long expiration;       /* Times out at this time (ms). */
    long long wheel_tick;       /* Tick of the wheel slot it sits in. */
    uint32_t mark;              /* ct_mark. */
    uint32_t generation;        /* Bumped on each CT_EVENT_CHANGED. */
    uint8_t seen_reply;         /* A reply-direction packet was valid. */
    uint8_t assured;            /* Linux's ASSURED. */
    struct ct_tcp tcp;          /* TCP only. */
    long long created;          /* When committed (ms). */
    uint64_t id;                /* Never reused in one tracker. */
    struct hmap_node id_node;   /* In conntrack->by_id. */
    struct nfvs_list wheel_node; /* In a timer wheel slot. */
    struct conn_key rkey;       /* Reply direction's key: the reverse of
                                 * 'key', unless NATed. */
    uint8_t nat;                /* CS_SRC_NAT, CS_DST_NAT or 0. */
    struct hmap_node nat_node;  /* With 'nat': in conntrack->by_reply, by
                                 * key_hash() of 'rkey'. */
};

/* What a protocol module decided about one packet. */
enum ct_verdict {
    CT_VERDICT_ACCEPT,          /* Valid; state and timeout updated. */
    CT_VERDICT_IGNORE,          /* Valid but left the connection alone
                                 * (Linux's "ignored" segments). */
    CT_VERDICT_INVALID,         /* Invalid: CS_INVALID; reason set. */
    CT_VERDICT_REOPEN           /* TCP SYN reopening a closed connection:
                                 * delete it and start a new one. */
};

/* Per-packet input to a protocol module. */
struct ct_packet {
    const uint8_t *l4;          /* L4 header. */
    size_t l4_size;             /* Bytes at 'l4' (header plus payload). */
    enum conntrack_dir dir;     /* Direction within the connection. */
    long long now;              /* Current time (ms). */
};

/* Per-packet output of a protocol module. */
struct ct_update {
    long long timeout;          /* New timeout (ms) with ACCEPT (or
                                 * INVALID, for an assured connection out
                                 * of step with its ends); -1 to
                                 * keep the current expiration. */
    bool kill;                  /* Remove the connection after this packet
                                 * (RST before any reply). */
    bool established;           /* Counts in 'n_established'. */
    enum conntrack_invalid invalid; /* Reason with INVALID. */
};

/* conntrack-tcp.c. */

/* Checks the TCP header at 'l4' (header length, flags); returns
 * CT_INV_NONE or the reason it is invalid. */
enum conntrack_invalid ct_tcp_check_header(const uint8_t *l4,
                                           size_t l4_size);

/* Initializes 'conn->tcp' for a first packet 'pkt' (original direction).
 * Returns false if that packet cannot start a connection. */
bool ct_tcp_new(struct conn *conn, const struct ct_packet *pkt);

/* Runs 'pkt' through the state machine of 'conn' with 'timeouts'. */
enum ct_verdict ct_tcp_packet(struct conn *conn, const struct ct_packet *pkt,
                              const long long timeouts[],
                              struct ct_update *update);

/* Applies a cached flow's 'seen' values for direction 'dir'. */
void ct_tcp_update_offloaded(struct conn *conn, enum conntrack_dir dir,
                             const struct conntrack_tcp_seen *seen);

/* Returns the timeout 'conn' would get now from an ordinary segment. */
long long ct_tcp_timeout(const struct conn *conn,
                         const long long timeouts[]);

/* conntrack-other.c. */

/* What kind of packet ct_other_extract() found. */
enum ct_l4_kind {
    CT_L4_NORMAL,               /* May start a connection. */
    CT_L4_NO_NEW,               /* Only belongs to one (echo reply). */
    CT_L4_ICMP_ERROR            /* ICMP error: see ct_icmp_error_key(). */
};

/* Fills the ports of 'key' from the UDP/ICMP/other L4 header of a packet
 * of protocol 'key->proto' and stores its kind in '*kind'.  Returns
 * CT_INV_NONE, or why the packet cannot be tracked. */
enum conntrack_invalid ct_other_extract(struct conn_key *key,
                                        const uint8_t *l4, size_t l4_size,
                                        enum ct_l4_kind *kind);

/* Fills 'inner' with the key of the packet embedded in the ICMP or ICMPv6
 * error at 'l4', whose outer key is 'outer' (zone and addresses): its IP
 * header and as much of its L4 header as the key needs (4 bytes of TCP or
 * UDP, 8 of ICMP, none of other protocols).  Returns false if it is
 * malformed, too short or not addressed to the embedded packet's
 * sender. */
bool ct_icmp_error_key(const struct conn_key *outer, const uint8_t *l4,
                       size_t l4_size, struct conn_key *inner);

/* Updates a UDP, ICMP or generic 'conn' for a valid packet. */
void ct_other_packet(struct conn *conn, const struct ct_packet *pkt,
                     const long long timeouts[],
                     struct ct_update *update);

/* Returns the timeout 'conn' gets from a packet at 'now'; may make a UDP
 * connection assured. */
long long ct_other_timeout(struct conn *conn, long long now,
                           const long long timeouts[]);

/* Sequence arithmetic modulo 2**32, as RFC 793. */
static inline bool
ct_seq_before(uint32_t a, uint32_t b)
{
    return (int32_t) (a - b) < 0;
}

static inline bool
ct_seq_after(uint32_t a, uint32_t b)
{
    return ct_seq_before(b, a);
}

#endif /* conntrack-private.h */
