/* test_ndpi.c — JA4 end to end against nDPI (suite "ndpi"): every TLS and QUIC flow for which
 * nDPI's own expected output (../shared/captures/oracle/ndpi/CAPTURE.out, ntop/nDPI's test
 * results) prints a JA4 must have an ssl record from `trawl --records json` with the same JA4 —
 * except where nDPI departs from the JA4 specification (FoxIO's JA4+ spec): those flows are
 * listed below with the value the specification gives, which trawl must print, and why nDPI's
 * differs. Flows are matched by their two endpoints, addresses compared as binary (nDPI writes
 * IPv6 addresses in its own way, "b00c::2" where RFC 5952 says "b00c:0:2"). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "cli_util.h"

struct deviation {
    const char *capture;
    unsigned client_port;
    const char *ndpi, *spec, *why;
};

/* nDPI 4.x's departures from the specification, each seen in its own expected outputs. */
static const struct deviation deviations[] = {
    /* JA4 a: "the first and last characters of the first ALPN value"; nDPI takes the first two. */
    { "rawip-tcp-udp-tls-codm.pcap", 45028, "t13d1713ht_5b57614c22b0_eca864cca44a",
      "t13d1713h1_5b57614c22b0_eca864cca44a", "ALPN http/1.1: spec 'h1', nDPI the first two characters" },
    { "tls13-client-only-unidirectional.pcapng", 39750, "t13d1713ht_5b57614c22b0_352634941f3a",
      "t13d1713h1_5b57614c22b0_352634941f3a", "ALPN http/1.1: spec 'h1', nDPI the first two characters" },
    { "tunnel-6in4-tls-http.pcap", 53234, "t12d1311sp_94beff773b37_06a4338d0495",
      "t12d1311s1_94beff773b37_06a4338d0495", "ALPN spdy/3.1: spec 's1', nDPI the first two characters" },
    /* nDPI's QUIC path writes '0' for the second ALPN character of "h3". */
    { "quic-v1-google-meet.pcapng", 59369, "q13d0311h0_55b375c5d22e_5a1f323ef56d",
      "q13d0311h3_55b375c5d22e_5a1f323ef56d", "QUIC ALPN h3: spec 'h3', nDPI 'h0'" },
    { "pcapng-sll-dsb-quic-v2-http3.pcapng", 42086, "q13d0310h0_55b375c5d22e_0a3b52e28cea",
      "q13d0310h3_55b375c5d22e_0a3b52e28cea", "QUIC ALPN h3: spec 'h3', nDPI 'h0'" },
    /* JA4 a: 'd' when the ClientHello has a server_name extension, 'i' when not; nDPI writes
     * 'd' for these ClientHellos, which have none (nDPI itself flags "Missing SNI" on the QUIC
     * one). The QUIC one also starts its ALPN list with "h3-34": spec 'h4', nDPI 'h3'. */
    { "quic-v1-ch-split-multiple-packets-ipv6.pcapng", 58822, "q00d0307h3_55b375c5d22e_af0a630e9e67",
      "q00i0307h4_55b375c5d22e_af0a630e9e67", "no SNI: spec 'i'; ALPN h3-34: spec 'h4'" },
    { "sll-kakaotalk-dns-tls-http.pcap", 35503, "t10d350200_1f24bcc5f17d_33a13ba74d1c",
      "t10i350200_1f24bcc5f17d_33a13ba74d1c", "no SNI: spec 'i', nDPI 'd'" },
    { "sll-kakaotalk-dns-tls-http.pcap", 45213, "t10d350200_1f24bcc5f17d_33a13ba74d1c",
      "t10i350200_1f24bcc5f17d_33a13ba74d1c", "no SNI: spec 'i', nDPI 'd'" },
    { "sll-kakaotalk-dns-tls-http.pcap", 35511, "t10d350200_1f24bcc5f17d_33a13ba74d1c",
      "t10i350200_1f24bcc5f17d_33a13ba74d1c", "no SNI: spec 'i', nDPI 'd'" },
    { "sll-kakaotalk-dns-tls-http.pcap", 37821, "t10d350200_1f24bcc5f17d_33a13ba74d1c",
      "t10i350200_1f24bcc5f17d_33a13ba74d1c", "no SNI: spec 'i', nDPI 'd'" },
    { "vlan-smtp-starttls-ipv6.pcap", 57406, "t10d290100_cdba58456bdf_e78b541c01a9",
      "t10i290100_cdba58456bdf_e78b541c01a9", "no SNI (after STARTTLS): spec 'i', nDPI 'd'" },
    { "tcp-ooo-retrans-ftp-auth-tls.pcap", 62092, "t12d410100_d572b635dddf_5f8d9ea464d3",
      "t12i410100_d572b635dddf_5f8d9ea464d3", "no SNI (after AUTH TLS): spec 'i', nDPI 'd'" },
    /* JA4 c: with no extensions left to hash the specification writes 000000000000; nDPI hashes
     * the empty string (e3b0c442...). */
    { "sll-kakaotalk-dns-tls-http.pcap", 58964, "t10d150000_e2ff6cb279ee_e3b0c44298fc",
      "t10i150000_e2ff6cb279ee_000000000000", "no SNI: spec 'i'; nothing to hash: spec 000000000000" },
};

struct ep { unsigned char a[16]; unsigned port; };

