/* trawl/plugin.h — what a plugin .so exports: exactly one descriptor.
 *
 *     TRAWL_PLUGIN_DESCRIPTOR(
 *         .name = "udp", .version = "1.0.0",
 *         .summary = "User Datagram Protocol (RFC 768)",
 *         .init = udp_init, .handoff = udp_handoff, .fini = udp_fini);
 *
 * The loader reads the first words (magic, ABI major/minor, descriptor size) before anything
 * else and refuses a plugin built for another ABI major or a newer minor, with a one-line
 * reason. RULE: no __attribute__((constructor)) and no code that runs at dlopen: it would run
 * before those checks. All work happens in init, handoff and fini.
 */
#ifndef TRAWL_PLUGIN_H
#define TRAWL_PLUGIN_H

#include "common.h"

#define TRAWL_PLUGIN_MAGIC  0x4c575254u          /* "TRWL" as little-endian bytes */
#define TRAWL_PLUGIN_SYMBOL "trawl_plugin_descriptor"

struct trawl_init;

struct trawl_plugin {
    /* Frozen forever, whatever the ABI major: */
    uint32_t magic;
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t size;             /* sizeof(struct trawl_plugin) as the plugin was compiled */
    uint32_t flags;            /* reserved, 0 */
    /* ABI 1.0: */
    const char *name;          /* [a-z0-9_-]+, unique in a run */
    const char *version;
    const char *summary;
    const char *const *requires;  /* NULL-terminated plugin names, or NULL */
    int  (*init)(struct trawl_init *ctx);     /* phase 1: declare; 0 or negative trawl_err */
    int  (*handoff)(struct trawl_init *ctx);  /* phase 2: attach; may be NULL */
    void (*fini)(void *state);                /* may be NULL; gets trawl_init_set_state's value */
};

#define TRAWL_PLUGIN_DESCRIPTOR(...)                                                     \
    TRAWL_API extern const struct trawl_plugin trawl_plugin_descriptor;                  \
    const struct trawl_plugin trawl_plugin_descriptor = {                                \
        .magic = TRAWL_PLUGIN_MAGIC, .abi_major = TRAWL_ABI_MAJOR,                       \
        .abi_minor = TRAWL_ABI_MINOR, .size = sizeof(struct trawl_plugin), __VA_ARGS__ }

TRAWL_BEGIN_DECLS

/* Per-engine plugin state: set it in init, read it in handoff; fini receives it. */
TRAWL_API void  trawl_init_set_state(struct trawl_init *ctx, void *state);
TRAWL_API void *trawl_init_state(struct trawl_init *ctx);
/* A plugin option from the profile or the command line (-o name.key=value), or NULL. */
TRAWL_API const char *trawl_init_option(struct trawl_init *ctx, const char *key);
/* Log against this plugin ("plugin NAME: ..."). */
TRAWL_API void trawl_init_log(struct trawl_init *ctx, enum trawl_log_level level,
                              const char *fmt, ...) TRAWL_PRINTF(3, 4);

TRAWL_END_DECLS
#endif
