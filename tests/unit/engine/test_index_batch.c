/*
 * test_index_batch.c - the store's batch hooks (store_add_batch_hook) and the index's postings
 * buffered through them: applied at the top-level commit, dropped with a failed request, never
 * doubled by a re-run after map growth, visible to a query inside the write transaction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "index.h"
#include "postings.h"

#include "testutil.h"

struct fx {
    char *dir;
    struct store *st;
    struct index *ix;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    f->dir = tu_tempdir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    index_close(&f->ix);
    store_close(&f->st);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void open_all(struct fx *f, size_t map_size)
{
    struct store_options o = {.no_sync = true, .map_size = map_size};

    assert_int_equal(store_open(&f->st, f->dir, &o), 0);
    assert_int_equal(index_open(&f->ix, f->st), 0);
}

/* Upsert profile id whose description is words (and a long filler, to fill small maps). */
static int put_words(struct store_txn *t, const char *id, const char *words, size_t filler)
{
    char *fill = tu_repeat('x', filler);
    char extra[8192];
    msgpack_unpacked u;
    struct sm_error e;
    struct profile p;
    char *json;
    int rc;

    snprintf(extra, sizeof(extra), "{\"description\": \"%s %s\"}", words, fill);
    json = tu_profile_json(id, extra);
    rc = profile_decode(tu_obj(&u, json), NULL, false, &p, &e);
    msgpack_unpacked_destroy(&u);
    free(json);
    free(fill);
    assert_int_equal(rc, 0);
    rc = store_profile_put(t, &p, STORE_PUT_UPSERT, 1000, NULL);
    profile_release(&p);
    return rc;
}

static uint32_t df_now(struct fx *f, const char *term)
{
    struct store_txn r;
    uint32_t n;

    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    n = index_df(f->ix, &r, term, strlen(term));
    store_read_release(&r);
    return n;
}

/* ---- the store's hooks alone ----------------------------------------------------------------- */

struct counts {
    int begin, before_commit, savepoint, rollback, committed, aborted;
    uint64_t next_mark, rolled_back_to;
    unsigned idle;
};

static void c_end(bool committed, void *u)
{
    struct counts *c = u;
    if (committed)
        c->committed++;
    else
        c->aborted++;
}

static void c_idle(void *u)
{
    ((struct counts *)u)->idle++;
}

static void c_begin(void *u)
{
    ((struct counts *)u)->begin++;
}
static int c_before_commit(struct store_txn *t, void *u)
{
    (void)t;
    ((struct counts *)u)->before_commit++;
    return 0;
}
static uint64_t c_savepoint(void *u)
{
    struct counts *c = u;
    c->savepoint++;
    return c->next_mark++;
}
static void c_rollback(uint64_t mark, void *u)
{
    struct counts *c = u;
    c->rollback++;
    c->rolled_back_to = mark;
}

static int nested_ok(struct store_txn *t, void *arg)
{
    (void)t;
    (void)arg;
    return 0;
}
static int nested_fail(struct store_txn *t, void *arg)
{
    (void)t;
    (void)arg;
    return SM_EINVAL;
}
static int three_requests(struct store_txn *t, void *arg)
{
    (void)arg;
    assert_int_equal(store_txn_nested(t, nested_ok, NULL), 0);
    assert_int_equal(store_txn_nested(t, nested_fail, NULL), SM_EINVAL);
    assert_int_equal(store_txn_nested(t, nested_ok, NULL), 0);
    return 0;
}

