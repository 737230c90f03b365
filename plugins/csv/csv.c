/* csv.c — the "csv" sink: records as CSV files (RFC 4180), one file per record type.
 *
 * DIR/NAME.csv, created at the first record of that type (a type with no record gets no file):
 * a header row of the column names, then one row per record, in the order records were made.
 *
 *   ts,uid,id.orig_h,id.orig_p,...,duration,...,tunnel_parents
 *   2014-01-02T09:37:49.848747Z,C...,10.0.0.1,36343,...,0.013961,...,
 *
 * Values: an unset column is an empty cell; an empty string is "" (quoted, so the two differ);
 * times are RFC 3339 UTC with 6 decimals, durations seconds with 6 decimals, booleans
 * true/false, addresses as text, bytes as hex. Set and list columns join their elements with
 * ';', where an element's own ';' and '\' are written "\;" and "\\". A cell that holds ',',
 * '"', CR or LF is quoted, its '"' doubled (RFC 4180); text is otherwise written as found.
 * Rows end with LF. See README.md.
 *
 * Options: dir=PATH (default "."; created, with its parents, when missing).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trawl/trawl.h"

struct clog {
    FILE *f;
    struct trawl_out o;
    bool opened, failed;
};

struct csv_sink {
    char *dir;
    struct clog *logs;       /* by record type id */
    uint32_t nlogs;
    int32_t *first, *last;   /* per column of the record being written: value indexes */
    unsigned ncols_cap;
    int32_t *next;           /* per value: the next value of the same column */
    size_t next_cap;
    bool stopped;
};

/* ---- values ----------------------------------------------------------------------------- */

static void put_seconds(struct trawl_out *o, int64_t ns)
{
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    char t[32];
    int n = snprintf(t, sizeof t, "%s%llu.%06llu", ns < 0 && mag >= 1000 ? "-" : "",
                     (unsigned long long)(mag / 1000000000),
                     (unsigned long long)(mag % 1000000000 / 1000));
    trawl_out_mem(o, t, n > 0 ? (size_t)n : 0);
}

/* Text as found; in a set or list, ';' and '\' get a '\' in front; in a quoted cell, '"' is
 * doubled. */
static void put_text(struct trawl_out *o, const uint8_t *p, size_t n, bool in_set, bool quoted)
{
    size_t run = 0;          /* bytes copied as they are, pending */
    for (size_t i = 0; i < n; i++) {
        char c = (char)p[i];
        bool esc = in_set && (c == ';' || c == '\\'), dq = quoted && c == '"';
        if (!esc && !dq) {
            run++;
            continue;
        }
        trawl_out_mem(o, p + i - run, run);
        run = 0;
        trawl_out_char(o, esc ? '\\' : '"');
        trawl_out_char(o, c);
    }
    trawl_out_mem(o, p + n - run, run);
}

/* Does this text force its cell into quotes (RFC 4180: ',', '"', CR, LF)? */
static bool needs_quotes(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n')
            return true;
    return false;
}

static void put_value(struct trawl_out *o, const struct trawl_value *v, bool in_set, bool quoted)
{
    switch (v->field->type) {
    case TRAWL_FT_NONE:
        trawl_out_str(o, "true");
        return;
    case TRAWL_FT_BOOL:
        trawl_out_str(o, v->v.u ? "true" : "false");
        return;
    case TRAWL_FT_TIME: {
        char t[48];
        size_t n = trawl_time_format_utc(v->v.i, 6, t, sizeof t);
        trawl_out_mem(o, t, n < sizeof t ? n : sizeof t - 1);
        return;
    }
    case TRAWL_FT_RELTIME:
        put_seconds(o, v->v.i);
        return;
    case TRAWL_FT_STRING:
        put_text(o, v->v.p, v->len, in_set, quoted);
        return;
    case TRAWL_FT_U8: case TRAWL_FT_U16: case TRAWL_FT_U24: case TRAWL_FT_U32: case TRAWL_FT_U64: {
        char t[24];            /* always decimal, whatever the field's display base */
        int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v->v.u);
        trawl_out_mem(o, t, n > 0 ? (size_t)n : 0);
        return;
    }
    default:
        /* signed, doubles, addresses (by length), MACs, bytes (hex): the -T fields form, which
         * never holds ',', '"', ';', '\', CR or LF */
        trawl_out_value(o, v, TRAWL_FMT_FIELDS);
        return;
    }
}

