/* test_tls.c — the tls plugin (suite "tls"): the record layer, handshake reassembly, hellos and
 * extensions, JA3/JA3S, JA4/JA4S, certificates, the ssl record and the tls-handshake entry.
 *
 * Where the values come from:
 *  - captures: what tshark 4.0 prints (`tshark -r CAP -T fields -e ...`; JA3/JA3S also in
 *    ../shared/captures/oracle/tls/CAP.tsv), JA4 from nDPI's expected output
 *    (oracle/ndpi/CAP.out) where nDPI follows the JA4 specification; the cases where nDPI departs
 *    from it are tests of their own (test_ja4_ndpi_departures), with the reason;
 *  - the JA4 specification's published example (FoxIO technical_details/JA4.md: Chrome's
 *    t13d1516h2_8daaf6152771_e5627efa2ab1) rebuilt byte by byte;
 *  - synthetic conversations for what captures lack: hellos split over segments and records,
 *    several messages in a record, lying lengths, HelloRetryRequest, GREASE, no extensions,
 *    SSLv2, garbage, the heuristic, a cut hello at FIN, and the tls-handshake entry.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../pktgen.h"

#define T0 1700000000000000000LL
#define FIELD_IS(t, f, v) CU_ASSERT_STRING_EQUAL(th_field(t, f), v)
#define REC_IS(t, i, c, v) CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "ssl", i, c), v)

static struct th *start_with(const char *const *decode_as)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct th *t = trawl_test_new_opts(dirs, decode_as, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}
static struct th *start(void) { return start_with(NULL); }

/* ---- captures ------------------------------------------------------------------------------- */

struct pcapf { char path[512]; };

static struct pcapf pc_open(const char *name)
{
    struct pcapf p;
    snprintf(p.path, sizeof p.path, "%s/%s", th_captures_dir(), name);
    return p;
}
static bool pc_feed(struct th *t, struct pcapf *p, unsigned upto) { return trawl_test_file_upto(t, p->path, upto) == 0; }
static void pc_rest(struct th *t, struct pcapf *p) { trawl_test_file_upto(t, p->path, UINT64_MAX); }

