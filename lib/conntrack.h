/* lib/conntrack.h: the connection tracker behind the ct() action.
 *
 * Key concepts:
 *
 *   - A connection is identified by its zone and its original-direction
 *     tuple (addresses, IP protocol, ports or ICMP echo id).  Packets of
 *     either direction find it: the reply direction's tuple is the
 *     original one reversed.  Each stored connection also has a 64-bit
 *     id, never reused within one tracker, that callers keep instead of
 *     pointers.
 *
 *   - conntrack_execute() classifies one packet and returns the ct_state
 *     bits of lib/flow.h (CS_TRACKED always, plus new/est/rel/rpl/inv)
 *     with the connection's zone and mark.  Which packet gets which state
 *     follows Linux nf_conntrack with nf_conntrack_tcp_loose=0 and
 *     nf_conntrack_tcp_be_liberal=0: a TCP connection only starts with a
 *     SYN, and every segment is checked against the peers' windows.
 *     docs/conntrack.md lists every deliberate difference.
 *
 *   - Checksums.  As Linux with nf_conntrack_checksum=1 checks them in
 *     PRE_ROUTING, a TCP, UDP, ICMP or ICMPv6 packet whose checksum is
 *     wrong is invalid and neither creates nor advances a connection
 *     (a UDP checksum of zero means "none" and passes), unless the
 *     caller vouches for it: conntrack_execute_packet() trusts a packet
 *     whose device verified its checksum or left it to be completed
 *     (offload), and conntrack_action.csum_trusted does the same for
 *     conntrack_execute().  conntrack_set_checksum() turns the check off.
 *
 *   - Only a "commit" stores a new connection, as with OVS's
 *     ct(commit): an uncommitted first packet is reported +new and leaves
 *     nothing behind.  Packets of stored connections update the state
 *     whether or not they commit.
 *
 *   - Time is always a parameter ('now', in milliseconds of any
 *     monotonic clock): the tracker never reads a clock itself.
 *     conntrack_run() removes the connections whose timeout passed, from
 *     a timer wheel, without scanning the table.
 *
 *   - Fast-path support.  The daemon caches a connection's packets in the
 *     datapath only while conntrack_can_offload() says so; the event
 *     callback tells it when a connection changes in a way that may
 *     change a cached decision (state, reply seen, mark) or goes away, so
 *     that it can delete the cached flows.  conntrack_update_offloaded()
 *     feeds back what the datapath saw of the cached segments, so that
 *     window tracking (and so the RST checks) stay exact.
 *
 * Thread-safety: none.  One thread owns a tracker; callers that share one
 * serialize every call, including the event callback's re-entry (the
 * callback must not call back into the tracker). */
#ifndef NFVS_CONNTRACK_H
#define NFVS_CONNTRACK_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "byte-order.h"

struct conntrack;
struct dp_packet;
struct ds;
struct flow;
struct ip_header;

/* Connection directions. */
enum conntrack_dir {
    CT_DIR_ORIG,                /* Same direction as the first packet. */
    CT_DIR_REPLY                /* The other way. */
};

/* Why a packet got CS_INVALID. */
enum conntrack_invalid {
    CT_INV_NONE,                /* Not invalid. */
    CT_INV_UNSUPPORTED,         /* Not IPv4 or IPv6. */
    CT_INV_FRAGMENT,            /* IP fragment: nfvs does not reassemble. */
    CT_INV_MALFORMED,           /* Truncated header, bad data offset... */
    CT_INV_TCP_FLAGS,           /* Impossible TCP flag combination. */
    CT_INV_NO_CONN,             /* Cannot start a connection (non-SYN TCP,
                                 * ICMP echo reply...). */
    CT_INV_TCP_STATE,           /* Not valid in the connection's state. */
    CT_INV_SEQ,                 /* TCP sequence over the receiver's window. */
    CT_INV_ACK,                 /* TCP ack of data not seen yet. */
    CT_INV_RST,                 /* RST whose sequence is not the expected
                                 * one (RFC 5961 3.2) or is stale. */
    CT_INV_ICMP,                /* ICMP error about no tracked connection,
                                 * or an untracked ICMP type. */
    CT_INV_LIMIT,               /* Commit refused: table or zone full. */
    CT_INV_CSUM,                /* Bad TCP, UDP, ICMP or ICMPv6 checksum. */
    CT_INV_NAT,                 /* Commit with NAT refused: every reply
                                 * tuple of the range is taken. */
    CT_N_INVALID
};

