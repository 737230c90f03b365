/* fuzz_capture.c — libFuzzer target for libtrawl's capture-file readers (framework/input/:
 * classic pcap and pcapng), compiled into the target directly.
 *
 * Each input is read twice, through both ways a reader gets its bytes:
 *   1. cap_open_stream() on fmemopen() (the FILE* path: stdin, pipes);
 *   2. cap_open() on a memfd's /proc/self/fd path (the fd path: regular files, greedy reads).
 * For every packet it checks the reader's promises (capture.h): caplen within the reader's
 * absolute cap, every one of the caplen bytes readable (copied, so ASan sees an overrun),
 * a comment NUL-terminated at comment_len, record offsets strictly increasing and inside the
 * input, cap_next() answering only 1/0/-1 with a message on -1. Then it compares the two
 * runs: the same bytes must give the same packets and the same end, whichever path read them.
 */
#define CAP_INTERNAL
#include "capture.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct summary {
    uint64_t packets;
    uint64_t hash;     /* FNV-1a over every packet's metadata and bytes */
    int end;           /* 0 clean end, -1 damaged, 2 open failed */
};

static uint8_t scratch[CAP_ABS_MAX > (1u << 20) ? (1u << 20) : CAP_ABS_MAX];

static void mix(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) *h = (*h ^ b[i]) * 1099511628211ull;
}

#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_capture: " __VA_ARGS__); \
                                             fputc('\n', stderr); abort(); } } while (0)

static void read_all(struct cap_reader *r, size_t size, struct summary *s)
{
    struct cap_packet p;
    int rc;
    uint64_t last_off = 0;
    bool first = true;
    while ((rc = cap_next(r, &p)) == 1) {
        s->packets++;
        CHECK(p.caplen <= CAP_ABS_MAX, "packet %llu: caplen %u over the reader's cap",
              (unsigned long long)s->packets, p.caplen);
        CHECK(p.caplen == 0 || p.data, "packet %llu: caplen %u but no data",
              (unsigned long long)s->packets, p.caplen);
        CHECK(p.offset < size, "packet %llu: offset %llu outside the %zu-byte input",
              (unsigned long long)s->packets, (unsigned long long)p.offset, size);
        CHECK(first || p.offset > last_off, "packet %llu: offset %llu not after %llu",
              (unsigned long long)s->packets, (unsigned long long)p.offset, (unsigned long long)last_off);
        CHECK(p.offset + p.caplen <= size, "packet %llu: %u bytes at %llu run past the input",
              (unsigned long long)s->packets, p.caplen, (unsigned long long)p.offset);
        first = false;
        last_off = p.offset;
        /* Touch every captured byte (ASan checks the copy's source range). */
        for (uint32_t at = 0; at < p.caplen;) {
            uint32_t n = p.caplen - at < sizeof scratch ? p.caplen - at : (uint32_t)sizeof scratch;
            memcpy(scratch, p.data + at, n);
            mix(&s->hash, scratch, n);
            at += n;
        }
        if (p.comment) {
            CHECK(p.comment[p.comment_len] == 0, "packet %llu: comment not NUL-terminated at %u",
                  (unsigned long long)s->packets, p.comment_len);
            mix(&s->hash, p.comment, p.comment_len);
        }
        mix(&s->hash, &p.ts_ns, sizeof p.ts_ns);
        mix(&s->hash, &p.caplen, sizeof p.caplen);
        mix(&s->hash, &p.len, sizeof p.len);
        mix(&s->hash, &p.linktype, sizeof p.linktype);
        mix(&s->hash, &p.interface_id, sizeof p.interface_id);
        mix(&s->hash, &p.offset, sizeof p.offset);
        mix(&s->hash, &p.fcs_len, sizeof p.fcs_len);
        mix(&s->hash, &p.flags, sizeof p.flags);
    }
    CHECK(rc == 0 || rc == -1, "cap_next returned %d", rc);
    if (rc < 0) CHECK(cap_error(r) && *cap_error(r), "cap_next failed without a message");
    CHECK(cap_packets(r) == s->packets, "cap_packets says %llu, %llu were returned",
          (unsigned long long)cap_packets(r), (unsigned long long)s->packets);
    (void)cap_format(r);
    (void)cap_linktype(r);
    unsigned prec = cap_ts_precision(r);
    CHECK(prec == 6 || prec == 9, "precision %u", prec);
    (void)cap_snaplen(r);
    s->end = rc;
}

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, uint32_t len, uint64_t off)
{
    uint64_t *h = ctx;
    if (len) { memcpy(scratch, data, len < sizeof scratch ? len : sizeof scratch); mix(h, data, len); }
    mix(h, &type, sizeof type);
    (void)off;
}

static int memfd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    struct summary a = { 0, 1469598103934665603ull, 2 }, b = a;
    uint64_t sec_a = 0, sec_b = 0;

    /* 1. FILE* path. fmemopen refuses size 0: an empty input is an empty file, use /dev/null. */
    FILE *f = size ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
    if (!f) return 0;
    struct cap_reader *r = cap_open_stream(f, 1, "stream", err, sizeof err);
    if (r) {
        cap_on_secrets(r, on_secrets, &sec_a);
        read_all(r, size, &a);
        cap_close(r);
    } else {
        CHECK(*err, "cap_open_stream failed without a message");
    }

    /* 2. fd path, through a memfd reused across inputs. */
    if (memfd < 0) memfd = memfd_create("fuzz_capture", 0);
    if (memfd < 0) return 0;
    if (ftruncate(memfd, 0) < 0 || (size && pwrite(memfd, data, size, 0) != (ssize_t)size)) return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    r = cap_open(path, err, sizeof err);
    if (r) {
        cap_on_secrets(r, on_secrets, &sec_b);
        read_all(r, size, &b);
        cap_close(r);
    } else {
        CHECK(*err, "cap_open failed without a message");
    }

    CHECK(a.packets == b.packets && a.hash == b.hash && a.end == b.end && sec_a == sec_b,
          "stream and fd readers disagree: %llu packets (end %d) vs %llu packets (end %d)%s",
          (unsigned long long)a.packets, a.end, (unsigned long long)b.packets, b.end,
          a.packets == b.packets && a.end == b.end ? ", different packet contents" : "");
    return 0;
}
