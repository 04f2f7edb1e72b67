/* test_server.c - the ZeroMQ server in-process: envelopes, pipelining, updates, draining stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "index.h"
#include "server.h"

#include <zmq.h>

#include "testutil.h"

struct fx {
    char *dir;
    char ep[512], pub_ep[512];
    struct store *st;
    struct ops_table tab;
    struct ops_info info;
    struct server *srv;
    void *zctx;
    struct index *ix; /* setup_index's */
    void *socks[4];   /* clients still open: teardown closes them after a failed assertion, or
                         zmq_ctx_term would wait for them for ever */
    unsigned n_socks;
};

static int setup_with(void **state, bool with_index, const struct store_options *o)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct server_config cfg = {0};

    f->dir = tu_tempdir();
    snprintf(f->ep, sizeof(f->ep), "ipc://%s/req.sock", f->dir);
    snprintf(f->pub_ep, sizeof(f->pub_ep), "ipc://%s/pub.sock", f->dir);
    if (store_open(&f->st, f->dir, o) || ops_table_default(&f->tab))
        return -1;
    if (with_index && index_open(&f->ix, f->st))
        return -1;
    f->info.index = f->ix;
    f->info.version = "test";
    cfg.endpoint = f->ep;
    cfg.pub_endpoint = f->pub_ep;
    cfg.readers = 2;
    cfg.store = f->st;
    cfg.ops = &f->tab;
    cfg.info = &f->info;
    if (server_new(&f->srv, &cfg))
        return -1;
    f->zctx = zmq_ctx_new();
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, false, NULL);
}

/* With the matching index, as the engine runs: imports are analysed by its helper threads. */
static int setup_index(void **state)
{
    return setup_with(state, true, NULL);
}

/* With the index and a map that cannot grow past 1 MiB: imports soon fill it. */
static int setup_small_map(void **state)
{
    const struct store_options o = {.map_size = 1u << 20, .map_max = 1u << 20};

    return setup_with(state, true, &o);
}

static int teardown(void **state)
{
    struct fx *f = *state;

    server_destroy(&f->srv);
    while (f->n_socks)
        zmq_close(f->socks[--f->n_socks]);
    zmq_ctx_term(f->zctx);
    index_close(&f->ix);
    store_close(&f->st);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void *sock_new(struct fx *f, int type)
{
    void *s = zmq_socket(f->zctx, type);

    assert_non_null(s);
    assert_true(f->n_socks < SM_ARRAY_SIZE(f->socks));
    f->socks[f->n_socks++] = s;
    return s;
}

static void sock_close(struct fx *f, void *s)
{
    for (unsigned i = 0; i < f->n_socks; i++)
        if (f->socks[i] == s) {
            f->socks[i] = f->socks[--f->n_socks];
            break;
        }
    zmq_close(s);
}

static void *client(struct fx *f, int type)
{
    void *s = sock_new(f, type);
    int linger = 0, timeout = 10000;

    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
    assert_int_equal(zmq_connect(s, f->ep), 0);
    return s;
}

static void send_request(void *s, uint64_t id, const char *op, const char *body_json)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer body;

    msgpack_sbuffer_init(&sb);
    msgpack_sbuffer_init(&body);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    proto_pack_request_head(&pk, id, op);
    if (body_json) {
        tu_pack_json(&body, body_json);
        msgpack_sbuffer_write(&sb, body.data, body.size);
    } else {
        msgpack_pack_nil(&pk);
    }
    assert_int_equal(zmq_send(s, sb.data, sb.size, 0), (int)sb.size);
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&body);
}

/* Receive one reply (the last frame) into u and rep. */
static void recv_reply(void *s, msgpack_unpacked *u, struct proto_reply *rep)
{
    zmq_msg_t m;
    int more = 1;

    zmq_msg_init(&m);
    while (more) {
        assert_true(zmq_msg_recv(&m, s, 0) >= 0);
        more = zmq_msg_more(&m);
    }
    assert_int_equal(proto_unpack(zmq_msg_data(&m), zmq_msg_size(&m), NULL, u), 0);
    assert_int_equal(proto_parse_reply(&u->data, rep), 0);
    zmq_msg_close(&m);
}

