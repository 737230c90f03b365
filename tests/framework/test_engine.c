/* test_engine.c — the embedding API and the SDK harness: reading files through an engine,
 * counters, columns, the packet callback, wanting fields, errors of a damaged file. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static char path[1024];
static const char *cap(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", th_captures_dir(), name);
    return path;
}

static void test_harness_file_last_packet(void)
{
    struct th *t = th_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(th_file(t, cap("dns-udp-basic.pcap")), 0);
    /* The last of the two frames is the response from 209.87.249.18. */
    CU_ASSERT_STRING_EQUAL(th_field(t, "frame.number"), "2");
    CU_ASSERT_STRING_EQUAL(th_field(t, "ip.src"), "209.87.249.18");
    CU_ASSERT_STRING_EQUAL(th_protocol(t), "DNS");
    CU_ASSERT_PTR_NOT_NULL(strstr(th_info(t), "Standard query response 0x5934"));
    CU_ASSERT_EQUAL(th_count(t, "ip.src"), 1);
    CU_ASSERT_EQUAL(th_errors(t), 0);
    const struct trawl_stats *st = trawl_engine_stats(th_engine(t));
    CU_ASSERT_EQUAL(st->packets, 2);
    CU_ASSERT_EQUAL(st->files, 1);
    th_free(t);
}

static void test_harness_damaged_file(void)
{
    struct th *t = th_new();
    CU_ASSERT_EQUAL(th_file(t, cap("corrupt-huge-caplen-tls.pcap")), TRAWL_EFORMAT);
    CU_ASSERT_STRING_EQUAL(th_field(t, "frame.number"), "6");
    CU_ASSERT_PTR_NOT_NULL(strstr(trawl_engine_last_error(th_engine(t)), "corrupt-huge-caplen-tls.pcap"));
    CU_ASSERT_EQUAL(trawl_engine_stats(th_engine(t))->file_errors, 1);
    th_free(t);
}

static void test_bad_hex(void)
{
    struct th *t = th_new();
    CU_ASSERT_EQUAL(th_hex(t, 1, "0g"), -1);
    CU_ASSERT_EQUAL(th_hex(t, 1, "abc"), -1);        /* odd digit count */
    CU_ASSERT_EQUAL(th_hex(t, 1, ""), 0);             /* an empty frame is still a frame */
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth");
    CU_ASSERT(th_errors(t) & TRAWL_BUF_MALFORMED);
    th_free(t);
}

/* Only wanted fields are stored: an engine asked for ip.src alone carries no ip.ttl. */
struct wants_seen { unsigned ttl, src; };
static void count_cb(void *user, const struct trawl_packet *pkt)
{
    struct wants_seen *w = user;
    size_t n;
    const struct trawl_value *v = trawl_packet_values(pkt, &n);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(v[i].field->name, "ip.ttl")) w->ttl++;
        if (!strcmp(v[i].field->name, "ip.src")) w->src++;
    }
}

static void test_unwanted_fields_are_not_stored(void)
{
    struct trawl_engine *e = trawl_engine_new(NULL);
    CU_ASSERT_FATAL(trawl_engine_load_dir(e, th_plugin_dir()) > 0);
    CU_ASSERT_EQUAL(trawl_engine_start(e), 0);
    CU_ASSERT_PTR_NOT_NULL(trawl_engine_want_field(e, "ip.src"));
    CU_ASSERT_PTR_NULL(trawl_engine_want_field(e, "no.such.field"));
    struct wants_seen w = { 0, 0 };
    trawl_engine_on_packet(e, count_cb, &w);
    CU_ASSERT_EQUAL(trawl_engine_read_file(e, cap("dns-udp-basic.pcap")), 0);
    CU_ASSERT_EQUAL(w.src, 2);
    CU_ASSERT_EQUAL(w.ttl, 0);
    CU_ASSERT_EQUAL(trawl_engine_finish(e), 0);
    trawl_engine_free(e);
}

static void test_limit_and_stop(void)
{
    struct trawl_engine *e = trawl_engine_new(NULL);
    trawl_engine_load_dir(e, th_plugin_dir());
    trawl_engine_start(e);
    trawl_engine_set_limit(e, 5);
    CU_ASSERT_EQUAL(trawl_engine_read_file(e, cap("tcp-syn-port-scan.pcap")), 0);
    CU_ASSERT_EQUAL(trawl_engine_stats(e)->packets, 5);
    trawl_engine_free(e);
}

