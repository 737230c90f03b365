/* trawl/dissect.h — protocols, dissector tables, heuristics and calling the next dissector.
 *
 * Registration has two phases so plugin load order never matters:
 *   init     declare: your protocol (trawl_proto_register), the tables and heuristic lists
 *            other protocols will attach to (trawl_table_declare, trawl_heur_declare);
 *   handoff  attach: put your protocol into other plugins' tables (trawl_table_add,
 *            trawl_heur_add) and look up the tables you dispatch on (trawl_table_find).
 * Every init runs before any handoff. After start the registries are frozen and read-only,
 * so any number of worker threads may dissect at once.
 *
 * A dissector is called with the packet and a view of the bytes that are its to decode:
 *   int dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
 * and returns the bytes it used (> 0: mine), 0 (not mine: the caller tries the next
 * candidate or shows the bytes as data). `state` is what the plugin registered the protocol
 * with: per engine, so plugins keep no mutable globals. A dissector decodes its header, adds
 * fields, then hands its payload on with one of the trawl_dissect_* calls below.
 */
#ifndef TRAWL_DISSECT_H
#define TRAWL_DISSECT_H

#include "buf.h"
#include "field.h"
#include "packet.h"

struct trawl_init;
struct trawl_table;
struct trawl_heur_list;

typedef int (*trawl_dissect_fn)(struct trawl_packet *pkt, struct trawl_buf *b, void *state);

struct trawl_proto_def {
    const char *name;        /* "ip": display-filter name, and the prefix of its fields */
    const char *long_name;   /* "Internet Protocol Version 4" */
    const char *column;      /* protocol column text ("IPv4"); NULL: the name upper-cased */
    const struct trawl_field_def *fields;
    unsigned nfields;
    trawl_dissect_fn dissect;   /* NULL for a protocol that only names fields (records) */
};

/* The engine's view of a registered protocol (read-only). */
struct trawl_proto {
    const char *name;
    const char *long_name;
    const char *column;
    const struct trawl_field *fields;   /* nfields entries, in the def's order */
    unsigned nfields;
    uint32_t id;
};

enum trawl_table_kind { TRAWL_TABLE_UINT, TRAWL_TABLE_STRING };

/* Heuristic probes answer three ways; "need more" lets stream protocols wait for bytes. */
enum trawl_heur_result { TRAWL_HEUR_NOT_MINE = 0, TRAWL_HEUR_MINE = 1, TRAWL_HEUR_NEED_MORE = 2 };

struct trawl_heur_def {
    const char *name;        /* short, unique in its list ("dns_udp"): users can switch it off */
    int priority;            /* higher runs first; ties run in name order, never load order */
    /* Cheap, read-only look at the payload: validate hard before saying MINE. */
    enum trawl_heur_result (*probe)(const struct trawl_buf *b, void *state);
};

TRAWL_BEGIN_DECLS

/* ---- init phase ------------------------------------------------------------------------ */

/* Declare a protocol and its fields. `state` is passed to its dissector. The def and the field
 * array must be static (they are referenced, not copied). Returns NULL on a bad name or field
 * (the reason is logged against the plugin and the plugin is refused). */
TRAWL_API const struct trawl_proto *trawl_proto_register(struct trawl_init *ctx,
                                                         const struct trawl_proto_def *def,
                                                         void *state);
/* A table keyed by integers in [0, max_key] (flat array: O(1)) or by strings. */
TRAWL_API struct trawl_table *trawl_table_declare(struct trawl_init *ctx, const char *name,
                                                  const char *desc, enum trawl_table_kind kind,
                                                  uint32_t max_key);
TRAWL_API struct trawl_heur_list *trawl_heur_declare(struct trawl_init *ctx, const char *name,
                                                     const char *desc);

/* ---- handoff phase --------------------------------------------------------------------- */

