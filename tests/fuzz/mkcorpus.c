/* mkcorpus.c — seed corpora for the fuzz targets, cut from real captures.
 *
 *   mkcorpus TARGETS.txt OUTDIR INPUT...
 *
 * INPUT: capture files (pcap/pcapng, read with libtrawl's own readers) and regression frames
 * named "<linktype>-<name>[@<wire len>].bin". Every frame is walked with a tiny parser
 * (link layer → VLAN tags → IPv4/IPv6 and their extension headers → TCP/UDP) that notes where
 * each layer starts; for every target of TARGETS.txt whose kind/arg matches a layer, the bytes
 * from there on become a seed in OUTDIR/<target>/<fnv-hash>, prefixed as the target expects
 * (fuzz_dissect.c). At most MAX_PER_FILE seeds per target come from one capture and
 * MAX_PER_TARGET in all, so corpora stay small and varied.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture.h"
#include "fuzz_wrap.h"

#define MAX_TARGETS    64
#define MAX_PER_FILE   24
#define MAX_PER_TARGET 400
#define MAX_POINTS     32
#define MAX_SEED       65535

struct target {
    char name[64];
    int generic;
    enum wrap_kind kind;
    uint32_t arg;
    unsigned total, this_file;
    char dir[4096];
};

static struct target targets[MAX_TARGETS];
static size_t ntargets;

/* A place in a frame where a layer starts: what selects it, and the bytes from there on. */
enum point_kind { P_LINK, P_ETHER, P_IPPROTO4, P_IPPROTO6, P_UDP, P_TCP };
struct point { enum point_kind kind; uint32_t key, key2; uint32_t off, end; };

static int load_targets(const char *path, const char *outdir)
{
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return -1; }
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char name[64], plugin[64], kind[16], arg[32];
        if (line[0] == '#' || sscanf(line, "%63s %63s %15s %31s", name, plugin, kind, arg) != 4) continue;
        if (ntargets == MAX_TARGETS) break;
        struct target *t = &targets[ntargets];
        memset(t, 0, sizeof *t);
        snprintf(t->name, sizeof t->name, "%s", name);
        t->arg = (uint32_t)strtoul(arg, NULL, 0);
        if (!strcmp(kind, "generic")) t->generic = 1;
        else if (!strcmp(kind, "link")) t->kind = WRAP_LINK;
        else if (!strcmp(kind, "ether")) t->kind = WRAP_ETHER;
        else if (!strcmp(kind, "ip4")) t->kind = WRAP_IP4;
        else if (!strcmp(kind, "ip6")) t->kind = WRAP_IP6;
        else if (!strcmp(kind, "udp")) t->kind = WRAP_UDP;
        else if (!strcmp(kind, "tcp")) t->kind = WRAP_TCP;
        else { fprintf(stderr, "mkcorpus: %s: unknown kind %s\n", name, kind); continue; }
        snprintf(t->dir, sizeof t->dir, "%s/%s", outdir, name);
        if (mkdir(t->dir, 0777) < 0 && errno != EEXIST) { perror(t->dir); fclose(f); return -1; }
        ntargets++;
    }
    fclose(f);
    return 0;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void add(struct point *pts, size_t *n, enum point_kind k, uint32_t key, uint32_t key2,
                uint32_t off, uint32_t end)
{
    if (*n < MAX_POINTS && off <= end) pts[(*n)++] = (struct point){ k, key, key2, off, end };
}

