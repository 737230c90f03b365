/* rawip — raw IP link types: no link header, the packet starts with an IPv4 or IPv6 header.
 *
 * Spec: https://www.tcpdump.org/linktypes.html — LINKTYPE_RAW (101), and the DLT_RAW values
 * some systems wrote into files (12 on most BSDs and Linux, 14 on OpenBSD): the version nibble
 * of the first byte says IPv4 or IPv6. LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) say it in
 * the link type itself.
 *
 * As in Wireshark, 101/12/14 go through a protocol named "raw" (tshark's frame.protocols:
 * "raw:ip"), which has no fields of its own; 228 and 229 are attached straight to "ip" and
 * "ipv6". A raw packet starting FF 03 is PPP in HDLC-like framing (some PPP interfaces), handed
 * to "ppp"; other version nibbles are left as data.
 */
#include <stdlib.h>
#include <trawl/trawl.h>

#define LINKTYPE_RAW       101
#define LINKTYPE_DLT_RAW1  12
#define LINKTYPE_DLT_RAW2  14
#define LINKTYPE_IPV4      228
#define LINKTYPE_IPV6      229

struct raw_state {
    const struct trawl_table *ethertype;
    const struct trawl_proto *ip, *ipv6, *ppp;
};

static void dispatch_ip(struct trawl_packet *pkt, const struct raw_state *st, bool v6,
                        struct trawl_buf *b)
{
    uint16_t et = v6 ? 0x86dd : 0x0800;
    const struct trawl_proto *p = v6 ? st->ipv6 : st->ip;
    if (p)
        trawl_dissect_proto(pkt, p, b);
    else if (st->ethertype)
        trawl_dissect_table(pkt, st->ethertype, et, b);
}

static int raw_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct raw_state *st = state;
    if (trawl_cols_wanted(pkt)) {
        trawl_col_set(pkt, TRAWL_COL_SRC, "N/A");
        trawl_col_set(pkt, TRAWL_COL_DST, "N/A");
        trawl_col_set(pkt, TRAWL_COL_INFO, "Raw packet data");
    }
    if (!trawl_buf_has(b, 0, 1)) {
        trawl_buf_need(b, 0, 1);   /* latch: an empty raw packet has no IP header */
        return 1;
    }
    if (trawl_buf_has(b, 0, 2) && trawl_buf_u16be(b, 0) == 0xff03) {
        if (st->ppp)
            trawl_dissect_proto(pkt, st->ppp, b);
        return (int)trawl_buf_caplen(b);
    }
    switch (trawl_buf_u8(b, 0) >> 4) {
    case 4:
        dispatch_ip(pkt, st, false, b);
        break;
    case 6:
        dispatch_ip(pkt, st, true, b);
        break;
    default:
        break;
    }
    /* "raw" itself occupies no bytes; the engine wants > 0 for "mine". */
    return (int)(trawl_buf_caplen(b) ? trawl_buf_caplen(b) : 1);
}

static const struct trawl_proto_def raw_def = {
    .name = "raw", .long_name = "Raw packet data", .column = "Raw",
    .fields = NULL, .nfields = 0, .dissect = raw_dissect,
};

static int raw_init(struct trawl_init *ctx)
{
    struct raw_state *st = calloc(1, sizeof *st);
    if (!st)
        return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    return trawl_proto_register(ctx, &raw_def, st) ? TRAWL_OK : TRAWL_EPLUGIN;
}

static int raw_handoff(struct trawl_init *ctx)
{
    struct raw_state *st = trawl_init_state(ctx);
    const struct trawl_proto *p = trawl_proto_find(ctx, "raw");
    st->ethertype = trawl_table_find(ctx, "ethertype");
    st->ip = trawl_proto_find(ctx, "ip");
    st->ipv6 = trawl_proto_find(ctx, "ipv6");
    st->ppp = trawl_proto_find(ctx, "ppp");
    int rc = trawl_table_add(ctx, "link", LINKTYPE_RAW, p);
    if (rc < 0)
        return rc;
    trawl_table_add(ctx, "link", LINKTYPE_DLT_RAW1, p);
    trawl_table_add(ctx, "link", LINKTYPE_DLT_RAW2, p);
    if (st->ip)
        trawl_table_add(ctx, "link", LINKTYPE_IPV4, st->ip);
    else
        trawl_init_log(ctx, TRAWL_LOG_INFO, "no \"ip\" protocol: LINKTYPE_IPV4 not decoded");
    if (st->ipv6)
        trawl_table_add(ctx, "link", LINKTYPE_IPV6, st->ipv6);
    else
        trawl_init_log(ctx, TRAWL_LOG_INFO, "no \"ipv6\" protocol: LINKTYPE_IPV6 not decoded");
    return TRAWL_OK;
}

static void raw_fini(void *state)
{
    free(state);
}

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "rawip", .version = "1.0.0",
    .summary = "Raw IP link types (LINKTYPE_RAW 101, DLT_RAW 12/14, LINKTYPE_IPV4 228, LINKTYPE_IPV6 229)",
    .init = raw_init, .handoff = raw_handoff, .fini = raw_fini);
