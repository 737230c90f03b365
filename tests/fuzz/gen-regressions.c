/* gen-regressions.c — writes the hand-made hostile inputs of tests/fuzz/regressions/.
 *
 *   cc -Itests/fuzz -o /tmp/gen-regressions tests/fuzz/gen-regressions.c
 *   /tmp/gen-regressions tests/fuzz/regressions
 *
 * The files are committed; this program says how each was made (and remakes them). Frames are
 * "<linktype>-<name>.bin" (the raw frame; "@<wire len>" before ".bin" when the capture was
 * cut), capture files "*.pcap" / "*.pcapng". tests/framework/test_fuzz_regressions.c replays
 * them all (frames whole and cut in half) and asserts only that the engine returns: each one
 * aims at a loop bound, a length that lies, or a nesting limit. Inputs found by `make fuzz`
 * are added beside them under the fuzz target's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_wrap.h"

static const char *outdir;
static uint8_t f[1 << 20];
static size_t n;

static void put8(uint8_t v) { f[n++] = v; }
static void put16(uint16_t v) { wrap_put16(f + n, v); n += 2; }
static void put32(uint32_t v) { wrap_put32(f + n, v); n += 4; }
static void le16(uint16_t v) { f[n++] = (uint8_t)v; f[n++] = (uint8_t)(v >> 8); }
static void le32(uint32_t v) { le16((uint16_t)v); le16((uint16_t)(v >> 16)); }
static void fill(uint8_t v, size_t k) { memset(f + n, v, k); n += k; }
static void bytes(const char *hex)
{
    for (const char *s = hex; s[0] && s[1];) {
        if (*s == ' ') { s++; continue; }
        unsigned v;
        sscanf(s, "%2x", &v);
        put8((uint8_t)v);
        s += 2;
    }
}

static void save(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp) { perror(path); exit(1); }
    if (n) fwrite(f, 1, n, fp);
    fclose(fp);
    n = 0;
}

static void eth(uint16_t type)
{
    bytes("001122334455 66778899aabb");
    put16(type);
}

/* IPv4 header of 20 bytes (at f+n) carrying `payload` bytes; checksum filled. */
static void ip4(uint8_t proto, uint16_t payload)
{
    uint8_t *h = f + n;
    bytes("4500");
    put16((uint16_t)(20 + payload));
    bytes("1234 4000 40");
    put8(proto);
    bytes("0000 0a000001 0a000002");
    wrap_put16(h + 10, wrap_cksum(h, 20));
}

static void ip6(uint8_t nh, uint16_t payload)
{
    put32(0x60000000);
    put16(payload);
    put8(nh);
    put8(64);
    bytes("20010db8000000000000000000000001 20010db8000000000000000000000002");
}

static void udp(uint16_t dport, uint16_t len) { put16(40000); put16(dport); put16(len); put16(0); }

static void frames_per_linktype(void)
{
    char name[64];
    for (size_t i = 0; i < WRAP_NLINKTYPES; i++) {
        int lt = wrap_linktypes[i];
        snprintf(name, sizeof name, "%d-empty.bin", lt);
        save(name);
        fill(0xff, 1514);
        snprintf(name, sizeof name, "%d-all-ff.bin", lt);
        save(name);
        fill(0x00, 1514);
        snprintf(name, sizeof name, "%d-all-00.bin", lt);
        save(name);
    }
}

