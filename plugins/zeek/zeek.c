/* zeek.c — the "zeek" sink: records as Zeek's ASCII (TSV) logs, one file per record type.
 *
 * DIR/NAME.log, created at the first record of that type (a type with no record gets no file):
 *
 *   #separator \x09
 *   #set_separator	,
 *   #empty_field	(empty)
 *   #unset_field	-
 *   #path	conn
 *   #open	2014-01-02-09-37-49
 *   #fields	ts	uid	id.orig_h	...
 *   #types	time	string	addr	...
 *   1388655469.848747	C...	10.0.0.1	...
 *   #close	2014-01-02-09-38-12
 *
 * The layout, the types and the escaping are Zeek's ASCII writer's (with its default
 * LogAscii::enable_utf_8 = T), so zeek-cut and other Zeek tools read the files. Two things
 * differ on purpose, for reproducible output: #open and #close are the times of the records
 * (the first record's ts, the latest ts written), never the wall clock, and they are UTC
 * where Zeek prints local time. See README.md.
 *
 * Options: dir=PATH (default "."; created, with its parents, when missing). The folder and its
 * files are the SDK's (logdir.h); this file is Zeek's format.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trawl/trawl.h"

/* Per record type: what #open and #close need. */
struct zlog {
    int ts_col;              /* the first TIME column (-1: none): #open and #close */
    int64_t last_ts;         /* latest ts written, for #close */
};

struct zeek_sink {
    struct trawl_logdir *dir;
    struct zlog *logs;       /* by record type id */
    uint32_t nlogs;
    int64_t any_ts;          /* the latest ts of any record: #open of a log with none */
    bool have_any_ts;
};

/* ---- values ----------------------------------------------------------------------------- */

static void put_u64(struct trawl_out *o, uint64_t v)
{
    char tmp[20];
    int i = 20;
    do { tmp[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    trawl_out_mem(o, tmp + i, (size_t)(20 - i));
}

static void put_i64(struct trawl_out *o, int64_t v)
{
    if (v < 0) {
        trawl_out_char(o, '-');
        put_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(o, (uint64_t)v);
    }
}

/* Zeek "double" (unlike time and interval): at most 6 decimals without trailing zeros, ".0"
 * after a whole number so it reads as a double; beyond 2^31 and for inf, printf's %e; "nan". */
static void put_double(struct trawl_out *o, double d)
{
    char t[64];
    if (d != d) {
        trawl_out_mem(o, "nan", 3);
        return;
    }
    if (d > 2147483647.0 || d < -2147483647.0) {
        trawl_out_printf(o, "%e", d);
        return;
    }
    if (d == 0)
        d = 0;                   /* no "-0" */
    int n = snprintf(t, sizeof t, "%.6f", d);
    if (n <= 0 || (size_t)n >= sizeof t)
        return;
    while (n > 1 && t[n - 1] == '0')
        n--;
    if (t[n - 1] == '.')
        n--;
    trawl_out_mem(o, t, (size_t)n);
    double whole = (double)(int64_t)(d < 0 ? d - 0.5 : d + 0.5);   /* |d| < 2^31: exact */
    if (d - whole < 1e-9 && whole - d < 1e-9 && !memchr(t, '.', (size_t)n))
        trawl_out_mem(o, ".0", 2);
}

/* Length of the valid UTF-8 sequence (2..4 bytes) starting at p, or 0 (Unicode's table 3-7:
 * no overlong forms, no surrogates, nothing past U+10FFFF). */
static unsigned utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    unsigned len;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0) lo = 0xa0;
        else if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0) lo = 0x90;
        else if (c == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (unsigned i = 2; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

static void put_hexbyte(struct trawl_out *o, uint8_t c)
{
    static const char hx[] = "0123456789abcdef";
    char e[4] = { '\\', 'x', hx[c >> 4], hx[c & 15] };
    trawl_out_mem(o, e, 4);
}

/* A Zeek string: "(empty)" when empty, "\x2d" for a lone "-" (so it differs from unset);
 * backslash doubled; the separator (and in sets the set separator), control characters and
 * bytes that are not valid UTF-8 as \xHH; valid UTF-8 as it is. */
static void put_string(struct trawl_out *o, const uint8_t *p, size_t n, bool in_set)
{
    if (n == 0) {
        trawl_out_mem(o, "(empty)", 7);
        return;
    }
    if (n == 1 && p[0] == '-') {
        trawl_out_mem(o, "\\x2d", 4);
        return;
    }
    size_t run = 0;          /* bytes copied as they are, pending */
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && !(in_set && c == ',')) {
            run++;
            i++;
            continue;
        }
        if (c >= 0x80) {
            unsigned u = utf8_len(p + i, n - i);
            if (u) {
                run += u;
                i += u;
                continue;
            }
        }
        trawl_out_mem(o, p + i - run, run);
        run = 0;
        if (c == '\\')
            trawl_out_mem(o, "\\\\", 2);
        else
            put_hexbyte(o, c);
        i++;
    }
    trawl_out_mem(o, p + n - run, run);
}

