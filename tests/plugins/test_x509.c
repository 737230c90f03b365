/* test_x509.c — the x509 plugin (suite "x509"): certificates made at test time with libcrypto
 * (odd string types, SANs of every kind, RSA and EC keys, long and negative serials,
 * GeneralizedTime validity after 2049, v1 certificates, huge, critical and unknown extensions),
 * certificates taken from the shared captures' bytes, and malformed ones (lengths past the end,
 * depth bombs, indefinite lengths, every cut of a real certificate, zero-length everything). All
 * are fed through decode-as (-d udp.port==9999,x509), one certificate per UDP payload.
 *
 * Expected field values are what tshark 4.0 prints for the same certificate (checked with
 * tshark on the same DER wrapped in a TLS Certificate message: TRAWL_X509_DUMP=DIR writes the
 * generated certificates there); record values are Zeek's formats (openssl x509 -nameopt
 * RFC2253 for the names, upper-case hex serials, SHA-256 fingerprints).
 *
 * The test binary does not link libcrypto itself: libtrawl does, so its functions are in the
 * process and are looked up with dlsym (the OSSL(fn) macro keeps their prototypes).
 */
#include <CUnit/CUnit.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "../harness.h"
#include "../pktgen.h"

#define OSSL(fn) ((__typeof__(&fn))ossl_sym(#fn))
#define FIELD_IS(t, f, v) CU_ASSERT_STRING_EQUAL(th_field(t, f), v)
#define REC_IS(t, i, c, v) CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "x509", i, c), v)

static void *ossl_sym(const char *name)
{
    void *p = dlsym(RTLD_DEFAULT, name);
    if (!p) fprintf(stderr, "test_x509: libcrypto function %s not found\n", name);
    return p;
}

/* ---- making certificates ------------------------------------------------------------------ */

struct rdn { const char *oid; int type; const char *val; int len; };   /* len -1: strlen */
struct ext { const char *oid; int crit; const uint8_t *der; size_t len; };
enum { KEY_RSA, KEY_EC256, KEY_EC384 };

struct spec {
    int key;
    long version;                   /* 0 = v1, 2 = v3 */
    const uint8_t *serial;          /* magnitude, big-endian */
    size_t serial_len;
    bool serial_negative;
    const struct rdn *subject;      /* ends with oid NULL */
    const struct rdn *issuer;       /* NULL: the subject */
    const char *not_before, *not_after;   /* 13 chars: UTCTime; 15: GeneralizedTime */
    const struct ext *exts;         /* ends with oid NULL; may be NULL */
};

static EVP_PKEY *make_key(int key)
{
    if (key == KEY_RSA) return OSSL(EVP_PKEY_Q_keygen)(NULL, NULL, "RSA", (size_t)2048);
    return OSSL(EVP_PKEY_Q_keygen)(NULL, NULL, "EC", key == KEY_EC256 ? "P-256" : "P-384");
}

static void add_names(X509_NAME *n, const struct rdn *r)
{
    for (; r->oid; r++) {
        ASN1_OBJECT *o = OSSL(OBJ_txt2obj)(r->oid, 1);
        int len = r->len < 0 ? (int)strlen(r->val) : r->len;
        int ok = OSSL(X509_NAME_add_entry_by_OBJ)(n, o, r->type, (const unsigned char *)r->val, len, -1, 0);
        CU_ASSERT(ok == 1);
        OSSL(ASN1_OBJECT_free)(o);
    }
}

/* The DER of a self-signed (or issuer-named) certificate; *n its length. free() it. */
static uint8_t *make_cert(const struct spec *s, size_t *n)
{
    EVP_PKEY *pk = make_key(s->key);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pk);
    X509 *x = OSSL(X509_new)();
    OSSL(X509_set_version)(x, s->version);
    ASN1_INTEGER *sn = OSSL(ASN1_INTEGER_new)();
    if (s->serial_negative) OSSL(ASN1_INTEGER_set_int64)(sn, -(int64_t)s->serial[0]);
    else OSSL(ASN1_STRING_set)(sn, s->serial, (int)s->serial_len);
    OSSL(X509_set_serialNumber)(x, sn);
    OSSL(ASN1_INTEGER_free)(sn);
    add_names(OSSL(X509_get_subject_name)(x), s->subject);
    add_names(OSSL(X509_get_issuer_name)(x), s->issuer ? s->issuer : s->subject);
    CU_ASSERT(OSSL(ASN1_TIME_set_string)(OSSL(X509_getm_notBefore)(x), s->not_before) == 1);
    CU_ASSERT(OSSL(ASN1_TIME_set_string)(OSSL(X509_getm_notAfter)(x), s->not_after) == 1);
    OSSL(X509_set_pubkey)(x, pk);
    for (const struct ext *e = s->exts; e && e->oid; e++) {
        ASN1_OBJECT *o = OSSL(OBJ_txt2obj)(e->oid, 1);
        ASN1_OCTET_STRING *os = OSSL(ASN1_OCTET_STRING_new)();
        OSSL(ASN1_OCTET_STRING_set)(os, e->der, (int)e->len);
        X509_EXTENSION *xe = OSSL(X509_EXTENSION_create_by_OBJ)(NULL, o, e->crit, os);
        CU_ASSERT_PTR_NOT_NULL(xe);
        OSSL(X509_add_ext)(x, xe, -1);
        OSSL(X509_EXTENSION_free)(xe);
        OSSL(ASN1_OCTET_STRING_free)(os);
        OSSL(ASN1_OBJECT_free)(o);
    }
    CU_ASSERT(OSSL(X509_sign)(x, pk, OSSL(EVP_sha256)()) > 0);
    unsigned char *der = NULL;
    int len = OSSL(i2d_X509)(x, &der);
    CU_ASSERT_FATAL(len > 0);
    uint8_t *out = malloc((size_t)len);
    memcpy(out, der, (size_t)len);
    OSSL(CRYPTO_free)(der, __FILE__, __LINE__);
    OSSL(X509_free)(x);
    OSSL(EVP_PKEY_free)(pk);
    *n = (size_t)len;
    const char *dump = getenv("TRAWL_X509_DUMP");
    if (dump && *dump) {
        static int seq;   /* test-only: names the dumped files */
        char path[512];
        snprintf(path, sizeof path, "%s/cert%02d.der", dump, seq++);
        FILE *f = fopen(path, "wb");
        if (f) { fwrite(out, 1, *n, f); fclose(f); }
    }
    return out;
}

