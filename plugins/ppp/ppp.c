/* ppp — PPP over Ethernet (discovery and session) and the PPP frame itself.
 *
 * Specs: RFC 2516 (PPPoE), RFC 1661 (PPP, LCP), RFC 1662 (HDLC-like framing: address 0xff,
 * control 0x03), RFC 1332 (IPCP), RFC 5072 (IPV6CP), RFC 2637 (PPTP: PPP in enhanced GRE).
 *
 *   PPPoE:  ver(4 bits) type(4 bits) code(1) session id(2) payload length(2) payload
 *           ethertype 0x8863 (discovery: code != 0, payload = tags) and 0x8864 (session:
 *           code 0, payload = a PPP frame). Also LINKTYPE_PPP_ETHER (51): PPPoE without
 *           the Ethernet header.
 *   PPP:    [0xff 0x03] protocol(1 or 2) information
 *           The address/control bytes are optional here (present in GRE/PPTP, L2TP, HDLC
 *           link types; absent in PPPoE); 0xff03 can never be a protocol number (the low bit
 *           of the first protocol byte is 0), so both forms are recognised. A protocol whose
 *           first byte is odd is a compressed 1-byte protocol (RFC 1661 section 6.5).
 *
 * Three protocols: "pppoe" (the 6-byte header, fields pppoe.*), "pppoed" (discovery tags,
 * pppoed.*) and "ppp" (ppp.*). PPP declares the "ppp.protocol" table; IPv4 (0x0021) and IPv6
 * (0x0057) fall back to the "ip" / "ipv6" protocols by name when nobody attached to it.
 * LCP and the NCPs (IPCP, IPV6CP, CCP) are decoded to code / identifier / length only (the
 * options are not); PAP, CHAP and the rest are left as data. PPP is also attached to GRE
 * (gre.proto 0x880b) and to LINKTYPE_PPP (9) and LINKTYPE_PPP_HDLC (50); HDLC FCS and
 * byte stuffing (async framing) are not handled: captures of those link types carry
 * de-stuffed frames without FCS.
 */
#include <stdlib.h>
#include <trawl/trawl.h>

#define LINKTYPE_PPP        9
#define LINKTYPE_PPP_HDLC   50
#define LINKTYPE_PPP_ETHER  51
#define PPPOE_HDR 6

#define PPP_IP     0x0021
#define PPP_IPV6   0x0057
#define PPP_IPCP   0x8021
#define PPP_IPV6CP 0x8057
#define PPP_CCP    0x80fd
#define PPP_LCP    0xc021

struct ppp_state {
    const struct trawl_proto *pppoe, *pppoed, *ppp;
    const struct trawl_proto *ip, *ipv6;
    const struct trawl_table *ppp_table;
};

/* ---- value names ------------------------------------------------------------------------ */

static const struct trawl_value_name pppoe_code_names[] = {
    { 0x00, "Session Data" }, { 0x07, "Active Discovery Offer (PADO)" },
    { 0x09, "Active Discovery Initiation (PADI)" }, { 0x0a, "Active Discovery Session-Grant (PADG)" },
    { 0x0b, "Active Discovery Session-Credit Response (PADC)" },
    { 0x0c, "Active Discovery Quality (PADQ)" }, { 0x19, "Active Discovery Request (PADR)" },
    { 0x65, "Active Discovery Session-confirmation (PADS)" },
    { 0xa7, "Active Discovery Terminate (PADT)" }, { 0xd3, "Active Discovery Message (PADM)" },
    { 0xd4, "Active Discovery Network (PADN)" }, { 0, NULL }
};

static const struct trawl_value_name tag_names[] = {
    { 0x0000, "End-Of-List" }, { 0x0101, "Service-Name" }, { 0x0102, "AC-Name" },
    { 0x0103, "Host-Uniq" }, { 0x0104, "AC-Cookie" }, { 0x0105, "Vendor-Specific" },
    { 0x0106, "Credits" }, { 0x0107, "Metrics" }, { 0x0108, "Sequence Number" },
    { 0x0109, "Credit Scale Factor" }, { 0x0110, "Relay-Session-Id" }, { 0x0111, "HURL" },
    { 0x0112, "MOTM" }, { 0x0120, "PPP-Max-Payload" }, { 0x0121, "IP Route Add" },
    { 0x0201, "Service-Name-Error" }, { 0x0202, "AC-System-Error" },
    { 0x0203, "Generic-Error" }, { 0, NULL }
};

