/* test_defrag.c — IP defragmentation (framework/defrag.c, trawl/defrag.h) and its use by the
 * ipv4 and ipv6 plugins.
 *
 * Generated datagrams (UDP with a known payload) are cut into fragments and fed through a real
 * engine with every built plugin: in order, reversed, shuffled, repeated, overlapping with the
 * same or different bytes, 8-byte pieces, past 65535, cut by the snaplen, idle past the timeout,
 * past the caps (defrag.max_datagrams, defrag.max_bytes). The reassembled bytes are checked
 * through udp.payload, the bookkeeping through the engine's counters. The fixture plugin
 * fx_defrag (tests/fixtures) calls trawl_defrag_add with plain descriptions, for what the IP
 * plugins cannot produce (flags, frame lists, atomic fragments, bad arguments). The real
 * captures reassemble to the transport fields tshark 4.0 shows (../shared/captures/oracle).
 *
 * Where we differ from tshark on purpose: in a conflicting overlap the first copy of a byte
 * wins (Wireshark: the lower offset's), so the fragment listed under ip.fragment.error is the
 * later-arriving one.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

void test_defrag_register(void);

enum { LT_IPV4 = 228, LT_IPV6 = 229, LT_PROBE = 148 };
#define T0 1700000000000000000LL
#define SEC 1000000000LL

/* ---- fixture: an engine with every plugin, fx_defrag and options ----------------------------- */

#define MAXV 4096
struct fx {
    struct trawl_engine *e;
    uint64_t n;                     /* frames fed */
    size_t nv;
    const char *names[MAXV];
    char *texts[MAXV];
    char info[512], layers[512];
    unsigned errors;
    char joined[1 << 18];
    /* capture runs: one row per frame of the watched fields, tab-separated */
    const char *const *watch;
    size_t nwatch;
    char **rows;
    size_t nrows;
};

static void clear_values(struct fx *f)
{
    for (size_t i = 0; i < f->nv; i++) free(f->texts[i]);
    f->nv = 0;
}

static void on_packet(void *user, const struct trawl_packet *pkt)
{
    struct fx *f = user;
    clear_values(f);
    size_t n;
    const struct trawl_value *v = trawl_packet_values(pkt, &n);
    for (size_t i = 0; i < n && f->nv < MAXV; i++) {
        size_t need = trawl_value_format(&v[i], TRAWL_FMT_FIELDS, NULL, 0) + 1;
        char *s = malloc(need);
        if (!s) continue;
        trawl_value_format(&v[i], TRAWL_FMT_FIELDS, s, need);
        f->names[f->nv] = v[i].field->name;
        f->texts[f->nv++] = s;
    }
    size_t nl, at = 0;
    const struct trawl_layer *l = trawl_packet_layers(pkt, &nl);
    f->layers[0] = 0;
    for (size_t i = 1; i < nl && at < sizeof f->layers; i++)
        at += (size_t)snprintf(f->layers + at, sizeof f->layers - at, "%s%s", i > 1 ? ":" : "",
                               l[i].proto->name);
    snprintf(f->info, sizeof f->info, "%s", trawl_packet_col(pkt, TRAWL_COL_INFO));
    f->errors = trawl_packet_errors(pkt);
    if (f->watch) {
        char row[4096];
        size_t r = 0;
        row[0] = 0;
        for (size_t w = 0; w < f->nwatch; w++) {
            if (w) r += (size_t)snprintf(row + r, sizeof row - r, "\t");
            bool first = true;
            for (size_t i = 0; i < f->nv && r < sizeof row; i++) {
                if (strcmp(f->names[i], f->watch[w])) continue;
                r += (size_t)snprintf(row + r, sizeof row - r, "%s%s", first ? "" : ",", f->texts[i]);
                first = false;
            }
        }
        char **nr = realloc(f->rows, (f->nrows + 1) * sizeof *nr);
        if (nr) { f->rows = nr; f->rows[f->nrows++] = strdup(row); }
    }
}

static const char *build_dir(void)
{
    const char *b = getenv("TRAWL_BUILD");
    return b && *b ? b : "build";
}

/* opts: "defrag.max_datagrams=2"-style settings, NULL-ended (or NULL); arena: the per-packet
 * arena cap (0: default). */
static struct fx *fx_new_arena(const char *const *opts, size_t arena)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    struct trawl_engine_options o = { .size = sizeof o, .log_level = TRAWL_LOG_ERROR, .packet_arena = arena };
    f->e = trawl_engine_new(&o);
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/fx_defrag.so", build_dir());
    if (!f->e || trawl_engine_load_dir(f->e, th_plugin_dir()) <= 0 ||
        trawl_engine_load_plugin(f->e, path) < 0) {
        fprintf(stderr, "test_defrag: cannot load the plugins (%s)\n", path);
        if (f->e) trawl_engine_free(f->e);
        free(f);
        return NULL;
    }
    for (size_t i = 0; opts && opts[i]; i++) CU_ASSERT_EQUAL(trawl_engine_set_option(f->e, opts[i]), 0);
    if (trawl_engine_start(f->e) < 0) { trawl_engine_free(f->e); free(f); return NULL; }
    trawl_engine_want_all(f->e);
    trawl_engine_want_cols(f->e);
    trawl_engine_on_packet(f->e, on_packet, f);
    return f;
}

static struct fx *fx_new(const char *const *opts) { return fx_new_arena(opts, 0); }

static void fx_free(struct fx *f)
{
    if (!f) return;
    clear_values(f);
    for (size_t i = 0; i < f->nrows; i++) free(f->rows[i]);
    free(f->rows);
    trawl_engine_free(f->e);
    free(f);
}

/* All occurrences of a field in the last packet joined by ',' ("" when absent). */
static const char *field(struct fx *f, const char *name)
{
    size_t at = 0;
    f->joined[0] = 0;
    for (size_t i = 0; i < f->nv; i++) {
        if (strcmp(f->names[i], name)) continue;
        at += (size_t)snprintf(f->joined + at, sizeof f->joined - at, "%s%s", at ? "," : "", f->texts[i]);
        if (at >= sizeof f->joined) at = sizeof f->joined - 1;
    }
    return f->joined;
}

static const struct trawl_stats *stats(struct fx *f) { return trawl_engine_stats(f->e); }

/* Feed one frame: caplen bytes present of len (0: caplen) at time ts. */
static void feed(struct fx *f, int lt, const uint8_t *p, uint32_t caplen, uint32_t len, int64_t ts)
{
    clear_values(f);
    f->layers[0] = f->info[0] = 0;
    struct trawl_frame fr = { .number = ++f->n, .ts_ns = ts, .caplen = caplen, .len = len ? len : caplen,
                              .linktype = lt, .ts_precision = 9 };
    CU_ASSERT_EQUAL(trawl_engine_feed(f->e, &fr, p), 0);
}

