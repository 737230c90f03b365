/* test_records_cli.c — the record sinks end to end: the real trawl binary, the fx_records
 * fixture analyzer (one record of every column kind per frame, tests/fixtures/fx_records.c)
 * on a real capture, and byte-exact zeek, csv and json outputs; then the same files read back
 * by independent parsers (tests/cli/records_check.py, when python3 is there), and the
 * --records command line: where output goes, what conflicts, what fails and how.
 *
 * Suites: "zeek" (the Zeek TSV writer) and "records" (json and csv, the command line). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "harness.h"

#define CAPTURE "ntp-client-server.pcap"     /* 8 frames, 2017-06-19 */

static const char ZEEK_FXREC[] =
    "#separator \\x09\n"
    "#set_separator\t,\n"
    "#empty_field\t(empty)\n"
    "#unset_field\t-\n"
    "#path\tfxrec\n"
    "#open\t2017-06-19-14-12-10\n"
    "#fields\tts\tdur\ttext\tid.orig_h\tid.resp_h\tid.resp_p\tkind\tn\tdelta\tflag\tratio\ttags\tseq\traw\n"
    "#types\ttime\tinterval\tstring\taddr\taddr\tport\tenum\tcount\tint\tbool\tdouble\tset[string]\tvector[count]\tstring\n"
    "1497881530.230949\t0.001500\ttab\\x09here\t10.0.0.1\t2001:db8::1\t1001\todd\t1000003\t-100\tT\t0.25\ta,b\\x2cc\t1,2\t01ff\n"
    "1497881530.231082\t0.003000\tline\\x0abreak\\\\back\t10.0.0.2\t192.168.1.2\t1002\teven\t18446744073709551615\t-200\tF\t0.5\t\\x2d,q\"x;y\t2,3\t02ff\n"
    "1497881958.494390\t-0.000250\t\303\274n\303\257 \342\234\223\\xff\t10.0.0.3\t2001:db8::3\t1003\todd\t3000009\t-300\tT\t-\t-\t3,4\t03ff\n"
    "1497881958.494589\t-\t\\x2d\t10.0.0.4\t192.168.1.4\t1004\teven\t4000012\t-400\tF\t1.0\ta,b\\x2cc\t4,5\t04ff\n"
    "1497882174.488500\t0.007500\t(empty)\t10.0.0.5\t2001:db8::5\t1005\todd\t5000015\t-500\tT\t1.25\t\\x2d,q\"x;y\t5,6\t05ff\n"
    "1497882174.488761\t0.009000\t\"quoted\" 6\t10.0.0.6\t192.168.1.6\t1006\teven\t6000018\t-600\tF\t1.5\t-\t6,7\t06ff\n"
    "1497883632.800853\t0.010500\ttab\\x09here\t10.0.0.7\t2001:db8::7\t1007\todd\t7000021\t-700\tT\t3.000000e+09\ta,b\\x2cc\t7,8\t07ff\n"
    "1497883632.800979\t-\tline\\x0abreak\\\\back\t10.0.0.8\t192.168.1.8\t1008\teven\t8000024\t-800\tF\t2.0\t\\x2d,q\"x;y\t8,9\t08ff\n"
    "#close\t2017-06-19-14-47-12\n";

static const char ZEEK_FXNOTE[] =
    "#separator \\x09\n"
    "#set_separator\t,\n"
    "#empty_field\t(empty)\n"
    "#unset_field\t-\n"
    "#path\tfxnote\n"
    "#open\t2017-06-19-14-19-18\n"
    "#fields\tts\tmsg\n"
    "#types\ttime\tstring\n"
    "1497881958.494390\tnote 3\n"
    "1497882174.488761\tnote 6\n"
    "#close\t2017-06-19-14-22-54\n";

