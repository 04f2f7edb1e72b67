/* test_score.c - complementarity, reciprocity, explanations, search (engine/match/score.h). */
#include "fixture.h"

#include <math.h>
#include <msgpack.h>
#include <pthread.h>

static struct text_analyzer *an;

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

/* A Chinese stationery SME: offers OEM gel pens, needs a German distributor. */
static const struct fx_profile deli = {
    .id = "cn-ningbo-0042",
    .name = "Ningbo Deli Stationery Co.",
    .kind = KIND_SME,
    .country = "CN",
    .langs = {"zh", "en"},
    .sectors = {"C3290"},
    .desc = "Stationery maker in Ninghai",
    .offers = {{COOP_OUTSOURCING,
                "OEM production of gel pens and markers, 2M units/month",
                {"OEM", "gel pens"},
                {"C3290"},
                {"DE", "US"}}},
    .needs = {{COOP_DISTRIBUTION,
               "seeking a distributor for school stationery in Germany",
               {"stationery wholesale"},
               {"G4649"},
               {"DE"}}},
};

/* A German wholesaler: offers distribution, needs OEM pens (so both sides gain). */
static const struct fx_profile kaiser = {
    .id = "de-kaiser",
    .name = "Kaiser Bürobedarf GmbH",
    .kind = KIND_LARGE,
    .country = "DE",
    .langs = {"de", "en"},
    .sectors = {"G4649"},
    .offers = {{COOP_SERVICES, "customs brokerage", {NULL}, {"N8299"}, {NULL}},
               {COOP_DISTRIBUTION,
                "wholesale distribution of school and office stationery",
                {"stationery wholesale", "retail chains"},
                {"G4649"},
                {"CN", "VN"}}},
    .needs = {{COOP_OUTSOURCING, "OEM supplier of gel pens", {"gel pens"}, {"C3290"}, {NULL}}},
};

static struct match_doc *doc(const struct fx_profile *f)
{
    return fx_doc(an, f);
}

static double approx(double x)
{
    return round(x * 1e9) / 1e9;
}

/* ---- components ---- */

static void test_sector_level_follows_isic_hierarchy(void **state)
{
    (void)state;
    assert_int_equal(score_sector_level("C3290", "C3290"), ISIC_CLASS);
    assert_int_equal(score_sector_level("C3290", "C3291"), ISIC_GROUP);
    assert_int_equal(score_sector_level("C3290", "C3211"), ISIC_DIVISION);
    assert_int_equal(score_sector_level("C3290", "C1011"), ISIC_SECTION);
    assert_int_equal(score_sector_level("C3290", "C3"), ISIC_SECTION);
    assert_int_equal(score_sector_level("C3290", "G4649"), ISIC_NONE);
    assert_int_equal(score_sector_level("C32", "C3290"), ISIC_DIVISION);
    assert_int_equal(score_sector_level("C329", "C3290"), ISIC_GROUP);
    assert_int_equal(score_sector_level("C", "C3290"), ISIC_SECTION);
    assert_int_equal(score_sector_level("", "C3290"), ISIC_NONE);
    assert_true(score_level_weight(ISIC_CLASS) == 1.0);
    assert_true(score_level_weight(ISIC_GROUP) == 0.8);
    assert_true(score_level_weight(ISIC_DIVISION) == 0.6);
    assert_true(score_level_weight(ISIC_SECTION) == 0.3);
    assert_true(score_level_weight(ISIC_NONE) == 0.0);
    assert_string_equal(score_level_name(ISIC_GROUP), "group");
}

static void test_sector_score_takes_best_pair_and_profile_fallback(void **state)
{
    static const struct fx_profile a = {
        .id = "a", .needs = {{COOP_OUTSOURCING, "x", {NULL}, {"G4649", "C3299"}}}};
    static const struct fx_profile b = {.id = "b",
                                        .offers = {{COOP_OUTSOURCING, "y", {NULL}, {"C3290"}}}};
    static const struct fx_profile c = {/* the offer has no sector: the profile's count */
                                        .id = "c",
                                        .sectors = {"C3291"},
                                        .offers = {{COOP_OUTSOURCING, "y"}}};
    static const struct fx_profile d = {.id = "d", .offers = {{COOP_OUTSOURCING, "y"}}};
    struct match_doc *da = doc(&a), *db = doc(&b), *dc = doc(&c), *dd = doc(&d);
    const struct match_item *need = match_doc_item(da, 0);

    (void)state;
    assert_true(approx(score_sectors(da, need, db, match_doc_item(db, 0))) == 0.8);
    assert_true(approx(score_sectors(da, need, dc, match_doc_item(dc, 0))) == 0.8);
    assert_true(score_sectors(da, need, dd, match_doc_item(dd, 0)) == 0.0);
    match_doc_destroy(&da);
    match_doc_destroy(&db);
    match_doc_destroy(&dc);
    match_doc_destroy(&dd);
}

