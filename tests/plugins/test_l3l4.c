/* test_l3l4.c — network and transport dissectors: ipv4, ipv6, icmp, icmpv6, tcp, udp.
 *
 * Real frames come from ../shared/captures (named per test, expected values from the tshark
 * oracle tables or tshark 4.0 on the same bytes). Hand-made frames (built with a small script,
 * then run through tshark 4.0 to learn what it prints) cover what the captures lack: IP
 * options, bad header and total lengths, TCP data offsets and option lengths, UDP lengths,
 * extension header chains running past the end, tunnels and ICMP errors quoting TCP. Each
 * dissector also gets truncated input (caplen < len: fields before the cut stay, TRUNCATED)
 * and malformed input (a length pointing past the end: MALFORMED, fields before it kept).
 *
 * Where we deliberately differ from tshark the test says so: we verify the IPv4 header
 * checksum (tshark 4.0 does not by default), we flag IHL < 5, bad option lengths and UDP
 * lengths as MALFORMED (tshark only adds an expert item), sequence numbers are raw.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

void test_l3l4_register(void);

/* ---- fixture ------------------------------------------------------------------------------
 * T: the harness engine (fields, layers, flags). C: a second engine whose "text" sink (to
 * /dev/null) makes the dissectors fill the columns; its packet callback keeps them, and the
 * layers with their flags and errors: "ip:icmp:ip[quoted]:udp[quoted,malformed]". */

static struct th *T;
static struct trawl_engine *C;
static FILE *devnull;
static char col_src[256], col_dst[256], col_info[512], col_proto[64], col_layers[512];

static void on_cols(void *user, const struct trawl_packet *pkt)
{
    (void)user;
    snprintf(col_src, sizeof col_src, "%s", trawl_packet_col(pkt, TRAWL_COL_SRC));
    snprintf(col_dst, sizeof col_dst, "%s", trawl_packet_col(pkt, TRAWL_COL_DST));
    snprintf(col_info, sizeof col_info, "%s", trawl_packet_col(pkt, TRAWL_COL_INFO));
    snprintf(col_proto, sizeof col_proto, "%s", trawl_packet_protocol(pkt));
    size_t n, at = 0;
    const struct trawl_layer *l = trawl_packet_layers(pkt, &n);
    col_layers[0] = 0;
    for (size_t i = 0; i < n && at < sizeof col_layers; i++) {
        if (!l[i].proto || !strcmp(l[i].proto->name, "frame")) continue;
        const char *q = l[i].flags & TRAWL_LAYER_QUOTED ? "quoted" : "";
        const char *e = l[i].err & TRAWL_BUF_MALFORMED ? "malformed" :
                        l[i].err & TRAWL_BUF_TRUNCATED ? "truncated" : "";
        at += (size_t)snprintf(col_layers + at, sizeof col_layers - at, "%s%s", at ? ":" : "",
                               l[i].proto->name);
        if (*q || *e)
            at += (size_t)snprintf(col_layers + at, sizeof col_layers - at, "[%s%s%s]", q,
                                   *q && *e ? "," : "", e);
    }
}

static int suite_init(void)
{
    T = th_new();
    if (!T) return -1;
    struct trawl_engine_options o = { .size = sizeof o, .log_level = TRAWL_LOG_ERROR };
    C = trawl_engine_new(&o);
    devnull = fopen("/dev/null", "w");
    if (!C || !devnull || trawl_engine_load_dir(C, th_plugin_dir()) < 0 || trawl_engine_start(C) < 0)
        return -1;
    if (!trawl_engine_add_sink(C, "text", devnull, NULL))
        fprintf(stderr, "test_l3l4: no text sink: column checks will fail\n");
    trawl_engine_on_packet(C, on_cols, NULL);
    return 0;
}

static int suite_clean(void)
{
    th_free(T);
    T = NULL;
    if (C) trawl_engine_free(C);
    C = NULL;
    if (devnull) fclose(devnull);
    devnull = NULL;
    return 0;
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *h && n < cap; h++) {
        int d;
        if (*h >= '0' && *h <= '9') d = *h - '0';
        else if (*h >= 'a' && *h <= 'f') d = *h - 'a' + 10;
        else if (*h >= 'A' && *h <= 'F') d = *h - 'A' + 10;
        else continue;
        if (hi < 0) hi = d;
        else { out[n++] = (uint8_t)(hi << 4 | d); hi = -1; }
    }
    return n;
}

/* Dissect hex with the first caplen bytes captured (0: all) of len on the wire (0: = caplen). */
static void feed(int linktype, const char *hex, uint32_t caplen, uint32_t len)
{
    static uint8_t buf[4096];
    uint32_t n = (uint32_t)unhex(hex, buf, sizeof buf);
    if (caplen == 0 || caplen > n) caplen = n;
    if (len == 0) len = caplen;
    CU_ASSERT_EQUAL(th_bytes(T, linktype, buf, caplen, len), 0);
    col_src[0] = col_dst[0] = col_info[0] = col_proto[0] = col_layers[0] = 0;
    struct trawl_frame f = { .number = 1, .ts_ns = 1700000000123456789LL, .caplen = caplen,
                             .len = len, .linktype = linktype, .ts_precision = 9 };
    trawl_engine_feed(C, &f, buf);
}

#define FIELD_IS(name, want) do { \
        const char *got_ = th_field(T, name); \
        CU_ASSERT_STRING_EQUAL(got_, want); \
        if (strcmp(got_, want)) fprintf(stderr, "\n  %s: want \"%s\" got \"%s\"", name, want, got_); \
    } while (0)
#define ABSENT(name) do { \
        CU_ASSERT_EQUAL(th_count(T, name), 0); \
        if (th_count(T, name)) fprintf(stderr, "\n  %s: want absent, got \"%s\"", name, th_field(T, name)); \
    } while (0)
#define PRESENT(name) CU_ASSERT_NOT_EQUAL(th_count(T, name), 0)
#define ERRORS_ARE(want) do { \
        CU_ASSERT_EQUAL(th_errors(T), want); \
        if (th_errors(T) != (unsigned)(want)) fprintf(stderr, "\n  errors: want %u got %u (%s)", \
                                                      (unsigned)(want), th_errors(T), th_layers(T)); \
    } while (0)
#define LAYERS_ARE(want) do { \
        CU_ASSERT_STRING_EQUAL(th_layers(T), want); \
        if (strcmp(th_layers(T), want)) fprintf(stderr, "\n  layers: want %s got %s", want, th_layers(T)); \
    } while (0)
#define COL_IS(buf, want) do { \
        CU_ASSERT_STRING_EQUAL(buf, want); \
        if (strcmp(buf, want)) fprintf(stderr, "\n  column: want \"%s\" got \"%s\"", want, buf); \
    } while (0)
#define INFO_IS(want) COL_IS(col_info, want)
/* The layers with their flags and errors (see on_cols): the start of them, as a payload's
 * dissectors may add more. */
#define LAYER_FLAGS_START(want) do { \
        CU_ASSERT_EQUAL(strncmp(col_layers, want, strlen(want)), 0); \
        if (strncmp(col_layers, want, strlen(want))) \
            fprintf(stderr, "\n  layer flags: want %s... got %s", want, col_layers); \
    } while (0)

enum { LT_ETH = 1, LT_SLL = 113, LT_IPV4 = 228, LT_IPV6 = 229 };
enum { TRUNC = TRAWL_BUF_TRUNCATED, MALF = TRAWL_BUF_MALFORMED };

/* ---- IPv4 + TCP ------------------------------------------------------------------------------ */

/* tcp-flags-http.pcap #1: SYN with MSS, SACK_PERM, timestamps, NOP, window scale. */
static const char *SYN_74 =
    "00000000000000000000000008004500003c1b684000400621527f0000017f000001da7000503758897e00000000"
    "a0027fff142100000204400c0402080a4ddc92160000000001030302";

