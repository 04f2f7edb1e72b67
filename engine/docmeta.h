/*
 * docmeta.h - every doc's struct match_meta, in memory, by docid: what the leads' first stage
 * reads for each of its ~10,000 candidates to estimate their context score without loading them
 * (a doc load is an LMDB lookup, an LZ4 block and an unpack: ~4 us; this is four loads).
 *
 * Readers (any thread) and the writer share one table. Its entries change only when a write
 * transaction that changed them has committed: the writer stages its changes during the
 * transaction (dmeta_stage), the store's batch hooks undo the part of a nested transaction that
 * was undone (dmeta_mark, dmeta_truncate) and publish the rest once the transaction committed
 * (dmeta_publish) or drop them if it did not (dmeta_discard).
 *
 * A reader may see an entry published after its own snapshot began (a doc changed since): the
 * estimate it feeds only orders candidates before they are scored exactly from the snapshot's
 * docs, so a change costs at most a candidate's place in that order, never a wrong score; and
 * a filtered query may leave out a doc whose kind, country, language, zone or sectors changed
 * meanwhile (as a query a moment later would).
 *
 * The table is chunked (DMETA_CHUNK entries each, allocated on first use, freed at
 * dmeta_free): it grows without moving what readers read. Entries are four 64-bit words read
 * and written with relaxed atomics.
 */
#ifndef SM_DOCMETA_H
#define SM_DOCMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "doc.h"

struct dmeta_change {
    uint32_t docid;
    struct match_meta m; /* flags 0: the doc is gone */
};

struct dmeta {
    uint64_t **chunks;           /* DMETA_CHUNKS pointers, NULL until used: context words */
    uint64_t **fchunks;          /* the same for the filters' words (docmeta.c) */
    struct dmeta_change *staged; /* writer only */
    size_t n_staged, cap_staged;
};

/* Returns 0 or -ENOMEM. */
int dmeta_init(struct dmeta *t);
void dmeta_free(struct dmeta *t);

/* Readers: docid's meta into *out; false (and *out zeroed) when none is published. */
bool dmeta_get(const struct dmeta *t, uint32_t docid, struct match_meta *out);
/* The same without the filters' words (out's sectors and zone are 0): half the memory read. */
bool dmeta_get_context(const struct dmeta *t, uint32_t docid, struct match_meta *out);

/* Readers: start loading docid's entry into the cache (a dmeta_get to come; with filters, the
 * filters' words too). */
void dmeta_prefetch(const struct dmeta *t, uint32_t docid, bool filters);

/* Set docid's entry at once (m NULL: clear it): the open-time load, before any reader. */
int dmeta_set(struct dmeta *t, uint32_t docid, const struct match_meta *m);

/* Writer: stage a change (m NULL: the doc is deleted); its chunk is made now, so that
 * publishing cannot fail. 0 or -ENOMEM. */
int dmeta_stage(struct dmeta *t, uint32_t docid, const struct match_meta *m);
/* Writer: a mark of what is staged, and back to it (a nested transaction undone). */
size_t dmeta_mark(const struct dmeta *t);
void dmeta_truncate(struct dmeta *t, size_t mark);
/* Writer: the transaction committed: publish what is staged, in order. */
void dmeta_publish(struct dmeta *t);
/* Writer: the transaction was aborted: forget what is staged. */
void dmeta_discard(struct dmeta *t);

#endif
