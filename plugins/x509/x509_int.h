/* x509_int.h — what the x509 plugin's files share (not for callers: see x509.h). */
#ifndef X509_INT_H
#define X509_INT_H

#include "der.h"

#define X509_SAN_MAX 256   /* SAN entries kept for the record (more are counted, not kept) */

enum { SAN_DNS, SAN_URI, SAN_EMAIL, SAN_IP };

/* What the dissector read of one certificate, for the record. Pointers are into the packet. */
struct x509_info {
    const uint8_t *der;            /* the whole certificate when all of it was captured */
    uint32_t der_len;
    bool have_version;
    int64_t version;               /* the INTEGER (v3 = 2); 0 when absent (v1) */
    const uint8_t *serial;
    uint32_t serial_len;
    struct der issuer, subject;    /* the Name elements */
    bool have_issuer, have_subject;
    bool have_nb, have_na;
    int64_t not_before, not_after;
    char sig_alg[128];             /* dotted OIDs */
    char key_alg[128];
    unsigned nsan;
    struct { uint8_t kind; uint32_t len; const uint8_t *p; } san[X509_SAN_MAX];
    bool have_bc, bc_ca, have_path_len;
    bool host_cert, client_cert;    /* from the caller's hints */
    uint64_t path_len;
};

/* names.c */
size_t x509_put_utf8(char *o, uint32_t c);              /* 1-4 bytes; bad code points: U+FFFD */
/* TeletexString (T.61) bytes to UTF-8 as tshark 4.0 decodes them; out needs 3 * n bytes. */
size_t x509_t61_utf8(const uint8_t *p, uint32_t n, char *out);
const char *x509_oid_name(const char *dotted);         /* OpenSSL-style long name or NULL */
const char *x509_attr_short(const char *dotted);       /* RFC 2253 / OpenSSL short name or NULL */
/* RFC 2253 text of a Name (last RDN first, escaped), from our own reader; false when the
 * Name cannot be read. */
bool x509_name_rfc2253(const struct der *name, char *out, size_t cap);

/* record.c */
struct trawl_record_type;
const struct trawl_record_type *x509_record_register(struct trawl_init *ctx);
void x509_record(struct trawl_packet *pkt, const struct trawl_record_type *t,
                 const struct x509_info *in);

#endif
