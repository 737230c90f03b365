/* nbns — NetBIOS Name Service on UDP 137 (RFC 1001/1002), as tshark 4.0 shows it.
 *
 * The message is DNS-shaped (the same header, questions and resource records, the same
 * compression pointers) but names are NetBIOS names in "first-level encoding": 16 bytes, each
 * split into two nibbles written as 'A'+nibble, as one 32-byte label, optionally followed by a
 * DNS-style scope ("HOST<20>.corp.example"). tshark's way is kept exactly, down to its messages
 * for names it cannot decode, so fields compare with tshark's: the name is expanded as a DNS
 * name first, the part before the first '.' is decoded pair by pair (letters 'A'..'Z', not only
 * 'A'..'P'), the 16th byte is the name type, shown "<1d>", and an answer of type NB names what
 * that type means ("WORKGROUP<1d> (Local Master Browser)").
 *
 * Records: NB (flags and addresses, several per record), NBSTAT (the node status: names,
 * their flags, the adapter's statistics), anything else as data bytes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"

enum {
    F_ID, F_FLAGS, F_RESPONSE, F_OPCODE, F_AUTHORITATIVE, F_TRUNCATED, F_RECDESIRED,
    F_RECAVAIL, F_BROADCAST, F_RCODE, F_QUERIES, F_ANSWERS, F_AUTH_RR, F_ADD_RR,
    F_NAME, F_TYPE, F_CLASS, F_TTL, F_DATA_LENGTH,
    F_NB_FLAGS, F_NB_GROUP, F_NB_ONT, F_ADDR,
    F_NUM_NAMES, F_NETBIOS_NAME, F_NAME_FLAGS, F_NF_GROUP, F_NF_ONT, F_NF_DRG, F_NF_CNF,
    F_NF_ACT, F_NF_PRM,
    F_UNIT_ID, F_JUMPERS, F_TEST_RESULT, F_VERSION, F_PERIOD, F_CRCS, F_ALIGN, F_COLLISIONS,
    F_SEND_ABORTS, F_GOOD_SENDS, F_GOOD_RECEIVES, F_RETRANSMITS, F_NO_RESOURCE, F_CMD_BLOCKS,
    F_PENDING, F_MAX_PENDING, F_MAX_SESSIONS, F_SESSION_SIZE,
    F_DATA,
    F_COUNT
};

static const struct trawl_value_name opcode_names[] = {
    { 0, "Name query" }, { 5, "Registration" }, { 6, "Release" },
    { 7, "Wait for acknowledgment" }, { 8, "Refresh" }, { 9, "Refresh (alternate opcode)" },
    { 15, "Multi-homed registration" }, { 0, NULL },
};

static const struct trawl_value_name rcode_names[] = {
    { 0, "No error" }, { 1, "Request was invalidly formatted" }, { 2, "Server failure" },
    { 3, "Requested name does not exist" }, { 4, "Request is not implemented" },
    { 5, "Request was refused" }, { 6, "Name is owned by another node" },
    { 7, "Name is in conflict" }, { 0, NULL },
};

static const struct trawl_value_name type_names[] = {
    { 1, "A" }, { 2, "NS" }, { 10, "NULL" }, { 32, "NB" }, { 33, "NBSTAT" }, { 0, NULL },
};

static const struct trawl_value_name ont_names[] = {
    { 0, "B-node" }, { 1, "P-node" }, { 2, "M-node" }, { 3, "Unknown" }, { 0, NULL },
};

#define U16(n, d, base, mask) { n, d, TRAWL_FT_U16, base, NULL, mask }
#define FLAG(n, d, mask) { n, d, TRAWL_FT_BOOL, 0, NULL, mask }

static const struct trawl_field_def fields[F_COUNT] = {
    [F_ID]            = U16("nbns.id", "Transaction ID", TRAWL_BASE_HEX, 0),
    [F_FLAGS]         = U16("nbns.flags", "Flags", TRAWL_BASE_HEX, 0),
    [F_RESPONSE]      = FLAG("nbns.flags.response", "Response", 0x8000),
    [F_OPCODE]        = { "nbns.flags.opcode", "Opcode", TRAWL_FT_U16, 0, opcode_names, 0x7800 },
    [F_AUTHORITATIVE] = FLAG("nbns.flags.authoritative", "Authoritative", 0x0400),
    [F_TRUNCATED]     = FLAG("nbns.flags.truncated", "Truncated", 0x0200),
    [F_RECDESIRED]    = FLAG("nbns.flags.recdesired", "Recursion desired", 0x0100),
    [F_RECAVAIL]      = FLAG("nbns.flags.recavail", "Recursion available", 0x0080),
    [F_BROADCAST]     = FLAG("nbns.flags.broadcast", "Broadcast", 0x0010),
    [F_RCODE]         = { "nbns.flags.rcode", "Reply code", TRAWL_FT_U16, 0, rcode_names, 0x000f },
    [F_QUERIES]       = U16("nbns.count.queries", "Questions", 0, 0),
    [F_ANSWERS]       = U16("nbns.count.answers", "Answer RRs", 0, 0),
    [F_AUTH_RR]       = U16("nbns.count.auth_rr", "Authority RRs", 0, 0),
    [F_ADD_RR]        = U16("nbns.count.add_rr", "Additional RRs", 0, 0),
    [F_NAME]          = { "nbns.name", "Name", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_TYPE]          = { "nbns.type", "Type", TRAWL_FT_U16, 0, type_names, 0 },
    [F_CLASS]         = U16("nbns.class", "Class", 0, 0),
    [F_TTL]           = { "nbns.ttl", "Time to live", TRAWL_FT_U32, 0, NULL, 0 },
    [F_DATA_LENGTH]   = U16("nbns.data_length", "Data length", 0, 0),
    [F_NB_FLAGS]      = U16("nbns.nb_flags", "Name flags", TRAWL_BASE_HEX, 0),
    [F_NB_GROUP]      = FLAG("nbns.nb_flags.group", "Name type (group)", 0x8000),
    [F_NB_ONT]        = { "nbns.nb_flags.ont", "ONT", TRAWL_FT_U16, 0, ont_names, 0x6000 },
    [F_ADDR]          = { "nbns.addr", "Addr", TRAWL_FT_IPV4, 0, NULL, 0 },
    [F_NUM_NAMES]     = { "nbns.number_of_names", "Number of names", TRAWL_FT_U8, 0, NULL, 0 },
    [F_NETBIOS_NAME]  = { "nbns.netbios_name", "Name", TRAWL_FT_STRING, 0, NULL, 0 },
    [F_NAME_FLAGS]    = U16("nbns.name_flags", "Name flags", TRAWL_BASE_HEX, 0),
    [F_NF_GROUP]      = FLAG("nbns.name_flags.group", "Name type (group)", 0x8000),
    [F_NF_ONT]        = { "nbns.name_flags.ont", "ONT", TRAWL_FT_U16, 0, ont_names, 0x6000 },
    [F_NF_DRG]        = FLAG("nbns.name_flags.drg", "Name is being deregistered", 0x1000),
    [F_NF_CNF]        = FLAG("nbns.name_flags.cnf", "Name is in conflict", 0x0800),
    [F_NF_ACT]        = FLAG("nbns.name_flags.act", "Name is active", 0x0400),
    [F_NF_PRM]        = FLAG("nbns.name_flags.prm", "Permanent node name", 0x0200),
    [F_UNIT_ID]       = { "nbns.unit_id", "Unit ID", TRAWL_FT_ETHER, 0, NULL, 0 },
    [F_JUMPERS]       = { "nbns.jumpers", "Jumpers", TRAWL_FT_U8, TRAWL_BASE_HEX, NULL, 0 },
    [F_TEST_RESULT]   = { "nbns.test_result", "Test result", TRAWL_FT_U8, TRAWL_BASE_HEX, NULL, 0 },
    [F_VERSION]       = U16("nbns.version_number", "Version number", TRAWL_BASE_HEX, 0),
    [F_PERIOD]        = U16("nbns.period_of_statistics", "Period of statistics", TRAWL_BASE_HEX, 0),
    [F_CRCS]          = U16("nbns.num_crcs", "Number of CRCs", 0, 0),
    [F_ALIGN]         = U16("nbns.num_alignment_errors", "Number of alignment errors", 0, 0),
    [F_COLLISIONS]    = U16("nbns.num_collisions", "Number of collisions", 0, 0),
    [F_SEND_ABORTS]   = U16("nbns.num_send_aborts", "Number of send aborts", 0, 0),
    [F_GOOD_SENDS]    = { "nbns.num_good_sends", "Number of good sends", TRAWL_FT_U32, 0, NULL, 0 },
    [F_GOOD_RECEIVES] = { "nbns.num_good_receives", "Number of good receives", TRAWL_FT_U32, 0, NULL, 0 },
    [F_RETRANSMITS]   = U16("nbns.numretransmits", "Number of retransmits", 0, 0),
    [F_NO_RESOURCE]   = U16("nbns.num_no_resource_conditions", "Number of no resource conditions", 0, 0),
    [F_CMD_BLOCKS]    = U16("nbns.numcommand_blocks", "Number of command blocks", 0, 0),
    [F_PENDING]       = U16("nbns.numpending_sessions", "Number of pending sessions", 0, 0),
    [F_MAX_PENDING]   = U16("nbns.max_num_pending_sessions", "Max number of pending sessions", 0, 0),
    [F_MAX_SESSIONS]  = U16("nbns.max_total_sessions_possible", "Max total sessions possible", 0, 0),
    [F_SESSION_SIZE]  = U16("nbns.session_data_packet_size", "Session data packet size", 0, 0),
    [F_DATA]          = { "nbns.data", "Data", TRAWL_FT_BYTES, 0, NULL, 0 },
};

/* What a NetBIOS name type (the 16th byte) means, as tshark names it. */
static const struct trawl_value_name name_type_names[] = {
    { 0x00, "Workstation/Redirector" }, { 0x01, "Browser" },
    { 0x02, "Workstation/Redirector" }, { 0x03, "Messenger service/Main name" },
    { 0x05, "Forwarded name" }, { 0x06, "RAS Server service" },
    { 0x1b, "Domain Master Browser" }, { 0x1c, "Domain Controllers" },
    { 0x1d, "Local Master Browser" }, { 0x1e, "Browser Election Service" },
    { 0x1f, "Net DDE Service" }, { 0x20, "Server service" }, { 0x21, "RAS client service" },
    { 0x22, "Exchange Interchange (MSMail Connector)" }, { 0x23, "Exchange Store" },
    { 0x24, "Exchange Directory" }, { 0x2b, "Lotus Notes Server service" },
    { 0x30, "Modem sharing server service" }, { 0x31, "Modem sharing client service" },
    { 0x43, "SMS Clients Remote Control" }, { 0x44, "SMS Administrators Remote Control Tool" },
    { 0x45, "SMS Clients Remote Chat" }, { 0x46, "SMS Clients Remote Transfer" },
    { 0x4c, "DEC Pathworks TCP/IP Service on Windows NT" },
    { 0x52, "DEC Pathworks TCP/IP Service on Windows NT" },
    { 0x6a, "Microsoft Exchange IMC" }, { 0x87, "Microsoft Exchange MTA" },
    { 0xbe, "Network Monitor Agent" }, { 0xbf, "Network Monitor Analyzer" }, { 0, NULL },
};

