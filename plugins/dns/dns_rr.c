/* dns_rr.c — resource records: the common header, then the RDATA of the types decoded (A, NS,
 * CNAME, SOA, PTR, HINFO, MX, TXT, AAAA, SRV, DNAME, OPT with its EDNS options, DS/CDS/DLV,
 * SSHFP, RRSIG, NSEC, DNSKEY/CDNSKEY, NSEC3, NSEC3PARAM, SVCB/HTTPS, SPF, CAA; other types as
 * dns.data), field by field in tshark's order.
 *
 * As in tshark, a record whose header and RDATA length run past the captured bytes shows
 * nothing, and RDATA is read where its fields are, bounded by the message rather than by the
 * RDATA length (a name may run on past it; lists run until their length is used up). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "dns.h"

#define U8AT(m, o)  ((m)->b.data[o])
#define U16AT(m, o) trawl_buf_u16be(&(m)->b, o)
#define U32AT(m, o) trawl_buf_u32be(&(m)->b, o)

/* Add an unsigned field of n bytes at off (tshark's proto_tree_add_item): false past the end. */
static bool add_u(struct dns_msg *m, unsigned idx, uint32_t off, uint32_t n)
{
    if (!dns_need(m, off, n)) return false;
    uint64_t v = n == 1 ? U8AT(m, off) : n == 2 ? U16AT(m, off) : U32AT(m, off);
    trawl_add_uint(m->pkt, idx, v);
    return true;
}

static bool add_bytes(struct dns_msg *m, unsigned idx, uint32_t off, int64_t n)
{
    if (n < 0) n = trawl_buf_avail(&m->b, off);   /* tshark: a negative length is "to the end" */
    if (!dns_need(m, off, (uint32_t)n)) return false;
    if (trawl_wants(m->pkt, idx)) trawl_add_bytes(m->pkt, idx, m->b.data + off, (uint32_t)n);
    return true;
}

static bool add_ascii(struct dns_msg *m, unsigned idx, uint32_t off, uint32_t n)
{
    if (!dns_need(m, off, n)) return false;
    if (trawl_wants(m->pkt, idx)) {
        uint32_t len;
        const char *s = dns_text_ascii(m->pkt, m->b.data + off, n, &len);
        if (s) trawl_add_string(m->pkt, idx, s, len);
    }
    return true;
}

static void col_name(struct dns_msg *m, const char *fmt_prefix, const struct dns_name *n)
{
    if (!m->cols) return;
    uint32_t len;
    const char *t = dns_name_text(m, n, &len);
    if (t) trawl_col_append(m->pkt, TRAWL_COL_INFO, "%s%.*s", fmt_prefix, (int)len, t);
}

/* What Zeek's answers show for a name: its bytes; the root is empty. */
static void zname(const struct dns_name *n, const char **s, uint32_t *len)
{
    if (n->special && n->raw[1] == 'R') { *s = ""; *len = 0; return; }
    *s = n->raw;
    *len = n->raw_len;
}


/* The answer-section text Zeek's dns.log keeps, built into the packet arena. */
struct zans { bool called; const char *s; uint32_t len; };

static struct zans zans_printf(struct dns_msg *m, const char *fmt, ...) TRAWL_PRINTF(2, 3);
static struct zans zans_printf(struct dns_msg *m, const char *fmt, ...)
{
    struct zans z = { true, "", 0 };
    char tmp[600];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) return z;
    if ((size_t)k >= sizeof tmp) k = sizeof tmp - 1;
    char *s = trawl_packet_alloc(m->pkt, (size_t)k + 1);
    if (!s) return z;
    memcpy(s, tmp, (size_t)k + 1);
    z.s = s;
    z.len = (uint32_t)k;
    return z;
}

static void zset_name(struct dns_msg *m, struct zans *z, const struct dns_name *n)
{
    const char *s;
    uint32_t len;
    zname(n, &s, &len);
    z->called = true;
    char *c = len ? trawl_packet_alloc(m->pkt, len) : NULL;
    if (c) memcpy(c, s, len);
    z->s = c ? c : "";
    z->len = c ? len : 0;
}

