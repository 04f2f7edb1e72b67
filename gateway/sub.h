/*
 * sub.h - the gateway's subscriber to the engine's updates channel: one ZeroMQ SUB socket
 * connected to the engine's PUB (docs/protocol.md "Updates channel"), driven by libuv.
 *
 * ZMQ_FD is edge-triggered (PITFALLS.md): after every wake-up of the uv_poll the socket is
 * drained by looping on ZMQ_EVENTS until ZMQ_POLLIN is clear, in batches (a uv_idle resumes a
 * drain cut short, so a flood cannot starve HTTP), and a 1 s tick drains again as a safety
 * net. ZMQ_MAXMSGSIZE bounds every frame, and every payload goes through proto_unpack().
 *
 * ZeroMQ reconnects by itself when the engine restarts; updates published while the
 * connection was down are lost (PUB/SUB is best effort). A socket monitor reports each
 * (re)connection to on_connect, so that users can fetch what they missed.
 *
 * Single-threaded: all calls from the loop's thread.
 */
#ifndef GW_SUB_H
#define GW_SUB_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

struct sub;

/*
 * A message [topic, payload]: topic is not NUL-terminated; payload is the unpacked msgpack
 * object, valid only during the call.
 */
typedef void (*sub_msg_cb)(void *user, const char *topic, size_t topic_len,
                           const msgpack_object *payload);
/* Connected (first time, or again after the engine came back). */
typedef void (*sub_connect_cb)(void *user);

struct sub {
    uv_loop_t *loop;
    void *zctx, *sock, *mon;
    uv_poll_t poll, mon_poll;
    uv_timer_t tick;
    uv_idle_t idle;
    int open_handles;
    bool closing, draining, connected;
    size_t max_msg;
    sub_msg_cb on_msg;
    sub_connect_cb on_connect;
    void *user;
    void (*on_closed)(struct sub *);
    uint64_t received, dropped; /* messages handled, and dropped as malformed */
};

/*
 * Create the socket, connect it to endpoint (e.g. "tcp://127.0.0.1:7602") and start polling.
 * max_msg: ZMQ_MAXMSGSIZE and the payload limit (0: 1 MiB). No topic is subscribed yet.
 * Returns 0, SM_EINVAL (bad endpoint) or SM_EINTERNAL.
 */
int sub_init(struct sub *s, uv_loop_t *loop, const char *endpoint, size_t max_msg,
             sub_msg_cb on_msg, sub_connect_cb on_connect, void *user);
/* Receive messages whose topic starts with prefix. 0 or SM_EINTERNAL. */
int sub_subscribe(struct sub *s, const char *prefix);
/* Close the sockets and handles; cb(s) when all are closed. */
void sub_close(struct sub *s, void (*cb)(struct sub *));

#endif
