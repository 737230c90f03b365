/* ssh — SSH on TCP streams (RFC 4253): the version banner, then the binary packet layer in the
 * clear up to NEWKEYS (packet and padding lengths, message codes, KEXINIT's cookie and name
 * lists), HASSH and HASSH-server (salesforce/hassh: MD5 of "kex;enc;mac;cmp"), and an `ssh`
 * record per connection with Zeek ssh.log's columns. After NEWKEYS a direction is encrypted:
 * its bytes are taken and not decoded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "trawl/trawl.h"

enum {
    F_PROTOCOL, F_PACKET_LENGTH, F_PADDING_LENGTH, F_MESSAGE_CODE, F_COOKIE,
    F_KEX_LEN, F_KEX, F_HOSTKEY_LEN, F_HOSTKEY, F_ENC_CS_LEN, F_ENC_CS, F_ENC_SC_LEN, F_ENC_SC,
    F_MAC_CS_LEN, F_MAC_CS, F_MAC_SC_LEN, F_MAC_SC, F_CMP_CS_LEN, F_CMP_CS, F_CMP_SC_LEN, F_CMP_SC,
    F_LANG_CS_LEN, F_LANG_CS, F_LANG_SC_LEN, F_LANG_SC, F_FIRST_KEX_FOLLOWS, F_RESERVED,
    F_HASSH_ALGS, F_HASSH, F_HASSHSERVER_ALGS, F_HASSHSERVER, F_PADDING_STRING,
    F_COUNT
};

static const struct trawl_value_name msg_names[] = {
    { 1, "Disconnect" }, { 2, "Ignore" }, { 3, "Unimplemented" }, { 4, "Debug" },
    { 5, "Service Request" }, { 6, "Service Accept" }, { 7, "Extension Info" },
    { 20, "Key Exchange Init" }, { 21, "New Keys" }, { 0, NULL },
};

#define NL(i, n, d) [i##_LEN] = { "ssh." n "_length", d " length", TRAWL_FT_U32, 0, NULL, 0 }, \
                    [i] = { "ssh." n, d, TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 }

static const struct trawl_field_def fields[F_COUNT] = {
    [F_PROTOCOL]       = { "ssh.protocol", "Protocol (version banner)", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_PACKET_LENGTH]  = { "ssh.packet_length", "Packet Length", TRAWL_FT_U32, 0, NULL, 0 },
    [F_PADDING_LENGTH] = { "ssh.padding_length", "Padding Length", TRAWL_FT_U8, 0, NULL, 0 },
    [F_MESSAGE_CODE]   = { "ssh.message_code", "Message Code", TRAWL_FT_U8, 0, msg_names, 0 },
    [F_COOKIE]         = { "ssh.cookie", "Cookie", TRAWL_FT_BYTES, 0, NULL, 0 },
    NL(F_KEX, "kex_algorithms", "kex_algorithms"),
    NL(F_HOSTKEY, "server_host_key_algorithms", "server_host_key_algorithms"),
    NL(F_ENC_CS, "encryption_algorithms_client_to_server", "encryption_algorithms_client_to_server"),
    NL(F_ENC_SC, "encryption_algorithms_server_to_client", "encryption_algorithms_server_to_client"),
    NL(F_MAC_CS, "mac_algorithms_client_to_server", "mac_algorithms_client_to_server"),
    NL(F_MAC_SC, "mac_algorithms_server_to_client", "mac_algorithms_server_to_client"),
    NL(F_CMP_CS, "compression_algorithms_client_to_server", "compression_algorithms_client_to_server"),
    NL(F_CMP_SC, "compression_algorithms_server_to_client", "compression_algorithms_server_to_client"),
    NL(F_LANG_CS, "languages_client_to_server", "languages_client_to_server"),
    NL(F_LANG_SC, "languages_server_to_client", "languages_server_to_client"),
    [F_FIRST_KEX_FOLLOWS] = { "ssh.first_kex_packet_follows", "First KEX Packet Follows", TRAWL_FT_U8, 0, NULL, 0 },
    [F_RESERVED]       = { "ssh.kex.reserved", "Reserved", TRAWL_FT_BYTES, 0, NULL, 0 },
    [F_HASSH_ALGS]     = { "ssh.kex.hassh_algorithms", "hasshAlgorithms", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_HASSH]          = { "ssh.kex.hassh", "hassh", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_HASSHSERVER_ALGS] = { "ssh.kex.hasshserver_algorithms", "hasshServerAlgorithms", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_HASSHSERVER]    = { "ssh.kex.hasshserver", "hasshServer", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_PADDING_STRING] = { "ssh.padding_string", "Padding String", TRAWL_FT_BYTES, 0, NULL, 0 },
};

/* ---- the record: Zeek's ssh.log, then trawl's evidence ------------------------------------ */