static void sha256_hex(const uint8_t *p, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned mdlen = 0;
    OSSL(EVP_Digest)(p, n, md, &mdlen, OSSL(EVP_sha256)(), NULL);
    for (unsigned i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- feeding them ------------------------------------------------------------------------- */

static struct th *start(void)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    const char *da[] = { "udp.port==9999,x509", NULL };
    struct th *t = trawl_test_new_opts(dirs, da, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

static uint8_t frame[70000];

/* One UDP datagram to port 9999 carrying p (caplen: bytes captured of the frame, 0 = all). */
static void feed(struct th *t, const uint8_t *p, size_t n, size_t caplen)
{
    struct pg_ep c = pg_v4(192, 0, 2, 10, 40000), s = pg_v4(192, 0, 2, 20, 9999);
    size_t len = pg_ipv4(frame, 17, &c, &s, 1, 0, 0, 0, p, n);
    th_bytes(t, 1, frame, (uint32_t)(caplen && caplen < len ? caplen : len), (uint32_t)len);
}

/* ---- generated: RSA, v3, every SAN kind, critical and unknown extensions ------------------ */

/* DER of the extension values (hand-written, so the expected values are plain). */
static const uint8_t bc_ca3[] = { 0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x03 };
/* keyUsage: digitalSignature, keyCertSign, cRLSign (0x86, 1 unused bit) */
static const uint8_t ku[] = { 0x03, 0x02, 0x01, 0x86 };
/* extKeyUsage: serverAuth, clientAuth */
static const uint8_t eku[] = { 0x30, 0x14, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01,
                               0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02 };
/* subjectAltName: dNS a.example.com, b.example.com, rfc822 admin@example.com, URI
 * https://example.com/x, IP 192.0.2.1, IP 2001:db8::1, registeredID 1.2.3.4, directoryName CN=dir */
static const uint8_t san[] = {
    0x30, 0x77,
    0x82, 0x0d, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
    0x82, 0x0d, 'b', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
    0x81, 0x11, 'a', 'd', 'm', 'i', 'n', '@', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
    0x86, 0x15, 'h', 't', 't', 'p', 's', ':', '/', '/', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', '/', 'x',
    0x87, 0x04, 192, 0, 2, 1,
    0x87, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x88, 0x03, 0x2a, 0x03, 0x04,
    0xa4, 0x10, 0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03, 'd', 'i', 'r',
};
/* subjectKeyIdentifier */
static const uint8_t ski[] = { 0x04, 0x04, 0xde, 0xad, 0xbe, 0xef };

static void test_generated_rsa(void)
{
    static const uint8_t serial[21] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                        0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15 };
    static uint8_t huge[3000 + 4];
    huge[0] = 0x04; huge[1] = 0x82; huge[2] = 3000 >> 8; huge[3] = 3000 & 0xff;
    memset(huge + 4, 0x5a, 3000);
    const struct rdn subj[] = {
        { "2.5.4.6", V_ASN1_PRINTABLESTRING, "US", -1 },
        { "2.5.4.8", V_ASN1_UTF8STRING, "Z\xc3\xbcrich", -1 },
        { "2.5.4.10", V_ASN1_PRINTABLESTRING, "Acme, Inc.", -1 },
        { "2.5.4.3", V_ASN1_UTF8STRING, "*.example.com", -1 },
        { NULL, 0, NULL, 0 },
    };
    const struct rdn iss[] = {
        { "2.5.4.6", V_ASN1_PRINTABLESTRING, "US", -1 },
        { "2.5.4.3", V_ASN1_PRINTABLESTRING, "Test CA", -1 },
        { NULL, 0, NULL, 0 },
    };
    const struct ext exts[] = {
        { "2.5.29.19", 1, bc_ca3, sizeof bc_ca3 },
        { "2.5.29.15", 1, ku, sizeof ku },
        { "2.5.29.37", 0, eku, sizeof eku },
        { "2.5.29.17", 0, san, sizeof san },
        { "2.5.29.14", 0, ski, sizeof ski },
        { "1.2.3.4.5", 1, huge, sizeof huge },
        { NULL, 0, NULL, 0 },
    };
    const struct spec s = { KEY_RSA, 2, serial, sizeof serial, false, subj, iss,
                            "240102030405Z", "20500101000000Z", exts };
    size_t n;
    uint8_t *der = make_cert(&s, &n);
    struct th *t = start();
    feed(t, der, n, 0);
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:x509");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    FIELD_IS(t, "x509af.version", "2");
    FIELD_IS(t, "x509af.serialNumber", "0102030405060708090a0b0c0d0e0f101112131415");
    FIELD_IS(t, "x509af.algorithm.id", "1.2.840.113549.1.1.11,1.2.840.113549.1.1.1,1.2.840.113549.1.1.11");
    FIELD_IS(t, "x509af.issuer", "0");
    FIELD_IS(t, "x509if.rdnSequence", "2,1");   /* the issuer's, then the directoryName's */
    FIELD_IS(t, "x509af.rdnSequence", "4");
    FIELD_IS(t, "x509if.oid", "2.5.4.6,2.5.4.3,2.5.4.6,2.5.4.8,2.5.4.10,2.5.4.3,2.5.4.3");
    FIELD_IS(t, "x509sat.CountryName", "US,US");
    FIELD_IS(t, "x509sat.printableString", "Test CA,Acme, Inc.");
    FIELD_IS(t, "x509sat.uTF8String", "Z\xc3\xbcrich,*.example.com,dir");
    FIELD_IS(t, "x509sat.DirectoryString", "1,4,1,4,4");
    FIELD_IS(t, "x509af.utcTime", "2024-01-02 03:04:05 (UTC)");
    FIELD_IS(t, "x509af.generalizedTime", "Jan  1, 2050 00:00:00.000000000 UTC");
    FIELD_IS(t, "x509af.notBefore", "0");
    FIELD_IS(t, "x509af.notAfter", "1");
    FIELD_IS(t, "x509af.extensions", "6");
    FIELD_IS(t, "x509af.extension.id", "2.5.29.19,2.5.29.15,2.5.29.37,2.5.29.17,2.5.29.14,1.2.3.4.5");
    FIELD_IS(t, "x509af.critical", "1,1,1");
    FIELD_IS(t, "x509ce.cA", "1");
    FIELD_IS(t, "x509ce.pathLenConstraint", "3");
    FIELD_IS(t, "x509ce.KeyUsage", "86");
    FIELD_IS(t, "x509ce.KeyUsage.digitalSignature", "1");
    FIELD_IS(t, "x509ce.KeyUsage.keyEncipherment", "0");
    FIELD_IS(t, "x509ce.KeyUsage.keyCertSign", "1");
    FIELD_IS(t, "x509ce.KeyUsage.cRLSign", "1");
    FIELD_IS(t, "x509ce.KeyUsage.decipherOnly", "0");
    FIELD_IS(t, "x509ce.KeyPurposeIDs", "2");
    FIELD_IS(t, "x509ce.KeyPurposeId", "1.3.6.1.5.5.7.3.1,1.3.6.1.5.5.7.3.2");
    FIELD_IS(t, "x509ce.GeneralNames", "8");
    FIELD_IS(t, "x509ce.GeneralName", "2,2,1,6,7,7,8,4");
    FIELD_IS(t, "x509ce.dNSName", "a.example.com,b.example.com");
    FIELD_IS(t, "x509ce.rfc822Name", "admin@example.com");
    FIELD_IS(t, "x509ce.uniformResourceIdentifier", "https://example.com/x");
    FIELD_IS(t, "x509ce.IPAddress.ipv4", "192.0.2.1");
    FIELD_IS(t, "x509ce.IPAddress.ipv6", "2001:db8::1");
    FIELD_IS(t, "x509ce.registeredID", "1.2.3.4");
    FIELD_IS(t, "x509ce.directoryName", "0");
    FIELD_IS(t, "x509ce.SubjectKeyIdentifier", "deadbeef");
    CU_ASSERT_EQUAL(th_count(t, "x509af.encrypted"), 1);
    CU_ASSERT_EQUAL(strlen(th_field(t, "x509af.encrypted")), 512);   /* 2048-bit signature */
    CU_ASSERT_EQUAL(strncmp(th_field(t, "x509af.subjectPublicKey"), "3082010a02820101", 16), 0);

    /* the record: Zeek's x509.log */
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "x509"), 1);
    char fp[65];
    sha256_hex(der, n, fp);
    REC_IS(t, 0, "fingerprint", fp);
    REC_IS(t, 0, "certificate.version", "3");
    REC_IS(t, 0, "certificate.serial", "0102030405060708090A0B0C0D0E0F101112131415");
    REC_IS(t, 0, "certificate.subject", "CN=*.example.com,O=Acme\\, Inc.,ST=Z\\C3\\BCrich,C=US");
    REC_IS(t, 0, "certificate.issuer", "CN=Test CA,C=US");
    REC_IS(t, 0, "certificate.not_valid_before", "Jan  2, 2024 03:04:05.000000000 UTC");
    REC_IS(t, 0, "certificate.not_valid_after", "Jan  1, 2050 00:00:00.000000000 UTC");
    REC_IS(t, 0, "certificate.key_alg", "rsaEncryption");
    REC_IS(t, 0, "certificate.sig_alg", "sha256WithRSAEncryption");
    REC_IS(t, 0, "certificate.key_type", "rsa");
    REC_IS(t, 0, "certificate.key_length", "2048");
    REC_IS(t, 0, "certificate.exponent", "65537");
    REC_IS(t, 0, "certificate.curve", "");
    REC_IS(t, 0, "san.dns", "a.example.com,b.example.com");
    REC_IS(t, 0, "san.uri", "https://example.com/x");
    REC_IS(t, 0, "san.email", "admin@example.com");
    REC_IS(t, 0, "san.ip", "192.0.2.1,2001:db8::1");
    REC_IS(t, 0, "basic_constraints.ca", "1");
    REC_IS(t, 0, "basic_constraints.path_len", "3");
    REC_IS(t, 0, "host_cert", "0");
    REC_IS(t, 0, "client_cert", "0");
    REC_IS(t, 0, "id.resp_p", "9999");
    REC_IS(t, 0, "first_frame", "1");
    REC_IS(t, 0, "last_frame", "1");
    th_free(t);
    free(der);
}

