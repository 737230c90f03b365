/* json.c — the "json" sink: one flat, typed JSON object per frame, one per line (NDJSON).
 *
 * JSON is RFC 8259; NDJSON / JSON Lines is one such text per line, '\n'-terminated.
 *
 *   {"frame.number":1,"frame.time":"2014-01-02T08:37:49.848747Z",...,"ip.src":["10.0.0.1",
 *    "192.168.0.1"],...,"_layers":"eth:ip:udp","_errors":[{"layer":"udp","error":"truncated"}]}
 *
 * Keys are field names (Wireshark display-filter names), in the order of their first value in
 * the frame. Values are formatted by the engine (trawl_value_format, TRAWL_FMT_JSON): numbers
 * bare, booleans true/false, strings quoted and escaped. Absolute times are laid out here so
 * their precision follows the frame's clock: a UTC-based time field (frame.time) is an RFC 3339
 * string with 9 decimals when the file has nanosecond timestamps, 6 otherwise; an epoch-based
 * one (frame.time_epoch) is a JSON number of seconds with 9 decimals, as tshark prints it.
 *
 * Repeated fields: a field with several values in one frame (ip.src of an IP-in-IP packet,
 * dns.a of a response) is an array, in order; a field with one value is a scalar. The SDK has
 * no "may repeat" flag, so the type of a name can differ between frames; consumers that need
 * one type per name ask for `arrays=always` (every value becomes an array). See README.md.
 *
 * Options: e=FIELD (repeatable: only these fields, like tshark -T json -e), arrays=always,
 * records=no|yes|only (below).
 * Labels (FT_NONE) carry no value and are left out; "_layers" says which protocols were found.
 *
 * Records (record.h), with records=yes (packets and records in one stream, each record right
 * after the frame that made it) or records=only (`--records json`): one object per record,
 *
 *   {"_path":"conn","ts":"2014-01-02T09:37:49.848747Z","uid":"C...","id.orig_h":"10.0.0.1",
 *    "duration":0.013961,"tunnel_parents":["..."],...}
 *
 * keys are the type's column names in column order (Zeek's flat dotted names, as Zeek's JSON
 * logs have them), unset columns are absent, times are RFC 3339 UTC strings with 6 decimals,
 * durations numbers of seconds with 6 decimals, set and list columns arrays.
 */
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"

struct key {
    uint32_t fid;
    uint32_t count;
    int32_t head, tail;
};

/* What formatting one frame needs besides the sink's settings: one per thread that renders
 * (with worker threads frames are formatted on the workers: sink.h, trawl_sink_set_render). */
struct json_scratch {
    uint32_t nfields;
    uint32_t *stamp;         /* field id -> frame generation that last saw it */
    uint32_t *slot;          /* field id -> index in keys (valid when stamp == gen) */
    uint32_t gen;
    struct key *keys;
    int32_t *next;           /* per value: next value of the same field */
    size_t cap_vals;         /* capacity of keys and next */
    const struct trawl_proto *frame;   /* the engine's "frame" protocol, once seen */
};

struct json_sink {
    uint32_t nfields;
    uint8_t *only;           /* field id -> shown, when e= options restrict the fields */
    bool arrays_always;
    struct json_scratch *own;  /* the packet callback's (the reading thread's) */
    struct trawl_out o;
};

/* ---- output ----------------------------------------------------------------------------- */

/* A JSON string from trusted-ish text (field and protocol names): quotes, backslashes and
 * control characters are escaped; other bytes are copied (names are ASCII). */
static void out_jstr(struct trawl_out *o, const char *s)
{
    static const char hexd[] = "0123456789abcdef";
    trawl_out_char(o, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            trawl_out_char(o, '\\');
            trawl_out_char(o, (char)c);
        } else if (c < 0x20) {
            char e[6] = { '\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15] };
            trawl_out_mem(o, e, 6);
        } else {
            trawl_out_char(o, (char)c);
        }
    }
    trawl_out_char(o, '"');
}

static void out_value(struct trawl_out *o, const struct trawl_value *v, unsigned digits)
{
    const struct trawl_field *f = v->field;
    if (f->type == TRAWL_FT_TIME) {
        char t[48];
        if (f->base == TRAWL_BASE_EPOCH) {
            size_t n = trawl_time_format_epoch(v->v.i, t, sizeof t);
            trawl_out_mem(o, t, n < sizeof t ? n : sizeof t - 1);
        } else {
            size_t n = trawl_time_format_utc(v->v.i, digits, t, sizeof t);
            trawl_out_char(o, '"');
            trawl_out_mem(o, t, n < sizeof t ? n : sizeof t - 1);
            trawl_out_char(o, '"');
        }
        return;
    }
    /* A length that did not move means nothing was printed, or (rarely) that the buffer was
     * flushed and the value is exactly as long as what it held: then ask again. */
    size_t at = o->len;
    trawl_out_value(o, v, TRAWL_FMT_JSON);
    char c;
    if (TRAWL_UNLIKELY(o->len == at) && trawl_value_format(v, TRAWL_FMT_JSON, &c, 1) == 0)
        trawl_out_mem(o, "null", 4);          /* never leave a key without a value */
}

