/* trawl/record.h — records: transactions and findings (a conn, a DNS query and its answer, an
 * HTTP request, a notice), each a set of typed fields, routed to every sink that takes records.
 *
 * A record type is declared once, like a protocol, with its columns:
 *
 *     enum { C_TS, C_UID, C_ORIG_H, C_COUNT };
 *     static const struct trawl_record_field conn_cols[C_COUNT] = {
 *         [C_TS]     = { "ts", "First packet", TRAWL_FT_TIME },
 *         [C_UID]    = { "uid", "Flow id", TRAWL_FT_STRING },
 *         [C_ORIG_H] = { "id.orig_h", "Originator address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
 *     };
 *     static const struct trawl_record_def conn_def = { sizeof conn_def, "conn", "Connections",
 *                                                      conn_cols, C_COUNT };
 *
 * Column names follow Zeek's logs where Zeek has the record ("conn", "dns", "http", "ssl"), so
 * analysts and Zeek's tools recognise them. Each column is also a field named "TYPE.COLUMN"
 * ("conn.id.orig_h") in `trawl fields`, for filters and sinks.
 *
 * Building one: trawl_record_begin, the trawl_rec_* setters (each column at most once, except
 * TRAWL_RF_SET and TRAWL_RF_LIST columns; a column not set is "unset": Zeek's "-", absent in JSON), then
 * trawl_record_end. Values are copied: the record owns them. Records made while a packet is
 * dissected reach the sinks right after that packet's own output; others (flows ended by the
 * end of input) as they are made. Nothing is built when no sink or analyzer takes records
 * of that type: check trawl_record_wanted first when building is costly.
 */
#ifndef TRAWL_RECORD_H
#define TRAWL_RECORD_H

#include "field.h"

struct trawl_init;
struct trawl_packet;
struct trawl_record;
struct trawl_record_type;

/* What a column is, beyond its value type (sinks with richer types, like Zeek's, use it). */
enum {
    TRAWL_RF_ADDR = 1u << 0,   /* an address column: IPV4 or IPV6 values both fit (Zeek "addr") */
    TRAWL_RF_PORT = 1u << 1,   /* a port number (Zeek "port") */
    TRAWL_RF_ENUM = 1u << 2,   /* a STRING from a fixed vocabulary (Zeek "enum") */
    TRAWL_RF_SET  = 1u << 3,   /* any number of values, unordered (Zeek "set[...]") */
    TRAWL_RF_LIST = 1u << 4,   /* any number of values, in order (Zeek "vector[...]") */
};

struct trawl_record_field {
    const char *name;          /* column: "id.orig_h" ([A-Za-z0-9_.]: Zeek has "AA", "TTLs") */
    const char *desc;
    enum trawl_ftype type;     /* TIME, RELTIME (durations), STRING, U64, BOOL, IPV4/IPV6 ... */
    unsigned flags;            /* TRAWL_RF_* */
};

struct trawl_record_def {
    size_t size;               /* sizeof(struct trawl_record_def) */
    const char *name;          /* "conn": Zeek's log name where there is one */
    const char *desc;
    const struct trawl_record_field *fields;
    unsigned nfields;
};

/* A registered record type, read-only. fields[i] is column i's field ("conn.uid"). */
struct trawl_record_type {
    const char *name;
    const char *desc;
    const struct trawl_record_field *columns;   /* the def's array */
    const struct trawl_field *fields;           /* the registered fields, same order */
    unsigned nfields;
    uint32_t id;                                /* dense, per engine */
};

TRAWL_BEGIN_DECLS

/* Init phase. The def and its columns must be static. NULL on a bad name (logged, plugin
 * refused). */
TRAWL_API const struct trawl_record_type *trawl_record_register(struct trawl_init *ctx,
                                                                const struct trawl_record_def *def);
/* Init phase: a record type that is plumbing between a plugin's dissector (on worker threads)
 * and its own analyzer (which gets records in frame order, on one thread): analyzers that name
 * it get it; sinks, `--records` and the engine's record callback never do. dhcp uses one to
 * join the messages of an exchange that crosses flows (hence workers). */
