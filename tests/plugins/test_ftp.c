/* test_ftp.c — the ftp plugin (suite "ftp"): requests and replies as tshark 4.0 shows them
 * (fields on the first line of each segment), multi-line replies, PASV/EPSV/PORT/EPRT, USER and
 * PASS, AUTH TLS answered 234 (the stream goes to tls), caps, and the ftp record.
 *
 * Capture values are what tshark 4.0.17 prints for ftp-session-data-transfer.pcap,
 * ftp-ipv6-login-failed.pcap and tcp-ooo-retrans-ftp-auth-tls.pcap. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../pktgen.h"

#define FIELD_IS(t, f, v) CU_ASSERT_STRING_EQUAL(th_field(t, f), v)
#define REC_IS(t, i, c, v) CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "ftp", i, c), v)

static struct th *start(void)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

static char cap_path[512];
static const char *cap(const char *name)
{
    snprintf(cap_path, sizeof cap_path, "%s/%s", th_captures_dir(), name);
    return cap_path;
}

struct conv { struct th *t; struct pg_ep c, s; uint32_t cseq, sseq; };
static uint8_t frame_buf[4096];

static void seg(struct conv *v, int dir, uint8_t flags, const void *p, size_t n)
{
    const struct pg_ep *src = dir ? &v->s : &v->c, *dst = dir ? &v->c : &v->s;
    uint32_t *seq = dir ? &v->sseq : &v->cseq;
    uint32_t ack = dir ? v->cseq : v->sseq;
    size_t len = pg_ipv4(frame_buf, 6, src, dst, *seq, ack, flags, 65535, p, n);
    CU_ASSERT_EQUAL(th_bytes(v->t, 1, frame_buf, (uint32_t)len, (uint32_t)len), 0);
    *seq += (uint32_t)n + ((flags & (PG_SYN | PG_FIN)) ? 1 : 0);
}
static void cs(struct conv *v, const char *s) { seg(v, 0, PG_ACK | PG_PSH, s, strlen(s)); }
static void ss(struct conv *v, const char *s) { seg(v, 1, PG_ACK | PG_PSH, s, strlen(s)); }

static struct conv conv_new(uint16_t port)
{
    struct conv v = { start(), pg_v4(10, 0, 0, 1, 40000), pg_v4(10, 0, 0, 2, port), 1000, 5000 };
    seg(&v, 0, PG_SYN, NULL, 0);
    seg(&v, 1, PG_SYN | PG_ACK, NULL, 0);
    seg(&v, 0, PG_ACK, NULL, 0);
    return v;
}

static void test_capture_transfer(void)
{
    struct th *t = start();
    const char *p = cap("ftp-session-data-transfer.pcap");
    CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, p, 4), 0);
    FIELD_IS(t, "ftp.response.code", "220");
    FIELD_IS(t, "ftp.response.arg", "(vsFTPd 3.0.3)");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 6), 0);
    FIELD_IS(t, "ftp.request.command", "USER");
    FIELD_IS(t, "ftp.request.arg", "anonymous");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Request: USER anonymous");         /* as tshark */
    FIELD_IS(t, "ftp.request", "1");
    FIELD_IS(t, "ftp.response", "0");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 10), 0);
    FIELD_IS(t, "ftp.request.command", "PASS");
    FIELD_IS(t, "ftp.request.arg", "NcFTP@");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 19), 0);
    FIELD_IS(t, "ftp.response.code", "211");
    FIELD_IS(t, "ftp.response.arg", "Features:");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 20), 0);        /* continuation lines, then "211 End" */
    FIELD_IS(t, "ftp.response.code", "");
    FIELD_IS(t, "ftp.response.arg", " EPRT");
    CU_ASSERT_STRING_EQUAL(th_info(t), "Response:  EPRT");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 35), 0);
    FIELD_IS(t, "ftp.response.code", "227");
    FIELD_IS(t, "ftp.passive.ip", "90.130.70.73");
    FIELD_IS(t, "ftp.passive.port", "25685");
    FIELD_IS(t, "ftp.current-working-directory", "/");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 58), 0);
    FIELD_IS(t, "ftp.response.code", "213");
    FIELD_IS(t, "ftp.response.arg", "1048576");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 64), 0);
    FIELD_IS(t, "ftp.passive.port", "24523");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 201), 0);
    FIELD_IS(t, "ftp.response.code", "226");
    FIELD_IS(t, "ftp.response.arg", "Transfer complete.");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, UINT64_MAX), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "ftp"), 16);
    REC_IS(t, 0, "command", "USER");
    REC_IS(t, 0, "user", "anonymous");
    REC_IS(t, 0, "reply_code", "331");
    REC_IS(t, 1, "password", "NcFTP@");                   /* an anonymous login's password */
    REC_IS(t, 7, "command", "PASV");
    REC_IS(t, 7, "data_channel.passive", "1");
    REC_IS(t, 7, "data_channel.orig_h", "192.168.1.212");
    REC_IS(t, 7, "data_channel.resp_h", "90.130.70.73");
    REC_IS(t, 7, "data_channel.resp_p", "25685");
    REC_IS(t, 14, "command", "RETR");
    REC_IS(t, 14, "arg", "1MB.zip");
    REC_IS(t, 14, "file_size", "1048576");
    REC_IS(t, 14, "reply_code", "226");
    REC_IS(t, 14, "reply_msg", "Transfer complete.");
    REC_IS(t, 14, "first_frame", "69");
    REC_IS(t, 14, "last_frame", "201");
    th_free(t);
}

