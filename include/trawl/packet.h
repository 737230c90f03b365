/* trawl/packet.h — one packet being dissected: its frame metadata, the protocol layers found,
 * the field values added, its columns, and a per-packet arena.
 *
 * struct trawl_packet is opaque. Dissectors add to it; sinks and embedders read it. Everything
 * reachable from it (values, strings, layers) lives until the packet is done, then the arena
 * is reset (not freed): the steady path allocates nothing from the heap.
 */
#ifndef TRAWL_PACKET_H
#define TRAWL_PACKET_H

#include <stdarg.h>
#include "field.h"

struct trawl_packet;
struct trawl_proto;

/* Frame metadata, as read from the capture. */
struct trawl_frame {
    uint64_t number;        /* 1-based, continues across the files of one run */
    int64_t  ts_ns;         /* UTC nanoseconds since the epoch */
    uint32_t caplen;        /* bytes captured */
    uint32_t len;           /* bytes on the wire */
    int32_t  linktype;      /* LINKTYPE_ value of the packet's interface */
    uint32_t interface_id;  /* pcapng interface; 0 otherwise */
    const char *comment;    /* pcapng packet comment or NULL */
    uint32_t comment_len;
    uint32_t file_index;    /* which input of the run (0-based): see trawl_engine_file_name */
    uint64_t file_offset;   /* byte offset of the record in its file */
    unsigned ts_precision;  /* 6 or 9: decimal digits the file's clock has */
    uint32_t flags;         /* TRAWL_FRAME_* */
};

enum {
    TRAWL_FRAME_HAS_IFACE = 1u,   /* the input has interfaces (pcapng): interface_id is meaningful */
    TRAWL_FRAME_NO_TS     = 2u,   /* the record carries no timestamp (pcapng simple packet block) */
};

/* A protocol layer found in the packet, outermost first. */
struct trawl_layer {
    const struct trawl_proto *proto;
    uint32_t offset;        /* first byte in the frame */
    uint32_t len;           /* bytes the layer claims (header + payload it was given) */
    uint8_t  err;           /* TRAWL_BUF_TRUNCATED / TRAWL_BUF_MALFORMED hit in this layer */
    uint8_t  flags;         /* TRAWL_LAYER_* */
};

enum {
    TRAWL_LAYER_QUOTED = 1u,    /* inside a quotation (trawl_dissect_quote) */
    TRAWL_LAYER_STREAM = 2u,    /* over reassembled stream bytes, not the frame's: offset is 0 */
};

/* Columns of the one-line summary (tshark's default output). PROTOCOL is normally the top
 * layer's column name; a dissector sets it to be more precise for this packet ("RARP",
 * "PPP LCP"). The setting holds while no layer is added after it: set it after dissecting
 * a payload to keep it (ICMP over its quoted datagram), before to let the payload's win. */
enum trawl_col { TRAWL_COL_SRC, TRAWL_COL_DST, TRAWL_COL_INFO, TRAWL_COL_PROTOCOL, TRAWL_COL__COUNT };

TRAWL_BEGIN_DECLS

/* ---- adding values (dissectors). `idx` indexes the current protocol's field array. ------ */

/* Does any sink, filter or analyzer want this field? Skip the work when not. */
TRAWL_API bool trawl_wants(const struct trawl_packet *pkt, unsigned idx);

