/* quic.h — the quic plugin's shared declarations: fields, per-flow state and the functions its
 * files share (quic.c: headers, the dissector, registration; keys.c: Initial secrets, header
 * protection and the AEAD through libcrypto's EVP; crypto.c: CRYPTO-frame reassembly;
 * frames.c: the frames of a decrypted payload). Nothing here is visible outside the plugin. */
#ifndef TRAWL_PLUGIN_QUIC_H
#define TRAWL_PLUGIN_QUIC_H

#include <stdint.h>
#include <stdbool.h>

#include "trawl/trawl.h"

enum {
    F_PACKET_LENGTH, F_HEADER_FORM, F_FIXED_BIT, F_LONG_TYPE, F_LONG_TYPE_V2, F_LONG_RESERVED,
    F_PN_LENGTH, F_VERSION, F_DCIL, F_DCID, F_SCIL, F_SCID, F_TOKEN_LENGTH, F_TOKEN, F_LENGTH,
    F_PN, F_PAYLOAD, F_REMAINING, F_SHORT, F_SPIN, F_SUPPORTED_VERSION, F_VN_UNUSED,
    F_RETRY_TOKEN, F_RETRY_TAG,
    /* frames */
    F_FRAME, F_FRAME_TYPE, F_PADDING_LENGTH,
    F_ACK_LARGEST, F_ACK_DELAY, F_ACK_RANGE_COUNT, F_ACK_FIRST_RANGE, F_ACK_GAP, F_ACK_RANGE,
    F_ACK_ECT0, F_ACK_ECT1, F_ACK_ECN_CE,
    F_CRYPTO_OFFSET, F_CRYPTO_LENGTH, F_CRYPTO_DATA,
    F_CC_ERROR, F_CC_ERROR_APP, F_CC_FRAME_TYPE, F_CC_REASON_LEN, F_CC_REASON,
    F_NT_LENGTH, F_NT_TOKEN,
    /* what went wrong, what was cut */
    F_DECRYPTION_FAILED, F_UNKNOWN_FRAME, F_PROTOCOL_VIOLATION, F_COALESCED_PADDING,
    F_CRYPTO_CUT, F_DECRYPTION_FAILED_COUNT,
    F_COUNT
};

extern const struct trawl_field_def quic_fields[F_COUNT];

/* Long-header packet types, version-independent (v2 numbers them differently on the wire). */
enum { QT_INITIAL, QT_0RTT, QT_HANDSHAKE, QT_RETRY, QT_VN, QT_SHORT };
/* Packet-number spaces. */
enum { SP_INITIAL, SP_HANDSHAKE, SP_APP, SP__COUNT };

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu
#define QUIC_CID_MAX 20
#define QUIC_CRYPTO_MAX (64u * 1024u)   /* CRYPTO bytes kept per direction and space */
#define QUIC_RANGES 16                  /* out-of-order pieces kept per direction and space */
#define QUIC_GROW_FLOOR 8192u           /* a buffer may always grow this far ... */
#define QUIC_GROW_FACTOR 4u             /* ... beyond, to this many times the bytes held */

/* One direction's packet protection keys: AES-128-GCM (Initial packets, TLS_AES_128_GCM_SHA256)
 * or AES-256-GCM (TLS_AES_256_GCM_SHA384), with AES-ECB header protection of the same size. */
struct quic_keys {
    bool ok;
    uint8_t klen;                        /* 16 or 32 */
    uint8_t key[32], iv[12], hp[32];
    void *aead;                          /* EVP_CIPHER_CTX, made on first use, freed at flow end */
    void *hpc;
};

/* CRYPTO bytes of one direction in one packet-number space, reassembled by offset. */
struct quic_reasm {
    uint8_t *buf;                        /* bytes [base, base + cap) (malloc) */
    uint32_t cap;
    uint64_t base;                       /* everything before was handed over */
    uint32_t nr;                         /* pieces at or beyond base: sorted, disjoint */
    struct { uint64_t s, e; } r[QUIC_RANGES];
    uint64_t cut;                        /* bytes dropped: past the cap, or too many pieces */
    bool dead;                           /* a message longer than the cap: no more handing over */
};