/* Transport and IP layers from off (an IP header of version v, or 0: look at the nibble). */
static void walk_ip(const uint8_t *p, uint32_t n, uint32_t off, struct point *pts, size_t *np, int depth)
{
    if (depth > 4 || off >= n) return;
    unsigned v = p[off] >> 4;
    uint32_t proto, pay, end = n;
    enum point_kind pk;
    if (v == 4) {
        if (n - off < 20) return;
        uint32_t ihl = (p[off] & 15u) * 4, tot = rd16(p + off + 2);
        if (ihl < 20 || n - off < ihl) return;
        if (tot >= ihl && off + tot < n) end = off + tot;     /* cut Ethernet padding */
        if ((rd16(p + off + 6) & 0x1fff) != 0) return;      /* later fragment: no L4 header */
        proto = p[off + 9];
        pay = off + ihl;
        pk = P_IPPROTO4;
    } else if (v == 6) {
        if (n - off < 40) return;
        uint32_t plen = rd16(p + off + 4);
        if (plen && off + 40 + plen < n) end = off + 40 + plen;
        proto = p[off + 6];
        pay = off + 40;
        /* Hop-by-hop, routing, destination options: 8-byte units after the first 8. */
        for (int i = 0; i < 8 && (proto == 0 || proto == 43 || proto == 60 || proto == 44); i++) {
            if (pay >= end || end - pay < 8) return;
            uint32_t nh = p[pay];
            if (proto == 44) {
                if ((rd16(p + pay + 2) & 0xfff8) != 0) return;   /* not the first fragment */
                pay += 8;
            } else {
                pay += 8 + p[pay + 1] * 8u;
            }
            proto = nh;
        }
        if (pay > end) return;
        pk = P_IPPROTO6;
    } else {
        return;
    }
    add(pts, np, pk, proto, 0, pay, end);
    if (proto == 4 || proto == 41) { walk_ip(p, end, pay, pts, np, depth + 1); return; }
    if (proto == 47 && end - pay >= 4) {             /* GRE: ethertype-like protocol at 2 */
        uint16_t flags = rd16(p + pay), type = rd16(p + pay + 2);
        uint32_t h = 4 + (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) + (flags & 0x1000 ? 4 : 0);
        if ((flags & 7) == 1) h = 8 + (flags & 0x1000 ? 4 : 0) + (flags & 0x0080 ? 4 : 0);  /* PPTP */
        add(pts, np, P_ETHER, type, 0, pay + h, end);
        if ((type == 0x0800 || type == 0x86dd) && pay + h < end) walk_ip(p, end, pay + h, pts, np, depth + 1);
        return;
    }
    if (proto == 17 && end - pay >= 8) add(pts, np, P_UDP, rd16(p + pay), rd16(p + pay + 2), pay + 8, end);
    if (proto == 6 && end - pay >= 20) {
        uint32_t doff = (p[pay + 12] >> 4) * 4u;
        if (doff >= 20 && end - pay >= doff && end - pay > doff)   /* with payload only */
            add(pts, np, P_TCP, rd16(p + pay), rd16(p + pay + 2), pay + doff, end);
    }
}

static void walk_ether(const uint8_t *p, uint32_t n, uint32_t off, uint16_t type, struct point *pts, size_t *np)
{
    for (int i = 0; i < 4; i++) {
        add(pts, np, P_ETHER, type, 0, off, n);
        if ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && off <= n && n - off >= 4) {
            type = rd16(p + off + 2);
            off += 4;
            continue;
        }
        break;
    }
    if (type == 0x8864 && off + 8 <= n) {            /* PPPoE session → PPP protocol */
        uint16_t pp = rd16(p + off + 6);
        if (pp == 0x0021 || pp == 0x0057) walk_ip(p, n, off + 8, pts, np, 0);
        return;
    }
    if (type == 0x0800 || type == 0x86dd) walk_ip(p, n, off, pts, np, 0);
}

static size_t walk(const uint8_t *p, uint32_t n, int lt, struct point *pts)
{
    size_t np = 0;
    add(pts, &np, P_LINK, (uint32_t)lt, 0, 0, n);
    switch (lt) {
    case 1:
        if (n >= 14) {
            uint16_t t = rd16(p + 12);
            if (t >= 0x600) walk_ether(p, n, 14, t, pts, &np);
        }
        break;
    case 113:
        if (n >= 16) walk_ether(p, n, 16, rd16(p + 14), pts, &np);
        break;
    case 276:
        if (n >= 20) walk_ether(p, n, 20, rd16(p), pts, &np);
        break;
    case 0: case 108:
        if (n >= 4) walk_ip(p, n, 4, pts, &np, 0);
        break;
    case 101: case 12: case 14: case 228: case 229:
        walk_ip(p, n, 0, pts, &np, 0);
        break;
    default:
        break;
    }
    return np;
}