static void test_dealer_gets_every_pipelined_reply_matched_by_id(void **state)
{
    struct fx *f = *state;
    void *d = client(f, ZMQ_DEALER);
    bool seen[300] = {false};
    msgpack_unpacked u;
    struct proto_reply rep;

    msgpack_unpacked_init(&u);
    for (uint64_t i = 0; i < 300; i++) {
        char id[32], *p;

        snprintf(id, sizeof(id), "pipe-%" PRIu64, i);
        p = tu_profile_json(id, NULL);
        if (i % 3 == 2)
            send_request(d, i, "ping", NULL);
        else
            send_request(d, i, "profile.create", p);
        free(p);
    }
    for (int i = 0; i < 300; i++) {
        recv_reply(d, &u, &rep);
        assert_true(rep.ok);
        assert_true(rep.id < 300);
        assert_false(seen[rep.id]);
        seen[rep.id] = true;
    }
    send_request(d, 1000, "stats", NULL);
    recv_reply(d, &u, &rep);
    assert_int_equal(proto_map_get(rep.body, "profiles")->via.u64, 200);
    assert_int_equal(proto_map_get(rep.body, "readers")->via.u64, 2);
    msgpack_unpacked_destroy(&u);
    sock_close(f, d);
}

static void test_req_envelope_is_echoed(void **state)
{
    struct fx *f = *state;
    void *r = client(f, ZMQ_REQ);
    msgpack_unpacked u;
    struct proto_reply rep;

    msgpack_unpacked_init(&u);
    for (uint64_t i = 1; i <= 3; i++) {
        send_request(r, i, "ping", NULL); /* REQ adds the empty delimiter frame */
        recv_reply(r, &u, &rep);
        assert_true(rep.ok);
        assert_int_equal(rep.id, i);
    }
    msgpack_unpacked_destroy(&u);
    sock_close(f, r);
}

static void test_malformed_payload_gets_invalid_request_with_id_0(void **state)
{
    struct fx *f = *state;
    void *d = client(f, ZMQ_DEALER);
    msgpack_unpacked u;
    struct proto_reply rep;
    static const uint8_t bomb[] = {0xdf, 0x7f, 0xff, 0xff, 0xff}; /* map32 of 2G pairs */

    msgpack_unpacked_init(&u);
    zmq_send(d, "\xc1", 1, 0);
    recv_reply(d, &u, &rep);
    assert_false(rep.ok);
    assert_int_equal(rep.id, 0);
    assert_int_equal(rep.err.code, SM_EBADREQ);
    zmq_send(d, bomb, sizeof(bomb), 0);
    recv_reply(d, &u, &rep);
    assert_int_equal(rep.err.code, SM_EBADREQ);
    send_request(d, 8, "no.such.op", NULL);
    recv_reply(d, &u, &rep);
    assert_int_equal(rep.id, 8);
    assert_int_equal(rep.err.code, SM_EUNKNOWNOP);
    msgpack_unpacked_destroy(&u);
    sock_close(f, d);
}

static void test_writes_are_published_after_commit(void **state)
{
    struct fx *f = *state;
    void *d = client(f, ZMQ_DEALER);
    void *sub = sock_new(f, ZMQ_SUB);
    int timeout = 100, linger = 0, n = -1;
    msgpack_unpacked u;
    struct proto_reply rep;
    char topic[32], payload[256];

    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
    zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "profile", 7);
    assert_int_equal(zmq_connect(sub, f->pub_ep), 0);
    msgpack_unpacked_init(&u);
    /* A subscription takes a moment to reach the PUB (slow joiner): write until one arrives. */
    for (uint64_t i = 0; i < 100 && n < 0; i++) {
        char id[32], *p;

        snprintf(id, sizeof(id), "pub-%" PRIu64, i);
        p = tu_profile_json(id, NULL);
        send_request(d, i, "profile.create", p);
        free(p);
        recv_reply(d, &u, &rep);
        assert_true(rep.ok); /* the reply came first: the update follows the commit */
        n = zmq_recv(sub, topic, sizeof(topic), 0);
    }
    assert_int_equal(n, 7);
    assert_memory_equal(topic, "profile", 7);
    n = zmq_recv(sub, payload, sizeof(payload), 0);
    assert_true(n > 0);
    assert_int_equal(proto_unpack(payload, (size_t)n, NULL, &u), 0);
    assert_true(proto_str_eq(proto_map_get(&u.data, "op"), "created"));
    assert_int_equal(proto_map_get(&u.data, "id")->type, MSGPACK_OBJECT_STR);
    /* Now subscribed: a delete is seen as such. */
    send_request(d, 1000, "profile.delete", "{\"id\": \"pub-0\"}");
    recv_reply(d, &u, &rep);
    assert_true(rep.ok);
    do {
        n = zmq_recv(sub, topic, sizeof(topic), 0);
        assert_int_equal(n, 7);
        n = zmq_recv(sub, payload, sizeof(payload), 0);
        assert_true(n > 0);
        assert_int_equal(proto_unpack(payload, (size_t)n, NULL, &u), 0);
    } while (!proto_str_eq(proto_map_get(&u.data, "op"), "deleted"));
    assert_true(proto_str_eq(proto_map_get(&u.data, "id"), "pub-0"));
    msgpack_unpacked_destroy(&u);
    sock_close(f, sub);
    sock_close(f, d);
}

