/* views.c — -z conv,... and -z follow,tcp,... : tables and streams printed after the run, laid
 * out as tshark lays them out.
 *
 * Conversations come from flows as they end (trawl_engine_on_flow_end). A flow is split where
 * tshark's conversation is not (an idle timeout, the close delay), so flows of one tuple are
 * merged back into one line; a TCP flow that begins with the originator's SYN starts a new
 * line, as a reused port starts a new tcp.stream in tshark. conv,eth counts frames by their
 * Ethernet addresses (the packet callback). Followed streams are written to a temporary file
 * as they are delivered (memory does not grow with them) and printed at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"
#include "views.h"

enum conv_kind { CONV_ETH, CONV_IP, CONV_IPV6, CONV_TCP, CONV_UDP };

static const struct { const char *arg, *title; bool ports; } kinds[] = {
    [CONV_ETH] = { "eth", "Ethernet", false }, [CONV_IP] = { "ip", "IPv4", false },
    [CONV_IPV6] = { "ipv6", "IPv6", false }, [CONV_TCP] = { "tcp", "TCP", true },
    [CONV_UDP] = { "udp", "UDP", true },
};

/* Conversations kept per table: past it new ones are counted, not kept (said at the end). */
#define CONV_MAX (1u << 22)
#define VIEWS_MAX 64

struct conv {
    uint8_t a[16], b[16];            /* a: the source of the conversation's first frame */
    uint16_t pa, pb;
    uint8_t family;                  /* 4 or 6; 0 for Ethernet */
    uint64_t frames[2], bytes[2];    /* [0] a -> b, [1] b -> a */
    int64_t start, last;
    uint64_t first_frame;
};

struct conv_table {
    struct conv *v;
    uint32_t n, cap;
    uint32_t *slot;                  /* open addressing: index + 1 of the latest entry of a key */
    uint32_t nslot;
    uint64_t dropped;
};

enum follow_mode { FOLLOW_ASCII, FOLLOW_HEX, FOLLOW_RAW };
static const char *const mode_names[] = { "ascii", "hex", "raw" };

/* One followed stream; several views may print it. */
struct fstream {
    uint64_t stream;
    FILE *tmp;                       /* records: struct frec, then len bytes unless a gap */
    bool known;                      /* its flow was seen: the nodes below are set */
    uint8_t family;
    uint8_t addr[2][16];             /* node 0 (the first frame's source), node 1 */
    uint16_t port[2];
    int err;                         /* errno of the first failed write to tmp */
    long gap_at;                     /* offset of the last record when it is a gap, else -1 */
    struct { int node; uint64_t len; } gap;   /* that gap's node and length */
};

struct frec { uint8_t node, gap, pad[6]; uint64_t len; };

struct view {
    bool follow;
    enum conv_kind kind;             /* conv */
    struct conv_table *table;
    enum follow_mode mode;           /* follow */
    struct fstream *fs;
};

struct views {
    struct view v[VIEWS_MAX];
    size_t n;
    struct conv_table *tables[5];    /* by kind, shared by repeated views */
    struct fstream *fs[VIEWS_MAX];
    size_t nfs;
    struct trawl_engine *e;
    /* conv,eth|ip|ipv6 count frames by the addresses of each such header ([kind][0 src, 1 dst]) */
    const struct trawl_field *addr_field[3][2];
    bool have_first;
    int64_t first_ts;                /* the first frame's time: relative starts count from it */
};

struct views *views_new(void) { return calloc(1, sizeof(struct views)); }

bool views_any(const struct views *v) { return v && v->n > 0; }

void views_free(struct views *v)
{
    if (!v) return;
    for (int k = 0; k < 5; k++) {
        if (!v->tables[k]) continue;
        free(v->tables[k]->v);
        free(v->tables[k]->slot);
        free(v->tables[k]);
    }
    for (size_t i = 0; i < v->nfs; i++) {
        if (v->fs[i]->tmp) fclose(v->fs[i]->tmp);
        free(v->fs[i]);
    }
    free(v);
}

/* ---- parsing --------------------------------------------------------------------------- */

