/* record.c — the `x509` record, one per certificate, with Zeek's x509.log columns and formats,
 * then trawl's evidence columns. libcrypto parses the certificate (d2i_X509) for the subject and
 * issuer (X509_NAME_print_ex, XN_FLAG_RFC2253, as Zeek), the serial (i2a_ASN1_INTEGER), the
 * algorithm names and the key (type, bits, exponent, curve); when it refuses a damaged one,
 * our own reader's values stand in (README: which values come from where). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "trawl/trawl.h"
#include "x509_int.h"

enum {
    C_TS, C_FINGERPRINT, C_VERSION, C_SERIAL, C_SUBJECT, C_ISSUER, C_NOT_BEFORE, C_NOT_AFTER,
    C_KEY_ALG, C_SIG_ALG, C_KEY_TYPE, C_KEY_LENGTH, C_EXPONENT, C_CURVE, C_SAN_DNS, C_SAN_URI,
    C_SAN_EMAIL, C_SAN_IP, C_BC_CA, C_BC_PATH_LEN, C_HOST_CERT, C_CLIENT_CERT,
    C_UID, C_ORIG_H, C_ORIG_P, C_RESP_H, C_RESP_P,
    C_COMMUNITY_ID, C_FILE, C_FIRST_FRAME, C_LAST_FRAME, C_COUNT
};

static const struct trawl_record_field cols[C_COUNT] = {
    [C_TS]          = { "ts", "When the certificate was seen", TRAWL_FT_TIME, 0 },
    [C_FINGERPRINT] = { "fingerprint", "SHA-256 of the certificate's DER bytes", TRAWL_FT_STRING, 0 },
    [C_VERSION]     = { "certificate.version", "Version (1, 2 or 3)", TRAWL_FT_U64, 0 },
    [C_SERIAL]      = { "certificate.serial", "Serial number (upper-case hex)", TRAWL_FT_STRING, 0 },
    [C_SUBJECT]     = { "certificate.subject", "Subject (RFC 2253)", TRAWL_FT_STRING, 0 },
    [C_ISSUER]      = { "certificate.issuer", "Issuer (RFC 2253)", TRAWL_FT_STRING, 0 },
    [C_NOT_BEFORE]  = { "certificate.not_valid_before", "Start of validity", TRAWL_FT_TIME, 0 },
    [C_NOT_AFTER]   = { "certificate.not_valid_after", "End of validity", TRAWL_FT_TIME, 0 },
    [C_KEY_ALG]     = { "certificate.key_alg", "Public key algorithm", TRAWL_FT_STRING, 0 },
    [C_SIG_ALG]     = { "certificate.sig_alg", "Signature algorithm", TRAWL_FT_STRING, 0 },
    [C_KEY_TYPE]    = { "certificate.key_type", "Key type (rsa, dsa, ecdsa)", TRAWL_FT_STRING, 0 },
    [C_KEY_LENGTH]  = { "certificate.key_length", "Key length in bits", TRAWL_FT_U64, 0 },
    [C_EXPONENT]    = { "certificate.exponent", "RSA exponent", TRAWL_FT_STRING, 0 },
    [C_CURVE]       = { "certificate.curve", "Elliptic curve", TRAWL_FT_STRING, 0 },
    [C_SAN_DNS]     = { "san.dns", "Subject alternative names: DNS", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_SAN_URI]     = { "san.uri", "Subject alternative names: URI", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_SAN_EMAIL]   = { "san.email", "Subject alternative names: e-mail", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_SAN_IP]      = { "san.ip", "Subject alternative names: IP", TRAWL_FT_IPV6, TRAWL_RF_ADDR | TRAWL_RF_LIST },
    [C_BC_CA]       = { "basic_constraints.ca", "Basic constraints: a CA", TRAWL_FT_BOOL, 0 },
    [C_BC_PATH_LEN] = { "basic_constraints.path_len", "Basic constraints: path length", TRAWL_FT_U64, 0 },
    [C_HOST_CERT]   = { "host_cert", "The end-entity certificate of its chain", TRAWL_FT_BOOL, 0 },
    [C_CLIENT_CERT] = { "client_cert", "Sent by the client", TRAWL_FT_BOOL, 0 },
    [C_UID]         = { "uid", "Connection id", TRAWL_FT_STRING, 0 },
    [C_ORIG_H]      = { "id.orig_h", "Originator address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_ORIG_P]      = { "id.orig_p", "Originator port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_RESP_H]      = { "id.resp_h", "Responder address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_RESP_P]      = { "id.resp_p", "Responder port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_COMMUNITY_ID] = { "community_id", "Community ID v1 of the connection", TRAWL_FT_STRING, 0 },
    [C_FILE]        = { "file", "Capture file", TRAWL_FT_STRING, 0 },
    [C_FIRST_FRAME] = { "first_frame", "First frame of the connection", TRAWL_FT_U64, 0 },
    [C_LAST_FRAME]  = { "last_frame", "Frame that carried the certificate", TRAWL_FT_U64, 0 },
};

static const struct trawl_record_def x509_def = {
    sizeof x509_def, "x509", "X.509 certificates (Zeek's x509.log)", cols, C_COUNT,
};

const struct trawl_record_type *x509_record_register(struct trawl_init *ctx)
{
    return trawl_record_register(ctx, &x509_def);
}

/* ---- what libcrypto says of a certificate, remembered per thread ------------------------------
 *
 * d2i_X509 decodes the public key through libcrypto 3's provider machinery (a decoder context
 * built per key, under global locks): it costs more than the rest of a TLS handshake's
 * dissection, and with several threads the locks' cache lines move between cores. Its result
 * depends only on the certificate's bytes, and a capture shows the same few certificates over
 * and over (the benchmark corpus: 11,486 sightings of 23), so each thread remembers the last
 * results by SHA-256 in a small direct-mapped table. A memo of a pure function: records are the
 * same whatever the number of threads or the order certificates come in. */

