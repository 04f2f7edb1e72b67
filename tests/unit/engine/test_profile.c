/* test_profile.c - profile decoding, validation (every field, with its exact path) and encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "profile.h"
#include "proto.h"
#include "testutil.h"

#include <time.h>

/* Decode the base profile with extra members merged in; returns the result code, e filled. */
static int decode_with(const char *extra, bool stamps, const struct profile_limits *lim,
                       struct profile *p, struct sm_error *e)
{
    msgpack_unpacked u;
    char *json = tu_profile_json(NULL, extra);
    int rc;

    rc = profile_decode(tu_obj(&u, json), lim, stamps, p, e);
    msgpack_unpacked_destroy(&u);
    free(json);
    return rc;
}

/* The base profile with extra must be refused, naming field. */
static void assert_bad(const char *extra, const char *field)
{
    struct profile p;
    struct sm_error e;
    int rc = decode_with(extra, false, NULL, &p, &e);

    if (rc != SM_EINVAL || strcmp(e.field, field) != 0)
        fail_msg("%s: expected invalid_field \"%s\", got %d field \"%s\" (%s)", extra, field, rc,
                 rc ? e.field : "", rc ? e.message : "");
    assert_non_null(e.message[0] ? e.message : NULL);
    /* Messages are short and start lowercase (codes such as "CN" inside are fine). */
    if (e.message[0] >= 'A' && e.message[0] <= 'Z')
        fail_msg("message not lowercase: %s", e.message);
    assert_true(strlen(e.message) < 160);
    assert_null(p.arena); /* released on failure */
}

static void assert_good(const char *extra)
{
    struct profile p;
    struct sm_error e;
    int rc = decode_with(extra, false, NULL, &p, &e);

    if (rc)
        fail_msg("%s: expected valid, got %d field \"%s\": %s", extra, rc, e.field, e.message);
    profile_release(&p);
}

static void test_example_profile_of_the_spec_is_valid(void **state)
{
    struct profile p;
    struct sm_error e;

    (void)state;
    assert_int_equal(decode_with(NULL, false, NULL, &p, &e), 0);
    assert_string_equal(p.id, "cn-ningbo-0042");
    assert_int_equal(p.kind, KIND_SME);
    assert_string_equal(p.country, "CN");
    assert_int_equal(p.languages.n, 2);
    assert_int_equal(p.employees, 120);
    assert_int_equal(p.founded, 2004);
    assert_int_equal(p.n_offers, 1);
    assert_int_equal(p.offers[0].type, COOP_OUTSOURCING);
    assert_int_equal(p.offers[0].countries.n, 2);
    assert_int_equal(p.n_needs, 1);
    assert_string_equal(p.needs[0].sectors.v[0], "G4649");
    assert_string_equal(p.contact.email, "li.wei@example.cn");
    assert_null(p.contact.phone);
    assert_int_equal(p.created_ms, 0);
    profile_release(&p);
    assert_null(p.id);
    profile_release(&p); /* twice is safe */
}

static void test_non_map_is_a_bad_request(void **state)
{
    msgpack_unpacked u;
    struct profile p;
    struct sm_error e;

    (void)state;
    assert_int_equal(profile_decode(tu_obj(&u, "[1,2]"), NULL, false, &p, &e), SM_EBADREQ);
    msgpack_unpacked_destroy(&u);
}

