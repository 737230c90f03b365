/* views.h — the analyst's views the trawl command prints after a run (-z, as tshark's):
 * conversation tables (conv,eth|ip|ipv6|tcp|udp) and followed TCP streams
 * (follow,tcp,ascii|hex|raw,N). They are built from the engine's flow-end and follow callbacks
 * (and, for conv,eth and the time origin, the packet callback). */
#ifndef TRAWL_HOST_VIEWS_H
#define TRAWL_HOST_VIEWS_H

#include <stdbool.h>
#include <stdio.h>
#include "trawl/engine.h"

struct views;

/* An empty set of views (NULL: out of memory). */
struct views *views_new(void);
void views_free(struct views *v);
/* One -z argument. Returns 0, or -1 after saying on stderr what is wrong. */
int views_parse(struct views *v, const char *spec);
bool views_any(const struct views *v);
/* After trawl_engine_start, before any input: registers the engine callbacks the views need
 * (the packet, flow-end and follow callbacks). Returns 0, or -1 after saying why. */
int views_attach(struct views *v, struct trawl_engine *e);
/* After trawl_engine_finish: prints every view, in the order they were given. Returns 0, or -1
 * when writing failed. */
int views_print(struct views *v, FILE *out);

#endif
