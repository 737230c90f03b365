/* test_capture.c — CUnit suite for the native pcap/pcapng readers (framework/input/capture.h).
 *
 * Two halves: every capture of the shared corpus against tshark's tables (oracle/), and edge
 * cases built here in memory (pcap: draft-ietf-opsawg-pcap; pcapng: draft-ietf-opsawg-pcapng). */
#include <CUnit/CUnit.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../framework/input/capture.h"

void test_capture_register(void);

/* CU_ASSERT with a formatted message (CUnit copies the text). */
#define CHECKF(cond, ...) checkf(!!(cond), __LINE__, #cond, __VA_ARGS__)

static void checkf(int ok, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void checkf(int ok, int line, const char *cond, const char *fmt, ...)
{
    char msg[1024];
    if (!ok) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, ok ? cond : msg, __FILE__,
                            "", CU_FALSE);
}

/* ---------------------------------------------------------------- byte-buffer builder */

struct bb {
    uint8_t *p;
    size_t n, cap;
    int be;               /* byte order of the multi-byte puts */
};

static void put(struct bb *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + n)
            nc *= 2;
        b->p = realloc(b->p, nc);
        if (!b->p)
            abort();
        b->cap = nc;
    }
    if (n && d)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put8(struct bb *b, uint8_t v) { put(b, &v, 1); }

static void put16(struct bb *b, uint16_t v)
{
    uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    if (b->be) { x[0] = (uint8_t)(v >> 8); x[1] = (uint8_t)v; }
    put(b, x, 2);
}

static void set32(struct bb *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->p[at + (size_t)i] = (uint8_t)(v >> (b->be ? 24 - 8 * i : 8 * i));
}

static void put32(struct bb *b, uint32_t v)
{
    uint8_t x[4] = { 0 };
    put(b, x, 4);
    set32(b, b->n - 4, v);
}

static void put64(struct bb *b, uint64_t v)
{
    if (b->be) { put32(b, (uint32_t)(v >> 32)); put32(b, (uint32_t)v); }
    else       { put32(b, (uint32_t)v); put32(b, (uint32_t)(v >> 32)); }
}

static void pad4(struct bb *b)
{
    while (b->n % 4)
        put8(b, 0);
}

/* Packet bytes with a recognisable pattern: byte i of packet k is (k * 7 + i) & 0xff. */
static void put_pattern(struct bb *b, unsigned k, size_t n)
{
    put(b, NULL, n);
    for (size_t i = 0; i < n; i++)
        b->p[b->n - n + i] = (uint8_t)(k * 7 + i);
}

static int is_pattern(const uint8_t *d, unsigned k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (d[i] != (uint8_t)(k * 7 + i))
            return 0;
    return 1;
}

/* classic pcap */
static void pcap_hdr(struct bb *b, uint32_t magic, uint16_t vmin, uint32_t snaplen, uint32_t net)
{
    put32(b, magic);
    put16(b, 2);
    put16(b, vmin);
    put32(b, 0);
    put32(b, 0);
    put32(b, snaplen);
    put32(b, net);
}

static void pcap_rec(struct bb *b, uint32_t sec, uint32_t frac, uint32_t incl, uint32_t orig,
                     unsigned k)
{
    put32(b, sec);
    put32(b, frac);
    put32(b, incl);
    put32(b, orig);
    put_pattern(b, k, incl);
}

/* pcapng: ng_begin writes type and a length to patch; ng_end pads and writes both lengths. */
static size_t ng_begin(struct bb *b, uint32_t type)
{
    size_t at = b->n;
    put32(b, type);
    put32(b, 0);
    return at;
}

static void ng_end(struct bb *b, size_t at)
{
    pad4(b);
    uint32_t len = (uint32_t)(b->n - at + 4);
    put32(b, len);
    set32(b, at + 4, len);
}

static void ng_opt(struct bb *b, uint16_t code, const void *v, uint16_t len)
{
    put16(b, code);
    put16(b, len);
    put(b, v, len);
    pad4(b);
}

static void ng_optend(struct bb *b) { put32(b, 0); }

static void ng_shb(struct bb *b, const char *comment)
{
    size_t at = ng_begin(b, 0x0A0D0D0A);
    put32(b, 0x1A2B3C4D);
    put16(b, 1);
    put16(b, 0);
    put64(b, UINT64_MAX);
    if (comment) {
        ng_opt(b, 1, comment, (uint16_t)strlen(comment));
        ng_optend(b);
    }
    ng_end(b, at);
}

/* tsresol < 0: no option; has_off: add if_tsoffset. */
static void ng_idb(struct bb *b, uint16_t linktype, uint32_t snaplen, int tsresol,
                   int has_off, int64_t tsoffset)
{
    size_t at = ng_begin(b, 1);
    put16(b, linktype);
    put16(b, 0);
    put32(b, snaplen);
    ng_opt(b, 2, "eth0", 4);
    if (tsresol >= 0) {
        uint8_t v = (uint8_t)tsresol;
        ng_opt(b, 9, &v, 1);
    }
    if (has_off) {
        struct bb t = { .be = b->be };
        put64(&t, (uint64_t)tsoffset);
        ng_opt(b, 14, t.p, 8);
        free(t.p);
    }
    ng_optend(b);
    ng_end(b, at);
}

static void ng_epb(struct bb *b, uint32_t ifid, uint64_t ts, uint32_t caplen, uint32_t len,
                   unsigned k, const char *comment)
{
    size_t at = ng_begin(b, 6);
    put32(b, ifid);
    put32(b, (uint32_t)(ts >> 32));
    put32(b, (uint32_t)ts);
    put32(b, caplen);
    put32(b, len);
    put_pattern(b, k, caplen);
    pad4(b);
    if (comment) {
        ng_opt(b, 1, comment, (uint16_t)strlen(comment));
        ng_opt(b, 1, "second comment", 14);
        ng_optend(b);
    }
    ng_end(b, at);
}

static void ng_spb(struct bb *b, uint32_t len, uint32_t stored, unsigned k)
{
    size_t at = ng_begin(b, 3);
    put32(b, len);
    put_pattern(b, k, stored);
    ng_end(b, at);
}

