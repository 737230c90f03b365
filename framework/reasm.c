/* reasm.c — TCP byte-stream reassembly for one direction (the contract is in reasm.h).
 *
 * Held bytes are a sorted singly linked list of runs that never overlap and all start after
 * `next` (a run that reaches `next` is delivered at once). A run is either data (its own heap
 * buffer, accounted) or a gap run: bytes of a truncated segment that were not captured, known
 * never to come, which cost no buffer. Adding a segment walks the list once, alternating
 * between the holes it fills (delivered if at `next`, else held) and the held runs it
 * overlaps (compared, first wins). Appends after the last run skip the walk (the usual case
 * after a loss: everything after the hole arrives in order), and small data runs grow by
 * appending in place so a train of segments after a hole is a few runs, not one per segment.
 *
 * Bounds: every walk is O(runs) with runs <= REASM_MAX_RUNS; merging copies at most
 * REASM_MERGE_MAX bytes per segment; no recursion.
 */
#include <stdlib.h>
#include <string.h>

#include "reasm.h"

struct reasm_seg {
    struct reasm_seg *next;
    uint64_t off;                     /* stream offset of the first byte */
    uint32_t len;
    bool gap;                         /* not captured: will never come, no buffer */
    uint8_t *data;                    /* len bytes (NULL for a gap run) */
};

/* One public call's state: the pending gap is coalesced so consecutive holes and gap runs
 * reach out.gap as one call, and only just before the next data (or at the end). */
struct ctx {
    struct reasm_dir *d;
    struct reasm_pool *pool;
    const struct reasm_out *out;
    uint64_t gap;
    unsigned flags;
};

static inline uint64_t seg_end(const struct reasm_seg *s) { return s->off + s->len; }
static inline uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Signed offset of a sequence number: nearest to next (may be negative: before offset 0). */
static int64_t soff(const struct reasm_dir *d, uint32_t seq)
{
    uint32_t at = d->base_seq + (uint32_t)d->next;
    return (int64_t)d->next + (int32_t)(seq - at);
}

static void account(struct ctx *c, uint64_t n)
{
    c->d->held += (uint32_t)n;
    c->pool->held += n;
    if (c->pool->held > c->pool->peak) c->pool->peak = c->pool->held;
}

static void unaccount(struct reasm_dir *d, struct reasm_pool *pool, uint64_t n)
{
    d->held -= (uint32_t)n;
    pool->held -= n;
}

static void flush_gap(struct ctx *c)
{
    if (!c->gap) return;
    if (c->out && c->out->gap) c->out->gap(c->out->user, c->gap);
    c->gap = 0;
}

static void emit_gap(struct ctx *c, uint64_t n, bool capped)
{
    if (!n) return;
    c->gap += n;
    c->d->gap_bytes += n;
    c->d->next += n;
    if (capped) {
        c->pool->capped += n;
        c->flags |= REASM_CAPPED;
    }
}

static void emit_data(struct ctx *c, const uint8_t *p, uint32_t n)
{
    if (!n) return;
    flush_gap(c);
    if (c->out && c->out->data) c->out->data(c->out->user, p, n);
    c->d->delivered += n;
    c->d->next += n;
    c->flags |= REASM_IN_ORDER;
}

/* Deliver the first held run (it is at next) and free it. */
static void deliver_head(struct ctx *c)
{
    struct reasm_dir *d = c->d;
    struct reasm_seg *s = d->segs;
    d->segs = s->next;
    if (!d->segs) d->last = NULL;
    d->nruns--;
    if (s->gap) {
        emit_gap(c, s->len, false);
    } else {
        emit_data(c, s->data, s->len);
        unaccount(d, c->pool, s->len);
    }
    free(s->data);
    free(s);
}

static void drain(struct ctx *c)
{
    while (c->d->segs && c->d->segs->off == c->d->next) deliver_head(c);
}

/* Move next to `limit`: held runs below it are delivered, the holes become gaps. */
static void skip_to(struct ctx *c, uint64_t limit, bool capped)
{
    struct reasm_dir *d = c->d;
    while (d->next < limit) {
        if (d->segs && d->segs->off < limit) {
            emit_gap(c, d->segs->off - d->next, capped);
            deliver_head(c);
        } else {
            emit_gap(c, limit - d->next, capped);
        }
    }
    drain(c);
}

