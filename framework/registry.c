/* registry.c — protocols, fields, dissector tables and heuristic lists.
 *
 * Everything is declared during init (phase 1) and attached during handoff (phase 2); after
 * trawl_engine_start the registries are read-only, so workers share them without locks.
 * Integer tables are flat arrays (one pointer per key: 512 KiB for a port table) because the
 * per-packet lookup must be one load; string tables and name lookups use uthash.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

const char *trawl_strerror(int err)
{
    switch (err) {
    case TRAWL_OK: return "success";
    case TRAWL_EINVAL: return "invalid argument";
    case TRAWL_ENOMEM: return "out of memory";
    case TRAWL_EIO: return "input/output error";
    case TRAWL_EFORMAT: return "damaged or unsupported input";
    case TRAWL_EEXIST: return "already exists";
    case TRAWL_ENOENT: return "not found";
    case TRAWL_EPLUGIN: return "plugin refused or failed";
    case TRAWL_ESTATE: return "not allowed in this state";
    default: return "unknown error";
    }
}

static void default_log(enum trawl_log_level lvl, const char *origin, const char *msg)
{
    static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
    fprintf(stderr, "trawl: %s%s%s%s\n", tag[lvl], origin ? origin : "", origin ? ": " : "", msg);
}

void engine_log(struct trawl_engine *e, enum trawl_log_level lvl, const char *origin,
                const char *fmt, ...)
{
    if (lvl > e->opt.log_level) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (e->opt.log) e->opt.log(e->opt.log_user, lvl, origin, msg);
    else default_log(lvl, origin, msg);
}

int engine_error(struct trawl_engine *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
    return code;
}

static const char *origin_of(struct trawl_init *ctx, char *buf, size_t cap)
{
    if (!ctx->plugin) return "engine";
    snprintf(buf, cap, "plugin %s", ctx->plugin->name);
    return buf;
}

/* Registration mistakes refuse the plugin (it is purged after its init returns). */
static void *reg_fail(struct trawl_init *ctx, const char *fmt, ...) TRAWL_PRINTF(2, 3);
static void *reg_fail(struct trawl_init *ctx, const char *fmt, ...)
{
    char msg[512], o[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    engine_log(ctx->e, TRAWL_LOG_ERROR, origin_of(ctx, o, sizeof o), "%s", msg);
    if (ctx->plugin && !ctx->plugin->why) ctx->plugin->why = strdup(msg);
    ctx->failed = true;
    return NULL;
}

static bool name_ok(const char *s, bool dots)
{
    if (!s || !*s) return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!(islower(c) || isdigit(c) || c == '_' || c == '-' || (dots && c == '.'))) return false;
    }
    return true;
}

/* Field names follow Wireshark's, which mix case (kerberos.CNameString, l2tp.Ns): letters of
 * both cases, digits, '_', '-', '.'; must start with a lower-case letter and contain a dot. */
static bool field_name_ok(const char *s)
{
    if (!s || !islower((unsigned char)*s) || !strchr(s, '.')) return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
        if (c == '.' && (s[1] == '.' || s[1] == 0)) return false;
    }
    return true;
}

static bool phase_ok(struct trawl_init *ctx, int phase, const char *what)
{
    if (ctx->e->started) { reg_fail(ctx, "%s after the engine started", what); return false; }
    if (ctx->phase != phase) {
        reg_fail(ctx, "%s belongs in %s, not %s", what, phase == 1 ? "init" : "handoff",
                 ctx->phase == 1 ? "init" : "handoff");
        return false;
    }
    return true;
}

struct proto_entry *registry_proto(struct trawl_engine *e, const char *name)
{
    struct proto_entry *p = NULL;
    if (name) HASH_FIND_STR(e->protos_by_name, name, p);
    return p && !p->dead ? p : NULL;
}

struct table_entry *registry_table(struct trawl_engine *e, const char *name)
{
    struct table_entry *t = NULL;
    if (name) HASH_FIND_STR(e->tables, name, t);
    return t;
}

