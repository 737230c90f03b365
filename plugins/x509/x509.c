/* x509 — X.509 certificates (RFC 5280) as tshark 4.0 shows them: the x509af (certificate),
 * x509if (names), x509sat (attribute values) and x509ce (extensions) fields, in DER order, and
 * one `x509` record per certificate (Zeek's x509.log). Callers hand it one certificate's DER
 * bytes (see x509.h); analysts reach it with decode-as (-d udp.port==N,x509). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"
#include "x509.h"
#include "x509_int.h"

static const struct trawl_value_name version_names[] = { { 0, "v1" }, { 1, "v2" }, { 2, "v3" }, { 0, NULL } };
static const struct trawl_value_name name_choice[] = { { 0, "rdnSequence" }, { 0, NULL } };
static const struct trawl_value_name time_choice[] = { { 0, "utcTime" }, { 1, "generalizedTime" }, { 0, NULL } };
static const struct trawl_value_name dirstr_names[] = {
    { 0, "teletexString" }, { 1, "printableString" }, { 2, "universalString" }, { 3, "bmpString" },
    { 4, "uTF8String" }, { 0, NULL },
};
static const struct trawl_value_name gname_names[] = {
    { 0, "otherName" }, { 1, "rfc822Name" }, { 2, "dNSName" }, { 3, "x400Address" },
    { 4, "directoryName" }, { 5, "ediPartyName" }, { 6, "uniformResourceIdentifier" },
    { 7, "iPAddress" }, { 8, "registeredID" }, { 0, NULL },
};
static const struct trawl_value_name dp_names[] = { { 0, "fullName" }, { 1, "nameRelativeToCRLIssuer" }, { 0, NULL } };

#define FIELDS(X) \
    X(AF_SIGNED_CERT, "x509af.signedCertificate_element", "signedCertificate", NONE, NULL) \
    X(AF_VERSION, "x509af.version", "version", I64, version_names) \
    X(AF_SERIAL, "x509af.serialNumber", "serialNumber", BYTES, NULL) \
    X(AF_SIGNATURE, "x509af.signature_element", "signature", NONE, NULL) \
    X(AF_ALG_ID, "x509af.algorithm.id", "Algorithm Id", STRING, NULL) \
    X(AF_ISSUER, "x509af.issuer", "issuer", U32, name_choice) \
    X(AF_RDNSEQ, "x509af.rdnSequence", "rdnSequence", U32, NULL) \
    X(AF_VALIDITY, "x509af.validity_element", "validity", NONE, NULL) \
    X(AF_NOT_BEFORE, "x509af.notBefore", "notBefore", U32, time_choice) \
    X(AF_NOT_AFTER, "x509af.notAfter", "notAfter", U32, time_choice) \
    X(AF_UTCTIME, "x509af.utcTime", "utcTime", STRING, NULL) \
    X(AF_GENTIME, "x509af.generalizedTime", "generalizedTime", TIME, NULL) \
    X(AF_SUBJECT, "x509af.subject", "subject", U32, name_choice) \
    X(AF_SPKI, "x509af.subjectPublicKeyInfo_element", "subjectPublicKeyInfo", NONE, NULL) \
    X(AF_ALGORITHM, "x509af.algorithm_element", "algorithm", NONE, NULL) \
    X(AF_SPK, "x509af.subjectPublicKey", "subjectPublicKey", BYTES, NULL) \
    X(AF_ISSUER_UID, "x509af.issuerUniqueIdentifier", "issuerUniqueIdentifier", BYTES, NULL) \
    X(AF_SUBJECT_UID, "x509af.subjectUniqueIdentifier", "subjectUniqueIdentifier", BYTES, NULL) \
    X(AF_EXTENSIONS, "x509af.extensions", "extensions", U32, NULL) \
    X(AF_EXTENSION, "x509af.Extension_element", "Extension", NONE, NULL) \
    X(AF_EXT_ID, "x509af.extension.id", "Extension Id", STRING, NULL) \
    X(AF_CRITICAL, "x509af.critical", "critical", BOOL, NULL) \
    X(AF_ALG_IDENT, "x509af.algorithmIdentifier_element", "algorithmIdentifier", NONE, NULL) \
    X(AF_ENCRYPTED, "x509af.encrypted", "encrypted", BYTES, NULL) \
    X(IF_RDNSEQ, "x509if.rdnSequence", "rdnSequence", U32, NULL) \
    X(IF_RDN_ITEM, "x509if.RDNSequence_item", "RDNSequence item", U32, NULL) \
    X(IF_ATV, "x509if.RelativeDistinguishedName_item_element", "RelativeDistinguishedName item", NONE, NULL) \
    X(IF_OID, "x509if.oid", "Object Id", STRING, NULL) \
    X(SAT_DIRSTR, "x509sat.DirectoryString", "DirectoryString", U32, dirstr_names) \
    X(SAT_TELETEX, "x509sat.teletexString", "teletexString", STRING, NULL) \
    X(SAT_PRINTABLE, "x509sat.printableString", "printableString", STRING, NULL) \
    X(SAT_UNIVERSAL, "x509sat.universalString", "universalString", STRING, NULL) \
    X(SAT_BMP, "x509sat.bmpString", "bmpString", STRING, NULL) \
    X(SAT_UTF8, "x509sat.uTF8String", "uTF8String", STRING, NULL) \
    X(SAT_COUNTRY, "x509sat.CountryName", "CountryName", STRING, NULL) \
    X(SAT_PRINTABLE_T, "x509sat.PrintableString", "PrintableString", STRING, NULL) \
    X(SAT_IA5, "x509sat.IA5String", "IA5String", STRING, NULL) \
    X(SAT_UNIQUE_ID, "x509sat.UniqueIdentifier", "UniqueIdentifier", BYTES, NULL) \
    X(SAT_INTEGER, "x509sat.Integer", "Integer", I64, NULL) \
    X(SAT_OCTETS, "x509sat.OctetString", "OctetString", BYTES, NULL) \
    X(SAT_BMP_T, "x509sat.BMPString", "BMPString", STRING, NULL) \
    X(SAT_TELEPHONE, "x509sat.TelephoneNumber", "TelephoneNumber", STRING, NULL) \
    X(CE_KEY_USAGE, "x509ce.KeyUsage", "KeyUsage", BYTES, NULL) \
    X(CE_KU_DS, "x509ce.KeyUsage.digitalSignature", "digitalSignature", BOOL, NULL) \
    X(CE_KU_CC, "x509ce.KeyUsage.contentCommitment", "contentCommitment", BOOL, NULL) \
    X(CE_KU_KE, "x509ce.KeyUsage.keyEncipherment", "keyEncipherment", BOOL, NULL) \
    X(CE_KU_DE, "x509ce.KeyUsage.dataEncipherment", "dataEncipherment", BOOL, NULL) \
    X(CE_KU_KA, "x509ce.KeyUsage.keyAgreement", "keyAgreement", BOOL, NULL) \
    X(CE_KU_KCS, "x509ce.KeyUsage.keyCertSign", "keyCertSign", BOOL, NULL) \
    X(CE_KU_CRL, "x509ce.KeyUsage.cRLSign", "cRLSign", BOOL, NULL) \
    X(CE_KU_EO, "x509ce.KeyUsage.encipherOnly", "encipherOnly", BOOL, NULL) \
    X(CE_KU_DO, "x509ce.KeyUsage.decipherOnly", "decipherOnly", BOOL, NULL) \
    X(CE_KP_IDS, "x509ce.KeyPurposeIDs", "KeyPurposeIDs", U32, NULL) \
    X(CE_KP_ID, "x509ce.KeyPurposeId", "KeyPurposeId", STRING, NULL) \
    X(CE_BC, "x509ce.BasicConstraintsSyntax_element", "BasicConstraintsSyntax", NONE, NULL) \
    X(CE_CA, "x509ce.cA", "cA", BOOL, NULL) \
    X(CE_PATHLEN, "x509ce.pathLenConstraint", "pathLenConstraint", U64, NULL) \
    X(CE_GNAMES, "x509ce.GeneralNames", "GeneralNames", U32, NULL) \
    X(CE_GNAME, "x509ce.GeneralName", "GeneralName", U32, gname_names) \
    X(CE_OTHERNAME, "x509ce.otherName_element", "otherName", NONE, NULL) \
    X(CE_TYPE_ID, "x509ce.type_id", "type-id", STRING, NULL) \
    X(CE_RFC822, "x509ce.rfc822Name", "rfc822Name", STRING, NULL) \
    X(CE_DNS, "x509ce.dNSName", "dNSName", STRING, NULL) \
    X(CE_X400, "x509ce.x400Address_element", "x400Address", NONE, NULL) \
    X(CE_DIRNAME, "x509ce.directoryName", "directoryName", U32, name_choice) \
    X(CE_EDIPARTY, "x509ce.ediPartyName_element", "ediPartyName", NONE, NULL) \
    X(CE_URI, "x509ce.uniformResourceIdentifier", "uniformResourceIdentifier", STRING, NULL) \
    X(CE_IPADDR, "x509ce.iPAddress", "iPAddress", BYTES, NULL) \
    X(CE_IPV4, "x509ce.IPAddress.ipv4", "iPAddress", IPV4, NULL) \
    X(CE_IPV6, "x509ce.IPAddress.ipv6", "iPAddress", IPV6, NULL) \
    X(CE_REGID, "x509ce.registeredID", "registeredID", STRING, NULL) \
    X(CE_SKI, "x509ce.SubjectKeyIdentifier", "SubjectKeyIdentifier", BYTES, NULL) \
    X(CE_AKI, "x509ce.AuthorityKeyIdentifier_element", "AuthorityKeyIdentifier", NONE, NULL) \
    X(CE_KEYID, "x509ce.keyIdentifier", "keyIdentifier", BYTES, NULL) \
    X(CE_AKI_ISSUER, "x509ce.authorityCertIssuer", "authorityCertIssuer", U32, NULL) \
    X(CE_AKI_SERIAL, "x509ce.authorityCertSerialNumber", "authorityCertSerialNumber", BYTES, NULL) \
    X(CE_CRLDP, "x509ce.CRLDistPointsSyntax", "CRLDistPointsSyntax", U32, NULL) \
    X(CE_DP, "x509ce.DistributionPoint_element", "DistributionPoint", NONE, NULL) \
    X(CE_DPNAME, "x509ce.distributionPoint", "distributionPoint", U32, dp_names) \
    X(CE_FULLNAME, "x509ce.fullName", "fullName", U32, NULL) \
    X(CE_NRTCI, "x509ce.nameRelativeToCRLIssuer", "nameRelativeToCRLIssuer", U32, NULL) \
    X(CE_REASONS, "x509ce.reasons", "reasons", BYTES, NULL) \
    X(CE_CRLISSUER, "x509ce.cRLIssuer", "cRLIssuer", U32, NULL) \
    X(CE_POLICIES, "x509ce.CertificatePoliciesSyntax", "CertificatePoliciesSyntax", U32, NULL) \
    X(CE_POLICYINFO, "x509ce.PolicyInformation_element", "PolicyInformation", NONE, NULL) \
    X(CE_POLICYID, "x509ce.policyIdentifier", "policyIdentifier", STRING, NULL) \
    X(CE_QUALIFIERS, "x509ce.policyQualifiers", "policyQualifiers", U32, NULL) \
    X(CE_QUALIFIERINFO, "x509ce.PolicyQualifierInfo_element", "PolicyQualifierInfo", NONE, NULL) \
    X(CE_QUALIFIER_ID, "x509ce.id", "Id", STRING, NULL) \
    X(CE_TEMPLATE, "x509ce.CertificateTemplate_element", "CertificateTemplate", NONE, NULL) \
    X(CE_TEMPLATE_ID, "x509ce.templateID", "templateID", STRING, NULL) \
    X(CE_TEMPLATE_MAJ, "x509ce.templateMajorVersion", "templateMajorVersion", I64, NULL) \
    X(CE_TEMPLATE_MIN, "x509ce.templateMinorVersion", "templateMinorVersion", I64, NULL)

#define ENUM(id, name, desc, type, nm) id,
enum { FIELDS(ENUM) F_COUNT };

#define DEF(id, name, desc, type, nm) [id] = { name, desc, TRAWL_FT_##type, 0, nm, 0 },
static const struct trawl_field_def fields[F_COUNT] = { FIELDS(DEF) };

struct x509_state {
    const struct trawl_proto *proto;
    const struct trawl_record_type *rec;
};

/* One certificate being walked. */
struct walk {
    struct trawl_packet *pkt;
    struct x509_info *in;     /* NULL when nobody wants the record */
    bool stop;                /* the rest is not read (tshark's exception) */
    bool fenced;              /* only [fence_lo, fence_hi) may still be read */
    uint32_t fence_lo, fence_hi;
};

