/* ipv4.c — Internet Protocol version 4: header, options, fragments, dispatch on "ip.proto".
 * RFC 791 (IP), RFC 2474 and RFC 3168 (DS field, ECN), RFC 6864 (ID), RFC 2003 (IP-in-IP).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------+-------+---------------+-------------------------------+
 *   |Version|  IHL  |  DSCP   |ECN  |          Total Length         |
 *   +-------+-------+---------------+-----+-------------------------+
 *   |         Identification        |Flags|     Fragment Offset     |
 *   +---------------+---------------+-----+-------------------------+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +---------------+---------------+-------------------------------+
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options (IHL > 5)                          |
 *   +---------------------------------------------------------------+
 *
 * Lengths follow tshark 4.0: an IHL below 5 stops after ip.hdr_len; a total length below the
 * header length stops after ip.len (0 is taken as TSO and replaced by the length we were
 * given); a total length past the end of what we were given is kept (fields print as tshark
 * prints them) and latches MALFORMED. Inside a quotation (an ICMP error's quoted datagram,
 * trawl_packet_in_quote) the datagram is normally cut, so there a long total length is not an
 * error; the engine leaves the columns to the quoting layer and keeps our reads past the quote's
 * end to our own layer.
 *
 * Fragments are reassembled by the engine (trawl/defrag.h), as tshark 4.0 does by default: a
 * fragment whose payload is all there goes to trawl_defrag_add; the frame that completes the
 * datagram dissects it whole on "ip.proto" (with Wireshark's ip.fragment, ip.fragment.count,
 * ip.reassembled.length, ...), the others show "Fragmented IP protocol (...)". A first fragment
 * cut short (snaplen, or a total length past the packet) can never be reassembled: as tshark,
 * we decode what there is, with TRAWL_HINT_FRAGMENT (the transport layer's lengths may run past
 * what it gets). Inside a quotation nothing is reassembled.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <trawl/trawl.h>

enum {
    F_VERSION, F_HDR_LEN, F_DSFIELD, F_DSCP, F_ECN, F_LEN, F_ID,
    F_FLAGS, F_FLAGS_RB, F_FLAGS_DF, F_FLAGS_MF, F_FRAG_OFFSET,
    F_TTL, F_PROTO, F_CHECKSUM, F_CHECKSUM_STATUS, F_CHECKSUM_CALC,
    F_SRC, F_ADDR, F_DST, F_CUR_RT,
    F_OPT_TYPE, F_OPT_LEN, F_OPT_PTR, F_OPT_RA, F_OPT_ADDR,
    F_BOGUS_VERSION, F_BOGUS_HDR_LEN, F_BOGUS_LEN, F_OPT_LEN_INVALID,
    F_FRAGMENT, F_FRAG_OVERLAP, F_FRAG_CONFLICT, F_FRAG_MULTI_TAILS, F_FRAG_TOO_LONG,
    F_FRAG_ERROR, F_FRAG_COUNT, F_REASM_LEN,
    F_COUNT
};

/* Short protocol names, as tshark's ipprotostr() prints them in the info column. */
static const struct trawl_value_name ipproto_names[] = {
    { 0, "IPv6 Hop-by-Hop Option" }, { 1, "ICMP" }, { 2, "IGMP" }, { 4, "IPIP" },
    { 6, "TCP" }, { 8, "EGP" }, { 9, "IGRP" }, { 17, "UDP" }, { 33, "DCCP" }, { 41, "IPv6" },
    { 43, "IPv6 Routing" }, { 44, "IPv6 Fragment" }, { 46, "RSVP" }, { 47, "GRE" },
    { 50, "ESP" }, { 51, "AH" }, { 58, "ICMPv6" }, { 59, "IPv6 No Next Header" },
    { 60, "IPv6 Destination Options" }, { 88, "EIGRP" }, { 89, "OSPF IGP" }, { 97, "ETHERIP" },
    { 103, "PIM" }, { 108, "IPComp" }, { 112, "VRRP" }, { 115, "L2TP" }, { 132, "SCTP" },
    { 135, "Mobility Header" }, { 136, "UDPLite" }, { 137, "MPLS in IP" }, { 0, NULL },
};

