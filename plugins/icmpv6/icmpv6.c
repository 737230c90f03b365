/* icmpv6.c — ICMP for IPv6: errors (with the quoted packet), echo, neighbor discovery, MLD.
 * RFC 4443 (ICMPv6), RFC 4861 (neighbor discovery: RS, RA, NS, NA, redirect, options),
 * RFC 8106 (RDNSS option), RFC 2710 (MLD), RFC 3810 (MLDv2 query and report).
 *
 *    0                   1                   2                   3
 *   +---------------+---------------+-------------------------------+
 *   |     Type      |     Code      |          Checksum             |
 *   +---------------+---------------+-------------------------------+
 *   |                         Message body                          |
 *
 * Errors (1 to 4) quote as much of the offending packet as fits: dissected with the "ipv6"
 * dissector as a quotation (trawl_dissect_quote), as tshark does (ipv6.src shows "outer,inner").
 * The quoted layers know it: they accept the cut, the columns are ours, and a cut quote is not an
 * error of the packet; our protocol column is set after the quote, so it stays. ND options are
 * TLVs in 8-byte units: a length of 0 or one running past the message latches MALFORMED and ends
 * the walk. The checksum is not verified (it covers an IPv6 pseudo-header we do not see).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <trawl/trawl.h>

enum {
    F_TYPE, F_CODE, F_CHECKSUM, F_MTU, F_POINTER, F_ECHO_ID, F_ECHO_SEQ,
    F_RA_HOP_LIMIT, F_RA_FLAG, F_RA_LIFETIME, F_RA_REACHABLE, F_RA_RETRANS,
    F_NS_TARGET, F_NA_FLAG, F_NA_FLAG_R, F_NA_FLAG_S, F_NA_FLAG_O, F_NA_TARGET,
    F_RD_TARGET, F_RD_DEST,
    F_OPT_TYPE, F_OPT_LENGTH, F_OPT_LINKADDR, F_OPT_SRC_LINKADDR, F_OPT_TARGET_LINKADDR,
    F_OPT_PREFIX_LEN, F_OPT_PREFIX_FLAG, F_OPT_PREFIX_VALID, F_OPT_PREFIX_PREFERRED, F_OPT_PREFIX,
    F_OPT_MTU, F_OPT_RDNSS_LIFETIME, F_OPT_RDNSS, F_OPT_INVALID_LEN,
    F_MLD_MAX_DELAY, F_MLD_MCAST, F_MLD_MAX_CODE, F_MLD_FLAG, F_MLD_QQI, F_MLD_NB_SOURCES,
    F_MLD_SOURCE, F_MLDR_NB_RECORDS, F_MLDR_REC_TYPE, F_MLDR_AUX_LEN, F_MLDR_NB_SOURCES,
    F_MLDR_MCAST, F_MLDR_SOURCE,
    F_COUNT
};

static const struct trawl_value_name type_names[] = {
    { 1, "Destination Unreachable" }, { 2, "Packet Too Big" }, { 3, "Time Exceeded" },
    { 4, "Parameter Problem" }, { 100, "Private experimentation" }, { 101, "Private experimentation" },
    { 127, "Reserved for expansion of ICMPv6 error messages" },
    { 128, "Echo (ping) request" }, { 129, "Echo (ping) reply" },
    { 130, "Multicast Listener Query" }, { 131, "Multicast Listener Report" },
    { 132, "Multicast Listener Done" }, { 133, "Router Solicitation" },
    { 134, "Router Advertisement" }, { 135, "Neighbor Solicitation" },
    { 136, "Neighbor Advertisement" }, { 137, "Redirect" }, { 138, "Router Renumbering" },
    { 139, "Node Information Query" }, { 140, "Node Information Reply" },
    { 141, "Inverse Neighbor Discovery Solicitation" },
    { 142, "Inverse Neighbor Discovery Advertisement" },
    { 143, "Multicast Listener Report Message v2" },
    { 144, "Home Agent Address Discovery Request" }, { 145, "Home Agent Address Discovery Reply" },
    { 146, "Mobile Prefix Solicitation" }, { 147, "Mobile Prefix Advertisement" },
    { 148, "Certification Path Solicitation" }, { 149, "Certification Path Advertisement" },
    { 150, "Experimental Mobility" }, { 151, "Multicast Router Advertisement" },
    { 152, "Multicast Router Solicitation" }, { 153, "Multicast Router Termination" },
    { 154, "FMIPv6" }, { 155, "RPL Control" }, { 156, "Locator Update" },
    { 157, "Duplicate Address Request" }, { 158, "Duplicate Address Confirmation" },
    { 159, "MPL Control Message" }, { 160, "Extended Echo request" }, { 161, "Extended Echo reply" },
    { 200, "Private experimentation" }, { 201, "Private experimentation" },
    { 255, "Reserved for expansion of ICMPv6 informational messages" }, { 0, NULL },
};

static const struct trawl_value_name unreach_codes[] = {
    { 0, "no route to destination" }, { 1, "Administratively prohibited" },
    { 2, "Beyond scope of source address" }, { 3, "Address unreachable" },
    { 4, "Port unreachable" }, { 5, "Source address failed ingress/egress policy" },
    { 6, "Reject route to destination" }, { 7, "Error in Source Routing Header" },
    { 8, "Headers too long" }, { 0, NULL },
};
static const struct trawl_value_name timeex_codes[] = {
    { 0, "hop limit exceeded in transit" }, { 1, "fragment reassembly time exceeded" }, { 0, NULL },
};
static const struct trawl_value_name param_codes[] = {
    { 0, "erroneous header field encountered" }, { 1, "unrecognized Next Header type encountered" },
    { 2, "unrecognized IPv6 option encountered" },
    { 3, "IPv6 First Fragment has incomplete IPv6 Header Chain" }, { 0, NULL },
};

static const struct trawl_value_name opt_names[] = {
    { 1, "Source link-layer address" }, { 2, "Target link-layer address" },
    { 3, "Prefix information" }, { 4, "Redirected header" }, { 5, "MTU" },
    { 14, "Nonce" }, { 24, "Route Information" }, { 25, "Recursive DNS Server" },
    { 31, "DNS Search List" }, { 37, "Captive-Portal" }, { 38, "PREF64" }, { 0, NULL },
};

static const struct trawl_value_name mldr_rec_names[] = {
    { 1, "Mode Is Include" }, { 2, "Mode Is Exclude" }, { 3, "Change To Include Mode" },
    { 4, "Change To Exclude Mode" }, { 5, "Allow New Sources" }, { 6, "Block Old Sources" },
    { 0, NULL },
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_TYPE]          = { .name = "icmpv6.type", .desc = "Type", .type = TRAWL_FT_U8, .names = type_names },
    [F_CODE]          = { .name = "icmpv6.code", .desc = "Code", .type = TRAWL_FT_U8 },
    [F_CHECKSUM]      = { .name = "icmpv6.checksum", .desc = "Checksum (not verified)", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_MTU]           = { .name = "icmpv6.mtu", .desc = "MTU (packet too big)", .type = TRAWL_FT_U32 },
    [F_POINTER]       = { .name = "icmpv6.pointer", .desc = "Pointer (parameter problem)", .type = TRAWL_FT_U32 },
    [F_ECHO_ID]       = { .name = "icmpv6.echo.identifier", .desc = "Echo identifier", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_ECHO_SEQ]      = { .name = "icmpv6.echo.sequence_number", .desc = "Echo sequence number", .type = TRAWL_FT_U16 },
    [F_RA_HOP_LIMIT]  = { .name = "icmpv6.nd.ra.cur_hop_limit", .desc = "RA: current hop limit", .type = TRAWL_FT_U8 },
    [F_RA_FLAG]       = { .name = "icmpv6.nd.ra.flag", .desc = "RA: flags (M, O, H, Prf, P)", .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX },
    [F_RA_LIFETIME]   = { .name = "icmpv6.nd.ra.router_lifetime", .desc = "RA: router lifetime (s)", .type = TRAWL_FT_U16 },
    [F_RA_REACHABLE]  = { .name = "icmpv6.nd.ra.reachable_time", .desc = "RA: reachable time (ms)", .type = TRAWL_FT_U32 },
    [F_RA_RETRANS]    = { .name = "icmpv6.nd.ra.retrans_timer", .desc = "RA: retransmission timer (ms)", .type = TRAWL_FT_U32 },
    [F_NS_TARGET]     = { .name = "icmpv6.nd.ns.target_address", .desc = "NS: target address", .type = TRAWL_FT_IPV6 },
    [F_NA_FLAG]       = { .name = "icmpv6.nd.na.flag", .desc = "NA: flags word", .type = TRAWL_FT_U32, .base = TRAWL_BASE_HEX },
    [F_NA_FLAG_R]     = { .name = "icmpv6.nd.na.flag.r", .desc = "NA: router", .type = TRAWL_FT_BOOL, .mask = 0x80000000u },
    [F_NA_FLAG_S]     = { .name = "icmpv6.nd.na.flag.s", .desc = "NA: solicited", .type = TRAWL_FT_BOOL, .mask = 0x40000000u },
    [F_NA_FLAG_O]     = { .name = "icmpv6.nd.na.flag.o", .desc = "NA: override", .type = TRAWL_FT_BOOL, .mask = 0x20000000u },
    [F_NA_TARGET]     = { .name = "icmpv6.nd.na.target_address", .desc = "NA: target address", .type = TRAWL_FT_IPV6 },
    [F_RD_TARGET]     = { .name = "icmpv6.nd.rd.target_address", .desc = "Redirect: target address", .type = TRAWL_FT_IPV6 },
    [F_RD_DEST]       = { .name = "icmpv6.rd.na.destination_address", .desc = "Redirect: destination address", .type = TRAWL_FT_IPV6 },
    [F_OPT_TYPE]      = { .name = "icmpv6.opt.type", .desc = "ND option type", .type = TRAWL_FT_U8, .names = opt_names },
    [F_OPT_LENGTH]    = { .name = "icmpv6.opt.length", .desc = "ND option length (8-byte units)", .type = TRAWL_FT_U8 },
    [F_OPT_LINKADDR]  = { .name = "icmpv6.opt.linkaddr", .desc = "Link-layer address (6 bytes)", .type = TRAWL_FT_ETHER },
    [F_OPT_SRC_LINKADDR] = { .name = "icmpv6.opt.src_linkaddr", .desc = "Source link-layer address (6 bytes)", .type = TRAWL_FT_ETHER },
    [F_OPT_TARGET_LINKADDR] = { .name = "icmpv6.opt.target_linkaddr", .desc = "Target link-layer address (6 bytes)", .type = TRAWL_FT_ETHER },
    [F_OPT_PREFIX_LEN] = { .name = "icmpv6.opt.prefix.length", .desc = "Prefix length", .type = TRAWL_FT_U8 },
    [F_OPT_PREFIX_FLAG] = { .name = "icmpv6.opt.prefix.flag", .desc = "Prefix flags (L, A, R)", .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX },
    [F_OPT_PREFIX_VALID] = { .name = "icmpv6.opt.prefix.valid_lifetime", .desc = "Prefix valid lifetime (s)", .type = TRAWL_FT_U32 },
    [F_OPT_PREFIX_PREFERRED] = { .name = "icmpv6.opt.prefix.preferred_lifetime", .desc = "Prefix preferred lifetime (s)", .type = TRAWL_FT_U32 },
    [F_OPT_PREFIX]    = { .name = "icmpv6.opt.prefix", .desc = "Prefix", .type = TRAWL_FT_IPV6 },
    [F_OPT_MTU]       = { .name = "icmpv6.opt.mtu", .desc = "MTU option", .type = TRAWL_FT_U32 },
    [F_OPT_RDNSS_LIFETIME] = { .name = "icmpv6.opt.rdnss.lifetime", .desc = "RDNSS lifetime (s)", .type = TRAWL_FT_U32 },
    [F_OPT_RDNSS]     = { .name = "icmpv6.opt.rdnss", .desc = "Recursive DNS server", .type = TRAWL_FT_IPV6 },
    [F_OPT_INVALID_LEN] = { .name = "icmpv6.invalid_option_length", .desc = "Option length 0 or past the message", .type = TRAWL_FT_NONE },
    [F_MLD_MAX_DELAY] = { .name = "icmpv6.mld.maximum_response_delay", .desc = "MLDv1: maximum response delay (ms)", .type = TRAWL_FT_U16 },
    [F_MLD_MCAST]     = { .name = "icmpv6.mld.multicast_address", .desc = "MLD: multicast address", .type = TRAWL_FT_IPV6 },
    [F_MLD_MAX_CODE]  = { .name = "icmpv6.mld.maximum_response_code", .desc = "MLDv2 query: maximum response code", .type = TRAWL_FT_U16 },
    [F_MLD_FLAG]      = { .name = "icmpv6.mld.flag", .desc = "MLDv2 query: flags (S, QRV)", .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX },
    [F_MLD_QQI]       = { .name = "icmpv6.mld.qqi", .desc = "MLDv2 query: querier's query interval code", .type = TRAWL_FT_U8 },
    [F_MLD_NB_SOURCES] = { .name = "icmpv6.mld.nb_sources", .desc = "MLDv2 query: number of sources", .type = TRAWL_FT_U16 },
    [F_MLD_SOURCE]    = { .name = "icmpv6.mld.source_address", .desc = "MLDv2 query: source address", .type = TRAWL_FT_IPV6 },
    [F_MLDR_NB_RECORDS] = { .name = "icmpv6.mldr.nb_mcast_records", .desc = "MLDv2 report: number of records", .type = TRAWL_FT_U16 },
    [F_MLDR_REC_TYPE] = { .name = "icmpv6.mldr.mar.record_type", .desc = "MLDv2 record type", .type = TRAWL_FT_U8, .names = mldr_rec_names },
    [F_MLDR_AUX_LEN]  = { .name = "icmpv6.mldr.mar.aux_data_len", .desc = "MLDv2 record: aux data length (32-bit words)", .type = TRAWL_FT_U8 },
    [F_MLDR_NB_SOURCES] = { .name = "icmpv6.mldr.mar.nb_sources", .desc = "MLDv2 record: number of sources", .type = TRAWL_FT_U16 },
    [F_MLDR_MCAST]    = { .name = "icmpv6.mldr.mar.multicast_address", .desc = "MLDv2 record: multicast address", .type = TRAWL_FT_IPV6 },
    [F_MLDR_SOURCE]   = { .name = "icmpv6.mldr.mar.source_address", .desc = "MLDv2 record: source address", .type = TRAWL_FT_IPV6 },
};

struct icmpv6_state {
    const struct trawl_proto *proto;
    const struct trawl_proto *ipv6;         /* for the quoted packet of errors */
};

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *vname(const struct trawl_value_name *t, unsigned v)
{
    for (; t->name; t++)
        if (t->value == v) return t->name;
    return NULL;
}