/* ---- protocols and fields -------------------------------------------------------------- */

const struct trawl_proto *trawl_proto_register(struct trawl_init *ctx,
                                               const struct trawl_proto_def *def, void *state)
{
    if (!phase_ok(ctx, 1, "trawl_proto_register")) return NULL;
    if (!def || !name_ok(def->name, true))
        return reg_fail(ctx, "protocol name '%s' is not [a-z0-9_.-]+", def && def->name ? def->name : "(null)");
    if (!def->long_name || !*def->long_name)
        return reg_fail(ctx, "protocol %s has no long name", def->name);
    struct proto_entry *old = NULL;
    HASH_FIND_STR(ctx->e->protos_by_name, def->name, old);
    if (old)
        return reg_fail(ctx, "protocol %s is already registered by %s", def->name,
                        old->owner ? old->owner->name : "the engine");
    if (def->nfields && !def->fields) return reg_fail(ctx, "protocol %s: nfields without fields", def->name);
    for (unsigned i = 0; i < def->nfields; i++) {
        const struct trawl_field_def *f = &def->fields[i];
        if (!field_name_ok(f->name))
            return reg_fail(ctx, "protocol %s: field #%u name '%s' must be dotted [A-Za-z0-9_.-]+ "
                            "starting with a lower-case letter (e.g. \"%s.len\")", def->name, i,
                            f->name ? f->name : "(null)", def->name);
        if ((unsigned)f->type >= TRAWL_FT__COUNT)
            return reg_fail(ctx, "field %s: unknown type %d", f->name, (int)f->type);
        if (!f->desc || !*f->desc) return reg_fail(ctx, "field %s has no description", f->name);
        for (unsigned j = 0; j < i; j++)
            if (!strcmp(def->fields[j].name, f->name))
                return reg_fail(ctx, "field %s is declared twice by protocol %s", f->name, def->name);
    }
    struct proto_entry *p = calloc(1, sizeof *p);
    if (!p) return reg_fail(ctx, "out of memory");
    p->fields = calloc(def->nfields ? def->nfields : 1, sizeof *p->fields);
    if (!p->fields) { free(p); return reg_fail(ctx, "out of memory"); }
    p->def = def;
    p->state = state;
    p->owner = ctx->plugin;
    p->pub.name = def->name;
    p->pub.long_name = def->long_name;
    p->pub.column = def->column;
    if (!p->pub.column) {
        size_t i = 0;
        for (; def->name[i] && i + 1 < sizeof p->column; i++) p->column[i] = (char)toupper((unsigned char)def->name[i]);
        p->column[i] = 0;
        p->pub.column = p->column;
    }
    p->pub.fields = p->fields;
    p->pub.nfields = def->nfields;
    for (unsigned i = 0; i < def->nfields; i++) {
        p->fields[i].name = def->fields[i].name;
        p->fields[i].desc = def->fields[i].desc;
        p->fields[i].type = def->fields[i].type;
        p->fields[i].base = def->fields[i].base;
        p->fields[i].names = def->fields[i].names;
        p->fields[i].proto = &p->pub;
    }
    HASH_ADD_KEYPTR(hh, ctx->e->protos_by_name, p->pub.name, strlen(p->pub.name), p);
    if (ctx->plugin) { ctx->plugin->protos++; ctx->plugin->fields += def->nfields; }
    return &p->pub;
}

const struct trawl_proto *trawl_proto_find(struct trawl_init *ctx, const char *name)
{
    return ctx && ctx->phase == 2 ? (const struct trawl_proto *)registry_proto(ctx->e, name) : NULL;
}

/* After every init: give each distinct field name an id (shared by same-named declarations,
 * which must agree on the type) and each protocol an id. Deterministic: sorted by name. */
static int by_proto_name(struct proto_entry *a, struct proto_entry *b) { return strcmp(a->pub.name, b->pub.name); }