/* Read an element for the walk, as tshark's BER reader goes:
 *  - a wrong type, or a mandatory element missing at its parent's end, is a soft error:
 *    marked, skipped, the siblings read;
 *  - bytes that are missing (a snaplen cut, a header past the end) end the whole walk;
 *  - an element that claims more than its parent holds is read cut at the parent's end, then
 *    the walk ends (tshark shows what is inside, then throws): from there on only reads inside
 *    that element's bytes are allowed. */
static bool rd(struct walk *w, const struct trawl_buf *b, uint32_t off, struct der *e)
{
    if (w->stop) return false;
    if (off >= trawl_buf_len(b)) {
        /* a mandatory element missing at its parent's end: marked, the walk goes on */
        trawl_buf_mark_malformed(b);
        return false;
    }
    uint64_t at = (uint64_t)b->base + off;
    if (w->fenced && (at < w->fence_lo || at >= w->fence_hi)) {
        w->stop = true;
        return false;
    }
    if (!der_read(b, off, e)) {
        w->stop = true;
        return false;
    }
    if (e->claimed > e->len) {
        w->fenced = true;
        w->fence_lo = e->c.base;
        w->fence_hi = e->c.base + e->len;
    }
    return true;
}

/* ---- values ---------------------------------------------------------------------------- */