static unsigned long long written;

static void seed(struct target *t, const uint8_t *pre, size_t npre, const uint8_t *p, size_t n)
{
    if (t->this_file >= MAX_PER_FILE || t->total >= MAX_PER_TARGET || npre + n > MAX_SEED) return;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < npre; i++) h = (h ^ pre[i]) * 1099511628211ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    char path[4200];
    snprintf(path, sizeof path, "%s/%016llx", t->dir, (unsigned long long)h);
    struct stat st;
    if (stat(path, &st) == 0) return;                 /* already there */
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); return; }
    fwrite(pre, 1, npre, f);
    fwrite(p, 1, n, f);
    fclose(f);
    t->this_file++;
    t->total++;
    written++;
}

static void frame(const uint8_t *p, uint32_t caplen, uint32_t len, int lt)
{
    struct point pts[MAX_POINTS];
    size_t np = walk(p, caplen, lt, pts);
    uint8_t cut = len > caplen ? 0xc0 | (uint8_t)((len - caplen) / 16 < 0x3f ? (len - caplen) / 16 : 0x3f) : 0;
    for (size_t i = 0; i < ntargets; i++) {
        struct target *t = &targets[i];
        if (t->generic) {
            int idx = wrap_linktype_index(lt);
            if (idx >= 0) {
                uint8_t pre[2] = { (uint8_t)idx, cut };
                seed(t, pre, 2, p, caplen);
            }
            continue;
        }
        for (size_t j = 0; j < np; j++) {
            const struct point *pt = &pts[j];
            int hit = 0;
            switch (t->kind) {
            case WRAP_LINK: hit = pt->kind == P_LINK && pt->key == t->arg; break;
            case WRAP_ETHER: hit = pt->kind == P_ETHER && pt->key == t->arg; break;
            case WRAP_IP4: case WRAP_IP6:
                hit = (pt->kind == P_IPPROTO4 || pt->kind == P_IPPROTO6) && pt->key == t->arg; break;
            case WRAP_UDP: hit = pt->kind == P_UDP && (pt->key == t->arg || pt->key2 == t->arg); break;
            case WRAP_TCP: hit = pt->kind == P_TCP && (pt->key == t->arg || pt->key2 == t->arg); break;
            }
            if (hit) {
                uint8_t pre[1] = { cut };
                seed(t, pre, 1, p + pt->off, pt->end - pt->off);
                break;
            }
        }
    }
}

static void one_input(const char *path)
{
    for (size_t i = 0; i < ntargets; i++) targets[i].this_file = 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = strlen(base);
    if (bl > 4 && !strcmp(base + bl - 4, ".bin")) {
        /* A regression frame: "<linktype>-<name>[@<wire len>].bin". */
        char *end;
        long lt = strtol(base, &end, 10);
        if (end == base || *end != '-') return;
        FILE *f = fopen(path, "rb");
        if (!f) return;
        static uint8_t buf[MAX_SEED];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        const char *at = strrchr(base, '@');
        uint32_t wire = at ? (uint32_t)strtoul(at + 1, NULL, 10) : (uint32_t)n;
        frame(buf, (uint32_t)n, wire > n ? wire : (uint32_t)n, (int)lt);
        return;
    }
    char err[512];
    struct cap_reader *r = cap_open(path, err, sizeof err);
    if (!r) return;
    struct cap_packet pk;
    while (cap_next(r, &pk) == 1) frame(pk.data, pk.caplen, pk.len, pk.linktype);
    cap_close(r);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mkcorpus TARGETS.txt OUTDIR INPUT...\n");
        return 2;
    }
    if (mkdir(argv[2], 0777) < 0 && errno != EEXIST) { perror(argv[2]); return 1; }
    if (load_targets(argv[1], argv[2]) < 0) return 1;
    for (int i = 3; i < argc; i++) one_input(argv[i]);
    for (size_t i = 0; i < ntargets; i++)
        printf("  %-14s %u seeds\n", targets[i].name, targets[i].total);
    printf("mkcorpus: %llu new seed files\n", written);
    return 0;
}
