/* test_doc.c - analysed profiles (engine/match/doc.h): layout, store round trip, checks. */
#include "fixture.h"

static struct text_analyzer *an;

static const struct fx_profile deli = {
    .id = "cn-ningbo-0042",
    .name = "Ningbo Deli Stationery Co.",
    .kind = KIND_SME,
    .country = "CN",
    .langs = {"zh", "en", "zh"},
    .sectors = {"C3290"},
    .desc = "Stationery maker in Ninghai. 文具制造",
    .offers = {{COOP_OUTSOURCING,
                "OEM production of gel pens and markers, 2M units/month",
                {"OEM", "gel pens"},
                {"C3290"},
                {"DE", "US"}},
               {COOP_TECHNOLOGY_TRANSFER, "ink formula licensing", {NULL}, {NULL}, {NULL}}},
    .needs = {{COOP_DISTRIBUTION,
               "seeking a distributor for school stationery in Germany",
               {"stationery wholesale"},
               {"G4649"},
               {"DE"}}},
};

static int setup(void **state)
{
    (void)state;
    return text_analyzer_new(&an);
}

static int teardown(void **state)
{
    (void)state;
    text_analyzer_destroy(&an);
    return 0;
}

static bool vec_has(const struct match_doc *d, const struct match_term *v, uint32_t n,
                    const char *s)
{
    return match_terms_find(d, v, n, text_hash(s, strlen(s)), s, strlen(s)) >= 0;
}

static void test_doc_holds_items_offers_first_with_their_terms(void **state)
{
    struct match_doc *d = fx_doc(an, &deli);
    const struct match_item *o0, *o1, *n0;

    (void)state;
    assert_string_equal(match_doc_id(d), "cn-ningbo-0042");
    assert_string_equal(match_doc_name(d), "Ningbo Deli Stationery Co.");
    assert_int_equal(d->kind, KIND_SME);
    assert_memory_equal(d->country, "CN", 2);
    assert_int_equal(d->n_offers, 2);
    assert_int_equal(d->n_needs, 1);
    assert_int_equal(d->offer_types, (1u << COOP_OUTSOURCING) | (1u << COOP_TECHNOLOGY_TRANSFER));
    assert_int_equal(d->need_types, 1u << COOP_DISTRIBUTION);

    o0 = match_doc_item(d, 0);
    o1 = match_doc_item(d, 1);
    n0 = match_doc_item(d, 2);
    assert_false(o0->is_need);
    assert_true(n0->is_need);
    assert_int_equal(n0->index, 0);
    assert_int_equal(o1->index, 1);
    assert_int_equal(o0->type, COOP_OUTSOURCING);
    assert_true(vec_has(d, match_item_text(d, o0), o0->n_text, "pen"));
    assert_true(vec_has(d, match_item_text(d, o0), o0->n_text, "2m"));
    assert_false(vec_has(d, match_item_text(d, o0), o0->n_text, "kw:gel pen"));
    assert_true(vec_has(d, match_item_kw(d, o0), o0->n_kw, "kw:gel pen"));
    assert_true(vec_has(d, match_item_kw(d, o0), o0->n_kw, "oem"));
    /* text: oem product gel pen marker 2m unit month = 8 tokens; keywords: oem gel pen = 3 */
    assert_int_equal(o0->len, 11);

    assert_int_equal(o0->n_countries, 2);
    assert_memory_equal(match_item_countries(d, o0)[1].c, "US", 2);
    assert_int_equal(n0->n_sectors, 1);
    assert_string_equal(match_item_sectors(d, n0)[0].code, "G4649");
    assert_false(n0->sectors_inherited);
    /* An item without sectors takes the profile's. */
    assert_true(o1->sectors_inherited);
    assert_int_equal(o1->n_sectors, 1);
    assert_string_equal(match_item_sectors(d, o1)[0].code, "C3290");
    assert_int_equal(o1->n_countries, 0);

    /* Languages sorted, duplicates dropped. */
    assert_int_equal(d->n_langs, 2);
    assert_memory_equal(match_doc_langs(d)[0].c, "en", 2);
    assert_memory_equal(match_doc_langs(d)[1].c, "zh", 2);
    match_doc_destroy(&d);
    assert_null(d);
    match_doc_destroy(&d);
}

static void test_doc_term_vectors_are_sorted_by_hash(void **state)
{
    struct match_doc *d = fx_doc(an, &deli);
    const struct match_term *all = match_doc_all(d);

    (void)state;
    for (uint32_t i = 1; i < d->n_all; i++)
        assert_true(all[i - 1].hash <= all[i].hash);
    for (uint32_t k = 0; k < match_doc_n_items(d); k++) {
        const struct match_item *it = match_doc_item(d, k);
        const struct match_term *v = match_item_text(d, it);
        for (uint32_t i = 1; i < it->n_text; i++)
            assert_true(v[i - 1].hash <= v[i].hash);
    }
    match_doc_destroy(&d);
}

