/* pcapng.c — pcapng reader: sections of either byte order, interfaces, EPB/SPB/PB packets.
 *
 * Format: draft-ietf-opsawg-pcapng ("PCAP Now Generic (pcapng) Capture File Format").
 * Each block is made whole in the reader's buffer and checked (length, trailer, fields
 * against the block's room) before use; packet data is returned in place. */
#define CAP_INTERNAL
#include "capture.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB  0x0A0D0D0Au
#define BT_IDB  1u
#define BT_PB   2u          /* obsolete Packet Block */
#define BT_SPB  3u
#define BT_EPB  6u
#define BT_DSB  0x0Au

#define OPT_COMMENT     1
#define OPT_IF_TSRESOL  9
#define OPT_IF_FCSLEN   13
#define OPT_IF_TSOFFSET 14

#define NG_MAX_BLOCK  (CAP_ABS_MAX + (1u << 20))   /* largest packet plus generous options */
#define NG_MAX_IFS    (1u << 20)

enum { NG_TS_MUL, NG_TS_DIV, NG_TS_POW2 };

static const char *block_name(uint32_t t)
{
    switch (t) {
    case BT_SHB: return "section header block";
    case BT_IDB: return "interface description block";
    case BT_PB:  return "packet block";
    case BT_SPB: return "simple packet block";
    case 4:      return "name resolution block";
    case 5:      return "interface statistics block";
    case BT_EPB: return "enhanced packet block";
    case BT_DSB: return "decryption secrets block";
    default:     return "block";
    }
}

/* Next option in o[0..n) from *i: 1 = got one, 0 = end, -1 = it runs past the block
 * (*code and *len then tell which). A missing last padding is tolerated. */
static int ng_opt(const uint8_t *o, size_t n, size_t *i, int be,
                  unsigned *code, unsigned *len, const uint8_t **val)
{
    if (*i > n || n - *i < 4)
        return 0;
    *code = cap_rd16(o + *i, be);
    *len = cap_rd16(o + *i + 2, be);
    if (*code == 0)                       /* opt_endofopt */
        return 0;
    if (*len > n - *i - 4)
        return -1;
    *val = o + *i + 4;
    *i += 4 + (((size_t)*len + 3) & ~(size_t)3);
    return 1;
}

static int opt_fail(struct cap_reader *r, uint64_t off, uint32_t type, unsigned code,
                    unsigned len, size_t room)
{
    return cap_fail(r, off, "%s: option %u of length %u runs past the end of the block "
                    "(expected at most %zu bytes, found %u)", block_name(type), code, len,
                    room, len);
}

/* if_tsresol: bit 7 clear = 10^-e s, set = 2^-e s. Finer than 64-bit counts can hold: -1. */
static int ng_tsresol(struct ng_if *ifc, uint8_t v)
{
    unsigned e = v & 0x7f;
    if (v & 0x80) {
        if (e > 63)
            return -1;
        ifc->tsmode = NG_TS_POW2;
        ifc->shift = (uint8_t)e;
        ifc->ups = (uint64_t)1 << e;
        return 0;
    }
    if (e > 19)
        return -1;
    uint64_t ups = 1, f = 1;
    for (unsigned k = 0; k < e; k++)
        ups *= 10;
    for (unsigned k = 0; k < (e <= 9 ? 9 - e : e - 9); k++)
        f *= 10;
    ifc->tsmode = e <= 9 ? NG_TS_MUL : NG_TS_DIV;
    ifc->ups = ups;
    ifc->factor = f;
    return 0;
}

/* floor(a * m / 2^n) for 1 <= n <= 63 without losing the product's high bits. */
static uint64_t mul_shift(uint64_t a, uint32_t m, unsigned n)
{
    uint64_t lo = (a & 0xffffffffu) * m;
    uint64_t hi = (a >> 32) * m;
    uint64_t plo = lo + (hi << 32);
    uint64_t phi = (hi >> 32) + (plo < lo);
    return (phi << (64 - n)) | (plo >> n);
}