static const struct trawl_value_name ppp_proto_names[] = {
    { 0x0021, "Internet Protocol version 4" }, { 0x0029, "Appletalk" },
    { 0x002b, "Netware IPX/SPX" }, { 0x002d, "Van Jacobson Compressed TCP/IP" },
    { 0x002f, "Van Jacobson Uncompressed TCP/IP" }, { 0x003d, "PPP Multilink" },
    { 0x0057, "Internet Protocol version 6" }, { 0x00fd, "Compressed datagram" },
    { 0x0281, "MPLS Unicast" }, { 0x8021, "Internet Protocol Control Protocol" },
    { 0x8057, "IPv6 Control Protocol" }, { 0x80fd, "Compression Control Protocol" },
    { 0xc021, "Link Control Protocol" }, { 0xc023, "Password Authentication Protocol" },
    { 0xc025, "Link Quality Report" }, { 0xc223, "Challenge Handshake Authentication Protocol" },
    { 0xc227, "Extensible Authentication Protocol" }, { 0, NULL }
};

static const struct trawl_value_name cp_code_names[] = {
    { 1, "Configuration Request" }, { 2, "Configuration Ack" }, { 3, "Configuration Nak" },
    { 4, "Configuration Reject" }, { 5, "Termination Request" }, { 6, "Termination Ack" },
    { 7, "Code Reject" }, { 8, "Protocol Reject" }, { 9, "Echo Request" }, { 10, "Echo Reply" },
    { 11, "Discard Request" }, { 12, "Identification" }, { 13, "Time Remaining" },
    { 14, "Reset Request" }, { 15, "Reset Ack" }, { 0, NULL }
};

static const char *name_of(const struct trawl_value_name *t, uint64_t v)
{
    for (; t->name; t++)
        if (t->value == v)
            return t->name;
    return NULL;
}

/* ---- fields ----------------------------------------------------------------------------- */

enum { F_PPPOE_VERSION, F_PPPOE_TYPE, F_PPPOE_CODE, F_PPPOE_SESSION_ID, F_PPPOE_PAYLOAD_LENGTH,
       F_PPPOE_COUNT };
static const struct trawl_field_def pppoe_fields[F_PPPOE_COUNT] = {
    [F_PPPOE_VERSION] = { .name = "pppoe.version", .desc = "Version (1)", .type = TRAWL_FT_U8,
                          .mask = 0xf0 },
    [F_PPPOE_TYPE]    = { .name = "pppoe.type", .desc = "Type (1)", .type = TRAWL_FT_U8, .mask = 0x0f },
    [F_PPPOE_CODE]    = { .name = "pppoe.code", .desc = "Code (0: session data)", .type = TRAWL_FT_U8,
                          .base = TRAWL_BASE_HEX, .names = pppoe_code_names },
    [F_PPPOE_SESSION_ID] = { .name = "pppoe.session_id", .desc = "Session id", .type = TRAWL_FT_U16,
                             .base = TRAWL_BASE_HEX },
    [F_PPPOE_PAYLOAD_LENGTH] = { .name = "pppoe.payload_length", .desc = "Payload length",
                                 .type = TRAWL_FT_U16 },
};

enum { F_TAG, F_TAG_LENGTH, F_SERVICE_NAME, F_AC_NAME, F_HOST_UNIQ, F_AC_COOKIE, F_VENDOR_ID,
       F_VENDOR_UNSPEC, F_RELAY_SESSION_ID, F_MAX_PAYLOAD, F_SERVICE_NAME_ERROR,
       F_AC_SYSTEM_ERROR, F_GENERIC_ERROR, F_UNKNOWN_DATA, F_PPPOED_COUNT };