static bool x509_loaded(void)
{
    char p[1100];
    snprintf(p, sizeof p, "%.1024s/x509.so", th_plugin_dir());
    FILE *f = fopen(p, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* ---- byte builders ---------------------------------------------------------------------------- */

struct bb { uint8_t b[20000]; size_t n; };
static void p8(struct bb *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void p16(struct bb *m, unsigned v) { p8(m, v >> 8); p8(m, v); }
static void p24(struct bb *m, unsigned v) { p8(m, v >> 16); p16(m, v & 0xffff); }
static void pmem(struct bb *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }
static size_t mark(struct bb *m, int w) { size_t at = m->n; for (int i = 0; i < w; i++) p8(m, 0); return at; }
static void fill(struct bb *m, size_t at, int w)
{
    size_t v = m->n - at - (size_t)w;
    for (int i = w - 1; i >= 0; i--, v >>= 8) m->b[at + (size_t)i] = (uint8_t)v;
}

/* Extensions into e. */
static void x_raw(struct bb *e, unsigned type, const void *p, size_t n) { p16(e, type); p16(e, (unsigned)n); if (n) pmem(e, p, n); }
static void x_sni(struct bb *e, const char *name)
{
    p16(e, 0); size_t l = mark(e, 2); size_t ll = mark(e, 2);
    p8(e, 0); p16(e, (unsigned)strlen(name)); pmem(e, name, strlen(name));
    fill(e, ll, 2); fill(e, l, 2);
}
static void x_alpn(struct bb *e, const char *const *v)
{
    p16(e, 16); size_t l = mark(e, 2); size_t ll = mark(e, 2);
    for (; *v; v++) { p8(e, (unsigned)strlen(*v)); pmem(e, *v, strlen(*v)); }
    fill(e, ll, 2); fill(e, l, 2);
}
/* A list of 16-bit values with a w-byte length (supported_groups 2, supported_versions 1...). */
static void x_list(struct bb *e, unsigned type, int w, const uint16_t *v, size_t n)
{
    p16(e, type); size_t l = mark(e, 2); size_t ll = mark(e, w);
    for (size_t i = 0; i < n; i++) p16(e, v[i]);
    fill(e, ll, w); fill(e, l, 2);
}

/* A ClientHello message (no record); exts NULL: no extension block at all. */
static void m_client_hello(struct bb *m, unsigned ver, const uint16_t *cs, size_t ncs, const struct bb *exts)
{
    p8(m, 1); size_t l = mark(m, 3);
    p16(m, ver);
    for (int i = 0; i < 32; i++) p8(m, 0x11);
    p8(m, 0);
    size_t c = mark(m, 2);
    for (size_t i = 0; i < ncs; i++) p16(m, cs[i]);
    fill(m, c, 2);
    p8(m, 1); p8(m, 0);
    if (exts) { p16(m, (unsigned)exts->n); pmem(m, exts->b, exts->n); }
    fill(m, l, 3);
}

static const uint8_t hrr_rand[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

static void m_server_hello(struct bb *m, unsigned ver, unsigned cs, const struct bb *exts, bool hrr)
{
    p8(m, 2); size_t l = mark(m, 3);
    p16(m, ver);
    if (hrr) pmem(m, hrr_rand, 32);
    else for (int i = 0; i < 32; i++) p8(m, 0x22);
    p8(m, 0);
    p16(m, cs);
    p8(m, 0);
    if (exts) { p16(m, (unsigned)exts->n); pmem(m, exts->b, exts->n); }
    fill(m, l, 3);
}

static void record(struct bb *out, unsigned ct, unsigned ver, const uint8_t *p, size_t n)
{
    p8(out, ct); p16(out, ver); p16(out, (unsigned)n); pmem(out, p, n);
}

/* ---- a synthetic TCP conversation ----------------------------------------------------------- */

struct conv { struct th *t; struct pg_ep c, s; uint32_t cseq, sseq; };
static uint8_t frame_buf[70000];

static void seg(struct conv *v, int dir, uint8_t flags, const void *p, size_t n)
{
    const struct pg_ep *src = dir ? &v->s : &v->c, *dst = dir ? &v->c : &v->s;
    uint32_t *seq = dir ? &v->sseq : &v->cseq;
    uint32_t ack = dir ? v->cseq : v->sseq;
    size_t len = pg_ipv4(frame_buf, 6, src, dst, *seq, ack, flags, 65535, p, n);
    CU_ASSERT_EQUAL(th_bytes(v->t, 1, frame_buf, (uint32_t)len, (uint32_t)len), 0);
    *seq += (uint32_t)n + ((flags & (PG_SYN | PG_FIN)) ? 1 : 0);
}
static void data(struct conv *v, int dir, const void *p, size_t n) { seg(v, dir, PG_ACK | PG_PSH, p, n); }

static struct conv conv_on(struct th *t, uint16_t sport)
{
    struct conv v = { t, pg_v4(10, 0, 0, 1, 40000), pg_v4(10, 0, 0, 2, sport), 1000, 5000 };
    trawl_test_set_time(v.t, T0);
    seg(&v, 0, PG_SYN, NULL, 0);
    seg(&v, 1, PG_SYN | PG_ACK, NULL, 0);
    seg(&v, 0, PG_ACK, NULL, 0);
    return v;
}
static struct conv conv_new(uint16_t sport) { return conv_on(start(), sport); }

static const uint16_t chrome_cs[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                      0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };

/* A ClientHello record as a common TLS 1.2 client sends it. */
static void simple_ch(struct bb *rec, const char *sni)
{
    struct bb e = { .n = 0 }, m = { .n = 0 };
    if (sni) x_sni(&e, sni);
    static const uint16_t groups[] = { 29, 23 };
    x_list(&e, 10, 2, groups, 2);
    static const uint8_t ecpf[] = { 1, 0 };
    x_raw(&e, 11, ecpf, 2);
    static const char *const alpn[] = { "h2", "http/1.1", NULL };
    x_alpn(&e, alpn);
    m_client_hello(&m, 0x0303, chrome_cs + 3, 4, &e);
    rec->n = 0;
    record(rec, 22, 0x0301, m.b, m.n);
}

/* ---- captures ------------------------------------------------------------------------------ */

static void test_curl(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("tls-curl-443.pcap");
    CU_ASSERT(pc_feed(t, &p, 4));
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:tcp:tls");
    FIELD_IS(t, "tls.record.version", "0x0301");
    FIELD_IS(t, "tls.handshake.type", "1");
    FIELD_IS(t, "tls.handshake.version", "0x0303");
    FIELD_IS(t, "tls.handshake.extensions_server_name", "www.ntop.org");
    FIELD_IS(t, "tls.handshake.extensions_alpn_str", "h2,http/1.1");
    FIELD_IS(t, "tls.handshake.ja3", "2a26b1a62e40d25d4de3babc9d532f30");
    CU_ASSERT_EQUAL(th_count(t, "tls.handshake.ciphersuite"), 67);
    CU_ASSERT(strncmp(th_field(t, "tls.handshake.ciphersuite"), "0xcc14,0xcc13,0xcc15,0xc030,", 28) == 0);
    FIELD_IS(t, "tls.handshake.ja4", "t12d6707h2_2955a3196ffa_c83f907a73d3");       /* nDPI */
    FIELD_IS(t, "tls.handshake.random_time", "Jan 29, 2003 21:04:45.000000000 UTC");
    FIELD_IS(t, "tls.handshake.random_bytes", "cc20f6d0e5f7167ab7ee91a800c8ef70c2d624c7c7943a24026d9fbc");
    CU_ASSERT(pc_feed(t, &p, 6));
    FIELD_IS(t, "tls.handshake.type", "2");
    FIELD_IS(t, "tls.handshake.ciphersuite", "0xc02f");
    FIELD_IS(t, "tls.handshake.extensions_alpn_str", "h2");
    FIELD_IS(t, "tls.handshake.ja3s", "ae53107a2e47ea20c72ac44821a728bf");
    FIELD_IS(t, "tls.handshake.ja3s_full", "771,49199,65281-0-11-16");
    CU_ASSERT(pc_feed(t, &p, 7));                      /* the Certificate, over several segments */
    FIELD_IS(t, "tls.handshake.type", "11");
    FIELD_IS(t, "tls.handshake.certificate_length", "1365,1174");
    if (x509_loaded()) FIELD_IS(t, "x509ce.dNSName", "www.ntop.org");     /* tshark; x509 called */
    CU_ASSERT(pc_feed(t, &p, 8));
    FIELD_IS(t, "tls.record.version", "0x0303,0x0303");
    FIELD_IS(t, "tls.handshake.type", "12,14");
    FIELD_IS(t, "tls.handshake.sig_hash_alg", "0x0401");    /* ServerKeyExchange's, tshark */
    FIELD_IS(t, "tls.handshake.sig_hash_hash", "4");
    FIELD_IS(t, "tls.handshake.sig_hash_sig", "1");
    FIELD_IS(t, "tls.handshake.server_named_curve", "0x0017");
    CU_ASSERT(pc_feed(t, &p, 11));
    FIELD_IS(t, "tls.record.version", "0x0303,0x0303,0x0303");
    FIELD_IS(t, "tls.handshake.type", "16");        /* then CCS and the encrypted Finished */
    CU_ASSERT(pc_feed(t, &p, 103));
    FIELD_IS(t, "tls.record.content_type", "21");
    FIELD_IS(t, "tls.alert_message.desc", "");     /* encrypted alert */
    CU_ASSERT_EQUAL(th_errors(t), 0);
    pc_rest(t, &p);
    th_finish(t);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "ssl"), 1);
    REC_IS(t, 0, "version", "TLSv12");
    REC_IS(t, 0, "cipher", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    REC_IS(t, 0, "curve", "secp256r1");
    REC_IS(t, 0, "server_name", "www.ntop.org");
    REC_IS(t, 0, "next_protocol", "h2");
    REC_IS(t, 0, "resumed", "0");
    REC_IS(t, 0, "established", "1");
    REC_IS(t, 0, "subject", "CN=www.ntop.org");
    REC_IS(t, 0, "issuer", "CN=Let's Encrypt Authority X3,O=Let's Encrypt,C=US");
    REC_IS(t, 0, "ja3", "2a26b1a62e40d25d4de3babc9d532f30");
    REC_IS(t, 0, "ja3s", "ae53107a2e47ea20c72ac44821a728bf");
    REC_IS(t, 0, "ja4", "t12d6707h2_2955a3196ffa_c83f907a73d3");
    REC_IS(t, 0, "ja4s", "t1204h2_c02f_7cc3d1d7f9b5");
    REC_IS(t, 0, "transport", "tcp");
    REC_IS(t, 0, "id.resp_p", "443");
    /* sha256sum of the two certificates tshark exports (-e tls.handshake.certificate) */
    REC_IS(t, 0, "cert_chain_fps", "7e5dd1152bf8776235ef3d3f3dbffac72541c31a439d43c65b7013f260f914ec,"
           "25847d668eb4f04fdd40b12b6b0740c567da7d024308eb6c2c96fe41d9de218d");
    REC_IS(t, 0, "first_frame", "1");
    REC_IS(t, 0, "last_frame", "109");              /* the flow's last frame, whatever the threads */
    th_free(t);
}

static void test_cert_split_and_long(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("tls12-cert-split-tcp-segments.pcap");
    CU_ASSERT(pc_feed(t, &p, 3));
    FIELD_IS(t, "tls.handshake.type", "");
    CU_ASSERT(pc_feed(t, &p, 4));
    FIELD_IS(t, "tls.handshake.type", "2,11,12,14");
    FIELD_IS(t, "tls.handshake.certificates_length", "3211");
    FIELD_IS(t, "tls.handshake.certificate_length", "1646,1559");
    FIELD_IS(t, "tls.handshake.ja3s", "70b9168e9fd446fb5ac938f381785e62");
    FIELD_IS(t, "tls.handshake.server_named_curve", "0x0017");
    th_free(t);

    t = start();
    p = pc_open("tls-long-certificate.pcap");
    CU_ASSERT(pc_feed(t, &p, 12));
    FIELD_IS(t, "tls.handshake.type", "11,12,14");
    FIELD_IS(t, "tls.handshake.certificate_length", "5438,1133");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    th_free(t);
}

static void test_ja3_many_ciphers(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("tls12-ja3-many-ciphers-vlan.pcap");
    CU_ASSERT(pc_feed(t, &p, 4));
    FIELD_IS(t, "tls.handshake.ja3", "b2498734f22ddc9be05c39837ac8ac54");
    CU_ASSERT(pc_feed(t, &p, 6));
    FIELD_IS(t, "tls.handshake.ja3s", "9d456958a9e86bb0d503543beaf1a65b");
    th_free(t);
}

static void test_tls13_google_chat(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("tls13-handshake-google-chat.pcapng");
    CU_ASSERT(pc_feed(t, &p, 4));
    FIELD_IS(t, "tls.handshake.extensions_server_name", "chat.google.com");
    FIELD_IS(t, "tls.handshake.ja3", "b5001237acdf006056b409cc433726b0");
    FIELD_IS(t, "tls.handshake.ja4", "t13d1715h2_5b57614c22b0_5c2c66f702b0");      /* nDPI */
    FIELD_IS(t, "tls.handshake.sig_hash_alg_len", "8,22");  /* delegated_credentials, then signature_algorithms */
    FIELD_IS(t, "tls.record_size_limit", "16385");          /* tshark 4.0 */
    CU_ASSERT(pc_feed(t, &p, 6));
    FIELD_IS(t, "tls.handshake.extensions.supported_version", "0x0304");
    FIELD_IS(t, "tls.handshake.ja3s", "eb1d94daa7e0344597e756a1fb6e7054");
    FIELD_IS(t, "tls.handshake.extensions_key_share_group", "29");
    FIELD_IS(t, "tls.handshake.random_time", "");          /* tshark: not split when TLS 1.3 */
    /* after the ServerHello everything but CCS is encrypted: app data records only */
    FIELD_IS(t, "tls.record.content_type", "22,20");               /* tshark: the rest is cut */
    FIELD_IS(t, "tls.handshake.type", "2");
    pc_rest(t, &p);
    th_finish(t);
    REC_IS(t, 0, "version", "TLSv13");
    REC_IS(t, 0, "cipher", "TLS_AES_128_GCM_SHA256");
    REC_IS(t, 0, "curve", "x25519");
    th_free(t);
}

static void test_ech_and_reassemblies(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("tls13-ech-ipv6.pcapng");
    CU_ASSERT(pc_feed(t, &p, 4));
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ipv6:tcp:tls");
    CU_ASSERT(strstr(th_field(t, "tls.handshake.extension.type"), ",65037,") != NULL);
    FIELD_IS(t, "tls.ech.client_hello_type", "0");
    FIELD_IS(t, "tls.handshake.extensions_alps_alpn_str", "h2");     /* tshark 4.0 */
    FIELD_IS(t, "tls.compress_certificate.algorithm", "2");
    FIELD_IS(t, "tls.handshake.ja4", "t13d1516h2_8daaf6152771_02713d6af862");      /* nDPI */
    CU_ASSERT(pc_feed(t, &p, 6));
    FIELD_IS(t, "tls.record.content_type", "22,20");        /* tshark: the 1.3 record after them */
    FIELD_IS(t, "tls.record.opaque_type", "23");            /* is "opaque" */
    CU_ASSERT(pc_feed(t, &p, 9));
    FIELD_IS(t, "tls.record.content_type", "");
    FIELD_IS(t, "tls.record.opaque_type", "23,23");
    FIELD_IS(t, "tls.record.version", "0x0303,0x0303");
    th_free(t);

    /* A ClientHello in two TLS records (two reassemblies in tshark's words). */
    t = start();
    p = pc_open("tls-clienthello-two-reassemblies.pcapng");
    CU_ASSERT(pc_feed(t, &p, 2));
    FIELD_IS(t, "tls.handshake.type", "1");
    FIELD_IS(t, "tls.handshake.extensions_server_name", "i.instagram.com");
    FIELD_IS(t, "tls.handshake.ja3", "44dab16d680ef93487bc16ad23b3ffb1");
    /* supported_versions tops at a draft (0xfb1a, Facebook's): JA4's version is "00" (nDPI too) */
    FIELD_IS(t, "tls.handshake.ja4", "t00d0309h2_55b375c5d22e_566d5108064c");
    th_free(t);
}

/* nDPI (at the commit of the shared outputs) departs from the JA4 specification three ways;
 * trawl follows the specification:
 *  1. ALPN: nDPI takes the first two characters of the first ALPN value, the specification the
 *     first and last ("http/1.1" -> "h1", nDPI "ht");
 *  2. SNI flag: nDPI writes 'd' whenever it knows a host name for the flow (here learnt from
 *     DNS), the specification only when the ClientHello has a server_name extension;
 *  3. no extensions left to hash: nDPI hashes the empty string (e3b0c44298fc...), the
 *     specification writes 000000000000. */
static void test_ja4_ndpi_departures(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("tls13-client-only-unidirectional.pcapng");
    CU_ASSERT(pc_feed(t, &p, 3));
    FIELD_IS(t, "tls.handshake.extensions_alpn_str", "http/1.1");
    FIELD_IS(t, "tls.handshake.ja4", "t13d1713h1_5b57614c22b0_352634941f3a");      /* nDPI: ...ht_... */
    th_free(t);

    t = start();
    p = pc_open("sll-kakaotalk-dns-tls-http.pcap");
    CU_ASSERT(pc_feed(t, &p, 44));
    FIELD_IS(t, "tls.handshake.ja3_full", "769,4-5-47-53-49154-49156-49157-49164-49166-49167-49159-49161-49162-"
             "49169-49171-49172-51-57-50-56-10-49155-49165-49160-49170-22-19-9-21-18-3-8-20-17-255,11-10,"
             "14-13-25-11-12-24-9-10-22-23-8-6-7-20-21-4-5-18-19-1-2-3-15-16-17,0-1-2");
    FIELD_IS(t, "tls.handshake.extensions_server_name", "");
    FIELD_IS(t, "tls.handshake.ja4", "t10i350200_1f24bcc5f17d_33a13ba74d1c");      /* nDPI: t10d... */
    CU_ASSERT(pc_feed(t, &p, 345));
    /* A ClientHello without extensions: JA3's three empty lists (tshark), JA4's zeros. */
    FIELD_IS(t, "tls.handshake.ja3_full", "769,4-5-47-51-50-10-22-19-9-21-18-3-8-20-17,,,");
    FIELD_IS(t, "tls.handshake.ja4", "t10i150000_e2ff6cb279ee_000000000000");      /* nDPI: t10d..._e3b0c44298fc */
    th_free(t);

    /* QUIC (through the quic plugin and tls-handshake, when quic is built): nDPI writes "h0"
     * for the ALPN value "h3"; the rest agrees. */
    char so[1100];
    snprintf(so, sizeof so, "%.1024s/quic.so", th_plugin_dir());
    FILE *f = fopen(so, "rb");
    if (!f) return;
    fclose(f);
    t = start();
    p = pc_open("quic-v1-google-meet.pcapng");
    pc_rest(t, &p);
    th_finish(t);
    bool found = false;
    for (unsigned i = 0; i < trawl_test_record_count(t, "ssl"); i++) {
        if (strcmp(trawl_test_record_value(t, "ssl", i, "transport"), "quic")) continue;
        REC_IS(t, i, "ja4", "q13d0311h3_55b375c5d22e_5a1f323ef56d");                 /* nDPI: ...h0_... */
        REC_IS(t, i, "server_name", "meet.google.com");
        found = true;
    }
    CU_ASSERT(found);
    th_free(t);
}

static void test_rawip_codm_and_corrupt(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("rawip-tcp-udp-tls-codm.pcap");
    CU_ASSERT(pc_feed(t, &p, 5));
    CU_ASSERT_STRING_EQUAL(th_layers(t), "raw:ip:tcp:tls");
    FIELD_IS(t, "tls.handshake.ja3", "9b02ebd3a43b62d825e1ac605b621dc8");
    CU_ASSERT(pc_feed(t, &p, 7));
    FIELD_IS(t, "tls.handshake.ja3s", "00447ab319e9d94ba2b4c1248e155917");
    th_free(t);

    /* suricata-verify bug-1450-04 (tls_DER-incomplete-header): the Certificate message is
     * consistent (12 = 3 + 9), the 9-byte certificate's DER is not. Suricata raises
     * tls.invalid_handshake_message and tls.certificate_invalid_length; tshark marks the frame
     * malformed from inside the certificate. The tls layer shows the certificate bytes; the
     * DER's error belongs to x509's layer when that plugin is loaded. Then the file is damaged
     * (a 4 MB caplen): frames before it are decoded. */
    t = start();
    p = pc_open("corrupt-huge-caplen-tls.pcap");
    CU_ASSERT(pc_feed(t, &p, 6));
    FIELD_IS(t, "tls.handshake.type", "2,11");
    FIELD_IS(t, "tls.handshake.certificates_length", "12");
    FIELD_IS(t, "tls.handshake.certificate_length", "9");
    FIELD_IS(t, "tls.handshake.certificate", "300530" "84fffffffa04");
    FIELD_IS(t, "tls.handshake.ja3s", "8529fd8de0d7f73186ef5ea8b4531a76");
    CU_ASSERT_EQUAL(th_layer_errors(t, "tls"), 0);
    if (x509_loaded()) CU_ASSERT(th_layer_errors(t, "x509") & TRAWL_BUF_MALFORMED);
    th_free(t);
}

/* ---- JA4: the specification's example ----------------------------------------------------- */

static void test_ja4_spec_vector(void)
{
    struct bb e = { .n = 0 }, m = { .n = 0 }, r = { .n = 0 };
    static const uint16_t grease = 0x0a0a;
    x_raw(&e, 0x1a1a, NULL, 0);                              /* GREASE: ignored everywhere */
    x_sni(&e, "example.com");
    x_raw(&e, 0x0017, NULL, 0);
    x_raw(&e, 0xff01, "\0", 1);
    static const uint16_t groups[] = { 0x2a2a, 29, 23, 24 };
    x_list(&e, 10, 2, groups, 4);
    x_raw(&e, 11, "\x01\x00", 2);
    x_raw(&e, 0x0023, NULL, 0);
    static const char *const alpn[] = { "h2", "http/1.1", NULL };
    x_alpn(&e, alpn);
    x_raw(&e, 0x0005, "\x01\0\0\0\0", 5);
    static const uint16_t sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
    x_list(&e, 13, 2, sigs, 8);
    x_raw(&e, 0x0012, NULL, 0);
    static const uint16_t ks[] = { 0x001d, 0 };
    x_list(&e, 0x0033, 2, ks, 2);
    x_raw(&e, 0x002d, "\x01\x01", 2);
    static const uint16_t sv[] = { 0x3a3a, 0x0304, 0x0303 };
    x_list(&e, 0x002b, 1, sv, 3);
    x_raw(&e, 0x001b, "\x02\x00\x02", 3);
    x_raw(&e, 0x4469, "\x00\x03\x02h2", 6);
    x_raw(&e, 0x0015, "\0\0\0\0", 4);
    uint16_t cs[16];
    cs[0] = grease;
    memcpy(cs + 1, chrome_cs, sizeof chrome_cs);
    m_client_hello(&m, 0x0303, cs, 16, &e);
    record(&r, 22, 0x0301, m.b, m.n);
    struct conv v = conv_new(443);
    data(&v, 0, r.b, r.n);
    FIELD_IS(v.t, "tls.handshake.ja4", "t13d1516h2_8daaf6152771_e5627efa2ab1");
    FIELD_IS(v.t, "tls.handshake.ja4_r", "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,"
             "c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
             "0403,0804,0401,0503,0805,0501,0806,0601");
    /* JA3 leaves GREASE out of ciphers, extensions and groups (tshark 4.0). */
    FIELD_IS(v.t, "tls.handshake.ja3_full", "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-"
             "156-157-47-53,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513-21,29-23-24,0");
    FIELD_IS(v.t, "tls.handshake.extensions.supported_version", "0x3a3a,0x0304,0x0303");
    /* The server: JA4S with the extensions in their order. */
    struct bb se = { .n = 0 }, sm = { .n = 0 }, sr = { .n = 0 };
    x_raw(&se, 0x002b, "\x03\x04", 2);
    x_raw(&se, 0x0033, "\x00\x1d\x00\x02\xaa\xbb", 6);
    m_server_hello(&sm, 0x0303, 0x1301, &se, false);
    record(&sr, 22, 0x0303, sm.b, sm.n);
    data(&v, 1, sr.b, sr.n);
    FIELD_IS(v.t, "tls.handshake.ja3s_full", "771,4865,43-51");
    FIELD_IS(v.t, "tls.handshake.ja3s", "f4febc55ea12b31ae17cfb7e614afda8");      /* tshark's for the same */
    /* sha256("002b,0033")[:12] (tshark 4.0 prints the JA3S above for QUIC ServerHellos with 43-51) */
    FIELD_IS(v.t, "tls.handshake.ja4s", "t130200_1301_a56c5b993250");
    th_free(v.t);
}

/* ---- synthetic ------------------------------------------------------------------------------ */

static void test_split_segments_and_records(void)
{
    struct bb r;
    simple_ch(&r, "split.example");
    /* One record in three segments: nothing until the third. */
    struct conv v = conv_new(443);
    size_t a = r.n / 3, b = 2 * r.n / 3;
    data(&v, 0, r.b, a);
    FIELD_IS(v.t, "tls.record.version", "");
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp");
    data(&v, 0, r.b + a, b - a);
    FIELD_IS(v.t, "tls.handshake.type", "");
    data(&v, 0, r.b + b, r.n - b);
    FIELD_IS(v.t, "tls.record.version", "0x0301");
    FIELD_IS(v.t, "tls.handshake.type", "1");
    FIELD_IS(v.t, "tls.handshake.extensions_server_name", "split.example");
    FIELD_IS(v.t, "tls.handshake.ciphersuite", "0xc02b,0xc02f,0xc02c,0xc030");
    FIELD_IS(v.t, "tls.handshake.extensions_supported_group", "0x001d,0x0017");
    FIELD_IS(v.t, "tls.handshake.extensions_ec_point_format", "0");
    FIELD_IS(v.t, "tls.handshake.ja3_full", "771,49195-49199-49196-49200,0-10-11-16,29-23,0");
    th_free(v.t);

    /* One handshake message in two records (each in its own segment): the record fields on
     * both frames, the message's on the second. */
    v = conv_new(443);
    struct bb m = { .n = 0 }, r1 = { .n = 0 }, r2 = { .n = 0 };
    struct bb e = { .n = 0 };
    x_sni(&e, "two.records");
    m_client_hello(&m, 0x0303, chrome_cs, 15, &e);
    record(&r1, 22, 0x0301, m.b, 20);
    record(&r2, 22, 0x0301, m.b + 20, m.n - 20);
    data(&v, 0, r1.b, r1.n);
    FIELD_IS(v.t, "tls.record.length", "20");
    FIELD_IS(v.t, "tls.handshake.type", "");
    data(&v, 0, r2.b, r2.n);
    FIELD_IS(v.t, "tls.handshake.type", "1");
    FIELD_IS(v.t, "tls.handshake.extensions_server_name", "two.records");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);
}

static void test_several_messages(void)
{
    struct bb e = { .n = 0 }, m = { .n = 0 }, r = { .n = 0 };
    static const char *const alpn[] = { "h2", NULL };
    x_alpn(&e, alpn);
    x_raw(&e, 0xff01, "\0", 1);
    m_server_hello(&m, 0x0303, 0xc02f, &e, false);
    /* Certificate with one 5-byte "certificate", ServerKeyExchange (x25519), ServerHelloDone */
    p8(&m, 11); p24(&m, 3 + 3 + 5); p24(&m, 3 + 5); p24(&m, 5); pmem(&m, "\x30\x03\x02\x01\x01", 5);
    p8(&m, 12); size_t l = mark(&m, 3);
    p8(&m, 3); p16(&m, 29); p8(&m, 4); pmem(&m, "\x01\x02\x03\x04", 4);
    p16(&m, 0x0804); p16(&m, 2); p16(&m, 0xabcd);
    fill(&m, l, 3);
    p8(&m, 14); p24(&m, 0);
    record(&r, 22, 0x0303, m.b, m.n);
    struct conv v = conv_new(443);
    struct bb ch;
    simple_ch(&ch, "several.example");
    data(&v, 0, ch.b, ch.n);
    data(&v, 1, r.b, r.n);
    FIELD_IS(v.t, "tls.handshake.type", "2,11,12,14");
    FIELD_IS(v.t, "tls.handshake.certificate_length", "5");
    FIELD_IS(v.t, "tls.handshake.certificate", "3003020101");
    FIELD_IS(v.t, "tls.handshake.server_curve_type", "0x03");
    FIELD_IS(v.t, "tls.handshake.server_named_curve", "0x001d");
    FIELD_IS(v.t, "tls.handshake.server_point_len", "4");
    FIELD_IS(v.t, "tls.handshake.sig_hash_alg", "0x0804");
    FIELD_IS(v.t, "tls.handshake.sig_len", "2");
    FIELD_IS(v.t, "tls.handshake.ja3s_full", "771,49199,16-65281");
    FIELD_IS(v.t, "tls.handshake.ja4s", "t1202h2_c02f_0bbf9f33e2b0");
    CU_ASSERT_EQUAL(th_layer_errors(v.t, "tls"), 0);       /* (x509, when loaded, rejects the toy DER) */
    /* client: CKE, CCS, encrypted Finished; server: CCS, Finished; then data */
    struct bb c = { .n = 0 }, cke = { .n = 0 };
    p8(&cke, 16); p24(&cke, 5); p8(&cke, 4); pmem(&cke, "\x09\x09\x09\x09", 4);
    p8(&cke, 15); p24(&cke, 7); p16(&cke, 0x0401); p16(&cke, 3); pmem(&cke, "sig", 3);   /* CertificateVerify */
    record(&c, 22, 0x0303, cke.b, cke.n);
    record(&c, 20, 0x0303, (const uint8_t *)"\x01", 1);
    record(&c, 22, 0x0303, (const uint8_t *)"0123456789abcdef0123456789abcdef", 32);
    data(&v, 0, c.b, c.n);
    FIELD_IS(v.t, "tls.record.content_type", "22,20,22");
    FIELD_IS(v.t, "tls.handshake.type", "16,15");        /* the Finished is encrypted */
    FIELD_IS(v.t, "tls.handshake.sig_hash_alg", "0x0401");
    FIELD_IS(v.t, "tls.handshake.client_cert_vrfy.sig_len", "3");
    FIELD_IS(v.t, "tls.handshake.client_point_len", "4");
    struct bb s2 = { .n = 0 };
    record(&s2, 20, 0x0303, (const uint8_t *)"\x01", 1);
    record(&s2, 22, 0x0303, (const uint8_t *)"0123456789abcdef0123456789abcdef", 32);
    data(&v, 1, s2.b, s2.n);
    FIELD_IS(v.t, "tls.handshake.type", "");
    struct bb alert = { .n = 0 };
    record(&alert, 21, 0x0303, (const uint8_t *)"\x01\x00", 2);  /* encrypted after CCS: not read */
    data(&v, 1, alert.b, alert.n);
    FIELD_IS(v.t, "tls.alert_message.desc", "");
    th_finish(v.t);
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "ssl"), 1);
    REC_IS(v.t, 0, "version", "TLSv12");
    REC_IS(v.t, 0, "cipher", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    REC_IS(v.t, 0, "curve", "x25519");
    REC_IS(v.t, 0, "server_name", "several.example");
    REC_IS(v.t, 0, "next_protocol", "h2");
    REC_IS(v.t, 0, "established", "1");
    REC_IS(v.t, 0, "last_alert", "");
    /* sha256 of the 5 certificate bytes */
    REC_IS(v.t, 0, "cert_chain_fps", "1b65f68a522c858715f5dd951cd0402dc16691778814bf0759822b7a257421d0");
    th_free(v.t);
}

static void test_alert_and_lying_lengths(void)
{
    /* An alert in the clear. */
    struct conv v = conv_new(443);
    struct bb ch, al = { .n = 0 };
    simple_ch(&ch, "alert.example");
    data(&v, 0, ch.b, ch.n);
    record(&al, 21, 0x0303, (const uint8_t *)"\x02\x28", 2);
    data(&v, 1, al.b, al.n);
    FIELD_IS(v.t, "tls.alert_message.level", "2");
    FIELD_IS(v.t, "tls.alert_message.desc", "40");
    th_finish(v.t);
    REC_IS(v.t, 0, "last_alert", "handshake_failure");
    REC_IS(v.t, 0, "established", "0");
    REC_IS(v.t, 0, "version", "");
    th_free(v.t);

    /* An extension whose length runs past the extensions: its type and length shown,
     * malformed, no fingerprint; zero-length extensions are fine. */
    v = conv_new(443);
    struct bb e = { .n = 0 }, m = { .n = 0 }, r = { .n = 0 };
    x_raw(&e, 23, NULL, 0);
    x_raw(&e, 22, NULL, 0);
    p16(&e, 0); p16(&e, 200); pmem(&e, "\0\0\0", 3);
    m_client_hello(&m, 0x0303, chrome_cs, 2, &e);
    record(&r, 22, 0x0301, m.b, m.n);
    data(&v, 0, r.b, r.n);
    FIELD_IS(v.t, "tls.handshake.extension.type", "23,22,0");
    FIELD_IS(v.t, "tls.handshake.extension.len", "0,0,200");
    FIELD_IS(v.t, "tls.handshake.ja3", "");
    CU_ASSERT(th_layer_errors(v.t, "tls") & TRAWL_BUF_MALFORMED);
    /* the next record is read again */
    struct bb r2;
    simple_ch(&r2, "after.malformed");
    data(&v, 0, r2.b, r2.n);
    FIELD_IS(v.t, "tls.handshake.extensions_server_name", "after.malformed");
    CU_ASSERT_EQUAL(th_layer_errors(v.t, "tls"), 0);
    th_free(v.t);

    /* A cipher suite list longer than the message */
    v = conv_new(443);
    m.n = 0; r.n = 0;
    p8(&m, 1); p24(&m, 39); p16(&m, 0x0303); for (int i = 0; i < 32; i++) p8(&m, 0); p8(&m, 0); p16(&m, 500); p16(&m, 0x002f);
    record(&r, 22, 0x0301, m.b, m.n);
    data(&v, 0, r.b, r.n);
    FIELD_IS(v.t, "tls.handshake.cipher_suites_length", "500");
    CU_ASSERT(th_layer_errors(v.t, "tls") & TRAWL_BUF_MALFORMED);
    th_free(v.t);
}

static void test_hrr_and_grease(void)
{
    struct conv v = conv_new(443);
    struct bb e = { .n = 0 }, m = { .n = 0 }, r = { .n = 0 };
    static const uint16_t sv[] = { 0xdada, 0x0304 };
    x_list(&e, 43, 1, sv, 2);
    x_raw(&e, 0x3a3a, NULL, 0);
    static const uint16_t groups[] = { 0x4a4a, 23 };
    x_list(&e, 10, 2, groups, 2);
    uint16_t cs[] = { 0x5a5a, 0x1301 };
    m_client_hello(&m, 0x0303, cs, 2, &e);
    record(&r, 22, 0x0301, m.b, m.n);
    data(&v, 0, r.b, r.n);
    FIELD_IS(v.t, "tls.handshake.ciphersuite", "0x5a5a,0x1301");
    FIELD_IS(v.t, "tls.handshake.ja3_full", "771,4865,43-10,23,");
    FIELD_IS(v.t, "tls.handshake.ja4", "t13i010200_0f2cb44170f4_b0ac53b37fa7");
    /* HelloRetryRequest: a ServerHello with the special random, asking for secp256r1 */
    struct bb se = { .n = 0 }, sm = { .n = 0 }, sr = { .n = 0 };
    x_raw(&se, 43, "\x03\x04", 2);
    x_raw(&se, 51, "\x00\x17", 2);
    m_server_hello(&sm, 0x0303, 0x1301, &se, true);
    record(&sr, 22, 0x0303, sm.b, sm.n);
    data(&v, 1, sr.b, sr.n);
    FIELD_IS(v.t, "tls.handshake.type", "2");
    FIELD_IS(v.t, "tls.handshake.extensions_key_share_selected_group", "23");
    /* the second ClientHello is in the clear too */
    data(&v, 0, r.b, r.n);
    FIELD_IS(v.t, "tls.handshake.type", "1");
    struct bb se2 = { .n = 0 }, sm2 = { .n = 0 }, sr2 = { .n = 0 };
    x_raw(&se2, 43, "\x03\x04", 2);
    x_raw(&se2, 51, "\x00\x17\x00\x01\x04", 5);
    m_server_hello(&sm2, 0x0303, 0x1301, &se2, false);
    record(&sr2, 22, 0x0303, sm2.b, sm2.n);
    data(&v, 1, sr2.b, sr2.n);
    FIELD_IS(v.t, "tls.handshake.extensions_key_share_group", "23");
    /* now encrypted: a handshake record is not read */
    struct bb enc = { .n = 0 };
    record(&enc, 22, 0x0303, (const uint8_t *)"\x08\x00\x00\x02\x00\x00", 6);
    data(&v, 1, enc.b, enc.n);
    FIELD_IS(v.t, "tls.handshake.type", "");
    th_finish(v.t);
    REC_IS(v.t, 0, "version", "TLSv13");
    REC_IS(v.t, 0, "curve", "secp256r1");
    th_free(v.t);
}

static void test_no_extensions_and_sslv2(void)
{
    struct conv v = conv_new(443);
    struct bb m = { .n = 0 }, r = { .n = 0 };
    static const uint16_t cs[] = { 0x002f, 0x0035 };
    m_client_hello(&m, 0x0301, cs, 2, NULL);
    record(&r, 22, 0x0301, m.b, m.n);
    data(&v, 0, r.b, r.n);
    FIELD_IS(v.t, "tls.handshake.extensions_length", "");
    FIELD_IS(v.t, "tls.handshake.ja3_full", "769,47-53,,,");
    FIELD_IS(v.t, "tls.handshake.ja3", "dac4920d4335e769327dbf4e1b759e15");
    /* sha256("002f,0035")[:12]; no extensions: zeros; no ALPN: 00 */
    FIELD_IS(v.t, "tls.handshake.ja4", "t10i020000_f54dd463d39b_000000000000");
    m.n = r.n = 0;
    m_server_hello(&m, 0x0301, 0x002f, NULL, false);
    record(&r, 22, 0x0301, m.b, m.n);
    data(&v, 1, r.b, r.n);
    FIELD_IS(v.t, "tls.handshake.ja3s_full", "769,47,");
    FIELD_IS(v.t, "tls.handshake.ja4s", "t100000_002f_000000000000");
    th_free(v.t);

    /* An SSLv2-compatible ClientHello: recognised, its lists shown. */
    v = conv_new(443);
    struct bb h = { .n = 0 };
    p16(&h, 0x8000 | (9 + 6 + 16)); p8(&h, 1); p16(&h, 0x0301); p16(&h, 6); p16(&h, 0); p16(&h, 16);
    p24(&h, 0x010080); p24(&h, 0x00002f);
    for (int i = 0; i < 16; i++) p8(&h, (unsigned)i);
    data(&v, 0, h.b, h.n);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp:tls");
    FIELD_IS(v.t, "tls.record.length", "31");
    FIELD_IS(v.t, "tls.record.version", "0x0002");          /* as tshark 4.0 shows it */
    CU_ASSERT_STRING_EQUAL(th_protocol(v.t), "SSLv2");
    FIELD_IS(v.t, "tls.handshake.type", "1");
    FIELD_IS(v.t, "tls.handshake.version", "0x0301");
    FIELD_IS(v.t, "tls.handshake.cipherspec", "0x010080,0x00002f");
    FIELD_IS(v.t, "tls.handshake.challenge_length", "16");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_finish(v.t);
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "ssl"), 1);
    th_free(v.t);

    /* An SSLv2-looking header whose cipher spec length runs past its record: not a hello, and
     * nothing is read past the record (ASan runs of this suite). */
    v = conv_new(443);
    struct bb lie = { .n = 0 };
    p16(&lie, 0x8000 | 22); p8(&lie, 1); p16(&lie, 0x0301); p16(&lie, 300); p16(&lie, 0); p16(&lie, 16);
    for (int i = 0; i < 13; i++) p8(&lie, 0x41);
    data(&v, 0, lie.b, lie.n);
    FIELD_IS(v.t, "tls.handshake.cipherspec", "");
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp");
    th_free(v.t);
    /* the same after the server spoke TLS first (the flow is tls's): shown as ignored */
    v = conv_new(443);
    struct bb al = { .n = 0 };
    record(&al, 21, 0x0301, (const uint8_t *)"\x01\x00", 2);
    data(&v, 1, al.b, al.n);
    FIELD_IS(v.t, "tls.alert_message.desc", "0");
    data(&v, 0, lie.b, lie.n);
    FIELD_IS(v.t, "tls.handshake.cipherspec", "");
    CU_ASSERT_EQUAL(th_count(v.t, "tls.ignored_unknown_record"), 1);
    th_free(v.t);
}

