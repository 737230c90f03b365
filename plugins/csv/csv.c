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
 * Options: dir=PATH (default "."; created, with its parents, when missing). The folder and its
 * files are the SDK's (logdir.h); this file is the CSV.
 */
#include "trawl/trawl.h"

/* ---- values ----------------------------------------------------------------------------- */

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
        trawl_out_seconds(o, v->v.i);
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

/* ---- sink: its state is the folder ---------------------------------------------------- */

static int csv_open(struct trawl_sink *s)
{
    struct trawl_logdir *d;
    int rc = trawl_logdir_open(s, ".csv", &d);
    if (rc < 0)
        return rc;
    trawl_sink_skip_packets(s);
    rc = trawl_sink_want_records(s, NULL);
    if (rc < 0) {
        trawl_logdir_close(d, NULL, NULL);
        return rc;
    }
    trawl_sink_set_state(s, d);
    return 0;
}

/* A set or list column is one cell of all its values; any other column, of its one value. */
static const struct trawl_value *next_in_cell(const struct trawl_record *rec, unsigned col,
                                              bool multi, size_t *pos)
{
    return multi ? trawl_record_value_next(rec, col, pos) : NULL;
}

static void csv_record(struct trawl_sink *s, const struct trawl_record *rec)
{
    struct trawl_logdir *d = trawl_sink_state(s);
    const struct trawl_record_type *t = trawl_record_get_type(rec);
    bool created;
    struct trawl_out *o = trawl_logdir_out(d, t, &created);
    if (!o)
        return;
    if (created) {
        for (unsigned k = 0; k < t->nfields; k++) {
            if (k)
                trawl_out_char(o, ',');
            trawl_out_str(o, t->columns[k].name);    /* [a-z0-9_.]: checked at registration */
        }
        trawl_out_char(o, '\n');
    }

    for (unsigned k = 0; k < t->nfields; k++) {
        if (k)
            trawl_out_char(o, ',');
        size_t pos = 0;
        const struct trawl_value *first = trawl_record_value_next(rec, k, &pos);
        if (!first)
            continue;            /* unset: an empty cell */
        size_t rest = pos;       /* where the cell's other values are looked for */
        bool multi = t->columns[k].flags & (TRAWL_RF_SET | TRAWL_RF_LIST);
        bool quoted = false;
        if (first->field->type == TRAWL_FT_STRING) {
            /* an empty string is "" so that it differs from unset */
            quoted = !multi && first->len == 0;
            for (const struct trawl_value *v = first; v && !quoted; v = next_in_cell(rec, k, multi, &pos))
                quoted = needs_quotes(v->v.p, v->len);
        }
        if (quoted)
            trawl_out_char(o, '"');
        pos = rest;
        for (const struct trawl_value *v = first; v; v = next_in_cell(rec, k, multi, &pos)) {
            if (v != first)
                trawl_out_char(o, ';');
            put_value(o, v, multi, quoted);
        }
        if (quoted)
            trawl_out_char(o, '"');
    }
    trawl_out_char(o, '\n');
    trawl_logdir_check(d, t);
}

static int csv_close(struct trawl_sink *s)
{
    int rc = trawl_logdir_close(trawl_sink_state(s), NULL, NULL);
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