static int bad(const char *spec, const char *why)
{
    fprintf(stderr, "trawl: -z %s: %s (supported: conv,eth|ip|ipv6|tcp|udp and "
            "follow,tcp,ascii|hex|raw,STREAM)\n", spec, why);
    return -1;
}

int views_parse(struct views *v, const char *spec)
{
    if (v->n >= VIEWS_MAX) return bad(spec, "too many views");
    struct view *w = &v->v[v->n];
    memset(w, 0, sizeof *w);
    if (!strncmp(spec, "conv,", 5)) {
        const char *t = spec + 5;
        size_t k;
        for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            size_t l = strlen(kinds[k].arg);
            if (!strncmp(t, kinds[k].arg, l) && (t[l] == 0 || t[l] == ',')) break;
        }
        if (k == sizeof kinds / sizeof kinds[0]) return bad(spec, "unknown conversation type");
        if (t[strlen(kinds[k].arg)] == ',') return bad(spec, "display filters are not supported");
        if (!v->tables[k] && !(v->tables[k] = calloc(1, sizeof *v->tables[k]))) return bad(spec, "out of memory");
        w->kind = (enum conv_kind)k;
        w->table = v->tables[k];
        v->n++;
        return 0;
    }
    if (!strncmp(spec, "follow,", 7)) {
        if (strncmp(spec + 7, "tcp,", 4)) return bad(spec, "only TCP streams can be followed");
        const char *m = spec + 11;
        int mode = -1;
        for (int i = 0; i < 3; i++) {
            size_t l = strlen(mode_names[i]);
            if (!strncmp(m, mode_names[i], l) && m[l] == ',') { mode = i; m += l + 1; break; }
        }
        if (mode < 0) return bad(spec, "expected the mode ascii, hex or raw");
        char *end;
        errno = 0;
        unsigned long long n = strtoull(m, &end, 10);
        if (*m < '0' || *m > '9' || *end || errno || n == UINT64_MAX)
            return bad(spec, "expected a tcp.stream index (endpoints are not supported)");
        struct fstream *fs = NULL;
        for (size_t i = 0; i < v->nfs; i++) if (v->fs[i]->stream == n) fs = v->fs[i];
        if (!fs) {
            if (!(fs = calloc(1, sizeof *fs))) return bad(spec, "out of memory");
            fs->stream = n;
            fs->gap_at = -1;
            v->fs[v->nfs++] = fs;
        }
        w->follow = true;
        w->mode = (enum follow_mode)mode;
        w->fs = fs;
        v->n++;
        return 0;
    }
    return bad(spec, "not a known statistic");
}

/* ---- conversation tables ----------------------------------------------------------------- */

static uint32_t conv_hash(uint8_t family, const uint8_t *x, uint16_t px, const uint8_t *y, uint16_t py)
{
    /* The same for both orders: hash the smaller end first. */
    int c = memcmp(x, y, 16);
    if (c > 0 || (c == 0 && px > py)) {
        const uint8_t *t = x; x = y; y = t;
        uint16_t tp = px; px = py; py = tp;
    }
    uint32_t h = 2166136261u ^ family;
    for (int i = 0; i < 16; i++) { h ^= x[i]; h *= 16777619u; }
    h ^= px; h *= 16777619u;
    for (int i = 0; i < 16; i++) { h ^= y[i]; h *= 16777619u; }
    h ^= py; h *= 16777619u;
    return h ^ (h >> 15);
}

static bool same_end(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb)
{
    return pa == pb && !memcmp(a, b, 16);
}

static bool conv_is(const struct conv *c, uint8_t family, const uint8_t *x, uint16_t px,
                    const uint8_t *y, uint16_t py)
{
    return c->family == family && ((same_end(c->a, c->pa, x, px) && same_end(c->b, c->pb, y, py)) ||
                                   (same_end(c->a, c->pa, y, py) && same_end(c->b, c->pb, x, px)));
}

