/* engine_internal.h — libtrawl's private structures. Never installed; plugins cannot see it. */
#ifndef TRAWL_ENGINE_INTERNAL_H
#define TRAWL_ENGINE_INTERNAL_H

#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <uthash.h>

#include "trawl/trawl.h"

#define MAX_LAYERS     64
#define MAX_VALUES     65536     /* per packet; beyond it values are counted as dropped */
#define COL_MAX        1024      /* bytes of one summary column */
#define DEFAULT_ARENA  (1u << 20)

struct plugin_entry;

struct proto_entry {
    struct trawl_proto pub;               /* pub.fields → fields below */
    struct trawl_field *fields;
    const struct trawl_proto_def *def;
    void *state;
    struct plugin_entry *owner;           /* NULL: built into the engine */
    bool dead;                            /* its plugin failed: never dispatched */
    char column[32];                      /* the name upper-cased, when the def has no column */
    bool any_wanted;                      /* some field of it is wanted (see wants_dirty) */
    const struct trawl_stream_ops *stream_ops;   /* trawl_stream_register */
    UT_hash_handle hh;                    /* engine->protos_by_name */
};

/* One distinct field name: every declaration with that name shares its id. */
struct field_name {
    const char *name;
    struct trawl_field *first;
    uint32_t id;
    UT_hash_handle hh;
};

struct str_slot { char *key; struct proto_entry *proto; UT_hash_handle hh; };
struct override { uint32_t key; struct proto_entry *proto; };

struct table_entry {
    char *name, *desc;
    enum trawl_table_kind kind;
    uint32_t max_key;
    struct proto_entry **slots;           /* UINT: max_key + 1 */
    struct str_slot *strings;             /* STRING */
    struct override *overrides;           /* decode-as, few */
    size_t noverrides;
    struct plugin_entry *owner;
    UT_hash_handle hh;
};

struct heur_entry {
    const struct trawl_heur_def *def;
    struct proto_entry *proto;
    struct plugin_entry *owner;
    bool enabled;
};

struct heur_list_entry {
    char *name, *desc;
    struct heur_entry *items;
    size_t n, cap;
    struct plugin_entry *owner;
    UT_hash_handle hh;
};

struct sink_def_entry {
    const struct trawl_sink_def *def;
    void *plugin_state;
    struct plugin_entry *owner;
    UT_hash_handle hh;
};

struct trawl_sink {
    struct trawl_engine *e;
    struct sink_def_entry *ent;
    void *state;
    FILE *out;
    char **keys, **vals;                  /* options, in order */
    size_t nopts;
    const char **scratch;                 /* trawl_sink_options result */
    bool opened;
    bool skip_packets;                    /* trawl_sink_skip_packets, or no packet callback */
    bool all_records;                     /* trawl_sink_want_records(s, NULL) */
    uint8_t *rtypes;                      /* bitmap by record type id */
    const struct trawl_sink_render *render;   /* trawl_sink_set_render */
    int render_idx;                       /* its slot in a packet's rendered output (threads), or -1 */
    struct trawl_sink *next;
};

/* Rendering on the workers (render.c): one buffer per rendering sink and packet context. */
struct render_patch {
    uint64_t prov;                        /* the provisional stream number */
    const struct trawl_field *field;
    uint32_t off;                         /* where the value goes in the bytes */
    uint8_t fmt;                          /* enum trawl_fmt it was written with */
};
struct render_buf {
    struct trawl_out out;                 /* in memory (f == NULL): grows, never written */
    struct render_patch *patch;
    uint32_t npatch, cappatch;
};
struct render_item { struct render_buf *b; };   /* e->render of them, made on first use */
struct render_merge { struct trawl_out tmp; };  /* the merge's scratch (bytes with patches filled) */

/* A record type: its columns are also the fields of a protocol named after it. */
struct record_type_entry {
    struct trawl_record_type pub;
    struct trawl_proto_def pdef;          /* referenced by the protocol registration */
    struct trawl_field_def *fdefs;        /* "TYPE.COLUMN" names */
    const struct trawl_record_def *def;
    struct plugin_entry *owner;
    bool dead;
    bool wanted;                          /* a sink, analyzer or callback takes it */
    bool internal;                        /* TRAWL_RECORD_INTERNAL: analyzers only */
    UT_hash_handle hh;
};

struct analyzer_entry {
    const struct trawl_analyzer_def *def;
    void *state;
    struct plugin_entry *owner;
    uint8_t *rtypes;                      /* bitmap by record type id */
};