static void ng_pb(struct bb *b, uint16_t ifid, uint64_t ts, uint32_t caplen, uint32_t len,
                  unsigned k, const char *comment)
{
    size_t at = ng_begin(b, 2);
    put16(b, ifid);
    put16(b, 0);
    put32(b, (uint32_t)(ts >> 32));
    put32(b, (uint32_t)ts);
    put32(b, caplen);
    put32(b, len);
    put_pattern(b, k, caplen);
    pad4(b);
    if (comment) {
        ng_opt(b, 1, comment, (uint16_t)strlen(comment));
        ng_optend(b);
    }
    ng_end(b, at);
}

static void ng_raw_block(struct bb *b, uint32_t type, const void *body, size_t n)
{
    size_t at = ng_begin(b, type);
    put(b, body, n);
    ng_end(b, at);
}

/* --------------------------------------------------------------------- temp files */

static const char *tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

/* Writes n bytes to a new temporary file; its name goes to path (to unlink). */
static void write_tmp(const void *d, size_t n, char path[256])
{
    snprintf(path, 256, "%s/trawl-captest-XXXXXX", tmpdir());
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    const uint8_t *p = d;
    while (n) {
        ssize_t w = write(fd, p, n);
        CU_ASSERT_FATAL(w > 0);
        p += w;
        n -= (size_t)w;
    }
    close(fd);
}

static struct cap_reader *open_bb(const struct bb *b, char path[256], char *err, size_t errlen)
{
    write_tmp(b->p, b->n, path);
    return cap_open(path, err, errlen);
}

/* Reads every packet; returns how many; *rc gets the final cap_next result. */
static unsigned drain(struct cap_reader *r, int *rc)
{
    struct cap_packet p;
    unsigned n = 0;
    while ((*rc = cap_next(r, &p)) == 1)
        n++;
    return n;
}

/* ----------------------------------------------------------------- corpus vs tshark */

static char *captures_dir(void)
{
    static char dir[1024];
    const char *e = getenv("TRAWL_CAPTURES");
    snprintf(dir, sizeof dir, "%s", e && *e ? e : "../shared/captures");
    return dir;
}

/* Splits a line at tabs in place; returns the field count (at most max). */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        f[n++] = line;
        char *t = strchr(line, '\t');
        if (!t)
            break;
        *t = '\0';
        line = t + 1;
    }
    return n;
}

/* tshark's frame.time_epoch text to ns. tshark keeps (secs, nsecs) with nsecs the file's
 * 32-bit fraction as a signed int and prints "secs.%09d", or "-secs.|nsecs|" when nsecs < 0
 * (display_epoch_time), so damaged fractions (>= 1e9) print with more than 9 digits. The
 * reader adds the fraction as the unsigned field it is: recover that 32-bit field. */
static int tshark_time(const char *s, int64_t *ns)
{
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    char *end;
    errno = 0;
    long long sec = strtoll(s, &end, 10);
    if (errno || *end != '.')
        return -1;
    const char *fs = end + 1;
    long long frac = strtoll(fs, &end, 10);
    if (errno || *end || end == fs)
        return -1;
    size_t digits = (size_t)(end - fs);
    if (!neg && digits == 9) {
        *ns = sec * 1000000000LL + frac;
        return 0;
    }
    uint32_t field = (uint32_t)(neg ? -frac : frac);
    *ns = sec * 1000000000LL + (int64_t)field;
    return 0;
}

/* tshark prints tabs, newlines and carriage returns in a field as \t \n \r; newer versions
 * also double backslashes. Either form is accepted. */
static int comment_matches(const char *want, const char *got, uint32_t got_len)
{
    char plain[4 * 65536 + 1], dbl[4 * 65536 + 1];
    size_t a = 0, d = 0;
    for (uint32_t i = 0; got && i < got_len; i++) {
        char c = got[i];
        const char *e = c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : NULL;
        if (e) {
            memcpy(plain + a, e, 2); a += 2;
            memcpy(dbl + d, e, 2); d += 2;
        } else {
            plain[a++] = c;
            dbl[d++] = c;
            if (c == '\\')
                dbl[d++] = c;
        }
    }
    plain[a] = dbl[d] = '\0';
    /* tshark joins several comments with ','; the reader gives the first. */
    size_t wl = strlen(want);
    return (wl == a && !strcmp(want, plain)) || (wl == d && !strcmp(want, dbl))
           || (a && wl > a && !strncmp(want, plain, a) && want[a] == ',')
           || (d && wl > d && !strncmp(want, dbl, d) && want[d] == ',');
}

struct oracle_cols { int num, time, len, caplen, ifid, comment; };

