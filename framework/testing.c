/* testing.c — the plugin authors' test harness (trawl/testing.h): a real engine, real
 * plugins, fields back as -T fields strings. */
#include "trawl/trawl.h"
#include "input/capture.h"
#include "engine_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TH_MAXV 4096
#define TH_MAXR 4096

/* A record kept as its type and "column=value" texts, for trawl_test_record_value. */
struct th_record {
    char *type;
    size_t n;
    char **cols, **vals;
};

struct trawl_test {
    struct trawl_engine *e;
    struct cap_reader *cap;            /* trawl_test_file_upto's open capture */
    char *cap_path;
    uint64_t cap_frame;
    uint64_t number;
    int64_t ts;
    struct th_record recs[TH_MAXR];
    size_t nrec;
    size_t nv;
    const char *names[TH_MAXV];
    char *texts[TH_MAXV];
    char layers[512];
    struct { char proto[32]; unsigned err; } lerr[64];
    size_t nl;
    unsigned errors;
    char out[65536];
    char info[256], proto[64];
};

static void test_clear(struct trawl_test *t)
{
    for (size_t i = 0; i < t->nv; i++) free(t->texts[i]);
    t->nv = 0;
    t->nl = 0;
    t->layers[0] = 0;
    t->errors = 0;
}

static void on_packet(void *user, const struct trawl_packet *pkt)
{
    struct trawl_test *t = user;
    test_clear(t);
    size_t n;
    const struct trawl_value *v = trawl_packet_values(pkt, &n);
    for (size_t i = 0; i < n && t->nv < TH_MAXV; i++) {
        size_t need = trawl_value_format(&v[i], TRAWL_FMT_FIELDS, NULL, 0) + 1;
        char *s = malloc(need);
        if (!s) continue;
        trawl_value_format(&v[i], TRAWL_FMT_FIELDS, s, need);
        t->names[t->nv] = v[i].field->name;
        t->texts[t->nv++] = s;
    }
    size_t nl;
    const struct trawl_layer *l = trawl_packet_layers(pkt, &nl);
    size_t at = 0;
    for (size_t i = 1; i < nl; i++) {
        at += (size_t)snprintf(t->layers + at, at < sizeof t->layers ? sizeof t->layers - at : 0, "%s%s",
                               i > 1 ? ":" : "", l[i].proto->name);
        if (at >= sizeof t->layers) at = sizeof t->layers - 1;
        if (t->nl < 64) {
            snprintf(t->lerr[t->nl].proto, sizeof t->lerr[0].proto, "%s", l[i].proto->name);
            t->lerr[t->nl++].err = l[i].err;
        }
    }
    t->errors = trawl_packet_errors(pkt);
    snprintf(t->info, sizeof t->info, "%s", trawl_packet_col(pkt, TRAWL_COL_INFO));
    snprintf(t->proto, sizeof t->proto, "%s", trawl_packet_protocol(pkt));
}

static void on_record(void *user, const struct trawl_record *r)
{
    struct trawl_test *t = user;
    if (t->nrec >= TH_MAXR) return;
    const struct trawl_record_type *ty = trawl_record_get_type(r);
    size_t n;
    const struct trawl_value *v = trawl_record_values(r, &n);
    struct th_record *k = &t->recs[t->nrec];
    if (!(k->type = strdup(ty->name)) || !(k->cols = calloc(n + 1, sizeof *k->cols)) ||
        !(k->vals = calloc(n + 1, sizeof *k->vals))) {
        free(k->type); free(k->cols);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t need = trawl_value_format(&v[i], TRAWL_FMT_FIELDS, NULL, 0) + 1;
        char *s = malloc(need);
        if (!s) break;
        trawl_value_format(&v[i], TRAWL_FMT_FIELDS, s, need);
        k->cols[k->n] = (char *)ty->columns[trawl_record_column(ty, v[i].field)].name;
        k->vals[k->n++] = s;
    }
    t->nrec++;
}

