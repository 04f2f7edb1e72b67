/* test_proto.c - the msgpack codec of the engine protocol, hostile inputs first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "proto.h"

#define CHECK(bytes) proto_check(bytes, sizeof(bytes) - 1, NULL)

static void test_declared_lengths_beyond_the_buffer_are_refused(void **state)
{
    (void)state;
    /* PITFALLS.md: a 5-byte array32 header made msgpack-c reserve gigabytes. */
    assert_int_equal(CHECK("\xdd\x0f\xff\xff\xff"), SM_EBADREQ);
    assert_int_equal(CHECK("\xdf\x7f\xff\xff\xff"), SM_EBADREQ); /* map32 */
    assert_int_equal(CHECK("\xdb\xff\xff\xff\xff"
                           "abc"),
                     SM_EBADREQ); /* str32 */
    assert_int_equal(CHECK("\xc6\x00\x01\x00\x00"
                           "abc"),
                     SM_EBADREQ);                                    /* bin32 */
    assert_int_equal(CHECK("\xc9\x00\x00\x10\x00\x01"), SM_EBADREQ); /* ext32 */
    assert_int_equal(CHECK("\xdc\x00\x05\x01\x02"), SM_EBADREQ);     /* array16 of 5, 2 given */
    assert_int_equal(CHECK("\x95\x01"), SM_EBADREQ);
}

static void test_truncated_and_trailing_bytes_are_refused(void **state)
{
    static const uint8_t ok[] = {0x82, 0xa1, 'a', 0x01, 0xa1, 'b', 0xcb, 0, 0, 0, 0, 0, 0, 0, 0};

    (void)state;
    assert_int_equal(proto_check(ok, sizeof(ok), NULL), 0);
    for (size_t cut = 0; cut < sizeof(ok); cut++)
        assert_int_equal(proto_check(ok, cut, NULL), SM_EBADREQ);
    assert_int_equal(CHECK("\x01\x02"), SM_EBADREQ); /* two objects */
    assert_int_equal(CHECK("\xcd\x01"), SM_EBADREQ); /* uint16 cut */
    assert_int_equal(CHECK("\xd9"), SM_EBADREQ);     /* str8 header cut */
    assert_int_equal(CHECK("\xdd\x00"), SM_EBADREQ); /* array32 header cut */
}

static void test_reserved_byte_c1_is_refused(void **state)
{
    (void)state;
    assert_int_equal(CHECK("\xc1"), SM_EBADREQ);
    assert_int_equal(CHECK("\x92\x01\xc1"), SM_EBADREQ);
}

static void test_nesting_deeper_than_the_limit_is_refused(void **state)
{
    uint8_t buf[64];
    struct proto_limits lim = proto_default_limits;

    (void)state;
    /* depth d: d one-element arrays around a 0. */
    for (unsigned d = 1; d < 40; d++) {
        memset(buf, 0x91, d);
        buf[d] = 0x00;
        assert_int_equal(proto_check(buf, d + 1, NULL), d <= lim.max_depth ? 0 : SM_EBADREQ);
    }
    /* A limit above what msgpack-c's stack holds is clamped. */
    lim.max_depth = 1000;
    memset(buf, 0x91, 40);
    buf[40] = 0;
    assert_int_equal(proto_check(buf, 41, &lim), SM_EBADREQ);
}

static void test_size_and_object_limits_give_too_large(void **state)
{
    struct proto_limits lim = {.max_bytes = 8, .max_depth = 4, .max_items = 3};
    uint8_t big[9] = {0x98, 1, 2, 3, 4, 5, 6, 7, 8};

    (void)state;
    assert_int_equal(proto_check(big, sizeof(big), &lim), SM_ETOOLARGE);
    assert_int_equal(proto_check("\x93\x01\x02\x03", 4, &lim), SM_ETOOLARGE);
    assert_int_equal(proto_check("\x92\x01\x02", 3, &lim), 0);
    assert_int_equal(proto_check("", 0, &lim), SM_EBADREQ);
}