static void test_garbage_heuristic_fin(void)
{
    /* Not TLS on 443: not taken (another protocol may be), nothing decoded, bounded. */
    struct conv v = conv_new(443);
    static uint8_t junk[3000];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 7 + 1);
    data(&v, 0, junk, sizeof junk);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp");
    th_free(v.t);

    /* Garbage after a good record: marked ignored, the direction resynchronises. */
    v = conv_new(443);
    struct bb ch;
    simple_ch(&ch, "first.example");
    data(&v, 0, ch.b, ch.n);
    data(&v, 0, "\x99\x98\x97\x96\x95\x94\x93", 7);
    CU_ASSERT_EQUAL(th_count(v.t, "tls.ignored_unknown_record"), 1);
    simple_ch(&ch, "second.example");
    data(&v, 0, ch.b, ch.n);
    FIELD_IS(v.t, "tls.handshake.extensions_server_name", "second.example");
    th_free(v.t);

    /* The heuristic: a ClientHello on a high port. */
    v = conv_new(40443);
    simple_ch(&ch, "high.port");
    data(&v, 0, ch.b, 3);                       /* too short to say: it waits */
    data(&v, 0, ch.b + 3, ch.n - 3);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp:tls");
    FIELD_IS(v.t, "tls.handshake.extensions_server_name", "high.port");
    th_free(v.t);

    v = conv_new(40443);
    data(&v, 0, "\x16\x03\x09\x00\x10", 5);     /* version 0x0309: not TLS */
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp");
    th_free(v.t);

    /* A ClientHello cut by the close: nothing invented, no record (no hello was seen). */
    v = conv_new(443);
    simple_ch(&ch, "cut.example");
    data(&v, 0, ch.b, ch.n - 10);
    seg(&v, 0, PG_FIN | PG_ACK, NULL, 0);
    FIELD_IS(v.t, "tls.handshake.type", "");
    seg(&v, 1, PG_FIN | PG_ACK, NULL, 0);
    th_finish(v.t);
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "ssl"), 0);
    th_free(v.t);
}

