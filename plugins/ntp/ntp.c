/* ntp — Network Time Protocol on UDP 123 (RFC 5905), with the mode 6 control header (RFC 1305
 * appendix B) and the mode 7 private header (ntpd's ntp_request.h), as tshark 4.0 shows them.
 *
 * Timestamps print as tshark does: a UTC date with nanoseconds, "NULL" for an all-zero one.
 * They are STRING fields for that reason (a TIME field cannot print "NULL"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trawl/trawl.h"

enum {
    F_FLAGS, F_LI, F_VN, F_MODE, F_STRATUM, F_PPOLL, F_PRECISION, F_ROOTDELAY,
    F_ROOTDISP, F_REFID, F_REFTIME, F_ORG, F_REC, F_XMT,
    F_C_FLAGS2, F_C_R, F_C_ERROR, F_C_MORE, F_C_OPCODE, F_C_SEQ, F_C_STATUS, F_C_ASSOCID,
    F_C_OFFSET, F_C_COUNT,
    F_P_R, F_P_MORE, F_P_AUTH_SEQ, F_P_AUTH, F_P_SEQ, F_P_IMPL, F_P_REQCODE, F_P_ERR,
    F_P_NUMITEMS, F_P_RESERVED, F_P_ITEMSIZE,
    F_COUNT
};

static const struct trawl_value_name mode_names[] = {
    { 0, "reserved" }, { 1, "symmetric active" }, { 2, "symmetric passive" }, { 3, "client" },
    { 4, "server" }, { 5, "broadcast" }, { 6, "reserved for NTP control message" },
    { 7, "reserved for private use" }, { 0, NULL },
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_FLAGS]      = { "ntp.flags", "Flags", TRAWL_FT_U8, TRAWL_BASE_HEX, NULL, 0 },
    [F_LI]         = { "ntp.flags.li", "Leap Indicator", TRAWL_FT_U8, 0, NULL, 0xc0 },
    [F_VN]         = { "ntp.flags.vn", "Version number", TRAWL_FT_U8, 0, NULL, 0x38 },
    [F_MODE]       = { "ntp.flags.mode", "Mode", TRAWL_FT_U8, 0, mode_names, 0x07 },
    [F_STRATUM]    = { "ntp.stratum", "Peer Clock Stratum", TRAWL_FT_U8, 0, NULL, 0 },
    [F_PPOLL]      = { "ntp.ppoll", "Peer Polling Interval", TRAWL_FT_U8, 0, NULL, 0 },
    [F_PRECISION]  = { "ntp.precision", "Peer Clock Precision", TRAWL_FT_U8, 0, NULL, 0 },
    [F_ROOTDELAY]  = { "ntp.rootdelay", "Root Delay (16.16 fixed point)", TRAWL_FT_U32, 0, NULL, 0 },
    [F_ROOTDISP]   = { "ntp.rootdispersion", "Root Dispersion (16.16 fixed point)", TRAWL_FT_U32, 0, NULL, 0 },
    [F_REFID]      = { "ntp.refid", "Reference ID", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_REFTIME]    = { "ntp.reftime", "Reference Timestamp", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_ORG]        = { "ntp.org", "Origin Timestamp", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_REC]        = { "ntp.rec", "Receive Timestamp", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_XMT]        = { "ntp.xmt", "Transmit Timestamp", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_C_FLAGS2]   = { "ntp.ctrl.flags2", "Flags 2", TRAWL_FT_U8, TRAWL_BASE_HEX, NULL, 0 },
    [F_C_R]        = { "ntp.ctrl.flags2.r", "Response bit", TRAWL_FT_U8, 0, NULL, 0x80 },
    [F_C_ERROR]    = { "ntp.ctrl.flags2.error", "Error bit", TRAWL_FT_U8, 0, NULL, 0x40 },
    [F_C_MORE]     = { "ntp.ctrl.flags2.more", "More bit", TRAWL_FT_U8, 0, NULL, 0x20 },
    [F_C_OPCODE]   = { "ntp.ctrl.flags2.opcode", "Opcode", TRAWL_FT_U8, 0, NULL, 0x1f },
    [F_C_SEQ]      = { "ntp.ctrl.sequence", "Sequence", TRAWL_FT_U16, 0, NULL, 0 },
    [F_C_STATUS]   = { "ntp.ctrl.status", "Status", TRAWL_FT_U16, TRAWL_BASE_HEX, NULL, 0 },
    [F_C_ASSOCID]  = { "ntp.ctrl.associd", "AssociationID", TRAWL_FT_U16, 0, NULL, 0 },
    [F_C_OFFSET]   = { "ntp.ctrl.offset", "Offset", TRAWL_FT_U16, 0, NULL, 0 },
    [F_C_COUNT]    = { "ntp.ctrl.count", "Count", TRAWL_FT_U16, 0, NULL, 0 },
    [F_P_R]        = { "ntp.priv.flags.r", "Response bit", TRAWL_FT_U8, 0, NULL, 0x80 },
    [F_P_MORE]     = { "ntp.priv.flags.more", "More bit", TRAWL_FT_U8, 0, NULL, 0x40 },
    [F_P_AUTH_SEQ] = { "ntp.priv.auth_seq", "Auth, sequence", TRAWL_FT_U8, 0, NULL, 0 },
    [F_P_AUTH]     = { "ntp.priv.auth", "Auth bit", TRAWL_FT_U8, 0, NULL, 0x80 },
    [F_P_SEQ]      = { "ntp.priv.seq", "Sequence number", TRAWL_FT_U8, 0, NULL, 0x7f },
    [F_P_IMPL]     = { "ntp.priv.impl", "Implementation", TRAWL_FT_U8, 0, NULL, 0 },
    [F_P_REQCODE]  = { "ntp.priv.reqcode", "Request code", TRAWL_FT_U8, 0, NULL, 0 },
    [F_P_ERR]      = { "ntp.priv.err", "Err", TRAWL_FT_U8, TRAWL_BASE_HEX, NULL, 0 },
    [F_P_NUMITEMS] = { "ntp.priv.numitems", "Number of data items", TRAWL_FT_U16, 0, NULL, 0 },
    [F_P_RESERVED] = { "ntp.priv.reserved", "Reserved", TRAWL_FT_U8, TRAWL_BASE_HEX, NULL, 0 },
    [F_P_ITEMSIZE] = { "ntp.priv.itemsize", "Size of data item", TRAWL_FT_U16, 0, NULL, 0 },
};

/* Seconds from the NTP era 0 epoch (1900) to the Unix epoch. */
#define NTP_UNIX_DELTA 2208988800u

