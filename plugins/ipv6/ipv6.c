/* ipv6.c — Internet Protocol version 6: fixed header, extension headers, dispatch on "ip.proto".
 * RFC 8200 (IPv6, hop-by-hop and destination options, routing and fragment headers),
 * RFC 2711 (router alert), RFC 2675 (jumbograms), RFC 6275 (type 2 routing header),
 * RFC 8754 (segment routing header, type 4), RFC 5095 (type 0 deprecated), RFC 4213 (6in4).
 *
 *    0               1               2               3
 *   +-------+-------+-------+-------+-------------------------------+
 *   |Version| Traffic Class |            Flow Label                 |
 *   +-------+---------------+-------+---------------+---------------+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-------------------------------+---------------+---------------+
 *   |                    Source Address (16 bytes)                  |
 *   |                 Destination Address (16 bytes)                |
 *   +---------------------------------------------------------------+
 *
 * The datagram's view is 40 + payload length bytes; a payload length past what we were given
 * latches MALFORMED (not inside a quotation, an ICMPv6 error's, cut on purpose). A payload
 * length of 0 with a hop-by-hop header carrying a jumbo payload option is a jumbogram: then
 * that option sizes the view. Extension headers (0, 43, 44, 60) are walked here, at most
 * MAX_EXT_HEADERS of them; a header running past the datagram latches and ends the walk.
 * The last next header is dispatched on "ip.proto" (declared by the ipv4 plugin), with
 * TRAWL_HINT_IPV6 (UDP reads a length of 0 as a jumbogram).
 *
 * Fragments are reassembled by the engine (trawl/defrag.h), as tshark 4.0 does by default:
 * every fragment goes to trawl_defrag_add (keyed on source, destination and identification,
 * RFC 8200), one cut short too (its datagram then never completes); the frame that completes a
 * datagram walks on into the reassembled payload (its next header is the offset-0 fragment's)
 * with Wireshark's ipv6.fragment, ipv6.fragment.count, ipv6.reassembled.length, ... The others
 * are not decoded further: tshark does not decode a lone IPv6 fragment either, even a first
 * one. Atomic fragments (offset 0, M=0, RFC 6946) are not fragments: dissected through. Inside
 * a quotation nothing is reassembled.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <trawl/trawl.h>

/* A real chain has a handful; this bounds hostile ones (each header is at least 8 bytes). */
#define MAX_EXT_HEADERS 16

enum {
    F_VERSION, F_TCLASS, F_TCLASS_DSCP, F_TCLASS_ECN, F_FLOW, F_PLEN, F_NXT, F_HLIM,
    F_SRC, F_ADDR, F_DST,
    F_HOP_NXT, F_HOP_LEN, F_HOP_LEN_OCT,
    F_DST_NXT, F_DST_LEN, F_DST_LEN_OCT,
    F_OPT_TYPE, F_OPT_LENGTH, F_OPT_PAD1, F_OPT_PADN, F_OPT_RA, F_OPT_JUMBO, F_OPT_INVALID_LEN,
    F_RT_NXT, F_RT_LEN, F_RT_LEN_OCT, F_RT_TYPE, F_RT_SEGLEFT, F_RT_SRC_ADDR, F_RT_HOME_ADDR,
    F_RT_SRH_LAST, F_RT_SRH_FLAGS, F_RT_SRH_TAG, F_RT_SRH_ADDR, F_RT_INVALID_LEN,
    F_FRAG_NXT, F_FRAG_OFFSET, F_FRAG_MORE, F_FRAG_IDENT,
    F_BOGUS_VERSION, F_PLEN_EXCEEDS,
    F_FRAGMENT, F_FRAG_OVERLAP, F_FRAG_CONFLICT, F_FRAG_MULTI_TAILS, F_FRAG_TOO_LONG,
    F_FRAG_ERROR, F_FRAG_COUNT, F_REASM_LEN,
    F_COUNT
};