/* The slot of the key: the one holding its latest entry, or the empty one where it would go. */
static uint32_t *conv_slot(struct conv_table *t, uint8_t family, const uint8_t *x, uint16_t px,
                           const uint8_t *y, uint16_t py)
{
    uint32_t mask = t->nslot - 1;
    for (uint32_t i = conv_hash(family, x, px, y, py) & mask;; i = (i + 1) & mask) {
        uint32_t s = t->slot[i];
        if (!s || conv_is(&t->v[s - 1], family, x, px, y, py)) return &t->slot[i];
    }
}

static bool conv_grow(struct conv_table *t)
{
    if (t->n == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 64;
        struct conv *nv = realloc(t->v, (size_t)nc * sizeof *nv);
        if (!nv) return false;
        t->v = nv;
        t->cap = nc;
    }
    if ((uint64_t)(t->n + 1) * 2 > t->nslot) {
        uint32_t ns = t->nslot ? t->nslot * 2 : 128;
        uint32_t *sl = calloc(ns, sizeof *sl);
        if (!sl) return false;
        free(t->slot);
        t->slot = sl;
        t->nslot = ns;
        /* In order, so the latest entry of a key is the one its slot keeps. */
        for (uint32_t i = 0; i < t->n; i++) {
            const struct conv *c = &t->v[i];
            *conv_slot(t, c->family, c->a, c->pa, c->b, c->pb) = i + 1;
        }
    }
    return true;
}

/* One flow (or frame) of a conversation: x is the source of its first frame. `fresh` starts a
 * new conversation even when the key has one. */
static void conv_add(struct conv_table *t, uint8_t family, const uint8_t *x, uint16_t px,
                     const uint8_t *y, uint16_t py, const uint64_t frames[2], const uint64_t bytes[2],
                     int64_t start, int64_t last, uint64_t first_frame, bool fresh)
{
    uint32_t *s = t->nslot ? conv_slot(t, family, x, px, y, py) : NULL;
    struct conv *c;
    if (!s || !*s || fresh) {
        if (t->n >= CONV_MAX || !conv_grow(t)) { t->dropped++; return; }
        s = conv_slot(t, family, x, px, y, py);   /* the table may have grown */
        c = &t->v[t->n];
        memset(c, 0, sizeof *c);
        memcpy(c->a, x, 16);
        memcpy(c->b, y, 16);
        c->pa = px;
        c->pb = py;
        c->family = family;
        c->start = start;
        c->last = last;
        c->first_frame = first_frame;
        *s = ++t->n;
    } else {
        c = &t->v[*s - 1];
        /* Flows end in any order: the earliest one says which end is a. */
        if (first_frame < c->first_frame) {
            if (!same_end(c->a, c->pa, x, px)) {
                uint8_t tmp[16];
                memcpy(tmp, c->a, 16); memcpy(c->a, c->b, 16); memcpy(c->b, tmp, 16);
                uint16_t tp = c->pa; c->pa = c->pb; c->pb = tp;
                uint64_t u;
                u = c->frames[0]; c->frames[0] = c->frames[1]; c->frames[1] = u;
                u = c->bytes[0]; c->bytes[0] = c->bytes[1]; c->bytes[1] = u;
            }
            c->first_frame = first_frame;
        }
        if (start < c->start) c->start = start;
        if (last > c->last) c->last = last;
    }
    if (same_end(c->a, c->pa, c->b, c->pb)) {
        /* Both ends the same: every frame is "from a", as tshark counts it. */
        c->frames[0] += frames[0] + frames[1];
        c->bytes[0] += bytes[0] + bytes[1];
    } else {
        int fwd = same_end(c->a, c->pa, x, px) ? 0 : 1;
        c->frames[fwd] += frames[0];
        c->bytes[fwd] += bytes[0];
        c->frames[!fwd] += frames[1];
        c->bytes[!fwd] += bytes[1];
    }
}

/* ---- engine callbacks -------------------------------------------------------------------- */

static struct fstream *fs_find(struct views *v, uint64_t stream)
{
    for (size_t i = 0; i < v->nfs; i++) if (v->fs[i]->stream == stream) return v->fs[i];
    return NULL;
}

