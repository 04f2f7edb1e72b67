/* test_store.c - LMDB storage on a real environment in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "store.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "testutil.h"

struct fx {
    char *dir;
    struct store *st;
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

    store_close(&f->st);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* A decoded profile with the given id (and a long description to fill pages quickly). */
static void make_profile(struct profile *p, const char *id, size_t desc_len)
{
    char *desc = tu_repeat('d', desc_len), *extra, *json;
    size_t n = desc_len + 64;
    msgpack_unpacked u;
    struct sm_error e;

    extra = malloc(n);
    snprintf(extra, n, "{\"description\": \"%s\"}", desc);
    json = tu_profile_json(id, desc_len ? extra : NULL);
    assert_int_equal(profile_decode(tu_obj(&u, json), NULL, false, p, &e), 0);
    msgpack_unpacked_destroy(&u);
    free(json);
    free(extra);
    free(desc);
}

struct put_args {
    const char *prefix;
    int from, to;
    size_t desc_len;
    enum store_put_mode mode;
    int64_t now;
    int runs;
};

/* Put profiles prefix-from .. prefix-(to-1). Re-runnable, as store_write requires. */
static int put_range(struct store_txn *t, void *arg)
{
    struct put_args *a = arg;

    a->runs++;
    for (int i = a->from; i < a->to; i++) {
        char id[64];
        struct profile p;
        int rc;

        snprintf(id, sizeof(id), "%s-%d", a->prefix, i);
        make_profile(&p, id, a->desc_len);
        rc = store_profile_put(t, &p, a->mode, a->now, NULL);
        profile_release(&p);
        if (rc)
            return rc;
    }
    return 0;
}

static int put_some(struct store *st, const char *prefix, int from, int to, size_t desc_len)
{
    struct put_args a = {prefix, from, to, desc_len, STORE_PUT_UPSERT, 1000, 0};
    return store_write(st, put_range, &a);
}

static void test_put_get_delete_round_trip(void **state)
{
    struct fx *f = *state;
    struct store_txn r;
    struct profile p;
    const void *val;
    size_t len;

    assert_int_equal(store_open(&f->st, f->dir, NULL), 0);
    assert_int_equal(put_some(f->st, "cn", 0, 3, 0), 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_profile_get(&r, "cn-1", 4, &p), 0);
    assert_string_equal(p.id, "cn-1");
    assert_string_equal(p.contact.email, "li.wei@example.cn"); /* stored with contact */
    assert_int_equal(p.created_ms, 1000);
    profile_release(&p);
    assert_int_equal(store_profile_get_raw(&r, "cn-9", 4, &val, &len), SM_ENOTFOUND);
    assert_int_equal(store_profile_get_raw(&r, "", 0, &val, &len), SM_ENOTFOUND);
    store_read_end(&r);
    store_read_release(&r);
}

static int delete_one(struct store_txn *t, void *arg)
{
    return store_profile_delete(t, arg, strlen(arg));
}

static void test_delete_removes_and_reports_missing_ids(void **state)
{
    struct fx *f = *state;
    struct store_txn r;
    struct store_stats s;

    assert_int_equal(store_open(&f->st, f->dir, NULL), 0);
    assert_int_equal(put_some(f->st, "x", 0, 2, 0), 0);
    assert_int_equal(store_write(f->st, delete_one, "x-0"), 0);
    assert_int_equal(store_write(f->st, delete_one, "x-0"), SM_ENOTFOUND);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_stats(&r, &s), 0);
    assert_int_equal(s.profiles, 1);
    assert_int_equal(s.profile_writes, 3); /* two puts, one delete */
    store_read_release(&r);
}