/* Is p the engine's "frame" protocol? Names are unique, so once it has been seen a pointer
 * comparison answers (this runs for every key of every frame). */
static bool is_frame(struct json_scratch *x, const struct trawl_proto *p)
{
    if (p == x->frame)
        return p != NULL;
    if (x->frame || !p || !p->name || strcmp(p->name, "frame"))
        return false;
    x->frame = p;
    return true;
}

/* ---- sink ------------------------------------------------------------------------------- */

static void scratch_free(void *p)
{
    struct json_scratch *x = p;
    if (!x)
        return;
    free(x->stamp);
    free(x->slot);
    free(x->keys);
    free(x->next);
    free(x);
}

static bool grow_vals(struct json_scratch *x, size_t n)
{
    size_t cap = x->cap_vals ? x->cap_vals : 256;
    while (cap < n)
        cap *= 2;
    struct key *nk = realloc(x->keys, cap * sizeof *nk);
    if (!nk)
        return false;
    x->keys = nk;
    int32_t *nn = realloc(x->next, cap * sizeof *nn);
    if (!nn)
        return false;
    x->next = nn;
    x->cap_vals = cap;
    return true;
}

static struct json_scratch *scratch_new(uint32_t nfields)
{
    struct json_scratch *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->nfields = nfields;
    size_t nf = nfields ? nfields : 1;
    x->stamp = calloc(nf, sizeof *x->stamp);
    x->slot = calloc(nf, sizeof *x->slot);
    if (!x->stamp || !x->slot || !grow_vals(x, 256)) {
        scratch_free(x);
        return NULL;
    }
    return x;
}

static void json_free(struct json_sink *j)
{
    if (!j)
        return;
    free(j->only);
    scratch_free(j->own);
    trawl_out_free(&j->o);
    free(j);
}

static void json_render(struct trawl_sink *s, const struct trawl_packet *pkt, struct trawl_out *o,
                        void **scratch);
static void json_write(struct trawl_sink *s, const char *bytes, size_t n);

static const struct trawl_sink_render json_render_def = {
    .render = json_render,
    .write = json_write,
    .free_scratch = scratch_free,
};

static int json_open(struct trawl_sink *s)
{
    struct json_sink *j = calloc(1, sizeof *j);
    if (!j)
        return TRAWL_ENOMEM;
    j->nfields = trawl_sink_field_count(s);
    size_t nf = j->nfields ? j->nfields : 1;
    j->own = scratch_new(j->nfields);
    if (!j->own || trawl_out_init(&j->o, trawl_sink_out(s), 0))
        goto nomem;

    /* Default: one JSON type per name (a stable schema for columnar stores): every dissector
     * field is an array, since any of them can repeat (tunnels, ICMP quotes, QinQ). */
    j->arrays_always = true;
    const char *v = trawl_sink_option(s, "arrays");
    if (v) {
        if (!strcmp(v, "always"))
            j->arrays_always = true;
        else if (!strcmp(v, "repeated"))
            j->arrays_always = false;
        else {
            trawl_sink_log(s, TRAWL_LOG_ERROR, "arrays=%s: expected always or repeated", v);
            json_free(j);
            return TRAWL_EINVAL;
        }
    }

    const char *rv = trawl_sink_option(s, "records");
    bool records = false, only_records = false;
    if (rv && !strcmp(rv, "only"))
        records = only_records = true;
    else if (rv && !strcmp(rv, "yes"))
        records = true;
    else if (rv && strcmp(rv, "no")) {
        trawl_sink_log(s, TRAWL_LOG_ERROR, "records=%s: expected only, yes or no", rv);
        json_free(j);
        return TRAWL_EINVAL;
    }
    if (records) {
        int rc = trawl_sink_want_records(s, NULL);
        if (rc < 0) {
            json_free(j);
            return rc;
        }
    }

    const char *const *names = NULL;
    size_t n = trawl_sink_options(s, "e", &names);
    if (only_records) {
        trawl_sink_skip_packets(s);     /* and no field is wanted for packets */
    } else if (n) {
        j->only = calloc(nf, 1);
        if (!j->only)
            goto nomem;
        for (size_t i = 0; i < n; i++) {
            const struct trawl_field *f = trawl_sink_want_field(s, names[i]);
            if (f && f->id < j->nfields)
                j->only[f->id] = 1;
            else
                trawl_sink_log(s, TRAWL_LOG_WARN,
                               "unknown field '%s': no loaded plugin declares it", names[i]);
        }
    } else {
        trawl_sink_want_all(s);
    }
    trawl_sink_set_state(s, j);
    if (!only_records)
        trawl_sink_set_render(s, &json_render_def);
    return 0;
nomem:
    json_free(j);
    return TRAWL_ENOMEM;
}

