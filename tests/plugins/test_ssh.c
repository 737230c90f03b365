/* test_ssh.c — the ssh plugin (suite "ssh"): banners, the clear binary packets up to NEWKEYS,
 * KEXINIT's name lists, HASSH / HASSH-server, and the ssh record.
 *
 * Capture values are what tshark 4.0 prints for ssh-session.pcap and ssh-ed25519-kex.pcap
 * (`tshark -T fields -e ssh.*`); the HASSH of OpenSSH 7.8's client, ec7378c1..., is also the one
 * the HASSH authors publish for it. Synthetic conversations cover what the captures lack:
 * banners cut or without a line end, lying packet lengths, name lists past the packet, a
 * KEXINIT split across segments, and the heuristic on another port.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "../pktgen.h"

#define T0 1700000000000000000LL
#define FIELD_IS(t, f, v) CU_ASSERT_STRING_EQUAL(th_field(t, f), v)
#define REC_IS(t, i, c, v) CU_ASSERT_STRING_EQUAL(trawl_test_record_value(t, "ssh", i, c), v)

static struct th *start(void)
{
    const char *dirs[] = { th_plugin_dir(), NULL };
    struct th *t = trawl_test_new_opts(dirs, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

/* ---- a capture, fed frame by frame (trawl_test_file_upto) ---------------------------------- */

struct pcapf { char path[512]; };

static struct pcapf pc_open(const char *name)
{
    struct pcapf p;
    snprintf(p.path, sizeof p.path, "%s/%s", th_captures_dir(), name);
    return p;
}

/* Feed frames up to and including `upto`; false at the end of the file. */
static bool pc_feed(struct th *t, struct pcapf *p, unsigned upto)
{
    return trawl_test_file_upto(t, p->path, upto) == 0;
}

/* The rest of the capture (flows end at the end of input: records). */
static void pc_rest(struct th *t, struct pcapf *p)
{
    CU_ASSERT_EQUAL(trawl_test_file_upto(t, p->path, UINT64_MAX), 0);
}

/* ---- a synthetic conversation -------------------------------------------------------------- */

struct conv { struct th *t; struct pg_ep c, s; uint32_t cseq, sseq; };
static uint8_t frame_buf[70000];

static void seg(struct conv *v, int dir, uint8_t flags, const void *p, size_t n)
{
    const struct pg_ep *src = dir ? &v->s : &v->c, *dst = dir ? &v->c : &v->s;
    uint32_t *seq = dir ? &v->sseq : &v->cseq;
    uint32_t ack = dir ? v->cseq : v->sseq;
    size_t len = pg_ipv4(frame_buf, 6, src, dst, *seq, ack, flags, 65535, p, n);
    CU_ASSERT_EQUAL(th_bytes(v->t, 1, frame_buf, (uint32_t)len, (uint32_t)len), 0);
    *seq += (uint32_t)n + ((flags & (PG_SYN | PG_FIN)) ? 1 : 0);
}

static void sstr(struct conv *v, int dir, const char *s) { seg(v, dir, PG_ACK | PG_PSH, s, strlen(s)); }

static struct conv conv_new(uint16_t sport)
{
    struct conv v = { start(), pg_v4(10, 0, 0, 1, 40000), pg_v4(10, 0, 0, 2, sport), 1000, 5000 };
    trawl_test_set_time(v.t, T0);
    seg(&v, 0, PG_SYN, NULL, 0);
    seg(&v, 1, PG_SYN | PG_ACK, NULL, 0);
    seg(&v, 0, PG_ACK, NULL, 0);
    return v;
}

struct msg { uint8_t b[4096]; size_t n; };
static void m_u8(struct msg *m, uint8_t x) { m->b[m->n++] = x; }
static void m_u32(struct msg *m, uint32_t x) { for (int i = 3; i >= 0; i--) m_u8(m, (uint8_t)(x >> (8 * i))); }
static void m_str(struct msg *m, const char *s) { m_u32(m, (uint32_t)strlen(s)); memcpy(m->b + m->n, s, strlen(s)); m->n += strlen(s); }