enum {
    C_TS, C_UID, C_ORIG_H, C_ORIG_P, C_RESP_H, C_RESP_P, C_VERSION, C_CLIENT, C_SERVER,
    C_CIPHER, C_MAC, C_COMPRESSION, C_KEX, C_HOST_KEY_ALG, C_HASSH_VERSION, C_HASSH,
    C_HASSH_SERVER, C_CSHKA, C_HASSH_ALGS, C_SSHKA, C_HASSH_SERVER_ALGS,
    C_COMMUNITY_ID, C_FILE, C_FIRST_FRAME, C_LAST_FRAME, C_COUNT
};

static const struct trawl_record_field cols[C_COUNT] = {
    [C_TS]          = { "ts", "First packet of the connection", TRAWL_FT_TIME, 0 },
    [C_UID]         = { "uid", "Connection id", TRAWL_FT_STRING, 0 },
    [C_ORIG_H]      = { "id.orig_h", "Originator address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_ORIG_P]      = { "id.orig_p", "Originator port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_RESP_H]      = { "id.resp_h", "Responder address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_RESP_P]      = { "id.resp_p", "Responder port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_VERSION]     = { "version", "SSH major version (1 or 2)", TRAWL_FT_U64, 0 },
    [C_CLIENT]      = { "client", "Client's version banner", TRAWL_FT_STRING, 0 },
    [C_SERVER]      = { "server", "Server's version banner", TRAWL_FT_STRING, 0 },
    [C_CIPHER]      = { "cipher_alg", "Encryption algorithm chosen (client to server)", TRAWL_FT_STRING, 0 },
    [C_MAC]         = { "mac_alg", "MAC algorithm chosen (client to server)", TRAWL_FT_STRING, 0 },
    [C_COMPRESSION] = { "compression_alg", "Compression algorithm chosen (client to server)", TRAWL_FT_STRING, 0 },
    [C_KEX]         = { "kex_alg", "Key exchange algorithm chosen", TRAWL_FT_STRING, 0 },
    [C_HOST_KEY_ALG] = { "host_key_alg", "Server host key algorithm chosen", TRAWL_FT_STRING, 0 },
    [C_HASSH_VERSION] = { "hasshVersion", "HASSH version", TRAWL_FT_STRING, 0 },
    [C_HASSH]       = { "hassh", "HASSH of the client", TRAWL_FT_STRING, 0 },
    [C_HASSH_SERVER] = { "hasshServer", "HASSH-server of the server", TRAWL_FT_STRING, 0 },
    [C_CSHKA]       = { "cshka", "Client's server host key algorithms", TRAWL_FT_STRING, 0 },
    [C_HASSH_ALGS]  = { "hasshAlgorithms", "The client's string HASSH hashes", TRAWL_FT_STRING, 0 },
    [C_SSHKA]       = { "sshka", "Server's host key algorithms", TRAWL_FT_STRING, 0 },
    [C_HASSH_SERVER_ALGS] = { "hasshServerAlgorithms", "The server's string HASSH-server hashes", TRAWL_FT_STRING, 0 },
    [C_COMMUNITY_ID] = { "community_id", "Community ID v1 of the connection", TRAWL_FT_STRING, 0 },
    [C_FILE]        = { "file", "Capture file of the first packet", TRAWL_FT_STRING, 0 },
    [C_FIRST_FRAME] = { "first_frame", "First frame of the connection", TRAWL_FT_U64, 0 },
    [C_LAST_FRAME]  = { "last_frame", "Frame where the record was made", TRAWL_FT_U64, 0 },
};

static const struct trawl_record_def ssh_def = {
    sizeof ssh_def, "ssh", "SSH connections (Zeek's ssh.log)", cols, C_COUNT,
};

/* ---- state -------------------------------------------------------------------------------- */

#define BANNER_MAX 255          /* RFC 4253 4.2: the line, CR LF included, is at most 255 */
#define LIST_MAX 1024           /* a name list kept for negotiation and the record (cut beyond) */
#define PACKET_MAX 35000        /* RFC 4253 6.1: larger packets need not be handled */
#define PRE_BANNER_MAX 8192     /* lines before the banner (RFC 4253 4.2 allows them) */

