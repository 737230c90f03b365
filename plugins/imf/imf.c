/* imf — the Internet Message Format (RFC 5322), called by smtp (later POP and IMAP) with one
 * whole message: header fields (folded lines joined as they are, values as tshark 4.0 shows
 * them: the text after the colon without the leading blanks, up to the line end), unknown
 * fields as imf.extension, Content-Type split in type and parameters, and the body measured,
 * not decoded. A multipart body is handed to "mime_multipart" (registered here too), which
 * shows each part's content type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trawl/trawl.h"

enum {
    F_DATE, F_FROM, F_SENDER, F_REPLY_TO, F_TO, F_CC, F_BCC, F_MESSAGE_ID, F_IN_REPLY_TO,
    F_REFERENCES, F_SUBJECT, F_COMMENTS, F_USER_AGENT, F_KEYWORDS, F_RESENT_DATE, F_RESENT_FROM,
    F_RESENT_SENDER, F_RESENT_TO, F_RESENT_CC, F_RESENT_BCC, F_RESENT_MESSAGE_ID, F_RETURN_PATH,
    F_RECEIVED, F_CONTENT_TYPE, F_CONTENT_DESCRIPTION, F_CONTENT_ID, F_CONTENT_TRANSFER_ENCODING,
    F_MIME_VERSION, F_AUTOFORWARDED, F_AUTOSUBMITTED, F_CONTENT_LANGUAGE, F_DELIVERY_DATE,
    F_EXPIRES, F_IMPORTANCE, F_PRIORITY, F_SENSITIVITY, F_DELIVERED_TO, F_X_MAILER, F_X_MIMEOLE,
    F_X_UIDL, F_X_AUTH_WARNING, F_X_VIRUS_SCANNED, F_X_ORIGINAL_TO, F_THREAD_INDEX, F_LINES,
    F_PRECEDENCE,
    F_HEADERS_END,                     /* the fields above come from header names */
    F_EXTENSION = F_HEADERS_END, F_EXTENSION_TYPE, F_EXTENSION_VALUE, F_CT_TYPE, F_CT_PARAMETERS,
    F_MESSAGE_TEXT, F_BODY_LENGTH, F_DISPLAY_NAME, F_ADDRESS, F_ADDRESS_LIST_ITEM, F_MAILBOX_LIST_ITEM,
    F_COUNT
};

#define H(i, n, d) [i] = { "imf." n, d, TRAWL_FT_STRING, 0, NULL, 0 }

