/* dhcpv6.c — DHCPv6 on UDP 546/547 (RFC 8415), fields named and printed as tshark 4.0 does.
 *
 * A message is a type, a transaction id (or, for relay messages, hop count and two addresses)
 * and options, each code, length, value. Options that hold options (IA_NA, IA_TA, IA_PD, IA
 * Address) and relay messages (option 9: a whole inner message) are walked recursively, with
 * the depth bounded so a nest of relays cannot exhaust the stack. A length past the end of its
 * container marks the layer malformed and stops that walk.
 *
 * Records: a "dhcpv6" record per exchange — the messages with one transaction id within 30 s of
 * the first (a Solicit and its Advertise; a Request and its Reply), in the form of Zeek's
 * dhcp.log (Zeek has no DHCPv6 log). A client multicasts to ff02::1:2 and the server answers its
 * link-local address: two flows, so the dissector makes an internal "dhcpv6_message" record per
 * message and the plugin's analyzer joins them in frame order (see plugins/dhcp).
 */
#include <arpa/inet.h>
#include <stdio.h>
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
    F_DNS_SERVER, F_RAPID_COMMIT, F_FQDN_FLAGS, F_CLIENT_DOMAIN, F_SEARCH_LIST,
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
    [F_FQDN_FLAGS]  = { "dhcpv6.client_fqdn_flags", "Flags", TRAWL_FT_U8, TRAWL_BASE_HEX, NULL, 0 },
    [F_CLIENT_DOMAIN] = { "dhcpv6.client_domain", "Client Domain Name", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_SEARCH_LIST] = { "dhcpv6.search_list_entry", "List entry", TRAWL_FT_STRING, 0, NULL, 0 },
};

/* ---- what a message says that its exchange needs --------------------------------------------- */

#define V6_MAX_PREFIXES 8