/* A KEXINIT packet (padding 4) with these ten lists. */
static void kexinit(struct msg *m, const char *const l[10])
{
    struct msg p = { .n = 0 };
    m_u8(&p, 20);
    for (int i = 0; i < 16; i++) m_u8(&p, (uint8_t)i);
    for (int i = 0; i < 10; i++) m_str(&p, l[i]);
    m_u8(&p, 0);
    m_u32(&p, 0);
    m->n = 0;
    m_u32(m, (uint32_t)(p.n + 1 + 4));
    m_u8(m, 4);
    memcpy(m->b + m->n, p.b, p.n);
    m->n += p.n;
    m_u32(m, 0);                                   /* the padding */
}

static const char *const client_lists[10] = {
    "curve25519-sha256,diffie-hellman-group14-sha256", "ssh-ed25519,rsa-sha2-256",
    "aes128-ctr,chacha20-poly1305@openssh.com", "aes128-ctr", "hmac-sha2-256,hmac-sha1", "hmac-sha2-256",
    "none,zlib", "none", "", "",
};
static const char *const server_lists[10] = {
    "diffie-hellman-group14-sha256,curve25519-sha256", "rsa-sha2-256", "chacha20-poly1305@openssh.com,aes128-ctr",
    "aes128-ctr", "hmac-sha1,hmac-sha2-256", "hmac-sha1", "zlib,none", "none", "", "",
};

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_capture_session(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("ssh-session.pcap");
    CU_ASSERT(pc_feed(t, &p, 4));
    FIELD_IS(t, "ssh.protocol", "SSH-2.0-OpenSSH_7.8");
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:tcp:ssh");
    CU_ASSERT(pc_feed(t, &p, 6));
    FIELD_IS(t, "ssh.protocol", "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u3");
    CU_ASSERT(pc_feed(t, &p, 8));
    FIELD_IS(t, "ssh.packet_length", "1388");
    FIELD_IS(t, "ssh.padding_length", "4");
    FIELD_IS(t, "ssh.message_code", "20");
    FIELD_IS(t, "ssh.cookie", "ab01f5e12a4b20b630b0d383ba6dff71");
    FIELD_IS(t, "ssh.kex_algorithms_length", "269");
    FIELD_IS(t, "ssh.kex_algorithms", "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
             "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
             "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,ext-info-c");
    FIELD_IS(t, "ssh.compression_algorithms_client_to_server", "none,zlib@openssh.com,zlib");
    FIELD_IS(t, "ssh.kex.hassh", "ec7378c1a92f5a8dde7e8b7a1ddf33d1");
    FIELD_IS(t, "ssh.kex.hasshserver", "");
    CU_ASSERT(pc_feed(t, &p, 9));
    FIELD_IS(t, "ssh.packet_length", "492");
    FIELD_IS(t, "ssh.padding_length", "10");
    FIELD_IS(t, "ssh.server_host_key_algorithms", "ssh-ed25519,ssh-rsa,rsa-sha2-512,rsa-sha2-256");
    FIELD_IS(t, "ssh.encryption_algorithms_client_to_server", "chacha20-poly1305@openssh.com,aes256-ctr,aes256-gcm@openssh.com");
    FIELD_IS(t, "ssh.mac_algorithms_client_to_server", "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com");
    FIELD_IS(t, "ssh.first_kex_packet_follows", "0");
    FIELD_IS(t, "ssh.kex.reserved", "00000000");
    FIELD_IS(t, "ssh.kex.hasshserver", "c099ec12a2b4c3b347f8f17d966469ed");
    FIELD_IS(t, "ssh.kex.hassh", "");
    /* The record is made once both KEXINITs are in. */
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "ssh"), 1);
    CU_ASSERT(pc_feed(t, &p, 14));
    FIELD_IS(t, "ssh.packet_length", "604,12");
    FIELD_IS(t, "ssh.padding_length", "5,10");
    FIELD_IS(t, "ssh.message_code", "31,21");
    CU_ASSERT(pc_feed(t, &p, 16));
    FIELD_IS(t, "ssh.message_code", "21");                 /* the client's NEWKEYS */
    CU_ASSERT(pc_feed(t, &p, 18));
    CU_ASSERT_STRING_EQUAL(th_layers(t), "eth:ip:tcp:ssh");    /* encrypted: no fields */
    FIELD_IS(t, "ssh.packet_length", "");
    CU_ASSERT_EQUAL(th_errors(t), 0);
    pc_rest(t, &p);
    th_finish(t);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "ssh"), 1);
    REC_IS(t, 0, "id.resp_p", "22");
    REC_IS(t, 0, "version", "2");
    REC_IS(t, 0, "client", "SSH-2.0-OpenSSH_7.8");
    REC_IS(t, 0, "server", "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u3");
    REC_IS(t, 0, "cipher_alg", "chacha20-poly1305@openssh.com");
    REC_IS(t, 0, "mac_alg", "hmac-sha2-256-etm@openssh.com");
    REC_IS(t, 0, "compression_alg", "none");
    REC_IS(t, 0, "kex_alg", "curve25519-sha256@libssh.org");
    REC_IS(t, 0, "host_key_alg", "rsa-sha2-512");
    REC_IS(t, 0, "hassh", "ec7378c1a92f5a8dde7e8b7a1ddf33d1");
    REC_IS(t, 0, "hasshServer", "c099ec12a2b4c3b347f8f17d966469ed");
    REC_IS(t, 0, "sshka", "ssh-ed25519,ssh-rsa,rsa-sha2-512,rsa-sha2-256");
    REC_IS(t, 0, "hasshServerAlgorithms", "curve25519-sha256@libssh.org,diffie-hellman-group18-sha512,"
           "diffie-hellman-group16-sha512;chacha20-poly1305@openssh.com,aes256-ctr,aes256-gcm@openssh.com;"
           "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com;none,zlib@openssh.com");
    REC_IS(t, 0, "first_frame", "1");
    REC_IS(t, 0, "last_frame", "9");
    CU_ASSERT(strncmp(trawl_test_record_value(t, "ssh", 0, "community_id"), "1:", 2) == 0);
    th_free(t);
}