static const char *vname(const struct trawl_value_name *t, uint64_t v, const char *dflt)
{
    for (; t->name; t++)
        if (t->value == v) return t->name;
    return dflt;
}

enum { T_NB = 32, T_NBSTAT = 33 };
#define NAME_MAX_LEN 255      /* an expanded DNS name: longer ones are cut */
#define MAX_POINTERS 64       /* more compression pointers than this in one name is a loop */
/* A name as shown: every byte may become "<xx>", plus the type and its meaning. Field values
 * point at their text, so it lives in the packet arena. */
#define TEXT_MAX (NAME_MAX_LEN * 4 + 64)

/* ---- names ----------------------------------------------------------------------------- */

/* Expands the DNS-encoded name at *off (labels joined by '.', pointers followed, bounded) into
 * out; moves *off past the name as it sits in the message. False when the message ends inside
 * the name (nothing more can be read after it). */
static bool expand(const struct trawl_buf *b, uint32_t *off, char *out, size_t *outlen)
{
    uint32_t p = *off, end = 0;
    bool jumped = false;
    size_t n = 0;
    unsigned pointers = 0;
    for (;;) {
        uint8_t c = trawl_buf_u8(b, p);
        if (!trawl_buf_ok(b)) return false;
        if (c == 0) { p++; break; }
        if ((c & 0xc0) == 0xc0) {
            uint8_t lo = trawl_buf_u8(b, p + 1);
            if (!trawl_buf_ok(b)) return false;
            if (!jumped) end = p + 2;
            jumped = true;
            if (++pointers > MAX_POINTERS) {
                n = (size_t)snprintf(out, NAME_MAX_LEN + 1, "<Name contains a pointer that loops>");
                break;
            }
            p = (uint32_t)(c & 0x3f) << 8 | lo;
            continue;
        }
        if (c & 0xc0) {                  /* extended label types: tshark gives up on the name */
            p++;
            n = (size_t)snprintf(out, NAME_MAX_LEN + 1, "<Unknown extended label>");
            break;
        }
        const uint8_t *lab = trawl_buf_ptr(b, p + 1, c);
        if (!lab) return false;
        if (n && n < NAME_MAX_LEN) out[n++] = '.';
        for (unsigned i = 0; i < c && n < NAME_MAX_LEN; i++) out[n++] = (char)lab[i];
        p += 1u + c;
    }
    if (n == 0) n = (size_t)snprintf(out, NAME_MAX_LEN + 1, "<Root>");
    out[n] = 0;
    *outlen = n;
    *off = jumped ? end : p;
    return true;
}