enum { PH_BANNER, PH_PACKETS, PH_DONE };
/* The lists kept per side: the HASSH four, the host key algorithms, and the s2c ones. */
enum { L_KEX, L_HOSTKEY, L_ENC_CS, L_MAC_CS, L_CMP_CS, L_ENC_SC, L_MAC_SC, L_CMP_SC, L__COUNT };

struct ssh_side {
    uint8_t phase;
    bool kexinit, newkeys;
    uint16_t banner_len;
    uint32_t skipped;                  /* bytes of lines before the banner */
    char banner[BANNER_MAX + 1];
    char hash[33];
    uint16_t list_len[L__COUNT];
    char list[L__COUNT][LIST_MAX];
};

struct ssh_flow {
    struct ssh_side s[2];              /* [TRAWL_DIR_ORIG] the client, [TRAWL_DIR_RESP] the server */
    bool recorded;
};

struct ssh_state {
    const struct trawl_proto *proto;
    const struct trawl_record_type *rec;
};

/* ---- record --------------------------------------------------------------------------------- */

/* The first client algorithm the server also offers (RFC 4253 7.1). Writes it NUL-terminated. */
static bool negotiate(const char *c, uint32_t cl, const char *s, uint32_t sl, char *out, size_t outsz)
{
    uint32_t i = 0;
    while (i < cl) {
        uint32_t j = i;
        while (j < cl && c[j] != ',') j++;
        uint32_t k = 0;
        while (k < sl) {
            uint32_t m = k;
            while (m < sl && s[m] != ',') m++;
            if (m - k == j - i && j > i && !memcmp(c + i, s + k, j - i)) {
                if (j - i >= outsz) return false;
                memcpy(out, c + i, j - i);
                out[j - i] = 0;
                return true;
            }
            k = m + 1;
        }
        i = j + 1;
    }
    return false;
}

static void set_hassh_algs(struct trawl_record *r, unsigned col, const struct ssh_side *sd, int first)
{
    char buf[4 * LIST_MAX + 4];
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        int l = i == 0 ? L_KEX : first + i - 1;
        if (i) buf[n++] = ';';
        memcpy(buf + n, sd->list[l], sd->list_len[l]);
        n += sd->list_len[l];
    }
    trawl_rec_string(r, col, buf, (uint32_t)n);
}

static void make_record(struct trawl_packet *ctx, const struct ssh_state *st, struct trawl_flow *f,
                        struct ssh_flow *fs)
{
    if (fs->recorded) return;
    fs->recorded = true;
    if (!trawl_record_wanted(ctx, st->rec)) return;
    struct trawl_record *r = trawl_record_begin(ctx, st->rec);
    if (!r) return;
    const struct trawl_flow_info *fi = trawl_flow_info(f);
    const struct ssh_side *c = &fs->s[TRAWL_DIR_ORIG], *s = &fs->s[TRAWL_DIR_RESP];
    trawl_rec_time(r, C_TS, fi->start_ns);
    trawl_rec_flow_id(r, C_UID, f);
    const struct ssh_side *any = c->banner_len ? c : s;
    if (any->banner_len > 4) {
        /* "SSH-1.99-" speaks 2; "SSH-1.x-" 1 */
        bool two = !strncmp(any->banner, "SSH-2.", 6) || !strncmp(any->banner, "SSH-1.99", 8);
        trawl_rec_uint(r, C_VERSION, two ? 2 : 1);
    }
    if (c->banner_len) trawl_rec_string(r, C_CLIENT, c->banner, c->banner_len);
    if (s->banner_len) trawl_rec_string(r, C_SERVER, s->banner, s->banner_len);
    if (c->kexinit && s->kexinit) {
        static const struct { int l; unsigned col; } chosen[] = {
            { L_ENC_CS, C_CIPHER }, { L_MAC_CS, C_MAC }, { L_CMP_CS, C_COMPRESSION },
            { L_KEX, C_KEX }, { L_HOSTKEY, C_HOST_KEY_ALG },
        };
        for (size_t i = 0; i < sizeof chosen / sizeof *chosen; i++) {
            char alg[128];
            int l = chosen[i].l;
            if (negotiate(c->list[l], c->list_len[l], s->list[l], s->list_len[l], alg, sizeof alg))
                trawl_rec_cstring(r, chosen[i].col, alg);
        }
    }
    if (c->kexinit || s->kexinit) trawl_rec_cstring(r, C_HASSH_VERSION, "1.1");
    if (c->kexinit) {
        trawl_rec_cstring(r, C_HASSH, c->hash);
        trawl_rec_string(r, C_CSHKA, c->list[L_HOSTKEY], c->list_len[L_HOSTKEY]);
        set_hassh_algs(r, C_HASSH_ALGS, c, L_ENC_CS);
    }
    if (s->kexinit) {
        trawl_rec_cstring(r, C_HASSH_SERVER, s->hash);
        trawl_rec_string(r, C_SSHKA, s->list[L_HOSTKEY], s->list_len[L_HOSTKEY]);
        set_hassh_algs(r, C_HASSH_SERVER_ALGS, s, L_ENC_SC);
    }
    /* The flow's last frame: the packet being dissected (the flow counts it first), or at the
     * flow's end its real last one. */
    trawl_rec_evidence(r, C_COMMUNITY_ID, ctx, f, fi->first_file, fi->first_frame, fi->last_frame);
    trawl_record_end(r);
}

