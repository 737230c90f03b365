/* format.c — values as text: tshark's -T fields style, -V style and JSON.
 *
 * One place formats values so every sink prints the same thing the same way. Functions
 * follow snprintf's contract: they return the length needed and truncate safely.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_internal.h"

struct out { char *p; size_t cap, n; };

static void put(struct out *o, const char *s, size_t len)
{
    if (o->n < o->cap) {
        size_t room = o->cap - o->n;
        memcpy(o->p + o->n, s, len < room ? len : room);
    }
    o->n += len;
}
static void putc1(struct out *o, char c) { put(o, &c, 1); }
static void putf(struct out *o, const char *fmt, ...) TRAWL_PRINTF(2, 3);
static void putf(struct out *o, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}
static size_t finish(struct out *o)
{
    if (o->cap) o->p[o->n < o->cap ? o->n : o->cap - 1] = 0;
    return o->n;
}

/* Floor division so times before 1970 print as -1.5 → "-2.500000000"-free correct digits. */
static void split_ns(int64_t ns, int64_t *sec, int64_t *frac)
{
    *sec = ns / 1000000000;
    *frac = ns % 1000000000;
    if (*frac < 0) { *frac += 1000000000; (*sec)--; }
}

size_t trawl_time_format_utc(int64_t ns, unsigned digits, char *out, size_t cap)
{
    int64_t s, f;
    split_ns(ns, &s, &f);
    time_t t = (time_t)s;
    struct tm tm;
    struct out o = { out, cap, 0 };
    if (!gmtime_r(&t, &tm)) { putf(&o, "%" PRId64, s); return finish(&o); }
    putf(&o, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
         tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (digits >= 9) putf(&o, ".%09" PRId64, f);
    else if (digits >= 6) putf(&o, ".%06" PRId64, f / 1000);
    else if (digits >= 3) putf(&o, ".%03" PRId64, f / 1000000);
    putc1(&o, 'Z');
    return finish(&o);
}

/* tshark's absolute time: "Jan  2, 2014 09:37:49.848747000 UTC". */
static void fmt_abs_time(struct out *o, int64_t ns)
{
    static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    int64_t s, f;
    split_ns(ns, &s, &f);
    time_t t = (time_t)s;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) { putf(o, "%" PRId64, s); return; }
    putf(o, "%s %2d, %d %02d:%02d:%02d.%09" PRId64 " UTC", mon[tm.tm_mon], tm.tm_mday,
         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, f);
}

static unsigned hex_width(enum trawl_ftype t)
{
    switch (t) {
    case TRAWL_FT_U8: return 2;
    case TRAWL_FT_U16: return 4;
    case TRAWL_FT_U24: return 6;
    case TRAWL_FT_U32: return 8;
    default: return 16;
    }
}

static const char *name_of(const struct trawl_field *f, uint64_t v)
{
    if (!f->names) return NULL;
    for (const struct trawl_value_name *n = f->names; n->name; n++)
        if (n->value == v) return n->name;
    return NULL;
}

/* The length of the well-formed UTF-8 sequence at p (1..4), or 0 (RFC 3629's table). */
static unsigned utf8_len(const uint8_t *p, uint32_t left)
{
    uint8_t c = p[0];
    unsigned n;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) { n = 3; if (c == 0xe0) lo = 0xa0; if (c == 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; if (c == 0xf0) lo = 0x90; if (c == 0xf4) hi = 0x8f; }
    else return 0;
    if (left < n || p[1] < lo || p[1] > hi) return 0;
    for (unsigned i = 2; i < n; i++) if (p[i] < 0x80 || p[i] > 0xbf) return 0;
    return n;
}

/* A string as tshark 4.0's -T fields prints it (field.h). */
static void fmt_fields_text(struct out *o, const uint8_t *p, uint32_t len, bool ascii)
{
    for (uint32_t i = 0; i < len;) {
        uint8_t c = p[i];
        const char *e = c == '\b' ? "\\b" : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                      : c == '\t' ? "\\t" : NULL;
        if (e) { put(o, e, 2); i++; continue; }
        unsigned n = ascii ? (c < 0x80) : utf8_len(p + i, len - i);
        if (!n) { put(o, "\xef\xbf\xbd", 3); i++; continue; }
        put(o, (const char *)p + i, n);
        i += n;
    }
}

/* Text for -V: as found, but control bytes escaped (\n \r \t \xHH) so a tree never breaks;
 * UTF-8 passes through. */
static void fmt_text(struct out *o, const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c == '\n') put(o, "\\n", 2);
        else if (c == '\r') put(o, "\\r", 2);
        else if (c == '\t') put(o, "\\t", 2);
        else if (c < 0x20 || c == 0x7f) putf(o, "\\x%02x", c);
        else putc1(o, (char)c);
    }
}

