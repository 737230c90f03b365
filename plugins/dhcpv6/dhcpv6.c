/* dhcpv6.c — DHCPv6 on UDP 546/547 (RFC 8415), fields named and printed as tshark 4.0 does.
 *
 * A message is a type, a transaction id (or, for relay messages, hop count and two addresses)
 * and options, each code, length, value. Options that hold options (IA_NA, IA_TA, IA_PD, IA
 * Address) and relay messages (option 9: a whole inner message) are walked recursively, with
 * the depth bounded so a nest of relays cannot exhaust the stack. A length past the end of its
 * container marks the layer malformed and stops that walk.
 */
#include <stdlib.h>
#include <string.h>
#include <trawl/trawl.h>

enum {
    F_MSGTYPE, F_HOPCOUNT, F_LINKADDR, F_PEERADDR, F_XID,
    F_OPT_TYPE, F_OPT_LEN, F_OPT_VALUE,
    F_DUID_BYTES, F_DUID_TYPE, F_DUIDLLT_HW, F_DUIDLLT_TIME, F_DUIDLLT_LL, F_DUIDEN_ENT,
    F_DUIDEN_ID, F_DUIDLL_HW, F_DUIDLL_LL, F_DUIDUUID,
    F_IAID, F_IAID_T1, F_IAID_T2, F_IAADDR_IP, F_IAADDR_PREF, F_IAADDR_VALID,
    F_IAPREFIX_PREF, F_IAPREFIX_VALID, F_IAPREFIX_PLEN, F_IAPREFIX_IP,
    F_REQ_OPT, F_PREFERENCE, F_ELAPSED, F_STATUS_CODE, F_STATUS_MSG, F_INTERFACE_ID,
    F_DNS_SERVER, F_RAPID_COMMIT,
    F_COUNT
};

static const struct trawl_value_name msg_names[] = {
    { 1, "Solicit" }, { 2, "Advertise" }, { 3, "Request" }, { 4, "Confirm" }, { 5, "Renew" },
    { 6, "Rebind" }, { 7, "Reply" }, { 8, "Release" }, { 9, "Decline" }, { 10, "Reconfigure" },
    { 11, "Information-request" }, { 12, "Relay-forw" }, { 13, "Relay-reply" }, { 0, NULL } };

