/* sub.c - the updates subscriber; see sub.h. */
#include "sm.h"
#include "err.h"
#include "log.h"
#include "zmon.h"
#include "proto.h"
#include "sub.h"

#include <zmq.h>

#define TICK_MS 1000
#define DRAIN_BATCH 1024

static void drain(struct sub *s);

static int set_int(void *sock, int opt, int v)
{
    return zmq_setsockopt(sock, opt, &v, sizeof(v));
}

static void idle_cb(uv_idle_t *h)
{
    struct sub *s = SM_CONTAINER_OF(h, struct sub, idle);

    uv_idle_stop(h);
    drain(s);
}

/* Read the rest of a multi-frame message and drop it. */
static void skip_rest(struct sub *s, zmq_msg_t *m)
{
    while (zmq_msg_more(m)) {
        zmq_msg_close(m);
        zmq_msg_init(m);
        if (zmq_msg_recv(m, s->sock, ZMQ_DONTWAIT) < 0)
            break;
    }
}

static void handle(struct sub *s, const zmq_msg_t *topic, const zmq_msg_t *payload)
{
    struct proto_limits lim = proto_default_limits;
    msgpack_unpacked u;

    lim.max_bytes = s->max_msg;
    msgpack_unpacked_init(&u);
    if (proto_unpack(zmq_msg_data((zmq_msg_t *)payload), zmq_msg_size((zmq_msg_t *)payload), &lim,
                     &u)) {
        s->dropped++;
        log_warn("dropping a malformed update (%zu bytes)", zmq_msg_size((zmq_msg_t *)payload));
    } else {
        s->received++;
        s->on_msg(s->user, zmq_msg_data((zmq_msg_t *)topic), zmq_msg_size((zmq_msg_t *)topic),
                  &u.data);
    }
    msgpack_unpacked_destroy(&u);
}

static void drain(struct sub *s)
{
    unsigned n = 0;
    int ev = 0;
    size_t sz = sizeof(ev);

    if (s->draining || s->closing)
        return;
    s->draining = true;
    while (n < DRAIN_BATCH && !s->closing) {
        zmq_msg_t t, p;

        sz = sizeof(ev);
        if (zmq_getsockopt(s->sock, ZMQ_EVENTS, &ev, &sz) || !(ev & ZMQ_POLLIN))
            break;
        zmq_msg_init(&t);
        if (zmq_msg_recv(&t, s->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&t);
            if (errno == EINTR)
                continue;
            break;
        }
        n++;
        if (!zmq_msg_more(&t)) {
            zmq_msg_close(&t);
            s->dropped++;
            continue; /* a topic without payload */
        }
        zmq_msg_init(&p);
        if (zmq_msg_recv(&p, s->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&p);
            zmq_msg_close(&t);
            continue;
        }
        if (zmq_msg_more(&p)) {
            skip_rest(s, &p);
            s->dropped++;
        } else {
            handle(s, &t, &p);
        }
        zmq_msg_close(&p);
        zmq_msg_close(&t);
    }
    s->draining = false;
    sz = sizeof(ev);
    /* A batch cut short, or a callback's getsockopt that took the edge: come back soon. */
    if (!s->closing && zmq_getsockopt(s->sock, ZMQ_EVENTS, &ev, &sz) == 0 && (ev & ZMQ_POLLIN))
        uv_idle_start(&s->idle, idle_cb);
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    drain(SM_CONTAINER_OF(h, struct sub, poll));
}

static void mon_drain(struct sub *s)
{
    uint16_t event;

    while (!s->closing && zmon_next(s->mon, &event)) {
        if (event == ZMQ_EVENT_DISCONNECTED) {
            if (s->connected)
                log_warn("updates channel disconnected");
            s->connected = false;
        } else if (event == ZMQ_EVENT_CONNECTED) {
            s->connected = true;
            log_info("updates channel connected");
            if (s->on_connect)
                s->on_connect(s->user);
        }
    }
}

static void mon_poll_cb(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    mon_drain(SM_CONTAINER_OF(h, struct sub, mon_poll));
}

static void tick_cb(uv_timer_t *t)
{
    struct sub *s = SM_CONTAINER_OF(t, struct sub, tick);

    /* Belt and braces for the edge-triggered fds. */
    mon_drain(s);
    drain(s);
}