/* A 64-bit NTP timestamp as tshark prints it: era 0 only, like tshark 4.0. */
static void add_ntp_time(struct trawl_packet *pkt, unsigned idx, const struct trawl_buf *b, uint32_t off)
{
    uint32_t sec = trawl_buf_u32be(b, off), frac = trawl_buf_u32be(b, off + 4);
    if (!trawl_buf_ok(b)) return;
    if (!trawl_wants(pkt, idx)) return;
    if (!sec && !frac) { trawl_add_cstring(pkt, idx, "NULL"); return; }
    /* RFC 4330 section 3: a top bit of 0 means era 1 (from 2036), as tshark reads it */
    int64_t unix_s = (int64_t)sec - NTP_UNIX_DELTA + (sec & 0x80000000u ? 0 : (INT64_C(1) << 32));
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return;
    char day[32];
    strftime(day, sizeof day, "%b %e, %Y %H:%M:%S", &tm);
    /* tshark: nanoseconds = frac * 1e9 / 2^32, truncated */
    uint32_t ns = (uint32_t)(((uint64_t)frac * 1000000000u) >> 32);
    trawl_add_stringf(pkt, idx, "%s.%09u UTC", day, ns);
}

static void dissect_ctrl(struct trawl_packet *pkt, struct trawl_buf *b)
{
    uint8_t f2 = trawl_buf_u8(b, 1);
    if (!trawl_buf_ok(b)) return;
    trawl_add_uint(pkt, F_C_FLAGS2, f2);
    trawl_add_uint(pkt, F_C_R, f2 >> 7);
    trawl_add_uint(pkt, F_C_ERROR, (f2 >> 6) & 1);
    trawl_add_uint(pkt, F_C_MORE, (f2 >> 5) & 1);
    trawl_add_uint(pkt, F_C_OPCODE, f2 & 0x1f);
    static const unsigned u16s[] = { F_C_SEQ, F_C_STATUS, F_C_ASSOCID, F_C_OFFSET, F_C_COUNT };
    for (unsigned i = 0; i < 5; i++) {
        uint16_t v = trawl_buf_u16be(b, 2 + 2 * i);
        if (!trawl_buf_ok(b)) return;
        trawl_add_uint(pkt, u16s[i], v);
    }
}