static const char CSV_FXREC[] =
    "ts,dur,text,id.orig_h,id.resp_h,id.resp_p,kind,n,delta,flag,ratio,tags,seq,raw\n"
    "2017-06-19T14:12:10.230949Z,0.001500,tab\there,10.0.0.1,2001:db8::1,1001,odd,1000003,-100,true,0.25,\"a;b,c\",1;2,01ff\n"
    "2017-06-19T14:12:10.231082Z,0.003000,\"line\n"
    "break\\back\",10.0.0.2,192.168.1.2,1002,even,18446744073709551615,-200,false,0.5,\"-;q\"\"x\\;y\",2;3,02ff\n"
    "2017-06-19T14:19:18.494390Z,-0.000250,\303\274n\303\257 \342\234\223\377,10.0.0.3,2001:db8::3,1003,odd,3000009,-300,true,,,3;4,03ff\n"
    "2017-06-19T14:19:18.494589Z,,-,10.0.0.4,192.168.1.4,1004,even,4000012,-400,false,1,\"a;b,c\",4;5,04ff\n"
    "2017-06-19T14:22:54.488500Z,0.007500,\"\",10.0.0.5,2001:db8::5,1005,odd,5000015,-500,true,1.25,\"-;q\"\"x\\;y\",5;6,05ff\n"
    "2017-06-19T14:22:54.488761Z,0.009000,\"\"\"quoted\"\" 6\",10.0.0.6,192.168.1.6,1006,even,6000018,-600,false,1.5,,6;7,06ff\n"
    "2017-06-19T14:47:12.800853Z,0.010500,tab\there,10.0.0.7,2001:db8::7,1007,odd,7000021,-700,true,3000000000,\"a;b,c\",7;8,07ff\n"
    "2017-06-19T14:47:12.800979Z,,\"line\n"
    "break\\back\",10.0.0.8,192.168.1.8,1008,even,8000024,-800,false,2,\"-;q\"\"x\\;y\",8;9,08ff\n";

static const char CSV_FXNOTE[] =
    "ts,msg\n"
    "2017-06-19T14:19:18.494390Z,note 3\n"
    "2017-06-19T14:22:54.488761Z,note 6\n";

/* --records json: one line per record, fxnote after fxrec of frames 3 and 6. */
static const char JSON_RECORDS[] =
    "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:12:10.230949Z\",\"dur\":0.001500,\"text\":\"tab\\there\",\"id.orig_h\":\"10.0.0.1\",\"id.resp_h\":\"2001:db8::1\",\"id.resp_p\":1001,\"kind\":\"odd\",\"n\":1000003,\"delta\":-100,\"flag\":true,\"ratio\":0.25,\"tags\":[\"a\",\"b,c\"],\"seq\":[1,2],\"raw\":\"01ff\"}\n"
    "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:12:10.231082Z\",\"dur\":0.003000,\"text\":\"line\\nbreak\\\\back\",\"id.orig_h\":\"10.0.0.2\",\"id.resp_h\":\"192.168.1.2\",\"id.resp_p\":1002,\"kind\":\"even\",\"n\":18446744073709551615,\"delta\":-200,\"flag\":false,\"ratio\":0.5,\"tags\":[\"-\",\"q\\\"x;y\"],\"seq\":[2,3],\"raw\":\"02ff\"}\n"
    "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:19:18.494390Z\",\"dur\":-0.000250,\"text\":\"\303\274n\303\257 \342\234\223\\u00ff\",\"id.orig_h\":\"10.0.0.3\",\"id.resp_h\":\"2001:db8::3\",\"id.resp_p\":1003,\"kind\":\"odd\",\"n\":3000009,\"delta\":-300,\"flag\":true,\"seq\":[3,4],\"raw\":\"03ff\"}\n"
    "{\"_path\":\"fxnote\",\"ts\":\"2017-06-19T14:19:18.494390Z\",\"msg\":\"note 3\"}\n"
    "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:19:18.494589Z\",\"text\":\"-\",\"id.orig_h\":\"10.0.0.4\",\"id.resp_h\":\"192.168.1.4\",\"id.resp_p\":1004,\"kind\":\"even\",\"n\":4000012,\"delta\":-400,\"flag\":false,\"ratio\":1,\"tags\":[\"a\",\"b,c\"],\"seq\":[4,5],\"raw\":\"04ff\"}\n"
    "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:22:54.488500Z\",\"dur\":0.007500,\"text\":\"\",\"id.orig_h\":\"10.0.0.5\",\"id.resp_h\":\"2001:db8::5\",\"id.resp_p\":1005,\"kind\":\"odd\",\"n\":5000015,\"delta\":-500,\"flag\":true,\"ratio\":1.25,\"tags\":[\"-\",\"q\\\"x;y\"],\"seq\":[5,6],\"raw\":\"05ff\"}\n"
    "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:22:54.488761Z\",\"dur\":0.009000,\"text\":\"\\\"quoted\\\" 6\",\"id.orig_h\":\"10.0.0.6\",\"id.resp_h\":\"192.168.1.6\",\"id.resp_p\":1006,\"kind\":\"even\",\"n\":6000018,\"delta\":-600,\"flag\":false,\"ratio\":1.5,\"seq\":[6,7],\"raw\":\"06ff\"}\n"
    "{\"_path\":\"fxnote\",\"ts\":\"2017-06-19T14:22:54.488761Z\",\"msg\":\"note 6\"}\n"
    "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:47:12.800853Z\",\"dur\":0.010500,\"text\":\"tab\\there\",\"id.orig_h\":\"10.0.0.7\",\"id.resp_h\":\"2001:db8::7\",\"id.resp_p\":1007,\"kind\":\"odd\",\"n\":7000021,\"delta\":-700,\"flag\":true,\"ratio\":3000000000,\"tags\":[\"a\",\"b,c\"],\"seq\":[7,8],\"raw\":\"07ff\"}\n"
    "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:47:12.800979Z\",\"text\":\"line\\nbreak\\\\back\",\"id.orig_h\":\"10.0.0.8\",\"id.resp_h\":\"192.168.1.8\",\"id.resp_p\":1008,\"kind\":\"even\",\"n\":8000024,\"delta\":-800,\"flag\":false,\"ratio\":2,\"tags\":[\"-\",\"q\\\"x;y\"],\"seq\":[8,9],\"raw\":\"08ff\"}\n";

