/* workers.c — worker threads: each owns the flows whose address pair hashes to it.
 *
 * The thread that reads (the caller's) numbers frames, fills a packet context of the worker
 * that owns the frame's flow and queues it; the worker dissects it (dissectors, flows,
 * reassembly, analyzers' packet and flow events, and the packet sinks' rendering, see below),
 * then counts it done. Worker 0 is the reading thread itself (n workers are n threads: on few
 * cores, an extra thread that mostly waits costs more than it gives): it dissects its share
 * inline. The reading thread keeps the order of every context it handed out (a FIFO of worker
 * numbers, in frame order) and emits the head as soon as it is done: sinks, records and
 * callbacks always run on the reading thread, in frame order, so a run's output is the same
 * byte for byte whatever the number of workers.
 *
 * What makes it so:
 *   - the hash is symmetric and over the address pair only (both directions, fragments of a
 *     datagram, ICMP errors — hashed on the quoted pair — reach one worker);
 *   - timeouts run at whole seconds of capture time, as "tick" contexts queued to every worker
 *     at the same place in the frame order; the flows each worker ends there come in order of
 *     first frame, and the merge interleaves the workers' records by that key;
 *   - tcp.stream/udp.stream: workers number their flows (worker << 48 | n); each context lists
 *     the flows it made and ended, and the merge maps them to numbers in frame order
 *     (trawl_add_flow_stream marks the values to rewrite; a sink that renders on the workers
 *     leaves a gap where such a value goes, filled at the merge: render.c).
 * What differs with the number of workers: the caps (flow.max, flow.memcap, defrag.*) are
 * shared out among the workers, so evictions under memory pressure depend on the split; and
 * peak counters are the sums of the workers' peaks.
 *
 * How the threads talk (the costs that decide the speed-up are cache lines moving between
 * cores, not instructions): each worker's contexts are a ring used strictly in order (the
 * merge frees them in frame order, which is the order they were queued in), so three counters
 * say everything — `pushed` (written by the reading thread only), `completed` (by the worker
 * only), `released` (private to the reading thread) — each on its own cache line. The reading
 * thread reads `completed` only when its last copy no longer says the head is done, and only
 * once enough is in flight, so one read settles a whole batch. When a context is done its
 * worker writes a one-word summary of what the merge must do (stats, renumbering, records,
 * rendered output): for most packets the merge reads that word and the rendered bytes, never
 * the context. Sleeping is on futexes, with a flag each side reads only around a sleep.
 *
 * Flow-end callbacks (trawl_engine_on_flow_end) and following a stream run on the worker that
 * owns the flow: with them the engine keeps one worker.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine_internal.h"
#include "oaindex.h"

/* Contexts per worker (threads.depth, a power of two). Deep when the merge needs only the
 * rendered bytes (a context in flight is then a few hundred bytes, and depth lets the reading
 * thread leave its own share for later while a worker still has plenty queued); shallower when
 * every packet's whole context waits for the merge (each is several KiB in use: cache). */
#define DEPTH_LEAN 256u
#define DEPTH_KEEP 128u
#define MAX_WORKERS 64
#define CACHE_LINE 64

enum item_kind { ITEM_PACKET, ITEM_TICK, ITEM_FINISH, ITEM_QUIT };

/* The worker's summary of a done packet context: what the merge has to do. */
enum {
    SUM_TRUNCATED = 1u, SUM_MALFORMED = 2u, SUM_DEPTH = 4u, SUM_DROPPED = 8u,
    SUM_RENUMBER = 16u,               /* it made flows or shows stream numbers */
    SUM_ENDED = 32u,                  /* flow numbers that die with it */
    SUM_RECORDS = 64u,                /* records queued */
    SUM_CTX = 128u,                   /* the item holds the packet's context (else only the
                                         lists and the rendered bytes below) */
};

struct item {
    /* Written by the reading thread before the push, read by the worker. */
    uint8_t kind;
    uint32_t sum;                     /* written by the worker before it counts the context done */
    const char *file_name;
    const uint8_t *data;              /* the frame's bytes: in a mapped file, or in buf */
    int64_t rel_ns, delta_ns, tick_ns;
    struct trawl_frame frame;
    uint8_t *buf;                     /* the reading thread's: the frame's bytes (and comment), copied */
    size_t cap;
    struct trawl_packet *pkt;         /* a context of its worker's, the item's own */
    /* A packet whose context is not needed at the merge (no records, every packet sink renders):
     * what the merge needs of it, and its context goes back to the worker at once. */
    struct render_item ri;            /* rendered output of the packet sinks (render.c) */
    uint32_t ncreated;
    uint64_t *ended;                  /* flow numbers that die (swapped with the context's) */
    size_t nended, capended;
    struct created_flow created[32];
};