static void put_value(struct trawl_out *o, const struct trawl_value *v, bool in_set)
{
    switch (v->field->type) {
    case TRAWL_FT_NONE:
        trawl_out_char(o, 'T');
        break;
    case TRAWL_FT_BOOL:
        trawl_out_char(o, v->v.u ? 'T' : 'F');
        break;
    case TRAWL_FT_U8: case TRAWL_FT_U16: case TRAWL_FT_U24: case TRAWL_FT_U32: case TRAWL_FT_U64:
        put_u64(o, v->v.u);
        break;
    case TRAWL_FT_I64:
        put_i64(o, v->v.i);
        break;
    case TRAWL_FT_DOUBLE:
        put_double(o, v->v.d);
        break;
    case TRAWL_FT_STRING:
        put_string(o, v->v.p, v->len, in_set);
        break;
    case TRAWL_FT_TIME:
    case TRAWL_FT_RELTIME:
        /* Zeek "time" and "interval": seconds with 6 decimals, a sign in front when negative
         * (a time before 1970 prints as its double would: -1.5 s is "-1.500000") */
        trawl_out_seconds(o, v->v.i);
        break;
    default: {
        /* addresses (by their length: IPv4 or IPv6), MACs, bytes as hex: nothing to escape */
        size_t at = o->len;
        trawl_out_value(o, v, TRAWL_FMT_FIELDS);
        if (o->len == at && !o->err)
            trawl_out_mem(o, "(empty)", 7);   /* zero-length bytes */
        break;
    }
    }
}

static const char *base_type(const struct trawl_record_field *c)
{
    if ((c->flags & TRAWL_RF_ADDR) || c->type == TRAWL_FT_IPV4 || c->type == TRAWL_FT_IPV6)
        return "addr";
    if (c->flags & TRAWL_RF_PORT)
        return "port";
    if (c->flags & TRAWL_RF_ENUM)
        return "enum";
    switch (c->type) {
    case TRAWL_FT_NONE: case TRAWL_FT_BOOL: return "bool";
    case TRAWL_FT_U8: case TRAWL_FT_U16: case TRAWL_FT_U24: case TRAWL_FT_U32:
    case TRAWL_FT_U64: return "count";
    case TRAWL_FT_I64: return "int";
    case TRAWL_FT_DOUBLE: return "double";
    case TRAWL_FT_TIME: return "time";
    case TRAWL_FT_RELTIME: return "interval";
    default: return "string";     /* text, bytes (hex), MAC addresses */
    }
}

