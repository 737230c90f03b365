/* dhcp.c — DHCP and BOOTP over UDP 67/68 (RFC 951, 2131, 2132), fields named and printed as
 * tshark 4.0 does, and a "dhcp" record per exchange (Zeek's dhcp.log columns).
 *
 * The options area is walked as a TLV list that never reads past its view: a length running
 * past the end marks the layer malformed and stops the walk. Option 52 (overload) makes the
 * file and then the sname fields further option areas (RFC 2131 section 4.1 order), each walked
 * the same way.
 *
 * Records follow Zeek's dhcp.log: one per exchange, the messages that share a transaction id
 * within 30 s of the first (max_txid_watch_time), whichever flows carry them — a DISCOVER to
 * the broadcast address and the server's unicast OFFER are two flows, so two worker threads.
 * The dissector therefore makes an internal "dhcp_message" record per message, and the
 * plugin's analyzer, which gets records in frame order on one thread, joins them (exchange.h):
 * an exchange is logged once a later message comes more than 30 s after its first, or at the
 * end of input. State is capped (DHCP_MAX_EXCHANGES, fixed-size strings, Zeek's 10 uids and 50
 * message types): past the cap the oldest exchange is logged early.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trawl/trawl.h>

enum {
    F_TYPE, F_HW_TYPE, F_HW_LEN, F_HOPS, F_ID, F_SECS, F_FLAGS, F_FLAGS_BC, F_FLAGS_RES,
    F_IP_CLIENT, F_IP_YOUR, F_IP_SERVER, F_IP_RELAY, F_HW_MAC, F_HW_ADDR, F_HW_PAD,
    F_SERVER, F_FILE, F_COOKIE,
    F_OPT_TYPE, F_OPT_LEN, F_OPT_VALUE, F_OPT_PADDING, F_OPT_END,
    F_OPT_DHCP, F_OPT_HOSTNAME, F_OPT_REQ_IP, F_OPT_LEASE, F_OPT_REQ_ITEM, F_OPT_VENDOR_CLASS,
    F_OPT_SUBNET, F_OPT_ROUTER, F_OPT_DNS, F_OPT_DOMAIN, F_OPT_SERVER_ID, F_OPT_MESSAGE,
    F_OPT_OVERLOAD, F_OPT_RENEWAL, F_OPT_REBINDING,
    F_CLIENT_ID, F_CLIENT_ID_TYPE,
    F_UC, F_UC_LEN, F_UC_DATA,
    F_FQDN_FLAGS, F_FQDN_RCODE1, F_FQDN_RCODE2, F_FQDN_NAME,
    F_AGENT_SUB, F_AGENT_LEN, F_AGENT_VALUE, F_AGENT_CIRCUIT, F_AGENT_REMOTE,
    F_SR_IP, F_SR_ROUTER, F_CSR,
    F_COUNT
};

static const struct trawl_value_name bootp_types[] = { { 1, "Boot Request" }, { 2, "Boot Reply" }, { 0, NULL } };
static const struct trawl_value_name msg_types[] = {
    { 1, "Discover" }, { 2, "Offer" }, { 3, "Request" }, { 4, "Decline" }, { 5, "ACK" },
    { 6, "NAK" }, { 7, "Release" }, { 8, "Inform" }, { 9, "Force Renew" }, { 10, "Lease query" },
    { 11, "Lease Unassigned" }, { 12, "Lease Unknown" }, { 13, "Lease Active" }, { 0, NULL } };

static const struct trawl_field_def fields[F_COUNT] = {
    [F_TYPE]         = { "dhcp.type", "Message type", TRAWL_FT_U8, 0, bootp_types, 0 },
    [F_HW_TYPE]      = { "dhcp.hw.type", "Hardware type", TRAWL_FT_U8, TRAWL_BASE_HEX, NULL, 0 },
    [F_HW_LEN]       = { "dhcp.hw.len", "Hardware address length", TRAWL_FT_U8, 0, NULL, 0 },
    [F_HOPS]         = { "dhcp.hops", "Hops", TRAWL_FT_U8, 0, NULL, 0 },
    [F_ID]           = { "dhcp.id", "Transaction ID", TRAWL_FT_U32, TRAWL_BASE_HEX, NULL, 0 },
    [F_SECS]         = { "dhcp.secs", "Seconds elapsed", TRAWL_FT_U16, 0, NULL, 0 },
    [F_FLAGS]        = { "dhcp.flags", "Bootp flags", TRAWL_FT_U16, TRAWL_BASE_HEX, NULL, 0 },
    [F_FLAGS_BC]     = { "dhcp.flags.bc", "Broadcast flag", TRAWL_FT_BOOL, 0, NULL, 0x8000 },
    [F_FLAGS_RES]    = { "dhcp.flags.reserved", "Reserved flags", TRAWL_FT_U16, TRAWL_BASE_HEX, NULL, 0x7fff },
    [F_IP_CLIENT]    = { "dhcp.ip.client", "Client IP address", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_IP_YOUR]      = { "dhcp.ip.your", "Your (client) IP address", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_IP_SERVER]    = { "dhcp.ip.server", "Next server IP address", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_IP_RELAY]     = { "dhcp.ip.relay", "Relay agent IP address", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_HW_MAC]       = { "dhcp.hw.mac_addr", "Client MAC address", TRAWL_FT_ETHER, 0, NULL, 0 },
    [F_HW_ADDR]      = { "dhcp.hw.addr", "Client hardware address", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_HW_PAD]       = { "dhcp.hw.addr_padding", "Client hardware address padding", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_SERVER]       = { "dhcp.server", "Server host name", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_FILE]         = { "dhcp.file", "Boot file name", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_COOKIE]       = { "dhcp.cookie", "Magic cookie", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_OPT_TYPE]     = { "dhcp.option.type", "Option", TRAWL_FT_U8, 0, NULL, 0 },
    [F_OPT_LEN]      = { "dhcp.option.length", "Length", TRAWL_FT_U8, 0, NULL, 0 },
    [F_OPT_VALUE]    = { "dhcp.option.value", "Value", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_OPT_PADDING]  = { "dhcp.option.padding", "Padding", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_OPT_END]      = { "dhcp.option.end", "Option End", TRAWL_FT_U8, 0, NULL, 0 },
    [F_OPT_DHCP]     = { "dhcp.option.dhcp", "DHCP", TRAWL_FT_U8, 0, msg_types, 0 },
    [F_OPT_HOSTNAME] = { "dhcp.option.hostname", "Host Name", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_OPT_REQ_IP]   = { "dhcp.option.requested_ip_address", "Requested IP Address", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_OPT_LEASE]    = { "dhcp.option.ip_address_lease_time", "IP Address Lease Time", TRAWL_FT_U32, 0, NULL, 0 },
    [F_OPT_REQ_ITEM] = { "dhcp.option.request_list_item", "Parameter Request List Item", TRAWL_FT_U8, 0, NULL, 0 },
    [F_OPT_VENDOR_CLASS] = { "dhcp.option.vendor_class_id", "Vendor class identifier", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_OPT_SUBNET]   = { "dhcp.option.subnet_mask", "Subnet Mask", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_OPT_ROUTER]   = { "dhcp.option.router", "Router", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_OPT_DNS]      = { "dhcp.option.domain_name_server", "Domain Name Server", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_OPT_DOMAIN]   = { "dhcp.option.domain_name", "Domain Name", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_OPT_SERVER_ID]= { "dhcp.option.dhcp_server_id", "DHCP Server Identifier", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_OPT_MESSAGE]  = { "dhcp.option.message", "Message", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_OPT_OVERLOAD] = { "dhcp.option.option_overload", "Option Overload", TRAWL_FT_U8, 0, NULL, 0 },
    [F_OPT_RENEWAL]  = { "dhcp.option.renewal_time_value", "Renewal Time Value", TRAWL_FT_U32, 0, NULL, 0 },
    [F_OPT_REBINDING]= { "dhcp.option.rebinding_time_value", "Rebinding Time Value", TRAWL_FT_U32, 0, NULL, 0 },
    [F_CLIENT_ID]    = { "dhcp.client_id", "Client Identifier", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_CLIENT_ID_TYPE] = { "dhcp.client_id.type", "Client Identifier type", TRAWL_FT_U8, 0, NULL, 0 },
    [F_UC]           = { "dhcp.option.user_class", "Instance of User Class", TRAWL_FT_U8, 0, NULL, 0 },
    [F_UC_LEN]       = { "dhcp.option.user_class.length", "User Class Length", TRAWL_FT_U8, 0, NULL, 0 },
    [F_UC_DATA]      = { "dhcp.option.user_class.data", "User Class Data", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_FQDN_FLAGS]   = { "dhcp.fqdn.flags", "Flags", TRAWL_FT_U8, TRAWL_BASE_HEX, NULL, 0 },
    [F_FQDN_RCODE1]  = { "dhcp.fqdn.rcode1", "A-RR result", TRAWL_FT_U8, 0, NULL, 0 },
    [F_FQDN_RCODE2]  = { "dhcp.fqdn.rcode2", "PTR-RR result", TRAWL_FT_U8, 0, NULL, 0 },
    [F_FQDN_NAME]    = { "dhcp.fqdn.name", "Client name", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_AGENT_SUB]    = { "dhcp.option.agent_information_option.suboption", "Agent Information Option", TRAWL_FT_U8, 0, NULL, 0 },
    [F_AGENT_LEN]    = { "dhcp.option.agent_information_option.length", "Length", TRAWL_FT_U8, 0, NULL, 0 },
    [F_AGENT_VALUE]  = { "dhcp.option.agent_information_option.value", "Value", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_AGENT_CIRCUIT]= { "dhcp.option.agent_information_option.agent_circuit_id", "Agent Circuit ID", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_AGENT_REMOTE] = { "dhcp.option.agent_information_option.agent_remote_id", "Agent Remote ID", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_SR_IP]        = { "dhcp.option.static_route.ip", "Destination IP Address", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_SR_ROUTER]    = { "dhcp.option.static_route.router", "Destination Router", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_CSR]          = { "dhcp.option.classless_static_route", "Classless static route", TRAWL_FT_BYTES, 0, NULL, 0 },
};

/* ---- records ------------------------------------------------------------------------------ */

