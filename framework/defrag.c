/* defrag.c — IP fragment reassembly (trawl/defrag.h), one table per worker (its packet struct).
 *
 * A datagram being reassembled keeps
 *  - the bytes it holds as chunks: disjoint [start, end) ranges sorted by start, each a copy of
 *    the bytes that were new when its fragment came (the first copy wins, later fragments fill
 *    holes only). Memory is what the fragments brought, never 64 KiB up front: a hostile
 *    fragment at offset 65000 costs its own bytes;
 *  - one record per fragment taken (frame, offset, length, its flags) for the frame list;
 *  - the end the first final fragment set. Once it is known no chunk reaches past it, so the
 *    datagram is whole exactly when held == total (chunks are disjoint).
 *
 * Datagrams sit in a hash by key and in a list by last activity, oldest first: timeouts and
 * evictions take from the old end, O(1) per datagram given up, nothing scanned per packet.
 *
 * Accounting (defrag.max_bytes): datagram structs, fragment records, chunk headers and bytes.
 * The hash's buckets are left out (a few bytes per datagram, bounded by defrag.max_datagrams).
 */
#define HASH_NONFATAL_OOM 1         /* a failed insert is a rejected fragment, not an exit */

#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

#define DEFRAG_MAX_END 65535u       /* IPv4 and IPv6 (no jumbo) datagram lengths are 16 bits */
#define MAX_PIECES     8192u        /* records per datagram: 64 KiB in 8-byte fragments */

struct dg_key {                     /* compared as bytes: zeroed before it is filled */
    uint8_t family, proto;          /* proto 0 for IPv6 (RFC 8200 keys on src, dst, id) */
    uint8_t pad[2];
    uint32_t id;
    uint8_t src[16], dst[16];
};

struct chunk {
    struct chunk *next;
    uint32_t start, end;            /* held bytes [start, end) of the datagram */
    uint32_t size;                  /* bytes allocated in data (end shrinks when trimmed) */
    uint8_t data[];
};

struct piece {                      /* one fragment taken, for frames and frame_flags */
    uint64_t frame;
    uint32_t offset, len;
    unsigned flags;
};

struct datagram {
    struct dg_key key;
    UT_hash_handle hh;
    struct datagram *older, *newer; /* activity list; both NULL while being added to */
    int64_t last_ts;
    uint64_t first_frame;
    struct chunk *chunks, *tail;    /* tail: the last chunk (in-order fragments append) */
    struct piece *pieces;
    uint32_t npieces, cappieces;
    uint32_t nfrags;                /* fragments taken (a CUT datagram counts on without pieces) */
    uint32_t held;                  /* bytes in chunks */
    uint32_t total;                 /* the end the first final fragment set (has_total) */
    bool has_total, cut, has_first;
    uint8_t proto;                  /* the offset-0 fragment's */
    unsigned flags;
    size_t mem;                     /* accounted to this datagram */
};

struct defrag_table {
    struct datagram *hash;
    struct datagram *oldest, *newest;
    uint64_t count;
    size_t mem;
    int64_t timeout_ns;             /* 0: no idle timeout */
    uint64_t max_datagrams, max_bytes;
    struct trawl_stats *st;
};

/* ---- bookkeeping -------------------------------------------------------------------------- */

static void account(struct defrag_table *t, struct datagram *d, size_t n, bool add)
{
    if (add) {
        d->mem += n;
        t->mem += n;
        if (t->mem > t->st->defrag_peak_bytes) t->st->defrag_peak_bytes = t->mem;
    } else {
        d->mem -= n;
        t->mem -= n;
    }
}

static void lru_unlink(struct defrag_table *t, struct datagram *d)
{
    if (d->older) d->older->newer = d->newer;
    else if (t->oldest == d) t->oldest = d->newer;
    if (d->newer) d->newer->older = d->older;
    else if (t->newest == d) t->newest = d->older;
    d->older = d->newer = NULL;
}

static void lru_push(struct defrag_table *t, struct datagram *d)
{
    d->newer = NULL;
    d->older = t->newest;
    if (t->newest) t->newest->newer = d;
    else t->oldest = d;
    t->newest = d;
}

static void chunk_free(struct defrag_table *t, struct datagram *d, struct chunk *c)
{
    account(t, d, sizeof *c + c->size, false);
    free(c);
}

