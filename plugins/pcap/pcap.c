/* pcap.c — the "pcap" sink: writes the frames it is given to a classic pcap file (-w FILE).
 *
 * No RFC; the format is libpcap's savefile (draft-ietf-opsawg-pcap), written by libpcap itself
 * (pcap_open_dead_with_tstamp_precision + pcap_dump_fopen + pcap_dump) with nanosecond
 * timestamps (magic 0xa1b23c4d), so no clock precision of the input is lost.
 *
 * Options: file=PATH (required; "-" = the sink's FILE, standard output for the host),
 *          format=pcap (the only one), snaplen=N (cut frames to N bytes; header snaplen N).
 * The sink asks for no field: it needs only the frame bytes and metadata.
 *
 * Classic pcap holds one link type per file: the first frame's. Frames of another link type
 * (pcapng inputs with several interfaces) and frames whose time pcap cannot store (before 1970,
 * after 2106-02-07) are counted, said once, and not written; close() sums it up.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trawl/trawl.h"

#define DEFAULT_SNAPLEN 262144u      /* libpcap's and Wireshark's maximum for most link types */
#define EMPTY_LINKTYPE  1            /* LINKTYPE_ETHERNET: header of a file that got no frame */
#define STANDIN_DLT     DLT_USER0    /* header written with it, then patched (see write_header) */
#define NS_PER_SEC      1000000000LL

struct lt_count {
    int32_t linktype;
    uint64_t frames;
};

struct pcapw {
    char *path;               /* as given; "-" for the sink's FILE */
    bool to_out;              /* writing to trawl_sink_out (not a file we opened) */
    FILE *f;
    uint32_t snaplen;         /* header snaplen; frames are cut to it */
    bool snaplen_opt;         /* given by the user (cutting is wanted, not worth a warning) */
    pcap_t *dead;
    pcap_dumper_t *d;
    bool started;             /* header written (or tried) */
    bool failed;              /* nothing more is written */
    bool pipe_closed;         /* "-" and the reader went away (EPIPE): not an error */
    int rc;                   /* what close() returns */
    int32_t linktype;         /* the file's LINKTYPE_ */
    uint64_t written, not_written_fail, skipped_ts, cut;
    struct lt_count *other;   /* frames of other link types, per link type */
    size_t nother;
};

/* LINKTYPE_ (file, trawl_frame.linktype) → DLT_ (libpcap's API), for the values where they
 * differ on some platform; libpcap's writer maps the DLT_ back to the LINKTYPE_. */
static int linktype_to_dlt(int lt)
{
    switch (lt) {
    case 100: return DLT_ATM_RFC1483;
    case 101: return DLT_RAW;
    case 102: return DLT_SLIP_BSDOS;
    case 103: return DLT_PPP_BSDOS;
    case 106: return DLT_ATM_CLIP;
    case 108: return DLT_LOOP;
    case 109: return DLT_ENC;
    case 117: return DLT_PFLOG;
    case 246: return DLT_PFSYNC;
    case 258: return DLT_PKTAP;
    default: return lt;
    }
}

static const char *lt_name(int lt)
{
    const char *n = pcap_datalink_val_to_name(linktype_to_dlt(lt));
    return n ? n : "unknown";
}

/* ---- header ----------------------------------------------------------------------------- */

/* The first failure is logged ("PATH: what") and decides close()'s result; nothing more is
 * written after it. */
