/* reasm.h — TCP byte-stream reassembly for one direction of one connection (libtrawl-private).
 *
 * Pure data structure: no engine, no packets, so it is tested on generated segments alone.
 * The flow layer (flow.c) owns two of these per TCP flow and turns what comes out into
 * stream-dissector calls.
 *
 * Positions are 64-bit stream offsets: offset 0 is the sequence number given to reasm_start
 * (ISN + 1 after a SYN; the first seen segment's sequence when the start was not captured).
 * A 32-bit sequence number maps to the offset nearest to `next` (signed 32-bit distance), so
 * wrap-around is invisible to callers and streams may exceed 4 GiB.
 *
 * Delivery is strictly in order: out.data() gets bytes [next, next+len), out.gap() says that
 * bytes [next, next+len) will never come (never invented, never zero-filled). Bytes before
 * `next` (already delivered or skipped) are retransmissions: counted, never delivered again.
 *
 * Overlap policy ("first wins", as BSD stacks and Suricata's default): where a new segment
 * overlaps bytes already held, the held bytes stay and the new ones fill only the holes;
 * a difference in the overlapping bytes flags REASM_CONFLICT (inconsistent retransmission).
 * Delivered bytes are not kept, so an overlap with them is only a retransmission.
 *
 * Truncated segments (caplen < len): the uncaptured tail will never come. In order it is a gap
 * at once; out of order it is held as a "gap run" (no buffer, not counted in `held`) that
 * becomes a gap when reached and, like held data, wins over later copies of its bytes.
 * Consecutive gaps (holes, gap runs) reach out.gap as one call, just before the next data.
 *
 * Memory: bytes held out of order are counted per direction and in the pool (shared by the
 * worker's flows). A segment that would pass either cap first forces the oldest hole to be
 * given up: held bytes up to the new segment are delivered with gaps for the holes
 * (REASM_CAPPED, counted in pool->capped), one hole at a time until the bytes fit or the
 * segment is in order (then it is delivered, not held: a segment larger than the cap gives
 * up every hole before it). Memory never grows past the caps. When the pool is full of other
 * flows' bytes, this direction gives up its own holes (evicting other flows is flow.c's job).
 *
 * Work per call: a walk of the held runs, at most REASM_MAX_RUNS of them (reaching the limit
 * gives up holes as a cap does), so 1-byte segments cannot make it quadratic without bound;
 * appends after the last run skip the walk, and a data run grows in place up to
 * REASM_MERGE_MAX bytes (a train of segments after a hole is a few runs). No recursion.
 *
 * out.data/out.gap run inside reasm_add/ack/flush: they must not call back into the same
 * reasm_dir. `out` or either callback may be NULL (counting only).
 */
#ifndef TRAWL_REASM_H
#define TRAWL_REASM_H

#include <stdbool.h>
#include <stdint.h>

#define REASM_MAX_RUNS      1024u       /* held runs per direction (then holes are given up) */
#define REASM_MERGE_MAX     8192u       /* a data run grows by appends up to this many bytes */
#define REASM_ACK_MAX_AHEAD (1u << 30)  /* an ack further than this past end is ignored */

struct reasm_seg;                     /* a held out-of-order run of bytes (reasm.c) */

struct reasm_pool {                   /* one per worker */
    uint64_t held;                    /* bytes held now, all directions */
    uint64_t max_held;                /* cap on held (0: no cap) */
    uint32_t max_dir;                 /* cap per direction (0: no cap) */
    uint64_t peak;                    /* highest `held` seen */
    uint64_t capped;                  /* bytes given up as gaps because of the caps */
};

struct reasm_out {
    void (*data)(void *user, const uint8_t *p, uint32_t len);
    void (*gap)(void *user, uint64_t len);
    void *user;
};

struct reasm_dir {
    bool     started;
    uint32_t base_seq;                /* sequence number of offset 0 */
    uint64_t next;                    /* offset of the next byte to deliver */
    uint64_t end;                     /* highest offset + 1 seen in any segment (data or FIN) */
    struct reasm_seg *segs;           /* held segments, sorted by offset, not overlapping */
    struct reasm_seg *last;           /* the last of segs (appends skip the walk) */
    uint32_t nruns;                   /* runs in segs (<= REASM_MAX_RUNS) */
    uint32_t held;                    /* bytes held in segs (data buffers; gap runs cost none) */
    /* counters, for conn records, expert info and tests: bytes delivered to out.data, given
     * as gaps (holes, uncaptured tails, caps, acks, flush), seen again before next, new bytes
     * overlapping held ones, and of those the bytes that differed */
    uint64_t delivered, gap_bytes, retrans_bytes, overlap_bytes, conflict_bytes;
};

/* What one reasm_add did (bits). */
enum {
    REASM_IN_ORDER  = 1u << 0,        /* some bytes were delivered (out.data called) */
    REASM_HELD      = 1u << 1,        /* some bytes were held for later (out of order) */
    REASM_RETRANS   = 1u << 2,        /* some bytes were before `next`: not delivered again */
    REASM_OVERLAP   = 1u << 3,        /* overlapped held bytes */
    REASM_CONFLICT  = 1u << 4,        /* ... and they differed */
    REASM_CAPPED    = 1u << 5,        /* a cap forced gaps */
    REASM_TRUNCATED = 1u << 6,        /* caplen < len: the uncaptured tail became a gap (or a
                                       * held gap run) */
};

/* Zeroes d (all counters too). */
void reasm_init(struct reasm_dir *d);
/* Offset 0 is `seq`. Calling it again before any byte was delivered, held or skipped moves the
 * base (a SYN seen after the first data segment of a picked-up flow); `end` follows it. */
void reasm_start(struct reasm_dir *d, uint32_t seq);
/* The stream offset of a sequence number (nearest to next; one before offset 0 gives 0).
 * Requires started. */
uint64_t reasm_offset(const struct reasm_dir *d, uint32_t seq);
/* One segment's payload: len bytes on the wire at `seq`, of which the first caplen are in p.
 * Delivers what became in order (through out), holds the rest. Returns REASM_* bits.
 * Starts the direction at `seq` if reasm_start was not called. len 0 (a bare FIN or ACK) only
 * moves `end` up to its offset, so bytes sent but never captured count in end and flush. */
unsigned reasm_add(struct reasm_dir *d, struct reasm_pool *pool, const struct reasm_out *out,
                   uint32_t seq, const uint8_t *p, uint32_t caplen, uint32_t len);
/* The peer acknowledged everything before `ack`: bytes below it that were not seen will never
 * be (the capture missed them): deliver held bytes up to ack, gaps for the holes. Never goes
 * backwards (an ack at or before next does nothing), and an ack more than REASM_ACK_MAX_AHEAD
 * beyond the furthest byte known (max of end and next) is ignored: a bogus or unrelated ack
 * must not turn into a giant gap. A held run that straddles ack is delivered whole. */
void reasm_ack(struct reasm_dir *d, struct reasm_pool *pool, const struct reasm_out *out,
               uint32_t ack);
/* End of the direction (FIN, RST, flow end): deliver everything held, holes as gaps, then a
 * gap up to `end` if a segment (or a bare FIN) was seen beyond what was delivered. */
void reasm_flush(struct reasm_dir *d, struct reasm_pool *pool, const struct reasm_out *out);
/* Free what is held (no delivery) and give its bytes back to the pool; the counters, next
 * and end stay readable. The direction may go on being used (new bytes are held again). */
void reasm_free(struct reasm_dir *d, struct reasm_pool *pool);

#endif