static const struct trawl_field_def fields[F_COUNT] = {
    [F_MSGTYPE]     = { "dhcpv6.msgtype", "Message type", TRAWL_FT_U8, 0, msg_names, 0 },
    [F_HOPCOUNT]    = { "dhcpv6.hopcount", "Hopcount", TRAWL_FT_U8, 0, NULL, 0 },
    [F_LINKADDR]    = { "dhcpv6.linkaddr", "Link address", TRAWL_FT_IPV6, 0, NULL, 0 },
    [F_PEERADDR]    = { "dhcpv6.peeraddr", "Peer address", TRAWL_FT_IPV6, 0, NULL, 0 },
    [F_XID]         = { "dhcpv6.xid", "Transaction ID", TRAWL_FT_U24, TRAWL_BASE_HEX, NULL, 0 },
    [F_OPT_TYPE]    = { "dhcpv6.option.type", "Option", TRAWL_FT_U16, 0, NULL, 0 },
    [F_OPT_LEN]     = { "dhcpv6.option.length", "Length", TRAWL_FT_U16, 0, NULL, 0 },
    [F_OPT_VALUE]   = { "dhcpv6.option.value", "Value", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_DUID_BYTES]  = { "dhcpv6.duid.bytes", "DUID", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_DUID_TYPE]   = { "dhcpv6.duid.type", "DUID Type", TRAWL_FT_U16, 0, NULL, 0 },
    [F_DUIDLLT_HW]  = { "dhcpv6.duidllt.hwtype", "Hardware type", TRAWL_FT_U16, 0, NULL, 0 },
    [F_DUIDLLT_TIME]= { "dhcpv6.duidllt.time", "DUID Time", TRAWL_FT_TIME, 0, NULL, 0 },
    [F_DUIDLLT_LL]  = { "dhcpv6.duidllt.link_layer_addr", "Link-layer address", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_DUIDEN_ENT]  = { "dhcpv6.duiden.enterprise", "Enterprise ID", TRAWL_FT_U32, 0, NULL, 0 },
    [F_DUIDEN_ID]   = { "dhcpv6.duiden.identifier", "Identifier", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_DUIDLL_HW]   = { "dhcpv6.duidll.hwtype", "Hardware type", TRAWL_FT_U16, 0, NULL, 0 },
    [F_DUIDLL_LL]   = { "dhcpv6.duidll.link_layer_addr", "Link-layer address", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_DUIDUUID]    = { "dhcpv6.duiduuid.bytes", "UUID", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_IAID]        = { "dhcpv6.iaid", "IAID", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_IAID_T1]     = { "dhcpv6.iaid.t1", "T1", TRAWL_FT_U32, 0, NULL, 0 },
    [F_IAID_T2]     = { "dhcpv6.iaid.t2", "T2", TRAWL_FT_U32, 0, NULL, 0 },
    [F_IAADDR_IP]   = { "dhcpv6.iaaddr.ip", "IPv6 address", TRAWL_FT_IPV6, 0, NULL, 0 },
    [F_IAADDR_PREF] = { "dhcpv6.iaaddr.pref_lifetime", "Preferred lifetime", TRAWL_FT_U32, 0, NULL, 0 },
    [F_IAADDR_VALID]= { "dhcpv6.iaaddr.valid_lifetime", "Valid lifetime", TRAWL_FT_U32, 0, NULL, 0 },
    [F_IAPREFIX_PREF]  = { "dhcpv6.iaprefix.pref_lifetime", "Preferred lifetime", TRAWL_FT_U32, 0, NULL, 0 },
    [F_IAPREFIX_VALID] = { "dhcpv6.iaprefix.valid_lifetime", "Valid lifetime", TRAWL_FT_U32, 0, NULL, 0 },
    [F_IAPREFIX_PLEN]  = { "dhcpv6.iaprefix.pref_len", "Prefix length", TRAWL_FT_U8, 0, NULL, 0 },
    [F_IAPREFIX_IP]    = { "dhcpv6.iaprefix.pref_addr", "Prefix address", TRAWL_FT_IPV6, 0, NULL, 0 },
    [F_REQ_OPT]     = { "dhcpv6.requested_option_code", "Requested Option code", TRAWL_FT_U16, 0, NULL, 0 },
    [F_PREFERENCE]  = { "dhcpv6.option_preference", "Pref-value", TRAWL_FT_U8, 0, NULL, 0 },
    [F_ELAPSED]     = { "dhcpv6.elapsed_time", "Elapsed time", TRAWL_FT_U16, 0, NULL, 0 },
    [F_STATUS_CODE] = { "dhcpv6.status_code", "Status Code", TRAWL_FT_U16, 0, NULL, 0 },
    [F_STATUS_MSG]  = { "dhcpv6.status_msg", "Status Message", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_INTERFACE_ID]= { "dhcpv6.interface_id", "Interface-ID", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_DNS_SERVER]  = { "dhcpv6.dns_server", "DNS server address", TRAWL_FT_IPV6, 0, NULL, 0 },
    [F_RAPID_COMMIT]= { "dhcpv6.rapid_commit", "Rapid Commit", TRAWL_FT_NONE, 0, NULL, 0 },
};

#define DHCPV6_MAX_DEPTH 8

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Link-layer address as tshark shows it: bytes joined by ':'. */
static void add_ll(struct trawl_packet *pkt, unsigned idx, const uint8_t *p, uint32_t n)
{
    if (!n || !trawl_wants(pkt, idx)) return;
    char *s = trawl_packet_alloc(pkt, n * 3);
    if (!s) return;
    static const char hex[] = "0123456789abcdef";
    for (uint32_t i = 0; i < n; i++) {
        s[i * 3] = hex[p[i] >> 4];
        s[i * 3 + 1] = hex[p[i] & 15];
        s[i * 3 + 2] = ':';
    }
    trawl_add_string(pkt, idx, s, n * 3 - 1);
}