static void test_ipv4_tcp_syn(void)
{
    feed(LT_ETH, SYN_74, 0, 0);
    FIELD_IS("ip.version", "4");
    FIELD_IS("ip.hdr_len", "20");
    FIELD_IS("ip.dsfield", "0x00");
    FIELD_IS("ip.len", "60");
    FIELD_IS("ip.id", "0x1b68");
    FIELD_IS("ip.flags", "0x02");
    FIELD_IS("ip.flags.df", "1");
    FIELD_IS("ip.flags.mf", "0");
    FIELD_IS("ip.frag_offset", "0");
    FIELD_IS("ip.ttl", "64");
    FIELD_IS("ip.proto", "6");
    FIELD_IS("ip.checksum", "0x2152");
    FIELD_IS("ip.checksum.status", "1");      /* verified (tshark 4.0 says 2, unverified) */
    FIELD_IS("ip.src", "127.0.0.1");
    FIELD_IS("ip.addr", "127.0.0.1,127.0.0.1");
    FIELD_IS("tcp.srcport", "55920");
    FIELD_IS("tcp.dstport", "80");
    FIELD_IS("tcp.port", "55920,80");
    FIELD_IS("tcp.seq_raw", "928549246");
    FIELD_IS("tcp.ack_raw", "0");
    FIELD_IS("tcp.seq", "0");                  /* relative to the SYN */
    FIELD_IS("tcp.stream", "0");
    FIELD_IS("tcp.hdr_len", "40");
    FIELD_IS("tcp.flags", "0x0002");
    FIELD_IS("tcp.flags.syn", "1");
    FIELD_IS("tcp.flags.ack", "0");
    FIELD_IS("tcp.flags.str", "\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7S\xc2\xb7");
    FIELD_IS("tcp.window_size_value", "32767");
    FIELD_IS("tcp.checksum", "0x1421");
    FIELD_IS("tcp.len", "0");
    FIELD_IS("tcp.option_kind", "2,4,8,1,3");
    FIELD_IS("tcp.option_len", "4,2,10,3");
    FIELD_IS("tcp.options.mss_val", "16396");
    FIELD_IS("tcp.options.wscale.shift", "2");
    FIELD_IS("tcp.options.wscale.multiplier", "4");
    FIELD_IS("tcp.options.sack_perm", "0402");
    FIELD_IS("tcp.options.timestamp.tsval", "1306300950");
    FIELD_IS("tcp.options.timestamp.tsecr", "0");
    LAYERS_ARE("eth:ip:tcp");
    ERRORS_ARE(0);
    COL_IS(col_src, "127.0.0.1");
    COL_IS(col_dst, "127.0.0.1");
    INFO_IS("55920 \xe2\x86\x92 80 [SYN] Seq=928549246 Win=32767 Len=0 MSS=16396 SACK_PERM "
            "TSval=1306300950 TSecr=0 WS=4");
}

/* The same SYN cut by a snaplen in the options (tcp-truncated-snaplen68.pcap has the kind):
 * fields before the cut stay, TRUNCATED, nothing malformed. */
static void test_tcp_truncated(void)
{
    feed(LT_ETH, SYN_74, 14 + 20 + 26, 74);
    FIELD_IS("ip.len", "60");
    FIELD_IS("tcp.srcport", "55920");
    FIELD_IS("tcp.flags", "0x0002");
    FIELD_IS("tcp.len", "0");                   /* from the IP length, not the snaplen */
    FIELD_IS("tcp.options.mss_val", "16396");
    FIELD_IS("tcp.option_kind", "2,4");        /* the timestamp option is cut */
    ABSENT("tcp.options.timestamp.tsval");
    ERRORS_ARE(TRUNC);
    CU_ASSERT_EQUAL(th_layer_errors(T, "tcp"), TRUNC);
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), 0);

    /* tcp-truncated-snaplen68.pcap #1 as captured. */
    feed(LT_ETH, "eaf61c2d9fd2800b983bb9ec08004500003c38e0400033060ce2c9ba9d4380031af9ed9b00193e17"
                 "75de00000000a0c216d090d60000020405b404020808000000010000", 0, 74);
    FIELD_IS("tcp.flags", "0x00c2");
    FIELD_IS("tcp.flags.cwr", "1");
    FIELD_IS("tcp.flags.ece", "1");
    FIELD_IS("tcp.options.mss_val", "1460");
    FIELD_IS("tcp.len", "0");
    ERRORS_ARE(TRUNC);
    INFO_IS("60827 \xe2\x86\x92 25 [SYN, ECE, CWR] Seq=1041724894 Win=5840 Len=0 MSS=1460 SACK_PERM[Packet size limited during capture]");

    /* Cut inside the fixed header: only what tshark shows (the ports). */
    feed(LT_ETH, SYN_74, 14 + 20 + 10, 74);
    FIELD_IS("tcp.srcport", "55920");
    ABSENT("tcp.seq_raw");
    ABSENT("tcp.flags");
    ERRORS_ARE(TRUNC);
}

/* malformed-tcp-header-short-snaplen.pcap: 12 bytes of TCP captured out of a 262144-byte
 * frame: tshark shows the ports and nothing else. */
static void test_tcp_short_snaplen_capture(void)
{
    feed(LT_ETH, "30303030303030303030303008004530303030300000300630303030303030303030303030303030"
                 "303030303030", 0, 262144);
    FIELD_IS("ip.src", "48.48.48.48");
    FIELD_IS("ip.len", "12336");
    FIELD_IS("ip.id", "0x3030");
    FIELD_IS("tcp.srcport", "12336");
    FIELD_IS("tcp.dstport", "12336");
    ABSENT("tcp.seq_raw");
    ABSENT("tcp.flags");
    CU_ASSERT(th_errors(T) & TRUNC);
    INFO_IS("12336 \xe2\x86\x92 12336[Packet size limited during capture]");
}

/* tcp-fast-open.pcap #3: SYN-ACK with a TFO cookie in experimental option 254 (ExID 0xF989). */
static void test_tcp_fast_open(void)
{
    feed(LT_ETH, "1c7ee54ca1ccb0750c00000208004500003400020000ff06a3aa030303030909090932fe32f7f087"
                 "33f50d05af658012057810b20000fe0af9890909090900000101", 0, 0);
    FIELD_IS("tcp.flags", "0x0012");
    FIELD_IS("tcp.option_kind", "254,1,1");
    FIELD_IS("tcp.options.tfo.cookie", "090909090000");
    FIELD_IS("tcp.options", "fe0af9890909090900000101");
    ERRORS_ARE(0);
    INFO_IS("13054 \xe2\x86\x92 13047 [SYN, ACK] Seq=4035392501 Ack=218476389 Win=1400 Len=0 TFO=C");
}

/* Hand-made TCP: data offset below 5 and past the segment, bad option lengths, SACK blocks,
 * the AE and reserved bits, a TFO cookie request (kind 34) and the urgent pointer. */
static void test_tcp_malformed(void)
{
    /* Data offset 3 (12 bytes): tshark shows tcp.len 8, seq_raw, hdr_len, and stops. */
    feed(LT_IPV4, "4500002800010000400666cd0a0000010a00000200010002000003e8000000003002ffffabcd0000", 0, 0);
    FIELD_IS("tcp.srcport", "1");
    FIELD_IS("tcp.seq_raw", "1000");
    FIELD_IS("tcp.hdr_len", "12");
    FIELD_IS("tcp.len", "8");
    ABSENT("tcp.ack_raw");
    ABSENT("tcp.flags");
    PRESENT("tcp.bogus_header_length");
    ERRORS_ARE(MALF);
    INFO_IS("1 \xe2\x86\x92 2 [SYN] Seq=1000 Win=65535, bogus TCP header length (12, must be at least 20)[Malformed Packet]");

    /* Data offset 15 (60 bytes) in a 20-byte segment: header fields, no tcp.len, MALFORMED. */
    feed(LT_IPV4, "4500002800010000400666cd0a0000010a00000200010002000003e800000000f002ffffabcd0000", 0, 0);
    FIELD_IS("tcp.hdr_len", "60");
    FIELD_IS("tcp.flags", "0x0002");
    FIELD_IS("tcp.window_size_value", "65535");
    ABSENT("tcp.len");
    ERRORS_ARE(MALF);

    /* Option lengths 0, 1 and past the header: MSS decoded before, nothing for the bad one. */
    static const char *bad[] = {
        "4500003000010000400666c50a0000010a00000200010002000003e8000000007002ffffabcd0000020405b408000000",
        "4500003000010000400666c50a0000010a00000200010002000003e8000000007002ffffabcd0000020405b403010000",
    };
    for (unsigned i = 0; i < 2; i++) {
        feed(LT_IPV4, bad[i], 0, 0);
        FIELD_IS("tcp.options.mss_val", "1460");
        FIELD_IS("tcp.option_kind", "2");
        FIELD_IS("tcp.option_len", "4");
        PRESENT("tcp.option.len.invalid");
        FIELD_IS("tcp.len", "0");
        ERRORS_ARE(MALF);
    }
    feed(LT_IPV4, "4500003000010000400666c50a0000010a00000200010002000003e8000000007002ffffabcd0000020405b401030602", 0, 0);
    FIELD_IS("tcp.option_kind", "2,1");
    ABSENT("tcp.options.wscale.shift");
    ERRORS_ARE(MALF);

    /* ACK + AE with a SACK block (raw edges). */
    feed(LT_IPV4, "4500003400010000400666c10a0000010a00000200500fa0000003e8000000058110ffffabcd0000"
                  "0101050a0000000a00000014", 0, 0);
    FIELD_IS("tcp.flags", "0x0110");
    FIELD_IS("tcp.flags.ae", "1");
    FIELD_IS("tcp.flags.ack", "1");
    FIELD_IS("tcp.options.sack.count", "1");
    FIELD_IS("tcp.options.sack_le", "10");
    FIELD_IS("tcp.options.sack_re", "20");
    ERRORS_ARE(0);
    INFO_IS("80 \xe2\x86\x92 4000 [ACK, AE] Seq=1000 Ack=5 Win=65535 Len=0 SLE=10 SRE=20");

    /* SYN + URG + the three reserved bits, TFO cookie request. */
    feed(LT_IPV4, "4500002c00010000400666c90a0000010a00000200500fa0000003e8000000006e22ffffabcd000722020101", 0, 0);
    FIELD_IS("tcp.flags", "0x0e22");
    FIELD_IS("tcp.flags.res", "1");
    FIELD_IS("tcp.flags.urg", "1");
    FIELD_IS("tcp.urgent_pointer", "7");
    FIELD_IS("tcp.flags.str", "RRR\xc2\xb7\xc2\xb7\xc2\xb7U\xc2\xb7\xc2\xb7\xc2\xb7S\xc2\xb7");
    PRESENT("tcp.options.tfo.request");
    ERRORS_ARE(0);
    INFO_IS("80 \xe2\x86\x92 4000 [SYN, URG, Reserved] Seq=1000 Win=65535 Urg=7 Len=0 TFO=R");
}

