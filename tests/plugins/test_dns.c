/* test_dns.c — the dns plugin (suite "dns"): DNS, mDNS and LLMNR over UDP and TCP.
 *
 * Expected values are what tshark 4.0.17 prints for the same bytes (each message below was also
 * written to a pcap and run through `tshark -T fields`), and for records what Zeek's dns.log has
 * (ipv6-frag-dns.pcap's baseline). Messages are real captured ones where the captures have them,
 * built here for what they lack: every record type decoded, hostile names (loops, forward
 * pointers, pointers past the end, reserved label types, overlong names), cut and lying
 * lengths, zero counts, mDNS/LLMNR, the heuristic, TCP messages split across segments and
 * several per segment, gaps, and tshark's and Zeek's pairing rules.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli_util.h"
#include "../harness.h"
#include "../pktgen.h"

#define T0 1700000000000000000LL          /* 2023-11-14T22:13:20Z */
#define MS 1000000LL

#define FIELD_IS(t, f, v) CU_ASSERT_STRING_EQUAL(th_field(t, f), v)
#define REC_IS(t, i, c, v) CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "dns", i, c), v)

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1] && n < cap; p += 2) {
        unsigned v;
        if (sscanf(p, "%2x", &v) != 1) break;
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* ---- a conversation: generated frames through the real plugins ------------------------------ */

struct conv {
    struct th *t;
    struct pg_ep c, s;            /* client, server */
    uint32_t cseq, sseq;
    int64_t now;
};

static uint8_t frame_buf[70000];

static struct th *start(const char *const *opts)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, opts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

static struct conv conv_new(const char *const *opts, uint16_t cport, uint16_t sport)
{
    struct conv v;
    memset(&v, 0, sizeof v);
    v.t = start(opts);
    v.c = pg_v4(10, 0, 0, 1, cport);
    v.s = pg_v4(10, 0, 0, 2, sport);
    v.cseq = 1000;
    v.sseq = 5000;
    v.now = T0;
    return v;
}

/* A UDP datagram from the client (dir 0) or the server (dir 1) at now + ms, of which only
 * caplen bytes of the frame are captured (0: all). */
static void udp_at(struct conv *v, int dir, int64_t ms, const uint8_t *p, size_t n, uint32_t caplen)
{
    const struct pg_ep *src = dir ? &v->s : &v->c, *dst = dir ? &v->c : &v->s;
    size_t len = pg_ipv4(frame_buf, 17, src, dst, 0, 0, 0, 0, p, n);
    trawl_test_set_time(v->t, v->now + ms * MS);
    CU_ASSERT_EQUAL(th_bytes(v->t, 1, frame_buf, caplen ? caplen : (uint32_t)len, (uint32_t)len), 0);
}

static void udp_hex(struct conv *v, int dir, int64_t ms, const char *hex)
{
    static uint8_t b[4096];
    udp_at(v, dir, ms, b, unhex(hex, b, sizeof b), 0);
}

/* The next TCP segment from dir, in order. */
static void tcp_seg(struct conv *v, int dir, int64_t ms, uint8_t flags, const void *p, size_t n)
{
    const struct pg_ep *src = dir ? &v->s : &v->c, *dst = dir ? &v->c : &v->s;
    uint32_t *seq = dir ? &v->sseq : &v->cseq;
    uint32_t ack = dir ? v->cseq : v->sseq;
    size_t len = pg_ipv4(frame_buf, 6, src, dst, *seq, ack, flags, 65535, p, n);
    trawl_test_set_time(v->t, v->now + ms * MS);
    CU_ASSERT_EQUAL(th_bytes(v->t, 1, frame_buf, (uint32_t)len, (uint32_t)len), 0);
    *seq += (uint32_t)n + ((flags & (PG_SYN | PG_FIN)) ? 1 : 0);
}

static void handshake(struct conv *v)
{
    tcp_seg(v, 0, 0, PG_SYN, NULL, 0);
    tcp_seg(v, 1, 0, PG_SYN | PG_ACK, NULL, 0);
    tcp_seg(v, 0, 0, PG_ACK, NULL, 0);
}

/* ---- building messages ----------------------------------------------------------------------- */

struct msg { uint8_t b[2048]; size_t n; };

static void m_u8(struct msg *m, uint8_t v) { m->b[m->n++] = v; }
static void m_u16(struct msg *m, uint16_t v) { m_u8(m, (uint8_t)(v >> 8)); m_u8(m, (uint8_t)v); }
static void m_u32(struct msg *m, uint32_t v) { m_u16(m, (uint16_t)(v >> 16)); m_u16(m, (uint16_t)v); }
static void m_hdr(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
    m->n = 0;
    m_u16(m, id); m_u16(m, flags); m_u16(m, qd); m_u16(m, an); m_u16(m, ns); m_u16(m, ar);
}
static void m_name(struct msg *m, const char *dotted)
{
    while (*dotted) {
        const char *dot = strchr(dotted, '.');
        size_t l = dot ? (size_t)(dot - dotted) : strlen(dotted);
        m_u8(m, (uint8_t)l);
        memcpy(m->b + m->n, dotted, l);
        m->n += l;
        dotted += l + (dot ? 1 : 0);
    }
    m_u8(m, 0);
}
static void query(struct msg *m, uint16_t id, const char *name, uint16_t type)
{
    m_hdr(m, id, 0x0100, 1, 0, 0, 0);
    m_name(m, name);
    m_u16(m, type); m_u16(m, 1);
}
/* A response with one A record per address (owner: a pointer to the question). */
static void answer(struct msg *m, uint16_t id, uint16_t flags, const char *name, uint16_t type,
                   const uint8_t (*ips)[4], int n)
{
    m_hdr(m, id, flags, 1, (uint16_t)n, 0, 0);
    m_name(m, name);
    m_u16(m, type); m_u16(m, 1);
    for (int i = 0; i < n; i++) {
        m_u16(m, 0xc00c); m_u16(m, 1); m_u16(m, 1); m_u32(m, 60); m_u16(m, 4);
        memcpy(m->b + m->n, ips[i], 4);
        m->n += 4;
    }
}

/* ---- record types ---------------------------------------------------------------------------- */

/* A response with 18 answers: MX, SOA, SRV, TXT, CAA, HTTPS, DS, DNSKEY, RRSIG, NSEC, NSEC3,
 * PTR, CNAME, NS, AAAA, SPF, HINFO and an unknown type 1234. */
static const char rr_types_hex[] =
    "beef81800001001200000000076578616d706c6503636f6d0000ff0001c00c000f00010000012c0013000a036d783107"
    "6578616d706c6503636f6d00c00c0006000100000e10003d036e7331076578616d706c6503636f6d000a686f73746d61"
    "73746572076578616d706c6503636f6d0078a3f17500001c2000000e10001275000000012c045f736970045f746370c0"
    "0c002100010000003c0017000a001413c403736970076578616d706c6503636f6d00c00c001000010000003c000a0568"
    "656c6c6f03612c62c00c010100010000003c0016800569737375656c657473656e63727970742e6f7267c00c00410001"
    "0000003c00150001000001000602683202683300040004c0000201c00c002b00010000003c002409430d020001020304"
    "05060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fc00c003000010000003c00440101030d0001020304"
    "05060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334"
    "35363738393a3b3c3d3e3fc00c002e00010000003c002f00010d020000012c6553f10064bb5a803039076578616d706c"
    "6503636f6d00000102030405060708090a0b0c0d0e0fc00c002f00010000003c00170161076578616d706c6503636f6d"
    "000006400100000003c00c003200010000003c00200101000a02abcd14000102030405060708090a0b0c0d0e0f101112"
    "1300022200c00c000c00010000003c001103707472076578616d706c6503636f6d00c00c000500010000003c00130561"
    "6c696173076578616d706c6503636f6d00c00c000200010000003c0011036e7332076578616d706c6503636f6d00c00c"
    "001c00010000003c001020010db8000000000000000000000001c00c006300010000003c000504763d7370c00c000d00"
    "010000003c000a03783836054c696e7578c00c04d200010000003c0002dead";

static void test_rr_types(void)
{
    struct conv v = conv_new(NULL, 40000, 53);
    udp_hex(&v, 1, 0, rr_types_hex);
    struct th *t = v.t;
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:dns");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    FIELD_IS(t, "dns.id", "0xbeef");
    FIELD_IS(t, "dns.flags", "0x8180");
    FIELD_IS(t, "dns.count.answers", "18");
    FIELD_IS(t, "dns.qry.type", "255");
    FIELD_IS(t, "dns.resp.type", "15,6,33,16,257,65,43,48,46,47,1,15,46,47,50,2,6,12,5,2,28,99,13,1234");
    FIELD_IS(t, "dns.resp.len", "19,61,23,10,22,21,36,68,47,23,32,17,19,17,16,5,10,2");
    FIELD_IS(t, "dns.resp.ttl", "300,3600,60,60,60,60,60,60,60,60,60,60,60,60,60,60,60,60");
    CU_ASSERT_EQUAL(th_count(t, "dns.resp.name"), 17);      /* not for the SRV record */
    FIELD_IS(t, "dns.mx.preference", "10");
    FIELD_IS(t, "dns.mx.mail_exchange", "mx1.example.com");
    FIELD_IS(t, "dns.soa.mname", "ns1.example.com");
    FIELD_IS(t, "dns.soa.rname", "hostmaster.example.com");
    FIELD_IS(t, "dns.soa.serial_number", "2024010101");
    FIELD_IS(t, "dns.soa.refresh_interval", "7200");
    FIELD_IS(t, "dns.soa.retry_interval", "3600");
    FIELD_IS(t, "dns.soa.expire_limit", "1209600");
    FIELD_IS(t, "dns.soa.minimum_ttl", "300");
    FIELD_IS(t, "dns.srv.service", "_sip");
    FIELD_IS(t, "dns.srv.proto", "_tcp");
    FIELD_IS(t, "dns.srv.name", "example.com");
    FIELD_IS(t, "dns.srv.priority", "10");
    FIELD_IS(t, "dns.srv.weight", "20");
    FIELD_IS(t, "dns.srv.port", "5060");
    FIELD_IS(t, "dns.srv.target", "sip.example.com");
    FIELD_IS(t, "dns.txt", "hello,a,b");
    FIELD_IS(t, "dns.txt.length", "5,3");
    FIELD_IS(t, "dns.caa.flags", "0x80");
    FIELD_IS(t, "dns.caa.flags.issuer_critical", "1");
    FIELD_IS(t, "dns.caa.issue", "letsencrypt.org");
    FIELD_IS(t, "dns.caa.tag", "issue");
    FIELD_IS(t, "dns.caa.value", "letsencrypt.org");
    FIELD_IS(t, "dns.svcb.svcpriority", "1");
    FIELD_IS(t, "dns.svcb.targetname", "<Root>");
    FIELD_IS(t, "dns.svcb.svcparam.key", "1,4");
    FIELD_IS(t, "dns.svcb.svcparam.alpn", "h2,h3");
    FIELD_IS(t, "dns.svcb.svcparam.ipv4hint.ip", "192.0.2.1");
    FIELD_IS(t, "dns.ds.key_id", "0x0943");
    FIELD_IS(t, "dns.ds.algorithm", "13");
    FIELD_IS(t, "dns.ds.digest_type", "2");
    FIELD_IS(t, "dns.ds.digest", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    FIELD_IS(t, "dns.dnskey.flags", "0x0101");
    FIELD_IS(t, "dns.dnskey.flags.zone_key", "1");
    FIELD_IS(t, "dns.dnskey.flags.secure_entry_point", "1");
    FIELD_IS(t, "dns.dnskey.protocol", "3");
    FIELD_IS(t, "dns.dnskey.algorithm", "13");
    FIELD_IS(t, "dns.dnskey.key_id", "59409");
    FIELD_IS(t, "dns.rrsig.type_covered", "1");
    FIELD_IS(t, "dns.rrsig.original_ttl", "300");
    FIELD_IS(t, "dns.rrsig.signature_expiration", "Nov 14, 2023 22:13:20.000000000 UTC");
    FIELD_IS(t, "dns.rrsig.signature_inception", "Jul 22, 2023 04:26:40.000000000 UTC");
    FIELD_IS(t, "dns.rrsig.key_tag", "12345");
    FIELD_IS(t, "dns.rrsig.signers_name", "example.com");
    FIELD_IS(t, "dns.rrsig.signature", "000102030405060708090a0b0c0d0e0f");
    FIELD_IS(t, "dns.nsec.next_domain_name", "a.example.com");
    FIELD_IS(t, "dns.nsec3.hash_value", "000g40o40k30e209185go38e1s8124gj");
    FIELD_IS(t, "dns.nsec3.salt_value", "abcd");
    FIELD_IS(t, "dns.nsec3.flags.opt_out", "1");
    FIELD_IS(t, "dns.ptr.domain_name", "ptr.example.com");
    FIELD_IS(t, "dns.cname", "alias.example.com");
    FIELD_IS(t, "dns.ns", "ns2.example.com");
    FIELD_IS(t, "dns.aaaa", "2001:db8::1");
    FIELD_IS(t, "dns.spf", "v=sp");
    FIELD_IS(t, "dns.hinfo.cpu", "x86");
    FIELD_IS(t, "dns.hinfo.os", "Linux");
    FIELD_IS(t, "dns.data", "dead");
    FIELD_IS(t, "dns.unsolicited", "1");
    FIELD_IS(t, "dns.response_to", "");
    th_free(t);
}

/* A query with EDNS: client subnet, cookie (client only) and an extended error. */
static void test_opt(void)
{
    struct conv v = conv_new(NULL, 40000, 53);
    udp_hex(&v, 0, 0, "010201200001000000000001076578616d706c65036f7267000001000100002904d00000800000210008000700011800"
                      "0a0102000a00080001020304050607000f000600126f6f7073");
    struct th *t = v.t;
    CU_ASSERT_EQUAL(th_errors(t), 0);
    FIELD_IS(t, "dns.flags.authenticated", "1");      /* AD in a query is shown too */
    FIELD_IS(t, "dns.resp.name", "<Root>");
    FIELD_IS(t, "dns.resp.type", "41");
    FIELD_IS(t, "dns.resp.ttl", "");
    FIELD_IS(t, "dns.rr.udp_payload_size", "1232");
    FIELD_IS(t, "dns.resp.ext_rcode", "0x00");
    FIELD_IS(t, "dns.resp.z", "0x8000");
    FIELD_IS(t, "dns.resp.z.do", "1");
    FIELD_IS(t, "dns.opt.code", "8,10,15");
    FIELD_IS(t, "dns.opt.len", "7,8,6");
    FIELD_IS(t, "dns.opt.data", "000118000a0102,0001020304050607,00126f6f7073");
    FIELD_IS(t, "dns.opt.client.family", "1");
    FIELD_IS(t, "dns.opt.client.netmask", "24");
    FIELD_IS(t, "dns.opt.client.addr4", "10.1.2.0");
    FIELD_IS(t, "dns.opt.cookie.client", "0001020304050607");
    FIELD_IS(t, "dns.opt.ext_error.info_code", "18");
    FIELD_IS(t, "dns.opt.ext_error.extra_text", "oops");
    th_free(t);
}

/* ---- names ----------------------------------------------------------------------------------- */

static void test_names(void)
{
    struct conv v = conv_new(NULL, 1024, 53);
    struct th *t = v.t;
    /* The question of malformed-dns-compression-loop.pcap (its UDP length hides it from tshark
     * there): a pointer to itself. tshark follows 256 pointers; we stop at the first revisit. */
    udp_hex(&v, 0, 0, "ed6900000001000000000000c00cc007c010c017c020c027c030c0ffcf000000010001");
    FIELD_IS(t, "dns.qry.name", "<Name contains a pointer that loops>");
    FIELD_IS(t, "dns.qry.type", "49159");
    FIELD_IS(t, "dns.qry.class", "0xc010");
    FIELD_IS(t, "dns.qry.name.len", "36");
    FIELD_IS(t, "dns.name.pointer_loop", "1");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    /* Two pointers pointing at each other. */
    udp_hex(&v, 0, 1, "0002010000010000000000000161c014000100010162c00c");
    FIELD_IS(t, "dns.qry.name", "<Name contains a pointer that loops>");
    FIELD_IS(t, "dns.qry.type", "1");
    /* A forward pointer: followed, as tshark does, and flagged. */
    udp_hex(&v, 0, 2, "000301000001000000000000c0120001000103666f6f00");
    FIELD_IS(t, "dns.qry.name", "foo");
    FIELD_IS(t, "dns.name.pointer_forward", "1");
    FIELD_IS(t, "dns.name.pointer_loop", "");
    /* A pointer past the end: the message ends, malformed. */
    udp_hex(&v, 0, 3, "000401000001000000000000c0ff00010001");
    FIELD_IS(t, "dns.id", "0x0004");
    FIELD_IS(t, "dns.count.queries", "1");
    FIELD_IS(t, "dns.qry.name", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dns"), TRAWL_BUF_MALFORMED);
    /* The reserved label type 0x80. */
    udp_hex(&v, 0, 4, "000501000001000000000000800000010001");
    FIELD_IS(t, "dns.qry.name", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dns"), TRAWL_BUF_MALFORMED);
    /* Control bytes, bad and good UTF-8, a format character, as tshark's format_text shows them. */
    udp_hex(&v, 0, 5, "000801000001000000000000036101620209ff02c3a903e2808b0000010001");
    FIELD_IS(t, "dns.qry.name", "a\\001b.\\t\xef\xbf\xbd.\xc3\xa9.\\u200B");
    FIELD_IS(t, "dns.qry.name.len", "13");
    /* The root. */
    udp_hex(&v, 0, 6, "0009010000010000000000000000020001");
    FIELD_IS(t, "dns.qry.name", "<Root>");
    FIELD_IS(t, "dns.qry.name.len", "6");
    FIELD_IS(t, "dns.count.labels", "1");
    CU_ASSERT_EQUAL(th_errors(t), 0);

    /* 253 bytes is the longest name tshark shows; 254 is "<Name too long>". */
    struct msg m;
    char name[300];
    memset(name, 'a', sizeof name);
    name[63] = name[127] = name[191] = '.';
    name[253] = 0;
    query(&m, 6, name, 1);
    udp_at(&v, 0, 7, m.b, m.n, 0);
    CU_ASSERT_EQUAL(strlen(th_field(t, "dns.qry.name")), 253);
    FIELD_IS(t, "dns.count.labels", "4");
    FIELD_IS(t, "dns.name.too_long", "");
    name[253] = 'a';
    name[254] = 0;
    query(&m, 7, name, 1);
    udp_at(&v, 0, 8, m.b, m.n, 0);
    FIELD_IS(t, "dns.qry.name", "<Name too long>");
    FIELD_IS(t, "dns.qry.name.len", "15");
    FIELD_IS(t, "dns.qry.type", "1");
    FIELD_IS(t, "dns.name.too_long", "1");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    th_free(t);
}

/* ---- cut and lying lengths, zero counts ------------------------------------------------------ */

static void test_truncated_and_malformed(void)
{
    struct conv v = conv_new(NULL, 40000, 53);
    struct th *t = v.t;
    static const uint8_t ips[2][4] = { { 192, 0, 2, 1 }, { 192, 0, 2, 2 } };
    struct msg m;
    answer(&m, 0x4242, 0x8180, "cut.example", 1, ips, 2);
    /* Captured up to the middle of the second record's address (14+20+8 frame bytes before the
     * message): that record shows nothing, as in tshark; the first stays. */
    udp_at(&v, 1, 0, m.b, m.n, (uint32_t)(42 + m.n - 2));
    FIELD_IS(t, "dns.qry.name", "cut.example");
    FIELD_IS(t, "dns.count.answers", "2");
    FIELD_IS(t, "dns.a", "192.0.2.1");
    FIELD_IS(t, "dns.resp.ttl", "60");
    FIELD_IS(t, "dns.response_to", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dns"), TRAWL_BUF_TRUNCATED);
    CU_ASSERT_STRING_EQUAL(th_info(t), "Standard query response 0x4242 A cut.example A 192.0.2.1 A"
                                       "[Packet size limited during capture]");
    /* Three bytes: not even the ID. */
    udp_at(&v, 1, 1, m.b, m.n, 42 + 3);
    FIELD_IS(t, "dns.id", "");
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:dns");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dns"), TRAWL_BUF_TRUNCATED);
    /* An RDLENGTH past the end of the message: the record is not shown, malformed. */
    udp_hex(&v, 1, 2, "000b818000010001000000000178076578616d706c650000010001c00c000100010000003c004001020304");
    FIELD_IS(t, "dns.qry.name", "x.example");
    FIELD_IS(t, "dns.count.answers", "1");
    FIELD_IS(t, "dns.resp.name", "");
    FIELD_IS(t, "dns.a", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dns"), TRAWL_BUF_MALFORMED);
    /* A header and nothing else, every count zero: a sound message. */
    udp_hex(&v, 1, 3, "000a81800000000000000000");
    FIELD_IS(t, "dns.count.queries", "0");
    FIELD_IS(t, "dns.count.answers", "0");
    FIELD_IS(t, "dns.count.auth_rr", "0");
    FIELD_IS(t, "dns.count.add_rr", "0");
    FIELD_IS(t, "dns.flags.rcode", "0");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    /* Counts that promise more than there is. */
    udp_hex(&v, 1, 4, "000b81800000ffff00000000");
    FIELD_IS(t, "dns.count.answers", "65535");
    FIELD_IS(t, "dns.resp.name", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dns"), TRAWL_BUF_MALFORMED);
    th_free(t);
}

/* ---- mDNS, LLMNR, the heuristic -------------------------------------------------------------- */

static void test_mdns_llmnr_heuristic(void)
{
    struct conv v = conv_new(NULL, 5353, 5353);
    struct th *t = v.t;
    udp_hex(&v, 0, 0, "000000000001000000000000077072696e746572056c6f63616c00000c8001");
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:mdns");
    CU_ASSERT_STRING_EQUAL(th_protocol(t), "MDNS");
    FIELD_IS(t, "dns.qry.name", "printer.local");
    FIELD_IS(t, "dns.qry.class", "0x0001");           /* the top bit is QU, shown apart */
    FIELD_IS(t, "dns.qry.qu", "1");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Standard query 0x0000 PTR printer.local, \"QU\" question");
    udp_hex(&v, 1, 1, "000084000000000100000000077072696e746572056c6f63616c0000018001000000780004c0a80114");
    FIELD_IS(t, "dns.resp.class", "0x0001");
    FIELD_IS(t, "dns.resp.cache_flush", "1");
    FIELD_IS(t, "dns.a", "192.168.1.20");
    FIELD_IS(t, "dns.flags.authoritative", "1");
    th_free(t);

    v = conv_new(NULL, 40000, 5355);
    t = v.t;
    udp_hex(&v, 1, 0, "00078400000100010000000004686f73740000010001c00c000100010000001e00040a000009");
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:llmnr");
    FIELD_IS(t, "dns.flags.conflict", "1");
    FIELD_IS(t, "dns.flags.tentative", "0");
    FIELD_IS(t, "dns.flags.authoritative", "");
    FIELD_IS(t, "dns.a", "10.0.0.9");
    th_free(t);

    /* Other ports: a well-formed query is DNS; a question with a control byte is not taken
     * (tshark's looser heuristic would take it). */
    v = conv_new(NULL, 40001, 33333);
    t = v.t;
    udp_hex(&v, 0, 0, "0077010000010000000000000468657572076578616d706c650000010001");
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:dns");
    FIELD_IS(t, "dns.qry.name", "heur.example");
    udp_hex(&v, 0, 1, "000100000001000000000000056865016c6f0000010001");
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp");
    udp_hex(&v, 0, 2, "00770100000100000000000004");        /* a question cut short */
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp");
    th_free(t);
}

/* ---- pairing: tshark's fields, Zeek's records ------------------------------------------------ */

static void test_pairing_udp(void)
{
    struct conv v = conv_new(NULL, 40000, 53);
    struct th *t = v.t;
    static const uint8_t ip1[1][4] = { { 1, 1, 1, 1 } }, ip2[1][4] = { { 2, 2, 2, 2 } }, ip9[1][4] = { { 9, 9, 9, 9 } };
    struct msg m;
    query(&m, 1, "a.example", 1);
    udp_at(&v, 0, 0, m.b, m.n, 0);                          /* 1 */
    udp_at(&v, 0, 1000, m.b, m.n, 0);                       /* 2: again within 5 s */
    FIELD_IS(t, "dns.retransmit_request_in", "1");
    FIELD_IS(t, "dns.retransmission", "1");
    answer(&m, 1, 0x8180, "a.example", 1, ip1, 1);
    udp_at(&v, 1, 1500, m.b, m.n, 0);                       /* 3 */
    FIELD_IS(t, "dns.response_to", "1");
    FIELD_IS(t, "dns.time", "1.500000000");
    udp_at(&v, 1, 1600, m.b, m.n, 0);                       /* 4: the same answer again */
    FIELD_IS(t, "dns.response_to", "");
    FIELD_IS(t, "dns.retransmit_response_in", "3");
    answer(&m, 9, 0x8180, "z.example", 1, ip9, 1);
    udp_at(&v, 1, 1700, m.b, m.n, 0);                       /* 5: nobody asked */
    FIELD_IS(t, "dns.unsolicited", "1");
    query(&m, 2, "b.example", 1);
    udp_at(&v, 0, 2000, m.b, m.n, 0);                       /* 6 */
    udp_at(&v, 0, 8000, m.b, m.n, 0);                       /* 7: 6 s later, a new transaction */
    FIELD_IS(t, "dns.retransmission", "");
    answer(&m, 2, 0x8180, "b.example", 1, ip2, 1);
    udp_at(&v, 1, 8250, m.b, m.n, 0);                       /* 8 */
    FIELD_IS(t, "dns.response_to", "7");
    FIELD_IS(t, "dns.time", "0.250000000");
    m_hdr(&m, 3, 0x8183, 1, 0, 0, 0);                       /* 9, 10: NXDOMAIN, nothing else */
    m_name(&m, "c.example"); m_u16(&m, 28); m_u16(&m, 1);
    query(&m, 3, "c.example", 28);
    udp_at(&v, 0, 9000, m.b, m.n, 0);
    m.b[2] = 0x81; m.b[3] = 0x83;
    udp_at(&v, 1, 9100, m.b, m.n, 0);
    FIELD_IS(t, "dns.flags.rcode", "3");
    FIELD_IS(t, "dns.response_to", "9");

    /* Zeek pairs each answer with the oldest query waiting with its ID. */
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 5);
    REC_IS(t, 0, "trans_id", "1");
    REC_IS(t, 0, "first_frame", "1");
    REC_IS(t, 0, "last_frame", "3");
    REC_IS(t, 0, "rtt", "1.500000000");
    REC_IS(t, 0, "query", "a.example");
    REC_IS(t, 0, "qtype_name", "A");
    REC_IS(t, 0, "qclass_name", "C_INTERNET");
    REC_IS(t, 0, "rcode_name", "NOERROR");
    REC_IS(t, 0, "RD", "1");
    REC_IS(t, 0, "RA", "1");
    REC_IS(t, 0, "AA", "0");
    REC_IS(t, 0, "answers", "1.1.1.1");
    REC_IS(t, 0, "TTLs", "60.000000000");
    REC_IS(t, 0, "proto", "udp");
    REC_IS(t, 0, "id.resp_p", "53");
    REC_IS(t, 0, "opcode_name", "query");
    REC_IS(t, 1, "first_frame", "2");                       /* the retransmission, answered by 4 */
    REC_IS(t, 1, "last_frame", "4");
    REC_IS(t, 1, "rtt", "0.600000000");
    REC_IS(t, 2, "trans_id", "9");                          /* an answer alone, at once */
    REC_IS(t, 2, "query", "z.example");
    REC_IS(t, 2, "qtype", "");
    REC_IS(t, 2, "rtt", "");
    REC_IS(t, 2, "RD", "0");
    REC_IS(t, 3, "first_frame", "6");                       /* Zeek: the oldest of the two */
    REC_IS(t, 3, "rtt", "6.250000000");
    REC_IS(t, 4, "rcode_name", "NXDOMAIN");
    REC_IS(t, 4, "rejected", "1");                          /* no record at all in the answer */
    REC_IS(t, 4, "rtt", "");                                /* Zeek: only with an answer */
    REC_IS(t, 4, "RA", "0");
    REC_IS(t, 4, "qtype_name", "AAAA");
    CU_ASSERT_EQUAL(th_finish(t), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 6);  /* query 7, never answered */
    REC_IS(t, 5, "first_frame", "7");
    REC_IS(t, 5, "last_frame", "7");
    REC_IS(t, 5, "rcode", "");
    REC_IS(t, 5, "answers", "");
    REC_IS(t, 5, "rejected", "0");
    th_free(t);
}

/* More queries waiting than dns.max_pending: the oldest becomes a record early. */
static void test_pending_cap(void)
{
    const char *opts[] = { "dns.max_pending=2", NULL };
    struct conv v = conv_new(opts, 40000, 53);
    struct th *t = v.t;
    struct msg m;
    for (int i = 0; i < 3; i++) {
        char n[32];
        snprintf(n, sizeof n, "q%d.example", i);
        query(&m, (uint16_t)(100 + i), n, 1);
        udp_at(&v, 0, i, m.b, m.n, 0);
    }
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 1);
    REC_IS(t, 0, "query", "q0.example");
    static const uint8_t ip[1][4] = { { 7, 7, 7, 7 } };
    answer(&m, 102, 0x8180, "q2.example", 1, ip, 1);
    udp_at(&v, 1, 10, m.b, m.n, 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 2);
    REC_IS(t, 1, "query", "q2.example");
    REC_IS(t, 1, "answers", "7.7.7.7");
    CU_ASSERT_EQUAL(th_finish(t), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 3);
    REC_IS(t, 2, "query", "q1.example");
    th_free(t);
}

/* The same ID for two names: the answer goes to the query it answers. */
static void test_pairing_by_question(void)
{
    struct conv v = conv_new(NULL, 40000, 53);
    struct th *t = v.t;
    struct msg m;
    query(&m, 5, "one.example", 1);
    udp_at(&v, 0, 0, m.b, m.n, 0);
    query(&m, 5, "two.example", 1);
    udp_at(&v, 0, 1, m.b, m.n, 0);
    static const uint8_t ip[1][4] = { { 2, 2, 2, 2 } };
    answer(&m, 5, 0x8180, "TWO.example", 1, ip, 1);       /* case does not matter */
    udp_at(&v, 1, 3, m.b, m.n, 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 1);
    REC_IS(t, 0, "query", "two.example");
    REC_IS(t, 0, "first_frame", "2");
    th_free(t);
}

/* mDNS to its group: every message is a record by itself (Zeek's multicast rule). */
static void test_multicast_records(void)
{
    struct conv v = conv_new(NULL, 5353, 5353);
    v.s = pg_v4(224, 0, 0, 251, 5353);
    struct th *t = v.t;
    udp_hex(&v, 0, 0, "000000000001000000000000077072696e746572056c6f63616c00000c8001");
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 1);
    REC_IS(t, 0, "query", "printer.local");
    REC_IS(t, 0, "qtype_name", "PTR");
    REC_IS(t, 0, "qclass", "1");
    REC_IS(t, 0, "rcode", "");
    REC_IS(t, 0, "id.resp_h", "224.0.0.251");
    CU_ASSERT_EQUAL(th_finish(t), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 1);
    th_free(t);
}

/* ---- TCP ------------------------------------------------------------------------------------- */

static void test_tcp(void)
{
    struct conv v = conv_new(NULL, 40001, 53);
    struct th *t = v.t;
    handshake(&v);
    struct msg q1, q2, r;
    query(&q1, 0x10, "t.example", 1);
    query(&q2, 0x11, "u.example", 28);
    uint8_t seg[1024];
    /* The length alone, then the message and the start of the next, then its rest. */
    seg[0] = 0; seg[1] = (uint8_t)q1.n;
    tcp_seg(&v, 0, 100, PG_ACK | PG_PSH, seg, 2);
    FIELD_IS(t, "dns.id", "");
    memcpy(seg, q1.b, q1.n);
    seg[q1.n] = 0; seg[q1.n + 1] = (uint8_t)q2.n;
    memcpy(seg + q1.n + 2, q2.b, 5);
    tcp_seg(&v, 0, 200, PG_ACK | PG_PSH, seg, q1.n + 7);
    FIELD_IS(t, "dns.length", "27");
    FIELD_IS(t, "dns.qry.name", "t.example");
    tcp_seg(&v, 0, 300, PG_ACK | PG_PSH, q2.b + 5, q2.n - 5);
    FIELD_IS(t, "dns.qry.name", "u.example");
    FIELD_IS(t, "dns.qry.type", "28");
    /* Both answers in one segment. */
    static const uint8_t ip[1][4] = { { 5, 5, 5, 5 } };
    answer(&r, 0x10, 0x8180, "t.example", 1, ip, 1);
    size_t n = 0;
    seg[n++] = 0; seg[n++] = (uint8_t)r.n;
    memcpy(seg + n, r.b, r.n); n += r.n;
    m_hdr(&r, 0x11, 0x8183, 1, 0, 0, 0);
    m_name(&r, "u.example"); m_u16(&r, 28); m_u16(&r, 1);
    seg[n++] = 0; seg[n++] = (uint8_t)r.n;
    memcpy(seg + n, r.b, r.n); n += r.n;
    tcp_seg(&v, 1, 400, PG_ACK | PG_PSH, seg, n);
    FIELD_IS(t, "dns.id", "0x0010,0x0011");
    FIELD_IS(t, "dns.length", "43,27");
    FIELD_IS(t, "dns.response_to", "5,6");
    FIELD_IS(t, "dns.time", "0.200000000,0.100000000");
    FIELD_IS(t, "dns.a", "5.5.5.5");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 2);
    REC_IS(t, 0, "proto", "tcp");
    REC_IS(t, 0, "answers", "5.5.5.5");
    REC_IS(t, 1, "rcode_name", "NXDOMAIN");
    /* A message whose length promises more than ever comes: nothing until the end. */
    seg[0] = 0x01; seg[1] = 0x00;
    memcpy(seg + 2, q1.b, q1.n);
    tcp_seg(&v, 0, 500, PG_ACK | PG_PSH, seg, q1.n + 2);
    FIELD_IS(t, "dns.id", "");
    th_free(t);
}

