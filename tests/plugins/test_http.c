/* test_http.c — the http plugin (suite "http").
 *
 * Real captures: every HTTP field tshark 4.0 printed for ../shared/captures (oracle tables),
 * frame by frame; records of real transactions (decoded body lengths tshark reports, 100-continue,
 * MIME types, a download cut short); the handshake-reordered capture against its sorted twin;
 * a real capture fed with its server's segments swapped pairwise.
 * Generated streams (built here, their tshark 4.0 output checked when written): a request split
 * at every byte, pipelining, chunked bodies with their size lines split, gzip and deflate bodies,
 * HEAD, 100-continue, CONNECT, a response read until the close, gaps in a body and in a header,
 * a heuristic on a port of no one's, and malformed inputs: a header past the cap, bad chunk
 * sizes, Content-Length that lies.
 */
#include <CUnit/CUnit.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../pktgen.h"

/* ---- generated conversations ------------------------------------------------------------- */

struct conv {
    struct th *t;
    struct pg_ep c, s;              /* client, server */
    uint32_t cseq, sseq;            /* next sequence numbers */
    int64_t ts;
    uint8_t buf[2048];
};

static struct th *start(const char *const *opts)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, opts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

static void conv_init(struct conv *v, const char *const *opts, uint16_t sport)
{
    memset(v, 0, sizeof *v);
    v->t = start(opts);
    v->c = pg_v4(10, 0, 0, 1, 40000);
    v->s = pg_v4(10, 0, 0, 2, sport);
    v->cseq = 1000;
    v->sseq = 5000;
    v->ts = 1700000000000000000LL;
}

/* One segment at an explicit sequence number (10 ms after the previous one). */
static void seg_at(struct conv *v, int dir, uint32_t seq, uint8_t flags, const void *data, size_t n)
{
    const struct pg_ep *src = dir ? &v->s : &v->c, *dst = dir ? &v->c : &v->s;
    uint32_t ack = dir ? v->cseq : v->sseq;
    CU_ASSERT_FATAL(n <= sizeof v->buf - 54);
    size_t len = pg_ipv4(v->buf, 6, src, dst, seq, ack, flags, 65535, data, n);
    v->ts += 10000000;
    trawl_test_set_time(v->t, v->ts);
    CU_ASSERT_EQUAL(th_bytes(v->t, 1, v->buf, (uint32_t)len, (uint32_t)len), 0);
}

static void seg(struct conv *v, int dir, uint8_t flags, const void *data, size_t n)
{
    uint32_t *seq = dir ? &v->sseq : &v->cseq;
    seg_at(v, dir, *seq, flags, data, n);
    *seq += (uint32_t)n + ((flags & (PG_SYN | PG_FIN)) ? 1 : 0);
}

static void send_str(struct conv *v, int dir, const char *s) { seg(v, dir, PG_ACK | PG_PSH, s, strlen(s)); }

static void handshake(struct conv *v)
{
    seg(v, 0, PG_SYN, NULL, 0);
    seg(v, 1, PG_SYN | PG_ACK, NULL, 0);
    seg(v, 0, PG_ACK, NULL, 0);
}

static void close_both(struct conv *v)
{
    seg(v, 0, PG_ACK | PG_FIN, NULL, 0);
    seg(v, 1, PG_ACK | PG_FIN, NULL, 0);
    seg(v, 0, PG_ACK, NULL, 0);
}

#define F(v, name) th_field((v)->t, name)
#define REC(v, i, col) trawl_test_record_value((v)->t, "http", i, col)
#define NREC(v) trawl_test_record_count((v)->t, "http")

/* ---- requests and responses, split and joined ------------------------------------------- */

static const char GET_REQ[] =
    "GET /dir/page.html?a=1&b=2 HTTP/1.1\r\n"
    "Host: www.example.org\r\n"
    "User-Agent: trawl-test/1.0\r\n"
    "Referer: http://www.example.org/\r\n"
    "Cookie: sid=abc; theme=dark\r\n"
    "Authorization: Basic dGVzdDpmYWlsMg==\r\n"
    "\r\n";

static void check_get_fields(struct conv *v)
{
    CU_ASSERT_STRING_EQUAL(F(v, "http.request.method"), "GET");
    CU_ASSERT_STRING_EQUAL(F(v, "http.request.uri"), "/dir/page.html?a=1&b=2");
    CU_ASSERT_STRING_EQUAL(F(v, "http.request.uri.path"), "/dir/page.html");
    CU_ASSERT_STRING_EQUAL(F(v, "http.request.uri.query"), "a=1&b=2");
    CU_ASSERT_STRING_EQUAL(F(v, "http.request.uri.query.parameter"), "a=1,b=2");
    CU_ASSERT_STRING_EQUAL(F(v, "http.request.version"), "HTTP/1.1");
    CU_ASSERT_STRING_EQUAL(F(v, "http.host"), "www.example.org");
    CU_ASSERT_STRING_EQUAL(F(v, "http.request.full_uri"), "http://www.example.org/dir/page.html?a=1&b=2");
    CU_ASSERT_STRING_EQUAL(F(v, "http.user_agent"), "trawl-test/1.0");
    CU_ASSERT_STRING_EQUAL(F(v, "http.referer"), "http://www.example.org/");
    CU_ASSERT_STRING_EQUAL(F(v, "http.cookie"), "sid=abc; theme=dark");
    CU_ASSERT_STRING_EQUAL(F(v, "http.cookie_pair"), "sid=abc,theme=dark");
    CU_ASSERT_STRING_EQUAL(F(v, "http.authorization"), "Basic dGVzdDpmYWlsMg==");
    CU_ASSERT_STRING_EQUAL(F(v, "http.authbasic"), "test:fail2");
    CU_ASSERT_STRING_EQUAL(F(v, "http.request"), "1");
    CU_ASSERT_STRING_EQUAL(F(v, "http.request_number"), "1");
}

/* The request split in two at every byte: nothing until the blank line is complete, then every
 * field at once, on the frame that completed it. */