enum { V_SERIAL, V_SUBJECT, V_ISSUER, V_KEY_ALG, V_SIG_ALG, V_KEY_TYPE, V_EXPONENT, V_CURVE, V_COUNT };
static const unsigned v_col[V_COUNT] = {
    C_SERIAL, C_SUBJECT, C_ISSUER, C_KEY_ALG, C_SIG_ALG, C_KEY_TYPE, C_EXPONENT, C_CURVE,
};

#define VIEW_TEXT 1024            /* bytes of strings a remembered view holds */
#define VIEW_SLOTS 128            /* views remembered per thread (a power of two) */

struct lc_view {
    uint8_t fp[32];               /* SHA-256 of the DER */
    bool used;
    bool parsed;                  /* d2i_X509 took it (else our own reader's values stand in) */
    bool full;                    /* out of memory for text: some values missing, not remembered */
    bool have_bits;
    uint64_t bits;
    uint32_t off[V_COUNT], len[V_COUNT];
    bool have[V_COUNT];
    char *text;                   /* a slot's view_text, or the heap while it is made */
    uint32_t cap, used_text;
};

static _Thread_local struct lc_view views[VIEW_SLOTS];
static _Thread_local char view_text[VIEW_SLOTS][VIEW_TEXT];

/* A value into a view being made (its text on the heap, grown as needed). */
static void v_put(struct lc_view *v, unsigned k, const char *s, size_t n)
{
    if (v->full) return;
    if (n > v->cap - v->used_text) {
        size_t want = (size_t)v->used_text + n;
        char *t = want < (1u << 30) ? realloc(v->text, want * 2) : NULL;
        if (!t) { v->full = true; return; }
        v->text = t;
        v->cap = (uint32_t)(want * 2);
    }
    if (n) memcpy(v->text + v->used_text, s, n);
    v->off[k] = v->used_text;
    v->len[k] = (uint32_t)n;
    v->have[k] = true;
    v->used_text += (uint32_t)n;
}

/* BIO contents as a value ("" when empty: the column is present). */
static void v_bio(struct lc_view *v, unsigned k, BIO *bio)
{
    char *p;
    long n = BIO_get_mem_data(bio, &p);
    v_put(v, k, p, n > 0 ? (size_t)n : 0);
}

