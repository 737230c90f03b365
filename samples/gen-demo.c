/* gen-demo.c — writes samples/demo.pcapng, trawl's demo capture: a small, realistic session
 * with deterministic bytes (no clock, no randomness), so the committed file can be remade and
 * compared byte for byte.
 *
 *   cc -O2 -o gen-demo samples/gen-demo.c && ./gen-demo samples/demo.pcapng
 *
 * Format: pcapng (draft-ietf-opsawg-pcapng), little-endian, one section, two interfaces:
 *   0 "eth0"  LINKTYPE_ETHERNET (1),   nanosecond timestamps, snaplen 262144
 *   1 "any"   LINKTYPE_LINUX_SLL (113), microsecond timestamps, snaplen 128
 * What happens on the wire (client 192.168.1.10, gateway and resolver 192.168.1.1, web server
 * 203.0.113.80 — RFC 5737 documentation addresses; IPv6 link-local; 2025-03-14 UTC):
 *   ARP who-has / reply for the gateway (RFC 826)
 *   DNS query and response, A www.example.com (RFC 1035), with a packet comment
 *   TCP handshake, HTTP GET and 200 response, FIN both ways (RFC 9293, RFC 9112)
 *   ICMP echo request and reply (RFC 792)
 *   an IPv6 neighbour solicitation with a source link-layer option (RFC 4861)
 *   one 802.1Q-tagged frame (VLAN 100): a DNS AAAA query
 *   on the Linux "any" interface: a DNS TXT query and its 500-byte response, cut to 128 bytes by
 *   the interface's snaplen (caplen < len), with a comment saying so
 * Every IPv4 header, UDP, TCP, ICMP and ICMPv6 checksum and every length is right (computed
 * over the whole packet, also for the one the snaplen cuts).
 * Only libc is needed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growing byte buffer ------------------------------------------------------------------- */

struct buf { uint8_t d[4096]; size_t n; };

static void b8(struct buf *b, uint8_t v) { b->d[b->n++] = v; }
static void b16(struct buf *b, uint16_t v) { b8(b, (uint8_t)(v >> 8)); b8(b, (uint8_t)v); }
static void b32(struct buf *b, uint32_t v) { b16(b, (uint16_t)(v >> 16)); b16(b, (uint16_t)v); }
static void bmem(struct buf *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }
static void set16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* RFC 1071 one's-complement sum, to be folded. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) s += (uint32_t)p[n - 1] << 8;
    return s;
}
static uint16_t fold(uint32_t s)
{
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* ---- addresses ------------------------------------------------------------------------------- */

static const uint8_t MAC_CLIENT[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x10 };
static const uint8_t MAC_GW[6]     = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t MAC_BCAST[6]  = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_NS_MC[6]  = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x01 };  /* ff02::1:ff00:1 */
static const uint8_t MAC_ZERO[6]   = { 0 };

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
static const uint32_t IP_CLIENT = IP(192, 168, 1, 10);
static const uint32_t IP_GW     = IP(192, 168, 1, 1);
static const uint32_t IP_WEB    = IP(203, 0, 113, 80);
static const uint32_t IP_V100   = IP(192, 168, 100, 10);   /* the client's address on VLAN 100 */
static const uint32_t IP_V100GW = IP(192, 168, 100, 1);

static const uint8_t IP6_CLIENT[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
static const uint8_t IP6_GW[16]     = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t IP6_SNM[16]    = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0x01 };

/* ---- layers ---------------------------------------------------------------------------------- */

static void eth(struct buf *b, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
    bmem(b, dst, 6);
    bmem(b, src, 6);
    b16(b, type);
}

/* Linux cooked header (LINKTYPE_LINUX_SLL): packet type, ARPHRD, address length, address. */
static void sll(struct buf *b, uint16_t pkttype, const uint8_t *mac, uint16_t proto)
{
    b16(b, pkttype);          /* 0: to us, 4: sent by us */
    b16(b, 1);                /* ARPHRD_ETHER */
    b16(b, 6);
    bmem(b, mac, 6);
    b16(b, 0);                /* address padded to 8 bytes */
    b16(b, proto);
}

