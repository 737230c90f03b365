/* flow.c — the flow table: conversations, their life cycle, TCP tracking and stream dispatch.
 *
 * One table per worker (it hangs off the worker's home packet context). A flow is keyed by
 * family, protocol, VLAN, tunnel context and the two (address, port) ends in canonical order,
 * so both directions find the same entry. Flows sit in one LRU list per timeout class (TCP,
 * TCP after close, UDP, ICMP, other): timeouts are checked at each whole second of capture time
 * (flows_tick: a fixed point in the frame order, whatever the number of workers) from the
 * lists' heads, and eviction takes the oldest head.
 *
 * Numbers (tcp.stream, udp.stream) follow tshark: a flow ended idle leaves its number behind
 * (remember) for the same conversation to take back, while a SYN opens a new one; with worker
 * threads the merge renumbers them in frame order (workers.c).
 *
 * Memory: every flow's struct, its TCP state, its protocols' state, its pending PDU bytes and
 * the remembered numbers are counted in the table's `mem`; bytes held out of order are counted
 * by the reassembly pool. Both are capped (flow.memcap, flow.max, reasm.*; shared out among
 * workers): past a cap the oldest flow is ended early (counted) — memory never grows with the
 * capture.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "oaindex.h"
#include "reasm.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum tclass { TC_TCP, TC_TCP_CLOSED, TC_UDP, TC_ICMP, TC_OTHER, TC__COUNT };

struct flow_key {
    uint8_t family, proto;
    uint16_t vlan;
    uint32_t tunnel;
    uint16_t port_a, port_b;
    uint8_t a[16], b[16];           /* (a, port_a) <= (b, port_b) */
    uint32_t pad;                   /* zero: the key is six 64-bit words for key_hash */
};

/* A multiply-xorshift over the key's words: much cheaper than uthash's default for a key
 * hashed on every packet. */
static uint32_t key_hash(const struct flow_key *k)
{
    uint64_t h = 0x9e3779b97f4a7c15ull, w;
    const uint8_t *p = (const uint8_t *)k;
    for (size_t i = 0; i < sizeof *k; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
    }
    return (uint32_t)(h ^ (h >> 32));
}

struct flow_slot {                  /* one protocol's per-flow state */
    struct flow_slot *next;
    struct proto_entry *proto;
    size_t size;
    max_align_t data[];
};

/* One TCP endpoint as Zeek's TCP analyzer keeps it, for conn records (sizes, state, history):
 * its own sequence bookkeeping, apart from reassembly. Offsets are 64-bit, from `start`. */
struct zeek_ep {
    uint32_t start;                 /* Zeek's start_seq: the SYN's sequence, or first seq - 1 */
    int64_t last, ack;              /* highest seq + len sent; highest ack the peer sent */
    int64_t hist_syn, hist_fin, hist_rst;   /* sequence of the last SYN, FIN, RST lettered */
    uint32_t fin_cnt;
    uint8_t prev_state;             /* enum trawl_tcp_state before the last change */
    bool did_close;                 /* sent a FIN or RST (Zeek's duration stops after both) */
};

/* One direction of a TCP connection. */
struct tcp_dir {
    struct reasm_dir r;
    bool seen;                      /* a segment came from this side */
    bool syn;                       /* its SYN was seen */
    uint32_t isn;                   /* tshark's base: the SYN's sequence, or first seq - 1 */
    uint32_t syn_seq;
    bool fin, rst;
    uint32_t fin_seq;               /* the FIN's sequence number (it takes one, carries no byte) */
    bool fin_pending;               /* its FIN is not yet told to the stream dissector */
    bool ack_pending;               /* the peer acknowledged up to pending_ack, past what we saw, */
    uint32_t pending_ack;           /* with nothing held beyond: the bytes may still come */
    uint32_t next_seq;              /* highest seq + len seen (for tshark's analysis flags) */
    bool next_valid;
    uint8_t *pend;                  /* bytes the stream dissector has not used yet */
    uint32_t pend_len, pend_cap;
    uint64_t need;                  /* call again when pend_len reaches this */
    uint32_t retrans_count, gap_count, zero_win_count;
    struct zeek_ep zk;
};

enum svc_state { SVC_UNDECIDED, SVC_FOUND, SVC_NONE };

struct tcp_flow {
    struct tcp_dir d[2];            /* [TRAWL_DIR_ORIG], [TRAWL_DIR_RESP] */
    enum svc_state svc_state;
    struct proto_entry *svc;
    const struct table_entry *ports;
    const struct heur_list_entry *heur;
};

struct trawl_flow {
    struct flow_key key;
    uint32_t hash;                  /* key_hash(&key) */
    uint64_t seq;                   /* creation order in its table: ties of first_frame */
    struct trawl_flow *prev, *next; /* LRU of its class */
    enum tclass tclass;
    bool a_is_orig;                 /* key.a is the originator */
    bool cid_done;
    struct trawl_flow_info info;
    struct tcp_flow *tcp;
    struct flow_slot *slots;
    struct trawl_packet *w;         /* the home context of the worker that owns it */
    uint32_t hist_bits[2];          /* history letters written, per side */
    size_t hist_len;
    size_t mem;
};

/* Flows by key (oaindex.h): tag = key_hash, value = the flow. */
static bool flow_has_key(uint64_t val, const void *key)
{
    return !memcmp(&((const struct trawl_flow *)(uintptr_t)val)->key, key, sizeof(struct flow_key));
}

static inline struct trawl_flow *slot_flow(const struct oa_slot *s) { return (struct trawl_flow *)(uintptr_t)s->val; }

struct flow_table {
    struct oa_index idx;            /* flows by key */
    struct trawl_flow *head[TC__COUNT], *tail[TC__COUNT];
    int64_t timeout[TC__COUNT];
    int64_t now;
    size_t count, max;
    uint64_t mem, memcap;
    uint32_t max_pdu;
    uint16_t cid_seed;
    uint64_t next_stream[3];        /* tcp, udp, others */
    struct reasm_pool pool;
    struct trawl_flow *spare[2];    /* ended flows kept for reuse: [0] others, [1] TCP */
    size_t nspare[2];
    uint64_t next_seq;
    /* Numbers of flows that ended idle: the same conversation coming back keeps its
     * tcp.stream/udp.stream, as in tshark (Zeek makes a new connection of it: a new flow). */
    struct remembered *rem_by_key, *rem_oldest, *rem_newest;
    size_t nrem, max_rem;
};

struct remembered {
    struct flow_key key;
    uint64_t stream;
    struct remembered *older, *newer;
    UT_hash_handle hh;
};

#define SPARE_MAX 1024              /* flows kept for reuse per kind (not counted as held) */

/* ---- settings and life of the table --------------------------------------------------------- */

static struct flow_table *table_new(struct trawl_packet *pkt)
{
    struct trawl_engine *e = pkt->e;
    struct flow_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    const int64_t s = 1000000000;
    t->timeout[TC_TCP] = (int64_t)engine_option_u64(e, "flow.timeout.tcp", 300, 1, 86400 * 365) * s;
    t->timeout[TC_TCP_CLOSED] = (int64_t)engine_option_u64(e, "flow.timeout.tcp_closed", 5, 0, 86400) * s;
    t->timeout[TC_UDP] = (int64_t)engine_option_u64(e, "flow.timeout.udp", 60, 1, 86400 * 365) * s;
    t->timeout[TC_ICMP] = (int64_t)engine_option_u64(e, "flow.timeout.icmp", 60, 1, 86400 * 365) * s;
    t->timeout[TC_OTHER] = (int64_t)engine_option_u64(e, "flow.timeout.other", 60, 1, 86400 * 365) * s;
    t->max = (size_t)engine_option_u64(e, "flow.max", 1000000, 1, 1ull << 32);
    t->memcap = engine_option_u64(e, "flow.memcap", 1ull << 30, 1 << 16, 1ull << 44);
    /* The caps are the run's: each of n workers gets its share. */
    unsigned nw = e->nworkers ? e->nworkers : 1;
    t->max = t->max / nw ? t->max / nw : 1;
    t->memcap /= nw;
    t->pool.max_dir = (uint32_t)engine_option_u64(e, "reasm.max_flow", 1 << 20, 0, 1u << 30);
    t->pool.max_held = t->memcap / 2;
    uint64_t pdu = engine_option_u64(e, "reasm.max_pdu", 1 << 20, 1024, 1u << 30);
    /* A PDU is copied into the packet arena to be dissected: it must fit there. */
    if (pdu > pkt->arena_cap / 2) pdu = pkt->arena_cap / 2;
    t->max_pdu = (uint32_t)pdu;
    t->cid_seed = (uint16_t)engine_option_u64(e, "flow.community_id_seed", 0, 0, 65535);
    t->max_rem = (size_t)engine_option_u64(e, "flow.remember", 65536, 0, 1u << 26) / nw;
    t->now = INT64_MIN;
    return t;
}