/* ---- IPv4 header ----------------------------------------------------------------------------- */

/* malformed-ipv4-invalid-hdr-length.pcap: IHL 4 (16 bytes). tshark stops after ip.hdr_len. */
static void test_ipv4_bad_ihl(void)
{
    feed(LT_ETH, "c0d68236032bf04da23d5da3080044000054f1a60000401145948cd309ce2d217f9c98b7003500406e"
                 "cb92aa01200001000000000001037777770774637064756d70036f7267000001000100002904d00000"
                 "0000000c000a00088bc0e5f53e713bbd", 0, 0);
    FIELD_IS("ip.version", "4");
    FIELD_IS("ip.hdr_len", "16");
    ABSENT("ip.src");
    ABSENT("ip.len");
    ABSENT("ip.ttl");
    PRESENT("ip.bogus_header_length");
    LAYERS_ARE("eth:ip");
    ERRORS_ARE(MALF);                           /* tshark: an expert item only */
    INFO_IS("Bogus IP header length (16, must be at least 20)[Malformed Packet]");
    COL_IS(col_src, "f0:4d:a2:3d:5d:a3");       /* no IP address: the link layer's */
}

/* Hand-made: options RR + NOP + router alert; option lengths 0, 1, past the options. */
static void test_ipv4_options(void)
{
    feed(LT_IPV4, "4900003000010000401119e80a0000010a000002070b04c0a8010100000000019404000030390035"
                  "000c123400000000", 0, 0);
    FIELD_IS("ip.hdr_len", "36");
    FIELD_IS("ip.opt.type", "7,1,148");
    FIELD_IS("ip.opt.len", "11,4");
    FIELD_IS("ip.opt.ptr", "4");
    FIELD_IS("ip.opt.addr", "192.168.1.1,0.0.0.0");
    FIELD_IS("ip.opt.ra", "0");
    FIELD_IS("ip.checksum.status", "1");
    FIELD_IS("udp.srcport", "12345");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), 0);
    ERRORS_ARE(MALF);                           /* the DNS message to port 53 only (tshark too) */

    /* A loose source route under way: ip.dst is the route's last address, ip.cur_rt the
     * header's (tshark 4.0 on the same bytes). */
    feed(LT_IPV4, "4800002c000100004011882e0a0000010a000002830b04c0a80101c0a802020030390035000c1234"
                  "00000000", 0, 0);
    FIELD_IS("ip.dst", "192.168.2.2");
    FIELD_IS("ip.cur_rt", "10.0.0.2");
    FIELD_IS("ip.addr", "10.0.0.1,192.168.2.2");
    FIELD_IS("ip.opt.type", "131,0");
    FIELD_IS("ip.opt.addr", "192.168.1.1,192.168.2.2");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), 0);
    ERRORS_ARE(MALF);                           /* the DNS message to port 53 only (tshark too) */
    COL_IS(col_dst, "192.168.2.2");

    /* Length 0: nothing for the option (as tshark), the loop stops, MALFORMED. */
    feed(LT_IPV4, "460000240001000040115ec60a0000010a0000020700000030390035000c123400000000", 0, 0);
    ABSENT("ip.opt.type");
    PRESENT("ip.opt.len.invalid");
    FIELD_IS("ip.src", "10.0.0.1");
    FIELD_IS("udp.dstport", "53");              /* the header length is still right */
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), MALF);

    /* NOP, NOP, then a timestamp option of length 1. */
    feed(LT_IPV4, "4600002400010000401120c40a0000010a0000020101440130390035000c123400000000", 0, 0);
    FIELD_IS("ip.opt.type", "1,1");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), MALF);

    /* NOP, then a timestamp option of length 12 in 3 bytes of options. */
    feed(LT_IPV4, "46000024000100004011587d0a0000010a00000201440c0530390035000c123400000000", 0, 0);
    FIELD_IS("ip.opt.type", "1");
    ABSENT("ip.opt.len");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), MALF);
}

/* Hand-made lengths: IHL past the packet, total length below the header, 0 (TSO), past the
 * packet; a bad header checksum. */
static void test_ipv4_lengths(void)
{
    /* IHL 15 (60 bytes) in a 28-byte packet claiming 60: fixed fields, then nothing. */
    feed(LT_IPV4, "4f00003c0001000040115cae0a0000010a00000230390035000c1234", 0, 0);
    FIELD_IS("ip.hdr_len", "60");
    FIELD_IS("ip.len", "60");
    FIELD_IS("ip.src", "10.0.0.1");
    FIELD_IS("ip.dst", "10.0.0.2");
    ABSENT("ip.opt.type");
    ABSENT("udp.srcport");
    LAYERS_ARE("ip");
    ERRORS_ARE(MALF);
    INFO_IS("[Malformed Packet]");

    /* Total length 12 < 20: tshark stops after ip.len. */
    feed(LT_IPV4, "4500000c00010000401166de0a0000010a00000230390035000c123400000000", 0, 0);
    FIELD_IS("ip.len", "12");
    ABSENT("ip.id");
    ABSENT("ip.src");
    PRESENT("ip.bogus_ip_length");
    ERRORS_ARE(MALF);
    INFO_IS("Bogus IP length (12, less than header length 20)[Malformed Packet]");

    /* Total length 0: TCP segmentation offload; the length we were given is used. */
    feed(LT_IPV4, "4500000000010000401166ea0a0000010a00000230390035000c123400000000", 0, 0);
    FIELD_IS("ip.len", "32");
    FIELD_IS("udp.length", "12");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip") | th_layer_errors(T, "udp"), 0);
    ERRORS_ARE(MALF);                           /* the DNS message to port 53 only (tshark too) */

    /* Total length 200 in a 32-byte packet: every field shows, MALFORMED, the payload is
     * dissected as far as it goes. */
    feed(LT_IPV4, "450000c800010000401166220a0000010a00000230390035000c123400000000", 0, 0);
    FIELD_IS("ip.len", "200");
    FIELD_IS("ip.src", "10.0.0.1");
    PRESENT("ip.bogus_ip_length");
    FIELD_IS("udp.length", "12");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), MALF);
    CU_ASSERT_EQUAL(th_layer_errors(T, "udp"), 0);

    /* A wrong header checksum is reported, not dropped. */
    feed(LT_IPV4, "4500002000010000401100000a0000010a00000230390035000c123400000000", 0, 0);
    FIELD_IS("ip.checksum", "0x0000");
    FIELD_IS("ip.checksum.status", "0");
    FIELD_IS("ip.checksum_calculated", "0x66ca");
    FIELD_IS("udp.srcport", "12345");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), 0);
    ERRORS_ARE(MALF);                           /* the DNS message to port 53 only (tshark too) */

    /* Cut inside the fixed header by the snaplen: TRUNCATED, fields before the cut. */
    feed(LT_IPV4, "4500002000010000401166ea0a0000010a00000230390035000c123400000000", 10, 32);
    FIELD_IS("ip.len", "32");
    FIELD_IS("ip.ttl", "64");
    ABSENT("ip.src");
    ERRORS_ARE(TRUNC);

    /* Cut between the identification and the flags: no flag field from a latched read. */
    feed(LT_IPV4, "4500002000010000401166ea0a0000010a00000230390035000c123400000000", 7, 32);
    FIELD_IS("ip.id", "0x0001");
    ABSENT("ip.flags");
    ABSENT("ip.frag_offset");
    ERRORS_ARE(TRUNC);

    /* Version 5 behind a raw IPv4 link type: bogus. */
    feed(LT_IPV4, "5500002000010000401166ea0a0000010a00000230390035000c123400000000", 0, 0);
    FIELD_IS("ip.version", "5");
    ABSENT("ip.src");
    PRESENT("ip.bogus_ip_version");
    ERRORS_ARE(MALF);
}

