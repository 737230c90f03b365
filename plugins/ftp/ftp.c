/* ftp — the FTP control channel on TCP streams (RFC 959, 2228, 2428): request and reply lines
 * reassembled across segments, multi-line replies ("230-" ... "230 "), PASV/EPSV replies and
 * PORT/EPRT commands parsed into tshark's fields, USER/PASS, and AUTH TLS / AUTH SSL: once the
 * server answers 234, the rest of the stream goes to "tls" (trawl_stream_switch). An `ftp`
 * record per command with its final reply, as Zeek's ftp.log.
 *
 * Fields sit where tshark 4.0 puts them: tshark dissects FTP one segment at a time and decodes
 * the first line of each (the others are shown as text), so here the first line of each
 * delivery carries ftp.request.* / ftp.response.* and the passive/active fields; every line
 * counts for the state and the record. The data channels themselves are not followed. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trawl/trawl.h"

enum {
    F_REQUEST, F_RESPONSE, F_REQ_COMMAND, F_REQ_ARG, F_RSP_CODE, F_RSP_ARG, F_PASSIVE_IP,
    F_PASSIVE_PORT, F_PASSIVE_NAT, F_ACTIVE_CIP, F_ACTIVE_PORT, F_ACTIVE_NAT, F_EPRT_AF,
    F_EPRT_IP, F_EPRT_IPV6, F_EPRT_PORT, F_EPSV_PORT, F_EPRT_INVALID, F_EPSV_INVALID,
    F_CODE_INVALID, F_LINE_TOO_LONG, F_ENCRYPTED, F_CWD, F_COUNT
};

static const struct trawl_value_name code_names[] = {
    { 110, "Restart marker reply" }, { 120, "Service ready in nnn minutes" },
    { 125, "Data connection already open; transfer starting" },
    { 150, "File status okay; about to open data connection" }, { 200, "Command okay" },
    { 202, "Command not implemented, superfluous at this site" }, { 211, "System status, or system help reply" },
    { 212, "Directory status" }, { 213, "File status" }, { 214, "Help message" },
    { 215, "NAME system type" }, { 220, "Service ready for new user" },
    { 221, "Service closing control connection" }, { 225, "Data connection open; no transfer in progress" },
    { 226, "Closing data connection" }, { 227, "Entering Passive Mode" },
    { 229, "Entering Extended Passive Mode" }, { 230, "User logged in, proceed" },
    { 232, "User logged in, authorized by security data exchange" },
    { 234, "Security data exchange complete" }, { 250, "Requested file action okay, completed" },
    { 257, "PATHNAME created" }, { 331, "User name okay, need password" },
    { 332, "Need account for login" }, { 350, "Requested file action pending further information" },
    { 421, "Service not available, closing control connection" },
    { 425, "Can't open data connection" }, { 426, "Connection closed; transfer aborted" },
    { 450, "Requested file action not taken" }, { 451, "Requested action aborted: local error in processing" },
    { 452, "Requested action not taken. Insufficient storage space in system" },
    { 500, "Syntax error, command unrecognized" }, { 501, "Syntax error in parameters or arguments" },
    { 502, "Command not implemented" }, { 503, "Bad sequence of commands" },
    { 504, "Command not implemented for that parameter" }, { 530, "Not logged in" },
    { 532, "Need account for storing files" }, { 550, "Requested action not taken: File unavailable" },
    { 551, "Requested action aborted: page type unknown" },
    { 552, "Requested file action aborted: Exceeded storage allocation" },
    { 553, "Requested action not taken: File name not allowed" }, { 0, NULL },
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_REQUEST]      = { "ftp.request", "Request", TRAWL_FT_BOOL, 0, NULL, 0 },
    [F_RESPONSE]     = { "ftp.response", "Response", TRAWL_FT_BOOL, 0, NULL, 0 },
    [F_REQ_COMMAND]  = { "ftp.request.command", "Request command", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_REQ_ARG]      = { "ftp.request.arg", "Request arg", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_RSP_CODE]     = { "ftp.response.code", "Response code", TRAWL_FT_U32, 0, code_names, 0 },
    [F_RSP_ARG]      = { "ftp.response.arg", "Response arg", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_PASSIVE_IP]   = { "ftp.passive.ip", "Passive IP address", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_PASSIVE_PORT] = { "ftp.passive.port", "Passive port", TRAWL_FT_U16, 0, NULL, 0 },
    [F_PASSIVE_NAT]  = { "ftp.passive.nat", "Passive IP NAT", TRAWL_FT_BOOL, 0, NULL, 0 },
    [F_ACTIVE_CIP]   = { "ftp.active.cip", "Active IP address", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_ACTIVE_PORT]  = { "ftp.active.port", "Active port", TRAWL_FT_U16, 0, NULL, 0 },
    [F_ACTIVE_NAT]   = { "ftp.active.nat", "Active IP NAT", TRAWL_FT_BOOL, 0, NULL, 0 },
    [F_EPRT_AF]      = { "ftp.eprt.af", "Extended active address family", TRAWL_FT_U8, 0, NULL, 0 },
    [F_EPRT_IP]      = { "ftp.eprt.ip", "Extended active IP address", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_EPRT_IPV6]    = { "ftp.eprt.ipv6", "Extended active IPv6 address", TRAWL_FT_IPV6, 0, NULL, 0 },
    [F_EPRT_PORT]    = { "ftp.eprt.port", "Extended active port", TRAWL_FT_U16, 0, NULL, 0 },
    [F_EPSV_PORT]    = { "ftp.epsv.port", "Extended passive port", TRAWL_FT_U16, 0, NULL, 0 },
    [F_EPRT_INVALID] = { "ftp.eprt.args_invalid", "EPRT arguments must have the form: |<family>|<addr>|<port>|", TRAWL_FT_NONE, 0, NULL, 0 },
    [F_EPSV_INVALID] = { "ftp.epsv.args_invalid", "EPSV arguments must have the form (|||<port>|)", TRAWL_FT_NONE, 0, NULL, 0 },
    [F_CODE_INVALID] = { "ftp.response.code.invalid", "Invalid response code", TRAWL_FT_NONE, 0, NULL, 0 },
    [F_LINE_TOO_LONG] = { "ftp.line_too_long", "Line longer than the cap (decoding stopped)", TRAWL_FT_NONE, 0, NULL, 0 },
    [F_CWD]          = { "ftp.current-working-directory", "Current working directory", TRAWL_FT_STRING, TRAWL_BASE_ASCII, NULL, 0 },
    [F_ENCRYPTED]    = { "ftp.encrypted_length", "Bytes after AUTH TLS, not decoded (no tls plugin)", TRAWL_FT_U32, 0, NULL, 0 },
};

/* ---- the record: Zeek's ftp.log, then trawl's evidence ------------------------------------- */