int trawl_stream_register(struct trawl_init *ctx, const struct trawl_proto *p,
                          const struct trawl_stream_ops *ops)
{
    if (!ctx || ctx->e->started || !p || !ops || ops->size < sizeof *ops) return TRAWL_EINVAL;
    struct proto_entry *pe = registry_proto(ctx->e, p->name);
    if (!pe) return TRAWL_ENOENT;
    pe->stream_ops = ops;
    return 0;
}

static const struct trawl_stream_ops *ops_of(const struct proto_entry *p) { return p ? p->stream_ops : NULL; }

/* ---- LRU per class ----------------------------------------------------------------------- */

static void lru_unlink(struct flow_table *t, struct trawl_flow *f)
{
    if (f->prev) f->prev->next = f->next; else t->head[f->tclass] = f->next;
    if (f->next) f->next->prev = f->prev; else t->tail[f->tclass] = f->prev;
    f->prev = f->next = NULL;
}

static void lru_append(struct flow_table *t, struct trawl_flow *f)
{
    f->prev = t->tail[f->tclass];
    f->next = NULL;
    if (f->prev) f->prev->next = f; else t->head[f->tclass] = f;
    t->tail[f->tclass] = f;
}

static void touch(struct flow_table *t, struct trawl_flow *f, enum tclass c)
{
    if (t->tail[f->tclass] == f && f->tclass == c) return;
    lru_unlink(t, f);
    f->tclass = c;
    lru_append(t, f);
}

/* ---- ending flows ------------------------------------------------------------------------ */

static void stream_flush(struct trawl_packet *pkt, struct trawl_flow *f);

/* A number nobody will show again: with threads, the merge may forget it. */
static void number_dies(struct trawl_packet *pkt, uint64_t stream)
{
    if (pkt->e->nworkers <= 1) return;
    if (pkt->nended == pkt->capended) {
        size_t nc = pkt->capended ? pkt->capended * 2 : 64;
        uint64_t *ne = realloc(pkt->ended, nc * sizeof *ne);
        if (!ne) return;               /* the number stays mapped: a little memory, no harm */
        pkt->ended = ne;
        pkt->capended = nc;
    }
    pkt->ended[pkt->nended++] = stream;
}

static void forget(struct flow_table *t, struct remembered *r)
{
    t->mem -= sizeof *r;
    HASH_DEL(t->rem_by_key, r);
    if (r->older) r->older->newer = r->newer; else t->rem_oldest = r->newer;
    if (r->newer) r->newer->older = r->older; else t->rem_newest = r->older;
    t->nrem--;
    free(r);
}

/* Keep an idle-ended flow's number; false when it cannot be kept (then it dies). */
static bool remember(struct trawl_packet *pkt, const struct trawl_flow *f)
{
    struct flow_table *t = pkt->home->flows;
    if (!t->max_rem) return false;
    if (t->nrem >= t->max_rem) {
        struct remembered *old = t->rem_oldest;
        number_dies(pkt, old->stream);
        forget(t, old);
    }
    /* Counted as flow memory: when the cap is reached, numbers are not kept. */
    if (t->mem + t->pool.held + sizeof(struct remembered) > t->memcap) return false;
    struct remembered *r = malloc(sizeof *r);
    if (!r) return false;
    t->mem += sizeof *r;
    r->key = f->key;
    r->stream = f->info.stream;
    r->newer = NULL;
    r->older = t->rem_newest;
    struct remembered *dup = NULL;
    HASH_FIND(hh, t->rem_by_key, &r->key, sizeof r->key, dup);
    if (dup) { number_dies(pkt, dup->stream); forget(t, dup); }
    HASH_ADD(hh, t->rem_by_key, key, sizeof r->key, r);
    if (t->rem_newest) t->rem_newest->newer = r;
    else t->rem_oldest = r;
    t->rem_newest = r;
    t->nrem++;
    return true;
}

static void flow_end(struct trawl_packet *pkt, struct trawl_flow *f, enum trawl_flow_end why)
{
    struct flow_table *t = pkt->home->flows;
    struct trawl_engine *e = pkt->e;
    f->info.end = why;
    if (f->tcp) stream_flush(pkt, f);
    /* Protocols' end callbacks, then analyzers (they see the final counters). */
    for (struct flow_slot *s = f->slots; s; s = s->next) {
        const struct trawl_stream_ops *ops = ops_of(s->proto);
        if (ops && ops->end) ops->end(pkt, f, s->data, s->proto->state);
    }
    if (f->tcp && f->tcp->svc && !trawl_flow_state_peek(f, &f->tcp->svc->pub)) {
        const struct trawl_stream_ops *ops = ops_of(f->tcp->svc);
        if (ops && ops->end) ops->end(pkt, f, NULL, f->tcp->svc->state);
    }
    bool idle = why == TRAWL_FLOW_END_TIMEOUT || why == TRAWL_FLOW_END_CLOSED || why == TRAWL_FLOW_END_EVICTED;
    if (!(idle && remember(pkt, f))) number_dies(pkt, f->info.stream);
    /* A flow known only from ICMP errors' quotes had no packet of its own: nothing to report. */
    if (f->info.pkts[0] || f->info.pkts[1]) {
        analyzers_flow(pkt, f, true);
        if (e->flow_cb) e->flow_cb(e->flow_cb_user, f);
    }
    if (why == TRAWL_FLOW_END_TIMEOUT) pkt->wstats->flows_timed_out++;
    if (why == TRAWL_FLOW_END_EVICTED) pkt->wstats->flows_evicted++;
    for (struct flow_slot *s = f->slots, *n; s; s = n) { n = s->next; free(s); }
    if (f->tcp) for (int d = 0; d < 2; d++) { reasm_free(&f->tcp->d[d].r, &t->pool); free(f->tcp->d[d].pend); }
    lru_unlink(t, f);
    oa_del(&t->idx, f->hash, (uintptr_t)f);
    t->count--;
    t->mem -= f->mem;
    if (pkt->flow == f) pkt->flow = NULL;
    int kind = f->tcp != NULL;
    if (t->nspare[kind] < SPARE_MAX) {
        f->next = t->spare[kind];
        t->spare[kind] = f;
        t->nspare[kind]++;
    } else {
        free(f);
    }
}

static int by_first_frame(const void *a, const void *b);

/* End every flow idle past its timeout at time now. They end in order of first frame, and each
 * one's records carry that frame as their order key, so the records of one tick come out in
 * the same order however the flows were spread over workers. */
static void expire(struct trawl_packet *pkt, int64_t now)
{
    struct flow_table *t = pkt->home->flows;
    t->now = now;
    size_t n = 0;
    for (int c = 0; c < TC__COUNT; c++)
        for (struct trawl_flow *f = t->head[c]; f && f->info.last_ns + t->timeout[c] < now; f = f->next) n++;
    if (!n) return;
    struct trawl_flow **all = malloc(n * sizeof *all);
    if (!all) return;                  /* next tick */
    size_t k = 0;
    for (int c = 0; c < TC__COUNT; c++)
        for (struct trawl_flow *f = t->head[c]; f && f->info.last_ns + t->timeout[c] < now; f = f->next) all[k++] = f;
    qsort(all, k, sizeof *all, by_first_frame);
    for (size_t i = 0; i < k; i++) {
        pkt->rec_key = all[i]->info.first_frame;
        flow_end(pkt, all[i], all[i]->tclass == TC_TCP_CLOSED ? TRAWL_FLOW_END_CLOSED : TRAWL_FLOW_END_TIMEOUT);
    }
    pkt->rec_key = 0;
    free(all);
}

void flows_tick(struct trawl_packet *ctx, int64_t now)
{
    ctx->home->active = ctx;
    if (ctx->home->flows) expire(ctx, now);
}

/* End the least recently active flow; false when there is none. */
static bool evict_one(struct trawl_packet *pkt, const struct trawl_flow *keep)
{
    struct flow_table *t = pkt->home->flows;
    struct trawl_flow *oldest = NULL;
    for (int c = 0; c < TC__COUNT; c++) {
        struct trawl_flow *h = t->head[c];
        if (h && h == keep) h = h->next;
        if (h && (!oldest || h->info.last_ns < oldest->info.last_ns)) oldest = h;
    }
    if (!oldest) return false;
    flow_end(pkt, oldest, TRAWL_FLOW_END_EVICTED);
    return true;
}

/* Room for n more bytes of flow memory, evicting others (never `keep`). */
static bool reserve(struct trawl_packet *pkt, struct trawl_flow *keep, size_t n)
{
    struct flow_table *t = pkt->home->flows;
    while (t->mem + t->pool.held + n > t->memcap)
        if (!evict_one(pkt, keep)) return false;
    t->mem += n;
    if (keep) keep->mem += n;
    uint64_t total = t->mem + t->pool.held;
    if (total > pkt->wstats->flow_mem_peak) pkt->wstats->flow_mem_peak = total;
    return true;
}

