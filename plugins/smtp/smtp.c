/* smtp — SMTP on TCP streams (RFC 5321): command and reply lines reassembled across segments,
 * pipelined commands, multi-line replies, AUTH PLAIN / LOGIN credentials, the DATA phase (the
 * message up to CRLF.CRLF, dot-unstuffed and handed to "imf" on the frame where it ends), and
 * STARTTLS: once the server answers 220 to it, the rest of the stream — both directions — goes
 * to "tls" (trawl_stream_switch). An `smtp` record per message transaction, as Zeek's smtp.log.
 *
 * Field values follow tshark 4.0 with its default preferences (`smtp.decryption` off: AUTH
 * credentials shown as the base64 the client sent); `-o smtp.decryption=1` decodes them as
 * `tshark -o smtp.decryption:TRUE` does. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trawl/trawl.h"

enum {
    F_REQ, F_RSP, F_COMMAND_LINE, F_REQ_COMMAND, F_REQ_PARAMETER, F_RESPONSE, F_RSP_CODE,
    F_RSP_PARAMETER, F_USERNAME, F_PASSWORD, F_USERNAME_PASSWORD, F_EOM, F_FRAG_COUNT,
    F_REASM_LENGTH, F_LINE_TOO_LONG, F_ENCRYPTED, F_COUNT
};

static const struct trawl_value_name code_names[] = {
    { 211, "System status, or system help reply" }, { 214, "Help message" },
    { 220, "<domain> Service ready" }, { 221, "<domain> Service closing transmission channel" },
    { 235, "Authentication successful" },
    { 250, "Requested mail action okay, completed" }, { 251, "User not local; will forward to <forward-path>" },
    { 252, "Cannot VRFY user, but will accept message and attempt delivery" },
    { 334, "AUTH input" }, { 354, "Start mail input; end with <CRLF>.<CRLF>" },
    { 421, "<domain> Service not available, closing transmission channel" },
    { 432, "A password transition is needed" },
    { 450, "Requested mail action not taken: mailbox unavailable" },
    { 451, "Requested action aborted: local error in processing" },
    { 452, "Requested action not taken: insufficient system storage" },
    { 454, "Temporary authentication failed" },
    { 500, "Syntax error, command unrecognized" }, { 501, "Syntax error in parameters or arguments" },
    { 502, "Command not implemented" }, { 503, "Bad sequence of commands" },
    { 504, "Command parameter not implemented" }, { 530, "Authentication required" },
    { 534, "Authentication mechanism is too weak" }, { 535, "Authentication credentials invalid" },
    { 538, "Encryption required for requested authentication mechanism" },
    { 550, "Requested action not taken: mailbox unavailable" },
    { 551, "User not local; please try <forward-path>" },
    { 552, "Requested mail action aborted: exceeded storage allocation" },
    { 553, "Requested action not taken: mailbox name not allowed" },
    { 554, "Transaction failed" }, { 0, NULL },
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_REQ]             = { "smtp.req", "Request", TRAWL_FT_BOOL, 0, NULL, 0 },
    [F_RSP]             = { "smtp.rsp", "Response", TRAWL_FT_BOOL, 0, NULL, 0 },
    [F_COMMAND_LINE]    = { "smtp.command_line", "Command Line", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_REQ_COMMAND]     = { "smtp.req.command", "Command", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_REQ_PARAMETER]   = { "smtp.req.parameter", "Request parameter", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_RESPONSE]        = { "smtp.response", "Response", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_RSP_CODE]        = { "smtp.response.code", "Response code", TRAWL_FT_U32, 0, code_names, 0 },
    [F_RSP_PARAMETER]   = { "smtp.rsp.parameter", "Response parameter", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_USERNAME]        = { "smtp.auth.username", "Username", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_PASSWORD]        = { "smtp.auth.password", "Password", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_USERNAME_PASSWORD] = { "smtp.auth.username_password", "Username/Password", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_EOM]             = { "smtp.eom", "EOM", TRAWL_FT_NONE, 0, NULL, 0 },
    [F_FRAG_COUNT]      = { "smtp.data.fragment.count", "DATA fragment count", TRAWL_FT_U32, 0, NULL, 0 },
    [F_REASM_LENGTH]    = { "smtp.data.reassembled.length", "Reassembled DATA length", TRAWL_FT_U32, 0, NULL, 0 },
    [F_LINE_TOO_LONG]   = { "smtp.line_too_long", "Line longer than the cap (decoding stopped)", TRAWL_FT_NONE, 0, NULL, 0 },
    [F_ENCRYPTED]       = { "smtp.encrypted_length", "Bytes after STARTTLS, not decoded (no tls plugin)", TRAWL_FT_U32, 0, NULL, 0 },
};

/* ---- the record: Zeek's smtp.log, then trawl's evidence ------------------------------------ */

enum {
    C_TS, C_UID, C_ORIG_H, C_ORIG_P, C_RESP_H, C_RESP_P, C_TRANS_DEPTH, C_HELO, C_MAILFROM,
    C_RCPTTO, C_DATE, C_FROM, C_TO, C_CC, C_REPLY_TO, C_MSG_ID, C_IN_REPLY_TO, C_SUBJECT,
    C_X_ORIGINATING_IP, C_FIRST_RECEIVED, C_SECOND_RECEIVED, C_LAST_REPLY, C_PATH, C_USER_AGENT,
    C_TLS, C_COMMUNITY_ID, C_FILE, C_FIRST_FRAME, C_LAST_FRAME, C_COUNT
};