/* ---- helpers -------------------------------------------------------------------------------- */

static char args[8192];

static const char *build_dir(void)
{
    const char *b = getenv("TRAWL_BUILD");
    return b && *b ? b : "build";
}

/* "-r CAPTURE -P fx_records.so --disable conn": the fixture's records only (the conn
 * analyzer's are tested in its own suite). */
static const char *input_args(const char *capture)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "-r %s/%s --disable conn -P %s/tests/fixtures/fx_records.so", th_captures_dir(),
             capture, build_dir());
    return buf;
}

static char *slurp_file(const char *dir, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, k;
    char *buf = malloc(cap);
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) { char *nb = realloc(buf, cap *= 2); if (!nb) { free(buf); buf = NULL; break; } buf = nb; }
    }
    fclose(f);
    if (buf) buf[n] = 0;
    return buf;
}

static bool exists(const char *dir, const char *name)
{
    char path[2048];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static char *temp_dir(void)
{
    char tmpl[] = "/tmp/trawl-records-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static void remove_dir(char *d)
{
    if (!d) return;
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", d);
    free(d);
}

/* Exact comparison with the first differing line shown on failure. */
static void assert_text(const char *got, const char *want, const char *what)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    if (!strcmp(got, want)) { CU_PASS("same"); return; }
    size_t i = 0, line = 1, at = 0;
    for (; got[i] && got[i] == want[i]; i++) if (got[i] == '\n') { line++; at = i + 1; }
    fprintf(stderr, "\n  %s differs at line %zu:\n  got:  %.*s\n  want: %.*s\n", what, line,
            (int)strcspn(got + at, "\n"), got + at, (int)strcspn(want + at, "\n"), want + at);
    CU_FAIL("output differs");
}

/* ---- zeek ----------------------------------------------------------------------------------- */

static void test_zeek_logs_exact(void)
{
    char *d = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    /* a directory that does not exist yet, two levels down: created */
    snprintf(args, sizeof args, "%s --records zeek:%s/logs/run1", input_args(CAPTURE), d);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_STRING_EQUAL(r.out, "");          /* --records alone prints no packets */
    CU_ASSERT_STRING_EQUAL(r.err, "");
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/logs/run1", d);
    char *rec = slurp_file(sub, "fxrec.log"), *note = slurp_file(sub, "fxnote.log");
    assert_text(rec, ZEEK_FXREC, "fxrec.log");
    assert_text(note, ZEEK_FXNOTE, "fxnote.log");
    CU_ASSERT_FALSE(exists(sub, "fxnever.log"));   /* a type with no record: no file */
    free(rec);
    free(note);
    run_free(&r);
    remove_dir(d);
}

/* Every row has as many cells as #fields names and #types types: no value leaked a tab or a
 * newline, whatever its text. */
static void test_zeek_rows_match_fields(void)
{
    char *d = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    snprintf(args, sizeof args, "%s --records zeek:%s", input_args(CAPTURE), d);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    char *log = slurp_file(d, "fxrec.log");
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    size_t nfields = 0, ntypes = 0, rows = 0, bad = 0, closes = 0;
    for (char *line = log, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);           /* every line ends with a newline */
        size_t cells = 1;
        for (char *p = line; p < nl; p++) cells += *p == '\t';
        if (!strncmp(line, "#fields\t", 8)) nfields = cells - 1;
        else if (!strncmp(line, "#types\t", 7)) ntypes = cells - 1;
        else if (!strncmp(line, "#close\t", 7)) closes++;
        else if (*line != '#') {
            rows++;
            CU_ASSERT_EQUAL(closes, 0);              /* #close comes last */
            if (cells != nfields) bad++;
        }
    }
    CU_ASSERT_EQUAL(nfields, 14);
    CU_ASSERT_EQUAL(ntypes, 14);
    CU_ASSERT_EQUAL(rows, 8);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(closes, 1);
    free(log);
    run_free(&r);
    remove_dir(d);
}

