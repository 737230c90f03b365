/* test_smtp.c — the smtp and imf plugins (suite "smtp"): commands and replies, pipelining,
 * multi-line replies, AUTH PLAIN/LOGIN, the DATA phase handed to imf (folded headers,
 * dot-stuffing), STARTTLS refused and accepted (the stream goes to tls), garbage, a line past the
 * cap, every cut of a session, and the smtp record.
 *
 * Capture values are what tshark 4.0.17 prints (`tshark -T fields -e smtp.* -e imf.*`) for
 * smtp-session-imf.pcap and vlan-smtp-starttls-ipv6.pcap; the synthetic conversations' expected
 * values were checked the same way on pcaps of the same bytes (AUTH credentials with tshark's
 * default preferences, and with -o smtp.decryption:TRUE for the decoded ones). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../pktgen.h"

#define T0 1700000000000000000LL
#define FIELD_IS(t, f, v) do { const char *got_ = th_field(t, f); if (strcmp(got_, v)) fprintf(stderr, "%s:%d %s = [%s]\n", __FILE__, __LINE__, f, got_); CU_ASSERT_STRING_EQUAL(got_, v); } while (0)
#define REC_IS(t, i, c, v) do { const char *got_ = trawl_test_record_value(t, "smtp", i, c); if (strcmp(got_, v)) fprintf(stderr, "%s:%d record %s = [%s]\n", __FILE__, __LINE__, c, got_); CU_ASSERT_STRING_EQUAL(got_, v); } while (0)

static struct th *start_opts(const char *const *opts)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, opts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

static bool have_tls(void)
{
    char p[2100];
    snprintf(p, sizeof p, "%s/tls.so", th_plugin_dir());
    FILE *f = fopen(p, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static char cap_path[512];
static const char *cap(const char *name)
{
    snprintf(cap_path, sizeof cap_path, "%s/%s", th_captures_dir(), name);
    return cap_path;
}

/* ---- a synthetic conversation -------------------------------------------------------------- */

struct conv { struct th *t; struct pg_ep c, s; uint32_t cseq, sseq; };
static uint8_t frame_buf[140000];

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

static struct conv conv_opts(uint16_t sport, const char *const *opts)
{
    struct conv v = { start_opts(opts), pg_v4(10, 0, 0, 1, 40000), pg_v4(10, 0, 0, 2, sport), 1000, 5000 };
    trawl_test_set_time(v.t, T0);
    seg(&v, 0, PG_SYN, NULL, 0);
    seg(&v, 1, PG_SYN | PG_ACK, NULL, 0);
    seg(&v, 0, PG_ACK, NULL, 0);
    return v;
}
static struct conv conv_new(void) { return conv_opts(25, NULL); }

/* ---- captures ---------------------------------------------------------------------------------- */