/* Returns a short name for 'reason', e.g. "seq". */
const char *conntrack_invalid_to_string(enum conntrack_invalid reason);

/* TCP states, as Linux names them. */
enum ct_tcp_state {
    CT_TCP_NONE,
    CT_TCP_SYN_SENT,
    CT_TCP_SYN_RECV,
    CT_TCP_ESTABLISHED,
    CT_TCP_FIN_WAIT,
    CT_TCP_CLOSE_WAIT,
    CT_TCP_LAST_ACK,
    CT_TCP_TIME_WAIT,
    CT_TCP_CLOSE,
    CT_TCP_SYN_SENT2,
    CT_TCP_N_STATES
};

/* Returns "ESTABLISHED" etc. */
const char *ct_tcp_state_to_string(enum ct_tcp_state);

/* What happened to a connection, for the event callback. */
enum conntrack_event_type {
    CT_EVENT_CHANGED,           /* State, reply seen or mark changed: cached
                                 * decisions for the connection are stale. */
    CT_EVENT_REMOVED            /* Gone: expired, flushed, closed by a RST
                                 * before any reply, or replaced by a new
                                 * connection reusing its tuple. */
};

/* Called synchronously from conntrack_execute(), conntrack_run(),
 * conntrack_flush() and conntrack_destroy() for connection 'conn_id'. */
typedef void conntrack_event_func(void *aux, uint64_t conn_id,
                                  enum conntrack_event_type);

struct conntrack_config {
    uint32_t max_conns;         /* Table limit; 0 means 1,000,000. */
    uint32_t zone_limit;        /* Default per-zone limit; 0: none. */
    conntrack_event_func *event_cb; /* Optional. */
    void *event_aux;            /* Passed to 'event_cb'. */
};

/* Creates a tracker configured by 'config' (NULL for defaults).  Timeouts
 * start at Linux's defaults (see conntrack_set_timeout()). */
struct conntrack *conntrack_create(const struct conntrack_config *config);

/* Frees 'ct' and every connection, reporting each as removed.  NULL is a
 * no-op. */
void conntrack_destroy(struct conntrack *ct);

struct conntrack_result;

/* The range of a ct(commit,nat(src=...)) or nat(dst=...), IPv4 only.
 * A new connection committed with it gets a source (or destination)
 * address in [addr_min, addr_max] and, for TCP and UDP, port in
 * [port_min, port_max] such that no other connection has the same
 * reply tuple: the first free one in that order, addresses first, the
 * original address and port being tried first when they are in the
 * range.  Without a port range the port stays as it is if that is free,
 * else (SNAT only) one of 1024-65535 is taken, as Linux does. */
struct conntrack_nat_range {
    bool snat;                  /* Source NAT; false: destination NAT. */
    nfvs_be32 addr_min;         /* First address. */
    nfvs_be32 addr_max;         /* Last address. */
    uint16_t port_min;          /* First port; 0: no port range. */
    uint16_t port_max;          /* Last port. */
};

/* What conntrack_execute() should do besides classifying.
 *
 * A packet must go through the state machine once per zone: the same FIN
 * seen twice looks like a FIN from each side.  When the pipeline runs
 * ct() again on a packet already tracked in the same zone (typically
 * ct(table=N) and then ct(commit) in table N), pass the earlier result in
 * 'prev': the packet is then not processed again; only a commit of a new
 * connection and a mark change take effect. */
struct conntrack_action {
    uint16_t zone;              /* Zone to track in. */
    bool commit;                /* Store a new connection. */
    bool set_mark;              /* With 'commit': set the mark. */
    uint32_t mark;              /* New mark bits... */
    uint32_t mark_mask;         /* ...where 1 in this mask. */
    const struct conntrack_result *prev; /* Earlier result for this packet
                                          * (any zone), or NULL. */
    bool csum_trusted;          /* The packet's L4 checksum was verified
                                 * already or is left to offload: do not
                                 * check it. */
    const struct conntrack_nat_range *nat; /* With 'commit': NAT of a new
                                            * connection; NULL: none. */
};