static const struct trawl_field_def fields[F_COUNT] = {
    H(F_DATE, "date", "Date"), H(F_FROM, "from", "From"), H(F_SENDER, "sender", "Sender"),
    H(F_REPLY_TO, "reply_to", "Reply-To"), H(F_TO, "to", "To"), H(F_CC, "cc", "Cc"),
    H(F_BCC, "bcc", "Bcc"), H(F_MESSAGE_ID, "message_id", "Message-ID"),
    H(F_IN_REPLY_TO, "in_reply_to", "In-Reply-To"), H(F_REFERENCES, "references", "References"),
    H(F_SUBJECT, "subject", "Subject"), H(F_COMMENTS, "comments", "Comments"),
    H(F_USER_AGENT, "user_agent", "User-Agent"), H(F_KEYWORDS, "keywords", "Keywords"),
    H(F_RESENT_DATE, "resent.date", "Resent-Date"), H(F_RESENT_FROM, "resent.from", "Resent-From"),
    H(F_RESENT_SENDER, "resent.sender", "Resent-Sender"), H(F_RESENT_TO, "resent.to", "Resent-To"),
    H(F_RESENT_CC, "resent.cc", "Resent-Cc"), H(F_RESENT_BCC, "resent.bcc", "Resent-Bcc"),
    H(F_RESENT_MESSAGE_ID, "resent.message_id", "Resent-Message-ID"),
    H(F_RETURN_PATH, "return_path", "Return-Path"), H(F_RECEIVED, "received", "Received"),
    H(F_CONTENT_TYPE, "content.type", "Content-Type"),
    H(F_CONTENT_DESCRIPTION, "content.description", "Content-Description"),
    H(F_CONTENT_ID, "content.id", "Content-ID"),
    H(F_CONTENT_TRANSFER_ENCODING, "content.transfer_encoding", "Content-Transfer-Encoding"),
    H(F_MIME_VERSION, "mime_version", "MIME-Version"), H(F_AUTOFORWARDED, "autoforwarded", "Autoforwarded"),
    H(F_AUTOSUBMITTED, "autosubmitted", "Autosubmitted"),
    H(F_CONTENT_LANGUAGE, "content_language", "Content-Language"),
    H(F_DELIVERY_DATE, "delivery_date", "Delivery-Date"), H(F_EXPIRES, "expires", "Expires"),
    H(F_IMPORTANCE, "importance", "Importance"), H(F_PRIORITY, "priority", "Priority"),
    H(F_SENSITIVITY, "sensitivity", "Sensitivity"), H(F_DELIVERED_TO, "delivered_to", "Delivered-To"),
    H(F_X_MAILER, "ext.mailer", "X-Mailer"), H(F_X_MIMEOLE, "ext.mimeole", "X-MimeOLE"),
    H(F_X_UIDL, "ext.uidl", "X-UIDL"), H(F_X_AUTH_WARNING, "ext.authentication_warning", "X-Authentication-Warning"),
    H(F_X_VIRUS_SCANNED, "ext.virus_scanned", "X-Virus-Scanned"),
    H(F_X_ORIGINAL_TO, "ext.original-to", "X-Original-To"), H(F_THREAD_INDEX, "thread-index", "Thread-Index"),
    H(F_LINES, "lines", "Lines"), H(F_PRECEDENCE, "precedence", "Precedence"),
    H(F_EXTENSION, "extension", "Unknown-Extension"), H(F_EXTENSION_TYPE, "extension.type", "Type"),
    H(F_EXTENSION_VALUE, "extension.value", "Value"), H(F_CT_TYPE, "content.type.type", "Type"),
    H(F_CT_PARAMETERS, "content.type.parameters", "Parameters"),
    [F_MESSAGE_TEXT] = { "imf.message_text", "Message-Text", TRAWL_FT_NONE, 0, NULL, 0 },
    [F_BODY_LENGTH]  = { "imf.message_text.length", "Length of the message text (body), in bytes", TRAWL_FT_U32, 0, NULL, 0 },
    H(F_DISPLAY_NAME, "display_name", "Display-Name"), H(F_ADDRESS, "address", "Address"),
    H(F_ADDRESS_LIST_ITEM, "address_list.item", "Item"), H(F_MAILBOX_LIST_ITEM, "mailbox_list.item", "Item"),
};

/* Header names, as the index of their field (the field's description is the header name). */

enum { M_TYPE, M_PART_CT, M_COUNT };
static const struct trawl_field_def mfields[M_COUNT] = {
    [M_TYPE]    = { "mime_multipart.type", "Type", TRAWL_FT_STRING, 0, NULL, 0 },
    [M_PART_CT] = { "mime_multipart.header.content-type", "Content-Type", TRAWL_FT_STRING, 0, NULL, 0 },
};

#define MAX_PARTS 256       /* parts looked at; more are counted as bytes only */
#define MAX_DEPTH 4         /* nested multiparts */

struct imf_state {
    const struct trawl_proto *imf, *mime;
};

/* Walks the header section of m[0..n): calls back per field with name and value (the value
 * after the colon, leading blanks skipped, up to the last line end excluded). Returns the
 * offset of the body (after the empty line), or n when there is none. */
typedef void (*field_fn)(void *u, const uint8_t *name, uint32_t nn, const uint8_t *val, uint32_t vn,
                         uint32_t vraw, const uint8_t *whole, uint32_t wn);

