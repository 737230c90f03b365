/* test_conn.c — the conn plugin and the Zeek view of flows behind it (suite "conn").
 *
 * Generated exchanges (Ethernet/IPv4/TCP, UDP, ICMP built here) for every Zeek conn_state,
 * with the exact history Zeek writes for them; roles Zeek flips (a connection picked up from
 * its server's side, a SYN arriving after its SYN-ACK, UDP answered first); counted letters;
 * sizes from sequence numbers; gaps. Then the Zeek baselines in ../shared/captures/oracle/zeek
 * end to end, every flow of each.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

#define T0 1700000000000000000LL          /* 2023-11-14T22:13:20Z */
#define MS 1000000LL

/* ---- a small packet builder -------------------------------------------------------------- */

struct host { uint8_t ip[4]; uint16_t port; uint8_t mac; };
static const struct host CLI = { { 10, 0, 0, 1 }, 40000, 1 };
static const struct host SRV = { { 93, 184, 216, 34 }, 80, 2 };

struct conv {
    struct trawl_test *t;
    int64_t ts;
    struct host a, b;               /* a: the client, b: the server */
};

static struct conv conv_new(const struct host *a, const struct host *b)
{
    struct conv c = { th_new(), T0, *a, *b };
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.t);
    return c;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) s += (uint32_t)(p[n - 1] << 8);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* Ethernet + IPv4 around an L4 header of hlen bytes and plen payload bytes (filled with 'x'). */
static void send_ip(struct conv *c, bool from_b, uint8_t proto, const uint8_t *l4, size_t hlen, size_t plen)
{
    static uint8_t pkt[2048];
    const struct host *s = from_b ? &c->b : &c->a, *d = from_b ? &c->a : &c->b;
    memset(pkt, 0, 34);
    pkt[5] = d->mac;
    pkt[11] = s->mac;
    pkt[12] = 0x08;
    uint8_t *ip = pkt + 14;
    size_t tot = 20 + hlen + plen;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, s->ip, 4);
    memcpy(ip + 16, d->ip, 4);
    uint16_t ck = csum(ip, 20);
    ip[10] = (uint8_t)(ck >> 8);
    ip[11] = (uint8_t)ck;
    memcpy(ip + 20, l4, hlen);
    memset(ip + 20 + hlen, 'x', plen);
    trawl_test_set_time(c->t, c->ts);
    c->ts += MS;
    CU_ASSERT_EQUAL(th_bytes(c->t, 1, pkt, (uint32_t)(14 + tot), 0), 0);
}

/* flags: letters of "SAFRP" (SYN, ACK, FIN, RST, PSH). */
static void tcp(struct conv *c, bool from_b, const char *flags, uint32_t seq, uint32_t ack,
                uint16_t win, size_t len)
{
    const struct host *s = from_b ? &c->b : &c->a, *d = from_b ? &c->a : &c->b;
    uint8_t h[20] = { 0 };
    h[0] = (uint8_t)(s->port >> 8); h[1] = (uint8_t)s->port;
    h[2] = (uint8_t)(d->port >> 8); h[3] = (uint8_t)d->port;
    uint32_t ns = htonl(seq), na = htonl(ack);
    memcpy(h + 4, &ns, 4);
    memcpy(h + 8, &na, 4);
    h[12] = 0x50;
    uint8_t fl = 0;
    for (const char *f = flags; *f; f++)
        fl |= *f == 'F' ? 0x01 : *f == 'S' ? 0x02 : *f == 'R' ? 0x04 : *f == 'P' ? 0x08 : *f == 'A' ? 0x10 : 0;
    h[13] = fl;
    h[14] = (uint8_t)(win >> 8);
    h[15] = (uint8_t)win;
    send_ip(c, from_b, 6, h, 20, len);
}

static void udp(struct conv *c, bool from_b, size_t len)
{
    const struct host *s = from_b ? &c->b : &c->a, *d = from_b ? &c->a : &c->b;
    uint8_t h[8] = { (uint8_t)(s->port >> 8), (uint8_t)s->port, (uint8_t)(d->port >> 8), (uint8_t)d->port,
                     (uint8_t)((len + 8) >> 8), (uint8_t)(len + 8), 0, 0 };
    send_ip(c, from_b, 17, h, 8, len);
}

