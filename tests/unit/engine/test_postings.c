/*
 * test_postings.c - posting lists as blocks (engine/postings.c): the record codec, and random
 * batches of adds and deletes on real LMDB checked against a plain sorted-set model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "postings.h"
#include "store.h"

#include "testutil.h"

#define N_KEYS 4
#define MODEL_MAX 60000

struct fx {
    char *dir;
    struct store *st;
    struct postings p;
    /* The model: per key a bitmap of docids [1, MODEL_MAX). */
    uint8_t *has[N_KEYS];
    uint64_t rng;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct store_options o = {.no_sync = true};

    f->dir = tu_tempdir();
    assert_int_equal(store_open(&f->st, f->dir, &o), 0);
    assert_int_equal(postings_open(&f->p, f->st), 0);
    for (int i = 0; i < N_KEYS; i++)
        f->has[i] = calloc(MODEL_MAX, 1);
    f->rng = 0x9e3779b97f4a7c15ull;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    store_close(&f->st);
    tu_rmtree(f->dir);
    free(f->dir);
    for (int i = 0; i < N_KEYS; i++)
        free(f->has[i]);
    free(f);
    return 0;
}

static uint32_t rnd(struct fx *f, uint32_t n)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return (uint32_t)(f->rng % n);
}

static void key_of(int i, uint8_t key[POST_KEY_LEN])
{
    memset(key, 0, POST_KEY_LEN);
    key[0] = 'A';
    key[11] = (uint8_t)(i * 37 + 1); /* keys that sort apart, with gaps between them */
}

/* ---- the record codec ---- */

static void roundtrip(const uint32_t *ids, size_t n)
{
    uint8_t buf[5 + 5 * 16];
    uint32_t out[16];
    size_t len = post_record_encode(ids, n, buf), m = 99;

    assert_true(len <= 5 + 5 * n);
    assert_int_equal(post_record_decode(buf, len, out, 16, &m), 0);
    assert_int_equal(m, n);
    if (n)
        assert_memory_equal(out, ids, n * sizeof(*ids));
    /* One byte short, or one too many, is not a record. */
    if (len > 1)
        assert_int_equal(post_record_decode(buf, len - 1, out, 16, &m), SM_ESTORE);
    buf[len] = 0;
    assert_int_equal(post_record_decode(buf, len + 1, out, 16, &m), SM_ESTORE);
    /* Nor is one with more docids than the reader allows. */
    if (n)
        assert_int_equal(post_record_decode(buf, len, out, n - 1, &m), SM_ESTORE);
}

static void test_postings_records_round_trip_and_reject_what_is_not_one(void **state)
{
    const uint32_t a[] = {1, 2, 3, 130, 16511, 2097279, 268435583, UINT32_MAX};
    const uint32_t b[] = {UINT32_MAX};
    const uint32_t c[] = {7, 8};
    /* n = 2: first docid 0 (not a docid); a zero gap; a gap past 2^32; a 6-byte varint. */
    const uint8_t bad[][8] = {{2, 0, 1},
                              {2, 5, 0},
                              {2, 0xff, 0xff, 0xff, 0xff, 0x0f, 1},
                              {1, 0x81, 0x80, 0x80, 0x80, 0x80, 0x01}};
    const size_t bad_len[] = {3, 3, 7, 7};
    uint32_t out[16];
    size_t m;

    (void)state;
    roundtrip(NULL, 0);
    roundtrip(a, SM_ARRAY_SIZE(a));
    roundtrip(b, 1);
    roundtrip(c, 2);
    for (size_t i = 0; i < SM_ARRAY_SIZE(bad); i++)
        assert_int_equal(post_record_decode(bad[i], bad_len[i], out, 16, &m), SM_ESTORE);
    /* Gaps are what take the room: consecutive docids take a byte each. */
    {
        uint32_t v[16];
        uint8_t buf[5 + 5 * 16];

        for (int i = 0; i < 16; i++)
            v[i] = 1000000 + (uint32_t)i;
        assert_int_equal(post_record_encode(v, 16, buf), 1 + 3 + 15);
    }
}

/* ---- lists against the model ---- */