enum {
    C_TS, C_UIDS, C_CLIENT_ADDR, C_SERVER_ADDR, C_MAC, C_HOST_NAME, C_CLIENT_FQDN, C_DOMAIN,
    C_REQUESTED_ADDR, C_ASSIGNED_ADDR, C_LEASE_TIME, C_CLIENT_MESSAGE, C_SERVER_MESSAGE,
    C_MSG_TYPES, C_DURATION, C_COMMUNITY_ID, C_FILE, C_FIRST_FRAME, C_LAST_FRAME, C_COUNT
};

static const struct trawl_record_field cols[C_COUNT] = {
    [C_TS]             = { "ts", "First message of the exchange", TRAWL_FT_TIME, 0 },
    [C_UIDS]           = { "uids", "Flows of the exchange", TRAWL_FT_STRING, TRAWL_RF_SET },
    [C_CLIENT_ADDR]    = { "client_addr", "Client address (ciaddr)", TRAWL_FT_IPV4, TRAWL_RF_ADDR },
    [C_SERVER_ADDR]    = { "server_addr", "Server address (option 54, else the server's source)", TRAWL_FT_IPV4, TRAWL_RF_ADDR },
    [C_MAC]            = { "mac", "Client hardware address", TRAWL_FT_STRING, 0 },
    [C_HOST_NAME]      = { "host_name", "Option 12", TRAWL_FT_STRING, 0 },
    [C_CLIENT_FQDN]    = { "client_fqdn", "Option 81's name", TRAWL_FT_STRING, 0 },
    [C_DOMAIN]         = { "domain", "Option 15", TRAWL_FT_STRING, 0 },
    [C_REQUESTED_ADDR] = { "requested_addr", "Option 50", TRAWL_FT_IPV4, TRAWL_RF_ADDR },
    [C_ASSIGNED_ADDR]  = { "assigned_addr", "yiaddr of the ACK", TRAWL_FT_IPV4, TRAWL_RF_ADDR },
    [C_LEASE_TIME]     = { "lease_time", "Option 51", TRAWL_FT_RELTIME, 0 },
    [C_CLIENT_MESSAGE] = { "client_message", "Option 56 from the client", TRAWL_FT_STRING, 0 },
    [C_SERVER_MESSAGE] = { "server_message", "Option 56 from the server", TRAWL_FT_STRING, 0 },
    [C_MSG_TYPES]      = { "msg_types", "Message types in order", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_DURATION]       = { "duration", "First to last message", TRAWL_FT_RELTIME, 0 },
    [C_COMMUNITY_ID]   = { "community_id", "Community ID v1 of the flow", TRAWL_FT_STRING, 0 },
    [C_FILE]           = { "file", "Capture file of the first message", TRAWL_FT_STRING, 0 },
    [C_FIRST_FRAME]    = { "first_frame", "Frame of the first message", TRAWL_FT_U64, 0 },
    [C_LAST_FRAME]     = { "last_frame", "Frame of the last message", TRAWL_FT_U64, 0 },
};
static const struct trawl_record_def rec_def = {
    sizeof rec_def, "dhcp", "DHCP exchanges (Zeek's dhcp.log)", cols, C_COUNT,
};

