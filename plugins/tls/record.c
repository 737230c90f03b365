/* record.c — the `ssl` record: one per connection (TCP) or QUIC flow that had a ClientHello or
 * a ServerHello, with Zeek ssl.log's columns, then trawl's evidence columns. Made when the flow
 * ends (trawl_stream_ops.end). */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

#include "tls.h"

enum {
    C_TS, C_UID, C_ORIG_H, C_ORIG_P, C_RESP_H, C_RESP_P, C_VERSION, C_CIPHER, C_CURVE,
    C_SERVER_NAME, C_RESUMED, C_LAST_ALERT, C_NEXT_PROTOCOL, C_ESTABLISHED, C_CERT_FPS,
    C_CLIENT_CERT_FPS, C_SUBJECT, C_ISSUER, C_CLIENT_SUBJECT, C_CLIENT_ISSUER,
    C_JA3, C_JA3S, C_JA4, C_JA4S, C_TRANSPORT,
    C_COMMUNITY_ID, C_FILE, C_FIRST_FRAME, C_LAST_FRAME, C_COUNT
};

static const struct trawl_record_field cols[C_COUNT] = {
    [C_TS]          = { "ts", "Time of the first hello", TRAWL_FT_TIME, 0 },
    [C_UID]         = { "uid", "Connection id", TRAWL_FT_STRING, 0 },
    [C_ORIG_H]      = { "id.orig_h", "Originator address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_ORIG_P]      = { "id.orig_p", "Originator port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_RESP_H]      = { "id.resp_h", "Responder address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_RESP_P]      = { "id.resp_p", "Responder port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_VERSION]     = { "version", "Negotiated version (Zeek's spelling: TLSv12, TLSv13, SSLv3)", TRAWL_FT_STRING, 0 },
    [C_CIPHER]      = { "cipher", "Cipher suite chosen by the server (IANA name)", TRAWL_FT_STRING, 0 },
    [C_CURVE]       = { "curve", "Elliptic curve or group of the key exchange", TRAWL_FT_STRING, 0 },
    [C_SERVER_NAME] = { "server_name", "Server name (SNI) of the ClientHello", TRAWL_FT_STRING, 0 },
    [C_RESUMED]     = { "resumed", "Session resumed (id echoed, ticket, or TLS 1.3 PSK)", TRAWL_FT_BOOL, 0 },
    [C_LAST_ALERT]  = { "last_alert", "Last alert seen in the clear", TRAWL_FT_STRING, 0 },
    [C_NEXT_PROTOCOL] = { "next_protocol", "Application protocol chosen by the server (ALPN)", TRAWL_FT_STRING, 0 },
    [C_ESTABLISHED] = { "established", "Encrypted records flowed after both sides switched", TRAWL_FT_BOOL, 0 },
    [C_CERT_FPS]    = { "cert_chain_fps", "SHA-256 of each server certificate", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_CLIENT_CERT_FPS] = { "client_cert_chain_fps", "SHA-256 of each client certificate", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_SUBJECT]     = { "subject", "Subject of the server's certificate (RFC 2253)", TRAWL_FT_STRING, 0 },
    [C_ISSUER]      = { "issuer", "Issuer of the server's certificate (RFC 2253)", TRAWL_FT_STRING, 0 },
    [C_CLIENT_SUBJECT] = { "client_subject", "Subject of the client's certificate (RFC 2253)", TRAWL_FT_STRING, 0 },
    [C_CLIENT_ISSUER] = { "client_issuer", "Issuer of the client's certificate (RFC 2253)", TRAWL_FT_STRING, 0 },
    [C_JA3]         = { "ja3", "JA3 of the ClientHello", TRAWL_FT_STRING, 0 },
    [C_JA3S]        = { "ja3s", "JA3S of the ServerHello", TRAWL_FT_STRING, 0 },
    [C_JA4]         = { "ja4", "JA4 of the ClientHello", TRAWL_FT_STRING, 0 },
    [C_JA4S]        = { "ja4s", "JA4S of the ServerHello", TRAWL_FT_STRING, 0 },
    [C_TRANSPORT]   = { "transport", "tcp, or quic (handshake from QUIC CRYPTO frames)", TRAWL_FT_STRING, TRAWL_RF_ENUM },
    [C_COMMUNITY_ID] = { "community_id", "Community ID v1 of the connection", TRAWL_FT_STRING, 0 },
    [C_FILE]        = { "file", "Capture file of the first packet", TRAWL_FT_STRING, 0 },
    [C_FIRST_FRAME] = { "first_frame", "First frame of the connection", TRAWL_FT_U64, 0 },
    [C_LAST_FRAME]  = { "last_frame", "Last frame of the connection", TRAWL_FT_U64, 0 },
};