int registry_assign_field_ids(struct trawl_engine *e)
{
    HASH_SORT(e->protos_by_name, by_proto_name);
    size_t np = HASH_COUNT(e->protos_by_name);
    free(e->protos);
    e->protos = calloc(np ? np : 1, sizeof *e->protos);
    if (!e->protos) return TRAWL_ENOMEM;
    e->nprotos = 0;
    struct proto_entry *p, *tmp;
    HASH_ITER(hh, e->protos_by_name, p, tmp) {
        if (p->dead) continue;
        p->pub.id = (uint32_t)e->nprotos;
        e->protos[e->nprotos++] = p;
        for (unsigned i = 0; i < p->pub.nfields; i++) {
            struct trawl_field *f = &p->fields[i];
            struct field_name *fn = NULL;
            HASH_FIND_STR(e->fields_by_name, f->name, fn);
            if (fn) {
                if (fn->first->type != f->type) {
                    engine_log(e, TRAWL_LOG_ERROR, p->owner ? p->owner->name : "engine",
                               "field %s declared by %s with another type than by %s: the "
                               "second declaration is ignored", f->name, p->pub.name,
                               fn->first->proto->name);
                }
                f->id = fn->id;
                continue;
            }
            fn = calloc(1, sizeof *fn);
            if (!fn) return TRAWL_ENOMEM;
            fn->name = f->name;
            fn->first = f;
            fn->id = (uint32_t)e->nfields;
            f->id = fn->id;
            struct field_name **nf = realloc(e->fields, (e->nfields + 1) * sizeof *nf);
            if (!nf) { free(fn); return TRAWL_ENOMEM; }
            e->fields = nf;
            e->fields[e->nfields++] = fn;
            HASH_ADD_KEYPTR(hh, e->fields_by_name, fn->name, strlen(fn->name), fn);
        }
    }
    free(e->wanted);
    e->wanted = calloc(e->nfields / 8 + 1, 1);
    return e->wanted ? 0 : TRAWL_ENOMEM;
}

/* ---- tables ------------------------------------------------------------------------------ */

struct trawl_table *trawl_table_declare(struct trawl_init *ctx, const char *name, const char *desc,
                                        enum trawl_table_kind kind, uint32_t max_key)
{
    if (!phase_ok(ctx, 1, "trawl_table_declare")) return NULL;
    if (!name_ok(name, true)) return reg_fail(ctx, "table name '%s' is not [a-z0-9_.-]+", name ? name : "(null)");
    if (registry_table(ctx->e, name)) return reg_fail(ctx, "table %s is declared twice", name);
    if (kind == TRAWL_TABLE_UINT && max_key > 0xffffff)
        return reg_fail(ctx, "table %s: max key %u is over the limit 16777215 (flat arrays)", name, max_key);
    struct table_entry *t = calloc(1, sizeof *t);
    if (!t) return reg_fail(ctx, "out of memory");
    t->name = strdup(name);
    t->desc = strdup(desc ? desc : "");
    t->kind = kind;
    t->max_key = kind == TRAWL_TABLE_UINT ? max_key : 0;
    t->owner = ctx->plugin;
    if (kind == TRAWL_TABLE_UINT) t->slots = calloc((size_t)max_key + 1, sizeof *t->slots);
    if (!t->name || !t->desc || (kind == TRAWL_TABLE_UINT && !t->slots)) {
        free(t->name); free(t->desc); free(t->slots); free(t);
        return reg_fail(ctx, "out of memory");
    }
    HASH_ADD_KEYPTR(hh, ctx->e->tables, t->name, strlen(t->name), t);
    if (ctx->plugin) ctx->plugin->tables++;
    return (struct trawl_table *)t;
}

const struct trawl_table *trawl_table_find(struct trawl_init *ctx, const char *name)
{
    return (const struct trawl_table *)registry_table(ctx->e, name);
}