static uint16_t ip_id = 0x3a10;

/* IPv4 header (20 bytes, DF) for `payload` bytes of protocol `proto`; returns its offset. */
static size_t ipv4(struct buf *b, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl, size_t payload)
{
    size_t at = b->n;
    b16(b, 0x4500);
    b16(b, (uint16_t)(20 + payload));
    b16(b, ip_id++);
    b16(b, 0x4000);
    b8(b, ttl);
    b8(b, proto);
    b16(b, 0);
    b32(b, src);
    b32(b, dst);
    set16(b->d + at + 10, fold(sum16(b->d + at, 20, 0)));
    return at;
}

static size_t ipv6(struct buf *b, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint8_t hlim, size_t payload)
{
    size_t at = b->n;
    b32(b, 0x60000000);
    b16(b, (uint16_t)payload);
    b8(b, nh);
    b8(b, hlim);
    bmem(b, src, 16);
    bmem(b, dst, 16);
    return at;
}

/* Transport checksum over the IPv4 pseudo-header and l4len bytes at l4. */
static uint16_t l4sum4(const struct buf *b, size_t ip, size_t l4, size_t l4len, uint8_t proto)
{
    uint32_t s = sum16(b->d + ip + 12, 8, 0);       /* source and destination */
    s += proto;
    s += (uint32_t)l4len;
    return fold(sum16(b->d + l4, l4len, s));
}

static uint16_t l4sum6(const struct buf *b, size_t ip, size_t l4, size_t l4len, uint8_t nh)
{
    uint32_t s = sum16(b->d + ip + 8, 32, 0);
    s += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
    s += nh;
    return fold(sum16(b->d + l4, l4len, s));
}

static void udp4(struct buf *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                 const uint8_t *pay, size_t n)
{
    size_t ip = ipv4(b, src, dst, 17, 64, 8 + n);
    size_t u = b->n;
    b16(b, sport);
    b16(b, dport);
    b16(b, (uint16_t)(8 + n));
    b16(b, 0);
    bmem(b, pay, n);
    uint16_t c = l4sum4(b, ip, u, 8 + n, 17);
    set16(b->d + u + 6, c ? c : 0xffff);
}

enum { FIN = 0x01, SYN = 0x02, PSH = 0x08, ACK = 0x10 };

static void tcp4(struct buf *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
                 const uint8_t *opts, size_t nopts, const char *pay)
{
    size_t n = pay ? strlen(pay) : 0;
    size_t hl = 20 + nopts;
    size_t ip = ipv4(b, src, dst, 6, src == IP_WEB ? 56 : 64, hl + n);
    size_t t = b->n;
    b16(b, sport);
    b16(b, dport);
    b32(b, seq);
    b32(b, ack);
    b8(b, (uint8_t)(hl / 4) << 4);
    b8(b, flags);
    b16(b, win);
    b16(b, 0);
    b16(b, 0);
    if (nopts) bmem(b, opts, nopts);
    if (n) bmem(b, pay, n);
    set16(b->d + t + 16, l4sum4(b, ip, t, hl + n, 6));
}

/* A DNS message (RFC 1035): one question, and an answer when rdata is given. */
static size_t dns(uint8_t *out, uint16_t id, bool response, const char *name, uint16_t qtype,
                  uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
    struct buf m = { .n = 0 };
    b16(&m, id);
    b16(&m, response ? 0x8180 : 0x0100);   /* standard query, RD (+ QR, RA) */
    b16(&m, 1);
    b16(&m, rdata ? 1 : 0);
    b16(&m, 0);
    b16(&m, 0);
    for (const char *s = name; *s;) {
        const char *dot = strchr(s, '.');
        size_t l = dot ? (size_t)(dot - s) : strlen(s);
        b8(&m, (uint8_t)l);
        bmem(&m, s, l);
        s += l + (dot ? 1 : 0);
    }
    b8(&m, 0);
    b16(&m, qtype);
    b16(&m, 1);                             /* IN */
    if (rdata) {
        b16(&m, 0xc00c);                    /* the name of the question */
        b16(&m, qtype);
        b16(&m, 1);
        b32(&m, ttl);
        b16(&m, rdlen);
        bmem(&m, rdata, rdlen);
    }
    memcpy(out, m.d, m.n);
    return m.n;
}

