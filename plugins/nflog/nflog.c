/* nflog — Linux netfilter NFLOG captures (LINKTYPE_NFLOG 239).
 *
 * Spec: https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html (and linux/netfilter/nfnetlink_log.h).
 *
 *   0      1       2               4
 *   +------+-------+---------------+----------------------------------------
 *   |family|version| resource id   | TLVs ...
 *   +------+-------+---------------+----------------------------------------
 *   family: AF_ value of the payload (2 IPv4, 10 IPv6); resource id: the NFLOG group, big-endian.
 *   TLV:    length(2) type(2) value — length and type in the *capturing host's* byte order
 *           (little-endian in practice; we read them so), length counts the 4-byte TLV header
 *           and excludes padding; each TLV starts on a 4-byte boundary. Values are big-endian.
 *           The top bit of the type is NLA_F_NESTED: only the low 15 bits are the type.
 *
 * NFULA_PAYLOAD (9) carries the packet, dispatched by family (IPv4 / IPv6 via the "ethertype"
 * table, falling back to "ip" / "ipv6" by name). A TLV length below 4 cannot be right and stops
 * the walk (MALFORMED), as does one running past the end.
 */
#include <stdlib.h>
#include <trawl/trawl.h>

#define NFLOG_HDR 4
#define TLV_HDR   4

enum {
    NFULA_PACKET_HDR = 1, NFULA_MARK = 2, NFULA_TIMESTAMP = 3, NFULA_IFINDEX_INDEV = 4,
    NFULA_IFINDEX_OUTDEV = 5, NFULA_IFINDEX_PHYSINDEV = 6, NFULA_IFINDEX_PHYSOUTDEV = 7,
    NFULA_HWADDR = 8, NFULA_PAYLOAD = 9, NFULA_PREFIX = 10, NFULA_UID = 11, NFULA_SEQ = 12,
    NFULA_SEQ_GLOBAL = 13, NFULA_GID = 14, NFULA_HWTYPE = 15, NFULA_HWHEADER = 16,
    NFULA_HWLEN = 17, NFULA_CT = 18, NFULA_CT_INFO = 19, NFULA_VLAN = 20, NFULA_L2HDR = 21,
};

struct nflog_state {
    const struct trawl_table *ethertype;
    const struct trawl_proto *ip, *ipv6;
};

static const struct trawl_value_name family_names[] = {
    { 0, "Unspecified" }, { 2, "IPv4" }, { 7, "Bridge" }, { 10, "IPv6" }, { 0, NULL }
};

static const struct trawl_value_name tlv_names[] = {
    { 1, "NFULA_PACKET_HDR" }, { 2, "NFULA_MARK" }, { 3, "NFULA_TIMESTAMP" },
    { 4, "NFULA_IFINDEX_INDEV" }, { 5, "NFULA_IFINDEX_OUTDEV" },
    { 6, "NFULA_IFINDEX_PHYSINDEV" }, { 7, "NFULA_IFINDEX_PHYSOUTDEV" }, { 8, "NFULA_HWADDR" },
    { 9, "NFULA_PAYLOAD" }, { 10, "NFULA_PREFIX" }, { 11, "NFULA_UID" }, { 12, "NFULA_SEQ" },
    { 13, "NFULA_SEQ_GLOBAL" }, { 14, "NFULA_GID" }, { 15, "NFULA_HWTYPE" },
    { 16, "NFULA_HWHEADER" }, { 17, "NFULA_HWLEN" }, { 18, "NFULA_CT" }, { 19, "NFULA_CT_INFO" },
    { 20, "NFULA_VLAN" }, { 21, "NFULA_L2HDR" }, { 0, NULL }
};

static const struct trawl_value_name hook_names[] = {
    { 0, "Pre-routing" }, { 1, "Local in" }, { 2, "Forward" }, { 3, "Local out" },
    { 4, "Post-routing" }, { 0, NULL }
};