static void ipv4_frames(void)
{
    /* IHL 15 (60-byte header), total length 0xffff, options that lie about their lengths. */
    for (int raw = 0; raw < 2; raw++) {
        if (!raw) eth(0x0800);
        uint8_t *h = f + n;
        bytes("4f00 ffff 1234 0000 40 06 0000 0a000001 0a000002");
        bytes("07 27 04");            /* record route, 39 bytes */
        fill(0, 33);
        bytes("44 ff 05 00");         /* timestamp claiming 255 bytes */
        wrap_put16(h + 10, wrap_cksum(h, 60));
        bytes("9c40 0050 00000001");  /* 8 bytes of TCP */
        save(raw ? "228-ipv4-ihl15-totlen-ffff.bin" : "1-ipv4-ihl15-totlen-ffff.bin");
    }
    eth(0x0800);
    bytes("4f00 0018 1234 0000 40 11 0000 0a000001 0a000002 01010101");
    save("1-ipv4-ihl15-short.bin");
    for (int ihl = 0; ihl < 5; ihl++) {
        eth(0x0800);
        put8((uint8_t)(0x40 | ihl));
        bytes("00 0028 1234 0000 40 06 0000 0a000001 0a000002");
        fill(0, 20);
        char name[64];
        snprintf(name, sizeof name, "1-ipv4-ihl%d.bin", ihl);
        save(name);
    }
    /* Options whose length byte is 0 or 1: a loop that advances by it never ends. */
    for (int l = 0; l < 2; l++) {
        eth(0x0800);
        uint8_t *h = f + n;
        bytes("4700 0020 1234 0000 40 11 0000 0a000001 0a000002");
        put8(0x83); put8((uint8_t)l); fill(0x01, 6);
        wrap_put16(h + 10, wrap_cksum(h, 28));
        udp(53, 8);
        save(l ? "1-ipv4-opt-len1.bin" : "1-ipv4-opt-len0.bin");
    }
    /* Total length smaller than the header, and a fragment with offset at the maximum. */
    eth(0x0800);
    bytes("4500 0004 1234 0000 40 11 0000 0a000001 0a000002");
    udp(53, 8);
    save("1-ipv4-totlen4.bin");
    eth(0x0800);
    bytes("4500 001c 1234 3fff 40 11 0000 0a000001 0a000002");
    udp(53, 8);
    save("1-ipv4-frag-offset-max.bin");
    /* Version 4 nibble on an IPv6-sized frame through raw IP: version dispatch. */
    bytes("65 00 0000");
    fill(0xff, 60);
    save("101-ip-version6-garbage.bin");
}

static void tcp_frames(void)
{
    /* Data offset 15 (60 bytes) in a 24-byte segment. */
    eth(0x0800);
    ip4(6, 24);
    bytes("9c40 0050 00000001 00000002 f0 18 ffff 0000 0000 01010101");
    save("1-tcp-doff15-short.bin");
    /* Data offsets 0..4: header shorter than its fixed part. */
    for (int d = 0; d < 5; d++) {
        eth(0x0800);
        ip4(6, 20);
        bytes("9c40 0050 00000001 00000002");
        put8((uint8_t)(d << 4));
        bytes("02 ffff 0000 0000");
        char name[64];
        snprintf(name, sizeof name, "1-tcp-doff%d.bin", d);
        save(name);
    }
    /* Options of length 0 and 1 (loop hazards), SACK with odd and huge lengths, a
     * timestamp cut at the header's end, and every flag bit set. */
    static const char *const opts[][2] = {
        { "02000000 00000000 00000000", "1-tcp-opt-len0.bin" },
        { "02010000 00000000 00000000", "1-tcp-opt-len1.bin" },
        { "050b0000 00010000 00020000", "1-tcp-opt-sack-len11.bin" },
        { "05ff0000 00010000 00020000", "1-tcp-opt-sack-len255.bin" },
        { "01010101 01010101 01010a0a", "1-tcp-opt-ts-cut.bin" },
        { "1e0c0000 00000000 00000000", "1-tcp-opt-mptcp-short.bin" },
        { "22ff0000 00000000 00000000", "1-tcp-opt-tfo-len255.bin" },
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        eth(0x0800);
        ip4(6, 32);
        bytes("9c40 0050 00000001 00000002 80 12 ffff 0000 0000");
        bytes(opts[i][0]);
        save(opts[i][1]);
    }
    eth(0x0800);
    ip4(6, 24);
    bytes("9c40 0050 ffffffff ffffffff 5f ff ffff ffff ffff 47455420");
    save("1-tcp-all-flags.bin");
    /* Port 0 both ways, and a segment whose IP length claims 64 KiB more than exists. */
    eth(0x0800);
    ip4(6, 20);
    bytes("0000 0000 00000000 00000000 50 02 0000 0000 0000");
    save("1-tcp-ports-0.bin");
    eth(0x0800);
    {
        uint8_t *h = f + n;
        ip4(6, 20);
        wrap_put16(h + 2, 0xffff);
        wrap_put16(h + 10, 0);
        wrap_put16(h + 10, wrap_cksum(h, 20));
    }
    bytes("9c40 0050 00000001 00000002 50 18 ffff 0000 0000");
    save("1-tcp-iplen-ffff.bin");
}

