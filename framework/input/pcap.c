/* pcap.c — classic pcap reader: both byte orders, µs and ns magics, Kuznetsov's variant.
 *
 * Format: draft-ietf-opsawg-pcap ("PCAP Capture File Format"); link-type bits as libpcap's
 * LT_LINKTYPE / LT_FCS_LENGTH macros. Every length in the file is untrusted. */
#define CAP_INTERNAL
#include "capture.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define PCAP_HDR 24

int cap_pcap_open(struct cap_reader *r, char *err, size_t errlen)
{
    size_t n = cap_fill(r, PCAP_HDR);
    if (n < PCAP_HDR) {
        if (r->ioerr)
            snprintf(err, errlen, "%s: read error: %s", r->name, strerror(r->ioerr));
        else
            snprintf(err, errlen, "%s: bad pcap header: file cut short in the header "
                     "(expected 24 bytes, found %zu)", r->name, n);
        return -1;
    }
    const uint8_t *p = r->buf + r->pos;
    switch (cap_rd32(p, 0)) {
    case 0xa1b2c3d4: r->be = 0; r->nsec = 0; r->hdrlen = 16; break;
    case 0xd4c3b2a1: r->be = 1; r->nsec = 0; r->hdrlen = 16; break;
    case 0xa1b23c4d: r->be = 0; r->nsec = 1; r->hdrlen = 16; break;
    case 0x4d3cb2a1: r->be = 1; r->nsec = 1; r->hdrlen = 16; break;
    case 0xa1b2cd34: r->be = 0; r->nsec = 0; r->hdrlen = 24; break;
    default:         r->be = 1; r->nsec = 0; r->hdrlen = 24; break;  /* 0x34cdb2a1 */
    }
    unsigned vmaj = cap_rd16(p + 4, r->be), vmin = cap_rd16(p + 6, r->be);
    if (vmaj != 2) {
        snprintf(err, errlen, "%s: bad pcap header: unsupported version %u.%u "
                 "(expected 2.x, found %u.%u)", r->name, vmaj, vmin, vmaj, vmin);
        return -1;
    }
    /* Versions before 2.3 wrote orig_len before incl_len; some 2.3 writers still did
     * (libpcap and wiretap then swap them when incl_len > orig_len). */
    r->swapped_lens = vmin < 3 ? 1 : vmin == 3 ? -1 : 0;
    r->snaplen = cap_rd32(p + 16, r->be);
    uint32_t net = cap_rd32(p + 20, r->be);
    /* Low 16 bits: the link type; bit 26 says bits 28-31 hold the FCS length in 16-bit words. */
    r->linktype = (int32_t)(net & 0xffff);
    r->fcs_len = (net & 0x04000000) ? (int32_t)((net >> 28) & 0xf) * 2 : -1;
    /* Like libpcap and tshark, refuse records above 256 KiB, unless the file's snaplen is
     * larger (then up to a sane bound, so a bad header cannot make us buffer gigabytes). */
    r->maxcap = r->snaplen > CAP_MAX_PACKET
                ? (r->snaplen < CAP_ABS_MAX ? r->snaplen : CAP_ABS_MAX) : CAP_MAX_PACKET;
    r->precision = r->nsec ? 9 : 6;
    r->pos += PCAP_HDR;
    return 0;
}

int cap_pcap_next(struct cap_reader *r, struct cap_packet *out)
{
    const size_t hl = r->hdrlen;
    const uint64_t off = r->base + r->pos;
    const uint64_t num = r->npackets + 1;
    char what[48];
    size_t avail = r->end - r->pos;
    if (avail < hl) {
        avail = cap_fill(r, hl);
        if (avail == 0 && !r->ioerr)
            return 0;
        if (avail < hl) {
            snprintf(what, sizeof what, "packet %" PRIu64, num);
            return cap_short(r, off, what, "a packet's record header", hl, avail);
        }
    }
    const uint8_t *p = r->buf + r->pos;
    const int be = r->be;
    uint32_t sec = cap_rd32(p, be), frac = cap_rd32(p + 4, be);
    uint32_t incl = cap_rd32(p + 8, be), orig = cap_rd32(p + 12, be);
    if (r->swapped_lens && (r->swapped_lens > 0 || incl > orig)) {
        uint32_t t = incl;
        incl = orig;
        orig = t;
    }
    if (incl > r->maxcap)
        return cap_fail(r, off, "packet %" PRIu64 ": caplen %" PRIu32 " is bigger than the "
                        "maximum %" PRIu32 " (expected at most %" PRIu32 ", found %" PRIu32 ")",
                        num, incl, r->maxcap, r->maxcap, incl);
    size_t need = hl + incl;
    if (avail < need) {
        avail = cap_fill(r, need);
        if (avail < need) {
            snprintf(what, sizeof what, "packet %" PRIu64, num);
            return cap_short(r, off, what, "a packet", need, avail);
        }
        p = r->buf + r->pos;
    }
    /* ts_sec is unsigned (good to 2106). An out-of-range fraction is not rejected: like
     * tshark, the time is sec + frac, so 1e9 ns reads as the next second. */
    out->ts_ns = (int64_t)sec * 1000000000 + (r->nsec ? (int64_t)frac : (int64_t)frac * 1000);
    out->caplen = incl;
    out->len = orig;
    out->linktype = r->linktype;
    out->interface_id = 0;
    out->ts_digits = r->nsec ? 9 : 6;
    out->data = p + hl;
    out->comment = NULL;
    out->comment_len = 0;
    out->offset = off;
    out->fcs_len = r->fcs_len;
    out->flags = 0;
    r->pos += need;
    /* The next record header: with worker threads nobody else touches these bytes first, and
     * a miss here stalls the thread that feeds every worker. And a line two pages on, so the
     * page walk for the pages ahead (costly under a hypervisor) is done before they are read:
     * that halved this function's samples with 2 threads. */
    if (r->end - r->pos >= hl) __builtin_prefetch(r->buf + r->pos);
    if (r->end - r->pos >= 8192) __builtin_prefetch(r->buf + r->pos + 8192);
    return 1;
}