static void test_split_every_byte(void)
{
    size_t n = strlen(GET_REQ);
    for (size_t k = 1; k < n; k++) {
        struct conv v;
        conv_init(&v, NULL, 80);
        handshake(&v);
        seg(&v, 0, PG_ACK, GET_REQ, k);
        CU_ASSERT_STRING_EQUAL(F(&v, "http.request.method"), "");
        CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp");
        seg(&v, 0, PG_ACK | PG_PSH, GET_REQ + k, n - k);
        check_get_fields(&v);
        CU_ASSERT_STRING_EQUAL(th_protocol(v.t), "HTTP");
        CU_ASSERT_STRING_EQUAL(th_info(v.t), "GET /dir/page.html?a=1&b=2 HTTP/1.1 ");
        send_str(&v, 1, "HTTP/1.1 204 No Content\r\nServer: t\r\n\r\n");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "204");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.request_in"), "5");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "http://www.example.org/dir/page.html?a=1&b=2");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.time"), "0.010000000");
        CU_ASSERT_EQUAL(NREC(&v), 1);
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "username"), "test");
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "password"), "");
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "first_frame"), "4");
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "last_frame"), "6");
        th_free(v.t);
    }
}

/* Every byte of a chunked response split between two segments: the size lines, the CRLFs, the
 * last chunk and its blank line. */
static void test_chunked_split_every_byte(void)
{
    static const char resp[] =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        "5;ext=1\r\nhello\r\n"
        "0007\r\n, world\r\n"
        "0\r\nX-Trailer: yes\r\n\r\n";
    size_t n = strlen(resp);
    for (size_t k = 1; k < n; k++) {
        struct conv v;
        conv_init(&v, NULL, 80);
        handshake(&v);
        send_str(&v, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        seg(&v, 1, PG_ACK, resp, k);
        CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "");
        seg(&v, 1, PG_ACK | PG_PSH, resp + k, n - k);
        CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.transfer_encoding"), "chunked");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.content_type"), "text/plain");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "http://h/");
        CU_ASSERT_EQUAL(NREC(&v), 1);
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "12");
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "resp_mime_types"), "text/plain");
        /* the stream goes on: a second transaction on the same connection */
        send_str(&v, 0, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
        send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "http://h/2");
        CU_ASSERT_EQUAL(NREC(&v), 2);
        CU_ASSERT_STRING_EQUAL(REC(&v, 1, "trans_depth"), "2");
        th_free(v.t);
    }
}

/* Two requests in one segment, two responses in one: tshark's pairing (the latest request's URI
 * for both, request_in only on the first) and Zeek's (in order) in the records. */
static void test_pipelined(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET /a HTTP/1.1\r\nHost: x.org\r\n\r\nGET /b HTTP/1.1\r\nHost: x.org\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.method"), "GET,GET");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.uri"), "/a,/b");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.full_uri"), "http://x.org/a,http://x.org/b");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request_number"), "1,2");
    CU_ASSERT_STRING_EQUAL(th_info(v.t), "GET /a HTTP/1.1 GET /b HTTP/1.1 ");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200,404");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.phrase"), "OK,Not Found");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "http://x.org/b,http://x.org/b");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request_in"), "4");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response_number"), "2,3");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.content_length"), "3,0");
    CU_ASSERT_EQUAL(NREC(&v), 2);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "uri"), "/a");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "status_code"), "200");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "3");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "trans_depth"), "1");
    CU_ASSERT_STRING_EQUAL(REC(&v, 1, "uri"), "/b");
    CU_ASSERT_STRING_EQUAL(REC(&v, 1, "status_code"), "404");
    CU_ASSERT_STRING_EQUAL(REC(&v, 1, "status_msg"), "Not Found");
    CU_ASSERT_STRING_EQUAL(REC(&v, 1, "trans_depth"), "2");
    CU_ASSERT_STRING_EQUAL(REC(&v, 1, "version"), "1.1");
    th_free(v.t);
}

/* ---- bodies ------------------------------------------------------------------------------- */

/* 747 bytes of HTML ("<html><body>" + 40 x "hello gzip world. " + "</body></html>\n"). */
static const uint8_t GZ[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xb3, 0xc9, 0x28, 0xc9, 0xcd, 0xb1,
    0xb3, 0x49, 0xca, 0x4f, 0xa9, 0xb4, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0x48, 0xaf, 0xca, 0x2c,
    0x50, 0x28, 0xcf, 0x2f, 0xca, 0x49, 0xd1, 0x53, 0x18, 0x15, 0x19, 0x15, 0x19, 0xba, 0x22, 0x36,
    0xfa, 0xe0, 0x64, 0x6d, 0xa3, 0x0f, 0x4e, 0xe3, 0x5c, 0x00, 0x3b, 0xfd, 0xe6, 0xe2, 0xeb, 0x02,
    0x00, 0x00,
};
/* The same as raw deflate (no zlib header), as some servers send "deflate". */
static const uint8_t RAW_DEFLATE[] = {
    0xb3, 0xc9, 0x28, 0xc9, 0xcd, 0xb1, 0xb3, 0x49, 0xca, 0x4f, 0xa9, 0xb4, 0xcb, 0x48, 0xcd, 0xc9,
    0xc9, 0x57, 0x48, 0xaf, 0xca, 0x2c, 0x50, 0x28, 0xcf, 0x2f, 0xca, 0x49, 0xd1, 0x53, 0x18, 0x15,
    0x19, 0x15, 0x19, 0xba, 0x22, 0x36, 0xfa, 0xe0, 0x64, 0x6d, 0xa3, 0x0f, 0x4e, 0xe3, 0x5c, 0x00,
};

static void encoded_body(const char *coding, const uint8_t *body, size_t n, bool chunked, size_t step)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET /z HTTP/1.1\r\nHost: z\r\nAccept-Encoding: gzip, deflate\r\n\r\n");
    char hdr[256];
    if (chunked)
        snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nTransfer-Encoding: chunked\r\n\r\n", coding);
    else
        snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n", coding, n);
    send_str(&v, 1, hdr);
    /* the body in pieces of `step` bytes (chunked: one chunk each) */
    for (size_t off = 0; off < n; off += step) {
        size_t k = n - off < step ? n - off : step;
        uint8_t piece[256];
        size_t pl = 0;
        if (chunked) pl = (size_t)snprintf((char *)piece, sizeof piece, "%zx\r\n", k);
        memcpy(piece + pl, body + off, k);
        pl += k;
        if (chunked) { memcpy(piece + pl, "\r\n", 2); pl += 2; }
        CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "");
        seg(&v, 1, PG_ACK, piece, pl);
    }
    if (chunked) send_str(&v, 1, "0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.content_encoding"), coding);
    CU_ASSERT_STRING_EQUAL(F(&v, "http.decompression_failed"), "");
    CU_ASSERT_EQUAL(NREC(&v), 1);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "747");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "resp_mime_types"), "text/html");
    th_free(v.t);
}

