/* test_reasm.c — TCP reassembly of one direction (framework/reasm.c, linked into the test
 * binary): generated segments, every delivered byte and gap checked through a recording
 * reasm_out. Transcripts write data as its bytes and a gap as <N>. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../framework/reasm.h"

/* ---- the recorder ---- */

struct rec {
    char text[16384];                 /* transcript (while it fits) */
    size_t tlen;
    const uint8_t *want;              /* when set: data must equal want[pos..] */
    uint64_t want_len;
    uint8_t (*pat)(uint64_t off);     /* when set: data must equal pat(pos + i) */
    uint64_t pos;                     /* stream position: data and gaps so far */
    uint64_t data_bytes, gap_bytes;
    unsigned ndata, ngaps;
    unsigned bad;                     /* mismatching bytes, empty calls */
};

static void rec_text(struct rec *r, const char *s, size_t n)
{
    if (r->tlen + n >= sizeof r->text) n = sizeof r->text - 1 - r->tlen;
    memcpy(r->text + r->tlen, s, n);
    r->tlen += n;
    r->text[r->tlen] = 0;
}

static void rec_data(void *user, const uint8_t *p, uint32_t len)
{
    struct rec *r = user;
    if (!len) r->bad++;
    for (uint32_t i = 0; i < len; i++) {
        uint64_t o = r->pos + i;
        if (r->want && (o >= r->want_len || r->want[o] != p[i])) r->bad++;
        if (r->pat && r->pat(o) != p[i]) r->bad++;
    }
    if (!r->want && !r->pat) rec_text(r, (const char *)p, len);
    r->pos += len;
    r->data_bytes += len;
    r->ndata++;
}

static void rec_gap(void *user, uint64_t len)
{
    struct rec *r = user;
    if (!len) r->bad++;
    char b[32];
    int n = snprintf(b, sizeof b, "<%llu>", (unsigned long long)len);
    if (!r->want && !r->pat) rec_text(r, b, (size_t)n);
    r->pos += len;
    r->gap_bytes += len;
    r->ngaps++;
}

static void rec_reset(struct rec *r) { r->tlen = 0; r->text[0] = 0; }

struct t {                            /* one direction with its pool and recorder */
    struct reasm_pool pool;
    struct reasm_dir d;
    struct rec rec;
    struct reasm_out out;
};

static struct t *t_new(uint32_t base)
{
    struct t *t = calloc(1, sizeof *t);
    reasm_init(&t->d);
    reasm_start(&t->d, base);
    t->out = (struct reasm_out){ rec_data, rec_gap, &t->rec };
    return t;
}

static void t_free(struct t *t)
{
    reasm_free(&t->d, &t->pool);
    CU_ASSERT_EQUAL(t->pool.held, 0);
    CU_ASSERT_EQUAL(t->rec.bad, 0);
    free(t);
}

/* A segment of text at stream offset off (the base is the t_new seq). */
static unsigned add(struct t *t, uint32_t seq, const char *s)
{
    uint32_t n = (uint32_t)strlen(s);
    return reasm_add(&t->d, &t->pool, &t->out, seq, (const uint8_t *)s, n, n);
}

static unsigned add_trunc(struct t *t, uint32_t seq, const char *s, uint32_t caplen)
{
    return reasm_add(&t->d, &t->pool, &t->out, seq, (const uint8_t *)s, caplen, (uint32_t)strlen(s));
}

/* Deterministic PRNG (xorshift64*). */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static uint32_t rndn(uint32_t n) { return (uint32_t)(rnd() % n); }

/* ---- cases ---- */

static void test_in_order(void)
{
    struct t *t = t_new(1000);
    CU_ASSERT_EQUAL(add(t, 1000, "hello"), REASM_IN_ORDER);
    CU_ASSERT_EQUAL(add(t, 1005, " "), REASM_IN_ORDER);
    CU_ASSERT_EQUAL(add(t, 1006, "world"), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "hello world");
    CU_ASSERT_EQUAL(t->rec.ndata, 3);
    CU_ASSERT_EQUAL(t->d.next, 11);
    CU_ASSERT_EQUAL(t->d.end, 11);
    CU_ASSERT_EQUAL(t->d.delivered, 11);
    CU_ASSERT_EQUAL(t->d.held, 0);
    CU_ASSERT_EQUAL(t->pool.peak, 0);
    CU_ASSERT_EQUAL(reasm_offset(&t->d, 1011), 11);
    CU_ASSERT_EQUAL(reasm_offset(&t->d, 990), 0);       /* before offset 0 */
    /* empty segments deliver nothing */
    CU_ASSERT_EQUAL(add(t, 1011, ""), 0);
    CU_ASSERT_EQUAL(t->rec.ndata, 3);
    t_free(t);

    /* not started: the first segment is offset 0 */
    struct t *u = calloc(1, sizeof *u);
    reasm_init(&u->d);
    u->out = (struct reasm_out){ rec_data, rec_gap, &u->rec };
    CU_ASSERT_EQUAL(add(u, 77, "abc"), REASM_IN_ORDER);
    CU_ASSERT(u->d.started);
    CU_ASSERT_EQUAL(u->d.base_seq, 77);
    CU_ASSERT_STRING_EQUAL(u->rec.text, "abc");
    /* NULL out: counted only */
    CU_ASSERT_EQUAL(reasm_add(&u->d, &u->pool, NULL, 80, (const uint8_t *)"de", 2, 2), REASM_IN_ORDER);
    CU_ASSERT_EQUAL(u->d.delivered, 5);
    t_free(u);
}

