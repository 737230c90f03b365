/* gen-flood.c — captures for the memory benchmark: many flows, or many fragments that never
 * complete, so `make bench` can show that memory stays under the configured caps.
 *
 *   gen-flood syn N OUT.pcap     N SYNs from distinct sources to one server (N flows)
 *   gen-flood frag N OUT.pcap    N first fragments (1400 bytes each, distinct ids), never completed
 *
 * Ethernet, IPv4, classic pcap (microseconds), one packet per microsecond. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pktgen.h"

static void put_le32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static int write_record(FILE *f, uint64_t i, const uint8_t *p, size_t n)
{
    uint8_t h[16];
    uint64_t us = 1700000000ull * 1000000 + i;
    put_le32(h, (uint32_t)(us / 1000000));
    put_le32(h + 4, (uint32_t)(us % 1000000));
    put_le32(h + 8, (uint32_t)n);
    put_le32(h + 12, (uint32_t)n);
    return fwrite(h, 1, 16, f) == 16 && fwrite(p, 1, n, f) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "syn") && strcmp(argv[1], "frag"))) {
        fprintf(stderr, "usage: gen-flood syn|frag N OUT.pcap\n");
        return 2;
    }
    uint64_t n = strtoull(argv[2], NULL, 10);
    FILE *f = fopen(argv[3], "wb");
    if (!f) { perror(argv[3]); return 1; }
    uint8_t gh[24] = { 0 };
    put_le32(gh, 0xa1b2c3d4);
    put_le16(gh + 4, 2);
    put_le16(gh + 6, 4);
    put_le32(gh + 16, 65535);
    put_le32(gh + 20, 1);
    if (fwrite(gh, 1, sizeof gh, f) != sizeof gh) { perror(argv[3]); return 1; }
    static uint8_t buf[2048], payload[1400];
    memset(payload, 0xab, sizeof payload);
    struct pg_ep server = pg_v4(192, 0, 2, 1, 80);
    for (uint64_t i = 0; i < n; i++) {
        struct pg_ep src = pg_v4(10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i, (uint16_t)(1024 + (i >> 24)));
        size_t len;
        if (argv[1][0] == 's') {
            len = pg_ipv4(buf, 6, &src, &server, (uint32_t)(i * 2654435761u), 0, PG_SYN, 64240, NULL, 0);
        } else {
            /* A UDP datagram's first fragment: MF set, the rest never comes. */
            len = pg_ipv4(buf, 17, &src, &server, (uint32_t)i, 0, 0, 0, payload, sizeof payload);
            uint8_t *ip = buf + 14;
            pg_put16(ip + 4, (uint16_t)i);          /* identification */
            pg_put16(ip + 6, 0x2000);               /* MF, offset 0 */
            pg_put16(ip + 10, 0);
            pg_put16(ip + 10, pg_csum(ip, 20, 0));
        }
        if (write_record(f, i, buf, len) < 0) { perror(argv[3]); return 1; }
    }
    return fclose(f) == 0 ? 0 : 1;
}
