/* test_arena.c - the bump allocator of profiles and requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "arena.h"

static void test_allocations_are_aligned_and_distinct(void **state)
{
    struct arena *a;
    char *prev = NULL;

    (void)state;
    assert_int_equal(arena_new(&a, 64), 0);
    for (int i = 1; i < 2000; i++) {
        char *p = arena_alloc(a, (size_t)(i % 37));
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        assert_ptr_not_equal(p, prev);
        memset(p, 0xab, (size_t)(i % 37)); /* ASan: the bytes are ours */
        prev = p;
    }
    assert_true(arena_used(a) >= 2000 * 16);
    arena_destroy(&a);
    assert_null(a);
    arena_destroy(&a); /* safe on NULL */
}

static void test_large_allocations_get_their_own_chunk(void **state)
{
    struct arena *a;
    char *big;

    (void)state;
    assert_int_equal(arena_new(&a, 0), 0);
    big = arena_alloc(a, 1 << 20);
    assert_non_null(big);
    memset(big, 1, 1 << 20);
    assert_non_null(arena_alloc(a, 8));
    arena_destroy(&a);
}

static void test_strndup_terminates_and_calloc_zeroes(void **state)
{
    struct arena *a;
    char *s;
    int *z;

    (void)state;
    assert_int_equal(arena_new(&a, 0), 0);
    s = arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_string_equal(arena_strndup(a, "", 0), "");
    z = arena_calloc(a, 100, sizeof(int));
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    assert_null(arena_calloc(a, SIZE_MAX / 2, 4)); /* overflow is refused, not wrapped */
    assert_null(arena_alloc(a, SIZE_MAX - 3));
    arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocations_are_aligned_and_distinct),
        cmocka_unit_test(test_large_allocations_get_their_own_chunk),
        cmocka_unit_test(test_strndup_terminates_and_calloc_zeroes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