static void test_out_of_order(void)
{
    /* reverse: each segment before the previous one, so each is its own run */
    struct t *t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 8, "ij"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 6, "gh"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 4, "ef"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 2, "cd"), REASM_HELD);
    CU_ASSERT_EQUAL(t->d.held, 8);
    CU_ASSERT_EQUAL(t->pool.held, 8);
    CU_ASSERT_EQUAL(t->d.nruns, 4);
    CU_ASSERT_EQUAL(t->rec.tlen, 0);
    CU_ASSERT_EQUAL(t->d.next, 0);
    CU_ASSERT_EQUAL(t->d.end, 10);
    CU_ASSERT_EQUAL(add(t, 0, "ab"), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdefghij");
    CU_ASSERT_EQUAL(t->d.held, 0);
    CU_ASSERT_EQUAL(t->pool.held, 0);
    CU_ASSERT_EQUAL(t->pool.peak, 8);
    CU_ASSERT_EQUAL(t->d.nruns, 0);
    CU_ASSERT_PTR_NULL(t->d.segs);
    CU_ASSERT_PTR_NULL(t->d.last);
    t_free(t);

    /* forward after a hole: appends grow one run */
    t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 2, "cd"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 4, "ef"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 6, "gh"), REASM_HELD);
    CU_ASSERT_EQUAL(t->d.nruns, 1);
    CU_ASSERT_EQUAL(t->d.held, 6);
    /* one in the middle of two holes */
    CU_ASSERT_EQUAL(add(t, 10, "kl"), REASM_HELD);
    CU_ASSERT_EQUAL(t->d.nruns, 2);
    CU_ASSERT_EQUAL(add(t, 0, "ab"), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdefgh");
    CU_ASSERT_EQUAL(add(t, 8, "ij"), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdefghijkl");
    CU_ASSERT_EQUAL(t->d.nruns, 0);
    t_free(t);

    /* a run grows by appends up to REASM_MERGE_MAX bytes */
    t = t_new(0);
    static uint8_t k[1000];
    memset(k, 'k', sizeof k);
    for (uint32_t i = 0; i < 20; i++)
        CU_ASSERT_EQUAL(reasm_add(&t->d, &t->pool, &t->out, 1 + i * 1000, k, 1000, 1000), REASM_HELD);
    CU_ASSERT_EQUAL(t->d.nruns, 3);                    /* 8000 + 8000 + 4000 */
    CU_ASSERT_EQUAL(t->d.held, 20000);
    CU_ASSERT_EQUAL(add(t, 0, "k"), REASM_IN_ORDER);
    CU_ASSERT_EQUAL(t->rec.data_bytes, 20001);
    CU_ASSERT_EQUAL(t->rec.ndata, 4);
    CU_ASSERT_EQUAL(t->d.held, 0);
    t_free(t);
}

/* A 100 KB stream cut into random segments, shuffled, with random duplicates of other
 * segmentations (consistent bytes), from a random base (some near the wrap): the output is the
 * stream, whole, in one piece per call, no gaps. */
static void test_random_segmentations(void)
{
    enum { N = 100000, ITER = 60 };
    uint8_t *orig = malloc(N);
    rng_state = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < N; i++) orig[i] = (uint8_t)rnd();
    struct seg { uint32_t off, len; } *segs = malloc(sizeof *segs * 4 * N);
    for (int it = 0; it < ITER; it++) {
        uint32_t base = it % 3 == 0 ? 0xffffffffu - rndn(N) : (uint32_t)rnd();
        uint32_t maxlen = it % 4 == 0 ? 8 : it % 4 == 1 ? 200 : 3000;
        size_t n = 0;
        for (uint32_t o = 0; o < N;) {
            uint32_t l = 1 + rndn(maxlen);
            if (l > N - o) l = N - o;
            segs[n++] = (struct seg){ o, l };
            o += l;
        }
        size_t dups = n / (2 + it % 5);
        for (size_t i = 0; i < dups; i++) {
            uint32_t o = rndn(N), l = 1 + rndn(maxlen * 2);
            if (l > N - o) l = N - o;
            segs[n++] = (struct seg){ o, l };
        }
        /* shuffle: fully for some, only locally (a window of 16) for others; never fully for
         * tiny segments, which would pass REASM_MAX_RUNS (tested on its own) */
        bool local = it % 4 == 0 || it % 4 == 3;
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = local ? (i >= 16 ? i - rndn(16) : rndn((uint32_t)i + 1)) : rndn((uint32_t)i + 1);
            struct seg x = segs[i];
            segs[i] = segs[j];
            segs[j] = x;
        }
        struct t *t = t_new(base);
        t->rec.want = orig;
        t->rec.want_len = N;
        for (size_t i = 0; i < n; i++)
            reasm_add(&t->d, &t->pool, &t->out, base + segs[i].off, orig + segs[i].off,
                      segs[i].len, segs[i].len);
        CU_ASSERT_EQUAL(t->rec.pos, N);
        CU_ASSERT_EQUAL(t->rec.data_bytes, N);
        CU_ASSERT_EQUAL(t->rec.ngaps, 0);
        CU_ASSERT_EQUAL(t->rec.bad, 0);
        CU_ASSERT_EQUAL(t->d.delivered, N);
        CU_ASSERT_EQUAL(t->d.next, N);
        CU_ASSERT_EQUAL(t->d.end, N);
        CU_ASSERT_EQUAL(t->d.held, 0);
        CU_ASSERT_EQUAL(t->d.nruns, 0);
        CU_ASSERT_EQUAL(t->pool.held, 0);
        CU_ASSERT_EQUAL(t->d.conflict_bytes, 0);
        CU_ASSERT_EQUAL(t->d.gap_bytes, 0);
        t_free(t);
    }
    free(segs);
    free(orig);
}