/* The types in a type bitmap (NSEC, NSEC3) are shown as more dns.resp.type values. */
static bool type_bitmap(struct dns_msg *m, uint32_t cur, int64_t rr_len)
{
    while (rr_len != 0) {
        if (!dns_need(m, cur, 2)) return false;
        unsigned window = U8AT(m, cur), size = U8AT(m, cur + 1);
        cur += 2;
        rr_len -= 2;
        unsigned type = window * 256;
        for (; size; size--) {
            if (!dns_need(m, cur, 1)) return false;
            uint8_t bits = U8AT(m, cur);
            for (int i = 7; i >= 0; i--, type++)
                if (bits >> i & 1) trawl_add_uint(m->pkt, F_RESP_TYPE, type);
            cur++;
            rr_len--;
        }
    }
    return true;
}

/* A character string list (TXT, SPF): each a length byte and that many bytes, until the RDATA
 * length is used up (tshark stops only at exactly zero, or at the end of the message). */
static bool strings(struct dns_msg *m, uint32_t cur, int64_t rr_len, unsigned f_len, unsigned f_str,
                    struct zans *z, const char *ztag)
{
    uint32_t first = cur;
    int64_t left = rr_len;
    uint32_t nstr = 0, bytes = 0;
    while (left != 0) {
        if (!dns_need(m, cur, 1)) return false;
        uint8_t n = U8AT(m, cur);
        trawl_add_uint(m->pkt, f_len, n);
        cur++;
        left--;
        if (!dns_need(m, cur, n)) return false;
        if (trawl_wants(m->pkt, f_str)) {
            uint32_t len;
            const char *s = m->kind == DNS_KIND_MDNS ? dns_text_utf8(m->pkt, m->b.data + cur, n, &len)
                                                     : dns_text_ascii(m->pkt, m->b.data + cur, n, &len);
            if (s) trawl_add_string(m->pkt, f_str, s, len);
        }
        nstr++;
        bytes += n;
        cur += n;
        left -= n;
    }
    if (!z) return true;
    /* Zeek: "TXT <len> <bytes>" per string, joined by spaces (the bytes were all read above). */
    z->called = true;
    size_t cap = bytes + nstr * 12u + 1;
    char *acc = trawl_packet_alloc(m->pkt, cap);
    if (!acc) return true;
    uint32_t o = 0;
    cur = first;
    for (uint32_t i = 0; i < nstr; i++) {
        uint8_t n = U8AT(m, cur);
        o += (uint32_t)snprintf(acc + o, cap - o, "%s%s %u ", i ? " " : "", ztag, n);
        memcpy(acc + o, m->b.data + cur + 1, n);
        o += n;
        cur += 1u + n;
    }
    z->s = acc;
    z->len = o;
    return true;
}

/* tshark's key id for DNSKEY: RFC 4034 appendix B (RSA/MD5 keys: appendix B.1). */
static bool key_id(struct dns_msg *m, uint32_t off, int64_t size, uint8_t algo, uint16_t *out)
{
    if (size < 4) return false;
    if (algo == 1) {
        if (!dns_need(m, off + (uint32_t)size - 3, 2)) return false;
        *out = (uint16_t)(U8AT(m, off + (uint32_t)size - 3) << 8 | U8AT(m, off + (uint32_t)size - 2));
        return true;
    }
    if (!dns_need(m, off, (uint32_t)size)) return false;
    uint32_t ac = 0;
    uint32_t i = 0;
    for (; i + 1 < (uint32_t)size; i += 2) ac += (uint32_t)(U8AT(m, off + i) << 8) + U8AT(m, off + i + 1);
    if (i < (uint32_t)size) ac += (uint32_t)U8AT(m, off + i) << 8;
    ac += (ac >> 16) & 0xffff;
    *out = (uint16_t)ac;
    return true;
}

