/* body.c — HTTP message bodies as they stream: content decoding (gzip, deflate) through zlib
 * to measure the decoded length, and the MIME type of the first decoded bytes. Nothing but the
 * first SNIFF_MAX bytes is kept; the decoder's output goes through a stack buffer. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "http.h"

void body_begin(struct http_body *bd, int coding)
{
    memset(bd, 0, sizeof *bd);
    bd->coding = (uint8_t)coding;
}

void body_end(struct http_body *bd)
{
    if (bd->z) {
        inflateEnd(bd->z);
        free(bd->z);
        bd->z = NULL;
    }
}

static void sniff_add(struct http_body *bd, const uint8_t *p, size_t n)
{
    size_t room = SNIFF_MAX - bd->sniff_len;
    if (!room || !n) return;
    if (n > room) n = room;
    memcpy(bd->sniff + bd->sniff_len, p, n);
    bd->sniff_len = (uint8_t)(bd->sniff_len + n);
}

/* zlib's header check (RFC 1950): deflate bodies come wrapped or raw, servers differ. */
static bool zlib_wrapped(const uint8_t *p, uint32_t n)
{
    if ((p[0] & 0x0f) != 8) return false;
    return n < 2 || ((unsigned)p[0] << 8 | p[1]) % 31 == 0;
}

static bool z_start(struct http_body *bd, const uint8_t *p, uint32_t n)
{
    z_stream *z = calloc(1, sizeof *z);
    if (!z) return false;
    /* gzip: 15+32 also takes a zlib stream (servers mislabel); deflate: wrapped or raw. */
    int wbits = bd->coding == CODING_GZIP ? 15 + 32 : zlib_wrapped(p, n) ? 15 : -15;
    if (inflateInit2(z, wbits) != Z_OK) { free(z); return false; }
    bd->z = z;
    bd->zstate = Z_RUNNING;
    return true;
}

/* The decoder gave up on the first bytes: the body was not what its header said. Count and
 * sniff it as it is. */
static void give_up(struct http_body *bd, const uint8_t *p, uint32_t n)
{
    body_end(bd);
    bd->zstate = Z_FAILED;
    if (bd->decoded == 0) {
        bd->coding = CODING_IDENTITY;
        bd->decoded = bd->raw;
        sniff_add(bd, p, n);
    }
}

void body_feed(struct http_body *bd, const uint8_t *p, uint32_t n, uint64_t max_decoded)
{
    if (!n) return;
    bd->raw += n;
    if (bd->coding == CODING_IDENTITY) {
        bd->decoded += n;
        sniff_add(bd, p, n);
        return;
    }
    if (bd->coding == CODING_OTHER) return;          /* br, compress: counted raw */
    if (bd->zstate == Z_IDLE && !z_start(bd, p, n)) { give_up(bd, p, n); return; }
    if (bd->zstate != Z_RUNNING) return;
    z_stream *z = bd->z;
    uint8_t out[16384];
    z->next_in = (Bytef *)(uintptr_t)p;
    z->avail_in = n;
    for (;;) {
        z->next_out = out;
        z->avail_out = sizeof out;
        int r = inflate(z, Z_NO_FLUSH);
        size_t got = sizeof out - z->avail_out;
        sniff_add(bd, out, got);
        bd->decoded += got;
        if (bd->decoded > max_decoded) {            /* a decompression bomb: stop counting */
            bd->decoded = max_decoded;
            body_end(bd);
            bd->zstate = Z_CAPPED;
            return;
        }
        if (r == Z_STREAM_END) {
            /* Another gzip member may follow (concatenated gzip); anything else is trailing
             * garbage, ignored as browsers do. */
            if (z->avail_in >= 2 && z->next_in[0] == 0x1f && z->next_in[1] == 0x8b &&
                inflateReset(z) == Z_OK)
                continue;
            body_end(bd);
            bd->zstate = Z_DONE;
            return;
        }
        if (r == Z_BUF_ERROR || (r == Z_OK && z->avail_in == 0 && z->avail_out > 0)) return;
        if (r != Z_OK) {
            give_up(bd, p, n);
            return;
        }
    }
}

void body_hole(struct http_body *bd)
{
    if (bd->coding != CODING_GZIP && bd->coding != CODING_DEFLATE) return;
    body_end(bd);
    if (bd->zstate == Z_FAILED || bd->zstate == Z_CAPPED) return;
    if (bd->decoded == 0) bd->coding = CODING_OTHER;    /* nothing decoded: count what came */
    else bd->zstate = Z_DONE;
}

