/* test_metrics.c - counters and histograms rendered in the Prometheus text format 0.0.4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sm.h"
#include "metrics.h"

static struct metrics m; /* large: not on the stack */

static void test_metrics_http_counters_by_method_route_status(void **state)
{
    struct buf out = BUF_INIT;

    (void)state;
    metrics_init(&m);
    metrics_http(&m, "GET", "/healthz", 200, 0.0002);
    metrics_http(&m, "GET", "/healthz", 200, 0.0003);
    metrics_http(&m, "POST", "/v1/profiles", 400, 0.002);
    assert_int_equal(metrics_render(&m, &out), 0);
    assert_non_null(strstr(out.data, "# TYPE smematch_http_requests_total counter\n"));
    assert_non_null(strstr(out.data, "smematch_http_requests_total{method=\"GET\","
                                     "route=\"/healthz\",status=\"200\"} 2\n"));
    assert_non_null(strstr(out.data, "smematch_http_requests_total{method=\"POST\","
                                     "route=\"/v1/profiles\",status=\"400\"} 1\n"));
    buf_release(&out);
}

static void test_metrics_histogram_buckets_are_cumulative(void **state)
{
    struct buf out = BUF_INIT;

    (void)state;
    metrics_init(&m);
    metrics_http(&m, "GET", "/healthz", 200, 0.0002); /* <= 0.00025 */
    metrics_http(&m, "GET", "/healthz", 200, 0.003);  /* <= 0.005 */
    metrics_http(&m, "GET", "/healthz", 200, 99.0);   /* +Inf only */
    assert_int_equal(metrics_render(&m, &out), 0);
    assert_non_null(strstr(out.data, "# TYPE smematch_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(out.data, "smematch_http_request_duration_seconds_bucket{route="
                                     "\"/healthz\",le=\"0.0001\"} 0\n"));
    assert_non_null(strstr(out.data, "smematch_http_request_duration_seconds_bucket{route="
                                     "\"/healthz\",le=\"0.00025\"} 1\n"));
    assert_non_null(strstr(out.data, "smematch_http_request_duration_seconds_bucket{route="
                                     "\"/healthz\",le=\"0.005\"} 2\n"));
    assert_non_null(strstr(out.data, "smematch_http_request_duration_seconds_bucket{route="
                                     "\"/healthz\",le=\"5\"} 2\n"));
    assert_non_null(strstr(out.data, "smematch_http_request_duration_seconds_bucket{route="
                                     "\"/healthz\",le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(out.data, "smematch_http_request_duration_seconds_count{route="
                                     "\"/healthz\"} 3\n"));
    assert_non_null(strstr(out.data, "smematch_http_request_duration_seconds_sum{route="
                                     "\"/healthz\"} 99.0032"));
    buf_release(&out);
}

static void test_metrics_engine_ops_outcomes_and_gauges(void **state)
{
    struct buf out = BUF_INIT;

    (void)state;
    metrics_init(&m);
    metrics_engine(&m, "profile.get", "ok", 0.0004);
    metrics_engine(&m, "profile.get", "timeout", 10);
    metrics_engine(&m, "profile.get", "ok", 0.0004);
    m.engine_up = 1;
    m.conns_open = 3;
    assert_int_equal(metrics_render(&m, &out), 0);
    assert_non_null(strstr(out.data, "smematch_engine_requests_total{op=\"profile.get\","
                                     "outcome=\"ok\"} 2\n"));
    assert_non_null(strstr(out.data, "smematch_engine_requests_total{op=\"profile.get\","
                                     "outcome=\"timeout\"} 1\n"));
    /* Only answered requests are round trips. */
    assert_non_null(strstr(out.data, "smematch_engine_roundtrip_seconds_count{op="
                                     "\"profile.get\"} 2\n"));
    assert_non_null(strstr(out.data, "# TYPE smematch_engine_up gauge\nsmematch_engine_up 1\n"));
    assert_non_null(strstr(out.data, "smematch_http_connections_open 3\n"));
    buf_release(&out);
}

static void test_metrics_label_values_are_escaped(void **state)
{
    struct buf out = BUF_INIT;

    (void)state;
    metrics_init(&m);
    metrics_engine(&m, "we\"ird\\op\n", "ok", 0.001);
    assert_int_equal(metrics_render(&m, &out), 0);
    assert_non_null(strstr(out.data, "op=\"we\\\"ird\\\\op\\n\""));
    buf_release(&out);
}

static void test_metrics_every_sample_line_is_well_formed(void **state)
{
    struct buf out = BUF_INIT;
    const char *line, *end;

    (void)state;
    metrics_init(&m);
    metrics_http(&m, "GET", "/healthz", 200, 0.001);
    metrics_engine(&m, "ping", "ok", 0.001);
    assert_int_equal(metrics_render(&m, &out), 0);
    assert_int_equal(out.data[out.len - 1], '\n');
    /* Each line is a comment or "name{labels} value" / "name value" ending in a number. */
    for (line = out.data; line < out.data + out.len; line = end + 1) {
        const char *sp;

        end = strchr(line, '\n');
        assert_non_null(end);
        if (line[0] == '#')
            continue;
        sp = end;
        while (sp > line && sp[-1] != ' ')
            sp--;
        assert_true(sp > line);
        assert_true(strncmp(line, "smematch_", 9) == 0);
        assert_true((sp[0] >= '0' && sp[0] <= '9') || sp[0] == '-');
    }
    buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_http_counters_by_method_route_status),
        cmocka_unit_test(test_metrics_histogram_buckets_are_cumulative),
        cmocka_unit_test(test_metrics_engine_ops_outcomes_and_gauges),
        cmocka_unit_test(test_metrics_label_values_are_escaped),
        cmocka_unit_test(test_metrics_every_sample_line_is_well_formed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
