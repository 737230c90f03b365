/* test_cli.c — trawl's command line end to end on the shared captures and generated files:
 * damaged inputs (frames first, then a located error and exit 2), unsupported link types,
 * several files and stdin, plugin listings, fields, profiles, decode-as, BPF on files. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "harness.h"

static char args[4096];
#define CAP(name) th_captures_dir(), name

static void test_damaged_cut_short(void)
{
    snprintf(args, sizeof args, "-r %s/%s -T fields -e frame.number -e ip.src", CAP("corrupt-cut-short-mid-record-dns.pcap"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_STRING_EQUAL(r.out, "1\t192.168.1.100\n");    /* the frame before the damage (tshark's table) */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "corrupt-cut-short-mid-record-dns.pcap"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "offset"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "cut short"));
    run_free(&r);
}

static void test_damaged_huge_caplen(void)
{
    snprintf(args, sizeof args, "-r %s/%s -T fields -e frame.number", CAP("corrupt-huge-caplen-tls.pcap"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_EQUAL(count_lines(r.out), 6);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "4325376"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "262144"));
    run_free(&r);
}

static void test_unsupported_linktype_named(void)
{
    snprintf(args, sizeof args, "-r %s/%s -T fields -e frame.number -e frame.len", CAP("linktype-user13-unsupported.pcap"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 1);                 /* never silent empty output */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "link type 160"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "linktype-user13-unsupported.pcap"));
    run_free(&r);
}

static void test_not_a_capture(void)
{
    char path[] = "/tmp/trawl-text-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, "this is a text file, not a capture\n", 35) == 35);
    close(fd);
    snprintf(args, sizeof args, "-r %s", path);
    struct run r = run_trawl(args, NULL);
    unlink(path);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "not a pcap or pcapng file"));
    run_free(&r);
    r = run_trawl("-r /nonexistent/x.pcap", NULL);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "/nonexistent/x.pcap"));
    run_free(&r);
}

static void test_several_files_and_stdin(void)
{
    snprintf(args, sizeof args, "-r %s/%s -r - -T fields -e frame.number -e frame.file -e ip.src",
             CAP("dns-udp-basic.pcap"));
    char in[1024];
    snprintf(in, sizeof in, "%s/%s", CAP("rawip-dlt101-ipv4-dns.pcap"));
    struct run r = run_trawl(args, in);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "3\t-\t"));          /* numbering continues; file is "-" */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "dns-udp-basic.pcap"));
    run_free(&r);
}

static void test_count_and_bpf_on_files(void)
{
    snprintf(args, sizeof args, "-r %s/%s -c 3 -T fields -e frame.number", CAP("tcp-syn-port-scan.pcap"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(count_lines(r.out), 3);
    run_free(&r);
    /* BPF applies to files: only UDP frames of a mixed capture. */
    snprintf(args, sizeof args, "-r %s/%s -f udp -T fields -e udp.srcport -e tcp.srcport", CAP("sll-kakaotalk-dns-tls-http.pcap"));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 36);
    CU_ASSERT_PTR_NULL(strstr(r.out, "\t4"));               /* no tcp.srcport column value */
    run_free(&r);
    r = run_trawl("-r /dev/null -f 'not a (filter'", NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "capture filter"));
    run_free(&r);
}

static void test_plugins_and_fields_listings(void)
{
    struct run r = run_trawl("plugins", NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "eth"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "dissector"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "sink"));
    run_free(&r);
    r = run_trawl("fields", NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\tip.src\tFT_IPv4\tip\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\tframe.time_epoch\tFT_ABSOLUTE_TIME\tframe\n"));
    /* A field table shared by several protocols (dns, mdns, llmnr) is listed once, as tshark's
     * -G fields lists it; the protocols themselves are all there. */
    const char *q = strstr(r.out, "\tdns.qry.name\t");
    CU_ASSERT_PTR_NOT_NULL(q);
    CU_ASSERT_PTR_NULL(q ? strstr(q + 1, "\tdns.qry.name\t") : NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "P\tMulticast Domain Name System\tmdns\n"));
    run_free(&r);
    struct run g = run_trawl("-G fields", NULL);
    CU_ASSERT_EQUAL(g.status, 0);
    CU_ASSERT(g.out_len > 1000);
    run_free(&g);
}

