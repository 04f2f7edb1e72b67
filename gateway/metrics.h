/*
 * metrics.h - the gateway's counters, gauges and histograms, rendered in the Prometheus text
 * exposition format 0.0.4 for GET /metrics.
 *
 * Label values given to the observe functions must live as long as the metrics object
 * (string literals or route/op names from constant tables): they are stored, not copied. The
 * label sets are small and fixed by the gateway's code (methods outside GET/HEAD/POST/PUT/
 * DELETE are counted as "OTHER" by the caller), so a linear table is enough.
 *
 * Pure logic: no I/O, no globals. Not thread-safe: the gateway is one event loop.
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stdint.h>

#include "buf.h"

#define METRICS_NBUCKETS 14 /* plus +Inf */
#define METRICS_MAX_SERIES 256

struct metrics_hist {
    uint64_t buckets[METRICS_NBUCKETS]; /* non-cumulative; rendered cumulative */
    uint64_t count;
    double sum;
};

struct metrics_http_series {
    const char *method, *route;
    int status;
    uint64_t count;
};

struct metrics_engine_series {
    const char *op, *outcome;
    uint64_t count;
};

struct metrics_named_hist {
    const char *label;
    struct metrics_hist h;
};

struct metrics {
    struct metrics_http_series http[METRICS_MAX_SERIES];
    unsigned n_http;
    struct metrics_named_hist http_dur[32]; /* by route */
    unsigned n_http_dur;
    struct metrics_engine_series engine[METRICS_MAX_SERIES];
    unsigned n_engine;
    struct metrics_named_hist engine_rtt[32]; /* by op */
    unsigned n_engine_rtt;
    int engine_up;
    int64_t conns_open;
    uint64_t conns_total, conns_rejected;
    uint64_t import_stored, import_failed;
};

/* Bucket upper bounds in seconds (shared by every histogram). */
extern const double metrics_bucket_bounds[METRICS_NBUCKETS];

void metrics_init(struct metrics *m);
/* Count one HTTP response and its duration. Series beyond the table's size are dropped. */
void metrics_http(struct metrics *m, const char *method, const char *route, int status,
                  double seconds);
/* Count one engine request: outcome is "ok", "error", "timeout" or "unavailable". */
void metrics_engine(struct metrics *m, const char *op, const char *outcome, double seconds);
/* Add one observation to a histogram. */
void metrics_hist_observe(struct metrics_hist *h, double seconds);
/* Append the whole exposition text to out. 0 or -ENOMEM. */
int metrics_render(const struct metrics *m, struct buf *out);

#endif