static void test_doc_long_text_vectors_sorted_and_every_term_found(void **state)
{
    static char text[6000];
    struct fx_profile big = deli;
    struct text_terms t;
    struct match_doc *d;
    const struct match_item *o0;
    size_t n = 0;

    (void)state;
    for (int i = 0; i < 600; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "w%dx ", (i * 7919) % 1000);
    big.offers[0].text = text;
    d = fx_doc(an, &big);
    o0 = match_doc_item(d, 0);
    text_terms_init(&t);
    assert_int_equal(text_analyze(an, text, n, &t), 0);
    assert_int_equal(o0->n_text, t.n);
    const struct match_term *v = match_item_text(d, o0);
    for (uint32_t i = 1; i < o0->n_text; i++)
        assert_true(v[i - 1].hash < v[i].hash ||
                    (v[i - 1].hash == v[i].hash &&
                     strcmp(match_term_str(d, &v[i - 1]), match_term_str(d, &v[i])) < 0));
    for (uint32_t i = 0; i < t.n; i++)
        assert_true(vec_has(d, v, o0->n_text, text_terms_str(&t, &t.v[i])));
    text_terms_release(&t);
    match_doc_destroy(&d);
}

struct count {
    uint32_t terms, tf;
    bool saw_name, saw_desc_cjk, saw_phrase;
};

static int count_cb(void *ctx, const char *term, size_t len, uint32_t tf)
{
    struct count *c = ctx;
    assert_int_equal(strlen(term), len);
    c->terms++;
    c->tf += tf;
    c->saw_name |= !strcmp(term, "ningbo");
    c->saw_desc_cjk |= !strcmp(term, "文具");
    c->saw_phrase |= !strcmp(term, "kw:gel pen");
    return 0;
}

static int stop_cb(void *ctx, const char *term, size_t len, uint32_t tf)
{
    (*(int *)ctx)++;
    return 7;
}

static void test_doc_all_vector_covers_name_description_items(void **state)
{
    struct match_doc *d = fx_doc(an, &deli);
    struct count c = {0};
    int calls = 0;

    (void)state;
    assert_int_equal(match_doc_foreach_term(d, count_cb, &c), 0);
    assert_int_equal(c.terms, d->n_all);
    assert_true(c.saw_name && c.saw_desc_cjk && c.saw_phrase);
    assert_int_equal(
        c.tf, d->len + 2); /* tokens plus the phrases "kw:gel pen", "kw:stationeri wholesal" */
    assert_int_equal(match_doc_foreach_term(d, stop_cb, &calls), 7);
    assert_int_equal(calls, 1);
    match_doc_destroy(&d);
}

static void test_doc_round_trips_through_store_bytes_at_any_alignment(void **state)
{
    struct match_doc *d = fx_doc(an, &deli), *e = NULL;
    char *buf = malloc(d->size + 1);

    (void)state;
    memcpy(buf + 1, d, d->size); /* deliberately misaligned, as an LMDB value may be */
    assert_int_equal(match_doc_load(buf + 1, d->size, &e), 0);
    assert_memory_equal(e, d, d->size);
    assert_string_equal(match_doc_id(e), "cn-ningbo-0042");
    free(buf);
    match_doc_destroy(&e);
    match_doc_destroy(&d);
}

static void test_doc_load_rejects_truncated_or_foreign_bytes(void **state)
{
    struct match_doc *d = fx_doc(an, &deli), *e = NULL;
    struct match_doc *bad = malloc(d->size);

    (void)state;
    assert_int_equal(match_doc_load(d, d->size - 1, &e), SM_EBADREQ);
    assert_int_equal(match_doc_load(d, 3, &e), SM_EBADREQ);
    assert_int_equal(match_doc_load("", 0, &e), SM_EBADREQ);
    memcpy(bad, d, d->size);
    bad->magic ^= 1;
    assert_int_equal(match_doc_load(bad, d->size, &e), SM_EBADREQ);
    memcpy(bad, d, d->size);
    bad->all = d->size - 4;
    assert_int_equal(match_doc_load(bad, d->size, &e), SM_EBADREQ);
    memcpy(bad, d, d->size);
    bad->n_offers = 200;
    assert_int_equal(match_doc_load(bad, d->size, &e), SM_EBADREQ);
    assert_null(e);
    free(bad);
    match_doc_destroy(&d);
}

/*
 * Flip every byte of a stored doc in turn: each load either fails or gives a doc that can be
 * scored without reading out of bounds (ASan checks the latter).
 */
