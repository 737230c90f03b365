/* sll — Linux "cooked" capture headers, v1 (LINKTYPE_LINUX_SLL 113) and v2 (LINKTYPE_LINUX_SLL2 276).
 *
 * Spec: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and LINKTYPE_LINUX_SLL2.html
 * (libpcap's pcap/sll.h). All fields are big-endian.
 *
 *   v1 (16 bytes):  pkttype(2) hatype(2) halen(2) address(8) protocol(2)
 *   v2 (20 bytes):  protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) address(8)
 *
 * Both versions are one protocol, "sll", as in Wireshark (tshark's field names are sll.* for
 * both, and its frame.protocols says "sll" for v2 too); the frame's link type picks the layout.
 * The protocol field is an ethertype ("ethertype" table), except:
 *   hatype 778 (ARPHRD_IPGRE): a GRE protocol type ("gre.proto" table, sll.gretype);
 *   hatype 824 (ARPHRD_NETLINK): a netlink family (shown as sll.ltype, not decoded);
 *   protocol < 0x0600: a Linux pseudo-protocol (sll.ltype): 0x0004 is an 802.2 LLC frame,
 *   0x0007 PPP in HDLC-like framing; 0x0001 (Novell 802.3 without LLC), 0x0003 (ETH_P_ALL),
 *   CAN and the others are left as data.
 */
#include <stdlib.h>
#include <trawl/trawl.h>

#define LINKTYPE_LINUX_SLL  113
#define LINKTYPE_LINUX_SLL2 276
#define ARPHRD_IPGRE   778
#define ARPHRD_NETLINK 824
#define SLL_ADDRLEN    8

#define LINUX_SLL_P_802_2   0x0004
#define LINUX_SLL_P_PPPHDLC 0x0007

struct sll_state {
    const struct trawl_table *ethertype, *gre;
    const struct trawl_proto *llc, *ppp;
};

static const struct trawl_value_name pkttype_names[] = {
    { 0, "Unicast to us" }, { 1, "Broadcast" }, { 2, "Multicast" },
    { 3, "Unicast to another host" }, { 4, "Sent by us" }, { 0, NULL }
};

static const struct trawl_value_name hatype_names[] = {
    { 1, "Ethernet" }, { 6, "IEEE 802" }, { 24, "IEEE 1394" }, { 32, "InfiniBand" },
    { 512, "PPP" }, { 513, "Cisco HDLC" }, { 768, "IPIP" }, { 769, "IPv6-in-IPv4" },
    { 772, "Loopback" }, { 776, "IPv6-in-IPv4" }, { 778, "GRE" }, { 779, "IP over FC" },
    { 783, "IrDA" }, { 801, "IEEE 802.11" }, { 802, "IEEE 802.11 + Prism header" },
    { 803, "IEEE 802.11 + radiotap header" }, { 804, "IEEE 802.15.4" },
    { 823, "IPv6-in-IPv4 GRE" }, { 824, "Netlink" }, { 65534, "None" }, { 0, NULL }
};

static const struct trawl_value_name ltype_names[] = {
    { 0x0001, "Raw 802.3" }, { 0x0002, "AX.25" }, { 0x0003, "All" }, { 0x0004, "802.2 LLC" },
    { 0x0007, "PPP (HDLC)" }, { 0x000c, "CAN" }, { 0x000d, "CAN FD" }, { 0x0017, "IrDA" },
    { 0x00f5, "ISI" }, { 0x00f6, "IEEE 802.15.4" }, { 0x00fa, "MCTP" }, { 0, NULL }
};

