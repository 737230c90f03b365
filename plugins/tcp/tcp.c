/* tcp.c — Transmission Control Protocol: header, flags, options; payload to "tcp.port".
 * RFC 9293 (TCP), RFC 7323 (window scale, timestamps), RFC 2018 (SACK), RFC 7413 (TCP Fast
 * Open, also as experimental option 254 with ExID 0xF989, RFC 6994), RFC 3168 (ECN flags),
 * RFC 3540 / draft-ietf-tcpm-accurate-ecn (the AE bit, formerly NS).
 *
 *    0                   1                   2                   3
 *   +-------------------------------+-------------------------------+
 *   |          Source Port          |       Destination Port        |
 *   +-------------------------------+-------------------------------+
 *   |                        Sequence Number                        |
 *   |                    Acknowledgment Number                      |
 *   +-------+-----+-----------------+-------------------------------+
 *   |Offset | Rsv |A|C|E|U|A|P|R|S|F|            Window             |
 *   +-------+-----+-----------------+-------------------------------+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-------------------------------+-------------------------------+
 *   |                    Options (Offset > 5)                       |
 *
 * The view we get is the IP payload (sized by the IP header), so tcp.len = view length - header
 * length, whatever the snaplen kept. Sequence numbers are raw (tcp.seq_raw, tcp.ack_raw):
 * relative ones need per-flow state, which comes with stream reassembly. Until then each
 * segment's payload goes straight to trawl_dissect_ports() ("tcp.port" table, then the "tcp"
 * heuristics), unreassembled.
 *
 * Following tshark 4.0: ports are shown once 4 bytes are there, the rest needs 16; a data
 * offset below 5 stops after tcp.seq_raw and tcp.hdr_len. Inside an ICMP error's quote
 * (trawl_packet_in_quote: a header usually cut after 8 bytes) or a first IP fragment
 * (TRAWL_HINT_FRAGMENT from the IP layer) there is no tcp.len and the payload is not dissected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trawl/trawl.h>

#define ARROW "\xe2\x86\x92"     /* U+2192, as tshark's info column writes it */

enum {
    F_SRCPORT, F_DSTPORT, F_PORT, F_SEQ_RAW, F_ACK_RAW, F_HDR_LEN,
    F_FLAGS, F_FLAGS_RES, F_FLAGS_AE, F_FLAGS_CWR, F_FLAGS_ECE, F_FLAGS_URG, F_FLAGS_ACK,
    F_FLAGS_PUSH, F_FLAGS_RESET, F_FLAGS_SYN, F_FLAGS_FIN, F_FLAGS_STR,
    F_WINDOW, F_CHECKSUM, F_URGENT, F_LEN,
    F_OPTIONS, F_OPT_KIND, F_OPT_LEN, F_OPT_MSS, F_OPT_WS_SHIFT, F_OPT_WS_MULT,
    F_OPT_SACK_PERM, F_OPT_SACK_LE, F_OPT_SACK_RE, F_OPT_SACK_COUNT,
    F_OPT_TSVAL, F_OPT_TSECR, F_OPT_TFO_REQUEST, F_OPT_TFO_COOKIE,
    F_PAYLOAD, F_BOGUS_HDR_LEN, F_OPT_LEN_INVALID,
    F_STREAM, F_SEQ, F_ACK, F_NXTSEQ, F_AN_RETRANS, F_AN_OOO, F_AN_REUSED, F_AN_LOST,
    F_AN_OVERLAP_CONFLICT,
    F_COUNT
};