struct v6msg {
    uint8_t type;                         /* the innermost message's (relays carry one) */
    uint32_t xid;
    bool has_xid;
    const uint8_t *cduid, *sduid;
    uint16_t cduid_len, sduid_len;
    const uint8_t *iaaddr;                /* the first IA Address */
    uint32_t valid;
    bool has_valid;
    const char *fqdn, *domain, *status;
    uint32_t fqdn_len, domain_len, status_len;
    unsigned nprefix;
    const char *prefix[V6_MAX_PREFIXES];  /* "2001:db8::/56", in the packet arena */
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

/* A domain name in wire format (RFC 1035 3.1, no compression) at p[0..n): its labels joined by
 * '.' ("host.example.com." when it ends with the root label, "host" for a partial name), in the
 * packet arena, and how many bytes it took. NULL when a label runs past n. */
static const char *wire_name(struct trawl_packet *pkt, const uint8_t *p, uint32_t n, uint32_t *used,
                             uint32_t *len)
{
    char *out = trawl_packet_alloc(pkt, n + 1);
    uint32_t i = 0, o = 0;
    if (!out) return NULL;
    while (i < n && p[i]) {
        uint8_t l = p[i];
        if (l > 63 || i + 1u + l > n) return NULL;
        if (o) out[o++] = '.';
        memcpy(out + o, p + i + 1, l);
        o += l;
        i += 1u + l;
    }
    *used = i < n ? i + 1 : i;
    if (i < n && o) out[o++] = '.';        /* a fully qualified name ends with its root, as tshark shows */
    *len = o;
    out[o] = 0;
    return out;
}

static void message(struct trawl_packet *pkt, const struct trawl_buf *m, unsigned depth, struct v6msg *mm);

static void options(struct trawl_packet *pkt, const struct trawl_buf *a, unsigned depth, struct v6msg *mm)
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
        case 1: case 2:
            duid(pkt, p, len, a);
            if (code == 1 && !mm->cduid) { mm->cduid = p; mm->cduid_len = len; }
            if (code == 2 && !mm->sduid) { mm->sduid = p; mm->sduid_len = len; }
            break;
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
                options(pkt, &sub, depth + 1, mm);
            }
            break;
        }
        case 5:                                     /* IA Address */
            if (len < 24) { trawl_buf_mark_malformed(a); return; }
            trawl_add_addr(pkt, F_IAADDR_IP, p);
            trawl_add_uint(pkt, F_IAADDR_PREF, be32(p + 16));
            trawl_add_uint(pkt, F_IAADDR_VALID, be32(p + 20));
            if (!mm->iaaddr) { mm->iaaddr = p; mm->valid = be32(p + 20); mm->has_valid = true; }
            if (depth < DHCPV6_MAX_DEPTH) {
                struct trawl_buf sub = trawl_buf_tail(&v, 24);
                options(pkt, &sub, depth + 1, mm);
            }
            break;
        case 26:                                    /* IA Prefix */
            if (len < 25) { trawl_buf_mark_malformed(a); return; }
            trawl_add_uint(pkt, F_IAPREFIX_PREF, be32(p));
            trawl_add_uint(pkt, F_IAPREFIX_VALID, be32(p + 4));
            trawl_add_uint(pkt, F_IAPREFIX_PLEN, p[8]);
            trawl_add_addr(pkt, F_IAPREFIX_IP, p + 9);
            if (mm->nprefix < V6_MAX_PREFIXES) {
                char *t = trawl_packet_alloc(pkt, 48);
                if (t && inet_ntop(AF_INET6, p + 9, t, 48)) {
                    size_t k = strlen(t);
                    snprintf(t + k, 48 - k, "/%u", p[8]);
                    mm->prefix[mm->nprefix++] = t;
                }
                if (!mm->has_valid) { mm->valid = be32(p + 4); mm->has_valid = true; }
            }
            if (depth < DHCPV6_MAX_DEPTH) {
                struct trawl_buf sub = trawl_buf_tail(&v, 25);
                options(pkt, &sub, depth + 1, mm);
            }
            break;
        case 6:
            if (len % 2) trawl_buf_mark_malformed(a);
            for (uint32_t i = 0; i + 2 <= len; i += 2) trawl_add_uint(pkt, F_REQ_OPT, be16(p + i));
            break;
        case 7: if (len == 1) trawl_add_uint(pkt, F_PREFERENCE, p[0]); else trawl_buf_mark_malformed(a); break;
        case 8: if (len == 2) trawl_add_uint(pkt, F_ELAPSED, be16(p)); else trawl_buf_mark_malformed(a); break;
        case 9:                                     /* Relay Message: a whole message inside */
            if (depth < DHCPV6_MAX_DEPTH) message(pkt, &v, depth + 1, mm);
            break;
        case 13:
            if (len < 2) { trawl_buf_mark_malformed(a); return; }
            trawl_add_uint(pkt, F_STATUS_CODE, be16(p));
            trawl_add_string(pkt, F_STATUS_MSG, (const char *)p + 2, len - 2u);
            if (be16(p) && !mm->status) { mm->status = (const char *)p + 2; mm->status_len = len - 2u; }
            break;
        case 14: trawl_tree_push(pkt, F_RAPID_COMMIT); trawl_tree_pop(pkt); break;
        case 18: trawl_add_bytes(pkt, F_INTERFACE_ID, p, len); break;
        case 24:                                    /* Domain Search List: names, one after another */
            for (uint32_t i = 0; i < len;) {
                uint32_t used = 0, nl = 0;
                const char *name = wire_name(pkt, p + i, len - i, &used, &nl);
                if (!name) { trawl_buf_mark_malformed(a); break; }
                trawl_add_string(pkt, F_SEARCH_LIST, name, nl);
                if (!mm->domain) { mm->domain = name; mm->domain_len = nl; }
                i += used;
            }
            break;
        case 39: {                                  /* Client FQDN (RFC 4704) */
            if (len < 1) { trawl_buf_mark_malformed(a); return; }
            trawl_add_uint(pkt, F_FQDN_FLAGS, p[0]);
            uint32_t used = 0, nl = 0;
            const char *name = len > 1 ? wire_name(pkt, p + 1, len - 1u, &used, &nl) : NULL;
            if (len > 1 && !name) { trawl_buf_mark_malformed(a); break; }
            if (name) {
                trawl_add_string(pkt, F_CLIENT_DOMAIN, name, nl);
                mm->fqdn = name;
                mm->fqdn_len = nl;
            }
            break;
        }
        case 23:
            if (len % 16) trawl_buf_mark_malformed(a);
            for (uint32_t i = 0; i + 16 <= len; i += 16) trawl_add_addr(pkt, F_DNS_SERVER, p + i);
            break;
        default: trawl_add_bytes(pkt, F_OPT_VALUE, p, len);
        }
        off += 4u + len;
    }
}

