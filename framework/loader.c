/* loader.c — loading plugin .so files and running their two registration phases.
 *
 * The descriptor's first words (magic, ABI major/minor, size) are checked before any other
 * field is read and before any plugin code runs (plugins have no constructors: see plugin.h).
 * Every refusal is one line: path, what is wrong, expected vs found, what to do. A refused
 * plugin never stops the run.
 */
#include <dirent.h>
#include <errno.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

/* The descriptor as ABI 1.0 defined it ends after fini. */
#define DESC_SIZE_1_0 (offsetof(struct trawl_plugin, fini) + sizeof(void (*)(void *)))
_Static_assert(offsetof(struct trawl_plugin, magic) == 0, "descriptor head is frozen");
_Static_assert(offsetof(struct trawl_plugin, abi_major) == 4, "descriptor head is frozen");
_Static_assert(offsetof(struct trawl_plugin, abi_minor) == 6, "descriptor head is frozen");
_Static_assert(offsetof(struct trawl_plugin, size) == 8, "descriptor head is frozen");
_Static_assert(sizeof(struct trawl_plugin) == DESC_SIZE_1_0, "ABI 1.0 descriptor layout");

static struct plugin_entry *add_entry(struct trawl_engine *e, const char *path)
{
    struct plugin_entry **np = realloc(e->plugins, (e->nplugins + 1) * sizeof *np);
    if (!np) return NULL;
    e->plugins = np;
    struct plugin_entry *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) { free(p); return NULL; }
    p->e = e;
    e->plugins[e->nplugins++] = p;
    return p;
}

static int refuse(struct trawl_engine *e, struct plugin_entry *p, const char *fmt, ...) TRAWL_PRINTF(3, 4);
static int refuse(struct trawl_engine *e, struct plugin_entry *p, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    free(p->why);
    p->why = strdup(msg);
    p->loaded = false;
    p->enabled = false;
    if (p->dl) { dlclose(p->dl); p->dl = NULL; }
    p->desc = NULL;
    engine_log(e, TRAWL_LOG_ERROR, "plugin", "%s: refused: %s", p->path, msg);
    engine_error(e, TRAWL_EPLUGIN, "%s: refused: %s", p->path, msg);
    return TRAWL_EPLUGIN;
}

static bool plugin_name_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 64) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')) return false;
    return true;
}