static const struct trawl_record_field cols[C_COUNT] = {
    [C_TS]          = { "ts", "Time of the transaction's first command", TRAWL_FT_TIME, 0 },
    [C_UID]         = { "uid", "Connection id", TRAWL_FT_STRING, 0 },
    [C_ORIG_H]      = { "id.orig_h", "Originator address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_ORIG_P]      = { "id.orig_p", "Originator port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_RESP_H]      = { "id.resp_h", "Responder address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_RESP_P]      = { "id.resp_p", "Responder port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_TRANS_DEPTH] = { "trans_depth", "Transaction number in the connection (from 1)", TRAWL_FT_U64, 0 },
    [C_HELO]        = { "helo", "HELO/EHLO argument", TRAWL_FT_STRING, 0 },
    [C_MAILFROM]    = { "mailfrom", "MAIL FROM address", TRAWL_FT_STRING, 0 },
    [C_RCPTTO]      = { "rcptto", "RCPT TO addresses", TRAWL_FT_STRING, TRAWL_RF_SET },
    [C_DATE]        = { "date", "Date header", TRAWL_FT_STRING, 0 },
    [C_FROM]        = { "from", "From header", TRAWL_FT_STRING, 0 },
    [C_TO]          = { "to", "To header addresses", TRAWL_FT_STRING, TRAWL_RF_SET },
    [C_CC]          = { "cc", "Cc header addresses", TRAWL_FT_STRING, TRAWL_RF_SET },
    [C_REPLY_TO]    = { "reply_to", "Reply-To header", TRAWL_FT_STRING, 0 },
    [C_MSG_ID]      = { "msg_id", "Message-ID header", TRAWL_FT_STRING, 0 },
    [C_IN_REPLY_TO] = { "in_reply_to", "In-Reply-To header", TRAWL_FT_STRING, 0 },
    [C_SUBJECT]     = { "subject", "Subject header", TRAWL_FT_STRING, 0 },
    [C_X_ORIGINATING_IP] = { "x_originating_ip", "X-Originating-IP header", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_FIRST_RECEIVED] = { "first_received", "First Received header", TRAWL_FT_STRING, 0 },
    [C_SECOND_RECEIVED] = { "second_received", "Second Received header", TRAWL_FT_STRING, 0 },
    [C_LAST_REPLY]  = { "last_reply", "Last reply of the server (code and text)", TRAWL_FT_STRING, 0 },
    [C_PATH]        = { "path", "Transmission path: responder, originator, then Received hosts", TRAWL_FT_IPV6, TRAWL_RF_ADDR | TRAWL_RF_LIST },
    [C_USER_AGENT]  = { "user_agent", "User-Agent or X-Mailer header", TRAWL_FT_STRING, 0 },
    [C_TLS]         = { "tls", "STARTTLS was accepted on the connection", TRAWL_FT_BOOL, 0 },
    [C_COMMUNITY_ID] = { "community_id", "Community ID v1 of the connection", TRAWL_FT_STRING, 0 },
    [C_FILE]        = { "file", "Capture file of the first packet", TRAWL_FT_STRING, 0 },
    [C_FIRST_FRAME] = { "first_frame", "First frame of the transaction", TRAWL_FT_U64, 0 },
    [C_LAST_FRAME]  = { "last_frame", "Frame where the record was made", TRAWL_FT_U64, 0 },
};

static const struct trawl_record_def smtp_def = {
    sizeof smtp_def, "smtp", "SMTP message transactions (Zeek's smtp.log)", cols, C_COUNT,
};

/* ---- state -------------------------------------------------------------------------------- */

#define LINE_CAP (64 * 1024)       /* a command or reply (all its lines) longer: give up */
#define DATA_HOLD (512 * 1024)     /* a message held whole for imf up to this; longer: streamed */
#define STR_CAP 256                /* a record string kept */
#define LIST_CAP 2048              /* rcptto, to, cc: kept joined by NUL, cut beyond */
#define PEND_CAP 64                /* commands waiting for a reply (pipelining) */
#define PATH_CAP 8

enum { PH_CMD, PH_DATA, PH_BDAT, PH_TLS, PH_DEAD };
enum { K_OTHER, K_HELO, K_MAIL, K_RCPT, K_DATA, K_DOT, K_STARTTLS, K_AUTH, K_RSET, K_QUIT, K_BDAT };
enum { A_NONE, A_LOGIN, A_PLAIN, A_OTHER };

struct str { uint16_t n; char s[STR_CAP]; };
struct list { uint16_t n, count; char s[LIST_CAP]; };

struct smtp_tx {
    bool open, has_data;
    int64_t ts;
    uint64_t first_frame;
    struct str mailfrom, date, from, reply_to, msg_id, in_reply_to, subject, recv1, recv2, ua;
    struct list rcpt, to, cc;
    uint8_t xoip[16], xoip_fam;
    uint8_t npath, path_fam[PATH_CAP], path[PATH_CAP][16];
};

struct smtp_flow {
    uint8_t phase;
    uint8_t auth, auth_lines;     /* AUTH in progress: mechanism, credential lines seen */
    bool auth_initial;            /* AUTH LOGIN came with the username */
    bool got_334;                 /* the server asked for the next credential line */
    bool tls;                     /* STARTTLS accepted */
    bool resync[2];               /* after a gap: skip to the next line end */
    uint8_t dfa;                  /* DATA: where we are in "\n.\r\n" */
    uint8_t npend, pend_head;
    uint8_t pend[PEND_CAP];
    uint32_t data_scan;           /* bytes of the held message already scanned */
    uint8_t data_head[16];        /* its first bytes: the engine may drop what it held */
    uint32_t data_frags;          /* deliveries that brought message bytes */
    uint64_t data_len;            /* message bytes (streamed once past DATA_HOLD) */
    bool data_streamed;
    bool bdat_last, bdat_first;   /* BDAT: this chunk ends the message; it is the first one */
    uint64_t bdat_left;           /* BDAT: chunk bytes still to come */
    uint32_t trans_depth;
    int64_t next_ts;              /* Zeek's ts of the next transaction: the session's first */
    uint64_t next_frame;          /* line, then the reply that ended the previous one */
    struct str helo, last_reply;
    struct smtp_tx tx;
};

struct smtp_state {
    const struct trawl_proto *proto;
    const struct trawl_proto *tls;
    const struct trawl_proto *imf;
    const struct trawl_record_type *rec;
    bool decrypt;
};

/* ---- small helpers -------------------------------------------------------------------------- */

static void str_set(struct str *d, const char *s, size_t n)
{
    if (n > STR_CAP) n = STR_CAP;
    memcpy(d->s, s, n);
    d->n = (uint16_t)n;
}

static void list_add(struct list *l, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (!n || (size_t)l->n + n + 1 > LIST_CAP) return;
    memcpy(l->s + l->n, s, n);
    l->n = (uint16_t)(l->n + n);
    l->s[l->n++] = 0;
    l->count++;
}

static bool ieq(const uint8_t *p, uint32_t n, const char *word)
{
    size_t w = strlen(word);
    return n == w && !strncasecmp((const char *)p, word, w);
}

static bool iprefix(const uint8_t *p, uint32_t n, const char *word)
{
    size_t w = strlen(word);
    return n >= w && !strncasecmp((const char *)p, word, w);
}

/* The info column as tshark writes it: "C: " or "S: " before the frame's first line, " | "
 * between lines. */