/* One frame's object into o. Reads only what open() set up, and the thread's scratch: with
 * worker threads it runs on the worker that dissected the frame. */
static void json_render(struct trawl_sink *s, const struct trawl_packet *pkt, struct trawl_out *o,
                        void **scratch)
{
    const struct json_sink *j = trawl_sink_state(s);
    if (!j)
        return;
    struct json_scratch *x = *scratch;
    if (TRAWL_UNLIKELY(!x)) {
        if (!(x = scratch_new(j->nfields))) {
            o->err = 12;             /* ENOMEM: the engine falls back to the packet callback */
            return;
        }
        *scratch = x;
    }
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    unsigned digits = fr->ts_precision == 9 ? 9 : 6;
    size_t nv = 0, nl = 0;
    const struct trawl_value *vals = trawl_packet_values(pkt, &nv);
    const struct trawl_layer *layers = trawl_packet_layers(pkt, &nl);
    if (TRAWL_UNLIKELY(nv > x->cap_vals) && !grow_vals(x, nv))
        nv = x->cap_vals;            /* out of memory: show what fits */

    if (TRAWL_UNLIKELY(++x->gen == 0)) {   /* generation wrapped: forget every stamp */
        memset(x->stamp, 0, x->nfields * sizeof *x->stamp);
        x->gen = 1;
    }
    uint32_t nkeys = 0;
    for (size_t i = 0; i < nv; i++) {
        const struct trawl_field *f = vals[i].field;
        if (!f || f->id >= j->nfields || f->type == TRAWL_FT_NONE)
            continue;
        if (j->only && !j->only[f->id])
            continue;
        x->next[i] = -1;
        if (x->stamp[f->id] != x->gen) {
            x->stamp[f->id] = x->gen;
            x->slot[f->id] = nkeys;
            x->keys[nkeys++] = (struct key){ f->id, 1, (int32_t)i, (int32_t)i };
        } else {
            struct key *k = &x->keys[x->slot[f->id]];
            x->next[k->tail] = (int32_t)i;
            k->tail = (int32_t)i;
            k->count++;
        }
    }

    trawl_out_char(o, '{');
    for (uint32_t ki = 0; ki < nkeys; ki++) {
        const struct key *k = &x->keys[ki];
        const struct trawl_value *first = &vals[k->head];
        if (ki)
            trawl_out_char(o, ',');
        out_jstr(o, first->field->name);
        trawl_out_char(o, ':');
        /* frame.* are the engine's: exactly one per frame, so always scalars. */
        bool once = is_frame(x, first->field->proto);
        if (k->count == 1 && (once || !j->arrays_always)) {
            out_value(o, first, digits);
            continue;
        }
        trawl_out_char(o, '[');
        for (int32_t i = k->head; i >= 0; i = x->next[i]) {
            if (i != k->head)
                trawl_out_char(o, ',');
            out_value(o, &vals[i], digits);
        }
        trawl_out_char(o, ']');
    }

    if (nkeys)
        trawl_out_char(o, ',');
    trawl_out_str(o, "\"_layers\":\"");
    bool any = false;
    for (size_t i = 0; i < nl; i++) {
        const struct trawl_proto *p = layers[i].proto;
        if (!p || !p->name || is_frame(x, p))
            continue;
        if (any)
            trawl_out_char(o, ':');
        trawl_out_str(o, p->name);         /* [a-z0-9_.-]: checked at registration */
        any = true;
    }
    trawl_out_char(o, '"');

    unsigned errs = trawl_packet_errors(pkt);
    if (errs) {
        trawl_out_str(o, ",\"_errors\":[");
        unsigned seen = 0;
        bool first = true;
        for (size_t i = 0; i < nl; i++) {
            uint8_t e = layers[i].err;
            for (unsigned bit = TRAWL_BUF_TRUNCATED; bit <= TRAWL_BUF_MALFORMED; bit <<= 1) {
                if (!(e & bit))
                    continue;
                if (!first)
                    trawl_out_char(o, ',');
                first = false;
                trawl_out_str(o, "{\"layer\":");
                out_jstr(o, layers[i].proto && layers[i].proto->name ? layers[i].proto->name : "?");
                trawl_out_str(o, bit == TRAWL_BUF_TRUNCATED ? ",\"error\":\"truncated\"}"
                                                             : ",\"error\":\"malformed\"}");
                seen |= bit;
            }
        }
        /* flags the engine saw outside any layer */
        for (unsigned bit = TRAWL_BUF_TRUNCATED; bit <= TRAWL_BUF_MALFORMED; bit <<= 1) {
            if (!(errs & bit) || (seen & bit))
                continue;
            if (!first)
                trawl_out_char(o, ',');
            first = false;
            trawl_out_str(o, bit == TRAWL_BUF_TRUNCATED
                                 ? "{\"layer\":\"frame\",\"error\":\"truncated\"}"
                                 : "{\"layer\":\"frame\",\"error\":\"malformed\"}");
        }
        trawl_out_char(o, ']');
    }
    trawl_out_mem(o, "}\n", 2);
}