static void test_geo_scores_target_countries_both_ways(void **state)
{
    static const struct fx_profile a = {
        .id = "a", .country = "CN", .needs = {{COOP_DISTRIBUTION, "x", .countries = {"DE"}}}};
    static const struct fx_profile listed = {
        .id = "b",
        .country = "DE",
        .offers = {{COOP_DISTRIBUTION, "x", .countries = {"VN", "CN"}}}};
    static const struct fx_profile anywhere = {
        .id = "c", .country = "DE", .offers = {{COOP_DISTRIBUTION, "x"}}};
    static const struct fx_profile outside = {
        .id = "d", .country = "FR", .offers = {{COOP_DISTRIBUTION, "x", .countries = {"US"}}}};
    struct match_doc *da = doc(&a), *d1 = doc(&listed), *d2 = doc(&anywhere), *d3 = doc(&outside);
    const struct match_item *need = match_doc_item(da, 0);
    enum score_fit f1, f2;

    (void)state;
    assert_true(score_geo(da, need, d1, match_doc_item(d1, 0), &f1, &f2) == 1.0);
    assert_int_equal(f1, SCORE_FIT_LISTED);
    assert_int_equal(f2, SCORE_FIT_LISTED);
    assert_true(score_geo(da, need, d2, match_doc_item(d2, 0), &f1, &f2) == 0.75);
    assert_int_equal(f2, SCORE_FIT_ANY);
    assert_true(score_geo(da, need, d3, match_doc_item(d3, 0), &f1, &f2) == 0.0);
    assert_int_equal(f1, SCORE_FIT_OUTSIDE);
    assert_int_equal(f2, SCORE_FIT_OUTSIDE);
    match_doc_destroy(&da);
    match_doc_destroy(&d1);
    match_doc_destroy(&d2);
    match_doc_destroy(&d3);
}

static void test_language_needs_one_shared_language(void **state)
{
    static const struct fx_profile zh_en = {.id = "a", .langs = {"zh", "en"}};
    static const struct fx_profile de_en = {.id = "b", .langs = {"en", "de"}};
    static const struct fx_profile fr = {.id = "c", .langs = {"fr"}};
    static const struct fx_profile none = {.id = "d"};
    struct match_doc *a = doc(&zh_en), *b = doc(&de_en), *c = doc(&fr), *d = doc(&none);

    (void)state;
    assert_true(score_language(a, b) == 1.0);
    assert_true(score_language(b, a) == 1.0);
    assert_true(score_language(a, c) == 0.0);
    assert_true(score_language(a, d) == 0.5);
    match_doc_destroy(&a);
    match_doc_destroy(&b);
    match_doc_destroy(&c);
    match_doc_destroy(&d);
}

static void test_kind_prefers_sme_with_large_or_foreign(void **state)
{
    (void)state;
    assert_true(score_kind(COOP_OUTSOURCING, KIND_SME, KIND_LARGE) == 1.0);
    assert_true(score_kind(COOP_DISTRIBUTION, KIND_FOREIGN, KIND_SME) == 1.0);
    assert_true(score_kind(COOP_OUTSOURCING, KIND_LARGE, KIND_LARGE) == 0.5);
    assert_true(score_kind(COOP_OUTSOURCING, KIND_SME, KIND_SERVICE) == 0.5);
    /* Anyone seeking services or financing is well served by a service provider. */
    assert_true(score_kind(COOP_SERVICES, KIND_LARGE, KIND_SERVICE) == 1.0);
    assert_true(score_kind(COOP_INVESTMENT, KIND_SME, KIND_SERVICE) == 1.0);
    assert_true(score_kind(COOP_SERVICES, KIND_SME, KIND_SME) < 1.0);
    assert_true(score_kind(COOP_SERVICES, KIND__COUNT, KIND_SME) == 0.0);
}

/*
 * The leads' first stage: a doc's meta keeps what the context needs, and the estimate from it
 * is the context score_pair computes, with B's own target countries taken as "anywhere".
 */
static void test_context_estimate_from_meta_matches_the_pair_context(void **state)
{
    static const struct fx_profile a = {
        .id = "a",
        .kind = KIND_SME,
        .country = "CN",
        .langs = {"zh", "en"},
        .needs = {{COOP_DISTRIBUTION, "x", .countries = {"DE"}},
                  {COOP_OUTSOURCING, "y", .countries = {"US"}}}};
    static const struct fx_profile b = {.id = "b",
                                        .kind = KIND_LARGE,
                                        .country = "DE",
                                        .langs = {"en", "de"},
                                        .offers = {{COOP_DISTRIBUTION, "x"}}};
    static const struct fx_profile many = {
        .id = "c", .kind = KIND_FOREIGN, .country = "FR", .langs = {"fr", "es", "it", "pt", "nl"}};
    struct match_doc *da = doc(&a), *db = doc(&b), *dm = doc(&many);
    struct match_meta m;
    double geo, kind, lang;

    (void)state;
    match_doc_meta(db, &m);
    assert_true(m.flags & MATCH_META_SET);
    assert_memory_equal(m.country, "DE", 2);
    assert_int_equal(m.kind, KIND_LARGE);
    assert_int_equal(m.n_langs, 2);
    /* The distribution need lists DE: geo (1 + 0.5) / 2; English shared; SME needs, large. */
    geo = (1.0 + 0.5) / 2, lang = 1.0, kind = score_kind(COOP_DISTRIBUTION, KIND_SME, KIND_LARGE);
    assert_true(fabs(score_context_estimate(NULL, da, COOP_DISTRIBUTION, &m) -
                     (0.5 * geo + 0.25 * lang + 0.25 * kind)) < 1e-12);
    /* It is the context of the real pair, B's offer targeting anywhere. */
    assert_true(fabs(score_geo(da, match_doc_item(da, 0), db, match_doc_item(db, 0), NULL, NULL) -
                     geo) < 1e-12);
    /* Without a type, the best need counts; the outsourcing need (US only) is worse here. */
    assert_true(score_context_estimate(NULL, da, -1, &m) ==
                score_context_estimate(NULL, da, COOP_DISTRIBUTION, &m));
    assert_true(score_context_estimate(NULL, da, COOP_OUTSOURCING, &m) <
                score_context_estimate(NULL, da, COOP_DISTRIBUTION, &m));
    /* No need of the type: nothing to lower, 1. */
    assert_true(score_context_estimate(NULL, da, COOP_FRANCHISE, &m) == 1.0);
    /*
     * As many languages as the meta keeps, none shared: 0. Flagged as having more (a profile of
     * 6 or more, test_index.c), a language past them may be shared: counted as shared.
     */
    match_doc_meta(dm, &m);
    assert_int_equal(m.n_langs, 5);
    assert_false(m.flags & MATCH_META_MORE_LANGS);
    assert_true(score_context_estimate(NULL, da, COOP_DISTRIBUTION, &m) <
                score_context_estimate(NULL, da, COOP_DISTRIBUTION, &(struct match_meta){
                                                                        .country = "FR",
                                                                        .kind = KIND_FOREIGN,
                                                                        .flags = MATCH_META_SET |
                                                                                 MATCH_META_MORE_LANGS,
                                                                        .n_langs = 1,
                                                                        .langs = {{"fr"}}}));
    match_doc_destroy(&da);
    match_doc_destroy(&db);
    match_doc_destroy(&dm);
}