static void test_feed_before_start_refused(void)
{
    struct trawl_engine *e = trawl_engine_new(NULL);
    struct trawl_frame f = { .caplen = 1, .linktype = 1 };
    CU_ASSERT_EQUAL(trawl_engine_feed(e, &f, (const uint8_t *)"x"), TRAWL_ESTATE);
    CU_ASSERT_EQUAL(trawl_engine_read_file(e, cap("dns-udp-basic.pcap")), TRAWL_ESTATE);
    CU_ASSERT_PTR_NULL(trawl_engine_add_sink(e, "fields", stdout, NULL));
    trawl_engine_free(e);
}

/* The sinks' output buffer: appends, growth for a huge value, values, write errors. */
static void test_out_buffer(void)
{
    char *mem = NULL;
    size_t memlen = 0;
    FILE *f = open_memstream(&mem, &memlen);
    struct trawl_out o;
    CU_ASSERT_EQUAL(trawl_out_init(&o, f, 16), 0);
    trawl_out_str(&o, "abc");
    trawl_out_char(&o, '-');
    trawl_out_printf(&o, "%d:%s", 42, "a longer piece than the buffer");
    char big[100];
    memset(big, 'x', sizeof big);
    trawl_out_mem(&o, big, sizeof big);
    static const struct trawl_field fld = { "t.v", "v", TRAWL_FT_U16, TRAWL_BASE_HEX, NULL, 0, NULL };
    struct trawl_value v = { .field = &fld, .v.u = 0x12 };
    trawl_out_char(&o, ' ');
    trawl_out_value(&o, &v, TRAWL_FMT_FIELDS);
    CU_ASSERT_EQUAL(trawl_out_flush(&o), 0);
    fclose(f);
    CU_ASSERT_EQUAL(memlen, 3 + 1 + 33 + 100 + 1 + 6);
    CU_ASSERT_EQUAL(strncmp(mem, "abc-42:a longer piece than the bufferxxx", 40), 0);
    CU_ASSERT_STRING_EQUAL(mem + memlen - 7, " 0x0012");
    free(mem);
    trawl_out_free(&o);
    FILE *full = fopen("/dev/full", "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(full);
    CU_ASSERT_EQUAL(trawl_out_init(&o, full, 0), 0);
    for (int i = 0; i < 10000; i++) trawl_out_str(&o, "0123456789abcdef");
    CU_ASSERT_EQUAL(trawl_out_flush(&o), TRAWL_EIO);
    CU_ASSERT_EQUAL(o.err, ENOSPC);
    trawl_out_free(&o);
    fclose(full);
}

/* Strings as tshark 4.0's -T fields prints them (checked with tshark on DNS TXT and HTTP
 * header bytes): \b \f \n \r \t escaped, other control bytes as they are, not-UTF-8 as U+FFFD
 * per byte; ASCII strings make every byte from 0x80 U+FFFD; -V escapes control bytes. */
static void test_string_format(void)
{
    static const struct trawl_field utf8 = { "t.s", "s", TRAWL_FT_STRING, TRAWL_BASE_DEC, NULL, 0, NULL };
    static const struct trawl_field ascii = { "t.a", "a", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0, NULL };
    static const uint8_t in[] = "a\bb\fc\nd\re\tf\x01g\x0bh\x1bi\\j\x80k\xe2\x82\xacl\xed\xa0\x80m"
                                "\xf0\x9f\x98\x80n\xc0\xafo\xe2\x82p\x7fq";
    struct trawl_value v = { .field = &utf8, .v.p = in, .len = sizeof in - 1 };
    char out[256];
    trawl_value_format(&v, TRAWL_FMT_FIELDS, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "a\\bb\\fc\\nd\\re\\tf\x01g\x0bh\x1bi\\j\xef\xbf\xbdk\xe2\x82\xacl"
                                "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdm\xf0\x9f\x98\x80n\xef\xbf\xbd\xef\xbf\xbdo"
                                "\xef\xbf\xbd\xef\xbf\xbdp\x7fq");
    v.field = &ascii;
    trawl_value_format(&v, TRAWL_FMT_FIELDS, out, sizeof out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "k\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdl"));   /* the euro sign: 3 bytes */
    v.field = &utf8;
    trawl_value_format(&v, TRAWL_FMT_SHOW, out, sizeof out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "f\\x01g\\x0bh\\x1bi"));
}


/* IPv6 addresses as glibc's inet_ntop writes them (tshark prints them so), epoch times as
 * "%lld.%09lld" with floor division and relative times as sign and magnitude, all written
 * without printf by format.c: compared with libc on the special forms and many random values. */
