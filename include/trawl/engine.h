/* trawl/engine.h — embedding trawl: an engine loads plugins, reads captures (or is fed
 * packets) and hands decoded packets to sinks and to the caller's callbacks.
 *
 * No hidden globals: two engines in one process are independent. Life cycle:
 *   trawl_engine_new → load plugins → choose (enable/disable/only, decode-as, options)
 *   → trawl_engine_start (runs every init, then every handoff; registries freeze)
 *   → add sinks / callbacks → read files or feed packets → trawl_engine_finish → _free.
 */
#ifndef TRAWL_ENGINE_H
#define TRAWL_ENGINE_H

#include <stdio.h>
#include "packet.h"
#include "sink.h"

struct trawl_engine;

struct trawl_engine_options {
    size_t size;             /* sizeof(struct trawl_engine_options) */
    /* Where messages go (NULL: stderr as "trawl: ORIGIN: MESSAGE"). origin is "engine",
     * "plugin NAME", a file name, ... */
    void (*log)(void *user, enum trawl_log_level level, const char *origin, const char *msg);
    void *log_user;
    enum trawl_log_level log_level;   /* messages above this are dropped; 0 (ERROR) by default... */
    size_t packet_arena;     /* per-packet arena cap in bytes (0: default 1 MiB) */
};

/* Counters of a run: nothing is skipped silently. */
struct trawl_stats {
    uint64_t packets;            /* frames read */
    uint64_t bytes;              /* captured bytes read */
    uint64_t filtered_out;       /* dropped by -f BPF */
    uint64_t truncated;          /* frames with a layer cut by the snaplen */
    uint64_t malformed;          /* frames with a layer that contradicts its lengths */
    uint64_t unknown_linktype;   /* frames whose link type no plugin decodes */
    uint64_t depth_exceeded;     /* frames whose nesting passed TRAWL_MAX_DEPTH */
    uint64_t values_dropped;     /* values not stored because a packet hit its arena cap */
    uint64_t files;              /* inputs opened */
    uint64_t file_errors;        /* inputs that ended in an error */
    int64_t  first_ts_ns, last_ts_ns;
    /* flows (flow.h) */
    uint64_t flows;              /* created */
    uint64_t flows_timed_out;    /* ended by an idle timeout */
    uint64_t flows_evicted;      /* ended early by flow.max / flow.memcap */
    uint64_t flows_refused;      /* not created: the caps left no room even after eviction */
    uint64_t flows_peak;         /* most flows held at once (one worker) */
    uint64_t flow_mem_peak;      /* most bytes held by flows, state and reassembly */
    uint64_t tcp_gap_bytes;      /* stream bytes never captured, delivered as gaps */
    uint64_t tcp_capped_bytes;   /* stream bytes given up because of the reassembly caps */
    uint64_t tcp_pdu_dropped;    /* bytes a stream dissector asked to keep beyond reasm.max_pdu */
    /* records (record.h) */
    uint64_t records;            /* handed to sinks */
    uint64_t records_dropped;    /* not built: no memory */
    /* IP defragmentation (defrag.h) */
    uint64_t defrag_fragments;   /* fragments handed in (atomic ones not included) */
    uint64_t defrag_atomic;      /* atomic fragments (offset 0, no more): complete alone */
    uint64_t defrag_completed;   /* datagrams reassembled */
    uint64_t defrag_timeouts;    /* datagrams given up after defrag.timeout idle */
    uint64_t defrag_evicted;     /* datagrams given up for defrag.max_datagrams / max_bytes */
    uint64_t defrag_rejected;    /* fragments not kept: past 65535, caps, no memory */
    uint64_t defrag_overlaps;    /* fragments overlapping bytes held (repeats not included) */
    uint64_t defrag_conflicts;   /* ... with different bytes */
    uint64_t defrag_duplicates;  /* exact repeats of a fragment held */
    uint64_t defrag_cut;         /* datagrams that can never complete: a fragment not captured whole */
    uint64_t defrag_held;        /* datagrams held now (at the end: never completed) */
    uint64_t defrag_peak_bytes;  /* most bytes held at once (one worker) */
    uint64_t flows_unnumbered;   /* flows made by a packet past the 32th it made: with threads
                                    their tcp.stream/udp.stream keep the worker's number */
};