static void udp_frames(void)
{
    static const uint16_t lens[] = { 0, 7, 8, 0xffff };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        eth(0x0800);
        ip4(17, 12);
        udp(53, lens[i]);
        bytes("12340100");
        char name[64];
        snprintf(name, sizeof name, "1-udp-len%u.bin", lens[i]);
        save(name);
    }
    /* UDP cut in the middle of its header. */
    eth(0x0800);
    ip4(17, 3);
    bytes("9c4000");
    save("1-udp-header-3-bytes.bin");
}

static void ipv6_frames(void)
{
    /* 30 chained extension headers: hop-by-hop, then 29 destination options, then UDP. */
    eth(0x86dd);
    ip6(0, 30 * 8 + 8);
    for (int i = 0; i < 30; i++) {
        put8(i == 29 ? 17 : 60);
        put8(0);
        bytes("01 04 00000000");      /* PadN of 4 */
    }
    udp(53, 8);
    save("1-ipv6-ext-chain-30.bin");
    /* 30 fragment headers (each one "atomic": offset 0, M=0). */
    eth(0x86dd);
    ip6(44, 30 * 8 + 8);
    for (int i = 0; i < 30; i++) {
        put8(i == 29 ? 17 : 44);
        put8(0);
        put16(0);
        put32((uint32_t)i);
    }
    udp(53, 8);
    save("1-ipv6-frag-chain-30.bin");
    /* 200 hop-by-hop headers: longer than any sane limit, still inside one frame. */
    eth(0x86dd);
    ip6(0, 200 * 8);
    for (int i = 0; i < 200; i++) { put8(i == 199 ? 59 : 0); put8(0); bytes("01 04 00000000"); }
    save("1-ipv6-hbh-chain-200.bin");
    /* Extension header length past the end. */
    eth(0x86dd);
    ip6(0, 16);
    bytes("11ff 0104 00000000 9c40 0035 0008 0000");
    save("1-ipv6-ext-len-past-end.bin");
    /* Option TLVs whose length runs past their header; Pad1 runs. */
    eth(0x86dd);
    ip6(60, 16);
    bytes("3b01 00 00 05ff 0000 00000000 00000000");
    save("1-ipv6-opt-len-past-header.bin");
    /* Routing header type 0 with segments left 255 and a length that holds none. */
    eth(0x86dd);
    ip6(43, 8);
    bytes("3b00 00ff 00000000");
    save("1-ipv6-routing-segleft-255.bin");
    /* Payload length 0 with a jumbo option claiming 4 GiB. */
    eth(0x86dd);
    ip6(0, 0);
    bytes("3b00 c204 ffffffff");
    save("1-ipv6-jumbo-4g.bin");
    /* Payload length 0xffff in a short frame. */
    eth(0x86dd);
    ip6(17, 0xffff);
    udp(53, 0xffff);
    save("1-ipv6-paylen-ffff.bin");
}

/* Tunnels nested 40 deep: past TRAWL_MAX_DEPTH (32), which must stop them. */
static void nesting_frames(void)
{
    const int depth = 40;
    /* GRE in IPv4, 40 times, then UDP. */
    eth(0x0800);
    for (int i = 0; i < depth; i++) {
        ip4(47, (uint16_t)((depth - i) * 24 + 8));
        bytes("0000 0800");
    }
    ip4(17, 8);
    udp(53, 8);
    save("1-gre-nest-40.bin");
    /* IP in IP. */
    eth(0x0800);
    for (int i = 0; i < depth; i++) ip4(4, (uint16_t)((depth - i) * 20 + 8));
    ip4(17, 8);
    udp(53, 8);
    save("1-ipip-nest-40.bin");
    /* 6in4 and 4in6 alternating. */
    eth(0x0800);
    {
        uint16_t rest = (uint16_t)(depth / 2 * 60 + 28);
        for (int i = 0; i < depth / 2; i++) {
            ip4(41, (uint16_t)(rest - 20));
            ip6(4, (uint16_t)(rest - 60));
            rest = (uint16_t)(rest - 60);
        }
        ip4(17, 8);
        udp(53, 8);
    }
    save("1-6in4-4in6-nest-40.bin");
    /* 40 VLAN tags. */
    eth(0x8100);
    for (int i = 0; i < depth; i++) { put16((uint16_t)(i + 1)); put16(i == depth - 1 ? 0x0800 : 0x8100); }
    ip4(17, 8);
    udp(53, 8);
    save("1-vlan-nest-40.bin");
    /* Ethernet in GRE (transparent bridging) in IPv4 in Ethernet ..., 40 times. */
    for (int i = 0; i < depth; i++) {
        eth(0x0800);
        ip4(47, (uint16_t)((depth - i) * 38 + 8));
        bytes("0000 6558");
    }
    eth(0x0800);
    ip4(17, 8);
    udp(53, 8);
    save("1-gre-eth-nest-40.bin");
    /* ICMP errors quoting ICMP errors, 40 deep. */
    eth(0x0800);
    for (int i = 0; i < depth; i++) {
        ip4(1, (uint16_t)((depth - i) * 28 + 8));
        bytes("0301 0000 00000000");
    }
    ip4(17, 8);
    udp(53, 8);
    save("1-icmp-error-nest-40.bin");
    /* PPP in GRE (PPTP style, version 1) in IPv4, 40 times. */
    eth(0x0800);
    for (int i = 0; i < depth; i++) {
        ip4(47, (uint16_t)((depth - i) * 36 + 8));
        bytes("3001 880b 000a 0000");   /* K and S set, version 1 */
        put32((uint32_t)i);
        bytes("ff03 0021");           /* HDLC address/control, PPP protocol IPv4 */
    }
    ip4(17, 8);
    udp(53, 8);
    save("1-pptp-gre-nest-40.bin");
}

