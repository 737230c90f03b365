/* dns_name.c — domain names as tshark 4.0 expands and shows them, and its text formatting.
 *
 * Expansion follows tshark's rules so names print as tshark prints them: labels joined by '.',
 * compression pointers followed wherever they point inside the message (forward too: tshark
 * does, and trawl flags it with dns.name.pointer_forward), bitstring labels (RFC 2673) shown as
 * "\[x...]/n" but not counted in the name's length, a budget of 255 bytes for the expanded name
 * whose first label costs one more ("<Name too long>" from 254 bytes on), a chain of more than
 * 255 pointers or a pointer that comes back to one already followed is a loop ("<Name contains
 * a pointer that loops>", flagged dns.name.pointer_loop), other extended labels
 * "<Unknown extended label>", a label type 0x80 and bytes past the capture end the message.
 *
 * Work is bounded: a pointer position is never followed twice in one name (a revisit is the
 * loop tshark would find after 256 pointers, decided at once), and once a name is over budget
 * a run of plain labels is crossed in one step (run_skip), so a name costs at most its 255
 * budget bytes plus a few steps per pointer, whatever the message. */
#include <stdio.h>
#include <string.h>
#include "dns.h"

#define MAX_POINTERS 255      /* tshark: more pointers than MAX_DNAME_LEN is a loop */

static void marker(struct trawl_packet *pkt, unsigned idx)
{
    trawl_tree_push(pkt, idx);
    trawl_tree_pop(pkt);
}

static void special(struct dns_name *n, const char *s)
{
    n->raw = s;
    n->raw_len = (uint32_t)strlen(s);
    n->special = true;
}

/* tshark's get_dns_name on what expansion gave: an empty name of at most 2 bytes is the root;
 * a shorter encoding, or a longer one that yields no label byte (only bitstrings), is refused
 * (the message ends). first: the expanded name's first byte (0 for a placeholder). */
static bool name_checked(struct dns_msg *m, struct dns_name *n, uint8_t first)
{
    if (!n->special && first == 0 && n->used <= 2) { special(n, "<Root>"); return true; }
    if (n->used < 2 || (n->used > 2 && n->raw_len == 0)) {
        trawl_buf_mark_malformed(&m->b);
        m->err = true;
        return false;
    }
    return true;
}

/* Past the name's budget only where the walk ends matters. A run of plain labels ends at the
 * same place whoever enters it, so the end is remembered per offset: names that all point into
 * one long run (a real fuzzed capture has ten thousand) cost one walk, not one each. */
static uint32_t run_skip(struct dns_msg *m, uint32_t off)
{
    const struct trawl_buf *b = &m->b;
    uint32_t cap = trawl_buf_caplen(b);
    if (cap > UINT16_MAX) return off;        /* distances must fit the table: walk instead */
    if (!m->run_end) {
        m->run_end = trawl_packet_alloc(m->pkt, (size_t)cap * sizeof *m->run_end + 2);
        if (!m->run_end) return off;
        memset(m->run_end, 0, (size_t)cap * sizeof *m->run_end);
    }
    uint32_t q = off;
    while (q < cap && m->run_end[q] == 0) {
        uint8_t c = b->data[q];
        if (c == 0 || (c & 0xc0) || q + 1u + c > cap) break;
        q += 1u + c;
    }
    uint32_t end = q < cap && m->run_end[q] ? q + m->run_end[q] : q;
    /* Every label start walked now knows the end too. */
    for (uint32_t p = off; p < q;) {
        uint32_t next = p + 1u + b->data[p];
        m->run_end[p] = (uint16_t)(end - p);
        p = next;
    }
    return end;
}

/* Has this name followed the pointer at `at` already? n pointers came before it; the first 16
 * are in seen. A short list first, then a per-offset mark (one generation per name). */
static bool pointer_seen(struct dns_msg *m, uint32_t *seen, unsigned n, uint32_t at)
{
    if (n < 16) {
        for (unsigned i = 0; i < n; i++) if (seen[i] == at) return true;
        return false;
    }
    uint32_t cap = trawl_buf_caplen(&m->b);
    if (!m->mark) {
        m->mark = trawl_packet_alloc(m->pkt, (size_t)cap * sizeof *m->mark + 2);
        if (!m->mark) {        /* no memory: the list (the 255-pointer rule still ends loops) */
            for (unsigned i = 0; i < 16; i++) if (seen[i] == at) return true;
            return false;
        }
        memset(m->mark, 0, (size_t)cap * sizeof *m->mark);
        m->gen = 0;
    }
    if (n == 16) {             /* a new name for the marks: a new generation */
        if (++m->gen == 0) { memset(m->mark, 0, (size_t)cap * sizeof *m->mark); m->gen = 1; }
        for (unsigned i = 0; i < 16; i++) m->mark[seen[i]] = m->gen;
    }
    if (m->mark[at] == m->gen) return true;
    m->mark[at] = m->gen;
    return false;
}

