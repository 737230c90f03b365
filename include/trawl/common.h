/* trawl/common.h — basic definitions shared by every SDK header.
 *
 * ABI promise: within one TRAWL_ABI_MAJOR, public structs only grow at their end (their
 * first member or a size field tells the reader how much is there), functions are only added,
 * and a changed behaviour gets a new name. */
#ifndef TRAWL_COMMON_H
#define TRAWL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define TRAWL_BEGIN_DECLS extern "C" {
#define TRAWL_END_DECLS }
#else
#define TRAWL_BEGIN_DECLS
#define TRAWL_END_DECLS
#endif

/* Every SDK function is exported from libtrawl.so with default visibility; plugins are
 * built with -fvisibility=hidden so they export only their descriptor. */
#define TRAWL_API __attribute__((visibility("default")))

#define TRAWL_LIKELY(x)   __builtin_expect(!!(x), 1)
#define TRAWL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TRAWL_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* SDK version. Major: incompatible change (plugins must be rebuilt). Minor: additions only;
 * a plugin built for a newer minor than the host may use what the host lacks, so it is refused. */
#define TRAWL_ABI_MAJOR 1
#define TRAWL_ABI_MINOR 0
#define TRAWL_VERSION   "0.1.0"

/* Results of SDK calls: 0 or positive is success; a small set of negative codes says what kind
 * of failure it was; the detail is in a message (trawl_engine_last_error, or the log callback). */
enum trawl_err {
    TRAWL_OK        = 0,
    TRAWL_EINVAL    = -1,   /* bad argument, bad name, bad option */
    TRAWL_ENOMEM    = -2,
    TRAWL_EIO       = -3,   /* file could not be read or written */
    TRAWL_EFORMAT   = -4,   /* damaged or unsupported input */
    TRAWL_EEXIST    = -5,   /* duplicate name */
    TRAWL_ENOENT    = -6,   /* no such plugin, field, table, file */
    TRAWL_EPLUGIN   = -7,   /* plugin refused or failed */
    TRAWL_ESTATE    = -8,   /* call not allowed now (e.g. registration after start) */
};
TRAWL_BEGIN_DECLS
TRAWL_API const char *trawl_strerror(int err);
TRAWL_END_DECLS

enum trawl_log_level { TRAWL_LOG_ERROR, TRAWL_LOG_WARN, TRAWL_LOG_INFO, TRAWL_LOG_DEBUG };

#endif
