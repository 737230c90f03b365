/* test_sinks.c — the output sinks (fields, text, json) driven through the public engine API.
 *
 * Each test makes an engine with build/plugins (or $TRAWL_BUILD/plugins) loaded, opens one sink
 * on an open_memstream FILE with the options the host would pass, feeds hand-made Ethernet
 * frames (IPv4/UDP, IPv4-in-IPv4/UDP, a snaplen-cut one) and compares the exact text.
 * JSON lines are checked by a small RFC 8259 validator below (structure, escapes, UTF-8).
 */
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"

void test_sinks_register(void);

/* ---- frames ----------------------------------------------------------------------------- */

/* 2014-01-02T08:37:49.848747123Z */
#define TS0 1388651869848747123LL

static const uint8_t eth_hdr[14] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55,      /* dst */
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,      /* src */
    0x08, 0x00,
};

static uint16_t ip_csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static size_t put_ipv4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
                       size_t payload)
{
    size_t tot = 20 + payload;
    uint8_t h[20] = { 0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0x00, 0x01, 0, 0, 64, proto,
                      0, 0 };
    memcpy(h + 12, src, 4);
    memcpy(h + 16, dst, 4);
    uint16_t c = ip_csum(h, 20);
    h[10] = (uint8_t)(c >> 8);
    h[11] = (uint8_t)c;
    memcpy(p, h, 20);
    return 20;
}

static size_t put_udp(uint8_t *p, uint16_t sport, uint16_t dport, const char *payload)
{
    size_t n = strlen(payload);
    uint16_t len = (uint16_t)(8 + n);
    uint8_t h[8] = { (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8), (uint8_t)dport,
                     (uint8_t)(len >> 8), (uint8_t)len, 0, 0 };
    memcpy(p, h, 8);
    memcpy(p + 8, payload, n);
    return 8 + n;
}

static const uint8_t A1[4] = { 10, 0, 0, 1 }, A2[4] = { 10, 0, 0, 2 };
static const uint8_t B1[4] = { 192, 168, 0, 1 }, B2[4] = { 192, 168, 0, 2 };

/* Ethernet / IPv4 10.0.0.1 -> 10.0.0.2 / UDP 1234 -> 40000 "hello": 47 bytes. */
static size_t make_udp(uint8_t *p)
{
    size_t n = 0;
    memcpy(p, eth_hdr, 14);
    n += 14;
    n += put_ipv4(p + n, A1, A2, 17, 8 + 5);
    n += put_udp(p + n, 1234, 40000, "hello");
    return n;
}

/* Ethernet / IPv4 10.0.0.1 -> 10.0.0.2 (proto 4) / IPv4 192.168.0.1 -> .2 / UDP: 67 bytes. */
static size_t make_ipip(uint8_t *p)
{
    size_t n = 0;
    memcpy(p, eth_hdr, 14);
    n += 14;
    n += put_ipv4(p + n, A1, A2, 4, 20 + 8 + 5);
    n += put_ipv4(p + n, B1, B2, 17, 8 + 5);
    n += put_udp(p + n, 1234, 40000, "hello");
    return n;
}

/* ---- running a sink --------------------------------------------------------------------- */

struct run {
    struct trawl_engine *e;
    struct trawl_sink *sink;
    FILE *f;
    char *out;
    size_t outlen;
    char log[8192];
    size_t loglen;
};

static void on_log(void *user, enum trawl_log_level level, const char *origin, const char *msg)
{
    struct run *r = user;
    int n = snprintf(r->log + r->loglen, sizeof r->log - r->loglen, "%d|%s|%s\n", (int)level,
                     origin ? origin : "", msg ? msg : "");
    if (n > 0 && r->loglen + (size_t)n < sizeof r->log)
        r->loglen += (size_t)n;
}

static char plugin_dir[1024];

static const char *plugins_path(void)
{
    const char *b = getenv("TRAWL_BUILD");
    snprintf(plugin_dir, sizeof plugin_dir, "%s/plugins", b && *b ? b : "build");
    return plugin_dir;
}