enum {
    C_TS, C_UID, C_ORIG_H, C_ORIG_P, C_RESP_H, C_RESP_P, C_USER, C_PASSWORD, C_COMMAND, C_ARG,
    C_FILE_SIZE, C_REPLY_CODE, C_REPLY_MSG, C_DC_PASSIVE, C_DC_ORIG_H, C_DC_RESP_H, C_DC_RESP_P,
    C_COMMUNITY_ID, C_FILE, C_FIRST_FRAME, C_LAST_FRAME, C_COUNT
};

static const struct trawl_record_field cols[C_COUNT] = {
    [C_TS]          = { "ts", "Time of the command", TRAWL_FT_TIME, 0 },
    [C_UID]         = { "uid", "Connection id", TRAWL_FT_STRING, 0 },
    [C_ORIG_H]      = { "id.orig_h", "Originator address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_ORIG_P]      = { "id.orig_p", "Originator port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_RESP_H]      = { "id.resp_h", "Responder address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_RESP_P]      = { "id.resp_p", "Responder port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_USER]        = { "user", "User name (USER)", TRAWL_FT_STRING, 0 },
    [C_PASSWORD]    = { "password", "Password (PASS), for anonymous/guest users only", TRAWL_FT_STRING, 0 },
    [C_COMMAND]     = { "command", "Command", TRAWL_FT_STRING, 0 },
    [C_ARG]         = { "arg", "Command argument", TRAWL_FT_STRING, 0 },
    [C_FILE_SIZE]   = { "file_size", "File size from the reply (SIZE, or \"(N bytes)\" of a 150)", TRAWL_FT_U64, 0 },
    [C_REPLY_CODE]  = { "reply_code", "Final reply code", TRAWL_FT_U64, 0 },
    [C_REPLY_MSG]   = { "reply_msg", "Final reply text", TRAWL_FT_STRING, 0 },
    [C_DC_PASSIVE]  = { "data_channel.passive", "Data channel is passive", TRAWL_FT_BOOL, 0 },
    [C_DC_ORIG_H]   = { "data_channel.orig_h", "Data channel originator", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_DC_RESP_H]   = { "data_channel.resp_h", "Data channel responder", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_DC_RESP_P]   = { "data_channel.resp_p", "Data channel responder port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_COMMUNITY_ID] = { "community_id", "Community ID v1 of the connection", TRAWL_FT_STRING, 0 },
    [C_FILE]        = { "file", "Capture file of the first packet", TRAWL_FT_STRING, 0 },
    [C_FIRST_FRAME] = { "first_frame", "Frame of the command", TRAWL_FT_U64, 0 },
    [C_LAST_FRAME]  = { "last_frame", "Frame of the final reply", TRAWL_FT_U64, 0 },
};

static const struct trawl_record_def ftp_def = {
    sizeof ftp_def, "ftp", "FTP commands and their replies (Zeek's ftp.log)", cols, C_COUNT,
};

/* ---- state -------------------------------------------------------------------------------- */

#define LINE_CAP (64 * 1024)
#define STR_CAP 256
#define PEND_CAP 16

enum { PH_CMD, PH_TLS, PH_DEAD };

struct str { uint16_t n; char s[STR_CAP]; };

struct ftp_cmd {
    int64_t ts;
    uint64_t frame;
    struct str cmd, arg;
    bool auth_tls;
    bool has_size;
    uint64_t size;
};

struct ftp_flow {
    uint8_t phase;
    bool in_multi;                 /* inside a multi-line reply */
    bool resync[2];                /* after a gap: skip to the next line end */
    uint16_t multi_code;
    uint8_t npend, head;
    struct ftp_cmd pend[PEND_CAP];
    struct str user, password;
    struct str cwd;                /* known from a PWD reply, then followed through CWD / CDUP */
    bool has_cwd;
    bool dc;                       /* a data channel was announced */
    bool dc_passive;
    uint8_t dc_fam, dc_orig[16], dc_resp[16];
    uint16_t dc_port;
};

struct ftp_state {
    const struct trawl_proto *proto;
    const struct trawl_proto *tls;
    const struct trawl_record_type *rec;
    bool zeek_only;                /* only Zeek's logged_commands */
};

static void str_set(struct str *d, const uint8_t *s, size_t n)
{
    if (n > STR_CAP) n = STR_CAP;
    memcpy(d->s, s, n);
    d->n = (uint16_t)n;
}

static bool ieq(const uint8_t *p, uint32_t n, const char *w)
{
    size_t l = strlen(w);
    return n == l && !strncasecmp((const char *)p, w, l);
}

static bool digit3(const uint8_t *p, uint32_t n)
{
    return n >= 3 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9';
}

/* ---- the record ------------------------------------------------------------------------------ */

static bool zeek_logged(const struct str *c)
{
    static const char *const l[] = { "APPE", "DELE", "RETR", "STOR", "STOU", "ACCT", "PORT", "PASV", "EPRT", "EPSV" };
    for (size_t i = 0; i < sizeof l / sizeof *l; i++)
        if (ieq((const uint8_t *)c->s, c->n, l[i])) return true;
    return false;
}

static void make_record(struct trawl_packet *pkt, const struct ftp_state *st, struct trawl_flow *f,
                        struct ftp_flow *fs, const struct ftp_cmd *c, uint32_t code,
                        const uint8_t *msg, uint32_t msgn)
{
    if (st->zeek_only && !zeek_logged(&c->cmd)) return;
    if (!trawl_record_wanted(pkt, st->rec)) return;
    struct trawl_record *r = trawl_record_begin(pkt, st->rec);
    if (!r) return;
    const struct trawl_flow_info *fi = trawl_flow_info(f);
    trawl_rec_time(r, C_TS, c->ts);
    trawl_rec_flow_id(r, C_UID, f);
    if (fs->user.n) trawl_rec_string(r, C_USER, fs->user.s, fs->user.n);
    if (fs->password.n) trawl_rec_string(r, C_PASSWORD, fs->password.s, fs->password.n);
    trawl_rec_string(r, C_COMMAND, c->cmd.s, c->cmd.n);
    if (c->arg.n) trawl_rec_string(r, C_ARG, c->arg.s, c->arg.n);
    if (c->has_size) trawl_rec_uint(r, C_FILE_SIZE, c->size);
    if (code) {
        trawl_rec_uint(r, C_REPLY_CODE, code);
        trawl_rec_string(r, C_REPLY_MSG, (const char *)msg, msgn > STR_CAP ? STR_CAP : msgn);
    }
    if (fs->dc) {
        trawl_rec_bool(r, C_DC_PASSIVE, fs->dc_passive);
        trawl_rec_addr(r, C_DC_ORIG_H, fs->dc_fam, fs->dc_orig);
        trawl_rec_addr(r, C_DC_RESP_H, fs->dc_fam, fs->dc_resp);
        trawl_rec_uint(r, C_DC_RESP_P, fs->dc_port);
        fs->dc = false;                    /* shown on the command that announced it */
    }
    /* The flow's last frame: the packet being dissected (the flow counts it first), or at the
     * flow's end its real last one, whatever context the end comes in. */
    trawl_rec_evidence(r, C_COMMUNITY_ID, pkt, f, fi->first_file, c->frame ? c->frame : fi->first_frame,
                       fi->last_frame);
    trawl_record_end(r);
}

/* ---- PASV / PORT / EPSV / EPRT ----------------------------------------------------------------- */

/* Six comma-separated numbers h1,h2,h3,h4,p1,p2 (the first run of them in s). */
static bool six_numbers(const uint8_t *s, uint32_t n, uint8_t ip[4], uint16_t *port)
{
    for (uint32_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') continue;
        unsigned v[6], k = 0;
        uint32_t j = i;
        while (k < 6) {
            unsigned x = 0, d = 0;
            while (j < n && s[j] >= '0' && s[j] <= '9' && d < 4) { x = x * 10 + (unsigned)(s[j] - '0'); j++; d++; }
            if (!d || x > 255) break;
            v[k++] = x;
            if (k < 6) {
                while (j < n && s[j] == ' ') j++;
                if (j >= n || s[j] != ',') break;
                j++;
                while (j < n && s[j] == ' ') j++;
            }
        }
        if (k == 6) {
            for (int q = 0; q < 4; q++) ip[q] = (uint8_t)v[q];
            *port = (uint16_t)(v[4] << 8 | v[5]);
            return true;
        }
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;   /* skip this number */
    }
    return false;
}

/* "(|||port|)" of a 229 reply (the delimiter is the first character after '('). */
static bool epsv_port(const uint8_t *s, uint32_t n, uint16_t *port)
{
    const uint8_t *lp = memchr(s, '(', n);
    if (!lp) return false;
    uint32_t i = (uint32_t)(lp - s) + 1;
    if (i + 4 > n) return false;
    uint8_t d = s[i];
    if (d < 33 || d > 126 || s[i + 1] != d || s[i + 2] != d) return false;
    i += 3;
    unsigned x = 0, k = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && k < 6) { x = x * 10 + (unsigned)(s[i] - '0'); i++; k++; }
    if (!k || x > 65535 || i >= n || s[i] != d) return false;
    *port = (uint16_t)x;
    return true;
}

