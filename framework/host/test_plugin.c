/* test_plugin.c — `trawl test-plugin`: run one packet (or a capture) through the plugins and
 * print what each dissector added, for plugin authors checking their work.
 *
 *   trawl test-plugin [-P DIR|FILE.so]... [-o PLUGIN.KEY=VALUE]... [-d SPEC]...
 *                     (--hex HEX [--linktype N] [--caplen N] | -r FILE) [-e FIELD]...
 *
 * Output, per packet:
 *   frame: N                  (only with -r)
 *   NAME<TAB>VALUE            every value added, in order, except the engine's frame.* ones;
 *                             with -e: one line per -e FIELD, occurrences joined by ','
 *                             (tshark -T fields formatting, trawl_value_format)
 *   layers: eth:ip:udp:stelp
 *   errors: none | truncated | malformed | truncated,malformed
 *   error-layers: udp=truncated,stelp=malformed   (only when errors is not none)
 *   info: ...                 (the info column, when the "text" sink is loaded)
 * and a blank line between packets. Exit status: 0 done, 1 usage or setup error (including a
 * refused plugin from -P), 2 the -r input is damaged or unreadable.
 *
 * Like the rest of the host this is only a user of engine.h: nothing here sees the engine's
 * insides.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"
#include "host.h"

int trawl_cmd_test_plugin(int argc, char **argv, const char *default_plugin_dir);

#define TP_MAX 256

struct tp {
    const char *pdirs[TP_MAX], *decode[TP_MAX], *fields[TP_MAX], *options[TP_MAX];
    size_t npdirs, ndecode, nfields, noptions;
    const char *hex, *file, *default_dir;
    int linktype;
    long caplen;                          /* -1: all */
    const struct trawl_field *want[TP_MAX];
    bool numbered;                        /* print "frame: N" (files) */
    uint64_t packets;
};

static void tp_usage(FILE *f)
{
    fprintf(f,
"usage: trawl test-plugin [-P DIR|FILE.so]... [-o PLUGIN.KEY=VALUE]... [-d SPEC]...\n"
"                         (--hex HEX [--linktype N] [--caplen N] | -r FILE) [-e FIELD]...\n"
"  -P DIR|FILE.so   load plugins from DIR (or one .so) before the default directory\n"
"  -o P.KEY=VALUE   a plugin option        -d TABLE==VALUE,PROTO   decode as\n"
"  --hex HEX        one packet as hex (spaces, ':' and newlines allowed; '-' reads stdin)\n"
"  --linktype N     its LINKTYPE_ number (default 1, Ethernet; 101 raw IP, 113 Linux SLL)\n"
"  --caplen N       pretend only the first N bytes were captured (tests truncation)\n"
"  -r FILE          every packet of a pcap or pcapng file instead\n"
"  -e FIELD         print only these fields (repeatable); default: every field but frame.*\n"
"prints NAME<TAB>VALUE lines, then 'layers:', 'errors:' (none|truncated|malformed) and 'info:'\n");
}

static bool tp_add(const char **list, size_t *n, const char *v, const char *what)
{
    if (*n >= TP_MAX) {
        fprintf(stderr, "trawl test-plugin: too many %s (max %d)\n", what, TP_MAX);
        return false;
    }
    list[(*n)++] = v;
    return true;
}

/* Hex digits with any of " \t\r\n:-" between them; NULL (message printed) on anything else. */
static uint8_t *tp_parse_hex(const char *hex, size_t *out_len)
{
    size_t cap = strlen(hex) / 2 + 1, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) return NULL;
    int hi = -1;
    for (const char *s = hex; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isspace(c) || c == ':' || c == '-') continue;
        if (!isxdigit(c)) {
            fprintf(stderr, "trawl test-plugin: --hex: '%c' at offset %zu is not a hex digit\n", c, (size_t)(s - hex));
            free(buf);
            return NULL;
        }
        int d = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
        if (hi < 0) hi = d;
        else { buf[n++] = (uint8_t)(hi << 4 | d); hi = -1; }
    }
    if (hi >= 0) {
        fprintf(stderr, "trawl test-plugin: --hex: odd number of hex digits\n");
        free(buf);
        return NULL;
    }
    *out_len = n;
    return buf;
}

