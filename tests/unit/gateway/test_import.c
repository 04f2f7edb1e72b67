/* test_import.c - NDJSON line splitting and CSV records turned into batches of profiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sm.h"
#include "import.h"
#include "proto.h"

/* Unpack a finished batch body; returns the profiles array (valid until u is destroyed). */
static const msgpack_object *batch_profiles(struct import_batch *b, msgpack_unpacked *u)
{
    size_t len;
    const char *body = import_batch_body(b, &len);
    const msgpack_object *arr;

    assert_non_null(body);
    msgpack_unpacked_init(u);
    assert_int_equal(proto_unpack(body, len, NULL, u), 0);
    arr = proto_map_get(&u->data, "profiles");
    assert_non_null(arr);
    assert_int_equal(arr->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(arr->via.array.size, b->n);
    return arr;
}

static bool str_is(const msgpack_object *o, const char *s)
{
    return proto_str_eq(o, s);
}

static void test_import_ndjson_skips_blank_lines_and_crlf_keeping_line_numbers(void **state)
{
    const char body[] = "\xef\xbb\xbf{\"id\":\"a\"}\r\n"
                        "\r\n"
                        "   \n"
                        "{\"id\":\"b\"}\r\n"
                        "\x1e{\"id\":\"c\"}\n"
                        "{\"id\":\"d\"}"; /* no final newline */
    struct import imp;
    struct import_batch b;
    struct sm_error e;
    msgpack_unpacked u;
    const msgpack_object *arr;

    (void)state;
    assert_int_equal(import_init(&imp, IMPORT_NDJSON, body, sizeof(body) - 1, &e), 0);
    import_batch_init(&b);
    assert_int_equal(import_next(&imp, &b), 0);
    assert_int_equal(b.n, 4);
    assert_int_equal(b.lines[0], 1);
    assert_int_equal(b.lines[1], 4);
    assert_int_equal(b.lines[2], 5);
    assert_int_equal(b.lines[3], 6);
    assert_string_equal(b.ids[1], "b");
    arr = batch_profiles(&b, &u);
    assert_true(str_is(proto_map_get(&arr->via.array.ptr[3], "id"), "d"));
    msgpack_unpacked_destroy(&u);
    assert_true(imp.done);
    assert_int_equal(import_next(&imp, &b), 0);
    assert_int_equal(b.n, 0);
    assert_int_equal(imp.failed, 0);
    import_batch_release(&b);
    import_release(&imp);
}

static void test_import_ndjson_bad_lines_are_errors_of_their_line_only(void **state)
{
    const char body[] = "{\"id\":\"a\"}\n{\"id\": oops}\n[1,2]\n{\"id\":\"d\"}\n";
    struct import imp;
    struct import_batch b;
    struct sm_error e;
    struct buf out = BUF_INIT;

    (void)state;
    assert_int_equal(import_init(&imp, IMPORT_NDJSON, body, sizeof(body) - 1, &e), 0);
    import_batch_init(&b);
    assert_int_equal(import_next(&imp, &b), 0);
    assert_int_equal(b.n, 2);
    assert_int_equal(imp.failed, 2);
    assert_int_equal(imp.n_errors, 2);
    assert_int_equal(imp.errors[0].line, 2);
    assert_int_equal(imp.errors[0].err.code, SM_EBADREQ);
    assert_non_null(strstr(imp.errors[0].err.message, "column"));
    assert_int_equal(imp.errors[1].line, 3);
    imp.stored = 2;
    assert_int_equal(import_render(&imp, &out), 0);
    assert_non_null(strstr(out.data, "{\"stored\":2,\"failed\":2,\"errors\":[{\"line\":2,"));
    buf_release(&out);
    import_batch_release(&b);
    import_release(&imp);
}

static void test_import_ndjson_splits_batches_at_the_maximum(void **state)
{
    struct buf body = BUF_INIT;
    struct import imp;
    struct import_batch b;
    struct sm_error e;
    uint32_t total = 0, batches = 0;

    (void)state;
    for (int i = 0; i < 12; i++)
        buf_printf(&body, "{\"id\":\"p%d\"}\n", i);
    assert_int_equal(import_init(&imp, IMPORT_NDJSON, body.data, body.len, &e), 0);
    imp.batch_max = 5;
    import_batch_init(&b);
    do {
        assert_int_equal(import_next(&imp, &b), 0);
        assert_true(b.n <= 5);
        total += b.n;
        batches += b.n ? 1 : 0;
    } while (b.n);
    assert_int_equal(total, 12);
    assert_int_equal(batches, 3);
    import_batch_release(&b);
    import_release(&imp);
    buf_release(&body);
}

static void test_import_errors_are_sorted_by_line(void **state)
{
    struct import imp;
    struct sm_error e, x;
    struct buf out = BUF_INIT;
    const char *p;

    (void)state;
    assert_int_equal(import_init(&imp, IMPORT_NDJSON, "", 0, &e), 0);
    sm_error_set(&x, SM_EINVAL, "kind", "bad kind");
    import_add_error(&imp, 9, "z", &x);
    import_add_error(&imp, 3, NULL, &x);
    assert_int_equal(import_render(&imp, &out), 0);
    p = strstr(out.data, "\"line\":3");
    assert_non_null(p);
    assert_true(p < strstr(out.data, "\"line\":9"));
    assert_non_null(strstr(out.data, "\"line\":9,\"id\":\"z\""));
    buf_release(&out);
    import_release(&imp);
}

#define HEADER                                                                                     \
    "id,kind,name,languages,employees,contact_email,offer1_type,offer1_keywords,"                  \
    "offer2_type,need1_type,need1_countries\n"

static void test_import_csv_maps_columns_lists_and_groups(void **state)
{
    const char body[] = HEADER
        "a-1,sme,\"Deli, Co.\",zh; en ;,120,li@x.cn,outsourcing,OEM;gel pens,,distribution,DE\n"
        "a-2,large,\"Two\nLines\",,,,,,franchise,,\n";
    struct import imp;
    struct import_batch b;
    struct sm_error e;
    msgpack_unpacked u;
    const msgpack_object *arr, *p, *o, *langs;

    (void)state;
    assert_int_equal(import_init(&imp, IMPORT_CSV, body, sizeof(body) - 1, &e), 0);
    import_batch_init(&b);
    assert_int_equal(import_next(&imp, &b), 0);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.lines[0], 2);
    assert_int_equal(b.lines[1], 3);
    assert_string_equal(b.ids[0], "a-1");
    arr = batch_profiles(&b, &u);
    p = &arr->via.array.ptr[0];
    assert_true(str_is(proto_map_get(p, "name"), "Deli, Co."));
    langs = proto_map_get(p, "languages");
    assert_int_equal(langs->via.array.size, 2);
    assert_true(str_is(&langs->via.array.ptr[1], "en"));
    assert_int_equal(proto_map_get(p, "employees")->via.u64, 120);
    assert_true(str_is(proto_map_get(proto_map_get(p, "contact"), "email"), "li@x.cn"));
    o = proto_map_get(p, "offers");
    assert_int_equal(o->via.array.size, 1); /* offer2 is empty: absent */
    assert_int_equal(proto_map_get(&o->via.array.ptr[0], "keywords")->via.array.size, 2);
    assert_true(str_is(
        &proto_map_get(&proto_map_get(p, "needs")->via.array.ptr[0], "countries")->via.array.ptr[0],
        "DE"));
    p = &arr->via.array.ptr[1];
    assert_true(str_is(proto_map_get(p, "name"), "Two\nLines"));
    assert_null(proto_map_get(p, "employees"));
    assert_null(proto_map_get(p, "contact"));
    assert_null(proto_map_get(p, "needs"));
    o = proto_map_get(p, "offers");
    assert_int_equal(o->via.array.size, 1);
    assert_true(str_is(proto_map_get(&o->via.array.ptr[0], "type"), "franchise"));
    msgpack_unpacked_destroy(&u);
    import_batch_release(&b);
    import_release(&imp);
}

