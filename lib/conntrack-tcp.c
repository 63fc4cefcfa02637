/* TCP connection tracking: Linux nf_conntrack's state machine and window
 * tracking (loose=0, be_liberal=0), written for nfvs.
 *
 * The tracker sits in the middle and sees segments that may still be lost
 * on their way, so it follows each peer's window from outside:
 *
 *   td_end    highest seq + len a peer sent;
 *   td_maxend highest ack + window the other peer advertised to it, i.e.
 *             how far it may send;
 *   td_maxwin largest (scaled) window it advertised, plus SACK slack;
 *   td_maxack highest ack it sent.
 *
 * A segment from 'sender' to 'receiver' is in window when
 *   I.   seq <= sender.td_maxend                    (not beyond the window)
 *   II.  seq + len >= sender.td_end - receiver.td_maxwin  (not too old)
 *   III. ack <= receiver.td_end                     (acks nothing unseen)
 *   IV.  ack >= receiver.td_end - max(sender.td_maxwin, 66000)
 * where ack is the highest SACK right edge when the receiver allowed SACK.
 * I and III failing make the segment invalid; II and IV failing make it
 * "ignored": it passes with the connection's ct_state but changes
 * nothing, because it is an old retransmission. */
#include <config.h>
#include "conntrack-private.h"

#include <string.h>
#include "packets.h"

/* Flag classes, in the order Linux's table uses. */
enum ct_tcp_index {
    CT_TCP_IDX_SYN,
    CT_TCP_IDX_SYNACK,
    CT_TCP_IDX_FIN,
    CT_TCP_IDX_ACK,
    CT_TCP_IDX_RST,
    CT_TCP_IDX_NONE,
    CT_TCP_N_IDX
};

/* Pseudo-states in the transition table. */
#define sIV CT_TCP_N_STATES         /* Invalid. */
#define sIG (CT_TCP_N_STATES + 1)   /* Ignore: let it pass, change nothing. */

#define sNO CT_TCP_NONE
#define sSS CT_TCP_SYN_SENT
#define sSR CT_TCP_SYN_RECV
#define sES CT_TCP_ESTABLISHED
#define sFW CT_TCP_FIN_WAIT
#define sCW CT_TCP_CLOSE_WAIT
#define sLA CT_TCP_LAST_ACK
#define sTW CT_TCP_TIME_WAIT
#define sCL CT_TCP_CLOSE
#define sS2 CT_TCP_SYN_SENT2

/* next[dir][index][state]: the state after a segment of flag class
 * 'index' in direction 'dir'.  Columns are the current state:
 *                 NO   SS   SR   ES   FW   CW   LA   TW   CL   S2 */