static void test_idf_is_higher_for_rare_terms(void **state)
{
    static struct fx_df table[] = {{"pen", 3}, {"product", 800}, {"huge", 5000}, {NULL, 0}};
    struct score_corpus c = {1000, 10, 50, fx_df_cb, table};

    (void)state;
    assert_true(score_idf(&c, "pen", 3, (uint32_t)text_hash("pen", 3)) > score_idf(&c, "product", 7, (uint32_t)text_hash("product", 7)));
    assert_true(score_idf(&c, "product", 7, (uint32_t)text_hash("product", 7)) > 0);
    assert_true(score_idf(&c, "huge", 4, (uint32_t)text_hash("huge", 4)) > 0); /* df above n_docs is clamped */
    assert_true(score_idf(&c, "unseen", 6, (uint32_t)text_hash("unseen", 6)) > score_idf(&c, "pen", 3, (uint32_t)text_hash("pen", 3)));
    assert_true(score_idf(NULL, "pen", 3, (uint32_t)text_hash("pen", 3)) == 1.0);
}

/* ---- leads ---- */

static void test_need_matches_offer_of_same_type_only(void **state)
{
    static const struct fx_profile a = {
        .id = "a",
        .offers = {{COOP_TECHNOLOGY_TRANSFER, "mould design software licence",
                    .sectors = {"J5820"}}},
        .needs = {{COOP_OUTSOURCING, "injection molded plastic parts", .sectors = {"C2229"}}}};
    static const struct fx_profile offer = {
        .id = "b",
        .offers = {{COOP_OUTSOURCING, "injection molding of plastic parts", .sectors = {"C2229"}}}};
    static const struct fx_profile other_type = {
        .id = "c",
        .offers = {
            {COOP_DISTRIBUTION, "injection molding of plastic parts", .sectors = {"C2229"}}}};
    static const struct fx_profile also_needs = {
        .id = "d",
        .needs = {{COOP_OUTSOURCING, "injection molding of plastic parts", .sectors = {"C2229"}}}};
    static const struct fx_profile same_offer = {
        /* offer-offer: no lead */
        .id = "e",
        .offers = {
            {COOP_TECHNOLOGY_TRANSFER, "mould design software licence", .sectors = {"J5820"}}}};
    struct match_doc *da = doc(&a), *db = doc(&offer), *dc = doc(&other_type),
                     *dd = doc(&also_needs), *de = doc(&same_offer);
    struct score_lead l;

    (void)state;
    assert_true(score_pair(NULL, NULL, da, db, &l, NULL));
    assert_true(l.s_ab > 0);
    assert_true(l.s_ba == 0);
    assert_false(l.reciprocal);
    assert_int_equal(l.type, COOP_OUTSOURCING);
    assert_int_equal(l.n_pairs_ab, 1);
    assert_false(score_pair(NULL, NULL, da, dc, &l, NULL));
    assert_true(l.score == 0);
    assert_false(score_pair(NULL, NULL, da, dd, &l, NULL));
    assert_false(score_pair(NULL, NULL, da, de, &l, NULL));
    assert_true(l.s_ab == 0 && l.s_ba == 0);
    match_doc_destroy(&da);
    match_doc_destroy(&db);
    match_doc_destroy(&dc);
    match_doc_destroy(&dd);
    match_doc_destroy(&de);
}

static void test_symmetric_types_match_need_to_need_both_ways(void **state)
{
    static const struct fx_profile a = {
        .id = "a",
        .needs = {{COOP_JOINT_VENTURE, "joint venture for solar panels", .sectors = {"C2610"}},
                  {COOP_OUTSOURCING, "solar panel frames", .sectors = {"C2610"}}}};
    static const struct fx_profile b = {
        .id = "b",
        .needs = {{COOP_JOINT_VENTURE, "solar panels joint venture partner", .sectors = {"C2610"}},
                  {COOP_OUTSOURCING, "solar panel frames", .sectors = {"C2610"}}}};
    static const struct fx_profile rnd_a = {
        .id = "r1", .needs = {{COOP_RND, "battery research", .sectors = {"M7210"}}}};
    static const struct fx_profile rnd_b = {
        .id = "r2", .needs = {{COOP_RND, "lithium battery research", .sectors = {"M7210"}}}};
    struct match_doc *da = doc(&a), *db = doc(&b), *r1 = doc(&rnd_a), *r2 = doc(&rnd_b);
    struct score_lead l;

    (void)state;
    assert_true(score_pair(NULL, NULL, da, db, &l, NULL));
    assert_true(l.reciprocal);
    assert_int_equal(l.type, COOP_JOINT_VENTURE);
    assert_int_equal(l.n_pairs_ab, 1); /* the outsourcing needs do not pair */
    assert_int_equal(l.n_pairs_ba, 1);
    assert_true(score_pair(NULL, NULL, r1, r2, &l, NULL));
    assert_true(l.reciprocal);
    assert_int_equal(l.type, COOP_RND);
    match_doc_destroy(&da);
    match_doc_destroy(&db);
    match_doc_destroy(&r1);
    match_doc_destroy(&r2);
}

