/* ja.c — client and server fingerprints.
 *
 * JA3 / JA3S as tshark 4.0 computes them (salesforce/ja3): decimal values joined by '-', the
 * lists joined by ','; GREASE values (RFC 8701) left out of the cipher, extension and group
 * lists; an absent list is empty ("769,47,"; "769,4-5,,,"). MD5 in lower-case hex.
 *
 * JA4 / JA4S per the FoxIO JA4+ specification (technical_details/JA4.md, JA4S.md):
 *   JA4  = {t|q}{version}{d|i}{#ciphers:02}{#extensions:02}{alpn}_{sha256(sorted ciphers)[:12]}
 *          _{sha256(sorted extensions without SNI and ALPN "_" signature algorithms)[:12]}
 *   JA4S = {t|q}{version}{#extensions:02}{alpn}_{cipher}_{sha256(extensions in order)[:12]}
 * GREASE is ignored everywhere; counts stop at 99; an empty list hashes to "000000000000";
 * the version is the highest of supported_versions when present, else the hello's.
 * tls.handshake.ja4_r is JA4's raw form (the lists instead of their hashes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tls.h"

static void hex_digest(const EVP_MD *md, const void *s, size_t n, char *out, unsigned want)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    out[0] = 0;
    if (!EVP_Digest(s, n, d, &dl, md, NULL) || dl != want) return;
    static const char hx[] = "0123456789abcdef";
    for (unsigned i = 0; i < dl; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * dl] = 0;
}

void tls_md5_hex(const char *s, size_t n, char out[33]) { hex_digest(EVP_md5(), s, n, out, 16); }
void tls_sha256_hex(const uint8_t *s, size_t n, char out[65]) { hex_digest(EVP_sha256(), s, n, out, 32); }

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* ---- JA3 ------------------------------------------------------------------------------------ */

struct sbuf { char *p; size_t n, cap; };

static void sb_printf(struct sbuf *b, const char *fmt, unsigned v)
{
    if (b->n >= b->cap) return;
    int k = snprintf(b->p + b->n, b->cap - b->n, fmt, v);
    if (k > 0) b->n = b->n + (size_t)k < b->cap ? b->n + (size_t)k : b->cap - 1;
}
static void sb_char(struct sbuf *b, char c)
{
    if (b->n + 1 < b->cap) { b->p[b->n++] = c; b->p[b->n] = 0; }
}

/* Decimal list joined by '-', GREASE out when asked. */
static void dec_list16(struct sbuf *b, const uint8_t *p, uint32_t n, bool grease)
{
    bool first = true;
    for (uint32_t i = 0; p && i < n; i++) {
        uint16_t v = be16(p + 2 * i);
        if (grease && tls_is_grease(v)) continue;
        if (!first) sb_char(b, '-');
        sb_printf(b, "%u", v);
        first = false;
    }
}

static size_t ja3_room(const struct tls_hello *h)
{
    return 16 + 6 * ((size_t)h->nciphers + h->nexts + h->ngroups) + 4 * (size_t)h->necpf;
}

void tls_ja3(struct trawl_packet *pkt, const struct tls_hello *h, struct tls_flow *fs)
{
    size_t cap = ja3_room(h);
    char *s = trawl_packet_alloc(pkt, cap);
    if (!s) return;
    struct sbuf b = { s, 0, cap };
    s[0] = 0;
    sb_printf(&b, "%u,", h->version);
    dec_list16(&b, h->ciphers, h->nciphers, true);
    sb_char(&b, ',');
    bool first = true;
    for (uint32_t i = 0; i < h->nexts; i++) {
        if (tls_is_grease(h->exts[i])) continue;
        if (!first) sb_char(&b, '-');
        sb_printf(&b, "%u", h->exts[i]);
        first = false;
    }
    sb_char(&b, ',');
    dec_list16(&b, h->groups, h->ngroups, true);
    sb_char(&b, ',');
    for (uint32_t i = 0; h->ecpf && i < h->necpf; i++) {
        if (i) sb_char(&b, '-');
        sb_printf(&b, "%u", h->ecpf[i]);
    }
    char md5[33];
    tls_md5_hex(s, b.n, md5);
    trawl_add_string(pkt, F_JA3_FULL, s, (uint32_t)b.n);
    trawl_add_stringf(pkt, F_JA3, "%s", md5);
    if (!fs->ja3[0]) memcpy(fs->ja3, md5, 33);
}

void tls_ja3s(struct trawl_packet *pkt, const struct tls_hello *h, struct tls_flow *fs)
{
    size_t cap = 32 + 6 * (size_t)h->nexts;
    char *s = trawl_packet_alloc(pkt, cap);
    if (!s) return;
    struct sbuf b = { s, 0, cap };
    s[0] = 0;
    sb_printf(&b, "%u,", h->version);
    sb_printf(&b, "%u,", h->cipher);
    bool first = true;
    for (uint32_t i = 0; i < h->nexts; i++) {
        if (tls_is_grease(h->exts[i])) continue;
        if (!first) sb_char(&b, '-');
        sb_printf(&b, "%u", h->exts[i]);
        first = false;
    }
    char md5[33];
    tls_md5_hex(s, b.n, md5);
    trawl_add_string(pkt, F_JA3S_FULL, s, (uint32_t)b.n);
    trawl_add_stringf(pkt, F_JA3S, "%s", md5);
    memcpy(fs->ja3s, md5, 33);
}

/* ---- JA4 ------------------------------------------------------------------------------------ */

static const char *ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
}

