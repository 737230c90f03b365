/* workers.c — worker threads: each owns the flows whose address pair hashes to it.
 *
 * The thread that reads (the caller's) numbers frames, copies each one into a packet context
 * of the worker that owns its flow and queues it; the worker dissects it (dissectors, flows,
 * reassembly, analyzers' packet and flow events), then marks the context done. Worker 0 is the
 * reading thread itself (n workers are n threads: on few cores, an extra thread that mostly
 * waits costs more than it gives). The reading
 * thread keeps every context it handed out in one FIFO, in frame order, and emits the head
 * as soon as it is done: sinks, records and callbacks always run on the reading thread, in
 * frame order, so a run's output is the same byte for byte whatever the number of workers.
 *
 * What makes it so:
 *   - the hash is symmetric and over the address pair only (both directions, fragments of a
 *     datagram, ICMP errors — hashed on the quoted pair — reach one worker);
 *   - timeouts run at whole seconds of capture time, as "tick" contexts queued to every worker
 *     at the same place in the frame order; the flows each worker ends there come in order of
 *     first frame, and the merge interleaves the workers' records by that key;
 *   - tcp.stream/udp.stream: workers number their flows (worker << 48 | n); each context lists
 *     the flows it made and ended, and the merge maps them to numbers in frame order
 *     (trawl_add_flow_stream marks the values to rewrite).
 * What differs with the number of workers: the caps (flow.max, flow.memcap, defrag.*) are
 * shared out among the workers, so evictions under memory pressure depend on the split; and
 * peak counters are the sums of the workers' peaks.
 *
 * Flow-end callbacks (trawl_engine_on_flow_end) and following a stream run on the worker that
 * owns the flow: with them the engine keeps one worker.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine_internal.h"
#include "oaindex.h"

#define ITEMS_PER_WORKER 128
#define MAX_WORKERS 64

enum item_kind { ITEM_PACKET, ITEM_TICK, ITEM_FINISH, ITEM_QUIT };

struct item {
    struct trawl_packet pkt;
    enum item_kind kind;
    struct trawl_frame frame;
    const char *file_name;
    int64_t rel_ns, delta_ns, tick_ns;
    const uint8_t *data;              /* the frame's bytes: in a mapped file, or in buf */
    uint8_t *buf;                     /* the frame's bytes (and comment), copied */
    size_t cap;
    atomic_int done;
    struct worker *w;
    struct item *next_free;
};

struct worker {
    struct trawl_engine *e;
    unsigned id;
    pthread_t th;
    bool running;
    struct trawl_packet home;         /* owns the worker's flow and fragment tables */
    struct trawl_stats stats;
    struct item items[ITEMS_PER_WORKER];
    struct item *free;                /* reading thread only */
    struct item *ring[ITEMS_PER_WORKER];
    atomic_uint ring_head, ring_tail; /* reading thread pushes at tail, worker pops at head */
    atomic_int sleeping;              /* the worker waits on ring_tail (futex) */
};

/* Provisional flow number → number in frame order (oaindex.h: tag = provisional number, value =
 * the number in frame order + 1). Looked up at every packet that shows a number. */
static void map_put(struct oa_index *m, uint64_t prov, uint64_t global)
{
    uint64_t old = oa_find(m, prov, NULL, NULL);
    if (old) oa_del(m, prov, old);
    oa_add(m, prov, global + 1);
}

struct workers {
    unsigned n;
    struct worker *w;
    struct item **fifo;               /* contexts in frame order */
    size_t cap, head, count;
    atomic_uint done_seq;             /* bumped by workers after each context */
    _Atomic(struct item *) waiting_for;   /* the context the reading thread sleeps on */
    unsigned share0;                  /* per mille of the flows the reading thread takes */
    struct oa_index map;
    uint64_t next_global[3];
};

/* ---- waiting: spin a little, then sleep on a futex ------------------------------------------ */

#define SPINS 128                   /* short: on a busy machine a spinning thread steals the CPU the
                                       other one needs (4096 made a loaded 2-core box 5x slower) */

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