static void test_content_encoding(void)
{
    encoded_body("gzip", GZ, sizeof GZ, false, sizeof GZ);
    encoded_body("gzip", GZ, sizeof GZ, false, 7);
    encoded_body("x-gzip", GZ, sizeof GZ, true, 5);
    encoded_body("deflate", RAW_DEFLATE, sizeof RAW_DEFLATE, false, 11);
    encoded_body("deflate", RAW_DEFLATE, sizeof RAW_DEFLATE, true, 1);
}

/* A body that says gzip and is not: counted as it is, flagged. */
static void test_bad_gzip(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET / HTTP/1.1\r\nHost: z\r\n\r\n");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 11\r\n\r\nhello world");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_EQUAL(th_count(v.t, "http.decompression_failed"), 1);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "11");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "resp_mime_types"), "text/plain");
    th_free(v.t);
}

/* MIME types from the first bytes of the body. */
static void test_mime_types(void)
{
    static const struct { const char *body; size_t n; const char *mime; } cases[] = {
        { "%PDF-1.4\n%\xe2\xe3", 12, "application/pdf" },
        { "MZ\x90\x00\x03\x00\x00\x00", 8, "application/x-dosexec" },
        { "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 16, "image/png" },
        { "GIF89a\x01\x00\x01\x00", 10, "image/gif" },
        { "\xff\xd8\xff\xe0\x00\x10JFIF", 10, "image/jpeg" },
        { "PK\x03\x04\x14\x00\x00\x00", 8, "application/zip" },
        { "  <!DOCTYPE html><html>", 23, "text/html" },
        { "<?xml version=\"1.0\"?><a/>", 25, "application/xml" },
        { "{\"a\": 1}", 8, "text/json" },
        { "just some words\n", 16, "text/plain" },
        { "\x01\x01\x00\x0b\x00\x00\x00\x01\x01\x47", 10, "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct conv v;
        conv_init(&v, NULL, 80);
        handshake(&v);
        char req[160];
        int rl = snprintf(req, sizeof req, "POST /up HTTP/1.1\r\nHost: m\r\nContent-Length: %zu\r\n\r\n", cases[i].n);
        char buf[256];
        memcpy(buf, req, (size_t)rl);
        memcpy(buf + rl, cases[i].body, cases[i].n);
        seg(&v, 0, PG_ACK | PG_PSH, buf, (size_t)rl + cases[i].n);
        char len[32];
        snprintf(len, sizeof len, "%zu", cases[i].n);
        CU_ASSERT_STRING_EQUAL(F(&v, "http.content_length"), len);
        send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        CU_ASSERT_EQUAL(NREC(&v), 1);
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "orig_mime_types"), cases[i].mime);
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "request_body_len"), len);
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "resp_mime_types"), "");
        th_free(v.t);
    }
}

/* ---- methods and status codes that change the framing ------------------------------------ */

/* A response to HEAD has no body whatever its Content-Length says. */
static void test_head(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "HEAD /h HTTP/1.1\r\nHost: z.org\r\n\r\n");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.content_length"), "1000");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request_in"), "4");
    send_str(&v, 0, "GET /g HTTP/1.1\r\nHost: z.org\r\n\r\n");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "http://z.org/g");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request_in"), "6");
    CU_ASSERT_EQUAL(NREC(&v), 2);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "method"), "HEAD");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "0");
    CU_ASSERT_STRING_EQUAL(REC(&v, 1, "response_body_len"), "2");
    th_free(v.t);
}

/* Expect: 100-continue: the interim answer comes before the request's body; tshark shows the
 * request once its body is there, the 100 without a URI (no request shown yet). */
static void test_100_continue(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "POST /up HTTP/1.1\r\nHost: y.org\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.method"), "");
    send_str(&v, 1, "HTTP/1.1 100 Continue\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "100");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response_number"), "1");
    send_str(&v, 0, "0123456789");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.method"), "POST");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.content_length"), "10");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request_number"), "2");
    send_str(&v, 1, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "201");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "http://y.org/up");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request_in"), "6");
    CU_ASSERT_EQUAL(NREC(&v), 1);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "method"), "POST");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "status_code"), "201");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "status_msg"), "Created");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "info_code"), "100");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "info_msg"), "Continue");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "request_body_len"), "10");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "2");
    th_free(v.t);
}

/* After a 2xx to CONNECT the connection carries something else: no HTTP is read from it, even
 * bytes that look like HTTP. */
static void test_connect(void)
{
    struct conv v;
    conv_init(&v, NULL, 3128);
    handshake(&v);
    send_str(&v, 0, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: Basic dXNlcjpwdw==\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.method"), "CONNECT");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.full_uri"), "example.com:443");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.authbasic"), "user:pw");
    send_str(&v, 1, "HTTP/1.1 200 Connection established\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.phrase"), "Connection established");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "example.com:443");
    seg(&v, 0, PG_ACK | PG_PSH, "\x16\x03\x01\x00\x05hello", 10);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp");
    send_str(&v, 0, "GET /inside HTTP/1.1\r\nHost: q\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.method"), "");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "");
    close_both(&v);
    CU_ASSERT_EQUAL(th_finish(v.t), 0);
    CU_ASSERT_EQUAL(NREC(&v), 1);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "method"), "CONNECT");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "uri"), "example.com:443");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "status_code"), "200");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "username"), "user");
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(v.t, "conn", 0, "service"), "http");
    th_free(v.t);
}

/* No length: the response runs until the server closes. tshark shows it on the frame that
 * carries the FIN; with the FIN in a segment of its own no stream call happens then (the
 * stream API has no end-of-direction call), so only the record says it, at the end. */
static void test_until_close(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET /c HTTP/1.0\r\nHost: w.org\r\n\r\n");
    send_str(&v, 1, "HTTP/1.0 200 OK\r\nServer: s\r\n\r\nbody1");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "");
    seg(&v, 1, PG_ACK | PG_PSH | PG_FIN, "body2", 5);
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.server"), "s");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request_in"), "4");
    CU_ASSERT_EQUAL(NREC(&v), 1);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "10");
    th_free(v.t);

    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET /c HTTP/1.0\r\nHost: w.org\r\n\r\n");
    send_str(&v, 1, "HTTP/1.0 200 OK\r\nServer: s\r\n\r\nbody1");
    send_str(&v, 1, "body2");
    /* A FIN with no data: the response is complete on its frame (the stream dissector hears
     * of the in-order FIN), as tshark shows it. */
    seg(&v, 1, PG_ACK | PG_FIN, NULL, 0);
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.server"), "s");
    CU_ASSERT_EQUAL(NREC(&v), 1);
    seg(&v, 0, PG_ACK | PG_FIN, NULL, 0);
    CU_ASSERT_EQUAL(th_finish(v.t), 0);
    CU_ASSERT_EQUAL(NREC(&v), 1);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "status_code"), "200");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "10");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "last_frame"), "7");
    th_free(v.t);
}

