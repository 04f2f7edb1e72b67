/* test_index.c - the matching index on a real LMDB environment in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "index.h"

#include "testutil.h"

struct fx {
    char *dir;
    struct store *st;
    struct index *ix;
    struct store_txn r;
    bool reading;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct store_options o = {.no_sync = true};

    f->dir = tu_tempdir();
    assert_int_equal(store_open(&f->st, f->dir, &o), 0);
    assert_int_equal(index_open(&f->ix, f->st), 0);
    *state = f;
    return 0;
}

static void end_read(struct fx *f)
{
    if (f->reading) {
        store_read_end(&f->r);
        store_read_release(&f->r);
        f->reading = false;
    }
}

static int teardown(void **state)
{
    struct fx *f = *state;

    end_read(f);
    index_close(&f->ix);
    store_close(&f->st);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* A fresh read snapshot (ends the previous one). */
static struct store_txn *snap(struct fx *f)
{
    end_read(f);
    store_read_init(f->st, &f->r);
    assert_int_equal(store_read_begin(&f->r), 0);
    f->reading = true;
    return &f->r;
}

static int put_json(struct store_txn *t, void *arg)
{
    msgpack_unpacked u;
    struct sm_error e;
    struct profile p;
    int rc;

    rc = profile_decode(tu_obj(&u, arg), NULL, false, &p, &e);
    msgpack_unpacked_destroy(&u);
    if (rc) {
        fprintf(stderr, "bad test profile: %s: %s\n", e.field, e.message);
        return rc;
    }
    rc = store_profile_put(t, &p, STORE_PUT_UPSERT, 1000, NULL);
    profile_release(&p);
    return rc;
}

static void put(struct fx *f, const char *json)
{
    end_read(f);
    assert_int_equal(store_write(f->st, put_json, (void *)json), 0);
}

static int delete_one(struct store_txn *t, void *arg)
{
    return store_profile_delete(t, arg, strlen(arg));
}

static void del(struct fx *f, const char *id)
{
    end_read(f);
    assert_int_equal(store_write(f->st, delete_one, (void *)id), 0);
}

/* A: an SME that needs a stationery distributor and offers OEM gel pens. */
static const char prof_a[] =
    "{\"id\": \"a\", \"kind\": \"sme\", \"name\": \"Alpha Pens\", \"country\": \"CN\", "
    "\"languages\": [\"zh\", \"en\"], \"sectors\": [\"C3290\"], "
    "\"offers\": [{\"type\": \"outsourcing\", \"sectors\": [\"C3290\"], \"keywords\": [\"gel "
    "pens\"], \"text\": \"OEM production of gel pens\"}], "
    "\"needs\": [{\"type\": \"distribution\", \"sectors\": [\"G4649\"], \"keywords\": "
    "[\"stationery wholesale\"], \"text\": \"seeking a stationery distributor in Germany\", "
    "\"countries\": [\"DE\"]}]}";

/* B: a German wholesaler that offers what A needs (complementary). */
static const char prof_b[] =
    "{\"id\": \"b\", \"kind\": \"large\", \"name\": \"Beta Wholesale\", \"country\": \"DE\", "
    "\"languages\": [\"de\", \"en\"], \"sectors\": [\"G4649\"], "
    "\"offers\": [{\"type\": \"distribution\", \"sectors\": [\"G4649\"], \"keywords\": "
    "[\"stationery wholesale\"], \"text\": \"wholesale distribution of school stationery\", "
    "\"countries\": [\"CN\"]}]}";

/* C: a competitor of A (offers gel pens too, needs the same distribution as A). */
static const char prof_c[] =
    "{\"id\": \"c\", \"kind\": \"sme\", \"name\": \"Gamma Pens\", \"country\": \"CN\", "
    "\"sectors\": [\"C3290\"], "
    "\"offers\": [{\"type\": \"outsourcing\", \"sectors\": [\"C3290\"], \"keywords\": [\"gel "
    "pens\"], \"text\": \"OEM gel pens\"}], "
    "\"needs\": [{\"type\": \"distribution\", \"sectors\": [\"G4649\"], \"text\": \"stationery "
    "distributor wanted\"}]}";

