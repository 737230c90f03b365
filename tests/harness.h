/* harness.h — feed bytes through a real engine with the built plugins; read fields back as
 * tshark -T fields strings. Used by the plugin tests (and the SDK's test harness). */
#ifndef TRAWL_TEST_HARNESS_H
#define TRAWL_TEST_HARNESS_H
#include <stdint.h>
#include <trawl/trawl.h>

struct th;
/* An engine with every plugin of $TRAWL_BUILD/plugins (default build/plugins) loaded and
 * started, wanting all fields. NULL on failure (message on stderr). */
struct th *th_new(void);
/* The same with extra plugin directories/options before start: decode-as specs are applied
 * after start. Any list may be NULL. */
struct th *th_new_with(const char *const *plugin_dirs, const char *const *decode_as);
void th_free(struct th *t);
/* Dissect one packet given as hex (spaces, colons and newlines allowed). 0, or -1 on bad hex. */
int th_hex(struct th *t, int linktype, const char *hex);
/* Dissect one packet; len is the wire length (>= caplen; 0 means caplen). */
int th_bytes(struct th *t, int linktype, const uint8_t *p, uint32_t caplen, uint32_t len);
/* All occurrences of a field in the last packet joined by ',' ("" when absent). The string
 * lives until the next call on t. */
const char *th_field(struct th *t, const char *name);
/* How many occurrences the field has in the last packet. */
unsigned th_count(struct th *t, const char *name);
/* TRAWL_BUF_TRUNCATED / TRAWL_BUF_MALFORMED of the last packet. */
unsigned th_errors(struct th *t);
/* Error flags of the layer of protocol `proto` (0 when absent). */
unsigned th_layer_errors(struct th *t, const char *proto);
/* "eth:ip:tcp" (the layers after frame). */
const char *th_layers(struct th *t);
/* The engine, for tests that need more. */
struct trawl_engine *th_engine(struct th *t);
/* Directory of built plugins ("build/plugins" or $TRAWL_BUILD/plugins). */
const char *th_plugin_dir(void);
/* Directory of the shared captures ($TRAWL_CAPTURES or ../shared/captures). */
const char *th_captures_dir(void);
#endif
