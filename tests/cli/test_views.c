/* test_views.c — -z conv,... and -z follow,tcp,... end to end: tables and streams on real
 * captures (expected text checked once against tshark 4.0, stored here), flows split by
 * timeouts merged back, gaps marked, and the acceptance check: a stream followed in a
 * capture with out-of-order and repeated segments gives the bytes of a copy of that capture
 * whose segments are sorted by sequence number, repeats dropped. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "harness.h"

static char args[4096];
#define CAP(name) th_captures_dir(), name

#define RULE80 "================================================================================\n"
#define RULE67 "===================================================================\n"
#define HDR(pad) \
    pad "|       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n" \
    pad "| Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n"
#define PAD47 "                                               "
#define PAD59 "                                                           "
#define TABLE(title, pad) RULE80 title " Conversations\nFilter:<No Filter>\n" HDR(pad)

/* Compares line by line, naming the first line that differs. */
static void expect_text(const char *got, const char *want)
{
    size_t line = 1;
    const char *g = got, *w = want;
    while (*g && *w) {
        const char *ge = strchr(g, '\n'), *we = strchr(w, '\n');
        size_t gl = ge ? (size_t)(ge - g) : strlen(g), wl = we ? (size_t)(we - w) : strlen(w);
        if (gl != wl || memcmp(g, w, gl)) {
            fprintf(stderr, "\nline %zu:\n  got  '%.*s'\n  want '%.*s'\n", line, (int)gl, g, (int)wl, w);
            CU_FAIL("output differs");
            return;
        }
        g += gl + (ge != NULL);
        w += wl + (we != NULL);
        line++;
    }
    if (*g || *w) fprintf(stderr, "\nline %zu: got %s, want %s\n", line, *g ? "more" : "the end", *w ? "more" : "the end");
    CU_ASSERT(!*g && !*w);
}

static void expect_run(const char *a, const char *want)
{
    struct run r = run_trawl(a, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    if (*r.err) fprintf(stderr, "\nstderr: %s", r.err);
    expect_text(r.out, want);
    run_free(&r);
}

/* ---- conversation tables -------------------------------------------------------------- */

/* Rows by frames, then by first frame; "<-" is what the first frame's source received. */
static void test_conv_udp_ip_eth(void)
{
    snprintf(args, sizeof args, "-r %s/%s -q -z conv,udp -z conv,ip -z conv,eth", CAP("dns-icmp-mixed.pcap"));
    expect_run(args,
        TABLE("UDP", PAD59)
        "192.168.43.9:51677         <-> 192.168.43.1:53                  1 124 bytes       1 80 bytes        2 204 bytes     0.000000000         0.0058\n"
        "192.168.43.9:60038         <-> 192.168.43.1:53                  1 124 bytes       1 80 bytes        2 204 bytes     2.790401000         0.1879\n"
        "192.168.43.9:57086         <-> 192.168.43.1:53                  1 116 bytes       1 80 bytes        2 196 bytes     6.998356000         0.0740\n"
        "192.168.43.9:50082         <-> 192.168.43.1:53                  1 93 bytes        1 77 bytes        2 170 bytes    10.288463000         0.4139\n"
        "192.168.43.9:54627         <-> 192.168.43.1:53                  1 93 bytes        1 77 bytes        2 170 bytes    10.721000000         0.1436\n"
        RULE80
        TABLE("IPv4", PAD47)
        "192.168.43.9         <-> 192.168.43.1               5 550 bytes       5 394 bytes      10 944 bytes     0.000000000        10.8646\n"
        "192.168.43.9         <-> 8.8.8.8                    3 294 bytes       3 294 bytes       6 588 bytes     0.012325000         2.7687\n"
        "192.168.43.9         <-> 4.2.2.2                    3 294 bytes       3 294 bytes       6 588 bytes     7.077579000         3.2019\n"
        "192.168.43.9         <-> 174.137.42.65              3 294 bytes       3 294 bytes       6 588 bytes    10.865117000         2.2725\n"
        "192.168.43.9         <-> 8.8.4.4                    1 98 bytes        3 294 bytes       4 392 bytes     2.982584000         2.0018\n"
        RULE80
        TABLE("Ethernet", PAD47)
        "60:33:4b:13:c5:58    <-> 02:1a:11:f0:c8:3b         15 1530 bytes      17 1570 bytes      32 3100 bytes     0.000000000        13.1376\n"
        RULE80);
}

/* The first frame is the server's SYN-ACK: the server is the left end, as in tshark. */
static void test_conv_tcp_first_source(void)
{
    snprintf(args, sizeof args, "-r %s/%s -q -z conv,tcp", CAP("tcp-handshake-reorder-http.pcap"));
    expect_run(args,
        TABLE("TCP", PAD59)
        "192.150.187.43:80          <-> 141.142.228.5:59856              7 610 bytes       7 5477 bytes      14 6087 bytes     0.000000000         0.1419\n"
        RULE80);
}

/* IPv6 addresses overflow the columns as tshark lets them; sizes of 10 000 and more in kB. */
static void test_conv_ipv6_and_sizes(void)
{
    snprintf(args, sizeof args, "-r %s/%s -q -z conv,ipv6 -z conv,tcp", CAP("ftp-ipv6-login-failed.pcap"));
    expect_run(args,
        TABLE("IPv6", PAD47)
        "2a00:d40:1:3:192:12:193:11 <-> 2a00:800:1010::1           8 808 bytes      10 892 bytes      18 1700 bytes     0.000000000         7.2384\n"
        RULE80
        TABLE("TCP", PAD59)
        "2a00:d40:1:3:192:12:193:11:44724 <-> 2a00:800:1010::1:21              8 808 bytes      10 892 bytes      18 1700 bytes     0.000000000         7.2384\n"
        RULE80);
    snprintf(args, sizeof args, "-r %s/%s -q -z conv,tcp", CAP("http-exe-file-download.pcap"));
    expect_run(args,
        TABLE("TCP", PAD59)
        "10.9.25.101:49165          <-> 144.91.69.195:80                12 14 kB           8 597 bytes      20 14 kB         0.000000000         0.7552\n"
        RULE80);
}

static unsigned distinct_lines(const char *s)
{
    unsigned n = 0;
    for (const char *p = s; *p;) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        bool seen = false;
        for (const char *q = s; q < p && !seen;) {
            const char *qe = strchr(q, '\n');
            size_t ql = (size_t)(qe - q);
            seen = ql == l && !memcmp(q, p, l);
            q = qe + 1;
        }
        n += !seen;
        p += l + (e != NULL);
    }
    return n;
}