static void test_capture_session(void)
{
    struct th *t = start_opts(NULL);
    const char *p = cap("smtp-session-imf.pcap");
    CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, p, 4), 0);
    FIELD_IS(t, "smtp.response.code", "220");
    FIELD_IS(t, "smtp.rsp.parameter", "pigeon.eyrie.af.mil ESMTP Sendmail 8.8.7/8.8.7; Sat, 7 Aug 1999 08:20:11 -0400");
    FIELD_IS(t, "smtp.response", "220 pigeon.eyrie.af.mil ESMTP Sendmail 8.8.7/8.8.7; Sat, 7 Aug 1999 08:20:11 -0400\\r\\n");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 6), 0);
    FIELD_IS(t, "smtp.req.command", "EHLO");
    FIELD_IS(t, "smtp.req.parameter", "delta.peach.mil");
    FIELD_IS(t, "smtp.req", "1");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 8), 0);
    FIELD_IS(t, "smtp.response.code", "500");
    FIELD_IS(t, "smtp.rsp.parameter", "Command unrecognized");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 11), 0);
    FIELD_IS(t, "smtp.req.command", "MAIL");
    FIELD_IS(t, "smtp.req.parameter", "From:<coreys@delta.peach.mil>");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 73), 0);
    FIELD_IS(t, "smtp.req.command", "DATA");
    FIELD_IS(t, "smtp.req.parameter", "");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 75), 0);
    FIELD_IS(t, "smtp.response.code", "354");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 80), 0);     /* in the middle of the message */
    FIELD_IS(t, "smtp.req.command", "");
    FIELD_IS(t, "imf.subject", "");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 88), 0);     /* the message ends here */
    FIELD_IS(t, "imf.subject", "Take into The would, for");
    FIELD_IS(t, "imf.date", "Sat,  7 Aug 1999 08:20:10 -0400");
    FIELD_IS(t, "imf.message_id", "<19990807082010.CAA3135>");
    FIELD_IS(t, "imf.received", "(from mail@localhost) by delta.peach.mil (SMI-8.6/SMI-SVR4)\\r\\n\\tid: CAA3135; Sat,  7 Aug 1999 08:20:10 -0400");
    FIELD_IS(t, "imf.from", "");
    CU_ASSERT_EQUAL(strncmp(th_field(t, "imf.to"), "suzannaa@eagle.eyrie.af.mil, guntherk@eagle.eyrie.af.mil,", 57), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(th_field(t, "imf.to"), "shandarg@eagle.eyrie.af.mil,\\r\\n lareynaa@eagle.eyrie.af.mil"));
    FIELD_IS(t, "smtp.data.reassembled.length", "15264");    /* tshark 4.0: 15262 (see README) */
    FIELD_IS(t, "smtp.data.fragment.count", "11");
    CU_ASSERT_PTR_NOT_NULL(strstr(th_layers(t), "smtp:imf"));
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "smtp"), 0);
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 89), 0);
    FIELD_IS(t, "smtp.response.code", "250");
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "smtp"), 1);
    REC_IS(t, 0, "helo", "delta.peach.mil");
    REC_IS(t, 0, "mailfrom", "coreys@delta.peach.mil");
    REC_IS(t, 0, "trans_depth", "1");
    REC_IS(t, 0, "subject", "Take into The would, for");
    REC_IS(t, 0, "msg_id", "<19990807082010.CAA3135>");
    REC_IS(t, 0, "last_reply", "250 Mail accepted");
    REC_IS(t, 0, "tls", "0");
    REC_IS(t, 0, "first_received", "(from mail@localhost) by delta.peach.mil (SMI-8.6/SMI-SVR4)\\tid: CAA3135; Sat,  7 Aug 1999 08:20:10 -0400");
    REC_IS(t, 0, "id.resp_p", "25");
    REC_IS(t, 0, "first_frame", "4");
    REC_IS(t, 0, "ts", "Aug  7, 1999 12:20:08.588966000 UTC");   /* the greeting (frame 4) */
    REC_IS(t, 0, "last_frame", "89");
    CU_ASSERT_EQUAL(strncmp(trawl_test_record_value(t, "smtp", 0, "rcptto"), "camronm@pigeon.eyrie.af.mil,melvynr@", 36), 0);
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, UINT64_MAX), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "smtp"), 1);
    th_free(t);
}

static void test_capture_starttls(void)
{
    struct th *t = start_opts(NULL);
    const char *p = cap("vlan-smtp-starttls-ipv6.pcap");
    CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, p, 8), 0);
    FIELD_IS(t, "smtp.response.code", "250");
    FIELD_IS(t, "smtp.rsp.parameter", "mx.google.com at your service, [10.000.000.01],SIZE 35882577,8BITMIME,"
             "STARTTLS,ENHANCEDSTATUSCODES,PIPELINING,CHUNKING");
    FIELD_IS(t, "smtp.response", "250-mx.google.com at your service, [10.000.000.01]\\r\\n");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 9), 0);
    FIELD_IS(t, "smtp.req.command", "STAR");             /* tshark 4.0: the first four letters */
    FIELD_IS(t, "smtp.req.parameter", "TLS");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 10), 0);
    FIELD_IS(t, "smtp.response.code", "220");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 11), 0);
    FIELD_IS(t, "smtp.req.command", "");
    if (have_tls()) {
        FIELD_IS(t, "tls.record.content_type", "22");
        FIELD_IS(t, "tls.handshake.type", "1");
        CU_ASSERT_PTR_NOT_NULL(strstr(th_layers(t), "tcp:tls"));
    } else {
        FIELD_IS(t, "smtp.encrypted_length", th_field(t, "tcp.len"));
    }
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 43), 0);     /* the second connection, IPv6 in a VLAN */
    FIELD_IS(t, "smtp.response.code", "250");
    FIELD_IS(t, "smtp.rsp.parameter", "jw-vm08-int-dns.webernetz.net,PIPELINING,SIZE 10240000,VRFY,ETRN,STARTTLS,"
             "ENHANCEDSTATUSCODES,8BITMIME,DSN");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, 46), 0);
    FIELD_IS(t, "smtp.response.code", "");
    if (have_tls()) FIELD_IS(t, "tls.record.content_type", "22");
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p, UINT64_MAX), 0);
    /* Zeek logs a session that went to TLS (tls T), with what was seen in the clear */
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "smtp"), 2);
    REC_IS(t, 0, "helo", "xxxxxxxxxxxxx.xxx.com");
    REC_IS(t, 0, "tls", "1");
    REC_IS(t, 0, "last_reply", "220 2.0.0 Ready to start TLS");
    REC_IS(t, 0, "trans_depth", "1");
    REC_IS(t, 0, "first_frame", "4");
    REC_IS(t, 0, "last_frame", "10");
    REC_IS(t, 0, "mailfrom", "");
    REC_IS(t, 1, "helo", "[IPv6:2003:de:2016:125:fc36:8317:4e86:cb72]");
    REC_IS(t, 1, "id.resp_p", "25");
    REC_IS(t, 1, "tls", "1");
    REC_IS(t, 1, "first_frame", "40");
    th_free(t);
}