TRAWL_API void trawl_add_uint(struct trawl_packet *pkt, unsigned idx, uint64_t v);
TRAWL_API void trawl_add_int(struct trawl_packet *pkt, unsigned idx, int64_t v);
TRAWL_API void trawl_add_bool(struct trawl_packet *pkt, unsigned idx, bool v);
TRAWL_API void trawl_add_double(struct trawl_packet *pkt, unsigned idx, double v);
TRAWL_API void trawl_add_time(struct trawl_packet *pkt, unsigned idx, int64_t ns);
/* Pointer types: p must stay valid for the packet's life (packet bytes or trawl_packet_alloc). */
TRAWL_API void trawl_add_bytes(struct trawl_packet *pkt, unsigned idx, const uint8_t *p, uint32_t len);
TRAWL_API void trawl_add_string(struct trawl_packet *pkt, unsigned idx, const char *s, uint32_t len);
TRAWL_API void trawl_add_cstring(struct trawl_packet *pkt, unsigned idx, const char *s);
/* Formats into the packet arena. */
TRAWL_API void trawl_add_stringf(struct trawl_packet *pkt, unsigned idx, const char *fmt, ...) TRAWL_PRINTF(3, 4);
/* IPV4 / IPV6 / ETHER from present packet bytes (callers read them through a buf first). */
TRAWL_API void trawl_add_addr(struct trawl_packet *pkt, unsigned idx, const uint8_t *p);
/* A label (FT_NONE) or protocol subtree: following values nest one deeper until trawl_tree_pop. */
TRAWL_API void trawl_tree_push(struct trawl_packet *pkt, unsigned idx);
TRAWL_API void trawl_tree_pop(struct trawl_packet *pkt);

/* ---- columns ---------------------------------------------------------------------------- */

/* Does anyone print the summary line? Dissectors format src/dst/info only then. */
TRAWL_API bool trawl_cols_wanted(const struct trawl_packet *pkt);
/* Set (replace) a column. */
TRAWL_API void trawl_col_set(struct trawl_packet *pkt, enum trawl_col col, const char *fmt, ...) TRAWL_PRINTF(3, 4);
/* Append to a column. */
TRAWL_API void trawl_col_append(struct trawl_packet *pkt, enum trawl_col col, const char *fmt, ...) TRAWL_PRINTF(3, 4);

/* ---- memory ----------------------------------------------------------------------------- */

/* n bytes from the packet arena (16-byte aligned), freed when the packet is done; NULL when
 * the per-packet cap is reached (counted). */
TRAWL_API void *trawl_packet_alloc(struct trawl_packet *pkt, size_t n);

/* ---- reading (sinks, embedders, dissectors) --------------------------------------------- */

TRAWL_API const struct trawl_frame *trawl_packet_frame(const struct trawl_packet *pkt);
/* The frame's time since the first frame of the run, in ns (tshark's frame.time_relative and
 * the Time column), on any thread. */
TRAWL_API int64_t trawl_packet_time_relative(const struct trawl_packet *pkt);
/* The name of input `file_index` of the run (trawl_frame.file_index, trawl_flow_info.first_file)
 * as the engine was given it ("-" for standard input), or NULL. Any context works, including
 * the one an analyzer gets at the end of input. */
TRAWL_API const char *trawl_packet_file_name(const struct trawl_packet *pkt, uint32_t file_index);
/* The values added so far, in the order they were added. */
TRAWL_API const struct trawl_value *trawl_packet_values(const struct trawl_packet *pkt, size_t *count);
TRAWL_API const struct trawl_layer *trawl_packet_layers(const struct trawl_packet *pkt, size_t *count);
/* The frame's bytes (caplen of them). */
TRAWL_API const uint8_t *trawl_packet_data(const struct trawl_packet *pkt);
/* Column text, "" when unset. The info column of a cut or malformed frame ends with tshark's
 * "[Packet size limited during capture]" / "[Malformed Packet]". */
TRAWL_API const char *trawl_packet_col(const struct trawl_packet *pkt, enum trawl_col col);
/* The protocol column: the top layer's column name ("TCP", "DNS"), or what that layer set;
 * "" when no dissector took the frame. */
TRAWL_API const char *trawl_packet_protocol(const struct trawl_packet *pkt);
/* TRAWL_BUF_TRUNCATED / TRAWL_BUF_MALFORMED seen in any layer. */
TRAWL_API unsigned trawl_packet_errors(const struct trawl_packet *pkt);

TRAWL_END_DECLS
#endif
