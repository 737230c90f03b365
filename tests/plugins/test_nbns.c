/* test_nbns.c — the nbns plugin (suite "nbns"): NetBIOS names as tshark shows them, NB and
 * NBSTAT records, the info column, names tshark calls illegal, and cut messages.
 *
 * The shared captures hold no NBNS, so the messages are built here; the expected values are
 * what tshark 4.0 prints for the same bytes (`-T fields -e nbns.*` on a capture of them, checked
 * when these tests were written), its quirks included: 'Z' 'Z' decodes to 0x99, a name of
 * spaces keeps them, RFC 1002's node statistics are read as 42 bytes, not 46. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "../harness.h"
#include "../pktgen.h"

#define FIELD_IS(t, f, v) CU_ASSERT_STRING_EQUAL(th_field(t, f), v)

/* ---- building messages --------------------------------------------------------------------- */

struct msg { uint8_t b[1024]; size_t n; };

static void put(struct msg *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }
static void u8(struct msg *m, uint8_t v) { m->b[m->n++] = v; }
static void u16(struct msg *m, uint16_t v) { pg_put16(m->b + m->n, v); m->n += 2; }
static void u32(struct msg *m, uint32_t v) { pg_put32(m->b + m->n, v); m->n += 4; }

static void header(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
    m->n = 0;
    u16(m, id); u16(m, flags); u16(m, qd); u16(m, an); u16(m, ns); u16(m, ar);
}

/* A NetBIOS name in first-level encoding (padded with spaces, then the type), then a scope. */
static void nbname(struct msg *m, const char *name, uint8_t type, const char *scope)
{
    uint8_t raw[16];
    memset(raw, ' ', 15);
    memcpy(raw, name, strlen(name) < 15 ? strlen(name) : 15);
    raw[15] = type;
    u8(m, 32);
    for (int i = 0; i < 16; i++) { u8(m, (uint8_t)('A' + (raw[i] >> 4))); u8(m, (uint8_t)('A' + (raw[i] & 15))); }
    while (scope && *scope) {
        const char *dot = strchr(scope, '.');
        size_t l = dot ? (size_t)(dot - scope) : strlen(scope);
        u8(m, (uint8_t)l);
        put(m, scope, l);
        scope += l + (dot ? 1 : 0);
    }
    u8(m, 0);
}

static void rr_head(struct msg *m, uint16_t type, uint32_t ttl, uint16_t len)
{
    u16(m, type); u16(m, 1); u32(m, ttl); u16(m, len);
}

static uint8_t frame_buf[2048];

static void send_msg(struct th *t, const struct msg *m, uint32_t cut)
{
    struct pg_ep c = pg_v4(192, 168, 1, 10, 137), s = pg_v4(192, 168, 1, 255, 137);
    size_t len = pg_ipv4(frame_buf, 17, &c, &s, 0, 0, 0, 0, m->b, m->n);
    uint32_t cap = cut ? (uint32_t)(len - m->n + cut) : (uint32_t)len;
    CU_ASSERT_EQUAL(th_bytes(t, 1, frame_buf, cap, (uint32_t)len), 0);
}

