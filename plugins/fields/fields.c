/* fields.c — the "fields" sink: tshark's `-T fields` (one line per frame, one column per -e).
 *
 * No RFC; the reference is tshark 4.0's behaviour (checked against `tshark -T fields` with
 * -E header/separator/occurrence/aggregator/quote):
 *   - columns in -e order; every occurrence of the field in the frame, in the order the
 *     dissectors added them, joined by the aggregator (occurrence=a), or only the first (f) or
 *     the last (l);
 *   - quote=d|s wraps a non-empty column in '"' or '\'' and escapes nothing inside (tshark 4.0
 *     does not either); an empty column stays empty; the header line is never quoted;
 *   - values are formatted by the engine (trawl_value_format, TRAWL_FMT_FIELDS), which already
 *     escapes control characters in strings as tshark does ("\r\n"), so a line never breaks.
 *
 * Speed: everything per-column is prepared in open(). Per frame, one pass over the frame's
 * values maps field id -> column through a flat array indexed by trawl_field.id and threads the
 * values of each column into a linked list (an index array reused from frame to frame); then
 * the columns are written in order into the SDK's output buffer (struct trawl_out: fwrite in
 * 64 KiB chunks). The steady path allocates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"

/* What a column shows. */
enum col_kind {
    COL_FIELD,       /* a registered field */
    COL_UNKNOWN,     /* a name no loaded plugin knows: always empty */
    COL_PROTOCOL,    /* _ws.col.Protocol */
    COL_INFO,        /* _ws.col.Info (with tshark's error suffixes) */
    COL_SRC,         /* _ws.col.Source */
    COL_DST,         /* _ws.col.Destination */
    COL_NUMBER,      /* _ws.col.No. */
    COL_TIME,        /* _ws.col.Time: seconds since the first frame */
    COL_LENGTH,      /* _ws.col.Length */
};

struct column {
    const char *name;
    enum col_kind kind;
    uint32_t canon;          /* for a field asked twice: the first column with it */
};

/* What formatting one frame needs besides the sink's settings: one per thread that renders. */
struct fields_scratch {
    int32_t *head, *tail;    /* per column: this frame's values (indices into its value array) */
    int32_t *next;           /* per value of the frame: next value of its column */
    size_t next_cap;
};

struct fields_sink {
    struct column *cols;
    uint32_t ncols;
    int32_t *col_of_field;   /* field id -> column, -1 when not shown */
    uint32_t nfields;
    struct fields_scratch *own;   /* the packet callback's (the reading thread's) */
    char sep, agg, quote;
    enum { OCC_ALL, OCC_FIRST, OCC_LAST } occ;
    bool header;
    bool bom;
    struct trawl_out o;
};

/* ---- output ----------------------------------------------------------------------------- */

