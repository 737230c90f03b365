/* trawl/analyzer.h — analyzers: plugins that observe packets, flows and records, and add
 * records of their own (conn, notices, statistics).
 *
 * Analyzers run after dissection, in frame order. They read what dissectors found — fields
 * they asked for, flows, records — and never re-parse packet bytes. Every callback receives
 * `ctx`, the context to make records with (trawl_record_begin); at the end of input ctx is
 * not a real packet (no frame), only a context.
 */
#ifndef TRAWL_ANALYZER_H
#define TRAWL_ANALYZER_H

#include "common.h"

struct trawl_init;
struct trawl_packet;
struct trawl_flow;
struct trawl_record;

struct trawl_analyzer_def {
    size_t size;                      /* sizeof(struct trawl_analyzer_def) */
    const char *name;
    const char *desc;
    /* Fields it reads from packets (values of others are not stored for it), NULL-ended. */
    const char *const *fields;
    /* Record types it receives in record(), NULL-ended; NULL: none. */
    const char *const *records;
    /* Each may be NULL. */
    void (*packet)(struct trawl_packet *pkt, void *state);
    void (*flow_start)(struct trawl_packet *ctx, const struct trawl_flow *f, void *state);
    void (*flow_end)(struct trawl_packet *ctx, const struct trawl_flow *f, void *state);
    void (*record)(struct trawl_packet *ctx, const struct trawl_record *r, void *state);
    void (*finish)(struct trawl_packet *ctx, void *state);   /* after the last flow ended */
};

TRAWL_BEGIN_DECLS

/* Init phase. def must be static. */
TRAWL_API int trawl_analyzer_register(struct trawl_init *ctx, const struct trawl_analyzer_def *def,
                                      void *state);

TRAWL_END_DECLS
#endif
