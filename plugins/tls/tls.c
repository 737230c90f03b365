/* tls — TLS on TCP streams (RFC 5246, RFC 8446), metadata without keys: the record layer, the
 * handshake in the clear (reassembled across records and segments), JA3/JA3S (tshark 4.0's),
 * JA4/JA4S (FoxIO JA4+), certificates handed to the x509 plugin, and one `ssl` record per
 * connection (Zeek's ssl.log). A second protocol, "tls-handshake", reads bare handshake
 * messages for QUIC (see README.md: the contract). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

#define H(n, d, t, b) { n, d, t, b, NULL, 0 }

const struct trawl_field_def tls_fields[F_COUNT] = {
    [F_RECORD]        = H("tls.record", "Record Layer", TRAWL_FT_NONE, 0),
    [F_REC_CT]        = { "tls.record.content_type", "Content Type", TRAWL_FT_U8, TRAWL_BASE_DEC, tls_ct_names, 0 },
    [F_REC_OPAQUE]    = { "tls.record.opaque_type", "Opaque Type", TRAWL_FT_U8, TRAWL_BASE_DEC, tls_ct_names, 0 },
    [F_REC_VERSION]   = { "tls.record.version", "Version", TRAWL_FT_U16, TRAWL_BASE_HEX, tls_version_names, 0 },
    [F_REC_LENGTH]    = H("tls.record.length", "Length", TRAWL_FT_U16, 0),
    [F_APP_DATA]      = H("tls.app_data", "Encrypted Application Data", TRAWL_FT_BYTES, 0),
    [F_CCS]           = H("tls.change_cipher_spec", "Change Cipher Spec Message", TRAWL_FT_NONE, 0),
    [F_ALERT]         = H("tls.alert_message", "Alert Message", TRAWL_FT_NONE, 0),
    [F_ALERT_LEVEL]   = { "tls.alert_message.level", "Level", TRAWL_FT_U8, TRAWL_BASE_DEC, tls_alert_level_names, 0 },
    [F_ALERT_DESC]    = { "tls.alert_message.desc", "Description", TRAWL_FT_U8, TRAWL_BASE_DEC, tls_alert_desc_names, 0 },
    [F_IGNORED]       = H("tls.ignored_unknown_record", "Ignored Unknown Record", TRAWL_FT_NONE, 0),
    [F_V2_MSG_TYPE]   = H("tls.record.is_escape", "Is Escape", TRAWL_FT_BOOL, 0),
    [F_V2_CS_LEN]     = H("tls.handshake.cipher_spec_len", "Cipher Spec Length", TRAWL_FT_U16, 0),
    [F_V2_CHALLENGE_LEN] = H("tls.handshake.challenge_length", "Challenge Length", TRAWL_FT_U16, 0),
    [F_V2_CIPHERSPEC] = H("tls.handshake.cipherspec", "Cipher Spec", TRAWL_FT_U24, TRAWL_BASE_HEX),
    [F_V2_CHALLENGE]  = H("tls.handshake.challenge", "Challenge", TRAWL_FT_NONE, 0),
    [F_HS]            = H("tls.handshake", "Handshake Protocol", TRAWL_FT_NONE, 0),
    [F_HS_TYPE]       = { "tls.handshake.type", "Handshake Message Type", TRAWL_FT_U8, TRAWL_BASE_DEC, tls_hs_names, 0 },
    [F_HS_LENGTH]     = H("tls.handshake.length", "Length", TRAWL_FT_U24, 0),
    [F_HS_VERSION]    = { "tls.handshake.version", "Version", TRAWL_FT_U16, TRAWL_BASE_HEX, tls_version_names, 0 },
    [F_RANDOM]        = H("tls.handshake.random", "Random", TRAWL_FT_BYTES, 0),
    [F_RANDOM_TIME]   = H("tls.handshake.random_time", "GMT Unix Time", TRAWL_FT_TIME, 0),
    [F_RANDOM_BYTES]  = H("tls.handshake.random_bytes", "Random Bytes", TRAWL_FT_BYTES, 0),
    [F_SID_LEN]       = H("tls.handshake.session_id_length", "Session ID Length", TRAWL_FT_U16, 0),
    [F_SID]           = H("tls.handshake.session_id", "Session ID", TRAWL_FT_BYTES, 0),
    [F_CS_LEN]        = H("tls.handshake.cipher_suites_length", "Cipher Suites Length", TRAWL_FT_U16, 0),
    [F_CIPHERSUITES]  = H("tls.handshake.ciphersuites", "Cipher Suites", TRAWL_FT_NONE, 0),
    [F_CIPHERSUITE]   = H("tls.handshake.ciphersuite", "Cipher Suite", TRAWL_FT_U16, TRAWL_BASE_HEX),
    [F_COMP_LEN]      = H("tls.handshake.comp_methods_length", "Compression Methods Length", TRAWL_FT_U8, 0),
    [F_COMP_METHODS]  = H("tls.handshake.comp_methods", "Compression Methods", TRAWL_FT_NONE, 0),
    [F_COMP]          = H("tls.handshake.comp_method", "Compression Method", TRAWL_FT_U8, 0),
    [F_EXTS_LEN]      = H("tls.handshake.extensions_length", "Extensions Length", TRAWL_FT_U16, 0),
    [F_EXT_TYPE]      = { "tls.handshake.extension.type", "Type", TRAWL_FT_U16, TRAWL_BASE_DEC, tls_ext_names, 0 },
    [F_EXT_LEN]       = H("tls.handshake.extension.len", "Length", TRAWL_FT_U16, 0),
    [F_EXT_DATA]      = H("tls.handshake.extension.data", "Data", TRAWL_FT_BYTES, 0),
    [F_SNI_LIST_LEN]  = H("tls.handshake.extensions_server_name_list_len", "Server Name list length", TRAWL_FT_U16, 0),
    [F_SNI_TYPE]      = H("tls.handshake.extensions_server_name_type", "Server Name Type", TRAWL_FT_U8, 0),
    [F_SNI_LEN]       = H("tls.handshake.extensions_server_name_len", "Server Name length", TRAWL_FT_U16, 0),
    [F_SNI]           = H("tls.handshake.extensions_server_name", "Server Name", TRAWL_FT_STRING, 0),
    [F_ALPN_LEN]      = H("tls.handshake.extensions_alpn_len", "ALPN Extension Length", TRAWL_FT_U16, 0),
    [F_ALPN_STR_LEN]  = H("tls.handshake.extensions_alpn_str_len", "ALPN string length", TRAWL_FT_U8, 0),
    [F_ALPN_STR]      = H("tls.handshake.extensions_alpn_str", "ALPN Next Protocol", TRAWL_FT_STRING, 0),
    [F_SV_LEN]        = H("tls.handshake.extensions.supported_versions_len", "Supported Versions length", TRAWL_FT_U8, 0),
    [F_SV]            = { "tls.handshake.extensions.supported_version", "Supported Version", TRAWL_FT_U16, TRAWL_BASE_HEX, tls_version_names, 0 },
    [F_GROUPS_LEN]    = H("tls.handshake.extensions_supported_groups_length", "Supported Groups List Length", TRAWL_FT_U16, 0),
    [F_GROUPS]        = H("tls.handshake.extensions_supported_groups", "Supported Groups List", TRAWL_FT_NONE, 0),
    [F_GROUP]         = { "tls.handshake.extensions_supported_group", "Supported Group", TRAWL_FT_U16, TRAWL_BASE_HEX, tls_group_names, 0 },
    [F_ECPF_LEN]      = H("tls.handshake.extensions_ec_point_formats_length", "EC point formats Length", TRAWL_FT_U8, 0),
    [F_ECPF_LIST]     = H("tls.handshake.extensions_ec_point_formats", "EC point formats", TRAWL_FT_NONE, 0),
    [F_ECPF]          = H("tls.handshake.extensions_ec_point_format", "EC point format", TRAWL_FT_U8, 0),
    [F_SIG_LEN]       = H("tls.handshake.sig_hash_alg_len", "Signature Hash Algorithms Length", TRAWL_FT_U16, 0),
    [F_SIGS]          = H("tls.handshake.sig_hash_algs", "Signature Algorithms", TRAWL_FT_NONE, 0),
    [F_SIG]           = H("tls.handshake.sig_hash_alg", "Signature Algorithm", TRAWL_FT_U16, TRAWL_BASE_HEX),
    [F_KS_CLIENT_LEN] = H("tls.handshake.extensions_key_share_client_length", "Client Key Share Length", TRAWL_FT_U16, 0),
    [F_KS_GROUP]      = { "tls.handshake.extensions_key_share_group", "Group", TRAWL_FT_U16, TRAWL_BASE_DEC, tls_group_names, 0 },
    [F_KS_KEX_LEN]    = H("tls.handshake.extensions_key_share_key_exchange_length", "Key Exchange Length", TRAWL_FT_U16, 0),
    [F_KS_KEX]        = H("tls.handshake.extensions_key_share_key_exchange", "Key Exchange", TRAWL_FT_BYTES, 0),
    [F_KS_SELECTED]   = { "tls.handshake.extensions_key_share_selected_group", "Selected Group", TRAWL_FT_U16, TRAWL_BASE_DEC, tls_group_names, 0 },
    [F_RENEG_LEN]     = H("tls.handshake.extensions_reneg_info_len", "Renegotiation info extension length", TRAWL_FT_U8, 0),
    [F_RENEG]         = H("tls.handshake.extensions_reneg_info", "Renegotiation info", TRAWL_FT_BYTES, 0),
    [F_PADDING]       = H("tls.handshake.extensions_padding_data", "Padding Data", TRAWL_FT_BYTES, 0),
    [F_TICKET_DATA]   = H("tls.handshake.extensions.session_ticket", "Session Ticket (extension)", TRAWL_FT_BYTES, 0),
    [F_PSK_IDS_LEN]   = H("tls.handshake.extensions.psk.identities.length", "Identities Length", TRAWL_FT_U16, 0),
    [F_PSK_SELECTED]  = H("tls.handshake.extensions.psk.identity.selected", "Selected Identity", TRAWL_FT_U16, 0),
    [F_PSK_MODES_LEN] = H("tls.extension.psk_ke_modes_length", "PSK Key Exchange Modes Length", TRAWL_FT_U8, 0),
    [F_PSK_MODE]      = H("tls.extension.psk_ke_mode", "PSK Key Exchange Mode", TRAWL_FT_U8, 0),
    [F_COOKIE_LEN]    = H("tls.handshake.extensions.cookie_len", "Cookie length", TRAWL_FT_U16, 0),
    [F_COOKIE]        = H("tls.handshake.extensions.cookie", "Cookie", TRAWL_FT_BYTES, 0),
    [F_STATUS_TYPE]   = H("tls.handshake.extensions_status_request_type", "Certificate Status Type", TRAWL_FT_U8, 0),
    [F_ECH_TYPE]      = H("tls.ech.client_hello_type", "Client Hello type (encrypted_client_hello)", TRAWL_FT_U8, 0),
    [F_ECH_KDF]       = H("tls.ech.cipher_suite.kdf_id", "KDF Id", TRAWL_FT_U16, TRAWL_BASE_HEX),
    [F_ECH_AEAD]      = H("tls.ech.cipher_suite.aead_id", "AEAD Id", TRAWL_FT_U16, TRAWL_BASE_HEX),
    [F_ECH_CONFIG_ID] = H("tls.ech.config_id", "Config Id", TRAWL_FT_U8, 0),
    [F_ECH_ENC_LEN]   = H("tls.ech.enc_length", "Enc length", TRAWL_FT_U16, 0),
    [F_ECH_ENC]       = H("tls.ech.enc", "Enc", TRAWL_FT_BYTES, 0),
    [F_ECH_PAYLOAD_LEN] = H("tls.ech.payload_length", "Payload length", TRAWL_FT_U16, 0),
    [F_ECH_PAYLOAD]   = H("tls.ech.payload", "Payload", TRAWL_FT_BYTES, 0),
    [F_QUIC_TP_LEN]   = H("tls.quic.len", "Parameters Length", TRAWL_FT_U16, 0),
    [F_NPN_LEN]       = H("tls.handshake.extensions_npn_str_len", "Protocol string length", TRAWL_FT_U8, 0),
    [F_NPN]           = H("tls.handshake.extensions_npn", "Next Protocol", TRAWL_FT_STRING, 0),
    [F_PSK_ID_LEN]    = H("tls.handshake.extensions.psk.identity.identity_length", "Identity Length", TRAWL_FT_U16, 0),
    [F_PSK_ID]        = H("tls.handshake.extensions.psk.identity.identity", "Identity", TRAWL_FT_BYTES, 0),
    [F_PSK_AGE]       = H("tls.handshake.extensions.psk.identity.obfuscated_ticket_age", "Obfuscated Ticket Age", TRAWL_FT_U32, 0),
    [F_PSK_BINDERS_LEN] = H("tls.handshake.extensions.psk.binders_len", "PSK Binders length", TRAWL_FT_U16, 0),
    [F_STATUS_RIDS_LEN] = H("tls.handshake.extensions_status_request_responder_ids_len", "Responder ID list Length", TRAWL_FT_U16, 0),
    [F_STATUS_EXTS_LEN] = H("tls.handshake.extensions_status_request_exts_len", "Request Extensions Length", TRAWL_FT_U16, 0),
    [F_SIG_HASH]      = H("tls.handshake.sig_hash_hash", "Signature Hash Algorithm Hash", TRAWL_FT_U8, 0),
    [F_SIG_SIG]       = H("tls.handshake.sig_hash_sig", "Signature Hash Algorithm Signature", TRAWL_FT_U8, 0),
    [F_CC_ALGS_LEN]   = H("tls.compress_certificate.algorithms_length", "Algorithms Length", TRAWL_FT_U8, 0),
    [F_CC_ALG]        = H("tls.compress_certificate.algorithm", "Algorithm", TRAWL_FT_U16, 0),
    [F_RSL]           = H("tls.record_size_limit", "Record Size Limit", TRAWL_FT_U16, 0),
    [F_ALPS_LEN]      = H("tls.handshake.extensions_alps_len", "ALPS Extension Length", TRAWL_FT_U16, 0),
    [F_ALPS_STR_LEN]  = H("tls.handshake.extensions_alps_alpn_str_len", "Supported ALPN Length", TRAWL_FT_U8, 0),
    [F_ALPS_STR]      = H("tls.handshake.extensions_alps_alpn_str", "Supported ALPN", TRAWL_FT_STRING, 0),
    [F_CV_SIG_LEN]    = H("tls.handshake.client_cert_vrfy.sig_len", "Signature length", TRAWL_FT_U16, 0),
    [F_CV_SIG]        = H("tls.handshake.client_cert_vrfy.sig", "Signature", TRAWL_FT_BYTES, 0),
    [F_JA3_FULL]      = H("tls.handshake.ja3_full", "JA3 Fullstring", TRAWL_FT_STRING, 0),
    [F_JA3]           = H("tls.handshake.ja3", "JA3", TRAWL_FT_STRING, 0),
    [F_JA3S_FULL]     = H("tls.handshake.ja3s_full", "JA3S Fullstring", TRAWL_FT_STRING, 0),
    [F_JA3S]          = H("tls.handshake.ja3s", "JA3S", TRAWL_FT_STRING, 0),
    [F_JA4]           = H("tls.handshake.ja4", "JA4", TRAWL_FT_STRING, 0),
    [F_JA4_R]         = H("tls.handshake.ja4_r", "JA4_r (raw)", TRAWL_FT_STRING, 0),
    [F_JA4S]          = H("tls.handshake.ja4s", "JA4S (trawl's name)", TRAWL_FT_STRING, 0),
    [F_CERTS_LEN]     = H("tls.handshake.certificates_length", "Certificates Length", TRAWL_FT_U24, 0),
    [F_CERTS]         = H("tls.handshake.certificates", "Certificates", TRAWL_FT_NONE, 0),
    [F_CERT_LEN]      = H("tls.handshake.certificate_length", "Certificate Length", TRAWL_FT_U24, 0),
    [F_CERT]          = H("tls.handshake.certificate", "Certificate", TRAWL_FT_BYTES, 0),
    [F_CERT_CTX_LEN]  = H("tls.handshake.certificate_request_context_length", "Certificate Request Context Length", TRAWL_FT_U8, 0),
    [F_CERT_EXTS_LEN] = H("tls.handshake.certificate.extensions_length", "Certificate Extensions Length", TRAWL_FT_U16, 0),
    [F_CURVE_TYPE]    = H("tls.handshake.server_curve_type", "Curve Type", TRAWL_FT_U8, TRAWL_BASE_HEX),
    [F_NAMED_CURVE]   = { "tls.handshake.server_named_curve", "Named Curve", TRAWL_FT_U16, TRAWL_BASE_HEX, tls_group_names, 0 },
    [F_SERVER_POINT_LEN] = H("tls.handshake.server_point_len", "Pubkey Length", TRAWL_FT_U8, 0),
    [F_SERVER_POINT]  = H("tls.handshake.server_point", "Pubkey", TRAWL_FT_BYTES, 0),
    [F_P_LEN]         = H("tls.handshake.p_len", "p Length", TRAWL_FT_U16, 0),
    [F_P]             = H("tls.handshake.p", "p", TRAWL_FT_BYTES, 0),
    [F_G_LEN]         = H("tls.handshake.g_len", "g Length", TRAWL_FT_U16, 0),
    [F_G]             = H("tls.handshake.g", "g", TRAWL_FT_BYTES, 0),
    [F_YS_LEN]        = H("tls.handshake.ys_len", "Pubkey Length", TRAWL_FT_U16, 0),
    [F_YS]            = H("tls.handshake.ys", "Pubkey", TRAWL_FT_BYTES, 0),
    [F_SIGN_LEN]      = H("tls.handshake.sig_len", "Signature Length", TRAWL_FT_U16, 0),
    [F_SIGN]          = H("tls.handshake.sig", "Signature", TRAWL_FT_BYTES, 0),
    [F_CLIENT_POINT_LEN] = H("tls.handshake.client_point_len", "Pubkey Length", TRAWL_FT_U8, 0),
    [F_CLIENT_POINT]  = H("tls.handshake.client_point", "Pubkey", TRAWL_FT_BYTES, 0),
    [F_YC_LEN]        = H("tls.handshake.yc_len", "Pubkey Length", TRAWL_FT_U16, 0),
    [F_YC]            = H("tls.handshake.yc", "Pubkey", TRAWL_FT_BYTES, 0),
    [F_EPMS_LEN]      = H("tls.handshake.epms_len", "Encrypted PreMaster length", TRAWL_FT_U16, 0),
    [F_EPMS]          = H("tls.handshake.epms", "Encrypted PreMaster", TRAWL_FT_BYTES, 0),
    [F_CERT_TYPES_COUNT] = H("tls.handshake.cert_types_count", "Certificate types count", TRAWL_FT_U8, 0),
    [F_CERT_TYPE]     = H("tls.handshake.cert_type", "Certificate type", TRAWL_FT_U8, 0),
    [F_DNAMES_LEN]    = H("tls.handshake.dnames_len", "Distinguished Names Length", TRAWL_FT_U16, 0),
    [F_TICKET_LIFETIME] = H("tls.handshake.session_ticket_lifetime_hint", "Session Ticket Lifetime Hint", TRAWL_FT_U32, 0),
    [F_TICKET_AGE_ADD] = H("tls.handshake.session_ticket_age_add", "Session Ticket Age Add", TRAWL_FT_U32, 0),
    [F_TICKET_NONCE_LEN] = H("tls.handshake.session_ticket_nonce_length", "Session Ticket Nonce Length", TRAWL_FT_U8, 0),
    [F_TICKET_NONCE]  = H("tls.handshake.session_ticket_nonce", "Session Ticket Nonce", TRAWL_FT_BYTES, 0),
    [F_TICKET_LEN]    = H("tls.handshake.session_ticket_length", "Session Ticket Length", TRAWL_FT_U16, 0),
    [F_TICKET]        = H("tls.handshake.session_ticket", "Session Ticket", TRAWL_FT_BYTES, 0),
    [F_VERIFY_DATA]   = H("tls.handshake.verify_data", "Verify Data", TRAWL_FT_BYTES, 0),
    [F_HS_DATA]       = H("tls.handshake.data", "Handshake message body (not decoded)", TRAWL_FT_BYTES, 0),
};

/* ---- per-flow state ------------------------------------------------------------------------ */