static void info_line(struct trawl_packet *pkt, char side, const uint8_t *p, uint32_t n, const char *pre)
{
    if (!trawl_cols_wanted(pkt)) return;
    const char *cur = trawl_packet_col(pkt, TRAWL_COL_INFO);
    int w = (int)(n < 200 ? n : 200);
    if (!cur || !*cur) trawl_col_set(pkt, TRAWL_COL_INFO, "%c: %s%.*s", side, pre, w, (const char *)p);
    else trawl_col_append(pkt, TRAWL_COL_INFO, " | %s%.*s", pre, w, (const char *)p);
}

static int b64v(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Base64 into out (cap at least n); returns the decoded length, or -1 when it is not base64. */
static int b64_decode(const uint8_t *in, uint32_t n, uint8_t *out)
{
    uint32_t acc = 0, bits = 0, k = 0, i = 0;
    for (; i < n && in[i] != '='; i++) {
        int v = b64v(in[i]);
        if (v < 0) return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) { bits -= 8; out[k++] = (uint8_t)(acc >> bits); }
    }
    for (; i < n; i++) if (in[i] != '=') return -1;
    return (int)k;
}

/* The address in "FROM:<a@b> SIZE=1" / "TO:<x@y>" (Zeek's extract_first_email_addr). */
static void first_addr(const uint8_t *p, uint32_t n, const char **a, uint32_t *an)
{
    const uint8_t *lt = memchr(p, '<', n);
    if (lt) {
        const uint8_t *gt = memchr(lt, '>', n - (uint32_t)(lt - p));
        if (gt) { *a = (const char *)lt + 1; *an = (uint32_t)(gt - lt - 1); return; }
    }
    const uint8_t *colon = memchr(p, ':', n);
    uint32_t i = colon ? (uint32_t)(colon - p) + 1 : 0;
    while (i < n && p[i] == ' ') i++;
    uint32_t j = i;
    while (j < n && p[j] != ' ') j++;
    *a = (const char *)p + i;
    *an = j - i;
}

/* ---- the record ------------------------------------------------------------------------------ */

static void rec_list(struct trawl_record *r, unsigned col, const struct list *l)
{
    for (uint32_t i = 0; i < l->n;) {
        size_t k = strlen(l->s + i);
        trawl_rec_string(r, col, l->s + i, (uint32_t)k);
        i += (uint32_t)k + 1;
    }
}

static void rec_str(struct trawl_record *r, unsigned col, const struct str *s)
{
    if (s->n) trawl_rec_string(r, col, s->s, s->n);
}

static void make_record(struct trawl_packet *ctx, const struct smtp_state *st, struct trawl_flow *f,
                        struct smtp_flow *fs)
{
    struct smtp_tx *tx = &fs->tx;
    if (!tx->open) return;
    tx->open = false;
    fs->trans_depth++;
    const struct trawl_frame *fr = trawl_packet_frame(ctx);
    if (fr && fr->number) { fs->next_ts = fr->ts_ns; fs->next_frame = fr->number; }
    if (!trawl_record_wanted(ctx, st->rec)) return;
    struct trawl_record *r = trawl_record_begin(ctx, st->rec);
    if (!r) return;
    const struct trawl_flow_info *fi = trawl_flow_info(f);
    trawl_rec_time(r, C_TS, tx->ts);
    trawl_rec_flow_id(r, C_UID, f);
    trawl_rec_uint(r, C_TRANS_DEPTH, fs->trans_depth);
    rec_str(r, C_HELO, &fs->helo);
    rec_str(r, C_MAILFROM, &tx->mailfrom);
    rec_list(r, C_RCPTTO, &tx->rcpt);
    rec_str(r, C_DATE, &tx->date);
    rec_str(r, C_FROM, &tx->from);
    rec_list(r, C_TO, &tx->to);
    rec_list(r, C_CC, &tx->cc);
    rec_str(r, C_REPLY_TO, &tx->reply_to);
    rec_str(r, C_MSG_ID, &tx->msg_id);
    rec_str(r, C_IN_REPLY_TO, &tx->in_reply_to);
    rec_str(r, C_SUBJECT, &tx->subject);
    if (tx->xoip_fam) trawl_rec_addr(r, C_X_ORIGINATING_IP, tx->xoip_fam, tx->xoip);
    rec_str(r, C_FIRST_RECEIVED, &tx->recv1);
    rec_str(r, C_SECOND_RECEIVED, &tx->recv2);
    rec_str(r, C_LAST_REPLY, &fs->last_reply);
    trawl_rec_addr(r, C_PATH, fi->family, fi->resp_addr);
    trawl_rec_addr(r, C_PATH, fi->family, fi->orig_addr);
    for (unsigned i = 0; i < tx->npath; i++) trawl_rec_addr(r, C_PATH, tx->path_fam[i], tx->path[i]);
    rec_str(r, C_USER_AGENT, &tx->ua);
    trawl_rec_bool(r, C_TLS, fs->tls);
    /* The flow's last frame: the packet being dissected (the flow counts it first), or at the
     * flow's end its real last one, whatever context the end comes in. */
    trawl_rec_evidence(r, C_COMMUNITY_ID, ctx, f, fi->first_file,
                       tx->first_frame ? tx->first_frame : fi->first_frame, fi->last_frame);
    trawl_record_end(r);
}

static void tx_begin(struct trawl_packet *pkt, struct smtp_flow *fs)
{
    struct smtp_tx *tx = &fs->tx;
    memset(tx, 0, sizeof *tx);
    tx->open = true;
    tx->ts = fs->next_ts;
    tx->first_frame = fs->next_frame;
    if (!tx->first_frame) {
        tx->ts = trawl_packet_frame(pkt) ? trawl_packet_frame(pkt)->ts_ns : 0;
        tx->first_frame = trawl_packet_frame(pkt) ? trawl_packet_frame(pkt)->number : 0;
    }
    fs->data_len = 0;
    fs->data_frags = 0;
}

/* An IP address in a header value: the first "[a.b.c.d]" / "[IPv6:...]" or bare dotted quad. */
static int find_ip(const char *s, size_t n, uint8_t out[16])
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '[' && !(s[i] >= '0' && s[i] <= '9' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '(')))
            continue;
        size_t j = s[i] == '[' ? i + 1 : i;
        if (j + 5 <= n && !strncasecmp(s + j, "IPv6:", 5)) j += 5;
        size_t k = j;
        while (k < n && k - j < 45 && (s[k] == '.' || s[k] == ':' || (s[k] >= '0' && s[k] <= '9') ||
                                       (s[k] >= 'a' && s[k] <= 'f') || (s[k] >= 'A' && s[k] <= 'F'))) k++;
        char tmp[48];
        if (k == j || k - j >= sizeof tmp) continue;
        memcpy(tmp, s + j, k - j);
        tmp[k - j] = 0;
        if (inet_pton(AF_INET, tmp, out) == 1) return 4;
        if (inet_pton(AF_INET6, tmp, out) == 1) return 6;
    }
    return 0;
}