static const struct trawl_value_name ipproto_names[] = {
    { 0, "IPv6 Hop-by-Hop Option" }, { 1, "ICMP" }, { 2, "IGMP" }, { 4, "IPIP" },
    { 6, "TCP" }, { 17, "UDP" }, { 33, "DCCP" }, { 41, "IPv6" }, { 43, "Routing Header for IPv6" },
    { 44, "Fragment Header for IPv6" }, { 47, "GRE" }, { 50, "ESP" }, { 51, "AH" },
    { 58, "ICMPv6" }, { 59, "No Next Header for IPv6" }, { 60, "Destination Options for IPv6" },
    { 89, "OSPF IGP" }, { 103, "PIM" }, { 112, "VRRP" }, { 115, "L2TP" }, { 132, "SCTP" },
    { 135, "Mobility Header" }, { 136, "UDPLite" }, { 0, NULL },
};

static const struct trawl_value_name opt_type_names[] = {
    { 0x00, "Pad1" }, { 0x01, "PadN" }, { 0x04, "Tunnel Encapsulation Limit" },
    { 0x05, "Router Alert" }, { 0xc2, "Jumbo Payload" }, { 0xc9, "Home Address Option" },
    { 0, NULL },
};

static const struct trawl_value_name rt_type_names[] = {
    { 0, "Source Route" }, { 2, "Type 2 Routing" }, { 3, "RPL Source Route" },
    { 4, "Segment Routing" }, { 5, "CRH-16" }, { 6, "CRH-32" }, { 0, NULL },
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_VERSION]      = { .name = "ipv6.version", .desc = "Version", .type = TRAWL_FT_U8 },
    [F_TCLASS]       = { .name = "ipv6.tclass", .desc = "Traffic class", .type = TRAWL_FT_U32, .base = TRAWL_BASE_HEX },
    [F_TCLASS_DSCP]  = { .name = "ipv6.tclass.dscp", .desc = "Differentiated Services Codepoint", .type = TRAWL_FT_U32 },
    [F_TCLASS_ECN]   = { .name = "ipv6.tclass.ecn", .desc = "Explicit Congestion Notification", .type = TRAWL_FT_U32 },
    [F_FLOW]         = { .name = "ipv6.flow", .desc = "Flow label", .type = TRAWL_FT_U24, .base = TRAWL_BASE_HEX },
    [F_PLEN]         = { .name = "ipv6.plen", .desc = "Payload length", .type = TRAWL_FT_U16 },
    [F_NXT]          = { .name = "ipv6.nxt", .desc = "Next header", .type = TRAWL_FT_U8, .names = ipproto_names },
    [F_HLIM]         = { .name = "ipv6.hlim", .desc = "Hop limit", .type = TRAWL_FT_U8 },
    [F_SRC]          = { .name = "ipv6.src", .desc = "Source address", .type = TRAWL_FT_IPV6 },
    [F_ADDR]         = { .name = "ipv6.addr", .desc = "Source or destination address", .type = TRAWL_FT_IPV6 },
    [F_DST]          = { .name = "ipv6.dst", .desc = "Destination address", .type = TRAWL_FT_IPV6 },
    [F_HOP_NXT]      = { .name = "ipv6.hopopts.nxt", .desc = "Hop-by-hop options: next header", .type = TRAWL_FT_U8, .names = ipproto_names },
    [F_HOP_LEN]      = { .name = "ipv6.hopopts.len", .desc = "Hop-by-hop options: length (8-byte units after the first)", .type = TRAWL_FT_U8 },
    [F_HOP_LEN_OCT]  = { .name = "ipv6.hopopts.len_oct", .desc = "Hop-by-hop options: length in bytes", .type = TRAWL_FT_U16 },
    [F_DST_NXT]      = { .name = "ipv6.dstopts.nxt", .desc = "Destination options: next header", .type = TRAWL_FT_U8, .names = ipproto_names },
    [F_DST_LEN]      = { .name = "ipv6.dstopts.len", .desc = "Destination options: length (8-byte units after the first)", .type = TRAWL_FT_U8 },
    [F_DST_LEN_OCT]  = { .name = "ipv6.dstopts.len_oct", .desc = "Destination options: length in bytes", .type = TRAWL_FT_U16 },
    [F_OPT_TYPE]     = { .name = "ipv6.opt.type", .desc = "Option type", .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX, .names = opt_type_names },
    [F_OPT_LENGTH]   = { .name = "ipv6.opt.length", .desc = "Option data length", .type = TRAWL_FT_U8 },
    [F_OPT_PAD1]     = { .name = "ipv6.opt.pad1", .desc = "Pad1 option", .type = TRAWL_FT_NONE },
    [F_OPT_PADN]     = { .name = "ipv6.opt.padn", .desc = "PadN option bytes", .type = TRAWL_FT_BYTES },
    [F_OPT_RA]       = { .name = "ipv6.opt.router_alert", .desc = "Router alert value", .type = TRAWL_FT_U16 },
    [F_OPT_JUMBO]    = { .name = "ipv6.opt.jumbo", .desc = "Jumbo payload length", .type = TRAWL_FT_U32 },
    [F_OPT_INVALID_LEN] = { .name = "ipv6.opt.invalid_len", .desc = "Option runs past its header", .type = TRAWL_FT_NONE },
    [F_RT_NXT]       = { .name = "ipv6.routing.nxt", .desc = "Routing header: next header", .type = TRAWL_FT_U8, .names = ipproto_names },
    [F_RT_LEN]       = { .name = "ipv6.routing.len", .desc = "Routing header: length (8-byte units after the first)", .type = TRAWL_FT_U8 },
    [F_RT_LEN_OCT]   = { .name = "ipv6.routing.len_oct", .desc = "Routing header: length in bytes", .type = TRAWL_FT_U16 },
    [F_RT_TYPE]      = { .name = "ipv6.routing.type", .desc = "Routing type", .type = TRAWL_FT_U8, .names = rt_type_names },
    [F_RT_SEGLEFT]   = { .name = "ipv6.routing.segleft", .desc = "Segments left", .type = TRAWL_FT_U8 },
    [F_RT_SRC_ADDR]  = { .name = "ipv6.routing.src.addr", .desc = "Type 0 route address", .type = TRAWL_FT_IPV6 },
    [F_RT_HOME_ADDR] = { .name = "ipv6.routing.mipv6.home_address", .desc = "Type 2 home address", .type = TRAWL_FT_IPV6 },
    [F_RT_SRH_LAST]  = { .name = "ipv6.routing.srh.last_entry", .desc = "Segment routing: last entry", .type = TRAWL_FT_U8 },
    [F_RT_SRH_FLAGS] = { .name = "ipv6.routing.srh.flags", .desc = "Segment routing: flags", .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX },
    [F_RT_SRH_TAG]   = { .name = "ipv6.routing.srh.tag", .desc = "Segment routing: tag", .type = TRAWL_FT_BYTES },
    [F_RT_SRH_ADDR]  = { .name = "ipv6.routing.srh.addr", .desc = "Segment routing: segment", .type = TRAWL_FT_IPV6 },
    [F_RT_INVALID_LEN] = { .name = "ipv6.routing.invalid_length", .desc = "Routing header length does not fit its type", .type = TRAWL_FT_NONE },
    [F_FRAG_NXT]     = { .name = "ipv6.fraghdr.nxt", .desc = "Fragment header: next header", .type = TRAWL_FT_U8, .names = ipproto_names },
    [F_FRAG_OFFSET]  = { .name = "ipv6.fraghdr.offset", .desc = "Fragment offset (8-byte units)", .type = TRAWL_FT_U16 },
    [F_FRAG_MORE]    = { .name = "ipv6.fraghdr.more", .desc = "More fragments", .type = TRAWL_FT_BOOL },
    [F_FRAG_IDENT]   = { .name = "ipv6.fraghdr.ident", .desc = "Identification", .type = TRAWL_FT_U32, .base = TRAWL_BASE_HEX },
    [F_BOGUS_VERSION] = { .name = "ipv6.bogus_ipv6_version", .desc = "Version is not 6", .type = TRAWL_FT_NONE },
    [F_PLEN_EXCEEDS] = { .name = "ipv6.plen_exceeds_framing", .desc = "Payload length runs past the packet", .type = TRAWL_FT_NONE },
    /* On the frame that completes a datagram: its fragments by offset, each under ipv6.fragment,
     * or under ipv6.fragment.error (followed by what is wrong with it) when it overlapped, ran
     * past the end or ended it differently, as Wireshark lists them. */
    [F_FRAGMENT]     = { .name = "ipv6.fragment", .desc = "Frame of a fragment of the datagram", .type = TRAWL_FT_U32 },
    [F_FRAG_OVERLAP] = { .name = "ipv6.fragment.overlap", .desc = "Fragment overlaps bytes already held (repeats too)", .type = TRAWL_FT_BOOL },
    [F_FRAG_CONFLICT] = { .name = "ipv6.fragment.overlap.conflict", .desc = "Overlapping bytes differ (the first copy was kept)", .type = TRAWL_FT_BOOL },
    [F_FRAG_MULTI_TAILS] = { .name = "ipv6.fragment.multipletails", .desc = "Another final fragment with a different end", .type = TRAWL_FT_BOOL },
    [F_FRAG_TOO_LONG] = { .name = "ipv6.fragment.toolongfragment", .desc = "Fragment runs past the datagram's end (those bytes dropped)", .type = TRAWL_FT_BOOL },
    [F_FRAG_ERROR]   = { .name = "ipv6.fragment.error", .desc = "Frame of a fragment with an error", .type = TRAWL_FT_U32 },
    [F_FRAG_COUNT]   = { .name = "ipv6.fragment.count", .desc = "Fragments that made the datagram", .type = TRAWL_FT_U32 },
    [F_REASM_LEN]    = { .name = "ipv6.reassembled.length", .desc = "Reassembled payload length (after the fragment header)", .type = TRAWL_FT_U32 },
};

