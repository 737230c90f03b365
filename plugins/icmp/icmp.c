/* icmp.c — Internet Control Message Protocol (for IPv4), with the quoted datagram of errors.
 * RFC 792 (ICMP), RFC 950 (address mask), RFC 1191 (fragmentation needed: next-hop MTU),
 * RFC 1256 (router discovery), RFC 4884 (length of the original datagram), RFC 6918.
 *
 *    0                   1                   2                   3
 *   +---------------+---------------+-------------------------------+
 *   |     Type      |     Code      |          Checksum             |
 *   +---------------+---------------+-------------------------------+
 *   |            Rest of header (identifier/sequence, MTU, ...)     |
 *   +---------------------------------------------------------------+
 *   |  Data: for errors, the offending IP header + at least 8 bytes |
 *
 * Errors (3, 4, 5, 11, 12) quote the datagram that caused them; like tshark we dissect it with
 * the "ip" dissector, as a quotation (trawl_dissect_quote), so ip.src shows "outer,inner" and
 * the quoted UDP/TCP ports appear. The quoted layers know they are quoted: they accept a cut
 * total length, the columns are ours, and a cut quote is not an error of the packet (their reads
 * past its end stay on their own layers). We set the protocol column after the quote, so it stays
 * "ICMP". The checksum is verified (0 bad, 1 good) when the whole message was captured, is not
 * quoted itself, and does not ride in an IP fragment (TRAWL_HINT_FRAGMENT); 2 otherwise.
 */
#include <stdlib.h>
#include <trawl/trawl.h>

enum {
    F_TYPE, F_CODE, F_CHECKSUM, F_CHECKSUM_STATUS,
    F_IDENT, F_IDENT_LE, F_SEQ, F_SEQ_LE,
    F_MTU, F_LENGTH, F_POINTER, F_REDIR_GW,
    F_NUM_ADDRS, F_ADDR_ENTRY_SIZE, F_LIFETIME, F_ROUTER_ADDRESS, F_PREF_LEVEL,
    F_ORIG_TS, F_RECV_TS, F_XMIT_TS, F_ADDRESS_MASK,
    F_COUNT
};

static const struct trawl_value_name type_names[] = {
    { 0, "Echo (ping) reply" }, { 1, "Reserved" }, { 2, "Reserved" },
    { 3, "Destination unreachable" }, { 4, "Source quench (flow control)" }, { 5, "Redirect" },
    { 6, "Alternate host address" }, { 8, "Echo (ping) request" }, { 9, "Router advertisement" },
    { 10, "Router solicitation" }, { 11, "Time-to-live exceeded" }, { 12, "Parameter problem" },
    { 13, "Timestamp request" }, { 14, "Timestamp reply" }, { 15, "Information request" },
    { 16, "Information reply" }, { 17, "Address mask request" }, { 18, "Address mask reply" },
    { 19, "Reserved (for security)" }, { 30, "Traceroute" }, { 31, "Datagram Conversion Error" },
    { 32, "Mobile Host Redirect" }, { 33, "IPv6 Where-Are-You" }, { 34, "IPv6 I-Am-Here" },
    { 35, "Mobile Registration Request" }, { 36, "Mobile Registration Reply" },
    { 37, "Domain Name Request" }, { 38, "Domain Name Reply" }, { 39, "SKIP" },
    { 40, "Photuris" }, { 41, "Experimental mobility protocols" },
    { 42, "Extended Echo request" }, { 43, "Extended Echo reply" },
    { 253, "RFC3692-style Experiment 1" }, { 254, "RFC3692-style Experiment 2" }, { 0, NULL },
};

