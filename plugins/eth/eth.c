/* eth — Ethernet II / IEEE 802.3 framing, 802.1Q and 802.1ad tags, 802.2 LLC and SNAP.
 *
 * Specs: IEEE 802.3 (frame format, length/type field), RFC 894 (IP over Ethernet II),
 * IEEE 802.1Q (C-tag 0x8100; 0x9100 is the pre-standard QinQ outer tag), IEEE 802.1ad
 * (S-tag 0x88a8), IEEE 802.2 (LLC), RFC 1042 (SNAP: OUI 0 carries an ethertype).
 *
 *   0                   6                  12      14
 *   +-------------------+-------------------+-------+---------------
 *   | destination MAC   | source MAC        | T/L   | payload ...
 *   +-------------------+-------------------+-------+---------------
 *   T/L >= 0x0600: an ethertype (dispatched on the "ethertype" table, declared here);
 *   T/L <= 1500 (0x05dc): an 802.3 length, the payload starts with an LLC header;
 *   in between: invalid.
 *
 * One plugin, four protocols, named as Wireshark names them: "eth", "vlan" (802.1Q tags,
 * vlan.id repeats per tag: "421,785" outer,inner), "ieee8021ad" (the 0x88a8 S-tag has its
 * own fields in tshark, so it does not show up in vlan.id) and "llc".
 *
 * Padding and trailer: the IP dissector sizes its own view, so bytes after an IP datagram are
 * not an error. We only report eth.padding / eth.trailer where we know the payload size
 * ourselves: after an 802.3 length (the SDK does not tell us how much an ethertype payload
 * dissector used).
 */
#include <stdio.h>
#include <stdlib.h>
#include <trawl/trawl.h>

#define ETH_HDR        14
#define ETH_MIN_FRAME  60      /* minimum frame without FCS: shorter payloads are padded */
#define IEEE_802_3_MAX_LEN 1500
#define ETHERTYPE_MIN  0x0600

struct eth_state {
    const struct trawl_proto *eth, *vlan, *ad, *llc;
    const struct trawl_table *ethertype;   /* declared here, looked up in handoff */
    const struct trawl_table *llc_dsap;
};

/* ---- value names (for -V) --------------------------------------------------------------- */

static const struct trawl_value_name etype_names[] = {
    { 0x0800, "IPv4" }, { 0x0806, "ARP" }, { 0x0842, "Wake on LAN" }, { 0x22f0, "AVTP" },
    { 0x6558, "Transparent Ethernet bridging" }, { 0x8035, "RARP" }, { 0x809b, "AppleTalk" },
    { 0x80f3, "AARP" }, { 0x8100, "802.1Q Virtual LAN" }, { 0x8137, "Netware IPX/SPX" },
    { 0x86dd, "IPv6" }, { 0x8808, "MAC Control" }, { 0x8809, "Slow Protocols" },
    { 0x880b, "PPP" }, { 0x8847, "MPLS label switched packet" },
    { 0x8848, "MPLS multicast label switched packet" }, { 0x8863, "PPPoE Discovery" },
    { 0x8864, "PPPoE Session" }, { 0x886c, "HomePlug" }, { 0x888e, "802.1X Authentication" },
    { 0x88a8, "802.1ad Provider Bridge (Q-in-Q)" }, { 0x88cc, "802.1 Link Layer Discovery Protocol (LLDP)" },
    { 0x88e5, "802.1AE (MACsec)" }, { 0x88f7, "PTPv2 over Ethernet (IEEE1588)" },
    { 0x8906, "Fibre Channel over Ethernet" }, { 0x8914, "FCoE Initialization Protocol" },
    { 0x9000, "Loopback" }, { 0x9100, "VLAN tagged frame" }, { 0, NULL }
};

static const struct trawl_value_name vlan_pri_names[] = {
    { 0, "Best Effort (default)" }, { 1, "Background" }, { 2, "Excellent Effort" },
    { 3, "Critical Applications" }, { 4, "Video, < 100ms latency and jitter" },
    { 5, "Voice, < 10ms latency and jitter" }, { 6, "Internetwork Control" },
    { 7, "Network Control" }, { 0, NULL }
};

