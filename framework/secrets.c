/* secrets.c — the engine's TLS key log (secrets.h): lines from pcapng Decryption Secrets Blocks
 * and from -o tls.keylog_file, by (label, client random). The reading thread adds while workers
 * look up, so a read-write lock guards the table; each secret remembers the first frame it
 * applies to, so a lookup never sees a secret the file gives only after the packet. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

#define LABEL_MAX 48
#define SECRET_MAX 64

struct secret_key { char label[LABEL_MAX]; uint8_t random[32]; };

struct secret {
    struct secret_key key;
    uint8_t value[SECRET_MAX];
    uint8_t len;
    uint64_t from_frame;
    UT_hash_handle hh;
};

struct tls_secrets {
    pthread_rwlock_t lock;
    struct secret *by_key;
    atomic_ulong count;
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* n hex digit pairs at s into out; the count of bytes, or 0 when s has other than hex there. */
static size_t unhex(const char *s, size_t len, uint8_t *out, size_t cap)
{
    if (len % 2 || len / 2 > cap) return 0;
    for (size_t i = 0; i < len / 2; i++) {
        int a = hexval((unsigned char)s[2 * i]), b = hexval((unsigned char)s[2 * i + 1]);
        if (a < 0 || b < 0) return 0;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return len / 2;
}

static struct tls_secrets *table(struct trawl_engine *e)
{
    if (!e->secrets) {
        struct tls_secrets *t = calloc(1, sizeof *t);
        if (!t || pthread_rwlock_init(&t->lock, NULL)) { free(t); return NULL; }
        e->secrets = t;
    }
    return e->secrets;
}

/* One key log line; false when it is not one (comments and blank lines are not errors). */
static bool add_line(struct tls_secrets *t, const char *line, size_t n, uint64_t from_frame)
{
    const char *sp1 = memchr(line, ' ', n);
    if (!sp1 || sp1 == line || (size_t)(sp1 - line) >= LABEL_MAX) return false;
    const char *r = sp1 + 1;
    const char *sp2 = memchr(r, ' ', n - (size_t)(r - line));
    if (!sp2) return false;
    const char *v = sp2 + 1;
    size_t vl = n - (size_t)(v - line);
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
    struct secret *s = calloc(1, sizeof *s);
    if (!s) return false;
    memcpy(s->key.label, line, (size_t)(sp1 - line));
    if (unhex(r, (size_t)(sp2 - r), s->key.random, 32) != 32 || !(s->len = (uint8_t)unhex(v, vl, s->value, SECRET_MAX))) {
        free(s);
        return false;
    }
    s->from_frame = from_frame;
    pthread_rwlock_wrlock(&t->lock);
    struct secret *old = NULL;
    HASH_FIND(hh, t->by_key, &s->key, sizeof s->key, old);
    if (old) free(s);                       /* the first one given stays */
    else { HASH_ADD(hh, t->by_key, key, sizeof s->key, s); atomic_fetch_add(&t->count, 1); }
    pthread_rwlock_unlock(&t->lock);
    return true;
}

/* Key log text (lines); returns the secrets it added or knew. */
size_t secrets_add_keylog(struct trawl_engine *e, const char *text, size_t len, uint64_t from_frame)
{
    struct tls_secrets *t = table(e);
    size_t n = 0;
    for (size_t off = 0; t && off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t ll = nl ? (size_t)(nl - (text + off)) : len - off;
        if (ll && text[off] != '#' && add_line(t, text + off, ll, from_frame)) n++;
        off += ll + 1;
    }
    return n;
}

/* The pcapng reader's callback: a Decryption Secrets Block. */
void secrets_on_block(void *ctx, uint32_t type, const uint8_t *data, uint32_t len, uint64_t offset)
{
    struct trawl_engine *e = ctx;
    if (type != 0x544c534bu) {              /* "TLSK"; WireGuard and others are not used */
        engine_log(e, TRAWL_LOG_INFO, NULL, "decryption secrets block at offset %llu: type 0x%08x not used",
                   (unsigned long long)offset, type);
        return;
    }
    size_t n = secrets_add_keylog(e, (const char *)data, len, e->stats.packets + 1);
    engine_log(e, TRAWL_LOG_INFO, NULL, "decryption secrets block at offset %llu: %zu TLS secrets",
               (unsigned long long)offset, n);
}

/* -o tls.keylog_file=PATH, at start. */
int secrets_start(struct trawl_engine *e)
{
    const char *path = engine_option(e, "tls.keylog_file");
    if (!path) return 0;
    FILE *f = fopen(path, "r");
    if (!f) return engine_error(e, TRAWL_EIO, "tls.keylog_file=%s: cannot be read", path);
    char line[1024];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) n += secrets_add_keylog(e, line, strcspn(line, "\n"), 0);
    fclose(f);
    engine_log(e, TRAWL_LOG_INFO, NULL, "tls.keylog_file=%s: %zu TLS secrets", path, n);
    return 0;
}

void secrets_free(struct trawl_engine *e)
{
    struct tls_secrets *t = e->secrets;
    if (!t) return;
    struct secret *s, *tmp;
    HASH_ITER(hh, t->by_key, s, tmp) { HASH_DEL(t->by_key, s); free(s); }
    pthread_rwlock_destroy(&t->lock);
    free(t);
    e->secrets = NULL;
}

bool trawl_tls_secrets_known(const struct trawl_packet *pkt)
{
    const struct tls_secrets *t = pkt ? pkt->e->secrets : NULL;
    return t && atomic_load(&t->count) > 0;
}

size_t trawl_tls_secret(const struct trawl_packet *pkt, const char *label, const uint8_t client_random[32],
                        uint8_t *out, size_t cap)
{
    struct tls_secrets *t = pkt ? pkt->e->secrets : NULL;
    if (!t || !label || strlen(label) >= LABEL_MAX || !atomic_load(&t->count)) return 0;
    struct secret_key k;
    memset(&k, 0, sizeof k);
    memcpy(k.label, label, strlen(label));
    memcpy(k.random, client_random, 32);
    size_t n = 0;
    pthread_rwlock_rdlock(&t->lock);
    struct secret *s = NULL;
    HASH_FIND(hh, t->by_key, &k, sizeof k, s);
    if (s && s->from_frame <= pkt->frame.number && s->len <= cap) {
        memcpy(out, s->value, s->len);
        n = s->len;
    }
    pthread_rwlock_unlock(&t->lock);
    return n;
}