TRAWL_API const struct trawl_proto *trawl_proto_find(struct trawl_init *ctx, const char *name);
TRAWL_API const struct trawl_table *trawl_table_find(struct trawl_init *ctx, const char *name);
TRAWL_API const struct trawl_heur_list *trawl_heur_find(struct trawl_init *ctx, const char *name);
/* Attach proto to a table entry. A second protocol on the same key is refused with a warning
 * (decode-as, not load order, decides such conflicts). A table no loaded plugin declares is not
 * an error: the call returns TRAWL_ENOENT and nothing happens, so attach to optional tables
 * (gre.proto, ppp.protocol) without looking them up first. */
TRAWL_API int trawl_table_add(struct trawl_init *ctx, const char *table, uint32_t key,
                              const struct trawl_proto *proto);
TRAWL_API int trawl_table_add_string(struct trawl_init *ctx, const char *table, const char *key,
                                     const struct trawl_proto *proto);
TRAWL_API int trawl_heur_add(struct trawl_init *ctx, const char *list,
                             const struct trawl_heur_def *def, const struct trawl_proto *proto);

/* ---- dissect time ---------------------------------------------------------------------- */

/* Each returns true when a dissector took the bytes. The callee's layer covers all of b. */
TRAWL_API bool trawl_dissect_table(struct trawl_packet *pkt, const struct trawl_table *t,
                                   uint32_t key, struct trawl_buf *b);
TRAWL_API bool trawl_dissect_table_string(struct trawl_packet *pkt, const struct trawl_table *t,
                                          const char *key, struct trawl_buf *b);
TRAWL_API bool trawl_dissect_heur(struct trawl_packet *pkt, const struct trawl_heur_list *h,
                                  struct trawl_buf *b);
TRAWL_API bool trawl_dissect_proto(struct trawl_packet *pkt, const struct trawl_proto *p,
                                   struct trawl_buf *b);
/* Transport convention (tshark's): the lower port's dissector first, then the higher, then
 * the heuristics (h may be NULL). Decode-as entries (-d udp.port==5353,dns) win over all. */
TRAWL_API bool trawl_dissect_ports(struct trawl_packet *pkt, const struct trawl_table *t,
                                   const struct trawl_heur_list *h, uint32_t port_a,
                                   uint32_t port_b, struct trawl_buf *b);
/* Dissect b as a quotation: the packet an ICMP error quotes, a header echoed in a reply.
 * Everything dissected inside it knows (trawl_packet_in_quote), leaves the columns to the
 * quoting layer (trawl_cols_wanted is false), and its reads past the quote's end are recorded
 * on its own layers only: a quote cut on purpose does not make the packet truncated or
 * malformed. */
TRAWL_API bool trawl_dissect_quote(struct trawl_packet *pkt, const struct trawl_proto *p,
                                   struct trawl_buf *b);
TRAWL_API bool trawl_packet_in_quote(const struct trawl_packet *pkt);

/* Hints a dissector gives the one it calls next (set just before a trawl_dissect_* call,
 * read by the callee with trawl_packet_hints; they apply to that one call only). */
enum {
    TRAWL_HINT_FRAGMENT = 1u,   /* b is the first fragment of a datagram: lengths may run past it */
    TRAWL_HINT_IPV6     = 2u,   /* carried by IPv6 (pseudo-header, jumbograms) */
    /* Bits from here up belong to the callee: it defines them for its callers in its own
     * header or README (x509: "the end-entity certificate", "sent by the client"). */
    TRAWL_HINT_PROTO    = 1u << 16,
};
TRAWL_API void trawl_packet_hint(struct trawl_packet *pkt, unsigned hints);
TRAWL_API unsigned trawl_packet_hints(const struct trawl_packet *pkt);

/* Is anything registered for this key (after decode-as)? */
TRAWL_API const struct trawl_proto *trawl_table_get(const struct trawl_table *t, uint32_t key);

/* The protocol currently dissecting (the one whose fields idx refers to). */
TRAWL_API const struct trawl_proto *trawl_packet_proto(const struct trawl_packet *pkt);
/* Nesting depth of dissector calls; tunnels are bounded (TRAWL_MAX_DEPTH) to stop loops. */
#define TRAWL_MAX_DEPTH 32

TRAWL_END_DECLS
#endif