/* Idle timeouts of one second split conversations into several flows (several conn records,
 * one udp.stream / tcp.stream number, as tshark's); the tables have one line per conversation. */
static void test_conv_merges_split_flows(void)
{
    /* The evidence of the split: four conn records (Zeek's view), one udp.stream (tshark's). */
    snprintf(args, sizeof args, "-r %s/%s -o flow.timeout.udp=1 --records json", CAP("ntp-mode7-snaplen600.pcap"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(count_lines(r.out), 4);
    run_free(&r);
    snprintf(args, sizeof args, "-r %s/%s -o flow.timeout.udp=1 -T fields -e udp.stream", CAP("ntp-mode7-snaplen600.pcap"));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(distinct_lines(r.out), 1);
    run_free(&r);
    snprintf(args, sizeof args, "-r %s/%s -o flow.timeout.udp=1 -q -z conv,udp -z conv,ip", CAP("ntp-mode7-snaplen600.pcap"));
    expect_run(args,
        TABLE("UDP", PAD59)
        "127.0.0.1:32795            <-> 127.0.0.1:123                    4 752 bytes       4 936 bytes       8 1688 bytes     0.000000000        22.1442\n"
        RULE80
        TABLE("IPv4", PAD47)
        /* both ends the same address: every frame counts as sent by the left one */
        "127.0.0.1            <-> 127.0.0.1                  0 0 bytes         8 1688 bytes       8 1688 bytes     0.000000000        22.1442\n"
        RULE80);

    /* TCP: 36 conversations; with a 1 s timeout one of them (21 s long) is split. */
    snprintf(args, sizeof args, "-r %s/%s -o flow.timeout.tcp=1 --records json", CAP("kerberos-tcp-smb2-ldap.pcap"));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(count_lines(r.out), 37);
    run_free(&r);
    snprintf(args, sizeof args, "-r %s/%s -o flow.timeout.tcp=1 -T fields -e tcp.stream", CAP("kerberos-tcp-smb2-ldap.pcap"));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(distinct_lines(r.out), 36);      /* the split flow keeps its number */
    run_free(&r);
    snprintf(args, sizeof args, "-r %s/%s -q -z conv,tcp", CAP("kerberos-tcp-smb2-ldap.pcap"));
    struct run a = run_trawl(args, NULL);
    snprintf(args, sizeof args, "-r %s/%s -o flow.timeout.tcp=1 -q -z conv,tcp", CAP("kerberos-tcp-smb2-ldap.pcap"));
    struct run b = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(count_lines(a.out), 36 + 6);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.out, PAD59 "| Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n"
        "172.16.8.201:49165         <-> 172.16.8.8:49155                 2 624 bytes       4 1382 bytes       6 2006 bytes     0.429046000        21.4925\n"));
    expect_text(b.out, a.out);
    run_free(&a);
    run_free(&b);
}

