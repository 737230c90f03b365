/* http.h — what the http plugin's two files share: message bodies measured as they stream
 * (transfer decoding is http.c's, content decoding and MIME sniffing body.c's). */
#ifndef TRAWL_PLUGIN_HTTP_H
#define TRAWL_PLUGIN_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CODING_IDENTITY = 0, CODING_GZIP, CODING_DEFLATE, CODING_OTHER };
enum { Z_IDLE = 0, Z_RUNNING, Z_DONE, Z_FAILED, Z_CAPPED };

#define SNIFF_MAX 128

/* One message body, fed in pieces and never held: only its first bytes are kept (for the
 * MIME type), the rest is counted. */
struct http_body {
    uint64_t raw;              /* bytes after transfer decoding (de-chunked) */
    uint64_t decoded;          /* bytes after content decoding */
    void *z;                   /* inflate state while a gzip/deflate body streams */
    uint8_t coding;            /* CODING_* */
    uint8_t zstate;            /* Z_* */
    uint8_t sniff_len;
    uint8_t sniff[SNIFF_MAX];  /* first decoded bytes */
};

/* Start a body with the message's content coding. */
void body_begin(struct http_body *bd, int coding);
/* More transfer-decoded bytes; decoding stops (Z_CAPPED) past max_decoded output bytes. */
void body_feed(struct http_body *bd, const uint8_t *p, uint32_t n, uint64_t max_decoded);
/* Bytes of the body were never captured: a decoder cannot go on, what it decoded stays (the raw
 * count when it had decoded nothing). */
void body_hole(struct http_body *bd);
/* Release the decoder (the counts stay). */
void body_end(struct http_body *bd);
/* The body's length as analysts want it: decoded, or the raw length when nothing decoded. */
uint64_t body_length(const struct http_body *bd);
/* Content decoding was tried and failed. */
bool body_decode_failed(const struct http_body *bd);
/* The MIME type the first bytes of a body show, or NULL (nothing recognised, or empty). */
const char *mime_sniff(const uint8_t *p, size_t n);

#endif