static bool opt_rdata(struct dns_msg *m, uint32_t cur, int64_t rr_len)
{
    struct trawl_packet *pkt = m->pkt;
    while (rr_len > 0) {
        if (!dns_need(m, cur, 4)) return false;
        uint16_t code = U16AT(m, cur), olen = U16AT(m, cur + 2);
        rr_len -= 4;
        /* The option's item spans its data: tshark stops here when that is not all there. */
        if (!dns_need(m, cur, 4u + olen)) return false;
        trawl_tree_push(pkt, F_OPT);
        trawl_add_uint(pkt, F_OPT_CODE, code);
        trawl_add_uint(pkt, F_OPT_LEN, olen);
        cur += 4;
        bool ok = add_bytes(m, F_OPT_DATA, cur, olen);
        switch (code) {
        case 5: case 6: case 7: {   /* DAU, DHU, N3U */
            unsigned idx = code == 5 ? F_OPT_DAU : code == 6 ? F_OPT_DHU : F_OPT_N3U;
            for (uint16_t k = olen; ok && k; k--) {
                ok = add_u(m, idx, cur, 1);
                cur++;
                rr_len--;
            }
            break;
        }
        case 8: case 0x50fa: {       /* client subnet (and its draft code point) */
            uint16_t alen = (uint16_t)(olen - 4);
            if (!ok || !dns_need(m, cur, 2)) { ok = false; break; }
            uint16_t family = U16AT(m, cur);
            trawl_add_uint(pkt, F_OPT_CL_FAMILY, family);
            ok = add_u(m, F_OPT_CL_NETMASK, cur + 2, 1) && add_u(m, F_OPT_CL_SCOPE, cur + 3, 1);
            cur += 4;
            if (!ok) break;
            if (alen > 16) alen = 16;
            uint8_t addr[16] = { 0 };
            if (!dns_need(m, cur, alen)) { ok = false; break; }
            memcpy(addr, m->b.data + cur, alen);
            if (family == 1 || family == 2) {
                uint8_t *a = trawl_packet_alloc(pkt, 16);
                if (a) {
                    memcpy(a, addr, 16);
                    trawl_add_addr(pkt, family == 1 ? F_OPT_CL_ADDR4 : F_OPT_CL_ADDR6, a);
                }
            } else {
                ok = add_bytes(m, F_OPT_CL_ADDR, cur, (int16_t)(olen - 4));
            }
            cur = (uint32_t)((int64_t)cur + olen - 4);   /* tshark's arithmetic, even below 4 */
            rr_len -= olen;
            break;
        }
        case 10:                     /* cookie */
            ok = ok && add_bytes(m, F_OPT_COOKIE_CLIENT, cur, 8) &&
                 add_bytes(m, F_OPT_COOKIE_SERVER, cur + 8, (int64_t)olen - 8);
            cur += olen;
            rr_len -= olen;
            break;
        case 11:                     /* TCP keepalive */
            if (ok && olen == 2) ok = add_u(m, F_OPT_KEEPALIVE, cur, 2);
            cur += olen;
            rr_len -= olen;
            break;
        case 12:                     /* padding */
            ok = ok && add_bytes(m, F_OPT_PADDING, cur, olen);
            cur += olen;
            rr_len -= olen;
            break;
        case 13:                     /* chain */
            if (ok && olen) ok = add_ascii(m, F_OPT_CHAIN, cur, olen);
            cur += olen;
            rr_len -= olen;
            break;
        case 15:                     /* extended DNS error */
            if (ok && olen >= 2) {
                ok = add_u(m, F_OPT_EDE_CODE, cur, 2);
                cur += 2;
                rr_len -= 2;
                if (ok && olen > 2) {
                    if (!dns_need(m, cur, olen - 2u)) ok = false;
                    else if (trawl_wants(pkt, F_OPT_EDE_TEXT)) {
                        uint32_t len;
                        const char *s = dns_text_utf8(pkt, m->b.data + cur, olen - 2u, &len);
                        if (s) trawl_add_string(pkt, F_OPT_EDE_TEXT, s, len);
                    }
                    cur += olen - 2u;
                    rr_len -= olen - 2;
                }
            }
            break;
        default:
            cur += olen;
            rr_len -= olen;
            break;
        }
        trawl_tree_pop(pkt);
        if (!ok) return false;
    }
    return true;
}