static void test_unknown_and_duplicate_fields_are_named(void **state)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked u;
    struct profile p;
    struct sm_error e;
    size_t off = 0;

    (void)state;
    assert_bad("{\"website\": \"x\"}", "website");
    assert_bad("{\"offers\": [{\"type\": \"rnd\", \"budget\": 5}]}", "offers[0].budget");
    assert_bad("{\"contact\": {\"fax\": \"123\"}}", "contact.fax");
    /* created_ms and updated_ms are the store's, not the client's. */
    assert_bad("{\"created_ms\": 5}", "created_ms");
    assert_bad("{\"updated_ms\": 5}", "updated_ms");
    /* A repeated key (JSON cannot say it, msgpack can). */
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    proto_pack_cstr(&pk, "id"), proto_pack_cstr(&pk, "a");
    proto_pack_cstr(&pk, "kind"), proto_pack_cstr(&pk, "sme");
    proto_pack_cstr(&pk, "name"), proto_pack_cstr(&pk, "A");
    proto_pack_cstr(&pk, "country"), proto_pack_cstr(&pk, "DE");
    proto_pack_cstr(&pk, "name"), proto_pack_cstr(&pk, "B");
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(profile_decode(&u.data, NULL, false, &p, &e), SM_EINVAL);
    assert_string_equal(e.field, "name");
    assert_string_equal(e.message, "duplicate field");
    /* A key that is not a string. */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_int(&pk, 7);
    msgpack_pack_int(&pk, 7);
    off = 0;
    assert_int_equal(msgpack_unpack_next(&u, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(profile_decode(&u.data, NULL, false, &p, &e), SM_EINVAL);
    assert_string_equal(e.field, "");
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static void test_required_fields_are_named_when_missing_or_nil(void **state)
{
    (void)state;
    assert_bad("{\"id\": \"!delete!\"}", "id");
    assert_bad("{\"kind\": \"!delete!\"}", "kind");
    assert_bad("{\"name\": \"!delete!\"}", "name");
    assert_bad("{\"country\": \"!delete!\"}", "country");
    assert_bad("{\"name\": null}", "name");
    assert_bad("{\"kind\": null}", "kind");
}

static void test_optional_fields_may_be_absent_or_nil(void **state)
{
    struct profile p;
    struct sm_error e;

    (void)state;
    assert_int_equal(decode_with("{\"region\": null, \"zone\": \"!delete!\", \"languages\": null,"
                                 " \"employees\": null, \"founded\": \"!delete!\","
                                 " \"sectors\": [], \"description\": \"\", \"offers\": null,"
                                 " \"needs\": [], \"contact\": null}",
                                 false, NULL, &p, &e),
                     0);
    assert_null(p.region);
    assert_null(p.zone);
    assert_null(p.description); /* empty means absent */
    assert_int_equal(p.employees, -1);
    assert_int_equal(p.founded, -1);
    assert_int_equal(p.n_offers, 0);
    assert_null(p.contact.person);
    profile_release(&p);
}

static void test_id_must_be_short_and_of_the_allowed_charset(void **state)
{
    char *long_id = tu_repeat('a', PROFILE_ID_MAX + 1), extra[512];

    (void)state;
    assert_bad("{\"id\": 42}", "id");
    assert_bad("{\"id\": \"\"}", "id");
    assert_bad("{\"id\": \"has space\"}", "id");
    assert_bad("{\"id\": \"slash/no\"}", "id");
    assert_bad("{\"id\": \"caf\\u00e9\"}", "id");
    snprintf(extra, sizeof(extra), "{\"id\": \"%s\"}", long_id);
    assert_bad(extra, "id");
    long_id[PROFILE_ID_MAX] = '\0';
    snprintf(extra, sizeof(extra), "{\"id\": \"%s\"}", long_id);
    assert_good(extra);
    assert_good("{\"id\": \"A-z_0.9:x\"}");
    assert_true(profile_id_valid("cn-1", 4));
    assert_false(profile_id_valid("cn 1", 4));
    free(long_id);
}

static void test_kind_must_be_one_of_the_four(void **state)
{
    (void)state;
    assert_bad("{\"kind\": \"giant\"}", "kind");
    assert_bad("{\"kind\": 1}", "kind");
    assert_bad("{\"kind\": \"SME\"}", "kind");
    assert_good("{\"kind\": \"large\"}");
    assert_good("{\"kind\": \"foreign\"}");
    assert_good("{\"kind\": \"service\"}");
}

static void test_name_must_be_non_empty_bounded_printable_utf8(void **state)
{
    char *big = tu_repeat('n', PROFILE_NAME_MAX + 1), extra[1024];

    (void)state;
    assert_bad("{\"name\": \"\"}", "name");
    assert_bad("{\"name\": 5}", "name");
    assert_bad("{\"name\": [\"a\"]}", "name");
    assert_bad("{\"name\": \"line\\nbreak\"}", "name");
    assert_bad("{\"name\": \"!bad-utf8!\"}", "name");
    assert_bad("{\"name\": \"!overlong!\"}", "name");
    assert_bad("{\"name\": \"!surrogate!\"}", "name");
    assert_bad("{\"name\": \"!nul!\"}", "name");
    snprintf(extra, sizeof(extra), "{\"name\": \"%s\"}", big);
    assert_bad(extra, "name");
    assert_good("{\"name\": \"\\u5b81\\u6ce2\\u5f97\\u529b \\ud83d\\ude00\"}");
    free(big);
}

static void test_country_must_be_an_assigned_iso_3166_code(void **state)
{
    struct profile p;
    struct sm_error e;

    (void)state;
    assert_bad("{\"country\": \"XX\"}", "country");
    assert_bad("{\"country\": \"XK\"}", "country"); /* user-assigned, not ISO */
    assert_bad("{\"country\": \"CHN\"}", "country");
    assert_bad("{\"country\": \"C\"}", "country");
    assert_bad("{\"country\": 86}", "country");
    assert_int_equal(decode_with("{\"country\": \"de\"}", false, NULL, &p, &e), 0);
    assert_string_equal(p.country, "DE"); /* normalised */
    profile_release(&p);
}

static void test_region_and_zone_are_bounded_strings(void **state)
{
    (void)state;
    assert_bad("{\"region\": 5}", "region");
    assert_bad("{\"zone\": \"!bad-utf8!\"}", "zone");
    assert_bad("{\"zone\": {\"a\": 1}}", "zone");
}

static void test_languages_must_be_iso_639_1_codes(void **state)
{
    struct profile p;
    struct sm_error e;

    (void)state;
    assert_bad("{\"languages\": [\"zh\", \"xx\"]}", "languages[1]");
    assert_bad("{\"languages\": [\"zh\", \"eng\"]}", "languages[1]");
    assert_bad("{\"languages\": [7]}", "languages[0]");
    assert_bad("{\"languages\": \"zh\"}", "languages");
    assert_int_equal(decode_with("{\"languages\": [\"EN\", \"zh\", \"en\"]}", false, NULL, &p, &e),
                     0);
    assert_int_equal(p.languages.n, 2); /* lower-cased and de-duplicated */
    assert_string_equal(p.languages.v[0], "en");
    assert_string_equal(p.languages.v[1], "zh");
    profile_release(&p);
}

static void test_lists_over_the_limit_are_refused(void **state)
{
    char extra[8192];
    size_t n = 0;

    (void)state;
    n += (size_t)snprintf(extra + n, sizeof(extra) - n, "{\"offers\": [");
    for (int i = 0; i <= PROFILE_LIST_MAX; i++)
        n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%s{\"type\": \"rnd\"}", i ? "," : "");
    snprintf(extra + n, sizeof(extra) - n, "]}");
    assert_bad(extra, "offers");
    n = 0;
    n += (size_t)snprintf(extra + n, sizeof(extra) - n,
                          "{\"needs\": [{\"type\": \"rnd\", \"keywords\": [");
    for (int i = 0; i <= PROFILE_LIST_MAX; i++)
        n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%s\"k%d\"", i ? "," : "", i);
    snprintf(extra + n, sizeof(extra) - n, "]}]}");
    assert_bad(extra, "needs[0].keywords");
}

static void test_employees_and_founded_are_integers_in_range(void **state)
{
    char extra[128];
    struct profile p;
    struct sm_error e;
    time_t now = time(NULL);
    struct tm tm;

    (void)state;
    gmtime_r(&now, &tm);
    assert_bad("{\"employees\": -1}", "employees");
    assert_bad("{\"employees\": \"120\"}", "employees");
    assert_bad("{\"employees\": 1.5}", "employees");
    assert_bad("{\"employees\": 10000001}", "employees");
    assert_bad("{\"founded\": 1799}", "founded");
    assert_bad("{\"founded\": true}", "founded");
    snprintf(extra, sizeof(extra), "{\"founded\": %d}", tm.tm_year + 1900 + 2);
    assert_bad(extra, "founded");
    snprintf(extra, sizeof(extra), "{\"founded\": %d}", tm.tm_year + 1900);
    assert_good(extra);
    assert_good("{\"founded\": 1800, \"employees\": 0}");
    /* A JSON converter may send 120.0 for 120. */
    assert_int_equal(decode_with("{\"employees\": 120.0}", false, NULL, &p, &e), 0);
    assert_int_equal(p.employees, 120);
    profile_release(&p);
}

static void test_sectors_must_be_isic_codes_of_their_section(void **state)
{
    struct profile p;
    struct sm_error e;

    (void)state;
    assert_bad("{\"sectors\": [\"C3290\", \"Z99\"]}", "sectors[1]");
    assert_bad("{\"sectors\": [\"A10\"]}", "sectors[0]"); /* division 10 is in C */
    assert_bad("{\"sectors\": [\"C3\"]}", "sectors[0]");
    assert_bad("{\"sectors\": [\"C329012\"]}", "sectors[0]");
    assert_bad("{\"sectors\": [\"C32A\"]}", "sectors[0]");
    assert_bad("{\"sectors\": \"C\"}", "sectors");
    assert_int_equal(
        decode_with("{\"sectors\": [\"c3290\", \"C\", \"C3290\", \"U99\"]}", false, NULL, &p, &e),
        0);
    assert_int_equal(p.sectors.n, 3);
    assert_string_equal(p.sectors.v[0], "C3290");
    assert_string_equal(p.sectors.v[2], "U99");
    profile_release(&p);
}

static void test_texts_are_bounded_utf8_and_may_span_lines(void **state)
{
    char *text = tu_repeat('t', PROFILE_TEXT_MAX + 1);
    size_t n = strlen(text) + 64;
    char *extra = malloc(n);

    (void)state;
    snprintf(extra, n, "{\"description\": \"%s\"}", text);
    assert_bad(extra, "description");
    snprintf(extra, n, "{\"needs\": [{\"type\": \"rnd\", \"text\": \"%s\"}]}", text);
    assert_bad(extra, "needs[0].text");
    text[PROFILE_TEXT_MAX] = '\0';
    snprintf(extra, n, "{\"description\": \"%s\"}", text);
    assert_good(extra);
    assert_good("{\"description\": \"two\\nlines\\tand a tab\"}");
    assert_bad("{\"description\": \"bell\\u0007\"}", "description");
    assert_bad("{\"description\": \"!bad-utf8!\"}", "description");
    assert_bad("{\"offers\": [{\"type\": \"rnd\", \"text\": \"!overlong!\"}]}", "offers[0].text");
    assert_bad("{\"offers\": [{\"type\": \"rnd\", \"text\": 5}]}", "offers[0].text");
    free(text);
    free(extra);
}

static void test_offer_and_need_items_are_validated_with_paths(void **state)
{
    char many[1024];
    size_t n = 0;

    (void)state;
    /* Indexes of more than one digit (the paths are put together by hand, not by printf). */
    n += (size_t)snprintf(many + n, sizeof(many) - n, "{\"offers\": [");
    for (int i = 0; i < 11; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "{\"type\": \"rnd\"}, ");
    n += (size_t)snprintf(many + n, sizeof(many) - n,
                          "{\"type\": \"rnd\", \"keywords\": [\"a\", \"b\", \"c\", "
                          "\"d\", \"e\", \"f\", \"g\", \"h\", \"i\", \"j\", \"\"]}]}");
    assert_true(n < sizeof(many));
    assert_bad(many, "offers[11].keywords[10]");
    assert_bad("{\"offers\": \"rnd\"}", "offers");
    assert_bad("{\"offers\": [\"rnd\"]}", "offers[0]");
    assert_bad("{\"offers\": [{\"sectors\": [\"C\"]}]}", "offers[0].type");
    assert_bad("{\"offers\": [{\"type\": \"rnd\"}, {\"type\": \"barter\"}]}", "offers[1].type");
    assert_bad("{\"offers\": [{\"type\": 3}]}", "offers[0].type");
    assert_bad("{\"offers\": [{\"type\": \"rnd\", \"sectors\": [\"C\", \"Q99\"]}]}",
               "offers[0].sectors[1]");
    assert_bad("{\"offers\": [{\"type\": \"rnd\", \"keywords\": [\"\"]}]}",
               "offers[0].keywords[0]");
    assert_bad("{\"offers\": [{\"type\": \"rnd\", \"keywords\": [\"!bad-utf8!\"]}]}",
               "offers[0].keywords[0]");
    assert_bad("{\"needs\": [{\"type\": \"rnd\"}, {\"type\": \"franchise\", "
               "\"countries\": [\"DE\", \"FR\", \"ZZ\"]}]}",
               "needs[1].countries[2]");
    assert_bad("{\"needs\": [{\"type\": \"rnd\", \"countries\": \"DE\"}]}", "needs[0].countries");
    for (int t = 0; t < COOP__COUNT; t++) {
        char extra[128];
        snprintf(extra, sizeof(extra), "{\"needs\": [{\"type\": \"%s\"}]}", coop_type_name(t));
        assert_good(extra);
    }
}

static void test_contact_fields_are_checked(void **state)
{
    (void)state;
    assert_bad("{\"contact\": \"li@example.cn\"}", "contact");
    assert_bad("{\"contact\": {\"email\": \"no-at-sign\"}}", "contact.email");
    assert_bad("{\"contact\": {\"email\": \"a b@c.d\"}}", "contact.email");
    assert_bad("{\"contact\": {\"email\": \"@c.d\"}}", "contact.email");
    assert_bad("{\"contact\": {\"phone\": \"call me\"}}", "contact.phone");
    assert_bad("{\"contact\": {\"phone\": \"12\"}}", "contact.phone");
    assert_bad("{\"contact\": {\"person\": \"!bad-utf8!\"}}", "contact.person");
    assert_bad("{\"contact\": {\"person\": 5}}", "contact.person");
    assert_good("{\"contact\": {\"person\": \"Li\", \"email\": \"a@b.cn\","
                " \"phone\": \"+86 (574) 8888-1234\"}}");
    assert_good("{\"contact\": {}}");
}

static void pack_profile(const struct profile *p, bool contact, msgpack_sbuffer *sb)
{
    msgpack_packer pk;

    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    assert_int_equal(profile_encode(p, contact, &pk), 0);
}

static void test_encode_then_decode_gives_the_same_bytes(void **state)
{
    msgpack_sbuffer a, b;
    msgpack_unpacked u;
    struct profile p, q;
    struct sm_error e;
    size_t off = 0;

    (void)state;
    msgpack_sbuffer_init(&a);
    msgpack_sbuffer_init(&b);
    assert_int_equal(decode_with("{\"contact\": {\"phone\": \"+49 30 1234\", \"person\": \"X\"}}",
                                 false, NULL, &p, &e),
                     0);
    p.created_ms = 1700000000000;
    p.updated_ms = 1700000000001;
    pack_profile(&p, true, &a);
    msgpack_unpacked_init(&u);
    assert_int_equal(proto_unpack(a.data, a.size, NULL, &u), 0);
    assert_int_equal(profile_decode(&u.data, NULL, true, &q, &e), 0);
    pack_profile(&q, true, &b);
    assert_int_equal(a.size, b.size);
    assert_memory_equal(a.data, b.data, a.size);
    assert_int_equal(q.updated_ms, 1700000000001);
    /* Canonical order: id first, then kind, name, country; contact before the stamps. */
    assert_int_equal(u.data.type, MSGPACK_OBJECT_MAP);
    assert_true(proto_str_eq(&u.data.via.map.ptr[0].key, "id"));
    assert_true(proto_str_eq(&u.data.via.map.ptr[1].key, "kind"));
    assert_true(proto_str_eq(&u.data.via.map.ptr[3].key, "country"));
    assert_true(proto_str_eq(&u.data.via.map.ptr[u.data.via.map.size - 1].key, "updated_ms"));
    assert_true(proto_str_eq(&u.data.via.map.ptr[u.data.via.map.size - 3].key, "contact"));
    /* The public view has no contact. */
    pack_profile(&q, false, &b);
    off = 0;
    assert_int_equal(msgpack_unpack_next(&u, b.data, b.size, &off), MSGPACK_UNPACK_SUCCESS);
    assert_null(proto_map_get(&u.data, "contact"));
    assert_non_null(proto_map_get(&u.data, "needs"));
    (void)off;
    profile_release(&p);
    profile_release(&q);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&a);
    msgpack_sbuffer_destroy(&b);
}