static void test_retransmissions(void)
{
    struct t *t = t_new(5000);
    CU_ASSERT_EQUAL(add(t, 5000, "hello"), REASM_IN_ORDER);
    /* exact */
    CU_ASSERT_EQUAL(add(t, 5000, "hello"), REASM_RETRANS);
    CU_ASSERT_EQUAL(t->d.retrans_bytes, 5);
    /* partial: the new tail is delivered */
    CU_ASSERT_EQUAL(add(t, 5003, "lo wor"), REASM_RETRANS | REASM_IN_ORDER);
    CU_ASSERT_EQUAL(t->d.retrans_bytes, 7);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "hello wor");
    /* delivered data with other bytes: only a retransmission (delivered bytes are not kept) */
    CU_ASSERT_EQUAL(add(t, 5000, "HELLO"), REASM_RETRANS);
    CU_ASSERT_EQUAL(t->d.conflict_bytes, 0);
    CU_ASSERT_EQUAL(t->d.retrans_bytes, 12);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "hello wor");
    CU_ASSERT_EQUAL(t->d.delivered, 9);
    CU_ASSERT_EQUAL(t->d.end, 9);
    t_free(t);

    /* bytes before offset 0 (sequence numbers before the start) */
    t = t_new(1000);
    CU_ASSERT_EQUAL(add(t, 997, "xyzab"), REASM_RETRANS | REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "ab");
    CU_ASSERT_EQUAL(t->d.retrans_bytes, 3);
    CU_ASSERT_EQUAL(add(t, 990, "0123"), REASM_RETRANS);
    CU_ASSERT_EQUAL(t->d.end, 2);
    t_free(t);

    /* a retransmission reaching past next and over a held run */
    t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 0, "abc"), REASM_IN_ORDER);
    CU_ASSERT_EQUAL(add(t, 6, "ghi"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 1, "bcdefghij"), REASM_RETRANS | REASM_IN_ORDER | REASM_OVERLAP);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdefghij");
    CU_ASSERT_EQUAL(t->d.retrans_bytes, 2);
    CU_ASSERT_EQUAL(t->d.overlap_bytes, 3);
    t_free(t);
}

static void test_overlaps(void)
{
    /* consistent, held then held */
    struct t *t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 2, "cdef"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 3, "defgh"), REASM_HELD | REASM_OVERLAP);
    CU_ASSERT_EQUAL(t->d.overlap_bytes, 3);
    CU_ASSERT_EQUAL(t->d.conflict_bytes, 0);
    CU_ASSERT_EQUAL(t->d.held, 6);
    CU_ASSERT_EQUAL(t->d.nruns, 1);
    CU_ASSERT_EQUAL(add(t, 0, "ab"), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdefgh");
    t_free(t);

    /* conflicting: the first copy is delivered, differing bytes counted */
    t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 2, "cdef"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 3, "XeZgh"), REASM_HELD | REASM_OVERLAP | REASM_CONFLICT);
    CU_ASSERT_EQUAL(t->d.overlap_bytes, 3);
    CU_ASSERT_EQUAL(t->d.conflict_bytes, 2);
    CU_ASSERT_EQUAL(add(t, 0, "ab"), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdefgh");
    t_free(t);

    /* conflicting, the new segment in order: held bytes still win */
    t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 2, "cdef"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 0, "abXYZ"), REASM_IN_ORDER | REASM_OVERLAP | REASM_CONFLICT);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdef");
    CU_ASSERT_EQUAL(t->d.conflict_bytes, 3);
    CU_ASSERT_EQUAL(t->d.overlap_bytes, 3);
    CU_ASSERT_EQUAL(t->d.held, 0);
    t_free(t);

    /* one segment across several runs and holes: fills the holes only */
    t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 2, "cd"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 6, "gh"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 1, "bCdeFGhij"), REASM_HELD | REASM_OVERLAP | REASM_CONFLICT);
    CU_ASSERT_EQUAL(t->d.overlap_bytes, 4);
    CU_ASSERT_EQUAL(t->d.conflict_bytes, 2);
    CU_ASSERT_EQUAL(t->d.held, 9);
    CU_ASSERT_EQUAL(t->d.nruns, 3);                    /* b, cd+eF, gh+ij */
    CU_ASSERT_EQUAL(add(t, 0, "a"), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdeFghij");
    t_free(t);

    /* an in-order segment across several held runs */
    t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 2, "cd"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 6, "gh"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 0, "abcdefghij"), REASM_IN_ORDER | REASM_OVERLAP);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdefghij");
    CU_ASSERT_EQUAL(t->d.overlap_bytes, 4);
    CU_ASSERT_EQUAL(t->d.nruns, 0);
    CU_ASSERT_EQUAL(t->d.held, 0);
    t_free(t);
}