static void v_obj(struct lc_view *v, unsigned k, const ASN1_OBJECT *o)
{
    char buf[128];
    int n = o ? OBJ_obj2txt(buf, sizeof buf, o, 0) : -1;
    if (n > 0 && (size_t)n < sizeof buf) v_put(v, k, buf, (size_t)n);
}

/* What libcrypto tells of a certificate it parsed. */
static void from_openssl(struct lc_view *v, X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) return;
    i2a_ASN1_INTEGER(bio, X509_get0_serialNumber(x));
    v_bio(v, V_SERIAL, bio);
    BIO_reset(bio);
    X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
    v_bio(v, V_SUBJECT, bio);
    BIO_reset(bio);
    X509_NAME_print_ex(bio, X509_get_issuer_name(x), 0, XN_FLAG_RFC2253);
    v_bio(v, V_ISSUER, bio);
    BIO_free(bio);

    const ASN1_OBJECT *kobj = NULL;
    X509_PUBKEY_get0_param((ASN1_OBJECT **)&kobj, NULL, NULL, NULL, X509_get_X509_PUBKEY(x));
    v_obj(v, V_KEY_ALG, kobj);
    const X509_ALGOR *sa = NULL;
    X509_get0_signature(NULL, &sa, x);
    const ASN1_OBJECT *sobj = NULL;
    if (sa) X509_ALGOR_get0(&sobj, NULL, NULL, sa);
    v_obj(v, V_SIG_ALG, sobj);

    EVP_PKEY *pk = X509_get0_pubkey(x);   /* NULL for a key libcrypto cannot decode */
    if (!pk) return;
    int id = EVP_PKEY_get_base_id(pk);
    const char *type = id == EVP_PKEY_RSA ? "rsa" : id == EVP_PKEY_DSA ? "dsa" : id == EVP_PKEY_EC ? "ecdsa" : NULL;
    if (!type) return;
    v_put(v, V_KEY_TYPE, type, strlen(type));
    int bits = EVP_PKEY_get_bits(pk);
    if (bits > 0) { v->have_bits = true; v->bits = (uint64_t)bits; }
    if (id == EVP_PKEY_RSA) {
        BIGNUM *e = NULL;
        if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) && e) {
            char *dec = BN_bn2dec(e);
            if (dec) v_put(v, V_EXPONENT, dec, strlen(dec));
            OPENSSL_free(dec);
        }
        BN_free(e);
    } else if (id == EVP_PKEY_EC) {
        char group[80];
        size_t gl = 0;
        if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &gl)) {
            /* Zeek prints OBJ_nid2sn of the curve: "prime256v1", "secp384r1" */
            int nid = EC_curve_nist2nid(group);
            if (nid == NID_undef) nid = OBJ_sn2nid(group);
            if (nid == NID_undef) nid = OBJ_ln2nid(group);
            const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
            if (!sn) sn = group;
            v_put(v, V_CURVE, sn, strlen(sn));
        }
    }
}

/* libcrypto's view of the certificate whose DER is der and SHA-256 fp: remembered, or made once
 * in *made (text on the heap: the caller frees made->text) and kept in its slot when its
 * strings fit there. */
static const struct lc_view *lc_view(const uint8_t *der, uint32_t n, const uint8_t fp[32], struct lc_view *made)
{
    unsigned i = (fp[0] | (unsigned)fp[1] << 8) & (VIEW_SLOTS - 1);
    struct lc_view *v = &views[i];
    if (v->used && !memcmp(v->fp, fp, 32)) return v;
    memset(made, 0, sizeof *made);
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    if (x) {
        made->parsed = true;
        from_openssl(made, x);
        X509_free(x);
    }
    if (made->full || made->used_text > VIEW_TEXT) return made;
    *v = *made;
    v->text = view_text[i];
    v->cap = VIEW_TEXT;
    if (made->used_text) memcpy(v->text, made->text, made->used_text);
    memcpy(v->fp, fp, 32);
    v->used = true;
    return v;
}

/* The view's values as the record's columns. */
static void from_view(struct trawl_record *r, const struct lc_view *v)
{
    for (unsigned k = 0; k < V_COUNT; k++)
        if (v->have[k]) trawl_rec_string(r, v_col[k], v->len[k] ? v->text + v->off[k] : "", v->len[k]);
    if (v->have_bits) trawl_rec_uint(r, C_KEY_LENGTH, v->bits);
}