#define FIELD_IS(f, name, want) do { \
        const char *got_ = field(f, name); \
        CU_ASSERT_STRING_EQUAL(got_, want); \
        if (strcmp(got_, want)) fprintf(stderr, "\n  line %d: %s: want \"%s\" got \"%.200s\"", __LINE__, name, want, got_); \
    } while (0)
#define ABSENT(f, name) FIELD_IS(f, name, "")
#define STR_IS(got, want) do { \
        CU_ASSERT_STRING_EQUAL(got, want); \
        if (strcmp(got, want)) fprintf(stderr, "\n  line %d: want \"%s\" got \"%s\"", __LINE__, want, got); \
    } while (0)
#define U64_IS(got, want) do { \
        unsigned long long g_ = (got), w_ = (want); \
        CU_ASSERT_EQUAL(g_, w_); \
        if (g_ != w_) fprintf(stderr, "\n  line %d: %s: want %llu got %llu", __LINE__, #got, w_, g_); \
    } while (0)

/* ---- packets ------------------------------------------------------------------------------- */

static const uint8_t SRC4[4] = { 10, 0, 0, 1 }, DST4[4] = { 10, 0, 0, 2 };
static const uint8_t SRC6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t DST6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

/* A UDP datagram of total bytes from 4000 to 9 (discard: no dissector takes it), payload bytes
 * (i * 7 + 3). */
static uint32_t make_udp(uint8_t *dg, uint32_t total)
{
    put16(dg, 4000);
    put16(dg + 2, 9);
    put16(dg + 4, total);
    put16(dg + 6, 0);
    for (uint32_t i = 8; i < total; i++) dg[i] = (uint8_t)((i - 8) * 7 + 3);
    return total;
}

static const char *hex(const uint8_t *p, uint32_t n)
{
    static char s[2 * 70000 + 1];
    for (uint32_t i = 0; i < n; i++) snprintf(s + 2 * i, 3, "%02x", p[i]);
    s[2 * n] = 0;
    return s;
}

