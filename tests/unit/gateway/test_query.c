/* test_query.c - percent-decoding of path segments and query-string lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sm.h"
#include "query.h"

static int dec(const char *s, bool form, char *out, size_t outsz)
{
    return query_decode(s, strlen(s), form, out, outsz);
}

static void test_decode_escapes_and_plus_only_in_forms(void **state)
{
    char out[32];

    (void)state;
    assert_int_equal(dec("a%2Fb+c", false, out, sizeof(out)), 5);
    assert_string_equal(out, "a/b+c");
    assert_int_equal(dec("a%2fb+c", true, out, sizeof(out)), 5);
    assert_string_equal(out, "a/b c");
    assert_int_equal(dec("%E6%B3%A8", true, out, sizeof(out)), 3);
    assert_string_equal(out, "\xe6\xb3\xa8");
}

static void test_decode_rejects_bad_escapes_nul_and_overflow(void **state)
{
    char out[4];

    (void)state;
    assert_int_equal(dec("%zz", true, out, sizeof(out)), QUERY_BAD);
    assert_int_equal(dec("%4", true, out, sizeof(out)), QUERY_BAD);
    assert_int_equal(dec("%", true, out, sizeof(out)), QUERY_BAD);
    assert_int_equal(dec("a%00", true, out, sizeof(out)), QUERY_BAD);
    assert_int_equal(dec("abcd", true, out, sizeof(out)), QUERY_BAD);
    assert_int_equal(dec("abc", true, out, sizeof(out)), 3);
}

static void test_get_finds_exact_names_only(void **state)
{
    char out[32];

    (void)state;
    assert_int_equal(query_get("format=csv&formats=x", "format", out, sizeof(out)), 3);
    assert_string_equal(out, "csv");
    assert_int_equal(query_get("formats=x&format=ics", "format", out, sizeof(out)), 3);
    assert_string_equal(out, "ics");
    assert_int_equal(query_get("a=1&flag&b=2", "flag", out, sizeof(out)), 0);
    assert_int_equal(query_get("a=1&b=", "b", out, sizeof(out)), 0);
    assert_int_equal(query_get("a=1", "format", out, sizeof(out)), QUERY_ABSENT);
    assert_int_equal(query_get("", "a", out, sizeof(out)), QUERY_ABSENT);
    assert_int_equal(query_get("last_event_id=%zz", "last_event_id", out, sizeof(out)),
                     QUERY_BAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_escapes_and_plus_only_in_forms),
        cmocka_unit_test(test_decode_rejects_bad_escapes_nul_and_overflow),
        cmocka_unit_test(test_get_finds_exact_names_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
