/* test_l2.c — link-layer dissectors: eth / vlan / ieee8021ad / llc, arp, sll (v1 and v2),
 * null and loop, raw IP, nflog, pppoe / ppp and gre.
 *
 * Frames come from ../shared/captures (named per test; expected values from the tshark oracle
 * tables or tshark 4.0 on the same bytes) or are hand-made, then checked with tshark 4.0
 * where tshark has an opinion. Each dissector also gets truncated input (caplen < len: the
 * fields before the cut stay, TRUNCATED is set) and malformed input (a length pointing past
 * the end: MALFORMED, earlier fields kept), and the TLV/tag walks get lengths that would not
 * advance (they must stop).
 *
 * The engine loads every built plugin, so values of other layers (ip.src ...) check that our
 * dispatch reached them. Columns (source, destination, info) come from a second engine.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

void test_l2_register(void);

/* ---- fixture ------------------------------------------------------------------------------
 * T: the harness engine (fields, layers, flags). C: a second engine with the same plugins whose
 * "text" sink (writing to /dev/null) makes the dissectors fill the columns; its packet callback
 * keeps the last packet's columns. Every frame is fed to both. */

static struct th *T;
static struct trawl_engine *C;
static FILE *devnull;
static char last_line[3 * 512];

static void on_cols(void *user, const struct trawl_packet *pkt)
{
    (void)user;
    snprintf(last_line, sizeof last_line, "%s | %s | %s", trawl_packet_col(pkt, TRAWL_COL_SRC),
             trawl_packet_col(pkt, TRAWL_COL_DST), trawl_packet_col(pkt, TRAWL_COL_INFO));
}

static int suite_init(void)
{
    T = th_new();
    if (!T)
        return -1;
    struct trawl_engine_options o = { .size = sizeof o, .log_level = TRAWL_LOG_ERROR };
    C = trawl_engine_new(&o);
    devnull = fopen("/dev/null", "w");
    if (!C || !devnull || trawl_engine_load_dir(C, th_plugin_dir()) < 0 || trawl_engine_start(C) < 0)
        return -1;
    if (!trawl_engine_add_sink(C, "text", devnull, NULL))
        fprintf(stderr, "test_l2: no text sink: info column checks will fail\n");
    trawl_engine_on_packet(C, on_cols, NULL);
    return 0;
}

static int suite_clean(void)
{
    th_free(T);
    T = NULL;
    if (C)
        trawl_engine_free(C);
    C = NULL;
    if (devnull)
        fclose(devnull);
    devnull = NULL;
    return 0;
}

/* Hex (spaces allowed) to bytes; returns the count. */
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

/* Dissect hex with the first caplen bytes captured of len (0: all of them). */
static void feed(int linktype, const char *hex, uint32_t caplen, uint32_t len)
{
    static uint8_t buf[4096];
    uint32_t n = (uint32_t)unhex(hex, buf, sizeof buf);
    if (caplen == 0 || caplen > n)
        caplen = n;
    if (len == 0)
        len = n;
    CU_ASSERT_EQUAL(th_bytes(T, linktype, buf, caplen, len), 0);
    last_line[0] = 0;
    struct trawl_frame f = { .number = 1, .ts_ns = 1700000000123456789LL, .caplen = caplen,
                             .len = len, .linktype = linktype, .ts_precision = 9 };
    trawl_engine_feed(C, &f, buf);
}

#define FIELD_IS(name, want) CU_ASSERT_STRING_EQUAL(th_field(T, name), want)
#define ABSENT(name) CU_ASSERT_EQUAL(th_count(T, name), 0)
#define INFO_HAS(s) do { \
        CU_ASSERT_PTR_NOT_NULL(strstr(last_line, s)); \
        if (!strstr(last_line, s)) fprintf(stderr, "\n  info: want \"%s\" in \"%s\"", s, last_line); \
    } while (0)
#define LAYERS_START(s) CU_ASSERT_EQUAL(strncmp(th_layers(T), s, strlen(s)), 0)

enum { LT_NULL = 0, LT_ETH = 1, LT_PPP = 9, LT_RAW = 101, LT_LOOP = 108, LT_SLL = 113,
       LT_IPV4 = 228, LT_IPV6 = 229, LT_NFLOG = 239, LT_SLL2 = 276 };

/* A 28-byte IPv4/UDP datagram 10.0.0.1:12345 -> 10.0.0.2:53 (hand-made). */
#define INNER_IP "4500001c00010000401166ce0a0000010a0000023039003500080000"

/* ---- Ethernet, VLAN, 802.1ad ------------------------------------------------------------ */

/* qinq-8021ad-arp.pcap #1: S-tag 200 (0x88a8), C-tag 2001, ARP request, padding + trailer. */
static const char *QINQ_ARP_REQ =
    "ffffffffffff0020d25afb3f88a800c8810007d1080600010800060400010020d25afb3fac154f61000000000000"
    "ac154f640000000000000000000000000000";

