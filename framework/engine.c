/* engine.c — the engine's life cycle and the packet loop: input → BPF → frame → link-layer
 * dissector → sinks and callbacks.
 *
 * libpcap serves live capture and BPF (also on files: a dead handle per link type compiles
 * the filter for pcap_offline_filter). Files are read by our own readers (input/), which
 * keep pcapng's per-interface link types, interface ids and comments that libpcap drops.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "input/capture.h"

struct trawl_engine *trawl_engine_new(const struct trawl_engine_options *opt)
{
    struct trawl_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->opt.log_level = TRAWL_LOG_WARN;
    if (opt) {
        size_t n = opt->size && opt->size < sizeof e->opt ? opt->size : sizeof e->opt;
        memcpy(&e->opt, opt, n);
        if (!opt->size) e->opt.log_level = TRAWL_LOG_WARN;
    }
    e->opt.size = sizeof e->opt;
    e->want_workers = 1;
    if (registry_builtin(e) < 0 || packet_init(&e->pkt, e) < 0) {
        trawl_engine_free(e);
        return NULL;
    }
    return e;
}

void trawl_engine_free(struct trawl_engine *e)
{
    if (!e) return;
    if (e->started && !e->finished) trawl_engine_finish(e);
    sinks_free(e);
    workers_free(e);
    flows_free_worker(&e->pkt);
    records_free_worker(&e->pkt);
    packet_free(&e->pkt);
    records_free(e);
    analyzers_free(e);
    registry_free(e);
    secrets_free(e);
    loader_free(e);
    for (size_t i = 0; i < e->nbpf; i++) if (e->bpf[i].ok) pcap_freecode(&e->bpf[i].prog);
    free(e->bpf);
    free(e->filter);
    for (size_t i = 0; i < e->nfiles; i++) free(e->file_names[i]);
    free(e->file_names);
    free(e->warned_linktypes);
    if (e->live) pcap_close(e->live);
    free(e);
}

const char *trawl_engine_last_error(const struct trawl_engine *e) { return e->err; }
const struct trawl_stats *trawl_engine_stats(const struct trawl_engine *e) { return workers_stats(e); }
void trawl_engine_set_limit(struct trawl_engine *e, uint64_t n) { e->limit = n; }

void trawl_engine_stop(struct trawl_engine *e)
{
    e->stop = 1;
    if (e->live) pcap_breakloop(e->live);
}

const char *trawl_engine_file_name(const struct trawl_engine *e, uint32_t i)
{
    return i < e->nfiles ? e->file_names[i] : NULL;
}

/* ---- BPF ----------------------------------------------------------------------------------- */

int trawl_engine_set_filter(struct trawl_engine *e, const char *bpf)
{
    free(e->filter);
    e->filter = bpf && *bpf ? strdup(bpf) : NULL;
    /* Check the syntax now, on Ethernet, so a typo fails before any input is read. */
    if (e->filter) {
        pcap_t *p = pcap_open_dead(DLT_EN10MB, 262144);
        struct bpf_program prog;
        int rc = p ? pcap_compile(p, &prog, e->filter, 1, PCAP_NETMASK_UNKNOWN) : -1;
        if (rc < 0) {
            engine_error(e, TRAWL_EINVAL, "capture filter '%s': %s", e->filter, p ? pcap_geterr(p) : "libpcap failed");
            if (p) pcap_close(p);
            return TRAWL_EINVAL;
        }
        pcap_freecode(&prog);
        pcap_close(p);
    }
    return 0;
}

/* LINKTYPE_ (file) → DLT_ (libpcap's compiler): equal except a few historical values. */
static int linktype_to_dlt(int lt)
{
    switch (lt) {
    case 101: return DLT_RAW;          /* LINKTYPE_RAW */
    case 100: return DLT_ATM_RFC1483;
    default: return lt;
    }
}

/* The filter compiled for a link type (cached); NULL with ok=false when it cannot be. */
static const struct bpf_cache *bpf_for(struct trawl_engine *e, int linktype)
{
    for (size_t i = 0; i < e->nbpf; i++) if (e->bpf[i].linktype == linktype) return &e->bpf[i];
    struct bpf_cache *nb = realloc(e->bpf, (e->nbpf + 1) * sizeof *nb);
    if (!nb) return NULL;
    e->bpf = nb;
    struct bpf_cache *c = &e->bpf[e->nbpf++];
    memset(c, 0, sizeof *c);
    c->linktype = linktype;
    pcap_t *p = pcap_open_dead(linktype_to_dlt(linktype), 262144);
    if (p && pcap_compile(p, &c->prog, e->filter, 1, PCAP_NETMASK_UNKNOWN) == 0) c->ok = true;
    else engine_log(e, TRAWL_LOG_ERROR, "filter", "'%s' cannot be compiled for link type %d: %s; "
                    "frames of that link type are dropped", e->filter, linktype, p ? pcap_geterr(p) : "");
    if (p) pcap_close(p);
    return c;
}