/* What conntrack_execute() found. */
struct conntrack_result {
    uint8_t ct_state;           /* CS_* bits; always has CS_TRACKED. */
    uint16_t ct_zone;           /* The action's zone. */
    uint32_t ct_mark;           /* The connection's mark, or 0. */
    uint64_t conn_id;           /* Stored connection (for +rel: the one
                                 * the ICMP error is about), or 0. */
    enum conntrack_dir dir;     /* Packet's direction in 'conn_id'. */
    uint32_t generation;        /* conntrack_generation() of 'conn_id'. */
    enum conntrack_invalid invalid; /* Reason, with CS_INVALID. */
};

/* Classifies the packet whose header fields are in 'flow' (dl_type, the
 * IP addresses, nw_proto and nw_frag are used) and whose L4 header and
 * payload are the 'l4_size' bytes at 'l4' (only as far as the IP length
 * says: no Ethernet padding), according to 'action', at time 'now' (ms).
 * Updates the connection, stores a new one if 'action->commit', and fills
 * in '*result'.  Never reads outside 'l4'.  The L4 checksum is verified
 * under the pseudo-header of the addresses in 'flow' and 'l4_size'. */
void conntrack_execute(struct conntrack *ct, const struct flow *flow,
                       const void *l4, size_t l4_size,
                       const struct conntrack_action *action,
                       long long now, struct conntrack_result *result);

/* Like conntrack_execute(), for 'packet' as parsed into 'flow' by
 * flow_extract_set_offsets() (so that its L4 offset is set).  The L4
 * checksum is verified under the addresses of the packet's own IP header
 * (the pipeline may have changed those of 'flow'), unless the packet's
 * offload state says it was verified (DP_PACKET_OL_CSUM_VALID) or is to
 * be completed on output (DP_PACKET_OL_CSUM_PARTIAL), or
 * 'action->csum_trusted'. */
void conntrack_execute_packet(struct conntrack *ct,
                              const struct dp_packet *packet,
                              const struct flow *flow,
                              const struct conntrack_action *action,
                              long long now,
                              struct conntrack_result *result);

/* Removes the connections that expired at or before 'now', reporting each
 * to the event callback.  Returns how many it removed.  Cost is in the
 * number of expired connections plus the wheel slots passed, not the
 * table size. */
size_t conntrack_run(struct conntrack *ct, long long now);

/* Turns checksum verification (see above) on or off, as Linux's
 * nf_conntrack_checksum sysctl does; it starts on.  Applies from the next
 * packet. */
void conntrack_set_checksum(struct conntrack *ct, bool check);
bool conntrack_get_checksum(const struct conntrack *ct);

/* Returns the time (ms) at which conntrack_run() next has work, or
 * LLONG_MAX if the table is empty.  The time may be early, never late. */
long long conntrack_next_wake(const struct conntrack *ct);

/* Timeouts, in seconds, by Linux's sysctl names without the
 * "nf_conntrack_" prefix: tcp_timeout_syn_sent ... tcp_timeout_unacknowledged,
 * udp_timeout, udp_timeout_stream, icmp_timeout, icmpv6_timeout,
 * generic_timeout.  A new value applies from each connection's next
 * refresh.  Returns 0, or EINVAL for an unknown name or a value of 0 or
 * over 10 years. */
int conntrack_set_timeout(struct conntrack *ct, const char *name,
                          unsigned int secs);

/* Stores the timeout called 'name' in '*secsp'; returns 0 or EINVAL. */
int conntrack_get_timeout(const struct conntrack *ct, const char *name,
                          unsigned int *secsp);

/* Appends "name=secs" lines for every timeout to 's'. */
void conntrack_format_timeouts(const struct conntrack *ct, struct ds *s);

/* Limits.  A commit that would exceed the table limit or its zone's limit
 * is refused (+inv, counted in 'n_limit_drops'); stored connections are
 * never evicted to make room.  A zone limit of 0 means the default zone
 * limit; UINT32_MAX means none for that zone. */
void conntrack_set_max_conns(struct conntrack *ct, uint32_t max_conns);
void conntrack_set_zone_limit(struct conntrack *ct, uint16_t zone,
                              uint32_t limit);
size_t conntrack_count(const struct conntrack *ct);
size_t conntrack_zone_count(const struct conntrack *ct, uint16_t zone);