static const struct trawl_value_name unreach_codes[] = {
    { 0, "Network unreachable" }, { 1, "Host unreachable" }, { 2, "Protocol unreachable" },
    { 3, "Port unreachable" }, { 4, "Fragmentation needed" }, { 5, "Source route failed" },
    { 6, "Destination network unknown" }, { 7, "Destination host unknown" },
    { 8, "Source host isolated" }, { 9, "Network administratively prohibited" },
    { 10, "Host administratively prohibited" }, { 11, "Network unreachable for TOS" },
    { 12, "Host unreachable for TOS" }, { 13, "Communication administratively filtered" },
    { 14, "Host precedence violation" }, { 15, "Precedence cutoff in effect" }, { 0, NULL },
};
static const struct trawl_value_name redirect_codes[] = {
    { 0, "Redirect for network" }, { 1, "Redirect for host" },
    { 2, "Redirect for TOS and network" }, { 3, "Redirect for TOS and host" }, { 0, NULL },
};
static const struct trawl_value_name ttl_codes[] = {
    { 0, "Time to live exceeded in transit" }, { 1, "Fragment reassembly time exceeded" }, { 0, NULL },
};
static const struct trawl_value_name param_codes[] = {
    { 0, "Pointer indicates the error" }, { 1, "Required option missing" }, { 2, "Bad length" }, { 0, NULL },
};
static const struct trawl_value_name althost_codes[] = {
    { 0, "Alternate address for host" }, { 0, NULL },
};
static const struct trawl_value_name rtradvert_codes[] = {
    { 0, "Normal router advertisement" }, { 16, "Does not route common traffic" }, { 0, NULL },
};
static const struct trawl_value_name photuris_codes[] = {
    { 0, "Bad SPI" }, { 1, "Authentication Failed" }, { 2, "Decompression Failed" },
    { 3, "Decryption Failed" }, { 4, "Need Authentication" }, { 5, "Need Authorization" }, { 0, NULL },
};
static const struct trawl_value_name checksum_status_names[] = {
    { 0, "Bad" }, { 1, "Good" }, { 2, "Unverified" }, { 0, NULL },
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_TYPE]            = { .name = "icmp.type", .desc = "Type", .type = TRAWL_FT_U8, .names = type_names },
    [F_CODE]            = { .name = "icmp.code", .desc = "Code", .type = TRAWL_FT_U8 },
    [F_CHECKSUM]        = { .name = "icmp.checksum", .desc = "Checksum", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_CHECKSUM_STATUS] = { .name = "icmp.checksum.status", .desc = "Checksum status (0 bad, 1 good, 2 not verified)", .type = TRAWL_FT_U8, .names = checksum_status_names },
    [F_IDENT]           = { .name = "icmp.ident", .desc = "Identifier (big endian)", .type = TRAWL_FT_U16, .base = TRAWL_BASE_DEC_HEX },
    [F_IDENT_LE]        = { .name = "icmp.ident_le", .desc = "Identifier (little endian)", .type = TRAWL_FT_U16, .base = TRAWL_BASE_DEC_HEX },
    [F_SEQ]             = { .name = "icmp.seq", .desc = "Sequence number (big endian)", .type = TRAWL_FT_U16, .base = TRAWL_BASE_DEC_HEX },
    [F_SEQ_LE]          = { .name = "icmp.seq_le", .desc = "Sequence number (little endian)", .type = TRAWL_FT_U16, .base = TRAWL_BASE_DEC_HEX },
    [F_MTU]             = { .name = "icmp.mtu", .desc = "MTU of next hop", .type = TRAWL_FT_U16 },
    [F_LENGTH]          = { .name = "icmp.length", .desc = "Length of the original datagram (32-bit words, RFC 4884)", .type = TRAWL_FT_U8 },
    [F_POINTER]         = { .name = "icmp.pointer", .desc = "Pointer to the error", .type = TRAWL_FT_U32 },
    [F_REDIR_GW]        = { .name = "icmp.redir_gw", .desc = "Gateway address", .type = TRAWL_FT_IPV4 },
    [F_NUM_ADDRS]       = { .name = "icmp.num_addrs", .desc = "Number of addresses", .type = TRAWL_FT_U8 },
    [F_ADDR_ENTRY_SIZE] = { .name = "icmp.addr_entry_size", .desc = "Address entry size (32-bit words)", .type = TRAWL_FT_U8 },
    [F_LIFETIME]        = { .name = "icmp.lifetime", .desc = "Lifetime in seconds", .type = TRAWL_FT_U16 },
    [F_ROUTER_ADDRESS]  = { .name = "icmp.router_address", .desc = "Router address", .type = TRAWL_FT_IPV4 },
    [F_PREF_LEVEL]      = { .name = "icmp.pref_level", .desc = "Preference level", .type = TRAWL_FT_I64 },
    [F_ORIG_TS]         = { .name = "icmp.originate_timestamp", .desc = "Originate timestamp (ms after midnight UTC)", .type = TRAWL_FT_U32 },
    [F_RECV_TS]         = { .name = "icmp.receive_timestamp", .desc = "Receive timestamp (ms after midnight UTC)", .type = TRAWL_FT_U32 },
    [F_XMIT_TS]         = { .name = "icmp.transmit_timestamp", .desc = "Transmit timestamp (ms after midnight UTC)", .type = TRAWL_FT_U32 },
    [F_ADDRESS_MASK]    = { .name = "icmp.address_mask", .desc = "Address mask", .type = TRAWL_FT_IPV4 },
};

