/* test_dhcp.c — the dhcp and dhcpv6 plugins (suite "dhcp").
 *
 * Expected field values are what tshark 4.0.17 prints for the same bytes (the shared captures
 * were run through `tshark -T fields`); built messages cover what the captures lack: every
 * option the plugin decodes, option overload into sname/file (also empty ones), lengths past the
 * end, zero-length options, cut captures, DHCPv6 relays (nested past the depth bound), and the
 * dhcp records of an exchange.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../pktgen.h"

#define FIELD_IS(t, f, v) CU_ASSERT_STRING_EQUAL(th_field(t, f), v)
#define REC_IS(t, i, c, v) CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "dhcp", i, c), v)
#define REC6_IS(t, i, c, v) CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "dhcpv6", i, c), v)

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; *p && n < cap;) {
        if (*p == ' ') { p++; continue; }
        unsigned v;
        if (!p[1] || sscanf(p, "%2x", &v) != 1) break;
        out[n++] = (uint8_t)v;
        p += 2;
    }
    return n;
}

static struct th *start(void)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

static struct th *capture(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", th_captures_dir(), name);
    struct th *t = start();
    CU_ASSERT_EQUAL(th_file(t, path), 0);
    return t;
}

/* ---- building messages ----------------------------------------------------------------------- */

static uint8_t frame[4096];

/* A BOOTP header (op, xid, yiaddr, chaddr 02:00:00:00:00:07), the cookie, then opts (hex). */
static size_t bootp(uint8_t *m, uint8_t op, uint32_t xid, const uint8_t yiaddr[4], const char *opts)
{
    memset(m, 0, 240);
    m[0] = op; m[1] = 1; m[2] = 6;
    pg_put32(m + 4, xid);
    if (yiaddr) memcpy(m + 16, yiaddr, 4);
    static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 7 };
    memcpy(m + 28, mac, 6);
    m[236] = 99; m[237] = 130; m[238] = 83; m[239] = 99;
    return 240 + unhex(opts, m + 240, 1500);
}

/* Send m over UDP from src to dst; caplen 0: all captured. */
static void send_udp(struct th *t, const struct pg_ep *src, const struct pg_ep *dst, const uint8_t *m,
                     size_t n, uint32_t caplen)
{
    size_t len = pg_ipv4(frame, 17, src, dst, 0, 0, 0, 0, m, n);
    CU_ASSERT_EQUAL(th_bytes(t, 1, frame, caplen ? caplen : (uint32_t)len, (uint32_t)len), 0);
}

static void send_v4(struct th *t, const uint8_t *m, size_t n, uint32_t caplen)
{
    struct pg_ep c = pg_v4(10, 0, 0, 9, 68), s = pg_v4(10, 0, 0, 1, 67);
    send_udp(t, &c, &s, m, n, caplen);
}

/* DHCPv6 over Ethernet + IPv6 + UDP 546 -> 547. */
static void send_v6(struct th *t, const char *hex)
{
    uint8_t *f = frame;
    static const uint8_t head[14] = { 0x33, 0x33, 0, 1, 0, 2, 2, 0, 0, 0, 0, 9, 0x86, 0xdd };
    memcpy(f, head, 14);
    uint8_t *ip = f + 14, *udp = ip + 40;
    size_t n = unhex(hex, udp + 8, 2000);
    memset(ip, 0, 40);
    ip[0] = 0x60;
    pg_put16(ip + 4, (uint16_t)(8 + n));
    ip[6] = 17; ip[7] = 1;
    ip[8] = 0xfe; ip[9] = 0x80; ip[23] = 9;                    /* fe80::9 */
    ip[24] = 0xff; ip[25] = 0x02; ip[37] = 1; ip[38] = 0; ip[39] = 2;   /* ff02::1:2 */
    pg_put16(udp, 546);
    pg_put16(udp + 2, 547);
    pg_put16(udp + 4, (uint16_t)(8 + n));
    pg_put16(udp + 6, 0);
    CU_ASSERT_EQUAL(th_bytes(t, 1, f, (uint32_t)(54 + 8 + n), 0), 0);
}