int sub_init(struct sub *s, uv_loop_t *loop, const char *endpoint, size_t max_msg,
             sub_msg_cb on_msg, sub_connect_cb on_connect, void *user)
{
    char mon_ep[64];
    int64_t maxmsg;
    int fd = -1, mfd = -1, rc = SM_EINTERNAL;
    size_t sz = sizeof(fd);

    memset(s, 0, sizeof(*s));
    s->loop = loop;
    s->max_msg = max_msg ? max_msg : (1u << 20);
    s->on_msg = on_msg;
    s->on_connect = on_connect;
    s->user = user;
    s->zctx = zmq_ctx_new();
    if (!s->zctx)
        goto fail;
    s->sock = zmq_socket(s->zctx, ZMQ_SUB);
    if (!s->sock)
        goto fail;
    maxmsg = (int64_t)s->max_msg;
    /* A frame over the limit is dropped by ZeroMQ (and the peer disconnected): no update is
     * worth that much memory. The high-water mark bounds what a slow loop lets pile up. */
    if (set_int(s->sock, ZMQ_LINGER, 0) ||
        zmq_setsockopt(s->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) ||
        set_int(s->sock, ZMQ_RCVHWM, 10000) || set_int(s->sock, ZMQ_RECONNECT_IVL, 100) ||
        set_int(s->sock, ZMQ_RECONNECT_IVL_MAX, 1000) ||
        set_int(s->sock, ZMQ_HEARTBEAT_IVL, 1000) || set_int(s->sock, ZMQ_HEARTBEAT_TIMEOUT, 3000))
        goto fail;
    snprintf(mon_ep, sizeof(mon_ep), "inproc://sub-monitor-%p", (void *)s);
    if (zmq_socket_monitor(s->sock, mon_ep, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED))
        goto fail;
    s->mon = zmq_socket(s->zctx, ZMQ_PAIR);
    if (!s->mon || set_int(s->mon, ZMQ_LINGER, 0) || zmq_connect(s->mon, mon_ep))
        goto fail;
    if (zmq_connect(s->sock, endpoint)) {
        log_error("cannot connect to updates endpoint %s: %s", endpoint, zmq_strerror(errno));
        rc = SM_EINVAL;
        goto out;
    }
    if (zmq_getsockopt(s->sock, ZMQ_FD, &fd, &sz))
        goto fail;
    sz = sizeof(mfd);
    if (zmq_getsockopt(s->mon, ZMQ_FD, &mfd, &sz))
        goto fail;
    uv_poll_init(loop, &s->poll, fd);
    uv_poll_init(loop, &s->mon_poll, mfd);
    uv_timer_init(loop, &s->tick);
    uv_idle_init(loop, &s->idle);
    s->open_handles = 4;
    uv_poll_start(&s->poll, UV_READABLE, poll_cb);
    uv_poll_start(&s->mon_poll, UV_READABLE, mon_poll_cb);
    uv_timer_start(&s->tick, tick_cb, TICK_MS, TICK_MS);
    mon_drain(s);
    return 0;
fail:
    log_error("updates subscriber: %s", zmq_strerror(errno));
out:
    if (s->mon)
        zmq_close(s->mon);
    if (s->sock)
        zmq_close(s->sock);
    if (s->zctx)
        zmq_ctx_term(s->zctx);
    memset(s, 0, sizeof(*s));
    return rc;
}

int sub_subscribe(struct sub *s, const char *prefix)
{
    int rc = zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, prefix, strlen(prefix));

    /* setsockopt may consume the fd's edge: look again on the next loop iteration. */
    if (!s->closing)
        uv_idle_start(&s->idle, idle_cb);
    return rc ? SM_EINTERNAL : 0;
}

static void handle_closed(uv_handle_t *h)
{
    struct sub *s = h->data;

    if (--s->open_handles > 0)
        return;
    zmq_socket_monitor(s->sock, NULL, 0);
    zmq_close(s->mon);
    zmq_close(s->sock);
    zmq_ctx_term(s->zctx);
    s->mon = s->sock = s->zctx = NULL;
    if (s->on_closed)
        s->on_closed(s);
}

void sub_close(struct sub *s, void (*cb)(struct sub *))
{
    uv_handle_t *hs[] = {(uv_handle_t *)&s->poll, (uv_handle_t *)&s->mon_poll,
                         (uv_handle_t *)&s->tick, (uv_handle_t *)&s->idle};

    if (s->closing)
        return;
    s->closing = true;
    s->on_closed = cb;
    for (size_t i = 0; i < SM_ARRAY_SIZE(hs); i++) {
        hs[i]->data = s;
        uv_close(hs[i], handle_closed);
    }
}