static void release(struct trawl_packet *pkt, struct trawl_flow *f, size_t n)
{
    pkt->home->flows->mem -= n;
    f->mem -= n;
}

/* ---- per packet -------------------------------------------------------------------------- */

void flows_packet_begin(struct trawl_packet *pkt)
{
    pkt->flow = NULL;
    pkt->flow_dir = 0;
    pkt->addr_family = 0;
    pkt->q_family = 0;
    pkt->tunnel = 0;
    pkt->vlan = 0;
    pkt->in_stream = false;
    pkt->ncreated = pkt->nstream_vals = 0;
    pkt->home->active = pkt;
}


/* First frame, then creation (several flows begin in one frame: a tunnel, a quote). */
static int by_first_frame(const void *a, const void *b)
{
    const struct trawl_flow *x = *(const struct trawl_flow *const *)a, *y = *(const struct trawl_flow *const *)b;
    if (x->info.first_frame != y->info.first_frame) return x->info.first_frame < y->info.first_frame ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void flows_finish(struct trawl_packet *pkt)
{
    struct flow_table *t = pkt->home->flows;
    pkt->home->active = pkt;
    if (!t) return;
    /* In order of first packet, so the records of the end of input come out in a fixed order. */
    size_t n = t->count, k = 0;
    struct trawl_flow **all = malloc((n ? n : 1) * sizeof *all);
    if (all) {
        for (size_t i = 0; i < t->idx.cap && k < n; i++) if (t->idx.s[i].val) all[k++] = slot_flow(&t->idx.s[i]);
        qsort(all, k, sizeof *all, by_first_frame);
        for (size_t i = 0; i < k; i++) {
            pkt->rec_key = all[i]->info.first_frame;
            flow_end(pkt, all[i], TRAWL_FLOW_END_INPUT);
        }
        pkt->rec_key = 0;
        free(all);
    }
    /* Without memory for the order: in table order. */
    for (size_t i = 0; i < t->idx.cap; i++)
        while (t->idx.s[i].val) flow_end(pkt, slot_flow(&t->idx.s[i]), TRAWL_FLOW_END_INPUT);
}

void flows_free_worker(struct trawl_packet *pkt)
{
    struct flow_table *t = pkt->home->flows;
    if (!t) return;
    for (size_t i = 0; i < t->idx.cap; i++) {
        if (!t->idx.s[i].val) continue;
        struct trawl_flow *f = slot_flow(&t->idx.s[i]);
        for (struct flow_slot *s = f->slots, *n; s; s = n) { n = s->next; free(s); }
        if (f->tcp) for (int d = 0; d < 2; d++) { reasm_free(&f->tcp->d[d].r, &t->pool); free(f->tcp->d[d].pend); }
        free(f);
    }
    free(t->idx.s);
    for (int k = 0; k < 2; k++)
        for (struct trawl_flow *x = t->spare[k], *n; x; x = n) { n = x->next; free(x); }
    HASH_CLEAR(hh, t->rem_by_key);     /* the table first: it is reached through the items */
    for (struct remembered *r = t->rem_oldest, *n; r; r = n) { n = r->newer; free(r); }
    free(t);
    pkt->home->flows = NULL;
}

/* ---- addresses --------------------------------------------------------------------------- */

static uint32_t mix32(const uint8_t *p, size_t n, uint32_t h)
{
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
    return h;
}

void trawl_packet_set_addrs(struct trawl_packet *pkt, int family, const uint8_t *src,
                            const uint8_t *dst, uint32_t ip_len)
{
    if (family != 4 && family != 6) return;
    if (pkt->quote_depth) {           /* an ICMP error's quoted datagram */
        pkt->q_family = (uint8_t)family;
        pkt->q_src = src;
        pkt->q_dst = dst;
        return;
    }
    if (pkt->addr_family && src == pkt->addr_src && dst == pkt->addr_dst) {
        pkt->ip_len = ip_len;         /* the same datagram, reassembled: its whole length */
        return;
    }
    if (pkt->addr_family) {
        /* A tunnel: the outer pair (in either order) becomes the context of the inner flow. */
        size_t on = pkt->addr_family == 4 ? 4 : 16;
        uint32_t hs = mix32(pkt->addr_src, on, 2166136261u), hd = mix32(pkt->addr_dst, on, 2166136261u);
        uint32_t h = (hs ^ hd) * 2654435761u + pkt->tunnel;
        pkt->tunnel = h ? h : 1;
    }
    pkt->addr_family = (uint8_t)family;
    pkt->addr_src = src;
    pkt->addr_dst = dst;
    pkt->ip_len = ip_len;
}

void trawl_packet_set_vlan(struct trawl_packet *pkt, uint16_t vlan_id)
{
    if (!pkt->quote_depth) pkt->vlan = vlan_id & 0x0fff;
}

/* ---- finding flows ----------------------------------------------------------------------- */

static enum tclass class_of(uint8_t proto)
{
    switch (proto) {
    case 6: return TC_TCP;
    case 17: case 136: return TC_UDP;
    case 1: case 58: return TC_ICMP;
    default: return TC_OTHER;
    }
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* "C" + 17 base62 digits from the flow's first frame, tuple and time: the same input gives
 * the same uids, different flows practically never share one. */
static void make_uid(struct trawl_flow *f, uint32_t keyhash)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t seed = f->info.first_frame * 0x100000001b3ull ^ (uint64_t)f->info.start_ns ^ ((uint64_t)keyhash << 17);
    uint64_t hi = splitmix(&seed), lo = splitmix(&seed);
    f->info.uid[0] = 'C';
    for (int i = 1; i < 18; i++) {
        /* 96 bits: take base-62 digits from the two words in turn. */
        uint64_t *w = i & 1 ? &hi : &lo;
        f->info.uid[i] = digits[*w % 62];
        *w /= 62;
    }
    f->info.uid[18] = 0;
}

/* Find (or make) the flow of the packet's addresses and these ports. *dir is the packet's
 * direction in it. Counts nothing. NULL without addresses, or when the caps refuse it. */
static struct trawl_flow *lookup(struct trawl_packet *pkt, uint8_t ipproto, uint16_t sport,
                                 uint16_t dport, bool create, bool new_conv, int *dir, bool *created)
{
    bool quote = pkt->quote_depth > 0;
    uint8_t fam = quote ? pkt->q_family : pkt->addr_family;
    *created = false;
    if (!fam || pkt->muted) return NULL;
    const uint8_t *src = quote ? pkt->q_src : pkt->addr_src, *dst = quote ? pkt->q_dst : pkt->addr_dst;
    size_t n = fam == 4 ? 4 : 16;
    uint16_t ks = sport, kd = dport;
    if (ipproto == 1 || ipproto == 58) {
        /* A request and its reply share one flow. */
        int other = trawl_icmp_counterpart(ipproto, sport);
        if (other >= 0) kd = (uint16_t)other;
    }
    struct flow_key k;
    memset(&k, 0, sizeof k);
    k.family = fam;
    k.proto = ipproto;
    /* A quote travels in the same VLAN and tunnel as the flow it is about. */
    k.vlan = pkt->vlan;
    k.tunnel = pkt->tunnel;
    int c = memcmp(src, dst, n);
    bool src_is_a = c < 0 || (c == 0 && ks <= kd);
    memcpy(src_is_a ? k.a : k.b, src, n);
    memcpy(src_is_a ? k.b : k.a, dst, n);
    k.port_a = src_is_a ? ks : kd;
    k.port_b = src_is_a ? kd : ks;

    if (!pkt->home->flows && !(pkt->home->flows = table_new(pkt))) return NULL;
    struct flow_table *t = pkt->home->flows;
    struct trawl_flow *f = NULL;
    uint32_t kh = key_hash(&k);
    f = (struct trawl_flow *)(uintptr_t)oa_find(&t->idx, kh, flow_has_key, &k);
    if (f) {
        *dir = (src_is_a == f->a_is_orig) ? TRAWL_DIR_ORIG : TRAWL_DIR_RESP;
        return f;
    }
    if (!create) return NULL;
    if (t->count >= t->max && !evict_one(pkt, NULL)) { pkt->wstats->flows_refused++; return NULL; }
    /* A TCP flow's tracking lives in the same block, right after it. */
    int kind = ipproto == 6;
    size_t size = sizeof *f + (kind ? sizeof(struct tcp_flow) : 0);
    if (!reserve(pkt, NULL, size)) { pkt->wstats->flows_refused++; return NULL; }
    if ((f = t->spare[kind])) {
        t->spare[kind] = f->next;
        t->nspare[kind]--;
        memset(f, 0, size);
    } else if (!(f = calloc(1, size))) {
        t->mem -= size;
        pkt->wstats->flows_refused++;
        return NULL;
    }
    f->mem = size;
    if (kind) {
        f->tcp = (struct tcp_flow *)(f + 1);
        reasm_init(&f->tcp->d[0].r);
        reasm_init(&f->tcp->d[1].r);
    }
    f->w = pkt->home;
    f->key = k;
    f->hash = kh;
    f->seq = t->next_seq++;
    if (!oa_add(&t->idx, kh, (uintptr_t)f)) {
        /* No memory for the index: the flow could not be found again; refuse it. */
        t->mem -= f->mem;
        free(f);
        pkt->wstats->flows_refused++;
        return NULL;
    }
    f->a_is_orig = src_is_a;
    struct trawl_flow_info *in = &f->info;
    in->family = fam;
    in->proto = ipproto;
    memcpy(in->orig_addr, src, n);
    memcpy(in->resp_addr, dst, n);
    in->orig_port = sport;
    in->resp_port = dport;
    in->vlan = k.vlan;
    in->tunnel = k.tunnel;
    in->start_ns = in->last_ns = pkt->frame.ts_ns;
    in->first_frame = in->last_frame = pkt->frame.number;
    in->first_file = in->last_file = pkt->frame.file_index;
    int si = ipproto == 6 ? 0 : ipproto == 17 ? 1 : 2;
    /* The number of this conversation when it went idle before (unless a SYN opens a new one);
     * else a new one: numbered per worker, renumbered by the merge in frame order with threads
     * (from a provisional number unique across kinds and workers). */
    struct remembered *rem = NULL;
    if (t->rem_by_key) HASH_FIND(hh, t->rem_by_key, &k, sizeof k, rem);
    if (rem && !new_conv) {
        in->stream = rem->stream;
        forget(t, rem);
    } else {
        if (rem) { number_dies(pkt, rem->stream); forget(t, rem); }
        in->stream = t->next_stream[si]++;
        if (pkt->e->nworkers > 1) in->stream |= (uint64_t)si << 56 | (uint64_t)pkt->worker << 48;
        if (pkt->ncreated < ARRAY_SIZE(pkt->created)) pkt->created[pkt->ncreated++] = (struct created_flow){ (uint8_t)si, in->stream };
        else pkt->wstats->flows_unnumbered++;
    }
    f->tclass = class_of(ipproto);

    make_uid(f, kh);
    lru_append(t, f);
    t->count++;
    pkt->wstats->flows++;
    if (t->count > pkt->wstats->flows_peak) pkt->wstats->flows_peak = t->count;
    *dir = TRAWL_DIR_ORIG;
    *created = true;
    return f;
}

/* The packet belongs to f in direction dir: counters, times, LRU. */
static void count(struct trawl_packet *pkt, struct trawl_flow *f, int dir, bool created)
{
    pkt->flow = f;
    pkt->flow_dir = dir;
    if (!created) {
        if (pkt->frame.ts_ns > f->info.last_ns) f->info.last_ns = pkt->frame.ts_ns;
        f->info.last_frame = pkt->frame.number;
        f->info.last_file = pkt->frame.file_index;
        touch(pkt->home->flows, f, f->tclass);
    }
    f->info.pkts[dir]++;
    f->info.ip_bytes[dir] += pkt->ip_len;
    f->info.frame_bytes[dir] += pkt->frame.len;
    if (pkt->frame.caplen < pkt->frame.len) f->info.flags |= TRAWL_FLOW_TRUNCATED;
    if (f->info.pkts[0] + f->info.pkts[1] == 1) analyzers_flow(pkt, f, false);   /* its first packet */
}

/* Zeek's "likely server ports" (the ports its default scripts register for their analyzers):
 * a connection first seen from one of them, without a SYN, starts flipped. */
static bool likely_server_port(uint8_t proto, uint16_t port)
{
    static const uint16_t tcp_ports[] = {
        21, 22, 25, 53, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 502, 563, 585, 587, 614,
        631, 636, 750, 989, 990, 992, 993, 995, 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389,
        5222, 5223, 5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000,
    };
    static const uint16_t udp_ports[] = {
        53, 67, 88, 123, 137, 161, 162, 389, 443, 514, 547, 750, 1812, 2123, 2152, 3544, 4789,
        5060, 5072, 5353, 5355, 6081, 20000,
    };
    const uint16_t *p = proto == 6 ? tcp_ports : udp_ports;
    size_t n = proto == 6 ? sizeof tcp_ports / sizeof *tcp_ports : sizeof udp_ports / sizeof *udp_ports;
    for (size_t i = 0; i < n; i++) if (p[i] == port) return true;
    return false;
}

/* Zeek's choice of roles for a new connection: TCP starting without a SYN (or with a SYN-ACK)
 * and UDP are turned around when they come from a likely server port. For TCP, when both
 * ports are likely, only a non-SYN packet towards the higher port is. */
static bool zeek_flip_new(uint8_t proto, uint16_t sport, uint16_t dport, uint16_t tcp_flags)
{
    if (proto == 17) return likely_server_port(17, sport) && !likely_server_port(17, dport);
    if (proto != 6 || ((tcp_flags & 0x02) && !(tcp_flags & 0x10))) return false;
    if (!likely_server_port(6, sport)) return false;
    if (!likely_server_port(6, dport)) return true;
    return !(tcp_flags & 0x02) && sport < dport;
}

static void flip(struct trawl_flow *f);

struct trawl_flow *trawl_flow_get(struct trawl_packet *pkt, uint8_t ipproto, uint16_t sport, uint16_t dport)
{
    int dir;
    bool created;
    bool quote = pkt->quote_depth > 0;
    /* Made from a quote too, as tshark does (it numbers the quoted conversation). */
    struct trawl_flow *f = lookup(pkt, ipproto, sport, dport, true, false, &dir, &created);
    if (!f) return NULL;
    if (quote) { f->info.icmp_errors++; return f; }   /* an ICMP error about this flow */
    count(pkt, f, dir, created);
    if (created && zeek_flip_new(ipproto, sport, dport, 0)) { flip(f); pkt->flow_dir = TRAWL_DIR_RESP; }
    return f;
}

struct trawl_flow *trawl_packet_flow(const struct trawl_packet *pkt) { return pkt->flow; }
int trawl_packet_flow_dir(const struct trawl_packet *pkt) { return pkt->flow_dir; }
bool trawl_packet_in_stream(const struct trawl_packet *pkt) { return pkt->in_stream; }
bool trawl_stream_at_fin(const struct trawl_packet *pkt) { return pkt->in_stream && pkt->stream_fin; }

const struct trawl_flow_info *trawl_flow_info(const struct trawl_flow *f) { return &f->info; }

const char *trawl_flow_community_id(const struct trawl_flow *cf)
{
    struct trawl_flow *f = (struct trawl_flow *)cf;   /* computed on first use: a SHA-1 per flow */
    if (!f->cid_done) {
        struct trawl_flow_tuple tu = { f->info.family, f->info.proto, f->info.orig_port, f->info.resp_port,
                                       f->info.orig_addr, f->info.resp_addr };
        if (trawl_community_id(&tu, f->w->home->flows ? f->w->home->flows->cid_seed : 0, f->info.community_id) < 0)
            f->info.community_id[0] = 0;
        f->cid_done = true;
    }
    return f->info.community_id;
}

/* ---- per-flow state ---------------------------------------------------------------------- */

void *trawl_flow_state_peek(const struct trawl_flow *f, const struct trawl_proto *p)
{
    if (!f || !p) return NULL;
    for (struct flow_slot *s = f->slots; s; s = s->next) if (&s->proto->pub == p) return s->data;
    return NULL;
}

void *trawl_flow_state(struct trawl_flow *f, const struct trawl_proto *p, size_t size)
{
    void *have = trawl_flow_state_peek(f, p);
    if (have || !f || !p) return have;
    /* Memory is reserved through the context at work on the flow's worker right now. */
    struct trawl_packet *ctx = f->w->active ? f->w->active : f->w;
    struct proto_entry *pe = registry_proto(ctx->e, p->name);
    if (!pe || &pe->pub != p) return NULL;
    size_t need = sizeof(struct flow_slot) + size;
    if (!reserve(ctx, f, need)) return NULL;
    struct flow_slot *s = calloc(1, need);
    if (!s) { release(ctx, f, need); return NULL; }
    s->proto = pe;
    s->size = need;
    /* Appended: end callbacks run in the order the states were made. */
    struct flow_slot **tail = &f->slots;
    while (*tail) tail = &(*tail)->next;
    *tail = s;
    return s->data;
}

/* ---- history (Zeek's letters: upper case for the originator) ------------------------------- */

enum { H_S, H_H, H_A, H_D, H_F, H_R, H_C, H_G, H_I, H_Q, H_T, H_W, H__COUNT };
static const char hist_letters[H__COUNT + 1] = "SHADFRCGIQTW";

static void hist_put(struct trawl_flow *f, int dir, int letter)
{
    if (f->hist_len + 1 >= TRAWL_FLOW_HISTORY_SIZE) return;
    char ch = hist_letters[letter];
    f->info.history[f->hist_len++] = dir == TRAWL_DIR_ORIG ? ch : (char)(ch + 32);
    f->info.history[f->hist_len] = 0;
}

/* Zeek's "seen" bits are per slot (originator, responder), not per host: they stay put when
 * the roles flip. `kind` is the letter whose bit counts (S and H share one). Writes the letter
 * the first time; true when the kind had been seen before. */
static bool hist_check(struct trawl_flow *f, int dir, int kind, int letter)
{
    if (f->hist_bits[dir] & (1u << kind)) return true;
    f->hist_bits[dir] |= 1u << kind;
    hist_put(f, dir, letter);
    return false;
}

/* A TCP side is "clean" for Zeek once established (or closed after being established):
 * only then are content gaps believed (lettered G, counted in missed_bytes). */
static bool zeek_clean(const struct trawl_flow *f, int dir)
{
    uint8_t s = f->info.tcp_state[dir];
    return s == TRAWL_TCP_ESTABLISHED ||
           (s == TRAWL_TCP_CLOSED && f->tcp && f->tcp->d[dir].zk.prev_state == TRAWL_TCP_ESTABLISHED);
}

/* Once per letter and side; letters that count events (gaps, retransmissions, zero windows)
 * come again at the 10th, 100th, ... event, as Zeek writes them. Gaps are lettered only
 * between clean sides (Zeek's rule: elsewhere they come from unseen starts or RSTs). */
static void history(struct trawl_flow *f, int dir, int letter, uint32_t *counter)
{
    if (letter == H_G && !(zeek_clean(f, 0) && zeek_clean(f, 1))) return;
    if (!counter) { hist_check(f, dir, letter, letter); return; }
    uint32_t n = ++*counter;
    while (n >= 10 && n % 10 == 0) n /= 10;
    if (n == 1) hist_put(f, dir, letter);
}

void trawl_flow_add_payload(struct trawl_packet *pkt, uint32_t len)
{
    if (!pkt->flow || pkt->quote_depth || pkt->muted) return;
    pkt->flow->info.bytes[pkt->flow_dir] += len;
    /* Zeek letters every UDP datagram (empty ones too) and no ICMP message. */
    if (pkt->flow->info.proto == 17) history(pkt->flow, pkt->flow_dir, H_D, NULL);
}

/* ---- stream dispatch --------------------------------------------------------------------- */

void trawl_stream_need_more(struct trawl_packet *pkt, uint32_t more)
{
    if (!pkt->in_stream) return;
    pkt->stream_more = more;
    pkt->stream_more_set = true;
}

/* The flow's stream dissector hands the rest of the stream to another (STARTTLS): both
 * directions go to it from the next byte on; what either direction held for the old one is
 * dropped (it was the old protocol's). The flow keeps the service it was first given. */
static void pend_drop(struct trawl_packet *pkt, struct trawl_flow *f, struct tcp_dir *d);

static void switch_to(struct trawl_packet *pkt, struct trawl_flow *f, struct proto_entry *p)
{
    struct tcp_flow *tc = f->tcp;
    if (p->dead || !p->def->dissect) return;
    tc->svc = p;
    tc->svc_state = SVC_FOUND;
    pend_drop(pkt, f, &tc->d[1 - pkt->flow_dir]);
    const struct trawl_stream_ops *ops = ops_of(p);
    if (ops && ops->start) ops->start(pkt, f, p->state);
}

void trawl_stream_switch(struct trawl_packet *pkt, const struct trawl_proto *p)
{
    if (pkt->in_stream && p) pkt->stream_switch = p;
}

/* One call of a stream dissector over data (stable for the packet's life). Returns the bytes
 * it used (0: not mine), and whether/how much more it asked for. */
static int call_stream(struct trawl_packet *pkt, struct trawl_flow *f, struct proto_entry *p, int dir,
                       const uint8_t *data, uint32_t len, bool *more_set, uint32_t *more)
{
    uint8_t latch = 0;
    struct trawl_buf b = trawl_buf_make(data, len, len, &latch);
    bool saved_in = pkt->in_stream;
    int saved_dir = pkt->flow_dir;
    struct trawl_flow *saved_flow = pkt->flow;
    /* The flow may not be the packet's own (a flow ended by a timeout, or at the end of input). */
    pkt->flow = f;
    pkt->in_stream = true;
    pkt->flow_dir = dir;
    pkt->stream_more_set = false;
    pkt->stream_switch = NULL;
    int r = packet_dissect(pkt, p, &b, 0);
    *more_set = pkt->stream_more_set;
    *more = pkt->stream_more;
    pkt->stream_more_set = false;
    const struct trawl_proto *next = pkt->stream_switch;
    pkt->stream_switch = NULL;
    if (next && f->tcp && next != &p->pub) switch_to(pkt, f, (struct proto_entry *)next);
    pkt->in_stream = saved_in;
    pkt->flow_dir = saved_dir;
    pkt->flow = saved_flow;
    if (r < 0) r = 0;
    if ((uint32_t)r > len) r = (int)len;
    return r;
}

static struct proto_entry *override_for(const struct table_entry *t, uint32_t key)
{
    for (size_t i = 0; t && i < t->noverrides; i++)
        if (t->overrides[i].key == key) return t->overrides[i].proto;
    return NULL;
}

static void became(struct trawl_packet *pkt, struct trawl_flow *f, struct proto_entry *p)
{
    f->tcp->svc = p;
    f->tcp->svc_state = SVC_FOUND;
    f->info.service = &p->pub;
    const struct trawl_stream_ops *ops = ops_of(p);
    if (ops && ops->start) ops->start(pkt, f, p->state);
}

/* The first bytes of the stream: decode-as, the lower port's dissector, the higher's, then the
 * heuristics (tshark's order). Returns the bytes the chosen one used (it has run), or -1 to wait
 * for more bytes (a heuristic said "need more" or a dissector asked for more), setting *wait. */
static int decide(struct trawl_packet *pkt, struct trawl_flow *f, int dir, const uint8_t *data,
                  uint32_t len, bool *more_set, uint32_t *more)
{
    struct tcp_flow *tc = f->tcp;
    uint32_t lo = f->info.orig_port < f->info.resp_port ? f->info.orig_port : f->info.resp_port;
    uint32_t hi = f->info.orig_port < f->info.resp_port ? f->info.resp_port : f->info.orig_port;
    const struct table_entry *t = tc->ports;
    struct proto_entry *cand[4] = { override_for(t, lo), override_for(t, hi), NULL, NULL };
    if (t && t->kind == TRAWL_TABLE_UINT && !cand[0] && !cand[1]) {
        if (lo <= t->max_key) cand[2] = t->slots[lo];
        if (hi <= t->max_key && hi != lo) cand[3] = t->slots[hi];
    }
    for (int i = 0; i < 4; i++) {
        struct proto_entry *p = cand[i];
        if (!p || p->dead || !p->def->dissect) continue;
        int r = call_stream(pkt, f, p, dir, data, len, more_set, more);
        if (r > 0 || *more_set) { became(pkt, f, p); return r; }
        if (i < 2) break;             /* decode-as is not second-guessed */
    }
    const struct heur_list_entry *h = tc->heur;
    bool maybe = false;
    uint8_t latch = 0;
    struct trawl_buf b = trawl_buf_make(data, len, len, &latch);
    for (size_t i = 0; h && i < h->n; i++) {
        const struct heur_entry *he = &h->items[i];
        if (!he->enabled || he->proto->dead) continue;
        enum trawl_heur_result hr = he->def->probe(&b, he->proto->state);
        if (hr == TRAWL_HEUR_NEED_MORE) { maybe = true; continue; }
        if (hr != TRAWL_HEUR_MINE) continue;
        int r = call_stream(pkt, f, he->proto, dir, data, len, more_set, more);
        if (r > 0 || *more_set) { became(pkt, f, he->proto); return r; }
    }
    /* A probe wants more bytes: wait for them, but not forever. */
    if (maybe && len < 4096) return -1;
    tc->svc_state = SVC_NONE;
    return 0;
}

/* Bytes the packet does not own (reassembly buffers, the pending PDU) are copied into the
 * packet arena, so the values a dissector adds stay valid until the packet is done. */
static const uint8_t *stable(struct trawl_packet *pkt, const uint8_t *p, uint32_t n)
{
    if (pkt->data && p >= pkt->data && p + n <= pkt->data + pkt->frame.caplen) return p;
    uint8_t *c = trawl_packet_alloc(pkt, n ? n : 1);
    if (c && n) memcpy(c, p, n);
    return c;
}

static bool pend_store(struct trawl_packet *pkt, struct trawl_flow *f, struct tcp_dir *d,
                       const uint8_t *p, uint32_t n, bool append)
{
    uint32_t base = append ? d->pend_len : 0;
    if (base + n > d->pend_cap) {
        uint32_t nc = d->pend_cap ? d->pend_cap : 1024;
        while (nc < base + n) nc *= 2;
        if (!reserve(pkt, f, nc - d->pend_cap)) return false;
        uint8_t *np = realloc(d->pend, nc);
        if (!np) { release(pkt, f, nc - d->pend_cap); return false; }
        d->pend = np;
        d->pend_cap = nc;
    }
    memmove(d->pend + base, p, n);
    d->pend_len = base + n;
    return true;
}

static void pend_drop(struct trawl_packet *pkt, struct trawl_flow *f, struct tcp_dir *d)
{
    if (d->pend_cap > 64 * 1024) {       /* give back what a large PDU took */
        release(pkt, f, d->pend_cap);
        free(d->pend);
        d->pend = NULL;
        d->pend_cap = 0;
    }
    d->pend_len = 0;
    d->need = 0;
}

static void stream_data(struct trawl_packet *pkt, struct trawl_flow *f, int dir, const uint8_t *p, uint32_t n)
{
    struct tcp_flow *tc = f->tcp;
    struct tcp_dir *d = &tc->d[dir];
    struct flow_table *t = pkt->home->flows;
    if (tc->svc_state == SVC_NONE || !n) return;
    if (d->pend_len) {
        if ((uint64_t)d->pend_len + n > t->max_pdu) {
            /* The PDU grew past reasm.max_pdu: give it up and start over on these bytes. */
            pkt->wstats->tcp_pdu_dropped += d->pend_len;
            pend_drop(pkt, f, d);
        } else {
            if (!pend_store(pkt, f, d, p, n, true)) { pkt->wstats->tcp_pdu_dropped += d->pend_len + n; pend_drop(pkt, f, d); return; }
            if (d->pend_len < d->need) return;
            p = d->pend;
            n = d->pend_len;
        }
    }
    const uint8_t *data = stable(pkt, p, n);
    if (!data) { pkt->wstats->tcp_pdu_dropped += n; pend_drop(pkt, f, d); return; }
    uint32_t off = 0;
    bool more_set = false;
    uint32_t more = 0;
    unsigned switches = 0;
    while (off < n && tc->svc_state != SVC_NONE) {
        int r;
        struct proto_entry *was = tc->svc;
        if (tc->svc_state == SVC_UNDECIDED) {
            r = decide(pkt, f, dir, data + off, n - off, &more_set, &more);
            if (r < 0) { more_set = true; more = TRAWL_STREAM_MORE_UNKNOWN; break; }
            if (tc->svc_state == SVC_NONE) break;
        } else {
            r = call_stream(pkt, f, tc->svc, dir, data + off, n - off, &more_set, &more);
        }
        off += (uint32_t)r;
        if (more_set) break;
        /* Handed on (trawl_stream_switch) before these bytes: the new protocol reads them. A few
         * hand-overs at most per delivery, so two protocols cannot pass bytes back and forth. */
        if (r == 0 && tc->svc != was && was && ++switches <= 4) continue;
        if (r == 0) { off = n; break; }   /* not a PDU start: skip these bytes (resync later) */
    }
    if (more_set && off < n) {
        uint32_t left = n - off;
        /* Keep the rest; p may be d->pend itself (memmove handles it). */
        if (!pend_store(pkt, f, d, p + off, left, false)) { pkt->wstats->tcp_pdu_dropped += left; pend_drop(pkt, f, d); return; }
        d->need = more == TRAWL_STREAM_MORE_UNKNOWN ? (uint64_t)left + 1 : (uint64_t)left + more;
        if (d->need > t->max_pdu) { pkt->wstats->tcp_pdu_dropped += left; pend_drop(pkt, f, d); }
    } else {
        d->pend_len = 0;
        d->need = 0;
    }
}

struct deliver_ctx { struct trawl_packet *pkt; struct trawl_flow *f; int dir; };

static bool followed(const struct trawl_engine *e, const struct trawl_flow *f)
{
    return e->follow_cb && (e->follow_stream == TRAWL_FOLLOW_ALL || f->info.stream == e->follow_stream);
}

static void on_data(void *user, const uint8_t *p, uint32_t len)
{
    struct deliver_ctx *c = user;
    struct trawl_engine *e = c->pkt->e;
    if (followed(e, c->f)) e->follow_cb(e->follow_user, c->f, c->dir, p, len);
    stream_data(c->pkt, c->f, c->dir, p, len);
}

static void on_gap(void *user, uint64_t len)
{
    struct deliver_ctx *c = user;
    struct trawl_flow *f = c->f;
    struct tcp_dir *d = &f->tcp->d[c->dir];
    struct trawl_engine *e = c->pkt->e;
    if (followed(e, f)) e->follow_cb(e->follow_user, f, c->dir, NULL, len);
    c->pkt->wstats->tcp_gap_bytes += len;
    /* Zeek (conn.log) believes a gap only when an ack revealed it between clean sides; what
     * is still missing when the flow ends is not counted. */
    if (!c->pkt->muted) {
        if (zeek_clean(f, 0) && zeek_clean(f, 1)) f->info.missed_bytes += len;
        history(f, c->dir, H_G, &d->gap_count);
    }
    pend_drop(c->pkt, f, d);
    const struct trawl_stream_ops *ops = ops_of(f->tcp->svc);
    if (ops && ops->gap) ops->gap(c->pkt, f, c->dir, len, f->tcp->svc->state);
}

/* Deliver what is held at a flow's end. The packet at hand is not these bytes' packet: what
 * dissectors add to it is rolled back; their records and per-flow state remain. */
static void stream_flush(struct trawl_packet *pkt, struct trawl_flow *f)
{
    size_t nvals = pkt->nvals, nlayers = pkt->nlayers;
    bool muted = pkt->muted;
    pkt->muted = true;
    for (int dir = 0; dir < 2; dir++) {
        struct deliver_ctx c = { pkt, f, dir };
        struct reasm_out out = { on_data, on_gap, &c };
        struct tcp_dir *td = &f->tcp->d[dir];
        if (td->ack_pending) reasm_ack(&td->r, &pkt->home->flows->pool, &out, td->pending_ack);
        td->ack_pending = false;
        reasm_flush(&td->r, &pkt->home->flows->pool, &out);
    }
    pkt->muted = muted;
    pkt->nvals = nvals;
    pkt->nlayers = nlayers;
    pkt->wstats->tcp_capped_bytes = pkt->home->flows->pool.capped;
}

/* ---- TCP --------------------------------------------------------------------------------- */

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PUSH = 0x08, TH_ACK = 0x10 };

