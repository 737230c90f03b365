/* http — HTTP/1.x over reassembled TCP streams: requests and responses with tshark's field
 * names and values, and one "http" record per transaction with Zeek's http.log columns.
 *
 * Each direction is read as a sequence of messages: a start line and headers (held by the
 * engine until the blank line is there, capped by http.max_header), then a body framed by
 * Content-Length, chunked transfer coding or, for responses, the end of the connection. Bodies
 * stream through (counted, content-decoded with zlib to measure them, their first bytes kept for
 * the MIME type) and are never held. Fields land where tshark puts them with its default
 * reassembly: on the frame that completed the whole message (header and body); the header is
 * kept in a capped copy until then.
 *
 * Two pairings, on purpose:
 *  - tshark's (the fields): http.response_for.uri is the last request's full URI seen in the
 *    connection, http.request_in / http.time pair a response with the latest request that has
 *    no response yet — tshark 4.0's rules, so pipelined or 1xx-preceded responses get what
 *    tshark prints. http.response_in would need the future: not given (one pass).
 *  - Zeek's (the records and the framing): responses answer requests in order (FIFO); a 1xx
 *    keeps its request waiting for the final response; a response to HEAD, a 2xx to CONNECT,
 *    1xx, 204 and 304 have no body; after a 2xx to CONNECT or a 101 the connection is no longer
 *    HTTP (both directions are skipped).
 *
 * Gaps: inside a body of known length the framing survives (the body counts what was seen);
 * elsewhere the direction resynchronises on the next request or status line. Bytes are never
 * invented.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <trawl/trawl.h>

#include "http.h"

/* ---- fields ----------------------------------------------------------------------------- */

enum {
    F_NOTIFICATION, F_RESPONSE, F_REQUEST, F_METHOD, F_URI, F_URI_PATH, F_URI_QUERY, F_URI_PARAM,
    F_REQ_VERSION, F_RESP_VERSION, F_FULL_URI, F_CODE, F_PHRASE,
    /* headers, in hdr_table's order */
    F_AUTHORIZATION, F_PROXY_AUTHORIZATION, F_PROXY_AUTHENTICATE, F_WWW_AUTHENTICATE,
    F_CONTENT_TYPE, F_CONTENT_LENGTH_HEADER, F_CONTENT_ENCODING, F_TRANSFER_ENCODING, F_UPGRADE,
    F_USER_AGENT, F_HOST, F_CONNECTION, F_COOKIE, F_ACCEPT, F_REFERER, F_ACCEPT_LANGUAGE,
    F_ACCEPT_ENCODING, F_DATE, F_CACHE_CONTROL, F_SERVER, F_LOCATION, F_WS_ACCEPT,
    F_WS_EXTENSIONS, F_WS_KEY, F_WS_PROTOCOL, F_WS_VERSION, F_SET_COOKIE, F_LAST_MODIFIED,
    F_X_FORWARDED_FOR, F_HTTP2_SETTINGS,
    F_CONTENT_LENGTH, F_AUTHBASIC, F_COOKIE_PAIR,
    F_RESPONSE_FOR_URI, F_REQUEST_IN, F_TIME, F_REQUEST_NUMBER, F_RESPONSE_NUMBER,
    F_BAD_HEADER_NAME, F_TE_AND_LENGTH, F_LEADING_CRLF, F_DECOMPRESSION_FAILED,
    F_HEADER_TOO_LONG, F_BAD_CHUNK, F_GAP,
    F_COUNT
};

#define STR(n, d) { .name = n, .desc = d, .type = TRAWL_FT_STRING, .base = TRAWL_BASE_ASCII }   /* tshark: ASCII */
#define MARK(n, d) { .name = n, .desc = d, .type = TRAWL_FT_NONE }
static const struct trawl_field_def fields[F_COUNT] = {
    [F_NOTIFICATION] = { .name = "http.notification", .desc = "Notification", .type = TRAWL_FT_BOOL },
    [F_RESPONSE]     = { .name = "http.response", .desc = "Response", .type = TRAWL_FT_BOOL },
    [F_REQUEST]      = { .name = "http.request", .desc = "Request", .type = TRAWL_FT_BOOL },
    [F_METHOD]       = STR("http.request.method", "Request Method"),
    [F_URI]          = STR("http.request.uri", "Request URI"),
    [F_URI_PATH]     = STR("http.request.uri.path", "Request URI Path"),
    [F_URI_QUERY]    = STR("http.request.uri.query", "Request URI Query"),
    [F_URI_PARAM]    = STR("http.request.uri.query.parameter", "Request URI Query Parameter"),
    [F_REQ_VERSION]  = STR("http.request.version", "Request Version"),
    [F_RESP_VERSION] = STR("http.response.version", "Response Version"),
    [F_FULL_URI]     = STR("http.request.full_uri", "Full request URI"),
    [F_CODE]         = { .name = "http.response.code", .desc = "Status Code", .type = TRAWL_FT_U16 },
    [F_PHRASE]       = STR("http.response.phrase", "Response Phrase"),
    [F_AUTHORIZATION]       = STR("http.authorization", "Authorization"),
    [F_PROXY_AUTHORIZATION] = STR("http.proxy_authorization", "Proxy-Authorization"),
    [F_PROXY_AUTHENTICATE]  = STR("http.proxy_authenticate", "Proxy-Authenticate"),
    [F_WWW_AUTHENTICATE]    = STR("http.www_authenticate", "WWW-Authenticate"),
    [F_CONTENT_TYPE]        = STR("http.content_type", "Content-Type"),
    [F_CONTENT_LENGTH_HEADER] = STR("http.content_length_header", "Content-Length"),
    [F_CONTENT_ENCODING]    = STR("http.content_encoding", "Content-Encoding"),
    [F_TRANSFER_ENCODING]   = STR("http.transfer_encoding", "Transfer-Encoding"),
    [F_UPGRADE]             = STR("http.upgrade", "Upgrade"),
    [F_USER_AGENT]          = STR("http.user_agent", "User-Agent"),
    [F_HOST]                = STR("http.host", "Host"),
    [F_CONNECTION]          = STR("http.connection", "Connection"),
    [F_COOKIE]              = STR("http.cookie", "Cookie"),
    [F_ACCEPT]              = STR("http.accept", "Accept"),
    [F_REFERER]             = STR("http.referer", "Referer"),
    [F_ACCEPT_LANGUAGE]     = STR("http.accept_language", "Accept-Language"),
    [F_ACCEPT_ENCODING]     = STR("http.accept_encoding", "Accept Encoding"),
    [F_DATE]                = STR("http.date", "Date"),
    [F_CACHE_CONTROL]       = STR("http.cache_control", "Cache-Control"),
    [F_SERVER]              = STR("http.server", "Server"),
    [F_LOCATION]            = STR("http.location", "Location"),
    [F_WS_ACCEPT]           = STR("http.sec_websocket_accept", "Sec-WebSocket-Accept"),
    [F_WS_EXTENSIONS]       = STR("http.sec_websocket_extensions", "Sec-WebSocket-Extensions"),
    [F_WS_KEY]              = STR("http.sec_websocket_key", "Sec-WebSocket-Key"),
    [F_WS_PROTOCOL]         = STR("http.sec_websocket_protocol", "Sec-WebSocket-Protocol"),
    [F_WS_VERSION]          = STR("http.sec_websocket_version", "Sec-WebSocket-Version"),
    [F_SET_COOKIE]          = STR("http.set_cookie", "Set-Cookie"),
    [F_LAST_MODIFIED]       = STR("http.last_modified", "Last-Modified"),
    [F_X_FORWARDED_FOR]     = STR("http.x_forwarded_for", "X-Forwarded-For"),
    [F_HTTP2_SETTINGS]      = STR("http.http2_settings", "HTTP2-Settings"),
    [F_CONTENT_LENGTH] = { .name = "http.content_length", .desc = "Content length", .type = TRAWL_FT_U64 },
    [F_AUTHBASIC]      = STR("http.authbasic", "Credentials"),
    [F_COOKIE_PAIR]    = STR("http.cookie_pair", "Cookie pair"),
    [F_RESPONSE_FOR_URI] = STR("http.response_for.uri", "Request URI"),
    [F_REQUEST_IN]     = { .name = "http.request_in", .desc = "Request in frame", .type = TRAWL_FT_U32 },
    [F_TIME]           = { .name = "http.time", .desc = "Time since request", .type = TRAWL_FT_RELTIME },
    [F_REQUEST_NUMBER] = { .name = "http.request_number", .desc = "Request number", .type = TRAWL_FT_U32 },
    [F_RESPONSE_NUMBER] = { .name = "http.response_number", .desc = "Response number", .type = TRAWL_FT_U32 },
    [F_BAD_HEADER_NAME] = MARK("http.bad_header_name", "Illegal characters found in header name"),
    [F_TE_AND_LENGTH]  = MARK("http.te_and_length", "The Content-Length and Transfer-Encoding header must not be set together"),
    [F_LEADING_CRLF]   = MARK("http.leading_crlf", "Leading CRLF previous message in the stream may have extra CRLF"),
    [F_DECOMPRESSION_FAILED] = MARK("http.decompression_failed", "Decompression failed"),
    [F_HEADER_TOO_LONG] = MARK("http.header_too_long", "Header longer than http.max_header: skipped, resynchronised on the next message"),
    [F_BAD_CHUNK]      = MARK("http.chunk_size.bad", "Bad chunked transfer coding: the message ends here, resynchronised on the next message"),
    [F_GAP]            = MARK("http.gap", "Bytes of this message were never captured"),
};