static void test_inbound_only_match_is_a_lead_only_when_asked(void **state)
{
    static const struct fx_profile supplier = {
        .id = "s", .offers = {{COOP_OUTSOURCING, "gel pens OEM", .sectors = {"C3290"}}}};
    static const struct fx_profile buyer = {
        .id = "b", .needs = {{COOP_OUTSOURCING, "gel pens OEM", .sectors = {"C3290"}}}};
    struct match_doc *ds = doc(&supplier), *db = doc(&buyer);
    struct score_params prm = score_default_params;
    struct score_lead l;
    struct score_explain ex;

    (void)state;
    assert_false(score_pair(NULL, NULL, ds, db, &l, NULL));
    assert_true(l.s_ab == 0 && l.s_ba > 0);
    prm.inbound = true;
    assert_true(score_pair(&prm, NULL, ds, db, &l, &ex));
    assert_false(l.reciprocal);
    assert_true(approx(l.score) == approx(l.s_ba * prm.lambda / (1 + prm.lambda)));
    assert_int_equal(ex.n, 1);
    assert_false(ex.r[0].forward);
    match_doc_destroy(&ds);
    match_doc_destroy(&db);
}

static void test_same_type_without_topical_link_is_no_lead(void **state)
{
    static const struct fx_profile a = {
        .id = "a", .needs = {{COOP_OUTSOURCING, "gel pens", .sectors = {"C3290"}}}};
    static const struct fx_profile b = {
        .id = "b",
        .country = "CN",
        .langs = {"zh"},
        .offers = {{COOP_OUTSOURCING, "frozen seafood processing", .sectors = {"A0311"}}}};
    struct match_doc *da = doc(&a), *db = doc(&b);
    struct score_lead l;

    (void)state;
    assert_false(score_pair(NULL, NULL, da, db, &l, NULL));
    assert_int_equal(l.n_pairs_ab, 0);
    match_doc_destroy(&da);
    match_doc_destroy(&db);
}

static void test_self_is_never_a_lead(void **state)
{
    static const struct fx_profile jv = {
        .id = "a", .needs = {{COOP_JOINT_VENTURE, "solar", .sectors = {"C2610"}}}};
    struct match_doc *d = doc(&jv), *d2 = doc(&jv);
    struct score_lead l;

    (void)state;
    assert_false(score_pair(NULL, NULL, d, d, &l, NULL));
    assert_false(score_pair(NULL, NULL, d, d2, &l, NULL)); /* same id, another copy */
    match_doc_destroy(&d);
    match_doc_destroy(&d2);
}

static void test_two_way_partner_ranks_above_equally_strong_one_way(void **state)
{
    struct fx_profile one_way = kaiser;
    struct match_doc *a = doc(&deli), *two = NULL, *one = NULL;
    struct score_lead l[2];

    (void)state;
    one_way.id = "de-aaa-one-way"; /* sorts before "de-kaiser": only the score can win */
    memset(one_way.needs, 0, sizeof(one_way.needs));
    two = doc(&kaiser);
    one = doc(&one_way);
    assert_true(score_pair(NULL, NULL, a, one, &l[0], NULL));
    assert_true(score_pair(NULL, NULL, a, two, &l[1], NULL));
    assert_true(l[0].s_ab == l[1].s_ab); /* equally strong for A */
    assert_false(l[0].reciprocal);
    assert_true(l[1].reciprocal);
    assert_true(l[1].score > l[0].score);
    qsort(l, 2, sizeof(l[0]), score_lead_qcmp);
    assert_string_equal(match_doc_id(l[0].b), "de-kaiser");
    match_doc_destroy(&a);
    match_doc_destroy(&two);
    match_doc_destroy(&one);
}

static void test_rare_matched_term_outscores_common_one(void **state)
{
    static struct fx_df table[] = {{"stylus", 3}, {"product", 800}, {NULL, 0}};
    static const struct fx_profile a = {.id = "a", .needs = {{COOP_OUTSOURCING, "stylus product"}}};
    static const struct fx_profile rare = {.id = "b-rare",
                                           .offers = {{COOP_OUTSOURCING, "stylus"}}};
    static const struct fx_profile common = {.id = "a-common",
                                             .offers = {{COOP_OUTSOURCING, "product"}}};
    struct score_corpus c = {1000, 4, 20, fx_df_cb, table};
    struct match_doc *da = doc(&a), *dr = doc(&rare), *dc = doc(&common);
    struct score_lead lr, lc;
    struct score_explain ex;

    (void)state;
    assert_true(score_pair(NULL, &c, da, dr, &lr, &ex));
    assert_true(score_pair(NULL, &c, da, dc, &lc, NULL));
    assert_true(lr.score > lc.score);
    assert_true(score_lead_cmp(&lr, &lc) < 0);
    assert_string_equal(ex.r[0].terms[0].s, "stylus");
    /* Without corpus statistics both terms weigh the same. */
    assert_true(score_pair(NULL, NULL, da, dr, &lr, NULL));
    assert_true(score_pair(NULL, NULL, da, dc, &lc, NULL));
    assert_true(lr.score == lc.score);
    match_doc_destroy(&da);
    match_doc_destroy(&dr);
    match_doc_destroy(&dc);
}

