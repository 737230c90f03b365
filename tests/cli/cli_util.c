/* cli_util.c — see cli_util.h. */
#include "cli/cli_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *trawl_bin(void)
{
    static char path[1024];
    const char *b = getenv("TRAWL_BUILD");
    snprintf(path, sizeof path, "%s/bin/trawl", b && *b ? b : "build");
    return path;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return strdup("");
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) { char *nb = realloc(buf, cap *= 2); if (!nb) break; buf = nb; }
    }
    fclose(f);
    if (buf) buf[n] = 0;
    if (len) *len = n;
    return buf;
}

struct run run_trawl(const char *args, const char *input_file)
{
    struct run r = { -1, NULL, NULL, 0 };
    char out[] = "/tmp/trawl-cli-out-XXXXXX", err[] = "/tmp/trawl-cli-err-XXXXXX";
    int fo = mkstemp(out), fe = mkstemp(err);
    if (fo >= 0) close(fo);
    if (fe >= 0) close(fe);
    size_t need = strlen(args) + 3 * 1024;
    char *cmd = malloc(need);
    snprintf(cmd, need, "%s %s <%s >%s 2>%s", trawl_bin(), args, input_file ? input_file : "/dev/null", out, err);
    int st = system(cmd);
    free(cmd);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    r.out = slurp(out, &r.out_len);
    r.err = slurp(err, NULL);
    unlink(out);
    unlink(err);
    return r;
}

void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++) n += *s == '\n';
    return n;
}