/* The headers tshark names (matched without regard to case), in field order. */
static const char *const hdr_names[] = {
    "Authorization", "Proxy-Authorization", "Proxy-Authenticate", "WWW-Authenticate",
    "Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding", "Upgrade",
    "User-Agent", "Host", "Connection", "Cookie", "Accept", "Referer", "Accept-Language",
    "Accept-Encoding", "Date", "Cache-Control", "Server", "Location", "Sec-WebSocket-Accept",
    "Sec-WebSocket-Extensions", "Sec-WebSocket-Key", "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Version", "Set-Cookie", "Last-Modified", "X-Forwarded-For", "HTTP2-Settings",
};
#define NHDR (sizeof hdr_names / sizeof *hdr_names)
_Static_assert(NHDR == F_HTTP2_SETTINGS - F_AUTHORIZATION + 1, "hdr_names and the header fields differ");

/* ---- the record: Zeek's http.log, then trawl's evidence ----------------------------------- */

enum {
    C_TS, C_UID, C_ORIG_H, C_ORIG_P, C_RESP_H, C_RESP_P, C_DEPTH, C_METHOD, C_HOST, C_URI,
    C_REFERRER, C_VERSION, C_USER_AGENT, C_ORIGIN, C_REQ_LEN, C_RESP_LEN, C_STATUS, C_STATUS_MSG,
    C_INFO, C_INFO_MSG, C_TAGS, C_USERNAME, C_PASSWORD, C_PROXIED, C_ORIG_FUIDS, C_ORIG_FILENAMES,
    C_ORIG_MIME, C_RESP_FUIDS, C_RESP_FILENAMES, C_RESP_MIME, C_COMMUNITY_ID, C_FILE,
    C_FIRST_FRAME, C_LAST_FRAME, C_COUNT
};

static const struct trawl_record_field cols[C_COUNT] = {
    [C_TS]          = { "ts", "When the request (or a response without one) began", TRAWL_FT_TIME, 0 },
    [C_UID]         = { "uid", "Connection id", TRAWL_FT_STRING, 0 },
    [C_ORIG_H]      = { "id.orig_h", "Originator address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_ORIG_P]      = { "id.orig_p", "Originator port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_RESP_H]      = { "id.resp_h", "Responder address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_RESP_P]      = { "id.resp_p", "Responder port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_DEPTH]       = { "trans_depth", "Transaction number in the connection (pipelining depth)", TRAWL_FT_U64, 0 },
    [C_METHOD]      = { "method", "Request method", TRAWL_FT_STRING, 0 },
    [C_HOST]        = { "host", "Host header", TRAWL_FT_STRING, 0 },
    [C_URI]         = { "uri", "Request URI, %-escapes decoded", TRAWL_FT_STRING, 0 },
    [C_REFERRER]    = { "referrer", "Referer header", TRAWL_FT_STRING, 0 },
    [C_VERSION]     = { "version", "HTTP version of the response", TRAWL_FT_STRING, 0 },
    [C_USER_AGENT]  = { "user_agent", "User-Agent header", TRAWL_FT_STRING, 0 },
    [C_ORIGIN]      = { "origin", "Origin header", TRAWL_FT_STRING, 0 },
    [C_REQ_LEN]     = { "request_body_len", "Request body bytes (after transfer and content decoding)", TRAWL_FT_U64, 0 },
    [C_RESP_LEN]    = { "response_body_len", "Response body bytes (after transfer and content decoding)", TRAWL_FT_U64, 0 },
    [C_STATUS]      = { "status_code", "Status code of the response", TRAWL_FT_U64, 0 },
    [C_STATUS_MSG]  = { "status_msg", "Reason phrase of the response", TRAWL_FT_STRING, 0 },
    [C_INFO]        = { "info_code", "Last 1xx status code", TRAWL_FT_U64, 0 },
    [C_INFO_MSG]    = { "info_msg", "Last 1xx reason phrase", TRAWL_FT_STRING, 0 },
    [C_TAGS]        = { "tags", "Indicators (none yet)", TRAWL_FT_STRING, TRAWL_RF_SET | TRAWL_RF_ENUM },
    [C_USERNAME]    = { "username", "Basic authentication user", TRAWL_FT_STRING, 0 },
    [C_PASSWORD]    = { "password", "Basic authentication password (http.capture_password=yes)", TRAWL_FT_STRING, 0 },
    [C_PROXIED]     = { "proxied", "Proxy headers of the request (NAME -> value)", TRAWL_FT_STRING, TRAWL_RF_SET },
    [C_ORIG_FUIDS]  = { "orig_fuids", "File ids of the request body", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_ORIG_FILENAMES] = { "orig_filenames", "File names of the request body", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_ORIG_MIME]   = { "orig_mime_types", "MIME type of the request body (sniffed)", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_RESP_FUIDS]  = { "resp_fuids", "File ids of the response body", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_RESP_FILENAMES] = { "resp_filenames", "File names of the response body", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_RESP_MIME]   = { "resp_mime_types", "MIME type of the response body (sniffed)", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_COMMUNITY_ID] = { "community_id", "Community ID v1 of the connection", TRAWL_FT_STRING, 0 },
    [C_FILE]        = { "file", "Capture file of the first packet", TRAWL_FT_STRING, 0 },
    [C_FIRST_FRAME] = { "first_frame", "Frame where the transaction began", TRAWL_FT_U64, 0 },
    [C_LAST_FRAME]  = { "last_frame", "Frame where it ended", TRAWL_FT_U64, 0 },
};

static const struct trawl_record_def http_def = {
    sizeof http_def, "http", "HTTP transactions (Zeek's http.log)", cols, C_COUNT,
};

/* ---- state -------------------------------------------------------------------------------- */

struct http_state {                    /* per engine; read-only once started */
    const struct trawl_proto *proto;
    const struct trawl_record_type *rec;
    uint32_t max_header;               /* http.max_header: start line + headers, bytes */
    uint64_t max_decoded;              /* http.max_decoded: content-decoded bytes counted per body */
    uint32_t max_pending;              /* http.max_pending: requests awaiting a response */
    uint32_t max_flow_mem;             /* http.max_flow_mem: record strings held per flow */
    bool capture_password;             /* http.capture_password */
};

enum { K_NONE = 0, K_REQUEST, K_RESPONSE, K_NOTIFY };
enum { M_OTHER = 0, M_HEAD, M_CONNECT };

/* Record strings of a transaction. */
enum { S_METHOD, S_HOST, S_URI, S_REFERRER, S_UA, S_ORIGIN, S_USER, S_PASS, S_PROXIED,
       S_ORIG_FILE, S_VERSION, S_STATUS_MSG, S_INFO_MSG, S_RESP_FILE, S__COUNT };
#define STR_CAP 8192u                  /* one record string at most (longer ones are cut) */

struct txn {
    struct txn *next;
    char *s[S__COUNT];
    uint32_t sl[S__COUNT];
    uint32_t mem;
    uint64_t depth, first_frame, last_frame, req_body, resp_body;
    int64_t ts;
    uint32_t file;
    uint16_t status, info_code;
    bool has_request, has_status, has_info, has_req_body, has_resp_body;
    uint8_t method;                    /* M_* */
    const char *req_mime, *resp_mime;
};

enum { ST_START = 0, ST_BODY, ST_CHUNK_SIZE, ST_CHUNK_DATA, ST_CHUNK_CRLF, ST_TRAILER, ST_CLOSE,
       ST_TUNNEL, ST_LOST };

/* One direction: the message being read. */
struct hdir {
    uint8_t state;                     /* ST_* */
    uint8_t kind;                      /* K_* of the current message */
    bool active;                       /* a header was read, the message is not complete */
    bool started;                      /* start_* below belong to the current message */
    bool done_pending;                 /* complete it on the next call (a gap ended it) */
    bool gap, bad_chunk, leading_crlf, upgrade;
    uint16_t code;                     /* response status (framing's reading) */
    int64_t start_ns;
    uint64_t start_frame;
    uint32_t start_file;
    uint64_t remaining;                /* body or chunk bytes still to come */
    uint32_t hdr_len;                  /* start line + headers + blank line */
    uint32_t scan;                     /* header bytes already searched for the blank line */
    uint32_t trailer;                  /* trailer bytes seen */
    const uint8_t *hdr_live;           /* the header in this call's bytes */
    uint8_t *hdr_saved;                /* its copy while the body comes in later packets */
    struct txn *txn;                   /* request: its transaction; response: the one it answers */
    struct http_body body;
};

struct http_flow {
    struct hdir d[2];
    struct txn *pend, *pend_tail;      /* transactions awaiting their final response, oldest first */
    uint32_t npend;
    uint64_t depth;                    /* Zeek's trans_depth counter */
    size_t mem;                        /* bytes of transactions held */
    /* tshark's conversation data, for its pairing fields */
    char *conv_full_uri, *conv_req_uri;
    uint32_t conv_full_uri_len, conv_req_uri_len;
    bool has_full_uri, has_req_uri;
    uint32_t req_res_num;
    bool tail_exists, tail_req, tail_res;
    uint32_t tail_number;
    uint64_t tail_req_frame;
    int64_t tail_req_ns;
    uint64_t info_frame;               /* frame whose info column holds our text */
};

/* What one dissector call works with. */
struct call {
    struct trawl_packet *pkt;          /* NULL: no packet to add fields to (gaps, flow end) */
    struct trawl_packet *ctx;          /* for records */
    const struct http_state *st;
    struct http_flow *fs;
    struct trawl_flow *f;
    int dir;
    bool more;                         /* need_more asked */
    uint32_t more_n;
    bool emitted;                      /* a message's fields were added */
};

/* ---- small text helpers -------------------------------------------------------------------- */

