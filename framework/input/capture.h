/* capture.h — libtrawl's native readers of classic pcap and pcapng capture files (internal).
 *
 * Formats: pcap as in draft-ietf-opsawg-pcap, pcapng as in draft-ietf-opsawg-pcapng.
 * One reader per file; readers share no state, so several may be open at once. */
#ifndef TRAWL_INPUT_CAPTURE_H
#define TRAWL_INPUT_CAPTURE_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

struct cap_reader;

enum cap_format { CAP_FMT_PCAP, CAP_FMT_PCAPNG };

struct cap_packet {
    int64_t  ts_ns;          /* UTC nanoseconds since epoch (64-bit, signed: 2038 and 2106 captures must be right) */
    uint32_t caplen;         /* bytes in data */
    uint32_t len;            /* original length on the wire */
    int32_t  linktype;       /* LINKTYPE_ number of this packet's interface */
    uint32_t interface_id;   /* pcapng interface index; 0 for classic pcap */
    const uint8_t *data;     /* valid until the next cap_next() or cap_close() */
    const char *comment;     /* first opt_comment of the packet (pcapng), NUL-terminated, or NULL; same lifetime */
    uint32_t comment_len;
    uint64_t offset;         /* byte offset of this record in the file */
    /* Added: bytes of FCS at the end of data, from the pcap header's FCS bits or the pcapng
     * interface's if_fcslen; -1 when the file does not say. */
    int32_t  fcs_len;
    uint32_t flags;          /* Added: CAP_PKT_* */
    uint8_t  ts_digits;      /* Added: decimal digits of this packet's clock (6 or 9): pcapng
                              * interfaces may differ within one file */
};
#define CAP_PKT_NO_TS 1u     /* the record has no time stamp (pcapng SPB); ts_ns is 0 */

/* Open a capture file; path "-" reads standard input. The format is chosen by the magic number, never the name.
 * Returns NULL with a message in err ("FILE: what is wrong") on failure (not found, unknown format, bad header).
 * "-" reads fd 0 with read(), bypassing stdio: nothing else should have read stdin's FILE.
 * ts_ns saturates at INT64_MIN/MAX (years 1677..2262) for pcapng counts beyond that. */
struct cap_reader *cap_open(const char *path, char *err, size_t errlen);
/* Same, from an already open FILE* (not closed by cap_close unless own=1); name is used in messages.
 * With own=1 the reader owns f from the call on, so a failed open closes it too. */
struct cap_reader *cap_open_stream(FILE *f, int own, const char *name, char *err, size_t errlen);
/* 1 = packet in *out; 0 = clean end of file; -1 = damaged file: cap_error() says
 * "FILE: offset N: what is wrong (expected X, found Y)"; every packet before it was returned first. */
int cap_next(struct cap_reader *r, struct cap_packet *out);
const char *cap_error(const struct cap_reader *r);
uint64_t cap_error_offset(const struct cap_reader *r);
enum cap_format cap_format(const struct cap_reader *r);
int32_t cap_linktype(const struct cap_reader *r);   /* first interface's link type (pcapng: of IDB 0; -1 if none yet) */
/* (pcapng: open reads ahead to the first packet or DSB, so it is known after open unless
 * the file has no IDB before those.) */
unsigned cap_ts_precision(const struct cap_reader *r); /* 6 or 9 (decimal digits of the file's time resolution; pcapng: the finest seen) */
uint32_t cap_snaplen(const struct cap_reader *r);
void cap_close(struct cap_reader *r);
/* Packets' bytes stay valid until cap_close (the file is mapped), not only until cap_next. */
#define CAP_RELEASE_BEHIND (4u << 20)   /* mapped bytes kept resident behind the reading point */
#define CAP_RELEASE_STEP   (4u << 20)   /* given back in steps of this (a multiple of the page) */
int cap_stable(const struct cap_reader *r);

/* Added. pcapng Decryption Secrets Blocks (e.g. a TLS key log) reach fn in file order, before
 * the packets that follow them; data is valid during the call only. Register right after open:
 * cap_open reads ahead only up to the first packet or DSB, so none is missed. */
