/* logdir.c — a folder of logs, one file per record type (logdir.h). Built on the public sink
 * API only: it is the part the file-writing record sinks had each written again. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trawl/logdir.h"

struct logfile {
    FILE *f;
    struct trawl_out o;
    bool opened, failed;
};

struct trawl_logdir {
    struct trawl_sink *s;
    char *dir, *suffix;
    struct logfile *logs;      /* by record type id */
    uint32_t nlogs;
    bool stopped;
};

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; ; p++) {
        if (*p != '/' && *p)
            continue;
        char keep = *p;
        *p = 0;
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            return errno;
        *p = keep;
        if (!keep)
            break;
    }
    struct stat st;
    if (stat(path, &st) < 0)
        return errno;
    return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

static void logdir_free(struct trawl_logdir *d)
{
    for (uint32_t i = 0; i < d->nlogs; i++) {
        trawl_out_free(&d->logs[i].o);
        if (d->logs[i].f)
            fclose(d->logs[i].f);
    }
    free(d->logs);
    free(d->dir);
    free(d->suffix);
    free(d);
}

static void fail(struct trawl_logdir *d, struct logfile *l, const char *name, int err)
{
    l->failed = true;
    trawl_sink_log(d->s, TRAWL_LOG_ERROR, "%s/%s%s: %s", d->dir, name, d->suffix,
                   strerror(err ? err : EIO));
    if (!d->stopped) {
        d->stopped = true;
        trawl_sink_stop(d->s);   /* a file that cannot be written: end the run, like a full disk */
    }
}

int trawl_logdir_open(struct trawl_sink *s, const char *suffix, struct trawl_logdir **out)
{
    *out = NULL;
    struct trawl_logdir *d = calloc(1, sizeof *d);
    if (!d)
        return TRAWL_ENOMEM;
    const char *dir = trawl_sink_option(s, "dir");
    d->s = s;
    d->dir = strdup(dir && *dir ? dir : ".");
    d->suffix = strdup(suffix ? suffix : "");
    d->nlogs = trawl_sink_record_type_count(s);
    d->logs = calloc(d->nlogs ? d->nlogs : 1, sizeof *d->logs);
    if (!d->dir || !d->suffix || !d->logs) {
        logdir_free(d);
        return TRAWL_ENOMEM;
    }
    int err = make_dirs(d->dir);
    if (!err && access(d->dir, W_OK | X_OK) < 0)
        err = errno;
    if (err) {
        trawl_sink_log(s, TRAWL_LOG_ERROR, "dir=%s: %s", d->dir, strerror(err));
        logdir_free(d);
        return TRAWL_EIO;
    }
    *out = d;
    return 0;
}

struct trawl_out *trawl_logdir_out(struct trawl_logdir *d, const struct trawl_record_type *t,
                                   bool *created)
{
    if (created)
        *created = false;
    if (!d || !t || t->id >= d->nlogs)
        return NULL;             /* types are fixed at start: cannot happen */
    struct logfile *l = &d->logs[t->id];
    if (l->failed)
        return NULL;
    if (l->opened)
        return &l->o;
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s%s", d->dir, t->name, d->suffix) >= sizeof path) {
        fail(d, l, t->name, ENAMETOOLONG);
        return NULL;
    }
    l->f = fopen(path, "w");
    if (!l->f || trawl_out_init(&l->o, l->f, 0)) {
        int err = l->f ? ENOMEM : errno;
        if (l->f)
            fclose(l->f);
        l->f = NULL;
        fail(d, l, t->name, err);
        return NULL;
    }
    l->opened = true;
    if (created)
        *created = true;
    return &l->o;
}

bool trawl_logdir_check(struct trawl_logdir *d, const struct trawl_record_type *t)
{
    if (!d || !t || t->id >= d->nlogs)
        return false;
    struct logfile *l = &d->logs[t->id];
    if (!l->opened || l->failed)
        return false;
    if (TRAWL_UNLIKELY(l->o.err)) {
        fail(d, l, t->name, l->o.err);
        return false;
    }
    return true;
}

int trawl_logdir_close(struct trawl_logdir *d, trawl_logdir_tail_fn tail, void *user)
{
    if (!d)
        return 0;
    int rc = 0;
    for (uint32_t i = 0; i < d->nlogs; i++) {
        struct logfile *l = &d->logs[i];
        if (!l->opened)
            continue;
        const struct trawl_record_type *t = trawl_sink_record_type(d->s, i);
        if (tail && t && !l->failed)
            tail(user, t, &l->o);
        int err = trawl_out_flush(&l->o) ? l->o.err : 0;
        if (fclose(l->f) != 0 && !err)
            err = errno ? errno : EIO;
        l->f = NULL;
        if (err && !l->failed)
            trawl_sink_log(d->s, TRAWL_LOG_ERROR, "%s/%s%s: %s", d->dir, t ? t->name : "?",
                           d->suffix, strerror(err));
        if (err || l->failed)
            rc = TRAWL_EIO;
    }
    logdir_free(d);
    return rc;
}