struct icmp_state {
    const struct trawl_proto *proto;
    const struct trawl_proto *ip;           /* for the quoted datagram of errors */
    const struct trawl_proto *ipv6;         /* a carrier without a TTL (may be NULL) */
};

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *vname(const struct trawl_value_name *t, unsigned v)
{
    for (; t->name; t++)
        if (t->value == v) return t->name;
    return NULL;
}

/* The TTL of the IPv4 header carrying us (the nearest ip or ipv6 layer below ours, read from
 * the frame with a latch of its own), or -1: for the info column of echo-like messages. Call it
 * before adding layers (ours is then the last). */
static int carrier_ttl(const struct trawl_packet *pkt, const struct icmp_state *st)
{
    size_t n;
    const struct trawl_layer *l = trawl_packet_layers(pkt, &n);
    for (size_t i = n ? n - 1 : 0; i-- > 0;) {
        if (!l[i].proto || (l[i].proto != st->ip && l[i].proto != st->ipv6)) continue;
        const struct trawl_frame *f = trawl_packet_frame(pkt);
        uint8_t latch = 0;
        struct trawl_buf fb = trawl_buf_make(trawl_packet_data(pkt), f->caplen, f->len, &latch);
        struct trawl_buf h = trawl_buf_tail(&fb, l[i].offset);
        return trawl_buf_has(&h, 0, 9) && (trawl_buf_u8(&h, 0) >> 4) == 4 ? trawl_buf_u8(&h, 8) : -1;
    }
    return -1;
}