static bool is_ws(uint8_t c) { return c == ' ' || c == '\t'; }
static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* The line starting at off: its length without the end of line and where the next begins.
 * A line ends with CRLF, LF or a lone CR (tshark's rule); false when its end is not there yet
 * (a CR as the last byte may still get its LF). */
static bool next_line(const uint8_t *h, uint32_t len, uint32_t off, uint32_t *llen, uint32_t *next)
{
    if (off >= len) return false;
    const uint8_t *p = h + off;
    uint32_t n = len - off;
    const uint8_t *lf = memchr(p, '\n', n);
    uint32_t lim = lf ? (uint32_t)(lf - p) : n;
    const uint8_t *cr = memchr(p, '\r', lim);
    if (cr) {
        uint32_t i = (uint32_t)(cr - p);
        if (i + 1 >= n) return false;
        *llen = i;
        *next = off + i + (p[i + 1] == '\n' ? 2 : 1);
        return true;
    }
    if (!lf) return false;
    *llen = lim;
    *next = off + lim + 1;
    return true;
}

/* tshark's token: up to a space; then the spaces after it are skipped. */
static uint32_t token(const uint8_t *p, uint32_t n, uint32_t *next)
{
    uint32_t i = 0;
    while (i < n && p[i] != ' ') i++;
    uint32_t t = i;
    while (i < n && p[i] == ' ') i++;
    *next = i;
    return t;
}

static bool ieq(const uint8_t *p, uint32_t n, const char *s)
{
    size_t l = strlen(s);
    return n == l && !strncasecmp((const char *)p, s, l);
}

/* ---- start lines ---------------------------------------------------------------------------- */

/* tshark 4.0's methods: requests, and the notifications (NOTIFY, SUBSCRIBE, UNSUBSCRIBE). */
static const char *const methods[] = {
    "GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE", "MKCOL",
    "TRACE", "PATCH", "LABEL", "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT", "UPDATE",
    "BDELETE", "CONNECT", "OPTIONS", "CHECKIN", "PROPFIND", "CHECKOUT", "CCM_POST", "PROPPATCH",
    "BPROPFIND", "BPROPPATCH", "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "RPC_CONNECT",
    "RPC_IN_DATA", "RPC_OUT_DATA", "VERSION-CONTROL", "BASELINE-CONTROL", "SSTP_DUPLEX_POST",
    "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", NULL,
};

/* Which method p[0..n) is (exactly), -1 when none; *notify for the notification methods. */
static int method_index(const uint8_t *p, uint32_t n)
{
    for (int i = 0; methods[i]; i++)
        if (strlen(methods[i]) == n && !memcmp(p, methods[i], n)) return i;
    return -1;
}

/* Is p[0..n) the beginning of some method (a line still coming in)? */
static bool method_prefix(const uint8_t *p, uint32_t n)
{
    for (int i = 0; methods[i]; i++)
        if (strlen(methods[i]) >= n && !memcmp(p, methods[i], n)) return true;
    return false;
}

/* tshark's test of a first line: a response ("HTTP/", "ICY") or a known method then a space
 * (or the end of the line), an optional "M-" first (RFC 2774). */
static int classify(const uint8_t *line, uint32_t n)
{
    if ((n >= 5 && !memcmp(line, "HTTP/", 5)) || (n >= 3 && !memcmp(line, "ICY", 3))) return K_RESPONSE;
    const uint8_t *p = line;
    if (n >= 2 && p[0] == 'M' && p[1] == '-') { p += 2; n -= 2; }
    const uint8_t *sp = memchr(p, ' ', n);
    int m = method_index(p, sp ? (uint32_t)(sp - p) : n);
    if (m < 0) return K_NONE;
    const char *name = methods[m];
    return !strcmp(name, "NOTIFY") || !strcmp(name, "SUBSCRIBE") || !strcmp(name, "UNSUBSCRIBE")
           ? K_NOTIFY : K_REQUEST;
}

/* A strict start line (heuristics and resynchronisation, where a false "yes" steals bytes):
 * METHOD SP URI SP HTTP/1.x, or HTTP/1.x SP three digits. */
static bool strict_line(const uint8_t *p, uint32_t n)
{
    if (n >= 12 && !memcmp(p, "HTTP/1.", 7) && p[7] >= '0' && p[7] <= '9' && p[8] == ' ') {
        for (int i = 9; i < 12; i++) if (p[i] < '0' || p[i] > '9') return false;
        return n == 12 || p[12] == ' ';
    }
    int k = classify(p, n);
    if (k != K_REQUEST && k != K_NOTIFY) return false;
    if (n < 10 || memcmp(p + n - 9, " HTTP/1.", 8) || p[n - 1] < '0' || p[n - 1] > '9') return false;
    const uint8_t *sp = memchr(p, ' ', n);
    uint32_t u = (uint32_t)(sp - p) + 1;
    return u < n - 9 && p[u] != ' ';          /* a URI between the two spaces */
}

enum { START_NO = 0, START_YES, START_MAYBE };

/* Bytes with no complete first line yet: could they still become one? */
static bool plausible_prefix(const uint8_t *p, uint32_t n)
{
    if (!n) return true;
    if (!memcmp(p, "HTTP/", n < 5 ? n : 5) || !memcmp(p, "ICY", n < 3 ? n : 3)) return true;
    if (n >= 2 && p[0] == 'M' && p[1] == '-') { p += 2; n -= 2; }
    const uint8_t *sp = memchr(p, ' ', n);
    if (sp) return method_index(p, (uint32_t)(sp - p)) >= 0;
    return n <= 16 && method_prefix(p, n);
}

/* At p: a start line (strictly), bytes that may become one, or not one. */
static int start_strict(const uint8_t *p, uint32_t n, uint32_t max_line)
{
    uint32_t ll, nx;
    if (!next_line(p, n, 0, &ll, &nx))
        return n < max_line && plausible_prefix(p, n) ? START_MAYBE : START_NO;
    return strict_line(p, ll) ? START_YES : START_NO;
}

/* ---- the header, read for framing --------------------------------------------------------- */

struct framing {
    int kind;
    uint32_t line_len;
    uint8_t method;             /* M_* (requests) */
    int status;                 /* responses: the 3-digit code, or 0 */
    bool cl_ok, chunked, upgrade, rpc;
    uint64_t cl;
    uint8_t coding;             /* CODING_* of Content-Encoding */
};

/* A header line name: value (a valid name: tshark's token characters). */
static bool header_split(const uint8_t *l, uint32_t n, uint32_t *name_len, uint32_t *voff)
{
    const uint8_t *colon = memchr(l, ':', n);
    if (!colon || colon == l) return false;
    uint32_t c = (uint32_t)(colon - l);
    for (uint32_t i = 0; i < c; i++) {
        uint8_t ch = l[i];
        bool tok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                   (ch && strchr("!#$%&\\:*+-.^_`|~", ch));
        if (!tok) return false;
    }
    uint32_t v = c + 1;
    while (v < n && is_ws(l[v])) v++;
    *name_len = c;
    *voff = v;
    return true;
}

/* Content-Length for framing: the whole trimmed value a non-negative number (tshark takes an
 * int32; longer bodies are framed too, since they stream). */
static bool parse_cl(const uint8_t *v, uint32_t n, uint64_t *out)
{
    while (n && is_space(v[n - 1])) n--;
    while (n && is_space(v[0])) { v++; n--; }
    if (n && v[0] == '+') { v++; n--; }
    if (!n || n > 18) return false;
    uint64_t x = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return true;
}

/* Does a Transfer-Encoding list name chunked? */
static bool te_chunked(const uint8_t *v, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        while (i < n && (is_ws(v[i]) || v[i] == ',')) i++;
        uint32_t s = i;
        while (i < n && v[i] != ',' && v[i] != ';' && !is_ws(v[i])) i++;
        if (ieq(v + s, i - s, "chunked")) return true;
        while (i < n && v[i] != ',') i++;
    }
    return false;
}

static void read_framing(const uint8_t *h, uint32_t hl, struct framing *fr)
{
    memset(fr, 0, sizeof *fr);
    uint32_t ll, off;
    if (!next_line(h, hl, 0, &ll, &off)) return;
    fr->line_len = ll;
    fr->kind = classify(h, ll);
    uint32_t nt;
    uint32_t t = token(h, ll, &nt);
    if (fr->kind == K_RESPONSE) {
        uint32_t nt2, c = token(h + nt, ll - nt, &nt2);
        if (c == 3 && h[nt] >= '0' && h[nt] <= '9' && h[nt + 1] >= '0' && h[nt + 1] <= '9' &&
            h[nt + 2] >= '0' && h[nt + 2] <= '9')
            fr->status = (h[nt] - '0') * 100 + (h[nt + 1] - '0') * 10 + (h[nt + 2] - '0');
    } else {
        const uint8_t *m = h;
        if (t >= 2 && m[0] == 'M' && m[1] == '-') { m += 2; t -= 2; }
        fr->method = (t == 4 && !memcmp(m, "HEAD", 4)) ? M_HEAD
                   : (t == 7 && !memcmp(m, "CONNECT", 7)) ? M_CONNECT : M_OTHER;
        if ((t == 11 && !memcmp(m, "RPC_IN_DATA", 11)) || (t == 12 && !memcmp(m, "RPC_OUT_DATA", 12)))
            fr->rpc = true;
    }
    bool rpc_type = false;
    while (next_line(h, hl, off, &ll, &nt) && ll) {
        const uint8_t *l = h + off;
        uint32_t name, v;
        if (header_split(l, ll, &name, &v)) {
            const uint8_t *val = l + v;
            uint32_t vl = ll - v;
            if (ieq(l, name, "Content-Length")) {
                uint64_t x;
                if (parse_cl(val, vl, &x)) { fr->cl_ok = true; fr->cl = x; }
            } else if (ieq(l, name, "Transfer-Encoding")) {
                if (te_chunked(val, vl)) fr->chunked = true;
            } else if (ieq(l, name, "Content-Encoding")) {
                while (vl && is_space(val[vl - 1])) vl--;
                fr->coding = ieq(val, vl, "gzip") || ieq(val, vl, "x-gzip") ? CODING_GZIP
                           : ieq(val, vl, "deflate") || ieq(val, vl, "x-deflate") ? CODING_DEFLATE
                           : ieq(val, vl, "identity") || !vl ? CODING_IDENTITY : CODING_OTHER;
            } else if (ieq(l, name, "Content-Type")) {
                rpc_type = vl >= 15 && !strncmp((const char *)val, "application/rpc", 15);
            } else if (ieq(l, name, "Upgrade")) {
                fr->upgrade = true;
            }
        }
        off = nt;
    }
    /* MS-RPCH: a huge Content-Length that only reserves the channel (tshark does not wait). */
    fr->rpc = fr->cl_ok && fr->cl >= 128 * 1024 && (fr->rpc || rpc_type);
}