static void test_batch_hooks_run_once_per_attempt_and_roll_back_failed_requests(void **state)
{
    struct fx *f = *state;
    struct store_options o = {.no_sync = true};
    struct counts c = {.next_mark = 7};

    assert_int_equal(store_open(&f->st, f->dir, &o), 0);
    assert_int_equal(store_add_batch_hook(
                         f->st, &(struct store_batch_hook){c_begin, c_before_commit, c_savepoint,
                                                           c_rollback, &c, c_end, c_idle}),
                     0);
    assert_int_equal(store_write(f->st, three_requests, NULL), 0);
    assert_int_equal(c.begin, 1);
    assert_int_equal(c.before_commit, 1);
    assert_int_equal(c.savepoint, 3);
    assert_int_equal(c.rollback, 1);
    assert_int_equal(c.rolled_back_to, 8); /* the mark taken before the failed request */
    assert_int_equal(c.committed, 1);
    assert_int_equal(c.aborted, 0);
    /* A write that fails is not committed: no before_commit, and end says it was aborted. */
    assert_int_equal(store_write(f->st, nested_fail, NULL), SM_EINVAL);
    assert_int_equal(c.begin, 2);
    assert_int_equal(c.before_commit, 1);
    assert_int_equal(c.committed, 1);
    assert_int_equal(c.aborted, 1);
    /* Idle is the writer's say-so, outside transactions: it runs each hook's idle, nothing else. */
    assert_int_equal(c.idle, 0);
    store_idle(f->st);
    assert_int_equal(c.idle, 1);
    assert_int_equal(c.begin, 2);
}

/* ---- the index's buffered postings ----------------------------------------------------------- */

static int req_good(struct store_txn *t, void *arg)
{
    return put_words(t, arg, "zeppelin", 10);
}

/* Writes a profile (postings buffered), then fails: the request must leave no trace. */
static int req_bad(struct store_txn *t, void *arg)
{
    int rc = put_words(t, arg, "zeppelin balloon", 10);
    return rc ? rc : SM_EINVAL;
}

static int batch_good_bad_good(struct store_txn *t, void *arg)
{
    (void)arg;
    assert_int_equal(store_txn_nested(t, req_good, "g1"), 0);
    assert_int_equal(store_txn_nested(t, req_bad, "bad"), SM_EINVAL);
    assert_int_equal(store_txn_nested(t, req_good, "g2"), 0);
    return 0;
}

static void test_index_a_failed_request_drops_its_buffered_postings(void **state)
{
    struct fx *f = *state;

    open_all(f, 0);
    assert_int_equal(store_write(f->st, batch_good_bad_good, NULL), 0);
    assert_int_equal(df_now(f, "zeppelin"), 2);
    assert_int_equal(df_now(f, "balloon"), 0);
}

struct rerun {
    int runs;
    int n;
};

/*
 * Many big profiles in one batch, one nested txn each, into a tiny map: the first attempt runs
 * out of map and writes "zeppelin"; the re-runs write "balloon" instead. Nothing buffered by the
 * first attempt may survive into the commit.
 */
static int batch_rerun(struct store_txn *t, void *arg)
{
    struct rerun *a = arg;
    const char *word = a->runs++ ? "balloon" : "zeppelin";

    for (int i = 0; i < a->n; i++) {
        char id[32];
        int rc;

        snprintf(id, sizeof(id), "r-%d", i);
        rc = store_txn_nested(t, i % 2 ? req_good : req_bad, id);
        if (t->map_full)
            return SM_ESTORE;
        (void)rc;
    }
    /* Every request after the first attempt writes the same word. */
    for (int i = 0; i < a->n; i++) {
        char id[32];
        int rc;

        snprintf(id, sizeof(id), "s-%d", i);
        rc = put_words(t, id, word, 3000);
        if (rc)
            return rc;
    }
    return 0;
}

static void test_index_a_rerun_after_map_growth_does_not_duplicate_postings(void **state)
{
    struct fx *f = *state;
    struct rerun a = {0, 60};
    struct store_txn r;
    struct index_stats s;

    open_all(f, 64 << 10);
    assert_int_equal(store_write(f->st, batch_rerun, &a), 0);
    assert_true(a.runs > 1);
    assert_int_equal(df_now(f, "zeppelin"), 30); /* the odd r- profiles only */
    assert_int_equal(df_now(f, "balloon"), 60);  /* the s- profiles, once each */
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(index_stats(f->ix, &r, &s), 0);
    assert_int_equal(s.n_docs, 90);
    assert_int_equal(s.next_docid, 91);
    store_read_release(&r);
}