/* ---- generated: EC, odd string types, negative serial ------------------------------------- */

static void test_generated_ec_strings(void)
{
    static const uint8_t serial[1] = { 0x01 };
    const struct rdn subj[] = {
        { "2.5.4.3", V_ASN1_BMPSTRING, "\x00" "B\x00" "M\x00" "P\x00\xe9", 8 },
        { "2.5.4.10", V_ASN1_UNIVERSALSTRING, "\x00\x00\x00U\x00\x01\xf6\x00", 8 },
        { "2.5.4.11", V_ASN1_T61STRING, "Teletex", -1 },
        { "1.2.840.113549.1.9.1", V_ASN1_IA5STRING, "a@b.c", -1 },
        { "1.2.3.4.99", V_ASN1_IA5STRING, "unknown", -1 },   /* a type tshark does not know */
        { "2.5.4.3", V_ASN1_UTF8STRING, "", 0 },              /* zero length */
        { "2.5.4.5", V_ASN1_PRINTABLESTRING, "SN42", -1 },
        { "0.9.2342.19200300.100.1.25", V_ASN1_IA5STRING, "example", -1 },
        { NULL, 0, NULL, 0 },
    };
    const struct spec s = { KEY_EC256, 2, serial, sizeof serial, true, subj, NULL,
                            "491231235959Z", "500101000000Z", NULL };
    size_t n;
    uint8_t *der = make_cert(&s, &n);
    struct th *t = start();
    feed(t, der, n, 0);
    CU_ASSERT_EQUAL(th_errors(t), 0);
    FIELD_IS(t, "x509af.serialNumber", "ff");
    FIELD_IS(t, "x509af.algorithm.id", "1.2.840.10045.4.3.2,1.2.840.10045.2.1,1.2.840.10045.4.3.2");
    FIELD_IS(t, "x509sat.bmpString", "BMP\xc3\xa9,BMP\xc3\xa9");
    FIELD_IS(t, "x509sat.universalString", "U\xf0\x9f\x98\x80,U\xf0\x9f\x98\x80");
    FIELD_IS(t, "x509sat.teletexString", "Teletex,Teletex");
    FIELD_IS(t, "x509sat.IA5String", "a@b.c,example,a@b.c,example");
    /* two empty values (tshark prints ","; the harness joins non-empty values only) */
    CU_ASSERT_EQUAL(th_count(t, "x509sat.uTF8String"), 2);
    FIELD_IS(t, "x509if.oid", "2.5.4.3,2.5.4.10,2.5.4.11,1.2.840.113549.1.9.1,1.2.3.4.99,2.5.4.3,2.5.4.5,"
                              "0.9.2342.19200300.100.1.25,2.5.4.3,2.5.4.10,2.5.4.11,1.2.840.113549.1.9.1,"
                              "1.2.3.4.99,2.5.4.3,2.5.4.5,0.9.2342.19200300.100.1.25");
    FIELD_IS(t, "x509sat.PrintableString", "SN42,SN42");
    FIELD_IS(t, "x509sat.DirectoryString", "3,2,0,4,3,2,0,4");
    /* UTCTime 49 is 2049, 50 is 1950 (RFC 5280 4.1.2.5.1) */
    FIELD_IS(t, "x509af.utcTime", "2049-12-31 23:59:59 (UTC),1950-01-01 00:00:00 (UTC)");
    FIELD_IS(t, "x509af.extensions", "");
    REC_IS(t, 0, "certificate.serial", "-01");
    REC_IS(t, 0, "certificate.key_alg", "id-ecPublicKey");
    REC_IS(t, 0, "certificate.sig_alg", "ecdsa-with-SHA256");
    REC_IS(t, 0, "certificate.key_type", "ecdsa");
    REC_IS(t, 0, "certificate.key_length", "256");
    REC_IS(t, 0, "certificate.curve", "prime256v1");
    REC_IS(t, 0, "certificate.exponent", "");
    REC_IS(t, 0, "certificate.not_valid_after", "Jan  1, 1950 00:00:00.000000000 UTC");
    th_free(t);
    free(der);
}