static struct proto_entry *entry_of(const struct trawl_proto *p)
{
    return p ? (struct proto_entry *)((char *)p - offsetof(struct proto_entry, pub)) : NULL;
}

int trawl_table_add(struct trawl_init *ctx, const char *table, uint32_t key,
                    const struct trawl_proto *proto)
{
    if (!phase_ok(ctx, 2, "trawl_table_add")) return TRAWL_ESTATE;
    struct table_entry *t = registry_table(ctx->e, table);
    char o[128];
    if (!t) {
        /* Not an error: the plugin that declares it is simply not loaded in this run. */
        engine_log(ctx->e, TRAWL_LOG_DEBUG, origin_of(ctx, o, sizeof o),
                   "table %s is not declared by any loaded plugin", table);
        return TRAWL_ENOENT;
    }
    if (t->kind != TRAWL_TABLE_UINT || key > t->max_key || !proto) {
        reg_fail(ctx, "trawl_table_add(%s, %u): %s", table, key,
                 !proto ? "no protocol" : t->kind != TRAWL_TABLE_UINT ? "a string table" : "key out of range");
        return TRAWL_EINVAL;
    }
    struct proto_entry *p = entry_of(proto);
    if (t->slots[key] && t->slots[key] != p) {
        engine_log(ctx->e, TRAWL_LOG_WARN, origin_of(ctx, o, sizeof o),
                   "%s %u already goes to %s; %s not added there (use -d %s==%u,%s to choose)",
                   table, key, t->slots[key]->pub.name, p->pub.name, table, key, p->pub.name);
        return TRAWL_EEXIST;
    }
    t->slots[key] = p;
    return 0;
}

int trawl_table_add_string(struct trawl_init *ctx, const char *table, const char *key,
                           const struct trawl_proto *proto)
{
    if (!phase_ok(ctx, 2, "trawl_table_add_string")) return TRAWL_ESTATE;
    struct table_entry *t = registry_table(ctx->e, table);
    if (!t) return TRAWL_ENOENT;
    if (t->kind != TRAWL_TABLE_STRING || !key || !proto) {
        reg_fail(ctx, "trawl_table_add_string(%s): not a string table or no key", table);
        return TRAWL_EINVAL;
    }
    struct str_slot *s = NULL;
    HASH_FIND_STR(t->strings, key, s);
    if (s) return TRAWL_EEXIST;
    s = calloc(1, sizeof *s);
    if (!s || !(s->key = strdup(key))) { free(s); return TRAWL_ENOMEM; }
    s->proto = entry_of(proto);
    HASH_ADD_KEYPTR(hh, t->strings, s->key, strlen(s->key), s);
    return 0;
}

/* ---- heuristics -------------------------------------------------------------------------- */

struct trawl_heur_list *trawl_heur_declare(struct trawl_init *ctx, const char *name, const char *desc)
{
    if (!phase_ok(ctx, 1, "trawl_heur_declare")) return NULL;
    if (!name_ok(name, true)) return reg_fail(ctx, "heuristic list name '%s' is not [a-z0-9_.-]+", name ? name : "(null)");
    struct heur_list_entry *h = NULL;
    HASH_FIND_STR(ctx->e->heurs, name, h);
    if (h) return reg_fail(ctx, "heuristic list %s is declared twice", name);
    h = calloc(1, sizeof *h);
    if (!h || !(h->name = strdup(name)) || !(h->desc = strdup(desc ? desc : ""))) {
        if (h) { free(h->name); free(h); }
        return reg_fail(ctx, "out of memory");
    }
    h->owner = ctx->plugin;
    HASH_ADD_KEYPTR(hh, ctx->e->heurs, h->name, strlen(h->name), h);
    return (struct trawl_heur_list *)h;
}

const struct trawl_heur_list *trawl_heur_find(struct trawl_init *ctx, const char *name)
{
    struct heur_list_entry *h = NULL;
    if (name) HASH_FIND_STR(ctx->e->heurs, name, h);
    return (const struct trawl_heur_list *)h;
}