static void test_keyword_phrase_match_beats_scattered_keywords(void **state)
{
    static const struct fx_profile a = {.id = "a",
                                        .needs = {{COOP_OUTSOURCING, .kw = {"gel pens"}}}};
    static const struct fx_profile phrase = {.id = "b",
                                             .offers = {{COOP_OUTSOURCING, .kw = {"gel pens"}}}};
    static const struct fx_profile scattered = {
        .id = "a-scattered", .offers = {{COOP_OUTSOURCING, .kw = {"pens", "gel"}}}};
    struct match_doc *da = doc(&a), *dp = doc(&phrase), *ds = doc(&scattered);
    struct score_lead lp, ls;

    (void)state;
    assert_true(score_pair(NULL, NULL, da, dp, &lp, NULL));
    assert_true(score_pair(NULL, NULL, da, ds, &ls, NULL));
    assert_true(lp.score > ls.score);
    match_doc_destroy(&da);
    match_doc_destroy(&dp);
    match_doc_destroy(&ds);
}

static void test_context_lowers_a_strength_but_never_creates_one(void **state)
{
    static const struct fx_profile a = {
        .id = "a",
        .kind = KIND_SME,
        .country = "CN",
        .langs = {"zh"},
        .needs = {{COOP_DISTRIBUTION, "stationery", .countries = {"DE"}, .sectors = {"G4649"}}}};
    static const struct fx_profile good = {
        .id = "b",
        .kind = KIND_LARGE,
        .country = "DE",
        .langs = {"zh"},
        .offers = {{COOP_DISTRIBUTION, "stationery", .countries = {"CN"}, .sectors = {"G4649"}}}};
    static const struct fx_profile poor = {
        .id = "c",
        .kind = KIND_SME,
        .country = "US",
        .langs = {"en"},
        .offers = {{COOP_DISTRIBUTION, "stationery", .countries = {"MX"}, .sectors = {"G4649"}}}};
    struct match_doc *da = doc(&a), *dg = doc(&good), *dp = doc(&poor);
    struct score_lead lg, lp;
    struct score_explain ex;

    (void)state;
    assert_true(score_pair(NULL, NULL, da, dg, &lg, &ex));
    assert_true(ex.r[0].s.geo == 1.0 && ex.r[0].s.language == 1.0 && ex.r[0].s.kind == 1.0);
    assert_true(approx(ex.r[0].s.strength) == approx(ex.r[0].s.strength)); /* finite */
    assert_true(score_pair(NULL, NULL, da, dp, &lp, &ex));
    assert_true(ex.r[0].s.geo == 0.0 && ex.r[0].s.language == 0.0);
    assert_true(lp.score > 0);
    assert_true(lp.score < lg.score);
    /* At worst the context takes away its share (0.5 by default) of the strength. */
    assert_true(lp.s_ab >= lg.s_ab * (1 - score_default_params.w.context) - 1e-12);
    match_doc_destroy(&da);
    match_doc_destroy(&dg);
    match_doc_destroy(&dp);
}

static void test_more_matched_pairs_add_a_damped_bonus(void **state)
{
    static const struct fx_profile a = {
        .id = "a",
        .needs = {{COOP_OUTSOURCING, "gel pens", .sectors = {"C3290"}},
                  {COOP_OUTSOURCING, "markers", .sectors = {"C3290"}}}};
    static const struct fx_profile one = {
        .id = "b", .offers = {{COOP_OUTSOURCING, "gel pens", .sectors = {"C3290"}}}};
    static const struct fx_profile two = {
        .id = "c",
        .offers = {{COOP_OUTSOURCING, "gel pens", .sectors = {"C3290"}},
                   {COOP_OUTSOURCING, "markers", .sectors = {"C3290"}}}};
    struct match_doc *da = doc(&a), *d1 = doc(&one), *d2 = doc(&two);
    struct score_lead l1, l2;

    (void)state;
    assert_true(score_pair(NULL, NULL, da, d1, &l1, NULL));
    assert_true(score_pair(NULL, NULL, da, d2, &l2, NULL));
    assert_int_equal(l2.n_pairs_ab, 4); /* sectors alone pair every need with every offer */
    assert_true(l2.s_ab > l1.s_ab);
    assert_true(l2.s_ab < l1.s_ab + score_default_params.extra[0] + score_default_params.extra[1]);
    assert_true(l2.s_ab <= 1.0);
    match_doc_destroy(&da);
    match_doc_destroy(&d1);
    match_doc_destroy(&d2);
}

static void test_scores_are_deterministic_and_ties_break_by_id(void **state)
{
    struct fx_profile k2 = kaiser, k1 = kaiser, k3 = kaiser;
    struct match_doc *a = doc(&deli), *d[3];
    struct score_lead l[3], again;

    (void)state;
    k2.id = "de-2";
    k1.id = "de-1";
    k3.id = "de-10";
    d[0] = doc(&k2);
    d[1] = doc(&k3);
    d[2] = doc(&k1);
    for (int i = 0; i < 3; i++) {
        assert_true(score_pair(NULL, NULL, a, d[i], &l[i], NULL));
        assert_true(score_pair(NULL, NULL, a, d[i], &again, NULL));
        assert_memory_equal(&again, &l[i], sizeof(again));
    }
    assert_true(l[0].score == l[1].score && l[1].score == l[2].score);
    qsort(l, 3, sizeof(l[0]), score_lead_qcmp);
    assert_string_equal(match_doc_id(l[0].b), "de-1");
    assert_string_equal(match_doc_id(l[1].b), "de-10");
    assert_string_equal(match_doc_id(l[2].b), "de-2");
    for (int i = 0; i < 3; i++)
        match_doc_destroy(&d[i]);
    match_doc_destroy(&a);
}

