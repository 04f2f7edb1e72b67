/* metrics.c - see metrics.h. */
#include "sm.h"
#include "metrics.h"

const double metrics_bucket_bounds[METRICS_NBUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
};

void metrics_init(struct metrics *m)
{
    memset(m, 0, sizeof(*m));
}

void metrics_hist_observe(struct metrics_hist *h, double seconds)
{
    for (unsigned i = 0; i < METRICS_NBUCKETS; i++) {
        if (seconds <= metrics_bucket_bounds[i]) {
            h->buckets[i]++;
            break;
        }
    }
    h->count++;
    h->sum += seconds;
}

static struct metrics_hist *named_hist(struct metrics_named_hist *t, unsigned *n, unsigned cap,
                                       const char *label)
{
    for (unsigned i = 0; i < *n; i++)
        if (strcmp(t[i].label, label) == 0)
            return &t[i].h;
    if (*n == cap)
        return NULL;
    t[*n].label = label;
    return &t[(*n)++].h;
}

void metrics_http(struct metrics *m, const char *method, const char *route, int status,
                  double seconds)
{
    struct metrics_hist *h;
    unsigned i;

    for (i = 0; i < m->n_http; i++) {
        struct metrics_http_series *s = &m->http[i];
        if (s->status == status && strcmp(s->route, route) == 0 && strcmp(s->method, method) == 0)
            break;
    }
    if (i == m->n_http && m->n_http < METRICS_MAX_SERIES) {
        m->http[i].method = method;
        m->http[i].route = route;
        m->http[i].status = status;
        m->n_http++;
    }
    if (i < m->n_http)
        m->http[i].count++;
    h = named_hist(m->http_dur, &m->n_http_dur, SM_ARRAY_SIZE(m->http_dur), route);
    if (h)
        metrics_hist_observe(h, seconds);
}

void metrics_engine(struct metrics *m, const char *op, const char *outcome, double seconds)
{
    struct metrics_hist *h;
    unsigned i;

    for (i = 0; i < m->n_engine; i++)
        if (strcmp(m->engine[i].op, op) == 0 && strcmp(m->engine[i].outcome, outcome) == 0)
            break;
    if (i == m->n_engine && m->n_engine < METRICS_MAX_SERIES) {
        m->engine[i].op = op;
        m->engine[i].outcome = outcome;
        m->n_engine++;
    }
    if (i < m->n_engine)
        m->engine[i].count++;
    /* A round trip is only measured when the engine answered. */
    if (strcmp(outcome, "ok") != 0 && strcmp(outcome, "error") != 0)
        return;
    h = named_hist(m->engine_rtt, &m->n_engine_rtt, SM_ARRAY_SIZE(m->engine_rtt), op);
    if (h)
        metrics_hist_observe(h, seconds);
}

/* Label values in the exposition format escape backslash, quote and newline. */
static void put_label(struct buf *b, const char *name, const char *value)
{
    buf_puts(b, name);
    buf_puts(b, "=\"");
    for (const char *p = value; *p; p++) {
        if (*p == '\\')
            buf_puts(b, "\\\\");
        else if (*p == '"')
            buf_puts(b, "\\\"");
        else if (*p == '\n')
            buf_puts(b, "\\n");
        else
            buf_putc(b, *p);
    }
    buf_putc(b, '"');
}

static void put_hist(struct buf *b, const char *name, const char *lname, const char *lvalue,
                     const struct metrics_hist *h)
{
    uint64_t cum = 0;

    for (unsigned i = 0; i <= METRICS_NBUCKETS; i++) {
        buf_printf(b, "%s_bucket{", name);
        put_label(b, lname, lvalue);
        if (i < METRICS_NBUCKETS) {
            cum += h->buckets[i];
            buf_printf(b, ",le=\"%g\"} %" PRIu64 "\n", metrics_bucket_bounds[i], cum);
        } else {
            buf_printf(b, ",le=\"+Inf\"} %" PRIu64 "\n", h->count);
        }
    }
    buf_printf(b, "%s_sum{", name);
    put_label(b, lname, lvalue);
    buf_printf(b, "} %.9g\n", h->sum);
    buf_printf(b, "%s_count{", name);
    put_label(b, lname, lvalue);
    buf_printf(b, "} %" PRIu64 "\n", h->count);
}

int metrics_render(const struct metrics *m, struct buf *b)
{
    buf_puts(b, "# HELP smematch_http_requests_total HTTP requests answered, by method, route "
                "template and status.\n"
                "# TYPE smematch_http_requests_total counter\n");
    for (unsigned i = 0; i < m->n_http; i++) {
        const struct metrics_http_series *s = &m->http[i];
        buf_puts(b, "smematch_http_requests_total{");
        put_label(b, "method", s->method);
        buf_putc(b, ',');
        put_label(b, "route", s->route);
        buf_printf(b, ",status=\"%d\"} %" PRIu64 "\n", s->status, s->count);
    }
    buf_puts(b, "# HELP smematch_http_request_duration_seconds Time from the end of the request "
                "headers to the response being queued, by route template.\n"
                "# TYPE smematch_http_request_duration_seconds histogram\n");
    for (unsigned i = 0; i < m->n_http_dur; i++)
        put_hist(b, "smematch_http_request_duration_seconds", "route", m->http_dur[i].label,
                 &m->http_dur[i].h);
    buf_puts(b, "# HELP smematch_engine_requests_total Requests to the engine, by operation and "
                "outcome (ok, error, timeout, unavailable).\n"
                "# TYPE smematch_engine_requests_total counter\n");
    for (unsigned i = 0; i < m->n_engine; i++) {
        buf_puts(b, "smematch_engine_requests_total{");
        put_label(b, "op", m->engine[i].op);
        buf_putc(b, ',');
        put_label(b, "outcome", m->engine[i].outcome);
        buf_printf(b, "} %" PRIu64 "\n", m->engine[i].count);
    }
    buf_puts(b, "# HELP smematch_engine_roundtrip_seconds Engine round trip of answered "
                "requests, by operation.\n"
                "# TYPE smematch_engine_roundtrip_seconds histogram\n");
    for (unsigned i = 0; i < m->n_engine_rtt; i++)
        put_hist(b, "smematch_engine_roundtrip_seconds", "op", m->engine_rtt[i].label,
                 &m->engine_rtt[i].h);
    buf_printf(b,
               "# HELP smematch_engine_up 1 when the engine answers pings, else 0.\n"
               "# TYPE smematch_engine_up gauge\n"
               "smematch_engine_up %d\n"
               "# HELP smematch_http_connections_open HTTP connections open now.\n"
               "# TYPE smematch_http_connections_open gauge\n"
               "smematch_http_connections_open %" PRId64 "\n"
               "# HELP smematch_http_connections_total HTTP connections accepted.\n"
               "# TYPE smematch_http_connections_total counter\n"
               "smematch_http_connections_total %" PRIu64 "\n"
               "# HELP smematch_http_connections_rejected_total Connections refused over "
               "--max-conns.\n"
               "# TYPE smematch_http_connections_rejected_total counter\n"
               "smematch_http_connections_rejected_total %" PRIu64 "\n"
               "# HELP smematch_import_profiles_total Profiles in imports, by result.\n"
               "# TYPE smematch_import_profiles_total counter\n"
               "smematch_import_profiles_total{result=\"stored\"} %" PRIu64 "\n"
               "smematch_import_profiles_total{result=\"failed\"} %" PRIu64 "\n",
               m->engine_up, m->conns_open, m->conns_total, m->conns_rejected, m->import_stored,
               m->import_failed);
    return buf_err(b);
}
