/* test_ops.c - operations dispatched by name and run against a real store, without sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "ops.h"

#include "testutil.h"

struct fx {
    char *dir;
    struct store *st;
    struct ops_table tab;
    struct ops_info info;
    struct ops_events ev;
    msgpack_sbuffer out;
    msgpack_unpacked reply;
    struct proto_reply rep;
    bool ahead; /* write requests decoded ahead, as the writer does for the group it takes next */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    f->dir = tu_tempdir();
    if (store_open(&f->st, f->dir, NULL) || ops_table_default(&f->tab))
        return -1;
    f->info.version = "test";
    f->info.readers = 3;
    ops_events_init(&f->ev);
    msgpack_sbuffer_init(&f->out);
    msgpack_unpacked_init(&f->reply);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    msgpack_unpacked_destroy(&f->reply);
    msgpack_sbuffer_destroy(&f->out);
    ops_events_release(&f->ev);
    store_close(&f->st);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

struct run {
    struct fx *f;
    struct ops_request *r;
    int rc;
};

static int run_nested(struct store_txn *t, void *arg)
{
    struct run *x = arg;
    struct ops_ctx c = {.st = x->f->st,
                        .txn = t,
                        .events = &x->f->ev,
                        .info = &x->f->info,
                        .now_ms = 1700000000000};

    return ops_execute(x->r, &c, &x->f->out);
}

/* As the writer does: each request in a nested txn of one write txn. */
static int run_write(struct store_txn *t, void *arg)
{
    struct run *x = arg;

    ops_events_clear(&x->f->ev);
    x->rc = store_txn_nested(t, run_nested, x);
    return 0;
}