static void out_u64(struct trawl_out *o, uint64_t x)
{
    char tmp[24];
    size_t n = sizeof tmp;
    do {
        tmp[--n] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    trawl_out_mem(o, tmp + n, sizeof tmp - n);
}

/* "S.ffffff" (digits decimals) for a signed duration in ns, as tshark's relative time. */
static void out_reltime(struct trawl_out *o, int64_t ns, unsigned digits)
{
    uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    uint64_t sec = a / 1000000000u, frac = a % 1000000000u;
    if (digits > 9)
        digits = 9;
    for (unsigned i = digits; i < 9; i++)
        frac /= 10;
    if (digits)
        trawl_out_printf(o, "%s%llu.%0*llu", ns < 0 ? "-" : "", (unsigned long long)sec,
                         (int)digits, (unsigned long long)frac);
    else
        trawl_out_printf(o, "%s%llu", ns < 0 ? "-" : "", (unsigned long long)sec);
}


/* ---- options ---------------------------------------------------------------------------- */

/* tshark's -E separator / aggregator value: "/t" tab (separator only), "/s" space, '/' followed
 * by anything else a backslash (tshark 4.0 does exactly this), else the first character. */
static bool parse_char(const char *v, bool tab_ok, char *out)
{
    if (!v || !*v)
        return false;
    if (v[0] == '/')
        *out = v[1] == 's' ? ' ' : v[1] == 't' && tab_ok ? '\t' : '\\';
    else
        *out = v[0];
    return true;
}

/* Like tshark, only the first character of header/bom/occurrence/quote values counts
 * ("header=yes" is "y"). */
static bool parse_yn(const char *v, bool *out)
{
    if (!v)
        return true;
    if (v[0] == 'y')
        *out = true;
    else if (v[0] == 'n')
        *out = false;
    else
        return false;
    return true;
}

static const struct { const char *name; enum col_kind kind; } special_cols[] = {
    { "_ws.col.Protocol", COL_PROTOCOL },    { "_ws.col.protocol", COL_PROTOCOL },
    { "_ws.col.Info", COL_INFO },            { "_ws.col.info", COL_INFO },
    { "_ws.col.Source", COL_SRC },           { "_ws.col.def_src", COL_SRC },
    { "_ws.col.Destination", COL_DST },      { "_ws.col.def_dst", COL_DST },
    { "_ws.col.No.", COL_NUMBER },           { "_ws.col.number", COL_NUMBER },
    { "_ws.col.Time", COL_TIME },            { "_ws.col.cls_time", COL_TIME },
    { "_ws.col.Length", COL_LENGTH },        { "_ws.col.packet_length", COL_LENGTH },
};

static void scratch_free(void *p)
{
    struct fields_scratch *x = p;
    if (!x)
        return;
    free(x->head);
    free(x->tail);
    free(x->next);
    free(x);
}

static struct fields_scratch *scratch_new(uint32_t ncols)
{
    struct fields_scratch *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->next_cap = 256;
    x->head = malloc((ncols ? ncols : 1) * sizeof *x->head);
    x->tail = malloc((ncols ? ncols : 1) * sizeof *x->tail);
    x->next = malloc(x->next_cap * sizeof *x->next);
    if (!x->head || !x->tail || !x->next) {
        scratch_free(x);
        return NULL;
    }
    return x;
}

static void fields_free(struct fields_sink *f)
{
    if (!f)
        return;
    free(f->cols);
    free(f->col_of_field);
    scratch_free(f->own);
    trawl_out_free(&f->o);
    free(f);
}

static void fields_render(struct trawl_sink *s, const struct trawl_packet *pkt, struct trawl_out *o,
                          void **scratch);
static void fields_write(struct trawl_sink *s, const char *bytes, size_t n);

/* With worker threads, frames are formatted on the workers (sink.h, trawl_sink_set_render). */
static const struct trawl_sink_render fields_render_def = {
    .render = fields_render,
    .write = fields_write,
    .free_scratch = scratch_free,
};

static int fields_open(struct trawl_sink *s)
{
    struct fields_sink *f = calloc(1, sizeof *f);
    if (!f)
        return TRAWL_ENOMEM;
    f->sep = '\t';
    f->agg = ',';
    f->occ = OCC_ALL;

    const char *v;
    if (!parse_yn(trawl_sink_option(s, "header"), &f->header)) {
        trawl_sink_log(s, TRAWL_LOG_ERROR, "-E header=%s: expected y or n", trawl_sink_option(s, "header"));
        goto bad;
    }
    if (!parse_yn(trawl_sink_option(s, "bom"), &f->bom)) {
        trawl_sink_log(s, TRAWL_LOG_ERROR, "-E bom=%s: expected y or n", trawl_sink_option(s, "bom"));
        goto bad;
    }
    if ((v = trawl_sink_option(s, "separator")) && !parse_char(v, true, &f->sep)) {
        trawl_sink_log(s, TRAWL_LOG_ERROR, "-E separator: empty (expected /t, /s or a character)");
        goto bad;
    }
    if ((v = trawl_sink_option(s, "aggregator")) && !parse_char(v, false, &f->agg)) {
        trawl_sink_log(s, TRAWL_LOG_ERROR, "-E aggregator: empty (expected ',', /s or a character)");
        goto bad;
    }
    if ((v = trawl_sink_option(s, "occurrence"))) {
        if (v[0] == 'a')
            f->occ = OCC_ALL;
        else if (v[0] == 'f')
            f->occ = OCC_FIRST;
        else if (v[0] == 'l')
            f->occ = OCC_LAST;
        else {
            trawl_sink_log(s, TRAWL_LOG_ERROR, "-E occurrence=%s: expected f, l or a", v);
            goto bad;
        }
    }
    if ((v = trawl_sink_option(s, "quote"))) {
        if (v[0] == 'd')
            f->quote = '"';
        else if (v[0] == 's')
            f->quote = '\'';
        else if (v[0] == 'n')
            f->quote = 0;
        else {
            trawl_sink_log(s, TRAWL_LOG_ERROR, "-E quote=%s: expected d, s or n", v);
            goto bad;
        }
    }

    const char *const *names = NULL;
    size_t n = trawl_sink_options(s, "e", &names);
    f->nfields = trawl_sink_field_count(s);
    f->col_of_field = malloc((f->nfields ? f->nfields : 1) * sizeof *f->col_of_field);
    f->cols = calloc(n ? n : 1, sizeof *f->cols);
    f->own = scratch_new((uint32_t)n);
    if (!f->col_of_field || !f->cols || !f->own || trawl_out_init(&f->o, trawl_sink_out(s), 0))
        goto nomem;
    for (uint32_t i = 0; i < f->nfields; i++)
        f->col_of_field[i] = -1;

    bool cols = false;
    for (size_t i = 0; i < n; i++) {
        struct column *c = &f->cols[f->ncols++];
        c->name = names[i];
        c->canon = (uint32_t)i;
        c->kind = COL_UNKNOWN;
        for (size_t k = 0; k < sizeof special_cols / sizeof special_cols[0]; k++)
            if (!strcmp(names[i], special_cols[k].name)) {
                c->kind = special_cols[k].kind;
                break;
            }
        if (c->kind == COL_PROTOCOL || c->kind == COL_INFO || c->kind == COL_SRC ||
            c->kind == COL_DST)
            cols = true;
        if (c->kind != COL_UNKNOWN)
            continue;
        const struct trawl_field *fld = trawl_sink_want_field(s, names[i]);
        if (!fld || fld->id >= f->nfields) {
            bool dup = false;        /* one warning per name, even if asked twice */
            for (size_t k = 0; k < i; k++)
                if (!strcmp(names[k], names[i]))
                    dup = true;
            if (!dup)
                trawl_sink_log(s, TRAWL_LOG_WARN,
                               "unknown field '%s': no loaded plugin declares it; its column stays empty",
                               names[i]);
            continue;
        }
        c->kind = COL_FIELD;
        if (f->col_of_field[fld->id] >= 0)
            c->canon = (uint32_t)f->col_of_field[fld->id];
        else
            f->col_of_field[fld->id] = (int32_t)i;
    }
    if (cols)
        trawl_sink_want_cols(s);

    if (f->bom)
        trawl_out_mem(&f->o, "\xef\xbb\xbf", 3);
    if (f->header) {
        for (uint32_t i = 0; i < f->ncols; i++) {
            if (i)
                trawl_out_char(&f->o, f->sep);
            trawl_out_str(&f->o, f->cols[i].name);
        }
        trawl_out_char(&f->o, '\n');
    }
    trawl_sink_set_state(s, f);
    trawl_sink_set_render(s, &fields_render_def);
    return 0;
nomem:
    fields_free(f);
    return TRAWL_ENOMEM;
bad:
    fields_free(f);
    return TRAWL_EINVAL;
}

/* ---- per frame -------------------------------------------------------------------------- */

/* Does the column print anything this frame? (quote=d|s leaves empty columns unquoted.) */
static bool col_has_text(const struct fields_scratch *x, const struct column *c,
                         const struct trawl_packet *pkt)
{
    switch (c->kind) {
    case COL_FIELD:    return x->head[c->canon] >= 0;
    case COL_UNKNOWN:  return false;
    case COL_PROTOCOL: return *trawl_packet_protocol(pkt) != 0;
    case COL_INFO:     return *trawl_packet_col(pkt, TRAWL_COL_INFO) != 0 ||
                              (trawl_packet_errors(pkt) & (TRAWL_BUF_MALFORMED | TRAWL_BUF_TRUNCATED));
    case COL_SRC:      return *trawl_packet_col(pkt, TRAWL_COL_SRC) != 0;
    case COL_DST:      return *trawl_packet_col(pkt, TRAWL_COL_DST) != 0;
    default:           return true;
    }
}

/* One frame's line into o. Reads only what open() set up, and the thread's scratch: with
 * worker threads it runs on the worker that dissected the frame (trawl_sink_set_render). */
static void fields_render(struct trawl_sink *s, const struct trawl_packet *pkt, struct trawl_out *o,
                          void **scratch)
{
    const struct fields_sink *f = trawl_sink_state(s);
    if (!f)
        return;
    struct fields_scratch *x = *scratch;
    if (TRAWL_UNLIKELY(!x)) {
        if (!(x = scratch_new(f->ncols))) {
            o->err = 12;             /* ENOMEM: the engine falls back to the packet callback */
            return;
        }
        *scratch = x;
    }
    const struct trawl_frame *fr = trawl_packet_frame(pkt);

    size_t nv = 0;
    const struct trawl_value *vals = trawl_packet_values(pkt, &nv);
    if (TRAWL_UNLIKELY(nv > x->next_cap)) {
        size_t cap = x->next_cap;
        while (cap < nv)
            cap *= 2;
        int32_t *nn = realloc(x->next, cap * sizeof *nn);
        if (nn) {
            x->next = nn;
            x->next_cap = cap;
        } else {
            nv = x->next_cap;       /* out of memory: show what fits */
        }
    }

    int32_t *head = x->head, *tail = x->tail, *next = x->next;
    for (uint32_t i = 0; i < f->ncols; i++)
        head[i] = tail[i] = -1;
    for (size_t i = 0; i < nv; i++) {
        const struct trawl_field *fld = vals[i].field;
        if (!fld || fld->id >= f->nfields)
            continue;
        int32_t c = f->col_of_field[fld->id];
        if (c < 0)
            continue;
        next[i] = -1;
        if (tail[c] < 0)
            head[c] = (int32_t)i;
        else
            next[tail[c]] = (int32_t)i;
        tail[c] = (int32_t)i;
    }

    for (uint32_t i = 0; i < f->ncols; i++) {
        if (i)
            trawl_out_char(o, f->sep);
        const struct column *c = &f->cols[i];
        bool quoted = f->quote && col_has_text(x, c, pkt);
        if (quoted)
            trawl_out_char(o, f->quote);
        switch (c->kind) {
        case COL_FIELD: {
            int32_t h = head[c->canon];
            if (h < 0)
                break;
            if (f->occ == OCC_FIRST) {
                trawl_out_value(o, &vals[h], TRAWL_FMT_FIELDS);
            } else if (f->occ == OCC_LAST) {
                trawl_out_value(o, &vals[tail[c->canon]], TRAWL_FMT_FIELDS);
            } else {
                for (int32_t k = h; k >= 0; k = next[k]) {
                    if (k != h)
                        trawl_out_char(o, f->agg);
                    trawl_out_value(o, &vals[k], TRAWL_FMT_FIELDS);
                }
            }
            break;
        }
        case COL_UNKNOWN:
            break;
        case COL_PROTOCOL:
            trawl_out_str(o, trawl_packet_protocol(pkt));
            break;
        case COL_INFO:
            trawl_out_str(o, trawl_packet_col(pkt, TRAWL_COL_INFO));
            break;
        case COL_SRC:
            trawl_out_str(o, trawl_packet_col(pkt, TRAWL_COL_SRC));
            break;
        case COL_DST:
            trawl_out_str(o, trawl_packet_col(pkt, TRAWL_COL_DST));
            break;
        case COL_NUMBER:
            out_u64(o, fr->number);
            break;
        case COL_TIME:
            out_reltime(o, trawl_packet_time_relative(pkt), fr->ts_precision ? fr->ts_precision : 6);
            break;
        case COL_LENGTH:
            out_u64(o, fr->len);
            break;
        }
        if (quoted)
            trawl_out_char(o, f->quote);
    }
    trawl_out_char(o, '\n');
}

/* The rendered line, in frame order (the reading thread). */
static void fields_write(struct trawl_sink *s, const char *bytes, size_t n)
{
    struct fields_sink *f = trawl_sink_state(s);
    if (!f)
        return;
    trawl_out_mem(&f->o, bytes, n);
    if (TRAWL_UNLIKELY(f->o.err))
        trawl_sink_stop(s);   /* the output is gone: stop reading input */
}

/* Without threads: render straight into the output buffer. */
static void fields_packet(struct trawl_sink *s, const struct trawl_packet *pkt)
{
    struct fields_sink *f = trawl_sink_state(s);
    if (!f)
        return;
    void *own = f->own;
    fields_render(s, pkt, &f->o, &own);
    if (TRAWL_UNLIKELY(f->o.err))
        trawl_sink_stop(s);   /* the output is gone: stop reading input */
}

static int fields_close(struct trawl_sink *s)
{
    struct fields_sink *f = trawl_sink_state(s);
    if (!f)
        return 0;
    int rc = trawl_out_flush(&f->o);
    if (rc)
        trawl_sink_log(s, TRAWL_LOG_ERROR, "writing the fields output failed: %s",
                       strerror(f->o.err));
    fields_free(f);
    trawl_sink_set_state(s, NULL);
    return rc;
}

static const struct trawl_sink_def fields_sink_def = {
    .name = "fields",
    .summary = "tshark -T fields: one line per frame, one column per -e field",
    .open = fields_open,
    .packet = fields_packet,
    .record = NULL,
    .close = fields_close,
};

static int fields_init(struct trawl_init *ctx)
{
    return trawl_sink_register(ctx, &fields_sink_def, NULL);
}

TRAWL_PLUGIN_DESCRIPTOR(.name = "fields", .version = "1.0.0",
                        .summary = "tshark-style -T fields output sink",
                        .init = fields_init);