static void test_stop_answers_every_request_already_received(void **state)
{
    struct fx *f = *state;
    void *d = client(f, ZMQ_DEALER);
    msgpack_unpacked u;
    struct proto_reply rep;
    int answered = 0;

    msgpack_unpacked_init(&u);
    for (uint64_t i = 0; i < 100; i++) {
        char id[32], *p;

        snprintf(id, sizeof(id), "drain-%" PRIu64, i);
        p = tu_profile_json(id, NULL);
        send_request(d, i, "profile.create", p);
        free(p);
    }
    send_request(d, 500, "ping", NULL);
    for (int i = 0; i < 101; i++) {
        recv_reply(d, &u, &rep);
        assert_true(rep.ok);
        answered += rep.id < 100;
    }
    assert_int_equal(answered, 100);
    for (uint64_t i = 100; i < 150; i++)
        send_request(d, i, "profile.delete", "{\"id\": \"drain-1\"}");
    /* One pipe is FIFO: once the ping behind them is answered, the broker holds every delete. */
    send_request(d, 600, "ping", NULL);
    for (;;) {
        recv_reply(d, &u, &rep);
        if (rep.id == 600)
            break;
        answered++;
    }
    assert_int_equal(server_stop(f->srv), 0);
    /* The engine is gone: every reply below was sent while it drained. */
    while (answered < 150) {
        recv_reply(d, &u, &rep);
        assert_true(rep.id >= 100 && rep.id < 150);
        answered++;
    }
    msgpack_unpacked_destroy(&u);
    sock_close(f, d);
}

/* The id of the only hit of match.search for text, or "" when there is none. */
static void search_one(void *d, const char *text, char *id, size_t cap)
{
    char body[128];
    msgpack_unpacked u;
    struct proto_reply rep;
    const msgpack_object *res, *hit;

    snprintf(body, sizeof(body), "{\"text\": \"%s\", \"limit\": 5}", text);
    msgpack_unpacked_init(&u);
    send_request(d, 9000, "match.search", body);
    recv_reply(d, &u, &rep);
    assert_true(rep.ok);
    res = proto_map_get(rep.body, "results");
    assert_non_null(res);
    assert_true(res->via.array.size <= 1);
    id[0] = '\0';
    if (res->via.array.size == 1) {
        hit = proto_map_get(&res->via.array.ptr[0], "id");
        snprintf(id, cap, "%.*s", (int)hit->via.str.size, hit->via.str.ptr);
    }
    msgpack_unpacked_destroy(&u);
}

#define AHEAD_REQS 8
#define AHEAD_PER 200

/* A word of profile i of request r alone: letters only (digits and dashes split tokens), and
 * ending in "k", which the English stemmer leaves alone. */
static void ahead_word(char out[8], int r, int i)
{
    snprintf(out, 8, "zq%c%c%ck", 'a' + r, 'a' + i / 26, 'a' + i % 26);
}

