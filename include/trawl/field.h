/* trawl/field.h — typed fields: declared once per protocol, added to packets and records.
 *
 * A protocol declares its fields as one static const array, indexed by an enum of its own:
 *
 *     enum { F_TTL, F_SRC, F_COUNT };
 *     static const struct trawl_field_def fields[F_COUNT] = {
 *         [F_TTL] = { "ip.ttl", "Time to live", TRAWL_FT_U8 },
 *         [F_SRC] = { "ip.src", "Source address", TRAWL_FT_IPV4 },
 *     };
 *
 * and adds values by that index while it dissects: trawl_add_uint(pkt, F_TTL, ttl). The index
 * is relative to the protocol being dissected, so nothing can drift out of step and no global
 * id variables exist. Names use Wireshark's display-filter names wherever Wireshark has the
 * field: lower-case [a-z0-9_.-], starting with the protocol name and a dot.
 *
 * Nothing is copied: string and byte values point into the packet (or into the packet arena,
 * see trawl_packet_alloc) and live until the packet is done.
 */
#ifndef TRAWL_FIELD_H
#define TRAWL_FIELD_H

#include "common.h"

enum trawl_ftype {
    TRAWL_FT_NONE = 0,   /* a label with no value (a protocol's own field, a flag-only marker) */
    TRAWL_FT_BOOL,       /* prints 1 / 0 as tshark -T fields does */
    TRAWL_FT_U8, TRAWL_FT_U16, TRAWL_FT_U24, TRAWL_FT_U32, TRAWL_FT_U64,
    TRAWL_FT_I64,
    TRAWL_FT_DOUBLE,
    TRAWL_FT_STRING,     /* text (bytes as found; sinks escape what they must) */
    TRAWL_FT_BYTES,      /* raw bytes: printed as hex */
    TRAWL_FT_IPV4,       /* 4 bytes, network order */
    TRAWL_FT_IPV6,       /* 16 bytes */
    TRAWL_FT_ETHER,      /* 6 bytes */
    TRAWL_FT_TIME,       /* absolute time: int64 ns since the epoch, UTC */
    TRAWL_FT_RELTIME,    /* a duration: int64 ns */
    TRAWL_FT__COUNT
};

/* How values are shown by text sinks (-T fields follows tshark: HEX prints 0x%0*x with the
 * type's width, like tcp.flags 0x0012 or ip.id 0x643f; DEC_HEX prints the decimal there and
 * both in -V). TIME fields print as a UTC date ("Jan  2, 2014 09:37:49.848747000 UTC", as
 * tshark's absolute times with TZ=UTC) unless their base is EPOCH: seconds with 9 decimals
 * (frame.time_epoch). */
enum trawl_fbase { TRAWL_BASE_DEC = 0, TRAWL_BASE_HEX, TRAWL_BASE_OCT, TRAWL_BASE_DEC_HEX,
                   TRAWL_BASE_EPOCH, TRAWL_BASE_ASCII };
/* STRING fields print as tshark 4.0's -T fields: \b \f \n \r \t escaped, other control bytes as
 * they are, what is not UTF-8 as U+FFFD (one per byte); with TRAWL_BASE_ASCII (tshark's ASCII
 * strings: DNS TXT, HTTP headers) every byte from 0x80 up is U+FFFD. -V escapes control bytes as
 * \xHH so a tree never breaks. */

/* Optional names for integer values, for -V and the info column ("Type: IPv4 (0x0800)").
 * Arrays end with { 0, NULL }. */
struct trawl_value_name { uint64_t value; const char *name; };

struct trawl_field_def {
    const char *name;        /* "ip.ttl" */
    const char *desc;        /* "Time to live" — shown by `trawl fields` and -V */
    enum trawl_ftype type;
    enum trawl_fbase base;
    const struct trawl_value_name *names;  /* may be NULL */
    uint64_t mask;           /* for flag fields shown in -V as bit patterns; 0 = none */
};

/* The engine's view of a registered field (read-only for plugins and sinks). */
struct trawl_field {
    const char *name;
    const char *desc;
    enum trawl_ftype type;
    enum trawl_fbase base;
    const struct trawl_value_name *names;
    uint32_t id;                       /* dense, per engine */
    const struct trawl_proto *proto;   /* the protocol or record type that declared it */
};

/* One value of a field in a packet or record. */
struct trawl_value {
    const struct trawl_field *field;
    union {
        uint64_t u;          /* BOOL, U8..U64 */
        int64_t  i;          /* I64, TIME, RELTIME */
        double   d;          /* DOUBLE */
        const uint8_t *p;    /* STRING, BYTES, IPV4, IPV6, ETHER: len bytes */
    } v;
    uint32_t len;            /* byte length for pointer types */
    uint16_t layer;          /* which protocol layer of the packet added it (see packet.h) */
    uint16_t depth;          /* nesting for -V trees (0 = directly under the layer) */
};

#endif
