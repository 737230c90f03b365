/* trawl/exchange.h — transactions that cross flows, joined in frame order.
 *
 * Some protocols' transactions span several flows: a DHCP client broadcasts, the server answers
 * its new address; a DHCPv6 client multicasts, the server answers its link-local address. Those
 * flows may live on different worker threads, so no dissector sees the whole transaction. The
 * way to join them (Zeek's dhcp.log does it by transaction id within 30 s):
 *
 *   1. the dissector makes an internal record per message (trawl_record_register_internal),
 *      whose first five columns, from some column C, are ts, uid, community_id, file_index and
 *      frame, filled by trawl_rec_message_id, then whatever the message says;
 *   2. the plugin's analyzer lists that record type and, in its record callback (frame order,
 *      one thread), calls trawl_exchange_join with the message's key (a transaction id): it
 *      gets the exchange to update — its own data, zeroed when the exchange opened, and the
 *      bookkeeping (first and last message, the flows' uids, the kinds of messages seen);
 *   3. an exchange ends when a later message comes more than `watch_ns` after its first, or
 *      when `max_open` are open and another begins (the oldest goes), or at
 *      trawl_exchanges_flush (the analyzer's finish): the emit callback makes its record, and
 *      trawl_rec_exchange_evidence fills community_id, file, first_frame and last_frame.
 *
 * plugins/dhcp and plugins/dhcpv6 are the models.
 */
#ifndef TRAWL_EXCHANGE_H
#define TRAWL_EXCHANGE_H

#include "common.h"
#include "flow.h"

struct trawl_packet;
struct trawl_record;

#define TRAWL_EXCHANGE_MAX_UIDS 10    /* flows named per exchange (Zeek's max_uids_per_log_entry) */
#define TRAWL_EXCHANGE_MAX_KINDS 50   /* messages listed (Zeek's max_msg_types_per_log_entry) */

struct trawl_exchange {
    uint64_t key;
    int64_t first_ns, last_ns;
    uint64_t first_frame, last_frame;
    uint32_t file;                                 /* the first message's input file */
    char community_id[TRAWL_COMMUNITY_ID_SIZE];    /* of the first message's flow */
    unsigned nuids, nkinds;
    char uids[TRAWL_EXCHANGE_MAX_UIDS][TRAWL_FLOW_UID_SIZE];   /* each flow once, in order */
    uint16_t kinds[TRAWL_EXCHANGE_MAX_KINDS];      /* the messages' kinds (types), in order */
    void *data;                                    /* the plugin's, data_size bytes */
};

struct trawl_exchanges;
typedef void (*trawl_exchange_emit_fn)(struct trawl_packet *ctx, const struct trawl_exchange *x, void *user);

TRAWL_BEGIN_DECLS

/* A table of open exchanges (NULL when out of memory). */
TRAWL_API struct trawl_exchanges *trawl_exchanges_new(size_t data_size, unsigned max_open, int64_t watch_ns,
                                                      trawl_exchange_emit_fn emit, void *user);
TRAWL_API void trawl_exchanges_free(struct trawl_exchanges *x);

/* The dissector's side: ts, uid, community_id, file_index and frame of the packet being
 * dissected (uid and community_id when it has a flow), five columns from col. */
TRAWL_API void trawl_rec_message_id(struct trawl_record *r, unsigned col, struct trawl_packet *pkt);

/* The analyzer's side: the exchange that `msg` (whose five id columns start at col) joins under
 * `key`, with `kind` appended to its kinds; exchanges that ended before it are emitted first.
 * NULL when msg lacks its ts. */
TRAWL_API struct trawl_exchange *trawl_exchange_join(struct trawl_exchanges *x, struct trawl_packet *ctx,
                                                     const struct trawl_record *msg, unsigned col,
                                                     uint64_t key, uint16_t kind);
/* Emit every open exchange, oldest first. */
TRAWL_API void trawl_exchanges_flush(struct trawl_exchanges *x, struct trawl_packet *ctx);

/* community_id, file, first_frame, last_frame: four columns from col, as trawl_rec_evidence. */
TRAWL_API void trawl_rec_exchange_evidence(struct trawl_record *r, unsigned col, struct trawl_packet *ctx,
                                           const struct trawl_exchange *x);

TRAWL_END_DECLS
#endif