/* Same input, same bytes: #open/#close come from the records, not the clock. */
static void test_zeek_deterministic(void)
{
    char *a = temp_dir(), *b = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    snprintf(args, sizeof args, "%s --records zeek:%s", input_args(CAPTURE), a);
    struct run r1 = run_trawl(args, NULL);
    sleep(1);
    snprintf(args, sizeof args, "%s --records zeek:%s", input_args(CAPTURE), b);
    struct run r2 = run_trawl(args, NULL);
    char *x = slurp_file(a, "fxnote.log"), *y = slurp_file(b, "fxnote.log");
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    CU_ASSERT_STRING_EQUAL(x, y);
    free(x);
    free(y);
    run_free(&r1);
    run_free(&r2);
    remove_dir(a);
    remove_dir(b);
}

/* -c 2: only what those frames made; fxnote (every third frame) has no file. */
static void test_zeek_count_limit(void)
{
    char *d = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    snprintf(args, sizeof args, "%s -c 2 --records zeek:%s", input_args(CAPTURE), d);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    char *log = slurp_file(d, "fxrec.log");
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    /* the first 10 lines of the full log (8 header lines, 2 rows), then #close at row 2's ts */
    const char *want_end = "#close\t2017-06-19-14-12-10\n";
    size_t n = 0, lines = 0;
    for (; ZEEK_FXREC[n] && lines < 10; n++) lines += ZEEK_FXREC[n] == '\n';
    CU_ASSERT_EQUAL(strncmp(log, ZEEK_FXREC, n), 0);
    CU_ASSERT_STRING_EQUAL(log + n, want_end);
    CU_ASSERT_FALSE(exists(d, "fxnote.log"));
    free(log);
    run_free(&r);
    remove_dir(d);
}

/* An empty capture, or no plugin that makes records: the directory, and no file in it. */
static void test_zeek_no_records(void)
{
    char *d = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    snprintf(args, sizeof args, "%s --records zeek:%s/x", input_args("pcap-empty-header-only.pcap"), d);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/x", d);
    CU_ASSERT_TRUE(exists(d, "x"));
    CU_ASSERT_FALSE(exists(sub, "fxrec.log"));
    run_free(&r);
    snprintf(args, sizeof args, "-r %s/%s --records zeek:%s/y", th_captures_dir(), CAPTURE, d);
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_STRING_EQUAL(r.err, "");
    snprintf(sub, sizeof sub, "%s/y", d);
    CU_ASSERT_TRUE(exists(d, "y"));
    run_free(&r);
    remove_dir(d);
}

/* dhcp joins its messages through an internal record type: no sink, no log, no --records
 * output ever shows it, and the exchange it makes is there. */
static void test_internal_records_stay_inside(void)
{
    char *d = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    snprintf(args, sizeof args, "-r %s/dhcp-rfc3004-user-class.pcap --records zeek:%s", th_captures_dir(), d);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_TRUE(exists(d, "dhcp.log"));
    CU_ASSERT_FALSE(exists(d, "dhcp_message.log"));
    run_free(&r);
    remove_dir(d);
    snprintf(args, sizeof args, "-r %s/dhcp-rfc3004-user-class.pcap --records json -q", th_captures_dir());
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NULL(strstr(r.out, "dhcp_message"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"msg_types\":[\"DISCOVER\",\"OFFER\",\"REQUEST\",\"ACK\"]"));
    run_free(&r);
}

