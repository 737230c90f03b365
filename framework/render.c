/* render.c — packet sinks that format on the worker threads (trawl_sink_set_render, sink.h).
 *
 * With threads, each packet context carries one in-memory buffer per rendering sink. The
 * worker that dissected the packet calls the sinks' render callbacks into them; the merge
 * (reading thread, frame order) hands the finished bytes to the sinks' write callbacks, and
 * calls the packet callback of the other sinks, all in the sinks' order. A rendering failure
 * (no memory) falls back to the packet callback at the merge: the output stays the same.
 *
 * Stream numbers: the merge numbers flows in frame order (workers.c), after the worker
 * rendered. While a worker renders a packet that shows such numbers, trawl_out_value on that
 * packet's buffer leaves a gap and notes it (render_note); the merge writes the final number
 * there, formatted as the sink asked.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "oaindex.h"

__thread struct render_ctx *render_tl __attribute__((tls_model("initial-exec")));

int trawl_sink_set_render(struct trawl_sink *s, const struct trawl_sink_render *r)
{
    if (s->opened) return TRAWL_ESTATE;
    if (r && (!r->render || !r->write)) return TRAWL_EINVAL;
    s->render = r;
    return 0;
}

int render_start(struct trawl_engine *e)
{
    unsigned n = 0;
    for (struct trawl_sink *s = e->sinks; s; s = s->next) {
        s->render_idx = -1;
        if (s->render && !s->skip_packets && s->opened) n++;
    }
    e->render = 0;
    if (!n) return 0;
    e->render_sinks = calloc(n, sizeof *e->render_sinks);
    e->render_free_fns = calloc(n, sizeof *e->render_free_fns);
    if (!e->render_sinks || !e->render_free_fns) {
        free(e->render_sinks);
        free(e->render_free_fns);
        e->render_sinks = NULL;
        e->render_free_fns = NULL;
        return 0;                      /* the sinks' packet callbacks do it all at the merge */
    }
    for (struct trawl_sink *s = e->sinks; s; s = s->next) {
        if (!(s->render && !s->skip_packets && s->opened)) continue;
        s->render_idx = (int)e->render;
        e->render_free_fns[e->render] = s->render->free_scratch;
        e->render_sinks[e->render++] = s;
    }
    return 0;
}

bool render_note(struct trawl_out *o, const struct trawl_value *v, enum trawl_fmt fmt)
{
    struct render_ctx *c = render_tl;
    if (o != c->out) return false;
    size_t n;
    const struct trawl_value *vals = trawl_packet_values(c->pkt, &n);
    if (v < vals || v >= vals + n) return false;
    uint32_t idx = (uint32_t)(v - vals);
    const struct trawl_packet *p = c->pkt;
    bool stream = false;
    for (uint32_t i = 0; i < p->nstream_vals && !stream; i++) stream = p->stream_vals[i] == idx;
    if (!stream) return false;
    struct render_buf *b = c->b;
    if (b->npatch == b->cappatch) {
        uint32_t nc = b->cappatch ? b->cappatch * 2 : 4;
        struct render_patch *np = realloc(b->patch, nc * sizeof *np);
        if (!np) {
            o->err = 12;               /* ENOMEM: the merge falls back to the packet callback */
            return true;
        }
        b->patch = np;
        b->cappatch = nc;
    }
    b->patch[b->npatch++] = (struct render_patch){ v->v.u, v->field, (uint32_t)o->len, (uint8_t)fmt };
    return true;
}