/* An unanswered request is recorded when the flow ends; so is a response without a request. */
static void test_unanswered_and_orphans(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET /never HTTP/1.1\r\nHost: n\r\nOrigin: http://o\r\nX-Forwarded-For: 1.2.3.4\r\nVia: 1.1 p\r\n\r\n");
    CU_ASSERT_EQUAL(NREC(&v), 0);
    CU_ASSERT_EQUAL(th_finish(v.t), 0);
    CU_ASSERT_EQUAL(NREC(&v), 1);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "uri"), "/never");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "origin"), "http://o");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "proxied"), "X-FORWARDED-FOR -> 1.2.3.4,VIA -> 1.1 p");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "status_code"), "");
    th_free(v.t);

    /* Picked up in the middle: the server's bytes first (no SYN seen), a body's tail, then a
     * whole response without its request. */
    conv_init(&v, NULL, 80);
    send_str(&v, 1, "tail of a body\r\nHTTP/1.1 304 Not Modified\r\nDate: x\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "304");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request_in"), "");
    CU_ASSERT_EQUAL(NREC(&v), 1);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "method"), "");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "status_code"), "304");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "trans_depth"), "1");
    th_free(v.t);
}

/* tshark's quirks kept: the Host value as sent, trimmed only in the full URI; no full URI
 * without a Host (and a later response names the previous one); phrase-less status lines. */
static void test_header_values(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET /m HTTP/1.1\r\nUser-Agent:   spaces  \r\nhost: lower.org:8080 \r\n"
                    "Content-Length:  7 \r\nBad Header: x\r\n\r\nabcdefg");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.host"), "lower.org:8080 ");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.full_uri"), "http://lower.org:8080/m");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.user_agent"), "spaces  ");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.content_length_header"), "7 ");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.content_length"), "7");
    CU_ASSERT_EQUAL(th_count(v.t, "http.bad_header_name"), 1);
    send_str(&v, 1, "HTTP/1.1 302\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "302");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.phrase"), "");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.location"), "/new");
    send_str(&v, 0, "GET /nohost HTTP/1.1\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.full_uri"), "");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "http://lower.org:8080/m");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "host"), "lower.org:8080");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "request_body_len"), "7");
    th_free(v.t);
}

/* Zeek's username from Basic authentication; the password only when asked for. */
static void test_capture_password(void)
{
    const char *opts[] = { "http.capture_password=yes", NULL };
    struct conv v;
    conv_init(&v, opts, 80);
    handshake(&v);
    send_str(&v, 0, "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: basic   dXNlcjpzZWNyZXQ6eA==\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.authbasic"), "");       /* tshark wants "Basic " exactly */
    send_str(&v, 1, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "username"), "user");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "password"), "secret:x");
    send_str(&v, 0, "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Basic bm9jb2xvbg==\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.authbasic"), "nocolon");
    send_str(&v, 1, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(REC(&v, 1, "username"), "<problem-decoding> (Basic bm9jb2xvbg==)");
    th_free(v.t);
}

/* ---- gaps ---------------------------------------------------------------------------------- */

/* A segment in the middle of a body never captured (the client's ack proves it was sent): the
 * body keeps its framing, the message ends where its length says, the next one is read. */
static void test_gap_in_body(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET /big HTTP/1.1\r\nHost: g\r\n\r\n");
    char body[1000];
    memset(body, 'x', sizeof body);
    char hdr[] = "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n";
    send_str(&v, 1, hdr);
    seg(&v, 1, PG_ACK, body, 1000);
    v.sseq += 1000;                                 /* never captured */
    seg(&v, 1, PG_ACK, body, 1000);
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "");
    /* The client acks it all: the hole is a gap, the held segment follows it, the response is
     * complete (on this frame, where its last bytes were delivered). */
    seg(&v, 0, PG_ACK, NULL, 0);
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_EQUAL(th_count(v.t, "http.gap"), 1);
    CU_ASSERT_EQUAL(NREC(&v), 1);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "uri"), "/big");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "2000");
    send_str(&v, 0, "GET /next HTTP/1.1\r\nHost: g\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.uri"), "/next");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_EQUAL(th_count(v.t, "http.gap"), 0);
    CU_ASSERT_EQUAL(NREC(&v), 2);
    CU_ASSERT_STRING_EQUAL(REC(&v, 1, "uri"), "/next");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "http://g/next");
    th_free(v.t);
}

/* A gzip body whose first bytes were never captured: nothing can be decoded, the bytes seen
 * are counted as they are. */
static void test_gap_in_gzip_body(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET /gz HTTP/1.1\r\nHost: g\r\n\r\n");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 66\r\n\r\n");
    v.sseq += 10;                                   /* the gzip header, never captured */
    seg(&v, 1, PG_ACK, GZ + 10, sizeof GZ - 10);
    seg(&v, 0, PG_ACK, NULL, 0);
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_EQUAL(th_count(v.t, "http.gap"), 1);
    CU_ASSERT_EQUAL(th_count(v.t, "http.decompression_failed"), 0);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "56");
    th_free(v.t);
}

/* A gap inside a header: the message is lost, the direction picks up at the next request. */
static void test_gap_in_header(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET /lost HTTP/1.1\r\nHo");
    v.cseq += 20;                                   /* "st: lost.example\r\n\r\n" never captured */
    send_str(&v, 0, "garbage\r\nGET /found HTTP/1.1\r\nHost: f\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.method"), "");
    /* The server's answer acks the hole: the client's held bytes come after the gap, are read
     * from the next request line on (on this frame). */
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.uri"), "/found");
    send_str(&v, 0, "GET /after HTTP/1.1\r\nHost: f\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.uri"), "/after");
    th_free(v.t);
}

/* ---- heuristics and ports --------------------------------------------------------------------- */

static void test_heuristic(void)
{
    /* 8000 is no one's port (nor Wireshark's): the heuristic finds the request, even when its
     * first line comes in two pieces. */
    struct conv v;
    conv_init(&v, NULL, 8000);
    handshake(&v);
    send_str(&v, 0, "GE");
    send_str(&v, 0, "T /x HTTP/1.1\r\nHost: h8\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.full_uri"), "http://h8/x");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    th_free(v.t);

    /* Text that is not HTTP on the same port: left alone. */
    conv_init(&v, NULL, 8000);
    handshake(&v);
    send_str(&v, 0, "GET is a word, HTTP is another\r\n");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "");
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp");
    th_free(v.t);

    /* On port 80 the same bytes are not HTTP either, and the connection is not claimed. */
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "\x16\x03\x01 not http at all\r\n");
    send_str(&v, 0, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.method"), "");
    th_free(v.t);
}