bool dns_name_read(struct dns_msg *m, uint32_t off, struct dns_name *n)
{
    const struct trawl_buf *b = &m->b;
    uint32_t start = off;
    int64_t len = -1;                 /* bytes at start, known once a pointer is met */
    int maxname = DNS_MAX_NAME;
    uint32_t np = 0;                  /* bytes written to buf (labels and bitstrings) */
    uint32_t name_len = 0;            /* tshark's name_len: label bytes and dots only */
    uint32_t seen[16];
    unsigned pointers = 0;
    bool forward = false;
    n->special = false;
    n->raw = (const char *)n->buf;

    for (;;) {
        if (maxname <= 0) off = run_skip(m, off);
        if (!dns_need(m, off, 1)) return false;
        uint8_t c = b->data[off++];
        if (c == 0) break;
        switch (c & 0xc0) {
        case 0x00: {
            if (np != 0) {
                if (maxname > 0) { n->buf[np++] = '.'; name_len++; maxname--; }
            } else {
                maxname--;
            }
            if (!dns_need(m, off, c)) return false;
            /* Copy what the budget allows; the rest is skipped, as tshark skips it. */
            uint32_t take = maxname > 0 ? (c < (uint32_t)maxname ? c : (uint32_t)maxname) : 0;
            memcpy(n->buf + np, b->data + off, take);
            np += take;
            name_len += take;
            maxname -= (int)take;
            off += c;
            break;
        }
        case 0x40:
            if ((c & 0x3f) == 0x01) {
                /* Bitstring label: "\[x" hex "/bits]", written but not counted in name_len. */
                if (!dns_need(m, off, 1)) return false;
                unsigned bits = b->data[off++];
                unsigned nbytes = bits ? (bits - 1) / 8 + 1 : 1;   /* C's (0 - 1) / 8 + 1 */
                char tmp[8];
                int pl = snprintf(tmp, sizeof tmp, "\\[x");
                if (maxname > 0) {
                    if (pl <= maxname) { memcpy(n->buf + np, tmp, (size_t)pl); np += (uint32_t)pl; maxname -= pl; }
                    else maxname = 0;
                }
                for (unsigned i = 0; i < nbytes; i++) {
                    if (!dns_need(m, off, 1)) return false;
                    pl = snprintf(tmp, sizeof tmp, "%02x", b->data[off++]);
                    if (maxname > 0) {
                        if (pl <= maxname) { memcpy(n->buf + np, tmp, (size_t)pl); np += (uint32_t)pl; maxname -= pl; }
                        else maxname = 0;
                    }
                }
                pl = snprintf(tmp, sizeof tmp, "/%u]", bits);
                if (maxname > 0) {
                    if (pl <= maxname) { memcpy(n->buf + np, tmp, (size_t)pl); np += (uint32_t)pl; maxname -= pl; }
                    else maxname = 0;
                }
                break;
            }
            /* tshark measures from the start to here, wherever pointers led: before the start
             * (or on it) that is no name at all. */
            if ((int64_t)off - start < 1) { trawl_buf_mark_malformed(b); m->err = true; return false; }
            special(n, "<Unknown extended label>");
            n->used = off - start;
            return name_checked(m, n, 0);
        case 0x80:
            trawl_buf_mark_malformed(b);
            m->err = true;
            return false;
        default: {   /* 0xc0: a pointer */
            if (!dns_need(m, off, 1)) return false;
            uint32_t target = (uint32_t)(c & 0x3f) << 8 | b->data[off];
            uint32_t at = off - 1;
            off++;
            pointers++;
            if (len < 0) len = off - start;
            if (target >= at) forward = true;
            bool again = pointer_seen(m, seen, pointers - 1, at);
            if (pointers <= 16) seen[pointers - 1] = at;
            /* tshark's own tests: a pointer to 2 bytes past its end, or too many pointers. A
             * pointer followed twice would go round until the second test: same answer, sooner. */
            if (target == off + 2 || pointers > MAX_POINTERS || again) {
                special(n, "<Name contains a pointer that loops>");
                n->used = (uint32_t)len;
                marker(m->pkt, F_NAME_LOOP);
                return name_checked(m, n, 0);
            }
            off = target;
            break;
        }
        }
    }
    if (forward) marker(m->pkt, F_NAME_FORWARD);
    if (len < 0) len = off - start;
    n->used = (uint32_t)len;
    if (maxname <= 0) {
        special(n, "<Name too long>");
        marker(m->pkt, F_NAME_TOO_LONG);
        return name_checked(m, n, 0);
    }
    n->buf[np] = 0;
    n->raw_len = name_len;
    return name_checked(m, n, n->buf[0]);
}

