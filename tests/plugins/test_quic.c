/* test_quic.c — the quic plugin (suite "quic").
 *
 * Exact, can-fail references:
 *  - RFC 9001 Appendix A and RFC 9369 Appendix A: the Initial keys of DCID 8394c8f03e515708,
 *    the client's and the server's protected Initial packets (their plaintexts are known: the
 *    plugin must open them and show the RFC's packet numbers and frames), and the Retry packets;
 *  - the shared QUIC captures: quic.version (and packet numbers, CRYPTO offsets, the frame
 *    where the ClientHello completes) per frame exactly as tshark 4.0's oracle tables have them;
 *    with tls loaded, SNI, ALPN and the JA4 parts nDPI's outputs have;
 *  - generated traffic: Initial packets sealed by this file's own helper (HKDF, AES-128-GCM,
 *    AES-128-ECB header protection, through libcrypto, which the helper finds at run time in
 *    the process, since libtrawl links it), checked first against the RFC's packets byte for
 *    byte: a ClientHello split over two packets fed in reverse order, a coalesced datagram,
 *    a short header in a known flow, lying lengths, a bad tag, every cut of a real datagram;
 *  - the CRYPTO reassembly (crypto.c, compiled in here) for overlaps, duplicates and caps.
 */
#include <CUnit/CUnit.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "../harness.h"
#include "../pktgen.h"

#include "../../plugins/quic/crypto.c"

#define FIELD_IS(t, f, v) CU_ASSERT_STRING_EQUAL(th_field(t, f), v)

/* ---- libcrypto, found at run time (the test binary does not link it) ----------------------- */

#define CRYPTO_FNS(X) X(EVP_KDF_fetch) X(EVP_KDF_free) X(EVP_KDF_CTX_new) X(EVP_KDF_CTX_free)       \
    X(EVP_KDF_derive) X(OSSL_PARAM_construct_int) X(OSSL_PARAM_construct_utf8_string)              \
    X(OSSL_PARAM_construct_octet_string) X(OSSL_PARAM_construct_end) X(EVP_CIPHER_fetch)          \
    X(EVP_CIPHER_free) X(EVP_CIPHER_CTX_new) X(EVP_CIPHER_CTX_free) X(EVP_EncryptInit_ex2)        \
    X(EVP_EncryptUpdate) X(EVP_EncryptFinal_ex) X(EVP_CIPHER_CTX_ctrl) X(EVP_CIPHER_CTX_set_padding)

#define DECL_FN(f) __typeof__(&f) f;
struct crypto_fns { CRYPTO_FNS(DECL_FN) };

static const struct crypto_fns *cf(void)
{
    static struct crypto_fns c;
    static int state;                      /* 0 not tried, 1 ok, -1 missing */
    if (state) return state > 0 ? &c : NULL;
    void *h = NULL;
#define LOAD_FN(f)                                                              \
    c.f = (__typeof__(&f))dlsym(RTLD_DEFAULT, #f);                              \
    if (!c.f) { if (!h) h = dlopen("libcrypto.so.3", RTLD_NOW); if (h) c.f = (__typeof__(&f))dlsym(h, #f); } \
    if (!c.f) { state = -1; return NULL; }
    CRYPTO_FNS(LOAD_FN)
    state = 1;
    return &c;
}

/* ---- the sealing helper -------------------------------------------------------------------- */

struct tk { uint8_t key[32], iv[12], hp[32]; int klen; };

static bool t_hkdf_md(const char *md, int mode, const uint8_t *k, size_t kl, const uint8_t *s, size_t sl,
                      uint8_t *out, size_t ol);
static bool t_hkdf(int mode, const uint8_t *k, size_t kl, const uint8_t *s, size_t sl, uint8_t *out, size_t ol)
{
    return t_hkdf_md("SHA256", mode, k, kl, s, sl, out, ol);
}

static bool t_hkdf_md(const char *md, int mode, const uint8_t *k, size_t kl, const uint8_t *s, size_t sl,
                      uint8_t *out, size_t ol)
{
    const struct crypto_fns *c = cf();
    EVP_KDF *kdf = c->EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *x = c->EVP_KDF_CTX_new(kdf);
    OSSL_PARAM p[5];
    p[0] = c->OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    p[1] = c->OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
    p[2] = c->OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)k, kl);
    p[3] = c->OSSL_PARAM_construct_octet_string(mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY ? OSSL_KDF_PARAM_SALT
                                                                                       : OSSL_KDF_PARAM_INFO,
                                                (void *)s, sl);
    p[4] = c->OSSL_PARAM_construct_end();
    bool ok = c->EVP_KDF_derive(x, out, ol, p) > 0;
    c->EVP_KDF_CTX_free(x);
    c->EVP_KDF_free(kdf);
    return ok;
}

/* HKDF-Expand-Label with SHA-384 over a 48-byte secret (TLS_AES_256_GCM_SHA384). */
static bool t_label384(const uint8_t secret[48], const char *label, uint8_t *out, size_t n)
{
    uint8_t info[64];
    size_t ll = strlen(label);
    info[0] = 0; info[1] = (uint8_t)n; info[2] = (uint8_t)(6 + ll);
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, ll);
    info[9 + ll] = 0;
    return t_hkdf_md("SHA384", EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 48, info, 10 + ll, out, n);
}

static bool t_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t n)
{
    uint8_t info[64];
    size_t ll = strlen(label);
    info[0] = 0; info[1] = (uint8_t)n; info[2] = (uint8_t)(6 + ll);
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, ll);
    info[9 + ll] = 0;
    return t_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 32, info, 10 + ll, out, n);
}

static const uint8_t SALT_V1[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                     0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const uint8_t SALT_V2[20] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                     0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };
static const uint8_t SALT_D29[20] = { 0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                      0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 };
#define V2 0x6b3343cfu
#define D29 0xff00001du

/* Both directions' Initial keys of a version from the client's first DCID. */
static bool t_keys(uint32_t version, const uint8_t *cid, size_t n, struct tk *cl, struct tk *sv)
{
    uint8_t init[32], sec[32];
    bool v2 = version == V2;
    const uint8_t *salt = v2 ? SALT_V2 : version == D29 ? SALT_D29 : SALT_V1;
    if (!t_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, cid, n, salt, 20, init, 32)) return false;
    struct tk *k[2] = { cl, sv };
    for (int i = 0; i < 2; i++) {
        k[i]->klen = 16;
        if (!t_label(init, i ? "server in" : "client in", sec, 32)) return false;
        if (!t_label(sec, v2 ? "quicv2 key" : "quic key", k[i]->key, 16) ||
            !t_label(sec, v2 ? "quicv2 iv" : "quic iv", k[i]->iv, 12) ||
            !t_label(sec, v2 ? "quicv2 hp" : "quic hp", k[i]->hp, 16))
            return false;
    }
    return true;
}

/* Protect a packet: hdr (hl bytes, the packet number last, pnl bytes of it) + payload; out gets
 * hl + pl + 16 bytes. The reverse of what the plugin does. */
static size_t t_protect(const struct tk *k, const uint8_t *hdr, size_t hl, size_t pnl, uint64_t pn,
                        const uint8_t *pay, size_t pl, uint8_t *out)
{
    const struct crypto_fns *c = cf();
    bool big = k->klen == 32;
    EVP_CIPHER *gcm = c->EVP_CIPHER_fetch(NULL, big ? "AES-256-GCM" : "AES-128-GCM", NULL);
    EVP_CIPHER *ecb = c->EVP_CIPHER_fetch(NULL, big ? "AES-256-ECB" : "AES-128-ECB", NULL);
    EVP_CIPHER_CTX *x = c->EVP_CIPHER_CTX_new();
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++) nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    int l = 0;
    memcpy(out, hdr, hl);
    c->EVP_EncryptInit_ex2(x, gcm, k->key, nonce, NULL);
    c->EVP_EncryptUpdate(x, NULL, &l, hdr, (int)hl);
    c->EVP_EncryptUpdate(x, out + hl, &l, pay, (int)pl);
    c->EVP_EncryptFinal_ex(x, out + hl + l, &l);
    c->EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, out + hl + pl);
    c->EVP_CIPHER_CTX_free(x);
    /* Header protection: the sample starts 4 bytes after the packet number's start. */
    size_t pn_off = hl - pnl;
    uint8_t mask[32];
    x = c->EVP_CIPHER_CTX_new();
    c->EVP_EncryptInit_ex2(x, ecb, k->hp, NULL, NULL);
    c->EVP_CIPHER_CTX_set_padding(x, 0);
    c->EVP_EncryptUpdate(x, mask, &l, out + pn_off + 4, 16);
    c->EVP_CIPHER_CTX_free(x);
    out[0] ^= mask[0] & ((out[0] & 0x80) ? 0x0f : 0x1f);
    for (size_t i = 0; i < pnl; i++) out[pn_off + i] ^= mask[1 + i];
    c->EVP_CIPHER_free(gcm);
    c->EVP_CIPHER_free(ecb);
    return hl + pl + 16;
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (h[0] && h[1] && n < cap) {
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1) break;
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