static void mark(const struct der *e) { trawl_buf_mark_malformed(&e->c); }

/* The OID of e as text into out; false (layer marked) when it is not a readable OID. */
static bool oid_of(const struct der *e, char *out, size_t cap)
{
    if (!der_is(e, DER_OID) || e->cons) { mark(e); return false; }
    const uint8_t *p = der_bytes(e);
    if (!p) return false;
    int r = der_oid_text(p, e->len, out, cap);
    if (r != 1) mark(e);
    if (!r) return false;
    return true;
}

static bool add_oid(struct walk *w, unsigned idx, const struct der *e, char *out, size_t cap)
{
    char tmp[256];
    if (der_is(e, DER_OID) && !e->len) {
        /* an empty OID: tshark throws, and nothing after it is shown */
        mark(e);
        w->stop = true;
        return false;
    }
    if (!out) { out = tmp; cap = sizeof tmp; }
    if (!oid_of(e, out, cap)) return false;
    trawl_add_stringf(w->pkt, idx, "%s", out);
    return true;
}

/* A string value: BMPString (UCS-2/UTF-16 BE) and UniversalString (UCS-4 BE) become UTF-8;
 * the others are shown as their bytes. */
static void add_text(struct walk *w, unsigned idx, const struct der *e)
{
    if (e->cons) { mark(e); return; }
    const uint8_t *p = der_bytes(e);
    if (!p) return;
    uint32_t n = e->len;
    if (e->cls == DER_UNIVERSAL && (e->tag == DER_BMP || e->tag == DER_UNIVERSAL_STR)) {
        unsigned unit = e->tag == DER_BMP ? 2 : 4;
        if (n % unit) mark(e);
        char *o = trawl_packet_alloc(w->pkt, (size_t)n * 2 + 4);
        if (!o) return;
        size_t k = 0;
        for (uint32_t i = 0; i + unit <= n; i += unit) {
            uint32_t c;
            if (unit == 2) {
                c = (uint32_t)p[i] << 8 | p[i + 1];
                if (c >= 0xd800 && c <= 0xdbff && i + 4 <= n) {
                    uint32_t lo = (uint32_t)p[i + 2] << 8 | p[i + 3];
                    if (lo >= 0xdc00 && lo <= 0xdfff) {
                        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                        i += 2;
                    }
                }
            } else {
                c = (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 | (uint32_t)p[i + 2] << 8 | p[i + 3];
            }
            k += x509_put_utf8(o + k, c);
        }
        trawl_add_string(w->pkt, idx, o, (uint32_t)k);
        return;
    }
    /* 8-bit strings as tshark 4.0 decodes them: UTF8String as UTF-8 with each maximal invalid
     * subsequence replaced by U+FFFD (Unicode's rule); the ASCII types (Printable, IA5,
     * Visible, Numeric, ...) with each byte >= 0x80 as U+FFFD; TeletexString as T.61 */
    if (e->cls == DER_UNIVERSAL && e->tag == DER_TELETEX) {
        char *o = trawl_packet_alloc(w->pkt, (size_t)n * 3 + 4);
        if (o) trawl_add_string(w->pkt, idx, o, (uint32_t)x509_t61_utf8(p, n, o));
        return;
    }
    uint32_t i = 0;
    while (i < n && p[i] < 0x80) i++;
    if (i == n) {
        trawl_add_string(w->pkt, idx, (const char *)p, n);
        return;
    }
    char *o = trawl_packet_alloc(w->pkt, (size_t)n * 3 + 4);
    if (!o) return;
    memcpy(o, p, i);
    size_t k = i;
    bool utf8 = e->cls == DER_UNIVERSAL && e->tag == DER_UTF8;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) { o[k++] = (char)c; i++; continue; }
        if (!utf8) { k += x509_put_utf8(o + k, 0xfffd); i++; continue; }
        /* the sequence's length and the range its second byte must be in */
        unsigned len = 0;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) len = 2;
        else if (c >= 0xe0 && c <= 0xef) { len = 3; if (c == 0xe0) lo = 0xa0; if (c == 0xed) hi = 0x9f; }
        else if (c >= 0xf0 && c <= 0xf4) { len = 4; if (c == 0xf0) lo = 0x90; if (c == 0xf4) hi = 0x8f; }
        unsigned got = 1;
        if (len) {
            while (got < len && i + got < n) {
                uint8_t b = p[i + got];
                if (got == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) break;
                got++;
            }
        }
        if (len && got == len) { memcpy(o + k, p + i, len); k += len; i += len; }
        else { k += x509_put_utf8(o + k, 0xfffd); i += got; }
    }
    trawl_add_string(w->pkt, idx, o, (uint32_t)k);
}