static const struct trawl_value_name checksum_status_names[] = {
    { 0, "Bad" }, { 1, "Good" }, { 2, "Unverified" }, { 0, NULL },
};

static const struct trawl_value_name opt_type_names[] = {
    { 0, "End of Options List (EOL)" }, { 1, "No-Operation (NOP)" }, { 7, "Record Route (RR)" },
    { 68, "Time Stamp (TS)" }, { 130, "Security (SEC)" }, { 131, "Loose Source Route (LSR)" },
    { 136, "Stream ID (SID)" }, { 137, "Strict Source Route (SSR)" },
    { 148, "Router Alert" }, { 0, NULL },
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_VERSION]       = { .name = "ip.version", .desc = "Version", .type = TRAWL_FT_U8 },
    [F_HDR_LEN]       = { .name = "ip.hdr_len", .desc = "Header length in bytes", .type = TRAWL_FT_U8 },
    [F_DSFIELD]       = { .name = "ip.dsfield", .desc = "Differentiated Services field", .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX },
    [F_DSCP]          = { .name = "ip.dsfield.dscp", .desc = "Differentiated Services Codepoint", .type = TRAWL_FT_U8 },
    [F_ECN]           = { .name = "ip.dsfield.ecn", .desc = "Explicit Congestion Notification", .type = TRAWL_FT_U8 },
    [F_LEN]           = { .name = "ip.len", .desc = "Total length", .type = TRAWL_FT_U16 },
    [F_ID]            = { .name = "ip.id", .desc = "Identification", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_FLAGS]         = { .name = "ip.flags", .desc = "Flags (reserved, DF, MF)", .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX },
    [F_FLAGS_RB]      = { .name = "ip.flags.rb", .desc = "Reserved bit", .type = TRAWL_FT_BOOL, .mask = 0x4 },
    [F_FLAGS_DF]      = { .name = "ip.flags.df", .desc = "Don't fragment", .type = TRAWL_FT_BOOL, .mask = 0x2 },
    [F_FLAGS_MF]      = { .name = "ip.flags.mf", .desc = "More fragments", .type = TRAWL_FT_BOOL, .mask = 0x1 },
    [F_FRAG_OFFSET]   = { .name = "ip.frag_offset", .desc = "Fragment offset (8-byte units)", .type = TRAWL_FT_U16 },
    [F_TTL]           = { .name = "ip.ttl", .desc = "Time to live", .type = TRAWL_FT_U8 },
    [F_PROTO]         = { .name = "ip.proto", .desc = "Protocol", .type = TRAWL_FT_U8, .base = TRAWL_BASE_DEC, .names = ipproto_names },
    [F_CHECKSUM]      = { .name = "ip.checksum", .desc = "Header checksum", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_CHECKSUM_STATUS] = { .name = "ip.checksum.status", .desc = "Header checksum status (0 bad, 1 good, 2 not verified)", .type = TRAWL_FT_U8, .base = TRAWL_BASE_DEC, .names = checksum_status_names },
    [F_CHECKSUM_CALC] = { .name = "ip.checksum_calculated", .desc = "Header checksum the header should carry", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_SRC]           = { .name = "ip.src", .desc = "Source address", .type = TRAWL_FT_IPV4 },
    [F_ADDR]          = { .name = "ip.addr", .desc = "Source or destination address", .type = TRAWL_FT_IPV4 },
    [F_DST]           = { .name = "ip.dst", .desc = "Destination address (a source route's final one)", .type = TRAWL_FT_IPV4 },
    [F_CUR_RT]        = { .name = "ip.cur_rt", .desc = "Header destination while a source route is under way", .type = TRAWL_FT_IPV4 },
    [F_OPT_TYPE]      = { .name = "ip.opt.type", .desc = "Option type", .type = TRAWL_FT_U8, .base = TRAWL_BASE_DEC, .names = opt_type_names },
    [F_OPT_LEN]       = { .name = "ip.opt.len", .desc = "Option length", .type = TRAWL_FT_U8 },
    [F_OPT_PTR]       = { .name = "ip.opt.ptr", .desc = "Option pointer (RR, LSR, SSR, TS)", .type = TRAWL_FT_U8 },
    [F_OPT_RA]        = { .name = "ip.opt.ra", .desc = "Router alert value", .type = TRAWL_FT_U16 },
    [F_OPT_ADDR]      = { .name = "ip.opt.addr", .desc = "Address in a route option", .type = TRAWL_FT_IPV4 },
    [F_BOGUS_VERSION] = { .name = "ip.bogus_ip_version", .desc = "Version is not 4 (nor 6)", .type = TRAWL_FT_NONE },
    [F_BOGUS_HDR_LEN] = { .name = "ip.bogus_header_length", .desc = "Header length below 20 bytes", .type = TRAWL_FT_NONE },
    [F_BOGUS_LEN]     = { .name = "ip.bogus_ip_length", .desc = "Total length below the header length", .type = TRAWL_FT_NONE },
    [F_OPT_LEN_INVALID] = { .name = "ip.opt.len.invalid", .desc = "Option length invalid or past the options", .type = TRAWL_FT_NONE },
    /* On the frame that completes a datagram: its fragments by offset, each under ip.fragment,
     * or under ip.fragment.error (followed by what is wrong with it) when it overlapped, ran
     * past the end or ended it differently, as Wireshark lists them. */
    [F_FRAGMENT]      = { .name = "ip.fragment", .desc = "Frame of a fragment of the datagram", .type = TRAWL_FT_U32 },
    [F_FRAG_OVERLAP]  = { .name = "ip.fragment.overlap", .desc = "Fragment overlaps bytes already held (repeats too)", .type = TRAWL_FT_BOOL },
    [F_FRAG_CONFLICT] = { .name = "ip.fragment.overlap.conflict", .desc = "Overlapping bytes differ (the first copy was kept)", .type = TRAWL_FT_BOOL },
    [F_FRAG_MULTI_TAILS] = { .name = "ip.fragment.multipletails", .desc = "Another final fragment with a different end", .type = TRAWL_FT_BOOL },
    [F_FRAG_TOO_LONG] = { .name = "ip.fragment.toolongfragment", .desc = "Fragment runs past the datagram's end (those bytes dropped)", .type = TRAWL_FT_BOOL },
    [F_FRAG_ERROR]    = { .name = "ip.fragment.error", .desc = "Frame of a fragment with an error", .type = TRAWL_FT_U32 },
    [F_FRAG_COUNT]    = { .name = "ip.fragment.count", .desc = "Fragments that made the datagram", .type = TRAWL_FT_U32 },
    [F_REASM_LEN]     = { .name = "ip.reassembled.length", .desc = "Reassembled payload length", .type = TRAWL_FT_U32 },
};