static bool parse_addr(const char *s, size_t n, unsigned char out[16])
{
    char buf[64];
    if (n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    memset(out, 0, 16);
    if (inet_pton(AF_INET6, buf, out) == 1) return true;
    out[10] = out[11] = 0xff;
    return inet_pton(AF_INET, buf, out + 12) == 1;
}

/* "1.2.3.4:443" or "[::1]:4443". */
static bool parse_ndpi_ep(const char *s, size_t n, struct ep *e)
{
    const char *colon = NULL;
    for (size_t i = 0; i < n; i++) if (s[i] == ':') colon = s + i;
    if (!colon) return false;
    const char *a = s, *end = colon;
    if (*a == '[') { a++; if (end[-1] == ']') end--; }
    e->port = (unsigned)atoi(colon + 1);
    return parse_addr(a, (size_t)(end - a), e->a);
}

static bool same_pair(const struct ep *a, const struct ep *b, const struct ep *c, const struct ep *d)
{
#define EQ(x, y) (!memcmp((x)->a, (y)->a, 16) && (x)->port == (y)->port)
    return (EQ(a, c) && EQ(b, d)) || (EQ(a, d) && EQ(b, c));
#undef EQ
}

/* A flat JSON line's string or number value for key, into out. */
static bool json_get(const char *line, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(line, pat);
    if (!p) return false;
    p += strlen(pat);
    size_t n = 0;
    if (*p == '"') {
        p++;
        while (p[n] && p[n] != '"') n++;
    } else {
        while (p[n] && p[n] != ',' && p[n] != '}') n++;
    }
    if (n >= cap) return false;
    memcpy(out, p, n);
    out[n] = 0;
    return true;
}

struct rec { struct ep a, b; char ja4[64]; };

static size_t ssl_records(const char *capture, struct rec *recs, size_t max)
{
    char args[1024];
    snprintf(args, sizeof args, "-r %s/%s -q --records json", th_captures_dir(), capture);
    struct run r = run_trawl(args, NULL);
    size_t n = 0;
    for (char *line = r.out; line && *line && n < max;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        char h1[64], p1[16], h2[64], p2[16];
        if (strstr(line, "\"_path\":\"ssl\"") && json_get(line, "id.orig_h", h1, sizeof h1) &&
            json_get(line, "id.orig_p", p1, sizeof p1) && json_get(line, "id.resp_h", h2, sizeof h2) &&
            json_get(line, "id.resp_p", p2, sizeof p2)) {
            struct rec *x = &recs[n];
            memset(x, 0, sizeof *x);
            if (parse_addr(h1, strlen(h1), x->a.a) && parse_addr(h2, strlen(h2), x->b.a)) {
                x->a.port = (unsigned)atoi(p1);
                x->b.port = (unsigned)atoi(p2);
                json_get(line, "ja4", x->ja4, sizeof x->ja4);
                n++;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    run_free(&r);
    return n;
}

static void test_ja4_against_ndpi(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/oracle/ndpi", th_captures_dir());
    DIR *d = opendir(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    unsigned flows = 0, same = 0, deviating = 0, bad = 0;
    static struct rec recs[512];
    for (struct dirent *de; (de = readdir(d));) {
        size_t nl = strlen(de->d_name);
        if (nl < 5 || strcmp(de->d_name + nl - 4, ".out")) continue;
        char path[1200], capture[300];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(capture, sizeof capture, "%.*s", (int)(nl - 4), de->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t nrec = 0;
        bool loaded = false;
        char line[16384];
        while (fgets(line, sizeof line, f)) {
            const char *j = strstr(line, "[JA4: ");
            const char *t = strstr(line, "TCP ");
            if (!t) t = strstr(line, "UDP ");
            if (!j || !t) continue;
            /* "TCP A <-> B [" or "TCP A -> B [" */
            const char *a = t + 4, *arrow = strstr(a, " <-> "), *b;
            if (arrow) b = arrow + 5;
            else if ((arrow = strstr(a, " -> "))) b = arrow + 4;
            else continue;
            const char *bend = strchr(b, ' ');
            struct ep ea, eb;
            if (!bend || !parse_ndpi_ep(a, (size_t)(arrow - a), &ea) || !parse_ndpi_ep(b, (size_t)(bend - b), &eb))
                continue;
            char ndpi[64];
            const char *je = strchr(j + 6, ']');
            if (!je || (size_t)(je - j - 6) >= sizeof ndpi) continue;
            snprintf(ndpi, sizeof ndpi, "%.*s", (int)(je - j - 6), j + 6);
            if (!loaded) { nrec = ssl_records(capture, recs, sizeof recs / sizeof *recs); loaded = true; }
            flows++;
            const char *want = ndpi, *why = NULL;
            for (size_t i = 0; i < sizeof deviations / sizeof *deviations; i++)
                if (!strcmp(deviations[i].capture, capture) && !strcmp(deviations[i].ndpi, ndpi) &&
                    (deviations[i].client_port == ea.port || deviations[i].client_port == eb.port)) {
                    want = deviations[i].spec;
                    why = deviations[i].why;
                }
            const char *got = NULL;
            for (size_t i = 0; i < nrec && !got; i++)
                if (same_pair(&recs[i].a, &recs[i].b, &ea, &eb)) got = recs[i].ja4;
            if (got && !strcmp(got, want)) {
                if (why) deviating++; else same++;
            } else {
                bad++;
                fprintf(stderr, "  %s flow %u<->%u: nDPI %s, want %s, trawl %s\n", capture, ea.port, eb.port,
                        ndpi, want, got ? got : "(no ssl record)");
            }
        }
        fclose(f);
    }
    closedir(d);
    CU_ASSERT(flows >= 26);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(deviating, sizeof deviations / sizeof *deviations);
    if (bad) fprintf(stderr, "  JA4 vs nDPI: %u flows, %u equal, %u nDPI deviations, %u wrong\n", flows, same, deviating, bad);
}

void test_ndpi_register(void)
{
    CU_pSuite s = CU_add_suite("ndpi", NULL, NULL);
    CU_add_test(s, "JA4 of every TLS and QUIC flow nDPI reports", test_ja4_against_ndpi);
}
