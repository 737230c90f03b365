/* test_myproto.c — the template plugin's own test: a real engine, the installed plugins plus
 * ours, hand-built packets, and the fields read back the way `trawl -T fields` prints them.
 *
 *   ./test_myproto [PLUGIN.so [PLUGIN_DIR]]
 *
 * PLUGIN.so defaults to ./myproto.so; PLUGIN_DIR (where eth, ipv4, udp, text live) to
 * $TRAWL_PLUGIN_DIR, else the directory the Makefile baked in from
 * `pkg-config --variable=plugindir trawl`. Prints "N passed, N failed"; exits 1 on a failure.
 *
 * It uses only the installed SDK (engine.h, the embedding API): the same calls a program that
 * embeds trawl makes. Nothing here knows the engine's insides.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* open_memstream */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trawl/trawl.h>

#ifndef TRAWL_PLUGINDIR
#define TRAWL_PLUGINDIR "/usr/local/lib/trawl/plugins"
#endif

static int passed, failed;

#define CHECK(cond, ...) do {                                                   \
        if (cond) passed++;                                                     \
        else { failed++; printf("FAIL %s:%d: ", __FILE__, __LINE__);           \
               printf(__VA_ARGS__); putchar('\n'); }                            \
    } while (0)

/* ---- what the engine hands back ------------------------------------------------------------
 * The packet callback runs once per fed packet; the packet (and its values) is only valid
 * during the call, so we copy what we need as text.
 */
struct seen {
    char fields[8192];        /* "name=value\n" lines, in the order the values were added */
    char layers[256];         /* "eth:ip:udp:stelp" */
    unsigned errors;          /* TRAWL_BUF_TRUNCATED | TRAWL_BUF_MALFORMED */
};

static void on_packet(void *user, const struct trawl_packet *pkt)
{
    struct seen *s = user;
    memset(s, 0, sizeof *s);
    size_t n, at = 0;
    const struct trawl_value *v = trawl_packet_values(pkt, &n);
    for (size_t i = 0; i < n; i++) {
        char text[1024];
        trawl_value_format(&v[i], TRAWL_FMT_FIELDS, text, sizeof text);
        int w = snprintf(s->fields + at, sizeof s->fields - at, "%s=%s\n", v[i].field->name, text);
        if (w < 0 || (size_t)w >= sizeof s->fields - at) break;
        at += (size_t)w;
    }
    const struct trawl_layer *l = trawl_packet_layers(pkt, &n);
    at = 0;
    for (size_t i = 1; i < n; i++) {              /* layer 0 is the engine's "frame" */
        int w = snprintf(s->layers + at, sizeof s->layers - at, "%s%s", i > 1 ? ":" : "", l[i].proto->name);
        if (w < 0 || (size_t)w >= sizeof s->layers - at) break;
        at += (size_t)w;
    }
    s->errors = trawl_packet_errors(pkt);
}