/* A gap (acknowledged, never captured) in the middle of a message: the bytes after it are not
 * taken for a message start (a length below 12); decoding resumes with the next segment. */
static void test_tcp_gap(void)
{
    struct conv v = conv_new(NULL, 40002, 53);
    struct th *t = v.t;
    handshake(&v);
    struct msg q;
    uint8_t seg[256];
    query(&q, 0x20, "a.example", 1);
    seg[0] = 0; seg[1] = (uint8_t)q.n;
    memcpy(seg + 2, q.b, q.n);
    tcp_seg(&v, 0, 100, PG_ACK | PG_PSH, seg, q.n + 2);
    FIELD_IS(t, "dns.qry.name", "a.example");
    query(&q, 0x21, "b.example", 1);
    v.cseq += 2 + 10;                                     /* B's length and first 10 bytes: lost */
    tcp_seg(&v, 0, 200, PG_ACK | PG_PSH, q.b + 10, q.n - 10);
    tcp_seg(&v, 1, 300, PG_ACK, NULL, 0);                 /* the server acks it all: a gap */
    FIELD_IS(t, "dns.id", "");
    query(&q, 0x22, "d.example", 1);
    seg[1] = (uint8_t)q.n;
    memcpy(seg + 2, q.b, q.n);
    tcp_seg(&v, 0, 400, PG_ACK | PG_PSH, seg, q.n + 2);
    FIELD_IS(t, "dns.qry.name", "d.example");
    CU_ASSERT_EQUAL(th_finish(t), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 2);
    REC_IS(t, 0, "query", "a.example");
    REC_IS(t, 1, "query", "d.example");
    th_free(t);
}

