/* docmeta.c - the docs' match_meta by docid (see docmeta.h). */
#include "sm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "docmeta.h"

#define DMETA_CHUNK_BITS 16
#define DMETA_CHUNK (1u << DMETA_CHUNK_BITS)         /* entries per chunk: 2 MiB */
#define DMETA_CHUNKS (1u << (32 - DMETA_CHUNK_BITS)) /* covers every uint32 docid */

/*
 * An entry is a match_meta as four 64-bit words, each loaded and stored atomically: the two the
 * context estimate reads (country, kind, languages), in t->chunks, and the two only zone and
 * sector filters read, in chunks of their own (t->fchunks). So the estimate of an unfiltered
 * query reads 16 bytes an entry from dense chunks, as before the filter words were added.
 */
#define DMETA_WORDS 4
#define DMETA_CTX_WORDS 2
_Static_assert(sizeof(struct match_meta) == DMETA_WORDS * sizeof(uint64_t), "an entry's words");
_Static_assert(offsetof(struct match_meta, sectors) == DMETA_CTX_WORDS * sizeof(uint64_t),
               "the context's words first");

#define DMETA_FLT_WORDS (DMETA_WORDS - DMETA_CTX_WORDS)

/* docid's words in its context chunk c, and in its filter chunk f. */
static inline uint64_t *ctx_words(uint64_t *c, uint32_t docid)
{
    return c + DMETA_CTX_WORDS * (docid & (DMETA_CHUNK - 1));
}

static inline uint64_t *filter_words(uint64_t *f, uint32_t docid)
{
    return f + DMETA_FLT_WORDS * (docid & (DMETA_CHUNK - 1));
}

int dmeta_init(struct dmeta *t)
{
    memset(t, 0, sizeof(*t));
    t->chunks = calloc(DMETA_CHUNKS, sizeof(*t->chunks));
    t->fchunks = calloc(DMETA_CHUNKS, sizeof(*t->fchunks));
    if (t->chunks && t->fchunks)
        return 0;
    dmeta_free(t);
    return -ENOMEM;
}

void dmeta_free(struct dmeta *t)
{
    for (uint32_t i = 0; i < DMETA_CHUNKS; i++) {
        if (t->chunks)
            free(t->chunks[i]);
        if (t->fchunks)
            free(t->fchunks[i]);
    }
    free(t->chunks);
    free(t->fchunks);
    free(t->staged);
    memset(t, 0, sizeof(*t));
}

/*
 * Each word goes straight to *out: through a stack array, 8-byte stores read back by a 16-byte
 * copy stalled store forwarding, the largest cost of the estimate's loop at 1M.
 */
static bool get(const struct dmeta *t, uint32_t docid, struct match_meta *out, bool filters)
{
    uint64_t *c = __atomic_load_n(&t->chunks[docid >> DMETA_CHUNK_BITS], __ATOMIC_ACQUIRE);
    unsigned char *o = (unsigned char *)out;

    memset(out, 0, sizeof(*out));
    if (c) {
        const uint64_t *e = ctx_words(c, docid);

        for (unsigned i = 0; i < DMETA_CTX_WORDS; i++) {
            uint64_t v = __atomic_load_n(&e[i], __ATOMIC_RELAXED);
            memcpy(o + 8 * i, &v, 8);
        }
    }
    if (c && filters) {
        /* Stored before its context chunk (entry): seen once that one is. */
        const uint64_t *f = filter_words(
            __atomic_load_n(&t->fchunks[docid >> DMETA_CHUNK_BITS], __ATOMIC_ACQUIRE), docid);

        for (unsigned i = 0; i < DMETA_FLT_WORDS; i++) {
            uint64_t v = __atomic_load_n(&f[i], __ATOMIC_RELAXED);
            memcpy(o + 8 * (DMETA_CTX_WORDS + i), &v, 8);
        }
    }
    return (out->flags & MATCH_META_SET) != 0;
}

bool dmeta_get(const struct dmeta *t, uint32_t docid, struct match_meta *out)
{
    return get(t, docid, out, true);
}

bool dmeta_get_context(const struct dmeta *t, uint32_t docid, struct match_meta *out)
{
    return get(t, docid, out, false);
}

void dmeta_prefetch(const struct dmeta *t, uint32_t docid, bool filters)
{
    uint64_t *c = __atomic_load_n(&t->chunks[docid >> DMETA_CHUNK_BITS], __ATOMIC_ACQUIRE);

    if (c) {
        __builtin_prefetch(ctx_words(c, docid));
        if (filters)
            __builtin_prefetch(filter_words(
                __atomic_load_n(&t->fchunks[docid >> DMETA_CHUNK_BITS], __ATOMIC_ACQUIRE), docid));
    }
}

/* docid's entry, its chunk made if need be; NULL on -ENOMEM. */
/* docid's chunks made if need be (the filters' first); false on -ENOMEM. */
static bool entry(struct dmeta *t, uint32_t docid)
{
    uint32_t k = docid >> DMETA_CHUNK_BITS;

    /* Only the writer (or the opening thread) stores chunks. Release: a reader that sees a
     * pointer sees the zeroed chunk, and the filter chunk once it sees the context one. */
    if (!t->fchunks[k]) {
        uint64_t *f = calloc(DMETA_CHUNK, DMETA_FLT_WORDS * sizeof(*f));

        if (!f)
            return false;
        __atomic_store_n(&t->fchunks[k], f, __ATOMIC_RELEASE);
    }
    if (!t->chunks[k]) {
        uint64_t *c = calloc(DMETA_CHUNK, DMETA_CTX_WORDS * sizeof(*c));

        if (!c)
            return false;
        __atomic_store_n(&t->chunks[k], c, __ATOMIC_RELEASE);
    }
    return true;
}

/* Store docid's entry, its chunks made already (m NULL: clear it). */
static void entry_store(struct dmeta *t, uint32_t docid, const struct match_meta *m)
{
    uint64_t w[DMETA_WORDS] = {0};
    uint64_t *e = ctx_words(t->chunks[docid >> DMETA_CHUNK_BITS], docid);
    uint64_t *f = filter_words(t->fchunks[docid >> DMETA_CHUNK_BITS], docid);

    if (m)
        memcpy(w, m, sizeof(w));
    for (unsigned i = 0; i < DMETA_CTX_WORDS; i++)
        __atomic_store_n(&e[i], w[i], __ATOMIC_RELAXED);
    for (unsigned i = 0; i < DMETA_FLT_WORDS; i++)
        __atomic_store_n(&f[i], w[DMETA_CTX_WORDS + i], __ATOMIC_RELAXED);
}

int dmeta_set(struct dmeta *t, uint32_t docid, const struct match_meta *m)
{
    if (!entry(t, docid))
        return -ENOMEM;
    entry_store(t, docid, m);
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
        entry_store(t, c->docid, c->m.flags ? &c->m : NULL);
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