static void test_doc_load_survives_every_single_byte_corruption(void **state)
{
    struct match_doc *d = fx_doc(an, &deli), *e = NULL;
    unsigned char *buf = malloc(d->size);
    uint32_t loaded = 0;

    (void)state;
    for (uint32_t i = 0; i < d->size; i++) {
        for (int v = 0; v < 3; v++) {
            static const unsigned char vals[] = {0xff, 0x00, 0x41};
            memcpy(buf, d, d->size);
            buf[i] = vals[v] == buf[i] ? (unsigned char)(buf[i] ^ 0x80) : vals[v];
            if (match_doc_load(buf, d->size, &e))
                continue;
            struct score_lead l;
            struct score_explain ex;
            struct score_hit h;
            struct score_query q;
            score_pair(NULL, NULL, e, d, &l, &ex);
            score_pair(NULL, NULL, d, e, &l, &ex);
            assert_int_equal(score_query_prepare(an, "gel pens", 8, NULL, &q), 0);
            score_search(NULL, &q, NULL, e, &h);
            score_query_release(&q);
            loaded++;
            match_doc_destroy(&e);
        }
    }
    assert_true(loaded > 0);
    free(buf);
    match_doc_destroy(&d);
}

static void test_doc_of_empty_profile_is_valid(void **state)
{
    static const struct fx_profile empty = {.id = "x", .country = "DE"};
    struct match_doc *d = fx_doc(an, &empty), *e = NULL;

    (void)state;
    assert_int_equal(match_doc_n_items(d), 0);
    assert_int_equal(d->n_all, 0);
    assert_int_equal(d->len, 0);
    assert_string_equal(match_doc_name(d), "");
    assert_int_equal(match_doc_load(d, d->size, &e), 0);
    match_doc_destroy(&e);
    match_doc_destroy(&d);
}

static void test_doc_build_rejects_non_utf8_text(void **state)
{
    struct fx_profile bad = deli;
    struct fx_built b;
    struct match_doc *d = NULL;

    (void)state;
    bad.desc = "bad \xff byte";
    fx_build(&bad, &b);
    assert_int_equal(match_doc_build(an, &b.p, &d), SM_EINVAL);
    assert_null(d);
}


/* ---- the packed form (doc_pack.c) ---- */

static void assert_vec_equal(const struct match_doc *a, const struct match_term *x,
                             const struct match_doc *b, const struct match_term *y, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(x[i].hash, y[i].hash);
        assert_int_equal(x[i].len, y[i].len);
        assert_int_equal(x[i].tf, y[i].tf);
        assert_string_equal(match_term_str(a, &x[i]), match_term_str(b, &y[i]));
    }
}

/* Everything scoring reads is the same after pack and unpack, and the result is a valid doc. */
static void assert_docs_equivalent(const struct match_doc *d, const struct match_doc *e)
{
    struct match_doc *again = NULL;

    assert_int_equal(e->size, d->size);
    assert_int_equal(e->kind, d->kind);
    assert_memory_equal(e->country, d->country, 2);
    assert_int_equal(e->n_offers, d->n_offers);
    assert_int_equal(e->n_needs, d->n_needs);
    assert_int_equal(e->offer_types, d->offer_types);
    assert_int_equal(e->need_types, d->need_types);
    assert_int_equal(e->len, d->len);
    assert_string_equal(match_doc_id(e), match_doc_id(d));
    assert_string_equal(match_doc_name(e), match_doc_name(d));
    assert_int_equal(e->n_langs, d->n_langs);
    assert_memory_equal(match_doc_langs(e), match_doc_langs(d), d->n_langs * 2u);
    assert_int_equal(e->n_all, d->n_all);
    assert_vec_equal(d, match_doc_all(d), e, match_doc_all(e), d->n_all);
    for (uint32_t i = 0; i < match_doc_n_items(d); i++) {
        const struct match_item *x = match_doc_item(d, i), *y = match_doc_item(e, i);

        assert_int_equal(y->type, x->type);
        assert_int_equal(y->is_need, x->is_need);
        assert_int_equal(y->sectors_inherited, x->sectors_inherited);
        assert_int_equal(y->index, x->index);
        assert_int_equal(y->len, x->len);
        assert_int_equal(y->n_text, x->n_text);
        assert_int_equal(y->n_kw, x->n_kw);
        assert_vec_equal(d, match_item_text(d, x), e, match_item_text(e, y), x->n_text);
        assert_vec_equal(d, match_item_kw(d, x), e, match_item_kw(e, y), x->n_kw);
        assert_int_equal(y->n_sectors, x->n_sectors);
        assert_memory_equal(match_item_sectors(e, y), match_item_sectors(d, x),
                            x->n_sectors * sizeof(struct match_sector));
        assert_int_equal(y->n_countries, x->n_countries);
        assert_memory_equal(match_item_countries(e, y), match_item_countries(d, x),
                            x->n_countries * sizeof(struct match_cc));
    }
    /* The expansion passes the built form's own checks. */
    assert_int_equal(match_doc_load(e, e->size, &again), 0);
    match_doc_destroy(&again);
}