/* Engine + one sink; returns false (and fails the test) when something is missing. */
static bool run_open(struct run *r, const char *sink, const char *const *opts)
{
    memset(r, 0, sizeof *r);
    struct trawl_engine_options o = { 0 };
    o.size = sizeof o;
    o.log = on_log;
    o.log_user = r;
    o.log_level = TRAWL_LOG_WARN;
    r->e = trawl_engine_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->e);
    int n = trawl_engine_load_dir(r->e, plugins_path());
    CU_ASSERT(n > 0);
    CU_ASSERT_EQUAL(trawl_engine_start(r->e), 0);
    r->f = open_memstream(&r->out, &r->outlen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->f);
    r->sink = trawl_engine_add_sink(r->e, sink, r->f, opts);
    CU_ASSERT_PTR_NOT_NULL(r->sink);
    return r->sink != NULL;
}

static void feed(struct run *r, const uint8_t *p, uint32_t caplen, uint32_t len, int64_t ts,
                 unsigned prec, const char *comment)
{
    struct trawl_frame fr = { 0 };
    fr.ts_ns = ts;
    fr.caplen = caplen;
    fr.len = len;
    fr.linktype = 1;
    fr.ts_precision = prec;
    if (comment) {
        fr.comment = comment;
        fr.comment_len = (uint32_t)strlen(comment);
    }
    CU_ASSERT(trawl_engine_feed(r->e, &fr, p) >= 0);
}

static void feed_udp(struct run *r, int64_t ts, unsigned prec)
{
    uint8_t p[128];
    uint32_t n = (uint32_t)make_udp(p);
    feed(r, p, n, n, ts, prec, NULL);
}

static void feed_ipip(struct run *r, int64_t ts, unsigned prec)
{
    uint8_t p[128];
    uint32_t n = (uint32_t)make_ipip(p);
    feed(r, p, n, n, ts, prec, NULL);
}

/* Finish the run: the output is in r->out (NUL-terminated). */
static void run_finish(struct run *r)
{
    CU_ASSERT_EQUAL(trawl_engine_finish(r->e), 0);
    fclose(r->f);
    r->f = NULL;
}

static void run_free(struct run *r)
{
    if (r->f)
        fclose(r->f);
    trawl_engine_free(r->e);
    free(r->out);
}

/* Run one sink over frames made by fn(r); returns the output (caller frees via run_free). */
#define CHECK_OUT(r, expect)                                                                   \
    do {                                                                                       \
        CU_ASSERT_PTR_NOT_NULL((r)->out);                                                      \
        if ((r)->out && strcmp((r)->out, (expect)) != 0) {                                     \
            fprintf(stderr, "\n--- expected:\n%s--- got:\n%s---\n", (expect), (r)->out);       \
            CU_FAIL("output differs");                                                         \
        }                                                                                      \
    } while (0)

#define CHECK_HAS(r, needle)                                                                   \
    do {                                                                                       \
        if (!(r)->out || !strstr((r)->out, (needle))) {                                        \
            fprintf(stderr, "\n--- missing: %s\n--- in:\n%s---\n", (needle),                   \
                    (r)->out ? (r)->out : "(null)");                                           \
            CU_FAIL("expected text missing");                                                  \
        }                                                                                      \
    } while (0)

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; hay && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- fields ----------------------------------------------------------------------------- */

static void test_fields_header_tab(void)
{
    struct run r;
    const char *opts[] = { "e=frame.number", "e=ip.src", "e=ip.dst", "e=ip.ttl", "header=y", NULL };
    if (run_open(&r, "fields", opts)) {
        feed_udp(&r, TS0, 9);
        feed_udp(&r, TS0 + 1000, 9);
        run_finish(&r);
        CHECK_OUT(&r, "frame.number\tip.src\tip.dst\tip.ttl\n"
                      "1\t10.0.0.1\t10.0.0.2\t64\n"
                      "2\t10.0.0.1\t10.0.0.2\t64\n");
    }
    run_free(&r);
}

