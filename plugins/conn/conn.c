/* conn — one "conn" record per flow when it ends, with Zeek's conn.log columns, in Zeek's order
 * and types, so Zeek's tools and habits apply; trawl's evidence (file, frames) comes last.
 *
 * The values are the engine's flow tracking (flow.h), which follows Zeek's TCP analyzer for
 * endpoint states, history letters and sizes; this plugin only names them:
 *   - conn_state from the two endpoint states (Zeek's Conn::conn_state), UDP from which sides
 *     sent, SF/S0/SHR/OTH; other protocols OTH;
 *   - duration, orig_bytes and resp_bytes only when the duration is above zero (one packet:
 *     all three unset), as Zeek does; a TCP duration stops once both sides had closed;
 *   - ICMP "ports" are the type and its counterpart type (or the code for one-way types);
 *   - service: the protocol that took the flow, in Zeek's spelling (tls -> ssl);
 *   - local_orig/local_resp: Zeek's default Site::local_nets, i.e. its private address space
 *     (conn.local_nets=none leaves them unset, as Zeek with private_address_space_is_local=F);
 *   - community_id after Zeek's own columns, where its community-id policy puts it; vlan and
 *     inner_vlan (its vlan-logging policy) likewise.
 */
#include <stdlib.h>
#include <string.h>
#include <trawl/trawl.h>

enum {
    C_TS, C_UID, C_ORIG_H, C_ORIG_P, C_RESP_H, C_RESP_P, C_PROTO, C_SERVICE, C_DURATION,
    C_ORIG_BYTES, C_RESP_BYTES, C_STATE, C_LOCAL_ORIG, C_LOCAL_RESP, C_MISSED, C_HISTORY,
    C_ORIG_PKTS, C_ORIG_IP_BYTES, C_RESP_PKTS, C_RESP_IP_BYTES, C_TUNNEL_PARENTS, C_IP_PROTO,
    C_VLAN, C_INNER_VLAN, C_COMMUNITY_ID, C_FILE, C_FIRST_FRAME, C_LAST_FRAME, C_COUNT
};

static const struct trawl_record_field cols[C_COUNT] = {
    [C_TS]             = { "ts", "Time of the first packet", TRAWL_FT_TIME, 0 },
    [C_UID]            = { "uid", "Connection id", TRAWL_FT_STRING, 0 },
    [C_ORIG_H]         = { "id.orig_h", "Originator address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_ORIG_P]         = { "id.orig_p", "Originator port (ICMP: type)", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_RESP_H]         = { "id.resp_h", "Responder address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_RESP_P]         = { "id.resp_p", "Responder port (ICMP: counterpart type or code)", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_PROTO]          = { "proto", "Transport protocol", TRAWL_FT_STRING, TRAWL_RF_ENUM },
    [C_SERVICE]        = { "service", "Application protocol found", TRAWL_FT_STRING, 0 },
    [C_DURATION]       = { "duration", "How long it lasted", TRAWL_FT_RELTIME, 0 },
    [C_ORIG_BYTES]     = { "orig_bytes", "Payload bytes from the originator", TRAWL_FT_U64, 0 },
    [C_RESP_BYTES]     = { "resp_bytes", "Payload bytes from the responder", TRAWL_FT_U64, 0 },
    [C_STATE]          = { "conn_state", "Connection state (Zeek's codes)", TRAWL_FT_STRING, 0 },
    [C_LOCAL_ORIG]     = { "local_orig", "Originator is local", TRAWL_FT_BOOL, 0 },
    [C_LOCAL_RESP]     = { "local_resp", "Responder is local", TRAWL_FT_BOOL, 0 },
    [C_MISSED]         = { "missed_bytes", "Bytes missed in content gaps", TRAWL_FT_U64, 0 },
    [C_HISTORY]        = { "history", "State history (Zeek's letters)", TRAWL_FT_STRING, 0 },
    [C_ORIG_PKTS]      = { "orig_pkts", "Packets from the originator", TRAWL_FT_U64, 0 },
    [C_ORIG_IP_BYTES]  = { "orig_ip_bytes", "IP bytes from the originator", TRAWL_FT_U64, 0 },
    [C_RESP_PKTS]      = { "resp_pkts", "Packets from the responder", TRAWL_FT_U64, 0 },
    [C_RESP_IP_BYTES]  = { "resp_ip_bytes", "IP bytes from the responder", TRAWL_FT_U64, 0 },
    [C_TUNNEL_PARENTS] = { "tunnel_parents", "Uids of enclosing connections", TRAWL_FT_STRING, TRAWL_RF_SET },
    [C_IP_PROTO]       = { "ip_proto", "IP protocol number", TRAWL_FT_U64, 0 },
    [C_VLAN]           = { "vlan", "VLAN id", TRAWL_FT_I64, 0 },
    [C_INNER_VLAN]     = { "inner_vlan", "Inner VLAN id", TRAWL_FT_I64, 0 },
    [C_COMMUNITY_ID]   = { "community_id", "Community ID v1", TRAWL_FT_STRING, 0 },
    [C_FILE]           = { "file", "Capture file of the first packet", TRAWL_FT_STRING, 0 },
    [C_FIRST_FRAME]    = { "first_frame", "Frame number of the first packet", TRAWL_FT_U64, 0 },
    [C_LAST_FRAME]     = { "last_frame", "Frame number of the last packet", TRAWL_FT_U64, 0 },
};

