/* trawl.c — the command-line host: a thin user of engine.h.
 *
 * It finds and loads plugins, maps tshark-style flags to sinks and engine settings, runs the
 * inputs in order and reports what was skipped. Exit status: 0 success, 1 usage or setup
 * error, 2 an input was damaged or unreadable (after everything before the damage was output).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trawl/trawl.h"
#include "host.h"
#include "views.h"

#ifndef TRAWL_PLUGINDIR
#define TRAWL_PLUGINDIR "/usr/local/lib/trawl/plugins"
#endif

#define MAXLIST 512

int trawl_cmd_test_plugin(int argc, char **argv, const char *default_plugin_dir);

struct strlist { const char *v[MAXLIST]; size_t n; };

static void sl_add(struct strlist *l, const char *s)
{
    if (l->n < MAXLIST) l->v[l->n++] = s;
    else { fprintf(stderr, "trawl: too many arguments of one kind (max %d)\n", MAXLIST); exit(1); }
}

struct opts {
    struct strlist owned;   /* strings the profile allocated, freed at exit */
    struct strlist reads, plugin_dirs, enable, disable, decode_as, sink_opts, plugin_opts, fields_e;
    struct strlist heur_off, heur_on, records, zviews;
    struct views *views;    /* -z: tables and streams printed after the run */
    const char *only, *iface, *filter, *output, *profile, *write_file;
    long long count;
    int snaplen;
    long threads;           /* --threads: -1 = one per core */
    bool promisc, quiet, verbose, hex, stats, list_ifaces;
    int log_level;
};

static void free_owned(struct opts *o)
{
    for (size_t i = 0; i < o->owned.n; i++) free((void *)o->owned.v[i]);
    o->owned.n = 0;
}

static struct trawl_engine *g_engine;   /* for the signal handler only */