static void tohex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = 0;
}

/* A long header (Initial: with a token length 0) with a 2-byte Length and a pnl-byte number. */
static size_t t_long_header(uint8_t *h, uint32_t version, int type_bits, const uint8_t *dcid, uint8_t dcil,
                            const uint8_t *scid, uint8_t scil, bool initial, size_t pnl, uint64_t pn, size_t plen)
{
    size_t n = 0;
    h[n++] = (uint8_t)(0xc0 | type_bits << 4 | (pnl - 1));
    h[n++] = (uint8_t)(version >> 24); h[n++] = (uint8_t)(version >> 16);
    h[n++] = (uint8_t)(version >> 8); h[n++] = (uint8_t)version;
    h[n++] = dcil; memcpy(h + n, dcid, dcil); n += dcil;
    h[n++] = scil; memcpy(h + n, scid, scil); n += scil;
    if (initial) h[n++] = 0;
    size_t length = pnl + plen + 16;
    h[n++] = (uint8_t)(0x40 | length >> 8); h[n++] = (uint8_t)length;
    for (size_t i = 0; i < pnl; i++) h[n++] = (uint8_t)(pn >> (8 * (pnl - 1 - i)));
    return n;
}

/* A sealed Initial of a version carrying frames, padded with PADDING to `pad_to` bytes of payload. */
static size_t t_initial_v(uint8_t *out, uint32_t version, const struct tk *k, const uint8_t *dcid, uint8_t dcil,
                          const uint8_t *scid, uint8_t scil, uint64_t pn, const uint8_t *frames, size_t fl, size_t pad_to)
{
    uint8_t pay[1500] = { 0 }, hdr[64];
    memcpy(pay, frames, fl);
    size_t pl = fl < pad_to ? pad_to : fl;
    size_t hl = t_long_header(hdr, version, version == V2 ? 1 : 0, dcid, dcil, scid, scil, true, 2, pn, pl);
    return t_protect(k, hdr, hl, 2, pn, pay, pl, out);
}

static size_t t_initial(uint8_t *out, const struct tk *k, const uint8_t *dcid, uint8_t dcil,
                        const uint8_t *scid, uint8_t scil, uint64_t pn, const uint8_t *frames, size_t fl, size_t pad_to)
{
    return t_initial_v(out, 1, k, dcid, dcil, scid, scil, pn, frames, fl, pad_to);
}

/* ---- the RFC's vectors ------------------------------------------------------------------------ */

static const char DCID[] = "8394c8f03e515708";

/* RFC 9001 A.2: the client's CRYPTO frame (its plaintext is this, then PADDING to 1162). */
static const char CLIENT_CRYPTO[] =
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff";

/* RFC 9001 A.3: the server's payload (ACK, CRYPTO with the ServerHello). */
static const char SERVER_PAYLOAD[] =
    "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
    "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
    "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
    "020304";

static const char V1_CLIENT[] =
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
    "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
    "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
    "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
    "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
    "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
    "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
    "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
    "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
    "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
    "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
    "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
    "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
    "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
    "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
    "e221af44860018ab0856972e194cd934";

static const char V1_SERVER[] =
    "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
    "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
    "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
    "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
    "2158407dd074ee";

static const char V1_RETRY[] =
    "ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba";

static const char V2_CLIENT[] =
    "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
    "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
    "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
    "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
    "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
    "cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
    "18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
    "12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
    "d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
    "6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
    "bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
    "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
    "ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
    "16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
    "4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
    "fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
    "8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
    "14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
    "9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
    "abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
    "80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
    "848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
    "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
    "c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
    "7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
    "f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
    "10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
    "3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
    "06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
    "8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
    "34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
    "e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
    "5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
    "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
    "d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
    "6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
    "9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
    "a18b2faa745b6fe189cf772a9f84cbfc";

static const char V2_SERVER[] =
    "dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698"
    "baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17"
    "f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2"
    "c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8"
    "4bed8521e2e140";

static const char V2_RETRY[] =
    "cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6";

/* ---- feeding datagrams ------------------------------------------------------------------------- */

static uint8_t frame_buf[70000];

struct conv { struct th *t; struct pg_ep c, s; };

static struct conv conv_new(uint16_t sport)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct conv v = { trawl_test_new_opts(dirs, NULL, NULL), pg_v4(10, 0, 0, 1, 50000), pg_v4(10, 0, 0, 2, sport) };
    CU_ASSERT_PTR_NOT_NULL_FATAL(v.t);
    return v;
}

/* One UDP datagram from the client (dir 0) or the server (1); caplen cuts the frame (0: none). */
static void dgram_cut(struct conv *v, int dir, const uint8_t *p, size_t n, uint32_t caplen)
{
    size_t len = pg_ipv4(frame_buf, 17, dir ? &v->s : &v->c, dir ? &v->c : &v->s, 0, 0, 0, 0, p, n);
    CU_ASSERT_EQUAL(th_bytes(v->t, 1, frame_buf, caplen && caplen < len ? caplen : (uint32_t)len, (uint32_t)len), 0);
}

static void dgram(struct conv *v, int dir, const uint8_t *p, size_t n) { dgram_cut(v, dir, p, n, 0); }

static void dgram_hex(struct conv *v, int dir, const char *hex)
{
    static uint8_t b[4096];
    dgram(v, dir, b, unhex(hex, b, sizeof b));
}

static bool have_tls(void)
{
    char p[1100];
    snprintf(p, sizeof p, "%s/tls.so", th_plugin_dir());
    return access(p, R_OK) == 0;
}

/* ---- RFC 9001 / RFC 9369 ----------------------------------------------------------------------- */

static void keys_are(uint32_t version, const char *ck, const char *civ, const char *chp,
                     const char *sk, const char *siv, const char *shp)
{
    uint8_t cid[8];
    struct tk c, s;
    char h[80];
    unhex(DCID, cid, 8);
    CU_ASSERT_FATAL(t_keys(version, cid, 8, &c, &s));
    tohex(c.key, 16, h); CU_ASSERT_STRING_EQUAL(h, ck);
    tohex(c.iv, 12, h);  CU_ASSERT_STRING_EQUAL(h, civ);
    tohex(c.hp, 16, h);  CU_ASSERT_STRING_EQUAL(h, chp);
    tohex(s.key, 16, h); CU_ASSERT_STRING_EQUAL(h, sk);
    tohex(s.iv, 12, h);  CU_ASSERT_STRING_EQUAL(h, siv);
    tohex(s.hp, 16, h);  CU_ASSERT_STRING_EQUAL(h, shp);
}

/* The helper against RFC 9001 A.1 and RFC 9369 A.1, then sealing the RFCs' plaintexts gives
 * their protected packets byte for byte (so the helper, and the vectors typed here, are right). */
static void test_helper_vectors(void)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(cf());
    keys_are(1, "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2",
             "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314");
    keys_are(V2, "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9",
             "82db637861d55e1d011f19ea71d5d2a7", "dd13c276499c0249d3310652", "edf6d05c83121201b436e16877593c3a");
    static const struct { uint32_t v; const char *hdr, *pay, *want; size_t pad; bool server; } pk[] = {
        { 1, "c300000001088394c8f03e5157080000449e00000002", CLIENT_CRYPTO, V1_CLIENT, 1162, false },
        { V2, "d36b3343cf088394c8f03e5157080000449e00000002", CLIENT_CRYPTO, V2_CLIENT, 1162, false },
        { 1, "c1000000010008f067a5502a4262b50040750001", SERVER_PAYLOAD, V1_SERVER, 0, true },
        { V2, "d16b3343cf0008f067a5502a4262b50040750001", SERVER_PAYLOAD, V2_SERVER, 0, true },
    };
    uint8_t cid[8];
    unhex(DCID, cid, 8);
    for (size_t i = 0; i < sizeof pk / sizeof *pk; i++) {
        struct tk c, s;
        uint8_t hdr[64], pay[1300] = { 0 }, out[1400], want[1400];
        CU_ASSERT_FATAL(t_keys(pk[i].v, cid, 8, &c, &s));
        size_t hl = unhex(pk[i].hdr, hdr, sizeof hdr), pl = unhex(pk[i].pay, pay, sizeof pay);
        if (pl < pk[i].pad) pl = pk[i].pad;
        size_t pnl = (hdr[0] & 3u) + 1;
        uint64_t pn = 0;
        for (size_t j = 0; j < pnl; j++) pn = pn << 8 | hdr[hl - pnl + j];
        size_t n = t_protect(pk[i].server ? &s : &c, hdr, hl, pnl, pn, pay, pl, out);
        size_t wn = unhex(pk[i].want, want, sizeof want);
        CU_ASSERT_EQUAL(n, wn);
        CU_ASSERT(n == wn && !memcmp(out, want, n));
    }
}