static void test_fields_separators(void)
{
    struct run r;
    const char *o1[] = { "e=ip.src", "e=ip.dst", "separator=/s", NULL };
    if (run_open(&r, "fields", o1)) {
        feed_udp(&r, TS0, 6);
        run_finish(&r);
        CHECK_OUT(&r, "10.0.0.1 10.0.0.2\n");
    }
    run_free(&r);
    const char *o2[] = { "e=ip.src", "e=ip.dst", "separator=;", "header=y", NULL };
    if (run_open(&r, "fields", o2)) {
        feed_udp(&r, TS0, 6);
        run_finish(&r);
        CHECK_OUT(&r, "ip.src;ip.dst\n10.0.0.1;10.0.0.2\n");
    }
    run_free(&r);
    const char *o3[] = { "e=ip.src", "e=ip.dst", "separator=/t", "header=n", NULL };
    if (run_open(&r, "fields", o3)) {
        feed_udp(&r, TS0, 6);
        run_finish(&r);
        CHECK_OUT(&r, "10.0.0.1\t10.0.0.2\n");
    }
    run_free(&r);
    /* tshark 4.0: '/' + anything but s/t is a backslash; only the first letter of y/n counts */
    const char *o4[] = { "e=ip.src", "e=ip.dst", "separator=/x", "header=yes", NULL };
    if (run_open(&r, "fields", o4)) {
        feed_udp(&r, TS0, 6);
        run_finish(&r);
        CHECK_OUT(&r, "ip.src\\ip.dst\n10.0.0.1\\10.0.0.2\n");
    }
    run_free(&r);
}

static void test_fields_occurrence(void)
{
    static const struct { const char *occ, *agg, *expect; } cases[] = {
        { NULL, NULL, "10.0.0.1,192.168.0.1\t10.0.0.2,192.168.0.2\t64,64\n" },
        { "occurrence=a", NULL, "10.0.0.1,192.168.0.1\t10.0.0.2,192.168.0.2\t64,64\n" },
        { "occurrence=f", NULL, "10.0.0.1\t10.0.0.2\t64\n" },
        { "occurrence=l", NULL, "192.168.0.1\t192.168.0.2\t64\n" },
        { NULL, "aggregator=/s", "10.0.0.1 192.168.0.1\t10.0.0.2 192.168.0.2\t64 64\n" },
        { "occurrence=a", "aggregator=|", "10.0.0.1|192.168.0.1\t10.0.0.2|192.168.0.2\t64|64\n" },
        { "occurrence=f", "aggregator=|", "10.0.0.1\t10.0.0.2\t64\n" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct run r;
        const char *opts[6] = { "e=ip.src", "e=ip.dst", "e=ip.ttl" };
        size_t k = 3;
        if (cases[i].occ)
            opts[k++] = cases[i].occ;
        if (cases[i].agg)
            opts[k++] = cases[i].agg;
        opts[k] = NULL;
        if (run_open(&r, "fields", opts)) {
            feed_ipip(&r, TS0, 6);
            run_finish(&r);
            CHECK_OUT(&r, cases[i].expect);
        }
        run_free(&r);
    }
}

static void test_fields_quote(void)
{
    struct run r;
    /* an empty column stays unquoted (tshark 4.0); the header is never quoted */
    const char *o1[] = { "e=frame.number", "e=ip.src", "e=tcp.srcport", "e=ip.dst", "quote=d",
                         "header=y", NULL };
    if (run_open(&r, "fields", o1)) {
        feed_ipip(&r, TS0, 6);
        run_finish(&r);
        CHECK_OUT(&r, "frame.number\tip.src\ttcp.srcport\tip.dst\n"
                      "\"1\"\t\"10.0.0.1,192.168.0.1\"\t\t\"10.0.0.2,192.168.0.2\"\n");
    }
    run_free(&r);
    const char *o2[] = { "e=ip.src", "e=ip.dst", "quote=s", "separator=,", "occurrence=f", NULL };
    if (run_open(&r, "fields", o2)) {
        feed_ipip(&r, TS0, 6);
        run_finish(&r);
        CHECK_OUT(&r, "'10.0.0.1','10.0.0.2'\n");
    }
    run_free(&r);
    const char *o3[] = { "e=ip.src", "quote=n", NULL };
    if (run_open(&r, "fields", o3)) {
        feed_udp(&r, TS0, 6);
        run_finish(&r);
        CHECK_OUT(&r, "10.0.0.1\n");
    }
    run_free(&r);
}

static void test_fields_unknown_field(void)
{
    struct run r;
    const char *opts[] = { "e=ip.src", "e=no.such.field", "e=ip.dst", "e=no.such.field",
                           "header=y", NULL };
    if (run_open(&r, "fields", opts)) {
        feed_udp(&r, TS0, 6);
        feed_udp(&r, TS0 + 1, 6);
        run_finish(&r);
        CHECK_OUT(&r, "ip.src\tno.such.field\tip.dst\tno.such.field\n"
                      "10.0.0.1\t\t10.0.0.2\t\n"
                      "10.0.0.1\t\t10.0.0.2\t\n");
        /* one warning naming the field, not one per packet or per column */
        CU_ASSERT_EQUAL(count_of(r.log, "no.such.field"), 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.log, "1|"));     /* TRAWL_LOG_WARN */
    }
    run_free(&r);
}