static void duid(struct trawl_packet *pkt, const uint8_t *v, uint32_t n, const struct trawl_buf *b)
{
    trawl_add_bytes(pkt, F_DUID_BYTES, v, n);
    if (n < 2) { trawl_buf_mark_malformed(b); return; }
    uint16_t t = be16(v);
    trawl_add_uint(pkt, F_DUID_TYPE, t);
    switch (t) {
    case 1:
        if (n < 8) { trawl_buf_mark_malformed(b); return; }
        trawl_add_uint(pkt, F_DUIDLLT_HW, be16(v + 2));
        /* Seconds since 2000-01-01 00:00:00 UTC. */
        trawl_add_time(pkt, F_DUIDLLT_TIME, ((int64_t)be32(v + 4) + 946684800) * 1000000000);
        add_ll(pkt, F_DUIDLLT_LL, v + 8, n - 8);
        break;
    case 2:
        if (n < 6) { trawl_buf_mark_malformed(b); return; }
        trawl_add_uint(pkt, F_DUIDEN_ENT, be32(v + 2));
        trawl_add_bytes(pkt, F_DUIDEN_ID, v + 6, n - 6);
        break;
    case 3:
        if (n < 4) { trawl_buf_mark_malformed(b); return; }
        trawl_add_uint(pkt, F_DUIDLL_HW, be16(v + 2));
        add_ll(pkt, F_DUIDLL_LL, v + 4, n - 4);
        break;
    case 4:
        trawl_add_bytes(pkt, F_DUIDUUID, v + 2, n - 2);
        break;
    }
}

static void message(struct trawl_packet *pkt, const struct trawl_buf *m, unsigned depth);

static void options(struct trawl_packet *pkt, const struct trawl_buf *a, unsigned depth)
{
    uint32_t n = trawl_buf_len(a), off = 0;
    while (off < n && trawl_buf_ok(a)) {
        if (!trawl_buf_need(a, off, 4)) return;
        uint16_t code = trawl_buf_u16be(a, off), len = trawl_buf_u16be(a, off + 2);
        /* An option longer than what holds it is not shown at all, as in tshark. */
        struct trawl_buf v = trawl_buf_sub(a, off + 4, len);
        if (!trawl_buf_ok(a) || !trawl_buf_need(&v, 0, len)) return;
        trawl_add_uint(pkt, F_OPT_TYPE, code);
        trawl_add_uint(pkt, F_OPT_LEN, len);
        const uint8_t *p = v.data;
        switch (code) {
        case 1: case 2: duid(pkt, p, len, a); break;
        case 3: case 4: case 25: {                  /* IA_NA, IA_TA, IA_PD */
            uint32_t fixed = code == 4 ? 4 : 12;
            if (len < fixed) { trawl_buf_mark_malformed(a); return; }
            char *s = trawl_packet_alloc(pkt, 8);
            if (s) {
                static const char hex[] = "0123456789abcdef";
                for (int i = 0; i < 4; i++) { s[2 * i] = hex[p[i] >> 4]; s[2 * i + 1] = hex[p[i] & 15]; }
                trawl_add_string(pkt, F_IAID, s, 8);
            }
            if (code != 4) {
                trawl_add_uint(pkt, F_IAID_T1, be32(p + 4));
                trawl_add_uint(pkt, F_IAID_T2, be32(p + 8));
            }
            if (depth < DHCPV6_MAX_DEPTH) {
                struct trawl_buf sub = trawl_buf_tail(&v, fixed);
                options(pkt, &sub, depth + 1);
            }
            break;
        }
        case 5:                                     /* IA Address */
            if (len < 24) { trawl_buf_mark_malformed(a); return; }
            trawl_add_addr(pkt, F_IAADDR_IP, p);
            trawl_add_uint(pkt, F_IAADDR_PREF, be32(p + 16));
            trawl_add_uint(pkt, F_IAADDR_VALID, be32(p + 20));
            if (depth < DHCPV6_MAX_DEPTH) {
                struct trawl_buf sub = trawl_buf_tail(&v, 24);
                options(pkt, &sub, depth + 1);
            }
            break;
        case 26:                                    /* IA Prefix */
            if (len < 25) { trawl_buf_mark_malformed(a); return; }
            trawl_add_uint(pkt, F_IAPREFIX_PREF, be32(p));
            trawl_add_uint(pkt, F_IAPREFIX_VALID, be32(p + 4));
            trawl_add_uint(pkt, F_IAPREFIX_PLEN, p[8]);
            trawl_add_addr(pkt, F_IAPREFIX_IP, p + 9);
            if (depth < DHCPV6_MAX_DEPTH) {
                struct trawl_buf sub = trawl_buf_tail(&v, 25);
                options(pkt, &sub, depth + 1);
            }
            break;
        case 6:
            if (len % 2) trawl_buf_mark_malformed(a);
            for (uint32_t i = 0; i + 2 <= len; i += 2) trawl_add_uint(pkt, F_REQ_OPT, be16(p + i));
            break;
        case 7: if (len == 1) trawl_add_uint(pkt, F_PREFERENCE, p[0]); else trawl_buf_mark_malformed(a); break;
        case 8: if (len == 2) trawl_add_uint(pkt, F_ELAPSED, be16(p)); else trawl_buf_mark_malformed(a); break;
        case 9:                                     /* Relay Message: a whole message inside */
            if (depth < DHCPV6_MAX_DEPTH) message(pkt, &v, depth + 1);
            break;
        case 13:
            if (len < 2) { trawl_buf_mark_malformed(a); return; }
            trawl_add_uint(pkt, F_STATUS_CODE, be16(p));
            trawl_add_string(pkt, F_STATUS_MSG, (const char *)p + 2, len - 2u);
            break;
        case 14: trawl_tree_push(pkt, F_RAPID_COMMIT); trawl_tree_pop(pkt); break;
        case 18: trawl_add_bytes(pkt, F_INTERFACE_ID, p, len); break;
        case 23:
            if (len % 16) trawl_buf_mark_malformed(a);
            for (uint32_t i = 0; i + 16 <= len; i += 16) trawl_add_addr(pkt, F_DNS_SERVER, p + i);
            break;
        default: trawl_add_bytes(pkt, F_OPT_VALUE, p, len);
        }
        off += 4u + len;
    }
}