int trawl_engine_load_plugin(struct trawl_engine *e, const char *path)
{
    if (e->started) return engine_error(e, TRAWL_ESTATE, "%s: plugins are loaded before trawl_engine_start", path);
    struct plugin_entry *p = add_entry(e, path);
    if (!p) return engine_error(e, TRAWL_ENOMEM, "out of memory");
    /* RTLD_LOCAL: plugins cannot see each other's symbols, only libtrawl's. */
    p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl) return refuse(e, p, "not a loadable shared object (%s)", dlerror());
    const struct trawl_plugin *d = dlsym(p->dl, TRAWL_PLUGIN_SYMBOL);
    if (!d) return refuse(e, p, "not a trawl plugin: no '%s' symbol (define one with TRAWL_PLUGIN_DESCRIPTOR)",
                          TRAWL_PLUGIN_SYMBOL);
    if (d->magic != TRAWL_PLUGIN_MAGIC)
        return refuse(e, p, "bad descriptor magic 0x%08x (expected 0x%08x)", d->magic, TRAWL_PLUGIN_MAGIC);
    if (d->abi_major != TRAWL_ABI_MAJOR)
        return refuse(e, p, "built for SDK ABI %u.%u, this trawl has ABI %u.%u: rebuild the plugin against SDK %u.x",
                      d->abi_major, d->abi_minor, TRAWL_ABI_MAJOR, TRAWL_ABI_MINOR, TRAWL_ABI_MAJOR);
    if (d->abi_minor > TRAWL_ABI_MINOR)
        return refuse(e, p, "built for SDK ABI %u.%u, newer than this trawl's %u.%u: upgrade trawl or rebuild the plugin",
                      d->abi_major, d->abi_minor, TRAWL_ABI_MAJOR, TRAWL_ABI_MINOR);
    if (d->size < DESC_SIZE_1_0 || d->size > sizeof(struct trawl_plugin))
        return refuse(e, p, "descriptor size %u bytes, expected %zu for ABI %u.%u (corrupt or hand-made descriptor)",
                      d->size, sizeof(struct trawl_plugin), d->abi_major, d->abi_minor);
    if (!plugin_name_ok(d->name))
        return refuse(e, p, "plugin name '%s' must be 1-64 characters of [a-z0-9_-]", d->name ? d->name : "(null)");
    if (!d->init) return refuse(e, p, "plugin %s has no init function", d->name);
    for (size_t i = 0; i + 1 < e->nplugins; i++) {
        struct plugin_entry *o = e->plugins[i];
        if (o->loaded && !strcmp(o->name, d->name))
            return refuse(e, p, "duplicate plugin name '%s' (already loaded from %s)", d->name, o->path);
    }
    p->desc = d;
    p->name = strdup(d->name);
    if (!p->name) return refuse(e, p, "out of memory");
    p->loaded = true;
    p->enabled = true;
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int trawl_engine_load_dir(struct trawl_engine *e, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return engine_error(e, TRAWL_EIO, "%s: cannot open plugin directory: %m", dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 4 || strcmp(de->d_name + l - 3, ".so")) continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn) break;
        names = nn;
        if (!(names[n] = strdup(de->d_name))) break;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int loaded = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (trawl_engine_load_plugin(e, path) == 0) loaded++;
        free(names[i]);
    }
    free(names);
    return loaded;
}

static struct plugin_entry *find_plugin(struct trawl_engine *e, const char *name)
{
    for (size_t i = 0; i < e->nplugins; i++)
        if (e->plugins[i]->loaded && !strcmp(e->plugins[i]->name, name)) return e->plugins[i];
    return NULL;
}

int trawl_engine_enable(struct trawl_engine *e, const char *name, bool on)
{
    if (e->started) return engine_error(e, TRAWL_ESTATE, "plugins are chosen before the engine starts");
    struct plugin_entry *p = find_plugin(e, name);
    if (!p) return engine_error(e, TRAWL_ENOENT, "no plugin named '%s' is loaded (see `trawl plugins`)", name);
    p->enabled = on;
    return 0;
}

/* --only a,b: those, and what they require (transitively). */
static void enable_with_requirements(struct trawl_engine *e, struct plugin_entry *p)
{
    if (p->enabled) return;
    p->enabled = true;
    for (const char *const *r = p->desc->requires; r && *r; r++) {
        struct plugin_entry *q = find_plugin(e, *r);
        if (q) enable_with_requirements(e, q);
    }
}

int trawl_engine_only(struct trawl_engine *e, const char *names)
{
    if (e->started) return engine_error(e, TRAWL_ESTATE, "plugins are chosen before the engine starts");
    char *copy = strdup(names ? names : ""), *save = NULL;
    if (!copy) return TRAWL_ENOMEM;
    for (size_t i = 0; i < e->nplugins; i++) e->plugins[i]->enabled = false;
    int rc = 0;
    for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        struct plugin_entry *p = find_plugin(e, t);
        if (!p) { rc = engine_error(e, TRAWL_ENOENT, "--only: no plugin named '%s' is loaded", t); continue; }
        enable_with_requirements(e, p);
    }
    free(copy);
    return rc;
}