int trawl_heur_add(struct trawl_init *ctx, const char *list, const struct trawl_heur_def *def,
                   const struct trawl_proto *proto)
{
    if (!phase_ok(ctx, 2, "trawl_heur_add")) return TRAWL_ESTATE;
    struct heur_list_entry *h = NULL;
    HASH_FIND_STR(ctx->e->heurs, list, h);
    if (!h) return TRAWL_ENOENT;
    if (!def || !def->probe || !name_ok(def->name, false) || !proto) {
        reg_fail(ctx, "heuristic for %s: needs a [a-z0-9_-] name, a probe and a protocol", list);
        return TRAWL_EINVAL;
    }
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->items[i].def->name, def->name)) {
            reg_fail(ctx, "heuristic %s is already in list %s", def->name, list);
            return TRAWL_EEXIST;
        }
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 8;
        struct heur_entry *ni = realloc(h->items, nc * sizeof *ni);
        if (!ni) return TRAWL_ENOMEM;
        h->items = ni;
        h->cap = nc;
    }
    h->items[h->n++] = (struct heur_entry){ def, entry_of(proto), ctx->plugin, true };
    if (ctx->plugin) ctx->plugin->heuristics++;
    return 0;
}

static int heur_cmp(const void *a, const void *b)
{
    const struct heur_entry *x = a, *y = b;
    if (x->def->priority != y->def->priority) return x->def->priority > y->def->priority ? -1 : 1;
    return strcmp(x->def->name, y->def->name);
}

void registry_sort_heuristics(struct trawl_engine *e)
{
    struct heur_list_entry *h, *tmp;
    HASH_ITER(hh, e->heurs, h, tmp) if (h->n > 1) qsort(h->items, h->n, sizeof *h->items, heur_cmp);
}

/* A plugin whose init or handoff failed: its protocols are never dispatched, its entries in
 * other tables and lists are removed, its sinks unregistered. Tables it declared stay (empty
 * of its protocols) so other plugins' pointers remain valid. */
void registry_purge_plugin(struct trawl_engine *e, struct plugin_entry *pl)
{
    struct proto_entry *p, *ptmp;
    HASH_ITER(hh, e->protos_by_name, p, ptmp) if (p->owner == pl) p->dead = true;
    struct table_entry *t, *ttmp;
    HASH_ITER(hh, e->tables, t, ttmp) {
        if (t->slots)
            for (size_t k = 0; k <= t->max_key; k++)
                if (t->slots[k] && t->slots[k]->owner == pl) t->slots[k] = NULL;
        struct str_slot *s, *stmp;
        HASH_ITER(hh, t->strings, s, stmp) if (s->proto->owner == pl) {
            HASH_DEL(t->strings, s); free(s->key); free(s);
        }
    }
    struct heur_list_entry *h, *htmp;
    HASH_ITER(hh, e->heurs, h, htmp) {
        size_t j = 0;
        for (size_t i = 0; i < h->n; i++)
            if (h->items[i].owner != pl && h->items[i].proto->owner != pl) h->items[j++] = h->items[i];
        h->n = j;
    }
    struct sink_def_entry *sd, *sdtmp;
    HASH_ITER(hh, e->sink_defs, sd, sdtmp) if (sd->owner == pl) { HASH_DEL(e->sink_defs, sd); free(sd); }
    records_purge_plugin(e, pl);
    analyzers_purge_plugin(e, pl);
}

/* ---- dispatch-time lookups --------------------------------------------------------------- */

static struct proto_entry *override_of(const struct table_entry *t, uint32_t key)
{
    for (size_t i = 0; i < t->noverrides; i++)
        if (t->overrides[i].key == key) return t->overrides[i].proto;
    return NULL;
}

/* Hints set by trawl_packet_hint apply to one trawl_dissect_* call — to every candidate it
 * tries — and are gone afterwards, whether or not a dissector ran. */
