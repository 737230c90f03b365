/* quic — QUIC (RFC 9000) on UDP: long headers (Initial, 0-RTT, Handshake, Retry; Version
 * Negotiation) and short headers, coalesced packets, Initial packets decrypted (RFC 9001 5:
 * versions 1, 2 (RFC 9369) and the drafts with a known salt), their frames, and the CRYPTO
 * bytes reassembled per direction and handed to the tls plugin's "tls-handshake" protocol as
 * whole handshake messages, on the packet that completed them (as tshark 4.0 shows them).
 * Handshake, 0-RTT and 1-RTT packets need keys a capture does not have: shown as encrypted
 * (quic.remaining_payload).
 *
 * Where: udp.port 443, and the heuristic quic_udp on the "udp" list (a long header with a
 * known version, validated; short headers only in a flow where QUIC was seen). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quic.h"

/* ---- fields --------------------------------------------------------------------------------- */

static const struct trawl_value_name form_names[] = { { 0, "Short Header" }, { 1, "Long Header" }, { 0, NULL } };
static const struct trawl_value_name type_names[] = {
    { 0, "Initial" }, { 1, "0-RTT" }, { 2, "Handshake" }, { 3, "Retry" }, { 0, NULL } };
static const struct trawl_value_name type_v2_names[] = {
    { 0, "Retry" }, { 1, "Initial" }, { 2, "0-RTT" }, { 3, "Handshake" }, { 0, NULL } };
static const struct trawl_value_name pnl_names[] = {
    { 0, "1 bytes" }, { 1, "2 bytes" }, { 2, "3 bytes" }, { 3, "4 bytes" }, { 0, NULL } };
static const struct trawl_value_name version_names[] = {
    { 0x00000000u, "Version Negotiation" }, { QUIC_V1, "1" }, { QUIC_V2, "2" },
    { 0xff000016u, "draft-22" }, { 0xff000017u, "draft-23" }, { 0xff000018u, "draft-24" },
    { 0xff000019u, "draft-25" }, { 0xff00001au, "draft-26" }, { 0xff00001bu, "draft-27" },
    { 0xff00001cu, "draft-28" }, { 0xff00001du, "draft-29" }, { 0xff00001eu, "draft-30" },
    { 0xff00001fu, "draft-31" }, { 0xff000020u, "draft-32" }, { 0xff000021u, "draft-33" },
    { 0xff000022u, "draft-34" }, { 0xfaceb001u, "Facebook mvfst (draft-22)" },
    { 0xfaceb002u, "Facebook mvfst (draft-27)" }, { 0, NULL } };
static const struct trawl_value_name frame_names[] = {
    { 0x00, "PADDING" }, { 0x01, "PING" }, { 0x02, "ACK" }, { 0x03, "ACK_ECN" },
    { 0x04, "RESET_STREAM" }, { 0x05, "STOP_SENDING" }, { 0x06, "CRYPTO" }, { 0x07, "NEW_TOKEN" },
    { 0x08, "STREAM" }, { 0x09, "STREAM" }, { 0x0a, "STREAM" }, { 0x0b, "STREAM" }, { 0x0c, "STREAM" },
    { 0x0d, "STREAM" }, { 0x0e, "STREAM" }, { 0x0f, "STREAM" }, { 0x10, "MAX_DATA" },
    { 0x11, "MAX_STREAM_DATA" }, { 0x12, "MAX_STREAMS (BIDI)" }, { 0x13, "MAX_STREAMS (UNI)" },
    { 0x14, "DATA_BLOCKED" }, { 0x15, "STREAM_DATA_BLOCKED" }, { 0x16, "STREAMS_BLOCKED (BIDI)" },
    { 0x17, "STREAMS_BLOCKED (UNI)" }, { 0x18, "NEW_CONNECTION_ID" }, { 0x19, "RETIRE_CONNECTION_ID" },
    { 0x1a, "PATH_CHALLENGE" }, { 0x1b, "PATH_RESPONSE" }, { 0x1c, "CONNECTION_CLOSE (Transport)" },
    { 0x1d, "CONNECTION_CLOSE (Application)" }, { 0x1e, "HANDSHAKE_DONE" }, { 0, NULL } };

