/* bench_engine.c - pipelined ZeroMQ client of the engine; see bench_engine.h. */
#include "sm.h"

#include <zmq.h>

#include "bench_engine.h"

int bench_engine_connect(struct bench_engine *e, const char *endpoint)
{
    int linger = 0, hwm = 100000;
    int64_t maxmsg = 256ll << 20;

    e->ctx = zmq_ctx_new();
    e->sock = e->ctx ? zmq_socket(e->ctx, ZMQ_DEALER) : NULL;
    if (!e->sock) {
        fprintf(stderr, "zmq: %s\n", zmq_strerror(zmq_errno()));
        bench_engine_close(e);
        return -ENOMEM;
    }
    zmq_setsockopt(e->sock, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(e->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(e->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(e->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
    if (zmq_connect(e->sock, endpoint) != 0) {
        fprintf(stderr, "cannot connect to %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        bench_engine_close(e);
        return -EINVAL;
    }
    return 0;
}

void bench_engine_close(struct bench_engine *e)
{
    if (e->sock)
        zmq_close(e->sock);
    if (e->ctx)
        zmq_ctx_term(e->ctx);
    e->sock = e->ctx = NULL;
}

static int send_request(struct bench_engine *e, uint64_t id, const char *op, const void *body,
                        size_t len)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int rc = 0;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    proto_pack_request_head(&pk, id, op);
    if (body)
        msgpack_sbuffer_write(&sb, body, len);
    else
        msgpack_pack_nil(&pk);
    if (zmq_send(e->sock, sb.data, sb.size, 0) < 0)
        rc = -zmq_errno();
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* Receive one reply within timeout_ms into u/rep. 0, SM_ETIMEOUT or SM_EBADREQ. */
static int recv_reply(struct bench_engine *e, msgpack_unpacked *u, struct proto_reply *rep,
                      int timeout_ms)
{
    zmq_pollitem_t it = {.socket = e->sock, .events = ZMQ_POLLIN};
    zmq_msg_t m;
    int rc;

    if (zmq_poll(&it, 1, timeout_ms) <= 0)
        return SM_ETIMEOUT;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, e->sock, 0) < 0) {
        zmq_msg_close(&m);
        return SM_ETIMEOUT;
    }
    rc = proto_unpack(zmq_msg_data(&m), zmq_msg_size(&m), NULL, u);
    zmq_msg_close(&m);
    if (rc == 0)
        rc = proto_parse_reply(&u->data, rep);
    return rc;
}

int bench_engine_call(struct bench_engine *e, const char *op, const void *body, size_t len,
                      msgpack_unpacked *u, struct proto_reply *rep, int timeout_ms)
{
    static uint64_t next_id = 1u << 30; /* apart from bench_engine_run's ids */
    uint64_t id = next_id++;
    int rc = send_request(e, id, op, body, len);

    while (rc == 0) {
        rc = recv_reply(e, u, rep, timeout_ms);
        if (rc == 0 && rep->id == id)
            return 0;
        /* A late reply to an earlier request: drop it and wait for ours. */
    }
    return rc;
}

int bench_engine_wait_ready(struct bench_engine *e, int timeout_ms)
{
    uint64_t end = sm_now_ms() + (uint64_t)timeout_ms;

    while (sm_now_ms() < end) {
        msgpack_unpacked u;
        struct proto_reply rep;
        int rc;

        msgpack_unpacked_init(&u);
        rc = bench_engine_call(e, "ping", NULL, 0, &u, &rep, 200);
        msgpack_unpacked_destroy(&u);
        if (rc == 0 && rep.ok)
            return 0;
    }
    return SM_ETIMEOUT;
}

long bench_engine_run(struct bench_engine *e, const char *op, size_t n, unsigned window,
                      bench_make_fn make, bench_reply_fn on_reply, void *ctx,
                      struct bench_lat *lat, int timeout_ms, size_t progress_every,
                      const char *label)
{
    uint64_t *sent = calloc(n ? n : 1, sizeof(*sent));
    msgpack_sbuffer body;
    msgpack_packer pk;
    size_t next = 0, done = 0, inflight = 0;
    long errors = 0;
    int rc = 0;

    if (!sent)
        return -ENOMEM;
    if (window == 0)
        window = 1;
    msgpack_sbuffer_init(&body);
    msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
    while (done < n) {
        while (inflight < window && next < n) {
            size_t i = next++;
            body.size = 0;
            if (make(ctx, i, &pk) != 0) {
                done++; /* skipped */
                continue;
            }
            sent[i] = sm_now_ns();
            rc = send_request(e, (uint64_t)i + 1, op, body.data, body.size);
            if (rc) {
                fprintf(stderr, "%s: send failed: %s\n", label, zmq_strerror(-rc));
                goto out;
            }
            inflight++;
        }
        if (!inflight)
            continue;
        {
            msgpack_unpacked u;
            struct proto_reply rep;
            uint64_t now;
            size_t i;

            msgpack_unpacked_init(&u);
            rc = recv_reply(e, &u, &rep, timeout_ms);
            now = sm_now_ns();
            if (rc == SM_ETIMEOUT) {
                msgpack_unpacked_destroy(&u);
                fprintf(stderr, "%s: no reply from the engine in %d ms\n", label, timeout_ms);
                goto out;
            }
            if (rc || rep.id == 0 || rep.id > n || !sent[rep.id - 1]) {
                msgpack_unpacked_destroy(&u);
                rc = 0;
                continue; /* not one of ours (a late ping reply) */
            }
            i = (size_t)rep.id - 1;
            if (lat)
                bench_lat_add(lat, now - sent[i]);
            sent[i] = 0;
            if (!rep.ok) {
                if (errors < 3)
                    fprintf(stderr, "%s: request %zu: %s: %s (field '%s')\n", label, i,
                            sm_err_name(rep.err.code), rep.err.message, rep.err.field);
                errors++;
            }
            if (on_reply)
                on_reply(ctx, i, &rep);
            msgpack_unpacked_destroy(&u);
            inflight--;
            done++;
            if (progress_every && done % progress_every == 0)
                fprintf(stderr, "  %s: %zu / %zu\n", label, done, n);
        }
    }
out:
    msgpack_sbuffer_destroy(&body);
    free(sent);
    return rc ? rc : errors;
}