/* Without -q the packets come first, the tables after them. */
static void test_conv_after_packets(void)
{
    snprintf(args, sizeof args, "-r %s/%s -z conv,tcp", CAP("tcp-handshake-reorder-http.pcap"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 14 + 7);
    CU_ASSERT_EQUAL(strncmp(r.out, "    1 ", 6), 0);
    const char *t = strstr(r.out, RULE80 "TCP Conversations\n");
    CU_ASSERT_PTR_NOT_NULL(t);
    CU_ASSERT(t && count_lines(t) == 7);
    run_free(&r);
}

static void test_z_errors(void)
{
    static const char *const bad[] = { "conv,sctp", "conv,tcp,ip.addr==10.0.0.1", "follow,udp,ascii,0",
                                       "follow,tcp,ebcdic,0", "follow,tcp,ascii,x", "follow,tcp,ascii,",
                                       "follow,tcp,hex,1.2.3.4:80,5.6.7.8:90", "io,stat,1", NULL };
    for (int i = 0; bad[i]; i++) {
        snprintf(args, sizeof args, "-r %s/%s -q -z %s", CAP("dns-tcp-query-response.pcap"), bad[i]);
        struct run r = run_trawl(args, NULL);
        CU_ASSERT_EQUAL(r.status, 1);
        CU_ASSERT_STRING_EQUAL(r.out, "");
        CU_ASSERT_PTR_NOT_NULL(strstr(r.err, bad[i]));
        run_free(&r);
    }
}

/* ---- following streams -------------------------------------------------------------------- */

#define DNS_NODES "Filter: tcp.stream eq 0\nNode 0: 192.168.1.11:33779\nNode 1: 209.87.249.18:53\n"

static void test_follow_dns_ascii_hex(void)
{
    snprintf(args, sizeof args, "-r %s/%s -q -z follow,tcp,ascii,0 -z follow,tcp,hex,0 -z follow,tcp,raw,5",
             CAP("dns-tcp-query-response.pcap"));
    expect_run(args,
        "\n" RULE67 "Follow: tcp,ascii\n" DNS_NODES
        "58\n"
        ".8C.. .........www.tcpdump.org.......).........\n"    /* a 0x0a byte stays a line end */
        ".....}i.B.\n"
        "\t226\n"
        "..C............www.tcpdump.org..............<.....B.........<....Xh........Q....nic.sandelman.ca.........Q....sns.cooperix.net..M.......,...W...M.......,..&..............\r.k....... ..ak...k....... ..&.<......<........)........\n"
        RULE67
        "\n" RULE67 "Follow: tcp,hex\n" DNS_NODES
        "00000000  00 38 43 19 01 20 00 01  00 00 00 00 00 01 03 77  .8C.. .. .......w\n"
        "00000010  77 77 07 74 63 70 64 75  6d 70 03 6f 72 67 00 00  ww.tcpdu mp.org..\n"
        "00000020  01 00 01 00 00 29 10 00  00 00 00 00 00 0c 00 0a  .....).. ........\n"
        "00000030  00 08 8f 06 be 7d 69 14  42 f0                    .....}i. B.\n"
        "\t00000000  00 e0 43 19 85 00 00 01  00 02 00 02 00 05 03 77  ..C..... .......w\n"
        "\t00000010  77 77 07 74 63 70 64 75  6d 70 03 6f 72 67 00 00  ww.tcpdu mp.org..\n"
        "\t00000020  01 00 01 c0 0c 00 01 00  01 00 00 00 3c 00 04 c0  ........ ....<...\n"
        "\t00000030  8b 2e 42 c0 0c 00 01 00  01 00 00 00 3c 00 04 c6  ..B..... ....<...\n"
        "\t00000040  c7 58 68 c0 10 00 02 00  01 00 01 51 80 00 12 03  .Xh..... ...Q....\n"
        "\t00000050  6e 69 63 09 73 61 6e 64  65 6c 6d 61 6e 02 63 61  nic.sand elman.ca\n"
        "\t00000060  00 c0 10 00 02 00 01 00  01 51 80 00 12 03 73 6e  ........ .Q....sn\n"
        "\t00000070  73 08 63 6f 6f 70 65 72  69 78 03 6e 65 74 00 c0  s.cooper ix.net..\n"
        "\t00000080  4d 00 01 00 01 00 00 01  2c 00 04 d1 57 f9 12 c0  M....... ,...W...\n"
        "\t00000090  4d 00 1c 00 01 00 00 01  2c 00 10 26 07 f0 b0 00  M....... ,..&....\n"
        "\t000000A0  0f 00 00 00 00 00 00 ba  be f0 0d c0 6b 00 01 00  ........ ....k...\n"
        "\t000000B0  01 00 00 1c 20 00 04 61  6b 85 0f c0 6b 00 1c 00  .... ..a k...k...\n"
        "\t000000C0  01 00 00 1c 20 00 10 26  00 3c 03 00 00 00 00 f0  .... ..& .<......\n"
        "\t000000D0  3c 91 ff fe 96 e8 ef 00  00 29 10 00 00 00 00 00  <....... .)......\n"
        "\t000000E0  00 00                                             ..\n"
        RULE67
        /* a stream the capture does not have */
        "\n" RULE67 "Follow: tcp,raw\nFilter: tcp.stream eq 5\nNode 0: :0\nNode 1: :0\n" RULE67);
}

static void test_follow_http(void)
{
    snprintf(args, sizeof args, "-r %s/%s -q -z follow,tcp,ascii,0", CAP("sll2-http-get.pcap"));
    expect_run(args,
        "\n" RULE67 "Follow: tcp,ascii\nFilter: tcp.stream eq 0\n"
        "Node 0: 192.168.1.253:56478\nNode 1: 192.168.1.21:80\n"
        "82\n"
        "GET /testing HTTP/1.1\r\n"
        "Host: 192.168.1.21\r\n"
        "User-Agent: curl/8.5.0\r\n"
        "Accept: */*\r\n"
        "\r\n"
        "\n"
        RULE67);
    /* Both directions, one block per delivered segment; node 0 sent the first frame (the
     * server's SYN-ACK), its blocks are not indented. */
    snprintf(args, sizeof args, "-r %s/%s -q -z follow,tcp,ascii,0", CAP("tcp-handshake-reorder-http.pcap"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    static const char head[] = "\n" RULE67 "Follow: tcp,ascii\nFilter: tcp.stream eq 0\n"
        "Node 0: 192.150.187.43:80\nNode 1: 141.142.228.5:59856\n\t136\n"
        "GET /download/CHANGES.bro-aux.txt HTTP/1.1\r\nUser-Agent: Wget/1.14 (darwin12.2.0)\r\n";
    CU_ASSERT_EQUAL(strncmp(r.out, head, strlen(head)), 0);
    const char *p = r.out;
    char counts[128] = "";
    while ((p = strchr(p, '\n'))) {           /* the byte-count lines: digits only, maybe a tab */
        p++;
        const char *q = p + (*p == '\t');
        size_t k = strspn(q, "0123456789");
        if (k && q[k] == '\n') strncat(counts, p, (size_t)(q - p) + k + 1);
    }
    CU_ASSERT_STRING_EQUAL(counts, "\t136\n1448\n1448\n1448\n663\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "HTTP/1.1 200 OK\r\nDate: Thu, 07 Mar 2013 21:43:07 GMT\r\n"));
    /* header, the request's block, the response's four count lines, its bytes and block ends */
    CU_ASSERT_EQUAL(r.out_len, 1 + 68 + 18 + 24 + 54 + (5 + 136 + 1) + (3 * 5 + 4) + 5007 + 4 + 68);
    run_free(&r);
}

/* ---- generated captures ----------------------------------------------------------------- */

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }
static void le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* One Ethernet + IPv4 + TCP frame as a pcap record (header and frame) at out; its size. */
static size_t tcp_record(uint8_t *out, uint32_t ts, int from_client, uint32_t seq, uint32_t ack,
                         uint8_t flags, const uint8_t *payload, size_t plen)
{
    static const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
    uint8_t *f = out + 16;
    memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
    uint8_t *ip = f + 14, *t = ip + 20;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)(40 + plen));
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, from_client ? cli : srv, 4);
    memcpy(ip + 16, from_client ? srv : cli, 4);
    put16(ip + 10, csum(ip, 20, 0));
    put16(t, from_client ? 40000 : 80);
    put16(t + 2, from_client ? 80 : 40000);
    put32(t + 4, seq);
    put32(t + 8, ack);
    t[12] = 0x50;
    t[13] = flags;
    put16(t + 14, 65535);
    if (plen) memcpy(t + 20, payload, plen);
    uint32_t sum = 0;
    for (int i = 12; i < 20; i += 2) sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    put16(t + 16, csum(t, 20 + plen, sum + 6 + (uint32_t)(20 + plen)));
    size_t n = 54 + plen;
    le32(out, ts);
    le32(out + 4, 0);
    le32(out + 8, (uint32_t)n);
    le32(out + 12, (uint32_t)n);
    return 16 + n;
}

