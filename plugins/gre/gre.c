/* gre — Generic Routing Encapsulation (IP protocol 47), including PPTP's enhanced GRE.
 *
 * Specs: RFC 2784 (GRE), RFC 2890 (key and sequence number), RFC 1701 (routing, recursion,
 * strict source route), RFC 2637 section 4.1 (enhanced GRE, version 1: key = payload length +
 * call id, optional acknowledgment number).
 *
 *   0                   1                   2                   3
 *   +-+-+-+-+-+-----+---------+-----+-------------------------------+
 *   |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
 *   +-+-+-+-+-+-----+---------+-----+-------------------------------+
 *   | Checksum (C or R)             | Offset (C or R)               |
 *   | Key (K)  — v1: payload length | call id                       |
 *   | Sequence number (S)                                           |
 *   | Acknowledgment number (v1, A)                                 |
 *   | Routing (R): SREs of af(2) offset(1) length(1) data, ended by af 0 / length 0
 *   +---------------------------------------------------------------+
 *
 * The protocol type is an ethertype. The "gre.proto" table is declared here for types that
 * are not ethertypes in Ethernet (0x880b PPP, 0x6558 transparent Ethernet bridging, ...);
 * a type nobody put there is looked up in the "ethertype" table (IPv4, IPv6, MPLS, ...).
 * Checksums are shown, not verified.
 */
#include <stdlib.h>
#include <trawl/trawl.h>

#define IPPROTO_GRE 47

#define GRE_C   0x8000
#define GRE_R   0x4000
#define GRE_K   0x2000
#define GRE_S   0x1000
#define GRE_SSR 0x0800
#define GRE_A   0x0080
#define GRE_REC 0x0700
#define GRE_RES 0x0078
#define GRE_VER 0x0007

struct gre_state {
    const struct trawl_table *gre, *ethertype;
};

static const struct trawl_value_name type_names[] = {
    { 0x0800, "IP" }, { 0x0806, "ARP" }, { 0x86dd, "IPv6" }, { 0x880b, "PPP" },
    { 0x6558, "Transparent Ethernet bridging" }, { 0x8847, "MPLS label switched packet" },
    { 0x8848, "MPLS multicast label switched packet" }, { 0x88be, "ERSPAN" },
    { 0x883e, "WCCP" }, { 0x22eb, "ERSPAN III" }, { 0x0001, "HDLC" }, { 0x8100, "802.1Q" },
    { 0, NULL }
};

static const struct trawl_value_name version_names[] = {
    { 0, "GRE" }, { 1, "Enhanced GRE" }, { 0, NULL }
};