/* One step of giving up the oldest hole (not past `limit`, where the new bytes go). */
static void give_up_one(struct ctx *c, uint64_t limit)
{
    struct reasm_dir *d = c->d;
    if (d->segs && d->segs->off < limit) {
        emit_gap(c, d->segs->off - d->next, true);
        deliver_head(c);
        drain(c);
    } else {
        emit_gap(c, limit - d->next, true);
    }
}

static bool can_merge(const struct reasm_seg *prev, uint64_t at, uint64_t n, bool gap)
{
    return prev && seg_end(prev) == at && prev->gap == gap &&
           (uint64_t)prev->len + n <= (gap ? UINT32_MAX : REASM_MERGE_MAX);
}

static bool room(const struct ctx *c, uint64_t need, bool new_run)
{
    const struct reasm_dir *d = c->d;
    const struct reasm_pool *pool = c->pool;
    if (pool->max_dir && d->held + need > pool->max_dir) return false;
    if (pool->max_held && pool->held + need > pool->max_held) return false;
    if (d->held + need > UINT32_MAX) return false;        /* d->held is 32-bit */
    if (new_run && d->nruns >= REASM_MAX_RUNS) return false;
    return true;
}

/* Hold [at, at+n) (data p, or a gap run when p is NULL) right after prev, before prev->next.
 * Returns the run that now ends at at+n, or NULL when memory ran out. */
static struct reasm_seg *hold(struct ctx *c, struct reasm_seg *prev, uint64_t at,
                              const uint8_t *p, uint64_t n)
{
    struct reasm_dir *d = c->d;
    bool gap = !p;
    if (can_merge(prev, at, n, gap)) {
        if (!gap) {
            uint8_t *b = realloc(prev->data, prev->len + n);
            if (!b) return NULL;
            memcpy(b + prev->len, p, n);
            prev->data = b;
            account(c, n);
        }
        prev->len += (uint32_t)n;
        return prev;
    }
    struct reasm_seg *s = malloc(sizeof *s);
    if (!s) return NULL;
    s->off = at;
    s->len = (uint32_t)n;
    s->gap = gap;
    s->data = NULL;
    if (!gap) {
        s->data = malloc(n);
        if (!s->data) {
            free(s);
            return NULL;
        }
        memcpy(s->data, p, n);
        account(c, n);
    }
    struct reasm_seg **link = prev ? &prev->next : &d->segs;
    s->next = *link;
    *link = s;
    if (!s->next) d->last = s;
    d->nruns++;
    return s;
}

/* New bytes overlapping held run r at [at, at+n): first wins, compare when both are data. */
static void overlap(struct ctx *c, const struct reasm_seg *r, uint64_t at, const uint8_t *np,
                    uint64_t n)
{
    c->flags |= REASM_OVERLAP;
    c->d->overlap_bytes += n;
    if (!np || r->gap) return;
    const uint8_t *hp = r->data + (at - r->off);
    if (!memcmp(hp, np, n)) return;
    uint64_t diff = 0;
    for (uint64_t i = 0; i < n; i++) diff += hp[i] != np[i];
    c->d->conflict_bytes += diff;
    c->flags |= REASM_CONFLICT;
}

/* Place the new bytes [a, a+n) (p, or uncaptured when p is NULL). */
static void put(struct ctx *c, uint64_t a, const uint8_t *p, uint64_t n)
{
    struct reasm_dir *d = c->d;
    bool gap = !p;
    uint64_t cur = a, b = a + n;
    if (cur < d->next) {
        /* Only an uncaptured tail gets here: the captured part just before it delivered held
         * bytes that reach over it. They overlapped; the held ones won. */
        uint64_t ov = min64(b, d->next) - cur;
        c->flags |= REASM_OVERLAP;
        d->overlap_bytes += ov;
        cur += ov;
    }
    struct reasm_seg *prev = NULL, *r = d->segs;
    /* Starting at the last run: prev is only read once the walk has passed r, so it is set. */
    if (d->last && d->last->off <= cur) r = d->last;
    while (cur < b) {
        while (r && seg_end(r) <= cur) {
            prev = r;
            r = r->next;
        }
        if (r && r->off <= cur) {                      /* held bytes already there */
            uint64_t ov_end = min64(b, seg_end(r));
            overlap(c, r, cur, gap ? NULL : p + (cur - a), ov_end - cur);
            if (cur == d->next && r == d->segs) {      /* r is at next: out it goes, whole */
                cur = seg_end(r);
                deliver_head(c);
                prev = NULL;
                r = d->segs;
            } else {
                cur = ov_end;
            }
            continue;
        }
        uint64_t h_end = r ? min64(b, r->off) : b;    /* a hole: the new bytes fill it */
        const uint8_t *hp = gap ? NULL : p + (cur - a);
        if (cur != d->next) {
            uint64_t need = gap ? 0 : h_end - cur;
            while (d->next < cur && !room(c, need, !can_merge(prev, cur, h_end - cur, gap))) {
                give_up_one(c, cur);
                if (d->segs == r) prev = NULL;         /* everything before the hole went */
            }
            if (cur != d->next) {
                struct reasm_seg *s = hold(c, prev, cur, hp, h_end - cur);
                if (s) {
                    prev = s;
                    c->flags |= REASM_HELD | (gap ? REASM_TRUNCATED : 0);
                    cur = h_end;
                    continue;
                }
                skip_to(c, cur, true);                 /* out of memory: as if capped */
                prev = NULL;                           /* the runs before the hole went out */
            }
        }
        if (gap) {
            emit_gap(c, h_end - cur, false);
            c->flags |= REASM_TRUNCATED;
        } else {
            emit_data(c, hp, (uint32_t)(h_end - cur));
        }
        cur = h_end;
    }
}

