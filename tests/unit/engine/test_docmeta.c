/*
 * test_docmeta.c - the docs' meta table: entries change only when published, staged changes
 * are undone to a mark or dropped, the table grows to any docid without moving entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "docmeta.h"

static struct match_meta meta(const char *country, uint8_t kind)
{
    struct match_meta m;

    memset(&m, 0, sizeof(m));
    memcpy(m.country, country, 2);
    m.kind = kind;
    m.flags = MATCH_META_SET;
    m.n_langs = 1;
    memcpy(m.langs[0].c, "en", 2);
    return m;
}

static void test_staged_changes_show_only_once_published(void **state)
{
    struct dmeta t;
    struct match_meta de = meta("DE", 1), got;

    (void)state;
    assert_int_equal(dmeta_init(&t), 0);
    assert_false(dmeta_get(&t, 7, &got));
    assert_int_equal(dmeta_stage(&t, 7, &de), 0);
    assert_false(dmeta_get(&t, 7, &got)); /* not committed yet */
    dmeta_publish(&t);
    assert_true(dmeta_get(&t, 7, &got));
    assert_memory_equal(&got, &de, sizeof(de));
    assert_int_equal(dmeta_mark(&t), 0); /* published: nothing staged */
    /* A delete is a change like any other. */
    assert_int_equal(dmeta_stage(&t, 7, NULL), 0);
    assert_true(dmeta_get(&t, 7, &got));
    dmeta_publish(&t);
    assert_false(dmeta_get(&t, 7, &got));
    dmeta_free(&t);
}

static void test_an_undone_request_and_an_aborted_batch_leave_no_trace(void **state)
{
    struct dmeta t;
    struct match_meta de = meta("DE", 1), fr = meta("FR", 2), cn = meta("CN", 0), got;
    size_t mark;

    (void)state;
    assert_int_equal(dmeta_init(&t), 0);
    assert_int_equal(dmeta_stage(&t, 1, &de), 0);
    mark = dmeta_mark(&t);
    assert_int_equal(dmeta_stage(&t, 2, &fr), 0);
    assert_int_equal(dmeta_stage(&t, 1, &fr), 0);
    dmeta_truncate(&t, mark); /* the second request was undone */
    dmeta_publish(&t);
    assert_true(dmeta_get(&t, 1, &got));
    assert_memory_equal(&got, &de, sizeof(de));
    assert_false(dmeta_get(&t, 2, &got));
    /* A batch that does not commit changes nothing. */
    assert_int_equal(dmeta_stage(&t, 1, &cn), 0);
    assert_int_equal(dmeta_stage(&t, 3, &cn), 0);
    dmeta_discard(&t);
    dmeta_publish(&t);
    assert_true(dmeta_get(&t, 1, &got));
    assert_memory_equal(&got, &de, sizeof(de));
    assert_false(dmeta_get(&t, 3, &got));
    dmeta_free(&t);
}

static void test_the_last_change_of_a_doc_in_a_batch_wins(void **state)
{
    struct dmeta t;
    struct match_meta de = meta("DE", 1), fr = meta("FR", 2), got;

    (void)state;
    assert_int_equal(dmeta_init(&t), 0);
    assert_int_equal(dmeta_stage(&t, 5, &de), 0);
    assert_int_equal(dmeta_stage(&t, 5, NULL), 0);
    assert_int_equal(dmeta_stage(&t, 5, &fr), 0);
    dmeta_publish(&t);
    assert_true(dmeta_get(&t, 5, &got));
    assert_memory_equal(&got, &fr, sizeof(fr));
    dmeta_free(&t);
}

static void test_any_docid_far_apart_and_many_staged(void **state)
{
    static const uint32_t ids[] = {1, 65535, 65536, 1000000, 4000000000u, UINT32_MAX};
    struct dmeta t;
    struct match_meta got;

    (void)state;
    assert_int_equal(dmeta_init(&t), 0);
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        struct match_meta m = meta("JP", (uint8_t)(i % 4));

        m.reserved = (uint8_t)i;
        m.sectors = ~(uint64_t)i;
        m.zone = (uint32_t)i + 1000;
        assert_int_equal(dmeta_set(&t, ids[i], &m), 0);
    }
    /* More staged changes than the staging area starts with. */
    for (uint32_t d = 100; d < 100 + 5000; d++) {
        struct match_meta m = meta("VN", 3);

        assert_int_equal(dmeta_stage(&t, d, &m), 0);
    }
    dmeta_publish(&t);
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        dmeta_prefetch(&t, ids[i], i % 2);
        assert_true(dmeta_get(&t, ids[i], &got));
        assert_int_equal(got.reserved, i);
        /* The filters' words live apart from the context's: neighbours do not mix them up. */
        assert_int_equal(got.sectors, ~(uint64_t)i);
        assert_int_equal(got.zone, i + 1000);
        assert_true(dmeta_get_context(&t, ids[i], &got));
        assert_int_equal(got.reserved, i);
        assert_int_equal(got.sectors, 0);
        assert_int_equal(got.zone, 0);
    }
    assert_true(dmeta_get(&t, 5099, &got));
    assert_memory_equal(got.country, "VN", 2);
    assert_false(dmeta_get(&t, 5100, &got));
    assert_false(dmeta_get(&t, 2, &got));
    dmeta_prefetch(&t, 3000000000u, true); /* a chunk never made: nothing to load */
    dmeta_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staged_changes_show_only_once_published),
        cmocka_unit_test(test_an_undone_request_and_an_aborted_batch_leave_no_trace),
        cmocka_unit_test(test_the_last_change_of_a_doc_in_a_batch_wins),
        cmocka_unit_test(test_any_docid_far_apart_and_many_staged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