/* ---- captures ------------------------------------------------------------------------------------ */

static void test_capture_user_class(void)
{
    struct th *t = capture("dhcp-rfc3004-user-class.pcap");     /* its last frame: the ACK */
    FIELD_IS(t, "dhcp.type", "2");
    FIELD_IS(t, "dhcp.hw.type", "0x01");
    FIELD_IS(t, "dhcp.id", "0x06e32864");
    FIELD_IS(t, "dhcp.flags", "0x0000");
    FIELD_IS(t, "dhcp.ip.your", "192.168.1.4");
    FIELD_IS(t, "dhcp.hw.mac_addr", "00:0c:29:1f:74:06");
    FIELD_IS(t, "dhcp.cookie", "99.130.83.99");
    FIELD_IS(t, "dhcp.option.type", "53,54,51,1,3,6,15,0");
    FIELD_IS(t, "dhcp.option.length", "1,4,4,4,4,4,4");
    FIELD_IS(t, "dhcp.option.dhcp", "5");
    FIELD_IS(t, "dhcp.option.ip_address_lease_time", "86400");
    FIELD_IS(t, "dhcp.option.domain_name", "Home");
    FIELD_IS(t, "dhcp.option.end", "255");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    /* Two flows (the client's broadcasts, the server's unicast replies) carry one exchange:
     * one record, as Zeek's dhcp.log has it, once its watch time is over (here: the end). */
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dhcp"), 0);
    th_finish(t);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dhcp"), 1);
    REC_IS(t, 0, "msg_types", "DISCOVER,OFFER,REQUEST,ACK");
    REC_IS(t, 0, "uids", "C5VrFRZ2BqBT43EEvR,CRJ6sM3QKgsOpRQLMN");
    REC_IS(t, 0, "assigned_addr", "192.168.1.4");
    REC_IS(t, 0, "requested_addr", "192.168.1.4");
    REC_IS(t, 0, "server_addr", "192.168.1.1");
    REC_IS(t, 0, "mac", "00:0c:29:1f:74:06");
    REC_IS(t, 0, "domain", "Home");
    REC_IS(t, 0, "lease_time", "86400.000000000");
    REC_IS(t, 0, "duration", "0.112007000");
    REC_IS(t, 0, "community_id", "1:t9O1j0qj71O4wJM7gnaHtgmfev8=");
    REC_IS(t, 0, "first_frame", "1");
    REC_IS(t, 0, "last_frame", "4");
    th_free(t);
}

static void test_capture_static_routes(void)
{
    struct th *t = capture("dhcp-option33-static-routes.pcap");
    FIELD_IS(t, "dhcp.option.type", "53,54,51,33,0");
    FIELD_IS(t, "dhcp.option.length", "1,4,4,0");         /* its last frame: an empty option 33 */
    FIELD_IS(t, "dhcp.option.static_route.ip", "");
    FIELD_IS(t, "dhcp.ip.server", "192.168.1.1");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    th_free(t);
}