/* The header section of a message (unfolded values) into the transaction. */
static void read_headers(struct smtp_tx *tx, const uint8_t *m, uint32_t n)
{
    uint32_t off = 0;
    unsigned nrecv = 0;
    while (off < n) {
        /* One field: a line and its continuation lines. */
        uint32_t end = off;
        for (;;) {
            const uint8_t *nl = memchr(m + end, '\n', n - end);
            end = nl ? (uint32_t)(nl - m) + 1 : n;
            if (end >= n || (m[end] != ' ' && m[end] != '\t')) break;
        }
        uint32_t ll = end - off;
        while (ll && (m[off + ll - 1] == '\n' || m[off + ll - 1] == '\r')) ll--;
        if (!ll) break;                                     /* the empty line: the body follows */
        const uint8_t *colon = memchr(m + off, ':', ll);
        if (colon) {
            uint32_t nl_ = (uint32_t)(colon - (m + off));
            char val[STR_CAP * 4];
            size_t vn = 0;
            for (uint32_t i = nl_ + 1; i < ll && vn < sizeof val; i++) {
                uint8_t c = m[off + i];
                if (c == '\r' || c == '\n') continue;       /* unfold */
                val[vn++] = (char)c;
            }
            size_t vs = 0;
            while (vs < vn && (val[vs] == ' ' || val[vs] == '\t')) vs++;
            const char *v = val + vs;
            size_t vl = vn - vs;
            const uint8_t *name = m + off;
            struct list *l = NULL;
            if (ieq(name, nl_, "date")) str_set(&tx->date, v, vl);
            else if (ieq(name, nl_, "from")) str_set(&tx->from, v, vl);
            else if (ieq(name, nl_, "reply-to")) str_set(&tx->reply_to, v, vl);
            else if (ieq(name, nl_, "message-id")) str_set(&tx->msg_id, v, vl);
            else if (ieq(name, nl_, "in-reply-to")) str_set(&tx->in_reply_to, v, vl);
            else if (ieq(name, nl_, "subject")) str_set(&tx->subject, v, vl);
            else if (ieq(name, nl_, "user-agent") || (ieq(name, nl_, "x-mailer") && !tx->ua.n)) str_set(&tx->ua, v, vl);
            else if (ieq(name, nl_, "to")) l = &tx->to;
            else if (ieq(name, nl_, "cc")) l = &tx->cc;
            else if (ieq(name, nl_, "x-originating-ip")) tx->xoip_fam = (uint8_t)find_ip(v, vl, tx->xoip);
            else if (ieq(name, nl_, "received")) {
                if (nrecv == 0) str_set(&tx->recv1, v, vl);
                else if (nrecv == 1) str_set(&tx->recv2, v, vl);
                nrecv++;
                uint8_t ip[16];
                int fam = find_ip(v, vl, ip);
                if (fam && tx->npath < PATH_CAP) {
                    tx->path_fam[tx->npath] = (uint8_t)fam;
                    memcpy(tx->path[tx->npath++], ip, 16);
                }
            }
            if (l) {
                size_t s = 0;
                for (size_t i = 0; i <= vl; i++)
                    if (i == vl || v[i] == ',') { list_add(l, v + s, i - s); s = i + 1; }
            }
        }
        off = end;
    }
}

/* ---- the pending-command queue (pipelining) ------------------------------------------------- */

static void pend_push(struct smtp_flow *fs, uint8_t k)
{
    if (fs->npend == PEND_CAP) return;           /* beyond: replies are matched to "other" */
    fs->pend[(fs->pend_head + fs->npend) % PEND_CAP] = k;
    fs->npend++;
}

static uint8_t pend_pop(struct smtp_flow *fs)
{
    if (!fs->npend) return K_OTHER;
    uint8_t k = fs->pend[fs->pend_head];
    fs->pend_head = (uint8_t)((fs->pend_head + 1) % PEND_CAP);
    fs->npend--;
    return k;
}

/* ---- the client ----------------------------------------------------------------------------- */

static void add_cred(struct trawl_packet *pkt, const struct smtp_state *st, unsigned idx,
                     const uint8_t *p, uint32_t n)
{
    if (!st->decrypt) { trawl_add_string(pkt, idx, (const char *)p, n); return; }
    uint8_t *out = trawl_packet_alloc(pkt, n + 1);
    int k = out ? b64_decode(p, n, out) : -1;
    if (k < 0) { trawl_add_string(pkt, idx, (const char *)p, n); return; }
    if (idx != F_USERNAME_PASSWORD) { trawl_add_string(pkt, idx, (const char *)out, (uint32_t)k); return; }
    /* PLAIN: authzid NUL authcid NUL password */
    const uint8_t *z1 = memchr(out, 0, (size_t)k);
    const uint8_t *z2 = z1 ? memchr(z1 + 1, 0, (size_t)(out + k - z1 - 1)) : NULL;
    if (!z2) { trawl_add_string(pkt, idx, (const char *)p, n); return; }
    trawl_add_string(pkt, F_USERNAME, (const char *)z1 + 1, (uint32_t)(z2 - z1 - 1));
    trawl_add_string(pkt, F_PASSWORD, (const char *)z2 + 1, (uint32_t)(out + k - z2 - 1));
}