static uint32_t walk_headers(const uint8_t *m, uint32_t n, field_fn fn, void *u, bool *bad)
{
    uint32_t off = 0;
    while (off < n) {
        uint32_t end = off;
        for (;;) {
            const uint8_t *nl = memchr(m + end, '\n', n - end);
            end = nl ? (uint32_t)(nl - m) + 1 : n;
            if (end >= n || (m[end] != ' ' && m[end] != '\t')) break;
        }
        uint32_t ll = end - off;
        while (ll && (m[off + ll - 1] == '\n' || m[off + ll - 1] == '\r')) ll--;
        if (!ll) return end;                                   /* the empty line */
        const uint8_t *colon = memchr(m + off, ':', ll);
        uint32_t nn = colon ? (uint32_t)(colon - (m + off)) : 0;
        bool ok = colon && nn > 0;
        for (uint32_t i = 0; ok && i < nn; i++)
            if (m[off + i] <= ' ' || m[off + i] > '~') ok = false;   /* RFC 5322 2.2: ftext */
        if (!ok) { if (bad) *bad = true; off = end; continue; }
        uint32_t vs = nn + 1;
        while (vs < ll && (m[off + vs] == ' ' || m[off + vs] == '\t')) vs++;
        fn(u, m + off, nn, m + off + vs, ll - vs, end - off - vs, m + off, ll);
        off = end;
    }
    return n;
}

struct hctx {
    struct trawl_packet *pkt;
    const uint8_t *ct; uint32_t ctn;         /* the Content-Type value */
    const uint8_t *from; uint32_t fromn;     /* for the info column */
    const uint8_t *subj; uint32_t subjn;
};

/* One mailbox or group as tshark 4.0 reads it: "Name <addr>" gives the name (blanks and line
 * ends around it dropped) and the address inside the brackets; a group "name:...;" gives its
 * name one character short, as tshark does; anything else is an address as it stands. */
static bool ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void mailbox(struct trawl_packet *pkt, const uint8_t *p, uint32_t n)
{
    const uint8_t *lt = memchr(p, '<', n);
    const uint8_t *colon = lt ? NULL : memchr(p, ':', n);
    uint32_t s = 0;
    while (s < n && ws(p[s])) s++;
    if (lt) {
        uint32_t e = (uint32_t)(lt - p);
        while (e > s && ws(p[e - 1])) e--;
        if (e > s) trawl_add_string(pkt, F_DISPLAY_NAME, (const char *)p + s, e - s);
        uint32_t a = (uint32_t)(lt - p) + 1;
        const uint8_t *gt = memchr(p + a, '>', n - a);
        uint32_t ae = gt ? (uint32_t)(gt - p) : n;
        trawl_add_string(pkt, F_ADDRESS, (const char *)p + a, ae - a);
    } else if (colon) {
        uint32_t e = (uint32_t)(colon - p);
        if (e > s + 1) trawl_add_string(pkt, F_DISPLAY_NAME, (const char *)p + s, e - s - 1);
    } else {
        trawl_add_string(pkt, F_ADDRESS, (const char *)p, n);
    }
}

/* A list of them, split at every comma (as tshark: a comma in a quoted name splits it too);
 * items keep their blanks and the field's last line end. */
static void address_list(struct trawl_packet *pkt, unsigned item_idx, const uint8_t *v, uint32_t n)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i <= n; i++) {
        if (i < n && v[i] != ',') continue;
        trawl_add_string(pkt, item_idx, (const char *)v + s, i - s);
        mailbox(pkt, v + s, i - s);
        s = i + 1;
    }
}