/* ---- Zeek's view of a TCP connection (conn records) ---------------------------------------
 * Zeek's TCP analyzer, redone from its documented behaviour: each endpoint's state, the
 * history letters, sizes from sequence numbers and the end of the duration, so conn records
 * read as Zeek's conn.log does. */

static void ep_init(struct zeek_ep *z, uint32_t start, uint32_t last)
{
    z->start = start;
    z->ack = 0;
    z->last = (int32_t)(last - start);
}

/* The 64-bit offset (from start) of a sequence number, nearest to `near`. */
static int64_t ep_pos(const struct zeek_ep *z, int64_t near, uint32_t seq)
{
    return near + (int32_t)(seq - (uint32_t)(z->start + (uint64_t)near));
}

static void ep_state(struct trawl_flow *f, int dir, uint8_t s)
{
    uint8_t *cur = &f->info.tcp_state[dir];
    if (*cur == s) return;
    f->tcp->d[dir].zk.prev_state = *cur;
    *cur = s;
}

/* Zeek's endpoint size: sequence space sent (or acked by the peer), without SYN and FIN. */
static uint64_t ep_size(const struct trawl_flow *f, int dir)
{
    const struct zeek_ep *z = &f->tcp->d[dir].zk;
    /* A half-open connection found and aborted: its sequence numbers say nothing. */
    if (z->prev_state == TRAWL_TCP_SYN_SENT && f->info.tcp_state[dir] == TRAWL_TCP_RESET &&
        f->info.tcp_state[!dir] == TRAWL_TCP_INACTIVE && z->ack != 0 && z->ack != 1)
        return 0;
    int64_t top = z->last > z->ack ? z->last : z->ack;
    if (top <= 0) return 0;
    uint64_t size = (uint64_t)top - 1;        /* the SYN (or the one faked before the first seq) */
    if (z->fin_cnt && size) size--;
    return size;
}

