/* text.c — the "text" sink: tshark's default one-line summary, -V packet trees and -x hex dumps.
 *
 * No RFC; the reference is tshark 4.0's output:
 *   summary  "%5s %10s %12s → %-12s %s %u %s": frame number (right-aligned, at least 5 wide),
 *            seconds since the first frame with the file's precision (6 or 9 decimals, right-
 *            aligned, at least 10 wide), source (right, 12), destination (left, 12), protocol,
 *            frame length, info. Columns grow past their minimum width, never truncate. A frame
 *            cut by the snaplen gets "[Packet size limited during capture]" appended to its
 *            info, a malformed one "[Malformed Packet]" (tshark's wording, no space before).
 *   verbose=1 (-V)  a tree: "Frame N: L bytes on wire (8L bits), C bytes captured (8C bits)" and
 *            the frame.* values, then per layer its protocol's long name and its values, each
 *            "Description: value" (TRAWL_FMT_SHOW) indented 4 spaces per depth; a layer that hit
 *            the end of the capture or contradicted its lengths is followed by
 *            "[Packet size limited during capture: TCP truncated]" / "[Malformed Packet: TCP]".
 *            A blank line ends each packet.
 *   hex=1 (-x)  "0000  00 11 22 ...  ..\"3DU" (16 bytes a line, ASCII from column 56) and a blank
 *            line. As in tshark, -x alone prints only the dump; summary=1 (tshark -P) prints the
 *            summary line too, followed by a blank line.
 * Writes go through a private buffer flushed with fwrite in 64 KiB chunks.
 */
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"

#define OUT_CAP   (256u * 1024u)
#define FLUSH_AT  (64u * 1024u)
#define VAL_ROOM  256u

struct text_sink {
    bool verbose, hex, summary;
    bool first_seen;
    int64_t first_ts;
    FILE *out;
    char *buf;
    size_t len, cap;
    bool werr;
};

/* ---- output buffer ---------------------------------------------------------------------- */

static void out_flush(struct text_sink *t)
{
    if (t->len && fwrite(t->buf, 1, t->len, t->out) != t->len)
        t->werr = true;
    t->len = 0;
}

static bool out_room(struct text_sink *t, size_t n)
{
    if (TRAWL_LIKELY(t->cap - t->len >= n))
        return true;
    out_flush(t);
    if (t->cap >= n)
        return true;
    size_t cap = t->cap;
    while (cap < n)
        cap *= 2;
    char *nb = realloc(t->buf, cap);
    if (!nb)
        return false;
    t->buf = nb;
    t->cap = cap;
    return true;
}

static inline void out_char(struct text_sink *t, char c)
{
    if (TRAWL_LIKELY(t->len < t->cap) || out_room(t, 1))
        t->buf[t->len++] = c;
}

