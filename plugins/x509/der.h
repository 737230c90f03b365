/* der.h — a strict, bounded DER reader over trawl bufs (internal to the x509 plugin).
 *
 * An element is read at an offset of a view; its content becomes a sub-view with
 * trawl_buf_sub, so every length is checked against its parent's (a child that claims more
 * than its parent holds latches MALFORMED and is cut there), and bytes past the captured ones
 * latch TRUNCATED.
 * BER's indefinite length (0x80) is refused (DER forbids it): the element is marked
 * malformed and not entered. Tags up to 4 bytes of the high-tag form (a non-minimal one is
 * marked and read), lengths up to 4 bytes.
 */
#ifndef X509_DER_H
#define X509_DER_H

#include <stddef.h>
#include "trawl/trawl.h"

enum { DER_UNIVERSAL = 0, DER_APPLICATION = 1, DER_CONTEXT = 2, DER_PRIVATE = 3 };

/* Universal tag numbers used here. */
enum {
    DER_BOOLEAN = 1, DER_INTEGER = 2, DER_BIT_STRING = 3, DER_OCTET_STRING = 4, DER_NULL = 5,
    DER_OID = 6, DER_UTF8 = 12, DER_SEQUENCE = 16, DER_SET = 17, DER_NUMERIC = 18,
    DER_PRINTABLE = 19, DER_TELETEX = 20, DER_VIDEOTEX = 21, DER_IA5 = 22, DER_UTCTIME = 23,
    DER_GENTIME = 24, DER_GRAPHIC = 25, DER_VISIBLE = 26, DER_GENERAL = 27, DER_UNIVERSAL_STR = 28,
    DER_BMP = 30,
};

struct der {
    uint8_t cls;          /* DER_UNIVERSAL .. DER_PRIVATE */
    bool cons;            /* constructed */
    uint32_t tag;         /* tag number */
    uint32_t off;         /* offset of the identifier octet in the parent view */
    uint32_t hdr;         /* identifier + length octets */
    uint32_t len;         /* content length (cut at the parent's end) */
    uint32_t claimed;     /* content length as the length octets say */
    struct trawl_buf c;   /* the content (clamped to the parent; its own latch is shared) */
};

/* Read the element at off of b. False (and the layer latched) when the header cannot be read
 * or is not DER; then nothing in *e may be used. */
bool der_read(const struct trawl_buf *b, uint32_t off, struct der *e);
/* Is the element universal tag t (primitive unless t is SEQUENCE/SET)? */
static inline bool der_is(const struct der *e, uint32_t t)
{
    return e->cls == DER_UNIVERSAL && e->tag == t;
}
static inline bool der_is_ctx(const struct der *e, uint32_t t)
{
    return e->cls == DER_CONTEXT && e->tag == t;
}
/* Offset just after the element in its parent (past the parent's end when the element
 * claims more than the parent holds: a loop over the parent ends there). */
static inline uint32_t der_end(const struct der *e)
{
    uint64_t end = (uint64_t)e->off + e->hdr + e->claimed;
    return end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
}

/* The element's content as a pointer to all its bytes, or NULL (latched) when not all are
 * present (a snaplen cut). */
const uint8_t *der_bytes(const struct der *e);
/* Count the elements directly inside a constructed element's content (stops at the first
 * that cannot be read; never latches). */
uint32_t der_count(const struct der *e);
/* OID content to dotted text ("1.2.840.113549.1.1.11"): 1; 2 when a last arc was left open
 * (its bytes are dropped, the rest is shown: a malformed OID); 0 when nothing can be shown
 * (empty, an arc over 64 bits, no room). */
int der_oid_text(const uint8_t *p, uint32_t n, char *out, size_t cap);
/* INTEGER content as int64 when it fits (1..8 bytes); false otherwise. */
bool der_int64(const uint8_t *p, uint32_t n, int64_t *v);
/* UTCTime / GeneralizedTime content to ns since the epoch (UTC); false when it does not parse,
 * or (*range false) when it parses but lies outside what int64 nanoseconds hold (1677-2262). */
bool der_time(const uint8_t *p, uint32_t n, bool generalized, int64_t *ns, bool *range);

#endif