enum { ZK_FAR = 1 << 20 };                    /* Zeek's TOO_LARGE_SEQ_DELTA */

/* One segment from side `dir`. Returns the sender's side afterwards: a SYN answering an
 * earlier SYN-ACK makes its sender the originator (the roles flip, "^"). */
static int tcp_state(struct trawl_packet *pkt, struct trawl_flow *f, int dir, const struct trawl_tcp_segment *seg)
{
    struct tcp_dir *td = f->tcp->d;
    struct zeek_ep *me = &td[dir].zk, *pe = &td[!dir].zk;
    const uint8_t *st = f->info.tcp_state;
    uint16_t fl = seg->flags;
    bool syn = fl & TH_SYN, fin = fl & TH_FIN, rst = fl & TH_RST, ack = fl & TH_ACK;
    uint32_t len = seg->len;
    /* Sequence space the segment takes: SYN and FIN one each; a RST's payload none. */
    uint32_t past = seg->seq + (rst ? 0 : len) + syn + fin;

    /* Where this side's numbering starts (again, on a new SYN). */
    switch (st[dir]) {
    case TRAWL_TCP_INACTIVE:
        if (syn) ep_init(me, seg->seq, past);
        else ep_init(me, seg->seq - 1, seg->seq);
        break;
    case TRAWL_TCP_SYN_SENT: case TRAWL_TCP_SYN_ACK_SENT:
        if (syn && seg->seq != me->start) ep_init(me, seg->seq, past);
        break;
    case TRAWL_TCP_ESTABLISHED: case TRAWL_TCP_PARTIAL:
        if (syn) ep_init(me, seg->seq, past);
        break;
    case TRAWL_TCP_RESET:
        if (syn && me->prev_state == TRAWL_TCP_INACTIVE) ep_init(me, seg->seq, past);
        break;
    default: break;
    }
    int64_t rel = ep_pos(me, me->last, seg->seq);

    /* Letters: one flag of SYN/FIN/RST gives S/H, F or R (again when at a new sequence
     * number); several give I (FIN+RST) or Q; none give D for data, else A for an ACK. */
    int nflags = syn + fin + rst;
    if (nflags > 1) {
        int l = fin && rst ? H_I : H_Q;
        hist_check(f, dir, l, l);
    } else if (nflags == 1) {
        if (syn) {
            int l = ack ? H_H : H_S;
            if (hist_check(f, dir, H_S, l) && rel != me->hist_syn) hist_put(f, dir, l);
            me->hist_syn = rel;
        }
        if (fin) {
            if (hist_check(f, dir, H_F, H_F) && rel + len != me->hist_fin) hist_put(f, dir, H_F);
            me->hist_fin = rel + len;
        }
        if (rst) {
            if (hist_check(f, dir, H_R, H_R) && rel != me->hist_rst) hist_put(f, dir, H_R);
            me->hist_rst = rel;
        }
    } else if (len) {
        hist_check(f, dir, H_D, H_D);
    } else if (ack) {
        hist_check(f, dir, H_A, H_A);
    }
    /* A zero window counts unless it rides a RST, follows our RST or the peer's FIN. */
    if (seg->window == 0 && !rst && st[!dir] != TRAWL_TCP_CLOSED && st[dir] != TRAWL_TCP_RESET)
        history(f, dir, H_W, &td[dir].zero_win_count);
    /* The duration ends with the last packet before both sides had closed. */
    if (!(me->did_close && pe->did_close)) f->info.last_active_ns = pkt->frame.ts_ns;
    if (fin) me->fin_cnt++;

    /* The ack: the peer's numbering starts from it while the peer was silent; after that it
     * only moves forward (not from a RST, not from a stray ack of 0). */
    if (ack) {
        if (st[!dir] == TRAWL_TCP_INACTIVE) {
            ep_init(pe, seg->ack - 1, seg->ack - 1);
        } else {
            int64_t ra = ep_pos(pe, pe->ack, seg->ack);
            int64_t delta = ra - pe->ack;
            if (ra >= 0 && !rst && !(seg->ack == 0 && delta > ZK_FAR) && delta > 0) pe->ack = ra;
        }
    }

    /* The highest sequence sent; data that does not advance it is a retransmission (T). */
    int32_t dl = (int32_t)(past - (uint32_t)(me->start + (uint64_t)me->last));
    if ((syn || rst) && (dl > ZK_FAR || dl < -ZK_FAR))
        ;                                     /* a wild SYN or RST sequence: not trusted */
    else if (fin && me->last == 1)
        me->last += dl;                       /* only SYN and FIN seen: trust the FIN */
    else if (st[dir] == TRAWL_TCP_RESET)
        ;
    else if (dl > 0)
        me->last += dl;
    else if (len > 0)
        history(f, dir, H_T, &td[dir].retrans_count);

    /* The endpoint state machine. */
    bool flip_now = false;
    switch (st[dir]) {
    case TRAWL_TCP_INACTIVE:
        if (syn) {
            if (dir == TRAWL_DIR_ORIG) {
                ep_state(f, dir, ack ? TRAWL_TCP_SYN_ACK_SENT : TRAWL_TCP_SYN_SENT);
            } else {
                if (!ack && st[!dir] == TRAWL_TCP_SYN_ACK_SENT && seg->seq == me->start) {
                    flip_now = true;          /* the SYN came after its SYN-ACK */
                    ep_state(f, !dir, TRAWL_TCP_ESTABLISHED);
                }
                if (st[!dir] == TRAWL_TCP_SYN_SENT) ep_state(f, !dir, TRAWL_TCP_ESTABLISHED);
                ep_state(f, dir, TRAWL_TCP_ESTABLISHED);
            }
        }
        if (fin) ep_state(f, dir, TRAWL_TCP_CLOSED);
        if (rst) ep_state(f, dir, TRAWL_TCP_RESET);
        if (st[dir] == TRAWL_TCP_INACTIVE) {
            if (dir == TRAWL_DIR_RESP && len == 0 && st[!dir] == TRAWL_TCP_SYN_SENT)
                ;                             /* an ACK of the SYN before the SYN-ACK */
            else if (ack && st[!dir] == TRAWL_TCP_ESTABLISHED)
                ep_state(f, dir, TRAWL_TCP_ESTABLISHED);   /* the SYN was missed */
            else
                ep_state(f, dir, TRAWL_TCP_PARTIAL);
        }
        break;
    case TRAWL_TCP_SYN_SENT: case TRAWL_TCP_SYN_ACK_SENT:
        if (fin) ep_state(f, dir, TRAWL_TCP_CLOSED);
        if (rst) ep_state(f, dir, TRAWL_TCP_RESET);
        break;
    case TRAWL_TCP_ESTABLISHED: case TRAWL_TCP_PARTIAL:
        if (syn && st[dir] == TRAWL_TCP_PARTIAL && st[!dir] == TRAWL_TCP_INACTIVE && !ack)
            ep_state(f, dir, TRAWL_TCP_SYN_SENT);
        if (fin && !rst) {
            ep_state(f, dir, TRAWL_TCP_CLOSED);
            /* The peer's FIN then RST: a normal close after all. */
            if (st[!dir] == TRAWL_TCP_RESET && pe->prev_state == TRAWL_TCP_CLOSED)
                ep_state(f, !dir, TRAWL_TCP_CLOSED);
        }
        if (rst) ep_state(f, dir, TRAWL_TCP_RESET);
        break;
    case TRAWL_TCP_CLOSED:
        if (rst && st[!dir] != TRAWL_TCP_CLOSED) ep_state(f, dir, TRAWL_TCP_RESET);
        break;
    default: break;
    }
    if (fin || rst) me->did_close = true;
    if (flip_now) {
        flip(f);
        dir = !dir;
    }
    f->info.bytes[0] = ep_size(f, 0);
    f->info.bytes[1] = ep_size(f, 1);
    return dir;
}

