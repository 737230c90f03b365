/* pktgen.h — build test frames (Ethernet + IPv4/IPv6 + TCP/UDP) byte by byte, for tests that
 * feed generated traffic (flows, reassembly, conn states). Checksums are computed, so the
 * frames are what a real stack would send. */
#ifndef TRAWL_TEST_PKTGEN_H
#define TRAWL_TEST_PKTGEN_H
#include <stdint.h>
#include <string.h>

enum { PG_FIN = 0x01, PG_SYN = 0x02, PG_RST = 0x04, PG_PSH = 0x08, PG_ACK = 0x10 };

struct pg_ep { uint8_t addr[16]; uint16_t port; };   /* IPv4: first 4 bytes */

static inline uint16_t pg_csum(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static inline void pg_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void pg_put32(uint8_t *p, uint32_t v) { pg_put16(p, (uint16_t)(v >> 16)); pg_put16(p + 2, (uint16_t)v); }

/* Ethernet + IPv4 + (TCP when proto 6, UDP when 17) with payload; returns the frame length. */
static inline size_t pg_ipv4(uint8_t *out, uint8_t proto, const struct pg_ep *src, const struct pg_ep *dst,
                             uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
                             const void *payload, size_t plen)
{
    static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1 };
    memcpy(out, macs, 12);
    pg_put16(out + 12, 0x0800);
    uint8_t *ip = out + 14;
    size_t l4 = proto == 6 ? 20 : 8;
    size_t tot = 20 + l4 + plen;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    pg_put16(ip + 2, (uint16_t)tot);
    pg_put16(ip + 4, (uint16_t)(seq ^ 0x1234));
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, src->addr, 4);
    memcpy(ip + 16, dst->addr, 4);
    pg_put16(ip + 10, pg_csum(ip, 20, 0));
    uint8_t *t = ip + 20;
    memset(t, 0, l4);
    pg_put16(t, src->port);
    pg_put16(t + 2, dst->port);
    if (proto == 6) {
        pg_put32(t + 4, seq);
        pg_put32(t + 8, ack);
        t[12] = 0x50;
        t[13] = flags;
        pg_put16(t + 14, win);
    } else {
        pg_put16(t + 4, (uint16_t)(8 + plen));
    }
    if (plen) memcpy(t + l4, payload, plen);
    /* Pseudo-header sum, then the segment. */
    uint32_t sum = 0;
    for (int i = 0; i < 8; i += 2) sum += (uint32_t)(ip[12 + i] << 8 | ip[13 + i]);
    sum += proto + (uint32_t)(l4 + plen);
    pg_put16(t + (proto == 6 ? 16 : 6), pg_csum(t, l4 + plen, sum));
    return 14 + tot;
}

static inline struct pg_ep pg_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    struct pg_ep e;
    memset(&e, 0, sizeof e);
    e.addr[0] = a; e.addr[1] = b; e.addr[2] = c; e.addr[3] = d;
    e.port = port;
    return e;
}

#endif
