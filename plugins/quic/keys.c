/* keys.c — Initial packet protection (RFC 9001 5; RFC 9369 3.3 for version 2): the Initial
 * secrets from the client's first Destination Connection ID, HKDF-Expand-Label, AES-128-GCM
 * and AES-128-ECB header protection, all through libcrypto's EVP. The algorithms are fetched
 * once per engine (quic_crypto_init); the cipher contexts are made once per flow and key. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "quic.h"

bool quic_crypto_init(struct quic_state *st)
{
    st->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    st->ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
    st->hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    st->gcm256 = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    st->ecb256 = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
    return st->gcm && st->ecb && st->hkdf && st->gcm256 && st->ecb256;
}

void quic_crypto_fini(struct quic_state *st)
{
    EVP_CIPHER_free(st->gcm);
    EVP_CIPHER_free(st->ecb);
    EVP_KDF_free(st->hkdf);
    EVP_CIPHER_free(st->gcm256);
    EVP_CIPHER_free(st->ecb256);
    st->gcm = st->ecb = st->hkdf = st->gcm256 = st->ecb256 = NULL;
}

static const uint8_t salt_v1[20] = {
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const uint8_t salt_v2[20] = {
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };
static const uint8_t salt_d29[20] = {      /* draft-29 to -32 */
    0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
    0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 };
static const uint8_t salt_d23[20] = {      /* draft-23 to -28 */
    0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
    0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02 };
static const uint8_t salt_d22[20] = {      /* draft-22 */
    0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
    0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a };

const uint8_t *quic_initial_salt(uint32_t v)
{
    if (v == QUIC_V1) return salt_v1;
    if (v == QUIC_V2) return salt_v2;
    if (v >= 0xff000021u && v <= 0xff000022u) return salt_v1;     /* draft-33, -34 */
    if (v >= 0xff00001du && v <= 0xff000020u) return salt_d29;
    if (v >= 0xff000017u && v <= 0xff00001cu) return salt_d23;
    if (v == 0xff000016u || v == 0xfaceb001u) return salt_d22;    /* mvfst's draft-22 */
    if (v == 0xfaceb002u) return salt_d23;                         /* mvfst's draft-27 */
    return NULL;
}

static bool hkdf(const struct quic_state *st, int mode, const char *md, const uint8_t *key, size_t klen,
                 const uint8_t *salt_or_info, size_t slen, uint8_t *out, size_t olen)
{
    EVP_KDF_CTX *c = EVP_KDF_CTX_new(st->hkdf);
    if (!c) return false;
    OSSL_PARAM p[5], *q = p;
    *q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, klen);
    *q++ = OSSL_PARAM_construct_octet_string(mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY
                                                 ? OSSL_KDF_PARAM_SALT : OSSL_KDF_PARAM_INFO,
                                             (void *)salt_or_info, slen);
    *q = OSSL_PARAM_construct_end();
    bool ok = EVP_KDF_derive(c, out, olen, p) > 0;
    EVP_KDF_CTX_free(c);
    return ok;
}

/* HKDF-Expand-Label(secret, label, "", len) of TLS 1.3 (RFC 8446 7.1), SHA-256 or SHA-384. */
static bool expand_label_md(const struct quic_state *st, const char *md, const uint8_t *secret, size_t slen,
                            const char *label, uint8_t *out, size_t len)
{
    uint8_t info[2 + 1 + 255 + 1];
    size_t ll = strlen(label);
    if (6 + ll > 255) return false;
    info[0] = (uint8_t)(len >> 8);
    info[1] = (uint8_t)len;
    info[2] = (uint8_t)(6 + ll);
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, ll);
    info[9 + ll] = 0;
    return hkdf(st, EVP_KDF_HKDF_MODE_EXPAND_ONLY, md, secret, slen, info, 10 + ll, out, len);
}

static bool expand_label(const struct quic_state *st, const uint8_t secret[32], const char *label,
                         uint8_t *out, size_t len)
{
    return expand_label_md(st, "SHA256", secret, 32, label, out, len);
}

bool quic_initial_secrets(const struct quic_state *st, uint32_t version, const uint8_t *cid,
                          uint32_t cid_len, uint8_t client[32], uint8_t server[32])
{
    const uint8_t *salt = quic_initial_salt(version);
    uint8_t initial[32];
    if (!salt || cid_len > QUIC_CID_MAX) return false;
    /* RFC 9000 7.2: the client's first DCID has at least 8 bytes; libcrypto refuses an
     * empty HKDF key, so an empty one has no keys. */
    if (!cid_len) return false;
    if (!hkdf(st, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, "SHA256", cid, cid_len, salt, 20, initial, 32)) return false;
    return expand_label(st, initial, "client in", client, 32) &&
           expand_label(st, initial, "server in", server, 32);
}