static void test_gaps_ack(void)
{
    struct t *t = t_new(100);
    CU_ASSERT_EQUAL(add(t, 100, "abc"), REASM_IN_ORDER);
    CU_ASSERT_EQUAL(add(t, 106, "ghi"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 112, "mno"), REASM_HELD);
    reasm_ack(&t->d, &t->pool, &t->out, 109);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abc<3>ghi");
    CU_ASSERT_EQUAL(t->d.next, 9);
    /* never backwards */
    reasm_ack(&t->d, &t->pool, &t->out, 108);
    reasm_ack(&t->d, &t->pool, &t->out, 50);
    CU_ASSERT_EQUAL(t->d.next, 9);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abc<3>ghi");
    /* beyond everything held and seen */
    reasm_ack(&t->d, &t->pool, &t->out, 120);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abc<3>ghi<3>mno<5>");
    CU_ASSERT_EQUAL(t->d.next, 20);
    CU_ASSERT_EQUAL(t->d.end, 15);
    CU_ASSERT_EQUAL(t->d.gap_bytes, 11);
    CU_ASSERT_EQUAL(t->d.delivered, 9);
    CU_ASSERT_EQUAL(t->pool.capped, 0);
    /* a held run straddling the ack goes out whole */
    rec_reset(&t->rec);
    CU_ASSERT_EQUAL(add(t, 122, "pqrstu"), REASM_HELD);
    reasm_ack(&t->d, &t->pool, &t->out, 124);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "<2>pqrstu");
    CU_ASSERT_EQUAL(t->d.next, 28);
    CU_ASSERT_EQUAL(t->d.held, 0);
    /* after the ack's gap, the bytes it skipped are retransmissions */
    rec_reset(&t->rec);
    CU_ASSERT_EQUAL(add(t, 109, "jkl"), REASM_RETRANS);
    CU_ASSERT_EQUAL(t->rec.tlen, 0);
    t_free(t);

    /* not started: nothing */
    struct t *u = calloc(1, sizeof *u);
    u->out = (struct reasm_out){ rec_data, rec_gap, &u->rec };
    reasm_ack(&u->d, &u->pool, &u->out, 1000);
    CU_ASSERT_EQUAL(u->rec.ngaps, 0);
    CU_ASSERT_FALSE(u->d.started);
    t_free(u);
}

static void test_gaps_flush(void)
{
    struct t *t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 0, "ab"), REASM_IN_ORDER);
    CU_ASSERT_EQUAL(add(t, 4, "ef"), REASM_HELD);
    CU_ASSERT_EQUAL(add(t, 8, "ij"), REASM_HELD);
    reasm_flush(&t->d, &t->pool, &t->out);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "ab<2>ef<2>ij");
    CU_ASSERT_EQUAL(t->d.held, 0);
    CU_ASSERT_EQUAL(t->pool.held, 0);
    CU_ASSERT_EQUAL(t->d.gap_bytes, 4);
    /* nothing more: nothing out */
    reasm_flush(&t->d, &t->pool, &t->out);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "ab<2>ef<2>ij");
    /* a bare FIN past what was seen: flush gaps up to it */
    CU_ASSERT_EQUAL(reasm_add(&t->d, &t->pool, &t->out, 15, NULL, 0, 0), 0);
    CU_ASSERT_EQUAL(t->d.end, 15);
    CU_ASSERT_EQUAL(t->d.next, 10);
    reasm_flush(&t->d, &t->pool, &t->out);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "ab<2>ef<2>ij<5>");
    CU_ASSERT_EQUAL(t->d.next, 15);
    t_free(t);

    /* holes and held gap runs next to each other reach out.gap as one */
    t = t_new(0);
    CU_ASSERT_EQUAL(add_trunc(t, 3, "defg", 0), REASM_HELD | REASM_TRUNCATED);
    CU_ASSERT_EQUAL(add(t, 9, "j"), REASM_HELD);
    reasm_flush(&t->d, &t->pool, &t->out);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "<9>j");
    CU_ASSERT_EQUAL(t->rec.ngaps, 1);
    t_free(t);
}

static void test_truncated(void)
{
    /* in order: the bytes, then a gap for the tail */
    struct t *t = t_new(0);
    CU_ASSERT_EQUAL(add_trunc(t, 0, "abcdef", 3), REASM_IN_ORDER | REASM_TRUNCATED);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abc<3>");
    CU_ASSERT_EQUAL(t->d.next, 6);
    CU_ASSERT_EQUAL(add_trunc(t, 6, "ghij", 0), REASM_TRUNCATED);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abc<3><4>");
    CU_ASSERT_EQUAL(t->d.next, 10);
    CU_ASSERT_EQUAL(t->d.gap_bytes, 7);
    CU_ASSERT_EQUAL(t->d.delivered, 3);
    /* held: a data run and a gap run, only the data counted */
    rec_reset(&t->rec);
    CU_ASSERT_EQUAL(add_trunc(t, 14, "opqrst", 2), REASM_HELD | REASM_TRUNCATED);
    CU_ASSERT_EQUAL(t->d.held, 2);
    CU_ASSERT_EQUAL(t->pool.held, 2);
    CU_ASSERT_EQUAL(t->d.nruns, 2);
    CU_ASSERT_EQUAL(t->d.end, 20);
    /* a full copy of the uncaptured bytes later: the gap run stays (first wins) */
    CU_ASSERT_EQUAL(add(t, 16, "qrst"), REASM_OVERLAP);
    CU_ASSERT_EQUAL(t->d.conflict_bytes, 0);
    CU_ASSERT_EQUAL(add(t, 10, "klmn"), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "klmnop<4>");
    CU_ASSERT_EQUAL(t->d.next, 20);
    CU_ASSERT_EQUAL(t->d.nruns, 0);
    t_free(t);

    /* an uncaptured tail over held data: the held bytes win */
    t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 4, "efgh"), REASM_HELD);
    CU_ASSERT_EQUAL(add_trunc(t, 0, "abcdefghij", 3),
                    REASM_IN_ORDER | REASM_TRUNCATED | REASM_OVERLAP);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abc<1>efgh<2>");
    CU_ASSERT_EQUAL(t->d.next, 10);
    t_free(t);

    /* the captured part delivers a held run that reaches over the uncaptured tail */
    t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 0, "abc"), REASM_IN_ORDER);
    CU_ASSERT_EQUAL(add(t, 4, "efghij"), REASM_HELD);
    CU_ASSERT_EQUAL(add_trunc(t, 3, "dexxxx", 2), REASM_IN_ORDER | REASM_OVERLAP);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdefghij");
    CU_ASSERT_EQUAL(t->d.overlap_bytes, 5);
    CU_ASSERT_EQUAL(t->d.conflict_bytes, 0);
    CU_ASSERT_EQUAL(t->d.next, 10);
    CU_ASSERT_EQUAL(t->d.gap_bytes, 0);
    t_free(t);

    /* caplen > len is read as len; NULL bytes as nothing captured */
    t = t_new(0);
    CU_ASSERT_EQUAL(reasm_add(&t->d, &t->pool, &t->out, 0, (const uint8_t *)"abcdef", 9, 3), REASM_IN_ORDER);
    CU_ASSERT_EQUAL(reasm_add(&t->d, &t->pool, &t->out, 3, NULL, 5, 5), REASM_TRUNCATED);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abc<5>");
    t_free(t);
}