static void test_fields_empty_line_and_dup(void)
{
    struct run r;
    /* a frame with no value for any column still prints its line */
    const char *o1[] = { "e=tcp.srcport", NULL };
    if (run_open(&r, "fields", o1)) {
        feed_udp(&r, TS0, 6);
        feed_udp(&r, TS0, 6);
        run_finish(&r);
        CHECK_OUT(&r, "\n\n");
    }
    run_free(&r);
    /* the same field twice: both columns show it */
    const char *o2[] = { "e=ip.ttl", "e=ip.src", "e=ip.ttl", "occurrence=l", NULL };
    if (run_open(&r, "fields", o2)) {
        feed_ipip(&r, TS0, 6);
        run_finish(&r);
        CHECK_OUT(&r, "64\t192.168.0.1\t64\n");
    }
    run_free(&r);
}

static void test_fields_columns(void)
{
    struct run r;
    const char *opts[] = { "e=_ws.col.No.", "e=_ws.col.Time", "e=_ws.col.Source",
                           "e=_ws.col.Destination", "e=_ws.col.Length", "e=_ws.col.def_src",
                           "e=_ws.col.Protocol", NULL };
    if (run_open(&r, "fields", opts)) {
        feed_udp(&r, TS0, 6);
        feed_udp(&r, TS0 + 1500000000LL, 6);
        run_finish(&r);
        CHECK_HAS(&r, "1\t0.000000\t10.0.0.1\t10.0.0.2\t47\t10.0.0.1\t");
        CHECK_HAS(&r, "\n2\t1.500000\t10.0.0.1\t10.0.0.2\t47\t10.0.0.1\t");
        CU_ASSERT_EQUAL(count_of(r.out, "\n"), 2);
        CU_ASSERT_EQUAL(count_of(r.log, "unknown"), 0);
    }
    run_free(&r);
}

static void test_fields_bad_option(void)
{
    struct run r;
    const char *opts[] = { "e=ip.src", "occurrence=x", NULL };
    memset(&r, 0, sizeof r);
    struct trawl_engine_options o = { 0 };
    o.size = sizeof o;
    o.log = on_log;
    o.log_user = &r;
    o.log_level = TRAWL_LOG_WARN;
    r.e = trawl_engine_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.e);
    trawl_engine_load_dir(r.e, plugins_path());
    CU_ASSERT_EQUAL(trawl_engine_start(r.e), 0);
    r.f = open_memstream(&r.out, &r.outlen);
    CU_ASSERT_PTR_NULL(trawl_engine_add_sink(r.e, "fields", r.f, opts));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.log, "occurrence=x"));
    run_free(&r);
}

/* ---- text ------------------------------------------------------------------------------- */