static char *tp_read_stdin(void)
{
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t r;
    while ((r = fread(s + n, 1, cap - n - 1, stdin)) > 0) {
        n += r;
        if (cap - n < 2) {
            char *ns = realloc(s, cap * 2);
            if (!ns) { free(s); return NULL; }
            s = ns;
            cap *= 2;
        }
    }
    s[n] = 0;
    return s;
}

/* A value as -T fields text in a heap buffer sized to fit. */
static char *tp_format(const struct trawl_value *v)
{
    char small[256];
    size_t need = trawl_value_format(v, TRAWL_FMT_FIELDS, small, sizeof small);
    char *s = malloc(need + 1);
    if (!s) return NULL;
    if (need < sizeof small) memcpy(s, small, need + 1);
    else trawl_value_format(v, TRAWL_FMT_FIELDS, s, need + 1);
    return s;
}

static const char *tp_errors_text(unsigned err)
{
    switch (err & (TRAWL_BUF_TRUNCATED | TRAWL_BUF_MALFORMED)) {
    case 0: return "none";
    case TRAWL_BUF_TRUNCATED: return "truncated";
    case TRAWL_BUF_MALFORMED: return "malformed";
    default: return "truncated,malformed";
    }
}

static void tp_on_packet(void *user, const struct trawl_packet *pkt)
{
    struct tp *t = user;
    if (t->packets++) putchar('\n');
    if (t->numbered) printf("frame: %llu\n", (unsigned long long)trawl_packet_frame(pkt)->number);
    size_t nv;
    const struct trawl_value *v = trawl_packet_values(pkt, &nv);
    if (t->nfields) {
        for (size_t k = 0; k < t->nfields; k++) {
            printf("%s\t", t->fields[k]);
            bool first = true;
            for (size_t i = 0; i < nv; i++) {
                /* Same-named fields of different protocols share one field id (ip.addr). */
                if (v[i].field != t->want[k] && strcmp(v[i].field->name, t->fields[k])) continue;
                char *s = tp_format(&v[i]);
                printf("%s%s", first ? "" : ",", s ? s : "");
                free(s);
                first = false;
            }
            putchar('\n');
        }
    } else {
        for (size_t i = 0; i < nv; i++) {
            if (v[i].layer == 0) continue;          /* frame.*: the engine's, not a plugin's */
            char *s = tp_format(&v[i]);
            printf("%s\t%s\n", v[i].field->name, s ? s : "");
            free(s);
        }
    }
    size_t nl;
    const struct trawl_layer *l = trawl_packet_layers(pkt, &nl);
    printf("layers: ");
    for (size_t i = 1; i < nl; i++) printf("%s%s", i > 1 ? ":" : "", l[i].proto->name);
    unsigned err = trawl_packet_errors(pkt);
    printf("\nerrors: %s\n", tp_errors_text(err));
    if (err) {
        printf("error-layers: ");
        bool first = true;
        for (size_t i = 1; i < nl; i++) {
            if (!l[i].err) continue;
            printf("%s%s=%s", first ? "" : ",", l[i].proto->name, tp_errors_text(l[i].err));
            first = false;
        }
        putchar('\n');
    }
    if (trawl_cols_wanted(pkt)) printf("info: %s\n", trawl_packet_col(pkt, TRAWL_COL_INFO));
}

/* Log lines as the host prints them, except the expected one: a plugin in the default
 * directory refused as a duplicate of the -P build being tested. */
static bool tp_from_cmdline(const struct tp *t, const char *path);