static void out_mem(struct text_sink *t, const char *s, size_t n)
{
    if (!out_room(t, n))
        return;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

static void out_str(struct text_sink *t, const char *s)
{
    out_mem(t, s, strlen(s));
}

static void out_spaces(struct text_sink *t, size_t n)
{
    if (!out_room(t, n))
        return;
    memset(t->buf + t->len, ' ', n);
    t->len += n;
}

/* s right-aligned (right=true) or left-aligned in at least `width` columns. Width counts
 * bytes, as tshark does (its padding uses strlen). */
static void out_padded(struct text_sink *t, const char *s, size_t width, bool right)
{
    size_t n = strlen(s);
    size_t pad = n < width ? width - n : 0;
    if (right)
        out_spaces(t, pad);
    out_mem(t, s, n);
    if (!right)
        out_spaces(t, pad);
}

static void out_value(struct text_sink *t, const struct trawl_value *v, enum trawl_fmt fmt)
{
    if (!out_room(t, VAL_ROOM))
        return;
    size_t avail = t->cap - t->len;
    size_t n = trawl_value_format(v, fmt, t->buf + t->len, avail);
    if (n >= avail) {
        if (!out_room(t, n + 1))
            return;
        n = trawl_value_format(v, fmt, t->buf + t->len, t->cap - t->len);
    }
    t->len += n;
}

/* "S.fff..." with `digits` decimals for a signed duration in ns. */
static void fmt_reltime(char *out, size_t cap, int64_t ns, unsigned digits)
{
    uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    uint64_t sec = a / 1000000000u, frac = a % 1000000000u;
    if (digits > 9)
        digits = 9;
    for (unsigned i = digits; i < 9; i++)
        frac /= 10;
    if (digits)
        snprintf(out, cap, "%s%llu.%0*llu", ns < 0 ? "-" : "", (unsigned long long)sec,
                 (int)digits, (unsigned long long)frac);
    else
        snprintf(out, cap, "%s%llu", ns < 0 ? "-" : "", (unsigned long long)sec);
}

/* The protocol's column name ("TCP"), or its name upper-cased into tmp. */
static const char *proto_label(const struct trawl_proto *p, char *tmp, size_t cap)
{
    if (!p)
        return "?";
    if (p->column && *p->column)
        return p->column;
    size_t i = 0;
    for (; p->name && p->name[i] && i + 1 < cap; i++)
        tmp[i] = (char)(p->name[i] >= 'a' && p->name[i] <= 'z' ? p->name[i] - 32 : p->name[i]);
    tmp[i] = 0;
    return tmp;
}

/* The protocol column; empty when no dissector took the frame (only the engine's "frame"
 * layer), as tshark leaves it for a link type it cannot decode. */
static const char *protocol_col(const struct trawl_packet *pkt)
{
    size_t nl = 0;
    const struct trawl_layer *l = trawl_packet_layers(pkt, &nl);
    if (!nl || (l[nl - 1].proto && l[nl - 1].proto->name && !strcmp(l[nl - 1].proto->name, "frame")))
        return "";
    return trawl_packet_protocol(pkt);
}

/* ---- the one-line summary --------------------------------------------------------------- */

static void print_summary(struct text_sink *t, const struct trawl_packet *pkt)
{
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    char tmp[64];

    snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)fr->number);
    out_padded(t, tmp, 5, true);
    out_char(t, ' ');
    fmt_reltime(tmp, sizeof tmp, fr->ts_ns - t->first_ts, fr->ts_precision ? fr->ts_precision : 6);
    out_padded(t, tmp, 10, true);
    out_char(t, ' ');
    out_padded(t, trawl_packet_col(pkt, TRAWL_COL_SRC), 12, true);
    out_str(t, " \xe2\x86\x92 ");                 /* " → " */
    out_padded(t, trawl_packet_col(pkt, TRAWL_COL_DST), 12, false);
    out_char(t, ' ');
    out_str(t, protocol_col(pkt));
    out_char(t, ' ');
    snprintf(tmp, sizeof tmp, "%u", fr->len);
    out_str(t, tmp);
    out_char(t, ' ');
    out_str(t, trawl_packet_col(pkt, TRAWL_COL_INFO));
    unsigned errs = trawl_packet_errors(pkt);
    if (errs & TRAWL_BUF_MALFORMED)
        out_str(t, "[Malformed Packet]");
    if (errs & TRAWL_BUF_TRUNCATED)
        out_str(t, "[Packet size limited during capture]");
    out_char(t, '\n');
}

/* ---- -V --------------------------------------------------------------------------------- */

static void out_indent(struct text_sink *t, unsigned depth)
{
    out_spaces(t, 4u * depth);
}

/* One "Description: value" line (a label alone when the field carries no value). */
static void print_value_line(struct text_sink *t, const struct trawl_value *v, unsigned depth)
{
    const struct trawl_field *f = v->field;
    out_indent(t, depth);
    out_str(t, f->desc && *f->desc ? f->desc : f->name);
    if (f->type == TRAWL_FT_NONE)
        goto done;
    out_str(t, ": ");
    out_value(t, v, TRAWL_FMT_SHOW);
done:
    out_char(t, '\n');
}