static void test_capture_ipv6_and_auth_tls(void)
{
    struct th *t = start();
    const char *p = cap("ftp-ipv6-login-failed.pcap");
    CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, p, 8), 0);
    FIELD_IS(t, "ftp.response.code", "530");
    FIELD_IS(t, "ftp.response.arg", "This FTP server is anonymous only.");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 10), 0);
    FIELD_IS(t, "ftp.request.command", "SYST");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, UINT64_MAX), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "ftp"), 3);
    REC_IS(t, 0, "user", "hello");
    REC_IS(t, 0, "id.resp_p", "21");
    th_free(t);

    t = start();
    p = cap("tcp-ooo-retrans-ftp-auth-tls.pcap");
    CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, p, 7), 0);
    FIELD_IS(t, "ftp.request.command", "AUTH");
    FIELD_IS(t, "ftp.request.arg", "TLS");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 10), 0);
    FIELD_IS(t, "ftp.response.code", "234");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 12), 0);
    FIELD_IS(t, "ftp.request.command", "");
    char so[2100];
    snprintf(so, sizeof so, "%s/tls.so", th_plugin_dir());
    FILE *f = fopen(so, "rb");
    if (f) {
        fclose(f);
        FIELD_IS(t, "tls.record.content_type", "22");
        FIELD_IS(t, "tls.handshake.type", "1");
        /* Both sides end TLS with an (encrypted) alert; the session goes on in clear text,
         * as RFC 4217's CCC has it: tls hands the stream back to ftp (tshark: the same). */
        CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 45), 0);
        FIELD_IS(t, "ftp.request.command", "PASV");
        FIELD_IS(t, "tls.record.content_type", "");
        CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 46), 0);
        FIELD_IS(t, "ftp.response.code", "227");
        FIELD_IS(t, "ftp.passive.ip", "10.220.50.76");
        CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 48), 0);
        FIELD_IS(t, "ftp.request.command", "STOR");
    } else {
        FIELD_IS(t, "ftp.encrypted_length", "150");
    }
    th_free(t);
}