static const uint8_t pcap_header[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                         0xff, 0xff, 0, 0, 1, 0, 0, 0 };

/* A segment is never captured but the server acknowledges it: the follow output says how many
 * bytes are missing where they are missing, and offsets in hex mode stay stream offsets. */
static void test_follow_gap(void)
{
    char dir[] = "/tmp/trawl-views-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/gap.pcap", dir);
    uint8_t pl[256], buf[4096];
    for (int i = 0; i < 256; i++) pl[i] = (uint8_t)i;
    size_t n = 0;
    memcpy(buf, pcap_header, 24);
    n = 24;
    n += tcp_record(buf + n, 1000, 1, 100, 0, 0x02, NULL, 0);
    n += tcp_record(buf + n, 1001, 0, 500, 101, 0x12, NULL, 0);
    n += tcp_record(buf + n, 1002, 1, 101, 501, 0x10, NULL, 0);
    n += tcp_record(buf + n, 1003, 1, 101, 501, 0x18, pl, 100);
    n += tcp_record(buf + n, 1004, 1, 101 + 156, 501, 0x18, pl + 156, 100);   /* 56 bytes never seen */
    n += tcp_record(buf + n, 1005, 0, 501, 101 + 256, 0x10, NULL, 0);          /* ... yet acknowledged */
    n += tcp_record(buf + n, 1006, 0, 501, 101 + 256, 0x18, (const uint8_t *)"hello\tworld\r\nline2\n", 19);
    n += tcp_record(buf + n, 1007, 0, 520, 101 + 256, 0x18, (const uint8_t *)"more", 4);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fwrite(buf, 1, n, f) == n);
    fclose(f);

    snprintf(args, sizeof args, "-r %s -q -z follow,tcp,ascii,0 -z follow,tcp,hex,0 -z follow,tcp,raw,0", path);
    expect_run(args,
        "\n" RULE67 "Follow: tcp,ascii\nFilter: tcp.stream eq 0\nNode 0: 10.0.0.1:40000\nNode 1: 10.0.0.2:80\n"
        "100\n"
        "..........\n"                           /* bytes 0-9, then 10 is a line end */
        "..\r.................. !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abc\n"
        "[56 bytes missing in capture]\n"
        "100\n"
        "....................................................................................................\n"
        "\t19\n"
        "hello.world\r\n"                        /* a tab is shown as a dot, as tshark does */
        "line2\n"
        "\n"
        "\t4\n"
        "more\n"
        RULE67
        "\n" RULE67 "Follow: tcp,hex\nFilter: tcp.stream eq 0\nNode 0: 10.0.0.1:40000\nNode 1: 10.0.0.2:80\n"
        "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ........ ........\n"
        "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  ........ ........\n"
        "00000020  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f   !\"#$%&' ()*+,-./\n"
        "00000030  30 31 32 33 34 35 36 37  38 39 3a 3b 3c 3d 3e 3f  01234567 89:;<=>?\n"
        "00000040  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  @ABCDEFG HIJKLMNO\n"
        "00000050  50 51 52 53 54 55 56 57  58 59 5a 5b 5c 5d 5e 5f  PQRSTUVW XYZ[\\]^_\n"
        "00000060  60 61 62 63                                       `abc\n"
        "[56 bytes missing in capture]\n"
        "0000009C  9c 9d 9e 9f a0 a1 a2 a3  a4 a5 a6 a7 a8 a9 aa ab  ........ ........\n"
        "000000AC  ac ad ae af b0 b1 b2 b3  b4 b5 b6 b7 b8 b9 ba bb  ........ ........\n"
        "000000BC  bc bd be bf c0 c1 c2 c3  c4 c5 c6 c7 c8 c9 ca cb  ........ ........\n"
        "000000CC  cc cd ce cf d0 d1 d2 d3  d4 d5 d6 d7 d8 d9 da db  ........ ........\n"
        "000000DC  dc dd de df e0 e1 e2 e3  e4 e5 e6 e7 e8 e9 ea eb  ........ ........\n"
        "000000EC  ec ed ee ef f0 f1 f2 f3  f4 f5 f6 f7 f8 f9 fa fb  ........ ........\n"
        "000000FC  fc fd fe ff                                       ....\n"
        "\t00000000  68 65 6c 6c 6f 09 77 6f  72 6c 64 0d 0a 6c 69 6e  hello.wo rld..lin\n"
        "\t00000010  65 32 0a                                          e2.\n"
        "\t00000013  6d 6f 72 65                                       more\n"
        RULE67
        "\n" RULE67 "Follow: tcp,raw\nFilter: tcp.stream eq 0\nNode 0: 10.0.0.1:40000\nNode 1: 10.0.0.2:80\n"
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
        "303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263\n"
        "[56 bytes missing in capture]\n"
        "9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
        "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n"
        "\t68656c6c6f09776f726c640d0a6c696e65320a\n"
        "\t6d6f7265\n"
        RULE67);
    unlink(path);
    rmdir(dir);
}