/* A hello with a session id (type 1 or 2); the server's carries one cipher suite. */
static void m_hello_sid(struct bb *m, int type, const uint8_t *sid, size_t sl, const struct bb *exts)
{
    p8(m, (unsigned)type); size_t l = mark(m, 3);
    p16(m, 0x0303);
    for (int i = 0; i < 32; i++) p8(m, (unsigned)(0x30 + type));
    p8(m, (unsigned)sl); pmem(m, sid, sl);
    if (type == 1) { p16(m, 2); p16(m, 0xc02f); p8(m, 1); p8(m, 0); }
    else { p16(m, 0xc02f); p8(m, 0); }
    if (exts) { p16(m, (unsigned)exts->n); pmem(m, exts->b, exts->n); }
    fill(m, l, 3);
}

/* Zeek's resumed and established: an echoed session id (abbreviated handshake: the server
 * switches first), and a session ticket offered with no key exchange before the client's CCS. */
static void test_resumption(void)
{
    uint8_t sid[32];
    for (int i = 0; i < 32; i++) sid[i] = (uint8_t)(i + 1);
    struct conv v = conv_new(443);
    struct bb m = { .n = 0 }, r = { .n = 0 };
    m_hello_sid(&m, 1, sid, 32, NULL);
    record(&r, 22, 0x0301, m.b, m.n);
    data(&v, 0, r.b, r.n);
    FIELD_IS(v.t, "tls.handshake.session_id_length", "32");
    m.n = r.n = 0;
    m_hello_sid(&m, 2, sid, 32, NULL);
    record(&r, 22, 0x0303, m.b, m.n);
    record(&r, 20, 0x0303, (const uint8_t *)"\x01", 1);
    record(&r, 22, 0x0303, (const uint8_t *)"0123456789abcdef0123456789abcdef", 32);
    data(&v, 1, r.b, r.n);
    FIELD_IS(v.t, "tls.record.content_type", "22,20,22");
    r.n = 0;
    record(&r, 20, 0x0303, (const uint8_t *)"\x01", 1);
    record(&r, 22, 0x0303, (const uint8_t *)"0123456789abcdef0123456789abcdef", 32);
    data(&v, 0, r.b, r.n);
    th_finish(v.t);
    REC_IS(v.t, 0, "resumed", "1");
    REC_IS(v.t, 0, "established", "1");
    REC_IS(v.t, 0, "cipher", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    th_free(v.t);

    /* A ticket, an empty session id, a new one from the server: resumed when the client
     * switches without a key exchange. */
    v = conv_new(443);
    struct bb e = { .n = 0 };
    x_raw(&e, 35, "TICKETTICKET", 12);
    m.n = r.n = 0;
    m_hello_sid(&m, 1, sid, 0, &e);
    record(&r, 22, 0x0301, m.b, m.n);
    data(&v, 0, r.b, r.n);
    m.n = r.n = 0;
    m_hello_sid(&m, 2, sid + 1, 16, NULL);
    record(&r, 22, 0x0303, m.b, m.n);
    record(&r, 20, 0x0303, (const uint8_t *)"\x01", 1);
    data(&v, 1, r.b, r.n);
    r.n = 0;
    record(&r, 20, 0x0303, (const uint8_t *)"\x01", 1);
    data(&v, 0, r.b, r.n);
    th_finish(v.t);
    REC_IS(v.t, 0, "resumed", "1");
    REC_IS(v.t, 0, "established", "0");            /* no ciphertext record followed */
    th_free(v.t);

    /* A full handshake is not resumed: a different id from the server. */
    v = conv_new(443);
    m.n = r.n = 0;
    m_hello_sid(&m, 1, sid, 32, NULL);
    record(&r, 22, 0x0301, m.b, m.n);
    data(&v, 0, r.b, r.n);
    m.n = r.n = 0;
    m_hello_sid(&m, 2, sid + 1, 31, NULL);
    record(&r, 22, 0x0303, m.b, m.n);
    data(&v, 1, r.b, r.n);
    th_finish(v.t);
    REC_IS(v.t, 0, "resumed", "0");
    th_free(v.t);
}


/* ---- the ssl record's subject and issuer, from the leaf's DER ----------------------------- */

/* A DER element: tag, length (short or long form), contents. */
static void der_el(struct bb *o, unsigned tag, const struct bb *c)
{
    p8(o, tag);
    if (c->n < 128) p8(o, (unsigned)c->n);
    else { p8(o, 0x82); p16(o, (unsigned)c->n); }
    pmem(o, c->b, c->n);
}

/* Name: one RDN, CN=cn. */
static void der_cn(struct bb *o, const char *cn)
{
    static const uint8_t oid_cn[] = { 0x06, 0x03, 0x55, 0x04, 0x03 };
    struct bb atv = { .n = 0 }, str = { .n = 0 }, seq = { .n = 0 }, set = { .n = 0 };
    pmem(&str, cn, strlen(cn));
    pmem(&atv, oid_cn, sizeof oid_cn);
    der_el(&atv, 0x0c, &str);
    der_el(&seq, 0x30, &atv);
    der_el(&set, 0x31, &seq);
    der_el(o, 0x30, &set);
}

/* Certificate { TBSCertificate { [version], serial, signature, issuer, validity, subject } };
 * the rest of a certificate is not needed for the names. */
static void der_cert(struct bb *o, bool v3, const char *issuer, const char *subject)
{
    static const uint8_t version[] = { 0xa0, 0x03, 0x02, 0x01, 0x02 }, serial[] = { 0x02, 0x01, 0x07 },
                         alg[] = { 0x30, 0x03, 0x06, 0x01, 0x2a }, validity[] = { 0x30, 0x00 };
    struct bb tbs = { .n = 0 }, cert = { .n = 0 };
    if (v3) pmem(&tbs, version, sizeof version);
    pmem(&tbs, serial, sizeof serial);
    pmem(&tbs, alg, sizeof alg);
    der_cn(&tbs, issuer);
    pmem(&tbs, validity, sizeof validity);
    der_cn(&tbs, subject);
    der_el(&cert, 0x30, &tbs);
    der_el(o, 0x30, &cert);
}

/* The ssl record of a connection whose server sends the one certificate der. */
static void cert_conv(const struct bb *der, const char *want_subject, const char *want_issuer)
{
    struct conv v = conv_new(443);
    struct bb r = { .n = 0 }, m = { .n = 0 };
    simple_ch(&r, "names.example");
    data(&v, 0, r.b, r.n);
    r.n = 0;
    m_server_hello(&m, 0x0303, 0xc02f, NULL, false);
    record(&r, 22, 0x0303, m.b, m.n);
    m.n = 0;
    p8(&m, 11);
    p24(&m, (unsigned)der->n + 6);
    p24(&m, (unsigned)der->n + 3);
    p24(&m, (unsigned)der->n);
    pmem(&m, der->b, der->n);
    record(&r, 22, 0x0303, m.b, m.n);
    data(&v, 1, r.b, r.n);
    th_finish(v.t);
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "ssl"), 1);
    REC_IS(v.t, 0, "subject", want_subject);
    REC_IS(v.t, 0, "issuer", want_issuer);
    th_free(v.t);
}