static void link_frames(void)
{
    /* nflog: header (family, version, resource id), then TLVs whose length is in host order. */
    static const struct { const char *hex, *name; } nfl[] = {
        { "02 00 0000 0000 0100 00000000", "239-nflog-tlv-len0.bin" },
        { "02 00 0000 0300 0100 00000000", "239-nflog-tlv-len3.bin" },
        { "02 00 0000 ffff 0900 45000014", "239-nflog-tlv-len-ffff.bin" },
        { "0a 00 0000 0800 0100 86dd0000 0800 0900 60000000", "239-nflog-payload-ipv6-cut.bin" },
        { "02 00 0000 0800 0100 08000000 0c00 0900 45000014 12340000", "239-nflog-payload-ipv4-cut.bin" },
        { "02 00 0000 0500 0a00 41000000 0500 0a00 41000000", "239-nflog-prefix-unterminated.bin" },
    };
    for (size_t i = 0; i < sizeof nfl / sizeof nfl[0]; i++) { bytes(nfl[i].hex); save(nfl[i].name); }
    /* ARP with hardware and protocol lengths of 255 and of 0. */
    eth(0x0806);
    bytes("0001 0800 ff ff 0001");
    fill(0xab, 40);
    save("1-arp-hlen255.bin");
    eth(0x0806);
    bytes("0001 0800 00 00 0001");
    save("1-arp-hlen0.bin");
    /* SLL: address length 255; SLL2: address length 255 and protocol 0x8100 with no tag. */
    bytes("0000 0001 00ff 001122334455 6677 0800 4500");
    save("113-sll-halen255.bin");
    bytes("8100 0000 00000002 0001 00 ff 001122334455 6677");
    save("276-sll2-halen255-vlan-cut.bin");
    /* Null/loop with address families from both byte orders and none. */
    bytes("18000000 60000000 0000 3b40"); save("0-null-af24-ipv6-cut.bin");
    bytes("00000018 60"); save("108-loop-af24-cut.bin");
    bytes("ffffffff 45"); save("0-null-af-ffffffff.bin");
    /* PPP: HDLC escapes everywhere; PPPoE session length 0xffff; LCP with option length 0. */
    fill(0x7d, 64); save("50-ppp-hdlc-escapes.bin");
    bytes("ff03 0021 4500 0014"); save("9-ppp-ipv4-cut.bin");
    bytes("ff03 c021 0101 0008 0100 0000"); save("9-ppp-lcp-opt-len0.bin");
    eth(0x8864);
    bytes("11 00 0001 ffff 0021 4500");
    save("1-pppoe-len-ffff.bin");
    eth(0x8863);
    bytes("11 09 0000 0008 0101 0000 0102 ffff");
    save("1-pppoed-tag-len-ffff.bin");
    /* 802.3 length field with LLC/SNAP cut short. */
    bytes("001122334455 66778899aabb 0005 aaaa03 000000");
    save("1-llc-snap-cut.bin");
    /* ICMPv6 neighbour solicitation with an option of length 0 (an 8-byte unit count). */
    eth(0x86dd);
    ip6(58, 32);
    bytes("8700 0000 00000000 20010db8000000000000000000000002 0100 00000000 0000");
    save("1-icmpv6-ns-opt-len0.bin");
    eth(0x86dd);
    ip6(58, 8);
    bytes("8f00 0000 0000 ffff");   /* MLDv2 report claiming 65535 records */
    save("1-icmpv6-mldv2-records-ffff.bin");
    /* GRE with every optional field flagged but absent; routing present (version 0, R bit). */
    eth(0x0800);
    ip4(47, 4);
    bytes("f000 0800");
    save("1-gre-flags-all-cut.bin");
    eth(0x0800);
    ip4(47, 4);
    bytes("0007 0800");
    save("1-gre-version7.bin");
}