#define U(n, d, t) { n, d, t, TRAWL_BASE_DEC, NULL, 0 }
const struct trawl_field_def quic_fields[F_COUNT] = {
    [F_PACKET_LENGTH] = U("quic.packet_length", "Packet Length", TRAWL_FT_U32),
    [F_HEADER_FORM]   = { "quic.header_form", "Header Form", TRAWL_FT_U8, TRAWL_BASE_DEC, form_names, 0x80 },
    [F_FIXED_BIT]     = { "quic.fixed_bit", "Fixed Bit", TRAWL_FT_BOOL, TRAWL_BASE_DEC, NULL, 0x40 },
    [F_LONG_TYPE]     = { "quic.long.packet_type", "Packet Type", TRAWL_FT_U8, TRAWL_BASE_DEC, type_names, 0x30 },
    [F_LONG_TYPE_V2]  = { "quic.long.packet_type_v2", "Packet Type", TRAWL_FT_U8, TRAWL_BASE_DEC, type_v2_names, 0x30 },
    [F_LONG_RESERVED] = { "quic.long.reserved", "Reserved", TRAWL_FT_U8, TRAWL_BASE_DEC, NULL, 0x0c },
    [F_PN_LENGTH]     = { "quic.packet_number_length", "Packet Number Length", TRAWL_FT_U8, TRAWL_BASE_DEC, pnl_names, 0x03 },
    [F_VERSION]       = { "quic.version", "Version", TRAWL_FT_U32, TRAWL_BASE_HEX, version_names, 0 },
    [F_DCIL]          = U("quic.dcil", "Destination Connection ID Length", TRAWL_FT_U8),
    [F_DCID]          = U("quic.dcid", "Destination Connection ID", TRAWL_FT_BYTES),
    [F_SCIL]          = U("quic.scil", "Source Connection ID Length", TRAWL_FT_U8),
    [F_SCID]          = U("quic.scid", "Source Connection ID", TRAWL_FT_BYTES),
    [F_TOKEN_LENGTH]  = U("quic.token_length", "Token Length", TRAWL_FT_U64),
    [F_TOKEN]         = U("quic.token", "Token", TRAWL_FT_BYTES),
    [F_LENGTH]        = U("quic.length", "Length", TRAWL_FT_U64),
    [F_PN]            = U("quic.packet_number", "Packet Number", TRAWL_FT_U64),
    [F_PAYLOAD]       = U("quic.payload", "Payload", TRAWL_FT_BYTES),
    [F_REMAINING]     = U("quic.remaining_payload", "Remaining Payload", TRAWL_FT_BYTES),
    [F_SHORT]         = U("quic.short", "QUIC Short Header", TRAWL_FT_NONE),
    [F_SPIN]          = { "quic.spin_bit", "Spin Bit", TRAWL_FT_BOOL, TRAWL_BASE_DEC, NULL, 0x20 },
    [F_SUPPORTED_VERSION] = { "quic.supported_version", "Supported Version", TRAWL_FT_U32, TRAWL_BASE_HEX, version_names, 0 },
    [F_VN_UNUSED]     = { "quic.vn.unused", "Unused", TRAWL_FT_U8, TRAWL_BASE_HEX, NULL, 0x7f },
    [F_RETRY_TOKEN]   = U("quic.retry_token", "Retry Token", TRAWL_FT_BYTES),
    [F_RETRY_TAG]     = U("quic.retry_integrity_tag", "Retry Integrity Tag", TRAWL_FT_BYTES),
    [F_FRAME]         = U("quic.frame", "Frame", TRAWL_FT_NONE),
    [F_FRAME_TYPE]    = { "quic.frame_type", "Frame Type", TRAWL_FT_U64, TRAWL_BASE_DEC, frame_names, 0 },
    [F_PADDING_LENGTH] = U("quic.padding_length", "Padding Length", TRAWL_FT_U32),
    [F_ACK_LARGEST]   = U("quic.ack.largest_acknowledged", "Largest Acknowledged", TRAWL_FT_U64),
    [F_ACK_DELAY]     = U("quic.ack.ack_delay", "ACK Delay", TRAWL_FT_U64),
    [F_ACK_RANGE_COUNT] = U("quic.ack.ack_range_count", "ACK Range Count", TRAWL_FT_U64),
    [F_ACK_FIRST_RANGE] = U("quic.ack.first_ack_range", "First ACK Range", TRAWL_FT_U64),
    [F_ACK_GAP]       = U("quic.ack.gap", "Gap", TRAWL_FT_U64),
    [F_ACK_RANGE]     = U("quic.ack.ack_range", "ACK Range", TRAWL_FT_U64),
    [F_ACK_ECT0]      = U("quic.ack.ect0_count", "ECT(0) Count", TRAWL_FT_U64),
    [F_ACK_ECT1]      = U("quic.ack.ect1_count", "ECT(1) Count", TRAWL_FT_U64),
    [F_ACK_ECN_CE]    = U("quic.ack.ecn_ce_count", "ECN-CE Count", TRAWL_FT_U64),
    [F_CRYPTO_OFFSET] = U("quic.crypto.offset", "Offset", TRAWL_FT_U64),
    [F_CRYPTO_LENGTH] = U("quic.crypto.length", "Length", TRAWL_FT_U64),
    [F_CRYPTO_DATA]   = U("quic.crypto.crypto_data", "Crypto Data", TRAWL_FT_NONE),
    [F_CC_ERROR]      = U("quic.cc.error_code", "Error code", TRAWL_FT_U64),
    [F_CC_ERROR_APP]  = U("quic.cc.error_code.app", "Application Error code", TRAWL_FT_U64),
    [F_CC_FRAME_TYPE] = U("quic.cc.frame_type", "Frame Type", TRAWL_FT_U64),
    [F_CC_REASON_LEN] = U("quic.cc.reason_phrase.length", "Reason phrase Length", TRAWL_FT_U64),
    [F_CC_REASON]     = U("quic.cc.reason_phrase", "Reason phrase", TRAWL_FT_STRING),
    [F_NT_LENGTH]     = U("quic.nt.length", "(Token) Length", TRAWL_FT_U64),
    [F_NT_TOKEN]      = U("quic.nt.token", "Token", TRAWL_FT_BYTES),
    [F_DECRYPTION_FAILED] = U("quic.decryption_failed", "Decryption failed: the AEAD tag did not verify", TRAWL_FT_NONE),
    [F_UNKNOWN_FRAME] = U("quic.ft.unknown", "Unknown Frame Type", TRAWL_FT_NONE),
    [F_PROTOCOL_VIOLATION] = U("quic.protocol_violation", "Invalid data according to the protocol", TRAWL_FT_NONE),
    [F_COALESCED_PADDING] = U("quic.coalesced_padding_data", "Coalesced Padding Data", TRAWL_FT_NONE),
    [F_DECRYPTION_FAILED_COUNT] = U("quic.decryption_failed.count", "Initial packets of this flow whose AEAD tag did not verify, so far", TRAWL_FT_U64),
    [F_CRYPTO_CUT]    = U("quic.crypto.cut", "CRYPTO bytes dropped by the reassembly caps (this flow, so far)", TRAWL_FT_U64),
};