static void icmp(struct conv *c, bool from_b, uint8_t type, size_t len)
{
    uint8_t h[8] = { type, 0, 0, 0, 0x12, 0x34, 0, 1 };
    send_ip(c, from_b, 1, h, 8, len);
}

/* The first conn record's column ("" when unset), after the end of input when not yet ended. */
static const char *col(struct conv *c, const char *name)
{
    if (!trawl_test_record_count(c->t, "conn")) trawl_test_finish(c->t);
    return trawl_test_record_value(c->t, "conn", 0, name);
}

#define A false
#define B true
static void expect(struct conv *c, const char *name, const char *want, int line)
{
    const char *got = col(c, name);
    if (strcmp(got, want)) fprintf(stderr, "\ntest_conn.c:%d: %s is \"%s\", want \"%s\"\n", line, name, got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
}
#define EXPECT(c, name, want) expect(c, name, want, __LINE__)

/* The client's handshake with a server that answers (ISNs 1000 and 5000). */
static void handshake(struct conv *c)
{
    tcp(c, A, "S", 1000, 0, 64240, 0);
    tcp(c, B, "SA", 5000, 1001, 65160, 0);
    tcp(c, A, "A", 1001, 5001, 502, 0);
}

static void state_is(struct conv *c, const char *state, const char *history)
{
    expect(c, "conn_state", state, __LINE__);
    expect(c, "history", history, __LINE__);
    CU_ASSERT_EQUAL(trawl_test_record_count(c->t, "conn"), 1);
}

/* ---- every conn_state -------------------------------------------------------------------- */

static void test_s0(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    tcp(&c, A, "S", 1000, 0, 64240, 0);
    c.ts += 999 * MS;
    tcp(&c, A, "S", 1000, 0, 64240, 0);        /* retransmitted SYN: no new letter */
    state_is(&c, "S0", "S");
    EXPECT(&c, "duration", "1.000000000");
    EXPECT(&c, "orig_bytes", "0");
    EXPECT(&c, "resp_bytes", "0");
    EXPECT(&c, "orig_pkts", "2");
    EXPECT(&c, "orig_ip_bytes", "80");
    EXPECT(&c, "resp_pkts", "0");
    EXPECT(&c, "resp_ip_bytes", "0");
    th_free(c.t);
}

/* One packet: Zeek leaves duration and both byte counts unset. */
static void test_s0_one_packet(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    tcp(&c, A, "S", 1000, 0, 64240, 0);
    state_is(&c, "S0", "S");
    EXPECT(&c, "duration", "");
    EXPECT(&c, "orig_bytes", "");
    EXPECT(&c, "resp_bytes", "");
    EXPECT(&c, "missed_bytes", "0");
    th_free(c.t);
}

static void test_sf(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    handshake(&c);
    tcp(&c, A, "PA", 1001, 5001, 502, 100);
    tcp(&c, B, "A", 5001, 1101, 501, 0);
    tcp(&c, B, "PA", 5001, 1101, 501, 200);
    tcp(&c, A, "A", 1101, 5201, 501, 0);
    tcp(&c, A, "FA", 1101, 5201, 501, 0);
    tcp(&c, B, "FA", 5201, 1102, 501, 0);
    c.ts += 50 * MS;
    tcp(&c, A, "A", 1102, 5202, 501, 0);       /* after both FINs: not in the duration */
    state_is(&c, "SF", "ShADadFf");
    EXPECT(&c, "orig_bytes", "100");
    EXPECT(&c, "resp_bytes", "200");
    EXPECT(&c, "duration", "0.008000000");
    EXPECT(&c, "orig_pkts", "6");
    EXPECT(&c, "orig_ip_bytes", "340");
    EXPECT(&c, "resp_pkts", "4");
    EXPECT(&c, "resp_ip_bytes", "360");
    EXPECT(&c, "missed_bytes", "0");
    EXPECT(&c, "proto", "tcp");
    EXPECT(&c, "id.orig_h", "10.0.0.1");
    EXPECT(&c, "id.orig_p", "40000");
    EXPECT(&c, "id.resp_h", "93.184.216.34");
    EXPECT(&c, "id.resp_p", "80");
    EXPECT(&c, "local_orig", "1");
    EXPECT(&c, "local_resp", "0");
    EXPECT(&c, "ip_proto", "6");
    EXPECT(&c, "first_frame", "1");
    EXPECT(&c, "last_frame", "10");
    EXPECT(&c, "service", "");
    EXPECT(&c, "tunnel_parents", "");
    EXPECT(&c, "vlan", "");
    EXPECT(&c, "ts", "Nov 14, 2023 22:13:20.000000000 UTC");
    CU_ASSERT_EQUAL(strlen(col(&c, "uid")), 18);
    CU_ASSERT_EQUAL(col(&c, "uid")[0], 'C');
    CU_ASSERT_EQUAL(strncmp(col(&c, "community_id"), "1:", 2), 0);
    th_free(c.t);
}

static void test_s1(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    handshake(&c);
    tcp(&c, A, "PA", 1001, 5001, 502, 10);
    tcp(&c, B, "PA", 5001, 1011, 501, 20);
    state_is(&c, "S1", "ShADd");
    EXPECT(&c, "orig_bytes", "10");
    EXPECT(&c, "resp_bytes", "20");
    th_free(c.t);
}

static void test_rej(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    tcp(&c, A, "S", 1000, 0, 64240, 0);
    tcp(&c, B, "RA", 0, 1001, 0, 0);
    state_is(&c, "REJ", "Sr");
    EXPECT(&c, "orig_bytes", "0");
    EXPECT(&c, "resp_bytes", "0");
    th_free(c.t);
}

static void test_s2(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    handshake(&c);
    tcp(&c, A, "FA", 1001, 5001, 502, 0);
    state_is(&c, "S2", "ShAF");
    th_free(c.t);
}

static void test_s3(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    handshake(&c);
    tcp(&c, B, "FA", 5001, 1001, 501, 0);
    state_is(&c, "S3", "ShAf");
    th_free(c.t);
}

static void test_rsto(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    handshake(&c);
    tcp(&c, A, "PA", 1001, 5001, 502, 5);
    tcp(&c, A, "RA", 1006, 5001, 0, 0);
    state_is(&c, "RSTO", "ShADR");
    EXPECT(&c, "orig_bytes", "5");
    th_free(c.t);
}

static void test_rstr(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    handshake(&c);
    tcp(&c, B, "R", 5001, 0, 0, 0);
    state_is(&c, "RSTR", "ShAr");
    th_free(c.t);
}

static void test_rstos0(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    tcp(&c, A, "S", 1000, 0, 64240, 0);
    tcp(&c, A, "R", 1001, 0, 0, 0);
    state_is(&c, "RSTOS0", "SR");
    th_free(c.t);
}

/* The server's SYN-ACK and RST only: picked up from port 80, so it is the responder. */
static void test_rstrh(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    tcp(&c, B, "SA", 5000, 1001, 65160, 0);
    tcp(&c, B, "R", 5001, 0, 0, 0);
    state_is(&c, "RSTRH", "^hr");
    EXPECT(&c, "id.orig_h", "10.0.0.1");
    EXPECT(&c, "id.resp_p", "80");
    EXPECT(&c, "orig_pkts", "0");
    EXPECT(&c, "resp_pkts", "2");
    th_free(c.t);
}

static void test_sh(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    tcp(&c, A, "S", 1000, 0, 64240, 0);
    tcp(&c, A, "F", 1001, 0, 64240, 0);
    state_is(&c, "SH", "SF");
    th_free(c.t);
}

static void test_shr(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    tcp(&c, B, "SA", 5000, 1001, 65160, 0);
    tcp(&c, B, "FA", 5001, 1001, 65160, 0);
    state_is(&c, "SHR", "^hf");
    th_free(c.t);
}

/* Midstream, from the client: partial on both sides. */
static void test_oth(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    tcp(&c, A, "PA", 7000, 9000, 502, 100);
    tcp(&c, B, "A", 9000, 7100, 501, 0);
    state_is(&c, "OTH", "Da");
    EXPECT(&c, "orig_bytes", "100");
    EXPECT(&c, "resp_bytes", "0");
    EXPECT(&c, "id.orig_p", "40000");
    th_free(c.t);
}

/* ---- roles ------------------------------------------------------------------------------- */

/* Midstream from the server's port: Zeek turns it around at once ("^" first). */
static void test_flip_partial(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    tcp(&c, B, "PA", 9000, 7000, 501, 300);
    tcp(&c, A, "A", 7000, 9300, 502, 0);
    state_is(&c, "OTH", "^dA");
    EXPECT(&c, "id.orig_h", "10.0.0.1");
    EXPECT(&c, "id.orig_p", "40000");
    EXPECT(&c, "id.resp_h", "93.184.216.34");
    EXPECT(&c, "id.resp_p", "80");
    EXPECT(&c, "orig_bytes", "0");
    EXPECT(&c, "resp_bytes", "300");
    EXPECT(&c, "orig_pkts", "1");
    EXPECT(&c, "resp_pkts", "1");
    th_free(c.t);
}

/* Both ports ordinary: the SYN-ACK's sender starts as originator, the SYN that follows flips
 * the roles ("Hs^"), and the connection completes normally. */
static void test_flip_syn_after_synack(void)
{
    struct host srv = SRV;
    srv.port = 5555;
    struct conv c = conv_new(&CLI, &srv);
    tcp(&c, B, "SA", 5000, 1001, 65160, 0);
    tcp(&c, A, "S", 1000, 0, 64240, 0);
    tcp(&c, A, "A", 1001, 5001, 502, 0);
    tcp(&c, A, "PA", 1001, 5001, 502, 30);
    tcp(&c, B, "A", 5001, 1031, 501, 0);
    tcp(&c, B, "PA", 5001, 1031, 501, 40);
    tcp(&c, A, "FA", 1031, 5041, 501, 0);
    tcp(&c, B, "FA", 5041, 1032, 501, 0);
    state_is(&c, "SF", "Hs^ADadFf");
    EXPECT(&c, "id.orig_h", "10.0.0.1");
    EXPECT(&c, "id.resp_p", "5555");
    EXPECT(&c, "orig_bytes", "30");
    EXPECT(&c, "resp_bytes", "40");
    EXPECT(&c, "orig_pkts", "4");
    EXPECT(&c, "resp_pkts", "4");
    th_free(c.t);
}

/* The same order towards port 80: flipped when it starts, the late SYN is the originator's. */
static void test_flip_synack_first_port80(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    tcp(&c, B, "SA", 5000, 1001, 65160, 0);
    tcp(&c, A, "S", 1000, 0, 64240, 0);
    tcp(&c, A, "A", 1001, 5001, 502, 0);
    tcp(&c, A, "FA", 1001, 5001, 502, 0);
    tcp(&c, B, "FA", 5001, 1002, 501, 0);
    state_is(&c, "SF", "^hSAFf");
    EXPECT(&c, "id.orig_p", "40000");
    th_free(c.t);
}

/* ---- letters ----------------------------------------------------------------------------- */

/* T, W (and their 10th), Q, I; a FIN again at another sequence number; C never (no checksum
 * check here). */
static void test_counted_letters(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    handshake(&c);
    tcp(&c, A, "PA", 1001, 5001, 502, 10);
    for (int i = 0; i < 10; i++) tcp(&c, A, "PA", 1001, 5001, 502, 10);   /* 10 retransmissions */
    for (int i = 0; i < 10; i++) tcp(&c, B, "A", 5001, 1011, 0, 0);       /* 10 zero windows */
    state_is(&c, "S1", "ShADTTaww");
    EXPECT(&c, "orig_bytes", "10");
    th_free(c.t);

    c = conv_new(&CLI, &SRV);
    tcp(&c, A, "SF", 1000, 0, 64240, 0);
    tcp(&c, A, "SF", 1000, 0, 64240, 0);
    tcp(&c, B, "RFA", 5000, 1002, 0, 0);
    EXPECT(&c, "history", "Qi");
    th_free(c.t);

    /* FIN, then more data and a FIN further on: F again (Zeek letters a FIN per new sequence). */
    c = conv_new(&CLI, &SRV);
    handshake(&c);
    tcp(&c, A, "FA", 1001, 5001, 502, 0);
    tcp(&c, A, "FA", 1001, 5001, 502, 0);      /* the same FIN again: no letter */
    tcp(&c, A, "FPA", 1001, 5001, 502, 4);     /* a FIN after 4 more bytes: a new one */
    EXPECT(&c, "history", "ShAFF");
    th_free(c.t);
}

/* A hole the server's ack reveals: G, and missed_bytes; sizes count it (sequence space). */
static void test_gap(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    handshake(&c);
    tcp(&c, A, "PA", 1001, 5001, 502, 100);
    tcp(&c, A, "PA", 1201, 5001, 502, 100);    /* 1101..1200 never captured */
    tcp(&c, B, "A", 5001, 1301, 501, 0);
    state_is(&c, "S1", "ShADaG");
    EXPECT(&c, "missed_bytes", "100");
    EXPECT(&c, "orig_bytes", "300");
    th_free(c.t);

    /* Partial connections report no gaps (Zeek's rule: their starts are unseen). */
    c = conv_new(&CLI, &SRV);
    tcp(&c, A, "PA", 1001, 5001, 502, 100);
    tcp(&c, A, "PA", 1201, 5001, 502, 100);
    tcp(&c, B, "A", 5001, 1301, 501, 0);
    state_is(&c, "OTH", "Da");
    EXPECT(&c, "missed_bytes", "0");
    th_free(c.t);
}

/* ---- UDP and ICMP ------------------------------------------------------------------------ */

static void test_udp(void)
{
    struct host dns = SRV;
    dns.port = 53;
    struct conv c = conv_new(&CLI, &dns);
    udp(&c, A, 20);
    state_is(&c, "S0", "D");
    EXPECT(&c, "proto", "udp");
    EXPECT(&c, "orig_bytes", "");               /* one packet: unset */
    EXPECT(&c, "orig_pkts", "1");
    EXPECT(&c, "orig_ip_bytes", "48");
    th_free(c.t);

    c = conv_new(&CLI, &dns);
    udp(&c, A, 20);
    udp(&c, B, 50);
    udp(&c, A, 0);                              /* an empty datagram still counts */
    state_is(&c, "SF", "Dd");
    EXPECT(&c, "orig_bytes", "20");
    EXPECT(&c, "resp_bytes", "50");
    EXPECT(&c, "duration", "0.002000000");
    EXPECT(&c, "orig_pkts", "2");
    EXPECT(&c, "resp_pkts", "1");
    EXPECT(&c, "resp_ip_bytes", "78");
    EXPECT(&c, "ip_proto", "17");
    th_free(c.t);

    /* The answer first, from port 53: the asker is still the originator. */
    c = conv_new(&CLI, &dns);
    udp(&c, B, 50);
    udp(&c, A, 20);
    state_is(&c, "SF", "^dD");
    EXPECT(&c, "id.orig_p", "40000");
    EXPECT(&c, "id.resp_p", "53");
    EXPECT(&c, "orig_bytes", "20");
    EXPECT(&c, "resp_bytes", "50");
    th_free(c.t);

    /* Only the server spoke (no likely port on the other side to flip for: 53 to 53). */
    struct host cli = CLI;
    cli.port = 53;
    c = conv_new(&cli, &dns);
    udp(&c, B, 10);
    state_is(&c, "S0", "D");
    EXPECT(&c, "id.orig_h", "93.184.216.34");
    th_free(c.t);
}

static void test_icmp_echo(void)
{
    struct conv c = conv_new(&CLI, &SRV);
    icmp(&c, A, 8, 56);
    icmp(&c, B, 0, 56);
    icmp(&c, A, 8, 56);
    icmp(&c, B, 0, 56);
    state_is(&c, "OTH", "");
    EXPECT(&c, "proto", "icmp");
    EXPECT(&c, "id.orig_p", "8");
    EXPECT(&c, "id.resp_p", "0");
    EXPECT(&c, "orig_bytes", "112");
    EXPECT(&c, "resp_bytes", "112");
    EXPECT(&c, "orig_pkts", "2");
    EXPECT(&c, "resp_pkts", "2");
    EXPECT(&c, "orig_ip_bytes", "168");
    EXPECT(&c, "ip_proto", "1");
    th_free(c.t);

    /* A timestamp request: the responder's "port" is the reply type, 14. */
    c = conv_new(&CLI, &SRV);
    icmp(&c, A, 13, 12);
    EXPECT(&c, "id.orig_p", "13");
    EXPECT(&c, "id.resp_p", "14");
    th_free(c.t);
}

static void test_local_nets_option(void)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    const char *opts[] = { "conn.local_nets=none", NULL };
    struct conv c = { trawl_test_new_opts(dirs, NULL, opts), T0, CLI, SRV };
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.t);
    handshake(&c);
    EXPECT(&c, "local_orig", "");
    EXPECT(&c, "local_resp", "");
    th_free(c.t);
    const char *bad[] = { "conn.local_nets=everything", NULL };
    struct trawl_test *t = trawl_test_new_opts(dirs, NULL, bad);
    /* The plugin refuses the value; the run goes on without conn records. */
    if (t) {
        struct conv d = { t, T0, CLI, SRV };
        handshake(&d);
        trawl_test_finish(t);
        CU_ASSERT_EQUAL(trawl_test_record_count(t, "conn"), 0);
        th_free(t);
    }
}