/* One command line (ll bytes without its line end; tl with it). */
static void on_command(struct trawl_packet *pkt, const struct smtp_state *st, struct smtp_flow *fs,
                       const uint8_t *p, uint32_t ll, uint32_t tl)
{
    trawl_add_bool(pkt, F_REQ, true);
    if (fs->auth != A_NONE && fs->got_334) {
        /* A credential line answering the server's 334. */
        fs->got_334 = false;                /* answered by a 334 or AUTH's final reply */
        if (ll == 1 && p[0] == '*') { fs->auth = A_NONE; return; }     /* cancelled */
        if (fs->auth == A_LOGIN) {
            unsigned which = fs->auth_lines == 0 && !fs->auth_initial ? F_USERNAME : F_PASSWORD;
            add_cred(pkt, st, which, p, ll);
        } else if (fs->auth == A_PLAIN && fs->auth_lines == 0) {
            add_cred(pkt, st, F_USERNAME_PASSWORD, p, ll);
        }
        info_line(pkt, 'C', p, ll, fs->auth == A_LOGIN ? (fs->auth_lines == 0 && !fs->auth_initial ? "User: " : "Pass: ") : "");
        fs->auth_lines++;
        return;
    }
    trawl_add_string(pkt, F_COMMAND_LINE, (const char *)p, tl);
    uint32_t cl = ll < 4 ? ll : 4;
    trawl_add_string(pkt, F_REQ_COMMAND, (const char *)p, cl);
    const uint8_t *arg = ll > 5 ? p + 5 : NULL;
    uint32_t an = ll > 5 ? ll - 5 : 0;
    if (arg) trawl_add_string(pkt, F_REQ_PARAMETER, (const char *)arg, an);
    info_line(pkt, 'C', p, ll, "");
    /* The verb is the word before the first space (STARTTLS is 8 letters). */
    uint32_t vl = 0;
    while (vl < ll && p[vl] != ' ') vl++;
    uint8_t k = K_OTHER;
    if (ieq(p, vl, "HELO") || ieq(p, vl, "EHLO")) {
        k = K_HELO;
        if (arg) str_set(&fs->helo, (const char *)arg, an);
    } else if (ieq(p, vl, "MAIL") && arg && iprefix(arg, an, "FROM:")) {
        k = K_MAIL;
        if (fs->tx.open) {
            /* a new transaction without the end of the last one seen: log what we had */
            struct trawl_flow *f = trawl_packet_flow(pkt);
            if (f) make_record(pkt, st, f, fs);
        }
        tx_begin(pkt, fs);
        const char *a; uint32_t n;
        first_addr(arg, an, &a, &n);
        str_set(&fs->tx.mailfrom, a, n);
    } else if (ieq(p, vl, "RCPT") && arg && iprefix(arg, an, "TO:")) {
        k = K_RCPT;
        if (!fs->tx.open) tx_begin(pkt, fs);
        const char *a; uint32_t n;
        first_addr(arg, an, &a, &n);
        list_add(&fs->tx.rcpt, a, n);
    } else if (ieq(p, vl, "DATA")) {
        k = K_DATA;
        if (!fs->tx.open) tx_begin(pkt, fs);
        fs->phase = PH_DATA;                /* the client's next bytes are the message */
        fs->dfa = 1;                        /* at a line start */
        fs->data_scan = 0;
        fs->data_frags = 0;
        fs->data_len = 0;
        fs->data_streamed = false;
    } else if (ieq(p, vl, "BDAT") && arg) {
        /* RFC 3030: "BDAT size [LAST]", then exactly size bytes of the message */
        uint64_t sz = 0;
        uint32_t i = 0;
        while (i < an && i < 18 && arg[i] >= '0' && arg[i] <= '9') sz = sz * 10 + (uint64_t)(arg[i++] - '0');
        if (i && (i == an || arg[i] == ' ')) {
            k = K_BDAT;
            if (!fs->tx.open) tx_begin(pkt, fs);
            fs->bdat_first = !fs->tx.has_data && !fs->data_len;
            if (fs->bdat_first) { fs->data_frags = 0; fs->data_streamed = false; }
            fs->bdat_last = i < an && iprefix(arg + i + 1, an - i - 1, "LAST");
            fs->bdat_left = sz;
            fs->phase = PH_BDAT;
        }
    } else if (ieq(p, vl, "STARTTLS")) {
        k = K_STARTTLS;
    } else if (ieq(p, vl, "AUTH")) {
        k = K_AUTH;
        uint32_t ml = 0;
        while (ml < an && arg[ml] != ' ') ml++;
        fs->auth = arg && ieq(arg, ml, "LOGIN") ? A_LOGIN : arg && ieq(arg, ml, "PLAIN") ? A_PLAIN : A_OTHER;
        fs->auth_lines = 0;
        fs->auth_initial = false;
        fs->got_334 = false;
        if (ml < an) {
            /* an initial response */
            const uint8_t *ir = arg + ml + 1;
            uint32_t irn = an - ml - 1;
            if (fs->auth == A_PLAIN) { add_cred(pkt, st, F_USERNAME_PASSWORD, ir, irn); fs->auth_lines = 1; }
            else if (fs->auth == A_LOGIN) { add_cred(pkt, st, F_USERNAME, ir, irn); fs->auth_initial = true; }
        }
    } else if (ieq(p, vl, "RSET")) {
        k = K_RSET;
    } else if (ieq(p, vl, "QUIT")) {
        k = K_QUIT;
    }
    pend_push(fs, k);
}

/* The message has ended at m[0..len) (stuffed), on this frame. */
static void on_message(struct trawl_packet *pkt, const struct smtp_state *st, struct smtp_flow *fs,
                       const uint8_t *m, uint32_t len, bool whole)
{
    trawl_add_uint(pkt, F_FRAG_COUNT, fs->data_frags);
    trawl_add_bool(pkt, F_EOM, true);
    uint64_t rl = fs->data_len;
    trawl_add_uint(pkt, F_REASM_LENGTH, (uint32_t)(rl > UINT32_MAX ? UINT32_MAX : rl));
    fs->tx.has_data = true;
    if (!whole || !len) return;
    /* Dot-unstuff: a line starting with '.' loses that dot (RFC 5321 4.5.2). */
    uint8_t *u = trawl_packet_alloc(pkt, len);
    if (!u) return;
    uint32_t k = 0;
    bool bol = true;
    for (uint32_t i = 0; i < len; i++) {
        if (bol && m[i] == '.') { bol = false; continue; }
        bol = m[i] == '\n';
        u[k++] = m[i];
    }
    read_headers(&fs->tx, u, k);
    if (st->imf) {
        uint8_t latch = 0;
        struct trawl_buf mb = trawl_buf_make(u, k, k, &latch);
        trawl_dissect_proto(pkt, st->imf, &mb);
    }
}