static void test_eth_8021ad_arp(void)
{
    feed(LT_ETH, QINQ_ARP_REQ, 0, 0);
    FIELD_IS("eth.dst", "ff:ff:ff:ff:ff:ff");
    FIELD_IS("eth.src", "00:20:d2:5a:fb:3f");
    FIELD_IS("eth.addr", "ff:ff:ff:ff:ff:ff,00:20:d2:5a:fb:3f");
    FIELD_IS("eth.type", "0x88a8");           /* tshark: the first ethertype of the frame */
    FIELD_IS("eth.dst.ig", "1");
    FIELD_IS("eth.src.ig", "0");
    FIELD_IS("ieee8021ad.id", "200");         /* the S-tag is not a vlan.id in tshark */
    FIELD_IS("vlan.id", "2001");
    FIELD_IS("vlan.etype", "0x0806");
    FIELD_IS("vlan.dei", "0");
    FIELD_IS("arp.opcode", "1");
    FIELD_IS("arp.hw.type", "1");
    FIELD_IS("arp.proto.type", "0x0800");
    FIELD_IS("arp.src.hw_mac", "00:20:d2:5a:fb:3f");
    FIELD_IS("arp.src.proto_ipv4", "172.21.79.97");
    FIELD_IS("arp.dst.hw_mac", "00:00:00:00:00:00");
    FIELD_IS("arp.dst.proto_ipv4", "172.21.79.100");
    ABSENT("arp.isgratuitous");
    CU_ASSERT_STRING_EQUAL(th_layers(T), "eth:ieee8021ad:vlan:arp");
    CU_ASSERT_EQUAL(th_errors(T), 0);
    INFO_HAS("Who has 172.21.79.100? Tell 172.21.79.97");
    INFO_HAS("00:20:d2:5a:fb:3f");            /* source column: the MAC (no IP layer) */
}

static void test_arp_reply(void)
{
    /* qinq-8021ad-arp.pcap #2 */
    feed(LT_ETH, "0020d25afb3f0080ea81886388a800c8810007d1080600010800060400020080ea818863ac154f64"
                 "0020d25afb3fac154f610000000000000000000000000000", 0, 0);
    FIELD_IS("arp.opcode", "2");
    FIELD_IS("arp.src.proto_ipv4", "172.21.79.100");
    FIELD_IS("arp.dst.proto_ipv4", "172.21.79.97");
    INFO_HAS("172.21.79.100 is at 00:80:ea:81:88:63");
}

/* dns-vlan-pppoe.pcapng #4: two 802.1Q tags (421 outer, 785 inner), PPPoE session, PPP, IPv4. */
static void test_qinq_pppoe_session(void)
{
    feed(LT_ETH, "000000000001d494e80eadc1810001a58100031188641100556a003f00214500003d00004000401184a1"
                 "52b271f552b29eb5b89700350029b67d784301000001000000000000026537087768617473617070"
                 "036e65740000010001", 0, 0);
    FIELD_IS("eth.type", "0x8100");
    FIELD_IS("vlan.id", "421,785");
    FIELD_IS("vlan.etype", "0x8100,0x8864");
    FIELD_IS("pppoe.version", "1");
    FIELD_IS("pppoe.type", "1");
    FIELD_IS("pppoe.code", "0x00");
    FIELD_IS("pppoe.session_id", "0x556a");
    FIELD_IS("pppoe.payload_length", "63");
    FIELD_IS("ppp.protocol", "0x0021");
    ABSENT("ppp.address");
    FIELD_IS("ip.src", "82.178.113.245");
    LAYERS_START("eth:vlan:vlan:pppoe:ppp:ip");
    CU_ASSERT_EQUAL(th_errors(T), 0);
}

/* Both tag orders, and the pre-standard 0x9100 outer tag (tshark: vlan for both tags). */
static void test_qinq_orders(void)
{
    feed(LT_ETH, "00112233445566778899aabb88a800c8810007d1080600010800060400010020d25afb3fac154f61"
                 "000000000000ac154f64", 0, 0);
    FIELD_IS("eth.type", "0x88a8");
    FIELD_IS("ieee8021ad.id", "200");
    FIELD_IS("vlan.id", "2001");
    FIELD_IS("arp.opcode", "1");
    CU_ASSERT_STRING_EQUAL(th_layers(T), "eth:ieee8021ad:vlan:arp");

    feed(LT_ETH, "00112233445566778899aabb8100a07b88a82064080600010800060400010020d25afb3fac154f61"
                 "000000000000ac154f64", 0, 0);
    FIELD_IS("eth.type", "0x8100");
    FIELD_IS("vlan.id", "123");
    FIELD_IS("vlan.priority", "5");
    FIELD_IS("ieee8021ad.id", "100");
    FIELD_IS("ieee8021ad.priority", "1");
    FIELD_IS("arp.opcode", "1");
    CU_ASSERT_STRING_EQUAL(th_layers(T), "eth:vlan:ieee8021ad:arp");

    feed(LT_ETH, "00112233445566778899aabb91000064810000c80800" INNER_IP, 0, 0);
    FIELD_IS("eth.type", "0x9100");
    FIELD_IS("vlan.id", "100,200");
    FIELD_IS("vlan.etype", "0x8100,0x0800");
    FIELD_IS("ip.src", "10.0.0.1");
    LAYERS_START("eth:vlan:vlan:ip");
}