/* IPv4 fragment: [off, off+len) of dg, MF as given; returns the frame length. */
static uint32_t ip4(uint8_t *out, uint16_t id, uint8_t proto, uint32_t off, bool mf, const uint8_t *data,
                    uint32_t len)
{
    memset(out, 0, 20);
    out[0] = 0x45;
    put16(out + 2, 20 + len);
    put16(out + 4, id);
    put16(out + 6, (mf ? 0x2000u : 0) | (off / 8));
    out[8] = 64;
    out[9] = proto;
    memcpy(out + 12, SRC4, 4);
    memcpy(out + 16, DST4, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += (uint32_t)(out[i] << 8 | out[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    put16(out + 10, (uint16_t)~sum);
    if (len) memcpy(out + 20, data, len);
    return 20 + len;
}

/* IPv6 with a fragment header: [off, off+len) of dg. */
static uint32_t ip6(uint8_t *out, uint32_t ident, uint8_t nxt, uint32_t off, bool more, const uint8_t *data,
                    uint32_t len)
{
    memset(out, 0, 48);
    out[0] = 0x60;
    put16(out + 4, 8 + len);
    out[6] = 44;
    out[7] = 64;
    memcpy(out + 8, SRC6, 16);
    memcpy(out + 24, DST6, 16);
    out[40] = nxt;
    put16(out + 42, off | (more ? 1u : 0));
    put32(out + 44, ident);
    if (len) memcpy(out + 48, data, len);
    return 48 + len;
}

static uint8_t frame[70000];

/* Fragment i of a datagram cut at the given offsets (cuts[0] = 0, cuts[n] = total). */
static void feed4(struct fx *f, uint16_t id, const uint8_t *dg, const uint32_t *cuts, unsigned n, unsigned i,
                  int64_t ts)
{
    uint32_t flen = ip4(frame, id, 17, cuts[i], i + 1 < n, dg + cuts[i], cuts[i + 1] - cuts[i]);
    feed(f, LT_IPV4, frame, flen, 0, ts);
}
static void feed6(struct fx *f, uint32_t id, const uint8_t *dg, const uint32_t *cuts, unsigned n, unsigned i,
                  int64_t ts)
{
    uint32_t flen = ip6(frame, id, 17, cuts[i], i + 1 < n, dg + cuts[i], cuts[i + 1] - cuts[i]);
    feed(f, LT_IPV6, frame, flen, 0, ts);
}

/* A fx_defrag frame (see tests/fixtures/fx_defrag.c). */
static void probe(struct fx *f, uint8_t family, uint8_t proto, uint32_t id, uint32_t off, bool more,
                  const uint8_t *data, uint32_t caplen, uint32_t len, int64_t ts)
{
    uint32_t alen = family == 6 ? 16 : 4, n = 0;
    frame[n++] = family;
    frame[n++] = proto;
    put32(frame + n, id); n += 4;
    memcpy(frame + n, family == 6 ? SRC6 : SRC4, alen); n += alen;
    memcpy(frame + n, family == 6 ? DST6 : DST4, alen); n += alen;
    put32(frame + n, off); n += 4;
    frame[n++] = more;
    put32(frame + n, len); n += 4;
    if (caplen) memcpy(frame + n, data, caplen);
    feed(f, LT_PROBE, frame, n + caplen, n + len, ts);
}

static uint8_t dg[70000];

/* ---- in order, reversed, shuffled ---------------------------------------------------------- */

static void test_v4_in_order(void)
{
    struct fx *f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 1000);
    const uint32_t cuts[] = { 0, 480, 960, 1000 };
    feed4(f, 0x1234, dg, cuts, 3, 0, T0);
    STR_IS(f->layers, "ip");
    STR_IS(f->info, "Fragmented IP protocol (proto=UDP 17, off=0, ID=1234)");
    ABSENT(f, "udp.srcport");
    ABSENT(f, "ip.fragment");
    U64_IS(stats(f)->defrag_held, 1);
    feed4(f, 0x1234, dg, cuts, 3, 1, T0 + 1000);
    STR_IS(f->info, "Fragmented IP protocol (proto=UDP 17, off=480, ID=1234)");
    feed4(f, 0x1234, dg, cuts, 3, 2, T0 + 2000);
    STR_IS(f->layers, "ip:udp");
    FIELD_IS(f, "ip.len", "60");                  /* the frame's own header */
    FIELD_IS(f, "ip.frag_offset", "120");
    FIELD_IS(f, "ip.fragment", "1,2,3");
    ABSENT(f, "ip.fragment.error");
    FIELD_IS(f, "ip.fragment.count", "3");
    FIELD_IS(f, "ip.reassembled.length", "1000");
    FIELD_IS(f, "udp.srcport", "4000");
    FIELD_IS(f, "udp.dstport", "9");
    FIELD_IS(f, "udp.length", "1000");
    FIELD_IS(f, "udp.payload", hex(dg + 8, 992));
    CU_ASSERT_EQUAL(f->errors, 0);
    const struct trawl_stats *st = stats(f);
    U64_IS(st->defrag_fragments, 3);
    U64_IS(st->defrag_completed, 1);
    U64_IS(st->defrag_held, 0);
    U64_IS(st->defrag_overlaps + st->defrag_duplicates + st->defrag_rejected, 0);
    CU_ASSERT(st->defrag_peak_bytes >= 960);
    fx_free(f);
}

static void test_v4_reversed_shuffled(void)
{
    struct fx *f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 1000);
    const uint32_t cuts[] = { 0, 480, 960, 1000 };
    /* Reversed: the final fragment first; the first one completes it. */
    feed4(f, 7, dg, cuts, 3, 2, T0);
    STR_IS(f->info, "Fragmented IP protocol (proto=UDP 17, off=960, ID=0007)");
    feed4(f, 7, dg, cuts, 3, 1, T0);
    ABSENT(f, "udp.srcport");
    feed4(f, 7, dg, cuts, 3, 0, T0);
    STR_IS(f->layers, "ip:udp");
    FIELD_IS(f, "ip.fragment", "3,2,1");        /* by offset */
    FIELD_IS(f, "udp.length", "1000");
    FIELD_IS(f, "udp.payload", hex(dg + 8, 992));

    /* Shuffled: pieces 2, 0, 3, 1 of four (frames 4..7). */
    const uint32_t cuts4[] = { 0, 256, 512, 768, 1000 };
    const unsigned order[] = { 2, 0, 3, 1 };
    for (unsigned i = 0; i < 4; i++) {
        feed4(f, 8, dg, cuts4, 4, order[i], T0 + i);
        if (i < 3) ABSENT(f, "udp.srcport");
    }
    STR_IS(f->layers, "ip:udp");
    FIELD_IS(f, "ip.fragment", "5,7,4,6");
    FIELD_IS(f, "ip.fragment.count", "4");
    FIELD_IS(f, "udp.payload", hex(dg + 8, 992));
    U64_IS(stats(f)->defrag_completed, 2);
    U64_IS(stats(f)->defrag_held, 0);
    fx_free(f);
}

static void test_v6(void)
{
    struct fx *f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 3000);
    const uint32_t cuts[] = { 0, 1448, 2896, 3000 };
    feed6(f, 0xabcdef01, dg, cuts, 3, 0, T0);
    STR_IS(f->layers, "ipv6");
    STR_IS(f->info, "IPv6 fragment (off=0 more=y ident=0xabcdef01 nxt=17)");
    feed6(f, 0xabcdef01, dg, cuts, 3, 2, T0);
    STR_IS(f->info, "IPv6 fragment (off=2896 more=n ident=0xabcdef01 nxt=17)");
    feed6(f, 0xabcdef01, dg, cuts, 3, 1, T0);
    STR_IS(f->layers, "ipv6:udp");
    FIELD_IS(f, "ipv6.fraghdr.offset", "181");
    FIELD_IS(f, "ipv6.fragment", "1,3,2");
    FIELD_IS(f, "ipv6.fragment.count", "3");
    FIELD_IS(f, "ipv6.reassembled.length", "3000");
    FIELD_IS(f, "ipv6.plen", "1456");
    FIELD_IS(f, "udp.length", "3000");
    FIELD_IS(f, "udp.payload", hex(dg + 8, 2992));
    U64_IS(stats(f)->defrag_completed, 1);

    /* The key is (src, dst, ident): fragments with another next header still belong to it
     * (RFC 8200); the datagram's protocol is the offset-0 fragment's. */
    uint32_t n = ip6(frame, 77, 17, 0, true, dg, 1448);
    feed(f, LT_IPV6, frame, n, 0, T0);
    n = ip6(frame, 77, 6, 1448, false, dg + 1448, 1552);
    feed(f, LT_IPV6, frame, n, 0, T0);
    STR_IS(f->layers, "ipv6:udp");
    FIELD_IS(f, "ipv6.fragment", "4,5");
    FIELD_IS(f, "udp.length", "3000");

    /* An extension header inside the fragmentable part: the walk goes on after reassembly
     * (a destination options header of 8 bytes, then UDP). */
    uint8_t inner[1016];
    inner[0] = 17;                                   /* next: UDP */
    inner[1] = 0;
    memcpy(inner + 2, "\x01\x04\x00\x00\x00\x00", 6);   /* PadN */
    make_udp(inner + 8, 1008);
    const uint32_t c2[] = { 0, 512, 1016 };
    n = ip6(frame, 78, 60, 0, true, inner, 512);
    feed(f, LT_IPV6, frame, n, 0, T0);
    n = ip6(frame, 78, 60, 512, false, inner + 512, 504);
    feed(f, LT_IPV6, frame, n, 0, T0);
    (void)c2;
    STR_IS(f->layers, "ipv6:udp");
    FIELD_IS(f, "ipv6.dstopts.nxt", "17");
    FIELD_IS(f, "ipv6.reassembled.length", "1016");
    FIELD_IS(f, "udp.length", "1008");
    FIELD_IS(f, "udp.payload", hex(inner + 16, 1000));
    fx_free(f);
}

/* ---- repeats and overlaps ------------------------------------------------------------------ */

