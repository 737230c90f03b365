/* cli_util.h — run the built trawl binary and capture what it prints (CLI tests). */
#ifndef TRAWL_TEST_CLI_UTIL_H
#define TRAWL_TEST_CLI_UTIL_H
#include <stddef.h>
struct run { int status; char *out; char *err; size_t out_len; };
/* Runs `$TRAWL_BUILD/bin/trawl ARGS` through /bin/sh (args is a shell fragment); stdin from
 * `input` when not NULL. Free with run_free. */
struct run run_trawl(const char *args, const char *input_file);
void run_free(struct run *r);
const char *trawl_bin(void);
/* Number of lines in s. */
size_t count_lines(const char *s);
#endif
