/* trawl/defrag.h — IP fragment reassembly, for network-layer dissectors (ipv4, ipv6, ...).
 *
 * A dissector that meets a fragment hands it here with the key that identifies its datagram
 * (RFC 791 / RFC 8200: source, destination, protocol or next header, identification). The
 * engine keeps the fragments per worker, with caps on datagrams held and bytes held, and an
 * idle timeout; when the last missing piece arrives the datagram is whole and the caller
 * dissects it once, on that frame (tshark's way). Nothing is invented: a datagram with a
 * fragment cut by the snaplen is never completed (it times out, counted).
 *
 * Settings (-o, or trawl_engine_set_option): defrag.timeout (seconds idle, default 60; 0: no
 * timeout, only the caps), defrag.max_datagrams (default 65536), defrag.max_bytes (default 64 MiB,
 * the fragments' bytes and the bookkeeping). Reaching a cap gives up the least recently active
 * datagrams first (counted as evicted); a fragment that still does not fit is REJECTED.
 *
 * Keys: IPv4 (src, dst, protocol, id); IPv6 (src, dst, id): RFC 8200 leaves the next header out,
 * the datagram's is the offset-0 fragment's (res.proto).
 *
 * Policies (where stacks and tools differ, what this one does):
 *  - Overlaps: the first copy of a byte wins; later fragments only fill holes. Overlapping bytes
 *    that differ flag CONFLICT. (Wireshark lets the lower-offset fragment win instead; the two
 *    differ only on conflicting overlaps, which are flagged.) An exact repeat (same offset,
 *    length and bytes) is a DUPLICATE, not an overlap.
 *  - A non-final fragment whose length is not a multiple of 8 is kept whole and flagged BAD_LEN
 *    (RFC 8200 says discard, Linux trims IPv4 ones; Wireshark keeps them: so do we, to dissect
 *    what tshark dissects).
 *  - The first final fragment sets the datagram's length. Bytes past it (from any fragment, before
 *    or after) are dropped and flagged PAST_END and BAD_LEN; a second final fragment with another
 *    end flags MULTI_LAST.
 *  - A fragment not all captured (caplen < len) makes its datagram CUT: its bytes are freed, and
 *    it is kept only as a marker (so later fragments do not complete it) until it times out.
 */
#ifndef TRAWL_DEFRAG_H
#define TRAWL_DEFRAG_H

#include "common.h"

struct trawl_packet;

struct trawl_frag {
    uint8_t  family;          /* 4 or 6 */
    uint8_t  proto;           /* IPv4 protocol / the next header after IPv6's fragment header */
    uint32_t id;              /* IPv4 identification (16 bits) or IPv6 fragment identification */
    const uint8_t *src, *dst; /* 4 or 16 bytes, network order */
    uint32_t offset;          /* byte offset of this fragment's data in the datagram */
    bool     more;            /* MF / M flag */
    const uint8_t *data;      /* the fragment's data as captured ... */
    uint32_t caplen;          /* ... caplen bytes of it ... */
    uint32_t len;             /* ... of len on the wire (caplen < len: cut by the snaplen) */
};

/* What happened to a fragment (flags accumulate over the datagram). */
enum {
    TRAWL_DEFRAG_OVERLAP   = 1u << 0,  /* fragments overlap (RFC 5722 forbids it for IPv6) */
    TRAWL_DEFRAG_CONFLICT  = 1u << 1,  /* ... with different bytes in the overlap */
    TRAWL_DEFRAG_TOO_LONG  = 1u << 2,  /* offset + length past 65535: that fragment is rejected */
    TRAWL_DEFRAG_BAD_LEN   = 1u << 3,  /* a non-final fragment whose length is not a multiple of 8,
                                          or data past the end a final fragment set (PAST_END) */
    TRAWL_DEFRAG_DUPLICATE = 1u << 4,  /* the same fragment twice (a retransmission) */
    TRAWL_DEFRAG_CUT       = 1u << 5,  /* a fragment was cut by the snaplen: never completes */
    TRAWL_DEFRAG_MULTI_LAST = 1u << 6, /* two final fragments with different ends */
    TRAWL_DEFRAG_PAST_END  = 1u << 7,  /* data past the end a final fragment set: dropped (with
                                          BAD_LEN; Wireshark's "fragment too long") */
};

enum trawl_defrag_status {
    TRAWL_DEFRAG_HELD,        /* kept, waiting for the rest */
    TRAWL_DEFRAG_COMPLETE,    /* the datagram is whole: see data/len */
    TRAWL_DEFRAG_REJECTED,    /* not kept (bogus lengths, caps reached, no memory): see flags */
};

struct trawl_defrag_result {
    enum trawl_defrag_status status;
    unsigned flags;           /* TRAWL_DEFRAG_* seen so far for this datagram */
    const uint8_t *data;      /* COMPLETE: the reassembled payload, valid until the packet is done */
    uint32_t len;
    uint32_t nfrags;          /* fragments taken into the datagram so far, repeats included
                                 (COMPLETE: all that made it) */
    const uint64_t *frames;   /* COMPLETE: their frame numbers in offset order (nfrags of them),
                                 valid until the packet is done */
    uint64_t first_frame;     /* the datagram's first fragment's frame */
    uint8_t  proto;           /* COMPLETE: the datagram's protocol (IPv6: the offset-0 fragment's
                                 next header) */
    const unsigned *frame_flags; /* COMPLETE: each fragment's own TRAWL_DEFRAG_* flags, in the
                                    order of frames (the later copy of an overlap is the one
                                    flagged) */
};

TRAWL_BEGIN_DECLS

/* Add one fragment. An atomic fragment (offset 0, no more) is not held and does not touch the
 * datagrams held: it completes at once with its own captured bytes (RFC 6946; CUT when
 * caplen < len). res.status says what became of the fragment; the flags are the datagram's.
 * Returns 0, or a negative trawl_err for bad arguments (res then says REJECTED). */
TRAWL_API int trawl_defrag_add(struct trawl_packet *pkt, const struct trawl_frag *frag,
                               struct trawl_defrag_result *res);

/* The current protocol's own field indices for what a completed datagram shows, as Wireshark
 * names them (ip.fragment, ip.fragment.error, ip.fragment.overlap, ...conflict,
 * ...multipletails, ...toolongfragment, ip.fragment.count, ip.reassembled.length). */
struct trawl_defrag_fields {
    unsigned fragment, error, overlap, conflict, multiple_tails, too_long, count, reassembled_len;
};

/* Add a COMPLETE result's fields: each fragment's frame (as an error when it overlapped,
 * repeated, conflicted or ran past the end, with those flags), the count and the length. */
TRAWL_API void trawl_defrag_add_fields(struct trawl_packet *pkt, const struct trawl_defrag_result *r,
                                       const struct trawl_defrag_fields *idx);

TRAWL_END_DECLS
#endif