static void test_duplicates_overlaps(void)
{
    struct fx *f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 1000);
    const uint32_t cuts[] = { 0, 480, 960, 1000 };
    /* A repeat of the first fragment: listed as an error with the overlap flag, as Wireshark. */
    feed4(f, 1, dg, cuts, 3, 0, T0);
    feed4(f, 1, dg, cuts, 3, 0, T0);
    STR_IS(f->info, "Fragmented IP protocol (proto=UDP 17, off=0, ID=0001)");
    feed4(f, 1, dg, cuts, 3, 1, T0);
    feed4(f, 1, dg, cuts, 3, 2, T0);
    FIELD_IS(f, "ip.fragment", "1,3,4");
    FIELD_IS(f, "ip.fragment.error", "2");
    FIELD_IS(f, "ip.fragment.overlap", "1");
    ABSENT(f, "ip.fragment.overlap.conflict");
    FIELD_IS(f, "ip.fragment.count", "4");
    FIELD_IS(f, "udp.payload", hex(dg + 8, 992));
    U64_IS(stats(f)->defrag_duplicates, 1);
    U64_IS(stats(f)->defrag_overlaps, 0);

    /* Consistent overlap: [400, 960) after [0, 480), same bytes (frames 5..7). */
    uint32_t n = ip4(frame, 2, 17, 0, true, dg, 480);
    feed(f, LT_IPV4, frame, n, 0, T0);
    n = ip4(frame, 2, 17, 400, true, dg + 400, 560);
    feed(f, LT_IPV4, frame, n, 0, T0);
    n = ip4(frame, 2, 17, 960, false, dg + 960, 40);
    feed(f, LT_IPV4, frame, n, 0, T0);
    FIELD_IS(f, "ip.fragment", "5,7");
    FIELD_IS(f, "ip.fragment.error", "6");
    FIELD_IS(f, "ip.fragment.overlap", "1");
    ABSENT(f, "ip.fragment.overlap.conflict");
    FIELD_IS(f, "udp.payload", hex(dg + 8, 992));
    U64_IS(stats(f)->defrag_overlaps, 1);
    U64_IS(stats(f)->defrag_conflicts, 0);

    /* Conflicting overlap: the later copy's bytes 400..479 differ; the first copy wins. */
    static uint8_t alt[1000];
    memcpy(alt, dg, 1000);
    memset(alt + 400, 0xee, 80);
    n = ip4(frame, 3, 17, 0, true, dg, 480);
    feed(f, LT_IPV4, frame, n, 0, T0);                           /* 8 */
    n = ip4(frame, 3, 17, 400, true, alt + 400, 560);
    feed(f, LT_IPV4, frame, n, 0, T0);                           /* 9 */
    n = ip4(frame, 3, 17, 960, false, dg + 960, 40);
    feed(f, LT_IPV4, frame, n, 0, T0);                           /* 10 */
    FIELD_IS(f, "ip.fragment", "8,10");
    FIELD_IS(f, "ip.fragment.error", "9");
    FIELD_IS(f, "ip.fragment.overlap", "1");
    FIELD_IS(f, "ip.fragment.overlap.conflict", "1");
    FIELD_IS(f, "udp.payload", hex(dg + 8, 992));
    U64_IS(stats(f)->defrag_conflicts, 1);

    /* ... the other way round: the altered copy came first, so its bytes stay. */
    n = ip4(frame, 4, 17, 400, true, alt + 400, 560);
    feed(f, LT_IPV4, frame, n, 0, T0);                           /* 11 */
    n = ip4(frame, 4, 17, 0, true, dg, 480);
    feed(f, LT_IPV4, frame, n, 0, T0);                           /* 12 */
    n = ip4(frame, 4, 17, 960, false, dg + 960, 40);
    feed(f, LT_IPV4, frame, n, 0, T0);                           /* 13 */
    FIELD_IS(f, "ip.fragment", "11,13");
    FIELD_IS(f, "ip.fragment.error", "12");
    FIELD_IS(f, "ip.fragment.overlap.conflict", "1");
    FIELD_IS(f, "udp.payload", hex(alt + 8, 992));
    U64_IS(stats(f)->defrag_completed, 4);
    U64_IS(stats(f)->defrag_conflicts, 2);
    fx_free(f);
}

/* 8-byte fragments (the smallest), 8 of them, in order then reversed. */
static void test_tiny(void)
{
    struct fx *f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 64);
    uint32_t cuts[9];
    for (unsigned i = 0; i <= 8; i++) cuts[i] = i * 8;
    for (unsigned i = 0; i < 8; i++) {
        feed4(f, 9, dg, cuts, 8, i, T0);
        if (i < 7) STR_IS(f->layers, "ip");
    }
    STR_IS(f->layers, "ip:udp");
    FIELD_IS(f, "ip.fragment", "1,2,3,4,5,6,7,8");
    FIELD_IS(f, "ip.fragment.count", "8");
    FIELD_IS(f, "udp.length", "64");
    FIELD_IS(f, "udp.payload", hex(dg + 8, 56));
    for (unsigned i = 8; i-- > 0;) feed6(f, 9, dg, cuts, 8, i, T0);
    STR_IS(f->layers, "ipv6:udp");
    FIELD_IS(f, "ipv6.fragment", "16,15,14,13,12,11,10,9");
    FIELD_IS(f, "udp.payload", hex(dg + 8, 56));
    U64_IS(stats(f)->defrag_completed, 2);
    fx_free(f);
}

/* ---- bogus lengths ------------------------------------------------------------------------- */