/* Pattern of a stream longer than 4 GiB: the lap (offset >> 32) changes the bytes, so a byte
 * placed on the wrong lap shows. */
static uint8_t pat(uint64_t o) { return (uint8_t)(o * 31 + (o >> 8) + (o >> 32) * 101); }

static void add_pat(struct t *t, uint64_t off, uint32_t len)
{
    uint8_t b[4096];
    for (uint32_t i = 0; i < len; i++) b[i] = pat(off + i);
    reasm_add(&t->d, &t->pool, &t->out, t->d.base_seq + (uint32_t)off, b, len, len);
}

/* Shuffled 100-byte segments of [from, from+len) (len a multiple of 100). */
static void add_shuffled(struct t *t, uint64_t from, uint32_t len)
{
    uint32_t n = len / 100, order[64];
    for (uint32_t i = 0; i < n; i++) order[i] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = rndn(i + 1), x = order[i];
        order[i] = order[j];
        order[j] = x;
    }
    for (uint32_t i = 0; i < n; i++) add_pat(t, from + order[i] * 100, 100);
}

/* Move the stream to `to` with in-order uncaptured segments of at most 1 GiB. */
static void skip(struct t *t, uint64_t to)
{
    while (t->d.next < to) {
        uint64_t l = to - t->d.next;
        if (l > (1u << 30)) l = 1u << 30;
        CU_ASSERT_EQUAL(reasm_add(&t->d, &t->pool, &t->out, t->d.base_seq + (uint32_t)t->d.next,
                                  NULL, 0, (uint32_t)l), REASM_TRUNCATED);
    }
}

static void test_wrap(void)
{
    rng_state = 42;
    struct t *t = t_new(0xffffff00u);
    t->rec.pat = pat;
    /* seq 0 is offset 256 */
    add_shuffled(t, 0, 1000);
    CU_ASSERT_EQUAL(t->d.next, 1000);
    CU_ASSERT_EQUAL(t->rec.data_bytes, 1000);
    CU_ASSERT_EQUAL(reasm_offset(&t->d, 0), 256);
    CU_ASSERT_EQUAL(reasm_offset(&t->d, 0xffffff00u), 0);
    CU_ASSERT_EQUAL(reasm_offset(&t->d, 0x2e8), 1000);
    /* held across the wrap */
    add_pat(t, 1200, 100);
    CU_ASSERT_EQUAL(t->d.held, 100);
    add_pat(t, 1000, 200);
    CU_ASSERT_EQUAL(t->d.next, 1300);

    CU_ASSERT_EQUAL(t->d.retrans_bytes, 0);

    /* past 4 GiB: uncaptured segments (at most 1 GiB each) move the stream on */
    uint64_t lap = 1ull << 32;
    skip(t, lap + 1300);
    CU_ASSERT_EQUAL(t->d.next, lap + 1300);
    CU_ASSERT_EQUAL(t->d.gap_bytes, lap);
    CU_ASSERT_EQUAL(reasm_offset(&t->d, 0xffffff00u + 1300), lap + 1300);
    CU_ASSERT_EQUAL(reasm_offset(&t->d, 0xffffff00u + 1200), lap + 1200);
    /* the same sequence numbers as on the first lap: bytes of the second lap */
    add_pat(t, lap + 1500, 100);
    CU_ASSERT_EQUAL(t->d.held, 100);
    add_shuffled(t, lap + 1300, 1000);
    CU_ASSERT_EQUAL(t->d.next, lap + 2300);
    /* the second copy of [1500,1600) overlapped the held one or, once delivered, came late */
    CU_ASSERT_EQUAL(t->d.overlap_bytes + t->d.retrans_bytes, 100);
    CU_ASSERT_EQUAL(t->d.conflict_bytes, 0);
    CU_ASSERT_EQUAL(t->d.held, 0);
    /* a retransmission from the first lap's position maps behind next */
    uint64_t rt = t->d.retrans_bytes;
    add_pat(t, lap + 1000, 100);
    CU_ASSERT_EQUAL(t->d.retrans_bytes, rt + 100);

    /* the sequence wraps again at offset 2 * 2^32 + 256 */
    skip(t, 2 * lap + 200);
    add_shuffled(t, 2 * lap + 200, 600);
    CU_ASSERT_EQUAL(t->d.next, 2 * lap + 800);
    CU_ASSERT_EQUAL(reasm_offset(&t->d, 0x10), 2 * lap + 256 + 16);
    add_pat(t, 2 * lap + 900, 100);
    reasm_ack(&t->d, &t->pool, &t->out, 0xffffff00u + 900);
    CU_ASSERT_EQUAL(t->d.next, 2 * lap + 1000);
    CU_ASSERT_EQUAL(t->d.end, 2 * lap + 1000);
    CU_ASSERT_EQUAL(t->rec.pos, 2 * lap + 1000);
    CU_ASSERT_EQUAL(t->rec.data_bytes, t->d.delivered);
    CU_ASSERT_EQUAL(t->rec.gap_bytes, t->d.gap_bytes);
    CU_ASSERT_EQUAL(t->d.delivered, 1300 + 1000 + 700);
    CU_ASSERT_EQUAL(t->rec.bad, 0);
    t_free(t);
}