/* ---- generated: bytes that are not text ----------------------------------------------------- */

/* tshark 4.0 decodes UTF8String as UTF-8 with each maximal invalid subsequence as U+FFFD, the
 * ASCII string types with each byte >= 0x80 as U+FFFD, and TeletexString as T.61 (checked with
 * tshark on the same bytes). */
static void replace_all(uint8_t *p, size_t n, const char *from, const char *to)
{
    size_t l = strlen(from);
    for (uint8_t *q = p; (q = memmem(q, n - (size_t)(q - p), from, l)); q += l) memcpy(q, to, l);
}

static void test_generated_bad_bytes(void)
{
    static const uint8_t serial[1] = { 0x07 };
    const struct rdn subj[] = {
        { "2.5.4.3", V_ASN1_UTF8STRING, "U12345678901", -1 },
        { "2.5.4.10", V_ASN1_PRINTABLESTRING, "P12", -1 },
        { "1.2.840.113549.1.9.1", V_ASN1_IA5STRING, "m1@x", -1 },
        { "2.5.4.11", V_ASN1_T61STRING, "T1234567", -1 },
        { NULL, 0, NULL, 0 },
    };
    const struct spec s = { KEY_EC256, 2, serial, 1, false, subj, NULL, "240102030405Z", "250102030405Z", NULL };
    size_t n;
    uint8_t *der = make_cert(&s, &n);
    /* libcrypto will not sign such names: the bytes are put in afterwards (same lengths) */
    replace_all(der, n, "U12345678901", "A\xe9\x80" "A\xed\xa0\x80" "B\xe2\x82" "CD");
    replace_all(der, n, "P12", "P\xffQ");
    replace_all(der, n, "m1@x", "m\xe9@x");
    /* T.61: 0xE9 is O-stroke, 0xC2 'a' an a-acute, 0xC1 'Z' has no precomposed form (Z then a
     * combining grave), 0xA4 is '$', '#' is not in T.61 */
    replace_all(der, n, "T1234567", "T\xe9\xc2" "a\xc1Z\xa4#");
    struct th *t = start();
    feed(t, der, n, 0);
    CU_ASSERT_EQUAL(th_errors(t), 0);
#define FFFD "\xef\xbf\xbd"
    FIELD_IS(t, "x509sat.uTF8String", "A" FFFD "A" FFFD FFFD FFFD "B" FFFD "CD,A" FFFD "A" FFFD FFFD FFFD "B" FFFD "CD");
    FIELD_IS(t, "x509sat.printableString", "P" FFFD "Q,P" FFFD "Q");
    FIELD_IS(t, "x509sat.IA5String", "m" FFFD "@x,m" FFFD "@x");
    FIELD_IS(t, "x509sat.teletexString", "T\xc3\x98\xc3\xa1Z\xcc\x80$" FFFD ",T\xc3\x98\xc3\xa1Z\xcc\x80$" FFFD);
#undef FFFD
    th_free(t);
    free(der);
}

/* ---- generated: v1, EC P-384, no extensions; the hints -------------------------------------- */

