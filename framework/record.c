/* record.c — record types, building records, and routing them to analyzers, sinks and the
 * embedder's callback.
 *
 * A record type registers a protocol of the same name (NAME.record when a dissector has the
 * name) whose fields are its columns
 * ("conn.uid"), so records share the field registry (ids, `trawl fields`, formatting) with
 * packets. Records made while a packet is dissected wait in the worker's queue until the
 * packet's own output is done (records_flush); others go out at once. Record objects and their
 * value copies are recycled through a free list: the steady path allocates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

#define REC_BLOCK 4096
#define MAX_RECORDS_PER_FLUSH 100000   /* analyzers feeding each other cannot loop forever */

struct rec_block {
    struct rec_block *next;
    size_t used, cap;
    uint8_t data[];
};

/* ---- registration ------------------------------------------------------------------------ */

static bool column_ok(const char *s)
{
    if (!s || !*s || *s == '.') return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
        if (c == '.' && (s[1] == '.' || s[1] == 0)) return false;
    }
    return true;
}

static const struct trawl_record_type *rt_fail(struct trawl_init *ctx, const char *msg, const char *what)
{
    trawl_init_log(ctx, TRAWL_LOG_ERROR, "record type %s: %s", what ? what : "(null)", msg);
    ctx->failed = true;
    return NULL;
}

const struct trawl_record_type *trawl_record_register(struct trawl_init *ctx,
                                                      const struct trawl_record_def *def)
{
    if (!ctx || ctx->phase != 1 || ctx->e->started) {
        if (ctx) rt_fail(ctx, "trawl_record_register belongs in init", def ? def->name : NULL);
        return NULL;
    }
    if (!def || def->size < sizeof *def) return rt_fail(ctx, "def->size is not sizeof(struct trawl_record_def)", def ? def->name : NULL);
    if (!def->name || !column_ok(def->name) || strchr(def->name, '.'))
        return rt_fail(ctx, "name must be [a-z0-9_]+", def->name);
    if (!def->nfields || !def->fields) return rt_fail(ctx, "no columns", def->name);
    struct record_type_entry *old = NULL;
    HASH_FIND_STR(ctx->e->rtypes_by_name, def->name, old);
    if (old) return rt_fail(ctx, "already registered", def->name);
    for (unsigned i = 0; i < def->nfields; i++) {
        if (!column_ok(def->fields[i].name)) return rt_fail(ctx, "a column name is not [A-Za-z0-9_.]+", def->name);
        for (unsigned j = 0; j < i; j++)
            if (!strcmp(def->fields[i].name, def->fields[j].name)) return rt_fail(ctx, "a column is declared twice", def->name);
    }
    size_t nl = strlen(def->name);
    struct record_type_entry *t = calloc(1, sizeof *t + nl + sizeof ".record");
    if (!t || !(t->fdefs = calloc(def->nfields, sizeof *t->fdefs))) {
        free(t);
        return rt_fail(ctx, "out of memory", def->name);
    }
    /* The columns' protocol takes the record's name, or NAME.record when the dissector that
     * makes the records registered that name first ("dns", "http"). */
    char *pname = (char *)(t + 1);
    struct proto_entry *same = NULL;
    HASH_FIND_STR(ctx->e->protos_by_name, def->name, same);
    memcpy(pname, def->name, nl + 1);
    if (same) memcpy(pname + nl, ".record", sizeof ".record");
    for (unsigned i = 0; i < def->nfields; i++) {
        const struct trawl_record_field *c = &def->fields[i];
        size_t cl = strlen(c->name);
        char *name = malloc(nl + 1 + cl + 1);
        if (!name) { for (unsigned k = 0; k < i; k++) free((char *)t->fdefs[k].name); free(t->fdefs); free(t); return rt_fail(ctx, "out of memory", def->name); }
        memcpy(name, def->name, nl);
        name[nl] = '.';
        memcpy(name + nl + 1, c->name, cl + 1);
        t->fdefs[i] = (struct trawl_field_def){ .name = name, .desc = c->desc && *c->desc ? c->desc : c->name,
                                                .type = c->type };
    }
    t->def = def;
    t->owner = ctx->plugin;
    t->pdef = (struct trawl_proto_def){ .name = pname, .long_name = def->desc && *def->desc ? def->desc : def->name,
                                        .fields = t->fdefs, .nfields = def->nfields };
    HASH_ADD_KEYPTR(hh, ctx->e->rtypes_by_name, def->name, nl, t);
    const struct trawl_proto *p = trawl_proto_register(ctx, &t->pdef, NULL);
    if (!p) { t->dead = true; return NULL; }    /* freed with the engine */
    t->pub.name = def->name;
    t->pub.desc = t->pdef.long_name;
    t->pub.columns = def->fields;
    t->pub.fields = p->fields;
    t->pub.nfields = def->nfields;
    t->pub.id = UINT32_MAX;
    return &t->pub;
}