/* Pattern bytes at [off, off+len) of a stream whose bytes are pat(). */
static uint8_t *pbytes(uint64_t off, uint32_t len)
{
    static uint8_t b[1 << 16];
    for (uint32_t i = 0; i < len; i++) b[i] = pat(off + i);
    return b;
}

static unsigned add_p(struct t *t, uint64_t off, uint32_t len)
{
    return reasm_add(&t->d, &t->pool, &t->out, t->d.base_seq + (uint32_t)off, pbytes(off, len),
                     len, len);
}

static void test_caps_dir(void)
{
    struct t *t = t_new(0);
    t->rec.pat = pat;
    t->pool.max_dir = 100;
    CU_ASSERT_EQUAL(add_p(t, 10, 40), REASM_HELD);
    CU_ASSERT_EQUAL(add_p(t, 60, 40), REASM_HELD);
    CU_ASSERT_EQUAL(t->d.held, 80);
    /* 40 more do not fit: the oldest hole [0,10) goes, [10,50) is delivered */
    CU_ASSERT_EQUAL(add_p(t, 110, 40), REASM_HELD | REASM_CAPPED | REASM_IN_ORDER);
    CU_ASSERT_EQUAL(t->d.next, 50);
    CU_ASSERT_EQUAL(t->d.held, 80);
    CU_ASSERT_EQUAL(t->pool.capped, 10);
    CU_ASSERT_EQUAL(t->rec.gap_bytes, 10);
    CU_ASSERT_EQUAL(t->rec.data_bytes, 40);
    CU_ASSERT_EQUAL(t->rec.ngaps, 1);
    /* exactly at the cap fits */
    CU_ASSERT_EQUAL(add_p(t, 160, 20), REASM_HELD);
    CU_ASSERT_EQUAL(t->d.held, 100);
    CU_ASSERT_EQUAL(t->pool.peak, 100);
    /* a segment larger than the cap: every hole before it goes, it is delivered */
    CU_ASSERT_EQUAL(add_p(t, 200, 150), REASM_IN_ORDER | REASM_CAPPED);
    CU_ASSERT_EQUAL(t->d.next, 350);
    CU_ASSERT_EQUAL(t->d.held, 0);
    CU_ASSERT_EQUAL(t->pool.capped, 10 + 10 + 10 + 10 + 20);
    CU_ASSERT_EQUAL(t->d.gap_bytes, t->pool.capped);
    CU_ASSERT_EQUAL(t->rec.data_bytes, 40 + 40 + 40 + 20 + 150);
    CU_ASSERT_EQUAL(t->pool.peak, 100);
    /* a held segment larger than the cap with held bytes after it */
    CU_ASSERT_EQUAL(add_p(t, 600, 50), REASM_HELD);
    CU_ASSERT_EQUAL(add_p(t, 400, 120), REASM_IN_ORDER | REASM_CAPPED);
    CU_ASSERT_EQUAL(t->d.next, 520);
    CU_ASSERT_EQUAL(t->d.held, 50);
    CU_ASSERT_EQUAL(t->rec.bad, 0);
    CU_ASSERT_EQUAL(t->rec.pos, t->d.next);
    t_free(t);
}

static void test_caps_pool(void)
{
    struct reasm_pool pool = { .max_held = 100 };
    struct t *a = t_new(0), *b = t_new(5000);
    a->rec.pat = pat;
    CU_ASSERT_EQUAL(reasm_add(&a->d, &pool, &a->out, 10, pbytes(10, 80), 80, 80), REASM_HELD);
    CU_ASSERT_EQUAL(pool.held, 80);
    /* b's 35 do not fit: b gives up its own hole and delivers them */
    CU_ASSERT_EQUAL(reasm_add(&b->d, &pool, &b->out, 5005, (const uint8_t *)"0123456789", 10, 10),
                    REASM_HELD);
    CU_ASSERT_EQUAL(pool.held, 90);
    CU_ASSERT_EQUAL(reasm_add(&b->d, &pool, &b->out, 5020, (const uint8_t *)"abcdefghijklmnopqrstuvwxy",
                              25, 25), REASM_IN_ORDER | REASM_CAPPED);
    CU_ASSERT_STRING_EQUAL(b->rec.text, "<5>0123456789<5>abcdefghijklmnopqrstuvwxy");
    CU_ASSERT_EQUAL(pool.capped, 10);
    CU_ASSERT_EQUAL(pool.held, 80);
    CU_ASSERT_EQUAL(pool.peak, 90);
    CU_ASSERT_EQUAL(b->d.held, 0);
    CU_ASSERT_EQUAL(a->d.held, 80);
    /* a has room for 20 more, not 21 */
    CU_ASSERT_EQUAL(reasm_add(&a->d, &pool, &a->out, 100, pbytes(100, 20), 20, 20), REASM_HELD);
    CU_ASSERT_EQUAL(pool.held, 100);
    CU_ASSERT_EQUAL(reasm_add(&a->d, &pool, &a->out, 200, pbytes(200, 1), 1, 1),
                    REASM_HELD | REASM_IN_ORDER | REASM_CAPPED);
    CU_ASSERT_EQUAL(a->d.next, 90);                    /* hole [0,10) went, [10,90) out */
    CU_ASSERT_EQUAL(pool.held, 21);
    CU_ASSERT_EQUAL(pool.capped, 20);
    CU_ASSERT_EQUAL(pool.peak, 100);
    reasm_free(&a->d, &pool);
    reasm_free(&b->d, &pool);
    CU_ASSERT_EQUAL(pool.held, 0);
    t_free(a);
    t_free(b);
}

/* Random drops, reordering, duplicates and truncation under small caps: held memory never
 * passes the caps, every delivered byte is at its place, data + gaps cover the stream. */