static void add_marker(struct trawl_packet *pkt, unsigned idx)
{
    trawl_tree_push(pkt, idx);
    trawl_tree_pop(pkt);
}

/* The hop limit of the IPv6 header carrying us (the last ipv6 layer before ours), or -1: for
 * the info column of echoes. Call it before adding layers (ours is then the last). */
static int carrier_hop_limit(const struct trawl_packet *pkt, const struct icmpv6_state *st)
{
    size_t n;
    const struct trawl_layer *l = trawl_packet_layers(pkt, &n);
    for (size_t i = n ? n - 1 : 0; i-- > 0;) {
        if (!l[i].proto || l[i].proto != st->ipv6) continue;
        const struct trawl_frame *f = trawl_packet_frame(pkt);
        uint8_t latch = 0;
        struct trawl_buf fb = trawl_buf_make(trawl_packet_data(pkt), f->caplen, f->len, &latch);
        struct trawl_buf h = trawl_buf_tail(&fb, l[i].offset);
        return trawl_buf_has(&h, 7, 1) ? trawl_buf_u8(&h, 7) : -1;
    }
    return -1;
}

static void ip6_str(const uint8_t *a, char *out, size_t cap)
{
    if (!a || !inet_ntop(AF_INET6, a, out, (socklen_t)cap)) snprintf(out, cap, "?");
}