static void test_synthetic(void)
{
    struct conv v = conv_new(21);
    ss(&v, "220-Welcome\r\n220-to the\r\n");
    FIELD_IS(v.t, "ftp.response.code", "220");
    ss(&v, "220 server\r\n");                          /* the end of the multi-line greeting */
    FIELD_IS(v.t, "ftp.response.code", "220");
    cs(&v, "US");                                       /* a command cut across segments */
    FIELD_IS(v.t, "ftp.request.command", "");
    cs(&v, "ER bob\r\n");
    FIELD_IS(v.t, "ftp.request.command", "USER");
    FIELD_IS(v.t, "ftp.request.arg", "bob");
    ss(&v, "331 pw?\r\n");
    cs(&v, "PASS secret\r\n");
    ss(&v, "230-Hello\r\n more text\r\n230 in\r\n");
    FIELD_IS(v.t, "ftp.response.code", "230");
    FIELD_IS(v.t, "ftp.response.arg", "Hello");
    cs(&v, "PORT 10,0,0,1,4,1\r\n");
    FIELD_IS(v.t, "ftp.active.cip", "10.0.0.1");
    FIELD_IS(v.t, "ftp.active.port", "1025");
    FIELD_IS(v.t, "ftp.active.nat", "");
    ss(&v, "200 ok\r\n");
    cs(&v, "EPRT |2|2001:db8::1|5282|\r\n");
    FIELD_IS(v.t, "ftp.eprt.af", "2");
    FIELD_IS(v.t, "ftp.eprt.ipv6", "2001:db8::1");
    FIELD_IS(v.t, "ftp.eprt.port", "5282");
    ss(&v, "200 ok\r\n");
    cs(&v, "EPRT |9|x|y|\r\n");
    FIELD_IS(v.t, "ftp.eprt.args_invalid", "1");
    ss(&v, "522 no\r\n");
    cs(&v, "EPSV\r\n");
    ss(&v, "229 Entering Extended Passive Mode (|||6446|)\r\n");
    FIELD_IS(v.t, "ftp.epsv.port", "6446");
    cs(&v, "PASV\r\n");
    ss(&v, "227 Entering Passive Mode (192,0,2,7,1,2)\r\n");
    FIELD_IS(v.t, "ftp.passive.ip", "192.0.2.7");
    FIELD_IS(v.t, "ftp.passive.port", "258");
    FIELD_IS(v.t, "ftp.passive.nat", "1");             /* not the server's address */
    cs(&v, "AUTH TLS\r\n");
    ss(&v, "534 not now\r\n");                         /* refused: still FTP */
    cs(&v, "QUIT\r\n");
    FIELD_IS(v.t, "ftp.request.command", "QUIT");
    ss(&v, "garbage without code\r\n");
    FIELD_IS(v.t, "ftp.response.arg", "garbage without code");
    FIELD_IS(v.t, "ftp.response.code.invalid", "1");
    ss(&v, "221 bye\r\n");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "ftp"), 9);
    REC_IS(v.t, 0, "user", "bob");
    REC_IS(v.t, 1, "password", "");                    /* not a guest: Zeek keeps no password */
    REC_IS(v.t, 2, "command", "PORT");
    REC_IS(v.t, 2, "data_channel.passive", "0");
    REC_IS(v.t, 2, "data_channel.orig_h", "10.0.0.2");
    REC_IS(v.t, 2, "data_channel.resp_h", "10.0.0.1");
    REC_IS(v.t, 2, "data_channel.resp_p", "1025");
    REC_IS(v.t, 5, "data_channel.resp_p", "6446");
    REC_IS(v.t, 6, "data_channel.resp_h", "192.0.2.7");
    REC_IS(v.t, 8, "reply_code", "221");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);

    /* a line past the cap: given up and marked, once */
    v = conv_new(21);
    ss(&v, "220 FTP\r\n");
    static char big[1400];
    memset(big, 'A', sizeof big);
    int marked = 0;
    for (int i = 0; i < 50; i++) {
        seg(&v, 0, PG_ACK, big, sizeof big);
        if (!strcmp(th_field(v.t, "ftp.line_too_long"), "1")) marked++;
    }
    CU_ASSERT_EQUAL(marked, 1);
    cs(&v, "QUIT\r\n");
    FIELD_IS(v.t, "ftp.request.command", "");
    th_free(v.t);

    /* the heuristic on another port takes an FTP greeting, not an SMTP one */
    v = conv_new(2121);
    ss(&v, "220 ProFTPD Server ready.\r\n");
    FIELD_IS(v.t, "ftp.response.code", "220");
    th_free(v.t);
    v = conv_new(2122);                                 /* "ftp" in an SMTP server's name */
    ss(&v, "220 mx.ftp.example ESMTP ready\r\n");
    FIELD_IS(v.t, "ftp.response.code", "");
    FIELD_IS(v.t, "smtp.response.code", "220");
    th_free(v.t);
}

