/* fuzz_dissect.c — libFuzzer targets that push frames through a real engine with every plugin
 * of the fuzz build loaded and the output sinks (text, text -V -x, json with records, fields)
 * writing to /dev/null, so dissectors, the engine's dispatch, the records the plugins make and
 * the formatters are all exercised.
 *
 * One source, many targets (Wireshark's fuzzshark approach, adapted to what the SDK allows):
 *   generic (no TARGET_KIND): input byte 0 picks the link type from wrap_linktypes[],
 *       byte 1 the snaplen cut (wrap_cut_extra), the rest is the frame;
 *   focused (-DTARGET_KIND=WRAP_TCP -DTARGET_ARG=80, see targets.txt): byte 0 is the cut, the
 *       rest is wrapped in minimal correct lower layers (fuzz_wrap.h) so that the bytes land
 *       on one dissector's header.
 *
 * Environment:
 *   TRAWL_FUZZ_PLUGINS   plugin directory (default: <dir of this binary>/../plugins)
 *   TRAWL_FUZZ_NO_SINKS  set: dissect only, no sinks (faster, less coverage)
 *   TRAWL_FUZZ_DUMP_DIR  set: also write each input's frame there as a regression file
 *                        "<linktype>-<TRAWL_FUZZ_DUMP_NAME or hash>[@<wire len>].bin", the
 *                        form tests/framework/test_fuzz_regressions.c replays.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trawl/trawl.h>
#include "fuzz_wrap.h"
#include "fuzz_engine.h"

#define MAX_FRAME (65536 + 128)

static struct trawl_engine *engine;
static uint64_t frame_no;
static uint8_t frame[MAX_FRAME];

static void add_sink(const char *name, const char *const *opts)
{
    FILE *null = fopen("/dev/null", "w");
    if (!null) { perror("fuzz: /dev/null"); abort(); }
    if (!trawl_engine_add_sink(engine, name, null, opts))
        fprintf(stderr, "fuzz: sink %s not available: %s\n", name, trawl_engine_last_error(engine));
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    struct trawl_engine_options o = { .size = sizeof o, .log = quiet_log, .log_level = TRAWL_LOG_ERROR };
    engine = trawl_engine_new(&o);
    if (!engine) abort();
    const char *dir = plugin_dir();
    int n = trawl_engine_load_dir(engine, dir);
    if (n <= 0) {
        fprintf(stderr, "fuzz: no plugins loaded from %s (%s)\n", dir, trawl_engine_last_error(engine));
        abort();
    }
    if (trawl_engine_start(engine) < 0) {
        fprintf(stderr, "fuzz: engine start: %s\n", trawl_engine_last_error(engine));
        abort();
    }
#ifdef TARGET_DECODE_AS
    /* targets.txt's fifth column: a protocol no port reaches (x509 as a UDP payload). */
    if (trawl_engine_decode_as(engine, TARGET_DECODE_AS) < 0) {
        fprintf(stderr, "fuzz: decode-as %s: %s\n", TARGET_DECODE_AS, trawl_engine_last_error(engine));
        abort();
    }
#endif
    if (!getenv("TRAWL_FUZZ_NO_SINKS")) {
        static const char *const none[] = { NULL };
        static const char *const tree[] = { "verbose=1", "hex=1", NULL };
        static const char *const recs[] = { "records=yes", NULL };
        static const char *const flds[] = {
            "e=frame.number", "e=eth.src", "e=ip.src", "e=ip.dst", "e=ipv6.src", "e=tcp.srcport",
            "e=udp.dstport", "e=_ws.col.Protocol", "e=_ws.col.Info", "e=no.such.field",
            "occurrence=a", "aggregator=,", "quote=d", NULL };
        add_sink("text", none);
        add_sink("text", tree);
        add_sink("json", recs);
        add_sink("fields", flds);
    } else {
        trawl_engine_want_all(engine);
    }
    return 0;
}

/* Optional: write the frame as a regression file (see the header comment). */
static void dump_frame(int linktype, const uint8_t *p, size_t caplen, uint32_t wire)
{
    const char *dir = getenv("TRAWL_FUZZ_DUMP_DIR");
    if (!dir || !*dir) return;
    const char *name = getenv("TRAWL_FUZZ_DUMP_NAME");
    char hash[20];
    if (!name || !*name) {
        uint64_t h = 1469598103934665603ull;          /* FNV-1a */
        for (size_t i = 0; i < caplen; i++) h = (h ^ p[i]) * 1099511628211ull;
        snprintf(hash, sizeof hash, "%016llx", (unsigned long long)h);
        name = hash;
    }
    char path[PATH_MAX];
    if (wire != caplen)
        snprintf(path, sizeof path, "%s/%d-%s@%u.bin", dir, linktype, name, wire);
    else
        snprintf(path, sizeof path, "%s/%d-%s.bin", dir, linktype, name);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); return; }
    fwrite(p, 1, caplen, f);
    fclose(f);
    fprintf(stderr, "fuzz: wrote %s\n", path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int linktype;
    uint32_t wire;
    size_t caplen;
#ifndef TARGET_KIND
    if (size < 2 || size - 2 > sizeof frame) return 0;
    linktype = wrap_linktypes[data[0] % WRAP_NLINKTYPES];
    caplen = wrap_build(WRAP_LINK, (uint32_t)linktype, data + 2, size - 2, wrap_cut_extra(data[1]),
                        frame, sizeof frame, &linktype, &wire);
#else
    if (size < 1) return 0;
    if (size - 1 + wrap_header_len(TARGET_KIND) > sizeof frame) return 0;
    caplen = wrap_build(TARGET_KIND, TARGET_ARG, data + 1, size - 1, wrap_cut_extra(data[0]),
                        frame, sizeof frame, &linktype, &wire);
#endif
    /* An exact-size heap copy, so ASan sees a read one past the captured bytes (the static
     * frame buffer would hide it). */
    uint8_t *copy = malloc(caplen ? caplen : 1);
    if (!copy) return 0;
    if (caplen) memcpy(copy, frame, caplen);
    dump_frame(linktype, copy, caplen, wire);
    frame_no++;
    struct trawl_frame f = {
        .number = frame_no, .ts_ns = 1735689600000000000LL + (int64_t)frame_no * 1000,
        .caplen = (uint32_t)caplen, .len = wire, .linktype = linktype, .ts_precision = 9,
    };
    trawl_engine_feed(engine, &f, copy);
    free(copy);
    return 0;
}