/* ---- tshark's format_text ------------------------------------------------------------------ */

/* Code points GLib's g_unichar_isprint calls unprintable beyond the ASCII controls: C1
 * controls, format characters, surrogates, noncharacters and unassigned planes. The BMP's
 * scattered unassigned points are not listed (they print as themselves here). */
static bool uni_printable(uint32_t c)
{
    static const uint32_t fmt[][2] = {
        { 0x80, 0x9f }, { 0xad, 0xad }, { 0x600, 0x605 }, { 0x61c, 0x61c }, { 0x6dd, 0x6dd },
        { 0x70f, 0x70f }, { 0x890, 0x891 }, { 0x8e2, 0x8e2 }, { 0x180e, 0x180e },
        { 0x200b, 0x200f }, { 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f },
        { 0xd800, 0xdfff }, { 0xfdd0, 0xfdef }, { 0xfeff, 0xfeff }, { 0xfff9, 0xfffb },
        { 0x110bd, 0x110bd }, { 0x110cd, 0x110cd }, { 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 },
        { 0x1d173, 0x1d17a }, { 0x323b0, 0xdffff }, { 0xe0000, 0xe00ff }, { 0xe01f0, 0xeffff },
    };
    if ((c & 0xfffe) == 0xfffe) return false;             /* U+xxFFFE, U+xxFFFF */
    if (c >= 0x2a6e0 && c < 0x2a700) return false;        /* between CJK extensions B and C */
    if (c >= 0x2ebe1 && c < 0x2f800) return false;
    if (c >= 0x2fa20 && c < 0x30000) return false;
    if (c >= 0x3134b && c < 0x31350) return false;
    for (size_t i = 0; i < sizeof fmt / sizeof *fmt; i++)
        if (c >= fmt[i][0] && c <= fmt[i][1]) return false;
    return true;
}

#define UNREPL "\xef\xbf\xbd"

uint32_t dns_format_text(const uint8_t *p, uint32_t len, char *out, uint32_t cap)
{
    uint32_t o = 0;
#define PUT(s, n) do { if (o + (n) < cap) { memcpy(out + o, (s), (n)); o += (n); } } while (0)
    const uint8_t *end = p + len;
    while (p < end) {
        uint8_t c = *p++;
        if (c >= 0x20 && c < 0x7f) { PUT(&c, 1); continue; }
        if (c < 0x80) {
            char e[5];
            const char *esc = NULL;
            switch (c) {
            case '\a': esc = "\\a"; break;
            case '\b': esc = "\\b"; break;
            case '\f': esc = "\\f"; break;
            case '\n': esc = "\\n"; break;
            case '\r': esc = "\\r"; break;
            case '\t': esc = "\\t"; break;
            case '\v': esc = "\\v"; break;
            default:
                e[0] = '\\'; e[1] = (char)('0' + ((c >> 6) & 3)); e[2] = (char)('0' + ((c >> 3) & 7));
                e[3] = (char)('0' + (c & 7)); e[4] = 0;
                esc = e;
            }
            PUT(esc, (uint32_t)strlen(esc));
            continue;
        }
        /* UTF-8, decoded as GLib-free Wireshark does: no overlong check, one U+FFFD for a bad
         * lead byte or a sequence cut by a non-continuation byte (which is not consumed). */
        uint32_t uc, more;
        if ((c & 0xe0) == 0xc0) { uc = c & 0x1f; more = 1; }
        else if ((c & 0xf0) == 0xe0) { uc = c & 0x0f; more = 2; }
        else if ((c & 0xf8) == 0xf0) { uc = c & 0x07; more = 3; }
        else { PUT(UNREPL, 3); continue; }
        const uint8_t *seq = p - 1;
        bool bad = false;
        for (uint32_t i = 0; i < more; i++) {
            if (p >= end || (*p & 0xc0) != 0x80) { bad = true; break; }
            uc = uc << 6 | (*p++ & 0x3f);
        }
        if (bad || uc > 0x10ffff || (uc >= 0xd800 && uc <= 0xdfff)) { PUT(UNREPL, 3); continue; }
        if (uc >= 0x80 && uni_printable(uc)) { PUT(seq, (uint32_t)(p - seq)); continue; }
        char e[12];
        int k = uc > 0xffff ? snprintf(e, sizeof e, "\\U%08X", (unsigned)uc)
                            : snprintf(e, sizeof e, "\\u%04X", (unsigned)uc);
        PUT(e, (uint32_t)k);
    }
#undef PUT
    if (o < cap) out[o] = 0;
    return o;
}