static void fmt_json_string(struct out *o, const uint8_t *p, uint32_t len)
{
    putc1(o, '"');
    for (uint32_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c == '"') put(o, "\\\"", 2);
        else if (c == '\\') put(o, "\\\\", 2);
        else if (c == '\n') put(o, "\\n", 2);
        else if (c == '\r') put(o, "\\r", 2);
        else if (c == '\t') put(o, "\\t", 2);
        else if (c < 0x20 || c == 0x7f) putf(o, "\\u%04x", c);
        else if (c < 0x80) putc1(o, (char)c);
        else {
            /* Pass valid UTF-8 sequences; a byte that does not start one becomes U+00XX so
             * the line stays valid JSON (lossy for binary, stated in the json sink's README). */
            uint32_t need = c >= 0xf0 && c < 0xf5 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : 0;
            if (c >= 0xf5) need = 0;
            bool ok = need && i + need < len;
            for (uint32_t k = 1; ok && k <= need; k++)
                if (i + k >= len || (p[i + k] & 0xc0) != 0x80) ok = false;
            if (ok) { put(o, (const char *)p + i, need + 1); i += need; }
            else putf(o, "\\u%04x", c);
        }
    }
    putc1(o, '"');
}

static void fmt_hex(struct out *o, const uint8_t *p, uint32_t len, char sep)
{
    static const char hx[] = "0123456789abcdef";
    for (uint32_t i = 0; i < len; i++) {
        if (sep && i) putc1(o, sep);
        char b[2] = { hx[p[i] >> 4], hx[p[i] & 15] };
        put(o, b, 2);
    }
}

/* Decimal digits without printf: -T fields spends most of its time here. */
static void put_u64(struct out *o, uint64_t v)
{
    char tmp[20];
    int i = 20;
    do { tmp[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    put(o, tmp + i, (size_t)(20 - i));
}

/* Seconds and nanoseconds as "[-]s.nnnnnnnnn", without printf: -T fields prints one per packet. */
static void put_secs(struct out *o, bool neg, uint64_t s, uint64_t ns)
{
    if (neg) putc1(o, '-');
    put_u64(o, s);
    char frac[10] = { '.' };
    for (int i = 9; i >= 1; i--) { frac[i] = (char)('0' + ns % 10); ns /= 10; }
    put(o, frac, sizeof frac);
}

/* An absolute time as epoch seconds, floor division: -1.5 s is "-2.500000000". */
static void put_epoch(struct out *o, int64_t ns)
{
    int64_t s, f;
    split_ns(ns, &s, &f);
    put_secs(o, s < 0, s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s, (uint64_t)f);
}

size_t trawl_time_format_epoch(int64_t ns, char *out, size_t cap)
{
    struct out o = { out, cap, 0 };
    put_epoch(&o, ns);
    return finish(&o);
}

/* A relative time: its sign, then the magnitude's seconds and nanoseconds. */
static void fmt_reltime(struct out *o, int64_t ns)
{
    uint64_t m = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    put_secs(o, ns < 0, m / 1000000000, m % 1000000000);
}

static void put_hex(struct out *o, uint64_t v, unsigned width)
{
    static const char hx[] = "0123456789abcdef";
    char tmp[18];
    unsigned n = 0;
    uint64_t t = v;
    do { n++; t >>= 4; } while (t);
    if (n < width) n = width;
    tmp[0] = '0'; tmp[1] = 'x';
    for (unsigned i = 0; i < n; i++) tmp[2 + n - 1 - i] = hx[(v >> (4 * i)) & 15];
    put(o, tmp, n + 2);
}

static void put_ipv4(struct out *o, const uint8_t *p)
{
    char tmp[16];
    size_t n = 0;
    for (int k = 0; k < 4; k++) {
        unsigned b = p[k];
        if (k) tmp[n++] = '.';
        if (b >= 100) { tmp[n++] = (char)('0' + b / 100); b %= 100; tmp[n++] = (char)('0' + b / 10); tmp[n++] = (char)('0' + b % 10); }
        else if (b >= 10) { tmp[n++] = (char)('0' + b / 10); tmp[n++] = (char)('0' + b % 10); }
        else tmp[n++] = (char)('0' + b);
    }
    put(o, tmp, n);
}

/* An IPv6 address as glibc's inet_ntop writes it (RFC 5952's rules): lower-case hex without
 * leading zeros, the longest run of two or more zero words (the first of equal ones) as "::",
 * and ::a.b.c.d / ::ffff:a.b.c.d for the IPv4-compatible and IPv4-mapped forms. */
static void put_ipv6(struct out *o, const uint8_t *p)
{
    static const char hx[] = "0123456789abcdef";
    unsigned w[8];
    for (int i = 0; i < 8; i++) w[i] = (unsigned)p[2 * i] << 8 | p[2 * i + 1];
    int best = -1, blen = 0;
    for (int i = 0; i < 8;) {
        if (w[i]) { i++; continue; }
        int j = i;
        while (j < 8 && !w[j]) j++;
        if (j - i > blen) { best = i; blen = j - i; }
        i = j;
    }
    if (blen < 2) best = -1;
    char tmp[48];
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + blen) {
            if (i == best) tmp[n++] = ':';
            continue;
        }
        if (i) tmp[n++] = ':';
        if (i == 6 && best == 0 && (blen == 6 || (blen == 5 && w[5] == 0xffff))) {
            put(o, tmp, n);
            put_ipv4(o, p + 12);
            return;
        }
        unsigned v = w[i];
        if (v >> 12) tmp[n++] = hx[v >> 12];
        if (v >> 8) tmp[n++] = hx[v >> 8 & 15];
        if (v >> 4) tmp[n++] = hx[v >> 4 & 15];
        tmp[n++] = hx[v & 15];
    }
    if (best >= 0 && best + blen == 8) tmp[n++] = ':';
    put(o, tmp, n);
}