static bool svcb_rdata(struct dns_msg *m, uint32_t cur, uint16_t dlen)
{
    struct trawl_packet *pkt = m->pkt;
    uint32_t start = cur;
    if (!add_u(m, F_SVCB_PRIORITY, cur, 2)) return false;
    cur += 2;
    struct dns_name t;
    if (!dns_name_read(m, cur, &t)) return false;
    dns_add_name(m, F_SVCB_TARGET, &t);
    cur += t.used;
    while (dlen > cur - start) {
        trawl_tree_push(pkt, F_SVCB_PARAM);
        if (!dns_need(m, cur, 4)) { trawl_tree_pop(pkt); return false; }
        uint16_t key = U16AT(m, cur), plen = U16AT(m, cur + 2);
        trawl_add_uint(pkt, F_SVCB_KEY, key);
        trawl_add_uint(pkt, F_SVCB_VALUE_LEN, plen);
        cur += 4;
        bool ok = true;
        switch (key) {
        case 0:   /* mandatory */
            for (uint32_t o = 0; ok && o < plen; o += 2, cur += 2) ok = add_u(m, F_SVCB_MANDATORY, cur, 2);
            break;
        case 1:   /* alpn */
            for (uint32_t o = 0; ok && o < plen;) {
                ok = dns_need(m, cur, 1);
                if (!ok) break;
                uint8_t l = U8AT(m, cur);
                trawl_add_uint(pkt, F_SVCB_ALPN_LEN, l);
                ok = add_ascii(m, F_SVCB_ALPN, cur + 1, l);
                cur += 1u + l;
                o += 1u + l;
            }
            break;
        case 2:   /* no-default-alpn */
            break;
        case 3:   /* port */
            ok = add_u(m, F_SVCB_PORT, cur, 2);
            cur += 2;
            break;
        case 4:   /* ipv4hint */
            for (uint32_t o = 0; ok && o < plen; o += 4, cur += 4) {
                ok = dns_need(m, cur, 4);
                if (ok) trawl_add_addr(pkt, F_SVCB_IPV4HINT, m->b.data + cur);
            }
            break;
        case 5:   /* echconfig */
            ok = add_bytes(m, F_SVCB_ECH, cur, plen);
            cur += plen;
            break;
        case 6:   /* ipv6hint */
            for (uint32_t o = 0; ok && o < plen; o += 16, cur += 16) {
                ok = dns_need(m, cur, 16);
                if (ok) trawl_add_addr(pkt, F_SVCB_IPV6HINT, m->b.data + cur);
            }
            break;
        case 7:   /* odohconfig */
            ok = add_bytes(m, F_SVCB_ODOH, cur, plen);
            cur += plen;
            break;
        default:
            if (plen) { ok = add_bytes(m, F_SVCB_VALUE, cur, plen); cur += plen; }
            break;
        }
        trawl_tree_pop(pkt);
        if (!ok) return false;
    }
    return true;
}

static bool caa_rdata(struct dns_msg *m, uint32_t cur, uint16_t dlen)
{
    struct trawl_packet *pkt = m->pkt;
    if (!dns_need(m, cur, 1)) return false;
    uint8_t flags = U8AT(m, cur);
    trawl_add_uint(pkt, F_CAA_FLAGS, flags);
    trawl_add_bool(pkt, F_CAA_CRITICAL, flags & 0x80);
    cur++;
    if (!dns_need(m, cur, 1)) return false;
    uint8_t tlen = U8AT(m, cur);
    uint16_t vlen = (uint16_t)(dlen - (tlen + 2));
    if (!dns_need(m, cur + 1, tlen) || !dns_need(m, cur + 1 + tlen, vlen)) return false;
    const uint8_t *tag = m->b.data + cur + 1;
    /* tshark compares with strncmp(tag, "issue", tag_len): a prefix of the word matches. */
    unsigned idx = F_CAA_UNKNOWN;
    if (tlen <= 5 && !memcmp(tag, "issue", tlen)) idx = F_CAA_ISSUE;
    else if (tlen <= 9 && !memcmp(tag, "issuewild", tlen)) idx = F_CAA_ISSUEWILD;
    else if (tlen <= 5 && !memcmp(tag, "iodef", tlen)) idx = F_CAA_IODEF;
    /* tshark formats value_len bytes of the ASCII-decoded value (NULs kept; bytes >= 0x80
     * became 3-byte U+FFFD, so the decoded text may be longer and is cut there). */
    const uint8_t *vp = m->b.data + cur + 1 + tlen;
    char *av = trawl_packet_alloc(pkt, (size_t)vlen * 3 + 1);
    char *fv = av ? trawl_packet_alloc(pkt, (size_t)vlen * 10 + 1) : NULL;
    uint32_t flen = 0;
    if (fv) {
        uint32_t alen = 0;
        for (uint32_t i = 0; i < vlen; i++) {
            if (vp[i] < 0x80) av[alen++] = (char)vp[i];
            else { memcpy(av + alen, "\xef\xbf\xbd", 3); alen += 3; }
        }
        flen = dns_format_text((const uint8_t *)av, vlen, fv, (uint32_t)vlen * 10 + 1);
    }
    const uint8_t *nul = memchr(tag, 0, tlen);       /* the tag is shown as a C string */
    uint32_t tl;
    const char *ts = dns_text_ascii(pkt, tag, nul ? (uint32_t)(nul - tag) : tlen, &tl);
    if (fv) trawl_add_string(pkt, idx, fv, flen);
    trawl_add_uint(pkt, F_CAA_TAG_LEN, tlen);
    if (ts) trawl_add_string(pkt, F_CAA_TAG, ts, tl);
    if (fv) trawl_add_string(pkt, F_CAA_VALUE, fv, flen);
    return true;
}