const struct trawl_record_type *trawl_record_register_internal(struct trawl_init *ctx,
                                                               const struct trawl_record_def *def)
{
    const struct trawl_record_type *pub = trawl_record_register(ctx, def);
    if (pub) ((struct record_type_entry *)pub)->internal = true;   /* pub is the entry's first member */
    return pub;
}

const struct trawl_record_type *trawl_record_find(struct trawl_init *ctx, const char *name)
{
    if (!ctx || ctx->phase != 2 || !name) return NULL;
    struct record_type_entry *t = NULL;
    HASH_FIND_STR(ctx->e->rtypes_by_name, name, t);
    return t && !t->dead ? &t->pub : NULL;
}

void records_purge_plugin(struct trawl_engine *e, struct plugin_entry *pl)
{
    struct record_type_entry *t, *tmp;
    HASH_ITER(hh, e->rtypes_by_name, t, tmp) if (t->owner == pl) t->dead = true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(struct record_type_entry *const *)a)->pub.name,
                  (*(struct record_type_entry *const *)b)->pub.name);
}

/* Ids in name order, so a run's ids never depend on load order. */
int records_start(struct trawl_engine *e)
{
    size_t n = 0;
    struct record_type_entry *t, *tmp;
    HASH_ITER(hh, e->rtypes_by_name, t, tmp) if (!t->dead) n++;
    e->rtypes = calloc(n ? n : 1, sizeof *e->rtypes);
    if (!e->rtypes) return TRAWL_ENOMEM;
    n = 0;
    HASH_ITER(hh, e->rtypes_by_name, t, tmp) if (!t->dead) e->rtypes[n++] = t;
    qsort(e->rtypes, n, sizeof *e->rtypes, by_name);
    for (size_t i = 0; i < n; i++) e->rtypes[i]->pub.id = (uint32_t)i;
    e->nrtypes = n;
    return 0;
}

void records_free(struct trawl_engine *e)
{
    struct record_type_entry *t, *tmp;
    HASH_ITER(hh, e->rtypes_by_name, t, tmp) {
        HASH_DEL(e->rtypes_by_name, t);
        for (unsigned i = 0; i < t->def->nfields; i++) free((char *)t->fdefs[i].name);
        free(t->fdefs);
        free(t);
    }
    free(e->rtypes);
    e->rtypes = NULL;
    e->nrtypes = 0;
}

static struct record_type_entry *entry_of(const struct trawl_record_type *t)
{
    return (struct record_type_entry *)((char *)t - offsetof(struct record_type_entry, pub));
}

/* ---- building ---------------------------------------------------------------------------- */

bool trawl_record_wanted(const struct trawl_packet *ctx, const struct trawl_record_type *t)
{
    return ctx && t && t->id != UINT32_MAX && entry_of(t)->wanted;
}