void reasm_init(struct reasm_dir *d)
{
    memset(d, 0, sizeof *d);
}

void reasm_start(struct reasm_dir *d, uint32_t seq)
{
    if (!d->started) {
        d->started = true;
        d->base_seq = seq;
        d->next = 0;
        d->end = 0;
        return;
    }
    if (d->next || d->segs) return;                    /* offsets are in use: the base stays */
    int64_t end = (int64_t)d->end + (int32_t)(d->base_seq - seq);
    d->end = end > 0 ? (uint64_t)end : 0;
    d->base_seq = seq;
}

uint64_t reasm_offset(const struct reasm_dir *d, uint32_t seq)
{
    int64_t o = soff(d, seq);
    return o > 0 ? (uint64_t)o : 0;
}

unsigned reasm_add(struct reasm_dir *d, struct reasm_pool *pool, const struct reasm_out *out,
                   uint32_t seq, const uint8_t *p, uint32_t caplen, uint32_t len)
{
    if (!p) caplen = 0;
    if (caplen > len) caplen = len;
    if (!d->started) reasm_start(d, seq);
    int64_t s = soff(d, seq), e = s + len;
    if (e > 0 && (uint64_t)e > d->end) d->end = (uint64_t)e;
    if (!len) return 0;

    struct ctx c = { d, pool, out, 0, 0 };
    if (s < (int64_t)d->next) {                        /* before next: seen already */
        int64_t lim = e < (int64_t)d->next ? e : (int64_t)d->next;
        uint32_t r = (uint32_t)(lim - s);
        d->retrans_bytes += r;
        c.flags |= REASM_RETRANS;
        if (r >= caplen) {
            caplen = 0;
        } else {
            p += r;
            caplen -= r;
        }
        len -= r;
        s = lim;
    }
    if (len) {
        if (caplen) put(&c, (uint64_t)s, p, caplen);
        if (len > caplen) put(&c, (uint64_t)s + caplen, NULL, len - caplen);
        drain(&c);
    }
    flush_gap(&c);
    return c.flags;
}

void reasm_ack(struct reasm_dir *d, struct reasm_pool *pool, const struct reasm_out *out,
               uint32_t ack)
{
    if (!d->started) return;
    int64_t a = soff(d, ack);
    if (a <= (int64_t)d->next) return;                 /* old or duplicate ack */
    uint64_t seen = d->end > d->next ? d->end : d->next;
    if ((uint64_t)a > seen && (uint64_t)a - seen > REASM_ACK_MAX_AHEAD) return;   /* bogus */
    struct ctx c = { d, pool, out, 0, 0 };
    skip_to(&c, (uint64_t)a, false);
    flush_gap(&c);
}

void reasm_flush(struct reasm_dir *d, struct reasm_pool *pool, const struct reasm_out *out)
{
    struct ctx c = { d, pool, out, 0, 0 };
    while (d->segs) {
        emit_gap(&c, d->segs->off - d->next, false);
        deliver_head(&c);
    }
    if (d->end > d->next) emit_gap(&c, d->end - d->next, false);
    flush_gap(&c);
}

void reasm_free(struct reasm_dir *d, struct reasm_pool *pool)
{
    struct reasm_seg *s = d->segs;
    while (s) {
        struct reasm_seg *n = s->next;
        free(s->data);
        free(s);
        s = n;
    }
    pool->held -= d->held;
    d->held = 0;
    d->segs = d->last = NULL;
    d->nruns = 0;
}
