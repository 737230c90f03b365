/* myproto.c — the template plugin: the "Simple Telemetry Protocol" (stelp), a made-up
 * protocol small enough to read in one sitting and complete enough to copy.
 *
 * Copy this folder, rename myproto/stelp/STELP to your names, replace the wire format. Every
 * part a real dissector needs is here: the descriptor, the two registration phases, fields by
 * index, the bounds-checked reader and its latch rule, a port table entry and a heuristic,
 * the info column, per-engine state and an option, and malformed/truncated input.
 *
 * Wire format: one message per UDP datagram on UDP port 47000 (-o myproto.port=N moves it),
 * found on other ports by a heuristic; all integers big-endian.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------------------------------+---------------+---------------+
 *   |       Magic 0x5354 ("ST")     |    Version    |     Type      |
 *   +-------------------------------+---------------+---------------+
 *   |                        Sequence number                        |
 *   +---------------+-----------------------------------------------+
 *   |  Name length  |  Name (name length bytes of text, no NUL) ...
 *   +---------------+-------------------------------+---------------
 *   |   TLV type    |  TLV length   | TLV value (TLV length bytes)   ... repeated to the end
 *   +---------------+---------------+--------------------------------
 *
 * Version: 1. Types: 1 Hello, 2 Report, 3 Ack, 4 Bye. TLVs: 1 Counter (exactly 4 bytes,
 * unsigned), 2 Label (text); any other type is shown as bytes.
 *
 * Why the plugin is "myproto" and the protocol "stelp": a plugin is the .so (listed by
 * `trawl plugins`, chosen with --enable/--disable/--only); a protocol is what it registers
 * (a layer in "eth:ip:udp:stelp", the prefix of its fields). One plugin may register several
 * protocols. The protocol is not called "stp": Wireshark's "stp" is the Spanning Tree Protocol,
 * and trawl follows Wireshark's display-filter names, so a new protocol takes a free name.
 */
#include <stdlib.h>
#include <string.h>

/* The SDK is the only header a plugin includes: never a framework/ header. */
#include <trawl/trawl.h>

#define STELP_MAGIC        0x5354u
#define STELP_VERSION      1u
#define STELP_FIXED_LEN    9u       /* magic, version, type, sequence, name length */
#define STELP_DEFAULT_PORT 47000u

enum { TLV_COUNTER = 1, TLV_LABEL = 2 };

/* ---- fields ----------------------------------------------------------------------------------
 * One enum of indices and one static array, in the same order: dissect code adds a value with
 * trawl_add_*(pkt, F_SEQ, ...), so no id variables exist that could drift from the array.
 * Names: "<protocol>." + lower-case [a-z0-9_.-]; reuse Wireshark's name when it has the field.
 * Type and base decide how -T fields prints the value (BASE_HEX U16: 0x5354).
 */
enum {
    F_MAGIC, F_VERSION, F_TYPE, F_SEQ, F_NAME_LEN, F_NAME,
    F_TLV, F_TLV_TYPE, F_TLV_LEN, F_TLV_COUNTER, F_TLV_LABEL, F_TLV_VALUE, F_TLV_COUNT,
    F_BAD_VERSION, F_TLV_LEN_INVALID,
    F_COUNT
};

/* Value names: -V prints "Type: Report (2)", and the info column uses them too. */
static const struct trawl_value_name type_names[] = {
    { 1, "Hello" }, { 2, "Report" }, { 3, "Ack" }, { 4, "Bye" }, { 0, NULL },
};
static const struct trawl_value_name tlv_names[] = {
    { TLV_COUNTER, "Counter" }, { TLV_LABEL, "Label" }, { 0, NULL },
};