struct trawl_test *trawl_test_new(const char *const *dirs, const char *const *decode_as)
{
    return trawl_test_new_opts(dirs, decode_as, NULL);
}

struct trawl_test *trawl_test_new_opts(const char *const *dirs, const char *const *decode_as,
                                       const char *const *options)
{
    struct trawl_test *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->ts = 1700000000123456789LL;
    struct trawl_engine_options o = { .size = sizeof o, .log_level = TRAWL_LOG_ERROR };
    t->e = trawl_engine_new(&o);
    if (!t->e) { free(t); return NULL; }
    for (size_t i = 0; dirs && dirs[i]; i++) {
        size_t n = strlen(dirs[i]);
        int rc = n > 3 && !strcmp(dirs[i] + n - 3, ".so") ? trawl_engine_load_plugin(t->e, dirs[i])
                                                          : trawl_engine_load_dir(t->e, dirs[i]);
        if (rc < 0) fprintf(stderr, "trawl_test: %s\n", trawl_engine_last_error(t->e));
    }
    for (size_t i = 0; options && options[i]; i++)
        if (trawl_engine_set_option(t->e, options[i]) < 0)
            fprintf(stderr, "trawl_test: %s\n", trawl_engine_last_error(t->e));
    if (trawl_engine_start(t->e) < 0) {
        fprintf(stderr, "trawl_test: %s\n", trawl_engine_last_error(t->e));
        trawl_test_free(t);
        return NULL;
    }
    for (size_t i = 0; decode_as && decode_as[i]; i++)
        if (trawl_engine_decode_as(t->e, decode_as[i]) < 0)
            fprintf(stderr, "trawl_test: %s\n", trawl_engine_last_error(t->e));
    trawl_engine_want_all(t->e);
    trawl_engine_want_cols(t->e);
    trawl_engine_on_packet(t->e, on_packet, t);
    trawl_engine_on_record(t->e, on_record, t);
    return t;
}

static void step_close(struct trawl_test *t)
{
    if (t->cap) cap_close(t->cap);
    free(t->cap_path);
    t->cap = NULL;
    t->cap_path = NULL;
    t->cap_frame = 0;
}

int trawl_test_file_upto(struct trawl_test *t, const char *path, uint64_t upto)
{
    if (!t->cap_path || strcmp(t->cap_path, path)) {
        step_close(t);
        char err[512];
        if (!(t->cap = cap_open(path, err, sizeof err))) { fprintf(stderr, "trawl_test: %s\n", err); return -1; }
        cap_on_secrets(t->cap, secrets_on_block, t->e);
        if (!(t->cap_path = strdup(path))) { step_close(t); return -1; }
    }
    struct cap_packet cp;
    while (t->cap_frame < upto) {
        if (cap_next(t->cap, &cp) != 1) {
            step_close(t);
            return upto == UINT64_MAX ? 0 : -1;
        }
        t->cap_frame++;
        struct trawl_frame f = { .ts_ns = cp.ts_ns, .caplen = cp.caplen, .len = cp.len,
                                 .linktype = cp.linktype, .interface_id = cp.interface_id,
                                 .comment = cp.comment, .comment_len = cp.comment_len,
                                 .ts_precision = cp.ts_digits ? cp.ts_digits : cap_ts_precision(t->cap) };
        test_clear(t);
        if (trawl_engine_feed(t->e, &f, cp.data) < 0) return -1;
    }
    return 0;
}

void trawl_test_free(struct trawl_test *t)
{
    if (!t) return;
    step_close(t);
    /* Flows still open end when the engine is freed: their records are not ours to keep. */
    trawl_engine_on_record(t->e, NULL, NULL);
    test_clear(t);
    for (size_t i = 0; i < t->nrec; i++) {
        for (size_t j = 0; j < t->recs[i].n; j++) free(t->recs[i].vals[j]);
        free(t->recs[i].type); free(t->recs[i].cols); free(t->recs[i].vals);
    }
    trawl_engine_free(t->e);
    free(t);
}

struct trawl_engine *trawl_test_engine(struct trawl_test *t) { return t->e; }

