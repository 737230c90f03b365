/* test_sdk.c — the plugin author's kit, end to end, the way an author meets it:
 *
 *   1. `make install DESTDIR=<tmp>` of this build (BUILD=$TRAWL_BUILD; nothing is rebuilt),
 *   2. sdk/template copied out of the tree and built against that install only, through
 *      pkg-config (PKG_CONFIG_SYSROOT_DIR rewrites its -I/-L paths into <tmp>), then its own
 *      test program run (`make test`),
 *   3. the built myproto.so loaded into an engine with the build's plugins, listed, used,
 *   4. its dynamic symbols: only the descriptor,
 *   5. `trawl test-plugin` output, from the build tree and from the installed tree.
 *
 * Under the sanitize build (this file compiled with -fsanitize=address) the template is built
 * with the same sanitizer flags (CFLAGS_EXTRA): its test program links an ASan libtrawl.
 * The suite skips (passes with a message) only when there is no C compiler.
 * Set TRAWL_KEEP_TMP=1 to keep the temporary tree; it is kept anyway when a step fails.
 */
#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

void test_sdk_register(void);

#if defined(__SANITIZE_ADDRESS__)
#define SDK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SDK_SANITIZED 1
#endif
#endif
#ifndef SDK_SANITIZED
#define SDK_SANITIZED 0
#endif

#define PREFIX "/opt/trawl"

/* Ethernet / IPv4 10.0.0.1 → 10.0.0.2 / UDP 47000 → 47000 / a stelp Report (seq 7, name
 * "sensor-1", TLVs Counter 300, Label "alpha", type 9 = ab cd): 76 bytes. */
static const char stelp_hex[] =
    "020000000002020000000001080045000" "03e12344000401114790a0000010a000002"
    "b798b798002a000053540102000000070873656e736f722d3101040000012c0205616c7068610902abcd";

static struct {
    bool skip;              /* no compiler */
    bool ready;             /* install + template build done */
    bool failed_step;       /* keep the tree for a look */
    char repo[1024], tmp[256], dest[512], tpl[512], so[600], libdir[600], build[512], cc[128];
} S;

/* Run a shell command; its output goes to <tmp>/<log>. Returns the exit status (or -1). On
 * failure the log is printed so the CUnit output says what went wrong. */
