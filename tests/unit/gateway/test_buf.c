/* test_buf.c - the growable buffer: appends, printf, JSON strings, sticky errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sm.h"
#include "buf.h"

static void test_buf_appends_and_terminates(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    buf_puts(&b, "abc");
    buf_putc(&b, '-');
    buf_printf(&b, "%d/%s", 42, "x");
    for (int i = 0; i < 1000; i++)
        buf_putc(&b, 'z');
    assert_int_equal(b.len, 3 + 1 + 4 + 1000);
    assert_memory_equal(b.data, "abc-42/x", 8);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(buf_err(&b), 0);
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_release(&b);
    assert_null(b.data);
}

static void test_buf_printf_grows_for_long_output(void **state)
{
    struct buf b = BUF_INIT;
    char big[5000];

    (void)state;
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    buf_printf(&b, "<%s>", big);
    assert_int_equal(b.len, sizeof(big) + 1);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[b.len - 1], '>');
    buf_release(&b);
}

static void test_buf_json_str_escapes_controls_quotes_and_bad_utf8(void **state)
{
    struct buf b = BUF_INIT;
    const char in[] = "a\"b\\c\n\x01\xe4\xb8\xad\xff";

    (void)state;
    buf_json_str(&b, in, sizeof(in) - 1);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\xe4\xb8\xad\\ufffd\"");
    buf_reset(&b);
    /* An overlong encoding and a lone surrogate are not UTF-8 either. */
    buf_json_str(&b, "\xc0\xaf\xed\xa0\x80", 5);
    assert_string_equal(b.data, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
    buf_release(&b);
}

static void test_buf_errors_are_sticky(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    assert_int_equal(buf_reserve(&b, SIZE_MAX - 8), -ENOMEM);
    buf_puts(&b, "ignored");
    assert_int_equal(buf_err(&b), -ENOMEM);
    buf_reset(&b);
    assert_int_equal(buf_err(&b), 0);
    buf_puts(&b, "ok");
    assert_string_equal(b.data, "ok");
    buf_release(&b);
}

static void test_buf_move_hands_over_the_memory(void **state)
{
    struct buf a = BUF_INIT, b = BUF_INIT;

    (void)state;
    buf_puts(&a, "hello");
    buf_puts(&b, "old");
    buf_move(&b, &a);
    assert_string_equal(b.data, "hello");
    assert_null(a.data);
    assert_int_equal(a.len, 0);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_appends_and_terminates),
        cmocka_unit_test(test_buf_printf_grows_for_long_output),
        cmocka_unit_test(test_buf_json_str_escapes_controls_quotes_and_bad_utf8),
        cmocka_unit_test(test_buf_errors_are_sticky),
        cmocka_unit_test(test_buf_move_hands_over_the_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
