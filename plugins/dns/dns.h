/* dns.h — private to the dns plugin: field indices, the per-message context and the functions
 * its files share. Nothing here is part of the SDK. */
#ifndef TRAWL_PLUGIN_DNS_H
#define TRAWL_PLUGIN_DNS_H

#include <trawl/trawl.h>

/* Field indices: one array (dns.c) serves the three protocols (dns, mdns, llmnr), so an index
 * means the same field whichever of them is dissecting. */
enum {
    F_LENGTH, F_ID, F_FLAGS, F_FL_RESPONSE, F_FL_OPCODE, F_FL_AUTHORITATIVE, F_FL_CONFLICT,
    F_FL_TRUNCATED, F_FL_RECDESIRED, F_FL_TENTATIVE, F_FL_RECAVAIL, F_FL_Z, F_FL_AUTHENTICATED,
    F_FL_CHECKDISABLE, F_FL_RCODE,
    F_CNT_QUERIES, F_CNT_ZONES, F_CNT_ANSWERS, F_CNT_PREREQ, F_CNT_AUTH, F_CNT_UPDATES, F_CNT_ADD,
    F_QRY_NAME, F_QRY_NAME_LEN, F_CNT_LABELS, F_QRY_TYPE, F_QRY_CLASS, F_QRY_QU,
    F_RESP_NAME, F_SRV_SERVICE, F_SRV_PROTO, F_SRV_NAME, F_RESP_TYPE, F_RESP_CLASS,
    F_RESP_CACHE_FLUSH, F_RESP_TTL, F_RESP_LEN,
    F_UDP_PAYLOAD, F_EXT_RCODE, F_EDNS0_VERSION, F_RESP_Z, F_RESP_Z_DO, F_RESP_Z_RESERVED,
    F_OPT, F_OPT_CODE, F_OPT_LEN, F_OPT_DATA, F_OPT_DAU, F_OPT_DHU, F_OPT_N3U, F_OPT_CL_FAMILY,
    F_OPT_CL_NETMASK, F_OPT_CL_SCOPE, F_OPT_CL_ADDR, F_OPT_CL_ADDR4, F_OPT_CL_ADDR6,
    F_OPT_COOKIE_CLIENT, F_OPT_COOKIE_SERVER, F_OPT_KEEPALIVE, F_OPT_PADDING, F_OPT_CHAIN,
    F_OPT_EDE_CODE, F_OPT_EDE_TEXT,
    F_A, F_NS, F_CNAME, F_SOA_MNAME, F_SOA_RNAME, F_SOA_SERIAL, F_SOA_REFRESH, F_SOA_RETRY,
    F_SOA_EXPIRE, F_SOA_MINIMUM, F_PTR, F_HINFO_CPU_LEN, F_HINFO_CPU, F_HINFO_OS_LEN, F_HINFO_OS,
    F_MX_PREF, F_MX_EXCHANGE, F_TXT_LEN, F_TXT, F_AAAA, F_SRV_PRIORITY, F_SRV_WEIGHT, F_SRV_PORT,
    F_SRV_TARGET, F_DNAME, F_SPF_LEN, F_SPF,
    F_DS_KEY_ID, F_DS_ALGO, F_DS_DIGEST_TYPE, F_DS_DIGEST, F_SSHFP_ALGO, F_SSHFP_FPTYPE,
    F_SSHFP_FP,
    F_RRSIG_TYPE, F_RRSIG_ALGO, F_RRSIG_LABELS, F_RRSIG_ORIG_TTL, F_RRSIG_EXPIRATION,
    F_RRSIG_INCEPTION, F_RRSIG_KEY_TAG, F_RRSIG_SIGNER, F_RRSIG_SIGNATURE,
    F_NSEC_NEXT,
    F_DNSKEY_FLAGS, F_DNSKEY_ZONE_KEY, F_DNSKEY_REVOKED, F_DNSKEY_SEP, F_DNSKEY_RESERVED,
    F_DNSKEY_PROTOCOL, F_DNSKEY_ALGO, F_DNSKEY_KEY_ID, F_DNSKEY_PUBKEY,
    F_NSEC3_ALGO, F_NSEC3_FLAGS, F_NSEC3_OPTOUT, F_NSEC3_ITERATIONS, F_NSEC3_SALT_LEN,
    F_NSEC3_SALT, F_NSEC3_HASH_LEN, F_NSEC3_HASH,
    F_SVCB_PRIORITY, F_SVCB_TARGET, F_SVCB_PARAM, F_SVCB_KEY, F_SVCB_VALUE_LEN, F_SVCB_VALUE,
    F_SVCB_MANDATORY, F_SVCB_ALPN_LEN, F_SVCB_ALPN, F_SVCB_PORT, F_SVCB_IPV4HINT, F_SVCB_ECH,
    F_SVCB_IPV6HINT, F_SVCB_ODOH,
    F_CAA_FLAGS, F_CAA_CRITICAL, F_CAA_ISSUE, F_CAA_ISSUEWILD, F_CAA_IODEF, F_CAA_UNKNOWN,
    F_CAA_TAG_LEN, F_CAA_TAG, F_CAA_VALUE,
    F_DATA,
    F_RESPONSE_TO, F_TIME, F_RETRANSMISSION, F_RETRANS_REQ_IN, F_RETRANS_RESP_IN, F_UNSOLICITED,
    F_NAME_FORWARD, F_NAME_LOOP, F_NAME_TOO_LONG, F_QUESTION, F_RR,
    F_COUNT
};

