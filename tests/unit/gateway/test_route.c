/* test_route.c - the URL table: literal segments, {id}, 404, 405 + Allow, escapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sm.h"
#include "route.h"

static int match(const char *method, const char *path, struct route_match *m)
{
    struct sm_error e;
    return route_match(route_method_bit(method), path, strlen(path), m, &e);
}

static void test_route_matches_literal_paths(void **state)
{
    struct route_match m;

    (void)state;
    assert_int_equal(match("POST", "/v1/profiles", &m), 0);
    assert_int_equal(m.route, ROUTE_PROFILES);
    assert_int_equal(match("GET", "/healthz", &m), 0);
    assert_int_equal(m.route, ROUTE_HEALTHZ);
    assert_int_equal(match("GET", "/metrics", &m), 0);
    assert_int_equal(m.route, ROUTE_METRICS);
}

static void test_route_extracts_and_decodes_the_id(void **state)
{
    struct route_match m;

    (void)state;
    assert_int_equal(match("GET", "/v1/profiles/cn-ningbo-0042", &m), 0);
    assert_int_equal(m.route, ROUTE_PROFILE);
    assert_string_equal(m.params[0], "cn-ningbo-0042");
    assert_int_equal(match("DELETE", "/v1/profiles/a%3Ab%2f", &m), 0);
    assert_string_equal(m.params[0], "a:b/");
    assert_int_equal(match("GET", "/v1/profiles/bad%zz", &m), SM_EBADREQ);
    assert_int_equal(match("GET", "/v1/profiles/nul%00", &m), SM_EBADREQ);
    assert_int_equal(match("GET", "/v1/profiles/trunc%4", &m), SM_EBADREQ);
}

static void test_route_literal_segment_beats_the_parameter(void **state)
{
    struct route_match m;

    (void)state;
    assert_int_equal(match("POST", "/v1/profiles/import", &m), 0);
    assert_int_equal(m.route, ROUTE_PROFILES_IMPORT);
    assert_int_equal(match("GET", "/v1/profiles/import", &m), SM_EMETHOD);
    assert_int_equal(m.route, ROUTE_PROFILES_IMPORT);
    assert_int_equal(m.allowed, RM_POST);
}

static void test_route_sub_resource_of_a_parameter(void **state)
{
    struct route_match m;

    (void)state;
    assert_int_equal(match("GET", "/v1/profiles/cn%2D1/leads", &m), 0);
    assert_int_equal(m.route, ROUTE_PROFILE_LEADS);
    assert_int_equal(m.n_params, 1);
    assert_string_equal(m.params[0], "cn-1");
    assert_int_equal(match("POST", "/v1/profiles/cn-1/leads", &m), SM_EMETHOD);
    assert_int_equal(match("GET", "/v1/profiles//leads", &m), SM_ENOTFOUND);
}

static void test_route_unknown_paths_are_not_found(void **state)
{
    struct route_match m;

    (void)state;
    assert_int_equal(match("GET", "/", &m), SM_ENOTFOUND);
    assert_int_equal(match("GET", "/v1/profiles/", &m), SM_ENOTFOUND);
    assert_int_equal(match("GET", "/v1/profiles/a/b", &m), SM_ENOTFOUND);
    assert_int_equal(match("GET", "/v1/profile", &m), SM_ENOTFOUND);
    assert_int_equal(match("GET", "/healthzz", &m), SM_ENOTFOUND);
    assert_int_equal(match("GET", "/v1//profiles", &m), SM_ENOTFOUND);
}

static void test_route_wrong_method_lists_allowed_ones(void **state)
{
    struct route_match m;
    char allow[64];

    (void)state;
    assert_int_equal(match("POST", "/v1/profiles/x", &m), SM_EMETHOD);
    route_allow_header(m.allowed, allow, sizeof(allow));
    assert_string_equal(allow, "GET, PUT, DELETE");
    assert_int_equal(match("PATCH", "/healthz", &m), SM_EMETHOD);
    route_allow_header(m.allowed, allow, sizeof(allow));
    assert_string_equal(allow, "GET");
    assert_string_equal(route_name(ROUTE_PROFILE), "/v1/profiles/{id}");
    assert_string_equal(route_name(ROUTE_NONE), "other");
}

static void test_route_id_too_long_is_bad_request(void **state)
{
    char path[600];
    struct route_match m;

    (void)state;
    memcpy(path, "/v1/profiles/", 13);
    memset(path + 13, 'a', 400);
    path[413] = '\0';
    assert_int_equal(match("GET", path, &m), SM_EBADREQ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_matches_literal_paths),
        cmocka_unit_test(test_route_extracts_and_decodes_the_id),
        cmocka_unit_test(test_route_literal_segment_beats_the_parameter),
        cmocka_unit_test(test_route_sub_resource_of_a_parameter),
        cmocka_unit_test(test_route_unknown_paths_are_not_found),
        cmocka_unit_test(test_route_wrong_method_lists_allowed_ones),
        cmocka_unit_test(test_route_id_too_long_is_bad_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