static void drop_bytes(struct defrag_table *t, struct datagram *d)
{
    for (struct chunk *c = d->chunks, *n; c; c = n) {
        n = c->next;
        chunk_free(t, d, c);
    }
    d->chunks = d->tail = NULL;
    d->held = 0;
    account(t, d, (size_t)d->cappieces * sizeof *d->pieces, false);
    free(d->pieces);
    d->pieces = NULL;
    d->npieces = d->cappieces = 0;
}

static void dg_free(struct defrag_table *t, struct datagram *d)
{
    lru_unlink(t, d);
    HASH_DEL(t->hash, d);
    drop_bytes(t, d);
    account(t, d, sizeof *d, false);
    free(d);
    t->count--;
    t->st->defrag_held = t->count;
}

/* Datagrams idle for longer than the timeout, relative to the current packet's time (a capture
 * read at any speed times out the same way). Times going backwards expire nothing. */
static void expire(struct defrag_table *t, int64_t now)
{
    if (!t->timeout_ns) return;
    while (t->oldest && now > t->oldest->last_ts &&
           (uint64_t)now - (uint64_t)t->oldest->last_ts > (uint64_t)t->timeout_ns) {
        dg_free(t, t->oldest);
        t->st->defrag_timeouts++;
    }
}

/* Give up the least recently active datagrams until ndg more datagrams and need more bytes fit.
 * The datagram being added to (keep: its bytes) is out of the list meanwhile, so it is never the
 * one given up; what could not fit even alone gives nothing up. */
static bool make_room(struct defrag_table *t, unsigned ndg, size_t need, size_t keep)
{
    if (keep + need > t->max_bytes || ndg > t->max_datagrams) return false;
    while ((t->count + ndg > t->max_datagrams || t->mem + need > t->max_bytes) && t->oldest) {
        dg_free(t, t->oldest);
        t->st->defrag_evicted++;
    }
    return t->count + ndg <= t->max_datagrams && t->mem + need <= t->max_bytes;
}

static struct defrag_table *table_new(struct trawl_packet *pkt)
{
    struct trawl_engine *e = pkt->e;
    struct defrag_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->timeout_ns = (int64_t)engine_option_u64(e, "defrag.timeout", 60, 0, 365ull * 86400) * 1000000000;
    t->max_datagrams = engine_option_u64(e, "defrag.max_datagrams", 65536, 1, UINT32_MAX);
    t->max_bytes = engine_option_u64(e, "defrag.max_bytes", 64ull << 20, 4096, 1ull << 40);
    /* The caps are the run's: each of n workers gets its share. */
    unsigned nw = e->nworkers ? e->nworkers : 1;
    t->max_datagrams = t->max_datagrams / nw ? t->max_datagrams / nw : 1;
    t->max_bytes = t->max_bytes / nw > 4096 ? t->max_bytes / nw : 4096;
    t->st = pkt->wstats;          /* the worker's counters (threads sum them) */
    pkt->home->defrag = t;
    return t;
}

void defrag_free(struct trawl_packet *pkt)
{
    struct defrag_table *t = pkt->home->defrag;
    if (!t) return;
    while (t->oldest) dg_free(t, t->oldest);
    /* Datagrams being added to are always back in the list between calls: none is left. */
    HASH_CLEAR(hh, t->hash);
    free(t);
    pkt->home->defrag = NULL;
}

/* ---- bytes -------------------------------------------------------------------------------- */

/* The datagram's end is known from now on: bytes past it go, and the fragments that brought
 * data past it are flagged (Wireshark's "fragment too long"). */
static void set_total(struct defrag_table *t, struct datagram *d, uint32_t end)
{
    d->total = end;
    d->has_total = true;
    struct chunk **link = &d->chunks;
    d->tail = NULL;
    while (*link) {
        struct chunk *c = *link;
        if (c->start >= end) {
            *link = c->next;
            d->held -= c->end - c->start;
            chunk_free(t, d, c);
            continue;
        }
        if (c->end > end) {
            d->held -= c->end - end;
            c->end = end;
        }
        d->tail = c;
        link = &c->next;
    }
    for (uint32_t i = 0; i < d->npieces; i++) {
        struct piece *p = &d->pieces[i];
        if ((uint64_t)p->offset + p->len > end) {
            p->flags |= TRAWL_DEFRAG_PAST_END | TRAWL_DEFRAG_BAD_LEN;
            d->flags |= TRAWL_DEFRAG_PAST_END | TRAWL_DEFRAG_BAD_LEN;
        }
    }
}

/* What [s, e) of a new fragment (data = its bytes from s) meets among the chunks: bytes already
 * held (and whether they differ), and the holes it would fill. */
