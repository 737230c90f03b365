/* dns_rec.c — "dns" records, one per transaction, with the columns of Zeek's dns.log in its
 * order and types (Zeek 6+: opcode and opcode_name last), then trawl's evidence columns.
 *
 * Pairing follows Zeek's base/protocols/dns: per flow, each query waits (oldest first) for a
 * response with its transaction ID — here one whose question also matches is preferred, which
 * Zeek's order gives in the usual case and which keeps an ID reused for another name apart —
 * and the pair becomes one record when the response is done. A response nothing waits for is a
 * record of its own at once (Zeek keeps it until the flow ends in case a query follows); queries
 * never answered become records when the flow ends, or when more than dns.max_pending wait
 * (the oldest goes). To multicast addresses (mDNS, LLMNR queries) every message is a record.
 * Only query, notify and dynamic update messages are tracked, as Zeek does.
 *
 * Zeek's values: the query name lower-cased; RD, TC and Z (the three bits after RA) from the
 * query; rcode from the response; AA, RA and rtt only once an answer-section record Zeek reports
 * was seen; answers are Zeek's texts for those records (addresses, names, "TXT <len> <text>",
 * "RRSIG <type> <signer>", "<unknown type=N>", ...) with their TTLs; rejected when a response
 * has no records at all, or an error and no question. */
#include <stdio.h>
#include <string.h>
#include "dns.h"

enum {
    C_TS, C_UID, C_ORIG_H, C_ORIG_P, C_RESP_H, C_RESP_P, C_PROTO, C_TRANS_ID, C_RTT, C_QUERY,
    C_QCLASS, C_QCLASS_NAME, C_QTYPE, C_QTYPE_NAME, C_RCODE, C_RCODE_NAME, C_AA, C_TC, C_RD,
    C_RA, C_Z, C_ANSWERS, C_TTLS, C_REJECTED, C_OPCODE, C_OPCODE_NAME, C_COMMUNITY_ID, C_FILE,
    C_FIRST_FRAME, C_LAST_FRAME, C_COUNT
};

static const struct trawl_record_field cols[C_COUNT] = {
    [C_TS]           = { "ts", "Time of the query (of the first message)", TRAWL_FT_TIME, 0 },
    [C_UID]          = { "uid", "Connection id", TRAWL_FT_STRING, 0 },
    [C_ORIG_H]       = { "id.orig_h", "Originator address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_ORIG_P]       = { "id.orig_p", "Originator port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_RESP_H]       = { "id.resp_h", "Responder address", TRAWL_FT_IPV6, TRAWL_RF_ADDR },
    [C_RESP_P]       = { "id.resp_p", "Responder port", TRAWL_FT_U16, TRAWL_RF_PORT },
    [C_PROTO]        = { "proto", "Transport protocol", TRAWL_FT_STRING, TRAWL_RF_ENUM },
    [C_TRANS_ID]     = { "trans_id", "DNS transaction ID", TRAWL_FT_U16, 0 },
    [C_RTT]          = { "rtt", "Time from the query to the response", TRAWL_FT_RELTIME, 0 },
    [C_QUERY]        = { "query", "Name queried (lower case)", TRAWL_FT_STRING, 0 },
    [C_QCLASS]       = { "qclass", "Class queried", TRAWL_FT_U16, 0 },
    [C_QCLASS_NAME]  = { "qclass_name", "Class queried, by name", TRAWL_FT_STRING, 0 },
    [C_QTYPE]        = { "qtype", "Type queried", TRAWL_FT_U16, 0 },
    [C_QTYPE_NAME]   = { "qtype_name", "Type queried, by name", TRAWL_FT_STRING, 0 },
    [C_RCODE]        = { "rcode", "Response code", TRAWL_FT_U16, 0 },
    [C_RCODE_NAME]   = { "rcode_name", "Response code, by name", TRAWL_FT_STRING, 0 },
    [C_AA]           = { "AA", "Authoritative answer", TRAWL_FT_BOOL, 0 },
    [C_TC]           = { "TC", "Truncated", TRAWL_FT_BOOL, 0 },
    [C_RD]           = { "RD", "Recursion desired", TRAWL_FT_BOOL, 0 },
    [C_RA]           = { "RA", "Recursion available", TRAWL_FT_BOOL, 0 },
    [C_Z]            = { "Z", "The three bits after RA (Z, AD, CD)", TRAWL_FT_U16, 0 },
    [C_ANSWERS]      = { "answers", "Answer-section records, as Zeek writes them", TRAWL_FT_STRING, TRAWL_RF_LIST },
    [C_TTLS]         = { "TTLs", "Their TTLs", TRAWL_FT_RELTIME, TRAWL_RF_LIST },
    [C_REJECTED]     = { "rejected", "The server rejected the query", TRAWL_FT_BOOL, 0 },
    [C_OPCODE]       = { "opcode", "Operation code", TRAWL_FT_U16, 0 },
    [C_OPCODE_NAME]  = { "opcode_name", "Operation code, by name", TRAWL_FT_STRING, 0 },
    [C_COMMUNITY_ID] = { "community_id", "Community ID v1 of the flow", TRAWL_FT_STRING, 0 },
    [C_FILE]         = { "file", "Capture file of the first message", TRAWL_FT_STRING, 0 },
    [C_FIRST_FRAME]  = { "first_frame", "Frame of the first message (the query)", TRAWL_FT_U64, 0 },
    [C_LAST_FRAME]   = { "last_frame", "Frame of the last message (the response)", TRAWL_FT_U64, 0 },
};