/* Appends a NetBIOS name's 15 characters (trailing spaces dropped unless all are spaces) with
 * what cannot be printed as <xx>. */
static size_t put_netbios(char *out, size_t cap, const uint8_t *nb)
{
    int last = 14;
    while (last >= 0 && nb[last] == ' ') last--;
    if (last < 0) last = 14;
    size_t n = 0;
    for (int i = 0; i <= last && n + 5 < cap; i++) {
        if (isprint(nb[i])) out[n++] = (char)nb[i];
        else n += (size_t)snprintf(out + n, cap - n, "<%02x>", nb[i]);
    }
    out[n] = 0;
    return n;
}

/* tshark's NetBIOS name from an expanded DNS name: the first label decoded, "<type>", then the
 * scope. Writes into out; returns the name type, or -1 when the name is not decodable (out
 * then says why, in tshark's words). */
static int netbios_name(const char *exp, size_t explen, char *out, size_t cap)
{
    const char *dot = memchr(exp, '.', explen);
    size_t enc = dot ? (size_t)(dot - exp) : explen;
    if (enc & 1) { snprintf(out, cap, "Illegal NetBIOS name (odd number of bytes)"); return -1; }
    uint8_t nb[16];
    size_t k = 0;
    for (size_t i = 0; i + 1 < enc && k < 16; i += 2) {
        char c1 = exp[i], c2 = exp[i + 1];
        if (c1 < 'A' || c1 > 'Z') {
            snprintf(out, cap, "Illegal NetBIOS name (1st character not between A and Z in first-level encoding)");
            return -1;
        }
        if (c2 < 'A' || c2 > 'Z') {
            snprintf(out, cap, "Illegal NetBIOS name (2nd character not between A and Z in first-level encoding)");
            return -1;
        }
        nb[k++] = (uint8_t)(((c1 - 'A') << 4) | (c2 - 'A'));   /* 'Z' 'Z' is 0x99, as tshark */
    }
    if (k < 16) { snprintf(out, cap, "Illegal NetBIOS name (%zu bytes long)", k); return -1; }
    size_t n = put_netbios(out, cap, nb);
    n += (size_t)snprintf(out + n, cap - n, "<%02x>", nb[15]);
    if (dot && n < cap) snprintf(out + n, cap - n, "%.*s", (int)(explen - enc), dot);
    return nb[15];
}