typedef void (*trawl_packet_cb)(void *user, const struct trawl_packet *pkt);
struct trawl_record;
typedef void (*trawl_record_cb)(void *user, const struct trawl_record *rec);

TRAWL_BEGIN_DECLS

TRAWL_API struct trawl_engine *trawl_engine_new(const struct trawl_engine_options *opt);
TRAWL_API void trawl_engine_free(struct trawl_engine *e);
/* The message of the last failed call on this engine. */
TRAWL_API const char *trawl_engine_last_error(const struct trawl_engine *e);

/* ---- plugins ---------------------------------------------------------------------------- */

/* Load one .so. A refused plugin is logged with the reason and returns TRAWL_EPLUGIN; the
 * engine stays usable. */
TRAWL_API int trawl_engine_load_plugin(struct trawl_engine *e, const char *path);
/* Load every *.so in dir (sorted by name); returns how many loaded, or a negative error when
 * the directory cannot be read. */
TRAWL_API int trawl_engine_load_dir(struct trawl_engine *e, const char *dir);
/* Before start: choose plugins for this run. */
TRAWL_API int trawl_engine_enable(struct trawl_engine *e, const char *name, bool on);
/* Before start: only these plugins (comma-separated) and what they require. */
TRAWL_API int trawl_engine_only(struct trawl_engine *e, const char *names);
/* Before start: a plugin option "plugin.key=value". */
TRAWL_API int trawl_engine_set_option(struct trawl_engine *e, const char *spec);
/* Runs init then handoff of every enabled plugin; refuses (and logs) those whose requirements
 * are missing or whose init fails. Registries are frozen afterwards. */
TRAWL_API int trawl_engine_start(struct trawl_engine *e);
/* After start: switch a heuristic off or on by its short name ("dns_udp"), in every list. */
TRAWL_API int trawl_engine_heuristic_enable(struct trawl_engine *e, const char *name, bool on);
/* After start: heuristic lists and their entries, for listings: calls fn once per entry in
 * the order they are tried. */
TRAWL_API void trawl_engine_heuristics(const struct trawl_engine *e,
                                       void (*fn)(void *user, const char *list, const char *name,
                                                  int priority, const char *proto, bool enabled),
                                       void *user);
/* After start: tshark's decode-as, "udp.port==5353,dns". */
TRAWL_API int trawl_engine_decode_as(struct trawl_engine *e, const char *spec);

/* Plugins, for listings: index 0..count-1. */
struct trawl_plugin_info {
    const char *name, *version, *summary, *path;
    bool loaded;              /* false: refused (see why) */
    bool enabled;
    const char *why;          /* refusal reason, or NULL */
    unsigned protos, fields, sinks, tables, heuristics;  /* what it registered */
};
TRAWL_API size_t trawl_engine_plugin_count(const struct trawl_engine *e);
TRAWL_API bool trawl_engine_plugin_info(const struct trawl_engine *e, size_t i,
                                        struct trawl_plugin_info *out);
/* Every registered field / protocol (after start). */
TRAWL_API uint32_t trawl_engine_field_count(const struct trawl_engine *e);
TRAWL_API const struct trawl_field *trawl_engine_field(const struct trawl_engine *e, uint32_t id);
TRAWL_API const struct trawl_field *trawl_engine_field_find(const struct trawl_engine *e,
                                                           const char *name);
TRAWL_API uint32_t trawl_engine_proto_count(const struct trawl_engine *e);
TRAWL_API const struct trawl_proto *trawl_engine_proto(const struct trawl_engine *e, uint32_t id);
/* Names of declared tables and heuristic lists, for `trawl tables` and error messages. */
TRAWL_API size_t trawl_engine_table_names(const struct trawl_engine *e, const char **out, size_t cap);

/* ---- outputs ---------------------------------------------------------------------------- */

/* Open an instance of sink `name` writing to out. options: "key=value" strings (NULL-ended),
 * e.g. {"e=ip.src", "e=ip.dst", "header=y", NULL}. */
TRAWL_API struct trawl_sink *trawl_engine_add_sink(struct trawl_engine *e, const char *name,
                                                   FILE *out, const char *const *options);
