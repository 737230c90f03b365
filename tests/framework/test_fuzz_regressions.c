/* test_fuzz_regressions.c — replays tests/fuzz/regressions/ through a real engine with every
 * built plugin and the output sinks (text, text -V -x, json, fields into /dev/null).
 *
 * Files there are hostile inputs: hand-made ones (tests/fuzz/gen-regressions.c says how each
 * was made) and crashes found by `make fuzz`, kept once fixed. Frames are
 * "<linktype>-<name>[@<wire len>].bin"; each is fed whole, cut in half and cut by one byte
 * (caplen < len: the TRUNCATED paths). Capture files (*.pcap, *.pcapng) are read with
 * trawl_engine_read_file. The assertions are the fuzzers' ones: the engine returns (an alarm
 * catches a hang), the feed succeeds, tunnels nested past TRAWL_MAX_DEPTH are cut there;
 * under `make sanitize` ASan and UBSan turn any overrun or UB into a failure.
 *
 * $TRAWL_FUZZ_REGRESSIONS overrides the directory (default tests/fuzz/regressions).
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trawl/trawl.h>
#include "harness.h"

#define ALARM_SECONDS 60

void test_fuzz_regressions_register(void);

static const char *current;                 /* file being replayed, for crash messages */

static const char *reg_dir(void)
{
    const char *d = getenv("TRAWL_FUZZ_REGRESSIONS");
    return d && *d ? d : "tests/fuzz/regressions";
}

static void say_current(void)
{
    if (current) {
        static const char msg[] = "\ntest_fuzz_regressions: while replaying ";
        (void)!write(2, msg, sizeof msg - 1);
        (void)!write(2, current, strlen(current));
        (void)!write(2, "\n", 1);
    }
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "\ntest_fuzz_regressions: the engine did not return within the alarm";
    (void)!write(2, msg, sizeof msg - 1);
    say_current();
    _exit(3);
}