/* ND options (RFC 4861 section 4.6) from off to the end of b. */
static void dissect_nd_options(struct trawl_packet *pkt, struct trawl_buf *b, uint32_t off, bool cols)
{
    uint32_t len = trawl_buf_len(b);
    while (off < len) {
        if (!trawl_buf_need(b, off, 2)) return;
        uint8_t type = trawl_buf_u8(b, off), units = trawl_buf_u8(b, off + 1);
        uint32_t olen = units * 8u;
        trawl_add_uint(pkt, F_OPT_TYPE, type);
        trawl_add_uint(pkt, F_OPT_LENGTH, units);
        if (olen == 0 || olen > len - off) {
            add_marker(pkt, F_OPT_INVALID_LEN);
            trawl_buf_mark_malformed(b);
            return;
        }
        if (!trawl_buf_need(b, off, olen)) return;      /* cut by the snaplen */
        switch (type) {
        case 1: case 2:                                  /* source / target link-layer address */
            if (olen == 8) {
                const uint8_t *mac = trawl_buf_ptr(b, off + 2, 6);
                trawl_add_addr(pkt, F_OPT_LINKADDR, mac);
                trawl_add_addr(pkt, type == 1 ? F_OPT_SRC_LINKADDR : F_OPT_TARGET_LINKADDR, mac);
                if (cols)
                    trawl_col_append(pkt, TRAWL_COL_INFO, "%s %02x:%02x:%02x:%02x:%02x:%02x",
                                     type == 1 ? " from" : " is at",
                                     mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
            }
            break;
        case 3:                                          /* prefix information */
            if (olen == 32) {
                trawl_add_uint(pkt, F_OPT_PREFIX_LEN, trawl_buf_u8(b, off + 2));
                trawl_add_uint(pkt, F_OPT_PREFIX_FLAG, trawl_buf_u8(b, off + 3));
                trawl_add_uint(pkt, F_OPT_PREFIX_VALID, trawl_buf_u32be(b, off + 4));
                trawl_add_uint(pkt, F_OPT_PREFIX_PREFERRED, trawl_buf_u32be(b, off + 8));
                trawl_add_addr(pkt, F_OPT_PREFIX, trawl_buf_ptr(b, off + 16, 16));
            }
            break;
        case 5:                                          /* MTU */
            if (olen == 8) trawl_add_uint(pkt, F_OPT_MTU, trawl_buf_u32be(b, off + 4));
            break;
        case 25:                                         /* recursive DNS servers */
            if (olen >= 24) {
                trawl_add_uint(pkt, F_OPT_RDNSS_LIFETIME, trawl_buf_u32be(b, off + 4));
                for (uint32_t a = 8; a + 16 <= olen; a += 16)
                    trawl_add_addr(pkt, F_OPT_RDNSS, trawl_buf_ptr(b, off + a, 16));
            }
            break;
        default:
            break;
        }
        off += olen;
    }
}

/* MLDv2 report (RFC 3810 section 5.2): records of type, aux length, source count, group,
 * sources, aux data. Counts come from the packet: every step is bounds-checked. */
static void dissect_mldv2_report(struct trawl_packet *pkt, struct trawl_buf *b)
{
    if (!trawl_buf_need(b, 6, 2)) return;
    uint16_t nrec = trawl_buf_u16be(b, 6);
    trawl_add_uint(pkt, F_MLDR_NB_RECORDS, nrec);
    uint32_t off = 8;
    for (unsigned r = 0; r < nrec; r++) {
        if (!trawl_buf_need(b, off, 20)) return;
        uint8_t aux = trawl_buf_u8(b, off + 1);
        uint16_t nsrc = trawl_buf_u16be(b, off + 2);
        trawl_add_uint(pkt, F_MLDR_REC_TYPE, trawl_buf_u8(b, off));
        trawl_add_uint(pkt, F_MLDR_AUX_LEN, aux);
        trawl_add_uint(pkt, F_MLDR_NB_SOURCES, nsrc);
        trawl_add_addr(pkt, F_MLDR_MCAST, trawl_buf_ptr(b, off + 4, 16));
        off += 20;
        for (unsigned s = 0; s < nsrc; s++, off += 16) {
            const uint8_t *a = trawl_buf_ptr(b, off, 16);
            if (!a) return;
            trawl_add_addr(pkt, F_MLDR_SOURCE, a);
        }
        off += aux * 4u;
    }
}

/* ---- the dissector ------------------------------------------------------------------------ */

static int icmpv6_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    struct icmpv6_state *st = state;
    uint32_t len = trawl_buf_len(b);
    if (len == 0) return 0;
    bool cols = trawl_cols_wanted(pkt);             /* not in a quote: the quoting layer's */
    if (!trawl_buf_need(b, 0, 1)) return (int)len;
    uint8_t type = trawl_buf_u8(b, 0);
    trawl_add_uint(pkt, F_TYPE, type);
    if (!trawl_buf_need(b, 1, 1)) return (int)len;
    uint8_t code = trawl_buf_u8(b, 1);
    trawl_add_uint(pkt, F_CODE, code);
    /* Its flow (type and code as ports; a request and its reply share one). */
    if (!trawl_packet_in_quote(pkt) && !(trawl_packet_hints(pkt) & TRAWL_HINT_FRAGMENT) &&
        trawl_flow_get(pkt, 58, type, code))
        trawl_flow_add_payload(pkt, len >= 8 ? len - 8 : 0);
    if (trawl_buf_need(b, 2, 2)) trawl_add_uint(pkt, F_CHECKSUM, trawl_buf_u16be(b, 2));

    /* The info column is built in a local buffer and set at the end (the ND options then
     * append their link-layer addresses). */
    char info[256];
    size_t at = 0;
#define INFO(...) do { if (cols && at < sizeof info) \
        at += (size_t)snprintf(info + at, sizeof info - at, __VA_ARGS__); } while (0)
    const char *tn = vname(type_names, type);
    if (tn) INFO("%s", tn);
    else INFO("Unknown (%u)", type);
    const struct trawl_value_name *codes = type == 1 ? unreach_codes : type == 3 ? timeex_codes :
                                           type == 4 ? param_codes : NULL;
    if (codes) {
        const char *cs = vname(codes, code);
        if (cs) INFO(" (%s)", cs);
        else INFO(" (Unknown (%u))", code);
    }
    char a6[INET6_ADDRSTRLEN];

    switch (type) {
    case 1: case 2: case 3: case 4:
        if (!trawl_buf_need(b, 4, 4)) break;
        if (type == 2) trawl_add_uint(pkt, F_MTU, trawl_buf_u32be(b, 4));
        if (type == 4) trawl_add_uint(pkt, F_POINTER, trawl_buf_u32be(b, 4));
        if (len > 8 && st->ipv6) {
            struct trawl_buf q = trawl_buf_tail(b, 8);
            trawl_dissect_quote(pkt, st->ipv6, &q);
        }
        break;
    case 128: case 129: {
        if (!trawl_buf_need(b, 4, 4)) break;
        uint16_t id = trawl_buf_u16be(b, 4), seq = trawl_buf_u16be(b, 6);
        trawl_add_uint(pkt, F_ECHO_ID, id);
        trawl_add_uint(pkt, F_ECHO_SEQ, seq);
        INFO(" id=0x%04x, seq=%u", id, seq);
        int hl = cols ? carrier_hop_limit(pkt, st) : -1;   /* no layer added since we started */
        if (hl >= 0) INFO(", hop limit=%d", hl);
        break;
    }
    case 130: case 131: case 132:
        if (!trawl_buf_need(b, 4, 20)) break;
        if (type == 130 && len >= 28) {              /* MLDv2 query */
            trawl_add_uint(pkt, F_MLD_MAX_CODE, trawl_buf_u16be(b, 4));
            trawl_add_addr(pkt, F_MLD_MCAST, trawl_buf_ptr(b, 8, 16));
            if (!trawl_buf_need(b, 24, 4)) break;
            trawl_add_uint(pkt, F_MLD_FLAG, trawl_buf_u8(b, 24));
            trawl_add_uint(pkt, F_MLD_QQI, trawl_buf_u8(b, 25));
            uint16_t nsrc = trawl_buf_u16be(b, 26);
            trawl_add_uint(pkt, F_MLD_NB_SOURCES, nsrc);
            for (uint32_t s = 0; s < nsrc; s++) {
                const uint8_t *a = trawl_buf_ptr(b, 28 + 16 * s, 16);
                if (!a) break;
                trawl_add_addr(pkt, F_MLD_SOURCE, a);
            }
        } else {
            trawl_add_uint(pkt, F_MLD_MAX_DELAY, trawl_buf_u16be(b, 4));
            trawl_add_addr(pkt, F_MLD_MCAST, trawl_buf_ptr(b, 8, 16));
        }
        break;
    case 143:
        dissect_mldv2_report(pkt, b);
        break;
    case 134:
        if (!trawl_buf_need(b, 4, 12)) break;
        trawl_add_uint(pkt, F_RA_HOP_LIMIT, trawl_buf_u8(b, 4));
        trawl_add_uint(pkt, F_RA_FLAG, trawl_buf_u8(b, 5));
        trawl_add_uint(pkt, F_RA_LIFETIME, trawl_buf_u16be(b, 6));
        trawl_add_uint(pkt, F_RA_REACHABLE, trawl_buf_u32be(b, 8));
        trawl_add_uint(pkt, F_RA_RETRANS, trawl_buf_u32be(b, 12));
        break;
    case 135: {
        if (!trawl_buf_need(b, 4, 20)) break;
        const uint8_t *t = trawl_buf_ptr(b, 8, 16);
        trawl_add_addr(pkt, F_NS_TARGET, t);
        ip6_str(t, a6, sizeof a6);
        INFO(" for %s", a6);
        break;
    }
    case 136: {
        if (!trawl_buf_need(b, 4, 20)) break;
        uint32_t fl = trawl_buf_u32be(b, 4);
        trawl_add_uint(pkt, F_NA_FLAG, fl);
        trawl_add_bool(pkt, F_NA_FLAG_R, fl & 0x80000000u);
        trawl_add_bool(pkt, F_NA_FLAG_S, fl & 0x40000000u);
        trawl_add_bool(pkt, F_NA_FLAG_O, fl & 0x20000000u);
        const uint8_t *t = trawl_buf_ptr(b, 8, 16);
        trawl_add_addr(pkt, F_NA_TARGET, t);
        ip6_str(t, a6, sizeof a6);
        INFO(" %s", a6);
        {
            static const char *const names[] = { "rtr", "sol", "ovr" };
            char fs[16] = "none";
            size_t k = 0;
            for (unsigned i = 0; i < 3; i++)
                if (fl & (0x80000000u >> i))
                    k += (size_t)snprintf(fs + k, sizeof fs - k, "%s%s", k ? ", " : "", names[i]);
            INFO(" (%s)", fs);
        }
        break;
    }
    case 137:
        if (!trawl_buf_need(b, 4, 36)) break;
        trawl_add_addr(pkt, F_RD_TARGET, trawl_buf_ptr(b, 8, 16));
        trawl_add_addr(pkt, F_RD_DEST, trawl_buf_ptr(b, 24, 16));
        break;
    default:
        break;
    }

    /* Neighbor discovery messages end with options; their info text goes to the column. */
    uint32_t opt_at = type == 133 ? 8 : type == 134 ? 16 : type == 135 || type == 136 ? 24 :
                      type == 137 ? 40 : 0;
    if (cols) {
        trawl_col_set(pkt, TRAWL_COL_INFO, "%s", info);
        trawl_col_set(pkt, TRAWL_COL_PROTOCOL, "ICMPv6");   /* after any quoted packet */
    }
    if (opt_at && len > opt_at) dissect_nd_options(pkt, b, opt_at, cols);