/* Internet checksum (RFC 1071) over n present bytes: 0 when the data carries a right one. */
static uint16_t inet_cksum(const uint8_t *p, uint32_t n)
{
    uint32_t sum = 0;
    for (; n > 1; n -= 2, p += 2) sum += (uint32_t)(p[0] << 8 | p[1]);
    if (n) sum += (uint32_t)p[0] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* ---- the dissector ------------------------------------------------------------------------ */

static int icmp_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    struct icmp_state *st = state;
    uint32_t len = trawl_buf_len(b);
    if (len == 0) return 0;
    bool quoted = trawl_packet_in_quote(pkt);       /* an error about an ICMP message */
    bool fragment = trawl_packet_hints(pkt) & TRAWL_HINT_FRAGMENT;
    bool cols = trawl_cols_wanted(pkt);
    int ttl = cols ? carrier_ttl(pkt, st) : -1;
    /* tshark reads the type, the code and byte 5 (the RFC 4884 length) before it shows
     * anything: fewer than 6 bytes show nothing. */
    if (!trawl_buf_need(b, 0, 6)) return (int)len;
    uint8_t type = trawl_buf_u8(b, 0);
    trawl_add_uint(pkt, F_TYPE, type);
    uint8_t code = trawl_buf_u8(b, 1);
    trawl_add_uint(pkt, F_CODE, code);
    /* Its flow (Zeek's ICMP "connections": type and code as ports; a request and its reply
     * share one). Not for a quoted message or a fragment. */
    if (!quoted && !fragment && trawl_flow_get(pkt, 1, type, code)) trawl_flow_add_payload(pkt, len >= 8 ? len - 8 : 0);

    const struct trawl_value_name *codes = NULL;
    switch (type) {
    case 3: codes = unreach_codes; break;
    case 5: codes = redirect_codes; break;
    case 6: codes = althost_codes; break;
    case 9: codes = rtradvert_codes; break;
    case 11: codes = ttl_codes; break;
    case 12: codes = param_codes; break;
    case 40: codes = photuris_codes; break;
    default: break;
    }

    {
        trawl_add_uint(pkt, F_CHECKSUM, trawl_buf_u16be(b, 2));
        if (trawl_wants(pkt, F_CHECKSUM_STATUS)) {
            /* A message in a first fragment carries only part of what its checksum covers. */
            if (!quoted && !fragment && trawl_buf_caplen(b) == len)
                trawl_add_uint(pkt, F_CHECKSUM_STATUS, inet_cksum(trawl_buf_ptr(b, 0, len), len) == 0);
            else
                trawl_add_uint(pkt, F_CHECKSUM_STATUS, 2);
        }
    }

    bool echo_like = false;
    uint16_t ident = 0, seq = 0, seq_le = 0;
    uint8_t orig_len = 0;                            /* RFC 4884, in 32-bit words */
    switch (type) {
    case 0: case 8: case 13: case 14: case 15: case 16: case 17: case 18:
        if (trawl_buf_need(b, 4, 4)) {
            echo_like = true;
            ident = trawl_buf_u16be(b, 4);
            seq = trawl_buf_u16be(b, 6);
            seq_le = trawl_buf_u16le(b, 6);
            trawl_add_uint(pkt, F_IDENT, ident);
            trawl_add_uint(pkt, F_IDENT_LE, trawl_buf_u16le(b, 4));
            trawl_add_uint(pkt, F_SEQ, seq);
            trawl_add_uint(pkt, F_SEQ_LE, seq_le);
        }
        if ((type == 13 || type == 14) && trawl_buf_need(b, 8, 12)) {
            trawl_add_uint(pkt, F_ORIG_TS, trawl_buf_u32be(b, 8));
            trawl_add_uint(pkt, F_RECV_TS, trawl_buf_u32be(b, 12));
            trawl_add_uint(pkt, F_XMIT_TS, trawl_buf_u32be(b, 16));
        }
        if ((type == 17 || type == 18) && trawl_buf_need(b, 8, 4))
            trawl_add_addr(pkt, F_ADDRESS_MASK, trawl_buf_ptr(b, 8, 4));
        break;
    case 3: case 11: case 12:
        if (!trawl_buf_need(b, 4, 4)) break;
        if (type == 12) trawl_add_uint(pkt, F_POINTER, trawl_buf_u8(b, 4));
        orig_len = trawl_buf_u8(b, 5);
        if (orig_len) trawl_add_uint(pkt, F_LENGTH, orig_len);
        if (type == 3 && code == 4) trawl_add_uint(pkt, F_MTU, trawl_buf_u16be(b, 6));
        break;
    case 5:
        if (trawl_buf_need(b, 4, 4)) trawl_add_addr(pkt, F_REDIR_GW, trawl_buf_ptr(b, 4, 4));
        break;
    case 9: {
        if (!trawl_buf_need(b, 4, 4)) break;
        uint8_t naddr = trawl_buf_u8(b, 4), esize = trawl_buf_u8(b, 5);
        trawl_add_uint(pkt, F_NUM_ADDRS, naddr);
        trawl_add_uint(pkt, F_ADDR_ENTRY_SIZE, esize);
        trawl_add_uint(pkt, F_LIFETIME, trawl_buf_u16be(b, 6));
        if (esize != 2) break;
        for (unsigned i = 0; i < naddr; i++) {       /* naddr <= 255 entries of 8 bytes */
            const uint8_t *a = trawl_buf_ptr(b, 8 + 8 * i, 4);
            if (!a || !trawl_buf_need(b, 12 + 8 * i, 4)) break;
            trawl_add_addr(pkt, F_ROUTER_ADDRESS, a);
            trawl_add_int(pkt, F_PREF_LEVEL, (int32_t)trawl_buf_u32be(b, 12 + 8 * i));
        }
        break;
    }
    default:
        break;
    }

    /* The quoted datagram of an error: IP header + at least 8 bytes of its payload. */
    if ((type == 3 || type == 4 || type == 5 || type == 11 || type == 12) && st->ip && len > 8) {
        struct trawl_buf q = trawl_buf_tail(b, 8);
        uint32_t qlen = trawl_buf_len(&q), want = qlen;
        if (trawl_buf_has(&q, 0, 4)) {
            uint32_t ihl = (trawl_buf_u8(&q, 0) & 0x0f) * 4u;
            if (type == 5)
                want = ihl + 8;                      /* RFC 792: header + 64 bits, no more */
            else if (orig_len && len > 8 + orig_len * 4u && trawl_buf_u16be(&q, 2) > orig_len * 4u)
                want = ihl + orig_len * 4u;          /* RFC 4884: extensions follow the quote */
        }
        if (want < qlen) q = trawl_buf_sub(&q, 0, want);
        trawl_dissect_quote(pkt, st->ip, &q);
    }

    if (cols) {
        /* Set after the quote was dissected, so the quoted UDP/TCP does not name the packet. */
        trawl_col_set(pkt, TRAWL_COL_PROTOCOL, "ICMP");
        const char *ts = vname(type_names, type);
        trawl_col_set(pkt, TRAWL_COL_INFO, "%-20s", ts ? ts : "Unknown ICMP (obsolete or malformed?)");
        if (codes) {
            const char *cs = vname(codes, code);
            if (cs) trawl_col_append(pkt, TRAWL_COL_INFO, " (%s)", cs);
            else trawl_col_append(pkt, TRAWL_COL_INFO, " (Unknown code: %u)", code);
        }
        if (echo_like) {
            trawl_col_append(pkt, TRAWL_COL_INFO, " id=0x%04x, seq=%u/%u", ident, seq, seq_le);
            if (ttl >= 0) trawl_col_append(pkt, TRAWL_COL_INFO, ", ttl=%d", ttl);
        }
    }
    return (int)len;
}