/* The worker: wait until the ring has something past h. */
static void wait_ring(struct worker *w, unsigned h)
{
    for (int i = 0; i < SPINS; i++) {
        if (atomic_load_explicit(&w->ring_tail, memory_order_acquire) != h) return;
        cpu_relax();
    }
    atomic_store(&w->sleeping, 1);
    while (atomic_load(&w->ring_tail) == h) futex_wait(&w->ring_tail, h);
    atomic_store(&w->sleeping, 0);
}

#define WAKE_BATCH 16
#define EMIT_BATCH 64

static void kick(struct worker *w)
{
    if (atomic_load(&w->sleeping) && atomic_load(&w->ring_tail) != atomic_load(&w->ring_head))
        futex_wake(&w->ring_tail);
}

static void kick_all(struct workers *ws)
{
    for (unsigned i = 0; i < ws->n; i++) kick(&ws->w[i]);
}

/* Wake the reading thread only when it sleeps on this very context. */
static void signal_done(struct workers *ws, struct item *it)
{
    atomic_fetch_add(&ws->done_seq, 1);
    if (atomic_load(&ws->waiting_for) == it) futex_wake(&ws->done_seq);
}

/* ---- the worker thread ----------------------------------------------------------------------- */

/* What a worker does with one context (on its thread, or inline for worker 0). */
static void work(struct item *it)
{
    switch (it->kind) {
    case ITEM_PACKET:
        engine_dissect(&it->pkt, &it->frame, it->data, it->file_name, it->rel_ns, it->delta_ns);
        break;
    case ITEM_TICK:
        it->pkt.in_packet = true;              /* records wait for the merge */
        flows_tick(&it->pkt, it->tick_ns);
        break;
    case ITEM_FINISH:
        it->pkt.in_packet = true;
        flows_finish(&it->pkt);
        break;
    case ITEM_QUIT:
        break;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct workers *ws = w->e->workers;
    for (;;) {
        unsigned h = atomic_load_explicit(&w->ring_head, memory_order_relaxed);
        wait_ring(w, h);
        struct item *it = w->ring[h % ITEMS_PER_WORKER];
        atomic_store_explicit(&w->ring_head, h + 1, memory_order_release);
        work(it);
        bool quit = it->kind == ITEM_QUIT;
        atomic_store_explicit(&it->done, 1, memory_order_release);
        if (quit) community_id_thread_end();
        signal_done(ws, it);
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
    ws->cap = (size_t)n * ITEMS_PER_WORKER + n;
    ws->fifo = calloc(ws->cap, sizeof *ws->fifo);
    ws->w = calloc(n, sizeof *ws->w);
    if (!ws->fifo || !ws->w) goto fail_ws;
    e->workers = ws;
    ws->share0 = (unsigned)engine_option_u64(e, "threads.share0", 1000 / n * 6 / 10, 0, 1000);
    for (unsigned i = 0; i < n; i++) {
        struct worker *w = &ws->w[i];
        w->e = e;
        w->id = i;
        if (packet_init(&w->home, e) < 0) goto fail_threads;
        ctx_init(&w->home, w);
        for (unsigned k = 0; k < ITEMS_PER_WORKER; k++) {
            struct item *it = &w->items[k];
            if (packet_init(&it->pkt, e) < 0) goto fail_threads;
            ctx_init(&it->pkt, w);
            it->w = w;
            it->next_free = w->free;
            w->free = it;
        }
        if (i > 0) {
            if (pthread_create(&w->th, NULL, worker_main, w) != 0) goto fail_threads;
            w->running = true;
        }
    }
    e->nworkers = n;
    return;
fail_threads:
    workers_free(e);
    return;
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
    for (size_t i = 0; i < p->nended; i++) {
        uint64_t g = oa_find(&ws->map, p->ended[i], NULL, NULL);
        if (g) oa_del(&ws->map, p->ended[i], g);
    }
    p->nended = 0;
}

static struct item *fifo_at(struct workers *ws, size_t i) { return ws->fifo[(ws->head + i) % ws->cap]; }

static void wait_done(struct workers *ws, struct item *it)
{
    for (int i = 0; i < SPINS; i++) {
        if (atomic_load_explicit(&it->done, memory_order_acquire)) return;
        cpu_relax();
    }
    kick_all(ws);
    for (int i = 0; i < SPINS; i++) {
        if (atomic_load_explicit(&it->done, memory_order_acquire)) return;
        cpu_relax();
    }
    while (!atomic_load_explicit(&it->done, memory_order_acquire)) {
        kick_all(ws);
        atomic_store(&ws->waiting_for, it);
        unsigned seq = atomic_load(&ws->done_seq);
        if (!atomic_load(&it->done)) futex_wait(&ws->done_seq, seq);
        atomic_store(&ws->waiting_for, NULL);
    }
}

static void release(struct item *it)
{
    it->next_free = it->w->free;
    it->w->free = it;
}

/* The records of n tick (or finish) contexts, delivered in key order (a k-way merge; equal
 * keys come from one flow, hence one context). Records an analyzer makes meanwhile join the
 * end of that context's queue (without threads they would come right after their cause). */
static void merge_records(struct item **its, unsigned n)
{
    for (unsigned i = 0; i < n; i++) its[i]->pkt.in_packet = false;
    for (;;) {
        struct trawl_packet *best = NULL;
        for (unsigned i = 0; i < n; i++) {
            struct trawl_packet *p = &its[i]->pkt;
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

/* Emit the FIFO's head (waiting for it when `block`); false when there was nothing to do. */
static bool emit_head(struct trawl_engine *e, bool block)
{
    struct workers *ws = e->workers;
    if (!ws->count) return false;
    struct item *it = fifo_at(ws, 0);
    if (it->kind == ITEM_PACKET) {
        if (!block && !atomic_load_explicit(&it->done, memory_order_acquire)) return false;
        wait_done(ws, it);
        renumber(ws, &it->pkt);
        engine_emit(e, &it->pkt);
        forget_ended(ws, &it->pkt);
        ws->head = (ws->head + 1) % ws->cap;
        ws->count--;
        release(it);
        return true;
    }
    /* A tick or the end: one context per worker, consecutive in the FIFO. */
    struct item *group[MAX_WORKERS];
    for (unsigned i = 0; i < ws->n; i++) {
        group[i] = fifo_at(ws, i);
        if (!block && !atomic_load_explicit(&group[i]->done, memory_order_acquire)) return false;
    }
    for (unsigned i = 0; i < ws->n; i++) wait_done(ws, group[i]);
    merge_records(group, ws->n);
    for (unsigned i = 0; i < ws->n; i++) {
        forget_ended(ws, &group[i]->pkt);
        group[i]->pkt.in_packet = false;
        release(group[i]);
    }
    ws->head = (ws->head + ws->n) % ws->cap;
    ws->count -= ws->n;
    return true;
}

/* Out of contexts for w: wait for a batch (not one context: a sleep and a wake-up per packet
 * would cost more than the work), then emit all that is done. */
static void make_room(struct trawl_engine *e, struct worker *w)
{
    struct workers *ws = e->workers;
    size_t k = ws->count < EMIT_BATCH ? ws->count : EMIT_BATCH;
    if (k) wait_done(ws, fifo_at(ws, k - 1));
    while (emit_head(e, false)) {}
    while (!w->free) emit_head(e, true);
}

static struct item *take_free(struct trawl_engine *e, struct worker *w)
{
    if (!w->free) make_room(e, w);
    struct item *it = w->free;
    w->free = it->next_free;
    atomic_store_explicit(&it->done, 0, memory_order_relaxed);
    return it;
}

static void push(struct trawl_engine *e, struct worker *w, struct item *it)
{
    struct workers *ws = e->workers;
    ws->fifo[(ws->head + ws->count) % ws->cap] = it;
    ws->count++;
    if (w->id == 0) {
        /* Worker 0 is the reading thread itself: N threads in all, none idle-waiting. */
        work(it);
        atomic_store_explicit(&it->done, 1, memory_order_relaxed);
        return;
    }
    unsigned t = atomic_load_explicit(&w->ring_tail, memory_order_relaxed);
    w->ring[t % ITEMS_PER_WORKER] = it;
    atomic_store(&w->ring_tail, t + 1);
    /* A sleeping worker is woken once a batch waits for it (one system call per batch, not
     * per packet), or when the reading thread is about to wait (kick_all). */
    if (t + 1 - atomic_load_explicit(&w->ring_head, memory_order_relaxed) >= WAKE_BATCH) kick(w);
}

/* One context on every worker, consecutive in the FIFO. */
static void broadcast(struct trawl_engine *e, enum item_kind kind, int64_t now)
{
    struct workers *ws = e->workers;
    struct item *its[MAX_WORKERS];
    /* Take them all first: taking one may emit the FIFO's head, which must not split a group. */
    for (unsigned i = 0; i < ws->n; i++) {
        while (!ws->w[i].free) emit_head(e, true);
    }
    for (unsigned i = 0; i < ws->n; i++) its[i] = take_free(e, &ws->w[i]);
    for (unsigned i = 0; i < ws->n; i++) {
        its[i]->kind = kind;
        its[i]->tick_ns = now;
        memset(&its[i]->pkt.frame, 0, sizeof its[i]->pkt.frame);
        push(e, &ws->w[i], its[i]);
    }
}

void workers_tick(struct trawl_engine *e, int64_t now) { broadcast(e, ITEM_TICK, now); }

/* ---- the packet's worker ---------------------------------------------------------------------- */

static uint32_t addr_hash(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
    return h;
}

/* Symmetric: the two addresses' hashes combined with xor. */
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
    struct worker *w = h % 1000 < ws->share0 ? &ws->w[0] : &ws->w[1 + (h >> 10) % (ws->n - 1)];
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
        push(e, w, it);
        while (emit_head(e, false)) {}
        return;
    }
    size_t need = (size_t)f->caplen + (f->comment ? f->comment_len : 0) + 1;
    if (need > it->cap) {
        size_t nc = it->cap ? it->cap : 2048;
        while (nc < need) nc *= 2;
        uint8_t *nb = realloc(it->buf, nc);
        if (!nb) {                                   /* no memory: dissect it here, in order */
            release(it);
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
    push(e, w, it);
    while (emit_head(e, false)) {}
}

void workers_drain(struct trawl_engine *e)
{
    if (e->workers) while (emit_head(e, true)) {}
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
        struct worker *w = &ws->w[i];
        if (!w->running) continue;
        struct item *it = take_free(e, w);
        it->kind = ITEM_QUIT;
        unsigned t = atomic_load_explicit(&w->ring_tail, memory_order_relaxed);
        w->ring[t % ITEMS_PER_WORKER] = it;
        atomic_store(&w->ring_tail, t + 1);
        futex_wake(&w->ring_tail);
        pthread_join(w->th, NULL);
        w->running = false;
        release(it);
    }
    for (unsigned i = 0; i < ws->n; i++) {
        struct worker *w = &ws->w[i];
        for (unsigned k = 0; k < ITEMS_PER_WORKER; k++) {
            struct item *it = &w->items[k];
            records_free_worker(&it->pkt);
            free(it->pkt.ended);
            if (it->pkt.vals) packet_free(&it->pkt);
            free(it->buf);
        }
        flows_free_worker(&w->home);
        records_free_worker(&w->home);
        free(w->home.ended);
        if (w->home.vals) packet_free(&w->home);
    }
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
        const uint64_t *src = (const uint64_t *)&e->workers->w[i].stats;
        for (size_t k = 0; k < sizeof(struct trawl_stats) / sizeof(uint64_t); k++)
            if (k != skip_a && k != skip_b) dst[k] += src[k];
    }
    return &e->stats_view;
}