/* BIT STRING content without its unused-bits octet. */
static const uint8_t *bits_of(const struct der *e, uint32_t *n)
{
    if (e->cons || !e->len) { mark(e); return NULL; }
    const uint8_t *p = der_bytes(e);
    if (!p) return NULL;
    if (p[0] > 7) { mark(e); return NULL; }   /* tshark shows no value then */
    *n = e->len - 1;
    return p + 1;
}

static void add_bits(struct walk *w, unsigned idx, const struct der *e)
{
    uint32_t n;
    const uint8_t *p = bits_of(e, &n);
    if (p) trawl_add_bytes(w->pkt, idx, p, n);
}

static bool int_of(const struct der *e, int64_t *v)
{
    if (!der_is(e, DER_INTEGER) || e->cons || !e->len) { mark(e); return false; }
    const uint8_t *p = der_bytes(e);
    if (!p) return false;
    if (!der_int64(p, e->len, v)) { mark(e); return false; }
    return true;
}

/* Loop over the elements inside constructed element E: `for (ITER(x, E)) { ... }`. */
#define EACH(x, E) uint32_t x##_off = 0; x##_off < (E)->c.len && rd(w, &(E)->c, x##_off, &x); \
                   x##_off = der_end(&x)

/* ---- names ------------------------------------------------------------------------------ */

static const char *const dirstring_attrs[] = {
    "2.5.4.3", "2.5.4.4", "2.5.4.7", "2.5.4.8", "2.5.4.9", "2.5.4.10", "2.5.4.11", "2.5.4.12",
    "2.5.4.13", "2.5.4.15", "2.5.4.17", "2.5.4.18", "2.5.4.19", "2.5.4.41", "2.5.4.42",
    "2.5.4.43", "2.5.4.44", "2.5.4.51", "2.5.4.54", "2.5.4.65", NULL,
};

static bool in_list(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (!strcmp(*l, s)) return true;
    return false;
}

static void walk_attr_value(struct walk *w, const char *oid, const struct der *v)
{
    if (in_list(dirstring_attrs, oid)) {
        if (v->cls != DER_UNIVERSAL) return;
        unsigned idx, choice;
        switch (v->tag) {
        case DER_TELETEX: choice = 0; idx = SAT_TELETEX; break;
        case DER_PRINTABLE: choice = 1; idx = SAT_PRINTABLE; break;
        case DER_UNIVERSAL_STR: choice = 2; idx = SAT_UNIVERSAL; break;
        case DER_BMP: choice = 3; idx = SAT_BMP; break;
        case DER_UTF8: choice = 4; idx = SAT_UTF8; break;
        default: return;   /* not a DirectoryString choice: tshark names none, nor do we */
        }
        trawl_add_uint(w->pkt, SAT_DIRSTR, choice);
        add_text(w, idx, v);
    } else if (!strcmp(oid, "2.5.4.6")) {
        add_text(w, SAT_COUNTRY, v);
    } else if (!strcmp(oid, "2.5.4.5") || !strcmp(oid, "2.5.4.46")) {
        add_text(w, SAT_PRINTABLE_T, v);
    } else if (!strcmp(oid, "2.5.4.20")) {
        add_text(w, SAT_TELEPHONE, v);
    } else if (!strcmp(oid, "2.5.4.45")) {
        add_bits(w, SAT_UNIQUE_ID, v);
    } else if (!strcmp(oid, "1.2.840.113549.1.9.1") || !strcmp(oid, "0.9.2342.19200300.100.1.25")) {
        add_text(w, SAT_IA5, v);
    }
    /* other attribute types: the type's OID only (tshark leaves them to BER) */
}

/* Name ::= CHOICE { rdnSequence RDNSequence }; seq_idx: which rdnSequence field tshark uses. */
static void walk_name(struct walk *w, const struct der *name, unsigned seq_idx)
{
    if (!der_is(name, DER_SEQUENCE) || !name->cons) { mark(name); return; }
    trawl_add_uint(w->pkt, seq_idx, der_count(name));
    struct der rdn;
    for (EACH(rdn, name)) {
        if (!der_is(&rdn, DER_SET) || !rdn.cons) { mark(&rdn); continue; }   /* a wrong item: skipped */
        trawl_add_uint(w->pkt, IF_RDN_ITEM, der_count(&rdn));
        struct der atv;
        for (EACH(atv, &rdn)) {
            if (!der_is(&atv, DER_SEQUENCE) || !atv.cons) { mark(&atv); continue; }   /* a wrong item: skipped */
            trawl_tree_push(w->pkt, IF_ATV);
            struct der t, v;
            char oid[256];
            bool ok = rd(w, &atv.c, 0, &t) && add_oid(w, IF_OID, &t, oid, sizeof oid);
            if (ok && rd(w, &atv.c, der_end(&t), &v)) walk_attr_value(w, oid, &v);
            trawl_tree_pop(w->pkt);
        }
    }
}

/* ---- GeneralName ------------------------------------------------------------------------ */

static void keep_san(struct walk *w, uint8_t kind, const struct der *e)
{
    if (!w->in || w->in->nsan >= X509_SAN_MAX) return;
    const uint8_t *p = der_bytes(e);
    if (!p) return;
    struct x509_info *in = w->in;
    in->san[in->nsan].kind = kind;
    in->san[in->nsan].p = p;
    in->san[in->nsan].len = e->len;
    in->nsan++;
}

/* choice: add x509ce.GeneralName first (not inside AccessDescription, where tshark's
 * pkix1implicit.accessLocation stands for it). san: keep the values for the record. */
