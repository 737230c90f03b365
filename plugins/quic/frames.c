/* frames.c — the frames of a decrypted QUIC payload (RFC 9000 12.4, 19), as tshark 4.0 shows
 * them: PADDING runs (one frame with quic.padding_length), PING, ACK / ACK_ECN, CRYPTO (its
 * bytes go to the reassembly of the packet's space), CONNECTION_CLOSE and NEW_TOKEN. Initial
 * and Handshake packets may carry nothing else (RFC 9000 12.4); another type is marked as a
 * protocol violation and ends the reading of the payload. */
#include "quic.h"

bool quic_varint(const struct trawl_buf *b, uint32_t *off, uint64_t *v)
{
    uint8_t f = trawl_buf_u8(b, *off);
    if (!trawl_buf_ok(b)) return false;
    uint32_t n = 1u << (f >> 6);
    const uint8_t *p = trawl_buf_ptr(b, *off, n);
    if (!p) return false;
    uint64_t x = f & 0x3f;
    for (uint32_t i = 1; i < n; i++) x = x << 8 | p[i];
    *v = x;
    *off += n;
    return true;
}

/* A varint field: read it, add it; false when it runs past the payload. */
static bool vfield(struct trawl_packet *pkt, const struct trawl_buf *b, uint32_t *off, unsigned f, uint64_t *out)
{
    uint64_t v;
    if (!quic_varint(b, off, &v)) return false;
    trawl_add_uint(pkt, f, v);
    if (out) *out = v;
    return true;
}

static bool ack(struct trawl_packet *pkt, const struct trawl_buf *b, uint32_t *off, bool ecn)
{
    uint64_t count;
    if (!vfield(pkt, b, off, F_ACK_LARGEST, NULL) || !vfield(pkt, b, off, F_ACK_DELAY, NULL) ||
        !vfield(pkt, b, off, F_ACK_RANGE_COUNT, &count) || !vfield(pkt, b, off, F_ACK_FIRST_RANGE, NULL))
        return false;
    /* Each range takes at least two bytes: a count larger than what is left is a lie. */
    if (count > trawl_buf_avail(b, *off) / 2) { trawl_buf_mark_malformed(b); return false; }
    for (uint64_t i = 0; i < count; i++)
        if (!vfield(pkt, b, off, F_ACK_GAP, NULL) || !vfield(pkt, b, off, F_ACK_RANGE, NULL)) return false;
    if (ecn && (!vfield(pkt, b, off, F_ACK_ECT0, NULL) || !vfield(pkt, b, off, F_ACK_ECT1, NULL) ||
                !vfield(pkt, b, off, F_ACK_ECN_CE, NULL)))
        return false;
    return true;
}

static const char *frame_name(uint64_t t)
{
    switch (t) {
    case 0x00: return "PADDING";
    case 0x01: return "PING";
    case 0x02: return "ACK";
    case 0x03: return "ACK_ECN";
    case 0x06: return "CRYPTO";
    case 0x07: return "NT";
    case 0x1c: case 0x1d: return "CC";
    default: return "UNKNOWN";
    }
}

bool quic_frames(struct trawl_packet *pkt, struct trawl_buf *b, struct quic_reasm *r, int ptype,
                 uint64_t *cut)
{
    (void)ptype;
    uint32_t off = 0, n = trawl_buf_caplen(b);
    while (off < n) {
        uint32_t start = off;
        uint64_t type;
        if (!quic_varint(b, &off, &type)) return false;
        trawl_tree_push(pkt, F_FRAME);
        trawl_add_uint(pkt, F_FRAME_TYPE, type);
        if (trawl_cols_wanted(pkt)) trawl_col_append(pkt, TRAWL_COL_INFO, ", %s", frame_name(type));
        bool ok = true;
        switch (type) {
        case 0x00: {                                     /* PADDING: the whole run is one */
            uint32_t e = off;
            while (e < n && b->data[e] == 0) e++;
            trawl_add_uint(pkt, F_PADDING_LENGTH, e - start);
            off = e;
            break;
        }
        case 0x01:                                       /* PING */
            break;
        case 0x02: case 0x03:
            ok = ack(pkt, b, &off, type == 0x03);
            break;
        case 0x06: {                                     /* CRYPTO */
            uint64_t co, cl;
            ok = vfield(pkt, b, &off, F_CRYPTO_OFFSET, &co) && vfield(pkt, b, &off, F_CRYPTO_LENGTH, &cl);
            if (!ok) break;
            if (cl > trawl_buf_avail(b, off) || co + cl > (1ull << 62)) {
                trawl_buf_mark_malformed(b);                 /* runs past the payload */
                ok = false;
                break;
            }
            trawl_tree_push(pkt, F_CRYPTO_DATA);
            trawl_tree_pop(pkt);
            if (r) {
                uint64_t before = r->cut;
                quic_reasm_add(r, co, b->data + off, (uint32_t)cl);
                if (cut) *cut += r->cut - before;
            }
            off += (uint32_t)cl;
            break;
        }
        case 0x07: {                                     /* NEW_TOKEN (server, 1-RTT only) */
            uint64_t tl;
            ok = vfield(pkt, b, &off, F_NT_LENGTH, &tl);
            if (!ok) break;
            const uint8_t *t = tl <= trawl_buf_avail(b, off) ? trawl_buf_ptr(b, off, (uint32_t)tl) : NULL;
            if (!t) { trawl_buf_mark_malformed(b); ok = false; break; }
            trawl_add_bytes(pkt, F_NT_TOKEN, t, (uint32_t)tl);
            off += (uint32_t)tl;
            break;
        }
        case 0x1c: case 0x1d: {                          /* CONNECTION_CLOSE */
            uint64_t rl;
            ok = vfield(pkt, b, &off, type == 0x1c ? F_CC_ERROR : F_CC_ERROR_APP, NULL) &&
                 (type == 0x1d || vfield(pkt, b, &off, F_CC_FRAME_TYPE, NULL)) &&
                 vfield(pkt, b, &off, F_CC_REASON_LEN, &rl);
            if (!ok) break;
            const uint8_t *t = rl <= trawl_buf_avail(b, off) ? trawl_buf_ptr(b, off, (uint32_t)rl) : NULL;
            if (!t) { trawl_buf_mark_malformed(b); ok = false; break; }
            trawl_add_string(pkt, F_CC_REASON, (const char *)t, (uint32_t)rl);
            off += (uint32_t)rl;
            break;
        }
        default:
            /* Types up to HANDSHAKE_DONE exist but not in Initial or Handshake packets (the
             * caller says protocol violation); beyond them they are unknown. */
            if (type > 0x1e) {
                trawl_tree_push(pkt, F_UNKNOWN_FRAME);
                trawl_tree_pop(pkt);
            }
            trawl_buf_mark_malformed(b);
            ok = false;
            break;
        }
        trawl_tree_pop(pkt);
        if (!ok) return false;
    }
    return true;
}