static void test_create_conflicts_and_upsert_keeps_created_ms(void **state)
{
    struct fx *f = *state;
    struct put_args a = {"c", 0, 1, 0, STORE_PUT_CREATE, 1000, 0};
    struct store_txn r;
    struct profile p;

    assert_int_equal(store_open(&f->st, f->dir, NULL), 0);
    assert_int_equal(store_write(f->st, put_range, &a), 0);
    a.now = 2000;
    assert_int_equal(store_write(f->st, put_range, &a), SM_ECONFLICT);
    a.mode = STORE_PUT_UPSERT;
    assert_int_equal(store_write(f->st, put_range, &a), 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_profile_get(&r, "c-0", 3, &p), 0);
    assert_int_equal(p.created_ms, 1000);
    assert_int_equal(p.updated_ms, 2000);
    profile_release(&p);
    store_read_release(&r);
}

static void test_map_grows_instead_of_failing_when_full(void **state)
{
    struct fx *f = *state;
    struct store_options opt = {.map_size = 64 << 10};
    struct store_txn r;
    struct store_stats s;

    assert_int_equal(store_open(&f->st, f->dir, &opt), 0);
    /* ~2 MiB of records into a 64 KiB map: several doublings, in big and small txns. */
    assert_int_equal(put_some(f->st, "g", 0, 400, 4000), 0);
    for (int i = 400; i < 500; i += 10)
        assert_int_equal(put_some(f->st, "g", i, i + 10, 4000), 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_stats(&r, &s), 0);
    assert_int_equal(s.profiles, 500);
    assert_true(s.map_size >= s.data_bytes);
    assert_true(s.map_size >= (2u << 20));
    for (int i = 0; i < 500; i++) {
        char id[32];
        struct profile p;

        snprintf(id, sizeof(id), "g-%d", i);
        assert_int_equal(store_profile_get(&r, id, strlen(id), &p), 0);
        assert_int_equal(strlen(p.description), 4000);
        profile_release(&p);
    }
    store_read_release(&r);
}

static void test_a_write_is_rerun_from_the_start_after_growth(void **state)
{
    struct fx *f = *state;
    struct store_options opt = {.map_size = 64 << 10};
    struct put_args a = {"r", 0, 100, 4000, STORE_PUT_UPSERT, 1, 0};

    assert_int_equal(store_open(&f->st, f->dir, &opt), 0);
    assert_int_equal(store_write(f->st, put_range, &a), 0);
    assert_true(a.runs > 1);
}

static void test_map_growth_is_bounded_by_map_max(void **state)
{
    struct fx *f = *state;
    struct store_options opt = {.map_size = 64 << 10, .map_max = 256 << 10};

    assert_int_equal(store_open(&f->st, f->dir, &opt), 0);
    assert_int_equal(put_some(f->st, "m", 0, 200, 4000), SM_ESTORE);
    /* Nothing of the failed transaction is visible, and the store still works. */
    assert_int_equal(put_some(f->st, "m", 0, 2, 10), 0);
}

static void test_data_survives_close_and_reopen(void **state)
{
    struct fx *f = *state;
    struct store_options opt = {.map_size = 64 << 10};
    struct store_txn r;
    struct store_stats s;
    struct profile p;

    assert_int_equal(store_open(&f->st, f->dir, &opt), 0);
    assert_int_equal(put_some(f->st, "p", 0, 50, 2000), 0);
    store_close(&f->st);
    assert_null(f->st);
    /* Reopen with the small initial size: LMDB keeps the grown map. */
    assert_int_equal(store_open(&f->st, f->dir, &opt), 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_stats(&r, &s), 0);
    assert_int_equal(s.profiles, 50);
    assert_int_equal(s.profile_writes, 50);
    assert_int_equal(store_profile_get(&r, "p-49", 4, &p), 0);
    profile_release(&p);
    store_read_release(&r);
}

static int fail_after_put(struct store_txn *t, void *arg)
{
    int rc = put_range(t, arg);
    return rc ? rc : SM_EINVAL;
}

static int nested_pair(struct store_txn *t, void *arg)
{
    struct put_args *a = arg, b = *a;
    int rc;

    b.from = 0, b.to = 1;
    rc = store_txn_nested(t, put_range, &b);
    assert_int_equal(rc, 0);
    b.from = 1, b.to = 2;
    rc = store_txn_nested(t, fail_after_put, &b);
    assert_int_equal(rc, SM_EINVAL);
    return 0;
}