/* Compares one capture with its oracle table (if any) and its tshark frame count. */
static void check_capture(const char *dir, const char *name, int tshark_rc, unsigned frames)
{
    char path[2048], opath[2048], err[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(opath, sizeof opath, "%s/oracle/%s.tsv", dir, name);
    struct cap_reader *r = cap_open(path, err, sizeof err);
    CHECKF(r != NULL, "%s: cap_open failed: %s", name, err);
    if (!r)
        return;
    FILE *o = fopen(opath, "r");
    size_t lcap = 1 << 16;
    char *line = malloc(lcap);
    char *f[256];
    struct oracle_cols c = { -1, -1, -1, -1, -1, -1 };
    if (o && getline(&line, &lcap, o) > 0) {
        int nf = split_tabs(line, f, 256);
        for (int i = 0; i < nf; i++) {
            if (!strcmp(f[i], "frame.number")) c.num = i;
            else if (!strcmp(f[i], "frame.time_epoch")) c.time = i;
            else if (!strcmp(f[i], "frame.len")) c.len = i;
            else if (!strcmp(f[i], "frame.cap_len")) c.caplen = i;
            else if (!strcmp(f[i], "frame.interface_id")) c.ifid = i;
            else if (!strcmp(f[i], "frame.comment")) c.comment = i;
        }
    }
    struct cap_packet p;
    unsigned n = 0, bad = 0;
    int rc;
    while ((rc = cap_next(r, &p)) == 1) {
        n++;
        if (!o || getline(&line, &lcap, o) <= 0)
            continue;
        int nf = split_tabs(line, f, 256);
#define COL(x) ((x) >= 0 && (x) < nf ? f[x] : "")
        int64_t want_ts = 0;
        int ok_ts = tshark_time(COL(c.time), &want_ts) == 0 && want_ts == p.ts_ns;
        unsigned long long wl = strtoull(COL(c.len), NULL, 10);
        unsigned long long wc = strtoull(COL(c.caplen), NULL, 10);
        unsigned long long wi = strtoull(COL(c.ifid), NULL, 10);  /* empty (pcap) = 0 */
        int ok = ok_ts && wl == p.len && wc == p.caplen && wi == p.interface_id
                 && strtoul(COL(c.num), NULL, 10) == n
                 && comment_matches(COL(c.comment), p.comment, p.comment_len);
        if (!ok && bad++ < 3)
            CHECKF(ok, "%s frame %u: tshark time %s len %llu caplen %llu if %llu comment '%s'; "
                   "reader ts_ns %" PRId64 " len %u caplen %u if %u comment '%s'",
                   name, n, COL(c.time), wl, wc, wi, COL(c.comment), p.ts_ns, p.len,
                   p.caplen, p.interface_id, p.comment ? p.comment : "");
#undef COL
        CU_ASSERT(p.data != NULL || p.caplen == 0);
    }
    CHECKF(n == frames, "%s: %u packets read, tshark read %u", name, n, frames);
    if (tshark_rc == 0) {
        CHECKF(rc == 0, "%s: clean file ended with an error: %s", name, cap_error(r));
    } else {
        struct stat st;
        CHECKF(rc == -1, "%s: damaged file ended without an error", name);
        CHECKF(strstr(cap_error(r), name) && strstr(cap_error(r), "offset "),
               "%s: error does not name the file and an offset: %s", name, cap_error(r));
        CHECKF(stat(path, &st) == 0 && cap_error_offset(r) > 0
               && cap_error_offset(r) < (uint64_t)st.st_size,
               "%s: error offset %" PRIu64 " not inside the file", name, cap_error_offset(r));
    }
    free(line);
    if (o)
        fclose(o);
    cap_close(r);
}

static void test_corpus_vs_tshark(void)
{
    const char *dir = captures_dir();
    char path[2048];
    snprintf(path, sizeof path, "%s/oracle/tshark-rc.tsv", dir);
    FILE *rcf = fopen(path, "r");
    CHECKF(rcf != NULL, "cannot open %s (set TRAWL_CAPTURES to the captures folder): %s",
           path, strerror(errno));
    if (!rcf)
        return;
    char *line = NULL;
    size_t lcap = 0;
    unsigned checked = 0;
    int first = 1;
    while (getline(&line, &lcap, rcf) > 0) {
        char *f[8];
        int nf = split_tabs(line, f, 8);
        if (first) {
            first = 0;
            CHECKF(nf >= 3 && !strcmp(f[0], "capture") && !strcmp(f[2], "frames"),
                   "unexpected header in tshark-rc.tsv");
            continue;
        }
        if (nf < 3 || !*f[0])
            continue;
        check_capture(dir, f[0], atoi(f[1]), (unsigned)strtoul(f[2], NULL, 10));
        checked++;
    }
    free(line);
    fclose(rcf);
    CHECKF(checked >= 100, "only %u captures listed in tshark-rc.tsv", checked);
}

/* -------------------------------------------------------------- classic pcap cases */

static void test_pcap_orders_and_resolutions(void)
{
    static const struct { uint32_t magic; int be, nsec; } v[] = {
        { 0xa1b2c3d4, 0, 0 }, { 0xa1b2c3d4, 1, 0 }, { 0xa1b23c4d, 0, 1 }, { 0xa1b23c4d, 1, 1 },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct bb b = { .be = v[i].be };
        /* FCS bits set (2 words = 4 bytes) above the Ethernet link type. */
        pcap_hdr(&b, v[i].magic, 4, 65535, 0x24000001u);
        uint32_t frac = v[i].nsec ? 123456789 : 123456;
        pcap_rec(&b, 1700000000, frac, 60, 60, 1);
        pcap_rec(&b, 0xFFFFFFFFu, v[i].nsec ? 999999999 : 999999, 0, 0, 2);  /* 2106, empty */
        pcap_rec(&b, 2145916800, 0, 40, 30, 3);                               /* caplen > len */
        char path[256], err[600];
        struct cap_reader *r = open_bb(&b, path, err, sizeof err);
        CHECKF(r != NULL, "open: %s", err);
        if (r) {
            CU_ASSERT_EQUAL(cap_format(r), CAP_FMT_PCAP);
            CU_ASSERT_EQUAL(cap_linktype(r), 1);
            CU_ASSERT_EQUAL(cap_snaplen(r), 65535);
            CU_ASSERT_EQUAL(cap_ts_precision(r), v[i].nsec ? 9u : 6u);
            struct cap_packet p;
            CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
            CU_ASSERT_EQUAL(p.ts_ns, 1700000000LL * 1000000000 + (v[i].nsec ? 123456789 : 123456000));
            CU_ASSERT_EQUAL(p.caplen, 60);
            CU_ASSERT_EQUAL(p.len, 60);
            CU_ASSERT_EQUAL(p.linktype, 1);
            CU_ASSERT_EQUAL(p.fcs_len, 4);
            CU_ASSERT_EQUAL(p.interface_id, 0);
            CU_ASSERT_PTR_NULL(p.comment);
            CU_ASSERT_EQUAL(p.offset, 24);
            CU_ASSERT(is_pattern(p.data, 1, 60));
            CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
            CU_ASSERT_EQUAL(p.ts_ns, 4294967295LL * 1000000000 + 999999999 - (v[i].nsec ? 0 : 999));
            CU_ASSERT_EQUAL(p.caplen, 0);
            CU_ASSERT_EQUAL(p.offset, 24 + 16 + 60);
            CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
            CU_ASSERT_EQUAL(p.ts_ns, 2145916800LL * 1000000000);
            CU_ASSERT_EQUAL(p.caplen, 40);
            CU_ASSERT_EQUAL(p.len, 30);
            CU_ASSERT(is_pattern(p.data, 3, 40));
            CU_ASSERT_EQUAL(cap_next(r, &p), 0);
            CU_ASSERT_EQUAL(cap_next(r, &p), 0);
            CU_ASSERT_EQUAL(cap_packets(r), 3);
            cap_close(r);
        }
        unlink(path);
        free(b.p);
    }
}

static void test_pcap_out_of_range_fraction(void)
{
    struct bb b = { 0 };
    pcap_hdr(&b, 0xa1b23c4d, 4, 65535, 1);
    pcap_rec(&b, 100, 1000000000u, 10, 10, 1);     /* = 101 s, as tshark counts it */
    pcap_rec(&b, 100, 0x80000000u, 10, 10, 2);
    struct bb u = { 0 };
    pcap_hdr(&u, 0xa1b2c3d4, 4, 65535, 1);
    pcap_rec(&u, 100, 1500000, 10, 10, 1);          /* 1.5 s of microseconds */
    char path[256], err[600];
    struct cap_packet p;
    struct cap_reader *r = open_bb(&b, path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ts_ns, 101000000000LL);
    CU_ASSERT_EQUAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ts_ns, 100000000000LL + 2147483648LL);
    CU_ASSERT_EQUAL(cap_next(r, &p), 0);
    cap_close(r);
    unlink(path);
    r = open_bb(&u, path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ts_ns, 101500000000LL);
    cap_close(r);
    unlink(path);
    free(b.p);
    free(u.p);
}

