/*
 * bench_http.h - HTTP/1.1 clients for the benchmarks: a closed-loop load generator (N keep-alive
 * connections on one epoll thread, one request in flight per connection, as wrk does) and a
 * blocking one-request helper for the import.
 */
#ifndef BENCH_HTTP_H
#define BENCH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "bench_fts.h"
#include "bench_util.h"

/* Write request number seq (the whole request: line, headers, body) into buf; return its
 * length (< cap), or 0 to stop. */
typedef size_t (*bench_http_req_fn)(void *ctx, uint64_t seq, char *buf, size_t cap);

struct bench_http_result {
    uint64_t done;       /* responses received */
    uint64_t by_class[6]; /* by status / 100 (0: unparsable) */
    uint64_t conn_errors;
    double secs;
    struct bench_lat lat; /* caller inits and releases */
};

/*
 * Keep conns connections busy until total requests are answered or max_secs have passed.
 * Returns 0 or a negative error (nothing could connect).
 */
int bench_http_load(int port, unsigned conns, uint64_t total, double max_secs,
                    bench_http_req_fn make, void *ctx, struct bench_http_result *r);

/* Connect to 127.0.0.1:port (blocking); fd or a negative error. */
int bench_http_connect(int port);
/*
 * Send head (request line and headers, ending with the blank line) and body on fd and read
 * the response: *status, body appended to resp. 0 or a negative error.
 */
int bench_http_exchange(int fd, const char *head, size_t head_len, const char *body,
                        size_t body_len, int *status, struct bench_buf *resp);

#endif
