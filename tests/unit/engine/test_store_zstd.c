/*
 * test_store_zstd.c - compressed profile records (store.h, Compression) on a real LMDB
 * environment in a temporary folder: plain below the training threshold, compressed with a
 * trained dictionary above it, old plain records still read, dictionaries persisted, damaged
 * records refused without a crash, and the index built from compressed records at start-up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "index.h"
#include "store.h"

#include <pthread.h>
#include <zstd.h>

#include "proto.h"
#include "testutil.h"

#define THRESHOLD 1000 /* store_options.dict_min of these tests (the default) */

struct fx {
    char *dir;
    struct store *st;
    struct store_options opt;
    MDB_dbi profiles; /* the store's own database, to look at records as stored */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    f->dir = tu_tempdir();
    f->opt.no_sync = true;
    f->opt.dict_min = THRESHOLD;
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

static void open_store(struct fx *f)
{
    assert_int_equal(store_open(&f->st, f->dir, &f->opt), 0);
    assert_int_equal(store_dbi_open(f->st, "profiles", 0, &f->profiles), 0);
}

/* ---- varied profiles (a dictionary needs samples that differ) ---- */

static const char *const words[] = {
    "precision", "casting",   "aluminium",  "injection", "moulding",   "organic",     "coffee",
    "roasting",  "software",  "logistics",  "cold",      "chain",      "textile",     "dyeing",
    "solar",     "panels",    "inverters",  "packaging", "cardboard",  "furniture",   "oak",
    "export",    "import",    "wholesale",  "retail",    "franchise",  "partner",     "seeking",
    "offering",  "certified", "ISO",        "9001",      "medical",    "devices",     "sterile",
    "gloves",    "olive",     "oil",        "bottling",  "wine",       "cellar",      "tourism",
    "hotel",     "training",  "courses",    "robotics",  "welding",    "machining",   "CNC",
    "steel",     "pipes",     "valves",     "pumps",     "irrigation", "seeds",       "fertiliser",
    "dairy",     "cheese",    "bakery",     "flour",     "milling",    "printing",    "labels",
    "cosmetics", "skincare",  "fragrance",  "leather",   "shoes",      "bags",        "ceramics",
    "tiles",     "glass",     "mirrors",    "lighting",  "LED",        "cables",      "sensors",
    "drones",    "mapping",   "consulting", "audit",     "legal",      "translation", "design",
};

static const char *const types[] = {"outsourcing",  "joint_venture", "technology_transfer",
                                    "distribution", "franchise",     "investment",
                                    "rnd",          "services"};
static const char *const countries[] = {"DE", "US", "FR", "IT", "ES", "CN", "JP", "BR", "IN", "PL"};
static const char *const sectors[] = {"C1071", "C2511", "G4649", "J6201", "C3290", "C22"};

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void some_words(char *buf, size_t cap, uint64_t *s, int n)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; i < n && used + 20 < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? " " : "",
                                 words[rng(s) % SM_ARRAY_SIZE(words)]);
}

/* The JSON of generated profile <prefix>-<i>; the same i always gives the same profile. */
static char *gen_json(const char *prefix, int i, int version)
{
    uint64_t s = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1) + (uint64_t)version * 7919;
    char id[64], name[128], desc[1024], offer[512], need[512], kw[64], extra[4096];

    snprintf(id, sizeof(id), "%s-%d", prefix, i);
    some_words(name, sizeof(name), &s, 2);
    some_words(desc, sizeof(desc), &s, 20 + (int)(rng(&s) % 60));
    some_words(offer, sizeof(offer), &s, 8 + (int)(rng(&s) % 20));
    some_words(need, sizeof(need), &s, 8 + (int)(rng(&s) % 20));
    some_words(kw, sizeof(kw), &s, 2);
    snprintf(extra, sizeof(extra),
             "{\"name\": \"%s %d\", \"description\": \"%s\", \"employees\": %d, "
             "\"founded\": %d, \"country\": \"%s\", "
             "\"offers\": [{\"type\": \"%s\", \"sectors\": [\"%s\"], \"keywords\": [\"%s\"], "
             "\"text\": \"%s\", \"countries\": [\"%s\"]}], "
             "\"needs\": [{\"type\": \"%s\", \"sectors\": [\"%s\"], \"text\": \"%s\"}]}",
             name, i, desc, (int)(rng(&s) % 5000) + 1, 1950 + (int)(rng(&s) % 70),
             countries[rng(&s) % SM_ARRAY_SIZE(countries)], types[rng(&s) % SM_ARRAY_SIZE(types)],
             sectors[rng(&s) % SM_ARRAY_SIZE(sectors)], kw, offer,
             countries[rng(&s) % SM_ARRAY_SIZE(countries)], types[rng(&s) % SM_ARRAY_SIZE(types)],
             sectors[rng(&s) % SM_ARRAY_SIZE(sectors)], need);
    return tu_profile_json(id, extra);
}

