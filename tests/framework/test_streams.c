/* test_streams.c — the stream API end to end: generated TCP segments through the real tcp
 * plugin and the flow table to a test stream dissector (tests/fixtures/fx_stream.c): PDUs split
 * and joined across segments, reported on the frame that completed them; out of order,
 * retransmitted, gaps (acknowledged but never captured), heuristics that need more bytes,
 * per-flow state, flow-end records, caps, sequence wrap-around, data on a SYN. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pktgen.h"

struct conv {
    struct th *t;
    struct pg_ep c, s;          /* client, server */
    uint32_t cseq, sseq;        /* next sequence numbers */
    uint8_t buf[2048];
};

/* The built plugins and the fixture stream dissector, options set before start. */
static struct th *start(const char *const *opts)
{
    static char fx[1024];
    const char *b = getenv("TRAWL_BUILD");
    snprintf(fx, sizeof fx, "%s/tests/fixtures/fx_stream.so", b && *b ? b : "build");
    const char *dirs[] = { th_plugin_dir(), fx, NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, opts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

static void conv_init(struct conv *v, const char *const *opts, uint16_t sport)
{
    memset(v, 0, sizeof *v);
    v->t = start(opts);
    v->c = pg_v4(10, 0, 0, 1, 40000);
    v->s = pg_v4(10, 0, 0, 2, sport);
    v->cseq = 1000;
    v->sseq = 5000;
}

/* A client (dir 0) or server (dir 1) segment at an explicit sequence number. */
static void seg_at(struct conv *v, int dir, uint32_t seq, uint8_t flags, const char *data, size_t n)
{
    const struct pg_ep *src = dir ? &v->s : &v->c, *dst = dir ? &v->c : &v->s;
    uint32_t ack = dir ? v->cseq : v->sseq;
    size_t len = pg_ipv4(v->buf, 6, src, dst, seq, ack, flags, 65535, data, n);
    CU_ASSERT_EQUAL(th_bytes(v->t, 1, v->buf, (uint32_t)len, (uint32_t)len), 0);
}

/* The next segment in order from dir, advancing its sequence. */
static void seg(struct conv *v, int dir, uint8_t flags, const char *data, size_t n)
{
    uint32_t *seq = dir ? &v->sseq : &v->cseq;
    seg_at(v, dir, *seq, flags, data, n);
    *seq += (uint32_t)n + ((flags & (PG_SYN | PG_FIN)) ? 1 : 0);
}

static void handshake(struct conv *v)
{
    seg(v, 0, PG_SYN, NULL, 0);
    seg(v, 1, PG_SYN | PG_ACK, NULL, 0);
    seg(v, 0, PG_ACK, NULL, 0);
}

#define MSG(s) "\x00" s        /* only for lengths < 256: "\x00\x05hello" */

/* STARTTLS's shape: a line protocol hands the rest of the stream to another mid-segment; the
 * other direction's half line, held for the line protocol, is dropped, not glued to the new
 * protocol's first message. */
static void test_switch(void)
{
    struct conv v;
    conv_init(&v, NULL, 7778);
    handshake(&v);
    seg(&v, 0, PG_ACK | PG_PSH, "HELLO\n", 6);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxline.line"), "HELLO");
    seg(&v, 1, PG_ACK | PG_PSH, "PART", 4);                  /* a line never finished */
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxline.line"), "");
    seg(&v, 0, PG_ACK | PG_PSH, "STARTFXS\n" MSG("\x03") "abc", 14);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxline.line"), "STARTFXS");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "abc");
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp:fxline:fxs");
    seg(&v, 1, PG_ACK | PG_PSH, MSG("\x02") "hi", 4);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "hi");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.dir"), "1");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxline.line"), "");
    seg(&v, 0, PG_ACK | PG_PSH, MSG("\x01") "z", 3);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "z");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.index"), "2");
    th_free(v.t);
    /* A hand-over before any byte of the segment: the new protocol reads them all. */
    conv_init(&v, NULL, 7778);
    handshake(&v);
    seg(&v, 0, PG_ACK | PG_PSH, "HI\n", 3);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxline.line"), "HI");
    seg(&v, 0, PG_ACK | PG_PSH, MSG("\x03") "abc", 5);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxline.line"), "");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "abc");
    seg(&v, 1, PG_ACK | PG_PSH, MSG("\x02") "ok", 4);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "ok");
    th_free(v.t);
}

