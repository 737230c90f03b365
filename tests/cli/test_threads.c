/* test_threads.c — worker threads change nothing in the output: every shared capture through
 * the real binary with --threads 1, 2 and 3, all 135 oracle fields (tcp.stream and udp.stream
 * included, renumbered in frame order by the merge) and the conn records, compared byte for
 * byte; plus a generated capture with many flows and timeouts (records made at ticks, merged
 * across workers) and the flow counters summed over the workers.
 *
 * The paths of the merge each get a run: the fields, json and text (-V) sinks render on the workers (stream
 * numbers filled into gaps at the merge, with -E quote/occurrence/header, relative times; json
 * with its records in the same stream); beside a
 * sink that does not render (-w: every packet's context goes to the merge); -q (no packet
 * output: no stream-number map); tiny and odd threads.depth / share0 / spin settings (rings
 * that fill at once, a reading thread that takes every flow or none); and the --stats counters. */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "harness.h"
#include "pktgen.h"

static char *field_args(void)
{
    static char buf[16384];
    char path[1024];
    snprintf(path, sizeof path, "%s/oracle/FIELDS.txt", th_captures_dir());
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t at = 0;
    char line[256];
    while (fgets(line, sizeof line, f) && at + 300 < sizeof buf) {
        line[strcspn(line, "\r\n")] = 0;
        if (*line) at += (size_t)snprintf(buf + at, sizeof buf - at, " -e %s", line);
    }
    fclose(f);
    return buf;
}

/* Output and records of one run, concatenated (records go to a file, then appended). */
static char *run_with(const char *capture, unsigned threads, const char *fields, int *status)
{
    char rec[256], args[20000];
    snprintf(rec, sizeof rec, "/tmp/trawl-threads-%d-%u.json", (int)getpid(), threads);
    snprintf(args, sizeof args, "-r '%s' --threads %u -T fields%s --records json:%s", capture, threads,
             fields, rec);
    struct run r = run_trawl(args, NULL);
    *status = r.status;
    FILE *f = fopen(rec, "r");
    size_t rn = 0;
    char *rbuf = NULL;
    if (f) {
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        rbuf = malloc((size_t)(n > 0 ? n : 0) + 1);
        if (rbuf) rn = fread(rbuf, 1, (size_t)(n > 0 ? n : 0), f);
        fclose(f);
    }
    unlink(rec);
    char *all = malloc(r.out_len + rn + 2);
    if (all) {
        memcpy(all, r.out, r.out_len);
        all[r.out_len] = '\f';
        if (rn) memcpy(all + r.out_len + 1, rbuf, rn);
        all[r.out_len + 1 + rn] = 0;
    }
    free(rbuf);
    run_free(&r);
    return all;
}

static void test_all_captures_identical(void)
{
    const char *fields = field_args();
    CU_ASSERT_PTR_NOT_NULL_FATAL(fields);
    DIR *d = opendir(th_captures_dir());
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *de;
    unsigned n = 0, same = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (!(l > 5 && !strcmp(de->d_name + l - 5, ".pcap")) && !(l > 7 && !strcmp(de->d_name + l - 7, ".pcapng")))
            continue;
        char cap[1024];
        snprintf(cap, sizeof cap, "%s/%s", th_captures_dir(), de->d_name);
        int s1, s2, s3;
        char *a = run_with(cap, 1, fields, &s1), *b = run_with(cap, 2, fields, &s2), *c = run_with(cap, 3, fields, &s3);
        n++;
        bool ok = a && b && c && !strcmp(a, b) && !strcmp(a, c) && s1 == s2 && s1 == s3;
        if (ok) same++;
        else fprintf(stderr, "\n  threads change the output of %s", de->d_name);
        free(a); free(b); free(c);
    }
    closedir(d);
    CU_ASSERT(n >= 100);
    CU_ASSERT_EQUAL(same, n);
}

/* 300 UDP conversations from 60 hosts over 25 minutes of capture time, each idle about 150 s
 * between packets: they time out (60 s) and come back, so conn records are made at ticks on
 * every worker. */