static void test_eth_truncated(void)
{
    /* 10 of 60 bytes captured: the destination is there, the source is not. */
    feed(LT_ETH, QINQ_ARP_REQ, 10, 64);
    FIELD_IS("eth.dst", "ff:ff:ff:ff:ff:ff");
    ABSENT("eth.src");
    ABSENT("eth.type");
    CU_ASSERT_EQUAL(th_layer_errors(T, "eth"), 1u /* TRAWL_BUF_TRUNCATED */);

    /* 13 bytes: both addresses, half a type field. */
    feed(LT_ETH, QINQ_ARP_REQ, 13, 64);
    FIELD_IS("eth.src", "00:20:d2:5a:fb:3f");
    ABSENT("eth.type");
    CU_ASSERT_EQUAL(th_errors(T), TRAWL_BUF_TRUNCATED);

    /* Cut inside the 802.1Q tag: the S-tag and the C-tag's TCI are kept. */
    feed(LT_ETH, QINQ_ARP_REQ, 20, 64);
    FIELD_IS("ieee8021ad.id", "200");
    FIELD_IS("vlan.id", "2001");
    ABSENT("vlan.etype");
    CU_ASSERT_EQUAL(th_layer_errors(T, "vlan"), TRAWL_BUF_TRUNCATED);
    CU_ASSERT_EQUAL(th_layer_errors(T, "eth"), 0);

    /* A frame shorter than its own header, not cut by a snaplen: malformed. */
    feed(LT_ETH, "ffffffffffff00112233", 0, 0);
    FIELD_IS("eth.dst", "ff:ff:ff:ff:ff:ff");
    ABSENT("eth.src");
    CU_ASSERT_EQUAL(th_errors(T), TRAWL_BUF_MALFORMED);
}

static void test_eth_invalid_lentype(void)
{
    feed(LT_ETH, "00112233445566778899aabb05ff0000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000", 0, 0);
    FIELD_IS("eth.invalid_lentype", "0x05ff");
    ABSENT("eth.type");
    ABSENT("eth.len");
    CU_ASSERT_STRING_EQUAL(th_layers(T), "eth");
}

/* ---- 802.3 + LLC / SNAP ----------------------------------------------------------------- */

static void test_llc_snap(void)
{
    /* 802.3 length 36: LLC/SNAP (OUI 0, type IPv4), then 10 bytes of padding to 60. */
    feed(LT_ETH, "ffffffffffff0011223344550024aaaa030000000800" INNER_IP "00000000000000000000", 0, 0);
    FIELD_IS("eth.len", "36");
    ABSENT("eth.type");
    FIELD_IS("eth.padding", "00000000000000000000");
    FIELD_IS("llc.dsap", "0xaa");
    FIELD_IS("llc.ssap", "0xaa");
    FIELD_IS("llc.control", "0x0003");
    FIELD_IS("llc.oui", "0");
    FIELD_IS("llc.type", "0x0800");
    ABSENT("llc.pid");
    FIELD_IS("ip.src", "10.0.0.1");
    LAYERS_START("eth:llc:ip");
    CU_ASSERT_EQUAL(th_errors(T), 0);
}

static void test_llc_stp(void)
{
    /* Spanning tree BPDU: DSAP/SSAP 0x42, UI. Nothing decodes STP here: llc is the top. */
    feed(LT_ETH, "0180c2000000001122334455002642420300000000000000000000000000000000000000000000"
                 "00000000000000000000000000000000", 0, 0);
    FIELD_IS("eth.len", "38");
    FIELD_IS("llc.dsap", "0x42");
    FIELD_IS("llc.ssap", "0x42");
    FIELD_IS("llc.control", "0x0003");
    ABSENT("llc.oui");
    CU_ASSERT_STRING_EQUAL(th_layers(T), "eth:llc");
}

static void test_eth_len_past_end(void)
{
    /* 802.3 length 100 with 44 payload bytes: malformed on eth, LLC and IP still decoded. */
    feed(LT_ETH, "ffffffffffff0011223344550064aaaa030000000800" INNER_IP, 0, 0);
    FIELD_IS("eth.len", "100");
    FIELD_IS("eth.src", "00:11:22:33:44:55");
    FIELD_IS("llc.type", "0x0800");
    FIELD_IS("ip.src", "10.0.0.1");
    CU_ASSERT_EQUAL(th_layer_errors(T, "eth"), TRAWL_BUF_MALFORMED);

    /* The same cut by a snaplen instead (len says 114): not malformed. */
    feed(LT_ETH, "ffffffffffff0011223344550064aaaa030000000800" INNER_IP, 0, 114);
    CU_ASSERT_EQUAL(th_layer_errors(T, "eth"), 0);
}

/* ---- ARP ---------------------------------------------------------------------------------- */

static void test_arp_variants(void)
{
    /* Announcement: request, sender = target address, target MAC zero (RFC 5227). */
    feed(LT_ETH, "00112233445566778899aabb080600010800060400010020d25afb3f0a0000050000000000000a000005", 0, 0);
    FIELD_IS("arp.isgratuitous", "1");
    FIELD_IS("arp.isannouncement", "1");
    INFO_HAS("ARP Announcement for 10.0.0.5");

    feed(LT_ETH, "00112233445566778899aabb080600010800060400020020d25afb3f0a000005ffffffffffff0a000005", 0, 0);
    FIELD_IS("arp.isgratuitous", "1");
    ABSENT("arp.isannouncement");
    INFO_HAS("Gratuitous ARP for 10.0.0.5 (Reply)");

    /* Probe: sender address 0.0.0.0. */
    feed(LT_ETH, "00112233445566778899aabb080600010800060400010020d25afb3f000000000000000000000a000005", 0, 0);
    FIELD_IS("arp.isprobe", "1");
    ABSENT("arp.isgratuitous");
    INFO_HAS("Who has 10.0.0.5? (ARP Probe)");
}