/* Node 0 is the source of the flow's first frame, as tshark names it. */
static void fs_know(struct fstream *fs, const struct trawl_flow_info *in)
{
    if (fs->known) return;
    fs->known = true;
    fs->family = in->family;
    int first = (in->flags & TRAWL_FLOW_FLIPPED) ? TRAWL_DIR_RESP : TRAWL_DIR_ORIG;
    memcpy(fs->addr[0], first == TRAWL_DIR_ORIG ? in->orig_addr : in->resp_addr, 16);
    memcpy(fs->addr[1], first == TRAWL_DIR_ORIG ? in->resp_addr : in->orig_addr, 16);
    fs->port[0] = first == TRAWL_DIR_ORIG ? in->orig_port : in->resp_port;
    fs->port[1] = first == TRAWL_DIR_ORIG ? in->resp_port : in->orig_port;
}

static void on_flow_end(void *user, const struct trawl_flow *f)
{
    struct views *v = user;
    const struct trawl_flow_info *in = trawl_flow_info(f);
    if (in->proto == 6) {
        struct fstream *fs = fs_find(v, in->stream);
        if (fs) fs_know(fs, in);
    }
    int first = (in->flags & TRAWL_FLOW_FLIPPED) ? TRAWL_DIR_RESP : TRAWL_DIR_ORIG;
    const uint8_t *x = first == TRAWL_DIR_ORIG ? in->orig_addr : in->resp_addr;
    const uint8_t *y = first == TRAWL_DIR_ORIG ? in->resp_addr : in->orig_addr;
    uint16_t px = first == TRAWL_DIR_ORIG ? in->orig_port : in->resp_port;
    uint16_t py = first == TRAWL_DIR_ORIG ? in->resp_port : in->orig_port;
    const uint64_t frames[2] = { in->pkts[first], in->pkts[!first] };
    const uint64_t bytes[2] = { in->frame_bytes[first], in->frame_bytes[!first] };
    struct conv_table *tp = in->proto == 6 ? v->tables[CONV_TCP] : in->proto == 17 ? v->tables[CONV_UDP] : NULL;
    /* A TCP flow that opens with a SYN is a new conversation (tshark: a new tcp.stream); one
     * without is the rest of an earlier one, split off by a timeout. */
    bool fresh = in->proto == 6 && (in->flags & TRAWL_FLOW_SYN_SEEN);
    if (tp) conv_add(tp, in->family, x, px, y, py, frames, bytes, in->start_ns, in->last_ns, in->first_frame, fresh);
}

static void on_stream(void *user, const struct trawl_flow *f, int dir, const uint8_t *data, uint64_t len)
{
    struct views *v = user;
    const struct trawl_flow_info *in = trawl_flow_info(f);
    struct fstream *fs = fs_find(v, in->stream);
    if (!fs || !len) return;
    fs_know(fs, in);
    if (fs->err) return;
    /* By address, not by direction: the flow may swap its sides later (Zeek's flips). */
    const uint8_t *from = dir == TRAWL_DIR_ORIG ? in->orig_addr : in->resp_addr;
    uint16_t from_port = dir == TRAWL_DIR_ORIG ? in->orig_port : in->resp_port;
    int node = same_end(from, from_port, fs->addr[0], fs->port[0]) ? 0 : 1;
    if (!fs->tmp && !(fs->tmp = tmpfile())) { fs->err = errno ? errno : EIO; return; }
    struct frec r = { .node = (uint8_t)node, .gap = data == NULL, .len = len };
    long at = -1;
    if (!data && fs->gap_at >= 0 && fs->gap.node == node) {
        /* Gaps back to back are one hole: grow the last record. */
        at = fs->gap_at;
        r.len = fs->gap.len += len;
        if (fseek(fs->tmp, at, SEEK_SET) != 0 || fwrite(&r, sizeof r, 1, fs->tmp) != 1 ||
            fseek(fs->tmp, 0, SEEK_END) != 0)
            fs->err = errno ? errno : EIO;
        return;
    }
    if (!data && (at = ftell(fs->tmp)) >= 0) { fs->gap.node = node; fs->gap.len = len; }
    fs->gap_at = at;
    if (fwrite(&r, sizeof r, 1, fs->tmp) != 1 || (data && fwrite(data, 1, len, fs->tmp) != len))
        fs->err = errno ? errno : EIO;
}