static void test_capture_dhcpv6(void)
{
    struct th *t = capture("dhcpv6-ia-na.pcap");                 /* its last frame: the Reply */
    FIELD_IS(t, "dhcpv6.msgtype", "7");
    FIELD_IS(t, "dhcpv6.xid", "0x2ffdd1");
    FIELD_IS(t, "dhcpv6.option.type", "3,5,1,2");
    FIELD_IS(t, "dhcpv6.option.length", "40,24,10,14");
    FIELD_IS(t, "dhcpv6.iaid", "02030405");
    FIELD_IS(t, "dhcpv6.iaid.t1", "3600");
    FIELD_IS(t, "dhcpv6.iaaddr.ip", "2a00:1:1:200:38e6:b22e:c440:acdf");
    FIELD_IS(t, "dhcpv6.iaaddr.pref_lifetime", "4500");
    FIELD_IS(t, "dhcpv6.duid.bytes", "00030001000102030405,000100011846488c001122334455");
    FIELD_IS(t, "dhcpv6.duid.type", "3,1");
    FIELD_IS(t, "dhcpv6.duidll.link_layer_addr", "00:01:02:03:04:05");
    FIELD_IS(t, "dhcpv6.duidllt.time", "Nov 26, 2012 15:34:36.000000000 UTC");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    /* Two exchanges (Solicit/Advertise, Request/Reply), each over two flows: the client's
     * multicasts and the server's replies to its link-local address. */
    th_finish(t);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dhcpv6"), 2);
    REC6_IS(t, 0, "msg_types", "SOLICIT,ADVERTISE");
    REC6_IS(t, 0, "uids", "C7P2gYauQXhLw08jAC,CuHeSbgWGvKv06XrMU");
    REC6_IS(t, 0, "client_addr", "fe80::201:2ff:fe03:405");
    REC6_IS(t, 0, "server_addr", "fe80::211:22ff:fe33:4455");
    REC6_IS(t, 0, "mac", "00:01:02:03:04:05");
    REC6_IS(t, 0, "client_duid", "00030001000102030405");
    REC6_IS(t, 0, "server_duid", "000100011846488c001122334455");
    REC6_IS(t, 0, "assigned_addr", "");              /* an Advertise offers, a Reply assigns */
    REC6_IS(t, 0, "first_frame", "1");
    REC6_IS(t, 0, "last_frame", "2");
    REC6_IS(t, 1, "msg_types", "REQUEST,REPLY");
    REC6_IS(t, 1, "requested_addr", "2a00:1:1:200:38e6:b22e:c440:acdf");
    REC6_IS(t, 1, "assigned_addr", "2a00:1:1:200:38e6:b22e:c440:acdf");
    REC6_IS(t, 1, "lease_time", "7200.000000000");
    REC6_IS(t, 1, "duration", "0.000392000");
    REC6_IS(t, 1, "community_id", "1:tR24PHG34ky4Bng/+8sGtXumN9k=");
    th_free(t);
}

/* Client FQDN (39), the domain search list (24), delegated prefixes, a status, a relayed
 * message: fields as tshark prints them (checked with tshark 4.0 on the same bytes), and what
 * the dhcpv6 record keeps of them. */
static void test_dhcpv6_names_prefixes_status(void)
{
    struct th *t = start();
    trawl_test_set_time(t, 1700000000000000000LL);
    send_v6(t, "01000001" "0001000e000100011846488c000102030405"
               "00270013" "0104686f7374076578616d706c6503636f6d00"       /* 39: host.example.com. */
               "0019000c" "000000010000000000000000");                  /* IA_PD, empty */
    FIELD_IS(t, "dhcpv6.client_fqdn_flags", "0x01");
    FIELD_IS(t, "dhcpv6.client_domain", "host.example.com.");
    trawl_test_set_time(t, 1700000001000000000LL);
    send_v6(t, "02000001" "0001000e000100011846488c000102030405" "0002000a00030001001122334455"
               "0018001f" "076578616d706c6503636f6d0004636f7270076578616d706c65036e657400"
               "00190029" "00000001" "00000064" "000000c8"
               "001a0019" "00000bb8" "00000fa0" "38" "20010db8aa0000000000000000000000");
    FIELD_IS(t, "dhcpv6.search_list_entry", "example.com.,corp.example.net.");
    FIELD_IS(t, "dhcpv6.iaprefix.pref_addr", "2001:db8:aa00::");
    FIELD_IS(t, "dhcpv6.iaprefix.pref_len", "56");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    trawl_test_set_time(t, 1700000002000000000LL);
    send_v6(t, "07000002" "0001000e000100011846488c000102030405" "000d000e" "00026e6f20616464726573736573");
    FIELD_IS(t, "dhcpv6.status_code", "2");
    FIELD_IS(t, "dhcpv6.status_msg", "no addresses");
    /* A Relay-forw around a Request whose FQDN is partial (no root label): no dot. */
    trawl_test_set_time(t, 1700000003000000000LL);
    send_v6(t, "0c01" "00000000000000000000000000000000" "fe800000000000000000000000000001"
               "00090020" "03000003" "0001000e000100011846488c000102030405" "00270006" "000470617274");
    FIELD_IS(t, "dhcpv6.msgtype", "12,3");
    FIELD_IS(t, "dhcpv6.client_domain", "part");
    /* A label running past its option: malformed, nothing made up. */
    send_v6(t, "01000004" "00270004" "00097061");
    FIELD_IS(t, "dhcpv6.client_domain", "");
    CU_ASSERT(th_layer_errors(t, "dhcpv6") & TRAWL_BUF_MALFORMED);
    th_finish(t);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dhcpv6"), 3);
    REC6_IS(t, 0, "msg_types", "SOLICIT,ADVERTISE");
    REC6_IS(t, 0, "client_fqdn", "host.example.com");  /* records drop the root's dot, as Zeek */
    REC6_IS(t, 0, "domain", "example.com");
    REC6_IS(t, 0, "prefixes", "2001:db8:aa00::/56");
    REC6_IS(t, 0, "lease_time", "4000.000000000");
    REC6_IS(t, 0, "mac", "00:01:02:03:04:05");
    REC6_IS(t, 1, "msg_types", "REPLY");
    REC6_IS(t, 1, "status", "no addresses");
    REC6_IS(t, 2, "msg_types", "REQUEST");             /* the relayed message's type and id */
    REC6_IS(t, 2, "client_fqdn", "part");
    th_free(t);
}