/* ---- files ------------------------------------------------------------------------------ */

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; ; p++) {
        if (*p != '/' && *p)
            continue;
        char keep = *p;
        *p = 0;
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            return errno;
        *p = keep;
        if (!keep)
            break;
    }
    struct stat st;
    if (stat(path, &st) < 0)
        return errno;
    return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

static void fail(struct trawl_sink *s, struct csv_sink *c, struct clog *l, const char *name, int err)
{
    l->failed = true;
    trawl_sink_log(s, TRAWL_LOG_ERROR, "%s/%s.csv: %s", c->dir, name, strerror(err ? err : EIO));
    if (!c->stopped) {
        c->stopped = true;
        trawl_sink_stop(s);      /* a file that cannot be written: end the run, like a full disk */
    }
}

static bool open_log(struct trawl_sink *s, struct csv_sink *c, struct clog *l,
                     const struct trawl_record_type *t)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s.csv", c->dir, t->name) >= sizeof path) {
        fail(s, c, l, t->name, ENAMETOOLONG);
        return false;
    }
    l->f = fopen(path, "w");
    if (!l->f || trawl_out_init(&l->o, l->f, 0)) {
        int err = l->f ? ENOMEM : errno;
        if (l->f) fclose(l->f);
        l->f = NULL;
        fail(s, c, l, t->name, err);
        return false;
    }
    l->opened = true;
    for (unsigned i = 0; i < t->nfields; i++) {
        if (i)
            trawl_out_char(&l->o, ',');
        trawl_out_str(&l->o, t->columns[i].name);    /* [a-z0-9_.]: checked at registration */
    }
    trawl_out_char(&l->o, '\n');
    return true;
}

/* ---- sink ------------------------------------------------------------------------------- */

static void csv_free(struct csv_sink *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->nlogs; i++) {
        trawl_out_free(&c->logs[i].o);
        if (c->logs[i].f)
            fclose(c->logs[i].f);
    }
    free(c->logs);
    free(c->first);
    free(c->last);
    free(c->next);
    free(c->dir);
    free(c);
}

static int csv_open(struct trawl_sink *s)
{
    struct csv_sink *c = calloc(1, sizeof *c);
    if (!c)
        return TRAWL_ENOMEM;
    const char *dir = trawl_sink_option(s, "dir");
    c->dir = strdup(dir && *dir ? dir : ".");
    c->nlogs = trawl_sink_record_type_count(s);
    c->logs = calloc(c->nlogs ? c->nlogs : 1, sizeof *c->logs);
    for (uint32_t i = 0; i < c->nlogs; i++) {
        const struct trawl_record_type *t = trawl_sink_record_type(s, i);
        if (t && t->nfields > c->ncols_cap)
            c->ncols_cap = t->nfields;
    }
    c->first = calloc(c->ncols_cap + 1, sizeof *c->first);
    c->last = calloc(c->ncols_cap + 1, sizeof *c->last);
    c->next_cap = 64;
    c->next = calloc(c->next_cap, sizeof *c->next);
    if (!c->dir || !c->logs || !c->first || !c->last || !c->next) {
        csv_free(c);
        return TRAWL_ENOMEM;
    }
    int err = make_dirs(c->dir);
    if (!err && access(c->dir, W_OK | X_OK) < 0)
        err = errno;
    if (err) {
        trawl_sink_log(s, TRAWL_LOG_ERROR, "dir=%s: %s", c->dir, strerror(err));
        csv_free(c);
        return TRAWL_EIO;
    }
    trawl_sink_skip_packets(s);
    int rc = trawl_sink_want_records(s, NULL);
    if (rc < 0) {
        csv_free(c);
        return rc;
    }
    trawl_sink_set_state(s, c);
    return 0;
}