static void test_arp_odd_sizes(void)
{
    /* IEEE 802 hardware with 8-byte addresses, IPv6 with 16-byte ones: shown as bytes. */
    feed(LT_ETH, "00112233445566778899aabb0806000686dd081000010001020304050607101112131415161718191a"
                 "1b1c1d1e1f0000000000000000202122232425262728292a2b2c2d2e2f", 0, 0);
    FIELD_IS("arp.hw.size", "8");
    FIELD_IS("arp.proto.size", "16");
    FIELD_IS("arp.src.hw", "0001020304050607");
    FIELD_IS("arp.src.proto", "101112131415161718191a1b1c1d1e1f");
    FIELD_IS("arp.dst.hw", "0000000000000000");
    FIELD_IS("arp.dst.proto", "202122232425262728292a2b2c2d2e2f");
    ABSENT("arp.src.hw_mac");
    ABSENT("arp.src.proto_ipv4");
    CU_ASSERT_EQUAL(th_errors(T), 0);

    /* Sizes of 255 each: the packet would need 518 bytes; it has 28 → malformed, no crash. */
    feed(LT_ETH, "00112233445566778899aabb0806" "00010800ffff0001" "0020d25afb3f0a0000050000000000000a000005", 0, 0);
    FIELD_IS("arp.hw.size", "255");
    FIELD_IS("arp.opcode", "1");
    ABSENT("arp.src.hw");
    CU_ASSERT_EQUAL(th_layer_errors(T, "arp"), TRAWL_BUF_MALFORMED);
}

static void test_arp_truncated(void)
{
    /* Captured up to the middle of the target MAC: sender fields stay, target ones are gone. */
    feed(LT_ETH, QINQ_ARP_REQ, 22 + 8 + 6 + 4 + 3, 64);
    FIELD_IS("arp.opcode", "1");
    FIELD_IS("arp.src.hw_mac", "00:20:d2:5a:fb:3f");
    FIELD_IS("arp.src.proto_ipv4", "172.21.79.97");
    ABSENT("arp.dst.hw_mac");
    ABSENT("arp.dst.proto_ipv4");
    CU_ASSERT_EQUAL(th_layer_errors(T, "arp"), TRAWL_BUF_TRUNCATED);

    /* Only 4 bytes of the ARP header. */
    feed(LT_ETH, QINQ_ARP_REQ, 22 + 4, 64);
    FIELD_IS("arp.hw.type", "1");
    FIELD_IS("arp.proto.type", "0x0800");
    ABSENT("arp.opcode");
    CU_ASSERT_EQUAL(th_layer_errors(T, "arp"), TRAWL_BUF_TRUNCATED);
}

/* ---- Linux cooked capture ------------------------------------------------------------------ */

static void test_sll2(void)
{
    /* sll2-icmp-arp-mixed.pcap #5: ARP, sent by us (pkttype 4), ifindex 26. */
    feed(LT_SLL2, "080600000000001a000104068e360644acaf000000010800060400018e360644acafc00002010000"
                  "00000000c0000202", 0, 0);
    FIELD_IS("sll.pkttype", "4");
    FIELD_IS("sll.hatype", "1");
    FIELD_IS("sll.halen", "6");
    FIELD_IS("sll.ifindex", "26");
    FIELD_IS("sll.src.eth", "8e:36:06:44:ac:af");
    FIELD_IS("sll.unused", "0000");
    FIELD_IS("sll.etype", "0x0806");
    FIELD_IS("arp.opcode", "1");
    FIELD_IS("arp.src.proto_ipv4", "192.0.2.1");
    FIELD_IS("arp.dst.proto_ipv4", "192.0.2.2");
    CU_ASSERT_STRING_EQUAL(th_layers(T), "sll:arp");
    INFO_HAS("Who has 192.0.2.2? Tell 192.0.2.1");

    /* #6: RARP (ethertype 0x8035), reverse request. */
    feed(LT_SLL2, "803500000000001a000104068e360644acaf000000010800060400038e360644acafc00002010000"
                  "00000000c0000202", 0, 0);
    FIELD_IS("sll.etype", "0x8035");
    FIELD_IS("arp.opcode", "3");
    INFO_HAS("Who is 00:00:00:00:00:00? Tell 8e:36:06:44:ac:af");

    /* #1: ICMP over loopback (hatype 772). */
    feed(LT_SLL2, "080000000000000103040006000000000000000045000054af8c40004001071ac0000201c0000201"
                  "080066b400080001e9bdf96200000000e24e0d0000000000101112131415161718191a1b1c1d1e1f"
                  "202122232425262728292a2b2c2d2e2f3031323334353637", 0, 0);
    FIELD_IS("sll.pkttype", "0");
    FIELD_IS("sll.hatype", "772");
    FIELD_IS("sll.src.eth", "00:00:00:00:00:00");
    FIELD_IS("ip.src", "192.0.2.1");
    LAYERS_START("sll:ip");

    /* Truncated in the address: the fixed part stays. */
    feed(LT_SLL2, "080600000000001a000104068e360644acaf", 14, 48);
    FIELD_IS("sll.pkttype", "4");
    FIELD_IS("sll.ifindex", "26");
    ABSENT("sll.src.eth");
    ABSENT("sll.etype");
    CU_ASSERT_EQUAL(th_errors(T), TRAWL_BUF_TRUNCATED);
}