static const struct trawl_field_def fields[F_COUNT] = {
    [F_MAGIC]     = { .name = "stelp.magic", .desc = "Magic (0x5354)", .type = TRAWL_FT_U16, .base = TRAWL_BASE_HEX },
    [F_VERSION]   = { .name = "stelp.version", .desc = "Version", .type = TRAWL_FT_U8 },
    [F_TYPE]      = { .name = "stelp.type", .desc = "Message type", .type = TRAWL_FT_U8, .names = type_names },
    [F_SEQ]       = { .name = "stelp.seq", .desc = "Sequence number", .type = TRAWL_FT_U32 },
    [F_NAME_LEN]  = { .name = "stelp.name_len", .desc = "Sender name length", .type = TRAWL_FT_U8 },
    [F_NAME]      = { .name = "stelp.name", .desc = "Sender name", .type = TRAWL_FT_STRING },
    /* A label (FT_NONE) that opens a subtree: the TLV's values nest under it in -V. */
    [F_TLV]       = { .name = "stelp.tlv", .desc = "TLV", .type = TRAWL_FT_NONE },
    [F_TLV_TYPE]  = { .name = "stelp.tlv.type", .desc = "TLV type", .type = TRAWL_FT_U8, .names = tlv_names },
    [F_TLV_LEN]   = { .name = "stelp.tlv.len", .desc = "TLV length", .type = TRAWL_FT_U8 },
    [F_TLV_COUNTER] = { .name = "stelp.tlv.counter", .desc = "Counter value", .type = TRAWL_FT_U32 },
    [F_TLV_LABEL] = { .name = "stelp.tlv.label", .desc = "Label text", .type = TRAWL_FT_STRING },
    [F_TLV_VALUE] = { .name = "stelp.tlv.value", .desc = "Value of an unknown TLV type", .type = TRAWL_FT_BYTES },
    [F_TLV_COUNT] = { .name = "stelp.tlv_count", .desc = "Number of TLVs decoded", .type = TRAWL_FT_U32 },
    /* Expert markers: a field with no value that says what was wrong (filterable by name). */
    [F_BAD_VERSION]     = { .name = "stelp.bad_version", .desc = "Unsupported version (not 1)", .type = TRAWL_FT_NONE },
    [F_TLV_LEN_INVALID] = { .name = "stelp.tlv.len.invalid", .desc = "TLV length invalid or past the end", .type = TRAWL_FT_NONE },
};

/* ---- per-engine state --------------------------------------------------------------------
 * No mutable globals: two engines in one process (or a test that makes many) must not share
 * anything. init allocates this, trawl_init_set_state keeps it, handoff reads it back with
 * trawl_init_state, the dissector gets it as `state`, fini frees it. After trawl_engine_start
 * it is READ-ONLY: worker threads may dissect in parallel with the same state.
 */
struct stelp_state {
    const struct trawl_proto *proto;   /* ours, from trawl_proto_register */
    uint16_t port;                     /* the UDP port we attach to (-o myproto.port=N) */
};

/* ---- helpers ------------------------------------------------------------------------------ */

static const char *name_of(const struct trawl_value_name *names, uint64_t v)
{
    for (; names->name; names++)
        if (names->value == v) return names->name;
    return "Unknown";
}

/* A flag-only marker: an FT_NONE value with nothing under it. */
static void add_marker(struct trawl_packet *pkt, unsigned idx)
{
    trawl_tree_push(pkt, idx);
    trawl_tree_pop(pkt);
}

/* Latch MALFORMED ourselves: the packet contradicts its own rules although no read went past
 * an end (a bad version, a Counter TLV that is not 4 bytes). The engine pins the flag on our
 * layer, -T text appends "[Malformed Packet]", the stats count it. */
static void mark_malformed(struct trawl_buf *b) { *b->err |= TRAWL_BUF_MALFORMED; }

/* ---- the dissector -------------------------------------------------------------------------
 * Called with the UDP payload as b. Returns the bytes it used (> 0: mine) or 0 ("not mine":
 * everything it added is rolled back and UDP shows the bytes as data).
 *
 * THE LATCH RULE. A read past the end returns 0 and sets a flag shared by b and every view
 * made from it: TRUNCATED when the bytes were on the wire but not captured (snaplen),
 * MALFORMED when they do not exist (a length field lied). Carry on; but a value read after the
 * latch is meaningless, so never add it, size anything, bound a loop or branch on it. The
 * pattern below: read, check trawl_buf_ok(), then use.
 */