/* ---- versions ------------------------------------------------------------------------------- */

static bool known_version(uint32_t v)
{
    return v == QUIC_V1 || v == QUIC_V2 || (v >= 0xff000001u && v <= 0xff000022u) ||
           v == 0xfaceb001u || v == 0xfaceb002u || v == 0xfaceb00eu;
}

/* The wire's type bits as a version-independent type. */
static int long_type(uint32_t version, uint8_t b0)
{
    int t = (b0 >> 4) & 3;
    if (version == 0) return QT_VN;
    if (version == QUIC_V2) {
        static const int v2[4] = { QT_RETRY, QT_INITIAL, QT_0RTT, QT_HANDSHAKE };
        return v2[t];
    }
    return t;           /* QT_INITIAL .. QT_RETRY in v1's order */
}

static const char *type_name(int t)
{
    static const char *const n[] = { "Initial", "0-RTT", "Handshake", "Retry", "Version Negotiation", "Protected Payload" };
    return n[t];
}

/* ---- the long header, read without latching ------------------------------------------------- */

struct lhdr {
    uint8_t b0;
    uint32_t version;
    int type;
    uint8_t dcil, scil;
    const uint8_t *dcid, *scid;
    uint32_t token_off;          /* Initial: where the token starts */
    uint64_t token_len;
    uint64_t length;             /* the Length field (Initial, 0-RTT, Handshake) */
    uint32_t pn_off;             /* first byte after Length */
    uint32_t len_off;            /* where Length starts */
    bool have_length;            /* all of it up to Length was captured */
};

/* Read the header's fixed parts from b (up to Length) with a private latch. */
static bool peek_long(const struct trawl_buf *b, struct lhdr *h)
{
    uint8_t latch = 0;
    struct trawl_buf p = *b;
    p.err = &latch;
    memset(h, 0, sizeof *h);
    h->b0 = trawl_buf_u8(&p, 0);
    h->version = trawl_buf_u32be(&p, 1);
    h->dcil = trawl_buf_u8(&p, 5);
    if (!trawl_buf_ok(&p)) return false;
    h->dcid = trawl_buf_ptr(&p, 6, h->dcil);
    h->scil = trawl_buf_u8(&p, 6u + h->dcil);
    if (!trawl_buf_ok(&p)) return false;
    h->scid = trawl_buf_ptr(&p, 7u + h->dcil, h->scil);
    if (!trawl_buf_ok(&p)) return false;
    h->type = long_type(h->version, h->b0);
    uint32_t off = 7u + h->dcil + h->scil;
    if (h->type == QT_VN || h->type == QT_RETRY) { h->pn_off = off; return true; }
    if (h->type == QT_INITIAL) {
        /* Cut or lying here: the CIDs are known, the rest is read again with the real latch. */
        if (!quic_varint(&p, &off, &h->token_len)) return true;
        h->token_off = off;
        if (h->token_len > trawl_buf_avail(&p, off)) return true;
        off += (uint32_t)h->token_len;
    }
    h->len_off = off;
    if (!quic_varint(&p, &off, &h->length)) return true;
    h->pn_off = off;
    h->have_length = true;
    return true;
}

/* ---- the probe ----------------------------------------------------------------------------- */

static enum trawl_heur_result quic_probe(const struct trawl_buf *b, void *state)
{
    (void)state;
    if (!trawl_buf_has(b, 0, 1)) return TRAWL_HEUR_NOT_MINE;
    uint8_t b0 = b->data[0];
    if (!(b0 & 0x80))
        /* A short header: only in a flow where QUIC was seen, which the dissector checks. */
        return trawl_buf_len(b) >= 1 + 1 + 16 ? TRAWL_HEUR_MINE : TRAWL_HEUR_NOT_MINE;
    struct lhdr h;
    if (!peek_long(b, &h)) return TRAWL_HEUR_NOT_MINE;
    uint32_t len = trawl_buf_len(b);
    if (h.version == 0) {
        /* Version Negotiation: CIDs up to 255 bytes, then whole 4-byte versions, one of them
         * known or a reserved GREASE one (0x?a?a?a?a, RFC 9000 15). */
        uint32_t rest = len - h.pn_off;
        if (rest < 4 || rest % 4) return TRAWL_HEUR_NOT_MINE;
        for (uint32_t off = h.pn_off; trawl_buf_has(b, off, 4); off += 4) {
            const uint8_t *q = b->data + off;
            uint32_t v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
            if (known_version(v) || (v & 0x0f0f0f0fu) == 0x0a0a0a0au) return TRAWL_HEUR_MINE;
        }
        return TRAWL_HEUR_NOT_MINE;
    }
    if (!known_version(h.version) || h.dcil > QUIC_CID_MAX || h.scil > QUIC_CID_MAX) return TRAWL_HEUR_NOT_MINE;
    if (h.type == QT_RETRY) return len - h.pn_off >= 16 ? TRAWL_HEUR_MINE : TRAWL_HEUR_NOT_MINE;
    /* A packet number (1..4) and a 16-byte tag at least, inside the datagram. */
    if (h.length < 1 + 16 || h.length > len - h.pn_off) return TRAWL_HEUR_NOT_MINE;
    return TRAWL_HEUR_MINE;
}

