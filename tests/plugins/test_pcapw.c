/* test_pcapw.c — the "pcap" writer sink (-w FILE) driven through the public engine API.
 *
 * A run: engine with build/plugins loaded, started, sink "pcap" added with file=<tmp>, a shared
 * capture read (or frames fed), finish. The written file is then read back twice, by libpcap
 * (pcap_open_offline_with_tstamp_precision, nanoseconds) and by our own engine, and every frame
 * (time to the nanosecond, caplen, len, bytes, link type) compared with the source as our engine
 * reads it. Also: several link types in one pcapng, snaplen=N, bad options, /dev/full, empty
 * inputs, BPF-filtered runs, times pcap cannot store, "-" (the sink's FILE), oversized frames
 * and link types libpcap's writer does not know.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "trawl/trawl.h"

void test_pcapw_register(void);

/* ---- frames as read ----------------------------------------------------------------------- */

struct fr {
    int64_t ts;
    uint32_t caplen, len;
    int32_t lt;
    uint8_t *data;
};

struct frames {
    struct fr *v;
    size_t n, cap;
};

static void frames_add(struct frames *fs, int64_t ts, uint32_t caplen, uint32_t len, int32_t lt,
                       const uint8_t *data)
{
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 64;
        fs->v = realloc(fs->v, fs->cap * sizeof *fs->v);
    }
    struct fr *f = &fs->v[fs->n++];
    f->ts = ts;
    f->caplen = caplen;
    f->len = len;
    f->lt = lt;
    f->data = malloc(caplen ? caplen : 1);
    if (caplen)
        memcpy(f->data, data, caplen);
}

static void frames_free(struct frames *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        free(fs->v[i].data);
    free(fs->v);
    memset(fs, 0, sizeof *fs);
}

static void on_frame(void *user, const struct trawl_packet *pkt)
{
    const struct trawl_frame *f = trawl_packet_frame(pkt);
    frames_add(user, f->ts_ns, f->caplen, f->len, f->linktype, trawl_packet_data(pkt));
}

static void quiet_log(void *user, enum trawl_log_level level, const char *origin, const char *msg) {}

/* Every frame of a capture as our engine reads it (after an optional BPF filter). */
static void read_engine(const char *path, const char *filter, struct frames *out)
{
    struct trawl_engine_options o = { .size = sizeof o, .log = quiet_log };
    struct trawl_engine *e = trawl_engine_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT(trawl_engine_load_dir(e, th_plugin_dir()) > 0);
    CU_ASSERT_EQUAL(trawl_engine_start(e), 0);
    if (filter)
        CU_ASSERT_EQUAL(trawl_engine_set_filter(e, filter), 0);
    trawl_engine_on_packet(e, on_frame, out);
    trawl_engine_read_file(e, path);   /* corrupt inputs: the frames before the damage count */
    trawl_engine_finish(e);
    trawl_engine_free(e);
}