static void test_doc_pack_round_trips_smaller_and_scores_the_same(void **state)
{
    struct match_doc *d = fx_doc(an, &deli), *e = NULL;
    struct score_lead l1, l2;
    void *packed = NULL;
    size_t len = 0;
    char *buf;

    (void)state;
    assert_int_equal(match_doc_pack(d, &packed, &len), 0);
    assert_true(match_doc_is_packed(packed, len));
    assert_true(len < d->size);
    buf = malloc(len + 1);
    memcpy(buf + 1, packed, len); /* misaligned, as an LMDB value may be */
    assert_int_equal(match_doc_load(buf + 1, len, &e), 0);
    assert_docs_equivalent(d, e);
    score_pair(NULL, NULL, d, d, &l1, NULL);
    score_pair(NULL, NULL, e, e, &l2, NULL);
    assert_true(l1.score == l2.score);
    free(buf);
    free(packed);
    match_doc_destroy(&e);
    match_doc_destroy(&d);
}

static void test_doc_pack_of_empty_profile_round_trips(void **state)
{
    static const struct fx_profile empty = {.id = "x", .country = "DE"};
    struct match_doc *d = fx_doc(an, &empty), *e = NULL;
    void *packed = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(match_doc_pack(d, &packed, &len), 0);
    assert_int_equal(match_doc_unpack(packed, len, &e), 0);
    assert_docs_equivalent(d, e);
    free(packed);
    match_doc_destroy(&e);
    match_doc_destroy(&d);
}

static void test_doc_unpack_rejects_truncated_or_trailing_bytes(void **state)
{
    struct match_doc *d = fx_doc(an, &deli), *e = NULL;
    void *packed = NULL;
    size_t len = 0;
    char *longer;

    (void)state;
    assert_int_equal(match_doc_pack(d, &packed, &len), 0);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(match_doc_load(packed, cut, &e), SM_EBADREQ);
    longer = calloc(1, len + 1);
    memcpy(longer, packed, len);
    assert_int_equal(match_doc_unpack(longer, len + 1, &e), SM_EBADREQ);
    assert_null(e);
    free(longer);
    free(packed);
    match_doc_destroy(&d);
}

/* As for the built form: every corrupted byte either fails or yields a doc safe to score. */
static void test_doc_unpack_survives_every_single_byte_corruption(void **state)
{
    struct match_doc *d = fx_doc(an, &deli), *e = NULL;
    void *packed = NULL;
    size_t len = 0;
    unsigned char *buf;
    uint32_t loaded = 0, refused = 0;

    (void)state;
    assert_int_equal(match_doc_pack(d, &packed, &len), 0);
    buf = malloc(len);
    for (size_t i = 0; i < len; i++) {
        for (int v = 0; v < 3; v++) {
            static const unsigned char vals[] = {0xff, 0x00, 0x41};
            struct score_lead l;
            struct score_explain ex;

            memcpy(buf, packed, len);
            buf[i] = vals[v] == buf[i] ? (unsigned char)(buf[i] ^ 0x80) : vals[v];
            if (match_doc_load(buf, len, &e)) {
                refused++;
                continue;
            }
            score_pair(NULL, NULL, e, d, &l, &ex);
            score_pair(NULL, NULL, d, e, &l, &ex);
            loaded++;
            match_doc_destroy(&e);
        }
    }
    assert_true(loaded > 0);
    assert_true(refused > 0);
    free(buf);
    free(packed);
    match_doc_destroy(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_holds_items_offers_first_with_their_terms),
        cmocka_unit_test(test_doc_term_vectors_are_sorted_by_hash),
        cmocka_unit_test(test_doc_long_text_vectors_sorted_and_every_term_found),
        cmocka_unit_test(test_doc_all_vector_covers_name_description_items),
        cmocka_unit_test(test_doc_round_trips_through_store_bytes_at_any_alignment),
        cmocka_unit_test(test_doc_load_rejects_truncated_or_foreign_bytes),
        cmocka_unit_test(test_doc_load_survives_every_single_byte_corruption),
        cmocka_unit_test(test_doc_of_empty_profile_is_valid),
        cmocka_unit_test(test_doc_build_rejects_non_utf8_text),
        cmocka_unit_test(test_doc_pack_round_trips_smaller_and_scores_the_same),
        cmocka_unit_test(test_doc_pack_of_empty_profile_round_trips),
        cmocka_unit_test(test_doc_unpack_rejects_truncated_or_trailing_bytes),
        cmocka_unit_test(test_doc_unpack_survives_every_single_byte_corruption),
    };
    return cmocka_run_group_tests_name("match_doc", tests, setup, teardown);
}