static void gen_profile(struct profile *p, const char *prefix, int i, int version)
{
    char *json = gen_json(prefix, i, version);
    msgpack_unpacked u;
    struct sm_error e;

    assert_int_equal(profile_decode(tu_obj(&u, json), NULL, false, p, &e), 0);
    msgpack_unpacked_destroy(&u);
    free(json);
}

struct put_args {
    const char *prefix;
    int from, to, version;
};

static int put_range(struct store_txn *t, void *arg)
{
    struct put_args *a = arg;

    for (int i = a->from; i < a->to; i++) {
        struct profile p;
        int rc;

        gen_profile(&p, a->prefix, i, a->version);
        rc = store_profile_put(t, &p, STORE_PUT_UPSERT, 1000 + a->version, NULL);
        profile_release(&p);
        if (rc)
            return rc;
    }
    return 0;
}

static void put_some(struct fx *f, const char *prefix, int from, int to, int version)
{
    struct put_args a = {prefix, from, to, version};

    assert_int_equal(store_write(f->st, put_range, &a), 0);
}

/* The stored form of id: first byte and, when compressed, the dictionary id. */
struct form {
    uint8_t first;
    uint32_t dict;
    size_t len;
};

static struct form stored_form(struct fx *f, const char *id)
{
    struct store_txn r;
    MDB_val k = {strlen(id), (void *)id}, d;
    struct form out = {0};
    const uint8_t *v;

    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(mdb_get(store_txn_mdb(&r), f->profiles, &k, &d), 0);
    v = d.mv_data;
    out.first = v[0];
    out.len = d.mv_size;
    if (v[0] == 0xc1 && d.mv_size > 5)
        out.dict = v[1] | (uint32_t)v[2] << 8 | (uint32_t)v[3] << 16 | (uint32_t)v[4] << 24;
    store_read_release(&r);
    return out;
}

static bool is_map_header(uint8_t b)
{
    return (b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf;
}

/* Read prefix-from .. prefix-(to-1) in one snapshot and check each is the profile written. */
static void check_range(struct fx *f, const char *prefix, int from, int to, int version)
{
    struct store_txn r;

    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    for (int i = from; i < to; i++) {
        struct profile want, got, again;
        const void *raw;
        size_t raw_len;
        char id[64];
        msgpack_unpacked u;
        struct sm_error e;

        snprintf(id, sizeof(id), "%s-%d", prefix, i);
        gen_profile(&want, prefix, i, version);
        assert_int_equal(store_profile_get(&r, id, strlen(id), &got), 0);
        assert_string_equal(got.id, id);
        assert_string_equal(got.name, want.name);
        assert_string_equal(got.description, want.description);
        assert_string_equal(got.offers[0].text, want.offers[0].text);
        assert_string_equal(got.contact.email, "li.wei@example.cn");
        /* The raw record is the canonical msgpack, decompressed. */
        assert_int_equal(store_profile_get_raw(&r, id, strlen(id), &raw, &raw_len), 0);
        assert_true(is_map_header(*(const uint8_t *)raw));
        msgpack_unpacked_init(&u);
        assert_int_equal(proto_unpack(raw, raw_len, NULL, &u), 0);
        assert_int_equal(profile_decode(&u.data, NULL, true, &again, &e), 0);
        msgpack_unpacked_destroy(&u);
        assert_string_equal(again.description, want.description);
        profile_release(&again);
        profile_release(&got);
        profile_release(&want);
    }
    store_read_release(&r);
}

static struct store_stats stats(struct fx *f)
{
    struct store_txn r;
    struct store_stats s;

    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_stats(&r, &s), 0);
    store_read_release(&r);
    return s;
}

