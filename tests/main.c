/* main.c — the CUnit runner: every suite registers itself through a test_*_register function.
 * Suites are weak references so the runner links while a suite is being written.
 *
 *   build/tests/trawl-tests [SUITE-SUBSTRING]
 * Working directory: the repository root (captures are found at ../shared/captures or
 * $TRAWL_CAPTURES, plugins at $TRAWL_BUILD/plugins).
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#define SUITES(X) X(buf) X(loader) X(format) X(capture) X(l2) X(l3l4) X(sinks) \
                  X(engine) X(cli) X(live) X(sdk) X(fuzz_regressions) X(pcapw) X(alloc) X(flow) \
                  X(reasm) X(defrag) X(streams) X(records) X(conn) X(zeek) X(views) X(threads) X(http) X(dns) X(dhcp) X(ssh) X(ntp) \
                  X(tls) X(x509) X(quic) X(nbns) X(smtp) X(ftp) X(ndpi)
#define DECL(name) void test_##name##_register(void) __attribute__((weak));
SUITES(DECL)

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    const char *only = argc > 1 ? argv[1] : NULL;
#define CALL(name) if (test_##name##_register && (!only || strstr(#name, only))) test_##name##_register();
    SUITES(CALL)
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
