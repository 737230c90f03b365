/* names.c — OID names (OpenSSL's, as Zeek prints them) and an RFC 2253 formatter of our own,
 * used for the x509 record when libcrypto refuses a (damaged) certificate. */
#include <stdio.h>
#include <string.h>

#include "x509_int.h"

struct oid_name { const char *oid, *name; };

static const struct oid_name long_names[] = {
    { "1.2.840.113549.1.1.1", "rsaEncryption" },
    { "1.2.840.113549.1.1.4", "md5WithRSAEncryption" },
    { "1.2.840.113549.1.1.5", "sha1WithRSAEncryption" },
    { "1.2.840.113549.1.1.10", "rsassaPss" },
    { "1.2.840.113549.1.1.11", "sha256WithRSAEncryption" },
    { "1.2.840.113549.1.1.12", "sha384WithRSAEncryption" },
    { "1.2.840.113549.1.1.13", "sha512WithRSAEncryption" },
    { "1.2.840.113549.1.1.14", "sha224WithRSAEncryption" },
    { "1.2.840.10040.4.1", "dsaEncryption" },
    { "1.2.840.10040.4.3", "dsaWithSHA1" },
    { "1.2.840.10045.2.1", "id-ecPublicKey" },
    { "1.2.840.10045.4.1", "ecdsa-with-SHA1" },
    { "1.2.840.10045.4.3.1", "ecdsa-with-SHA224" },
    { "1.2.840.10045.4.3.2", "ecdsa-with-SHA256" },
    { "1.2.840.10045.4.3.3", "ecdsa-with-SHA384" },
    { "1.2.840.10045.4.3.4", "ecdsa-with-SHA512" },
    { "1.3.101.112", "ED25519" },
    { "1.3.101.113", "ED448" },
    { NULL, NULL },
};

static const struct oid_name short_names[] = {
    { "2.5.4.3", "CN" }, { "2.5.4.4", "SN" }, { "2.5.4.5", "serialNumber" }, { "2.5.4.6", "C" },
    { "2.5.4.7", "L" }, { "2.5.4.8", "ST" }, { "2.5.4.9", "street" }, { "2.5.4.10", "O" },
    { "2.5.4.11", "OU" }, { "2.5.4.12", "title" }, { "2.5.4.13", "description" },
    { "2.5.4.15", "businessCategory" }, { "2.5.4.17", "postalCode" }, { "2.5.4.42", "GN" },
    { "2.5.4.43", "initials" }, { "2.5.4.44", "generationQualifier" }, { "2.5.4.46", "dnQualifier" },
    { "2.5.4.65", "pseudonym" }, { "2.5.4.97", "organizationIdentifier" },
    { "1.2.840.113549.1.9.1", "emailAddress" }, { "0.9.2342.19200300.100.1.25", "DC" },
    { "0.9.2342.19200300.100.1.1", "UID" }, { "1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL" },
    { "1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST" }, { "1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC" },
    { NULL, NULL },
};

static const char *lookup(const struct oid_name *t, const char *oid)
{
    for (; t->oid; t++)
        if (!strcmp(t->oid, oid)) return t->name;
    return NULL;
}

const char *x509_oid_name(const char *dotted) { return lookup(long_names, dotted); }
const char *x509_attr_short(const char *dotted) { return lookup(short_names, dotted); }

/* ---- RFC 2253 ---------------------------------------------------------------------------- */

struct sbuf { char *p; size_t cap, n; bool full; };

static void sb_put(struct sbuf *s, const char *p, size_t n)
{
    if (s->n + n >= s->cap) { s->full = true; n = s->cap - 1 - s->n; }
    memcpy(s->p + s->n, p, n);
    s->n += n;
    s->p[s->n] = 0;
}
static void sb_c(struct sbuf *s, char c) { sb_put(s, &c, 1); }
static void sb_hex(struct sbuf *s, uint8_t b, bool upper)
{
    const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char t[2] = { hx[b >> 4], hx[b & 15] };
    sb_put(s, t, 2);
}

/* One UTF-8 byte sequence's worth of escaping, as OpenSSL's RFC 2253 flags do it: the 2253
 * specials with a backslash, control and non-ASCII bytes as \XX. */
static void esc_byte(struct sbuf *s, uint8_t c, bool first, bool last)
{
    if (c < 0x20 || c >= 0x7f) { sb_c(s, '\\'); sb_hex(s, c, true); return; }
    if (strchr(",+\"\\<>;", c) || (first && (c == '#' || c == ' ')) || (last && c == ' '))
        sb_c(s, '\\');
    sb_c(s, (char)c);
}