/* A query in a write txn (event suggestions) sees the batch's earlier requests. */
struct qarg {
    struct index *ix;
    uint32_t seen_ok, seen_failed, seen_after;
};

static int req_query(struct store_txn *t, void *arg)
{
    struct qarg *q = arg;

    q->seen_ok = index_df(q->ix, t, "zeppelin", 8);
    return 0;
}

static int req_query_fail(struct store_txn *t, void *arg)
{
    struct qarg *q = arg;

    q->seen_failed = index_df(q->ix, t, "zeppelin", 8);
    return SM_EINVAL;
}

static int req_query_after(struct store_txn *t, void *arg)
{
    struct qarg *q = arg;

    q->seen_after = index_df(q->ix, t, "zeppelin", 8);
    return 0;
}

static int batch_with_queries(struct store_txn *t, void *arg)
{
    struct qarg *q = arg;

    assert_int_equal(store_txn_nested(t, req_good, "q1"), 0);
    assert_int_equal(store_txn_nested(t, req_query, q), 0);
    assert_int_equal(store_txn_nested(t, req_good, "q2"), 0);
    /* Applies q2's postings inside a request that then fails: they must come back. */
    assert_int_equal(store_txn_nested(t, req_query_fail, q), SM_EINVAL);
    assert_int_equal(store_txn_nested(t, req_query_after, q), 0);
    return 0;
}

static void test_index_a_query_in_a_write_batch_sees_its_earlier_requests(void **state)
{
    struct fx *f = *state;
    struct qarg q = {0};

    open_all(f, 0);
    q.ix = f->ix;
    assert_int_equal(store_write(f->st, batch_with_queries, &q), 0);
    assert_int_equal(q.seen_ok, 1);
    assert_int_equal(q.seen_failed, 2);
    assert_int_equal(q.seen_after, 2);
    assert_int_equal(df_now(f, "zeppelin"), 2);
}

/* ---- the docs' compression dictionary ------------------------------------------------------- */

static const char *const vocab[] = {"injection",  "moulded",     "parts",    "supplier",
                                    "stationery", "distributor", "germany",  "licensing",
                                    "textile",    "solar",       "inverter", "packaging",
                                    "machinery",  "cosmetics",   "oem"};

struct many {
    int from, n;
    bool fail; /* fail the whole write after putting them */
};

static int put_many(struct store_txn *t, void *arg)
{
    struct many *m = arg;

    for (int i = m->from; i < m->from + m->n; i++) {
        char id[32], words[256];

        snprintf(id, sizeof(id), "p-%06d", i);
        snprintf(words, sizeof(words), "%s %s %s %s of %s and %s, series %d", vocab[i % 15],
                 vocab[(i / 15) % 15], vocab[(i / 7) % 15], vocab[(i * 7) % 15],
                 vocab[(i / 3) % 15], vocab[(i + 5) % 15], i);
        assert_int_equal(put_words(t, id, words, 0), 0);
    }
    return m->fail ? SM_EINVAL : 0;
}