static void test_record_names(void)
{
    struct bb c = { .n = 0 };
    der_cert(&c, true, "Issuer CA", "leaf.example");
    cert_conv(&c, "CN=leaf.example", "CN=Issuer CA");
    c.n = 0;
    der_cert(&c, false, "v1 CA", "v1.example");                 /* no version element */
    cert_conv(&c, "CN=v1.example", "CN=v1 CA");
    /* damaged: no names, and nothing read past the certificate */
    struct bb d = c;
    d.n -= 4;                                                     /* cut inside the subject */
    cert_conv(&d, "", "");
    d = c;
    d.b[1] = 0x80;                                               /* indefinite length */
    cert_conv(&d, "", "");
    d = c;
    d.b[d.n - 23] = 0x31;                   /* the subject (the last 23 bytes) a SET, not a Name */
    cert_conv(&d, "", "");
    d = c;
    d.b[3] = 0x7f;                                              /* TBSCertificate longer than its parent */
    cert_conv(&d, "", "");
}

/* A record of two full messages and the start of a third, then the rest of it with a second
 * record in one segment (records and messages cut anywhere). */
static void test_records_across_segments(void)
{
    struct conv v = conv_new(443);
    struct bb m = { .n = 0 }, r = { .n = 0 };
    m_server_hello(&m, 0x0303, 0xc02f, NULL, false);
    p8(&m, 14); p24(&m, 0);
    size_t two = m.n;
    p8(&m, 11); p24(&m, 3 + 3 + 5); p24(&m, 3 + 5); p24(&m, 5); pmem(&m, "\x30\x03\x02\x01\x01", 5);
    record(&r, 22, 0x0303, m.b, two + 6);
    record(&r, 22, 0x0303, m.b + two + 6, m.n - two - 6);
    record(&r, 23, 0x0303, (const uint8_t *)"appdata", 7);
    struct bb ch;
    simple_ch(&ch, "x.example");
    data(&v, 0, ch.b, ch.n);
    size_t cut = 5 + two + 6 + 3;          /* inside the second record's header */
    data(&v, 1, r.b, cut);
    FIELD_IS(v.t, "tls.record.length", "52");
    FIELD_IS(v.t, "tls.handshake.type", "2,14");
    data(&v, 1, r.b + cut, r.n - cut);
    FIELD_IS(v.t, "tls.record.content_type", "22,23");
    FIELD_IS(v.t, "tls.handshake.type", "11");
    FIELD_IS(v.t, "tls.handshake.certificate_length", "5");
    th_free(v.t);
}