static const uint8_t next_state[2][CT_TCP_N_IDX][CT_TCP_N_STATES] = {
    [CT_DIR_ORIG] = {
        /* A SYN starts or restarts; one inside a live connection is
         * ignored (the receiver answers it with an ACK or RST). */
        [CT_TCP_IDX_SYN] =
                { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2 },
        /* The initiator sends SYN/ACK only in a simultaneous open. */
        [CT_TCP_IDX_SYNACK] =
                { sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR },
        [CT_TCP_IDX_FIN] =
                { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
        [CT_TCP_IDX_ACK] =
                { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
        [CT_TCP_IDX_RST] =
                { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
        [CT_TCP_IDX_NONE] =
                { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
    },
    [CT_DIR_REPLY] = {
        /* A SYN from the responder is a simultaneous open, or a reopen
         * from TIME_WAIT with the roles swapped. */
        [CT_TCP_IDX_SYN] =
                { sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2 },
        /* A late SYN/ACK is ignored: it may answer an ignored SYN. */
        [CT_TCP_IDX_SYNACK] =
                { sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR },
        [CT_TCP_IDX_FIN] =
                { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
        /* An ACK answering a SYN may be a challenge ACK: ignore it. */
        [CT_TCP_IDX_ACK] =
                { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG },
        [CT_TCP_IDX_RST] =
                { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
        [CT_TCP_IDX_NONE] =
                { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
    },
};

/* Lower bound slack for acks (Linux's MAXACKWINCONST). */
#define CT_TCP_MAX_ACK_WIN 66000

/* Largest window scale (RFC 7323). */
#define CT_TCP_MAX_WSCALE 14

/* Identical ACKs in a row after which the retransmission timeout
 * applies (Linux's nf_conntrack_tcp_max_retrans). */
#define CT_TCP_MAX_RETRANS 3

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_WINDOW 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5

/* One segment's fields, in host byte order. */
struct tcp_seg {
    uint32_t seq;               /* Sequence number. */
    uint32_t ack;               /* Acknowledgement number. */
    uint32_t end;               /* seq + payload + SYN + FIN. */
    uint16_t win;               /* Window field, unscaled. */
    uint16_t flags;             /* TCP_* flags. */
    size_t hdr_len;             /* Header length with options. */
    enum ct_tcp_index index;    /* Flag class. */
};

static uint32_t
get_be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | p[3];
}

static uint16_t
get_be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static enum ct_tcp_index
tcp_index(uint16_t flags)
{
    if (flags & TCP_RST) {
        return CT_TCP_IDX_RST;
    } else if (flags & TCP_SYN) {
        return flags & TCP_ACK ? CT_TCP_IDX_SYNACK : CT_TCP_IDX_SYN;
    } else if (flags & TCP_FIN) {
        return CT_TCP_IDX_FIN;
    } else if (flags & TCP_ACK) {
        return CT_TCP_IDX_ACK;
    }
    return CT_TCP_IDX_NONE;
}

/* Flag combinations a TCP may send, ignoring PSH, ECE and CWR (Linux's
 * tcp_valid_flags). */
static bool
tcp_flags_valid(uint16_t flags)
{
    switch (flags & (TCP_FIN | TCP_SYN | TCP_RST | TCP_ACK | TCP_URG)) {
    case TCP_SYN:
    case TCP_SYN | TCP_URG:
    case TCP_SYN | TCP_ACK:
    case TCP_RST:
    case TCP_RST | TCP_ACK:
    case TCP_FIN | TCP_ACK:
    case TCP_FIN | TCP_ACK | TCP_URG:
    case TCP_ACK:
    case TCP_ACK | TCP_URG:
        return true;
    default:
        return false;
    }
}

enum conntrack_invalid
ct_tcp_check_header(const uint8_t *l4, size_t l4_size)
{
    size_t hdr_len;

    if (l4_size < TCP_HEADER_LEN) {
        return CT_INV_MALFORMED;
    }
    hdr_len = (l4[12] >> 4) * 4;
    if (hdr_len < TCP_HEADER_LEN || hdr_len > l4_size) {
        return CT_INV_MALFORMED;
    }
    if (!tcp_flags_valid(get_be16(&l4[12]) & TCP_FLAGS_MASK)) {
        return CT_INV_TCP_FLAGS;
    }
    return CT_INV_NONE;
}

/* Parses a segment whose header ct_tcp_check_header() accepted. */
static void
tcp_parse(const struct ct_packet *pkt, struct tcp_seg *seg)
{
    const uint8_t *l4 = pkt->l4;

    seg->seq = get_be32(&l4[4]);
    seg->ack = get_be32(&l4[8]);
    seg->flags = get_be16(&l4[12]) & TCP_FLAGS_MASK;
    seg->win = get_be16(&l4[14]);
    seg->hdr_len = (l4[12] >> 4) * 4;
    seg->index = tcp_index(seg->flags);
    seg->end = (seg->seq + (uint32_t) (pkt->l4_size - seg->hdr_len)
                + !!(seg->flags & TCP_SYN) + !!(seg->flags & TCP_FIN));
}

/* Calls 'visit' for each well-formed option of the segment; stops at the
 * end of the list or a malformed option. */
static void
tcp_for_each_option(const uint8_t *l4, size_t hdr_len,
                    void (*visit)(uint8_t kind, const uint8_t *data,
                                  size_t size, void *aux),
                    void *aux)
{
    const uint8_t *p = l4 + TCP_HEADER_LEN;
    const uint8_t *end = l4 + hdr_len;

    while (p < end) {
        uint8_t kind = *p;
        size_t size;

        if (kind == TCPOPT_EOL) {
            return;
        } else if (kind == TCPOPT_NOP) {
            p++;
            continue;
        }
        if (end - p < 2) {
            return;
        }
        size = p[1];
        if (size < 2 || size > (size_t) (end - p)) {
            return;
        }
        visit(kind, p + 2, size - 2, aux);
        p += size;
    }
}

static void
visit_syn_option(uint8_t kind, const uint8_t *data, size_t size, void *peer_)
{
    struct ct_tcp_peer *peer = peer_;

    if (kind == TCPOPT_SACK_PERM && size == 0) {
        peer->flags |= CT_TCPF_SACK_PERM;
    } else if (kind == TCPOPT_WINDOW && size == 1) {
        peer->td_scale = NFVS_MIN(data[0], CT_TCP_MAX_WSCALE);
        peer->flags |= CT_TCPF_WINDOW_SCALE;
    }
}

/* Records the window scale and SACK-permitted options of a SYN or SYN/ACK
 * in 'peer'. */
static void
tcp_syn_options(const struct ct_packet *pkt, const struct tcp_seg *seg,
                struct ct_tcp_peer *peer)
{
    peer->td_scale = 0;
    peer->flags &= ~(CT_TCPF_WINDOW_SCALE | CT_TCPF_SACK_PERM);
    tcp_for_each_option(pkt->l4, seg->hdr_len, visit_syn_option, peer);
}

struct sack_aux {
    uint32_t sack;              /* Highest right edge so far. */
};

static void
visit_sack_option(uint8_t kind, const uint8_t *data, size_t size, void *aux_)
{
    struct sack_aux *aux = aux_;
    size_t i;

    if (kind != TCPOPT_SACK || !size || size % 8) {
        return;
    }
    for (i = 0; i < size; i += 8) {
        uint32_t right = get_be32(&data[i + 4]);

        if (ct_seq_after(right, aux->sack)) {
            aux->sack = right;
        }
    }
}

/* Returns the highest SACK right edge in the segment, or 'ack'. */
static uint32_t
tcp_sack(const struct ct_packet *pkt, const struct tcp_seg *seg, uint32_t ack)
{
    struct sack_aux aux = { .sack = ack };

    tcp_for_each_option(pkt->l4, seg->hdr_len, visit_sack_option, &aux);
    return aux.sack;
}

bool
ct_tcp_new(struct conn *conn, const struct ct_packet *pkt)
{
    struct ct_tcp_peer *orig = &conn->tcp.seen[CT_DIR_ORIG];
    struct tcp_seg seg;

    tcp_parse(pkt, &seg);
    if (next_state[CT_DIR_ORIG][seg.index][CT_TCP_NONE] != CT_TCP_SYN_SENT) {
        /* Only a SYN starts a connection: no mid-stream pick-up. */
        return false;
    }
    memset(&conn->tcp, 0, sizeof conn->tcp);
    orig->td_end = seg.end;
    orig->td_maxend = seg.end;
    orig->td_maxwin = seg.win ? seg.win : 1;
    tcp_syn_options(pkt, &seg, orig);
    conn->tcp.state = CT_TCP_NONE;
    conn->tcp.last_index = CT_TCP_IDX_NONE;
    return true;
}

/* (Re)initializes 'sender' from its SYN or SYN/ACK. */
static void
tcp_init_sender(struct ct_tcp_peer *sender, struct ct_tcp_peer *receiver,
                const struct ct_packet *pkt, const struct tcp_seg *seg)
{
    sender->td_end = seg->end;
    sender->td_maxend = seg->end;
    sender->td_maxwin = seg->win ? seg->win : 1;
    tcp_syn_options(pkt, seg, sender);

    /* Window scaling applies only if both sides offered it (RFC 7323). */
    if (pkt->dir == CT_DIR_REPLY
        && !(sender->flags & CT_TCPF_WINDOW_SCALE
             && receiver->flags & CT_TCPF_WINDOW_SCALE)) {
        sender->td_scale = 0;
        receiver->td_scale = 0;
    }
}

static uint32_t
max_ack_window(const struct ct_tcp_peer *sender)
{
    return NFVS_MAX(sender->td_maxwin, CT_TCP_MAX_ACK_WIN);
}

/* Checks 'seg' against the windows and updates them.  Returns ACCEPT,
 * IGNORE or INVALID (with '*reason'). */
static enum ct_verdict
tcp_in_window(struct conn *conn, const struct ct_packet *pkt,
              const struct tcp_seg *seg, enum conntrack_invalid *reason)
{
    struct ct_tcp *tcp = &conn->tcp;
    struct ct_tcp_peer *sender = &tcp->seen[pkt->dir];
    struct ct_tcp_peer *receiver = &tcp->seen[!pkt->dir];
    uint32_t seq = seg->seq, ack = seg->ack, end = seg->end;
    uint32_t sack, win = seg->win, swin;

    sack = ack;
    if (receiver->flags & CT_TCPF_SACK_PERM) {
        sack = tcp_sack(pkt, seg, ack);
    }

    if (!sender->td_maxwin) {
        /* First segment from this side. */
        if (seg->flags & TCP_SYN) {
            tcp_init_sender(sender, receiver, pkt, seg);
            if (!(seg->flags & TCP_ACK)) {
                /* Simultaneous open: nothing to check yet. */
                return CT_VERDICT_ACCEPT;
            }
        } else {
            /* Only an RST answering a SYN gets here (loose=0): take the
             * segment's own values. */
            sender->td_end = end;
            swin = win << sender->td_scale;
            sender->td_maxwin = swin ? swin : 1;
            sender->td_maxend = end + sender->td_maxwin;
            if (!receiver->td_maxwin) {
                receiver->td_end = receiver->td_maxend = sack;
            } else if (sack == receiver->td_end + 1) {
                receiver->td_end++;
            }
        }
    } else if (seg->flags & TCP_SYN
               && ct_seq_after(end, sender->td_end)
               && (tcp->state == CT_TCP_SYN_SENT
                   || tcp->state == CT_TCP_SYN_RECV)) {
        /* A restarted SYN (RFC 793: higher sequence numbers after a
         * reinitialization): start this side over. */
        tcp_init_sender(sender, receiver, pkt, seg);
        if (pkt->dir == CT_DIR_REPLY && !(seg->flags & TCP_ACK)) {
            return CT_VERDICT_ACCEPT;
        }
    }

    if (!(seg->flags & TCP_ACK)) {
        ack = sack = receiver->td_end;
    } else if (seg->flags & TCP_RST && !ack) {
        /* Stacks that send RST|ACK with a zero ack. */
        ack = sack = receiver->td_end;
    }

    if (seg->flags & TCP_RST && !seq && tcp->state == CT_TCP_SYN_SENT) {
        /* An RST answering a SYN. */
        seq = end = sender->td_end;
    }

    if (!ct_seq_before(seq, sender->td_maxend + 1)) {
        uint32_t overshot = end - sender->td_maxend + 1;
        bool ack_ok = ct_seq_after(sack, receiver->td_end
                                   - max_ack_window(sender) - 1);
        bool in_recv_win = (receiver->td_maxwin
                            && ct_seq_after(end, sender->td_end
                                            - receiver->td_maxwin - 1));

        if (in_recv_win && ack_ok && overshot <= receiver->td_maxwin
            && ct_seq_before(sack, receiver->td_end + 1)) {
            /* A sender that overruns the window a little: let the
             * segment pass, as Linux does, without changing the state,
             * and keep its end, so that the receiver's ack for it is not
             * refused later. */
            sender->td_end = end;
            sender->flags |= CT_TCPF_DATA_UNACKED;
            return CT_VERDICT_IGNORE;
        }
        *reason = CT_INV_SEQ;
        return CT_VERDICT_INVALID;
    }
    if (!ct_seq_before(sack, receiver->td_end + 1)) {
        *reason = CT_INV_ACK;
        return CT_VERDICT_INVALID;
    }
    if (receiver->td_maxwin
        && !ct_seq_after(end, sender->td_end - receiver->td_maxwin - 1)) {
        /* Data already acked, retransmitted. */
        return CT_VERDICT_IGNORE;
    }
    if (!ct_seq_after(sack, receiver->td_end - max_ack_window(sender) - 1)) {
        /* A very late ack. */
        return CT_VERDICT_IGNORE;
    }

    if (!(seg->flags & TCP_SYN)) {
        win <<= sender->td_scale;
    }

    swin = win + (sack - ack);
    if (sender->td_maxwin < swin) {
        sender->td_maxwin = swin;
    }
    if (ct_seq_after(end, sender->td_end)) {
        sender->td_end = end;
        sender->flags |= CT_TCPF_DATA_UNACKED;
    }
    if (seg->flags & TCP_ACK) {
        if (!(sender->flags & CT_TCPF_MAXACK_SET)
            || ct_seq_after(ack, sender->td_maxack)) {
            sender->td_maxack = ack;
            sender->flags |= CT_TCPF_MAXACK_SET;
        }
    }

    if (receiver->td_maxwin && ct_seq_after(end, sender->td_maxend)) {
        receiver->td_maxwin += end - sender->td_maxend;
    }
    if (ct_seq_after(sack + win, receiver->td_maxend - 1)) {
        receiver->td_maxend = sack + win + !win;
    }
    if (ack == receiver->td_end) {
        receiver->flags &= ~CT_TCPF_DATA_UNACKED;
    }

    if (seg->index == CT_TCP_IDX_ACK) {
        if (tcp->last_dir == pkt->dir && tcp->last_seq == seq
            && tcp->last_ack == ack && tcp->last_end == end
            && tcp->last_win == seg->win) {
            if (tcp->retrans < UINT8_MAX) {
                tcp->retrans++;
            }
        } else {
            tcp->last_dir = pkt->dir;
            tcp->last_seq = seq;
            tcp->last_ack = ack;
            tcp->last_end = end;
            tcp->last_win = seg->win;
            tcp->retrans = 0;
        }
    }
    return CT_VERDICT_ACCEPT;
}

static long long
state_timeout(enum ct_tcp_state state, const long long timeouts[])
{
    return (state == CT_TCP_NONE ? timeouts[CT_TM_TCP_SYN_SENT]
            : timeouts[CT_TM_TCP_SYN_SENT + (state - CT_TCP_SYN_SENT)]);
}

long long
ct_tcp_timeout(const struct conn *conn, const long long timeouts[])
{
    const struct ct_tcp *tcp = &conn->tcp;
    long long timeout = state_timeout(tcp->state, timeouts);

    if (tcp->retrans >= CT_TCP_MAX_RETRANS
        && timeout > timeouts[CT_TM_TCP_RETRANS]) {
        return timeouts[CT_TM_TCP_RETRANS];
    } else if ((tcp->seen[0].flags | tcp->seen[1].flags)
               & CT_TCPF_DATA_UNACKED
               && timeout > timeouts[CT_TM_TCP_UNACK]) {
        return timeouts[CT_TM_TCP_UNACK];
    } else if (tcp->last_win == 0
               && timeout > timeouts[CT_TM_TCP_RETRANS]) {
        return timeouts[CT_TM_TCP_RETRANS];
    }
    return timeout;
}

/* True once both sides are synchronized and the handshake completed. */
static bool
tcp_is_synchronized(const struct conn *conn)
{
    switch (conn->tcp.state) {
    case CT_TCP_ESTABLISHED:
    case CT_TCP_FIN_WAIT:
    case CT_TCP_CLOSE_WAIT:
    case CT_TCP_LAST_ACK:
        return conn->assured;
    default:
        return false;
    }
}

/* Handles a segment the table says to ignore: remembers it, so that a
 * SYN/ACK answering an ignored SYN can resynchronize the connection.
 * Returns true if 'seg' is such a SYN/ACK and the connection was
 * resynchronized (the caller then goes on with SYN_SENT -> SYN_RECV). */
static bool
tcp_ignore(struct conn *conn, const struct ct_packet *pkt,
           const struct tcp_seg *seg, enum ct_tcp_state old_state)
{
    struct ct_tcp *tcp = &conn->tcp;

    if (seg->index == CT_TCP_IDX_SYNACK
        && tcp->last_index == CT_TCP_IDX_SYN
        && tcp->last_dir != pkt->dir
        && seg->ack == tcp->last_end) {
        struct ct_tcp_peer *peer = &tcp->seen[tcp->last_dir];

        peer->td_end = tcp->last_end;
        peer->td_maxend = tcp->last_end;
        peer->td_maxwin = tcp->last_win ? tcp->last_win : 1;
        peer->td_scale = tcp->last_wscale;
        peer->td_maxack = 0;
        peer->flags = tcp->last_flags & (CT_TCPF_WINDOW_SCALE
                                         | CT_TCPF_SACK_PERM);
        tcp->last_flags &= ~CT_TCP_LAST_CHALLENGE;
        memset(&tcp->seen[pkt->dir], 0, sizeof tcp->seen[pkt->dir]);
        return true;
    }

    tcp->last_index = seg->index;
    tcp->last_dir = pkt->dir;
    tcp->last_seq = seg->seq;
    tcp->last_end = seg->end;
    tcp->last_win = seg->win;

    if (seg->index == CT_TCP_IDX_SYN && pkt->dir == CT_DIR_ORIG) {
        struct ct_tcp_peer opts;

        memset(&opts, 0, sizeof opts);
        tcp_syn_options(pkt, seg, &opts);
        tcp->last_flags = opts.flags;
        tcp->last_wscale = opts.td_scale;
        if (old_state == CT_TCP_LAST_ACK) {
            /* The peer may answer with an RFC 5961 challenge ACK, which
             * must not count as the ACK of its last FIN. */
            tcp->last_flags |= CT_TCP_LAST_CHALLENGE;
        }
    }
    if (old_state == CT_TCP_SYN_SENT && seg->index == CT_TCP_IDX_ACK
        && pkt->dir == CT_DIR_REPLY) {
        /* Possibly a challenge ACK answering the SYN. */
        tcp->last_ack = seg->ack;
    }
    return false;
}

/* What to do with an RST that the table moves to CLOSE. */
enum rst_action {
    RST_NO_CHECK,               /* Accept without the window check. */
    RST_CHECK,                  /* Accept if in window. */
    RST_CHECK_THEN_INVALID,     /* Invalid: RST_INV_SEQ/ACK if outside the
                                 * window, else RST. */
    RST_INVALID                 /* Invalid (RST). */
};

static enum rst_action
tcp_check_rst(struct conn *conn, const struct ct_packet *pkt,
              const struct tcp_seg *seg, enum ct_tcp_state old_state)
{
    struct ct_tcp *tcp = &conn->tcp;
    const struct ct_tcp_peer *sender = &tcp->seen[pkt->dir];
    const struct ct_tcp_peer *receiver = &tcp->seen[!pkt->dir];

    if (old_state == CT_TCP_TIME_WAIT || old_state == CT_TCP_CLOSE) {
        /* The tuple may already be in use again by a new connection that
         * we have not seen: nothing left to check. */
        return RST_NO_CHECK;
    }

    if (receiver->flags & CT_TCPF_MAXACK_SET
        && tcp->last_index != CT_TCP_IDX_SYN) {
        bool sync = tcp_is_synchronized(conn);

        if (!seg->seq && !sync) {
            return RST_CHECK;
        }
        if (ct_seq_before(seg->seq, receiver->td_maxack)) {
            /* Before what the receiver already acked: stale. */
            return RST_INVALID;
        }
        if (sync && seg->seq != receiver->td_maxack
            && seg->seq != sender->td_end) {
            /* RFC 5961 3.2: the receiver resets only if seq is exactly
             * its RCV.NXT, which lies between the last ack it sent and
             * the end of what the sender sent.  Either bound is the
             * exact value when nothing is in flight; anything else would
             * only earn a challenge ACK. */
            return RST_CHECK_THEN_INVALID;
        }
        return RST_CHECK;
    }

    if (((conn->seen_reply && tcp->last_index == CT_TCP_IDX_SYN
          && tcp->last_dir != pkt->dir)
         || (!conn->assured && tcp->last_index == CT_TCP_IDX_ACK))
        && seg->ack == tcp->last_end) {
        /* RST answering a SYN or ACK we let through as ignored: it may
         * ack what we never accepted, so skip the window check. */
        return RST_NO_CHECK;
    }
    if (old_state == CT_TCP_SYN_SENT
        && tcp->last_index == CT_TCP_IDX_ACK
        && tcp->last_dir == CT_DIR_REPLY
        && seg->seq == tcp->last_ack) {
        /* RST from the initiator answering a challenge ACK. */
        return RST_NO_CHECK;
    }
    return RST_CHECK;
}

/* After a FIN or RST of an assured connection failed the window check,
 * as Linux's nf_tcp_handle_invalid(): the first one is remembered as the
 * last segment (so that an RST answering it is checked against the
 * window); if the other side already sent such a segment, the ends are
 * out of step with the tracker and the connection's timeout drops to the
 * unacknowledged-data one, unless less than 120 s are left anyway. */
static void
tcp_handle_invalid(struct conn *conn, const struct ct_packet *pkt,
                   const struct tcp_seg *seg, const long long timeouts[],
                   struct ct_update *update)
{
    struct ct_tcp *tcp = &conn->tcp;

    if (!conn->assured
        || (seg->index != CT_TCP_IDX_FIN && seg->index != CT_TCP_IDX_RST)) {
        return;
    }
    if (tcp->last_dir != pkt->dir
        && (tcp->last_index == CT_TCP_IDX_FIN
            || tcp->last_index == CT_TCP_IDX_RST)) {
        if (conn->expiration - pkt->now >= 120 * 1000) {
            update->timeout = timeouts[CT_TM_TCP_UNACK];
        }
        return;
    }
    tcp->last_index = seg->index;
    tcp->last_dir = pkt->dir;
}

enum ct_verdict
ct_tcp_packet(struct conn *conn, const struct ct_packet *pkt,
              const long long timeouts[], struct ct_update *update)
{
    struct ct_tcp *tcp = &conn->tcp;
    enum ct_tcp_state old_state = tcp->state;
    enum ct_tcp_state new_state;
    bool check_window = true;
    struct tcp_seg seg;

    tcp_parse(pkt, &seg);
    new_state = next_state[pkt->dir][seg.index][old_state];

    switch ((int) new_state) {
    case CT_TCP_SYN_SENT:
        if (old_state < CT_TCP_TIME_WAIT) {
            break;
        }
        /* RFC 1122 4.2.2.13: a SYN may reopen a connection in TIME_WAIT;
         * also a client that aborted with RST and starts over. */
        if ((tcp->seen[0].flags | tcp->seen[1].flags) & CT_TCPF_CLOSE_INIT
            || (tcp->last_dir == pkt->dir
                && tcp->last_index == CT_TCP_IDX_RST)) {
            return CT_VERDICT_REOPEN;
        }
        /* Otherwise ignore it, as below. */
        /* fall through */
    case sIG:
        if (!tcp_ignore(conn, pkt, &seg, old_state)) {
            return CT_VERDICT_IGNORE;
        }
        old_state = CT_TCP_SYN_SENT;
        new_state = CT_TCP_SYN_RECV;
        break;
    case sIV:
        update->invalid = CT_INV_TCP_STATE;
        return CT_VERDICT_INVALID;
    case CT_TCP_TIME_WAIT:
        if (old_state == CT_TCP_LAST_ACK
            && seg.index == CT_TCP_IDX_ACK
            && tcp->last_dir != pkt->dir
            && tcp->last_index == CT_TCP_IDX_SYN
            && tcp->last_flags & CT_TCP_LAST_CHALLENGE) {
            /* An RFC 5961 challenge ACK to an ignored SYN, not the ACK of
             * the last FIN. */
            tcp->last_flags &= ~CT_TCP_LAST_CHALLENGE;
            return CT_VERDICT_IGNORE;
        }
        break;
    case CT_TCP_SYN_SENT2:
        tcp->last_flags |= CT_TCP_LAST_SIMOPEN;
        break;
    case CT_TCP_SYN_RECV:
        if (pkt->dir == CT_DIR_REPLY && seg.index == CT_TCP_IDX_ACK
            && tcp->last_flags & CT_TCP_LAST_SIMOPEN) {
            new_state = CT_TCP_ESTABLISHED;
        }
        break;
    case CT_TCP_CLOSE:
        if (seg.index == CT_TCP_IDX_RST) {
            switch (tcp_check_rst(conn, pkt, &seg, old_state)) {
            case RST_NO_CHECK:
                check_window = false;
                break;
            case RST_CHECK:
                break;
            case RST_CHECK_THEN_INVALID: {
                struct ct_tcp saved = *tcp;

                /* Report a window violation as such; either way the RST
                 * changes nothing. */
                if (tcp_in_window(conn, pkt, &seg, &update->invalid)
                    != CT_VERDICT_INVALID) {
                    update->invalid = CT_INV_RST;
                }
                *tcp = saved;
                return CT_VERDICT_INVALID;
            }
            case RST_INVALID:
            default:
                update->invalid = CT_INV_RST;
                return CT_VERDICT_INVALID;
            }
        }
        break;
    default:
        break;
    }

    if (check_window) {
        struct ct_tcp_peer seen[2];
        enum ct_verdict verdict;

        memcpy(seen, tcp->seen, sizeof seen);
        verdict = tcp_in_window(conn, pkt, &seg, &update->invalid);
        if (seg.index == CT_TCP_IDX_RST
            && (old_state == CT_TCP_FIN_WAIT
                || old_state == CT_TCP_CLOSE_WAIT
                || old_state == CT_TCP_LAST_ACK)) {
            /* Linux takes an RST in a closing state without looking at
             * the window; nfvs checks it (see docs/conntrack.md) but,
             * like Linux, does not learn the windows from it. */
            memcpy(tcp->seen, seen, sizeof seen);
        }
        if (verdict == CT_VERDICT_INVALID) {
            tcp_handle_invalid(conn, pkt, &seg, timeouts, update);
        }
        if (verdict != CT_VERDICT_ACCEPT) {
            return verdict;
        }
    }

    tcp->last_index = seg.index;
    tcp->last_dir = pkt->dir;
    tcp->state = new_state;
    if (old_state != new_state && new_state == CT_TCP_FIN_WAIT) {
        tcp->seen[pkt->dir].flags |= CT_TCPF_CLOSE_INIT;
    }

    if (seg.index == CT_TCP_IDX_RST) {
        update->timeout = NFVS_MIN(timeouts[CT_TM_TCP_CLOSE],
                                   ct_tcp_timeout(conn, timeouts));
    } else {
        update->timeout = ct_tcp_timeout(conn, timeouts);
    }

    if (!conn->seen_reply) {
        if (seg.flags & TCP_RST) {
            /* The only answer was an RST (or the initiator gave up):
             * there never was a connection. */
            update->kill = true;
        } else if (seg.index == CT_TCP_IDX_SYN
                   && old_state == CT_TCP_SYN_SENT) {
            /* A retransmitted SYN does not extend the timeout, or a port
             * reused over and over would keep the entry forever. */
            update->timeout = -1;
        }
    } else if (!conn->assured
               && (old_state == CT_TCP_SYN_RECV
                   || old_state == CT_TCP_ESTABLISHED)
               && new_state == CT_TCP_ESTABLISHED) {
        conn->assured = true;
        update->established = true;
    }
    return CT_VERDICT_ACCEPT;
}

void
ct_tcp_update_offloaded(struct conn *conn, enum conntrack_dir dir,
                        const struct conntrack_tcp_seen *seen)
{
    struct ct_tcp_peer *sender = &conn->tcp.seen[dir];
    struct ct_tcp_peer *receiver = &conn->tcp.seen[!dir];
    uint32_t win;

    if (!sender->td_maxwin) {
        return;
    }

    win = (uint32_t) seen->win << sender->td_scale;
    if (ct_seq_after(seen->seq_end, sender->td_end)) {
        if (receiver->td_maxwin
            && ct_seq_after(seen->seq_end, sender->td_maxend)) {
            receiver->td_maxwin += seen->seq_end - sender->td_maxend;
        }
        sender->td_end = seen->seq_end;
        sender->flags |= CT_TCPF_DATA_UNACKED;
    }
    if (!(sender->flags & CT_TCPF_MAXACK_SET)
        || ct_seq_after(seen->ack, sender->td_maxack)) {
        sender->td_maxack = seen->ack;
        sender->flags |= CT_TCPF_MAXACK_SET;
    }
    if (sender->td_maxwin < win) {
        sender->td_maxwin = win;
    }
    if (ct_seq_after(seen->ack + win, receiver->td_maxend - 1)) {
        receiver->td_maxend = seen->ack + win + !win;
    }
    if (sender->td_maxack == receiver->td_end) {
        receiver->flags &= ~CT_TCPF_DATA_UNACKED;
    }
}