static struct tls_flow *flow_state(struct trawl_flow *f, const struct trawl_proto *p, struct trawl_packet *pkt,
                                   bool quic)
{
    struct tls_flow *fs = trawl_flow_state_peek(f, p);
    if (fs) return fs;
    fs = trawl_flow_state(f, p, sizeof *fs);
    if (!fs) return NULL;
    fs->curve = -1;
    fs->last_alert = -1;
    fs->quic = quic;
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    if (fr) { fs->first_frame = fr->number; fs->file_index = fr->file_index; }
    return fs;
}

static void note_hello_time(struct trawl_packet *pkt, struct tls_flow *fs)
{
    if (fs->ts || (!fs->ch && !fs->sh)) return;
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    if (fr) fs->ts = fr->ts_ns;
}

/* ---- info column ------------------------------------------------------------------------------ */

struct info { char s[256]; size_t n; };

static void info_add(struct info *in, const char *what)
{
    if (!what) return;
    int k = snprintf(in->s + in->n, sizeof in->s - in->n, "%s%s", in->n ? ", " : "", what);
    if (k > 0) in->n = in->n + (size_t)k < sizeof in->s ? in->n + (size_t)k : sizeof in->s - 1;
}

/* ---- handshake reassembly (TCP) ------------------------------------------------------------------ */