static void message(struct trawl_packet *pkt, const struct trawl_buf *m, unsigned depth, struct v6msg *mm)
{
    if (!trawl_buf_need(m, 0, 1)) return;
    uint8_t type = trawl_buf_u8(m, 0);
    trawl_add_uint(pkt, F_MSGTYPE, type);
    mm->type = type;
    if (type == 12 || type == 13) {
        if (!trawl_buf_need(m, 0, 34)) return;
        trawl_add_uint(pkt, F_HOPCOUNT, m->data[1]);
        trawl_add_addr(pkt, F_LINKADDR, m->data + 2);
        trawl_add_addr(pkt, F_PEERADDR, m->data + 18);
        struct trawl_buf o = trawl_buf_tail(m, 34);
        options(pkt, &o, depth, mm);
        return;
    }
    if (!trawl_buf_need(m, 0, 4)) return;
    trawl_add_uint(pkt, F_XID, trawl_buf_u24be(m, 1));
    mm->xid = trawl_buf_u24be(m, 1);
    mm->has_xid = true;
    struct trawl_buf o = trawl_buf_tail(m, 4);
    options(pkt, &o, depth, mm);
}

/* ---- records: per message (internal), joined per exchange by the analyzer ------------------ */

enum {
    M_TS, M_UID, M_COMMUNITY_ID, M_FILE, M_FRAME, M_XID, M_TYPE, M_SRC, M_CDUID, M_SDUID,
    M_FQDN, M_DOMAIN, M_IAADDR, M_VALID, M_PREFIXES, M_STATUS, M_COUNT
};