/* The dictionary id a doc record names (high 16 bits of its first u32). */
static unsigned record_dict(struct fx *f, uint32_t docid)
{
    struct store_txn r;
    MDB_dbi dbi;
    MDB_val k = {sizeof(docid), &docid}, v;
    uint32_t head = 0;

    assert_int_equal(store_dbi_open(f->st, "ix_docs", MDB_INTEGERKEY, &dbi), 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(mdb_get(store_txn_mdb(&r), dbi, &k, &v), 0);
    memcpy(&head, v.mv_data, sizeof(head));
    store_read_release(&r);
    return head >> 16;
}

/* Every doc loads: a search for a word of each hits it (scoring reads the docs). */
static void assert_docs_load(struct fx *f, const char *word, uint32_t at_least)
{
    struct index_filters flt;
    struct index_hits h;
    struct store_txn r;

    index_filters_init(&flt);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(index_search(f->ix, &r, word, strlen(word), &flt, 0, 100, &h), 0);
    assert_true(h.candidates >= at_least);
    index_hits_release(&h);
    store_read_release(&r);
}

static void reopen(struct fx *f)
{
    index_close(&f->ix);
    store_close(&f->st);
    open_all(f, 0);
}

static void test_index_docs_use_a_dictionary_once_enough_are_indexed(void **state)
{
    struct fx *f = *state;

    open_all(f, 0);
    for (int b = 0; b < 6; b++)
        assert_int_equal(store_write(f->st, put_many, &(struct many){b * 500, 500, false}), 0);
    /* The first docs were written before it existed; the last ones with it. */
    assert_int_equal(record_dict(f, 1), 0);
    assert_int_equal(record_dict(f, 3000), 1);
    assert_docs_load(f, "injection", 50);
    assert_docs_load(f, "series", 50);
    /* After a restart both kinds still load, and new docs still use it. */
    reopen(f);
    assert_docs_load(f, "injection", 50);
    assert_int_equal(store_write(f->st, put_many, &(struct many){3000, 10, false}), 0);
    assert_int_equal(record_dict(f, 3010), 1);
    assert_docs_load(f, "moulded", 50);
}

/*
 * A write that built the dictionary and was then undone leaves no trace in the database: the next
 * write that uses it stores it again, so its docs load after a restart.
 */
static void test_index_an_undone_dictionary_is_stored_again_by_the_next_write(void **state)
{
    struct fx *f = *state;

    open_all(f, 0);
    for (int b = 0; b < 4; b++)
        assert_int_equal(store_write(f->st, put_many, &(struct many){b * 500, 500, false}), 0);
    /* 2,000 docs: this write builds the dictionary, uses it, and is undone. */
    assert_int_equal(store_write(f->st, put_many, &(struct many){2000, 100, true}), SM_EINVAL);
    assert_int_equal(store_write(f->st, put_many, &(struct many){2000, 100, false}), 0);
    assert_int_equal(record_dict(f, 2100), 1);
    reopen(f);
    assert_docs_load(f, "series", 100);
    assert_int_equal(record_dict(f, 2100), 1);
}

static int nested_many(struct store_txn *t, void *arg)
{
    return store_txn_nested(t, put_many, arg);
}

/* In one batch: a request that stores the dictionary and fails, then one that succeeds. */
static int fail_then_succeed(struct store_txn *t, void *arg)
{
    (void)arg;
    assert_int_equal(nested_many(t, &(struct many){2000, 50, true}), SM_EINVAL);
    return nested_many(t, &(struct many){2050, 50, false});
}

/*
 * The dictionary is checked once per batch, not per doc. A request that stored it and found it
 * again (its second doc) and was then undone must not leave it counted as stored: the next
 * request of the same batch stores it again, so its docs load after a restart.
 */
static void test_index_a_dictionary_stored_by_an_undone_request_is_stored_again(void **state)
{
    struct fx *f = *state;

    open_all(f, 0);
    for (int b = 0; b < 4; b++)
        assert_int_equal(store_write(f->st, put_many, &(struct many){b * 500, 500, false}), 0);
    assert_int_equal(store_write(f->st, fail_then_succeed, NULL), 0);
    assert_int_equal(record_dict(f, 2050), 1);
    reopen(f);
    assert_docs_load(f, "series", 100);
    assert_int_equal(store_write(f->st, put_many, &(struct many){2050, 10, false}), 0);
}

/* ---- bulk imports: prepared on helper threads, postings radix-sorted ---------------------------
 */

#define BULK_N 3000 /* profiles: well over RADIX_MIN (65,536) posting ops in one batch */

static char *bulk_json(const char *id, int i)
{
    char extra[512];

    snprintf(extra, sizeof(extra), "{\"description\": \"%s %s %s %s of %s and %s, series %d\"}",
             vocab[i % 15], vocab[(i / 15) % 15], vocab[(i / 7) % 15], vocab[(i * 7) % 15],
             vocab[(i / 3) % 15], vocab[(i + 5) % 15], i);
    return tu_profile_json(id, extra);
}

static void bulk_decode(struct profile *p, int i)
{
    char id[32], *json;
    msgpack_unpacked u;
    struct sm_error e;

    snprintf(id, sizeof(id), "b-%06d", i);
    json = bulk_json(id, i);
    assert_int_equal(profile_decode_with_id(tu_obj(&u, json), NULL, id, strlen(id), p, &e), 0);
    msgpack_unpacked_destroy(&u);
    free(json);
}

/* All of them in one write, as profile.import does: decoded, store_prepare, put, end. */
static int put_bulk_prepared(struct store_txn *t, void *arg)
{
    struct profile *ps = calloc(BULK_N, sizeof(*ps)), **v = calloc(BULK_N, sizeof(*v));
    int rc = 0;

    (void)arg;
    for (int i = 0; i < BULK_N; i++) {
        bulk_decode(&ps[i], i);
        v[i] = &ps[i];
    }
    store_prepare(t->st, v, BULK_N);
    for (int i = 0; rc == 0 && i < BULK_N; i++)
        rc = store_profile_put(t, &ps[i], STORE_PUT_UPSERT, 1000, NULL);
    store_prepare_end(t->st);
    for (int i = 0; i < BULK_N; i++)
        profile_release(&ps[i]);
    free(ps);
    free(v);
    return rc;
}

/* The same profiles a few at a time, nothing prepared: each batch sorts with qsort. */
static int put_bulk_slice(struct store_txn *t, void *arg)
{
    int from = *(int *)arg, rc = 0;

    for (int i = from; rc == 0 && i < from + 100 && i < BULK_N; i++) {
        struct profile p;

        bulk_decode(&p, i);
        rc = store_profile_put(t, &p, STORE_PUT_UPSERT, 1000, NULL);
        profile_release(&p);
    }
    return rc;
}

/*
 * Every record of the posting lists (ix_tail, then ix_blk), in order, for comparing two
 * databases; returns the number of postings (the sum of the tails' counts).
 */
static uint64_t dump_postings(struct fx *f, msgpack_sbuffer *out)
{
    uint64_t total = 0;
    const char *names[] = {"ix_tail", "ix_blk"};
    struct store_txn r;

    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    for (size_t i = 0; i < 2; i++) {
        MDB_cursor *cur;
        MDB_dbi dbi;
        MDB_val k, v;
        int mrc;

        assert_int_equal(store_dbi_open(f->st, names[i], 0, &dbi), 0);
        assert_int_equal(mdb_cursor_open(store_txn_mdb(&r), dbi, &cur), 0);
        for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
             mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            msgpack_sbuffer_write(out, k.mv_data, k.mv_size);
            msgpack_sbuffer_write(out, v.mv_data, v.mv_size);
            if (i == 0) {
                struct post_reader pr = {.t = &r, .tail = cur};
                uint32_t n;

                assert_int_equal(postings_count(&pr, k.mv_data, &n), 0);
                total += n;
            }
        }
        assert_int_equal(mrc, MDB_NOTFOUND);
        mdb_cursor_close(cur);
    }
    store_read_release(&r);
    return total;
}