static const struct trawl_field_def pppoed_fields[F_PPPOED_COUNT] = {
    [F_TAG]          = { .name = "pppoed.tag", .desc = "Tag type", .type = TRAWL_FT_U16,
                         .base = TRAWL_BASE_HEX, .names = tag_names },
    [F_TAG_LENGTH]   = { .name = "pppoed.tag_length", .desc = "Tag length", .type = TRAWL_FT_U16 },
    [F_SERVICE_NAME] = { .name = "pppoed.tags.service_name", .desc = "Service-Name", .type = TRAWL_FT_STRING },
    [F_AC_NAME]      = { .name = "pppoed.tags.ac_name", .desc = "AC-Name", .type = TRAWL_FT_STRING },
    [F_HOST_UNIQ]    = { .name = "pppoed.tags.host_uniq", .desc = "Host-Uniq", .type = TRAWL_FT_BYTES },
    [F_AC_COOKIE]    = { .name = "pppoed.tags.ac_cookie", .desc = "AC-Cookie", .type = TRAWL_FT_BYTES },
    [F_VENDOR_ID]    = { .name = "pppoed.tags.vendor_id", .desc = "Vendor id (Vendor-Specific tag)",
                         .type = TRAWL_FT_U32 },
    [F_VENDOR_UNSPEC] = { .name = "pppoed.tags.vendor_unspecified", .desc = "Vendor-Specific data",
                          .type = TRAWL_FT_BYTES },
    [F_RELAY_SESSION_ID] = { .name = "pppoed.tags.relay_session_id", .desc = "Relay-Session-Id",
                             .type = TRAWL_FT_BYTES },
    [F_MAX_PAYLOAD]  = { .name = "pppoed.tags.max_payload", .desc = "PPP-Max-Payload (RFC 4638)",
                         .type = TRAWL_FT_BYTES },
    [F_SERVICE_NAME_ERROR] = { .name = "pppoed.tags.service_name_error", .desc = "Service-Name-Error",
                               .type = TRAWL_FT_STRING },
    [F_AC_SYSTEM_ERROR] = { .name = "pppoed.tags.ac_system_error", .desc = "AC-System-Error",
                            .type = TRAWL_FT_STRING },
    [F_GENERIC_ERROR] = { .name = "pppoed.tags.generic_error", .desc = "Generic-Error",
                          .type = TRAWL_FT_STRING },
    [F_UNKNOWN_DATA] = { .name = "pppoed.tag.unknown_data", .desc = "Data of a tag not decoded",
                         .type = TRAWL_FT_BYTES },
};

enum { F_PPP_ADDRESS, F_PPP_CONTROL, F_PPP_PROTOCOL, F_PPP_CODE, F_PPP_IDENTIFIER, F_PPP_LENGTH,
       F_PPP_COUNT };
static const struct trawl_field_def ppp_fields[F_PPP_COUNT] = {
    [F_PPP_ADDRESS]  = { .name = "ppp.address", .desc = "Address (HDLC-like framing)",
                         .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX },
    [F_PPP_CONTROL]  = { .name = "ppp.control", .desc = "Control (HDLC-like framing)",
                         .type = TRAWL_FT_U8, .base = TRAWL_BASE_HEX },
    [F_PPP_PROTOCOL] = { .name = "ppp.protocol", .desc = "Protocol", .type = TRAWL_FT_U16,
                         .base = TRAWL_BASE_HEX, .names = ppp_proto_names },
    [F_PPP_CODE]     = { .name = "ppp.code", .desc = "Control protocol code", .type = TRAWL_FT_U8,
                         .names = cp_code_names },
    [F_PPP_IDENTIFIER] = { .name = "ppp.identifier", .desc = "Control protocol identifier",
                           .type = TRAWL_FT_U8, .base = TRAWL_BASE_DEC_HEX },
    [F_PPP_LENGTH]   = { .name = "ppp.length", .desc = "Control protocol length", .type = TRAWL_FT_U16 },
};

/* ---- PPPoE ------------------------------------------------------------------------------ */

static int pppoe_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct ppp_state *st = state;
    if (!trawl_buf_need(b, 0, 1))
        return 1;
    uint8_t vt = trawl_buf_u8(b, 0);
    trawl_add_uint(pkt, F_PPPOE_VERSION, vt >> 4);
    trawl_add_uint(pkt, F_PPPOE_TYPE, vt & 0x0f);
    if (!trawl_buf_need(b, 1, 1))
        return 1;
    uint8_t code = trawl_buf_u8(b, 1);
    trawl_add_uint(pkt, F_PPPOE_CODE, code);
    if (!trawl_buf_need(b, 2, 2))
        return 2;
    trawl_add_uint(pkt, F_PPPOE_SESSION_ID, trawl_buf_u16be(b, 2));
    if (!trawl_buf_need(b, 4, 2))
        return 4;
    uint16_t plen = trawl_buf_u16be(b, 4);
    trawl_add_uint(pkt, F_PPPOE_PAYLOAD_LENGTH, plen);
    if (trawl_cols_wanted(pkt)) {
        const char *n = name_of(pppoe_code_names, code);
        if (code == 0)
            trawl_col_set(pkt, TRAWL_COL_INFO, "PPPoE Session");
        else if (n)
            trawl_col_set(pkt, TRAWL_COL_INFO, "%s", n);
        else
            trawl_col_set(pkt, TRAWL_COL_INFO, "Unknown PPPoE code 0x%02x", code);
    }
    /* The payload length bounds the PPP frame: the Ethernet padding after it is not PPP.
     * A length past the end latches MALFORMED and the present bytes are still decoded. */
    struct trawl_buf payload = trawl_buf_sub(b, PPPOE_HDR, plen);
    if (trawl_buf_len(&payload) == 0)
        return PPPOE_HDR;
    trawl_dissect_proto(pkt, code == 0 ? st->ppp : st->pppoed, &payload);
    return PPPOE_HDR;
}