static int stelp_dissect(struct trawl_packet *pkt, struct trawl_buf *b, void *state)
{
    const struct stelp_state *st = state;
    (void)st;   /* this protocol needs nothing from its state while dissecting */
    uint32_t len = trawl_buf_len(b);

    /* Ours? trawl_buf_has() asks without latching (a probe must leave no trace). */
    if (!trawl_buf_has(b, 0, 2) || trawl_buf_u16be(b, 0) != STELP_MAGIC) return 0;
    trawl_add_uint(pkt, F_MAGIC, STELP_MAGIC);

    /* The fixed header in one check: afterwards its reads cannot fail. A header cut short
     * (truncated or malformed, the check latches which) keeps the magic and stops. */
    if (!trawl_buf_need(b, 0, STELP_FIXED_LEN)) return (int)len;
    uint8_t version = trawl_buf_u8(b, 2);
    uint8_t type = trawl_buf_u8(b, 3);
    uint32_t seq = trawl_buf_u32be(b, 4);
    uint8_t name_len = trawl_buf_u8(b, 8);

    trawl_add_uint(pkt, F_VERSION, version);
    if (version != STELP_VERSION) {
        add_marker(pkt, F_BAD_VERSION);
        mark_malformed(b);
        if (trawl_cols_wanted(pkt))
            trawl_col_set(pkt, TRAWL_COL_INFO, "Unsupported version %u", version);
        return (int)len;
    }
    trawl_add_uint(pkt, F_TYPE, type);
    trawl_add_uint(pkt, F_SEQ, seq);
    trawl_add_uint(pkt, F_NAME_LEN, name_len);

    /* Columns cost formatting: only when someone prints the summary line. A higher layer
     * replaces a lower one's info (UDP's "47000 → 47000 Len=40" becomes ours). */
    bool cols = trawl_cols_wanted(pkt);
    if (cols) trawl_col_set(pkt, TRAWL_COL_INFO, "%s seq=%u", name_of(type_names, type), seq);

    /* A length-prefixed string. trawl_buf_sub() makes a view of exactly name_len bytes: if
     * name_len runs past the datagram it latches MALFORMED (and clamps the view); if the bytes
     * exist but were not all captured, trawl_buf_ptr() below latches TRUNCATED. Either way
     * the name is not added and we stop: what we added so far stays. */
    struct trawl_buf name = trawl_buf_sub(b, STELP_FIXED_LEN, name_len);
    const uint8_t *np = trawl_buf_ok(b) ? trawl_buf_ptr(&name, 0, name_len) : NULL;
    if (!np) return (int)len;
    /* Strings point into the packet: no copy, valid until the packet is done. */
    trawl_add_string(pkt, F_NAME, (const char *)np, name_len);
    if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " name=%.*s", (int)name_len, (const char *)np);

    /* The TLV list: the rest of the datagram. Every TLV loop checks the latch AND advances by
     * a length that was read successfully, so it always ends (at most len / 2 turns). */
    struct trawl_buf tlvs = trawl_buf_tail(b, STELP_FIXED_LEN + name_len);
    uint32_t end = trawl_buf_len(&tlvs), at = 0, count = 0;
    while (at < end && trawl_buf_ok(&tlvs)) {
        uint8_t t = trawl_buf_u8(&tlvs, at);
        uint8_t l = trawl_buf_u8(&tlvs, at + 1);
        if (!trawl_buf_ok(&tlvs)) break;            /* TLV header cut: latched, stop */
        trawl_tree_push(pkt, F_TLV);                /* values below nest under "TLV" */
        trawl_add_uint(pkt, F_TLV_TYPE, t);
        trawl_add_uint(pkt, F_TLV_LEN, l);
        struct trawl_buf v = trawl_buf_sub(&tlvs, at + 2, l);
        if (!trawl_buf_ok(&tlvs)) {                 /* l points past the end: MALFORMED */
            add_marker(pkt, F_TLV_LEN_INVALID);
            trawl_tree_pop(pkt);
            break;
        }
        if (t == TLV_COUNTER) {
            if (l != 4) {                           /* the spec says exactly 4 bytes */
                add_marker(pkt, F_TLV_LEN_INVALID);
                mark_malformed(&v);
            } else {
                uint32_t c = trawl_buf_u32be(&v, 0);
                if (trawl_buf_ok(&v)) trawl_add_uint(pkt, F_TLV_COUNTER, c);
            }
        } else {
            /* trawl_buf_ptr() hands out a pointer only to bytes that are all present. */
            const uint8_t *p = trawl_buf_ptr(&v, 0, l);
            if (p && t == TLV_LABEL) trawl_add_string(pkt, F_TLV_LABEL, (const char *)p, l);
            else if (p) trawl_add_bytes(pkt, F_TLV_VALUE, p, l);
        }
        trawl_tree_pop(pkt);
        if (!trawl_buf_ok(&tlvs)) break;            /* the value was cut: latched, stop */
        count++;
        at += 2u + l;                               /* always advances: no endless loop */
    }
    trawl_add_uint(pkt, F_TLV_COUNT, count);
    if (cols) trawl_col_append(pkt, TRAWL_COL_INFO, " TLVs=%u", count);
    return (int)len;
}

/* ---- the heuristic -------------------------------------------------------------------------
 * Run by UDP on datagrams no port entry claimed (other ports, or a port whose dissector said
 * "not mine"). It must be cheap, read-only and strict: a false "mine" steals other protocols'
 * packets. Check everything the fixed header allows before saying yes.
 */