static const struct trawl_value_name kind_names[] = {
    { 0, "End of Option List (EOL)" }, { 1, "No-Operation (NOP)" },
    { 2, "Maximum segment size" }, { 3, "Window scale" }, { 4, "SACK permitted" },
    { 5, "SACK" }, { 8, "Time Stamp Option" }, { 19, "MD5 signature" },
    { 28, "User Timeout" }, { 29, "TCP Authentication Option" }, { 30, "Multipath TCP" },
    { 34, "TCP Fast Open Cookie" }, { 253, "RFC3692-style Experiment 1" },
    { 254, "RFC3692-style Experiment 2" }, { 0, NULL },
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_SRCPORT]       = { .name = "tcp.srcport", .desc = "Source port", .type = TRAWL_FT_U16 },
    [F_DSTPORT]       = { .name = "tcp.dstport", .desc = "Destination port", .type = TRAWL_FT_U16 },
    [F_PORT]          = { .name = "tcp.port", .desc = "Source or destination port", .type = TRAWL_FT_U16 },
    [F_SEQ_RAW]       = { .name = "tcp.seq_raw", .desc = "Sequence number (raw)", .type = TRAWL_FT_U32 },
    [F_ACK_RAW]       = { .name = "tcp.ack_raw", .desc = "Acknowledgment number (raw)", .type = TRAWL_FT_U32 },
    [F_HDR_LEN]       = { .name = "tcp.hdr_len", .desc = "Header length in bytes", .type = TRAWL_FT_U8 },
    [F_FLAGS]         = { .name = "tcp.flags", .desc = "Flags (12 bits)", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_FLAGS_RES]     = { .name = "tcp.flags.res", .desc = "Reserved bits", .type = TRAWL_FT_BOOL, .mask = 0x0e00 },
    [F_FLAGS_AE]      = { .name = "tcp.flags.ae", .desc = "Accurate ECN (formerly NS)", .type = TRAWL_FT_BOOL, .mask = 0x0100 },
    [F_FLAGS_CWR]     = { .name = "tcp.flags.cwr", .desc = "Congestion Window Reduced", .type = TRAWL_FT_BOOL, .mask = 0x0080 },
    [F_FLAGS_ECE]     = { .name = "tcp.flags.ece", .desc = "ECN-Echo", .type = TRAWL_FT_BOOL, .mask = 0x0040 },
    [F_FLAGS_URG]     = { .name = "tcp.flags.urg", .desc = "Urgent", .type = TRAWL_FT_BOOL, .mask = 0x0020 },
    [F_FLAGS_ACK]     = { .name = "tcp.flags.ack", .desc = "Acknowledgment", .type = TRAWL_FT_BOOL, .mask = 0x0010 },
    [F_FLAGS_PUSH]    = { .name = "tcp.flags.push", .desc = "Push", .type = TRAWL_FT_BOOL, .mask = 0x0008 },
    [F_FLAGS_RESET]   = { .name = "tcp.flags.reset", .desc = "Reset", .type = TRAWL_FT_BOOL, .mask = 0x0004 },
    [F_FLAGS_SYN]     = { .name = "tcp.flags.syn", .desc = "Syn", .type = TRAWL_FT_BOOL, .mask = 0x0002 },
    [F_FLAGS_FIN]     = { .name = "tcp.flags.fin", .desc = "Fin", .type = TRAWL_FT_BOOL, .mask = 0x0001 },
    [F_FLAGS_STR]     = { .name = "tcp.flags.str", .desc = "Flags as letters (RRRACEUAPRSF)", .type = TRAWL_FT_STRING },
    [F_WINDOW]        = { .name = "tcp.window_size_value", .desc = "Window (unscaled)", .type = TRAWL_FT_U16 },
    [F_CHECKSUM]      = { .name = "tcp.checksum", .desc = "Checksum (not verified)", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_URGENT]        = { .name = "tcp.urgent_pointer", .desc = "Urgent pointer", .type = TRAWL_FT_U16 },
    [F_LEN]           = { .name = "tcp.len", .desc = "Segment length (payload bytes)", .type = TRAWL_FT_U32 },
    [F_OPTIONS]       = { .name = "tcp.options", .desc = "Options bytes", .type = TRAWL_FT_BYTES },
    [F_OPT_KIND]      = { .name = "tcp.option_kind", .desc = "Option kind", .type = TRAWL_FT_U8, .names = kind_names },
    [F_OPT_LEN]       = { .name = "tcp.option_len", .desc = "Option length", .type = TRAWL_FT_U8 },
    [F_OPT_MSS]       = { .name = "tcp.options.mss_val", .desc = "Maximum segment size", .type = TRAWL_FT_U16 },
    [F_OPT_WS_SHIFT]  = { .name = "tcp.options.wscale.shift", .desc = "Window scale shift count", .type = TRAWL_FT_U8 },
    [F_OPT_WS_MULT]   = { .name = "tcp.options.wscale.multiplier", .desc = "Window scale multiplier", .type = TRAWL_FT_U16 },
    [F_OPT_SACK_PERM] = { .name = "tcp.options.sack_perm", .desc = "SACK permitted option", .type = TRAWL_FT_BYTES },
    [F_OPT_SACK_LE]   = { .name = "tcp.options.sack_le", .desc = "SACK left edge (raw)", .type = TRAWL_FT_U32 },
    [F_OPT_SACK_RE]   = { .name = "tcp.options.sack_re", .desc = "SACK right edge (raw)", .type = TRAWL_FT_U32 },
    [F_OPT_SACK_COUNT] = { .name = "tcp.options.sack.count", .desc = "SACK blocks in the option", .type = TRAWL_FT_U8 },
    [F_OPT_TSVAL]     = { .name = "tcp.options.timestamp.tsval", .desc = "Timestamp value", .type = TRAWL_FT_U32 },
    [F_OPT_TSECR]     = { .name = "tcp.options.timestamp.tsecr", .desc = "Timestamp echo reply", .type = TRAWL_FT_U32 },
    [F_OPT_TFO_REQUEST] = { .name = "tcp.options.tfo.request", .desc = "Fast Open cookie request", .type = TRAWL_FT_NONE },
    [F_OPT_TFO_COOKIE] = { .name = "tcp.options.tfo.cookie", .desc = "Fast Open cookie", .type = TRAWL_FT_BYTES },
    [F_PAYLOAD]       = { .name = "tcp.payload", .desc = "Payload bytes (captured part)", .type = TRAWL_FT_BYTES },
    [F_BOGUS_HDR_LEN] = { .name = "tcp.bogus_header_length", .desc = "Data offset below 5", .type = TRAWL_FT_NONE },
    [F_OPT_LEN_INVALID] = { .name = "tcp.option.len.invalid", .desc = "Option length invalid or past the header", .type = TRAWL_FT_NONE },
    [F_STREAM]        = { .name = "tcp.stream", .desc = "Stream index (connections in order of first packet, from 0)", .type = TRAWL_FT_U32 },
    [F_SEQ]           = { .name = "tcp.seq", .desc = "Sequence number (relative to the SYN, or to the first seen - 1)", .type = TRAWL_FT_U32 },
    [F_ACK]           = { .name = "tcp.ack", .desc = "Acknowledgment number (relative)", .type = TRAWL_FT_U32 },
    [F_NXTSEQ]        = { .name = "tcp.nxtseq", .desc = "Next sequence number (relative)", .type = TRAWL_FT_U32 },
    [F_AN_RETRANS]    = { .name = "tcp.analysis.retransmission", .desc = "Every byte of the segment was seen before", .type = TRAWL_FT_NONE },
    [F_AN_OOO]        = { .name = "tcp.analysis.out_of_order", .desc = "Bytes ahead of a hole: held for reassembly", .type = TRAWL_FT_NONE },
    [F_AN_REUSED]     = { .name = "tcp.analysis.reused_ports", .desc = "A SYN reused the ports of an earlier connection", .type = TRAWL_FT_NONE },
    [F_AN_LOST]       = { .name = "tcp.analysis.lost_segment", .desc = "The peer acknowledged bytes the capture never had", .type = TRAWL_FT_NONE },
    [F_AN_OVERLAP_CONFLICT] = { .name = "tcp.analysis.overlap_conflict", .desc = "Overlapping bytes differ from the first copy (kept)", .type = TRAWL_FT_NONE },
};