/* ---- flow state ------------------------------------------------------------------------------ */

static struct quic_flow *flow_state(const struct quic_state *st, struct trawl_flow *f)
{
    struct quic_flow *fs = trawl_flow_state(f, st->proto, sizeof *fs);
    if (fs && !fs->init) {
        fs->init = true;
        fs->client_dir = -1;
        fs->scid_len[0] = fs->scid_len[1] = -1;
        for (int d = 0; d < 2; d++)
            for (int s = 0; s < SP__COUNT; s++) fs->largest_pn[d][s] = -1;
    }
    return fs;
}

static void quic_end(struct trawl_packet *ctx, struct trawl_flow *f, void *flow_state_p, void *state)
{
    (void)ctx; (void)f; (void)state;
    struct quic_flow *fs = flow_state_p;
    if (!fs) return;
    for (int i = 0; i < 2; i++) {
        quic_keys_free(&fs->keys[i]);
        quic_reasm_free(&fs->cr[i]);
        quic_keys_free(&fs->hs[i]);
        quic_reasm_free(&fs->crh[i]);
    }
}

/* ---- Initial packets: header protection and the AEAD ---------------------------------------- */

enum { OPEN_NO_SAMPLE, OPEN_CUT, OPEN_FAILED, OPEN_OK };

struct opened {
    uint8_t b0;                  /* first byte without header protection */
    uint32_t pnl;                /* packet number length, 1..4 */
    uint64_t pn;                 /* the full packet number */
    uint8_t *plain;              /* plaintext (packet arena) */
    uint32_t plain_len;
};

/* RFC 9000 A.3. */
static uint64_t decode_pn(int64_t largest, uint64_t truncated, uint32_t bits)
{
    uint64_t expected = (uint64_t)(largest + 1), win = 1ull << bits, hwin = win / 2, mask = win - 1;
    uint64_t c = (expected & ~mask) | truncated;
    if (c + hwin <= expected && c < (1ull << 62) - win) return c + win;
    if (c > expected + hwin && c >= win) return c - win;
    return c;
}

/* Remove header protection and open the payload of the packet p (pn_off, total bytes) with k. */
static int open_packet(struct trawl_packet *pkt, const struct quic_state *st, struct quic_keys *k,
                       const struct trawl_buf *p, uint32_t pn_off, uint32_t total, int64_t largest,
                       struct opened *o)
{
    uint8_t mask[5];
    const uint8_t *sample = trawl_buf_has(p, pn_off + 4, 16) ? p->data + pn_off + 4 : NULL;
    if (!sample || !quic_hp_mask(st, k, sample, mask)) return OPEN_NO_SAMPLE;
    o->b0 = p->data[0] ^ (mask[0] & 0x0f);
    o->pnl = (o->b0 & 3u) + 1;
    uint64_t tpn = 0;
    for (uint32_t i = 0; i < o->pnl; i++) tpn = tpn << 8 | (uint8_t)(p->data[pn_off + i] ^ mask[1 + i]);
    o->pn = decode_pn(largest, tpn, 8 * o->pnl);
    uint32_t hlen = pn_off + o->pnl;
    if (total < hlen + 16 || !trawl_buf_has(p, 0, total)) return OPEN_CUT;
    uint8_t *aad = trawl_packet_alloc(pkt, hlen);
    uint8_t *out = trawl_packet_alloc(pkt, total - hlen - 16 + 1);
    if (!aad || !out) return OPEN_CUT;
    memcpy(aad, p->data, hlen);
    aad[0] = o->b0;
    for (uint32_t i = 0; i < o->pnl; i++) aad[pn_off + i] = (uint8_t)(p->data[pn_off + i] ^ mask[1 + i]);
    if (!quic_aead_open(st, k, o->pn, aad, hlen, p->data + hlen, total - hlen, out)) return OPEN_FAILED;
    o->plain = out;
    o->plain_len = total - hlen - 16;
    return OPEN_OK;
}

/* Open an Initial from direction dir: the flow's keys, else (a Retry, a new connection on the
 * same ports, a capture that began with the server) keys from this packet's own DCID. */