/* ipv4-frag-udp-ntp.pcap: a complete first fragment waits for reassembly (not decoded, as
 * tshark); a later fragment is data. dns-malformed-many.pcap #1: a first fragment whose total
 * length (1500) runs past the frame can never be reassembled: decoded as far as it goes. */
static void test_ipv4_fragments(void)
{
    feed(LT_ETH, "006097122f580020afba786508004500002600f2200040111af2a4017ba3a4017b3d007b0089001"
                 "2bfe2000000000000000000000000000000000000", 0, 0);
    FIELD_IS("ip.flags.mf", "1");
    FIELD_IS("ip.frag_offset", "0");
    FIELD_IS("ip.id", "0x00f2");
    ABSENT("udp.srcport");
    LAYERS_ARE("eth:ip");
    ERRORS_ARE(0);
    INFO_IS("Fragmented IP protocol (proto=UDP 17, off=0, ID=00f2)");

    feed(LT_ETH, "006097122f580020afba786508004500008800f2000640113a8aa4017ba3a4017b3d007b00890074"
                 "bf1e00000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                 "000000", 0, 0);
    FIELD_IS("ip.flags.mf", "0");
    FIELD_IS("ip.frag_offset", "6");            /* 8-byte units, as tshark 4.0 prints it */
    ABSENT("udp.srcport");
    INFO_IS("Fragmented IP protocol (proto=UDP 17, off=48, ID=00f2)");

    /* The first 64 bytes of dns-malformed-many.pcap #1 (frame length 271, IP length 1500). */
    feed(LT_ETH, "c4346bb5adc878baf96879670800450005dc3f542000e7117bd0834e51feccba50e50035cc6706b5"
                 "4aad0168859300010000000c00010b70686c3173", 0, 271);
    FIELD_IS("ip.len", "1500");
    FIELD_IS("ip.flags.mf", "1");
    FIELD_IS("udp.srcport", "53");
    FIELD_IS("udp.dstport", "52327");
    FIELD_IS("udp.length", "1717");
    ABSENT("udp.length.bad");                   /* a fragment: the length is the datagram's */
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), MALF);
    CU_ASSERT_EQUAL(th_layer_errors(T, "udp"), 0);
}

/* IP in IP (RFC 2003): both headers' values, outer first; the columns are the inner one's. */
static void test_ip_in_ip(void)
{
    feed(LT_IPV4, "4500003400010000400466c30a0000010a000002450000200001000009113079c0a80001c0a8000230"
                  "390035000c123400000000", 0, 0);
    FIELD_IS("ip.src", "10.0.0.1,192.168.0.1");
    FIELD_IS("ip.dst", "10.0.0.2,192.168.0.2");
    FIELD_IS("ip.proto", "4,17");
    FIELD_IS("ip.ttl", "64,9");
    FIELD_IS("udp.dstport", "53");
    LAYERS_ARE("ip:ip:udp:dns");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip") | th_layer_errors(T, "udp"), 0);
    ERRORS_ARE(MALF);                           /* the DNS message to port 53 only (tshark too) */
    COL_IS(col_src, "192.168.0.1");
    COL_IS(col_dst, "192.168.0.2");
}

/* ---- UDP ------------------------------------------------------------------------------------- */

/* dns-icmp-mixed.pcap #1: a DNS query. */
static void test_udp_basic(void)
{
    feed(LT_ETH, "021a11f0c83b60334b13c558080045000042d0a600004011d2a9c0a82b09c0a82b01c9dd0035002e"
                 "f268528e01000001000000000000013801380138013807696e2d61646472046172706100000c0001", 0, 0);
    FIELD_IS("udp.srcport", "51677");
    FIELD_IS("udp.dstport", "53");
    FIELD_IS("udp.port", "51677,53");
    FIELD_IS("udp.length", "46");
    FIELD_IS("udp.checksum", "0xf268");
    CU_ASSERT_EQUAL(th_count(T, "udp.payload"), 1);
    CU_ASSERT_EQUAL(th_layer_errors(T, "udp"), 0);
    COL_IS(col_src, "192.168.43.9");
    COL_IS(col_dst, "192.168.43.1");
}

/* Lengths: below 8, past the IP payload, shorter than the IP payload; a cut header. */
static void test_udp_lengths(void)
{
    feed(LT_IPV4, "4500002400010000401166c60a0000010a00000200010035000412340000000000000000", 0, 0);
    FIELD_IS("udp.length", "4");
    PRESENT("udp.length.bad");
    ABSENT("udp.payload");
    LAYERS_ARE("ip:udp");
    CU_ASSERT_EQUAL(th_layer_errors(T, "udp"), MALF);
    INFO_IS("1 \xe2\x86\x92 53 [BAD UDP LENGTH 4 < 8][Malformed Packet]");

    feed(LT_IPV4, "4500002400010000401166c60a0000010a00000200010035006412340000000000000000", 0, 0);
    FIELD_IS("udp.length", "100");
    PRESENT("udp.length.bad");
    FIELD_IS("udp.checksum", "0x1234");
    CU_ASSERT_EQUAL(th_layer_errors(T, "udp"), MALF);
    INFO_IS("Standard query 0x0000[Malformed Packet]");   /* tshark: the payload goes on to DNS */

    /* malformed-dns-compression-loop.pcap: udp.length 8 in a 43-byte IP payload. tshark
     * hands nothing on (no dns.*). */
    feed(LT_ETH, "006094eb552f00c04f6b9fe008004500003f3b890000401186780a00000192541c5804000035000882"
                 "b7ed6900000001000000000000c00cc007c010c017c020c027c030c0ffcf000000010001", 0, 0);
    FIELD_IS("udp.srcport", "1024");
    FIELD_IS("udp.length", "8");
    ABSENT("udp.length.bad");
    ABSENT("udp.payload");
    LAYERS_ARE("eth:ip:udp");
    ERRORS_ARE(0);
    INFO_IS("1024 \xe2\x86\x92 53 Len=0");

    /* malformed-udp-length-linktype-fcs-bits.pcap: 4 bytes of UDP captured. */
    feed(LT_ETH, "3030303030303030303030300800453030303030000030113030303030303030303030303030", 0, 262144);
    FIELD_IS("udp.srcport", "12336");
    FIELD_IS("udp.dstport", "12336");
    ABSENT("udp.length");
    CU_ASSERT_EQUAL(th_layer_errors(T, "udp"), TRUNC);
}

/* ---- ICMP ------------------------------------------------------------------------------------ */