/* ---- malformed -------------------------------------------------------------------------------- */

/* A header longer than http.max_header: flagged, skipped, the next request read. */
static void test_huge_header(void)
{
    const char *opts[] = { "http.max_header=4096", NULL };
    struct conv v;
    conv_init(&v, opts, 80);
    handshake(&v);
    send_str(&v, 0, "GET /huge HTTP/1.1\r\nHost: h\r\n");
    char line[1000];
    memset(line, 'a', sizeof line);
    memcpy(line, "X-Pad: ", 7);
    line[998] = '\r';
    line[999] = '\n';
    unsigned flagged = 0;
    for (int i = 0; i < 8; i++) {
        seg(&v, 0, PG_ACK, line, sizeof line);
        flagged += th_count(v.t, "http.header_too_long");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.request.method"), "");
    }
    CU_ASSERT_EQUAL(flagged, 1);
    send_str(&v, 0, "\r\nGET /ok HTTP/1.1\r\nHost: h\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.uri"), "/ok");
    th_free(v.t);

    /* The default cap (64 KiB) holds a 60 KiB header. */
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET /big-but-fine HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 60; i++) seg(&v, 0, PG_ACK, line, sizeof line);
    send_str(&v, 0, "\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.uri"), "/big-but-fine");
    CU_ASSERT_EQUAL(th_count(v.t, "http.header_too_long"), 0);
    th_free(v.t);
}

static void test_bad_chunk_size(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET / HTTP/1.1\r\nHost: c\r\n\r\n");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nzz\r\nmore junk\r\n");
    /* the message ends at the bad size line (what was read is all there is) */
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_EQUAL(th_count(v.t, "http.chunk_size.bad"), 1);
    CU_ASSERT_EQUAL(NREC(&v), 1);
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "4");
    /* and the stream resynchronises on the next status line */
    send_str(&v, 0, "GET /2 HTTP/1.1\r\nHost: c\r\n\r\n");
    send_str(&v, 1, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "404");
    CU_ASSERT_EQUAL(NREC(&v), 2);

    /* a chunk size past 2^31 */
    send_str(&v, 0, "GET /3 HTTP/1.1\r\nHost: c\r\n\r\n");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffff\r\n");
    CU_ASSERT_EQUAL(th_count(v.t, "http.chunk_size.bad"), 1);
    th_free(v.t);
}

/* Content-Length that lies: longer than the body (the FIN ends it), shorter (the rest is not a
 * message: skipped up to the next one), not a number (no body for a request). */
static void test_content_length_lies(void)
{
    struct conv v;
    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "GET / HTTP/1.1\r\nHost: l\r\n\r\n");
    send_str(&v, 1, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nshort");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "");
    seg(&v, 1, PG_ACK | PG_FIN, "!", 1);
    CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
    CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "6");
    th_free(v.t);

    conv_init(&v, NULL, 80);
    handshake(&v);
    send_str(&v, 0, "POST /a HTTP/1.1\r\nHost: l\r\nContent-Length: 3\r\n\r\nabcdefgh\r\nGET /b HTTP/1.1\r\nHost: l\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.uri"), "/a,/b");
    send_str(&v, 0, "PUT /c HTTP/1.1\r\nHost: l\r\nContent-Length: -5\r\n\r\nGET /d HTTP/1.1\r\nHost: l\r\n\r\n");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.request.uri"), "/c,/d");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.content_length_header"), "-5");
    CU_ASSERT_STRING_EQUAL(F(&v, "http.content_length"), "");
    th_free(v.t);
}

/* Out of order: the server's segments arrive reversed; the same fields and record as in order. */
static void test_out_of_order(void)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 20\r\n\r\n<html>0123456789abcd";
    size_t n = strlen(resp), cut1 = 30, cut2 = 60;
    for (int order = 0; order < 2; order++) {
        struct conv v;
        conv_init(&v, NULL, 80);
        handshake(&v);
        send_str(&v, 0, "GET /o HTTP/1.1\r\nHost: o\r\n\r\n");
        uint32_t s0 = v.sseq;
        if (order == 0) {
            seg_at(&v, 1, s0, PG_ACK, resp, cut1);
            seg_at(&v, 1, s0 + (uint32_t)cut1, PG_ACK, resp + cut1, cut2 - cut1);
            seg_at(&v, 1, s0 + (uint32_t)cut2, PG_ACK, resp + cut2, n - cut2);
        } else {
            seg_at(&v, 1, s0 + (uint32_t)cut2, PG_ACK, resp + cut2, n - cut2);
            seg_at(&v, 1, s0 + (uint32_t)cut1, PG_ACK, resp + cut1, cut2 - cut1);
            CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "");
            seg_at(&v, 1, s0, PG_ACK, resp, cut1);
        }
        CU_ASSERT_STRING_EQUAL(F(&v, "http.response.code"), "200");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.content_type"), "text/html");
        CU_ASSERT_STRING_EQUAL(F(&v, "http.response_for.uri"), "http://o/o");
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "response_body_len"), "20");
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "resp_mime_types"), "text/html");
        CU_ASSERT_STRING_EQUAL(REC(&v, 0, "last_frame"), "7");
        th_free(v.t);
    }
}

/* ---- real captures ------------------------------------------------------------------------------- */

#define MAXF 4096
struct cap {
    struct trawl_engine *e;
    const char *const *watch;
    size_t nwatch;
    char **rows;                    /* per frame: the watched fields, tab-separated */
    size_t nrows;
    char **recs;                    /* per http record: "col=value\n..." */
    size_t nrecs;
};

static void cap_packet(void *user, const struct trawl_packet *pkt)
{
    struct cap *c = user;
    size_t n;
    const struct trawl_value *v = trawl_packet_values(pkt, &n);
    static char row[1 << 17];
    size_t r = 0;
    for (size_t w = 0; w < c->nwatch; w++) {
        if (w && r < sizeof row - 1) row[r++] = '\t';
        bool first = true;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(v[i].field->name, c->watch[w])) continue;
            if (!first && r < sizeof row - 1) row[r++] = ',';
            first = false;
            if (r < sizeof row) r += trawl_value_format(&v[i], TRAWL_FMT_FIELDS, row + r, sizeof row - r);
            if (r >= sizeof row) r = sizeof row - 1;
        }
    }
    row[r] = 0;
    char **nr = realloc(c->rows, (c->nrows + 1) * sizeof *nr);
    if (!nr) return;
    c->rows = nr;
    c->rows[c->nrows++] = strdup(row);
}

