/* trawl/secrets.h — TLS secrets the engine was given, for dissectors that decrypt.
 *
 * Key log lines (NSS's SSLKEYLOGFILE format: "LABEL <client random, hex> <secret, hex>", e.g.
 * CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
 * CLIENT_RANDOM) come from two places:
 *   - pcapng Decryption Secrets Blocks of the TLS key log type, as the file is read: a block's
 *     secrets apply from the next frame on (what a one-pass reader such as tshark can use), so
 *     the output is the same whatever the number of worker threads;
 *   - the file named by -o tls.keylog_file=PATH, for every frame.
 * A dissector looks a secret up by label and the handshake's client random (QUIC Handshake
 * packets use the two handshake traffic secrets).
 */
#ifndef TRAWL_SECRETS_H
#define TRAWL_SECRETS_H

#include "common.h"

struct trawl_packet;

TRAWL_BEGIN_DECLS

/* Are there any secrets for this packet's frame? (cheap: skip the work of noting randoms) */
TRAWL_API bool trawl_tls_secrets_known(const struct trawl_packet *pkt);
/* The secret for (label, client random), known at this packet's frame, copied to out (up to
 * cap bytes); returns its length, 0 when none. */
TRAWL_API size_t trawl_tls_secret(const struct trawl_packet *pkt, const char *label,
                                  const uint8_t client_random[32], uint8_t *out, size_t cap);

TRAWL_END_DECLS
#endif