static void test_timeouts_merge(void)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/trawl-threads-gen-%d.pcap", (int)getpid());
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint8_t gh[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0 };
    fwrite(gh, 1, sizeof gh, f);
    uint8_t buf[256];
    for (unsigned i = 0; i < 3000; i++) {
        unsigned conv = (i * 7919u) % 300, host = conv % 60;
        struct pg_ep a = pg_v4(10, 1, 0, (uint8_t)host, (uint16_t)(2000 + conv)), b = pg_v4(192, 0, 2, 9, 53);
        bool reply = i & 1;
        size_t len = pg_ipv4(buf, 17, reply ? &b : &a, reply ? &a : &b, 0, 0, 0, 0, "payload!", 8);
        uint32_t sec = 1700000000u + i / 2, usec = (i % 2) * 500000u;
        uint8_t rh[16];
        memcpy(rh, &sec, 4); memcpy(rh + 4, &usec, 4);
        uint32_t l32 = (uint32_t)len;
        memcpy(rh + 8, &l32, 4); memcpy(rh + 12, &l32, 4);
        fwrite(rh, 1, 16, f);
        fwrite(buf, 1, len, f);
    }
    fclose(f);
    int s1, s2;
    char *a = run_with(path, 1, " -e frame.number -e udp.stream", &s1);
    char *b = run_with(path, 2, " -e frame.number -e udp.stream", &s2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_STRING_EQUAL(a, b);
    /* Timeouts did happen: more conn records than conversations. */
    const char *recs = strchr(a, '\f');
    CU_ASSERT_PTR_NOT_NULL_FATAL(recs);
    CU_ASSERT(count_lines(recs + 1) > 300);
    free(a);
    free(b);
    /* The counters are the workers' sums. */
    char args[2048];
    snprintf(args, sizeof args, "-r %s --threads 2 -q --stats", path);
    struct run r = run_trawl(args, NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "trawl: 3000 packets"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "timed out"));
    run_free(&r);
    const char *flows1 = NULL;
    char keep[512] = "";
    for (unsigned t = 1; t <= 3; t += 2) {
        snprintf(args, sizeof args, "-r %s --threads %u -q --stats", path, t);
        r = run_trawl(args, NULL);
        const char *fl = strstr(r.err, "flows: ");
        CU_ASSERT_PTR_NOT_NULL(fl);
        /* "N created, N timed out" agree between 1 and 3 workers (the peaks may not). */
        if (fl && t == 1) { snprintf(keep, sizeof keep, "%.*s", (int)strcspn(fl, ";"), fl); flows1 = keep; }
        else if (fl && flows1) CU_ASSERT_EQUAL(strncmp(fl, flows1, strlen(flows1)), 0);
        run_free(&r);
    }
    unlink(path);
}

static char *read_whole(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)(len > 0 ? len : 0) + 1);
    if (b) *n = fread(b, 1, (size_t)(len > 0 ? len : 0), f);
    fclose(f);
    return b;
}

/* A run's standard output and exit status. */
static char *out_of(const char *args)
{
    struct run r = run_trawl(args, NULL);
    char *o = malloc((r.out ? strlen(r.out) : 0) + 32);
    if (o) sprintf(o, "%s\f%d", r.out ? r.out : "", r.status);
    run_free(&r);
    return o;
}

/* Every capture: the rendering fields sink beside -w (a sink that does not render: contexts
 * kept) for 1, 2 and 3 threads; alone with settings that stress the rings (every third
 * capture: each run costs seconds under the sanitizers); -T json with its records. */
static void test_render_paths(void)
{
    static const char *const fields = " -T fields -E header=y -E quote=d -E occurrence=a -e frame.number"
        " -e tcp.stream -e udp.stream -e _ws.col.Time -e _ws.col.Info -e ip.src -e tcp.stream -e frame.len";
    static const char *const odd[] = {
        " --threads 2 -o threads.depth=2 -o threads.spin_us=0",      /* rings full at once */
        " --threads 3 -o threads.share0=0",                          /* the reader takes no flow */
        " --threads 2 -o threads.share0=1000 -o threads.depth=4",    /* ... or every flow */
    };
    DIR *d = opendir(th_captures_dir());
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *de;
    unsigned n = 0, same = 0;
    char pcap[3][128];
    for (unsigned t = 0; t < 3; t++) snprintf(pcap[t], sizeof pcap[t], "/tmp/trawl-threads-w-%d-%u.pcap", (int)getpid(), t);
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (!(l > 5 && !strcmp(de->d_name + l - 5, ".pcap")) && !(l > 7 && !strcmp(de->d_name + l - 7, ".pcapng")))
            continue;
        char args[4096];
        bool ok = true;
        char *o[3];
        for (unsigned t = 0; t < 3; t++) {
            snprintf(args, sizeof args, "-r '%s/%s' --threads %u%s -w %s", th_captures_dir(), de->d_name, t + 1,
                     fields, pcap[t]);
            o[t] = out_of(args);
        }
        bool same_out = o[0] && o[1] && o[2] && !strcmp(o[0], o[1]) && !strcmp(o[0], o[2]);
        if (!same_out) fprintf(stderr, "\n  threads change -T fields on %s", de->d_name);
        ok = ok && same_out;
        char *w[3];
        size_t wn[3];
        for (unsigned t = 0; t < 3; t++) w[t] = read_whole(pcap[t], &wn[t]);
        bool same_w = w[0] && w[1] && w[2] && wn[0] == wn[1] && wn[0] == wn[2] &&
                      !memcmp(w[0], w[1], wn[0]) && !memcmp(w[0], w[2], wn[0]);
        if (!same_w) fprintf(stderr, "\n  threads change -w on %s", de->d_name);
        ok = ok && same_w;
        for (unsigned t = 0; t < 3; t++) { free(w[t]); unlink(pcap[t]); }
        for (unsigned v = 0; n % 3 == 0 && v < sizeof odd / sizeof odd[0]; v++) {
            snprintf(args, sizeof args, "-r '%s/%s'%s%s", th_captures_dir(), de->d_name, fields, odd[v]);
            char *x = out_of(args);
            bool same_x = x && o[0] && !strcmp(x, o[0]);
            if (!same_x) fprintf(stderr, "\n  threads change -T fields%s on %s", odd[v], de->d_name);
            ok = ok && same_x;
            free(x);
        }
        for (unsigned t = 0; t < 3; t++) free(o[t]);
        /* -T json renders on the workers too; its records follow their frame in one stream. */
        char *j[2];
        for (unsigned t = 0; t < 2; t++) {
            snprintf(args, sizeof args, "-r '%s/%s' --threads %u -T json --records json", th_captures_dir(),
                     de->d_name, t + 1);
            j[t] = out_of(args);
        }
        bool same_j = j[0] && j[1] && !strcmp(j[0], j[1]);
        if (!same_j) fprintf(stderr, "\n  threads change -T json on %s", de->d_name);
        ok = ok && same_j;
        for (unsigned t = 0; t < 2; t++) free(j[t]);
        /* -V (text sink: trees, stream numbers formatted TRAWL_FMT_SHOW in the gaps) */
        for (unsigned t = 0; t < 2; t++) {
            snprintf(args, sizeof args, "-r '%s/%s' --threads %u -V", th_captures_dir(), de->d_name, t + 1);
            j[t] = out_of(args);
        }
        bool same_v = j[0] && j[1] && !strcmp(j[0], j[1]);
        if (!same_v) fprintf(stderr, "\n  threads change -V on %s", de->d_name);
        ok = ok && same_v;
        for (unsigned t = 0; t < 2; t++) free(j[t]);
        n++;
        if (ok) same++;
    }
    closedir(d);
    CU_ASSERT(n >= 100);
    CU_ASSERT_EQUAL(same, n);
}