static void test_chinese_need_matches_chinese_offer_and_sectors_bridge_languages(void **state)
{
    static const struct fx_profile a = {.id = "a",
                                        .needs = {{COOP_OUTSOURCING, "寻找注塑加工合作伙伴"}}};
    static const struct fx_profile zh = {.id = "b",
                                         .offers = {{COOP_OUTSOURCING, "专业注塑加工，模具制造"}}};
    static const struct fx_profile en = {
        .id = "c", .offers = {{COOP_OUTSOURCING, "injection molding", .sectors = {"C2229"}}}};
    static const struct fx_profile a_sector = {
        .id = "d", .needs = {{COOP_OUTSOURCING, "寻找注塑加工合作伙伴", .sectors = {"C2229"}}}};
    struct match_doc *da = doc(&a), *dz = doc(&zh), *de = doc(&en), *ds = doc(&a_sector);
    struct score_lead l;
    struct score_explain ex;
    bool has_zhusu = false;

    (void)state;
    assert_true(score_pair(NULL, NULL, da, dz, &l, &ex));
    for (uint32_t i = 0; i < ex.r[0].n_terms; i++)
        has_zhusu |= !strcmp(ex.r[0].terms[i].s, "注塑");
    assert_true(has_zhusu);
    assert_true(ex.r[0].n_terms >= 3); /* 注塑 塑加 加工 */
    assert_false(score_pair(NULL, NULL, da, de, &l, NULL));
    assert_true(score_pair(NULL, NULL, ds, de, &l, &ex)); /* the sector code bridges */
    assert_true(ex.r[0].s.sector == 1.0);
    assert_int_equal(ex.r[0].n_terms, 0);
    match_doc_destroy(&da);
    match_doc_destroy(&dz);
    match_doc_destroy(&de);
    match_doc_destroy(&ds);
}

/* ---- explanations ---- */

static const msgpack_object *get(const msgpack_object *map, const char *key)
{
    assert_int_equal(map->type, MSGPACK_OBJECT_MAP);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
            !memcmp(k->via.str.ptr, key, k->via.str.size))
            return &map->via.map.ptr[i].val;
    }
    fail_msg("no key %s", key);
    return NULL;
}

static void assert_str(const msgpack_object *o, const char *s)
{
    assert_int_equal(o->type, MSGPACK_OBJECT_STR);
    assert_int_equal(o->via.str.size, strlen(s));
    assert_memory_equal(o->via.str.ptr, s, o->via.str.size);
}

static bool has_term(const struct score_reason *r, const char *s)
{
    for (uint32_t i = 0; i < r->n_terms; i++)
        if (!strcmp(r->terms[i].s, s))
            return true;
    return false;
}

static void test_explanation_names_pairs_sectors_terms_geo_and_scores(void **state)
{
    struct match_doc *a = doc(&deli), *b = doc(&kaiser);
    struct score_lead l;
    struct score_explain ex;
    const struct score_reason *r;

    (void)state;
    assert_true(score_pair(NULL, NULL, a, b, &l, &ex));
    assert_true(l.reciprocal);
    assert_int_equal(l.type, COOP_DISTRIBUTION);
    assert_int_equal(ex.n, 2);

    r = &ex.r[0]; /* A's need 0 against B's offer 1 */
    assert_true(r->forward);
    assert_int_equal(r->need->index, 0);
    assert_true(r->need->is_need);
    assert_int_equal(r->other->index, 1);
    assert_false(r->other->is_need);
    assert_int_equal(r->type, COOP_DISTRIBUTION);
    assert_int_equal(r->n_sectors, 1);
    assert_string_equal(r->sectors[0].a, "G4649");
    assert_string_equal(r->sectors[0].b, "G4649");
    assert_int_equal(r->sectors[0].level, ISIC_CLASS);
    assert_true(has_term(r, "stationeri"));
    assert_true(has_term(r, "school"));
    assert_true(has_term(r, "kw:stationeri wholesal"));
    for (uint32_t i = 1; i < r->n_terms; i++)
        assert_true(r->terms[i - 1].weight >= r->terms[i].weight);
    assert_int_equal(r->need_fit, SCORE_FIT_LISTED);
    assert_int_equal(r->other_fit, SCORE_FIT_LISTED);
    assert_true(r->s.sector == 1.0 && r->s.geo == 1.0 && r->s.language == 1.0);
    assert_true(r->s.kind == 1.0);
    assert_true(r->s.text > 0 && r->s.text < 1 && r->s.keywords > 0 && r->s.keywords < 1);
    assert_true(approx(r->s.strength) == approx(l.s_ab)); /* one pair: s(A->B) is it */

    r = &ex.r[1]; /* B's need 0 against A's offer 0; sectors still say A's code first */
    assert_false(r->forward);
    assert_int_equal(r->type, COOP_OUTSOURCING);
    assert_string_equal(r->sectors[0].a, "C3290");
    assert_true(has_term(r, "kw:gel pen"));
    assert_int_equal(r->need_fit, SCORE_FIT_ANY);
    assert_int_equal(r->other_fit, SCORE_FIT_LISTED);

    /* The packed form, as the API shows it. */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked up;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assert_int_equal(score_lead_pack(&l, &ex, &pk), 0);
    msgpack_unpacked_init(&up);
    assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *root = &up.data, *reasons, *r0, *r1, *scores;
    assert_str(get(root, "id"), "de-kaiser");
    assert_str(get(root, "name"), "Kaiser Bürobedarf GmbH");
    assert_str(get(root, "kind"), "large");
    assert_str(get(root, "country"), "DE");
    assert_str(get(root, "type"), "distribution");
    assert_true(get(root, "reciprocal")->via.boolean);
    assert_true(fabs(get(root, "score")->via.f64 - l.score) < 1e-4);
    reasons = get(root, "reasons");
    assert_int_equal(reasons->via.array.size, 2);
    r0 = &reasons->via.array.ptr[0];
    r1 = &reasons->via.array.ptr[1];
    assert_str(get(r0, "need"), "A.needs[0]");
    assert_str(get(r0, "offer"), "B.offers[1]");
    assert_str(get(r0, "type"), "distribution");
    assert_str(get(&get(r0, "sectors")->via.array.ptr[0], "level"), "class");
    assert_str(get(r0, "geo"), "B is in DE, one of A's target countries; "
                               "B's offer covers CN, A's country");
    assert_true(get(r0, "terms")->via.array.size == ex.r[0].n_terms);
    scores = get(r0, "scores");
    assert_int_equal(scores->via.map.size, 7);
    assert_true(get(scores, "sector")->via.f64 == 1.0);
    assert_true(fabs(get(scores, "strength")->via.f64 - ex.r[0].s.strength) < 1e-4);
    assert_str(get(r1, "need"), "B.needs[0]");
    assert_str(get(r1, "offer"), "A.offers[0]");
    assert_str(get(r1, "geo"), "B seeks partners in any country (A is in CN); "
                               "A's offer covers DE, B's country");
    msgpack_unpacked_destroy(&up);

    /* Without an explanation: the same head, no reasons. */
    msgpack_sbuffer_clear(&sb);
    assert_int_equal(score_lead_pack(&l, NULL, &pk), 0);
    msgpack_unpacked_init(&up);
    assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(get(&up.data, "reasons")->via.array.size, 0);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    match_doc_destroy(&a);
    match_doc_destroy(&b);
}