/* "|af|addr|port|" of EPRT. */
static bool eprt_args(const uint8_t *s, uint32_t n, uint8_t *af, uint8_t ip[16], uint16_t *port)
{
    if (n < 7) return false;
    uint8_t d = s[0];
    if (d < 33 || d > 126) return false;
    const uint8_t *p[4];
    uint32_t k = 0;
    for (uint32_t i = 0; i < n && k < 4; i++) if (s[i] == d) p[k++] = s + i;
    if (k < 4) return false;
    char tmp[64];
    size_t l = (size_t)(p[1] - p[0] - 1);
    if (l != 1 || (p[0][1] != '1' && p[0][1] != '2')) return false;
    *af = (uint8_t)(p[0][1] - '0');
    l = (size_t)(p[2] - p[1] - 1);
    if (!l || l >= sizeof tmp) return false;
    memcpy(tmp, p[1] + 1, l);
    tmp[l] = 0;
    memset(ip, 0, 16);
    if (inet_pton(*af == 1 ? AF_INET : AF_INET6, tmp, ip) != 1) return false;
    unsigned x = 0;
    l = (size_t)(p[3] - p[2] - 1);
    if (!l || l > 5) return false;
    for (size_t i = 0; i < l; i++) {
        uint8_t c = p[2][1 + i];
        if (c < '0' || c > '9') return false;
        x = x * 10 + (unsigned)(c - '0');
    }
    if (x > 65535) return false;
    *port = (uint16_t)x;
    return true;
}