static void test_decoded_strings_do_not_borrow_from_the_message(void **state)
{
    msgpack_unpacked u;
    struct profile p;
    struct sm_error e;
    char *json = tu_profile_json("keep-me", NULL);

    (void)state;
    assert_int_equal(profile_decode(tu_obj(&u, json), NULL, false, &p, &e), 0);
    msgpack_unpacked_destroy(&u);
    free(json);
    assert_string_equal(p.id, "keep-me");
    assert_string_equal(p.offers[0].keywords.v[1], "gel pens");
    profile_release(&p);
}

static void test_limits_can_be_lowered_per_engine(void **state)
{
    static const struct profile_limits lim = {.text_max = 8, .list_max = 1};
    struct profile p;
    struct sm_error e;

    (void)state;
    assert_int_equal(decode_with("{\"languages\": [\"en\"], \"description\": \"123456789\"}", false,
                                 &lim, &p, &e),
                     SM_EINVAL);
    assert_string_equal(e.field, "description");
    assert_int_equal(decode_with("{\"description\": \"12345678\", \"languages\": [\"en\", \"de\"]}",
                                 false, &lim, &p, &e),
                     SM_EINVAL);
    assert_string_equal(e.field, "languages");
}

static void test_decode_with_id_takes_or_checks_the_id(void **state)
{
    msgpack_unpacked u;
    struct profile p;
    struct sm_error e;
    char *json = tu_profile_json("other", NULL);
    char *noid = tu_profile_json(NULL, "{\"id\": \"!delete!\"}");

    (void)state;
    assert_int_equal(profile_decode_with_id(tu_obj(&u, json), NULL, "mine", 4, &p, &e), SM_EINVAL);
    assert_string_equal(e.field, "id");
    msgpack_unpacked_destroy(&u);
    assert_int_equal(profile_decode_with_id(tu_obj(&u, noid), NULL, "mine", 4, &p, &e), 0);
    assert_string_equal(p.id, "mine");
    profile_release(&p);
    assert_int_equal(profile_decode_with_id(&u.data, NULL, "bad id", 6, &p, &e), SM_EINVAL);
    assert_string_equal(e.field, "id");
    msgpack_unpacked_destroy(&u);
    free(json);
    free(noid);
}