static void fmt_double(struct out *o, double d)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.15g", d);
    if (strtod(tmp, NULL) != d) snprintf(tmp, sizeof tmp, "%.17g", d);
    put(o, tmp, strlen(tmp));
}

size_t trawl_value_format(const struct trawl_value *v, enum trawl_fmt fmt, char *out, size_t cap)
{
    struct out o = { out, cap, 0 };
    const struct trawl_field *f = v->field;
    bool json = fmt == TRAWL_FMT_JSON, show = fmt == TRAWL_FMT_SHOW;
    switch (f->type) {
    case TRAWL_FT_NONE:
        /* A label's presence is its value: tshark -T fields prints 1. */
        if (json) put(&o, "true", 4);
        else if (!show) putc1(&o, '1');
        break;
    case TRAWL_FT_BOOL:
        if (json) put(&o, v->v.u ? "true" : "false", v->v.u ? 4 : 5);
        else if (show) put(&o, v->v.u ? "True" : "False", v->v.u ? 4 : 5);
        else putc1(&o, v->v.u ? '1' : '0');
        break;
    case TRAWL_FT_U8: case TRAWL_FT_U16: case TRAWL_FT_U24: case TRAWL_FT_U32: case TRAWL_FT_U64: {
        const char *nm = show ? name_of(f, v->v.u) : NULL;
        if (nm) { put(&o, nm, strlen(nm)); put(&o, " (", 2); }
        if (json || f->base == TRAWL_BASE_DEC || f->base == TRAWL_BASE_EPOCH ||
            (f->base == TRAWL_BASE_DEC_HEX && !show))
            put_u64(&o, v->v.u);
        else if (f->base == TRAWL_BASE_OCT) putf(&o, "0%" PRIo64, v->v.u);
        else if (f->base == TRAWL_BASE_HEX) put_hex(&o, v->v.u, hex_width(f->type));
        else putf(&o, "%" PRIu64 " (0x%0*" PRIx64 ")", v->v.u, hex_width(f->type), v->v.u);
        if (nm) putc1(&o, ')');
        break;
    }
    case TRAWL_FT_I64:
        putf(&o, "%" PRId64, v->v.i);
        break;
    case TRAWL_FT_DOUBLE:
        if (json && !isfinite(v->v.d)) put(&o, "null", 4);
        else fmt_double(&o, v->v.d);
        break;
    case TRAWL_FT_STRING:
        if (json) fmt_json_string(&o, v->v.p, v->len);
        else if (show) fmt_text(&o, v->v.p, v->len);
        else fmt_fields_text(&o, v->v.p, v->len, f->base == TRAWL_BASE_ASCII);
        break;
    case TRAWL_FT_BYTES:
        if (json) putc1(&o, '"');
        fmt_hex(&o, v->v.p, v->len, show ? ':' : 0);
        if (json) putc1(&o, '"');
        break;
    case TRAWL_FT_IPV4:
        if (v->len == 4 && !json) { put_ipv4(&o, v->v.p); break; }
        /* fall through */
    case TRAWL_FT_IPV6:
        /* The length decides: a record's address column holds IPv4 and IPv6 values alike. */
        if (v->len == 4 && !json) { put_ipv4(&o, v->v.p); break; }
        if (v->len == 4 || v->len == 16) {
            if (json) putc1(&o, '"');
            if (v->len == 4) put_ipv4(&o, v->v.p);
            else put_ipv6(&o, v->v.p);
            if (json) putc1(&o, '"');
        } else if (json) put(&o, "null", 4);
        break;
    case TRAWL_FT_ETHER:
        if (json) putc1(&o, '"');
        fmt_hex(&o, v->v.p, v->len, ':');
        if (json) putc1(&o, '"');
        break;
    case TRAWL_FT_TIME: {
        char t[64];
        if (json) {
            /* ns precision only when the value has it; the json sink may ask for more. */
            trawl_time_format_utc(v->v.i, v->v.i % 1000 ? 9 : 6, t, sizeof t);
            putc1(&o, '"'); put(&o, t, strlen(t)); putc1(&o, '"');
        } else if (f->base != TRAWL_BASE_EPOCH) fmt_abs_time(&o, v->v.i);
        else {
            put_epoch(&o, v->v.i);
            if (show) put(&o, " seconds", 8);
        }
        break;
    }
    case TRAWL_FT_RELTIME:
        fmt_reltime(&o, v->v.i);
        if (show) put(&o, " seconds", 8);
        break;
    default:
        break;
    }
    return finish(&o);
}
