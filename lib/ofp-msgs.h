/* lib/ofp-msgs.h: OpenFlow 1.3 wire messages (framing, the messages the
 * switch side of a connection answers or decodes, errors).
 *
 * Decoding checks every length and offset against the bytes received
 * before reading them; a message that does not check out yields an
 * OpenFlow error (type and code, as the 1.3 specification assigns them)
 * for the caller to send back, never a partial result.  Which message
 * types exist and how long each may be is one table (ofp-msgs.c).
 *
 * Encoders append a whole message to a 'struct ds' used as a byte
 * buffer.
 *
 * Plain functions over caller data: thread-safe. */
#ifndef NFVS_OFP_MSGS_H
#define NFVS_OFP_MSGS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;
struct flow_mod_spec;
struct match;
struct ofp_flow_desc;
struct ofp_flow_stats;

#define OFP13_VERSION 4
#define OFP_HEADER_SIZE 8

enum ofp_type {
    OFPT_HELLO = 0,
    OFPT_ERROR = 1,
    OFPT_ECHO_REQUEST = 2,
    OFPT_ECHO_REPLY = 3,
    OFPT_EXPERIMENTER = 4,
    OFPT_FEATURES_REQUEST = 5,
    OFPT_FEATURES_REPLY = 6,
    OFPT_GET_CONFIG_REQUEST = 7,
    OFPT_GET_CONFIG_REPLY = 8,
    OFPT_SET_CONFIG = 9,
    OFPT_PACKET_IN = 10,
    OFPT_FLOW_REMOVED = 11,
    OFPT_PORT_STATUS = 12,
    OFPT_PACKET_OUT = 13,
    OFPT_FLOW_MOD = 14,
    OFPT_GROUP_MOD = 15,
    OFPT_PORT_MOD = 16,
    OFPT_TABLE_MOD = 17,
    OFPT_MULTIPART_REQUEST = 18,
    OFPT_MULTIPART_REPLY = 19,
    OFPT_BARRIER_REQUEST = 20,
    OFPT_BARRIER_REPLY = 21,
    OFPT_QUEUE_GET_CONFIG_REQUEST = 22,
    OFPT_QUEUE_GET_CONFIG_REPLY = 23,
    OFPT_ROLE_REQUEST = 24,
    OFPT_ROLE_REPLY = 25,
    OFPT_GET_ASYNC_REQUEST = 26,
    OFPT_GET_ASYNC_REPLY = 27,
    OFPT_SET_ASYNC = 28,
    OFPT_METER_MOD = 29,
};

/* Error types and the codes nfvs sends (OpenFlow 1.3 section 7.4.4). */
enum ofp_error_type {
    OFPET_HELLO_FAILED = 0,
    OFPET_BAD_REQUEST = 1,
    OFPET_BAD_ACTION = 2,
    OFPET_BAD_INSTRUCTION = 3,
    OFPET_BAD_MATCH = 4,
    OFPET_FLOW_MOD_FAILED = 5,
    OFPET_ROLE_REQUEST_FAILED = 11,
};

enum {
    OFPHFC_INCOMPATIBLE = 0,

    OFPBRC_BAD_VERSION = 0,
    OFPBRC_BAD_TYPE = 1,
    OFPBRC_BAD_MULTIPART = 2,
    OFPBRC_EPERM = 5,
    OFPBRC_BAD_LEN = 6,
    OFPBRC_BUFFER_UNKNOWN = 8,
    OFPBRC_BAD_TABLE_ID = 9,
    OFPBRC_IS_SLAVE = 10,
    OFPBRC_BAD_PORT = 11,

    OFPBAC_BAD_TYPE = 0,
    OFPBAC_BAD_LEN = 1,
    OFPBAC_BAD_OUT_PORT = 4,
    OFPBAC_BAD_ARGUMENT = 5,