static void dissect_priv(struct trawl_packet *pkt, struct trawl_buf *b, uint8_t flags)
{
    trawl_add_uint(pkt, F_P_R, flags >> 7);
    trawl_add_uint(pkt, F_P_MORE, (flags >> 6) & 1);
    uint8_t as = trawl_buf_u8(b, 1);
    if (!trawl_buf_ok(b)) return;
    trawl_add_uint(pkt, F_P_AUTH_SEQ, as);
    trawl_add_uint(pkt, F_P_AUTH, as >> 7);
    trawl_add_uint(pkt, F_P_SEQ, as & 0x7f);
    uint8_t impl = trawl_buf_u8(b, 2);
    if (!trawl_buf_ok(b)) return;
    trawl_add_uint(pkt, F_P_IMPL, impl);
    uint8_t req = trawl_buf_u8(b, 3);
    if (!trawl_buf_ok(b)) return;
    trawl_add_uint(pkt, F_P_REQCODE, req);
    if (trawl_cols_wanted(pkt))
        trawl_col_set(pkt, TRAWL_COL_INFO, "NTP private, %s, request code %u",
                      flags & 0x80 ? "response" : "request", req);
    uint16_t en = trawl_buf_u16be(b, 4);
    if (!trawl_buf_ok(b)) return;
    trawl_add_uint(pkt, F_P_ERR, en >> 12);
    trawl_add_uint(pkt, F_P_NUMITEMS, en & 0x0fff);
    uint16_t rs = trawl_buf_u16be(b, 6);
    if (!trawl_buf_ok(b)) return;
    trawl_add_uint(pkt, F_P_RESERVED, rs >> 12);
    uint16_t nitems = en & 0x0fff, isize = rs & 0x0fff;
    trawl_add_uint(pkt, F_P_ITEMSIZE, isize);
    /* PEER_LIST_SUM answers: tshark shows each peer's stratum and poll with the header's
     * own ntp.stratum / ntp.ppoll fields (ntpd's info_peer_summary: stratum at 10, ppoll 12). */
    if (req == 1 && (flags & 0x80) && isize >= 13) {
        for (uint32_t i = 0; i < nitems; i++) {
            uint32_t at = 8 + i * (uint32_t)isize;
            uint8_t stratum = trawl_buf_u8(b, at + 10);
            if (!trawl_buf_ok(b)) return;
            trawl_add_uint(pkt, F_STRATUM, stratum);
            uint8_t ppoll = trawl_buf_u8(b, at + 12);
            if (!trawl_buf_ok(b)) return;
            trawl_add_uint(pkt, F_PPOLL, ppoll);
        }
    }
}

static int ntp_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    (void)state;
    uint8_t flags = trawl_buf_u8(b, 0);
    if (!trawl_buf_ok(b)) return 0;
    unsigned mode = flags & 7, vn = (flags >> 3) & 7;
    trawl_add_uint(pkt, F_FLAGS, flags);
    if (mode == 7) {                       /* R, M instead of the leap indicator */
        trawl_add_uint(pkt, F_VN, vn);
        trawl_add_uint(pkt, F_MODE, mode);
        dissect_priv(pkt, b, flags);
        return (int)trawl_buf_len(b);
    }
    trawl_add_uint(pkt, F_LI, flags >> 6);
    trawl_add_uint(pkt, F_VN, vn);
    trawl_add_uint(pkt, F_MODE, mode);
    if (mode == 6) {
        if (trawl_cols_wanted(pkt)) trawl_col_set(pkt, TRAWL_COL_INFO, "NTP control message");
        dissect_ctrl(pkt, b);
        return (int)trawl_buf_len(b);
    }
    if (trawl_cols_wanted(pkt))
        trawl_col_set(pkt, TRAWL_COL_INFO, "NTP Version %u, %s", vn, mode_names[mode].name);
    static const unsigned u8s[] = { F_STRATUM, F_PPOLL, F_PRECISION };
    for (unsigned i = 0; i < 3; i++) {
        uint8_t v = trawl_buf_u8(b, 1 + i);
        if (!trawl_buf_ok(b)) return (int)trawl_buf_len(b);
        trawl_add_uint(pkt, u8s[i], v);
    }
    uint32_t rd = trawl_buf_u32be(b, 4);
    if (!trawl_buf_ok(b)) return (int)trawl_buf_len(b);
    trawl_add_uint(pkt, F_ROOTDELAY, rd);
    uint32_t rp = trawl_buf_u32be(b, 8);
    if (!trawl_buf_ok(b)) return (int)trawl_buf_len(b);
    trawl_add_uint(pkt, F_ROOTDISP, rp);
    const uint8_t *ref = trawl_buf_ptr(b, 12, 4);
    if (!ref) return (int)trawl_buf_len(b);
    trawl_add_bytes(pkt, F_REFID, ref, 4);
    static const unsigned ts[] = { F_REFTIME, F_ORG, F_REC, F_XMT };
    for (unsigned i = 0; i < 4 && trawl_buf_ok(b); i++) add_ntp_time(pkt, ts[i], b, 16 + 8 * i);
    return (int)trawl_buf_len(b);
}

static const struct trawl_proto_def ntp_proto = {
    "ntp", "Network Time Protocol", "NTP", fields, F_COUNT, ntp_dissect,
};

struct ntp_state { const struct trawl_proto *proto; };

static int ntp_init(struct trawl_init *ctx)
{
    struct ntp_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->proto = trawl_proto_register(ctx, &ntp_proto, st);
    return st->proto ? 0 : TRAWL_EINVAL;
}

static int ntp_handoff(struct trawl_init *ctx)
{
    struct ntp_state *st = trawl_init_state(ctx);
    trawl_table_add(ctx, "udp.port", 123, st->proto);
    return 0;
}

static void ntp_fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "ntp", .version = "1.0.0",
                        .summary = "NTP on UDP 123: header, timestamps, mode 6 and mode 7 headers",
                        .init = ntp_init, .handoff = ntp_handoff, .fini = ntp_fini);