/* The plugin opens the RFC's packets: client Initial, server Initial, Retry (v1 and v2). */
static void rfc_flow(uint32_t version, const char *client, const char *server, const char *retry)
{
    struct conv v = conv_new(443);
    bool v2 = version == V2;
    dgram_hex(&v, 0, client);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), have_tls() ? "eth:ip:udp:quic:tls-handshake" : "eth:ip:udp:quic");
    FIELD_IS(v.t, "quic.version", v2 ? "0x6b3343cf" : "0x00000001");
    FIELD_IS(v.t, v2 ? "quic.long.packet_type_v2" : "quic.long.packet_type", v2 ? "1" : "0");
    FIELD_IS(v.t, "quic.packet_length", "1200");
    FIELD_IS(v.t, "quic.header_form", "1");
    FIELD_IS(v.t, "quic.fixed_bit", "1");
    FIELD_IS(v.t, "quic.long.reserved", "0");
    FIELD_IS(v.t, "quic.packet_number_length", "3");
    FIELD_IS(v.t, "quic.dcil", "8");
    FIELD_IS(v.t, "quic.dcid", DCID);
    FIELD_IS(v.t, "quic.scil", "0");
    FIELD_IS(v.t, "quic.scid", "");
    FIELD_IS(v.t, "quic.token_length", "0");
    FIELD_IS(v.t, "quic.length", "1182");
    FIELD_IS(v.t, "quic.packet_number", "2");
    FIELD_IS(v.t, "quic.frame_type", "6,0");
    FIELD_IS(v.t, "quic.crypto.offset", "0");
    FIELD_IS(v.t, "quic.crypto.length", "241");
    FIELD_IS(v.t, "quic.padding_length", "917");
    CU_ASSERT_EQUAL(th_count(v.t, "quic.decryption_failed"), 0);
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    if (have_tls()) {
        FIELD_IS(v.t, "tls.handshake.type", "1");
        FIELD_IS(v.t, "tls.handshake.extensions_server_name", "example.com");
        FIELD_IS(v.t, "tls.handshake.extensions_alpn_str", "alpn");
    }
    dgram_hex(&v, 1, server);
    FIELD_IS(v.t, "quic.packet_length", "135");
    FIELD_IS(v.t, "quic.packet_number_length", "1");
    FIELD_IS(v.t, "quic.dcil", "0");
    FIELD_IS(v.t, "quic.scid", "f067a5502a4262b5");
    FIELD_IS(v.t, "quic.length", "117");
    FIELD_IS(v.t, "quic.packet_number", "1");
    FIELD_IS(v.t, "quic.frame_type", "2,6");
    FIELD_IS(v.t, "quic.ack.largest_acknowledged", "0");
    FIELD_IS(v.t, "quic.ack.first_ack_range", "0");
    FIELD_IS(v.t, "quic.crypto.offset", "0");
    FIELD_IS(v.t, "quic.crypto.length", "90");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    if (have_tls()) {
        FIELD_IS(v.t, "tls.handshake.type", "2");
        FIELD_IS(v.t, "tls.handshake.ciphersuite", "0x1301");
    }
    dgram_hex(&v, 1, retry);
    FIELD_IS(v.t, v2 ? "quic.long.packet_type_v2" : "quic.long.packet_type", v2 ? "0" : "3");
    FIELD_IS(v.t, "quic.scid", "f067a5502a4262b5");
    FIELD_IS(v.t, "quic.retry_token", "746f6b656e");
    FIELD_IS(v.t, "quic.retry_integrity_tag", v2 ? "c8646ce8bfe33952d955543665dcc7b6" : "04a265ba2eff4d829058fb3f0f2496ba");
    FIELD_IS(v.t, "quic.packet_number", "");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);
}

static void test_rfc9001(void) { rfc_flow(1, V1_CLIENT, V1_SERVER, V1_RETRY); }
static void test_rfc9369(void) { rfc_flow(V2, V2_CLIENT, V2_SERVER, V2_RETRY); }

/* ---- the shared captures ---------------------------------------------------------------------- */

struct frame_want { unsigned frame; const char *field, *value; };

static void capture_is(const char *name, const char *const *versions, unsigned nframes,
                       const struct frame_want *w, size_t nw, bool tls_only)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", th_captures_dir(), name);
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    for (unsigned f = 1; f <= nframes; f++) {
        CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, path, f), 0);
        if (strcmp(th_field(t, "quic.version"), versions[f - 1]))
            fprintf(stderr, "\n%s#%u quic.version: want '%s' got '%s'\n", name, f, versions[f - 1], th_field(t, "quic.version"));
        CU_ASSERT_STRING_EQUAL(th_field(t, "quic.version"), versions[f - 1]);
        for (size_t i = 0; i < nw; i++) {
            if (w[i].frame != f) continue;
            if (tls_only && !have_tls() && !strncmp(w[i].field, "tls.", 4)) continue;
            if (strcmp(th_field(t, w[i].field), w[i].value))
                fprintf(stderr, "\n%s#%u %s: want '%s' got '%s'\n", name, f, w[i].field, w[i].value, th_field(t, w[i].field));
            CU_ASSERT_STRING_EQUAL(th_field(t, w[i].field), w[i].value);
        }
    }
    CU_ASSERT_NOT_EQUAL(trawl_test_file_upto(t, path, nframes + 1), 0);   /* no more frames */
    th_free(t);
}

#define V1x "0x00000001"
#define N 18
static void test_capture_handshake(void)
{
    static const char *const v[N] = { V1x, V1x, V1x, V1x, V1x, V1x, V1x, V1x, "", "", "", "", "", "", "", "", "", "" };
    static const struct frame_want w[] = {
        { 1, "quic.packet_number", "0" }, { 1, "quic.frame_type", "6,0" }, { 1, "quic.crypto.length", "261" },
        { 1, "quic.padding_length", "900" }, { 1, "quic.dcid", "84acac06b42ed863" },
        { 1, "tls.handshake.type", "1" }, { 1, "tls.handshake.extensions_server_name", "localhost" },
        { 1, "tls.handshake.ja3", "9a78264e64e221797705e75a3c55df01" },
        { 2, "quic.frame_type", "6,2" }, { 2, "tls.handshake.type", "2" },
        { 3, "quic.long.packet_type", "2" }, { 3, "quic.length", "1180" }, { 3, "quic.packet_number", "" },
        { 5, "quic.packet_number", "1" }, { 5, "quic.padding_length", "1160" },
        { 9, "quic.short", "1" }, { 9, "quic.packet_length", "21" }, { 9, "quic.dcid", "" },
        { 9, "quic.remaining_payload", "8d21e24596739d0d20f8507197b4bf1da830a887" },
        { 11, "quic.dcid", "51d1e44dc57a579e" }, { 11, "quic.spin_bit", "0" },
        { 17, "quic.spin_bit", "1" },
    };
    capture_is("null-ipv6-quic-v1-handshake.pcap", v, N, w, sizeof w / sizeof *w, true);
}

static void test_capture_truncated(void)
{
    static const char *const v[N] = { V1x, V1x, V1x, V1x, V1x, V1x, V1x, V1x, "", "", "", "", "", "", "", "", "", "" };
    static const struct frame_want w[] = {
        /* Cut at 256 bytes: the header protection comes off (the sample is there), the tag
         * is not: packet number, no frames. */
        { 1, "quic.packet_number", "0" }, { 1, "quic.length", "1182" }, { 1, "quic.frame_type", "" },
        { 1, "quic.packet_length", "1200" },
        { 2, "quic.frame_type", "6,2" }, { 2, "tls.handshake.type", "2" },
        { 5, "quic.packet_number", "1" }, { 5, "quic.frame_type", "" },
        { 6, "quic.remaining_payload", "07dc4bd416084abc749c488b1a94e508b9a18bf6b231" },
    };
    capture_is("quic-v1-truncated-snaplen256-null.pcap", v, N, w, sizeof w / sizeof *w, true);
}
#undef N