static void test_text_summary(void)
{
    struct run r;
    if (run_open(&r, "text", NULL)) {
        feed_udp(&r, TS0, 9);
        feed_udp(&r, TS0 + 1500000000LL, 9);
        run_finish(&r);
        CHECK_HAS(&r, "    1 0.000000000     10.0.0.1 \xe2\x86\x92 10.0.0.2     UDP 47 ");
        CHECK_HAS(&r, "\n    2 1.500000000     10.0.0.1 \xe2\x86\x92 10.0.0.2     UDP 47 ");
        CU_ASSERT_EQUAL(count_of(r.out, "\n"), 2);
    }
    run_free(&r);
    /* microsecond files: 6 decimals, right-aligned in 10 columns */
    if (run_open(&r, "text", NULL)) {
        feed_udp(&r, TS0, 6);
        feed_udp(&r, TS0 + 12345678000LL, 6);
        run_finish(&r);
        CHECK_HAS(&r, "    1   0.000000     10.0.0.1 \xe2\x86\x92 10.0.0.2     UDP 47 ");
        CHECK_HAS(&r, "    2  12.345678     10.0.0.1 \xe2\x86\x92 10.0.0.2     UDP 47 ");
    }
    run_free(&r);
}

/* A link type no plugin decodes: blank address columns, empty protocol, as tshark prints it. */
static void test_text_undecoded(void)
{
    struct run r;
    if (run_open(&r, "text", NULL)) {
        uint8_t p[128];
        uint32_t n = (uint32_t)make_udp(p);
        struct trawl_frame fr = { 0 };
        fr.ts_ns = TS0;
        fr.caplen = fr.len = n;
        fr.linktype = 147;                  /* LINKTYPE_USER0 */
        fr.ts_precision = 6;
        trawl_engine_feed(r.e, &fr, p);
        run_finish(&r);
        CHECK_OUT(&r, "    1   0.000000              \xe2\x86\x92               47 \n");
    }
    run_free(&r);
}

static void test_text_truncated(void)
{
    struct run r;
    if (run_open(&r, "text", NULL)) {
        uint8_t p[128];
        uint32_t n = (uint32_t)make_udp(p);
        feed(&r, p, 30, n, TS0, 6, NULL);   /* cut inside the IPv4 header */
        run_finish(&r);
        CHECK_HAS(&r, "[Packet size limited during capture]\n");
        CU_ASSERT_PTR_NULL(strstr(r.out ? r.out : "", "Malformed"));
    }
    run_free(&r);
}

static void test_text_verbose(void)
{
    struct run r;
    const char *opts[] = { "verbose=1", NULL };
    if (run_open(&r, "text", opts)) {
        feed_udp(&r, TS0, 6);
        feed_udp(&r, TS0 + 1, 6);
        run_finish(&r);
        CHECK_HAS(&r, "Frame 1: 47 bytes on wire (376 bits), 47 bytes captured (376 bits)\n");
        CHECK_HAS(&r, "\nInternet Protocol Version 4\n");
        /* tshark spells it "Time to Live"; compare without case */
        CU_ASSERT_PTR_NOT_NULL(r.out ? strcasestr(r.out, "\n    Time to live: 64\n") : NULL);
        CHECK_HAS(&r, "\n\nFrame 2: 47 bytes on wire");
        CU_ASSERT(r.out && r.outlen >= 2 && !strcmp(r.out + r.outlen - 2, "\n\n"));
    }
    run_free(&r);
}

static void test_text_hex(void)
{
    struct run r;
    const char *opts[] = { "hex=1", NULL };
    if (run_open(&r, "text", opts)) {
        feed_udp(&r, TS0, 6);
        run_finish(&r);
        CHECK_OUT(&r,
                  "0000  00 11 22 33 44 55 66 77 88 99 aa bb 08 00 45 00   ..\"3DUfw......E.\n"
                  "0010  00 21 00 01 00 00 40 11 66 c9 0a 00 00 01 0a 00   .!....@.f.......\n"
                  "0020  00 02 04 d2 9c 40 00 0d 00 00 68 65 6c 6c 6f      .....@....hello\n"
                  "\n");
    }
    run_free(&r);
    /* with the summary (tshark -P -x): summary, blank line, dump, blank line */
    const char *o2[] = { "hex=1", "summary=1", NULL };
    if (run_open(&r, "text", o2)) {
        feed_udp(&r, TS0, 6);
        run_finish(&r);
        CHECK_HAS(&r, "    1   0.000000     10.0.0.1 \xe2\x86\x92 10.0.0.2     UDP 47 ");
        CHECK_HAS(&r, "\n\n0000  00 11 22 33");
        CHECK_HAS(&r, "hello\n\n");
    }
    run_free(&r);
}

