/* fuzz_engine.h — what the libFuzzer targets that run a real engine share (fuzz_dissect.c,
 * fuzz_tcpstream.c): a log that says nothing and the folder of the fuzz build's plugins.
 * Header-only; unlike fuzz_wrap.h it needs the SDK (<trawl/trawl.h>). */
#ifndef TRAWL_FUZZ_ENGINE_H
#define TRAWL_FUZZ_ENGINE_H

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trawl/trawl.h>

/* Errors of fuzzed input are expected by the million: print none. */
static inline void quiet_log(void *user, enum trawl_log_level level, const char *origin, const char *msg)
{
    (void)user; (void)level; (void)origin; (void)msg;
}

/* TRAWL_FUZZ_PLUGINS, or <dir of this binary>/../plugins. */
static inline const char *plugin_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("TRAWL_FUZZ_PLUGINS");
    if (env && *env) return env;
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 32);
    if (n <= 0) return "build-fuzz/plugins";
    dir[n] = 0;
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    strcat(dir, "/../plugins");
    return dir;
}

#endif
