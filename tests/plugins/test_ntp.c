/* test_ntp.c — the ntp plugin (suite "ntp"): the NTP header and timestamps, the mode 6 control
 * header and the mode 7 private header.
 *
 * Capture values are what tshark 4.0 prints for ntp-client-server.pcap, ntp-mode7-snaplen600.pcap
 * and ipv4-frag-udp-ntp.pcap (`tshark -T fields -e ntp.*`), including its era rule (a
 * timestamp whose top bit is clear is in era 1: 2093, not 1957), "NULL" for zero timestamps, and
 * where it stops on cut packets. The mode 6 message and the short ones are built here.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../pktgen.h"

#define FIELD_IS(t, f, v) CU_ASSERT_STRING_EQUAL(th_field(t, f), v)

static struct th *start(void)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

/* ---- a capture, fed frame by frame (trawl_test_file_upto) ---------------------------------- */

struct pcapf { char path[512]; };

static struct pcapf pc_open(const char *name)
{
    struct pcapf p;
    snprintf(p.path, sizeof p.path, "%s/%s", th_captures_dir(), name);
    return p;
}

/* Feed frames up to and including `upto`; false at the end of the file. */
static bool pc_feed(struct th *t, struct pcapf *p, unsigned upto)
{
    return trawl_test_file_upto(t, p->path, upto) == 0;
}

/* ---- synthetic datagrams ----------------------------------------------------------------- */

static uint8_t frame_buf[2048];

static void udp(struct th *t, const uint8_t *p, size_t n, uint32_t caplen)
{
    struct pg_ep c = pg_v4(10, 0, 0, 1, 123), s = pg_v4(10, 0, 0, 2, 123);
    size_t len = pg_ipv4(frame_buf, 17, &c, &s, 0, 0, 0, 0, p, n);
    CU_ASSERT_EQUAL(th_bytes(t, 1, frame_buf, caplen ? caplen : (uint32_t)len, (uint32_t)len), 0);
}

/* ---- tests ------------------------------------------------------------------------------------ */

static void test_capture_client_server(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("ntp-client-server.pcap");
    CU_ASSERT(pc_feed(t, &p, 1));
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:ntp");
    FIELD_IS(t, "ntp.flags", "0x23");
    FIELD_IS(t, "ntp.flags.li", "0");
    FIELD_IS(t, "ntp.flags.vn", "4");
    FIELD_IS(t, "ntp.flags.mode", "3");
    FIELD_IS(t, "ntp.precision", "32");
    FIELD_IS(t, "ntp.refid", "00000000");
    FIELD_IS(t, "ntp.reftime", "NULL");
    FIELD_IS(t, "ntp.org", "NULL");
    FIELD_IS(t, "ntp.xmt", "Jul 25, 1987 21:08:33.007738396 UTC");
    CU_ASSERT(pc_feed(t, &p, 2));
    FIELD_IS(t, "ntp.flags", "0xe4");
    FIELD_IS(t, "ntp.flags.li", "3");
    FIELD_IS(t, "ntp.flags.mode", "4");
    FIELD_IS(t, "ntp.ppoll", "3");
    FIELD_IS(t, "ntp.precision", "233");
    FIELD_IS(t, "ntp.rootdispersion", "90");
    FIELD_IS(t, "ntp.refid", "53544550");
    FIELD_IS(t, "ntp.rec", "Jun 19, 2017 14:12:09.516015118 UTC");
    CU_ASSERT(pc_feed(t, &p, 3));
    FIELD_IS(t, "ntp.rec", "Mar 22, 2093 03:56:41.693999877 UTC");   /* era 1 */
    FIELD_IS(t, "ntp.xmt", "Oct 31, 1992 13:37:44.107565978 UTC");
    CU_ASSERT(pc_feed(t, &p, 4));
    FIELD_IS(t, "ntp.stratum", "2");
    FIELD_IS(t, "ntp.rootdelay", "10191");
    FIELD_IS(t, "ntp.rootdispersion", "103");
    FIELD_IS(t, "ntp.refid", "0a051b0a");
    FIELD_IS(t, "ntp.reftime", "Jun 19, 2017 14:19:17.720418353 UTC");
    FIELD_IS(t, "ntp.xmt", "Jun 19, 2017 14:19:18.494546877 UTC");
    CU_ASSERT(pc_feed(t, &p, 5));
    FIELD_IS(t, "ntp.rootdelay", "65536");
    FIELD_IS(t, "ntp.precision", "250");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    (void)p;                    /* the capture closes with the test context */
    th_free(t);
}