/* Before version 2.3 incl_len and orig_len came in the other order. */
static void test_pcap_old_version_swapped_lengths(void)
{
    struct bb b = { 0 };
    pcap_hdr(&b, 0xa1b2c3d4, 2, 65535, 1);
    put32(&b, 1); put32(&b, 0); put32(&b, 1500); put32(&b, 20);   /* orig, incl */
    put_pattern(&b, 0, 20);
    char path[256], err[600];
    struct cap_packet p;
    struct cap_reader *r = open_bb(&b, path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.caplen, 20);
    CU_ASSERT_EQUAL(p.len, 1500);
    CU_ASSERT_EQUAL(cap_next(r, &p), 0);
    cap_close(r);
    unlink(path);
    free(b.p);
}

/* Kuznetsov's patched libpcap: 8 more bytes (ifindex, protocol, type, pad) per record. */
static void test_pcap_kuznetsov(void)
{
    for (int be = 0; be < 2; be++) {
        struct bb b = { .be = be };
        pcap_hdr(&b, 0xa1b2cd34, 4, 65535, 1);
        for (unsigned k = 1; k <= 2; k++) {
            put32(&b, 10 * k); put32(&b, 5); put32(&b, 20 + k); put32(&b, 20 + k);
            put32(&b, 2); put16(&b, 0x0800); put8(&b, 0); put8(&b, 0);
            put_pattern(&b, k, 20 + k);
        }
        char path[256], err[600];
        struct cap_reader *r = open_bb(&b, path, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        struct cap_packet p;
        for (unsigned k = 1; k <= 2; k++) {
            CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
            CU_ASSERT_EQUAL(p.ts_ns, 10000000000LL * k + 5000);
            CU_ASSERT_EQUAL(p.caplen, 20 + k);
            CU_ASSERT(is_pattern(p.data, k, 20 + k));
        }
        CU_ASSERT_EQUAL(cap_next(r, &p), 0);
        cap_close(r);
        unlink(path);
        free(b.p);
    }
}

static void expect_error(struct cap_reader *r, unsigned packets, uint64_t off, const char *path,
                         const char *needle, const char *needle2)
{
    int rc;
    unsigned n = drain(r, &rc);
    char e[600], offs[48];
    /* A copy: gcc's -fsanitize=undefined otherwise "sees" a null pointer in the messages. */
    snprintf(e, sizeof e, "%s", cap_error(r));
    snprintf(offs, sizeof offs, "offset %" PRIu64 ":", off);
    CHECKF(n == packets, "%u packets before the error, expected %u (%s)", n, packets, e);
    CHECKF(rc == -1, "ended with %d, expected -1", rc);
    CHECKF(cap_error_offset(r) == off, "error offset %" PRIu64 ", expected %" PRIu64 " (%s)",
           cap_error_offset(r), off, e);
    CHECKF(strncmp(e, path, strlen(path)) == 0, "error does not start with the file name: %s", e);
    CHECKF(strstr(e, offs) != NULL, "error does not say '%s': %s", offs, e);
    CHECKF(strstr(e, needle) != NULL, "error lacks '%s': %s", needle, e);
    CHECKF(!needle2 || strstr(e, needle2) != NULL, "error lacks '%s': %s", needle2, e);
    CHECKF(strstr(e, "expected") && strstr(e, "found"), "error lacks expected/found: %s", e);
    struct cap_packet p;
    CU_ASSERT_EQUAL(cap_next(r, &p), -1);       /* the error stays */
}

static void test_pcap_caplen_too_big(void)
{
    struct bb b = { 0 };
    pcap_hdr(&b, 0xa1b2c3d4, 4, 65535, 1);
    pcap_rec(&b, 1, 0, 100, 100, 1);
    pcap_rec(&b, 2, 0, 100, 100, 2);
    size_t bad = b.n;
    put32(&b, 3); put32(&b, 0); put32(&b, 4325376); put32(&b, 4325376);
    put_pattern(&b, 0, 1000);
    char path[256], err[600];
    struct cap_reader *r = open_bb(&b, path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    expect_error(r, 2, bad, path, "4325376", "262144");
    cap_close(r);
    unlink(path);
    free(b.p);

    /* A snaplen above 256 KiB raises the limit to it. */
    struct bb big = { .be = 1 };
    pcap_hdr(&big, 0xa1b2c3d4, 4, 3u << 20, 1);
    pcap_rec(&big, 1, 0, 3u << 20, 3u << 20, 5);
    pcap_rec(&big, 2, 0, 10, 10, 6);
    r = open_bb(&big, path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct cap_packet p;
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.caplen, 3u << 20);
    CU_ASSERT(is_pattern(p.data, 5, 3u << 20));
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
    CU_ASSERT(is_pattern(p.data, 6, 10));
    CU_ASSERT_EQUAL(cap_next(r, &p), 0);
    cap_close(r);
    unlink(path);
    free(big.p);
}

static void test_pcap_cut_short(void)
{
    struct bb b = { 0 };
    pcap_hdr(&b, 0xa1b23c4d, 4, 65535, 1);
    pcap_rec(&b, 1, 0, 100, 100, 1);
    size_t second = b.n;
    pcap_rec(&b, 2, 0, 100, 100, 2);
    char path[256], err[600];
    /* in the middle of the second record's data */
    write_tmp(b.p, b.n - 30, path);
    struct cap_reader *r = cap_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    expect_error(r, 1, second, path, "cut short", "found 86");
    cap_close(r);
    unlink(path);
    /* in the middle of the second record's header */
    write_tmp(b.p, second + 5, path);
    r = cap_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    expect_error(r, 1, second, path, "cut short", "found 5");
    cap_close(r);
    unlink(path);
    /* header only: no packets, clean end */
    write_tmp(b.p, 24, path);
    r = cap_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    int rc;
    CU_ASSERT_EQUAL(drain(r, &rc), 0);
    CU_ASSERT_EQUAL(rc, 0);
    cap_close(r);
    unlink(path);
    free(b.p);
}

/* ------------------------------------------------------------------- pcapng cases */

static void test_pcapng_sections_and_interfaces(void)
{
    struct bb b = { 0 };
    /* Section 1, little-endian: Ethernet at 10^-6 (explicit), raw IP at 10^-9 with an offset. */
    ng_shb(&b, "section comment, not a packet comment");
    ng_idb(&b, 1, 65535, 6, 0, 0);
    ng_raw_block(&b, 4, "\0\0\0\0", 4);                 /* NRB (empty), skipped */
    ng_idb(&b, 101, 0, 9, 1, -100);
    ng_epb(&b, 0, 1700000000123456ULL, 60, 60, 1, NULL);
    ng_epb(&b, 1, 1700000000123456789ULL, 61, 1000, 2, "hello\tcomment");
    ng_raw_block(&b, 0x12345678, "unknown", 7);         /* unknown type, skipped */
    ng_raw_block(&b, 0x80000001, "local", 5);           /* local use, skipped */
    ng_spb(&b, 70, 70, 3);
    ng_pb(&b, 1, 5000000000ULL, 20, 20, 4, "obsolete");
    ng_epb(&b, 0, 0, 0, 0, 5, NULL);                    /* zero-length packet at time 0 */
    ng_raw_block(&b, 5, "\0\0\0\0\0\0\0\0\0\0\0\0", 12); /* ISB, skipped */
    /* Section 2, big-endian: interfaces start again; 2^-20 s units, +1000 s; then 10^-12. */
    b.be = 1;
    ng_shb(&b, NULL);
    ng_idb(&b, 113, 262144, 0x80 | 20, 1, 1000);
    ng_idb(&b, 1, 0, 12, 0, 0);
    size_t epb2 = b.n;
    ng_epb(&b, 0, (5ULL << 20) + (1ULL << 19), 30, 30, 6, NULL);
    ng_epb(&b, 1, 12345678901234567ULL, 31, 31, 7, NULL);
    ng_epb(&b, 0, 3, 32, 32, 8, "");

    char path[256], err[600];
    struct cap_reader *r = open_bb(&b, path, err, sizeof err);
    CHECKF(r != NULL, "open: %s", err);
    if (!r)
        return;
    CU_ASSERT_EQUAL(cap_format(r), CAP_FMT_PCAPNG);
    CU_ASSERT_EQUAL(cap_linktype(r), 1);        /* known at open: IDBs come first */
    CU_ASSERT_EQUAL(cap_snaplen(r), 65535);
    struct cap_packet p;
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ts_ns, 1700000000123456000LL);
    CU_ASSERT_EQUAL(p.linktype, 1);
    CU_ASSERT_EQUAL(p.interface_id, 0);
    CU_ASSERT_EQUAL(p.caplen, 60);
    CU_ASSERT_PTR_NULL(p.comment);              /* the SHB comment is not the packet's */
    CU_ASSERT(is_pattern(p.data, 1, 60));
    CU_ASSERT_EQUAL(p.flags, 0);
    CU_ASSERT_EQUAL(cap_ts_precision(r), 9);    /* interface 1 counts nanoseconds */
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ts_ns, 1700000000123456789LL - 100000000000LL);
    CU_ASSERT_EQUAL(p.linktype, 101);
    CU_ASSERT_EQUAL(p.interface_id, 1);
    CU_ASSERT_EQUAL(p.caplen, 61);
    CU_ASSERT_EQUAL(p.len, 1000);
    CU_ASSERT(is_pattern(p.data, 2, 61));
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.comment);
    CU_ASSERT_STRING_EQUAL(p.comment, "hello\tcomment");
    CU_ASSERT_EQUAL(p.comment_len, 13);
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);  /* SPB: interface 0, no time stamp */
    CU_ASSERT_EQUAL(p.interface_id, 0);
    CU_ASSERT_EQUAL(p.linktype, 1);
    CU_ASSERT_EQUAL(p.caplen, 70);
    CU_ASSERT_EQUAL(p.len, 70);
    CU_ASSERT_EQUAL(p.flags, CAP_PKT_NO_TS);
    CU_ASSERT_PTR_NULL(p.comment);
    CU_ASSERT(is_pattern(p.data, 3, 70));
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);  /* obsolete PB on interface 1 */
    CU_ASSERT_EQUAL(p.interface_id, 1);
    CU_ASSERT_EQUAL(p.linktype, 101);
    CU_ASSERT_EQUAL(p.ts_ns, 5000000000LL - 100000000000LL);
    CU_ASSERT_PTR_NOT_NULL(p.comment);
    if (p.comment)
        CU_ASSERT_STRING_EQUAL(p.comment, "obsolete");
    CU_ASSERT(is_pattern(p.data, 4, 20));
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);  /* zero-length */
    CU_ASSERT_EQUAL(p.caplen, 0);
    CU_ASSERT_EQUAL(p.len, 0);
    CU_ASSERT_EQUAL(p.ts_ns, 0);
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);  /* section 2, interface 0 is the new one */
    CU_ASSERT_EQUAL(p.offset, epb2);
    CU_ASSERT_EQUAL(p.linktype, 113);
    CU_ASSERT_EQUAL(p.interface_id, 0);
    CU_ASSERT_EQUAL(p.ts_ns, 1005500000000LL);
    CU_ASSERT(is_pattern(p.data, 6, 30));
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);  /* 10^-12: picoseconds divided down */
    CU_ASSERT_EQUAL(p.linktype, 1);
    CU_ASSERT_EQUAL(p.interface_id, 1);
    CU_ASSERT_EQUAL(p.ts_ns, 12345678901234LL);
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);  /* 3 * 2^-20 s = 2861.02 ns, +1000 s */
    CU_ASSERT_EQUAL(p.ts_ns, 1000000000000LL + 2861);
    CU_ASSERT_PTR_NOT_NULL(p.comment);          /* an empty comment is still a comment */
    CU_ASSERT_EQUAL(p.comment_len, 0);
    CU_ASSERT_EQUAL(cap_next(r, &p), 0);
    CU_ASSERT_EQUAL(cap_linktype(r), 1);        /* the file's first interface */
    cap_close(r);
    unlink(path);
    free(b.p);
}