/* Swap the roles (Zeek's FlipRoles): addresses, counters and each host's tracking change
 * sides; the history stays as written, with "^" where the flip happened, and its "seen" bits
 * stay with their slots. */
static void flip(struct trawl_flow *f)
{
    struct trawl_flow_info *in = &f->info;
    uint8_t a[16];
    memcpy(a, in->orig_addr, 16); memcpy(in->orig_addr, in->resp_addr, 16); memcpy(in->resp_addr, a, 16);
    uint16_t p = in->orig_port; in->orig_port = in->resp_port; in->resp_port = p;
    uint64_t x;
    x = in->pkts[0]; in->pkts[0] = in->pkts[1]; in->pkts[1] = x;
    x = in->ip_bytes[0]; in->ip_bytes[0] = in->ip_bytes[1]; in->ip_bytes[1] = x;
    x = in->frame_bytes[0]; in->frame_bytes[0] = in->frame_bytes[1]; in->frame_bytes[1] = x;
    x = in->bytes[0]; in->bytes[0] = in->bytes[1]; in->bytes[1] = x;
    uint8_t s = in->tcp_state[0]; in->tcp_state[0] = in->tcp_state[1]; in->tcp_state[1] = s;
    if (f->tcp) { struct tcp_dir d = f->tcp->d[0]; f->tcp->d[0] = f->tcp->d[1]; f->tcp->d[1] = d; }
    f->a_is_orig = !f->a_is_orig;
    in->flags ^= TRAWL_FLOW_FLIPPED;
    f->cid_done = false;
    if (f->hist_len + 1 < TRAWL_FLOW_HISTORY_SIZE) {
        in->history[f->hist_len++] = '^';
        in->history[f->hist_len] = 0;
    }
}