static int open_initial(struct trawl_packet *pkt, const struct quic_state *st, struct quic_flow *fs,
                        int dir, const struct lhdr *h, const struct trawl_buf *p, uint32_t total,
                        struct opened *o)
{
    if (!quic_initial_salt(h->version)) return OPEN_NO_SAMPLE;
    if (!fs->have_cid && h->dcil) {
        /* The first Initial of the flow is the client's: its DCID makes the keys. */
        if (quic_initial_keys(st, h->version, h->dcid, h->dcil, fs->keys)) {
            fs->have_cid = true;
            fs->client_dir = (int8_t)dir;
            fs->cid_len = h->dcil;
            memcpy(fs->cid, h->dcid, h->dcil);
            fs->key_version = h->version;
        }
    }
    if (!fs->have_cid) return OPEN_NO_SAMPLE;
    if (fs->key_version != h->version) {        /* after version negotiation */
        if (!quic_initial_keys(st, h->version, fs->cid, fs->cid_len, fs->keys)) return OPEN_NO_SAMPLE;
        fs->key_version = h->version;
    }
    int role = dir == fs->client_dir ? 0 : 1;
    int64_t largest = fs->largest_pn[dir][SP_INITIAL];
    int r = open_packet(pkt, st, &fs->keys[role], p, h->pn_off, total, largest, o);
    if (r != OPEN_FAILED || !h->dcil) return r;
    /* The tag did not verify: try this packet's DCID as a client's first one. */
    if (role == 0 || !fs->decrypted) {
        struct quic_keys k[2];
        memset(k, 0, sizeof k);
        struct opened o2;
        int r2 = OPEN_FAILED;
        if (quic_initial_keys(st, h->version, h->dcid, h->dcil, k))
            r2 = open_packet(pkt, st, &k[0], p, h->pn_off, total, largest, &o2);
        if (r2 == OPEN_OK) {
            /* A new Initial space (after a Retry the client starts its CRYPTO stream over). */
            for (int i = 0; i < 2; i++) {
                quic_keys_free(&fs->keys[i]);
                fs->keys[i] = k[i];
                quic_reasm_free(&fs->cr[i]);
                memset(&fs->cr[i], 0, sizeof fs->cr[i]);
                fs->largest_pn[i][SP_INITIAL] = -1;
            }
            fs->client_dir = (int8_t)dir;
            fs->cid_len = h->dcil;
            memcpy(fs->cid, h->dcid, h->dcil);
            fs->key_version = h->version;
            *o = o2;
            return OPEN_OK;
        }
        for (int i = 0; i < 2; i++) quic_keys_free(&k[i]);
    }
    return OPEN_FAILED;
}

/* ---- one packet --------------------------------------------------------------------------------- */

static void hex_col(struct trawl_packet *pkt, const char *label, const uint8_t *p, uint32_t n)
{
    trawl_col_append(pkt, TRAWL_COL_INFO, ", %s=", label);
    for (uint32_t i = 0; i < n; i++) trawl_col_append(pkt, TRAWL_COL_INFO, "%02x", p[i]);
}

/* What the key log needs from the hellos: the ClientHello's random, the ServerHello's suite. */
static void note_hellos(struct quic_flow *fs, const uint8_t *m, uint32_t n)
{
    uint32_t off = 0;
    while (n - off >= 4) {
        uint32_t ml = (uint32_t)m[off + 1] << 16 | (uint32_t)m[off + 2] << 8 | m[off + 3];
        if (ml > n - off - 4) break;
        const uint8_t *b = m + off + 4;
        if (m[off] == 1 && ml >= 34 && !fs->have_random) {
            memcpy(fs->client_random, b + 2, 32);
            fs->have_random = true;
        } else if (m[off] == 2 && ml >= 35 && !fs->cipher) {
            uint32_t sl = b[34];
            if (35 + sl + 2 <= ml) fs->cipher = (uint16_t)(b[35 + sl] << 8 | b[36 + sl]);
        }
        off += 4 + ml;
    }
}

/* Hand the handshake messages completed in r to tls (the CRYPTO bytes of one space). */
static void hand_over(struct trawl_packet *pkt, const struct quic_state *st, struct quic_flow *fs,
                      struct quic_reasm *r, uint32_t base)
{
    uint32_t n;
    const uint8_t *m = quic_reasm_take(r, pkt, &n);
    if (!m) return;
    if (st->nkeylog || trawl_tls_secrets_known(pkt)) note_hellos(fs, m, n);
    if (!st->tls) return;
    uint8_t latch = 0;
    struct trawl_buf hb = trawl_buf_make(m, n, n, &latch);
    hb.base = base;
    trawl_dissect_proto(pkt, st->tls, &hb);
}

/* A handshake traffic secret: from -o quic.keylog, else from the engine's TLS key log (a pcapng
 * Decryption Secrets Block, -o tls.keylog_file). */
