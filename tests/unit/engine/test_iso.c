/* test_iso.c - ISO 3166-1 and ISO 639-1 tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "iso.h"

static void test_tables_hold_every_assigned_code_sorted(void **state)
{
    (void)state;
    assert_int_equal(iso_countries_len, 249);
    assert_int_equal(iso_languages_len, 184);
    for (size_t i = 1; i < iso_countries_len; i++)
        assert_true(strcmp(iso_countries[i - 1].code, iso_countries[i].code) < 0);
    for (size_t i = 1; i < iso_languages_len; i++)
        assert_true(strcmp(iso_languages[i - 1].code, iso_languages[i].code) < 0);
}

static void test_every_table_entry_is_found(void **state)
{
    (void)state;
    for (size_t i = 0; i < iso_countries_len; i++)
        assert_true(iso_country_valid(iso_countries[i].code, 2));
    for (size_t i = 0; i < iso_languages_len; i++)
        assert_true(iso_language_valid(iso_languages[i].code, 2));
}

static void test_countries_are_upper_case_assigned_alpha_2(void **state)
{
    (void)state;
    assert_true(iso_country_valid("CN", 2));
    assert_true(iso_country_valid("DE", 2));
    assert_true(iso_country_valid("AX", 2));
    assert_true(iso_country_valid("ZW", 2));
    assert_false(iso_country_valid("cn", 2));
    assert_false(iso_country_valid("XK", 2)); /* user-assigned */
    assert_false(iso_country_valid("UK", 2)); /* reserved, not assigned: GB is */
    assert_false(iso_country_valid("CHN", 3));
    assert_false(iso_country_valid("C", 1));
    assert_string_equal(iso_country_name("CN"), "China");
    assert_null(iso_country_name("QQ"));
}

static void test_languages_are_lower_case_iso_639_1(void **state)
{
    (void)state;
    assert_true(iso_language_valid("zh", 2));
    assert_true(iso_language_valid("en", 2));
    assert_true(iso_language_valid("aa", 2));
    assert_true(iso_language_valid("zu", 2));
    assert_false(iso_language_valid("EN", 2));
    assert_false(iso_language_valid("xx", 2));
    assert_false(iso_language_valid("eng", 3));
    assert_string_equal(iso_language_name("de"), "German");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_hold_every_assigned_code_sorted),
        cmocka_unit_test(test_every_table_entry_is_found),
        cmocka_unit_test(test_countries_are_upper_case_assigned_alpha_2),
        cmocka_unit_test(test_languages_are_lower_case_iso_639_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