static void test_bogus_lengths(void)
{
    struct fx *f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 1000);
    /* Offset 65528 + 16 bytes: past 65535, never kept. */
    uint32_t n = ip4(frame, 5, 17, 65528, true, dg, 16);
    feed(f, LT_IPV4, frame, n, 0, T0);
    STR_IS(f->info, "Fragmented IP protocol (proto=UDP 17, off=65528, ID=0005)");
    U64_IS(stats(f)->defrag_rejected, 1);
    U64_IS(stats(f)->defrag_held, 0);
    n = ip6(frame, 5, 17, 65528, false, dg, 16);
    feed(f, LT_IPV6, frame, n, 0, T0);
    STR_IS(f->layers, "ipv6");
    U64_IS(stats(f)->defrag_rejected, 2);
    U64_IS(stats(f)->defrag_held, 0);

    /* Straight to the API (fx_defrag): status 2 = rejected, flags 0x4 = TOO_LONG. */
    probe(f, 4, 17, 5, 65000, false, dg, 600, 600, T0);
    FIELD_IS(f, "fxdefrag.status", "2");
    FIELD_IS(f, "fxdefrag.flags", "0x00000004");
    /* A non-final fragment of 13 bytes: kept whole and flagged BAD_LEN (0x8), as Wireshark
     * keeps it; then the rest completes it. */
    probe(f, 4, 17, 6, 0, true, dg, 13, 13, T0);
    FIELD_IS(f, "fxdefrag.status", "0");
    FIELD_IS(f, "fxdefrag.flags", "0x00000008");
    FIELD_IS(f, "fxdefrag.nfrags", "1");
    probe(f, 4, 17, 6, 13, false, dg + 13, 7, 7, T0);
    FIELD_IS(f, "fxdefrag.status", "1");
    FIELD_IS(f, "fxdefrag.len", "20");
    FIELD_IS(f, "fxdefrag.data", hex(dg, 20));
    FIELD_IS(f, "fxdefrag.frame_flags", "0x00000008,0x00000000");
    FIELD_IS(f, "fxdefrag.frame", "4,5");
    FIELD_IS(f, "fxdefrag.first_frame", "4");

    /* Data past the end an earlier final fragment set: dropped, PAST_END|BAD_LEN (0x88) on
     * the fragment that brought it (here with OVERLAP, 0x1: it covers the final one's bytes);
     * it still completes the datagram. */
    probe(f, 4, 17, 7, 16, false, dg + 16, 8, 8, T0);                 /* frame 6: total 24 */
    probe(f, 4, 17, 7, 0, true, dg, 32, 32, T0);                      /* frame 7 */
    FIELD_IS(f, "fxdefrag.status", "1");
    FIELD_IS(f, "fxdefrag.len", "24");
    FIELD_IS(f, "fxdefrag.frame", "7,6");
    FIELD_IS(f, "fxdefrag.frame_flags", "0x00000089,0x00000000");
    FIELD_IS(f, "fxdefrag.flags", "0x00000089");
    FIELD_IS(f, "fxdefrag.data", hex(dg, 24));
    /* ... and the final fragment after the long one: the held bytes past it are trimmed, the
     * long one flagged then; the final one overlaps bytes held (same bytes: no conflict). */
    probe(f, 4, 17, 8, 0, true, dg, 32, 32, T0);                      /* frame 8 */
    probe(f, 4, 17, 8, 16, false, dg + 16, 8, 8, T0);                 /* frame 9 */
    FIELD_IS(f, "fxdefrag.status", "1");
    FIELD_IS(f, "fxdefrag.frame", "8,9");
    FIELD_IS(f, "fxdefrag.frame_flags", "0x00000088,0x00000001");
    FIELD_IS(f, "fxdefrag.data", hex(dg, 24));

    /* Two final fragments with different ends: MULTI_LAST (0x40), the first end holds. */
    probe(f, 4, 17, 9, 8, false, dg + 8, 8, 8, T0);                   /* frame 10: total 16 */
    probe(f, 4, 17, 9, 8, false, dg + 8, 16, 16, T0);                 /* frame 11 */
    FIELD_IS(f, "fxdefrag.status", "0");
    FIELD_IS(f, "fxdefrag.flags", "0x000000c9");                      /* + PAST_END, BAD_LEN, OVERLAP */
    probe(f, 4, 17, 9, 0, true, dg, 8, 8, T0);                        /* frame 12 */
    FIELD_IS(f, "fxdefrag.status", "1");
    FIELD_IS(f, "fxdefrag.len", "16");
    FIELD_IS(f, "fxdefrag.frame", "12,10,11");
    FIELD_IS(f, "fxdefrag.frame_flags", "0x00000000,0x00000000,0x000000c9");
    FIELD_IS(f, "fxdefrag.data", hex(dg, 16));
    /* A fragment wholly past the end: taken (listed), no bytes. */
    probe(f, 4, 17, 10, 8, false, dg + 8, 8, 8, T0);                  /* frame 13: total 16 */
    probe(f, 4, 17, 10, 24, true, dg, 8, 8, T0);                      /* frame 14 */
    FIELD_IS(f, "fxdefrag.status", "0");
    FIELD_IS(f, "fxdefrag.flags", "0x00000088");
    probe(f, 4, 17, 10, 0, true, dg, 8, 8, T0);                       /* frame 15 */
    FIELD_IS(f, "fxdefrag.frame", "15,13,14");
    FIELD_IS(f, "fxdefrag.data", hex(dg, 16));

    /* The largest datagram there is: 65535 bytes, 45 fragments (the last ends at 65535). */
    make_udp(dg, 65535);
    uint32_t big[46];
    for (unsigned i = 0; i < 45; i++) big[i] = i * 1480;
    big[45] = 65535;
    for (unsigned i = 45; i-- > 0;) feed4(f, 12, dg, big, 45, i, T0);
    STR_IS(f->layers, "ip:udp");
    FIELD_IS(f, "ip.fragment.count", "45");
    FIELD_IS(f, "ip.reassembled.length", "65535");
    FIELD_IS(f, "udp.length", "65535");
    FIELD_IS(f, "udp.payload", hex(dg + 8, 65527));

    /* Bad arguments: family 9, or caplen claimed past len (the probe cannot, so family). */
    probe(f, 9, 17, 11, 8, true, dg, 8, 8, T0);
    FIELD_IS(f, "fxdefrag.rc", "-1");
    FIELD_IS(f, "fxdefrag.status", "2");
    U64_IS(stats(f)->defrag_held, 0);
    fx_free(f);
}

/* ---- cut by the snaplen ------------------------------------------------------------------- */

static void test_cut(void)
{
    struct fx *f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 1000);
    const uint32_t cuts[] = { 0, 480, 960, 1000 };
    /* The first fragment with 100 of its 480 bytes captured: decoded as far as it goes (as
     * tshark: its datagram can never be reassembled), its lengths the datagram's. */
    uint32_t n = ip4(frame, 21, 17, 0, true, dg, 480);
    feed(f, LT_IPV4, frame, 120, n, T0);
    STR_IS(f->layers, "ip:udp");
    FIELD_IS(f, "udp.srcport", "4000");
    FIELD_IS(f, "udp.length", "1000");
    U64_IS(stats(f)->defrag_cut, 1);
    feed4(f, 21, dg, cuts, 3, 1, T0);
    feed4(f, 21, dg, cuts, 3, 2, T0);
    STR_IS(f->layers, "ip");
    STR_IS(f->info, "Fragmented IP protocol (proto=UDP 17, off=960, ID=0015)");
    /* A whole copy of the first fragment does not complete it: the datagram is known broken. */
    feed4(f, 21, dg, cuts, 3, 0, T0);
    STR_IS(f->layers, "ip");
    ABSENT(f, "ip.fragment");
    U64_IS(stats(f)->defrag_completed, 0);
    U64_IS(stats(f)->defrag_held, 1);
    U64_IS(stats(f)->defrag_cut, 1);
    /* Its bytes were let go at once: only the marker is held. */
    CU_ASSERT(stats(f)->defrag_peak_bytes < 480);

    /* A later fragment cut: not decoded, its datagram never completes. */
    feed4(f, 22, dg, cuts, 3, 0, T0);
    n = ip4(frame, 22, 17, 480, true, dg + 480, 480);
    feed(f, LT_IPV4, frame, 100, n, T0);
    STR_IS(f->layers, "ip");
    feed4(f, 22, dg, cuts, 3, 2, T0);
    STR_IS(f->layers, "ip");
    U64_IS(stats(f)->defrag_cut, 2);

    /* IPv6: a cut first fragment is not decoded at all (tshark neither). */
    n = ip6(frame, 23, 17, 0, true, dg, 480);
    feed(f, LT_IPV6, frame, 100, n, T0);
    STR_IS(f->layers, "ipv6");
    STR_IS(f->info, "IPv6 fragment (off=0 more=y ident=0x00000017 nxt=17)");
    feed6(f, 23, dg, cuts, 3, 1, T0);
    feed6(f, 23, dg, cuts, 3, 2, T0);
    STR_IS(f->layers, "ipv6");
    U64_IS(stats(f)->defrag_completed, 0);
    U64_IS(stats(f)->defrag_cut, 3);
    fx_free(f);
}

