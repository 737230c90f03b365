/* der.c — the bounded DER reader (see der.h). */
#include <stdio.h>
#include <string.h>

#include "der.h"

/* Each byte is asked for before it is read, so a mark left by an earlier element (a soft
 * error the walk went past) does not stop the reading of its siblings; a byte that is not
 * there latches TRUNCATED or MALFORMED as usual and ends this read. */
static bool byte_at(const struct trawl_buf *b, uint32_t off, uint8_t *c)
{
    if (!trawl_buf_need(b, off, 1)) return false;
    *c = b->data[off];
    return true;
}

bool der_read(const struct trawl_buf *b, uint32_t off, struct der *e)
{
    uint32_t p = off;
    uint8_t id, c;
    if (!byte_at(b, p++, &id)) return false;
    uint32_t tag = id & 0x1f;
    if (tag == 0x1f) {
        /* high-tag-number form: base-128, at most 4 octets, minimal (DER) */
        tag = 0;
        for (int i = 0;; i++) {
            if (i == 4) { trawl_buf_mark_malformed(b); return false; }
            if (!byte_at(b, p++, &c)) return false;
            if (i == 0 && c == 0x80) trawl_buf_mark_malformed(b);   /* not minimal: read on */
            tag = tag << 7 | (c & 0x7f);
            if (!(c & 0x80)) break;
        }
        if (tag < 31) trawl_buf_mark_malformed(b);   /* not minimal (DER): read on, as tshark */
    }
    uint8_t l;
    if (!byte_at(b, p++, &l)) return false;
    uint32_t len = l;
    if (l == 0x80 || l == 0xff) {
        /* indefinite length: BER only, refused in DER (and 0xff is reserved) */
        trawl_buf_mark_malformed(b);
        return false;
    }
    if (l > 0x80) {
        unsigned n = l & 0x7f;
        if (n > 4) { trawl_buf_mark_malformed(b); return false; }
        len = 0;
        for (unsigned i = 0; i < n; i++) {
            if (!byte_at(b, p++, &c)) return false;
            len = len << 8 | c;
        }
    }
    e->cls = id >> 6;
    e->cons = (id & 0x20) != 0;
    e->tag = tag;
    e->off = off;
    e->hdr = p - off;
    e->claimed = len;
    /* A content longer than what the parent holds latches MALFORMED and is cut at the
     * parent's end (as tshark does: what is there is shown, the parent ends there). */
    e->c = trawl_buf_sub(b, p, len);
    e->len = trawl_buf_len(&e->c);
    return true;
}

const uint8_t *der_bytes(const struct der *e)
{
    if (!e->len) return e->c.data;
    return trawl_buf_ptr(&e->c, 0, e->len);
}

uint32_t der_count(const struct der *e)
{
    /* A probe on a private copy of the latch: counting never marks the layer. */
    uint8_t latch = 0;
    struct trawl_buf c = e->c;
    c.err = &latch;
    uint32_t n = 0, off = 0;
    struct der x;
    while (off < c.len && der_read(&c, off, &x)) {
        n++;
        off = der_end(&x);
    }
    return n;
}

/* ".digits" (or "digits" without dot) of v at out + *w; false when it does not fit with its
 * terminating NUL. */
static bool put_arc(char *out, size_t cap, size_t *w, bool dot, uint64_t v)
{
    char d[20];
    unsigned k = 0;
    do { d[k++] = (char)('0' + v % 10); v /= 10; } while (v);
    if (cap - *w < (size_t)k + dot + 1) return false;
    if (dot) out[(*w)++] = '.';
    while (k) out[(*w)++] = d[--k];
    out[*w] = 0;
    return true;
}

int der_oid_text(const uint8_t *p, uint32_t n, char *out, size_t cap)
{
    if (!p || !n || cap < 2) return 0;
    /* a last arc left open (its last byte has the continuation bit) is dropped, as tshark
     * does: the arcs before it are shown */
    int ret = 1;
    while (n && (p[n - 1] & 0x80)) { n--; ret = 2; }
    if (!n) return 0;
    size_t w = 0;
    uint64_t v = 0;
    bool first = true;
    for (uint32_t i = 0; i < n; i++) {
        if (v > (UINT64_MAX >> 7)) return 0;
        v = v << 7 | (p[i] & 0x7f);
        if (p[i] & 0x80) continue;
        if (first) {
            /* the first subidentifier holds two arcs: 40 * a + b (a = 2 takes the rest) */
            unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
            if (!put_arc(out, cap, &w, false, a) || !put_arc(out, cap, &w, true, v - 40u * a)) return 0;
            first = false;
        } else if (!put_arc(out, cap, &w, true, v)) {
            return 0;
        }
        v = 0;
    }
    return ret;
}

bool der_int64(const uint8_t *p, uint32_t n, int64_t *v)
{
    if (!p || !n || n > 8) return false;
    uint64_t u = (p[0] & 0x80) ? UINT64_MAX : 0;
    for (uint32_t i = 0; i < n; i++) u = u << 8 | p[i];
    *v = (int64_t)u;
    return true;
}

static int digits(const uint8_t *p, unsigned n)
{
    int v = 0;
    for (unsigned i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

bool der_time(const uint8_t *p, uint32_t n, bool generalized, int64_t *ns, bool *range)
{
    *range = true;
    if (!p) return false;
    unsigned yl = generalized ? 4 : 2;
    if (n < yl + 8) return false;
    int y = digits(p, yl), mo = digits(p + yl, 2), d = digits(p + yl + 2, 2);
    int h = digits(p + yl + 4, 2), mi = digits(p + yl + 6, 2), s = 0;
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59)
        return false;
    if (!generalized) y += y < 50 ? 2000 : 1900;
    uint32_t i = yl + 8;
    if (i + 2 <= n && p[i] >= '0' && p[i] <= '9') {
        s = digits(p + i, 2);
        if (s < 0 || s > 60) return false;
        i += 2;
    }
    int64_t frac = 0;
    if (generalized && i < n && (p[i] == '.' || p[i] == ',')) {
        i++;
        int64_t scale = 100000000;
        uint32_t start = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            frac += (p[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start) return false;
    }
    int64_t off = 0;
    if (i < n && p[i] == 'Z') i++;
    else if (i + 5 <= n && (p[i] == '+' || p[i] == '-')) {
        int oh = digits(p + i + 1, 2), om = digits(p + i + 3, 2);
        if (oh < 0 || om < 0) return false;
        off = (oh * 60 + om) * 60 * (p[i] == '+' ? 1 : -1);
        i += 5;
    } else if (!generalized) return false;
    if (i != n) return false;
    int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s - off;
    /* int64 nanoseconds reach from 1677 to 2262: a date outside (9999-12-31, "no expiry")
     * cannot be held */
    if (secs <= INT64_MIN / 1000000000 || secs >= INT64_MAX / 1000000000 - 1) { *range = false; return false; }
    *ns = secs * 1000000000 + frac;
    return true;
}
