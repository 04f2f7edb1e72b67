/* test_text.c - the text analyser (engine/match/text.h). */
#include "fixture.h"

struct fx {
    struct text_analyzer *a;
    struct text_terms t;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || text_analyzer_new(&f->a))
        return -1;
    text_terms_init(&f->t);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    text_terms_release(&f->t);
    text_analyzer_destroy(&f->a);
    assert_null(f->a);
    free(f);
    return 0;
}

static struct text_terms *analyze(void **state, const char *s)
{
    struct fx *f = *state;
    text_terms_reset(&f->t);
    assert_int_equal(text_analyze(f->a, s, strlen(s), &f->t), 0);
    return &f->t;
}

static struct text_terms *analyze_kw(void **state, const char *s)
{
    struct fx *f = *state;
    text_terms_reset(&f->t);
    assert_int_equal(text_analyze_keyword(f->a, s, strlen(s), &f->t), 0);
    return &f->t;
}

static void test_english_is_stemmed_and_stop_words_dropped(void **state)
{
    struct text_terms *t = analyze(state, "The manufacturers of gel pens and the markers");

    assert_true(fx_has(t, "manufactur"));
    assert_true(fx_has(t, "gel"));
    assert_true(fx_has(t, "pen"));
    assert_true(fx_has(t, "marker"));
    assert_false(fx_has(t, "the"));
    assert_false(fx_has(t, "of"));
    assert_false(fx_has(t, "and"));
    assert_int_equal(t->n, 4);
    assert_int_equal(t->n_tokens, 4);
}

static void test_chinese_run_becomes_overlapping_bigrams(void **state)
{
    struct text_terms *t = analyze(state, "注塑加工");

    assert_int_equal(t->n, 3);
    assert_true(fx_has(t, "注塑"));
    assert_true(fx_has(t, "塑加"));
    assert_true(fx_has(t, "加工"));
}

static void test_single_cjk_character_is_a_unigram(void **state)
{
    struct text_terms *t = analyze(state, "笔 pen");

    assert_int_equal(t->n, 2);
    assert_true(fx_has(t, "笔"));
    assert_true(fx_has(t, "pen"));
}

static void test_mixed_script_splits_at_cjk_boundary(void **state)
{
    struct text_terms *t = analyze(state, "OEM注塑 molds");

    assert_int_equal(t->n, 3);
    assert_true(fx_has(t, "oem"));
    assert_true(fx_has(t, "注塑"));
    assert_true(fx_has(t, "mold"));
}

static void test_chinese_function_characters_separate_like_spaces(void **state)
{
    struct text_terms *t = analyze(state, "注塑和模具的出口");

    assert_int_equal(t->n, 3);
    assert_true(fx_has(t, "注塑"));
    assert_true(fx_has(t, "模具"));
    assert_true(fx_has(t, "出口"));
    assert_false(fx_has(t, "塑和"));
}

static void test_fullwidth_and_compat_forms_fold_nfkc(void **state)
{
    struct text_terms *t = analyze(state, "ＯＥＭ ﬁlters ①");

    assert_true(fx_has(t, "oem"));
    assert_true(fx_has(t, "filter")); /* the "fi" ligature */
    assert_true(fx_has(t, "1"));
    t = analyze(state, "ｶﾞ"); /* half-width katakana folds to full-width ガ */
    assert_true(fx_has(t, "ガ"));
}

static void test_latin_accents_fold_but_kana_marks_stay(void **state)
{
    struct text_terms *t = analyze(state, "Société GÉNÉRALE Müller");

    assert_true(fx_has(t, "societ"));
    assert_true(fx_has(t, "general"));
    assert_true(fx_has(t, "muller"));
    t = analyze(state, "ガ カ");
    assert_int_equal(t->n, 2); /* dakuten changes the letter: two terms */
}

static void test_case_folding_covers_sharp_s_and_greek(void **state)
{
    struct text_terms *t = analyze(state, "STRASSE straße ΑΘΗΝΑ");

    assert_int_equal(fx_tf(t, "strass"), 2);
    assert_true(fx_has(t, "αθηνα"));
}

static void test_numbers_and_alphanumerics_are_kept_whole(void **state)
{
    struct text_terms *t = analyze(state, "2M units/month, ISO9001 since 2004");

    assert_true(fx_has(t, "2m"));
    assert_true(fx_has(t, "unit"));
    assert_true(fx_has(t, "month"));
    assert_true(fx_has(t, "iso9001"));
    assert_true(fx_has(t, "2004"));
    assert_true(fx_has(t, "sinc"));
}

static void test_acronyms_it_and_us_are_not_stop_words(void **state)
{
    struct text_terms *t = analyze(state, "IT services in the US");

    assert_true(fx_has(t, "it"));
    assert_true(fx_has(t, "us"));
    assert_true(fx_has(t, "servic"));
    assert_false(fx_has(t, "in"));
}

static void test_repeated_terms_are_counted_once_with_tf(void **state)
{
    struct text_terms *t = analyze(state, "pen, Pens; PEN 模具模具");

    assert_int_equal(fx_tf(t, "pen"), 3);
    assert_int_equal(fx_tf(t, "模具"), 2);
    assert_int_equal(fx_tf(t, "具模"), 1);
    assert_int_equal(t->n, 3);
    assert_int_equal(t->n_tokens, 6);
}