/* A message larger than the 256 KiB kept per message: skipped (counted, not shown), and the
 * message after it is read. */
static void test_oversized_message(void)
{
    struct conv v = conv_new(443);
    struct bb ch;
    simple_ch(&ch, "big.example");
    data(&v, 0, ch.b, ch.n);
    static uint8_t big[300000 + 4 + 4];
    memset(big, 0xab, sizeof big);
    big[0] = 11; big[1] = (uint8_t)(300000 >> 16); big[2] = (uint8_t)(300000 >> 8); big[3] = (uint8_t)300000;
    uint8_t *done = big + 4 + 300000;
    done[0] = 14; done[1] = done[2] = done[3] = 0;
    static struct bb r;
    for (size_t off = 0; off < sizeof big; ) {
        size_t k = sizeof big - off < 16000 ? sizeof big - off : 16000;
        r.n = 0;
        record(&r, 22, 0x0303, big + off, k);
        data(&v, 1, r.b, r.n);
        off += k;
    }
    FIELD_IS(v.t, "tls.handshake.type", "14");
    CU_ASSERT_EQUAL(th_layer_errors(v.t, "tls"), 0);
    th_free(v.t);
}

/* STARTTLS: a line protocol (tests/fixtures/fx_starttls.c) hands the stream to tls with
 * trawl_stream_switch, as SMTP, FTP or IMAP plugins do; tls starts on the next bytes. */