/* ---- atomic fragments ---------------------------------------------------------------------- */

static void test_atomic(void)
{
    struct fx *f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 64);
    /* A pending datagram, then an atomic fragment with the same key: it completes alone and
     * leaves the other be (RFC 6946). */
    probe(f, 6, 17, 31, 0, true, dg, 8, 8, T0);                       /* frame 1 */
    probe(f, 6, 17, 31, 0, false, dg + 32, 32, 32, T0);               /* frame 2: atomic */
    FIELD_IS(f, "fxdefrag.status", "1");
    FIELD_IS(f, "fxdefrag.len", "32");
    FIELD_IS(f, "fxdefrag.nfrags", "1");
    FIELD_IS(f, "fxdefrag.frame", "2");
    FIELD_IS(f, "fxdefrag.data", hex(dg + 32, 32));
    FIELD_IS(f, "fxdefrag.proto", "17");
    U64_IS(stats(f)->defrag_atomic, 1);
    U64_IS(stats(f)->defrag_held, 1);
    probe(f, 6, 58, 31, 8, false, dg + 8, 8, 8, T0);                  /* frame 3 */
    FIELD_IS(f, "fxdefrag.status", "1");
    FIELD_IS(f, "fxdefrag.frame", "1,3");
    FIELD_IS(f, "fxdefrag.data", hex(dg, 16));
    FIELD_IS(f, "fxdefrag.proto", "17");                            /* the offset-0 fragment's */
    /* A cut atomic fragment: complete with what there is, flagged CUT (0x20). */
    probe(f, 4, 17, 32, 0, false, dg, 10, 20, T0);
    FIELD_IS(f, "fxdefrag.status", "1");
    FIELD_IS(f, "fxdefrag.len", "10");
    FIELD_IS(f, "fxdefrag.flags", "0x00000020");
    U64_IS(stats(f)->defrag_atomic, 2);
    U64_IS(stats(f)->defrag_fragments, 2);
    U64_IS(stats(f)->defrag_held, 0);
    /* Through ipv6: an atomic fragment header is dissected through, nothing held. */
    uint32_t n = ip6(frame, 33, 17, 0, false, dg, 64);
    feed(f, LT_IPV6, frame, n, 0, T0);
    STR_IS(f->layers, "ipv6:udp");
    FIELD_IS(f, "udp.length", "64");
    ABSENT(f, "ipv6.fragment");
    U64_IS(stats(f)->defrag_held, 0);
    fx_free(f);
}

/* ---- timeouts ----------------------------------------------------------------------------- */

static void test_timeout(void)
{
    struct fx *f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 1000);
    const uint32_t cuts[] = { 0, 480, 960, 1000 };
    /* Idle is measured from the last fragment: 30 s, then 61 s (> 60): given up. */
    feed4(f, 41, dg, cuts, 3, 0, T0);
    feed4(f, 41, dg, cuts, 3, 1, T0 + 30 * SEC);
    feed4(f, 41, dg, cuts, 3, 2, T0 + 91 * SEC);
    STR_IS(f->layers, "ip");
    U64_IS(stats(f)->defrag_timeouts, 1);
    U64_IS(stats(f)->defrag_held, 1);                /* the last fragment starts anew */
    /* 59 s apart each: never idle long enough. */
    feed4(f, 42, dg, cuts, 3, 0, T0 + 100 * SEC);
    feed4(f, 42, dg, cuts, 3, 1, T0 + 159 * SEC);   /* expires id 41's leftover (68 s) */
    U64_IS(stats(f)->defrag_timeouts, 2);
    feed4(f, 42, dg, cuts, 3, 2, T0 + 218 * SEC);
    STR_IS(f->layers, "ip:udp");
    U64_IS(stats(f)->defrag_completed, 1);
    U64_IS(stats(f)->defrag_held, 0);
    /* Times going backwards expire nothing. */
    feed4(f, 43, dg, cuts, 3, 0, T0 + 300 * SEC);
    feed4(f, 43, dg, cuts, 3, 1, T0);
    feed4(f, 43, dg, cuts, 3, 2, T0 + 301 * SEC);
    STR_IS(f->layers, "ip:udp");
    fx_free(f);

    /* defrag.timeout=5 */
    const char *const opts[] = { "defrag.timeout=5", NULL };
    f = fx_new(opts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    feed4(f, 44, dg, cuts, 3, 0, T0);
    feed4(f, 44, dg, cuts, 3, 1, T0 + 5 * SEC);     /* exactly 5 s: not longer */
    feed4(f, 44, dg, cuts, 3, 2, T0 + 10 * SEC + 1);
    STR_IS(f->layers, "ip");
    U64_IS(stats(f)->defrag_timeouts, 1);
    fx_free(f);

    /* defrag.timeout=0: none, only the caps. */
    const char *const none[] = { "defrag.timeout=0", NULL };
    f = fx_new(none);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    feed4(f, 45, dg, cuts, 3, 0, T0);
    feed4(f, 45, dg, cuts, 3, 1, T0 + 86400 * SEC);
    feed4(f, 45, dg, cuts, 3, 2, T0 + 365 * 86400 * SEC);
    STR_IS(f->layers, "ip:udp");
    U64_IS(stats(f)->defrag_timeouts, 0);
    fx_free(f);
}

/* ---- caps --------------------------------------------------------------------------------- */