/* An address parsed from text: values must outlive this call, so it goes to packet memory. */
static void add_addr(struct trawl_packet *pkt, unsigned idx, const uint8_t *ip, size_t n)
{
    uint8_t *m = trawl_packet_alloc(pkt, n);
    if (!m) return;
    memcpy(m, ip, n);
    trawl_add_addr(pkt, idx, m);
}

/* ---- the working directory (tshark's ftp.current-working-directory) ------------------------ */

/* "257 "<path>" ..." (RFC 959: a quote inside the path is doubled). */
static bool pwd_path(const uint8_t *a, uint32_t n, struct str *out)
{
    if (!n || a[0] != '"') return false;
    char tmp[STR_CAP];
    size_t k = 0;
    for (uint32_t i = 1; i < n; i++) {
        if (a[i] == '"') {
            if (i + 1 < n && a[i + 1] == '"') { i++; }
            else { str_set(out, (const uint8_t *)tmp, k); return true; }
        }
        if (k == sizeof tmp) return false;
        tmp[k++] = (char)a[i];
    }
    return false;
}

/* The directory after a successful CWD arg (or CDUP when arg is NULL). */
static void cwd_change(struct ftp_flow *fs, const struct str *arg)
{
    char path[STR_CAP];
    size_t k = 0;
    if (arg && arg->n && arg->s[0] == '/') {
        fs->has_cwd = true;
        fs->cwd.n = 0;
    }
    if (!fs->has_cwd) return;
    memcpy(path, fs->cwd.s, fs->cwd.n);
    k = fs->cwd.n;
    const char *a = arg ? arg->s : "..";
    size_t an = arg ? arg->n : 2;
    for (size_t i = 0; i < an;) {
        size_t j = i;
        while (j < an && a[j] != '/') j++;
        size_t cl = j - i;
        if (cl == 2 && a[i] == '.' && a[i + 1] == '.') {
            while (k > 0 && path[k - 1] != '/') k--;
            if (k > 1) k--;                          /* drop the slash too, but keep "/" */
            if (k == 0) path[k++] = '/';
        } else if (cl && !(cl == 1 && a[i] == '.')) {
            if (k == 0 || path[k - 1] != '/') { if (k < sizeof path) path[k++] = '/'; }
            if (k + cl > sizeof path) { fs->has_cwd = false; return; }
            memcpy(path + k, a + i, cl);
            k += cl;
        }
        i = j + 1;
    }
    if (k == 0) path[k++] = '/';
    str_set(&fs->cwd, (const uint8_t *)path, k);
}