/* Bytes the capture missed: the rest of the cut line is skipped, the next line is read. */
static void test_gap(void)
{
    struct conv v = conv_new(21);
    ss(&v, "220 FTP\r\n");
    cs(&v, "USER bob\r\nPA");
    v.cseq += 5;                                        /* "SS se" never captured */
    cs(&v, "cret\r\nPWD\r\n");
    seg(&v, 1, PG_ACK, NULL, 0);                        /* the server acks past the hole */
    FIELD_IS(v.t, "ftp.request.command", "PWD");
    ss(&v, "331 pw\r\n");
    v.sseq += 7;                                        /* a reply cut by a gap, then one whole */
    ss(&v, "t\r\n257 \"/\"\r\n");
    seg(&v, 0, PG_ACK, NULL, 0);
    FIELD_IS(v.t, "ftp.response.code", "257");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);
}

/* ftp.current-working-directory: known from PWD's 257, followed through CWD and CDUP, on every
 * frame after (values checked with tshark 4.0 on a pcap of the same conversation). */
static void test_cwd(void)
{
    struct conv v = conv_new(21);
    ss(&v, "220 FTP server\r\n");
    cs(&v, "PWD\r\n");
    FIELD_IS(v.t, "ftp.current-working-directory", "");
    ss(&v, "257 \"/home/u\" is cwd\r\n");
    FIELD_IS(v.t, "ftp.current-working-directory", "/home/u");
    cs(&v, "CWD docs\r\n");
    FIELD_IS(v.t, "ftp.current-working-directory", "/home/u");
    ss(&v, "250 ok\r\n");
    FIELD_IS(v.t, "ftp.current-working-directory", "/home/u/docs");
    cs(&v, "CWD ../x/y\r\n");
    ss(&v, "250 ok\r\n");
    FIELD_IS(v.t, "ftp.current-working-directory", "/home/u/x/y");
    cs(&v, "CDUP\r\n");
    ss(&v, "250 ok\r\n");
    FIELD_IS(v.t, "ftp.current-working-directory", "/home/u/x");
    cs(&v, "CWD nope\r\n");
    ss(&v, "550 no\r\n");
    FIELD_IS(v.t, "ftp.current-working-directory", "/home/u/x");
    cs(&v, "CWD /abs/p\r\n");
    ss(&v, "250 ok\r\n");
    FIELD_IS(v.t, "ftp.current-working-directory", "/abs/p");
    cs(&v, "PWD\r\n");
    ss(&v, "257 \"/a \"\"q\"\" b\"\r\n");             /* a doubled quote is one quote */
    FIELD_IS(v.t, "ftp.current-working-directory", "/a \"q\" b");
    cs(&v, "NOOP\r\n");                                  /* never answered: logged at the end */
    unsigned n = trawl_test_record_count(v.t, "ftp");
    CU_ASSERT_EQUAL(th_finish(v.t), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "ftp"), n + 1);
    REC_IS(v.t, n, "command", "NOOP");
    REC_IS(v.t, n, "reply_code", "");
    REC_IS(v.t, n, "first_frame", "19");
    REC_IS(v.t, n, "last_frame", "19");      /* the flow's last frame */
    th_free(v.t);
}

void test_ftp_register(void);
void test_ftp_register(void)
{
    CU_pSuite s = CU_add_suite("ftp", NULL, NULL);
    CU_add_test(s, "capture: ftp-session-data-transfer (tshark values, records)", test_capture_transfer);
    CU_add_test(s, "captures: IPv6 failed login, AUTH TLS to tls", test_capture_ipv6_and_auth_tls);
    CU_add_test(s, "gaps: the cut line skipped", test_gap);
    CU_add_test(s, "current working directory (PWD, CWD, CDUP)", test_cwd);
    CU_add_test(s, "synthetic: cuts, multi-line, PORT/EPRT/EPSV/PASV, AUTH refused, garbage, cap, heuristic", test_synthetic);
}
