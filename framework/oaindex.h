/* oaindex.h — an open-addressing index of (tag, value) pairs (libtrawl-private): linear probing,
 * at most half full, deleted by backward shift (no tombstones). A lookup touches one slot, where
 * a chained hash costs a cache miss per link: the flow table asks on every packet.
 *
 * A tag is the caller's 64-bit hash (equal tags may hold different values: the caller's `eq`
 * tells them apart); a value of 0 marks an empty slot. Static inline, so a constant `eq` is
 * inlined into the probe loop. */
#ifndef TRAWL_OAINDEX_H
#define TRAWL_OAINDEX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct oa_slot { uint64_t tag, val; };
struct oa_index { struct oa_slot *s; size_t cap, n; };

static inline size_t oa_home(uint64_t tag, size_t cap)
{
    tag ^= tag >> 33;
    tag *= 0xff51afd7ed558ccdull;
    tag ^= tag >> 33;
    return (size_t)tag & (cap - 1);
}

/* The value with this tag that eq accepts (eq NULL: the tag alone), or 0. */
static inline uint64_t oa_find(const struct oa_index *x, uint64_t tag,
                               bool (*eq)(uint64_t val, const void *key), const void *key)
{
    if (!x->cap) return 0;
    for (size_t i = oa_home(tag, x->cap);; i = (i + 1) & (x->cap - 1)) {
        const struct oa_slot *s = &x->s[i];
        if (!s->val) return 0;
        if (s->tag == tag && (!eq || eq(s->val, key))) return s->val;
    }
}

static inline void oa_put(struct oa_slot *s, size_t cap, uint64_t tag, uint64_t val)
{
    size_t i = oa_home(tag, cap);
    while (s[i].val) i = (i + 1) & (cap - 1);
    s[i] = (struct oa_slot){ tag, val };
}

/* Add (val != 0); false when memory is short. */
static inline bool oa_add(struct oa_index *x, uint64_t tag, uint64_t val)
{
    if ((x->n + 1) * 2 > x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 1024;
        struct oa_slot *ns = calloc(nc, sizeof *ns);
        if (!ns) return false;
        for (size_t i = 0; i < x->cap; i++) if (x->s[i].val) oa_put(ns, nc, x->s[i].tag, x->s[i].val);
        free(x->s);
        x->s = ns;
        x->cap = nc;
    }
    oa_put(x->s, x->cap, tag, val);
    x->n++;
    return true;
}

/* Remove the entry (tag, val); later entries of its run move back into the hole when their home
 * allows. */
static inline void oa_del(struct oa_index *x, uint64_t tag, uint64_t val)
{
    if (!x->cap) return;
    size_t m = x->cap - 1, j = oa_home(tag, x->cap);
    while (!(x->s[j].tag == tag && x->s[j].val == val)) {
        if (!x->s[j].val) return;
        j = (j + 1) & m;
    }
    for (size_t i = j;;) {
        i = (i + 1) & m;
        if (!x->s[i].val) break;
        size_t home = oa_home(x->s[i].tag, x->cap);
        if (((i - home) & m) >= ((i - j) & m)) { x->s[j] = x->s[i]; j = i; }
    }
    x->s[j].val = 0;
    x->n--;
}

#endif