/* sec + off seconds and ns nanoseconds as int64 ns, saturated (int64 ns spans 1677..2262). */
static int64_t ns_of(uint64_t sec, uint64_t ns, int64_t off)
{
    int64_t s, t;
    if (sec <= (uint64_t)INT64_MAX) {
        if (__builtin_add_overflow((int64_t)sec, off, &s))
            return off > 0 ? INT64_MAX : INT64_MIN;
    } else {
        if (off >= 0)
            return INT64_MAX;
        uint64_t u = sec - (uint64_t)(-(off + 1)) - 1;
        if (u > (uint64_t)INT64_MAX)
            return INT64_MAX;
        s = (int64_t)u;
    }
    if (__builtin_mul_overflow(s, (int64_t)1000000000, &t))
        return s > 0 ? INT64_MAX : INT64_MIN;
    if (__builtin_add_overflow(t, (int64_t)ns, &t))
        return INT64_MAX;
    return t;
}

static int64_t ng_time(const struct ng_if *ifc, uint64_t t)
{
    uint64_t sec, ns;
    switch (ifc->tsmode) {
    case NG_TS_MUL:
        /* Constant divisors for the two usual resolutions let the compiler avoid a division. */
        if (ifc->ups == 1000000) {
            sec = t / 1000000;
            ns = t % 1000000 * 1000;
        } else if (ifc->ups == 1000000000) {
            sec = t / 1000000000;
            ns = t % 1000000000;
        } else {
            sec = t / ifc->ups;
            ns = t % ifc->ups * ifc->factor;
        }
        break;
    case NG_TS_DIV:
        sec = t / ifc->ups;
        ns = t % ifc->ups / ifc->factor;
        break;
    default:
        if (ifc->shift == 0) {
            sec = t;
            ns = 0;
        } else {
            sec = t >> ifc->shift;
            ns = mul_shift(t & (ifc->ups - 1), 1000000000u, ifc->shift);
        }
        break;
    }
    return ns_of(sec, ns, ifc->tsoffset);
}

static uint32_t ng_maxcap(const struct ng_if *ifc)
{
    if (ifc->snaplen <= CAP_MAX_PACKET)
        return CAP_MAX_PACKET;
    return ifc->snaplen < CAP_ABS_MAX ? ifc->snaplen : CAP_ABS_MAX;
}

static int ng_shb(struct cap_reader *r, const uint8_t *p, uint32_t blen, int be, uint64_t off)
{
    if (blen < 28)
        return cap_fail(r, off, "section header block: length %" PRIu32 " is too small "
                        "(expected at least 28, found %" PRIu32 ")", blen, blen);
    unsigned vmaj = cap_rd16(p + 12, be), vmin = cap_rd16(p + 14, be);
    if (vmaj != 1 || (vmin != 0 && vmin != 2))
        return cap_fail(r, off, "section header block: unsupported pcapng version %u.%u "
                        "(expected 1.0 or 1.2, found %u.%u)", vmaj, vmin, vmaj, vmin);
    /* A new section: its own byte order, and interface ids start again from 0. */
    r->be = be;
    r->nifs = 0;
    return 0;
}