struct ipv6_state {
    const struct trawl_proto *proto;
    const struct trawl_table *ip_proto;     /* "ip.proto", declared by the ipv4 plugin */
};

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *ipproto_str(unsigned p)
{
    for (const struct trawl_value_name *n = ipproto_names; n->name; n++)
        if (n->value == p) return n->name;
    return "Unknown";
}

static void add_marker(struct trawl_packet *pkt, unsigned idx)
{
    trawl_tree_push(pkt, idx);
    trawl_tree_pop(pkt);
}

/* Options of a hop-by-hop or destination options header (RFC 8200 section 4.2), in the len
 * bytes the header claims for them (o may hold fewer: reads past it latch); room = the bytes of
 * the datagram present from the options on. Pad1 is one byte, every other option is type, data
 * length, data. An option running past the header latches MALFORMED and ends the options; like
 * tshark (whose decoders read on past the header) the walk of the chain goes on when the
 * option's bytes are there in the datagram, and ends (false) when they are not, as when the
 * options are cut short by the capture. */
static bool dissect_options(struct trawl_packet *pkt, struct trawl_buf *o, uint32_t len, uint32_t room)
{
    uint32_t off = 0;
    while (off < len) {
        /* tshark reads a type and a length byte for every option, Pad1 too: in a header
         * cut short, a last lone byte is not decoded. */
        if (!trawl_buf_need(o, off, trawl_buf_caplen(o) < len ? 2 : 1)) return false;
        uint8_t type = trawl_buf_u8(o, off);
        if (type == 0) {
            trawl_add_uint(pkt, F_OPT_TYPE, type);
            add_marker(pkt, F_OPT_PAD1);
            off++;
            continue;
        }
        if (off + 2 > len) { add_marker(pkt, F_OPT_INVALID_LEN); trawl_buf_mark_malformed(o); return true; }
        if (!trawl_buf_need(o, off + 1, 1)) return false;
        uint8_t dlen = trawl_buf_u8(o, off + 1);
        if ((uint32_t)dlen > len - off - 2) {
            trawl_add_uint(pkt, F_OPT_TYPE, type);
            trawl_add_uint(pkt, F_OPT_LENGTH, dlen);
            add_marker(pkt, F_OPT_INVALID_LEN);
            trawl_buf_mark_malformed(o);
            return (uint64_t)off + 2 + dlen <= room;
        }
        trawl_add_uint(pkt, F_OPT_TYPE, type);
        trawl_add_uint(pkt, F_OPT_LENGTH, dlen);
        if (!trawl_buf_need(o, off + 2, dlen)) return false;   /* cut short */
        switch (type) {
        case 0x01:                                         /* PadN */
            trawl_add_bytes(pkt, F_OPT_PADN, trawl_buf_ptr(o, off + 2, dlen), dlen);
            break;
        case 0x05:                                         /* router alert */
            if (dlen == 2) trawl_add_uint(pkt, F_OPT_RA, trawl_buf_u16be(o, off + 2));
            break;
        case 0xc2:                                         /* jumbo payload */
            if (dlen == 4) trawl_add_uint(pkt, F_OPT_JUMBO, trawl_buf_u32be(o, off + 2));
            break;
        default:
            break;
        }
        off += 2u + dlen;
    }
    return true;
}