static const struct trawl_record_def conn_def = {
    sizeof conn_def, "conn", "Connections (Zeek's conn.log)", cols, C_COUNT,
};

struct conn_state {
    const struct trawl_record_type *type;
    bool local_nets;        /* Zeek's private address space counts as local */
};

/* ---- conn_state ------------------------------------------------------------------------- */

/* Zeek's RSTOS0 test: the history is ^?S[^HAFGIQ]*R.* (an originator SYN, then its RST, with
 * nothing from the originator in between but what those letters exclude). */
static bool syn_then_reset(const char *h)
{
    if (*h == '^') h++;
    if (*h++ != 'S') return false;
    for (; *h; h++) {
        if (*h == 'R') return true;
        if (strchr("HAFGIQ", *h)) return false;
    }
    return false;
}

static const char *tcp_conn_state(const struct trawl_flow_info *in)
{
    uint8_t os = in->tcp_state[TRAWL_DIR_ORIG], rs = in->tcp_state[TRAWL_DIR_RESP];
    bool o_inactive = os == TRAWL_TCP_INACTIVE || os == TRAWL_TCP_PARTIAL;
    bool r_inactive = rs == TRAWL_TCP_INACTIVE || rs == TRAWL_TCP_PARTIAL;
    if (rs == TRAWL_TCP_RESET) {
        if (os == TRAWL_TCP_SYN_SENT || os == TRAWL_TCP_SYN_ACK_SENT ||
            (os == TRAWL_TCP_RESET && in->bytes[0] == 0 && in->bytes[1] == 0))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == TRAWL_TCP_RESET) {
        if (r_inactive) return syn_then_reset(in->history) ? "RSTOS0" : "OTH";
        return "RSTO";
    }
    if (rs == TRAWL_TCP_CLOSED && os == TRAWL_TCP_CLOSED) return "SF";
    if (os == TRAWL_TCP_CLOSED) return r_inactive ? "SH" : "S2";
    if (rs == TRAWL_TCP_CLOSED) return o_inactive ? "SHR" : "S3";
    if (os == TRAWL_TCP_SYN_SENT && rs == TRAWL_TCP_INACTIVE) return "S0";
    if (os == TRAWL_TCP_ESTABLISHED && rs == TRAWL_TCP_ESTABLISHED) return "S1";
    return "OTH";
}

static const char *conn_state_of(const struct trawl_flow_info *in)
{
    if (in->proto == 6) return tcp_conn_state(in);
    if (in->proto == 17) {
        bool o = in->pkts[TRAWL_DIR_ORIG] > 0, r = in->pkts[TRAWL_DIR_RESP] > 0;
        return o ? (r ? "SF" : "S0") : (r ? "SHR" : "OTH");
    }
    return "OTH";
}

/* ---- names ------------------------------------------------------------------------------ */

/* trawl's protocol names where Zeek's services are spelled otherwise. */
static const char *zeek_service(const char *name, uint8_t proto)
{
    static const char *const map[][2] = {
        { "tls", "ssl" }, { "dtls", "dtls" }, { "dcerpc", "dce_rpc" }, { "smb2", "smb" },
        { "nbns", "dns" }, { "mdns", "dns" }, { "llmnr", "dns" }, { "dhcpv6", "dhcpv6" },
        { "bootp", "dhcp" }, { "kerberos", "krb" }, { "ftp-data", "ftp-data" },
        { "http2", "http2" }, { "nbss", "smb" },
    };
    if (!strcmp(name, "kerberos") && proto == 6) return "krb_tcp";
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(name, map[i][0])) return map[i][1];
    return name;
}