/* Every frame of a pcap file as libpcap reads it; *dlt and *snaplen from its header. */
static bool read_libpcap_fp(FILE *fp, struct frames *out, int *dlt, int *snaplen)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        fprintf(stderr, "\nlibpcap: %s\n", err);
        fclose(fp);
        return false;
    }
    *dlt = pcap_datalink(p);
    *snaplen = pcap_snapshot(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc;
    /* pcap's seconds are unsigned 32 bits; libpcap 1.10 reads them as signed (times from
     * 2038-01-19 on come out negative): take the 32 bits back. */
    while ((rc = pcap_next_ex(p, &h, &d)) == 1)
        frames_add(out, (int64_t)(uint32_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec, h->caplen,
                   h->len, *dlt, d);
    if (rc != PCAP_ERROR_BREAK)
        fprintf(stderr, "\nlibpcap: %s\n", pcap_geterr(p));
    pcap_close(p);   /* closes fp */
    return rc == PCAP_ERROR_BREAK;
}

static bool read_libpcap(const char *path, struct frames *out, int *dlt, int *snaplen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    return read_libpcap_fp(fp, out, dlt, snaplen);
}

/* The 24-byte file header: magic and LINKTYPE_ as written (host byte order, as libpcap does). */
static bool read_header(const char *path, uint32_t *magic, uint32_t *snaplen, uint32_t *lt,
                        long *size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    uint8_t h[24];
    bool ok = fread(h, 1, 24, fp) == 24;
    fseek(fp, 0, SEEK_END);
    *size = ftell(fp);
    fclose(fp);
    if (ok) {
        memcpy(magic, h, 4);
        memcpy(snaplen, h + 16, 4);
        memcpy(lt, h + 20, 4);
    }
    return ok;
}

/* got == want, frame by frame; with snaplen > 0, want is cut to it. */
static bool frames_equal(const struct frames *want, const struct frames *got, uint32_t snaplen,
                         const char *what)
{
    if (want->n != got->n) {
        fprintf(stderr, "\n%s: %zu frames, want %zu\n", what, got->n, want->n);
        return false;
    }
    for (size_t i = 0; i < want->n; i++) {
        const struct fr *a = &want->v[i], *b = &got->v[i];
        uint32_t cap = snaplen && a->caplen > snaplen ? snaplen : a->caplen;
        if (a->ts != b->ts || cap != b->caplen || a->len != b->len ||
            memcmp(a->data, b->data, cap) != 0) {
            fprintf(stderr, "\n%s: frame %zu differs: ts %lld/%lld caplen %u/%u len %u/%u\n", what,
                    i + 1, (long long)b->ts, (long long)a->ts, b->caplen, cap, b->len, a->len);
            return false;
        }
    }
    return true;
}

/* ---- a writing run ------------------------------------------------------------------------ */

struct wrun {
    struct trawl_engine *e;
    struct trawl_sink *sink;
    char path[64];
    char log[16384];
    size_t loglen;
};

static void on_log(void *user, enum trawl_log_level level, const char *origin, const char *msg)
{
    struct wrun *r = user;
    int n = snprintf(r->log + r->loglen, sizeof r->log - r->loglen, "%d|%s|%s\n", (int)level,
                     origin ? origin : "", msg ? msg : "");
    if (n > 0 && r->loglen + (size_t)n < sizeof r->log)
        r->loglen += (size_t)n;
}

static void tmp_path(struct wrun *r)
{
    snprintf(r->path, sizeof r->path, "/tmp/trawl-pcapw-XXXXXX");
    int fd = mkstemp(r->path);
    CU_ASSERT(fd >= 0);
    if (fd >= 0)
        close(fd);
}

/* Engine + sink "pcap" writing to r->path (made here when file is NULL) or `file`, with more
 * options; out is the sink's FILE (NULL: stdout). */
static bool wopen(struct wrun *r, const char *file, const char *const *more, FILE *out)
{
    memset(r, 0, sizeof *r);
    struct trawl_engine_options o = { .size = sizeof o, .log = on_log, .log_user = r,
                                      .log_level = TRAWL_LOG_INFO };
    r->e = trawl_engine_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->e);
    CU_ASSERT(trawl_engine_load_dir(r->e, th_plugin_dir()) > 0);
    CU_ASSERT_EQUAL(trawl_engine_start(r->e), 0);
    if (!file) {
        tmp_path(r);
        file = r->path;
    }
    char fileopt[128];
    snprintf(fileopt, sizeof fileopt, "file=%s", file);
    const char *opts[8] = { fileopt };
    for (size_t i = 0; more && more[i] && i < 6; i++)
        opts[i + 1] = more[i];
    r->sink = trawl_engine_add_sink(r->e, "pcap", out, opts);
    CU_ASSERT_PTR_NOT_NULL(r->sink);
    return r->sink != NULL;
}

static void wfree(struct wrun *r)
{
    trawl_engine_free(r->e);
    if (r->path[0])
        unlink(r->path);
}