/* ---- the message ------------------------------------------------------------------------- */

struct msg {
    struct trawl_packet *pkt;
    const struct trawl_buf *b;
    bool cols;
    char info[256];
    size_t infolen;
};

static void info_add(struct msg *m, const char *fmt, const char *a, const char *b)
{
    if (!m->cols || m->infolen >= sizeof m->info - 1) return;
    int w = snprintf(m->info + m->infolen, sizeof m->info - m->infolen, fmt, a, b);
    if (w > 0) m->infolen += (size_t)w;
    if (m->infolen >= sizeof m->info) m->infolen = sizeof m->info - 1;
}

/* A name at *off, added as nbns.name; answer says an RR of type NB follows (its name then
 * says what its type means). Returns false when the message ends inside it. */
static bool name_field(struct msg *m, uint32_t *off, char *text, size_t cap, int *type)
{
    char exp[NAME_MAX_LEN + 1];
    size_t explen = 0;
    if (!expand(m->b, off, exp, &explen)) return false;
    *type = netbios_name(exp, explen, text, cap);
    return true;
}

static void nb_data(struct msg *m, const struct trawl_buf *rd, uint16_t len, bool *first_addr)
{
    for (uint32_t o = 0; o + 6 <= len; o += 6) {
        uint16_t fl = trawl_buf_u16be(rd, o);
        const uint8_t *a = trawl_buf_ptr(rd, o + 2, 4);
        if (!a) return;
        trawl_add_uint(m->pkt, F_NB_FLAGS, fl);
        trawl_add_bool(m->pkt, F_NB_GROUP, fl & 0x8000);
        trawl_add_uint(m->pkt, F_NB_ONT, (fl >> 13) & 3);
        trawl_add_addr(m->pkt, F_ADDR, a);
        if (*first_addr && m->cols) {
            char s[16];
            snprintf(s, sizeof s, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
            info_add(m, " %s%s", "NB ", s);
            *first_addr = false;
        }
    }
}

static void nbstat_data(struct msg *m, const struct trawl_buf *rd)
{
    uint8_t count = trawl_buf_u8(rd, 0);
    if (!trawl_buf_ok(rd)) return;
    trawl_add_uint(m->pkt, F_NUM_NAMES, count);
    uint32_t o = 1;
    for (unsigned i = 0; i < count; i++, o += 18) {
        const uint8_t *nb = trawl_buf_ptr(rd, o, 16);
        if (!nb) return;
        char *s = trawl_packet_alloc(m->pkt, 16 * 4 + 1);
        if (!s) return;
        put_netbios(s, 16 * 4 + 1, nb);
        trawl_add_cstring(m->pkt, F_NETBIOS_NAME, s);
        uint16_t fl = trawl_buf_u16be(rd, o + 16);
        if (!trawl_buf_ok(rd)) return;
        trawl_add_uint(m->pkt, F_NAME_FLAGS, fl);
        trawl_add_bool(m->pkt, F_NF_GROUP, fl & 0x8000);
        trawl_add_uint(m->pkt, F_NF_ONT, (fl >> 13) & 3);
        trawl_add_bool(m->pkt, F_NF_DRG, fl & 0x1000);
        trawl_add_bool(m->pkt, F_NF_CNF, fl & 0x0800);
        trawl_add_bool(m->pkt, F_NF_ACT, fl & 0x0400);
        trawl_add_bool(m->pkt, F_NF_PRM, fl & 0x0200);
    }
    const uint8_t *unit = trawl_buf_ptr(rd, o, 6);
    if (!unit) return;
    trawl_add_bytes(m->pkt, F_UNIT_ID, unit, 6);
    o += 6;
    /* The statistics after the unit id: sizes in wire order. */
    static const struct { unsigned f; uint8_t size; } stats[] = {
        { F_JUMPERS, 1 }, { F_TEST_RESULT, 1 }, { F_VERSION, 2 }, { F_PERIOD, 2 },
        { F_CRCS, 2 }, { F_ALIGN, 2 }, { F_COLLISIONS, 2 }, { F_SEND_ABORTS, 2 },
        { F_GOOD_SENDS, 4 }, { F_GOOD_RECEIVES, 4 }, { F_RETRANSMITS, 2 },
        { F_NO_RESOURCE, 2 }, { F_CMD_BLOCKS, 2 }, { F_PENDING, 2 }, { F_MAX_PENDING, 2 },
        { F_MAX_SESSIONS, 2 }, { F_SESSION_SIZE, 2 },
    };
    for (size_t i = 0; i < sizeof stats / sizeof *stats; i++) {
        uint64_t v = stats[i].size == 1 ? trawl_buf_u8(rd, o)
                   : stats[i].size == 2 ? trawl_buf_u16be(rd, o) : trawl_buf_u32be(rd, o);
        if (!trawl_buf_ok(rd)) return;
        trawl_add_uint(m->pkt, stats[i].f, v);
        o += stats[i].size;
    }
}

/* One resource record; false when the message ends inside it. */
static bool rr(struct msg *m, uint32_t *off, bool *first_addr)
{
    char *text = trawl_packet_alloc(m->pkt, TEXT_MAX);
    int ntype;
    if (!text || !name_field(m, off, text, TEXT_MAX, &ntype)) return false;
    uint16_t type = trawl_buf_u16be(m->b, *off);
    if (!trawl_buf_ok(m->b)) { trawl_add_cstring(m->pkt, F_NAME, text); return false; }
    if (type == T_NB && ntype >= 0) {
        size_t n = strlen(text);
        snprintf(text + n, TEXT_MAX - n, " (%s)", vname(name_type_names, (uint64_t)ntype, "Unknown"));
    }
    trawl_add_cstring(m->pkt, F_NAME, text);
    trawl_add_uint(m->pkt, F_TYPE, type);
    uint16_t cls = trawl_buf_u16be(m->b, *off + 2);
    uint32_t ttl = trawl_buf_u32be(m->b, *off + 4);
    uint16_t len = trawl_buf_u16be(m->b, *off + 8);
    if (!trawl_buf_ok(m->b)) return false;
    trawl_add_uint(m->pkt, F_CLASS, cls);
    trawl_add_uint(m->pkt, F_TTL, ttl);
    trawl_add_uint(m->pkt, F_DATA_LENGTH, len);
    *off += 10;
    /* Decode what is there first; a data length past the message is flagged after. */
    uint32_t room = trawl_buf_len(m->b) > *off ? trawl_buf_len(m->b) - *off : 0;
    struct trawl_buf rd = trawl_buf_sub(m->b, *off, len < room ? len : room);
    if (type == T_NB) {
        nb_data(m, &rd, len, first_addr);
        if (len % 6) trawl_buf_mark_malformed(m->b);
    } else if (type == T_NBSTAT) {
        if (*first_addr) { info_add(m, " %s%s", "NBSTAT", ""); *first_addr = false; }
        nbstat_data(m, &rd);
    } else {
        if (*first_addr) info_add(m, " %s%s", "Unknown", "");
        const uint8_t *p = len ? trawl_buf_ptr(&rd, 0, len) : NULL;
        if (p) trawl_add_bytes(m->pkt, F_DATA, p, len);
    }
    if (len > room) trawl_buf_mark_malformed(m->b);
    if (!trawl_buf_ok(&rd)) return false;
    *off += len;
    return true;
}

static int nbns_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    (void)state;
    struct msg m = { .pkt = pkt, .b = b, .cols = trawl_cols_wanted(pkt) };
    uint16_t id = trawl_buf_u16be(b, 0), flags = trawl_buf_u16be(b, 2);
    if (!trawl_buf_ok(b)) return (int)trawl_buf_len(b);
    bool response = flags & 0x8000;
    unsigned opcode = (flags >> 11) & 0xf;
    trawl_add_uint(pkt, F_ID, id);
    trawl_add_uint(pkt, F_FLAGS, flags);
    trawl_add_bool(pkt, F_RESPONSE, response);
    trawl_add_uint(pkt, F_OPCODE, opcode);
    if (response) trawl_add_bool(pkt, F_AUTHORITATIVE, flags & 0x0400);
    trawl_add_bool(pkt, F_TRUNCATED, flags & 0x0200);
    trawl_add_bool(pkt, F_RECDESIRED, flags & 0x0100);
    if (response) trawl_add_bool(pkt, F_RECAVAIL, flags & 0x0080);
    trawl_add_bool(pkt, F_BROADCAST, flags & 0x0010);
    if (response) trawl_add_uint(pkt, F_RCODE, flags & 0xf);
    info_add(&m, "%s%s", vname(opcode_names, opcode, "Unknown operation"), response ? " response" : "");
    if (response && (flags & 0xf))
        info_add(&m, ", %s%s", vname(rcode_names, flags & 0xf, "Unknown error"), "");
    uint16_t counts[4];
    for (int i = 0; i < 4; i++) {
        counts[i] = trawl_buf_u16be(b, 4 + 2 * i);
        if (!trawl_buf_ok(b)) goto out;
        trawl_add_uint(pkt, F_QUERIES + (unsigned)i, counts[i]);
    }
    uint32_t off = 12;
    for (unsigned q = 0; q < counts[0]; q++) {
        char *text = trawl_packet_alloc(pkt, TEXT_MAX);
        int ntype;
        if (!text || !name_field(&m, &off, text, TEXT_MAX, &ntype)) goto out;
        trawl_add_cstring(pkt, F_NAME, text);
        uint16_t type = trawl_buf_u16be(b, off), cls = trawl_buf_u16be(b, off + 2);
        if (!trawl_buf_ok(b)) goto out;
        trawl_add_uint(pkt, F_TYPE, type);
        trawl_add_uint(pkt, F_CLASS, cls);
        info_add(&m, " %s %s", type == T_NB || type == T_NBSTAT ? vname(type_names, type, "") : "Unknown", text);
        off += 4;
    }
    bool first = response;             /* requests show their questions only */
    for (unsigned r = 0; r < (unsigned)counts[1] + counts[2] + counts[3]; r++)
        if (!rr(&m, &off, &first)) break;
out:
    if (m.cols) trawl_col_set(pkt, TRAWL_COL_INFO, "%.*s", (int)m.infolen, m.info);
    return (int)trawl_buf_len(b);
}

/* ---- registration ------------------------------------------------------------------------- */

static const struct trawl_proto_def nbns_proto = {
    "nbns", "NetBIOS Name Service", "NBNS", fields, F_COUNT, nbns_dissect,
};

struct nbns_state { const struct trawl_proto *proto; };

static int nbns_init(struct trawl_init *ctx)
{
    struct nbns_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);
    st->proto = trawl_proto_register(ctx, &nbns_proto, st);
    return st->proto ? 0 : TRAWL_EINVAL;
}

static int nbns_handoff(struct trawl_init *ctx)
{
    struct nbns_state *st = trawl_init_state(ctx);
    trawl_table_add(ctx, "udp.port", 137, st->proto);
    return 0;
}

static void nbns_fini(void *st) { free(st); }

TRAWL_PLUGIN_DESCRIPTOR(.name = "nbns", .version = "1.0.0",
                        .summary = "NetBIOS Name Service on UDP 137: names, NB and NBSTAT records",
                        .init = nbns_init, .handoff = nbns_handoff, .fini = nbns_fini);