/* The address pairs of one kind of header in a frame (a tunnel has several): each pair is a
 * frame of that conversation, as tshark's taps count them; quoted headers (ICMP errors) are
 * not. */
static void count_pairs(struct views *v, enum conv_kind k, const struct trawl_packet *pkt,
                        const struct trawl_value *val, size_t n, const struct trawl_layer *layers, size_t nl)
{
    const struct trawl_field *fs = v->addr_field[k][0], *fd = v->addr_field[k][1];
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    uint32_t alen = k == CONV_ETH ? 6 : k == CONV_IP ? 4 : 16;
    const uint8_t *src = NULL, *dst = NULL;
    uint16_t layer = 0;
    for (size_t i = 0; i <= n; i++) {
        bool ours = i < n && (val[i].field == fs || val[i].field == fd) && val[i].len == alen &&
                    !(val[i].layer < nl && (layers[val[i].layer].flags & TRAWL_LAYER_QUOTED));
        if (i == n || (ours && val[i].layer != layer)) {
            if (src && dst) {
                uint8_t a[16] = { 0 }, b[16] = { 0 };
                memcpy(a, src, alen);
                memcpy(b, dst, alen);
                const uint64_t frames[2] = { 1, 0 }, bytes[2] = { fr->len, 0 };
                uint8_t family = k == CONV_ETH ? 0 : k == CONV_IP ? 4 : 6;
                conv_add(v->tables[k], family, a, 0, b, 0, frames, bytes, fr->ts_ns, fr->ts_ns, fr->number, false);
            }
            src = dst = NULL;
            if (i == n) break;
            layer = val[i].layer;
        }
        if (!ours) continue;
        if (val[i].field == fs && !src) src = val[i].v.p;
        else if (val[i].field == fd && !dst) dst = val[i].v.p;
    }
}

static void on_packet(void *user, const struct trawl_packet *pkt)
{
    struct views *v = user;
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    if (!v->have_first) { v->have_first = true; v->first_ts = fr->ts_ns; }
    size_t n, nl;
    const struct trawl_value *val = trawl_packet_values(pkt, &n);
    const struct trawl_layer *layers = trawl_packet_layers(pkt, &nl);
    for (int k = CONV_ETH; k <= CONV_IPV6; k++)
        if (v->tables[k]) count_pairs(v, (enum conv_kind)k, pkt, val, n, layers, nl);
}

int views_attach(struct views *v, struct trawl_engine *e)
{
    v->e = e;
    bool conv = false;
    for (int k = 0; k < 5; k++) conv |= v->tables[k] != NULL;
    static const char *const names[3][2] = { { "eth.src", "eth.dst" }, { "ip.src", "ip.dst" },
                                              { "ipv6.src", "ipv6.dst" } };
    for (int k = CONV_ETH; k <= CONV_IPV6; k++) {
        if (!v->tables[k]) continue;
        for (int j = 0; j < 2; j++) v->addr_field[k][j] = trawl_engine_want_field(e, names[k][j]);
        if (!v->addr_field[k][0] || !v->addr_field[k][1]) {
            fprintf(stderr, "trawl: -z conv,%s: no loaded plugin has the field %s\n", kinds[k].arg, names[k][0]);
            return -1;
        }
    }
    if (conv) trawl_engine_on_packet(e, on_packet, v);
    if (conv || v->nfs) trawl_engine_on_flow_end(e, on_flow_end, v);
    if (v->nfs) trawl_engine_follow_tcp(e, TRAWL_FOLLOW_ALL, on_stream, v);
    return 0;
}

/* ---- printing ---------------------------------------------------------------------------- */

/* tshark's sizes: whole bytes below 10 000, then the largest SI unit that leaves at least 10. */
static void fmt_size(char *out, size_t cap, uint64_t n)
{
    static const char *const unit[] = { "bytes", "kB", "MB", "GB", "TB", "PB" };
    int u = 0;
    uint64_t q = n;
    while (u < 5 && q / 1000 >= 10) { q /= 1000; u++; }
    snprintf(out, cap, "%" PRIu64 " %s", q, unit[u]);
}

