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

/*
 * jsonmp_transcode must append exactly what jsonmp_parse + jsonmp_pack give, or fail where they
 * fail (same code). Text of n bytes (n may hold NULs); out starts non-empty to check that only
 * appends happen and that a failure leaves it as it was.
 */
static int same_as_tree_n(const char *in, size_t n, const struct jsonmp_limits *lim)
{
    struct buf want = BUF_INIT, got = BUF_INIT;
    struct sm_error e1, e2;
    msgpack_packer pk;
    json_t *j;
    int rc1 = jsonmp_parse(in, n, lim, &j, &e1), rc2;

    buf_append(&got, "pre", 3);
    if (rc1 == 0) {
        msgpack_packer_init(&pk, &want, buf_msgpack_write);
        assert_int_equal(jsonmp_pack(j, &pk), 0);
        json_decref(j);
    }
    rc2 = jsonmp_transcode(in, n, lim, &got, NULL, &e2);
    if (rc1 != rc2)
        fail_msg("%.*s: tree %d (%s), transcode %d (%s)", (int)n, in, rc1,
                 rc1 ? e1.message : "", rc2, rc2 ? e2.message : "");
    if (rc1 == 0) {
        assert_int_equal(got.len, want.len + 3);
        assert_memory_equal(got.data + 3, want.data, want.len);
    } else {
        assert_int_equal(got.len, 3); /* nothing left behind */
        assert_string_equal(got.data, "pre");
        assert_non_null(strstr(e2.message, "invalid json") ? e2.message : strstr(e2.message, "over"));
    }
    buf_release(&want);
    buf_release(&got);
    return rc1;
}

static int same_as_tree(const char *in)
{
    return same_as_tree_n(in, strlen(in), NULL);
}

/* "{"k0":0,...}" with n members, or an array of n zeros. */
static char *members(unsigned n, bool map)
{
    char *s = malloc((size_t)n * 16 + 8), *p = s;

    *p++ = map ? '{' : '[';
    for (unsigned i = 0; i < n; i++)
        p += map ? sprintf(p, "%s\"k%u\":%u", i ? "," : "", i, i) : sprintf(p, "%s0", i ? "," : "");
    *p++ = map ? '}' : ']';
    *p = '\0';
    return s;
}

static void test_jsonmp_transcode_gives_the_trees_bytes(void **state)
{
    static const char *const ok[] = {
        "{\"z\":1,\"a\":-5,\"r\":1.5,\"big\":9007199254740993,\"t\":true,\"f\":false,\"n\":null,"
        "\"s\":\"\xe5\xae\x81\xe6\xb3\xa2\",\"l\":[[],{},\"x\"],\"r2\":2.0}",
        "[]", "{}", " {\"a\" : [ 1 , 2 ] } \n", "[-0, -0.0, 1e-400, 1E2, 0.1, 9223372036854775807]",
        "[-9223372036854775808, 4294967296, 255, 256, 65535, 65536, -32, -33, -129, 127, 128]",
        "[\"\\n\\t\\\"\\\\\\/\\b\\f\\r\", \"\\u00e9\\u4E2D\", \"\\ud83d\\ude00\"]",
        "[\"\xf4\x8f\xbf\xbf\", \"\xf0\x90\x80\x80\", \"\xe0\xa0\x80\", \"\xc2\x80\", \"\xed\x9f\xbf\"]",
        /* The same key in other maps is no duplicate. */
        "{\"a\":{\"x\":1},\"b\":{\"x\":1,\"a\":{\"a\":2}},\"x\":[{\"a\":1},{\"a\":1}]}",
        "[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]",
    };
    static const char *const bad[] = {
        "", "   ", "42", "\"s\"", "null", "{} x", "{}{}", "[1,]", "{\"a\":1,}", "{\"a\" 1}",
        "{\"a\":1,\"a\":2}", "{\"a\":[{\"a\":1}],\"a\":2}", "{\"a\":{\"b\":1,\"b\":2}}",
        "[01]", "[1.]", "[.5]", "[-]", "[1e]", "[1e400]", "[-1e400]", "[9223372036854775808]",
        "[-9223372036854775809]", "[tru]", "[nul]", "['a']", "[\"a\tb\"]", "{1:2}",
        "[\"\xff\"]", "[\"\xc0\x80\"]", "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]",
        "[\"\xe4\xb8\"]", "[\"\xe4\xb8\"", "{\"\xfe\":1}", "[\"\\x\"]", "[\"\\u12\"]",
        "[\"\\u0000\"]", "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "\f[]", "[\v1]",
        "[1]\v", "{}\"", "[]\"ab", "{} 1", "[] t", "[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", "[1", "{\"a\":", "/* c */ []",
    };
    char *big;

    (void)state;
    for (size_t i = 0; i < SM_ARRAY_SIZE(ok); i++)
        assert_int_equal(same_as_tree(ok[i]), 0);
    for (size_t i = 0; i < SM_ARRAY_SIZE(bad); i++)
        assert_int_not_equal(same_as_tree(bad[i]), 0);
    assert_int_not_equal(same_as_tree_n("[\"a\0b\"]", 7, NULL), 0); /* a raw NUL */
    /* Every header size: fixmap/fixarray, 16 and 32 bits. */
    for (unsigned n = 14; n <= 17; n++) {
        big = members(n, n & 1);
        assert_int_equal(same_as_tree(big), 0);
        free(big);
    }
    for (unsigned n = 65535; n <= 65536; n++) {
        big = members(n, true); /* keys enough to grow the duplicate table many times */
        assert_int_equal(same_as_tree(big), 0);
        free(big);
        big = members(n, false);
        assert_int_equal(same_as_tree(big), 0);
        free(big);
    }
    /* A duplicate found among many keys. */
    big = members(300, true);
    memcpy(strstr(big, "\"k250\""), "\"k100\"", 6);
    assert_int_equal(same_as_tree(big), SM_EBADREQ);
    free(big);
}