static void test_capture_split(void)
{
    static const char *const v[4] = { V1x, V1x, V1x, V1x "," V1x };
    static const struct frame_want w[] = {
        { 1, "quic.crypto.offset", "0" }, { 1, "quic.crypto.length", "1182" }, { 1, "tls.handshake.type", "" },
        { 2, "quic.packet_number", "1" }, { 2, "quic.crypto.offset", "1182" }, { 2, "quic.crypto.length", "396" },
        { 2, "tls.handshake.type", "1" }, { 2, "tls.handshake.extensions_server_name", "" },
        { 2, "tls.handshake.ja3", "0299b052ace53a14c3a04aceb5efd247" },
        { 4, "quic.long.packet_type", "0,2" }, { 4, "quic.frame_type", "3,6" }, { 4, "tls.handshake.type", "2" },
    };
    capture_is("quic-v1-ch-split-multiple-packets-ipv6.pcapng", v, 4, w, sizeof w / sizeof *w, true);
}

static void test_capture_meet(void)
{
    static const char *const v[12] = { "", "", "", "", "", "", V1x, V1x, V1x, V1x, V1x, V1x };
    static const struct frame_want w[] = {
        /* Two CRYPTO frames out of order in one packet: 505+35, then 0+505. */
        { 7, "quic.frame_type", "1,1,1,6,1,0,1,1,6,0" }, { 7, "quic.crypto.offset", "505,0" },
        { 7, "quic.crypto.length", "35,505" }, { 7, "tls.handshake.type", "1" },
        { 7, "tls.handshake.extensions_server_name", "meet.google.com" },
        { 7, "tls.handshake.ja3", "86ba0adabbe377daf6b620f07b59b45c" },
        { 8, "quic.frame_type", "2,6,0" }, { 8, "tls.handshake.type", "2" },
    };
    capture_is("quic-v1-google-meet.pcapng", v, 12, w, sizeof w / sizeof *w, true);
}

static void test_capture_v2(void)
{
    /* QUIC v2 with HTTP/3. The file's Decryption Secrets Block (a TLS key log) opens the
     * Handshake packets, as in tshark; tshark also opens the 1-RTT ones (not done here: its
     * NewSessionTicket, handshake type 4, is missing from frame 2). */
    static const char *const v[19] = { "0x6b3343cf,0x6b3343cf", "0x6b3343cf,0x6b3343cf,0x6b3343cf", "", "0x6b3343cf",
                                       "", "", "", "", "", "", "", "", "", "", "", "", "", "", "" };
    static const struct frame_want w[] = {
        { 1, "quic.long.packet_type_v2", "1,2" }, { 1, "quic.packet_number", "66029" },
        { 1, "quic.token_length", "50" }, { 1, "quic.frame_type", "1,6" }, { 1, "quic.crypto.length", "431" },
        { 1, "tls.handshake.type", "1" }, { 1, "tls.handshake.extensions_server_name", "test" },
        { 1, "tls.handshake.ja3", "5e685944fc983af5eabcc813add3dca1" },
        { 2, "quic.fixed_bit", "0,0,0,1" }, { 2, "quic.packet_number", "128705,0,1" },
        { 2, "quic.frame_type", "3,6,6,6" }, { 2, "quic.ack.ect0_count", "1" },
        { 2, "tls.handshake.type", "2,8,11,15,20" }, { 2, "tls.handshake.extensions_alpn_str", "h3" },
        { 4, "quic.frame_type", "1,3,6" }, { 4, "tls.handshake.type", "20" },
    };
    capture_is("pcapng-sll-dsb-quic-v2-http3.pcapng", v, 19, w, sizeof w / sizeof *w, true);
}

/* JA4 with 'q' (nDPI's outputs: the b and c hashes, the counts; nDPI prints the ALPN part of
 * QUIC hellos as "h0"/"h3" where the JA4 spec gives the first and last characters of the first
 * ALPN value, so that part is checked against the spec). */
static void test_ja4(void)
{
    if (!have_tls()) return;
    static const struct { const char *cap; unsigned frame; const char *ja4; } k[] = {
        { "quic-v1-google-meet.pcapng", 7, "q13d0311h3_55b375c5d22e_5a1f323ef56d" },
        { "pcapng-sll-dsb-quic-v2-http3.pcapng", 1, "q13d0310h3_55b375c5d22e_0a3b52e28cea" },
        { "quic-v1-ch-split-multiple-packets-ipv6.pcapng", 2, "q00i0307h4_55b375c5d22e_af0a630e9e67" },
    };
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", th_captures_dir(), k[i].cap);
        const char *dirs[] = { th_plugin_dir(), NULL };
        struct th *t = trawl_test_new_opts(dirs, NULL, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, path, k[i].frame), 0);
        const char *got = th_field(t, "tls.handshake.ja4");
        CU_ASSERT_EQUAL(strlen(got), 36);
        if (strlen(got) == 36) CU_ASSERT_STRING_EQUAL(got + 10, k[i].ja4 + 10);   /* nDPI's hashes */
        CU_ASSERT_STRING_EQUAL(got, k[i].ja4);
        th_free(t);
    }
}

/* ---- generated traffic -------------------------------------------------------------------------- */

static const uint8_t GDCID[8] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
static const uint8_t GSCID[4] = { 0xc1, 0xc2, 0xc3, 0xc4 };

/* The RFC's ClientHello (241 bytes, SNI example.com) as a CRYPTO frame piece. */
static size_t crypto_frame(uint8_t *out, const uint8_t *ch, size_t off, size_t n)
{
    size_t k = 0;
    out[k++] = 0x06;
    out[k++] = (uint8_t)(0x40 | off >> 8); out[k++] = (uint8_t)off;
    out[k++] = (uint8_t)(0x40 | n >> 8); out[k++] = (uint8_t)n;
    memcpy(out + k, ch + off, n);
    return k + n;
}

static size_t rfc_ch(uint8_t *ch)
{
    uint8_t f[400];
    size_t n = unhex(CLIENT_CRYPTO, f, sizeof f);
    memcpy(ch, f + 4, n - 4);
    return n - 4;
}

static void test_split_reversed(void)
{
    struct tk c, s;
    CU_ASSERT_FATAL(t_keys(1, GDCID, 8, &c, &s));
    uint8_t ch[400], fr[400], pk1[1500], pk2[1500];
    size_t chl = rfc_ch(ch);
    CU_ASSERT_EQUAL_FATAL(chl, 241);
    size_t n1 = t_initial(pk1, &c, GDCID, 8, GSCID, 4, 0, fr, crypto_frame(fr, ch, 0, 100), 1150);
    size_t n2 = t_initial(pk2, &c, GDCID, 8, GSCID, 4, 1, fr, crypto_frame(fr, ch, 100, chl - 100), 1150);
    struct conv v = conv_new(4433);                         /* the heuristic, not the port */
    dgram(&v, 0, pk2, n2);                                  /* the second half first */
    FIELD_IS(v.t, "quic.packet_number", "1");
    FIELD_IS(v.t, "quic.crypto.offset", "100");
    FIELD_IS(v.t, "quic.crypto.length", "141");
    FIELD_IS(v.t, "quic.scid", "c1c2c3c4");
    FIELD_IS(v.t, "tls.handshake.type", "");
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:udp:quic");
    dgram(&v, 0, pk1, n1);
    FIELD_IS(v.t, "quic.packet_number", "0");
    FIELD_IS(v.t, "quic.crypto.offset", "0");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    if (have_tls()) {
        FIELD_IS(v.t, "tls.handshake.type", "1");
        FIELD_IS(v.t, "tls.handshake.extensions_server_name", "example.com");
    }
    /* A retransmission of the first half: nothing new to hand over. */
    dgram(&v, 0, pk1, n1);
    FIELD_IS(v.t, "quic.crypto.offset", "0");
    FIELD_IS(v.t, "tls.handshake.type", "");
    /* A short header from the server: its DCID is the client's SCID (4 bytes). */
    uint8_t sh[40] = { 0x41, 0xc1, 0xc2, 0xc3, 0xc4 };
    for (int i = 5; i < 40; i++) sh[i] = (uint8_t)(i * 7);
    dgram(&v, 1, sh, sizeof sh);
    FIELD_IS(v.t, "quic.short", "1");
    FIELD_IS(v.t, "quic.dcid", "c1c2c3c4");
    FIELD_IS(v.t, "quic.header_form", "0");
    CU_ASSERT_EQUAL(strlen(th_field(v.t, "quic.remaining_payload")), 2 * 35);
    th_free(v.t);

    /* The same short header in a flow that never showed QUIC is not QUIC, unless it is on
     * QUIC's port (a capture that began after the handshake: the DCID's length is unknown). */
    v = conv_new(4433);
    dgram(&v, 1, sh, sizeof sh);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:udp");
    th_free(v.t);
    v = conv_new(443);
    dgram(&v, 1, sh, sizeof sh);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:udp:quic");
    FIELD_IS(v.t, "quic.dcid", "");
    CU_ASSERT_EQUAL(strlen(th_field(v.t, "quic.remaining_payload")), 2 * 39);
    sh[0] = 0x01;                                    /* no fixed bit: not taken without a flow */
    dgram(&v, 1, sh, sizeof sh);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:udp");
    th_free(v.t);
}

