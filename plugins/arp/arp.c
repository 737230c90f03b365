/* arp — Address Resolution Protocol and Reverse ARP (ethertypes 0x0806 and 0x8035).
 *
 * Specs: RFC 826 (ARP), RFC 903 (RARP), RFC 2390 (Inverse ARP), RFC 5227 (probes and
 * announcements), RFC 5494 (opcodes).
 *
 *   0       2       4   5   6       8
 *   +-------+-------+---+---+-------+------------+------------+------------+------------+
 *   | hrd   | pro   |hln|pln| op    | sha (hln)  | spa (pln)  | tha (hln)  | tpa (pln)  |
 *   +-------+-------+---+---+-------+------------+------------+------------+------------+
 *
 * Addresses are shown as MAC / IPv4 only for Ethernet-sized hardware (type 1 or 6, 6 bytes)
 * and IPv4-sized protocol addresses (0x0800, 4 bytes); anything else is shown as bytes
 * (arp.src.hw, arp.src.proto, ...), as tshark does. The packet is 8 + 2*hln + 2*pln bytes;
 * what follows is the link layer's padding. The info line follows tshark's wording.
 */
#include <stdio.h>
#include <string.h>
#include <trawl/trawl.h>

#define ARP_HDR 8

enum {
    OP_REQUEST = 1, OP_REPLY = 2, OP_RREQUEST = 3, OP_RREPLY = 4, OP_DRARP_REQUEST = 5,
    OP_DRARP_REPLY = 6, OP_DRARP_ERROR = 7, OP_IREQUEST = 8, OP_IREPLY = 9, OP_NAK = 10,
};

static const struct trawl_value_name hrd_names[] = {
    { 0, "NET/ROM pseudo" }, { 1, "Ethernet" }, { 2, "Experimental Ethernet" },
    { 3, "AX.25" }, { 4, "ProNET" }, { 5, "Chaos" }, { 6, "IEEE 802" }, { 7, "ARCNET" },
    { 8, "Hyperchannel" }, { 9, "Lanstar" }, { 10, "Autonet" }, { 11, "LocalTalk" },
    { 12, "LocalNet" }, { 13, "Ultra link" }, { 14, "SMDS" }, { 15, "Frame Relay" },
    { 16, "ATM" }, { 17, "HDLC" }, { 18, "Fibre Channel" }, { 19, "ATM" }, { 20, "Serial Line" },
    { 21, "ATM" }, { 24, "IEEE 1394.1995" }, { 27, "EUI-64" }, { 32, "InfiniBand" },
    { 0, NULL }
};

static const struct trawl_value_name op_names[] = {
    { 1, "request" }, { 2, "reply" }, { 3, "reverse request" }, { 4, "reverse reply" },
    { 5, "DRARP-Request" }, { 6, "DRARP-Reply" }, { 7, "DRARP-Error" },
    { 8, "inverse request" }, { 9, "inverse reply" }, { 10, "ARP-NAK" }, { 0, NULL }
};

static const struct trawl_value_name pro_names[] = {
    { 0x0800, "IPv4" }, { 0x86dd, "IPv6" }, { 0x00cc, "AX.25 IP" }, { 0, NULL }
};