static unsigned take_hints(struct trawl_packet *pkt)
{
    unsigned h = pkt->next_hints;
    pkt->next_hints = 0;
    return h;
}

const struct trawl_proto *trawl_table_get(const struct trawl_table *tt, uint32_t key)
{
    const struct table_entry *t = (const struct table_entry *)tt;
    if (!t || t->kind != TRAWL_TABLE_UINT) return NULL;
    struct proto_entry *p = t->noverrides ? override_of(t, key) : NULL;
    if (!p && key <= t->max_key) p = t->slots[key];
    return p && !p->dead ? &p->pub : NULL;
}

bool trawl_dissect_table(struct trawl_packet *pkt, const struct trawl_table *tt, uint32_t key,
                         struct trawl_buf *b)
{
    const struct table_entry *t = (const struct table_entry *)tt;
    unsigned h = take_hints(pkt);
    if (!t) return false;
    struct proto_entry *p = t->noverrides ? override_of(t, key) : NULL;
    if (!p && t->kind == TRAWL_TABLE_UINT && key <= t->max_key) p = t->slots[key];
    return p && !p->dead && packet_call(pkt, p, b, h);
}

bool trawl_dissect_table_string(struct trawl_packet *pkt, const struct trawl_table *tt,
                                const char *key, struct trawl_buf *b)
{
    const struct table_entry *t = (const struct table_entry *)tt;
    unsigned h = take_hints(pkt);
    if (!t || !key || t->kind != TRAWL_TABLE_STRING) return false;
    struct str_slot *s = NULL;
    HASH_FIND_STR(t->strings, key, s);
    return s && !s->proto->dead && packet_call(pkt, s->proto, b, h);
}

static bool run_heuristics(struct trawl_packet *pkt, const struct heur_list_entry *h,
                           struct trawl_buf *b, unsigned hints)
{
    if (!h) return false;
    for (size_t i = 0; i < h->n; i++) {
        const struct heur_entry *he = &h->items[i];
        if (!he->enabled || he->proto->dead) continue;
        if (he->def->probe(b, he->proto->state) == TRAWL_HEUR_MINE && packet_call(pkt, he->proto, b, hints))
            return true;
    }
    return false;
}

bool trawl_dissect_heur(struct trawl_packet *pkt, const struct trawl_heur_list *hl, struct trawl_buf *b)
{
    return run_heuristics(pkt, (const struct heur_list_entry *)hl, b, take_hints(pkt));
}

bool trawl_dissect_proto(struct trawl_packet *pkt, const struct trawl_proto *p, struct trawl_buf *b)
{
    struct proto_entry *pe = entry_of(p);
    unsigned h = take_hints(pkt);
    return pe && !pe->dead && packet_call(pkt, pe, b, h);
}

static bool dissect_ports(struct trawl_packet *pkt, const struct trawl_table *tt,
                          const struct trawl_heur_list *h, uint32_t a, uint32_t b_port,
                          struct trawl_buf *b);

/* The first protocol that takes a flow's payload is its service (conn.log's). */
bool trawl_dissect_ports(struct trawl_packet *pkt, const struct trawl_table *tt,
                         const struct trawl_heur_list *h, uint32_t a, uint32_t b_port,
                         struct trawl_buf *b)
{
    size_t n = pkt->nlayers;
    bool took = dissect_ports(pkt, tt, h, a, b_port, b);
    if (took && n < pkt->nlayers) flow_note_service(pkt, pkt->layers[n].proto);
    return took;
}