struct ip_state {
    const struct trawl_proto *proto;        /* ours */
    const struct trawl_proto *ipv6;         /* version 6 behind ethertype 0x0800 */
    const struct trawl_table *ip_proto;     /* "ip.proto", which we declare */
};

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *ipproto_str(unsigned p)
{
    for (const struct trawl_value_name *n = ipproto_names; n->name; n++)
        if (n->value == p) return n->name;
    return "Unknown";
}

/* A flag-only marker (FT_NONE field). */
static void add_marker(struct trawl_packet *pkt, unsigned idx)
{
    trawl_tree_push(pkt, idx);
    trawl_tree_pop(pkt);
}

/* Internet checksum (RFC 1071) over n present bytes. */
static uint16_t inet_cksum(const uint8_t *p, uint32_t n)
{
    uint32_t sum = 0;
    for (; n > 1; n -= 2, p += 2) sum += (uint32_t)(p[0] << 8 | p[1]);
    if (n) sum += (uint32_t)p[0] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The option types tshark decodes (and so shows ip.opt.type for); others are skipped. */
static bool known_option(uint8_t type)
{
    switch (type) {
    case 0: case 1: case 7: case 11: case 12: case 25: case 68: case 82: case 130: case 131:
    case 133: case 134: case 136: case 137: case 148: case 149:
        return true;
    default:
        return false;
    }
}

/* Options TLVs (RFC 791 section 3.1) in the len bytes the header length claims for them (o may
 * hold fewer: reads past it latch). EOL ends the list, NOP is one byte, every other option has
 * a length byte counting itself and the type. A length below 2 or past the options is
 * malformed: like tshark we add nothing for that option, stop there, and latch; the datagram is
 * still decoded. A length too short for what the type must carry (route and timestamp options
 * need a pointer, router alert and stream ID are 4 bytes) is malformed too, and tshark stops the
 * whole packet there (its decoder reads past the option): false, so do we. */
static bool dissect_options(struct trawl_packet *pkt, struct trawl_buf *o, uint32_t len)
{
    uint32_t off = 0;
    while (off < len) {
        if (!trawl_buf_need(o, off, 1)) return true;
        uint8_t type = trawl_buf_u8(o, off);
        if (type == 0 || type == 1) {               /* EOL (the rest is padding), NOP */
            trawl_add_uint(pkt, F_OPT_TYPE, type);
            if (type == 0) return true;
            off++;
            continue;
        }
        if (off + 2 > len) { add_marker(pkt, F_OPT_LEN_INVALID); trawl_buf_mark_malformed(o); return true; }
        if (!trawl_buf_need(o, off + 1, 1)) return true;
        uint8_t olen = trawl_buf_u8(o, off + 1);
        if (olen < 2 || olen > len - off) {
            add_marker(pkt, F_OPT_LEN_INVALID);
            trawl_buf_mark_malformed(o);
            return true;
        }
        if (!trawl_buf_need(o, off, olen)) return true;   /* cut short */
        if (!known_option(type)) { off += olen; continue; }   /* tshark: a text line, no fields */
        trawl_add_uint(pkt, F_OPT_TYPE, type);
        trawl_add_uint(pkt, F_OPT_LEN, olen);
        bool route_or_ts = type == 7 || type == 68 || type == 131 || type == 137;
        if ((route_or_ts && olen < 3) || ((type == 136 || type == 148) && olen != 4)) {
            add_marker(pkt, F_OPT_LEN_INVALID);
            trawl_buf_mark_malformed(o);
            return false;
        }
        switch (type) {
        case 7: case 131: case 137:                 /* RR, LSR, SSR: pointer then addresses */
            trawl_add_uint(pkt, F_OPT_PTR, trawl_buf_u8(o, off + 2));
            for (uint32_t a = 3; a + 4 <= olen; a += 4)
                trawl_add_addr(pkt, F_OPT_ADDR, trawl_buf_ptr(o, off + a, 4));
            break;
        case 68:                                    /* timestamp */
            trawl_add_uint(pkt, F_OPT_PTR, trawl_buf_u8(o, off + 2));
            break;
        case 148:                                   /* router alert (RFC 2113) */
            trawl_add_uint(pkt, F_OPT_RA, trawl_buf_u16be(o, off + 2));
            break;
        default:
            break;
        }
        off += olen;
    }
    return true;
}

/* tshark's walk of the options for a source route (RFC 791 LSR/SSR) before it shows the
 * destination: returns the offset in the header of the final destination (the route's last
 * address) when a route still has hops to go, 0 when there is none, -1 when the walk runs out of
 * captured bytes (tshark then stops the packet: no destination, no options). No latch. */
static int32_t route_dst_offset(const struct trawl_buf *ip, uint32_t hlen)
{
    uint32_t off = 20;
    while (off < hlen) {
        if (!trawl_buf_has(ip, off, 1)) return -1;
        uint8_t type = trawl_buf_u8(ip, off);
        if (type == 0) return 0;
        if (type == 1) { off++; continue; }
        if (off + 1 >= hlen) return 0;
        if (!trawl_buf_has(ip, off + 1, 1)) return -1;
        uint8_t olen = trawl_buf_u8(ip, off + 1);
        if (olen < 2 || olen > hlen - off) return 0;
        if (type == 131 || type == 137) {
            if (!trawl_buf_has(ip, off + 2, 1)) return -1;
            uint8_t ptr = trawl_buf_u8(ip, off + 2);
            if (ptr < 4 || (ptr & 3) || ptr > olen) return 0;
            return olen >= 7 ? (int32_t)(off + olen - 4) : 0;
        }
        off += olen;
    }
    return 0;
}

/* The fragments of a datagram just reassembled, as Wireshark shows them on that frame. */
static const struct trawl_defrag_fields frag_fields = {
    F_FRAGMENT, F_FRAG_ERROR, F_FRAG_OVERLAP, F_FRAG_CONFLICT, F_FRAG_MULTI_TAILS, F_FRAG_TOO_LONG,
    F_FRAG_COUNT, F_REASM_LEN,
};

static void set_addr_cols(struct trawl_packet *pkt, const uint8_t *src, const uint8_t *dst)
{
    char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
    if (src && inet_ntop(AF_INET, src, s, sizeof s)) trawl_col_set(pkt, TRAWL_COL_SRC, "%s", s);
    if (dst && inet_ntop(AF_INET, dst, d, sizeof d)) trawl_col_set(pkt, TRAWL_COL_DST, "%s", d);
}

/* ---- the dissector ------------------------------------------------------------------------ */

static int ip_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    struct ip_state *st = state;
    uint32_t given = trawl_buf_len(b);
    if (given == 0) return 0;
    /* The datagram an ICMP error quotes is cut on purpose: a long total length is normal. */
    bool quoted = trawl_packet_in_quote(pkt);
    bool cols = trawl_cols_wanted(pkt);
    uint8_t vhl = trawl_buf_u8(b, 0);
    if (!trawl_buf_ok(b)) return (int)given;   /* nothing captured: truncated, latched */
    unsigned version = vhl >> 4, hlen = (vhl & 0x0f) * 4u;
    if (cols) trawl_col_set(pkt, TRAWL_COL_INFO, "%s", "");   /* a lower layer's text is not ours */

    /* tshark hands version 6 behind ethertype 0x0800 to IPv6. */
    if (version == 6 && st->ipv6) {
        trawl_dissect_proto(pkt, st->ipv6, b);
        return (int)given;
    }
    trawl_add_uint(pkt, F_VERSION, version);
    if (version != 4) {
        add_marker(pkt, F_BOGUS_VERSION);
        trawl_buf_mark_malformed(b);
        if (cols) trawl_col_set(pkt, TRAWL_COL_INFO, "Bogus IPv4 version (%u, must be 4)", version);
        return (int)given;
    }
    trawl_add_uint(pkt, F_HDR_LEN, hlen);
    if (hlen < 20) {
        add_marker(pkt, F_BOGUS_HDR_LEN);
        trawl_buf_mark_malformed(b);
        if (cols)
            trawl_col_set(pkt, TRAWL_COL_INFO, "Bogus IP header length (%u, must be at least 20)", hlen);
        return (int)given;
    }

    /* The fixed fields, each only when its bytes are there (a snaplen may cut anywhere: the
     * fields before the cut stay, none is added from a latched read). */
    if (!trawl_buf_need(b, 1, 1)) return (int)given;
    uint8_t tos = trawl_buf_u8(b, 1);
    trawl_add_uint(pkt, F_DSFIELD, tos);
    trawl_add_uint(pkt, F_DSCP, tos >> 2);
    trawl_add_uint(pkt, F_ECN, tos & 3);

    if (!trawl_buf_need(b, 2, 2)) return (int)given;
    uint32_t tot = trawl_buf_u16be(b, 2);
    if (tot < hlen) {
        if (tot == 0) {
            tot = given;                            /* TSO: the NIC fills the length in later */
        } else {
            trawl_add_uint(pkt, F_LEN, tot);
            add_marker(pkt, F_BOGUS_LEN);
            trawl_buf_mark_malformed(b);
            if (cols)
                trawl_col_set(pkt, TRAWL_COL_INFO, "Bogus IP length (%u, less than header length %u)",
                              tot, hlen);
            return (int)given;
        }
    }
    trawl_add_uint(pkt, F_LEN, tot);
    /* The datagram's own view. A total length past what we were given latches MALFORMED here
     * (the view is clamped), except inside a quote, cut on purpose. */
    if (tot > given && !quoted) add_marker(pkt, F_BOGUS_LEN);
    struct trawl_buf ip = (quoted && tot > given) ? *b : trawl_buf_sub(b, 0, tot);

    if (!trawl_buf_need(&ip, 4, 2)) return (int)trawl_buf_len(&ip);
    uint16_t id = trawl_buf_u16be(&ip, 4);
    trawl_add_uint(pkt, F_ID, id);
    if (!trawl_buf_need(&ip, 6, 2)) return (int)trawl_buf_len(&ip);
    uint16_t off16 = trawl_buf_u16be(&ip, 6);
    bool mf = off16 & 0x2000;
    unsigned frag = off16 & 0x1fff;
    trawl_add_uint(pkt, F_FLAGS, off16 >> 13);
    trawl_add_bool(pkt, F_FLAGS_RB, off16 & 0x8000);
    trawl_add_bool(pkt, F_FLAGS_DF, off16 & 0x4000);
    trawl_add_bool(pkt, F_FLAGS_MF, mf);
    trawl_add_uint(pkt, F_FRAG_OFFSET, frag);
    if (!trawl_buf_need(&ip, 8, 1)) return (int)trawl_buf_len(&ip);
    trawl_add_uint(pkt, F_TTL, trawl_buf_u8(&ip, 8));
    if (!trawl_buf_need(&ip, 9, 1)) return (int)trawl_buf_len(&ip);
    uint8_t proto = trawl_buf_u8(&ip, 9);
    trawl_add_uint(pkt, F_PROTO, proto);
    if (!trawl_buf_need(&ip, 10, 2)) return (int)trawl_buf_len(&ip);
    uint16_t cksum = trawl_buf_u16be(&ip, 10);
    trawl_add_uint(pkt, F_CHECKSUM, cksum);
    if (trawl_wants(pkt, F_CHECKSUM_STATUS) || trawl_wants(pkt, F_CHECKSUM_CALC)) {
        /* Verified only when the whole header is there and this is not a quoted header
         * (routers may have rewritten parts of it). */
        if (!quoted && trawl_buf_has(&ip, 0, hlen)) {
            const uint8_t *h = trawl_buf_ptr(&ip, 0, hlen);
            uint16_t sum = inet_cksum(h, hlen);
            trawl_add_uint(pkt, F_CHECKSUM_STATUS, sum == 0);
            if (sum != 0) {
                /* What the field should hold: the sum with the checksum field zeroed. */
                uint32_t s = (uint16_t)~sum;
                s += (uint16_t)~cksum;
                while (s >> 16) s = (s & 0xffff) + (s >> 16);
                trawl_add_uint(pkt, F_CHECKSUM_CALC, (uint16_t)~s);
            } else {
                trawl_add_uint(pkt, F_CHECKSUM_CALC, cksum);
            }
        } else {
            trawl_add_uint(pkt, F_CHECKSUM_STATUS, 2);
        }
    }
    const uint8_t *src = trawl_buf_ptr(&ip, 12, 4);
    if (src) {
        trawl_add_addr(pkt, F_SRC, src);
        trawl_add_addr(pkt, F_ADDR, src);
    }
    /* The destination. With a source route still under way, the final destination is the
     * route's last address: tshark 4.0 shows that as ip.dst (and the header's as ip.cur_rt). It
     * walks the options for the route first, so a header cut inside that walk shows no
     * destination and stops: the same here. */
    int32_t route = hlen > 20 && src ? route_dst_offset(&ip, hlen) : 0;
    if (route < 0) {
        trawl_buf_need(&ip, 20, hlen - 20);
        if (cols) set_addr_cols(pkt, src, NULL);
        return (int)trawl_buf_len(&ip);
    }
    const uint8_t *dst = trawl_buf_ptr(&ip, route ? (uint32_t)route : 16, 4);
    if (dst) {
        trawl_add_addr(pkt, F_DST, dst);
        trawl_add_addr(pkt, F_ADDR, dst);
        if (route) trawl_add_addr(pkt, F_CUR_RT, trawl_buf_ptr(&ip, 16, 4));
    }
    if (cols) set_addr_cols(pkt, src, dst);
    if (!src || !dst) return (int)trawl_buf_len(&ip);
    trawl_packet_set_addrs(pkt, 4, src, dst, tot);   /* for the transport's flow */

    /* A header cut short (snaplen, or longer than the datagram): tshark shows none of its
     * options and stops; nothing after it can be trusted to start where we think. */
    if (!trawl_buf_need(&ip, 0, hlen)) return (int)trawl_buf_len(&ip);
    if (hlen > 20) {
        struct trawl_buf opts = trawl_buf_sub(&ip, 20, hlen - 20);
        /* An option too short for its type stops the packet too (as in tshark). */
        if (!dissect_options(pkt, &opts, hlen - 20)) return (int)trawl_buf_len(&ip);
    }

    struct trawl_buf pl = trawl_buf_tail(&ip, hlen);
    /* Fragments. One with payload goes to reassembly (tshark's condition; the header's own
     * addresses make the key, not a source route's final one), and even one cut short is
     * handed in, so that its datagram is known never to complete. The frame that completes a
     * datagram dissects it whole. The others are not decoded further, except a first fragment
     * cut short, which can never be reassembled: decode what there is, as tshark does. A
     * quoted fragment is only shown. */
    if (frag != 0 || mf) {
        bool whole = trawl_buf_has(&ip, 0, tot);
        if (!quoted && tot > hlen) {
            struct trawl_frag fr = {
                .family = 4, .proto = proto, .id = id, .src = src, .dst = trawl_buf_ptr(&ip, 16, 4),
                .offset = frag * 8u, .more = mf, .data = pl.data, .caplen = trawl_buf_caplen(&pl),
                .len = tot - hlen,
            };
            struct trawl_defrag_result r;
            if (trawl_defrag_add(pkt, &fr, &r) == 0 && r.status == TRAWL_DEFRAG_COMPLETE) {
                trawl_defrag_add_fields(pkt, &r, &frag_fields);
                trawl_packet_set_addrs(pkt, 4, src, dst, hlen + r.len);   /* the whole datagram's length */
                if (cols) trawl_col_set(pkt, TRAWL_COL_INFO, "%s (%u)", ipproto_str(proto), proto);
                struct trawl_buf rb = trawl_buf_make(r.data, r.len, r.len, b->err);
                rb.base = pl.base;
                if (r.len > 0 && st->ip_proto) trawl_dissect_table(pkt, st->ip_proto, proto, &rb);
                return (int)trawl_buf_len(&ip);
            }
        }
        if (frag != 0 || whole) {
            if (cols)
                trawl_col_set(pkt, TRAWL_COL_INFO, "Fragmented IP protocol (proto=%s %u, off=%u, ID=%04x)",
                              ipproto_str(proto), proto, frag * 8, id);
            return (int)trawl_buf_len(&ip);
        }
    }
    if (cols) trawl_col_set(pkt, TRAWL_COL_INFO, "%s (%u)", ipproto_str(proto), proto);
    if (trawl_buf_len(&pl) > 0 && st->ip_proto) {
        if (mf) trawl_packet_hint(pkt, TRAWL_HINT_FRAGMENT);   /* a first fragment, cut short */
        trawl_dissect_table(pkt, st->ip_proto, proto, &pl);
    }
    return (int)trawl_buf_len(&ip);
}