static int ng_idb(struct cap_reader *r, const uint8_t *p, uint32_t blen, uint64_t off)
{
    const int be = r->be;
    if (blen < 20)
        return cap_fail(r, off, "interface description block: length %" PRIu32 " is too small "
                        "(expected at least 20, found %" PRIu32 ")", blen, blen);
    if (r->nifs >= NG_MAX_IFS)
        return cap_fail(r, off, "interface description block: too many interfaces in one "
                        "section (expected at most %u, found more)", NG_MAX_IFS);
    struct ng_if ifc = {
        .linktype = cap_rd16(p + 8, be), .snaplen = cap_rd32(p + 12, be), .fcs_len = -1,
        .tsmode = NG_TS_MUL, .ups = 1000000, .factor = 1000,   /* default: microseconds */
    };
    const uint8_t *o = p + 16, *v = NULL;
    size_t n = blen - 20, i = 0;
    unsigned code = 0, len = 0;
    int rc;
    while ((rc = ng_opt(o, n, &i, be, &code, &len, &v)) > 0) {
        if (code == OPT_IF_TSRESOL && len >= 1) {
            if (ng_tsresol(&ifc, v[0]) < 0)
                return cap_fail(r, off, "interface description block: if_tsresol 0x%02x is "
                                "finer than 64-bit timestamps can count (expected at most "
                                "10^-19 or 2^-63 s, found %s%u)", v[0],
                                (v[0] & 0x80) ? "2^-" : "10^-", v[0] & 0x7fu);
        } else if (code == OPT_IF_TSOFFSET && len == 8) {
            ifc.tsoffset = (int64_t)cap_rd64(v, be);
        } else if (code == OPT_IF_FCSLEN && len >= 1) {
            /* In bits by the specification; anything not whole bytes is left unknown. */
            ifc.fcs_len = v[0] % 8 ? -1 : v[0] / 8;
        }
    }
    if (rc < 0)
        return opt_fail(r, off, BT_IDB, code, len, n - i - 4);
    if (r->nifs == r->ifs_cap) {
        uint32_t nc = r->ifs_cap ? r->ifs_cap * 2 : 4;
        struct ng_if *ni = realloc(r->ifs, nc * sizeof *ni);
        if (!ni)
            return cap_fail(r, off, "interface description block: out of memory");
        r->ifs = ni;
        r->ifs_cap = nc;
    }
    r->ifs[r->nifs++] = ifc;
    if (!r->linktype_set) {
        r->linktype = ifc.linktype;
        r->snaplen = ifc.snaplen;
        r->linktype_set = 1;
    }
    if (ifc.ups > 1000000)
        r->precision = 9;
    return 0;
}

/* First opt_comment among the packet block's options into r->comment. */
static int ng_comment(struct cap_reader *r, struct cap_packet *out, uint32_t type,
                      const uint8_t *o, size_t n, uint64_t off)
{
    const uint8_t *v = NULL;
    size_t i = 0;
    unsigned code = 0, len = 0;
    int rc;
    out->comment = NULL;
    out->comment_len = 0;
    while ((rc = ng_opt(o, n, &i, r->be, &code, &len, &v)) > 0) {
        if (code != OPT_COMMENT || out->comment)
            continue;
        /* The option is not NUL-terminated in the file; copy it. One 64 KiB buffer fits any. */
        if (!r->comment && !(r->comment = malloc(65536)))
            return cap_fail(r, off, "%s: out of memory", block_name(type));
        memcpy(r->comment, v, len);
        r->comment[len] = '\0';
        out->comment = r->comment;
        out->comment_len = len;
    }
    if (rc < 0)
        return opt_fail(r, off, type, code, len, n - i - 4);
    return 0;
}

static int unknown_if(struct cap_reader *r, uint64_t off, uint32_t type, uint32_t id)
{
    if (r->nifs == 0)
        return cap_fail(r, off, "%s: packet %" PRIu64 " refers to interface %" PRIu32 ", but "
                        "the section has no interface yet (expected an interface description "
                        "block before it, found none)", block_name(type), r->npackets + 1, id);
    return cap_fail(r, off, "%s: packet %" PRIu64 " refers to interface %" PRIu32 ", but the "
                    "section has only %" PRIu32 " (expected an id below %" PRIu32 ", found %"
                    PRIu32 ")", block_name(type), r->npackets + 1, id, r->nifs, r->nifs, id);
}