/*
 * A bulk import through store_prepare (docs built on the helper threads, the dictionary built
 * midway, postings radix-sorted) leaves exactly the postings that small unprepared batches
 * (comparison sort) leave, and every doc loads.
 */
static void test_index_a_prepared_bulk_import_posts_what_small_puts_post(void **state)
{
    struct fx *f = *state, g = {0};
    msgpack_sbuffer a, b;

    open_all(f, 0);
    assert_int_equal(store_write(f->st, put_bulk_prepared, NULL), 0);
    g.dir = tu_tempdir();
    open_all(&g, 0);
    for (int from = 0; from < BULK_N; from += 100)
        assert_int_equal(store_write(g.st, put_bulk_slice, &from), 0);
    msgpack_sbuffer_init(&a);
    msgpack_sbuffer_init(&b);
    /* The prepared batch took the radix sort (>= 65,536 ops). */
    assert_true(dump_postings(f, &a) >= 65536);
    assert_true(dump_postings(&g, &b) >= 65536);
    assert_int_equal(a.size, b.size);
    assert_memory_equal(a.data, b.data, a.size);
    assert_docs_load(f, "injection", 100);
    assert_docs_load(f, "series", 100);
    /*
     * The dictionary was built midway, on the writer, once 2,000 docs were indexed. No doc was
     * encoded with it before that; those after were encoded with it or without it, depending on
     * whether a helper (ahead, before it existed) or the writer (while waiting, after) encoded
     * them. Every one of them loads (above), and the next write uses it.
     */
    for (uint32_t docid = 1; docid <= BULK_N; docid++) {
        unsigned id = record_dict(f, docid);

        assert_true(id == 0 || (id == 1 && docid > 2000));
    }
    store_idle(f->st); /* the writer idles: buffers may go, the next write starts afresh */
    assert_int_equal(store_write(f->st, put_many, &(struct many){0, 1, false}), 0);
    assert_int_equal(record_dict(f, BULK_N + 1), 1);
    msgpack_sbuffer_destroy(&a);
    msgpack_sbuffer_destroy(&b);
    index_close(&g.ix);
    store_close(&g.st);
    tu_rmtree(g.dir);
    free(g.dir);
}