/* ---- synthetic --------------------------------------------------------------------------------- */

static void test_split_pipelined_multiline(void)
{
    struct conv v = conv_new();
    ss(&v, "220 mail.example.com ESMTP ready\r\n");
    FIELD_IS(v.t, "smtp.response.code", "220");
    cs(&v, "EHLO client.exa");                              /* a command cut across segments */
    FIELD_IS(v.t, "smtp.req.command", "");
    cs(&v, "mple.org\r\n");
    FIELD_IS(v.t, "smtp.req.command", "EHLO");
    FIELD_IS(v.t, "smtp.req.parameter", "client.example.org");
    FIELD_IS(v.t, "smtp.command_line", "EHLO client.example.org\\r\\n");
    ss(&v, "250-mail.example.com\r\n250-AUTH PLAIN");       /* a multi-line reply, cut */
    FIELD_IS(v.t, "smtp.response.code", "");
    ss(&v, " LOGIN\r\n250 PIPELINING\r\n");
    FIELD_IS(v.t, "smtp.response.code", "250");
    FIELD_IS(v.t, "smtp.rsp.parameter", "mail.example.com,AUTH PLAIN LOGIN,PIPELINING");
    FIELD_IS(v.t, "smtp.rsp", "1");
    CU_ASSERT_STRING_EQUAL(th_info(v.t), "S: 250-mail.example.com | AUTH PLAIN LOGIN | PIPELINING");   /* as tshark */
    cs(&v, "MAIL FROM:<a@x.org> SIZE=10\r\nRCPT TO:<b@y.org>\r\nRCPT TO:<c@y.org>\r\nDATA\r\n");
    FIELD_IS(v.t, "smtp.req.command", "MAIL,RCPT,RCPT,DATA");
    FIELD_IS(v.t, "smtp.req.parameter", "FROM:<a@x.org> SIZE=10,TO:<b@y.org>,TO:<c@y.org>");
    FIELD_IS(v.t, "smtp.req", "1,1,1,1");
    CU_ASSERT_STRING_EQUAL(th_info(v.t), "C: MAIL FROM:<a@x.org> SIZE=10 | RCPT TO:<b@y.org> | RCPT TO:<c@y.org> | DATA");
    ss(&v, "250 ok\r\n250 ok\r\n550 no such user\r\n354 go\r\n");
    FIELD_IS(v.t, "smtp.response.code", "250,250,550,354");
    FIELD_IS(v.t, "smtp.rsp.parameter", "ok,ok,no such user,go");
    /* a message with folded headers and dot-stuffing, in three segments */
    cs(&v, "From: A <a@x.org>\r\nTo: b@y.org,\r\n c@y.org\r\nSubject: hi\r\n there\r\n");
    FIELD_IS(v.t, "imf.subject", "");
    cs(&v, "Message-ID: <1@x>\r\nX-Mailer: foo 1\r\nUser-Agent: ua\r\nX-Originating-IP: [192.0.2.9]\r\n"
           "Content-Type: text/plain; charset=us-ascii\r\nX-Foo: bar\r\n\r\nbody\r\n..dot\r\n");
    FIELD_IS(v.t, "imf.subject", "");
    cs(&v, ".\r\n");
    FIELD_IS(v.t, "imf.from", "A <a@x.org>");
    CU_ASSERT_STRING_EQUAL(th_protocol(v.t), "SMTP/IMF");
    CU_ASSERT_STRING_EQUAL(th_info(v.t), "from: A <a@x.org>, subject: hi\\r\\n there");
    FIELD_IS(v.t, "imf.to", "b@y.org,\\r\\n c@y.org");
    FIELD_IS(v.t, "imf.subject", "hi\\r\\n there");
    FIELD_IS(v.t, "imf.message_id", "<1@x>");
    FIELD_IS(v.t, "imf.ext.mailer", "foo 1");
    FIELD_IS(v.t, "imf.user_agent", "ua");
    FIELD_IS(v.t, "imf.content.type", "text/plain; charset=us-ascii");
    FIELD_IS(v.t, "imf.content.type.type", "text/plain");
    FIELD_IS(v.t, "imf.content.type.parameters", " charset=us-ascii");
    FIELD_IS(v.t, "imf.extension.type", "X-Originating-IP,X-Foo");
    FIELD_IS(v.t, "imf.extension.value", "[192.0.2.9],bar");
    FIELD_IS(v.t, "imf.message_text.length", "12");          /* "body\r\n.dot\r\n": unstuffed */
    FIELD_IS(v.t, "smtp.data.reassembled.length", "218");     /* as sent, before the end line (tshark: 218) */
    FIELD_IS(v.t, "smtp.data.fragment.count", "2");           /* tshark: the lone end line is no fragment */
    ss(&v, "250 queued as 1\r\n");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "smtp"), 1);
    REC_IS(v.t, 0, "mailfrom", "a@x.org");
    REC_IS(v.t, 0, "rcptto", "b@y.org,c@y.org");
    REC_IS(v.t, 0, "to", "b@y.org,c@y.org");
    REC_IS(v.t, 0, "from", "A <a@x.org>");
    REC_IS(v.t, 0, "subject", "hi there");
    REC_IS(v.t, 0, "user_agent", "ua");
    REC_IS(v.t, 0, "x_originating_ip", "192.0.2.9");
    REC_IS(v.t, 0, "last_reply", "250 queued as 1");
    REC_IS(v.t, 0, "helo", "client.example.org");
    REC_IS(v.t, 0, "path", "10.0.0.2,10.0.0.1");
    REC_IS(v.t, 0, "first_frame", "4");             /* Zeek: the session's first line */
    /* a second transaction, an empty message (dot alone), the end line cut after the dot */
    cs(&v, "MAIL FROM:<z@x.org>\r\n");
    ss(&v, "250 ok\r\n");
    cs(&v, "DATA\r\n");
    ss(&v, "354 go\r\n");
    cs(&v, ".");
    FIELD_IS(v.t, "smtp.data.reassembled.length", "");
    cs(&v, "\r\nQUIT\r\n");
    FIELD_IS(v.t, "smtp.data.reassembled.length", "0");
    FIELD_IS(v.t, "smtp.req.command", "QUIT");
    ss(&v, "250 ok\r\n221 bye\r\n");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "smtp"), 2);
    REC_IS(v.t, 1, "trans_depth", "2");
    REC_IS(v.t, 1, "mailfrom", "z@x.org");
    REC_IS(v.t, 1, "last_reply", "250 ok");
    REC_IS(v.t, 1, "first_frame", "14");            /* Zeek: the reply that ended the first */
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);
}