static bool dissect_ports(struct trawl_packet *pkt, const struct trawl_table *tt,
                          const struct trawl_heur_list *h, uint32_t a, uint32_t b_port,
                          struct trawl_buf *b)
{
    const struct table_entry *t = (const struct table_entry *)tt;
    unsigned hints = take_hints(pkt);
    uint32_t lo = a < b_port ? a : b_port, hi = a < b_port ? b_port : a;
    if (t && t->noverrides) {
        struct proto_entry *p = override_of(t, lo);
        if (!p) p = override_of(t, hi);
        if (p) return packet_call(pkt, p, b, hints);
    }
    if (t && t->kind == TRAWL_TABLE_UINT) {
        if (lo <= t->max_key && t->slots[lo] && !t->slots[lo]->dead && packet_call(pkt, t->slots[lo], b, hints))
            return true;
        if (hi != lo && hi <= t->max_key && t->slots[hi] && !t->slots[hi]->dead &&
            packet_call(pkt, t->slots[hi], b, hints))
            return true;
    }
    return run_heuristics(pkt, (const struct heur_list_entry *)h, b, hints);
}

/* ---- decode-as ----------------------------------------------------------------------------- */

int trawl_engine_decode_as(struct trawl_engine *e, const char *spec)
{
    /* tshark's syntax: TABLE==KEY,PROTO (also TABLE==KEY-KEY2 for a range, TABLE==K1/K2 not). */
    char buf[256];
    if (!spec || strlen(spec) >= sizeof buf)
        return engine_error(e, TRAWL_EINVAL, "decode-as: expected TABLE==VALUE,PROTOCOL");
    strcpy(buf, spec);
    char *eq = strstr(buf, "=="), *comma = eq ? strchr(eq, ',') : NULL;
    if (!eq || !comma)
        return engine_error(e, TRAWL_EINVAL, "decode-as '%s': expected TABLE==VALUE,PROTOCOL "
                            "(e.g. udp.port==5353,dns)", spec);
    *eq = 0; *comma = 0;
    const char *tname = buf, *val = eq + 2, *pname = comma + 1;
    struct table_entry *t = registry_table(e, tname);
    if (!t) return engine_error(e, TRAWL_ENOENT, "decode-as '%s': no table '%s' (see `trawl tables`)", spec, tname);
    struct proto_entry *p = registry_proto(e, pname);
    if (!p || !p->def->dissect)
        return engine_error(e, TRAWL_ENOENT, "decode-as '%s': no dissector '%s' is loaded", spec, pname);
    if (t->kind != TRAWL_TABLE_UINT)
        return engine_error(e, TRAWL_EINVAL, "decode-as '%s': table %s is keyed by strings", spec, tname);
    char *end;
    unsigned long lo = strtoul(val, &end, 0), hi = lo;
    if (*end == '-') hi = strtoul(end + 1, &end, 0);
    if (end == val || *end || hi < lo || hi > t->max_key || hi - lo > 65535)
        return engine_error(e, TRAWL_EINVAL, "decode-as '%s': value '%s' is not a key (or range) "
                            "of %s (0..%u)", spec, val, tname, t->max_key);
    for (unsigned long k = lo; k <= hi; k++) {
        struct override *no = realloc(t->overrides, (t->noverrides + 1) * sizeof *no);
        if (!no) return TRAWL_ENOMEM;
        t->overrides = no;
        t->overrides[t->noverrides++] = (struct override){ (uint32_t)k, p };
    }
    return 0;
}

int trawl_engine_heuristic_enable(struct trawl_engine *e, const char *name, bool on)
{
    bool found = false;
    struct heur_list_entry *h, *tmp;
    HASH_ITER(hh, e->heurs, h, tmp)
        for (size_t i = 0; i < h->n; i++)
            if (name && !strcmp(h->items[i].def->name, name)) { h->items[i].enabled = on; found = true; }
    return found ? 0 : engine_error(e, TRAWL_ENOENT, "no heuristic named '%s' (see `trawl tables`)",
                                    name ? name : "");
}

void trawl_engine_heuristics(const struct trawl_engine *e,
                             void (*fn)(void *user, const char *list, const char *name, int priority,
                                        const char *proto, bool enabled),
                             void *user)
{
    struct heur_list_entry *h, *tmp;
    HASH_ITER(hh, e->heurs, h, tmp)
        for (size_t i = 0; i < h->n; i++)
            fn(user, h->name, h->items[i].def->name, h->items[i].def->priority,
               h->items[i].proto->pub.name, h->items[i].enabled);
}