/* ICMP errors quoting TLS: a quoted segment of a connection the capture does not otherwise
 * show is read (tshark shows its record); one of a known connection is a copy of stream bytes
 * that out of the stream's context may start mid-record, so nothing is read (as tshark). */
static void test_quoted_records(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("tunnel-6in4-tls-http.pcap");
    CU_ASSERT(pc_feed(t, &p, 3));
    CU_ASSERT_STRING_EQUAL(th_field(t, "icmpv6.type"), "1");
    FIELD_IS(t, "tls.record.content_type", "23");
    FIELD_IS(t, "tls.record.version", "0x0303");
    FIELD_IS(t, "tls.record.length", "41");
    CU_ASSERT(pc_feed(t, &p, 45));
    CU_ASSERT_STRING_EQUAL(th_field(t, "icmpv6.type"), "2");
    CU_ASSERT_STRING_EQUAL(th_field(t, "tcp.srcport"), "53234");
    FIELD_IS(t, "tls.record.version", "");
    th_free(t);
}

static void test_starttls_switch(void)
{
    char so[1100];
    const char *b = getenv("TRAWL_BUILD");
    snprintf(so, sizeof so, "%.1024s/tests/fixtures/fx_starttls.so", b && *b ? b : "build");
    FILE *f = fopen(so, "rb");
    if (!f) { CU_FAIL("fx_starttls.so not built (make BUILD=... the fixtures)"); return; }
    fclose(f);
    const char *dirs[] = { th_plugin_dir(), so, NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    struct conv v = conv_on(t, 7779);
    data(&v, 1, "220 hello\r\n", 11);
    data(&v, 0, "STARTTLS\r\n", 10);
    data(&v, 1, "220 GO AHEAD\r\n", 14);
    CU_ASSERT(strncmp(th_field(t, "fxstarttls.line"), "220 GO AHEAD", 12) == 0);
    struct bb ch;
    simple_ch(&ch, "mail.example");
    data(&v, 0, ch.b, ch.n);
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:tcp:tls");
    FIELD_IS(t, "tls.handshake.extensions_server_name", "mail.example");
    th_finish(t);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "ssl"), 1);
    REC_IS(t, 0, "server_name", "mail.example");
    REC_IS(t, 0, "id.resp_p", "7779");
    th_free(t);
}