static void on_signal(int sig)
{
    (void)sig;
    if (g_engine) trawl_engine_stop(g_engine);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *exe_dir(void)
{
    static char dir[PATH_MAX];
    if (!*dir) {
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
        if (n <= 0) return NULL;
        dir[n] = 0;
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
    }
    return dir;
}

/* The default plugin directory: the build tree's when run from it, else the installed one
 * (found relative to the binary first, so a relocated install works). */
static const char *default_plugin_dir(void)
{
    static char buf[PATH_MAX + 32];
    const char *d = exe_dir();
    if (d) {
        char lib[PATH_MAX + 32];
        snprintf(lib, sizeof lib, "%s/../lib/libtrawl.so", d);
        snprintf(buf, sizeof buf, "%s/../plugins", d);
        if (is_file(lib) && is_dir(buf)) return buf;
        snprintf(buf, sizeof buf, "%s/../lib/trawl/plugins", d);
        if (is_dir(buf)) return buf;
    }
    return TRAWL_PLUGINDIR;
}

int host_load_plugins(struct trawl_engine *e, const char *const *paths, size_t npaths,
                      const char *default_dir)
{
    int bad = 0;
    for (size_t i = 0; i < npaths; i++) {
        if (is_file(paths[i])) {
            trawl_engine_load_plugin(e, paths[i]);       /* a refusal is logged by the engine */
        } else if (trawl_engine_load_dir(e, paths[i]) < 0) {
            fprintf(stderr, "trawl: %s\n", trawl_engine_last_error(e));
            bad++;
        }
    }
    const char *env = getenv("TRAWL_PLUGIN_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save))
            if (trawl_engine_load_dir(e, d) < 0) fprintf(stderr, "trawl: %s\n", trawl_engine_last_error(e));
        free(copy);
    }
    if (default_dir && is_dir(default_dir)) trawl_engine_load_dir(e, default_dir);
    else if (!npaths && !(env && *env))
        fprintf(stderr, "trawl: warning: plugin directory %s not found\n", default_dir ? default_dir : "(none)");
    return bad;
}

static void log_cb(void *user, enum trawl_log_level lvl, const char *origin, const char *msg)
{
    static const char *const tag[] = { "error: ", "warning: ", "", "" };
    fprintf(stderr, "trawl: %s%s%s%s\n", tag[lvl], origin ? origin : "", origin ? ": " : "", msg);
}

static void usage(FILE *f)
{
    fprintf(f,
"usage: trawl [options] [-r FILE]... [FILE]...\n"
"       trawl plugins | fields | tables | version   [-P DIR] [--profile P]\n"
"       trawl test-plugin [-P DIR] (--hex HEX [--linktype N] | -r FILE) [-e FIELD]...\n"
"\n"
"input:\n"
"  -r FILE            read a pcap or pcapng file ('-' = stdin); repeat for several files\n"
"  -i IFACE           capture live (libpcap); -D lists interfaces\n"
"  -f BPF             capture filter (pcap-filter(7)), on files and interfaces\n"
"  -c N               stop after N packets\n"
"  -s SNAPLEN         live snapshot length (default 262144)\n"
"  -p                 do not put the interface in promiscuous mode\n"
"output:\n"
"  -T text|fields|json|...  output sink (default text: one line per packet)\n"
"  -w FILE            write the frames (after -f and -c) to a pcap file ('-' = stdout)\n"
"  -e FIELD           a column for -T fields (repeatable)\n"
"  -E key=value       fields options: header=y|n separator=/t|/s|C occurrence=f|l|a\n"
"                     aggregator=C quote=d|s|n\n"
"  -V                 every field of each packet as a tree\n"
"  -x                 hex and ASCII dump of each packet\n"
"  -q                 no per-packet output\n"
"  -n                 accepted for tshark compatibility (addresses are always numeric)\n"
"  -O sink.key=value  an option for the output sink\n"
"  --records FMT[:PATH]  records (conn, dns, ...): json (NDJSON to stdout, or to PATH),\n"
"                     zeek[:DIR] (Zeek TSV logs), csv[:DIR] (a file per record type);\n"
"                     repeatable; with no -T, -V or -x the packets are not printed\n"
"  --stats            counters at the end (packets, bytes, time range, skipped)\n"
"  --threads N        worker threads (default: one per core); the output is the same\n"
"                     for any N (live capture and -z use one)\n"
"  -z conv,TYPE       a conversation table after the packets, TYPE eth|ip|ipv6|tcp|udp\n"
"                     (tshark's layout; with -q only the tables); repeatable\n"
"  -z follow,tcp,MODE,N  the bytes of TCP stream N (tcp.stream) in order, per side,\n"
"                     MODE ascii|hex|raw; gaps say how many bytes are missing\n"
"decoding and plugins:\n"
"  -d TABLE==VALUE,PROTO  decode as (tshark syntax), e.g. -d udp.port==5353,dns\n"
"  -P, --plugin-dir DIR|FILE.so  also load these plugins (before the default directory)\n"
"  --enable NAME / --disable NAME / --only A,B   choose plugins for this run\n"
"  --disable-heuristic NAME / --enable-heuristic NAME   one heuristic (see `trawl tables`)\n"
"  -o PLUGIN.KEY=VALUE    a plugin option\n"
"  --profile NAME|FILE    a named plugin set with options (see samples/profiles)\n"
"  -G fields          same as `trawl fields`\n"
"environment: TRAWL_PLUGIN_PATH (colon-separated plugin directories), TRAWL_PROFILE_PATH\n");
}

/* ---- profiles ---------------------------------------------------------------------------- */

static char *find_profile(const char *name)
{
    static char path[PATH_MAX + 64];
    if (strchr(name, '/') || is_file(name)) return is_file(name) ? strcpy(path, name) : NULL;
    const char *env = getenv("TRAWL_PROFILE_PATH");
    char dirs[4][PATH_MAX];
    int nd = 0;
    if (env) snprintf(dirs[nd++], PATH_MAX, "%s", env);
    if (getenv("HOME")) snprintf(dirs[nd++], PATH_MAX, "%s/.config/trawl/profiles", getenv("HOME"));
    if (exe_dir()) {
        snprintf(dirs[nd++], PATH_MAX, "%s/../../samples/profiles", exe_dir());
        snprintf(dirs[nd++], PATH_MAX, "%s/../share/trawl/profiles", exe_dir());
    }
    for (int i = 0; i < nd; i++) {
        snprintf(path, sizeof path, "%s/%s.profile", dirs[i], name);
        if (is_file(path)) return path;
    }
    return NULL;
}

/* A profile is "key = value" lines: only, enable, disable, option, decode-as, output, field,
 * fields-option, filter; '#' starts a comment. Command-line flags given as well add to it
 * (and -T replaces its output). */
static int load_profile(const char *name, struct opts *o)
{
    char *path = find_profile(name);
    if (!path) { fprintf(stderr, "trawl: profile '%s' not found (a file, or NAME.profile in "
                         "$TRAWL_PROFILE_PATH, ~/.config/trawl/profiles, samples/profiles)\n", name); return -1; }
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "trawl: %s: %s\n", path, strerror(errno)); return -1; }
    char line[1024];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        if (*s == '#' || *s == '\n' || !*s) continue;
        s[strcspn(s, "\r\n")] = 0;
        char *eq = strchr(s, '=');
        if (!eq) { fprintf(stderr, "trawl: %s:%d: expected KEY = VALUE\n", path, lineno); rc = -1; continue; }
        char *k = s, *v = eq + 1;
        *eq = 0;
        for (char *t = eq - 1; t >= k && (*t == ' ' || *t == '\t'); t--) *t = 0;
        while (*v == ' ' || *v == '\t') v++;
        v = strdup(v);
        if (!v) { rc = -1; break; }
        sl_add(&o->owned, v);
        if (!strcmp(k, "only")) o->only = v;
        else if (!strcmp(k, "enable")) sl_add(&o->enable, v);
        else if (!strcmp(k, "disable")) sl_add(&o->disable, v);
        else if (!strcmp(k, "option")) sl_add(&o->plugin_opts, v);
        else if (!strcmp(k, "decode-as")) sl_add(&o->decode_as, v);
        else if (!strcmp(k, "output")) { if (!o->output) o->output = v; }
        else if (!strcmp(k, "field")) sl_add(&o->fields_e, v);
        else if (!strcmp(k, "sink-option")) sl_add(&o->sink_opts, v);
        else if (!strcmp(k, "filter")) { if (!o->filter) o->filter = v; }
        else if (!strcmp(k, "records")) sl_add(&o->records, v);
        else if (!strcmp(k, "name") || !strcmp(k, "summary")) {}
        else { fprintf(stderr, "trawl: %s:%d: unknown key '%s'\n", path, lineno, k); rc = -1; }
    }
    fclose(f);
    return rc;
}