static void csv_record(struct trawl_sink *s, const struct trawl_record *rec)
{
    struct csv_sink *c = trawl_sink_state(s);
    const struct trawl_record_type *t = trawl_record_get_type(rec);
    if (!c || !t || t->id >= c->nlogs || t->nfields > c->ncols_cap)
        return;                  /* types are fixed at start: cannot happen */
    struct clog *l = &c->logs[t->id];
    if (l->failed || (!l->opened && !open_log(s, c, l, t)))
        return;

    size_t nv = 0;
    const struct trawl_value *vals = trawl_record_values(rec, &nv);
    if (nv > c->next_cap) {
        size_t cap = c->next_cap;
        while (cap < nv)
            cap *= 2;
        int32_t *nn = realloc(c->next, cap * sizeof *nn);
        if (!nn)
            return;              /* out of memory: this row is lost */
        c->next = nn;
        c->next_cap = cap;
    }
    for (unsigned k = 0; k < t->nfields; k++)
        c->first[k] = -1;
    for (size_t i = 0; i < nv; i++) {
        unsigned k = trawl_record_column(t, vals[i].field);
        if (k >= t->nfields)
            continue;
        c->next[i] = -1;
        if (c->first[k] < 0)
            c->first[k] = (int32_t)i;
        else
            c->next[c->last[k]] = (int32_t)i;
        c->last[k] = (int32_t)i;
    }

    struct trawl_out *o = &l->o;
    for (unsigned k = 0; k < t->nfields; k++) {
        if (k)
            trawl_out_char(o, ',');
        int32_t first = c->first[k];
        if (first < 0)
            continue;            /* unset: an empty cell */
        bool multi = t->columns[k].flags & (TRAWL_RF_SET | TRAWL_RF_LIST);
        bool quoted = false;
        if (vals[first].field->type == TRAWL_FT_STRING) {
            /* an empty string is "" so that it differs from unset */
            quoted = !multi && vals[first].len == 0;
            for (int32_t i = first; i >= 0 && !quoted; i = multi ? c->next[i] : -1)
                quoted = needs_quotes(vals[i].v.p, vals[i].len);
        }
        if (quoted)
            trawl_out_char(o, '"');
        for (int32_t i = first; i >= 0; i = multi ? c->next[i] : -1) {
            if (i != first)
                trawl_out_char(o, ';');
            put_value(o, &vals[i], multi, quoted);
        }
        if (quoted)
            trawl_out_char(o, '"');
    }
    trawl_out_char(o, '\n');
    if (TRAWL_UNLIKELY(o->err))
        fail(s, c, l, t->name, o->err);
}

static int csv_close(struct trawl_sink *s)
{
    struct csv_sink *c = trawl_sink_state(s);
    if (!c)
        return 0;
    int rc = 0;
    for (uint32_t i = 0; i < c->nlogs; i++) {
        struct clog *l = &c->logs[i];
        if (!l->opened)
            continue;
        const struct trawl_record_type *t = trawl_sink_record_type(s, i);
        int err = trawl_out_flush(&l->o) ? l->o.err : 0;
        if (fclose(l->f) != 0 && !err)
            err = errno ? errno : EIO;
        l->f = NULL;
        if (err && !l->failed)
            trawl_sink_log(s, TRAWL_LOG_ERROR, "%s/%s.csv: %s", c->dir, t ? t->name : "?", strerror(err));
        if (err || l->failed)
            rc = TRAWL_EIO;
    }
    csv_free(c);
    trawl_sink_set_state(s, NULL);
    return rc;
}

static const struct trawl_sink_def csv_sink_def = {
    .name = "csv",
    .summary = "records as CSV files, one per record type (dir=PATH)",
    .open = csv_open,
    .packet = NULL,
    .record = csv_record,
    .close = csv_close,
};

static int csv_init(struct trawl_init *ctx)
{
    return trawl_sink_register(ctx, &csv_sink_def, NULL);
}

TRAWL_PLUGIN_DESCRIPTOR(.name = "csv", .version = "1.0.0",
                        .summary = "CSV writer for records, one file per record type",
                        .init = csv_init);
