/* ecli.c - the engine client; see ecli.h. */
#include "sm.h"
#include "buf.h"
#include "ecli.h"
#include "log.h"
#include "zmon.h"

#include <zmq.h>

#define TABLE_SIZE 4096  /* power of two; chains stay short at 10,000 in flight */
#define TICK_MS 50       /* timeouts and pings are checked this often */
#define DOWN_PING_MS 200 /* ping interval while the engine is down: recover fast */
#define DRAIN_BATCH 1024 /* replies handled per wake-up before yielding to the loop */

const struct ecli_opts ecli_default_opts = {
    .endpoint = "tcp://127.0.0.1:7601",
    .timeout_ms = 10000,
    .ping_ms = 1000,
    .ping_timeout_ms = 2000,
    .max_msg = 65u << 20,
    .max_inflight = 10000,
};

struct ecli_req {
    uint64_t id;
    const char *op;
    ecli_cb cb;
    void *arg;
    uint64_t deadline_ms;
    uint64_t sent_ns;
    struct ecli_req *hnext;       /* hash chain */
    struct ecli_req *prev, *next; /* send order */
    struct ecli_req **handle;     /* the caller's pointer, NULLed on completion */
};

static void drain(struct ecli *c);
static void idle_cb(uv_idle_t *h);

/* ---- request table ------------------------------------------------------------------------ */

static struct ecli_req **slot(struct ecli *c, uint64_t id)
{
    return &c->table[id & (c->table_size - 1)];
}

static void req_link(struct ecli *c, struct ecli_req *r)
{
    struct ecli_req **s = slot(c, r->id);

    r->hnext = *s;
    *s = r;
    r->prev = c->newest;
    r->next = NULL;
    if (c->newest)
        c->newest->next = r;
    else
        c->oldest = r;
    c->newest = r;
    c->inflight++;
}

static void req_unlink(struct ecli *c, struct ecli_req *r)
{
    struct ecli_req **s = slot(c, r->id);

    while (*s && *s != r)
        s = &(*s)->hnext;
    if (*s)
        *s = r->hnext;
    if (r->prev)
        r->prev->next = r->next;
    else
        c->oldest = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        c->newest = r->prev;
    c->inflight--;
    if (r->handle)
        *r->handle = NULL;
}

static struct ecli_req *req_find(struct ecli *c, uint64_t id)
{
    struct ecli_req *r = *slot(c, id);

    while (r && r->id != id)
        r = r->hnext;
    return r;
}

/* Unlink, count, call back, free. */
static void req_finish(struct ecli *c, struct ecli_req *r, int status,
                       const struct proto_reply *rep)
{
    const char *outcome = status == 0             ? (rep->ok ? "ok" : "error")
                          : status == SM_ETIMEOUT ? "timeout"
                          : status == SM_EUNAVAIL ? "unavailable"
                                                  : "bad_reply";

    req_unlink(c, r);
    if (c->metrics)
        metrics_engine(c->metrics, r->op, outcome, (double)(sm_now_ns() - r->sent_ns) / 1e9);
    r->cb(r->arg, status, rep);
    free(r);
}

void ecli_fail_all(struct ecli *c, int status)
{
    /* Pop from the head each time: a callback may cancel or add requests. */
    while (c->oldest)
        req_finish(c, c->oldest, status, NULL);
}

/* ---- liveness ----------------------------------------------------------------------------- */

static void set_up(struct ecli *c, bool up, const char *why)
{
    if (c->up != up) {
        if (up)
            log_info("engine up at %s", c->endpoint);
        else
            log_warn("engine down at %s: %s", c->endpoint, why);
        c->up = up;
        if (c->metrics)
            c->metrics->engine_up = up;
        if (c->on_state)
            c->on_state(c, up);
    }
    if (!up)
        ecli_fail_all(c, SM_EUNAVAIL);
}

bool ecli_is_up(const struct ecli *c)
{
    return c->up;
}

/* Deferred drain: a send or a getsockopt may take the fd's edge, so the poll may not wake. */
static void check_events(struct ecli *c)
{
    int ev = 0;
    size_t sz = sizeof(ev);

    if (zmq_getsockopt(c->sock, ZMQ_EVENTS, &ev, &sz) == 0 && (ev & ZMQ_POLLIN) && !c->closing)
        uv_idle_start(&c->idle, idle_cb);
}

/* ---- sending ------------------------------------------------------------------------------ */