/* dns-icmp-mixed.pcap #3: echo request. */
static void test_icmp_echo(void)
{
    feed(LT_ETH, "021a11f0c83b60334b13c55808004500005426ef0000400157f9c0a82b09080808080800bbb3d73b"
                 "000051a7d67d000451e408090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627"
                 "28292a2b2c2d2e2f3031323334353637", 0, 0);
    FIELD_IS("icmp.type", "8");
    FIELD_IS("icmp.code", "0");
    FIELD_IS("icmp.checksum", "0xbbb3");
    FIELD_IS("icmp.checksum.status", "1");
    FIELD_IS("icmp.ident", "55099");
    FIELD_IS("icmp.ident_le", "15319");
    FIELD_IS("icmp.seq", "0");
    FIELD_IS("icmp.seq_le", "0");
    LAYERS_ARE("eth:ip:icmp");
    ERRORS_ARE(0);
    INFO_IS("Echo (ping) request  id=0xd73b, seq=0/0, ttl=64");

    /* Hand-made, bad checksum: reported, not dropped. */
    feed(LT_IPV4, "4500002400010000400166d60a0000010a00000208000000123401027878787878787878", 0, 0);
    FIELD_IS("icmp.checksum.status", "0");
    FIELD_IS("icmp.seq", "258");
    FIELD_IS("icmp.seq_le", "513");
    INFO_IS("Echo (ping) request  id=0x1234, seq=258/513, ttl=64");

    /* Truncated: not verified. */
    feed(LT_IPV4, "4500002400010000400166d60a0000010a00000208000000123401027878787878787878", 30, 36);
    FIELD_IS("icmp.checksum.status", "2");
    FIELD_IS("icmp.ident", "4660");
    ERRORS_ARE(0);

    /* Two bytes of ICMP: tshark reads bytes 0, 1 and 5 before it shows anything. */
    feed(LT_IPV4, "4500002400010000400166d60a0000010a00000208000000123401027878787878787878", 22, 36);
    ABSENT("icmp.type");
    LAYERS_ARE("ip:icmp");
    ERRORS_ARE(TRUNC);
}

/* sll-kakaotalk-dns-tls-http.pcap #57: port unreachable quoting IP + UDP + DNS. tshark shows
 * the quoted datagram's fields after the outer ones; the columns stay the outer packet's. */
static void test_icmp_error_quoting_udp(void)
{
    feed(LT_SLL, "0004021200000000000000000000080045c0008319b80000400139710a1852bc0abcbf01030323f3"
                 "0000000045000067fdd10000351161230abcbf010a1852bc0035ee5300531327b93a818000010002000000"
                 "0009706c75732d74616c6b056b616b616f03636f6d0000010001c00c0005000100000395000a04706c7573"
                 "02676cc016c03100010001000000c90004d267f00f", 0, 0);
    FIELD_IS("ip.src", "10.24.82.188,10.188.191.1");
    FIELD_IS("ip.dst", "10.188.191.1,10.24.82.188");
    FIELD_IS("ip.proto", "1,17");
    FIELD_IS("ip.ttl", "64,53");
    FIELD_IS("ip.len", "131,103");
    FIELD_IS("ip.checksum.status", "1,2");     /* a quoted header is not verified */
    FIELD_IS("icmp.type", "3");
    FIELD_IS("icmp.code", "3");
    FIELD_IS("icmp.checksum.status", "1");
    FIELD_IS("udp.srcport", "53");
    FIELD_IS("udp.dstport", "61011");
    FIELD_IS("udp.length", "83");
    CU_ASSERT_EQUAL(strncmp(th_layers(T), "sll:ip:icmp:ip:udp", 18), 0);
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), 0);
    CU_ASSERT_EQUAL(th_layer_errors(T, "udp"), 0);
    /* The quoted layers (and whatever the quoted UDP payload brings) are flagged as such. */
    LAYER_FLAGS_START("sll:ip:icmp:ip[quoted]:udp[quoted]");
    COL_IS(col_src, "10.24.82.188");
    COL_IS(col_dst, "10.188.191.1");
    COL_IS(col_proto, "ICMP");                  /* not the quoted UDP's (nor DNS's) */
    INFO_IS("Destination unreachable (Port unreachable)");
}

/* Hand-made: time exceeded quoting IP + the first 8 bytes of TCP (the usual quote), and one
 * quoting an ICMP echo; fragmentation needed (MTU), redirect (gateway). */
static void test_icmp_error_quotes(void)
{
    feed(LT_IPV4, "4500003800010000400165c50a0000fe0a0000020b00129e00000000450000320001000040066ec20a"
                  "000002010101019c4001bb11223344", 0, 0);
    FIELD_IS("ip.src", "10.0.0.254,10.0.0.2");
    FIELD_IS("ip.len", "56,50");
    FIELD_IS("icmp.type", "11");
    FIELD_IS("tcp.srcport", "40000");
    FIELD_IS("tcp.dstport", "443");
    ABSENT("tcp.seq_raw");                      /* tshark needs 16 bytes for those */
    ABSENT("tcp.len");
    ERRORS_ARE(0);                              /* a cut quote is not an error of the packet */
    CU_ASSERT_EQUAL(th_layer_errors(T, "tcp"), MALF);   /* but the quoted TCP ran off its end */
    LAYER_FLAGS_START("ip:icmp:ip[quoted]:tcp[quoted,malformed]");
    INFO_IS("Time-to-live exceeded (Time to live exceeded in transit)");
    COL_IS(col_src, "10.0.0.254");
    COL_IS(col_proto, "ICMP");

    feed(LT_IPV4, "4500003800010000400165c50a0000fe0a0000020b00dee900000000450000240001000040016ed50a"
                  "0000020101010108000e0e00070001", 0, 0);
    FIELD_IS("icmp.type", "11,8");
    FIELD_IS("icmp.ident", "7");
    FIELD_IS("icmp.checksum.status", "1,2");
    ERRORS_ARE(0);
    LAYER_FLAGS_START("ip:icmp:ip[quoted]:icmp[quoted]");
    INFO_IS("Time-to-live exceeded (Time to live exceeded in transit)");
    COL_IS(col_proto, "ICMP");

    feed(LT_IPV4, "4500003800010000400166c20a0000010a0000020304626400000578450000300001000001119fab0a"
                  "00000208080808829a0035001c1234", 0, 0);
    FIELD_IS("icmp.mtu", "1400");
    FIELD_IS("udp.srcport", "33434");
    FIELD_IS("udp.length", "28");
    ERRORS_ARE(0);
    INFO_IS("Destination unreachable (Fragmentation needed)");

    feed(LT_IPV4, "4500003800010000400166c20a0000010a00000205015bd80a000007450000300001000001119fab0a"
                  "00000208080808829a0035001c1234", 0, 0);
    FIELD_IS("icmp.redir_gw", "10.0.0.7");
    FIELD_IS("ip.dst", "10.0.0.2,8.8.8.8");
    INFO_IS("Redirect             (Redirect for host)");
}

/* Hand-made: port unreachable quoting the IP header and only 4 bytes of UDP. The quoted UDP
 * runs off the quote's end (its own layer says so) but the packet is neither truncated nor
 * malformed, and its columns are ICMP's. */
static void test_icmp_cut_quote(void)
{
    feed(LT_IPV4, "4500003400010000400160b7080808080a00000203037a2d00000000450000300001000001119fab0a"
                  "00000208080808829a0035", 0, 0);
    FIELD_IS("ip.len", "52,48");
    FIELD_IS("icmp.checksum.status", "1");
    FIELD_IS("udp.srcport", "33434");
    FIELD_IS("udp.dstport", "53");
    ABSENT("udp.length");
    ABSENT("udp.length.bad");
    ABSENT("ip.bogus_ip_length");               /* the quoted length 48 is cut on purpose */
    LAYERS_ARE("ip:icmp:ip:udp");
    ERRORS_ARE(0);
    CU_ASSERT_EQUAL(th_layer_errors(T, "udp"), MALF);
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), 0);
    CU_ASSERT_STRING_EQUAL(col_layers, "ip:icmp:ip[quoted]:udp[quoted,malformed]");
    COL_IS(col_src, "8.8.8.8");
    COL_IS(col_dst, "10.0.0.2");
    COL_IS(col_proto, "ICMP");
    INFO_IS("Destination unreachable (Port unreachable)");

    /* The same message cut by the snaplen inside the quote: that is the packet's truncation. */
    feed(LT_IPV4, "4500003400010000400160b7080808080a00000203037a2d00000000450000300001000001119fab0a"
                  "00000208080808829a0035", 50, 52);
    FIELD_IS("icmp.checksum.status", "2");
    ABSENT("udp.dstport");
    ERRORS_ARE(0);                              /* ... not seen through the quote */
    CU_ASSERT_EQUAL(th_layer_errors(T, "udp"), TRUNC);
}

/* What the IP layers tell the next one (trawl_packet_hint): a first fragment cut short (its
 * lengths are the datagram's), carried by IPv6 (a UDP length of 0 is a jumbogram). */