/* ---- listings ----------------------------------------------------------------------------- */

static const char *ftype_name(enum trawl_ftype t)
{
    static const char *const n[] = { "FT_NONE", "FT_BOOLEAN", "FT_UINT8", "FT_UINT16", "FT_UINT24",
        "FT_UINT32", "FT_UINT64", "FT_INT64", "FT_DOUBLE", "FT_STRING", "FT_BYTES", "FT_IPv4",
        "FT_IPv6", "FT_ETHER", "FT_ABSOLUTE_TIME", "FT_RELATIVE_TIME" };
    return (unsigned)t < sizeof n / sizeof n[0] ? n[t] : "?";
}

static void list_plugins(struct trawl_engine *e)
{
    size_t n = trawl_engine_plugin_count(e);
    printf("%-10s %-8s %-9s %s\n", "NAME", "VERSION", "STATE", "REGISTERED / REASON");
    for (size_t i = 0; i < n; i++) {
        struct trawl_plugin_info pi;
        trawl_engine_plugin_info(e, i, &pi);
        if (pi.why) {
            printf("%-10s %-8s %-9s %s (%s)\n", pi.name ? pi.name : "-", pi.version ? pi.version : "-",
                   "refused", pi.why, pi.path);
            continue;
        }
        char what[160] = "";
        size_t at = 0;
#define ADD(cnt, label) if (cnt) at += (size_t)snprintf(what + at, sizeof what - at, "%s%u %s", at ? ", " : "", cnt, label)
        ADD(pi.protos, "protocols"); ADD(pi.fields, "fields"); ADD(pi.tables, "tables");
        ADD(pi.heuristics, "heuristics"); ADD(pi.sinks, "sinks");
#undef ADD
        const char *kind = pi.sinks && !pi.protos ? "sink" : pi.protos ? "dissector" : "other";
        printf("%-10s %-8s %-9s %s: %s — %s\n", pi.name, pi.version ? pi.version : "-",
               pi.enabled ? "loaded" : "disabled", kind, *what ? what : "nothing", pi.summary ? pi.summary : "");
    }
}