static void test_caps(void)
{
    const char *const opts[] = { "defrag.max_datagrams=2", NULL };
    struct fx *f = fx_new(opts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 1000);
    const uint32_t cuts[] = { 0, 480, 960, 1000 };
    feed4(f, 51, dg, cuts, 3, 0, T0);
    feed4(f, 52, dg, cuts, 3, 0, T0 + 1);
    U64_IS(stats(f)->defrag_evicted, 0);
    feed4(f, 53, dg, cuts, 3, 0, T0 + 2);            /* the least recently active goes: 51 */
    U64_IS(stats(f)->defrag_evicted, 1);
    U64_IS(stats(f)->defrag_held, 2);
    feed4(f, 52, dg, cuts, 3, 1, T0 + 3);            /* 52 is active again: 53 is now the oldest */
    feed4(f, 51, dg, cuts, 3, 1, T0 + 4);            /* 51 anew: 53 goes */
    U64_IS(stats(f)->defrag_evicted, 2);
    feed4(f, 51, dg, cuts, 3, 2, T0 + 5);            /* its first piece was given up */
    STR_IS(f->layers, "ip");
    feed4(f, 52, dg, cuts, 3, 2, T0 + 6);            /* 52 is whole */
    STR_IS(f->layers, "ip:udp");
    FIELD_IS(f, "ip.fragment", "2,4,7");
    U64_IS(stats(f)->defrag_completed, 1);
    U64_IS(stats(f)->defrag_held, 1);
    U64_IS(stats(f)->defrag_evicted, 2);
    fx_free(f);

    /* defrag.max_bytes=4096: two 1480-byte first fragments fit, a third pushes the oldest out;
     * a 5000-byte fragment can never fit: rejected, nothing given up for it. */
    const char *const bytes[] = { "defrag.max_bytes=4096", NULL };
    f = fx_new(bytes);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 8000);
    const uint32_t big[] = { 0, 1480, 2960, 8000 };
    feed4(f, 61, dg, big, 3, 0, T0);
    feed4(f, 62, dg, big, 3, 0, T0);
    U64_IS(stats(f)->defrag_evicted, 0);
    feed4(f, 63, dg, big, 3, 0, T0);
    U64_IS(stats(f)->defrag_evicted, 1);
    U64_IS(stats(f)->defrag_held, 2);
    CU_ASSERT(stats(f)->defrag_peak_bytes <= 4096);
    uint32_t n = ip4(frame, 64, 17, 0, true, dg, 5000);
    feed(f, LT_IPV4, frame, n, 0, T0);
    U64_IS(stats(f)->defrag_rejected, 1);
    U64_IS(stats(f)->defrag_evicted, 1);
    U64_IS(stats(f)->defrag_held, 2);
    STR_IS(f->info, "Fragmented IP protocol (proto=UDP 17, off=0, ID=0040)");
    /* A datagram that outgrows the cap alone: its later fragment is rejected. */
    feed4(f, 63, dg, big, 3, 1, T0);
    feed4(f, 63, dg, big, 3, 2, T0);
    U64_IS(stats(f)->defrag_completed, 0);
    CU_ASSERT(stats(f)->defrag_rejected >= 2);
    CU_ASSERT(stats(f)->defrag_peak_bytes <= 4096);
    fx_free(f);

    /* A per-packet arena too small for the whole datagram: complete but not deliverable, so
     * given up and counted; the frame still shows as a fragment. */
    f = fx_new_arena(NULL, 4096);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    make_udp(dg, 5000);
    const uint32_t c5[] = { 0, 2480, 5000 };
    feed4(f, 65, dg, c5, 2, 0, T0);
    feed4(f, 65, dg, c5, 2, 1, T0);
    STR_IS(f->layers, "ip");
    STR_IS(f->info, "Fragmented IP protocol (proto=UDP 17, off=2480, ID=0041)");
    U64_IS(stats(f)->defrag_completed, 0);
    U64_IS(stats(f)->defrag_rejected, 1);
    U64_IS(stats(f)->defrag_held, 0);
    fx_free(f);
}

/* ---- real captures ------------------------------------------------------------------------- */

/* Read cap through f with the watched fields, then compare those of them tshark printed
 * (oracle table) frame by frame. */
static void run_capture(struct fx *f, const char *cap, const char *const *watch, size_t nwatch,
                        const char *const *cmp, size_t ncmp)
{
    f->watch = watch;
    f->nwatch = nwatch;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", th_captures_dir(), cap);
    CU_ASSERT_EQUAL(trawl_engine_read_file(f->e, path), 0);
    snprintf(path, sizeof path, "%s/oracle/%s.tsv", th_captures_dir(), cap);
    FILE *o = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    static char line[1 << 20];
    CU_ASSERT_PTR_NOT_NULL_FATAL(fgets(line, sizeof line, o));
    int col[16];
    for (size_t c = 0; c < ncmp; c++) {
        col[c] = -1;
        int k = 0;
        for (char *t = line, *e; t; t = e ? e + 1 : NULL, k++) {
            e = strpbrk(t, "\t\n");
            size_t l = e ? (size_t)(e - t) : strlen(t);
            if (l == strlen(cmp[c]) && !strncmp(t, cmp[c], l)) col[c] = k;
            if (e && *e == '\n') break;
        }
        CU_ASSERT(col[c] >= 0);
    }
    size_t row = 0, compared = 0;
    while (fgets(line, sizeof line, o)) {
        CU_ASSERT_FATAL(row < f->nrows);
        for (size_t c = 0; c < ncmp; c++) {
            /* tshark's value */
            char want[256] = "", got[256] = "";
            int k = 0;
            for (char *t = line, *e; t; t = e ? e + 1 : NULL, k++) {
                e = strpbrk(t, "\t\n");
                if (k == col[c]) { snprintf(want, sizeof want, "%.*s", (int)(e ? e - t : (long)strlen(t)), t); break; }
                if (!e || *e == '\n') break;
            }
            /* ours: the watched column of the same name */
            size_t w = 0;
            while (w < nwatch && strcmp(watch[w], cmp[c])) w++;
            k = 0;
            for (const char *t = f->rows[row], *e; t; t = e ? e + 1 : NULL, k++) {
                e = strchr(t, '\t');
                if ((size_t)k == w) { snprintf(got, sizeof got, "%.*s", (int)(e ? e - t : (long)strlen(t)), t); break; }
                if (!e) break;
            }
            CU_ASSERT_STRING_EQUAL(got, want);
            if (strcmp(got, want))
                fprintf(stderr, "\n  %s #%zu %s: tshark \"%s\", trawl \"%s\"", cap, row + 1, cmp[c], want, got);
            compared += *want != 0;
        }
        row++;
    }
    fclose(o);
    CU_ASSERT_EQUAL(row, f->nrows);
    CU_ASSERT(compared > 0);
}

/* Our column `name` of frame no (1-based) in the last capture run. */
static const char *cell(struct fx *f, const char *const *watch, size_t nwatch, size_t no, const char *name)
{
    static char out[4096];
    out[0] = 0;
    if (no == 0 || no > f->nrows) return out;
    size_t w = 0;
    while (w < nwatch && strcmp(watch[w], name)) w++;
    int k = 0;
    for (const char *t = f->rows[no - 1], *e; t; t = e ? e + 1 : NULL, k++) {
        e = strchr(t, '\t');
        if ((size_t)k == w) { snprintf(out, sizeof out, "%.*s", (int)(e ? e - t : (long)strlen(t)), t); break; }
        if (!e) break;
    }
    return out;
}