/* DATA: scan for the end line from where the last call stopped. Returns the bytes used. */
static uint32_t on_data(struct trawl_packet *pkt, const struct smtp_state *st, struct smtp_flow *fs,
                        const uint8_t *d, uint32_t n, bool *more)
{
    uint32_t start = fs->data_streamed ? 0 : fs->data_scan;
    uint32_t hl = fs->data_scan < sizeof fs->data_head ? fs->data_scan : (uint32_t)sizeof fs->data_head;
    if (start && (n < start || memcmp(d, fs->data_head, hl))) {
        /* The engine gave up what it held for us (reasm.max_pdu): these bytes are the middle
         * of the message. Count on from here; imf gets nothing. */
        fs->data_streamed = true;
        fs->data_len += start;
        fs->dfa = 0;
        start = 0;
    }
    bool fresh = n > start;                   /* this delivery brought bytes */
    uint8_t s = fs->dfa;
    uint32_t i = start;
    for (; i < n; i++) {
        uint8_t c = d[i];
        if (s == 1) s = c == '.' ? 2 : c == '\n' ? 1 : 0;
        else if (s == 2) { if (c == '\n') break; s = c == '\r' ? 3 : 0; }
        else if (s == 3) { if (c == '\n') break; s = 0; }
        else s = c == '\n' ? 1 : 0;
        if (s == 0) {
            /* skip ahead to the next line end */
            const uint8_t *nl = memchr(d + i + 1, '\n', n - i - 1);
            if (!nl) { i = n; break; }
            i = (uint32_t)(nl - d);
            s = 1;
        }
    }
    if (i < n) {
        /* d[i] is the end line's '\n': the message is everything before the end line. */
        uint32_t endlen = s == 3 ? 3 : 2;
        uint32_t mlen = i + 1 - endlen;
        if (fresh && mlen > start) fs->data_frags++;   /* tshark counts segments with message bytes */
        if (fs->data_streamed) fs->data_len += mlen; else fs->data_len = mlen;
        on_message(pkt, st, fs, d, mlen, !fs->data_streamed);
        fs->phase = PH_CMD;
        fs->dfa = 0;
        pend_push(fs, K_DOT);
        return i + 1;
    }
    fs->dfa = s;
    if (fresh) fs->data_frags++;
    if (!fs->data_streamed && n < DATA_HOLD) {
        memcpy(fs->data_head, d, n < sizeof fs->data_head ? n : sizeof fs->data_head);
        fs->data_scan = n;
        fs->data_len = 0;
        *more = true;
        return 0;
    }
    /* Too long to hold: read the headers we have, then count the rest as it streams by. */
    if (!fs->data_streamed) {
        fs->data_streamed = true;
        uint8_t *u = trawl_packet_alloc(pkt, n);
        if (u) {
            uint32_t k = 0;
            bool bol = true;
            for (uint32_t j = 0; j < n; j++) {
                if (bol && d[j] == '.') { bol = false; continue; }
                bol = d[j] == '\n';
                u[k++] = d[j];
            }
            read_headers(&fs->tx, u, k);
        }
    }
    fs->data_len += n;
    fs->data_scan = 0;
    return n;
}

/* BDAT: the chunk's bytes. A message sent as one chunk (BDAT n LAST) held whole up to DATA_HOLD
 * goes to imf like a DATA message (no dot-stuffing in BDAT); otherwise the headers of the first
 * chunk fill the record and the rest is counted. Returns the bytes used. */
static uint32_t on_bdat(struct trawl_packet *pkt, const struct smtp_state *st, struct smtp_flow *fs,
                        const uint8_t *d, uint32_t n, bool *more)
{
    if (!fs->bdat_left) { fs->phase = PH_CMD; return 0; }
    bool whole = fs->bdat_first && fs->bdat_last && fs->bdat_left <= DATA_HOLD;
    if (whole && n < fs->bdat_left) {
        if (!fs->data_scan || n > fs->data_scan) fs->data_frags++;
        fs->data_scan = n;
        *more = true;
        return 0;
    }
    uint32_t take = n < fs->bdat_left ? n : (uint32_t)fs->bdat_left;
    fs->data_scan = 0;
    if (!whole) fs->data_frags++;
    else if (!fs->data_frags) fs->data_frags = 1;
    if (!whole && fs->bdat_first && !fs->data_len) read_headers(&fs->tx, d, take);
    fs->data_len += take;
    fs->bdat_left -= take;
    if (!fs->bdat_left) {
        fs->phase = PH_CMD;
        if (fs->bdat_last) {
            trawl_add_uint(pkt, F_FRAG_COUNT, fs->data_frags);
            trawl_add_uint(pkt, F_REASM_LENGTH, (uint32_t)(fs->data_len > UINT32_MAX ? UINT32_MAX : fs->data_len));
            fs->tx.has_data = true;
            if (whole && take) {
                read_headers(&fs->tx, d, take);
                if (st->imf) {
                    uint8_t latch = 0;
                    struct trawl_buf mb = trawl_buf_make(d, take, take, &latch);
                    trawl_dissect_proto(pkt, st->imf, &mb);
                }
            }
            fs->data_len = 0;
            fs->data_frags = 0;
        }
    }
    return take;
}

/* ---- the server ------------------------------------------------------------------------------ */

static bool digit3(const uint8_t *p, uint32_t n)
{
    return n >= 3 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9';
}

/* Where the reply starting at d ends (after its final line), 0 when it is not all there;
 * *cut when no line end came within the cap. */
static uint32_t reply_end(const uint8_t *d, uint32_t n, bool *cut)
{
    uint32_t off = 0;
    while (off < n) {
        const uint8_t *nl = memchr(d + off, '\n', n - off);
        if (!nl) { if (n > LINE_CAP) *cut = true; return 0; }
        uint32_t ll = (uint32_t)(nl - (d + off));
        bool cont = ll >= 4 && digit3(d + off, ll) && d[off + 3] == '-';
        off += ll + 1;
        if (!cont) return off;
        if (off > LINE_CAP) { *cut = true; return 0; }
    }
    return 0;
}