/* 64-bit counts at coarse resolutions exceed int64 ns: saturate, never wrap. */
static void test_pcapng_timestamp_limits(void)
{
    struct bb b = { 0 };
    ng_shb(&b, NULL);
    ng_idb(&b, 1, 0, 0, 0, 0);                          /* 10^0: seconds */
    ng_idb(&b, 1, 0, 0x80 | 63, 0, 0);                  /* 2^-63 */
    ng_idb(&b, 1, 0, 19, 1, -2000000000);               /* 10^-19, far negative offset */
    ng_epb(&b, 0, 4294967296ULL, 1, 1, 1, NULL);        /* 2106 */
    ng_epb(&b, 0, 1ULL << 62, 1, 1, 1, NULL);           /* beyond 2262 */
    ng_epb(&b, 1, UINT64_MAX, 1, 1, 1, NULL);           /* 1.99999... s */
    ng_epb(&b, 2, UINT64_MAX, 1, 1, 1, NULL);           /* 1.8446744073 s - 2e9 s */
    char path[256], err[600];
    struct cap_reader *r = open_bb(&b, path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct cap_packet p;
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ts_ns, 4294967296LL * 1000000000);
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ts_ns, INT64_MAX);
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ts_ns, 1999999999LL);
    CU_ASSERT_EQUAL_FATAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(p.ts_ns, 1844674407LL - 2000000000LL * 1000000000);
    CU_ASSERT_EQUAL(cap_next(r, &p), 0);
    cap_close(r);
    unlink(path);
    free(b.p);
}