static const struct trawl_proto_def icmp_def = {
    .name = "icmp",
    .long_name = "Internet Control Message Protocol",
    .column = "ICMP",
    .fields = fields,
    .nfields = F_COUNT,
    .dissect = icmp_dissect,
};

/* ---- registration ------------------------------------------------------------------------- */

static int icmp_init(struct trawl_init *ctx)
{
    struct icmp_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->proto = trawl_proto_register(ctx, &icmp_def, st);
    return st->proto ? 0 : TRAWL_EINVAL;
}

static int icmp_handoff(struct trawl_init *ctx)
{
    struct icmp_state *st = trawl_init_state(ctx);
    st->ip = trawl_proto_find(ctx, "ip");
    st->ipv6 = trawl_proto_find(ctx, "ipv6");
    if (!trawl_table_find(ctx, "ip.proto")) {
        trawl_init_log(ctx, TRAWL_LOG_WARN, "no \"ip.proto\" table (is the ipv4 plugin loaded?)");
        return 0;
    }
    trawl_table_add(ctx, "ip.proto", 1, st->proto);
    return 0;
}

static void icmp_fini(void *state) { free(state); }

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "icmp", .version = "1.0.0",
    .summary = "Internet Control Message Protocol (RFC 792), with the quoted datagram of errors",
    .init = icmp_init, .handoff = icmp_handoff, .fini = icmp_fini);