enum {
    F_FLAGS_AND_VERSION, F_CHECKSUM_BIT, F_ROUTING_BIT, F_KEY_BIT, F_SEQ_BIT, F_SSR_BIT,
    F_RECURSION, F_ACK_BIT, F_RESERVED, F_VERSION, F_PROTO, F_CHECKSUM, F_OFFSET, F_KEY,
    F_PAYLOAD_LENGTH, F_CALL_ID, F_SEQ, F_ACK, F_ROUTING_AF, F_ROUTING_SRE_OFFSET,
    F_ROUTING_SRE_LENGTH, F_ROUTING_INFO, F_COUNT
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_FLAGS_AND_VERSION] = { .name = "gre.flags_and_version", .desc = "Flags and version",
                              .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_CHECKSUM_BIT] = { .name = "gre.flags.checksum", .desc = "Checksum present",
                         .type = TRAWL_FT_BOOL, .mask = GRE_C },
    [F_ROUTING_BIT]  = { .name = "gre.flags.routing", .desc = "Routing present",
                         .type = TRAWL_FT_BOOL, .mask = GRE_R },
    [F_KEY_BIT]      = { .name = "gre.flags.key", .desc = "Key present", .type = TRAWL_FT_BOOL,
                         .mask = GRE_K },
    [F_SEQ_BIT]      = { .name = "gre.flags.sequence_number", .desc = "Sequence number present",
                         .type = TRAWL_FT_BOOL, .mask = GRE_S },
    [F_SSR_BIT]      = { .name = "gre.flags.strict_source_route", .desc = "Strict source route",
                         .type = TRAWL_FT_BOOL, .mask = GRE_SSR },
    [F_RECURSION]    = { .name = "gre.flags.recursion_control", .desc = "Recursion control",
                         .type = TRAWL_FT_U16, .mask = GRE_REC },
    [F_ACK_BIT]      = { .name = "gre.flags.ack", .desc = "Acknowledgment number present (v1)",
                         .type = TRAWL_FT_BOOL, .mask = GRE_A },
    [F_RESERVED]     = { .name = "gre.flags.reserved", .desc = "Reserved flags",
                         .type = TRAWL_FT_U16, .mask = GRE_RES },
    [F_VERSION]      = { .name = "gre.flags.version", .desc = "Version", .type = TRAWL_FT_U16,
                         .names = version_names, .mask = GRE_VER },
    [F_PROTO]        = { .name = "gre.proto", .desc = "Protocol type", .type = TRAWL_FT_U16,
                         .base = TRAWL_BASE_HEX, .names = type_names },
    [F_CHECKSUM]     = { .name = "gre.checksum", .desc = "Checksum", .type = TRAWL_FT_U16,
                         .base = TRAWL_BASE_HEX },
    [F_OFFSET]       = { .name = "gre.offset", .desc = "Offset to the first SRE", .type = TRAWL_FT_U16 },
    [F_KEY]          = { .name = "gre.key", .desc = "Key", .type = TRAWL_FT_U32, .base = TRAWL_BASE_HEX },
    [F_PAYLOAD_LENGTH] = { .name = "gre.key.payload_length", .desc = "Payload length (enhanced GRE)",
                           .type = TRAWL_FT_U16 },
    [F_CALL_ID]      = { .name = "gre.key.call_id", .desc = "Call id (enhanced GRE)", .type = TRAWL_FT_U16 },
    [F_SEQ]          = { .name = "gre.sequence_number", .desc = "Sequence number", .type = TRAWL_FT_U32 },
    [F_ACK]          = { .name = "gre.ack_number", .desc = "Acknowledgment number (enhanced GRE)",
                         .type = TRAWL_FT_U32 },
    [F_ROUTING_AF]   = { .name = "gre.routing.address_family", .desc = "SRE address family",
                         .type = TRAWL_FT_U16 },
    [F_ROUTING_SRE_OFFSET] = { .name = "gre.routing.sre_offset", .desc = "SRE offset", .type = TRAWL_FT_U8 },
    [F_ROUTING_SRE_LENGTH] = { .name = "gre.routing.src_length", .desc = "SRE length", .type = TRAWL_FT_U8 },
    [F_ROUTING_INFO] = { .name = "gre.routing.information", .desc = "SRE routing information",
                         .type = TRAWL_FT_BYTES },
};

static const char *type_name(uint16_t t)
{
    for (const struct trawl_value_name *n = type_names; n->name; n++)
        if (n->value == t)
            return n->name;
    return NULL;
}

/* Source route entries (RFC 1701): ends with address family 0 and length 0. Returns the
 * offset after the list, or 0 when it runs off the end (latched). */
static uint32_t routing(struct trawl_packet *pkt, const struct trawl_buf *b, uint32_t off)
{
    for (;;) {   /* each SRE advances off by >= 4 */
        if (!trawl_buf_need(b, off, 4))
            return 0;
        uint16_t af = trawl_buf_u16be(b, off);
        uint8_t sre_off = trawl_buf_u8(b, off + 2), sre_len = trawl_buf_u8(b, off + 3);
        trawl_add_uint(pkt, F_ROUTING_AF, af);
        trawl_add_uint(pkt, F_ROUTING_SRE_OFFSET, sre_off);
        trawl_add_uint(pkt, F_ROUTING_SRE_LENGTH, sre_len);
        off += 4;
        if (af == 0 && sre_len == 0)
            return off;
        const uint8_t *p = trawl_buf_ptr(b, off, sre_len);
        if (!p)
            return 0;
        trawl_add_bytes(pkt, F_ROUTING_INFO, p, sre_len);
        off += sre_len;
    }
}