static void walk_gname(struct walk *w, const struct der *g, bool choice, bool san)
{
    if (g->cls != DER_CONTEXT || g->tag > 8) { mark(g); return; }
    if (choice) trawl_add_uint(w->pkt, CE_GNAME, g->tag);
    struct der x;
    switch (g->tag) {
    case 0:
        trawl_tree_push(w->pkt, CE_OTHERNAME);
        if (g->cons && rd(w, &g->c, 0, &x)) add_oid(w, CE_TYPE_ID, &x, NULL, 0);
        trawl_tree_pop(w->pkt);
        break;
    case 1:
        add_text(w, CE_RFC822, g);
        if (san) keep_san(w, SAN_EMAIL, g);
        break;
    case 2:
        add_text(w, CE_DNS, g);
        if (san) keep_san(w, SAN_DNS, g);
        break;
    case 3: trawl_tree_push(w->pkt, CE_X400); trawl_tree_pop(w->pkt); break;
    case 4:
        if (!g->cons) { mark(g); break; }
        trawl_add_uint(w->pkt, CE_DIRNAME, 0);
        if (rd(w, &g->c, 0, &x)) walk_name(w, &x, IF_RDNSEQ);
        break;
    case 5: trawl_tree_push(w->pkt, CE_EDIPARTY); trawl_tree_pop(w->pkt); break;
    case 6:
        add_text(w, CE_URI, g);
        if (san) keep_san(w, SAN_URI, g);
        break;
    case 7: {
        const uint8_t *p = g->cons ? NULL : der_bytes(g);
        if (g->cons) mark(g);
        if (!p) break;
        if (g->len == 4) trawl_add_addr(w->pkt, CE_IPV4, p);
        else if (g->len == 16) trawl_add_addr(w->pkt, CE_IPV6, p);
        else trawl_add_bytes(w->pkt, CE_IPADDR, p, g->len);
        if (san && (g->len == 4 || g->len == 16)) keep_san(w, SAN_IP, g);
        break;
    }
    case 8: {
        /* [8] IMPLICIT OBJECT IDENTIFIER: read the content as an OID */
        char oid[256];
        const uint8_t *p = g->cons ? NULL : der_bytes(g);
        if (g->cons) mark(g);
        if (!p) break;
        int r = der_oid_text(p, g->len, oid, sizeof oid);
        if (r) trawl_add_stringf(w->pkt, CE_REGID, "%s", oid);
        if (r != 1) mark(g);
        break;
    }
    }
}

static void walk_gnames(struct walk *w, const struct der *seq, unsigned count_idx, bool san)
{
    if (!seq->cons) { mark(seq); return; }
    trawl_add_uint(w->pkt, count_idx, der_count(seq));
    struct der g;
    for (EACH(g, seq)) walk_gname(w, &g, true, san);
}

/* ---- extensions ------------------------------------------------------------------------- */

static void ext_key_usage(struct walk *w, const struct der *e)
{
    if (!der_is(e, DER_BIT_STRING)) { mark(e); return; }
    uint32_t n;
    const uint8_t *p = bits_of(e, &n);
    if (!p) return;
    trawl_add_bytes(w->pkt, CE_KEY_USAGE, p, n);
    uint8_t b0 = n > 0 ? p[0] : 0, b1 = n > 1 ? p[1] : 0;
    static const uint8_t masks[8] = { 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01 };
    for (unsigned i = 0; i < 8; i++) trawl_add_bool(w->pkt, CE_KU_DS + i, (b0 & masks[i]) != 0);
    trawl_add_bool(w->pkt, CE_KU_DO, (b1 & 0x80) != 0);
}

static void ext_basic_constraints(struct walk *w, const struct der *e)
{
    if (!der_is(e, DER_SEQUENCE) || !e->cons) { mark(e); return; }
    trawl_tree_push(w->pkt, CE_BC);
    if (w->in) w->in->have_bc = true;
    struct der x;
    for (EACH(x, e)) {
        if (der_is(&x, DER_BOOLEAN) && !x.cons && x.len == 1) {
            const uint8_t *p = der_bytes(&x);
            if (!p) break;
            trawl_add_bool(w->pkt, CE_CA, p[0] != 0);
            if (w->in) w->in->bc_ca = p[0] != 0;
        } else if (der_is(&x, DER_INTEGER)) {
            int64_t v;
            if (!int_of(&x, &v)) break;
            if (v < 0) { mark(&x); break; }
            trawl_add_uint(w->pkt, CE_PATHLEN, (uint64_t)v);
            if (w->in) { w->in->have_path_len = true; w->in->path_len = (uint64_t)v; }
        } else {
            mark(&x);
            break;
        }
    }
    trawl_tree_pop(w->pkt);
}

static void ext_aki(struct walk *w, const struct der *e)
{
    if (!der_is(e, DER_SEQUENCE) || !e->cons) { mark(e); return; }
    trawl_tree_push(w->pkt, CE_AKI);
    struct der x;
    for (EACH(x, e)) {
        if (der_is_ctx(&x, 0) && !x.cons) {
            const uint8_t *p = der_bytes(&x);
            if (p) trawl_add_bytes(w->pkt, CE_KEYID, p, x.len);
        } else if (der_is_ctx(&x, 1)) {
            walk_gnames(w, &x, CE_AKI_ISSUER, false);
        } else if (der_is_ctx(&x, 2) && !x.cons) {
            const uint8_t *p = der_bytes(&x);
            if (p) trawl_add_bytes(w->pkt, CE_AKI_SERIAL, p, x.len);
        } else {
            mark(&x);
            break;
        }
    }
    trawl_tree_pop(w->pkt);
}

static void ext_crldp(struct walk *w, const struct der *e)
{
    if (!der_is(e, DER_SEQUENCE) || !e->cons) { mark(e); return; }
    trawl_add_uint(w->pkt, CE_CRLDP, der_count(e));
    struct der dp;
    for (EACH(dp, e)) {
        if (!der_is(&dp, DER_SEQUENCE) || !dp.cons) { mark(&dp); continue; }   /* a wrong item: skipped */
        trawl_tree_push(w->pkt, CE_DP);
        struct der x;
        for (EACH(x, &dp)) {
            if (der_is_ctx(&x, 0) && x.cons) {
                struct der n;
                if (!rd(w, &x.c, 0, &n)) break;
                if (n.cls != DER_CONTEXT || n.tag > 1 || !n.cons) { mark(&n); break; }
                trawl_add_uint(w->pkt, CE_DPNAME, n.tag);
                if (n.tag == 0) walk_gnames(w, &n, CE_FULLNAME, false);
                else trawl_add_uint(w->pkt, CE_NRTCI, der_count(&n));
            } else if (der_is_ctx(&x, 1) && !x.cons) {
                add_bits(w, CE_REASONS, &x);
            } else if (der_is_ctx(&x, 2)) {
                walk_gnames(w, &x, CE_CRLISSUER, false);
            } else {
                mark(&x);
                break;
            }
        }
        trawl_tree_pop(w->pkt);
    }
}