/* A connection's tuple in one direction, for dump and flush. */
struct conntrack_tuple {
    bool is_ipv6;               /* Address family. */
    struct in6_addr src;        /* IPv4: in s6_addr32[3], rest zero. */
    struct in6_addr dst;        /* Likewise. */
    uint8_t proto;              /* IPPROTO_*. */
    nfvs_be16 src_port;         /* TCP/UDP; ICMP: echo id. */
    nfvs_be16 dst_port;         /* TCP/UDP; ICMP: 0. */
    uint8_t icmp_type;          /* ICMP echo request or reply type. */
};

/* One connection, as dumped. */
struct conntrack_entry {
    uint64_t id;                /* Connection id. */
    struct conntrack_tuple orig; /* Original direction. */
    struct conntrack_tuple reply; /* Reply direction. */
    uint16_t zone;              /* Zone. */
    uint32_t mark;              /* Mark. */
    enum ct_tcp_state tcp_state; /* TCP only; else CT_TCP_NONE. */
    bool seen_reply;            /* A reply-direction packet was seen. */
    bool assured;               /* Linux's ASSURED status. */
    long long expiration;       /* When it times out (ms). */
};

/* Called with the connection described by 'entry' (borrowed) when it is
 * committed ('new') and when it goes away (expired, flushed, closed,
 * replaced, or the tracker destroyed), from the same calls and with the
 * same constraints as the event callback. */
typedef void conntrack_observer_func(void *aux, bool new,
                                     const struct conntrack_entry *entry);

/* Sets (or, with NULL, clears) the observer of 'ct'. */
void conntrack_set_observer(struct conntrack *ct, conntrack_observer_func *,
                            void *aux);

/* Stores in '*entriesp' (caller frees) and '*n_entriesp' every connection
 * in zone '*zone' (every zone if 'zone' is NULL), sorted by id. */
void conntrack_dump(const struct conntrack *ct, const uint16_t *zone,
                    struct conntrack_entry **entriesp, size_t *n_entriesp);

/* Appends 'entry' to 's' in ovs-dpctl dump-conntrack's format, e.g.
 * "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=40000,dport=80),reply=(...),
 * zone=1,mark=5,protoinfo=(state=ESTABLISHED)". */
void conntrack_entry_format(const struct conntrack_entry *entry,
                            struct ds *s);

/* Parses "proto,src=A,dst=B[,sport=N,dport=N|,id=N]" (the inside of
 * orig=(...) preceded by the protocol) into '*tuple'.  Returns NULL or an
 * error message that the caller must free. */
char *conntrack_tuple_parse(const char *s, struct conntrack_tuple *tuple);

/* Removes the connections in zone '*zone' (all zones if NULL) whose
 * original or reply tuple is '*tuple' (any tuple if NULL), reporting each
 * to the event callback.  Returns how many it removed. */
size_t conntrack_flush(struct conntrack *ct, const uint16_t *zone,
                       const struct conntrack_tuple *tuple);

/* Counters. */
struct conntrack_stats {
    size_t n_conns;             /* Stored now. */
    size_t n_tcp_by_state[CT_TCP_N_STATES]; /* Stored TCP, by state. */
    size_t n_udp;               /* Stored UDP. */
    size_t n_icmp;              /* Stored ICMP and ICMPv6 echo. */
    size_t n_other;             /* Stored others. */
    uint64_t n_created;         /* Committed new connections, ever. */
    uint64_t n_established;     /* TCP handshakes completed, UDP and ICMP
                                 * replies first seen, ever. */
    uint64_t n_expired;         /* Removed by timeout. */
    uint64_t n_limit_drops;     /* Commits refused by a limit. */
    uint64_t n_nat_exhausted;   /* NAT commits refused: range full. */
    uint64_t n_invalid[CT_N_INVALID]; /* Invalid packets, by reason. */
};

void conntrack_get_stats(const struct conntrack *ct,
                         struct conntrack_stats *stats);

/* Fast-path hooks. */

/* Returns true if packets of connection 'conn_id' in direction 'dir' may
 * be handled by a cached datapath flow until the next event for the
 * connection: TCP in ESTABLISHED (both directions), or the direction that
 * has not sent a FIN in FIN_WAIT/CLOSE_WAIT; UDP, ICMP echo and other
 * protocols once a reply was seen.  False for an unknown id, and for
 * every state where a packet may change the connection's state. */
