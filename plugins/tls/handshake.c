/* handshake.c — TLS handshake messages (RFC 5246, RFC 8446): hellos and their extensions,
 * Certificate, ServerKeyExchange, CertificateRequest, ClientKeyExchange, NewSessionTicket,
 * Finished, EncryptedExtensions; the fingerprints' inputs; what the ssl record needs.
 *
 * Every function reads one message body through its own view: a length that runs past its
 * container latches MALFORMED on that view (and so on the tls layer), values read after the
 * latch are never used. */
#include <string.h>

#include "tls.h"

/* SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 4.1.3). */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

bool tls_is_grease(uint32_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* ---- extensions ------------------------------------------------------------------------- */

static void ext_sni(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *x, bool client,
                    struct tls_hello *h)
{
    h->has_sni = client;
    if (!client || !trawl_buf_len(x)) return;
    uint16_t ll = trawl_buf_u16be(x, 0);
    if (!trawl_buf_ok(x)) return;
    trawl_add_uint(pkt, F_SNI_LIST_LEN, ll);
    struct trawl_buf l = trawl_buf_sub(x, 2, ll);
    uint32_t off = 0;
    while (off < trawl_buf_len(&l) && trawl_buf_ok(&l)) {
        uint8_t type = trawl_buf_u8(&l, off);
        uint16_t n = trawl_buf_u16be(&l, off + 1);
        if (!trawl_buf_ok(&l)) break;
        trawl_add_uint(pkt, F_SNI_TYPE, type);
        trawl_add_uint(pkt, F_SNI_LEN, n);
        const uint8_t *p = trawl_buf_ptr(&l, off + 3, n);
        if (!p) break;
        trawl_add_string(pkt, F_SNI, (const char *)p, n);
        if (type == 0 && !fs->sni_len && n) {
            uint32_t k = n < TLS_SNI_MAX - 1 ? n : TLS_SNI_MAX - 1;
            memcpy(fs->sni, p, k);
            fs->sni[k] = 0;
            fs->sni_len = (uint16_t)k;
        }
        off += 3u + n;
    }
}

static void ext_alpn(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *x, bool client,
                     struct tls_hello *h)
{
    uint16_t ll = trawl_buf_u16be(x, 0);
    if (!trawl_buf_ok(x)) return;
    trawl_add_uint(pkt, F_ALPN_LEN, ll);
    h->has_alpn = true;
    struct trawl_buf l = trawl_buf_sub(x, 2, ll);
    uint32_t off = 0;
    bool first = true;
    while (off < trawl_buf_len(&l) && trawl_buf_ok(&l)) {
        uint8_t n = trawl_buf_u8(&l, off);
        if (!trawl_buf_ok(&l)) break;
        trawl_add_uint(pkt, F_ALPN_STR_LEN, n);
        const uint8_t *p = trawl_buf_ptr(&l, off + 1, n);
        if (!p) break;
        trawl_add_string(pkt, F_ALPN_STR, (const char *)p, n);
        if (first) {
            h->alpn = p;
            h->alpn_len = n;
            if (!client) {
                uint32_t k = n < TLS_ALPN_MAX - 1 ? n : TLS_ALPN_MAX - 1;
                memcpy(fs->alpn, p, k);
                fs->alpn[k] = 0;
                fs->alpn_len = (uint16_t)k;
            }
        }
        first = false;
        off += 1u + n;
    }
}

static void ext_versions(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *x, bool client,
                         struct tls_hello *h)
{
    h->has_sv = true;
    if (!client) {
        uint16_t v = trawl_buf_u16be(x, 0);
        if (!trawl_buf_ok(x)) return;
        trawl_add_uint(pkt, F_SV, v);
        h->max_sv = v;
        return;
    }
    uint8_t ll = trawl_buf_u8(x, 0);
    if (!trawl_buf_ok(x)) return;
    trawl_add_uint(pkt, F_SV_LEN, ll);
    struct trawl_buf l = trawl_buf_sub(x, 1, ll);
    for (uint32_t off = 0; off + 2 <= trawl_buf_len(&l); off += 2) {
        uint16_t v = trawl_buf_u16be(&l, off);
        if (!trawl_buf_ok(&l)) break;
        trawl_add_uint(pkt, F_SV, v);
        if (!tls_is_grease(v) && v > h->max_sv) h->max_sv = v;
    }
    if (ll & 1) trawl_buf_mark_malformed(x);
    (void)fs;
}

/* A list of 16-bit values behind a 16-bit length (supported_groups, signature_algorithms). */
static const uint8_t *u16_list(struct trawl_packet *pkt, struct trawl_buf *x, unsigned f_len,
                               unsigned f_label, unsigned f_item, uint32_t *count)
{
    uint16_t ll = trawl_buf_u16be(x, 0);
    if (!trawl_buf_ok(x)) return NULL;
    trawl_add_uint(pkt, f_len, ll);
    struct trawl_buf l = trawl_buf_sub(x, 2, ll);
    trawl_tree_push(pkt, f_label);
    uint32_t n = 0;
    for (uint32_t off = 0; off + 2 <= trawl_buf_len(&l); off += 2, n++) {
        uint16_t v = trawl_buf_u16be(&l, off);
        if (!trawl_buf_ok(&l)) break;
        trawl_add_uint(pkt, f_item, v);
        if (f_item == F_SIG) {
            trawl_add_uint(pkt, F_SIG_HASH, v >> 8);
            trawl_add_uint(pkt, F_SIG_SIG, v & 0xff);
        }
    }
    trawl_tree_pop(pkt);
    if (ll & 1) trawl_buf_mark_malformed(x);
    if (!trawl_buf_ok(x)) return NULL;
    *count = n;
    return trawl_buf_ptr(&l, 0, n * 2);
}

static void ext_key_share(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *x, uint8_t hs,
                          bool hrr)
{
    if (hrr) {
        uint16_t g = trawl_buf_u16be(x, 0);
        if (trawl_buf_ok(x)) trawl_add_uint(pkt, F_KS_SELECTED, g);
        return;
    }
    uint32_t off = 0, end = trawl_buf_len(x);
    struct trawl_buf l = *x;
    if (hs == 1) {
        uint16_t ll = trawl_buf_u16be(x, 0);
        if (!trawl_buf_ok(x)) return;
        trawl_add_uint(pkt, F_KS_CLIENT_LEN, ll);
        l = trawl_buf_sub(x, 2, ll);
        end = trawl_buf_len(&l);
    }
    while (off < end && trawl_buf_ok(&l)) {
        uint16_t g = trawl_buf_u16be(&l, off), kl = trawl_buf_u16be(&l, off + 2);
        if (!trawl_buf_ok(&l)) break;
        trawl_add_uint(pkt, F_KS_GROUP, g);
        trawl_add_uint(pkt, F_KS_KEX_LEN, kl);
        const uint8_t *k = trawl_buf_ptr(&l, off + 4, kl);
        if (!k) break;
        if (trawl_wants(pkt, F_KS_KEX)) trawl_add_bytes(pkt, F_KS_KEX, k, kl);
        if (hs == 2) fs->curve = g;
        off += 4u + kl;
        if (hs == 2) break;
    }
}

static void ext_ech(struct trawl_packet *pkt, struct trawl_buf *x, bool client)
{
    if (!client) return;
    uint8_t t = trawl_buf_u8(x, 0);
    if (!trawl_buf_ok(x)) return;
    trawl_add_uint(pkt, F_ECH_TYPE, t);
    if (t != 0) return;                               /* inner: no more fields */
    uint16_t kdf = trawl_buf_u16be(x, 1), aead = trawl_buf_u16be(x, 3);
    uint8_t cid = trawl_buf_u8(x, 5);
    uint16_t el = trawl_buf_u16be(x, 6);
    if (!trawl_buf_ok(x)) return;
    trawl_add_uint(pkt, F_ECH_KDF, kdf);
    trawl_add_uint(pkt, F_ECH_AEAD, aead);
    trawl_add_uint(pkt, F_ECH_CONFIG_ID, cid);
    trawl_add_uint(pkt, F_ECH_ENC_LEN, el);
    const uint8_t *e = trawl_buf_ptr(x, 8, el);
    if (!e) return;
    trawl_add_bytes(pkt, F_ECH_ENC, e, el);
    uint16_t pl = trawl_buf_u16be(x, 8u + el);
    if (!trawl_buf_ok(x)) return;
    trawl_add_uint(pkt, F_ECH_PAYLOAD_LEN, pl);
    const uint8_t *p = trawl_buf_ptr(x, 10u + el, pl);
    if (p && trawl_wants(pkt, F_ECH_PAYLOAD)) trawl_add_bytes(pkt, F_ECH_PAYLOAD, p, pl);
}

/* A list of u8-length strings behind a w-byte length (NPN has no outer length: w 0). */
static void str_list(struct trawl_packet *pkt, struct trawl_buf *x, int w, unsigned f_outer, unsigned f_len,
                     unsigned f_str)
{
    struct trawl_buf l = *x;
    if (w) {
        uint16_t ll = trawl_buf_u16be(x, 0);
        if (!trawl_buf_ok(x)) return;
        trawl_add_uint(pkt, f_outer, ll);
        l = trawl_buf_sub(x, 2, ll);
    }
    uint32_t off = 0;
    while (off < trawl_buf_len(&l) && trawl_buf_ok(&l)) {
        uint8_t n = trawl_buf_u8(&l, off);
        if (!trawl_buf_ok(&l)) break;
        trawl_add_uint(pkt, f_len, n);
        const uint8_t *p = trawl_buf_ptr(&l, off + 1, n);
        if (!p) break;
        trawl_add_string(pkt, f_str, (const char *)p, n);
        off += 1u + n;
    }
}

static void ext_psk_client(struct trawl_packet *pkt, struct trawl_buf *x)
{
    uint16_t il = trawl_buf_u16be(x, 0);
    if (!trawl_buf_ok(x)) return;
    trawl_add_uint(pkt, F_PSK_IDS_LEN, il);
    struct trawl_buf l = trawl_buf_sub(x, 2, il);
    uint32_t off = 0;
    while (off < trawl_buf_len(&l) && trawl_buf_ok(&l)) {
        uint16_t n = trawl_buf_u16be(&l, off);
        if (!trawl_buf_ok(&l)) break;
        trawl_add_uint(pkt, F_PSK_ID_LEN, n);
        const uint8_t *p = n ? trawl_buf_ptr(&l, off + 2, n) : NULL;
        if (n && !p) break;
        if (p) trawl_add_bytes(pkt, F_PSK_ID, p, n);
        uint32_t age = trawl_buf_u32be(&l, off + 2u + n);
        if (!trawl_buf_ok(&l)) break;
        trawl_add_uint(pkt, F_PSK_AGE, age);
        off += 6u + n;
    }
    if (!trawl_buf_ok(x)) return;
    uint16_t bl = trawl_buf_u16be(x, 2u + il);
    if (trawl_buf_ok(x)) trawl_add_uint(pkt, F_PSK_BINDERS_LEN, bl);
}

static void ext_body(struct trawl_packet *pkt, struct tls_flow *fs, uint16_t type, struct trawl_buf *x,
                     struct tls_hello *h, uint8_t hs, bool hrr)
{
    bool client = hs == 1;
    uint32_t n = trawl_buf_len(x);
    switch (type) {
    case 0: ext_sni(pkt, fs, x, client, h); break;
    case 16: ext_alpn(pkt, fs, x, client, h); break;
    case 43:
        if (hs == 1 || hs == 2) ext_versions(pkt, fs, x, client, h);
        break;
    case 10:
        h->groups = u16_list(pkt, x, F_GROUPS_LEN, F_GROUPS, F_GROUP, &h->ngroups);
        break;
    case 13:
        h->sigs = u16_list(pkt, x, F_SIG_LEN, F_SIGS, F_SIG, &h->nsigs);
        break;
    case 34: case 50: {                 /* delegated_credentials, signature_algorithms_cert */
        uint32_t cnt = 0;
        if (client) u16_list(pkt, x, F_SIG_LEN, F_SIGS, F_SIG, &cnt);
        break;
    }
    case 11: {
        uint8_t ll = trawl_buf_u8(x, 0);
        if (!trawl_buf_ok(x)) break;
        trawl_add_uint(pkt, F_ECPF_LEN, ll);
        const uint8_t *p = trawl_buf_ptr(x, 1, ll);
        if (!p) break;
        trawl_tree_push(pkt, F_ECPF_LIST);
        for (uint32_t i = 0; i < ll; i++) trawl_add_uint(pkt, F_ECPF, p[i]);
        trawl_tree_pop(pkt);
        h->ecpf = p;
        h->necpf = ll;
        break;
    }
    case 51: ext_key_share(pkt, fs, x, hs, hrr); break;
    case 0xff01: {
        uint8_t ll = trawl_buf_u8(x, 0);
        if (!trawl_buf_ok(x)) break;
        trawl_add_uint(pkt, F_RENEG_LEN, ll);
        const uint8_t *p = ll ? trawl_buf_ptr(x, 1, ll) : NULL;
        if (p) trawl_add_bytes(pkt, F_RENEG, p, ll);
        break;
    }
    case 21: {
        const uint8_t *p = n ? trawl_buf_ptr(x, 0, n) : NULL;
        if (p && trawl_wants(pkt, F_PADDING)) trawl_add_bytes(pkt, F_PADDING, p, n);
        break;
    }
    case 35:
        if (client && n) fs->ch_ticket = true;
        if (n) {
            const uint8_t *p = trawl_buf_ptr(x, 0, n);
            if (p && trawl_wants(pkt, F_TICKET_DATA)) trawl_add_bytes(pkt, F_TICKET_DATA, p, n);
        }
        break;
    case 41:
        if (hs == 2) {
            uint16_t sel = trawl_buf_u16be(x, 0);
            if (trawl_buf_ok(x)) { trawl_add_uint(pkt, F_PSK_SELECTED, sel); fs->resumed = true; }
        } else if (client) {
            ext_psk_client(pkt, x);
        }
        break;
    case 45: {
        uint8_t ll = trawl_buf_u8(x, 0);
        if (!trawl_buf_ok(x)) break;
        trawl_add_uint(pkt, F_PSK_MODES_LEN, ll);
        const uint8_t *p = trawl_buf_ptr(x, 1, ll);
        for (uint32_t i = 0; p && i < ll; i++) trawl_add_uint(pkt, F_PSK_MODE, p[i]);
        break;
    }
    case 44: {
        uint16_t ll = trawl_buf_u16be(x, 0);
        if (!trawl_buf_ok(x)) break;
        trawl_add_uint(pkt, F_COOKIE_LEN, ll);
        const uint8_t *p = ll ? trawl_buf_ptr(x, 2, ll) : NULL;
        if (p) trawl_add_bytes(pkt, F_COOKIE, p, ll);
        break;
    }
    case 5:
        if (n) {
            uint8_t t = trawl_buf_u8(x, 0);
            if (!trawl_buf_ok(x)) break;
            trawl_add_uint(pkt, F_STATUS_TYPE, t);
            if (t != 1 || !client) break;          /* OCSP: responder ids, extensions */
            uint16_t rl = trawl_buf_u16be(x, 1);
            if (!trawl_buf_ok(x)) break;
            trawl_add_uint(pkt, F_STATUS_RIDS_LEN, rl);
            uint16_t el = trawl_buf_u16be(x, 3u + rl);
            if (trawl_buf_ok(x)) trawl_add_uint(pkt, F_STATUS_EXTS_LEN, el);
        }
        break;
    case 13172:
        if (!client) str_list(pkt, x, 0, 0, F_NPN_LEN, F_NPN);
        break;
    case 17513:
        if (client) str_list(pkt, x, 2, F_ALPS_LEN, F_ALPS_STR_LEN, F_ALPS_STR);
        break;
    case 27:
        if (client) {
            uint8_t ll = trawl_buf_u8(x, 0);
            if (!trawl_buf_ok(x)) break;
            trawl_add_uint(pkt, F_CC_ALGS_LEN, ll);
            for (uint32_t i = 0; i + 2 <= ll; i += 2) {
                uint16_t a = trawl_buf_u16be(x, 1 + i);
                if (!trawl_buf_ok(x)) break;
                trawl_add_uint(pkt, F_CC_ALG, a);
            }
        }
        break;
    case 28: {
        uint16_t v = trawl_buf_u16be(x, 0);
        if (trawl_buf_ok(x)) trawl_add_uint(pkt, F_RSL, v);
        break;
    }
    case 57:
        break;                          /* RFC 9000 parameters: no length of their own */
    case 0xffa5:
        if (n >= 2) {                   /* drafts: a 2-byte length first */
            uint16_t l = trawl_buf_u16be(x, 0);
            if (trawl_buf_ok(x) && l == n - 2) trawl_add_uint(pkt, F_QUIC_TP_LEN, l);
        }
        break;
    case 0xfe0d: ext_ech(pkt, x, client); break;
    case 23: case 22: case 49: case 18: case 42:
    case 15: case 20: case 19: case 24: case 47:
        break;                                 /* known, with no fields of interest here */
    default:
        if (n) {
            const uint8_t *p = trawl_buf_ptr(x, 0, n);
            if (p && trawl_wants(pkt, F_EXT_DATA)) trawl_add_bytes(pkt, F_EXT_DATA, p, n);
        }
        break;
    }
}

/* The extension block at off of the message body m (after its 2-byte length). */
static void extensions(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *m, uint32_t off,
                       struct tls_hello *h, uint8_t hs, bool hrr)
{
    if (off >= trawl_buf_len(m)) return;          /* no extensions at all */
    uint16_t el = trawl_buf_u16be(m, off);
    if (!trawl_buf_ok(m)) return;
    trawl_add_uint(pkt, F_EXTS_LEN, el);
    struct trawl_buf e = trawl_buf_sub(m, off + 2, el);
    uint32_t eo = 0, n = trawl_buf_len(&e);
    while (eo < n && trawl_buf_ok(&e)) {
        if (n - eo < 4) { trawl_buf_mark_malformed(&e); break; }
        uint16_t type = trawl_buf_u16be(&e, eo), len = trawl_buf_u16be(&e, eo + 2);
        if (!trawl_buf_ok(&e)) break;
        trawl_add_uint(pkt, F_EXT_TYPE, type);
        trawl_add_uint(pkt, F_EXT_LEN, len);
        if (h->nexts < sizeof h->exts / sizeof *h->exts) h->exts[h->nexts++] = type;
        struct trawl_buf x = trawl_buf_sub(&e, eo + 4, len);
        if (!trawl_buf_ok(&e)) break;
        ext_body(pkt, fs, type, &x, h, hs, hrr);
        eo += 4u + len;
    }
}

/* ---- hellos --------------------------------------------------------------------------------- */

/* The random, and tshark's split of it: a 4-byte time and 28 bytes. */
static void add_random_parts(struct trawl_packet *pkt, const uint8_t *rnd)
{
    uint32_t secs = (uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 | (uint32_t)rnd[2] << 8 | rnd[3];
    trawl_add_time(pkt, F_RANDOM_TIME, (int64_t)secs * 1000000000);
    trawl_add_bytes(pkt, F_RANDOM_BYTES, rnd + 4, 28);
}


static void client_hello(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *m)
{
    struct tls_hello h;
    memset(&h, 0, sizeof h);
    uint16_t ver = trawl_buf_u16be(m, 0);
    const uint8_t *rnd = trawl_buf_ptr(m, 2, 32);
    if (!rnd) return;
    trawl_add_uint(pkt, F_HS_VERSION, ver);
    trawl_add_bytes(pkt, F_RANDOM, rnd, 32);
    if (!fs->quic) add_random_parts(pkt, rnd);   /* tshark: QUIC is TLS 1.3, no time in it */
    uint8_t sl = trawl_buf_u8(m, 34);
    if (!trawl_buf_ok(m)) return;
    trawl_add_uint(pkt, F_SID_LEN, sl);
    const uint8_t *sid = sl ? trawl_buf_ptr(m, 35, sl) : NULL;
    if (sl && !sid) return;
    if (sid) trawl_add_bytes(pkt, F_SID, sid, sl);
    uint32_t off = 35u + sl;
    uint16_t cl = trawl_buf_u16be(m, off);
    if (!trawl_buf_ok(m)) return;
    trawl_add_uint(pkt, F_CS_LEN, cl);
    struct trawl_buf c = trawl_buf_sub(m, off + 2, cl);
    trawl_tree_push(pkt, F_CIPHERSUITES);
    for (uint32_t i = 0; i + 2 <= trawl_buf_len(&c); i += 2) {
        uint16_t cs = trawl_buf_u16be(&c, i);
        if (!trawl_buf_ok(&c)) break;
        trawl_add_uint(pkt, F_CIPHERSUITE, cs);
    }
    trawl_tree_pop(pkt);
    if (cl & 1) trawl_buf_mark_malformed(m);
    if (!trawl_buf_ok(m)) return;
    h.ciphers = trawl_buf_ptr(&c, 0, cl);
    h.nciphers = cl / 2u;
    off += 2u + cl;
    uint8_t ml = trawl_buf_u8(m, off);
    if (!trawl_buf_ok(m)) return;
    trawl_add_uint(pkt, F_COMP_LEN, ml);
    const uint8_t *cm = trawl_buf_ptr(m, off + 1, ml);
    if (!cm) return;
    trawl_tree_push(pkt, F_COMP_METHODS);
    for (uint32_t i = 0; i < ml; i++) trawl_add_uint(pkt, F_COMP, cm[i]);
    trawl_tree_pop(pkt);
    off += 1u + ml;
    /* Session state for the record (the first ClientHello of the connection decides). */
    bool first = !fs->ch;
    if (first) {
        fs->ch_version = ver;
        fs->ch_sid_len = sl <= 32 ? sl : 32;
        if (sid) memcpy(fs->ch_sid, sid, fs->ch_sid_len);
    }
    extensions(pkt, fs, m, off, &h, 1, false);
    fs->ch = true;
    if (!trawl_buf_ok(m)) return;
    h.version = ver;
    tls_ja3(pkt, &h, fs);
    tls_ja4(pkt, &h, fs, fs->quic ? 'q' : 't');
}

static void server_hello(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *m)
{
    struct tls_hello h;
    memset(&h, 0, sizeof h);
    uint16_t ver = trawl_buf_u16be(m, 0);
    const uint8_t *rnd = trawl_buf_ptr(m, 2, 32);
    if (!rnd) return;
    bool hrr = !memcmp(rnd, hrr_random, 32);
    trawl_add_uint(pkt, F_HS_VERSION, ver);
    trawl_add_bytes(pkt, F_RANDOM, rnd, 32);
    uint8_t sl = trawl_buf_u8(m, 34);
    if (!trawl_buf_ok(m)) return;
    trawl_add_uint(pkt, F_SID_LEN, sl);
    const uint8_t *sid = sl ? trawl_buf_ptr(m, 35, sl) : NULL;
    if (sl && !sid) return;
    if (sid) trawl_add_bytes(pkt, F_SID, sid, sl);
    uint32_t off = 35u + sl;
    uint16_t cs = trawl_buf_u16be(m, off);
    uint8_t comp = trawl_buf_u8(m, off + 2);
    if (!trawl_buf_ok(m)) return;
    trawl_add_uint(pkt, F_CIPHERSUITE, cs);
    trawl_add_uint(pkt, F_COMP, comp);
    off += 3;
    if (hrr) fs->hrr = true;
    extensions(pkt, fs, m, off, &h, 2, hrr);
    if (!hrr) {
        fs->sh = true;
        fs->sh_version = ver;
        fs->version = h.has_sv && h.max_sv ? h.max_sv : ver;
        fs->cipher = cs;
        /* Zeek: the session id echoed (not for TLS 1.3, whose legacy id is always echoed). */
        if (!tls_is_13(fs->version) && sl && fs->ch_sid_len == sl && !memcmp(fs->ch_sid, sid, sl)) {
            bool zero = true;
            for (unsigned i = 0; i < sl; i++) zero &= sid[i] == 0;
            if (!zero) fs->resumed = true;
        }
        if (tls_is_13(fs->version)) fs->d[0].enc13 = fs->d[1].enc13 = true;
    }
    /* tshark splits the random into a time and bytes unless the server chose TLS 1.3 */
    if (!fs->quic && !tls_is_13(h.has_sv && h.max_sv ? h.max_sv : ver)) add_random_parts(pkt, rnd);
    if (!trawl_buf_ok(m)) return;
    h.version = ver;
    h.cipher = cs;
    tls_ja3s(pkt, &h, fs);
    tls_ja4s(pkt, &h, fs, fs->quic ? 'q' : 't');
}

/* ---- other messages ------------------------------------------------------------------------- */

static void certificate(struct trawl_packet *pkt, const struct tls_state *st, struct tls_flow *fs, int dir,
                        struct trawl_buf *m)
{
    uint32_t off = 0;
    bool v13 = tls_is_13(fs->version);
    if (v13) {
        uint8_t cl = trawl_buf_u8(m, 0);
        if (!trawl_buf_ok(m)) return;
        trawl_add_uint(pkt, F_CERT_CTX_LEN, cl);
        off = 1u + cl;
    }
    uint32_t total = trawl_buf_u24be(m, off);
    if (!trawl_buf_ok(m)) return;
    trawl_add_uint(pkt, F_CERTS_LEN, total);
    struct trawl_buf l = trawl_buf_sub(m, off + 3, total);
    uint32_t lo = 0;
    bool leaf = true;
    trawl_tree_push(pkt, F_CERTS);
    while (lo < trawl_buf_len(&l) && trawl_buf_ok(&l)) {
        uint32_t n = trawl_buf_u24be(&l, lo);
        if (!trawl_buf_ok(&l)) break;
        trawl_add_uint(pkt, F_CERT_LEN, n);
        struct trawl_buf cb = trawl_buf_sub(&l, lo + 3, n);
        const uint8_t *der = trawl_buf_ptr(&cb, 0, n);
        if (!der || !trawl_buf_ok(&l)) break;
        trawl_add_bytes(pkt, F_CERT, der, n);
        tls_cert_seen(pkt, st, fs, dir, leaf, der, n);
        if (st->x509 && n) {
            unsigned hints = (leaf ? TRAWL_HINT_PROTO : 0) | (dir == TRAWL_DIR_ORIG ? TRAWL_HINT_PROTO << 1 : 0);
            trawl_packet_hint(pkt, hints);
            trawl_dissect_proto(pkt, st->x509, &cb);
        }
        lo += 3u + n;
        if (v13) {
            uint16_t el = trawl_buf_u16be(&l, lo);
            if (!trawl_buf_ok(&l)) break;
            trawl_add_uint(pkt, F_CERT_EXTS_LEN, el);
            lo += 2u + el;
        }
        leaf = false;
    }
    trawl_tree_pop(pkt);
    if (lo > trawl_buf_len(&l)) trawl_buf_mark_malformed(m);
}

/* Key exchange kind of a cipher suite, from its IANA name. */
enum kx { KX_UNKNOWN, KX_RSA, KX_DHE, KX_ECDHE, KX_PSK };
static enum kx kx_of(uint16_t cs)
{
    const char *n = tls_cipher_name(cs);
    if (!n) return KX_UNKNOWN;
    if (!strncmp(n, "TLS_ECDHE_", 10) || !strncmp(n, "TLS_ECDH_", 9)) return KX_ECDHE;
    if (!strncmp(n, "TLS_DHE_", 8) || !strncmp(n, "TLS_DH_", 7)) return KX_DHE;
    if (!strncmp(n, "TLS_RSA_", 8)) return KX_RSA;
    if (!strncmp(n, "TLS_PSK_", 8)) return KX_PSK;
    return KX_UNKNOWN;
}

/* A u8- or u16-length-prefixed opaque at *off: length and bytes fields; false when cut. */
static bool opaque(struct trawl_packet *pkt, struct trawl_buf *m, uint32_t *off, int lenbytes,
                   unsigned f_len, unsigned f_val)
{
    uint32_t n = lenbytes == 1 ? trawl_buf_u8(m, *off) : trawl_buf_u16be(m, *off);
    if (!trawl_buf_ok(m)) return false;
    trawl_add_uint(pkt, f_len, n);
    const uint8_t *p = n ? trawl_buf_ptr(m, *off + (uint32_t)lenbytes, n) : NULL;
    if (n && !p) return false;
    if (p) trawl_add_bytes(pkt, f_val, p, n);
    *off += (uint32_t)lenbytes + n;
    return true;
}

static void server_key_exchange(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *m)
{
    uint32_t off = 0;
    enum kx k = kx_of(fs->cipher);
    if (k == KX_ECDHE) {
        uint8_t ct = trawl_buf_u8(m, 0);
        if (!trawl_buf_ok(m)) return;
        trawl_add_uint(pkt, F_CURVE_TYPE, ct);
        if (ct != 3) return;                        /* explicit curves: not decoded */
        uint16_t nc = trawl_buf_u16be(m, 1);
        if (!trawl_buf_ok(m)) return;
        trawl_add_uint(pkt, F_NAMED_CURVE, nc);
        fs->curve = nc;
        off = 3;
        if (!opaque(pkt, m, &off, 1, F_SERVER_POINT_LEN, F_SERVER_POINT)) return;
    } else if (k == KX_DHE) {
        if (!opaque(pkt, m, &off, 2, F_P_LEN, F_P)) return;
        if (!opaque(pkt, m, &off, 2, F_G_LEN, F_G)) return;
        if (!opaque(pkt, m, &off, 2, F_YS_LEN, F_YS)) return;
    } else {
        return;
    }
    /* The signature: TLS 1.2 puts its algorithm first. */
    if (off >= trawl_buf_len(m)) return;
    if (fs->sh_version >= 0x0303) {
        uint16_t alg = trawl_buf_u16be(m, off);
        if (!trawl_buf_ok(m)) return;
        trawl_add_uint(pkt, F_SIG, alg);
        trawl_add_uint(pkt, F_SIG_HASH, alg >> 8);
        trawl_add_uint(pkt, F_SIG_SIG, alg & 0xff);
        off += 2;
    }
    opaque(pkt, m, &off, 2, F_SIGN_LEN, F_SIGN);
}

static void client_key_exchange(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *m)
{
    uint32_t off = 0;
    fs->ckx_seen = true;
    switch (kx_of(fs->cipher)) {
    case KX_ECDHE: opaque(pkt, m, &off, 1, F_CLIENT_POINT_LEN, F_CLIENT_POINT); break;
    case KX_DHE: opaque(pkt, m, &off, 2, F_YC_LEN, F_YC); break;
    case KX_RSA:
        if (fs->sh_version == 0x0300) {             /* SSLv3: no length prefix */
            uint32_t n = trawl_buf_len(m);
            const uint8_t *p = n ? trawl_buf_ptr(m, 0, n) : NULL;
            if (p) trawl_add_bytes(pkt, F_EPMS, p, n);
        } else {
            opaque(pkt, m, &off, 2, F_EPMS_LEN, F_EPMS);
        }
        break;
    default: break;
    }
}

static void certificate_request(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *m)
{
    if (tls_is_13(fs->version)) return;           /* encrypted in TLS 1.3 */
    uint8_t nt = trawl_buf_u8(m, 0);
    if (!trawl_buf_ok(m)) return;
    trawl_add_uint(pkt, F_CERT_TYPES_COUNT, nt);
    const uint8_t *t = trawl_buf_ptr(m, 1, nt);
    if (!t) return;
    for (uint32_t i = 0; i < nt; i++) trawl_add_uint(pkt, F_CERT_TYPE, t[i]);
    uint32_t off = 1u + nt;
    if (fs->sh_version >= 0x0303) {
        struct trawl_buf s = trawl_buf_tail(m, off);
        uint32_t cnt = 0;
        if (!u16_list(pkt, &s, F_SIG_LEN, F_SIGS, F_SIG, &cnt)) return;
        uint16_t sl = trawl_buf_u16be(m, off);
        off += 2u + sl;
    }
    uint16_t dl = trawl_buf_u16be(m, off);
    if (trawl_buf_ok(m)) trawl_add_uint(pkt, F_DNAMES_LEN, dl);
}

static void new_session_ticket(struct trawl_packet *pkt, struct tls_flow *fs, struct trawl_buf *m)
{
    uint32_t life = trawl_buf_u32be(m, 0);
    if (!trawl_buf_ok(m)) return;
    trawl_add_uint(pkt, F_TICKET_LIFETIME, life);
    uint32_t off = 4;
    if (tls_is_13(fs->version)) {
        uint32_t age = trawl_buf_u32be(m, 4);
        if (!trawl_buf_ok(m)) return;
        trawl_add_uint(pkt, F_TICKET_AGE_ADD, age);
        off = 8;
        if (!opaque(pkt, m, &off, 1, F_TICKET_NONCE_LEN, F_TICKET_NONCE)) return;
    }
    opaque(pkt, m, &off, 2, F_TICKET_LEN, F_TICKET);
}

/* ---- one message -------------------------------------------------------------------------- */

void tls_handshake(struct trawl_packet *pkt, const struct tls_state *st, struct tls_flow *fs, int dir,
                   struct trawl_buf *m)
{
    uint8_t type = trawl_buf_u8(m, 0);
    uint32_t len = trawl_buf_u24be(m, 1);
    if (!trawl_buf_ok(m)) return;
    trawl_tree_push(pkt, F_HS);
    trawl_add_uint(pkt, F_HS_TYPE, type);
    trawl_add_uint(pkt, F_HS_LENGTH, len);
    struct trawl_buf body = trawl_buf_sub(m, 4, len);
    switch (type) {
    case 1: client_hello(pkt, fs, &body); break;
    case 2: server_hello(pkt, fs, &body); break;
    case 4: new_session_ticket(pkt, fs, &body); break;
    case 8: {
        struct tls_hello h;
        memset(&h, 0, sizeof h);
        extensions(pkt, fs, &body, 0, &h, 8, false);
        break;
    }
    case 11: certificate(pkt, st, fs, dir, &body); break;
    case 12: server_key_exchange(pkt, fs, &body); break;
    case 13: certificate_request(pkt, fs, &body); break;
    case 14: break;
    case 15: {                                   /* CertificateVerify (in the clear up to 1.2) */
        uint32_t off = 0;
        if (fs->sh_version >= 0x0303) {
            uint16_t alg = trawl_buf_u16be(&body, 0);
            if (!trawl_buf_ok(&body)) break;
            trawl_add_uint(pkt, F_SIG, alg);
            trawl_add_uint(pkt, F_SIG_HASH, alg >> 8);
            trawl_add_uint(pkt, F_SIG_SIG, alg & 0xff);
            off = 2;
        }
        opaque(pkt, &body, &off, 2, F_CV_SIG_LEN, F_CV_SIG);
        break;
    }
    case 16: client_key_exchange(pkt, fs, &body); break;
    case 20: {
        const uint8_t *p = len ? trawl_buf_ptr(&body, 0, len) : NULL;
        if (p) trawl_add_bytes(pkt, F_VERIFY_DATA, p, len);
        break;
    }
    default: {
        const uint8_t *p = len ? trawl_buf_ptr(&body, 0, len) : NULL;
        if (p && trawl_wants(pkt, F_HS_DATA)) trawl_add_bytes(pkt, F_HS_DATA, p, len);
        break;
    }
    }
    trawl_tree_pop(pkt);
}

/* Whole messages one after the other (the tls-handshake entry: QUIC's CRYPTO bytes). A message
 * cut by the end of b is shown as far as it goes, on a view of its own, so that bytes QUIC
 * could not give do not mark the layer; lengths that lie inside b do. */
void tls_handshake_run(struct trawl_packet *pkt, const struct tls_state *st, struct tls_flow *fs, int dir,
                       struct trawl_buf *b)
{
    uint32_t n = trawl_buf_caplen(b), off = 0;
    const uint8_t *d = n ? trawl_buf_ptr(b, 0, n) : NULL;
    if (!d) return;
    while (off < n) {
        if (n - off < 4) break;
        uint32_t len = (uint32_t)d[off + 1] << 16 | (uint32_t)d[off + 2] << 8 | d[off + 3];
        uint8_t latch = 0;
        struct trawl_buf m;
        if (n - off - 4 >= len) {
            m = trawl_buf_sub(b, off, 4 + len);
            tls_handshake(pkt, st, fs, dir, &m);
            off += 4 + len;
            continue;
        }
        /* Cut: the rest of b, claiming the message's full length (reads past it are "not
         * captured", on a private latch). */
        m = trawl_buf_make(d + off, n - off, 4 + len, &latch);
        m.base = b->base + off;
        tls_handshake(pkt, st, fs, dir, &m);
        break;
    }
}
