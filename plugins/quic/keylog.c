/* keylog.c — TLS secrets from an SSLKEYLOGFILE (-o quic.keylog=FILE), read once at init: the
 * lines "CLIENT_HANDSHAKE_TRAFFIC_SECRET <client random> <secret>" and
 * "SERVER_HANDSHAKE_TRAFFIC_SECRET ..." (hex), kept sorted by client random for lookups while
 * dissecting (read-only then). Other lines, comments and malformed lines are skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quic.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Exactly n bytes of hex from s, ending at a space, a line end or the string's end. */
static bool unhex(const char *s, uint8_t *out, size_t n, const char **end)
{
    for (size_t i = 0; i < n; i++) {
        int a = hexval((unsigned char)s[2 * i]), b = a < 0 ? -1 : hexval((unsigned char)s[2 * i + 1]);
        if (a < 0 || b < 0) return false;
        out[i] = (uint8_t)(a << 4 | b);
    }
    s += 2 * n;
    if (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return false;
    *end = s;
    return true;
}

static int cmp(const void *a, const void *b)
{
    const struct quic_secret *x = a, *y = b;
    int c = memcmp(x->random, y->random, 32);
    return c ? c : (int)x->label - (int)y->label;
}

int quic_keylog_load(struct quic_state *st, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return TRAWL_EIO;
    char line[512];
    uint32_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        static const struct { const char *name; int label; } labels[] = {
            { "CLIENT_HANDSHAKE_TRAFFIC_SECRET ", KL_CLIENT_HS },
            { "SERVER_HANDSHAKE_TRAFFIC_SECRET ", KL_SERVER_HS },
        };
        for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
            size_t ll = strlen(labels[i].name);
            if (strncmp(line, labels[i].name, ll)) continue;
            struct quic_secret s;
            const char *p = line + ll, *e;
            memset(&s, 0, sizeof s);
            s.label = (uint8_t)labels[i].label;
            if (!unhex(p, s.random, 32, &e) || *e != ' ') break;
            p = e + 1;
            size_t hl = strcspn(p, " \t\r\n");
            if (hl != 64 && hl != 96) break;
            s.len = (uint8_t)(hl / 2);
            if (!unhex(p, s.secret, s.len, &e)) break;
            if (st->nkeylog == cap) {
                uint32_t nc = cap ? cap * 2 : 64;
                struct quic_secret *n = realloc(st->keylog, nc * sizeof *n);
                if (!n) { fclose(f); return TRAWL_ENOMEM; }
                st->keylog = n;
                cap = nc;
            }
            st->keylog[st->nkeylog++] = s;
            break;
        }
    }
    fclose(f);
    if (st->nkeylog) qsort(st->keylog, st->nkeylog, sizeof *st->keylog, cmp);
    return 0;
}

const struct quic_secret *quic_keylog_find(const struct quic_state *st, const uint8_t random[32], int label)
{
    struct quic_secret key;
    memcpy(key.random, random, 32);
    key.label = (uint8_t)label;
    return st->nkeylog ? bsearch(&key, st->keylog, st->nkeylog, sizeof key, cmp) : NULL;
}
