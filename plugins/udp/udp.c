/* udp.c — User Datagram Protocol: header; payload to "udp.port", then the "udp" heuristics.
 * RFC 768 (UDP), RFC 8200 section 8.1 (checksum over IPv6), RFC 2675 section 4 (jumbograms).
 *
 *    0                   1                   2                   3
 *   +-------------------------------+-------------------------------+
 *   |          Source Port          |       Destination Port        |
 *   +-------------------------------+-------------------------------+
 *   |            Length             |           Checksum            |
 *   +-------------------------------+-------------------------------+
 *
 * The view we get is the IP payload. The payload handed on is sized by udp.length, as tshark
 * does: shorter than the IP payload, the rest is not UDP's (a length of 8 leaves no payload);
 * below 8 is malformed and nothing is handed on; longer than the IP payload (outside an ICMP
 * error's quote, trawl_packet_in_quote, cut on purpose, and a first fragment, TRAWL_HINT_FRAGMENT,
 * which the IP layer hands on only when it is cut short) is malformed: flagged (udp.length.bad),
 * latched, and what is there is still handed on, as tshark does. Over IPv6 (TRAWL_HINT_IPV6) a
 * length of 0 is a jumbogram.
 */
#include <stdlib.h>
#include <trawl/trawl.h>

#define ARROW "\xe2\x86\x92"     /* U+2192, as tshark's info column writes it */

enum {
    F_SRCPORT, F_DSTPORT, F_PORT, F_LENGTH, F_CHECKSUM, F_PAYLOAD, F_LENGTH_BAD, F_STREAM, F_COUNT
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_SRCPORT]    = { .name = "udp.srcport", .desc = "Source port", .type = TRAWL_FT_U16 },
    [F_DSTPORT]    = { .name = "udp.dstport", .desc = "Destination port", .type = TRAWL_FT_U16 },
    [F_PORT]       = { .name = "udp.port", .desc = "Source or destination port", .type = TRAWL_FT_U16 },
    [F_LENGTH]     = { .name = "udp.length", .desc = "Length (header and payload)", .type = TRAWL_FT_U16 },
    [F_CHECKSUM]   = { .name = "udp.checksum", .desc = "Checksum (not verified; 0 = none over IPv4)", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_PAYLOAD]    = { .name = "udp.payload", .desc = "Payload bytes (captured part)", .type = TRAWL_FT_BYTES },
    [F_LENGTH_BAD] = { .name = "udp.length.bad", .desc = "Length below 8 or past the IP payload", .type = TRAWL_FT_NONE },
    [F_STREAM]     = { .name = "udp.stream", .desc = "Stream index (conversations in order of first packet, from 0)", .type = TRAWL_FT_U32 },
};

struct udp_state {
    const struct trawl_proto *proto;
    const struct trawl_table *ports;        /* "udp.port", declared here */
    const struct trawl_heur_list *heur;     /* "udp", declared here */
};

static void add_marker(struct trawl_packet *pkt, unsigned idx)
{
    trawl_tree_push(pkt, idx);
    trawl_tree_pop(pkt);
}