/* ---- the Zeek baselines ------------------------------------------------------------------- */

/* Columns compared with Zeek's (uid and ts are masked in the baselines). Booleans: Zeek's T/F. */
static const char *const compared[] = {
    "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "duration", "orig_bytes",
    "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history", "orig_pkts",
    "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "ip_proto", "community_id", NULL,
};

/* Our value of a column as Zeek prints it. */
static void zeek_form(const char *name, const char *v, char *out, size_t cap)
{
    if (!*v) snprintf(out, cap, "-");
    else if (!strcmp(name, "local_orig") || !strcmp(name, "local_resp")) snprintf(out, cap, "%s", *v == '1' ? "T" : "F");
    else if (!strcmp(name, "duration")) snprintf(out, cap, "%.6f", atof(v));
    else snprintf(out, cap, "%s", v);
}

static int split(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line; n < max; ) {
        f[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) break;
        *tab = 0;
        p = tab + 1;
    }
    return n;
}

/* Every row of a baseline (a conn.log, or a zeek-cut of one: "#fields" or the test's cut
 * columns) against the conn record of the same 5-tuple. Returns rows matched. */
static unsigned check_baseline(const char *capture, const char *baseline, const char *const *cut_cols)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", th_captures_dir(), capture);
    struct trawl_test *t = th_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    trawl_test_file(t, path);
    trawl_test_finish(t);
    unsigned nrec = trawl_test_record_count(t, "conn"), matched = 0;
    snprintf(path, sizeof path, "%s/oracle/zeek/%s/%s", th_captures_dir(), capture, baseline);
    FILE *fp = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    char line[4096], hdr[4096] = "";
    char *names[64];
    int nnames = 0;
    if (cut_cols)
        for (; cut_cols[nnames]; nnames++) names[nnames] = (char *)cut_cols[nnames];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!strncmp(line, "#fields\t", 8)) { snprintf(hdr, sizeof hdr, "%s", line + 8); nnames = split(hdr, names, 64); continue; }
        if (line[0] == '#' || !line[0]) continue;
        char *v[64];
        int nv = split(line, v, 64);
        CU_ASSERT_EQUAL(nv, nnames);
        /* Our record with the same endpoints. */
        int rec = -1;
        for (unsigned i = 0; i < nrec && rec < 0; i++) {
            bool same = true;
            for (int k = 0; k < nv && same; k++)
                if (!strncmp(names[k], "id.", 3) && strcmp(trawl_test_record_value(t, "conn", i, names[k]), v[k]))
                    same = false;
            if (same) rec = (int)i;
        }
        CU_ASSERT(rec >= 0);
        if (rec < 0) { fprintf(stderr, "\n%s: no conn record for: %s\n", capture, line); continue; }
        bool all = true;
        for (int k = 0; k < nv; k++) {
            bool cmp = false;
            for (const char *const *c = compared; *c; c++) cmp |= !strcmp(*c, names[k]);
            /* service only where we have its dissector (it named the flow) and Zeek had its
             * analyzer (a "-" from a bare-mode baseline, zeek -b, says nothing). */
            if (!strcmp(names[k], "service") && *trawl_test_record_value(t, "conn", (unsigned)rec, "service") &&
                strcmp(v[k], "-"))
                cmp = true;
            if (!cmp) continue;
            char ours[256];
            zeek_form(names[k], trawl_test_record_value(t, "conn", (unsigned)rec, names[k]), ours, sizeof ours);
            if (strcmp(ours, v[k])) {
                fprintf(stderr, "\n%s: %s is %s, Zeek's %s\n", capture, names[k], ours, v[k]);
                all = false;
            }
            CU_ASSERT_STRING_EQUAL(ours, v[k]);
        }
        matched += all;
    }
    fclose(fp);
    th_free(t);
    return matched;
}

