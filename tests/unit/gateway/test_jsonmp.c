/* test_jsonmp.c - JSON <-> msgpack conversions, limits and error positions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sm.h"
#include "jsonmp.h"

/* JSON text -> msgpack -> JSON text. */
static int round_trip(const char *in, struct buf *out, struct sm_error *e)
{
    struct buf mp = BUF_INIT;
    msgpack_packer pk;
    msgpack_unpacked u;
    size_t off = 0;
    json_t *j;
    int rc = jsonmp_parse(in, strlen(in), NULL, &j, e);

    if (rc)
        return rc;
    msgpack_packer_init(&pk, &mp, buf_msgpack_write);
    rc = jsonmp_pack(j, &pk);
    json_decref(j);
    assert_int_equal(rc, 0);
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, mp.data, mp.len, &off), MSGPACK_UNPACK_SUCCESS);
    rc = jsonmp_to_json(&u.data, NULL, out);
    msgpack_unpacked_destroy(&u);
    buf_release(&mp);
    return rc;
}

static void test_jsonmp_round_trip_keeps_types_and_order(void **state)
{
    struct buf out = BUF_INIT;
    struct sm_error e;
    const char *in = "{\"z\":1,\"a\":-5,\"r\":1.5,\"big\":9007199254740993,\"t\":true,"
                     "\"f\":false,\"n\":null,\"s\":\"\xe5\xae\x81\xe6\xb3\xa2\","
                     "\"l\":[[],{},\"x\"],\"r2\":2.0}";

    (void)state;
    assert_int_equal(round_trip(in, &out, &e), 0);
    assert_string_equal(out.data, in);
    buf_release(&out);
}

static void test_jsonmp_packs_integers_as_ints_and_reals_as_float64(void **state)
{
    struct buf mp = BUF_INIT;
    msgpack_packer pk;
    msgpack_unpacked u;
    struct sm_error e;
    size_t off = 0;
    json_t *j;

    (void)state;
    assert_int_equal(jsonmp_parse("[120, -3, 0.25]", 15, NULL, &j, &e), 0);
    msgpack_packer_init(&pk, &mp, buf_msgpack_write);
    assert_int_equal(jsonmp_pack(j, &pk), 0);
    json_decref(j);
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, mp.data, mp.len, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(u.data.via.array.ptr[0].type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal(u.data.via.array.ptr[0].via.u64, 120);
    assert_int_equal(u.data.via.array.ptr[1].type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
    assert_int_equal(u.data.via.array.ptr[2].type, MSGPACK_OBJECT_FLOAT64);
    msgpack_unpacked_destroy(&u);
    buf_release(&mp);
}

static void test_jsonmp_rejects_malformed_json_naming_the_position(void **state)
{
    struct sm_error e;
    json_t *j;

    (void)state;
    assert_int_equal(jsonmp_parse("{\"a\": }", 7, NULL, &j, &e), SM_EBADREQ);
    assert_null(j);
    assert_non_null(strstr(e.message, "column 7"));
    assert_int_equal(jsonmp_parse("{\"a\": 1,\n\"b\": x}", 16, NULL, &j, &e), SM_EBADREQ);
    assert_non_null(strstr(e.message, "line 2"));
    /* Trailing garbage, duplicates, bad UTF-8, a bare scalar, NUL escapes. */
    assert_int_equal(jsonmp_parse("{} x", 4, NULL, &j, &e), SM_EBADREQ);
    assert_int_equal(jsonmp_parse("{\"a\":1,\"a\":2}", 13, NULL, &j, &e), SM_EBADREQ);
    assert_int_equal(jsonmp_parse("{\"a\":\"\xff\"}", 9, NULL, &j, &e), SM_EBADREQ);
    assert_int_equal(jsonmp_parse("42", 2, NULL, &j, &e), SM_EBADREQ);
    assert_int_equal(jsonmp_parse("{\"a\":\"\\u0000\"}", 14, NULL, &j, &e), SM_EBADREQ);
    assert_int_equal(jsonmp_parse("", 0, NULL, &j, &e), SM_EBADREQ);
}

static void test_jsonmp_depth_limit_counts_brackets_outside_strings(void **state)
{
    struct jsonmp_limits lim = {.max_bytes = 1 << 20, .max_depth = 3};
    struct sm_error e;
    json_t *j;

    (void)state;
    assert_int_equal(jsonmp_parse("[[[1]]]", 7, &lim, &j, &e), 0);
    json_decref(j);
    assert_int_equal(jsonmp_parse("[[[[1]]]]", 9, &lim, &j, &e), SM_EBADREQ);
    assert_non_null(strstr(e.message, "nested deeper than 3"));
    /* Brackets inside strings (even after an escaped quote) do not count. */
    assert_int_equal(jsonmp_parse("[\"[[[[\\\"[[[\"]", 13, &lim, &j, &e), 0);
    json_decref(j);
}

static void test_jsonmp_size_limit_is_too_large(void **state)
{
    struct jsonmp_limits lim = {.max_bytes = 8, .max_depth = 16};
    struct sm_error e;
    json_t *j;

    (void)state;
    assert_int_equal(jsonmp_parse("[1,2,3,4,5]", 11, &lim, &j, &e), SM_ETOOLARGE);
}

static void test_jsonmp_to_json_handles_bin_floats_and_skip_key(void **state)
{
    struct buf mp = BUF_INIT, out = BUF_INIT;
    msgpack_packer pk;
    msgpack_unpacked u;
    size_t off = 0;

    (void)state;
    msgpack_packer_init(&pk, &mp, buf_msgpack_write);
    msgpack_pack_map(&pk, 4);
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "b", 1);
    msgpack_pack_bin(&pk, 4);
    msgpack_pack_bin_body(&pk, "\x00\x01\x02\xff", 4);
    msgpack_pack_str(&pk, 7);
    msgpack_pack_str_body(&pk, "contact", 7);
    msgpack_pack_map(&pk, 0);
    msgpack_pack_str(&pk, 3);
    msgpack_pack_str_body(&pk, "nan", 3);
    msgpack_pack_double(&pk, 0.0 / 0.0);
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "f", 1);
    msgpack_pack_float(&pk, 0.5f);
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, mp.data, mp.len, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(jsonmp_to_json(&u.data, "contact", &out), 0);
    assert_string_equal(out.data, "{\"b\":\"AAEC/w==\",\"nan\":null,\"f\":0.5}");
    msgpack_unpacked_destroy(&u);
    buf_release(&mp);
    buf_release(&out);
}