static void test_caps_random(void)
{
    enum { N = 200000 };
    rng_state = 7;
    for (int it = 0; it < 20; it++) {
        struct reasm_pool pool = { .max_dir = 2000 + rndn(20000), .max_held = 5000 + rndn(30000) };
        struct t *dir[2] = { t_new((uint32_t)rnd()), t_new(0xfffff000u) };
        for (int k = 0; k < 2; k++) dir[k]->rec.pat = pat;
        uint64_t pos[2] = { 0, 0 };
        while (pos[0] < N || pos[1] < N) {
            int k = (int)rndn(2);
            struct t *t = dir[k];
            if (pos[k] >= N) continue;
            uint32_t l = 1 + rndn(it % 2 ? 1500 : 60);
            if (l > N - pos[k]) l = (uint32_t)(N - pos[k]);
            uint32_t r = rndn(100);
            uint64_t off = pos[k];
            if (r < 10) off += rndn(8000);            /* ahead */
            else if (r < 20 && off > 5000) off -= rndn(5000);  /* back */
            if (off >= N) continue;
            if (off + l > N) l = (uint32_t)(N - off);
            uint32_t cap = rndn(100) < 5 ? rndn(l) : l;
            if (rndn(100) >= 3)                        /* 3% dropped */
                reasm_add(&t->d, &pool, &t->out, t->d.base_seq + (uint32_t)off,
                          pbytes(off, l), cap, l);
            if (off == pos[k]) pos[k] += l;
            CU_ASSERT(t->d.held <= pool.max_dir);
            CU_ASSERT(pool.held <= pool.max_held);
            CU_ASSERT(dir[0]->d.held + dir[1]->d.held == pool.held);
            if (rndn(1000) == 0) reasm_ack(&t->d, &pool, &t->out, t->d.base_seq + (uint32_t)pos[k]);
        }
        uint64_t gaps = 0;
        for (int k = 0; k < 2; k++) {
            struct t *t = dir[k];
            reasm_ack(&t->d, &pool, &t->out, t->d.base_seq + N);   /* the last may be dropped */
            reasm_flush(&t->d, &pool, &t->out);
            CU_ASSERT_EQUAL(t->d.next, N);
            CU_ASSERT_EQUAL(t->d.end, N);
            CU_ASSERT_EQUAL(t->rec.pos, N);
            CU_ASSERT_EQUAL(t->rec.data_bytes + t->rec.gap_bytes, N);
            CU_ASSERT_EQUAL(t->rec.data_bytes, t->d.delivered);
            CU_ASSERT_EQUAL(t->rec.gap_bytes, t->d.gap_bytes);
            CU_ASSERT_EQUAL(t->rec.bad, 0);
            CU_ASSERT_EQUAL(t->d.held, 0);
            CU_ASSERT(t->rec.data_bytes > N / 2);
            gaps += t->d.gap_bytes;
        }
        CU_ASSERT(pool.capped <= gaps);
        CU_ASSERT(pool.peak <= pool.max_held);
        CU_ASSERT_EQUAL(pool.held, 0);
        for (int k = 0; k < 2; k++) {
            reasm_free(&dir[k]->d, &pool);
            CU_ASSERT_EQUAL(dir[k]->rec.bad, 0);
            free(dir[k]);
        }
    }
}

static void test_start_moved(void)
{
    struct t *t = t_new(1000);
    reasm_start(&t->d, 990);                           /* nothing delivered yet: moves */
    CU_ASSERT_EQUAL(t->d.base_seq, 990);
    CU_ASSERT_EQUAL(add(t, 990, "0123456789"), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "0123456789");
    reasm_start(&t->d, 500);                           /* bytes delivered: stays */
    CU_ASSERT_EQUAL(t->d.base_seq, 990);
    CU_ASSERT_EQUAL(t->d.next, 10);
    t_free(t);

    /* only a bare FIN seen: end follows the base */
    t = t_new(1000);
    CU_ASSERT_EQUAL(reasm_add(&t->d, &t->pool, &t->out, 1010, NULL, 0, 0), 0);
    CU_ASSERT_EQUAL(t->d.end, 10);
    reasm_start(&t->d, 995);
    CU_ASSERT_EQUAL(t->d.end, 15);
    CU_ASSERT_EQUAL(reasm_offset(&t->d, 1010), 15);
    t_free(t);

    /* bytes held: stays */
    t = t_new(1000);
    CU_ASSERT_EQUAL(add(t, 1005, "fg"), REASM_HELD);
    reasm_start(&t->d, 990);
    CU_ASSERT_EQUAL(t->d.base_seq, 1000);
    CU_ASSERT_EQUAL(add(t, 1000, "abcde"), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abcdefg");
    t_free(t);
}

static void test_bogus_ack(void)
{
    struct t *t = t_new(0);
    CU_ASSERT_EQUAL(add(t, 0, "abc"), REASM_IN_ORDER);
    CU_ASSERT_EQUAL(add(t, 10, "xyz"), REASM_HELD);
    /* further than 1 GiB past the end: ignored */
    reasm_ack(&t->d, &t->pool, &t->out, 13 + REASM_ACK_MAX_AHEAD + 1);
    reasm_ack(&t->d, &t->pool, &t->out, 0x7fff0000u);
    CU_ASSERT_EQUAL(t->d.next, 3);
    CU_ASSERT_EQUAL(t->d.held, 3);
    CU_ASSERT_EQUAL(t->d.gap_bytes, 0);
    /* far behind (wraps to before offset 0): ignored */
    reasm_ack(&t->d, &t->pool, &t->out, 0x90000000u);
    CU_ASSERT_EQUAL(t->d.next, 3);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abc");
    /* exactly at the limit: taken */
    reasm_ack(&t->d, &t->pool, &t->out, 13 + REASM_ACK_MAX_AHEAD);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "abc<7>xyz<1073741824>");
    CU_ASSERT_EQUAL(t->d.next, 13 + (uint64_t)REASM_ACK_MAX_AHEAD);
    t_free(t);
}