static void print_layer_errors(struct text_sink *t, const struct trawl_layer *l)
{
    char tmp[64];
    const char *label = proto_label(l->proto, tmp, sizeof tmp);
    if (l->err & TRAWL_BUF_MALFORMED) {
        out_str(t, "[Malformed Packet: ");
        out_str(t, label);
        out_str(t, "]\n");
    }
    if (l->err & TRAWL_BUF_TRUNCATED) {
        out_str(t, "[Packet size limited during capture: ");
        out_str(t, label);
        out_str(t, " truncated]\n");
    }
}

static bool is_frame_proto(const struct trawl_proto *p)
{
    return p && p->name && !strcmp(p->name, "frame");
}

static void print_tree(struct text_sink *t, const struct trawl_packet *pkt)
{
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    size_t nv = 0, nl = 0;
    const struct trawl_value *vals = trawl_packet_values(pkt, &nv);
    const struct trawl_layer *layers = trawl_packet_layers(pkt, &nl);
    char tmp[160];

    snprintf(tmp, sizeof tmp, "Frame %llu: %u bytes on wire (%llu bits), %u bytes captured (%llu bits)\n",
             (unsigned long long)fr->number, fr->len, (unsigned long long)fr->len * 8,
             fr->caplen, (unsigned long long)fr->caplen * 8);
    out_str(t, tmp);

    /* frame.* values first (the engine's own, whatever layer index they carry) */
    bool frame_listed = false;
    for (size_t i = 0; i < nv; i++)
        if (vals[i].field && is_frame_proto(vals[i].field->proto)) {
            print_value_line(t, &vals[i], 1u + vals[i].depth);
            frame_listed = true;
        }
    if (!frame_listed) {
        /* An engine that adds no frame.* values: show what the frame itself says. */
        char ts[48];
        trawl_time_format_utc(fr->ts_ns, fr->ts_precision == 9 ? 9 : 6, ts, sizeof ts);
        snprintf(tmp, sizeof tmp, "    Arrival Time: %s\n", ts);
        out_str(t, tmp);
        snprintf(tmp, sizeof tmp, "    Frame Number: %llu\n", (unsigned long long)fr->number);
        out_str(t, tmp);
        snprintf(tmp, sizeof tmp, "    Frame Length: %u bytes (%llu bits)\n", fr->len,
                 (unsigned long long)fr->len * 8);
        out_str(t, tmp);
        snprintf(tmp, sizeof tmp, "    Capture Length: %u bytes (%llu bits)\n", fr->caplen,
                 (unsigned long long)fr->caplen * 8);
        out_str(t, tmp);
    }

    for (size_t li = 0; li < nl; li++) {
        const struct trawl_layer *l = &layers[li];
        if (is_frame_proto(l->proto))
            continue;
        out_str(t, l->proto && l->proto->long_name ? l->proto->long_name
                   : l->proto && l->proto->name ? l->proto->name : "?");
        out_char(t, '\n');
        /* A lower layer may add values after a higher one returned: they still belong under
         * their own layer, so each layer scans all values (layers are few; -V is not a fast path). */
        for (size_t i = 0; i < nv; i++) {
            const struct trawl_value *v = &vals[i];
            if (v->layer != li || !v->field || is_frame_proto(v->field->proto))
                continue;
            print_value_line(t, v, 1u + v->depth);
        }
        print_layer_errors(t, l);
    }
    /* Values whose layer index names no layer (should not happen): do not lose them. */
    for (size_t i = 0; i < nv; i++)
        if (vals[i].layer >= nl && vals[i].field && !is_frame_proto(vals[i].field->proto))
            print_value_line(t, &vals[i], 1u + vals[i].depth);
}

/* ---- -x --------------------------------------------------------------------------------- */