static void tp_log(void *user, enum trawl_log_level lvl, const char *origin, const char *msg)
{
    const struct tp *t = user;
    size_t dl = strlen(t->default_dir);
    if (t->npdirs && !strncmp(msg, t->default_dir, dl) && msg[dl] == '/' &&
        strstr(msg, ": refused: duplicate plugin name"))
        return;
    /* A -P plugin's refusal is reported once, after start, with its reason. */
    const char *r = strstr(msg, ": refused: ");
    if (r && (size_t)(r - msg) < 4096) {
        char path[4096];
        memcpy(path, msg, (size_t)(r - msg));
        path[r - msg] = 0;
        if (tp_from_cmdline(t, path)) return;
    }
    static const char *const tag[] = { "error: ", "warning: ", "", "" };
    fprintf(stderr, "trawl: %s%s%s%s\n", tag[lvl <= TRAWL_LOG_DEBUG ? lvl : 0], origin ? origin : "",
            origin ? ": " : "", msg);
}

/* Was this plugin path given with -P (the directory or the file itself)? */
static bool tp_from_cmdline(const struct tp *t, const char *path)
{
    for (size_t i = 0; path && i < t->npdirs; i++) {
        size_t n = strlen(t->pdirs[i]);
        if (!strcmp(path, t->pdirs[i]) || (!strncmp(path, t->pdirs[i], n) && path[n] == '/')) return true;
    }
    return false;
}

enum { TP_HEX = 300, TP_LINKTYPE, TP_CAPLEN, TP_HELP };