/* Client Initial + Handshake packet + zeros in one datagram. */
static void test_coalesced(void)
{
    struct tk c, s;
    CU_ASSERT_FATAL(t_keys(1, GDCID, 8, &c, &s));
    uint8_t d[1500], hs[200];
    static const uint8_t ping[1] = { 0x01 };
    size_t n = t_initial(d, &c, GDCID, 8, GSCID, 4, 7, ping, 1, 20);
    size_t hl = t_long_header(hs, 1, 2, GDCID, 8, GSCID, 4, false, 2, 0, 30);
    for (size_t i = hl; i < hl + 30 + 16; i++) hs[i] = (uint8_t)i;
    memcpy(d + n, hs, hl + 30 + 16);
    size_t total = n + hl + 46;
    memset(d + total, 0, 25);
    struct conv v = conv_new(443);
    dgram(&v, 0, d, total + 25);
    FIELD_IS(v.t, "quic.version", "0x00000001,0x00000001");
    FIELD_IS(v.t, "quic.long.packet_type", "0,2");
    FIELD_IS(v.t, "quic.packet_number", "7");
    FIELD_IS(v.t, "quic.frame_type", "1,0");
    FIELD_IS(v.t, "quic.padding_length", "19");
    FIELD_IS(v.t, "quic.length", "38,48");
    CU_ASSERT_EQUAL(th_count(v.t, "quic.remaining_payload"), 1);
    CU_ASSERT_EQUAL(th_count(v.t, "quic.coalesced_padding_data"), 1);
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);
}

/* Lengths that lie: the Length past the datagram, a token length past it, a CRYPTO frame
 * past its payload; a bad tag. */
static void test_bad_lengths(void)
{
    struct tk c, s;
    CU_ASSERT_FATAL(t_keys(1, GDCID, 8, &c, &s));
    uint8_t d[1500];
    static const uint8_t ping[1] = { 0x01 };
    size_t n = t_initial(d, &c, GDCID, 8, GSCID, 4, 0, ping, 1, 1000);
    /* The Length sits after the token length (offset 1+4+1+8+1+4+1 = 20). */
    uint8_t bad[1500];
    memcpy(bad, d, n);
    bad[20] = 0x44; bad[21] = 0x00;                  /* 1024 > what is left */
    struct conv v = conv_new(443);
    dgram(&v, 0, bad, n);
    FIELD_IS(v.t, "quic.length", "1024");
    FIELD_IS(v.t, "quic.packet_number", "");
    CU_ASSERT(th_layer_errors(v.t, "quic") & TRAWL_BUF_MALFORMED);
    th_free(v.t);

    memcpy(bad, d, n);
    bad[19] = 0x43; bad[20] = 0xff;                  /* a token length of 1023 (eats the Length) */
    v = conv_new(443);
    dgram(&v, 0, bad, 600);
    FIELD_IS(v.t, "quic.token_length", "1023");
    FIELD_IS(v.t, "quic.token", "");
    FIELD_IS(v.t, "quic.length", "");
    CU_ASSERT(th_layer_errors(v.t, "quic") & TRAWL_BUF_MALFORMED);
    th_free(v.t);

    /* A CRYPTO frame claiming more than its payload holds, sealed properly. */
    static const uint8_t lie[6] = { 0x06, 0x00, 0x44, 0x00, 'a', 'b' };
    n = t_initial(d, &c, GDCID, 8, GSCID, 4, 0, lie, sizeof lie, 0);
    v = conv_new(443);
    dgram(&v, 0, d, n);
    FIELD_IS(v.t, "quic.packet_number", "0");
    FIELD_IS(v.t, "quic.crypto.length", "1024");
    CU_ASSERT_EQUAL(th_count(v.t, "quic.protocol_violation"), 1);
    CU_ASSERT(th_layer_errors(v.t, "quic") & TRAWL_BUF_MALFORMED);
    th_free(v.t);

    /* One bit flipped in the ciphertext: the tag does not verify. Not decrypted, not malformed. */
    n = t_initial(d, &c, GDCID, 8, GSCID, 4, 0, ping, 1, 1000);
    d[100] ^= 0x10;
    v = conv_new(443);
    dgram(&v, 0, d, n);
    CU_ASSERT_EQUAL(th_count(v.t, "quic.decryption_failed"), 1);
    FIELD_IS(v.t, "quic.frame_type", "");
    FIELD_IS(v.t, "quic.version", "0x00000001");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    FIELD_IS(v.t, "quic.decryption_failed.count", "1");
    dgram(&v, 0, d, n);                              /* counted per flow */
    FIELD_IS(v.t, "quic.decryption_failed.count", "2");
    th_free(v.t);

    /* Unknown versions are not QUIC for the heuristic; version negotiation is. */
    static const uint8_t vn[] = { 0x80, 0, 0, 0, 0, 4, 1, 2, 3, 4, 4, 5, 6, 7, 8,
                                  0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf, 0x1a, 0x2a, 0x3a, 0x4a };
    v = conv_new(4433);
    dgram(&v, 1, vn, sizeof vn);
    FIELD_IS(v.t, "quic.version", "0x00000000");
    FIELD_IS(v.t, "quic.supported_version", "0x00000001,0x6b3343cf,0x1a2a3a4a");
    FIELD_IS(v.t, "quic.scid", "05060708");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    uint8_t vn_unknown[sizeof vn];
    memcpy(vn_unknown, vn, sizeof vn);
    memset(vn_unknown + 15, 0x12, 12);               /* no version anyone knows: not QUIC */
    th_free(v.t);
    v = conv_new(4433);
    dgram(&v, 1, vn_unknown, sizeof vn_unknown);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:udp");
    uint8_t unk[1200];
    memcpy(unk, d, sizeof unk);
    unk[1] = 0x12;                                   /* version 0x12000001 */
    dgram(&v, 0, unk, sizeof unk);
    th_free(v.t);
    v = conv_new(4433);
    dgram(&v, 0, unk, sizeof unk);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:udp");
    th_free(v.t);
}

/* The RFC's client Initial cut at every byte: fields up to the cut, never past it. */
static void test_every_cut(void)
{
    static uint8_t p[1300];
    size_t n = unhex(V1_CLIENT, p, sizeof p);
    struct conv v = conv_new(443);
    size_t full = pg_ipv4(frame_buf, 17, &v.c, &v.s, 0, 0, 0, 0, p, n);
    static uint8_t fr[1400];
    memcpy(fr, frame_buf, full);
    for (uint32_t cut = 14 + 20 + 8; cut < full; cut++) {
        th_free(v.t);
        v = conv_new(443);                           /* a fresh flow each time */
        CU_ASSERT_EQUAL(th_bytes(v.t, 1, fr, cut, (uint32_t)full), 0);
        uint32_t q = cut - 42;                       /* QUIC bytes captured */
        unsigned e = th_layer_errors(v.t, "quic");
        if (q < 5) {                                 /* not even a version: not taken */
            CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:udp");
            continue;
        }
        CU_ASSERT(!(e & TRAWL_BUF_MALFORMED));
        CU_ASSERT(e & TRAWL_BUF_TRUNCATED);
        CU_ASSERT_STRING_EQUAL(th_field(v.t, "quic.version"), "0x00000001");
        if (q >= 14) CU_ASSERT_STRING_EQUAL(th_field(v.t, "quic.dcid"), DCID);
        /* The sample ends 18 + 4 + 16 bytes in: from there the packet number shows. */
        CU_ASSERT_STRING_EQUAL(th_field(v.t, "quic.packet_number"), q >= 38 ? "2" : "");
        CU_ASSERT_STRING_EQUAL(th_field(v.t, "quic.frame_type"), "");
    }
    th_free(v.t);
    /* And the same cuts of a datagram whose lengths say more than it has (malformed, never
     * read past). */
    for (uint32_t cut = 1; cut < 60; cut++) {
        v = conv_new(443);
        size_t len = pg_ipv4(frame_buf, 17, &v.c, &v.s, 0, 0, 0, 0, p, cut);
        CU_ASSERT_EQUAL(th_bytes(v.t, 1, frame_buf, (uint32_t)len, (uint32_t)len), 0);
        if (strcmp(th_layers(v.t), "eth:ip:udp")) CU_ASSERT(th_layer_errors(v.t, "quic") & TRAWL_BUF_MALFORMED);
        th_free(v.t);
    }
}