static unsigned log_count(const struct wrun *r, const char *needle)
{
    unsigned n = 0;
    for (const char *p = r->log; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

#define LOG_HAS(r, needle)                                                                         \
    do {                                                                                           \
        if (!strstr((r)->log, (needle))) {                                                         \
            fprintf(stderr, "\nlog lacks \"%s\":\n%s", (needle), (r)->log);                        \
            CU_FAIL("log message missing");                                                        \
        }                                                                                          \
    } while (0)

static char *cap_path(const char *name)
{
    static char p[1024];
    snprintf(p, sizeof p, "%s/%s", th_captures_dir(), name);
    return p;
}

/* Write `name` through the sink and compare the file, read by libpcap and by our engine, with
 * the source. Only the first frame's link type and times pcap can hold are expected. */
static void roundtrip(const char *name, bool must_be_whole)
{
    char src[1024];
    snprintf(src, sizeof src, "%s", cap_path(name));
    struct frames s = { 0 }, want = { 0 }, viapcap = { 0 }, viaeng = { 0 };
    read_engine(src, NULL, &s);
    for (size_t i = 0; i < s.n; i++) {
        const struct fr *f = &s.v[i];
        if (f->lt == s.v[0].lt && f->ts >= 0 && f->ts / 1000000000LL <= (int64_t)UINT32_MAX)
            frames_add(&want, f->ts, f->caplen, f->len, f->lt, f->data);
    }
    if (must_be_whole) {
        CU_ASSERT(s.n > 0);
        CU_ASSERT_EQUAL(want.n, s.n);
    }
    struct wrun r;
    if (wopen(&r, NULL, NULL, NULL)) {
        trawl_engine_read_file(r.e, src);
        int rc = trawl_engine_finish(r.e);
        CU_ASSERT_EQUAL(rc, 0);
        if (rc)
            fprintf(stderr, "\n%s: %s\n", name, r.log);
        uint32_t magic = 0, snap = 0, lt = 0;
        long size = 0;
        CU_ASSERT(read_header(r.path, &magic, &snap, &lt, &size));
        CU_ASSERT_EQUAL(magic, 0xa1b23c4du);
        CU_ASSERT_EQUAL(snap, 262144u);
        CU_ASSERT_EQUAL(lt, s.n ? (uint32_t)s.v[0].lt : 1u);
        int dlt = -1, snaplen = 0;
        CU_ASSERT(read_libpcap(r.path, &viapcap, &dlt, &snaplen));
        char what[1100];
        snprintf(what, sizeof what, "%s via libpcap", name);
        CU_ASSERT(frames_equal(&want, &viapcap, 0, what));
        read_engine(r.path, NULL, &viaeng);
        snprintf(what, sizeof what, "%s via trawl", name);
        CU_ASSERT(frames_equal(&want, &viaeng, 0, what));
        for (size_t i = 0; i < viaeng.n; i++)
            CU_ASSERT_EQUAL(viaeng.v[i].lt, want.v[i].lt);
    }
    wfree(&r);
    frames_free(&s);
    frames_free(&want);
    frames_free(&viapcap);
    frames_free(&viaeng);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_roundtrip_dns(void)
{
    roundtrip("dns-udp-basic.pcap", true);
}

/* Nanosecond sources, mixed interface resolutions, LINKTYPE_RAW (101 ≠ DLT_RAW), times past
 * 2038, snaplen-cut frames, big-endian sources, other link types. */
static void test_roundtrip_varied(void)
{
    static const char *const names[] = {
        "sll-nsec-tcp-handshake.pcap",       "pcapng-multi-if-tsresol-dns.pcapng",
        "rawip-dlt101-ipv4-dns.pcap",        "rawip-dlt101-ipv6-dns.pcap",
        "pcap-timestamp-2038.pcap",          "linktype-nflog-dns.pcap",
        "tcp-truncated-snaplen68.pcap",      "pcap-bigendian-pptp-gre.pcap",
        "null-ipv4-dns-badcookie.pcap",      "pcap-nsec-invalid-nanoseconds.pcap",
        "pcapng-multi-if-comments-rtp.pcapng",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        roundtrip(names[i], true);
}

/* Every shared capture (corrupt ones: the frames before the damage). */
static void test_roundtrip_all_captures(void)
{
    DIR *d = opendir(th_captures_dir());
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *de;
    unsigned n = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if ((l > 5 && !strcmp(de->d_name + l - 5, ".pcap")) ||
            (l > 7 && !strcmp(de->d_name + l - 7, ".pcapng"))) {
            roundtrip(de->d_name, false);
            n++;
        }
    }
    closedir(d);
    CU_ASSERT(n >= 50);
}

/* A pcapng with two interfaces of different link types, made here. */
static size_t put_block(uint8_t *p, uint32_t type, const uint8_t *body, uint32_t n)
{
    uint32_t pad = (4 - n % 4) % 4, total = 12 + n + pad;
    memcpy(p, &type, 4);
    memcpy(p + 4, &total, 4);
    memcpy(p + 8, body, n);
    memset(p + 8 + n, 0, pad);
    memcpy(p + 8 + n + pad, &total, 4);
    return total;
}

static size_t put_epb(uint8_t *p, uint32_t ifc, uint64_t ts_us, const uint8_t *data, uint32_t n)
{
    uint8_t b[256];
    uint32_t hi = (uint32_t)(ts_us >> 32), lo = (uint32_t)ts_us;
    memcpy(b, &ifc, 4);
    memcpy(b + 4, &hi, 4);
    memcpy(b + 8, &lo, 4);
    memcpy(b + 12, &n, 4);
    memcpy(b + 16, &n, 4);
    memcpy(b + 20, data, n);
    return put_block(p, 6, b, 20 + n);
}

/* IPv4/UDP 10.0.0.1:1234 -> 10.0.0.2:53, 4 payload bytes (checksums not checked). */
static const uint8_t ip_udp[32] = {
    0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    0x04, 0xd2, 0, 53, 0, 12, 0, 0, 'a', 'b', 'c', 'd',
};

static size_t make_eth(uint8_t *p)
{
    static const uint8_t eth[14] = { 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
                                     0xaa, 0xbb, 0x08, 0x00 };
    memcpy(p, eth, 14);
    memcpy(p + 14, ip_udp, sizeof ip_udp);
    return 14 + sizeof ip_udp;
}

/* Frames: order[i] is the interface (0: Ethernet, 1: LINKTYPE_RAW) of frame i. */
static void write_two_lt_pcapng(const char *path, const int *order, size_t n)
{
    static uint8_t buf[8192];
    size_t len = 0;
    uint8_t shb[16] = { 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
                        0xff, 0xff, 0xff, 0xff };
    len += put_block(buf + len, 0x0a0d0d0a, shb, sizeof shb);
    uint8_t idb0[8] = { 1, 0, 0, 0, 0, 0, 4, 0 }, idb1[8] = { 101, 0, 0, 0, 0, 0, 4, 0 };
    len += put_block(buf + len, 1, idb0, 8);
    len += put_block(buf + len, 1, idb1, 8);
    uint8_t eth[64];
    uint32_t ethn = (uint32_t)make_eth(eth);
    for (size_t i = 0; i < n; i++) {
        uint64_t ts = 1700000000000000ull + i * 1000;
        len += order[i] ? put_epb(buf + len, 1, ts, ip_udp, sizeof ip_udp)
                        : put_epb(buf + len, 0, ts, eth, ethn);
    }
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(buf, 1, len, f), len);
    fclose(f);
}

static void two_linktypes(const int *order, size_t n, int32_t want_lt, size_t want_written)
{
    char src[64] = "/tmp/trawl-pcapw-src-XXXXXX";
    int fd = mkstemp(src);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    write_two_lt_pcapng(src, order, n);
    struct frames s = { 0 }, want = { 0 }, got = { 0 };
    read_engine(src, NULL, &s);
    CU_ASSERT_EQUAL(s.n, n);
    for (size_t i = 0; i < s.n; i++)
        if (s.v[i].lt == want_lt)
            frames_add(&want, s.v[i].ts, s.v[i].caplen, s.v[i].len, s.v[i].lt, s.v[i].data);
    CU_ASSERT_EQUAL(want.n, want_written);
    struct wrun r;
    if (wopen(&r, NULL, NULL, NULL)) {
        CU_ASSERT_EQUAL(trawl_engine_read_file(r.e, src), 0);
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        uint32_t magic, snap, lt = 0;
        long size;
        CU_ASSERT(read_header(r.path, &magic, &snap, &lt, &size));
        CU_ASSERT_EQUAL(lt, (uint32_t)want_lt);
        int dlt, snaplen;
        CU_ASSERT(read_libpcap(r.path, &got, &dlt, &snaplen));
        CU_ASSERT(frames_equal(&want, &got, 0, "two link types"));
        int32_t other = want_lt == 1 ? 101 : 1;
        char msg[256];
        /* one warning for the other link type, and the count in the summary */
        CU_ASSERT_EQUAL(log_count(&r, "differs from the file's"), 1);
        snprintf(msg, sizeof msg, "link type %d (", (int)other);
        LOG_HAS(&r, msg);
        snprintf(msg, sizeof msg, "wrote %zu frames to %s (link type %d, ", want_written, r.path,
                 (int)want_lt);
        LOG_HAS(&r, msg);
        snprintf(msg, sizeof msg, "; %zu not written: %zu of link type %d (", n - want_written,
                 n - want_written, (int)other);
        LOG_HAS(&r, msg);
    }
    wfree(&r);
    unlink(src);
    frames_free(&s);
    frames_free(&want);
    frames_free(&got);
}

static void test_two_linktypes(void)
{
    static const int a[] = { 0, 1, 0, 1, 1 }, b[] = { 1, 0, 1, 1, 0, 0, 0 };
    two_linktypes(a, 5, 1, 2);
    two_linktypes(b, 7, 101, 3);
}

static void test_snaplen(void)
{
    struct frames s = { 0 }, got = { 0 }, viaeng = { 0 };
    read_engine(cap_path("dns-udp-basic.pcap"), NULL, &s);
    struct wrun r;
    static const char *const more[] = { "snaplen=64", "format=pcap", NULL };
    if (wopen(&r, NULL, more, NULL)) {
        CU_ASSERT_EQUAL(trawl_engine_read_file(r.e, cap_path("dns-udp-basic.pcap")), 0);
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        int dlt, snaplen = 0;
        CU_ASSERT(read_libpcap(r.path, &got, &dlt, &snaplen));
        CU_ASSERT_EQUAL(snaplen, 64);
        CU_ASSERT_EQUAL(dlt, DLT_EN10MB);
        CU_ASSERT(frames_equal(&s, &got, 64, "snaplen=64 via libpcap"));
        read_engine(r.path, NULL, &viaeng);
        CU_ASSERT(frames_equal(&s, &viaeng, 64, "snaplen=64 via trawl"));
        for (size_t i = 0; i < got.n; i++) {
            CU_ASSERT(got.v[i].caplen <= 64);
            CU_ASSERT(got.v[i].len > 64);
        }
        CU_ASSERT_EQUAL(log_count(&r, "\n1|sink pcap|"), 0);   /* a wanted cut is no warning */
        CU_ASSERT_EQUAL(r.log[0] == '1', 0);
        LOG_HAS(&r, "; 2 cut to 64 bytes");
    }
    wfree(&r);
    frames_free(&s);
    frames_free(&got);
    frames_free(&viaeng);
}

static void test_bad_options(void)
{
    struct wrun r;
    memset(&r, 0, sizeof r);
    struct trawl_engine_options o = { .size = sizeof o, .log = on_log, .log_user = &r };
    r.e = trawl_engine_new(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.e);
    CU_ASSERT(trawl_engine_load_dir(r.e, th_plugin_dir()) > 0);
    CU_ASSERT_EQUAL(trawl_engine_start(r.e), 0);
    static const char *const none[] = { "snaplen=100", NULL };
    CU_ASSERT_PTR_NULL(trawl_engine_add_sink(r.e, "pcap", NULL, none));
    LOG_HAS(&r, "option file=PATH is required");
    CU_ASSERT_PTR_NULL(trawl_engine_add_sink(r.e, "pcap", NULL, NULL));
    static const char *const empty[] = { "file=", NULL };
    CU_ASSERT_PTR_NULL(trawl_engine_add_sink(r.e, "pcap", NULL, empty));
    static const char *const ng[] = { "file=/tmp/trawl-pcapw-never.pcapng", "format=pcapng", NULL };
    CU_ASSERT_PTR_NULL(trawl_engine_add_sink(r.e, "pcap", NULL, ng));
    LOG_HAS(&r, "pcapng writing is not supported");
    CU_ASSERT_EQUAL(access("/tmp/trawl-pcapw-never.pcapng", F_OK), -1);
    static const char *const bad_snap[][3] = {
        { "file=/tmp/trawl-pcapw-never.pcap", "snaplen=0", NULL },
        { "file=/tmp/trawl-pcapw-never.pcap", "snaplen=abc", NULL },
        { "file=/tmp/trawl-pcapw-never.pcap", "snaplen=-5", NULL },
        { "file=/tmp/trawl-pcapw-never.pcap", "snaplen=99999999999", NULL },
        { "file=/tmp/trawl-pcapw-never.pcap", "snaplen=", NULL },
    };
    for (size_t i = 0; i < sizeof bad_snap / sizeof *bad_snap; i++)
        CU_ASSERT_PTR_NULL(trawl_engine_add_sink(r.e, "pcap", NULL, bad_snap[i]));
    LOG_HAS(&r, "snaplen=abc: expected a number of bytes");
    CU_ASSERT_EQUAL(access("/tmp/trawl-pcapw-never.pcap", F_OK), -1);
    static const char *const nodir[] = { "file=/nonexistent-dir/x.pcap", NULL };
    CU_ASSERT_PTR_NULL(trawl_engine_add_sink(r.e, "pcap", NULL, nodir));
    LOG_HAS(&r, "cannot create /nonexistent-dir/x.pcap: ");
    CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
    trawl_engine_free(r.e);
}

static void test_dev_full(void)
{
    struct wrun r;
    /* Small: the failure shows when close() flushes. */
    if (wopen(&r, "/dev/full", NULL, NULL)) {
        CU_ASSERT_EQUAL(trawl_engine_read_file(r.e, cap_path("dns-udp-basic.pcap")), 0);
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), TRAWL_EIO);
        LOG_HAS(&r, "/dev/full: write failed: ");
    }
    wfree(&r);
    /* Large: the failure shows while writing; one error, the rest counted. */
    if (wopen(&r, "/dev/full", NULL, NULL)) {
        uint8_t p[1500];
        memset(p, 0xab, sizeof p);
        make_eth(p);
        for (int i = 0; i < 200; i++) {
            struct trawl_frame f = { .ts_ns = 1700000000000000000LL + i, .caplen = sizeof p,
                                     .len = sizeof p, .linktype = 1 };
            CU_ASSERT_EQUAL(trawl_engine_feed(r.e, &f, p), 0);
        }
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), TRAWL_EIO);
        CU_ASSERT_EQUAL(log_count(&r, "write failed"), 1);
        LOG_HAS(&r, "no more frames are written");
        LOG_HAS(&r, " after the error");
    }
    wfree(&r);
}