/* ---- a small RFC 8259 validator for the json tests -------------------------------------- */

struct jp { const char *p, *end; };

static bool jv_value(struct jp *j, int depth);

static void jv_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool jv_utf8(struct jp *j)
{
    const unsigned char *s = (const unsigned char *)j->p;
    size_t left = (size_t)(j->end - j->p);
    unsigned n, min;
    uint32_t cp;
    if (s[0] < 0x80) { j->p++; return true; }
    if ((s[0] & 0xe0) == 0xc0) { n = 1; cp = s[0] & 0x1f; min = 0x80; }
    else if ((s[0] & 0xf0) == 0xe0) { n = 2; cp = s[0] & 0x0f; min = 0x800; }
    else if ((s[0] & 0xf8) == 0xf0) { n = 3; cp = s[0] & 0x07; min = 0x10000; }
    else return false;
    if (left < n + 1)
        return false;
    for (unsigned i = 1; i <= n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return false;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return false;
    j->p += n + 1;
    return true;
}

static bool jv_string(struct jp *j)
{
    if (j->p >= j->end || *j->p != '"')
        return false;
    j->p++;
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') { j->p++; return true; }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            j->p++;
            if (j->p >= j->end)
                return false;
            char e = *j->p++;
            if (e == 'u') {
                for (int i = 0; i < 4; i++, j->p++)
                    if (j->p >= j->end || !isxdigit((unsigned char)*j->p))
                        return false;
            } else if (!strchr("\"\\/bfnrt", e)) {
                return false;
            }
            continue;
        }
        if (!jv_utf8(j))
            return false;
    }
    return false;
}

static bool jv_number(struct jp *j)
{
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p >= j->end || !isdigit((unsigned char)*j->p))
        return false;
    if (*j->p == '0')
        j->p++;
    else
        while (j->p < j->end && isdigit((unsigned char)*j->p))
            j->p++;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || !isdigit((unsigned char)*j->p))
            return false;
        while (j->p < j->end && isdigit((unsigned char)*j->p))
            j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (j->p >= j->end || !isdigit((unsigned char)*j->p))
            return false;
        while (j->p < j->end && isdigit((unsigned char)*j->p))
            j->p++;
    }
    return j->p > s;
}

static bool jv_lit(struct jp *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
        return false;
    j->p += n;
    return true;
}

static bool jv_value(struct jp *j, int depth)
{
    if (depth > 64)
        return false;
    jv_ws(j);
    if (j->p >= j->end)
        return false;
    switch (*j->p) {
    case '{':
        j->p++;
        jv_ws(j);
        if (j->p < j->end && *j->p == '}') { j->p++; return true; }
        for (;;) {
            jv_ws(j);
            if (!jv_string(j))
                return false;
            jv_ws(j);
            if (j->p >= j->end || *j->p++ != ':')
                return false;
            if (!jv_value(j, depth + 1))
                return false;
            jv_ws(j);
            if (j->p >= j->end)
                return false;
            if (*j->p == ',') { j->p++; continue; }
            if (*j->p == '}') { j->p++; return true; }
            return false;
        }
    case '[':
        j->p++;
        jv_ws(j);
        if (j->p < j->end && *j->p == ']') { j->p++; return true; }
        for (;;) {
            if (!jv_value(j, depth + 1))
                return false;
            jv_ws(j);
            if (j->p >= j->end)
                return false;
            if (*j->p == ',') { j->p++; continue; }
            if (*j->p == ']') { j->p++; return true; }
            return false;
        }
    case '"':
        return jv_string(j);
    case 't':
        return jv_lit(j, "true");
    case 'f':
        return jv_lit(j, "false");
    case 'n':
        return jv_lit(j, "null");
    default:
        return jv_number(j);
    }
}