static void test_jsonmp_transcode_limits_and_error_positions(void **state)
{
    struct jsonmp_limits lim = {.max_bytes = 1 << 20, .max_depth = 40};
    struct buf out = BUF_INIT;
    struct sm_error e;
    char deep[100];

    (void)state;
    /* Deeper than the frames kept on the stack, within a larger limit. */
    memset(deep, '[', 40);
    memset(deep + 40, ']', 40);
    assert_int_equal(same_as_tree_n(deep, 80, &lim), 0);
    lim.max_depth = 39;
    assert_int_equal(same_as_tree_n(deep, 80, &lim), SM_EBADREQ);
    assert_int_equal(jsonmp_transcode(deep, 80, &lim, &out, NULL, &e), SM_EBADREQ);
    assert_non_null(strstr(e.message, "column 40: nested deeper than 39"));
    lim = (struct jsonmp_limits){.max_bytes = 8, .max_depth = 16};
    assert_int_equal(jsonmp_transcode("[1,2,3,4,5]", 11, &lim, &out, NULL, &e), SM_ETOOLARGE);
    assert_int_equal(jsonmp_transcode("{\"a\":1,\"a\":2}", 13, NULL, &out, NULL, &e), SM_EBADREQ);
    assert_string_equal(e.message, "invalid json at column 11: duplicate object key");
    assert_int_equal(jsonmp_transcode("{\"a\": 1,\n\"b\": x}", 16, NULL, &out, NULL, &e),
                     SM_EBADREQ);
    assert_non_null(strstr(e.message, "invalid json at line 2 column "));
    assert_int_equal(jsonmp_transcode("[\"\xff\"]", 5, NULL, &out, NULL, &e), SM_EBADREQ);
    assert_non_null(strstr(e.message, "utf-8"));
    assert_int_equal(out.len, 0);
    buf_release(&out);
}

static int tc_top(const char *in, struct buf *out, struct jsonmp_top *top)
{
    struct sm_error e;

    return jsonmp_transcode(in, strlen(in), NULL, out, top, &e);
}

static void test_jsonmp_transcode_reports_the_top_level_id(void **state)
{
    struct buf out = BUF_INIT;
    struct jsonmp_top top;
    char *many = members(20, true); /* a 16-bit map header: the id moves when it is written */
    size_t n = strlen(many);

    (void)state;
    assert_int_equal(tc_top("{\"a\":[1,{\"id\":\"in\"}],\"id\":\"cn-1\"}", &out, &top), 0);
    assert_true(top.object);
    assert_int_equal(top.id_len, 4);
    assert_memory_equal(top.id, "cn-1", 4);
    buf_reset(&out);
    assert_int_equal(tc_top("{\"a\":{\"id\":\"x\"},\"id\":7}", &out, &top), 0);
    assert_true(top.object);
    assert_null(top.id);
    assert_int_equal(tc_top("[{\"id\":\"x\"}]", &out, &top), 0);
    assert_false(top.object);
    assert_null(top.id);
    buf_reset(&out);
    strcpy(many + n - 1, ",\"id\":\"de-9\"}");
    assert_int_equal(tc_top(many, &out, &top), 0);
    assert_memory_equal(top.id, "de-9", 4);
    assert_int_equal((unsigned char)out.data[0], 0xde); /* map16 */
    /* Through jansson (a surrogate pair), the same report. */
    buf_reset(&out);
    assert_int_equal(tc_top("{\"s\":\"\\ud83d\\ude00\",\"id\":\"jp-2\"}", &out, &top), 0);
    assert_true(top.object);
    assert_memory_equal(top.id, "jp-2", 4);
    free(many);
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
        cmocka_unit_test(test_jsonmp_transcode_gives_the_trees_bytes),
        cmocka_unit_test(test_jsonmp_transcode_limits_and_error_positions),
        cmocka_unit_test(test_jsonmp_transcode_reports_the_top_level_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