void render_packet(struct trawl_engine *e, void **scratch, struct trawl_packet *pkt,
                   struct render_item *ri)
{
    if (!ri->b) {
        ri->b = calloc(e->render, sizeof *ri->b);
        if (!ri->b) return;
        for (unsigned k = 0; k < e->render; k++) trawl_out_init(&ri->b[k].out, NULL, 4096);
    }
    for (unsigned k = 0; k < e->render; k++) {
        struct trawl_sink *s = e->render_sinks[k];
        struct render_buf *b = &ri->b[k];
        if (!b->out.buf && trawl_out_init(&b->out, NULL, 4096) < 0) continue;
        b->out.len = 0;
        b->out.err = 0;
        b->npatch = 0;
        struct render_ctx c = { &b->out, b, pkt };
        render_tl = pkt->nstream_vals ? &c : NULL;
        s->render->render(s, pkt, &b->out, &scratch[k]);
        render_tl = NULL;
    }
}

/* Did any sink's rendering fail (no memory)? Then the merge needs the packet: it calls the
 * sink's packet callback instead. */
bool render_failed(struct trawl_engine *e, const struct render_item *ri)
{
    if (!ri->b) return true;
    for (unsigned k = 0; k < e->render; k++)
        if (!ri->b[k].out.buf || ri->b[k].out.err) return true;
    return false;
}

/* The bytes of b with the stream numbers put in the gaps, in rm->tmp; false on failure. A
 * number the merge did not map (a packet that made more flows than it can list) stays as the
 * worker numbered it, as in the packet's values (workers.c). */
static bool fill_patches(struct render_merge *rm, const struct render_buf *b, const struct oa_index *map)
{
    if (!rm->tmp.buf && trawl_out_init(&rm->tmp, NULL, 4096) < 0) return false;
    rm->tmp.len = 0;
    rm->tmp.err = 0;
    size_t at = 0;
    for (uint32_t i = 0; i < b->npatch; i++) {
        const struct render_patch *p = &b->patch[i];
        if (p->off < at || p->off > b->out.len) return false;
        trawl_out_mem(&rm->tmp, b->out.buf + at, p->off - at);
        uint64_t g = oa_find(map, p->prov, NULL, NULL);
        struct trawl_value v = { .field = p->field, .v.u = g ? g - 1 : p->prov };
        trawl_out_value(&rm->tmp, &v, (enum trawl_fmt)p->fmt);
        at = p->off;
    }
    trawl_out_mem(&rm->tmp, b->out.buf + at, b->out.len - at);
    return !rm->tmp.err;
}

void render_emit(struct trawl_engine *e, struct render_merge *rm, struct trawl_packet *pkt,
                 struct render_item *ri, const struct oa_index *map)
{
    for (struct trawl_sink *s = e->sinks; s; s = s->next) {
        if (s->skip_packets) continue;
        int k = s->render_idx;
        if (k >= 0 && ri->b && ri->b[k].out.buf && !ri->b[k].out.err) {
            const struct render_buf *b = &ri->b[k];
            if (!b->npatch) {
                s->render->write(s, b->out.buf, b->out.len);
                continue;
            }
            if (fill_patches(rm, b, map)) {
                s->render->write(s, rm->tmp.buf, rm->tmp.len);
                continue;
            }
        }
        if (pkt) s->ent->def->packet(s, pkt);
    }
    if (e->cb && pkt) e->cb(e->cb_user, pkt);
}

void render_item_free(struct trawl_engine *e, struct render_item *ri)
{
    if (!ri->b) return;
    for (unsigned k = 0; k < e->render; k++) {
        trawl_out_free(&ri->b[k].out);
        free(ri->b[k].patch);
    }
    free(ri->b);
    ri->b = NULL;
}

void render_scratch_free(struct trawl_engine *e, void **scratch)
{
    if (!scratch) return;
    for (unsigned k = 0; k < e->render; k++)
        if (scratch[k] && e->render_free_fns[k]) e->render_free_fns[k](scratch[k]);
    free(scratch);
}

void render_free(struct trawl_engine *e, struct render_merge *rm)
{
    trawl_out_free(&rm->tmp);
    free(e->render_sinks);
    free(e->render_free_fns);
    e->render_sinks = NULL;
    e->render_free_fns = NULL;
    e->render = 0;
}
