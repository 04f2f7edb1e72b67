/*
 * postings.c - posting lists in LMDB as delta-coded blocks; see postings.h.
 */
#include "sm.h"

#include "postings.h"

#include <endian.h>

#include "log.h"

#define VARINT_MAX 5
#define RECORD_MAX (VARINT_MAX + VARINT_MAX * POST_BLOCK)
#define TAIL_MAX (VARINT_MAX + RECORD_MAX)
#define BLK_KEY_LEN (POST_KEY_LEN + 4)

/* ---- the record codec ------------------------------------------------------------------------ */

static size_t varint_put(uint8_t *out, uint32_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* A varint at *p (< end), at most 5 bytes and 32 bits; false when there is none. */
static inline bool varint_get(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    uint32_t x = 0;

    for (unsigned i = 0; i < VARINT_MAX && *p < end; i++) {
        uint8_t c = *(*p)++;

        if (i == VARINT_MAX - 1 && c > 0x0f)
            return false; /* more than 32 bits */
        x |= (uint32_t)(c & 0x7f) << (7 * i);
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

size_t post_record_encode(const uint32_t *ids, size_t n, uint8_t *out)
{
    size_t len = varint_put(out, (uint32_t)n);

    for (size_t i = 0; i < n; i++)
        len += varint_put(out + len, i ? ids[i] - ids[i - 1] : ids[i]);
    return len;
}

/*
 * A record at *p: its docids (at most max) into ids (NULL: not kept), *p moved past it, their
 * count in *n and the last in *last. Queries decode ~10,000 docids each: one-byte gaps take
 * the fast path, and the checks are folded into two tests after the loop (a zero gap, a sum
 * past 32 bits: the sum is 64-bit and cannot wrap). Inlined with a constant ids, each caller
 * gets its own loop.
 */
static inline int record_scan(const uint8_t **pp, const uint8_t *end, uint32_t *ids, size_t max,
                              size_t *n, uint32_t *last)
{
    const uint8_t *p = *pp;
    uint64_t sum = 0;
    uint32_t m, v, zero = 0;

    if (!varint_get(&p, end, &m) || m > max)
        return SM_ESTORE;
    for (uint32_t i = 0; i < m; i++) {
        if (p < end && *p < 0x80)
            v = *p++;
        else if (!varint_get(&p, end, &v))
            return SM_ESTORE;
        zero |= v == 0;
        sum += v;
        if (ids)
            ids[i] = (uint32_t)sum;
    }
    if (zero || sum > UINT32_MAX)
        return SM_ESTORE;
    *pp = p;
    *n = m;
    *last = (uint32_t)sum;
    return 0;
}

static int record_get(const uint8_t **pp, const uint8_t *end, uint32_t *ids, size_t max, size_t *n)
{
    uint32_t last;

    return record_scan(pp, end, ids, max, n, &last);
}

int post_record_decode(const uint8_t *p, size_t len, uint32_t *ids, size_t max, size_t *n)
{
    const uint8_t *end = p + len;
    int rc = record_get(&p, end, ids, max, n);

    return rc ? rc : p == end ? 0 : SM_ESTORE;
}

int post_tail_decode(const uint8_t *p, size_t len, uint32_t *count, uint32_t *ids, size_t *n)
{
    const uint8_t *end = p + len;

    if (!varint_get(&p, end, count) || record_get(&p, end, ids, POST_BLOCK, n) || p != end ||
        *n > *count)
        return SM_ESTORE;
    return 0;
}

/* A tail value: its count and docids (at most POST_BLOCK). */
static int tail_decode(const MDB_val *v, uint32_t *count, uint32_t *ids, size_t *n)
{
    int rc = post_tail_decode(v->mv_data, v->mv_size, count, ids, n);

    if (rc)
        log_error("postings: damaged tail record (%zu bytes)", v->mv_size);
    return rc;
}

static int block_decode(const MDB_val *k, const MDB_val *v, uint32_t *ids, size_t *n)
{
    uint32_t last;

    memcpy(&last, (const uint8_t *)k->mv_data + POST_KEY_LEN, 4);
    if (post_record_decode(v->mv_data, v->mv_size, ids, POST_BLOCK, n) || *n == 0 ||
        ids[*n - 1] != be32toh(last)) {
        log_error("postings: damaged block record (%zu bytes)", v->mv_size);
        return SM_ESTORE;
    }
    return 0;
}

static void blk_key(uint8_t out[BLK_KEY_LEN], const uint8_t key[POST_KEY_LEN], uint32_t docid)
{
    uint32_t be = htobe32(docid);

    memcpy(out, key, POST_KEY_LEN);
    memcpy(out + POST_KEY_LEN, &be, 4);
}

static bool blk_of(const MDB_val *k, const uint8_t key[POST_KEY_LEN])
{
    return k->mv_size == BLK_KEY_LEN && memcmp(k->mv_data, key, POST_KEY_LEN) == 0;
}

/* ---- databases ------------------------------------------------------------------------------- */

int postings_open(struct postings *p, struct store *st)
{
    int rc = store_dbi_open(st, "ix_tail", 0, &p->tail);

    return rc ? rc : store_dbi_open(st, "ix_blk", 0, &p->blk);
}

int postings_clear(const struct postings *p, struct store_txn *t)
{
    int rc = store_txn_check(t, mdb_drop(store_txn_mdb(t), p->tail, 0), "clear ix_tail");

    return rc ? rc : store_txn_check(t, mdb_drop(store_txn_mdb(t), p->blk, 0), "clear ix_blk");
}

/* The two cursors of a writer or reader (both NULL on failure). */
static int cursors_open(const struct postings *p, struct store_txn *t, MDB_cursor **tail,
                        MDB_cursor **blk)
{
    int rc = store_txn_check(t, mdb_cursor_open(store_txn_mdb(t), p->tail, tail),
                             "open ix_tail cursor");

    if (rc) {
        *tail = *blk = NULL;
        return rc;
    }
    rc = store_txn_check(t, mdb_cursor_open(store_txn_mdb(t), p->blk, blk), "open ix_blk cursor");
    if (rc) {
        mdb_cursor_close(*tail);
        *tail = *blk = NULL;
    }
    return rc;
}

static void cursors_close(MDB_cursor **tail, MDB_cursor **blk)
{
    if (*tail)
        mdb_cursor_close(*tail);
    if (*blk)
        mdb_cursor_close(*blk);
    *tail = *blk = NULL;
}

/* ---- writing --------------------------------------------------------------------------------- */

/* Room for n docids in each merge buffer. */
static int writer_reserve(struct post_writer *w, size_t n)
{
    uint32_t *a, *b;
    size_t cap = w->cap ? w->cap : 2 * POST_BLOCK;

    if (n <= w->cap)
        return 0;
    while (cap < n)
        cap *= 2;
    a = realloc(w->a, cap * sizeof(*a));
    if (!a)
        return -ENOMEM;
    w->a = a;
    b = realloc(w->b, cap * sizeof(*b));
    if (!b)
        return -ENOMEM;
    w->b = b;
    w->cap = cap;
    return 0;
}

int post_writer_begin(struct post_writer *w, const struct postings *p, struct store_txn *t)
{
    int rc;

    memset(w, 0, sizeof(*w));
    w->t = t;
    rc = cursors_open(p, t, &w->tail, &w->blk);
    if (rc == 0)
        rc = writer_reserve(w, 2 * POST_BLOCK); /* a block decodes into w->a before merging */
    if (rc)
        post_writer_end(w);
    return rc;
}

void post_writer_end(struct post_writer *w)
{
    cursors_close(&w->tail, &w->blk);
    free(w->a);
    free(w->b);
    memset(w, 0, sizeof(*w));
}

/* v[0..n) with ops[0..m) applied, into out (room for n + m); returns the new length. */
static size_t merge(const uint32_t *v, size_t n, const struct post_op *ops, size_t m,
                    uint32_t *out)
{
    size_t i = 0, j = 0, k = 0;

    while (i < n || j < m) {
        if (j == m || (i < n && v[i] < ops[j].docid)) {
            out[k++] = v[i++];
        } else {
            if (!ops[j].del)
                out[k++] = ops[j].docid;
            if (i < n && v[i] == ops[j].docid)
                i++;
            j++;
        }
    }
    return k;
}

static bool same(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
    return n == m && memcmp(a, b, n * sizeof(*a)) == 0;
}

/* Write ids[0..n) (n <= POST_BLOCK) as the block keyed by its last docid. */
static int block_put(struct post_writer *w, const uint8_t key[POST_KEY_LEN], const uint32_t *ids,
                     size_t n)
{
    uint8_t kb[BLK_KEY_LEN], vb[RECORD_MAX];
    MDB_val k = {sizeof(kb), kb}, v = {0, vb};

    blk_key(kb, key, ids[n - 1]);
    v.mv_size = post_record_encode(ids, n, vb);
    return store_txn_check(w->t, mdb_cursor_put(w->blk, &k, &v, 0), "put posting block");
}

/* Write v[0..n) as blocks of at most POST_BLOCK, of nearly equal sizes. */
static int blocks_put(struct post_writer *w, const uint8_t key[POST_KEY_LEN], const uint32_t *v,
                      size_t n)
{
    size_t parts = (n + POST_BLOCK - 1) / POST_BLOCK, from = 0;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < parts; i++) {
        size_t to = n * (i + 1) / parts;

        rc = block_put(w, key, v + from, to - from);
        from = to;
    }
    return rc;
}

/*
 * Deletes shrink blocks, and a list with churn would end as many tiny records (a key and a
 * node each, a cursor step each to read). So a block left with fewer than POST_BLOCK / 4
 * docids, w->b[0..*out), whose own record is deleted already, takes in the block before it
 * (deleted too): blocks_put writes the union, split in two halves when over POST_BLOCK. Only a
 * list's first block can be smaller.
 */
static int merge_prev(struct post_writer *w, const uint8_t key[POST_KEY_LEN], size_t *out)
{
    uint8_t kb[BLK_KEY_LEN];
    MDB_val k = {sizeof(kb), kb}, v;
    size_t p;
    int mrc, rc;

    /* The block before: the one before the first key at or above (key, w->b[0]). */
    blk_key(kb, key, w->b[0]);
    mrc = mdb_cursor_get(w->blk, &k, &v, MDB_SET_RANGE);
    if (mrc == 0)
        mrc = mdb_cursor_get(w->blk, &k, &v, MDB_PREV);
    else if (mrc == MDB_NOTFOUND)
        mrc = mdb_cursor_get(w->blk, &k, &v, MDB_LAST);
    if (mrc == MDB_NOTFOUND || (mrc == 0 && !blk_of(&k, key)))
        return 0; /* the list's first block */
    if (mrc)
        return store_txn_check(w->t, mrc, "find posting block");
    if ((rc = block_decode(&k, &v, w->a, &p)) != 0 || (rc = writer_reserve(w, p + *out)) != 0)
        return rc;
    memmove(w->b + p, w->b, *out * sizeof(*w->b));
    memcpy(w->b, w->a, p * sizeof(*w->a));
    *out += p;
    return store_txn_check(w->t, mdb_cursor_del(w->blk, 0), "delete posting block");
}

/*
 * The ops on sealed docids: each goes to the first block whose last docid is >= its own (the
 * block it is in, or the gap before it). Returns in *used how many ops were taken (the rest are
 * past every block: the tail's), and adds the change in the count to *delta.
 */
static int apply_blocks(struct post_writer *w, const uint8_t key[POST_KEY_LEN],
                        const struct post_op *ops, size_t n, size_t *used, int64_t *delta)
{
    size_t i = 0;
    int rc = 0;

    while (rc == 0 && i < n) {
        uint8_t kb[BLK_KEY_LEN];
        MDB_val k = {sizeof(kb), kb}, v;
        size_t m, j = i, out;
        uint32_t last;
        int mrc;

        blk_key(kb, key, ops[i].docid);
        mrc = mdb_cursor_get(w->blk, &k, &v, MDB_SET_RANGE);
        if (mrc == MDB_NOTFOUND || (mrc == 0 && !blk_of(&k, key)))
            break;
        if (mrc)
            return store_txn_check(w->t, mrc, "find posting block");
        rc = block_decode(&k, &v, w->a, &m);
        if (rc)
            return rc;
        last = w->a[m - 1];
        while (j < n && ops[j].docid <= last)
            j++;
        if ((rc = writer_reserve(w, m + (j - i))) != 0)
            return rc;
        out = merge(w->a, m, ops + i, j - i, w->b);
        if (!same(w->a, m, w->b, out)) {
            *delta += (int64_t)out - (int64_t)m;
            rc = store_txn_check(w->t, mdb_cursor_del(w->blk, 0), "delete posting block");
            if (rc == 0 && out > 0 && out < POST_BLOCK / 4)
                rc = merge_prev(w, key, &out);
            if (rc == 0 && out)
                rc = blocks_put(w, key, w->b, out);
        }
        i = j;
    }
    *used = i;
    return rc;
}

/*
 * The record at p (up to end, exactly): its size *n, its last docid, and where its gaps start
 * (after the varint n). SM_ESTORE for a damaged record.
 */
static int record_last(const uint8_t *p, const uint8_t *end, uint32_t *n, uint32_t *last,
                       const uint8_t **gaps)
{
    const uint8_t *q = p;
    uint32_t m;
    size_t k;

    if (!varint_get(&q, end, &m))
        return SM_ESTORE;
    *gaps = q;
    if (record_scan(&p, end, NULL, POST_BLOCK, &k, last) || p != end)
        return SM_ESTORE;
    *n = (uint32_t)k;
    return 0;
}

/*
 * The common case of an import: ops that only add docids above every one in the list, and fit
 * in its tail. Their gaps are appended to the tail's bytes as they are, where the general path
 * decodes the tail, merges and encodes it again (at 1M, 9 % of the writer's CPU went to that).
 * old is the tail's value, read in the map: copied before the put, which may move it. Returns
 * 1 when this does not apply (nothing written; a damaged tail is the general path's to report),
 * else 0 or an error.
 */
static int tail_append(struct post_writer *w, const uint8_t key[POST_KEY_LEN], const MDB_val *old,
                       const struct post_op *ops, size_t n)
{
    const uint8_t *p = old->mv_data, *end = p + old->mv_size, *gaps;
    uint8_t vb[TAIL_MAX];
    uint32_t count, nt, last, prev;
    MDB_val k = {POST_KEY_LEN, (void *)key}, v = {0, vb};

    if (!varint_get(&p, end, &count) || record_last(p, end, &nt, &last, &gaps) || nt == 0 ||
        nt > count || nt + n > POST_BLOCK || (uint64_t)count + n > UINT32_MAX)
        return 1;
    prev = last;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].del || ops[i].docid <= prev)
            return 1;
        prev = ops[i].docid;
    }
    v.mv_size = varint_put(vb, count + (uint32_t)n);
    v.mv_size += varint_put(vb + v.mv_size, nt + (uint32_t)n);
    memcpy(vb + v.mv_size, gaps, (size_t)(end - gaps));
    v.mv_size += (size_t)(end - gaps);
    prev = last;
    for (size_t i = 0; i < n; i++) {
        v.mv_size += varint_put(vb + v.mv_size, ops[i].docid - prev);
        prev = ops[i].docid;
    }
    return store_txn_check(w->t, mdb_cursor_put(w->tail, &k, &v, 0), "put posting tail");
}

