/*
 * ecli.h - the gateway's client of the engine: one ZeroMQ DEALER socket driven by libuv.
 *
 * Requests carry ids and many are in flight at once (PITFALLS.md: never one-at-a-time RPC);
 * replies are matched by id in a hash table, each request has a deadline (SM_ETIMEOUT).
 *
 * ZMQ_FD is edge-triggered: after every wake-up of its uv_poll and after every send, the
 * client loops on ZMQ_EVENTS and receives until ZMQ_POLLIN is clear (PITFALLS.md).
 *
 * Liveness: ZMQ_IMMEDIATE makes a send to a missing engine fail at once instead of queueing;
 * a ping goes out every second (faster while down); a ping unanswered for ping_timeout_ms
 * or a "disconnected" event from a socket monitor marks the engine down, which fails every
 * request in flight with SM_EUNAVAIL and makes new calls fail at once (the gateway answers
 * 503 + Retry-After, never hangs). The first answered ping marks it up again: ZeroMQ
 * reconnects by itself, so an engine restart needs no gateway restart.
 *
 * Every reply goes through proto_unpack() (size, depth, declared lengths) before use.
 * Single-threaded: all calls from the loop's thread.
 */
#ifndef GW_ECLI_H
#define GW_ECLI_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "metrics.h"
#include "proto.h"

struct ecli_opts {
    const char *endpoint;     /* e.g. "tcp://127.0.0.1:7601" (copied) */
    uint64_t timeout_ms;      /* per request */
    uint64_t ping_ms;         /* ping interval while up */
    uint64_t ping_timeout_ms; /* no answer to a ping in this time: down */
    size_t max_msg;           /* ZMQ_MAXMSGSIZE and proto limit of a reply */
    size_t max_inflight;      /* more concurrent requests fail with SM_EUNAVAIL */
};

/* 10 s timeout, ping every 1 s, down after 2 s, 65 MiB messages, 10,000 in flight. */
extern const struct ecli_opts ecli_default_opts;

/*
 * Completion of a request. status 0: rep is the engine's reply (rep->ok says success, else
 * rep->err is the engine's error); rep and what it points to are valid only during the
 * callback. status SM_EUNAVAIL (engine down or lost), SM_ETIMEOUT, or SM_EBADREQ (a reply
 * that is not a valid protocol message): rep is NULL.
 */
typedef void (*ecli_cb)(void *arg, int status, const struct proto_reply *rep);

struct ecli_req;

struct ecli {
    uv_loop_t *loop;
    struct ecli_opts opts;
    char *endpoint;
    struct metrics *metrics; /* borrowed; may be NULL */
    void *zctx, *sock, *mon;
    uv_poll_t poll, mon_poll;
    uv_timer_t tick;
    uv_idle_t idle; /* a deferred drain when a send consumed the fd's edge */
    int open_handles;
    void (*on_closed)(struct ecli *);
    bool up, closing, draining;
    uint64_t next_id;
    uint64_t ping_id, ping_sent_ms, next_ping_ms;
    uint64_t last_rx_ms;
    struct ecli_req **table; /* id -> request, chained */
    size_t table_size;
    struct ecli_req *oldest, *newest; /* in send order = deadline order */
    size_t inflight;
    void (*on_state)(struct ecli *, bool up); /* optional: called when up/down changes */
};

/* Create the socket, connect, start polling and pinging. 0 or a negative error. */
int ecli_init(struct ecli *c, uv_loop_t *loop, const struct ecli_opts *opts,
              struct metrics *metrics);

/*
 * Send op with body (one packed msgpack object, copied; NULL/0 for nil). On success cb is
 * called exactly once later (never from inside ecli_call) unless ecli_cancel is used, and
 * *handle (if not NULL) identifies the request until then. op must be a static string (it
 * labels metrics). On failure (SM_EUNAVAIL: engine down, queue full, or too many in
 * flight; -ENOMEM) cb is never called.
 */
int ecli_call(struct ecli *c, const char *op, const void *body, size_t body_len, ecli_cb cb,
              void *arg, struct ecli_req **handle);

/*
 * ecli_call with a timeout of its own instead of opts.timeout_ms (0 takes that): for operations
 * that legitimately take long, such as a batch of an import into a large database.
 */
int ecli_call_timeout(struct ecli *c, const char *op, const void *body, size_t body_len,
                      uint64_t timeout_ms, ecli_cb cb, void *arg, struct ecli_req **handle);

/* Forget a request: its callback will not run; a late reply is dropped. NULLs *handle. */
void ecli_cancel(struct ecli *c, struct ecli_req **handle);

/* Fail every request in flight with status (used when going down and at shutdown). */
void ecli_fail_all(struct ecli *c, int status);

/* Whether the last ping was answered (the engine is reachable). */
bool ecli_is_up(const struct ecli *c);

/* Fail what is in flight, close the sockets and handles; cb(c) when all are closed. */
void ecli_close(struct ecli *c, void (*cb)(struct ecli *));

#endif