enum {
    F_HW_TYPE, F_PROTO_TYPE, F_HW_SIZE, F_PROTO_SIZE, F_OPCODE, F_ISGRATUITOUS, F_ISPROBE,
    F_ISANNOUNCEMENT, F_SRC_HW, F_SRC_HW_MAC, F_SRC_PROTO, F_SRC_PROTO_IPV4, F_DST_HW,
    F_DST_HW_MAC, F_DST_PROTO, F_DST_PROTO_IPV4, F_DRARP_ERROR, F_COUNT
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_HW_TYPE]    = { .name = "arp.hw.type", .desc = "Hardware type",
                       .type = TRAWL_FT_U16, .names = hrd_names },
    [F_PROTO_TYPE] = { .name = "arp.proto.type", .desc = "Protocol type",
                       .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX, .names = pro_names },
    [F_HW_SIZE]    = { .name = "arp.hw.size", .desc = "Hardware address size", .type = TRAWL_FT_U8 },
    [F_PROTO_SIZE] = { .name = "arp.proto.size", .desc = "Protocol address size", .type = TRAWL_FT_U8 },
    [F_OPCODE]     = { .name = "arp.opcode", .desc = "Opcode", .type = TRAWL_FT_U16, .names = op_names },
    [F_ISGRATUITOUS]   = { .name = "arp.isgratuitous",
                           .desc = "Gratuitous: sender and target protocol addresses are equal",
                           .type = TRAWL_FT_BOOL },
    [F_ISPROBE]        = { .name = "arp.isprobe", .desc = "ARP probe (RFC 5227): sender address 0",
                           .type = TRAWL_FT_BOOL },
    [F_ISANNOUNCEMENT] = { .name = "arp.isannouncement", .desc = "ARP announcement (RFC 5227)",
                           .type = TRAWL_FT_BOOL },
    [F_SRC_HW]         = { .name = "arp.src.hw", .desc = "Sender hardware address",
                           .type = TRAWL_FT_BYTES },
    [F_SRC_HW_MAC]     = { .name = "arp.src.hw_mac", .desc = "Sender MAC address",
                           .type = TRAWL_FT_ETHER },
    [F_SRC_PROTO]      = { .name = "arp.src.proto", .desc = "Sender protocol address",
                           .type = TRAWL_FT_BYTES },
    [F_SRC_PROTO_IPV4] = { .name = "arp.src.proto_ipv4", .desc = "Sender IP address",
                           .type = TRAWL_FT_IPV4 },
    [F_DST_HW]         = { .name = "arp.dst.hw", .desc = "Target hardware address",
                           .type = TRAWL_FT_BYTES },
    [F_DST_HW_MAC]     = { .name = "arp.dst.hw_mac", .desc = "Target MAC address",
                           .type = TRAWL_FT_ETHER },
    [F_DST_PROTO]      = { .name = "arp.dst.proto", .desc = "Target protocol address",
                           .type = TRAWL_FT_BYTES },
    [F_DST_PROTO_IPV4] = { .name = "arp.dst.proto_ipv4", .desc = "Target IP address",
                           .type = TRAWL_FT_IPV4 },
    [F_DRARP_ERROR]    = { .name = "arp.dst.drarp_error_status", .desc = "DRARP error status",
                           .type = TRAWL_FT_U16 },
};

/* Hardware address text for the info line: a MAC for Ethernet-like hardware, else hex. */
static const char *hw_str(char *out, size_t n, const uint8_t *p, unsigned len, bool ether)
{
    if (len == 0 || !p)
        return "<No address>";
    if (ether) {
        snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4], p[5]);
        return out;
    }
    size_t o = 0;
    for (unsigned i = 0; i < len && o + 3 < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%02x", p[i]);
    return out;
}