/* One connection idle for longer than flow.timeout.tcp (two flows, one conversation), then a
 * new connection on the same ports (a new conversation, as tshark's tcp.stream 1). */
static void test_conv_tcp_timeout_and_reuse(void)
{
    char dir[] = "/tmp/trawl-views-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/reuse.pcap", dir);
    uint8_t buf[4096];
    size_t n = 24;
    memcpy(buf, pcap_header, 24);
    const uint8_t *hi = (const uint8_t *)"hello", *again = (const uint8_t *)"again";
    n += tcp_record(buf + n, 1000, 1, 100, 0, 0x02, NULL, 0);
    n += tcp_record(buf + n, 1000, 0, 500, 101, 0x12, NULL, 0);
    n += tcp_record(buf + n, 1000, 1, 101, 501, 0x10, NULL, 0);
    n += tcp_record(buf + n, 1001, 1, 101, 501, 0x18, hi, 5);
    n += tcp_record(buf + n, 1001, 0, 501, 106, 0x10, NULL, 0);
    n += tcp_record(buf + n, 1501, 1, 106, 501, 0x18, again, 5);      /* 500 s later */
    n += tcp_record(buf + n, 1501, 0, 501, 111, 0x10, NULL, 0);
    n += tcp_record(buf + n, 1502, 1, 111, 501, 0x11, NULL, 0);
    n += tcp_record(buf + n, 1502, 0, 501, 112, 0x11, NULL, 0);
    n += tcp_record(buf + n, 1502, 1, 112, 502, 0x10, NULL, 0);
    n += tcp_record(buf + n, 1520, 1, 9000, 0, 0x02, NULL, 0);        /* the ports again */
    n += tcp_record(buf + n, 1520, 0, 7000, 9001, 0x12, NULL, 0);
    n += tcp_record(buf + n, 1520, 1, 9001, 7001, 0x10, NULL, 0);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fwrite(buf, 1, n, f) == n);
    fclose(f);
    snprintf(args, sizeof args, "-r %s -T fields -e tcp.stream", path);
    struct run r = run_trawl(args, NULL);
    /* Three flows (the idle one split by the timeout), two conversations: tshark's numbers. */
    CU_ASSERT_STRING_EQUAL(r.out, "0\n0\n0\n0\n0\n0\n0\n0\n0\n0\n1\n1\n1\n");
    run_free(&r);
    snprintf(args, sizeof args, "-r %s -q -z conv,tcp -z conv,ip -z follow,tcp,ascii,0", path);
    expect_run(args,
        TABLE("TCP", PAD59)
        "10.0.0.1:40000             <-> 10.0.0.2:80                      4 216 bytes       6 334 bytes      10 550 bytes     0.000000000       502.0000\n"
        "10.0.0.1:40000             <-> 10.0.0.2:80                      1 54 bytes        2 108 bytes       3 162 bytes   520.000000000         0.0000\n"
        RULE80
        TABLE("IPv4", PAD47)
        "10.0.0.1             <-> 10.0.0.2                   5 270 bytes       8 442 bytes      13 712 bytes     0.000000000       520.0000\n"
        RULE80
        "\n" RULE67 "Follow: tcp,ascii\nFilter: tcp.stream eq 0\nNode 0: 10.0.0.1:40000\nNode 1: 10.0.0.2:80\n"
        "5\nhello\n5\nagain\n"
        RULE67);
    unlink(path);
    rmdir(dir);
}