/* ---- memory of a flow --------------------------------------------------------------------- */

static void str_set(struct http_flow *fs, struct txn *t, int i, const uint8_t *p, uint32_t n)
{
    if (n > STR_CAP) n = STR_CAP;
    char *c = malloc(n + 1u);
    if (!c) return;
    memcpy(c, p, n);
    c[n] = 0;
    if (t->s[i]) { fs->mem -= t->sl[i]; t->mem -= t->sl[i]; free(t->s[i]); }
    t->s[i] = c;
    t->sl[i] = n;
    fs->mem += n;
    t->mem += n;
}

static void txn_free(struct http_flow *fs, struct txn *t)
{
    for (int i = 0; i < S__COUNT; i++) free(t->s[i]);
    fs->mem -= t->mem + sizeof *t;
    for (int d = 0; d < 2; d++) if (fs->d[d].txn == t) fs->d[d].txn = NULL;
    free(t);
}

static struct txn *txn_new(struct http_flow *fs, struct trawl_packet *pkt, const struct hdir *d)
{
    struct txn *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    fs->mem += sizeof *t;
    t->depth = ++fs->depth;
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    t->ts = d->started ? d->start_ns : fr->ts_ns;
    t->first_frame = d->started ? d->start_frame : fr->number;
    t->file = d->started ? d->start_file : fr->file_index;
    t->last_frame = fr->number;
    return t;
}

static void pend_push(struct http_flow *fs, struct txn *t)
{
    if (fs->pend_tail) fs->pend_tail->next = t; else fs->pend = t;
    fs->pend_tail = t;
    fs->npend++;
}

static struct txn *pend_pop(struct http_flow *fs)
{
    struct txn *t = fs->pend;
    if (!t) return NULL;
    fs->pend = t->next;
    if (!fs->pend) fs->pend_tail = NULL;
    t->next = NULL;
    fs->npend--;
    return t;
}

/* ---- records ------------------------------------------------------------------------------- */

static void rec_str(struct trawl_record *r, unsigned col, const struct txn *t, int s)
{
    if (t->s[s]) trawl_rec_string(r, col, t->s[s], t->sl[s]);
}

static void txn_record(const struct call *c, struct txn *t)
{
    const struct http_state *st = c->st;
    struct trawl_packet *ctx = c->ctx;
    if (!trawl_record_wanted(ctx, st->rec)) return;
    struct trawl_record *r = trawl_record_begin(ctx, st->rec);
    if (!r) return;
    trawl_rec_time(r, C_TS, t->ts);
    trawl_rec_flow_id(r, C_UID, c->f);
    trawl_rec_uint(r, C_DEPTH, t->depth);
    rec_str(r, C_METHOD, t, S_METHOD);
    rec_str(r, C_HOST, t, S_HOST);
    rec_str(r, C_URI, t, S_URI);
    rec_str(r, C_REFERRER, t, S_REFERRER);
    rec_str(r, C_VERSION, t, S_VERSION);
    rec_str(r, C_USER_AGENT, t, S_UA);
    rec_str(r, C_ORIGIN, t, S_ORIGIN);
    trawl_rec_uint(r, C_REQ_LEN, t->req_body);
    trawl_rec_uint(r, C_RESP_LEN, t->resp_body);
    if (t->has_status) trawl_rec_uint(r, C_STATUS, t->status);
    rec_str(r, C_STATUS_MSG, t, S_STATUS_MSG);
    if (t->has_info) trawl_rec_uint(r, C_INFO, t->info_code);
    rec_str(r, C_INFO_MSG, t, S_INFO_MSG);
    rec_str(r, C_USERNAME, t, S_USER);
    rec_str(r, C_PASSWORD, t, S_PASS);
    if (t->s[S_PROXIED]) {
        /* One "NAME -> value" per line (header values never hold a line end). */
        const char *p = t->s[S_PROXIED], *e = p + t->sl[S_PROXIED];
        while (p < e) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            const char *q = nl ? nl : e;
            trawl_rec_string(r, C_PROXIED, p, (uint32_t)(q - p));
            p = q + 1;
        }
    }
    rec_str(r, C_ORIG_FILENAMES, t, S_ORIG_FILE);
    if (t->req_mime) trawl_rec_cstring(r, C_ORIG_MIME, t->req_mime);
    rec_str(r, C_RESP_FILENAMES, t, S_RESP_FILE);
    if (t->resp_mime) trawl_rec_cstring(r, C_RESP_MIME, t->resp_mime);
    trawl_rec_evidence(r, C_COMMUNITY_ID, ctx, c->f, t->file, t->first_frame, t->last_frame);
    trawl_record_end(r);
}

/* ---- record strings from a header ---------------------------------------------------------- */