/* ---- real captures --------------------------------------------------------------------------- */

static struct th *capture(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", th_captures_dir(), name);
    struct th *t = start(NULL);
    CU_ASSERT_EQUAL(th_file(t, path), 0);
    return t;
}

static void test_capture_udp(void)
{
    struct th *t = capture("dns-udp-basic.pcap");           /* its last frame: the answer */
    FIELD_IS(t, "dns.id", "0x5934");
    FIELD_IS(t, "dns.flags", "0x8500");
    FIELD_IS(t, "dns.qry.name", "www.tcpdump.org");
    FIELD_IS(t, "dns.count.answers", "2");
    FIELD_IS(t, "dns.a", "192.139.46.66,198.199.88.104,209.87.249.18,97.107.133.15");
    FIELD_IS(t, "dns.aaaa", "2607:f0b0:f::babe:f00d,2600:3c03::f03c:91ff:fe96:e8ef");
    FIELD_IS(t, "dns.ns", "sns.cooperix.net,nic.sandelman.ca");
    FIELD_IS(t, "dns.response_to", "1");
    FIELD_IS(t, "dns.time", "0.130282000");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Standard query response 0x5934 A www.tcpdump.org A 192.139.46.66 "
                           "A 198.199.88.104 NS sns.cooperix.net NS nic.sandelman.ca A 209.87.249.18 AAAA "
                           "2607:f0b0:f::babe:f00d A 97.107.133.15 AAAA 2600:3c03::f03c:91ff:fe96:e8ef OPT");
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 1);
    REC_IS(t, 0, "answers", "192.139.46.66,198.199.88.104");
    REC_IS(t, 0, "Z", "2");                                  /* the query's AD bit */
    th_free(t);
}