static int run(const char *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(const char *log, const char *fmt, ...)
{
    char cmd[8192], full[8800], logpath[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(logpath, sizeof logpath, "%s/%s", S.tmp, log);
    /* A clean make environment: `make test` exports MAKEFLAGS (jobserver fds, BUILD=...). */
    snprintf(full, sizeof full, "unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES; ( %s ) >'%s' 2>&1", cmd, logpath);
    int st = system(full);
    int rc = st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    if (rc != 0) {
        S.failed_step = true;
        fprintf(stderr, "\n--- sdk test: command failed (status %d): %s\n", rc, cmd);
        FILE *f = fopen(logpath, "r");
        if (f) {
            char line[1024];
            while (fgets(line, sizeof line, f)) fprintf(stderr, "    %s", line);
            fclose(f);
        }
        fprintf(stderr, "--- (tree kept in %s)\n", S.tmp);
    }
    return rc;
}

/* The whole output of a command (stdout only), or NULL. Caller frees. */
static char *capture(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *capture(int *status, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    size_t cap = 4096, n = 0;
    char *out = malloc(cap);
    size_t r;
    while (out && (r = fread(out + n, 1, cap - n - 1, p)) > 0) {
        n += r;
        if (cap - n < 2) {
            char *no = realloc(out, cap * 2);
            if (!no) { free(out); out = NULL; break; }
            out = no;
            cap *= 2;
        }
    }
    int st = pclose(p);
    if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (out) out[n] = 0;
    return out;
}

static int suite_init(void)
{
    memset(&S, 0, sizeof S);
    const char *cc = getenv("CC");
    snprintf(S.cc, sizeof S.cc, "%s", cc && *cc ? cc : "cc");
    char check[256];
    snprintf(check, sizeof check, "command -v '%s' >/dev/null 2>&1", S.cc);
    if (system(check) != 0) {
        S.skip = true;
        return 0;
    }
    if (!getcwd(S.repo, sizeof S.repo)) return 1;
    const char *b = getenv("TRAWL_BUILD");
    snprintf(S.build, sizeof S.build, "%s", b && *b ? b : "build");
    snprintf(S.tmp, sizeof S.tmp, "/tmp/trawl-sdk-XXXXXX");
    if (!mkdtemp(S.tmp)) return 1;
    snprintf(S.dest, sizeof S.dest, "%s/dest", S.tmp);
    snprintf(S.tpl, sizeof S.tpl, "%s/template", S.tmp);
    snprintf(S.so, sizeof S.so, "%s/myproto.so", S.tpl);
    snprintf(S.libdir, sizeof S.libdir, "%s%s/lib", S.dest, PREFIX);
    return 0;
}

static int suite_clean(void)
{
    if (!S.skip && S.tmp[0]) {
        const char *keep = getenv("TRAWL_KEEP_TMP");
        if ((keep && *keep && strcmp(keep, "0")) || S.failed_step) {
            fprintf(stderr, "\nsdk test: temporary tree kept in %s\n", S.tmp);
        } else {
            char cmd[400];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", S.tmp);
            if (system(cmd) != 0) fprintf(stderr, "sdk test: could not remove %s\n", S.tmp);
        }
    }
    return 0;
}

#define SKIP_IF_NO_CC()                                                                  \
    do {                                                                                 \
        if (S.skip) {                                                                    \
            fprintf(stderr, "\nsdk test: skipped: no C compiler ('%s' not found)\n", S.cc); \
            CU_PASS("skipped: no C compiler");                                           \
            return;                                                                      \
        }                                                                                \
    } while (0)

/* 1 + 2: install, build the template out of tree, run its test. */
static void test_template_build_and_test(void)
{
    SKIP_IF_NO_CC();
    /* -o all: use the build as it is (the sanitize build must not be rebuilt without its
     * flags); install only copies. */
    int rc = run("install.log", "make -C '%s' -s --no-print-directory -o all install BUILD='%s' PREFIX=%s DESTDIR='%s'",
                 S.repo, S.build, PREFIX, S.dest);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    char pc[700];
    snprintf(pc, sizeof pc, "%s/pkgconfig/trawl.pc", S.libdir);
    CU_ASSERT_FATAL(access(pc, R_OK) == 0);

    /* Only the template's sources: a build left in sdk/template must not leak in. */
    rc = run("copy.log", "mkdir -p '%s' && cd '%s/sdk/template' && cp Makefile myproto.c test_myproto.c README.md '%s'/",
             S.tpl, S.repo, S.tpl);
    CU_ASSERT_EQUAL_FATAL(rc, 0);

    const char *extra = SDK_SANITIZED ? "-fsanitize=address,undefined -fno-omit-frame-pointer" : "";
    rc = run("template.log",
             "cd '%s' && PKG_CONFIG_SYSROOT_DIR='%s' PKG_CONFIG_LIBDIR='%s/pkgconfig' PKG_CONFIG_PATH= "
             "PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 LD_LIBRARY_PATH='%s' "
             "make CC='%s' CFLAGS_EXTRA='%s' test",
             S.tpl, S.dest, S.libdir, S.libdir, S.cc, extra);
    CU_ASSERT_EQUAL_FATAL(rc, 0);

    /* The template's test printed its summary: "N passed, 0 failed" with N > 0. */
    char log[600];
    snprintf(log, sizeof log, "%s/template.log", S.tmp);
    FILE *f = fopen(log, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[1024];
    int npass = -1, nfail = -1;
    while (fgets(line, sizeof line, f)) sscanf(line, "%d passed, %d failed", &npass, &nfail);
    fclose(f);
    CU_ASSERT(npass > 20);
    CU_ASSERT_EQUAL(nfail, 0);
    /* It was compiled against the staged headers, not some installed copy. */
    char *cmd = capture(NULL, "grep -c -- '-I%s%s/include' '%s'", S.dest, PREFIX, log);
    CU_ASSERT(cmd && atoi(cmd) >= 1);
    free(cmd);
    S.ready = access(S.so, R_OK) == 0;
    CU_ASSERT(S.ready);
}

/* 3: the built plugin next to the build's plugins, as the engine sees it. */
static void test_template_plugin_loads(void)
{
    SKIP_IF_NO_CC();
    CU_ASSERT_FATAL(S.ready);
    const char *dirs[] = { S.tpl, NULL };
    struct th *t = th_new_with(dirs, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    struct trawl_engine *e = th_engine(t);
    bool listed = false;
    for (size_t i = 0; i < trawl_engine_plugin_count(e); i++) {
        struct trawl_plugin_info pi;
        if (!trawl_engine_plugin_info(e, i, &pi) || !pi.name || strcmp(pi.name, "myproto")) continue;
        listed = true;
        CU_ASSERT(pi.loaded && pi.enabled && !pi.why);
        CU_ASSERT_STRING_EQUAL(pi.path, S.so);
        CU_ASSERT_EQUAL(pi.protos, 1);
        CU_ASSERT_EQUAL(pi.heuristics, 1);
        CU_ASSERT(pi.fields >= 10);
    }
    CU_ASSERT(listed);
    CU_ASSERT_PTR_NOT_NULL(trawl_engine_field_find(e, "stelp.tlv.counter"));

    CU_ASSERT_EQUAL(th_hex(t, 1, stelp_hex), 0);
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:udp:stelp");
    CU_ASSERT_STRING_EQUAL(th_field(t, "stelp.seq"), "7");
    CU_ASSERT_STRING_EQUAL(th_field(t, "stelp.name"), "sensor-1");
    CU_ASSERT_STRING_EQUAL(th_field(t, "stelp.tlv.type"), "1,2,9");
    CU_ASSERT_STRING_EQUAL(th_field(t, "stelp.tlv.value"), "abcd");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    th_free(t);
}

/* 4: -fvisibility=hidden worked: the descriptor is the only symbol the plugin defines for
 * the dynamic linker (ASan adds an ODR indicator for it; old binutils list _edata & co.). */
static void test_template_exports(void)
{
    SKIP_IF_NO_CC();
    CU_ASSERT_FATAL(S.ready);
    int st = -1;
    char *out = capture(&st, "nm -D --defined-only '%s' 2>&1", S.so);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(st, 0);
    bool descriptor = false;
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char *sym = strrchr(line, ' ');
        sym = sym ? sym + 1 : line;
        if (!strcmp(sym, "trawl_plugin_descriptor")) { descriptor = true; continue; }
        bool allowed = !strcmp(sym, "_init") || !strcmp(sym, "_fini") || !strcmp(sym, "_edata") ||
                       !strcmp(sym, "_end") || !strcmp(sym, "__bss_start") || !strncmp(sym, "__odr_asan", 10);
        if (!allowed) fprintf(stderr, "\nsdk test: myproto.so exports '%s'\n", sym);
        CU_ASSERT(allowed);
    }
    CU_ASSERT(descriptor);
    free(out);
}

/* 5a: `trawl test-plugin` from the build tree: -e fields, the layer and error lines. */
static void test_test_plugin_command(void)
{
    SKIP_IF_NO_CC();
    int st = -1;
    char *out = capture(&st, "'%s/bin/trawl' test-plugin --hex '%s' -e ip.src -e udp.dstport 2>&1",
                        S.build, stelp_hex);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(st, 0);
    /* Without the template plugin: one line per -e field, then the layers (no stelp). */
    CU_ASSERT(!strncmp(out, "ip.src\t10.0.0.1\nudp.dstport\t47000\nlayers: eth:ip:udp", 52));
    CU_ASSERT(strstr(out, "\nerrors: none\n") != NULL);
    CU_ASSERT(strstr(out, "stelp") == NULL);
    if (strncmp(out, "ip.src\t10.0.0.1\n", 16)) fprintf(stderr, "\ntest-plugin printed:\n%s\n", out);
    free(out);
    if (!S.ready) { CU_FAIL("template not built"); return; }

    /* With it (-P FILE): every field but frame.*, in order. */
    out = capture(&st, "'%s/bin/trawl' test-plugin -P '%s' --hex '%s' 2>&1", S.build, S.so, stelp_hex);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT(strstr(out, "ip.src\t10.0.0.1\n") != NULL);
    CU_ASSERT(strstr(out, "stelp.seq\t7\nstelp.name_len\t8\nstelp.name\tsensor-1\n") != NULL);
    CU_ASSERT(strstr(out, "\nlayers: eth:ip:udp:stelp\nerrors: none\n") != NULL);
    CU_ASSERT(strstr(out, "\ninfo: Report seq=7 name=sensor-1 TLVs=3\n") != NULL);
    CU_ASSERT(strstr(out, "frame.") == NULL);
    free(out);

    /* Truncated by --caplen (inside the TLVs), and the -P directory form. */
    out = capture(&st, "'%s/bin/trawl' test-plugin -P '%s' --hex '%s' --caplen 64 -e stelp.seq -e stelp.tlv.type 2>&1",
                  S.build, S.tpl, stelp_hex);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT(strstr(out, "stelp.seq\t7\nstelp.tlv.type\t1\nlayers: eth:ip:udp:stelp\nerrors: truncated\n"
                          "error-layers: stelp=truncated\n") != NULL);
    free(out);

    /* A plugin under test that its init refuses fails the command, saying why. */
    out = capture(&st, "'%s/bin/trawl' test-plugin -P '%s' -o myproto.port=0 --hex '%s' 2>&1",
                  S.build, S.so, stelp_hex);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(st, 1);
    CU_ASSERT(strstr(out, "was refused: init failed") != NULL);
    free(out);

    /* Usage errors: bad hex, unknown field. */
    out = capture(&st, "'%s/bin/trawl' test-plugin --hex 0g 2>&1", S.build);
    CU_ASSERT_EQUAL(st, 1);
    CU_ASSERT(out && strstr(out, "not a hex digit"));
    free(out);
    out = capture(&st, "'%s/bin/trawl' test-plugin --hex 00 -e no.such.field 2>&1", S.build);
    CU_ASSERT_EQUAL(st, 1);
    CU_ASSERT(out && strstr(out, "no loaded plugin has this field"));
    free(out);
}

/* 5b: the installed host finds its installed plugins (relative to the binary) and takes the
 * template plugin with -P. */
static void test_installed_host(void)
{
    SKIP_IF_NO_CC();
    CU_ASSERT_FATAL(S.ready);
    int st = -1;
    char *out = capture(&st, "'%s%s/bin/trawl' test-plugin -P '%s' --hex '%s' -e stelp.seq -e stelp.tlv.label 2>&1",
                        S.dest, PREFIX, S.so, stelp_hex);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT(strstr(out, "stelp.seq\t7\nstelp.tlv.label\talpha\nlayers: eth:ip:udp:stelp\n") != NULL);
    if (st != 0 || !strstr(out, "stelp.seq\t7")) fprintf(stderr, "\ninstalled trawl printed:\n%s\n", out);
    free(out);
}

void test_sdk_register(void)
{
    CU_pSuite s = CU_add_suite("sdk", suite_init, suite_clean);
    if (!s) return;
    CU_add_test(s, "template: install, build out of tree, make test", test_template_build_and_test);
    CU_add_test(s, "template: plugin loads and dissects", test_template_plugin_loads);
    CU_add_test(s, "template: exports only the descriptor", test_template_exports);
    CU_add_test(s, "trawl test-plugin", test_test_plugin_command);
    CU_add_test(s, "installed trawl test-plugin", test_installed_host);
}