static void test_plugin_dir_refusal_goes_on(void)
{
    const char *b = getenv("TRAWL_BUILD");
    snprintf(args, sizeof args, "-P %s/tests/fixtures plugins", b && *b ? b : "build");
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "built for SDK ABI 2.0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "refused"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "fx-good"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "ipv4"));           /* the default set still loaded */
    run_free(&r);
}

static void test_enable_disable_only(void)
{
    snprintf(args, sizeof args, "-r %s/%s --disable udp -T fields -e ip.src -e udp.srcport", CAP("dns-udp-basic.pcap"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "udp.srcport"));    /* unknown field: one warning */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "192.168.1.11\t\n"));
    run_free(&r);
    r = run_trawl("--disable nosuchplugin -r /dev/null", NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "nosuchplugin"));
    run_free(&r);
}

static void test_decode_as_cli(void)
{
    snprintf(args, sizeof args, "-r %s/%s -d udp.port==53,nosuch -T fields -e ip.src", CAP("dns-udp-basic.pcap"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "no dissector 'nosuch'"));
    run_free(&r);
}

static void test_unknown_sink(void)
{
    snprintf(args, sizeof args, "-r %s/%s -T nosuch", CAP("dns-udp-basic.pcap"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "no output sink 'nosuch'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "fields"));
    run_free(&r);
}

static void test_profile_file(void)
{
    char path[] = "/tmp/trawl-profile-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# test profile\nname = t\noutput = fields\nfield = frame.number\nfield = ip.dst\n"
               "sink-option = separator=,\n");
    fclose(f);
    snprintf(args, sizeof args, "-r %s/%s --profile %s", CAP("dns-udp-basic.pcap"), path);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "1,209.87.249.18\n"));
    run_free(&r);
    f = fopen(path, "w");
    fprintf(f, "bogus line\n");
    fclose(f);
    snprintf(args, sizeof args, "-r %s/%s --profile %s", CAP("dns-udp-basic.pcap"), path);
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, ":1: expected KEY = VALUE"));
    run_free(&r);
    unlink(path);
    r = run_trawl("--profile no-such-profile -r /dev/null", NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "profile 'no-such-profile' not found"));
    run_free(&r);
}

static void test_timestamps_2038_2106(void)
{
    snprintf(args, sizeof args, "-r %s/%s -r %s/%s -T fields -e frame.time_epoch",
             CAP("pcap-timestamp-2038.pcap"), CAP("pcapng-timestamp-2106-overflow.pcapng"));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    /* Expected values are tshark's (../shared/captures/oracle). */
    FILE *f;
    char want[2][64] = { "", "" };
    const char *names[2] = { "pcap-timestamp-2038.pcap", "pcapng-timestamp-2106-overflow.pcapng" };
    for (int i = 0; i < 2; i++) {
        char p[1024], line[4096];
        snprintf(p, sizeof p, "%s/oracle/%s.tsv", th_captures_dir(), names[i]);
        f = fopen(p, "r");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
        CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
        fclose(f);
        char *tab = strchr(line, '\t'), *tab2 = tab ? strchr(tab + 1, '\t') : NULL;
        if (tab && tab2) snprintf(want[i], sizeof want[i], "%.*s", (int)(tab2 - tab - 1), tab + 1);
    }
    char expect[200];
    snprintf(expect, sizeof expect, "%s\n%s\n", want[0], want[1]);
    CU_ASSERT_STRING_EQUAL(r.out, expect);
    run_free(&r);
}

static void test_usage_errors(void)
{
    struct run r = run_trawl("", NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "usage"));
    run_free(&r);
    r = run_trawl("-c 0 -r /dev/null", NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    run_free(&r);
    r = run_trawl("version", NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "SDK ABI 1.0"));
    run_free(&r);
}

/* Every shared capture through every output: exit 0 (or 2 for the files tshark also calls
 * damaged), no sanitizer report. Under `make sanitize` this is the ASan+UBSan sweep. */