static void cap_record(void *user, const struct trawl_record *rec)
{
    struct cap *c = user;
    const struct trawl_record_type *t = trawl_record_get_type(rec);
    if (strcmp(t->name, "http")) return;
    static char out[1 << 16];
    size_t o = 0;
    for (unsigned col = 0; col < t->nfields; col++) {
        size_t n;
        const struct trawl_value *v = trawl_record_values(rec, &n);
        o += (size_t)snprintf(out + o, sizeof out - o, "%s=", t->columns[col].name);
        bool first = true;
        for (size_t i = 0; i < n && o < sizeof out; i++) {
            if (trawl_record_column(t, v[i].field) != col) continue;
            if (!first) out[o++] = ',';
            first = false;
            o += trawl_value_format(&v[i], TRAWL_FMT_FIELDS, out + o, sizeof out - o);
        }
        if (o < sizeof out - 1) out[o++] = '\n';
        if (o >= sizeof out) o = sizeof out - 1;
    }
    out[o] = 0;
    char **nr = realloc(c->recs, (c->nrecs + 1) * sizeof *nr);
    if (!nr) return;
    c->recs = nr;
    c->recs[c->nrecs++] = strdup(out);
}

static struct cap *cap_new(const char *const *watch, size_t nwatch)
{
    struct cap *c = calloc(1, sizeof *c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct trawl_engine_options o = { .size = sizeof o, .log_level = TRAWL_LOG_ERROR };
    c->e = trawl_engine_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->e);
    CU_ASSERT_FATAL(trawl_engine_load_dir(c->e, th_plugin_dir()) > 0);
    CU_ASSERT_FATAL(trawl_engine_start(c->e) >= 0);
    trawl_engine_want_all(c->e);
    trawl_engine_on_packet(c->e, cap_packet, c);
    trawl_engine_on_record(c->e, cap_record, c);
    c->watch = watch;
    c->nwatch = nwatch;
    return c;
}

static void cap_free(struct cap *c)
{
    for (size_t i = 0; i < c->nrows; i++) free(c->rows[i]);
    for (size_t i = 0; i < c->nrecs; i++) free(c->recs[i]);
    free(c->rows);
    free(c->recs);
    trawl_engine_free(c->e);
    free(c);
}

static struct cap *cap_read(const char *name, const char *const *watch, size_t nwatch)
{
    struct cap *c = cap_new(watch, nwatch);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", th_captures_dir(), name);
    CU_ASSERT_EQUAL(trawl_engine_read_file(c->e, path), 0);
    CU_ASSERT_EQUAL(trawl_engine_finish(c->e), 0);
    return c;
}

/* The `k`-th tab-separated cell of a line (no end of line). */
static void cell(const char *line, int k, char *out, size_t cap)
{
    const char *t = line;
    for (int i = 0; i < k && t; i++) {
        t = strchr(t, '\t');
        if (t) t++;
    }
    if (!t) { out[0] = 0; return; }
    size_t l = strcspn(t, "\t\n");
    snprintf(out, cap, "%.*s", (int)l, t);
}

static const char *const ORACLE_FIELDS[] = {
    "http.request.method", "http.host", "http.request.uri", "http.request.version",
    "http.request.full_uri", "http.user_agent", "http.referer", "http.cookie", "http.authbasic",
    "http.response.code", "http.response.phrase", "http.content_type", "http.content_length",
    "http.server", "http.location", "http.response_for.uri",
};
#define NORACLE (sizeof ORACLE_FIELDS / sizeof *ORACLE_FIELDS)

/* Every HTTP field tshark printed for a capture, frame by frame; returns the values compared. */
static size_t oracle_capture(const char *name)
{
    struct cap *c = cap_read(name, ORACLE_FIELDS, NORACLE);
    char path[1024];
    snprintf(path, sizeof path, "%s/oracle/%s.tsv", th_captures_dir(), name);
    FILE *o = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    static char line[1 << 20];
    CU_ASSERT_PTR_NOT_NULL_FATAL(fgets(line, sizeof line, o));
    int col[NORACLE];
    for (size_t f = 0; f < NORACLE; f++) {
        col[f] = -1;
        char h[128];
        for (int k = 0; k < 200; k++) {
            cell(line, k, h, sizeof h);
            if (!strcmp(h, ORACLE_FIELDS[f])) { col[f] = k; break; }
        }
        CU_ASSERT(col[f] >= 0);
    }
    size_t row = 0, compared = 0;
    static char want[1 << 16], got[1 << 16];
    while (fgets(line, sizeof line, o)) {
        CU_ASSERT_FATAL(row < c->nrows);
        for (size_t f = 0; f < NORACLE; f++) {
            cell(line, col[f], want, sizeof want);
            cell(c->rows[row], (int)f, got, sizeof got);
            CU_ASSERT_STRING_EQUAL(got, want);
            if (strcmp(got, want))
                fprintf(stderr, "\n  %s #%zu %s: tshark \"%.80s\", trawl \"%.80s\"", name, row + 1,
                        ORACLE_FIELDS[f], want, got);
            compared += *want != 0;
        }
        row++;
    }
    fclose(o);
    CU_ASSERT_EQUAL(row, c->nrows);
    cap_free(c);
    return compared;
}

static void test_oracle_captures(void)
{
    static const struct { const char *name; size_t values; } caps[] = {
        { "arp-pppoe-l2tp-http-nb6.pcap", 35 }, { "dns-punycode-idn-http.pcap", 11 },
        { "http-basic-auth-401-chunked.pcap", 14 }, { "http-basic-gzip.pcap", 26 },
        { "http-chunked-gzip-multi.pcap", 40 }, { "http-chunked-jpeg-download.pcap", 13 },
        { "http-exe-file-download.pcap", 6 }, { "http-gzip-single-response.pcap", 13 },
        { "http-ipp-chunked-post.pcap", 63 }, { "http-proxy-gzip.pcapng", 12 },
        { "http-webdav-ntlm-auth.pcapng", 195 }, { "pcapng-nrb-isb-http-gzip.pcapng", 31 },
        { "qinq-http-get.pcap", 12 }, { "sll-kakaotalk-dns-tls-http.pcap", 18 },
        { "sll2-http-get.pcap", 6 }, { "tcp-flags-http.pcap", 12 },
        { "tcp-handshake-reorder-http.pcap", 12 }, { "tunnel-6in4-tls-http.pcap", 13 },
    };
    for (size_t i = 0; i < sizeof caps / sizeof *caps; i++)
        CU_ASSERT_EQUAL(oracle_capture(caps[i].name), caps[i].values);
}