/* Under ASan/UBSan the runtime reports crashes itself; tell it to name the input too. */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static void on_fatal(int sig)
{
    say_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void guard_install(void)
{
    signal(SIGALRM, on_alarm);
    if (__sanitizer_set_death_callback) {
        __sanitizer_set_death_callback(say_current);
    } else {
        signal(SIGSEGV, on_fatal);
        signal(SIGBUS, on_fatal);
        signal(SIGFPE, on_fatal);
        signal(SIGABRT, on_fatal);
    }
}

static void guard_remove(void)
{
    alarm(0);
    current = NULL;
    signal(SIGALRM, SIG_DFL);
    if (!__sanitizer_set_death_callback) {
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
    }
}

/* ---- the engine ----------------------------------------------------------------------------- */

struct replay {
    struct trawl_engine *e;
    FILE *null;
    size_t max_layers;       /* most layers seen in one packet */
    uint64_t seen;           /* packets the callback saw */
};

static void quiet(void *user, enum trawl_log_level level, const char *origin, const char *msg)
{
    (void)user; (void)level; (void)origin; (void)msg;
}

static void on_packet(void *user, const struct trawl_packet *pkt)
{
    struct replay *r = user;
    size_t n;
    trawl_packet_layers(pkt, &n);
    if (n > r->max_layers) r->max_layers = n;
    r->seen++;
    /* Touch every value the way a sink would. */
    size_t nv;
    const struct trawl_value *v = trawl_packet_values(pkt, &nv);
    char buf[64];
    for (size_t i = 0; i < nv; i++) trawl_value_format(&v[i], TRAWL_FMT_SHOW, buf, sizeof buf);
}

static int replay_open(struct replay *r)
{
    memset(r, 0, sizeof *r);
    struct trawl_engine_options o = { .size = sizeof o, .log = quiet, .log_level = TRAWL_LOG_ERROR };
    r->e = trawl_engine_new(&o);
    if (!r->e) return -1;
    if (trawl_engine_load_dir(r->e, th_plugin_dir()) <= 0 || trawl_engine_start(r->e) < 0) {
        fprintf(stderr, "test_fuzz_regressions: no engine with plugins from %s: %s\n", th_plugin_dir(),
                trawl_engine_last_error(r->e));
        trawl_engine_free(r->e);
        return -1;
    }
    r->null = fopen("/dev/null", "w");
    static const char *const none[] = { NULL };
    static const char *const tree[] = { "verbose=1", "hex=1", NULL };
    static const char *const flds[] = { "e=frame.number", "e=ip.src", "e=ipv6.dst", "e=tcp.srcport",
                                        "e=_ws.col.Protocol", "e=_ws.col.Info", "occurrence=a", NULL };
    /* A sink plugin not built is no reason to fail here: its own tests say so. */
    if (r->null) {
        trawl_engine_add_sink(r->e, "text", r->null, none);
        trawl_engine_add_sink(r->e, "text", r->null, tree);
        trawl_engine_add_sink(r->e, "json", r->null, none);
        trawl_engine_add_sink(r->e, "fields", r->null, flds);
    }
    trawl_engine_want_all(r->e);
    trawl_engine_on_packet(r->e, on_packet, r);
    return 0;
}

static void replay_close(struct replay *r)
{
    trawl_engine_finish(r->e);
    trawl_engine_free(r->e);
    if (r->null) fclose(r->null);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    uint8_t *p = malloc(cap);
    while (p) {
        size_t got = fread(p + len, 1, cap - len, f);
        len += got;
        if (len < cap) break;
        uint8_t *np = realloc(p, cap * 2);
        if (!np) { free(p); p = NULL; break; }
        p = np;
        cap *= 2;
    }
    fclose(f);
    *n = len;
    return p;
}

/* Frame names: "<linktype>-<name>[@<wire len>].bin". Returns false when it is not one. */
static bool parse_frame_name(const char *name, int *lt, uint32_t *wire)
{
    char *end;
    long v = strtol(name, &end, 10);
    if (end == name || *end != '-' || v < 0 || v > 0xffff || !has_suffix(name, ".bin")) return false;
    *lt = (int)v;
    const char *at = strrchr(name, '@');
    *wire = at ? (uint32_t)strtoul(at + 1, NULL, 10) : 0;
    return true;
}

static int feed(struct replay *r, int lt, const uint8_t *p, uint32_t caplen, uint32_t len)
{
    /* An exact-size copy, so a read past caplen is a heap overflow ASan reports. */
    uint8_t *copy = malloc(caplen ? caplen : 1);
    if (!copy) return -1;
    if (caplen) memcpy(copy, p, caplen);
    struct trawl_frame f = { .ts_ns = 1735689600000000000LL, .caplen = caplen, .len = len,
                             .linktype = lt, .ts_precision = 9 };
    alarm(ALARM_SECONDS);
    int rc = trawl_engine_feed(r->e, &f, copy);
    alarm(0);
    free(copy);
    return rc;
}

static size_t for_each_file(bool frames, void (*fn)(struct replay *, const char *, const char *), struct replay *r)
{
    DIR *d = opendir(reg_dir());
    if (!d) return 0;
    struct dirent *de;
    size_t count = 0;
    /* Sorted, so a failure names the same file every run. */
    char **names = NULL;
    size_t nn = 0;
    while ((de = readdir(d))) {
        int lt;
        uint32_t w;
        bool is_frame = parse_frame_name(de->d_name, &lt, &w);
        bool is_cap = has_suffix(de->d_name, ".pcap") || has_suffix(de->d_name, ".pcapng");
        if (frames ? !is_frame : !is_cap) continue;
        char **nnames = realloc(names, (nn + 1) * sizeof *names);
        if (!nnames) break;
        names = nnames;
        names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < nn; i++)
        for (size_t j = i + 1; j < nn; j++)
            if (strcmp(names[i], names[j]) > 0) { char *t = names[i]; names[i] = names[j]; names[j] = t; }
    for (size_t i = 0; i < nn; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", reg_dir(), names[i]);
        fn(r, path, names[i]);
        count++;
        free(names[i]);
    }
    free(names);
    return count;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void replay_frame(struct replay *r, const char *path, const char *name)
{
    int lt;
    uint32_t wire;
    parse_frame_name(name, &lt, &wire);
    size_t n;
    uint8_t *p = slurp(path, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    if (!wire || wire < n) wire = (uint32_t)n;
    current = path;
    uint64_t before = r->seen;
    CU_ASSERT_EQUAL(feed(r, lt, p, (uint32_t)n, wire), 0);
    if (n > 1) {
        CU_ASSERT_EQUAL(feed(r, lt, p, (uint32_t)n / 2, wire), 0);
        CU_ASSERT_EQUAL(feed(r, lt, p, (uint32_t)n - 1, wire), 0);
    }
    CU_ASSERT(r->seen > before);
    current = NULL;
    free(p);
}

static void test_frames(void)
{
    struct replay r;
    if (replay_open(&r) < 0) { CU_FAIL("engine with plugins"); return; }
    guard_install();
    size_t n = for_each_file(true, replay_frame, &r);
    guard_remove();
    CU_ASSERT(n > 0);                    /* the directory is there and holds frames */
    replay_close(&r);
}

static void replay_capture(struct replay *r, const char *path, const char *name)
{
    (void)name;
    current = path;
    alarm(ALARM_SECONDS);
    int rc = trawl_engine_read_file(r->e, path);
    alarm(0);
    current = NULL;
    /* Damaged files end in an error after their good frames; nothing else may come back. */
    CU_ASSERT(rc == 0 || rc == TRAWL_EFORMAT || rc == TRAWL_EIO);
}

static void test_captures(void)
{
    struct replay r;
    if (replay_open(&r) < 0) { CU_FAIL("engine with plugins"); return; }
    guard_install();
    size_t n = for_each_file(false, replay_capture, &r);
    guard_remove();
    CU_ASSERT(n > 0);
    CU_ASSERT(trawl_engine_stats(r.e)->files == n);
    replay_close(&r);
}

/* A tunnel nested deeper than TRAWL_MAX_DEPTH is cut there and counted, not followed. */
static void check_depth(const char *file, const char *need_field)
{
    struct replay r;
    if (replay_open(&r) < 0) { CU_FAIL("engine with plugins"); return; }
    if (!trawl_engine_field_find(r.e, need_field)) {   /* that tunnel's plugin is not built */
        replay_close(&r);
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", reg_dir(), file);
    size_t n;
    uint8_t *p = slurp(path, &n);
    CU_ASSERT_PTR_NOT_NULL(p);
    if (p) {
        guard_install();
        current = path;
        CU_ASSERT_EQUAL(feed(&r, 1, p, (uint32_t)n, (uint32_t)n), 0);
        guard_remove();
        CU_ASSERT_EQUAL(trawl_engine_stats(r.e)->depth_exceeded, 1);
        /* Each tunnel level nests one call deeper: TRAWL_MAX_DEPTH layers, +1 for frame. */
        CU_ASSERT(r.max_layers <= TRAWL_MAX_DEPTH + 1);
        free(p);
    }
    replay_close(&r);
}

static void test_depth_gre(void) { check_depth("1-gre-nest-40.bin", "gre.proto"); }
static void test_depth_ipip(void) { check_depth("1-ipip-nest-40.bin", "ip.proto"); }

void test_fuzz_regressions_register(void)
{
    CU_pSuite s = CU_add_suite("fuzz_regressions", NULL, NULL);
    if (!s) return;
    CU_add_test(s, "replay every regression frame (whole and cut)", test_frames);
    CU_add_test(s, "replay every regression capture file", test_captures);
    CU_add_test(s, "GRE nested 40 deep stops at TRAWL_MAX_DEPTH", test_depth_gre);
    CU_add_test(s, "IP in IP nested 40 deep stops at TRAWL_MAX_DEPTH", test_depth_ipip);
}