static const struct trawl_value_name sap_names[] = {
    { 0x00, "NULL LSAP" }, { 0x02, "LLC Sub-Layer Management" }, { 0x06, "TCP/IP" },
    { 0x42, "Spanning Tree BPDU" }, { 0x7e, "ISO 8208 (X.25 over 802.2)" },
    { 0x98, "ARP" }, { 0xaa, "SNAP" }, { 0xe0, "NetWare" }, { 0xf0, "NetBIOS" },
    { 0xf4, "IBM Net Management" }, { 0xfe, "ISO Network Layer (OSLAN 1)" },
    { 0xff, "Global LSAP" }, { 0, NULL }
};

/* ---- fields ----------------------------------------------------------------------------- */

enum {
    F_ETH_DST, F_ETH_DST_LG, F_ETH_DST_IG, F_ETH_SRC, F_ETH_SRC_LG, F_ETH_SRC_IG, F_ETH_ADDR,
    F_ETH_LG, F_ETH_IG, F_ETH_TYPE, F_ETH_LEN, F_ETH_INVALID_LENTYPE, F_ETH_PADDING,
    F_ETH_TRAILER, F_ETH_COUNT
};
static const struct trawl_field_def eth_fields[F_ETH_COUNT] = {
    [F_ETH_DST]    = { .name = "eth.dst", .desc = "Destination hardware address",
                       .type = TRAWL_FT_ETHER },
    [F_ETH_DST_LG] = { .name = "eth.dst.lg", .desc = "Destination LG bit: locally administered",
                       .type = TRAWL_FT_BOOL, .mask = 0x020000 },
    [F_ETH_DST_IG] = { .name = "eth.dst.ig", .desc = "Destination IG bit: group address",
                       .type = TRAWL_FT_BOOL, .mask = 0x010000 },
    [F_ETH_SRC]    = { .name = "eth.src", .desc = "Source hardware address", .type = TRAWL_FT_ETHER },
    [F_ETH_SRC_LG] = { .name = "eth.src.lg", .desc = "Source LG bit: locally administered",
                       .type = TRAWL_FT_BOOL, .mask = 0x020000 },
    [F_ETH_SRC_IG] = { .name = "eth.src.ig", .desc = "Source IG bit: group address",
                       .type = TRAWL_FT_BOOL, .mask = 0x010000 },
    [F_ETH_ADDR]   = { .name = "eth.addr", .desc = "Source or destination hardware address",
                       .type = TRAWL_FT_ETHER },
    [F_ETH_LG]     = { .name = "eth.lg", .desc = "LG bit of either address", .type = TRAWL_FT_BOOL,
                       .mask = 0x020000 },
    [F_ETH_IG]     = { .name = "eth.ig", .desc = "IG bit of either address", .type = TRAWL_FT_BOOL,
                       .mask = 0x010000 },
    [F_ETH_TYPE]   = { .name = "eth.type", .desc = "Ethertype", .type = TRAWL_FT_U16,
                       .base = TRAWL_BASE_HEX, .names = etype_names },
    [F_ETH_LEN]    = { .name = "eth.len", .desc = "IEEE 802.3 length", .type = TRAWL_FT_U16 },
    [F_ETH_INVALID_LENTYPE] = { .name = "eth.invalid_lentype",
                                .desc = "Invalid length/type (1501..1535)",
                                .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_ETH_PADDING] = { .name = "eth.padding", .desc = "Padding up to the minimum frame size",
                        .type = TRAWL_FT_BYTES },
    [F_ETH_TRAILER] = { .name = "eth.trailer", .desc = "Bytes after the payload and padding",
                        .type = TRAWL_FT_BYTES },
};

enum { F_VLAN_PRIORITY, F_VLAN_DEI, F_VLAN_ID, F_VLAN_ETYPE, F_VLAN_LEN, F_VLAN_TRAILER,
       F_VLAN_COUNT };
static const struct trawl_field_def vlan_fields[F_VLAN_COUNT] = {
    [F_VLAN_PRIORITY] = { .name = "vlan.priority", .desc = "Priority code point (802.1p)",
                          .type = TRAWL_FT_U16, .names = vlan_pri_names, .mask = 0xe000 },
    [F_VLAN_DEI]      = { .name = "vlan.dei", .desc = "Drop eligible indicator",
                          .type = TRAWL_FT_BOOL, .mask = 0x1000 },
    [F_VLAN_ID]       = { .name = "vlan.id", .desc = "VLAN identifier (one value per tag)",
                          .type = TRAWL_FT_U16, .mask = 0x0fff },
    [F_VLAN_ETYPE]    = { .name = "vlan.etype", .desc = "Ethertype of the tagged payload",
                          .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX, .names = etype_names },
    [F_VLAN_LEN]      = { .name = "vlan.len", .desc = "IEEE 802.3 length after the tag",
                          .type = TRAWL_FT_U16 },
    [F_VLAN_TRAILER]  = { .name = "vlan.trailer", .desc = "Bytes after the 802.3 payload",
                          .type = TRAWL_FT_BYTES },
};

