/* packet.c — the per-packet context: layers, values, columns, arena, and calling dissectors.
 *
 * Adding a value is one bounds check, one bit test and one store: values nobody wants are not
 * stored, and strings point into the packet or the arena. The arena and the value array are
 * allocated once per worker and reset per packet, so the steady path never calls malloc.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

int packet_init(struct trawl_packet *pkt, struct trawl_engine *e)
{
    memset(pkt, 0, sizeof *pkt);
    pkt->e = e;
    pkt->home = pkt;
    pkt->wstats = &e->stats;
    pkt->capvals = 1024;
    pkt->vals = malloc(pkt->capvals * sizeof *pkt->vals);
    pkt->arena_cap = e->opt.packet_arena ? e->opt.packet_arena : DEFAULT_ARENA;
    pkt->arena = malloc(pkt->arena_cap);
    return pkt->vals && pkt->arena ? 0 : TRAWL_ENOMEM;
}

void packet_free(struct trawl_packet *pkt)
{
    if (pkt->home == pkt) defrag_free(pkt);   /* the worker's table, once */
    free(pkt->vals);
    free(pkt->arena);
    pkt->vals = NULL;
    pkt->arena = NULL;
}

void packet_reset(struct trawl_packet *pkt, const struct trawl_frame *frame, const uint8_t *data)
{
    struct trawl_engine *e = pkt->e;
    pkt->frame = *frame;
    pkt->data = data;
    pkt->nvals = 0;
    pkt->nlayers = 0;
    pkt->cur = NULL;
    pkt->cur_layer = pkt->depth = pkt->tree_depth = pkt->quote_depth = 0;
    pkt->next_hints = pkt->cur_hints = 0;
    pkt->errors = 0;
    pkt->depth_exceeded = pkt->values_dropped = false;
    pkt->wanted = e->wanted;
    pkt->want_all = e->want_all;
    pkt->cols_wanted = e->want_cols;
    for (int i = 0; i < TRAWL_COL__COUNT; i++) { pkt->cols[i][0] = 0; pkt->col_len[i] = 0; }
    pkt->arena_used = 0;
}

/* ---- dispatch ---------------------------------------------------------------------------- */

/* Run one dissector on b as a new layer. Its reads latch into a fresh flag so truncation and
 * malformation are pinned on the protocol that hit them. A dissector that says "not mine"
 * (returns 0) leaves no trace: its layer and values are rolled back. */
bool packet_call(struct trawl_packet *pkt, struct proto_entry *p, struct trawl_buf *b, unsigned hints)
{
    return packet_dissect(pkt, p, b, hints) > 0;
}

/* packet_call, returning what the dissector returned (bytes used; 0: not mine). */
int packet_dissect(struct trawl_packet *pkt, struct proto_entry *p, struct trawl_buf *b, unsigned hints)
{
    if (!p->def->dissect) return 0;
    if (pkt->depth >= TRAWL_MAX_DEPTH || pkt->nlayers >= MAX_LAYERS) {
        pkt->depth_exceeded = true;
        return 0;
    }
    const struct proto_entry *saved_cur = pkt->cur;
    uint16_t saved_layer = pkt->cur_layer, saved_tree = pkt->tree_depth;
    unsigned saved_hints = pkt->cur_hints;
    size_t saved_vals = pkt->nvals, idx = pkt->nlayers++;
    pkt->layers[idx] = (struct trawl_layer){ &p->pub, b->base, b->len, 0,
                                             (uint8_t)((pkt->quote_depth ? TRAWL_LAYER_QUOTED : 0) |
                                                       (pkt->in_stream ? TRAWL_LAYER_STREAM : 0)) };
    pkt->cur_hints = hints;
    uint8_t latch = 0;
    struct trawl_buf view = *b;
    view.err = &latch;
    pkt->cur = p;
    pkt->cur_layer = (uint16_t)idx;
    pkt->tree_depth = 0;
    pkt->depth++;
    int r = p->def->dissect(pkt, &view, p->state);
    pkt->depth--;
    pkt->cur = saved_cur;
    pkt->cur_layer = saved_layer;
    pkt->tree_depth = saved_tree;
    pkt->cur_hints = saved_hints;
    if (r <= 0) {
        pkt->nvals = saved_vals;
        pkt->nlayers = idx;
        return 0;
    }
    pkt->layers[idx].err = latch;
    if (!pkt->quote_depth && !pkt->muted) pkt->errors |= latch;
    return r;
}