extern const struct trawl_field_def dns_fields[F_COUNT];

enum dns_kind { DNS_KIND_DNS, DNS_KIND_MDNS, DNS_KIND_LLMNR, DNS_KIND__COUNT };

/* RR types and classes the code refers to. */
enum {
    T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_WKS = 11, T_PTR = 12, T_HINFO = 13, T_MX = 15,
    T_TXT = 16, T_AAAA = 28, T_SRV = 33, T_DNAME = 39, T_OPT = 41, T_DS = 43, T_SSHFP = 44,
    T_RRSIG = 46, T_NSEC = 47, T_DNSKEY = 48, T_NSEC3 = 50, T_NSEC3PARAM = 51, T_CDS = 59,
    T_CDNSKEY = 60, T_SVCB = 64, T_HTTPS = 65, T_SPF = 99, T_IXFR = 251, T_AXFR = 252,
    T_CAA = 257, T_DLV = 32769,
};

#define DNS_MAX_NAME 255      /* Wireshark's MAX_DNAME_LEN: the expanded name's budget */

/* A name read from a message, as tshark expands it. `raw` is the expanded name (labels joined
 * by '.'), or one of tshark's placeholders ("<Root>", "<Name too long>", "<Name contains a
 * pointer that loops>", "<Unknown extended label>"); raw_len is tshark's name_len. */
struct dns_name {
    const char *raw;
    uint32_t raw_len;
    uint32_t used;            /* bytes the name occupies where it starts */
    bool special;             /* raw is a placeholder, not the name's bytes */
    uint8_t buf[DNS_MAX_NAME + 1];
};

struct dns_zmsg;

/* One DNS message being dissected. Reads past the captured bytes end the message's decoding
 * (tshark's exception): `err` is set and nothing more is added. */
struct dns_msg {
    struct trawl_packet *pkt;
    struct trawl_buf b;         /* the message (after a TCP length prefix), its own latch */
    enum dns_kind kind;
    bool cols;                  /* someone prints the summary line */
    bool err;
    bool response;
    uint16_t id, flags;
    struct dns_zmsg *z;         /* what a record needs from this message, or NULL */
    /* Made on demand by dns_name.c for hostile names (see there). */
    uint16_t *run_end;          /* per offset: bytes to the end of a run of plain labels */
    uint16_t *mark;             /* per offset: the name (generation) that followed a pointer there */
    uint16_t gen;
};

/* ---- reading (dns.c) --------------------------------------------------------------------- */

static inline bool dns_need(struct dns_msg *m, uint32_t off, uint32_t n)
{
    if (m->err) return false;
    if (trawl_buf_need(&m->b, off, n)) return true;
    m->err = true;
    return false;
}

/* ---- names (dns_name.c) ------------------------------------------------------------------ */

/* Expand the name at off (compression followed as tshark follows it, loops and overlong names
 * replaced by its placeholders and flagged). false: the message ends here (read past the end, a
 * reserved label type, or a name tshark rejects). */
bool dns_name_read(struct dns_msg *m, uint32_t off, struct dns_name *n);
/* tshark's format_text of raw bytes into out (cap >= 10 * len + 1 always suffices); returns the
 * length written (no NUL counted). */