struct tcp_state {
    const struct trawl_proto *proto;
    const struct trawl_table *ports;        /* "tcp.port", declared here */
    const struct trawl_heur_list *heur;     /* "tcp", declared here */
};

/* ---- helpers ------------------------------------------------------------------------------ */

static void add_marker(struct trawl_packet *pkt, unsigned idx)
{
    trawl_tree_push(pkt, idx);
    trawl_tree_pop(pkt);
}

/* "[SYN, ACK]" contents, in tshark's order (lowest bit first). */
static void flags_text(uint16_t flags, char *out, size_t cap)
{
    static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE" };
    size_t at = 0;
    out[0] = 0;
    for (unsigned i = 0; i < 9; i++) {
        if (!(flags & (1u << i))) continue;
        at += (size_t)snprintf(out + at, cap - at, "%s%s", at ? ", " : "", names[i]);
        if (at >= cap) return;
    }
    if (flags & 0x0e00) at += (size_t)snprintf(out + at, cap - at, "%sReserved", at ? ", " : "");
    if (!at) snprintf(out, cap, "<None>");
}

/* Options (RFC 9293 section 3.1) in the len bytes the data offset claims for them (o may hold
 * fewer: reads past it latch). EOL and NOP are one byte (tshark walks on after an EOL); every
 * other option has a length counting kind and length. A length below 2 or past the header gets
 * no fields (as in tshark), stops the loop and latches MALFORMED. Known kinds with a wrong length
 * are skipped undecoded. */