static void test_ip_hints(void)
{
    /* ICMP echo in a first fragment whose total length (1000) runs past the packet: its checksum
     * (right over what is here) covers bytes we do not have: not verified. */
    feed(LT_IPV4, "450003e800012000400143120a0000010a000002080003e9123400017878787878787878", 0, 0);
    FIELD_IS("ip.flags.mf", "1");
    FIELD_IS("icmp.checksum.status", "2");
    FIELD_IS("icmp.ident", "4660");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ip"), MALF);
    CU_ASSERT_EQUAL(th_layer_errors(T, "icmp"), 0);
    INFO_IS("Echo (ping) request  id=0x1234, seq=1/256, ttl=64[Malformed Packet]");

    /* TCP in a first fragment cut by the snaplen (60 of 1500 bytes): the header, no tcp.len (the
     * segment is longer than the fragment), nothing handed on. */
    feed(LT_IPV4, "450005dc00012000400641190a0000010a0000029c4000500000000100000000501803e800000000797979"
                  "7979797979797979797979797979797979", 60, 1500);
    FIELD_IS("tcp.srcport", "40000");
    FIELD_IS("tcp.flags", "0x0018");
    FIELD_IS("tcp.window_size_value", "1000");
    ABSENT("tcp.len");
    LAYERS_ARE("ip:tcp");
    ERRORS_ARE(0);
    INFO_IS("40000 \xe2\x86\x92 80 [PSH, ACK] Seq=1 Ack=0 Win=1000");

    /* Jumbogram (RFC 2675): IPv6 payload length 0, a hop-by-hop jumbo payload option (20), UDP
     * length 0: the UDP datagram is the IP payload. */
    feed(LT_IPV6, "600000000000004020010db800000000000000000000000120010db800000000000000000000000211"
                  "00c204000000141388003500001234deadbeef", 0, 0);
    FIELD_IS("ipv6.opt.jumbo", "20");
    FIELD_IS("udp.length", "0");
    ABSENT("udp.length.bad");
    FIELD_IS("udp.payload", "deadbeef");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ipv6") | th_layer_errors(T, "udp"), 0);
    ERRORS_ARE(MALF);                           /* "deadbeef" to port 53: a cut DNS message */
    INFO_IS("Unknown operation (7) response 0xdead Unknown error (15)[Malformed Packet]");
    /* The hint is IPv6's: over IPv4 a UDP length of 0 is bad. */
    feed(LT_IPV4, "4500001c00010000401166ce0a0000010a0000021388003500001234", 0, 0);
    FIELD_IS("udp.length", "0");
    PRESENT("udp.length.bad");
    CU_ASSERT_EQUAL(th_layer_errors(T, "udp"), MALF);
}

/* ---- IPv6 ------------------------------------------------------------------------------------ */

/* ipv6-routing-header.pcap #2: a type 0 routing header with two addresses left. The DST column
 * is the final destination (the last address), as tshark shows it. */
static void test_ipv6_routing_type0(void)
{
    feed(LT_ETH, "0013c4c784f000123fae22f786dd6000000000302b05220000000000024402123ffffeae22f722000000"
                 "0000021100020000000000023a0400020000000022000000000002100002000000000004220000000000"
                 "024000020000000000048000d37b00000000", 0, 0);
    FIELD_IS("ipv6.version", "6");
    FIELD_IS("ipv6.tclass", "0x00000000");
    FIELD_IS("ipv6.flow", "0x000000");
    FIELD_IS("ipv6.plen", "48");
    FIELD_IS("ipv6.nxt", "43");
    FIELD_IS("ipv6.hlim", "5");
    FIELD_IS("ipv6.src", "2200::244:212:3fff:feae:22f7");
    FIELD_IS("ipv6.dst", "2200::211:2:0:0:2");
    FIELD_IS("ipv6.addr", "2200::244:212:3fff:feae:22f7,2200::211:2:0:0:2");
    FIELD_IS("ipv6.routing.nxt", "58");
    FIELD_IS("ipv6.routing.len", "4");
    FIELD_IS("ipv6.routing.len_oct", "40");
    FIELD_IS("ipv6.routing.type", "0");
    FIELD_IS("ipv6.routing.segleft", "2");
    FIELD_IS("ipv6.routing.src.addr", "2200::210:2:0:0:4,2200::240:2:0:0:4");
    FIELD_IS("icmpv6.type", "128");
    FIELD_IS("icmpv6.echo.identifier", "0x0000");
    LAYERS_ARE("eth:ipv6:icmpv6");
    ERRORS_ARE(0);
    COL_IS(col_dst, "2200::240:2:0:0:4");
    INFO_IS("Echo (ping) request id=0x0000, seq=0, hop limit=5");
}

/* ipv6-ext-headers-atomic-frag-http.pcap #4: destination options (PadN), an atomic fragment,
 * then TCP: dissected through. */
static void test_ipv6_dstopts_atomic_fragment(void)
{
    feed(LT_ETH, "aa0004000a0400101895316a86dd60000000001c3c4020010db8000100000000000000000002200"
                 "10db8000100000000000000000001060001040000000090570050e31ebd4e000000005002200003570000", 0, 0);
    FIELD_IS("ipv6.nxt", "60");
    FIELD_IS("ipv6.plen", "28");
    FIELD_IS("ipv6.dstopts.nxt", "6");
    FIELD_IS("ipv6.opt.type", "0x01");
    FIELD_IS("ipv6.opt.length", "4");
    FIELD_IS("ipv6.opt.padn", "00000000");
    FIELD_IS("tcp.srcport", "36951");
    FIELD_IS("tcp.dstport", "80");
    FIELD_IS("tcp.flags", "0x0002");
    FIELD_IS("tcp.len", "0");
    ERRORS_ARE(0);
}

/* Hand-made chain: hop-by-hop (router alert, PadN 0) → destination options → type 0 routing →
 * atomic fragment → UDP. */
static void test_ipv6_chain(void)
{
    feed(LT_IPV6, "60000000003c004020010db800000000000000000000000120010db80000000000000000000000023c"
                  "000502000001002b000104000000002c0200010000000020010db800000000000000000000009911000000"
                  "0000123413880035000c123400000000", 0, 0);
    FIELD_IS("ipv6.hopopts.nxt", "60");
    FIELD_IS("ipv6.opt.type", "0x05,0x01,0x01");
    FIELD_IS("ipv6.opt.router_alert", "0");
    FIELD_IS("ipv6.dstopts.nxt", "43");
    FIELD_IS("ipv6.routing.segleft", "1");
    FIELD_IS("ipv6.fraghdr.nxt", "17");
    FIELD_IS("ipv6.fraghdr.offset", "0");
    FIELD_IS("ipv6.fraghdr.more", "0");
    FIELD_IS("ipv6.fraghdr.ident", "0x00001234");
    FIELD_IS("udp.srcport", "5000");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ipv6") | th_layer_errors(T, "udp"), 0);
    ERRORS_ARE(MALF);                           /* the DNS message to port 53 only (tshark too) */
    COL_IS(col_dst, "2001:db8::99");

    /* Segment routing (type 4) and type 2: the DST column is the final destination. */
    feed(LT_IPV6, "6000000000302b4020010db800000000000000000000000120010db800000000000000000000000211"
                  "0404010100000020010db800000000000000000000000a20010db800000000000000000000000b000100"
                  "0200081234", 0, 0);
    FIELD_IS("ipv6.routing.type", "4");
    FIELD_IS("ipv6.routing.srh.last_entry", "1");
    FIELD_IS("ipv6.routing.srh.addr", "2001:db8::a,2001:db8::b");
    FIELD_IS("udp.dstport", "2");
    COL_IS(col_dst, "2001:db8::a");
    feed(LT_IPV6, "6000000000202b4020010db800000000000000000000000120010db800000000000000000000000211"
                  "0202010000000020010db80000000000000000000000ca0001000200081234", 0, 0);
    FIELD_IS("ipv6.routing.mipv6.home_address", "2001:db8::ca");
    COL_IS(col_dst, "2001:db8::ca");
}

/* Extension headers running past the datagram, a hostile chain, the payload length 0 of
 * malformed-ipv6-frag-negative-len.pcap. */