static void test_sll_v1(void)
{
    /* sll-nsec-tcp-handshake.pcap #1: outgoing, hatype 512 (PPP), no address. */
    feed(LT_SLL, "000402000000000000000000000008004500003c29a940004006db5f839bd7458974515eb6400050"
                 "2f842acb00000000a0026a4050c40000020405500402080a436a03620000000001030307", 0, 0);
    FIELD_IS("sll.pkttype", "4");
    FIELD_IS("sll.hatype", "512");
    FIELD_IS("sll.halen", "0");
    FIELD_IS("sll.unused", "0000000000000000");
    ABSENT("sll.src.eth");
    FIELD_IS("sll.etype", "0x0800");
    FIELD_IS("ip.src", "131.155.215.69");
    LAYERS_START("sll:ip");

    /* Linux pseudo-protocol 0x0004: an 802.2 LLC frame (STP here). */
    feed(LT_SLL, "00000001000600112233445500000004424203000000000000000000000000000000000000000000"
                 "00000000000000000000", 0, 0);
    FIELD_IS("sll.ltype", "0x0004");
    ABSENT("sll.etype");
    FIELD_IS("sll.src.eth", "00:11:22:33:44:55");
    FIELD_IS("llc.dsap", "0x42");
    CU_ASSERT_STRING_EQUAL(th_layers(T), "sll:llc");

    /* Cut before the protocol field. */
    feed(LT_SLL, "0004020000000000000000000000", 10, 60);
    FIELD_IS("sll.hatype", "512");
    ABSENT("sll.etype");
    CU_ASSERT_EQUAL(th_errors(T), TRAWL_BUF_TRUNCATED);
}

/* ---- null / loop ------------------------------------------------------------------------- */

#define V6_ICMP "6000000000083a4000000000000000000000000000000001000000000000000000000000000000028000000000000000"

static void test_null_byte_orders(void)
{
    /* null-ipv4-dns-badcookie.pcap #1: family 2 written little-endian. */
    feed(LT_NULL, "0200000045000044000f0000401100007f0000017f000001d6aa00350030fe43f6ab01200001000000"
                  "0000010000060001000029100000000000000c000a000836bf111fef2e0109", 0, 0);
    FIELD_IS("null.family", "2");
    FIELD_IS("ip.src", "127.0.0.1");
    LAYERS_START("null:ip");
    CU_ASSERT_EQUAL(th_errors(T), 0);

    /* The same family written big-endian. */
    feed(LT_NULL, "00000002" INNER_IP, 0, 0);
    FIELD_IS("null.family", "2");
    FIELD_IS("ip.src", "10.0.0.1");

    /* IPv6 families: 30 (Darwin) both ways, 24 and 28 (BSDs), 10 (Linux). */
    feed(LT_NULL, "1e000000" V6_ICMP, 0, 0);
    FIELD_IS("null.family", "30");
    FIELD_IS("ipv6.src", "::1");
    LAYERS_START("null:ipv6");
    feed(LT_NULL, "0000001e" V6_ICMP, 0, 0);
    FIELD_IS("null.family", "30");
    FIELD_IS("ipv6.src", "::1");
    feed(LT_NULL, "18000000" V6_ICMP, 0, 0);
    FIELD_IS("ipv6.src", "::1");
    feed(LT_NULL, "1c000000" V6_ICMP, 0, 0);
    FIELD_IS("ipv6.src", "::1");
    feed(LT_NULL, "0a000000" V6_ICMP, 0, 0);
    FIELD_IS("ipv6.src", "::1");

    /* An unknown family: the payload stays data. */
    feed(LT_NULL, "07000000" INNER_IP, 0, 0);
    FIELD_IS("null.family", "7");
    CU_ASSERT_STRING_EQUAL(th_layers(T), "null");
}

static void test_null_ethertype_and_loop(void)
{
    /* corrupt-bad-linktype-cut-short.pcap #1 starts 00 2f 00 6c: tshark says null.type 0x006c. */
    feed(LT_NULL, "002f006c65cb00000095067f34003a3030352f75706c6f32643f6c3d302e0000", 0, 0);
    FIELD_IS("null.type", "0x006c");
    ABSENT("null.family");

    /* LINKTYPE_LOOP: always network order. */
    feed(LT_LOOP, "00000002" INNER_IP, 0, 0);
    FIELD_IS("null.family", "2");
    FIELD_IS("ip.src", "10.0.0.1");
    feed(LT_LOOP, "0000001e" V6_ICMP, 0, 0);
    FIELD_IS("null.family", "30");
    FIELD_IS("ipv6.src", "::1");

    /* Shorter than the header. */
    feed(LT_NULL, "0200", 2, 40);
    ABSENT("null.family");
    CU_ASSERT_EQUAL(th_layer_errors(T, "null"), TRAWL_BUF_TRUNCATED);
    feed(LT_NULL, "0200", 0, 0);
    CU_ASSERT_EQUAL(th_layer_errors(T, "null"), TRAWL_BUF_MALFORMED);
}

/* ---- raw IP ------------------------------------------------------------------------------- */