/* One whole reply d[0..n); returns true when the stream was switched to TLS after it. */
static bool on_reply(struct trawl_packet *pkt, const struct smtp_state *st, struct smtp_flow *fs,
                     const uint8_t *d, uint32_t n)
{
    uint32_t off = 0, code = 0;
    bool first = true, have_code = false;
    while (off < n) {
        const uint8_t *nl = memchr(d + off, '\n', n - off);
        uint32_t tl = nl ? (uint32_t)(nl - (d + off)) + 1 : n - off;
        uint32_t ll = tl;
        while (ll && (d[off + ll - 1] == '\n' || d[off + ll - 1] == '\r')) ll--;
        const uint8_t *p = d + off;
        if (first) trawl_add_string(pkt, F_RESPONSE, (const char *)p, tl);
        if (digit3(p, ll)) {
            uint32_t c = (uint32_t)(p[0] - '0') * 100 + (uint32_t)(p[1] - '0') * 10 + (uint32_t)(p[2] - '0');
            if (first) { code = c; have_code = true; trawl_add_uint(pkt, F_RSP_CODE, c); }
            if (ll >= 4) {
                const uint8_t *a = p + 4;
                uint32_t an = ll - 4;
                uint8_t *dec = NULL;
                int k = -1;
                if (st->decrypt && c == 334 && an && (dec = trawl_packet_alloc(pkt, an))) k = b64_decode(a, an, dec);
                if (k > 0) trawl_add_string(pkt, F_RSP_PARAMETER, (const char *)dec, (uint32_t)k);
                else trawl_add_string(pkt, F_RSP_PARAMETER, (const char *)a, an);
            }
            if (!nl || off + tl >= n) {
                /* the final line: Zeek's last_reply is "code text" */
                char buf[STR_CAP];
                int w = snprintf(buf, sizeof buf, "%u %.*s", c, (int)(ll > 4 ? (ll - 4 < 240 ? ll - 4 : 240) : 0),
                                 ll > 4 ? (const char *)p + 4 : "");
                if (w > 0) str_set(&fs->last_reply, buf, (size_t)w < sizeof buf ? (size_t)w : sizeof buf - 1);
            }
        }
        if (first) info_line(pkt, 'S', p, ll, "");
        else if (ll > 4) info_line(pkt, 'S', p + 4, ll - 4, "");
        first = false;
        off += tl;
    }
    if (!have_code) return false;
    if (code == 334) { if (fs->auth != A_NONE) fs->got_334 = true; return false; }
    uint8_t k = pend_pop(fs);
    switch (k) {
    case K_AUTH:
        fs->auth = A_NONE;
        break;
    case K_DATA:
        if (code != 354 && fs->phase == PH_DATA && !fs->data_frags) fs->phase = PH_CMD;
        break;
    case K_DOT: {
        struct trawl_flow *f = trawl_packet_flow(pkt);
        if (f) make_record(pkt, st, f, fs);
        break;
    }
    case K_BDAT:
        if (fs->tx.open && fs->tx.has_data && fs->phase != PH_BDAT) {
            struct trawl_flow *f = trawl_packet_flow(pkt);
            if (f) make_record(pkt, st, f, fs);
        }
        break;
    case K_RSET: case K_QUIT:
        if (fs->tx.open && (fs->tx.mailfrom.n || fs->tx.has_data)) {
            struct trawl_flow *f = trawl_packet_flow(pkt);
            if (f) make_record(pkt, st, f, fs);
        }
        fs->tx.open = false;
        break;
    case K_STARTTLS:
        if (code == 220) {
            fs->tls = true;
            fs->npend = 0;
            /* Zeek logs the session here (tls T): what follows is encrypted */
            if (!fs->tx.open) tx_begin(pkt, fs);
            struct trawl_flow *f = trawl_packet_flow(pkt);
            if (f) make_record(pkt, st, f, fs);
            if (st->tls) { trawl_stream_switch(pkt, st->tls); fs->phase = PH_DEAD; return true; }
            fs->phase = PH_TLS;
            return true;
        }
        break;
    default:
        break;
    }
    return false;
}

/* ---- the dissector ----------------------------------------------------------------------------- */

/* After a gap: do these bytes begin a line (an upper-case command verb, or a reply code)? Then
 * nothing is skipped; otherwise the rest of the cut line is. */
static bool line_start(const uint8_t *d, uint32_t n, int dir)
{
    if (n < 4) return false;
    if (dir == TRAWL_DIR_RESP)
        return d[0] >= '0' && d[0] <= '9' && d[1] >= '0' && d[1] <= '9' && d[2] >= '0' && d[2] <= '9' &&
               (d[3] == ' ' || d[3] == '-' || d[3] == '\r');
    uint32_t i = 0;
    while (i < n && i < 9 && d[i] >= 'A' && d[i] <= 'Z') i++;     /* verbs as clients send them */
    return i >= 3 && i < n && (d[i] == ' ' || d[i] == '\r' || d[i] == '\n');
}

static int smtp_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct smtp_state *st = state;
    struct trawl_flow *f = trawl_packet_flow(pkt);
    if (!f || !trawl_packet_in_stream(pkt)) return 0;
    int dir = trawl_packet_flow_dir(pkt);
    uint32_t n = trawl_buf_caplen(b);
    if (!n) return 0;                          /* a FIN: nothing cut is worth keeping */
    const uint8_t *d = trawl_buf_ptr(b, 0, n);
    if (!d) return 0;
    struct smtp_flow *fs = trawl_flow_state(f, st->proto, sizeof *fs);
    if (!fs) return 0;
    if (!fs->next_frame && trawl_packet_frame(pkt)) {
        fs->next_ts = trawl_packet_frame(pkt)->ts_ns;
        fs->next_frame = trawl_packet_frame(pkt)->number;
    }
    if (fs->phase == PH_TLS || fs->phase == PH_DEAD) {
        if (fs->phase == PH_TLS) {
            trawl_add_uint(pkt, F_ENCRYPTED, n);
            if (trawl_cols_wanted(pkt)) trawl_col_set(pkt, TRAWL_COL_INFO, "Encrypted (STARTTLS), %u bytes", n);
        }
        return (int)n;
    }
    if (trawl_cols_wanted(pkt)) trawl_col_set(pkt, TRAWL_COL_INFO, "%s", "");
    uint32_t off = 0;
    bool more = false;
    if (fs->resync[dir] && line_start(d, n, dir)) fs->resync[dir] = false;
    if (fs->resync[dir]) {
        const uint8_t *nl = memchr(d, '\n', n);
        if (!nl) return (int)n;
        fs->resync[dir] = false;
        off = (uint32_t)(nl - d) + 1;
        if (dir == TRAWL_DIR_RESP) fs->npend = 0;   /* which reply answers what is unknown now */
    }
    if (dir == TRAWL_DIR_ORIG) {
        while (off < n && !more) {
            if (fs->phase == PH_DATA) {
                off += on_data(pkt, st, fs, d + off, n - off, &more);
                continue;
            }
            if (fs->phase == PH_BDAT) {
                off += on_bdat(pkt, st, fs, d + off, n - off, &more);
                continue;
            }
            if (fs->phase != PH_CMD) { off = n; break; }
            const uint8_t *nl = memchr(d + off, '\n', n - off);
            if (!nl) {
                if (n - off > LINE_CAP) {
                    trawl_add_bool(pkt, F_LINE_TOO_LONG, true);
                    trawl_buf_mark_malformed(b);
                    fs->phase = PH_DEAD;
                    off = n;
                    break;
                }
                more = true;
                break;
            }
            uint32_t tl = (uint32_t)(nl - (d + off)) + 1, ll = tl - 1;
            if (ll && d[off + ll - 1] == '\r') ll--;
            if (tl > LINE_CAP) {
                trawl_add_bool(pkt, F_LINE_TOO_LONG, true);
                trawl_buf_mark_malformed(b);
                fs->phase = PH_DEAD;
                off = n;
                break;
            }
            on_command(pkt, st, fs, d + off, ll, tl);
            off += tl;
        }
    } else {
        bool any = false;
        while (off < n) {
            bool cut = false;
            uint32_t e = reply_end(d + off, n - off, &cut);
            if (cut) {
                trawl_add_bool(pkt, F_LINE_TOO_LONG, true);
                trawl_buf_mark_malformed(b);
                fs->phase = PH_DEAD;
                off = n;
                break;
            }
            if (!e) { more = true; break; }
            if (!any) trawl_add_bool(pkt, F_RSP, true);
            any = true;
            bool sw = on_reply(pkt, st, fs, d + off, e);
            off += e;
            if (sw) {
                if (fs->phase == PH_TLS && off < n) {
                    trawl_add_uint(pkt, F_ENCRYPTED, n - off);
                    off = n;
                }
                break;
            }
        }
    }
    if (more) trawl_stream_need_more(pkt, TRAWL_STREAM_MORE_UNKNOWN);
    return (int)off;
}