static void dissect_options(struct trawl_packet *pkt, struct trawl_buf *o, uint32_t len, bool cols)
{
    uint32_t off = 0;
    while (off < len) {
        if (!trawl_buf_need(o, off, 1)) return;
        uint8_t kind = trawl_buf_u8(o, off);
        if (kind == 0 || kind == 1) {                     /* EOL, NOP */
            /* tshark goes on after an EOL too: the padding after it shows as more EOLs. */
            trawl_add_uint(pkt, F_OPT_KIND, kind);
            off++;
            continue;
        }
        if (off + 2 > len) { add_marker(pkt, F_OPT_LEN_INVALID); trawl_buf_mark_malformed(o); return; }
        if (!trawl_buf_need(o, off + 1, 1)) return;
        uint8_t olen = trawl_buf_u8(o, off + 1);
        if (olen < 2 || olen > len - off) {
            add_marker(pkt, F_OPT_LEN_INVALID);
            trawl_buf_mark_malformed(o);
            return;
        }
        trawl_add_uint(pkt, F_OPT_KIND, kind);
        trawl_add_uint(pkt, F_OPT_LEN, olen);
        /* Decode the parts that are there (a snaplen may cut inside an option: tshark shows
         * the kind, the length and the values before the cut); the check after the switch
         * latches and ends the loop. */
        switch (kind) {
        case 2:                                           /* maximum segment size */
            if (olen == 4 && trawl_buf_has(o, off + 2, 2)) {
                uint16_t mss = trawl_buf_u16be(o, off + 2);
                trawl_add_uint(pkt, F_OPT_MSS, mss);
                if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " MSS=%u", mss);
            }
            break;
        case 3:                                           /* window scale */
            if (olen == 3 && trawl_buf_has(o, off + 2, 1)) {
                uint8_t shift = trawl_buf_u8(o, off + 2);
                unsigned mult = 1u << (shift > 14 ? 14 : shift);
                trawl_add_uint(pkt, F_OPT_WS_SHIFT, shift);
                trawl_add_uint(pkt, F_OPT_WS_MULT, mult);
                if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " WS=%u", mult);
            }
            break;
        case 4:                                           /* SACK permitted */
            if (olen == 2) {
                trawl_add_bytes(pkt, F_OPT_SACK_PERM, trawl_buf_ptr(o, off, 2), 2);
                if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " SACK_PERM");
            }
            break;
        case 5: {                                         /* SACK blocks */
            unsigned nblk = (olen - 2u) / 8;
            trawl_add_uint(pkt, F_OPT_SACK_COUNT, nblk);
            for (unsigned i = 0; i < nblk && trawl_buf_has(o, off + 2 + 8 * i, 8); i++) {
                uint32_t le = trawl_buf_u32be(o, off + 2 + 8 * i), re = trawl_buf_u32be(o, off + 6 + 8 * i);
                trawl_add_uint(pkt, F_OPT_SACK_LE, le);
                trawl_add_uint(pkt, F_OPT_SACK_RE, re);
                if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " SLE=%u SRE=%u", le, re);
            }
            break;
        }
        case 8:                                           /* timestamps */
            if (olen == 10 && trawl_buf_has(o, off + 2, 4)) {
                uint32_t tsval = trawl_buf_u32be(o, off + 2);
                trawl_add_uint(pkt, F_OPT_TSVAL, tsval);
                if (trawl_buf_has(o, off + 6, 4)) {
                    uint32_t tsecr = trawl_buf_u32be(o, off + 6);
                    trawl_add_uint(pkt, F_OPT_TSECR, tsecr);
                    if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " TSval=%u TSecr=%u", tsval, tsecr);
                }
            }
            break;
        case 34:                                          /* TCP Fast Open cookie */
        case 253: case 254: {                             /* experiments: TFO has ExID 0xF989 */
            if (!trawl_buf_has(o, off, olen)) break;
            uint32_t at = 2;
            if (kind != 34) {
                if (olen < 4 || trawl_buf_u16be(o, off + 2) != 0xf989) break;
                at = 4;
            }
            if (olen == at) {
                add_marker(pkt, F_OPT_TFO_REQUEST);
                if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " TFO=R");
            } else {
                trawl_add_bytes(pkt, F_OPT_TFO_COOKIE, trawl_buf_ptr(o, off + at, olen - at), olen - at);
                if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " TFO=C");
            }
            break;
        }
        default:
            break;
        }
        if (!trawl_buf_need(o, off, olen)) return;        /* cut by the snaplen */
        off += olen;
    }
}