static void test_zeek_bad_dir(void)
{
    snprintf(args, sizeof args, "%s --records zeek:/dev/null/logs", input_args(CAPTURE));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "/dev/null/logs"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "Not a directory"));
    CU_ASSERT_STRING_EQUAL(r.out, "");
    run_free(&r);
}

/* zeek, csv and json written in one run, read back by independent parsers. */
static void test_zeek_csv_json_parse_back(void)
{
    if (system("python3 -c 'import csv, json' >/dev/null 2>&1") != 0) {
        fprintf(stderr, "(python3 not found: parse-back check skipped) ");
        return;
    }
    char *d = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    snprintf(args, sizeof args, "%s --records zeek:%s/z --records csv:%s/c --records json:%s/r.json",
             input_args(CAPTURE), d, d, d);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "python3 tests/cli/records_check.py %s/z %s/c %s/r.json", d, d, d);
    int st = system(cmd);
    CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    run_free(&r);
    remove_dir(d);
}

/* ---- records: json, csv, the command line --------------------------------------------------- */

static void test_records_json_stdout(void)
{
    snprintf(args, sizeof args, "%s --records json", input_args(CAPTURE));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    assert_text(r.out, JSON_RECORDS, "--records json");
    CU_ASSERT_STRING_EQUAL(r.err, "");
    run_free(&r);
}

static void test_records_json_file(void)
{
    char *d = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    snprintf(args, sizeof args, "%s --records json:%s/r.json -T fields -e frame.number", input_args(CAPTURE), d);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_STRING_EQUAL(r.out, "1\n2\n3\n4\n5\n6\n7\n8\n");  /* -T still goes to stdout */
    char *j = slurp_file(d, "r.json");
    assert_text(j, JSON_RECORDS, "--records json:FILE");
    free(j);
    run_free(&r);
    remove_dir(d);
    snprintf(args, sizeof args, "%s --records json:/nonexistent/dir/r.json", input_args(CAPTURE));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "/nonexistent/dir/r.json: No such file or directory"));
    run_free(&r);
}

/* -T json with --records json: one stream, each frame's records right after the frame. */
static void test_records_json_with_packets(void)
{
    snprintf(args, sizeof args, "%s -T json -e frame.number --records json -c 3", input_args(CAPTURE));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 7);
    const char *want[] = { "{\"frame.number\":1,", "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:12:10.230949Z\"",
                           "{\"frame.number\":2,", "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:12:10.231082Z\"",
                           "{\"frame.number\":3,", "{\"_path\":\"fxrec\",\"ts\":\"2017-06-19T14:19:18.494390Z\"",
                           "{\"_path\":\"fxnote\"," };
    const char *line = r.out;
    for (size_t i = 0; i < 7 && line; i++) {
        CU_ASSERT_EQUAL(strncmp(line, want[i], strlen(want[i])), 0);
        line = strchr(line, '\n');
        if (line) line++;
    }
    /* the records' lines are the same as on their own */
    const char *rec1 = strstr(r.out, "{\"_path\":\"fxrec\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec1);
    CU_ASSERT_EQUAL(strncmp(rec1, JSON_RECORDS, strcspn(JSON_RECORDS, "\n") + 1), 0);
    run_free(&r);
    /* the same with the sink's own option */
    snprintf(args, sizeof args, "%s -T json -e frame.number -O records=yes -c 1", input_args(CAPTURE));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 2);
    CU_ASSERT_EQUAL(strncmp(r.out, "{\"frame.number\":1,\"_layers\":", 28), 0);
    run_free(&r);
    /* records=no (the default) and records=only */
    snprintf(args, sizeof args, "%s -T json -e frame.number -O records=only", input_args(CAPTURE));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    assert_text(r.out, JSON_RECORDS, "-O records=only");
    run_free(&r);
    snprintf(args, sizeof args, "%s -T json -e frame.number -c 1", input_args(CAPTURE));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(count_lines(r.out), 1);
    CU_ASSERT_PTR_NULL(strstr(r.out, "_path"));
    run_free(&r);
    snprintf(args, sizeof args, "%s -T json -O records=maybe", input_args(CAPTURE));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "records=maybe: expected only, yes or no"));
    run_free(&r);
}