static void test_enum_names_round_trip(void **state)
{
    (void)state;
    for (int t = 0; t < COOP__COUNT; t++) {
        const char *n = coop_type_name(t);
        assert_int_equal(coop_type_parse(n, strlen(n)), t);
    }
    for (int k = 0; k < KIND__COUNT; k++) {
        const char *n = profile_kind_name(k);
        assert_int_equal(profile_kind_parse(n, strlen(n)), k);
    }
    assert_null(coop_type_name(COOP__COUNT));
    assert_null(profile_kind_name(KIND__COUNT));
    assert_int_equal(coop_type_parse("rnd ", 4), -1);
    assert_true(coop_type_symmetric(COOP_JOINT_VENTURE));
    assert_true(coop_type_symmetric(COOP_RND));
    assert_false(coop_type_symmetric(COOP_DISTRIBUTION));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_profile_of_the_spec_is_valid),
        cmocka_unit_test(test_non_map_is_a_bad_request),
        cmocka_unit_test(test_unknown_and_duplicate_fields_are_named),
        cmocka_unit_test(test_required_fields_are_named_when_missing_or_nil),
        cmocka_unit_test(test_optional_fields_may_be_absent_or_nil),
        cmocka_unit_test(test_id_must_be_short_and_of_the_allowed_charset),
        cmocka_unit_test(test_kind_must_be_one_of_the_four),
        cmocka_unit_test(test_name_must_be_non_empty_bounded_printable_utf8),
        cmocka_unit_test(test_country_must_be_an_assigned_iso_3166_code),
        cmocka_unit_test(test_region_and_zone_are_bounded_strings),
        cmocka_unit_test(test_languages_must_be_iso_639_1_codes),
        cmocka_unit_test(test_lists_over_the_limit_are_refused),
        cmocka_unit_test(test_employees_and_founded_are_integers_in_range),
        cmocka_unit_test(test_sectors_must_be_isic_codes_of_their_section),
        cmocka_unit_test(test_texts_are_bounded_utf8_and_may_span_lines),
        cmocka_unit_test(test_offer_and_need_items_are_validated_with_paths),
        cmocka_unit_test(test_contact_fields_are_checked),
        cmocka_unit_test(test_encode_then_decode_gives_the_same_bytes),
        cmocka_unit_test(test_decoded_strings_do_not_borrow_from_the_message),
        cmocka_unit_test(test_limits_can_be_lowered_per_engine),
        cmocka_unit_test(test_decode_with_id_takes_or_checks_the_id),
        cmocka_unit_test(test_enum_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