static void message(struct trawl_packet *pkt, const struct trawl_buf *m, unsigned depth)
{
    if (!trawl_buf_need(m, 0, 1)) return;
    uint8_t type = trawl_buf_u8(m, 0);
    trawl_add_uint(pkt, F_MSGTYPE, type);
    if (type == 12 || type == 13) {
        if (!trawl_buf_need(m, 0, 34)) return;
        trawl_add_uint(pkt, F_HOPCOUNT, m->data[1]);
        trawl_add_addr(pkt, F_LINKADDR, m->data + 2);
        trawl_add_addr(pkt, F_PEERADDR, m->data + 18);
        struct trawl_buf o = trawl_buf_tail(m, 34);
        options(pkt, &o, depth);
        return;
    }
    if (!trawl_buf_need(m, 0, 4)) return;
    trawl_add_uint(pkt, F_XID, trawl_buf_u24be(m, 1));
    struct trawl_buf o = trawl_buf_tail(m, 4);
    options(pkt, &o, depth);
}

static int dhcpv6_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    (void)state;
    if (trawl_cols_wanted(pkt) && trawl_buf_has(b, 0, 1)) {
        uint8_t t = b->data[0];
        const char *n = NULL;
        for (const struct trawl_value_name *v = msg_names; v->name; v++) if (v->value == t) n = v->name;
        if (trawl_buf_has(b, 0, 4) && t != 12 && t != 13)
            trawl_col_set(pkt, TRAWL_COL_INFO, "%s XID: 0x%06x", n ? n : "Unknown", trawl_buf_u24be(b, 1));
        else
            trawl_col_set(pkt, TRAWL_COL_INFO, "%s", n ? n : "Unknown");
    }
    message(pkt, b, 0);
    uint32_t len = trawl_buf_len(b);
    return len ? (int)len : 1;
}

static const struct trawl_proto_def proto_def = {
    "dhcpv6", "DHCPv6", "DHCPv6", fields, F_COUNT, dhcpv6_dissect,
};

struct dhcpv6_state { const struct trawl_proto *proto; };

static int dhcpv6_init(struct trawl_init *ctx)
{
    struct dhcpv6_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    if (!(st->proto = trawl_proto_register(ctx, &proto_def, st))) return TRAWL_EINVAL;
    return 0;
}

static int dhcpv6_handoff(struct trawl_init *ctx)
{
    struct dhcpv6_state *st = trawl_init_state(ctx);
    trawl_table_add(ctx, "udp.port", 546, st->proto);
    trawl_table_add(ctx, "udp.port", 547, st->proto);
    return 0;
}

static void dhcpv6_fini(void *state) { free(state); }

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "dhcpv6", .version = "1.0.0",
    .summary = "DHCPv6 on UDP 546/547 (RFC 8415): messages, relays, options",
    .init = dhcpv6_init, .handoff = dhcpv6_handoff, .fini = dhcpv6_fini);