#define DHCP_MAX_EXCHANGES 4096
#define DHCP_STR 64
#define DHCP_WATCH_NS (30 * 1000000000LL)      /* Zeek's max_txid_watch_time */

struct dhcp_str { uint8_t len; char s[DHCP_STR]; };

/* What an exchange has gathered (the analyzer's, touched only in frame order). */
struct dhcp_tx {
    uint8_t mac[6];
    bool has_mac, has_client, has_server, has_req, has_assigned, has_lease;
    uint8_t client[4], server[4], req[4], assigned[4];
    uint32_t lease;
    struct dhcp_str host, fqdn, domain, cmsg, smsg;
};

/* The internal per-message record: what one message says that the exchange needs. */
enum {
    M_TS, M_UID, M_COMMUNITY_ID, M_FILE, M_FRAME, M_XID, M_TYPE, M_FROM_SERVER, M_MAC,
    M_CLIENT, M_YOUR, M_SERVER_ID, M_REQ, M_LEASE, M_HOST, M_FQDN, M_DOMAIN, M_MESSAGE, M_COUNT
};

static const struct trawl_record_field msg_cols[M_COUNT] = {
    [M_TS]          = { "ts", "Time of the message", TRAWL_FT_TIME, 0 },
    [M_UID]         = { "uid", "Flow of the message", TRAWL_FT_STRING, 0 },
    [M_COMMUNITY_ID]= { "community_id", "Community ID of the flow", TRAWL_FT_STRING, 0 },
    [M_FILE]        = { "file_index", "Input file index", TRAWL_FT_U64, 0 },
    [M_FRAME]       = { "frame", "Frame number", TRAWL_FT_U64, 0 },
    [M_XID]         = { "xid", "Transaction id", TRAWL_FT_U32, 0 },
    [M_TYPE]        = { "msg_type", "Option 53", TRAWL_FT_U8, 0 },
    [M_FROM_SERVER] = { "from_server", "A BOOTREPLY", TRAWL_FT_BOOL, 0 },
    [M_MAC]         = { "mac", "chaddr (Ethernet)", TRAWL_FT_ETHER, 0 },
    [M_CLIENT]      = { "ciaddr", "ciaddr when set", TRAWL_FT_IPV4, 0 },
    [M_YOUR]        = { "yiaddr", "yiaddr when set", TRAWL_FT_IPV4, 0 },
    [M_SERVER_ID]   = { "server_id", "Option 54", TRAWL_FT_IPV4, 0 },
    [M_REQ]         = { "requested_addr", "Option 50", TRAWL_FT_IPV4, 0 },
    [M_LEASE]       = { "lease_time", "Option 51 (seconds)", TRAWL_FT_U32, 0 },
    [M_HOST]        = { "host_name", "Option 12", TRAWL_FT_STRING, 0 },
    [M_FQDN]        = { "client_fqdn", "Option 81's name", TRAWL_FT_STRING, 0 },
    [M_DOMAIN]      = { "domain", "Option 15", TRAWL_FT_STRING, 0 },
    [M_MESSAGE]     = { "message", "Option 56", TRAWL_FT_STRING, 0 },
};