struct scan { uint32_t covered, holes, hole_bytes; bool conflict; };

static struct scan scan_range(const struct datagram *d, const uint8_t *data, uint32_t s, uint32_t e)
{
    struct scan r = { 0, 0, 0, false };
    if (s >= e) return r;
    uint32_t pos = s;
    const struct chunk *c = d->tail && d->tail->end <= s ? NULL : d->chunks;   /* appending */
    for (; c && c->start < e; c = c->next) {
        if (c->end <= s) continue;
        if (c->start > pos) { r.holes++; r.hole_bytes += c->start - pos; }
        uint32_t os = c->start > s ? c->start : s, oe = c->end < e ? c->end : e;
        if (memcmp(c->data + (os - c->start), data + (os - s), oe - os)) r.conflict = true;
        r.covered += oe - os;
        pos = oe;
    }
    if (pos < e) { r.holes++; r.hole_bytes += e - pos; }
    return r;
}

/* Copy the holes of [s, e) in as new chunks. False when memory ran out part way (the chunks
 * stay disjoint and sorted; the fragment is then not recorded). */
static bool fill_holes(struct defrag_table *t, struct datagram *d, const uint8_t *data, uint32_t s,
                       uint32_t e)
{
    struct chunk **link = d->tail && d->tail->end <= s ? &d->tail->next : &d->chunks;
    uint32_t pos = s;
    while (pos < e) {
        struct chunk *c = *link;
        if (c && c->end <= pos) { link = &c->next; continue; }
        if (c && c->start <= pos) { pos = c->end; link = &c->next; continue; }
        uint32_t he = c && c->start < e ? c->start : e;
        struct chunk *n = malloc(sizeof *n + (he - pos));
        if (!n) return false;
        n->start = pos;
        n->end = he;
        n->size = he - pos;
        memcpy(n->data, data + (pos - s), he - pos);
        n->next = c;
        *link = n;
        if (!c) d->tail = n;
        account(t, d, sizeof *n + n->size, true);
        d->held += he - pos;
        link = &n->next;
        pos = he;
    }
    return true;
}

/* ---- delivery ----------------------------------------------------------------------------- */

struct order { uint32_t offset, seq; };

static int cmp_order(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The whole datagram into the packet's arena, fragments listed by offset (arrival order among
 * equal offsets, as Wireshark lists them). False when the arena has no room. */
static bool deliver(struct trawl_packet *pkt, const struct datagram *d, struct trawl_defrag_result *res)
{
    uint32_t n = d->npieces;
    uint8_t *buf = trawl_packet_alloc(pkt, d->total ? d->total : 1);
    uint64_t *frames = trawl_packet_alloc(pkt, (size_t)n * sizeof *frames);
    unsigned *flags = trawl_packet_alloc(pkt, (size_t)n * sizeof *flags);
    struct order *ord = trawl_packet_alloc(pkt, (size_t)n * sizeof *ord);
    if (!buf || !frames || !flags || !ord) return false;
    for (const struct chunk *c = d->chunks; c; c = c->next)
        memcpy(buf + c->start, c->data, c->end - c->start);
    for (uint32_t i = 0; i < n; i++) ord[i] = (struct order){ d->pieces[i].offset, i };
    qsort(ord, n, sizeof *ord, cmp_order);
    for (uint32_t i = 0; i < n; i++) {
        frames[i] = d->pieces[ord[i].seq].frame;
        flags[i] = d->pieces[ord[i].seq].flags;
    }
    res->status = TRAWL_DEFRAG_COMPLETE;
    res->data = buf;
    res->len = d->total;
    res->frames = frames;
    res->frame_flags = flags;
    res->proto = d->proto;
    return true;
}

/* ---- the entry point ---------------------------------------------------------------------- */

static void make_key(struct dg_key *k, const struct trawl_frag *fr)
{
    memset(k, 0, sizeof *k);
    unsigned alen = fr->family == 4 ? 4 : 16;
    k->family = fr->family;
    k->proto = fr->family == 4 ? fr->proto : 0;
    k->id = fr->id;
    memcpy(k->src, fr->src, alen);
    memcpy(k->dst, fr->dst, alen);
}

static void say_held(const struct datagram *d, struct trawl_defrag_result *res)
{
    res->flags = d->flags;
    res->nfrags = d->nfrags;
    res->first_frame = d->first_frame;
}

/* Take fragment fr into d (out of the activity list): HELD, COMPLETE (res filled) or REJECTED.
 * False when d is gone (delivered). */
