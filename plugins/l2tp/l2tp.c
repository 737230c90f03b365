/* l2tp.c — Layer 2 Tunnelling Protocol version 2 over UDP (RFC 2661): header, control
 * message type (first AVP), and PPP frames of data messages handed to the "ppp" dissector.
 *
 *   flags+version (16) | [length] | tunnel id | session id | [Ns Nr] | [offset size, pad]
 *   T L x x S x O P x x x x Ver(4)     T: control, L: length present, S: Ns/Nr present,
 *                                       O: offset present, P: priority
 * L2TPv3 (RFC 3931, version 3) is recognised and its fields shown up to the session header;
 * its payloads are not decoded (their cookie length is configured out of band).
 */
#include <stdlib.h>
#include <trawl/trawl.h>

enum { F_TYPE, F_LENGTH_BIT, F_SEQ_BIT, F_OFFSET_BIT, F_PRIORITY, F_VERSION, F_LENGTH, F_TUNNEL,
       F_SESSION, F_NS, F_NR, F_OFFSET, F_MSG_TYPE, F_COUNT };

static const struct trawl_value_name msg_types[] = {
    { 1, "Start_Control_Request" }, { 2, "Start_Control_Reply" }, { 3, "Start_Control_Connected" },
    { 4, "Stop_Control_Notification" }, { 6, "Hello" }, { 7, "Outgoing_Call_Request" },
    { 8, "Outgoing_Call_Reply" }, { 9, "Outgoing_Call_Connected" }, { 10, "Incoming_Call_Request" },
    { 11, "Incoming_Call_Reply" }, { 12, "Incoming_Call_Connected" }, { 14, "Call_Disconnect_Notification" },
    { 15, "WAN_Error_Notify" }, { 16, "Set_Link_Info" }, { 0, NULL } };

static const struct trawl_field_def fields[F_COUNT] = {
    [F_TYPE] = { .name = "l2tp.type", .desc = "Type (1: control message)", .type = TRAWL_FT_BOOL },
    [F_LENGTH_BIT] = { .name = "l2tp.length_bit", .desc = "Length bit", .type = TRAWL_FT_BOOL },
    [F_SEQ_BIT] = { .name = "l2tp.seq_bit", .desc = "Sequence bit", .type = TRAWL_FT_BOOL },
    [F_OFFSET_BIT] = { .name = "l2tp.offset_bit", .desc = "Offset bit", .type = TRAWL_FT_BOOL },
    [F_PRIORITY] = { .name = "l2tp.priority", .desc = "Priority", .type = TRAWL_FT_BOOL },
    [F_VERSION] = { .name = "l2tp.version", .desc = "Version", .type = TRAWL_FT_U8 },
    [F_LENGTH] = { .name = "l2tp.length", .desc = "Length", .type = TRAWL_FT_U16 },
    [F_TUNNEL] = { .name = "l2tp.tunnel", .desc = "Tunnel id", .type = TRAWL_FT_U16 },
    [F_SESSION] = { .name = "l2tp.session", .desc = "Session id", .type = TRAWL_FT_U16 },
    [F_NS] = { .name = "l2tp.Ns", .desc = "Ns", .type = TRAWL_FT_U16 },
    [F_NR] = { .name = "l2tp.Nr", .desc = "Nr", .type = TRAWL_FT_U16 },
    [F_OFFSET] = { .name = "l2tp.offset", .desc = "Offset size", .type = TRAWL_FT_U16 },
    [F_MSG_TYPE] = { .name = "l2tp.avp.message_type", .desc = "Control message type", .type = TRAWL_FT_U16, .base = TRAWL_BASE_DEC, .names = msg_types },
};

struct state { const struct trawl_proto *me, *ppp; };

static const char *msg_name(uint16_t t)
{
    for (const struct trawl_value_name *n = msg_types; n->name; n++) if (n->value == t) return n->name;
    return "Unknown";
}

