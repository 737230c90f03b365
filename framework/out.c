/* out.c — the sinks' output buffer (sink.h, struct trawl_out). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "engine_internal.h"

int trawl_out_init(struct trawl_out *o, FILE *f, size_t cap)
{
    o->cap = cap ? cap : 64 * 1024;
    o->len = 0;
    o->f = f;
    o->err = 0;
    o->buf = malloc(o->cap);
    if (!o->buf) { o->cap = 0; o->err = ENOMEM; return TRAWL_ENOMEM; }
    return 0;
}

static void write_out(struct trawl_out *o)
{
    if (!o->f) return;                 /* an in-memory buffer (render.c): it only grows */
    if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len) o->err = errno ? errno : EIO;
    o->len = 0;
}

/* The slow path of making room; the fast test is inlined into the callers below (a call to
 * the exported function cannot be, under -fPIC). */
static bool room_slow(struct trawl_out *o, size_t n)
{
    if (o->err) { o->len = 0; return false; }
    if (o->cap - o->len >= n) return true;
    if (o->f) {
        write_out(o);
        if (o->err) return false;
        if (o->cap >= n) return true;
    }
    size_t cap = o->cap ? o->cap : 64;
    while (cap - o->len < n) cap *= 2;
    char *nb = realloc(o->buf, cap);
    if (!nb) { o->err = ENOMEM; return false; }
    o->buf = nb;
    o->cap = cap;
    return true;
}

static inline bool room(struct trawl_out *o, size_t n)
{
    return TRAWL_LIKELY(!o->err && o->cap - o->len >= n) || room_slow(o, n);
}

bool trawl_out_room(struct trawl_out *o, size_t n) { return room(o, n); }

void trawl_out_mem(struct trawl_out *o, const void *p, size_t n)
{
    if (!room(o, n)) return;
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void trawl_out_printf(struct trawl_out *o, const char *fmt, ...)
{
    va_list ap;
    if (!room(o, 128)) return;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= o->cap - o->len) {
        if (!room(o, (size_t)n + 1)) return;
        va_start(ap, fmt);
        vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
    }
    o->len += (size_t)n;
}

void trawl_out_value(struct trawl_out *o, const struct trawl_value *v, enum trawl_fmt fmt)
{
    /* A stream number a worker renders: the merge writes it (render.c). */
    if (TRAWL_UNLIKELY(render_tl != NULL) && render_note(o, v, fmt)) return;
    /* Most values are short: format in place, and only retry when it did not fit. */
    if (!room(o, 64)) return;
    size_t n = trawl_value_format(v, fmt, o->buf + o->len, o->cap - o->len);
    if (n >= o->cap - o->len) {
        if (!room(o, n + 1)) return;
        n = trawl_value_format(v, fmt, o->buf + o->len, o->cap - o->len);
    }
    o->len += n;
}

int trawl_out_flush(struct trawl_out *o)
{
    write_out(o);
    if (!o->err && o->f && fflush(o->f) != 0) o->err = errno ? errno : EIO;
    return o->err ? TRAWL_EIO : 0;
}

void trawl_out_free(struct trawl_out *o)
{
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

void trawl_out_seconds(struct trawl_out *o, int64_t ns)
{
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    uint64_t sec = mag / 1000000000, usec = mag % 1000000000 / 1000;
    char t[28];                    /* '-', 20 digits, '.', 6 digits */
    size_t i = sizeof t;
    for (int k = 0; k < 6; k++, usec /= 10) t[--i] = (char)('0' + usec % 10);
    t[--i] = '.';
    do t[--i] = (char)('0' + sec % 10); while (sec /= 10);
    if (ns < 0 && mag >= 1000) t[--i] = '-';
    trawl_out_mem(o, t + i, sizeof t - i);
}