/* A record being built or queued (record.c); recycled, never freed per record. */
struct rec_block;
struct trawl_record {
    const struct record_type_entry *type;
    uint64_t key;                         /* order among the records of one tick (ctx->rec_key) */
    struct trawl_value *vals;
    size_t nvals, capvals;
    struct rec_block *blocks;             /* copies of string/bytes values */
    uint64_t frame;
    struct trawl_packet *ctx;
    struct trawl_record *next;
};

struct plugin_option { char *key; char *value; };

struct plugin_entry {
    char *path;
    void *dl;
    const struct trawl_plugin *desc;
    char *name;
    bool loaded;                          /* passed the loader's checks */
    bool enabled;
    bool started;                         /* init (and handoff) succeeded */
    char *why;                            /* refusal reason */
    void *state;
    unsigned protos, fields, sinks, tables, heuristics;
    struct trawl_engine *e;
};

struct trawl_init {
    struct trawl_engine *e;
    struct plugin_entry *plugin;          /* NULL for the engine's own registrations */
    int phase;                            /* 1 init, 2 handoff */
    bool failed;
};

/* The packet being dissected (one per worker). */
struct trawl_packet {
    struct trawl_engine *e;
    struct trawl_frame frame;
    const uint8_t *data;
    struct trawl_value *vals;
    size_t nvals, capvals;
    struct trawl_layer layers[MAX_LAYERS];
    size_t nlayers;
    const struct proto_entry *cur;
    uint16_t cur_layer, depth, tree_depth;
    uint16_t quote_depth;                 /* > 0 inside trawl_dissect_quote */
    unsigned next_hints, cur_hints;       /* trawl_packet_hint → the next call's hints */
    unsigned errors;
    bool depth_exceeded, values_dropped;
    const uint8_t *wanted;                /* bitmap by field id */
    bool want_all, cols_wanted;
    char cols[TRAWL_COL__COUNT][COL_MAX];
    size_t col_len[TRAWL_COL__COUNT];
    size_t proto_col_nlayers;             /* layer count when TRAWL_COL_PROTOCOL was set */
    uint8_t *arena;
    size_t arena_used, arena_cap;
    struct defrag_table *defrag;          /* IP fragments held (defrag.c), made on the first one */

    /* Per worker: the context that owns the worker's tables (flows, fragments) and counters.
     * A worker may have several packet contexts in flight (threads): they share its home's. */
    struct trawl_packet *home;
    struct trawl_packet *active;          /* (home only) the context its worker works in now */
    struct trawl_stats *wstats;
    uint32_t worker;                      /* its index (0 without threads) */
    /* flows created by this packet, values that are stream numbers, flows ended (threads:
     * the merge numbers flows in frame order, see workers.c) */
    struct created_flow { uint8_t kind; uint64_t stream; } created[32];
    uint32_t ncreated, nstream_vals;
    uint32_t stream_vals[16];             /* value indices */
    uint64_t *ended;
    size_t nended, capended;
    uint64_t rec_key;                     /* order key of records made now (flow ends at a tick) */
    int64_t rel_ns;                       /* frame time since the run's first frame */
    /* flows (flow.c): what the layers said, and the packet's flow */
    struct flow_table *flows;
    struct trawl_flow *flow;              /* the innermost flow of this packet */
    int flow_dir;
    uint8_t addr_family;                  /* 0: no addresses set yet */
    const uint8_t *addr_src, *addr_dst;
    uint8_t q_family;                     /* addresses inside an ICMP error's quote */
    const uint8_t *q_src, *q_dst;
    uint32_t ip_len;
    uint32_t tunnel;                      /* hash of outer addresses, 0 when none */
    uint16_t vlan;
    /* stream calls (flow.c) */
    bool in_stream;
    bool stream_fin;                      /* the call is a direction's in-order FIN (no bytes) */
    bool muted;                           /* stream bytes flushed at a flow's end: the packet at
                                             hand is not theirs (values and layers rolled back) */
    uint32_t stream_more;                 /* trawl_stream_need_more in the current call */
    bool stream_more_set;
    const struct trawl_proto *stream_switch;   /* trawl_stream_switch in the current call */
    /* records (record.c) */
    bool in_packet;                       /* queue records until the packet's output is done */
    struct trawl_record *rq_head, *rq_tail, *rfree;
};