struct worker {
    /* Set before the threads start. */
    struct trawl_engine *e;
    unsigned id;
    pthread_t th;
    bool running;
    struct item *items;               /* depth of them, a ring */
    unsigned depth;
    int64_t spin_ns;                  /* threads.spin_us */
    struct trawl_packet *ctxs;        /* depth + 1 packet contexts */
    struct trawl_packet *spare;       /* the worker dissects in it: the one not held by an item
                                         (so it stays in the core's cache) */
    void **scratch;                   /* each rendering sink's scratch on this thread */
    /* The reading thread's. */
    _Alignas(CACHE_LINE) atomic_uint pushed;   /* contexts queued (the worker sleeps on it) */
    _Alignas(CACHE_LINE) unsigned tail;                    /* = pushed, without the atomic read */
    unsigned released;                /* contexts merged: free again */
    unsigned done_seen;               /* the last value of `completed` it read */
    /* The worker's. */
    _Alignas(CACHE_LINE) atomic_uint completed;   /* contexts done (the reading thread sleeps on it) */
    /* Written around a sleep only. */
    _Alignas(CACHE_LINE) atomic_uint sleeping;    /* the worker sleeps (waiting past sleep_at) */
    atomic_uint sleep_at;
    _Alignas(CACHE_LINE) atomic_uint reader_waits; /* the reading thread sleeps until completed
                                                      reaches this; 0 when it does not */
    /* The worker's. */
    _Alignas(CACHE_LINE) struct trawl_stats stats;
    struct trawl_packet home;         /* owns the worker's flow and fragment tables */
};

/* Provisional flow number → number in frame order (oaindex.h: tag = provisional number, value =
 * the number in frame order + 1). Looked up at every packet that shows a number. */
static void map_put(struct oa_index *m, uint64_t prov, uint64_t global)
{
    uint64_t old = oa_find(m, prov, NULL, NULL);
    if (old) oa_del(m, prov, old);
    oa_add(m, prov, global + 1);
}

#define FIFO_GROUP 0x80u              /* first context of a tick or the end: one per worker */

struct workers {
    unsigned n;
    struct worker **w;
    uint8_t *fifo;                    /* the worker of each context in flight, in frame order */
    size_t cap, head, count;
    unsigned share0;                  /* per mille of the flows the reading thread takes */
    struct oa_index map;
    uint64_t next_global[3];
    struct render_merge rm;           /* render.c: the merge's side */
    bool keep_all;                    /* the merge needs every packet's context (a packet
                                         callback, a packet sink that does not render) */
    bool numbering;                   /* stream numbers may be shown: map them (see below) */
    unsigned polls;                   /* packets since emit_ready last read the counters */
};

static inline struct item *item_at(struct worker *w, unsigned seq)
{
    return &w->items[seq & (w->depth - 1)];
}

/* ---- waiting: spin a little, then sleep on a futex ------------------------------------------ */

/* A wait is first spun, for up to threads.spin_us (default 200 µs: most waits here are for a
 * batch of packets, tens of µs, where a futex sleep and wake-up cost as much CPU as the wait on
 * both threads, and more in latency). The spin pauses, and every 64 pauses it yields: on a busy
 * machine that gives the core to whoever waits for it (maybe the very thread we wait for), so
 * spinning does not steal the CPU the other thread needs (a plain spin of 4096 pauses made a
 * loaded 2-core box 5x slower). */
#define SPIN_US_DEFAULT 200
#define WAKE_BATCH 16               /* a sleeping worker is woken once this many wait for it */
#define EMIT_BATCH 64               /* out of contexts: wait for this many, not one */
#define EMIT_LAG 32                 /* read a worker's counter only with this many in flight, */
#define EMIT_POLL 16                /* and once per this many packets (each read is a cache miss) */

