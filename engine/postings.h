/*
 * postings.h - posting lists in LMDB as delta-coded blocks.
 *
 * A posting list is the ascending set of docids (uint32, >= 1) under one 12-byte key. It lives
 * in two databases:
 *
 *   "ix_tail"  key -> count, then the list's newest docids (at most POST_BLOCK of them)
 *   "ix_blk"   key + last docid (4 bytes big-endian) -> a sealed block of older docids
 *
 * Every tail docid is larger than every sealed one, so a list reads in order as its blocks (a
 * range of ix_blk) and then its tail. Docids are stored as LEB128 varints: the first one as is,
 * then the gaps. A record of n docids is varint n, then those varints; a tail is varint count
 * (all docids of the list, sealed or not), then such a record. Sealed blocks hold 1 to
 * POST_BLOCK docids, and all but a list's first at least POST_BLOCK / 4 (deletes merge them).
 *
 * Why two databases: an import adds the newest docids to ~157 keys per profile, spread over
 * every key. With one docid per duplicate (MDB_DUPSORT) each group commit copied most of the
 * postings tree (~67,000 pages at 1M profiles) and stored ~5 bytes per posting. Here a commit
 * rewrites the small tail database plus one page per block sealed, and a posting takes 1-2
 * bytes. See docs/matching.md §10.
 *
 * Errors: 0, SM_ESTORE (a damaged record or an LMDB error, logged), -ENOMEM; map full is
 * flagged on the transaction as store_txn_check does.
 */
#ifndef SM_POSTINGS_H
#define SM_POSTINGS_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define POST_KEY_LEN 12
#define POST_BLOCK 256 /* docids per sealed block; the tail holds 0 to POST_BLOCK */

struct postings {
    MDB_dbi tail, blk;
};

/* Open (create) the two databases. */
int postings_open(struct postings *p, struct store *st);

/* Empty both databases in t (a rebuild). */
int postings_clear(const struct postings *p, struct store_txn *t);

/* One change to a list: add or delete docid. */
struct post_op {
    uint32_t docid;
    uint32_t del; /* 1: delete */
};

/* A write transaction's cursors and merge buffers, for many postings_apply calls. */
struct post_writer {
    struct store_txn *t;
    MDB_cursor *tail, *blk;
    uint32_t *a, *b; /* merge buffers, cap docids each */
    size_t cap;
};

int post_writer_begin(struct post_writer *w, const struct postings *p, struct store_txn *t);
void post_writer_end(struct post_writer *w);

/*
 * Apply ops (ascending docids, each at most once) to key's list: adding a docid already there
 * and deleting one that is not are no-ops.
 */
int postings_apply(struct post_writer *w, const uint8_t key[POST_KEY_LEN],
                   const struct post_op *ops, size_t n);

/* A read's cursors (any transaction, the writer's too). */
struct post_reader {
    struct store_txn *t;
    MDB_cursor *tail, *blk;
};

int post_reader_open(struct post_reader *r, const struct postings *p, struct store_txn *t);
void post_reader_close(struct post_reader *r);

/* The number of docids under key (0 when none). */
int postings_count(struct post_reader *r, const uint8_t key[POST_KEY_LEN], uint32_t *count);

/*
 * Reading one list in ascending order, a record at a time:
 *   post_iter_begin(&it, r, key); while ((rc = post_iter_next(&it, &ids, &n)) == 0 && n) ...
 * ids points into it, valid until the next call. An iterator moves its reader's ix_blk cursor:
 * one list at a time per reader.
 */
struct post_iter {
    struct post_reader *r;
    uint8_t key[POST_KEY_LEN];
    uint32_t count, n_tail, sealed_left;
    int state; /* 0: the first block next, 1: another block, 2: the tail, 3: done */
    uint32_t tail[POST_BLOCK];
    uint32_t blk[POST_BLOCK];
};

int post_iter_begin(struct post_iter *it, struct post_reader *r, const uint8_t key[POST_KEY_LEN]);
int post_iter_next(struct post_iter *it, const uint32_t **ids, size_t *n);

/*
 * The record codec, exposed for the tests and the fuzz target. post_record_encode writes
 * ids[0..n) (ascending, >= 1) to out, at most 5 + 5 n bytes, and returns how many.
 * post_record_decode reads the record [p, p + len) into ids (room for max), *n docids:
 * SM_ESTORE unless it is exactly one record of at most max ascending docids >= 1.
 */
size_t post_record_encode(const uint32_t *ids, size_t n, uint8_t *out);
int post_record_decode(const uint8_t *p, size_t len, uint32_t *ids, size_t max, size_t *n);
/* An ix_tail value: the list's count, and its tail (room for POST_BLOCK in ids). SM_ESTORE. */
int post_tail_decode(const uint8_t *p, size_t len, uint32_t *count, uint32_t *ids, size_t *n);

#endif