static enum trawl_heur_result stelp_probe(const struct trawl_buf *b, void *state)
{
    (void)state;
    if (!trawl_buf_has(b, 0, STELP_FIXED_LEN)) return TRAWL_HEUR_NOT_MINE;   /* no latching */
    if (trawl_buf_u16be(b, 0) != STELP_MAGIC) return TRAWL_HEUR_NOT_MINE;
    if (trawl_buf_u8(b, 2) != STELP_VERSION) return TRAWL_HEUR_NOT_MINE;
    uint8_t type = trawl_buf_u8(b, 3);
    if (type < 1 || type > 4) return TRAWL_HEUR_NOT_MINE;
    if (STELP_FIXED_LEN + trawl_buf_u8(b, 8) > trawl_buf_len(b)) return TRAWL_HEUR_NOT_MINE;
    return TRAWL_HEUR_MINE;
}

/* Static and const: the engine keeps the pointer. The name lets users switch it off. */
static const struct trawl_heur_def stelp_heur = {
    .name = "stelp_udp", .priority = 0, .probe = stelp_probe,
};

static const struct trawl_proto_def stelp_def = {
    .name = "stelp",
    .long_name = "Simple Telemetry Protocol",
    .column = "STELP",                   /* the protocol column of the summary line */
    .fields = fields,
    .nfields = F_COUNT,
    .dissect = stelp_dissect,
};

/* ---- registration, phase 1: declare ----------------------------------------------------------
 * Runs for every plugin before any handoff, in plugin-name order. Declare what is yours: the
 * protocol (and tables or heuristic lists others would attach to). Do not look up other
 * plugins' tables here: they may not exist yet. Return 0, or a negative trawl_err to refuse
 * the plugin (its registrations are purged, the run goes on without it).
 */
static int myproto_init(struct trawl_init *ctx)
{
    struct stelp_state *st = calloc(1, sizeof *st);
    if (!st) return TRAWL_ENOMEM;
    trawl_init_set_state(ctx, st);      /* set first: fini frees it even if we fail below */
    st->port = STELP_DEFAULT_PORT;

    /* An option: `trawl -o myproto.port=48000 ...` (or a profile's "option = ..."). */
    const char *opt = trawl_init_option(ctx, "port");
    if (opt) {
        char *endp;
        unsigned long p = strtoul(opt, &endp, 10);
        if (*opt == '\0' || *endp != '\0' || p == 0 || p > 65535) {
            trawl_init_log(ctx, TRAWL_LOG_ERROR, "port=%s: expected a UDP port 1-65535", opt);
            return TRAWL_EINVAL;
        }
        st->port = (uint16_t)p;
    }

    st->proto = trawl_proto_register(ctx, &stelp_def, st);
    return st->proto ? 0 : TRAWL_EPLUGIN;   /* NULL: the engine logged why */
}

/* ---- registration, phase 2: attach -----------------------------------------------------------
 * Every plugin's init has run: now put the protocol into other plugins' tables. A missing
 * table (no udp plugin in this run) is not an error: trawl_table_add returns TRAWL_ENOENT and
 * the protocol is still reachable with decode-as (-d udp.port==N,stelp). A port already taken
 * by another protocol is logged by the engine as a warning (TRAWL_EEXIST); decode-as settles it.
 */
static int myproto_handoff(struct trawl_init *ctx)
{
    struct stelp_state *st = trawl_init_state(ctx);
    if (trawl_table_add(ctx, "udp.port", st->port, st->proto) == TRAWL_ENOENT)
        trawl_init_log(ctx, TRAWL_LOG_INFO, "no \"udp.port\" table in this run: stelp is not attached");
    trawl_heur_add(ctx, "udp", &stelp_heur, st->proto);
    return 0;
}

/* Called once when the engine is freed (also after a failed init) with the state we set. */
static void myproto_fini(void *state) { free(state); }

/* ---- the descriptor: the ONLY exported symbol ------------------------------------------------
 * The macro fills the magic and the ABI version this file was compiled against; the loader
 * checks those before it reads anything else. No __attribute__((constructor)), no code that
 * runs at dlopen: it would run before those checks. Everything happens in init/handoff/fini.
 */
TRAWL_PLUGIN_DESCRIPTOR(
    .name = "myproto",
    .version = "1.0.0",
    .summary = "Simple Telemetry Protocol (stelp), the SDK's template dissector",
    .requires = NULL,          /* e.g. (const char *const[]){ "udp", NULL } to need udp */
    .init = myproto_init,
    .handoff = myproto_handoff,
    .fini = myproto_fini);