static void test_ipv6_malformed(void)
{
    /* Hop-by-hop claiming 40 bytes in an 8-byte payload: what is there, then MALFORMED. */
    feed(LT_IPV6, "600000000008004020010db800000000000000000000000120010db8000000000000000000000002"
                  "1104010000000000", 0, 0);
    FIELD_IS("ipv6.hopopts.len", "4");
    FIELD_IS("ipv6.hopopts.len_oct", "40");
    ABSENT("udp.srcport");
    LAYERS_ARE("ipv6");
    ERRORS_ARE(MALF);

    /* A router alert option claiming 7 bytes in an 8-byte header: flagged, MALFORMED; its value
     * fits in the header, so (as tshark) the walk goes on to UDP. */
    feed(LT_IPV6, "600000000010004020010db800000000000000000000000120010db800000000000000000000000211"
                  "000507000001000001000200081234", 0, 0);
    FIELD_IS("ipv6.opt.type", "0x05");
    FIELD_IS("ipv6.opt.length", "7");
    PRESENT("ipv6.opt.invalid_len");
    FIELD_IS("udp.srcport", "1");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ipv6"), MALF);

    /* A segment routing header announcing 6 segments but holding 1: that one, then stop. */
    feed(LT_IPV6, "6000000000202b4020010db800000000000000000000000120010db800000000000000000000000211"
                  "0204000500000020010db800000000000000000000000a0001000200081234", 0, 0);
    FIELD_IS("ipv6.routing.srh.last_entry", "5");
    FIELD_IS("ipv6.routing.srh.addr", "2001:db8::a");
    PRESENT("ipv6.routing.invalid_length");
    ABSENT("udp.srcport");
    ERRORS_ARE(MALF);

    /* 20 destination options headers: the walk stops at 16, no crash, nothing dispatched. */
    feed(LT_IPV6, "6000000000a83c4020010db800000000000000000000000120010db80000000000000000000000023c"
                  "000104000000003c000104000000003c000104000000003c000104000000003c000104000000003c0001"
                  "04000000003c000104000000003c000104000000003c000104000000003c000104000000003c00010400"
                  "0000003c000104000000003c000104000000003c000104000000003c000104000000003c000104000000"
                  "003c000104000000003c000104000000003c000104000000000001000200081234", 0, 0);
    CU_ASSERT_EQUAL(th_count(T, "ipv6.dstopts.nxt"), 16);
    ABSENT("udp.srcport");

    /* Payload length 0, next header fragment: the fragment header is past the datagram. */
    feed(LT_ETH, "c08023a000df62383d49967586dd6500007300002c1c7fffffffc3b2a1021305008000382949967586"
                 "dd7300002c1c7fffffffc3b2a1021305008000007480570f78ff020004", 0, 32896);
    FIELD_IS("ipv6.src", "7fff:ffff:c3b2:a102:1305:80:38:2949");
    FIELD_IS("ipv6.dst", "9675:86dd:7300:2c:1c7f:ffff:ffc3:b2a1");
    FIELD_IS("ipv6.tclass", "0x00000050");
    FIELD_IS("ipv6.flow", "0x000073");
    FIELD_IS("ipv6.nxt", "44");
    FIELD_IS("ipv6.hlim", "28");
    FIELD_IS("ipv6.plen", "0");
    ABSENT("ipv6.fraghdr.nxt");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ipv6"), MALF);
    INFO_IS("[Malformed Packet]");

    /* Payload length past the packet: fields, MALFORMED, payload decoded as far as it goes. */
    feed(LT_IPV6, "6000000000ff114020010db800000000000000000000000120010db80000000000000000000000020001"
                  "000200081234", 0, 0);
    FIELD_IS("ipv6.plen", "255");
    PRESENT("ipv6.plen_exceeds_framing");
    FIELD_IS("udp.srcport", "1");
    CU_ASSERT_EQUAL(th_layer_errors(T, "ipv6"), MALF);

    /* Cut inside the fixed header. */
    feed(LT_IPV6, "6000000000ff114020010db800000000000000000000000120010db80000000000000000000000020001"
                  "000200081234", 20, 60);
    FIELD_IS("ipv6.plen", "255");
    ABSENT("ipv6.src");
    ERRORS_ARE(TRUNC);
}

/* IPv6 fragments: a complete first fragment waits for reassembly; a later one is data
 * (ipv6-frag-dns.pcap #4's kind). */
static void test_ipv6_fragments(void)
{
    feed(LT_IPV6, "6000000000202c4020010db800000000000000000000000120010db8000000000000000000000002110"
                  "0000100000007000100020064123400000000000000000000000000000000", 0, 0);
    FIELD_IS("ipv6.fraghdr.more", "1");
    FIELD_IS("ipv6.fraghdr.ident", "0x00000007");
    ABSENT("udp.srcport");
    ERRORS_ARE(0);
    INFO_IS("IPv6 fragment (off=0 more=y ident=0x00000007 nxt=17)");

    feed(LT_IPV6, "6000000000182c4020010db800000000000000000000000120010db8000000000000000000000002110"
                  "000300000000700000000000000000000000000000000", 0, 0);
    FIELD_IS("ipv6.fraghdr.offset", "6");
    FIELD_IS("ipv6.fraghdr.more", "0");
    ABSENT("udp.srcport");
    INFO_IS("IPv6 fragment (off=48 more=n ident=0x00000007 nxt=17)");
}

/* 6in4 (IPv4 protocol 41) with ICMPv6 echo; tunnel-6in4-tls-http.pcap #3: destination
 * unreachable quoting IPv6 + TCP through the tunnel. */
static void test_6in4(void)
{
    feed(LT_IPV4, "45000048000100004029668a0a0000010a00000260000000000c3a2120010db8000000000000000000"
                  "00000120010db8000000000000000000000002800000001234000561626364", 0, 0);
    FIELD_IS("ip.proto", "41");
    FIELD_IS("ipv6.src", "2001:db8::1");
    FIELD_IS("ipv6.hlim", "33");
    FIELD_IS("icmpv6.echo.identifier", "0x1234");
    FIELD_IS("icmpv6.echo.sequence_number", "5");
    LAYERS_ARE("ip:ipv6:icmpv6");
    COL_IS(col_src, "2001:db8::1");
    INFO_IS("Echo (ping) request id=0x1234, seq=5, hop limit=33");

    feed(LT_ETH, "002290de3bd9000024ce81340800450000bab5d14000ff2916a9ae034918b869ff1a60000000007e3a"
                 "40200104701f16013f00000000000000022604a88000010020000000000224b0010103d2800000000060"
                 "000000004e06362604a88000010020000000000224b001200104701f17013f25a3329216f92ce003e1ec"
                 "4b52fb7d7d197016988018004910f900000101080ab4313d000875fac61703030029a313e78808f19a65"
                 "c62b1ab1555ea73af95af453d2ec3b65dab443966561a4e28af4e17207f5e284ff", 0, 0);
    FIELD_IS("ip.src", "174.3.73.24");
    FIELD_IS("ip.proto", "41");
    FIELD_IS("ipv6.src", "2001:470:1f16:13f::2,2604:a880:1:20::224:b001");
    FIELD_IS("ipv6.dst", "2604:a880:1:20::224:b001,2001:470:1f17:13f:25a3:3292:16f9:2ce0");
    FIELD_IS("ipv6.nxt", "58,6");
    FIELD_IS("ipv6.plen", "126,78");
    FIELD_IS("ipv6.hlim", "64,54");
    FIELD_IS("icmpv6.type", "1");
    FIELD_IS("icmpv6.code", "3");
    FIELD_IS("tcp.srcport", "993");
    FIELD_IS("tcp.dstport", "60491");
    FIELD_IS("tcp.seq_raw", "1392213373");
    FIELD_IS("tcp.flags", "0x0018");
    FIELD_IS("tcp.window_size_value", "73");
    ABSENT("tcp.len");                          /* tshark: none inside an ICMP error */
    ERRORS_ARE(0);
    LAYER_FLAGS_START("eth:ip:ipv6:icmpv6:ipv6[quoted]:tcp[quoted]");
    COL_IS(col_proto, "ICMPv6");
    COL_IS(col_src, "2001:470:1f16:13f::2");
    COL_IS(col_dst, "2604:a880:1:20::224:b001");
    INFO_IS("Destination Unreachable (Address unreachable)");
}

/* ---- ICMPv6 ---------------------------------------------------------------------------------- */