static void list_fields(struct trawl_engine *e)
{
    uint32_t np = trawl_engine_proto_count(e);
    for (uint32_t i = 0; i < np; i++) {
        const struct trawl_proto *p = trawl_engine_proto(e, i);
        printf("P\t%s\t%s\n", p->long_name, p->name);
        /* Protocols that share a field table (dns, mdns, llmnr) list it once, under the first. */
        for (unsigned j = 0; j < p->nfields; j++)
            if (trawl_engine_field_find(e, p->fields[j].name) == &p->fields[j])
                printf("F\t%s\t%s\t%s\t%s\n", p->fields[j].desc, p->fields[j].name,
                       ftype_name(p->fields[j].type), p->name);
    }
}

static void print_heuristic(void *user, const char *list, const char *name, int priority,
                            const char *proto, bool enabled)
{
    printf("heuristic %-8s %-16s priority %-4d -> %s%s\n", list, name, priority, proto,
           enabled ? "" : " (disabled)");
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list_tables(struct trawl_engine *e)
{
    const char *names[256];
    size_t n = trawl_engine_table_names(e, names, 256);
    if (n > 256) n = 256;
    qsort(names, n, sizeof *names, cmp_name);
    for (size_t i = 0; i < n; i++) printf("table %s\n", names[i]);
    trawl_engine_heuristics(e, print_heuristic, NULL);
}

/* ---- main ----------------------------------------------------------------------------------- */

enum { OPT_ENABLE = 256, OPT_DISABLE, OPT_ONLY, OPT_PROFILE, OPT_STATS, OPT_HELP, OPT_VERSION,
       OPT_HEUR_OFF, OPT_HEUR_ON, OPT_RECORDS, OPT_THREADS };

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        { "plugin-dir", required_argument, 0, 'P' }, { "enable", required_argument, 0, OPT_ENABLE },
        { "disable", required_argument, 0, OPT_DISABLE }, { "only", required_argument, 0, OPT_ONLY },
        { "profile", required_argument, 0, OPT_PROFILE }, { "stats", no_argument, 0, OPT_STATS },
        { "disable-heuristic", required_argument, 0, OPT_HEUR_OFF },
        { "enable-heuristic", required_argument, 0, OPT_HEUR_ON },
        { "records", required_argument, 0, OPT_RECORDS }, { "threads", required_argument, 0, OPT_THREADS },
        { "help", no_argument, 0, OPT_HELP }, { "version", no_argument, 0, OPT_VERSION }, { 0, 0, 0, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "r:i:f:c:s:pT:e:E:VxqnO:d:P:o:G:DY:w:z:", lo, NULL)) != -1) {
        switch (c) {
        case 'r': sl_add(&o->reads, optarg); break;
        case 'i': o->iface = optarg; break;
        case 'w': o->write_file = optarg; break;
        case 'f': o->filter = optarg; break;
        case 'c': {
            char *end;
            o->count = strtoll(optarg, &end, 10);
            if (*end || o->count <= 0) { fprintf(stderr, "trawl: -c %s: expected a positive count\n", optarg); return -1; }
            break;
        }
        case 's': o->snaplen = atoi(optarg); break;
        case 'p': o->promisc = false; break;
        case 'T': o->output = optarg; break;
        case 'e': sl_add(&o->fields_e, optarg); break;
        case 'E': sl_add(&o->sink_opts, optarg); break;
        case 'O': sl_add(&o->sink_opts, optarg); break;
        case 'V': o->verbose = true; break;
        case 'x': o->hex = true; break;
        case 'q': o->quiet = true; break;
        case 'z': sl_add(&o->zviews, optarg); break;
        case 'n': break;
        case 'd': sl_add(&o->decode_as, optarg); break;
        case 'P': sl_add(&o->plugin_dirs, optarg); break;
        case 'o': sl_add(&o->plugin_opts, optarg); break;
        case 'G':
            if (strcmp(optarg, "fields")) { fprintf(stderr, "trawl: -G %s: only -G fields is supported\n", optarg); return -1; }
            return 3;
        case 'D': o->list_ifaces = true; break;
        case 'Y': fprintf(stderr, "trawl: -Y display filters are not implemented yet; use -f BPF\n"); return -1;
        case OPT_ENABLE: sl_add(&o->enable, optarg); break;
        case OPT_DISABLE: sl_add(&o->disable, optarg); break;
        case OPT_ONLY: o->only = optarg; break;
        case OPT_HEUR_OFF: sl_add(&o->heur_off, optarg); break;
        case OPT_HEUR_ON: sl_add(&o->heur_on, optarg); break;
        case OPT_RECORDS: sl_add(&o->records, optarg); break;
        case OPT_PROFILE: o->profile = optarg; break;
        case OPT_STATS: o->stats = true; break;
        case OPT_THREADS: {
            char *end;
            o->threads = strtol(optarg, &end, 10);
            if (*end || o->threads < 1 || o->threads > 64) {
                fprintf(stderr, "trawl: --threads %s: expected a number from 1 to 64\n", optarg);
                return -1;
            }
            break;
        }
        case OPT_HELP: usage(stdout); exit(0);
        case OPT_VERSION: printf("trawl %s (SDK ABI %d.%d)\n", TRAWL_VERSION, TRAWL_ABI_MAJOR, TRAWL_ABI_MINOR); exit(0);
        default: usage(stderr); return -1;
        }
    }
    return 0;
}