static void test_capture_mode7(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("ntp-mode7-snaplen600.pcap");
    CU_ASSERT(pc_feed(t, &p, 1));
    FIELD_IS(t, "ntp.flags", "0x17");
    FIELD_IS(t, "ntp.flags.li", "");                      /* mode 7: R and M bits instead */
    FIELD_IS(t, "ntp.flags.vn", "2");
    FIELD_IS(t, "ntp.flags.mode", "7");
    FIELD_IS(t, "ntp.priv.flags.r", "0");
    FIELD_IS(t, "ntp.priv.impl", "3");
    FIELD_IS(t, "ntp.priv.reqcode", "28");
    FIELD_IS(t, "ntp.priv.err", "0x00");
    FIELD_IS(t, "ntp.stratum", "");
    CU_ASSERT(pc_feed(t, &p, 6));
    FIELD_IS(t, "ntp.flags", "0x97");
    FIELD_IS(t, "ntp.priv.flags.r", "1");
    FIELD_IS(t, "ntp.priv.reqcode", "38");
    FIELD_IS(t, "ntp.priv.numitems", "1");
    FIELD_IS(t, "ntp.priv.itemsize", "60");
    CU_ASSERT(pc_feed(t, &p, 8));
    FIELD_IS(t, "ntp.priv.reqcode", "1");                 /* PEER_LIST_SUM: six peers */
    FIELD_IS(t, "ntp.priv.numitems", "6");
    FIELD_IS(t, "ntp.priv.itemsize", "72");
    FIELD_IS(t, "ntp.stratum", "10,1,1,16,2,16");
    FIELD_IS(t, "ntp.ppoll", "10,10,10,10,10,10");
    (void)p;                    /* the capture closes with the test context */
    th_free(t);
}

/* The datagram reassembled from fragments is cut short: tshark stops after ntp.rootdelay. */
static void test_capture_fragmented(void)
{
    struct th *t = start();
    char path[512];
    snprintf(path, sizeof path, "%s/ipv4-frag-udp-ntp.pcap", th_captures_dir());
    CU_ASSERT_EQUAL(th_file(t, path), 0);
    FIELD_IS(t, "ntp.flags", "0x00");
    FIELD_IS(t, "ntp.flags.mode", "0");
    FIELD_IS(t, "ntp.rootdelay", "0");
    FIELD_IS(t, "ntp.rootdispersion", "");
    CU_ASSERT(th_layer_errors(t, "ntp") != 0);
    th_free(t);
}

