/* trawl/buf.h — the bounds-checked reader every dissector uses.
 *
 * A buf is a view of packet bytes: `caplen` bytes are present, `len` bytes are what the
 * enclosing headers say exist (len >= caplen; they differ when the capture's snaplen cut the
 * packet). Reads take an offset into the view. A read past the end does not happen: it returns
 * 0 (or an empty slice) and latches an error flag shared by all views derived from one another:
 *   TRAWL_BUF_TRUNCATED  the bytes exist on the wire but were not captured (snaplen);
 *   TRAWL_BUF_MALFORMED  the bytes do not exist: the packet contradicts its own lengths.
 * The dissector carries on; the engine records the flag on the packet with the protocol that
 * hit it, and the fields added before stay.
 *
 * RULE: a value read after the latch is 0 and meaningless. Never size an allocation, bound a
 * loop or change state with it; every loop over TLVs must check trawl_buf_ok() and advance.
 */
#ifndef TRAWL_BUF_H
#define TRAWL_BUF_H

#include <string.h>
#include "common.h"

enum { TRAWL_BUF_TRUNCATED = 1u, TRAWL_BUF_MALFORMED = 2u };

struct trawl_buf {
    const uint8_t *data;  /* first byte of the view */
    uint32_t caplen;      /* bytes present */
    uint32_t len;         /* bytes the protocol says exist (>= caplen) */
    uint32_t base;        /* offset of data[0] in the frame (for -V byte offsets) */
    uint8_t *err;         /* the shared latch; never NULL */
};

/* A view of [off, off+n) of b, clamped to what b has: the part beyond b's len cannot exist,
 * the part beyond b's caplen was not captured. Reading the clamped-away part latches. */
static inline struct trawl_buf trawl_buf_sub(const struct trawl_buf *b, uint32_t off, uint32_t n)
{
    struct trawl_buf s = { b->data, 0, 0, b->base, b->err };
    if (off > b->len) { *b->err |= TRAWL_BUF_MALFORMED; off = b->len; }
    uint32_t room = b->len - off;
    s.len = n < room ? n : room;
    uint32_t cap = off < b->caplen ? b->caplen - off : 0;
    s.caplen = s.len < cap ? s.len : cap;
    s.data = b->data + (off < b->caplen ? off : b->caplen);
    s.base = b->base + off;
    if (n > room) *b->err |= TRAWL_BUF_MALFORMED;  /* a length field points past the end */
    return s;
}

/* The rest of b from off on (no length claim, so no latch unless off itself is past the end). */
static inline struct trawl_buf trawl_buf_tail(const struct trawl_buf *b, uint32_t off)
{
    return trawl_buf_sub(b, off, off <= b->len ? b->len - off : 0);
}

/* Are n bytes at off present? Latches (and returns false) when not. */
static inline bool trawl_buf_need(const struct trawl_buf *b, uint32_t off, uint32_t n)
{
    uint64_t end = (uint64_t)off + n;
    if (TRAWL_LIKELY(end <= b->caplen)) return true;
    *b->err |= end <= b->len ? TRAWL_BUF_TRUNCATED : TRAWL_BUF_MALFORMED;
    return false;
}

/* The same question without latching: for probes and optional parts. */
static inline bool trawl_buf_has(const struct trawl_buf *b, uint32_t off, uint32_t n)
{
    return (uint64_t)off + n <= b->caplen;
}

static inline bool trawl_buf_ok(const struct trawl_buf *b) { return *b->err == 0; }
/* For checks the reader cannot make itself: a length field smaller than its header, a count
 * that cannot fit, a value the protocol forbids. */
static inline void trawl_buf_mark_malformed(const struct trawl_buf *b) { *b->err |= TRAWL_BUF_MALFORMED; }
static inline uint32_t trawl_buf_caplen(const struct trawl_buf *b) { return b->caplen; }
static inline uint32_t trawl_buf_len(const struct trawl_buf *b) { return b->len; }
/* Bytes present from off on (0 when off is past them); does not latch. */
static inline uint32_t trawl_buf_avail(const struct trawl_buf *b, uint32_t off)
{
    return off < b->caplen ? b->caplen - off : 0;
}

static inline uint8_t trawl_buf_u8(const struct trawl_buf *b, uint32_t off)
{
    return trawl_buf_need(b, off, 1) ? b->data[off] : 0;
}
static inline uint16_t trawl_buf_u16be(const struct trawl_buf *b, uint32_t off)
{
    if (!trawl_buf_need(b, off, 2)) return 0;
    const uint8_t *p = b->data + off;
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint16_t trawl_buf_u16le(const struct trawl_buf *b, uint32_t off)
{
    if (!trawl_buf_need(b, off, 2)) return 0;
    const uint8_t *p = b->data + off;
    return (uint16_t)(p[1] << 8 | p[0]);
}
static inline uint32_t trawl_buf_u24be(const struct trawl_buf *b, uint32_t off)
{
    if (!trawl_buf_need(b, off, 3)) return 0;
    const uint8_t *p = b->data + off;
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}
static inline uint32_t trawl_buf_u32be(const struct trawl_buf *b, uint32_t off)
{
    if (!trawl_buf_need(b, off, 4)) return 0;
    const uint8_t *p = b->data + off;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t trawl_buf_u32le(const struct trawl_buf *b, uint32_t off)
{
    if (!trawl_buf_need(b, off, 4)) return 0;
    const uint8_t *p = b->data + off;
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t trawl_buf_u64be(const struct trawl_buf *b, uint32_t off)
{
    if (!trawl_buf_need(b, off, 8)) return 0;
    uint64_t hi = trawl_buf_u32be(b, off), lo = trawl_buf_u32be(b, off + 4);
    return hi << 32 | lo;
}
static inline uint64_t trawl_buf_u64le(const struct trawl_buf *b, uint32_t off)
{
    if (!trawl_buf_need(b, off, 8)) return 0;
    uint64_t lo = trawl_buf_u32le(b, off), hi = trawl_buf_u32le(b, off + 4);
    return hi << 32 | lo;
}

/* Pointer to n present bytes at off, or NULL (latched) when they are not all there. */
static inline const uint8_t *trawl_buf_ptr(const struct trawl_buf *b, uint32_t off, uint32_t n)
{
    return trawl_buf_need(b, off, n) ? b->data + off : NULL;
}

/* Copy n bytes at off into out; on a short read out is zero-filled and the latch set. */
static inline bool trawl_buf_copy(const struct trawl_buf *b, uint32_t off, void *out, uint32_t n)
{
    if (!trawl_buf_need(b, off, n)) { memset(out, 0, n); return false; }
    memcpy(out, b->data + off, n);
    return true;
}

/* Index of the first byte c at or after off within the present bytes, or -1 (no latch). */
static inline int64_t trawl_buf_find(const struct trawl_buf *b, uint32_t off, uint8_t c)
{
    if (off >= b->caplen) return -1;
    const uint8_t *p = (const uint8_t *)memchr(b->data + off, c, b->caplen - off);
    return p ? (int64_t)(p - b->data) : -1;
}

/* A fresh top-level view with its own latch (the engine makes these; tests and harnesses too). */
static inline struct trawl_buf trawl_buf_make(const uint8_t *data, uint32_t caplen, uint32_t len,
                                              uint8_t *latch)
{
    struct trawl_buf b = { data, caplen, len < caplen ? caplen : len, 0, latch };
    return b;
}

#endif