/* Every line of s is one JSON object; returns the number of lines, or -1 on the first bad one. */
static int json_lines_ok_q(const char *s, bool quiet)
{
    int n = 0;
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        if (!nl)
            return -1;                      /* every record ends with '\n' */
        struct jp j = { s, nl };
        if (*s != '{' || nl[-1] != '}' || !jv_value(&j, 0) || j.p != nl) {
            if (!quiet)
                fprintf(stderr, "\nbad JSON line: %.*s\n", (int)(nl - s), s);
            return -1;
        }
        n++;
        s = nl + 1;
    }
    return n;
}

static int json_lines_ok(const char *s)
{
    return json_lines_ok_q(s, false);
}

static int json_bad(const char *s)
{
    return json_lines_ok_q(s, true);
}

static void test_json_validator_self(void)
{
    CU_ASSERT_EQUAL(json_bad("{\"a\":1,\"b\":[1,2.5e3,\"x\\u0001\"],\"c\":true}\n"), 1);
    CU_ASSERT_EQUAL(json_bad("{\"a\":01}\n"), -1);
    CU_ASSERT_EQUAL(json_bad("{\"a\":\"\x01\"}\n"), -1);
    CU_ASSERT_EQUAL(json_bad("{\"a\":\"\xff\"}\n"), -1);
    CU_ASSERT_EQUAL(json_bad("{\"a\":\"\xc3\xa9\"}\n"), 1);
    CU_ASSERT_EQUAL(json_bad("{\"a\":1,}\n"), -1);
    CU_ASSERT_EQUAL(json_bad("{\"a\":1}"), -1);
}

/* ---- json ------------------------------------------------------------------------------- */

static void test_json_typing(void)
{
    struct run r;
    if (run_open(&r, "json", NULL)) {
        feed_udp(&r, TS0, 9);
        feed_ipip(&r, TS0 + 1000, 6);
        run_finish(&r);
        CU_ASSERT_EQUAL(json_lines_ok(r.out), 2);
        CHECK_HAS(&r, "{\"frame.number\":1,");
        CHECK_HAS(&r, "\"frame.number\":2,");
        CHECK_HAS(&r, "\"frame.len\":47,");
        CHECK_HAS(&r, "\"frame.time\":\"2014-01-02T08:37:49.848747123Z\"");   /* ns file */
        CHECK_HAS(&r, "\"frame.time\":\"2014-01-02T08:37:49.848748Z\"");      /* µs file */
        /* one type per name: dissector fields are arrays even with one value */
        CHECK_HAS(&r, "\"ip.ttl\":[64],");
        CHECK_HAS(&r, "\"ip.src\":[\"10.0.0.1\"],");
        CHECK_HAS(&r, "\"eth.src\":[\"66:77:88:99:aa:bb\"]");
        CHECK_HAS(&r, "\"udp.srcport\":[1234],");
        /* repeated in the tunnelled frame: arrays, outer first */
        CHECK_HAS(&r, "\"ip.src\":[\"10.0.0.1\",\"192.168.0.1\"]");
        CHECK_HAS(&r, "\"ip.ttl\":[64,64]");
        CHECK_HAS(&r, "\"_layers\":\"eth:ip:udp\"}\n");
        CHECK_HAS(&r, "\"_layers\":\"eth:ip:ip:udp\"}\n");
        CU_ASSERT_PTR_NULL(strstr(r.out ? r.out : "", "_errors"));
    }
    run_free(&r);
}