static int hexval(uint8_t c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Base64 as glib decodes it (tshark's http.authbasic): characters outside the alphabet are
 * skipped, '=' counts as a zero that emits nothing. Returns the bytes written (<= n*3/4+3). */
static uint32_t b64_decode(const uint8_t *in, uint32_t n, uint8_t *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t v = 0, i = 0, o = 0;
    uint8_t last0 = 0, last1 = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint8_t c = in[k];
        int rank;
        if (c == '=') rank = 0;
        else {
            const char *p = c ? strchr(abc, c) : NULL;
            if (!p) continue;
            rank = (int)(p - abc);
        }
        last1 = last0;
        last0 = c;
        v = v << 6 | (uint32_t)rank;
        if (++i == 4) {
            out[o++] = (uint8_t)(v >> 16);
            if (last1 != '=') out[o++] = (uint8_t)(v >> 8);
            if (last0 != '=') out[o++] = (uint8_t)v;
            i = 0;
            v = 0;
        }
    }
    return o;
}

static void trim(const uint8_t **p, uint32_t *n)
{
    while (*n && is_space((*p)[0])) { (*p)++; (*n)--; }
    while (*n && is_space((*p)[*n - 1])) (*n)--;
}

/* filename= of a Content-Disposition value (quoted or a token). */
static bool disposition_filename(const uint8_t *v, uint32_t n, const uint8_t **fn, uint32_t *fl)
{
    for (uint32_t i = 0; i + 9 <= n; i++) {
        if (strncasecmp((const char *)v + i, "filename=", 9) || (i && v[i - 1] != ';' && !is_ws(v[i - 1])))
            continue;
        uint32_t s = i + 9, e;
        if (s < n && v[s] == '"') {
            s++;
            for (e = s; e < n && v[e] != '"'; e++) {}
        } else {
            for (e = s; e < n && v[e] != ';' && !is_ws(v[e]); e++) {}
        }
        *fn = v + s;
        *fl = e - s;
        return e > s;
    }
    return false;
}

/* Zeek's view of a request's headers. */
static void txn_fill_request(const struct call *c, struct txn *t, const uint8_t *h, uint32_t hl)
{
    struct http_flow *fs = c->fs;
    uint32_t ll, off, nt;
    if (!next_line(h, hl, 0, &ll, &off)) return;
    uint32_t m = token(h, ll, &nt);
    str_set(fs, t, S_METHOD, h, m);
    uint32_t nt2, u = token(h + nt, ll - nt, &nt2);
    /* Zeek logs the URI with its %-escapes decoded. */
    uint8_t tmp[STR_CAP];
    uint32_t o = 0;
    const uint8_t *uri = h + nt;
    for (uint32_t i = 0; i < u && o < sizeof tmp; i++) {
        int a, b;
        if (uri[i] == '%' && i + 2 < u && (a = hexval(uri[i + 1])) >= 0 && (b = hexval(uri[i + 2])) >= 0) {
            tmp[o++] = (uint8_t)(a << 4 | b);
            i += 2;
        } else {
            tmp[o++] = uri[i];
        }
    }
    str_set(fs, t, S_URI, tmp, o);
    uint32_t plen = 0;
    uint8_t prox[STR_CAP];
    while (next_line(h, hl, off, &ll, &nt) && ll) {
        const uint8_t *l = h + off;
        uint32_t name, v;
        off = nt;
        if (!header_split(l, ll, &name, &v)) continue;
        const uint8_t *val = l + v;
        uint32_t vl = ll - v;
        trim(&val, &vl);
        if (ieq(l, name, "Host")) str_set(fs, t, S_HOST, val, vl);
        else if (ieq(l, name, "Referer")) str_set(fs, t, S_REFERRER, val, vl);
        else if (ieq(l, name, "User-Agent")) str_set(fs, t, S_UA, val, vl);
        else if (ieq(l, name, "Origin")) str_set(fs, t, S_ORIGIN, val, vl);
        else if (ieq(l, name, "Content-Disposition")) {
            const uint8_t *fn;
            uint32_t fl;
            if (disposition_filename(val, vl, &fn, &fl)) str_set(fs, t, S_ORIG_FILE, fn, fl);
        } else if (ieq(l, name, "Authorization") || ieq(l, name, "Proxy-Authorization")) {
            if (vl < 6 || strncasecmp((const char *)val, "basic", 5) || !is_ws(val[5])) continue;
            uint32_t s = 5;
            while (s < vl && is_ws(val[s])) s++;
            uint8_t dec[STR_CAP];
            uint32_t in = vl - s > (STR_CAP / 4) * 4 - 8 ? (STR_CAP / 4) * 4 - 8 : vl - s;
            uint32_t dl = b64_decode(val + s, in, dec);
            const uint8_t *colon = memchr(dec, ':', dl);
            if (colon) {
                str_set(fs, t, S_USER, dec, (uint32_t)(colon - dec));
                if (c->st->capture_password)
                    str_set(fs, t, S_PASS, colon + 1, dl - (uint32_t)(colon - dec) - 1);
            } else {
                char msg[STR_CAP];
                int w = snprintf(msg, sizeof msg, "<problem-decoding> (%.*s)", (int)(vl > 4096 ? 4096 : vl), val);
                str_set(fs, t, S_USER, (const uint8_t *)msg, (uint32_t)(w > 0 ? w : 0));
                if (c->st->capture_password) str_set(fs, t, S_PASS, dec, dl);
            }
        } else {
            static const char *const proxy[] = { "Forwarded", "X-Forwarded-For", "X-Forwarded-From",
                                                 "Client-IP", "Via", "XRoxy-Connection",
                                                 "Proxy-Connection", NULL };
            for (int k = 0; proxy[k]; k++) {
                if (!ieq(l, name, proxy[k])) continue;
                /* "NAME -> value", the name upper-cased as Zeek reports headers. */
                if (plen + name + vl + 5 > sizeof prox) break;
                uint32_t s0 = plen;
                if (plen) prox[plen++] = '\n';
                s0 = plen;
                for (uint32_t i = 0; i < name; i++)
                    prox[plen++] = (uint8_t)(l[i] >= 'a' && l[i] <= 'z' ? l[i] - 32 : l[i]);
                memcpy(prox + plen, " -> ", 4);
                plen += 4;
                memcpy(prox + plen, val, vl);
                plen += vl;
                /* a set: the same entry twice is one */
                for (uint32_t a = 0; a < s0;) {
                    const uint8_t *nl = memchr(prox + a, '\n', s0 - a);
                    uint32_t e = nl ? (uint32_t)(nl - prox) : s0;
                    if (e - a == plen - s0 && !memcmp(prox + a, prox + s0, plen - s0)) {
                        plen = s0 ? s0 - 1 : 0;
                        break;
                    }
                    a = e + 1;
                }
                break;
            }
        }
    }
    if (plen) str_set(fs, t, S_PROXIED, prox, plen);
}

static void txn_fill_response(struct http_flow *fs, struct txn *t, const uint8_t *h, uint32_t hl,
                              bool info)
{
    uint32_t ll, off, nt;
    if (!next_line(h, hl, 0, &ll, &off)) return;
    uint32_t vt = token(h, ll, &nt);
    uint32_t nt2, ct = token(h + nt, ll - nt, &nt2);
    uint16_t code = 0;
    for (uint32_t i = 0; i < ct && i < 3 && h[nt + i] >= '0' && h[nt + i] <= '9'; i++)
        code = (uint16_t)(code * 10 + (h[nt + i] - '0'));
    const uint8_t *phrase = h + nt + nt2;
    uint32_t pl = ll - nt - nt2;
    if (info) {
        t->has_info = true;
        t->info_code = code;
        str_set(fs, t, S_INFO_MSG, phrase, pl);
    }
    t->has_status = true;
    t->status = code;
    str_set(fs, t, S_STATUS_MSG, phrase, pl);
    /* Zeek's version is the number: "1.1" of "HTTP/1.1". */
    if (vt > 5 && !memcmp(h, "HTTP/", 5)) str_set(fs, t, S_VERSION, h + 5, vt - 5);
    else str_set(fs, t, S_VERSION, h, vt);
    if (info) return;
    while (next_line(h, hl, off, &ll, &nt) && ll) {
        const uint8_t *l = h + off;
        uint32_t name, v;
        off = nt;
        if (!header_split(l, ll, &name, &v) || !ieq(l, name, "Content-Disposition")) continue;
        const uint8_t *val = l + v, *fn;
        uint32_t vl = ll - v, fl;
        if (disposition_filename(val, vl, &fn, &fl)) str_set(fs, t, S_RESP_FILE, fn, fl);
    }
}

/* Too many requests waiting or too many bytes held: the oldest go out unanswered. */
static void pend_trim(const struct call *c)
{
    struct http_flow *fs = c->fs;
    while (fs->pend && (fs->npend >= c->st->max_pending || fs->mem > c->st->max_flow_mem)) {
        struct txn *t = pend_pop(fs);
        txn_record(c, t);
        txn_free(fs, t);
    }
}

/* ---- tshark's fields ------------------------------------------------------------------------ */

static char *keep(struct http_flow *fs, char *old, uint32_t *oldlen, const uint8_t *p, uint32_t n)
{
    (void)fs;
    char *c = realloc(old, n ? n : 1);
    if (!c) return old;
    memcpy(c, p, n);
    *oldlen = n;
    return c;
}

/* Header fields of one line (tshark's process_header). host/hostlen: the last Host value. */
static void header_fields(struct trawl_packet *pkt, const uint8_t *l, uint32_t ll,
                          const uint8_t **host, uint32_t *hostlen, unsigned *seen)
{
    uint32_t name, v;
    if (!header_split(l, ll, &name, &v)) {
        trawl_tree_push(pkt, F_BAD_HEADER_NAME);
        trawl_tree_pop(pkt);
        return;
    }
    const uint8_t *val = l + v;
    uint32_t vl = ll - v;
    int idx = -1;
    for (unsigned i = 0; i < NHDR; i++)
        if (ieq(l, name, hdr_names[i])) { idx = (int)i; break; }
    if (idx < 0) return;
    unsigned fi = F_AUTHORIZATION + (unsigned)idx;
    /* tshark reads values as C strings: an embedded NUL ends them. */
    const uint8_t *nul = memchr(val, 0, vl);
    uint32_t cl = nul ? (uint32_t)(nul - val) : vl;
    trawl_add_string(pkt, fi, (const char *)val, cl);
    *seen |= fi == F_CONTENT_LENGTH_HEADER ? 1u : fi == F_TRANSFER_ENCODING ? 2u : 0u;
    switch (fi) {
    case F_HOST:
        *host = val;
        *hostlen = vl;
        break;
    case F_CONTENT_LENGTH_HEADER: {
        /* g_ascii_strtoll: space, a sign, digits; then the end or white space */
        uint32_t i = 0;
        while (i < cl && is_space(val[i])) i++;
        bool neg = false;
        if (i < cl && (val[i] == '+' || val[i] == '-')) neg = val[i++] == '-';
        uint32_t s = i;
        uint64_t x = 0;
        bool over = false;
        while (i < cl && val[i] >= '0' && val[i] <= '9') {
            if (x > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(val[i] - '0')) / 10) over = true;
            x = x * 10 + (uint64_t)(val[i] - '0');
            i++;
        }
        if (i > s && !over && !(neg && x) && (i == cl || is_space(val[i])))
            trawl_add_uint(pkt, F_CONTENT_LENGTH, x);
        break;
    }
    case F_AUTHORIZATION:
    case F_PROXY_AUTHORIZATION:
        if ((cl >= 5 && !memcmp(val, "NTLM ", 5)) || (cl >= 10 && !memcmp(val, "Negotiate ", 10))) break;
        if (cl >= 6 && !memcmp(val, "Basic ", 6)) {
            const uint8_t *b = val + 6;
            uint32_t bl = cl - 6;
            if (bl <= 1) { trawl_add_string(pkt, F_AUTHBASIC, (const char *)b, bl); break; }
            uint8_t *out = trawl_packet_alloc(pkt, bl / 4 * 3 + 4);
            if (!out) break;
            uint32_t o = b64_decode(b, bl, out);
            const uint8_t *z = memchr(out, 0, o);
            trawl_add_string(pkt, F_AUTHBASIC, (const char *)out, z ? (uint32_t)(z - out) : o);
        }
        break;
    case F_COOKIE:
        for (uint32_t i = 0; i < cl;) {
            while (i < cl && (val[i] == ';' || is_space(val[i]))) i++;
            if (i >= cl) break;
            const uint8_t *e = memchr(val + i, ';', cl - i);
            uint32_t pl = e ? (uint32_t)(e - val) - i : cl - i;
            trawl_add_string(pkt, F_COOKIE_PAIR, (const char *)val + i, pl);
            i += pl;
        }
        break;
    default:
        break;
    }
}

static void info_col(struct call *c, const uint8_t *line, uint32_t ll)
{
    struct trawl_packet *pkt = c->pkt;
    if (!trawl_cols_wanted(pkt)) return;
    uint64_t fno = trawl_packet_frame(pkt)->number;
    int n = ll > 512 ? 512 : (int)ll;
    if (c->fs->info_frame != fno) trawl_col_set(pkt, TRAWL_COL_INFO, "%.*s ", n, (const char *)line);
    else trawl_col_append(pkt, TRAWL_COL_INFO, "%.*s ", n, (const char *)line);
    c->fs->info_frame = fno;
}

/* All fields of a complete message, as tshark adds them when it dissects the message; then
 * tshark's conversation bookkeeping (the pairing fields come from it). */
