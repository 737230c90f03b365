/* fuzz_wrap.h — lower layers for focused fuzzing: wrap fuzz bytes in a minimal, consistent
 * Ethernet / IPv4 / IPv6 / UDP / TCP stack so that each dissector sees its own header first.
 *
 * Shared by the libFuzzer targets (fuzz_dissect.c), the seed-corpus extractor (mkcorpus.c)
 * and the regression generator (gen-regressions.c). Header-only, libc only.
 *
 * Why wrapping and not "call the dissector directly": the SDK gives no way to dissect one
 * protocol from outside the engine (trawl_dissect_proto needs a packet being dissected), so a
 * focused target builds the smallest honest frame that reaches the protocol: every length and
 * the IPv4 header checksum are right, so only the fuzzed layer can be wrong.
 */
#ifndef TRAWL_FUZZ_WRAP_H
#define TRAWL_FUZZ_WRAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum wrap_kind {
    WRAP_LINK,    /* the bytes are the whole frame of link type `arg` */
    WRAP_ETHER,   /* Ethernet II header with ethertype `arg`, then the bytes */
    WRAP_IP4,     /* Ethernet + IPv4 (protocol `arg`), then the bytes */
    WRAP_IP6,     /* Ethernet + IPv6 (next header `arg`), then the bytes */
    WRAP_UDP,     /* Ethernet + IPv4 + UDP (destination port `arg`), then the bytes */
    WRAP_TCP,     /* Ethernet + IPv4 + TCP (destination port `arg`, PSH|ACK), then the bytes */
};

/* Link types the generic target picks from with its first byte: every one a plugin of this
 * tree decodes (or may: a missing plugin just means the engine's "unknown link type" path),
 * plus one nobody decodes (147, LINKTYPE_USER0) for that path. */
static const int wrap_linktypes[] = {
    1,    /* ETHERNET */
    0,    /* NULL (BSD loopback, host order) */
    108,  /* LOOP (OpenBSD loopback, network order) */
    101,  /* RAW */
    12,   /* RAW (historic DLT_RAW value) */
    14,   /* RAW (historic DLT_RAW value) */
    228,  /* IPV4 */
    229,  /* IPV6 */
    113,  /* LINUX_SLL */
    276,  /* LINUX_SLL2 */
    239,  /* NFLOG */
    9,    /* PPP */
    50,   /* PPP_HDLC */
    51,   /* PPP_ETHER (PPPoE) */
    147,  /* USER0: nobody decodes it */
};
#define WRAP_NLINKTYPES (sizeof wrap_linktypes / sizeof wrap_linktypes[0])

static inline int wrap_linktype_index(int lt)
{
    for (size_t i = 0; i < WRAP_NLINKTYPES; i++) if (wrap_linktypes[i] == lt) return (int)i;
    return -1;
}

/* Byte of the input that controls the snaplen cut: 0..0xbf → the frame is whole (caplen ==
 * len); 0xc0..0xff → the wire had (c & 0x3f) * 16 + 1 more bytes than were captured. Most
 * mutations keep frames whole; a quarter of the byte space exercises TRUNCATED paths. */
static inline uint32_t wrap_cut_extra(uint8_t c)
{
    return c < 0xc0 ? 0 : (uint32_t)(c & 0x3f) * 16 + 1;
}

static inline void wrap_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wrap_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* RFC 1071 checksum of n bytes. */
static inline uint16_t wrap_cksum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) s += (uint32_t)p[n - 1] << 8;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* Bytes of lower layers a kind puts before the payload. */
static inline size_t wrap_header_len(enum wrap_kind k)
{
    switch (k) {
    case WRAP_LINK: return 0;
    case WRAP_ETHER: return 14;
    case WRAP_IP4: return 14 + 20;
    case WRAP_IP6: return 14 + 40;
    case WRAP_UDP: return 14 + 20 + 8;
    case WRAP_TCP: return 14 + 20 + 20;
    }
    return 0;
}

/* Builds the frame into out (cap bytes): lower layers for a payload of n present bytes plus
 * `extra` bytes the wire had but the capture lost. Returns the captured length (0 when it does
 * not fit), sets *linktype and *wire_len. Lengths that would overflow their 16-bit fields are
 * written modulo 2^16, which is then the fuzzed layer's problem, as on a real wire. */
static inline size_t wrap_build(enum wrap_kind k, uint32_t arg, const uint8_t *p, size_t n,
                                uint32_t extra, uint8_t *out, size_t cap, int *linktype,
                                uint32_t *wire_len)
{
    size_t h = wrap_header_len(k);
    if (h + n > cap) return 0;
    uint32_t pay = (uint32_t)n + extra;            /* payload bytes on the wire */
    *linktype = k == WRAP_LINK ? (int)arg : 1;
    *wire_len = (uint32_t)h + pay;
    if (k != WRAP_LINK) {
        static const uint8_t macs[12] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                          0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
        memcpy(out, macs, 12);
        wrap_put16(out + 12, k == WRAP_ETHER ? (uint16_t)arg : k == WRAP_IP6 ? 0x86dd : 0x0800);
    }
    if (k == WRAP_IP4 || k == WRAP_UDP || k == WRAP_TCP) {
        uint8_t *ip = out + 14;
        uint32_t l4 = k == WRAP_UDP ? 8 : k == WRAP_TCP ? 20 : 0;
        uint8_t proto = k == WRAP_UDP ? 17 : k == WRAP_TCP ? 6 : (uint8_t)arg;
        ip[0] = 0x45; ip[1] = 0;
        wrap_put16(ip + 2, (uint16_t)(20 + l4 + pay));
        wrap_put16(ip + 4, 0x1234);
        wrap_put16(ip + 6, 0x4000);                 /* DF, offset 0 */
        ip[8] = 64; ip[9] = proto;
        wrap_put16(ip + 10, 0);
        wrap_put32(ip + 12, 0x0a000001);            /* 10.0.0.1 */
        wrap_put32(ip + 16, 0x0a000002);            /* 10.0.0.2 */
        wrap_put16(ip + 10, wrap_cksum(ip, 20));
        uint8_t *l = ip + 20;
        if (k == WRAP_UDP) {
            wrap_put16(l, 40000);
            wrap_put16(l + 2, (uint16_t)arg);
            wrap_put16(l + 4, (uint16_t)(8 + pay));
            wrap_put16(l + 6, 0);                   /* no checksum (allowed over IPv4) */
        } else if (k == WRAP_TCP) {
            wrap_put16(l, 40000);
            wrap_put16(l + 2, (uint16_t)arg);
            wrap_put32(l + 4, 1000);                /* seq */
            wrap_put32(l + 8, 2000);                /* ack */
            l[12] = 5 << 4;                         /* data offset: 20 bytes */
            l[13] = 0x18;                           /* PSH, ACK */
            wrap_put16(l + 14, 65535);
            wrap_put16(l + 16, 0);                  /* checksum not computed: like offload */
            wrap_put16(l + 18, 0);
        }
    } else if (k == WRAP_IP6) {
        uint8_t *ip = out + 14;
        static const uint8_t addrs[32] = {
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
        wrap_put32(ip, 0x60000000);
        wrap_put16(ip + 4, (uint16_t)pay);
        ip[6] = (uint8_t)arg;
        ip[7] = 64;
        memcpy(ip + 8, addrs, 32);
    }
    if (n) memcpy(out + h, p, n);
    return h + n;
}

#endif