static void test_import_csv_bad_integer_names_the_column_and_record(void **state)
{
    const char body[] = "id,name,employees,founded\n"
                        "\"q-1\",\"multi\nline\",10,2001\n"
                        "q-2,x,12x,\n"
                        "q-3,y,,19 84\n"
                        "q-4,z,-7,\n";
    struct import imp;
    struct import_batch b;
    struct sm_error e;

    (void)state;
    assert_int_equal(import_init(&imp, IMPORT_CSV, body, sizeof(body) - 1, &e), 0);
    import_batch_init(&b);
    assert_int_equal(import_next(&imp, &b), 0);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.lines[1], 5);
    assert_int_equal(imp.n_errors, 2);
    /* Record numbers: the header is 1; the quoted newline does not shift them. */
    assert_int_equal(imp.errors[0].line, 3);
    assert_string_equal(imp.errors[0].err.field, "employees");
    assert_string_equal(imp.errors[0].id, "q-2");
    assert_int_equal(imp.errors[0].err.code, SM_EINVAL);
    assert_int_equal(imp.errors[1].line, 4);
    assert_string_equal(imp.errors[1].err.field, "founded");
    import_batch_release(&b);
    import_release(&imp);
}

static void test_import_csv_unknown_or_duplicate_column_fails_the_request(void **state)
{
    struct import imp;
    struct sm_error e;

    (void)state;
    assert_int_equal(import_init(&imp, IMPORT_CSV, "id,colour\nx,red\n", 16, &e), SM_EINVAL);
    assert_string_equal(e.field, "colour");
    assert_int_equal(import_init(&imp, IMPORT_CSV, "id,offer0_type\n", 15, &e), SM_EINVAL);
    assert_string_equal(e.field, "offer0_type");
    assert_int_equal(import_init(&imp, IMPORT_CSV, "id,need2_colour\n", 16, &e), SM_EINVAL);
    assert_int_equal(import_init(&imp, IMPORT_CSV, "id,name,ID\n", 11, &e), SM_EINVAL);
    assert_non_null(strstr(e.message, "duplicate"));
    assert_int_equal(import_init(&imp, IMPORT_CSV, "\n\n", 2, &e), SM_EBADREQ);
    /* Header names are case-insensitive and may carry a BOM. */
    assert_int_equal(import_init(&imp, IMPORT_CSV, "\xef\xbb\xbfId,Offer12_Text\n", 20, &e), 0);
    import_release(&imp);
}