const struct trawl_record_def tls_record_def = {
    sizeof tls_record_def, "ssl", "TLS handshakes (Zeek's ssl.log)", cols, C_COUNT,
};

/* RFC 2253 string of a name into out (cut to fit). */
static void name_str(const X509_NAME *nm, char *out, size_t n)
{
    out[0] = 0;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) return;
    if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
        int k = BIO_read(b, out, (int)n - 1);
        out[k > 0 ? k : 0] = 0;
    }
    BIO_free(b);
}

/* The issuer and subject Names of a certificate, as whole TLVs, found by walking the DER of
 * TBSCertificate (version [0] optional, serialNumber, signature, issuer, validity, subject) with
 * libcrypto's header reader. Definite lengths only, each inside its parent. */
static bool cert_names(const uint8_t *der, uint32_t n, const uint8_t **iss, long *iss_len,
                       const uint8_t **sub, long *sub_len)
{
    const unsigned char *p = der, *end = der + n;
    long len;
    int tag, cls;
    for (int level = 0; level < 2; level++) {          /* into Certificate, then TBSCertificate */
        if (ASN1_get_object(&p, &len, &tag, &cls, end - p) != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE)
            return false;
        end = p + len;
    }
    for (unsigned slot = 0; slot < 6; slot++) {
        const unsigned char *start = p;
        int ret = ASN1_get_object(&p, &len, &tag, &cls, end - p);
        if (ret & 0x80 || ret & 1) return false;       /* bad header, or indefinite length */
        if (slot == 0 && !(cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0)) slot = 1;   /* v1: no version */
        if (slot == 3 || slot == 5) {
            if (ret != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE) return false;
            *(slot == 3 ? iss : sub) = start;
            *(slot == 3 ? iss_len : sub_len) = (long)(p + len - start);
        }
        p += len;
    }
    return true;
}

/* RFC 2253 string of a DER Name into out, as Zeek prints it (X509_NAME_print_ex); "" when
 * libcrypto refuses the Name. */
static void name_der_str(const uint8_t *der, long len, char *out, size_t n)
{
    out[0] = 0;
    const unsigned char *p = der;
    X509_NAME *nm = d2i_X509_NAME(NULL, &p, len);
    if (!nm) return;
    name_str(nm, out, n);
    X509_NAME_free(nm);
}

/* Only the names are parsed, not the whole certificate: d2i_X509 decodes the public key
 * through libcrypto's provider lookups (locks and hash tables), which cost more than the rest
 * of a TLS handshake's dissection. Nothing is done when no sink takes ssl records. */
void tls_cert_seen(const struct trawl_packet *pkt, const struct tls_state *st, struct tls_flow *fs, int dir,
                   bool leaf, const uint8_t *der, uint32_t n)
{
    if (!trawl_record_wanted(pkt, st->rec)) return;
    struct tls_dir *d = &fs->d[dir];
    if (d->nfps < TLS_FPS_MAX) tls_sha256_hex(der, n, d->fps[d->nfps++]);
    if (!leaf) return;
    const uint8_t *iss, *sub;
    long iss_len, sub_len;
    if (!cert_names(der, n, &iss, &iss_len, &sub, &sub_len)) return;
    bool server = dir == TRAWL_DIR_RESP;
    name_der_str(sub, sub_len, server ? fs->subject : fs->client_subject, TLS_DN_MAX);
    name_der_str(iss, iss_len, server ? fs->issuer : fs->client_issuer, TLS_DN_MAX);
}