int trawl_engine_set_option(struct trawl_engine *e, const char *spec)
{
    const char *eq = spec ? strchr(spec, '=') : NULL, *dot = spec ? strchr(spec, '.') : NULL;
    if (!eq || !dot || dot > eq || dot == spec)
        return engine_error(e, TRAWL_EINVAL, "option '%s': expected PLUGIN.KEY=VALUE", spec ? spec : "");
    struct plugin_option *no = realloc(e->options, (e->noptions + 1) * sizeof *no);
    if (!no) return TRAWL_ENOMEM;
    e->options = no;
    no[e->noptions].key = strndup(spec, (size_t)(eq - spec));
    no[e->noptions].value = strdup(eq + 1);
    e->noptions++;
    return 0;
}

const char *trawl_init_option(struct trawl_init *ctx, const char *key)
{
    if (!ctx->plugin || !key) return NULL;
    const char *found = NULL;
    size_t nl = strlen(ctx->plugin->name);
    for (size_t i = 0; i < ctx->e->noptions; i++) {
        const char *k = ctx->e->options[i].key;
        if (!strncmp(k, ctx->plugin->name, nl) && k[nl] == '.' && !strcmp(k + nl + 1, key))
            found = ctx->e->options[i].value;
    }
    return found;
}

void trawl_init_set_state(struct trawl_init *ctx, void *state) { if (ctx->plugin) ctx->plugin->state = state; }
void *trawl_init_state(struct trawl_init *ctx) { return ctx->plugin ? ctx->plugin->state : NULL; }

void trawl_init_log(struct trawl_init *ctx, enum trawl_log_level level, const char *fmt, ...)
{
    char msg[1024], origin[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(origin, sizeof origin, "plugin %s", ctx->plugin ? ctx->plugin->name : "?");
    engine_log(ctx->e, level, origin, "%s", msg);
}

static void fail_started(struct trawl_engine *e, struct plugin_entry *p, const char *phase, int rc)
{
    char msg[768];
    snprintf(msg, sizeof msg, "%s failed (%s)%s%s", phase, trawl_strerror(rc), p->why ? ": " : "",
             p->why ? p->why : "");
    free(p->why);
    p->why = strdup(msg);
    engine_log(e, TRAWL_LOG_ERROR, "plugin", "%s: refused: %s", p->path, msg);
    if (p->desc->fini && p->state) p->desc->fini(p->state);
    p->state = NULL;
    p->started = false;
    p->enabled = false;
    registry_purge_plugin(e, p);
}

int trawl_engine_start(struct trawl_engine *e)
{
    if (e->started) return engine_error(e, TRAWL_ESTATE, "engine already started");
    /* Requirements, repeated until stable: refusing one plugin may orphan another. */
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < e->nplugins; i++) {
            struct plugin_entry *p = e->plugins[i];
            if (!p->loaded || !p->enabled) continue;
            for (const char *const *r = p->desc->requires; r && *r; r++) {
                struct plugin_entry *q = find_plugin(e, *r);
                if (!q || !q->enabled) {
                    char msg[256];
                    snprintf(msg, sizeof msg, "requires plugin '%s', which is %s", *r,
                             !q ? "not loaded" : q->why ? "refused" : "disabled");
                    free(p->why);
                    p->why = strdup(msg);
                    p->enabled = false;
                    engine_log(e, TRAWL_LOG_ERROR, "plugin", "%s: refused: %s", p->path, msg);
                    changed = true;
                    break;
                }
            }
        }
    }
    /* Phase 1 in name order (determinism), then ids, then phase 2. */
    struct plugin_entry **order = calloc(e->nplugins ? e->nplugins : 1, sizeof *order);
    if (!order) return TRAWL_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < e->nplugins; i++)
        if (e->plugins[i]->loaded && e->plugins[i]->enabled) order[n++] = e->plugins[i];
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(order[j - 1]->name, order[j]->name) > 0; j--) {
            struct plugin_entry *t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        struct plugin_entry *p = order[i];
        struct trawl_init ctx = { e, p, 1, false };
        int rc = p->desc->init(&ctx);
        if (rc < 0 || ctx.failed) { fail_started(e, p, "init", rc < 0 ? rc : TRAWL_EPLUGIN); continue; }
        p->started = true;
    }
    int rc = registry_assign_field_ids(e);
    if (rc == 0) rc = records_start(e);
    if (rc < 0) { free(order); return engine_error(e, rc, "out of memory assigning field ids"); }
    for (size_t i = 0; i < n; i++) {
        struct plugin_entry *p = order[i];
        if (!p->started || !p->desc->handoff) continue;
        struct trawl_init ctx = { e, p, 2, false };
        int hrc = p->desc->handoff(&ctx);
        if (hrc < 0 || ctx.failed) fail_started(e, p, "handoff", hrc < 0 ? hrc : TRAWL_EPLUGIN);
    }
    free(order);
    registry_sort_heuristics(e);
    e->started = true;
    if ((rc = analyzers_start(e)) < 0) return engine_error(e, rc, "out of memory starting analyzers");
    if ((rc = secrets_start(e)) < 0) return rc;
    return 0;
}