static void ext_policies(struct walk *w, const struct der *e)
{
    if (!der_is(e, DER_SEQUENCE) || !e->cons) { mark(e); return; }
    trawl_add_uint(w->pkt, CE_POLICIES, der_count(e));
    struct der pi;
    for (EACH(pi, e)) {
        if (!der_is(&pi, DER_SEQUENCE) || !pi.cons) { mark(&pi); continue; }   /* a wrong item: skipped */
        trawl_tree_push(w->pkt, CE_POLICYINFO);
        struct der id, qs;
        if (rd(w, &pi.c, 0, &id) && add_oid(w, CE_POLICYID, &id, NULL, 0) &&
            der_end(&id) < pi.c.len && rd(w, &pi.c, der_end(&id), &qs)) {
            if (!der_is(&qs, DER_SEQUENCE) || !qs.cons) mark(&qs);
            else {
                trawl_add_uint(w->pkt, CE_QUALIFIERS, der_count(&qs));
                struct der q;
                for (EACH(q, &qs)) {
                    if (!der_is(&q, DER_SEQUENCE) || !q.cons) { mark(&q); continue; }
                    trawl_tree_push(w->pkt, CE_QUALIFIERINFO);
                    struct der qid;
                    if (rd(w, &q.c, 0, &qid)) add_oid(w, CE_QUALIFIER_ID, &qid, NULL, 0);
                    trawl_tree_pop(w->pkt);
                }
            }
        }
        trawl_tree_pop(w->pkt);
    }
}

static void ext_eku(struct walk *w, const struct der *e)
{
    if (!der_is(e, DER_SEQUENCE) || !e->cons) { mark(e); return; }
    trawl_add_uint(w->pkt, CE_KP_IDS, der_count(e));
    struct der x;
    for (EACH(x, e))
        if (!add_oid(w, CE_KP_ID, &x, NULL, 0)) break;
}

static void ext_aia(struct walk *w, const struct der *e)
{
    if (!der_is(e, DER_SEQUENCE) || !e->cons) { mark(e); return; }
    struct der ad;
    for (EACH(ad, e)) {
        if (!der_is(&ad, DER_SEQUENCE) || !ad.cons) { mark(&ad); continue; }   /* a wrong item: skipped */
        struct der m, loc;
        if (rd(w, &ad.c, 0, &m) && rd(w, &ad.c, der_end(&m), &loc)) walk_gname(w, &loc, false, false);
    }
}

static void ext_template(struct walk *w, const struct der *e)
{
    if (!der_is(e, DER_SEQUENCE) || !e->cons) { mark(e); return; }
    trawl_tree_push(w->pkt, CE_TEMPLATE);
    struct der x;
    unsigned i = 0;
    for (EACH(x, e)) {
        int64_t v;
        if (i == 0) { if (!add_oid(w, CE_TEMPLATE_ID, &x, NULL, 0)) break; }
        else if (i <= 2) {
            if (!int_of(&x, &v)) break;
            trawl_add_int(w->pkt, i == 1 ? CE_TEMPLATE_MAJ : CE_TEMPLATE_MIN, v);
        }
        i++;
    }
    trawl_tree_pop(w->pkt);
}

static void walk_ext_value(struct walk *w, const char *oid, const struct der *os)
{
    struct der v;
    if (!os->len || !rd(w, &os->c, 0, &v)) return;
    if (!strcmp(oid, "2.5.29.14")) {
        if (!der_is(&v, DER_OCTET_STRING) || v.cons) { mark(&v); return; }
        const uint8_t *p = der_bytes(&v);
        if (p) trawl_add_bytes(w->pkt, CE_SKI, p, v.len);
    } else if (!strcmp(oid, "2.5.29.15")) ext_key_usage(w, &v);
    else if (!strcmp(oid, "2.5.29.17") || !strcmp(oid, "2.5.29.18")) {
        if (!der_is(&v, DER_SEQUENCE)) { mark(&v); return; }
        walk_gnames(w, &v, CE_GNAMES, !strcmp(oid, "2.5.29.17"));
    } else if (!strcmp(oid, "2.5.29.19")) ext_basic_constraints(w, &v);
    else if (!strcmp(oid, "2.5.29.31")) ext_crldp(w, &v);
    else if (!strcmp(oid, "2.5.29.32") || !strcmp(oid, "1.3.6.1.4.1.311.21.10")) ext_policies(w, &v);
    else if (!strcmp(oid, "2.5.29.35")) ext_aki(w, &v);
    else if (!strcmp(oid, "2.5.29.37")) ext_eku(w, &v);
    else if (!strcmp(oid, "1.3.6.1.5.5.7.1.1")) ext_aia(w, &v);
    else if (!strcmp(oid, "1.3.6.1.4.1.311.21.1")) {
        int64_t n;
        if (int_of(&v, &n)) trawl_add_int(w->pkt, SAT_INTEGER, n);
    } else if (!strcmp(oid, "1.3.6.1.4.1.311.21.2")) {
        if (!der_is(&v, DER_OCTET_STRING) || v.cons) { mark(&v); return; }
        const uint8_t *p = der_bytes(&v);
        if (p) trawl_add_bytes(w->pkt, SAT_OCTETS, p, v.len);
    } else if (!strcmp(oid, "1.3.6.1.4.1.311.20.2")) {
        if (!der_is(&v, DER_BMP)) { mark(&v); return; }
        add_text(w, SAT_BMP_T, &v);
    } else if (!strcmp(oid, "1.3.6.1.4.1.311.21.7")) ext_template(w, &v);
    /* others (SCTs are the tls dissector's, unknown ones BER's): the id only */
}

/* Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
static void walk_extension(struct walk *w, const struct der *ext)
{
    struct der id, x;
    char oid[256];
    if (!rd(w, &ext->c, 0, &id) || !add_oid(w, AF_EXT_ID, &id, oid, sizeof oid)) return;
    uint32_t o = der_end(&id);
    if (o >= ext->c.len) { mark(ext); return; }
    if (!rd(w, &ext->c, o, &x)) return;
    if (der_is(&x, DER_BOOLEAN)) {
        if (x.cons || x.len != 1) { mark(&x); return; }
        const uint8_t *p = der_bytes(&x);
        if (!p) return;
        trawl_add_bool(w->pkt, AF_CRITICAL, p[0] != 0);
        o = der_end(&x);
        if (o >= ext->c.len) { mark(ext); return; }
        if (!rd(w, &ext->c, o, &x)) return;
    }
    if (der_is(&x, DER_OCTET_STRING) && !x.cons) walk_ext_value(w, oid, &x);
    else mark(&x);
}

static void walk_extensions(struct walk *w, const struct der *exts)
{
    if (!der_is(exts, DER_SEQUENCE) || !exts->cons) { mark(exts); return; }
    trawl_add_uint(w->pkt, AF_EXTENSIONS, der_count(exts));
    struct der ext;
    for (EACH(ext, exts)) {
        if (!der_is(&ext, DER_SEQUENCE) || !ext.cons) { mark(&ext); continue; }   /* a wrong item: skipped */
        trawl_tree_push(w->pkt, AF_EXTENSION);
        walk_extension(w, &ext);
        trawl_tree_pop(w->pkt);
    }
}

/* ---- the certificate -------------------------------------------------------------------- */

static void walk_alg(struct walk *w, unsigned elem, const struct der *a, char *oid, size_t cap)
{
    if (!der_is(a, DER_SEQUENCE) || !a->cons) { mark(a); return; }
    trawl_tree_push(w->pkt, elem);
    struct der id, params;
    if (rd(w, &a->c, 0, &id)) {
        add_oid(w, AF_ALG_ID, &id, oid, cap);
        /* the parameters are not shown, but read: a lying length there ends the walk */
        if (der_end(&id) < a->c.len) rd(w, &a->c, der_end(&id), &params);
    }
    trawl_tree_pop(w->pkt);
}

static void walk_time(struct walk *w, unsigned choice_idx, const struct der *t, bool *have, int64_t *ns)
{
    const uint8_t *p;
    if (der_is(t, DER_UTCTIME) && !t->cons) {
        trawl_add_uint(w->pkt, choice_idx, 0);
        if (!(p = der_bytes(t))) return;
        int64_t v;
        bool range;
        if (der_time(p, t->len, false, &v, &range)) {
            /* tshark: "YYYY-MM-DD hh:mm[:ss] (UTC[+-hhmm])" (YY < 50: 20YY) */
            const char *cc = p[0] < '5' ? "20" : "19";
            bool secs = t->len == 13 || t->len == 17;
            const uint8_t *z = p + (secs ? 12 : 10);
            trawl_add_stringf(w->pkt, AF_UTCTIME, "%s%.2s-%.2s-%.2s %.2s:%.2s%s%.*s (UTC%.*s)", cc,
                              p, p + 2, p + 4, p + 6, p + 8, secs ? ":" : "", secs ? 2 : 0,
                              (const char *)p + 10, *z == 'Z' ? 0 : 5, (const char *)z);
            *have = true;
            *ns = v;
        } else {
            trawl_add_string(w->pkt, AF_UTCTIME, (const char *)p, t->len);
            mark(t);
        }
    } else if (der_is(t, DER_GENTIME) && !t->cons) {
        trawl_add_uint(w->pkt, choice_idx, 1);
        if (!(p = der_bytes(t))) return;
        int64_t v;
        bool range;
        if (der_time(p, t->len, true, &v, &range)) {
            trawl_add_time(w->pkt, AF_GENTIME, v);
            *have = true;
            *ns = v;
        } else if (range) mark(t);
        /* a valid date beyond 2262 (99991231235959Z): not shown (README: limits) */
    } else mark(t);
}

/* The slots of TBSCertificate, in order. */
enum { S_VERSION, S_SERIAL, S_SIG, S_ISSUER, S_VALIDITY, S_SUBJECT, S_SPKI, S_IUID, S_SUID, S_EXTS, S__END };

static bool slot_optional(unsigned s) { return s == S_VERSION || s >= S_IUID; }

static bool slot_matches(unsigned s, const struct der *x)
{
    switch (s) {
    case S_VERSION: return der_is_ctx(x, 0);
    case S_SERIAL: return der_is(x, DER_INTEGER);
    case S_ISSUER: case S_SUBJECT: return true;   /* a CHOICE: its own check */
    case S_IUID: return der_is_ctx(x, 1);
    case S_SUID: return der_is_ctx(x, 2);
    case S_EXTS: return der_is_ctx(x, 3);
    default: return der_is(x, DER_SEQUENCE);
    }
}