static void futex_wait(atomic_uint *addr, unsigned val)
{
    syscall(SYS_futex, (unsigned *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(atomic_uint *addr)
{
    syscall(SYS_futex, (unsigned *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Spin until `cond` holds (true) or the budget is spent (false). */
#define SPIN_UNTIL(cond, budget_ns) ({                                                        \
    bool ok_ = false;                                                                          \
    int64_t t0_ = 0;                                                                           \
    for (unsigned i_ = 1;; i_++) {                                                             \
        if (cond) { ok_ = true; break; }                                                       \
        cpu_relax();                                                                           \
        if (!(i_ & 63)) {                                                                      \
            int64_t t_ = now_ns();                                                             \
            if (!t0_) t0_ = t_;                                                                \
            else if (t_ - t0_ > (budget_ns)) break;                                            \
            sched_yield();                                                                     \
        }                                                                                      \
    }                                                                                          \
    ok_; })

/* The worker: wait until something was queued past h. */
static void wait_ring(struct worker *w, unsigned h)
{
    if (SPIN_UNTIL(atomic_load_explicit(&w->pushed, memory_order_acquire) != h, w->spin_ns)) return;
    atomic_store_explicit(&w->sleep_at, h, memory_order_relaxed);
    atomic_store(&w->sleeping, 1);    /* seq_cst: before the load of pushed (the reading
                                         thread stores pushed, then loads sleeping) */
    while (atomic_load(&w->pushed) == h) futex_wait(&w->pushed, h);
    atomic_store_explicit(&w->sleeping, 0, memory_order_relaxed);
}

/* Wake w if it sleeps with at least `min` contexts waiting for it. */
static void kick(struct worker *w, unsigned min)
{
    if (!atomic_load(&w->sleeping)) return;
    unsigned waiting = w->tail - atomic_load_explicit(&w->sleep_at, memory_order_relaxed);
    if (waiting && waiting >= min && atomic_exchange(&w->sleeping, 0)) futex_wake(&w->pushed);
}

static void kick_all(struct workers *ws)
{
    for (unsigned i = 1; i < ws->n; i++) kick(ws->w[i], 1);
}

/* The worker: count a context done, and wake the reading thread if it waits for this one. */
static void publish_done(struct worker *w, unsigned c)
{
    atomic_store(&w->completed, c);   /* seq_cst: before the load of reader_waits */
    unsigned want = atomic_load(&w->reader_waits);
    if (want && (int)(c - want) >= 0) futex_wake(&w->completed);
}

/* The reading thread: is context seq of w done, by the last counter read (no memory traffic)?
 * (For worker 0, done_seen counts the contexts the reading thread dissected.) */
static inline bool done_cached(const struct worker *w, unsigned seq)
{
    return (int)(w->done_seen - seq) > 0;
}

static bool done_now(struct worker *w, unsigned seq)
{
    if (done_cached(w, seq)) return true;
    w->done_seen = atomic_load_explicit(&w->completed, memory_order_acquire);
    return done_cached(w, seq);
}

/* ---- the reading thread's own share (worker 0) ------------------------------------------------
 *
 * Worker 0 is the reading thread itself: n workers are n threads, none idle-waiting. Its
 * contexts are queued like the others' and dissected later, in order: when the other workers
 * have enough queued (serve_own), when the merge or a full ring needs them, or while the
 * reading thread would otherwise wait for a worker. So a worker is kept fed first, and the
 * reading thread fills its waits with its own share. */

#define FED 32                      /* a worker with fewer queued than this is fed first */

static void work(struct trawl_engine *e, struct worker *w, struct item *it);

static void own_one(struct trawl_engine *e)
{
    struct worker *w0 = e->workers->w[0];
    work(e, w0, item_at(w0, w0->done_seen));
    w0->done_seen++;
    atomic_store_explicit(&w0->completed, w0->done_seen, memory_order_relaxed);   /* done_now */
}

static bool own_pending(const struct workers *ws) { return ws->w[0]->tail != ws->w[0]->done_seen; }

/* Has every other worker at least FED contexts queued? (Reads their counters again only when
 * the last values read do not already say no.) */
static bool workers_fed(struct workers *ws)
{
    for (unsigned i = 1; i < ws->n; i++) {
        struct worker *w = ws->w[i];
        if (w->tail - w->done_seen < FED) return false;
        w->done_seen = atomic_load_explicit(&w->completed, memory_order_acquire);
        if (w->tail - w->done_seen < FED) return false;
    }
    return true;
}

static void serve_own(struct trawl_engine *e)
{
    struct workers *ws = e->workers;
    for (unsigned k = 0; own_pending(ws); k++) {
        if (!(k & 15) && !workers_fed(ws)) return;
        own_one(e);
    }
}

static void wait_done(struct workers *ws, struct worker *w, unsigned seq)
{
    if (done_now(w, seq)) return;
    struct trawl_engine *e = w->e;
    if (w->id == 0) {
        while (!done_cached(w, seq)) own_one(e);
        return;
    }
    kick(w, 1);
    /* Waiting for a worker: do the own share meanwhile. */
    while (own_pending(ws)) {
        own_one(e);
        if (done_now(w, seq)) return;
    }
    if (SPIN_UNTIL(done_now(w, seq), w->spin_ns)) return;
    kick_all(ws);
    for (;;) {
        unsigned want = seq + 1 ? seq + 1 : 1;
        atomic_store(&w->reader_waits, want);     /* seq_cst: before the load of completed */
        unsigned c = atomic_load(&w->completed);
        if ((int)(c - seq) <= 0) futex_wait(&w->completed, c);
        atomic_store_explicit(&w->reader_waits, 0, memory_order_relaxed);
        if (done_now(w, seq)) return;
        kick_all(ws);
    }
}

/* ---- the worker thread ----------------------------------------------------------------------- */

static uint32_t summary(const struct trawl_packet *p)
{
    uint32_t s = 0;
    if (p->errors & TRAWL_BUF_TRUNCATED) s |= SUM_TRUNCATED;
    if (p->errors & TRAWL_BUF_MALFORMED) s |= SUM_MALFORMED;
    if (p->depth_exceeded) s |= SUM_DEPTH;
    if (p->values_dropped) s |= SUM_DROPPED;
    if (p->ncreated || p->nstream_vals) s |= SUM_RENUMBER;
    if (p->nended) s |= SUM_ENDED;
    if (p->rq_head) s |= SUM_RECORDS;
    return s;
}

/* A packet: dissect it in the worker's spare context, render it; the item takes the context
 * when the merge needs it, else only what the merge needs of it. */
static void work_packet(struct trawl_engine *e, struct worker *w, struct item *it)
{
    struct trawl_packet *p = w->spare;
    engine_dissect(p, &it->frame, it->data, it->file_name, it->rel_ns, it->delta_ns);
    if (e->render) render_packet(e, w->scratch, p, &it->ri);
    uint32_t sum = summary(p);
    if (e->workers->keep_all || (sum & SUM_RECORDS) || (e->render && render_failed(e, &it->ri))) {
        w->spare = it->pkt;
        it->pkt = p;
        it->sum = sum | SUM_CTX;
        return;
    }
    it->ncreated = p->ncreated;
    if (p->ncreated) memcpy(it->created, p->created, p->ncreated * sizeof *p->created);
    if (p->nended) {
        uint64_t *t = it->ended;
        size_t c = it->capended;
        it->ended = p->ended;
        it->capended = p->capended;
        it->nended = p->nended;
        p->ended = t;
        p->capended = c;
        p->nended = 0;
    }
    it->sum = sum;
}

/* What a worker does with one context (on its thread, or inline for worker 0). */
static void work(struct trawl_engine *e, struct worker *w, struct item *it)
{
    switch (it->kind) {
    case ITEM_PACKET:
        work_packet(e, w, it);
        break;
    case ITEM_TICK:
        it->pkt->in_packet = true;             /* records wait for the merge */
        flows_tick(it->pkt, it->tick_ns);
        break;
    case ITEM_FINISH:
        it->pkt->in_packet = true;
        flows_finish(it->pkt);
        break;
    case ITEM_QUIT:
        break;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct trawl_engine *e = w->e;
    /* `pushed` is read once per batch, not per context: each read of it moves the reading
     * thread's cache line here. */
    unsigned avail = 0;
    for (unsigned h = 0;; h++) {
        if (h == avail) {
            wait_ring(w, h);
            avail = atomic_load_explicit(&w->pushed, memory_order_acquire);
        }
        struct item *it = item_at(w, h);
        work(e, w, it);
        bool quit = it->kind == ITEM_QUIT;
        if (quit) community_id_thread_end();
        publish_done(w, h + 1);
        if (quit) return NULL;
    }
}

/* ---- starting and stopping ----------------------------------------------------------------- */

int trawl_engine_set_threads(struct trawl_engine *e, unsigned n)
{
    if (e->workers_ready) return engine_error(e, TRAWL_ESTATE, "trawl_engine_set_threads before the first packet");
    e->want_workers = n;
    return 0;
}

static void ctx_init(struct trawl_packet *p, struct worker *w)
{
    p->home = &w->home;
    p->wstats = &w->stats;
    p->worker = w->id;
}

static void worker_free(struct worker *w)
{
    if (!w) return;
    if (w->ctxs) {
        for (unsigned k = 0; k <= w->depth; k++) {
            struct trawl_packet *p = &w->ctxs[k];
            records_free_worker(p);
            free(p->ended);
            if (p->vals) packet_free(p);
        }
    }
    if (w->items) {
        for (unsigned k = 0; k < w->depth; k++) {
            struct item *it = &w->items[k];
            free(it->buf);
            free(it->ended);
            render_item_free(w->e, &it->ri);
        }
    }
    flows_free_worker(&w->home);
    records_free_worker(&w->home);
    free(w->home.ended);
    if (w->home.vals) packet_free(&w->home);
    render_scratch_free(w->e, w->scratch);
    free(w->items);
    free(w->ctxs);
    free(w);
}

/* n zeroed bytes on their own cache lines. */
static void *zalloc_lines(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, CACHE_LINE, n ? n : 1) != 0) return NULL;
    memset(p, 0, n);
    return p;
}

/* Can any packet show a stream number (a value of trawl_add_flow_stream: tcp.stream,
 * udp.stream)? Only wanted values are added, so only when every field is wanted or a field
 * named "*.stream" is. Else the merge keeps no map: on a capture with many flows the map costs
 * the reading thread a cache miss or two per flow. */
static bool numbers_shown(const struct trawl_engine *e)
{
    if (e->want_all) return true;
    if (!e->wanted) return false;
    for (size_t id = 0; id < e->nfields; id++) {
        if (!(e->wanted[id >> 3] >> (id & 7) & 1)) continue;
        const char *name = e->fields[id]->name;
        size_t l = strlen(name);
        if (l >= 7 && !strcmp(name + l - 7, ".stream")) return true;
    }
    return false;
}

void workers_start(struct trawl_engine *e)
{
    e->workers_ready = true;
    e->nworkers = 1;
    unsigned n = e->want_workers;
    if (e->live) n = 1;               /* live output must not wait for a worker's next packet */
    if (!n) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (unsigned)c : 1;
    }
    if (n > MAX_WORKERS) n = MAX_WORKERS;
    /* Callbacks that see flows would run on the workers: keep one then. */
    if (n <= 1 || e->flow_cb || e->follow_cb) return;
    struct workers *ws = calloc(1, sizeof *ws);
    if (!ws) goto fail;
    ws->n = n;
    /* The same test as render_start's: a packet sink that does not render needs the contexts. */
    ws->keep_all = e->cb != NULL;
    for (struct trawl_sink *s = e->sinks; s; s = s->next)
        if (!s->skip_packets && !(s->render && s->opened)) ws->keep_all = true;
    unsigned depth = (unsigned)engine_option_u64(e, "threads.depth", ws->keep_all ? DEPTH_KEEP : DEPTH_LEAN,
                                                 2, 4096);
    while (depth & (depth - 1)) depth &= depth - 1;      /* a power of two */
    int64_t spin_ns = (int64_t)engine_option_u64(e, "threads.spin_us", SPIN_US_DEFAULT, 0, 100000) * 1000;
    ws->cap = (size_t)n * depth + n;
    ws->fifo = calloc(ws->cap, sizeof *ws->fifo);
    ws->w = calloc(n, sizeof *ws->w);
    if (!ws->fifo || !ws->w) goto fail_ws;
    e->workers = ws;
    ws->share0 = (unsigned)engine_option_u64(e, "threads.share0", 1000 / n * 7 / 10, 0, 1000);
    if (render_start(e) < 0) goto fail_threads;
    /* The merge's buffer for lines with stream numbers: made now, so only a huge line can fail. */
    if (e->render && trawl_out_init(&ws->rm.tmp, NULL, 4096) < 0) goto fail_threads;
    ws->numbering = numbers_shown(e);
    for (unsigned i = 0; i < n; i++) {
        struct worker *w = zalloc_lines(sizeof *w);
        if (!w) goto fail_threads;
        ws->w[i] = w;
        w->e = e;
        w->id = i;
        w->depth = depth;
        w->spin_ns = spin_ns;
        size_t isz = depth * sizeof *w->items;
        w->items = zalloc_lines(isz);
        if (!w->items) goto fail_threads;
        size_t csz = (depth + 1) * sizeof *w->ctxs;
        w->ctxs = zalloc_lines(csz);
        if (!w->ctxs) goto fail_threads;
        if (e->render && !(w->scratch = calloc(e->render, sizeof *w->scratch))) goto fail_threads;
        if (packet_init(&w->home, e) < 0) goto fail_threads;
        ctx_init(&w->home, w);
        for (unsigned k = 0; k <= depth; k++) {
            if (packet_init(&w->ctxs[k], e) < 0) goto fail_threads;
            ctx_init(&w->ctxs[k], w);
            if (k < depth) w->items[k].pkt = &w->ctxs[k];
        }
        w->spare = &w->ctxs[depth];
        if (i > 0) {
            if (pthread_create(&w->th, NULL, worker_main, w) != 0) goto fail_threads;
            w->running = true;
        }
    }
    e->nworkers = n;
    return;
fail_threads:
    workers_free(e);
    goto fail;
fail_ws:
    if (ws) { free(ws->fifo); free(ws->w); free(ws); }
fail:
    engine_log(e, TRAWL_LOG_WARN, "engine", "worker threads could not start: going on with one");
}

/* ---- the merge (reading thread) ------------------------------------------------------------- */

static void renumber(struct workers *ws, struct trawl_packet *p)
{
    for (uint32_t i = 0; i < p->ncreated; i++)
        map_put(&ws->map, p->created[i].stream, ws->next_global[p->created[i].kind]++);
    size_t n;
    const struct trawl_value *vals = trawl_packet_values(p, &n);
    for (uint32_t i = 0; i < p->nstream_vals; i++) {
        uint32_t k = p->stream_vals[i];
        if (k >= n) continue;
        uint64_t g = oa_find(&ws->map, vals[k].v.u, NULL, NULL);
        if (g) ((struct trawl_value *)vals)[k].v.u = g - 1;
    }
}

static void forget_ended(struct workers *ws, struct trawl_packet *p)
{
    for (size_t i = 0; i < p->nended && ws->numbering; i++) {
        uint64_t g = oa_find(&ws->map, p->ended[i], NULL, NULL);
        if (g) oa_del(&ws->map, p->ended[i], g);
    }
    p->nended = 0;
}

/* The records of n tick (or finish) contexts, delivered in key order (a k-way merge; equal
 * keys come from one flow, hence one context). Records an analyzer makes meanwhile join the
 * end of that context's queue (without threads they would come right after their cause). */
static void merge_records(struct item **its, unsigned n)
{
    for (unsigned i = 0; i < n; i++) its[i]->pkt->in_packet = false;
    for (;;) {
        struct trawl_packet *best = NULL;
        for (unsigned i = 0; i < n; i++) {
            struct trawl_packet *p = its[i]->pkt;
            if (p->rq_head && (!best || p->rq_head->key < best->rq_head->key)) best = p;
        }
        if (!best) break;
        struct trawl_record *r = best->rq_head;
        best->rq_head = r->next;
        if (!best->rq_head) best->rq_tail = NULL;
        r->next = NULL;
        records_deliver_one(best, r);
    }
}

/* The output of one done packet, in frame order (engine_emit, with the summary). */
static void emit_packet(struct trawl_engine *e, struct workers *ws, struct item *it)
{
    uint32_t sum = it->sum;
    if (TRAWL_UNLIKELY(sum & (SUM_TRUNCATED | SUM_MALFORMED | SUM_DEPTH | SUM_DROPPED))) {
        if (sum & SUM_TRUNCATED) e->stats.truncated++;
        if (sum & SUM_MALFORMED) e->stats.malformed++;
        if (sum & SUM_DEPTH) e->stats.depth_exceeded++;
        if (sum & SUM_DROPPED) e->stats.values_dropped++;
    }
    if (!(sum & SUM_CTX)) {
        /* Only rendered bytes (or nothing) to write: the context went back to the worker. */
        if (ws->numbering)
            for (uint32_t i = 0; i < it->ncreated; i++)
                map_put(&ws->map, it->created[i].stream, ws->next_global[it->created[i].kind]++);
        if (e->render) render_emit(e, &ws->rm, NULL, &it->ri, &ws->map);
        if (ws->numbering)
            for (size_t i = 0; i < it->nended; i++) {
                uint64_t g = oa_find(&ws->map, it->ended[i], NULL, NULL);
                if (g) oa_del(&ws->map, it->ended[i], g);
            }
        it->nended = 0;
        return;
    }
    struct trawl_packet *p = it->pkt;
    if ((sum & SUM_RENUMBER) && ws->numbering) renumber(ws, p);
    if (e->render) render_emit(e, &ws->rm, p, &it->ri, &ws->map);
    else if (e->sinks || e->cb) sinks_emit(e, p);
    if (sum & SUM_RECORDS) {
        p->in_packet = false;
        records_flush(p);
    }
    if (sum & SUM_ENDED) forget_ended(ws, p);
}

/* Emit the FIFO's head: false when there was nothing to do. `block`: wait for it; else only
 * when the counters already read say it is done (`reload`: or after reading them again). */
static bool emit_head(struct trawl_engine *e, bool block, bool reload)
{
    struct workers *ws = e->workers;
    if (!ws->count) return false;
    unsigned f = ws->fifo[ws->head];
    if (!(f & FIFO_GROUP)) {
        struct worker *w = ws->w[f];
        unsigned seq = w->released;
        if (!done_cached(w, seq)) {
            if (block) wait_done(ws, w, seq);
            else if (!reload || f == 0 || !done_now(w, seq)) return false;
        }
        emit_packet(e, ws, item_at(w, seq));
        w->released = seq + 1;
        ws->head = ws->head + 1 == ws->cap ? 0 : ws->head + 1;
        ws->count--;
        return true;
    }
    /* A tick or the end: one context per worker, consecutive in the FIFO, worker 0 first. */
    struct item *group[MAX_WORKERS];
    for (unsigned i = 0; i < ws->n; i++) {
        struct worker *w = ws->w[i];
        if (block) wait_done(ws, w, w->released);
        else if (!done_cached(w, w->released) && (i == 0 || !done_now(w, w->released))) return false;
    }
    for (unsigned i = 0; i < ws->n; i++) group[i] = item_at(ws->w[i], ws->w[i]->released);
    merge_records(group, ws->n);
    for (unsigned i = 0; i < ws->n; i++) {
        forget_ended(ws, group[i]->pkt);
        group[i]->pkt->in_packet = false;
        ws->w[i]->released++;
    }
    ws->head = (ws->head + ws->n) % ws->cap;
    ws->count -= ws->n;
    return true;
}

/* Emit what is done: by the counters already read, and reading them again (once) only when
 * enough is in flight that the read settles a batch. */
static void emit_ready(struct trawl_engine *e)
{
    struct workers *ws = e->workers;
    while (emit_head(e, false, false)) {}
    if (++ws->polls >= EMIT_POLL && ws->count >= EMIT_LAG) {
        ws->polls = 0;
        while (emit_head(e, false, true)) {}
    }
}

static bool full(const struct worker *w) { return w->tail - w->released >= w->depth; }

/* Out of contexts for w: wait for a batch (not one context: a sleep and a wake-up per packet
 * would cost more than the work), then emit all that is done. */
static void make_room(struct trawl_engine *e, struct worker *w)
{
    struct workers *ws = e->workers;
    size_t batch = w->depth / 2 < EMIT_BATCH ? w->depth / 2 : EMIT_BATCH;
    size_t k = ws->count < batch ? ws->count : batch;
    if (k) {
        /* The k-th context in flight, and every earlier one of its worker. */
        struct worker *x = ws->w[ws->fifo[(ws->head + k - 1) % ws->cap] & ~FIFO_GROUP];
        unsigned before = 0;
        for (size_t i = 0; i + 1 < k; i++)
            if ((ws->fifo[(ws->head + i) % ws->cap] & ~FIFO_GROUP) == x->id) before++;
        wait_done(ws, x, x->released + before);
    }
    while (emit_head(e, false, true)) {}
    while (full(w)) emit_head(e, true, true);
}

static struct item *take_free(struct trawl_engine *e, struct worker *w)
{
    if (full(w)) make_room(e, w);
    return item_at(w, w->tail);
}

static void push(struct trawl_engine *e, struct worker *w, struct item *it, unsigned flag)
{
    struct workers *ws = e->workers;
    size_t at = ws->head + ws->count;
    if (at >= ws->cap) at -= ws->cap;
    ws->fifo[at] = (uint8_t)(w->id | flag);
    ws->count++;
    unsigned t = ++w->tail;
    if (w->id == 0) return;           /* the reading thread's own: serve_own, or when needed */
    (void)it;
    atomic_store(&w->pushed, t);      /* seq_cst: before the load of sleeping (kick) */
    /* A sleeping worker is woken once a batch waits for it (one system call per batch, not
     * per packet), or when the reading thread is about to wait (kick_all). */
    kick(w, WAKE_BATCH);
}

/* One context on every worker, consecutive in the FIFO. */
static void broadcast(struct trawl_engine *e, enum item_kind kind, int64_t now)
{
    struct workers *ws = e->workers;
    /* Room on every worker first: making room emits, which must not split a group. */
    for (unsigned i = 0; i < ws->n; i++)
        while (full(ws->w[i])) emit_head(e, true, true);
    for (unsigned i = 0; i < ws->n; i++) {
        struct item *it = item_at(ws->w[i], ws->w[i]->tail);
        it->kind = (uint8_t)kind;
        it->tick_ns = now;
        memset(&it->pkt->frame, 0, sizeof it->pkt->frame);
        push(e, ws->w[i], it, i == 0 ? FIFO_GROUP : 0);
    }
}

void workers_tick(struct trawl_engine *e, int64_t now) { broadcast(e, ITEM_TICK, now); }

/* ---- the packet's worker ---------------------------------------------------------------------- */

/* An address (4 or 16 bytes) mixed a word at a time. */
static uint32_t addr_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        h = (h ^ x) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
    }
    if (i + 4 <= n) {
        uint32_t x;
        memcpy(&x, p + i, 4);
        h = (h ^ x) * 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 29;
    }
    return (uint32_t)(h >> 32);
}