#undef INFO
    return (int)len;
}

static const struct trawl_proto_def icmpv6_def = {
    .name = "icmpv6",
    .long_name = "Internet Control Message Protocol v6",
    .column = "ICMPv6",
    .fields = fields,
    .nfields = F_COUNT,
    .dissect = icmpv6_dissect,
};

/* ---- registration ------------------------------------------------------------------------- */

static int icmpv6_init(struct trawl_init *ctx)
{
    struct icmpv6_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->proto = trawl_proto_register(ctx, &icmpv6_def, st);
    return st->proto ? 0 : TRAWL_EINVAL;
}

static int icmpv6_handoff(struct trawl_init *ctx)
{
    struct icmpv6_state *st = trawl_init_state(ctx);
    st->ipv6 = trawl_proto_find(ctx, "ipv6");
    if (!trawl_table_find(ctx, "ip.proto")) {
        trawl_init_log(ctx, TRAWL_LOG_WARN, "no \"ip.proto\" table (is the ipv4 plugin loaded?)");
        return 0;
    }
    trawl_table_add(ctx, "ip.proto", 58, st->proto);
    return 0;
}

static void icmpv6_fini(void *state) { free(state); }

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "icmpv6", .version = "1.0.0",
    .summary = "ICMP for IPv6 (RFC 4443), neighbor discovery (RFC 4861), MLD (RFC 2710, RFC 3810)",
    .init = icmpv6_init, .handoff = icmpv6_handoff, .fini = icmpv6_fini);