static bool hs_keep(struct tls_dir *d, const uint8_t *p, uint32_t n, bool append)
{
    uint32_t base = append ? d->hs_len : 0;
    if ((uint64_t)base + n > TLS_HS_MAX) return false;
    if (base + n > d->hs_cap) {
        uint32_t nc = d->hs_cap ? d->hs_cap : 4096;
        while (nc < base + n) nc *= 2;
        if (nc > TLS_HS_MAX) nc = TLS_HS_MAX;
        uint8_t *np = realloc(d->hs, nc);
        if (!np) return false;
        d->hs = np;
        d->hs_cap = nc;
    }
    memmove(d->hs + base, p, n);
    d->hs_len = base + n;
    return true;
}

static void hs_drop(struct tls_dir *d, uint32_t msg_total, uint32_t have)
{
    d->hs_cut += have;
    d->skip = msg_total > have ? msg_total - have : 0;
    d->hs_cut += d->skip;
    d->hs_len = 0;
}

/* A handshake record's payload: whole messages are dissected (on this frame), a message cut
 * by the record's end waits in the direction's buffer for the next handshake record. */
static uint32_t hs_total(const uint8_t *h) { return 4 + ((uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3]); }

static void hs_one(struct trawl_packet *pkt, const struct tls_state *st, struct tls_flow *fs, int dir,
                   const uint8_t *msg, uint32_t total, struct trawl_buf *outer, struct info *in)
{
    uint8_t latch = 0;
    struct trawl_buf m = trawl_buf_make(msg, total, total, &latch);
    m.base = outer->base;
    tls_handshake(pkt, st, fs, dir, &m);
    if (latch & TRAWL_BUF_MALFORMED) trawl_buf_mark_malformed(outer);
    info_add(in, tls_hs_type_name(msg[0]));
}