static void test_explanation_of_outside_geography_lists_targets(void **state)
{
    static const struct fx_profile a = {
        .id = "a",
        .country = "CN",
        .needs = {{COOP_DISTRIBUTION, "stationery", .countries = {"DE", "AT"}}}};
    static const struct fx_profile b = {
        .id = "b",
        .country = "FR",
        .offers = {{COOP_DISTRIBUTION, "stationery", .countries = {"FR", "BE"}}}};
    struct match_doc *da = doc(&a), *db = doc(&b);
    struct score_lead l;
    struct score_explain ex;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked up;

    (void)state;
    assert_true(score_pair(NULL, NULL, da, db, &l, &ex));
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assert_int_equal(score_lead_pack(&l, &ex, &pk), 0);
    msgpack_unpacked_init(&up);
    assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    assert_str(get(&get(&up.data, "reasons")->via.array.ptr[0], "geo"),
               "B is in FR, outside A's target countries (DE, AT); "
               "B's offer targets FR, BE, not A's country CN");
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    match_doc_destroy(&da);
    match_doc_destroy(&db);
}

/* ---- search ---- */

static void test_search_ranks_by_bm25_and_reports_matched_terms(void **state)
{
    static struct fx_df table[] = {{"gel", 2}, {"pen", 2}, {"stationeri", 40}, {NULL, 0}};
    static const struct fx_profile other = {
        .id = "zz", .name = "Stationery Corp", .desc = "stationery and paper"};
    struct score_corpus c = {100, 5, 20, fx_df_cb, table};
    struct match_doc *d[3] = {doc(&deli), doc(&kaiser), doc(&other)};
    struct score_query q;
    struct score_hit h[3];
    uint32_t n = 0;

    (void)state;
    assert_int_equal(score_query_prepare(an, "Gel pens stationery", 19, &c, &q), 0);
    assert_int_equal(q.n, 4); /* gel, pen, stationeri, "kw:gel pen stationeri" */
    for (int i = 0; i < 3; i++)
        if (score_search(NULL, &q, &c, d[i], &h[n]))
            n++;
    assert_int_equal(n, 3);
    qsort(h, n, sizeof(h[0]), score_hit_qcmp);
    /* Both profiles about gel pens come before the one with only the common term. */
    assert_string_equal(match_doc_id(h[2].d), "zz");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(h[i].n_terms, 3);
        assert_true(!strcmp(h[i].terms[0].s, "gel") || !strcmp(h[i].terms[0].s, "pen"));
        assert_string_equal(h[i].terms[2].s, "stationeri"); /* the common term weighs least */
        assert_true(h[i].score > h[2].score);
    }
    assert_string_equal(h[2].terms[0].s, "stationeri");

    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked up;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assert_int_equal(score_hit_pack(&h[2], &pk), 0);
    msgpack_unpacked_init(&up);
    assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    assert_str(get(&up.data, "id"), "zz");
    assert_str(&get(&up.data, "terms")->via.array.ptr[0], "stationeri");
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);

    score_query_release(&q);
    assert_int_equal(score_query_prepare(an, "", 0, &c, &q), 0);
    assert_false(score_search(NULL, &q, &c, d[0], &h[0]));
    score_query_release(&q);
    assert_int_equal(score_query_prepare(an, "\xff", 1, &c, &q), SM_EINVAL);
    score_query_release(&q);
    for (int i = 0; i < 3; i++)
        match_doc_destroy(&d[i]);
}

static void test_search_ties_break_by_id(void **state)
{
    struct fx_profile x = deli, y = deli;
    struct match_doc *dx, *dy;
    struct score_query q;
    struct score_hit h[2];

    (void)state;
    x.id = "b";
    y.id = "a";
    dx = doc(&x);
    dy = doc(&y);
    assert_int_equal(score_query_prepare(an, "markers", 7, NULL, &q), 0);
    assert_true(score_search(NULL, &q, NULL, dx, &h[0]));
    assert_true(score_search(NULL, &q, NULL, dy, &h[1]));
    assert_true(h[0].score == h[1].score);
    qsort(h, 2, sizeof(h[0]), score_hit_qcmp);
    assert_string_equal(match_doc_id(h[0].d), "a");
    score_query_release(&q);
    match_doc_destroy(&dx);
    match_doc_destroy(&dy);
}