static const struct trawl_record_def msg_def = {
    sizeof msg_def, "dhcp_message", "One DHCP message, for the dhcp analyzer (internal)",
    msg_cols, M_COUNT,
};

struct dhcp_state {
    const struct trawl_proto *proto;
    const struct trawl_record_type *rec, *msg_rec;
    struct trawl_exchanges *ex;       /* the analyzer's open exchanges */
};

/* What one message says that a record needs (collected while its options are walked). */
struct dhcp_msg {
    uint8_t type;                     /* option 53, 0 when absent */
    bool has_server_id, has_req, has_lease;
    uint8_t server_id[4], req[4];
    uint32_t lease;
    const uint8_t *host, *fqdn, *domain, *message;
    uint32_t host_len, fqdn_len, domain_len, message_len;
    uint8_t overload;
    bool end;
};

/* ---- options ------------------------------------------------------------------------------ */

/* Text up to the first NUL (tshark's STRINGZ). */
static uint32_t strz_len(const uint8_t *p, uint32_t n)
{
    const uint8_t *z = memchr(p, 0, n);
    return z ? (uint32_t)(z - p) : n;
}

static void opt_user_class(struct trawl_packet *pkt, const uint8_t *v, uint32_t n, const struct trawl_buf *b)
{
    uint32_t off = 0;
    for (unsigned i = 0; off < n; i++) {
        uint8_t l = v[off];
        trawl_add_uint(pkt, F_UC, i);
        trawl_add_uint(pkt, F_UC_LEN, l);
        if (l == 0 || off + 1u + l > n) {    /* RFC 3004: instances are 1..255 bytes, inside the option */
            trawl_buf_mark_malformed(b);
            return;
        }
        trawl_add_bytes(pkt, F_UC_DATA, v + off + 1, l);
        off += 1u + l;
    }
}

static void opt_agent(struct trawl_packet *pkt, const uint8_t *v, uint32_t n, const struct trawl_buf *b)
{
    uint32_t off = 0;
    while (off < n) {
        if (n - off < 2) { trawl_buf_mark_malformed(b); return; }
        uint8_t sub = v[off], l = v[off + 1];
        trawl_add_uint(pkt, F_AGENT_SUB, sub);
        trawl_add_uint(pkt, F_AGENT_LEN, l);
        if (off + 2u + l > n) { trawl_buf_mark_malformed(b); return; }
        const uint8_t *d = v + off + 2;
        if (sub == 1) trawl_add_bytes(pkt, F_AGENT_CIRCUIT, d, l);
        else if (sub == 2) trawl_add_bytes(pkt, F_AGENT_REMOTE, d, l);
        else trawl_add_bytes(pkt, F_AGENT_VALUE, d, l);
        off += 2u + l;
    }
}

/* RFC 3442: width byte (0..32), the significant octets of the destination, a router. tshark
 * shows each route's bytes (and the route only as text in its tree). */
static void opt_classless(struct trawl_packet *pkt, const uint8_t *v, uint32_t n, const struct trawl_buf *b)
{
    uint32_t off = 0;
    while (off < n) {
        uint8_t w = v[off];
        uint32_t sig = (w + 7u) / 8u;
        if (w > 32 || off + 1 + sig + 4 > n) { trawl_buf_mark_malformed(b); return; }
        trawl_add_bytes(pkt, F_CSR, v + off, 1 + sig + 4);
        off += 1 + sig + 4;
    }
}

static void addr_list(struct trawl_packet *pkt, unsigned idx, const uint8_t *v, uint32_t n, const struct trawl_buf *b)
{
    if (n % 4) trawl_buf_mark_malformed(b);
    for (uint32_t i = 0; i + 4 <= n; i += 4) trawl_add_addr(pkt, idx, v + i);
}