/* D: offers the right sector and words, but a different type (franchise). */
static const char prof_d[] =
    "{\"id\": \"d\", \"kind\": \"foreign\", \"name\": \"Delta Franchise\", \"country\": \"FR\", "
    "\"offers\": [{\"type\": \"franchise\", \"sectors\": [\"G4649\"], \"text\": \"stationery "
    "wholesale franchise\"}]}";

static void test_index_add_writes_postings_and_corpus_stats(void **state)
{
    struct fx *f = *state;
    struct index_stats s;
    struct store_txn *t;

    put(f, prof_a);
    t = snap(f);
    assert_int_equal(index_stats(f->ix, t, &s), 0);
    assert_int_equal(s.n_docs, 1);
    assert_int_equal(s.n_items, 2);
    assert_true(s.sum_item_len > 0 && s.sum_doc_len > 0);
    assert_int_equal(s.next_docid, 2);
    assert_int_equal(index_df(f->ix, t, "gel", 3), 1);
    assert_int_equal(index_df(f->ix, t, "kw:gel pen", 10), 1);
    assert_int_equal(index_df(f->ix, t, "tile", 4), 0);
    /* Item postings by type and side: the offer is outsourcing, the need distribution. */
    assert_int_equal(index_postings(f->ix, t, 'T', COOP_OUTSOURCING, 0, "gel", 3), 1);
    assert_int_equal(index_postings(f->ix, t, 'T', COOP_OUTSOURCING, 1, "gel", 3), 0);
    assert_int_equal(index_postings(f->ix, t, 'T', COOP_DISTRIBUTION, 1, "stationeri", 10), 1);
    /* Sector prefixes at every level. */
    assert_int_equal(index_postings(f->ix, t, 'S', COOP_DISTRIBUTION, 1, "G", 1), 1);
    assert_int_equal(index_postings(f->ix, t, 'S', COOP_DISTRIBUTION, 1, "G46", 3), 1);
    assert_int_equal(index_postings(f->ix, t, 'S', COOP_DISTRIBUTION, 1, "G464", 4), 1);
    assert_int_equal(index_postings(f->ix, t, 'S', COOP_DISTRIBUTION, 1, "G4649", 5), 1);
    assert_int_equal(index_postings(f->ix, t, 'S', COOP_DISTRIBUTION, 0, "G4649", 5), 0);

    put(f, prof_b);
    t = snap(f);
    assert_int_equal(index_stats(f->ix, t, &s), 0);
    assert_int_equal(s.n_docs, 2);
    assert_int_equal(index_df(f->ix, t, "stationeri", 10), 2);
}

static void test_index_update_replaces_postings_and_keeps_docid(void **state)
{
    struct fx *f = *state;
    struct index_stats s1, s2;
    struct store_txn *t;
    char *json = tu_profile_json("a", "{\"offers\": [{\"type\": \"outsourcing\", \"text\": "
                                      "\"ceramic tiles\"}], \"description\": \"!delete!\"}");

    put(f, prof_a);
    t = snap(f);
    assert_int_equal(index_stats(f->ix, t, &s1), 0);
    put(f, json);
    t = snap(f);
    assert_int_equal(index_stats(f->ix, t, &s2), 0);
    assert_int_equal(s2.n_docs, 1);
    assert_int_equal(s2.next_docid, s1.next_docid); /* an update keeps its docid */
    assert_int_equal(index_df(f->ix, t, "gel", 3), 0);
    assert_int_equal(index_df(f->ix, t, "tile", 4), 1);
    assert_int_equal(index_postings(f->ix, t, 'T', COOP_OUTSOURCING, 0, "gel", 3), 0);
    assert_int_equal(index_postings(f->ix, t, 'T', COOP_OUTSOURCING, 0, "tile", 4), 1);
    free(json);
}