/* ipv6-ext-headers-atomic-frag-http.pcap #1 and #2: neighbor advertisement and solicitation. */
static void test_icmpv6_nd(void)
{
    feed(LT_ETH, "00101895316aaa0004000a0486dd6000000000203aff20010db80001000000000000000000012001"
                 "0db80001000000000000000000028800546ce000000020010db80001000000000000000000010201aa00"
                 "04000a04", 0, 0);
    FIELD_IS("icmpv6.type", "136");
    FIELD_IS("icmpv6.code", "0");
    FIELD_IS("icmpv6.checksum", "0x546c");
    FIELD_IS("icmpv6.nd.na.flag", "0xe0000000");
    FIELD_IS("icmpv6.nd.na.flag.r", "1");
    FIELD_IS("icmpv6.nd.na.target_address", "2001:db8:1::1");
    FIELD_IS("icmpv6.opt.type", "2");
    FIELD_IS("icmpv6.opt.length", "1");
    FIELD_IS("icmpv6.opt.linkaddr", "aa:00:04:00:0a:04");
    FIELD_IS("icmpv6.opt.target_linkaddr", "aa:00:04:00:0a:04");
    ERRORS_ARE(0);
    INFO_IS("Neighbor Advertisement 2001:db8:1::1 (rtr, sol, ovr) is at aa:00:04:00:0a:04");

    feed(LT_ETH, "3333ff00000100101895316a86dd6000000000203aff20010db8000100000000000000000002ff02"
                 "00000000000000000001ff0000018700d4170000000020010db8000100000000000000000001010100101895316a", 0, 0);
    FIELD_IS("icmpv6.type", "135");
    FIELD_IS("icmpv6.nd.ns.target_address", "2001:db8:1::1");
    FIELD_IS("icmpv6.opt.src_linkaddr", "00:10:18:95:31:6a");
    INFO_IS("Neighbor Solicitation for 2001:db8:1::1 from 00:10:18:95:31:6a");

    /* Hand-made: NA with only S; NS with an option of length 0 (MALFORMED, walk stops). */
    feed(LT_IPV6, "6000000000203aff20010db800000000000000000000000120010db800000000000000000000000288"
                  "0000004000000020010db80000000000000000000000010201000102030405", 0, 0);
    FIELD_IS("icmpv6.nd.na.flag.s", "1");
    FIELD_IS("icmpv6.nd.na.flag.r", "0");
    INFO_IS("Neighbor Advertisement 2001:db8::1 (sol) is at 00:01:02:03:04:05");
    feed(LT_IPV6, "6000000000203aff20010db800000000000000000000000120010db800000000000000000000000287"
                  "0000000000000020010db80000000000000000000000010100000102030405", 0, 0);
    FIELD_IS("icmpv6.opt.type", "1");
    FIELD_IS("icmpv6.opt.length", "0");
    ABSENT("icmpv6.opt.linkaddr");
    PRESENT("icmpv6.invalid_option_length");
    CU_ASSERT_EQUAL(th_layer_errors(T, "icmpv6"), MALF);
}

/* icmpv6-hopopts-mld.pcap #1 (router advertisement) and #2 (MLDv2 report behind a hop-by-hop
 * header with a router alert). */
static void test_icmpv6_ra_mld(void)
{
    feed(LT_ETH, "333300000001b09928c8d66c86dd6000000000b03afffe80000000000000b29928fffec8d66cff020000"
                 "000000000000000000000001860024014020000f0000000000000000030448c000278d0000093a800000"
                 "0000222233334444555566000000000000001905000000000005abcd000000000000000000000000efef"
                 "123456780000000000000000000000011f07000000000005076578616d706c6503636f6d00076578616d"
                 "706c65036f72670004646f6d3104646f6d3203746c64000000000000000005010000000000640101b099"
                 "28c8d66c070100000000138808010000c351000f", 0, 0);
    FIELD_IS("icmpv6.type", "134");
    FIELD_IS("icmpv6.nd.ra.cur_hop_limit", "64");
    FIELD_IS("icmpv6.nd.ra.flag", "0x20");
    FIELD_IS("icmpv6.opt.prefix", "2222:3333:4444:5555:6600::");
    FIELD_IS("icmpv6.opt.rdnss", "abcd::efef,1234:5678::1");
    FIELD_IS("icmpv6.opt.mtu", "100");
    FIELD_IS("icmpv6.opt.src_linkaddr", "b0:99:28:c8:d6:6c");
    INFO_IS("Router Advertisement from b0:99:28:c8:d6:6c");

    feed(LT_ETH, "333300000016001517cce54686dd6000000000240001fe80000000000000021517fffecce546ff0200"
                 "000000000000000000000000163a000502000001008f001fc50000000104000000ff020000000000000000"
                 "0db811223344", 0, 0);
    FIELD_IS("ipv6.nxt", "0");
    FIELD_IS("ipv6.hlim", "1");
    FIELD_IS("ipv6.hopopts.nxt", "58");
    FIELD_IS("ipv6.opt.type", "0x05,0x01");
    FIELD_IS("ipv6.opt.router_alert", "0");
    FIELD_IS("icmpv6.type", "143");
    FIELD_IS("icmpv6.mldr.nb_mcast_records", "1");
    FIELD_IS("icmpv6.mldr.mar.record_type", "4");
    FIELD_IS("icmpv6.mldr.mar.multicast_address", "ff02::db8:1122:3344");
    ERRORS_ARE(0);
    INFO_IS("Multicast Listener Report Message v2");
}

/* Hand-made packet too big quoting IPv6 + UDP. */
static void test_icmpv6_error(void)
{
    feed(LT_IPV6, "6000000000403a4020010db800000000000000000000000120010db800000000000000000000000202"
                  "00000000000500600000000010114020010db800000000000000000000000220010db8000000000000000"
                  "00000009903e80035001012340000000000000000", 0, 0);
    FIELD_IS("icmpv6.mtu", "1280");
    FIELD_IS("ipv6.src", "2001:db8::1,2001:db8::2");
    FIELD_IS("udp.srcport", "1000");
    ERRORS_ARE(0);
    LAYER_FLAGS_START("ipv6:icmpv6:ipv6[quoted]:udp[quoted]");
    COL_IS(col_src, "2001:db8::1");
    COL_IS(col_proto, "ICMPv6");
    INFO_IS("Packet Too Big");
}

void test_l3l4_register(void)
{
    CU_pSuite s = CU_add_suite("l3l4", suite_init, suite_clean);
    if (!s) return;
    CU_add_test(s, "ipv4+tcp: SYN with options", test_ipv4_tcp_syn);
    CU_add_test(s, "tcp: cut by the snaplen", test_tcp_truncated);
    CU_add_test(s, "tcp: 12 bytes of a 262144-byte frame", test_tcp_short_snaplen_capture);
    CU_add_test(s, "tcp: fast open cookie", test_tcp_fast_open);
    CU_add_test(s, "tcp: data offsets, option lengths, flags", test_tcp_malformed);
    CU_add_test(s, "ipv4: IHL below 5", test_ipv4_bad_ihl);
    CU_add_test(s, "ipv4: options and bad option lengths", test_ipv4_options);
    CU_add_test(s, "ipv4: header and total lengths, checksum", test_ipv4_lengths);
    CU_add_test(s, "ipv4: fragments", test_ipv4_fragments);
    CU_add_test(s, "ipv4: IP in IP", test_ip_in_ip);
    CU_add_test(s, "udp: DNS query", test_udp_basic);
    CU_add_test(s, "udp: lengths", test_udp_lengths);
    CU_add_test(s, "icmp: echo, checksum", test_icmp_echo);
    CU_add_test(s, "icmp: unreachable quoting IP+UDP+DNS", test_icmp_error_quoting_udp);
    CU_add_test(s, "icmp: errors quoting TCP, ICMP; MTU; redirect", test_icmp_error_quotes);
    CU_add_test(s, "icmp: a quote cut inside UDP is not the packet's error", test_icmp_cut_quote);
    CU_add_test(s, "ipv4/ipv6: hints to the next layer (fragment, IPv6)", test_ip_hints);
    CU_add_test(s, "ipv6: type 0 routing header", test_ipv6_routing_type0);
    CU_add_test(s, "ipv6: destination options, atomic fragment", test_ipv6_dstopts_atomic_fragment);
    CU_add_test(s, "ipv6: extension header chain, SRH, type 2", test_ipv6_chain);
    CU_add_test(s, "ipv6: chains past the end, hostile chain, plen 0", test_ipv6_malformed);
    CU_add_test(s, "ipv6: fragments", test_ipv6_fragments);
    CU_add_test(s, "ipv6: 6in4, ICMPv6 error through the tunnel", test_6in4);
    CU_add_test(s, "icmpv6: neighbor discovery", test_icmpv6_nd);
    CU_add_test(s, "icmpv6: router advertisement, MLDv2 report", test_icmpv6_ra_mld);
    CU_add_test(s, "icmpv6: packet too big", test_icmpv6_error);
}
