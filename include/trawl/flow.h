/* trawl/flow.h — conversations.
 *
 * So far: a flow's identity, the Community ID (v1) that Zeek, Suricata and SIEMs use to join
 * flows across tools. The conversation table, per-plugin flow state and stream reassembly
 * come with the flows work and will be declared here.
 */
#ifndef TRAWL_FLOW_H
#define TRAWL_FLOW_H

#include "common.h"

/* One direction of a flow as seen in a packet. For ICMP (proto 1) and ICMPv6 (58), sport is
 * the message type and dport the code; they are mapped to the spec's port equivalents. Ports
 * count only for TCP, UDP, SCTP, ICMP and ICMPv6. */
struct trawl_flow_tuple {
    uint8_t family;          /* 4 or 6 */
    uint8_t proto;           /* IP protocol number */
    uint16_t sport, dport;
    const uint8_t *src;      /* 4 or 16 bytes, network order */
    const uint8_t *dst;
};

/* "1:" + 28 base64 characters + NUL. */
#define TRAWL_COMMUNITY_ID_SIZE 31

TRAWL_BEGIN_DECLS

/* Community ID v1 (corelight/community-id-spec) of the flow t belongs to, the same for both
 * directions; seed is 0 unless a deployment chose another. Writes the NUL-terminated id to out;
 * returns 0, or TRAWL_EINVAL for a family other than 4 or 6. */
TRAWL_API int trawl_community_id(const struct trawl_flow_tuple *t, uint16_t seed,
                                 char out[TRAWL_COMMUNITY_ID_SIZE]);

TRAWL_END_DECLS
#endif