static void test_split_and_joined(void)
{
    struct conv v;
    conv_init(&v, NULL, 7777);
    handshake(&v);
    /* "hello" split over two segments, then "abc" and "xy" in one. */
    seg(&v, 0, PG_ACK | PG_PSH, "\x00\x05hel", 5);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "tcp.stream"), "0");
    seg(&v, 0, PG_ACK | PG_PSH, "lo\x00\x03" "abc\x00\x02xy", 11);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "hello,abc,xy");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.index"), "1,2,3");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.dir"), "0,0,0");
    /* The server answers; its messages are counted on their own side. */
    seg(&v, 1, PG_ACK | PG_PSH, "\x00\x02ok", 4);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "ok");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.dir"), "1");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.index"), "1");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "tcp.seq"), "1");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "tcp.ack"), "17");
    seg(&v, 0, PG_ACK | PG_FIN, NULL, 0);
    seg(&v, 1, PG_ACK | PG_FIN, NULL, 0);
    seg(&v, 0, PG_ACK, NULL, 0);
    CU_ASSERT_EQUAL(th_finish(v.t), 0);
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "fxs_end"), 1);
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(v.t, "fxs_end", 0, "orig_msgs"), "3");
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(v.t, "fxs_end", 0, "resp_msgs"), "1");
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(v.t, "fxs_end", 0, "gaps"), "0");
    th_free(v.t);
}

static void test_out_of_order_and_retransmission(void)
{
    struct conv v;
    conv_init(&v, NULL, 7777);
    handshake(&v);
    uint32_t s0 = v.cseq;
    /* Second segment first: held, nothing shown; then the first completes both messages. */
    seg_at(&v, 0, s0 + 7, PG_ACK, "\x00\x03xyz", 5);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "");
    CU_ASSERT_EQUAL(th_count(v.t, "tcp.analysis.out_of_order"), 1);
    seg_at(&v, 0, s0, PG_ACK, "\x00\x05hello", 7);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "hello,xyz");
    /* The first again: a retransmission, nothing delivered twice. */
    seg_at(&v, 0, s0, PG_ACK, "\x00\x05hello", 7);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "");
    CU_ASSERT_EQUAL(th_count(v.t, "tcp.analysis.retransmission"), 1);
    v.cseq = s0 + 12;
    seg(&v, 0, PG_ACK, "\x00\x01!", 3);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "!");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.index"), "3");
    th_free(v.t);
}

static void test_gap_acknowledged(void)
{
    struct conv v;
    conv_init(&v, NULL, 7777);
    handshake(&v);
    uint32_t s0 = v.cseq;
    seg(&v, 0, PG_ACK, "\x00\x02" "ab", 4);                   /* delivered */
    /* 10 bytes the capture missed, then a message after them: held ... */
    seg_at(&v, 0, s0 + 14, PG_ACK, "\x00\x02" "cd", 4);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "");
    /* ... until the server acknowledges past the hole: a gap, then the message. */
    v.cseq = s0 + 18;
    seg(&v, 1, PG_ACK, NULL, 0);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "cd");
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.gaps"), "1");
    CU_ASSERT_EQUAL(th_count(v.t, "tcp.analysis.lost_segment"), 1);
    CU_ASSERT_EQUAL(trawl_engine_stats(th_engine(v.t))->tcp_gap_bytes, 10);
    CU_ASSERT_EQUAL(th_finish(v.t), 0);
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(v.t, "fxs_end", 0, "gap_bytes"), "10");
    th_free(v.t);
}

/* A hole never acknowledged: at the end of input the held bytes are delivered after a gap
 * (their fields belong to no packet; the flow's state and records see them). */
static void test_flush_at_end(void)
{
    struct conv v;
    conv_init(&v, NULL, 7777);
    handshake(&v);
    uint32_t s0 = v.cseq;
    seg_at(&v, 0, s0 + 5, PG_ACK, "\x00\x02" "zz", 4);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "");
    CU_ASSERT_EQUAL(th_finish(v.t), 0);
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(v.t, "fxs_end", 0, "orig_msgs"), "1");
    /* The gap came before the stream's protocol was known: it is counted for the flow
     * (missed bytes), the protocol only sees the bytes after it. */
    CU_ASSERT_STRING_EQUAL(trawl_test_record_value(v.t, "fxs_end", 0, "gaps"), "0");
    CU_ASSERT_EQUAL(trawl_engine_stats(th_engine(v.t))->tcp_gap_bytes, 5);
    th_free(v.t);
}