/* The RDATA of one record; z collects Zeek's reply text for answer-section records. */
static bool rdata(struct dns_msg *m, uint16_t type, uint32_t cur, uint16_t dlen,
                  const struct dns_name *owner, struct zans *z)
{
    struct trawl_packet *pkt = m->pkt;
    struct dns_name n;
    char tmp[64];
    switch (type) {
    case T_A:
        if (!dns_need(m, cur, 4)) return false;
        if (m->cols || z) inet_ntop(AF_INET, m->b.data + cur, tmp, sizeof tmp);
        if (m->cols) trawl_col_append(pkt, TRAWL_COL_INFO, " %s", tmp);
        trawl_add_addr(pkt, F_A, m->b.data + cur);
        if (z) *z = zans_printf(m, "%s", tmp);
        return true;
    case T_AAAA:
        if (!dns_need(m, cur, 16)) return false;
        if (m->cols || z) inet_ntop(AF_INET6, m->b.data + cur, tmp, sizeof tmp);
        if (m->cols) trawl_col_append(pkt, TRAWL_COL_INFO, " %s", tmp);
        trawl_add_addr(pkt, F_AAAA, m->b.data + cur);
        if (z) *z = zans_printf(m, "%s", tmp);
        return true;
    case T_NS: case T_CNAME: case T_PTR: case T_DNAME: {
        if (!dns_name_read(m, cur, &n)) return false;
        col_name(m, " ", &n);
        dns_add_name(m, type == T_NS ? F_NS : type == T_CNAME ? F_CNAME : type == T_PTR ? F_PTR : F_DNAME, &n);
        if (z && type != T_DNAME) zset_name(m, z, &n);
        return true;
    }
    case T_SOA: {
        if (!dns_name_read(m, cur, &n)) return false;
        col_name(m, " ", &n);
        dns_add_name(m, F_SOA_MNAME, &n);
        if (z) zset_name(m, z, &n);
        cur += n.used;
        struct dns_name r;
        if (!dns_name_read(m, cur, &r)) return false;
        dns_add_name(m, F_SOA_RNAME, &r);
        cur += r.used;
        static const unsigned idx[5] = { F_SOA_SERIAL, F_SOA_REFRESH, F_SOA_RETRY, F_SOA_EXPIRE, F_SOA_MINIMUM };
        for (int i = 0; i < 5; i++, cur += 4) if (!add_u(m, idx[i], cur, 4)) return false;
        return true;
    }
    case T_HINFO: {
        /* tshark reads both strings before it shows either. */
        if (!dns_need(m, cur, 1)) return false;
        uint8_t cl = U8AT(m, cur);
        if (!dns_need(m, cur + 1, cl) || !dns_need(m, cur + 1 + cl, 1)) return false;
        uint8_t ol = U8AT(m, cur + 1 + cl);
        if (!dns_need(m, cur + 2 + cl, ol)) return false;
        trawl_add_uint(pkt, F_HINFO_CPU_LEN, cl);
        add_ascii(m, F_HINFO_CPU, cur + 1, cl);
        trawl_add_uint(pkt, F_HINFO_OS_LEN, ol);
        add_ascii(m, F_HINFO_OS, cur + 2 + cl, ol);
        return true;
    }
    case T_MX: {
        if (!dns_need(m, cur, 2)) return false;
        uint16_t pref = U16AT(m, cur);
        if (!dns_name_read(m, cur + 2, &n)) return false;
        if (m->cols) {
            uint32_t len;
            const char *t = dns_name_text(m, &n, &len);
            if (t) trawl_col_append(pkt, TRAWL_COL_INFO, " %u %.*s", pref, (int)len, t);
        }
        trawl_add_uint(pkt, F_MX_PREF, pref);
        dns_add_name(m, F_MX_EXCHANGE, &n);
        if (z) zset_name(m, z, &n);
        return true;
    }
    case T_TXT:
        return strings(m, cur, dlen, F_TXT_LEN, F_TXT, z, "TXT");
    case T_SPF:
        return strings(m, cur, dlen, F_SPF_LEN, F_SPF, z, "SPF");
    case T_SRV: {
        uint16_t v[3];
        static const unsigned idx[3] = { F_SRV_PRIORITY, F_SRV_WEIGHT, F_SRV_PORT };
        for (int i = 0; i < 3; i++, cur += 2) {
            if (!dns_need(m, cur, 2)) return false;
            v[i] = U16AT(m, cur);
            trawl_add_uint(pkt, idx[i], v[i]);
        }
        if (!dns_name_read(m, cur, &n)) return false;
        dns_add_name(m, F_SRV_TARGET, &n);
        if (m->cols) {
            uint32_t len;
            const char *t = dns_name_text(m, &n, &len);
            if (t) trawl_col_append(pkt, TRAWL_COL_INFO, " %u %u %u %.*s", v[0], v[1], v[2], (int)len, t);
        }
        if (z) zset_name(m, z, &n);
        return true;
    }
    case T_OPT:
        return opt_rdata(m, cur, dlen);
    case T_DS: case T_CDS: case T_DLV: {
        if (!add_u(m, F_DS_KEY_ID, cur, 2) || !dns_need(m, cur + 2, 2)) return false;
        uint8_t algo = U8AT(m, cur + 2), dt = U8AT(m, cur + 3);
        trawl_add_uint(pkt, F_DS_ALGO, algo);
        trawl_add_uint(pkt, F_DS_DIGEST_TYPE, dt);
        if (!add_bytes(m, F_DS_DIGEST, cur + 4, (int64_t)dlen - 4)) return false;
        if (z && type == T_DS) *z = zans_printf(m, "DS %u %u", algo, dt);
        return true;
    }
    case 44: {   /* SSHFP */
        if (!add_u(m, F_SSHFP_ALGO, cur, 1) || !add_u(m, F_SSHFP_FPTYPE, cur + 1, 1)) return false;
        if (dlen > 2) {
            if (!add_bytes(m, F_SSHFP_FP, cur + 2, dlen - 2)) return false;
            if (z) {
                char *s = trawl_packet_alloc(pkt, 8 + 2u * (dlen - 2u));
                if (s) {
                    int k = snprintf(s, 8, "SSHFP: ");
                    for (uint32_t i = 0; i + 2 < dlen; i++) k += snprintf(s + k, 3, "%02x", U8AT(m, cur + 2 + i));
                    z->called = true; z->s = s; z->len = (uint32_t)k;
                }
            }
        } else if (z) {
            *z = zans_printf(m, "SSHFP: ");
        }
        return true;
    }
    case T_RRSIG: case 24: {   /* RRSIG, SIG */
        if (!dns_need(m, cur, 2)) return false;
        uint16_t covered = U16AT(m, cur);
        trawl_add_uint(pkt, F_RRSIG_TYPE, covered);
        if (!add_u(m, F_RRSIG_ALGO, cur + 2, 1) || !add_u(m, F_RRSIG_LABELS, cur + 3, 1) ||
            !add_u(m, F_RRSIG_ORIG_TTL, cur + 4, 4))
            return false;
        for (int i = 0; i < 2; i++) {
            if (!dns_need(m, cur + 8 + 4u * (uint32_t)i, 4)) return false;
            trawl_add_time(pkt, i ? F_RRSIG_INCEPTION : F_RRSIG_EXPIRATION,
                           (int64_t)U32AT(m, cur + 8 + 4u * (uint32_t)i) * 1000000000);
        }
        if (!add_u(m, F_RRSIG_KEY_TAG, cur + 16, 2)) return false;
        if (!dns_name_read(m, cur + 18, &n)) return false;
        dns_add_name(m, F_RRSIG_SIGNER, &n);
        int64_t rest = (int64_t)dlen - 18 - n.used;
        if (rest != 0 && !add_bytes(m, F_RRSIG_SIGNATURE, cur + 18 + n.used, rest)) return false;
        if (z && type == T_RRSIG) {
            const char *s;
            uint32_t len;
            zname(&n, &s, &len);
            *z = len ? zans_printf(m, "RRSIG %u %.*s", covered, (int)len, s) : zans_printf(m, "RRSIG %u <Root>", covered);
        }
        return true;
    }
    case T_NSEC: {
        if (!dns_name_read(m, cur, &n)) return false;
        col_name(m, " ", &n);
        dns_add_name(m, F_NSEC_NEXT, &n);
        if (z) {
            const char *o, *s;
            uint32_t ol, len;
            zname(owner, &o, &ol);
            zname(&n, &s, &len);
            *z = zans_printf(m, "NSEC %.*s %.*s", (int)ol, o, (int)len, s);
        }
        return type_bitmap(m, cur + n.used, (int64_t)dlen - n.used);
    }
    case T_DNSKEY: case T_CDNSKEY: {
        if (!dns_need(m, cur, 2)) return false;
        uint16_t fl = U16AT(m, cur);
        trawl_add_uint(pkt, F_DNSKEY_FLAGS, fl);
        trawl_add_bool(pkt, F_DNSKEY_ZONE_KEY, fl & 0x100);
        trawl_add_bool(pkt, F_DNSKEY_REVOKED, fl & 0x80);
        trawl_add_bool(pkt, F_DNSKEY_SEP, fl & 0x1);
        trawl_add_uint(pkt, F_DNSKEY_RESERVED, (fl & 0xfe7e) >> 1);
        if (!add_u(m, F_DNSKEY_PROTOCOL, cur + 2, 1) || !dns_need(m, cur + 3, 1)) return false;
        uint8_t algo = U8AT(m, cur + 3);
        trawl_add_uint(pkt, F_DNSKEY_ALGO, algo);
        uint16_t kid;
        if (key_id(m, cur, dlen, algo, &kid)) trawl_add_uint(pkt, F_DNSKEY_KEY_ID, kid);
        else if (m->err) return false;
        if (!add_bytes(m, F_DNSKEY_PUBKEY, cur + 4, (int64_t)dlen - 4)) return false;
        if (z && type == T_DNSKEY) *z = zans_printf(m, "DNSKEY %u", algo);
        return true;
    }
    case T_NSEC3: case T_NSEC3PARAM: {
        uint32_t start = cur;
        if (!add_u(m, F_NSEC3_ALGO, cur, 1) || !dns_need(m, cur + 1, 1)) return false;
        uint8_t fl = U8AT(m, cur + 1);
        trawl_add_uint(pkt, F_NSEC3_FLAGS, fl);
        if (type == T_NSEC3) trawl_add_bool(pkt, F_NSEC3_OPTOUT, fl & 1);
        if (!add_u(m, F_NSEC3_ITERATIONS, cur + 2, 2) || !dns_need(m, cur + 4, 1)) return false;
        uint8_t salt = U8AT(m, cur + 4);
        trawl_add_uint(pkt, F_NSEC3_SALT_LEN, salt);
        if (!add_bytes(m, F_NSEC3_SALT, cur + 5, salt)) return false;
        if (z) *z = zans_printf(m, "%s", type == T_NSEC3 ? "NSEC3" : "NSEC3PARAM");
        if (type == T_NSEC3PARAM) return true;
        cur += 5u + salt;
        if (!dns_need(m, cur, 1)) return false;
        uint8_t hl = U8AT(m, cur);
        trawl_add_uint(pkt, F_NSEC3_HASH_LEN, hl);
        cur++;
        if (hl) {
            /* base32hex, 5 bits at a time; the last group may take bits of the next bytes. */
            uint32_t groups = (8u * hl + 4) / 5, bits = 5 * groups;
            if (!dns_need(m, cur, (bits + 7) / 8)) return false;
            char *s = trawl_packet_alloc(pkt, groups + 1);
            if (s) {
                static const char b32[] = "0123456789abcdefghijklmnopqrstuv";
                for (uint32_t g = 0; g < groups; g++) {
                    uint32_t bit = 5 * g, byte = bit / 8, sh = bit % 8;
                    uint32_t w = (uint32_t)U8AT(m, cur + byte) << 8;
                    if (sh > 3) w |= U8AT(m, cur + byte + 1);
                    s[g] = b32[(w >> (11 - sh)) & 31];
                }
                trawl_add_string(pkt, F_NSEC3_HASH, s, groups);
            }
            cur += hl;
        }
        return type_bitmap(m, cur, (int64_t)dlen - (cur - start));
    }
    case T_SVCB: case T_HTTPS:
        return svcb_rdata(m, cur, dlen);
    case T_CAA:
        return caa_rdata(m, cur, dlen);
    case T_WKS:
        if (z) z->called = true;            /* Zeek: an empty reply */
        return true;
    default:
        if (z) {
            /* Types Zeek parses without a reply of its own in dns.log. */
            static const uint16_t quiet[] = { 13, 29, 35, 38, 249, 250, 65534 };
            bool q = false;
            for (size_t i = 0; i < sizeof quiet / sizeof *quiet; i++) q |= quiet[i] == type;
            if (!q) *z = zans_printf(m, "<unknown type=%u>", type);
        }
        return add_bytes(m, F_DATA, cur, dlen);
    }
}