static bool add_to(struct trawl_packet *pkt, struct defrag_table *t, struct datagram *d,
                   const struct trawl_frag *fr, struct trawl_defrag_result *res)
{
    struct trawl_stats *st = t->st;
    unsigned pf = 0;
    if (fr->more && (fr->len & 7)) pf |= TRAWL_DEFRAG_BAD_LEN;
    if (fr->caplen < fr->len) {
        /* Never complete: the bytes go now, the datagram stays as a marker until it times out. */
        pf |= TRAWL_DEFRAG_CUT;
        if (!d->cut) {
            d->cut = true;
            drop_bytes(t, d);
            st->defrag_cut++;
        }
    }
    if (d->cut) {
        d->flags |= pf;
        d->nfrags++;
        res->status = TRAWL_DEFRAG_HELD;
        say_held(d, res);
        return true;
    }

    uint32_t s = fr->offset, e = fr->offset + fr->len;   /* e <= 65535: checked by the caller */
    bool sets_total = !fr->more && !d->has_total;
    if (!fr->more && d->has_total && e != d->total) pf |= TRAWL_DEFRAG_MULTI_LAST;
    uint32_t lim = d->has_total ? d->total : sets_total ? e : DEFRAG_MAX_END;
    uint32_t ce = e < lim ? e : lim;
    if (e > lim) pf |= TRAWL_DEFRAG_PAST_END | TRAWL_DEFRAG_BAD_LEN;
    if (ce < s) ce = s;                                  /* all of it past the end */

    struct scan sc = scan_range(d, fr->data, s, ce);
    bool dup = false;
    if (sc.covered == ce - s && !sc.conflict)
        for (uint32_t i = 0; i < d->npieces && !dup; i++)
            dup = d->pieces[i].offset == fr->offset && d->pieces[i].len == fr->len;
    if (dup) pf |= TRAWL_DEFRAG_DUPLICATE;
    else if (sc.covered) pf |= TRAWL_DEFRAG_OVERLAP | (sc.conflict ? TRAWL_DEFRAG_CONFLICT : 0);

    /* Room: new chunks and perhaps a bigger record array, within the caps. */
    uint32_t newcap = d->cappieces;
    if (d->npieces == d->cappieces) newcap = d->cappieces ? d->cappieces * 2 : 4;
    if (newcap > MAX_PIECES) newcap = MAX_PIECES;
    size_t need = sc.hole_bytes + (size_t)sc.holes * sizeof(struct chunk) +
                  (size_t)(newcap - d->cappieces) * sizeof(struct piece);
    if (d->npieces >= MAX_PIECES || !make_room(t, 0, need, d->mem)) goto rejected;
    if (newcap != d->cappieces) {
        struct piece *np = realloc(d->pieces, newcap * sizeof *np);
        if (!np) goto rejected;
        account(t, d, (size_t)(newcap - d->cappieces) * sizeof *np, true);
        d->pieces = np;
        d->cappieces = newcap;
    }
    if (sets_total) set_total(t, d, e);
    if (!fill_holes(t, d, fr->data, s, ce)) goto rejected;

    d->pieces[d->npieces++] = (struct piece){ pkt->frame.number, fr->offset, fr->len, pf };
    d->nfrags++;
    d->flags |= pf;
    if (s == 0 && !d->has_first) { d->has_first = true; d->proto = fr->proto; }
    if (pf & TRAWL_DEFRAG_OVERLAP) st->defrag_overlaps++;
    if (pf & TRAWL_DEFRAG_CONFLICT) st->defrag_conflicts++;
    if (pf & TRAWL_DEFRAG_DUPLICATE) st->defrag_duplicates++;

    say_held(d, res);
    res->status = TRAWL_DEFRAG_HELD;
    if (d->has_total && d->held == d->total) {
        if (deliver(pkt, d, res)) {
            st->defrag_completed++;
        } else {
            res->status = TRAWL_DEFRAG_REJECTED;        /* no room in the arena: lost, counted */
            st->defrag_rejected++;
        }
        res->flags = d->flags;
        dg_free(t, d);
        return false;
    }
    return true;

rejected:
    d->flags |= pf;
    say_held(d, res);
    res->status = TRAWL_DEFRAG_REJECTED;
    st->defrag_rejected++;
    return true;
}