static void test_mode6(void)
{
    struct th *t = start();
    /* READVAR request: LI 0, VN 2, mode 6; R=1 E=0 M=1 opcode 2; seq 7, status 0x0615,
     * association 0x1234, offset 0, count 4, then data. */
    static const uint8_t m[] = { 0x16, 0xa2, 0x00, 0x07, 0x06, 0x15, 0x12, 0x34,
                                 0x00, 0x00, 0x00, 0x04, 'a', '=', '1', 0 };
    udp(t, m, sizeof m, 0);
    FIELD_IS(t, "ntp.flags.mode", "6");
    FIELD_IS(t, "ntp.flags.vn", "2");
    FIELD_IS(t, "ntp.ctrl.flags2", "0xa2");
    FIELD_IS(t, "ntp.ctrl.flags2.r", "1");
    FIELD_IS(t, "ntp.ctrl.flags2.error", "0");
    FIELD_IS(t, "ntp.ctrl.flags2.more", "1");
    FIELD_IS(t, "ntp.ctrl.flags2.opcode", "2");
    FIELD_IS(t, "ntp.ctrl.sequence", "7");
    FIELD_IS(t, "ntp.ctrl.status", "0x0615");
    FIELD_IS(t, "ntp.ctrl.associd", "4660");
    FIELD_IS(t, "ntp.ctrl.count", "4");
    FIELD_IS(t, "ntp.stratum", "");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    /* Cut inside the sequence (snaplen): truncated, not malformed. */
    size_t full = 14 + 20 + 8 + sizeof m;
    udp(t, m, sizeof m, (uint32_t)(full - sizeof m + 3));
    FIELD_IS(t, "ntp.ctrl.sequence", "");
    FIELD_IS(t, "ntp.ctrl.flags2.opcode", "2");
    CU_ASSERT(th_layer_errors(t, "ntp") & TRAWL_BUF_TRUNCATED);
    th_free(t);
}

static void test_short_and_hostile(void)
{
    struct th *t = start();
    static const uint8_t one[] = { 0x23 };
    udp(t, one, 1, 0);
    FIELD_IS(t, "ntp.flags.mode", "3");
    FIELD_IS(t, "ntp.stratum", "");
    CU_ASSERT(th_layer_errors(t, "ntp") & TRAWL_BUF_MALFORMED);
    /* A client packet cut inside the transmit timestamp: three timestamps, not four. */
    uint8_t m[48] = { 0x23, 1, 6, 0xe9 };
    m[40] = 0xe0;                                   /* xmt seconds: 0xe0000000 */
    udp(t, m, 44, 0);
    FIELD_IS(t, "ntp.reftime", "NULL");
    FIELD_IS(t, "ntp.rec", "NULL");
    FIELD_IS(t, "ntp.xmt", "");
    CU_ASSERT(th_layer_errors(t, "ntp") & TRAWL_BUF_MALFORMED);
    udp(t, m, 48, 0);
    FIELD_IS(t, "ntp.xmt", "Feb  2, 2019 11:39:44.000000000 UTC");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    /* Mode 7 header cut after the request code; a PEER_LIST_SUM claiming 4095 items of 72
     * bytes in 8: nothing read past the end. */
    static const uint8_t p7[] = { 0x97, 0x00, 0x03, 0x01 };
    udp(t, p7, sizeof p7, 0);
    FIELD_IS(t, "ntp.priv.reqcode", "1");
    FIELD_IS(t, "ntp.priv.numitems", "");
    static const uint8_t p7b[] = { 0x97, 0x00, 0x03, 0x01, 0x0f, 0xff, 0x00, 0x48, 0, 0, 0, 0 };
    udp(t, p7b, sizeof p7b, 0);
    FIELD_IS(t, "ntp.priv.numitems", "4095");
    FIELD_IS(t, "ntp.stratum", "");
    CU_ASSERT(th_layer_errors(t, "ntp") & TRAWL_BUF_MALFORMED);
    th_free(t);
}

void test_ntp_register(void);
void test_ntp_register(void)
{
    CU_pSuite s = CU_add_suite("ntp", NULL, NULL);
    CU_add_test(s, "capture: ntp-client-server", test_capture_client_server);
    CU_add_test(s, "capture: ntp-mode7 (private: PEER_LIST_SUM and others)", test_capture_mode7);
    CU_add_test(s, "capture: ipv4-frag-udp-ntp (cut)", test_capture_fragmented);
    CU_add_test(s, "mode 6 control header, whole and cut", test_mode6);
    CU_add_test(s, "short and hostile datagrams", test_short_and_hostile);
}