bool trawl_dissect_quote(struct trawl_packet *pkt, const struct trawl_proto *p, struct trawl_buf *b)
{
    pkt->quote_depth++;
    bool took = trawl_dissect_proto(pkt, p, b);   /* takes the pending hints */
    pkt->quote_depth--;
    return took;
}

bool trawl_packet_in_quote(const struct trawl_packet *pkt) { return pkt->quote_depth > 0; }
void trawl_packet_hint(struct trawl_packet *pkt, unsigned hints) { pkt->next_hints = hints; }
unsigned trawl_packet_hints(const struct trawl_packet *pkt) { return pkt->cur_hints; }

const struct trawl_proto *trawl_packet_proto(const struct trawl_packet *pkt)
{
    return pkt->cur ? &pkt->cur->pub : NULL;
}

/* ---- values ------------------------------------------------------------------------------ */

static inline bool wanted_id(const struct trawl_packet *pkt, uint32_t id)
{
    return pkt->want_all || (pkt->wanted[id >> 3] >> (id & 7) & 1);
}

bool trawl_wants(const struct trawl_packet *pkt, unsigned idx)
{
    const struct proto_entry *p = pkt->cur;
    return p && p->any_wanted && idx < p->pub.nfields && wanted_id(pkt, p->fields[idx].id);
}

/* The slot for a new value of field idx, or NULL when nobody wants it. Inlined in each
 * trawl_add_*: most calls are for values nobody wants, and they should cost a few loads. */
static inline __attribute__((always_inline)) struct trawl_value *slot(struct trawl_packet *pkt, unsigned idx)
{
    const struct proto_entry *p = pkt->cur;
    if (TRAWL_UNLIKELY(!p) || !p->any_wanted || TRAWL_UNLIKELY(idx >= p->pub.nfields)) return NULL;
    const struct trawl_field *f = &p->fields[idx];
    if (!wanted_id(pkt, f->id)) return NULL;
    if (TRAWL_UNLIKELY(pkt->nvals == pkt->capvals)) {
        if (pkt->capvals >= MAX_VALUES) { pkt->values_dropped = true; return NULL; }
        size_t nc = pkt->capvals * 2;
        struct trawl_value *nv = realloc(pkt->vals, nc * sizeof *nv);
        if (!nv) { pkt->values_dropped = true; return NULL; }
        pkt->vals = nv;
        pkt->capvals = nc;
    }
    struct trawl_value *v = &pkt->vals[pkt->nvals++];
    v->field = f;
    v->len = 0;
    v->layer = pkt->cur_layer;
    v->depth = pkt->tree_depth;
    return v;
}

void trawl_add_uint(struct trawl_packet *pkt, unsigned idx, uint64_t x)
{
    struct trawl_value *v = slot(pkt, idx);
    if (v) v->v.u = x;
}
void trawl_add_int(struct trawl_packet *pkt, unsigned idx, int64_t x)
{
    struct trawl_value *v = slot(pkt, idx);
    if (v) v->v.i = x;
}
void trawl_add_bool(struct trawl_packet *pkt, unsigned idx, bool x)
{
    struct trawl_value *v = slot(pkt, idx);
    if (v) v->v.u = x ? 1 : 0;
}
void trawl_add_double(struct trawl_packet *pkt, unsigned idx, double x)
{
    struct trawl_value *v = slot(pkt, idx);
    if (v) v->v.d = x;
}
void trawl_add_time(struct trawl_packet *pkt, unsigned idx, int64_t ns)
{
    struct trawl_value *v = slot(pkt, idx);
    if (v) v->v.i = ns;
}
void trawl_add_bytes(struct trawl_packet *pkt, unsigned idx, const uint8_t *p, uint32_t len)
{
    struct trawl_value *v = slot(pkt, idx);
    if (v) { v->v.p = p; v->len = p ? len : 0; }
}
void trawl_add_string(struct trawl_packet *pkt, unsigned idx, const char *s, uint32_t len)
{
    trawl_add_bytes(pkt, idx, (const uint8_t *)s, len);
}
void trawl_add_cstring(struct trawl_packet *pkt, unsigned idx, const char *s)
{
    struct trawl_value *v = slot(pkt, idx);     /* before strlen: most values are not wanted */
    if (v) { v->v.p = (const uint8_t *)s; v->len = s ? (uint32_t)strlen(s) : 0; }
}

