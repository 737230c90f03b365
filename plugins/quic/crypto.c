/* crypto.c — CRYPTO-frame reassembly for one direction of one packet-number space.
 *
 * CRYPTO frames carry the TLS handshake as a byte stream with offsets (RFC 9000 19.6). Pieces
 * may come in any order, several times, across packets and inside one packet. The buffer
 * holds the bytes from `base` (everything before it was handed to TLS) up to QUIC_CRYPTO_MAX
 * further; the first copy of a byte wins; a retransmission of handed-over bytes is ignored;
 * bytes past the cap, beyond QUIC_RANGES separate pieces, or so far ahead that the buffer would
 * outgrow what was received (QUIC_GROW_FLOOR, QUIC_GROW_FACTOR) are dropped and counted. Whole
 * handshake messages (type, 24-bit length, body) contiguous from `base` are handed over in
 * one piece; when nothing is left the buffer is freed. */
#include <stdlib.h>
#include <string.h>

#include "quic.h"

static void copy_in(struct quic_reasm *r, uint64_t s, uint64_t e, uint64_t from, const uint8_t *p)
{
    if (e > s) memcpy(r->buf + (s - r->base), p + (s - from), (size_t)(e - s));
}

void quic_reasm_add(struct quic_reasm *r, uint64_t off, const uint8_t *p, uint32_t n)
{
    uint64_t s = off, e = off + n;
    if (!n || e <= r->base) return;                     /* nothing new: handed over already */
    if (s < r->base) s = r->base;
    uint64_t lim = r->base + QUIC_CRYPTO_MAX;
    if (s >= lim) { r->cut += e - s; return; }
    if (e > lim) { r->cut += e - lim; e = lim; }
    /* The pieces the new one touches (overlapping or adjacent) merge into one. */
    uint32_t before = 0, after = 0;
    for (uint32_t i = 0; i < r->nr; i++) {
        if (r->r[i].e < s) before++;
        else if (r->r[i].s > e) after++;
    }
    if (before + 1 + after > QUIC_RANGES) { r->cut += e - s; return; }
    uint32_t need = (uint32_t)(e - r->base);
    if (need > r->cap) {
        /* Memory follows what was received: the buffer may reach QUIC_GROW_FLOOR, beyond that
         * at most QUIC_GROW_FACTOR times the bytes held (a lone byte far ahead is no reason
         * to hold 64 KiB for a flow). */
        uint64_t held = e - s;
        for (uint32_t i = 0; i < r->nr; i++) held += r->r[i].e - r->r[i].s;
        if (need > QUIC_GROW_FLOOR && need > QUIC_GROW_FACTOR * held) { r->cut += e - s; return; }
        uint32_t cap = r->cap ? r->cap : 2048;
        while (cap < need) cap *= 2;
        if (cap > QUIC_CRYPTO_MAX) cap = QUIC_CRYPTO_MAX;
        uint8_t *nb = realloc(r->buf, cap);
        if (!nb) { r->cut += e - s; return; }
        r->buf = nb;
        r->cap = cap;
    }
    /* Copy only into the holes: the first copy of a byte wins. */
    uint64_t cur = s;
    for (uint32_t i = 0; i < r->nr && cur < e; i++) {
        if (r->r[i].e <= cur) continue;
        if (r->r[i].s >= e) break;
        if (r->r[i].s > cur) copy_in(r, cur, r->r[i].s, off, p);
        if (r->r[i].e > cur) cur = r->r[i].e;
    }
    if (cur < e) copy_in(r, cur, e, off, p);
    /* Rebuild the list: before, the merged piece, after. */
    uint64_t ms = s, me = e;
    uint32_t k = 0;
    for (uint32_t i = 0; i < r->nr; i++) {
        if (r->r[i].e < s) { r->r[k++] = r->r[i]; continue; }
        if (r->r[i].s > e) continue;
        if (r->r[i].s < ms) ms = r->r[i].s;
        if (r->r[i].e > me) me = r->r[i].e;
    }
    uint32_t tail_from = 0;
    for (uint32_t i = 0; i < r->nr; i++) if (r->r[i].s <= e) tail_from = i + 1;
    /* r->r[tail_from ..] are the pieces after; move them behind the merged one. */
    uint32_t nafter = r->nr - tail_from;
    memmove(&r->r[k + 1], &r->r[tail_from], nafter * sizeof r->r[0]);
    r->r[k].s = ms;
    r->r[k].e = me;
    r->nr = k + 1 + nafter;
}

const uint8_t *quic_reasm_take(struct quic_reasm *r, struct trawl_packet *pkt, uint32_t *len)
{
    *len = 0;
    if (r->dead || !r->nr || r->r[0].s != r->base) return NULL;
    uint32_t avail = (uint32_t)(r->r[0].e - r->base), pos = 0;
    while (avail - pos >= 4) {
        const uint8_t *h = r->buf + pos;
        uint32_t ml = (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
        if (ml > QUIC_CRYPTO_MAX - 4) {              /* can never be whole here */
            r->dead = true;
            r->cut += ml;
            break;
        }
        if (avail - pos - 4 < ml) break;
        pos += 4 + ml;
    }
    if (!pos) return NULL;
    uint8_t *out = trawl_packet_alloc(pkt, pos);
    if (!out) return NULL;
    memcpy(out, r->buf, pos);
    uint32_t held = (uint32_t)(r->r[r->nr - 1].e - r->base);
    memmove(r->buf, r->buf + pos, held - pos);
    r->base += pos;
    r->r[0].s = r->base;
    if (r->r[0].s == r->r[0].e) {
        memmove(&r->r[0], &r->r[1], (r->nr - 1) * sizeof r->r[0]);
        r->nr--;
    }
    if (!r->nr) quic_reasm_free(r);
    *len = pos;
    return out;
}

void quic_reasm_free(struct quic_reasm *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
    r->nr = 0;
}