/* A record's column (from cap_record's text), "" when absent or unset. */
static const char *rcol(const char *rec, const char *col)
{
    static char out[8192];
    out[0] = 0;
    size_t cl = strlen(col);
    for (const char *p = rec; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, col, cl) && p[cl] == '=') {
            size_t l = strcspn(p + cl + 1, "\n");
            snprintf(out, sizeof out, "%.*s", (int)l, p + cl + 1);
            break;
        }
    }
    return out;
}

/* Records of real transactions: decoded lengths as tshark reports them ("Content-encoded entity
 * body (gzip): 1272 bytes -> 3608 bytes", "File Data: 33653 bytes"), 100-continue, MIME types,
 * file names, a download the capture cuts short. */
static void test_capture_records(void)
{
    static const char *const none[] = { NULL };
    struct cap *c = cap_read("http-basic-gzip.pcap", none, 0);
    CU_ASSERT_EQUAL_FATAL(c->nrecs, 2);
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "host"), "pagead2.googlesyndication.com");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "response_body_len"), "3608");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "resp_mime_types"), "text/html");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "referrer"), "http://www.ethereal.com/download.html");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "first_frame"), "18");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "last_frame"), "27");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[1], "uri"), "/download.html");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[1], "response_body_len"), "18070");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[1], "version"), "1.1");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[1], "id.resp_p"), "80");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[1], "id.orig_p"), "3372");
    CU_ASSERT(!strncmp(rcol(c->recs[1], "community_id"), "1:", 2));
    cap_free(c);

    c = cap_read("http-chunked-gzip-multi.pcap", none, 0);
    CU_ASSERT_EQUAL_FATAL(c->nrecs, 3);
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "response_body_len"), "85419");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[1], "response_body_len"), "659");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[2], "response_body_len"), "50");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[2], "trans_depth"), "3");
    cap_free(c);

    c = cap_read("http-ipp-chunked-post.pcap", none, 0);
    CU_ASSERT_EQUAL_FATAL(c->nrecs, 4);
    static const char *const req[] = { "289", "227309", "228", "220" }, *const resp[] = { "315", "184", "94", "106" };
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_STRING_EQUAL(rcol(c->recs[i], "method"), "POST");
        CU_ASSERT_STRING_EQUAL(rcol(c->recs[i], "request_body_len"), req[i]);
        CU_ASSERT_STRING_EQUAL(rcol(c->recs[i], "response_body_len"), resp[i]);
        CU_ASSERT_STRING_EQUAL(rcol(c->recs[i], "status_code"), "200");
        CU_ASSERT_STRING_EQUAL(rcol(c->recs[i], "info_code"), "100");
        CU_ASSERT_STRING_EQUAL(rcol(c->recs[i], "info_msg"), "Continue");
    }
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[3], "trans_depth"), "2");
    cap_free(c);

    c = cap_read("http-chunked-jpeg-download.pcap", none, 0);
    CU_ASSERT_EQUAL_FATAL(c->nrecs, 1);
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "response_body_len"), "33653");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "resp_mime_types"), "image/jpeg");
    cap_free(c);

    /* 679008 bytes announced, 13296 captured before the capture ends */
    c = cap_read("http-exe-file-download.pcap", none, 0);
    CU_ASSERT_EQUAL_FATAL(c->nrecs, 1);
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "response_body_len"), "13296");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "resp_mime_types"), "application/x-dosexec");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "resp_filenames"), "phn34ycjtghm.exe");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "user_agent"), "pwtyyEKzNtGatwnJjmCcBLbOveCVpc");
    cap_free(c);

    c = cap_read("http-basic-auth-401-chunked.pcap", none, 0);
    CU_ASSERT_EQUAL_FATAL(c->nrecs, 1);
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "username"), "test");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "password"), "");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "status_code"), "401");
    CU_ASSERT_STRING_EQUAL(rcol(c->recs[0], "status_msg"), "Authorization Required");
    cap_free(c);
}

static const char *const CMP_FIELDS[] = {
    "http.request.method", "http.request.uri", "http.request.full_uri", "http.response.code",
    "http.response_for.uri", "http.content_length", "http.server", "http.request_in",
};
#define NCMP (sizeof CMP_FIELDS / sizeof *CMP_FIELDS)

/* The handshake-reordered capture and its sorted twin (the same connection, VLAN-tagged):
 * the same HTTP values on the same frames, the same record but for the connection's id. */
static void test_reordered_handshake(void)
{
    struct cap *a = cap_read("tcp-handshake-reorder-http.pcap", CMP_FIELDS, NCMP);
    struct cap *b = cap_read("qinq-http-get.pcap", CMP_FIELDS, NCMP);
    CU_ASSERT_EQUAL_FATAL(a->nrows, b->nrows);
    size_t seen = 0;
    for (size_t i = 0; i < a->nrows; i++) {
        CU_ASSERT_STRING_EQUAL(a->rows[i], b->rows[i]);
        seen += strlen(a->rows[i]) > NCMP;
    }
    CU_ASSERT_EQUAL(seen, 2);
    CU_ASSERT_EQUAL_FATAL(a->nrecs, 1);
    CU_ASSERT_EQUAL_FATAL(b->nrecs, 1);
    static const char *const same[] = { "method", "host", "uri", "version", "user_agent", "status_code",
                                        "status_msg", "request_body_len", "response_body_len",
                                        "resp_mime_types", "first_frame", "last_frame", "trans_depth" };
    for (size_t k = 0; k < sizeof same / sizeof *same; k++) {
        char x[256];
        snprintf(x, sizeof x, "%s", rcol(a->recs[0], same[k]));
        CU_ASSERT_STRING_EQUAL(x, rcol(b->recs[0], same[k]));
    }
    CU_ASSERT_STRING_EQUAL(rcol(a->recs[0], "response_body_len"), "4705");
    cap_free(a);
    cap_free(b);
}

/* A real capture fed with its server's data segments swapped pairwise (each pair arrives
 * second-first): the same HTTP values over the run, the same records. */