/* Run one raw payload as the server would and parse the reply into f->rep. */
static int call_raw(struct fx *f, const void *buf, size_t len)
{
    struct ops_request r;
    struct run x = {f, &r, 0};
    size_t off = 0;

    ops_request_init(&r);
    ops_request_parse(&r, &f->tab, buf, len);
    if (r.rc == 0 && r.def->kind == OPS_WRITE) {
        assert_int_equal(ops_route(&f->tab, buf, len), OPS_WRITE);
        if (f->ahead) {
            const struct ops_ctx c = {.st = f->st, .info = &f->info};

            assert_int_equal(ops_request_prepare(&r, &c), 0);
            if (r.ahead)
                store_prepare(f->st, r.ahead->ok, r.ahead->n_ok);
        }
        assert_int_equal(store_write(f->st, run_write, &x), 0);
        store_prepare_end(f->st);
    } else {
        struct store_txn t;
        struct ops_ctx c = {.st = f->st, .txn = &t, .info = &f->info, .now_ms = 1};

        assert_int_equal(ops_route(&f->tab, buf, len), OPS_READ);
        store_read_init(f->st, &t);
        assert_int_equal(store_read_begin(&t), 0);
        x.rc = ops_execute(&r, &c, &f->out);
        store_read_release(&t);
    }
    ops_request_release(&r);
    assert_int_equal(msgpack_unpack_next(&f->reply, f->out.data, f->out.size, &off),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(proto_parse_reply(&f->reply.data, &f->rep), 0);
    return x.rc;
}

static int call(struct fx *f, const char *json)
{
    msgpack_sbuffer sb;
    int rc;

    msgpack_sbuffer_init(&sb);
    tu_pack_json(&sb, json);
    rc = call_raw(f, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* A request {"id": id, "op": op, "body": body_json}. */
static int callf(struct fx *f, uint64_t id, const char *op, const char *body_json)
{
    size_t n = strlen(body_json) + 128;
    char *json = malloc(n);
    int rc;

    snprintf(json, n, "{\"id\": %" PRIu64 ", \"op\": \"%s\", \"body\": %s}", id, op, body_json);
    rc = call(f, json);
    free(json);
    return rc;
}

static const msgpack_object *body(struct fx *f, const char *key)
{
    return proto_map_get(f->rep.body, key);
}

static void create(struct fx *f, const char *id)
{
    char *p = tu_profile_json(id, NULL);
    assert_int_equal(callf(f, 1, "profile.create", p), 0);
    free(p);
}

static void test_unknown_op_replies_unknown_op_with_the_request_id(void **state)
{
    struct fx *f = *state;

    assert_int_equal(call(f, "{\"id\": 77, \"op\": \"profile.frobnicate\"}"), SM_EUNKNOWNOP);
    assert_false(f->rep.ok);
    assert_int_equal(f->rep.id, 77);
    assert_int_equal(f->rep.err.code, SM_EUNKNOWNOP);
    assert_string_equal(f->rep.err.field, "op");
}

static void test_malformed_payloads_reply_invalid_request(void **state)
{
    struct fx *f = *state;
    static const uint8_t hostile[] = {0xdd, 0x0f, 0xff, 0xff, 0xff}; /* array32 of 268M */

    assert_int_equal(call_raw(f, "\xc1", 1), SM_EBADREQ);
    assert_int_equal(f->rep.id, 0);
    assert_int_equal(f->rep.err.code, SM_EBADREQ);
    assert_int_equal(call_raw(f, hostile, sizeof(hostile)), SM_EBADREQ);
    assert_int_equal(call(f, "[1, 2, 3]"), SM_EBADREQ);
    assert_int_equal(f->rep.id, 0);
    /* No op, but a usable id: echoed, so a pipelining client can match it. */
    assert_int_equal(call(f, "{\"id\": 5}"), SM_EBADREQ);
    assert_int_equal(f->rep.id, 5);
    assert_string_equal(f->rep.err.field, "op");
    assert_int_equal(call(f, "{\"id\": -5, \"op\": \"ping\"}"), SM_EBADREQ);
    assert_string_equal(f->rep.err.field, "id");
}

static void test_create_then_get_hides_contact_unless_asked(void **state)
{
    struct fx *f = *state;

    create(f, "cn-1");
    assert_true(f->rep.ok);
    assert_non_null(body(f, "contact"));
    assert_int_equal(body(f, "created_ms")->via.u64, 1700000000000);
    assert_int_equal(callf(f, 2, "profile.get", "{\"id\": \"cn-1\"}"), 0);
    assert_true(f->rep.ok);
    assert_int_equal(f->rep.id, 2);
    assert_true(proto_str_eq(body(f, "name"), "Ningbo Deli Stationery Co."));
    assert_null(body(f, "contact"));
    assert_non_null(body(f, "updated_ms"));
    assert_int_equal(callf(f, 3, "profile.get", "{\"id\": \"cn-1\", \"contact\": true}"), 0);
    assert_true(proto_str_eq(proto_map_get(body(f, "contact"), "person"), "Li Wei"));
    assert_int_equal(callf(f, 4, "profile.get", "{\"id\": \"cn-1\", \"contact\": 1}"), SM_EINVAL);
    assert_string_equal(f->rep.err.field, "contact");
    assert_int_equal(callf(f, 5, "profile.get", "{\"id\": \"nobody\"}"), SM_ENOTFOUND);
    assert_int_equal(f->rep.err.code, SM_ENOTFOUND);
    assert_int_equal(callf(f, 6, "profile.get", "{\"id\": \"bad id\"}"), SM_EINVAL);
    assert_int_equal(callf(f, 7, "profile.get", "null"), SM_EBADREQ);
}

static void test_create_twice_conflicts_on_id(void **state)
{
    struct fx *f = *state;
    char *p = tu_profile_json("dup", NULL);

    assert_int_equal(callf(f, 1, "profile.create", p), 0);
    assert_int_equal(callf(f, 2, "profile.create", p), SM_ECONFLICT);
    assert_int_equal(f->rep.err.code, SM_ECONFLICT);
    assert_string_equal(f->rep.err.field, "id");
    assert_int_equal(f->ev.n, 0); /* a failed op publishes nothing */
    free(p);
}

static void test_invalid_profile_names_the_field(void **state)
{
    struct fx *f = *state;
    char *p = tu_profile_json("x", "{\"offers\": [{\"type\": \"barter\"}]}");

    assert_int_equal(callf(f, 9, "profile.create", p), SM_EINVAL);
    assert_int_equal(f->rep.id, 9);
    assert_string_equal(f->rep.err.field, "offers[0].type");
    free(p);
}

static void test_put_reports_created_then_updated_and_checks_the_id(void **state)
{
    struct fx *f = *state;
    char *p = tu_profile_json(NULL, "{\"id\": \"!delete!\"}");
    char *other = tu_profile_json("other", NULL);
    size_t n = strlen(p) + 64;
    char *b = malloc(n + strlen(other));

    snprintf(b, n, "{\"id\": \"p1\", \"profile\": %s}", p);
    assert_int_equal(callf(f, 1, "profile.put", b), 0);
    assert_true(body(f, "created")->via.boolean);
    assert_true(proto_str_eq(proto_map_get(body(f, "profile"), "id"), "p1"));
    assert_int_equal(f->ev.n, 1);
    assert_int_equal(callf(f, 2, "profile.put", b), 0);
    assert_false(body(f, "created")->via.boolean);
    snprintf(b, n + strlen(other), "{\"id\": \"p1\", \"profile\": %s}", other);
    assert_int_equal(callf(f, 3, "profile.put", b), SM_EINVAL);
    assert_string_equal(f->rep.err.field, "id");
    assert_int_equal(callf(f, 4, "profile.put", "{\"id\": \"p1\"}"), SM_EINVAL);
    assert_string_equal(f->rep.err.field, "profile");
    free(p);
    free(other);
    free(b);
}

static void test_delete_then_get_is_not_found(void **state)
{
    struct fx *f = *state;
    const struct ops_event *e;

    create(f, "gone");
    assert_int_equal(callf(f, 2, "profile.delete", "{\"id\": \"gone\"}"), 0);
    assert_true(proto_str_eq(body(f, "id"), "gone"));
    assert_true(body(f, "deleted")->via.boolean);
    assert_int_equal(f->ev.n, 1);
    e = &f->ev.v[0];
    assert_memory_equal(f->ev.buf.data + e->topic_off, "profile", 7);
    assert_int_equal(callf(f, 3, "profile.get", "{\"id\": \"gone\"}"), SM_ENOTFOUND);
    assert_int_equal(callf(f, 4, "profile.delete", "{\"id\": \"gone\"}"), SM_ENOTFOUND);
}

static void import_keeps_good_lines_after_bad_one(struct fx *f)
{
    char *a = tu_profile_json("imp-a", NULL), *c = tu_profile_json("imp-c", NULL);
    char *bad = tu_profile_json("imp-b", "{\"country\": \"XX\"}");
    size_t n = strlen(a) * 4 + 128;
    char *b = malloc(n);
    const msgpack_object *res;

    snprintf(b, n, "{\"profiles\": [%s, %s, 17, %s]}", a, bad, c);
    assert_int_equal(callf(f, 1, "profile.import", b), 0);
    assert_int_equal(body(f, "stored")->via.u64, 2);
    assert_int_equal(body(f, "failed")->via.u64, 2);
    res = body(f, "results");
    assert_int_equal(res->via.array.size, 4);
    assert_true(proto_map_get(&res->via.array.ptr[0], "ok")->via.boolean);
    assert_false(proto_map_get(&res->via.array.ptr[1], "ok")->via.boolean);
    assert_true(proto_str_eq(proto_map_get(&res->via.array.ptr[1], "id"), "imp-b"));
    assert_true(proto_str_eq(proto_map_get(proto_map_get(&res->via.array.ptr[1], "error"), "field"),
                             "country"));
    assert_true(proto_str_eq(proto_map_get(proto_map_get(&res->via.array.ptr[2], "error"), "code"),
                             "invalid_request"));
    assert_true(proto_map_get(&res->via.array.ptr[3], "ok")->via.boolean);
    assert_int_equal(f->ev.n, 2);
    assert_int_equal(callf(f, 2, "profile.get", "{\"id\": \"imp-c\"}"), 0);
    assert_int_equal(callf(f, 3, "profile.get", "{\"id\": \"imp-b\"}"), SM_ENOTFOUND);
    free(a);
    free(c);
    free(bad);
    free(b);
}

static void test_import_keeps_good_lines_after_bad_one(void **state)
{
    import_keeps_good_lines_after_bad_one(*state);
}

/* The same import decoded ahead (the writer's next group): the same replies, events and data. */
static void test_import_decoded_ahead_replies_and_stores_the_same(void **state)
{
    struct fx *f = *state;

    f->ahead = true;
    import_keeps_good_lines_after_bad_one(f);
}

static void import_body_must_be_a_bounded_list(struct fx *f)
{
    size_t n = (OPS_IMPORT_MAX + 1) * 3 + 64, off = 0;
    char *b = malloc(n);

    assert_int_equal(callf(f, 1, "profile.import", "{\"profiles\": {}}"), SM_EBADREQ);
    assert_string_equal(f->rep.err.field, "profiles");
    assert_int_equal(callf(f, 2, "profile.import", "[]"), SM_EBADREQ);
    off += (size_t)snprintf(b + off, n - off, "{\"profiles\": [");
    for (int i = 0; i <= OPS_IMPORT_MAX; i++)
        off += (size_t)snprintf(b + off, n - off, "%s0", i ? "," : "");
    snprintf(b + off, n - off, "]}");
    assert_int_equal(callf(f, 3, "profile.import", b), SM_ETOOLARGE);
    assert_int_equal(f->rep.err.code, SM_ETOOLARGE);
    assert_int_equal(callf(f, 4, "profile.import", "{\"profiles\": []}"), 0);
    assert_int_equal(body(f, "stored")->via.u64, 0);
    free(b);
}

static void test_import_body_must_be_a_bounded_list(void **state)
{
    import_body_must_be_a_bounded_list(*state);
}

/* Decoding ahead leaves a bad body to the handler: the same errors, naming the same field. */
static void test_import_decoded_ahead_reports_a_bad_body_the_same(void **state)
{
    struct fx *f = *state;

    f->ahead = true;
    import_body_must_be_a_bounded_list(f);
}

static void test_ping_and_stats_report_counts(void **state)
{
    struct fx *f = *state;

    create(f, "s1");
    create(f, "s2");
    assert_int_equal(call(f, "{\"id\": 1, \"op\": \"ping\"}"), 0);
    assert_true(proto_str_eq(body(f, "version"), "test"));
    assert_int_equal(body(f, "profiles")->via.u64, 2);
    assert_int_equal(call(f, "{\"id\": 2, \"op\": \"stats\", \"body\": null}"), 0);
    assert_int_equal(body(f, "profiles")->via.u64, 2);
    assert_int_equal(body(f, "readers")->via.u64, 3);
    assert_true(body(f, "map_size")->via.u64 >= body(f, "data_bytes")->via.u64);
    assert_int_equal(body(f, "profile_writes")->via.u64, 2);
}

static void test_peek_finds_the_op_without_unpacking(void **state)
{
    msgpack_sbuffer sb;
    const char *op;
    size_t n;
    static const uint8_t lies[] = {0x81, 0xa2, 'o', 'p', 0xdb, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t deep_key[] = {0x82, 0x91, 0x91, 0x91, 0x01, 0x00, 0xa2,
                                       'o',  'p',  0xa4, 'p',  'i',  'n',  'g'};

    (void)state;
    msgpack_sbuffer_init(&sb);
    tu_pack_json(&sb, "{\"body\": {\"profiles\": [1, [2, {\"op\": \"x\"}]]}, \"id\": 3,"
                      " \"op\": \"profile.import\"}");
    assert_true(ops_peek_op(sb.data, sb.size, &op, &n));
    assert_int_equal(n, 14);
    assert_memory_equal(op, "profile.import", 14);
    /* Hostile or truncated bytes never read out of bounds: every prefix is tried. */
    for (size_t cut = 0; cut < sb.size; cut++)
        assert_false(ops_peek_op(sb.data, cut, &op, &n));
    assert_false(ops_peek_op(lies, sizeof(lies), &op, &n));
    assert_true(ops_peek_op(deep_key, sizeof(deep_key), &op, &n));
    assert_false(ops_peek_op("\x91\xa2op", 4, &op, &n));
    assert_false(ops_peek_op("\x81\xa2op\x05", 5, &op, &n)); /* op not a string */
    msgpack_sbuffer_destroy(&sb);
}

static const struct ops_def extra_defs[] = {{"ping", OPS_READ, NULL, NULL}};

static void test_table_refuses_a_name_twice(void **state)
{
    struct ops_table t;

    (void)state;
    assert_int_equal(ops_table_default(&t), 0);
    assert_int_equal(ops_table_add(&t, extra_defs, 1), -EEXIST);
    assert_non_null(ops_table_find(&t, "profile.get", 11));
    assert_null(ops_table_find(&t, "profile.ge", 10));
    assert_int_equal(ops_table_find(&t, "profile.put", 11)->kind, OPS_WRITE);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_unknown_op_replies_unknown_op_with_the_request_id),
        T(test_malformed_payloads_reply_invalid_request),
        T(test_create_then_get_hides_contact_unless_asked),
        T(test_create_twice_conflicts_on_id),
        T(test_invalid_profile_names_the_field),
        T(test_put_reports_created_then_updated_and_checks_the_id),
        T(test_delete_then_get_is_not_found),
        T(test_import_keeps_good_lines_after_bad_one),
        T(test_import_body_must_be_a_bounded_list),
        T(test_import_decoded_ahead_replies_and_stores_the_same),
        T(test_import_decoded_ahead_reports_a_bad_body_the_same),
        T(test_ping_and_stats_report_counts),
        cmocka_unit_test(test_peek_finds_the_op_without_unpacking),
        cmocka_unit_test(test_table_refuses_a_name_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