size_t trawl_engine_plugin_count(const struct trawl_engine *e) { return e->nplugins; }

bool trawl_engine_plugin_info(const struct trawl_engine *e, size_t i, struct trawl_plugin_info *out)
{
    if (i >= e->nplugins) return false;
    const struct plugin_entry *p = e->plugins[i];
    memset(out, 0, sizeof *out);
    out->name = p->name;
    out->version = p->desc ? p->desc->version : NULL;
    out->summary = p->desc ? p->desc->summary : NULL;
    out->path = p->path;
    out->loaded = p->loaded && (!e->started || p->started || !p->enabled);
    out->enabled = p->enabled;
    out->why = p->why;
    out->protos = p->protos;
    out->fields = p->fields;
    out->sinks = p->sinks;
    out->tables = p->tables;
    out->heuristics = p->heuristics;
    return true;
}

void loader_free(struct trawl_engine *e)
{
    for (size_t i = 0; i < e->nplugins; i++) {
        struct plugin_entry *p = e->plugins[i];
        if (p->started && p->desc && p->desc->fini) p->desc->fini(p->state);
    }
    for (size_t i = 0; i < e->nplugins; i++) {
        struct plugin_entry *p = e->plugins[i];
        if (p->dl) dlclose(p->dl);
        free(p->path); free(p->name); free(p->why); free(p);
    }
    free(e->plugins);
    for (size_t i = 0; i < e->noptions; i++) { free(e->options[i].key); free(e->options[i].value); }
    free(e->options);
}

/* Engine settings share the option list with plugins ("flow.timeout.tcp=300"): the last
 * value given wins. */
const char *engine_option(const struct trawl_engine *e, const char *key)
{
    const char *found = NULL;
    for (size_t i = 0; i < e->noptions; i++)
        if (!strcmp(e->options[i].key, key)) found = e->options[i].value;
    return found;
}

/* A numeric setting with a suffix k/M/G (powers of 1024) allowed; a bad or out-of-range value is
 * logged once and the default used, so a typo never silently means 0. */
uint64_t engine_option_u64(struct trawl_engine *e, const char *key, uint64_t dflt, uint64_t min,
                           uint64_t max)
{
    const char *v = engine_option(e, key);
    if (!v) return dflt;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    uint64_t mult = 1;
    if (*end == 'k' || *end == 'K') { mult = 1024; end++; }
    else if (*end == 'M') { mult = 1024 * 1024; end++; }
    else if (*end == 'G') { mult = 1024ull * 1024 * 1024; end++; }
    if (errno || end == v || *end || *v == '-' || n > max / mult || n * mult < min) {
        engine_log(e, TRAWL_LOG_ERROR, "engine", "option %s=%s: expected a number in [%llu, %llu]; "
                   "using %llu", key, v, (unsigned long long)min, (unsigned long long)max,
                   (unsigned long long)dflt);
        return dflt;
    }
    return n * mult;
}