#define RAW4 "45000039000100004011a695c0a80164090909093039003500251976123401000001000000000000076578616d706c6503636f6d0000010001"
#define RAW6 "600000000025114020010db8000000000000000000000001262000fe00000000000000000000000930390035002598b3123401000001000000000000076578616d706c6503636f6d0000010001"

static void test_rawip(void)
{
    /* rawip-dlt101-ipv4-dns.pcap #1 / rawip-dlt228-ipv4-dns.pcap #1 */
    feed(LT_RAW, RAW4, 0, 0);
    FIELD_IS("ip.src", "192.168.1.100");
    LAYERS_START("raw:ip");
    feed(12, RAW4, 0, 0);
    LAYERS_START("raw:ip");
    feed(LT_IPV4, RAW4, 0, 0);
    FIELD_IS("ip.src", "192.168.1.100");
    LAYERS_START("ip");

    /* rawip-dlt101-ipv6-dns.pcap #1 / rawip-dlt229-ipv6-dns.pcap #1 */
    feed(LT_RAW, RAW6, 0, 0);
    FIELD_IS("ipv6.src", "2001:db8::1");
    LAYERS_START("raw:ipv6");
    feed(LT_IPV6, RAW6, 0, 0);
    FIELD_IS("ipv6.src", "2001:db8::1");
    LAYERS_START("ipv6");

    /* Version 5: not IP, left as data. Empty: nothing to read. */
    feed(LT_RAW, "50000000", 0, 0);
    CU_ASSERT_STRING_EQUAL(th_layers(T), "raw");
    ABSENT("ip.src");
    feed(LT_RAW, "", 0, 0);
    CU_ASSERT_STRING_EQUAL(th_layers(T), "raw");
}

/* ---- NFLOG -------------------------------------------------------------------------------- */

/* linktype-nflog-dns.pcap #1 */
static const char *NFLOG1 =
    "02000014080001000800012705000a00000000000800040000000002100008000006ffffb8a386b9c3d60000"
    "06000f000001000006001100000e0000120010000811961c10c8b8a386b9c3d6080000001400030000000000"
    "522a1f9e00000000000960fc4d00090045000049000040003711c5144a522a2a0a0000140035a65900356ddf"
    "437181800001000100000000076578616d706c6503636f6d0000010001c00c0001000100002f9600045db8d8"
    "77000000";

static void test_nflog(void)
{
    feed(LT_NFLOG, NFLOG1, 0, 0);
    FIELD_IS("nflog.family", "2");
    FIELD_IS("nflog.version", "0");
    FIELD_IS("nflog.res_id", "20");
    FIELD_IS("nflog.tlv_type", "1,10,4,8,15,17,16,3,9");
    FIELD_IS("nflog.tlv_length", "8,5,8,16,6,6,18,20,77");
    FIELD_IS("nflog.protocol", "0x0800");
    FIELD_IS("nflog.hook", "1");
    FIELD_IS("nflog.ifindex_indev", "2");
    CU_ASSERT_EQUAL(th_count(T, "nflog.prefix"), 1);
    FIELD_IS("nflog.prefix", "");
    FIELD_IS("nflog.tlv_value", "0006ffffb8a386b9c3d60000,0001,000e,0811961c10c8b8a386b9c3d60800");
    CU_ASSERT_EQUAL(th_count(T, "nflog.timestamp"), 1);
    FIELD_IS("ip.src", "74.82.42.42");
    LAYERS_START("nflog:ip");
    CU_ASSERT_EQUAL(th_errors(T), 0);

    /* Truncated inside the payload: the NFLOG part and the IP header are still there. */
    feed(LT_NFLOG, NFLOG1, 0x68 + 20, 180);
    FIELD_IS("nflog.tlv_type", "1,10,4,8,15,17,16,3,9");
    FIELD_IS("ip.src", "74.82.42.42");
    CU_ASSERT_EQUAL(th_layer_errors(T, "nflog"), 0);   /* the cut is the payload's business */
}

static void test_nflog_bad_tlv_lengths(void)
{
    /* A TLV of length 0 after a good one: the walk stops (it would not advance). */
    feed(LT_NFLOG, "02000014" "0800010008000100" "00000a00" "0800040000000002", 0, 0);
    FIELD_IS("nflog.tlv_type", "1,10");
    FIELD_IS("nflog.tlv_length", "8,0");
    FIELD_IS("nflog.protocol", "0x0800");
    ABSENT("nflog.ifindex_indev");
    CU_ASSERT_EQUAL(th_layer_errors(T, "nflog"), TRAWL_BUF_MALFORMED);

    /* Length 2: shorter than the TLV header. */
    feed(LT_NFLOG, "02000014" "02000100" "0800040000000002", 0, 0);
    FIELD_IS("nflog.tlv_length", "2");
    ABSENT("nflog.ifindex_indev");
    CU_ASSERT_EQUAL(th_layer_errors(T, "nflog"), TRAWL_BUF_MALFORMED);

    /* Length past the end: malformed, fields before kept (the present bytes still go on). */
    feed(LT_NFLOG, "02000014" "0800010008000100" "c8000900" "4500", 0, 0);
    FIELD_IS("nflog.protocol", "0x0800");
    FIELD_IS("nflog.tlv_length", "8,200");
    LAYERS_START("nflog");
    CU_ASSERT_EQUAL(th_layer_errors(T, "nflog"), TRAWL_BUF_MALFORMED);

    /* Only the 4-byte header. */
    feed(LT_NFLOG, "0a000001", 0, 0);
    FIELD_IS("nflog.family", "10");
    FIELD_IS("nflog.res_id", "1");
    ABSENT("nflog.tlv_type");
    CU_ASSERT_EQUAL(th_errors(T), 0);
}