static void imf_field(void *u, const uint8_t *name, uint32_t nn, const uint8_t *val, uint32_t vn,
                      uint32_t vraw, const uint8_t *whole, uint32_t wn)
{
    struct hctx *h = u;
    for (unsigned i = 0; i < F_HEADERS_END; i++) {
        const char *d = fields[i].desc;
        if (strlen(d) != nn || strncasecmp(d, (const char *)name, nn)) continue;
        trawl_add_string(h->pkt, i, (const char *)val, vn);
        if (i == F_FROM || i == F_RESENT_FROM)
            address_list(h->pkt, F_MAILBOX_LIST_ITEM, val, vraw);
        else if (i == F_TO || i == F_CC || i == F_BCC || i == F_REPLY_TO || i == F_RESENT_TO ||
                 i == F_RESENT_CC || i == F_RESENT_BCC)
            address_list(h->pkt, F_ADDRESS_LIST_ITEM, val, vraw);
        else if (i == F_SENDER || i == F_RESENT_SENDER)
            mailbox(h->pkt, val, vraw);
        if (i == F_FROM && !h->from) { h->from = val; h->fromn = vn; }
        if (i == F_SUBJECT && !h->subj) { h->subj = val; h->subjn = vn; }
        if (i == F_CONTENT_TYPE) {
            h->ct = val;
            h->ctn = vn;
            const uint8_t *semi = memchr(val, ';', vn);
            uint32_t tn = semi ? (uint32_t)(semi - val) : vn;
            while (tn && (val[tn - 1] == ' ' || val[tn - 1] == '\t')) tn--;

            trawl_add_string(h->pkt, F_CT_TYPE, (const char *)val, tn);
            if (semi) trawl_add_string(h->pkt, F_CT_PARAMETERS, (const char *)semi + 1, (uint32_t)(val + vn - semi - 1));

        }
        return;
    }
    trawl_add_string(h->pkt, F_EXTENSION, (const char *)whole, wn);

    trawl_add_string(h->pkt, F_EXTENSION_TYPE, (const char *)name, nn);
    trawl_add_string(h->pkt, F_EXTENSION_VALUE, (const char *)val, vn);

}

/* The boundary parameter of a multipart Content-Type, or false. */
static bool boundary_of(const uint8_t *ct, uint32_t n, const uint8_t **b, uint32_t *bn)
{
    if (n < 10 || strncasecmp((const char *)ct, "multipart/", 10)) return false;
    for (uint32_t i = 0; i + 9 <= n; i++) {
        if (strncasecmp((const char *)ct + i, "boundary=", 9)) continue;
        if (i && ct[i - 1] != ';' && ct[i - 1] != ' ' && ct[i - 1] != '\t') continue;
        uint32_t s = i + 9, e;
        if (s < n && ct[s] == '"') {
            s++;
            e = s;
            while (e < n && ct[e] != '"') e++;
        } else {
            e = s;
            while (e < n && ct[e] != ';' && ct[e] != ' ' && ct[e] != '\t' && ct[e] != '\r' && ct[e] != '\n') e++;
        }
        if (e == s || e - s > 70) return false;              /* RFC 2046: 1..70 characters */
        *b = ct + s;
        *bn = e - s;
        return true;
    }
    return false;
}

/* The view mime_multipart reads: the Content-Type value on one line (its folding turned into
 * blanks), a line end, then the body. */
static void call_mime(struct trawl_packet *pkt, const struct imf_state *st, const uint8_t *ct, uint32_t ctn,
                      const uint8_t *body, uint32_t bn, unsigned depth)
{
    uint8_t *nb = trawl_packet_alloc(pkt, (size_t)ctn + 1 + bn);
    if (!nb) return;
    for (uint32_t i = 0; i < ctn; i++) nb[i] = ct[i] == '\r' || ct[i] == '\n' ? ' ' : ct[i];
    nb[ctn] = '\n';
    if (bn) memcpy(nb + ctn + 1, body, bn);
    uint32_t len = ctn + 1 + bn;
    uint8_t latch = 0;
    struct trawl_buf sb = trawl_buf_make(nb, len, len, &latch);
    trawl_packet_hint(pkt, depth << 16);
    trawl_dissect_proto(pkt, st->mime, &sb);
}