/* Is there a jumbo payload option in the hop-by-hop header right after the fixed header?
 * A look without latching or adding anything; returns its length or 0. */
static uint32_t find_jumbo(const struct trawl_buf *b)
{
    if (!trawl_buf_has(b, 40, 2)) return 0;
    uint32_t end = 40 + (trawl_buf_u8(b, 41) + 1u) * 8, off = 42;
    while (off < end && trawl_buf_has(b, off, 1)) {
        uint8_t type = trawl_buf_u8(b, off);
        if (type == 0) { off++; continue; }
        if (!trawl_buf_has(b, off, 2)) return 0;
        uint8_t dlen = trawl_buf_u8(b, off + 1);
        if (type == 0xc2 && dlen == 4 && off + 6 <= end && trawl_buf_has(b, off + 2, 4))
            return trawl_buf_u32be(b, off + 2);
        off += 2u + dlen;
    }
    return 0;
}

/* Routing header (RFC 8200 section 4.4), hdr = the header (its present part). Sets *final_dst to
 * the final destination when the header names one still to be visited (for the DST column).
 * A length that does not fit the type latches MALFORMED; it returns false (the walk ends) when
 * a segment routing header announces more segments than it holds: tshark reads them past the
 * header and stops there. */
static bool dissect_routing(struct trawl_packet *pkt, struct trawl_buf *hdr, const uint8_t **final_dst)
{
    if (!trawl_buf_has(hdr, 0, 3)) return true;      /* cut short: the caller latches */
    uint8_t len8 = trawl_buf_u8(hdr, 1), type = trawl_buf_u8(hdr, 2);
    uint32_t hlen = (len8 + 1u) * 8;                 /* as claimed; reads past hdr latch */
    trawl_add_uint(pkt, F_RT_TYPE, type);
    if (!trawl_buf_has(hdr, 3, 1)) return true;
    uint8_t segleft = trawl_buf_u8(hdr, 3);
    trawl_add_uint(pkt, F_RT_SEGLEFT, segleft);
    switch (type) {
    case 0:                                     /* deprecated source route: len8 / 2 addresses */
        for (uint32_t a = 8; a + 16 <= hlen; a += 16) {
            const uint8_t *p = trawl_buf_ptr(hdr, a, 16);
            if (!p) return true;
            trawl_add_addr(pkt, F_RT_SRC_ADDR, p);
            if (segleft) *final_dst = p;        /* the last one */
        }
        if (len8 & 1) {                         /* half an address: flagged, the walk goes on */
            add_marker(pkt, F_RT_INVALID_LEN);
            trawl_buf_mark_malformed(hdr);
        }
        return true;
    case 2: {                                   /* Mobile IPv6: one home address */
        const uint8_t *p = len8 >= 2 ? trawl_buf_ptr(hdr, 8, 16) : NULL;
        if (p) {
            trawl_add_addr(pkt, F_RT_HOME_ADDR, p);
            if (segleft) *final_dst = p;
        }
        if (len8 != 2) {                        /* flagged, the walk goes on (as tshark) */
            add_marker(pkt, F_RT_INVALID_LEN);
            trawl_buf_mark_malformed(hdr);
        }
        return true;
    }
    case 4: {                                   /* segment routing: list in reverse order */
        if (!trawl_buf_has(hdr, 0, 8)) return true;
        uint8_t last = trawl_buf_u8(hdr, 4);
        trawl_add_uint(pkt, F_RT_SRH_LAST, last);
        trawl_add_uint(pkt, F_RT_SRH_FLAGS, trawl_buf_u8(hdr, 5));
        trawl_add_bytes(pkt, F_RT_SRH_TAG, trawl_buf_ptr(hdr, 6, 2), 2);
        /* The segments the header holds; more announced than it holds is malformed. */
        for (uint32_t i = 0; i <= last && 8 + 16 * (i + 1) <= hlen; i++) {
            const uint8_t *p = trawl_buf_ptr(hdr, 8 + 16 * i, 16);
            if (!p) return true;
            trawl_add_addr(pkt, F_RT_SRH_ADDR, p);
            if (i == 0 && segleft) *final_dst = p;
        }
        if (8u + 16u * ((uint32_t)last + 1) > hlen) break;
        return true;
    }
    default:
        return true;
    }
    /* More segments announced than the header holds. */
    add_marker(pkt, F_RT_INVALID_LEN);
    trawl_buf_mark_malformed(hdr);
    return false;
}

