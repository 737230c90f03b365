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
 * Writes go through the SDK's output buffer (struct trawl_out: fwrite in 64 KiB chunks).
 */
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"

struct text_sink {
    bool verbose, hex, summary;
    struct trawl_out o;
};

/* ---- output ----------------------------------------------------------------------------- */

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

/* ---- the one-line summary --------------------------------------------------------------- */

static void print_summary(struct trawl_out *o, const struct trawl_packet *pkt)
{
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    char rel[48];
    fmt_reltime(rel, sizeof rel, trawl_packet_time_relative(pkt), fr->ts_precision ? fr->ts_precision : 6);
    trawl_out_printf(o, "%5llu %10s %12s \xe2\x86\x92 %-12s %s %u ",    /* " → " */
                     (unsigned long long)fr->number, rel, trawl_packet_col(pkt, TRAWL_COL_SRC),
                     trawl_packet_col(pkt, TRAWL_COL_DST), trawl_packet_protocol(pkt), fr->len);
    trawl_out_str(o, trawl_packet_col(pkt, TRAWL_COL_INFO));   /* with tshark's error suffixes */
    trawl_out_char(o, '\n');
}

/* ---- -V --------------------------------------------------------------------------------- */

/* One "Description: value" line (a label alone when the field carries no value). The indent,
 * description and ": " are put together here and appended at once (-V writes a line per value). */
static void print_value_line(struct trawl_out *o, const struct trawl_value *v, unsigned depth)
{
    const struct trawl_field *f = v->field;
    const char *desc = f->desc && *f->desc ? f->desc : f->name;
    size_t dl = strlen(desc), ind = 4u * (size_t)depth;
    char head[256];
    if (TRAWL_LIKELY(ind + dl + 2 <= sizeof head)) {
        memset(head, ' ', ind);
        memcpy(head + ind, desc, dl);
        memcpy(head + ind + dl, ": ", 2);
        trawl_out_mem(o, head, ind + dl + (f->type != TRAWL_FT_NONE ? 2 : 0));
    } else {
        trawl_out_printf(o, "%*s%s%s", (int)ind, "", desc, f->type != TRAWL_FT_NONE ? ": " : "");
    }
    if (f->type != TRAWL_FT_NONE)
        trawl_out_value(o, v, TRAWL_FMT_SHOW);
    trawl_out_char(o, '\n');
}

static void print_layer_errors(struct trawl_out *o, const struct trawl_layer *l)
{
    char tmp[64];
    const char *label = proto_label(l->proto, tmp, sizeof tmp);
    if (l->err & TRAWL_BUF_MALFORMED)
        trawl_out_printf(o, "[Malformed Packet: %s]\n", label);
    if (l->err & TRAWL_BUF_TRUNCATED)
        trawl_out_printf(o, "[Packet size limited during capture: %s truncated]\n", label);
}

static bool is_frame_proto(const struct trawl_proto *p)
{
    return p && p->name && !strcmp(p->name, "frame");
}

static void print_tree(struct trawl_out *o, const struct trawl_packet *pkt)
{
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    size_t nv = 0, nl = 0;
    const struct trawl_value *vals = trawl_packet_values(pkt, &nv);
    const struct trawl_layer *layers = trawl_packet_layers(pkt, &nl);

    trawl_out_printf(o, "Frame %llu: %u bytes on wire (%llu bits), %u bytes captured (%llu bits)\n",
                     (unsigned long long)fr->number, fr->len, (unsigned long long)fr->len * 8,
                     fr->caplen, (unsigned long long)fr->caplen * 8);

    /* frame.* values first (the engine's own, whatever layer index they carry) */
    bool frame_listed = false;
    for (size_t i = 0; i < nv; i++)
        if (vals[i].field && is_frame_proto(vals[i].field->proto)) {
            print_value_line(o, &vals[i], 1u + vals[i].depth);
            frame_listed = true;
        }
    if (!frame_listed) {
        /* An engine that adds no frame.* values: show what the frame itself says. */
        char ts[48];
        trawl_time_format_utc(fr->ts_ns, fr->ts_precision == 9 ? 9 : 6, ts, sizeof ts);
        trawl_out_printf(o, "    Arrival Time: %s\n", ts);
        trawl_out_printf(o, "    Frame Number: %llu\n", (unsigned long long)fr->number);
        trawl_out_printf(o, "    Frame Length: %u bytes (%llu bits)\n", fr->len,
                         (unsigned long long)fr->len * 8);
        trawl_out_printf(o, "    Capture Length: %u bytes (%llu bits)\n", fr->caplen,
                         (unsigned long long)fr->caplen * 8);
    }

    for (size_t li = 0; li < nl; li++) {
        const struct trawl_layer *l = &layers[li];
        if (is_frame_proto(l->proto))
            continue;
        trawl_out_str(o, l->proto && l->proto->long_name ? l->proto->long_name
                         : l->proto && l->proto->name ? l->proto->name : "?");
        trawl_out_char(o, '\n');
        /* A lower layer may add values after a higher one returned: they still belong under
         * their own layer, so each layer scans all values (layers are few; -V is not a fast path). */
        for (size_t i = 0; i < nv; i++) {
            const struct trawl_value *v = &vals[i];
            if (v->layer != li || !v->field || is_frame_proto(v->field->proto))
                continue;
            print_value_line(o, v, 1u + v->depth);
        }
        print_layer_errors(o, l);
    }
    /* Values whose layer index names no layer (should not happen): do not lose them. */
    for (size_t i = 0; i < nv; i++)
        if (vals[i].layer >= nl && vals[i].field && !is_frame_proto(vals[i].field->proto))
            print_value_line(o, &vals[i], 1u + vals[i].depth);
}