static void fmt_addr(char *out, size_t cap, uint8_t family, const uint8_t *a, bool brackets)
{
    if (family == 0) {
        snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
    } else if (family == 4) {
        snprintf(out, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    } else {
        char s[INET6_ADDRSTRLEN];
        if (!inet_ntop(AF_INET6, a, s, sizeof s)) snprintf(s, sizeof s, "?");
        snprintf(out, cap, brackets ? "[%s]" : "%s", s);
    }
}

static void fmt_end(char *out, size_t cap, const struct conv *c, bool a, bool ports)
{
    char addr[64];
    fmt_addr(addr, sizeof addr, c->family, a ? c->a : c->b, false);
    if (ports) snprintf(out, cap, "%s:%u", addr, a ? c->pa : c->pb);
    else snprintf(out, cap, "%s", addr);
}

/* Seconds as tshark turns its (seconds, nanoseconds) times into a double. */
static double ns_to_sec(int64_t ns)
{
    return (double)(ns / 1000000000) + (double)(ns % 1000000000) / 1e9;
}

static const struct conv *g_sort_base;

static int by_frames(const void *pa, const void *pb)
{
    const struct conv *a = &g_sort_base[*(const uint32_t *)pa], *b = &g_sort_base[*(const uint32_t *)pb];
    uint64_t ta = a->frames[0] + a->frames[1], tb = b->frames[0] + b->frames[1];
    if (ta != tb) return ta > tb ? -1 : 1;
    if (a->first_frame != b->first_frame) return a->first_frame < b->first_frame ? -1 : 1;
    uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
    return ia < ib ? -1 : ia > ib;
}

static const char rule80[] = "================================================================================";
static const char rule67[] = "===================================================================";

static void print_conv(struct views *v, const struct view *w, FILE *out)
{
    const struct conv_table *t = w->table;
    bool ports = kinds[w->kind].ports;
    int width = ports ? 26 : 20;
    fprintf(out, "%s\n%s Conversations\nFilter:<No Filter>\n", rule80, kinds[w->kind].title);
    fprintf(out, "%*s|       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n",
            2 * width + 7, "");
    fprintf(out, "%*s| Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n",
            2 * width + 7, "");
    /* tshark's order: most frames first, then in order of the first frame. */
    uint32_t *idx = t->n ? malloc(t->n * sizeof *idx) : NULL;
    if (t->n && !idx) { fprintf(stderr, "trawl: -z conv: out of memory\n"); return; }
    for (uint32_t i = 0; i < t->n; i++) idx[i] = i;
    g_sort_base = t->v;
    if (t->n) qsort(idx, t->n, sizeof *idx, by_frames);
    for (uint32_t i = 0; i < t->n; i++) {
        const struct conv *c = &t->v[idx[i]];
        char a[80], b[80], rx[32], tx[32], tot[32];
        fmt_end(a, sizeof a, c, true, ports);
        fmt_end(b, sizeof b, c, false, ports);
        fmt_size(rx, sizeof rx, c->bytes[1]);
        fmt_size(tx, sizeof tx, c->bytes[0]);
        fmt_size(tot, sizeof tot, c->bytes[0] + c->bytes[1]);
        double rel = ns_to_sec(c->start - v->first_ts), end = ns_to_sec(c->last - v->first_ts);
        fprintf(out, "%-*s <-> %-*s  %6" PRIu64 " %-9s  %6" PRIu64 " %-9s  %6" PRIu64 " %-9s  %14.9f   %12.4f\n",
                width, a, width, b, c->frames[1], rx, c->frames[0], tx, c->frames[0] + c->frames[1], tot,
                rel, end - rel);
    }
    free(idx);
    fprintf(out, "%s\n", rule80);
    if (t->dropped)
        fprintf(stderr, "trawl: -z conv,%s: %" PRIu64 " conversations past the first %u are not shown\n",
                kinds[w->kind].arg, t->dropped, CONV_MAX);
}

static void print_node(FILE *out, const struct fstream *fs, int node)
{
    char addr[80] = "";
    if (fs->known) fmt_addr(addr, sizeof addr, fs->family, fs->addr[node], true);
    fprintf(out, "Node %d: %s:%u\n", node, addr, fs->known ? fs->port[node] : 0);
}

/* One line of a hex dump: offset, 16 bytes in two groups of 8, their printable form. */
static void hex_line(FILE *out, const char *indent, uint64_t off, const uint8_t *p, size_t n)
{
    char line[100];
    int at = snprintf(line, sizeof line, "%s%08" PRIX64 "  ", indent, off);
    for (size_t i = 0; i < 16; i++) {
        if (i < n) at += snprintf(line + at, sizeof line - (size_t)at, "%02x ", p[i]);
        else at += snprintf(line + at, sizeof line - (size_t)at, "   ");
        if (i == 7) line[at++] = ' ';
    }
    line[at++] = ' ';
    for (size_t i = 0; i < n; i++) {
        line[at++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
        if (i == 7) line[at++] = ' ';
    }
    if (line[at - 1] == ' ') at--;       /* one trailing blank goes, as in tshark's lines */
    line[at] = 0;
    fprintf(out, "%s\n", line);
}

static void print_follow(const struct view *w, FILE *out)
{
    struct fstream *fs = w->fs;
    fprintf(out, "\n%s\nFollow: tcp,%s\nFilter: tcp.stream eq %" PRIu64 "\n", rule67, mode_names[w->mode], fs->stream);
    print_node(out, fs, 0);
    print_node(out, fs, 1);
    if (fs->err) fprintf(stderr, "trawl: -z follow,tcp,%s,%" PRIu64 ": temporary file: %s; the stream is cut short\n",
                         mode_names[w->mode], fs->stream, strerror(fs->err));
    uint64_t off[2] = { 0, 0 };
    if (fs->tmp) {
        fflush(fs->tmp);
        rewind(fs->tmp);
        struct frec r;
        uint8_t buf[4096];       /* a multiple of 16: hex lines never straddle two reads */
        while (fread(&r, sizeof r, 1, fs->tmp) == 1) {
            int node = r.node ? 1 : 0;
            const char *indent = node ? "\t" : "";
            if (r.gap) {
                fprintf(out, "%s[%" PRIu64 " bytes missing in capture]\n", indent, r.len);
                off[node] += r.len;
                continue;
            }
            if (w->mode == FOLLOW_ASCII) fprintf(out, "%s%" PRIu64 "\n", indent, r.len);
            else if (w->mode == FOLLOW_RAW) fputs(indent, out);
            uint64_t left = r.len;
            while (left) {
                size_t k = left < sizeof buf ? (size_t)left : sizeof buf;
                if (fread(buf, 1, k, fs->tmp) != k) { left = 0; break; }
                left -= k;
                if (w->mode == FOLLOW_ASCII) {
                    /* tshark keeps line ends and shows every other unprintable byte as a dot. */
                    for (size_t i = 0; i < k; i++)
                        if (buf[i] != '\n' && buf[i] != '\r' && (buf[i] < 0x20 || buf[i] >= 0x7f)) buf[i] = '.';
                    fwrite(buf, 1, k, out);
                } else if (w->mode == FOLLOW_HEX) {
                    for (size_t i = 0; i < k; i += 16) {
                        hex_line(out, indent, off[node], buf + i, k - i < 16 ? k - i : 16);
                        off[node] += k - i < 16 ? k - i : 16;
                    }
                } else {
                    for (size_t i = 0; i < k; i++) fprintf(out, "%02x", buf[i]);
                }
            }
            if (w->mode != FOLLOW_HEX) fputc('\n', out);
        }
    }
    fprintf(out, "%s\n", rule67);
}

int views_print(struct views *v, FILE *out)
{
    for (size_t i = 0; i < v->n; i++) {
        if (v->v[i].follow) print_follow(&v->v[i], out);
        else print_conv(v, &v->v[i], out);
    }
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