/* ---- lines ------------------------------------------------------------------------------------ */

static void on_request(struct trawl_packet *pkt, const struct ftp_state *st, struct ftp_flow *fs,
                       const uint8_t *p, uint32_t ll, bool first)
{
    uint32_t cl = 0;
    while (cl < ll && p[cl] != ' ') cl++;
    const uint8_t *arg = cl < ll ? p + cl + 1 : NULL;
    uint32_t an = cl < ll ? ll - cl - 1 : 0;
    const struct trawl_flow_info *fi = trawl_flow_info(trawl_packet_flow(pkt));
    if (first) {
        trawl_add_bool(pkt, F_REQUEST, true);
        trawl_add_bool(pkt, F_RESPONSE, false);
        trawl_add_string(pkt, F_REQ_COMMAND, (const char *)p, cl);
        if (arg) trawl_add_string(pkt, F_REQ_ARG, (const char *)arg, an);
        if (trawl_cols_wanted(pkt)) trawl_col_set(pkt, TRAWL_COL_INFO, "Request: %.*s", (int)(ll < 200 ? ll : 200), p);
    }
    uint8_t ip[16];
    uint16_t port;
    if (ieq(p, cl, "PORT") && arg && six_numbers(arg, an, ip, &port)) {
        if (first) {
            add_addr(pkt, F_ACTIVE_CIP, ip, 4);
            trawl_add_uint(pkt, F_ACTIVE_PORT, port);
            if (fi->family == 4 && memcmp(ip, fi->orig_addr, 4)) trawl_add_bool(pkt, F_ACTIVE_NAT, true);
        }
        fs->dc = true;
        fs->dc_passive = false;
        fs->dc_fam = 4;
        memset(fs->dc_orig, 0, 16);
        memcpy(fs->dc_orig, fi->resp_addr, 16);
        if (fi->family == 6) fs->dc_fam = 6;
        memset(fs->dc_resp, 0, 16);
        memcpy(fs->dc_resp, ip, 4);
        if (fi->family == 6) {
            /* an IPv4 data address on an IPv6 control channel: v4-mapped */
            memset(fs->dc_resp, 0, 10);
            fs->dc_resp[10] = fs->dc_resp[11] = 0xff;
            memcpy(fs->dc_resp + 12, ip, 4);
        }
        fs->dc_port = port;
    } else if (ieq(p, cl, "EPRT") && arg) {
        uint8_t af;
        if (eprt_args(arg, an, &af, ip, &port)) {
            if (first) {
                trawl_add_uint(pkt, F_EPRT_AF, af);
                if (af == 1) add_addr(pkt, F_EPRT_IP, ip, 4);
                else add_addr(pkt, F_EPRT_IPV6, ip, 16);
                trawl_add_uint(pkt, F_EPRT_PORT, port);
            }
            fs->dc = true;
            fs->dc_passive = false;
            fs->dc_fam = af == 1 ? 4 : 6;
            memcpy(fs->dc_orig, fi->resp_addr, 16);
            memcpy(fs->dc_resp, ip, 16);
            fs->dc_port = port;
        } else if (first) {
            trawl_add_bool(pkt, F_EPRT_INVALID, true);
        }
    } else if (ieq(p, cl, "USER") && arg) {
        str_set(&fs->user, arg, an);
        fs->password.n = 0;
    } else if (ieq(p, cl, "PASS") && arg) {
        /* Zeek keeps the password of guest logins only */
        static const char *const guests[] = { "anonymous", "ftp", "ftpuser", "guest" };
        for (size_t i = 0; i < sizeof guests / sizeof *guests; i++)
            if (ieq((const uint8_t *)fs->user.s, fs->user.n, guests[i])) str_set(&fs->password, arg, an);
    }
    if (fs->npend == PEND_CAP) { fs->head = (uint8_t)((fs->head + 1) % PEND_CAP); fs->npend--; }
    struct ftp_cmd *c = &fs->pend[(fs->head + fs->npend) % PEND_CAP];
    fs->npend++;
    memset(c, 0, sizeof *c);
    c->ts = trawl_packet_frame(pkt) ? trawl_packet_frame(pkt)->ts_ns : 0;
    c->frame = trawl_packet_frame(pkt) ? trawl_packet_frame(pkt)->number : 0;
    str_set(&c->cmd, p, cl);
    if (arg) str_set(&c->arg, arg, an);
    c->auth_tls = ieq(p, cl, "AUTH") && arg && (ieq(arg, an, "TLS") || ieq(arg, an, "SSL") ||
                                               ieq(arg, an, "TLS-C") || ieq(arg, an, "TLS-P"));
}