void trawl_add_stringf(struct trawl_packet *pkt, unsigned idx, const char *fmt, ...)
{
    if (!trawl_wants(pkt, idx)) return;
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    char *s = trawl_packet_alloc(pkt, (size_t)n + 1);
    if (!s) return;
    if ((size_t)n < sizeof tmp) memcpy(s, tmp, (size_t)n + 1);
    else { va_start(ap, fmt); vsnprintf(s, (size_t)n + 1, fmt, ap); va_end(ap); }
    trawl_add_string(pkt, idx, s, (uint32_t)n);
}

void trawl_add_addr(struct trawl_packet *pkt, unsigned idx, const uint8_t *p)
{
    struct trawl_value *v = slot(pkt, idx);
    if (!v) return;
    uint32_t n = v->field->type == TRAWL_FT_IPV4 ? 4 : v->field->type == TRAWL_FT_IPV6 ? 16 :
                 v->field->type == TRAWL_FT_ETHER ? 6 : 0;
    v->v.p = p;
    v->len = p ? n : 0;
}

void trawl_tree_push(struct trawl_packet *pkt, unsigned idx)
{
    struct trawl_value *v = slot(pkt, idx);
    if (v) v->v.u = 0;
    pkt->tree_depth++;
}

void trawl_tree_pop(struct trawl_packet *pkt)
{
    if (pkt->tree_depth) pkt->tree_depth--;
}

/* ---- columns ----------------------------------------------------------------------------- */

bool trawl_cols_wanted(const struct trawl_packet *pkt) { return pkt->cols_wanted && !pkt->quote_depth && !pkt->muted; }

static void col_vput(struct trawl_packet *pkt, enum trawl_col c, bool append, const char *fmt, va_list ap)
{
    if (!pkt->cols_wanted || pkt->quote_depth || pkt->muted || (unsigned)c >= TRAWL_COL__COUNT) return;
    if (c == TRAWL_COL_PROTOCOL) pkt->proto_col_nlayers = pkt->nlayers;
    size_t at = append ? pkt->col_len[c] : 0;
    int n = vsnprintf(pkt->cols[c] + at, COL_MAX - at, fmt, ap);
    if (n < 0) n = 0;
    at += (size_t)n;
    pkt->col_len[c] = at < COL_MAX ? at : COL_MAX - 1;
}

void trawl_col_set(struct trawl_packet *pkt, enum trawl_col c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    col_vput(pkt, c, false, fmt, ap);
    va_end(ap);
}

void trawl_col_append(struct trawl_packet *pkt, enum trawl_col c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    col_vput(pkt, c, true, fmt, ap);
    va_end(ap);
}

/* ---- arena and reading ------------------------------------------------------------------- */

void *trawl_packet_alloc(struct trawl_packet *pkt, size_t n)
{
    size_t at = (pkt->arena_used + 15) & ~(size_t)15;
    if (n > pkt->arena_cap || at > pkt->arena_cap - n) { pkt->values_dropped = true; return NULL; }
    pkt->arena_used = at + n;
    return pkt->arena + at;
}

const struct trawl_frame *trawl_packet_frame(const struct trawl_packet *pkt) { return &pkt->frame; }
int64_t trawl_packet_time_relative(const struct trawl_packet *pkt) { return pkt->rel_ns; }
const char *trawl_packet_file_name(const struct trawl_packet *pkt, uint32_t file_index)
{
    return pkt && pkt->e ? trawl_engine_file_name(pkt->e, file_index) : NULL;
}
const uint8_t *trawl_packet_data(const struct trawl_packet *pkt) { return pkt->data; }
unsigned trawl_packet_errors(const struct trawl_packet *pkt) { return pkt->errors; }