static void hs_feed(struct trawl_packet *pkt, const struct tls_state *st, struct tls_flow *fs, int dir,
                    const uint8_t *p, uint32_t n, struct trawl_buf *outer, struct info *in)
{
    struct tls_dir *d = &fs->d[dir];
    if (d->skip) {
        uint32_t k = d->skip < n ? d->skip : n;
        d->skip -= k;
        p += k;
        n -= k;
    }
    /* First the message waiting in the buffer: only the bytes it still needs. */
    while (d->hs_len && n) {
        uint32_t have = d->hs_len, want;
        if (have < 4) {
            want = 4 - have;
        } else {
            uint32_t total = hs_total(d->hs);
            if (total > TLS_HS_MAX) { hs_drop(d, total, have); continue; }
            want = total - have;
        }
        uint32_t k = want < n ? want : n;
        if (!hs_keep(d, p, k, true)) { hs_drop(d, have >= 4 ? hs_total(d->hs) : have + k, have); break; }
        p += k;
        n -= k;
        if (d->hs_len >= 4 && d->hs_len == hs_total(d->hs)) {
            uint32_t total = d->hs_len;
            uint8_t *c = trawl_packet_alloc(pkt, total);     /* values must outlive the buffer */
            if (c) {
                memcpy(c, d->hs, total);
                hs_one(pkt, st, fs, dir, c, total, outer, in);
            } else {
                d->hs_cut += total;
            }
            d->hs_len = 0;
        }
    }
    if (d->skip) {                                /* a too-large message dropped just now */
        uint32_t k = d->skip < n ? d->skip : n;
        d->skip -= k;
        p += k;
        n -= k;
    }
    /* Then whole messages straight from the record. */
    uint32_t off = 0;
    while (n - off >= 4) {
        uint32_t total = hs_total(p + off);
        if (n - off < total) break;
        hs_one(pkt, st, fs, dir, p + off, total, outer, in);
        off += total;
    }
    uint32_t rest = n - off;
    if (!rest) return;
    uint32_t total = rest >= 4 ? hs_total(p + off) : 0;
    if (total > TLS_HS_MAX || !hs_keep(d, p + off, rest, false)) hs_drop(d, total ? total : rest, rest);
}