static int list_interfaces(void)
{
    fprintf(stderr, "trawl: -D: use `ip link` to list interfaces\n");
    return 1;
}

/* ---- --records ------------------------------------------------------------------------ */

/* Files opened for --records json:FILE, closed after the sinks are. */
static struct { FILE *f[MAXLIST]; const char *path[MAXLIST]; size_t n; } g_rec_files;

static int close_record_files(bool report)
{
    int rc = 0;
    for (size_t i = 0; i < g_rec_files.n; i++) {
        if (fclose(g_rec_files.f[i]) != 0 && report) {
            fprintf(stderr, "trawl: --records json:%s: %s\n", g_rec_files.path[i], strerror(errno));
            rc = -1;
        }
    }
    g_rec_files.n = 0;
    return rc;
}

/* --records FMT[:PATH]: json to standard output (folded into -T json when that is the packet
 * output, packet_sink) or to PATH; any other FMT is a sink taking dir=PATH. */
static int add_record_sinks(struct trawl_engine *e, struct opts *o, bool packet_sink)
{
    for (size_t i = 0; i < o->records.n; i++) {
        const char *spec = o->records.v[i], *colon = strchr(spec, ':');
        char name[64];
        size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);
        const char *path = colon ? colon + 1 : NULL;
        if (!nl || nl >= sizeof name || (colon && !*path)) {
            fprintf(stderr, "trawl: --records %s: expected FORMAT[:PATH] (json, json:FILE, zeek:DIR, csv:DIR)\n", spec);
            return -1;
        }
        memcpy(name, spec, nl);
        name[nl] = 0;
        if (!strcmp(name, "json")) {
            if (!path || !strcmp(path, "-")) {
                if (packet_sink) continue;          /* -T json took records=yes */
                const char *opts[] = { "records=only", NULL };
                if (!trawl_engine_add_sink(e, "json", stdout, opts)) goto sink_failed;
                continue;
            }
            FILE *f = fopen(path, "w");
            if (!f) {
                fprintf(stderr, "trawl: --records %s: %s\n", spec, strerror(errno));
                return -1;
            }
            g_rec_files.f[g_rec_files.n] = f;
            g_rec_files.path[g_rec_files.n++] = path;   /* MAXLIST specs at most */
            const char *opts[] = { "records=only", NULL };
            if (!trawl_engine_add_sink(e, "json", f, opts)) goto sink_failed;
            continue;
        }
        char *dir = NULL;
        if (path) {
            size_t n = strlen(path) + 5;
            if (!(dir = malloc(n))) { fprintf(stderr, "trawl: out of memory\n"); return -1; }
            snprintf(dir, n, "dir=%s", path);
            sl_add(&o->owned, dir);
        }
        const char *opts[] = { dir, NULL };
        if (!trawl_engine_add_sink(e, name, stdout, opts)) goto sink_failed;
        continue;
    sink_failed:
        fprintf(stderr, "trawl: --records %s: %s\n", spec, trawl_engine_last_error(e));
        return -1;
    }
    return 0;
}

static int run_main(int argc, char **argv, struct opts *o);

int main(int argc, char **argv)
{
    struct opts o;
    int rc = run_main(argc, argv, &o);
    free_owned(&o);
    views_free(o.views);
    return rc;
}