const char *dns_name_text(struct dns_msg *m, const struct dns_name *n, uint32_t *len)
{
    if (n->special) { *len = n->raw_len; return n->raw; }
    char tmp[DNS_TEXT_CAP];
    uint32_t k = dns_format_text((const uint8_t *)n->raw, n->raw_len, tmp, sizeof tmp);
    char *s = trawl_packet_alloc(m->pkt, k + 1);
    if (!s) return NULL;
    memcpy(s, tmp, k + 1);
    *len = k;
    return s;
}

void dns_add_name(struct dns_msg *m, unsigned idx, const struct dns_name *n)
{
    if (!trawl_wants(m->pkt, idx)) return;
    uint32_t len;
    const char *s = dns_name_text(m, n, &len);
    if (s) trawl_add_string(m->pkt, idx, s, len);
}

/* ---- character strings ---------------------------------------------------------------------- */

/* tshark shows these strings as C strings: they end at a NUL byte. */
static uint32_t to_nul(const uint8_t *p, uint32_t len)
{
    const uint8_t *z = memchr(p, 0, len);
    return z ? (uint32_t)(z - p) : len;
}

const char *dns_text_ascii(struct trawl_packet *pkt, const uint8_t *p, uint32_t len, uint32_t *out_len)
{
    len = to_nul(p, len);
    uint32_t need = 0;
    for (uint32_t i = 0; i < len; i++) need += p[i] < 0x80 ? 1 : 3;
    char *s = trawl_packet_alloc(pkt, need + 1);
    if (!s) return NULL;
    uint32_t o = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (p[i] < 0x80) s[o++] = (char)p[i];
        else { memcpy(s + o, UNREPL, 3); o += 3; }
    }
    s[o] = 0;
    *out_len = o;
    return s;
}

const char *dns_text_utf8(struct trawl_packet *pkt, const uint8_t *p, uint32_t len, uint32_t *out_len)
{
    static const uint32_t minv[4] = { 0, 0x80, 0x800, 0x10000 };
    len = to_nul(p, len);
    char *s = trawl_packet_alloc(pkt, (size_t)len * 3 + 1);
    if (!s) return NULL;
    uint32_t o = 0, i = 0;
    while (i < len) {
        uint8_t c = p[i];
        uint32_t more, uc;
        if (c < 0x80) { s[o++] = (char)c; i++; continue; }
        if ((c & 0xe0) == 0xc0) { more = 1; uc = c & 0x1fu; }
        else if ((c & 0xf0) == 0xe0) { more = 2; uc = c & 0x0fu; }
        else if ((c & 0xf8) == 0xf0) { more = 3; uc = c & 0x07u; }
        else { memcpy(s + o, UNREPL, 3); o += 3; i++; continue; }
        bool ok = i + more < len;
        for (uint32_t k = 1; ok && k <= more; k++) {
            if ((p[i + k] & 0xc0) != 0x80) ok = false;
            else uc = uc << 6 | (p[i + k] & 0x3fu);
        }
        if (ok && (uc < minv[more] || uc > 0x10ffff || (uc >= 0xd800 && uc <= 0xdfff))) ok = false;
        if (!ok) { memcpy(s + o, UNREPL, 3); o += 3; i++; continue; }
        memcpy(s + o, p + i, more + 1);
        o += more + 1;
        i += more + 1;
    }
    s[o] = 0;
    *out_len = o;
    return s;
}