static void check_header_only(const char *path, uint32_t want_snap)
{
    uint32_t magic = 0, snap = 0, lt = 0;
    long size = 0;
    CU_ASSERT(read_header(path, &magic, &snap, &lt, &size));
    CU_ASSERT_EQUAL(size, 24);
    CU_ASSERT_EQUAL(magic, 0xa1b23c4du);
    CU_ASSERT_EQUAL(snap, want_snap);
    CU_ASSERT_EQUAL(lt, 1u);
    struct frames got = { 0 };
    int dlt = -1, snaplen;
    CU_ASSERT(read_libpcap(path, &got, &dlt, &snaplen));
    CU_ASSERT_EQUAL(got.n, 0);
    CU_ASSERT_EQUAL(dlt, DLT_EN10MB);
    frames_free(&got);
    read_engine(path, NULL, &got);
    CU_ASSERT_EQUAL(got.n, 0);
    frames_free(&got);
}

static void test_empty_inputs(void)
{
    struct wrun r;
    if (wopen(&r, NULL, NULL, NULL)) {
        CU_ASSERT_EQUAL(trawl_engine_read_file(r.e, cap_path("pcap-empty-header-only.pcap")), 0);
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        check_header_only(r.path, 262144);
        LOG_HAS(&r, "holds only a header (link type 1, ");
    }
    wfree(&r);
    /* no input at all, a snaplen given */
    static const char *const more[] = { "snaplen=1500", NULL };
    if (wopen(&r, NULL, more, NULL)) {
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        check_header_only(r.path, 1500);
    }
    wfree(&r);
}