    OFPBIC_UNKNOWN_INST = 0,
    OFPBIC_UNSUP_INST = 1,
    OFPBIC_BAD_TABLE_ID = 2,
    OFPBIC_BAD_LEN = 7,

    OFPBMC_BAD_TYPE = 0,
    OFPBMC_BAD_LEN = 1,
    OFPBMC_BAD_FIELD = 6,
    OFPBMC_BAD_VALUE = 7,
    OFPBMC_BAD_MASK = 8,
    OFPBMC_BAD_PREREQ = 9,
    OFPBMC_DUP_FIELD = 10,

    OFPFMFC_UNKNOWN = 0,
    OFPFMFC_TABLE_FULL = 1,
    OFPFMFC_BAD_TABLE_ID = 2,
    OFPFMFC_OVERLAP = 3,
    OFPFMFC_BAD_COMMAND = 6,
    OFPFMFC_BAD_FLAGS = 7,

    OFPRRFC_STALE = 0,
    OFPRRFC_BAD_ROLE = 2,
};

struct ofp_error {
    uint16_t type;              /* enum ofp_error_type. */
    uint16_t code;              /* Code within 'type'. */
};

/* A received message's header fields, host order. */
struct ofp_msg {
    uint8_t version;
    uint8_t type;               /* enum ofp_type. */
    uint16_t size;              /* Whole message, header included. */
    uint32_t xid;
    const uint8_t *data;        /* The whole message ('size' bytes). */
};

/* Framing.  Looks at the 'avail' bytes at 'buf', the start of a stream
 * position where a message begins.  Returns 0 and fills '*msg' when a
 * whole message is there, EAGAIN when more bytes are needed, EPROTO when
 * the header's length is below the header size (the stream cannot be
 * resynchronised: close it). */
int ofp_msg_frame(const void *buf, size_t avail, struct ofp_msg *msg);

/* Checks a framed message of version OFP13_VERSION against the type
 * table: a known type, of a size the type allows.  Returns true, or
 * false with the error to send in '*error'. */
bool ofp_msg_check(const struct ofp_msg *, struct ofp_error *error);

/* Returns the name of 'type' ("FLOW_MOD"), or NULL if unknown. */
const char *ofp_type_name(uint8_t type);

/* HELLO: true if the HELLO 'msg' allows OpenFlow 1.3, either by its
 * version bitmap element or, without one, by its header version being
 * at least 1.3. */
bool ofp_hello_allows_13(const struct ofp_msg *msg);

/* Encoders: each appends one whole message to 'out'. */
void ofp_put_hello(struct ds *out, uint32_t xid);
void ofp_put_error(struct ds *out, const struct ofp_msg *cause,
                   const struct ofp_error *);
/* Replies with the request's type + 1 and its body copied (echo). */
void ofp_put_echo_reply(struct ds *out, const struct ofp_msg *request);
void ofp_put_empty(struct ds *out, uint8_t type, uint32_t xid);
void ofp_put_features_reply(struct ds *out, uint32_t xid,
                            uint64_t datapath_id);
void ofp_put_role_reply(struct ds *out, uint32_t xid, uint32_t role,
                        uint64_t generation_id);
void ofp_put_get_config_reply(struct ds *out, uint32_t xid,
                              uint16_t flags, uint16_t miss_send_len);

/* Port numbers: OpenFlow 1.3's 32-bit numbers to nfvs's 16-bit ones
 * (lib/flow.h: OFPP_*).  Returns false for a number that has no
 * counterpart (above OFPP_MAX and not a reserved port). */
bool ofp13_port_to_port(uint32_t port13, uint32_t *portp);
uint32_t ofp13_port_from_port(uint32_t port);

/* Decodes OpenFlow 1.3 FLOW_MOD 'msg' into '*spec' (table, command,
 * priority, cookies, timeouts, out_port, OXM match, actions of an
 * APPLY_ACTIONS instruction).  Stores the FLOW_MOD flags in '*flagsp'.
 * On success returns true and the caller must call
 * flow_mod_spec_uninit(); on failure returns false with '*error' set
 * and nothing to free. */