/* Walk one options area. Returns false when it ended badly (the layer is marked). */
static bool walk_options(struct trawl_packet *pkt, const struct trawl_buf *a, struct dhcp_msg *m, bool main_area)
{
    uint32_t n = trawl_buf_caplen(a), off = 0;
    while (off < n) {
        uint8_t code = a->data[off];
        if (code == 255) {
            trawl_add_uint(pkt, F_OPT_TYPE, 0);     /* tshark 4.0 shows End's type as 0 */
            trawl_add_uint(pkt, F_OPT_END, 255);
            m->end = true;
            off++;
            /* The bytes after End: shown for the options field, not for sname/file. */
            if (off < n && main_area) trawl_add_bytes(pkt, F_OPT_PADDING, a->data + off, n - off);
            return true;
        }
        if (code == 0) {                            /* a run of Pad options */
            uint32_t s = off;
            while (off < n && a->data[off] == 0) off++;
            trawl_add_uint(pkt, F_OPT_TYPE, 0);
            trawl_add_bytes(pkt, F_OPT_PADDING, a->data + s, off - s);
            continue;
        }
        trawl_add_uint(pkt, F_OPT_TYPE, code);
        if (off + 1 >= n) {                         /* no length byte */
            trawl_buf_need(a, off + 1, 1);
            return false;
        }
        uint8_t len = a->data[off + 1];
        trawl_add_uint(pkt, F_OPT_LEN, len);
        if (!trawl_buf_need(a, off + 2, len)) { return false; }
        const uint8_t *v = a->data + off + 2;
        bool bad = false;
        switch (code) {
        case 1: if (len == 4) trawl_add_addr(pkt, F_OPT_SUBNET, v); else bad = true; break;
        case 3: addr_list(pkt, F_OPT_ROUTER, v, len, a); break;
        case 6: addr_list(pkt, F_OPT_DNS, v, len, a); break;
        case 12:
            trawl_add_string(pkt, F_OPT_HOSTNAME, (const char *)v, strz_len(v, len));
            m->host = v; m->host_len = strz_len(v, len);
            break;
        case 15:
            trawl_add_string(pkt, F_OPT_DOMAIN, (const char *)v, strz_len(v, len));
            m->domain = v; m->domain_len = strz_len(v, len);
            break;
        case 33:
            if (len % 8) bad = true;
            for (uint32_t i = 0; i + 8 <= len; i += 8) {
                trawl_add_addr(pkt, F_SR_IP, v + i);
                trawl_add_addr(pkt, F_SR_ROUTER, v + i + 4);
            }
            break;
        case 50:
            if (len == 4) { trawl_add_addr(pkt, F_OPT_REQ_IP, v); memcpy(m->req, v, 4); m->has_req = true; }
            else bad = true;
            break;
        case 51: case 58: case 59:
            if (len == 4) {
                uint32_t t = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
                trawl_add_uint(pkt, code == 51 ? F_OPT_LEASE : code == 58 ? F_OPT_RENEWAL : F_OPT_REBINDING, t);
                if (code == 51) { m->lease = t; m->has_lease = true; }
            } else bad = true;
            break;
        case 52:
            if (len == 1) { trawl_add_uint(pkt, F_OPT_OVERLOAD, v[0]); m->overload = v[0]; }
            else bad = true;
            break;
        case 53:
            if (len != 1) {                         /* tshark gives up on the options here */
                trawl_buf_mark_malformed(a);
                return false;
            }
            trawl_add_uint(pkt, F_OPT_DHCP, v[0]);
            m->type = v[0];
            break;
        case 54:
            if (len == 4) { trawl_add_addr(pkt, F_OPT_SERVER_ID, v); memcpy(m->server_id, v, 4); m->has_server_id = true; }
            else bad = true;
            break;
        case 55:
            for (uint32_t i = 0; i < len; i++) trawl_add_uint(pkt, F_OPT_REQ_ITEM, v[i]);
            break;
        case 56:
            trawl_add_string(pkt, F_OPT_MESSAGE, (const char *)v, strz_len(v, len));
            m->message = v; m->message_len = strz_len(v, len);
            break;
        case 60: trawl_add_string(pkt, F_OPT_VENDOR_CLASS, (const char *)v, len); break;
        case 61:
            if (len >= 1) {
                if (v[0] == 1 && len == 7) {        /* tshark: the BOOTP header's fields again */
                    trawl_add_uint(pkt, F_HW_TYPE, v[0]);
                    trawl_add_addr(pkt, F_HW_MAC, v + 1);
                } else {
                    trawl_add_uint(pkt, F_CLIENT_ID_TYPE, v[0]);
                    trawl_add_bytes(pkt, F_CLIENT_ID, v + 1, len - 1u);
                }
            } else bad = true;
            break;
        case 77: opt_user_class(pkt, v, len, a); break;
        case 81:
            if (len >= 3) {
                trawl_add_uint(pkt, F_FQDN_FLAGS, v[0]);
                trawl_add_uint(pkt, F_FQDN_RCODE1, v[1]);
                trawl_add_uint(pkt, F_FQDN_RCODE2, v[2]);
                if (len > 3) {
                    /* E bit: canonical wire format; shown as the bytes' labels joined by dots. */
                    if (v[0] & 0x04) {
                        char *out = trawl_packet_alloc(pkt, len);
                        uint32_t o = 0, i = 3;
                        while (out && i < len && v[i] && i + 1u + v[i] <= len && v[i] < 64) {
                            if (o) out[o++] = '.';
                            memcpy(out + o, v + i + 1, v[i]);
                            o += v[i];
                            i += 1u + v[i];
                        }
                        if (out) { trawl_add_string(pkt, F_FQDN_NAME, out, o); m->fqdn = (const uint8_t *)out; m->fqdn_len = o; }
                    } else {
                        trawl_add_string(pkt, F_FQDN_NAME, (const char *)v + 3, len - 3u);
                        m->fqdn = v + 3; m->fqdn_len = len - 3u;
                    }
                }
            } else bad = true;
            break;
        case 82: opt_agent(pkt, v, len, a); break;
        case 121:
            opt_classless(pkt, v, len, a);
            break;
        default:
            trawl_add_bytes(pkt, F_OPT_VALUE, v, len);
        }
        if (bad) trawl_buf_mark_malformed(a);
        off += 2u + len;
    }
    return true;
}

