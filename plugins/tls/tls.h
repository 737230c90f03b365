/* tls.h — the tls plugin's shared declarations: fields, per-flow state and the functions its
 * files share (tls.c: record layer, dissectors, registration; handshake.c: messages and
 * extensions; ja.c: JA3/JA3S/JA4/JA4S; names.c: IANA and Zeek name tables; record.c: the ssl
 * record). Nothing here is visible outside the plugin (hidden visibility). */
#ifndef TRAWL_PLUGIN_TLS_H
#define TRAWL_PLUGIN_TLS_H

#include <stdint.h>
#include <stdbool.h>

#include "trawl/trawl.h"

enum {
    /* record layer */
    F_RECORD, F_REC_CT, F_REC_OPAQUE, F_REC_VERSION, F_REC_LENGTH, F_APP_DATA, F_CCS,
    F_ALERT, F_ALERT_LEVEL, F_ALERT_DESC, F_IGNORED,
    /* SSLv2 */
    F_V2_MSG_TYPE, F_V2_CS_LEN, F_V2_CHALLENGE_LEN, F_V2_CIPHERSPEC, F_V2_CHALLENGE,
    /* handshake */
    F_HS, F_HS_TYPE, F_HS_LENGTH, F_HS_VERSION, F_RANDOM, F_RANDOM_TIME, F_RANDOM_BYTES,
    F_SID_LEN, F_SID, F_CS_LEN, F_CIPHERSUITES, F_CIPHERSUITE, F_COMP_LEN, F_COMP_METHODS, F_COMP,
    F_EXTS_LEN, F_EXT_TYPE, F_EXT_LEN, F_EXT_DATA,
    F_SNI_LIST_LEN, F_SNI_TYPE, F_SNI_LEN, F_SNI,
    F_ALPN_LEN, F_ALPN_STR_LEN, F_ALPN_STR,
    F_SV_LEN, F_SV,
    F_GROUPS_LEN, F_GROUPS, F_GROUP,
    F_ECPF_LEN, F_ECPF_LIST, F_ECPF,
    F_SIG_LEN, F_SIGS, F_SIG,
    F_KS_CLIENT_LEN, F_KS_GROUP, F_KS_KEX_LEN, F_KS_KEX, F_KS_SELECTED,
    F_RENEG_LEN, F_RENEG, F_PADDING, F_TICKET_DATA, F_PSK_IDS_LEN, F_PSK_SELECTED,
    F_PSK_MODES_LEN, F_PSK_MODE, F_COOKIE_LEN, F_COOKIE, F_STATUS_TYPE,
    F_ECH_TYPE, F_ECH_KDF, F_ECH_AEAD, F_ECH_CONFIG_ID, F_ECH_ENC_LEN, F_ECH_ENC,
    F_ECH_PAYLOAD_LEN, F_ECH_PAYLOAD, F_QUIC_TP_LEN,
    F_NPN_LEN, F_NPN, F_PSK_ID_LEN, F_PSK_ID, F_PSK_AGE, F_PSK_BINDERS_LEN, F_STATUS_RIDS_LEN,
    F_STATUS_EXTS_LEN, F_SIG_HASH, F_SIG_SIG, F_CC_ALGS_LEN, F_CC_ALG, F_RSL, F_ALPS_LEN,
    F_ALPS_STR_LEN, F_ALPS_STR, F_CV_SIG_LEN, F_CV_SIG,
    F_JA3_FULL, F_JA3, F_JA3S_FULL, F_JA3S, F_JA4, F_JA4_R, F_JA4S,
    /* other messages */
    F_CERTS_LEN, F_CERTS, F_CERT_LEN, F_CERT, F_CERT_CTX_LEN, F_CERT_EXTS_LEN,
    F_CURVE_TYPE, F_NAMED_CURVE, F_SERVER_POINT_LEN, F_SERVER_POINT,
    F_P_LEN, F_P, F_G_LEN, F_G, F_YS_LEN, F_YS, F_SIGN_LEN, F_SIGN,
    F_CLIENT_POINT_LEN, F_CLIENT_POINT, F_YC_LEN, F_YC, F_EPMS_LEN, F_EPMS,
    F_CERT_TYPES_COUNT, F_CERT_TYPE, F_DNAMES_LEN,
    F_TICKET_LIFETIME, F_TICKET_AGE_ADD, F_TICKET_NONCE_LEN, F_TICKET_NONCE, F_TICKET_LEN, F_TICKET,
    F_VERIFY_DATA, F_HS_DATA,
    F_COUNT
};

extern const struct trawl_field_def tls_fields[F_COUNT];

#define TLS_HS_MAX (256u * 1024u)   /* one handshake message kept across records */
#define TLS_SNI_MAX 256
#define TLS_ALPN_MAX 64
#define TLS_FPS_MAX 8               /* certificate fingerprints kept per side */
#define TLS_DN_MAX 512

/* One direction of a connection. */
struct tls_dir {
    uint8_t *hs;            /* handshake bytes waiting for the rest of a message (malloc) */
    uint32_t hs_len, hs_cap;
    uint64_t hs_cut;        /* bytes dropped: messages past TLS_HS_MAX */
    uint32_t skip;          /* bytes of an oversized message still to drop */
    bool ccs;               /* ChangeCipherSpec sent: handshake and alerts now encrypted */
    bool enc13;             /* TLS 1.3 past the ServerHello: handshake encrypted */
    bool dead;              /* lost (gap, garbage): resynchronising on a record header */
    bool sent_enc;          /* sent a ciphertext record after switching (Zeek's established) */
    bool v2;                /* an SSLv2 hello was seen */
    uint8_t nfps;
    char fps[TLS_FPS_MAX][65];
};