/* The tls-handshake entry (QUIC's contract), reached here by decode-as on UDP. */
static void test_handshake_entry(void)
{
    const char *da[] = { "udp.port==4433,tls-handshake", NULL };
    struct th *t = start_with(da);
    struct bb e = { .n = 0 }, m = { .n = 0 };
    x_sni(&e, "quic.example");
    static const char *const alpn[] = { "h3", NULL };
    x_alpn(&e, alpn);
    static const uint16_t sv[] = { 0x0304 };
    x_list(&e, 43, 1, sv, 1);
    x_raw(&e, 57, "\x01\x02\x40\x00", 4);
    m_client_hello(&m, 0x0303, chrome_cs, 3, &e);
    struct pg_ep c = pg_v4(10, 0, 0, 1, 50000), s = pg_v4(10, 0, 0, 2, 4433);
    trawl_test_set_time(t, T0);
    size_t len = pg_ipv4(frame_buf, 17, &c, &s, 0, 0, 0, 0, m.b, m.n);
    CU_ASSERT_EQUAL(th_bytes(t, 1, frame_buf, (uint32_t)len, (uint32_t)len), 0);
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:tls-handshake");
    FIELD_IS(t, "tls.record.version", "");
    FIELD_IS(t, "tls.handshake.type", "1");
    FIELD_IS(t, "tls.handshake.extensions_server_name", "quic.example");
    FIELD_IS(t, "tls.handshake.ja3_full", "771,4865-4866-4867,0-16-43-57,,");
    CU_ASSERT(th_field(t, "tls.handshake.ja4")[0] == 'q');
    FIELD_IS(t, "tls.handshake.ja4", "q13d0304h3_55b375c5d22e_c8abead0ac40");
    /* A message cut at the end of b: shown as far as it goes, not marked. */
    struct bb sm = { .n = 0 }, se = { .n = 0 };
    x_raw(&se, 43, "\x03\x04", 2);
    x_raw(&se, 51, "\x00\x1d\x00\x02\xaa\xbb", 6);
    m_server_hello(&sm, 0x0303, 0x1301, &se, false);
    p8(&sm, 8); p24(&sm, 100); p16(&sm, 98);       /* EncryptedExtensions, cut */
    len = pg_ipv4(frame_buf, 17, &s, &c, 0, 0, 0, 0, sm.b, sm.n);
    CU_ASSERT_EQUAL(th_bytes(t, 1, frame_buf, (uint32_t)len, (uint32_t)len), 0);
    FIELD_IS(t, "tls.handshake.type", "2,8");
    FIELD_IS(t, "tls.handshake.ja4s", "q130200_1301_a56c5b993250");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    th_finish(t);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "ssl"), 1);
    REC_IS(t, 0, "transport", "quic");
    REC_IS(t, 0, "server_name", "quic.example");
    REC_IS(t, 0, "version", "TLSv13");
    REC_IS(t, 0, "curve", "x25519");
    REC_IS(t, 0, "id.resp_p", "4433");
    th_free(t);
}

void test_tls_register(void);
void test_tls_register(void)
{
    CU_pSuite s = CU_add_suite("tls", NULL, NULL);
    CU_add_test(s, "capture: tls-curl-443 (fields, records, ssl record)", test_curl);
    CU_add_test(s, "captures: certificates split over segments, long certificate", test_cert_split_and_long);
    CU_add_test(s, "capture: JA3 with many ciphers (VLAN)", test_ja3_many_ciphers);
    CU_add_test(s, "capture: TLS 1.3 google chat", test_tls13_google_chat);
    CU_add_test(s, "captures: ECH, ClientHello in two records", test_ech_and_reassemblies);
    CU_add_test(s, "JA4: where nDPI departs from the specification", test_ja4_ndpi_departures);
    CU_add_test(s, "captures: raw IP, DER-incomplete certificate (suricata-verify)", test_rawip_codm_and_corrupt);
    CU_add_test(s, "JA4: the specification's example, JA3 GREASE rules", test_ja4_spec_vector);
    CU_add_test(s, "hello split over segments and over records", test_split_segments_and_records);
    CU_add_test(s, "several messages in one record, CCS, encrypted Finished", test_several_messages);
    CU_add_test(s, "alerts, lying lengths, zero-length extensions", test_alert_and_lying_lengths);
    CU_add_test(s, "HelloRetryRequest and GREASE", test_hrr_and_grease);
    CU_add_test(s, "ssl record: subject and issuer of v1/v3 leaves, damaged ones", test_record_names);
    CU_add_test(s, "no extensions, SSLv2 hello", test_no_extensions_and_sslv2);
    CU_add_test(s, "garbage, heuristic, cut hello at FIN", test_garbage_heuristic_fin);
    CU_add_test(s, "resumed and established (Zeek's rules)", test_resumption);
    CU_add_test(s, "records and messages cut across segments", test_records_across_segments);
    CU_add_test(s, "a handshake message past the 256 KiB cap", test_oversized_message);
    CU_add_test(s, "STARTTLS: tls after trawl_stream_switch", test_starttls_switch);
    CU_add_test(s, "records an ICMP error quotes", test_quoted_records);
    CU_add_test(s, "tls-handshake entry (decode-as on UDP)", test_handshake_entry);
}
