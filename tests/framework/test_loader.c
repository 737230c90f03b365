/* test_loader.c — the plugin loader's refusals (one fixture .so per path), two-phase
 * registration, tables, heuristics, "not mine" rollback, decode-as and two engines at once.
 * Fixtures are built from tests/fixtures/ into $TRAWL_BUILD/tests/fixtures/. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char logbuf[8192];
static void capture_log(void *user, enum trawl_log_level lvl, const char *origin, const char *msg)
{
    size_t at = strlen(logbuf);
    snprintf(logbuf + at, sizeof logbuf - at, "%s: %s\n", origin ? origin : "", msg);
}

static const char *fixture(const char *name)
{
    static char path[1024];
    const char *b = getenv("TRAWL_BUILD");
    snprintf(path, sizeof path, "%s/tests/fixtures/%s.so", b && *b ? b : "build", name);
    return path;
}

static struct trawl_engine *engine(void)
{
    logbuf[0] = 0;
    struct trawl_engine_options o = { .size = sizeof o, .log = capture_log, .log_level = TRAWL_LOG_WARN };
    return trawl_engine_new(&o);
}

/* Loading `name` is refused with a message containing every `want` string. */
static void expect_refusal(const char *name, const char *want1, const char *want2)
{
    struct trawl_engine *e = engine();
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    int rc = trawl_engine_load_plugin(e, fixture(name));
    CU_ASSERT_EQUAL(rc, TRAWL_EPLUGIN);
    const char *err = trawl_engine_last_error(e);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, fixture(name)));          /* names the path */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want1));
    if (want2) CU_ASSERT_PTR_NOT_NULL(strstr(err, want2));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));                       /* one line */
    CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "refused"));
    struct trawl_plugin_info pi;
    CU_ASSERT_TRUE(trawl_engine_plugin_info(e, 0, &pi));
    CU_ASSERT_FALSE(pi.loaded);
    CU_ASSERT_PTR_NOT_NULL(pi.why);
    /* The engine goes on: a good plugin still loads and starts. */
    CU_ASSERT_EQUAL(trawl_engine_load_plugin(e, fixture("fx_good")), 0);
    CU_ASSERT_EQUAL(trawl_engine_start(e), 0);
    CU_ASSERT_PTR_NOT_NULL(trawl_engine_field_find(e, "fxgood.key"));
    trawl_engine_free(e);
}

static void test_refuse_abi_major(void) { expect_refusal("fx_abi_major", "built for SDK ABI 2.0", "rebuild"); }
static void test_refuse_abi_minor(void) { expect_refusal("fx_abi_minor", "newer than this trawl", "ABI 1.7"); }
static void test_refuse_bad_magic(void) { expect_refusal("fx_bad_magic", "bad descriptor magic 0xdeadbeef", "expected 0x4c575254"); }
static void test_refuse_bad_size(void) { expect_refusal("fx_bad_size", "descriptor size 12 bytes", "expected"); }
static void test_refuse_no_descriptor(void) { expect_refusal("fx_no_descriptor", "not a trawl plugin", "trawl_plugin_descriptor"); }
static void test_refuse_bad_name(void) { expect_refusal("fx_bad_name", "plugin name 'Bad Name!'", NULL); }

static void test_refuse_not_elf(void)
{
    char path[] = "/tmp/trawl-notaplugin-XXXXXX.so";
    int fd = mkstemps(path, 3);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, "hello\n", 6) == 6);
    close(fd);
    struct trawl_engine *e = engine();
    CU_ASSERT_EQUAL(trawl_engine_load_plugin(e, path), TRAWL_EPLUGIN);
    CU_ASSERT_PTR_NOT_NULL(strstr(trawl_engine_last_error(e), "not a loadable shared object"));
    trawl_engine_free(e);
    unlink(path);
}

