/* fuzz_tcpstream.c — libFuzzer target for the flow table, TCP tracking and reassembly: the input
 * is a script of segments in both directions of one connection, fed through a real engine with
 * every plugin of the fuzz build loaded (so stream dissectors on common ports run too).
 *
 * Script: repeated records of
 *   byte 0     bit 7: direction (server→client), bits 0-5: TCP flags (FIN SYN RST PSH ACK URG)
 *   bytes 1-2  signed sequence offset from that side's running sequence number (big-endian)
 *   byte 3     payload length (0-255), then that many payload bytes (fewer at the end)
 *   byte 4     snaplen cut: captured payload = min(length, this)
 * Each input is a new connection (a new client port) one hour after the previous one, so the
 * previous input's flows have timed out: state never leaks from one input to the next.
 *
 * Environment: TRAWL_FUZZ_PLUGINS (default <dir of this binary>/../plugins), TRAWL_FUZZ_PORT
 * (server port, default 80).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trawl/trawl.h>
#include "../pktgen.h"
#include "fuzz_engine.h"

static struct trawl_engine *engine;
static uint64_t frame_no, input_no;
static uint16_t server_port = 80;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    struct trawl_engine_options o = { .size = sizeof o, .log = quiet_log, .log_level = TRAWL_LOG_ERROR };
    engine = trawl_engine_new(&o);
    if (!engine || trawl_engine_load_dir(engine, plugin_dir()) <= 0) abort();
    /* Small caps, so the fuzzer reaches the paths that give held bytes up. */
    trawl_engine_set_option(engine, "reasm.max_flow=4096");
    trawl_engine_set_option(engine, "reasm.max_pdu=8192");
    if (trawl_engine_start(engine) < 0) abort();
    trawl_engine_want_all(engine);
    trawl_engine_want_cols(engine);
    const char *p = getenv("TRAWL_FUZZ_PORT");
    if (p && *p) server_port = (uint16_t)atoi(p);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[2048];
    input_no++;
    struct pg_ep c = pg_v4(10, 0, 0, 1, (uint16_t)(1024 + input_no % 60000));
    struct pg_ep s = pg_v4(10, 0, 0, 2, server_port);
    uint32_t seq[2] = { 1000, 900000 };
    int64_t ts = 1700000000000000000LL + (int64_t)input_no * 3600000000000LL;
    size_t at = 0;
    while (at + 5 <= size) {
        uint8_t ctl = data[at];
        int dir = ctl >> 7;
        int16_t delta = (int16_t)(data[at + 1] << 8 | data[at + 2]);
        size_t len = data[at + 3], cut = data[at + 4];
        at += 5;
        if (len > size - at) len = size - at;
        uint32_t sq = seq[dir] + (uint32_t)(int32_t)delta;
        size_t n = pg_ipv4(buf, 6, dir ? &s : &c, dir ? &c : &s, sq, seq[!dir], ctl & 0x3f, 8192,
                           data + at, len);
        size_t caplen = n - len + (cut < len ? cut : len);
        struct trawl_frame f = { .number = ++frame_no, .ts_ns = ts, .caplen = (uint32_t)caplen,
                                 .len = (uint32_t)n, .linktype = 1, .ts_precision = 9 };
        trawl_engine_feed(engine, &f, buf);
        if (delta >= 0) seq[dir] = sq + (uint32_t)len + ((ctl & 0x03) ? 1 : 0);
        at += len;
        ts += 1000;
    }
    return 0;
}