static void test_address_and_epoch_format(void)
{
    static const struct trawl_field f6 = { "t.ip6", "a", TRAWL_FT_IPV6, TRAWL_BASE_DEC, NULL, 0, NULL };
    static const struct trawl_field fe = { "t.ep", "e", TRAWL_FT_TIME, TRAWL_BASE_EPOCH, NULL, 0, NULL };
    static const struct trawl_field fr = { "t.rel", "r", TRAWL_FT_RELTIME, TRAWL_BASE_DEC, NULL, 0, NULL };
    static const char *const special[] = {
        "::", "::1", "::2:3", "1::", "1:0:0:2::3", "1::2:0:0:3", "0:0:1::", "2001:db8::1",
        "2001:db8:0:1:1:1:1:1", "::ffff:192.0.2.1", "::192.0.2.1", "::ffff:0:192.0.2.1",
        "64:ff9b::192.0.2.1", "fe80::1:0:0:0", "1:2:3:4:5:6:7:8", "ffff::ffff", "::ffff:1:2",
        "0:0:0:0:0:1:0:0", "1:0:1:0:1:0:1:0",
    };
    char out[64], want[64];
    struct trawl_value v = { .field = &f6, .len = 16 };
    uint8_t a[16];
    v.v.p = a;
    unsigned bad = 0;
    for (size_t i = 0; i < sizeof special / sizeof *special; i++) {
        CU_ASSERT_FATAL(inet_pton(AF_INET6, special[i], a) == 1);
        inet_ntop(AF_INET6, a, want, sizeof want);
        trawl_value_format(&v, TRAWL_FMT_FIELDS, out, sizeof out);
        CU_ASSERT_STRING_EQUAL(out, want);
    }
    srand(7);
    for (int i = 0; i < 200000; i++) {
        /* words mostly zero so that runs of zeros of every length and place come up */
        for (int k = 0; k < 8; k++) {
            unsigned w = rand() % 3 ? 0 : (unsigned)rand() & (rand() % 2 ? 0xffff : 0xf);
            if (k == 5 && rand() % 8 == 0) w = 0xffff;
            a[2 * k] = (uint8_t)(w >> 8);
            a[2 * k + 1] = (uint8_t)w;
        }
        inet_ntop(AF_INET6, a, want, sizeof want);
        trawl_value_format(&v, TRAWL_FMT_FIELDS, out, sizeof out);
        bad += strcmp(out, want) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0);
    v.field = &fe;
    v.len = 0;
    static const int64_t edge[] = { 0, 1, -1, 999999999, 1000000000, -1000000000, -1500000000,
                                    INT64_MAX, INT64_MIN, 1700000000123456789LL };
    bad = 0;
    for (int i = 0; i < 200000 + (int)(sizeof edge / sizeof *edge); i++) {
        int64_t ns = i < (int)(sizeof edge / sizeof *edge) ? edge[i]
                   : (int64_t)(((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 2) ^ (uint64_t)rand() ^
                               (rand() % 2 ? UINT64_C(0x8000000000000000) : 0));
        int64_t sec = ns / 1000000000, frac = ns % 1000000000;
        if (frac < 0) { frac += 1000000000; sec--; }
        snprintf(want, sizeof want, "%lld.%09lld", (long long)sec, (long long)frac);
        v.v.i = ns;
        trawl_value_format(&v, TRAWL_FMT_FIELDS, out, sizeof out);
        bad += strcmp(out, want) != 0;
        char small[8];
        size_t n = trawl_time_format_epoch(ns, small, sizeof small);
        bad += n != strlen(want) || strncmp(small, want, sizeof small - 1) != 0 || strnlen(small, sizeof small) == sizeof small;
        /* a relative time: its sign, then the magnitude (not floor division) */
        uint64_t m = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
        snprintf(want, sizeof want, "%s%llu.%09llu", ns < 0 ? "-" : "", (unsigned long long)(m / 1000000000),
                 (unsigned long long)(m % 1000000000));
        v.field = &fr;
        trawl_value_format(&v, TRAWL_FMT_FIELDS, out, sizeof out);
        bad += strcmp(out, want) != 0;
        v.field = &fe;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

void test_engine_register(void);
void test_engine_register(void)
{
    CU_pSuite s = CU_add_suite("engine", NULL, NULL);
    CU_add_test(s, "harness reads a file; stats; columns", test_harness_file_last_packet);
    CU_add_test(s, "harness on a damaged file", test_harness_damaged_file);
    CU_add_test(s, "bad hex refused; empty frame", test_bad_hex);
    CU_add_test(s, "unwanted fields are not stored", test_unwanted_fields_are_not_stored);
    CU_add_test(s, "packet limit", test_limit_and_stop);
    CU_add_test(s, "feeding before start is refused", test_feed_before_start_refused);
    CU_add_test(s, "sink output buffer", test_out_buffer);
    CU_add_test(s, "strings as tshark's -T fields, and in -V", test_string_format);
    CU_add_test(s, "IPv6 addresses as inet_ntop, epoch times as printf", test_address_and_epoch_format);
}
