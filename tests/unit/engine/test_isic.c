/* test_isic.c - ISIC Rev.4 table, code validity, names and hierarchy levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "isic.h"

static bool valid(const char *code)
{
    return isic_valid(code, strlen(code));
}

static void test_table_has_21_sections_and_88_divisions_in_order(void **state)
{
    int sections = 0, divisions = 0;
    char section = 0;

    (void)state;
    for (size_t i = 0; i < isic_table_len; i++) {
        const char *c = isic_table[i].code;

        assert_non_null(isic_table[i].name);
        assert_true(isic_table[i].name[0] != '\0');
        if (i)
            assert_true(strcmp(isic_table[i - 1].code, c) < 0);
        if (strlen(c) == 1) {
            sections++;
            section = c[0];
        } else {
            /* A division follows its own section's row. */
            assert_int_equal(strlen(c), 3);
            assert_int_equal(c[0], section);
            divisions++;
        }
    }
    assert_int_equal(sections, 21);
    assert_int_equal(divisions, 88);
    assert_string_equal(isic_table[0].code, "A");
    assert_string_equal(isic_table[isic_table_len - 1].code, "U99");
}

static void test_codes_at_every_level_are_valid(void **state)
{
    (void)state;
    assert_true(valid("C"));
    assert_true(valid("C32"));
    assert_true(valid("C329"));
    assert_true(valid("C3290"));
    assert_true(valid("A01"));
    assert_true(valid("G4649"));
    assert_true(valid("U99"));
    assert_true(valid("T98"));
}

static void test_malformed_codes_and_foreign_divisions_are_invalid(void **state)
{
    (void)state;
    assert_false(valid(""));
    assert_false(valid("V"));   /* no section V */
    assert_false(valid("c32")); /* lower case: callers normalise */
    assert_false(valid("C3"));  /* a lone digit is no level */
    assert_false(valid("C01")); /* division 01 is in A */
    assert_false(valid("A10"));
    assert_false(valid("C04")); /* there is no division 04 */
    assert_false(valid("C32901"));
    assert_false(valid("C3a"));
    assert_false(valid("32"));
    assert_false(isic_valid("C32", 2)); /* n bounds the code: "C3" */
}

static void test_names_come_from_the_section_or_division(void **state)
{
    (void)state;
    assert_string_equal(isic_name("C"), "Manufacturing");
    assert_string_equal(isic_name("C3290"), "Other manufacturing");
    assert_string_equal(isic_name("G46"),
                        "Wholesale trade, except of motor vehicles and motorcycles");
    assert_string_equal(isic_name("J62"),
                        "Computer programming, consultancy and related activities");
    assert_null(isic_name("C01"));
    assert_null(isic_name("Z"));
}

static void test_common_level_follows_the_hierarchy(void **state)
{
    (void)state;
    assert_int_equal(isic_common_level("C3290", "C3290"), ISIC_CLASS);
    assert_int_equal(isic_common_level("C3290", "C3299"), ISIC_GROUP);
    assert_int_equal(isic_common_level("C3290", "C3211"), ISIC_DIVISION);
    assert_int_equal(isic_common_level("C3290", "C10"), ISIC_SECTION);
    assert_int_equal(isic_common_level("C3290", "C"), ISIC_SECTION);
    assert_int_equal(isic_common_level("C32", "C3290"), ISIC_DIVISION);
    assert_int_equal(isic_common_level("C3290", "G4649"), ISIC_NONE);
    assert_int_equal(isic_common_level("C3290", "bogus"), ISIC_NONE);
    assert_string_equal(isic_level_name(ISIC_CLASS), "class");
    assert_string_equal(isic_level_name(ISIC_NONE), "none");
    assert_null(isic_level_name((enum isic_level)9));
    assert_int_equal(isic_level_of("C", 1), ISIC_SECTION);
    assert_int_equal(isic_level_of("C32", 3), ISIC_DIVISION);
    assert_int_equal(isic_level_of("C329", 4), ISIC_GROUP);
    assert_int_equal(isic_level_of("C3290", 5), ISIC_CLASS);
    assert_int_equal(isic_level_of("C01", 3), ISIC_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_has_21_sections_and_88_divisions_in_order),
        cmocka_unit_test(test_codes_at_every_level_are_valid),
        cmocka_unit_test(test_malformed_codes_and_foreign_divisions_are_invalid),
        cmocka_unit_test(test_names_come_from_the_section_or_division),
        cmocka_unit_test(test_common_level_follows_the_hierarchy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