bool ofp_decode_flow_mod(const struct ofp_msg *msg,
                         struct flow_mod_spec *spec, uint16_t *flagsp,
                         struct ofp_error *error);

/* Multipart types. */
enum ofp_mp_type {
    OFPMP_DESC = 0,
    OFPMP_FLOW = 1,
    OFPMP_AGGREGATE = 2,
    OFPMP_TABLE = 3,
    OFPMP_PORT_STATS = 4,
    OFPMP_TABLE_FEATURES = 12,
    OFPMP_PORT_DESC = 13,
};

/* Decodes the body of a FLOW or AGGREGATE multipart request 'msg' into
 * 'spec' as a delete-style selection (table, out_port, cookie and mask,
 * loose match), for ofproto_for_each_flow().  Returns true, or false
 * with '*error' set. */
bool ofp_decode_flow_stats_request(const struct ofp_msg *msg,
                                   struct flow_mod_spec *spec,
                                   struct ofp_error *error);

/* Decodes the OXM ofp_match at 'p' (at most 'avail' bytes) into
 * 'match' and stores its padded size in '*sizep'.  Returns true, or false
 * with '*error' set. */
bool ofp_decode_match(const void *p, size_t avail, struct match *match,
                      size_t *sizep, struct ofp_error *error);

/* Appends 'match' as an OXM ofp_match, padded.  Fields OpenFlow 1.3 has
 * no OXM for (registers, conntrack fields) are left out. */
void ofp_put_match(struct ds *out, const struct match *match);

/* Appends ofpacts as an APPLY_ACTIONS instruction (none if there are no
 * actions) and a GOTO_TABLE.  Returns false if some action has no
 * OpenFlow 1.3 encoding here (it is left out). */
bool ofp_put_instructions(struct ds *out, const void *ofpacts, size_t size);

/* A multipart reply being built: entries are added whole, and a reply
 * that would pass 65535 bytes is ended with OFPMPF_REPLY_MORE and
 * continued in a new message. */
struct ofp_mp_reply {
    struct ds *out;             /* Where the messages go. */
    size_t ofs;                 /* Start of the current message. */
    uint16_t type;              /* enum ofp_mp_type. */
    uint32_t xid;
};
void ofp_mp_reply_init(struct ofp_mp_reply *, struct ds *out,
                       uint16_t type, uint32_t xid);
void ofp_mp_reply_add(struct ofp_mp_reply *, const struct ds *entry);
void ofp_mp_reply_finish(struct ofp_mp_reply *);

/* Multipart reply entries. */
void ofp_put_flow_stats(struct ds *entry, const struct ofp_flow_desc *,
                        const struct ofp_flow_stats *);
void ofp_put_desc(struct ds *entry, const char *mfr, const char *hw,
                  const char *sw, const char *serial, const char *dp);
void ofp_put_table_features(struct ds *entry, uint8_t table_id,
                            uint32_t max_entries);
/* An ofp_port for port desc (hw_addr and features not reported). */
void ofp_put_port(struct ds *entry, uint32_t port, const char *name,
                  bool admin_up, bool carrier);
/* An ofp_port_stats; counters nfvs does not keep are all-ones, as the
 * specification asks. */
struct netdev_stats;
void ofp_put_port_stats(struct ds *entry, uint32_t port,
                        const struct netdev_stats *);
/* PORT_STATUS with 'reason' and the ofp_port in 'port'
 * (ofp_put_port()). */
enum {
    OFPPR_ADD = 0,
    OFPPR_DELETE = 1,
    OFPPR_MODIFY = 2,
};
void ofp_put_port_status(struct ds *out, uint8_t reason,
                         const struct ds *port);
void ofp_put_aggregate(struct ds *entry, uint64_t packets, uint64_t bytes,
                       uint32_t flows);

#endif /* ofp-msgs.h */