/* ---- the acceptance check: a sorted copy of the capture follows the same ------------------ */

struct seg {
    const uint8_t *rec;          /* pcap record header + frame, in the original file */
    uint32_t caplen;
    int dir;                     /* index of its (src, sport, dst, dport), -1 when not TCP data */
    uint32_t seq, plen;
    uint8_t flags;
    bool drop;
};

static uint32_t rd32le(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static struct seg *g_segs;
static int by_seq(const void *a, const void *b)
{
    const struct seg *x = &g_segs[*(const size_t *)a], *y = &g_segs[*(const size_t *)b];
    int32_t d = (int32_t)(x->seq - y->seq);
    if (d) return d < 0 ? -1 : 1;
    if (x->plen != y->plen) return x->plen > y->plen ? -1 : 1;   /* the longer first */
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;     /* then the earlier */
}

/* Writes `out`: the capture with each direction's TCP data segments sorted by sequence number
 * and repeats (segments adding no new bytes) left out; every other frame stays where it was,
 * and the sorted segments take the places of that direction's data segments in order. Returns
 * how many frames were left out, or -1. Ethernet (with VLAN tags) + IPv4 + TCP, little-endian
 * pcap only: enough for the captures used here. */
static int write_sorted(const char *in, const char *out)
{
    FILE *f = fopen(in, "rb");
    if (!f) return -1;
    static uint8_t data[1 << 20];
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    if (len < 24 || rd32le(data) != 0xa1b2c3d4 || rd32le(data + 20) != 1) return -1;
    static struct seg segs[4096];
    size_t n = 0;
    uint8_t keys[16][12];
    int nkeys = 0;
    for (size_t at = 24; at + 16 <= len && n < 4096; n++) {
        struct seg *s = &segs[n];
        s->rec = data + at;
        s->caplen = rd32le(data + at + 8);
        s->dir = -1;
        s->drop = false;
        if (at + 16 + s->caplen > len) return -1;
        const uint8_t *p = data + at + 16, *end = p + s->caplen;
        at += 16 + s->caplen;
        const uint8_t *q = p + 12;
        while (q + 4 <= end && (q[0] == 0x81 || q[0] == 0x88) && (q[1] == 0x00 || q[1] == 0xa8)) q += 4;
        if (q + 2 + 20 > end || q[0] != 0x08 || q[1] != 0x00) continue;
        const uint8_t *ip = q + 2;
        size_t ihl = (size_t)(ip[0] & 15) * 4, tot = (size_t)ip[2] << 8 | ip[3];
        if (ip[9] != 6 || ip + ihl + 20 > end || tot < ihl + 20) continue;
        const uint8_t *t = ip + ihl;
        size_t thl = (size_t)(t[12] >> 4) * 4;
        if (tot < ihl + thl) continue;
        s->seq = rd32(t + 4);
        s->flags = t[13];
        s->plen = (uint32_t)(tot - ihl - thl);
        if (!s->plen) continue;
        uint8_t key[12];
        memcpy(key, ip + 12, 8);
        memcpy(key + 8, t, 4);
        int k;
        for (k = 0; k < nkeys && memcmp(keys[k], key, 12); k++) {}
        if (k == nkeys) { if (nkeys == 16) return -1; memcpy(keys[nkeys++], key, 12); }
        s->dir = k;
    }
    g_segs = segs;
    static size_t slots[4096], order[4096];
    const struct seg *placed[4096];
    for (size_t i = 0; i < n; i++) placed[i] = &segs[i];
    int dropped = 0;
    for (int k = 0; k < nkeys; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) if (segs[i].dir == k) slots[m] = order[m] = i, m++;
        qsort(order, m, sizeof *order, by_seq);
        /* Keep a segment when it reaches past what the kept ones cover. */
        uint32_t base = segs[order[0]].seq, covered = 0;
        for (size_t j = 0; j < m; j++) {
            struct seg *s = &segs[order[j]];
            uint32_t from = s->seq - base, to = from + s->plen;
            if (j && to <= covered && !(s->flags & 0x07)) { s->drop = true; dropped++; continue; }
            if (to > covered) covered = to;
        }
        /* The kept ones, in sequence order, into the places of the kept ones. */
        size_t w = 0;
        for (size_t j = 0; j < m; j++) {
            if (segs[order[j]].drop) continue;
            while (segs[slots[w]].drop) w++;
            placed[slots[w++]] = &segs[order[j]];
        }
    }
    f = fopen(out, "wb");
    if (!f) return -1;
    fwrite(data, 1, 24, f);
    for (size_t i = 0; i < n; i++) {
        if (segs[i].dir >= 0 && segs[i].drop) continue;
        uint8_t hdr[16];
        memcpy(hdr, segs[i].rec, 8);                  /* the place's time */
        memcpy(hdr + 8, placed[i]->rec + 8, 8);       /* the segment's lengths */
        fwrite(hdr, 1, 16, f);
        fwrite(placed[i]->rec + 16, 1, placed[i]->caplen, f);
    }
    return fclose(f) == 0 ? dropped : -1;
}