static bool find_secret(struct trawl_packet *pkt, const struct quic_state *st, const uint8_t random[32],
                        int label, struct quic_secret *out)
{
    const struct quic_secret *s = quic_keylog_find(st, random, label);
    if (s) { *out = *s; return true; }
    static const char *const names[] = {
        [KL_CLIENT_HS] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET", [KL_SERVER_HS] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    };
    size_t n = trawl_tls_secret(pkt, names[label], random, out->secret, sizeof out->secret);
    if (n != 32 && n != 48) return false;
    out->len = (uint8_t)n;
    return true;
}

/* Handshake keys from the key log, once the ClientHello's random and the suite are known. */
static bool handshake_keys(struct trawl_packet *pkt, const struct quic_state *st, struct quic_flow *fs,
                           uint32_t version)
{
    if (fs->hs[0].ok && fs->hs[1].ok) return true;
    if (fs->hs_tried || !fs->have_random || !fs->cipher) return false;
    fs->hs_tried = true;
    struct quic_secret c, s;
    return find_secret(pkt, st, fs->client_random, KL_CLIENT_HS, &c) &&
           find_secret(pkt, st, fs->client_random, KL_SERVER_HS, &s) &&
           quic_derive_suite_keys(st, version, fs->cipher, c.secret, c.len, &fs->hs[0]) &&
           quic_derive_suite_keys(st, version, fs->cipher, s.secret, s.len, &fs->hs[1]);
}

/* The bytes from off to the packet's end that were captured, as quic.remaining_payload. */
static void remaining(struct trawl_packet *pkt, const struct trawl_buf *p, uint32_t off, uint32_t total)
{
    uint32_t have = trawl_buf_avail(p, off);
    uint32_t want = total > off ? total - off : 0;
    if (have > want) have = want;
    if (have) trawl_add_bytes(pkt, F_REMAINING, p->data + off, have);
    if (have < want) trawl_buf_need(p, off, want);     /* truncated (or lying: malformed) */
}

static uint32_t long_packet(struct trawl_packet *pkt, const struct quic_state *st, struct quic_flow *fs,
                            int dir, struct trawl_buf *b, bool cols)
{
    struct lhdr h;
    bool whole = peek_long(b, &h);
    uint32_t len = trawl_buf_len(b);
    uint32_t total = len;
    if (whole && h.have_length) {
        if (h.length > len - h.pn_off) total = 0;        /* the Length field lies */
        else total = h.pn_off + (uint32_t)h.length;
    }
    struct trawl_buf p = trawl_buf_sub(b, 0, total ? total : len);
    if (total) trawl_add_uint(pkt, F_PACKET_LENGTH, total);
    /* Initial: keys and header protection first, so the fields come in tshark's order. */
    struct opened o;
    int res = OPEN_NO_SAMPLE;
    if (whole && h.type == QT_INITIAL && total && fs) res = open_initial(pkt, st, fs, dir, &h, &p, total, &o);
    int space = h.type == QT_HANDSHAKE ? SP_HANDSHAKE : SP_INITIAL;
    if (whole && h.type == QT_HANDSHAKE && h.have_length && total && fs && fs->client_dir >= 0 &&
        (st->nkeylog || trawl_tls_secrets_known(pkt)) && handshake_keys(pkt, st, fs, h.version))
        res = open_packet(pkt, st, &fs->hs[dir == fs->client_dir ? 0 : 1], &p, h.pn_off, total,
                          fs->largest_pn[dir][SP_HANDSHAKE], &o);
    uint8_t b0 = trawl_buf_u8(&p, 0);
    trawl_add_uint(pkt, F_HEADER_FORM, 1);
    if (h.type == QT_VN && whole) {
        trawl_add_uint(pkt, F_VN_UNUSED, b0 & 0x7f);
    } else {
        trawl_add_bool(pkt, F_FIXED_BIT, b0 & 0x40);
        trawl_add_uint(pkt, h.version == QUIC_V2 ? F_LONG_TYPE_V2 : F_LONG_TYPE, (b0 >> 4) & 3);
        if (res != OPEN_NO_SAMPLE) {
            trawl_add_uint(pkt, F_LONG_RESERVED, (o.b0 >> 2) & 3);
            trawl_add_uint(pkt, F_PN_LENGTH, o.b0 & 3);
        }
    }
    uint32_t version = trawl_buf_u32be(&p, 1);
    if (!trawl_buf_ok(&p)) return 0;
    trawl_add_uint(pkt, F_VERSION, version);
    uint8_t dcil = trawl_buf_u8(&p, 5);
    if (!trawl_buf_ok(&p)) return 0;
    trawl_add_uint(pkt, F_DCIL, dcil);
    if (!whole) {
        /* Cut (or lying) inside the CIDs: show what is there. */
        const uint8_t *d = trawl_buf_ptr(&p, 6, dcil);
        if (d && dcil) trawl_add_bytes(pkt, F_DCID, d, dcil);
        uint8_t scil = trawl_buf_u8(&p, 6u + dcil);
        if (!trawl_buf_ok(&p)) return 0;
        trawl_add_uint(pkt, F_SCIL, scil);
        trawl_buf_need(&p, 7u + dcil, scil);
        return 0;
    }
    if (h.dcil) trawl_add_bytes(pkt, F_DCID, h.dcid, h.dcil);
    trawl_add_uint(pkt, F_SCIL, h.scil);
    if (h.scil) trawl_add_bytes(pkt, F_SCID, h.scid, h.scil);
    if (cols) {
        trawl_col_append(pkt, TRAWL_COL_INFO, "%s%s", trawl_packet_col(pkt, TRAWL_COL_INFO)[0] ? "; " : "",
                         type_name(h.type));
        if (h.dcil) hex_col(pkt, "DCID", h.dcid, h.dcil);
        if (h.scil) hex_col(pkt, "SCID", h.scid, h.scil);
    }
    if (h.version != 0 && (h.dcil > QUIC_CID_MAX || h.scil > QUIC_CID_MAX)) {
        trawl_buf_mark_malformed(&p);      /* RFC 9000 17.2: at most 20 bytes in version 1 */
        return 0;
    }
    if (fs && h.type != QT_VN) {
        fs->seen = true;
        fs->scid_len[dir] = (int8_t)h.scil;
    }
    if (h.type == QT_VN) {
        if (fs) fs->seen = true;
        uint32_t off = h.pn_off;
        while (trawl_buf_avail(&p, off) >= 4) {
            trawl_add_uint(pkt, F_SUPPORTED_VERSION, trawl_buf_u32be(&p, off));
            off += 4;
        }
        if (off < len) trawl_buf_need(&p, off, 4);       /* a version cut short */
        return len;
    }
    if (h.type == QT_RETRY) {
        uint32_t rest = len - h.pn_off;
        if (rest < 16) { trawl_buf_mark_malformed(&p); return 0; }
        const uint8_t *t = trawl_buf_ptr(&p, h.pn_off, rest - 16);
        if (rest > 16 && t) trawl_add_bytes(pkt, F_RETRY_TOKEN, t, rest - 16);
        const uint8_t *tag = trawl_buf_ptr(&p, len - 16, 16);
        if (tag) trawl_add_bytes(pkt, F_RETRY_TAG, tag, 16);
        return len;
    }
    if (h.type == QT_INITIAL) {
        uint32_t off = 7u + h.dcil + h.scil;
        uint64_t tl;
        if (!quic_varint(&p, &off, &tl)) return 0;
        trawl_add_uint(pkt, F_TOKEN_LENGTH, tl);
        if (tl > trawl_buf_len(&p) - off) { trawl_buf_mark_malformed(&p); return 0; }   /* it lies */
        const uint8_t *t = tl ? trawl_buf_ptr(&p, off, (uint32_t)tl) : NULL;
        if (tl && !t) return 0;                               /* cut inside the token */
        if (t) trawl_add_bytes(pkt, F_TOKEN, t, (uint32_t)tl);
    }
    if (!h.have_length) {                   /* cut inside the Length */
        uint32_t off = h.len_off ? h.len_off : 7u + h.dcil + h.scil;
        uint64_t v;
        quic_varint(&p, &off, &v);
        return 0;
    }
    trawl_add_uint(pkt, F_LENGTH, h.length);
    if (!total) {                           /* the Length runs past the datagram */
        trawl_buf_mark_malformed(&p);
        return 0;
    }
    if (res == OPEN_NO_SAMPLE) {
        remaining(pkt, &p, h.pn_off, total);
        return total;
    }
    trawl_add_uint(pkt, F_PN, o.pn);
    if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, ", PKN: %llu", (unsigned long long)o.pn);
    uint32_t po = h.pn_off + o.pnl;
    uint32_t have = trawl_buf_avail(&p, po);
    if (have > total - po) have = total - po;
    if (have) trawl_add_bytes(pkt, F_PAYLOAD, p.data + po, have);
    if (res == OPEN_CUT) {
        trawl_buf_need(&p, 0, total);       /* truncated: the tag is not there */
        return total;
    }
    if (res == OPEN_FAILED) {
        fs->auth_failed++;
        trawl_tree_push(pkt, F_DECRYPTION_FAILED);
        trawl_add_uint(pkt, F_DECRYPTION_FAILED_COUNT, fs->auth_failed);
        trawl_tree_pop(pkt);
        return total;
    }
    if (space == SP_INITIAL) fs->decrypted = true;
    if ((int64_t)o.pn > fs->largest_pn[dir][space]) fs->largest_pn[dir][space] = (int64_t)o.pn;
    struct quic_reasm *r = space == SP_HANDSHAKE ? &fs->crh[dir] : &fs->cr[dir];
    uint8_t latch = 0;
    struct trawl_buf pl = trawl_buf_make(o.plain, o.plain_len, o.plain_len, &latch);
    pl.base = p.base + po;
    bool ok = quic_frames(pkt, &pl, r, h.type, &fs->crypto_cut);
    if (!ok || latch) {
        /* A frame that runs past the decrypted payload: the packet lies about itself. */
        trawl_tree_push(pkt, F_PROTOCOL_VIOLATION);
        trawl_tree_pop(pkt);
        trawl_buf_mark_malformed(&p);
    }
    if (fs->crypto_cut) trawl_add_uint(pkt, F_CRYPTO_CUT, fs->crypto_cut);
    hand_over(pkt, st, fs, r, pl.base);
    return total;
}