/* The fragments of a datagram just reassembled, as Wireshark shows them on that frame. */
static const struct trawl_defrag_fields frag_fields = {
    F_FRAGMENT, F_FRAG_ERROR, F_FRAG_OVERLAP, F_FRAG_CONFLICT, F_FRAG_MULTI_TAILS, F_FRAG_TOO_LONG,
    F_FRAG_COUNT, F_REASM_LEN,
};

static void set_addr_col(struct trawl_packet *pkt, enum trawl_col c, const uint8_t *a)
{
    char s[INET6_ADDRSTRLEN];
    if (a && inet_ntop(AF_INET6, a, s, sizeof s)) trawl_col_set(pkt, c, "%s", s);
}

/* ---- the dissector ------------------------------------------------------------------------ */

static int ipv6_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    struct ipv6_state *st = state;
    uint32_t given = trawl_buf_len(b);
    if (given == 0) return 0;
    /* The packet an ICMPv6 error quotes is cut on purpose: a long payload length is normal. */
    bool quoted = trawl_packet_in_quote(pkt);
    bool cols = trawl_cols_wanted(pkt);
    if (cols) trawl_col_set(pkt, TRAWL_COL_INFO, "%s", "");   /* a lower layer's text is not ours */
    uint32_t w0 = trawl_buf_u32be(b, 0);
    if (!trawl_buf_ok(b)) {
        /* Fewer than 4 bytes: say what we can. */
        if (trawl_buf_has(b, 0, 1)) trawl_add_uint(pkt, F_VERSION, trawl_buf_u8(b, 0) >> 4);
        return (int)given;
    }
    unsigned version = w0 >> 28;
    trawl_add_uint(pkt, F_VERSION, version);
    if (version != 6) {
        add_marker(pkt, F_BOGUS_VERSION);
        trawl_buf_mark_malformed(b);
        if (cols) trawl_col_set(pkt, TRAWL_COL_INFO, "Bogus IPv6 version (%u, must be 6)", version);
        return (int)given;
    }
    unsigned tclass = (w0 >> 20) & 0xff;
    trawl_add_uint(pkt, F_TCLASS, tclass);
    trawl_add_uint(pkt, F_TCLASS_DSCP, tclass >> 2);
    trawl_add_uint(pkt, F_TCLASS_ECN, tclass & 3);
    trawl_add_uint(pkt, F_FLOW, w0 & 0xfffff);
    /* Fields only when their bytes are there (a snaplen may cut anywhere); tshark reads the
     * payload length and the next header together. */
    if (!trawl_buf_need(b, 4, 3)) return (int)given;
    uint32_t plen = trawl_buf_u16be(b, 4);
    uint8_t nxt = trawl_buf_u8(b, 6);
    trawl_add_uint(pkt, F_PLEN, plen);
    trawl_add_uint(pkt, F_NXT, nxt);
    if (!trawl_buf_need(b, 7, 1)) return (int)given;
    trawl_add_uint(pkt, F_HLIM, trawl_buf_u8(b, 7));
    const uint8_t *src = trawl_buf_ptr(b, 8, 16);
    if (src) {
        trawl_add_addr(pkt, F_SRC, src);
        trawl_add_addr(pkt, F_ADDR, src);
    }
    const uint8_t *dst = trawl_buf_ptr(b, 24, 16);
    if (dst) {
        trawl_add_addr(pkt, F_DST, dst);
        trawl_add_addr(pkt, F_ADDR, dst);
    }
    if (cols) {
        set_addr_col(pkt, TRAWL_COL_SRC, src);
        set_addr_col(pkt, TRAWL_COL_DST, dst);
    }
    if (!src || !dst) return (int)given;

    /* The datagram's view: 40 + payload length. A payload length of 0 in front of a
     * hop-by-hop header carrying a jumbo payload option is a jumbogram (RFC 2675). */
    uint32_t tot = 40 + plen;
    if (plen == 0 && nxt == 0) {
        uint32_t jumbo = find_jumbo(b);
        if (jumbo) tot = jumbo > UINT32_MAX - 40 ? UINT32_MAX : jumbo + 40;
    }
    trawl_packet_set_addrs(pkt, 6, src, dst, tot);   /* for the transport's flow */
    if (tot > given && !quoted) add_marker(pkt, F_PLEN_EXCEEDS);
    struct trawl_buf ip = (quoted && tot > given) ? *b : trawl_buf_sub(b, 0, tot);
    uint32_t used = trawl_buf_len(&ip);   /* ip becomes the reassembled payload after a fragment */

    uint32_t off = 40;
    const uint8_t *final_dst = NULL;
    bool dispatch = true;
    unsigned n;
    for (n = 0; n < MAX_EXT_HEADERS; n++) {
        if (nxt != 0 && nxt != 43 && nxt != 44 && nxt != 60) break;
        if (nxt == 44) {
            /* Fragment header: fixed 8 bytes. */
            if (!trawl_buf_need(&ip, off, 8)) { dispatch = false; break; }
            uint8_t nh = trawl_buf_u8(&ip, off);
            uint16_t ol = trawl_buf_u16be(&ip, off + 2);
            uint32_t ident = trawl_buf_u32be(&ip, off + 4);
            unsigned foff = ol >> 3;
            bool more = ol & 1;
            trawl_add_uint(pkt, F_FRAG_NXT, nh);
            trawl_add_uint(pkt, F_FRAG_OFFSET, foff);
            trawl_add_bool(pkt, F_FRAG_MORE, more);
            trawl_add_uint(pkt, F_FRAG_IDENT, ident);
            off += 8;
            nxt = nh;
            if (foff || more) {
                struct trawl_defrag_result r;
                r.status = TRAWL_DEFRAG_REJECTED;
                if (!quoted) {
                    struct trawl_frag fr = {
                        .family = 6, .proto = nh, .id = ident, .src = src, .dst = dst,
                        .offset = foff * 8u, .more = more, .data = trawl_buf_ptr(&ip, off, 0),
                        .caplen = trawl_buf_avail(&ip, off), .len = trawl_buf_len(&ip) - off,
                    };
                    if (trawl_defrag_add(pkt, &fr, &r) != 0) r.status = TRAWL_DEFRAG_REJECTED;
                }
                if (r.status != TRAWL_DEFRAG_COMPLETE) {
                    if (cols)
                        trawl_col_set(pkt, TRAWL_COL_INFO, "IPv6 fragment (off=%u more=%c ident=0x%08x nxt=%u)",
                                      foff * 8, more ? 'y' : 'n', ident, nh);
                    dispatch = false;
                    break;
                }
                /* Whole: walk on into the reassembled payload (tshark goes on there too). */
                trawl_defrag_add_fields(pkt, &r, &frag_fields);
                trawl_packet_set_addrs(pkt, 6, src, dst, off - 8 + r.len);   /* the whole datagram */
                uint32_t base = ip.base + off;
                ip = trawl_buf_make(r.data, r.len, r.len, b->err);
                ip.base = base;
                off = 0;
                nxt = r.proto;
            }
            continue;
        }
        /* Hop-by-hop (0), routing (43), destination options (60): next header, then the
         * length in 8-byte units not counting the first 8. */
        if (!trawl_buf_need(&ip, off, 2)) { dispatch = false; break; }
        uint8_t nh = trawl_buf_u8(&ip, off), len8 = trawl_buf_u8(&ip, off + 1);
        uint32_t hlen = (len8 + 1u) * 8;
        unsigned fnxt = nxt == 0 ? F_HOP_NXT : nxt == 60 ? F_DST_NXT : F_RT_NXT;
        trawl_add_uint(pkt, fnxt, nh);
        trawl_add_uint(pkt, fnxt + 1, len8);          /* .len follows .nxt in the enum */
        trawl_add_uint(pkt, fnxt + 2, hlen);          /* then .len_oct */
        /* Decode what is there of the header (as tshark does); if it is not all there the
         * walk ends, latching MALFORMED past the datagram or TRUNCATED past the capture. */
        struct trawl_buf hdr = trawl_buf_sub(&ip, off, hlen);
        bool ok;
        if (nxt == 43) {
            ok = dissect_routing(pkt, &hdr, &final_dst);
        } else {
            struct trawl_buf opts = trawl_buf_sub(&hdr, 2, hlen - 2);
            ok = dissect_options(pkt, &opts, hlen - 2, trawl_buf_avail(&ip, off + 2));
        }
        if (!ok || !trawl_buf_need(&hdr, 0, hlen)) { dispatch = false; break; }
        off += hlen;
        nxt = nh;
    }
    if (n == MAX_EXT_HEADERS && (nxt == 0 || nxt == 43 || nxt == 44 || nxt == 60))
        dispatch = false;                           /* a hostile chain: stop */
    if (cols && final_dst) set_addr_col(pkt, TRAWL_COL_DST, final_dst);
    if (!dispatch) return (int)used;

    struct trawl_buf pl = trawl_buf_tail(&ip, off);
    if (cols) {
        if (nxt == 59) trawl_col_set(pkt, TRAWL_COL_INFO, "IPv6 no next header");
        else trawl_col_set(pkt, TRAWL_COL_INFO, "%s (%u)", ipproto_str(nxt), nxt);
    }
    if (nxt != 59 && trawl_buf_len(&pl) > 0 && st->ip_proto) {
        trawl_packet_hint(pkt, TRAWL_HINT_IPV6);
        trawl_dissect_table(pkt, st->ip_proto, nxt, &pl);
    }
    return (int)used;
}