static void test_single_letters_and_overlong_words_dropped(void **state)
{
    char longword[TEXT_WORD_MAX + 8];
    struct text_terms *t = analyze(state, "a b c Deli's x");

    assert_int_equal(t->n, 1);
    assert_true(fx_has(t, "deli"));
    memset(longword, 'k', sizeof(longword) - 1);
    longword[sizeof(longword) - 1] = '\0';
    t = analyze(state, longword);
    assert_int_equal(t->n, 0);
}

static void test_malformed_utf8_is_rejected_and_leaves_bag_unchanged(void **state)
{
    static const char *const bad[] = {
        "ok \xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "abc\xe6\xb3", "\xf8\x88\x80\x80\x80",
    };
    struct fx *f = *state;

    text_terms_reset(&f->t);
    assert_int_equal(text_analyze(f->a, "pen", 3, &f->t), 0);
    for (size_t i = 0; i < SM_ARRAY_SIZE(bad); i++) {
        assert_int_equal(text_analyze(f->a, bad[i], strlen(bad[i]), &f->t), SM_EINVAL);
        assert_int_equal(text_analyze_keyword(f->a, bad[i], strlen(bad[i]), &f->t), SM_EINVAL);
    }
    assert_int_equal(f->t.n, 1);
    assert_int_equal(f->t.n_tokens, 1);
}

static void test_empty_and_punctuation_only_text_give_no_terms(void **state)
{
    struct fx *f = *state;

    text_terms_reset(&f->t);
    assert_int_equal(text_analyze(f->a, "", 0, &f->t), 0);
    assert_int_equal(text_analyze(f->a, " ,.;-- ！？、。", strlen(" ,.;-- ！？、。"), &f->t), 0);
    assert_int_equal(text_analyze(f->a, "the of and", 10, &f->t), 0);
    assert_int_equal(f->t.n, 0);
    assert_int_equal(f->t.n_tokens, 0);
}

static void test_keyword_phrase_adds_whole_phrase_term(void **state)
{
    struct text_terms *t = analyze_kw(state, "Gel Pens");

    assert_true(fx_has(t, "gel"));
    assert_true(fx_has(t, "pen"));
    assert_true(fx_has(t, "kw:gel pen"));
    assert_int_equal(t->n_tokens, 2); /* the phrase is not a token */

    t = analyze_kw(state, "OEM");
    assert_int_equal(t->n, 1);
    assert_false(fx_has(t, "kw:oem"));

    t = analyze_kw(state, "OEM注塑加工");
    assert_true(fx_has(t, "kw:oem 注塑加工"));
    assert_true(fx_has(t, "塑加"));

    t = analyze_kw(state, "模具");
    assert_int_equal(t->n, 1); /* one bigram: the phrase would add nothing */
}

static void test_bag_accumulates_over_calls(void **state)
{
    struct fx *f = *state;

    text_terms_reset(&f->t);
    assert_int_equal(text_analyze(f->a, "gel pens", 8, &f->t), 0);
    assert_int_equal(text_analyze(f->a, "pens", 4, &f->t), 0);
    assert_int_equal(fx_tf(&f->t, "pen"), 2);
    assert_int_equal(f->t.n_tokens, 3);
    assert_string_equal(text_terms_str(&f->t, &f->t.v[0]), "gel");
}

static void test_bag_grows_past_its_first_table(void **state)
{
    struct fx *f = *state;
    char w[32];

    text_terms_reset(&f->t);
    for (int i = 0; i < 5000; i++) {
        snprintf(w, sizeof(w), "w%d", i);
        assert_true(text_terms_add(&f->t, w, strlen(w), 1, true) >= 0);
    }
    assert_int_equal(f->t.n, 5000);
    assert_int_equal(text_terms_find(&f->t, "w4321", 5), 4321);
    assert_int_equal(text_terms_find(&f->t, "w5000", 5), -1);
}