static void emit_fields(struct call *c, struct hdir *d, const uint8_t *h, uint32_t hl)
{
    struct trawl_packet *pkt = c->pkt;
    struct http_flow *fs = c->fs;
    const struct trawl_frame *frame = trawl_packet_frame(pkt);
    uint32_t ll, off, nt;
    if (!next_line(h, hl, 0, &ll, &off)) return;
    int kind = classify(h, ll);
    info_col(c, h, ll);
    if (d->leading_crlf) { trawl_tree_push(pkt, F_LEADING_CRLF); trawl_tree_pop(pkt); }
    const uint8_t *uri = NULL, *method = h;
    uint32_t urilen = 0, mlen = 0;
    if (kind == K_RESPONSE) {
        uint32_t vt = token(h, ll, &nt);
        if (vt) {
            trawl_add_string(pkt, F_RESP_VERSION, (const char *)h, vt);
            uint32_t nt2, ct = token(h + nt, ll - nt, &nt2);
            if (ct >= 3) {
                uint32_t code = 0;
                for (int i = 0; i < 3 && h[nt + i] >= '0' && h[nt + i] <= '9'; i++) code = code * 10 + (h[nt + (uint32_t)i] - '0');
                trawl_add_uint(pkt, F_CODE, code);
                if (ll > nt + nt2) trawl_add_string(pkt, F_PHRASE, (const char *)h + nt + nt2, ll - nt - nt2);
            }
        }
    } else {
        mlen = token(h, ll, &nt);
        if (mlen) {
            trawl_add_string(pkt, F_METHOD, (const char *)h, mlen);
            if (nt > 2 && h[nt - 1] == ' ' && h[nt - 2] == ' ') nt--;   /* two spaces: no URI */
            uint32_t nt2;
            uri = h + nt;
            urilen = token(uri, ll - nt, &nt2);
            trawl_add_string(pkt, F_URI, (const char *)uri, urilen);
            const uint8_t *q = memchr(uri, '?', urilen);
            if (q && urilen - (uint32_t)(q - uri) > 1) {
                uint32_t pl = (uint32_t)(q - uri);
                trawl_add_string(pkt, F_URI_PATH, (const char *)uri, pl);
                const uint8_t *qs = q + 1;
                uint32_t ql = urilen - pl - 1;
                trawl_add_string(pkt, F_URI_QUERY, (const char *)qs, ql);
                for (uint32_t i = 0; i < ql;) {
                    while (i < ql && qs[i] == '&') i++;
                    if (i >= ql) break;
                    const uint8_t *e = memchr(qs + i, '&', ql - i);
                    uint32_t el = e ? (uint32_t)(e - qs) - i : ql - i;
                    trawl_add_string(pkt, F_URI_PARAM, (const char *)qs + i, el);
                    i += el;
                }
            }
            trawl_add_string(pkt, F_REQ_VERSION, (const char *)h + nt + nt2, ll - nt - nt2);
        }
    }
    const uint8_t *host = NULL;
    uint32_t hostlen = 0;
    unsigned seen = 0;
    while (next_line(h, hl, off, &ll, &nt) && ll) {
        header_fields(pkt, h + off, ll, &host, &hostlen, &seen);
        off = nt;
    }
    if (seen == 3) { trawl_tree_push(pkt, F_TE_AND_LENGTH); trawl_tree_pop(pkt); }
    if (kind != K_RESPONSE && mlen) {
        /* The full URI: absolute URIs and CONNECT's authority as they are, else scheme and
         * host (trimmed) before the path. */
        if (host) {
            bool as_is = (urilen >= 7 && !strncasecmp((const char *)uri, "http://", 7)) ||
                         (urilen >= 8 && !strncasecmp((const char *)uri, "https://", 8)) ||
                         (mlen >= 7 && !strncasecmp((const char *)method, "CONNECT", 7));
            const uint8_t *hp = host;
            uint32_t hn = hostlen;
            trim(&hp, &hn);
            uint32_t fl = as_is ? urilen : 7 + hn + urilen;
            char *full = trawl_packet_alloc(pkt, fl ? fl : 1);
            if (full) {
                if (as_is) memcpy(full, uri, urilen);
                else {
                    memcpy(full, "http://", 7);
                    memcpy(full + 7, hp, hn);
                    memcpy(full + 7 + hn, uri, urilen);
                }
                trawl_add_string(pkt, F_FULL_URI, full, fl);
                fs->conv_full_uri = keep(fs, fs->conv_full_uri, &fs->conv_full_uri_len, (const uint8_t *)full, fl);
                fs->has_full_uri = true;
            }
        }
        fs->conv_req_uri = keep(fs, fs->conv_req_uri, &fs->conv_req_uri_len, uri, urilen);
        fs->has_req_uri = true;
    }
    if (kind == K_REQUEST) {
        trawl_add_bool(pkt, F_REQUEST, true);
        fs->tail_exists = true;
        fs->tail_req = true;
        fs->tail_res = false;
        fs->tail_number = ++fs->req_res_num;
        fs->tail_req_frame = frame->number;
        fs->tail_req_ns = frame->ts_ns;
        trawl_add_uint(pkt, F_REQUEST_NUMBER, fs->tail_number);
    } else if (kind == K_NOTIFY) {
        trawl_add_bool(pkt, F_NOTIFICATION, true);
    } else if (kind == K_RESPONSE) {
        trawl_add_bool(pkt, F_RESPONSE, true);
        if (!fs->tail_exists || fs->tail_res) {
            fs->tail_exists = true;
            fs->tail_req = false;
            fs->tail_number = ++fs->req_res_num;
        }
        fs->tail_res = true;
        trawl_add_uint(pkt, F_RESPONSE_NUMBER, fs->tail_number);
        if (fs->tail_req) {
            trawl_add_time(pkt, F_TIME, frame->ts_ns - fs->tail_req_ns);
            trawl_add_uint(pkt, F_REQUEST_IN, fs->tail_req_frame);
        }
        /* Values must live as long as the packet (its output may come later): a copy. */
        const char *u = fs->has_full_uri ? fs->conv_full_uri : fs->has_req_uri ? fs->conv_req_uri : NULL;
        uint32_t ul = fs->has_full_uri ? fs->conv_full_uri_len : fs->conv_req_uri_len;
        char *cu = u ? trawl_packet_alloc(pkt, ul ? ul : 1) : NULL;
        if (cu) {
            memcpy(cu, u, ul);
            trawl_add_string(pkt, F_RESPONSE_FOR_URI, cu, ul);
        }
    }
    if (d->bad_chunk) { trawl_tree_push(pkt, F_BAD_CHUNK); trawl_tree_pop(pkt); }
    if (d->gap) { trawl_tree_push(pkt, F_GAP); trawl_tree_pop(pkt); }
    if (body_decode_failed(&d->body)) { trawl_tree_push(pkt, F_DECOMPRESSION_FAILED); trawl_tree_pop(pkt); }
}

/* ---- messages -------------------------------------------------------------------------------- */

static void dir_reset(struct hdir *d)
{
    body_end(&d->body);
    free(d->hdr_saved);
    d->hdr_saved = NULL;
    d->hdr_live = NULL;
    d->active = d->started = d->done_pending = false;
    d->gap = d->bad_chunk = d->leading_crlf = d->upgrade = false;
    d->scan = d->trailer = d->hdr_len = 0;
    d->remaining = 0;
}

static void go_tunnel(struct http_flow *fs)
{
    for (int i = 0; i < 2; i++) {
        struct hdir *o = &fs->d[i];
        if (o->active) continue;               /* it finishes its message first */
        dir_reset(o);
        o->state = ST_TUNNEL;
    }
}

/* The message of direction c->dir is complete: its fields (when there is a packet to put them
 * on), the transaction's bookkeeping and record. */
static void msg_complete(struct call *c)
{
    struct http_flow *fs = c->fs;
    struct hdir *d = &fs->d[c->dir];
    if (!d->active) { d->done_pending = false; return; }
    if (c->pkt) {
        const uint8_t *h = d->hdr_live;
        if (!h && d->hdr_saved) {
            uint8_t *a = trawl_packet_alloc(c->pkt, d->hdr_len);
            if (a) memcpy(a, d->hdr_saved, d->hdr_len);
            h = a;
        }
        if (h) {
            emit_fields(c, d, h, d->hdr_len);
            c->emitted = true;
        }
    }
    uint64_t frame = c->pkt ? trawl_packet_frame(c->pkt)->number : trawl_flow_info(c->f)->last_frame;
    struct txn *t = d->txn;
    bool tunnel = false;
    if (d->kind == K_RESPONSE) {
        bool final = d->code / 100 != 1;
        if (t && final) {
            t->has_resp_body = true;
            t->resp_body = body_length(&d->body);
            t->resp_mime = mime_sniff(d->body.sniff, d->body.sniff_len);
            if (frame) t->last_frame = frame;
            /* The request may still be sending its body (an early answer). */
            for (int i = 0; i < 2; i++)
                if (i != c->dir && fs->d[i].txn == t) t->req_body = body_length(&fs->d[i].body);
            txn_record(c, t);
            tunnel = (t->method == M_CONNECT && d->code / 100 == 2) || (d->code == 101 && d->upgrade);
            txn_free(fs, t);
        }
        if (!t && d->code == 101 && d->upgrade) tunnel = true;
    } else if (t) {
        t->req_body = body_length(&d->body);
        t->req_mime = mime_sniff(d->body.sniff, d->body.sniff_len);
        if (frame && t->last_frame < frame) t->last_frame = frame;
        d->txn = NULL;
    }
    dir_reset(d);
    d->state = ST_START;
    if (tunnel) go_tunnel(fs);
}

/* A header has been read: start the message (transactions, framing). Returns true when it is
 * complete already (no body). */