static bool alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The two ALPN characters: first and last of the value, or of its hex form when either is not
 * alphanumeric; "00" when there is no value. */
static void ja4_alpn(const uint8_t *p, uint32_t n, char out[3])
{
    static const char hx[] = "0123456789abcdef";
    if (!p || !n) { memcpy(out, "00", 3); return; }
    uint8_t a = p[0], z = p[n - 1];
    if (alnum(a) && alnum(z)) { out[0] = (char)a; out[1] = (char)z; }
    else { out[0] = hx[a >> 4]; out[1] = hx[z & 15]; }
    out[2] = 0;
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return x < y ? -1 : x > y;
}

/* "abcd,ef01,..." of n values into s (room for 5 per value). */
static size_t hex_join(char *s, const uint16_t *v, uint32_t n)
{
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++) k += (size_t)sprintf(s + k, i ? ",%04x" : "%04x", v[i]);
    s[k] = 0;
    return k;
}

static void hash12(const char *s, size_t n, char out[13])
{
    char full[65];
    if (!n) { memcpy(out, "000000000000", 13); return; }
    tls_sha256_hex((const uint8_t *)s, n, full);
    memcpy(out, full, 12);
    out[12] = 0;
}

void tls_ja4_string(const struct tls_hello *h, char proto, char *ja4, size_t n4, char *raw, size_t nraw)
{
    uint16_t cs[32768], ex[512], sg[512];
    uint32_t nc = 0, ne = 0, ns = 0, next_all = 0;
    for (uint32_t i = 0; h->ciphers && i < h->nciphers && nc < 32768; i++) {
        uint16_t v = be16(h->ciphers + 2 * i);
        if (!tls_is_grease(v)) cs[nc++] = v;
    }
    for (uint32_t i = 0; i < h->nexts; i++) {
        uint16_t v = h->exts[i];
        if (tls_is_grease(v)) continue;
        next_all++;
        if (v != 0x0000 && v != 0x0010) ex[ne++] = v;
    }
    for (uint32_t i = 0; h->sigs && i < h->nsigs && ns < 512; i++) {
        uint16_t v = be16(h->sigs + 2 * i);
        if (!tls_is_grease(v)) sg[ns++] = v;
    }
    qsort(cs, nc, sizeof *cs, cmp_u16);
    qsort(ex, ne, sizeof *ex, cmp_u16);
    uint16_t vv = h->has_sv && h->max_sv ? h->max_sv : h->version;
    char alpn[3];
    ja4_alpn(h->has_alpn ? h->alpn : NULL, h->has_alpn ? h->alpn_len : 0, alpn);
    char a[16];
    snprintf(a, sizeof a, "%c%s%c%02u%02u%s", proto, ja4_version(vv), h->has_sni ? 'd' : 'i',
             nc > 99 ? 99 : nc, next_all > 99 ? 99 : next_all, alpn);
    /* Lists: ciphers; extensions "_" signature algorithms. */
    char *cl = malloc((size_t)nc * 5 + 1), *el = malloc(((size_t)ne + ns) * 5 + 2);
    if (!cl || !el) { free(cl); free(el); if (n4) ja4[0] = 0; if (nraw) raw[0] = 0; return; }
    size_t cn = hex_join(cl, cs, nc);
    size_t en = hex_join(el, ex, ne);
    if (ns) {
        el[en++] = '_';
        en += hex_join(el + en, sg, ns);
    }
    char hc[13], he[13];
    hash12(cl, cn, hc);
    hash12(el, ne ? en : 0, he);
    if (n4) snprintf(ja4, n4, "%s_%s_%s", a, hc, he);
    if (nraw) snprintf(raw, nraw, "%s_%s_%s", a, cl, el);
    free(cl);
    free(el);
}

void tls_ja4(struct trawl_packet *pkt, const struct tls_hello *h, struct tls_flow *fs, char proto)
{
    char ja4[40];
    bool want_raw = trawl_wants(pkt, F_JA4_R);
    size_t nraw = want_raw ? 32 + 5 * ((size_t)h->nciphers + h->nexts + h->nsigs) : 0;
    char *raw = nraw ? trawl_packet_alloc(pkt, nraw) : NULL;
    tls_ja4_string(h, proto, ja4, sizeof ja4, raw, raw ? nraw : 0);
    trawl_add_stringf(pkt, F_JA4, "%s", ja4);
    if (raw) trawl_add_cstring(pkt, F_JA4_R, raw);
    if (!fs->ja4[0]) memcpy(fs->ja4, ja4, sizeof ja4);
}

void tls_ja4s(struct trawl_packet *pkt, const struct tls_hello *h, struct tls_flow *fs, char proto)
{
    uint16_t ex[512];
    uint32_t ne = 0;
    for (uint32_t i = 0; i < h->nexts; i++)
        if (!tls_is_grease(h->exts[i])) ex[ne++] = h->exts[i];
    char el[512 * 5 + 1];
    size_t en = hex_join(el, ex, ne);
    char he[13], alpn[3];
    hash12(el, en, he);
    ja4_alpn(h->has_alpn ? h->alpn : NULL, h->has_alpn ? h->alpn_len : 0, alpn);
    uint16_t vv = h->has_sv && h->max_sv ? h->max_sv : h->version;
    char s[40];
    snprintf(s, sizeof s, "%c%s%02u%s_%04x_%s", proto, ja4_version(vv), ne > 99 ? 99 : ne, alpn,
             h->cipher, he);
    trawl_add_stringf(pkt, F_JA4S, "%s", s);
    memcpy(fs->ja4s, s, sizeof s);
}
