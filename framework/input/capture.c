/* capture.c — opens capture files and streams, buffers their bytes, dispatches to pcap/pcapng.
 *
 * Formats: draft-ietf-opsawg-pcap (classic pcap), draft-ietf-opsawg-pcapng (pcapng).
 * Bytes are read into one reader-owned buffer (1 MiB, grown only when a single record needs
 * more) and packets point into it, so memory stays flat however big the file is. */
#define CAP_INTERNAL
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAP_BUF_INIT (1u << 20)

static struct cap_reader *reader_new(const char *name, char *err, size_t errlen)
{
    struct cap_reader *r = calloc(1, sizeof *r);
    if (r) {
        r->name = strdup(name);
        r->buf = malloc(CAP_BUF_INIT);
    }
    if (!r || !r->name || !r->buf) {
        if (r) {
            free(r->name);
            free(r->buf);
            free(r);
        }
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    r->cap = CAP_BUF_INIT;
    r->fd = -1;
    r->linktype = -1;
    r->precision = 6;
    r->fcs_len = -1;
    return r;
}

static void reader_free(struct cap_reader *r)
{
    if (r->own) {
        if (r->f)
            fclose(r->f);
        else if (r->fd >= 0)
            close(r->fd);
    }
    free(r->ifs);
    free(r->comment);
    if (r->mapped)
        munmap(r->buf, r->cap);
    else
        free(r->buf);
    free(r->name);
    free(r);
}

/* Reads at least min bytes unless the source ends first; at most max. */
static size_t src_read(struct cap_reader *r, uint8_t *dst, size_t min, size_t max)
{
    if (r->f) {
        /* fread blocks until its count is met, so a pipe only asks for what the record needs
         * (a live writer's packets then arrive without waiting for a full buffer). */
        size_t want = r->greedy ? max : min;
        size_t got = fread(dst, 1, want, r->f);
        if (got < want) {
            if (ferror(r->f))
                r->ioerr = errno ? errno : EIO;
            r->eof = 1;
        }
        return got;
    }
    for (;;) {
        ssize_t n = read(r->fd, dst, max);
        if (n > 0)
            return (size_t)n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            r->ioerr = errno;
        r->eof = 1;
        return 0;
    }
}

size_t cap_fill(struct cap_reader *r, size_t n)
{
    size_t avail = r->end - r->pos;
    if (avail >= n || r->eof)
        return avail;
    /* Move the unread tail (less than one record) to the front, then read behind it. */
    if (r->pos) {
        memmove(r->buf, r->buf + r->pos, avail);
        r->base += r->pos;
        r->pos = 0;
        r->end = avail;
    }
    while (r->end < n && !r->eof) {
        /* Grow only as bytes arrive, so a huge length in a small damaged file costs nothing. */
        if (r->end == r->cap) {
            uint8_t *nb = realloc(r->buf, r->cap * 2);
            if (!nb) {
                r->ioerr = ENOMEM;
                r->eof = 1;
                break;
            }
            r->buf = nb;
            r->cap *= 2;
        }
        size_t room = r->cap - r->end, want = n - r->end;
        r->end += src_read(r, r->buf + r->end, want < room ? want : room, room);
    }
    return r->end;
}

int cap_fail(struct cap_reader *r, uint64_t off, const char *fmt, ...)
{
    if (r->failed)
        return -1;
    int n = snprintf(r->err, sizeof r->err, "%s: offset %" PRIu64 ": ", r->name, off);
    if (n >= 0 && (size_t)n < sizeof r->err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
        va_end(ap);
    }
    r->failed = 1;
    r->err_off = off;
    return -1;
}

int cap_short(struct cap_reader *r, uint64_t off, const char *what, const char *kind,
              size_t need, size_t have)
{
    if (r->ioerr)
        return cap_fail(r, off, "%s: read error: %s", what, strerror(r->ioerr));
    return cap_fail(r, off, "%s: file cut short in the middle of %s "
                    "(expected %zu bytes, found %zu)", what, kind, need, have);
}

static const char *compressed_hint(const uint8_t *m)
{
    if (m[0] == 0x1f && m[1] == 0x8b)
        return ": gzip-compressed, decompress it first";
    if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        return ": zstd-compressed, decompress it first";
    if (m[0] == 0x04 && m[1] == 0x22 && m[2] == 0x4d && m[3] == 0x18)
        return ": lz4-compressed, decompress it first";
    return "";
}

/* Chooses the format by magic number and reads the file header. Frees r on failure. */
static struct cap_reader *open_common(struct cap_reader *r, char *err, size_t errlen)
{
    size_t n = cap_fill(r, 4);
    int rc = -1;
    if (r->ioerr) {
        snprintf(err, errlen, "%s: read error: %s", r->name, strerror(r->ioerr));
    } else if (n == 0) {
        snprintf(err, errlen, "%s: empty file (0 bytes), not a pcap or pcapng file", r->name);
    } else if (n < 4) {
        snprintf(err, errlen, "%s: file of %zu bytes is too short for a pcap or pcapng header",
                 r->name, n);
    } else {
        const uint8_t *m = r->buf + r->pos;
        uint32_t magic = cap_rd32(m, 0);
        switch (magic) {
        case 0xa1b2c3d4: case 0xd4c3b2a1:   /* µs */
        case 0xa1b23c4d: case 0x4d3cb2a1:   /* ns */
        case 0xa1b2cd34: case 0x34cdb2a1:   /* Kuznetsov's modified pcap */
            r->fmt = CAP_FMT_PCAP;
            rc = cap_pcap_open(r, err, errlen);
            break;
        case 0x0a0d0d0a:
            r->fmt = CAP_FMT_PCAPNG;
            rc = cap_ng_open(r, err, errlen);
            break;
        default:
            snprintf(err, errlen, "%s: not a pcap or pcapng file (magic 0x%08" PRIx32 "%s)",
                     r->name, cap_rd32(m, 1), compressed_hint(m));
        }
    }
    if (rc < 0) {
        reader_free(r);
        return NULL;
    }
    return r;
}

struct cap_reader *cap_open(const char *path, char *err, size_t errlen)
{
    struct cap_reader *r;
    if (strcmp(path, "-") == 0) {
        /* Read fd 0 directly: read() returns what a pipe has, without stdio's copy. */
        r = reader_new("standard input", err, errlen);
        if (!r)
            return NULL;
        r->fd = 0;
        r->greedy = 1;
        return open_common(r, err, errlen);
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not a capture file", path);
        close(fd);
        return NULL;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    if (S_ISREG(st.st_mode))
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    r = reader_new(path, err, errlen);
    if (!r) {
        close(fd);
        return NULL;
    }
    r->fd = fd;
    r->own = 1;
    r->greedy = 1;
    /* A regular file is mapped whole: no copy per read, and packet bytes stay where they are
     * until the file is closed (worker threads use them in place). Private and writable so
     * nothing a reader does can reach the file. */
    if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            (void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
            free(r->buf);
            r->buf = m;
            r->cap = r->end = (size_t)st.st_size;
            r->eof = 1;
            r->mapped = 1;
        }
    }
    return open_common(r, err, errlen);
}

int cap_stable(const struct cap_reader *r) { return r->mapped; }

/* With own=1 the reader owns f from this call on, also when the call fails. */
struct cap_reader *cap_open_stream(FILE *f, int own, const char *name, char *err, size_t errlen)
{
    if (!name)
        name = "(stream)";
    struct cap_reader *r = reader_new(name, err, errlen);
    if (!r) {
        if (own)
            fclose(f);
        return NULL;
    }
    r->f = f;
    r->own = own;
    struct stat st;
    int fd = fileno(f);
    r->greedy = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    return open_common(r, err, errlen);
}

int cap_next(struct cap_reader *r, struct cap_packet *out)
{
    if (r->failed)
        return -1;
    int rc = r->fmt == CAP_FMT_PCAP ? cap_pcap_next(r, out) : cap_ng_next(r, out);
    if (rc > 0)
        r->npackets++;
    /* A mapped file's pages well behind the reading point are given back, so the resident
     * size stays flat however large the file. They are clean pages of a private mapping: a
     * late reader of them (a packet still in flight) just reads them from the file again. */
    if (r->mapped && r->pos > r->released + CAP_RELEASE_BEHIND + CAP_RELEASE_STEP) {
        size_t upto = (r->pos - CAP_RELEASE_BEHIND) & ~(size_t)(CAP_RELEASE_STEP - 1);
        if (upto > r->released) {
            (void)madvise(r->buf + r->released, upto - r->released, MADV_DONTNEED);
            r->released = upto;
        }
    }
    return rc;
}

const char *cap_error(const struct cap_reader *r) { return r->err; }
uint64_t cap_error_offset(const struct cap_reader *r) { return r->err_off; }
enum cap_format cap_format(const struct cap_reader *r) { return r->fmt; }
int32_t cap_linktype(const struct cap_reader *r) { return r->linktype; }
unsigned cap_ts_precision(const struct cap_reader *r) { return r->precision; }
uint32_t cap_snaplen(const struct cap_reader *r) { return r->snaplen; }
uint64_t cap_packets(const struct cap_reader *r) { return r->npackets; }

void cap_on_secrets(struct cap_reader *r, cap_secrets_fn fn, void *ctx)
{
    r->secrets_fn = fn;
    r->secrets_ctx = ctx;
}

void cap_close(struct cap_reader *r)
{
    if (r)
        reader_free(r);
}
