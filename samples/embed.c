/* embed.c — embedding libtrawl: count packets per top protocol and print TCP/UDP endpoints.
 *
 *   build/bin/trawl-embed-example PLUGIN_DIR CAPTURE
 *
 * Shows the whole life cycle of engine.h: new → load plugins → start → want fields →
 * callback per packet → read a file → finish → free. Two engines could run side by side.
 */
#include <stdio.h>
#include <string.h>

#include <trawl/trawl.h>

struct tally {
    const struct trawl_field *src, *dst, *sport, *dport;
    unsigned long packets;
    char top[16][16];
    unsigned long count[16];
    int ntop;
};

static void print_value(const struct trawl_value *v)
{
    char buf[128];
    trawl_value_format(v, TRAWL_FMT_FIELDS, buf, sizeof buf);
    fputs(buf, stdout);
}

static void on_packet(void *user, const struct trawl_packet *pkt)
{
    struct tally *t = user;
    t->packets++;
    const char *proto = trawl_packet_protocol(pkt);
    int i;
    for (i = 0; i < t->ntop && strcmp(t->top[i], proto); i++) {}
    if (i == t->ntop && t->ntop < 16) snprintf(t->top[t->ntop++], sizeof t->top[0], "%s", proto);
    if (i < 16) t->count[i]++;
    if (t->packets > 5) return;     /* endpoints of the first five packets only */
    size_t n;
    const struct trawl_value *v = trawl_packet_values(pkt, &n);
    printf("frame %llu:", (unsigned long long)trawl_packet_frame(pkt)->number);
    for (size_t k = 0; k < n; k++)
        if (v[k].field->id == t->src->id || v[k].field->id == t->dst->id ||
            (t->sport && v[k].field->id == t->sport->id) || (t->dport && v[k].field->id == t->dport->id)) {
            printf(" %s=", v[k].field->name);
            print_value(&v[k]);
        }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: %s PLUGIN_DIR CAPTURE\n", argv[0]); return 1; }
    struct trawl_engine *e = trawl_engine_new(NULL);
    if (!e || trawl_engine_load_dir(e, argv[1]) < 0 || trawl_engine_start(e) < 0) {
        fprintf(stderr, "setup failed: %s\n", e ? trawl_engine_last_error(e) : "out of memory");
        return 1;
    }
    struct tally t = { 0 };
    t.src = trawl_engine_want_field(e, "ip.src");
    t.dst = trawl_engine_want_field(e, "ip.dst");
    t.sport = trawl_engine_want_field(e, "tcp.srcport");
    t.dport = trawl_engine_want_field(e, "tcp.dstport");
    if (!t.src || !t.dst) { fprintf(stderr, "the ipv4 plugin is not loaded\n"); return 1; }
    trawl_engine_on_packet(e, on_packet, &t);
    int rc = trawl_engine_read_file(e, argv[2]);
    trawl_engine_finish(e);
    printf("%lu packets\n", t.packets);
    for (int i = 0; i < t.ntop; i++) printf("  %-8s %lu\n", t.top[i], t.count[i]);
    trawl_engine_free(e);
    return rc < 0 ? 2 : 0;
}