/* The bytes (and gap markers) each node sent, from -z follow,tcp,raw output. */
struct followed { char nodes[2][128]; uint8_t *bytes[2]; size_t len[2]; unsigned gaps[2], blocks[2]; };

static bool parse_raw(const char *out, struct followed *fo)
{
    memset(fo, 0, sizeof *fo);
    const char *p = strstr(out, "Node 0: ");
    if (!p) return false;
    for (int i = 0; i < 2; i++) {
        const char *e = strchr(p, '\n');
        if (!e || (size_t)(e - p) >= sizeof fo->nodes[i]) return false;
        memcpy(fo->nodes[i], p, (size_t)(e - p));
        p = e + 1;
    }
    for (int i = 0; i < 2; i++) fo->bytes[i] = malloc(strlen(p) / 2 + 1);
    while (*p && *p != '=') {
        int node = *p == '\t';
        p += node;
        const char *e = strchr(p, '\n');
        if (!e) return false;
        if (*p == '[') {
            fo->gaps[node]++;
        } else {
            for (; p + 1 < e; p += 2) {
                unsigned v;
                if (sscanf(p, "%2x", &v) != 1) return false;
                fo->bytes[node][fo->len[node]++] = (uint8_t)v;
            }
            fo->blocks[node]++;
        }
        p = e + 1;
    }
    return !strcmp(p, RULE67);
}