/* ipv6-frag-dns.pcap against Zeek's baseline (core.ipv6-frag/dns.log) and tshark. */
static void test_capture_zeek_baseline(void)
{
    struct th *t = capture("ipv6-frag-dns.pcap");
    FIELD_IS(t, "dns.response_to", "5");                     /* tshark: the later query */
    FIELD_IS(t, "dns.time", "0.083189000");
    FIELD_IS(t, "dns.txt.length", "33,21,189,189,189,189,189,189,189,189,189,189,189,189,189,189,189,192");
    CU_ASSERT_EQUAL(th_finish(t), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dns"), 3);
    REC_IS(t, 0, "trans_id", "3903");
    REC_IS(t, 0, "rtt", "0.079300000");
    REC_IS(t, 0, "query", "txtpadding_323.n1.netalyzr.icsi.berkeley.edu");
    REC_IS(t, 0, "qtype_name", "TXT");
    REC_IS(t, 0, "AA", "1");
    REC_IS(t, 0, "RD", "1");
    REC_IS(t, 0, "RA", "0");
    REC_IS(t, 0, "TTLs", "1.000000000");
    const char *ans = trawl_test_record_value(t, "dns", 0, "answers");
    CU_ASSERT_EQUAL(strncmp(ans, "TXT 33 This TXT record should be ignored TXT 21 As it is just padding TXT 136 XXX", 80), 0);
    REC_IS(t, 1, "trans_id", "40849");
    REC_IS(t, 1, "rtt", "5.084025000");                      /* Zeek: the first query */
    REC_IS(t, 1, "id.orig_h", "2001:470:1f11:81f:d138:5f55:6d4:1fe2");
    REC_IS(t, 1, "id.resp_p", "53");
    REC_IS(t, 2, "trans_id", "40849");                       /* the other, unanswered */
    REC_IS(t, 2, "rtt", "");
    REC_IS(t, 2, "rcode", "");
    REC_IS(t, 2, "AA", "0");
    REC_IS(t, 2, "RD", "1");
    REC_IS(t, 2, "first_frame", "5");
    th_free(t);
}

static void test_capture_hostile(void)
{
    /* 10518 questions whose names point into one run of labels thousands long (more values than
     * the harness keeps: read through the command line). */
    char args[1024];
    snprintf(args, sizeof args, "-r '%s/malformed-dns-forward-pointer.pcap' -T fields -e dns.qry.name -e dns.qry.type",
             th_captures_dir());
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    size_t names = 0, types = 0;
    const char *tab = r.out ? strchr(r.out, '\t') : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(tab);
    for (const char *p = r.out; p < tab; p += 15) {
        if (strncmp(p, "<Name too long>", 15)) break;
        names++;
        if (p[15] == ',') p++;
    }
    size_t n507 = 0, at1530 = 0;
    for (const char *p = tab + 1; *p && *p != '\n'; p++) {
        types++;
        if (!strncmp(p, "507", 3) && (p[3] == ',' || p[3] == '\n')) n507++;
        if (!strncmp(p, "1530,", 5)) at1530 = types;
        while (*p && *p != ',' && *p != '\n') p++;
        if (*p != ',') break;
    }
    CU_ASSERT_EQUAL(n507, 10517);
    CU_ASSERT_EQUAL(at1530, 7961);                          /* one name ran into other bytes, as in tshark */
    CU_ASSERT_EQUAL(types, 10518);
    run_free(&r);
    struct th *t;
    /* Answers in first IP fragments, cut: what fits is shown (the last frame). */
    t = capture("dns-malformed-many.pcap");
    FIELD_IS(t, "dns.id", "0x4541");
    FIELD_IS(t, "dns.qry.name", "HQ01WEF001.DIR.AD.DLA.MIL");
    FIELD_IS(t, "dns.resp.name", "DLA.MIL");
    FIELD_IS(t, "dns.resp.type", "6");
    FIELD_IS(t, "dns.soa.mname", "eagleib1.AD.DLA.MIL");
    th_free(t);
}

void test_dns_register(void);
void test_dns_register(void)
{
    CU_pSuite s = CU_add_suite("dns", NULL, NULL);
    CU_add_test(s, "record types: MX SOA SRV TXT CAA HTTPS DS DNSKEY RRSIG NSEC NSEC3 PTR CNAME NS AAAA SPF HINFO", test_rr_types);
    CU_add_test(s, "OPT: client subnet, cookie, extended error", test_opt);
    CU_add_test(s, "names: loops, forward pointers, past the end, 0x80, escapes, root, 253/254", test_names);
    CU_add_test(s, "cut and lying lengths, zero counts", test_truncated_and_malformed);
    CU_add_test(s, "mDNS, LLMNR and the UDP heuristic", test_mdns_llmnr_heuristic);
    CU_add_test(s, "pairing: tshark's fields and Zeek's records over UDP", test_pairing_udp);
    CU_add_test(s, "records: dns.max_pending", test_pending_cap);
    CU_add_test(s, "records: one ID, two names", test_pairing_by_question);
    CU_add_test(s, "records: multicast messages", test_multicast_records);
    CU_add_test(s, "TCP: split, joined, several per segment", test_tcp);
    CU_add_test(s, "TCP: a gap", test_tcp_gap);
    CU_add_test(s, "capture: dns-udp-basic", test_capture_udp);
    CU_add_test(s, "capture: ipv6-frag-dns against Zeek's baseline", test_capture_zeek_baseline);
    CU_add_test(s, "captures: hostile and cut", test_capture_hostile);
}