/* ---- -x --------------------------------------------------------------------------------- */

static void print_hex(struct trawl_out *o, const struct trawl_packet *pkt)
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
        trawl_out_mem(o, line, p);
    }
    trawl_out_char(o, '\n');
}

/* ---- sink ------------------------------------------------------------------------------- */

static bool opt_on(struct trawl_sink *s, const char *key)
{
    const char *v = trawl_sink_option(s, key);
    return v && (!strcmp(v, "1") || !strcmp(v, "y") || !strcmp(v, "yes") || !strcmp(v, "true") ||
                 !strcmp(v, "on"));
}

static void text_render(struct trawl_sink *s, const struct trawl_packet *pkt, struct trawl_out *o,
                        void **scratch);
static void text_write(struct trawl_sink *s, const char *bytes, size_t n);

/* With worker threads, frames are formatted on the workers (sink.h, trawl_sink_set_render). */
static const struct trawl_sink_render text_render_def = {
    .render = text_render,
    .write = text_write,
    .free_scratch = NULL,
};

static int text_open(struct trawl_sink *s)
{
    struct text_sink *t = calloc(1, sizeof *t);
    if (!t)
        return TRAWL_ENOMEM;
    t->verbose = opt_on(s, "verbose");
    t->hex = opt_on(s, "hex");
    /* tshark: -x without -V prints only the dump unless -P asks for the summary too */
    t->summary = !t->verbose && (!t->hex || opt_on(s, "summary"));
    if (trawl_out_init(&t->o, trawl_sink_out(s), 0)) {
        free(t);
        return TRAWL_ENOMEM;
    }
    if (t->verbose)
        trawl_sink_want_all(s);
    if (t->summary)
        trawl_sink_want_cols(s);
    trawl_sink_set_state(s, t);
    trawl_sink_set_render(s, &text_render_def);
    return 0;
}

/* One frame's text into o; reads only what open() set: with worker threads it runs on the
 * worker that dissected the frame. */
static void text_render(struct trawl_sink *s, const struct trawl_packet *pkt, struct trawl_out *o,
                        void **scratch)
{
    (void)scratch;
    const struct text_sink *t = trawl_sink_state(s);
    if (!t)
        return;
    if (t->summary) {
        print_summary(o, pkt);
        if (t->hex)
            trawl_out_char(o, '\n');
    }
    if (t->verbose) {
        print_tree(o, pkt);
        trawl_out_char(o, '\n');
    }
    if (t->hex)
        print_hex(o, pkt);
}

/* The rendered text, in frame order (the reading thread). */
static void text_write(struct trawl_sink *s, const char *bytes, size_t n)
{
    struct text_sink *t = trawl_sink_state(s);
    if (!t)
        return;
    trawl_out_mem(&t->o, bytes, n);
    if (TRAWL_UNLIKELY(t->o.err))
        trawl_sink_stop(s);   /* the output is gone: stop reading input */
}

/* Without threads: render straight into the output buffer. */
static void text_packet(struct trawl_sink *s, const struct trawl_packet *pkt)
{
    struct text_sink *t = trawl_sink_state(s);
    if (!t)
        return;
    text_render(s, pkt, &t->o, NULL);
    if (TRAWL_UNLIKELY(t->o.err))
        trawl_sink_stop(s);   /* the output is gone: stop reading input */
}

static int text_close(struct trawl_sink *s)
{
    struct text_sink *t = trawl_sink_state(s);
    if (!t)
        return 0;
    int rc = trawl_out_flush(&t->o);
    if (rc)
        trawl_sink_log(s, TRAWL_LOG_ERROR, "writing the text output failed: %s",
                       strerror(t->o.err));
    trawl_out_free(&t->o);
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