static const char *proto_str(char *out, size_t n, const uint8_t *p, unsigned len, bool ipv4)
{
    if (len == 0 || !p)
        return "<No address>";
    if (ipv4) {
        snprintf(out, n, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
        return out;
    }
    return hw_str(out, n, p, len, false);
}

static bool all_zero(const uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void set_info(struct trawl_packet *pkt, uint16_t op, bool ether, bool ipv4,
                     const uint8_t *sha, const uint8_t *spa, const uint8_t *tha,
                     const uint8_t *tpa, unsigned hln, unsigned pln, bool gratuitous,
                     bool probe, bool announcement)
{
    char a[64], c[64];
    switch (op) {
    case OP_REQUEST:
        if (announcement)
            trawl_col_set(pkt, TRAWL_COL_INFO, "ARP Announcement for %s",
                          proto_str(a, sizeof a, tpa, pln, ipv4));
        else if (gratuitous)
            trawl_col_set(pkt, TRAWL_COL_INFO, "Gratuitous ARP for %s (Request)",
                          proto_str(a, sizeof a, tpa, pln, ipv4));
        else if (probe)
            trawl_col_set(pkt, TRAWL_COL_INFO, "Who has %s? (ARP Probe)",
                          proto_str(a, sizeof a, tpa, pln, ipv4));
        else
            trawl_col_set(pkt, TRAWL_COL_INFO, "Who has %s? Tell %s",
                          proto_str(a, sizeof a, tpa, pln, ipv4),
                          proto_str(c, sizeof c, spa, pln, ipv4));
        break;
    case OP_REPLY:
        if (gratuitous)
            trawl_col_set(pkt, TRAWL_COL_INFO, "Gratuitous ARP for %s (Reply)",
                          proto_str(a, sizeof a, spa, pln, ipv4));
        else
            trawl_col_set(pkt, TRAWL_COL_INFO, "%s is at %s",
                          proto_str(a, sizeof a, spa, pln, ipv4),
                          hw_str(c, sizeof c, sha, hln, ether));
        break;
    case OP_RREQUEST: case OP_IREQUEST: case OP_DRARP_REQUEST:
        trawl_col_set(pkt, TRAWL_COL_INFO, "Who is %s? Tell %s",
                      hw_str(a, sizeof a, tha, hln, ether), hw_str(c, sizeof c, sha, hln, ether));
        break;
    case OP_RREPLY: case OP_DRARP_REPLY:
        trawl_col_set(pkt, TRAWL_COL_INFO, "%s is at %s", hw_str(a, sizeof a, tha, hln, ether),
                      proto_str(c, sizeof c, tpa, pln, ipv4));
        break;
    case OP_IREPLY:
        trawl_col_set(pkt, TRAWL_COL_INFO, "%s is at %s", hw_str(a, sizeof a, sha, hln, ether),
                      proto_str(c, sizeof c, spa, pln, ipv4));
        break;
    case OP_DRARP_ERROR:
        trawl_col_set(pkt, TRAWL_COL_INFO, "DRARP Error");
        break;
    case OP_NAK:
        trawl_col_set(pkt, TRAWL_COL_INFO, "ARP NAK");
        break;
    case 0: case 0xffff:
        trawl_col_set(pkt, TRAWL_COL_INFO, "Reserved opcode %u", op);
        break;
    default:
        trawl_col_set(pkt, TRAWL_COL_INFO, "Unknown ARP opcode 0x%04x", op);
        break;
    }
}

static int arp_dissect(struct trawl_packet *pkt, struct trawl_buf *whole, void *state)
{
    if (!trawl_buf_need(whole, 0, ARP_HDR)) {
        /* Keep what the short header has: tshark shows the fields before the cut. */
        if (trawl_buf_has(whole, 0, 2)) trawl_add_uint(pkt, F_HW_TYPE, trawl_buf_u16be(whole, 0));
        if (trawl_buf_has(whole, 2, 2)) trawl_add_uint(pkt, F_PROTO_TYPE, trawl_buf_u16be(whole, 2));
        if (trawl_buf_has(whole, 4, 1)) trawl_add_uint(pkt, F_HW_SIZE, trawl_buf_u8(whole, 4));
        if (trawl_buf_has(whole, 5, 1)) trawl_add_uint(pkt, F_PROTO_SIZE, trawl_buf_u8(whole, 5));
        return (int)(trawl_buf_caplen(whole) ? trawl_buf_caplen(whole) : 1);
    }
    uint16_t hrd = trawl_buf_u16be(whole, 0), pro = trawl_buf_u16be(whole, 2);
    unsigned hln = trawl_buf_u8(whole, 4), pln = trawl_buf_u8(whole, 5);
    uint16_t op = trawl_buf_u16be(whole, 6);
    trawl_add_uint(pkt, F_HW_TYPE, hrd);
    trawl_add_uint(pkt, F_PROTO_TYPE, pro);
    trawl_add_uint(pkt, F_HW_SIZE, hln);
    trawl_add_uint(pkt, F_PROTO_SIZE, pln);
    trawl_add_uint(pkt, F_OPCODE, op);

    /* The ARP packet proper; the rest of the link payload is padding. */
    uint32_t total = ARP_HDR + 2 * hln + 2 * pln;
    struct trawl_buf b = trawl_buf_sub(whole, 0, total);
    uint32_t sha_off = ARP_HDR, spa_off = sha_off + hln, tha_off = spa_off + pln,
             tpa_off = tha_off + hln;
    bool ether = (hrd == 1 || hrd == 6) && hln == 6;
    bool ipv4 = (pro == 0x0800 || pro == 0x00cc) && pln == 4;

    /* Each address is read only when all of it is present (NULL otherwise, latched). */
    const uint8_t *sha = hln ? trawl_buf_ptr(&b, sha_off, hln) : NULL;
    const uint8_t *spa = pln ? trawl_buf_ptr(&b, spa_off, pln) : NULL;
    const uint8_t *tha = hln ? trawl_buf_ptr(&b, tha_off, hln) : NULL;
    const uint8_t *tpa = pln ? trawl_buf_ptr(&b, tpa_off, pln) : NULL;

    bool gratuitous = false, probe = false, announcement = false;
    if ((op == OP_REQUEST || op == OP_REPLY) && spa && tpa) {
        gratuitous = memcmp(spa, tpa, pln) == 0;
        bool tha_zero = tha && hln >= 6 && all_zero(tha, 6);
        if (gratuitous)
            announcement = op == OP_REQUEST && tha_zero;
        else
            probe = op == OP_REQUEST && tha_zero && pln >= 4 && all_zero(spa, 4);
    }
    if (gratuitous) trawl_add_bool(pkt, F_ISGRATUITOUS, true);
    if (probe) trawl_add_bool(pkt, F_ISPROBE, true);
    if (announcement) trawl_add_bool(pkt, F_ISANNOUNCEMENT, true);

    if (sha) {
        if (ether) trawl_add_addr(pkt, F_SRC_HW_MAC, sha);
        else trawl_add_bytes(pkt, F_SRC_HW, sha, hln);
    }
    if (spa) {
        if (ipv4) trawl_add_addr(pkt, F_SRC_PROTO_IPV4, spa);
        else trawl_add_bytes(pkt, F_SRC_PROTO, spa, pln);
    }
    if (tha) {
        if (ether) trawl_add_addr(pkt, F_DST_HW_MAC, tha);
        else trawl_add_bytes(pkt, F_DST_HW, tha, hln);
    }
    if (op == OP_DRARP_ERROR) {
        if (pln && trawl_buf_has(&b, tpa_off, 1))
            trawl_add_uint(pkt, F_DRARP_ERROR, trawl_buf_u8(&b, tpa_off));
    } else if (tpa) {
        if (ipv4) trawl_add_addr(pkt, F_DST_PROTO_IPV4, tpa);
        else trawl_add_bytes(pkt, F_DST_PROTO, tpa, pln);
    }

    if (trawl_cols_wanted(pkt))
        set_info(pkt, op, ether, ipv4, sha, spa, tha, tpa, hln, pln, gratuitous, probe,
                 announcement);
    return (int)trawl_buf_len(&b);
}

static const struct trawl_proto_def arp_def = {
    .name = "arp", .long_name = "Address Resolution Protocol", .column = "ARP",
    .fields = fields, .nfields = F_COUNT, .dissect = arp_dissect,
};

static int arp_init(struct trawl_init *ctx)
{
    const struct trawl_proto *p = trawl_proto_register(ctx, &arp_def, NULL);
    if (!p)
        return TRAWL_EPLUGIN;
    trawl_init_set_state(ctx, (void *)p);
    return TRAWL_OK;
}

static int arp_handoff(struct trawl_init *ctx)
{
    const struct trawl_proto *p = trawl_init_state(ctx);
    if (!trawl_table_find(ctx, "ethertype")) {
        trawl_init_log(ctx, TRAWL_LOG_WARN, "no \"ethertype\" table (eth plugin missing?)");
        return TRAWL_OK;
    }
    trawl_table_add(ctx, "ethertype", 0x0806, p);
    trawl_table_add(ctx, "ethertype", 0x8035, p);   /* RARP uses the same format */
    return TRAWL_OK;
}

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "arp", .version = "1.0.0",
    .summary = "Address Resolution Protocol and RARP (RFC 826, RFC 903)",
    .init = arp_init, .handoff = arp_handoff);