static void test_capture_ed25519(void)
{
    struct th *t = start();
    struct pcapf p = pc_open("ssh-ed25519-kex.pcap");
    CU_ASSERT(pc_feed(t, &p, 8));
    FIELD_IS(t, "ssh.cookie", "2ddfb72a2af087598f1ed51eba1005e3");
    FIELD_IS(t, "ssh.kex_algorithms_length", "276");
    FIELD_IS(t, "ssh.kex.hassh", "78c05d999799066a2b4554ce7b1585a6");
    CU_ASSERT(pc_feed(t, &p, 11));
    FIELD_IS(t, "ssh.packet_length", "1228,12");
    FIELD_IS(t, "ssh.message_code", "31,21");
    pc_rest(t, &p);
    th_finish(t);
    CU_ASSERT_EQUAL(trawl_test_record_count(t, "ssh"), 1);
    REC_IS(t, 0, "kex_alg", "sntrup761x25519-sha512@openssh.com");
    REC_IS(t, 0, "host_key_alg", "ssh-ed25519");
    REC_IS(t, 0, "mac_alg", "umac-64-etm@openssh.com");
    REC_IS(t, 0, "hasshServer", "a984ff804585fabe3cd08f4b3849024a");
    th_free(t);
}

/* Negotiation follows the client's order; the record waits for both KEXINITs, the second of
 * which comes in two segments (its fields on the frame that completes it). */