/* ---- built messages ------------------------------------------------------------------------------ */

static void test_options(void)
{
    struct th *t = start();
    uint8_t m[2048];
    size_t n = bootp(m, 1, 0xdeadbeef, NULL,
        "350103"                                   /* 53 Request */
        "0c0470632d31"                             /* 12 "pc-1" */
        "3204c0a80005"                             /* 50 192.168.0.5 */
        "3703010306"                               /* 55 */
        "3c084d53465420352e30"                     /* 60 "MSFT 5.0" */
        "3d0701020000000007"                       /* 61 type 1 + MAC */
        "4d09" "03616263" "0464656667"             /* 77 two instances ("abc", "defg") */
        "5106000000" "706331"                      /* 81 flags 0, "pc1" (ASCII) */
        "52090103414243020271ff" "00"              /* 82 circuit "ABC", remote 71ff; a Pad */
        "790d" "18c0a801" "c0a80001" "00" "0a000001"  /* 121 192.168.1.0/24 via .0.1, default via 10.0.0.1 */
        "ff" "0000");
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.option.dhcp", "3");
    FIELD_IS(t, "dhcp.option.hostname", "pc-1");
    FIELD_IS(t, "dhcp.option.requested_ip_address", "192.168.0.5");
    FIELD_IS(t, "dhcp.option.request_list_item", "1,3,6");
    FIELD_IS(t, "dhcp.option.vendor_class_id", "MSFT 5.0");
    FIELD_IS(t, "dhcp.hw.type", "0x01,0x01");
    FIELD_IS(t, "dhcp.client_id.type", "");
    FIELD_IS(t, "dhcp.hw.mac_addr", "02:00:00:00:00:07,02:00:00:00:00:07");
    FIELD_IS(t, "dhcp.option.user_class", "0,1");
    FIELD_IS(t, "dhcp.option.user_class.length", "3,4");
    FIELD_IS(t, "dhcp.option.user_class.data", "616263,64656667");
    FIELD_IS(t, "dhcp.fqdn.flags", "0x00");
    FIELD_IS(t, "dhcp.fqdn.name", "pc1");
    FIELD_IS(t, "dhcp.option.agent_information_option.agent_circuit_id", "414243");
    FIELD_IS(t, "dhcp.option.agent_information_option.agent_remote_id", "71ff");
    FIELD_IS(t, "dhcp.option.classless_static_route", "18c0a801c0a80001,000a000001");
    FIELD_IS(t, "dhcp.option.type", "53,12,50,55,60,61,77,81,82,0,121,0");
    FIELD_IS(t, "dhcp.option.end", "255");
    FIELD_IS(t, "dhcp.option.padding", "00,0000");
    FIELD_IS(t, "dhcp.id", "0xdeadbeef");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    th_free(t);
}

