/* names.c — value names: cipher suites (IANA TLS Cipher Suites registry names), named groups
 * as Zeek's ssl.log prints them, alert descriptions (Zeek's spelling), versions, content and
 * handshake types and extension names for -V. */
#include <stdio.h>
#include <stdlib.h>

#include "tls.h"

struct cipher_name { uint16_t id; const char *name; };

/* Sorted by id (binary search). */
static const struct cipher_name ciphers[] = {
    { 0x0000, "TLS_NULL_WITH_NULL_NULL" },
    { 0x0001, "TLS_RSA_WITH_NULL_MD5" },
    { 0x0002, "TLS_RSA_WITH_NULL_SHA" },
    { 0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5" },
    { 0x0004, "TLS_RSA_WITH_RC4_128_MD5" },
    { 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },
    { 0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5" },
    { 0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA" },
    { 0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA" },
    { 0x0009, "TLS_RSA_WITH_DES_CBC_SHA" },
    { 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0x000b, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA" },
    { 0x000c, "TLS_DH_DSS_WITH_DES_CBC_SHA" },
    { 0x000d, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA" },
    { 0x000e, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA" },
    { 0x000f, "TLS_DH_RSA_WITH_DES_CBC_SHA" },
    { 0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA" },
    { 0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA" },
    { 0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA" },
    { 0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA" },
    { 0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA" },
    { 0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5" },
    { 0x0018, "TLS_DH_anon_WITH_RC4_128_MD5" },
    { 0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA" },
    { 0x001a, "TLS_DH_anon_WITH_DES_CBC_SHA" },
    { 0x001b, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" },
    { 0x002c, "TLS_PSK_WITH_NULL_SHA" },
    { 0x002d, "TLS_DHE_PSK_WITH_NULL_SHA" },
    { 0x002e, "TLS_RSA_PSK_WITH_NULL_SHA" },
    { 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
    { 0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA" },
    { 0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA" },
    { 0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA" },
    { 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
    { 0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA" },
    { 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
    { 0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA" },
    { 0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA" },
    { 0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA" },
    { 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
    { 0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA" },
    { 0x003b, "TLS_RSA_WITH_NULL_SHA256" },
    { 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
    { 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
    { 0x003e, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256" },
    { 0x003f, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256" },
    { 0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256" },
    { 0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA" },
    { 0x0042, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA" },
    { 0x0043, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA" },
    { 0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA" },
    { 0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA" },
    { 0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA" },
    { 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
    { 0x0068, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256" },
    { 0x0069, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256" },
    { 0x006a, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256" },
    { 0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
    { 0x006c, "TLS_DH_anon_WITH_AES_128_CBC_SHA256" },
    { 0x006d, "TLS_DH_anon_WITH_AES_256_CBC_SHA256" },
    { 0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA" },
    { 0x0085, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA" },
    { 0x0086, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA" },
    { 0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA" },
    { 0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA" },
    { 0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA" },
    { 0x008c, "TLS_PSK_WITH_AES_128_CBC_SHA" },
    { 0x008d, "TLS_PSK_WITH_AES_256_CBC_SHA" },
    { 0x0090, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA" },
    { 0x0091, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA" },
    { 0x0094, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA" },
    { 0x0095, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA" },
    { 0x0097, "TLS_DH_DSS_WITH_SEED_CBC_SHA" },
    { 0x0098, "TLS_DH_RSA_WITH_SEED_CBC_SHA" },
    { 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
    { 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
    { 0x00a0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256" },
    { 0x00a1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384" },
    { 0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256" },
    { 0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384" },
    { 0x00a4, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256" },
    { 0x00a5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384" },
    { 0x00a6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256" },
    { 0x00a7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384" },
    { 0x00a8, "TLS_PSK_WITH_AES_128_GCM_SHA256" },
    { 0x00a9, "TLS_PSK_WITH_AES_256_GCM_SHA384" },
    { 0x00aa, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256" },
    { 0x00ab, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384" },
    { 0x00ac, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256" },
    { 0x00ad, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384" },
    { 0x00ae, "TLS_PSK_WITH_AES_128_CBC_SHA256" },
    { 0x00af, "TLS_PSK_WITH_AES_256_CBC_SHA384" },
    { 0x00b0, "TLS_PSK_WITH_NULL_SHA256" },
    { 0x00b1, "TLS_PSK_WITH_NULL_SHA384" },
    { 0x00b2, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256" },
    { 0x00b3, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384" },
    { 0x00b4, "TLS_DHE_PSK_WITH_NULL_SHA256" },
    { 0x00b5, "TLS_DHE_PSK_WITH_NULL_SHA384" },
    { 0x00b6, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256" },
    { 0x00b7, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384" },
    { 0x00b8, "TLS_RSA_PSK_WITH_NULL_SHA256" },
    { 0x00b9, "TLS_RSA_PSK_WITH_NULL_SHA384" },
    { 0x00ba, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0x00bd, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0x00be, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0x00bf, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0x00c0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256" },
    { 0x00c3, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256" },
    { 0x00c4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256" },
    { 0x00c5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256" },
    { 0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },
    { 0x1301, "TLS_AES_128_GCM_SHA256" },
    { 0x1302, "TLS_AES_256_GCM_SHA384" },
    { 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
    { 0x1304, "TLS_AES_128_CCM_SHA256" },
    { 0x1305, "TLS_AES_128_CCM_8_SHA256" },
    { 0x5600, "TLS_FALLBACK_SCSV" },
    { 0xc001, "TLS_ECDH_ECDSA_WITH_NULL_SHA" },
    { 0xc002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA" },
    { 0xc003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA" },
    { 0xc004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA" },
    { 0xc005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA" },
    { 0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA" },
    { 0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" },
    { 0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA" },
    { 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
    { 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
    { 0xc00b, "TLS_ECDH_RSA_WITH_NULL_SHA" },
    { 0xc00c, "TLS_ECDH_RSA_WITH_RC4_128_SHA" },
    { 0xc00d, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0xc00e, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA" },
    { 0xc00f, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA" },
    { 0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA" },
    { 0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" },
    { 0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
    { 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
    { 0xc015, "TLS_ECDH_anon_WITH_NULL_SHA" },
    { 0xc016, "TLS_ECDH_anon_WITH_RC4_128_SHA" },
    { 0xc017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA" },
    { 0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA" },
    { 0xc019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA" },
    { 0xc01a, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA" },
    { 0xc01b, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA" },
    { 0xc01c, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA" },
    { 0xc01d, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA" },
    { 0xc01e, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA" },
    { 0xc01f, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA" },
    { 0xc020, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA" },
    { 0xc021, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA" },
    { 0xc022, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA" },
    { 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
    { 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
    { 0xc025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256" },
    { 0xc026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384" },
    { 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
    { 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
    { 0xc029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256" },
    { 0xc02a, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384" },
    { 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
    { 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
    { 0xc02d, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256" },
    { 0xc02e, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384" },
    { 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
    { 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
    { 0xc031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256" },
    { 0xc032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384" },
    { 0xc034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA" },
    { 0xc035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA" },
    { 0xc036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA" },
    { 0xc037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256" },
    { 0xc038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384" },
    { 0xc039, "TLS_ECDHE_PSK_WITH_NULL_SHA" },
    { 0xc03a, "TLS_ECDHE_PSK_WITH_NULL_SHA256" },
    { 0xc03b, "TLS_ECDHE_PSK_WITH_NULL_SHA384" },
    { 0xc050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256" },
    { 0xc051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384" },
    { 0xc052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256" },
    { 0xc053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384" },
    { 0xc056, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256" },
    { 0xc057, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384" },
    { 0xc05c, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256" },
    { 0xc05d, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384" },
    { 0xc060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256" },
    { 0xc061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384" },
    { 0xc06a, "TLS_PSK_WITH_ARIA_128_GCM_SHA256" },
    { 0xc06b, "TLS_PSK_WITH_ARIA_256_GCM_SHA384" },
    { 0xc06c, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256" },
    { 0xc06d, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384" },
    { 0xc06e, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256" },
    { 0xc06f, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384" },
    { 0xc072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0xc073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384" },
    { 0xc076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0xc077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384" },
    { 0xc094, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0xc095, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
    { 0xc096, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0xc097, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
    { 0xc098, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0xc099, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
    { 0xc09a, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" },
    { 0xc09b, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" },
    { 0xc09c, "TLS_RSA_WITH_AES_128_CCM" },
    { 0xc09d, "TLS_RSA_WITH_AES_256_CCM" },
    { 0xc09e, "TLS_DHE_RSA_WITH_AES_128_CCM" },
    { 0xc09f, "TLS_DHE_RSA_WITH_AES_256_CCM" },
    { 0xc0a0, "TLS_RSA_WITH_AES_128_CCM_8" },
    { 0xc0a1, "TLS_RSA_WITH_AES_256_CCM_8" },
    { 0xc0a2, "TLS_DHE_RSA_WITH_AES_128_CCM_8" },
    { 0xc0a3, "TLS_DHE_RSA_WITH_AES_256_CCM_8" },
    { 0xc0a4, "TLS_PSK_WITH_AES_128_CCM" },
    { 0xc0a5, "TLS_PSK_WITH_AES_256_CCM" },
    { 0xc0a6, "TLS_DHE_PSK_WITH_AES_128_CCM" },
    { 0xc0a7, "TLS_DHE_PSK_WITH_AES_256_CCM" },
    { 0xc0a8, "TLS_PSK_WITH_AES_128_CCM_8" },
    { 0xc0a9, "TLS_PSK_WITH_AES_256_CCM_8" },
    { 0xc0aa, "TLS_PSK_DHE_WITH_AES_128_CCM_8" },
    { 0xc0ab, "TLS_PSK_DHE_WITH_AES_256_CCM_8" },
    { 0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" },
    { 0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM" },
    { 0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" },
    { 0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8" },
    { 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xccab, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xccac, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xccad, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
    { 0xccae, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256" },
};

static int cmp_cipher(const void *k, const void *e)
{
    uint16_t a = *(const uint16_t *)k, b = ((const struct cipher_name *)e)->id;
    return a < b ? -1 : a > b;
}

const char *tls_cipher_name(uint16_t id)
{
    const struct cipher_name *c = bsearch(&id, ciphers, sizeof ciphers / sizeof *ciphers,
                                          sizeof *ciphers, cmp_cipher);
    return c ? c->name : NULL;
}

/* Named groups (RFC 8422, 7919, 8446 and later code points) as Zeek's SSL::ec_curves names
 * them. */
const struct trawl_value_name tls_group_names[] = {
    { 1, "sect163k1" }, { 2, "sect163r1" }, { 3, "sect163r2" }, { 4, "sect193r1" },
    { 5, "sect193r2" }, { 6, "sect233k1" }, { 7, "sect233r1" }, { 8, "sect239k1" },
    { 9, "sect283k1" }, { 10, "sect283r1" }, { 11, "sect409k1" }, { 12, "sect409r1" },
    { 13, "sect571k1" }, { 14, "sect571r1" }, { 15, "secp160k1" }, { 16, "secp160r1" },
    { 17, "secp160r2" }, { 18, "secp192k1" }, { 19, "secp192r1" }, { 20, "secp224k1" },
    { 21, "secp224r1" }, { 22, "secp256k1" }, { 23, "secp256r1" }, { 24, "secp384r1" },
    { 25, "secp521r1" }, { 26, "brainpoolP256r1" }, { 27, "brainpoolP384r1" },
    { 28, "brainpoolP512r1" }, { 29, "x25519" }, { 30, "x448" },
    { 31, "brainpoolP256r1tls13" }, { 32, "brainpoolP384r1tls13" }, { 33, "brainpoolP512r1tls13" },
    { 256, "ffdhe2048" }, { 257, "ffdhe3072" }, { 258, "ffdhe4096" }, { 259, "ffdhe6144" },
    { 260, "ffdhe8192" }, { 0x11eb, "SecP256r1MLKEM768" }, { 0x11ec, "X25519MLKEM768" },
    { 0x6399, "X25519Kyber768Draft00" }, { 0xff01, "arbitrary_explicit_prime_curves" },
    { 0xff02, "arbitrary_explicit_char2_curves" }, { 0, NULL },
};

static const char *lookup(const struct trawl_value_name *t, uint64_t v)
{
    for (; t->name; t++)
        if (t->value == v) return t->name;
    return NULL;
}

const char *tls_group_name(uint16_t id) { return lookup(tls_group_names, id); }

const struct trawl_value_name tls_alert_desc_names[] = {
    { 0, "close_notify" }, { 10, "unexpected_message" }, { 20, "bad_record_mac" },
    { 21, "decryption_failed" }, { 22, "record_overflow" }, { 30, "decompression_failure" },
    { 40, "handshake_failure" }, { 41, "no_certificate" }, { 42, "bad_certificate" },
    { 43, "unsupported_certificate" }, { 44, "certificate_revoked" }, { 45, "certificate_expired" },
    { 46, "certificate_unknown" }, { 47, "illegal_parameter" }, { 48, "unknown_ca" },
    { 49, "access_denied" }, { 50, "decode_error" }, { 51, "decrypt_error" },
    { 60, "export_restriction" }, { 70, "protocol_version" }, { 71, "insufficient_security" },
    { 80, "internal_error" }, { 86, "inappropriate_fallback" }, { 90, "user_canceled" },
    { 100, "no_renegotiation" }, { 109, "missing_extension" }, { 110, "unsupported_extension" },
    { 111, "certificate_unobtainable" }, { 112, "unrecognized_name" },
    { 113, "bad_certificate_status_response" }, { 114, "bad_certificate_hash_value" },
    { 115, "unknown_psk_identity" }, { 116, "certificate_required" },
    { 120, "no_application_protocol" }, { 121, "ech_required" }, { 0, NULL },
};

const char *tls_alert_name(uint8_t desc) { return lookup(tls_alert_desc_names, desc); }

const struct trawl_value_name tls_alert_level_names[] = {
    { 1, "Warning" }, { 2, "Fatal" }, { 0, NULL },
};

const struct trawl_value_name tls_ct_names[] = {
    { 20, "Change Cipher Spec" }, { 21, "Alert" }, { 22, "Handshake" },
    { 23, "Application Data" }, { 24, "Heartbeat" }, { 0, NULL },
};

const struct trawl_value_name tls_hs_names[] = {
    { 0, "Hello Request" }, { 1, "Client Hello" }, { 2, "Server Hello" },
    { 3, "Hello Verify Request" }, { 4, "New Session Ticket" }, { 5, "End of Early Data" },
    { 6, "Hello Retry Request" }, { 8, "Encrypted Extensions" }, { 11, "Certificate" },
    { 12, "Server Key Exchange" }, { 13, "Certificate Request" }, { 14, "Server Hello Done" },
    { 15, "Certificate Verify" }, { 16, "Client Key Exchange" }, { 20, "Finished" },
    { 21, "Certificate URL" }, { 22, "Certificate Status" }, { 23, "Supplemental Data" },
    { 24, "Key Update" }, { 25, "Compressed Certificate" }, { 254, "Message Hash" }, { 0, NULL },
};

const char *tls_hs_type_name(uint8_t t)
{
    const char *n = lookup(tls_hs_names, t);
    return n ? n : "Unknown";
}

const struct trawl_value_name tls_version_names[] = {
    { 0x0002, "SSL 2.0" }, { 0x0300, "SSL 3.0" }, { 0x0301, "TLS 1.0" }, { 0x0302, "TLS 1.1" },
    { 0x0303, "TLS 1.2" }, { 0x0304, "TLS 1.3" }, { 0xfeff, "DTLS 1.0" }, { 0xfefd, "DTLS 1.2" },
    { 0xfefc, "DTLS 1.3" }, { 0, NULL },
};

/* The protocol column as tshark shows it for the negotiated version. */
const char *tls_column_version(uint16_t v)
{
    switch (v) {
    case 0x0002: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    default: return "TLS";
    }
}

/* Zeek's SSL::version_strings. */
const char *tls_zeek_version(uint16_t v, char buf[24])
{
    switch (v) {
    case 0x0002: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv10";
    case 0x0302: return "TLSv11";
    case 0x0303: return "TLSv12";
    case 0x0304: return "TLSv13";
    case 0xfeff: return "DTLSv10";
    case 0xfefd: return "DTLSv12";
    case 0xfefc: return "DTLSv13";
    default:
        if ((v >> 8) == 0x7f) { snprintf(buf, 24, "TLSv13-draft%u", v & 0xff); return buf; }
        snprintf(buf, 24, "unknown-%u", v);
        return buf;
    }
}

const struct trawl_value_name tls_ext_names[] = {
    { 0, "server_name" }, { 1, "max_fragment_length" }, { 2, "client_certificate_url" },
    { 3, "trusted_ca_keys" }, { 4, "truncated_hmac" }, { 5, "status_request" },
    { 6, "user_mapping" }, { 7, "client_authz" }, { 8, "server_authz" }, { 9, "cert_type" },
    { 10, "supported_groups" }, { 11, "ec_point_formats" }, { 12, "srp" },
    { 13, "signature_algorithms" }, { 14, "use_srtp" }, { 15, "heartbeat" },
    { 16, "application_layer_protocol_negotiation" }, { 17, "status_request_v2" },
    { 18, "signed_certificate_timestamp" }, { 19, "client_certificate_type" },
    { 20, "server_certificate_type" }, { 21, "padding" }, { 22, "encrypt_then_mac" },
    { 23, "extended_master_secret" }, { 24, "token_binding" }, { 25, "cached_info" },
    { 27, "compress_certificate" }, { 28, "record_size_limit" }, { 34, "delegated_credentials" },
    { 35, "session_ticket" }, { 41, "pre_shared_key" }, { 42, "early_data" },
    { 43, "supported_versions" }, { 44, "cookie" }, { 45, "psk_key_exchange_modes" },
    { 47, "certificate_authorities" }, { 48, "oid_filters" }, { 49, "post_handshake_auth" },
    { 50, "signature_algorithms_cert" }, { 51, "key_share" }, { 57, "quic_transport_parameters" },
    { 13172, "next_protocol_negotiation" }, { 17513, "application_settings" },
    { 0xffa5, "quic_transport_parameters (drafts)" }, { 0xfe0d, "encrypted_client_hello" },
    { 0xff01, "renegotiation_info" }, { 0, NULL },
};