/* ---- tests ---- */

struct reader_arg {
    struct store *st;
    int ok;
};

/* Reads compressed records on a thread of its own (its DCtx is freed when it exits). */
static void *read_on_thread(void *arg)
{
    struct reader_arg *a = arg;
    struct store_txn r;

    store_read_init(a->st, &r);
    if (store_read_begin(&r) == 0) {
        for (int i = THRESHOLD; i < THRESHOLD + 100; i++) {
            char id[32];
            struct profile p;

            snprintf(id, sizeof(id), "v-%d", i);
            if (store_profile_get(&r, id, strlen(id), &p) == 0)
                a->ok++;
            profile_release(&p);
        }
    }
    store_read_release(&r);
    return NULL;
}

static void test_records_are_plain_below_the_threshold_and_compressed_above(void **state)
{
    struct fx *f = *state;
    struct form plain, comp;
    struct reader_arg ra = {0};
    size_t plain_sum = 0, comp_sum = 0;
    pthread_t th;

    open_store(f);
    put_some(f, "v", 0, THRESHOLD - 1, 0);
    assert_int_equal(stats(f).dict_id, 0);
    plain = stored_form(f, "v-10");
    assert_true(is_map_header(plain.first));
    check_range(f, "v", 0, THRESHOLD - 1, 0);

    /* The transaction that reaches the threshold trains a dictionary and uses it. */
    put_some(f, "v", THRESHOLD - 1, THRESHOLD + 300, 0);
    assert_int_equal(stats(f).dict_id, 1);
    comp = stored_form(f, "v-1200");
    assert_int_equal(comp.first, 0xc1);
    assert_int_equal(comp.dict, 1);
    for (int i = 0; i < 100; i++) {
        char id[32];

        snprintf(id, sizeof(id), "v-%d", THRESHOLD + 200 + i);
        comp_sum += stored_form(f, id).len;
        snprintf(id, sizeof(id), "v-%d", i);
        plain_sum += stored_form(f, id).len;
    }
    /* Generated records are ~0.9 KB of msgpack; a dictionary makes them at least 2x smaller. */
    print_message("plain %zu bytes, compressed %zu bytes per record\n", plain_sum / 100,
                  comp_sum / 100);
    assert_true(comp_sum * 2 < plain_sum);

    /* Old plain records are still read as they are, next to compressed ones. */
    assert_true(is_map_header(stored_form(f, "v-10").first));
    check_range(f, "v", 0, THRESHOLD + 300, 0);

    /* Another thread meets the dictionary through its own transaction. */
    ra.st = f->st;
    assert_int_equal(pthread_create(&th, NULL, read_on_thread, &ra), 0);
    pthread_join(th, NULL);
    assert_int_equal(ra.ok, 100);
}

static void test_compressed_records_are_read_after_reopen(void **state)
{
    struct fx *f = *state;

    open_store(f);
    put_some(f, "r", 0, THRESHOLD + 100, 0);
    assert_int_equal(stored_form(f, "r-1050").first, 0xc1);
    store_close(&f->st);

    open_store(f);
    assert_int_equal(stats(f).dict_id, 1);
    check_range(f, "r", 0, THRESHOLD + 100, 0);
    /* The persisted dictionary is used again, not trained anew. */
    put_some(f, "r", THRESHOLD + 100, THRESHOLD + 150, 0);
    assert_int_equal(stored_form(f, "r-1120").dict, 1);
    assert_int_equal(stats(f).dict_id, 1);
}