enum {
    F_FAMILY, F_VERSION, F_RES_ID, F_TLV_LENGTH, F_TLV_TYPE, F_PROTOCOL, F_HOOK, F_INDEV,
    F_OUTDEV, F_PHYSINDEV, F_PHYSOUTDEV, F_PREFIX, F_UID, F_GID, F_TIMESTAMP, F_TLV_VALUE,
    F_COUNT
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_FAMILY]     = { .name = "nflog.family", .desc = "Address family of the payload",
                       .type = TRAWL_FT_U8, .names = family_names },
    [F_VERSION]    = { .name = "nflog.version", .desc = "NFLOG version", .type = TRAWL_FT_U8 },
    [F_RES_ID]     = { .name = "nflog.res_id", .desc = "Resource id (NFLOG group)", .type = TRAWL_FT_U16 },
    [F_TLV_LENGTH] = { .name = "nflog.tlv_length", .desc = "TLV length (header included, padding not)",
                       .type = TRAWL_FT_U16 },
    [F_TLV_TYPE]   = { .name = "nflog.tlv_type", .desc = "TLV type", .type = TRAWL_FT_U16,
                       .names = tlv_names, .mask = 0x7fff },
    [F_PROTOCOL]   = { .name = "nflog.protocol", .desc = "Hardware protocol (ethertype)",
                       .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_HOOK]       = { .name = "nflog.hook", .desc = "Netfilter hook", .type = TRAWL_FT_U8,
                       .names = hook_names },
    [F_INDEV]      = { .name = "nflog.ifindex_indev", .desc = "Input interface index", .type = TRAWL_FT_U32 },
    [F_OUTDEV]     = { .name = "nflog.ifindex_outdev", .desc = "Output interface index", .type = TRAWL_FT_U32 },
    [F_PHYSINDEV]  = { .name = "nflog.ifindex_physindev", .desc = "Physical input interface index",
                       .type = TRAWL_FT_U32 },
    [F_PHYSOUTDEV] = { .name = "nflog.ifindex_physoutdev", .desc = "Physical output interface index",
                       .type = TRAWL_FT_U32 },
    [F_PREFIX]     = { .name = "nflog.prefix", .desc = "Log prefix", .type = TRAWL_FT_STRING },
    [F_UID]        = { .name = "nflog.uid", .desc = "UID of the socket owner", .type = TRAWL_FT_I64 },
    [F_GID]        = { .name = "nflog.gid", .desc = "GID of the socket owner", .type = TRAWL_FT_I64 },
    [F_TIMESTAMP]  = { .name = "nflog.timestamp", .desc = "Timestamp", .type = TRAWL_FT_TIME },
    [F_TLV_VALUE]  = { .name = "nflog.tlv_value", .desc = "TLV value (types not decoded)",
                       .type = TRAWL_FT_BYTES },
};

static void dispatch_payload(struct trawl_packet *pkt, const struct nflog_state *st,
                             uint8_t family, struct trawl_buf *payload)
{
    bool v6;
    if (family == 2) v6 = false;
    else if (family == 10) v6 = true;
    else return;
    if (trawl_buf_len(payload) == 0)
        return;
    uint16_t et = v6 ? 0x86dd : 0x0800;
    if (st->ethertype && trawl_table_get(st->ethertype, et))
        trawl_dissect_table(pkt, st->ethertype, et, payload);
    else if (v6 ? st->ipv6 : st->ip)
        trawl_dissect_proto(pkt, v6 ? st->ipv6 : st->ip, payload);
}

/* One TLV's value (v: exactly its bytes). */
static void tlv_value(struct trawl_packet *pkt, uint16_t type, const struct trawl_buf *v)
{
    uint32_t n = trawl_buf_len(v);
    switch (type) {
    case NFULA_PACKET_HDR:
        if (n >= 3) {
            trawl_add_uint(pkt, F_PROTOCOL, trawl_buf_u16be(v, 0));
            trawl_add_uint(pkt, F_HOOK, trawl_buf_u8(v, 2));
        }
        return;
    case NFULA_IFINDEX_INDEV: case NFULA_IFINDEX_OUTDEV:
    case NFULA_IFINDEX_PHYSINDEV: case NFULA_IFINDEX_PHYSOUTDEV:
        if (n >= 4)
            trawl_add_uint(pkt, F_INDEV + (unsigned)(type - NFULA_IFINDEX_INDEV), trawl_buf_u32be(v, 0));
        return;
    case NFULA_PREFIX: {
        /* NUL-terminated; keep what is before the NUL (or all present bytes). */
        int64_t z = trawl_buf_find(v, 0, 0);
        uint32_t sl = z >= 0 ? (uint32_t)z : trawl_buf_caplen(v);
        const uint8_t *s = trawl_buf_ptr(v, 0, sl);
        trawl_add_string(pkt, F_PREFIX, (const char *)(s ? s : (const uint8_t *)""), s ? sl : 0);
        return;
    }
    case NFULA_UID: case NFULA_GID:
        if (n >= 4)
            trawl_add_int(pkt, type == NFULA_UID ? F_UID : F_GID, (int32_t)trawl_buf_u32be(v, 0));
        return;
    case NFULA_TIMESTAMP:
        if (n >= 16) {
            uint64_t sec = trawl_buf_u64be(v, 0), usec = trawl_buf_u64be(v, 8);
            if (trawl_buf_ok(v))
                trawl_add_time(pkt, F_TIMESTAMP, (int64_t)(sec * 1000000000ull + usec * 1000ull));
        }
        return;
    default:
        if (n && trawl_wants(pkt, F_TLV_VALUE)) {
            const uint8_t *p = trawl_buf_ptr(v, 0, n);
            if (p)
                trawl_add_bytes(pkt, F_TLV_VALUE, p, n);
        }
        return;
    }
}