/* An update keeps a docid smaller than later ones: its postings go into the middle of lists. */
static void test_index_update_of_older_profile_keeps_lists_sorted(void **state)
{
    struct fx *f = *state;
    struct index_filters flt;
    struct index_leads r;
    struct store_txn *t;

    put(f, prof_a);
    put(f, prof_b);
    put(f, prof_c);
    put(f, prof_a); /* docid 1, re-posted after docids 2 and 3 */
    t = snap(f);
    assert_int_equal(index_df(f->ix, t, "stationeri", 10), 3);
    assert_int_equal(index_postings(f->ix, t, 'S', COOP_DISTRIBUTION, 1, "G4649", 5), 2);
    index_filters_init(&flt);
    assert_int_equal(index_leads(f->ix, t, "a", 1, &flt, 0, 10, false, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(match_doc_id(r.v[0].b), "b");
    index_leads_release(&r);
    del(f, "a");
    t = snap(f);
    assert_int_equal(index_df(f->ix, t, "stationeri", 10), 2);
    assert_int_equal(index_postings(f->ix, t, 'S', COOP_DISTRIBUTION, 1, "G4649", 5), 1);
}

static void test_index_delete_removes_postings_and_stats(void **state)
{
    struct fx *f = *state;
    struct index_filters flt;
    struct index_leads r;
    struct index_stats s;
    struct store_txn *t;

    put(f, prof_a);
    put(f, prof_b);
    del(f, "b");
    t = snap(f);
    assert_int_equal(index_stats(f->ix, t, &s), 0);
    assert_int_equal(s.n_docs, 1);
    assert_int_equal(s.n_items, 2);
    assert_int_equal(index_df(f->ix, t, "wholesal", 8), 1); /* only A's keyword now */
    assert_int_equal(index_postings(f->ix, t, 'T', COOP_DISTRIBUTION, 0, "wholesal", 8), 0);
    index_filters_init(&flt);
    assert_int_equal(index_leads(f->ix, t, "b", 1, &flt, 0, 10, false, &r), SM_ENOTFOUND);
    assert_int_equal(index_leads(f->ix, t, "a", 1, &flt, 0, 10, false, &r), 0);
    assert_int_equal(r.n, 0);
    index_leads_release(&r);
    del(f, "a");
    t = snap(f);
    assert_int_equal(index_stats(f->ix, t, &s), 0);
    assert_int_equal(s.n_docs, 0);
    assert_int_equal(s.n_items, 0);
    assert_int_equal(s.sum_item_len, 0);
    assert_int_equal(s.sum_doc_len, 0);
    assert_int_equal(index_df(f->ix, t, "gel", 3), 0);
}

static void test_index_leads_only_complementary_profiles(void **state)
{
    struct fx *f = *state;
    struct index_filters flt;
    struct index_leads r;
    struct store_txn *t;

    put(f, prof_a);
    put(f, prof_b);
    put(f, prof_c);
    put(f, prof_d);
    t = snap(f);
    index_filters_init(&flt);
    assert_int_equal(index_leads(f->ix, t, "a", 1, &flt, 0, 10, true, &r), 0);
    /* B offers what A needs; C competes (offer-offer, need-need of a non-symmetric type); D
     * offers another type. */
    assert_int_equal(r.n, 1);
    assert_string_equal(match_doc_id(r.v[0].b), "b");
    assert_true(r.v[0].score > 0);
    assert_non_null(r.ex);
    assert_true(r.ex[0].n >= 1);
    assert_true(r.ex[0].r[0].forward);
    index_leads_release(&r);

    /* B needs nothing: a lead needs s(B->X) > 0, so B has none (A and C are its customers). */
    assert_int_equal(index_leads(f->ix, t, "b", 1, &flt, 0, 10, false, &r), 0);
    assert_int_equal(r.n, 0);
    index_leads_release(&r);

    /* Filters: a type A has no need of gives nothing; country of B gives B. */
    flt.type = COOP_FRANCHISE;
    assert_int_equal(index_leads(f->ix, t, "a", 1, &flt, 0, 10, false, &r), 0);
    assert_int_equal(r.n, 0);
    index_leads_release(&r);
    index_filters_init(&flt);
    memcpy(flt.country, "FR", 3);
    assert_int_equal(index_leads(f->ix, t, "a", 1, &flt, 0, 10, false, &r), 0);
    assert_int_equal(r.n, 0);
    index_leads_release(&r);
    memcpy(flt.country, "DE", 3);
    assert_int_equal(index_leads(f->ix, t, "a", 1, &flt, 0, 10, false, &r), 0);
    assert_int_equal(r.n, 1);
    index_leads_release(&r);
}

static void test_index_search_ranks_the_matching_profile_first(void **state)
{
    struct fx *f = *state;
    struct index_filters flt;
    struct index_hits r;
    struct store_txn *t;

    put(f, prof_a);
    put(f, prof_b);
    put(f, prof_d);
    t = snap(f);
    index_filters_init(&flt);
    assert_int_equal(index_search(f->ix, t, "school stationery wholesale", 27, &flt, 0, 10, &r), 0);
    assert_true(r.n >= 2);
    assert_string_equal(match_doc_id(r.v[0].d), "b");
    assert_true(r.v[0].n_terms >= 2);
    index_hits_release(&r);
    assert_int_equal(index_search(f->ix, t, "ab\xC3\x28", 4, &flt, 0, 10, &r), SM_EINVAL);
    assert_int_equal(index_search(f->ix, t, "nothingmatches", 14, &flt, 0, 10, &r), 0);
    assert_int_equal(r.n, 0);
    index_hits_release(&r);
}

static void test_index_builds_itself_over_existing_profiles(void **state)
{
    struct fx *f = *state;
    struct store_options o = {.no_sync = true};
    struct index_filters flt;
    struct index_leads r;
    struct index_stats s;
    struct store_txn *t;
    char *dir2 = tu_tempdir();
    struct store *st2 = NULL;

    /* Profiles stored by an engine without the index. */
    assert_int_equal(store_open(&st2, dir2, &o), 0);
    {
        struct store *keep = f->st;
        f->st = st2;
        put(f, prof_a);
        put(f, prof_b);
        put(f, prof_c);
        f->st = keep;
    }
    store_close(&st2);
    end_read(f);
    index_close(&f->ix);
    store_close(&f->st);
    tu_rmtree(f->dir);
    free(f->dir);
    f->dir = dir2;
    assert_int_equal(store_open(&f->st, f->dir, &o), 0);
    assert_int_equal(index_open(&f->ix, f->st), 0);
    t = snap(f);
    assert_int_equal(index_stats(f->ix, t, &s), 0);
    assert_int_equal(s.n_docs, 3);
    index_filters_init(&flt);
    assert_int_equal(index_leads(f->ix, t, "a", 1, &flt, 0, 10, false, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(match_doc_id(r.v[0].b), "b");
    index_leads_release(&r);

    /* Profiles written while the index was not open are indexed at the next open. */
    end_read(f);
    index_close(&f->ix);
    store_close(&f->st);
    assert_int_equal(store_open(&f->st, f->dir, &o), 0);
    put(f, prof_d);
    store_close(&f->st);
    assert_int_equal(store_open(&f->st, f->dir, &o), 0);
    assert_int_equal(index_open(&f->ix, f->st), 0);
    t = snap(f);
    assert_int_equal(index_stats(f->ix, t, &s), 0);
    assert_int_equal(s.n_docs, 4);
    assert_int_equal(s.next_docid, 5); /* the three indexed before kept their docids */
    assert_int_equal(index_postings(f->ix, t, 'T', COOP_FRANCHISE, 0, "franchis", 8), 1);
}

static void assert_meta(struct fx *f, const char *id, const char *country, int kind)
{
    struct match_meta m;
    int rc = index_doc_meta(f->ix, snap(f), id, strlen(id), &m);

    if (!country) {
        assert_int_equal(rc, SM_ENOTFOUND);
        return;
    }
    assert_int_equal(rc, 0);
    assert_memory_equal(m.country, country, 2);
    assert_int_equal(m.kind, kind);
}

static void reopen(struct fx *f)
{
    struct store_options o = {.no_sync = true};

    end_read(f);
    index_close(&f->ix);
    store_close(&f->st);
    assert_int_equal(store_open(&f->st, f->dir, &o), 0);
    assert_int_equal(index_open(&f->ix, f->st), 0);
}

/*
 * Empty "ix_dmeta" (a database from before it); with arg, then give each of the two docs left
 * (docids 2 and 3) a record of another format (an older engine's): as many records as docs.
 */
static int damage_meta(struct store_txn *t, void *arg)
{
    MDB_dbi dbi;
    char junk[5] = "junk";

    assert_int_equal(mdb_dbi_open(store_txn_mdb(t), "ix_dmeta", MDB_INTEGERKEY, &dbi), 0);
    assert_int_equal(mdb_drop(store_txn_mdb(t), dbi, 0), 0);
    for (uint32_t docid = 2; arg && docid <= 3; docid++) {
        MDB_val k = {sizeof(docid), &docid}, v = {sizeof(junk), junk};

        assert_int_equal(mdb_put(store_txn_mdb(t), dbi, &k, &v, 0), 0);
    }
    return 0;
}

static int put_then_fail(struct store_txn *t, void *arg)
{
    return put_json(t, arg) ? SM_ESTORE : SM_EINVAL;
}

static int failing_request(struct store_txn *t, void *arg)
{
    assert_int_equal(store_txn_nested(t, put_then_fail, arg), SM_EINVAL);
    return 0;
}

/* A whole write that fails after its put: the top-level transaction is aborted. */
static int failing_write(struct store_txn *t, void *arg)
{
    assert_int_equal(put_json(t, arg), 0);
    return SM_EINVAL;
}

/*
 * The leads' first stage reads each doc's meta from memory: it follows puts, updates and
 * deletes once committed, not a request that was undone, and survives a restart; a database
 * whose "ix_dmeta" is missing or of another format gets it made again from the docs at open.
 */
static void test_index_doc_meta_follows_commits_and_restarts(void **state)
{
    struct fx *f = *state;
    char *b_fr = tu_profile_json("b", "{\"country\": \"FR\", \"kind\": \"foreign\"}");
    char *many = tu_profile_json(
        "m", "{\"languages\": [\"pt\", \"es\", \"it\", \"en\", \"fr\", \"de\", \"zh\"]}");
    struct match_meta m;

    put(f, prof_a);
    put(f, prof_b);
    assert_meta(f, "a", "CN", KIND_SME);
    assert_meta(f, "b", "DE", KIND_LARGE);
    assert_meta(f, "zz", NULL, 0);
    put(f, b_fr);
    assert_meta(f, "b", "FR", KIND_FOREIGN);
    /* A request that writes b back to DE and then fails changes nothing. */
    end_read(f);
    assert_int_equal(store_write(f->st, failing_request, (void *)prof_b), 0);
    assert_meta(f, "b", "FR", KIND_FOREIGN);
    /* Nor does a whole write that is aborted. */
    end_read(f);
    assert_int_equal(store_write(f->st, failing_write, (void *)prof_b), SM_EINVAL);
    assert_meta(f, "b", "FR", KIND_FOREIGN);
    /* Seven languages: the meta keeps the first five in sorted order (de en es fr it), flagged. */
    put(f, many);
    assert_int_equal(index_doc_meta(f->ix, snap(f), "m", 1, &m), 0);
    assert_int_equal(m.n_langs, MATCH_META_LANGS);
    assert_true(m.flags & MATCH_META_MORE_LANGS);
    assert_memory_equal(m.langs[0].c, "de", 2);
    assert_memory_equal(m.langs[4].c, "it", 2);
    del(f, "a");
    assert_meta(f, "a", NULL, 0);
    reopen(f);
    assert_meta(f, "b", "FR", KIND_FOREIGN);
    assert_meta(f, "a", NULL, 0);
    for (int junk = 0; junk < 2; junk++) {
        end_read(f);
        assert_int_equal(store_write(f->st, damage_meta, junk ? "junk" : NULL), 0);
        reopen(f);
        assert_meta(f, "b", "FR", KIND_FOREIGN);
        assert_meta(f, "m", "CN", KIND_SME);
    }
    put(f, prof_c);
    assert_meta(f, "c", "CN", KIND_SME);
    free(b_fr);
    free(many);
}

#define CROWD 850 /* more than a pool's looks (100 x LOADS_PER_POOL 8) */

/* CROWD French distributors that match A's need closely, then three German ones that match less. */
static int put_crowd(struct store_txn *t, void *arg)
{
    char json[1024];
    int rc = 0;

    (void)arg;
    for (int i = 0; rc == 0 && i < CROWD + 3; i++) {
        bool de = i >= CROWD;

        snprintf(json, sizeof(json),
                 "{\"id\": \"%s-%04d\", \"kind\": \"large\", \"name\": \"Crowd %d\", "
                 "\"country\": \"%s\", \"zone\": \"%s\", \"languages\": [\"en\"], "
                 "\"sectors\": [\"G4649\"], "
                 "\"offers\": [{\"type\": \"distribution\", \"sectors\": [\"%s\"], %s"
                 "\"text\": \"%s\"}]}",
                 de ? "de" : "fr", i, i, de ? "DE" : "FR", de ? "ruhr-hub" : "lyon-hub",
                 de ? "G4641" : "G4649", de ? "" : "\"keywords\": [\"stationery wholesale\"], ",
                 de ? "stationery" : "stationery distributor wholesale school office");
        rc = put_json(t, json);
    }
    return rc;
}

/*
 * A country filter that most candidates fail: the candidates' meta drops them before any doc
 * is loaded, so the few that pass are found even when hundreds of better ones come first (a
 * leads pool looks at no more than 800 docs, a search pool at 400), for leads and search.
 */
static void test_index_leads_filter_finds_few_behind_many(void **state)
{
    static const char qa[] =
        "{\"id\": \"qa\", \"kind\": \"sme\", \"name\": \"Quill\", \"country\": \"CN\", "
        "\"languages\": [\"en\"], \"sectors\": [\"C3290\"], "
        "\"needs\": [{\"type\": \"distribution\", \"sectors\": [\"G4649\"], \"keywords\": "
        "[\"stationery wholesale\"], \"text\": \"stationery distributor wholesale school "
        "office\"}]}";
    struct fx *f = *state;
    struct index_filters flt;
    struct index_leads r;

    put(f, qa);
    end_read(f);
    assert_int_equal(store_write(f->st, put_crowd, NULL), 0);
    index_filters_init(&flt);
    assert_int_equal(index_leads(f->ix, snap(f), "qa", 2, &flt, 0, 10, false, &r), 0);
    assert_int_equal(r.n, 10);
    assert_memory_equal(match_doc_id(r.v[0].b), "fr-", 3); /* the French match better */
    index_leads_release(&r);
    memcpy(flt.country, "DE", 3);
    assert_int_equal(index_leads(f->ix, snap(f), "qa", 2, &flt, 0, 10, false, &r), 0);
    assert_int_equal(r.n, 3);
    for (uint32_t i = 0; i < r.n; i++)
        assert_memory_equal(match_doc_id(r.v[i].b), "de-", 3);
    index_leads_release(&r);
    /*
     * The zone and sector filters likewise (the German offers are in class G4641, not G4649),
     * also with the meta made again from the docs at open (the zone comes from the doc record).
     */
    for (int k = 0; k < 6; k++) {
        if (k == 3) {
            end_read(f);
            assert_int_equal(store_write(f->st, damage_meta, NULL), 0);
            reopen(f);
        }
        index_filters_init(&flt);
        if (k % 3 == 0)
            snprintf(flt.zone, sizeof(flt.zone), "Ruhr-Hub");
        else
            snprintf(flt.sector, sizeof(flt.sector), k % 3 == 1 ? "G4641" : "G464");
        assert_int_equal(index_leads(f->ix, snap(f), "qa", 2, &flt, 0, 10, false, &r), 0);
        assert_int_equal(r.n, k % 3 == 2 ? 10 : 3); /* G464 holds both */
        for (uint32_t i = 0; k % 3 < 2 && i < r.n; i++)
            assert_memory_equal(match_doc_id(r.v[i].b), "de-", 3);
        index_leads_release(&r);
    }
    /* Search too: a pool of 50 looks at 400 docs at most. */
    {
        static const char text[] = "stationery distributor wholesale school office";
        struct index_hits h;

        index_filters_init(&flt);
        assert_int_equal(index_search(f->ix, snap(f), text, strlen(text), &flt, 0, 10, &h), 0);
        assert_int_equal(h.n, 10);
        for (uint32_t i = 0; i < h.n; i++) /* the German match less: none in the top 10 */
            assert_memory_not_equal(match_doc_id(h.v[i].d), "de-", 3);
        index_hits_release(&h);
        for (int k = 0; k < 3; k++) { /* by country, by zone, by sector class */
            index_filters_init(&flt);
            if (k == 0)
                memcpy(flt.country, "DE", 3);
            else if (k == 1)
                snprintf(flt.zone, sizeof(flt.zone), "ruhr-HUB");
            else
                snprintf(flt.sector, sizeof(flt.sector), "G4641");
            assert_int_equal(index_search(f->ix, snap(f), text, strlen(text), &flt, 0, 10, &h), 0);
            assert_int_equal(h.n, 3);
            for (uint32_t i = 0; i < h.n; i++)
                assert_memory_equal(match_doc_id(h.v[i].d), "de-", 3);
            index_hits_release(&h);
        }
    }
}

#define FAR 500 /* more than twice a leads pool (100) */

/* FAR Brazilian distributors, then 12 German ones: the same offer, the same words. */
static int put_far_then_near(struct store_txn *t, void *arg)
{
    char json[1024];
    int rc = 0;

    (void)arg;
    for (int i = 0; rc == 0 && i < FAR + 12; i++) {
        bool near = i >= FAR;

        snprintf(json, sizeof(json),
                 "{\"id\": \"%s-%04d\", \"kind\": \"%s\", \"name\": \"Dist %d\", "
                 "\"country\": \"%s\", \"languages\": [\"%s\"], \"sectors\": [\"G4649\"], "
                 "\"offers\": [{\"type\": \"distribution\", \"sectors\": [\"G4649\"], "
                 "\"keywords\": [\"stationery wholesale\"], "
                 "\"text\": \"stationery distributor wholesale school office\"}]}",
                 near ? "de" : "br", i, near ? "large" : "sme", i, near ? "DE" : "BR",
                 near ? "zh" : "pt");
        rc = put_json(t, json);
    }
    return rc;
}

/*
 * The leads' pool is chosen by the estimate with the context, not by the postings' weight
 * alone: FAR partners the postings weigh exactly like 12 later ones (same words, same sector:
 * ties go to the lower docids, the FAR), but in the wrong country, with no common language. The
 * 12 must make the pool and lead, although more than two pools of equal weight rank before them
 * (the first stage estimates the best by weight first, then whatever may still beat them).
 */
static void test_index_leads_pool_weighs_context_past_the_best_by_postings(void **state)
{
    static const char qn[] =
        "{\"id\": \"qn\", \"kind\": \"sme\", \"name\": \"Quill\", \"country\": \"CN\", "
        "\"languages\": [\"zh\"], \"sectors\": [\"C3290\"], "
        "\"needs\": [{\"type\": \"distribution\", \"sectors\": [\"G4649\"], \"keywords\": "
        "[\"stationery wholesale\"], \"text\": \"stationery distributor wholesale school "
        "office\", \"countries\": [\"DE\"]}]}";
    struct fx *f = *state;
    struct index_filters flt;
    struct index_leads r;

    put(f, qn);
    end_read(f);
    assert_int_equal(store_write(f->st, put_far_then_near, NULL), 0);
    index_filters_init(&flt);
    assert_int_equal(index_leads(f->ix, snap(f), "qn", 2, &flt, 0, 12, false, &r), 0);
    assert_int_equal(r.n, 12);
    for (uint32_t i = 0; i < r.n; i++)
        assert_memory_equal(match_doc_id(r.v[i].b), "de-", 3);
    index_leads_release(&r);
    /* A page past them: the Brazilian ones follow, in id order (equal scores). */
    assert_int_equal(index_leads(f->ix, snap(f), "qn", 2, &flt, 12, 3, false, &r), 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(match_doc_id(r.v[0].b), "br-0000");
    index_leads_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_index_add_writes_postings_and_corpus_stats, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_index_doc_meta_follows_commits_and_restarts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_index_leads_pool_weighs_context_past_the_best_by_postings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_leads_filter_finds_few_behind_many, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_index_update_replaces_postings_and_keeps_docid, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_index_update_of_older_profile_keeps_lists_sorted,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_delete_removes_postings_and_stats, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_index_leads_only_complementary_profiles, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_index_search_ranks_the_matching_profile_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_index_builds_itself_over_existing_profiles, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