static void test_baseline_pcapng_dns(void)
{
    CU_ASSERT_EQUAL(check_baseline("pcapng-multi-if-tsresol-dns.pcapng", "core.pcapng-pktsrc/conn.log", NULL), 3);
}

static void test_baseline_handshake_reorder(void)
{
    static const char *const cols[] = { "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
                                        "service", "community_id", NULL };
    CU_ASSERT_EQUAL(check_baseline("tcp-handshake-reorder-http.pcap",
                                   "scripts.policy.protocols.conn.community-id-logging-flipped/conn.log.cut",
                                   cols), 1);
}

/* zeek-cut -m of vlan columns (header line, value line): our vlan and inner_vlan (Zeek's
 * id.ctx.* columns belong to its vlan conn key, which trawl's flow key has no column for). */
static void test_baseline_qinq(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/oracle/zeek/qinq-http-get.pcap/scripts.base.protocols.vlan.vlan-0-qinq/conn.log.cut",
             th_captures_dir());
    FILE *fp = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    char line[512], hdr[512] = "", val[512] = "";
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#') continue;
        if (!hdr[0]) snprintf(hdr, sizeof hdr, "%s", line);
        else snprintf(val, sizeof val, "%s", line);
    }
    fclose(fp);
    char *names[8], *vals[8];
    int nn = split(hdr, names, 8), nv = split(val, vals, 8);
    CU_ASSERT_EQUAL_FATAL(nn, nv);
    snprintf(path, sizeof path, "%s/qinq-http-get.pcap", th_captures_dir());
    struct trawl_test *t = th_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    trawl_test_file(t, path);
    trawl_test_finish(t);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "conn"), 1);
    int compared_cols = 0;
    for (int k = 0; k < nn; k++) {
        if (strcmp(names[k], "vlan") && strcmp(names[k], "inner_vlan")) continue;
        CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "conn", 0, names[k]), vals[k]);
        compared_cols++;
    }
    CU_ASSERT_EQUAL(compared_cols, 2);
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "conn", 0, "history"), "ShADadFf");
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "conn", 0, "conn_state"), "SF");
    /* trawl's evidence: the file as given, the first and last frame (the last ACK is frame 14) */
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "conn", 0, "file"), path);
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "conn", 0, "first_frame"), "1");
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "conn", 0, "last_frame"), "14");
    th_free(t);
}