size_t trawl_engine_table_names(const struct trawl_engine *e, const char **out, size_t cap)
{
    size_t n = 0;
    struct table_entry *t, *tmp;
    HASH_ITER(hh, e->tables, t, tmp) { if (n < cap) out[n] = t->name; n++; }
    return n;
}

/* ---- the engine's own registrations: frame.* and the "link" table ----------------------- */

static const struct trawl_field_def frame_fields[] = {
    { "frame.number", "Frame number", TRAWL_FT_U32, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.time", "Arrival time (UTC)", TRAWL_FT_TIME, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.time_epoch", "Epoch arrival time", TRAWL_FT_TIME, TRAWL_BASE_EPOCH, NULL, 0 },
    { "frame.time_relative", "Time since the first frame", TRAWL_FT_RELTIME, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.time_delta", "Time since the previous frame", TRAWL_FT_RELTIME, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.len", "Frame length on the wire", TRAWL_FT_U32, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.cap_len", "Frame length captured", TRAWL_FT_U32, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.interface_id", "Interface id (pcapng)", TRAWL_FT_U32, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.comment", "Packet comment (pcapng)", TRAWL_FT_STRING, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.encap_type", "Link type (LINKTYPE_ number)", TRAWL_FT_I64, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.file", "Capture file the frame came from (trawl)", TRAWL_FT_STRING, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.file_offset", "Byte offset of the frame's record in its file (trawl)", TRAWL_FT_U64, TRAWL_BASE_DEC, NULL, 0 },
    { "frame.protocols", "Protocols in the frame", TRAWL_FT_STRING, TRAWL_BASE_DEC, NULL, 0 },
};
static const struct trawl_proto_def frame_def = {
    "frame", "Frame", "Frame", frame_fields, sizeof frame_fields / sizeof frame_fields[0], NULL,
};

int registry_builtin(struct trawl_engine *e)
{
    struct trawl_init ctx = { e, NULL, 1, false };
    const struct trawl_proto *fp = trawl_proto_register(&ctx, &frame_def, NULL);
    struct trawl_table *lt = trawl_table_declare(&ctx, "link", "Link-layer header type (LINKTYPE_ number)",
                                                 TRAWL_TABLE_UINT, 0xffff);
    if (!fp || !lt) return TRAWL_ENOMEM;
    e->frame_proto = entry_of(fp);
    e->link_table = (struct table_entry *)lt;
    return 0;
}

void registry_free(struct trawl_engine *e)
{
    struct proto_entry *p, *ptmp;
    HASH_ITER(hh, e->protos_by_name, p, ptmp) { HASH_DEL(e->protos_by_name, p); free(p->fields); free(p); }
    struct field_name *f, *ftmp;
    HASH_ITER(hh, e->fields_by_name, f, ftmp) { HASH_DEL(e->fields_by_name, f); free(f); }
    struct table_entry *t, *ttmp;
    HASH_ITER(hh, e->tables, t, ttmp) {
        HASH_DEL(e->tables, t);
        struct str_slot *s, *stmp;
        HASH_ITER(hh, t->strings, s, stmp) { HASH_DEL(t->strings, s); free(s->key); free(s); }
        free(t->name); free(t->desc); free(t->slots); free(t->overrides); free(t);
    }
    struct heur_list_entry *h, *htmp;
    HASH_ITER(hh, e->heurs, h, htmp) { HASH_DEL(e->heurs, h); free(h->name); free(h->desc); free(h->items); free(h); }
    struct sink_def_entry *sd, *sdtmp;
    HASH_ITER(hh, e->sink_defs, sd, sdtmp) { HASH_DEL(e->sink_defs, sd); free(sd); }
    free(e->protos);
    free(e->fields);
    free(e->wanted);
}