/* ---- PPPoE and PPP ------------------------------------------------------------------------ */

static void test_pppoe_discovery(void)
{
    /* PADI with an empty Service-Name (not shown, as tshark) and a Host-Uniq. */
    feed(LT_ETH, "ffffffffffff66778899aabb886311090000000c0101000001030004deadbeef", 0, 0);
    FIELD_IS("eth.type", "0x8863");
    FIELD_IS("pppoe.code", "0x09");
    FIELD_IS("pppoe.session_id", "0x0000");
    FIELD_IS("pppoe.payload_length", "12");
    FIELD_IS("pppoed.tags.host_uniq", "deadbeef");
    ABSENT("pppoed.tags.service_name");
    ABSENT("ppp.protocol");
    CU_ASSERT_STRING_EQUAL(th_layers(T), "eth:pppoe:pppoed");
    INFO_HAS("Active Discovery Initiation (PADI)");

    /* A tag length past the payload: malformed in the tag walk, earlier tags kept. */
    feed(LT_ETH, "ffffffffffff66778899aabb8863110900000010" "01020003414243" "0103ff00deadbeef00", 0, 0);
    FIELD_IS("pppoed.tags.ac_name", "ABC");
    CU_ASSERT_EQUAL(th_layer_errors(T, "pppoed"), TRAWL_BUF_MALFORMED);
}

static void test_pppoe_bad_length(void)
{
    /* Session payload length 200 with 30 bytes: malformed on pppoe, PPP and IP still run. */
    feed(LT_ETH, "00112233445566778899aabb88641100123400c80021" INNER_IP, 0, 0);
    FIELD_IS("pppoe.payload_length", "200");
    FIELD_IS("ppp.protocol", "0x0021");
    FIELD_IS("ip.src", "10.0.0.1");
    CU_ASSERT_EQUAL(th_layer_errors(T, "pppoe"), TRAWL_BUF_MALFORMED);

    /* Truncated in the PPPoE header. */
    feed(LT_ETH, "00112233445566778899aabb88641100123400c80021", 18, 60);
    FIELD_IS("pppoe.session_id", "0x1234");
    ABSENT("pppoe.payload_length");
    CU_ASSERT_EQUAL(th_layer_errors(T, "pppoe"), TRAWL_BUF_TRUNCATED);
}

static void test_ppp_link(void)
{
    /* LINKTYPE_PPP with address/control, then protocol-field compression, then LCP. */
    feed(LT_PPP, "ff030021" INNER_IP, 0, 0);
    FIELD_IS("ppp.address", "0xff");
    FIELD_IS("ppp.control", "0x03");
    FIELD_IS("ppp.protocol", "0x0021");
    FIELD_IS("ip.src", "10.0.0.1");
    LAYERS_START("ppp:ip");

    feed(LT_PPP, "21" INNER_IP, 0, 0);
    FIELD_IS("ppp.protocol", "0x0021");
    ABSENT("ppp.address");
    FIELD_IS("ip.src", "10.0.0.1");

    feed(LT_PPP, "c0210901000c1234567800000000", 0, 0);
    FIELD_IS("ppp.protocol", "0xc021");
    FIELD_IS("ppp.code", "9");
    FIELD_IS("ppp.identifier", "1");
    FIELD_IS("ppp.length", "12");
    INFO_HAS("Echo Request");

    feed(LT_PPP, "ff03c0", 3, 20);
    FIELD_IS("ppp.address", "0xff");
    ABSENT("ppp.protocol");
    CU_ASSERT_EQUAL(th_errors(T), TRAWL_BUF_TRUNCATED);
}

/* ---- GRE ---------------------------------------------------------------------------------- */

/* pcap-bigendian-pptp-gre.pcap #16: enhanced GRE (PPTP) carrying PPP LCP. */
static void test_gre_pptp(void)
{
    feed(LT_ETH, "0800209f6b7200000000000008004500005003bc0000802f20ad0a01010b0a01010a3001880b0030"
                 "000000000000ff03c0210100002c0506021952cf070208020d03061104064e13170129f76a9077f1"
                 "472c835247f271d656070000000c", 0, 0);
    FIELD_IS("ip.src", "10.1.1.11");
    FIELD_IS("gre.flags_and_version", "0x3001");
    FIELD_IS("gre.flags.key", "1");
    FIELD_IS("gre.flags.version", "1");
    FIELD_IS("gre.proto", "0x880b");
    FIELD_IS("gre.key.payload_length", "48");
    FIELD_IS("gre.key.call_id", "0");
    FIELD_IS("gre.sequence_number", "0");
    ABSENT("gre.key");
    ABSENT("gre.ack_number");
    FIELD_IS("ppp.address", "0xff");
    FIELD_IS("ppp.protocol", "0xc021");
    FIELD_IS("ppp.code", "1");
    CU_ASSERT_STRING_EQUAL(th_layers(T), "eth:ip:gre:ppp");
    INFO_HAS("Configuration Request");
}

