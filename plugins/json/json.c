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
 * Options: e=FIELD (repeatable: only these fields, like tshark -T json -e), arrays=always.
 * Labels (FT_NONE) carry no value and are left out; "_layers" says which protocols were found.
 */
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"

#define OUT_CAP   (256u * 1024u)
#define FLUSH_AT  (64u * 1024u)
#define VAL_ROOM  128u

struct key {
    uint32_t fid;
    uint32_t count;
    int32_t head, tail;
};

struct json_sink {
    uint32_t nfields;
    uint32_t *stamp;         /* field id -> frame generation that last saw it */
    uint32_t *slot;          /* field id -> index in keys (valid when stamp == gen) */
    uint8_t *only;           /* field id -> shown, when e= options restrict the fields */
    uint32_t gen;
    struct key *keys;
    int32_t *next;           /* per value: next value of the same field */
    size_t cap_vals;         /* capacity of keys and next */
    bool arrays_always;
    FILE *out;
    char *buf;
    size_t len, cap;
    bool werr;
};

/* ---- output buffer ---------------------------------------------------------------------- */

static void out_flush(struct json_sink *j)
{
    if (j->len && fwrite(j->buf, 1, j->len, j->out) != j->len)
        j->werr = true;
    j->len = 0;
}

static bool out_room(struct json_sink *j, size_t n)
{
    if (TRAWL_LIKELY(j->cap - j->len >= n))
        return true;
    out_flush(j);
    if (j->cap >= n)
        return true;
    size_t cap = j->cap;
    while (cap < n)
        cap *= 2;
    char *nb = realloc(j->buf, cap);
    if (!nb)
        return false;
    j->buf = nb;
    j->cap = cap;
    return true;
}

static inline void out_char(struct json_sink *j, char c)
{
    if (TRAWL_LIKELY(j->len < j->cap) || out_room(j, 1))
        j->buf[j->len++] = c;
}

static void out_mem(struct json_sink *j, const char *s, size_t n)
{
    if (!out_room(j, n))
        return;
    memcpy(j->buf + j->len, s, n);
    j->len += n;
}

static void out_str(struct json_sink *j, const char *s)
{
    out_mem(j, s, strlen(s));
}

/* A JSON string from trusted-ish text (field and protocol names): quotes, backslashes and
 * control characters are escaped; other bytes are copied (names are ASCII). */
static void out_jstr(struct json_sink *j, const char *s)
{
    static const char hexd[] = "0123456789abcdef";
    out_char(j, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out_char(j, '\\');
            out_char(j, (char)c);
        } else if (c < 0x20) {
            char e[6] = { '\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15] };
            out_mem(j, e, 6);
        } else {
            out_char(j, (char)c);
        }
    }
    out_char(j, '"');
}

static void out_value(struct json_sink *j, const struct trawl_value *v, unsigned digits)
{
    const struct trawl_field *f = v->field;
    if (f->type == TRAWL_FT_TIME) {
        if (!out_room(j, 48))
            return;
        if (f->base != TRAWL_BASE_EPOCH) {
            j->buf[j->len++] = '"';
            j->len += trawl_time_format_utc(v->v.i, digits, j->buf + j->len, j->cap - j->len);
            j->buf[j->len++] = '"';
        } else {
            j->len += trawl_time_format_epoch(v->v.i, j->buf + j->len, j->cap - j->len);
        }
        return;
    }
    if (!out_room(j, VAL_ROOM))
        return;
    size_t avail = j->cap - j->len;
    size_t n = trawl_value_format(v, TRAWL_FMT_JSON, j->buf + j->len, avail);
    if (n >= avail) {
        if (!out_room(j, n + 1))
            return;
        n = trawl_value_format(v, TRAWL_FMT_JSON, j->buf + j->len, j->cap - j->len);
    }
    if (n == 0)                       /* never leave a key without a value */
        out_mem(j, "null", 4);
    j->len += n;
}

/* ---- sink ------------------------------------------------------------------------------- */

static void json_free(struct json_sink *j)
{
    if (!j)
        return;
    free(j->stamp);
    free(j->slot);
    free(j->only);
    free(j->keys);
    free(j->next);
    free(j->buf);
    free(j);
}

static bool grow_vals(struct json_sink *j, size_t n)
{
    size_t cap = j->cap_vals ? j->cap_vals : 256;
    while (cap < n)
        cap *= 2;
    struct key *nk = realloc(j->keys, cap * sizeof *nk);
    if (!nk)
        return false;
    j->keys = nk;
    int32_t *nn = realloc(j->next, cap * sizeof *nn);
    if (!nn)
        return false;
    j->next = nn;
    j->cap_vals = cap;
    return true;
}