enum { F_AD_PRIORITY, F_AD_DEI, F_AD_ID, F_AD_COUNT };
static const struct trawl_field_def ad_fields[F_AD_COUNT] = {
    [F_AD_PRIORITY] = { .name = "ieee8021ad.priority", .desc = "S-tag priority",
                        .type = TRAWL_FT_U16, .mask = 0xe000 },
    [F_AD_DEI]      = { .name = "ieee8021ad.dei", .desc = "S-tag drop eligible indicator",
                        .type = TRAWL_FT_U16, .mask = 0x1000 },
    [F_AD_ID]       = { .name = "ieee8021ad.id", .desc = "S-tag VLAN identifier",
                        .type = TRAWL_FT_U16, .mask = 0x0fff },
};

enum { F_LLC_DSAP, F_LLC_SSAP, F_LLC_CONTROL, F_LLC_OUI, F_LLC_TYPE, F_LLC_PID, F_LLC_COUNT };
static const struct trawl_field_def llc_fields[F_LLC_COUNT] = {
    [F_LLC_DSAP]    = { .name = "llc.dsap", .desc = "Destination service access point",
                        .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX, .names = sap_names },
    [F_LLC_SSAP]    = { .name = "llc.ssap", .desc = "Source service access point",
                        .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX, .names = sap_names },
    [F_LLC_CONTROL] = { .name = "llc.control", .desc = "Control field (1 byte for U frames, 2 for I/S)",
                        .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_LLC_OUI]     = { .name = "llc.oui", .desc = "SNAP organization code", .type = TRAWL_FT_U24 },
    [F_LLC_TYPE]    = { .name = "llc.type", .desc = "SNAP protocol id as an ethertype (OUI 0)",
                        .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX, .names = etype_names },
    [F_LLC_PID]     = { .name = "llc.pid", .desc = "SNAP protocol id (organization specific)",
                        .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
};

/* ---- helpers ---------------------------------------------------------------------------- */

/* Bytes after an 802.3 payload that ended at `end` (offset in b): padding up to the 60-byte
 * minimum frame, the rest is trailer. `pad_idx` is the current protocol's padding field, or
 * -1 when it has none (then everything is trailer). */
static void add_trailer(struct trawl_packet *pkt, const struct trawl_buf *b, uint32_t end,
                        int pad_idx, unsigned trailer_idx)
{
    uint32_t extra = trawl_buf_avail(b, end);
    if (extra == 0)
        return;
    uint32_t frame_off = b->base + end;
    uint32_t pad = 0;
    if (pad_idx >= 0 && frame_off < ETH_MIN_FRAME)
        pad = ETH_MIN_FRAME - frame_off < extra ? ETH_MIN_FRAME - frame_off : extra;
    if (pad && trawl_wants(pkt, (unsigned)pad_idx))
        trawl_add_bytes(pkt, (unsigned)pad_idx, trawl_buf_ptr(b, end, pad), pad);
    if (extra > pad && trawl_wants(pkt, trailer_idx))
        trawl_add_bytes(pkt, trailer_idx, trawl_buf_ptr(b, end + pad, extra - pad), extra - pad);
}

static const char *etype_name(uint16_t type)
{
    for (const struct trawl_value_name *n = etype_names; n->name; n++)
        if (n->value == type)
            return n->name;
    return NULL;
}

/* Hand an ethertype payload on; false when nobody took it. Then, as tshark, the info column
 * names the ethertype. */
static bool dispatch_ethertype(struct trawl_packet *pkt, const struct eth_state *st,
                               uint16_t type, struct trawl_buf *payload)
{
    if (st->ethertype && trawl_buf_len(payload) > 0 &&
        trawl_dissect_table(pkt, st->ethertype, type, payload))
        return true;
    if (trawl_cols_wanted(pkt)) {
        const char *n = etype_name(type);
        if (n)
            trawl_col_set(pkt, TRAWL_COL_INFO, "%s", n);
        else
            trawl_col_set(pkt, TRAWL_COL_INFO, "Ethertype 0x%04x", type);
    }
    return false;
}

/* ---- Ethernet --------------------------------------------------------------------------- */

static void add_mac(struct trawl_packet *pkt, const uint8_t *mac, unsigned f, unsigned f_lg,
                    unsigned f_ig)
{
    trawl_add_addr(pkt, f, mac);
    trawl_add_addr(pkt, F_ETH_ADDR, mac);
    bool lg = mac[0] & 0x02, ig = mac[0] & 0x01;
    trawl_add_bool(pkt, f_lg, lg);
    trawl_add_bool(pkt, F_ETH_LG, lg);
    trawl_add_bool(pkt, f_ig, ig);
    trawl_add_bool(pkt, F_ETH_IG, ig);
}

static const char *mac_str(char out[18], const uint8_t *m)
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return out;
}