/* Every occurrence of a field joined by ',' (tshark -T fields style), "" when absent. */
static const char *field(const struct seen *s, const char *name)
{
    static char out[1024];
    size_t nl = strlen(name), at = 0;
    out[0] = 0;
    for (const char *p = s->fields; *p;) {
        const char *eol = strchr(p, '\n');
        if (!strncmp(p, name, nl) && p[nl] == '=') {
            int w = snprintf(out + at, sizeof out - at, "%s%.*s", at ? "," : "", (int)(eol - p - nl - 1), p + nl + 1);
            if (w > 0 && (size_t)w < sizeof out - at) at += (size_t)w;
        }
        p = eol + 1;
    }
    return out;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* ---- building packets ----------------------------------------------------------------------- */

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Ethernet + IPv4 (10.0.0.1 → 10.0.0.2) + UDP around a payload; returns the frame length. */
static size_t build_frame(uint8_t *f, uint16_t sport, uint16_t dport, const uint8_t *payload, size_t plen)
{
    static const uint8_t eth[14] = { 0x02, 0, 0, 0, 0, 2,  0x02, 0, 0, 0, 0, 1,  0x08, 0x00 };
    memcpy(f, eth, sizeof eth);
    uint8_t *ip = f + 14, *udp = ip + 20;
    size_t iplen = 20 + 8 + plen;
    const uint8_t iph[20] = { 0x45, 0, (uint8_t)(iplen >> 8), (uint8_t)iplen, 0x12, 0x34, 0x40, 0,
                              64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
    memcpy(ip, iph, sizeof iph);
    uint16_t ck = ip_checksum(ip, 20);
    ip[10] = (uint8_t)(ck >> 8);
    ip[11] = (uint8_t)ck;
    size_t ulen = 8 + plen;
    const uint8_t udph[8] = { (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8), (uint8_t)dport,
                              (uint8_t)(ulen >> 8), (uint8_t)ulen, 0, 0 };   /* checksum 0: none */
    memcpy(udp, udph, sizeof udph);
    memcpy(udp + 8, payload, plen);
    return 14 + iplen;
}

/* A Report from "sensor-1", seq 7, with a Counter (300), a Label ("alpha") and an unknown
 * TLV type 9 (2 bytes ab cd). 33 bytes. */
static const uint8_t report[] = {
    0x53, 0x54, 0x01, 0x02,  0x00, 0x00, 0x00, 0x07,
    0x08, 's', 'e', 'n', 's', 'o', 'r', '-', '1',
    0x01, 0x04, 0x00, 0x00, 0x01, 0x2c,
    0x02, 0x05, 'a', 'l', 'p', 'h', 'a',
    0x09, 0x02, 0xab, 0xcd,
};

/* Feed one frame: caplen bytes captured of a frame of wire length len. */
static void feed(struct trawl_engine *e, const uint8_t *f, size_t caplen, size_t len)
{
    struct trawl_frame fr = { .number = 0, .ts_ns = 1700000000000000000LL, .caplen = (uint32_t)caplen,
                              .len = (uint32_t)len, .linktype = 1 /* LINKTYPE_ETHERNET */ };
    int rc = trawl_engine_feed(e, &fr, f);
    CHECK(rc == 0, "trawl_engine_feed: %s", trawl_strerror(rc));
}

/* ---- the engine ------------------------------------------------------------------------------ */

static void log_cb(void *user, enum trawl_log_level level, const char *origin, const char *msg)
{
    (void)user; (void)level;
    printf("  log: %s: %s\n", origin ? origin : "", msg);
}

/* An engine with our plugin (first, so an installed copy of myproto is the one refused as a
 * duplicate) and the installed ones; options ("myproto.port=N") before start. */
static struct trawl_engine *engine_new(const char *so, const char *dir, const char *option, struct seen *s)
{
    struct trawl_engine_options o = { .size = sizeof o, .log = log_cb, .log_level = TRAWL_LOG_WARN };
    struct trawl_engine *e = trawl_engine_new(&o);
    if (!e) return NULL;
    if (trawl_engine_load_plugin(e, so) < 0) printf("  %s\n", trawl_engine_last_error(e));
    if (trawl_engine_load_dir(e, dir) < 0) printf("  %s\n", trawl_engine_last_error(e));
    if (option && trawl_engine_set_option(e, option) < 0) printf("  %s\n", trawl_engine_last_error(e));
    if (trawl_engine_start(e) < 0) {
        printf("  start: %s\n", trawl_engine_last_error(e));
        trawl_engine_free(e);
        return NULL;
    }
    trawl_engine_want_all(e);          /* store every field (a real embedder asks for a few) */
    trawl_engine_on_packet(e, on_packet, s);
    return e;
}

int main(int argc, char **argv)
{
    const char *so = argc > 1 ? argv[1] : "./myproto.so";
    const char *dir = argc > 2 ? argv[2] : getenv("TRAWL_PLUGIN_DIR") ? getenv("TRAWL_PLUGIN_DIR") : TRAWL_PLUGINDIR;
    struct seen s;
    uint8_t f[256], p[256];
    size_t n;

    struct trawl_engine *e = engine_new(so, dir, NULL, &s);
    CHECK(e != NULL, "engine with %s and %s", so, dir);
    if (!e) goto out;

    /* Our plugin is loaded, from our file, and registered one protocol. */
    bool found = false;
    for (size_t i = 0; i < trawl_engine_plugin_count(e); i++) {
        struct trawl_plugin_info pi;
        if (!trawl_engine_plugin_info(e, i, &pi) || !pi.name || strcmp(pi.name, "myproto") || pi.why) continue;
        found = true;
        CHECK(pi.loaded && pi.protos == 1 && pi.heuristics == 1, "myproto: loaded %d protos %u heuristics %u",
              pi.loaded, pi.protos, pi.heuristics);
    }
    CHECK(found, "plugin myproto is not loaded from %s", so);
    CHECK(trawl_engine_field_find(e, "stelp.seq") != NULL, "field stelp.seq is registered");

    /* 1. A Report on the registered port: every field, printed as -T fields prints it. */
    n = build_frame(f, 47000, 47000, report, sizeof report);
    feed(e, f, n, n);
    CHECK(ends_with(s.layers, "udp:stelp"), "layers %s", s.layers);
    CHECK(!strcmp(field(&s, "ip.src"), "10.0.0.1"), "ip.src %s", field(&s, "ip.src"));
    CHECK(!strcmp(field(&s, "stelp.magic"), "0x5354"), "stelp.magic %s", field(&s, "stelp.magic"));
    CHECK(!strcmp(field(&s, "stelp.version"), "1"), "stelp.version %s", field(&s, "stelp.version"));
    CHECK(!strcmp(field(&s, "stelp.type"), "2"), "stelp.type %s", field(&s, "stelp.type"));
    CHECK(!strcmp(field(&s, "stelp.seq"), "7"), "stelp.seq %s", field(&s, "stelp.seq"));
    CHECK(!strcmp(field(&s, "stelp.name"), "sensor-1"), "stelp.name %s", field(&s, "stelp.name"));
    CHECK(!strcmp(field(&s, "stelp.tlv.type"), "1,2,9"), "stelp.tlv.type %s", field(&s, "stelp.tlv.type"));
    CHECK(!strcmp(field(&s, "stelp.tlv.len"), "4,5,2"), "stelp.tlv.len %s", field(&s, "stelp.tlv.len"));
    CHECK(!strcmp(field(&s, "stelp.tlv.counter"), "300"), "stelp.tlv.counter %s", field(&s, "stelp.tlv.counter"));
    CHECK(!strcmp(field(&s, "stelp.tlv.label"), "alpha"), "stelp.tlv.label %s", field(&s, "stelp.tlv.label"));
    CHECK(!strcmp(field(&s, "stelp.tlv.value"), "abcd"), "stelp.tlv.value %s", field(&s, "stelp.tlv.value"));
    CHECK(!strcmp(field(&s, "stelp.tlv_count"), "3"), "stelp.tlv_count %s", field(&s, "stelp.tlv_count"));
    CHECK(s.errors == 0, "errors %u on a good packet", s.errors);

    /* 2. The same message on other ports: found by the heuristic. */
    n = build_frame(f, 40001, 40002, report, sizeof report);
    feed(e, f, n, n);
    CHECK(ends_with(s.layers, "udp:stelp"), "heuristic: layers %s", s.layers);
    CHECK(!strcmp(field(&s, "stelp.seq"), "7"), "heuristic: stelp.seq %s", field(&s, "stelp.seq"));

    /* 3. Truncated: the capture stops inside the Label value (snaplen). What was read before
     *    stays; the flag is TRUNCATED, not MALFORMED. */
    n = build_frame(f, 47000, 47000, report, sizeof report);
    feed(e, f, n - 8, n);
    CHECK(s.errors == TRAWL_BUF_TRUNCATED, "truncated: errors %u", s.errors);
    CHECK(!strcmp(field(&s, "stelp.seq"), "7"), "truncated: stelp.seq %s", field(&s, "stelp.seq"));
    CHECK(!strcmp(field(&s, "stelp.name"), "sensor-1"), "truncated: stelp.name %s", field(&s, "stelp.name"));
    CHECK(!strcmp(field(&s, "stelp.tlv.counter"), "300"), "truncated: counter %s", field(&s, "stelp.tlv.counter"));
    CHECK(!strcmp(field(&s, "stelp.tlv.label"), ""), "truncated: label %s", field(&s, "stelp.tlv.label"));
    CHECK(!strcmp(field(&s, "stelp.tlv_count"), "1"), "truncated: tlv_count %s", field(&s, "stelp.tlv_count"));

    /* 4. Malformed: the name length (200) points past the datagram. */
    memcpy(p, report, sizeof report);
    p[8] = 200;
    n = build_frame(f, 47000, 47000, p, sizeof report);
    feed(e, f, n, n);
    CHECK(s.errors == TRAWL_BUF_MALFORMED, "bad name length: errors %u", s.errors);
    CHECK(!strcmp(field(&s, "stelp.seq"), "7"), "bad name length: stelp.seq %s", field(&s, "stelp.seq"));
    CHECK(!strcmp(field(&s, "stelp.name"), ""), "bad name length: stelp.name %s", field(&s, "stelp.name"));

    /* 5. Malformed: the last TLV claims 200 bytes. The TLVs before it stay. */
    memcpy(p, report, sizeof report);
    p[sizeof report - 3] = 200;
    n = build_frame(f, 47000, 47000, p, sizeof report);
    feed(e, f, n, n);
    CHECK(s.errors == TRAWL_BUF_MALFORMED, "bad TLV length: errors %u", s.errors);
    CHECK(!strcmp(field(&s, "stelp.tlv.label"), "alpha"), "bad TLV length: label %s", field(&s, "stelp.tlv.label"));
    CHECK(strstr(s.fields, "stelp.tlv.len.invalid=") != NULL, "bad TLV length: no stelp.tlv.len.invalid marker");

    /* 6. A Counter TLV that is not 4 bytes: the bytes exist, the protocol's rule is broken. */
    const uint8_t short_counter[] = { 0x53, 0x54, 0x01, 0x02, 0, 0, 0, 1, 0x00, 0x01, 0x02, 0xff, 0xff };
    n = build_frame(f, 47000, 47000, short_counter, sizeof short_counter);
    feed(e, f, n, n);
    CHECK(s.errors == TRAWL_BUF_MALFORMED, "2-byte counter: errors %u", s.errors);
    CHECK(!strcmp(field(&s, "stelp.tlv.counter"), ""), "2-byte counter: counter %s", field(&s, "stelp.tlv.counter"));

    /* 7. Not ours: a wrong magic on our port is left to UDP (no stelp layer, no error). */
    memcpy(p, report, sizeof report);
    p[0] = 0x00;
    n = build_frame(f, 47000, 47000, p, sizeof report);
    feed(e, f, n, n);
    CHECK(!strstr(s.layers, "stelp"), "wrong magic: layers %s", s.layers);
    CHECK(s.errors == 0, "wrong magic: errors %u", s.errors);

    /* 8. The info column, through the "text" sink (tshark's one-line summary) when installed. */
    {
        char *buf = NULL;
        size_t blen = 0;
        FILE *mem = open_memstream(&buf, &blen);
        struct trawl_engine *e2 = engine_new(so, dir, NULL, &s);
        const char *const opts[] = { NULL };
        if (e2 && mem && trawl_engine_add_sink(e2, "text", mem, opts)) {
            n = build_frame(f, 47000, 47000, report, sizeof report);
            feed(e2, f, n, n);
            trawl_engine_finish(e2);
            fflush(mem);
            CHECK(buf && strstr(buf, "STELP") && strstr(buf, "Report seq=7 name=sensor-1 TLVs=3"),
                  "text line: %s", buf ? buf : "(none)");
        } else {
            printf("  skip: info column (no \"text\" sink in %s)\n", dir);
        }
        trawl_engine_free(e2);
        if (mem) fclose(mem);
        free(buf);
    }

    /* 9. Per-engine state and options: an engine told -o myproto.port=48000 attaches there;
     *    another engine alive at the same time keeps 47000. A message of type 9 is one the
     *    heuristic rejects, so only the port entry can claim it. */
    {
        struct seen s2;
        struct trawl_engine *moved = engine_new(so, dir, "myproto.port=48000", &s2);
        CHECK(moved != NULL, "engine with myproto.port=48000");
        memcpy(p, report, sizeof report);
        p[3] = 9;
        n = build_frame(f, 48000, 48000, p, sizeof report);
        if (moved) {
            feed(moved, f, n, n);
            CHECK(ends_with(s2.layers, "udp:stelp"), "port option: layers %s", s2.layers);
        }
        feed(e, f, n, n);
        CHECK(!strstr(s.layers, "stelp"), "default engine on 48000: layers %s", s.layers);
        trawl_engine_free(moved);

        /* A bad option value refuses the plugin (its init fails), the engine carries on. */
        struct trawl_engine *bad = engine_new(so, dir, "myproto.port=70000", &s2);
        bool refused = false;
        for (size_t i = 0; bad && i < trawl_engine_plugin_count(bad); i++) {
            struct trawl_plugin_info pi;
            if (trawl_engine_plugin_info(bad, i, &pi) && pi.name && !strcmp(pi.name, "myproto") && pi.why)
                refused = true;
        }
        CHECK(bad && refused, "myproto.port=70000 should refuse the plugin");
        trawl_engine_free(bad);
    }

    trawl_engine_free(e);
out:
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