static void test_bpf_filter(void)
{
    const char *src = cap_path("dns-icmp-mixed.pcap");
    struct frames all = { 0 }, want = { 0 }, got = { 0 };
    read_engine(src, NULL, &all);
    read_engine(src, "icmp", &want);
    CU_ASSERT(want.n > 0);
    CU_ASSERT(want.n < all.n);
    struct wrun r;
    if (wopen(&r, NULL, NULL, NULL)) {
        CU_ASSERT_EQUAL(trawl_engine_set_filter(r.e, "icmp"), 0);
        CU_ASSERT_EQUAL(trawl_engine_read_file(r.e, src), 0);
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        CU_ASSERT_EQUAL(trawl_engine_stats(r.e)->filtered_out, all.n - want.n);
        int dlt, snaplen;
        CU_ASSERT(read_libpcap(r.path, &got, &dlt, &snaplen));
        CU_ASSERT(frames_equal(&want, &got, 0, "filtered"));
    }
    wfree(&r);
    frames_free(&all);
    frames_free(&want);
    frames_free(&got);
}

/* Before 1970 and from 2106-02-07T06:28:16Z on: counted, one warning, not written. */
static void test_times_out_of_range(void)
{
    struct wrun r;
    if (wopen(&r, NULL, NULL, NULL)) {
        uint8_t p[64];
        uint32_t n = (uint32_t)make_eth(p);
        static const int64_t ts[] = {
            1000000000LL * 1700000000LL + 123456789, -1, -5000000000LL,
            4294967295LL * 1000000000LL + 999999999,   /* last second pcap holds: written */
            4294967296LL * 1000000000LL,               /* first it cannot */
            0,                                         /* the epoch itself: written */
        };
        for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
            struct trawl_frame f = { .ts_ns = ts[i], .caplen = n, .len = n + 10, .linktype = 1 };
            CU_ASSERT_EQUAL(trawl_engine_feed(r.e, &f, p), 0);
        }
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        CU_ASSERT_EQUAL(log_count(&r, "outside what pcap can store"), 1);
        LOG_HAS(&r, "frame 2: time ");
        LOG_HAS(&r, "wrote 3 frames to ");
        LOG_HAS(&r, "; 3 not written: 3 with a time pcap cannot store");
        struct frames got = { 0 };
        int dlt, snaplen;
        CU_ASSERT(read_libpcap(r.path, &got, &dlt, &snaplen));
        CU_ASSERT_EQUAL_FATAL(got.n, 3);
        CU_ASSERT_EQUAL(got.v[0].ts, ts[0]);
        CU_ASSERT_EQUAL(got.v[1].ts, ts[3]);
        CU_ASSERT_EQUAL(got.v[2].ts, 0);
        CU_ASSERT_EQUAL(got.v[0].len, n + 10);
        CU_ASSERT_EQUAL(got.v[0].caplen, n);
        frames_free(&got);
        read_engine(r.path, NULL, &got);
        CU_ASSERT_EQUAL(got.n, 3);
        if (got.n == 3) {
            CU_ASSERT_EQUAL(got.v[1].ts, ts[3]);
        }
        frames_free(&got);
    }
    wfree(&r);
    /* a shared capture whose only frame is at 2^32 s */
    if (wopen(&r, NULL, NULL, NULL)) {
        trawl_engine_read_file(r.e, cap_path("pcapng-timestamp-2106-overflow.pcapng"));
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        LOG_HAS(&r, "1 not written: 1 with a time pcap cannot store");
        uint32_t magic, snap, lt;
        long size = 0;
        CU_ASSERT(read_header(r.path, &magic, &snap, &lt, &size));
        CU_ASSERT_EQUAL(size, 24);
    }
    wfree(&r);
}