static void smtp_end(struct trawl_packet *ctx, struct trawl_flow *f, void *flow_state, void *state)
{
    struct smtp_flow *fs = flow_state;
    if (fs && fs->tx.open && (fs->tx.mailfrom.n || fs->tx.rcpt.count || fs->tx.has_data))
        make_record(ctx, state, f, fs);
}

static void smtp_gap(struct trawl_packet *pkt, struct trawl_flow *f, int dir, uint64_t len, void *state)
{
    (void)pkt;
    const struct smtp_state *st = state;
    struct smtp_flow *fs = trawl_flow_state_peek(f, st->proto);
    if (!fs || fs->phase == PH_TLS || fs->phase == PH_DEAD) return;
    if (dir == TRAWL_DIR_ORIG && fs->phase == PH_BDAT) {
        /* what smtp held (a whole chunk being gathered) was dropped with the gap */
        uint64_t lost = len + fs->data_scan;
        fs->data_len += lost;
        fs->data_scan = 0;
        fs->bdat_first = false;            /* never hand imf a chunk with a hole */
        fs->bdat_left = fs->bdat_left > lost ? fs->bdat_left - lost : 0;
        if (!fs->bdat_left) fs->phase = PH_CMD;
        return;
    }
    if (dir == TRAWL_DIR_ORIG && fs->phase == PH_DATA) {
        /* bytes of the message are missing: count on, never hand imf a message with a hole */
        fs->data_len += len + (fs->data_streamed ? 0 : fs->data_scan);
        fs->data_streamed = true;
        fs->data_scan = 0;
        fs->dfa = 0;
        return;
    }
    fs->resync[dir] = true;                /* a line was cut by the gap: skip its rest */
}

/* ---- heuristic ------------------------------------------------------------------------------------ */

static bool has_word(const uint8_t *p, uint32_t n, const char *w)
{
    size_t l = strlen(w);
    for (uint32_t i = 0; i + l <= n; i++)
        if (!memcmp(p + i, w, l)) return true;
    return false;
}

static enum trawl_heur_result smtp_probe(const struct trawl_buf *b, void *state)
{
    (void)state;
    uint32_t n = trawl_buf_caplen(b);
    const uint8_t *p = n && trawl_buf_has(b, 0, n) ? b->data : NULL;
    if (!p) return TRAWL_HEUR_NOT_MINE;
    static const char *const pfx[] = { "220 ", "220-", "EHLO ", "HELO ", "ehlo ", "helo " };
    for (int i = 0; i < 6; i++) {
        size_t l = strlen(pfx[i]);
        if (n < l) { if (!memcmp(p, pfx[i], n)) return TRAWL_HEUR_NEED_MORE; continue; }
        if (memcmp(p, pfx[i], l)) continue;
        const uint8_t *nl = memchr(p, '\n', n < 1024 ? n : 1024);
        if (!nl) return n < 1024 ? TRAWL_HEUR_NEED_MORE : TRAWL_HEUR_NOT_MINE;
        uint32_t ll = (uint32_t)(nl - p);
        if (!ll || p[ll - 1] != '\r') return TRAWL_HEUR_NOT_MINE;
        for (uint32_t j = 0; j < ll - 1; j++)
            if (p[j] < 0x20 || p[j] > 0x7e) return TRAWL_HEUR_NOT_MINE;
        if (i >= 2) return ll - 1 > l ? TRAWL_HEUR_MINE : TRAWL_HEUR_NOT_MINE;
        /* a greeting: it must say SMTP (ESMTP included) and not be an FTP server's */
        if (has_word(p, ll, "FTP")) return TRAWL_HEUR_NOT_MINE;
        return has_word(p, ll, "SMTP") ? TRAWL_HEUR_MINE : TRAWL_HEUR_NOT_MINE;
    }
    return TRAWL_HEUR_NOT_MINE;
}

/* ---- registration ------------------------------------------------------------------------------- */

static const struct trawl_proto_def smtp_proto = {
    "smtp", "Simple Mail Transfer Protocol", "SMTP", fields, F_COUNT, smtp_dissect,
};
static const struct trawl_stream_ops smtp_ops = { sizeof smtp_ops, NULL, smtp_gap, smtp_end };
static const struct trawl_heur_def smtp_heur = { "smtp_tcp", 30, smtp_probe };

static int smtp_init(struct trawl_init *ctx)
{
    struct smtp_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    const char *dec = trawl_init_option(ctx, "decryption");
    st->decrypt = dec && (!strcmp(dec, "1") || !strcasecmp(dec, "true") || !strcasecmp(dec, "yes"));
    st->proto = trawl_proto_register(ctx, &smtp_proto, st);
    st->rec = trawl_record_register(ctx, &smtp_def);
    return st->proto && st->rec ? 0 : TRAWL_EINVAL;
}

static int smtp_handoff(struct trawl_init *ctx)
{
    struct smtp_state *st = trawl_init_state(ctx);
    st->tls = trawl_proto_find(ctx, "tls");
    st->imf = trawl_proto_find(ctx, "imf");
    trawl_table_add(ctx, "tcp.port", 25, st->proto);
    trawl_table_add(ctx, "tcp.port", 587, st->proto);
    trawl_table_add(ctx, "tcp.port", 2525, st->proto);
    trawl_heur_add(ctx, "tcp", &smtp_heur, st->proto);
    return trawl_stream_register(ctx, st->proto, &smtp_ops);
}

static void smtp_fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "smtp", .version = "1.0.0",
                        .summary = "SMTP on TCP: commands, replies, AUTH, DATA to imf, STARTTLS to tls; Zeek's smtp.log",
                        .init = smtp_init, .handoff = smtp_handoff, .fini = smtp_fini);
