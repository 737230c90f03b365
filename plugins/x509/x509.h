/* x509.h — the contract of the `x509` protocol for its callers (tls, quic, ...).
 *
 * In handoff:   const struct trawl_proto *x509 = trawl_proto_find(ctx, "x509");
 * At dissect:   b = a view of exactly one certificate's DER bytes (Certificate ::= SEQUENCE {
 *               tbsCertificate, signatureAlgorithm, signature }), len = the length the
 *               caller's framing gives, caplen = what was captured of it;
 *               trawl_packet_hint(pkt, X509_HINT_END_ENTITY | X509_HINT_FROM_CLIENT ...);
 *               trawl_dissect_proto(pkt, x509, &b);
 * The fields (x509af.*, x509ce.*, x509if.*, x509sat.*, as tshark 4.0) land on pkt, one `x509`
 * record is made per certificate (Zeek's x509.log).
 */
#ifndef TRAWL_PLUGIN_X509_H
#define TRAWL_PLUGIN_X509_H

#include "trawl/dissect.h"

/* The first certificate of a chain: the host's own (Zeek's host_cert). */
#define X509_HINT_END_ENTITY  (TRAWL_HINT_PROTO << 0)
/* Sent by the client (a client certificate: Zeek's client_cert). */
#define X509_HINT_FROM_CLIENT (TRAWL_HINT_PROTO << 1)

#endif