static const struct trawl_record_def rec_def = {
    sizeof rec_def, "dns", "DNS transactions (Zeek's dns.log)", cols, C_COUNT,
};

const struct trawl_record_type *dns_rec_register(struct trawl_init *ctx)
{
    return trawl_record_register(ctx, &rec_def);
}

/* ---- Zeek's names ---------------------------------------------------------------------- */

static const char *rcode_name(unsigned r, char *buf, size_t cap)
{
    static const char *const n[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
        "NXRRSet", "NOTAUTH", "NOTZONE", "unassigned-11", "unassigned-12", "unassigned-13",
        "unassigned-14", "unassigned-15",
    };
    if (r < 16) return n[r];
    snprintf(buf, cap, "rcode-%u", r);
    return buf;
}

static const char *class_name(unsigned c, char *buf, size_t cap)
{
    switch (c) {
    case 1: return "C_INTERNET";
    case 2: return "C_CSNET";
    case 3: return "C_CHAOS";
    case 4: return "C_HESIOD";
    case 254: return "C_NONE";
    case 255: return "C_ANY";
    }
    snprintf(buf, cap, "qclass-%u", c);
    return buf;
}

static const char *qtype_name(unsigned t, char *buf, size_t cap)
{
    /* Zeek's spelling where it differs from the common one. */
    switch (t) {
    case 255: return "*";
    case 65521: return "INTEGRITY";
    case 0: case 54: case 258: case 259: case 260: break;
    default: {
        const char *s = dns_type_name((uint16_t)t);
        if (s) return s;
    }
    }
    snprintf(buf, cap, "query-%u", t);
    return buf;
}

static const char *opcode_name(unsigned o, char *buf, size_t cap)
{
    static const char *const n[] = { "query", "iquery", "server-status", NULL, "notify", "dynamic-update", "dso" };
    if (o < 7 && n[o]) return n[o];
    snprintf(buf, cap, "opcode-%u", o);
    return buf;
}

/* ---- what one message brings ------------------------------------------------------------- */

struct zans_node {
    const char *s;
    uint32_t len, ttl;
    struct zans_node *next;
};

struct dns_zmsg {
    int64_t ts;
    uint64_t frame;
    uint32_t file;
    bool has_q, any_ans;
    char *query;                 /* lower-cased, in the packet arena */
    uint32_t query_len;
    uint16_t qtype, qclass;
    char *owner;                 /* the first reported answer's owner name */
    uint32_t owner_len;
    struct zans_node *head, *tail;
};

static bool multicast(const struct trawl_flow_info *in)
{
    return in->family == 4 ? (in->resp_addr[0] & 0xf0) == 0xe0 : in->resp_addr[0] == 0xff;
}

void dns_rec_begin(struct dns_msg *m, const struct dns_state *st, struct dns_flow *fl)
{
    m->z = NULL;
    struct trawl_packet *pkt = m->pkt;
    if (!st->rec || trawl_packet_in_quote(pkt) || !trawl_record_wanted(pkt, st->rec)) return;
    struct trawl_flow *f = trawl_packet_flow(pkt);
    if (!f || !trawl_buf_has(&m->b, 0, 12)) return;      /* Zeek needs the whole header */
    unsigned opcode = (m->flags >> 11) & 0xf;
    if (opcode != 0 && opcode != 4 && opcode != 5) return;
    if (!multicast(trawl_flow_info(f)) && !(fl && fl->has_rec)) return;
    struct dns_zmsg *z = trawl_packet_alloc(pkt, sizeof *z);
    if (!z) return;
    memset(z, 0, sizeof *z);
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    z->ts = fr->ts_ns;
    z->frame = fr->number;
    z->file = fr->file_index;
    m->z = z;
}