/* ---- KEXINIT ---------------------------------------------------------------------------------- */

static void md5_hex(const char *s, size_t n, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    out[0] = 0;
    if (!EVP_Digest(s, n, md, &mdlen, EVP_md5(), NULL) || mdlen != 16) return;
    for (unsigned i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The payload after the message code; false when a name list runs past the packet. */
static bool kexinit(struct trawl_packet *pkt, struct trawl_buf *b, struct ssh_side *sd, bool client)
{
    const uint8_t *cookie = trawl_buf_ptr(b, 0, 16);
    if (!cookie) return false;
    trawl_add_bytes(pkt, F_COOKIE, cookie, 16);
    /* Wire order: kex, hostkey, enc c2s, enc s2c, mac c2s, mac s2c, cmp c2s, cmp s2c, lang x2 */
    static const struct { unsigned f; int l; } order[10] = {
        { F_KEX, L_KEX }, { F_HOSTKEY, L_HOSTKEY }, { F_ENC_CS, L_ENC_CS }, { F_ENC_SC, L_ENC_SC },
        { F_MAC_CS, L_MAC_CS }, { F_MAC_SC, L_MAC_SC }, { F_CMP_CS, L_CMP_CS },
        { F_CMP_SC, L_CMP_SC }, { F_LANG_CS, -1 }, { F_LANG_SC, -1 },
    };
    const uint8_t *lists[10];
    uint32_t lens[10];
    uint32_t off = 16;
    for (int i = 0; i < 10; i++) {
        uint32_t n = trawl_buf_u32be(b, off);
        if (!trawl_buf_ok(b)) return false;
        trawl_add_uint(pkt, order[i].f - 1, n);        /* the _length field precedes it */
        const uint8_t *p = n ? trawl_buf_ptr(b, off + 4, n) : (const uint8_t *)"";
        if (!p) return false;
        trawl_add_string(pkt, order[i].f, (const char *)p, n);
        lists[i] = p;
        lens[i] = n;
        off += 4 + n;
    }
    uint8_t follows = trawl_buf_u8(b, off);
    if (!trawl_buf_ok(b)) return false;
    trawl_add_uint(pkt, F_FIRST_KEX_FOLLOWS, follows);
    const uint8_t *res = trawl_buf_ptr(b, off + 1, 4);
    if (!res) return false;
    trawl_add_bytes(pkt, F_RESERVED, res, 4);
    /* Keep the lists (cut at LIST_MAX) for the record and the negotiation. */
    for (int i = 0; i < 10; i++) {
        int l = order[i].l;
        if (l < 0) continue;
        uint32_t n = lens[i] < LIST_MAX ? lens[i] : LIST_MAX;
        memcpy(sd->list[l], lists[i], n);
        sd->list_len[l] = (uint16_t)n;
    }
    /* HASSH: kex;enc;mac;cmp of the sender's own direction (c2s for the client). Built from
     * the full lists, in packet memory. */
    int e = client ? 2 : 3, m = client ? 4 : 5, c = client ? 6 : 7;
    size_t total = (size_t)lens[0] + lens[e] + lens[m] + lens[c] + 3;
    char *h = trawl_packet_alloc(pkt, total + 1);
    if (!h) return true;
    size_t k = 0;
    const int parts[4] = { 0, e, m, c };
    for (int i = 0; i < 4; i++) {
        if (i) h[k++] = ';';
        memcpy(h + k, lists[parts[i]], lens[parts[i]]);
        k += lens[parts[i]];
    }
    md5_hex(h, k, sd->hash);
    trawl_add_string(pkt, client ? F_HASSH_ALGS : F_HASSHSERVER_ALGS, h, (uint32_t)k);
    trawl_add_cstring(pkt, client ? F_HASSH : F_HASSHSERVER, sd->hash);
    sd->kexinit = true;
    return true;
}

/* ---- the dissector ----------------------------------------------------------------------------- */

static bool is_banner(const uint8_t *p, uint32_t n)
{
    return n >= 4 && !memcmp(p, "SSH-", 4);
}

/* Reads lines until the banner; returns bytes used, 0 with *more set when a line is cut. */
static uint32_t on_banner(struct trawl_packet *pkt, struct trawl_buf *b, const uint8_t *d, uint32_t n,
                          struct ssh_side *sd, bool at_fin, bool *more)
{
    uint32_t off = 0;
    while (off < n) {
        const uint8_t *nl = memchr(d + off, '\n', n - off);
        uint32_t ll = nl ? (uint32_t)(nl - (d + off)) : n - off;
        bool banner = is_banner(d + off, ll) || (!nl && n - off < 4 && !memcmp(d + off, "SSH-", n - off));
        if (!nl && !at_fin) {
            if (ll <= BANNER_MAX && sd->skipped + ll <= PRE_BANNER_MAX) { *more = true; return off; }
            /* No line end where one must be: not SSH as we know it. */
            trawl_buf_mark_malformed(b);
            sd->phase = PH_DONE;
            return n;
        }
        uint32_t used = nl ? ll + 1 : ll;
        uint32_t tl = ll;
        if (tl && d[off + tl - 1] == '\r') tl--;
        if (banner && is_banner(d + off, tl)) {
            trawl_add_string(pkt, F_PROTOCOL, (const char *)d + off, tl);
            uint32_t keep = tl < BANNER_MAX ? tl : BANNER_MAX;
            memcpy(sd->banner, d + off, keep);
            sd->banner[keep] = 0;
            sd->banner_len = (uint16_t)keep;
            if (ll > BANNER_MAX) trawl_buf_mark_malformed(b);
            sd->phase = PH_PACKETS;
            if (trawl_cols_wanted(pkt))
                trawl_col_set(pkt, TRAWL_COL_INFO, "%s: %.*s",
                              trawl_packet_flow_dir(pkt) == TRAWL_DIR_ORIG ? "Client" : "Server",
                              (int)keep, sd->banner);
            return off + used;
        }
        sd->skipped += used;
        off += used;
        if (sd->skipped > PRE_BANNER_MAX) { sd->phase = PH_DONE; return n; }
    }
    return off;
}

/* Binary packets until NEWKEYS; returns bytes used, with more and need set when one is cut. */
static uint32_t on_packets(struct trawl_packet *pkt, struct trawl_buf *b, uint32_t start, uint32_t n,
                           struct ssh_side *sd, bool client, bool *more, uint32_t *need)
{
    uint32_t off = start;
    while (off < n && sd->phase == PH_PACKETS) {
        if (n - off < 4) { *more = true; *need = 4 - (n - off); return off; }
        uint32_t plen = trawl_buf_u32be(b, off);
        if (!trawl_buf_ok(b)) return n;
        if (plen < 5 || plen > PACKET_MAX) {
            /* Not a packet in the clear: a length that lies, or bytes we cannot read. */
            trawl_add_uint(pkt, F_PACKET_LENGTH, plen);
            trawl_buf_mark_malformed(b);
            sd->phase = PH_DONE;
            return n;
        }
        if (n - off - 4 < plen) { *more = true; *need = plen - (n - off - 4); return off; }
        struct trawl_buf p = trawl_buf_sub(b, off + 4, plen);
        uint8_t pad = trawl_buf_u8(&p, 0), code = trawl_buf_u8(&p, 1);
        trawl_add_uint(pkt, F_PACKET_LENGTH, plen);
        trawl_add_uint(pkt, F_PADDING_LENGTH, pad);
        trawl_add_uint(pkt, F_MESSAGE_CODE, code);
        if (pad + 1u >= plen) {
            trawl_buf_mark_malformed(b);
            sd->phase = PH_DONE;
            return n;
        }
        struct trawl_buf payload = trawl_buf_sub(&p, 2, plen - pad - 2);
        if (code == 20) {
            if (!kexinit(pkt, &payload, sd, client)) trawl_buf_mark_malformed(b);
        } else if (code == 21) {
            sd->newkeys = true;
            sd->phase = PH_DONE;               /* what follows is encrypted */
        }
        const uint8_t *ps = trawl_buf_ptr(&p, plen - pad, pad);
        if (ps && trawl_wants(pkt, F_PADDING_STRING)) trawl_add_bytes(pkt, F_PADDING_STRING, ps, pad);
        off += 4 + plen;
    }
    return sd->phase == PH_DONE ? n : off;
}

static int ssh_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct ssh_state *st = state;
    struct trawl_flow *f = trawl_packet_flow(pkt);
    if (!f || !trawl_packet_in_stream(pkt)) return 0;
    int dir = trawl_packet_flow_dir(pkt);
    uint32_t n = trawl_buf_caplen(b);
    bool at_fin = trawl_stream_at_fin(pkt);
    const uint8_t *d = n ? trawl_buf_ptr(b, 0, n) : NULL;
    struct ssh_flow *fs = trawl_flow_state_peek(f, st->proto);
    if (!n) {
        if (!at_fin || !fs) return 0;
        return 0;                               /* nothing cut is worth keeping at a FIN */
    }
    if (!d) return 0;
    if (!fs) {
        fs = trawl_flow_state(f, st->proto, sizeof *fs);
        if (!fs) return 0;
    }
    struct ssh_side *sd = &fs->s[dir];
    bool more = false;
    uint32_t need = TRAWL_STREAM_MORE_UNKNOWN, off = 0;
    if (sd->phase == PH_BANNER) off = on_banner(pkt, b, d, n, sd, at_fin, &more);
    if (!more && sd->phase == PH_PACKETS && off < n)
        off = on_packets(pkt, b, off, n, sd, dir == TRAWL_DIR_ORIG, &more, &need);
    if (sd->phase == PH_DONE) off = n;
    if (more) trawl_stream_need_more(pkt, need);
    if (fs->s[0].kexinit && fs->s[1].kexinit) make_record(pkt, st, f, fs);
    if (off == 0) return 0;
    return (int)off;
}

static void ssh_end(struct trawl_packet *ctx, struct trawl_flow *f, void *flow_state, void *state)
{
    const struct ssh_state *st = state;
    struct ssh_flow *fs = flow_state;
    if (!fs || (!fs->s[0].banner_len && !fs->s[1].banner_len)) return;
    make_record(ctx, st, f, fs);
}

/* ---- heuristic ------------------------------------------------------------------------------------ */

static enum trawl_heur_result ssh_probe(const struct trawl_buf *b, void *state)
{
    (void)state;
    static const char *const pfx[] = { "SSH-2.0-", "SSH-1.99-" };
    uint32_t n = trawl_buf_caplen(b);
    const uint8_t *p = n && trawl_buf_has(b, 0, n) ? b->data : NULL;
    if (!p) return TRAWL_HEUR_NOT_MINE;
    for (int i = 0; i < 2; i++) {
        size_t l = strlen(pfx[i]);
        if (n >= l && !memcmp(p, pfx[i], l)) return TRAWL_HEUR_MINE;
        if (n < l && !memcmp(p, pfx[i], n)) return TRAWL_HEUR_NEED_MORE;
    }
    return TRAWL_HEUR_NOT_MINE;
}

/* ---- registration ------------------------------------------------------------------------------- */

static const struct trawl_proto_def ssh_proto = {
    "ssh", "SSH Protocol", "SSHv2", fields, F_COUNT, ssh_dissect,
};
static const struct trawl_stream_ops ssh_ops = { sizeof ssh_ops, NULL, NULL, ssh_end };
static const struct trawl_heur_def ssh_heur = { "ssh_tcp", 40, ssh_probe };

static int ssh_init(struct trawl_init *ctx)
{
    struct ssh_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->proto = trawl_proto_register(ctx, &ssh_proto, st);
    st->rec = trawl_record_register(ctx, &ssh_def);
    return st->proto && st->rec ? 0 : TRAWL_EINVAL;
}

static int ssh_handoff(struct trawl_init *ctx)
{
    struct ssh_state *st = trawl_init_state(ctx);
    trawl_table_add(ctx, "tcp.port", 22, st->proto);
    trawl_heur_add(ctx, "tcp", &ssh_heur, st->proto);
    return trawl_stream_register(ctx, st->proto, &ssh_ops);
}

static void ssh_fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "ssh", .version = "1.0.0",
                        .summary = "SSH on TCP: banners, KEXINIT, HASSH; Zeek's ssh.log records",
                        .init = ssh_init, .handoff = ssh_handoff, .fini = ssh_fini);