static void test_jsonmp_to_json_rejects_non_string_keys(void **state)
{
    struct buf mp = BUF_INIT, out = BUF_INIT;
    msgpack_packer pk;
    msgpack_unpacked u;
    size_t off = 0;

    (void)state;
    msgpack_packer_init(&pk, &mp, buf_msgpack_write);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_int(&pk, 1);
    msgpack_pack_int(&pk, 2);
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, mp.data, mp.len, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(jsonmp_to_json(&u.data, NULL, &out), SM_EBADREQ);
    msgpack_unpacked_destroy(&u);
    buf_release(&mp);
    buf_release(&out);
}

static void test_jsonmp_put_error_renders_code_message_field(void **state)
{
    struct buf out = BUF_INIT;
    struct sm_error e;

    (void)state;
    sm_error_set(&e, SM_EINVAL, "offers[0].type", "unknown type \"x\"");
    jsonmp_put_error(&out, &e);
    assert_string_equal(out.data, "{\"code\":\"invalid_field\",\"message\":\"unknown type "
                                  "\\\"x\\\"\",\"field\":\"offers[0].type\"}");
    buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonmp_round_trip_keeps_types_and_order),
        cmocka_unit_test(test_jsonmp_packs_integers_as_ints_and_reals_as_float64),
        cmocka_unit_test(test_jsonmp_rejects_malformed_json_naming_the_position),
        cmocka_unit_test(test_jsonmp_depth_limit_counts_brackets_outside_strings),
        cmocka_unit_test(test_jsonmp_size_limit_is_too_large),
        cmocka_unit_test(test_jsonmp_to_json_handles_bin_floats_and_skip_key),
        cmocka_unit_test(test_jsonmp_to_json_rejects_non_string_keys),
        cmocka_unit_test(test_jsonmp_put_error_renders_code_message_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