/* ---- the dissector ------------------------------------------------------------------------ */

static int tcp_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    struct tcp_state *st = state;
    uint32_t given = trawl_buf_len(b);
    if (given == 0) return 0;
    /* Inside an ICMP error's quote (often 8 bytes of us) or a first IP fragment our view is
     * only part of the segment. */
    bool partial = trawl_packet_in_quote(pkt) || (trawl_packet_hints(pkt) & TRAWL_HINT_FRAGMENT);
    bool cols = trawl_cols_wanted(pkt);

    if (!trawl_buf_need(b, 0, 4)) return (int)given;
    uint16_t sport = trawl_buf_u16be(b, 0), dport = trawl_buf_u16be(b, 2);
    trawl_add_uint(pkt, F_SRCPORT, sport);
    trawl_add_uint(pkt, F_DSTPORT, dport);
    trawl_add_uint(pkt, F_PORT, sport);
    trawl_add_uint(pkt, F_PORT, dport);
    if (cols) trawl_col_set(pkt, TRAWL_COL_INFO, "%u " ARROW " %u", sport, dport);
    /* tshark reads sequence, acknowledgment, offset, flags and window in one go. */
    if (!trawl_buf_need(b, 0, 16)) return (int)given;

    uint32_t seq = trawl_buf_u32be(b, 4), ack = trawl_buf_u32be(b, 8);
    uint16_t offflags = trawl_buf_u16be(b, 12), win = trawl_buf_u16be(b, 14);
    uint32_t hlen = (offflags >> 12) * 4u;
    uint16_t flags = offflags & 0x0fff;
    /* Segment length from the IP length (our view), not from what was captured. Not known
     * in a quote or a fragment (our view is part of the segment), nor when the header is
     * longer than the segment. */
    bool have_len = !partial && given >= hlen;
    uint32_t seglen = have_len ? given - hlen : 0;
    if (have_len) trawl_add_uint(pkt, F_LEN, seglen);
    if (cols) {
        char fl[64];
        flags_text(flags, fl, sizeof fl);
        trawl_col_append(pkt, TRAWL_COL_INFO, " [%s] Seq=%u", fl, seq);
        if (flags & 0x0010) trawl_col_append(pkt, TRAWL_COL_INFO, " Ack=%u", ack);
        trawl_col_append(pkt, TRAWL_COL_INFO, " Win=%u", win);
    }
    trawl_add_uint(pkt, F_SEQ_RAW, seq);
    if (hlen < 20) {
        /* Still a conversation (tshark numbers it). */
        struct trawl_flow *bf = trawl_flow_get(pkt, 6, sport, dport);
        trawl_add_flow_stream(pkt, F_STREAM, bf);
        trawl_add_uint(pkt, F_HDR_LEN, hlen);
        add_marker(pkt, F_BOGUS_HDR_LEN);
        trawl_buf_mark_malformed(b);
        if (cols)
            trawl_col_append(pkt, TRAWL_COL_INFO, ", bogus TCP header length (%u, must be at least 20)", hlen);
        return (int)given;
    }
    trawl_add_uint(pkt, F_ACK_RAW, ack);
    trawl_add_uint(pkt, F_HDR_LEN, hlen);
    trawl_add_uint(pkt, F_FLAGS, flags);
    trawl_add_bool(pkt, F_FLAGS_RES, flags & 0x0e00);
    trawl_add_bool(pkt, F_FLAGS_AE, flags & 0x0100);
    trawl_add_bool(pkt, F_FLAGS_CWR, flags & 0x0080);
    trawl_add_bool(pkt, F_FLAGS_ECE, flags & 0x0040);
    trawl_add_bool(pkt, F_FLAGS_URG, flags & 0x0020);
    trawl_add_bool(pkt, F_FLAGS_ACK, flags & 0x0010);
    trawl_add_bool(pkt, F_FLAGS_PUSH, flags & 0x0008);
    trawl_add_bool(pkt, F_FLAGS_RESET, flags & 0x0004);
    trawl_add_bool(pkt, F_FLAGS_SYN, flags & 0x0002);
    trawl_add_bool(pkt, F_FLAGS_FIN, flags & 0x0001);
    if (trawl_wants(pkt, F_FLAGS_STR)) {
        /* 12 positions, a letter for a set bit and a middle dot (U+00B7) for a clear one. */
        static const char letters[] = "RRRACEUAPRSF";
        char s[12 * 2 + 1];
        size_t at = 0;
        for (unsigned i = 0; i < 12; i++) {
            if (flags & (0x800u >> i)) s[at++] = letters[i];
            else { s[at++] = '\xc2'; s[at++] = '\xb7'; }
        }
        s[at] = 0;
        trawl_add_stringf(pkt, F_FLAGS_STR, "%s", s);
    }
    trawl_add_uint(pkt, F_WINDOW, win);
    /* The checksum and urgent pointer are read as the fields come, like tshark does. */
    if (trawl_buf_need(b, 16, 2)) trawl_add_uint(pkt, F_CHECKSUM, trawl_buf_u16be(b, 16));
    uint16_t urg = 0;
    if (trawl_buf_need(b, 18, 2)) {
        urg = trawl_buf_u16be(b, 18);
        trawl_add_uint(pkt, F_URGENT, urg);
    }
    if (cols) {
        if (flags & 0x0020) trawl_col_append(pkt, TRAWL_COL_INFO, " Urg=%u", urg);
        if (have_len) trawl_col_append(pkt, TRAWL_COL_INFO, " Len=%u", seglen);
    }

    if (hlen > 20) {
        /* Past the segment (a short segment) this latches MALFORMED, as it should. */
        struct trawl_buf o = trawl_buf_sub(b, 20, hlen - 20);
        uint32_t cap = trawl_buf_caplen(&o);
        if (cap && trawl_wants(pkt, F_OPTIONS)) trawl_add_bytes(pkt, F_OPTIONS, trawl_buf_ptr(&o, 0, cap), cap);
        dissect_options(pkt, &o, hlen - 20, cols);
    }
    struct trawl_buf pl = trawl_buf_tail(b, have_len ? hlen : given);
    uint32_t cap = have_len ? trawl_buf_caplen(&pl) : 0;
    if (cap && trawl_wants(pkt, F_PAYLOAD)) trawl_add_bytes(pkt, F_PAYLOAD, trawl_buf_ptr(&pl, 0, cap), cap);

    /* The connection: state, relative numbers and reassembly; the stream's dissector runs in
     * there, on in-order bytes. A part of a segment (a quote, a first fragment) is only looked
     * up. Without a flow (no IP addresses, or the caps refused one) the payload is dissected
     * segment by segment. */
    struct trawl_flow *flow;
    struct trawl_tcp_result res;
    memset(&res, 0, sizeof res);
    if (partial) {
        flow = trawl_packet_in_quote(pkt) ? trawl_flow_tcp(pkt, &(struct trawl_tcp_segment){ .sport = sport, .dport = dport }, NULL)
                                          : trawl_flow_get(pkt, 6, sport, dport);
    } else {
        struct trawl_tcp_segment seg = {
            .sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = flags, .window = win,
            .payload = cap ? trawl_buf_ptr(&pl, 0, cap) : NULL, .caplen = cap, .len = seglen,
            .ports = st->ports, .heur = st->heur,
        };
        flow = trawl_flow_tcp(pkt, &seg, &res);
    }
    trawl_add_flow_stream(pkt, F_STREAM, flow);
    if (res.relative) {
        trawl_add_uint(pkt, F_SEQ, res.rel_seq);
        if (flags & 0x0010) trawl_add_uint(pkt, F_ACK, res.rel_ack);
        if (seglen || (flags & 0x0003)) trawl_add_uint(pkt, F_NXTSEQ, res.next_seq);
        if (res.analysis & TRAWL_TCP_RETRANSMISSION) add_marker(pkt, F_AN_RETRANS);
        if (res.analysis & TRAWL_TCP_OUT_OF_ORDER) add_marker(pkt, F_AN_OOO);
        if (res.analysis & TRAWL_TCP_PORT_REUSED) add_marker(pkt, F_AN_REUSED);
        if (res.analysis & TRAWL_TCP_GAP) add_marker(pkt, F_AN_LOST);
        if (res.analysis & TRAWL_TCP_OVERLAP_CONFLICT) add_marker(pkt, F_AN_OVERLAP_CONFLICT);
    }
    if (flow && !partial) return (int)given;
    /* Nothing captured of the payload: nothing for a dissector to look at. A quoted segment's
     * payload goes to its ports' dissector (no heuristics: a quote is usually cut short), as
     * tshark shows a TLS record an ICMP error quotes — but only for a connection not seen
     * otherwise: a quote of a known stream copies bytes of it, which out of the stream's
     * context would be read from a wrong boundary (tshark shows nothing there either). */
    if (cap && st->ports && !partial) trawl_dissect_ports(pkt, st->ports, st->heur, sport, dport, &pl);
    const struct trawl_flow_info *qfi = flow ? trawl_flow_info(flow) : NULL;
    if (trawl_packet_in_quote(pkt) && (!qfi || qfi->pkts[0] + qfi->pkts[1] == 0) && st->ports &&
        trawl_buf_caplen(b) > hlen) {
        struct trawl_buf qp = trawl_buf_tail(b, hlen);
        trawl_dissect_ports(pkt, st->ports, NULL, sport, dport, &qp);
    }
    return (int)given;
}