static void test_gre_v0(void)
{
    /* Checksum + key + sequence, IPv4 inside. */
    feed(LT_ETH, "00112233445566778899aabb08004500004000010000402ff93ac0a80001c0a80002"
                 "b0000800000000000a0b0c0d00000007" INNER_IP, 0, 0);
    FIELD_IS("gre.flags_and_version", "0xb000");
    FIELD_IS("gre.checksum", "0x0000");
    FIELD_IS("gre.offset", "0");
    FIELD_IS("gre.key", "0x0a0b0c0d");
    FIELD_IS("gre.sequence_number", "7");
    FIELD_IS("gre.proto", "0x0800");
    FIELD_IS("ip.src", "192.168.0.1,10.0.0.1");
    LAYERS_START("eth:ip:gre:ip");

    /* Transparent Ethernet bridging (0x6558). */
    feed(LT_ETH, "00112233445566778899aabb08004500004200010000402ff938c0a80001c0a80002"
                 "0000655800112233445566778899aabb0800" INNER_IP, 0, 0);
    FIELD_IS("gre.proto", "0x6558");
    FIELD_IS("eth.src", "66:77:88:99:aa:bb,66:77:88:99:aa:bb");
    FIELD_IS("eth.type", "0x0800,0x0800");
    LAYERS_START("eth:ip:gre:eth:ip");

    /* Routing present: one SRE, then the terminator. */
    feed(LT_ETH, "00112233445566778899aabb08004500004400010000402ff936c0a80001c0a80002"
                 "4000080000000004000200040102030400000000" INNER_IP, 0, 0);
    FIELD_IS("gre.routing.address_family", "2,0");
    FIELD_IS("gre.routing.src_length", "4,0");
    FIELD_IS("gre.routing.information", "01020304");
    FIELD_IS("ip.src", "192.168.0.1,10.0.0.1");
}

static void test_gre_truncated_malformed(void)
{
    /* Key bit set, cut after the protocol type. */
    feed(LT_ETH, "00112233445566778899aabb08004500004000010000402ff93ac0a80001c0a80002"
                 "b0000800000000000a0b0c0d00000007" INNER_IP, 34 + 6, 82);
    FIELD_IS("gre.proto", "0x0800");
    ABSENT("gre.key");
    CU_ASSERT_EQUAL(th_layer_errors(T, "gre"), TRAWL_BUF_TRUNCATED);

    /* An SRE whose length runs past the end of the datagram. */
    feed(LT_ETH, "00112233445566778899aabb08004500002900010000402ff951c0a80001c0a80002"
                 "400008000000000400020040010203040000000000", 0, 0);
    FIELD_IS("gre.routing.src_length", "64");
    ABSENT("gre.routing.information");
    CU_ASSERT_EQUAL(th_layer_errors(T, "gre"), TRAWL_BUF_MALFORMED);
}

/* ---- registration ----------------------------------------------------------------------- */

void test_l2_register(void)
{
    CU_pSuite s = CU_add_suite("l2", suite_init, suite_clean);
    if (!s)
        return;
    CU_add_test(s, "eth: 802.1ad + 802.1Q + ARP request", test_eth_8021ad_arp);
    CU_add_test(s, "arp: reply", test_arp_reply);
    CU_add_test(s, "eth: QinQ + PPPoE session + PPP + IPv4", test_qinq_pppoe_session);
    CU_add_test(s, "eth: QinQ tag orders and 0x9100", test_qinq_orders);
    CU_add_test(s, "eth: truncated and short frames", test_eth_truncated);
    CU_add_test(s, "eth: invalid length/type", test_eth_invalid_lentype);
    CU_add_test(s, "llc: SNAP with padding", test_llc_snap);
    CU_add_test(s, "llc: STP BPDU", test_llc_stp);
    CU_add_test(s, "eth: 802.3 length past the end", test_eth_len_past_end);
    CU_add_test(s, "arp: announcement, gratuitous reply, probe", test_arp_variants);
    CU_add_test(s, "arp: non-Ethernet sizes, huge sizes", test_arp_odd_sizes);
    CU_add_test(s, "arp: truncated", test_arp_truncated);
    CU_add_test(s, "sll2: ARP, RARP, ICMP, truncated", test_sll2);
    CU_add_test(s, "sll: v1 IPv4, LLC, truncated", test_sll_v1);
    CU_add_test(s, "null: both byte orders, IPv6 families", test_null_byte_orders);
    CU_add_test(s, "null: ethertype form, loop, short", test_null_ethertype_and_loop);
    CU_add_test(s, "rawip: 101, 12, 228, 229, not IP", test_rawip);
    CU_add_test(s, "nflog: real frame and truncated", test_nflog);
    CU_add_test(s, "nflog: zero, short and long TLV lengths", test_nflog_bad_tlv_lengths);
    CU_add_test(s, "pppoe: discovery tags", test_pppoe_discovery);
    CU_add_test(s, "pppoe: bad payload length, truncated", test_pppoe_bad_length);
    CU_add_test(s, "ppp: link type 9, PFC, LCP", test_ppp_link);
    CU_add_test(s, "gre: PPTP enhanced GRE", test_gre_pptp);
    CU_add_test(s, "gre: v0 key/seq/checksum, TEB, routing", test_gre_v0);
    CU_add_test(s, "gre: truncated and malformed", test_gre_truncated_malformed);
}