static void auth_session(struct conv *v)
{
    ss(v, "220 mail.example.com ESMTP\r\n");
    cs(v, "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n");          /* "\0alice\0s3cret" */
}

static void test_auth(void)
{
    struct conv v = conv_new();
    auth_session(&v);
    FIELD_IS(v.t, "smtp.req.command", "AUTH");
    FIELD_IS(v.t, "smtp.req.parameter", "PLAIN AGFsaWNlAHMzY3JldA==");
    FIELD_IS(v.t, "smtp.auth.username_password", "AGFsaWNlAHMzY3JldA==");   /* tshark's default */
    FIELD_IS(v.t, "smtp.auth.username", "");
    ss(&v, "235 2.7.0 ok\r\n");
    cs(&v, "AUTH LOGIN\r\n");
    ss(&v, "334 VXNlcm5hbWU6\r\n");
    FIELD_IS(v.t, "smtp.rsp.parameter", "VXNlcm5hbWU6");
    cs(&v, "Ym9i\r\n");
    FIELD_IS(v.t, "smtp.req.command", "");
    FIELD_IS(v.t, "smtp.req", "1");
    FIELD_IS(v.t, "smtp.auth.username", "Ym9i");
    CU_ASSERT_STRING_EQUAL(th_info(v.t), "C: User: Ym9i");
    ss(&v, "334 UGFzc3dvcmQ6\r\n");
    cs(&v, "aHVudGVyMg==\r\n");
    FIELD_IS(v.t, "smtp.auth.password", "aHVudGVyMg==");
    ss(&v, "235 ok\r\n");
    cs(&v, "NOOP\r\n");                                    /* AUTH is over: a command again */
    FIELD_IS(v.t, "smtp.req.command", "NOOP");
    FIELD_IS(v.t, "smtp.auth.password", "");
    ss(&v, "250 noop\r\n");
    /* the replies still answer the right commands: the record comes with the end's reply */
    cs(&v, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    ss(&v, "250 a\r\n250 b\r\n354 c\r\n");
    cs(&v, "Subject: after auth\r\n\r\nx\r\n.\r\n");
    FIELD_IS(v.t, "imf.subject", "after auth");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "smtp"), 0);
    ss(&v, "250 queued\r\n");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "smtp"), 1);
    REC_IS(v.t, 0, "last_reply", "250 queued");
    th_free(v.t);

    /* -o smtp.decryption=1: as tshark -o smtp.decryption:TRUE */
    const char *opts[] = { "smtp.decryption=1", NULL };
    v = conv_opts(25, opts);
    auth_session(&v);
    FIELD_IS(v.t, "smtp.auth.username", "alice");
    FIELD_IS(v.t, "smtp.auth.password", "s3cret");
    ss(&v, "235 2.7.0 ok\r\n");
    cs(&v, "AUTH LOGIN\r\n");
    ss(&v, "334 VXNlcm5hbWU6\r\n");
    FIELD_IS(v.t, "smtp.rsp.parameter", "Username:");
    cs(&v, "Ym9i\r\n");
    FIELD_IS(v.t, "smtp.auth.username", "bob");
    ss(&v, "334 UGFzc3dvcmQ6\r\n");
    cs(&v, "aHVudGVyMg==\r\n");
    FIELD_IS(v.t, "smtp.auth.password", "hunter2");
    th_free(v.t);
}