/* ---- capture files ------------------------------------------------------------------------ */

static void pcap_hdr(uint32_t snaplen, uint32_t linktype)
{
    le32(0xa1b2c3d4); le16(2); le16(4); le32(0); le32(0); le32(snaplen); le32(linktype);
}
static void pcap_rec(uint32_t incl, uint32_t orig)
{
    le32(1735689600); le32(0); le32(incl); le32(orig);
}

static void ng_shb(void) { le32(0x0a0d0d0a); le32(28); le32(0x1a2b3c4d); le16(1); le16(0); le32(0xffffffff); le32(0xffffffff); le32(28); }
static void ng_idb(uint16_t lt, uint32_t snap, const char *opts_hex, uint32_t optlen)
{
    uint32_t len = 20 + optlen + 4;
    le32(1); le32(len); le16(lt); le16(0); le32(snap);
    bytes(opts_hex);
    le32(len);
}
static void ng_epb(uint32_t ifid, uint32_t ts_hi, uint32_t ts_lo, const uint8_t *p, uint32_t caplen, uint32_t len)
{
    uint32_t pad = (caplen + 3) & ~3u, total = 32 + pad;
    le32(6); le32(total); le32(ifid); le32(ts_hi); le32(ts_lo); le32(caplen); le32(len);
    memcpy(f + n, p, caplen); n += caplen;
    fill(0, pad - caplen);
    le32(total);
}