static int count_maps(const char *id, size_t id_len, const void *val, size_t len, void *user)
{
    (void)id;
    (void)id_len;
    (void)len;
    if (is_map_header(*(const uint8_t *)val))
        (*(int *)user)++;
    return 0;
}

static void test_scan_gives_decompressed_records(void **state)
{
    struct fx *f = *state;
    struct store_txn r;
    int n = 0;

    open_store(f);
    put_some(f, "s", 0, THRESHOLD + 50, 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_profile_scan(&r, count_maps, &n), 0);
    store_read_release(&r);
    assert_int_equal(n, THRESHOLD + 50);
}

struct hook_seen {
    int updated, deleted;
    char old_desc[1024];
};

static int on_change(struct store_txn *t, const struct profile *old, const struct profile *new_p,
                     void *user)
{
    struct hook_seen *h = user;

    (void)t;
    if (old && new_p)
        h->updated++;
    if (old && !new_p)
        h->deleted++;
    if (old)
        sm_strlcpy(h->old_desc, old->description ? old->description : "", sizeof(h->old_desc));
    return 0;
}

static int delete_one(struct store_txn *t, void *arg)
{
    return store_profile_delete(t, arg, strlen(arg));
}

static void test_update_and_delete_of_compressed_records(void **state)
{
    struct fx *f = *state;
    struct hook_seen h = {0};
    struct profile v0, p;
    struct store_txn r;

    open_store(f);
    assert_int_equal(store_add_hook(f->st, &(struct store_hook){.profile_changed = on_change, .user = &h}), 0);
    put_some(f, "u", 0, THRESHOLD + 100, 0);
    assert_int_equal(stored_form(f, "u-1050").first, 0xc1);

    /* Update: the hook gets the old profile decompressed; the new one is read back. */
    put_some(f, "u", THRESHOLD + 50, THRESHOLD + 51, 1);
    assert_int_equal(h.updated, 1);
    gen_profile(&v0, "u", THRESHOLD + 50, 0);
    assert_string_equal(h.old_desc, v0.description);
    profile_release(&v0);
    assert_int_equal(stored_form(f, "u-1050").first, 0xc1);
    check_range(f, "u", THRESHOLD + 50, THRESHOLD + 51, 1);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_profile_get(&r, "u-1050", 6, &p), 0);
    assert_int_equal(p.created_ms, 1000); /* kept from the compressed old record */
    assert_int_equal(p.updated_ms, 1001);
    profile_release(&p);
    store_read_release(&r);

    /* An old plain record updated now is stored compressed. */
    assert_true(is_map_header(stored_form(f, "u-5").first));
    put_some(f, "u", 5, 6, 1);
    assert_int_equal(stored_form(f, "u-5").first, 0xc1);
    check_range(f, "u", 5, 6, 1);

    /* Delete a compressed record. */
    assert_int_equal(store_write(f->st, delete_one, "u-1060"), 0);
    assert_int_equal(h.deleted, 1);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_profile_get(&r, "u-1060", 6, &p), SM_ENOTFOUND);
    store_read_release(&r);
    assert_int_equal(store_write(f->st, delete_one, "u-1060"), SM_ENOTFOUND);
    check_range(f, "u", THRESHOLD + 61, THRESHOLD + 100, 0);
}

/* Puts across the threshold in a nested txn that fails: the dictionary's first txn is undone. */
static int fail_nested(struct store_txn *t, void *arg)
{
    int rc = put_range(t, arg);

    return rc ? rc : SM_EINVAL;
}

static int nested_then_ok(struct store_txn *t, void *arg)
{
    assert_int_equal(store_txn_nested(t, fail_nested, arg), SM_EINVAL);
    return 0;
}

