/* test_flow.c — Community ID v1 against the spec's published vectors (seeds 0 and 1, both
 * directions, TCP, UDP, ICMP request/reply, ICMPv6 two-way and one-way types, a portless
 * protocol). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <string.h>

#include <trawl/trawl.h>

struct vec { const char *src, *dst; uint8_t proto; uint16_t sport, dport, seed; const char *want; };

static const struct vec vectors[] = {
    { "1.2.3.4", "5.6.7.8", 6, 1122, 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
    { "5.6.7.8", "1.2.3.4", 6, 3344, 1122, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
    { "1.2.3.4", "5.6.7.8", 17, 1122, 3344, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
    { "5.6.7.8", "1.2.3.4", 17, 3344, 1122, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
    { "1.2.3.4", "5.6.7.8", 1, 8, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },      /* echo request */
    { "5.6.7.8", "1.2.3.4", 1, 0, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },      /* its reply */
    { "fe80:1:203:405:607:809:a0b:c0d", "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", 58, 128, 0, 0,
      "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=" },
    { "1.2.3.4", "5.6.7.8", 46, 0, 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768=" },     /* RSVP: no ports */
    { "1.2.3.4", "5.6.7.8", 6, 1122, 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
    { "1.2.3.4", "5.6.7.8", 17, 1122, 3344, 1, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
    { "1.2.3.4", "5.6.7.8", 1, 8, 0, 1, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=" },
    { "fe80:1:203:405:607:809:a0b:c0d", "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", 58, 128, 0, 1,
      "1:IO27GQzPuCtNnwFvjWALMHu5tJE=" },
    /* seed 1 baseline: neighbor solicitation/advertisement both ways, and the other pairing */
    { "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 135, 0, 1, "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
    { "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 136, 0, 1, "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
    { "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 135, 0, 1, "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=" },
    { "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 136, 0, 1, "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=" },
    /* one-way ICMPv6 errors (type, code) */
    { "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 3, 0, 1, "1:lVEtCZpYu84Xqaa++3lXFyuu2n4=" },
    { "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 1, 4, 1, "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=" },
    /* an echo from the larger address: reordered before hashing */
    { "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 58, 128, 0, 1, "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=" },
};

static void test_community_id_vectors(void)
{
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const struct vec *v = &vectors[i];
        uint8_t s[16], d[16];
        int fam = strchr(v->src, ':') ? 6 : 4;
        CU_ASSERT_FATAL(inet_pton(fam == 4 ? AF_INET : AF_INET6, v->src, s) == 1);
        CU_ASSERT_FATAL(inet_pton(fam == 4 ? AF_INET : AF_INET6, v->dst, d) == 1);
        struct trawl_flow_tuple t = { (uint8_t)fam, v->proto, v->sport, v->dport, s, d };
        char id[TRAWL_COMMUNITY_ID_SIZE];
        CU_ASSERT_EQUAL(trawl_community_id(&t, v->seed, id), 0);
        CU_ASSERT_STRING_EQUAL(id, v->want);
    }
}

static void test_community_id_bad_input(void)
{
    uint8_t a[4] = { 1, 2, 3, 4 };
    char id[TRAWL_COMMUNITY_ID_SIZE];
    struct trawl_flow_tuple t = { 5, 6, 1, 2, a, a };
    CU_ASSERT_EQUAL(trawl_community_id(&t, 0, id), TRAWL_EINVAL);
    t.family = 4;
    t.dst = NULL;
    CU_ASSERT_EQUAL(trawl_community_id(&t, 0, id), TRAWL_EINVAL);
    CU_ASSERT_EQUAL(trawl_community_id(NULL, 0, id), TRAWL_EINVAL);
}

void test_flow_register(void);
void test_flow_register(void)
{
    CU_pSuite s = CU_add_suite("flow", NULL, NULL);
    CU_add_test(s, "Community ID v1: the spec's vectors", test_community_id_vectors);
    CU_add_test(s, "Community ID v1: bad input", test_community_id_bad_input);
}
