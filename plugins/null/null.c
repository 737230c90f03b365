/* null — BSD loopback encapsulation: LINKTYPE_NULL (0) and LINKTYPE_LOOP (108).
 *
 * Spec: https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html and LINKTYPE_LOOP.html.
 * A 4-byte header holds the address family (AF_ value of the writing OS) of the payload:
 * for LINKTYPE_NULL in the *writer's* byte order, for LINKTYPE_LOOP in network order.
 *
 * Byte order of LINKTYPE_NULL, as Wireshark decides it (reading the 4 bytes little-endian):
 *   upper 16 bits zero:  the value is in our order, unless it looks like an IRIX/UNICOS
 *                        header (lowest byte 0, next byte < 0x06): then it is the swapped
 *                        16-bit AF in the low half;
 *   upper 16 bits set:   if the top byte is 0 and the next < 0x06, an IRIX/UNICOS header in
 *                        our order (AF in the upper half); otherwise swap all 4 bytes.
 * A value above 1500 is an ethertype (old Linux DLT_NULL): shown as null.type and dispatched
 * on the "ethertype" table; otherwise it is the family (null.family): 2 is IPv4; 10 (Linux),
 * 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin) are IPv6. A header starting FF 03 is PPP in
 * HDLC-like framing (FreeBSD ISDN), handed to "ppp".
 */
#include <stdlib.h>
#include <trawl/trawl.h>

#define LINKTYPE_NULL 0
#define LINKTYPE_LOOP 108
#define IEEE_802_3_MAX_LEN 1500

struct null_state {
    const struct trawl_table *ethertype;
    const struct trawl_proto *ip, *ipv6, *ppp;
};

static const struct trawl_value_name family_names[] = {
    { 2, "IP" }, { 7, "OSI" }, { 10, "IPv6 (Linux)" }, { 16, "Appletalk LAP" },
    { 23, "Netware IPX/SPX" }, { 24, "IPv6 (NetBSD/OpenBSD/BSD/OS)" }, { 28, "IPv6 (FreeBSD)" },
    { 30, "IPv6 (Darwin)" }, { 0, NULL }
};

enum { F_TYPE, F_FAMILY, F_COUNT };
static const struct trawl_field_def fields[F_COUNT] = {
    [F_TYPE]   = { .name = "null.type", .desc = "Ethertype (old Linux loopback header)",
                   .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_FAMILY] = { .name = "null.family", .desc = "Address family (AF_ value of the writer)",
                   .type = TRAWL_FT_U32, .names = family_names },
};

/* IPv4 or IPv6 through the ethertype table, falling back to the protocols by name. */
static void dispatch_ip(struct trawl_packet *pkt, const struct null_state *st, bool v6,
                        struct trawl_buf *payload)
{
    uint16_t et = v6 ? 0x86dd : 0x0800;
    if (trawl_buf_len(payload) == 0)
        return;
    if (st->ethertype && trawl_table_get(st->ethertype, et))
        trawl_dissect_table(pkt, st->ethertype, et, payload);
    else if (v6 ? st->ipv6 : st->ip)
        trawl_dissect_proto(pkt, v6 ? st->ipv6 : st->ip, payload);
}

static uint32_t swap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static uint32_t null_header_value(const struct trawl_buf *b)
{
    uint32_t h = trawl_buf_u32le(b, 0);
    if (h & 0xffff0000u) {
        if ((h & 0xff000000u) == 0 && (h & 0x00ff0000u) < 0x00060000u)
            h >>= 16;                         /* IRIX / UNICOS, our byte order */
        else
            h = swap32(h);                    /* written big-endian */
    } else if ((h & 0xffu) == 0 && (h & 0xff00u) < 0x0600u) {
        h = (h >> 8) & 0xff;                  /* IRIX / UNICOS, swapped 16-bit AF */
    }
    return h;
}

static int null_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct null_state *st = state;
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    bool loop = fr && fr->linktype == LINKTYPE_LOOP;

    if (!loop && trawl_buf_has(b, 0, 2) && trawl_buf_u16be(b, 0) == 0xff03) {
        if (st->ppp)
            trawl_dissect_proto(pkt, st->ppp, b);
        return (int)trawl_buf_caplen(b);
    }
    if (!trawl_buf_need(b, 0, 4))
        return (int)(trawl_buf_caplen(b) ? trawl_buf_caplen(b) : 1);
    uint32_t v = loop ? trawl_buf_u32be(b, 0) : null_header_value(b);
    struct trawl_buf payload = trawl_buf_tail(b, 4);
    if (trawl_cols_wanted(pkt)) {
        trawl_col_set(pkt, TRAWL_COL_SRC, "N/A");
        trawl_col_set(pkt, TRAWL_COL_DST, "N/A");
        trawl_col_set(pkt, TRAWL_COL_INFO, "Null/Loopback");
    }
    if (v > IEEE_802_3_MAX_LEN) {
        trawl_add_uint(pkt, F_TYPE, v & 0xffff);
        if (st->ethertype && trawl_buf_len(&payload) > 0)
            trawl_dissect_table(pkt, st->ethertype, v & 0xffff, &payload);
        return 4;
    }
    trawl_add_uint(pkt, F_FAMILY, v);
    switch (v) {
    case 2:
        dispatch_ip(pkt, st, false, &payload);
        break;
    case 10: case 24: case 28: case 30:
        dispatch_ip(pkt, st, true, &payload);
        break;
    default:
        break;
    }
    return 4;
}

static const struct trawl_proto_def null_def = {
    .name = "null", .long_name = "Null/Loopback", .column = "NULL",
    .fields = fields, .nfields = F_COUNT, .dissect = null_dissect,
};

static int null_init(struct trawl_init *ctx)
{
    struct null_state *st = calloc(1, sizeof *st);
    if (!st)
        return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    return trawl_proto_register(ctx, &null_def, st) ? TRAWL_OK : TRAWL_EPLUGIN;
}

static int null_handoff(struct trawl_init *ctx)
{
    struct null_state *st = trawl_init_state(ctx);
    const struct trawl_proto *p = trawl_proto_find(ctx, "null");
    st->ethertype = trawl_table_find(ctx, "ethertype");
    st->ip = trawl_proto_find(ctx, "ip");
    st->ipv6 = trawl_proto_find(ctx, "ipv6");
    st->ppp = trawl_proto_find(ctx, "ppp");
    int rc = trawl_table_add(ctx, "link", LINKTYPE_NULL, p);
    if (rc < 0)
        return rc;
    return trawl_table_add(ctx, "link", LINKTYPE_LOOP, p);
}

static void null_fini(void *state)
{
    free(state);
}

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "null", .version = "1.0.0",
    .summary = "BSD loopback encapsulation (LINKTYPE_NULL 0, LINKTYPE_LOOP 108)",
    .init = null_init, .handoff = null_handoff, .fini = null_fini);