/* Zeek's Site::private_address_space, its default local_nets. */
struct net { uint8_t bits; uint8_t a[16]; };
static const struct net private4[] = {
    { 8, {0} }, { 8, {10} }, { 10, {100, 64} }, { 8, {127} }, { 16, {169, 254} }, { 12, {172, 16} },
    { 24, {192, 0, 0} }, { 24, {192, 0, 2} }, { 16, {192, 168} }, { 15, {198, 18} },
    { 24, {198, 51, 100} }, { 24, {203, 0, 113} }, { 4, {240} }, { 32, {255, 255, 255, 255} },
};
static const struct net private6[] = {
    /* the IPv4 ranges above as 6to4 (2002::/16 + address) */
    { 24, {0x20, 0x02, 0x00} }, { 24, {0x20, 0x02, 0x0a} }, { 26, {0x20, 0x02, 0x64, 0x40} },
    { 24, {0x20, 0x02, 0x7f} }, { 32, {0x20, 0x02, 0xa9, 0xfe} }, { 28, {0x20, 0x02, 0xac, 0x10} },
    { 40, {0x20, 0x02, 0xc0, 0x00, 0x00} }, { 40, {0x20, 0x02, 0xc0, 0x00, 0x02} },
    { 32, {0x20, 0x02, 0xc0, 0xa8} }, { 31, {0x20, 0x02, 0xc6, 0x12} },
    { 40, {0x20, 0x02, 0xc6, 0x33, 0x64} }, { 40, {0x20, 0x02, 0xcb, 0x00, 0x71} },
    { 20, {0x20, 0x02, 0xf0} }, { 48, {0x20, 0x02, 0xff, 0xff, 0xff, 0xff} },
    { 128, {0} }, { 128, {[15] = 1} }, { 48, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01} }, { 64, {0x01, 0x00} },
    { 23, {0x20, 0x01, 0x00} }, { 48, {0x20, 0x01, 0x00, 0x02, 0x00, 0x00} }, { 32, {0x20, 0x01, 0x0d, 0xb8} },
    { 7, {0xfc} }, { 10, {0xfe, 0x80} },
};

static bool in_net(const uint8_t *a, const struct net *n)
{
    unsigned full = n->bits / 8, rest = n->bits % 8;
    if (memcmp(a, n->a, full)) return false;
    if (!rest) return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[full] & mask) == (n->a[full] & mask);
}

static bool is_local(int family, const uint8_t *a)
{
    const struct net *t = family == 4 ? private4 : private6;
    size_t n = family == 4 ? sizeof private4 / sizeof *private4 : sizeof private6 / sizeof *private6;
    for (size_t i = 0; i < n; i++) if (in_net(a, &t[i])) return true;
    return false;
}

/* ---- VLANs ------------------------------------------------------------------------------ */

/* The tags of the packet that started the flow, outer first (Zeek's vlan and inner_vlan: a tag
 * of 0 is logged too). Kept only for flows that had one. */
struct conn_flow { int32_t vlan, inner_vlan; };

static const struct trawl_proto *own_proto(const struct conn_state *st)
{
    return st->type->fields[0].proto;    /* the record type's protocol: our per-flow slot */
}

static void flow_start(struct trawl_packet *ctx, const struct trawl_flow *cf, void *state)
{
    const struct conn_state *st = state;
    size_t n;
    const struct trawl_value *v = trawl_packet_values(ctx, &n);
    int32_t tags[2] = { -1, -1 };
    int k = 0;
    for (size_t i = 0; i < n && k < 2; i++)
        if (v[i].field->name[0] == 'v' && !strcmp(v[i].field->name, "vlan.id")) tags[k++] = (int32_t)v[i].v.u;
    if (!k) return;
    /* The flow is the engine's; only our own slot of it is written. */
    struct conn_flow *cfl = trawl_flow_state((struct trawl_flow *)cf, own_proto(st), sizeof *cfl);
    if (!cfl) return;
    cfl->vlan = tags[0];
    cfl->inner_vlan = tags[1];
}

/* ---- the record ------------------------------------------------------------------------- */