static int pppoed_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    uint32_t off = 0;
    /* Each tag advances by at least 4 bytes, so the walk ends. */
    while (off + 4 <= trawl_buf_len(b)) {
        if (!trawl_buf_need(b, off, 4))
            break;
        uint16_t tag = trawl_buf_u16be(b, off), tlen = trawl_buf_u16be(b, off + 2);
        if (tag == 0x0000)   /* End-Of-List */
            break;
        if (tlen == 0) {     /* an empty tag (e.g. "any service"): nothing to show, as tshark */
            off += 4;
            continue;
        }
        struct trawl_buf v = trawl_buf_sub(b, off + 4, tlen);
        uint32_t n = trawl_buf_caplen(&v);
        const uint8_t *p = n ? trawl_buf_ptr(&v, 0, n) : NULL;
        int f = -1;
        switch (tag) {
        case 0x0101: f = F_SERVICE_NAME; break;
        case 0x0102: f = F_AC_NAME; break;
        case 0x0103: f = F_HOST_UNIQ; break;
        case 0x0104: f = F_AC_COOKIE; break;
        case 0x0110: f = F_RELAY_SESSION_ID; break;
        case 0x0120: f = F_MAX_PAYLOAD; break;
        case 0x0201: f = F_SERVICE_NAME_ERROR; break;
        case 0x0202: f = F_AC_SYSTEM_ERROR; break;
        case 0x0203: f = F_GENERIC_ERROR; break;
        case 0x0105:
            if (n >= 4) {
                trawl_add_uint(pkt, F_VENDOR_ID, trawl_buf_u32be(&v, 0));
                if (n > 4)
                    trawl_add_bytes(pkt, F_VENDOR_UNSPEC, p + 4, n - 4);
            }
            break;
        default:
            /* Tag number and length are shown for tags without a field of their own. */
            trawl_add_uint(pkt, F_TAG, tag);
            trawl_add_uint(pkt, F_TAG_LENGTH, tlen);
            f = F_UNKNOWN_DATA;
            break;
        }
        if (f >= 0 && p) {
            if (pppoed_fields[f].type == TRAWL_FT_STRING)
                trawl_add_string(pkt, (unsigned)f, (const char *)p, n);
            else
                trawl_add_bytes(pkt, (unsigned)f, p, n);
        }
        if (!trawl_buf_ok(b))
            break;
        off += 4u + tlen;
    }
    return (int)(off ? off : 1);
}

/* ---- PPP -------------------------------------------------------------------------------- */

/* LCP and the NCPs share a code / identifier / length header (RFC 1661 section 5). */
static void control_protocol(struct trawl_packet *pkt, struct trawl_buf *b)
{
    if (!trawl_buf_need(b, 0, 4))
        return;
    uint8_t code = trawl_buf_u8(b, 0);
    uint16_t len = trawl_buf_u16be(b, 2);
    trawl_add_uint(pkt, F_PPP_CODE, code);
    trawl_add_uint(pkt, F_PPP_IDENTIFIER, trawl_buf_u8(b, 1));
    trawl_add_uint(pkt, F_PPP_LENGTH, len);
    if (trawl_cols_wanted(pkt)) {
        const char *n = name_of(cp_code_names, code);
        if (n)
            trawl_col_set(pkt, TRAWL_COL_INFO, "%s", n);
        else
            trawl_col_set(pkt, TRAWL_COL_INFO, "Unknown code 0x%02x", code);
    }
}