static bool msg_begin(struct call *c, const uint8_t *h, uint32_t hl, bool leading_crlf)
{
    struct http_flow *fs = c->fs;
    struct hdir *d = &fs->d[c->dir];
    struct framing fr;
    read_framing(h, hl, &fr);
    /* Decoding is the costly part: only for the records' lengths and the failure marker. */
    if ((fr.coding == CODING_GZIP || fr.coding == CODING_DEFLATE) &&
        !trawl_record_wanted(c->ctx, c->st->rec) && !trawl_wants(c->pkt, F_DECOMPRESSION_FAILED))
        fr.coding = CODING_OTHER;
    d->active = true;
    d->kind = (uint8_t)fr.kind;
    d->hdr_live = h;
    d->hdr_len = hl;
    d->leading_crlf = leading_crlf;
    d->upgrade = fr.upgrade;
    d->code = (uint16_t)fr.status;
    bool body = true;
    if (fr.kind == K_RESPONSE) {
        bool info = fr.status / 100 == 1;
        struct txn *t = fs->pend;
        if (info) {
            if (!t) {              /* a 1xx nobody asked for: Zeek keeps it for the final answer */
                t = txn_new(fs, c->pkt, d);
                if (t) pend_push(fs, t);
            }
            if (t) txn_fill_response(fs, t, h, hl, true);
            d->txn = NULL;
        } else {
            t = pend_pop(fs);
            if (!t) t = txn_new(fs, c->pkt, d);
            if (t) txn_fill_response(fs, t, h, hl, false);
            d->txn = t;
        }
        uint8_t m = t ? t->method : M_OTHER;
        if (m == M_HEAD || info || fr.status == 204 || fr.status == 304 ||
            (m == M_CONNECT && fr.status / 100 == 2) || fr.rpc)
            body = false;
        if (body && !fr.chunked && !fr.cl_ok) {
            d->state = ST_CLOSE;           /* until the server closes */
            body_begin(&d->body, fr.coding);
            return false;
        }
    } else {
        pend_trim(c);
        struct txn *t = txn_new(fs, c->pkt, d);
        if (t) {
            t->has_request = true;
            t->method = fr.method;
            if (trawl_record_wanted(c->ctx, c->st->rec)) txn_fill_request(c, t, h, hl);
            pend_push(fs, t);
        }
        d->txn = t;
        if (fr.rpc || (!fr.chunked && !fr.cl_ok)) body = false;
    }
    if (!body) return true;
    body_begin(&d->body, fr.coding);
    if (fr.chunked) { d->state = ST_CHUNK_SIZE; return false; }
    if (!fr.cl) return true;
    d->state = ST_BODY;
    d->remaining = fr.cl;
    return false;
}

static void need(struct call *c, uint32_t n)
{
    c->more = true;
    c->more_n = n;
}

static void lose(struct hdir *d)
{
    dir_reset(d);
    d->state = ST_LOST;
}

/* ST_START: a start line and headers. */
static uint32_t on_start(struct call *c, const uint8_t *p, uint32_t n)
{
    struct hdir *d = &c->fs->d[c->dir];
    const struct http_state *st = c->st;
    uint32_t i = 0;
    while (i < n && (p[i] == '\r' || p[i] == '\n')) i++;
    bool crlf = i > 0;
    if (i == n) return n;
    if (!d->started) {
        const struct trawl_frame *fr = trawl_packet_frame(c->pkt);
        d->started = true;
        d->start_ns = fr->ts_ns;
        d->start_frame = fr->number;
        d->start_file = fr->file_index;
    }
    const uint8_t *m = p + i;
    uint32_t avail = n - i, ll, off;
    if (!next_line(m, avail, 0, &ll, &off)) {
        if (avail < st->max_header && plausible_prefix(m, avail)) { need(c, TRAWL_STREAM_MORE_UNKNOWN); return i; }
        lose(d);
        return i;
    }
    if (classify(m, ll) == K_NONE) { lose(d); return i; }
    /* The blank line, searching on from where the last look stopped. */
    off = d->scan > off ? d->scan : off;
    for (;;) {
        uint32_t nx;
        if (!next_line(m, avail, off, &ll, &nx)) {
            if (avail >= st->max_header) break;
            d->scan = off;
            need(c, TRAWL_STREAM_MORE_UNKNOWN);
            return i;
        }
        if (nx > st->max_header) break;
        if (ll == 0) {
            d->scan = 0;
            if (msg_begin(c, m, nx, crlf)) msg_complete(c);
            return i + nx;
        }
        off = nx;
    }
    /* Headers beyond the cap: flag (on this frame), skip, look for the next message. */
    if (c->pkt) { trawl_tree_push(c->pkt, F_HEADER_TOO_LONG); trawl_tree_pop(c->pkt); c->emitted = true; }
    lose(d);
    return i + (avail < st->max_header ? avail : st->max_header);
}

static void feed(struct call *c, struct hdir *d, const uint8_t *p, uint32_t n)
{
    body_feed(&d->body, p, n, c->st->max_decoded);
}

/* ST_BODY / ST_CHUNK_DATA: counted bytes. */
static uint32_t on_counted(struct call *c, const uint8_t *p, uint32_t n)
{
    struct hdir *d = &c->fs->d[c->dir];
    uint32_t take = d->remaining < n ? (uint32_t)d->remaining : n;
    feed(c, d, p, take);
    d->remaining -= take;
    if (!d->remaining) {
        if (d->state == ST_CHUNK_DATA) d->state = ST_CHUNK_CRLF;
        else msg_complete(c);
    }
    return take;
}

/* A chunked body went wrong: the message ends here (as tshark gives up), the direction looks
 * for the next message. */
static void bad_chunk(struct call *c, struct hdir *d)
{
    d->bad_chunk = true;
    msg_complete(c);
    d->state = ST_LOST;
}

static uint32_t on_chunk_size(struct call *c, const uint8_t *p, uint32_t n)
{
    struct hdir *d = &c->fs->d[c->dir];
    uint32_t ll, nx;
    if (!next_line(p, n, 0, &ll, &nx)) {
        if (n < 4096) { need(c, TRAWL_STREAM_MORE_UNKNOWN); return 0; }
        bad_chunk(c, d);
        return 0;
    }
    /* sscanf("%x") on the part before any ';' extension */
    uint32_t i = 0;
    while (i < ll && is_space(p[i])) i++;
    if (i + 1 < ll && p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X') && i + 2 < ll && hexval(p[i + 2]) >= 0) i += 2;
    uint64_t size = 0;
    uint32_t s = i;
    while (i < ll && p[i] != ';' && hexval(p[i]) >= 0 && size <= (UINT64_C(1) << 31)) size = size << 4 | (uint64_t)hexval(p[i++]);
    if (i == s || size > (UINT64_C(1) << 31)) { bad_chunk(c, d); return 0; }
    if (size == 0) d->state = ST_TRAILER;
    else { d->state = ST_CHUNK_DATA; d->remaining = size; }
    return nx;
}

static uint32_t on_chunk_crlf(struct call *c, const uint8_t *p, uint32_t n)
{
    struct hdir *d = &c->fs->d[c->dir];
    d->state = ST_CHUNK_SIZE;
    if (p[0] == '\n') return 1;
    if (p[0] == '\r') {
        if (n < 2) { d->state = ST_CHUNK_CRLF; need(c, 1); return 0; }
        return p[1] == '\n' ? 2 : 1;
    }
    d->bad_chunk = true;       /* no line end after the data: read on from here */
    return 0;
}

static uint32_t on_trailer(struct call *c, const uint8_t *p, uint32_t n)
{
    struct hdir *d = &c->fs->d[c->dir];
    uint32_t off = 0, ll, nx;
    while (next_line(p, n, off, &ll, &nx)) {
        off = nx;
        if (!ll) { msg_complete(c); return off; }
        d->trailer += nx;
        if (d->trailer > c->st->max_header) { bad_chunk(c, d); return off; }
    }
    if (d->trailer + (n - off) > c->st->max_header) { bad_chunk(c, d); return n; }
    need(c, TRAWL_STREAM_MORE_UNKNOWN);
    return off;
}

/* ST_LOST: look for the next start line at a line start (bytes after a gap start a line too). */
static uint32_t on_lost(struct call *c, const uint8_t *p, uint32_t n)
{
    struct hdir *d = &c->fs->d[c->dir];
    uint32_t k = 0;
    for (;;) {
        int s = start_strict(p + k, n - k, 8192);
        if (s == START_YES) { d->state = ST_START; return k; }
        if (s == START_MAYBE) { need(c, TRAWL_STREAM_MORE_UNKNOWN); return k; }
        const uint8_t *nl = memchr(p + k, '\n', n - k);
        if (!nl) return n;
        k = (uint32_t)(nl - p) + 1;
        if (k >= n) return n;
    }
}

/* Is this direction's stream over (a FIN seen)? tshark then stops waiting for body bytes. */
static bool dir_closed(const struct call *c)
{
    return trawl_flow_info(c->f)->tcp_state[c->dir] == TRAWL_TCP_CLOSED;
}

/* ---- the dissector ---------------------------------------------------------------------------- */

static void flow_init(struct http_flow *fs)
{
    for (int i = 0; i < 2; i++) fs->d[i].state = ST_START;
}

static int http_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct http_state *st = state;
    struct trawl_flow *f = trawl_packet_flow(pkt);
    if (!f || !trawl_packet_in_stream(pkt)) return 0;
    int dir = trawl_packet_flow_dir(pkt);
    uint32_t n = trawl_buf_caplen(b);
    if (!n && trawl_stream_at_fin(pkt)) {
        /* The sender closed: a message read until the close is complete on this frame. */
        struct http_flow *ff = trawl_flow_state_peek(f, st->proto);
        if (!ff) return 0;
        struct call c = { .pkt = pkt, .ctx = pkt, .st = st, .fs = ff, .f = f, .dir = dir };
        if (!ff->d[dir].active) return 0;
        msg_complete(&c);
        return c.emitted ? 1 : 0;
    }
    const uint8_t *data = trawl_buf_ptr(b, 0, n);
    if (!data || !n) return 0;
    struct http_flow *fs = trawl_flow_state_peek(f, st->proto);
    bool first = trawl_flow_info(f)->service != st->proto;
    if (!fs) {
        /* The flow's first bytes: a start line (or the beginning of one) makes it HTTP; so
         * do bytes of a connection picked up in its middle on an HTTP port (they are read
         * until the next message starts). */
        uint32_t i = 0;
        while (i < n && (data[i] == '\r' || data[i] == '\n')) i++;
        uint32_t ll, nx;
        bool yes = next_line(data + i, n - i, 0, &ll, &nx) ? classify(data + i, ll) != K_NONE
                                                           : plausible_prefix(data + i, n - i);
        if (!yes && (trawl_flow_info(f)->flags & TRAWL_FLOW_SYN_SEEN)) return 0;
        fs = trawl_flow_state(f, st->proto, sizeof *fs);
        if (!fs) return 0;
        flow_init(fs);
    }
    struct call c = { .pkt = pkt, .ctx = pkt, .st = st, .fs = fs, .f = f, .dir = dir };
    struct hdir *d = &fs->d[dir];
    if (d->done_pending) {
        uint8_t next = d->state;           /* where the gap left the reading */
        msg_complete(&c);
        if (d->state == ST_START) d->state = next;
    }
    uint32_t off = 0;
    while (off < n && !c.more) {
        uint8_t before = d->state;
        uint32_t r = 0;
        switch (d->state) {
        case ST_START:      r = on_start(&c, data + off, n - off); break;
        case ST_BODY:
        case ST_CHUNK_DATA: r = on_counted(&c, data + off, n - off); break;
        case ST_CHUNK_SIZE: r = on_chunk_size(&c, data + off, n - off); break;
        case ST_CHUNK_CRLF: r = on_chunk_crlf(&c, data + off, n - off); break;
        case ST_TRAILER:    r = on_trailer(&c, data + off, n - off); break;
        case ST_CLOSE:      feed(&c, d, data + off, n - off); r = n - off; break;
        case ST_TUNNEL:     r = n - off; break;
        case ST_LOST:       r = on_lost(&c, data + off, n - off); break;
        }
        off += r;
        if (!r && !c.more && d->state == before) break;   /* no progress: cannot happen, be safe */
    }
    if (c.more) trawl_stream_need_more(pkt, c.more_n);
    /* A FIN ended this direction: what is read of the message is all there is (tshark). */
    if (d->active && !c.more && dir_closed(&c)) msg_complete(&c);
    /* A header whose body goes on in later packets: keep a copy (this call's bytes go). */
    if (d->active && d->hdr_live) {
        if (!d->hdr_saved) d->hdr_saved = malloc(d->hdr_len);
        if (d->hdr_saved) memcpy(d->hdr_saved, d->hdr_live, d->hdr_len);
        d->hdr_live = NULL;
    }
    if (off == 0 && c.more) return 0;
    /* Bytes only counted (a body's middle): no layer on this frame, as in tshark. */
    if (!first && !c.emitted && !c.more && off == n) return 0;
    return (int)off;
}