/* Receive every dissected packet; ask for fields with trawl_engine_want_field first. */
TRAWL_API int trawl_engine_on_packet(struct trawl_engine *e, trawl_packet_cb cb, void *user);
TRAWL_API const struct trawl_field *trawl_engine_want_field(struct trawl_engine *e, const char *name);
TRAWL_API void trawl_engine_want_all(struct trawl_engine *e);
/* Have dissectors fill the summary columns (trawl_packet_col, trawl_packet_protocol). */
TRAWL_API void trawl_engine_want_cols(struct trawl_engine *e);
/* Receive every record (of every type, record.h), in the order sinks get them. */
TRAWL_API int trawl_engine_on_record(struct trawl_engine *e, trawl_record_cb cb, void *user);
/* Receive every flow as it ends (flow.h: trawl_flow_info), after analyzers saw it. */
struct trawl_flow;
typedef void (*trawl_flow_cb)(void *user, const struct trawl_flow *f);
TRAWL_API int trawl_engine_on_flow_end(struct trawl_engine *e, trawl_flow_cb cb, void *user);
/* Follow one TCP stream (its tcp.stream index): cb gets its reassembled bytes in order, per
 * direction, as they are delivered; data == NULL means len bytes were never captured (a gap).
 * TRAWL_FOLLOW_ALL follows every TCP stream (the callback tells them apart by the flow). */
#define TRAWL_FOLLOW_ALL UINT64_MAX
typedef void (*trawl_stream_cb)(void *user, const struct trawl_flow *f, int dir,
                                const uint8_t *data, uint64_t len);
TRAWL_API int trawl_engine_follow_tcp(struct trawl_engine *e, uint64_t stream, trawl_stream_cb cb,
                                      void *user);

/* ---- input ------------------------------------------------------------------------------ */

/* Worker threads (before the first packet; default 1, 0 = one per core). Each worker owns the
 * flows whose address pair hashes to it; sinks, records and callbacks still run on the
 * calling thread in frame order, so the output is the same whatever n is — except that with
 * n > 1 a packet's callbacks come a few packets later (all of them by trawl_engine_finish),
 * the flow caps are shared out among the workers, and flow-end or follow callbacks (which would run on the
 * workers) and live capture keep one worker. */
TRAWL_API int trawl_engine_set_threads(struct trawl_engine *e, unsigned n);

/* A BPF capture filter (pcap-filter(7)), applied to files (per link type) and live capture. */
TRAWL_API int trawl_engine_set_filter(struct trawl_engine *e, const char *bpf);
/* Stop after this many packets (0: no limit). */
TRAWL_API void trawl_engine_set_limit(struct trawl_engine *e, uint64_t max_packets);
/* Read a pcap or pcapng file ("-" = stdin). Frames before a damage are processed; then the
 * error (file, byte offset, what) is logged and TRAWL_EFORMAT returned. */
TRAWL_API int trawl_engine_read_file(struct trawl_engine *e, const char *path);
/* Capture live from an interface until count packets, an error or trawl_engine_stop. */
struct trawl_live_options {
    size_t size;
    int snaplen;             /* 0: 262144 */
    bool promisc;
    int timeout_ms;          /* 0: 100 */
};
TRAWL_API int trawl_engine_read_live(struct trawl_engine *e, const char *iface,
                                     const struct trawl_live_options *opt);
/* Async-signal-safe: ends read_file / read_live after the current packet. */
TRAWL_API void trawl_engine_stop(struct trawl_engine *e);
/* Feed one packet yourself (embedding, tests). frame->number 0 means "next". */
TRAWL_API int trawl_engine_feed(struct trawl_engine *e, const struct trawl_frame *frame,
                                const uint8_t *data);
/* End of input: flush and close sinks. Returns the first sink error, if any. */
TRAWL_API int trawl_engine_finish(struct trawl_engine *e);
TRAWL_API const struct trawl_stats *trawl_engine_stats(const struct trawl_engine *e);
TRAWL_API const char *trawl_engine_file_name(const struct trawl_engine *e, uint32_t file_index);

TRAWL_END_DECLS
#endif
