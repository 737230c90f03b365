/* test_live.c — live capture through libpcap, with traffic the test generates itself:
 * on lo, and on a veth pair whose peer lives in a network namespace the test creates
 * (192.0.2.0/30, a documentation range, never routed anywhere; the namespace lives as long as
 * a child process that unshared it). Needs root (CI is root);
 * without it the tests say so and pass vacuously. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_util.h"

static bool can_capture(void)
{
    if (geteuid() == 0) return true;
    fprintf(stderr, "\n  [live capture tests need root: skipped]\n");
    return false;
}

/* Start trawl in the background with its stdout/stderr in files. */
static pid_t spawn(const char *args, char *out, char *err)
{
    strcpy(out, "/tmp/trawl-live-out-XXXXXX");
    strcpy(err, "/tmp/trawl-live-err-XXXXXX");
    int fo = mkstemp(out), fe = mkstemp(err);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fo, 1);
        dup2(fe, 2);
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "exec %s %s", trawl_bin(), args);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fo);
    close(fe);
    return pid;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* Send UDP datagrams until the child exits (bounded: 10 s). Returns its exit status. */
static int send_until_exit(pid_t pid, const char *dst, int port, const char *bind_dev)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (bind_dev) setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, bind_dev, (socklen_t)strlen(bind_dev));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, dst, &a.sin_addr);
    int status = -1;
    for (int i = 0; i < 500; i++) {
        sendto(s, "trawl-live-test", 15, 0, (struct sockaddr *)&a, sizeof a);
        sleep_ms(20);
        if (waitpid(pid, &status, WNOHANG) == pid) { close(s); return WIFEXITED(status) ? WEXITSTATUS(status) : 128; }
    }
    close(s);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

static char *slurp(const char *p)
{
    FILE *f = fopen(p, "r");
    static char buf[65536];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f) fclose(f);
    unlink(p);
    return strdup(buf);
}

static void test_live_lo(void)
{
    if (!can_capture()) return;
    char out[64], err[64];
    pid_t pid = spawn("-i lo -c 3 -f 'udp dst port 45999' -T fields -e udp.dstport -e ip.dst", out, err);
    sleep_ms(300);
    int st = send_until_exit(pid, "127.0.0.1", 45999, NULL);
    char *o = slurp(out), *e = slurp(err);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_STRING_EQUAL(o, "45999\t127.0.0.1\n45999\t127.0.0.1\n45999\t127.0.0.1\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "3 packets"));     /* counters at the end */
    free(o);
    free(e);
}

static int sh(const char *cmd) { int st = system(cmd); return WIFEXITED(st) ? WEXITSTATUS(st) : -1; }

/* A network namespace held by a child process (unshare), so no mount of /run/netns is needed
 * (chroots and minimal containers lack the mount propagation `ip netns add` wants). The child
 * configures its end of the veth pair when told, then waits to be killed. */
static pid_t netns_child(int *to_child, int *from_child)
{
    int a[2], b[2];
    if (pipe(a) < 0 || pipe(b) < 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(a[1]);
        close(b[0]);
        char c = unshare(CLONE_NEWNET) == 0 ? 'r' : 'x';
        if (write(b[1], &c, 1) != 1 || c == 'x') _exit(1);
        if (read(a[0], &c, 1) != 1) _exit(1);
        c = sh("ip addr add 192.0.2.2/30 dev trawlv1 && ip link set trawlv1 up && ip link set lo up") == 0 ? 'k' : 'x';
        if (write(b[1], &c, 1) != 1) _exit(1);
        pause();
        _exit(0);
    }
    close(a[0]);
    close(b[1]);
    *to_child = a[1];
    *from_child = b[0];
    return pid;
}

static void test_live_veth_netns(void)
{
    if (!can_capture()) return;
    int to = -1, from = -1;
    char c = 0, cmd[512];
    pid_t ns = netns_child(&to, &from);
    CU_ASSERT_FATAL(ns > 0);
    bool ok = read(from, &c, 1) == 1 && c == 'r';
    if (ok) {
        snprintf(cmd, sizeof cmd, "ip link del trawlv0 2>/dev/null; ip link add trawlv0 type veth peer name trawlv1 netns %d && "
                 "ip addr add 192.0.2.1/30 dev trawlv0 && ip link set trawlv0 up", (int)ns);
        ok = sh(cmd) == 0 && write(to, "g", 1) == 1 && read(from, &c, 1) == 1 && c == 'k';
    }
    if (!ok) {
        CU_FAIL("could not create the test network namespace and veth pair (iproute2 installed? root?)");
    } else {
        sleep_ms(200);
        char out[64], err[64];
        pid_t pid = spawn("-i trawlv0 -c 2 -f 'udp port 46000' -T fields -e ip.src -e ip.dst -e udp.dstport -e eth.type", out, err);
        sleep_ms(300);
        int st = send_until_exit(pid, "192.0.2.2", 46000, "trawlv0");
        char *o = slurp(out), *e = slurp(err);
        CU_ASSERT_EQUAL(st, 0);
        CU_ASSERT_STRING_EQUAL(o, "192.0.2.1\t192.0.2.2\t46000\t0x0800\n192.0.2.1\t192.0.2.2\t46000\t0x0800\n");
        if (st != 0) fprintf(stderr, "trawl said: %s\n", e);
        free(o);
        free(e);
    }
    sh("ip link del trawlv0 2>/dev/null");
    kill(ns, SIGKILL);
    waitpid(ns, NULL, 0);
    close(to);
    close(from);
}

static void test_live_sigint_stops_cleanly(void)
{
    if (!can_capture()) return;
    char out[64], err[64];
    pid_t pid = spawn("-i lo -f 'udp port 45998' -T fields -e frame.number", out, err);
    sleep_ms(500);
    kill(pid, SIGINT);
    int status = -1;
    for (int i = 0; i < 200 && waitpid(pid, &status, WNOHANG) != pid; i++) sleep_ms(25);
    char *o = slurp(out), *e = slurp(err);
    CU_ASSERT_TRUE(WIFEXITED(status));
    CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "packets"));
    free(o);
    free(e);
}

static void test_live_bad_interface(void)
{
    if (!can_capture()) return;
    struct run r = run_trawl("-i no-such-if0 -c 1", NULL);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "no-such-if0"));
    run_free(&r);
}

void test_live_register(void);
void test_live_register(void)
{
    CU_pSuite s = CU_add_suite("live", NULL, NULL);
    CU_add_test(s, "capture on lo with a BPF filter and -c", test_live_lo);
    CU_add_test(s, "capture on a veth pair into a test namespace", test_live_veth_netns);
    CU_add_test(s, "SIGINT stops cleanly with counters", test_live_sigint_stops_cleanly);
    CU_add_test(s, "unknown interface is named", test_live_bad_interface);
}