static const char tls_hello[] = "\x16\x03\x01\x00\x2d\x01\x00\x00\x29\x03\x03"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "\x00\x00\x02\x00\x2f\x01\x00";

static void test_starttls(void)
{
    struct conv v = conv_new();
    ss(&v, "220 mail.example.com ESMTP\r\n");
    cs(&v, "STARTTLS\r\n");
    ss(&v, "454 4.7.0 TLS not available\r\n");                /* refused: no switch */
    FIELD_IS(v.t, "smtp.response.code", "454");
    cs(&v, "HELO a\r\n");
    FIELD_IS(v.t, "smtp.req.command", "HELO");
    ss(&v, "250 ok\r\n");
    cs(&v, "STARTTLS\r\n");
    ss(&v, "220 go ahead\r\n");
    FIELD_IS(v.t, "smtp.response.code", "220");
    seg(&v, 0, PG_ACK | PG_PSH, tls_hello, sizeof tls_hello - 1);
    FIELD_IS(v.t, "smtp.req.command", "");
    if (have_tls()) {
        FIELD_IS(v.t, "tls.record.content_type", "22");
        FIELD_IS(v.t, "tls.handshake.type", "1");
        CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp:tls");
    }
    CU_ASSERT_EQUAL(th_layer_errors(v.t, "smtp"), 0);
    th_free(v.t);

    /* without tls: smtp stops decoding, the bytes are counted, nothing is malformed */
    static char so[5][2100];
    const char *names[] = { "eth", "ipv4", "tcp", "smtp", "imf" };
    const char *dirs[6] = { NULL };
    for (int i = 0; i < 5; i++) {
        snprintf(so[i], sizeof so[i], "%s/%s.so", th_plugin_dir(), names[i]);
        dirs[i] = so[i];
    }
    struct conv w = { trawl_test_new_opts(dirs, NULL, NULL), pg_v4(10, 0, 0, 1, 40000), pg_v4(10, 0, 0, 2, 25), 1000, 5000 };
    CU_ASSERT_PTR_NOT_NULL_FATAL(w.t);
    seg(&w, 0, PG_SYN, NULL, 0);
    seg(&w, 1, PG_SYN | PG_ACK, NULL, 0);
    seg(&w, 0, PG_ACK, NULL, 0);
    ss(&w, "220 mail.example.com ESMTP\r\n");
    cs(&w, "STARTTLS\r\n");
    ss(&w, "220 go ahead\r\n");
    seg(&w, 0, PG_ACK | PG_PSH, tls_hello, sizeof tls_hello - 1);
    FIELD_IS(w.t, "smtp.req.command", "");
    FIELD_IS(w.t, "smtp.encrypted_length", "50");
    CU_ASSERT_EQUAL(th_errors(w.t), 0);
    ss(&w, "\x16\x03\x03\x00\x01\x02");
    FIELD_IS(w.t, "smtp.encrypted_length", "3");     /* "\\x16\\x03\\x03": strlen stops at the NUL */
    FIELD_IS(w.t, "smtp.response.code", "");
    CU_ASSERT_EQUAL(th_errors(w.t), 0);
    th_free(w.t);
}