struct trawl_flow *trawl_flow_tcp(struct trawl_packet *pkt, const struct trawl_tcp_segment *seg,
                                  struct trawl_tcp_result *res)
{
    if (res) memset(res, 0, sizeof *res);
    int dir;
    bool created;
    if (pkt->quote_depth) {
        struct trawl_flow *qf = lookup(pkt, 6, seg->sport, seg->dport, true, false, &dir, &created);
        if (qf) qf->info.icmp_errors++;
        return qf;
    }
    uint16_t fl = seg->flags;
    bool syn_only = (fl & (TH_SYN | TH_ACK)) == TH_SYN;
    struct trawl_flow *f = lookup(pkt, 6, seg->sport, seg->dport, true, syn_only, &dir, &created);
    if (!f) return NULL;
    /* A new SYN where this side's base differs, or on a closed connection: the ports were
     * reused (tshark starts a new tcp.stream; Zeek a new connection). */
    if (!created && (fl & (TH_SYN | TH_ACK)) == TH_SYN && f->tcp) {
        struct tcp_dir *d = &f->tcp->d[dir];
        if ((d->seen && d->isn != seg->seq) || f->tclass == TC_TCP_CLOSED) {
            flow_end(pkt, f, TRAWL_FLOW_END_REUSED);
            f = lookup(pkt, 6, seg->sport, seg->dport, true, true, &dir, &created);
            if (!f) return NULL;
            if (res) res->analysis |= TRAWL_TCP_PORT_REUSED;
        }
    }
    count(pkt, f, dir, created);
    struct tcp_flow *tc = f->tcp;
    if (!tc->ports && !tc->heur) {
        tc->ports = (const struct table_entry *)seg->ports;
        tc->heur = (const struct heur_list_entry *)seg->heur;
    }
    /* Zeek's roles for a connection picked up without its SYN: the likely server answers. */
    if (created && zeek_flip_new(6, seg->sport, seg->dport, fl)) {
        flip(f);
        dir = TRAWL_DIR_RESP;
        pkt->flow_dir = dir;
    }
    struct tcp_dir *d = &tc->d[dir], *peer = &tc->d[!dir];