static int udp_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    struct udp_state *st = state;
    uint32_t given = trawl_buf_len(b);
    if (given == 0) return 0;
    /* Inside an ICMP error's quote (cut on purpose) or a first IP fragment our view is only
     * part of the datagram: a length past it is no error. */
    unsigned hints = trawl_packet_hints(pkt);
    bool partial = trawl_packet_in_quote(pkt) || (hints & TRAWL_HINT_FRAGMENT);
    bool cols = trawl_cols_wanted(pkt);

    if (!trawl_buf_need(b, 0, 4)) return (int)given;
    uint16_t sport = trawl_buf_u16be(b, 0), dport = trawl_buf_u16be(b, 2);
    trawl_add_uint(pkt, F_SRCPORT, sport);
    trawl_add_uint(pkt, F_DSTPORT, dport);
    trawl_add_uint(pkt, F_PORT, sport);
    trawl_add_uint(pkt, F_PORT, dport);
    if (cols) trawl_col_set(pkt, TRAWL_COL_INFO, "%u " ARROW " %u", sport, dport);
    if (!trawl_buf_need(b, 4, 2)) return (int)given;

    uint32_t ulen = trawl_buf_u16be(b, 4);
    trawl_add_uint(pkt, F_LENGTH, ulen);
    if (ulen == 0 && (hints & TRAWL_HINT_IPV6)) ulen = given;   /* jumbogram */
    if (ulen < 8) {
        add_marker(pkt, F_LENGTH_BAD);
        trawl_buf_mark_malformed(b);
        if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " [BAD UDP LENGTH %u < 8]", ulen);
        return (int)given;
    }
    /* The conversation, once the header is known to be sound (tshark numbers it then). */
    struct trawl_flow *flow = trawl_flow_get(pkt, 17, sport, dport);
    trawl_add_flow_stream(pkt, F_STREAM, flow);
    struct trawl_buf pl;
    if (ulen > given && partial) {
        pl = trawl_buf_tail(b, 8);                   /* a cut quote or a first fragment */
    } else {
        if (ulen > given) {
            add_marker(pkt, F_LENGTH_BAD);
            if (cols)
                trawl_col_append(pkt, TRAWL_COL_INFO, " [BAD UDP LENGTH %u > IP PAYLOAD LENGTH]", ulen);
        }
        pl = trawl_buf_sub(b, 8, ulen - 8);          /* latches MALFORMED past the IP payload */
    }
    if (trawl_buf_need(b, 6, 2)) trawl_add_uint(pkt, F_CHECKSUM, trawl_buf_u16be(b, 6));
    if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " Len=%u", ulen - 8);

    uint32_t cap = trawl_buf_caplen(&pl);
    if (!partial) trawl_flow_add_payload(pkt, trawl_buf_len(&pl));
    if (cap && trawl_wants(pkt, F_PAYLOAD)) trawl_add_bytes(pkt, F_PAYLOAD, trawl_buf_ptr(&pl, 0, cap), cap);
    if (trawl_buf_len(&pl) > 0 && cap > 0 && st->ports)
        trawl_dissect_ports(pkt, st->ports, st->heur, sport, dport, &pl);
    return (int)given;
}

static const struct trawl_proto_def udp_def = {
    .name = "udp",
    .long_name = "User Datagram Protocol",
    .column = "UDP",
    .fields = fields,
    .nfields = F_COUNT,
    .dissect = udp_dissect,
};

static int udp_init(struct trawl_init *ctx)
{
    struct udp_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->proto = trawl_proto_register(ctx, &udp_def, st);
    if (!st->proto) return TRAWL_EINVAL;
    if (!trawl_table_declare(ctx, "udp.port", "UDP port", TRAWL_TABLE_UINT, 65535)) return TRAWL_EINVAL;
    if (!trawl_heur_declare(ctx, "udp", "Heuristic dissectors for UDP payloads")) return TRAWL_EINVAL;
    return 0;
}

static int udp_handoff(struct trawl_init *ctx)
{
    struct udp_state *st = trawl_init_state(ctx);
    st->ports = trawl_table_find(ctx, "udp.port");
    st->heur = trawl_heur_find(ctx, "udp");
    if (!trawl_table_find(ctx, "ip.proto")) {
        trawl_init_log(ctx, TRAWL_LOG_WARN, "no \"ip.proto\" table (is the ipv4 plugin loaded?)");
        return 0;
    }
    trawl_table_add(ctx, "ip.proto", 17, st->proto);
    return 0;
}

static void udp_fini(void *state) { free(state); }

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "udp", .version = "1.0.0",
    .summary = "User Datagram Protocol (RFC 768)",
    .init = udp_init, .handoff = udp_handoff, .fini = udp_fini);