struct batch {
    struct fx *f;
    struct post_op *ops[N_KEYS];
    size_t n[N_KEYS];
};

static int apply_batch(struct store_txn *t, void *arg)
{
    struct batch *b = arg;
    struct post_writer w;
    int rc = post_writer_begin(&w, &b->f->p, t);

    for (int i = 0; rc == 0 && i < N_KEYS; i++) {
        uint8_t key[POST_KEY_LEN];

        key_of(i, key);
        rc = postings_apply(&w, key, b->ops[i], b->n[i]);
    }
    post_writer_end(&w);
    return rc;
}

/* Every list reads back as the model holds it, count included; records stay within bounds. */
static void check_lists(struct fx *f)
{
    struct store_txn t;
    struct post_reader r;
    struct post_iter *it = malloc(sizeof(*it));

    store_read_init(f->st, &t);
    assert_int_equal(store_read_begin(&t), 0);
    assert_int_equal(post_reader_open(&r, &f->p, &t), 0);
    for (int i = 0; i < N_KEYS; i++) {
        uint8_t key[POST_KEY_LEN];
        uint32_t count, want = 0, next = 1, seen = 0;
        const uint32_t *ids;
        size_t n;
        int rc;

        for (uint32_t d = 1; d < MODEL_MAX; d++)
            want += f->has[i][d];
        key_of(i, key);
        assert_int_equal(postings_count(&r, key, &count), 0);
        assert_int_equal(count, want);
        assert_int_equal(post_iter_begin(it, &r, key), 0);
        for (int run = 0; (rc = post_iter_next(it, &ids, &n)) == 0 && n; run++) {
            assert_true(n <= POST_BLOCK);
            /* Sealed blocks but a list's first keep a quarter full at least (merge_prev). */
            if (run > 0 && it->state != 3)
                assert_true(n >= POST_BLOCK / 4);
            for (size_t j = 0; j < n; j++) {
                /* Ascending, and exactly the model's docids. */
                assert_true(ids[j] >= next);
                for (; next < ids[j]; next++)
                    assert_int_equal(f->has[i][next], 0);
                assert_int_equal(f->has[i][ids[j]], 1);
                next = ids[j] + 1;
                seen++;
            }
        }
        assert_int_equal(rc, 0);
        assert_int_equal(seen, want);
    }
    post_reader_close(&r);
    store_read_release(&t);
    free(it);
}

/* Sorted distinct ops for one key: n random docids below hi, adds with probability add_pct. */
static size_t make_ops(struct fx *f, int key, struct post_op *ops, size_t n, uint32_t lo,
                       uint32_t hi, unsigned add_pct)
{
    uint8_t *pick = calloc(MODEL_MAX, 1);
    size_t m = 0;

    for (size_t i = 0; i < n; i++)
        pick[lo + rnd(f, hi - lo)] = 1;
    for (uint32_t d = lo; d < hi; d++) {
        if (!pick[d])
            continue;
        ops[m].docid = d;
        ops[m].del = rnd(f, 100) >= add_pct;
        f->has[key][d] = !ops[m].del;
        m++;
    }
    free(pick);
    return m;
}

static void run_batch(struct fx *f, size_t per_key, uint32_t lo, uint32_t hi, unsigned add_pct)
{
    struct batch b = {.f = f};

    for (int i = 0; i < N_KEYS; i++) {
        b.ops[i] = calloc(per_key ? per_key : 1, sizeof(struct post_op));
        /* Key 3 is left alone now and then: lists that a batch does not touch keep as they are. */
        b.n[i] = i == 3 && rnd(f, 2) ? 0 : make_ops(f, i, b.ops[i], per_key, lo, hi, add_pct);
    }
    assert_int_equal(store_write(f->st, apply_batch, &b), 0);
    for (int i = 0; i < N_KEYS; i++)
        free(b.ops[i]);
    check_lists(f);
}

/*
 * An import's pattern (new docids above every old one, in batches of all sizes), then updates
 * and deletes anywhere: in sealed blocks (emptying some, growing others past POST_BLOCK), in
 * the tail, of docids that are not there, adds of docids that are.
 */