/* ---- pcapng ---------------------------------------------------------------------------------- */

static FILE *out;

static void le16(uint16_t v) { uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) }; fwrite(b, 1, 2, out); }
static void le32(uint32_t v) { le16((uint16_t)v); le16((uint16_t)(v >> 16)); }
static void pad4(size_t n) { static const uint8_t z[4]; fwrite(z, 1, (4 - n % 4) % 4, out); }
static size_t opt_size(size_t len) { return 4 + (len + 3) / 4 * 4; }
static void opt(uint16_t code, const void *v, size_t len)
{
    le16(code);
    le16((uint16_t)len);
    fwrite(v, 1, len, out);
    pad4(len);
}

static void shb(void)
{
    static const char hw[] = "x86_64", os[] = "Linux", app[] = "trawl samples/gen-demo.c";
    size_t opts = opt_size(strlen(hw)) + opt_size(strlen(os)) + opt_size(strlen(app)) + 4;
    uint32_t total = (uint32_t)(28 + opts);
    le32(0x0a0d0d0a); le32(total); le32(0x1a2b3c4d); le16(1); le16(0);
    le32(0xffffffff); le32(0xffffffff);                 /* section length: not given */
    opt(2, hw, strlen(hw)); opt(3, os, strlen(os)); opt(4, app, strlen(app));
    le32(0);                                            /* opt_endofopt */
    le32(total);
}

static void idb(uint16_t linktype, uint32_t snaplen, const char *name, const char *desc, uint8_t tsresol)
{
    size_t opts = opt_size(strlen(name)) + opt_size(strlen(desc)) + opt_size(1) + 4;
    uint32_t total = (uint32_t)(20 + opts);
    le32(1); le32(total); le16(linktype); le16(0); le32(snaplen);
    opt(2, name, strlen(name));                         /* if_name */
    opt(3, desc, strlen(desc));                         /* if_description */
    opt(9, &tsresol, 1);                                /* if_tsresol: 10^-tsresol s */
    le32(0);
    le32(total);
}

static const uint32_t snaplen_if[2] = { 262144, 128 };
static const uint64_t units_per_s[2] = { 1000000000ull, 1000000ull };

/* Epoch seconds of 2025-03-14T09:26:53Z; frame times are offsets from it in microseconds. */
#define T0 1741944413ull

static unsigned frames;

static void epb(unsigned ifid, uint64_t t_us, const struct buf *pkt, const char *comment, uint32_t direction)
{
    uint32_t len = (uint32_t)pkt->n;
    uint32_t caplen = len < snaplen_if[ifid] ? len : snaplen_if[ifid];
    uint64_t ts = T0 * units_per_s[ifid] + t_us * (units_per_s[ifid] / 1000000);
    size_t opts = (comment ? opt_size(strlen(comment)) : 0) + (direction ? opt_size(4) : 0);
    if (opts) opts += 4;
    uint32_t total = (uint32_t)(28 + (caplen + 3) / 4 * 4 + opts + 4);
    le32(6); le32(total); le32(ifid);
    le32((uint32_t)(ts >> 32)); le32((uint32_t)ts);
    le32(caplen); le32(len);
    fwrite(pkt->d, 1, caplen, out);
    pad4(caplen);
    if (comment) opt(1, comment, strlen(comment));      /* opt_comment */
    if (direction) {                                    /* epb_flags: bits 0-1 direction */
        uint8_t f[4] = { (uint8_t)direction, 0, 0, 0 };
        opt(2, f, 4);
    }
    if (opts) le32(0);
    le32(total);
    frames++;
}