static bool filter_pass(struct trawl_engine *e, const struct trawl_frame *f, const uint8_t *data)
{
    if (!e->filter) return true;
    const struct bpf_cache *c = bpf_for(e, f->linktype);
    if (!c || !c->ok) return false;
    struct pcap_pkthdr h = { .caplen = f->caplen, .len = f->len };
    return pcap_offline_filter(&c->prog, &h, data) != 0;
}

/* ---- the packet loop ---------------------------------------------------------------------- */

void packet_add_protocols(struct trawl_packet *pkt);

static void warn_linktype(struct trawl_engine *e, const struct trawl_frame *f)
{
    for (size_t i = 0; i < e->nwarned; i++) if (e->warned_linktypes[i] == f->linktype) return;
    int *nw = realloc(e->warned_linktypes, (e->nwarned + 1) * sizeof *nw);
    if (nw) { e->warned_linktypes = nw; e->warned_linktypes[e->nwarned++] = f->linktype; }
    const char *name = pcap_datalink_val_to_name(f->linktype);
    engine_log(e, TRAWL_LOG_ERROR, trawl_engine_file_name(e, f->file_index) ? trawl_engine_file_name(e, f->file_index) : "input",
               "frame %llu: link type %d%s%s%s is not decoded by any loaded plugin; its frames "
               "are shown with frame fields only", (unsigned long long)f->number, f->linktype,
               name ? " (" : "", name ? name : "", name ? ")" : "");
}

/* Which protocols have any wanted field: adding a value of one that has none costs one test. */
static void refresh_wants(struct trawl_engine *e)
{
    for (size_t i = 0; i < e->nprotos; i++) {
        struct proto_entry *p = e->protos[i];
        p->any_wanted = e->want_all;
        for (unsigned k = 0; k < p->pub.nfields && !p->any_wanted; k++) {
            uint32_t id = p->fields[k].id;
            p->any_wanted = e->wanted[id >> 3] >> (id & 7) & 1;
        }
    }
    e->wants_dirty = false;
}

/* The dissection of one frame: everything that may run on a worker thread. */
void engine_dissect(struct trawl_packet *pkt, const struct trawl_frame *f, const uint8_t *data,
                    const char *file_name, int64_t rel_ns, int64_t delta_ns)
{
    struct trawl_engine *e = pkt->e;
    packet_reset(pkt, f, data);
    pkt->rel_ns = rel_ns;
    pkt->in_packet = true;
    flows_packet_begin(pkt);
    packet_add_frame_fields(pkt, file_name, rel_ns, delta_ns);
    uint8_t latch = 0;
    struct trawl_buf b = trawl_buf_make(data, f->caplen, f->len, &latch);
    if (f->linktype >= 0)
        trawl_dissect_table(pkt, (const struct trawl_table *)e->link_table, (uint32_t)f->linktype, &b);
    packet_add_protocols(pkt);
    /* tshark's wording, appended to the info column of a broken or cut frame. */
    if (pkt->errors & TRAWL_BUF_MALFORMED) trawl_col_append(pkt, TRAWL_COL_INFO, "[Malformed Packet]");
    if (pkt->errors & TRAWL_BUF_TRUNCATED) trawl_col_append(pkt, TRAWL_COL_INFO, "[Packet size limited during capture]");
    analyzers_packet(pkt);
}

/* The output of one dissected frame, in frame order (the thread that reads). */
void engine_emit(struct trawl_engine *e, struct trawl_packet *pkt)
{
    if (pkt->errors & TRAWL_BUF_TRUNCATED) e->stats.truncated++;
    if (pkt->errors & TRAWL_BUF_MALFORMED) e->stats.malformed++;
    if (pkt->depth_exceeded) e->stats.depth_exceeded++;
    if (pkt->values_dropped) e->stats.values_dropped++;
    sinks_emit(e, pkt);
    pkt->in_packet = false;
    records_flush(pkt);
}