static int dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *st_)
{
    struct state *st = st_;
    if (!trawl_buf_has(b, 0, 6)) return 0;
    uint16_t flags = trawl_buf_u16be(b, 0);
    uint8_t version = flags & 0x0f;
    if (version != 2 && version != 3) return 0;      /* not L2TP on this port */
    bool control = flags & 0x8000, has_len = flags & 0x4000, has_seq = flags & 0x0800,
         has_off = flags & 0x0200;
    trawl_add_bool(pkt, F_TYPE, control);
    trawl_add_bool(pkt, F_LENGTH_BIT, has_len);
    trawl_add_bool(pkt, F_SEQ_BIT, has_seq);
    trawl_add_bool(pkt, F_OFFSET_BIT, has_off);
    trawl_add_bool(pkt, F_PRIORITY, flags & 0x0100);
    trawl_add_uint(pkt, F_VERSION, version);
    uint32_t off = 2, total = trawl_buf_len(b);
    if (version == 3) {
        /* v3 over UDP: 2 reserved bytes, then a 32-bit control connection / session id. */
        trawl_add_uint(pkt, F_LENGTH, trawl_buf_u16be(b, 2));
        trawl_col_set(pkt, TRAWL_COL_INFO, "L2TPv3 %s", control ? "control message" : "data");
        return (int)total;
    }
    if (has_len) {
        uint16_t len = trawl_buf_u16be(b, off);
        trawl_add_uint(pkt, F_LENGTH, len);
        if (len < 6) return (int)total;               /* impossible: shown, nothing more */
        total = len;
        off += 2;
    }
    struct trawl_buf msg = trawl_buf_sub(b, 0, total);
    uint16_t tunnel = trawl_buf_u16be(&msg, off), session = trawl_buf_u16be(&msg, off + 2);
    trawl_add_uint(pkt, F_TUNNEL, tunnel);
    trawl_add_uint(pkt, F_SESSION, session);
    off += 4;
    if (has_seq) {
        trawl_add_uint(pkt, F_NS, trawl_buf_u16be(&msg, off));
        trawl_add_uint(pkt, F_NR, trawl_buf_u16be(&msg, off + 2));
        off += 4;
    }
    if (has_off) {
        uint16_t pad = trawl_buf_u16be(&msg, off);
        trawl_add_uint(pkt, F_OFFSET, pad);
        off += 2 + pad;
    }
    if (!trawl_buf_ok(&msg)) return (int)trawl_buf_len(b);
    if (control) {
        /* The first AVP of a control message is Message Type (attribute 0, 8 bytes). */
        if (trawl_buf_has(&msg, off, 8) && trawl_buf_u16be(&msg, off + 2) == 0 && trawl_buf_u16be(&msg, off + 4) == 0) {
            uint16_t t = trawl_buf_u16be(&msg, off + 6);
            trawl_add_uint(pkt, F_MSG_TYPE, t);
            trawl_col_set(pkt, TRAWL_COL_INFO, "Control Message - %s (tunnel id=%u, session id=%u)",
                          msg_name(t), tunnel, session);
        } else {
            trawl_col_set(pkt, TRAWL_COL_INFO, "Control Message - ZLB (tunnel id=%u, session id=%u)", tunnel, session);
        }
        return (int)trawl_buf_len(b);
    }
    trawl_col_set(pkt, TRAWL_COL_INFO, "Data (tunnel id=%u, session id=%u)", tunnel, session);
    struct trawl_buf ppp = trawl_buf_tail(&msg, off);
    if (st->ppp && trawl_buf_len(&ppp)) trawl_dissect_proto(pkt, st->ppp, &ppp);
    return (int)trawl_buf_len(b);
}

static const struct trawl_proto_def def = { "l2tp", "Layer 2 Tunneling Protocol", "L2TP", fields, F_COUNT, dissect };

static int init(struct trawl_init *ctx)
{
    struct state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->me = trawl_proto_register(ctx, &def, st);
    return st->me ? 0 : TRAWL_EINVAL;
}

static int handoff(struct trawl_init *ctx)
{
    struct state *st = trawl_init_state(ctx);
    st->ppp = trawl_proto_find(ctx, "ppp");
    if (!st->ppp) trawl_init_log(ctx, TRAWL_LOG_WARN, "no \"ppp\" dissector: L2TP data shown undecoded");
    trawl_table_add(ctx, "udp.port", 1701, st->me);
    return 0;
}

static void fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "l2tp", .version = "1.0.0",
                        .summary = "Layer 2 Tunnelling Protocol v2 over UDP (RFC 2661)",
                        .init = init, .handoff = handoff, .fini = fini);