/* ---- stream callbacks --------------------------------------------------------------------------- */

static void http_gap(struct trawl_packet *pkt, struct trawl_flow *f, int dir, uint64_t len, void *state)
{
    const struct http_state *st = state;
    struct http_flow *fs = trawl_flow_state_peek(f, st->proto);
    if (!fs) return;
    struct hdir *d = &fs->d[dir];
    (void)pkt;
    switch (d->state) {
    case ST_BODY:
    case ST_CHUNK_DATA: {
        d->gap = true;
        body_hole(&d->body);
        if (len < d->remaining) { d->remaining -= len; return; }
        if (len == d->remaining && d->state == ST_CHUNK_DATA) { d->remaining = 0; d->state = ST_CHUNK_CRLF; return; }
        /* The body ended inside the hole: exactly at its end, the next bytes start the next
         * message; past it, nobody knows where. Completed on the next call (or at the end). */
        bool exact = len == d->remaining;
        d->remaining = 0;
        d->done_pending = true;
        d->state = exact ? ST_START : ST_LOST;
        return;
    }
    case ST_CLOSE:
        d->gap = true;
        body_hole(&d->body);
        return;
    case ST_TUNNEL:
        return;
    case ST_START:
        /* A header being held is gone: its message is lost. */
        dir_reset(d);
        d->state = ST_LOST;
        return;
    default:                                   /* chunk framing or trailers: lost */
        d->gap = true;
        d->done_pending = d->active;
        d->state = ST_LOST;
        return;
    }
}

static void http_end(struct trawl_packet *ctx, struct trawl_flow *f, void *flow_state, void *state)
{
    const struct http_state *st = state;
    struct http_flow *fs = flow_state;
    if (!fs) return;
    /* Messages still open end here (an answer read until the close, a cut body): their
     * transactions are recorded; fields have no frame to go to. */
    for (int dir = 0; dir < 2; dir++) {
        struct call c = { .pkt = NULL, .ctx = ctx, .st = st, .fs = fs, .f = f, .dir = dir };
        if (fs->d[dir].active) msg_complete(&c);
    }
    struct call c = { .pkt = NULL, .ctx = ctx, .st = st, .fs = fs, .f = f, .dir = 0 };
    while (fs->pend) {
        struct txn *t = pend_pop(fs);
        txn_record(&c, t);
        txn_free(fs, t);
    }
    for (int dir = 0; dir < 2; dir++) {
        if (fs->d[dir].txn) txn_free(fs, fs->d[dir].txn);
        dir_reset(&fs->d[dir]);
    }
    free(fs->conv_full_uri);
    free(fs->conv_req_uri);
    fs->conv_full_uri = fs->conv_req_uri = NULL;
}

/* ---- heuristic ------------------------------------------------------------------------------------ */

static enum trawl_heur_result http_probe(const struct trawl_buf *b, void *state)
{
    const struct http_state *st = state;
    uint32_t n = trawl_buf_caplen(b);
    const uint8_t *p = trawl_buf_has(b, 0, n) ? b->data : NULL;
    if (!p || !n) return TRAWL_HEUR_NOT_MINE;
    int s = start_strict(p, n, st->max_header < 4096 ? st->max_header : 4096);
    return s == START_YES ? TRAWL_HEUR_MINE : s == START_MAYBE ? TRAWL_HEUR_NEED_MORE : TRAWL_HEUR_NOT_MINE;
}

/* ---- registration ------------------------------------------------------------------------------- */

static const struct trawl_proto_def http_proto = {
    "http", "Hypertext Transfer Protocol", "HTTP", fields, F_COUNT, http_dissect,
};
static const struct trawl_stream_ops http_ops = { sizeof http_ops, NULL, http_gap, http_end };
static const struct trawl_heur_def http_heur = { "http_tcp", 50, http_probe };

/* Wireshark 4.0's HTTP ports (its own range, plus 631 IPP and 3689 DAAP which hand HTTP over). */
static const uint16_t http_ports[] = { 80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371 };

static int opt_u64(struct trawl_init *ctx, const char *key, uint64_t lo, uint64_t hi, uint64_t *out)
{
    const char *v = trawl_init_option(ctx, key);
    if (!v) return 0;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end == 'k' || *end == 'K') { x <<= 10; end++; }
    else if (*end == 'M') { x <<= 20; end++; }
    else if (*end == 'G') { x <<= 30; end++; }
    if (end == v || *end || x < lo || x > hi) {
        trawl_init_log(ctx, TRAWL_LOG_ERROR, "http.%s must be a number in [%llu, %llu], not '%s'",
                       key, (unsigned long long)lo, (unsigned long long)hi, v);
        return TRAWL_EINVAL;
    }
    *out = x;
    return 0;
}

static int http_init(struct trawl_init *ctx)
{
    struct http_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    uint64_t mh = 65536, md = UINT64_C(1) << 30, mp = 100, mm = 1u << 20;
    if (opt_u64(ctx, "max_header", 256, 16u << 20, &mh) || opt_u64(ctx, "max_decoded", 0, UINT64_MAX, &md) ||
        opt_u64(ctx, "max_pending", 1, 100000, &mp) || opt_u64(ctx, "max_flow_mem", 4096, 1u << 30, &mm))
        return TRAWL_EINVAL;
    st->max_header = (uint32_t)mh;
    st->max_decoded = md;
    st->max_pending = (uint32_t)mp;
    st->max_flow_mem = (uint32_t)mm;
    const char *cp = trawl_init_option(ctx, "capture_password");
    st->capture_password = cp && (!strcmp(cp, "yes") || !strcmp(cp, "1") || !strcmp(cp, "true"));
    st->proto = trawl_proto_register(ctx, &http_proto, st);
    st->rec = trawl_record_register(ctx, &http_def);
    return st->proto && st->rec ? 0 : TRAWL_EINVAL;
}

static int http_handoff(struct trawl_init *ctx)
{
    struct http_state *st = trawl_init_state(ctx);
    for (size_t i = 0; i < sizeof http_ports / sizeof *http_ports; i++)
        trawl_table_add(ctx, "tcp.port", http_ports[i], st->proto);
    trawl_heur_add(ctx, "tcp", &http_heur, st->proto);
    return trawl_stream_register(ctx, st->proto, &http_ops);
}

static void http_fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "http", .version = "1.0.0",
                        .summary = "HTTP/1.x on TCP streams: tshark's fields, Zeek's http.log records",
                        .init = http_init, .handoff = http_handoff, .fini = http_fini);