static void test_garbage_and_caps(void)
{
    struct conv v = conv_new();
    ss(&v, "220 mail.example.com ESMTP\r\n");
    cs(&v, "\x01\x02 garbage\r\n");                         /* not a command, but a line */
    FIELD_IS(v.t, "smtp.req.command", "\x01\x02 g");     /* control bytes as they are, as tshark */
    ss(&v, "xyz\r\n");                                          /* a reply without a code */
    FIELD_IS(v.t, "smtp.response.code", "");
    FIELD_IS(v.t, "smtp.response", "xyz\\r\\n");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    /* 64 KiB and more without a line end: given up, marked, and nothing more is held */
    static char big[1400];
    memset(big, 'A', sizeof big);
    int marked = 0, at = 0;
    for (int i = 0; i < 50; i++) {
        seg(&v, 0, PG_ACK, big, sizeof big);
        if (!strcmp(th_field(v.t, "smtp.line_too_long"), "1")) {
            marked++;
            at = i + 1;
            CU_ASSERT(th_layer_errors(v.t, "smtp") & TRAWL_BUF_MALFORMED);
        }
    }
    CU_ASSERT_EQUAL(marked, 1);
    CU_ASSERT_EQUAL(at, 47);                      /* 47 x 1400 is the first past 65536 */
    cs(&v, "QUIT\r\n");                                        /* no longer decoded */
    FIELD_IS(v.t, "smtp.req.command", "");
    th_free(v.t);
}

/* A whole session cut in two at every byte: the same commands, replies and message. */
static void test_every_cut(void)
{
    static const char client[] = "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
                                 "Subject: s\r\n\r\n..x\r\n.\r\nQUIT\r\n";
    size_t n = sizeof client - 1;
    for (size_t cut = 1; cut < n; cut++) {
        struct conv v = conv_new();
        ss(&v, "220 m ESMTP\r\n250 a\r\n");
        char got[256] = "";
        char subj[64] = "";
        cs(&v, "");
        for (int part = 0; part < 2; part++) {
            const char *p = part ? client + cut : client;
            size_t l = part ? n - cut : cut;
            seg(&v, 0, PG_ACK | PG_PSH, p, l);
            const char *c = th_field(v.t, "smtp.req.command");
            if (*c) { if (*got) strcat(got, ","); strcat(got, c); }
            if (*th_field(v.t, "imf.subject")) snprintf(subj, sizeof subj, "%s", th_field(v.t, "imf.subject"));
        }
        CU_ASSERT_STRING_EQUAL(got, "EHLO,MAIL,RCPT,DATA,QUIT");
        CU_ASSERT_STRING_EQUAL(subj, "s");
        ss(&v, "250 a\r\n250 b\r\n354 c\r\n250 d\r\n221 e\r\n");
        CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "smtp"), 1);
        CU_ASSERT_EQUAL(th_errors(v.t), 0);
        th_free(v.t);
    }
}

/* Bytes the capture missed (acknowledged by the peer): the cut line is skipped up to its end, a
 * message with a hole is counted but not handed to imf, and what follows is decoded. */
static void test_gaps(void)
{
    struct conv v = conv_new();
    ss(&v, "220 m ESMTP\r\n");
    cs(&v, "MAIL FROM:<a@b>\r\nRC");
    FIELD_IS(v.t, "smtp.req.command", "MAIL");
    v.cseq += 10;                                          /* "PT TO:<x@y" never captured */
    cs(&v, "y>\r\nRCPT TO:<c@d>\r\n");                  /* held until the server acks the hole */
    FIELD_IS(v.t, "smtp.req.command", "");
    ss(&v, "250 ok\r\n");
    FIELD_IS(v.t, "tcp.analysis.lost_segment", "1");
    FIELD_IS(v.t, "smtp.req.command", "RCPT");            /* "y>" skipped, the next line read */
    FIELD_IS(v.t, "smtp.req.parameter", "TO:<c@d>");
    ss(&v, "250 a\r\n250 b\r\n");
    cs(&v, "DATA\r\n");
    ss(&v, "354 go\r\n");
    cs(&v, "Subject: holes\r\n\r\nab");
    v.cseq += 100;                                         /* a hole in the message */
    cs(&v, "cd\r\n.\r\nQUIT\r\n");
    seg(&v, 1, PG_ACK, NULL, 0);                           /* the server acks past the hole */
    FIELD_IS(v.t, "smtp.req.command", "QUIT");
    FIELD_IS(v.t, "imf.subject", "");                      /* never a message with a hole */
    FIELD_IS(v.t, "smtp.data.reassembled.length", "124");  /* 18 + "ab" + 100 missing + "cd\r\n" */
    ss(&v, "250 queued\r\n221 bye\r\n");
    FIELD_IS(v.t, "imf.subject", "");                      /* never a message with a hole */
    FIELD_IS(v.t, "smtp.response.code", "250,221");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "smtp"), 1);
    REC_IS(v.t, 0, "rcptto", "c@d");
    REC_IS(v.t, 0, "last_reply", "250 queued");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);
}

/* reasm.max_pdu smaller than the message: the engine drops what smtp held; smtp notices, counts
 * on, still finds the end, and the commands after it are commands. */