int trawl_defrag_add(struct trawl_packet *pkt, const struct trawl_frag *fr, struct trawl_defrag_result *res)
{
    if (!res) return TRAWL_EINVAL;
    memset(res, 0, sizeof *res);
    res->status = TRAWL_DEFRAG_REJECTED;
    if (!pkt || !fr || (fr->family != 4 && fr->family != 6) || !fr->src || !fr->dst ||
        (fr->caplen && !fr->data) || fr->caplen > fr->len)
        return TRAWL_EINVAL;
    struct trawl_stats *st = pkt->wstats;
    res->first_frame = pkt->frame.number;

    if (fr->offset == 0 && !fr->more) {              /* atomic (RFC 6946): alone, nothing held */
        uint64_t *frames = trawl_packet_alloc(pkt, sizeof *frames);
        unsigned *flags = trawl_packet_alloc(pkt, sizeof *flags);
        st->defrag_atomic++;
        if (!frames || !flags) { st->defrag_rejected++; return 0; }
        res->flags = fr->caplen < fr->len ? TRAWL_DEFRAG_CUT : 0;
        *frames = pkt->frame.number;
        *flags = res->flags;
        res->status = TRAWL_DEFRAG_COMPLETE;
        res->data = fr->data;
        res->len = fr->caplen;
        res->nfrags = 1;
        res->frames = frames;
        res->frame_flags = flags;
        res->proto = fr->proto;
        return 0;
    }

    st->defrag_fragments++;
    struct defrag_table *t = pkt->home->defrag;
    if (!t && !(t = table_new(pkt))) { st->defrag_rejected++; return 0; }
    expire(t, pkt->frame.ts_ns);

    struct dg_key key;
    make_key(&key, fr);
    struct datagram *d;
    HASH_FIND(hh, t->hash, &key, sizeof key, d);

    if ((uint64_t)fr->offset + fr->len > DEFRAG_MAX_END) {
        /* No IP datagram reaches past 65535 bytes: a bogus fragment, never kept. */
        if (d) {
            d->flags |= TRAWL_DEFRAG_TOO_LONG;
            say_held(d, res);
        } else {
            res->flags = TRAWL_DEFRAG_TOO_LONG;
        }
        st->defrag_rejected++;
        return 0;
    }

    bool fresh = !d;
    if (fresh) {
        if (!make_room(t, 1, sizeof *d, 0) || !(d = calloc(1, sizeof *d))) {
            st->defrag_rejected++;
            return 0;
        }
        d->key = key;
        d->first_frame = pkt->frame.number;
        HASH_ADD(hh, t->hash, key, sizeof key, d);
        if (!d->hh.tbl) { free(d); st->defrag_rejected++; return 0; }
        t->count++;
        st->defrag_held = t->count;
        account(t, d, sizeof *d, true);
    } else {
        lru_unlink(t, d);
    }
    /* Activity never goes back in time (captures merged out of order). */
    if (fresh || pkt->frame.ts_ns > d->last_ts) d->last_ts = pkt->frame.ts_ns;
    if (add_to(pkt, t, d, fr, res)) {
        if (d->nfrags) lru_push(t, d);
        else dg_free(t, d);                          /* a new datagram whose first fragment did not fit */
    }
    return 0;
}

void trawl_defrag_add_fields(struct trawl_packet *pkt, const struct trawl_defrag_result *r,
                             const struct trawl_defrag_fields *idx)
{
    const unsigned bad = TRAWL_DEFRAG_OVERLAP | TRAWL_DEFRAG_DUPLICATE | TRAWL_DEFRAG_CONFLICT |
                         TRAWL_DEFRAG_MULTI_LAST | TRAWL_DEFRAG_PAST_END;
    for (uint32_t i = 0; i < r->nfrags; i++) {
        unsigned fl = r->frame_flags[i];
        if (!(fl & bad)) { trawl_add_uint(pkt, idx->fragment, r->frames[i]); continue; }
        trawl_add_uint(pkt, idx->error, r->frames[i]);
        if (fl & (TRAWL_DEFRAG_OVERLAP | TRAWL_DEFRAG_DUPLICATE)) trawl_add_bool(pkt, idx->overlap, true);
        if (fl & TRAWL_DEFRAG_CONFLICT) trawl_add_bool(pkt, idx->conflict, true);
        if (fl & TRAWL_DEFRAG_MULTI_LAST) trawl_add_bool(pkt, idx->multiple_tails, true);
        if (fl & TRAWL_DEFRAG_PAST_END) trawl_add_bool(pkt, idx->too_long, true);
    }
    trawl_add_uint(pkt, idx->count, r->nfrags);
    trawl_add_uint(pkt, idx->reassembled_len, r->len);
}