static void test_every_scalar_type_is_understood(void **state)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;

    (void)state;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 16);
    msgpack_pack_nil(&pk);
    msgpack_pack_true(&pk);
    msgpack_pack_int8(&pk, -100);
    msgpack_pack_int16(&pk, -30000);
    msgpack_pack_int32(&pk, -2000000000);
    msgpack_pack_int64(&pk, INT64_MIN);
    msgpack_pack_uint64(&pk, UINT64_MAX);
    msgpack_pack_float(&pk, 1.5f);
    msgpack_pack_double(&pk, 2.5);
    msgpack_pack_str(&pk, 40);
    msgpack_pack_str_body(&pk, "0123456789012345678901234567890123456789", 40);
    msgpack_pack_bin(&pk, 3);
    msgpack_pack_bin_body(&pk, "abc", 3);
    msgpack_pack_ext(&pk, 1, 7);
    msgpack_pack_ext_body(&pk, "x", 1);
    msgpack_pack_ext(&pk, 20, 7);
    msgpack_pack_ext_body(&pk, "01234567890123456789", 20);
    msgpack_pack_map(&pk, 0);
    msgpack_pack_array(&pk, 0);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_nil(&pk);
    msgpack_pack_nil(&pk);
    assert_int_equal(proto_check(sb.data, sb.size, NULL), 0);
    msgpack_sbuffer_destroy(&sb);
}