/*
 * Imports sent back to back: while a group commits, the writer takes the imports queued behind
 * it, decodes them and has the index's helpers analyse them. Every reply matches its request,
 * a bad item fails alone, each profile is found by its own word, and a profile imported again
 * by a later request (in another group, or the same) is found by its new word only.
 */
/*
 * Send AHEAD_REQS imports of AHEAD_PER profiles at once, request r with id r: request 5 imports
 * profile 0 of request 0 again, renamed; item 3 of each is bad (its country).
 */
static void send_imports(void *d)
{
    for (int r = 0; r < AHEAD_REQS; r++) {
        size_t cap = 64, len = 0;
        char *body = malloc(cap);

        len += (size_t)snprintf(body, cap, "{\"profiles\": [");
        for (int i = 0; i < AHEAD_PER; i++) {
            char pid[32], extra[128], word[8], *p;
            size_t pl;

            snprintf(pid, sizeof(pid), "ah-%d-%d", r == 5 && i == 0 ? 0 : r, i);
            ahead_word(word, r == 5 && i == 0 ? 0 : r, i);
            if (i == 3)
                snprintf(extra, sizeof(extra), "{\"country\": \"XX\"}");
            else
                snprintf(extra, sizeof(extra), "{\"description\": \"%s\"}",
                         r == 5 && i == 0 ? "qqrenamed" : word);
            p = tu_profile_json(pid, extra);
            pl = strlen(p);
            if (len + pl + 8 > cap) {
                cap = (len + pl + 8) * 2;
                body = realloc(body, cap);
            }
            len += (size_t)snprintf(body + len, cap - len, "%s%s", i ? "," : "", p);
            free(p);
        }
        snprintf(body + len, cap - len, "]}");
        send_request(d, (uint64_t)r, "profile.import", body);
        free(body);
    }
}

static void test_imports_back_to_back_are_decoded_ahead_and_all_land(void **state)
{
    struct fx *f = *state;
    void *d = client(f, ZMQ_DEALER);
    bool seen[AHEAD_REQS] = {false};
    msgpack_unpacked u;
    struct proto_reply rep;
    char id[64];

    msgpack_unpacked_init(&u);
    send_imports(d);
    for (int r = 0; r < AHEAD_REQS; r++) {
        const msgpack_object *res;

        recv_reply(d, &u, &rep);
        assert_true(rep.ok);
        assert_true(rep.id < AHEAD_REQS);
        assert_false(seen[rep.id]);
        seen[rep.id] = true;
        assert_int_equal(proto_map_get(rep.body, "stored")->via.u64, AHEAD_PER - 1);
        assert_int_equal(proto_map_get(rep.body, "failed")->via.u64, 1);
        res = proto_map_get(rep.body, "results");
        assert_int_equal(res->via.array.size, AHEAD_PER);
        assert_false(proto_map_get(&res->via.array.ptr[3], "ok")->via.boolean);
        assert_true(proto_map_get(&res->via.array.ptr[4], "ok")->via.boolean);
    }
    send_request(d, 1000, "stats", NULL);
    recv_reply(d, &u, &rep);
    /* Request 5's first item updated a profile of request 0. */
    assert_int_equal(proto_map_get(rep.body, "profiles")->via.u64,
                     AHEAD_REQS * (AHEAD_PER - 1) - 1);
    for (int r = 0; r < AHEAD_REQS; r++)
        for (int i = 1; i < AHEAD_PER; i += 37) {
            char word[8], want[32];

            if (i == 3)
                continue;
            ahead_word(word, r, i);
            snprintf(want, sizeof(want), "ah-%d-%d", r, i);
            search_one(d, word, id, sizeof(id));
            assert_string_equal(id, want);
        }
    search_one(d, "qqrenamed", id, sizeof(id));
    assert_string_equal(id, "ah-0-0");
    {
        char word[8];

        ahead_word(word, 0, 0);
        search_one(d, word, id, sizeof(id));
        assert_string_equal(id, "");
    }
    msgpack_unpacked_destroy(&u);
    sock_close(f, d);
}

/*
 * The map fills while imports are prepared ahead of their turn: a group whose map cannot grow
 * fails with a storage error, the groups prepared behind it are answered too, nothing crashes
 * (the prepared profiles are freed only once the helpers are done with them: ASan checks), and
 * the engine still answers.
 */