/* Frames an Initial carries (ACK with ranges, ACK_ECN, CONNECTION_CLOSE) and ones it may not. */
static void test_frames(void)
{
    struct tk c, s;
    CU_ASSERT_FATAL(t_keys(1, GDCID, 8, &c, &s));
    uint8_t d[1500];
    /* ACK: largest 10, delay 3, 1 range, first 2, gap 1, range 4; ACK_ECN 5..0 0 with 7 8 9;
     * CONNECTION_CLOSE 0x1c: error 0x0a, frame type 6, reason "bad". */
    static const uint8_t fr[] = { 0x02, 10, 3, 1, 2, 1, 4,  0x03, 5, 0, 0, 0, 7, 8, 9,
                                  0x1c, 0x0a, 0x06, 3, 'b', 'a', 'd' };
    size_t n = t_initial(d, &c, GDCID, 8, GSCID, 4, 0, fr, sizeof fr, 0);
    struct conv v = conv_new(443);
    dgram(&v, 0, d, n);
    FIELD_IS(v.t, "quic.frame_type", "2,3,28");
    FIELD_IS(v.t, "quic.ack.largest_acknowledged", "10,5");
    FIELD_IS(v.t, "quic.ack.ack_delay", "3,0");
    FIELD_IS(v.t, "quic.ack.ack_range_count", "1,0");
    FIELD_IS(v.t, "quic.ack.first_ack_range", "2,0");
    FIELD_IS(v.t, "quic.ack.gap", "1");
    FIELD_IS(v.t, "quic.ack.ack_range", "4");
    FIELD_IS(v.t, "quic.ack.ect0_count", "7");
    FIELD_IS(v.t, "quic.ack.ect1_count", "8");
    FIELD_IS(v.t, "quic.ack.ecn_ce_count", "9");
    FIELD_IS(v.t, "quic.cc.error_code", "10");
    FIELD_IS(v.t, "quic.cc.frame_type", "6");
    FIELD_IS(v.t, "quic.cc.reason_phrase", "bad");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);

    /* A STREAM frame in an Initial: a protocol violation (a known type). An ACK whose range
     * count lies. A type nobody defines (0x40 as a 2-byte varint: 0x4040). */
    static const struct { uint8_t f[8]; size_t n; unsigned unknown; const char *types; } bad[] = {
        { { 0x01, 0x08, 0x00, 'x' }, 4, 0, "1,8" },
        { { 0x02, 1, 0, 200, 0 }, 5, 0, "2" },
        { { 0x01, 0x40, 0x40, 0 }, 4, 1, "1,64" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        n = t_initial(d, &c, GDCID, 8, GSCID, 4, 0, bad[i].f, bad[i].n, 0);
        v = conv_new(443);
        dgram(&v, 0, d, n);
        FIELD_IS(v.t, "quic.frame_type", bad[i].types);
        CU_ASSERT_EQUAL(th_count(v.t, "quic.protocol_violation"), 1);
        CU_ASSERT_EQUAL(th_count(v.t, "quic.ft.unknown"), bad[i].unknown);
        CU_ASSERT(th_layer_errors(v.t, "quic") & TRAWL_BUF_MALFORMED);
        th_free(v.t);
    }
}

/* Keys that change: the capture begins with the server's Initial; a Retry; a version
 * negotiation then v2; draft-29's salt. */
static void test_key_changes(void)
{
    struct tk c, s, c2, s2;
    uint8_t d[1500];
    static const uint8_t ping[2] = { 0x01, 0x00 };
    static const uint8_t ack[5] = { 0x02, 0, 0, 0, 0 };
    static const uint8_t B[8] = { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7 };
    CU_ASSERT_FATAL(t_keys(1, GDCID, 8, &c, &s));

    /* The server's Initial first (the client's was not captured), then the client's, then
     * the server's next one. */
    struct conv v = conv_new(443);
    size_t n = t_initial(d, &s, GSCID, 4, B, 8, 0, ack, sizeof ack, 0);
    dgram(&v, 1, d, n);
    CU_ASSERT_EQUAL(th_count(v.t, "quic.decryption_failed"), 1);
    n = t_initial(d, &c, GDCID, 8, GSCID, 4, 0, ping, sizeof ping, 1100);
    dgram(&v, 0, d, n);
    FIELD_IS(v.t, "quic.frame_type", "1,0");
    CU_ASSERT_EQUAL(th_count(v.t, "quic.decryption_failed"), 0);
    n = t_initial(d, &s, GSCID, 4, B, 8, 1, ack, sizeof ack, 0);
    dgram(&v, 1, d, n);
    FIELD_IS(v.t, "quic.frame_type", "2");
    FIELD_IS(v.t, "quic.packet_number", "1");
    th_free(v.t);

    /* Retry: the client's next Initial goes to the server's new CID, whose keys it uses; the
     * server answers with them too. */
    v = conv_new(443);
    uint8_t ch0[400], fr0[400];
    size_t chl0 = rfc_ch(ch0);
    n = t_initial(d, &c, GDCID, 8, GSCID, 4, 0, fr0, crypto_frame(fr0, ch0, 0, chl0), 1100);
    dgram(&v, 0, d, n);
    if (have_tls()) FIELD_IS(v.t, "tls.handshake.type", "1");
    uint8_t retry[64] = { 0xf0, 0, 0, 0, 1, 4, 0xc1, 0xc2, 0xc3, 0xc4, 8 };
    memcpy(retry + 11, B, 8);
    memcpy(retry + 19, "tok", 3);
    memset(retry + 22, 0xaa, 16);
    dgram(&v, 1, retry, 38);
    FIELD_IS(v.t, "quic.retry_token", "746f6b");
    CU_ASSERT_FATAL(t_keys(1, B, 8, &c2, &s2));
    n = t_initial(d, &c2, B, 8, GSCID, 4, 1, ping, sizeof ping, 1100);
    dgram(&v, 0, d, n);
    FIELD_IS(v.t, "quic.frame_type", "1,0");
    FIELD_IS(v.t, "quic.packet_number", "1");
    /* The ClientHello again from offset 0 after the Retry: handed over again. */
    if (have_tls()) {
        uint8_t ch[400], fr[400];
        size_t chl = rfc_ch(ch);
        n = t_initial(d, &c2, B, 8, GSCID, 4, 2, fr, crypto_frame(fr, ch, 0, chl), 1100);
        dgram(&v, 0, d, n);
        FIELD_IS(v.t, "tls.handshake.type", "1");
        n = t_initial(d, &c2, B, 8, GSCID, 4, 3, fr, crypto_frame(fr, ch, 0, chl), 1100);
        dgram(&v, 0, d, n);                          /* a retransmission of it: not again */
        FIELD_IS(v.t, "tls.handshake.type", "");
    }
    n = t_initial(d, &s2, GSCID, 4, B, 8, 0, ack, sizeof ack, 0);
    dgram(&v, 1, d, n);
    FIELD_IS(v.t, "quic.frame_type", "2");
    th_free(v.t);

    /* Version negotiation, then the client's v2 Initial to the same DCID. */
    v = conv_new(443);
    n = t_initial(d, &c, GDCID, 8, GSCID, 4, 0, ping, sizeof ping, 1100);
    dgram(&v, 0, d, n);
    static const uint8_t vn[] = { 0x80, 0, 0, 0, 0, 4, 0xc1, 0xc2, 0xc3, 0xc4, 8,
                                  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x6b, 0x33, 0x43, 0xcf };
    dgram(&v, 1, vn, sizeof vn);
    FIELD_IS(v.t, "quic.supported_version", "0x6b3343cf");
    CU_ASSERT_FATAL(t_keys(V2, GDCID, 8, &c2, &s2));
    n = t_initial_v(d, V2, &c2, GDCID, 8, GSCID, 4, 1, ping, sizeof ping, 1100);
    dgram(&v, 0, d, n);
    FIELD_IS(v.t, "quic.version", "0x6b3343cf");
    FIELD_IS(v.t, "quic.long.packet_type_v2", "1");
    FIELD_IS(v.t, "quic.frame_type", "1,0");
    th_free(v.t);

    /* draft-29 (its own salt), through the heuristic. */
    CU_ASSERT_FATAL(t_keys(D29, GDCID, 8, &c2, &s2));
    v = conv_new(8443);
    n = t_initial_v(d, D29, &c2, GDCID, 8, GSCID, 4, 0, ping, sizeof ping, 1100);
    dgram(&v, 0, d, n);
    FIELD_IS(v.t, "quic.version", "0xff00001d");
    FIELD_IS(v.t, "quic.frame_type", "1,0");
    th_free(v.t);

    /* A CID longer than 20 bytes in version 1: not QUIC for the heuristic. */
    uint8_t big[1200];
    memset(big, 0x5a, sizeof big);
    big[0] = 0xc0; big[1] = 0; big[2] = 0; big[3] = 0; big[4] = 1; big[5] = 21;
    v = conv_new(8443);
    dgram(&v, 0, big, sizeof big);
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:udp");
    th_free(v.t);
}