bool quic_derive_keys(const struct quic_state *st, uint32_t version, const uint8_t secret[32],
                      struct quic_keys *k)
{
    bool v2 = version == QUIC_V2;
    quic_keys_free(k);
    k->klen = 16;
    k->ok = expand_label(st, secret, v2 ? "quicv2 key" : "quic key", k->key, 16) &&
            expand_label(st, secret, v2 ? "quicv2 iv" : "quic iv", k->iv, 12) &&
            expand_label(st, secret, v2 ? "quicv2 hp" : "quic hp", k->hp, 16);
    return k->ok;
}

bool quic_derive_suite_keys(const struct quic_state *st, uint32_t version, uint16_t suite,
                            const uint8_t *secret, uint32_t len, struct quic_keys *k)
{
    bool v2 = version == QUIC_V2;
    const char *md;
    uint8_t kl;
    if (suite == 0x1301 && len == 32) { md = "SHA256"; kl = 16; }
    else if (suite == 0x1302 && len == 48) { md = "SHA384"; kl = 32; }
    else return false;                  /* ChaCha20 (0x1303) and others: not here */
    quic_keys_free(k);
    k->klen = kl;
    k->ok = expand_label_md(st, md, secret, len, v2 ? "quicv2 key" : "quic key", k->key, kl) &&
            expand_label_md(st, md, secret, len, v2 ? "quicv2 iv" : "quic iv", k->iv, 12) &&
            expand_label_md(st, md, secret, len, v2 ? "quicv2 hp" : "quic hp", k->hp, kl);
    return k->ok;
}

bool quic_initial_keys(const struct quic_state *st, uint32_t version, const uint8_t *cid,
                       uint32_t cid_len, struct quic_keys k[2])
{
    uint8_t c[32], s[32];
    if (!quic_initial_secrets(st, version, cid, cid_len, c, s)) return false;
    return quic_derive_keys(st, version, c, &k[0]) && quic_derive_keys(st, version, s, &k[1]);
}

bool quic_hp_mask(const struct quic_state *st, struct quic_keys *k, const uint8_t sample[16],
                  uint8_t mask[5])
{
    if (!k->ok) return false;
    EVP_CIPHER_CTX *c = k->hpc;
    if (!c) {
        c = EVP_CIPHER_CTX_new();
        if (!c) return false;
        if (!EVP_EncryptInit_ex2(c, k->klen == 32 ? st->ecb256 : st->ecb, k->hp, NULL, NULL)) {
            EVP_CIPHER_CTX_free(c);
            return false;
        }
        EVP_CIPHER_CTX_set_padding(c, 0);
        k->hpc = c;
    }
    uint8_t out[32];
    int n = 0;
    if (!EVP_EncryptUpdate(c, out, &n, sample, 16) || n != 16) return false;
    memcpy(mask, out, 5);
    return true;
}

bool quic_aead_open(const struct quic_state *st, struct quic_keys *k, uint64_t pn,
                    const uint8_t *aad, uint32_t aad_len, const uint8_t *ct, uint32_t n, uint8_t *out)
{
    if (!k->ok || n < 16) return false;
    EVP_CIPHER_CTX *c = k->aead;
    if (!c) {
        c = EVP_CIPHER_CTX_new();
        if (!c) return false;
        if (!EVP_DecryptInit_ex2(c, k->klen == 32 ? st->gcm256 : st->gcm, k->key, NULL, NULL)) {
            EVP_CIPHER_CTX_free(c);
            return false;
        }
        k->aead = c;
    }
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++) nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    int l = 0, l2 = 0;
    uint32_t m = n - 16;
    if (!EVP_DecryptInit_ex2(c, NULL, NULL, nonce, NULL)) return false;
    if (!EVP_DecryptUpdate(c, NULL, &l, aad, (int)aad_len)) return false;
    if (m && !EVP_DecryptUpdate(c, out, &l, ct, (int)m)) return false;
    if (!EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(ct + m))) return false;
    return EVP_DecryptFinal_ex(c, out + (m ? l : 0), &l2) > 0;
}

void quic_keys_free(struct quic_keys *k)
{
    EVP_CIPHER_CTX_free(k->aead);
    EVP_CIPHER_CTX_free(k->hpc);
    k->aead = k->hpc = NULL;
    k->ok = false;
}