uint32_t dns_format_text(const uint8_t *p, uint32_t len, char *out, uint32_t cap);
/* Add a name field (formatted as tshark shows names) when it is wanted; writes the formatted
 * text to col_text too when that is not NULL (cap DNS_TEXT_CAP). */
#define DNS_TEXT_CAP (10 * (DNS_MAX_NAME + 1) + 1)
void dns_add_name(struct dns_msg *m, unsigned idx, const struct dns_name *n);
/* The formatted text, into the packet arena (NULL when the arena is full). */
const char *dns_name_text(struct dns_msg *m, const struct dns_name *n, uint32_t *len);
/* A character string as tshark decodes it: ASCII (bytes >= 0x80 become U+FFFD) or UTF-8
 * (invalid sequences become U+FFFD), into the arena; NULL when the arena is full. */
const char *dns_text_ascii(struct trawl_packet *pkt, const uint8_t *p, uint32_t len, uint32_t *out_len);
const char *dns_text_utf8(struct trawl_packet *pkt, const uint8_t *p, uint32_t len, uint32_t *out_len);

/* ---- resource records (dns_rr.c) -------------------------------------------------------- */

enum dns_section { SEC_ANSWER, SEC_AUTHORITY, SEC_ADDITIONAL };
/* One resource record at *off; advances *off. false: the message ends. */
bool dns_rr(struct dns_msg *m, uint32_t *off, enum dns_section sec);

/* ---- names of values (dns.c) ------------------------------------------------------------- */

const char *dns_type_name(uint16_t type);     /* "A", ... or NULL */
extern const struct trawl_value_name dns_type_names[];

/* ---- records (dns_rec.c) ----------------------------------------------------------------- */

struct dns_state;
struct dns_flow;

/* Start collecting what a record needs for this message (NULL z when no one wants records). */
void dns_rec_begin(struct dns_msg *m, const struct dns_state *st, struct dns_flow *fl);
void dns_rec_question(struct dns_msg *m, const struct dns_name *n, uint16_t qtype, uint16_t qclass);
/* A parsed answer-section RR: Zeek's reply text for it (called says whether Zeek's do_reply
 * runs for this type at all; text may be empty, and must live as long as the packet). */
void dns_rec_answer(struct dns_msg *m, const struct dns_name *owner, uint32_t ttl, bool called,
                    const char *text, uint32_t text_len);
/* The message is done (complete or cut): pair, emit or keep. */
void dns_rec_end(struct dns_msg *m, const struct dns_state *st, struct dns_flow *fl,
                 const uint16_t counts[4]);
/* The flow ends: unanswered queries become records. */
void dns_rec_flow_end(struct trawl_packet *ctx, struct trawl_flow *f, struct dns_flow *fl,
                      const struct dns_state *st);
const struct trawl_record_type *dns_rec_register(struct trawl_init *ctx);

/* ---- per-engine and per-flow state ------------------------------------------------------- */

struct dns_state {
    const struct trawl_proto *proto[DNS_KIND__COUNT];
    const struct trawl_record_type *rec;
    int64_t retrans_ns;         /* tshark's dns.retransmission_timer (5 s) */
    unsigned max_tx;            /* transactions remembered per flow for dns.response_to */
    unsigned max_pending;       /* queries waiting for an answer per flow (records) */
};

/* What each registered protocol's dissector is given. */
struct dns_proto_state {
    struct dns_state *st;
    enum dns_kind kind;
};

/* tshark's transaction for one id in a conversation (the latest one). */
struct dns_tx {
    uint64_t req_frame, rep_frame;
    int64_t req_ns;
    uint16_t id;
    bool used, multi;
};

/* A query waiting for its answer, as Zeek keeps it. */
struct dns_pending {
    int64_t ts;
    uint64_t frame;
    uint32_t file;
    uint16_t id, qtype, qclass, name_off, name_len;
    uint8_t z, opcode;
    bool used, has_q, rd, tc;
};

#define DNS_NAMEBUF 512       /* query names of the pending queries of one flow */

struct dns_flow {
    uint64_t last_tx;           /* clock for the least recently made transaction */
    bool desync[2];             /* TCP: a gap, waiting for a plausible message start */
    bool has_rec;               /* the part below exists */
    uint16_t names_used;
    struct dns_tx *tx;          /* max_tx entries, right after the struct */
    struct dns_pending *pend;   /* max_pending entries, after tx (when has_rec) */
    char *names;                /* DNS_NAMEBUF bytes, after pend (when has_rec) */
};

#endif