static void test_a_dictionary_undone_with_its_txn_is_written_again(void **state)
{
    struct fx *f = *state;
    struct put_args a = {"n", THRESHOLD, THRESHOLD + 20, 0};

    open_store(f);
    put_some(f, "n", 0, THRESHOLD, 0);
    assert_int_equal(store_write(f->st, nested_then_ok, &a), 0);
    assert_int_equal(stats(f).dict_id, 0); /* trained, but undone with its records */
    put_some(f, "n", THRESHOLD, THRESHOLD + 20, 0);
    assert_int_equal(stats(f).dict_id, 1);
    assert_int_equal(stored_form(f, "n-1010").first, 0xc1);
    store_close(&f->st);
    open_store(f);
    check_range(f, "n", 0, THRESHOLD + 20, 0);
}

static void test_a_failed_training_falls_back_to_zstd_without_dictionary(void **state)
{
    struct fx *f = *state;
    struct form fm;

    /* Four samples are too few to train on: records are compressed without a dictionary. */
    f->opt.dict_min = 4;
    open_store(f);
    put_some(f, "f", 0, 4, 0);
    put_some(f, "f", 4, 6, 0);
    assert_int_equal(stats(f).dict_id, 0);
    fm = stored_form(f, "f-5");
    assert_int_equal(fm.first, 0xc1);
    assert_int_equal(fm.dict, 0);
    check_range(f, "f", 0, 6, 0);
}

static void test_a_dictionary_is_trained_again_once_at_dict_retrain(void **state)
{
    struct fx *f = *state;

    f->opt.dict_retrain = 2 * THRESHOLD;
    open_store(f);
    put_some(f, "t", 0, THRESHOLD + 10, 0);
    assert_int_equal(stats(f).dict_id, 1);
    put_some(f, "t", THRESHOLD + 10, 2 * THRESHOLD + 10, 0);
    assert_int_equal(stats(f).dict_id, 2);
    assert_int_equal(stored_form(f, "t-1005").dict, 1);
    assert_int_equal(stored_form(f, "t-2005").dict, 2);
    store_close(&f->st);
    open_store(f);
    check_range(f, "t", 0, 2 * THRESHOLD + 10, 0);
    put_some(f, "t", 2 * THRESHOLD + 10, 2 * THRESHOLD + 20, 0);
    assert_int_equal(stats(f).dict_id, 2);
    assert_int_equal(stored_form(f, "t-2015").dict, 2);
}

/* ---- damaged records ---- */

struct raw_put {
    MDB_dbi dbi;
    const char *id;
    const void *val;
    size_t len;
};

static int put_raw(struct store_txn *t, void *arg)
{
    struct raw_put *a = arg;
    MDB_val k = {strlen(a->id), (void *)a->id}, d = {a->len, (void *)a->val};

    return store_txn_check(t, mdb_put(store_txn_mdb(t), a->dbi, &k, &d, 0), "raw put");
}

static int count_any(const char *id, size_t id_len, const void *val, size_t len, void *user)
{
    (void)id;
    (void)id_len;
    (void)val;
    (void)len;
    (*(int *)user)++;
    return 0;
}