static const char *const WATCH[] = {
    "udp.srcport", "udp.dstport", "udp.length", "tcp.srcport", "tcp.dstport", "tcp.len", "tcp.seq_raw",
    "tcp.ack_raw", "tcp.window_size_value", "ip.fragment", "ip.fragment.error", "ip.fragment.count",
    "ip.reassembled.length", "ip.fragment.overlap", "ip.fragment.overlap.conflict",
    "ip.fragment.toolongfragment", "ipv6.fragment", "ipv6.fragment.count", "ipv6.reassembled.length",
};
#define NWATCH (sizeof WATCH / sizeof WATCH[0])
#define CELL(f, no, name) cell(f, WATCH, NWATCH, no, name)
static const char *const CMP[] = {
    "udp.srcport", "udp.dstport", "udp.length", "tcp.srcport", "tcp.dstport", "tcp.len", "tcp.seq_raw",
    "tcp.ack_raw", "tcp.window_size_value",
};
#define NCMP (sizeof CMP / sizeof CMP[0])

static void test_captures(void)
{
    /* ipv6-frag-dns.pcap: #4 is a lone last fragment (never completes); #6..#8 make a 3238-byte
     * DNS response, decoded on #8 (tshark: 6,7,8, count 3, length 3238). */
    struct fx *f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    run_capture(f, "ipv6-frag-dns.pcap", WATCH, NWATCH, CMP, NCMP);
    STR_IS(CELL(f, 8, "ipv6.fragment"), "6,7,8");
    STR_IS(CELL(f, 8, "ipv6.fragment.count"), "3");
    STR_IS(CELL(f, 8, "ipv6.reassembled.length"), "3238");
    STR_IS(CELL(f, 8, "udp.length"), "3238");
    STR_IS(CELL(f, 4, "udp.length"), "");
    U64_IS(stats(f)->defrag_completed, 1);
    U64_IS(stats(f)->defrag_held, 1);
    fx_free(f);

    /* ipv4-frag-udp-ntp.pcap: #3 (offset 0, 304 bytes) overlaps #1 and #2 with other bytes and
     * runs past the 164-byte end #2 set. tshark: ip.fragment 1, error 3,2 (it keeps the lower
     * offset's bytes); we keep the first copy, so only #3 is in error. UDP is the same. */
    f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    run_capture(f, "ipv4-frag-udp-ntp.pcap", WATCH, NWATCH, CMP, NCMP);
    STR_IS(CELL(f, 3, "ip.fragment"), "1,2");
    STR_IS(CELL(f, 3, "ip.fragment.error"), "3");
    STR_IS(CELL(f, 3, "ip.fragment.count"), "3");
    STR_IS(CELL(f, 3, "ip.reassembled.length"), "164");
    STR_IS(CELL(f, 3, "ip.fragment.overlap"), "1");
    STR_IS(CELL(f, 3, "ip.fragment.overlap.conflict"), "1");
    STR_IS(CELL(f, 3, "ip.fragment.toolongfragment"), "1");
    STR_IS(CELL(f, 3, "udp.length"), "18");
    fx_free(f);

    /* ipv4-frag-tcp.pcap: #5 (offset 24) overlaps #3 (offset 48) with other bytes; tshark lists
     * 2,5,4 and error 3, we 2,3,4 and error 5 (first copy wins). The TCP header is #2's. */
    f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    run_capture(f, "ipv4-frag-tcp.pcap", WATCH, NWATCH, CMP, NCMP);
    STR_IS(CELL(f, 5, "ip.fragment"), "2,3,4");
    STR_IS(CELL(f, 5, "ip.fragment.error"), "5");
    STR_IS(CELL(f, 5, "ip.fragment.count"), "4");
    STR_IS(CELL(f, 5, "ip.reassembled.length"), "89");
    STR_IS(CELL(f, 5, "tcp.len"), "69");
    fx_free(f);

    /* ipv4-ipv6-frag-dns-udp-tcp.pcap: DNS over fragmented IPv4 and IPv6 (as tshark). */
    f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    run_capture(f, "ipv4-ipv6-frag-dns-udp-tcp.pcap", WATCH, NWATCH, CMP, NCMP);
    STR_IS(CELL(f, 3, "ip.fragment"), "2,3");
    STR_IS(CELL(f, 3, "ip.reassembled.length"), "1710");
    STR_IS(CELL(f, 6, "ipv6.fragment"), "5,6");
    STR_IS(CELL(f, 6, "ipv6.reassembled.length"), "1509");
    STR_IS(CELL(f, 39, "ipv6.fragment"), "38,39");
    STR_IS(CELL(f, 42, "ip.fragment"), "41,42");
    U64_IS(stats(f)->defrag_completed, 7);
    U64_IS(stats(f)->defrag_held, 0);
    fx_free(f);

    /* ipv4-frag-garbage-many.pcap: 4 datagrams of 313 16-byte fragments, one ID. */
    f = fx_new(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    run_capture(f, "ipv4-frag-garbage-many.pcap", WATCH, NWATCH, CMP, NCMP);
    STR_IS(CELL(f, 313, "ip.fragment.count"), "313");
    STR_IS(CELL(f, 313, "ip.reassembled.length"), "5000");
    U64_IS(stats(f)->defrag_completed, 4);
    U64_IS(stats(f)->defrag_fragments, 1252);
    U64_IS(stats(f)->defrag_held, 0);
    fx_free(f);
}

void test_defrag_register(void)
{
    CU_pSuite s = CU_add_suite("defrag", NULL, NULL);
    CU_add_test(s, "ipv4: in order", test_v4_in_order);
    CU_add_test(s, "ipv4: reversed, shuffled", test_v4_reversed_shuffled);
    CU_add_test(s, "ipv6: out of order, key without next header, headers after reassembly", test_v6);
    CU_add_test(s, "repeats, consistent and conflicting overlaps (first copy wins)", test_duplicates_overlaps);
    CU_add_test(s, "8-byte fragments", test_tiny);
    CU_add_test(s, "bogus lengths: past 65535, odd lengths, past the end, two ends", test_bogus_lengths);
    CU_add_test(s, "fragments cut by the snaplen never complete", test_cut);
    CU_add_test(s, "atomic fragments", test_atomic);
    CU_add_test(s, "idle timeout", test_timeout);
    CU_add_test(s, "caps: max_datagrams, max_bytes", test_caps);
    CU_add_test(s, "real captures reassemble to tshark's transport fields", test_captures);
}
