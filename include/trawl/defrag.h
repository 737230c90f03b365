/* trawl/defrag.h — IP fragment reassembly, for network-layer dissectors (ipv4, ipv6, ...).
 *
 * A dissector that meets a fragment hands it here with the key that identifies its datagram
 * (RFC 791 / RFC 8200: source, destination, protocol or next header, identification). The
 * engine keeps the fragments per worker, with caps on datagrams held and bytes held, and an
 * idle timeout; when the last missing piece arrives the datagram is whole and the caller
 * dissects it once, on that frame (tshark's way). Nothing is invented: a datagram with a
 * fragment cut by the snaplen is never completed (it times out, counted).
 *
 * Settings (-o, or trawl_engine_set_option): defrag.timeout (seconds, default 60),
 * defrag.max_datagrams (default 65536), defrag.max_bytes (default 64 MiB).
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
    TRAWL_DEFRAG_TOO_LONG  = 1u << 2,  /* offset + length past 65535 (IPv4) or the total: rejected */
    TRAWL_DEFRAG_BAD_LEN   = 1u << 3,  /* a non-final fragment whose length is not a multiple of 8,
                                          or data past an earlier final fragment's end */
    TRAWL_DEFRAG_DUPLICATE = 1u << 4,  /* the same fragment twice (a retransmission) */
    TRAWL_DEFRAG_CUT       = 1u << 5,  /* a fragment was cut by the snaplen: never completes */
    TRAWL_DEFRAG_MULTI_LAST = 1u << 6, /* two final fragments with different ends */
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
    uint32_t nfrags;          /* fragments held (COMPLETE: that made the datagram) */
    const uint64_t *frames;   /* COMPLETE: their frame numbers in offset order (nfrags of them),
                                 valid until the packet is done */
    uint64_t first_frame;     /* the datagram's first fragment's frame */
};

TRAWL_BEGIN_DECLS

/* Add one fragment. An atomic fragment (offset 0, no more) is not held: it completes at once
 * with its own bytes (RFC 6946). Returns 0, or a negative trawl_err for bad arguments. */
TRAWL_API int trawl_defrag_add(struct trawl_packet *pkt, const struct trawl_frag *frag,
                               struct trawl_defrag_result *res);

TRAWL_END_DECLS
#endif
