/* test_err.c - error codes: wire names, HTTP statuses, texts and detailed errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "err.h"

static const int codes[] = {
    SM_EINVAL,   SM_EBADREQ,  SM_ENOTFOUND,  SM_ECONFLICT,  SM_ETOOLARGE,
    SM_EUNAVAIL, SM_ETIMEOUT, SM_EINTERNAL,  SM_ESTORE,     SM_EUNKNOWNOP,
    SM_EMETHOD,  SM_EUNAUTH,  SM_EFORBIDDEN, SM_ERATELIMIT, SM_ENOMEM,
};

static void test_every_code_has_a_name_that_maps_back(void **state)
{
    (void)state;
    for (size_t i = 0; i < SM_ARRAY_SIZE(codes); i++) {
        const char *n = sm_err_name(codes[i]);
        assert_non_null(n);
        assert_int_equal(sm_err_from_name(n, strlen(n)), codes[i]);
        assert_string_not_equal(sm_strerror(codes[i]), "unknown error");
    }
    assert_string_equal(sm_err_name(SM_EINVAL), "invalid_field");
    assert_string_equal(sm_err_name(SM_EUNKNOWNOP), "unknown_op");
    assert_int_equal(sm_err_from_name("nonsense", 8), SM_EINTERNAL);
    assert_int_equal(sm_err_from_name("not_found_x", 9), SM_ENOTFOUND); /* by length */
}

static void test_http_statuses_follow_the_api(void **state)
{
    (void)state;
    assert_int_equal(sm_err_http_status(SM_EINVAL), 400);
    assert_int_equal(sm_err_http_status(SM_EBADREQ), 400);
    assert_int_equal(sm_err_http_status(SM_ENOTFOUND), 404);
    assert_int_equal(sm_err_http_status(SM_ECONFLICT), 409);
    assert_int_equal(sm_err_http_status(SM_ETOOLARGE), 413);
    assert_int_equal(sm_err_http_status(SM_ERATELIMIT), 429);
    assert_int_equal(sm_err_http_status(SM_EUNAVAIL), 503);
    assert_int_equal(sm_err_http_status(SM_ESTORE), 500);
    assert_int_equal(sm_err_http_status(-ENOMEM), 503);
    assert_int_equal(sm_err_http_status(-EIO), 500);
}

static void test_system_errors_read_as_errno_text(void **state)
{
    (void)state;
    assert_string_equal(sm_strerror(0), "success");
    assert_string_equal(sm_strerror(-ENOENT), strerror(ENOENT));
    assert_string_equal(sm_err_name(-ENOENT), "internal");
    assert_string_equal(sm_err_name(-ENOMEM), "out_of_memory");
    assert_string_equal(sm_strerror(-30000), "unknown error");
}

static void test_detailed_errors_are_bounded_and_clearable(void **state)
{
    struct sm_error e;
    char longfield[300];

    (void)state;
    memset(longfield, 'f', sizeof(longfield) - 1);
    longfield[sizeof(longfield) - 1] = '\0';
    assert_int_equal(sm_error_set(&e, SM_EINVAL, longfield, "%s", longfield), SM_EINVAL);
    assert_int_equal(strlen(e.field), sizeof(e.field) - 1);
    assert_int_equal(strlen(e.message), sizeof(e.message) - 1);
    assert_int_equal(sm_error_set(&e, SM_ENOTFOUND, NULL, "no %s", "x"), SM_ENOTFOUND);
    assert_string_equal(e.field, "");
    assert_string_equal(e.message, "no x");
    assert_int_equal(sm_error_set(NULL, SM_EINVAL, "a", "b"), SM_EINVAL);
    sm_error_clear(&e);
    assert_int_equal(e.code, 0);
    assert_string_equal(e.message, "");
    sm_error_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_a_name_that_maps_back),
        cmocka_unit_test(test_http_statuses_follow_the_api),
        cmocka_unit_test(test_system_errors_read_as_errno_text),
        cmocka_unit_test(test_detailed_errors_are_bounded_and_clearable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