static void test_generated_v1(void)
{
    static const uint8_t serial[2] = { 0x00, 0x80 };   /* DER needs the 00: 128 */
    const struct rdn subj[] = { { "2.5.4.3", V_ASN1_PRINTABLESTRING, "v1 host", -1 }, { NULL, 0, NULL, 0 } };
    const struct spec s = { KEY_EC384, 0, serial + 1, 1, false, subj, NULL, "200101000000Z", "99991231235959Z", NULL };
    size_t n;
    uint8_t *der = make_cert(&s, &n);
    struct th *t = start();
    feed(t, der, n, 0);
    CU_ASSERT_EQUAL(th_errors(t), 0);
    FIELD_IS(t, "x509af.version", "");
    FIELD_IS(t, "x509af.serialNumber", "0080");
    FIELD_IS(t, "x509af.signedCertificate_element", "1");
    FIELD_IS(t, "x509sat.printableString", "v1 host,v1 host");
    /* "no expiry" (RFC 5280 4.1.2.5): past what int64 ns hold, so not shown (tshark: Dec 31, 9999) */
    FIELD_IS(t, "x509af.notAfter", "1");
    FIELD_IS(t, "x509af.generalizedTime", "");
    REC_IS(t, 0, "certificate.not_valid_after", "");
    REC_IS(t, 0, "certificate.not_valid_before", "Jan  1, 2020 00:00:00.000000000 UTC");
    REC_IS(t, 0, "certificate.version", "1");
    REC_IS(t, 0, "certificate.serial", "80");
    REC_IS(t, 0, "certificate.curve", "secp384r1");
    REC_IS(t, 0, "certificate.key_length", "384");
    REC_IS(t, 0, "certificate.sig_alg", "ecdsa-with-SHA256");
    REC_IS(t, 0, "basic_constraints.ca", "");
    REC_IS(t, 0, "certificate.subject", "CN=v1 host");
    th_free(t);
    free(der);
}

/* ---- real certificates from the shared captures ------------------------------------------- */

/* The bytes of frame `want` (1-based) of a classic pcap, or NULL. */
static uint8_t *pcap_frame(const char *name, unsigned want, uint32_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", th_captures_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t gh[24], rh[16];
    uint8_t *out = NULL;
    if (fread(gh, 1, 24, f) != 24 || gh[0] != 0xd4 || gh[1] != 0xc3) { fclose(f); return NULL; }
    for (unsigned i = 1; fread(rh, 1, 16, f) == 16; i++) {
        uint32_t cap = (uint32_t)rh[8] | (uint32_t)rh[9] << 8 | (uint32_t)rh[10] << 16 | (uint32_t)rh[11] << 24;
        if (cap > 262144) break;
        uint8_t *p = malloc(cap ? cap : 1);
        if (fread(p, 1, cap, f) != cap) { free(p); break; }
        if (i == want) { out = p; *len = cap; break; }
        free(p);
    }
    fclose(f);
    return out;
}

/* The first certificate (30 82 LL LL 30 82) in bytes p at or after `from`; its length. */
static const uint8_t *find_cert(const uint8_t *p, uint32_t n, uint32_t from, uint32_t *clen)
{
    for (uint32_t i = from; i + 8 <= n; i++) {
        if (p[i] == 0x30 && p[i + 1] == 0x82 && p[i + 4] == 0x30 && p[i + 5] == 0x82) {
            uint32_t l = 4u + (uint32_t)(p[i + 2] << 8 | p[i + 3]);
            if (i + l <= n) { *clen = l; return p + i; }
        }
    }
    return NULL;
}

/* null-ipv4-tls-selfsigned-cert.pcap frame 7: ntop.org's self-signed certificate. The values are
 * tshark 4.0's for that frame (tshark -T fields -e ...). */