static void test_import_csv_extra_fields_and_unterminated_quote_are_record_errors(void **state)
{
    const char body[] = "id,name\nr-1,a,extra\nr-2,b\nr-3,\"open";
    struct import imp;
    struct import_batch b;
    struct sm_error e;

    (void)state;
    assert_int_equal(import_init(&imp, IMPORT_CSV, body, sizeof(body) - 1, &e), 0);
    import_batch_init(&b);
    assert_int_equal(import_next(&imp, &b), 0);
    assert_int_equal(b.n, 1);
    assert_string_equal(b.ids[0], "r-2");
    assert_int_equal(imp.n_errors, 2);
    assert_int_equal(imp.errors[0].line, 2);
    assert_string_equal(imp.errors[0].id, "r-1");
    assert_int_equal(imp.errors[1].line, 4);
    assert_non_null(strstr(imp.errors[1].err.message, "unterminated"));
    import_batch_release(&b);
    import_release(&imp);
}

static void test_import_csv_many_small_records_respect_batch_max(void **state)
{
    struct buf body = BUF_INIT;
    struct import imp;
    struct import_batch b;
    struct sm_error e;
    uint32_t total = 0, last = 1;

    (void)state;
    buf_puts(&body, "id\n");
    for (int i = 0; i < 20000; i++)
        buf_printf(&body, "%d\n", i);
    assert_int_equal(import_init(&imp, IMPORT_CSV, body.data, body.len, &e), 0);
    import_batch_init(&b);
    do {
        assert_int_equal(import_next(&imp, &b), 0);
        assert_true(b.n <= IMPORT_BATCH_MAX);
        for (uint32_t i = 0; i < b.n; i++) {
            assert_int_equal(b.lines[i], last + 1); /* in order, none lost or repeated */
            last = b.lines[i];
        }
        total += b.n;
    } while (b.n);
    assert_int_equal(total, 20000);
    import_batch_release(&b);
    import_release(&imp);
    buf_release(&body);
}

/* All batches of body, as one byte string (n, lines, msgpack body each) and the errors' lines. */
static void batches_of(enum import_format fmt, const struct buf *body, uint32_t slice,
                       struct buf *out)
{
    struct import imp;
    struct import_batch b;
    struct sm_error e;