struct bpf_cache { int linktype; struct bpf_program prog; bool ok; };

struct tls_secrets;

struct trawl_engine {
    struct trawl_engine_options opt;
    struct tls_secrets *secrets;          /* secrets.c: the TLS key log, NULL until one is given */
    char err[1024];
    struct plugin_entry **plugins;
    size_t nplugins;
    bool started;
    bool finished;                        /* trawl_engine_finish ran the end of input */
    unsigned nworkers;                    /* 1: no threads (workers.c) */
    unsigned want_workers;                /* trawl_engine_set_threads (0: one per core) */
    bool workers_ready;
    bool data_stable;                     /* packet bytes outlive the read loop (mapped file) */
    struct workers *workers;
    unsigned render;                      /* sinks that render on the workers (render.c) */
    struct trawl_sink **render_sinks;
    void (**render_free_fns)(void *);     /* each rendering sink's free_scratch (outlives it) */
    struct trawl_stats stats_view;        /* stats summed over the workers */
    int64_t tick_sec;                     /* the whole second of capture time of the last tick */
    bool have_tick;

    struct proto_entry *protos_by_name;
    struct proto_entry **protos;          /* by id */
    size_t nprotos;
    struct field_name *fields_by_name;
    struct field_name **fields;           /* by id */
    size_t nfields;
    struct table_entry *tables;
    struct heur_list_entry *heurs;
    struct sink_def_entry *sink_defs;
    struct plugin_option *options;
    size_t noptions;

    struct proto_entry *frame_proto;      /* the engine's own frame.* fields */
    struct table_entry *link_table;
    struct trawl_sink *sinks;
    trawl_packet_cb cb;
    void *cb_user;
    trawl_record_cb rec_cb;
    void *rec_cb_user;
    trawl_flow_cb flow_cb;
    void *flow_cb_user;
    trawl_stream_cb follow_cb;
    void *follow_user;
    uint64_t follow_stream;
    struct record_type_entry *rtypes_by_name;
    struct record_type_entry **rtypes;    /* by id, after start */
    size_t nrtypes;
    struct analyzer_entry *analyzers;
    size_t nanalyzers;
    uint8_t *wanted;                      /* bitmap over field ids */
    bool want_all, want_cols;
    bool wants_dirty;                     /* recompute proto_entry.any_wanted before the next packet */

    struct trawl_packet pkt;              /* worker 0 (threads come with flows) */
    struct trawl_stats stats;
    int64_t first_ts, prev_ts;
    bool have_first;
    uint64_t limit;
    volatile sig_atomic_t stop;
    pcap_t *live;

    char *filter;
    struct bpf_cache *bpf;
    size_t nbpf;
    char **file_names;
    size_t nfiles;
    int *warned_linktypes;                /* per current file */
    size_t nwarned;
};

/* registry.c */
void engine_log(struct trawl_engine *e, enum trawl_log_level lvl, const char *origin,
                const char *fmt, ...) TRAWL_PRINTF(4, 5);
int  engine_error(struct trawl_engine *e, int code, const char *fmt, ...) TRAWL_PRINTF(3, 4);
int  registry_assign_field_ids(struct trawl_engine *e);
void registry_purge_plugin(struct trawl_engine *e, struct plugin_entry *p);
void registry_free(struct trawl_engine *e);
struct table_entry *registry_table(struct trawl_engine *e, const char *name);
struct proto_entry *registry_proto(struct trawl_engine *e, const char *name);
void registry_sort_heuristics(struct trawl_engine *e);
int  registry_builtin(struct trawl_engine *e);
/* packet.c */
int  packet_init(struct trawl_packet *pkt, struct trawl_engine *e);
void packet_free(struct trawl_packet *pkt);
void packet_reset(struct trawl_packet *pkt, const struct trawl_frame *frame, const uint8_t *data);
/* Hints: what trawl_packet_hint left for this dispatch (see take_hints in registry.c). */
bool packet_call(struct trawl_packet *pkt, struct proto_entry *p, struct trawl_buf *b, unsigned hints);
int  packet_dissect(struct trawl_packet *pkt, struct proto_entry *p, struct trawl_buf *b, unsigned hints);
void packet_add_frame_fields(struct trawl_packet *pkt, const char *file_name, int64_t rel_ns,
                             int64_t delta_ns);