static void put_utf8_esc(struct sbuf *s, uint32_t c, bool first, bool last)
{
    uint8_t o[4];
    size_t n;
    if (c > 0x10ffff) c = 0xfffd;
    if (c < 0x80) { o[0] = (uint8_t)c; n = 1; }
    else if (c < 0x800) { o[0] = (uint8_t)(0xc0 | c >> 6); o[1] = (uint8_t)(0x80 | (c & 0x3f)); n = 2; }
    else if (c < 0x10000) {
        o[0] = (uint8_t)(0xe0 | c >> 12); o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (uint8_t)(0x80 | (c & 0x3f)); n = 3;
    } else {
        o[0] = (uint8_t)(0xf0 | c >> 18); o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
        o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f)); o[3] = (uint8_t)(0x80 | (c & 0x3f)); n = 4;
    }
    for (size_t i = 0; i < n; i++) esc_byte(s, o[i], first && i == 0, last && i == n - 1);
}

static void put_value(struct sbuf *s, const struct der *v, const uint8_t *p)
{
    bool str = v->cls == DER_UNIVERSAL && !v->cons &&
               (v->tag == DER_UTF8 || v->tag == DER_PRINTABLE || v->tag == DER_TELETEX ||
                v->tag == DER_IA5 || v->tag == DER_VISIBLE || v->tag == DER_NUMERIC ||
                v->tag == DER_BMP || v->tag == DER_UNIVERSAL_STR);
    if (!str) {
        /* #hex of the whole DER element, as OpenSSL dumps what is not a string */
        sb_c(s, '#');
        const uint8_t *h = p - v->hdr;   /* the header was read just before the content */
        for (uint32_t i = 0; i < v->hdr; i++) sb_hex(s, h[i], false);
        for (uint32_t i = 0; i < v->len; i++) sb_hex(s, p[i], false);
        return;
    }
    unsigned unit = v->tag == DER_BMP ? 2 : v->tag == DER_UNIVERSAL_STR ? 4 : 1;
    uint32_t n = v->len / unit;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = 0;
        for (unsigned k = 0; k < unit; k++) c = c << 8 | p[i * unit + k];
        if (unit == 1 && c >= 0x80 && v->tag == DER_UTF8) {
            esc_byte(s, (uint8_t)c, i == 0, i + 1 == n);   /* already UTF-8: escape its bytes */
            continue;
        }
        put_utf8_esc(s, c, i == 0, i + 1 == n);   /* the other 8-bit strings as Latin-1 */
    }
}

bool x509_name_rfc2253(const struct der *name, char *out, size_t cap)
{
    if (!cap) return false;
    out[0] = 0;
    if (!der_is(name, DER_SEQUENCE) || !name->cons) return false;
    /* a private latch: formatting never marks the layer */
    uint8_t latch = 0;
    struct trawl_buf c = name->c;
    c.err = &latch;
    enum { MAX_RDN = 256 };
    uint32_t offs[MAX_RDN], n = 0;
    struct der rdn;
    for (uint32_t off = 0; off < c.len && n < MAX_RDN && der_read(&c, off, &rdn); off = der_end(&rdn))
        offs[n++] = off;
    if (latch) return false;
    struct sbuf s = { out, cap, 0, false };
    for (uint32_t i = n; i-- > 0;) {
        if (!der_read(&c, offs[i], &rdn) || !der_is(&rdn, DER_SET)) return false;
        if (i + 1 != n) sb_c(&s, ',');
        struct der atv;
        bool first = true;
        for (uint32_t off = 0; off < rdn.c.len && der_read(&rdn.c, off, &atv); off = der_end(&atv)) {
            struct der t, v;
            char oid[256];
            const uint8_t *tp, *vp;
            if (!der_read(&atv.c, 0, &t) || !der_read(&atv.c, der_end(&t), &v)) return false;
            if (!(tp = der_bytes(&t)) || !(vp = der_bytes(&v))) return false;
            if (der_oid_text(tp, t.len, oid, sizeof oid) != 1) return false;
            if (!first) sb_c(&s, '+');
            first = false;
            const char *sn = x509_attr_short(oid);
            sb_put(&s, sn ? sn : oid, strlen(sn ? sn : oid));
            sb_c(&s, '=');
            if (!sn) {
                /* unknown attribute types are dumped as #hex DER (XN_FLAG_DUMP_UNKNOWN_FIELDS) */
                struct der dump = v;
                dump.cls = 0xff;
                put_value(&s, &dump, vp);
            } else put_value(&s, &v, vp);
        }
        if (latch) return false;
    }
    return !s.full;
}