static const struct trawl_proto_def tcp_def = {
    .name = "tcp",
    .long_name = "Transmission Control Protocol",
    .column = "TCP",
    .fields = fields,
    .nfields = F_COUNT,
    .dissect = tcp_dissect,
};

/* ---- registration ------------------------------------------------------------------------- */

static int tcp_init(struct trawl_init *ctx)
{
    struct tcp_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->proto = trawl_proto_register(ctx, &tcp_def, st);
    if (!st->proto) return TRAWL_EINVAL;
    if (!trawl_table_declare(ctx, "tcp.port", "TCP port", TRAWL_TABLE_UINT, 65535)) return TRAWL_EINVAL;
    if (!trawl_heur_declare(ctx, "tcp", "Heuristic dissectors for TCP payloads")) return TRAWL_EINVAL;
    return 0;
}

static int tcp_handoff(struct trawl_init *ctx)
{
    struct tcp_state *st = trawl_init_state(ctx);
    st->ports = trawl_table_find(ctx, "tcp.port");
    st->heur = trawl_heur_find(ctx, "tcp");
    if (!trawl_table_find(ctx, "ip.proto")) {
        trawl_init_log(ctx, TRAWL_LOG_WARN, "no \"ip.proto\" table (is the ipv4 plugin loaded?)");
        return 0;
    }
    trawl_table_add(ctx, "ip.proto", 6, st->proto);
    return 0;
}

static void tcp_fini(void *state) { free(state); }

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "tcp", .version = "1.0.0",
    .summary = "Transmission Control Protocol (RFC 9293): header and options",
    .init = tcp_init, .handoff = tcp_handoff, .fini = tcp_fini);