static void followed_free(struct followed *fo) { free(fo->bytes[0]); free(fo->bytes[1]); }

/* Follows every stream of the capture and of its sorted copy; checks they are the same bytes.
 * sizes: what the nodes of stream 0 sent. */
static void check_sorted_copy(const char *name, int want_dropped, size_t size0, size_t size1)
{
    char dir[] = "/tmp/trawl-views-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char in[1024], sorted[300];
    snprintf(in, sizeof in, "%s/%s", th_captures_dir(), name);
    snprintf(sorted, sizeof sorted, "%s/sorted.pcap", dir);
    CU_ASSERT_EQUAL(write_sorted(in, sorted), want_dropped);
    unsigned streams = 0;
    for (unsigned s = 0; s < 16; s++) {
        struct followed a, b;
        snprintf(args, sizeof args, "-r %s -q -z follow,tcp,raw,%u", in, s);
        struct run ra = run_trawl(args, NULL);
        snprintf(args, sizeof args, "-r %s -q -z follow,tcp,raw,%u", sorted, s);
        struct run rb = run_trawl(args, NULL);
        CU_ASSERT_EQUAL(ra.status, 0);
        CU_ASSERT_EQUAL(rb.status, 0);
        CU_ASSERT_FATAL(parse_raw(ra.out, &a));
        CU_ASSERT_FATAL(parse_raw(rb.out, &b));
        bool none = !strcmp(a.nodes[0], "Node 0: :0");
        if (!none) streams++;
        CU_ASSERT_STRING_EQUAL(a.nodes[0], b.nodes[0]);
        CU_ASSERT_STRING_EQUAL(a.nodes[1], b.nodes[1]);
        for (int k = 0; k < 2; k++) {
            CU_ASSERT_EQUAL(a.len[k], b.len[k]);
            CU_ASSERT(a.len[k] == b.len[k] && !memcmp(a.bytes[k], b.bytes[k], a.len[k]));
            CU_ASSERT_EQUAL(a.gaps[k], 0);
            CU_ASSERT_EQUAL(b.gaps[k], 0);
        }
        if (s == 0) {
            CU_ASSERT_EQUAL(a.len[0], size0);
            CU_ASSERT_EQUAL(a.len[1], size1);
        }
        followed_free(&a);
        followed_free(&b);
        run_free(&ra);
        run_free(&rb);
        if (none) break;
    }
    CU_ASSERT_EQUAL(streams, 1);
    unlink(sorted);
    rmdir(dir);
}

static void test_follow_sorted_copy_reorder(void)
{
    /* The handshake is out of order (SYN-ACK first); the data is in order: nothing to drop. */
    check_sorted_copy("tcp-handshake-reorder-http.pcap", 0, 5007, 136);
}

static void test_follow_sorted_copy_ooo_retrans(void)
{
    /* 13 of the server's data segments come twice, some of the repeats out of order (seq
     * 105, 617, 1129 again after 1129): the copy keeps one of each. */
    check_sorted_copy("tcp-ooo-retrans-ftp-auth-tls.pcap", 13, 856, 2003);
}

void test_views_register(void);
void test_views_register(void)
{
    CU_pSuite s = CU_add_suite("views", NULL, NULL);
    CU_add_test(s, "conv,udp / ip / eth: order, directions, sizes", test_conv_udp_ip_eth);
    CU_add_test(s, "conv,tcp: the first frame's source is the left end", test_conv_tcp_first_source);
    CU_add_test(s, "conv,ipv6 and kB sizes", test_conv_ipv6_and_sizes);
    CU_add_test(s, "conv: flows split by timeouts merged back", test_conv_merges_split_flows);
    CU_add_test(s, "conv: after the packets without -q", test_conv_after_packets);
    CU_add_test(s, "conv,tcp: a timeout does not split a conversation, a new SYN does", test_conv_tcp_timeout_and_reuse);
    CU_add_test(s, "-z errors", test_z_errors);
    CU_add_test(s, "follow,tcp ascii/hex/raw on DNS over TCP", test_follow_dns_ascii_hex);
    CU_add_test(s, "follow,tcp on HTTP", test_follow_http);
    CU_add_test(s, "follow,tcp: a gap acknowledged by the peer", test_follow_gap);
    CU_add_test(s, "follow,tcp: sorted copy, handshake reordered", test_follow_sorted_copy_reorder);
    CU_add_test(s, "follow,tcp: sorted copy, repeats out of order", test_follow_sorted_copy_ooo_retrans);
}