static char *lower_copy(struct trawl_packet *pkt, const char *s, uint32_t len)
{
    char *c = trawl_packet_alloc(pkt, len + 1);
    if (!c) return NULL;
    for (uint32_t i = 0; i < len; i++) c[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    c[len] = 0;
    return c;
}

/* Zeek's text of a name: its bytes, the root empty. */
static void zeek_name(const struct dns_name *n, const char **s, uint32_t *len)
{
    if (n->special && !strcmp(n->raw, "<Root>")) { *s = ""; *len = 0; }
    else { *s = n->raw; *len = n->raw_len; }
}

void dns_rec_question(struct dns_msg *m, const struct dns_name *n, uint16_t qtype, uint16_t qclass)
{
    struct dns_zmsg *z = m->z;
    if (!z) return;
    const char *s;
    uint32_t len;
    zeek_name(n, &s, &len);
    char *q = lower_copy(m->pkt, s, len);
    if (!q) return;
    z->query = q;             /* the last question wins, as in Zeek */
    z->query_len = len;
    z->qtype = qtype;
    z->qclass = qclass;
    z->has_q = true;
}

void dns_rec_answer(struct dns_msg *m, const struct dns_name *owner, uint32_t ttl, bool called,
                    const char *text, uint32_t text_len)
{
    struct dns_zmsg *z = m->z;
    if (!z || !called || !m->response) return;   /* answers in a query are not Zeek's business */
    z->any_ans = true;
    if (!z->owner) {
        const char *s;
        uint32_t len;
        zeek_name(owner, &s, &len);
        z->owner = lower_copy(m->pkt, s, len);
        z->owner_len = len;
    }
    if (!text_len) return;
    struct zans_node *a = trawl_packet_alloc(m->pkt, sizeof *a);
    if (!a) return;
    a->s = text;
    a->len = text_len;
    a->ttl = ttl;
    a->next = NULL;
    if (z->tail) z->tail->next = a; else z->head = a;
    z->tail = a;
}

/* ---- building a record -------------------------------------------------------------------- */

/* One transaction's values: the query side, the response side, or both. */
struct sess {
    int64_t ts;
    uint64_t first_frame, last_frame;
    uint32_t file;
    uint16_t id;
    uint8_t opcode;
    /* query side (Zeek's dns_request) */
    bool has_q, rd, tc;
    uint8_t zbits;
    const char *query;
    uint32_t query_len;
    uint16_t qtype, qclass;
    /* response side */
    bool has_r, aa, ra, rejected, any_ans;
    uint8_t rcode;
    int64_t rtt;
    const struct dns_zmsg *rz;
};

static void emit(struct trawl_packet *ctx, const struct dns_state *st, const struct trawl_flow *f,
                 const struct sess *s)
{
    struct trawl_record *r = trawl_record_begin(ctx, st->rec);
    if (!r) return;
    const struct trawl_flow_info *in = trawl_flow_info(f);
    char buf[32];
    trawl_rec_time(r, C_TS, s->ts);
    trawl_rec_flow_id(r, C_UID, f);
    trawl_rec_cstring(r, C_PROTO, in->proto == 6 ? "tcp" : "udp");
    trawl_rec_uint(r, C_TRANS_ID, s->id);
    const char *query = s->query;
    uint32_t qlen = s->query_len;
    if (!query && s->rz && s->rz->owner) { query = s->rz->owner; qlen = s->rz->owner_len; }
    if (s->has_r && s->any_ans && s->rtt > 0) trawl_rec_time(r, C_RTT, s->rtt);
    if (query) trawl_rec_string(r, C_QUERY, query, qlen);
    if (s->has_q) {
        trawl_rec_uint(r, C_QCLASS, s->qclass);
        trawl_rec_cstring(r, C_QCLASS_NAME, class_name(s->qclass, buf, sizeof buf));
        trawl_rec_uint(r, C_QTYPE, s->qtype);
        trawl_rec_cstring(r, C_QTYPE_NAME, qtype_name(s->qtype, buf, sizeof buf));
    }
    if (s->has_r) {
        trawl_rec_uint(r, C_RCODE, s->rcode);
        trawl_rec_cstring(r, C_RCODE_NAME, rcode_name(s->rcode, buf, sizeof buf));
    }
    trawl_rec_bool(r, C_AA, s->has_r && s->any_ans && s->aa);
    trawl_rec_bool(r, C_TC, s->has_q && s->tc);
    trawl_rec_bool(r, C_RD, s->has_q && s->rd);
    trawl_rec_bool(r, C_RA, s->has_r && s->any_ans && s->ra);
    trawl_rec_uint(r, C_Z, s->has_q ? s->zbits : 0);
    if (s->has_r && s->rz) {
        for (const struct zans_node *a = s->rz->head; a; a = a->next) {
            trawl_rec_string(r, C_ANSWERS, a->s, a->len);
            trawl_rec_time(r, C_TTLS, (int64_t)a->ttl * 1000000000);
        }
    }
    trawl_rec_bool(r, C_REJECTED, s->rejected);
    trawl_rec_uint(r, C_OPCODE, s->opcode);
    trawl_rec_cstring(r, C_OPCODE_NAME, opcode_name(s->opcode, buf, sizeof buf));
    trawl_rec_evidence(r, C_COMMUNITY_ID, ctx, f, s->file, s->first_frame, s->last_frame);
    trawl_record_end(r);
}

static void sess_query_from_msg(struct sess *s, const struct dns_msg *m)
{
    const struct dns_zmsg *z = m->z;
    s->has_q = z->has_q;
    s->rd = m->flags & 0x100;
    s->tc = m->flags & 0x200;
    s->zbits = (uint8_t)((m->flags >> 4) & 7);
    s->query = z->query;
    s->query_len = z->query_len;
    s->qtype = z->qtype;
    s->qclass = z->qclass;
}

static void sess_reply_from_msg(struct sess *s, const struct dns_msg *m, const uint16_t counts[4])
{
    const struct dns_zmsg *z = m->z;
    s->has_r = true;
    s->rz = z;
    s->rcode = (uint8_t)(m->flags & 0xf);
    s->aa = m->flags & 0x400;
    s->ra = m->flags & 0x80;
    s->any_ans = z->any_ans;
    s->rejected = (s->rcode != 0 && counts[0] == 0) ||
                  (z->has_q && counts[1] == 0 && counts[2] == 0 && counts[3] == 0);
    s->rtt = z->ts - s->ts;
    s->last_frame = z->frame;
}

static void sess_from_pending(struct sess *s, const struct dns_flow *fl, const struct dns_pending *p)
{
    memset(s, 0, sizeof *s);
    s->ts = p->ts;
    s->first_frame = s->last_frame = p->frame;
    s->file = p->file;
    s->id = p->id;
    s->opcode = p->opcode;
    s->has_q = p->has_q;
    s->rd = p->rd;
    s->tc = p->tc;
    s->zbits = p->z;
    s->query = fl->names + p->name_off;
    s->query_len = p->name_len;
    s->qtype = p->qtype;
    s->qclass = p->qclass;
}

static void sess_from_msg(struct sess *s, const struct dns_msg *m)
{
    memset(s, 0, sizeof *s);
    s->ts = m->z->ts;
    s->first_frame = s->last_frame = m->z->frame;
    s->file = m->z->file;
    s->id = m->id;
    s->opcode = (uint8_t)((m->flags >> 11) & 0xf);
}

/* ---- pending queries ---------------------------------------------------------------------- */

static void pend_drop(const struct dns_state *st, struct dns_flow *fl, struct dns_pending *p)
{
    uint16_t off = p->name_off, len = p->name_len;
    memmove(fl->names + off, fl->names + off + len, fl->names_used - off - len);
    fl->names_used = (uint16_t)(fl->names_used - len);
    for (unsigned i = 0; i < st->max_pending; i++)
        if (fl->pend[i].used && fl->pend[i].name_off > off) fl->pend[i].name_off = (uint16_t)(fl->pend[i].name_off - len);
    p->used = false;
}

static struct dns_pending *pend_oldest(const struct dns_state *st, struct dns_flow *fl, bool any_id, uint16_t id)
{
    struct dns_pending *best = NULL;
    for (unsigned i = 0; i < st->max_pending; i++) {
        struct dns_pending *p = &fl->pend[i];
        if (!p->used || (!any_id && p->id != id)) continue;
        if (!best || p->frame < best->frame || (p->frame == best->frame && p < best)) best = p;
    }
    return best;
}

/* Emit the oldest waiting query unanswered (to make room, or at the flow's end). */
static void pend_flush_one(struct trawl_packet *ctx, const struct dns_state *st, const struct trawl_flow *f,
                           struct dns_flow *fl)
{
    struct dns_pending *p = pend_oldest(st, fl, true, 0);
    if (!p) return;
    struct sess s;
    sess_from_pending(&s, fl, p);
    emit(ctx, st, f, &s);
    pend_drop(st, fl, p);
}

static void pend_add(struct trawl_packet *pkt, const struct dns_state *st, const struct trawl_flow *f,
                     struct dns_flow *fl, const struct dns_msg *m)
{
    const struct dns_zmsg *z = m->z;
    uint32_t len = z->has_q ? z->query_len : 0;
    if (len > DNS_NAMEBUF) len = DNS_NAMEBUF;
    struct dns_pending *p = NULL;
    for (;;) {
        p = NULL;
        for (unsigned i = 0; i < st->max_pending && !p; i++) if (!fl->pend[i].used) p = &fl->pend[i];
        if (p && fl->names_used + len <= DNS_NAMEBUF) break;
        pend_flush_one(pkt, st, f, fl);   /* full: Zeek would wait longer; we log the oldest now */
    }
    memset(p, 0, sizeof *p);
    p->used = true;
    p->ts = z->ts;
    p->frame = z->frame;
    p->file = z->file;
    p->id = m->id;
    p->opcode = (uint8_t)((m->flags >> 11) & 0xf);
    p->has_q = z->has_q;
    p->rd = m->flags & 0x100;
    p->tc = m->flags & 0x200;
    p->z = (uint8_t)((m->flags >> 4) & 7);
    p->qtype = z->qtype;
    p->qclass = z->qclass;
    p->name_off = fl->names_used;
    p->name_len = (uint16_t)len;
    if (len) memcpy(fl->names + fl->names_used, z->query, len);
    fl->names_used = (uint16_t)(fl->names_used + len);
}

/* The waiting query a response answers: the oldest with its ID whose question matches, else
 * the oldest with its ID. */
static struct dns_pending *pend_match(const struct dns_state *st, struct dns_flow *fl, const struct dns_msg *m)
{
    const struct dns_zmsg *z = m->z;
    struct dns_pending *best = NULL;
    if (z->has_q) {
        for (unsigned i = 0; i < st->max_pending; i++) {
            struct dns_pending *p = &fl->pend[i];
            if (!p->used || p->id != m->id || !p->has_q || p->qtype != z->qtype ||
                p->name_len != z->query_len || memcmp(fl->names + p->name_off, z->query, z->query_len))
                continue;
            if (!best || p->frame < best->frame) best = p;
        }
    }
    return best ? best : pend_oldest(st, fl, false, m->id);
}

void dns_rec_end(struct dns_msg *m, const struct dns_state *st, struct dns_flow *fl, const uint16_t counts[4])
{
    if (!m->z) return;
    struct trawl_packet *pkt = m->pkt;
    struct trawl_flow *f = trawl_packet_flow(pkt);
    if (!f) return;
    struct sess s;
    if (multicast(trawl_flow_info(f))) {
        /* Zeek: a message to a multicast group is a transaction by itself. */
        sess_from_msg(&s, m);
        if (m->response) sess_reply_from_msg(&s, m, counts);
        else sess_query_from_msg(&s, m);
        emit(pkt, st, f, &s);
        return;
    }
    if (!m->response) {
        pend_add(pkt, st, f, fl, m);
        return;
    }
    struct dns_pending *p = pend_match(st, fl, m);
    if (p) {
        sess_from_pending(&s, fl, p);
        s.opcode = (uint8_t)((m->flags >> 11) & 0xf);
    } else {
        sess_from_msg(&s, m);
    }
    sess_reply_from_msg(&s, m, counts);
    emit(pkt, st, f, &s);
    if (p) pend_drop(st, fl, p);
}

void dns_rec_flow_end(struct trawl_packet *ctx, struct trawl_flow *f, struct dns_flow *fl,
                      const struct dns_state *st)
{
    if (!fl->has_rec || !st->rec) return;
    while (pend_oldest(st, fl, true, 0)) pend_flush_one(ctx, st, f, fl);
}