    /* Base for relative numbers: the SYN's sequence, or one before the first seen (tshark). */
    if (!d->seen) {
        d->seen = true;
        d->isn = (fl & TH_SYN) ? seg->seq : seg->seq - 1;
    }
    if ((fl & TH_SYN) && !d->syn) {
        d->syn = true;
        d->syn_seq = seg->seq;
        d->isn = seg->seq;
        if (dir == TRAWL_DIR_ORIG && !(fl & TH_ACK)) f->info.flags |= TRAWL_FLOW_SYN_SEEN;
    }

    /* Zeek's states, history letters and sizes (a SYN after its SYN-ACK flips the roles). */
    if (tcp_state(pkt, f, dir, seg) != dir) {
        dir = !dir;
        pkt->flow_dir = dir;
        d = &tc->d[dir];
        peer = &tc->d[!dir];
    }
    if ((fl & TH_FIN) && !d->fin) {
        d->fin = true;
        d->fin_seq = seg->seq + seg->len + ((fl & TH_SYN) ? 1 : 0);
        d->fin_pending = true;
    }
    if (fl & TH_RST) d->rst = true;

    /* Relative numbers (tshark's tcp.seq / tcp.ack / tcp.nxtseq). */
    if (res) {
        res->relative = true;
        res->rel_seq = seg->seq - d->isn;
        res->rel_ack = (fl & TH_ACK) && peer->seen ? seg->ack - peer->isn : 0;
        res->next_seq = res->rel_seq + seg->len + ((fl & TH_SYN) ? 1 : 0) + ((fl & TH_FIN) ? 1 : 0);
    }

    /* Reassembly: payload starts after the SYN's sequence number (TFO data rides on SYNs). */
    uint32_t dseq = (fl & TH_SYN) ? seg->seq + 1 : seg->seq;
    if (!d->r.started || ((fl & TH_SYN) && d->r.delivered == 0 && !d->r.held && d->r.next == 0))
        reasm_start(&d->r, dseq);
    struct flow_table *t = pkt->home->flows;
    if (seg->len) {
        struct deliver_ctx c = { pkt, f, dir };
        struct reasm_out out = { on_data, on_gap, &c };
        unsigned r = reasm_add(&d->r, &t->pool, &out, dseq, seg->payload, seg->caplen, seg->len);
        if ((r & REASM_RETRANS) && !(r & (REASM_IN_ORDER | REASM_HELD)) && res)
            res->analysis |= TRAWL_TCP_RETRANSMISSION;
        if (res && (r & REASM_HELD)) res->analysis |= TRAWL_TCP_OUT_OF_ORDER;
        /* An acknowledged hole is real once bytes beyond it arrive; filled in order, it was not. */
        if (d->ack_pending) {
            if (r & REASM_HELD) {
                uint64_t before = d->r.gap_bytes;
                reasm_ack(&d->r, &t->pool, &out, d->pending_ack);
                if (res && d->r.gap_bytes != before) res->analysis |= TRAWL_TCP_GAP;
                d->ack_pending = false;
            } else if (reasm_offset(&d->r, d->pending_ack) <= d->r.next) {
                d->ack_pending = false;
            }
        }
        if (res && (r & REASM_OVERLAP)) res->analysis |= TRAWL_TCP_OVERLAP;
        if (res && (r & REASM_CONFLICT)) res->analysis |= TRAWL_TCP_OVERLAP_CONFLICT;
    }
    /* Our ACK says the peer's bytes before it were sent: what we never saw is a gap. */
    if ((fl & TH_ACK) && peer->r.started && !(fl & TH_RST)) {
        struct deliver_ctx c = { pkt, f, !dir };
        struct reasm_out out = { on_data, on_gap, &c };
        uint64_t before = peer->r.gap_bytes;
        /* An ACK of the peer's FIN covers its sequence number, not a byte. */
        uint32_t ack = seg->ack;
        if (peer->fin && (int32_t)(ack - peer->fin_seq) > 0) ack = peer->fin_seq;
        /* With bytes held past the hole, it is a gap now. With none, the capture may simply
         * have the data after this ACK (capture order is not the wire's): wait for it. */
        if (peer->r.segs) {
            reasm_ack(&peer->r, &t->pool, &out, ack);
        } else if (reasm_offset(&peer->r, ack) > peer->r.next &&
                   (!peer->ack_pending || (int32_t)(ack - peer->pending_ack) > 0)) {
            peer->ack_pending = true;
            peer->pending_ack = ack;
        }
        if (res && peer->r.gap_bytes != before) res->analysis |= TRAWL_TCP_GAP;
    }
    if (t->pool.capped != pkt->wstats->tcp_capped_bytes) pkt->wstats->tcp_capped_bytes = t->pool.capped;
    /* A FIN once every byte before it was delivered: the stream dissector hears of it here. */
    if (d->fin_pending && d->r.started && tc->svc_state == SVC_FOUND &&
        reasm_offset(&d->r, d->fin_seq) <= d->r.next) {
        d->fin_pending = false;
        static const uint8_t none[1];
        bool more_set;
        uint32_t more;
        pkt->stream_fin = true;
        call_stream(pkt, f, tc->svc, dir, none, 0, &more_set, &more);
        pkt->stream_fin = false;
    }

    /* Closed or reset: the close delay applies from now on. */
    if ((d->rst || peer->rst) || (d->fin && peer->fin)) touch(t, f, TC_TCP_CLOSED);
    return f;
}

void flow_note_service(struct trawl_packet *pkt, const struct trawl_proto *p)
{
    struct trawl_flow *f = pkt->flow;
    if (f && !pkt->quote_depth && !pkt->in_stream && !f->info.service) f->info.service = p;
}

int trawl_engine_on_flow_end(struct trawl_engine *e, trawl_flow_cb cb, void *user)
{
    e->flow_cb = cb;
    e->flow_cb_user = user;
    return 0;
}

int trawl_engine_follow_tcp(struct trawl_engine *e, uint64_t stream, trawl_stream_cb cb, void *user)
{
    e->follow_cb = cb;
    e->follow_user = user;
    e->follow_stream = stream;
    return 0;
}

void trawl_add_flow_stream(struct trawl_packet *pkt, unsigned idx, const struct trawl_flow *f)
{
    if (!f) return;
    size_t before = pkt->nvals;
    trawl_add_uint(pkt, idx, f->info.stream);
    if (pkt->nvals > before && pkt->nstream_vals < ARRAY_SIZE(pkt->stream_vals))
        pkt->stream_vals[pkt->nstream_vals++] = (uint32_t)before;
}
