/* trawl/sink.h — output sinks: where decoded packets (and, later, records) go.
 *
 * A sink plugin registers a definition in init; the host opens one instance per output the
 * user asked for (-T fields, -T json, ...). open() reads the instance's options (-e, -E, ...)
 * and says which fields it wants: the engine formats nothing that no one wants.
 */
#ifndef TRAWL_SINK_H
#define TRAWL_SINK_H

#include <stdio.h>
#include "packet.h"

struct trawl_init;
struct trawl_sink;
struct trawl_record;

struct trawl_sink_def {
    const char *name;        /* selected by -T NAME */
    const char *summary;
    int  (*open)(struct trawl_sink *s);                 /* 0 or negative trawl_err */
    void (*packet)(struct trawl_sink *s, const struct trawl_packet *pkt);
    void (*record)(struct trawl_sink *s, const struct trawl_record *rec);  /* may be NULL */
    int  (*close)(struct trawl_sink *s);                /* flush; report write errors */
};

/* How trawl_value_format prints. */
enum trawl_fmt {
    TRAWL_FMT_FIELDS,   /* tshark -T fields: 0x0012 for hex fields, 1/0 booleans, epoch times */
    TRAWL_FMT_SHOW,     /* -V: numbers with their names, "IPv4 (0x0800)" */
    TRAWL_FMT_JSON,     /* a JSON value: numbers bare, strings quoted+escaped, RFC 3339 UTC times */
};

TRAWL_BEGIN_DECLS

TRAWL_API int trawl_sink_register(struct trawl_init *ctx, const struct trawl_sink_def *def,
                                  void *plugin_state);

/* ---- inside a sink ---------------------------------------------------------------------- */

TRAWL_API FILE *trawl_sink_out(struct trawl_sink *s);
TRAWL_API void  trawl_sink_set_state(struct trawl_sink *s, void *state);
TRAWL_API void *trawl_sink_state(struct trawl_sink *s);
TRAWL_API void *trawl_sink_plugin_state(struct trawl_sink *s);
/* Options given to this instance, in order: `key` is e.g. "e" for -e, or the part of -E
 * before '='. Returns how many; *vals (if not NULL) is set to an array of them. */
TRAWL_API size_t trawl_sink_options(struct trawl_sink *s, const char *key, const char *const **vals);
/* The last value of an option, or NULL. */
TRAWL_API const char *trawl_sink_option(struct trawl_sink *s, const char *key);
/* Ask for a field by name: returns it, or NULL when no loaded plugin has it. */
TRAWL_API const struct trawl_field *trawl_sink_want_field(struct trawl_sink *s, const char *name);
TRAWL_API void trawl_sink_want_all(struct trawl_sink *s);      /* every field (json, -V) */
TRAWL_API void trawl_sink_want_cols(struct trawl_sink *s);     /* the summary columns */
TRAWL_API void trawl_sink_log(struct trawl_sink *s, enum trawl_log_level level,
                              const char *fmt, ...) TRAWL_PRINTF(3, 4);
/* Every registered field, for sinks that list or look up by id. */
TRAWL_API const struct trawl_field *trawl_sink_field_by_id(struct trawl_sink *s, uint32_t id);
TRAWL_API uint32_t trawl_sink_field_count(struct trawl_sink *s);

/* ---- formatting ------------------------------------------------------------------------- */

/* Writes the value as text into out (always NUL-terminated when cap > 0); returns the length
 * it needed (like snprintf), so a caller can retry with a bigger buffer. */
TRAWL_API size_t trawl_value_format(const struct trawl_value *v, enum trawl_fmt fmt, char *out,
                                    size_t cap);
/* "2024-01-02T03:04:05.123456Z" with `digits` fractional digits (0, 3, 6 or 9). */
TRAWL_API size_t trawl_time_format_utc(int64_t ns, unsigned digits, char *out, size_t cap);
/* "1388651869.848747000": seconds.nanoseconds, as tshark's frame.time_epoch. */
TRAWL_API size_t trawl_time_format_epoch(int64_t ns, char *out, size_t cap);

TRAWL_END_DECLS
#endif