static int send_msg(struct ecli *c, uint64_t id, const char *op, const void *body, size_t blen)
{
    static const unsigned char nil = 0xc0;
    struct buf head = BUF_INIT;
    msgpack_packer pk;
    zmq_msg_t m;
    int rc = 0;

    msgpack_packer_init(&pk, &head, buf_msgpack_write);
    if (proto_pack_request_head(&pk, id, op) || buf_err(&head)) {
        rc = -ENOMEM;
        goto out;
    }
    if (!body || !blen) {
        body = &nil;
        blen = 1;
    }
    if (zmq_msg_init_size(&m, head.len + blen)) {
        rc = -ENOMEM;
        goto out;
    }
    memcpy(zmq_msg_data(&m), head.data, head.len);
    memcpy((char *)zmq_msg_data(&m) + head.len, body, blen);
    /* With ZMQ_IMMEDIATE and no engine connected, or at the high-water mark, this fails at
     * once with EAGAIN rather than queueing for a peer that may never come. */
    if (zmq_msg_send(&m, c->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        rc = SM_EUNAVAIL;
    }
out:
    buf_release(&head);
    if (c->sock)
        check_events(c);
    return rc;
}

static void send_ping(struct ecli *c, uint64_t now)
{
    uint64_t id = ++c->next_id;

    c->next_ping_ms = now + (c->up ? c->opts.ping_ms : DOWN_PING_MS);
    if (send_msg(c, id, "ping", NULL, 0) == 0) {
        c->ping_id = id;
        c->ping_sent_ms = now;
    } else if (c->up) {
        set_up(c, false, "cannot send to the engine");
    }
}

int ecli_call(struct ecli *c, const char *op, const void *body, size_t body_len, ecli_cb cb,
              void *arg, struct ecli_req **handle)
{
    return ecli_call_timeout(c, op, body, body_len, 0, cb, arg, handle);
}

int ecli_call_timeout(struct ecli *c, const char *op, const void *body, size_t body_len,
                      uint64_t timeout_ms, ecli_cb cb, void *arg, struct ecli_req **handle)
{
    struct ecli_req *r;
    int rc;

    if (handle)
        *handle = NULL;
    if (!c->up || c->closing || c->inflight >= c->opts.max_inflight) {
        rc = SM_EUNAVAIL;
        goto fail;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        rc = -ENOMEM;
        goto fail;
    }
    r->id = ++c->next_id;
    r->op = op;
    r->cb = cb;
    r->arg = arg;
    r->sent_ns = sm_now_ns();
    r->deadline_ms = uv_now(c->loop) + (timeout_ms ? timeout_ms : c->opts.timeout_ms);
    rc = send_msg(c, r->id, op, body, body_len);
    if (rc) {
        free(r);
        goto fail;
    }
    req_link(c, r);
    r->handle = handle;
    if (handle)
        *handle = r;
    return 0;
fail:
    if (c->metrics)
        metrics_engine(c->metrics, op, "unavailable", 0);
    return rc;
}

void ecli_cancel(struct ecli *c, struct ecli_req **handle)
{
    struct ecli_req *r = *handle;

    if (!r)
        return;
    req_unlink(c, r);
    free(r);
}

/* ---- receiving ---------------------------------------------------------------------------- */

static void handle_reply(struct ecli *c, const void *data, size_t len)
{
    struct proto_limits lim = proto_default_limits;
    msgpack_unpacked u;
    struct proto_reply rep;
    struct ecli_req *r;
    int rc;

    lim.max_bytes = c->opts.max_msg;
    msgpack_unpacked_init(&u);
    rc = proto_unpack(data, len, &lim, &u);
    if (rc == 0)
        rc = proto_parse_reply(&u.data, &rep);
    if (rc) {
        log_warn("dropping a malformed engine reply (%zu bytes): %s", len, sm_strerror(rc));
        goto out;
    }
    c->last_rx_ms = uv_now(c->loop);
    if (rep.id == c->ping_id && rep.id) {
        c->ping_id = 0;
        if (rep.ok)
            set_up(c, true, NULL);
        goto out;
    }
    r = req_find(c, rep.id);
    if (!r) {
        /* A reply to a cancelled or timed-out request, or id 0 (unreadable request). */
        if (!rep.ok)
            log_debug("engine reply to unknown id %" PRIu64 ": %s %s", rep.id,
                      sm_err_name(rep.err.code), rep.err.message);
        goto out;
    }
    req_finish(c, r, 0, &rep);
out:
    msgpack_unpacked_destroy(&u);
}

static void drain(struct ecli *c)
{
    unsigned n = 0;

    if (c->draining || c->closing)
        return; /* the outer drain re-checks ZMQ_EVENTS after each message */
    c->draining = true;
    while (n < DRAIN_BATCH) {
        int ev = 0;
        size_t sz = sizeof(ev);
        zmq_msg_t m;

        if (zmq_getsockopt(c->sock, ZMQ_EVENTS, &ev, &sz) || !(ev & ZMQ_POLLIN))
            break;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            if (errno == EINTR)
                continue;
            break;
        }
        if (zmq_msg_more(&m)) {
            /* A DEALER gets one frame per reply; drop anything else whole. */
            do {
                zmq_msg_close(&m);
                zmq_msg_init(&m);
                if (zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT) < 0)
                    break;
            } while (zmq_msg_more(&m));
            zmq_msg_close(&m);
            log_warn("dropping a multi-frame engine reply");
            continue;
        }
        handle_reply(c, zmq_msg_data(&m), zmq_msg_size(&m));
        zmq_msg_close(&m);
        n++;
        if (c->closing)
            break;
    }
    c->draining = false;
    /* Yield after a large batch, but come back on the next loop iteration. */
    if (!c->closing)
        check_events(c);
}