/* Symmetric: the two addresses' hashes combined with xor (so a pair of equal addresses hashes
 * to 0, as does a frame with no IP: both go to worker 0's share or not by the same rule). */
static uint32_t pair_hash(const uint8_t *a, const uint8_t *b, size_t n)
{
    return addr_hash(a, n) ^ addr_hash(b, n);
}

static uint32_t ip_hash(const uint8_t *p, uint32_t n, int depth)
{
    if (n < 1 || depth > 1) return 0;
    unsigned v = p[0] >> 4;
    if (v == 4 && n >= 20) {
        uint32_t ihl = (p[0] & 0x0fu) * 4u;
        uint16_t frag = (uint16_t)(p[6] << 8 | p[7]) & 0x1fff;
        /* An ICMP error goes where the flow it quotes goes. */
        if (p[9] == 1 && frag == 0 && ihl >= 20 && n >= ihl + 8 + 20) {
            uint8_t type = p[ihl];
            if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12) {
                uint32_t h = ip_hash(p + ihl + 8, n - ihl - 8, depth + 1);
                if (h) return h;
            }
        }
        return pair_hash(p + 12, p + 16, 4);
    }
    if (v == 6 && n >= 40) {
        if (p[6] == 58 && n >= 40 + 8 + 40 && p[40] >= 1 && p[40] <= 4) {
            uint32_t h = ip_hash(p + 48, n - 48, depth + 1);
            if (h) return h;
        }
        return pair_hash(p + 8, p + 24, 16);
    }
    return 0;
}

