/* host.h — what the trawl command's two entry points (trawl.c, test_plugin.c) share. */
#ifndef TRAWL_HOST_H
#define TRAWL_HOST_H

#include <stddef.h>
#include "trawl/engine.h"

/* Load plugins the way every trawl command does: each of paths (-P: a directory or one .so),
 * then the directories of $TRAWL_PLUGIN_PATH, then default_dir; never the current directory.
 * The first plugin of a name wins, so -P replaces an installed plugin. Refusals are logged by
 * the engine; returns how many -P directories could not be read (said on stderr). */
int host_load_plugins(struct trawl_engine *e, const char *const *paths, size_t npaths,
                      const char *default_dir);

#endif