/* One reply line; returns true when the stream was switched to TLS after it. */
static bool on_reply_line(struct trawl_packet *pkt, const struct ftp_state *st, struct ftp_flow *fs,
                          const uint8_t *p, uint32_t ll, bool first)
{
    bool coded = digit3(p, ll);
    uint32_t code = coded ? (uint32_t)(p[0] - '0') * 100 + (uint32_t)(p[1] - '0') * 10 + (uint32_t)(p[2] - '0') : 0;
    const uint8_t *arg = coded ? (ll > 4 ? p + 4 : NULL) : p;
    uint32_t an = coded ? (ll > 4 ? ll - 4 : 0) : ll;
    const struct trawl_flow_info *fi = trawl_flow_info(trawl_packet_flow(pkt));
    if (first) {
        trawl_add_bool(pkt, F_REQUEST, false);
        trawl_add_bool(pkt, F_RESPONSE, true);
        if (coded) trawl_add_uint(pkt, F_RSP_CODE, code);
        if (arg && an) trawl_add_string(pkt, F_RSP_ARG, (const char *)arg, an);
        if (trawl_cols_wanted(pkt)) trawl_col_set(pkt, TRAWL_COL_INFO, "Response: %.*s", (int)(ll < 200 ? ll : 200), p);
    }
    /* Multi-line: "ddd-" opens, "ddd " with the same code closes; lines between are text. */
    if (fs->in_multi) {
        if (!(coded && code == fs->multi_code && (ll == 3 || p[3] == ' '))) return false;
        fs->in_multi = false;
    } else if (coded && ll > 3 && p[3] == '-') {
        fs->in_multi = true;
        fs->multi_code = (uint16_t)code;
        return false;
    } else if (!coded) {
        if (first) trawl_add_bool(pkt, F_CODE_INVALID, true);
        return false;
    }
    uint8_t ip[4];
    uint16_t port;
    if (code == 227 && six_numbers(arg ? arg : p, arg ? an : ll, ip, &port)) {
        if (first) {
            add_addr(pkt, F_PASSIVE_IP, ip, 4);
            trawl_add_uint(pkt, F_PASSIVE_PORT, port);
            if (fi->family == 4 && memcmp(ip, fi->resp_addr, 4)) trawl_add_bool(pkt, F_PASSIVE_NAT, true);
        }
        fs->dc = true;
        fs->dc_passive = true;
        fs->dc_fam = fi->family;
        memcpy(fs->dc_orig, fi->orig_addr, 16);
        memset(fs->dc_resp, 0, 16);
        if (fi->family == 6) { fs->dc_resp[10] = fs->dc_resp[11] = 0xff; memcpy(fs->dc_resp + 12, ip, 4); }
        else memcpy(fs->dc_resp, ip, 4);
        fs->dc_port = port;
    } else if (code == 229) {
        if (epsv_port(p, ll, &port)) {
            if (first) trawl_add_uint(pkt, F_EPSV_PORT, port);
            fs->dc = true;
            fs->dc_passive = true;
            fs->dc_fam = fi->family;
            memcpy(fs->dc_orig, fi->orig_addr, 16);
            memcpy(fs->dc_resp, fi->resp_addr, 16);
            fs->dc_port = port;
        } else if (first) {
            trawl_add_bool(pkt, F_EPSV_INVALID, true);
        }
    }
    if (!fs->npend) return false;                          /* the greeting, or unasked */
    struct ftp_cmd *c = &fs->pend[fs->head];
    if (code >= 100 && code < 200) {
        /* preliminary: "150 Opening ... (1048576 bytes)." gives the size */
        const uint8_t *lp = arg ? memchr(arg, '(', an) : NULL;
        if (lp) {
            uint64_t v = 0;
            uint32_t i = (uint32_t)(lp - arg) + 1, d = 0;
            while (i < an && arg[i] >= '0' && arg[i] <= '9' && d < 19) { v = v * 10 + (uint64_t)(arg[i] - '0'); i++; d++; }
            if (d && i + 6 <= an && !memcmp(arg + i, " bytes", 6)) { c->size = v; c->has_size = true; }
        }
        return false;
    }
    if (code == 213 && ieq((const uint8_t *)c->cmd.s, c->cmd.n, "SIZE") && arg) {
        uint64_t v = 0;
        uint32_t d = 0;
        while (d < an && d < 19 && arg[d] >= '0' && arg[d] <= '9') { v = v * 10 + (uint64_t)(arg[d] - '0'); d++; }
        if (d) { c->size = v; c->has_size = true; }
    }
    if (code == 257 && ieq((const uint8_t *)c->cmd.s, c->cmd.n, "PWD") && arg && pwd_path(arg, an, &fs->cwd))
        fs->has_cwd = true;
    else if (code == 250 && (ieq((const uint8_t *)c->cmd.s, c->cmd.n, "CWD") || ieq((const uint8_t *)c->cmd.s, c->cmd.n, "XCWD")))
        cwd_change(fs, &c->arg);
    else if (code >= 200 && code < 300 && (ieq((const uint8_t *)c->cmd.s, c->cmd.n, "CDUP") || ieq((const uint8_t *)c->cmd.s, c->cmd.n, "XCUP")))
        cwd_change(fs, NULL);
    struct trawl_flow *f = trawl_packet_flow(pkt);
    make_record(pkt, st, f, fs, c, code, arg ? arg : (const uint8_t *)"", arg ? an : 0);
    bool auth_tls = c->auth_tls;
    fs->head = (uint8_t)((fs->head + 1) % PEND_CAP);
    fs->npend--;
    if (auth_tls && code == 234) {
        fs->npend = 0;
        fs->in_multi = false;
        if (st->tls) { trawl_stream_switch(pkt, st->tls); return true; }
        fs->phase = PH_TLS;
        return true;
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

static int ftp_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct ftp_state *st = state;
    struct trawl_flow *f = trawl_packet_flow(pkt);
    if (!f || !trawl_packet_in_stream(pkt)) return 0;
    int dir = trawl_packet_flow_dir(pkt);
    uint32_t n = trawl_buf_caplen(b);
    if (!n) return 0;
    const uint8_t *d = trawl_buf_ptr(b, 0, n);
    if (!d) return 0;
    struct ftp_flow *fs = trawl_flow_state(f, st->proto, sizeof *fs);
    if (!fs) return 0;
    if (fs->phase == PH_DEAD) return (int)n;
    if (fs->phase == PH_TLS) {
        trawl_add_uint(pkt, F_ENCRYPTED, n);
        if (trawl_cols_wanted(pkt)) trawl_col_set(pkt, TRAWL_COL_INFO, "Encrypted (AUTH TLS), %u bytes", n);
        return (int)n;
    }
    uint32_t off = 0;
    bool more = false, first = true;
    if (fs->resync[dir] && line_start(d, n, dir)) fs->resync[dir] = false;
    if (fs->resync[dir]) {
        const uint8_t *nl = memchr(d, '\n', n);
        if (!nl) return (int)n;
        fs->resync[dir] = false;
        off = (uint32_t)(nl - d) + 1;
    }
    while (off < n) {
        const uint8_t *nl = memchr(d + off, '\n', n - off);
        uint32_t tl = nl ? (uint32_t)(nl - (d + off)) + 1 : n - off;
        if (!nl || tl > LINE_CAP) {
            if (tl > LINE_CAP) {
                trawl_add_bool(pkt, F_LINE_TOO_LONG, true);
                trawl_buf_mark_malformed(b);
                fs->phase = PH_DEAD;
                off = n;
            } else {
                more = true;
            }
            break;
        }
        uint32_t ll = tl - 1;
        if (ll && d[off + ll - 1] == '\r') ll--;
        bool sw = false;
        if (dir == TRAWL_DIR_ORIG) on_request(pkt, st, fs, d + off, ll, first);
        else sw = on_reply_line(pkt, st, fs, d + off, ll, first);
        first = false;
        off += tl;
        if (sw) {
            if (fs->phase == PH_TLS && off < n) { trawl_add_uint(pkt, F_ENCRYPTED, n - off); off = n; }
            break;
        }
    }
    if (more) trawl_stream_need_more(pkt, TRAWL_STREAM_MORE_UNKNOWN);
    if (!first && fs->has_cwd) {
        /* as tshark, once known; a copy: the flow's value changes before this frame is printed */
        char *c = trawl_packet_alloc(pkt, fs->cwd.n ? fs->cwd.n : 1);
        if (c) { memcpy(c, fs->cwd.s, fs->cwd.n); trawl_add_string(pkt, F_CWD, c, fs->cwd.n); }
    }
    return (int)off;
}

static void ftp_end(struct trawl_packet *ctx, struct trawl_flow *f, void *flow_state, void *state)
{
    /* Commands never answered: logged without a reply, as Zeek does at the connection's end. */
    struct ftp_flow *fs = flow_state;
    if (!fs || fs->phase != PH_CMD) return;
    while (fs->npend) {
        make_record(ctx, state, f, fs, &fs->pend[fs->head], 0, NULL, 0);
        fs->head = (uint8_t)((fs->head + 1) % PEND_CAP);
        fs->npend--;
    }
}

static void ftp_gap(struct trawl_packet *pkt, struct trawl_flow *f, int dir, uint64_t len, void *state)
{
    (void)pkt; (void)len;
    const struct ftp_state *st = state;
    struct ftp_flow *fs = trawl_flow_state_peek(f, st->proto);
    if (!fs) return;
    if (dir == TRAWL_DIR_RESP) { fs->in_multi = false; fs->npend = 0; }
    fs->resync[dir] = true;                /* a line was cut by the gap: skip its rest */
}

/* ---- heuristic ------------------------------------------------------------------------------------ */

static enum trawl_heur_result ftp_probe(const struct trawl_buf *b, void *state)
{
    (void)state;
    uint32_t n = trawl_buf_caplen(b);
    const uint8_t *p = n && trawl_buf_has(b, 0, n) ? b->data : NULL;
    if (!p) return TRAWL_HEUR_NOT_MINE;
    if (n < 4) return !memcmp(p, "220 ", n) || !memcmp(p, "220-", n) ? TRAWL_HEUR_NEED_MORE : TRAWL_HEUR_NOT_MINE;
    if (memcmp(p, "220 ", 4) && memcmp(p, "220-", 4)) return TRAWL_HEUR_NOT_MINE;
    const uint8_t *nl = memchr(p, '\n', n < 1024 ? n : 1024);
    if (!nl) return n < 1024 ? TRAWL_HEUR_NEED_MORE : TRAWL_HEUR_NOT_MINE;
    uint32_t ll = (uint32_t)(nl - p);
    if (!ll || p[ll - 1] != '\r') return TRAWL_HEUR_NOT_MINE;
    bool ftp = false;
    for (uint32_t j = 0; j < ll - 1; j++) {
        if (p[j] < 0x20 || p[j] > 0x7e) return TRAWL_HEUR_NOT_MINE;
        if (j + 3 <= ll && !strncasecmp((const char *)p + j, "FTP", 3)) ftp = true;
        if (j + 4 <= ll && !strncasecmp((const char *)p + j, "SMTP", 4)) return TRAWL_HEUR_NOT_MINE;
    }
    return ftp ? TRAWL_HEUR_MINE : TRAWL_HEUR_NOT_MINE;
}

/* ---- registration ------------------------------------------------------------------------------- */

static const struct trawl_proto_def ftp_proto = {
    "ftp", "File Transfer Protocol (FTP)", "FTP", fields, F_COUNT, ftp_dissect,
};
static const struct trawl_stream_ops ftp_ops = { sizeof ftp_ops, NULL, ftp_gap, ftp_end };
static const struct trawl_heur_def ftp_heur = { "ftp_tcp", 30, ftp_probe };

static int ftp_init(struct trawl_init *ctx)
{
    struct ftp_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    const char *z = trawl_init_option(ctx, "zeek_commands");
    st->zeek_only = z && (!strcmp(z, "1") || !strcasecmp(z, "true") || !strcasecmp(z, "yes"));
    st->proto = trawl_proto_register(ctx, &ftp_proto, st);
    st->rec = trawl_record_register(ctx, &ftp_def);
    return st->proto && st->rec ? 0 : TRAWL_EINVAL;
}

static int ftp_handoff(struct trawl_init *ctx)
{
    struct ftp_state *st = trawl_init_state(ctx);
    st->tls = trawl_proto_find(ctx, "tls");
    trawl_table_add(ctx, "tcp.port", 21, st->proto);
    trawl_heur_add(ctx, "tcp", &ftp_heur, st->proto);
    return trawl_stream_register(ctx, st->proto, &ftp_ops);
}

static void ftp_fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "ftp", .version = "1.0.0",
                        .summary = "FTP control channel: commands, replies, PASV/PORT/EPSV/EPRT, AUTH TLS to tls; Zeek's ftp.log",
                        .init = ftp_init, .handoff = ftp_handoff, .fini = ftp_fini);
