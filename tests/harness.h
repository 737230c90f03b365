/* harness.h — the project's tests use the SDK's harness (trawl/testing.h) through these short
 * names, with the built plugins ($TRAWL_BUILD/plugins, default build/plugins) loaded. */
#ifndef TRAWL_TEST_HARNESS_H
#define TRAWL_TEST_HARNESS_H
#include <stdio.h>
#include <stdlib.h>
#include <trawl/trawl.h>

#define th trawl_test

/* Directory of built plugins ("build/plugins" or $TRAWL_BUILD/plugins). */
static inline const char *th_plugin_dir(void)
{
    static char dir[1024];
    const char *b = getenv("TRAWL_BUILD");
    snprintf(dir, sizeof dir, "%s/plugins", b && *b ? b : "build");
    return dir;
}
/* Directory of the shared captures ($TRAWL_CAPTURES or ../shared/captures). */
static inline const char *th_captures_dir(void)
{
    const char *c = getenv("TRAWL_CAPTURES");
    return c && *c ? c : "../shared/captures";
}
static inline struct trawl_test *th_new_with(const char *const *extra_dirs, const char *const *decode_as)
{
    const char *dirs[16] = { th_plugin_dir() };
    size_t n = 1;
    for (size_t i = 0; extra_dirs && extra_dirs[i] && n < 15; i++) dirs[n++] = extra_dirs[i];
    dirs[n] = NULL;
    return trawl_test_new(dirs, decode_as);
}
static inline struct trawl_test *th_new(void) { return th_new_with(NULL, NULL); }
#define th_free         trawl_test_free
#define th_engine       trawl_test_engine
#define th_hex          trawl_test_hex
#define th_bytes        trawl_test_bytes
#define th_file         trawl_test_file
#define th_field        trawl_test_field
#define th_count        trawl_test_count
#define th_errors       trawl_test_errors
#define th_layer_errors trawl_test_layer_errors
#define th_layers       trawl_test_layers
#define th_info         trawl_test_info
#define th_protocol     trawl_test_protocol
#define th_finish       trawl_test_finish
#endif