static void test_a_failed_nested_txn_undoes_only_itself(void **state)
{
    struct fx *f = *state;
    struct put_args a = {"n", 0, 0, 0, STORE_PUT_UPSERT, 1, 0};
    struct store_txn r;
    const void *v;
    size_t len;

    assert_int_equal(store_open(&f->st, f->dir, NULL), 0);
    assert_int_equal(store_write(f->st, nested_pair, &a), 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_profile_get_raw(&r, "n-0", 3, &v, &len), 0);
    assert_int_equal(store_profile_get_raw(&r, "n-1", 3, &v, &len), SM_ENOTFOUND);
    store_read_release(&r);
}

struct hook_log {
    int created, updated, deleted;
    MDB_dbi dbi;
    bool fail_next;
};

/* A stand-in for the matching index: one posting per profile, in the same transaction. */
static int on_change(struct store_txn *t, const struct profile *old, const struct profile *new_p,
                     void *user)
{
    struct hook_log *h = user;
    const char *id = new_p ? new_p->id : old->id;
    MDB_val k = {strlen(id), (void *)id}, d = {1, "x"};

    if (h->fail_next) {
        h->fail_next = false;
        return SM_EINVAL;
    }
    if (!old)
        h->created++;
    else if (new_p)
        h->updated++;
    else
        h->deleted++;
    if (new_p)
        return store_txn_check(t, mdb_put(store_txn_mdb(t), h->dbi, &k, &d, 0), "posting");
    return store_txn_check(t, mdb_del(store_txn_mdb(t), h->dbi, &k, NULL), "posting");
}

static int nested_put(struct store_txn *t, void *arg)
{
    return store_txn_nested(t, put_range, arg) == SM_EINVAL ? 0 : -1;
}

static void test_hooks_write_in_the_same_transaction(void **state)
{
    struct fx *f = *state;
    struct hook_log h = {0};
    struct store_hook hook = {.profile_changed = on_change, .user = &h};
    struct put_args a = {"h", 0, 1, 0, STORE_PUT_UPSERT, 1, 0};
    struct store_txn r;
    MDB_val k = {3, "h-0"}, d;
    const void *raw;
    size_t raw_len;

    assert_int_equal(store_open(&f->st, f->dir, NULL), 0);
    assert_int_equal(store_dbi_open(f->st, "postings", 0, &h.dbi), 0);
    assert_int_equal(store_add_hook(f->st, &hook), 0);
    assert_int_equal(put_some(f->st, "h", 0, 1, 0), 0);
    assert_int_equal(put_some(f->st, "h", 0, 1, 0), 0);
    assert_int_equal(h.created, 1);
    assert_int_equal(h.updated, 1);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(mdb_get(store_txn_mdb(&r), h.dbi, &k, &d), 0);
    store_read_end(&r);
    /* A failing hook fails the put: record and posting are undone together. */
    h.fail_next = true;
    a.from = 5, a.to = 6;
    assert_int_equal(store_write(f->st, nested_put, &a), 0);
    assert_int_equal(store_read_begin(&r), 0);
    k.mv_data = "h-5";
    assert_int_equal(mdb_get(store_txn_mdb(&r), h.dbi, &k, &d), MDB_NOTFOUND);
    assert_int_equal(store_profile_get_raw(&r, "h-5", 3, &raw, &raw_len), SM_ENOTFOUND);
    store_read_end(&r);
    assert_int_equal(store_write(f->st, delete_one, "h-0"), 0);
    assert_int_equal(h.deleted, 1);
    assert_int_equal(store_read_begin(&r), 0);
    k.mv_data = "h-0";
    assert_int_equal(mdb_get(store_txn_mdb(&r), h.dbi, &k, &d), MDB_NOTFOUND);
    store_read_release(&r);
}

struct slow_reader {
    struct store *st;
    int phase; /* 1: snapshot open (atomic) */
    int begin_rc;
    uint64_t seen;
};