static void test_json_arrays_always_and_select(void)
{
    struct run r;
    const char *opts[] = { "arrays=always", "e=frame.number", "e=ip.src", NULL };
    if (run_open(&r, "json", opts)) {
        feed_udp(&r, TS0, 6);
        run_finish(&r);
        CU_ASSERT_EQUAL(json_lines_ok(r.out), 1);
        CHECK_OUT(&r, "{\"frame.number\":1,\"ip.src\":[\"10.0.0.1\"],\"_layers\":\"eth:ip:udp\"}\n");
    }
    run_free(&r);
    /* The readable form: scalars with one value, arrays only when a frame repeats a field. */
    const char *rep[] = { "arrays=repeated", "e=frame.number", "e=ip.src", NULL };
    if (run_open(&r, "json", rep)) {
        feed_udp(&r, TS0, 6);
        feed_ipip(&r, TS0 + 1000, 6);
        run_finish(&r);
        CU_ASSERT_EQUAL(json_lines_ok(r.out), 2);
        CHECK_HAS(&r, "{\"frame.number\":1,\"ip.src\":\"10.0.0.1\",");
        CHECK_HAS(&r, "\"ip.src\":[\"10.0.0.1\",\"192.168.0.1\"]");
    }
    run_free(&r);
}

static void test_json_escaping(void)
{
    struct run r;
    const char *opts[] = { "e=frame.comment", "e=frame.number", NULL };
    if (run_open(&r, "json", opts)) {
        uint8_t p[128];
        uint32_t n = (uint32_t)make_udp(p);
        feed(&r, p, n, n, TS0, 6, "say \"hi\"\\ tab\there\nnl \x01\x1f caf\xc3\xa9 bad\xff end");
        run_finish(&r);
        CU_ASSERT_EQUAL(json_lines_ok(r.out), 1);
        CHECK_HAS(&r, "\"frame.comment\":\"say \\\"hi\\\"\\\\ tab\\there\\nnl \\u0001\\u001f caf");
        CHECK_HAS(&r, "\"frame.number\":1,");
    }
    run_free(&r);
}

static void test_json_errors(void)
{
    struct run r;
    if (run_open(&r, "json", NULL)) {
        uint8_t p[128];
        uint32_t n = (uint32_t)make_udp(p);
        feed(&r, p, 30, n, TS0, 6, NULL);   /* cut inside the IPv4 header */
        run_finish(&r);
        CU_ASSERT_EQUAL(json_lines_ok(r.out), 1);
        CHECK_HAS(&r, "\"_layers\":\"eth:ip\",\"_errors\":[{\"layer\":\"ip\",\"error\":\"truncated\"}]}\n");
        CHECK_HAS(&r, "\"frame.cap_len\":30,");
        CHECK_HAS(&r, "\"eth.src\":[\"66:77:88:99:aa:bb\"]");   /* fields read before stay */
    }
    run_free(&r);
}

void test_sinks_register(void)
{
    CU_pSuite s = CU_add_suite("sinks", NULL, NULL);
    if (!s)
        return;
    CU_add_test(s, "fields: header, tab separator", test_fields_header_tab);
    CU_add_test(s, "fields: separators /s, ';', /t", test_fields_separators);
    CU_add_test(s, "fields: occurrence f/l/a and aggregator on IP-in-IP", test_fields_occurrence);
    CU_add_test(s, "fields: quote d/s/n, empty columns unquoted", test_fields_quote);
    CU_add_test(s, "fields: unknown field keeps its column, one warning", test_fields_unknown_field);
    CU_add_test(s, "fields: empty lines, a field asked twice", test_fields_empty_line_and_dup);
    CU_add_test(s, "fields: _ws.col.* columns", test_fields_columns);
    CU_add_test(s, "fields: bad -E value refused", test_fields_bad_option);
    CU_add_test(s, "text: summary line layout", test_text_summary);
    CU_add_test(s, "text: undecoded link type", test_text_undecoded);
    CU_add_test(s, "text: snaplen-cut frame marked", test_text_truncated);
    CU_add_test(s, "text: -V tree", test_text_verbose);
    CU_add_test(s, "text: -x hex dump", test_text_hex);
    CU_add_test(s, "json: validator self-test", test_json_validator_self);
    CU_add_test(s, "json: typing, arrays for repeats, RFC 3339 times", test_json_typing);
    CU_add_test(s, "json: arrays=always and e= selection", test_json_arrays_always_and_select);
    CU_add_test(s, "json: string escaping", test_json_escaping);
    CU_add_test(s, "json: _errors on a snaplen cut", test_json_errors);
}