static int eth_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct eth_state *st = state;
    const uint8_t *dst = trawl_buf_ptr(b, 0, 6);
    if (!dst)
        return trawl_buf_caplen(b) ? (int)trawl_buf_caplen(b) : 1;
    add_mac(pkt, dst, F_ETH_DST, F_ETH_DST_LG, F_ETH_DST_IG);
    const uint8_t *src = trawl_buf_ptr(b, 6, 6);
    if (src)
        add_mac(pkt, src, F_ETH_SRC, F_ETH_SRC_LG, F_ETH_SRC_IG);
    if (trawl_cols_wanted(pkt)) {
        char s[18];
        trawl_col_set(pkt, TRAWL_COL_DST, "%s", mac_str(s, dst));
        if (src)
            trawl_col_set(pkt, TRAWL_COL_SRC, "%s", mac_str(s, src));
    }
    if (!src || !trawl_buf_need(b, 12, 2))
        return (int)trawl_buf_caplen(b);
    uint16_t lt = trawl_buf_u16be(b, 12);

    if (lt >= ETHERTYPE_MIN) {
        trawl_add_uint(pkt, F_ETH_TYPE, lt);
        struct trawl_buf payload = trawl_buf_tail(b, ETH_HDR);
        dispatch_ethertype(pkt, st, lt, &payload);
        return ETH_HDR;
    }
    if (lt > IEEE_802_3_MAX_LEN) {
        trawl_add_uint(pkt, F_ETH_INVALID_LENTYPE, lt);
        return ETH_HDR;
    }
    /* IEEE 802.3: a length, then LLC (or Novell's "raw" 802.3 starting 0xffff: IPX, which
     * nothing here decodes). */
    trawl_add_uint(pkt, F_ETH_LEN, lt);
    if (trawl_cols_wanted(pkt))
        trawl_col_set(pkt, TRAWL_COL_INFO, "IEEE 802.3 Ethernet");
    struct trawl_buf payload = trawl_buf_sub(b, ETH_HDR, lt);
    add_trailer(pkt, b, ETH_HDR + trawl_buf_len(&payload), F_ETH_PADDING, F_ETH_TRAILER);
    if (trawl_buf_len(&payload) == 0)
        return ETH_HDR;
    if (trawl_buf_has(&payload, 0, 2) && trawl_buf_u16be(&payload, 0) == 0xffff)
        return ETH_HDR;   /* raw 802.3 (IPX without LLC) */
    trawl_dissect_proto(pkt, st->llc, &payload);
    return ETH_HDR;
}

/* ---- 802.1Q / 802.1ad tags -------------------------------------------------------------- */

/* What follows a tag: an ethertype, or an 802.3 length and LLC. */
static void tag_payload(struct trawl_packet *pkt, const struct eth_state *st,
                        struct trawl_buf *b, uint16_t lt, int f_len, int f_trailer)
{
    if (lt >= ETHERTYPE_MIN) {
        struct trawl_buf payload = trawl_buf_tail(b, 4);
        dispatch_ethertype(pkt, st, lt, &payload);
        return;
    }
    if (lt > IEEE_802_3_MAX_LEN)
        return;
    if (f_len >= 0)
        trawl_add_uint(pkt, (unsigned)f_len, lt);
    struct trawl_buf payload = trawl_buf_sub(b, 4, lt);
    if (f_trailer >= 0)
        add_trailer(pkt, b, 4 + trawl_buf_len(&payload), -1, (unsigned)f_trailer);
    if (trawl_buf_len(&payload) > 0)
        trawl_dissect_proto(pkt, st->llc, &payload);
}