bool dns_rr(struct dns_msg *m, uint32_t *poff, enum dns_section sec)
{
    struct trawl_packet *pkt = m->pkt;
    uint32_t start = *poff;
    struct dns_name n;
    if (!dns_name_read(m, start, &n)) return false;
    uint32_t off = start + n.used;
    if (!dns_need(m, off, 4) || !dns_need(m, off + 8, 2)) return false;
    uint16_t type = U16AT(m, off), cls = U16AT(m, off + 2), dlen = U16AT(m, off + 8);
    bool mdns = m->kind == DNS_KIND_MDNS;
    if (m->cols) {
        const char *tn = dns_type_name(type);
        if (tn) trawl_col_append(pkt, TRAWL_COL_INFO, " %s", tn);
        else trawl_col_append(pkt, TRAWL_COL_INFO, " Unknown (%u)", type);
        if (mdns && (cls & 0x8000)) trawl_col_append(pkt, TRAWL_COL_INFO, ", cache flush");
    }
    /* The record's subtree covers its header and RDATA: all of it must be there. */
    if (!dns_need(m, start, n.used + 10u + dlen)) return false;
    uint32_t ttl = U32AT(m, off + 4);
    trawl_tree_push(pkt, F_RR);
    if (type == T_OPT) {
        dns_add_name(m, F_RESP_NAME, &n);
        trawl_add_uint(pkt, F_RESP_TYPE, type);
        trawl_add_uint(pkt, F_UDP_PAYLOAD, mdns ? cls & 0x7fff : cls);
        if (mdns) trawl_add_bool(pkt, F_RESP_CACHE_FLUSH, cls & 0x8000);
        trawl_add_uint(pkt, F_EXT_RCODE, U8AT(m, off + 4));
        trawl_add_uint(pkt, F_EDNS0_VERSION, U8AT(m, off + 5));
        uint16_t zf = U16AT(m, off + 6);
        trawl_add_uint(pkt, F_RESP_Z, zf);
        trawl_add_bool(pkt, F_RESP_Z_DO, zf & 0x8000);
        trawl_add_uint(pkt, F_RESP_Z_RESERVED, zf & 0x7fff);
    } else {
        if (type == T_SRV) {
            /* tshark splits an SRV owner name into service, protocol and the rest. */
            uint32_t len;
            const char *t = trawl_wants(pkt, F_SRV_SERVICE) || trawl_wants(pkt, F_SRV_PROTO) ||
                            trawl_wants(pkt, F_SRV_NAME) ? dns_name_text(m, &n, &len) : NULL;
            if (t) {
                const char *d1 = memchr(t, '.', len);
                uint32_t l0 = d1 ? (uint32_t)(d1 - t) : len;
                trawl_add_string(pkt, F_SRV_SERVICE, t, l0);
                if (d1) {
                    const char *p1 = d1 + 1;
                    uint32_t rest = len - l0 - 1;
                    const char *d2 = memchr(p1, '.', rest);
                    uint32_t l1 = d2 ? (uint32_t)(d2 - p1) : rest;
                    trawl_add_string(pkt, F_SRV_PROTO, p1, l1);
                    if (d2) trawl_add_string(pkt, F_SRV_NAME, d2 + 1, rest - l1 - 1);
                }
            }
        } else {
            dns_add_name(m, F_RESP_NAME, &n);
        }
        trawl_add_uint(pkt, F_RESP_TYPE, type);
        trawl_add_uint(pkt, F_RESP_CLASS, mdns ? cls & 0x7fff : cls);
        if (mdns) trawl_add_bool(pkt, F_RESP_CACHE_FLUSH, cls & 0x8000);
        trawl_add_uint(pkt, F_RESP_TTL, ttl);
    }
    trawl_add_uint(pkt, F_RESP_LEN, dlen);
    *poff = start + n.used + 10u + dlen;
    bool ok = true;
    if (dlen) {
        struct zans z = { false, "", 0 };
        bool want_z = sec == SEC_ANSWER && m->z;
        ok = rdata(m, type, off + 10, dlen, &n, want_z ? &z : NULL);
        if (ok && want_z) dns_rec_answer(m, &n, ttl, z.called, z.s, z.len);
    }
    trawl_tree_pop(pkt);
    return ok;
}