static int nflog_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct nflog_state *st = state;
    if (!trawl_buf_need(b, 0, NFLOG_HDR))
        return (int)(trawl_buf_caplen(b) ? trawl_buf_caplen(b) : 1);
    uint8_t family = trawl_buf_u8(b, 0);
    trawl_add_uint(pkt, F_FAMILY, family);
    trawl_add_uint(pkt, F_VERSION, trawl_buf_u8(b, 1));
    trawl_add_uint(pkt, F_RES_ID, trawl_buf_u16be(b, 2));

    struct trawl_buf payload = { 0 };
    bool have_payload = false;
    uint32_t off = NFLOG_HDR;
    /* Each pass advances by at least 4 (tlen >= 4), so the walk ends. */
    while (off + TLV_HDR <= trawl_buf_len(b)) {
        if (!trawl_buf_need(b, off, TLV_HDR))
            break;
        uint16_t tlen = trawl_buf_u16le(b, off);
        uint16_t type = trawl_buf_u16le(b, off + 2) & 0x7fff;
        trawl_add_uint(pkt, F_TLV_LENGTH, tlen);
        trawl_add_uint(pkt, F_TLV_TYPE, type);
        if (tlen < TLV_HDR) {
            /* A TLV shorter than its own header: the rest cannot be parsed. */
            trawl_buf_need(b, trawl_buf_len(b), 1);   /* latch MALFORMED: past the end */
            break;
        }
        struct trawl_buf v = trawl_buf_sub(b, off + TLV_HDR, tlen - TLV_HDR);
        if (type == NFULA_PAYLOAD) {
            payload = v;
            have_payload = true;
        } else {
            tlv_value(pkt, type, &v);
        }
        if (!trawl_buf_ok(b))
            break;
        off += ((uint32_t)tlen + 3u) & ~3u;
    }
    if (trawl_cols_wanted(pkt))
        trawl_col_set(pkt, TRAWL_COL_INFO, "Linux netfilter NFLOG");
    if (have_payload)
        dispatch_payload(pkt, st, family, &payload);
    return NFLOG_HDR;
}

static const struct trawl_proto_def nflog_def = {
    .name = "nflog", .long_name = "Linux Netfilter NFLOG", .column = "NFLOG",
    .fields = fields, .nfields = F_COUNT, .dissect = nflog_dissect,
};

static int nflog_init(struct trawl_init *ctx)
{
    struct nflog_state *st = calloc(1, sizeof *st);
    if (!st)
        return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    return trawl_proto_register(ctx, &nflog_def, st) ? TRAWL_OK : TRAWL_EPLUGIN;
}

static int nflog_handoff(struct trawl_init *ctx)
{
    struct nflog_state *st = trawl_init_state(ctx);
    st->ethertype = trawl_table_find(ctx, "ethertype");
    st->ip = trawl_proto_find(ctx, "ip");
    st->ipv6 = trawl_proto_find(ctx, "ipv6");
    return trawl_table_add(ctx, "link", 239, trawl_proto_find(ctx, "nflog"));
}

static void nflog_fini(void *state)
{
    free(state);
}

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "nflog", .version = "1.0.0",
    .summary = "Linux netfilter NFLOG (LINKTYPE_NFLOG 239)",
    .init = nflog_init, .handoff = nflog_handoff, .fini = nflog_fini);