static int vlan_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct eth_state *st = state;
    if (!trawl_buf_need(b, 0, 2))
        return (int)(trawl_buf_caplen(b) ? trawl_buf_caplen(b) : 1);
    uint16_t tci = trawl_buf_u16be(b, 0);
    unsigned pri = tci >> 13, dei = (tci >> 12) & 1, id = tci & 0x0fff;
    trawl_add_uint(pkt, F_VLAN_PRIORITY, pri);
    trawl_add_bool(pkt, F_VLAN_DEI, dei);
    trawl_add_uint(pkt, F_VLAN_ID, id);
    trawl_packet_set_vlan(pkt, (uint16_t)id);   /* part of a flow's identity */
    if (trawl_cols_wanted(pkt))
        trawl_col_set(pkt, TRAWL_COL_INFO, "PRI: %u  DEI: %u  ID: %u", pri, dei, id);
    if (!trawl_buf_need(b, 2, 2))
        return 2;
    uint16_t lt = trawl_buf_u16be(b, 2);
    if (lt >= ETHERTYPE_MIN)
        trawl_add_uint(pkt, F_VLAN_ETYPE, lt);
    tag_payload(pkt, st, b, lt, F_VLAN_LEN, F_VLAN_TRAILER);
    return 4;
}

static int ad_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct eth_state *st = state;
    if (!trawl_buf_need(b, 0, 2))
        return (int)(trawl_buf_caplen(b) ? trawl_buf_caplen(b) : 1);
    uint16_t tci = trawl_buf_u16be(b, 0);
    trawl_add_uint(pkt, F_AD_PRIORITY, tci >> 13);
    trawl_add_uint(pkt, F_AD_DEI, (tci >> 12) & 1);
    trawl_add_uint(pkt, F_AD_ID, tci & 0x0fff);
    if (trawl_cols_wanted(pkt))
        trawl_col_set(pkt, TRAWL_COL_INFO, "PRI: %u  DEI: %u  ID: %u", tci >> 13,
                      (tci >> 12) & 1, tci & 0x0fff);
    if (!trawl_buf_need(b, 2, 2))
        return 2;
    tag_payload(pkt, st, b, trawl_buf_u16be(b, 2), -1, -1);
    return 4;
}

/* ---- 802.2 LLC and SNAP ----------------------------------------------------------------- */

#define SAP_SNAP 0xaa
#define OUI_ENCAP_ETHER 0x000000      /* RFC 1042 */
#define OUI_CISCO_90    0x0000f8      /* 802.1H bridge tunnel: also an ethertype */

static int llc_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct eth_state *st = state;
    if (!trawl_buf_need(b, 0, 3))
        return (int)(trawl_buf_caplen(b) ? trawl_buf_caplen(b) : 1);
    uint8_t dsap = trawl_buf_u8(b, 0), ssap = trawl_buf_u8(b, 1);
    trawl_add_uint(pkt, F_LLC_DSAP, dsap);
    trawl_add_uint(pkt, F_LLC_SSAP, ssap);
    /* U frames have a 1-byte control field (low bits 11); I and S frames 2 bytes, sent
     * least significant byte first. */
    uint8_t c0 = trawl_buf_u8(b, 2);
    uint32_t hdr = 3;
    uint16_t control = c0;
    if ((c0 & 0x03) != 0x03) {
        if (!trawl_buf_need(b, 2, 2))
            return 2;
        control = trawl_buf_u16le(b, 2);
        hdr = 4;
    }
    trawl_add_uint(pkt, F_LLC_CONTROL, control);

    if (dsap == SAP_SNAP && ssap == SAP_SNAP && hdr == 3) {
        if (!trawl_buf_need(b, 3, 5))
            return (int)hdr;
        uint32_t oui = trawl_buf_u24be(b, 3);
        uint16_t pid = trawl_buf_u16be(b, 6);
        trawl_add_uint(pkt, F_LLC_OUI, oui);
        bool is_etype = oui == OUI_ENCAP_ETHER || oui == OUI_CISCO_90;
        trawl_add_uint(pkt, is_etype ? F_LLC_TYPE : F_LLC_PID, pid);
        if (trawl_cols_wanted(pkt))
            trawl_col_set(pkt, TRAWL_COL_INFO, "U, func=UI; SNAP, OUI 0x%06X, PID 0x%04X", oui, pid);
        if (is_etype) {
            struct trawl_buf payload = trawl_buf_tail(b, 8);
            dispatch_ethertype(pkt, st, pid, &payload);
        }
        return 8;
    }
    if (trawl_cols_wanted(pkt))
        trawl_col_set(pkt, TRAWL_COL_INFO, "DSAP 0x%02x, SSAP 0x%02x, control 0x%02x", dsap,
                      ssap & 0xfe, control);
    struct trawl_buf payload = trawl_buf_tail(b, hdr);
    if (st->llc_dsap && trawl_buf_len(&payload) > 0)
        trawl_dissect_table(pkt, st->llc_dsap, dsap & 0xfe, &payload);
    return (int)hdr;
}

