/*
 * bench_engine.h - a benchmark's ZeroMQ client of the engine (docs/protocol.md): one DEALER,
 * requests matched to replies by id, any number in flight.
 *
 * bench_engine_run() drives n requests with a window of w in flight and measures the latency
 * of each (send to reply); w = 1 is one-at-a-time RPC.
 */
#ifndef BENCH_ENGINE_H
#define BENCH_ENGINE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_util.h"
#include "proto.h"

struct bench_engine {
    void *ctx;
    void *sock;
};

int bench_engine_connect(struct bench_engine *e, const char *endpoint);
void bench_engine_close(struct bench_engine *e);

/* Ping until the engine answers or timeout_ms passes. 0 or SM_ETIMEOUT. */
int bench_engine_wait_ready(struct bench_engine *e, int timeout_ms);

/*
 * Pack the body of request i into pk (exactly one object). Return 0, or 1 to skip request i.
 */
typedef int (*bench_make_fn)(void *ctx, size_t i, msgpack_packer *pk);
/* Reply to request i (rep->ok false on an error reply). Borrowed until the callback returns. */
typedef void (*bench_reply_fn)(void *ctx, size_t i, const struct proto_reply *rep);

/*
 * Send requests 0..n-1 of op, at most window in flight, calling make for each body and
 * on_reply (may be NULL) for each reply; latencies go to lat (may be NULL). Progress on stderr
 * every progress_every replies (0: none) labelled label.
 * Returns the number of error replies (>= 0), or a negative error (SM_ETIMEOUT when no reply
 * came for timeout_ms).
 */
long bench_engine_run(struct bench_engine *e, const char *op, size_t n, unsigned window,
                      bench_make_fn make, bench_reply_fn on_reply, void *ctx,
                      struct bench_lat *lat, int timeout_ms, size_t progress_every,
                      const char *label);

/*
 * One request, one reply: body already packed as msgpack bytes (NULL: nil). On success *u holds
 * the reply (caller destroys it with msgpack_unpacked_destroy) and rep points into it.
 */
int bench_engine_call(struct bench_engine *e, const char *op, const void *body, size_t len,
                      msgpack_unpacked *u, struct proto_reply *rep, int timeout_ms);

#endif