static void capture_files(void)
{
    static const uint8_t udpdns[] = {
        0x00,0x11,0x22,0x33,0x44,0x55, 0x66,0x77,0x88,0x99,0xaa,0xbb, 0x08,0x00,
        0x45,0x00,0x00,0x1c,0x12,0x34,0x40,0x00,0x40,0x11,0x00,0x00,0x0a,0x00,0x00,0x01,0x0a,0x00,0x00,0x02,
        0x9c,0x40,0x00,0x35,0x00,0x08,0x00,0x00 };
    /* classic pcap */
    pcap_hdr(65535, 1); pcap_rec(0xffffffff, 0xffffffff); save("pcap-caplen-ffffffff.pcap");
    pcap_hdr(0x7fffffff, 1); pcap_rec(200u << 20, 200u << 20); fill(0, 64); save("pcap-snaplen-huge-caplen-200m.pcap");
    pcap_hdr(65535, 1); save("pcap-no-records.pcap");
    pcap_hdr(65535, 1); pcap_rec(sizeof udpdns, sizeof udpdns); memcpy(f + n, udpdns, sizeof udpdns); n += sizeof udpdns;
    le32(1); le32(2); save("pcap-record-header-cut.pcap");
    pcap_hdr(65535, 1); pcap_rec(42, 20); memcpy(f + n, udpdns, 42); n += 42; save("pcap-orig-len-below-caplen.pcap");
    pcap_hdr(65535, 239);
    for (int i = 0; i < 3; i++) { pcap_rec(16, 16); fill((uint8_t)(0x55 * i), 16); }
    save("pcap-nflog-garbage.pcap");
    pcap_hdr(0, 0xffff); pcap_rec(0, 0); save("pcap-linktype-ffff-empty-record.pcap");
    /* pcapng */
    ng_shb(); le32(6); le32(0); save("pcapng-block-len-0.pcapng");
    ng_shb(); le32(6); le32(12); le32(12); save("pcapng-epb-len-12.pcapng");
    ng_shb(); ng_epb(5, 0, 0, udpdns, sizeof udpdns, sizeof udpdns); save("pcapng-epb-no-idb.pcapng");
    ng_shb(); ng_idb(1, 0, "0900 0100 ff000000 0000 0000", 12);                 /* if_tsresol 2^-127 */
    ng_epb(0, 0xffffffff, 0xffffffff, udpdns, sizeof udpdns, sizeof udpdns);
    save("pcapng-tsresol-pow2-127.pcapng");
    ng_shb(); ng_idb(1, 0, "0900 0100 13000000 0000 0000", 12);                 /* 10^-19 */
    ng_epb(0, 0xffffffff, 0xffffffff, udpdns, sizeof udpdns, sizeof udpdns);
    save("pcapng-tsresol-10-19.pcapng");
    ng_shb(); ng_idb(1, 0, "0e00 0800 ffffffffffffff7f 0000 0000", 16);         /* if_tsoffset max */
    ng_epb(0, 0xffffffff, 0xffffffff, udpdns, sizeof udpdns, sizeof udpdns);
    save("pcapng-tsoffset-max.pcapng");
    ng_shb(); ng_idb(1, 0, "", 0);
    {   /* EPB whose option claims 0xfff0 bytes */
        uint32_t total = 32 + 44 + 8;
        le32(6); le32(total); le32(0); le32(0); le32(0); le32(42); le32(42);
        memcpy(f + n, udpdns, 42); n += 42; fill(0, 2);
        le16(1); le16(0xfff0); le32(0x41414141);
        le32(total);
    }
    save("pcapng-option-len-past-block.pcapng");
    ng_shb(); ng_idb(1, 0, "", 0);
    {   /* comment of 5 bytes, no NUL, no opt_endofopt */
        uint32_t total = 32 + 44 + 12;
        le32(6); le32(total); le32(0); le32(0); le32(0); le32(42); le32(42);
        memcpy(f + n, udpdns, 42); n += 42; fill(0, 2);
        le16(1); le16(5); bytes("6869212121 000000");
        le32(total);
    }
    save("pcapng-comment-unterminated.pcapng");
    ng_shb(); ng_idb(1, 0, "", 0);
    le32(10); le32(0xffffffff); le32(0x544c534b); le32(0xfffffff0); le32(0);   /* DSB */
    save("pcapng-dsb-len-huge.pcapng");
    ng_shb(); ng_idb(1, 8, "", 0);
    le32(3); le32(16 + 8); le32(0xffffffff); fill(0x45, 8); le32(24);            /* SPB */
    save("pcapng-spb-len-ffffffff.pcapng");
    /* Two sections: big-endian then little-endian, the second's EPB naming interface 0 of its
     * own (absent) IDB list. */
    put32(0x0a0d0d0a); put32(28); put32(0x1a2b3c4d); put16(1); put16(0); put32(0xffffffff); put32(0xffffffff); put32(28);
    put32(1); put32(20); put16(1); put16(0); put32(0); put32(20);
    ng_shb(); ng_epb(0, 0, 0, udpdns, sizeof udpdns, sizeof udpdns);
    save("pcapng-two-sections-no-idb.pcapng");
    /* 10000 interfaces. */
    ng_shb();
    for (int i = 0; i < 3000; i++) ng_idb((uint16_t)i, 0, "", 0);
    ng_epb(2999, 0, 0, udpdns, sizeof udpdns, sizeof udpdns);
    save("pcapng-3000-interfaces.pcapng");
}

/* ---- IP fragments: a capture, since reassembly is state across frames ------------------------ */

static uint32_t frag_ts;

/* One raw-IP (LINKTYPE_RAW) record: an IPv4 fragment of `len` bytes of pattern `fillv`,
 * `incl` of them captured (incl < len: cut), at time frag_ts. */
static void frag4(uint16_t id, uint8_t proto, uint32_t off, int mf, uint32_t len, uint8_t fillv,
                  uint32_t incl)
{
    le32(frag_ts); le32(0); le32(20 + incl); le32(20 + len);
    uint8_t *h = f + n;
    bytes("4500");
    put16((uint16_t)(20 + len));
    put16(id);
    put16((uint16_t)((mf ? 0x2000 : 0) | ((off / 8) & 0x1fff)));
    put8(64);
    put8(proto);
    bytes("0000 0a000001 0a000002");
    wrap_put16(h + 10, wrap_cksum(h, 20));
    fill(fillv, incl);
}