static void flow_end(struct trawl_packet *ctx, const struct trawl_flow *f, void *state)
{
    const struct conn_state *st = state;
    struct trawl_record *r = trawl_record_begin(ctx, st->type);
    if (!r) return;
    const struct trawl_flow_info *in = trawl_flow_info(f);
    uint16_t oport = in->orig_port, rport = in->resp_port;
    if (in->proto == 1 || in->proto == 58) {
        int other = trawl_icmp_counterpart(in->proto, oport);   /* Zeek's pairs are the spec's */
        if (other >= 0) rport = (uint16_t)other;
    }
    trawl_rec_time(r, C_TS, in->start_ns);
    trawl_rec_cstring(r, C_UID, in->uid);
    trawl_rec_addr(r, C_ORIG_H, in->family, in->orig_addr);
    trawl_rec_uint(r, C_ORIG_P, oport);
    trawl_rec_addr(r, C_RESP_H, in->family, in->resp_addr);
    trawl_rec_uint(r, C_RESP_P, rport);
    const char *proto = in->proto == 6 ? "tcp" : in->proto == 17 ? "udp"
                      : in->proto == 1 || in->proto == 58 ? "icmp" : "unknown_transport";
    trawl_rec_cstring(r, C_PROTO, proto);
    if (in->service) trawl_rec_cstring(r, C_SERVICE, zeek_service(in->service->name, in->proto));
    int64_t end = in->proto == 6 && in->last_active_ns ? in->last_active_ns : in->last_ns;
    if (end > in->start_ns) {
        trawl_rec_time(r, C_DURATION, end - in->start_ns);
        trawl_rec_uint(r, C_ORIG_BYTES, in->bytes[TRAWL_DIR_ORIG]);
        trawl_rec_uint(r, C_RESP_BYTES, in->bytes[TRAWL_DIR_RESP]);
    }
    trawl_rec_cstring(r, C_STATE, conn_state_of(in));
    if (st->local_nets) {
        trawl_rec_bool(r, C_LOCAL_ORIG, is_local(in->family, in->orig_addr));
        trawl_rec_bool(r, C_LOCAL_RESP, is_local(in->family, in->resp_addr));
    }
    trawl_rec_uint(r, C_MISSED, in->missed_bytes);
    if (in->history[0]) trawl_rec_cstring(r, C_HISTORY, in->history);
    trawl_rec_uint(r, C_ORIG_PKTS, in->pkts[TRAWL_DIR_ORIG]);
    trawl_rec_uint(r, C_ORIG_IP_BYTES, in->ip_bytes[TRAWL_DIR_ORIG]);
    trawl_rec_uint(r, C_RESP_PKTS, in->pkts[TRAWL_DIR_RESP]);
    trawl_rec_uint(r, C_RESP_IP_BYTES, in->ip_bytes[TRAWL_DIR_RESP]);
    trawl_rec_uint(r, C_IP_PROTO, in->proto);
    const struct conn_flow *cfl = trawl_flow_state_peek(f, own_proto(st));
    if (cfl && cfl->vlan >= 0) trawl_rec_int(r, C_VLAN, cfl->vlan);
    if (cfl && cfl->inner_vlan >= 0) trawl_rec_int(r, C_INNER_VLAN, cfl->inner_vlan);
    trawl_rec_evidence(r, C_COMMUNITY_ID, ctx, f, in->first_file, in->first_frame, in->last_frame);
    trawl_record_end(r);
}

static const char *const vlan_fields[] = { "vlan.id", NULL };

static const struct trawl_analyzer_def conn_analyzer = {
    .size = sizeof conn_analyzer,
    .name = "conn",
    .desc = "a conn record per flow, Zeek's conn.log",
    .fields = vlan_fields,
    .flow_start = flow_start,
    .flow_end = flow_end,
};

static int conn_init(struct trawl_init *ctx)
{
    struct conn_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->local_nets = true;
    const char *ln = trawl_init_option(ctx, "local_nets");
    if (ln) {
        if (!strcmp(ln, "none")) st->local_nets = false;
        else if (strcmp(ln, "private")) {
            trawl_init_log(ctx, TRAWL_LOG_ERROR, "conn.local_nets must be 'private' or 'none', not '%s'", ln);
            return TRAWL_EINVAL;
        }
    }
    if (!(st->type = trawl_record_register(ctx, &conn_def))) return TRAWL_EINVAL;
    return trawl_analyzer_register(ctx, &conn_analyzer, st);
}

static void conn_fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "conn", .version = "1.0.0",
                        .summary = "conn records: one per flow, Zeek's conn.log columns",
                        .init = conn_init, .fini = conn_fini);