static const struct trawl_proto_def ipv6_def = {
    .name = "ipv6",
    .long_name = "Internet Protocol Version 6",
    .column = "IPv6",
    .fields = fields,
    .nfields = F_COUNT,
    .dissect = ipv6_dissect,
};

/* ---- registration ------------------------------------------------------------------------- */

static int ipv6_init(struct trawl_init *ctx)
{
    struct ipv6_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->proto = trawl_proto_register(ctx, &ipv6_def, st);
    return st->proto ? 0 : TRAWL_EINVAL;
}

static int ipv6_handoff(struct trawl_init *ctx)
{
    struct ipv6_state *st = trawl_init_state(ctx);
    st->ip_proto = trawl_table_find(ctx, "ip.proto");
    if (!st->ip_proto) {
        trawl_init_log(ctx, TRAWL_LOG_WARN, "no \"ip.proto\" table (is the ipv4 plugin loaded?): "
                       "IPv6 payloads will not be decoded");
    } else {
        trawl_table_add(ctx, "ip.proto", 41, st->proto);     /* IPv6 in IP (6in4, 6in6) */
    }
    trawl_table_add(ctx, "ethertype", 0x86dd, st->proto);
    trawl_table_add(ctx, "ppp.protocol", 0x0057, st->proto);
    trawl_table_add(ctx, "gre.proto", 0x86dd, st->proto);
    return 0;
}

static void ipv6_fini(void *state) { free(state); }

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "ipv6", .version = "1.0.0",
    .summary = "Internet Protocol version 6 (RFC 8200): header and extension headers",
    .init = ipv6_init, .handoff = ipv6_handoff, .fini = ipv6_fini);