/* The worker of a frame: parse just enough of the link layer to find the IP header. */
static uint32_t frame_hash(int linktype, const uint8_t *p, uint32_t n)
{
    uint32_t off = 0, type = 0;
    switch (linktype) {
    case 1:                                          /* Ethernet, VLAN tags, PPPoE session */
        if (n < 14) return 0;
        off = 12;
        type = (uint32_t)(p[off] << 8 | p[off + 1]);
        while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && off + 6 <= n) {
            off += 4;
            type = (uint32_t)(p[off] << 8 | p[off + 1]);
        }
        off += 2;
        if (type == 0x8864 && off + 8 <= n) {
            uint16_t ppp = (uint16_t)(p[off + 6] << 8 | p[off + 7]);
            off += 8;
            type = ppp == 0x0021 ? 0x0800 : ppp == 0x0057 ? 0x86dd : 0;
        }
        break;
    case 113:                                        /* Linux cooked v1 */
        if (n < 16) return 0;
        type = (uint32_t)(p[14] << 8 | p[15]);
        off = 16;
        break;
    case 276:                                        /* Linux cooked v2 */
        if (n < 20) return 0;
        type = (uint32_t)(p[0] << 8 | p[1]);
        off = 20;
        break;
    case 0: case 108:                                /* BSD loopback: 4-byte family */
        if (n < 4) return 0;
        off = 4;
        type = 0x0800 | 0x86dd;                      /* the version nibble decides */
        break;
    case 101: case 12: case 14: case 228: case 229:  /* raw IP */
        type = 0x0800 | 0x86dd;
        break;
    default:
        return 0;
    }
    if (type != 0x0800 && type != 0x86dd && type != (0x0800 | 0x86dd)) return 0;
    return off < n ? ip_hash(p + off, n - off, 0) : 0;
}

