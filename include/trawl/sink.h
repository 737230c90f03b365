/* trawl/sink.h — output sinks: where decoded packets and records (record.h) go.
 *
 * A sink plugin registers a definition in init; the host opens one instance per output the
 * user asked for (-T fields, -T json, --records zeek:DIR, ...). open() reads the instance's
 * options (-e, -E, ...) and says which fields and which record types it wants: the engine
 * formats nothing that no one wants. An instance gets packets unless it calls
 * trawl_sink_skip_packets (a log writer); it gets records once it calls trawl_sink_want_records.
 */
#ifndef TRAWL_SINK_H
#define TRAWL_SINK_H

#include <stdio.h>
#include <string.h>
#include "packet.h"

struct trawl_init;
struct trawl_sink;
struct trawl_record;

struct trawl_sink_def {
    const char *name;        /* selected by -T NAME */
    const char *summary;
    int  (*open)(struct trawl_sink *s);                 /* 0 or negative trawl_err */
    void (*packet)(struct trawl_sink *s, const struct trawl_packet *pkt);  /* NULL: records only */
    void (*record)(struct trawl_sink *s, const struct trawl_record *rec);  /* NULL: packets only */
    int  (*close)(struct trawl_sink *s);                /* flush; report write errors */
};

/* How trawl_value_format prints. */
enum trawl_fmt {
    TRAWL_FMT_FIELDS,   /* tshark -T fields: 0x0012 for hex fields, 1/0 booleans, epoch times */
    TRAWL_FMT_SHOW,     /* -V: numbers with their names, "IPv4 (0x0800)" */
    TRAWL_FMT_JSON,     /* a JSON value: numbers bare, strings quoted+escaped, RFC 3339 UTC times */
};

/* A sink's output buffer: appends are copies into one large buffer written with fwrite in big
 * chunks, so a sink makes no stdio call per value. The first write error (or failed growth) is
 * remembered; later appends are dropped, and trawl_out_flush reports it. Fields are public so
 * the inline appends stay inline; change them only through these functions. */
struct trawl_out {
    char *buf;
    size_t len, cap;
    FILE *f;
    int err;          /* errno of the first failure, 0 while all is well */
};

TRAWL_BEGIN_DECLS

/* cap: buffer size (0: 64 KiB). 0, or TRAWL_ENOMEM. */
TRAWL_API int  trawl_out_init(struct trawl_out *o, FILE *f, size_t cap);
/* Make room for n more bytes: flush, or grow for a single value larger than the buffer. */
TRAWL_API bool trawl_out_room(struct trawl_out *o, size_t n);
TRAWL_API void trawl_out_mem(struct trawl_out *o, const void *p, size_t n);
TRAWL_API void trawl_out_printf(struct trawl_out *o, const char *fmt, ...) TRAWL_PRINTF(2, 3);
/* trawl_value_format straight into the buffer. */
TRAWL_API void trawl_out_value(struct trawl_out *o, const struct trawl_value *v, enum trawl_fmt fmt);
/* A duration in seconds with 6 decimals, truncated to the microsecond ("0.013961", "-0.000250";
 * less than a microsecond below zero is "0.000000"): the records sinks' RELTIME. */
TRAWL_API void trawl_out_seconds(struct trawl_out *o, int64_t ns);
/* Write what is buffered: 0, or TRAWL_EIO after any failure (o->err says why). */
TRAWL_API int  trawl_out_flush(struct trawl_out *o);
TRAWL_API void trawl_out_free(struct trawl_out *o);

static inline void trawl_out_char(struct trawl_out *o, char c)
{
    if (TRAWL_LIKELY(o->len < o->cap) || trawl_out_room(o, 1)) o->buf[o->len++] = c;
}
static inline void trawl_out_str(struct trawl_out *o, const char *s) { trawl_out_mem(o, s, strlen(s)); }

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
/* Records of this type (NULL: of every type) reach this instance's record callback. Returns
 * TRAWL_ENOENT when no loaded plugin declares the type. */
TRAWL_API int  trawl_sink_want_records(struct trawl_sink *s, const char *type);
/* This instance takes no packets (it writes logs of records). */
TRAWL_API void trawl_sink_skip_packets(struct trawl_sink *s);
/* Every registered record type (after start), for sinks that write a file per type. */
TRAWL_API uint32_t trawl_sink_record_type_count(struct trawl_sink *s);
TRAWL_API const struct trawl_record_type *trawl_sink_record_type(struct trawl_sink *s, uint32_t id);
/* ---- rendering on the worker threads (optional) -------------------------------------------
 *
 * With worker threads (--threads N), a sink's packet callback runs on the reading thread, in
 * frame order: formatting every packet there makes that thread the bottleneck. A sink whose
 * per-packet output depends only on the packet (and on what open() prepared) can split its
 * packet callback in two, by calling trawl_sink_set_render in open():
 *
 *   render  runs on the worker that dissected the packet, in any order and on several threads
 *           at once: it formats the packet into `out` (an in-memory buffer of the engine's:
 *           it grows, it is never written to a file; append to it with the trawl_out_*
 *           functions). It must not change the sink's state (trawl_sink_state is shared by the
 *           threads): per-thread scratch memory goes in *scratch (NULL at first; the sink
 *           allocates it and keeps it there; free_scratch frees it at the end).
 *   write   runs on the reading thread, in frame order: it gets the bytes render made
 *           (tcp.stream/udp.stream numbers already final, see below) and does what depends on
 *           the order — separators between packets, the actual output. The packet itself is
 *           gone by then (the worker reused its memory).
 *
 * Without threads (or for sinks added after the first packet) the engine calls the packet
 * callback as before; a sink usually implements it as render into its own buffer + write.
 * Stream numbers: with threads, values added by trawl_add_flow_stream are numbered in frame
 * order only at the merge. render must write every value with trawl_out_value into `out` so
 * the engine can put the final number in place at the merge (it leaves a gap there); a value
 * formatted otherwise would show a provisional number.
 * Relative times: use trawl_packet_time_relative (the sink cannot see the first frame).
 * Returns 0, TRAWL_EINVAL (render or write missing), TRAWL_ESTATE (outside open). */
struct trawl_sink_render {
    void (*render)(struct trawl_sink *s, const struct trawl_packet *pkt, struct trawl_out *out,
                   void **scratch);
    void (*write)(struct trawl_sink *s, const char *bytes, size_t n);
    void (*free_scratch)(void *scratch);   /* may be NULL; runs after close() */
};
TRAWL_API int trawl_sink_set_render(struct trawl_sink *s, const struct trawl_sink_render *r);

/* End the run after this packet: the sink cannot go on (write failed, the reader of a pipe went
 * away). Input stops as with Ctrl-C; the sink's close() still runs and reports. */
TRAWL_API void trawl_sink_stop(struct trawl_sink *s);
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
