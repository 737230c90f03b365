/* trawl/flow.h — conversations (flows), per-flow state and stream dissection.
 *
 * The flow table lives in the engine, one per worker. Layers feed it as they dissect:
 *   - a network layer says where the packet goes (trawl_packet_set_addrs; a second call in the
 *     same packet is a tunnelled datagram: the outer addresses become its tunnel context);
 *   - a link layer may add a VLAN id (trawl_packet_set_vlan) — part of the flow's identity;
 *   - a transport finds the flow (trawl_flow_get): created on its first packet, one entry for
 *     both directions, with a Zeek-style uid, the Community ID, counters, the first and last
 *     frame. TCP hands each segment to trawl_flow_tcp, which tracks the connection's state
 *     and Zeek's history letters and reassembles each direction (gaps reported, never
 *     invented, buffers capped) for the flow's stream dissector.
 *
 * Stream dissectors are ordinary dissectors (dissect.h) found through "tcp.port" or as
 * heuristics on the stream's first bytes. They are called with in-order stream bytes, one
 * direction at a time (trawl_packet_flow_dir), on the packet whose segment completed them, and
 * return how many bytes they used; when a PDU is incomplete they say how many more bytes it
 * needs (trawl_stream_need_more) and are called again once those are there. Per-flow state
 * hangs off the flow (trawl_flow_state), never in globals; optional callbacks (trawl_stream_ops)
 * tell them about gaps and the flow's end, and a call with no bytes tells them a direction ended
 * with a FIN (trawl_stream_at_fin).
 *
 * Flows end on idle timeouts (per protocol), after a TCP close or reset, when a new SYN reuses
 * the ports of a closed connection, when the caps force an eviction (oldest idle first,
 * counted), and at the end of input. Analyzers (analyzer.h) see starts and ends.
 *
 * Settings (-o KEY=VALUE): flow.timeout.tcp (seconds, 300), flow.timeout.tcp_closed (5),
 * flow.timeout.udp (60), flow.timeout.icmp (60), flow.timeout.other (60), flow.max (flows per
 * worker, 1M), flow.memcap (bytes of flows, their state and reassembly buffers, 1G),
 * reasm.max_flow (bytes held out of order per direction, 1M), reasm.max_pdu (bytes a stream
 * dissector may ask to be kept for one PDU, 1M), flow.community_id_seed (0), flow.remember (the
 * stream numbers of idle-ended flows kept so that a conversation coming back keeps its number, as
 * in tshark, 65536).
 */
#ifndef TRAWL_FLOW_H
#define TRAWL_FLOW_H

#include "common.h"

struct trawl_packet;
struct trawl_init;
struct trawl_proto;
struct trawl_table;
struct trawl_heur_list;
struct trawl_flow;                        /* opaque, owned by the engine */

/* One direction of a flow as seen in a packet. For ICMP (proto 1) and ICMPv6 (58), sport is
 * the message type and dport the code; they are mapped to the spec's port equivalents. Ports
 * count only for TCP, UDP, SCTP, ICMP and ICMPv6. */
struct trawl_flow_tuple {
    uint8_t family;          /* 4 or 6 */
    uint8_t proto;           /* IP protocol number */
    uint16_t sport, dport;
    const uint8_t *src;      /* 4 or 16 bytes, network order */
    const uint8_t *dst;
};

/* "1:" + 28 base64 characters + NUL. */
#define TRAWL_COMMUNITY_ID_SIZE 31
#define TRAWL_FLOW_UID_SIZE 20               /* "C" + 17 base62 characters + NUL, Zeek's form */
#define TRAWL_FLOW_HISTORY_SIZE 24

enum { TRAWL_DIR_ORIG = 0, TRAWL_DIR_RESP = 1 };