/* ---- records ------------------------------------------------------------------------------ */

static const char *const zeek_types[] = {
    NULL, "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM",
    "FORCERENEW", "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN", "LEASEACTIVE",
};

static void str_set(struct dhcp_str *d, const uint8_t *p, uint32_t n)
{
    if (!p) return;
    if (n > DHCP_STR) n = DHCP_STR;
    memcpy(d->s, p, n);
    d->len = (uint8_t)n;
}

static void rec_str(struct trawl_record *r, unsigned col, const struct dhcp_str *s)
{
    if (s->len) trawl_rec_string(r, col, s->s, s->len);
}

static void emit(struct trawl_packet *ctx, const struct trawl_exchange *x, void *user)
{
    const struct dhcp_state *st = user;
    const struct dhcp_tx *t = x->data;
    struct trawl_record *r = trawl_record_begin(ctx, st->rec);
    if (!r) return;
    trawl_rec_time(r, C_TS, x->first_ns);
    for (unsigned i = 0; i < x->nuids; i++) trawl_rec_cstring(r, C_UIDS, x->uids[i]);
    if (t->has_client) trawl_rec_addr(r, C_CLIENT_ADDR, 4, t->client);
    if (t->has_server) trawl_rec_addr(r, C_SERVER_ADDR, 4, t->server);
    if (t->has_mac) {
        char mac[18];
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", t->mac[0], t->mac[1], t->mac[2],
                 t->mac[3], t->mac[4], t->mac[5]);
        trawl_rec_cstring(r, C_MAC, mac);
    }
    rec_str(r, C_HOST_NAME, &t->host);
    rec_str(r, C_CLIENT_FQDN, &t->fqdn);
    rec_str(r, C_DOMAIN, &t->domain);
    if (t->has_req) trawl_rec_addr(r, C_REQUESTED_ADDR, 4, t->req);
    if (t->has_assigned) trawl_rec_addr(r, C_ASSIGNED_ADDR, 4, t->assigned);
    if (t->has_lease) trawl_rec_time(r, C_LEASE_TIME, (int64_t)t->lease * 1000000000);
    rec_str(r, C_CLIENT_MESSAGE, &t->cmsg);
    rec_str(r, C_SERVER_MESSAGE, &t->smsg);
    for (unsigned i = 0; i < x->nkinds; i++) {
        uint16_t ty = x->kinds[i];
        char buf[16];
        const char *s = ty < sizeof zeek_types / sizeof *zeek_types && zeek_types[ty] ? zeek_types[ty] : NULL;
        if (!s) { snprintf(buf, sizeof buf, "UNKNOWN-%u", ty); s = buf; }
        trawl_rec_cstring(r, C_MSG_TYPES, s);
    }
    trawl_rec_time(r, C_DURATION, x->last_ns - x->first_ns);
    /* The first message's flow stands for the exchange (Zeek has no flow id here). */
    trawl_rec_exchange_evidence(r, C_COMMUNITY_ID, ctx, x);
    trawl_record_end(r);
}