static int run_main(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->promisc = true;
    o->log_level = TRAWL_LOG_WARN;
    const char *command = NULL;
    if (argc > 1 && !strcmp(argv[1], "test-plugin"))
        return trawl_cmd_test_plugin(argc - 1, argv + 1, default_plugin_dir());
    int pr = parse(argc, argv, o);
    if (pr < 0) return 1;
    if (pr == 3) command = "fields";
    /* A subcommand is the first operand (GNU getopt moved the options before it). */
    static const char *const commands[] = { "plugins", "fields", "tables", "version", NULL };
    for (int i = 0; !command && optind < argc && commands[i]; i++)
        if (!strcmp(argv[optind], commands[i])) command = argv[optind++];
    if (command && !strcmp(command, "version")) {
        printf("trawl %s (SDK ABI %d.%d)\n", TRAWL_VERSION, TRAWL_ABI_MAJOR, TRAWL_ABI_MINOR);
        return 0;
    }
    if (o->list_ifaces) return list_interfaces();
    for (int i = optind; i < argc; i++) sl_add(&o->reads, argv[i]);
    if (o->profile && load_profile(o->profile, o) < 0) return 1;
    if (o->zviews.n) {
        if (!(o->views = views_new())) { fprintf(stderr, "trawl: out of memory\n"); return 1; }
        for (size_t i = 0; i < o->zviews.n; i++)
            if (views_parse(o->views, o->zviews.v[i]) < 0) return 1;
    }

    struct trawl_engine_options eo = { .size = sizeof eo, .log = log_cb, .log_level = TRAWL_LOG_WARN };
    struct trawl_engine *e = trawl_engine_new(&eo);
    if (!e) { fprintf(stderr, "trawl: out of memory\n"); return 1; }
    g_engine = e;

    host_load_plugins(e, o->plugin_dirs.v, o->plugin_dirs.n, default_plugin_dir());

    int rc = 0;
    if (o->only && trawl_engine_only(e, o->only) < 0) { fprintf(stderr, "trawl: %s\n", trawl_engine_last_error(e)); rc = 1; }
    for (size_t i = 0; i < o->enable.n; i++)
        if (trawl_engine_enable(e, o->enable.v[i], true) < 0) { fprintf(stderr, "trawl: --enable: %s\n", trawl_engine_last_error(e)); rc = 1; }
    for (size_t i = 0; i < o->disable.n; i++)
        if (trawl_engine_enable(e, o->disable.v[i], false) < 0) { fprintf(stderr, "trawl: --disable: %s\n", trawl_engine_last_error(e)); rc = 1; }
    for (size_t i = 0; i < o->plugin_opts.n; i++)
        if (trawl_engine_set_option(e, o->plugin_opts.v[i]) < 0) { fprintf(stderr, "trawl: -o: %s\n", trawl_engine_last_error(e)); rc = 1; }
    if (rc) { trawl_engine_free(e); return rc; }
    trawl_engine_start(e);
    for (size_t i = 0; i < o->decode_as.n; i++)
        if (trawl_engine_decode_as(e, o->decode_as.v[i]) < 0) { fprintf(stderr, "trawl: -d: %s\n", trawl_engine_last_error(e)); rc = 1; }
    for (size_t i = 0; i < o->heur_off.n; i++)
        if (trawl_engine_heuristic_enable(e, o->heur_off.v[i], false) < 0) { fprintf(stderr, "trawl: --disable-heuristic: %s\n", trawl_engine_last_error(e)); rc = 1; }
    for (size_t i = 0; i < o->heur_on.n; i++)
        if (trawl_engine_heuristic_enable(e, o->heur_on.v[i], true) < 0) { fprintf(stderr, "trawl: --enable-heuristic: %s\n", trawl_engine_last_error(e)); rc = 1; }
    if (rc) { trawl_engine_free(e); return rc; }

    if (command) {
        if (!strcmp(command, "plugins")) list_plugins(e);
        else if (!strcmp(command, "fields")) list_fields(e);
        else list_tables(e);
        trawl_engine_free(e);
        return 0;
    }
    if (!o->reads.n && !o->iface) {
        usage(stderr);
        trawl_engine_free(e);
        return 1;
    }

    /* Output: -T NAME (default text), with -e/-E/-O as its options. */
    static char optbuf[MAXLIST * 2][320];
    const char *sopts[MAXLIST * 2 + 4];
    size_t ns = 0, nb = 0;
    for (size_t i = 0; i < o->fields_e.n && nb < MAXLIST * 2; i++) {
        snprintf(optbuf[nb], sizeof optbuf[nb], "e=%s", o->fields_e.v[i]);
        sopts[ns++] = optbuf[nb++];
    }
    for (size_t i = 0; i < o->sink_opts.n; i++) {
        const char *s = o->sink_opts.v[i], *dot = strchr(s, '.'), *eq = strchr(s, '=');
        /* -O sink.key=value: strip the sink name when it is given. */
        sopts[ns++] = dot && eq && dot < eq && !strchr(s, '/') && strncmp(s, "e=", 2) ? dot + 1 : s;
    }
    if (o->verbose) sopts[ns++] = "verbose=1";
    if (o->hex) sopts[ns++] = "hex=1";
    /* Like tshark: with -w and no -T, nothing is printed; -q silences the default output. So
     * do --records (a log writer's run), unless -V or -x ask for packets. */
    const char *sink = o->output ? o->output
                     : (o->quiet || o->write_file || (o->records.n && !o->verbose && !o->hex)) ? NULL
                     : "text";
    /* --records json without a file shares standard output with -T json (one stream, records
     * after their frame) and cannot share it with anything else. */
    bool rec_stdout = false;
    for (size_t i = 0; i < o->records.n; i++) {
        const char *r = o->records.v[i];
        if (strncmp(r, "json", 4) || (r[4] && strcmp(r + 4, ":-"))) continue;
        const char *other = rec_stdout ? "another --records json" : o->write_file && !strcmp(o->write_file, "-") ? "-w -"
                          : sink && strcmp(sink, "json") ? sink : NULL;
        if (other) {
            fprintf(stderr, "trawl: --records %s writes to standard output, as does %s%s: give it a file "
                    "(--records json:FILE)\n", r, other == sink ? "-T " : "", other);
            trawl_engine_free(e);
            return 1;
        }
        rec_stdout = true;
    }
    if (rec_stdout && sink) sopts[ns++] = "records=yes";
    sopts[ns] = NULL;
    if (sink && !trawl_engine_add_sink(e, sink, stdout, sopts)) {
        fprintf(stderr, "trawl: %s\n", trawl_engine_last_error(e));
        trawl_engine_free(e);
        return 1;
    }
    if (add_record_sinks(e, o, sink != NULL) < 0) {
        close_record_files(false);
        trawl_engine_free(e);
        return 1;
    }
    if (o->write_file) {
        char fileopt[PATH_MAX + 8];
        snprintf(fileopt, sizeof fileopt, "file=%s", o->write_file);
        const char *wopts[] = { fileopt, NULL };
        if (sink && !strcmp(o->write_file, "-")) {
            fprintf(stderr, "trawl: -w - writes the capture to standard output: choose it or -T %s, not both\n", sink);
            trawl_engine_free(e);
            return 1;
        }
        if (!trawl_engine_add_sink(e, "pcap", stdout, wopts)) {
            fprintf(stderr, "trawl: -w %s: %s\n", o->write_file, trawl_engine_last_error(e));
            trawl_engine_free(e);
            return 1;
        }
    }
    if (o->count > 0) trawl_engine_set_limit(e, (uint64_t)o->count);
    if (o->filter && trawl_engine_set_filter(e, o->filter) < 0) {
        fprintf(stderr, "trawl: %s\n", trawl_engine_last_error(e));
        trawl_engine_free(e);
        return 1;
    }
    if (views_any(o->views) && views_attach(o->views, e) < 0) {
        trawl_engine_free(e);
        return 1;
    }
    /* Worker threads: one per core unless asked (the engine keeps one for live capture and for
     * the -z views, whose callbacks see flows). */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    trawl_engine_set_threads(e, o->threads > 0 ? (unsigned)o->threads : ncpu > 0 ? (unsigned)ncpu : 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* SIGPIPE keeps its default: `trawl ... | head` ends quietly like any Unix filter. */

    int status = 0;
    for (size_t i = 0; i < o->reads.n; i++) {
        if (trawl_engine_read_file(e, o->reads.v[i]) < 0) status = 2;
        if (o->count > 0 && trawl_engine_stats(e)->packets >= (uint64_t)o->count) break;
    }
    if (o->iface) {
        struct trawl_live_options lo = { .size = sizeof lo, .snaplen = o->snaplen, .promisc = o->promisc };
        if (trawl_engine_read_live(e, o->iface, &lo) < 0) {
            fprintf(stderr, "trawl: %s\n", trawl_engine_last_error(e));
            status = 2;
        }
    }
    if (trawl_engine_finish(e) < 0) {
        fprintf(stderr, "trawl: output: %s\n", trawl_engine_last_error(e));
        if (!status) status = 1;
    }
    if (close_record_files(true) < 0 && !status) status = 1;
    if (views_any(o->views) && views_print(o->views, stdout) < 0) {
        fprintf(stderr, "trawl: -z: output: %s\n", strerror(errno));
        if (!status) status = 1;
    }
    const struct trawl_stats *st = trawl_engine_stats(e);
    if (o->stats || o->iface) {
        char a[64] = "", b[64] = "";
        if (st->packets) {
            trawl_time_format_utc(st->first_ts_ns, 6, a, sizeof a);
            trawl_time_format_utc(st->last_ts_ns, 6, b, sizeof b);
        }
        fprintf(stderr, "trawl: %llu packets, %llu bytes%s%s%s%s; %llu truncated, %llu malformed, "
                "%llu filtered out, %llu with an unsupported link type\n",
                (unsigned long long)st->packets, (unsigned long long)st->bytes, *a ? ", " : "", a,
                *a ? " to " : "", b, (unsigned long long)st->truncated, (unsigned long long)st->malformed,
                (unsigned long long)st->filtered_out, (unsigned long long)st->unknown_linktype);
        if (st->defrag_fragments || st->defrag_atomic)
            fprintf(stderr, "trawl: IP fragments: %llu (+%llu atomic), %llu datagrams reassembled, "
                    "%llu timed out, %llu evicted, %llu never complete (cut), %llu held at the end; "
                    "%llu fragments rejected, %llu overlapping (%llu conflicting), %llu repeated; "
                    "peak %llu bytes\n",
                    (unsigned long long)st->defrag_fragments, (unsigned long long)st->defrag_atomic,
                    (unsigned long long)st->defrag_completed, (unsigned long long)st->defrag_timeouts,
                    (unsigned long long)st->defrag_evicted, (unsigned long long)st->defrag_cut,
                    (unsigned long long)st->defrag_held, (unsigned long long)st->defrag_rejected,
                    (unsigned long long)st->defrag_overlaps, (unsigned long long)st->defrag_conflicts,
                    (unsigned long long)st->defrag_duplicates, (unsigned long long)st->defrag_peak_bytes);
        if (st->flows)
            fprintf(stderr, "trawl: flows: %llu created, %llu timed out, %llu evicted by the caps, %llu refused; "
                    "at most %llu at once in %.1f MiB\n",
                    (unsigned long long)st->flows, (unsigned long long)st->flows_timed_out,
                    (unsigned long long)st->flows_evicted, (unsigned long long)st->flows_refused,
                    (unsigned long long)st->flows_peak, st->flow_mem_peak / 1048576.0);
        if (st->tcp_gap_bytes || st->tcp_capped_bytes || st->tcp_pdu_dropped)
            fprintf(stderr, "trawl: reassembly: %llu bytes never captured (gaps), %llu given up at the caps, "
                    "%llu of PDUs past reasm.max_pdu\n", (unsigned long long)st->tcp_gap_bytes,
                    (unsigned long long)st->tcp_capped_bytes, (unsigned long long)st->tcp_pdu_dropped);
        if (st->records || st->records_dropped)
            fprintf(stderr, "trawl: records: %llu written, %llu dropped (no memory)\n",
                    (unsigned long long)st->records, (unsigned long long)st->records_dropped);
    }
    if (st->depth_exceeded)
        fprintf(stderr, "trawl: warning: %llu frames nested deeper than %d layers were cut there\n",
                (unsigned long long)st->depth_exceeded, TRAWL_MAX_DEPTH);
    if (st->values_dropped)
        fprintf(stderr, "trawl: warning: %llu frames hit the per-packet value or memory cap; some of their fields are missing\n",
                (unsigned long long)st->values_dropped);
    trawl_engine_free(e);
    g_engine = NULL;
    return status;
}