/*
 * Make a store's index look like an older binary left it: an "ix_post" database, the corpus
 * record's version set to *arg (1: format 1 itself; 2: a format-1 binary opened a format-2
 * index since), and a stale list in ix_tail that a rebuild must not keep.
 */
static int make_format_1(struct store_txn *t, void *arg)
{
    MDB_txn *txn = store_txn_mdb(t);
    MDB_dbi post, meta, tail;
    MDB_val k = {6, (void *)"corpus"}, v;
    struct index_stats s;
    uint32_t docid = 1;
    uint8_t key[12] = {'A', 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, stale[] = {1, 1, 1};
    MDB_val pk = {sizeof(key), key}, pv = {sizeof(docid), &docid};

    assert_int_equal(mdb_dbi_open(txn, "ix_post",
                                  MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP, &post),
                     0);
    assert_int_equal(mdb_put(txn, post, &pk, &pv, 0), 0);
    assert_int_equal(mdb_dbi_open(txn, "ix_tail", 0, &tail), 0);
    pv = (MDB_val){sizeof(stale), stale}; /* count 1: docid 1 */
    assert_int_equal(mdb_put(txn, tail, &pk, &pv, 0), 0);
    assert_int_equal(mdb_dbi_open(txn, "ix_meta", 0, &meta), 0);
    assert_int_equal(mdb_get(txn, meta, &k, &v), 0);
    assert_int_equal(v.mv_size, sizeof(s));
    memcpy(&s, v.mv_data, sizeof(s));
    assert_int_equal(s.version, 2);
    s.version = *(uint32_t *)arg;
    v = (MDB_val){sizeof(s), &s};
    assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
    return 0;
}

/* Close f, let make_format_1 rewrite its store as version `version`, reopen the store alone. */
static void downgrade(struct fx *f, uint32_t version)
{
    struct store_options o = {.no_sync = true};

    index_close(&f->ix);
    store_close(&f->st);
    /* The store alone (no index hooks) rewrites it as the older binary would have left it. */
    assert_int_equal(store_open(&f->st, f->dir, &o), 0);
    assert_int_equal(store_write(f->st, make_format_1, &version), 0);
}

/*
 * An index of the older format (duplicates in "ix_post"), or one a format-1 binary has written
 * to since, is dropped and built again at open: the stale list is gone, dfs are as before.
 */
static void test_index_an_older_format_is_rebuilt_from_the_profiles(void **state)
{
    struct fx *f = *state;
    const uint8_t key[12] = {'A', 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    struct index_stats s;
    struct store_txn r;
    struct postings p;
    struct post_reader pr;
    uint32_t before, n;
    MDB_dbi dbi;

    open_all(f, 0);
    assert_int_equal(store_write(f->st, put_many, &(struct many){0, 300, false}), 0);
    before = df_now(f, "solar"); /* a word the stemmer keeps */
    assert_true(before > 0);
    for (uint32_t version = 1; version <= 2; version++) {
        downgrade(f, version);
        store_close(&f->st);
        open_all(f, 0);
        assert_int_equal(df_now(f, "solar"), before);
        assert_docs_load(f, "injection", 50);
        assert_int_equal(postings_open(&p, f->st), 0);
        store_read_init(f->st, &r);
        assert_int_equal(store_read_begin(&r), 0);
        assert_int_equal(mdb_dbi_open(store_txn_mdb(&r), "ix_post", 0, &dbi), MDB_NOTFOUND);
        assert_int_equal(index_stats(f->ix, &r, &s), 0);
        assert_int_equal(s.version, 2);
        assert_int_equal(s.n_docs, 300);
        assert_int_equal(post_reader_open(&pr, &p, &r), 0);
        assert_int_equal(postings_count(&pr, key, &n), 0);
        assert_int_equal(n, 0);
        post_reader_close(&pr);
        store_read_release(&r);
    }
    /* A newer format than the engine knows is refused, not dropped. */
    downgrade(f, 3);
    assert_int_equal(index_open(&f->ix, f->st), SM_ESTORE);
    assert_null(f->ix);
}

/* Damage the posting list of "solar" in all profiles' vectors ('A' key): a zero gap. */
static int damage_solar(struct store_txn *t, void *arg)
{
    MDB_txn *txn = store_txn_mdb(t);
    uint64_t h = text_hash("solar", 5);
    uint8_t key[12] = {'A'}, bad[] = {2, 2, 5, 0};
    MDB_val k = {sizeof(key), key}, v = {sizeof(bad), bad};
    MDB_dbi tail;

    (void)arg;
    memcpy(key + 4, &h, sizeof(h));
    assert_int_equal(mdb_dbi_open(txn, "ix_tail", 0, &tail), 0);
    assert_int_equal(mdb_get(txn, tail, &k, &(MDB_val){0}), 0); /* the list is there */
    assert_int_equal(mdb_put(txn, tail, &k, &v, 0), 0);
    return 0;
}

/*
 * A damaged posting list fails the writes that touch it (nothing half written); index_drop
 * (the engine's --rebuild-index) and a reopen build the index again, and writes go on.
 */
static void test_index_a_damaged_list_fails_writes_until_the_index_is_rebuilt(void **state)
{
    struct fx *f = *state;
    struct store_options o = {.no_sync = true};
    uint32_t before;

    open_all(f, 0);
    assert_int_equal(store_write(f->st, put_many, &(struct many){0, 300, false}), 0);
    before = df_now(f, "solar");
    assert_true(before > 0);
    assert_int_equal(store_write(f->st, damage_solar, NULL), 0);
    assert_int_equal(store_write(f->st, put_many, &(struct many){300, 30, false}), SM_ESTORE);
    index_close(&f->ix);
    store_close(&f->st);
    assert_int_equal(store_open(&f->st, f->dir, &o), 0);
    assert_int_equal(index_drop(f->st), 0);
    assert_int_equal(index_open(&f->ix, f->st), 0);
    assert_int_equal(df_now(f, "solar"), before);
    assert_int_equal(store_write(f->st, put_many, &(struct many){300, 30, false}), 0);
    assert_true(df_now(f, "solar") > before);
}

/* Another vocabulary for a second index: its docs, and so its dictionary, differ. */
static const char *const vocab_b[] = {"injection", "zeppelin", "airship", "hangar", "propeller",
                                      "gondola",   "helium",   "rudder",  "mooring", "envelope",
                                      "ballast",   "winch",    "canopy",  "altitude", "navigator"};

struct words_of {
    int n;
    const char *const *vocab; /* 15 words */
};

/* n profiles p-000000... described with two words of the vocabulary each. */
static int put_vocab(struct store_txn *t, void *arg)
{
    struct words_of *m = arg;

    for (int i = 0; i < m->n; i++) {
        char id[32], words[96];

        snprintf(id, sizeof(id), "p-%06d", i);
        snprintf(words, sizeof(words), "%s %s %s series %d", m->vocab[i % 15],
                 m->vocab[(i / 15) % 15], m->vocab[(i * 7) % 15], i);
        assert_int_equal(put_words(t, id, words, 0), 0);
    }
    return 0;
}

/* The ids and scores of a search, as one string. */
static void search_sig(struct fx *f, const char *word, char *out, size_t cap)
{
    struct index_filters flt;
    struct index_hits h;
    struct store_txn r;
    size_t len = 0;

    index_filters_init(&flt);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(index_search(f->ix, &r, word, strlen(word), &flt, 0, 20, &h), 0);
    assert_true(h.n > 0);
    for (size_t i = 0; i < h.n && len + 64 < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s:%.6f ", match_doc_id(h.v[i].d),
                                h.v[i].score);
    index_hits_release(&h);
    store_read_release(&r);
}

/*
 * Two indexes with different dictionaries, read in turn by one thread: each decodes its docs
 * with its own dictionary (the thread's scratch holds one dictionary as LZ4's prefix at a time,
 * and is made again when another index reads). A scratch that kept a stale prefix fails here.
 * These two dictionaries differ in length too; two of the same length are told apart by the
 * index's generation alone, which no test builds.
 */
static void test_index_two_indexes_in_one_thread_decode_with_their_own_dictionaries(void **state)
{
    struct fx *f = *state, g = {0};
    char a1[4096], a2[4096], b1[4096], b2[4096];

    open_all(f, 0);
    assert_int_equal(store_write(f->st, put_vocab, &(struct words_of){2300, vocab}), 0);
    g.dir = tu_tempdir();
    open_all(&g, 0);
    assert_int_equal(store_write(g.st, put_vocab, &(struct words_of){2300, vocab_b}), 0);
    assert_int_equal(record_dict(f, 2300), 1);
    assert_int_equal(record_dict(&g, 2300), 1);
    /* "2250" is in profile 2250 alone: its doc was written after the dictionary was built. */
    search_sig(f, "2250 injection", a1, sizeof(a1));
    search_sig(&g, "2250 injection", b1, sizeof(b1));
    search_sig(f, "2250 injection", a2, sizeof(a2));
    search_sig(&g, "2250 injection", b2, sizeof(b2));
    assert_non_null(strstr(a1, "p-002250:"));
    assert_non_null(strstr(b1, "p-002250:"));
    assert_string_equal(a1, a2);
    assert_string_equal(b1, b2);
    index_close(&g.ix);
    store_close(&g.st);
    tu_rmtree(g.dir);
    free(g.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_batch_hooks_run_once_per_attempt_and_roll_back_failed_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_a_failed_request_drops_its_buffered_postings,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_index_a_rerun_after_map_growth_does_not_duplicate_postings, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_index_a_query_in_a_write_batch_sees_its_earlier_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_docs_use_a_dictionary_once_enough_are_indexed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_index_an_undone_dictionary_is_stored_again_by_the_next_write, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_index_a_dictionary_stored_by_an_undone_request_is_stored_again, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_index_a_prepared_bulk_import_posts_what_small_puts_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_an_older_format_is_rebuilt_from_the_profiles,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_index_a_damaged_list_fails_writes_until_the_index_is_rebuilt, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_index_two_indexes_in_one_thread_decode_with_their_own_dictionaries, setup,
            teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