uint64_t body_length(const struct http_body *bd)
{
    if (bd->coding == CODING_OTHER) return bd->raw;
    return bd->decoded;
}

bool body_decode_failed(const struct http_body *bd) { return bd->zstate == Z_FAILED; }

/* ---- MIME types, from the first bytes (a small table of the common magic numbers) ---------- */

struct magic { const char *bytes; uint8_t len; uint8_t at; const char *mime; };

static const struct magic magics[] = {
    { "%PDF-", 5, 0, "application/pdf" },
    { "MZ", 2, 0, "application/x-dosexec" },
    { "\x7f" "ELF", 4, 0, "application/x-executable" },
    { "PK\x03\x04", 4, 0, "application/zip" },
    { "\x1f\x8b", 2, 0, "application/x-gzip" },
    { "BZh", 3, 0, "application/x-bzip2" },
    { "\xfd" "7zXZ\x00", 6, 0, "application/x-xz" },
    { "7z\xbc\xaf\x27\x1c", 6, 0, "application/x-7z-compressed" },
    { "Rar!\x1a\x07", 6, 0, "application/x-rar" },
    { "\xca\xfe\xba\xbe", 4, 0, "application/x-java-applet" },
    { "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, 0, "application/vnd.ms-office" },
    { "%!PS", 4, 0, "application/postscript" },
    { "{\\rtf", 5, 0, "text/rtf" },
    { "FWS", 3, 0, "application/x-shockwave-flash" },
    { "CWS", 3, 0, "application/x-shockwave-flash" },
    { "GIF87a", 6, 0, "image/gif" },
    { "GIF89a", 6, 0, "image/gif" },
    { "\x89PNG\r\n\x1a\n", 8, 0, "image/png" },
    { "\xff\xd8\xff", 3, 0, "image/jpeg" },
    { "WEBP", 4, 8, "image/webp" },           /* RIFF....WEBP */
    { "II*\x00", 4, 0, "image/tiff" },
    { "MM\x00*", 4, 0, "image/tiff" },
    { "\x00\x00\x01\x00", 4, 0, "image/x-icon" },
    { "ID3", 3, 0, "audio/mpeg" },
    { "OggS", 4, 0, "application/ogg" },
    { "ftyp", 4, 4, "video/mp4" },
    { "wOFF", 4, 0, "application/font-woff" },
    { "wOF2", 4, 0, "font/woff2" },
    { "\x00asm", 4, 0, "application/wasm" },
};

static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

/* Markup after an optional UTF-8 byte order mark and white space. */
static const char *markup(const uint8_t *p, size_t n)
{
    static const char *const html[] = { "<!doctype html", "<html", "<head", "<title", "<body",
                                        "<script", "<iframe", "<h1", "<div", "<table", "<style",
                                        "<meta", "<!--", NULL };
    size_t i = 0;
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) i = 3;
    while (i < n && is_space(p[i])) i++;
    if (i >= n || p[i] != '<') return NULL;
    if (n - i >= 5 && !memcmp(p + i, "<?xml", 5)) return "application/xml";
    if (n - i >= 4 && !strncasecmp((const char *)p + i, "<svg", 4)) return "image/svg+xml";
    for (int k = 0; html[k]; k++) {
        size_t l = strlen(html[k]);
        if (n - i >= l && !strncasecmp((const char *)p + i, html[k], l)) return "text/html";
    }
    return NULL;
}

const char *mime_sniff(const uint8_t *p, size_t n)
{
    if (!n) return NULL;
    for (size_t k = 0; k < sizeof magics / sizeof *magics; k++) {
        const struct magic *m = &magics[k];
        if (n >= (size_t)m->at + m->len && !memcmp(p + m->at, m->bytes, m->len)) {
            if (m->at == 8 && memcmp(p, "RIFF", 4)) continue;
            return m->mime;
        }
    }
    const char *mk = markup(p, n);
    if (mk) return mk;
    /* JSON and plain text: printable ASCII (or UTF-8) and white space only. */
    size_t look = n < 64 ? n : 64, i = 0;
    for (size_t k = 0; k < look; k++)
        if (p[k] < 0x20 ? !is_space(p[k]) : p[k] == 0x7f) return NULL;
    while (i < n && is_space(p[i])) i++;
    if (i < n && (p[i] == '{' || p[i] == '[')) {
        size_t j = i + 1;
        while (j < n && is_space(p[j])) j++;
        if (j >= n || p[j] == '"' || p[j] == '{' || p[j] == '[' || p[j] == ']' || p[j] == '}')
            return "text/json";
    }
    return "text/plain";
}