static void test_unpacked_objects_outlive_the_input_buffer(void **state)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked u;
    char *copy;

    (void)state;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    proto_pack_cstr(&pk, "name");
    proto_pack_cstr(&pk, "Ningbo Deli");
    copy = malloc(sb.size);
    memcpy(copy, sb.data, sb.size);
    msgpack_unpacked_init(&u);
    assert_int_equal(proto_unpack(copy, sb.size, NULL, &u), 0);
    memset(copy, 0, sb.size);
    free(copy); /* ASan would see a use after free below if the objects borrowed it */
    assert_true(proto_str_eq(proto_map_get(&u.data, "name"), "Ningbo Deli"));
    /* Unpacking again into the same object releases the first message. */
    assert_int_equal(proto_unpack(sb.data, sb.size, NULL, &u), 0);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static void test_request_parsing_names_the_bad_part(void **state)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked u;
    struct proto_request req;
    struct sm_error e;

    (void)state;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_unpacked_init(&u);
    proto_pack_request_head(&pk, 42, "profile.get");
    msgpack_pack_map(&pk, 1);
    proto_pack_cstr(&pk, "id");
    proto_pack_cstr(&pk, "x");
    assert_int_equal(proto_unpack(sb.data, sb.size, NULL, &u), 0);
    assert_int_equal(proto_parse_request(&u.data, &req, &e), 0);
    assert_int_equal(req.id, 42);
    assert_true(proto_op_is(&req, "profile.get"));
    assert_false(proto_op_is(&req, "profile.ge"));
    assert_true(proto_str_eq(proto_map_get(req.body, "id"), "x"));

    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 1);
    proto_pack_cstr(&pk, "op");
    proto_pack_cstr(&pk, "ping");
    assert_int_equal(proto_unpack(sb.data, sb.size, NULL, &u), 0);
    assert_int_equal(proto_parse_request(&u.data, &req, &e), SM_EBADREQ);
    assert_string_equal(e.field, "id");

    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 2);
    proto_pack_cstr(&pk, "id");
    msgpack_pack_uint64(&pk, 1);
    proto_pack_cstr(&pk, "op");
    proto_pack_cstr(&pk, "");
    assert_int_equal(proto_unpack(sb.data, sb.size, NULL, &u), 0);
    assert_int_equal(proto_parse_request(&u.data, &req, &e), SM_EBADREQ);
    assert_string_equal(e.field, "op");

    /* A request without body gets a nil body, never NULL. */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 2);
    proto_pack_cstr(&pk, "id");
    msgpack_pack_uint64(&pk, 1);
    proto_pack_cstr(&pk, "op");
    proto_pack_cstr(&pk, "ping");
    assert_int_equal(proto_unpack(sb.data, sb.size, NULL, &u), 0);
    assert_int_equal(proto_parse_request(&u.data, &req, &e), 0);
    assert_non_null(req.body);
    assert_int_equal(req.body->type, MSGPACK_OBJECT_NIL);

    msgpack_sbuffer_clear(&sb);
    msgpack_pack_array(&pk, 0);
    assert_int_equal(proto_unpack(sb.data, sb.size, NULL, &u), 0);
    assert_int_equal(proto_parse_request(&u.data, &req, &e), SM_EBADREQ);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static void test_replies_round_trip_ok_and_error(void **state)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked u;
    struct proto_reply rep;
    struct sm_error e;

    (void)state;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_unpacked_init(&u);
    proto_pack_reply_ok_head(&pk, UINT64_MAX);
    msgpack_pack_int(&pk, 5);
    assert_int_equal(proto_unpack(sb.data, sb.size, NULL, &u), 0);
    assert_int_equal(proto_parse_reply(&u.data, &rep), 0);
    assert_true(rep.ok);
    assert_true(rep.id == UINT64_MAX);
    assert_int_equal(rep.body->via.u64, 5);

    msgpack_sbuffer_clear(&sb);
    sm_error_set(&e, SM_EINVAL, "offers[0].type", "must be one of %s", "a, b");
    proto_pack_reply_error(&pk, 9, &e);
    assert_int_equal(proto_unpack(sb.data, sb.size, NULL, &u), 0);
    assert_int_equal(proto_parse_reply(&u.data, &rep), 0);
    assert_false(rep.ok);
    assert_int_equal(rep.err.code, SM_EINVAL);
    assert_string_equal(rep.err.field, "offers[0].type");
    assert_string_equal(rep.err.message, "must be one of a, b");

    /* An error without a message gets the code's text. */
    msgpack_sbuffer_clear(&sb);
    sm_error_clear(&e);
    e.code = SM_ENOTFOUND;
    proto_pack_reply_error(&pk, 1, &e);
    assert_int_equal(proto_unpack(sb.data, sb.size, NULL, &u), 0);
    assert_int_equal(proto_parse_reply(&u.data, &rep), 0);
    assert_string_equal(rep.err.message, "not found");

    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 1);
    proto_pack_cstr(&pk, "id");
    msgpack_pack_uint64(&pk, 1);
    assert_int_equal(proto_unpack(sb.data, sb.size, NULL, &u), 0);
    assert_int_equal(proto_parse_reply(&u.data, &rep), SM_EBADREQ);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static void test_helpers_handle_missing_and_wrong_types(void **state)
{
    msgpack_object nil = {.type = MSGPACK_OBJECT_NIL};
    msgpack_object str = {.type = MSGPACK_OBJECT_STR, .via.str = {3, "abc"}};
    char *s;

    (void)state;
    assert_null(proto_map_get(NULL, "a"));
    assert_null(proto_map_get(&nil, "a"));
    assert_false(proto_str_eq(NULL, "a"));
    assert_false(proto_str_eq(&nil, ""));
    assert_true(proto_str_eq(&str, "abc"));
    assert_false(proto_str_eq(&str, "ab"));
    assert_null(proto_strdup(&nil));
    s = proto_strdup(&str);
    assert_string_equal(s, "abc");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_declared_lengths_beyond_the_buffer_are_refused),
        cmocka_unit_test(test_truncated_and_trailing_bytes_are_refused),
        cmocka_unit_test(test_reserved_byte_c1_is_refused),
        cmocka_unit_test(test_nesting_deeper_than_the_limit_is_refused),
        cmocka_unit_test(test_size_and_object_limits_give_too_large),
        cmocka_unit_test(test_every_scalar_type_is_understood),
        cmocka_unit_test(test_unpacked_objects_outlive_the_input_buffer),
        cmocka_unit_test(test_request_parsing_names_the_bad_part),
        cmocka_unit_test(test_replies_round_trip_ok_and_error),
        cmocka_unit_test(test_helpers_handle_missing_and_wrong_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