int postings_apply(struct post_writer *w, const uint8_t key[POST_KEY_LEN],
                   const struct post_op *ops, size_t n)
{
    MDB_val k = {POST_KEY_LEN, (void *)key}, v;
    uint32_t count = 0, tail[POST_BLOCK];
    size_t nt = 0, used = 0, out, from = 0;
    int64_t delta = 0;
    uint8_t vb[TAIL_MAX];
    int mrc, rc;

    if (n == 0)
        return 0;
    mrc = mdb_cursor_get(w->tail, &k, &v, MDB_SET_KEY);
    if (mrc == 0 && (rc = tail_append(w, key, &v, ops, n)) != 1)
        return rc;
    if (mrc == 0) {
        rc = tail_decode(&v, &count, tail, &nt);
        if (rc)
            return rc;
    } else if (mrc != MDB_NOTFOUND) {
        return store_txn_check(w->t, mrc, "get posting tail");
    }
    /* Sealed blocks exist only when the count is more than the tail holds. */
    if (count > nt) {
        rc = apply_blocks(w, key, ops, n, &used, &delta);
        if (rc)
            return rc;
    }
    if ((rc = writer_reserve(w, nt + (n - used))) != 0)
        return rc;
    out = merge(tail, nt, ops + used, n - used, w->a);
    if (delta == 0 && same(tail, nt, w->a, out))
        return 0; /* nothing changed */
    delta += (int64_t)out - (int64_t)nt;
    if ((int64_t)count + delta < (int64_t)out || (int64_t)count + delta > UINT32_MAX) {
        log_error("postings: count of a list out of step with its records");
        return SM_ESTORE;
    }
    count = (uint32_t)((int64_t)count + delta);
    /* Seal the oldest POST_BLOCK at a time: every sealed docid stays below the tail's. */
    while (rc == 0 && out - from > POST_BLOCK) {
        rc = block_put(w, key, w->a + from, POST_BLOCK);
        from += POST_BLOCK;
    }
    if (rc)
        return rc;
    k.mv_size = POST_KEY_LEN;
    k.mv_data = (void *)key;
    if (count == 0) {
        mrc = mdb_cursor_get(w->tail, &k, &v, MDB_SET);
        if (mrc == 0)
            mrc = mdb_cursor_del(w->tail, 0);
        return store_txn_check(w->t, mrc == MDB_NOTFOUND ? 0 : mrc, "delete posting tail");
    }
    v.mv_size = varint_put(vb, count);
    v.mv_size += post_record_encode(w->a + from, out - from, vb + v.mv_size);
    v.mv_data = vb;
    return store_txn_check(w->t, mdb_cursor_put(w->tail, &k, &v, 0), "put posting tail");
}