typedef void (*cap_secrets_fn)(void *ctx, uint32_t secrets_type, const uint8_t *data,
                               uint32_t len, uint64_t offset);
void cap_on_secrets(struct cap_reader *r, cap_secrets_fn fn, void *ctx);
/* Added: packets returned so far. */
uint64_t cap_packets(const struct cap_reader *r);

#ifdef CAP_INTERNAL
/* Shared by capture.c, pcap.c and pcapng.c only. */

#define CAP_MAX_PACKET   262144u          /* tshark's and libpcap's usual limit */
#define CAP_ABS_MAX      (256u << 20)     /* never buffer more than this for one record */

struct ng_if {
    int32_t  linktype;
    uint32_t snaplen;
    int32_t  fcs_len;
    uint8_t  tsmode;      /* NG_TS_MUL, NG_TS_DIV, NG_TS_POW2 */
    uint8_t  shift;       /* NG_TS_POW2: units are 2^-shift s */
    uint64_t ups;         /* units per second (if_tsresol is refused beyond 10^-19 and 2^-63) */
    uint64_t factor;      /* NG_TS_MUL: ns per unit; NG_TS_DIV: units per ns */
    int64_t  tsoffset;    /* seconds added to every timestamp */
};

struct cap_reader {
    char    *name;
    /* Source: an fd (cap_open) or a FILE* (cap_open_stream). */
    int      fd;
    FILE    *f;
    int      own;
    int      greedy;      /* fill the whole buffer per read (regular files, fds) */
    int      mapped;      /* buf is the whole file, mmap'd: packet bytes stay valid until close */
    size_t   released;    /* mapped bytes before this were given back (madvise) */
    int      eof;
    int      ioerr;       /* errno of a failed read, 0 if none */
    /* Buffer: bytes [pos, end) are unread; buf[0] is at file offset base. */
    uint8_t *buf;
    size_t   cap, pos, end;
    uint64_t base;

    enum cap_format fmt;
    int      be;          /* file (pcapng: section) is big-endian */
    uint64_t npackets;
    int      failed;
    char     err[512];
    uint64_t err_off;
    int32_t  linktype;
    uint32_t snaplen;
    unsigned precision;

    /* classic pcap */
    unsigned hdrlen;      /* record header: 16, or 24 for the Kuznetsov variant */
    int      nsec;
    int      swapped_lens;   /* before 2.3: incl_len and orig_len in the other order */
    uint32_t maxcap;
    int32_t  fcs_len;

    /* pcapng */
    struct ng_if *ifs;
    uint32_t nifs, ifs_cap;
    int      linktype_set;     /* IDB 0 of the first section seen */
    char    *comment;          /* copy of the current packet's comment, NUL-terminated */
    cap_secrets_fn secrets_fn;
    void    *secrets_ctx;
};

#define CAP_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Make at least n unread bytes available if the file has them; returns the bytes available. */
size_t cap_fill(struct cap_reader *r, size_t n);
/* Record an error at file offset off; returns -1. */
int cap_fail(struct cap_reader *r, uint64_t off, const char *fmt, ...) CAP_PRINTF(3, 4);
/* Error for a record (kind: "a packet", "a block") of need bytes at off of which the file
 * has only have; what names it ("packet 7"). Reports a read error instead if there was one. */
int cap_short(struct cap_reader *r, uint64_t off, const char *what, const char *kind,
              size_t need, size_t have);

static inline uint16_t cap_rd16(const uint8_t *p, int be)
{
    return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}
static inline uint32_t cap_rd32(const uint8_t *p, int be)
{
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t cap_rd64(const uint8_t *p, int be)
{
    uint64_t a = cap_rd32(p, be), b = cap_rd32(p + 4, be);
    return be ? a << 32 | b : b << 32 | a;
}

/* Format back ends: *_open parses the file header (errors go to err, return -1);
 * *_next is cap_next for the format. */
int cap_pcap_open(struct cap_reader *r, char *err, size_t errlen);
int cap_pcap_next(struct cap_reader *r, struct cap_packet *out);
int cap_ng_open(struct cap_reader *r, char *err, size_t errlen);
int cap_ng_next(struct cap_reader *r, struct cap_packet *out);
#endif

#endif