static void test_overload(void)
{
    struct th *t = start();
    uint8_t m[2048];
    /* Overload 3: file then sname hold options; file has a host name, sname is all zero (pads). */
    size_t n = bootp(m, 1, 1, NULL, "350101" "340103" "ff");
    static const uint8_t in_file[] = { 12, 3, 'a', 'b', 'c', 255 };
    memcpy(m + 108, in_file, sizeof in_file);
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.option.option_overload", "3");
    FIELD_IS(t, "dhcp.option.hostname", "abc");
    FIELD_IS(t, "dhcp.option.type", "53,52,0,12,0,0");   /* main End, file's 12 and End, sname's pads */
    CU_ASSERT_EQUAL(strlen(th_field(t, "dhcp.option.padding")), 128);   /* sname's 64 pads only */
    FIELD_IS(t, "dhcp.file", "");
    FIELD_IS(t, "dhcp.server", "");
    CU_ASSERT_EQUAL(th_errors(t), 0);

    /* Without overload the same bytes are the boot file name's text. */
    n = bootp(m, 1, 1, NULL, "350101" "ff");
    memcpy(m + 108, "boot.img", 9);
    memcpy(m + 44, "srv", 4);
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.file", "boot.img");
    FIELD_IS(t, "dhcp.server", "srv");

    /* An overloaded sname whose option runs past its 64 bytes: malformed, nothing read past it. */
    n = bootp(m, 1, 1, NULL, "350101" "340102" "ff");
    memset(m + 44, 0, 64);
    m[44 + 62] = 12; m[44 + 63] = 10;
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.option.hostname", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcp"), TRAWL_BUF_MALFORMED);
    th_free(t);
}