struct secrets_seen { unsigned n; uint32_t type; char data[64]; };

static void on_secrets(void *ctx, uint32_t type, const uint8_t *d, uint32_t len, uint64_t off)
{
    struct secrets_seen *s = ctx;
    s->n++;
    s->type = type;
    snprintf(s->data, sizeof s->data, "%.*s", (int)len, (const char *)d);
    (void)off;
}

static void test_pcapng_secrets_block(void)
{
    struct bb b = { 0 };
    ng_shb(&b, NULL);
    size_t at = ng_begin(&b, 0x0A);
    put32(&b, 0x544c534b);                              /* TLS key log */
    put32(&b, 9);
    put(&b, "CLIENT_R\n", 9);
    ng_end(&b, at);
    ng_idb(&b, 228, 0, -1, 0, 0);
    ng_epb(&b, 0, 1, 4, 4, 1, NULL);
    char path[256], err[600];
    struct cap_reader *r = open_bb(&b, path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct secrets_seen s = { 0 };
    cap_on_secrets(r, on_secrets, &s);
    CU_ASSERT_EQUAL(s.n, 0);
    struct cap_packet p;
    CU_ASSERT_EQUAL(cap_next(r, &p), 1);
    CU_ASSERT_EQUAL(s.n, 1);
    CU_ASSERT_EQUAL(s.type, 0x544c534b);
    CU_ASSERT_STRING_EQUAL(s.data, "CLIENT_R\n");
    CU_ASSERT_EQUAL(p.linktype, 228);
    CU_ASSERT_EQUAL(cap_ts_precision(r), 6);
    CU_ASSERT_EQUAL(cap_next(r, &p), 0);
    cap_close(r);
    unlink(path);
    free(b.p);
}

/* A small valid prefix: SHB, IDB, two EPBs. Returns the offset where the next block goes. */
static size_t ng_prefix(struct bb *b)
{
    ng_shb(b, NULL);
    ng_idb(b, 1, 0, -1, 0, 0);
    ng_epb(b, 0, 1, 10, 10, 1, NULL);
    ng_epb(b, 0, 2, 10, 10, 2, NULL);
    return b->n;
}

static void run_damaged(struct bb *b, unsigned packets, uint64_t off, const char *n1, const char *n2)
{
    char path[256], err[600];
    struct cap_reader *r = open_bb(b, path, err, sizeof err);
    CHECKF(r != NULL, "open: %s", err);
    if (r) {
        expect_error(r, packets, off, path, n1, n2);
        cap_close(r);
    }
    unlink(path);
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

static void test_pcapng_damaged(void)
{
    struct bb b = { 0 };
    size_t at;

    /* block length not a multiple of 4 */
    at = ng_prefix(&b);
    put32(&b, 6); put32(&b, 33); put_pattern(&b, 0, 25);
    run_damaged(&b, 2, at, "multiple of 4", "found 33");

    /* block length below 12 */
    at = ng_prefix(&b);
    put32(&b, 6); put32(&b, 8); put32(&b, 8);
    run_damaged(&b, 2, at, "too small", "found 8");

    /* trailer differs from the header */
    at = ng_prefix(&b);
    ng_epb(&b, 0, 3, 10, 10, 3, NULL);
    set32(&b, b.n - 4, 48);                         /* the block is 44 bytes */
    run_damaged(&b, 2, at, "length at the end", "expected 44, found 48");

    /* EPB caplen larger than its block */
    at = ng_prefix(&b);
    ng_epb(&b, 0, 3, 10, 10, 3, NULL);
    set32(&b, at + 20, 4000);
    run_damaged(&b, 2, at, "does not fit", "found 4000");

    /* EPB on an interface the section does not have */
    at = ng_prefix(&b);
    ng_epb(&b, 7, 3, 10, 10, 3, NULL);
    run_damaged(&b, 2, at, "interface 7", "found 7");

    /* SPB before any interface */
    ng_shb(&b, NULL);
    ng_spb(&b, 10, 10, 1);
    run_damaged(&b, 0, 28, "interface 0", "found none");

    /* SPB whose block cannot hold what the snaplen let through */
    at = ng_prefix(&b);
    ng_spb(&b, 200, 60, 3);
    run_damaged(&b, 2, at, "does not fit", "found 200");

    /* interface ids are per section: id 0 after a second SHB without an IDB */
    at = ng_prefix(&b);
    ng_shb(&b, NULL);
    size_t at2 = b.n;
    ng_epb(&b, 0, 3, 10, 10, 3, NULL);
    run_damaged(&b, 2, at2, "interface 0", "found none");

    /* EPB caplen above the 256 KiB maximum (snaplen 0 = unlimited) */
    at = ng_prefix(&b);
    ng_epb(&b, 0, 3, 300000, 300000, 3, NULL);
    run_damaged(&b, 2, at, "262144", "300000");

    /* option running past its block */
    at = ng_prefix(&b);
    {
        size_t s = ng_begin(&b, 6);
        put32(&b, 0); put32(&b, 0); put32(&b, 3); put32(&b, 4); put32(&b, 4);
        put32(&b, 0x01020304);
        put16(&b, 1); put16(&b, 200); put32(&b, 0);
        ng_end(&b, s);
    }
    run_damaged(&b, 2, at, "option 1 of length 200", "found 200");

    /* if_tsresol finer than 64 bits can count */
    ng_shb(&b, NULL);
    ng_idb(&b, 1, 0, 20, 0, 0);
    run_damaged(&b, 0, 28, "if_tsresol", "10^-20");

    /* second section with an unknown version */
    at = ng_prefix(&b);
    ng_shb(&b, NULL);
    set32(&b, at + 12, 0x00000002);   /* version 2.0 (LE: major 2, minor 0) */
    run_damaged(&b, 2, at, "version 2.0", "1.0 or 1.2");

    /* second section with a bad byte-order magic */
    at = ng_prefix(&b);
    ng_shb(&b, NULL);
    set32(&b, at + 8, 0x11223344);
    run_damaged(&b, 2, at, "byte-order magic", "0x44332211");

    /* cut in the middle of a block's data, and of a block header */
    at = ng_prefix(&b);
    ng_epb(&b, 0, 3, 100, 100, 3, NULL);
    b.n -= 50;
    run_damaged(&b, 2, at, "cut short", "found 82");
    at = ng_prefix(&b);
    put32(&b, 6); put16(&b, 0);
    run_damaged(&b, 2, at, "cut short", "found 6");
}

/* ------------------------------------------------------------ open errors, streams */

static void test_open_errors(void)
{
    char path[256], err[600];
    /* 0-byte file */
    write_tmp("", 0, path);
    CU_ASSERT_PTR_NULL(cap_open(path, err, sizeof err));
    CHECKF(strstr(err, path) == err && strstr(err, "empty"), "0-byte file: %s", err);
    unlink(path);
    /* garbage magic */
    write_tmp("GET / HTTP/1.1\r\n\r\n", 18, path);
    CU_ASSERT_PTR_NULL(cap_open(path, err, sizeof err));
    CHECKF(strstr(err, path) == err && strstr(err, "not a pcap or pcapng file")
           && strstr(err, "0x47455420"), "garbage: %s", err);
    unlink(path);
    /* too short for a magic */
    write_tmp("\xd4\xc3", 2, path);
    CU_ASSERT_PTR_NULL(cap_open(path, err, sizeof err));
    CHECKF(strstr(err, "too short") != NULL, "2 bytes: %s", err);
    unlink(path);
    /* pcap header cut short; unsupported version */
    struct bb b = { 0 };
    pcap_hdr(&b, 0xa1b2c3d4, 4, 65535, 1);
    write_tmp(b.p, 20, path);
    CU_ASSERT_PTR_NULL(cap_open(path, err, sizeof err));
    CHECKF(strstr(err, "expected 24 bytes, found 20") != NULL, "short pcap header: %s", err);
    unlink(path);
    b.p[4] = 3;
    write_tmp(b.p, b.n, path);
    CU_ASSERT_PTR_NULL(cap_open(path, err, sizeof err));
    CHECKF(strstr(err, "version 3.4") != NULL, "pcap version: %s", err);
    unlink(path);
    free(b.p);
    /* pcapng cut in its section header */
    struct bb n = { 0 };
    ng_shb(&n, NULL);
    write_tmp(n.p, 16, path);
    CU_ASSERT_PTR_NULL(cap_open(path, err, sizeof err));
    CHECKF(strstr(err, path) == err && strstr(err, "cut short"), "short SHB: %s", err);
    unlink(path);
    /* pcapng header only: no packets, clean end, link type unknown */
    write_tmp(n.p, n.n, path);
    struct cap_reader *r = cap_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(cap_linktype(r), -1);
    int rc;
    CU_ASSERT_EQUAL(drain(r, &rc), 0);
    CU_ASSERT_EQUAL(rc, 0);
    cap_close(r);
    unlink(path);
    free(n.p);
    /* missing file, directory */
    CU_ASSERT_PTR_NULL(cap_open("/nonexistent/trawl.pcap", err, sizeof err));
    CHECKF(strstr(err, "/nonexistent/trawl.pcap:") == err, "missing: %s", err);
    CU_ASSERT_PTR_NULL(cap_open(tmpdir(), err, sizeof err));
    CHECKF(strstr(err, "directory") != NULL, "directory: %s", err);
}

/* A file with many packets of varied sizes, so records straddle the 1 MiB buffer's end. */
static void many_packets(struct bb *b, unsigned count, int pcapng)
{
    if (pcapng) {
        ng_shb(b, NULL);
        ng_idb(b, 1, 0, 9, 0, 0);
    } else {
        pcap_hdr(b, 0xa1b23c4d, 4, 65535, 1);
    }
    for (unsigned k = 0; k < count; k++) {
        uint32_t len = (k * 7919u) % 1600u;
        if (pcapng)
            ng_epb(b, 0, 1000000000ULL * k + k, len, len + 4, k, (k % 97) ? NULL : "c");
        else
            pcap_rec(b, k, k, len, len + 4, k);
    }
}

static void check_many(struct cap_reader *r, unsigned count)
{
    struct cap_packet p;
    unsigned k = 0, bad = 0;
    while (cap_next(r, &p) == 1) {
        uint32_t len = (k * 7919u) % 1600u;
        if (p.caplen != len || p.len != len + 4 || p.ts_ns != 1000000000LL * k + k
            || !is_pattern(p.data, k, len))
            bad++;
        k++;
    }
    CHECKF(k == count && bad == 0, "%u of %u packets read, %u wrong: %s", k, count, bad,
           cap_error(r));
}

static void test_stream_fmemopen(void)
{
    struct bb b = { 0 };
    many_packets(&b, 50, 0);
    FILE *f = fmemopen(b.p, b.n, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char err[600];
    struct cap_reader *r = cap_open_stream(f, 1, "memory", err, sizeof err);
    CHECKF(r != NULL, "fmemopen: %s", err);
    if (r) {
        check_many(r, 50);
        cap_close(r);                 /* closes f: own = 1 */
    }
    free(b.p);
    /* a stream with garbage: error names the stream */
    f = fmemopen((void *)"\x01\x02\x03\x04\x05", 5, "rb");
    CU_ASSERT_PTR_NULL(cap_open_stream(f, 0, "junk", err, sizeof err));
    CHECKF(strstr(err, "junk: not a pcap or pcapng file") == err, "junk: %s", err);
    fclose(f);
}

/* The child writes the bytes in small pieces with pauses, as a live writer would. */
static pid_t spawn_writer(const struct bb *b, int *rfd)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        size_t off = 0, step = 1;
        while (off < b->n) {
            size_t n = b->n - off < step ? b->n - off : step;
            if (write(fds[1], b->p + off, n) <= 0)
                _exit(1);
            off += n;
            step = step * 3 + 1;
            if (step > 200000)
                step = 7;
            if (off < 2000)
                usleep(200);
        }
        _exit(0);
    }
    close(fds[1]);
    *rfd = fds[0];
    return pid;
}

static void test_stream_pipe(void)
{
    for (int ng = 0; ng < 2; ng++) {
        struct bb b = { 0 };
        many_packets(&b, 3000, ng);
        int rfd;
        pid_t pid = spawn_writer(&b, &rfd);
        CU_ASSERT_FATAL(pid > 0);
        FILE *f = fdopen(rfd, "rb");
        char err[600];
        struct cap_reader *r = cap_open_stream(f, 1, "pipe", err, sizeof err);
        CHECKF(r != NULL, "pipe: %s", err);
        if (r) {
            CU_ASSERT_EQUAL(cap_format(r), ng ? CAP_FMT_PCAPNG : CAP_FMT_PCAP);
            check_many(r, 3000);
            cap_close(r);
        }
        int st;
        waitpid(pid, &st, 0);
        free(b.p);
    }
}

/* cap_open("-") reads standard input: swap a pipe in as fd 0 for the test. */
static void test_stdin(void)
{
    struct bb b = { 0 };
    many_packets(&b, 2000, 1);
    int rfd;
    pid_t pid = spawn_writer(&b, &rfd);
    CU_ASSERT_FATAL(pid > 0);
    int saved = dup(0);
    CU_ASSERT_FATAL(saved >= 0);
    dup2(rfd, 0);
    close(rfd);
    char err[600];
    struct cap_reader *r = cap_open("-", err, sizeof err);
    CHECKF(r != NULL, "stdin: %s", err);
    if (r) {
        check_many(r, 2000);
        cap_close(r);
    }
    dup2(saved, 0);
    close(saved);
    int st;
    waitpid(pid, &st, 0);
    free(b.p);
}

/* Two readers at once, interleaved, and a file larger than the read buffer. */
static void test_two_readers(void)
{
    struct bb a = { 0 }, c = { 0 };
    many_packets(&a, 4000, 0);
    many_packets(&c, 4000, 1);
    char pa[256], pc[256], err[600];
    write_tmp(a.p, a.n, pa);
    write_tmp(c.p, c.n, pc);
    struct cap_reader *ra = cap_open(pa, err, sizeof err);
    struct cap_reader *rc = cap_open(pc, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ra);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rc);
    struct cap_packet p, q;
    unsigned k = 0, bad = 0;
    int x, y;
    while ((x = cap_next(ra, &p)) == 1 && (y = cap_next(rc, &q)) == 1) {
        uint32_t len = (k * 7919u) % 1600u;
        if (p.caplen != len || q.caplen != len || !is_pattern(p.data, k, len)
            || !is_pattern(q.data, k, len) || p.ts_ns != q.ts_ns
            || (q.comment != NULL) != (k % 97 == 0))
            bad++;
        k++;
    }
    CHECKF(k == 4000 && bad == 0, "%u packets, %u wrong", k, bad);
    CU_ASSERT(a.n > (1u << 20) && c.n > (1u << 20));
    cap_close(ra);
    cap_close(rc);
    unlink(pa);
    unlink(pc);
    free(a.p);
    free(c.p);
}