enum {
    F_PKTTYPE, F_HATYPE, F_HALEN, F_SRC_ETH, F_SRC_IPV4, F_SRC_OTHER, F_UNUSED, F_LTYPE,
    F_GRETYPE, F_ETYPE, F_IFINDEX, F_COUNT
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_PKTTYPE]   = { .name = "sll.pkttype", .desc = "Packet type (direction)",
                      .type = TRAWL_FT_U16, .names = pkttype_names },
    [F_HATYPE]    = { .name = "sll.hatype", .desc = "Link-layer address type (ARPHRD_)",
                      .type = TRAWL_FT_U16, .names = hatype_names },
    [F_HALEN]     = { .name = "sll.halen", .desc = "Link-layer address length", .type = TRAWL_FT_U16 },
    [F_SRC_ETH]   = { .name = "sll.src.eth", .desc = "Source (6-byte hardware address)",
                      .type = TRAWL_FT_ETHER },
    [F_SRC_IPV4]  = { .name = "sll.src.ipv4", .desc = "Source (GRE tunnel endpoint)",
                      .type = TRAWL_FT_IPV4 },
    [F_SRC_OTHER] = { .name = "sll.src.other", .desc = "Source (other address)", .type = TRAWL_FT_BYTES },
    [F_UNUSED]    = { .name = "sll.unused", .desc = "Unused address bytes", .type = TRAWL_FT_BYTES },
    [F_LTYPE]     = { .name = "sll.ltype", .desc = "Linux pseudo protocol", .type = TRAWL_FT_U16,
                      .base = TRAWL_BASE_HEX, .names = ltype_names },
    [F_GRETYPE]   = { .name = "sll.gretype", .desc = "GRE protocol type", .type = TRAWL_FT_U16,
                      .base = TRAWL_BASE_HEX },
    [F_ETYPE]     = { .name = "sll.etype", .desc = "Ethertype", .type = TRAWL_FT_U16,
                      .base = TRAWL_BASE_HEX },
    [F_IFINDEX]   = { .name = "sll.ifindex", .desc = "Interface index (v2)", .type = TRAWL_FT_U32 },
};

/* The 8-byte address field at off: halen meaningful bytes, then unused ones. */
static void add_address(struct trawl_packet *pkt, const struct trawl_buf *b, uint32_t off,
                        uint16_t hatype, unsigned halen)
{
    unsigned n = halen < SLL_ADDRLEN ? halen : SLL_ADDRLEN;
    const uint8_t *a = trawl_buf_ptr(b, off, SLL_ADDRLEN);
    if (!a)
        return;
    if (n == 6) {
        trawl_add_addr(pkt, F_SRC_ETH, a);
        if (trawl_cols_wanted(pkt))
            trawl_col_set(pkt, TRAWL_COL_SRC, "%02x:%02x:%02x:%02x:%02x:%02x",
                          a[0], a[1], a[2], a[3], a[4], a[5]);
    } else if (n == 4 && hatype == ARPHRD_IPGRE) {
        trawl_add_addr(pkt, F_SRC_IPV4, a);
    } else if (n > 0) {
        trawl_add_bytes(pkt, F_SRC_OTHER, a, n);
    }
    if (n < SLL_ADDRLEN && trawl_wants(pkt, F_UNUSED))
        trawl_add_bytes(pkt, F_UNUSED, a + n, SLL_ADDRLEN - n);
}

static void dispatch(struct trawl_packet *pkt, const struct sll_state *st, uint16_t hatype,
                     uint16_t proto, struct trawl_buf *payload)
{
    if (hatype == ARPHRD_IPGRE) {
        trawl_add_uint(pkt, F_GRETYPE, proto);
        if (trawl_buf_len(payload) == 0)
            return;
        if (st->gre && trawl_table_get(st->gre, proto))
            trawl_dissect_table(pkt, st->gre, proto, payload);
        else if (st->ethertype)
            trawl_dissect_table(pkt, st->ethertype, proto, payload);
        return;
    }
    if (hatype == ARPHRD_NETLINK || proto < 0x0600) {
        trawl_add_uint(pkt, F_LTYPE, proto);
        if (trawl_buf_len(payload) == 0 || hatype == ARPHRD_NETLINK)
            return;
        if (proto == LINUX_SLL_P_802_2 && st->llc)
            trawl_dissect_proto(pkt, st->llc, payload);
        else if (proto == LINUX_SLL_P_PPPHDLC && st->ppp)
            trawl_dissect_proto(pkt, st->ppp, payload);
        return;
    }
    trawl_add_uint(pkt, F_ETYPE, proto);
    if (st->ethertype && trawl_buf_len(payload) > 0)
        trawl_dissect_table(pkt, st->ethertype, proto, payload);
}