/* Append the UTF-8 of code point c to buf (at least 5 bytes free). */
static size_t put_cp(char *buf, int32_t c)
{
    if (c < 0x80) {
        buf[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        buf[0] = (char)(0xc0 | (c >> 6));
        buf[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        buf[0] = (char)(0xe0 | (c >> 12));
        buf[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        buf[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    buf[0] = (char)(0xf0 | (c >> 18));
    buf[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    buf[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    buf[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

static bool same_bag(const struct text_terms *x, const struct text_terms *y)
{
    if (x->n != y->n || x->n_tokens != y->n_tokens)
        return false;
    for (uint32_t i = 0; i < x->n; i++) {
        int32_t k = text_terms_find(y, text_terms_str(x, &x->v[i]), x->v[i].len);
        if (k < 0 || y->v[k].tf != x->v[i].tf)
            return false;
    }
    return true;
}

/*
 * ASCII, CJK ideographs, CJK punctuation and full-width ASCII skip utf8proc. A no-break space
 * (a separator that needs NFKC) sends the same text through utf8proc: both must agree, for
 * every code point the short path takes and its neighbours in their blocks.
 */
static void test_short_fold_path_agrees_with_utf8proc(void **state)
{
    static const int32_t ranges[][2] = {
        {0x20, 0x7e},     {0x3000, 0x303f}, {0x3400, 0x3480},
        {0x4e00, 0x4f00}, {0x9f00, 0x9fff}, {0xff00, 0xff65},
    };
    struct fx *f = *state;
    struct text_terms full;
    char buf[4096];

    text_terms_init(&full);
    for (size_t r = 0; r < SM_ARRAY_SIZE(ranges); r++) {
        for (int32_t c0 = ranges[r][0]; c0 <= ranges[r][1]; c0 += 48) {
            size_t n = 0;
            /* Runs of neighbours (bigrams across them) and "A<c>" pairs (case folding). */
            for (int32_t c = c0; c < c0 + 48 && c <= ranges[r][1]; c++) {
                n += put_cp(buf + n, c);
                n += put_cp(buf + n, 'Q');
                n += put_cp(buf + n, c);
                n += put_cp(buf + n, ' ');
            }
            text_terms_reset(&f->t);
            text_terms_reset(&full);
            assert_int_equal(text_analyze(f->a, buf, n, &f->t), 0);
            n += put_cp(buf + n, 0xa0);
            assert_int_equal(text_analyze(f->a, buf, n, &full), 0);
            if (!same_bag(&f->t, &full))
                fail_msg("short path differs from utf8proc near U+%04X", (unsigned)c0);
        }
    }
    text_terms_release(&full);
}

static void test_hash_is_stable(void **state)
{
    /*
     * Stored data depends on it (little-endian host values): a change here needs a new
     * MATCH_DOC_MAGIC (docs) and INDEX_VERSION (posting keys). Every tail length 0-7 and past 8.
     */
    static const struct {
        const char *s;
        uint64_t h;
    } golden[] = {
        {"", UINT64_C(0xe220a8397b1dcdaf)},           {"oem", UINT64_C(0x9415b1c5562cb6b5)},
        {"s", UINT64_C(0x34ea506d28820a15)},          {"st", UINT64_C(0xfb9df41a8c1a8562)},
        {"sta", UINT64_C(0xa715677d99803b5b)},        {"stat", UINT64_C(0xf4cb4610635372e3)},
        {"stati", UINT64_C(0x5c713d117e014987)},      {"statio", UINT64_C(0x145a2b05d8caf5a4)},
        {"station", UINT64_C(0x5eca89a3daeb7fb4)},    {"statione", UINT64_C(0x19c66e36f10323b4)},
        {"stationer", UINT64_C(0x7ab730465420cfd2)},  {"stationeri", UINT64_C(0xa803ea81b6d86fbd)},
    };

    (void)state;
    assert_true(text_hash("oem", 3) != text_hash("oen", 3));
    for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++)
        if (text_hash(golden[i].s, strlen(golden[i].s)) != golden[i].h)
            fail_msg("text_hash(\"%s\") changed", golden[i].s);
}

static void test_stop_word_lookup(void **state)
{
    (void)state;
    assert_true(text_is_stopword("the", 3));
    assert_true(text_is_stopword("yourselves", 10));
    assert_true(text_is_stopword("a", 1));
    assert_false(text_is_stopword("pen", 3));
    assert_false(text_is_stopword("it", 2));
    assert_false(text_is_stopword("", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english_is_stemmed_and_stop_words_dropped),
        cmocka_unit_test(test_chinese_run_becomes_overlapping_bigrams),
        cmocka_unit_test(test_single_cjk_character_is_a_unigram),
        cmocka_unit_test(test_mixed_script_splits_at_cjk_boundary),
        cmocka_unit_test(test_chinese_function_characters_separate_like_spaces),
        cmocka_unit_test(test_fullwidth_and_compat_forms_fold_nfkc),
        cmocka_unit_test(test_latin_accents_fold_but_kana_marks_stay),
        cmocka_unit_test(test_case_folding_covers_sharp_s_and_greek),
        cmocka_unit_test(test_numbers_and_alphanumerics_are_kept_whole),
        cmocka_unit_test(test_acronyms_it_and_us_are_not_stop_words),
        cmocka_unit_test(test_repeated_terms_are_counted_once_with_tf),
        cmocka_unit_test(test_single_letters_and_overlong_words_dropped),
        cmocka_unit_test(test_malformed_utf8_is_rejected_and_leaves_bag_unchanged),
        cmocka_unit_test(test_empty_and_punctuation_only_text_give_no_terms),
        cmocka_unit_test(test_keyword_phrase_adds_whole_phrase_term),
        cmocka_unit_test(test_bag_accumulates_over_calls),
        cmocka_unit_test(test_bag_grows_past_its_first_table),
        cmocka_unit_test(test_short_fold_path_agrees_with_utf8proc),
        cmocka_unit_test(test_hash_is_stable),
        cmocka_unit_test(test_stop_word_lookup),
    };
    return cmocka_run_group_tests_name("match_text", tests, setup, teardown);
}