/* ---- records -------------------------------------------------------------------------------------- */

static bool rec_header_ok(const uint8_t *p)
{
    uint16_t ver = (uint16_t)(p[1] << 8 | p[2]);
    uint16_t len = (uint16_t)(p[3] << 8 | p[4]);
    return p[0] >= 20 && p[0] <= 24 && ver >= 0x0300 && ver <= 0x0304 && len <= 16384 + 2048;
}

static void mark_sent_encrypted(struct tls_flow *fs, int dir)
{
    struct tls_dir *d = &fs->d[dir];
    if (!(d->ccs || d->enc13)) return;
    d->sent_enc = true;
    if (fs->d[0].sent_enc && fs->d[1].sent_enc) fs->established = true;
}

static void one_record(struct trawl_packet *pkt, const struct tls_state *st, struct tls_flow *fs, int dir,
                       const uint8_t *r, struct trawl_buf *outer, struct info *in)
{
    struct tls_dir *d = &fs->d[dir];
    uint8_t ct = r[0];
    uint16_t ver = (uint16_t)(r[1] << 8 | r[2]), len = (uint16_t)(r[3] << 8 | r[4]);
    const uint8_t *body = r + 5;
    bool enc = d->ccs || d->enc13;
    trawl_tree_push(pkt, F_RECORD);
    /* TLS 1.3's protected records: tshark calls their type "opaque" */
    trawl_add_uint(pkt, d->enc13 && ct == 23 ? F_REC_OPAQUE : F_REC_CT, ct);
    trawl_add_uint(pkt, F_REC_VERSION, ver);
    trawl_add_uint(pkt, F_REC_LENGTH, len);
    switch (ct) {
    case 20:
        trawl_tree_push(pkt, F_CCS);
        trawl_tree_pop(pkt);
        /* Zeek: a client that offered a session ticket and switches before any key exchange
         * resumed the session. */
        if (dir == TRAWL_DIR_ORIG && fs->ch_ticket && !fs->ckx_seen && !tls_is_13(fs->version)) fs->resumed = true;
        d->ccs = true;
        info_add(in, "Change Cipher Spec");
        break;
    case 21:
        fs->alert_seen = true;
        if (enc || len != 2) {
            info_add(in, "Encrypted Alert");
            mark_sent_encrypted(fs, dir);
            break;
        }
        trawl_tree_push(pkt, F_ALERT);
        trawl_add_uint(pkt, F_ALERT_LEVEL, body[0]);
        trawl_add_uint(pkt, F_ALERT_DESC, body[1]);
        trawl_tree_pop(pkt);
        fs->last_alert = body[1];
        {
            char a[96];
            const char *dn = tls_alert_name(body[1]);
            snprintf(a, sizeof a, "Alert (Level: %s, Description: %s)", body[0] == 2 ? "Fatal" : "Warning",
                     dn ? dn : "Unknown");
            info_add(in, a);
        }
        break;
    case 22:
        if (enc) {
            info_add(in, "Encrypted Handshake Message");
            mark_sent_encrypted(fs, dir);
            break;
        }
        hs_feed(pkt, st, fs, dir, body, len, outer, in);
        break;
    case 23:
        if (len && trawl_wants(pkt, F_APP_DATA)) trawl_add_bytes(pkt, F_APP_DATA, body, len);
        info_add(in, "Application Data");
        mark_sent_encrypted(fs, dir);
        break;
    default:
        info_add(in, "Heartbeat");
        break;
    }
    trawl_tree_pop(pkt);
}