/* ---- reading --------------------------------------------------------------------------------- */

int post_reader_open(struct post_reader *r, const struct postings *p, struct store_txn *t)
{
    memset(r, 0, sizeof(*r));
    r->t = t;
    return cursors_open(p, t, &r->tail, &r->blk);
}

void post_reader_close(struct post_reader *r)
{
    cursors_close(&r->tail, &r->blk);
}

/* The tail value of key, or *found false. */
static int tail_get(struct post_reader *r, const uint8_t key[POST_KEY_LEN], MDB_val *v,
                    bool *found)
{
    MDB_val k = {POST_KEY_LEN, (void *)key};
    int mrc = mdb_cursor_get(r->tail, &k, v, MDB_SET_KEY);

    *found = mrc == 0;
    return mrc == MDB_NOTFOUND ? 0 : store_txn_check(r->t, mrc, "get posting tail");
}

int postings_count(struct post_reader *r, const uint8_t key[POST_KEY_LEN], uint32_t *count)
{
    MDB_val v;
    bool found;
    int rc = tail_get(r, key, &v, &found);
    const uint8_t *p;

    *count = 0;
    if (rc || !found)
        return rc;
    p = v.mv_data;
    if (!varint_get(&p, p + v.mv_size, count)) {
        log_error("postings: damaged tail record (%zu bytes)", v.mv_size);
        return SM_ESTORE;
    }
    return 0;
}