/* The dissector's side: one internal record per message, when dhcp records are wanted. */
static void rec_message(struct trawl_packet *pkt, const struct dhcp_state *st, const struct trawl_buf *b,
                        uint32_t xid, const struct dhcp_msg *m)
{
    if (!m->type || trawl_packet_in_quote(pkt) || !trawl_record_wanted(pkt, st->rec)) return;
    struct trawl_record *r = trawl_record_begin(pkt, st->msg_rec);
    if (!r) return;
    const uint8_t *d = b->data;               /* the fixed header was checked by the caller */
    static const uint8_t zero[4] = { 0, 0, 0, 0 };
    trawl_rec_message_id(r, M_TS, pkt);
    trawl_rec_uint(r, M_XID, xid);
    trawl_rec_uint(r, M_TYPE, m->type);
    trawl_rec_bool(r, M_FROM_SERVER, d[0] == 2);
    if (d[1] == 1 && d[2] == 6) trawl_rec_bytes(r, M_MAC, d + 28, 6);
    if (memcmp(d + 12, zero, 4)) trawl_rec_addr(r, M_CLIENT, 4, d + 12);
    if (memcmp(d + 16, zero, 4)) trawl_rec_addr(r, M_YOUR, 4, d + 16);
    if (m->has_server_id) trawl_rec_addr(r, M_SERVER_ID, 4, m->server_id);
    if (m->has_req) trawl_rec_addr(r, M_REQ, 4, m->req);
    if (m->has_lease) trawl_rec_uint(r, M_LEASE, m->lease);
    if (m->host) trawl_rec_string(r, M_HOST, (const char *)m->host, m->host_len);
    if (m->fqdn) trawl_rec_string(r, M_FQDN, (const char *)m->fqdn, m->fqdn_len);
    if (m->domain) trawl_rec_string(r, M_DOMAIN, (const char *)m->domain, m->domain_len);
    if (m->message) trawl_rec_string(r, M_MESSAGE, (const char *)m->message, m->message_len);
    trawl_record_end(r);
}

/* ---- the analyzer: messages joined into exchanges, in frame order ------------------------------ */

static void val_str(struct dhcp_str *d, const struct trawl_value *v)
{
    if (v) str_set(d, v->v.p, v->len);
}

static void val_addr(uint8_t out[4], bool *has, const struct trawl_value *v)
{
    if (v && v->len == 4) { memcpy(out, v->v.p, 4); *has = true; }
}

static void dhcp_on_message(struct trawl_packet *ctx, const struct trawl_record *r, void *state)
{
    struct dhcp_state *st = state;
    const struct trawl_value *xid = trawl_record_value(r, M_XID), *type = trawl_record_value(r, M_TYPE), *v;
    if (!xid || !type) return;
    struct trawl_exchange *x = trawl_exchange_join(st->ex, ctx, r, M_TS, xid->v.u, (uint16_t)type->v.u);
    if (!x) return;
    struct dhcp_tx *t = x->data;
    const struct trawl_value *srv = trawl_record_value(r, M_FROM_SERVER);
    bool from_server = srv && srv->v.u;
    if ((v = trawl_record_value(r, M_MAC)) && v->len == 6) { memcpy(t->mac, v->v.p, 6); t->has_mac = true; }
    val_addr(t->client, &t->has_client, trawl_record_value(r, M_CLIENT));
    val_addr(t->server, &t->has_server, trawl_record_value(r, M_SERVER_ID));
    val_addr(t->req, &t->has_req, trawl_record_value(r, M_REQ));
    if (type->v.u == 5) val_addr(t->assigned, &t->has_assigned, trawl_record_value(r, M_YOUR));
    if ((v = trawl_record_value(r, M_LEASE))) { t->lease = (uint32_t)v->v.u; t->has_lease = true; }
    val_str(&t->host, trawl_record_value(r, M_HOST));
    val_str(&t->fqdn, trawl_record_value(r, M_FQDN));
    val_str(&t->domain, trawl_record_value(r, M_DOMAIN));
    val_str(from_server ? &t->smsg : &t->cmsg, trawl_record_value(r, M_MESSAGE));
}

static void dhcp_finish(struct trawl_packet *ctx, void *state)
{
    struct dhcp_state *st = state;
    trawl_exchanges_flush(st->ex, ctx);
}

/* ---- the dissector ------------------------------------------------------------------------- */

static const uint8_t cookie[4] = { 99, 130, 83, 99 };