/* Standard output can take one stream: --records json does not share it with text or fields. */
static void test_records_stdout_conflicts(void)
{
    snprintf(args, sizeof args, "%s --records json -T fields -e frame.number", input_args(CAPTURE));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "--records json writes to standard output, as does -T fields"));
    CU_ASSERT_STRING_EQUAL(r.out, "");
    run_free(&r);
    snprintf(args, sizeof args, "%s --records json -V", input_args(CAPTURE));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "as does -T text"));
    run_free(&r);
    snprintf(args, sizeof args, "%s --records json --records json:-", input_args(CAPTURE));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "as does another --records json"));
    run_free(&r);
    snprintf(args, sizeof args, "%s --records json -w -", input_args(CAPTURE));
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "as does -w -"));
    run_free(&r);
}

/* Packets and logs: --records alone prints no packets (like -w); -T or -V bring them back;
 * -q silences packets, never records. */
static void test_records_packet_output(void)
{
    char *d = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    snprintf(args, sizeof args, "%s --records csv:%s -T fields -e frame.number -c 2", input_args(CAPTURE), d);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_STRING_EQUAL(r.out, "1\n2\n");
    run_free(&r);
    snprintf(args, sizeof args, "%s --records csv:%s -V -c 1", input_args(CAPTURE), d);
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Frame 1:"));
    run_free(&r);
    snprintf(args, sizeof args, "%s -q --records json --records csv:%s", input_args(CAPTURE), d);
    r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    assert_text(r.out, JSON_RECORDS, "-q --records json");
    char *c = slurp_file(d, "fxrec.csv");
    assert_text(c, CSV_FXREC, "fxrec.csv after -q");
    free(c);
    run_free(&r);
    remove_dir(d);
}

static void test_records_csv_exact(void)
{
    char *d = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    snprintf(args, sizeof args, "%s --records csv:%s", input_args(CAPTURE), d);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_STRING_EQUAL(r.out, "");
    char *rec = slurp_file(d, "fxrec.csv"), *note = slurp_file(d, "fxnote.csv");
    assert_text(rec, CSV_FXREC, "fxrec.csv");
    assert_text(note, CSV_FXNOTE, "fxnote.csv");
    CU_ASSERT_FALSE(exists(d, "fxnever.csv"));
    free(rec);
    free(note);
    run_free(&r);
    remove_dir(d);
}

static void test_records_bad_specs(void)
{
    const char *bad[] = { "zeek:", ":x", "json:" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(args, sizeof args, "%s --records '%s'", input_args(CAPTURE), bad[i]);
        struct run r = run_trawl(args, NULL);
        CU_ASSERT_EQUAL(r.status, 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "expected FORMAT[:PATH]"));
        run_free(&r);
    }
    snprintf(args, sizeof args, "%s --records parquet:/tmp", input_args(CAPTURE));
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "no output sink 'parquet' is loaded"));
    run_free(&r);
    r = run_trawl("--help", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--records FMT[:PATH]"));
    run_free(&r);
}

void test_zeek_register(void);
void test_zeek_register(void)
{
    CU_pSuite s = CU_add_suite("zeek", NULL, NULL);
    CU_add_test(s, "zeek logs byte-exact (types, escapes, unset, sets, #open/#close)", test_zeek_logs_exact);
    CU_add_test(s, "every row has #fields cells", test_zeek_rows_match_fields);
    CU_add_test(s, "output does not depend on the clock", test_zeek_deterministic);
    CU_add_test(s, "-c: only the records made, #close at the last", test_zeek_count_limit);
    CU_add_test(s, "no records: no files", test_zeek_no_records);
    CU_add_test(s, "a directory that cannot be made", test_zeek_bad_dir);
    CU_add_test(s, "zeek, csv, json parsed back agree (python3)", test_zeek_csv_json_parse_back);
}

void test_records_register(void);
void test_records_register(void)
{
    CU_pSuite s = CU_add_suite("records", NULL, NULL);
    CU_add_test(s, "--records json: NDJSON byte-exact", test_records_json_stdout);
    CU_add_test(s, "--records json:FILE beside -T fields", test_records_json_file);
    CU_add_test(s, "-T json with records: one stream, records after their frame", test_records_json_with_packets);
    CU_add_test(s, "standard output conflicts are refused", test_records_stdout_conflicts);
    CU_add_test(s, "packet output with --records, and -q", test_records_packet_output);
    CU_add_test(s, "csv byte-exact (RFC 4180 quoting, sets, unset vs empty)", test_records_csv_exact);
    CU_add_test(s, "bad --records arguments", test_records_bad_specs);
    CU_add_test(s, "internal record types stay inside", test_internal_records_stay_inside);
}