/* An SSLv2-compatible ClientHello (RFC 6101 E.1, RFC 5246 E.2): a 2-byte header with the top
 * bit set, then msg type 1, version, three lengths and the lists. */
static bool v2_hello(const uint8_t *p, uint32_t n)
{
    if (n < 11 || !(p[0] & 0x80) || p[2] != 1) return false;
    uint32_t rl = (uint32_t)(p[0] & 0x7f) << 8 | p[1];
    uint16_t ver = (uint16_t)(p[3] << 8 | p[4]);
    uint32_t csl = (uint32_t)(p[5] << 8 | p[6]), sl = (uint32_t)(p[7] << 8 | p[8]), chl = (uint32_t)(p[9] << 8 | p[10]);
    return (ver == 0x0002 || (ver >= 0x0300 && ver <= 0x0303)) && csl && csl % 3 == 0 && sl <= 32 &&
           chl >= 16 && chl <= 32 && 9 + csl + sl + chl <= rl;
}

static void v2_record(struct trawl_packet *pkt, struct tls_flow *fs, const uint8_t *p, struct info *in)
{
    uint32_t rl = (uint32_t)(p[0] & 0x7f) << 8 | p[1];
    uint16_t ver = (uint16_t)(p[3] << 8 | p[4]);
    uint32_t csl = (uint32_t)(p[5] << 8 | p[6]), sl = (uint32_t)(p[7] << 8 | p[8]), chl = (uint32_t)(p[9] << 8 | p[10]);
    trawl_tree_push(pkt, F_RECORD);
    trawl_add_uint(pkt, F_REC_LENGTH, rl);
    trawl_add_uint(pkt, F_REC_VERSION, 0x0002);          /* tshark shows SSL 2.0 here */
    trawl_add_uint(pkt, F_HS_TYPE, 1);
    trawl_add_uint(pkt, F_HS_VERSION, ver);
    trawl_add_uint(pkt, F_V2_CS_LEN, csl);
    trawl_add_uint(pkt, F_SID_LEN, sl);
    trawl_add_uint(pkt, F_V2_CHALLENGE_LEN, chl);
    for (uint32_t i = 0; i < csl; i += 3)
        trawl_add_uint(pkt, F_V2_CIPHERSPEC, (uint32_t)p[11 + i] << 16 | (uint32_t)p[12 + i] << 8 | p[13 + i]);
    if (sl) trawl_add_bytes(pkt, F_SID, p + 11 + csl, sl);
    trawl_tree_push(pkt, F_V2_CHALLENGE);
    trawl_tree_pop(pkt);
    trawl_tree_pop(pkt);
    fs->d[TRAWL_DIR_ORIG].v2 = true;
    fs->ch = true;
    if (!fs->ch_version) fs->ch_version = ver;
    info_add(in, "Client Hello");
}

/* Resynchronise after a gap or garbage: the first offset where a plausible record header
 * starts, or n. */
static uint32_t resync(const uint8_t *d, uint32_t n)
{
    for (uint32_t i = 0; i + 5 <= n; i++)
        if (rec_header_ok(d + i) && (d[i] == 22 || d[i] == 23 || d[i] == 21 || d[i] == 20)) return i;
    return n;
}

/* Records inside an ICMP error's quoted segment: their headers only, no state (tshark shows
 * the record layer there). Needs tcp to hand quoted payloads on. */