/* file=- writes to the sink's FILE (the host's stdout) and leaves it open. */
static void test_to_out(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
    struct frames s = { 0 }, got = { 0 };
    read_engine(cap_path("sll-nsec-tcp-handshake.pcap"), NULL, &s);
    struct wrun r;
    if (wopen(&r, "-", NULL, mem)) {
        CU_ASSERT_EQUAL(trawl_engine_read_file(r.e, cap_path("sll-nsec-tcp-handshake.pcap")), 0);
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        LOG_HAS(&r, "to standard output (link type 113, ");
    }
    wfree(&r);
    fclose(mem);
    CU_ASSERT(len > 24);
    FILE *in = fmemopen(buf, len, "rb");
    int dlt = -1, snaplen;
    CU_ASSERT(in && read_libpcap_fp(in, &got, &dlt, &snaplen));
    CU_ASSERT_EQUAL(dlt, DLT_LINUX_SLL);
    CU_ASSERT(frames_equal(&s, &got, 0, "file=-"));
    free(buf);
    frames_free(&s);
    frames_free(&got);
}

/* file=- into a pipe whose reader went away (trawl -w - | tshark -c 10 -r -): no error, the
 * rest not written. */
static void test_pipe_closed(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    close(fds[0]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    FILE *out = fdopen(fds[1], "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    struct wrun r;
    if (wopen(&r, "-", NULL, out)) {
        uint8_t p[1500];
        memset(p, 0xab, sizeof p);
        make_eth(p);
        for (int i = 0; i < 100; i++) {
            struct trawl_frame f = { .ts_ns = 1700000000000000000LL + i, .caplen = sizeof p,
                                     .len = sizeof p, .linktype = 1 };
            CU_ASSERT_EQUAL(trawl_engine_feed(r.e, &f, p), 0);
        }
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        CU_ASSERT_EQUAL(log_count(&r, "the reader closed the pipe; no more frames"), 1);
        LOG_HAS(&r, " after the reader closed the pipe");
        CU_ASSERT_EQUAL(log_count(&r, "\n0|"), 0);   /* no error */
        CU_ASSERT_NOT_EQUAL(r.log[0], '0');
        CU_ASSERT_EQUAL(log_count(&r, "\n1|"), 0);   /* nor a warning */
        CU_ASSERT_NOT_EQUAL(r.log[0], '1');
    }
    wfree(&r);
    fclose(out);
    signal(SIGPIPE, old);
}

/* A frame above 262144 bytes without snaplen=N: cut (readers refuse more), one warning. */
static void test_oversized(void)
{
    enum { BIG = 300000 };
    uint8_t *p = calloc(1, BIG);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    make_eth(p);
    for (size_t i = 64; i < BIG; i++)
        p[i] = (uint8_t)i;
    struct wrun r;
    if (wopen(&r, NULL, NULL, NULL)) {
        for (int i = 0; i < 2; i++) {
            struct trawl_frame f = { .ts_ns = 1700000000000000000LL, .caplen = BIG, .len = BIG,
                                     .linktype = 1 };
            CU_ASSERT_EQUAL(trawl_engine_feed(r.e, &f, p), 0);
        }
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        CU_ASSERT_EQUAL(log_count(&r, "more than pcap readers accept"), 1);
        LOG_HAS(&r, "; 2 cut to 262144 bytes");
        struct frames got = { 0 };
        int dlt, snaplen;
        CU_ASSERT(read_libpcap(r.path, &got, &dlt, &snaplen));
        CU_ASSERT_EQUAL_FATAL(got.n, 2);
        CU_ASSERT_EQUAL(got.v[0].caplen, 262144u);
        CU_ASSERT_EQUAL(got.v[0].len, (uint32_t)BIG);
        CU_ASSERT_EQUAL(memcmp(got.v[1].data, p, 262144), 0);
        frames_free(&got);
    }
    wfree(&r);
    free(p);
}

/* A link type libpcap 1.10's writer refuses: written through a stand-in, the header patched;
 * to a FILE that is not ours (file=-) it cannot be, and finish says so. */
static void test_unknown_linktype(void)
{
    uint8_t p[64];
    uint32_t n = (uint32_t)make_eth(p);
    struct trawl_frame f = { .ts_ns = 1700000000000000001LL, .caplen = n, .len = n,
                             .linktype = 299 };
    struct wrun r;
    if (wopen(&r, NULL, NULL, NULL)) {
        CU_ASSERT_EQUAL(trawl_engine_feed(r.e, &f, p), 0);
        CU_ASSERT_EQUAL(trawl_engine_feed(r.e, &f, p), 0);
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), 0);
        uint32_t magic, snap, lt = 0;
        long size;
        CU_ASSERT(read_header(r.path, &magic, &snap, &lt, &size));
        CU_ASSERT_EQUAL(lt, 299u);
        struct frames got = { 0 };
        read_engine(r.path, NULL, &got);
        CU_ASSERT_EQUAL_FATAL(got.n, 2);
        CU_ASSERT_EQUAL(got.v[0].lt, 299);
        CU_ASSERT_EQUAL(got.v[1].ts, f.ts_ns);
        CU_ASSERT_EQUAL(memcmp(got.v[1].data, p, n), 0);
        frames_free(&got);
    }
    wfree(&r);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
    if (wopen(&r, "-", NULL, mem)) {
        CU_ASSERT_EQUAL(trawl_engine_feed(r.e, &f, p), 0);
        CU_ASSERT_EQUAL(trawl_engine_finish(r.e), TRAWL_EFORMAT);
        LOG_HAS(&r, "link type 299 (");
        LOG_HAS(&r, "cannot be written by libpcap");
    }
    wfree(&r);
    fclose(mem);
    free(buf);
}