/* CRYPTO data far past the cap: dropped and counted, shown as quic.crypto.cut. */
static void test_crypto_cap(void)
{
    struct tk c, s;
    CU_ASSERT_FATAL(t_keys(1, GDCID, 8, &c, &s));
    uint8_t d[1500];
    /* offset 70000 (4-byte varint), length 10 */
    static const uint8_t fr[] = { 0x06, 0x80, 0x01, 0x11, 0x70, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    size_t n = t_initial(d, &c, GDCID, 8, GSCID, 4, 0, fr, sizeof fr, 1100);
    struct conv v = conv_new(443);
    dgram(&v, 0, d, n);
    FIELD_IS(v.t, "quic.crypto.offset", "70000");
    FIELD_IS(v.t, "quic.crypto.cut", "10");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    th_free(v.t);
}


/* With a key log (-o quic.keylog=FILE): the Handshake packets of the v2 capture open (the
 * secrets are the capture's own Decryption Secrets Block lines for its ClientHello), and
 * their CRYPTO frames reach tls: EncryptedExtensions (ALPN), Certificate, CertificateVerify,
 * Finished, as tshark shows them with the same secrets. */
static void test_keylog(void)
{
    static const char *const lines[2] = {
        "SERVER_HANDSHAKE_TRAFFIC_SECRET ed7d246300a798f2f2fda6a86e07c9590cc1229e2006788590d94907ded70f74 "
        "a5fc2ad4672b55df30dbbb7d9d972278c9b7ecbeed7f3162eee75a1340e440e1\n",
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET ed7d246300a798f2f2fda6a86e07c9590cc1229e2006788590d94907ded70f74 "
        "a1c57bd61760be2a813160b7b06f581e80f9b970376777cc5a6dba6b82e354bb\n",
    };
    char kl[64], opt[128], path[600];
    snprintf(kl, sizeof kl, "/tmp/trawl-quic-keylog-%d.txt", (int)getpid());
    snprintf(path, sizeof path, "%s/pcapng-sll-dsb-quic-v2-http3.pcapng", th_captures_dir());
    for (int bad = 0; bad < 2; bad++) {
        FILE *f = fopen(kl, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs("# comment\nCLIENT_RANDOM 00 00\n", f);
        fputs(lines[0], f);
        if (!bad) fputs(lines[1], f);
        else fputs("CLIENT_HANDSHAKE_TRAFFIC_SECRET ed7d246300a798f2f2fda6a86e07c9590cc1229e2006788590d94907ded70f74 "
                   "a1c57bd61760be2a813160b7b06f581e80f9b970376777cc5a6dba6b82e354bc\n", f);   /* one bit off */
        fclose(f);
        snprintf(opt, sizeof opt, "quic.keylog=%s", kl);
        const char *dirs[] = { th_plugin_dir(), NULL }, *opts[] = { opt, NULL };
        struct th *t = trawl_test_new_opts(dirs, NULL, opts);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, path, 2), 0);
        FIELD_IS(t, "quic.packet_number", "128705,0,1");    /* the server's secret is right */
        FIELD_IS(t, "quic.frame_type", "3,6,6,6");
        FIELD_IS(t, "quic.crypto.length", "123,999,313");   /* tshark adds the 1-RTT one: 122 */
        if (have_tls()) {
            FIELD_IS(t, "tls.handshake.type", "2,8,11,15,20");  /* tshark: and 4 (1-RTT) */
            FIELD_IS(t, "tls.handshake.extensions_alpn_str", "h3");
        }
        CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, path, 4), 0);
        /* The client's Handshake packet: PING, ACK, CRYPTO with its Finished (one bit off in
         * its secret: the tag does not verify). */
        if (!bad) FIELD_IS(t, "quic.packet_number", "0");
        FIELD_IS(t, "quic.frame_type", bad ? "" : "1,3,6");
        CU_ASSERT_EQUAL(th_count(t, "quic.decryption_failed"), bad ? 1 : 0);
        if (have_tls()) FIELD_IS(t, "tls.handshake.type", bad ? "" : "20");
        th_free(t);
    }
    unlink(kl);
    /* A key log that cannot be read: the plugin is refused (not a silent run without it). */
    snprintf(opt, sizeof opt, "quic.keylog=/nonexistent/trawl-quic-keylog");
    const char *dirs[] = { th_plugin_dir(), NULL }, *opts[] = { opt, NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, opts);
    if (t) {
        CU_ASSERT_EQUAL(trawl_test_file_upto(t, path, 1), 0);
        FIELD_IS(t, "quic.version", "");
        th_free(t);
    }
}


/* The engine's key log: the same secrets given with -o tls.keylog_file (no DSB needed), and a
 * Decryption Secrets Block that comes only after the packets it would open is not used for
 * them (a one-pass reader cannot, and the output must not depend on the worker threads). */