static void print_hex(struct text_sink *t, const struct trawl_packet *pkt)
{
    static const char hexd[] = "0123456789abcdef";
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    const uint8_t *d = trawl_packet_data(pkt);
    uint32_t n = d ? fr->caplen : 0;
    /* offset width: 4 hex digits, more when the frame needs them (as Wireshark does) */
    unsigned w = 4;
    while (n && w < 8 && ((uint64_t)(n - 1) >> (4 * w)) != 0)
        w++;
    for (uint32_t off = 0; off < n; off += 16) {
        char line[8 + 2 + 48 + 2 + 16 + 1];
        size_t p = 0;
        for (unsigned k = w; k-- > 0;)
            line[p++] = hexd[(off >> (4 * k)) & 15];
        line[p++] = ' ';
        line[p++] = ' ';
        uint32_t m = n - off < 16 ? n - off : 16;
        for (uint32_t k = 0; k < 16; k++) {
            if (k < m) {
                line[p++] = hexd[d[off + k] >> 4];
                line[p++] = hexd[d[off + k] & 15];
            } else {
                line[p++] = ' ';
                line[p++] = ' ';
            }
            line[p++] = ' ';
        }
        line[p++] = ' ';
        line[p++] = ' ';
        for (uint32_t k = 0; k < m; k++) {
            uint8_t c = d[off + k];
            line[p++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
        }
        line[p++] = '\n';
        out_mem(t, line, p);
    }
    out_char(t, '\n');
}

/* ---- sink ------------------------------------------------------------------------------- */

static bool opt_on(struct trawl_sink *s, const char *key)
{
    const char *v = trawl_sink_option(s, key);
    return v && (!strcmp(v, "1") || !strcmp(v, "y") || !strcmp(v, "yes") || !strcmp(v, "true") ||
                 !strcmp(v, "on"));
}

static int text_open(struct trawl_sink *s)
{
    struct text_sink *t = calloc(1, sizeof *t);
    if (!t)
        return TRAWL_ENOMEM;
    t->verbose = opt_on(s, "verbose");
    t->hex = opt_on(s, "hex");
    /* tshark: -x without -V prints only the dump unless -P asks for the summary too */
    t->summary = !t->verbose && (!t->hex || opt_on(s, "summary"));
    t->out = trawl_sink_out(s);
    t->cap = OUT_CAP;
    t->buf = malloc(t->cap);
    if (!t->buf) {
        free(t);
        return TRAWL_ENOMEM;
    }
    if (t->verbose)
        trawl_sink_want_all(s);
    if (t->summary)
        trawl_sink_want_cols(s);
    trawl_sink_set_state(s, t);
    return 0;
}

static void text_packet(struct trawl_sink *s, const struct trawl_packet *pkt)
{
    struct text_sink *t = trawl_sink_state(s);
    if (!t)
        return;
    if (!t->first_seen) {
        t->first_seen = true;
        t->first_ts = trawl_packet_frame(pkt)->ts_ns;
    }
    if (t->summary) {
        print_summary(t, pkt);
        if (t->hex)
            out_char(t, '\n');
    }
    if (t->verbose) {
        print_tree(t, pkt);
        out_char(t, '\n');
    }
    if (t->hex)
        print_hex(t, pkt);
    if (t->len >= FLUSH_AT)
        out_flush(t);
}

static int text_close(struct trawl_sink *s)
{
    struct text_sink *t = trawl_sink_state(s);
    if (!t)
        return 0;
    out_flush(t);
    int rc = 0;
    if (t->werr || fflush(t->out) != 0 || ferror(t->out))
        rc = TRAWL_EIO;
    if (rc)
        trawl_sink_log(s, TRAWL_LOG_ERROR, "writing the text output failed");
    free(t->buf);
    free(t);
    trawl_sink_set_state(s, NULL);
    return rc;
}

static const struct trawl_sink_def text_sink_def = {
    .name = "text",
    .summary = "tshark-style one-line summaries (-V: packet trees, -x: hex dumps)",
    .open = text_open,
    .packet = text_packet,
    .record = NULL,
    .close = text_close,
};

static int text_init(struct trawl_init *ctx)
{
    return trawl_sink_register(ctx, &text_sink_def, NULL);
}

TRAWL_PLUGIN_DESCRIPTOR(.name = "text", .version = "1.0.0",
                        .summary = "tshark-style text output sink (summary, -V tree, -x hex)",
                        .init = text_init);