/* Store val under "bad" and read it every way: 0 or SM_ESTORE, never a crash. */
static int read_damaged(struct fx *f, const void *val, size_t len)
{
    struct raw_put a = {f->profiles, "bad", val, len};
    struct store_txn r;
    struct profile p;
    const void *raw;
    size_t raw_len;
    MDB_val k = {3, "bad"}, d;
    int rc, rc2, n = 0;

    assert_int_equal(store_write(f->st, put_raw, &a), 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    rc = store_profile_get_raw(&r, "bad", 3, &raw, &raw_len);
    assert_true(rc == 0 || rc == SM_ESTORE);
    rc2 = store_profile_get(&r, "bad", 3, &p);
    assert_true(rc2 == 0 || rc2 == SM_ESTORE);
    profile_release(&p);
    assert_int_equal(mdb_get(store_txn_mdb(&r), f->profiles, &k, &d), 0);
    rc2 = store_profile_decode(&r, d.mv_data, d.mv_size, &p);
    assert_true(rc2 == 0 || rc2 == SM_ESTORE);
    profile_release(&p);
    rc2 = store_profile_scan(&r, count_any, &n);
    assert_true(rc2 == 0 || rc2 == SM_ESTORE);
    store_read_release(&r);
    return rc;
}

/* The raw bytes stored under id (a copy). */
static uint8_t *stored_bytes(struct fx *f, const char *id, size_t *len)
{
    struct store_txn r;
    MDB_val k = {strlen(id), (void *)id}, d;
    uint8_t *out;

    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(mdb_get(store_txn_mdb(&r), f->profiles, &k, &d), 0);
    out = malloc(d.mv_size);
    memcpy(out, d.mv_data, d.mv_size);
    *len = d.mv_size;
    store_read_release(&r);
    return out;
}

struct packed_put {
    struct profile *p;
    int64_t now_ms;
    const struct store_packed *pre;
    bool created;
};

static int put_packed(struct store_txn *t, void *arg)
{
    struct packed_put *a = arg;

    return store_profile_put_packed(t, a->p, STORE_PUT_UPSERT, a->now_ms, &a->created, a->pre);
}

/* Packing on another thread (the writer's ahead thread does), as the tests below need. */
struct pack_arg {
    struct store *st;
    struct profile *p;
    int64_t now_ms;
    struct store_packed out;
};

static void *pack_on_thread(void *arg)
{
    struct pack_arg *a = arg;

    store_pack_ahead(a->st, a->p, a->now_ms, &a->out);
    return NULL;
}

static void test_records_packed_ahead_are_stored_as_the_put_would_pack_them(void **state)
{
    struct fx *f = *state;
    struct profile p, q;
    struct pack_arg pa;
    struct packed_put pp;
    pthread_t th;
    uint8_t *ahead, *inline_;
    size_t ahead_len, inline_len;
    struct store_txn r;
    struct profile got;
    /* Strings set by hand: a profile's own are its arena's. */
    char id2[] = "a-2", id3[] = "a-3", changed[] = "changed after packing", *orig;

    open_store(f);
    /* No dictionary yet: nothing packed, the put does it all. */
    gen_profile(&p, "a", 0, 0);
    store_pack_ahead(f->st, &p, 5000, &pa.out);
    assert_null(pa.out.data);
    profile_release(&p);
    put_some(f, "w", 0, THRESHOLD + 10, 0);
    assert_int_equal(stats(f).dict_id, 1);

    /* Packed on another thread, stored as is: the same bytes as a put that packs it itself. */
    gen_profile(&p, "a", 1, 0);
    pa = (struct pack_arg){f->st, &p, 5000, {0}};
    assert_int_equal(pthread_create(&th, NULL, pack_on_thread, &pa), 0);
    pthread_join(th, NULL);
    assert_non_null(pa.out.data);
    assert_int_equal(pa.out.dict, 1);
    assert_int_equal(pa.out.now_ms, 5000);
    /* What the put stores is pre as packed: a description changed since is not in it. */
    orig = p.description;
    p.description = changed;
    pp = (struct packed_put){&p, 5000, &pa.out, false};
    assert_int_equal(store_write(f->st, put_packed, &pp), 0);
    assert_true(pp.created);
    p.description = orig;
    ahead = stored_bytes(f, "a-1", &ahead_len);
    assert_int_equal(ahead_len, pa.out.len);
    assert_memory_equal(ahead, pa.out.data, ahead_len);
    gen_profile(&q, "b", 1, 0); /* the same profile under another id, packed by its put */
    q.id = id2;
    pp = (struct packed_put){&q, 5000, NULL, false};
    assert_int_equal(store_write(f->st, put_packed, &pp), 0);
    p.id = id2;
    store_packed_release(&pa.out);
    store_pack_ahead(f->st, &p, 5000, &pa.out);
    inline_ = stored_bytes(f, "a-2", &inline_len);
    assert_int_equal(inline_len, pa.out.len);
    assert_memory_equal(inline_, pa.out.data, inline_len);
    free(ahead);
    free(inline_);

    /* Not for an id that exists (stamped now, packed by the put); a new id keeps pre's stamp. */
    p.description = changed;
    pp = (struct packed_put){&p, 6000, &pa.out, false};
    assert_int_equal(store_write(f->st, put_packed, &pp), 0);
    assert_false(pp.created);
    p.id = id3;
    store_packed_release(&pa.out);
    store_pack_ahead(f->st, &p, 5000, &pa.out);
    pp = (struct packed_put){&p, 7000, &pa.out, false};
    assert_int_equal(store_write(f->st, put_packed, &pp), 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(store_profile_get(&r, "a-2", 3, &got), 0);
    assert_int_equal(got.created_ms, 5000);
    assert_int_equal(got.updated_ms, 6000);
    assert_string_equal(got.description, changed); /* packed by the put */
    profile_release(&got);
    assert_int_equal(store_profile_get(&r, "a-3", 3, &got), 0);
    assert_int_equal(got.created_ms, 5000); /* put at 7000, packed at 5000: as packed */
    assert_int_equal(got.updated_ms, 5000);
    assert_string_equal(got.description, changed);
    profile_release(&got);
    assert_int_equal(store_profile_get(&r, "a-1", 3, &got), 0);
    assert_int_equal(got.created_ms, 5000);
    assert_string_equal(got.description, q.description);
    profile_release(&got);
    store_read_release(&r);
    store_packed_release(&pa.out);
    profile_release(&p);
    profile_release(&q);
}

static void test_damaged_compressed_records_give_an_error_not_a_crash(void **state)
{
    struct fx *f = *state;
    MDB_val k = {6, "d-1050"}, d;
    struct store_txn r;
    uint8_t *good, *buf, huge[32];
    size_t len;
    uint64_t s = 12345;
    int refused = 0;

    open_store(f);
    put_some(f, "d", 0, THRESHOLD + 100, 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(mdb_get(store_txn_mdb(&r), f->profiles, &k, &d), 0);
    len = d.mv_size;
    good = malloc(len);
    buf = malloc(len + 16);
    memcpy(good, d.mv_data, len);
    store_read_release(&r);
    assert_int_equal(good[0], 0xc1);
    assert_int_equal(read_damaged(f, good, len), 0);

    /* Precise damages. */
    assert_int_equal(read_damaged(f, "\xc1", 1), SM_ESTORE);
    assert_int_equal(read_damaged(f, "\xc1\x01\x00\x00\x00", 5), SM_ESTORE);
    memcpy(buf, good, len);
    buf[1] = 99; /* a dictionary that does not exist */
    assert_int_equal(read_damaged(f, buf, len), SM_ESTORE);
    buf[1] = 0; /* no dictionary: the frame needs one */
    assert_int_equal(read_damaged(f, buf, len), SM_ESTORE);
    assert_int_equal(read_damaged(f, good, len - 1), SM_ESTORE); /* truncated frame */
    memcpy(buf, good, len);
    memcpy(buf + len, "garbage!", 8); /* trailing bytes */
    assert_int_equal(read_damaged(f, buf, len + 8), SM_ESTORE);
    /* A frame that declares 1 TiB of content (single segment, 8-byte size) and holds nothing. */
    memset(huge, 0, sizeof(huge));
    huge[0] = 0xc1;
    memcpy(huge + 5, "\x28\xb5\x2f\xfd\xe0", 5);
    huge[5 + 5 + 5] = 1; /* 1 << 40 little-endian */
    assert_int_equal(read_damaged(f, huge, 5 + 5 + 8 + 3), SM_ESTORE);
    /* Declared size one byte short of the content. */
    {
        static const size_t did_len[4] = {0, 1, 2, 4};
        uint8_t fhd = good[5 + 4];
        size_t at = 5 + 4 + 1 + ((fhd >> 5) & 1 ? 0 : 1) + did_len[fhd & 3];

        assert_true(fhd >> 6 != 0 || (fhd >> 5) & 1); /* a content size is there */
        memcpy(buf, good, len);
        if (buf[at] == 0)
            buf[at + 1]--;
        buf[at]--;
        assert_int_equal(read_damaged(f, buf, len), SM_ESTORE);
    }
    /* A frame that holds msgpack which is not a profile: read raw, refused when decoded. */
    {
        size_t n = ZSTD_getFrameContentSize(good + 5, len - 5);
        uint8_t *plain = malloc(n + 1), *z = malloc(ZSTD_compressBound(n + 1) + 5);
        size_t zn;

        memset(plain, 0x90, n + 1); /* fixarray(0): msgpack that is not a map */
        zn = ZSTD_compress(z + 5, ZSTD_compressBound(n + 1), plain, n, 3);
        assert_false(ZSTD_isError(zn));
        memcpy(z, "\xc1\0\0\0\0", 5);
        assert_int_equal(read_damaged(f, z, zn + 5), 0); /* decompresses; decode refuses */
        free(plain);
        free(z);
    }

    /* Random damage: flipped bytes and cut records. */
    for (int i = 0; i < 300; i++) {
        size_t n = len;

        memcpy(buf, good, len);
        for (int j = 0; j < 1 + (int)(rng(&s) % 4); j++)
            buf[5 + rng(&s) % (len - 5)] ^= (uint8_t)(1u << (rng(&s) % 8));
        if (i % 3 == 0)
            n = 1 + rng(&s) % len;
        refused += read_damaged(f, buf, n) == SM_ESTORE;
    }
    print_message("%d of 300 damaged records refused\n", refused);
    assert_true(refused > 100);
    /* The good records around it are unharmed. */
    check_range(f, "d", THRESHOLD, THRESHOLD + 100, 0);
    free(good);
    free(buf);
}

/* ---- the index's start-up build reads compressed records ---- */

static void test_the_index_builds_from_compressed_records_after_a_restart(void **state)
{
    struct fx *f = *state;
    struct index *ix = NULL;
    struct index_stats is;
    struct index_filters flt;
    struct index_hits hits;
    struct store_txn r;
    struct profile p;
    char q[256];

    /* Written by an engine without the index: plain below the threshold, compressed above. */
    open_store(f);
    put_some(f, "x", 0, THRESHOLD + 200, 0);
    assert_int_equal(stored_form(f, "x-1100").first, 0xc1);
    store_close(&f->st);

    open_store(f);
    assert_int_equal(index_open(&ix, f->st), 0);
    store_read_init(f->st, &r);
    assert_int_equal(store_read_begin(&r), 0);
    assert_int_equal(index_stats(ix, &r, &is), 0);
    assert_int_equal(is.n_docs, THRESHOLD + 200);
    /* A compressed profile is found by its own name ("<word> <word> <i>"). */
    gen_profile(&p, "x", THRESHOLD + 100, 0);
    snprintf(q, sizeof(q), "%s", p.name);
    profile_release(&p);
    index_filters_init(&flt);
    assert_int_equal(index_search(ix, &r, q, strlen(q), &flt, 0, 100, &hits), 0);
    assert_true(hits.n > 0);
    {
        bool found = false;

        for (uint32_t i = 0; i < hits.n; i++)
            found |= strcmp(match_doc_id(hits.v[i].d), "x-1100") == 0;
        assert_true(found);
    }
    index_hits_release(&hits);
    store_read_release(&r);
    index_close(&ix);
    store_close(&f->st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_records_are_plain_below_the_threshold_and_compressed_above, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compressed_records_are_read_after_reopen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_scan_gives_decompressed_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_and_delete_of_compressed_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_dictionary_undone_with_its_txn_is_written_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_failed_training_falls_back_to_zstd_without_dictionary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_dictionary_is_trained_again_once_at_dict_retrain,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_records_packed_ahead_are_stored_as_the_put_would_pack_them, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_compressed_records_give_an_error_not_a_crash,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_the_index_builds_from_compressed_records_after_a_restart, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