static void test_postings_lists_follow_random_adds_and_deletes(void **state)
{
    struct fx *f = *state;
    uint32_t top = 1;

    for (int round = 0; round < 40; round++) {
        size_t grow = round % 7 == 0 ? 3000 : 1 + rnd(f, 300);

        run_batch(f, grow, top, top + (uint32_t)grow * 2, 100);
        top += (uint32_t)grow * 2;
    }
    for (int round = 0; round < 60; round++) {
        unsigned add_pct = round < 20 ? 30 : round < 40 ? 70 : 50;

        run_batch(f, 1 + rnd(f, 400), 1, top, add_pct);
    }
    /* Delete everything: no record is left behind. */
    {
        struct batch b = {.f = f};
        struct store_txn t;
        MDB_stat st;

        for (int i = 0; i < N_KEYS; i++) {
            b.ops[i] = calloc(MODEL_MAX, sizeof(struct post_op));
            for (uint32_t d = 1; d < MODEL_MAX; d++)
                if (f->has[i][d]) {
                    b.ops[i][b.n[i]++] = (struct post_op){d, 1};
                    f->has[i][d] = 0;
                }
        }
        assert_int_equal(store_write(f->st, apply_batch, &b), 0);
        for (int i = 0; i < N_KEYS; i++)
            free(b.ops[i]);
        check_lists(f);
        store_read_init(f->st, &t);
        assert_int_equal(store_read_begin(&t), 0);
        assert_int_equal(mdb_stat(store_txn_mdb(&t), f->p.tail, &st), 0);
        assert_int_equal(st.ms_entries, 0);
        assert_int_equal(mdb_stat(store_txn_mdb(&t), f->p.blk, &st), 0);
        assert_int_equal(st.ms_entries, 0);
        store_read_release(&t);
    }
}

/* Deleting most of a long list merges what its blocks keep: records stay few and full enough. */
static void test_postings_emptied_blocks_merge(void **state)
{
    struct fx *f = *state;
    struct store_txn t;
    MDB_stat st;

    run_batch(f, 6000, 1, 12000, 100); /* ~4,900 docids a key: ~19 blocks and a tail */
    for (int round = 0; round < 6; round++)
        run_batch(f, 6000, 1, 12000, 0); /* deletes only: ~95 % gone after six rounds */
    store_read_init(f->st, &t);
    assert_int_equal(store_read_begin(&t), 0);
    assert_int_equal(mdb_stat(store_txn_mdb(&t), f->p.blk, &st), 0);
    /* Without merging, every key would keep its ~19 blocks. */
    assert_true(st.ms_entries < (size_t)N_KEYS * 10);
    store_read_release(&t);
}

/* Every record of both databases, for comparing two stores. */
static void dump(struct fx *f, msgpack_sbuffer *out)
{
    const MDB_dbi dbs[] = {f->p.tail, f->p.blk};
    struct store_txn t;

    store_read_init(f->st, &t);
    assert_int_equal(store_read_begin(&t), 0);
    for (int i = 0; i < 2; i++) {
        MDB_cursor *cur;
        MDB_val k, v;
        int mrc;

        assert_int_equal(mdb_cursor_open(store_txn_mdb(&t), dbs[i], &cur), 0);
        for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
             mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            msgpack_sbuffer_write(out, k.mv_data, k.mv_size);
            msgpack_sbuffer_write(out, v.mv_data, v.mv_size);
        }
        assert_int_equal(mrc, MDB_NOTFOUND);
        mdb_cursor_close(cur);
    }
    store_read_release(&t);
}