int trawl_test_bytes(struct trawl_test *t, int linktype, const uint8_t *p, uint32_t caplen, uint32_t len)
{
    struct trawl_frame f = { .number = ++t->number, .ts_ns = t->ts, .caplen = caplen,
                             .len = len ? len : caplen, .linktype = linktype, .ts_precision = 9 };
    test_clear(t);
    return trawl_engine_feed(t->e, &f, p);
}

int trawl_test_hex(struct trawl_test *t, int linktype, const char *hex)
{
    size_t cap = strlen(hex) / 2 + 1, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) return -1;
    int hi = -1;
    for (const char *s = hex; *s; s++) {
        if (isspace((unsigned char)*s) || *s == ':') continue;
        int d = isdigit((unsigned char)*s) ? *s - '0' : isxdigit((unsigned char)*s) ? (tolower((unsigned char)*s) - 'a' + 10) : -1;
        if (d < 0) { free(buf); return -1; }
        if (hi < 0) hi = d;
        else { buf[n++] = (uint8_t)(hi << 4 | d); hi = -1; }
    }
    if (hi >= 0) { free(buf); return -1; }
    int rc = trawl_test_bytes(t, linktype, buf, (uint32_t)n, (uint32_t)n);
    free(buf);
    return rc;
}

const char *trawl_test_field(struct trawl_test *t, const char *name)
{
    size_t at = 0;
    t->out[0] = 0;
    for (size_t i = 0; i < t->nv; i++) {
        if (strcmp(t->names[i], name)) continue;
        at += (size_t)snprintf(t->out + at, at < sizeof t->out ? sizeof t->out - at : 0, "%s%s",
                               at ? "," : "", t->texts[i]);
        if (at >= sizeof t->out) { at = sizeof t->out - 1; break; }
    }
    return t->out;
}

unsigned trawl_test_count(struct trawl_test *t, const char *name)
{
    unsigned c = 0;
    for (size_t i = 0; i < t->nv; i++) c += !strcmp(t->names[i], name);
    return c;
}

unsigned trawl_test_errors(struct trawl_test *t) { return t->errors; }

unsigned trawl_test_layer_errors(struct trawl_test *t, const char *proto)
{
    unsigned e = 0;
    for (size_t i = 0; i < t->nl; i++) if (!strcmp(t->lerr[i].proto, proto)) e |= t->lerr[i].err;
    return e;
}

const char *trawl_test_layers(struct trawl_test *t) { return t->layers; }
const char *trawl_test_info(struct trawl_test *t) { return t->info; }
const char *trawl_test_protocol(struct trawl_test *t) { return t->proto; }

int trawl_test_file(struct trawl_test *t, const char *path)
{
    test_clear(t);
    return trawl_engine_read_file(t->e, path);
}

void trawl_test_set_time(struct trawl_test *t, int64_t ns) { t->ts = ns; }

int trawl_test_finish(struct trawl_test *t)
{
    test_clear(t);
    return trawl_engine_finish(t->e);
}

unsigned trawl_test_record_count(struct trawl_test *t, const char *type)
{
    unsigned c = 0;
    for (size_t i = 0; i < t->nrec; i++) c += !strcmp(t->recs[i].type, type);
    return c;
}

const char *trawl_test_record_value(struct trawl_test *t, const char *type, unsigned index,
                                    const char *column)
{
    size_t at = 0;
    t->out[0] = 0;
    for (size_t i = 0; i < t->nrec; i++) {
        if (strcmp(t->recs[i].type, type) || index--) continue;
        for (size_t j = 0; j < t->recs[i].n; j++) {
            if (strcmp(t->recs[i].cols[j], column)) continue;
            at += (size_t)snprintf(t->out + at, at < sizeof t->out ? sizeof t->out - at : 0, "%s%s",
                                   at ? "," : "", t->recs[i].vals[j]);
            if (at >= sizeof t->out) { at = sizeof t->out - 1; break; }
        }
        break;
    }
    return t->out;
}