static void *hold_read(void *arg)
{
    struct slow_reader *s = arg;
    struct store_txn r;
    struct store_stats st = {0};
    struct timespec ts = {0, 300 * 1000 * 1000};

    /* No cmocka asserts off the main thread: record and let the test check. */
    store_read_init(s->st, &r);
    s->begin_rc = store_read_begin(&r);
    if (s->begin_rc == 0)
        store_stats(&r, &st);
    s->seen = st.profiles;
    __atomic_store_n(&s->phase, 1, __ATOMIC_SEQ_CST);
    nanosleep(&ts, NULL); /* the writer must wait for this snapshot to end before growing */
    store_read_release(&r);
    return NULL;
}

static void test_growth_waits_for_active_readers(void **state)
{
    struct fx *f = *state;
    struct store_options opt = {.map_size = 64 << 10};
    struct slow_reader s = {0};
    struct store_txn r;
    struct profile p;
    uint64_t t0;
    pthread_t th;

    assert_int_equal(store_open(&f->st, f->dir, &opt), 0);
    assert_int_equal(put_some(f->st, "w", 0, 5, 100), 0);
    s.st = f->st;
    pthread_create(&th, NULL, hold_read, &s);
    while (__atomic_load_n(&s.phase, __ATOMIC_SEQ_CST) < 1)
        usleep(1000);
    t0 = sm_now_ms();
    assert_int_equal(put_some(f->st, "w", 5, 200, 4000), 0);
    /* The map had to grow, and it could only grow once the 300 ms snapshot ended. */
    assert_true(sm_now_ms() - t0 >= 200);
    pthread_join(th, NULL);
    assert_int_equal(s.begin_rc, 0);
    assert_int_equal(s.seen, 5);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_profile_get(&r, "w-199", 5, &p), 0);
    profile_release(&p);
    store_read_release(&r);
}

static int count_one(const char *id, size_t id_len, const void *val, size_t len, void *user)
{
    (void)id;
    (void)id_len;
    (void)val;
    (void)len;
    (*(int *)user)++;
    return 0;
}

static void test_scan_visits_every_profile_in_id_order(void **state)
{
    struct fx *f = *state;
    struct store_txn r;
    int n = 0;

    assert_int_equal(store_open(&f->st, f->dir, NULL), 0);
    assert_int_equal(put_some(f->st, "s", 0, 25, 0), 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_profile_scan(&r, count_one, &n), 0);
    assert_int_equal(n, 25);
    store_read_release(&r);
}

static int set_schema(struct store_txn *t, void *arg)
{
    MDB_dbi *dbi = arg;
    uint32_t v = STORE_SCHEMA_VERSION + 1;
    MDB_val k = {strlen("schema_version"), "schema_version"}, d = {4, &v};

    return store_txn_check(t, mdb_put(store_txn_mdb(t), *dbi, &k, &d, 0), "schema");
}

static void test_a_newer_schema_is_refused(void **state)
{
    struct fx *f = *state;
    MDB_dbi meta;

    assert_int_equal(store_open(&f->st, f->dir, NULL), 0);
    assert_int_equal(store_dbi_open(f->st, "meta", 0, &meta), 0);
    assert_int_equal(store_write(f->st, set_schema, &meta), 0);
    store_close(&f->st);
    assert_int_equal(store_open(&f->st, f->dir, NULL), SM_ESTORE);
    assert_null(f->st);
}

static void test_open_creates_missing_folders(void **state)
{
    struct fx *f = *state;
    char path[4096];

    snprintf(path, sizeof(path), "%s/a/b/c", f->dir);
    assert_int_equal(store_open(&f->st, path, NULL), 0);
    assert_string_equal(store_path(f->st) + strlen(path), "/db");
    assert_int_equal(store_reader_check(f->st, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_delete_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_removes_and_reports_missing_ids, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_create_conflicts_and_upsert_keeps_created_ms, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_map_grows_instead_of_failing_when_full, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_write_is_rerun_from_the_start_after_growth, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_map_growth_is_bounded_by_map_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_survives_close_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_nested_txn_undoes_only_itself, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hooks_write_in_the_same_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_waits_for_active_readers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_visits_every_profile_in_id_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_newer_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_creates_missing_folders, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