static void test_capture_selfsigned(void)
{
    uint32_t n = 0, clen = 0;
    uint8_t *fr = pcap_frame("null-ipv4-tls-selfsigned-cert.pcap", 7, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fr);
    const uint8_t *c = find_cert(fr, n, 0, &clen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct th *t = start();
    feed(t, c, clen, 0);
    CU_ASSERT_EQUAL(th_errors(t), 0);
    FIELD_IS(t, "x509af.version", "2");
    FIELD_IS(t, "x509af.serialNumber", "00916a4cd167871602");
    FIELD_IS(t, "x509af.algorithm.id", "1.2.840.113549.1.1.11,1.2.840.113549.1.1.1,1.2.840.113549.1.1.11");
    FIELD_IS(t, "x509af.extension.id", "2.5.29.14,2.5.29.35,2.5.29.19");
    FIELD_IS(t, "x509af.utcTime", "2015-10-10 15:55:47 (UTC),2016-10-09 15:55:47 (UTC)");
    FIELD_IS(t, "x509if.oid", "2.5.4.6,2.5.4.8,2.5.4.10,2.5.4.6,2.5.4.8,2.5.4.10");
    FIELD_IS(t, "x509sat.CountryName", "IT,IT");
    FIELD_IS(t, "x509sat.uTF8String", "Some-State,ntop.org,Some-State,ntop.org");
    FIELD_IS(t, "x509sat.DirectoryString", "4,4,4,4");
    FIELD_IS(t, "x509ce.SubjectKeyIdentifier", "034b951fd595a8bc75826093ab10e181f81d74c1");
    FIELD_IS(t, "x509ce.keyIdentifier", "034b951fd595a8bc75826093ab10e181f81d74c1");
    FIELD_IS(t, "x509ce.cA", "1");
    FIELD_IS(t, "x509af.rdnSequence", "3");
    FIELD_IS(t, "x509if.rdnSequence", "3");
    FIELD_IS(t, "x509if.RDNSequence_item", "1,1,1,1,1,1");
    CU_ASSERT_EQUAL(strncmp(th_field(t, "x509af.encrypted"), "2fdc84bec06e4da50a7cd82c40686e44bf82223f01e7543b", 48), 0);
    REC_IS(t, 0, "fingerprint", "58fa7dc6016440672850f6b5d0f036db44517e189580d0da50983ab054d1039a");
    REC_IS(t, 0, "certificate.serial", "916A4CD167871602");
    REC_IS(t, 0, "certificate.subject", "O=ntop.org,ST=Some-State,C=IT");
    REC_IS(t, 0, "certificate.not_valid_before", "Oct 10, 2015 15:55:47.000000000 UTC");
    REC_IS(t, 0, "basic_constraints.ca", "1");
    th_free(t);

    /* every cut of the certificate by a snaplen: no crash, fields up to where bytes end */
    size_t hdr = 14 + 20 + 8;
    for (uint32_t cut = 1; cut < clen; cut++) {   /* (0: udp hands on nothing) */
        t = start();
        feed(t, c, clen, hdr + cut);
        CU_ASSERT(th_errors(t) & TRAWL_BUF_TRUNCATED);
        if (cut >= 30) FIELD_IS(t, "x509af.serialNumber", "00916a4cd167871602");
        th_free(t);
    }
    free(fr);
}

/* tls10-cert-rdn.pcap: a 3784-byte Microsoft certificate with 46 RDNs and 42 dNSNames, the
 * Microsoft extensions (CA version, template); the reassembled Certificate message spans frames
 * 2-6, so the test takes the certificate bytes from those frames' TCP payloads. */
static void test_capture_rdn(void)
{
    /* the TCP payloads of frames 2..6 (Ethernet, IPv4, TCP with 20-byte headers), in order */
    uint8_t *stream = malloc(70000);
    uint32_t sl = 0;
    for (unsigned i = 2; i <= 6; i++) {
        uint32_t n = 0;
        uint8_t *fr = pcap_frame("tls10-cert-rdn.pcap", i, &n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(fr);
        uint32_t ihl = (uint32_t)(fr[14] & 15) * 4, thl = (uint32_t)(fr[14 + ihl + 12] >> 4) * 4;
        uint32_t off = 14 + ihl + thl;
        memcpy(stream + sl, fr + off, n - off);
        sl += n - off;
        free(fr);
    }
    uint32_t clen = 0;
    const uint8_t *c = find_cert(stream, sl, 0, &clen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(clen, 3784);
    struct th *t = start();
    feed(t, c, clen, 0);
    CU_ASSERT_EQUAL(th_errors(t), 0);
    FIELD_IS(t, "x509af.serialNumber", "6917c8b6000800024c0f");
    CU_ASSERT_EQUAL(th_count(t, "x509ce.dNSName"), 42);
    CU_ASSERT_EQUAL(strncmp(th_field(t, "x509ce.dNSName"), "*.vo.msecnd.net,*.officeapps.live.com,*.msads.net,", 50), 0);
    CU_ASSERT_EQUAL(th_count(t, "x509sat.IA5String"), 4);
    FIELD_IS(t, "x509sat.IA5String", "com,microsoft,corp,redmond");
    FIELD_IS(t, "x509ce.KeyPurposeId", "1.3.6.1.5.5.7.3.2,1.3.6.1.5.5.7.3.1");
    FIELD_IS(t, "x509ce.KeyUsage", "b0");
    FIELD_IS(t, "x509af.critical", "1");
    CU_ASSERT_EQUAL(th_count(t, "x509if.oid"), 51);
    REC_IS(t, 0, "certificate.issuer", "CN=Microsoft Secure Server Authority,DC=redmond,DC=corp,DC=microsoft,DC=com");
    th_free(t);
    free(stream);
}

/* ---- malformed ---------------------------------------------------------------------------- */

static void test_malformed(void)
{
    struct th *t = start();
    /* a length past the end */
    static const uint8_t past[] = { 0x30, 0x82, 0x10, 0x00, 0x30, 0x05, 0xa0, 0x03, 0x02, 0x01, 0x02 };
    feed(t, past, sizeof past, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    /* a child longer than its parent */
    static const uint8_t child[] = { 0x30, 0x06, 0x30, 0x10, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x00 };
    feed(t, child, sizeof child, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    FIELD_IS(t, "x509af.version", "");
    /* indefinite length (BER, not DER) */
    static const uint8_t indef[] = { 0x30, 0x80, 0x30, 0x03, 0x02, 0x01, 0x01, 0x00, 0x00 };
    feed(t, indef, sizeof indef, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    /* 5-byte length, 5-byte tag */
    static const uint8_t l5[] = { 0x30, 0x85, 0, 0, 0, 0, 1, 0 };
    feed(t, l5, sizeof l5, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    static const uint8_t t5[] = { 0x3f, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00 };
    feed(t, t5, sizeof t5, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    /* zero-length everything: an empty certificate, an empty tbs, empty serial and names */
    static const uint8_t empty[] = { 0x30, 0x00 };
    feed(t, empty, sizeof empty, 0);
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:x509");
    static const uint8_t zeros[] = {
        0x30, 0x13, 0x30, 0x0e, 0x02, 0x00, 0x30, 0x00, 0x30, 0x00, 0x30, 0x04, 0x17, 0x00, 0x18,
        0x00, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00, 0x03, 0x00,
    };
    feed(t, zeros, sizeof zeros, 0);
    FIELD_IS(t, "x509af.serialNumber", "");
    CU_ASSERT_EQUAL(th_count(t, "x509af.serialNumber"), 1);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    /* a depth bomb: 5000 nested SEQUENCEs (the walk follows the schema only: no recursion) */
    static uint8_t bomb[15000];
    size_t bl = 0;
    for (int i = 0; i < 4000; i++) { bomb[bl++] = 0x30; bomb[bl++] = 0x80; }
    feed(t, bomb, bl, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    bl = 0;
    for (int i = 0; i < 3000; i++) {
        uint32_t rest = (uint32_t)(3000 - i - 1) * 4;
        bomb[bl++] = 0x30; bomb[bl++] = 0x82; bomb[bl++] = (uint8_t)(rest >> 8); bomb[bl++] = (uint8_t)rest;
    }
    feed(t, bomb, bl, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    /* UTCTime without seconds, with an offset, and not a time (tshark's texts); the
     * certificate ends after its validity */
    static const uint8_t times[] = {
        0x30, 0x29, 0x30, 0x27, 0x02, 0x01, 0x01, 0x30, 0x00, 0x30, 0x00, 0x30, 0x1e,
        0x17, 0x0f, '2', '4', '0', '1', '0', '2', '0', '3', '0', '4', '-', '0', '5', '3', '0',
        0x17, 0x0b, '2', '4', '0', '1', '0', '2', '0', '3', '0', '4', 'Z',
    };
    feed(t, times, sizeof times, 0);
    FIELD_IS(t, "x509af.utcTime", "2024-01-02 03:04 (UTC-0530),2024-01-02 03:04 (UTC)");
    FIELD_IS(t, "x509af.serialNumber", "01");
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    uint8_t bad[sizeof times];
    memcpy(bad, times, sizeof bad);
    bad[sizeof bad - 2] = 'a';
    feed(t, bad, sizeof bad, 0);
    FIELD_IS(t, "x509af.utcTime", "2024-01-02 03:04 (UTC-0530),240102030aZ");
    /* garbage: not a SEQUENCE */
    static const uint8_t junk[] = { 0x04, 0x02, 0x41, 0x42 };
    feed(t, junk, sizeof junk, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    th_free(t);
}

/* A real certificate with trailing garbage, and damaged inside: fields up to the damage, and a
 * record from our own reader when libcrypto refuses it. */
static void test_damaged_generated(void)
{
    static const uint8_t serial[] = { 0x42 };
    const struct rdn subj[] = {
        { "2.5.4.3", V_ASN1_UTF8STRING, "dam\"aged", -1 }, { "2.5.4.10", V_ASN1_PRINTABLESTRING, "O+P", -1 },
        { NULL, 0, NULL, 0 },
    };
    const struct ext exts[] = { { "2.5.29.17", 0, san, sizeof san }, { NULL, 0, NULL, 0 } };
    const struct spec s = { KEY_EC256, 2, serial, 1, false, subj, NULL, "240102030405Z", "250102030405Z", exts };
    size_t n;
    uint8_t *der = make_cert(&s, &n);
    uint8_t *buf = malloc(n + 16);
    memcpy(buf, der, n);
    memset(buf + n, 0xee, 16);
    struct th *t = start();
    feed(t, buf, n + 16, 0);   /* trailing garbage: ignored */
    CU_ASSERT_EQUAL(th_errors(t), 0);
    FIELD_IS(t, "x509ce.dNSName", "a.example.com,b.example.com");
    REC_IS(t, 0, "certificate.subject", "O=O\\+P,CN=dam\\\"aged");
    /* corrupt the signature algorithm's OID tag: libcrypto refuses, our reader goes on */
    size_t at = n - 1;
    for (size_t i = 4; i + 12 < n; i++) {
        /* the outer signatureAlgorithm: 30 0a 06 08 2a 86 48 ce 3d 04 03 02 after the tbs */
        if (!memcmp(buf + i, "\x30\x0a\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02", 12)) at = i;
    }
    CU_ASSERT(at < n - 1);
    buf[at + 2] = 0x05;   /* OID -> NULL tag */
    feed(t, buf, n, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    FIELD_IS(t, "x509ce.dNSName", "a.example.com,b.example.com");
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "x509"), 2);   /* the first, and this one */
    REC_IS(t, 1, "certificate.subject", "O=O\\+P,CN=dam\\\"aged");
    REC_IS(t, 1, "certificate.serial", "42");
    REC_IS(t, 1, "certificate.key_alg", "id-ecPublicKey");
    REC_IS(t, 1, "certificate.sig_alg", "");
    REC_IS(t, 1, "san.dns", "a.example.com,b.example.com");
    REC_IS(t, 1, "certificate.not_valid_after", "Jan  2, 2025 03:04:05.000000000 UTC");
    /* a length past its parent (tshark: what is inside is shown, cut at the parent's end, then
     * an exception ends the certificate): the issuer's O=O+P SET made 2 bytes shorter than the
     * SEQUENCE inside it */
    memcpy(buf, der, n);
    static const uint8_t o_rdn[] = { 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x13, 0x03, 'O', '+', 'P' };
    uint8_t *hit = memmem(buf, n, o_rdn, sizeof o_rdn);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hit);
    hit[1] = 0x0a;
    feed(t, buf, n, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    FIELD_IS(t, "x509sat.uTF8String", "dam\"aged");
    FIELD_IS(t, "x509sat.printableString", "O");
    FIELD_IS(t, "x509if.rdnSequence", "3");   /* the bytes left in the Name count as a third, as tshark counts */
    FIELD_IS(t, "x509if.RDNSequence_item", "1,1");
    FIELD_IS(t, "x509af.subject", "");
    FIELD_IS(t, "x509ce.dNSName", "");
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "x509"), 2);   /* no subject: no record */
    /* a wrong type is skipped, its siblings read: the version [0] holding a non-INTEGER */
    memcpy(buf, der, n);
    CU_ASSERT_EQUAL(buf[8], 0xa0);
    buf[10] = 0x4c;   /* a0 03 02 01 02 -> a0 03 4c 01 02 */
    feed(t, buf, n, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    FIELD_IS(t, "x509af.version", "2");
    FIELD_IS(t, "x509ce.dNSName", "a.example.com,b.example.com");
    /* the serial's tag made SEQUENCE: a wrong field where the serial is due; the slot is used
     * up and the rest is read (tshark: the same values) */
    memcpy(buf, der, n);
    CU_ASSERT_EQUAL(buf[13], 0x02);
    buf[13] = 0x30;
    feed(t, buf, n, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    FIELD_IS(t, "x509af.serialNumber", "");
    FIELD_IS(t, "x509sat.printableString", "O+P,O+P");
    FIELD_IS(t, "x509ce.dNSName", "a.example.com,b.example.com");
    FIELD_IS(t, "x509if.oid", "2.5.4.3,2.5.4.10,2.5.4.3,2.5.4.10,2.5.4.3");
    /* an attribute that is not a SEQUENCE (the issuer's O=O+P made a BMPString): that item is
     * skipped, the names go on */
    memcpy(buf, der, n);
    hit = memmem(buf, n, o_rdn, 9);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hit);
    hit[2] = 0x1e;
    feed(t, buf, n, 0);
    CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    FIELD_IS(t, "x509af.serialNumber", "42");
    FIELD_IS(t, "x509sat.printableString", "O+P");
    FIELD_IS(t, "x509if.oid", "2.5.4.3,2.5.4.3,2.5.4.10,2.5.4.3");
    FIELD_IS(t, "x509ce.dNSName", "a.example.com,b.example.com");
    th_free(t);
    free(buf);
    free(der);
}


/* ---- the per-thread memo of libcrypto's results ------------------------------------------ */

/* The same certificates again, interleaved: every sighting's record equals the first's (the
 * later ones come from the memo), and a certificate whose strings exceed a memo slot (a
 * subject of 3 x 600 characters) is whole every time. */
static void test_remembered(void)
{
    static const uint8_t serial[2] = { 0x12, 0x34 };
    char big[601];
    memset(big, 'x', 600);
    big[600] = 0;
    const struct rdn sa[] = { { "2.5.4.3", V_ASN1_UTF8STRING, "a.example", -1 }, { NULL, 0, NULL, 0 } };
    const struct rdn sb[] = { { "2.5.4.3", V_ASN1_UTF8STRING, "b.example", -1 }, { NULL, 0, NULL, 0 } };
    const struct rdn sc[] = {
        { "2.5.4.3", V_ASN1_UTF8STRING, big, -1 }, { "2.5.4.10", V_ASN1_UTF8STRING, big, -1 },
        { "2.5.4.11", V_ASN1_UTF8STRING, big, -1 }, { NULL, 0, NULL, 0 },
    };
    const struct spec spa = { KEY_RSA, 2, serial, sizeof serial, false, sa, NULL, "240101000000Z", "300101000000Z", NULL };
    const struct spec spb = { KEY_EC384, 2, serial, sizeof serial, false, sb, NULL, "240101000000Z", "300101000000Z", NULL };
    const struct spec spc = { KEY_EC256, 2, serial, sizeof serial, false, sc, NULL, "240101000000Z", "300101000000Z", NULL };
    size_t n[3];
    uint8_t *der[3] = { make_cert(&spa, &n[0]), make_cert(&spb, &n[1]), make_cert(&spc, &n[2]) };
    static const int order[] = { 0, 1, 0, 2, 2, 1, 0, 2 };
    enum { N = sizeof order / sizeof order[0] };
    struct th *t = start();
    for (unsigned i = 0; i < N; i++) feed(t, der[order[i]], n[order[i]], 0);
    CU_ASSERT_EQUAL_FATAL(trawl_test_record_count(t, "x509"), N);
    static const char *cols[] = {
        "fingerprint", "certificate.serial", "certificate.subject", "certificate.issuer", "certificate.key_alg",
        "certificate.sig_alg", "certificate.key_type", "certificate.key_length", "certificate.exponent",
        "certificate.curve",
    };
    for (unsigned i = 0; i < N; i++) {
        unsigned first = 0;
        while (order[first] != order[i]) first++;
        for (unsigned c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            char want[4096];
            snprintf(want, sizeof want, "%s", trawl_test_record_value(t, "x509", first, cols[c]));
            CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "x509", i, cols[c]), want);
        }
    }
    REC_IS(t, 2, "certificate.subject", "CN=a.example");
    REC_IS(t, 2, "certificate.key_type", "rsa");
    REC_IS(t, 2, "certificate.exponent", "65537");
    REC_IS(t, 5, "certificate.curve", "secp384r1");
    REC_IS(t, 5, "certificate.key_length", "384");
    REC_IS(t, 4, "certificate.serial", "1234");
    REC_IS(t, 4, "certificate.curve", "prime256v1");
    char want[2048];
    snprintf(want, sizeof want, "OU=%s,O=%s,CN=%s", big, big, big);
    REC_IS(t, 7, "certificate.subject", want);
    REC_IS(t, 7, "certificate.issuer", want);
    th_free(t);
    for (unsigned i = 0; i < 3; i++) free(der[i]);
}


/* More certificates than the memo has slots (so some share one), each seen twice, the second
 * time in the reverse order: every record has its own certificate's values. */
static void test_remembered_many(void)
{
    enum { M = 200 };
    uint8_t *der[M];
    size_t n[M];
    for (unsigned i = 0; i < M; i++) {
        uint8_t serial[2] = { (uint8_t)(1 + i / 256), (uint8_t)i };
        char cn[32];
        snprintf(cn, sizeof cn, "host-%u", i);
        const struct rdn sub[] = { { "2.5.4.3", V_ASN1_UTF8STRING, cn, -1 }, { NULL, 0, NULL, 0 } };
        const struct spec sp = { KEY_EC256, 2, serial, 2, false, sub, NULL, "240101000000Z", "300101000000Z", NULL };
        der[i] = make_cert(&sp, &n[i]);
    }
    struct th *t = start();
    for (unsigned i = 0; i < 2 * M; i++) {
        unsigned k = i < M ? i : 2 * M - 1 - i;
        feed(t, der[k], n[k], 0);
    }
    CU_ASSERT_EQUAL_FATAL(trawl_test_record_count(t, "x509"), 2 * M);
    unsigned bad = 0;
    for (unsigned i = 0; i < 2 * M; i++) {
        unsigned k = i < M ? i : 2 * M - 1 - i;
        char want[32];
        snprintf(want, sizeof want, "CN=host-%u", k);
        bad += strcmp(trawl_test_record_value(t, "x509", i, "certificate.subject"), want) != 0;
        snprintf(want, sizeof want, "%02X%02X", 1 + k / 256, k & 255);
        bad += strcmp(trawl_test_record_value(t, "x509", i, "certificate.serial"), want) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0);
    th_free(t);
    for (unsigned i = 0; i < M; i++) free(der[i]);
}

void test_x509_register(void);
void test_x509_register(void)
{
    CU_pSuite s = CU_add_suite("x509", NULL, NULL);
    CU_add_test(s, "generated: RSA v3, every SAN kind, critical, huge and unknown extensions", test_generated_rsa);
    CU_add_test(s, "generated: EC, BMP/Universal/Teletex/IA5/empty strings, unknown types, negative serial", test_generated_ec_strings);
    CU_add_test(s, "generated: invalid UTF-8, non-ASCII bytes in ASCII strings, T.61", test_generated_bad_bytes);
    CU_add_test(s, "generated: v1, EC P-384, no extensions, valid to 9999", test_generated_v1);
    CU_add_test(s, "generated: the same certificates again (the memo), one too long for a memo slot", test_remembered);
    CU_add_test(s, "generated: more certificates than memo slots, each twice", test_remembered_many);
    CU_add_test(s, "capture: self-signed ntop.org certificate, and every snaplen cut", test_capture_selfsigned);
    CU_add_test(s, "capture: tls10-cert-rdn's 46-RDN certificate", test_capture_rdn);
    CU_add_test(s, "malformed: lengths, indefinite, depth bombs, zero lengths, junk", test_malformed);
    CU_add_test(s, "damaged: trailing garbage, a bad OID, the record from our own reader", test_damaged_generated);
}