struct quic_flow {
    bool init;
    bool seen;                           /* a long header was seen: short headers are QUIC */
    bool have_cid, decrypted;            /* the client's first DCID; an Initial was opened */
    int8_t client_dir;                   /* -1 until known */
    int8_t scid_len[2];                  /* the SCID length each side's long headers use, -1 */
    uint8_t cid_len;
    uint8_t cid[QUIC_CID_MAX];
    uint32_t key_version;                /* the version the keys were derived for */
    struct quic_keys keys[2];            /* [0] "client in", [1] "server in" */
    int64_t largest_pn[2][SP__COUNT];    /* per sender direction, -1: none yet */
    struct quic_reasm cr[2];             /* Initial CRYPTO per sender direction */
    /* With a key log: the ClientHello's random, the cipher suite the ServerHello chose, the
     * Handshake keys ([0] client, [1] server) and the Handshake space's CRYPTO. */
    bool have_random, hs_tried;
    uint16_t cipher;                     /* 0 until the ServerHello */
    uint8_t client_random[32];
    struct quic_keys hs[2];
    struct quic_reasm crh[2];
    uint64_t auth_failed;                /* Initials whose AEAD tag did not verify */
    uint64_t crypto_cut;                 /* CRYPTO bytes dropped (caps) */
};

/* Per engine, read-only while dissecting. */
struct quic_state {
    const struct trawl_proto *proto;
    const struct trawl_proto *tls;       /* "tls-handshake", NULL when tls is not loaded */
    void *gcm, *ecb, *hkdf;              /* EVP_CIPHER / EVP_CIPHER / EVP_KDF, fetched once */
    void *gcm256, *ecb256;
    struct quic_secret *keylog;          /* -o quic.keylog=FILE (SSLKEYLOGFILE format), sorted */
    uint32_t nkeylog;
};

/* A key log line this plugin uses. */
enum { KL_CLIENT_HS, KL_SERVER_HS };
struct quic_secret {
    uint8_t random[32];
    uint8_t label;                       /* KL_* */
    uint8_t len;                         /* 32 or 48 */
    uint8_t secret[48];
};

/* keys.c */
bool quic_crypto_init(struct quic_state *st);
void quic_crypto_fini(struct quic_state *st);
/* The Initial salt of a version, or NULL when it has none we know. */
const uint8_t *quic_initial_salt(uint32_t version);
/* Both Initial secrets from the client's first DCID (RFC 9001 5.2). */
bool quic_initial_secrets(const struct quic_state *st, uint32_t version, const uint8_t *cid,
                          uint32_t cid_len, uint8_t client[32], uint8_t server[32]);
/* key, iv and hp from a secret (HKDF-Expand-Label with the version's labels). */
bool quic_derive_keys(const struct quic_state *st, uint32_t version, const uint8_t secret[32],
                      struct quic_keys *k);
/* The same for a TLS 1.3 cipher suite's traffic secret (0x1301 or 0x1302; false for others). */
bool quic_derive_suite_keys(const struct quic_state *st, uint32_t version, uint16_t suite,
                            const uint8_t *secret, uint32_t len, struct quic_keys *k);
/* keylog.c: read an SSLKEYLOGFILE; the secret of a label for a ClientHello random, or NULL. */
int quic_keylog_load(struct quic_state *st, const char *path);
const struct quic_secret *quic_keylog_find(const struct quic_state *st, const uint8_t random[32], int label);
/* Both directions' keys into k[0] (client) and k[1] (server). */
bool quic_initial_keys(const struct quic_state *st, uint32_t version, const uint8_t *cid,
                       uint32_t cid_len, struct quic_keys k[2]);
/* The header protection mask (5 bytes) for a 16-byte sample. */
bool quic_hp_mask(const struct quic_state *st, struct quic_keys *k, const uint8_t sample[16],
                  uint8_t mask[5]);
/* Open an AEAD-protected payload: ct is n bytes with the 16-byte tag at the end; out gets
 * n - 16 bytes. False when the tag does not verify. */
bool quic_aead_open(const struct quic_state *st, struct quic_keys *k, uint64_t pn,
                    const uint8_t *aad, uint32_t aad_len, const uint8_t *ct, uint32_t n, uint8_t *out);
void quic_keys_free(struct quic_keys *k);

/* crypto.c */
/* Add the CRYPTO bytes [off, off + n) of one packet. */
void quic_reasm_add(struct quic_reasm *r, uint64_t off, const uint8_t *p, uint32_t n);
/* Whole handshake messages from base on, contiguous: a copy in the packet arena (NULL, 0 when
 * none); base moves past them. */
const uint8_t *quic_reasm_take(struct quic_reasm *r, struct trawl_packet *pkt, uint32_t *len);
void quic_reasm_free(struct quic_reasm *r);

/* frames.c */
/* The frames of a decrypted payload; CRYPTO data goes into r. Returns false on a frame that
 * runs past the payload or a type that cannot be read. */
bool quic_frames(struct trawl_packet *pkt, struct trawl_buf *b, struct quic_reasm *r, int ptype,
                 uint64_t *cut);
bool quic_varint(const struct trawl_buf *b, uint32_t *off, uint64_t *v);

#endif