int trawl_cmd_test_plugin(int argc, char **argv, const char *default_plugin_dir)
{
    static const struct option lo[] = {
        { "hex", required_argument, 0, TP_HEX }, { "linktype", required_argument, 0, TP_LINKTYPE },
        { "caplen", required_argument, 0, TP_CAPLEN }, { "plugin-dir", required_argument, 0, 'P' },
        { "help", no_argument, 0, TP_HELP }, { 0, 0, 0, 0 } };
    struct tp *t = calloc(1, sizeof *t);
    if (!t) { fprintf(stderr, "trawl test-plugin: out of memory\n"); return 1; }
    t->linktype = 1;
    t->caplen = -1;
    t->default_dir = default_plugin_dir ? default_plugin_dir : "";
    int c, rc = 1;
    char *stdin_hex = NULL;
    uint8_t *bytes = NULL;
    struct trawl_engine *e = NULL;
    optind = 0;                                   /* GNU: restart option parsing */
    while ((c = getopt_long(argc, argv, "P:d:e:o:r:h", lo, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'P': if (!tp_add(t->pdirs, &t->npdirs, optarg, "-P")) goto out; break;
        case 'd': if (!tp_add(t->decode, &t->ndecode, optarg, "-d")) goto out; break;
        case 'e': if (!tp_add(t->fields, &t->nfields, optarg, "-e")) goto out; break;
        case 'o': if (!tp_add(t->options, &t->noptions, optarg, "-o")) goto out; break;
        case 'r': t->file = optarg; break;
        case TP_HEX: t->hex = optarg; break;
        case TP_LINKTYPE:
            t->linktype = (int)strtol(optarg, &end, 0);
            if (!*optarg || *end || t->linktype < 0) {
                fprintf(stderr, "trawl test-plugin: --linktype %s: expected a LINKTYPE_ number (1 = Ethernet)\n", optarg);
                goto out;
            }
            break;
        case TP_CAPLEN:
            t->caplen = strtol(optarg, &end, 10);
            if (!*optarg || *end || t->caplen < 0) {
                fprintf(stderr, "trawl test-plugin: --caplen %s: expected a byte count\n", optarg);
                goto out;
            }
            break;
        case 'h': case TP_HELP: tp_usage(stdout); rc = 0; goto out;
        default: tp_usage(stderr); goto out;
        }
    }
    if (optind < argc || !t->hex == !t->file) {
        if (optind < argc) fprintf(stderr, "trawl test-plugin: unexpected argument '%s'\n", argv[optind]);
        else fprintf(stderr, "trawl test-plugin: give one packet with --hex, or a capture with -r\n");
        tp_usage(stderr);
        goto out;
    }

    /* Parse the packet before any plugin loads: a typo fails fast. */
    size_t nbytes = 0;
    if (t->hex) {
        const char *hex = t->hex;
        if (!strcmp(hex, "-")) {
            if (!(stdin_hex = tp_read_stdin())) { fprintf(stderr, "trawl test-plugin: cannot read stdin\n"); goto out; }
            hex = stdin_hex;
        }
        if (!(bytes = tp_parse_hex(hex, &nbytes))) goto out;
        if (!nbytes) { fprintf(stderr, "trawl test-plugin: --hex: no bytes\n"); goto out; }
    }

    struct trawl_engine_options eo = { .size = sizeof eo, .log = tp_log, .log_user = t, .log_level = TRAWL_LOG_WARN };
    if (!(e = trawl_engine_new(&eo))) { fprintf(stderr, "trawl test-plugin: out of memory\n"); goto out; }

    /* The host's order (-P, $TRAWL_PLUGIN_PATH, the default directory): the first plugin of a
     * name wins, so a -P build replaces the installed plugin of the same name. */
    if (host_load_plugins(e, t->pdirs, t->npdirs, *t->default_dir ? t->default_dir : NULL) > 0) goto out;

    for (size_t i = 0; i < t->noptions; i++)
        if (trawl_engine_set_option(e, t->options[i]) < 0) {
            fprintf(stderr, "trawl test-plugin: -o: %s\n", trawl_engine_last_error(e));
            goto out;
        }
    if (trawl_engine_start(e) < 0) { fprintf(stderr, "trawl test-plugin: %s\n", trawl_engine_last_error(e)); goto out; }

    /* A plugin under test that was refused (at load, init or handoff) fails the command: its
     * reason was logged above. */
    bool refused = false;
    for (size_t i = 0; i < trawl_engine_plugin_count(e); i++) {
        struct trawl_plugin_info pi;
        if (trawl_engine_plugin_info(e, i, &pi) && pi.why && tp_from_cmdline(t, pi.path)) {
            fprintf(stderr, "trawl test-plugin: plugin %s was refused: %s\n", pi.path, pi.why);
            refused = true;
        }
    }
    if (refused) goto out;

    for (size_t i = 0; i < t->ndecode; i++)
        if (trawl_engine_decode_as(e, t->decode[i]) < 0) {
            fprintf(stderr, "trawl test-plugin: -d: %s\n", trawl_engine_last_error(e));
            goto out;
        }
    if (t->nfields) {
        for (size_t i = 0; i < t->nfields; i++)
            if (!(t->want[i] = trawl_engine_want_field(e, t->fields[i]))) {
                fprintf(stderr, "trawl test-plugin: -e %s: no loaded plugin has this field (see `trawl fields`)\n",
                        t->fields[i]);
                goto out;
            }
    } else {
        trawl_engine_want_all(e);
    }
    trawl_engine_want_cols(e);                   /* the info column, read in our callback */
    trawl_engine_on_packet(e, tp_on_packet, t);

    rc = 0;
    if (t->hex) {
        uint32_t cap = t->caplen >= 0 && (size_t)t->caplen < nbytes ? (uint32_t)t->caplen : (uint32_t)nbytes;
        struct trawl_frame f = { .number = 1, .caplen = cap, .len = (uint32_t)nbytes,
                                 .linktype = t->linktype, .ts_precision = 9 };
        if (trawl_engine_feed(e, &f, bytes) < 0) {
            fprintf(stderr, "trawl test-plugin: %s\n", trawl_engine_last_error(e));
            rc = 1;
        }
    } else {
        t->numbered = true;
        if (trawl_engine_read_file(e, t->file) < 0) rc = 2;
    }
    trawl_engine_finish(e);
    trawl_engine_free(e);
    e = NULL;
    if (fflush(stdout) != 0) rc = rc ? rc : 1;

out:
    trawl_engine_free(e);
    free(bytes);
    free(stdin_hex);
    free(t);
    return rc;
}