static void test_refuse_duplicate(void)
{
    struct trawl_engine *e = engine();
    CU_ASSERT_EQUAL(trawl_engine_load_plugin(e, fixture("fx_good")), 0);
    CU_ASSERT_EQUAL(trawl_engine_load_plugin(e, fixture("fx_duplicate")), TRAWL_EPLUGIN);
    CU_ASSERT_PTR_NOT_NULL(strstr(trawl_engine_last_error(e), "duplicate plugin name 'fx-good'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(trawl_engine_last_error(e), "fx_good.so"));
    trawl_engine_free(e);
}

static void test_refuse_missing_requirement(void)
{
    struct trawl_engine *e = engine();
    CU_ASSERT_EQUAL(trawl_engine_load_plugin(e, fixture("fx_good")), 0);
    CU_ASSERT_EQUAL(trawl_engine_load_plugin(e, fixture("fx_requires")), 0);
    CU_ASSERT_EQUAL(trawl_engine_start(e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "requires plugin 'fx-missing', which is not loaded"));
    struct trawl_plugin_info pi;
    trawl_engine_plugin_info(e, 1, &pi);
    CU_ASSERT_STRING_EQUAL(pi.name, "fx-requires");
    CU_ASSERT_FALSE(pi.enabled);
    CU_ASSERT_PTR_NOT_NULL(pi.why);
    trawl_engine_free(e);
}

static void test_refuse_disabled_requirement(void)
{
    struct trawl_engine *e = engine();
    trawl_engine_load_plugin(e, fixture("fx_good"));
    trawl_engine_load_plugin(e, fixture("fx_requires"));
    CU_ASSERT_EQUAL(trawl_engine_enable(e, "fx-good", false), 0);
    CU_ASSERT_EQUAL(trawl_engine_start(e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "requires plugin 'fx-good', which is disabled"));
    CU_ASSERT_PTR_NULL(trawl_engine_field_find(e, "fxgood.key"));
    trawl_engine_free(e);
}

static void test_refuse_failed_init_is_purged(void)
{
    struct trawl_engine *e = engine();
    trawl_engine_load_plugin(e, fixture("fx_init_fail"));
    trawl_engine_load_plugin(e, fixture("fx_bad_field"));
    trawl_engine_load_plugin(e, fixture("fx_good"));
    CU_ASSERT_EQUAL(trawl_engine_start(e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "init failed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "fxbad..value"));
    CU_ASSERT_PTR_NULL(trawl_engine_field_find(e, "fxbad.value"));
    /* The failed plugin's protocol cannot be chosen by decode-as. */
    CU_ASSERT_EQUAL(trawl_engine_decode_as(e, "fxgood.next==7,fxfail"), TRAWL_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(trawl_engine_field_find(e, "fxgood.key"));
    trawl_engine_free(e);
}

static void test_registration_after_start_refused(void)
{
    struct trawl_engine *e = engine();
    trawl_engine_start(e);
    CU_ASSERT_EQUAL(trawl_engine_load_plugin(e, fixture("fx_good")), TRAWL_ESTATE);
    CU_ASSERT_EQUAL(trawl_engine_enable(e, "fx-good", true), TRAWL_ESTATE);
    trawl_engine_free(e);
}

/* ---- dispatch through fixture tables and heuristics --------------------------------------- */

struct seen { char vals[256]; char layers[128]; char proto[32]; char info[64]; };
static void on_pkt(void *user, const struct trawl_packet *pkt)
{
    struct seen *s = user;
    size_t n, nl, at = 0;
    const struct trawl_value *v = trawl_packet_values(pkt, &n);
    s->vals[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(v[i].field->name, "fx", 2)) continue;
        char t[64];
        trawl_value_format(&v[i], TRAWL_FMT_FIELDS, t, sizeof t);
        at += (size_t)snprintf(s->vals + at, sizeof s->vals - at, "%s=%s;", v[i].field->name, t);
    }
    snprintf(s->proto, sizeof s->proto, "%s", trawl_packet_protocol(pkt));
    snprintf(s->info, sizeof s->info, "%s", trawl_packet_col(pkt, TRAWL_COL_INFO));
    const struct trawl_layer *l = trawl_packet_layers(pkt, &nl);
    at = 0;
    s->layers[0] = 0;
    for (size_t i = 1; i < nl; i++) at += (size_t)snprintf(s->layers + at, sizeof s->layers - at, "%s%s", i > 1 ? ":" : "", l[i].proto->name);
}

static struct trawl_engine *fx_engine(struct seen *s, bool child)
{
    struct trawl_engine *e = engine();
    /* fx_child before fx_good: its handoff uses what fx_good declares in init. */
    if (child) trawl_engine_load_plugin(e, fixture("fx_child"));
    trawl_engine_load_plugin(e, fixture("fx_good"));
    CU_ASSERT_EQUAL(trawl_engine_start(e), 0);
    trawl_engine_want_all(e);
    trawl_engine_want_cols(e);
    trawl_engine_on_packet(e, on_pkt, s);
    return e;
}

static void feed(struct trawl_engine *e, const uint8_t *p, uint32_t n)
{
    struct trawl_frame f = { .caplen = n, .len = n, .linktype = 147 };
    CU_ASSERT_EQUAL(trawl_engine_feed(e, &f, p), 0);
}

static void test_table_dispatch(void)
{
    struct seen s;
    struct trawl_engine *e = fx_engine(&s, true);
    feed(e, (const uint8_t[]){ 1, 0x12, 0x34 }, 3);
    CU_ASSERT_STRING_EQUAL(s.layers, "fxgood:fxchild");
    CU_ASSERT_STRING_EQUAL(s.vals, "fxgood.key=0x01;fxgood.len=3;fxchild.val=4660;fxchild.hints=0;fxchild.quoted=0;");
    CU_ASSERT_STRING_EQUAL(s.proto, "FXCHILD");            /* the def's column name */
    CU_ASSERT_STRING_EQUAL(s.info, "value 4660");
    feed(e, (const uint8_t[]){ 1, 0x0b, 0xad }, 3);
    CU_ASSERT_STRING_EQUAL(s.proto, "FXCHILD-BAD");        /* set per packet by the layer */
    feed(e, (const uint8_t[]){ 5, 0x0b, 0xad }, 3);
    CU_ASSERT_STRING_EQUAL(s.proto, "FXGOOD");
    trawl_engine_free(e);
}

static void test_not_mine_rolls_back_then_heuristics(void)
{
    struct seen s;
    struct trawl_engine *e = fx_engine(&s, true);
    /* key 2 → fxno refuses; heuristics: fx_high (priority 20) matches aa bb → fxchild. */
    feed(e, (const uint8_t[]){ 2, 0xaa, 0xbb }, 3);
    CU_ASSERT_STRING_EQUAL(s.layers, "fxgood:fxchild");
    CU_ASSERT_STRING_EQUAL(s.vals, "fxgood.key=0x02;fxgood.len=3;fxchild.val=43707;fxchild.hints=0;fxchild.quoted=0;");
    /* aa cc: only fx_low matches, its protocol refuses: nothing but fxgood remains. */
    feed(e, (const uint8_t[]){ 2, 0xaa, 0xcc }, 3);
    CU_ASSERT_STRING_EQUAL(s.layers, "fxgood");
    /* fx_high switched off: aa bb now reaches only fx_low, whose protocol refuses. */
    CU_ASSERT_EQUAL(trawl_engine_heuristic_enable(e, "fx_high", false), 0);
    feed(e, (const uint8_t[]){ 2, 0xaa, 0xbb }, 3);
    CU_ASSERT_STRING_EQUAL(s.layers, "fxgood");
    CU_ASSERT_EQUAL(trawl_engine_heuristic_enable(e, "fx_high", true), 0);
    feed(e, (const uint8_t[]){ 2, 0xaa, 0xbb }, 3);
    CU_ASSERT_STRING_EQUAL(s.layers, "fxgood:fxchild");
    CU_ASSERT_EQUAL(trawl_engine_heuristic_enable(e, "nope", false), TRAWL_ENOENT);
    trawl_engine_free(e);
}

/* A quotation: the inner layer knows, its columns are ignored, and running off the quote's
 * end marks its layer but not the packet. Hints reach exactly the next call. */
static unsigned last_errors, last_layer_err;
static void on_pkt_err(void *user, const struct trawl_packet *pkt)
{
    on_pkt(user, pkt);
    size_t nl;
    const struct trawl_layer *l = trawl_packet_layers(pkt, &nl);
    last_errors = trawl_packet_errors(pkt);
    last_layer_err = nl > 2 ? (unsigned)(l[2].err | (l[2].flags & TRAWL_LAYER_QUOTED ? 0x80 : 0)) : 0;
}

static void test_quote_and_hints(void)
{
    struct seen s;
    struct trawl_engine *e = fx_engine(&s, true);
    trawl_engine_on_packet(e, on_pkt_err, &s);
    feed(e, (const uint8_t[]){ 0x30, 0x0b, 0xad }, 3);
    CU_ASSERT_STRING_EQUAL(s.layers, "fxgood:fxchild");
    CU_ASSERT_PTR_NOT_NULL(strstr(s.vals, "fxchild.quoted=1;"));
    CU_ASSERT_STRING_EQUAL(s.info, "quoting");            /* the quoted layer's info was ignored */
    CU_ASSERT_STRING_EQUAL(s.proto, "FXCHILD");           /* ...and so was its protocol column */
    /* A quote cut after one byte: the inner layer is malformed, the packet is not. */
    feed(e, (const uint8_t[]){ 0x30, 0x0b }, 2);
    CU_ASSERT_EQUAL(last_errors, 0);
    CU_ASSERT_EQUAL(last_layer_err, 0x80 | TRAWL_BUF_MALFORMED);
    /* The same bytes not quoted: the packet is malformed. */
    feed(e, (const uint8_t[]){ 0x01, 0x0b }, 2);
    CU_ASSERT_EQUAL(last_errors, TRAWL_BUF_MALFORMED);
    feed(e, (const uint8_t[]){ 0x40, 0x00, 0x01 }, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.vals, "fxchild.hints=1;"));
    feed(e, (const uint8_t[]){ 0x01, 0x00, 0x01 }, 3);   /* hints do not outlive their call */
    CU_ASSERT_PTR_NOT_NULL(strstr(s.vals, "fxchild.hints=0;"));
    /* Key 0x41: hint, dispatch on key 2 (fxno refuses), then the heuristics on the same
     * dispatch... the table call took the hint; the heuristic call after it must not see it. */
    feed(e, (const uint8_t[]){ 0x41, 0xaa, 0xbb }, 3);
    CU_ASSERT_STRING_EQUAL(s.layers, "fxgood:fxchild");
    CU_ASSERT_PTR_NOT_NULL(strstr(s.vals, "fxchild.hints=0;"));
    trawl_engine_free(e);
}

static void test_decode_as(void)
{
    struct seen s;
    struct trawl_engine *e = fx_engine(&s, true);
    CU_ASSERT_EQUAL(trawl_engine_decode_as(e, "fxgood.next==9,fxchild"), 0);
    feed(e, (const uint8_t[]){ 9, 0x00, 0x07 }, 3);
    CU_ASSERT_STRING_EQUAL(s.layers, "fxgood:fxchild");
    CU_ASSERT_EQUAL(trawl_engine_decode_as(e, "fxgood.next==3-5,fxchild"), 0);
    feed(e, (const uint8_t[]){ 4, 0x00, 0x07 }, 3);
    CU_ASSERT_STRING_EQUAL(s.layers, "fxgood:fxchild");
    CU_ASSERT_EQUAL(trawl_engine_decode_as(e, "nosuch.table==1,fxchild"), TRAWL_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(trawl_engine_last_error(e), "no table 'nosuch.table'"));
    CU_ASSERT_EQUAL(trawl_engine_decode_as(e, "fxgood.next==1,nosuch"), TRAWL_ENOENT);
    CU_ASSERT_EQUAL(trawl_engine_decode_as(e, "fxgood.next==999,fxchild"), TRAWL_EINVAL);
    CU_ASSERT_EQUAL(trawl_engine_decode_as(e, "garbage"), TRAWL_EINVAL);
    trawl_engine_free(e);
}

static void test_unknown_linktype_is_named(void)
{
    struct seen s;
    struct trawl_engine *e = fx_engine(&s, false);
    struct trawl_frame f = { .caplen = 1, .len = 1, .linktype = 160 };
    CU_ASSERT_EQUAL(trawl_engine_feed(e, &f, (const uint8_t[]){ 0 }), 0);
    CU_ASSERT_EQUAL(trawl_engine_stats(e)->unknown_linktype, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, "link type 160"));
    trawl_engine_free(e);
}

static void test_two_engines(void)
{
    struct seen s1, s2;
    struct trawl_engine *a = fx_engine(&s1, true), *b = fx_engine(&s2, false);
    feed(a, (const uint8_t[]){ 1, 0, 5 }, 3);
    feed(b, (const uint8_t[]){ 1, 0, 5 }, 3);
    CU_ASSERT_STRING_EQUAL(s1.layers, "fxgood:fxchild");
    CU_ASSERT_STRING_EQUAL(s2.layers, "fxgood");
    trawl_engine_free(a);
    feed(b, (const uint8_t[]){ 1, 0, 5 }, 3);
    CU_ASSERT_STRING_EQUAL(s2.layers, "fxgood");
    trawl_engine_free(b);
}

static void test_only_and_options(void)
{
    struct trawl_engine *e = engine();
    trawl_engine_load_plugin(e, fixture("fx_good"));
    trawl_engine_load_plugin(e, fixture("fx_child"));
    CU_ASSERT_EQUAL(trawl_engine_only(e, "fx-good"), 0);
    CU_ASSERT_EQUAL(trawl_engine_only(e, "fx-good,nosuch"), TRAWL_ENOENT);
    CU_ASSERT_EQUAL(trawl_engine_set_option(e, "fx-good.depth=3"), 0);
    CU_ASSERT_EQUAL(trawl_engine_set_option(e, "nodot=3"), TRAWL_EINVAL);
    CU_ASSERT_EQUAL(trawl_engine_start(e), 0);
    CU_ASSERT_PTR_NULL(trawl_engine_field_find(e, "fxchild.val"));
    CU_ASSERT_PTR_NOT_NULL(trawl_engine_field_find(e, "fxgood.len"));
    trawl_engine_free(e);
}

void test_loader_register(void);
void test_loader_register(void)
{
    CU_pSuite s = CU_add_suite("loader", NULL, NULL);
    CU_add_test(s, "refuses another ABI major", test_refuse_abi_major);
    CU_add_test(s, "refuses a newer ABI minor", test_refuse_abi_minor);
    CU_add_test(s, "refuses a bad magic", test_refuse_bad_magic);
    CU_add_test(s, "refuses a bad descriptor size", test_refuse_bad_size);
    CU_add_test(s, "refuses a .so without descriptor", test_refuse_no_descriptor);
    CU_add_test(s, "refuses a bad plugin name", test_refuse_bad_name);
    CU_add_test(s, "refuses a file that is not ELF", test_refuse_not_elf);
    CU_add_test(s, "refuses a duplicate name", test_refuse_duplicate);
    CU_add_test(s, "refuses a missing requirement", test_refuse_missing_requirement);
    CU_add_test(s, "refuses a disabled requirement", test_refuse_disabled_requirement);
    CU_add_test(s, "purges a plugin whose init fails", test_refuse_failed_init_is_purged);
    CU_add_test(s, "no loading after start", test_registration_after_start_refused);
    CU_add_test(s, "--only and plugin options", test_only_and_options);
    CU_pSuite r = CU_add_suite("registry", NULL, NULL);
    CU_add_test(r, "table dispatch, two-phase order", test_table_dispatch);
    CU_add_test(r, "not-mine rollback, heuristic priority", test_not_mine_rolls_back_then_heuristics);
    CU_add_test(r, "decode-as", test_decode_as);
    CU_add_test(r, "quotations and hints", test_quote_and_hints);
    CU_add_test(r, "unknown link type is named", test_unknown_linktype_is_named);
    CU_add_test(r, "two engines in one process", test_two_engines);
}