static int sll_v1(struct trawl_packet *pkt, struct trawl_buf *b, const struct sll_state *st)
{
    if (!trawl_buf_need(b, 0, 6))
        return (int)(trawl_buf_caplen(b) ? trawl_buf_caplen(b) : 1);
    uint16_t hatype = trawl_buf_u16be(b, 2), halen = trawl_buf_u16be(b, 4);
    trawl_add_uint(pkt, F_PKTTYPE, trawl_buf_u16be(b, 0));
    trawl_add_uint(pkt, F_HATYPE, hatype);
    trawl_add_uint(pkt, F_HALEN, halen);
    add_address(pkt, b, 6, hatype, halen);
    if (!trawl_buf_need(b, 14, 2))
        return (int)trawl_buf_caplen(b);
    uint16_t proto = trawl_buf_u16be(b, 14);
    struct trawl_buf payload = trawl_buf_tail(b, 16);
    dispatch(pkt, st, hatype, proto, &payload);
    return 16;
}

static int sll_v2(struct trawl_packet *pkt, struct trawl_buf *b, const struct sll_state *st)
{
    if (!trawl_buf_need(b, 0, 12))
        return (int)(trawl_buf_caplen(b) ? trawl_buf_caplen(b) : 1);
    uint16_t proto = trawl_buf_u16be(b, 0);
    uint16_t hatype = trawl_buf_u16be(b, 8);
    uint8_t halen = trawl_buf_u8(b, 11);
    trawl_add_uint(pkt, F_IFINDEX, trawl_buf_u32be(b, 4));
    trawl_add_uint(pkt, F_HATYPE, hatype);
    trawl_add_uint(pkt, F_PKTTYPE, trawl_buf_u8(b, 10));
    trawl_add_uint(pkt, F_HALEN, halen);
    add_address(pkt, b, 12, hatype, halen);
    if (!trawl_buf_ok(b))
        return (int)trawl_buf_caplen(b);
    struct trawl_buf payload = trawl_buf_tail(b, 20);
    dispatch(pkt, st, hatype, proto, &payload);
    return 20;
}

static int sll_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    if (fr && fr->linktype == LINKTYPE_LINUX_SLL2)
        return sll_v2(pkt, b, state);
    return sll_v1(pkt, b, state);
}

static const struct trawl_proto_def sll_def = {
    .name = "sll", .long_name = "Linux cooked capture", .column = "SLL",
    .fields = fields, .nfields = F_COUNT, .dissect = sll_dissect,
};

static int sll_init(struct trawl_init *ctx)
{
    struct sll_state *st = calloc(1, sizeof *st);
    if (!st)
        return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    const struct trawl_proto *p = trawl_proto_register(ctx, &sll_def, st);
    return p ? TRAWL_OK : TRAWL_EPLUGIN;
}

static int sll_handoff(struct trawl_init *ctx)
{
    struct sll_state *st = trawl_init_state(ctx);
    const struct trawl_proto *p = trawl_proto_find(ctx, "sll");
    st->ethertype = trawl_table_find(ctx, "ethertype");
    st->gre = trawl_table_find(ctx, "gre.proto");
    st->llc = trawl_proto_find(ctx, "llc");
    st->ppp = trawl_proto_find(ctx, "ppp");
    int rc = trawl_table_add(ctx, "link", LINKTYPE_LINUX_SLL, p);
    if (rc < 0)
        return rc;
    return trawl_table_add(ctx, "link", LINKTYPE_LINUX_SLL2, p);
}

static void sll_fini(void *state)
{
    free(state);
}

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "sll", .version = "1.0.0",
    .summary = "Linux cooked capture v1 and v2 (LINKTYPE_LINUX_SLL 113, LINKTYPE_LINUX_SLL2 276)",
    .init = sll_init, .handoff = sll_handoff, .fini = sll_fini);