static uint32_t short_packet(struct trawl_packet *pkt, struct quic_flow *fs, int dir, struct trawl_buf *b, bool cols)
{
    uint32_t len = trawl_buf_len(b);
    uint8_t b0 = trawl_buf_u8(b, 0);
    trawl_add_uint(pkt, F_PACKET_LENGTH, len);
    trawl_tree_push(pkt, F_SHORT);
    trawl_add_uint(pkt, F_HEADER_FORM, 0);
    trawl_add_bool(pkt, F_FIXED_BIT, b0 & 0x40);
    trawl_add_bool(pkt, F_SPIN, b0 & 0x20);
    /* The DCID is one the receiver chose: as long as the SCIDs of its long headers. */
    int dl = fs ? fs->scid_len[!dir] : -1;
    uint32_t off = 1;
    if (dl > 0) {
        const uint8_t *d = trawl_buf_ptr(b, 1, (uint32_t)dl);
        if (d) trawl_add_bytes(pkt, F_DCID, d, (uint32_t)dl);
        if (cols && d) hex_col(pkt, "DCID", d, (uint32_t)dl);
        off += (uint32_t)dl;
    }
    trawl_tree_pop(pkt);
    if (!trawl_buf_ok(b)) return 0;
    remaining(pkt, b, off, len);
    return len;
}

/* ---- the dissector -------------------------------------------------------------------------------- */