    assert_int_equal(import_init(&imp, fmt, body->data, body->len, &e), 0);
    imp.batch_max = 50;
    import_batch_init(&b);
    for (;;) {
        const char *bytes;
        size_t len;

        if (slice == 0) {
            assert_int_equal(import_next(&imp, &b), 0);
        } else {
            /* As the gateway's pump does: a slice per turn until the batch is ready. */
            import_batch_reset(&b);
            do {
                uint32_t line = imp.line;

                assert_int_equal(import_fill(&imp, &b, slice), 0);
                if (fmt == IMPORT_NDJSON)
                    assert_true(imp.line - line <= slice);
            } while (!import_batch_ready(&imp, &b));
        }
        if (b.n == 0 && imp.done)
            break;
        bytes = import_batch_body(&b, &len);
        buf_printf(out, "[%u:", b.n);
        for (uint32_t i = 0; i < b.n; i++)
            buf_printf(out, "%u,", b.lines[i]);
        buf_append(out, bytes, len);
        buf_putc(out, ']');
    }
    for (size_t i = 0; i < imp.n_errors; i++)
        buf_printf(out, "e%u,", imp.errors[i].line);
    import_batch_release(&b);
    import_release(&imp);
}

/* Parsed a slice at a time (import_fill), an import sends the very batches import_next makes. */
static void test_import_slices_make_the_same_batches(void **state)
{
    struct buf nd = BUF_INIT, csv = BUF_INIT;

    (void)state;
    buf_puts(&csv, "id,name,offer1_type\n");
    for (int i = 0; i < 333; i++) {
        if (i % 17 == 0)
            buf_puts(&nd, "{not json\n");
        else
            buf_printf(&nd, "{\"id\":\"p%d\",\"name\":\"n%d\"}\n", i, i);
        buf_printf(&csv, i % 19 ? "p%d,name %d,rnd\n" : "p%d,\"x\",y,z\n", i, i);
    }
    for (int f = 0; f < 2; f++) {
        const struct buf *body = f ? &csv : &nd;
        enum import_format fmt = f ? IMPORT_CSV : IMPORT_NDJSON;
        const uint32_t slices[] = {1, 7, 64};
        struct buf ref = BUF_INIT;

        batches_of(fmt, body, 0, &ref);
        assert_true(ref.len > 1000);
        for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
            struct buf got = BUF_INIT;

            batches_of(fmt, body, slices[i], &got);
            assert_int_equal(got.len, ref.len);
            assert_memory_equal(got.data, ref.data, ref.len);
            buf_release(&got);
        }
        buf_release(&ref);
    }
    buf_release(&nd);
    buf_release(&csv);
}

static void test_import_parse_int_is_strict(void **state)
{
    int64_t v;

    (void)state;
    assert_int_equal(import_parse_int("2004", 4, &v), 0);
    assert_int_equal(v, 2004);
    assert_int_equal(import_parse_int("-12", 3, &v), 0);
    assert_int_equal(v, -12);
    assert_int_equal(import_parse_int("12.0", 4, &v), -1);
    assert_int_equal(import_parse_int("+1", 2, &v), -1);
    assert_int_equal(import_parse_int("-", 1, &v), -1);
    assert_int_equal(import_parse_int("1 2", 3, &v), -1);
    assert_int_equal(import_parse_int("1234567890123456789", 19, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_ndjson_skips_blank_lines_and_crlf_keeping_line_numbers),
        cmocka_unit_test(test_import_ndjson_bad_lines_are_errors_of_their_line_only),
        cmocka_unit_test(test_import_ndjson_splits_batches_at_the_maximum),
        cmocka_unit_test(test_import_errors_are_sorted_by_line),
        cmocka_unit_test(test_import_csv_maps_columns_lists_and_groups),
        cmocka_unit_test(test_import_csv_bad_integer_names_the_column_and_record),
        cmocka_unit_test(test_import_csv_unknown_or_duplicate_column_fails_the_request),
        cmocka_unit_test(test_import_csv_extra_fields_and_unterminated_quote_are_record_errors),
        cmocka_unit_test(test_import_csv_many_small_records_respect_batch_max),
        cmocka_unit_test(test_import_slices_make_the_same_batches),
        cmocka_unit_test(test_import_parse_int_is_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