static void idle_cb(uv_idle_t *h)
{
    struct ecli *c = SM_CONTAINER_OF(h, struct ecli, idle);

    uv_idle_stop(h);
    drain(c);
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    struct ecli *c = SM_CONTAINER_OF(h, struct ecli, poll);

    (void)status;
    (void)events;
    drain(c);
}

/*
 * Read every pending monitor event. Like any ZeroMQ fd, the monitor's only signals a change:
 * an event left unread (e.g. one queued before the poll started) means no further wake-up,
 * so this runs on every tick as well as on the fd.
 */
static void mon_drain(struct ecli *c)
{
    uint16_t event;

    while (!c->closing && zmon_next(c->mon, &event)) {
        log_debug("engine socket event 0x%x", event);
        if (event == ZMQ_EVENT_DISCONNECTED) {
            set_up(c, false, "connection lost");
            c->ping_id = 0;
            c->next_ping_ms = uv_now(c->loop);
        } else if (event == ZMQ_EVENT_CONNECTED) {
            c->next_ping_ms = uv_now(c->loop); /* confirm with a ping at the next tick */
        }
    }
}

static void mon_poll_cb(uv_poll_t *h, int status, int events)
{
    struct ecli *c = SM_CONTAINER_OF(h, struct ecli, mon_poll);

    (void)status;
    (void)events;
    mon_drain(c);
}

static void tick_cb(uv_timer_t *t)
{
    struct ecli *c = SM_CONTAINER_OF(t, struct ecli, tick);
    uint64_t now = uv_now(c->loop);

    while (c->oldest && c->oldest->deadline_ms <= now)
        req_finish(c, c->oldest, SM_ETIMEOUT, NULL);
    if (c->ping_id && now - c->ping_sent_ms >= c->opts.ping_timeout_ms) {
        c->ping_id = 0;
        set_up(c, false, "no answer to ping");
    }
    if (!c->ping_id && now >= c->next_ping_ms)
        send_ping(c, now);
    /* Belt and braces for the edge-triggered fds: look once per tick. */
    mon_drain(c);
    drain(c);
}

/* ---- life cycle --------------------------------------------------------------------------- */

static int set_int(void *sock, int opt, int v)
{
    return zmq_setsockopt(sock, opt, &v, sizeof(v));
}

int ecli_init(struct ecli *c, uv_loop_t *loop, const struct ecli_opts *opts,
              struct metrics *metrics)
{
    char mon_ep[64];
    int64_t maxmsg;
    int fd = -1, mfd = -1;
    size_t sz = sizeof(fd);
    int rc = -ENOMEM;