static const struct trawl_record_field msg_cols[M_COUNT] = {
    [M_TS]           = { "ts", "Time of the message", TRAWL_FT_TIME, 0 },
    [M_UID]          = { "uid", "Flow of the message", TRAWL_FT_STRING, 0 },
    [M_COMMUNITY_ID] = { "community_id", "Community ID of the flow", TRAWL_FT_STRING, 0 },
    [M_FILE]         = { "file_index", "Input file index", TRAWL_FT_U64, 0 },
    [M_FRAME]        = { "frame", "Frame number", TRAWL_FT_U64, 0 },
    [M_XID]          = { "xid", "Transaction id", TRAWL_FT_U32, 0 },
    [M_TYPE]         = { "msg_type", "Message type (the innermost of relays)", TRAWL_FT_U8, 0 },
    [M_SRC]          = { "src", "Source address of the packet", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [M_CDUID]        = { "client_duid", "Option 1", TRAWL_FT_BYTES, 0 },
    [M_SDUID]        = { "server_duid", "Option 2", TRAWL_FT_BYTES, 0 },
    [M_FQDN]         = { "client_fqdn", "Option 39's name", TRAWL_FT_STRING, 0 },
    [M_DOMAIN]       = { "domain", "Option 24's first name", TRAWL_FT_STRING, 0 },
    [M_IAADDR]       = { "iaaddr", "The first IA Address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [M_VALID]        = { "valid_lifetime", "Its valid lifetime (or the first prefix's)", TRAWL_FT_U32, 0 },
    [M_PREFIXES]     = { "prefixes", "IA Prefixes", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [M_STATUS]       = { "status", "The first non-success status message", TRAWL_FT_STRING, 0 },
};

static const struct trawl_record_def msg_def = {
    sizeof msg_def, "dhcpv6_message", "One DHCPv6 message, for the dhcpv6 analyzer (internal)",
    msg_cols, M_COUNT,
};

enum {
    C_TS, C_UIDS, C_CLIENT_ADDR, C_SERVER_ADDR, C_MAC, C_CLIENT_DUID, C_SERVER_DUID,
    C_CLIENT_FQDN, C_DOMAIN, C_REQUESTED_ADDR, C_ASSIGNED_ADDR, C_PREFIXES, C_LEASE_TIME,
    C_STATUS, C_MSG_TYPES, C_DURATION, C_COMMUNITY_ID, C_FILE, C_FIRST_FRAME, C_LAST_FRAME,
    C_COUNT
};

static const struct trawl_record_field cols[C_COUNT] = {
    [C_TS]             = { "ts", "First message of the exchange", TRAWL_FT_TIME, 0 },
    [C_UIDS]           = { "uids", "Flows of the exchange", TRAWL_FT_STRING, TRAWL_RF_SET },
    [C_CLIENT_ADDR]    = { "client_addr", "Source of the client's first message", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_SERVER_ADDR]    = { "server_addr", "Source of the server's first message", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_MAC]            = { "mac", "Link-layer address in the client's DUID", TRAWL_FT_STRING, 0 },
    [C_CLIENT_DUID]    = { "client_duid", "Client identifier (hex)", TRAWL_FT_STRING, 0 },
    [C_SERVER_DUID]    = { "server_duid", "Server identifier (hex)", TRAWL_FT_STRING, 0 },
    [C_CLIENT_FQDN]    = { "client_fqdn", "Option 39's name", TRAWL_FT_STRING, 0 },
    [C_DOMAIN]         = { "domain", "Option 24's first name", TRAWL_FT_STRING, 0 },
    [C_REQUESTED_ADDR] = { "requested_addr", "IA Address the client named", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_ASSIGNED_ADDR]  = { "assigned_addr", "IA Address in the server's Reply", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_PREFIXES]       = { "prefixes", "Delegated prefixes in the server's messages", TRAWL_FT_STRING, TRAWL_RF_SET },
    [C_LEASE_TIME]     = { "lease_time", "Valid lifetime from the server", TRAWL_FT_RELTIME, 0 },
    [C_STATUS]         = { "status", "A non-success status message", TRAWL_FT_STRING, 0 },
    [C_MSG_TYPES]      = { "msg_types", "Message types in order", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_DURATION]       = { "duration", "First to last message", TRAWL_FT_RELTIME, 0 },
    [C_COMMUNITY_ID]   = { "community_id", "Community ID v1 of the first message's flow", TRAWL_FT_STRING, 0 },
    [C_FILE]           = { "file", "Capture file of the first message", TRAWL_FT_STRING, 0 },
    [C_FIRST_FRAME]    = { "first_frame", "Frame of the first message", TRAWL_FT_U64, 0 },
    [C_LAST_FRAME]     = { "last_frame", "Frame of the last message", TRAWL_FT_U64, 0 },
};

static const struct trawl_record_def rec_def = {
    sizeof rec_def, "dhcpv6", "DHCPv6 exchanges (in the form of Zeek's dhcp.log)", cols, C_COUNT,
};

#define V6_MAX_EXCHANGES 4096
#define V6_STR 64
#define V6_WATCH_NS (30 * 1000000000LL)

struct v6str { uint8_t len; char s[V6_STR]; };

/* What an exchange has gathered (the analyzer's, touched only in frame order). */
struct v6tx {
    bool has_client, has_server, has_req, has_assigned, has_lease;
    uint8_t client[16], server[16], req[16], assigned[16];
    uint32_t lease;
    struct v6str cduid, sduid, fqdn, domain, status;
    uint8_t nprefix;
    char prefix[V6_MAX_PREFIXES][48];
};

struct dhcpv6_state {
    const struct trawl_proto *proto;
    const struct trawl_record_type *rec, *msg_rec;
    struct trawl_exchanges *ex;       /* the analyzer's open exchanges */
};

static bool from_server(uint8_t type) { return type == 2 || type == 7 || type == 10 || type == 13; }

static void make_message(struct trawl_packet *pkt, const struct dhcpv6_state *st, const struct v6msg *m)
{
    if (!m->has_xid || trawl_packet_in_quote(pkt) || !trawl_record_wanted(pkt, st->rec)) return;
    struct trawl_flow *f = trawl_packet_flow(pkt);
    struct trawl_record *r = trawl_record_begin(pkt, st->msg_rec);
    if (!r) return;
    trawl_rec_message_id(r, M_TS, pkt);
    if (f && trawl_flow_info(f)->family == 6) {
        const struct trawl_flow_info *fi = trawl_flow_info(f);
        trawl_rec_addr(r, M_SRC, 6, trawl_packet_flow_dir(pkt) == TRAWL_DIR_ORIG ? fi->orig_addr : fi->resp_addr);
    }
    trawl_rec_uint(r, M_XID, m->xid);
    trawl_rec_uint(r, M_TYPE, m->type);
    if (m->cduid) trawl_rec_bytes(r, M_CDUID, m->cduid, m->cduid_len);
    if (m->sduid) trawl_rec_bytes(r, M_SDUID, m->sduid, m->sduid_len);
    /* Records write names as Zeek does, without the root's dot. */
    if (m->fqdn) trawl_rec_string(r, M_FQDN, m->fqdn, m->fqdn_len - (m->fqdn_len && m->fqdn[m->fqdn_len - 1] == '.'));
    if (m->domain) trawl_rec_string(r, M_DOMAIN, m->domain, m->domain_len - (m->domain_len && m->domain[m->domain_len - 1] == '.'));
    if (m->iaaddr) trawl_rec_addr(r, M_IAADDR, 6, m->iaaddr);
    if (m->has_valid) trawl_rec_uint(r, M_VALID, m->valid);
    for (unsigned i = 0; i < m->nprefix; i++) trawl_rec_cstring(r, M_PREFIXES, m->prefix[i]);
    if (m->status) trawl_rec_string(r, M_STATUS, m->status, m->status_len);
    trawl_record_end(r);
}

static const char *const type_names[] = {
    NULL, "SOLICIT", "ADVERTISE", "REQUEST", "CONFIRM", "RENEW", "REBIND", "REPLY", "RELEASE",
    "DECLINE", "RECONFIGURE", "INFORMATION-REQUEST", "RELAY-FORW", "RELAY-REPL",
};

static void hex_str(struct v6str *d, const struct trawl_value *v)
{
    static const char hx[] = "0123456789abcdef";
    if (!v || d->len) return;
    uint32_t n = v->len < V6_STR / 2 ? v->len : V6_STR / 2;
    for (uint32_t i = 0; i < n; i++) { d->s[2 * i] = hx[v->v.p[i] >> 4]; d->s[2 * i + 1] = hx[v->v.p[i] & 15]; }
    d->len = (uint8_t)(2 * n);
}

static void copy_str(struct v6str *d, const struct trawl_value *v)
{
    if (!v) return;
    uint32_t n = v->len < V6_STR ? v->len : V6_STR;
    memcpy(d->s, v->v.p, n);
    d->len = (uint8_t)n;
}

static void rec_str(struct trawl_record *r, unsigned col, const struct v6str *s)
{
    if (s->len) trawl_rec_string(r, col, s->s, s->len);
}

static void emit(struct trawl_packet *ctx, const struct trawl_exchange *x, void *user)
{
    const struct dhcpv6_state *st = user;
    const struct v6tx *t = x->data;
    struct trawl_record *r = trawl_record_begin(ctx, st->rec);
    if (!r) return;
    trawl_rec_time(r, C_TS, x->first_ns);
    for (unsigned i = 0; i < x->nuids; i++) trawl_rec_cstring(r, C_UIDS, x->uids[i]);
    if (t->has_client) trawl_rec_addr(r, C_CLIENT_ADDR, 6, t->client);
    if (t->has_server) trawl_rec_addr(r, C_SERVER_ADDR, 6, t->server);
    /* DUID-LLT (1) and DUID-LL (3) of hardware type 1 carry the client's Ethernet address. */
    const char *d = t->cduid.s;
    unsigned off = t->cduid.len >= 8 && !memcmp(d, "0001", 4) ? 16 : t->cduid.len >= 8 && !memcmp(d, "0003", 4) ? 8 : 0;
    if (off && !memcmp(d + 4, "0001", 4) && t->cduid.len == off + 12) {
        char mac[18];
        for (int i = 0; i < 6; i++) {
            mac[3 * i] = d[off + 2 * i];
            mac[3 * i + 1] = d[off + 2 * i + 1];
            mac[3 * i + 2] = i < 5 ? ':' : 0;
        }
        trawl_rec_cstring(r, C_MAC, mac);
    }
    rec_str(r, C_CLIENT_DUID, &t->cduid);
    rec_str(r, C_SERVER_DUID, &t->sduid);
    rec_str(r, C_CLIENT_FQDN, &t->fqdn);
    rec_str(r, C_DOMAIN, &t->domain);
    if (t->has_req) trawl_rec_addr(r, C_REQUESTED_ADDR, 6, t->req);
    if (t->has_assigned) trawl_rec_addr(r, C_ASSIGNED_ADDR, 6, t->assigned);
    for (unsigned i = 0; i < t->nprefix; i++) trawl_rec_cstring(r, C_PREFIXES, t->prefix[i]);
    if (t->has_lease) trawl_rec_time(r, C_LEASE_TIME, (int64_t)t->lease * 1000000000);
    rec_str(r, C_STATUS, &t->status);
    for (unsigned i = 0; i < x->nkinds; i++) {
        uint16_t ty = x->kinds[i];
        char buf[16];
        const char *s = ty < sizeof type_names / sizeof *type_names && type_names[ty] ? type_names[ty] : NULL;
        if (!s) { snprintf(buf, sizeof buf, "UNKNOWN-%u", ty); s = buf; }
        trawl_rec_cstring(r, C_MSG_TYPES, s);
    }
    trawl_rec_time(r, C_DURATION, x->last_ns - x->first_ns);
    trawl_rec_exchange_evidence(r, C_COMMUNITY_ID, ctx, x);
    trawl_record_end(r);
}

static void on_message(struct trawl_packet *ctx, const struct trawl_record *r, void *state)
{
    struct dhcpv6_state *st = state;
    const struct trawl_value *xid = trawl_record_value(r, M_XID), *type = trawl_record_value(r, M_TYPE), *v;
    if (!xid || !type) return;
    uint8_t ty = (uint8_t)type->v.u;
    struct trawl_exchange *x = trawl_exchange_join(st->ex, ctx, r, M_TS, xid->v.u, ty);
    if (!x) return;
    struct v6tx *t = x->data;
    bool server = from_server(ty);
    if ((v = trawl_record_value(r, M_SRC)) && v->len == 16) {
        uint8_t *dst = server ? t->server : t->client;
        bool *has = server ? &t->has_server : &t->has_client;
        if (!*has) { memcpy(dst, v->v.p, 16); *has = true; }
    }
    hex_str(&t->cduid, trawl_record_value(r, M_CDUID));
    hex_str(&t->sduid, trawl_record_value(r, M_SDUID));
    copy_str(&t->fqdn, trawl_record_value(r, M_FQDN));
    copy_str(&t->domain, trawl_record_value(r, M_DOMAIN));
    copy_str(&t->status, trawl_record_value(r, M_STATUS));
    if ((v = trawl_record_value(r, M_IAADDR)) && v->len == 16) {
        if (server && ty == 7) { memcpy(t->assigned, v->v.p, 16); t->has_assigned = true; }
        else if (!server) { memcpy(t->req, v->v.p, 16); t->has_req = true; }
    }
    if (server && (v = trawl_record_value(r, M_VALID))) { t->lease = (uint32_t)v->v.u; t->has_lease = true; }
    size_t pos = 0;
    while (server && (v = trawl_record_value_next(r, M_PREFIXES, &pos))) {
        bool seen = false;
        for (unsigned i = 0; i < t->nprefix && !seen; i++)
            seen = strlen(t->prefix[i]) == v->len && !memcmp(t->prefix[i], v->v.p, v->len);
        if (!seen && t->nprefix < V6_MAX_PREFIXES && v->len < sizeof t->prefix[0]) {
            memcpy(t->prefix[t->nprefix], v->v.p, v->len);
            t->prefix[t->nprefix++][v->len] = 0;
        }
    }
}

static void dhcpv6_finish(struct trawl_packet *ctx, void *state)
{
    struct dhcpv6_state *st = state;
    trawl_exchanges_flush(st->ex, ctx);
}

static int dhcpv6_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct dhcpv6_state *st = state;
    if (trawl_cols_wanted(pkt) && trawl_buf_has(b, 0, 1)) {
        uint8_t t = b->data[0];
        const char *n = NULL;
        for (const struct trawl_value_name *v = msg_names; v->name; v++) if (v->value == t) n = v->name;
        if (trawl_buf_has(b, 0, 4) && t != 12 && t != 13)
            trawl_col_set(pkt, TRAWL_COL_INFO, "%s XID: 0x%06x", n ? n : "Unknown", trawl_buf_u24be(b, 1));
        else
            trawl_col_set(pkt, TRAWL_COL_INFO, "%s", n ? n : "Unknown");
    }
    struct v6msg m;
    memset(&m, 0, sizeof m);
    message(pkt, b, 0, &m);
    if (trawl_buf_ok(b)) make_message(pkt, st, &m);
    uint32_t len = trawl_buf_len(b);
    return len ? (int)len : 1;
}

static const struct trawl_proto_def proto_def = {
    "dhcpv6", "DHCPv6", "DHCPv6", fields, F_COUNT, dhcpv6_dissect,
};

static const char *const analyzer_records[] = { "dhcpv6_message", NULL };
static const struct trawl_analyzer_def analyzer_def = {
    .size = sizeof analyzer_def, .name = "dhcpv6",
    .desc = "joins DHCPv6 messages into exchanges, across flows",
    .records = analyzer_records, .record = on_message, .finish = dhcpv6_finish,
};

static int dhcpv6_init(struct trawl_init *ctx)
{
    struct dhcpv6_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    if (!(st->proto = trawl_proto_register(ctx, &proto_def, st))) return TRAWL_EINVAL;
    if (!(st->rec = trawl_record_register(ctx, &rec_def))) return TRAWL_EINVAL;
    if (!(st->msg_rec = trawl_record_register_internal(ctx, &msg_def))) return TRAWL_EINVAL;
    if (!(st->ex = trawl_exchanges_new(sizeof(struct v6tx), V6_MAX_EXCHANGES, V6_WATCH_NS, emit, st)))
        return TRAWL_ENOMEM;
    return trawl_analyzer_register(ctx, &analyzer_def, st);
}

static int dhcpv6_handoff(struct trawl_init *ctx)
{
    struct dhcpv6_state *st = trawl_init_state(ctx);
    trawl_table_add(ctx, "udp.port", 546, st->proto);
    trawl_table_add(ctx, "udp.port", 547, st->proto);
    return 0;
}

static void dhcpv6_fini(void *state)
{
    struct dhcpv6_state *st = state;
    if (st) trawl_exchanges_free(st->ex);
    free(st);
}

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "dhcpv6", .version = "1.0.0",
    .summary = "DHCPv6 on UDP 546/547 (RFC 8415): messages, relays, options",
    .init = dhcpv6_init, .handoff = dhcpv6_handoff, .fini = dhcpv6_fini);