static void test_run_cap(void)
{
    struct t *t = t_new(0);
    /* 1-byte segments with a hole before each: one run each */
    for (uint32_t i = 1; i <= REASM_MAX_RUNS; i++)
        CU_ASSERT_EQUAL_FATAL(add(t, 2 * i, "x"), REASM_HELD);
    CU_ASSERT_EQUAL(t->d.nruns, REASM_MAX_RUNS);
    CU_ASSERT_EQUAL(t->d.held, REASM_MAX_RUNS);
    /* one more run: the oldest hole goes */
    CU_ASSERT_EQUAL(add(t, 2 * (REASM_MAX_RUNS + 1), "y"), REASM_HELD | REASM_IN_ORDER | REASM_CAPPED);
    CU_ASSERT_STRING_EQUAL(t->rec.text, "<2>x");
    CU_ASSERT_EQUAL(t->pool.capped, 2);
    CU_ASSERT_EQUAL(t->d.nruns, REASM_MAX_RUNS);
    /* appending to a run needs no new run: no cap */
    CU_ASSERT_EQUAL(add(t, 2 * (REASM_MAX_RUNS + 1) + 1, "z"), REASM_HELD);
    CU_ASSERT_EQUAL(t->d.nruns, REASM_MAX_RUNS);
    /* a flood of them, inserted from the far end backwards (the longest walks): bounded */
    for (uint32_t i = 0; i < 50000; i++) {
        add(t, 4000000 - 2 * i, "w");
        CU_ASSERT_FATAL(t->d.nruns <= REASM_MAX_RUNS);
    }
    CU_ASSERT(t->pool.capped > 0);
    reasm_flush(&t->d, &t->pool, &t->out);
    CU_ASSERT_EQUAL(t->d.nruns, 0);
    CU_ASSERT_EQUAL(t->d.next, 4000001);
    CU_ASSERT_EQUAL(t->rec.pos, 4000001);
    t_free(t);
}

static void test_free_accounting(void)
{
    struct reasm_pool pool = { 0 };
    struct t *a = t_new(0), *b = t_new(100);
    CU_ASSERT_EQUAL(reasm_add(&a->d, &pool, &a->out, 5, (const uint8_t *)"hello", 5, 5), REASM_HELD);
    CU_ASSERT_EQUAL(reasm_add(&a->d, &pool, &a->out, 20, (const uint8_t *)"world", 2, 5),
                    REASM_HELD | REASM_TRUNCATED);
    CU_ASSERT_EQUAL(reasm_add(&b->d, &pool, &b->out, 150, (const uint8_t *)"0123456789", 10, 10),
                    REASM_HELD);
    CU_ASSERT_EQUAL(pool.held, 17);
    CU_ASSERT_EQUAL(a->d.held, 7);
    CU_ASSERT_EQUAL(a->d.nruns, 3);
    reasm_free(&a->d, &pool);
    CU_ASSERT_EQUAL(pool.held, 10);
    CU_ASSERT_EQUAL(a->d.held, 0);
    CU_ASSERT_EQUAL(a->d.nruns, 0);
    CU_ASSERT_PTR_NULL(a->d.segs);
    CU_ASSERT_EQUAL(a->rec.pos, 0);                    /* nothing delivered */
    /* the direction goes on */
    CU_ASSERT_EQUAL(reasm_add(&a->d, &pool, &a->out, 2, (const uint8_t *)"cd", 2, 2), REASM_HELD);
    CU_ASSERT_EQUAL(reasm_add(&a->d, &pool, &a->out, 0, (const uint8_t *)"ab", 2, 2), REASM_IN_ORDER);
    CU_ASSERT_STRING_EQUAL(a->rec.text, "abcd");
    reasm_free(&b->d, &pool);
    reasm_free(&a->d, &pool);
    CU_ASSERT_EQUAL(pool.held, 0);
    CU_ASSERT_EQUAL(pool.peak, 17);
    t_free(a);
    t_free(b);
}

void test_reasm_register(void);
void test_reasm_register(void)
{
    CU_pSuite s = CU_add_suite("reasm", NULL, NULL);
    CU_add_test(s, "in order", test_in_order);
    CU_add_test(s, "out of order: reverse, holes, runs growing", test_out_of_order);
    CU_add_test(s, "random segmentations, shuffled, duplicates (100 KB)", test_random_segmentations);
    CU_add_test(s, "retransmissions: exact, partial, of delivered data, before 0", test_retransmissions);
    CU_add_test(s, "overlaps: consistent, conflicting (first wins)", test_overlaps);
    CU_add_test(s, "gaps through reasm_ack", test_gaps_ack);
    CU_add_test(s, "gaps through reasm_flush", test_gaps_flush);
    CU_add_test(s, "truncated segments: in order, held", test_truncated);
    CU_add_test(s, "sequence wrap-around and streams past 4 GiB", test_wrap);
    CU_add_test(s, "cap per direction, a segment larger than the cap", test_caps_dir);
    CU_add_test(s, "cap per pool", test_caps_pool);
    CU_add_test(s, "caps under random loss: never passed, bytes in place", test_caps_random);
    CU_add_test(s, "reasm_start moved before any delivery", test_start_moved);
    CU_add_test(s, "a bogus far-ahead ack is ignored", test_bogus_ack);
    CU_add_test(s, "run-count cap", test_run_cap);
    CU_add_test(s, "reasm_free accounting", test_free_accounting);
}