/* TCP endpoint states (the originator's and the responder's), as Zeek tracks them. */
enum trawl_tcp_state {
    TRAWL_TCP_INACTIVE = 0,   /* nothing seen from this side */
    TRAWL_TCP_SYN_SENT,       /* a SYN */
    TRAWL_TCP_SYN_ACK_SENT,   /* a SYN-ACK */
    TRAWL_TCP_PARTIAL,        /* data or ACKs with no SYN seen: the start was not captured */
    TRAWL_TCP_ESTABLISHED,
    TRAWL_TCP_CLOSED,         /* sent a FIN */
    TRAWL_TCP_RESET,          /* sent a RST */
};

enum trawl_flow_end {
    TRAWL_FLOW_ACTIVE = 0,
    TRAWL_FLOW_END_TIMEOUT,   /* idle past its protocol's timeout */
    TRAWL_FLOW_END_CLOSED,    /* TCP closed or reset, and the close delay passed */
    TRAWL_FLOW_END_REUSED,    /* a new SYN on the ports of a closed connection */
    TRAWL_FLOW_END_EVICTED,   /* flow.max or flow.memcap reached: the oldest idle flow went */
    TRAWL_FLOW_END_INPUT,     /* end of input */
};

enum {
    TRAWL_FLOW_FLIPPED   = 1u << 0,   /* orig/resp swapped after the first packet (Zeek's "^") */
    TRAWL_FLOW_SYN_SEEN  = 1u << 1,   /* the originator's SYN was captured */
    TRAWL_FLOW_TRUNCATED = 1u << 2,   /* some packet of it was cut by the snaplen */
};

/* What the engine knows of a flow (read-only; valid while the flow is, i.e. during the
 * callback or packet that handed it to you). */
struct trawl_flow_info {
    char uid[TRAWL_FLOW_UID_SIZE];                  /* deterministic for the same input */
    char community_id[TRAWL_COMMUNITY_ID_SIZE];   /* "" until trawl_flow_community_id */
    uint8_t family, proto;                          /* 4 or 6; IP protocol */
    uint8_t orig_addr[16], resp_addr[16];           /* first 4 bytes for IPv4 */
    uint16_t orig_port, resp_port;                  /* ICMP: type and code (or counterpart type) */
    uint16_t vlan;                                  /* innermost VLAN id, 0 when none */
    uint32_t tunnel;                                /* hash of the enclosing addresses, 0 when none */
    int64_t start_ns, last_ns;                      /* first and last packet */
    int64_t last_active_ns;                         /* TCP: last packet before both sides had
                                                       closed (Zeek's duration ends there); 0
                                                       for other protocols */
    uint64_t pkts[2];                               /* [TRAWL_DIR_ORIG], [TRAWL_DIR_RESP] */
    uint64_t ip_bytes[2];                           /* IP total lengths */
    uint64_t bytes[2];                              /* payload: TCP from sequence numbers (Zeek's
                                                       orig_bytes), others from payload lengths */
    uint64_t missed_bytes;                          /* TCP bytes the capture missed (gaps) */
    uint64_t first_frame, last_frame;
    uint32_t first_file, last_file;                 /* trawl_engine_file_name indices */
    uint64_t stream;                                /* tcp.stream / udp.stream (per protocol, from 0) */
    const struct trawl_proto *service;              /* the dissector that took the flow, or NULL */
    uint8_t tcp_state[2];                           /* enum trawl_tcp_state per side */
    char history[TRAWL_FLOW_HISTORY_SIZE];          /* Zeek's history letters */
    uint32_t flags;                                 /* TRAWL_FLOW_* */
    uint32_t icmp_errors;                           /* ICMP errors quoting this flow */
    enum trawl_flow_end end;
    uint64_t frame_bytes[2];                        /* frame (wire) lengths, as tshark's conv tables */
};

/* One TCP segment, as the tcp dissector read it. */
struct trawl_tcp_segment {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint16_t flags;                   /* the 12 flag bits (0x002 SYN, 0x010 ACK, ...) */
    uint16_t window;
    const uint8_t *payload;           /* captured payload bytes ... */
    uint32_t caplen, len;             /* ... caplen of len (tcp.len) */
    const struct trawl_table *ports;  /* where to look for the stream's dissector ("tcp.port") */
    const struct trawl_heur_list *heur;   /* then these heuristics on the first bytes ("tcp") */
};