static void test_heuristic_needs_more(void)
{
    struct conv v;
    conv_init(&v, NULL, 40001);                                /* no port registered */
    handshake(&v);
    seg(&v, 0, PG_ACK, "FX", 2);                               /* the probe wants more */
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "");
    seg(&v, 0, PG_ACK, "S1\x00\x03" "abc", 7);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "abc");
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp:fxs");
    /* Not the magic: the heuristic says no, the stream stays undissected. */
    struct conv w;
    conv_init(&w, NULL, 40002);
    handshake(&w);
    seg(&w, 0, PG_ACK, "\x00\x03" "abc", 5);
    CU_ASSERT_STRING_EQUAL(th_field(w.t, "fxs.msg"), "");
    CU_ASSERT_STRING_EQUAL(th_layers(w.t), "eth:ip:tcp");
    th_free(v.t);
    th_free(w.t);
}

static void test_wraparound_and_syn_data(void)
{
    struct conv v;
    conv_init(&v, NULL, 7777);
    v.cseq = 0xfffffff0u;
    /* Data on the SYN (TCP Fast Open), then messages crossing sequence 2^32. */
    seg(&v, 0, PG_SYN, "\x00\x03" "tfo", 5);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "tfo");
    seg(&v, 1, PG_SYN | PG_ACK, NULL, 0);
    seg(&v, 0, PG_ACK, "\x00\x0a" "0123456789\x00\x04" "wr", 16);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "0123456789");
    seg(&v, 0, PG_ACK, "ap", 2);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "fxs.msg"), "wrap");
    CU_ASSERT(v.cseq < 0x100);                                 /* it did wrap */
    th_free(v.t);
}

static void test_port_reuse_new_stream(void)
{
    struct conv v;
    conv_init(&v, NULL, 7777);
    handshake(&v);
    seg(&v, 0, PG_ACK | PG_FIN, NULL, 0);
    seg(&v, 1, PG_ACK | PG_FIN, NULL, 0);
    seg(&v, 0, PG_ACK, NULL, 0);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "tcp.stream"), "0");
    v.cseq = 90000;                                            /* a new connection, same ports */
    seg(&v, 0, PG_SYN, NULL, 0);
    CU_ASSERT_STRING_EQUAL(th_field(v.t, "tcp.stream"), "1");
    CU_ASSERT_EQUAL(th_count(v.t, "tcp.analysis.reused_ports"), 1);
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "fxs_end"), 0);   /* nothing was fxs in it */
    th_free(v.t);
}

static void test_caps(void)
{
    /* 1 KiB held per direction at most: out-of-order bytes beyond it become gaps. */
    static const char *const opts[] = { "reasm.max_flow=1024", NULL };
    struct conv v;
    conv_init(&v, opts, 7777);
    handshake(&v);
    uint32_t s0 = v.cseq;
    char big[600];
    memset(big, 'x', sizeof big);
    big[0] = 2; big[1] = 0x56;                                 /* a 598-byte message */
    for (int i = 1; i <= 3; i++) seg_at(&v, 0, s0 + 100 + (uint32_t)i * 600, PG_ACK, big, sizeof big);
    const struct trawl_stats *st = trawl_engine_stats(th_engine(v.t));
    CU_ASSERT(st->tcp_capped_bytes > 0);
    CU_ASSERT_EQUAL(th_finish(v.t), 0);
    CU_ASSERT(st->flow_mem_peak < 64 * 1024);
    th_free(v.t);
}

void test_streams_register(void);
void test_streams_register(void)
{
    CU_pSuite s = CU_add_suite("streams", NULL, NULL);
    CU_add_test(s, "PDUs split and joined across segments, both directions", test_split_and_joined);
    CU_add_test(s, "out of order and retransmitted segments", test_out_of_order_and_retransmission);
    CU_add_test(s, "a gap acknowledged by the peer", test_gap_acknowledged);
    CU_add_test(s, "held bytes flushed with a gap at the end of input", test_flush_at_end);
    CU_add_test(s, "a heuristic that needs more bytes", test_heuristic_needs_more);
    CU_add_test(s, "sequence wrap-around and data on a SYN", test_wraparound_and_syn_data);
    CU_add_test(s, "a SYN on closed ports starts a new tcp.stream", test_port_reuse_new_stream);
    CU_add_test(s, "reassembly caps", test_caps);
    CU_add_test(s, "a stream handed to another protocol (STARTTLS)", test_switch);
}