/* Zeek's serial: the INTEGER's magnitude in upper-case hex (a leading 00 dropped; "-" for a
 * negative one is libcrypto's business: we show the bytes). */
static void own_serial(struct trawl_record *r, const struct x509_info *in)
{
    if (!in->serial) return;
    char buf[2 * 64 + 1];
    uint32_t i = 0, n = in->serial_len;
    while (n - i > 1 && in->serial[i] == 0) i++;
    size_t k = 0;
    for (; i < n && k + 2 < sizeof buf; i++) k += (size_t)snprintf(buf + k, sizeof buf - k, "%02X", in->serial[i]);
    trawl_rec_string(r, C_SERIAL, buf, (uint32_t)k);
}

static void own_alg(struct trawl_record *r, unsigned col, const char *oid)
{
    if (!*oid) return;
    const char *n = x509_oid_name(oid);
    trawl_rec_cstring(r, col, n ? n : oid);
}

void x509_record(struct trawl_packet *pkt, const struct trawl_record_type *t, const struct x509_info *in)
{
    struct trawl_record *r = trawl_record_begin(pkt, t);
    if (!r) return;
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    trawl_rec_time(r, C_TS, fr ? fr->ts_ns : 0);
    const struct lc_view *v = NULL;
    struct lc_view made;
    made.text = NULL;
    if (in->der) {
        uint8_t md[32];
        SHA256(in->der, in->der_len, md);
        char hex[65];
        for (unsigned i = 0; i < 32; i++) {
            hex[2 * i] = "0123456789abcdef"[md[i] >> 4];
            hex[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
        }
        trawl_rec_string(r, C_FINGERPRINT, hex, 64);
        v = lc_view(in->der, in->der_len, md, &made);
    }
    trawl_rec_uint(r, C_VERSION, in->have_version ? (uint64_t)in->version + 1 : 1);
    if (v && v->parsed) from_view(r, v);
    else {
        own_serial(r, in);
        char name[4096];
        if (in->have_subject && x509_name_rfc2253(&in->subject, name, sizeof name)) trawl_rec_cstring(r, C_SUBJECT, name);
        if (in->have_issuer && x509_name_rfc2253(&in->issuer, name, sizeof name)) trawl_rec_cstring(r, C_ISSUER, name);
        own_alg(r, C_KEY_ALG, in->key_alg);
        own_alg(r, C_SIG_ALG, in->sig_alg);
    }
    free(made.text);
    if (in->have_nb) trawl_rec_time(r, C_NOT_BEFORE, in->not_before);
    if (in->have_na) trawl_rec_time(r, C_NOT_AFTER, in->not_after);
    for (unsigned i = 0; i < in->nsan; i++) {
        static const unsigned col[] = { [SAN_DNS] = C_SAN_DNS, [SAN_URI] = C_SAN_URI, [SAN_EMAIL] = C_SAN_EMAIL };
        if (in->san[i].kind == SAN_IP)
            trawl_rec_addr(r, C_SAN_IP, in->san[i].len == 4 ? 4 : 6, in->san[i].p);
        else trawl_rec_string(r, col[in->san[i].kind], (const char *)in->san[i].p, in->san[i].len);
    }
    if (in->have_bc) trawl_rec_bool(r, C_BC_CA, in->bc_ca);
    if (in->have_path_len) trawl_rec_uint(r, C_BC_PATH_LEN, in->path_len);
    trawl_rec_bool(r, C_HOST_CERT, in->host_cert);
    trawl_rec_bool(r, C_CLIENT_CERT, in->client_cert);
    const struct trawl_flow *f = trawl_packet_flow(pkt);
    trawl_rec_flow_id(r, C_UID, f);
    uint64_t frame = fr ? fr->number : 0;
    const struct trawl_flow_info *fi = f ? trawl_flow_info(f) : NULL;
    trawl_rec_evidence(r, C_COMMUNITY_ID, pkt, f, fi ? fi->first_file : fr ? fr->file_index : 0,
                       fi ? fi->first_frame : frame, frame);
    trawl_record_end(r);
}