void workers_packet(struct trawl_engine *e, const struct trawl_frame *f, const uint8_t *data,
                    const char *file_name, int64_t rel_ns, int64_t delta_ns)
{
    struct workers *ws = e->workers;
    uint32_t h = frame_hash(f->linktype, data, f->caplen);
    /* Spread the bits: a plain modulo of an FNV xor keeps too much of the low bytes. */
    h ^= h >> 16;
    h *= 0x45d9f3bu;
    h ^= h >> 16;
    /* The reading thread (worker 0) also reads, copies and merges: it takes a smaller share. */
    struct worker *w = h % 1000 < ws->share0 ? ws->w[0] : ws->w[1 + (h >> 10) % (ws->n - 1)];
    struct item *it = take_free(e, w);
    it->frame = *f;
    it->kind = ITEM_PACKET;
    it->file_name = file_name;
    it->rel_ns = rel_ns;
    it->delta_ns = delta_ns;
    /* A mapped file's packet bytes are used in place; a comment is the reader's (copied). */
    if (e->data_stable && (!f->comment || f->comment_len + 1 <= it->cap)) {
        it->data = data;
        if (f->comment) {
            memcpy(it->buf, f->comment, f->comment_len);
            it->frame.comment = (const char *)it->buf;
        }
        push(e, w, it, 0);
        serve_own(e);
        emit_ready(e);
        return;
    }
    size_t need = (size_t)f->caplen + (f->comment ? f->comment_len : 0) + 1;
    if (need > it->cap) {
        size_t nc = it->cap ? it->cap : 2048;
        while (nc < need) nc *= 2;
        uint8_t *nb = realloc(it->buf, nc);
        if (!nb) {                                   /* no memory: dissect it here, in order */
            workers_drain(e);
            engine_dissect(&e->pkt, f, data, file_name, rel_ns, delta_ns);
            engine_emit(e, &e->pkt);
            return;
        }
        it->buf = nb;
        it->cap = nc;
    }
    if (f->caplen) memcpy(it->buf, data, f->caplen);
    it->data = it->buf;
    if (f->comment) {
        memcpy(it->buf + f->caplen, f->comment, f->comment_len);
        it->frame.comment = (const char *)it->buf + f->caplen;
    }
    push(e, w, it, 0);
    serve_own(e);
    emit_ready(e);
}