static int dhcp_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct dhcp_state *st = state;
    /* op, htype, hlen, hops, xid, secs, flags, 4 addresses, chaddr, sname, file: 236 bytes. */
    if (!trawl_buf_need(b, 0, 236)) {
        /* Show what there is of the fixed part, as tshark does before its exception. */
        if (trawl_buf_has(b, 0, 1)) trawl_add_uint(pkt, F_TYPE, b->data[0]);
        return (int)trawl_buf_len(b) ? (int)trawl_buf_len(b) : 1;
    }
    const uint8_t *d = b->data;
    uint32_t xid = trawl_buf_u32be(b, 4);
    uint16_t flags = trawl_buf_u16be(b, 10);
    trawl_add_uint(pkt, F_TYPE, d[0]);
    trawl_add_uint(pkt, F_HW_TYPE, d[1]);
    trawl_add_uint(pkt, F_HW_LEN, d[2]);
    trawl_add_uint(pkt, F_HOPS, d[3]);
    trawl_add_uint(pkt, F_ID, xid);
    trawl_add_uint(pkt, F_SECS, trawl_buf_u16be(b, 8));
    trawl_add_uint(pkt, F_FLAGS, flags);
    trawl_add_bool(pkt, F_FLAGS_BC, flags & 0x8000);
    trawl_add_uint(pkt, F_FLAGS_RES, flags & 0x7fff);
    trawl_add_addr(pkt, F_IP_CLIENT, d + 12);
    trawl_add_addr(pkt, F_IP_YOUR, d + 16);
    trawl_add_addr(pkt, F_IP_SERVER, d + 20);
    trawl_add_addr(pkt, F_IP_RELAY, d + 24);
    if (d[1] == 1 && d[2] == 6) {
        trawl_add_addr(pkt, F_HW_MAC, d + 28);
        trawl_add_bytes(pkt, F_HW_PAD, d + 34, 10);
    } else if (d[2] > 0 && d[2] <= 16) {
        trawl_add_bytes(pkt, F_HW_ADDR, d + 28, d[2]);
        if (d[2] < 16) trawl_add_bytes(pkt, F_HW_PAD, d + 28 + d[2], 16u - d[2]);
    } else {
        trawl_add_bytes(pkt, F_HW_ADDR, d + 28, 16);
    }
    if (trawl_cols_wanted(pkt)) trawl_col_set(pkt, TRAWL_COL_INFO, "%s - Transaction ID 0x%08x",
                                              d[0] == 1 ? "Boot Request" : d[0] == 2 ? "Boot Reply" : "BOOTP", xid);
    /* Without the cookie this is plain BOOTP: vendor bytes, no options. */
    struct dhcp_msg m;
    memset(&m, 0, sizeof m);
    bool dhcp = trawl_buf_has(b, 236, 4) && !memcmp(d + 236, cookie, 4);
    if (dhcp) {
        trawl_add_addr(pkt, F_COOKIE, d + 236);
        struct trawl_buf opts = trawl_buf_tail(b, 240);
        walk_options(pkt, &opts, &m, true);
        /* Overload: file (bit 1), then sname (bit 2) carry options instead of text. */
        if (trawl_buf_ok(b) && (m.overload & 1)) {
            struct trawl_buf a = trawl_buf_sub(b, 108, 128);
            walk_options(pkt, &a, &m, false);
        }
        if (trawl_buf_ok(b) && (m.overload & 2)) {
            struct trawl_buf a = trawl_buf_sub(b, 44, 64);
            walk_options(pkt, &a, &m, false);
        }
    }
    if (!(m.overload & 2) && d[44]) trawl_add_string(pkt, F_SERVER, (const char *)d + 44, strz_len(d + 44, 64));
    if (!(m.overload & 1) && d[108]) trawl_add_string(pkt, F_FILE, (const char *)d + 108, strz_len(d + 108, 128));
    if (m.type && trawl_cols_wanted(pkt)) {
        const char *n = NULL;
        for (const struct trawl_value_name *v = msg_types; v->name; v++) if (v->value == m.type) n = v->name;
        trawl_col_set(pkt, TRAWL_COL_INFO, "DHCP %s - Transaction ID 0x%08x", n ? n : "Unknown", xid);
        trawl_col_set(pkt, TRAWL_COL_PROTOCOL, "DHCP");
    }
    if (trawl_buf_ok(b)) rec_message(pkt, st, b, xid, &m);
    return (int)trawl_buf_len(b);
}

/* ---- registration -------------------------------------------------------------------------- */

static const struct trawl_proto_def proto_def = {
    "dhcp", "Dynamic Host Configuration Protocol", "DHCP", fields, F_COUNT, dhcp_dissect,
};
static const char *const analyzer_records[] = { "dhcp_message", NULL };
static const struct trawl_analyzer_def analyzer_def = {
    .size = sizeof analyzer_def, .name = "dhcp",
    .desc = "joins DHCP messages into exchanges (Zeek's dhcp.log), across flows",
    .records = analyzer_records, .record = dhcp_on_message, .finish = dhcp_finish,
};

static int dhcp_init(struct trawl_init *ctx)
{
    struct dhcp_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    if (!(st->proto = trawl_proto_register(ctx, &proto_def, st))) return TRAWL_EINVAL;
    if (!(st->rec = trawl_record_register(ctx, &rec_def))) return TRAWL_EINVAL;
    if (!(st->msg_rec = trawl_record_register_internal(ctx, &msg_def))) return TRAWL_EINVAL;
    if (!(st->ex = trawl_exchanges_new(sizeof(struct dhcp_tx), DHCP_MAX_EXCHANGES, DHCP_WATCH_NS, emit, st)))
        return TRAWL_ENOMEM;
    return trawl_analyzer_register(ctx, &analyzer_def, st);
}

static int dhcp_handoff(struct trawl_init *ctx)
{
    struct dhcp_state *st = trawl_init_state(ctx);
    trawl_table_add(ctx, "udp.port", 67, st->proto);
    trawl_table_add(ctx, "udp.port", 68, st->proto);
    return 0;
}

static void dhcp_fini(void *state)
{
    struct dhcp_state *st = state;
    if (st) trawl_exchanges_free(st->ex);
    free(st);
}

TRAWL_PLUGIN_DESCRIPTOR(
    .name = "dhcp", .version = "1.0.0",
    .summary = "DHCP and BOOTP on UDP 67/68 (RFC 951, 2131, 2132, 3004, 3442, 4702); dhcp records",
    .init = dhcp_init, .handoff = dhcp_handoff, .fini = dhcp_fini);