static void cstr(struct trawl_record *r, unsigned col, const char *s)
{
    if (s && *s) trawl_rec_cstring(r, col, s);
}

void tls_make_record(struct trawl_packet *ctx, const struct tls_state *st, const struct trawl_flow *f,
                     struct tls_flow *fs)
{
    if (fs->recorded || (!fs->ch && !fs->sh)) return;
    fs->recorded = true;
    if (!trawl_record_wanted(ctx, st->rec)) return;
    struct trawl_record *r = trawl_record_begin(ctx, st->rec);
    if (!r) return;
    const struct trawl_flow_info *fi = trawl_flow_info(f);
    trawl_rec_time(r, C_TS, fs->ts ? fs->ts : fi->start_ns);
    trawl_rec_flow_id(r, C_UID, f);
    char vb[24];
    if (fs->sh) trawl_rec_cstring(r, C_VERSION, tls_zeek_version(fs->version, vb));
    if (fs->sh) {
        const char *cn = tls_cipher_name(fs->cipher);
        if (cn) trawl_rec_cstring(r, C_CIPHER, cn);
        else {
            char cb[24];
            snprintf(cb, sizeof cb, "unknown-%u", fs->cipher);
            trawl_rec_cstring(r, C_CIPHER, cb);
        }
    }
    if (fs->curve >= 0) {
        const char *g = tls_group_name((uint16_t)fs->curve);
        char gb[24];
        if (!g) { snprintf(gb, sizeof gb, "unknown-%d", fs->curve); g = gb; }
        trawl_rec_cstring(r, C_CURVE, g);
    }
    if (fs->sni_len) trawl_rec_string(r, C_SERVER_NAME, fs->sni, fs->sni_len);
    trawl_rec_bool(r, C_RESUMED, fs->resumed);
    if (fs->last_alert >= 0) {
        const char *a = tls_alert_name((uint8_t)fs->last_alert);
        char ab[24];
        if (!a) { snprintf(ab, sizeof ab, "unknown-%d", fs->last_alert); a = ab; }
        trawl_rec_cstring(r, C_LAST_ALERT, a);
    }
    if (fs->alpn_len) trawl_rec_string(r, C_NEXT_PROTOCOL, fs->alpn, fs->alpn_len);
    trawl_rec_bool(r, C_ESTABLISHED, fs->established);
    for (unsigned i = 0; i < fs->d[TRAWL_DIR_RESP].nfps; i++)
        trawl_rec_cstring(r, C_CERT_FPS, fs->d[TRAWL_DIR_RESP].fps[i]);
    for (unsigned i = 0; i < fs->d[TRAWL_DIR_ORIG].nfps; i++)
        trawl_rec_cstring(r, C_CLIENT_CERT_FPS, fs->d[TRAWL_DIR_ORIG].fps[i]);
    cstr(r, C_SUBJECT, fs->subject);
    cstr(r, C_ISSUER, fs->issuer);
    cstr(r, C_CLIENT_SUBJECT, fs->client_subject);
    cstr(r, C_CLIENT_ISSUER, fs->client_issuer);
    cstr(r, C_JA3, fs->ja3);
    cstr(r, C_JA3S, fs->ja3s);
    cstr(r, C_JA4, fs->ja4);
    cstr(r, C_JA4S, fs->ja4s);
    trawl_rec_cstring(r, C_TRANSPORT, fs->quic ? "quic" : "tcp");
    /* The flow's own last frame: the context's frame at a flow's end depends on which worker
     * and which tick ended it. */
    trawl_rec_evidence(r, C_COMMUNITY_ID, ctx, f, fi->first_file, fi->first_frame, fi->last_frame);
    trawl_record_end(r);
}
