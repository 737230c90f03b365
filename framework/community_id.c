/* community_id.c — Community ID v1 (corelight/community-id-spec).
 *
 *   id = "1:" base64( SHA-1( seed(2, BE) | addr_a | addr_b | proto(1) | 0(1) | port_a(2, BE) | port_b(2, BE) ) )
 *
 * The endpoints are ordered so both directions hash alike: (addr, port) of a is the smaller.
 * ICMP and ICMPv6 have no ports: the type stands for the source port and, for request/reply
 * pairs, the counterpart type for the destination port (two-way, ordered as above); any other
 * message uses its code and stays in the order it was seen (one-way). Ports are hashed only for
 * TCP, UDP, SCTP, ICMP and ICMPv6. SHA-1 and base64 come from OpenSSL's libcrypto.
 */
#include <openssl/evp.h>
#include <string.h>

#include "engine_internal.h"

static _Thread_local EVP_MD_CTX *cid_ctx;

/* A worker thread that ends frees its digest context (workers.c). */
void community_id_thread_end(void)
{
    EVP_MD_CTX_free(cid_ctx);
    cid_ctx = NULL;
}

/* Request/reply type pairs: a type maps to its counterpart (the spec's tables). */
static int icmp4_counterpart(uint16_t t)
{
    switch (t) {
    case 8: return 0;    case 0: return 8;      /* echo */
    case 13: return 14;  case 14: return 13;    /* timestamp */
    case 15: return 16;  case 16: return 15;    /* information */
    case 10: return 9;   case 9: return 10;     /* router solicitation / advertisement */
    case 17: return 18;  case 18: return 17;    /* address mask */
    default: return -1;
    }
}

static int icmp6_counterpart(uint16_t t)
{
    switch (t) {
    case 128: return 129; case 129: return 128; /* echo */
    case 130: return 131; case 131: return 130; /* multicast listener query / report */
    case 133: return 134; case 134: return 133; /* router solicitation / advertisement */
    case 135: return 136; case 136: return 135; /* neighbor solicitation / advertisement */
    case 139: return 140; case 140: return 139; /* node information query / reply */
    case 144: return 145; case 145: return 144; /* home agent address discovery */
    default: return -1;
    }
}

int trawl_icmp_counterpart(uint8_t proto, uint16_t type)
{
    return proto == 1 ? icmp4_counterpart(type) : proto == 58 ? icmp6_counterpart(type) : -1;
}

int trawl_community_id(const struct trawl_flow_tuple *t, uint16_t seed, char out[TRAWL_COMMUNITY_ID_SIZE])
{
    if (!t || (t->family != 4 && t->family != 6) || !t->src || !t->dst) return TRAWL_EINVAL;
    size_t alen = t->family == 4 ? 4 : 16;
    const uint8_t *a = t->src, *b = t->dst;
    uint16_t pa = t->sport, pb = t->dport;
    bool one_way = false;
    if (t->proto == 1 || t->proto == 58) {
        int other = t->proto == 1 ? icmp4_counterpart(t->sport) : icmp6_counterpart(t->sport);
        if (other >= 0) pb = (uint16_t)other;
        else one_way = true;                   /* pb stays the code */
    }
    bool ports = t->proto == 6 || t->proto == 17 || t->proto == 132 || t->proto == 1 || t->proto == 58;
    int c = memcmp(a, b, alen);
    if (!one_way && (c > 0 || (c == 0 && ports && pa > pb))) {
        const uint8_t *ta = a; a = b; b = ta;
        uint16_t tp = pa; pa = pb; pb = tp;
    }
    uint8_t msg[2 + 16 + 16 + 2 + 4];
    size_t n = 0;
    msg[n++] = (uint8_t)(seed >> 8);
    msg[n++] = (uint8_t)seed;
    memcpy(msg + n, a, alen); n += alen;
    memcpy(msg + n, b, alen); n += alen;
    msg[n++] = t->proto;
    msg[n++] = 0;
    if (ports) {
        msg[n++] = (uint8_t)(pa >> 8); msg[n++] = (uint8_t)pa;
        msg[n++] = (uint8_t)(pb >> 8); msg[n++] = (uint8_t)pb;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    /* One digest context per thread, reused: EVP_Digest would allocate on every call. */
    if (!cid_ctx && !(cid_ctx = EVP_MD_CTX_new())) return TRAWL_ENOMEM;
    EVP_MD_CTX *ctx = cid_ctx;
    if (!EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) || !EVP_DigestUpdate(ctx, msg, n) ||
        !EVP_DigestFinal_ex(ctx, digest, &dlen) || dlen != 20)
        return TRAWL_EINVAL;
    out[0] = '1';
    out[1] = ':';
    EVP_EncodeBlock((unsigned char *)out + 2, digest, 20);   /* 28 characters and a NUL */
    return 0;
}