void test_pcapw_register(void)
{
    CU_pSuite s = CU_add_suite("pcapw", NULL, NULL);
    if (!s)
        return;
    CU_add_test(s, "pcap writer: dns-udp-basic round trip (libpcap and trawl read it back)",
                test_roundtrip_dns);
    CU_add_test(s, "pcap writer: ns, mixed resolutions, RAW, 2038, cut, big-endian sources",
                test_roundtrip_varied);
    CU_add_test(s, "pcap writer: every shared capture round-trips", test_roundtrip_all_captures);
    CU_add_test(s, "pcap writer: two link types: the first one's frames, the rest counted",
                test_two_linktypes);
    CU_add_test(s, "pcap writer: snaplen=N cuts", test_snaplen);
    CU_add_test(s, "pcap writer: missing file, pcapng, bad snaplen, bad path refused",
                test_bad_options);
    CU_add_test(s, "pcap writer: /dev/full fails with TRAWL_EIO", test_dev_full);
    CU_add_test(s, "pcap writer: no frames: a header-only file", test_empty_inputs);
    CU_add_test(s, "pcap writer: BPF-filtered run writes only matching frames", test_bpf_filter);
    CU_add_test(s, "pcap writer: times before 1970 / after 2106 skipped", test_times_out_of_range);
    CU_add_test(s, "pcap writer: file=- writes to the sink's FILE", test_to_out);
    CU_add_test(s, "pcap writer: file=- into a closed pipe: no error", test_pipe_closed);
    CU_add_test(s, "pcap writer: frames above 262144 bytes cut", test_oversized);
    CU_add_test(s, "pcap writer: link type unknown to libpcap's writer", test_unknown_linktype);
}