/* The rendered object, in frame order (the reading thread). */
static void json_write(struct trawl_sink *s, const char *bytes, size_t n)
{
    struct json_sink *j = trawl_sink_state(s);
    if (!j)
        return;
    trawl_out_mem(&j->o, bytes, n);
    if (TRAWL_UNLIKELY(j->o.err))
        trawl_sink_stop(s);   /* the output is gone: stop reading input */
}

/* Without threads: render straight into the output buffer. */
static void json_packet(struct trawl_sink *s, const struct trawl_packet *pkt)
{
    struct json_sink *j = trawl_sink_state(s);
    if (!j)
        return;
    void *own = j->own;
    json_render(s, pkt, &j->o, &own);
    if (TRAWL_UNLIKELY(j->o.err))
        trawl_sink_stop(s);   /* the output is gone: stop reading input */
}

/* ---- records ---------------------------------------------------------------------------- */

static void out_record_value(struct trawl_out *o, const struct trawl_value *v)
{
    if (v->field->type == TRAWL_FT_TIME) {
        char t[48];
        size_t n = trawl_time_format_utc(v->v.i, 6, t, sizeof t);
        trawl_out_char(o, '"');
        trawl_out_mem(o, t, n < sizeof t ? n : sizeof t - 1);
        trawl_out_char(o, '"');
    } else if (v->field->type == TRAWL_FT_RELTIME) {
        trawl_out_seconds(o, v->v.i);
    } else {
        out_value(o, v, 6);
    }
}

static void json_record(struct trawl_sink *s, const struct trawl_record *rec)
{
    struct json_sink *j = trawl_sink_state(s);
    const struct trawl_record_type *t = trawl_record_get_type(rec);
    if (!j || !t)
        return;
    struct trawl_out *o = &j->o;
    trawl_out_str(o, "{\"_path\":");
    out_jstr(o, t->name);
    for (unsigned c = 0; c < t->nfields; c++) {
        size_t pos = 0;
        const struct trawl_value *v = trawl_record_value_next(rec, c, &pos);
        if (!v)
            continue;            /* unset: absent, as in Zeek's JSON logs */
        trawl_out_char(o, ',');
        out_jstr(o, t->columns[c].name);
        trawl_out_char(o, ':');
        if (!(t->columns[c].flags & (TRAWL_RF_SET | TRAWL_RF_LIST))) {
            out_record_value(o, v);
            continue;
        }
        trawl_out_char(o, '[');
        for (bool first = true; v; v = trawl_record_value_next(rec, c, &pos), first = false) {
            if (!first)
                trawl_out_char(o, ',');
            out_record_value(o, v);
        }
        trawl_out_char(o, ']');
    }
    trawl_out_mem(o, "}\n", 2);
    if (TRAWL_UNLIKELY(j->o.err))
        trawl_sink_stop(s);
}

static int json_close(struct trawl_sink *s)
{
    struct json_sink *j = trawl_sink_state(s);
    if (!j)
        return 0;
    int rc = trawl_out_flush(&j->o);
    if (rc)
        trawl_sink_log(s, TRAWL_LOG_ERROR, "writing the JSON output failed: %s",
                       strerror(j->o.err));
    json_free(j);
    trawl_sink_set_state(s, NULL);
    return rc;
}

static const struct trawl_sink_def json_sink_def = {
    .name = "json",
    .summary = "NDJSON: one flat, typed object per frame or record",
    .open = json_open,
    .packet = json_packet,
    .record = json_record,     /* with records=yes or records=only */
    .close = json_close,
};

static int json_init(struct trawl_init *ctx)
{
    return trawl_sink_register(ctx, &json_sink_def, NULL);
}

TRAWL_PLUGIN_DESCRIPTOR(.name = "json", .version = "1.0.0",
                        .summary = "NDJSON output sink (flat, typed, one object per frame or record)",
                        .init = json_init);