static void test_all_captures_all_outputs(void)
{
    char list[1024];
    snprintf(list, sizeof list, "%s/oracle/tshark-rc.tsv", th_captures_dir());
    FILE *f = fopen(list, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[4096];
    unsigned files = 0;
    static const char *const modes[] = { "-T json", "-V -x", "-T fields -e frame.number -e ip.src -e tcp.flags -e _ws.col.Info" };
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));             /* header */
    while (fgets(line, sizeof line, f)) {
        char name[512];
        int rc = 0;
        if (sscanf(line, "%511[^\t]\t%d", name, &rc) != 2) continue;
        files++;
        for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
            snprintf(args, sizeof args, "-r %s/%s %s", th_captures_dir(), name, modes[m]);
            struct run r = run_trawl(args, NULL);
            int want = rc ? 2 : 0;
            if (r.status != want || strstr(r.err, "runtime error") || strstr(r.err, "Sanitizer")) {
                fprintf(stderr, "\n%s %s: exit %d (want %d): %.600s\n", name, modes[m], r.status, want, r.err);
                CU_FAIL("a capture failed or a sanitizer reported");
            }
            run_free(&r);
        }
    }
    fclose(f);
    CU_ASSERT(files >= 100);
}

/* The project's own sample: summary lines as tshark prints them (checked once with tshark
 * 4.0: same number, time, addresses, length; the protocol and info columns differ only where
 * an application dissector is not written yet). The time column follows each interface's
 * clock: ns for the Ethernet interface, µs for the SLL one. */
static void test_demo_summary(void)
{
    struct run r = run_trawl("-r samples/demo.pcapng", NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 19);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "   17 1.628410000 192.168.100.10 \xe2\x86\x92 192.168.100.1 DNS 79 Standard query 0x77c1 AAAA www.example.com\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "   18   1.778432 192.168.1.10 \xe2\x86\x92 192.168.1.1  DNS 73 Standard query 0x1f3b TXT example.com\n"));
    run_free(&r);
}

/* Plugins keep no mutable globals (engines may run in threads, several per process): no
 * plugin symbol lives in .data or .bss, only in read-only or relocated-read-only sections.
 * (The toolchain's own __dso_handle, completed.0, __TMC_END__ and ASan's __odr_asan.* are
 * allowed.) */
static void test_plugins_have_no_mutable_globals(void)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "for f in %s/*.so; do objdump -t \"$f\" | awk -v f=\"$f\" "
             "'($4==\".data\" || $4==\".bss\") && $NF !~ /^(__dso_handle|completed\\.0|__TMC_END__|__odr_asan\\..*)$/ "
             "{print f\": \"$NF}'; done", th_plugin_dir());
    FILE *p = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    char line[512];
    unsigned bad = 0;
    while (fgets(line, sizeof line, p)) { fprintf(stderr, "\n  mutable global: %s", line); bad++; }
    CU_ASSERT_EQUAL(pclose(p), 0);
    CU_ASSERT_EQUAL(bad, 0);
}

/* -w: the filtered frames land in a pcap that reads back the same; nothing is printed. */
static void test_write_filtered(void)
{
    char out[] = "/tmp/trawl-w-XXXXXX";
    int fd = mkstemp(out);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    snprintf(args, sizeof args, "-r %s/%s -f 'tcp[tcpflags] & tcp-syn != 0' -w %s", CAP("tcp-syn-port-scan.pcap"), out);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(r.out_len, 0);
    run_free(&r);
    snprintf(args, sizeof args, "-r %s -T fields -e tcp.flags", out);
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 2006);
    CU_ASSERT_PTR_NULL(strstr(r.out, "0x0010\n"));          /* no bare ACKs: all have SYN */
    run_free(&r);
    unlink(out);
    /* A sink whose output is gone stops the run: far fewer than the file's 2011 frames read. */
    char errf[] = "/tmp/trawl-full-XXXXXX", cmd[2048], text[4096] = "";
    fd = mkstemp(errf);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    snprintf(cmd, sizeof cmd, "%s -r %s/%s -T json --stats >/dev/full 2>%s", trawl_bin(),
             CAP("tcp-syn-port-scan.pcap"), errf);
    int stc = system(cmd);
    CU_ASSERT(WIFEXITED(stc) && WEXITSTATUS(stc) == 1);
    FILE *ef = fopen(errf, "r");
    size_t tn = ef ? fread(text, 1, sizeof text - 1, ef) : 0;
    text[tn] = 0;
    if (ef) fclose(ef);
    unlink(errf);
    unsigned long read_frames = 0;
    for (const char *st = strstr(text, "trawl: "); st; st = strstr(st + 1, "trawl: "))
        if (sscanf(st, "trawl: %lu packets", &read_frames) == 1) break;
    CU_ASSERT(read_frames > 0 && read_frames < 2011);
    snprintf(args, sizeof args, "-r %s/%s -w /dev/full", CAP("dns-udp-basic.pcap"));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "No space left on device"));
    run_free(&r);
}