struct trawl_record *trawl_record_begin(struct trawl_packet *ctx, const struct trawl_record_type *t)
{
    if (!trawl_record_wanted(ctx, t)) return NULL;
    struct trawl_record *r = ctx->rfree;
    if (r) ctx->rfree = r->next;
    else if (!(r = calloc(1, sizeof *r))) { ctx->wstats->records_dropped++; return NULL; }
    r->type = entry_of(t);
    r->nvals = 0;
    for (struct rec_block *b = r->blocks; b; b = b->next) b->used = 0;
    r->frame = ctx->in_packet ? ctx->frame.number : 0;
    r->key = ctx->rec_key;
    r->ctx = ctx;
    r->next = NULL;
    return r;
}

static struct trawl_value *rslot(struct trawl_record *r, unsigned col)
{
    if (!r || col >= r->type->pub.nfields) return NULL;
    if (r->nvals == r->capvals) {
        size_t nc = r->capvals ? r->capvals * 2 : 32;
        struct trawl_value *nv = realloc(r->vals, nc * sizeof *nv);
        if (!nv) return NULL;
        r->vals = nv;
        r->capvals = nc;
    }
    struct trawl_value *v = &r->vals[r->nvals++];
    memset(v, 0, sizeof *v);
    v->field = &r->type->pub.fields[col];
    return v;
}

/* A copy of n bytes owned by the record (blocks are kept across reuse). */
static uint8_t *rcopy(struct trawl_record *r, const void *p, size_t n)
{
    struct rec_block *b = r->blocks;
    for (; b; b = b->next) if (b->cap - b->used >= n) break;
    if (!b) {
        size_t cap = n > REC_BLOCK ? n : REC_BLOCK;
        if (!(b = malloc(sizeof *b + cap))) return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = r->blocks;
        r->blocks = b;
    }
    uint8_t *d = b->data + b->used;
    if (n) memcpy(d, p, n);
    b->used += n;
    return d;
}

void trawl_rec_uint(struct trawl_record *r, unsigned col, uint64_t x)
{
    struct trawl_value *v = rslot(r, col);
    if (v) v->v.u = x;
}
void trawl_rec_int(struct trawl_record *r, unsigned col, int64_t x)
{
    struct trawl_value *v = rslot(r, col);
    if (v) v->v.i = x;
}
void trawl_rec_bool(struct trawl_record *r, unsigned col, bool x) { trawl_rec_uint(r, col, x ? 1 : 0); }
void trawl_rec_double(struct trawl_record *r, unsigned col, double x)
{
    struct trawl_value *v = rslot(r, col);
    if (v) v->v.d = x;
}
void trawl_rec_time(struct trawl_record *r, unsigned col, int64_t ns) { trawl_rec_int(r, col, ns); }

void trawl_rec_bytes(struct trawl_record *r, unsigned col, const uint8_t *p, uint32_t len)
{
    if (!r) return;
    uint8_t *c = rcopy(r, p, p ? len : 0);
    if (!c) { r->ctx->wstats->records_dropped++; return; }
    struct trawl_value *v = rslot(r, col);
    if (v) { v->v.p = c; v->len = p ? len : 0; }
}
void trawl_rec_string(struct trawl_record *r, unsigned col, const char *s, uint32_t len)
{
    trawl_rec_bytes(r, col, (const uint8_t *)s, len);
}
void trawl_rec_cstring(struct trawl_record *r, unsigned col, const char *s)
{
    if (s) trawl_rec_bytes(r, col, (const uint8_t *)s, (uint32_t)strlen(s));
}
void trawl_rec_addr(struct trawl_record *r, unsigned col, int family, const uint8_t *p)
{
    if (family == 4 || family == 6) trawl_rec_bytes(r, col, p, family == 4 ? 4 : 16);
}

/* ---- routing ----------------------------------------------------------------------------- */

static void recycle(struct trawl_packet *ctx, struct trawl_record *r)
{
    r->next = ctx->rfree;
    ctx->rfree = r;
}

static void deliver(struct trawl_packet *ctx, struct trawl_record *r)
{
    struct trawl_engine *e = ctx->e;
    analyzers_record(ctx, r);
    if (r->type->internal) return;
    e->stats.records++;
    sinks_record(e, r);
    if (e->rec_cb) e->rec_cb(e->rec_cb_user, r);
}