/* ---- mime_multipart: the content types of the parts ------------------------------------------- */

struct pctx { struct trawl_packet *pkt; const uint8_t *ct; uint32_t ctn; };

static void part_field(void *u, const uint8_t *name, uint32_t nn, const uint8_t *val, uint32_t vn,
                       uint32_t vraw, const uint8_t *whole, uint32_t wn)
{
    (void)whole; (void)wn; (void)vraw;
    struct pctx *p = u;
    if (nn == 12 && !strncasecmp((const char *)name, "content-type", 12)) {
        trawl_add_string(p->pkt, M_PART_CT, (const char *)val, vn);
        p->ct = val;
        p->ctn = vn;
    }
}

/* A delimiter line "--boundary" at m[i] (i at a line start)? */
static bool is_delim(const uint8_t *m, uint32_t n, uint32_t i, const uint8_t *b, uint32_t bn)
{
    return i + 2 + bn <= n && m[i] == '-' && m[i + 1] == '-' && !memcmp(m + i + 2, b, bn);
}

static int mime_dissect(struct trawl_packet *pkt, struct trawl_buf *buf, void *state)
{
    const struct imf_state *st = state;
    uint32_t n = trawl_buf_caplen(buf);
    const uint8_t *m = n ? trawl_buf_ptr(buf, 0, n) : NULL;
    if (!m) return 0;
    /* The caller passes "type\0boundary" in the hint-free way: the first line of the view is
     * the multipart's Content-Type value (see imf_dissect), then the body. */
    const uint8_t *nl = memchr(m, '\n', n);
    if (!nl) return 0;
    uint32_t ctn = (uint32_t)(nl - m), body = ctn + 1;
    const uint8_t *b;
    uint32_t bn;
    if (!boundary_of(m, ctn, &b, &bn)) return 0;
    const uint8_t *semi = memchr(m, ';', ctn);
    uint32_t tn = semi ? (uint32_t)(semi - m) : ctn;
    trawl_add_string(pkt, M_TYPE, (const char *)m, tn);
    unsigned depth = (unsigned)(trawl_packet_hints(pkt) >> 16) & 0xff;
    /* Parts: from each delimiter line to the next. */
    uint32_t i = body, parts = 0;
    int64_t part_start = -1;
    bool closed = false;
    while (i < n && !closed) {
        bool bol = i == body || m[i - 1] == '\n';
        if (bol && is_delim(m, n, i, b, bn)) {
            uint32_t after = i + 2 + bn;
            bool last = after + 2 <= n && m[after] == '-' && m[after + 1] == '-';
            if (part_start >= 0 && parts < MAX_PARTS) {
                /* the part ended before the CRLF that precedes this delimiter */
                uint32_t pe = i;
                if (pe > (uint32_t)part_start && m[pe - 1] == '\n') pe--;
                if (pe > (uint32_t)part_start && m[pe - 1] == '\r') pe--;
                struct pctx pc = { pkt, NULL, 0 };
                uint32_t pb = walk_headers(m + part_start, pe - (uint32_t)part_start, part_field, &pc, NULL);
                (void)pb;
                const uint8_t *ib;
                uint32_t ibn;
                if (pc.ct && depth < MAX_DEPTH && boundary_of(pc.ct, pc.ctn, &ib, &ibn)) {
                    /* a nested multipart: its type line, then its body */
                    call_mime(pkt, st, pc.ct, pc.ctn, m + part_start + pb, pe - (uint32_t)part_start - pb, depth + 1);
                }
            }
            parts++;
            if (last) { closed = true; break; }
            const uint8_t *e = memchr(m + after, '\n', n - after);
            if (!e) break;
            part_start = (int64_t)(e - m) + 1;
            i = (uint32_t)part_start;
            continue;
        }
        const uint8_t *e = memchr(m + i, '\n', n - i);
        if (!e) break;
        i = (uint32_t)(e - m) + 1;
    }
    if (!closed) trawl_buf_mark_malformed(buf);       /* no closing delimiter */
    return (int)n;
}