/* EPB and obsolete PB share their layout after the interface id. */
static int ng_epb(struct cap_reader *r, struct cap_packet *out, uint32_t type,
                  const uint8_t *p, uint32_t blen, uint64_t off)
{
    const int be = r->be;
    if (blen < 32)
        return cap_fail(r, off, "%s: length %" PRIu32 " is too small (expected at least 32, "
                        "found %" PRIu32 ")", block_name(type), blen, blen);
    uint32_t id = type == BT_EPB ? cap_rd32(p + 8, be) : cap_rd16(p + 8, be);
    if (id >= r->nifs)
        return unknown_if(r, off, type, id);
    const struct ng_if *ifc = &r->ifs[id];
    uint64_t ts = (uint64_t)cap_rd32(p + 12, be) << 32 | cap_rd32(p + 16, be);
    uint32_t caplen = cap_rd32(p + 20, be), len = cap_rd32(p + 24, be);
    uint32_t room = blen - 32;
    if (caplen > room)
        return cap_fail(r, off, "%s: packet %" PRIu64 ": captured length %" PRIu32 " does not "
                        "fit in the block (expected at most %" PRIu32 ", found %" PRIu32 ")",
                        block_name(type), r->npackets + 1, caplen, room, caplen);
    uint32_t max = ng_maxcap(ifc);
    if (caplen > max)
        return cap_fail(r, off, "%s: packet %" PRIu64 ": caplen %" PRIu32 " is bigger than the "
                        "maximum %" PRIu32 " (expected at most %" PRIu32 ", found %" PRIu32 ")",
                        block_name(type), r->npackets + 1, caplen, max, max, caplen);
    uint32_t padded = (caplen + 3) & ~3u;     /* room is a multiple of 4, so this fits */
    if (ng_comment(r, out, type, p + 28 + padded, room - padded, off) < 0)
        return -1;
    out->ts_ns = ng_time(ifc, ts);
    out->ts_digits = ifc->ups > 1000000 ? 9 : 6;
    out->flags = 0;
    out->caplen = caplen;
    out->len = len;
    out->linktype = ifc->linktype;
    out->interface_id = id;
    out->data = p + 28;
    out->offset = off;
    out->fcs_len = ifc->fcs_len;
    return 1;
}

static int ng_spb(struct cap_reader *r, struct cap_packet *out, const uint8_t *p,
                  uint32_t blen, uint64_t off)
{
    if (blen < 16)
        return cap_fail(r, off, "simple packet block: length %" PRIu32 " is too small "
                        "(expected at least 16, found %" PRIu32 ")", blen, blen);
    if (r->nifs == 0)
        return unknown_if(r, off, BT_SPB, 0);
    const struct ng_if *ifc = &r->ifs[0];
    uint32_t len = cap_rd32(p + 8, r->be), room = blen - 16;
    /* The captured part is what the snaplen let through; the block must hold it. */
    uint32_t caplen = ifc->snaplen && len > ifc->snaplen ? ifc->snaplen : len;
    if (caplen > room)
        return cap_fail(r, off, "simple packet block: packet %" PRIu64 ": captured length %"
                        PRIu32 " does not fit in the block (expected at most %" PRIu32 ", found %"
                        PRIu32 ")", r->npackets + 1, caplen, room, caplen);
    uint32_t max = ng_maxcap(ifc);
    if (caplen > max)
        return cap_fail(r, off, "simple packet block: packet %" PRIu64 ": caplen %" PRIu32
                        " is bigger than the maximum %" PRIu32 " (expected at most %" PRIu32
                        ", found %" PRIu32 ")", r->npackets + 1, caplen, max, max, caplen);
    /* An SPB has no time stamp (tshark shows none). */
    out->ts_ns = 0;
    out->ts_digits = 6;
    out->flags = CAP_PKT_NO_TS;
    out->caplen = caplen;
    out->len = len;
    out->linktype = ifc->linktype;
    out->interface_id = 0;
    out->data = p + 12;
    out->comment = NULL;
    out->comment_len = 0;
    out->offset = off;
    out->fcs_len = ifc->fcs_len;
    return 1;
}

static int ng_dsb(struct cap_reader *r, const uint8_t *p, uint32_t blen, uint64_t off)
{
    if (blen < 20)
        return cap_fail(r, off, "decryption secrets block: length %" PRIu32 " is too small "
                        "(expected at least 20, found %" PRIu32 ")", blen, blen);
    uint32_t stype = cap_rd32(p + 8, r->be), slen = cap_rd32(p + 12, r->be);
    if (slen > blen - 20)
        return cap_fail(r, off, "decryption secrets block: secrets length %" PRIu32 " runs "
                        "past the end of the block (expected at most %" PRIu32 ", found %"
                        PRIu32 ")", slen, blen - 20, slen);
    if (r->secrets_fn)
        r->secrets_fn(r->secrets_ctx, stype, p + 16, slen, off);
    return 0;
}