/* ---- threads ---- */

struct thread_job {
    const struct match_doc *shared_a, *shared_b; /* read by every thread at once */
    double score, shared_score;
    int rc;
};

static void *thread_main(void *arg)
{
    struct thread_job *j = arg;
    struct text_analyzer *mine = NULL;
    struct match_doc *a = NULL, *b = NULL;
    struct score_lead l;
    struct score_explain ex;

    j->rc = text_analyzer_new(&mine);
    for (int i = 0; i < 200 && !j->rc; i++) {
        match_doc_destroy(&a);
        match_doc_destroy(&b);
        struct fx_built fa, fb;
        fx_build(&deli, &fa);
        fx_build(&kaiser, &fb);
        if ((j->rc = match_doc_build(mine, &fa.p, &a)) ||
            (j->rc = match_doc_build(mine, &fb.p, &b)))
            break;
        score_pair(NULL, NULL, a, b, &l, &ex);
        j->score = l.score;
        score_pair(NULL, NULL, j->shared_a, j->shared_b, &l, &ex);
        j->shared_score = l.score;
    }
    match_doc_destroy(&a);
    match_doc_destroy(&b);
    text_analyzer_destroy(&mine);
    return NULL;
}

static void test_threads_with_own_analyzers_agree_and_share_docs(void **state)
{
    struct match_doc *a = doc(&deli), *b = doc(&kaiser);
    struct thread_job jobs[4];
    pthread_t th[4];
    struct score_lead l;

    (void)state;
    assert_true(score_pair(NULL, NULL, a, b, &l, NULL));
    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct thread_job){.shared_a = a, .shared_b = b};
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].rc, 0);
        assert_true(jobs[i].score == l.score);
        assert_true(jobs[i].shared_score == l.score);
    }
    match_doc_destroy(&a);
    match_doc_destroy(&b);
}

/*
 * The meta's filter bits: every prefix of every item sector sets its bit (N8299 and G4649 of
 * kaiser's offers, C3290 of its need) and nothing else does; zones hash case-insensitively and
 * never to 0 (no zone).
 */
static void test_meta_keeps_sector_bits_and_zone_hashes(void **state)
{
    struct match_doc *d = doc(&kaiser);
    struct match_meta m;
    static const char *codes[] = {"N8299", "G4649", "C3290"};
    uint64_t want = 0;

    (void)state;
    match_doc_meta(d, &m);
    for (size_t i = 0; i < 3; i++)
        for (size_t n = 1; n <= 5; n++) {
            assert_true(m.sectors & match_meta_sector_bit(codes[i], n));
            want |= match_meta_sector_bit(codes[i], n);
        }
    assert_int_equal(m.sectors, want); /* nothing else */
    assert_int_equal(m.zone, 0);       /* the index sets it */
    assert_int_equal(match_meta_zone("Ruhr-Hub", 8), match_meta_zone("ruhr-hub", 8));
    assert_int_not_equal(match_meta_zone("ruhr-hub", 8), match_meta_zone("ruhr-hu", 7));
    assert_int_not_equal(match_meta_zone("", 0), 0);
    match_doc_destroy(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sector_level_follows_isic_hierarchy),
        cmocka_unit_test(test_sector_score_takes_best_pair_and_profile_fallback),
        cmocka_unit_test(test_geo_scores_target_countries_both_ways),
        cmocka_unit_test(test_language_needs_one_shared_language),
        cmocka_unit_test(test_kind_prefers_sme_with_large_or_foreign),
        cmocka_unit_test(test_context_estimate_from_meta_matches_the_pair_context),
        cmocka_unit_test(test_idf_is_higher_for_rare_terms),
        cmocka_unit_test(test_need_matches_offer_of_same_type_only),
        cmocka_unit_test(test_symmetric_types_match_need_to_need_both_ways),
        cmocka_unit_test(test_inbound_only_match_is_a_lead_only_when_asked),
        cmocka_unit_test(test_same_type_without_topical_link_is_no_lead),
        cmocka_unit_test(test_self_is_never_a_lead),
        cmocka_unit_test(test_two_way_partner_ranks_above_equally_strong_one_way),
        cmocka_unit_test(test_rare_matched_term_outscores_common_one),
        cmocka_unit_test(test_keyword_phrase_match_beats_scattered_keywords),
        cmocka_unit_test(test_context_lowers_a_strength_but_never_creates_one),
        cmocka_unit_test(test_more_matched_pairs_add_a_damped_bonus),
        cmocka_unit_test(test_scores_are_deterministic_and_ties_break_by_id),
        cmocka_unit_test(test_chinese_need_matches_chinese_offer_and_sectors_bridge_languages),
        cmocka_unit_test(test_explanation_names_pairs_sectors_terms_geo_and_scores),
        cmocka_unit_test(test_explanation_of_outside_geography_lists_targets),
        cmocka_unit_test(test_search_ranks_by_bm25_and_reports_matched_terms),
        cmocka_unit_test(test_search_ties_break_by_id),
        cmocka_unit_test(test_threads_with_own_analyzers_agree_and_share_docs),
        cmocka_unit_test(test_meta_keeps_sector_bits_and_zone_hashes),
    };
    return cmocka_run_group_tests_name("match_score", tests, setup, teardown);
}