static uint32_t rd32le(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static void test_engine_keylog(void)
{
    char path[600], moved[64], kl[64], opt[128];
    snprintf(path, sizeof path, "%s/pcapng-sll-dsb-quic-v2-http3.pcapng", th_captures_dir());
    FILE *f = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* The same file with its DSB (little-endian blocks: type 0x0000000a) moved to the end; the
     * DSB's own key log text also goes to a file for -o tls.keylog_file. */
    snprintf(moved, sizeof moved, "/tmp/trawl-quic-dsb-last-%d.pcapng", (int)getpid());
    snprintf(kl, sizeof kl, "/tmp/trawl-quic-tlskeylog-%d.txt", (int)getpid());
    FILE *o = fopen(moved, "wb"), *k = fopen(kl, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    const uint8_t *dsb = NULL;
    uint32_t dsb_len = 0;
    for (size_t off = 0; off + 12 <= n;) {
        uint32_t type = rd32le(buf + off), len = rd32le(buf + off + 4);
        if (len < 12 || off + len > n) break;
        if (type == 0x0000000a) {
            dsb = buf + off;
            dsb_len = len;
            fwrite(buf + off + 16, 1, rd32le(buf + off + 12), k);
        } else {
            fwrite(buf + off, 1, len, o);
        }
        off += len;
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(dsb);
    fwrite(dsb, 1, dsb_len, o);
    fclose(o);
    fclose(k);
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, moved, 2), 0);
    FIELD_IS(t, "quic.packet_number", "128705");          /* the Handshake packets stay shut */
    FIELD_IS(t, "quic.frame_type", "3,6");
    th_free(t);
    snprintf(opt, sizeof opt, "tls.keylog_file=%s", kl);
    const char *opts[] = { opt, NULL };
    t = trawl_test_new_opts(dirs, NULL, opts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL_FATAL(trawl_test_file_upto(t, moved, 2), 0);
    FIELD_IS(t, "quic.packet_number", "128705,0,1");
    FIELD_IS(t, "quic.frame_type", "3,6,6,6");
    if (have_tls()) FIELD_IS(t, "tls.handshake.type", "2,8,11,15,20");
    th_free(t);
    unlink(moved);
    unlink(kl);
    /* A key log file that cannot be read stops the engine's start, with its name. */
    const char *bad[] = { "tls.keylog_file=/nonexistent/trawl-keylog", NULL };
    t = trawl_test_new_opts(dirs, NULL, bad);
    CU_ASSERT_PTR_NULL(t);
    if (t) th_free(t);
}

/* TLS_AES_256_GCM_SHA384 chosen by the ServerHello: the Handshake keys come from 48-byte
 * secrets through SHA-384, AES-256-GCM and AES-256-ECB header protection. */
static void test_keylog_aes256(void)
{
    struct tk c, s, hs;
    CU_ASSERT_FATAL(t_keys(1, GDCID, 8, &c, &s));
    uint8_t ch[400], fr[400], d[1500];
    size_t chl = rfc_ch(ch);
    memset(ch + 6, 0x11, 32);                        /* the ClientHello's random */
    static const uint8_t sh[44] = { 0x02, 0, 0, 40, 0x03, 0x03,
                                    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
                                    0, 0x13, 0x02, 0, 0, 0 };
    uint8_t secret[48];
    for (int i = 0; i < 48; i++) secret[i] = (uint8_t)(0xa0 + i);
    char kl[64], opt[128], line[600];
    snprintf(kl, sizeof kl, "/tmp/trawl-quic-keylog256-%d.txt", (int)getpid());
    FILE *f = fopen(kl, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char rnd[65], sec[97];
    memset(rnd, 0, sizeof rnd);
    for (int i = 0; i < 32; i++) memcpy(rnd + 2 * i, "11", 2);
    tohex(secret, 48, sec);
    snprintf(line, sizeof line, "SERVER_HANDSHAKE_TRAFFIC_SECRET %s %s\nCLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s\n",
             rnd, sec, rnd, sec);
    fputs(line, f);
    fclose(f);
    snprintf(opt, sizeof opt, "quic.keylog=%s", kl);
    const char *dirs[] = { th_plugin_dir(), NULL }, *opts[] = { opt, NULL };
    struct conv v = { trawl_test_new_opts(dirs, NULL, opts), pg_v4(10, 0, 0, 1, 50000), pg_v4(10, 0, 0, 2, 443) };
    CU_ASSERT_PTR_NOT_NULL_FATAL(v.t);
    size_t n = t_initial(d, &c, GDCID, 8, GSCID, 4, 0, fr, crypto_frame(fr, ch, 0, chl), 1100);
    dgram(&v, 0, d, n);
    n = t_initial(d, &s, GSCID, 4, GDCID, 8, 0, fr, crypto_frame(fr, sh, 0, sizeof sh), 0);
    dgram(&v, 1, d, n);
    FIELD_IS(v.t, "quic.crypto.length", "44");
    /* The server's Handshake packet: an EncryptedExtensions with no extensions. */
    hs.klen = 32;
    CU_ASSERT_FATAL(t_label384(secret, "quic key", hs.key, 32) && t_label384(secret, "quic iv", hs.iv, 12) &&
                    t_label384(secret, "quic hp", hs.hp, 32));
    static const uint8_t ee[6] = { 0x08, 0, 0, 2, 0, 0 };
    uint8_t pay[64], hdr[64];
    size_t pl = crypto_frame(pay, ee, 0, sizeof ee);
    size_t hl = t_long_header(hdr, 1, 2, GSCID, 4, GDCID, 8, false, 2, 0, pl);
    n = t_protect(&hs, hdr, hl, 2, 0, pay, pl, d);
    dgram(&v, 1, d, n);
    FIELD_IS(v.t, "quic.long.packet_type", "2");
    FIELD_IS(v.t, "quic.packet_number", "0");
    FIELD_IS(v.t, "quic.frame_type", "6");
    FIELD_IS(v.t, "quic.crypto.length", "6");
    CU_ASSERT_EQUAL(th_count(v.t, "quic.decryption_failed"), 0);
    if (have_tls()) FIELD_IS(v.t, "tls.handshake.type", "8");
    th_free(v.t);
    unlink(kl);
}

/* ---- the reassembly ------------------------------------------------------------------------------ */

static void test_reasm(void)
{
    struct quic_reasm r;
    memset(&r, 0, sizeof r);
    uint8_t a[300];
    for (int i = 0; i < 300; i++) a[i] = (uint8_t)i;
    quic_reasm_add(&r, 100, a + 100, 50);
    quic_reasm_add(&r, 200, a + 200, 50);
    CU_ASSERT_EQUAL(r.nr, 2);
    quic_reasm_add(&r, 120, a + 120, 90);            /* bridges both */
    CU_ASSERT_EQUAL(r.nr, 1);
    CU_ASSERT_EQUAL(r.r[0].s, 100);
    CU_ASSERT_EQUAL(r.r[0].e, 250);
    uint8_t other[300];
    memset(other, 0xee, sizeof other);
    quic_reasm_add(&r, 110, other, 20);              /* a conflicting copy: the first wins */
    CU_ASSERT_EQUAL(r.buf[110], 110);
    quic_reasm_add(&r, 0, a, 100);                   /* adjacent: merges */
    CU_ASSERT_EQUAL(r.nr, 1);
    CU_ASSERT_EQUAL(r.r[0].s, 0);
    CU_ASSERT(!memcmp(r.buf, a, 250));
    CU_ASSERT_EQUAL(r.cut, 0);
    /* Past the cap: cut and counted. */
    quic_reasm_add(&r, QUIC_CRYPTO_MAX - 10, a, 30);
    CU_ASSERT(r.cut >= 20);
    /* Far ahead of what is held (250 bytes): the buffer would outgrow it 4 times. */
    uint64_t cut = r.cut;
    quic_reasm_add(&r, 20000, a, 10);
    CU_ASSERT_EQUAL(r.cut, cut + 10);
    CU_ASSERT(r.cap <= QUIC_GROW_FLOOR);
    /* Within the floor: kept (a ClientHello's second packet first). */
    quic_reasm_add(&r, 5000, a, 10);
    CU_ASSERT_EQUAL(r.cut, cut + 10);
    CU_ASSERT_EQUAL(r.nr, 2);
    quic_reasm_free(&r);
    memset(&r, 0, sizeof r);
    quic_reasm_add(&r, 1182, a, 100);                /* nothing held: 1282 < the floor */
    CU_ASSERT_EQUAL(r.nr, 1);
    CU_ASSERT_EQUAL(r.cut, 0);
    /* Too many pieces: the 17th and later are dropped and counted. */
    for (int i = 0; i < 20; i++) quic_reasm_add(&r, 1300 + 100 * (uint64_t)i, a, 10);
    CU_ASSERT_EQUAL(r.nr, QUIC_RANGES);
    CU_ASSERT_EQUAL(r.cut, 50);                      /* 15 kept beside the first, 5 dropped */
    quic_reasm_free(&r);
    CU_ASSERT_PTR_NULL(r.buf);
}

void test_quic_register(void);
void test_quic_register(void)
{
    CU_pSuite s = CU_add_suite("quic", NULL, NULL);
    CU_add_test(s, "sealing helper against RFC 9001 / RFC 9369 A.1-A.3", test_helper_vectors);
    CU_add_test(s, "RFC 9001: client and server Initial opened, Retry", test_rfc9001);
    CU_add_test(s, "RFC 9369 (v2): client and server Initial opened, Retry", test_rfc9369);
    CU_add_test(s, "capture: null-ipv6-quic-v1-handshake", test_capture_handshake);
    CU_add_test(s, "capture: quic-v1-truncated-snaplen256-null", test_capture_truncated);
    CU_add_test(s, "capture: quic-v1-ch-split-multiple-packets-ipv6", test_capture_split);
    CU_add_test(s, "capture: quic-v1-google-meet", test_capture_meet);
    CU_add_test(s, "capture: pcapng-sll-dsb-quic-v2-http3", test_capture_v2);
    CU_add_test(s, "JA4 (q) of the captures' ClientHellos", test_ja4);
    CU_add_test(s, "generated: ClientHello split in two, reversed; a short header", test_split_reversed);
    CU_add_test(s, "generated: a coalesced datagram", test_coalesced);
    CU_add_test(s, "lying lengths, a bad tag, versions", test_bad_lengths);
    CU_add_test(s, "a real Initial cut at every byte", test_every_cut);
    CU_add_test(s, "frames: ACK ranges, ACK_ECN, CONNECTION_CLOSE, violations", test_frames);
    CU_add_test(s, "keys: server first, Retry, version negotiation, draft-29", test_key_changes);
    CU_add_test(s, "CRYPTO past the cap is counted", test_crypto_cap);
    CU_add_test(s, "key log: the v2 capture's Handshake packets", test_keylog);
    CU_add_test(s, "key log: TLS_AES_256_GCM_SHA384", test_keylog_aes256);
    CU_add_test(s, "the engine's key log: -o tls.keylog_file, a DSB after its packets", test_engine_keylog);
    CU_add_test(s, "CRYPTO reassembly: overlaps, conflicts, caps", test_reasm);
}
