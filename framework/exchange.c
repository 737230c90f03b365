/* exchange.c — transactions that cross flows (exchange.h): a ring of open exchanges in the
 * order they opened, so the oldest is always at the head (watch time and cap both end the
 * oldest first), and an index by key. Used only from analyzers' record callbacks and finish,
 * which run in frame order on one thread: no locks. */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "oaindex.h"

struct trawl_exchanges {
    struct trawl_exchange *ring;      /* max slots; [head, head + n) are open, oldest first */
    unsigned char *data;              /* max * data_size */
    size_t data_size;
    unsigned max, head, n;
    int64_t watch_ns;
    struct oa_index by_key;           /* key -> slot + 1 */
    trawl_exchange_emit_fn emit;
    void *user;
};

struct trawl_exchanges *trawl_exchanges_new(size_t data_size, unsigned max_open, int64_t watch_ns,
                                            trawl_exchange_emit_fn emit, void *user)
{
    if (!max_open || !emit) return NULL;
    struct trawl_exchanges *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    x->ring = calloc(max_open, sizeof *x->ring);
    x->data = calloc(max_open, data_size ? data_size : 1);
    if (!x->ring || !x->data) { trawl_exchanges_free(x); return NULL; }
    x->data_size = data_size;
    x->max = max_open;
    x->watch_ns = watch_ns;
    x->emit = emit;
    x->user = user;
    return x;
}

void trawl_exchanges_free(struct trawl_exchanges *x)
{
    if (!x) return;
    free(x->ring);
    free(x->data);
    free(x->by_key.s);
    free(x);
}

/* End the oldest open exchange. */
static void end_oldest(struct trawl_exchanges *x, struct trawl_packet *ctx)
{
    struct trawl_exchange *e = &x->ring[x->head];
    x->emit(ctx, e, x->user);
    oa_del(&x->by_key, e->key, (uint64_t)x->head + 1);
    x->head = (x->head + 1) % x->max;
    x->n--;
}

void trawl_exchanges_flush(struct trawl_exchanges *x, struct trawl_packet *ctx)
{
    while (x && x->n) end_oldest(x, ctx);
}

static const struct trawl_value *col_value(const struct trawl_record *r, unsigned col)
{
    return trawl_record_value(r, col);
}

struct trawl_exchange *trawl_exchange_join(struct trawl_exchanges *x, struct trawl_packet *ctx,
                                           const struct trawl_record *msg, unsigned col,
                                           uint64_t key, uint16_t kind)
{
    const struct trawl_value *ts = col_value(msg, col), *v;
    if (!x || !ts) return NULL;
    int64_t now = ts->v.i;
    while (x->n && now - x->ring[x->head].first_ns > x->watch_ns) end_oldest(x, ctx);
    uint64_t slot = oa_find(&x->by_key, key, NULL, NULL);
    struct trawl_exchange *e;
    if (slot) {
        e = &x->ring[slot - 1];
    } else {
        if (x->n == x->max) end_oldest(x, ctx);
        unsigned i = (x->head + x->n) % x->max;
        if (!oa_add(&x->by_key, key, (uint64_t)i + 1)) return NULL;
        x->n++;
        e = &x->ring[i];
        memset(e, 0, sizeof *e);
        e->data = x->data + (size_t)i * x->data_size;
        memset(e->data, 0, x->data_size);
        e->key = key;
        e->first_ns = now;
        if ((v = col_value(msg, col + 4))) e->first_frame = v->v.u;
        if ((v = col_value(msg, col + 3))) e->file = (uint32_t)v->v.u;
        if ((v = col_value(msg, col + 2)) && v->len < sizeof e->community_id) {
            memcpy(e->community_id, v->v.p, v->len);
            e->community_id[v->len] = 0;
        }
    }
    e->last_ns = now;
    if ((v = col_value(msg, col + 4))) e->last_frame = v->v.u;
    if ((v = col_value(msg, col + 1)) && v->len < TRAWL_FLOW_UID_SIZE) {
        bool seen = false;
        for (unsigned i = 0; i < e->nuids && !seen; i++)
            seen = strlen(e->uids[i]) == v->len && !memcmp(e->uids[i], v->v.p, v->len);
        if (!seen && e->nuids < TRAWL_EXCHANGE_MAX_UIDS) {
            memcpy(e->uids[e->nuids], v->v.p, v->len);
            e->uids[e->nuids++][v->len] = 0;
        }
    }
    if (e->nkinds < TRAWL_EXCHANGE_MAX_KINDS) e->kinds[e->nkinds++] = kind;
    return e;
}

void trawl_rec_message_id(struct trawl_record *r, unsigned col, struct trawl_packet *pkt)
{
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    struct trawl_flow *f = trawl_packet_flow(pkt);
    if (!r || !fr) return;
    trawl_rec_time(r, col, fr->ts_ns);
    if (f) {
        trawl_rec_cstring(r, col + 1, trawl_flow_info(f)->uid);
        trawl_rec_cstring(r, col + 2, trawl_flow_community_id(f));
    }
    trawl_rec_uint(r, col + 3, fr->file_index);
    trawl_rec_uint(r, col + 4, fr->number);
}

void trawl_rec_exchange_evidence(struct trawl_record *r, unsigned col, struct trawl_packet *ctx,
                                 const struct trawl_exchange *x)
{
    if (!r || !x) return;
    trawl_rec_evidence(r, col, ctx, NULL, x->file, x->first_frame, x->last_frame);
    if (x->community_id[0]) trawl_rec_cstring(r, col, x->community_id);
}