static int gre_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct gre_state *st = state;
    if (!trawl_buf_need(b, 0, 2))
        return 1;
    uint16_t fv = trawl_buf_u16be(b, 0);
    unsigned ver = fv & GRE_VER;
    trawl_add_uint(pkt, F_FLAGS_AND_VERSION, fv);
    trawl_add_bool(pkt, F_CHECKSUM_BIT, fv & GRE_C);
    trawl_add_bool(pkt, F_ROUTING_BIT, fv & GRE_R);
    trawl_add_bool(pkt, F_KEY_BIT, fv & GRE_K);
    trawl_add_bool(pkt, F_SEQ_BIT, fv & GRE_S);
    trawl_add_bool(pkt, F_SSR_BIT, fv & GRE_SSR);
    trawl_add_uint(pkt, F_RECURSION, (fv & GRE_REC) >> 8);
    if (ver == 1)
        trawl_add_bool(pkt, F_ACK_BIT, fv & GRE_A);
    trawl_add_uint(pkt, F_RESERVED, (fv & (ver == 1 ? GRE_RES : GRE_RES | GRE_A)) >> 3);
    trawl_add_uint(pkt, F_VERSION, ver);
    if (!trawl_buf_need(b, 2, 2))
        return 2;
    uint16_t proto = trawl_buf_u16be(b, 2);
    trawl_add_uint(pkt, F_PROTO, proto);
    if (trawl_cols_wanted(pkt)) {
        const char *n = type_name(proto);
        if (n)
            trawl_col_set(pkt, TRAWL_COL_INFO, "Encapsulated %s", n);
        else
            trawl_col_set(pkt, TRAWL_COL_INFO, "Encapsulated 0x%04x (unknown)", proto);
    }

    uint32_t off = 4;
    if (fv & (GRE_C | GRE_R)) {
        if (!trawl_buf_need(b, off, 4))
            return (int)off;
        trawl_add_uint(pkt, F_CHECKSUM, trawl_buf_u16be(b, off));
        trawl_add_uint(pkt, F_OFFSET, trawl_buf_u16be(b, off + 2));
        off += 4;
    }
    if (fv & GRE_K) {
        if (!trawl_buf_need(b, off, 4))
            return (int)off;
        if (ver == 1) {
            trawl_add_uint(pkt, F_PAYLOAD_LENGTH, trawl_buf_u16be(b, off));
            trawl_add_uint(pkt, F_CALL_ID, trawl_buf_u16be(b, off + 2));
        } else {
            trawl_add_uint(pkt, F_KEY, trawl_buf_u32be(b, off));
        }
        off += 4;
    }
    if (fv & GRE_S) {
        if (!trawl_buf_need(b, off, 4))
            return (int)off;
        trawl_add_uint(pkt, F_SEQ, trawl_buf_u32be(b, off));
        off += 4;
    }
    if (ver == 1 && (fv & GRE_A)) {
        if (!trawl_buf_need(b, off, 4))
            return (int)off;
        trawl_add_uint(pkt, F_ACK, trawl_buf_u32be(b, off));
        off += 4;
    }
    if (fv & GRE_R) {
        uint32_t end = routing(pkt, b, off);
        if (!end)
            return (int)off;
        off = end;
    }

    struct trawl_buf payload = trawl_buf_tail(b, off);
    if (trawl_buf_len(&payload) == 0)
        return (int)off;   /* e.g. a PPTP acknowledgment without data */
    if (st->gre && trawl_table_get(st->gre, proto))
        trawl_dissect_table(pkt, st->gre, proto, &payload);
    else if (st->ethertype)
        trawl_dissect_table(pkt, st->ethertype, proto, &payload);
    return (int)off;
}

static const struct trawl_proto_def gre_def = {
    .name = "gre", .long_name = "Generic Routing Encapsulation", .column = "GRE",
    .fields = fields, .nfields = F_COUNT, .dissect = gre_dissect,
};

static int gre_init(struct trawl_init *ctx)
{
    struct gre_state *st = calloc(1, sizeof *st);
    if (!st)
        return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    if (!trawl_proto_register(ctx, &gre_def, st))
        return TRAWL_EPLUGIN;
    if (!trawl_table_declare(ctx, "gre.proto", "GRE protocol type (ethertype-like; falls back "
                             "to the ethertype table)", TRAWL_TABLE_UINT, 0xffff))
        return TRAWL_EPLUGIN;
    return TRAWL_OK;
}

static int gre_handoff(struct trawl_init *ctx)
{
    struct gre_state *st = trawl_init_state(ctx);
    st->gre = trawl_table_find(ctx, "gre.proto");
    st->ethertype = trawl_table_find(ctx, "ethertype");
    if (trawl_table_add(ctx, "ip.proto", IPPROTO_GRE, trawl_proto_find(ctx, "gre")) == TRAWL_ENOENT)
        trawl_init_log(ctx, TRAWL_LOG_WARN, "no \"ip.proto\" table (ipv4 plugin missing?)");
    return TRAWL_OK;
}

static void gre_fini(void *state)
{
    free(state);
}

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "gre", .version = "1.0.0",
    .summary = "Generic Routing Encapsulation (RFC 2784, 2890) and PPTP enhanced GRE (RFC 2637)",
    .init = gre_init, .handoff = gre_handoff, .fini = gre_fini);
