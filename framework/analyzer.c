/* analyzer.c — analyzers: registration, what they want, and their events.
 *
 * Events run in a fixed order (registration order, plugins in name order), after the packet's
 * dissection, so an analyzer sees the same things on every run.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

void records_mark_wanted(struct trawl_engine *e, uint8_t *bits, const char *type);

int trawl_analyzer_register(struct trawl_init *ctx, const struct trawl_analyzer_def *def, void *state)
{
    if (!ctx || ctx->phase != 1 || ctx->e->started) {
        if (ctx) { trawl_init_log(ctx, TRAWL_LOG_ERROR, "trawl_analyzer_register belongs in init"); ctx->failed = true; }
        return TRAWL_ESTATE;
    }
    if (!def || def->size < sizeof *def || !def->name || !*def->name) {
        trawl_init_log(ctx, TRAWL_LOG_ERROR, "analyzer definition needs its size and a name");
        ctx->failed = true;
        return TRAWL_EINVAL;
    }
    struct trawl_engine *e = ctx->e;
    struct analyzer_entry *na = realloc(e->analyzers, (e->nanalyzers + 1) * sizeof *na);
    if (!na) return TRAWL_ENOMEM;
    e->analyzers = na;
    na[e->nanalyzers++] = (struct analyzer_entry){ .def = def, .state = state, .owner = ctx->plugin };
    return 0;
}

void analyzers_purge_plugin(struct trawl_engine *e, struct plugin_entry *pl)
{
    size_t j = 0;
    for (size_t i = 0; i < e->nanalyzers; i++) {
        if (e->analyzers[i].owner == pl) free(e->analyzers[i].rtypes);
        else e->analyzers[j++] = e->analyzers[i];
    }
    e->nanalyzers = j;
}

/* After field ids and record ids: mark what analyzers read. */
int analyzers_start(struct trawl_engine *e)
{
    for (size_t i = 0; i < e->nanalyzers; i++) {
        struct analyzer_entry *a = &e->analyzers[i];
        for (const char *const *f = a->def->fields; f && *f; f++) {
            const struct trawl_field *fd = trawl_engine_field_find(e, *f);
            if (fd) engine_want_id(e, fd->id);
            else engine_log(e, TRAWL_LOG_WARN, a->def->name, "analyzer wants field '%s', which no loaded plugin declares", *f);
        }
        if (!a->def->records) continue;
        if (!(a->rtypes = calloc(e->nrtypes / 8 + 1, 1))) return TRAWL_ENOMEM;
        for (const char *const *t = a->def->records; *t; t++) records_mark_wanted(e, a->rtypes, *t);
    }
    return 0;
}

void analyzers_free(struct trawl_engine *e)
{
    for (size_t i = 0; i < e->nanalyzers; i++) free(e->analyzers[i].rtypes);
    free(e->analyzers);
    e->analyzers = NULL;
    e->nanalyzers = 0;
}

void analyzers_packet(struct trawl_packet *pkt)
{
    struct trawl_engine *e = pkt->e;
    for (size_t i = 0; i < e->nanalyzers; i++)
        if (e->analyzers[i].def->packet) e->analyzers[i].def->packet(pkt, e->analyzers[i].state);
}

void analyzers_flow(struct trawl_packet *ctx, const struct trawl_flow *f, bool end)
{
    struct trawl_engine *e = ctx->e;
    for (size_t i = 0; i < e->nanalyzers; i++) {
        const struct trawl_analyzer_def *d = e->analyzers[i].def;
        void (*fn)(struct trawl_packet *, const struct trawl_flow *, void *) = end ? d->flow_end : d->flow_start;
        if (fn) fn(ctx, f, e->analyzers[i].state);
    }
}

void analyzers_record(struct trawl_packet *ctx, const struct trawl_record *r)
{
    struct trawl_engine *e = ctx->e;
    uint32_t id = trawl_record_get_type(r)->id;
    for (size_t i = 0; i < e->nanalyzers; i++) {
        struct analyzer_entry *a = &e->analyzers[i];
        if (a->def->record && a->rtypes && (a->rtypes[id >> 3] >> (id & 7) & 1))
            a->def->record(ctx, r, a->state);
    }
}

void analyzers_finish(struct trawl_packet *ctx)
{
    struct trawl_engine *e = ctx->e;
    for (size_t i = 0; i < e->nanalyzers; i++)
        if (e->analyzers[i].def->finish) e->analyzers[i].def->finish(ctx, e->analyzers[i].state);
}