/* defrag.c */
void defrag_free(struct trawl_packet *pkt);
/* engine.c */
void engine_dissect(struct trawl_packet *pkt, const struct trawl_frame *f, const uint8_t *data,
                    const char *file_name, int64_t rel_ns, int64_t delta_ns);
void engine_emit(struct trawl_engine *e, struct trawl_packet *pkt);
/* secrets.c */
size_t secrets_add_keylog(struct trawl_engine *e, const char *text, size_t len, uint64_t from_frame);
void secrets_on_block(void *ctx, uint32_t type, const uint8_t *data, uint32_t len, uint64_t offset);
int  secrets_start(struct trawl_engine *e);
void secrets_free(struct trawl_engine *e);
/* community_id.c */
void community_id_thread_end(void);
/* workers.c */
void workers_start(struct trawl_engine *e);
void workers_tick(struct trawl_engine *e, int64_t now);
void workers_packet(struct trawl_engine *e, const struct trawl_frame *f, const uint8_t *data,
                    const char *file_name, int64_t rel_ns, int64_t delta_ns);
void workers_drain(struct trawl_engine *e);
void workers_finish(struct trawl_engine *e);
void workers_free(struct trawl_engine *e);
const struct trawl_stats *workers_stats(const struct trawl_engine *e);
/* render.c */
int  render_start(struct trawl_engine *e);           /* with threads: which sinks render where */
void render_packet(struct trawl_engine *e, void **scratch, struct trawl_packet *pkt,
                   struct render_item *ri);          /* on the packet's worker */
struct oa_index;
bool render_failed(struct trawl_engine *e, const struct render_item *ri);
void render_emit(struct trawl_engine *e, struct render_merge *rm, struct trawl_packet *pkt,
                 struct render_item *ri, const struct oa_index *map);   /* the merge, sinks in order;
                                                       pkt NULL when every packet sink renders */
void render_item_free(struct trawl_engine *e, struct render_item *ri);
void render_scratch_free(struct trawl_engine *e, void **scratch);
void render_free(struct trawl_engine *e, struct render_merge *rm);
/* out.c: trawl_out_value while a worker renders a packet that shows stream numbers */
struct render_ctx { struct trawl_out *out; struct render_buf *b; const struct trawl_packet *pkt; };
extern __thread struct render_ctx *render_tl __attribute__((tls_model("initial-exec")));
bool render_note(struct trawl_out *o, const struct trawl_value *v, enum trawl_fmt fmt);
/* loader.c */
void loader_free(struct trawl_engine *e);
const char *engine_option(const struct trawl_engine *e, const char *key);
uint64_t engine_option_u64(struct trawl_engine *e, const char *key, uint64_t dflt, uint64_t min,
                           uint64_t max);
/* sink.c */
void sinks_free(struct trawl_engine *e);
int  sinks_close(struct trawl_engine *e);
void sinks_emit(struct trawl_engine *e, const struct trawl_packet *pkt);
void engine_want_id(struct trawl_engine *e, uint32_t id);
void sinks_record(struct trawl_engine *e, const struct trawl_record *r);
/* record.c */
int  records_start(struct trawl_engine *e);          /* ids, after field ids */
void records_flush(struct trawl_packet *pkt);        /* deliver the queue (after the packet's output) */
void records_deliver_one(struct trawl_packet *ctx, struct trawl_record *r);
void records_free_worker(struct trawl_packet *pkt);
void records_free(struct trawl_engine *e);
void records_purge_plugin(struct trawl_engine *e, struct plugin_entry *pl);
/* analyzer.c */
int  analyzers_start(struct trawl_engine *e);
void analyzers_packet(struct trawl_packet *pkt);
void analyzers_flow(struct trawl_packet *ctx, const struct trawl_flow *f, bool end);
void analyzers_record(struct trawl_packet *ctx, const struct trawl_record *r);
void analyzers_finish(struct trawl_packet *ctx);
void analyzers_free(struct trawl_engine *e);
void analyzers_purge_plugin(struct trawl_engine *e, struct plugin_entry *pl);
/* flow.c */
void flows_packet_begin(struct trawl_packet *pkt);   /* timeouts, per-packet reset */
void flows_finish(struct trawl_packet *pkt);         /* end every flow (end of input) */
void flows_free_worker(struct trawl_packet *pkt);
void flow_note_service(struct trawl_packet *pkt, const struct trawl_proto *p);
void flows_tick(struct trawl_packet *ctx, int64_t now);  /* timeouts, at whole seconds of capture time */

#endif