TRAWL_API const struct trawl_record_type *trawl_record_register_internal(struct trawl_init *ctx,
                                                                         const struct trawl_record_def *def);
/* Handoff phase: a type another plugin declared (NULL when none). */
TRAWL_API const struct trawl_record_type *trawl_record_find(struct trawl_init *ctx, const char *name);

/* Does any sink or analyzer take records of this type? */
TRAWL_API bool trawl_record_wanted(const struct trawl_packet *ctx, const struct trawl_record_type *t);

/* ctx: the packet being dissected, or the context an analyzer callback was given. NULL when
 * nobody wants the type or memory is short (counted): the setters accept NULL and do nothing. */
TRAWL_API struct trawl_record *trawl_record_begin(struct trawl_packet *ctx,
                                                  const struct trawl_record_type *t);
TRAWL_API void trawl_rec_uint(struct trawl_record *r, unsigned col, uint64_t v);
TRAWL_API void trawl_rec_int(struct trawl_record *r, unsigned col, int64_t v);
TRAWL_API void trawl_rec_bool(struct trawl_record *r, unsigned col, bool v);
TRAWL_API void trawl_rec_double(struct trawl_record *r, unsigned col, double v);
TRAWL_API void trawl_rec_time(struct trawl_record *r, unsigned col, int64_t ns);      /* TIME / RELTIME */
TRAWL_API void trawl_rec_string(struct trawl_record *r, unsigned col, const char *s, uint32_t len);
TRAWL_API void trawl_rec_cstring(struct trawl_record *r, unsigned col, const char *s);
TRAWL_API void trawl_rec_bytes(struct trawl_record *r, unsigned col, const uint8_t *p, uint32_t len);
/* family 4 or 6; stored as IPV4 or IPV6 whatever the column's declared type. */
TRAWL_API void trawl_rec_addr(struct trawl_record *r, unsigned col, int family, const uint8_t *p);
/* The columns most flow records share, filled from the flow. Zeek's connection id: uid,
 * id.orig_h, id.orig_p, id.resp_h, id.resp_p — five columns in that order from col_uid. */
struct trawl_flow;
TRAWL_API void trawl_rec_flow_id(struct trawl_record *r, unsigned col_uid, const struct trawl_flow *f);
/* trawl's evidence: community_id, file, first_frame, last_frame — four columns in that order
 * from col (file_index as in trawl_frame; ctx: the record's context). */
TRAWL_API void trawl_rec_evidence(struct trawl_record *r, unsigned col, struct trawl_packet *ctx,
                                  const struct trawl_flow *f, uint32_t file_index,
                                  uint64_t first_frame, uint64_t last_frame);
/* Hand the record on (to the queue of the packet, or to the sinks at once). */
TRAWL_API void trawl_record_end(struct trawl_record *r);

/* ---- reading (sinks, analyzers, embedders) ----------------------------------------------- */

TRAWL_API const struct trawl_record_type *trawl_record_get_type(const struct trawl_record *r);
/* Values in the order set; v->field is one of the type's fields: column index = v->field -
 * type->fields. */
TRAWL_API const struct trawl_value *trawl_record_values(const struct trawl_record *r, size_t *count);
/* The first value of a column, or NULL when unset. */
TRAWL_API const struct trawl_value *trawl_record_value(const struct trawl_record *r, unsigned col);
/* A column's values in the order set, one per call (SET and LIST columns have any number):
 * start with *pos = 0; NULL after the last. Nothing is allocated.
 *
 *     size_t pos = 0;
 *     for (const struct trawl_value *v; (v = trawl_record_value_next(r, col, &pos)); )
 *         ... */
TRAWL_API const struct trawl_value *trawl_record_value_next(const struct trawl_record *r, unsigned col,
                                                            size_t *pos);
/* The frame during which it was made (0: at the end of input). */
TRAWL_API uint64_t trawl_record_frame(const struct trawl_record *r);
/* A column's index in its type, for values: field - type->fields. */
static inline unsigned trawl_record_column(const struct trawl_record_type *t, const struct trawl_field *f)
{
    return (unsigned)(f - t->fields);
}

TRAWL_END_DECLS
#endif
