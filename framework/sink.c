/* sink.c — sink definitions, sink instances and what they want.
 *
 * "Wanting" is how work is skipped: a bitmap over field ids that sinks, callbacks (and later
 * filters and analyzers) set before the first packet; dissectors' values for other fields are
 * never stored and trawl_wants() lets them skip the formatting too.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

int trawl_sink_register(struct trawl_init *ctx, const struct trawl_sink_def *def, void *plugin_state)
{
    if (ctx->phase != 1 || ctx->e->started) return TRAWL_ESTATE;
    if (!def || !def->name || !*def->name || (!def->packet && !def->record)) {
        trawl_init_log(ctx, TRAWL_LOG_ERROR, "sink definition needs a name and a packet or record callback");
        ctx->failed = true;
        return TRAWL_EINVAL;
    }
    struct sink_def_entry *s = NULL;
    HASH_FIND_STR(ctx->e->sink_defs, def->name, s);
    if (s) {
        trawl_init_log(ctx, TRAWL_LOG_ERROR, "sink '%s' is already registered by plugin %s", def->name,
                       s->owner ? s->owner->name : "engine");
        ctx->failed = true;
        return TRAWL_EEXIST;
    }
    s = calloc(1, sizeof *s);
    if (!s) return TRAWL_ENOMEM;
    s->def = def;
    s->plugin_state = plugin_state;
    s->owner = ctx->plugin;
    HASH_ADD_KEYPTR(hh, ctx->e->sink_defs, def->name, strlen(def->name), s);
    if (ctx->plugin) ctx->plugin->sinks++;
    return 0;
}

void engine_want_id(struct trawl_engine *e, uint32_t id)
{
    if (id < e->nfields) e->wanted[id >> 3] |= (uint8_t)(1u << (id & 7));
    e->wants_dirty = true;
}

static void sink_free(struct trawl_sink *s)
{
    for (size_t i = 0; i < s->nopts; i++) { free(s->keys[i]); free(s->vals[i]); }
    free(s->keys); free(s->vals); free(s->scratch); free(s->rtypes); free(s);
}

struct trawl_sink *trawl_engine_add_sink(struct trawl_engine *e, const char *name, FILE *out,
                                         const char *const *options)
{
    if (!e->started) { engine_error(e, TRAWL_ESTATE, "sinks are added after trawl_engine_start"); return NULL; }
    struct sink_def_entry *d = NULL;
    if (name) HASH_FIND_STR(e->sink_defs, name, d);
    if (!d) {
        char list[512] = "";
        struct sink_def_entry *x, *tmp;
        HASH_ITER(hh, e->sink_defs, x, tmp) {
            if (*list) strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, x->def->name, sizeof list - strlen(list) - 1);
        }
        engine_error(e, TRAWL_ENOENT, "no output sink '%s' is loaded (available: %s)", name ? name : "",
                     *list ? list : "none");
        return NULL;
    }
    struct trawl_sink *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->e = e;
    s->ent = d;
    s->render_idx = -1;
    s->out = out ? out : stdout;
    size_t n = 0;
    while (options && options[n]) n++;
    s->keys = calloc(n + 1, sizeof *s->keys);
    s->vals = calloc(n + 1, sizeof *s->vals);
    s->scratch = calloc(n + 1, sizeof *s->scratch);
    if (!s->keys || !s->vals || !s->scratch) { sink_free(s); return NULL; }
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(options[i], '=');
        s->keys[i] = eq ? strndup(options[i], (size_t)(eq - options[i])) : strdup(options[i]);
        s->vals[i] = strdup(eq ? eq + 1 : "");
        s->nopts++;
    }
    if (d->def->open) {
        int rc = d->def->open(s);
        if (rc < 0) {
            engine_error(e, rc, "sink %s: could not open (%s)", name, trawl_strerror(rc));
            sink_free(s);
            return NULL;
        }
    }
    s->opened = true;
    if (!d->def->packet) s->skip_packets = true;
    struct trawl_sink **tail = &e->sinks;
    while (*tail) tail = &(*tail)->next;
    *tail = s;
    return s;
}

FILE *trawl_sink_out(struct trawl_sink *s) { return s->out; }
void trawl_sink_set_state(struct trawl_sink *s, void *state) { s->state = state; }
void *trawl_sink_state(struct trawl_sink *s) { return s->state; }
void *trawl_sink_plugin_state(struct trawl_sink *s) { return s->ent->plugin_state; }

size_t trawl_sink_options(struct trawl_sink *s, const char *key, const char *const **vals)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nopts; i++)
        if (!strcmp(s->keys[i], key)) s->scratch[n++] = s->vals[i];
    s->scratch[n] = NULL;
    if (vals) *vals = s->scratch;
    return n;
}

const char *trawl_sink_option(struct trawl_sink *s, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; i < s->nopts; i++)
        if (!strcmp(s->keys[i], key)) v = s->vals[i];
    return v;
}

const struct trawl_field *trawl_engine_field_find(const struct trawl_engine *e, const char *name)
{
    struct field_name *fn = NULL;
    if (name) HASH_FIND_STR(e->fields_by_name, name, fn);
    return fn ? fn->first : NULL;
}

const struct trawl_field *trawl_sink_want_field(struct trawl_sink *s, const char *name)
{
    return trawl_engine_want_field(s->e, name);
}

const struct trawl_field *trawl_engine_want_field(struct trawl_engine *e, const char *name)
{
    const struct trawl_field *f = trawl_engine_field_find(e, name);
    if (f) engine_want_id(e, f->id);
    return f;
}

void trawl_sink_want_all(struct trawl_sink *s) { trawl_engine_want_all(s->e); }
void trawl_engine_want_all(struct trawl_engine *e) { e->want_all = true; e->wants_dirty = true; }
void trawl_sink_want_cols(struct trawl_sink *s) { s->e->want_cols = true; }
void trawl_engine_want_cols(struct trawl_engine *e) { e->want_cols = true; }

void trawl_sink_stop(struct trawl_sink *s) { trawl_engine_stop(s->e); }

void trawl_sink_log(struct trawl_sink *s, enum trawl_log_level level, const char *fmt, ...)
{
    char msg[1024], origin[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(origin, sizeof origin, "sink %s", s->ent->def->name);
    engine_log(s->e, level, origin, "%s", msg);
}

uint32_t trawl_sink_field_count(struct trawl_sink *s) { return (uint32_t)s->e->nfields; }
const struct trawl_field *trawl_sink_field_by_id(struct trawl_sink *s, uint32_t id)
{
    return trawl_engine_field(s->e, id);
}
uint32_t trawl_engine_field_count(const struct trawl_engine *e) { return (uint32_t)e->nfields; }
const struct trawl_field *trawl_engine_field(const struct trawl_engine *e, uint32_t id)
{
    return id < e->nfields ? e->fields[id]->first : NULL;
}
uint32_t trawl_engine_proto_count(const struct trawl_engine *e) { return (uint32_t)e->nprotos; }
const struct trawl_proto *trawl_engine_proto(const struct trawl_engine *e, uint32_t id)
{
    return id < e->nprotos ? &e->protos[id]->pub : NULL;
}

int trawl_engine_on_packet(struct trawl_engine *e, trawl_packet_cb cb, void *user)
{
    e->cb = cb;
    e->cb_user = user;
    return 0;
}

void sinks_emit(struct trawl_engine *e, const struct trawl_packet *pkt)
{
    for (struct trawl_sink *s = e->sinks; s; s = s->next)
        if (!s->skip_packets) s->ent->def->packet(s, pkt);
    if (e->cb) e->cb(e->cb_user, pkt);
}

int sinks_close(struct trawl_engine *e)
{
    int first = 0;
    for (struct trawl_sink *s = e->sinks; s; s = s->next) {
        if (!s->opened) continue;
        s->opened = false;
        int rc = s->ent->def->close ? s->ent->def->close(s) : 0;
        if (rc == 0 && fflush(s->out) != 0) rc = TRAWL_EIO;
        if (rc < 0) {
            /* The sink said what went wrong; the caller reports this summary. */
            if (!first) first = engine_error(e, rc, "sink %s: %s", s->ent->def->name, trawl_strerror(rc));
        }
    }
    return first;
}

void sinks_free(struct trawl_engine *e)
{
    sinks_close(e);
    for (struct trawl_sink *s = e->sinks, *n; s; s = n) { n = s->next; sink_free(s); }
    e->sinks = NULL;
}