static void test_negotiation_split(void)
{
    struct conv v = conv_new(22);
    sstr(&v, 0, "SSH-2.0-test_client\r\n");
    sstr(&v, 1, "a line before the banner\r\nSSH-2.0-test_server\r\n");
    FIELD_IS(v.t, "ssh.protocol", "SSH-2.0-test_server");
    struct msg m;
    kexinit(&m, client_lists);
    seg(&v, 0, PG_ACK, m.b, m.n);
    FIELD_IS(v.t, "ssh.kex_algorithms", client_lists[0]);
    FIELD_IS(v.t, "ssh.languages_client_to_server", "");
    FIELD_IS(v.t, "ssh.kex.hassh_algorithms",
             "curve25519-sha256,diffie-hellman-group14-sha256;aes128-ctr,chacha20-poly1305@openssh.com;"
             "hmac-sha2-256,hmac-sha1;none,zlib");
    FIELD_IS(v.t, "ssh.kex.hassh", "9d0eb7d8a042e210ccdc770139eb3734");
    kexinit(&m, server_lists);
    seg(&v, 1, PG_ACK, m.b, 30);
    FIELD_IS(v.t, "ssh.message_code", "");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "ssh"), 0);
    seg(&v, 1, PG_ACK, m.b + 30, m.n - 30);
    FIELD_IS(v.t, "ssh.message_code", "20");
    FIELD_IS(v.t, "ssh.kex.hasshserver_algorithms",
             "diffie-hellman-group14-sha256,curve25519-sha256;aes128-ctr;hmac-sha1;none");
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "ssh"), 1);
    REC_IS(v.t, 0, "kex_alg", "curve25519-sha256");
    REC_IS(v.t, 0, "host_key_alg", "rsa-sha2-256");
    REC_IS(v.t, 0, "cipher_alg", "aes128-ctr");
    REC_IS(v.t, 0, "mac_alg", "hmac-sha2-256");
    REC_IS(v.t, 0, "compression_alg", "none");
    REC_IS(v.t, 0, "client", "SSH-2.0-test_client");
    REC_IS(v.t, 0, "server", "SSH-2.0-test_server");
    th_finish(v.t);
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "ssh"), 1);   /* not twice */
    th_free(v.t);
}

static void test_banner_cut(void)
{
    struct conv v = conv_new(22);
    sstr(&v, 0, "SSH-2.0-no_line_end");
    FIELD_IS(v.t, "ssh.protocol", "");
    CU_ASSERT_EQUAL(th_errors(v.t), 0);
    sstr(&v, 0, "_yet\r\n");
    FIELD_IS(v.t, "ssh.protocol", "SSH-2.0-no_line_end_yet");
    /* The server's banner never ends: at the end a record with the client's banner only. */
    sstr(&v, 1, "SSH-1.99-");
    FIELD_IS(v.t, "ssh.protocol", "");
    th_finish(v.t);
    CU_ASSERT_EQUAL(trawl_test_record_count(v.t, "ssh"), 1);
    REC_IS(v.t, 0, "client", "SSH-2.0-no_line_end_yet");
    REC_IS(v.t, 0, "server", "");
    REC_IS(v.t, 0, "version", "2");
    REC_IS(v.t, 0, "hassh", "");
    th_free(v.t);

    /* 300 bytes without a line end: not a banner, flagged, the direction given up. */
    v = conv_new(22);
    char longl[301];
    memset(longl, 'A', 300);
    longl[300] = 0;
    memcpy(longl, "SSH-2.0-", 8);
    sstr(&v, 0, longl);
    CU_ASSERT(th_layer_errors(v.t, "ssh") & TRAWL_BUF_MALFORMED);
    FIELD_IS(v.t, "ssh.protocol", "");
    sstr(&v, 0, "\r\n");
    FIELD_IS(v.t, "ssh.protocol", "");
    th_free(v.t);
}