/* ---- registration ----------------------------------------------------------------------- */

static const struct trawl_proto_def eth_def = {
    .name = "eth", .long_name = "Ethernet II / IEEE 802.3", .column = "ETH",
    .fields = eth_fields, .nfields = F_ETH_COUNT, .dissect = eth_dissect,
};
static const struct trawl_proto_def vlan_def = {
    .name = "vlan", .long_name = "802.1Q Virtual LAN", .column = "VLAN",
    .fields = vlan_fields, .nfields = F_VLAN_COUNT, .dissect = vlan_dissect,
};
static const struct trawl_proto_def ad_def = {
    .name = "ieee8021ad", .long_name = "IEEE 802.1ad Provider Bridge (Q-in-Q)", .column = "802.1ad",
    .fields = ad_fields, .nfields = F_AD_COUNT, .dissect = ad_dissect,
};
static const struct trawl_proto_def llc_def = {
    .name = "llc", .long_name = "Logical-Link Control (IEEE 802.2)", .column = "LLC",
    .fields = llc_fields, .nfields = F_LLC_COUNT, .dissect = llc_dissect,
};

static int eth_init(struct trawl_init *ctx)
{
    struct eth_state *st = calloc(1, sizeof *st);
    if (!st)
        return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->eth = trawl_proto_register(ctx, &eth_def, st);
    st->vlan = trawl_proto_register(ctx, &vlan_def, st);
    st->ad = trawl_proto_register(ctx, &ad_def, st);
    st->llc = trawl_proto_register(ctx, &llc_def, st);
    if (!st->eth || !st->vlan || !st->ad || !st->llc)
        return TRAWL_EPLUGIN;
    if (!trawl_table_declare(ctx, "ethertype", "Ethernet type (IEEE 802.3 length/type >= 0x0600)",
                             TRAWL_TABLE_UINT, 0xffff))
        return TRAWL_EPLUGIN;
    if (!trawl_table_declare(ctx, "llc.dsap", "IEEE 802.2 destination SAP (I/G bit cleared)",
                             TRAWL_TABLE_UINT, 0xff))
        return TRAWL_EPLUGIN;
    return TRAWL_OK;
}

static int eth_handoff(struct trawl_init *ctx)
{
    struct eth_state *st = trawl_init_state(ctx);
    st->ethertype = trawl_table_find(ctx, "ethertype");
    st->llc_dsap = trawl_table_find(ctx, "llc.dsap");
    int rc = trawl_table_add(ctx, "link", 1, st->eth);   /* LINKTYPE_ETHERNET */
    if (rc < 0)
        return rc;
    trawl_table_add(ctx, "ethertype", 0x8100, st->vlan);
    trawl_table_add(ctx, "ethertype", 0x9100, st->vlan);
    trawl_table_add(ctx, "ethertype", 0x88a8, st->ad);
    /* Transparent Ethernet bridging inside GRE (a table that is absent when gre is not loaded:
     * trawl_table_add says so at debug level and nothing else happens). */
    trawl_table_add(ctx, "gre.proto", 0x6558, st->eth);
    return TRAWL_OK;
}

static void eth_fini(void *state)
{
    free(state);
}

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "eth", .version = "1.0.0",
    .summary = "Ethernet II / 802.3, 802.1Q and 802.1ad VLAN tags, 802.2 LLC/SNAP",
    .init = eth_init, .handoff = eth_handoff, .fini = eth_fini);