static int json_open(struct trawl_sink *s)
{
    struct json_sink *j = calloc(1, sizeof *j);
    if (!j)
        return TRAWL_ENOMEM;
    j->out = trawl_sink_out(s);
    j->nfields = trawl_sink_field_count(s);
    size_t nf = j->nfields ? j->nfields : 1;
    j->stamp = calloc(nf, sizeof *j->stamp);
    j->slot = calloc(nf, sizeof *j->slot);
    j->cap = OUT_CAP;
    j->buf = malloc(j->cap);
    if (!j->stamp || !j->slot || !j->buf || !grow_vals(j, 256))
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

    const char *const *names = NULL;
    size_t n = trawl_sink_options(s, "e", &names);
    if (n) {
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
    return 0;
nomem:
    json_free(j);
    return TRAWL_ENOMEM;
}

static void json_packet(struct trawl_sink *s, const struct trawl_packet *pkt)
{
    struct json_sink *j = trawl_sink_state(s);
    if (!j)
        return;
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    unsigned digits = fr->ts_precision == 9 ? 9 : 6;
    size_t nv = 0, nl = 0;
    const struct trawl_value *vals = trawl_packet_values(pkt, &nv);
    const struct trawl_layer *layers = trawl_packet_layers(pkt, &nl);
    if (TRAWL_UNLIKELY(nv > j->cap_vals) && !grow_vals(j, nv))
        nv = j->cap_vals;            /* out of memory: show what fits */

    if (TRAWL_UNLIKELY(++j->gen == 0)) {   /* generation wrapped: forget every stamp */
        memset(j->stamp, 0, j->nfields * sizeof *j->stamp);
        j->gen = 1;
    }
    uint32_t nkeys = 0;
    for (size_t i = 0; i < nv; i++) {
        const struct trawl_field *f = vals[i].field;
        if (!f || f->id >= j->nfields || f->type == TRAWL_FT_NONE)
            continue;
        if (j->only && !j->only[f->id])
            continue;
        j->next[i] = -1;
        if (j->stamp[f->id] != j->gen) {
            j->stamp[f->id] = j->gen;
            j->slot[f->id] = nkeys;
            j->keys[nkeys++] = (struct key){ f->id, 1, (int32_t)i, (int32_t)i };
        } else {
            struct key *k = &j->keys[j->slot[f->id]];
            j->next[k->tail] = (int32_t)i;
            k->tail = (int32_t)i;
            k->count++;
        }
    }

    out_char(j, '{');
    for (uint32_t ki = 0; ki < nkeys; ki++) {
        const struct key *k = &j->keys[ki];
        const struct trawl_value *first = &vals[k->head];
        if (ki)
            out_char(j, ',');
        out_jstr(j, first->field->name);
        out_char(j, ':');
        /* frame.* are the engine's: exactly one per frame, so always scalars. */
        bool once = !strcmp(first->field->proto->name, "frame");
        if (k->count == 1 && (once || !j->arrays_always)) {
            out_value(j, first, digits);
            continue;
        }
        out_char(j, '[');
        for (int32_t i = k->head; i >= 0; i = j->next[i]) {
            if (i != k->head)
                out_char(j, ',');
            out_value(j, &vals[i], digits);
        }
        out_char(j, ']');
    }

    if (nkeys)
        out_char(j, ',');
    out_str(j, "\"_layers\":\"");
    bool any = false;
    for (size_t i = 0; i < nl; i++) {
        const struct trawl_proto *p = layers[i].proto;
        if (!p || !p->name || !strcmp(p->name, "frame"))
            continue;
        if (any)
            out_char(j, ':');
        out_str(j, p->name);         /* [a-z0-9_.-]: checked at registration */
        any = true;
    }
    out_char(j, '"');

    unsigned errs = trawl_packet_errors(pkt);
    if (errs) {
        out_str(j, ",\"_errors\":[");
        unsigned seen = 0;
        bool first = true;
        for (size_t i = 0; i < nl; i++) {
            uint8_t e = layers[i].err;
            for (unsigned bit = TRAWL_BUF_TRUNCATED; bit <= TRAWL_BUF_MALFORMED; bit <<= 1) {
                if (!(e & bit))
                    continue;
                if (!first)
                    out_char(j, ',');
                first = false;
                out_str(j, "{\"layer\":");
                out_jstr(j, layers[i].proto && layers[i].proto->name ? layers[i].proto->name : "?");
                out_str(j, bit == TRAWL_BUF_TRUNCATED ? ",\"error\":\"truncated\"}"
                                                       : ",\"error\":\"malformed\"}");
                seen |= bit;
            }
        }
        /* flags the engine saw outside any layer */
        for (unsigned bit = TRAWL_BUF_TRUNCATED; bit <= TRAWL_BUF_MALFORMED; bit <<= 1) {
            if (!(errs & bit) || (seen & bit))
                continue;
            if (!first)
                out_char(j, ',');
            first = false;
            out_str(j, bit == TRAWL_BUF_TRUNCATED ? "{\"layer\":\"frame\",\"error\":\"truncated\"}"
                                                   : "{\"layer\":\"frame\",\"error\":\"malformed\"}");
        }
        out_char(j, ']');
    }
    out_mem(j, "}\n", 2);
    if (j->len >= FLUSH_AT)
        out_flush(j);
}

static int json_close(struct trawl_sink *s)
{
    struct json_sink *j = trawl_sink_state(s);
    if (!j)
        return 0;
    out_flush(j);
    int rc = 0;
    if (j->werr || fflush(j->out) != 0 || ferror(j->out))
        rc = TRAWL_EIO;
    if (rc)
        trawl_sink_log(s, TRAWL_LOG_ERROR, "writing the JSON output failed");
    json_free(j);
    trawl_sink_set_state(s, NULL);
    return rc;
}

static const struct trawl_sink_def json_sink_def = {
    .name = "json",
    .summary = "NDJSON: one flat, typed object per frame",
    .open = json_open,
    .packet = json_packet,
    .record = NULL,            /* records come with a later issue */
    .close = json_close,
};

static int json_init(struct trawl_init *ctx)
{
    return trawl_sink_register(ctx, &json_sink_def, NULL);
}

TRAWL_PLUGIN_DESCRIPTOR(.name = "json", .version = "1.0.0",
                        .summary = "NDJSON output sink (flat, typed, one object per frame)",
                        .init = json_init);