/* -q with --stats: the counters (but the peaks, which add up per worker) are the same. */
static void test_quiet_stats(void)
{
    DIR *d = opendir(th_captures_dir());
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *de;
    unsigned n = 0, same = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (!(l > 5 && !strcmp(de->d_name + l - 5, ".pcap")) && !(l > 7 && !strcmp(de->d_name + l - 7, ".pcapng")))
            continue;
        char *e[2] = { NULL, NULL };
        for (unsigned t = 0; t < 2; t++) {
            char args[2048];
            snprintf(args, sizeof args, "-r '%s/%s' --threads %u -q --stats", th_captures_dir(), de->d_name, t + 1);
            struct run r = run_trawl(args, NULL);
            /* keep each line up to "; at most" or "; peak" (the peaks follow) */
            char *keep = malloc(strlen(r.err ? r.err : "") + 1), *k = keep;
            for (const char *line = r.err ? r.err : ""; keep && *line;) {
                size_t len = strcspn(line, "\n");
                const char *peak = strstr(line, "; at most");
                if (!peak || (size_t)(peak - line) > len) peak = strstr(line, "; peak");
                size_t upto = peak && (size_t)(peak - line) < len ? (size_t)(peak - line) : len;
                memcpy(k, line, upto);
                k += upto;
                *k++ = '\n';
                line += len + (line[len] == '\n');
            }
            if (k) *k = 0;
            e[t] = keep;
            run_free(&r);
        }
        n++;
        if (e[0] && e[1] && !strcmp(e[0], e[1]) && strstr(e[0], " packets")) same++;
        else fprintf(stderr, "\n  threads change --stats on %s:\n%s---\n%s", de->d_name, e[0] ? e[0] : "", e[1] ? e[1] : "");
        free(e[0]);
        free(e[1]);
    }
    closedir(d);
    CU_ASSERT(n >= 100);
    CU_ASSERT_EQUAL(same, n);
}

static void test_bad_threads(void)
{
    struct run r = run_trawl("--threads 0 -r /dev/null", NULL);
    CU_ASSERT_NOT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "--threads"));
    run_free(&r);
}

void test_threads_register(void);
void test_threads_register(void)
{
    CU_pSuite s = CU_add_suite("threads", NULL, NULL);
    CU_add_test(s, "--threads 1, 2, 3: the same output on every capture", test_all_captures_identical);
    CU_add_test(s, "timeouts on every worker merge into the same records", test_timeouts_merge);
    CU_add_test(s, "fields and json render on the workers, beside -w, odd ring settings: same output", test_render_paths);
    CU_add_test(s, "-q --stats: the same counters", test_quiet_stats);
    CU_add_test(s, "--threads 0 is refused", test_bad_threads);
}