static void test_malformed(void)
{
    struct th *t = start();
    uint8_t m[2048];
    /* Option length past the end: what came before stays, the layer is malformed. */
    size_t n = bootp(m, 1, 2, NULL, "350101" "0c20616263");
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.option.dhcp", "1");
    FIELD_IS(t, "dhcp.option.type", "53,12");
    FIELD_IS(t, "dhcp.option.length", "1,32");
    FIELD_IS(t, "dhcp.option.hostname", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcp"), TRAWL_BUF_MALFORMED);

    /* A type with no length byte at the very end. */
    n = bootp(m, 1, 2, NULL, "350101" "0c");
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.option.type", "53,12");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcp"), TRAWL_BUF_MALFORMED);

    /* Zero-length options: an empty host name is fine; a message type needs its byte (tshark
     * stops there); an empty lease time is flagged and the walk goes on. */
    n = bootp(m, 1, 2, NULL, "0c00" "3500" "3300" "3700" "ff");
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.option.type", "12,53");
    FIELD_IS(t, "dhcp.option.length", "0,0");
    FIELD_IS(t, "dhcp.option.hostname", "");
    CU_ASSERT_EQUAL(th_count(t, "dhcp.option.hostname"), 1);
    FIELD_IS(t, "dhcp.option.dhcp", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcp"), TRAWL_BUF_MALFORMED);
    n = bootp(m, 1, 2, NULL, "3300" "3700" "ff");
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.option.type", "51,55,0");
    FIELD_IS(t, "dhcp.option.ip_address_lease_time", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcp"), TRAWL_BUF_MALFORMED);

    /* A user class instance longer than its option; a classless route with width 33. */
    n = bootp(m, 1, 2, NULL, "4d03056162" "ff");
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.option.user_class.length", "5");
    FIELD_IS(t, "dhcp.option.user_class.data", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcp"), TRAWL_BUF_MALFORMED);
    n = bootp(m, 1, 2, NULL, "7905210a000001" "ff");
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.option.classless_static_route", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcp"), TRAWL_BUF_MALFORMED);

    /* Cut by the snaplen inside the fixed header, then inside an option. */
    n = bootp(m, 1, 3, NULL, "350101" "0c0461626364" "ff");
    send_v4(t, m, n, 14 + 20 + 8 + 100);
    FIELD_IS(t, "dhcp.type", "1");
    FIELD_IS(t, "dhcp.id", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcp"), TRAWL_BUF_TRUNCATED);
    send_v4(t, m, n, 14 + 20 + 8 + 240 + 5);
    FIELD_IS(t, "dhcp.id", "0x00000003");
    FIELD_IS(t, "dhcp.option.type", "53,12");
    FIELD_IS(t, "dhcp.option.hostname", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcp"), TRAWL_BUF_TRUNCATED);

    /* Plain BOOTP (no cookie): the header only. */
    n = bootp(m, 2, 4, NULL, "");
    m[236] = 0;
    send_v4(t, m, n, 0);
    FIELD_IS(t, "dhcp.id", "0x00000004");
    FIELD_IS(t, "dhcp.cookie", "");
    FIELD_IS(t, "dhcp.option.type", "");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    th_free(t);
}

#define SEC 1000000000LL

static void test_records(void)
{
    struct th *t = start();
    uint8_t m[2048];
    static const uint8_t yi[4] = { 10, 0, 0, 9 };
    const int64_t t0 = 1700000000000000000LL;
    struct pg_ep c = pg_v4(10, 0, 0, 9, 68), s = pg_v4(10, 0, 0, 1, 67);
    trawl_test_set_time(t, t0);
    size_t n = bootp(m, 1, 0x11, NULL, "350103" "3204" "0a000009" "0c04686f7374" "ff");
    send_udp(t, &c, &s, m, n, 0);
    trawl_test_set_time(t, t0 + SEC / 4);
    n = bootp(m, 2, 0x11, yi, "350105" "3604" "0a000001" "330400000e10" "3804" "6f6b2e21" "ff");
    send_udp(t, &s, &c, m, n, 0);
    trawl_test_set_time(t, t0 + SEC);
    n = bootp(m, 1, 0x22, NULL, "350101" "ff");
    send_udp(t, &c, &s, m, n, 0);
    /* An ACK does not close an exchange: Zeek joins what comes within 30 s of its start. */
    trawl_test_set_time(t, t0 + 30 * SEC);
    n = bootp(m, 2, 0x11, yi, "350105" "ff");
    send_udp(t, &s, &c, m, n, 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dhcp"), 0);
    /* 40 s on: both exchanges are over and logged, the older first. */
    trawl_test_set_time(t, t0 + 40 * SEC);
    n = bootp(m, 1, 0x33, NULL, "350103" "ff");
    send_udp(t, &c, &s, m, n, 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dhcp"), 2);
    REC_IS(t, 0, "msg_types", "REQUEST,ACK,ACK");
    REC_IS(t, 0, "host_name", "host");
    REC_IS(t, 0, "requested_addr", "10.0.0.9");
    REC_IS(t, 0, "assigned_addr", "10.0.0.9");
    REC_IS(t, 0, "server_addr", "10.0.0.1");
    REC_IS(t, 0, "lease_time", "3600.000000000");
    REC_IS(t, 0, "server_message", "ok.!");
    REC_IS(t, 0, "mac", "02:00:00:00:00:07");
    REC_IS(t, 0, "duration", "30.000000000");
    REC_IS(t, 0, "first_frame", "1");
    REC_IS(t, 0, "last_frame", "4");
    REC_IS(t, 1, "msg_types", "DISCOVER");
    REC_IS(t, 1, "first_frame", "3");
    trawl_test_set_time(t, t0 + 41 * SEC);
    n = bootp(m, 2, 0x33, NULL, "350106" "3804" "6e6f7065" "ff");
    send_udp(t, &s, &c, m, n, 0);
    th_finish(t);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dhcp"), 3);
    REC_IS(t, 2, "msg_types", "REQUEST,NAK");
    REC_IS(t, 2, "server_message", "nope");
    th_free(t);
    /* A flood of transaction ids: at most 4096 exchanges open, the oldest logged first. */
    t = start();
    trawl_test_set_time(t, t0);
    for (uint32_t x = 0; x < 4100; x++) {
        n = bootp(m, 1, 0x100 + x, NULL, "350101" "ff");
        send_udp(t, &c, &s, m, n, 0);
    }
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "dhcp"), 4);
    REC_IS(t, 0, "first_frame", "1");
    REC_IS(t, 3, "first_frame", "4");
    th_finish(t);
    /* The rest at the end, in order (the harness keeps the first few thousand records). */
    CU_ASSERT(trawl_test_record_count(t, "dhcp") > 100);
    REC_IS(t, 4, "first_frame", "5");
    REC_IS(t, 99, "first_frame", "100");
    th_free(t);
}

static void test_dhcpv6_relay(void)
{
    struct th *t = start();
    /* Relay-forw: hop 0, link and peer, interface-id "eth0", relay message = Solicit. */
    send_v6(t, "0c00" "20010db8000000000000000000000001" "fe800000000000000000000000000009"
               "00120004" "65746830"
               "0009000e" "01abcdef" "00080002" "0000" "000e0000");
    FIELD_IS(t, "dhcpv6.msgtype", "12,1");
    FIELD_IS(t, "dhcpv6.hopcount", "0");
    FIELD_IS(t, "dhcpv6.linkaddr", "2001:db8::1");
    FIELD_IS(t, "dhcpv6.peeraddr", "fe80::9");
    FIELD_IS(t, "dhcpv6.interface_id", "65746830");
    FIELD_IS(t, "dhcpv6.xid", "0xabcdef");
    FIELD_IS(t, "dhcpv6.option.type", "18,9,8,14");
    FIELD_IS(t, "dhcpv6.elapsed_time", "0");
    CU_ASSERT_EQUAL(th_errors(t), 0);

    /* Status code and a length past the end. */
    send_v6(t, "07000001" "000d0009" "0002" "6e6f206164" "6472" "0017ffff" "00");
    FIELD_IS(t, "dhcpv6.status_code", "2");
    FIELD_IS(t, "dhcpv6.status_msg", "no addr");
    FIELD_IS(t, "dhcpv6.option.type", "13");          /* 23 runs past the end: not shown */
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcpv6"), TRAWL_BUF_MALFORMED);

    /* Twenty nested relays: decoded down to the depth bound, no more, and no harm. */
    char hex[4096] = "";
    size_t depth = 20, inner = 4;               /* the innermost: a Solicit header */
    size_t lens[21];
    lens[depth] = inner;
    for (size_t i = depth; i-- > 0;) lens[i] = 34 + 4 + lens[i + 1];
    size_t o = 0;
    for (size_t i = 0; i < depth; i++)
        o += (size_t)snprintf(hex + o, sizeof hex - o, "0c%02x%064d0009%04zx", (unsigned)i, 0, lens[i + 1]);
    snprintf(hex + o, sizeof hex - o, "01000001");
    send_v6(t, hex);
    CU_ASSERT_EQUAL(th_count(t, "dhcpv6.msgtype"), 9);
    CU_ASSERT_EQUAL(th_errors(t), 0);

    /* Cut: a bare type byte. */
    send_v6(t, "01");
    FIELD_IS(t, "dhcpv6.msgtype", "1");
    FIELD_IS(t, "dhcpv6.xid", "");
    CU_ASSERT_EQUAL(th_layer_errors(t, "dhcpv6"), TRAWL_BUF_MALFORMED);
    th_free(t);
}

void test_dhcp_register(void);
void test_dhcp_register(void)
{
    CU_pSuite s = CU_add_suite("dhcp", NULL, NULL);
    CU_add_test(s, "capture: user class (RFC 3004), one exchange across two flows", test_capture_user_class);
    CU_add_test(s, "capture: static routes (option 33)", test_capture_static_routes);
    CU_add_test(s, "capture: DHCPv6 IA_NA, two exchanges across flows", test_capture_dhcpv6);
    CU_add_test(s, "options 12 50 53 55 60 61 77 81 82 121, pad, end, padding", test_options);
    CU_add_test(s, "option overload: file and sname, empty, past the end", test_overload);
    CU_add_test(s, "lengths past the end, zero-length options, cut captures, BOOTP", test_malformed);
    CU_add_test(s, "records: the 30 s watch time, the end, the cap", test_records);
    CU_add_test(s, "DHCPv6: relays, status, nesting bound, cut", test_dhcpv6_relay);
    CU_add_test(s, "DHCPv6: client FQDN, search list, prefixes, status; the record", test_dhcpv6_names_prefixes_status);
}