/* What trawl_flow_tcp found, for the tcp dissector's own fields. */
enum {
    TRAWL_TCP_RETRANSMISSION = 1u << 0,
    TRAWL_TCP_OUT_OF_ORDER   = 1u << 1,
    TRAWL_TCP_OVERLAP        = 1u << 2,
    TRAWL_TCP_OVERLAP_CONFLICT = 1u << 3,
    TRAWL_TCP_PORT_REUSED    = 1u << 4,
    TRAWL_TCP_GAP            = 1u << 5,   /* bytes before this segment were never captured */
};
struct trawl_tcp_result {
    bool relative;                    /* the fields below are meaningful */
    uint32_t rel_seq, rel_ack, next_seq;  /* tshark's tcp.seq, tcp.ack, tcp.nxtseq */
    unsigned analysis;                /* TRAWL_TCP_* */
};

/* Optional callbacks of a stream dissector (all may be NULL). */
struct trawl_stream_ops {
    size_t size;                      /* sizeof(struct trawl_stream_ops) */
    /* The flow became this protocol's (its first call that took bytes comes next). */
    void (*start)(struct trawl_packet *pkt, struct trawl_flow *f, void *state);
    /* len bytes of direction dir will never come: resynchronise on the next bytes. */
    void (*gap)(struct trawl_packet *pkt, struct trawl_flow *f, int dir, uint64_t len, void *state);
    /* The flow ends; flow_state is what trawl_flow_state gave (freed after this returns). */
    void (*end)(struct trawl_packet *ctx, struct trawl_flow *f, void *flow_state, void *state);
};

/* trawl_stream_need_more(pkt, TRAWL_STREAM_MORE_UNKNOWN): "at least one more segment". */
#define TRAWL_STREAM_MORE_UNKNOWN UINT32_MAX

TRAWL_BEGIN_DECLS

/* Community ID v1 (corelight/community-id-spec) of the flow t belongs to, the same for both
 * directions; seed is 0 unless a deployment chose another. Writes the NUL-terminated id to out;
 * returns 0, or TRAWL_EINVAL for a family other than 4 or 6. */
TRAWL_API int trawl_community_id(const struct trawl_flow_tuple *t, uint16_t seed,
                                 char out[TRAWL_COMMUNITY_ID_SIZE]);

/* The counterpart of an ICMP (proto 1) or ICMPv6 (58) type in a request/reply pair (echo 8 ↔ 0,
 * 128 ↔ 129, ... as the Community ID spec pairs them, which is also Zeek's), or -1. */
TRAWL_API int trawl_icmp_counterpart(uint8_t proto, uint16_t type);

/* ---- network and link layers -------------------------------------------------------------- */

/* The packet's addresses (family 4 or 6; src/dst point into the packet) and the IP datagram's
 * length (for ip_bytes). Calling it again in the same packet with other addresses means a
 * tunnel; with the same pointers, the datagram was reassembled and ip_len is its new length. */
TRAWL_API void trawl_packet_set_addrs(struct trawl_packet *pkt, int family, const uint8_t *src,
                                      const uint8_t *dst, uint32_t ip_len);
TRAWL_API void trawl_packet_set_vlan(struct trawl_packet *pkt, uint16_t vlan_id);

/* ---- transports ------------------------------------------------------------------------- */

/* The flow of this packet between the addresses set above and these ports (ICMP: type, code),
 * created when new, counted, and remembered as the packet's flow. Inside a quote (an ICMP
 * error's quoted datagram) it is only looked up, counted as an ICMP error of that flow, and
 * the packet's flow is not changed. NULL without addresses, or when the caps refuse it. */