/* Appends seal the same blocks however they are batched: the records depend on the list only. */
static void test_postings_appends_seal_the_same_blocks_in_any_batching(void **state)
{
    struct fx *f = *state, *g;
    msgpack_sbuffer a, b;
    const uint32_t n = 3000;

    assert_int_equal(setup((void **)&g), 0);
    for (uint32_t from = 1; from <= n;) {
        uint32_t len = 1 + rnd(f, 700);
        struct batch bf = {.f = f};

        len = SM_MIN(len, n + 1 - from);
        for (int i = 0; i < N_KEYS; i++) {
            bf.ops[i] = calloc(len, sizeof(struct post_op));
            for (uint32_t d = 0; d < len; d++)
                bf.ops[i][d] = (struct post_op){(from + d) * (uint32_t)(i + 1), 0};
            bf.n[i] = len;
        }
        assert_int_equal(store_write(f->st, apply_batch, &bf), 0);
        for (int i = 0; i < N_KEYS; i++)
            free(bf.ops[i]);
        from += len;
    }
    {
        struct batch bg = {.f = g};

        for (int i = 0; i < N_KEYS; i++) {
            bg.ops[i] = calloc(n, sizeof(struct post_op));
            for (uint32_t d = 0; d < n; d++)
                bg.ops[i][d] = (struct post_op){(1 + d) * (uint32_t)(i + 1), 0};
            bg.n[i] = n;
        }
        assert_int_equal(store_write(g->st, apply_batch, &bg), 0);
        for (int i = 0; i < N_KEYS; i++)
            free(bg.ops[i]);
    }
    msgpack_sbuffer_init(&a);
    msgpack_sbuffer_init(&b);
    dump(f, &a);
    dump(g, &b);
    assert_int_equal(a.size, b.size);
    assert_memory_equal(a.data, b.data, a.size);
    /* 3,000 docids with gaps of 1 to 4: about a byte and a half each, all records included. */
    assert_true(a.size < (size_t)N_KEYS * n * 2);
    msgpack_sbuffer_destroy(&a);
    msgpack_sbuffer_destroy(&b);
    teardown((void **)&g);
}

struct raw {
    struct fx *f;
    const uint8_t *v;
    size_t len;
};

static int put_raw(struct store_txn *t, void *arg)
{
    struct raw *r = arg;
    uint8_t key[POST_KEY_LEN];
    MDB_val k = {POST_KEY_LEN, key}, v = {r->len, (void *)r->v};

    key_of(0, key);
    return store_txn_check(t, mdb_put(store_txn_mdb(t), r->f->p.tail, &k, &v, 0), "put");
}

/*
 * A damaged record is an error to whoever reads or writes the list, not a crash: with an op
 * below its docids (the general path) and above them (what the append path would take).
 */
static void test_postings_a_damaged_record_is_an_error(void **state)
{
    struct fx *f = *state;
    static const uint8_t zero_gap[] = {9, 2, 5, 0};    /* count 9, two docids, the second gap 0 */
    static const uint8_t short_count[] = {1, 2, 5, 1}; /* count 1 for a tail of two docids */
    static const uint8_t cut[] = {9, 3, 5, 1};         /* three docids, two gaps */
    const struct raw bad[] = {{f, zero_gap, sizeof(zero_gap)},
                              {f, short_count, sizeof(short_count)},
                              {f, cut, sizeof(cut)}};
    struct post_iter *it = malloc(sizeof(*it));
    uint8_t key[POST_KEY_LEN];

    key_of(0, key);
    for (size_t i = 0; i < SM_ARRAY_SIZE(bad); i++) {
        for (uint32_t docid = 1; docid <= 100; docid += 99) {
            struct post_op op = {docid, 0};
            struct batch b = {.f = f, .ops = {&op}, .n = {1}};
            struct store_txn t;
            struct post_reader r;

            assert_int_equal(store_write(f->st, put_raw, (void *)&bad[i]), 0);
            store_read_init(f->st, &t);
            assert_int_equal(store_read_begin(&t), 0);
            assert_int_equal(post_reader_open(&r, &f->p, &t), 0);
            assert_int_equal(post_iter_begin(it, &r, key), SM_ESTORE);
            post_reader_close(&r);
            store_read_release(&t);
            assert_int_equal(store_write(f->st, apply_batch, &b), SM_ESTORE);
        }
    }
    free(it);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_postings_records_round_trip_and_reject_what_is_not_one),
        cmocka_unit_test_setup_teardown(test_postings_lists_follow_random_adds_and_deletes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_postings_emptied_blocks_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_postings_appends_seal_the_same_blocks_in_any_batching,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_postings_a_damaged_record_is_an_error, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