static int ppp_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct ppp_state *st = state;
    uint32_t off = 0;
    if (trawl_buf_has(b, 0, 2) && trawl_buf_u8(b, 0) == 0xff && trawl_buf_u8(b, 1) == 0x03) {
        trawl_add_uint(pkt, F_PPP_ADDRESS, 0xff);
        trawl_add_uint(pkt, F_PPP_CONTROL, 0x03);
        off = 2;
    }
    if (!trawl_buf_need(b, off, 1))
        return (int)(off ? off : 1);
    uint16_t proto = trawl_buf_u8(b, off);
    if (proto & 1) {
        off += 1;                         /* protocol field compression */
    } else {
        if (!trawl_buf_need(b, off, 2))
            return (int)(off + 1);
        proto = trawl_buf_u16be(b, off);
        off += 2;
    }
    trawl_add_uint(pkt, F_PPP_PROTOCOL, proto);
    if (trawl_cols_wanted(pkt)) {
        const char *n = name_of(ppp_proto_names, proto);
        if (n)
            trawl_col_set(pkt, TRAWL_COL_INFO, "%s", n);
        else
            trawl_col_set(pkt, TRAWL_COL_INFO, "Protocol 0x%04x", proto);
    }
    struct trawl_buf payload = trawl_buf_tail(b, off);
    if (trawl_buf_len(&payload) == 0)
        return (int)off;
    if (st->ppp_table && trawl_table_get(st->ppp_table, proto)) {
        trawl_dissect_table(pkt, st->ppp_table, proto, &payload);
    } else if (proto == PPP_IP && st->ip) {
        trawl_dissect_proto(pkt, st->ip, &payload);
    } else if (proto == PPP_IPV6 && st->ipv6) {
        trawl_dissect_proto(pkt, st->ipv6, &payload);
    } else if (proto == PPP_LCP || proto == PPP_IPCP || proto == PPP_IPV6CP || proto == PPP_CCP) {
        control_protocol(pkt, &payload);
    }
    return (int)off;
}

/* ---- registration ----------------------------------------------------------------------- */

static const struct trawl_proto_def pppoe_def = {
    .name = "pppoe", .long_name = "PPP-over-Ethernet", .column = "PPPoE",
    .fields = pppoe_fields, .nfields = F_PPPOE_COUNT, .dissect = pppoe_dissect,
};
static const struct trawl_proto_def pppoed_def = {
    .name = "pppoed", .long_name = "PPP-over-Ethernet Discovery", .column = "PPPoED",
    .fields = pppoed_fields, .nfields = F_PPPOED_COUNT, .dissect = pppoed_dissect,
};
static const struct trawl_proto_def ppp_def = {
    .name = "ppp", .long_name = "Point-to-Point Protocol", .column = "PPP",
    .fields = ppp_fields, .nfields = F_PPP_COUNT, .dissect = ppp_dissect,
};

static int ppp_init(struct trawl_init *ctx)
{
    struct ppp_state *st = calloc(1, sizeof *st);
    if (!st)
        return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->pppoe = trawl_proto_register(ctx, &pppoe_def, st);
    st->pppoed = trawl_proto_register(ctx, &pppoed_def, st);
    st->ppp = trawl_proto_register(ctx, &ppp_def, st);
    if (!st->pppoe || !st->pppoed || !st->ppp)
        return TRAWL_EPLUGIN;
    if (!trawl_table_declare(ctx, "ppp.protocol", "PPP protocol number (RFC 1661)",
                             TRAWL_TABLE_UINT, 0xffff))
        return TRAWL_EPLUGIN;
    return TRAWL_OK;
}

static int ppp_handoff(struct trawl_init *ctx)
{
    struct ppp_state *st = trawl_init_state(ctx);
    st->ppp_table = trawl_table_find(ctx, "ppp.protocol");
    st->ip = trawl_proto_find(ctx, "ip");
    st->ipv6 = trawl_proto_find(ctx, "ipv6");
    /* Tables of plugins that may be absent: a missing one is not an error (ENOENT). */
    trawl_table_add(ctx, "ethertype", 0x8863, st->pppoe);
    trawl_table_add(ctx, "ethertype", 0x8864, st->pppoe);
    trawl_table_add(ctx, "gre.proto", 0x880b, st->ppp);
    trawl_table_add(ctx, "link", LINKTYPE_PPP, st->ppp);
    trawl_table_add(ctx, "link", LINKTYPE_PPP_HDLC, st->ppp);
    trawl_table_add(ctx, "link", LINKTYPE_PPP_ETHER, st->pppoe);
    return TRAWL_OK;
}

static void ppp_fini(void *state)
{
    free(state);
}

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "ppp", .version = "1.0.0",
    .summary = "PPPoE discovery and session (RFC 2516) and PPP (RFC 1661, 1662)",
    .init = ppp_init, .handoff = ppp_handoff, .fini = ppp_fini);