TRAWL_API struct trawl_flow *trawl_flow_get(struct trawl_packet *pkt, uint8_t ipproto,
                                            uint16_t sport, uint16_t dport);
/* Payload bytes of this packet for a non-TCP flow (UDP, ICMP): Zeek's orig_bytes/resp_bytes. */
TRAWL_API void trawl_flow_add_payload(struct trawl_packet *pkt, uint32_t len);
/* TCP, instead of trawl_flow_get: finds the flow (a SYN on the ports of a closed connection
 * starts a new one, as tshark's tcp.stream does), then tracks state and history, computes the
 * relative sequence numbers, reassembles and makes the stream dissector's calls on this
 * packet. Returns the flow (NULL as trawl_flow_get); res may be NULL. Inside a quote only the
 * lookup happens. */
TRAWL_API struct trawl_flow *trawl_flow_tcp(struct trawl_packet *pkt, const struct trawl_tcp_segment *seg,
                                            struct trawl_tcp_result *res);

/* A stream number field (tcp.stream, udp.stream): add the flow's number this way, not with
 * trawl_add_uint, so that with worker threads it is renumbered in frame order (tshark's). */
TRAWL_API void trawl_add_flow_stream(struct trawl_packet *pkt, unsigned idx, const struct trawl_flow *f);

/* ---- any dissector ---------------------------------------------------------------------- */

/* The packet's flow (the innermost one), or NULL. */
TRAWL_API struct trawl_flow *trawl_packet_flow(const struct trawl_packet *pkt);
/* The packet's (or the stream call's) direction in it: TRAWL_DIR_ORIG or TRAWL_DIR_RESP. */
TRAWL_API int trawl_packet_flow_dir(const struct trawl_packet *pkt);
TRAWL_API const struct trawl_flow_info *trawl_flow_info(const struct trawl_flow *f);
/* The flow's Community ID ("1:..."), computed on first use (a SHA-1: not per packet). */
TRAWL_API const char *trawl_flow_community_id(const struct trawl_flow *f);
/* This protocol's state for the flow: zeroed `size` bytes made on the first call, the same
 * pointer after (size is then ignored). Counted against flow.memcap; freed when the flow ends
 * (after the stream ops' end). NULL when memory or the cap refuses it. */
TRAWL_API void *trawl_flow_state(struct trawl_flow *f, const struct trawl_proto *p, size_t size);
/* The state if it exists, else NULL. */
TRAWL_API void *trawl_flow_state_peek(const struct trawl_flow *f, const struct trawl_proto *p);

/* ---- stream dissectors ------------------------------------------------------------------ */

/* Init or handoff phase: callbacks for a protocol that dissects streams. */
TRAWL_API int trawl_stream_register(struct trawl_init *ctx, const struct trawl_proto *p,
                                    const struct trawl_stream_ops *ops);
/* Inside a stream call: the bytes after those you return begin a PDU that needs `more` bytes
 * beyond the end of the bytes you were given. */
TRAWL_API void trawl_stream_need_more(struct trawl_packet *pkt, uint32_t more);
/* Inside a stream call: from the end of the bytes this call returns, the stream — both
 * directions — belongs to protocol p, a stream dissector (STARTTLS: SMTP, FTP, IMAP hand the rest
 * to "tls" once the server said yes). Bytes the other direction held back for you are dropped.
 * The flow's service stays the first protocol's. */
TRAWL_API void trawl_stream_switch(struct trawl_packet *pkt, const struct trawl_proto *p);
/* Inside a dissector: is it being called with reassembled stream bytes? */
TRAWL_API bool trawl_packet_in_stream(const struct trawl_packet *pkt);
/* Inside a stream call: this call carries no bytes, it says the direction ended with a FIN
 * after every byte before it was delivered (a message read until the close is complete now,
 * on this frame, as tshark shows it). Return 1 to keep what you added, 0 otherwise. */
TRAWL_API bool trawl_stream_at_fin(const struct trawl_packet *pkt);

TRAWL_END_DECLS
#endif