static int tls_quoted(struct trawl_packet *pkt, struct trawl_buf *b)
{
    uint32_t n = trawl_buf_caplen(b), off = 0;
    const uint8_t *d = n >= 5 ? trawl_buf_ptr(b, 0, n) : NULL;
    if (!d || !rec_header_ok(d)) return 0;
    while (n - off >= 5 && rec_header_ok(d + off)) {
        uint32_t len = (uint32_t)(d[off + 3] << 8 | d[off + 4]);
        trawl_tree_push(pkt, F_RECORD);
        trawl_add_uint(pkt, F_REC_CT, d[off]);
        trawl_add_uint(pkt, F_REC_VERSION, (uint32_t)(d[off + 1] << 8 | d[off + 2]));
        trawl_add_uint(pkt, F_REC_LENGTH, len);
        trawl_tree_pop(pkt);
        off += 5 + len;
        if (off > n) break;
    }
    return (int)n;
}

static int tls_stream(struct trawl_packet *pkt, struct trawl_buf *b, const struct tls_state *st)
{
    struct trawl_flow *f = trawl_packet_flow(pkt);
    if (!trawl_packet_in_stream(pkt)) return trawl_packet_in_quote(pkt) ? tls_quoted(pkt, b) : 0;
    if (!f) return 0;
    int dir = trawl_packet_flow_dir(pkt);
    uint32_t n = trawl_buf_caplen(b);
    if (!n) return 0;                                   /* a FIN: nothing cut is shown */
    const uint8_t *d = trawl_buf_ptr(b, 0, n);
    if (!d) return 0;
    struct tls_flow *fs = trawl_flow_state_peek(f, st->proto);
    if (!fs) {
        /* The flow's first bytes: TLS or not ours. */
        if (n >= 5 ? !(rec_header_ok(d) || v2_hello(d, n)) : !(d[0] >= 20 && d[0] <= 24) && !(d[0] & 0x80))
            return 0;
        fs = flow_state(f, st->proto, pkt, false);
        if (!fs) return (int)n;
    }
    struct tls_dir *ds = &fs->d[dir];
    struct info in = { .n = 0 };
    in.s[0] = 0;
    uint32_t off = 0;
    uint16_t rec_ver = 0;
    if (ds->dead) {
        off = resync(d, n);
        if (off == n) return (int)n;
        ds->dead = false;
    }
    while (off < n) {
        uint32_t left = n - off;
        const uint8_t *p = d + off;
        if (!fs->sh && !fs->ch && (p[0] & 0x80) && dir == TRAWL_DIR_ORIG) {
            if (left < 11) { trawl_stream_need_more(pkt, 11 - left); break; }
            if (v2_hello(p, left)) {              /* its lengths checked against the record's */
                uint32_t total = 2 + ((uint32_t)(p[0] & 0x7f) << 8 | p[1]);
                if (left < total) { trawl_stream_need_more(pkt, total - left); break; }
                v2_record(pkt, fs, p, &in);
                note_hello_time(pkt, fs);
                rec_ver = 0x0002;
                off += total;
                continue;
            }
        }
        if (left < 5) { trawl_stream_need_more(pkt, 5 - left); break; }
        if (!rec_header_ok(p)) {
            /* After an alert (close_notify) on a stream another protocol handed to us (STARTTLS,
             * AUTH TLS), bytes that are no record are that protocol's again: FTP's CCC (RFC 4217
             * 6) goes back to clear text. */
            const struct trawl_proto *svc = trawl_flow_info(f)->service;
            if (fs->alert_seen && svc && svc != st->proto && svc != st->hs_proto) {
                trawl_stream_switch(pkt, svc);
                break;
            }
            /* Not a record: shown as ignored, the direction resynchronises on what follows. */
            trawl_tree_push(pkt, F_IGNORED);
            trawl_tree_pop(pkt);
            info_add(&in, "Ignored Unknown Record");
            uint32_t k = resync(p + 1, left - 1);
            if (k == left - 1) { ds->dead = true; off = n; break; }
            off += 1 + k;
            continue;
        }
        uint32_t len = (uint32_t)(p[3] << 8 | p[4]);
        if (left - 5 < len) { trawl_stream_need_more(pkt, len - (left - 5)); break; }
        rec_ver = (uint16_t)(p[1] << 8 | p[2]);
        one_record(pkt, st, fs, dir, p, b, &in);
        note_hello_time(pkt, fs);
        off += 5 + len;
    }
    if (trawl_cols_wanted(pkt) && (in.n || off)) {
        if (in.n) trawl_col_set(pkt, TRAWL_COL_INFO, "%s", in.s);
        uint16_t v = fs->sh ? fs->version : rec_ver;
        if (v == 0x0002) trawl_col_set(pkt, TRAWL_COL_PROTOCOL, "SSLv2");
        else if (v) trawl_col_set(pkt, TRAWL_COL_PROTOCOL, "%s", tls_column_version(v));
    }
    return (int)off;
}

/* ---- tls-handshake: bare handshake messages (QUIC) ---------------------------------------------- */