void test_conn_register(void);
void test_conn_register(void)
{
    CU_pSuite s = CU_add_suite("conn", NULL, NULL);
    CU_add_test(s, "S0: SYN and its retransmission", test_s0);
    CU_add_test(s, "S0: one packet leaves duration and bytes unset", test_s0_one_packet);
    CU_add_test(s, "SF: handshake, data, FINs; duration stops at the second FIN", test_sf);
    CU_add_test(s, "S1: established, not closed", test_s1);
    CU_add_test(s, "REJ: SYN answered by RST", test_rej);
    CU_add_test(s, "S2: originator's FIN only", test_s2);
    CU_add_test(s, "S3: responder's FIN only", test_s3);
    CU_add_test(s, "RSTO: originator aborts", test_rsto);
    CU_add_test(s, "RSTR: responder aborts", test_rstr);
    CU_add_test(s, "RSTOS0: SYN then RST", test_rstos0);
    CU_add_test(s, "RSTRH: SYN-ACK then RST", test_rstrh);
    CU_add_test(s, "SH: SYN then FIN", test_sh);
    CU_add_test(s, "SHR: SYN-ACK then FIN", test_shr);
    CU_add_test(s, "OTH: midstream", test_oth);
    CU_add_test(s, "flip: midstream from the server's port", test_flip_partial);
    CU_add_test(s, "flip: SYN after its SYN-ACK (Hs^)", test_flip_syn_after_synack);
    CU_add_test(s, "flip: SYN-ACK first from port 80 (^h)", test_flip_synack_first_port80);
    CU_add_test(s, "letters: T and W at 1 and 10, Q, I, F again", test_counted_letters);
    CU_add_test(s, "gaps: G and missed_bytes when clean only", test_gap);
    CU_add_test(s, "UDP: one-way, two-way, answered first", test_udp);
    CU_add_test(s, "ICMP: echo request and reply in one conn", test_icmp_echo);
    CU_add_test(s, "conn.local_nets option", test_local_nets_option);
    CU_add_test(s, "Zeek baseline: pcapng DNS conn.log", test_baseline_pcapng_dns);
    CU_add_test(s, "Zeek baseline: handshake reorder (flipped, community id)", test_baseline_handshake_reorder);
    CU_add_test(s, "Zeek baseline: QinQ with VLAN 0 (vlan, inner_vlan)", test_baseline_qinq);
}