static int quic_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct quic_state *st = state;
    struct trawl_flow *f = trawl_packet_flow(pkt);
    int dir = f ? trawl_packet_flow_dir(pkt) : 0;
    if (!trawl_buf_has(b, 0, 1)) return 0;
    uint8_t b0 = b->data[0];
    struct quic_flow *fs = f ? trawl_flow_state_peek(f, st->proto) : NULL;
    if (!(b0 & 0x80)) {
        /* A short header: in a flow known as QUIC, or on QUIC's port with the fixed bit set,
         * room for a packet number and a tag (a capture that began after the handshake). */
        if ((!fs || !fs->seen) && !(f && (b0 & 0x40) && trawl_buf_len(b) >= 1 + 1 + 16 &&
                                     (trawl_flow_info(f)->orig_port == 443 || trawl_flow_info(f)->resp_port == 443)))
            return 0;
    } else if (!fs || !fs->seen) {
        if (!trawl_buf_has(b, 0, 5)) return 0;
        uint32_t v = (uint32_t)b->data[1] << 24 | (uint32_t)b->data[2] << 16 | (uint32_t)b->data[3] << 8 | b->data[4];
        if (v != 0 && !known_version(v)) return 0;
    }
    if (f && !fs) fs = flow_state(st, f);
    bool cols = trawl_cols_wanted(pkt);
    if (cols) trawl_col_set(pkt, TRAWL_COL_INFO, "%s", "");
    uint32_t off = 0, len = trawl_buf_len(b);
    uint32_t first_version = 0;
    bool first = true;
    while (off < len && trawl_buf_ok(b) && trawl_buf_has(b, off, 1)) {
        struct trawl_buf p = trawl_buf_tail(b, off);
        uint8_t c = p.data[0];
        uint32_t used;
        if (c & 0x80) {
            if (!first) {
                /* RFC 9000 12.2: coalesced packets share the version (and DCID). */
                uint32_t v = trawl_buf_has(&p, 0, 5) ? (uint32_t)p.data[1] << 24 | (uint32_t)p.data[2] << 16 |
                                                           (uint32_t)p.data[3] << 8 | p.data[4] : 0;
                if (v != first_version) {
                    trawl_tree_push(pkt, F_PROTOCOL_VIOLATION);
                    trawl_tree_pop(pkt);
                    break;
                }
            } else if (trawl_buf_has(&p, 0, 5)) {
                first_version = (uint32_t)p.data[1] << 24 | (uint32_t)p.data[2] << 16 | (uint32_t)p.data[3] << 8 | p.data[4];
            }
            used = long_packet(pkt, st, fs, dir, &p, cols);
        } else if (!first && c == 0) {
            /* Zeros after a packet: padding of the datagram, not a packet. */
            trawl_tree_push(pkt, F_COALESCED_PADDING);
            trawl_tree_pop(pkt);
            break;
        } else {
            if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, "%s%s", first ? "" : "; ", "Protected Payload");
            used = short_packet(pkt, fs, dir, &p, cols);
        }
        if (!used) break;
        off += used;
        first = false;
    }
    /* The handshake messages are tls-handshake's layer, the packet is QUIC (as tshark says). */
    if (cols) trawl_col_set(pkt, TRAWL_COL_PROTOCOL, "%s", "QUIC");
    return (int)(len ? len : 1);
}

/* ---- registration ---------------------------------------------------------------------------------- */

static const struct trawl_proto_def quic_proto = {
    "quic", "QUIC IETF", "QUIC", quic_fields, F_COUNT, quic_dissect,
};
static const struct trawl_stream_ops quic_ops = { sizeof quic_ops, NULL, NULL, quic_end };
static const struct trawl_heur_def quic_heur = { "quic_udp", 20, quic_probe };

static int quic_init(struct trawl_init *ctx)
{
    struct quic_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    if (!quic_crypto_init(st)) return TRAWL_EINVAL;
    st->proto = trawl_proto_register(ctx, &quic_proto, st);
    if (!st->proto) return TRAWL_EINVAL;
    const char *kl = trawl_init_option(ctx, "keylog");
    if (kl && *kl) {
        int r = quic_keylog_load(st, kl);
        if (r < 0) trawl_init_log(ctx, TRAWL_LOG_ERROR, "keylog=%s: cannot be read", kl);
        else trawl_init_log(ctx, TRAWL_LOG_INFO, "keylog=%s: %u handshake secrets", kl, st->nkeylog);
        return r;
    }
    return 0;
}

static int quic_handoff(struct trawl_init *ctx)
{
    struct quic_state *st = trawl_init_state(ctx);
    st->tls = trawl_proto_find(ctx, "tls-handshake");
    trawl_table_add(ctx, "udp.port", 443, st->proto);
    trawl_heur_add(ctx, "udp", &quic_heur, st->proto);
    return trawl_stream_register(ctx, st->proto, &quic_ops);
}

static void quic_fini(void *p)
{
    struct quic_state *st = p;
    if (!st) return;
    quic_crypto_fini(st);
    free(st->keylog);
    free(st);
}

TRAWL_PLUGIN_DESCRIPTOR(.name = "quic", .version = "1.0.0",
                        .summary = "QUIC on UDP: headers, Initial decryption (v1, v2, drafts), CRYPTO reassembly to TLS",
                        .init = quic_init, .handoff = quic_handoff, .fini = quic_fini);
