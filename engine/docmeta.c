/* docmeta.c - the docs' match_meta by docid (see docmeta.h). */
#include "sm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "docmeta.h"

#define DMETA_CHUNK_BITS 16
#define DMETA_CHUNK (1u << DMETA_CHUNK_BITS)          /* entries per chunk: 2 MiB */
#define DMETA_CHUNKS (1u << (32 - DMETA_CHUNK_BITS)) /* covers every uint32 docid */

#define DMETA_WORDS 4 /* an entry: a match_meta as 64-bit words, each loaded and stored atomically */
_Static_assert(sizeof(struct match_meta) == DMETA_WORDS * sizeof(uint64_t), "an entry's words");

int dmeta_init(struct dmeta *t)
{
    memset(t, 0, sizeof(*t));
    t->chunks = calloc(DMETA_CHUNKS, sizeof(*t->chunks));
    return t->chunks ? 0 : -ENOMEM;
}

void dmeta_free(struct dmeta *t)
{
    if (t->chunks)
        for (uint32_t i = 0; i < DMETA_CHUNKS; i++)
            free(t->chunks[i]);
    free(t->chunks);
    free(t->staged);
    memset(t, 0, sizeof(*t));
}

bool dmeta_get(const struct dmeta *t, uint32_t docid, struct match_meta *out)
{
    const uint64_t *c = __atomic_load_n(&t->chunks[docid >> DMETA_CHUNK_BITS], __ATOMIC_ACQUIRE);
    uint64_t w[DMETA_WORDS] = {0};

    if (c) {
        const uint64_t *e = c + DMETA_WORDS * (docid & (DMETA_CHUNK - 1));

        for (unsigned i = 0; i < DMETA_WORDS; i++)
            w[i] = __atomic_load_n(&e[i], __ATOMIC_RELAXED);
    }
    memcpy(out, w, sizeof(*out));
    return (out->flags & MATCH_META_SET) != 0;
}

void dmeta_prefetch(const struct dmeta *t, uint32_t docid)
{
    const uint64_t *c = __atomic_load_n(&t->chunks[docid >> DMETA_CHUNK_BITS], __ATOMIC_ACQUIRE);

    if (c)
        __builtin_prefetch(c + DMETA_WORDS * (docid & (DMETA_CHUNK - 1)));
}

/* docid's entry, its chunk made if need be; NULL on -ENOMEM. */
static uint64_t *entry(struct dmeta *t, uint32_t docid)
{
    uint64_t **slot = &t->chunks[docid >> DMETA_CHUNK_BITS];
    uint64_t *c = *slot; /* only the writer (or the opening thread) stores chunks */

    if (!c) {
        c = calloc(DMETA_CHUNK, DMETA_WORDS * sizeof(*c));
        if (!c)
            return NULL;
        /* Release: a reader that sees the pointer sees the zeroed chunk. */
        __atomic_store_n(slot, c, __ATOMIC_RELEASE);
    }
    return c + DMETA_WORDS * (docid & (DMETA_CHUNK - 1));
}

static void entry_store(uint64_t *e, const struct match_meta *m)
{
    uint64_t w[DMETA_WORDS] = {0};

    if (m)
        memcpy(w, m, sizeof(w));
    for (unsigned i = 0; i < DMETA_WORDS; i++)
        __atomic_store_n(&e[i], w[i], __ATOMIC_RELAXED);
}

int dmeta_set(struct dmeta *t, uint32_t docid, const struct match_meta *m)
{
    uint64_t *e = entry(t, docid);

    if (!e)
        return -ENOMEM;
    entry_store(e, m);
    return 0;
}

int dmeta_stage(struct dmeta *t, uint32_t docid, const struct match_meta *m)
{
    if (!entry(t, docid))
        return -ENOMEM;
    if (t->n_staged == t->cap_staged) {
        size_t cap = t->cap_staged ? t->cap_staged * 2 : 256;
        struct dmeta_change *v = realloc(t->staged, cap * sizeof(*v));

        if (!v)
            return -ENOMEM;
        t->staged = v;
        t->cap_staged = cap;
    }
    t->staged[t->n_staged].docid = docid;
    if (m)
        t->staged[t->n_staged].m = *m;
    else
        memset(&t->staged[t->n_staged].m, 0, sizeof(*m));
    t->n_staged++;
    return 0;
}

size_t dmeta_mark(const struct dmeta *t)
{
    return t->n_staged;
}

void dmeta_truncate(struct dmeta *t, size_t mark)
{
    if (mark < t->n_staged)
        t->n_staged = mark;
}

void dmeta_publish(struct dmeta *t)
{
    /* In order: a doc changed twice in one transaction ends as its last change says. */
    for (size_t i = 0; i < t->n_staged; i++) {
        const struct dmeta_change *c = &t->staged[i];
        entry_store(entry(t, c->docid), c->m.flags ? &c->m : NULL);
    }
    dmeta_discard(t);
}

void dmeta_discard(struct dmeta *t)
{
    t->n_staged = 0;
    /* An import's batch stages ~10,000 changes: keep that much, not a rebuild's millions. */
    if (t->cap_staged > (1u << 16)) {
        free(t->staged);
        t->staged = NULL;
        t->cap_staged = 0;
    }
}