static void test_a_full_map_fails_imports_prepared_ahead_cleanly(void **state)
{
    struct fx *f = *state;
    void *d = client(f, ZMQ_DEALER);
    bool seen[AHEAD_REQS] = {false};
    msgpack_unpacked u;
    struct proto_reply rep;
    int failed = 0;

    msgpack_unpacked_init(&u);
    send_imports(d);
    for (int r = 0; r < AHEAD_REQS; r++) {
        recv_reply(d, &u, &rep);
        assert_true(rep.id < AHEAD_REQS);
        assert_false(seen[rep.id]);
        seen[rep.id] = true;
        if (!rep.ok) {
            assert_int_equal(rep.err.code, SM_ESTORE);
            failed++;
        }
    }
    assert_true(failed > 0);
    send_request(d, 1000, "ping", NULL);
    recv_reply(d, &u, &rep);
    assert_true(rep.ok);
    msgpack_unpacked_destroy(&u);
    sock_close(f, d);
}

/* frames extra frames, then a ping: how many frames come back (0 when none in 300 ms). */
static int send_with_envelope(void *d, int frames)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    zmq_msg_t m;
    int n = 0, more = 1;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    proto_pack_request_head(&pk, 7, "ping");
    msgpack_pack_nil(&pk);
    for (int i = 0; i < frames; i++)
        zmq_send(d, "env", 3, ZMQ_SNDMORE);
    zmq_send(d, sb.data, sb.size, 0);
    msgpack_sbuffer_destroy(&sb);
    if (zmq_poll(&(zmq_pollitem_t){d, 0, ZMQ_POLLIN, 0}, 1, 300) != 1)
        return 0;
    zmq_msg_init(&m);
    while (more) {
        assert_true(zmq_msg_recv(&m, d, 0) >= 0);
        more = zmq_msg_more(&m);
        n++;
    }
    zmq_msg_close(&m);
    return n;
}

static void test_long_envelopes_are_echoed_or_dropped_without_wedging_readers(void **state)
{
    struct fx *f = *state;
    void *d = client(f, ZMQ_DEALER);
    msgpack_unpacked u;
    struct proto_reply rep;

    /* 6 envelope frames + payload, plus the ROUTER's identity: 8 frames, the most accepted. */
    assert_int_equal(send_with_envelope(d, 6), 7);
    for (int i = 0; i < 10; i++)
        assert_int_equal(send_with_envelope(d, 7), 0); /* 9 frames: dropped */
    /* Both readers are still there for everyone. */
    msgpack_unpacked_init(&u);
    for (uint64_t i = 0; i < 20; i++)
        send_request(d, i, "ping", NULL);
    for (int i = 0; i < 20; i++) {
        recv_reply(d, &u, &rep);
        assert_true(rep.ok);
    }
    msgpack_unpacked_destroy(&u);
    sock_close(f, d);
}

static void test_server_new_fails_cleanly_on_a_bad_endpoint(void **state)
{
    struct fx *f = *state;
    struct server_config cfg = {.endpoint = f->ep,
                                .pub_endpoint = "inproc://x",
                                .store = f->st,
                                .ops = &f->tab,
                                .info = &f->info};
    struct server *s2 = NULL;
    char ep[600];

    snprintf(ep, sizeof(ep), "bogus://%s", f->dir);
    cfg.endpoint = ep;
    assert_true(server_new(&s2, &cfg) < 0);
    assert_null(s2);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_dealer_gets_every_pipelined_reply_matched_by_id),
        T(test_req_envelope_is_echoed),
        T(test_malformed_payload_gets_invalid_request_with_id_0),
        T(test_writes_are_published_after_commit),
        cmocka_unit_test_setup_teardown(test_imports_back_to_back_are_decoded_ahead_and_all_land,
                                        setup_index, teardown),
        cmocka_unit_test_setup_teardown(test_a_full_map_fails_imports_prepared_ahead_cleanly,
                                        setup_small_map, teardown),
        T(test_stop_answers_every_request_already_received),
        T(test_long_envelopes_are_echoed_or_dropped_without_wedging_readers),
        T(test_server_new_fails_cleanly_on_a_bad_endpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
