/* trawl/testing.h — a test harness for plugin authors: feed a packet (hex or bytes) or a
 * capture file through a real engine with real plugins, and read the fields back as the
 * strings `trawl -T fields` would print.
 *
 *     const char *dirs[] = { "build/plugins", ".", NULL };
 *     struct trawl_test *t = trawl_test_new(dirs, NULL);
 *     trawl_test_hex(t, 1, "ffffffffffff 001122334455 0800 45 00 ...");
 *     assert(!strcmp(trawl_test_field(t, "ip.ttl"), "64"));
 *     trawl_test_free(t);
 */
#ifndef TRAWL_TESTING_H
#define TRAWL_TESTING_H

#include "engine.h"

struct trawl_test;

TRAWL_BEGIN_DECLS

/* An engine with the plugins of every directory in plugin_dirs (or .so file) loaded and started, every field
 * wanted, the columns filled. decode_as: tshark-style specs applied after start. Lists are
 * NULL-terminated; either may be NULL. NULL on failure (reason on stderr). */
TRAWL_API struct trawl_test *trawl_test_new(const char *const *plugin_dirs, const char *const *decode_as);
/* The same with options set before start ("flow.timeout.udp=10", "myplugin.key=value"). */
TRAWL_API struct trawl_test *trawl_test_new_opts(const char *const *plugin_dirs,
                                                 const char *const *decode_as,
                                                 const char *const *options);
TRAWL_API void trawl_test_free(struct trawl_test *t);
TRAWL_API struct trawl_engine *trawl_test_engine(struct trawl_test *t);

/* Dissect one packet given as hex (spaces, colons, newlines allowed). 0, or -1 on bad hex. */
TRAWL_API int trawl_test_hex(struct trawl_test *t, int linktype, const char *hex);
/* Dissect one packet; len is the wire length (0: caplen), so len > caplen fakes a snaplen cut. */
TRAWL_API int trawl_test_bytes(struct trawl_test *t, int linktype, const uint8_t *p, uint32_t caplen,
                               uint32_t len);
/* The timestamp of the packets fed from now on (default 2023-11-14T22:13:20.123456789Z). */
TRAWL_API void trawl_test_set_time(struct trawl_test *t, int64_t ns);
/* End of input: flows end (their records come), analyzers finish. */
TRAWL_API int trawl_test_finish(struct trawl_test *t);
/* Records seen so far: how many of a type, and one column of the index-th of them (as
 * -T fields would print it; "" when unset). */
TRAWL_API unsigned trawl_test_record_count(struct trawl_test *t, const char *type);
TRAWL_API const char *trawl_test_record_value(struct trawl_test *t, const char *type,
                                              unsigned index, const char *column);
/* Step through a capture: dissect its frames, in order, up to frame `upto` (from where the last
 * call on the same path stopped), so the accessors describe frame `upto`; UINT64_MAX reads the
 * rest and closes it. 0, or -1 when the file has fewer frames (or cannot be read). */
TRAWL_API int trawl_test_file_upto(struct trawl_test *t, const char *path, uint64_t upto);
/* Read a capture file; afterwards the accessors below describe its LAST packet. */
TRAWL_API int trawl_test_file(struct trawl_test *t, const char *path);

/* All occurrences of a field in the last packet joined by ',' ("" when absent). Valid until
 * the next call on t. */
TRAWL_API const char *trawl_test_field(struct trawl_test *t, const char *name);
TRAWL_API unsigned trawl_test_count(struct trawl_test *t, const char *name);
/* TRAWL_BUF_TRUNCATED / TRAWL_BUF_MALFORMED of the last packet, or of one protocol's layer. */
TRAWL_API unsigned trawl_test_errors(struct trawl_test *t);
TRAWL_API unsigned trawl_test_layer_errors(struct trawl_test *t, const char *proto);
/* "eth:ip:udp" (the layers after frame), the info and protocol columns. */
TRAWL_API const char *trawl_test_layers(struct trawl_test *t);
TRAWL_API const char *trawl_test_info(struct trawl_test *t);
TRAWL_API const char *trawl_test_protocol(struct trawl_test *t);

TRAWL_END_DECLS
#endif