static int process(struct trawl_engine *e, struct trawl_frame *f, const uint8_t *data)
{
    if (!e->started) return engine_error(e, TRAWL_ESTATE, "trawl_engine_start first");
    if (!filter_pass(e, f, data)) { e->stats.filtered_out++; return 0; }
    if (!f->number) f->number = e->stats.packets + 1;
    e->stats.packets++;
    e->stats.bytes += f->caplen;
    if (f->flags & TRAWL_FRAME_NO_TS) f->ts_ns = e->have_first ? e->prev_ts : 0;
    if (!e->have_first) { e->first_ts = e->prev_ts = f->ts_ns; e->have_first = true; e->stats.first_ts_ns = f->ts_ns; }
    if (f->ts_ns < e->stats.first_ts_ns) e->stats.first_ts_ns = f->ts_ns;
    if (f->ts_ns > e->stats.last_ts_ns || e->stats.packets == 1) e->stats.last_ts_ns = f->ts_ns;

    if (TRAWL_UNLIKELY(e->wants_dirty)) refresh_wants(e);
    if (TRAWL_UNLIKELY(!e->workers_ready)) workers_start(e);
    /* Timeouts are checked at each new whole second of capture time, before the packet: a
     * fixed point in the frame order, whatever the number of workers. */
    int64_t sec = f->ts_ns >= 0 ? f->ts_ns / 1000000000 : -((-f->ts_ns + 999999999) / 1000000000);
    if (!e->have_tick || sec != e->tick_sec) {
        e->tick_sec = sec;
        e->have_tick = true;
        if (e->nworkers > 1) {
            workers_tick(e, f->ts_ns);
        } else {
            /* No frame of its own, as a worker's tick context: flows ended here see none. */
            e->pkt.in_packet = false;
            memset(&e->pkt.frame, 0, sizeof e->pkt.frame);
            flows_tick(&e->pkt, f->ts_ns);
        }
    }
    if (f->linktype < 0 || !trawl_table_get((const struct trawl_table *)e->link_table, (uint32_t)f->linktype)) {
        e->stats.unknown_linktype++;
        warn_linktype(e, f);
    }
    int64_t rel = f->ts_ns - e->first_ts, delta = f->ts_ns - e->prev_ts;
    e->prev_ts = f->ts_ns;
    const char *file_name = trawl_engine_file_name(e, f->file_index);
    if (e->nworkers > 1) {
        workers_packet(e, f, data, file_name, rel, delta);
    } else {
        engine_dissect(&e->pkt, f, data, file_name, rel, delta);
        engine_emit(e, &e->pkt);
    }
    if (e->limit && e->stats.packets >= e->limit) e->stop = 1;
    return 0;
}

int trawl_engine_feed(struct trawl_engine *e, const struct trawl_frame *frame, const uint8_t *data)
{
    struct trawl_frame f = *frame;
    if (f.caplen && !data) return engine_error(e, TRAWL_EINVAL, "trawl_engine_feed: no data");
    if (!f.len) f.len = f.caplen;
    if (!f.ts_precision) f.ts_precision = 9;
    return process(e, &f, data);
}

static int add_file_name(struct trawl_engine *e, const char *path)
{
    char **nf = realloc(e->file_names, (e->nfiles + 1) * sizeof *nf);
    if (!nf) return TRAWL_ENOMEM;
    e->file_names = nf;
    if (!(nf[e->nfiles] = strdup(path))) return TRAWL_ENOMEM;
    e->nfiles++;
    e->nwarned = 0;
    return 0;
}

int trawl_engine_read_file(struct trawl_engine *e, const char *path)
{
    if (!e->started) return engine_error(e, TRAWL_ESTATE, "trawl_engine_start first");
    char err[512];
    struct cap_reader *r = cap_open(path, err, sizeof err);
    e->stats.files++;
    if (!r) {
        e->stats.file_errors++;
        engine_log(e, TRAWL_LOG_ERROR, NULL, "%s", err);
        return engine_error(e, TRAWL_EFORMAT, "%s", err);
    }
    cap_on_secrets(r, secrets_on_block, e);   /* a DSB's TLS key log, for QUIC and TLS */
    if (add_file_name(e, path) < 0) { cap_close(r); return TRAWL_ENOMEM; }
    uint32_t fi = (uint32_t)e->nfiles - 1;
    unsigned prec = cap_ts_precision(r);   /* for readers that do not say per packet */
    struct cap_packet cp;
    int rc = 0;
    e->stop = 0;
    e->data_stable = cap_stable(r);     /* workers may use the mapped bytes in place */
    while (!e->stop && (rc = cap_next(r, &cp)) == 1) {
        struct trawl_frame f = {
            .number = 0, .ts_ns = cp.ts_ns, .caplen = cp.caplen, .len = cp.len,
            .linktype = cp.linktype, .interface_id = cp.interface_id, .comment = cp.comment,
            .comment_len = cp.comment_len, .file_index = fi, .file_offset = cp.offset,
            .ts_precision = cp.ts_digits ? cp.ts_digits : prec,
            .flags = (cap_format(r) == CAP_FMT_PCAPNG ? TRAWL_FRAME_HAS_IFACE : 0) |
                     (cp.flags & CAP_PKT_NO_TS ? TRAWL_FRAME_NO_TS : 0),
        };
        process(e, &f, cp.data);
    }
    int result = 0;
    if (!e->stop && rc < 0) {
        e->stats.file_errors++;
        engine_log(e, TRAWL_LOG_ERROR, NULL, "%s", cap_error(r));
        result = engine_error(e, TRAWL_EFORMAT, "%s", cap_error(r));
    }
    workers_drain(e);                   /* nothing in flight may point into the file now */
    e->data_stable = false;
    cap_close(r);
    return result;
}