static const struct trawl_proto_def ip_def = {
    .name = "ip",
    .long_name = "Internet Protocol Version 4",
    .column = "IPv4",
    .fields = fields,
    .nfields = F_COUNT,
    .dissect = ip_dissect,
};

/* ---- registration ------------------------------------------------------------------------- */

static int ip_init(struct trawl_init *ctx)
{
    struct ip_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->proto = trawl_proto_register(ctx, &ip_def, st);
    if (!st->proto) return TRAWL_EINVAL;
    if (!trawl_table_declare(ctx, "ip.proto", "IP protocol number (IPv4 protocol, IPv6 next header)",
                             TRAWL_TABLE_UINT, 255))
        return TRAWL_EINVAL;
    return 0;
}

static int ip_handoff(struct trawl_init *ctx)
{
    struct ip_state *st = trawl_init_state(ctx);
    st->ip_proto = trawl_table_find(ctx, "ip.proto");
    st->ipv6 = trawl_proto_find(ctx, "ipv6");
    trawl_table_add(ctx, "ip.proto", 4, st->proto);          /* IP in IP (RFC 2003) */
    trawl_table_add(ctx, "ethertype", 0x0800, st->proto);
    trawl_table_add(ctx, "ppp.protocol", 0x0021, st->proto);
    trawl_table_add(ctx, "gre.proto", 0x0800, st->proto);
    return 0;
}

static void ip_fini(void *state) { free(state); }

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "ipv4", .version = "1.0.0",
    .summary = "Internet Protocol version 4 (RFC 791): header, options, fragments",
    .init = ip_init, .handoff = ip_handoff, .fini = ip_fini);