static void tbs_slot(struct walk *w, struct x509_info *in, unsigned s, const struct der *x)
{
    struct der v, t, a, k;
    int64_t n;
    switch (s) {
    case S_VERSION: {
        if (!x->cons) { mark(x); return; }
        if (!rd(w, &x->c, 0, &v)) return;
        /* tshark reads the value whatever its tag says (and flags a wrong one) */
        const uint8_t *vp = v.cons ? NULL : der_bytes(&v);
        if (!der_is(&v, DER_INTEGER)) mark(&v);
        if (vp && der_int64(vp, v.len, &n)) {
            trawl_add_int(w->pkt, AF_VERSION, n);
            in->have_version = true;
            in->version = n;
        } else mark(&v);
        return;
    }
    case S_SERIAL: {
        /* the INTEGER's bytes as they are (tshark shows them so) */
        if (x->cons) { mark(x); return; }
        const uint8_t *p = der_bytes(x);
        if (!p) return;
        trawl_add_bytes(w->pkt, AF_SERIAL, p, x->len);
        in->serial = p;
        in->serial_len = x->len;
        if (!x->len) mark(x);
        return;
    }
    case S_SIG: {
        char tbs_sig[128];
        walk_alg(w, AF_SIGNATURE, x, tbs_sig, sizeof tbs_sig);
        return;
    }
    case S_ISSUER: case S_SUBJECT:
        if (!der_is(x, DER_SEQUENCE)) { mark(x); return; }   /* not a Name's one choice */
        trawl_add_uint(w->pkt, s == S_ISSUER ? AF_ISSUER : AF_SUBJECT, 0);
        if (s == S_ISSUER) { in->issuer = *x; in->have_issuer = true; }
        else { in->subject = *x; in->have_subject = true; }
        walk_name(w, x, s == S_ISSUER ? IF_RDNSEQ : AF_RDNSEQ);
        return;
    case S_VALIDITY:
        if (!x->cons) { mark(x); return; }
        trawl_tree_push(w->pkt, AF_VALIDITY);
        if (rd(w, &x->c, 0, &t)) {
            walk_time(w, AF_NOT_BEFORE, &t, &in->have_nb, &in->not_before);
            if (rd(w, &x->c, der_end(&t), &t)) walk_time(w, AF_NOT_AFTER, &t, &in->have_na, &in->not_after);
        }
        trawl_tree_pop(w->pkt);
        return;
    case S_SPKI:
        if (!x->cons) { mark(x); return; }
        trawl_tree_push(w->pkt, AF_SPKI);
        if (rd(w, &x->c, 0, &a)) {
            walk_alg(w, AF_ALGORITHM, &a, in->key_alg, sizeof in->key_alg);
            if (rd(w, &x->c, der_end(&a), &k)) {
                if (der_is(&k, DER_BIT_STRING)) add_bits(w, AF_SPK, &k);
                else mark(&k);
            }
        }
        trawl_tree_pop(w->pkt);
        return;
    case S_IUID: case S_SUID:
        add_bits(w, s == S_IUID ? AF_ISSUER_UID : AF_SUBJECT_UID, x);
        return;
    case S_EXTS:
        if (!x->cons) { mark(x); return; }
        if (rd(w, &x->c, 0, &v)) walk_extensions(w, &v);
        return;
    }
}

/* TBSCertificate as tshark's BER sequence reader takes it: each element goes to the next slot
 * it fits (optional slots it does not fit are passed over); an element that fits no slot where
 * a mandatory one is due is a wrong field: marked, skipped, and that slot is used up. */
static void walk_tbs(struct walk *w, const struct der *tbs)
{
    struct x509_info scratch, *in = w->in ? w->in : &scratch;
    if (!der_is(tbs, DER_SEQUENCE) || !tbs->cons) { mark(tbs); return; }
    unsigned s = 0;
    struct der x;
    for (uint32_t off = 0; off < tbs->c.len && rd(w, &tbs->c, off, &x); off = der_end(&x)) {
        while (s < S__END && slot_optional(s) && !slot_matches(s, &x)) s++;
        if (s == S__END) { mark(&x); continue; }   /* past the definition: skipped */
        if (slot_matches(s, &x)) tbs_slot(w, in, s, &x);
        else mark(&x);
        s++;
    }
    if (s <= S_SPKI) mark(tbs);   /* mandatory fields missing */
}

static int x509_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct x509_state *st = state;
    uint32_t len = trawl_buf_len(b);
    if (!len) return 0;
    unsigned hints = trawl_packet_hints(pkt);
    struct walk ws = { pkt, NULL, false, false, 0, 0 }, *w = &ws;
    struct x509_info info;   /* what the record needs; its values are copied by the record */
    if (trawl_record_wanted(pkt, st->rec)) {
        memset(&info, 0, sizeof info);
        w->in = &info;
    }
    struct der cert, tbs, x;
    if (!rd(w, b, 0, &cert)) return (int)len;
    if (!cert.cons) { mark(&cert); return (int)len; }
    if (!der_is(&cert, DER_SEQUENCE)) mark(&cert);   /* tshark reads on whatever the outer tag */
    if (cert.claimed > cert.len) return (int)len;   /* longer than the bytes given: tshark shows nothing */
    if (w->in && trawl_buf_has(b, 0, der_end(&cert))) {
        w->in->der = b->data;
        w->in->der_len = der_end(&cert);
    }
    if (rd(w, &cert.c, 0, &tbs)) {
        if (tbs.cons) trawl_tree_push(pkt, AF_SIGNED_CERT);
        walk_tbs(w, &tbs);
        if (tbs.cons) trawl_tree_pop(pkt);
        if (rd(w, &cert.c, der_end(&tbs), &x)) {
            char *sig = w->in ? w->in->sig_alg : NULL;
            char tmp[128];
            walk_alg(w, AF_ALG_IDENT, &x, sig ? sig : tmp, sizeof tmp);
            struct der s;
            if (rd(w, &cert.c, der_end(&x), &s)) {
                if (der_is(&s, DER_BIT_STRING)) add_bits(w, AF_ENCRYPTED, &s);
                else mark(&s);
            }
        }
    }
    if (w->in && w->in->have_subject) {
        if (hints & X509_HINT_END_ENTITY) w->in->host_cert = true;
        if (hints & X509_HINT_FROM_CLIENT) w->in->client_cert = true;
        x509_record(pkt, st->rec, w->in);
    }
    return (int)len;
}

/* ---- registration ----------------------------------------------------------------------- */

static const struct trawl_proto_def x509_proto = {
    "x509", "X.509 Certificate", "X509", fields, F_COUNT, x509_dissect,
};

static int x509_init(struct trawl_init *ctx)
{
    struct x509_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->proto = trawl_proto_register(ctx, &x509_proto, st);
    st->rec = x509_record_register(ctx);
    return st->proto && st->rec ? 0 : TRAWL_EINVAL;
}

static void x509_fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "x509", .version = "1.0.0",
                        .summary = "X.509 certificates (tshark's x509af/x509ce/x509if/x509sat fields); Zeek's x509.log records",
                        .init = x509_init, .fini = x509_fini);