void test_capture_register(void)
{
    CU_pSuite s = CU_add_suite("capture", NULL, NULL);
    if (!s)
        return;
    CU_add_test(s, "corpus: frames, times, lengths, comments vs tshark", test_corpus_vs_tshark);
    CU_add_test(s, "pcap: both byte orders, us and ns", test_pcap_orders_and_resolutions);
    CU_add_test(s, "pcap: out-of-range fractions", test_pcap_out_of_range_fraction);
    CU_add_test(s, "pcap: pre-2.3 swapped lengths", test_pcap_old_version_swapped_lengths);
    CU_add_test(s, "pcap: Kuznetsov's variant", test_pcap_kuznetsov);
    CU_add_test(s, "pcap: caplen above the maximum", test_pcap_caplen_too_big);
    CU_add_test(s, "pcap: cut short", test_pcap_cut_short);
    CU_add_test(s, "pcapng: sections, interfaces, block kinds", test_pcapng_sections_and_interfaces);
    CU_add_test(s, "pcapng: timestamp limits", test_pcapng_timestamp_limits);
    CU_add_test(s, "pcapng: decryption secrets block", test_pcapng_secrets_block);
    CU_add_test(s, "pcapng: damaged files", test_pcapng_damaged);
    CU_add_test(s, "open errors", test_open_errors);
    CU_add_test(s, "stream: fmemopen", test_stream_fmemopen);
    CU_add_test(s, "stream: pipe with a slow writer", test_stream_pipe);
    CU_add_test(s, "stream: standard input", test_stdin);
    CU_add_test(s, "two readers at once", test_two_readers);
}