/* A header value for the info column: folding shown as tshark shows it ("\\r\\n"), cut at 200. */
static void shown(char *out, size_t cap, const uint8_t *v, uint32_t n)
{
    size_t k = 0;
    for (uint32_t i = 0; v && i < n && i < 200 && k + 3 < cap; i++) {
        if (v[i] == '\r' || v[i] == '\n' || v[i] == '\t') {
            out[k++] = '\\';
            out[k++] = v[i] == '\r' ? 'r' : v[i] == '\n' ? 'n' : 't';
        } else {
            out[k++] = (char)v[i];
        }
    }
    out[k] = 0;
}

/* ---- imf ------------------------------------------------------------------------------------- */

static int imf_dissect(struct trawl_packet *pkt, struct trawl_buf *buf, void *state)
{
    const struct imf_state *st = state;
    uint32_t n = trawl_buf_caplen(buf);
    const uint8_t *m = n ? trawl_buf_ptr(buf, 0, n) : NULL;
    if (!m) return 0;
    struct hctx h = { pkt, NULL, 0, NULL, 0, NULL, 0 };
    bool bad = false;
    uint32_t body = walk_headers(m, n, imf_field, &h, &bad);
    if (bad) trawl_buf_mark_malformed(buf);
    if (!h.ct) trawl_add_bool(pkt, F_MESSAGE_TEXT, true);    /* tshark: a body no media type takes */
    trawl_add_uint(pkt, F_BODY_LENGTH, n - body);
    const uint8_t *b;
    uint32_t bn;
    if (h.ct && body < n && boundary_of(h.ct, h.ctn, &b, &bn)) {
        call_mime(pkt, st, h.ct, h.ctn, m + body, n - body, 0);
    }
    if (trawl_cols_wanted(pkt)) {
        /* tshark: "from: ..., subject: ..." and the protocol column "SMTP/IMF" */
        size_t nl = 0;
        const struct trawl_layer *ls = trawl_packet_layers(pkt, &nl);
        const char *carrier = NULL;
        for (size_t i = nl; i-- > 1;)          /* the layer just before this imf layer */
            if (ls[i].proto == st->imf) { carrier = ls[i - 1].proto ? ls[i - 1].proto->column : NULL; break; }
        if (carrier && *carrier) trawl_col_set(pkt, TRAWL_COL_PROTOCOL, "%s/IMF", carrier);
        char fb[420], sb[420];
        shown(fb, sizeof fb, h.from, h.fromn);
        shown(sb, sizeof sb, h.subj, h.subjn);
        if (h.from && h.subj) trawl_col_set(pkt, TRAWL_COL_INFO, "from: %s, subject: %s", fb, sb);
        else if (h.from) trawl_col_set(pkt, TRAWL_COL_INFO, "from: %s", fb);
        else if (h.subj) trawl_col_set(pkt, TRAWL_COL_INFO, "subject: %s", sb);
        else trawl_col_set(pkt, TRAWL_COL_INFO, "%s", "Internet Message Format");
    }
    return (int)n;
}

static const struct trawl_proto_def imf_proto = {
    "imf", "Internet Message Format", "IMF", fields, F_COUNT, imf_dissect,
};
static const struct trawl_proto_def mime_proto = {
    "mime_multipart", "MIME Multipart Media Encapsulation", "MIME", mfields, M_COUNT, mime_dissect,
};

static int imf_init(struct trawl_init *ctx)
{
    struct imf_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->imf = trawl_proto_register(ctx, &imf_proto, st);
    st->mime = trawl_proto_register(ctx, &mime_proto, st);
    return st->imf && st->mime ? 0 : TRAWL_EINVAL;
}

static void imf_fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "imf", .version = "1.0.0",
                        .summary = "Internet Message Format (RFC 5322) headers, MIME part types; called by smtp",
                        .init = imf_init, .fini = imf_fini);