void trawl_record_end(struct trawl_record *r)
{
    if (!r) return;
    struct trawl_packet *ctx = r->ctx;
    if (ctx->in_packet) {
        if (ctx->rq_tail) ctx->rq_tail->next = r;
        else ctx->rq_head = r;
        ctx->rq_tail = r;
        return;
    }
    /* Outside a packet (end of input): records an analyzer makes from this one queue behind it. */
    bool outer = !ctx->rq_head;
    if (ctx->rq_tail) ctx->rq_tail->next = r;
    else ctx->rq_head = r;
    ctx->rq_tail = r;
    if (outer) records_flush(ctx);
}

void records_flush(struct trawl_packet *pkt)
{
    size_t n = 0;
    while (pkt->rq_head) {
        struct trawl_record *r = pkt->rq_head;
        if (++n > MAX_RECORDS_PER_FLUSH) {
            /* A loop between analyzers: drop the rest, counted. */
            pkt->rq_head = r->next;
            if (!pkt->rq_head) pkt->rq_tail = NULL;
            pkt->e->stats.records_dropped++;
            recycle(pkt, r);
            continue;
        }
        deliver(pkt, r);     /* may append to the queue */
        pkt->rq_head = r->next;
        if (!pkt->rq_head) pkt->rq_tail = NULL;
        recycle(pkt, r);
    }
}

static void record_obj_free(struct trawl_record *r)
{
    for (struct rec_block *b = r->blocks, *n; b; b = n) { n = b->next; free(b); }
    free(r->vals);
    free(r);
}

void records_free_worker(struct trawl_packet *pkt)
{
    for (struct trawl_record *r = pkt->rq_head, *n; r; r = n) { n = r->next; record_obj_free(r); }
    for (struct trawl_record *r = pkt->rfree, *n; r; r = n) { n = r->next; record_obj_free(r); }
    pkt->rq_head = pkt->rq_tail = pkt->rfree = NULL;
}

/* ---- reading ----------------------------------------------------------------------------- */

const struct trawl_record_type *trawl_record_get_type(const struct trawl_record *r) { return &r->type->pub; }

const struct trawl_value *trawl_record_values(const struct trawl_record *r, size_t *count)
{
    if (count) *count = r->nvals;
    return r->vals;
}

const struct trawl_value *trawl_record_value(const struct trawl_record *r, unsigned col)
{
    if (col >= r->type->pub.nfields) return NULL;
    const struct trawl_field *f = &r->type->pub.fields[col];
    for (size_t i = 0; i < r->nvals; i++) if (r->vals[i].field == f) return &r->vals[i];
    return NULL;
}

uint64_t trawl_record_frame(const struct trawl_record *r) { return r->frame; }

/* ---- who wants what ---------------------------------------------------------------------- */

static void mark(struct trawl_engine *e, uint8_t *bits, uint32_t id)
{
    if (id < e->nrtypes) {
        if (bits) bits[id >> 3] |= (uint8_t)(1u << (id & 7));
        e->rtypes[id]->wanted = true;
    }
}

int trawl_sink_want_records(struct trawl_sink *s, const char *type)
{
    struct trawl_engine *e = s->e;
    if (!s->rtypes && !(s->rtypes = calloc(e->nrtypes / 8 + 1, 1))) return TRAWL_ENOMEM;
    if (!type) {
        s->all_records = true;
        for (size_t i = 0; i < e->nrtypes; i++)
            if (!e->rtypes[i]->internal) mark(e, s->rtypes, (uint32_t)i);
        return 0;
    }
    for (size_t i = 0; i < e->nrtypes; i++)
        if (!e->rtypes[i]->internal && !strcmp(e->rtypes[i]->pub.name, type)) {
            mark(e, s->rtypes, (uint32_t)i);
            return 0;
        }
    return TRAWL_ENOENT;
}