enum { IN = 1, OUT = 2 };

/* ---- the session ----------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: gen-demo OUT.pcapng\n"); return 2; }
    out = fopen(argv[1], "wb");
    if (!out) { perror(argv[1]); return 1; }
    shb();
    idb(1, snaplen_if[0], "eth0", "demo LAN (Ethernet)", 9);
    idb(113, snaplen_if[1], "any", "Linux cooked capture, 128-byte snaplen", 6);

    struct buf p;
    uint8_t msg[1024];
    uint64_t t = 0;                                      /* microseconds since T0 */

    /* 1-2: ARP for the gateway. */
    p.n = 0;
    eth(&p, MAC_BCAST, MAC_CLIENT, 0x0806);
    b16(&p, 1); b16(&p, 0x0800); b8(&p, 6); b8(&p, 4); b16(&p, 1);
    bmem(&p, MAC_CLIENT, 6); b32(&p, IP_CLIENT); bmem(&p, MAC_ZERO, 6); b32(&p, IP_GW);
    while (p.n < 60) b8(&p, 0);                          /* Ethernet minimum frame */
    epb(0, t, &p, NULL, OUT);
    t += 412;
    p.n = 0;
    eth(&p, MAC_CLIENT, MAC_GW, 0x0806);
    b16(&p, 1); b16(&p, 0x0800); b8(&p, 6); b8(&p, 4); b16(&p, 2);
    bmem(&p, MAC_GW, 6); b32(&p, IP_GW); bmem(&p, MAC_CLIENT, 6); b32(&p, IP_CLIENT);
    while (p.n < 60) b8(&p, 0);
    epb(0, t, &p, NULL, IN);

    /* 3-4: DNS A www.example.com. */
    t += 1210;
    size_t m = dns(msg, 0x4d2e, false, "www.example.com", 1, 0, NULL, 0);
    p.n = 0;
    eth(&p, MAC_GW, MAC_CLIENT, 0x0800);
    udp4(&p, IP_CLIENT, IP_GW, 51234, 53, msg, m);
    epb(0, t, &p, "DNS lookup before the HTTP request", OUT);
    t += 18734;
    static const uint8_t a_web[4] = { 203, 0, 113, 80 };
    m = dns(msg, 0x4d2e, true, "www.example.com", 1, 300, a_web, 4);
    p.n = 0;
    eth(&p, MAC_CLIENT, MAC_GW, 0x0800);
    udp4(&p, IP_GW, IP_CLIENT, 53, 51234, msg, m);
    epb(0, t, &p, NULL, IN);

    /* 5-13: TCP handshake, HTTP GET, response, FIN both ways. */
    const uint16_t cport = 49152;
    uint32_t cseq = 0x1c8a73f0, sseq = 0x8e15a2c4;
    static const uint8_t syn_opts[20] = {
        0x02, 0x04, 0x05, 0xb4,                          /* MSS 1460 */
        0x04, 0x02,                                      /* SACK permitted */
        0x08, 0x0a, 0x00, 0x01, 0xe2, 0x40, 0x00, 0x00, 0x00, 0x00,   /* timestamps 123456, 0 */
        0x01,                                            /* NOP */
        0x03, 0x03, 0x07 };                              /* window scale 7 */
    static const uint8_t synack_opts[20] = {
        0x02, 0x04, 0x05, 0xb4, 0x04, 0x02,
        0x08, 0x0a, 0x6b, 0x9c, 0x10, 0x20, 0x00, 0x01, 0xe2, 0x40,
        0x01, 0x03, 0x03, 0x09 };
    t += 2043;
    p.n = 0;
    eth(&p, MAC_GW, MAC_CLIENT, 0x0800);
    tcp4(&p, IP_CLIENT, IP_WEB, cport, 80, cseq, 0, SYN, 64240, syn_opts, sizeof syn_opts, NULL);
    epb(0, t, &p, NULL, OUT);
    t += 24511;
    p.n = 0;
    eth(&p, MAC_CLIENT, MAC_GW, 0x0800);
    tcp4(&p, IP_WEB, IP_CLIENT, 80, cport, sseq, cseq + 1, SYN | ACK, 65160, synack_opts, sizeof synack_opts, NULL);
    epb(0, t, &p, NULL, IN);
    cseq++;
    sseq++;
    t += 97;
    p.n = 0;
    eth(&p, MAC_GW, MAC_CLIENT, 0x0800);
    tcp4(&p, IP_CLIENT, IP_WEB, cport, 80, cseq, sseq, ACK, 502, NULL, 0, NULL);
    epb(0, t, &p, NULL, OUT);

    static const char get[] =
        "GET / HTTP/1.1\r\n"
        "Host: www.example.com\r\n"
        "User-Agent: trawl-demo/1.0\r\n"
        "Accept: */*\r\n"
        "\r\n";
    t += 188;
    p.n = 0;
    eth(&p, MAC_GW, MAC_CLIENT, 0x0800);
    tcp4(&p, IP_CLIENT, IP_WEB, cport, 80, cseq, sseq, PSH | ACK, 502, NULL, 0, get);
    epb(0, t, &p, NULL, OUT);
    cseq += (uint32_t)strlen(get);

    static const char body[] =
        "<!doctype html>\n<html><head><title>Example Domain</title></head>\n"
        "<body><h1>Example Domain</h1><p>A page served for trawl's demo capture.</p></body></html>\n";
    char resp[512];
    snprintf(resp, sizeof resp,
             "HTTP/1.1 200 OK\r\n"
             "Date: Fri, 14 Mar 2025 09:26:53 GMT\r\n"
             "Server: demo\r\n"
             "Content-Type: text/html; charset=UTF-8\r\n"
             "Content-Length: %zu\r\n"
             "\r\n%s", strlen(body), body);
    t += 25876;
    p.n = 0;
    eth(&p, MAC_CLIENT, MAC_GW, 0x0800);
    tcp4(&p, IP_WEB, IP_CLIENT, 80, cport, sseq, cseq, PSH | ACK, 127, NULL, 0, resp);
    epb(0, t, &p, NULL, IN);
    sseq += (uint32_t)strlen(resp);
    t += 61;
    p.n = 0;
    eth(&p, MAC_GW, MAC_CLIENT, 0x0800);
    tcp4(&p, IP_CLIENT, IP_WEB, cport, 80, cseq, sseq, ACK, 501, NULL, 0, NULL);
    epb(0, t, &p, NULL, OUT);
    t += 1502;
    p.n = 0;
    eth(&p, MAC_GW, MAC_CLIENT, 0x0800);
    tcp4(&p, IP_CLIENT, IP_WEB, cport, 80, cseq, sseq, FIN | ACK, 501, NULL, 0, NULL);
    epb(0, t, &p, NULL, OUT);
    cseq++;
    t += 24390;
    p.n = 0;
    eth(&p, MAC_CLIENT, MAC_GW, 0x0800);
    tcp4(&p, IP_WEB, IP_CLIENT, 80, cport, sseq, cseq, FIN | ACK, 127, NULL, 0, NULL);
    epb(0, t, &p, NULL, IN);
    sseq++;
    t += 74;
    p.n = 0;
    eth(&p, MAC_GW, MAC_CLIENT, 0x0800);
    tcp4(&p, IP_CLIENT, IP_WEB, cport, 80, cseq, sseq, ACK, 501, NULL, 0, NULL);
    epb(0, t, &p, NULL, OUT);

    /* 14-15: ping the server once. */
    for (int reply = 0; reply < 2; reply++) {
        t += reply ? 23985 : 1000000;
        p.n = 0;
        eth(&p, reply ? MAC_CLIENT : MAC_GW, reply ? MAC_GW : MAC_CLIENT, 0x0800);
        size_t ip = ipv4(&p, reply ? IP_WEB : IP_CLIENT, reply ? IP_CLIENT : IP_WEB, 1, reply ? 56 : 64, 8 + 32);
        (void)ip;
        size_t ic = p.n;
        b8(&p, reply ? 0 : 8);
        b8(&p, 0);
        b16(&p, 0);
        b16(&p, 0x1234);                                 /* identifier */
        b16(&p, 1);                                      /* sequence */
        for (int i = 0; i < 32; i++) b8(&p, (uint8_t)(0x61 + i % 23));   /* "abcdefghijklmnopqrstuvw..." */
        set16(p.d + ic + 2, fold(sum16(p.d + ic, 40, 0)));
        epb(0, t, &p, NULL, reply ? IN : OUT);
    }

    /* 16: IPv6 neighbour solicitation for fe80::1, with our link-layer address. */
    t += 503117;
    p.n = 0;
    eth(&p, MAC_NS_MC, MAC_CLIENT, 0x86dd);
    size_t ip6 = ipv6(&p, IP6_CLIENT, IP6_SNM, 58, 255, 32);
    size_t ic6 = p.n;
    b8(&p, 135); b8(&p, 0); b16(&p, 0); b32(&p, 0);
    bmem(&p, IP6_GW, 16);
    b8(&p, 1); b8(&p, 1); bmem(&p, MAC_CLIENT, 6);      /* source link-layer address option */
    set16(p.d + ic6 + 2, l4sum6(&p, ip6, ic6, 32, 58));
    epb(0, t, &p, NULL, OUT);

    /* 17: an 802.1Q-tagged frame (VLAN 100, priority 0): DNS AAAA query. */
    t += 2210;
    m = dns(msg, 0x77c1, false, "www.example.com", 28, 0, NULL, 0);
    p.n = 0;
    eth(&p, MAC_GW, MAC_CLIENT, 0x8100);
    b16(&p, 100);                                        /* PCP 0, DEI 0, VID 100 */
    b16(&p, 0x0800);
    udp4(&p, IP_V100, IP_V100GW, 40312, 53, msg, m);
    epb(0, t, &p, NULL, OUT);

    /* 18-19: on the Linux "any" interface: DNS TXT query, and a 500-byte response that the
     * 128-byte snaplen cuts. */
    t += 150022;
    m = dns(msg, 0x1f3b, false, "example.com", 16, 0, NULL, 0);
    p.n = 0;
    sll(&p, 4, MAC_CLIENT, 0x0800);
    udp4(&p, IP_CLIENT, IP_GW, 44120, 53, msg, m);
    epb(1, t, &p, NULL, 0);
    t += 21877;
    uint8_t txt[420];
    size_t nt = 0;
    static const char *const strs[] = {
        "v=spf1 -all",
        "trawl demo: this TXT answer is long enough that a 128-byte snaplen cuts the frame",
        "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt",
        "ut labore et dolore magna aliqua. ut enim ad minim veniam, quis nostrud exercitation",
        "ullamco laboris nisi ut aliquip ex ea commodo consequat. duis aute irure dolor in rep",
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        size_t l = strlen(strs[i]);
        txt[nt++] = (uint8_t)l;
        memcpy(txt + nt, strs[i], l);
        nt += l;
    }
    m = dns(msg, 0x1f3b, true, "example.com", 16, 86400, txt, (uint16_t)nt);
    p.n = 0;
    sll(&p, 0, MAC_GW, 0x0800);
    udp4(&p, IP_GW, IP_CLIENT, 53, 44120, msg, m);
    epb(1, t, &p, "cut to 128 bytes by the interface's snaplen", 0);

    if (fclose(out) != 0) { perror(argv[1]); return 1; }
    fprintf(stderr, "gen-demo: wrote %s (%u frames)\n", argv[1], frames);
    return 0;
}