static void test_lying_lengths(void)
{
    /* A packet length past any packet: shown, flagged, and the direction is not read on. */
    struct conv v = conv_new(22);
    sstr(&v, 0, "SSH-2.0-c\r\n");
    static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0x00, 4, 20, 1, 2, 3, 4 };
    seg(&v, 0, PG_ACK, huge, sizeof huge);
    FIELD_IS(v.t, "ssh.packet_length", "4294967040");
    FIELD_IS(v.t, "ssh.message_code", "");
    CU_ASSERT(th_layer_errors(v.t, "ssh") & TRAWL_BUF_MALFORMED);
    struct msg m;
    kexinit(&m, client_lists);
    seg(&v, 0, PG_ACK, m.b, m.n);
    FIELD_IS(v.t, "ssh.kex_algorithms", "");
    th_free(v.t);

    /* Padding as long as the packet. */
    v = conv_new(22);
    sstr(&v, 0, "SSH-2.0-c\r\n");
    static const uint8_t pad[] = { 0, 0, 0, 8, 8, 20, 0, 0, 0, 0, 0, 0 };
    seg(&v, 0, PG_ACK, pad, sizeof pad);
    FIELD_IS(v.t, "ssh.packet_length", "8");
    FIELD_IS(v.t, "ssh.padding_length", "8");
    CU_ASSERT(th_layer_errors(v.t, "ssh") & TRAWL_BUF_MALFORMED);
    th_free(v.t);

    /* A name list whose length runs past the packet: its length shown, the list not. */
    v = conv_new(22);
    sstr(&v, 0, "SSH-2.0-c\r\n");
    struct msg p = { .n = 0 };
    m_u32(&p, 0); m_u8(&p, 4); m_u8(&p, 20);
    for (int i = 0; i < 16; i++) m_u8(&p, 0xaa);
    m_str(&p, "curve25519-sha256");
    m_u32(&p, 1000);                                /* server_host_key_algorithms: lies */
    memcpy(p.b + p.n, "ssh-rsa", 7); p.n += 7;
    m_u32(&p, 0);                                   /* the padding */
    p.b[3] = (uint8_t)(p.n - 4);
    seg(&v, 0, PG_ACK, p.b, p.n);
    FIELD_IS(v.t, "ssh.message_code", "20");
    FIELD_IS(v.t, "ssh.kex_algorithms", "curve25519-sha256");
    FIELD_IS(v.t, "ssh.server_host_key_algorithms_length", "1000");
    FIELD_IS(v.t, "ssh.server_host_key_algorithms", "");
    FIELD_IS(v.t, "ssh.kex.hassh", "");
    CU_ASSERT(th_layer_errors(v.t, "ssh") & TRAWL_BUF_MALFORMED);
    th_finish(v.t);
    REC_IS(v.t, 0, "hassh", "");
    th_free(v.t);
}

static void test_heuristic(void)
{
    struct conv v = conv_new(2222);
    sstr(&v, 1, "SSH-2.0-elsewhere\r\n");
    FIELD_IS(v.t, "ssh.protocol", "SSH-2.0-elsewhere");
    th_free(v.t);

    v = conv_new(2222);
    sstr(&v, 1, "SSH-3.0-nope\r\n");                /* neither 2.0 nor 1.99 */
    CU_ASSERT_STRING_EQUAL(th_layers(v.t), "eth:ip:tcp");
    FIELD_IS(v.t, "ssh.protocol", "");
    th_free(v.t);
}

void test_ssh_register(void);
void test_ssh_register(void)
{
    CU_pSuite s = CU_add_suite("ssh", NULL, NULL);
    CU_add_test(s, "capture: ssh-session (OpenSSH 7.8 to 7.4)", test_capture_session);
    CU_add_test(s, "capture: ssh-ed25519-kex", test_capture_ed25519);
    CU_add_test(s, "negotiation, pre-banner lines, a KEXINIT in two segments", test_negotiation_split);
    CU_add_test(s, "banners cut, without a line end, too long", test_banner_cut);
    CU_add_test(s, "lying packet, padding and name-list lengths", test_lying_lengths);
    CU_add_test(s, "heuristic on another port", test_heuristic);
}