void workers_drain(struct trawl_engine *e)
{
    if (e->workers) while (emit_head(e, true, true)) {}
}

void workers_finish(struct trawl_engine *e)
{
    broadcast(e, ITEM_FINISH, 0);
    workers_drain(e);
}

void workers_free(struct trawl_engine *e)
{
    struct workers *ws = e->workers;
    if (!ws) return;
    workers_drain(e);
    for (unsigned i = 0; i < ws->n; i++) {
        struct worker *w = ws->w[i];
        if (!w || !w->running) continue;
        struct item *it = take_free(e, w);
        it->kind = ITEM_QUIT;
        unsigned t = ++w->tail;
        atomic_store(&w->pushed, t);
        futex_wake(&w->pushed);
        pthread_join(w->th, NULL);
        w->running = false;
        w->released = t;
    }
    for (unsigned i = 0; i < ws->n; i++) worker_free(ws->w[i]);
    render_free(e, &ws->rm);
    free(ws->map.s);
    free(ws->fifo);
    free(ws->w);
    free(ws);
    e->workers = NULL;
    e->nworkers = 1;
}

const struct trawl_stats *workers_stats(const struct trawl_engine *ce)
{
    struct trawl_engine *e = (struct trawl_engine *)ce;
    if (!e->workers) return &e->stats;
    /* The reading thread's counters plus every worker's (they count disjoint things; peaks add). */
    e->stats_view = e->stats;
    uint64_t *dst = (uint64_t *)&e->stats_view;
    size_t skip_a = offsetof(struct trawl_stats, first_ts_ns) / sizeof(uint64_t);
    size_t skip_b = offsetof(struct trawl_stats, last_ts_ns) / sizeof(uint64_t);
    for (unsigned i = 0; i < e->workers->n; i++) {
        const uint64_t *src = (const uint64_t *)&e->workers->w[i]->stats;
        for (size_t k = 0; k < sizeof(struct trawl_stats) / sizeof(uint64_t); k++)
            if (k != skip_a && k != skip_b) dst[k] += src[k];
    }
    return &e->stats_view;
}