/* The same for IPv6 with a fragment header (next header nh inside it). */
static void frag6(uint32_t id, uint8_t nh, uint32_t off, int more, uint32_t len, uint8_t fillv, uint32_t incl)
{
    le32(frag_ts); le32(0); le32(48 + incl); le32(48 + len);
    ip6(44, (uint16_t)(8 + len));
    put8(nh); put8(0);
    put16((uint16_t)((off & 0xfff8) | (more ? 1 : 0)));
    put32(id);
    fill(fillv, incl);
}

static void defrag_capture(void)
{
    pcap_hdr(65535, 101);
    frag_ts = 1735689600;
    /* Overlapping tiny fragments with changing bytes, then the end: conflicts everywhere. */
    for (uint32_t i = 0; i < 200; i++)
        frag4(1, 17, (i * 72) % 1600, 1, 8 + (i % 5) * 8, (uint8_t)i, 8 + (i % 5) * 8);
    frag4(1, 17, 1600, 0, 8, 0xee, 8);
    /* Past 65535; exactly up to 65535; zero-length fragments; two different ends; data past
     * the end; an odd non-final length. */
    frag4(2, 17, 65528, 1, 8, 1, 8);
    frag4(3, 17, 65520, 0, 15, 2, 15);
    frag4(3, 17, 0, 1, 0, 0, 0);
    frag4(3, 17, 8, 1, 0, 0, 0);
    frag4(4, 6, 64, 0, 8, 3, 8);
    frag4(4, 6, 64, 0, 24, 3, 24);
    frag4(4, 6, 0, 1, 100, 4, 100);
    frag4(4, 6, 0, 1, 13, 5, 13);
    frag4(4, 6, 8, 1, 57, 6, 57);
    /* Cut fragments: first, middle, after completion-to-be. */
    frag4(5, 17, 0, 1, 512, 7, 40);
    frag4(5, 17, 512, 0, 64, 8, 64);
    frag4(5, 17, 0, 1, 512, 7, 512);
    /* IP in IP: an outer datagram in two fragments whose payload is itself a first fragment. */
    {
        le32(frag_ts); le32(0); le32(20 + 48); le32(20 + 48);
        uint8_t *h = f + n;
        bytes("4500 0044 0009 2000 40 04 0000 0a000001 0a000002");
        wrap_put16(h + 10, wrap_cksum(h, 20));
        uint8_t *in = f + n;
        bytes("4500 0050 000a 2000 40 11 0000 c0a80001 c0a80002");
        wrap_put16(in + 10, wrap_cksum(in, 20));
        fill(0x11, 28);
        le32(frag_ts); le32(0); le32(20 + 12); le32(20 + 12);
        h = f + n;
        bytes("4500 0020 0009 0006 40 04 0000 0a000001 0a000002");
        wrap_put16(h + 10, wrap_cksum(h, 20));
        fill(0x22, 12);
    }
    /* IPv6: the reassembled payload starts with another fragment header and a hop-by-hop one;
     * a next header changing between fragments; a zero-length last fragment. */
    frag6(7, 44, 0, 1, 16, 0, 16);
    frag6(7, 0, 16, 0, 16, 0, 16);
    frag6(8, 17, 0, 1, 24, 9, 24);
    frag6(8, 6, 24, 0, 0, 0, 0);
    frag6(9, 58, 65528, 0, 16, 1, 16);
    /* Many datagrams left open, then a jump in time that expires them all at once, then time
     * going back. */
    for (uint32_t i = 0; i < 600; i++) frag4((uint16_t)(1000 + i), 17, 0, 1, 8, (uint8_t)i, 8);
    frag_ts += 3600;
    frag4(1, 17, 0, 1, 8, 0, 8);
    frag_ts -= 7200;
    for (uint32_t i = 0; i < 8; i++) frag4((uint16_t)(1000 + i), 17, 8, 0, 8, (uint8_t)i, 8);
    save("pcap-defrag-hostile.pcap");
}

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: gen-regressions DIR\n"); return 2; }
    outdir = argv[1];
    frames_per_linktype();
    ipv4_frames();
    tcp_frames();
    udp_frames();
    ipv6_frames();
    nesting_frames();
    link_frames();
    capture_files();
    defrag_capture();
    return 0;
}