/* Processes blocks until one yields a packet (1), the file ends cleanly (0) or is damaged (-1).
 * With out == NULL it stops (returning 1) in front of the first packet or DSB block instead,
 * leaving it unread: used at open to learn the first interfaces. */
static int ng_step(struct cap_reader *r, struct cap_packet *out)
{
    for (;;) {
        const uint64_t off = r->base + r->pos;
        size_t avail = r->end - r->pos;
        if (avail < 12) {
            avail = cap_fill(r, 12);
            if (avail == 0 && !r->ioerr)
                return 0;
            if (avail < 12)
                return cap_short(r, off, "block header", "a block", 12, avail);
        }
        const uint8_t *p = r->buf + r->pos;
        int be = r->be;
        uint32_t type = cap_rd32(p, be);
        if (type == BT_SHB) {       /* same in both byte orders; its magic sets the order */
            uint32_t bom = cap_rd32(p + 8, 0);
            if (bom == 0x1a2b3c4d)
                be = 0;
            else if (bom == 0x4d3c2b1a)
                be = 1;
            else
                return cap_fail(r, off, "section header block: bad byte-order magic "
                                "(expected 0x1a2b3c4d, found 0x%08" PRIx32 ")", cap_rd32(p + 8, 1));
        }
        if (!out && (type == BT_EPB || type == BT_SPB || type == BT_PB || type == BT_DSB))
            return 1;
        uint32_t blen = cap_rd32(p + 4, be);
        if (blen < 12)
            return cap_fail(r, off, "%s: block length %" PRIu32 " is too small "
                            "(expected at least 12, found %" PRIu32 ")", block_name(type), blen, blen);
        if (blen % 4)
            return cap_fail(r, off, "%s: block length %" PRIu32 " is not a multiple of 4 "
                            "(expected a multiple of 4, found %" PRIu32 ")", block_name(type),
                            blen, blen);
        if (blen > NG_MAX_BLOCK)
            return cap_fail(r, off, "%s: block length %" PRIu32 " is bigger than the maximum "
                            "(expected at most %u, found %" PRIu32 ")", block_name(type), blen,
                            NG_MAX_BLOCK, blen);
        if (avail < blen) {
            avail = cap_fill(r, blen);
            if (avail < blen)
                return cap_short(r, off, block_name(type), "a block", blen, avail);
            p = r->buf + r->pos;
        }
        uint32_t trail = cap_rd32(p + blen - 4, be);
        if (trail != blen)
            return cap_fail(r, off, "%s: block length at the end differs from the one at the "
                            "start (expected %" PRIu32 ", found %" PRIu32 ")", block_name(type),
                            blen, trail);
        int rc = 0;
        switch (type) {
        case BT_SHB: rc = ng_shb(r, p, blen, be, off); break;
        case BT_IDB: rc = ng_idb(r, p, blen, off); break;
        case BT_EPB:
        case BT_PB:  rc = ng_epb(r, out, type, p, blen, off); break;
        case BT_SPB: rc = ng_spb(r, out, p, blen, off); break;
        case BT_DSB: rc = ng_dsb(r, p, blen, off); break;
        default:     break;      /* NRB, ISB, custom, unknown: nothing a packet needs */
        }
        if (rc < 0)
            return -1;
        r->pos += blen;          /* the buffer is not touched again before the next call */
        if (rc > 0) {
            if (r->end - r->pos >= 8) __builtin_prefetch(r->buf + r->pos);   /* as pcap.c */
            return 1;
        }
    }
}

int cap_ng_open(struct cap_reader *r, char *err, size_t errlen)
{
    /* Read the first section's header and interfaces now, so cap_linktype() is known. */
    if (ng_step(r, NULL) < 0 && r->err_off == 0) {
        snprintf(err, errlen, "%s", r->err);    /* the file header itself is bad */
        return -1;
    }
    return 0;
}

int cap_ng_next(struct cap_reader *r, struct cap_packet *out)
{
    return ng_step(r, out);
}