void trawl_sink_skip_packets(struct trawl_sink *s) { s->skip_packets = true; }
uint32_t trawl_sink_record_type_count(struct trawl_sink *s) { return (uint32_t)s->e->nrtypes; }
const struct trawl_record_type *trawl_sink_record_type(struct trawl_sink *s, uint32_t id)
{
    return id < s->e->nrtypes ? &s->e->rtypes[id]->pub : NULL;
}

void sinks_record(struct trawl_engine *e, const struct trawl_record *r)
{
    uint32_t id = r->type->pub.id;
    for (struct trawl_sink *s = e->sinks; s; s = s->next)
        if (s->ent->def->record && s->rtypes && (s->rtypes[id >> 3] >> (id & 7) & 1))
            s->ent->def->record(s, r);
}

int trawl_engine_on_record(struct trawl_engine *e, trawl_record_cb cb, void *user)
{
    if (!e->started) return engine_error(e, TRAWL_ESTATE, "trawl_engine_on_record after trawl_engine_start");
    e->rec_cb = cb;
    e->rec_cb_user = user;
    for (size_t i = 0; i < e->nrtypes; i++)
        e->rtypes[i]->wanted = (cb != NULL && !e->rtypes[i]->internal) || e->rtypes[i]->wanted;
    return 0;
}

/* An analyzer's record subscriptions (analyzer.c calls this at start). */
void records_mark_wanted(struct trawl_engine *e, uint8_t *bits, const char *type);
void records_mark_wanted(struct trawl_engine *e, uint8_t *bits, const char *type)
{
    for (size_t i = 0; i < e->nrtypes; i++)
        if (!strcmp(e->rtypes[i]->pub.name, type)) mark(e, bits, (uint32_t)i);
}

/* One record taken off a queue by the worker merge (workers.c): to the analyzers, sinks and
 * callback, then recycled into ctx. */
void records_deliver_one(struct trawl_packet *ctx, struct trawl_record *r)
{
    deliver(ctx, r);
    recycle(ctx, r);
}

/* A column's values one by one (record.h): a scan from *pos, so a column's values cost one
 * pass over the record whatever their number. */
const struct trawl_value *trawl_record_value_next(const struct trawl_record *r, unsigned col, size_t *pos)
{
    if (col >= r->type->pub.nfields) return NULL;
    const struct trawl_field *f = &r->type->pub.fields[col];
    for (size_t i = *pos; i < r->nvals; i++)
        if (r->vals[i].field == f) { *pos = i + 1; return &r->vals[i]; }
    *pos = r->nvals;
    return NULL;
}

/* ---- columns shared by flow records ------------------------------------------------------ */

void trawl_rec_flow_id(struct trawl_record *r, unsigned col_uid, const struct trawl_flow *f)
{
    if (!r || !f) return;
    const struct trawl_flow_info *in = trawl_flow_info(f);
    trawl_rec_cstring(r, col_uid, in->uid);
    trawl_rec_addr(r, col_uid + 1, in->family, in->orig_addr);
    trawl_rec_uint(r, col_uid + 2, in->orig_port);
    trawl_rec_addr(r, col_uid + 3, in->family, in->resp_addr);
    trawl_rec_uint(r, col_uid + 4, in->resp_port);
}

void trawl_rec_evidence(struct trawl_record *r, unsigned col, struct trawl_packet *ctx,
                        const struct trawl_flow *f, uint32_t file_index, uint64_t first_frame,
                        uint64_t last_frame)
{
    if (!r) return;
    const char *cid = f ? trawl_flow_community_id(f) : NULL;   /* a SHA-1: only for records */
    if (cid && *cid) trawl_rec_cstring(r, col, cid);
    const char *file = trawl_packet_file_name(ctx, file_index);
    if (file) trawl_rec_cstring(r, col + 1, file);
    trawl_rec_uint(r, col + 2, first_frame);
    trawl_rec_uint(r, col + 3, last_frame);
}