/* Per connection (TCP) or per QUIC flow (the tls-handshake protocol). */
struct tls_flow {
    struct tls_dir d[2];
    bool quic;
    bool ch, sh, hrr, recorded, established;
    bool ch_ticket, resumed, ckx_seen, empty_sid_ticket;
    bool alert_seen;                      /* any alert, in the clear or not (a close_notify?) */
    uint16_t ch_version, sh_version;      /* legacy versions */
    uint16_t version;                     /* negotiated (supported_versions of the SH) */
    uint16_t cipher;
    int32_t curve;                        /* -1: none */
    int32_t last_alert;                   /* -1: none */
    uint8_t ch_sid[32], ch_sid_len;
    uint16_t sni_len, alpn_len;
    char sni[TLS_SNI_MAX];
    char alpn[TLS_ALPN_MAX];
    char ja3[33], ja3s[33], ja4[40], ja4s[40];
    char subject[TLS_DN_MAX], issuer[TLS_DN_MAX], client_subject[TLS_DN_MAX], client_issuer[TLS_DN_MAX];
    int64_t ts;                           /* first hello */
    uint64_t first_frame;
    uint32_t file_index;
};

/* What the plugin keeps per engine (read-only while dissecting). */
struct tls_state {
    const struct trawl_proto *proto;      /* "tls" */
    const struct trawl_proto *hs_proto;   /* "tls-handshake" */
    const struct trawl_proto *x509;       /* NULL when not loaded */
    const struct trawl_record_type *rec;
};

/* The entry points the two protocols' state pointers lead to. */
struct tls_entry {
    struct tls_state *st;
    bool handshake_only;
};

/* handshake.c */
/* One whole handshake message (type, 24-bit length, body) in m; dir is the sender. */
void tls_handshake(struct trawl_packet *pkt, const struct tls_state *st, struct tls_flow *fs,
                   int dir, struct trawl_buf *m);
/* Messages concatenated in b (tls-handshake: QUIC's CRYPTO bytes). */
void tls_handshake_run(struct trawl_packet *pkt, const struct tls_state *st, struct tls_flow *fs,
                       int dir, struct trawl_buf *b);
bool tls_is_grease(uint32_t v);
/* TLS 1.3 and its drafts (0x7fxx, Facebook's 0xfb17 and 0xfb1a): the handshake after the
 * ServerHello is encrypted. */
static inline bool tls_is_13(uint16_t v) { return v == 0x0304 || (v >> 8) == 0x7f || v == 0xfb17 || v == 0xfb1a; }

/* ja.c: hashes written NUL-terminated into caller's storage. */
void tls_md5_hex(const char *s, size_t n, char out[33]);
void tls_sha256_hex(const uint8_t *s, size_t n, char out[65]);

struct tls_hello {               /* what the fingerprints need of a hello */
    uint16_t version;            /* legacy version */
    uint16_t max_sv;             /* highest supported_version (not GREASE), 0 if none */
    bool has_sv, has_sni;
    uint32_t nciphers, nexts, ngroups, necpf, nsigs;
    const uint8_t *ciphers;      /* 2 bytes each, wire order (GREASE included) */
    uint16_t exts[512];          /* extension types, wire order (GREASE included) */
    const uint8_t *groups;       /* 2 bytes each */
    const uint8_t *ecpf;         /* 1 byte each */
    const uint8_t *sigs;         /* 2 bytes each */
    const uint8_t *alpn;         /* first ALPN value (client) or the chosen one (server) */
    uint32_t alpn_len;
    bool has_alpn;
    uint16_t cipher;             /* server: chosen */
};
void tls_ja3(struct trawl_packet *pkt, const struct tls_hello *h, struct tls_flow *fs);
void tls_ja3s(struct trawl_packet *pkt, const struct tls_hello *h, struct tls_flow *fs);
void tls_ja4(struct trawl_packet *pkt, const struct tls_hello *h, struct tls_flow *fs, char proto);
void tls_ja4s(struct trawl_packet *pkt, const struct tls_hello *h, struct tls_flow *fs, char proto);
/* The JA4 strings alone (tests, record): out sizes >= 40 and 1024+. */
void tls_ja4_string(const struct tls_hello *h, char proto, char *ja4, size_t n4, char *raw, size_t nraw);

/* names.c */
const char *tls_cipher_name(uint16_t id);
const char *tls_group_name(uint16_t id);            /* Zeek's ec_curves names */
const char *tls_alert_name(uint8_t desc);           /* Zeek's alert_descriptions */
const char *tls_zeek_version(uint16_t v, char buf[24]);
const char *tls_column_version(uint16_t v);         /* "TLSv1.2" */
const char *tls_hs_type_name(uint8_t t);
extern const struct trawl_value_name tls_ct_names[], tls_hs_names[], tls_alert_level_names[],
    tls_alert_desc_names[], tls_version_names[], tls_ext_names[], tls_group_names[];

/* record.c */
extern const struct trawl_record_def tls_record_def;
void tls_make_record(struct trawl_packet *ctx, const struct tls_state *st, const struct trawl_flow *f,
                     struct tls_flow *fs);
/* Fingerprint and names of a certificate (the server's leaf subject and issuer). */
void tls_cert_seen(const struct trawl_packet *pkt, const struct tls_state *st, struct tls_flow *fs, int dir,
                   bool leaf, const uint8_t *der, uint32_t n);

#endif