static void test_small_max_pdu(void)
{
    const char *opts[] = { "reasm.max_pdu=2048", NULL };
    struct conv v = conv_opts(25, opts);
    ss(&v, "220 m ESMTP\r\n");
    cs(&v, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    ss(&v, "250 a\r\n250 b\r\n354 c\r\n");
    cs(&v, "Subject: big\r\n\r\n");
    static char line[1000];
    memset(line, 'x', sizeof line);
    line[998] = '\r';
    line[999] = '\n';
    for (int i = 0; i < 5; i++) seg(&v, 0, PG_ACK, line, sizeof line);
    cs(&v, ".\r\nQUIT\r\n");
    FIELD_IS(v.t, "smtp.req.command", "QUIT");
    FIELD_IS(v.t, "imf.subject", "");
    FIELD_IS(v.t, "smtp.data.reassembled.length", "5016");
    ss(&v, "250 ok\r\n221 bye\r\n");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "smtp"), 1);
    REC_IS(v.t, 0, "last_reply", "250 ok");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);
}

/* CHUNKING (RFC 3030): BDAT chunks are counted bytes, not lines; no dot-stuffing. */
static void test_bdat(void)
{
    struct conv v = conv_new();
    ss(&v, "220 m ESMTP\r\n");
    cs(&v, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n");
    ss(&v, "250 a\r\n250 b\r\n");
    /* one chunk, LAST, cut over two segments: handed to imf whole */
    cs(&v, "BDAT 33 LAST\r\nSubject: one\r\n");
    FIELD_IS(v.t, "smtp.req.command", "BDAT");
    FIELD_IS(v.t, "smtp.req.parameter", "33 LAST");
    FIELD_IS(v.t, "imf.subject", "");
    cs(&v, "\r\n.NOOP\r\nQUIT\r\nxx\r\nNOOP\r\n");   /* 33 bytes end after "xx\r\n" */
    FIELD_IS(v.t, "imf.subject", "one");
    FIELD_IS(v.t, "imf.message_text.length", "17");      /* ".NOOP..." kept: no unstuffing */
    FIELD_IS(v.t, "smtp.data.reassembled.length", "33");
    FIELD_IS(v.t, "smtp.req.command", "NOOP");            /* the command after the chunk */
    ss(&v, "250 got it\r\n250 noop\r\n");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "smtp"), 1);
    REC_IS(v.t, 0, "subject", "one");
    REC_IS(v.t, 0, "last_reply", "250 got it");
    /* two chunks: the first chunk's headers reach the record, imf is not called */
    cs(&v, "MAIL FROM:<e@f>\r\nRCPT TO:<g@h>\r\n");
    ss(&v, "250 a\r\n250 b\r\n");
    cs(&v, "BDAT 16\r\nSubject: two\r\n\r\n");
    ss(&v, "250 chunk\r\n");
    cs(&v, "BDAT 5 LAST\r\nbody!");
    FIELD_IS(v.t, "smtp.data.reassembled.length", "21");
    FIELD_IS(v.t, "imf.subject", "");
    ss(&v, "250 done\r\n");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "smtp"), 2);
    REC_IS(v.t, 1, "subject", "two");
    REC_IS(v.t, 1, "mailfrom", "e@f");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);
}

/* Address lists as tshark 4.0 breaks them up (its quirks included: a comma inside a quoted name
 * splits it, a group's name loses a character); expected values from tshark on these bytes. */
static void test_addresses(void)
{
    struct conv v = conv_new();
    ss(&v, "220 m ESMTP\r\n");
    cs(&v, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    ss(&v, "250 a\r\n250 b\r\n354 c\r\n");
    cs(&v, "From: \"Doe, J\" <j@x.org>, k@x.org\r\nSender: S <s@x.org>\r\nTo: undisclosed-recipients:;\r\n"
           "Cc: A <a@x>,\r\n B <b@x>\r\nBcc: bb@x\r\nResent-From: rf@x\r\nResent-To: rt@x, <ru@x>\r\n"
           "Return-Path: <rp@x>\r\nSubject: s\r\n\r\nbody\r\n.\r\n");
    FIELD_IS(v.t, "imf.address", "\"Doe,j@x.org, k@x.org\\r\\n,s@x.org,a@x,b@x,bb@x\\r\\n,rf@x\\r\\n,rt@x,ru@x");
    FIELD_IS(v.t, "imf.display_name", "J\",S,undisclosed-recipient,A,B");
    FIELD_IS(v.t, "imf.address_list.item", "undisclosed-recipients:;\\r\\n,A <a@x>,\\r\\n B <b@x>\\r\\n,bb@x\\r\\n,rt@x, <ru@x>\\r\\n");
    FIELD_IS(v.t, "imf.mailbox_list.item", "\"Doe, J\" <j@x.org>, k@x.org\\r\\n,rf@x\\r\\n");
    FIELD_IS(v.t, "imf.return_path", "<rp@x>");
    ss(&v, "250 ok\r\n");
    REC_IS(v.t, 0, "cc", "A <a@x>,B <b@x>");                /* Zeek's set: split, blanks trimmed */
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);
}