/* "2014-01-02-09-37-49", Zeek's #open/#close layout, in UTC. */
static void put_stamp(struct trawl_out *o, int64_t ns)
{
    int64_t s = ns / 1000000000;
    if (ns % 1000000000 < 0) s--;
    time_t t = (time_t)s;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    trawl_out_printf(o, "%04d-%02d-%02d-%02d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- files ------------------------------------------------------------------------------ */

static void put_header(struct zeek_sink *z, struct trawl_out *o, const struct trawl_record_type *t,
                       const struct trawl_record *rec)
{
    struct zlog *l = &z->logs[t->id];
    l->ts_col = -1;
    for (unsigned i = 0; i < t->nfields; i++)
        if (t->columns[i].type == TRAWL_FT_TIME && !(t->columns[i].flags & (TRAWL_RF_SET | TRAWL_RF_LIST))) {
            l->ts_col = (int)i;
            break;
        }
    const struct trawl_value *ts = l->ts_col >= 0 ? trawl_record_value(rec, (unsigned)l->ts_col) : NULL;
    int64_t open_ns = ts ? ts->v.i : z->have_any_ts ? z->any_ts : 0;
    l->last_ts = open_ns;

    trawl_out_str(o, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                     "#unset_field\t-\n#path\t");
    trawl_out_str(o, t->name);
    trawl_out_str(o, "\n#open\t");
    put_stamp(o, open_ns);
    trawl_out_str(o, "\n#fields");
    for (unsigned i = 0; i < t->nfields; i++) {
        trawl_out_char(o, '\t');
        trawl_out_str(o, t->columns[i].name);    /* [a-z0-9_.]: checked at registration */
    }
    trawl_out_str(o, "\n#types");
    for (unsigned i = 0; i < t->nfields; i++) {
        const struct trawl_record_field *c = &t->columns[i];
        trawl_out_char(o, '\t');
        if (c->flags & TRAWL_RF_SET)
            trawl_out_printf(o, "set[%s]", base_type(c));
        else if (c->flags & TRAWL_RF_LIST)
            trawl_out_printf(o, "vector[%s]", base_type(c));
        else
            trawl_out_str(o, base_type(c));
    }
    trawl_out_char(o, '\n');
}

/* #close: the latest ts written to the log. */
static void put_tail(void *user, const struct trawl_record_type *t, struct trawl_out *o)
{
    struct zeek_sink *z = user;
    trawl_out_str(o, "#close\t");
    put_stamp(o, t->id < z->nlogs ? z->logs[t->id].last_ts : 0);
    trawl_out_char(o, '\n');
}

/* ---- sink ------------------------------------------------------------------------------- */

static int zeek_open(struct trawl_sink *s)
{
    struct zeek_sink *z = calloc(1, sizeof *z);
    if (!z)
        return TRAWL_ENOMEM;
    z->nlogs = trawl_sink_record_type_count(s);
    z->logs = calloc(z->nlogs ? z->nlogs : 1, sizeof *z->logs);
    int rc = z->logs ? trawl_logdir_open(s, ".log", &z->dir) : TRAWL_ENOMEM;
    if (!rc) {
        trawl_sink_skip_packets(s);
        rc = trawl_sink_want_records(s, NULL);
    }
    if (rc < 0) {
        trawl_logdir_close(z->dir, NULL, NULL);
        free(z->logs);
        free(z);
        return rc;
    }
    trawl_sink_set_state(s, z);
    return 0;
}

static void zeek_record(struct trawl_sink *s, const struct trawl_record *rec)
{
    struct zeek_sink *z = trawl_sink_state(s);
    const struct trawl_record_type *t = trawl_record_get_type(rec);
    bool created;
    struct trawl_out *o = z && t && t->id < z->nlogs ? trawl_logdir_out(z->dir, t, &created) : NULL;
    if (!o)
        return;                  /* types are fixed at start, so this is a log that failed */
    if (created)
        put_header(z, o, t, rec);

    for (unsigned c = 0; c < t->nfields; c++) {
        if (c)
            trawl_out_char(o, '\t');
        size_t pos = 0;
        const struct trawl_value *v = trawl_record_value_next(rec, c, &pos);
        if (!v) {
            trawl_out_char(o, '-');
            continue;
        }
        if (!(t->columns[c].flags & (TRAWL_RF_SET | TRAWL_RF_LIST))) {
            put_value(o, v, false);
            continue;
        }
        for (bool first = true; v; v = trawl_record_value_next(rec, c, &pos), first = false) {
            if (!first)
                trawl_out_char(o, ',');
            put_value(o, v, true);
        }
    }
    trawl_out_char(o, '\n');

    struct zlog *l = &z->logs[t->id];
    const struct trawl_value *ts = l->ts_col >= 0 ? trawl_record_value(rec, (unsigned)l->ts_col) : NULL;
    if (ts) {
        if (ts->v.i > l->last_ts)
            l->last_ts = ts->v.i;
        if (!z->have_any_ts || ts->v.i > z->any_ts) {
            z->any_ts = ts->v.i;
            z->have_any_ts = true;
        }
    }
    trawl_logdir_check(z->dir, t);
}

static int zeek_close(struct trawl_sink *s)
{
    struct zeek_sink *z = trawl_sink_state(s);
    if (!z)
        return 0;
    int rc = trawl_logdir_close(z->dir, put_tail, z);
    free(z->logs);
    free(z);
    trawl_sink_set_state(s, NULL);
    return rc;
}

static const struct trawl_sink_def zeek_sink_def = {
    .name = "zeek",
    .summary = "records as Zeek TSV logs, one file per record type (dir=PATH)",
    .open = zeek_open,
    .packet = NULL,
    .record = zeek_record,
    .close = zeek_close,
};

static int zeek_init(struct trawl_init *ctx)
{
    return trawl_sink_register(ctx, &zeek_sink_def, NULL);
}

TRAWL_PLUGIN_DESCRIPTOR(.name = "zeek", .version = "1.0.0",
                        .summary = "Zeek ASCII log writer for records (conn.log, dns.log, ...)",
                        .init = zeek_init);