const struct trawl_value *trawl_packet_values(const struct trawl_packet *pkt, size_t *count)
{
    if (count) *count = pkt->nvals;
    return pkt->vals;
}

const struct trawl_layer *trawl_packet_layers(const struct trawl_packet *pkt, size_t *count)
{
    if (count) *count = pkt->nlayers;
    return pkt->layers;
}

const char *trawl_packet_col(const struct trawl_packet *pkt, enum trawl_col c)
{
    return (unsigned)c < TRAWL_COL__COUNT ? pkt->cols[c] : "";
}

const char *trawl_packet_protocol(const struct trawl_packet *pkt)
{
    /* Only the engine's frame layer: no dissector took the frame (tshark leaves it empty). */
    if (pkt->nlayers <= 1) return "";
    if (pkt->col_len[TRAWL_COL_PROTOCOL] && pkt->proto_col_nlayers == pkt->nlayers)
        return pkt->cols[TRAWL_COL_PROTOCOL];
    const struct trawl_proto *p = pkt->layers[pkt->nlayers - 1].proto;
    return p->column ? p->column : p->name;
}

/* frame.* values: the engine's own layer 0, added before the link-layer dissector runs. */
enum { FR_NUMBER, FR_TIME, FR_EPOCH, FR_REL, FR_DELTA, FR_LEN, FR_CAPLEN, FR_IFACE, FR_COMMENT,
       FR_ENCAP, FR_FILE, FR_OFFSET, FR_PROTOCOLS };

void packet_add_frame_fields(struct trawl_packet *pkt, const char *file_name, int64_t rel_ns,
                             int64_t delta_ns)
{
    const struct trawl_frame *f = &pkt->frame;
    pkt->cur = pkt->e->frame_proto;
    pkt->cur_layer = 0;
    pkt->layers[0] = (struct trawl_layer){ &pkt->e->frame_proto->pub, 0, f->len, 0, 0 };
    pkt->nlayers = 1;
    trawl_add_uint(pkt, FR_NUMBER, f->number);
    if (!(f->flags & TRAWL_FRAME_NO_TS)) {
        trawl_add_time(pkt, FR_TIME, f->ts_ns);
        trawl_add_time(pkt, FR_EPOCH, f->ts_ns);
        trawl_add_time(pkt, FR_REL, rel_ns);
        trawl_add_time(pkt, FR_DELTA, delta_ns);
    }
    trawl_add_uint(pkt, FR_LEN, f->len);
    trawl_add_uint(pkt, FR_CAPLEN, f->caplen);
    if (f->flags & TRAWL_FRAME_HAS_IFACE) trawl_add_uint(pkt, FR_IFACE, f->interface_id);
    if (f->comment) trawl_add_string(pkt, FR_COMMENT, f->comment, f->comment_len);
    trawl_add_int(pkt, FR_ENCAP, f->linktype);
    if (file_name) trawl_add_cstring(pkt, FR_FILE, file_name);
    trawl_add_uint(pkt, FR_OFFSET, f->file_offset);
}

/* frame.protocols ("eth:ip:udp:dns") once the layers are known. */
void packet_add_protocols(struct trawl_packet *pkt);
void packet_add_protocols(struct trawl_packet *pkt)
{
    pkt->cur = pkt->e->frame_proto;
    pkt->cur_layer = 0;
    pkt->tree_depth = 0;
    if (!trawl_wants(pkt, FR_PROTOCOLS)) return;
    size_t n = 0;
    for (size_t i = 1; i < pkt->nlayers; i++) n += strlen(pkt->layers[i].proto->name) + 1;
    char *s = trawl_packet_alloc(pkt, n + 1);
    if (!s) return;
    size_t at = 0;
    for (size_t i = 1; i < pkt->nlayers; i++) {
        size_t l = strlen(pkt->layers[i].proto->name);
        if (at) s[at++] = ':';
        memcpy(s + at, pkt->layers[i].proto->name, l);
        at += l;
    }
    s[at] = 0;
    trawl_add_string(pkt, FR_PROTOCOLS, s, (uint32_t)at);
    pkt->cur = NULL;
}