/* Heuristics are listed and can be switched off by name; -P takes single .so files. */
static void test_heuristics_cli(void)
{
    const char *b = getenv("TRAWL_BUILD");
    const char *bd = b && *b ? b : "build";
    snprintf(args, sizeof args, "tables -P %s/tests/fixtures/fx_good.so -P %s/tests/fixtures/fx_child.so", bd, bd);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "table fxgood.next\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "heuristic fx       fx_high          priority 20   -> fxchild\n"));
    run_free(&r);
    snprintf(args, sizeof args, "tables -P %s/tests/fixtures/fx_good.so -P %s/tests/fixtures/fx_child.so "
             "--disable-heuristic fx_high", bd, bd);
    r = run_trawl(args, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "-> fxchild (disabled)\n"));
    run_free(&r);
    r = run_trawl("tables --disable-heuristic no_such_heuristic", NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "no heuristic named 'no_such_heuristic'"));
    run_free(&r);
}

/* samples/embed.c, the embedding example `make` builds, runs and says what it should. */
static void test_embed_example(void)
{
    const char *b = getenv("TRAWL_BUILD");
    const char *bd = b && *b ? b : "build";
    char cmd[2048], out[4096] = "";
    snprintf(cmd, sizeof cmd, "%s/bin/trawl-embed-example %s/plugins %s/dns-udp-basic.pcap 2>&1", bd, bd,
             th_captures_dir());
    FILE *p = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    CU_ASSERT_EQUAL(pclose(p), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "frame 1: ip.src=192.168.1.11 ip.dst=209.87.249.18\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "2 packets\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  DNS      2\n"));
}

void test_cli_register(void);
void test_cli_register(void)
{
    CU_pSuite s = CU_add_suite("cli", NULL, NULL);
    CU_add_test(s, "cut-short file: frames, then located error, exit 2", test_damaged_cut_short);
    CU_add_test(s, "huge caplen: located error, exit 2", test_damaged_huge_caplen);
    CU_add_test(s, "unsupported link type is named", test_unsupported_linktype_named);
    CU_add_test(s, "not a capture / missing file", test_not_a_capture);
    CU_add_test(s, "several files and stdin", test_several_files_and_stdin);
    CU_add_test(s, "-c and BPF on files", test_count_and_bpf_on_files);
    CU_add_test(s, "plugins and fields listings", test_plugins_and_fields_listings);
    CU_add_test(s, "refused plugins are listed, the run goes on", test_plugin_dir_refusal_goes_on);
    CU_add_test(s, "--enable/--disable", test_enable_disable_only);
    CU_add_test(s, "-d errors", test_decode_as_cli);
    CU_add_test(s, "unknown sink", test_unknown_sink);
    CU_add_test(s, "profiles", test_profile_file);
    CU_add_test(s, "2038 and 2106 timestamps", test_timestamps_2038_2106);
    CU_add_test(s, "usage errors", test_usage_errors);
    CU_add_test(s, "every capture, every output: clean", test_all_captures_all_outputs);
    CU_add_test(s, "demo sample summary lines", test_demo_summary);
    CU_add_test(s, "plugins keep no mutable globals", test_plugins_have_no_mutable_globals);
    CU_add_test(s, "-w writes the filtered frames", test_write_filtered);
    CU_add_test(s, "heuristics listed and switched off; -P FILE.so", test_heuristics_cli);
    CU_add_test(s, "the embedding example runs", test_embed_example);
}
