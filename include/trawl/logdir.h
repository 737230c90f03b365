/* trawl/logdir.h — a folder of logs, one file per record type: what the record sinks that write
 * files (zeek: DIR/conn.log, csv: DIR/conn.csv) share.
 *
 * The folder is the sink's dir=PATH option (default "."), created with its parents when
 * missing. A type's file, DIR/NAME+SUFFIX, is created when the type's first record comes (a
 * type with no record gets no file) and written through its own struct trawl_out. A file that
 * cannot be created or written is reported once ("DIR/NAME.log: No space left on device"),
 * takes no more rows, and ends the run (trawl_sink_stop), like a full disk.
 *
 *     open:    rc = trawl_logdir_open(s, ".log", &d);   (then trawl_sink_set_state, ...)
 *     record:  struct trawl_out *o = trawl_logdir_out(d, type, &created);
 *              if (!o) return;
 *              if (created) ... the header ...
 *              ... the row ...
 *              trawl_logdir_check(d, type);
 *     close:   return trawl_logdir_close(d, tail, user);
 *
 * plugins/zeek/ and plugins/csv/ are the examples.
 */
#ifndef TRAWL_LOGDIR_H
#define TRAWL_LOGDIR_H

#include "record.h"
#include "sink.h"

struct trawl_logdir;

/* Written at the end of each file that was created and never failed (a footer), or NULL. */
typedef void (*trawl_logdir_tail_fn)(void *user, const struct trawl_record_type *t, struct trawl_out *o);

TRAWL_BEGIN_DECLS

/* In a sink's open(): reads dir=, creates the folder and checks that files can be made in it.
 * suffix ends each file's name (".log"). 0 with *d set, TRAWL_ENOMEM, or TRAWL_EIO when the
 * folder is not usable (logged: "dir=PATH: reason"). */
TRAWL_API int trawl_logdir_open(struct trawl_sink *s, const char *suffix, struct trawl_logdir **d);

/* The output of t's file, created on the first call (then *created, if not NULL, is set true:
 * write the header). NULL when the file could not be created or has failed: drop the record. */
TRAWL_API struct trawl_out *trawl_logdir_out(struct trawl_logdir *d, const struct trawl_record_type *t,
                                             bool *created);

/* After a row: false when t's file has hit a write error (reported, the run stopped). */
TRAWL_API bool trawl_logdir_check(struct trawl_logdir *d, const struct trawl_record_type *t);

/* In close() (and on open()'s error paths): the tail of each good file, then every file
 * flushed and closed, and d freed (NULL: nothing). 0, or TRAWL_EIO when a file failed. */
TRAWL_API int trawl_logdir_close(struct trawl_logdir *d, trawl_logdir_tail_fn tail, void *user);

TRAWL_END_DECLS
#endif