static int hs_dissect(struct trawl_packet *pkt, struct trawl_buf *b, const struct tls_state *st)
{
    uint32_t n = trawl_buf_caplen(b);
    if (!n) return 0;
    struct trawl_flow *f = trawl_packet_flow(pkt);
    struct tls_flow local, *fs = NULL;
    if (f) fs = flow_state(f, st->hs_proto, pkt, true);
    if (!fs) {
        memset(&local, 0, sizeof local);
        local.curve = local.last_alert = -1;
        local.quic = true;
        fs = &local;
    }
    int dir = f ? trawl_packet_flow_dir(pkt) : TRAWL_DIR_ORIG;
    tls_handshake_run(pkt, st, fs, dir, b);
    if (fs->sh) fs->established = true;
    note_hello_time(pkt, fs);
    return (int)n;
}

static int tls_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct tls_entry *e = state;
    return e->handshake_only ? hs_dissect(pkt, b, e->st) : tls_stream(pkt, b, e->st);
}

/* ---- stream callbacks ------------------------------------------------------------------------------- */

static void tls_gap(struct trawl_packet *pkt, struct trawl_flow *f, int dir, uint64_t len, void *state)
{
    (void)pkt; (void)len;
    const struct tls_entry *e = state;
    struct tls_flow *fs = trawl_flow_state_peek(f, e->handshake_only ? e->st->hs_proto : e->st->proto);
    if (!fs) return;
    struct tls_dir *d = &fs->d[dir];
    d->hs_cut += d->hs_len;
    d->hs_len = 0;
    d->skip = 0;
    d->dead = true;                          /* resynchronise on the next record header */
}

static void tls_end(struct trawl_packet *ctx, struct trawl_flow *f, void *flow_state, void *state)
{
    const struct tls_entry *e = state;
    struct tls_flow *fs = flow_state;
    if (!fs) return;
    tls_make_record(ctx, e->st, f, fs);
    for (int i = 0; i < 2; i++) {
        free(fs->d[i].hs);
        fs->d[i].hs = NULL;
    }
}

/* ---- heuristic ---------------------------------------------------------------------------------------- */

static enum trawl_heur_result tls_probe(const struct trawl_buf *b, void *state)
{
    (void)state;
    uint32_t n = trawl_buf_caplen(b);
    if (!n || !trawl_buf_has(b, 0, n)) return TRAWL_HEUR_NOT_MINE;
    const uint8_t *p = b->data;
    if (n < 5) {
        if (p[0] < 20 || p[0] > 23) return TRAWL_HEUR_NOT_MINE;
        if (n >= 2 && p[1] != 3) return TRAWL_HEUR_NOT_MINE;
        if (n >= 3 && p[2] > 4) return TRAWL_HEUR_NOT_MINE;
        return TRAWL_HEUR_NEED_MORE;
    }
    if (!rec_header_ok(p) || p[0] == 24) return TRAWL_HEUR_NOT_MINE;
    uint16_t len = (uint16_t)(p[3] << 8 | p[4]);
    if (!len) return TRAWL_HEUR_NOT_MINE;
    /* A handshake record must start with a plausible message. */
    if (p[0] == 22 && n >= 6 && (p[5] == 0 || p[5] > 25) && p[5] != 254) return TRAWL_HEUR_NOT_MINE;
    return TRAWL_HEUR_MINE;
}

/* ---- registration ---------------------------------------------------------------------------------------- */

struct tls_plugin {
    struct tls_state st;
    struct tls_entry tls, hs;
};

static const struct trawl_proto_def tls_proto = {
    "tls", "Transport Layer Security", "TLS", tls_fields, F_COUNT, tls_dissect,
};
static const struct trawl_proto_def hs_proto = {
    "tls-handshake", "TLS handshake messages (no record layer)", "TLS", tls_fields, F_COUNT, tls_dissect,
};
static const struct trawl_stream_ops tls_ops = { sizeof tls_ops, NULL, tls_gap, tls_end };
static const struct trawl_stream_ops hs_ops = { sizeof hs_ops, NULL, NULL, tls_end };
static const struct trawl_heur_def tls_heur = { "tls_tcp", 30, tls_probe };

static const uint16_t tls_ports[] = { 443, 465, 636, 853, 993, 995, 8443 };

static int tls_init(struct trawl_init *ctx)
{
    struct tls_plugin *pl = calloc(1, sizeof *pl);
    if (!pl) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, pl);
    pl->tls.st = pl->hs.st = &pl->st;
    pl->hs.handshake_only = true;
    pl->st.proto = trawl_proto_register(ctx, &tls_proto, &pl->tls);
    pl->st.hs_proto = trawl_proto_register(ctx, &hs_proto, &pl->hs);
    pl->st.rec = trawl_record_register(ctx, &tls_record_def);
    return pl->st.proto && pl->st.hs_proto && pl->st.rec ? 0 : TRAWL_EINVAL;
}

static int tls_handoff(struct trawl_init *ctx)
{
    struct tls_plugin *pl = trawl_init_state(ctx);
    for (size_t i = 0; i < sizeof tls_ports / sizeof *tls_ports; i++)
        trawl_table_add(ctx, "tcp.port", tls_ports[i], pl->st.proto);
    trawl_heur_add(ctx, "tcp", &tls_heur, pl->st.proto);
    pl->st.x509 = trawl_proto_find(ctx, "x509");
    int r = trawl_stream_register(ctx, pl->st.proto, &tls_ops);
    if (r < 0) return r;
    return trawl_stream_register(ctx, pl->st.hs_proto, &hs_ops);
}

static void tls_fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "tls", .version = "1.0.0",
                        .summary = "TLS on TCP: records, handshake, JA3/JA3S/JA4/JA4S, certificates to x509; "
                                   "ssl records; tls-handshake for QUIC",
                        .init = tls_init, .handoff = tls_handoff, .fini = tls_fini);