static void test_shuffled_capture(void)
{
    char path[1024], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/http-basic-gzip.pcap", th_captures_dir());
    pcap_t *p = pcap_open_offline(path, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pkt { struct pcap_pkthdr h; uint8_t *d; } pk[64];
    size_t n = 0;
    struct pcap_pkthdr *h;
    const u_char *d;
    while (n < 64 && pcap_next_ex(p, &h, &d) == 1) {
        pk[n].h = *h;
        pk[n].d = malloc(h->caplen);
        memcpy(pk[n].d, d, h->caplen);
        n++;
    }
    pcap_close(p);
    struct cap *sorted = cap_read("http-basic-gzip.pcap", CMP_FIELDS, NCMP);
    /* Swap each two server segments with data that follow each other in the capture in the
     * same connection (the client's acks stay where they were: what a network reorders). */
    size_t order[64], swaps = 0;
    for (size_t i = 0; i < n; i++) order[i] = i;
    for (size_t i = 0; i + 1 < n; i++) {
        uint16_t dp[2] = { 0, 0 };
        bool ok = true;
        for (int k = 0; k < 2; k++) {
            const uint8_t *q = pk[i + (size_t)k].d;
            if (pk[i + (size_t)k].h.caplen < 54 || q[12] != 8 || q[13] != 0 || q[23] != 6) { ok = false; break; }
            size_t ihl = (size_t)(q[14] & 15) * 4, tot = (size_t)(q[16] << 8 | q[17]);
            size_t thl = (size_t)(q[14 + ihl + 12] >> 4) * 4;
            const uint8_t *t = q + 14 + ihl;
            dp[k] = (uint16_t)(t[2] << 8 | t[3]);
            if (tot <= ihl + thl || (t[0] << 8 | t[1]) != 80) ok = false;
        }
        if (!ok || dp[0] != dp[1]) continue;
        order[i] = i + 1;
        order[i + 1] = i;
        swaps++;
        i++;
    }
    CU_ASSERT_EQUAL(swaps, 4);
    struct cap *mixed = cap_new(CMP_FIELDS, NCMP);
    for (size_t i = 0; i < n; i++) {
        const struct pkt *k = &pk[order[i]];
        struct trawl_frame fr = { .number = 0, .ts_ns = (int64_t)k->h.ts.tv_sec * 1000000000LL + k->h.ts.tv_usec * 1000LL,
                                  .caplen = k->h.caplen, .len = k->h.len, .linktype = 1, .ts_precision = 6 };
        CU_ASSERT_EQUAL(trawl_engine_feed(mixed->e, &fr, k->d), 0);
    }
    CU_ASSERT_EQUAL(trawl_engine_finish(mixed->e), 0);
    /* the same values over the run (they land on other frames: where the order completes them) */
    static char all_a[1 << 16], all_b[1 << 16];
    size_t la = 0, lb = 0;
    for (size_t i = 0; i < sorted->nrows; i++)
        if (strlen(sorted->rows[i]) > NCMP) la += (size_t)snprintf(all_a + la, sizeof all_a - la, "%s\n", sorted->rows[i]);
    for (size_t i = 0; i < mixed->nrows; i++)
        if (strlen(mixed->rows[i]) > NCMP) lb += (size_t)snprintf(all_b + lb, sizeof all_b - lb, "%s\n", mixed->rows[i]);
    CU_ASSERT(la > 0);
    /* request_in names frames: compare without it, then check it separately */
    CU_ASSERT_EQUAL(sorted->nrecs, 2);
    CU_ASSERT_EQUAL_FATAL(mixed->nrecs, 2);
    static const char *const same[] = { "method", "host", "uri", "status_code", "request_body_len",
                                        "response_body_len", "resp_mime_types", "first_frame", "uid" };
    for (size_t r = 0; r < 2; r++)
        for (size_t k = 0; k < sizeof same / sizeof *same; k++) {
            char x[512];
            snprintf(x, sizeof x, "%s", rcol(sorted->recs[r], same[k]));
            CU_ASSERT_STRING_EQUAL(x, rcol(mixed->recs[r], same[k]));
        }
    /* every message's fields, in the order they came, minus request_in (a frame number) */
    char *sa = all_a, *sb = all_b;
    for (;;) {
        char *ea = strchr(sa, '\n'), *eb = strchr(sb, '\n');
        if (!ea || !eb) { CU_ASSERT(!ea && !eb); break; }
        char ra[4096], rb[4096];
        snprintf(ra, sizeof ra, "%.*s", (int)(ea - sa), sa);
        snprintf(rb, sizeof rb, "%.*s", (int)(eb - sb), sb);
        char *ta = strrchr(ra, '\t'), *tb = strrchr(rb, '\t');
        if (ta) *ta = 0;
        if (tb) *tb = 0;
        CU_ASSERT_STRING_EQUAL(ra, rb);
        sa = ea + 1;
        sb = eb + 1;
    }
    cap_free(sorted);
    cap_free(mixed);
    for (size_t i = 0; i < n; i++) free(pk[i].d);
}

void test_http_register(void);
void test_http_register(void)
{
    CU_pSuite s = CU_add_suite("http", NULL, NULL);
    CU_add_test(s, "real captures: every HTTP field against tshark's tables", test_oracle_captures);
    CU_add_test(s, "real captures: transaction records", test_capture_records);
    CU_add_test(s, "a reordered handshake against its sorted twin", test_reordered_handshake);
    CU_add_test(s, "a real capture with its server's segments swapped", test_shuffled_capture);
    CU_add_test(s, "a request split at every byte", test_split_every_byte);
    CU_add_test(s, "a chunked response split at every byte", test_chunked_split_every_byte);
    CU_add_test(s, "pipelined requests and responses", test_pipelined);
    CU_add_test(s, "gzip and deflate bodies, in pieces and chunks", test_content_encoding);
    CU_add_test(s, "a body that says gzip and is not", test_bad_gzip);
    CU_add_test(s, "MIME types of bodies", test_mime_types);
    CU_add_test(s, "HEAD", test_head);
    CU_add_test(s, "100-continue", test_100_continue);
    CU_add_test(s, "CONNECT: a tunnel after the 200", test_connect);
    CU_add_test(s, "a response read until the close", test_until_close);
    CU_add_test(s, "unanswered requests, responses without requests", test_unanswered_and_orphans);
    CU_add_test(s, "header values as tshark shows them", test_header_values);
    CU_add_test(s, "Basic authentication in records", test_capture_password);
    CU_add_test(s, "a gap in a body", test_gap_in_body);
    CU_add_test(s, "a gap at the start of a gzip body", test_gap_in_gzip_body);
    CU_add_test(s, "a gap in a header", test_gap_in_header);
    CU_add_test(s, "the heuristic, and what it leaves alone", test_heuristic);
    CU_add_test(s, "a header past the cap", test_huge_header);
    CU_add_test(s, "bad chunk sizes", test_bad_chunk_size);
    CU_add_test(s, "Content-Length that lies", test_content_length_lies);
    CU_add_test(s, "segments out of order", test_out_of_order);
}