    memset(c, 0, sizeof(*c));
    c->loop = loop;
    c->opts = opts ? *opts : ecli_default_opts;
    c->metrics = metrics;
    c->endpoint = strdup(c->opts.endpoint);
    c->table_size = TABLE_SIZE;
    c->table = calloc(TABLE_SIZE, sizeof(*c->table));
    c->zctx = zmq_ctx_new();
    if (!c->endpoint || !c->table || !c->zctx)
        goto fail;
    c->sock = zmq_socket(c->zctx, ZMQ_DEALER);
    if (!c->sock)
        goto zfail;
    maxmsg = (int64_t)c->opts.max_msg;
    /* LINGER 0: shutdown never waits for a dead engine (PITFALLS.md); IMMEDIATE: no queueing
     * to a peer that is not connected; MAXMSGSIZE: a peer cannot make us allocate without
     * bound; heartbeats notice a silent TCP peer. */
    if (set_int(c->sock, ZMQ_LINGER, 0) || set_int(c->sock, ZMQ_IMMEDIATE, 1) ||
        zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) ||
        set_int(c->sock, ZMQ_SNDHWM, (int)c->opts.max_inflight + 100) ||
        set_int(c->sock, ZMQ_RCVHWM, (int)c->opts.max_inflight + 100) ||
        set_int(c->sock, ZMQ_RECONNECT_IVL, 100) || set_int(c->sock, ZMQ_RECONNECT_IVL_MAX, 1000) ||
        set_int(c->sock, ZMQ_HEARTBEAT_IVL, 1000) || set_int(c->sock, ZMQ_HEARTBEAT_TIMEOUT, 3000))
        goto zfail;
    snprintf(mon_ep, sizeof(mon_ep), "inproc://ecli-monitor-%p", (void *)c);
    if (zmq_socket_monitor(c->sock, mon_ep, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED))
        goto zfail;
    c->mon = zmq_socket(c->zctx, ZMQ_PAIR);
    if (!c->mon || set_int(c->mon, ZMQ_LINGER, 0) || zmq_connect(c->mon, mon_ep))
        goto zfail;
    if (zmq_connect(c->sock, c->endpoint)) {
        log_error("cannot connect to engine endpoint %s: %s", c->endpoint, zmq_strerror(errno));
        rc = SM_EINVAL;
        goto fail;
    }
    if (zmq_getsockopt(c->sock, ZMQ_FD, &fd, &sz))
        goto zfail;
    sz = sizeof(mfd);
    if (zmq_getsockopt(c->mon, ZMQ_FD, &mfd, &sz))
        goto zfail;
    uv_poll_init(loop, &c->poll, fd);
    uv_poll_init(loop, &c->mon_poll, mfd);
    uv_timer_init(loop, &c->tick);
    uv_idle_init(loop, &c->idle);
    c->open_handles = 4;
    uv_poll_start(&c->poll, UV_READABLE, poll_cb);
    uv_poll_start(&c->mon_poll, UV_READABLE, mon_poll_cb);
    uv_timer_start(&c->tick, tick_cb, TICK_MS, TICK_MS);
    c->next_ping_ms = uv_now(loop);
    mon_drain(c);
    return 0;
zfail:
    log_error("zeromq: %s", zmq_strerror(errno));
    rc = SM_EINTERNAL;
fail:
    if (c->mon)
        zmq_close(c->mon);
    if (c->sock)
        zmq_close(c->sock);
    if (c->zctx)
        zmq_ctx_term(c->zctx);
    free(c->table);
    free(c->endpoint);
    memset(c, 0, sizeof(*c));
    return rc;
}

static void handle_closed(uv_handle_t *h)
{
    struct ecli *c = h->data;

    if (--c->open_handles > 0)
        return;
    /* The fds belonged to ZeroMQ: close the sockets only once libuv stopped watching them. */
    zmq_socket_monitor(c->sock, NULL, 0);
    zmq_close(c->mon);
    zmq_close(c->sock);
    zmq_ctx_term(c->zctx);
    free(c->table);
    free(c->endpoint);
    c->table = NULL;
    c->endpoint = NULL;
    if (c->on_closed)
        c->on_closed(c);
}

void ecli_close(struct ecli *c, void (*cb)(struct ecli *))
{
    uv_handle_t *hs[] = {(uv_handle_t *)&c->poll, (uv_handle_t *)&c->mon_poll,
                         (uv_handle_t *)&c->tick, (uv_handle_t *)&c->idle};

    if (c->closing)
        return;
    c->up = false;
    ecli_fail_all(c, SM_EUNAVAIL);
    c->closing = true;
    c->on_closed = cb;
    for (size_t i = 0; i < SM_ARRAY_SIZE(hs); i++) {
        hs[i]->data = c;
        uv_close(hs[i], handle_closed);
    }
}