int post_iter_begin(struct post_iter *it, struct post_reader *r, const uint8_t key[POST_KEY_LEN])
{
    MDB_val v;
    bool found;
    size_t nt = 0;
    int rc = tail_get(r, key, &v, &found);

    it->r = r;
    memcpy(it->key, key, POST_KEY_LEN);
    it->count = it->n_tail = it->sealed_left = 0;
    it->state = 3;
    if (rc || !found)
        return rc;
    rc = tail_decode(&v, &it->count, it->tail, &nt);
    if (rc)
        return rc;
    it->n_tail = (uint32_t)nt;
    it->sealed_left = it->count - it->n_tail;
    it->state = it->sealed_left ? 0 : 2;
    return 0;
}

/* The next sealed block, positioning the cursor at the list's first one on the first call. */
static int iter_block(struct post_iter *it, size_t *n)
{
    MDB_val k, v;
    uint8_t kb[BLK_KEY_LEN];
    int mrc, rc;

    if (it->state == 0) {
        blk_key(kb, it->key, 0);
        k.mv_size = sizeof(kb);
        k.mv_data = kb;
        mrc = mdb_cursor_get(it->r->blk, &k, &v, MDB_SET_RANGE);
    } else {
        mrc = mdb_cursor_get(it->r->blk, &k, &v, MDB_NEXT);
    }
    if (mrc == 0 && !blk_of(&k, it->key))
        mrc = MDB_NOTFOUND;
    if (mrc == MDB_NOTFOUND) {
        log_error("postings: a list has fewer sealed docids than its count");
        return SM_ESTORE;
    }
    if (mrc)
        return store_txn_check(it->r->t, mrc, "read posting block");
    rc = block_decode(&k, &v, it->blk, n);
    if (rc)
        return rc;
    if (*n > it->sealed_left || (it->n_tail && it->blk[*n - 1] >= it->tail[0])) {
        log_error("postings: a list's blocks disagree with its tail");
        return SM_ESTORE;
    }
    it->sealed_left -= (uint32_t)*n;
    return 0;
}

int post_iter_next(struct post_iter *it, const uint32_t **ids, size_t *n)
{
    int rc;

    *n = 0;
    *ids = NULL;
    if (it->state <= 1) {
        rc = iter_block(it, n);
        if (rc) {
            it->state = 3;
            return rc;
        }
        *ids = it->blk;
        it->state = it->sealed_left ? 1 : 2;
        return 0;
    }
    if (it->state == 2) {
        /* Last the tail; an empty one (all its docids deleted) ends the list at once. */
        it->state = 3;
        *ids = it->tail;
        *n = it->n_tail;
    }
    return 0;
}