static void test_heuristic_and_mime(void)
{
    /* port 2626: only the heuristic finds it, on the greeting */
    struct conv v = conv_opts(2626, NULL);
    ss(&v, "220 relay.example.net ESMTP Postfix\r\n");
    FIELD_IS(v.t, "smtp.response.code", "220");
    cs(&v, "HELO a\r\n");
    FIELD_IS(v.t, "smtp.req.command", "HELO");
    cs(&v, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    ss(&v, "250 a\r\n250 b\r\n250 c\r\n354 d\r\n");
    cs(&v, "Content-Type: multipart/mixed;\r\n\tboundary=\"BB\"\r\n\r\npreamble\r\n--BB\r\n"
           "Content-Type: text/plain\r\n\r\nhello\r\n--BB\r\nContent-Type: application/octet-stream\r\n\r\n"
           "AAAA\r\n--BB--\r\n.\r\n");
    FIELD_IS(v.t, "imf.content.type.type", "multipart/mixed");
    FIELD_IS(v.t, "mime_multipart.type", "multipart/mixed");
    FIELD_IS(v.t, "mime_multipart.header.content-type", "text/plain,application/octet-stream");
    FIELD_IS(v.t, "imf.content.type", "multipart/mixed;\\r\\n\\tboundary=\"BB\"");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    /* nested, and a multipart without its closing delimiter */
    cs(&v, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    ss(&v, "250 a\r\n250 b\r\n354 d\r\n");
    cs(&v, "Content-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\n"
           "Content-Type: multipart/alternative; boundary=in\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\na\r\n"
           "--in\r\nContent-Type: text/html\r\n\r\n<p>a</p>\r\n--in--\r\n--out\r\nContent-Type: image/png\r\n\r\nPNG\r\n"
           "--out--\r\n.\r\n");
    FIELD_IS(v.t, "mime_multipart.type", "multipart/mixed,multipart/alternative");
    FIELD_IS(v.t, "mime_multipart.header.content-type", "multipart/alternative; boundary=in,text/plain,text/html,image/png");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    ss(&v, "250 ok\r\n");
    cs(&v, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    ss(&v, "250 a\r\n250 b\r\n354 d\r\n");
    cs(&v, "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\ncut\r\n.\r\n");
    FIELD_IS(v.t, "mime_multipart.header.content-type", "");   /* the part never ends */
    CU_ASSERT(th_layer_errors(v.t, "mime_multipart") & TRAWL_BUF_MALFORMED);
    CU_ASSERT_EQUAL(th_layer_errors(v.t, "smtp"), 0);
    th_free(v.t);
    /* an FTP greeting is not SMTP, nor is an HTTP request */
    v = conv_opts(2627, NULL);
    ss(&v, "220 (vsFTPd 3.0.3) SMTP\r\n");
    FIELD_IS(v.t, "smtp.response.code", "");
    th_free(v.t);
    v = conv_opts(2628, NULL);
    cs(&v, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    FIELD_IS(v.t, "smtp.req.command", "");
    th_free(v.t);
}

void test_smtp_register(void);
void test_smtp_register(void)
{
    CU_pSuite s = CU_add_suite("smtp", NULL, NULL);
    CU_add_test(s, "capture: smtp-session-imf (tshark values, imf, record)", test_capture_session);
    CU_add_test(s, "capture: vlan-smtp-starttls-ipv6 (multi-line, STARTTLS to tls)", test_capture_starttls);
    CU_add_test(s, "cut command, pipelining, multi-line, folded headers, dot-stuffing, record", test_split_pipelined_multiline);
    CU_add_test(s, "AUTH PLAIN and LOGIN (default and smtp.decryption)", test_auth);
    CU_add_test(s, "STARTTLS refused (454) and accepted (switch)", test_starttls);
    CU_add_test(s, "garbage, a line past the 64 KiB cap", test_garbage_and_caps);
    CU_add_test(s, "every cut of a session", test_every_cut);
    CU_add_test(s, "gaps in commands and in a message", test_gaps);
    CU_add_test(s, "reasm.max_pdu below the message size", test_small_max_pdu);
    CU_add_test(s, "BDAT chunks (one LAST chunk to imf, two chunks)", test_bdat);
    CU_add_test(s, "imf address lists (tshark's breakdown)", test_addresses);
    CU_add_test(s, "heuristic, MIME parts, FTP greeting refused", test_heuristic_and_mime);
}