/* ---- live capture ------------------------------------------------------------------------- */

struct live_ctx { struct trawl_engine *e; int linktype; uint32_t fi; unsigned prec; };

static void on_live(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct live_ctx *c = (struct live_ctx *)user;
    struct trawl_frame f = {
        .ts_ns = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec * (c->prec == 9 ? 1 : 1000),
        .caplen = h->caplen, .len = h->len, .linktype = c->linktype, .file_index = c->fi,
        .ts_precision = c->prec,
    };
    process(c->e, &f, bytes);
    if (c->e->stop) pcap_breakloop(c->e->live);
}

int trawl_engine_read_live(struct trawl_engine *e, const char *iface, const struct trawl_live_options *o)
{
    if (!e->started) return engine_error(e, TRAWL_ESTATE, "trawl_engine_start first");
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(iface, err);
    if (!p) return engine_error(e, TRAWL_EIO, "%s: %s", iface, err);
    int snaplen = o && o->snaplen > 0 ? o->snaplen : 262144;
    pcap_set_snaplen(p, snaplen);
    pcap_set_promisc(p, o ? o->promisc : 1);
    pcap_set_timeout(p, o && o->timeout_ms > 0 ? o->timeout_ms : 100);
    pcap_set_immediate_mode(p, 1);
    unsigned prec = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0 ? 9 : 6;
    int rc = pcap_activate(p);
    if (rc < 0) {
        engine_error(e, TRAWL_EIO, "%s: cannot capture: %s", iface,
                     rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc));
        pcap_close(p);
        return TRAWL_EIO;
    }
    if (rc > 0) engine_log(e, TRAWL_LOG_WARN, iface, "%s", pcap_statustostr(rc));
    prec = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO ? 9 : prec == 9 ? 6 : prec;
    if (e->filter) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, e->filter, 1, PCAP_NETMASK_UNKNOWN) < 0 || pcap_setfilter(p, &prog) < 0) {
            engine_error(e, TRAWL_EINVAL, "%s: capture filter '%s': %s", iface, e->filter, pcap_geterr(p));
            pcap_close(p);
            return TRAWL_EINVAL;
        }
        pcap_freecode(&prog);
    }
    char name[300];
    snprintf(name, sizeof name, "live:%s", iface);
    if (add_file_name(e, name) < 0) { pcap_close(p); return TRAWL_ENOMEM; }
    e->live = p;
    e->stop = 0;
    /* The kernel filter did the work: do not filter again in process(). */
    char *saved_filter = e->filter;
    e->filter = NULL;
    struct live_ctx c = { e, pcap_datalink(p), (uint32_t)e->nfiles - 1, prec };
    if (c.linktype == DLT_RAW) c.linktype = 101;   /* DLT_RAW varies by OS; LINKTYPE_RAW does not */
    int result = 0;
    while (!e->stop) {
        rc = pcap_dispatch(p, -1, on_live, (u_char *)&c);
        if (rc == PCAP_ERROR) {
            result = engine_error(e, TRAWL_EIO, "%s: capture failed: %s", iface, pcap_geterr(p));
            break;
        }
    }
    e->filter = saved_filter;
    struct pcap_stat ps;
    if (pcap_stats(p, &ps) == 0)
        engine_log(e, TRAWL_LOG_INFO, iface, "%u packets received by filter, %u dropped by kernel, %u dropped by interface",
                   ps.ps_recv, ps.ps_drop, ps.ps_ifdrop);
    e->live = NULL;
    pcap_close(p);
    return result;
}

/* End of input: every flow ends (conn records and the like), analyzers finish, then sinks. */
int trawl_engine_finish(struct trawl_engine *e)
{
    if (e->started && !e->finished) {
        e->finished = true;
        struct trawl_packet *ctx = &e->pkt;
        ctx->in_packet = false;
        ctx->nvals = ctx->nlayers = 0;
        memset(&ctx->frame, 0, sizeof ctx->frame);    /* not the last packet's: no frame */
        if (e->nworkers > 1) workers_finish(e);    /* every worker's flows end; all merged */
        else flows_finish(ctx);
        analyzers_finish(ctx);
        records_flush(ctx);
    }
    return sinks_close(e);
}