static void fail(struct trawl_sink *s, struct pcapw *w, int rc, const char *fmt, ...) TRAWL_PRINTF(4, 5);
static void fail(struct trawl_sink *s, struct pcapw *w, int rc, const char *fmt, ...)
{
    if (!w->failed) {
        char what[PCAP_ERRBUF_SIZE + 256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        trawl_sink_log(s, TRAWL_LOG_ERROR, "%s: %s", w->to_out ? "standard output" : w->path, what);
    }
    w->failed = true;
    if (!w->rc)
        w->rc = rc;
}

/* Write the file header for link type lt. libpcap 1.10 refuses to write link types outside
 * its table (most values 13-98, anything above DLT_MATCHING_MAX): for a file we opened (regular
 * and seekable) the header is written with a stand-in and its link-type word patched. */
static int write_header(struct trawl_sink *s, struct pcapw *w, int32_t lt)
{
    w->started = true;
    w->linktype = lt;
    if (lt < 0 || lt > 0xffff) {
        fail(s, w, TRAWL_EFORMAT, "link type %d cannot be stored in a pcap file", (int)lt);
        return -1;
    }
    long start = w->to_out ? -1 : ftell(w->f);
    int dlt = linktype_to_dlt(lt);
    bool standin = false;
    for (int attempt = 0; attempt < 2; attempt++) {
        w->dead = pcap_open_dead_with_tstamp_precision(dlt, (int)w->snaplen, PCAP_TSTAMP_PRECISION_NANO);
        if (!w->dead) {
            fail(s, w, TRAWL_ENOMEM, "libpcap could not set up its writer");
            return -1;
        }
        w->d = pcap_dump_fopen(w->dead, w->f);
        if (w->d)
            break;
        char why[PCAP_ERRBUF_SIZE + 128];
        snprintf(why, sizeof why, "link type %d (%s) cannot be written by libpcap %s: %s", (int)lt,
                 lt_name(lt), pcap_lib_version(), pcap_geterr(w->dead));
        pcap_close(w->dead);
        w->dead = NULL;
        if (attempt == 1 || start < 0) {
            fail(s, w, TRAWL_EFORMAT, "%s", why);
            return -1;
        }
        dlt = STANDIN_DLT;
        standin = true;
    }
    if (standin) {
        /* Same layout as libpcap's: the link type is the 32-bit word at offset 20, host order. */
        uint32_t v = (uint32_t)lt;
        if (pcap_dump_flush(w->d) < 0 || fseek(w->f, start + 20, SEEK_SET) != 0 ||
            fwrite(&v, sizeof v, 1, w->f) != 1 || fseek(w->f, 0, SEEK_END) != 0) {
            fail(s, w, TRAWL_EIO, "writing the header failed: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* ---- frames ----------------------------------------------------------------------------- */

static void other_linktype(struct trawl_sink *s, struct pcapw *w, const struct trawl_frame *fr)
{
    for (size_t i = 0; i < w->nother; i++)
        if (w->other[i].linktype == fr->linktype) {
            w->other[i].frames++;
            return;
        }
    struct lt_count *n = realloc(w->other, (w->nother + 1) * sizeof *n);
    if (n) {
        w->other = n;
        w->other[w->nother++] = (struct lt_count){ fr->linktype, 1 };
    }
    trawl_sink_log(s, TRAWL_LOG_WARN,
                   "frame %" PRIu64 ": link type %d (%s) differs from the file's, %d (%s): a pcap "
                   "file holds one link type, so frames of link type %d are not written%s",
                   fr->number, (int)fr->linktype, lt_name(fr->linktype), (int)w->linktype,
                   lt_name(w->linktype), (int)fr->linktype,
                   fr->flags & TRAWL_FRAME_HAS_IFACE ? " (pcapng with several interfaces)" : "");
}

static void pcapw_packet(struct trawl_sink *s, const struct trawl_packet *pkt)
{
    struct pcapw *w = trawl_sink_state(s);
    if (!w)
        return;
    const struct trawl_frame *fr = trawl_packet_frame(pkt);
    if (!w->started)
        write_header(s, w, fr->linktype);
    if (w->failed) {
        w->not_written_fail++;
        return;
    }
    if (fr->linktype != w->linktype) {
        other_linktype(s, w, fr);
        return;
    }
    /* pcap's seconds are an unsigned 32-bit count: 1970-01-01 .. 2106-02-07T06:28:15Z. */
    if (fr->ts_ns < 0 || fr->ts_ns / NS_PER_SEC > (int64_t)UINT32_MAX) {
        if (!w->skipped_ts++) {
            char t[64];
            trawl_time_format_epoch(fr->ts_ns, t, sizeof t);
            trawl_sink_log(s, TRAWL_LOG_WARN,
                           "frame %" PRIu64 ": time %s is outside what pcap can store (1970 to "
                           "2106-02-07): such frames are not written", fr->number, t);
        }
        return;
    }
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(fr->ts_ns / NS_PER_SEC);
    h.ts.tv_usec = (suseconds_t)(fr->ts_ns % NS_PER_SEC);   /* nanoseconds: a NANO pcap_t */
    h.caplen = fr->caplen;
    h.len = fr->len;
    if (h.caplen > w->snaplen) {
        if (!w->snaplen_opt && !w->cut)
            trawl_sink_log(s, TRAWL_LOG_WARN,
                           "frame %" PRIu64 ": %u captured bytes are more than pcap readers accept "
                           "(%u): such frames are cut (snaplen=N raises the limit)",
                           fr->number, h.caplen, w->snaplen);
        w->cut++;
        h.caplen = w->snaplen;
    }
    if (h.len < h.caplen)
        h.len = h.caplen;
    static const uint8_t none[1];
    const uint8_t *data = trawl_packet_data(pkt);
    pcap_dump((u_char *)w->d, &h, h.caplen && data ? data : none);
    if (TRAWL_UNLIKELY(ferror(w->f))) {
        if (errno == EPIPE && w->to_out) {
            /* `trawl -w - | tshark -c 10 -r -`: the reader has what it wanted. Not an error. */
            trawl_sink_log(s, TRAWL_LOG_INFO, "standard output: the reader closed the pipe; no "
                                              "more frames are written");
            w->failed = w->pipe_closed = true;
        } else {
            fail(s, w, TRAWL_EIO, "write failed: %s; no more frames are written", strerror(errno));
        }
        w->not_written_fail++;   /* this one may be partly in the file: not counted as written */
        trawl_sink_stop(s);      /* reading on would only count frames nobody gets */
        return;
    }
    w->written++;
}

/* ---- open / close ----------------------------------------------------------------------- */

static void pcapw_free(struct pcapw *w)
{
    if (!w)
        return;
    if (w->dead)
        pcap_close(w->dead);
    free(w->other);
    free(w->path);
    free(w);
}

static int pcapw_open(struct trawl_sink *s)
{
    const char *file = trawl_sink_option(s, "file");
    if (!file || !*file) {
        trawl_sink_log(s, TRAWL_LOG_ERROR, "option file=PATH is required: the pcap file to write "
                                           "('-' for standard output)");
        return TRAWL_EINVAL;
    }
    const char *format = trawl_sink_option(s, "format");
    if (format && strcmp(format, "pcap") != 0) {
        trawl_sink_log(s, TRAWL_LOG_ERROR, "format=%s: this sink writes classic pcap only "
                                           "(format=pcap); pcapng writing is not supported", format);
        return TRAWL_EINVAL;
    }
    uint32_t snaplen = DEFAULT_SNAPLEN;
    const char *sl = trawl_sink_option(s, "snaplen");
    if (sl) {
        char *end = NULL;
        errno = 0;
        unsigned long v = strtoul(sl, &end, 10);
        if (!*sl || *sl == '-' || *sl == '+' || errno || *end || v == 0 || v > INT_MAX) {
            trawl_sink_log(s, TRAWL_LOG_ERROR, "snaplen=%s: expected a number of bytes from 1 to %d",
                           sl, INT_MAX);
            return TRAWL_EINVAL;
        }
        snaplen = (uint32_t)v;
    }
    struct pcapw *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(file))) {
        free(w);
        return TRAWL_ENOMEM;
    }
    w->snaplen = snaplen;
    w->snaplen_opt = sl != NULL;
    w->to_out = !strcmp(file, "-");
    if (w->to_out) {
        w->f = trawl_sink_out(s);
    } else {
        /* Opened now so a bad path fails before any input is read; the header is written at
         * the first frame, when the link type is known. */
        w->f = fopen(file, "wb");
        if (!w->f) {
            trawl_sink_log(s, TRAWL_LOG_ERROR, "cannot create %s: %s", file, strerror(errno));
            pcapw_free(w);
            return TRAWL_EIO;
        }
        setvbuf(w->f, NULL, _IOFBF, 64 * 1024);
    }
    trawl_sink_set_state(s, w);
    return 0;
}

static void summary(struct trawl_sink *s, struct pcapw *w)
{
    uint64_t other = 0;
    for (size_t i = 0; i < w->nother; i++)
        other += w->other[i].frames;
    uint64_t skipped = other + w->skipped_ts + w->not_written_fail;
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "wrote %" PRIu64 " frame%s to %s (link type %d, %s)",
                     w->written, w->written == 1 ? "" : "s", w->to_out ? "standard output" : w->path,
                     (int)w->linktype, lt_name(w->linktype));
    if (n < 0 || (size_t)n >= sizeof msg)
        n = (int)strlen(msg);
    size_t len = (size_t)n;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (len < sizeof msg) {                                                                    \
            int k = snprintf(msg + len, sizeof msg - len, __VA_ARGS__);                            \
            if (k > 0)                                                                             \
                len += (size_t)k;                                                                  \
        }                                                                                          \
    } while (0)
    if (skipped) {
        ADD("; %" PRIu64 " not written:", skipped);
        for (size_t i = 0; i < w->nother; i++)
            ADD(" %" PRIu64 " of link type %d (%s),", w->other[i].frames, (int)w->other[i].linktype,
                lt_name(w->other[i].linktype));
        if (w->skipped_ts)
            ADD(" %" PRIu64 " with a time pcap cannot store,", w->skipped_ts);
        if (w->not_written_fail)
            ADD(" %" PRIu64 " after %s,", w->not_written_fail,
                w->pipe_closed ? "the reader closed the pipe" : "the error");
        if (len < sizeof msg && msg[len - 1] == ',')
            msg[--len] = '\0';
    }
    if (w->cut)
        ADD("; %" PRIu64 " cut to %u bytes", w->cut, w->snaplen);
#undef ADD
    bool warn = other || w->skipped_ts || (w->not_written_fail && !w->pipe_closed) ||
                (w->cut && !w->snaplen_opt);
    trawl_sink_log(s, warn ? TRAWL_LOG_WARN : TRAWL_LOG_INFO, "%s", msg);
}

static int pcapw_close(struct trawl_sink *s)
{
    struct pcapw *w = trawl_sink_state(s);
    if (!w)
        return 0;
    if (!w->started) {
        /* No frame came: still a valid (header-only) file. */
        write_header(s, w, EMPTY_LINKTYPE);
        if (!w->failed)
            trawl_sink_log(s, TRAWL_LOG_INFO, "no frame to write: %s holds only a header (link type %d, %s)",
                           w->to_out ? "standard output" : w->path, EMPTY_LINKTYPE, lt_name(EMPTY_LINKTYPE));
    }
    errno = 0;
    if (w->d && !w->pipe_closed && (pcap_dump_flush(w->d) < 0 || ferror(pcap_dump_file(w->d)))) {
        if (errno == EPIPE && w->to_out)
            w->pipe_closed = true;
        else
            fail(s, w, TRAWL_EIO, "write failed: %s", strerror(errno ? errno : EIO));
    }
    if (w->pipe_closed)
        clearerr(w->f);   /* the host's FILE: its own flush should not report our EPIPE again */
    if (w->written || w->nother || w->skipped_ts || w->not_written_fail)
        summary(s, w);
    if (!w->to_out) {
        /* pcap_dump_close is fclose without a result: close the FILE ourselves to see it. */
        FILE *f = w->d ? pcap_dump_file(w->d) : w->f;
        if (fclose(f) != 0)
            fail(s, w, TRAWL_EIO, "closing failed: %s", strerror(errno));
    }
    /* For "-" the FILE is the host's: libpcap's dumper is that FILE, nothing else to free. */
    int rc = w->rc;
    pcapw_free(w);
    trawl_sink_set_state(s, NULL);
    return rc;
}

static const struct trawl_sink_def pcapw_def = {
    .name = "pcap",
    .summary = "writes the frames to a nanosecond pcap file (-w FILE; '-' = standard output)",
    .open = pcapw_open,
    .packet = pcapw_packet,
    .record = NULL,
    .close = pcapw_close,
};

static int pcapw_init(struct trawl_init *ctx)
{
    return trawl_sink_register(ctx, &pcapw_def, NULL);
}

TRAWL_PLUGIN_DESCRIPTOR(.name = "pcap", .version = "1.0.0",
                        .summary = "pcap writer sink (-w FILE), nanosecond timestamps, via libpcap",
                        .init = pcapw_init);