bool conntrack_can_offload(const struct conntrack *ct, uint64_t conn_id,
                           enum conntrack_dir dir);

/* Returns the connection's generation, which starts at 1 and changes
 * whenever an event CT_EVENT_CHANGED is reported for it; 0 for an unknown
 * id. */
uint32_t conntrack_generation(const struct conntrack *ct, uint64_t conn_id);

/* What a cached TCP flow saw (see struct nfvs_flow_tcp_seq). */
struct conntrack_tcp_seen {
    uint32_t seq_end;           /* Highest seq + length (+1 for SYN/FIN). */
    uint32_t ack;               /* Ack number of the last ACK segment. */
    uint16_t win;               /* Its window field, unscaled. */
};

/* Feeds back what the datapath forwarded for connection 'conn_id' in
 * direction 'dir' without the tracker seeing it: 'seen' (TCP only; NULL
 * if the flow recorded nothing) and the flow's last-used time 'used'
 * (ms), which refreshes the connection's timeout as if a packet had
 * passed then.  Sequence state only moves forward.  Returns false if
 * 'conn_id' is unknown. */
bool conntrack_update_offloaded(struct conntrack *ct, uint64_t conn_id,
                                enum conntrack_dir dir,
                                const struct conntrack_tcp_seen *seen,
                                long long used);

/* NAT of a connection, for the packets of one direction. */
struct conntrack_nat {
    uint8_t ct_state;           /* CS_SRC_NAT and/or CS_DST_NAT. */
    nfvs_be32 nw_src;           /* The packet's addresses after NAT... */
    nfvs_be32 nw_dst;
    nfvs_be16 tp_src;           /* ...and ports (TCP and UDP only). */
    nfvs_be16 tp_dst;
};

/* If connection 'conn_id' was committed with NAT, stores in '*nat' what
 * a packet of direction 'dir' must become (the original direction is
 * translated, the reply direction translated back) and returns true;
 * otherwise returns false. */
bool conntrack_get_nat(const struct conntrack *ct, uint64_t conn_id,
                       enum conntrack_dir dir, struct conntrack_nat *nat);

/* Translates back an IPv4 ICMP error related to connection 'conn_id'
 * that travels in direction 'dir' (its conntrack_result's), as Linux
 * does, if the connection was committed with NAT: the outer source or
 * destination that NAT changes for packets of 'dir' is set as for such a
 * packet, and the quoted IP header and TCP or UDP ports become those of
 * the quoted packet on the other side of the NAT.  The outer and inner IP
 * checksums, the quoted L4 checksum when the quote holds it and the ICMP
 * checksum are updated.  'ip' is the outer header, 'l4' the ICMP message
 * ('l4_size' bytes, to the end of the IP datagram).  Stores in '*nat' the
 * +snat/+dnat bits and the outer addresses after translation (ports 0)
 * and returns true; returns false, changing nothing, if the connection
 * has no NAT or the message does not quote a packet of it. */
bool conntrack_nat_icmp_error(const struct conntrack *ct, uint64_t conn_id,
                              enum conntrack_dir dir, struct ip_header *ip,
                              uint8_t *l4, size_t l4_size,
                              struct conntrack_nat *nat);

/* Describes connection 'conn_id' in '*entry' and returns true, or returns
 * false if there is no such connection. */
bool conntrack_get_entry(const struct conntrack *ct, uint64_t conn_id,
                         struct conntrack_entry *entry);

/* Classifies, without changing anything, a packet of 'flow' in 'zone' at
 * 'now' with no more to go on than its header fields (for revalidation
 * and traces, which have no packet): the ct_state bits, mark, connection
 * and direction an in-window packet of the flow would get, as
 * conntrack_execute() without commit would report them.  Without a
 * stored connection, a flow reads as +new if it could start one (a TCP
 * SYN, by 'flow->tcp_flags'; UDP; an ICMP echo request) and as +inv
 * otherwise.  ICMP echo connections are never found (a flow has no echo
 * id), nor are related ICMP errors.  Counts nothing. */
void conntrack_lookup(const struct conntrack *ct, const struct flow *flow,
                      uint16_t zone, long long now,
                      struct conntrack_result *result);

#endif /* conntrack.h */