static struct th *start(void)
{
    struct th *t = th_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

/* ---- tests ------------------------------------------------------------------------------------ */

static void test_query_and_answer(void)
{
    struct th *t = start();
    struct msg m;
    header(&m, 0x8a01, 0x0110, 1, 0, 0, 0);
    nbname(&m, "WORKGROUP", 0x1d, NULL);
    u16(&m, 32); u16(&m, 1);
    send_msg(t, &m, 0);
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:nbns");
    FIELD_IS(t, "nbns.id", "0x8a01");
    FIELD_IS(t, "nbns.flags", "0x0110");
    FIELD_IS(t, "nbns.flags.response", "0");
    FIELD_IS(t, "nbns.flags.opcode", "0");
    FIELD_IS(t, "nbns.flags.broadcast", "1");
    FIELD_IS(t, "nbns.flags.rcode", "");            /* requests have no reply code */
    FIELD_IS(t, "nbns.flags.authoritative", "");
    FIELD_IS(t, "nbns.count.queries", "1");
    FIELD_IS(t, "nbns.name", "WORKGROUP<1d>");      /* questions: no meaning of the type */
    FIELD_IS(t, "nbns.type", "32");
    FIELD_IS(t, "nbns.class", "1");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Name query NB WORKGROUP<1d>");
    CU_ASSERT_STRING_EQUAL(th_protocol(t), "NBNS");

    header(&m, 0x8a01, 0x8500, 0, 1, 0, 0);
    nbname(&m, "WORKGROUP", 0x1d, NULL);
    rr_head(&m, 32, 300000, 6);
    u16(&m, 0x6000); put(&m, "\xc0\xa8\x01\x05", 4);
    send_msg(t, &m, 0);
    FIELD_IS(t, "nbns.flags.response", "1");
    FIELD_IS(t, "nbns.flags.authoritative", "1");
    FIELD_IS(t, "nbns.flags.recavail", "0");
    FIELD_IS(t, "nbns.flags.rcode", "0");
    FIELD_IS(t, "nbns.name", "WORKGROUP<1d> (Local Master Browser)");
    FIELD_IS(t, "nbns.ttl", "300000");
    FIELD_IS(t, "nbns.data_length", "6");
    FIELD_IS(t, "nbns.nb_flags", "0x6000");
    FIELD_IS(t, "nbns.nb_flags.group", "0");
    FIELD_IS(t, "nbns.nb_flags.ont", "3");
    FIELD_IS(t, "nbns.addr", "192.168.1.5");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Name query response NB 192.168.1.5");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    trawl_test_free(t);
}

static void test_registration_scope_pointer(void)
{
    struct th *t = start();
    struct msg m;
    header(&m, 0x8a02, 0x2910, 1, 0, 0, 1);
    nbname(&m, "HOST-A", 0x20, "corp.example");
    u16(&m, 32); u16(&m, 1);
    put(&m, "\xc0\x0c", 2);                         /* the additional record points back */
    rr_head(&m, 32, 300000, 6);
    u16(&m, 0); put(&m, "\x0a\x00\x00\x07", 4);
    send_msg(t, &m, 0);
    FIELD_IS(t, "nbns.flags.opcode", "5");
    FIELD_IS(t, "nbns.count.add_rr", "1");
    FIELD_IS(t, "nbns.name", "HOST-A<20>.corp.example,HOST-A<20>.corp.example (Server service)");
    FIELD_IS(t, "nbns.addr", "10.0.0.7");
    /* Requests show their questions only. */
    CU_ASSERT_STRING_EQUAL(th_info(t), "Registration NB HOST-A<20>.corp.example");
    trawl_test_free(t);
}

static void test_nbstat(void)
{
    struct th *t = start();
    struct msg m;
    static const uint8_t star[16] = { '*' };
    header(&m, 1, 0x0000, 1, 0, 0, 0);
    u8(&m, 32);
    for (int i = 0; i < 16; i++) { u8(&m, (uint8_t)('A' + (star[i] >> 4))); u8(&m, (uint8_t)('A' + (star[i] & 15))); }
    u8(&m, 0);
    u16(&m, 33); u16(&m, 1);
    size_t qlen = m.n;
    send_msg(t, &m, 0);
    FIELD_IS(t, "nbns.name", "*<00><00><00><00><00><00><00><00><00><00><00><00><00><00><00>");
    FIELD_IS(t, "nbns.type", "33");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Name query NBSTAT *<00><00><00><00><00><00><00><00><00><00><00><00><00><00><00>");

    /* The node status: three names, then the adapter's statistics (46 bytes). */
    struct msg r;
    header(&r, 1, 0x8400, 0, 1, 0, 0);
    put(&r, m.b + 12, qlen - 12 - 4);
    rr_head(&r, 33, 0, 1 + 3 * 18 + 46);
    u8(&r, 3);
    static const struct { const char *n; uint8_t type; uint16_t fl; } names[] = {
        { "HOST-A", 0x00, 0x0400 }, { "WORKGROUP", 0x00, 0x8400 }, { "HOST-A", 0x20, 0x0400 },
    };
    for (int i = 0; i < 3; i++) {
        uint8_t raw[16];
        memset(raw, ' ', 15);
        memcpy(raw, names[i].n, strlen(names[i].n));
        raw[15] = names[i].type;
        put(&r, raw, 16);
        u16(&r, names[i].fl);
    }
    put(&r, "\x00\x11\x22\x33\x44\x55", 6);
    u8(&r, 0x01); u8(&r, 0x02); u16(&r, 0x0300); u16(&r, 0x0040);
    for (int i = 0; i < 4; i++) u16(&r, (uint16_t)(i + 1));
    u32(&r, 100000); u32(&r, 200000);
    for (int i = 0; i < 7; i++) u16(&r, (uint16_t)(10 + i));
    u32(&r, 0);       /* RFC 1002 has two more command-block counts: tshark leaves them out */
    send_msg(t, &r, 0);
    FIELD_IS(t, "nbns.data_length", "101");
    FIELD_IS(t, "nbns.number_of_names", "3");
    FIELD_IS(t, "nbns.netbios_name", "HOST-A,WORKGROUP,HOST-A");
    FIELD_IS(t, "nbns.name_flags", "0x0400,0x8400,0x0400");
    FIELD_IS(t, "nbns.name_flags.group", "0,1,0");
    FIELD_IS(t, "nbns.name_flags.act", "1,1,1");
    FIELD_IS(t, "nbns.unit_id", "00:11:22:33:44:55");
    FIELD_IS(t, "nbns.jumpers", "0x01");
    FIELD_IS(t, "nbns.test_result", "0x02");
    FIELD_IS(t, "nbns.version_number", "0x0300");
    FIELD_IS(t, "nbns.period_of_statistics", "0x0040");
    FIELD_IS(t, "nbns.num_crcs", "1");
    FIELD_IS(t, "nbns.num_send_aborts", "4");
    FIELD_IS(t, "nbns.num_good_sends", "100000");
    FIELD_IS(t, "nbns.num_good_receives", "200000");
    FIELD_IS(t, "nbns.numretransmits", "10");
    FIELD_IS(t, "nbns.session_data_packet_size", "16");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Name query response NBSTAT");
    CU_ASSERT_EQUAL(th_errors(t), 0);

    /* A node status cut after its count: what was there, and malformed. */
    header(&r, 2, 0x8400, 0, 1, 0, 0);
    nbname(&r, "HOSTB", 0x20, NULL);
    rr_head(&r, 33, 0, 1);
    u8(&r, 0);
    send_msg(t, &r, 0);
    FIELD_IS(t, "nbns.name", "HOSTB<20>");         /* no meaning shown outside NB records */
    FIELD_IS(t, "nbns.number_of_names", "0");
    FIELD_IS(t, "nbns.unit_id", "");
    CU_ASSERT(th_layer_errors(t, "nbns") != 0);
    trawl_test_free(t);
}

static void test_answers_of_every_kind(void)
{
    struct th *t = start();
    struct msg m;
    static const struct { uint8_t type; const char *want; } types[] = {
        { 0x00, "NAME<00> (Workstation/Redirector)" }, { 0x99, "NAME<99> (Unknown)" },
        { 0x1c, "NAME<1c> (Domain Controllers)" }, { 0x03, "NAME<03> (Messenger service/Main name)" },
        { 0x1b, "NAME<1b> (Domain Master Browser)" }, { 0x01, "NAME<01> (Browser)" },
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        header(&m, 1, 0x8500, 0, 1, 0, 0);
        nbname(&m, "NAME", types[i].type, NULL);
        rr_head(&m, 32, 1, 6);
        u16(&m, 0); put(&m, "\x01\x02\x03\x04", 4);
        send_msg(t, &m, 0);
        FIELD_IS(t, "nbns.name", types[i].want);
    }
    /* Two addresses in one NB record (a group). */
    header(&m, 0x8a04, 0x8500, 0, 1, 0, 0);
    nbname(&m, "GRP", 0x1c, NULL);
    rr_head(&m, 32, 300, 12);
    u16(&m, 0x8000); put(&m, "\x0a\x00\x00\x01", 4);
    u16(&m, 0xe000); put(&m, "\x0a\x00\x00\x02", 4);
    send_msg(t, &m, 0);
    FIELD_IS(t, "nbns.nb_flags", "0x8000,0xe000");
    FIELD_IS(t, "nbns.nb_flags.group", "1,1");
    FIELD_IS(t, "nbns.nb_flags.ont", "0,3");
    FIELD_IS(t, "nbns.addr", "10.0.0.1,10.0.0.2");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Name query response NB 10.0.0.1");
    /* A negative answer: the reply code in the info column. */
    header(&m, 0x8a03, 0x8503, 0, 1, 0, 0);
    nbname(&m, "NOSUCH", 0x20, NULL);
    rr_head(&m, 32, 0, 0);
    send_msg(t, &m, 0);
    FIELD_IS(t, "nbns.flags.rcode", "3");
    FIELD_IS(t, "nbns.name", "NOSUCH<20> (Server service)");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Name query response, Requested name does not exist");
    /* Other record types: their data as bytes. */
    header(&m, 5, 0x8500, 0, 3, 0, 0);
    nbname(&m, "X", 0x20, NULL);
    rr_head(&m, 10, 1, 2); put(&m, "ab", 2);
    put(&m, "\xc0\x0c", 2); rr_head(&m, 1, 5, 4); put(&m, "\x09\x09\x09\x09", 4);
    put(&m, "\xc0\x0c", 2); rr_head(&m, 2, 5, 2); put(&m, "\xc0\x0c", 2);
    send_msg(t, &m, 0);
    FIELD_IS(t, "nbns.name", "X<20>,X<20>,X<20>");
    FIELD_IS(t, "nbns.type", "10,1,2");
    FIELD_IS(t, "nbns.data", "6162,09090909,c00c");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Name query response Unknown Unknown Unknown");
    trawl_test_free(t);
}

/* Names tshark cannot decode, each shown in tshark's words; the message goes on after them. */
static void test_illegal_names(void)
{
    struct th *t = start();
    struct msg m;
    static const struct { const char *enc; size_t n; const char *want; } cases[] = {
        { "\x05" "ABCDE\x00", 7, "Illegal NetBIOS name (odd number of bytes)" },
        { "\x04" "EBEC\x00", 6, "Illegal NetBIOS name (2 bytes long)" },
        { "\x00", 1, "Illegal NetBIOS name (1st character not between A and Z in first-level encoding)" },
        { "\xc0\x0c", 2, "Illegal NetBIOS name (1st character not between A and Z in first-level encoding)" },
        { "\x02" "A1\x00", 4, "Illegal NetBIOS name (2nd character not between A and Z in first-level encoding)" },
        { "\x20" "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ\x00", 34, "<99><99><99><99><99><99><99><99><99><99><99><99><99><99><99><99>" },
        { "\x22" "EBEBEBEBEBEBEBEBEBEBEBEBEBEBEBEBEB\x00", 36, "AAAAAAAAAAAAAAA<41>" },
        { "\x20" "EBEBEBEBEBEBEBEBEBEBEBEBEBEBEBAP\x04" "corp\x00", 39, "AAAAAAAAAAAAAAA<0f>.corp" },
        { "\x20" "CACACACACACACACACACACACACACACACA\x00", 34, "               <20>" },
        { "\x20" "CACBCACACACACACACACACACACACACACA\x00", 34, " !<20>" },
        { "\x20" "GMGPHHGFHCABHICACACACACACACACACA\x00", 34, "lower<01>x<20>" },
        { "\x20" "EBEBEBEBEBEBEBEBEBEBEBEBEBEBEBAP\x45" "EB", 36,
          "Illegal NetBIOS name (1st character not between A and Z in first-level encoding)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        header(&m, (uint16_t)i, 0x0110, 1, 0, 0, 0);
        put(&m, cases[i].enc, cases[i].n);
        u16(&m, 32); u16(&m, 1);
        send_msg(t, &m, 0);
        CU_ASSERT_STRING_EQUAL(th_field(t, "nbns.name"), cases[i].want);
        if (strcmp(th_field(t, "nbns.name"), cases[i].want))
            fprintf(stderr, "case %zu: %s\n", i, th_field(t, "nbns.name"));
        if (i != 11) FIELD_IS(t, "nbns.type", "32");
    }
    trawl_test_free(t);
}

/* Every cut of a message with every kind of record: no crash, no read past the end (ASan), and
 * a cut message is flagged, never a whole one. */
static void test_cut_everywhere(void)
{
    struct th *t = start();
    struct msg m;
    header(&m, 0x1234, 0x8500, 1, 2, 0, 1);
    nbname(&m, "HOST", 0x20, "a.b");
    u16(&m, 32); u16(&m, 1);
    put(&m, "\xc0\x0c", 2); rr_head(&m, 32, 1, 6); u16(&m, 0); put(&m, "\x01\x02\x03\x04", 4);
    put(&m, "\xc0\x0c", 2); rr_head(&m, 33, 0, 1 + 18 + 46); u8(&m, 1);
    put(&m, "HOST           \x20", 16); u16(&m, 0x0400);
    for (int i = 0; i < 46; i++) u8(&m, (uint8_t)i);
    put(&m, "\xc0\x0c", 2); rr_head(&m, 10, 0, 3); put(&m, "xyz", 3);
    for (uint32_t cut = 1; cut < m.n; cut++) {
        send_msg(t, &m, cut);
        CU_ASSERT(th_layer_errors(t, "nbns") != 0 || cut < 1);
    }
    send_msg(t, &m, 0);
    CU_ASSERT_EQUAL(th_layer_errors(t, "nbns"), 0);
    FIELD_IS(t, "nbns.addr", "1.2.3.4");
    FIELD_IS(t, "nbns.netbios_name", "HOST");
    FIELD_IS(t, "nbns.data", "78797a");
    /* A pointer loop inside an answer and counts that lie: bounded, flagged. */
    header(&m, 1, 0x8500, 0, 60000, 0, 0);
    put(&m, "\xc0\x0c", 2); rr_head(&m, 32, 0, 0);
    send_msg(t, &m, 0);
    CU_ASSERT(th_layer_errors(t, "nbns") != 0);
    trawl_test_free(t);
}

void test_nbns_register(void)
{
    CU_pSuite s = CU_add_suite("nbns", NULL, NULL);
    CU_add_test(s, "query and answer", test_query_and_answer);
    CU_add_test(s, "registration with a scope and a pointer", test_registration_scope_pointer);
    CU_add_test(s, "node status (NBSTAT)", test_nbstat);
    CU_add_test(s, "answers of every kind", test_answers_of_every_kind);
    CU_add_test(s, "names tshark calls illegal", test_illegal_names);
    CU_add_test(s, "cut everywhere", test_cut_everywhere);
}
