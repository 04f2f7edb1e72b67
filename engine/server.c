/*
 * server.c - broker, reader pool and group-commit writer over ZeroMQ; see server.h.
 *
 * Every socket belongs to exactly one thread. They are all created (and the public endpoints
 * bound) in server_new so that a bad endpoint fails start-up synchronously; each is then handed
 * to its thread (pthread_create is the full memory barrier ZeroMQ asks for when a socket moves
 * between threads), which closes it when it ends.
 */
#include "sm.h"

#include "server.h"

#include <pthread.h>
#include <zmq.h>

#include "log.h"

/*
 * A client message has at most FRONT_FRAMES frames (envelope + payload; a REQ client through the
 * ROUTER uses 3). Inside, a reader's reply carries one more: the reader's identity.
 */
#define FRONT_FRAMES 8
#define MAX_FRAMES (FRONT_FRAMES + 1)
#define READERS_MAX 64
#define READ_QUEUE 4096      /* reads waiting for an idle reader */
#define WRITES_INFLIGHT 4096 /* writes sent to the writer and not yet answered */
#define FRONT_BUDGET 256     /* client messages taken per poll round, for fairness */
#define BATCH_BYTES ((size_t)64 << 20)
#define HOUSEKEEPING_MS 60000
#define WRITER_IDLE_MS 1000 /* no request for this long: the writer gives back batch buffers */
#define DRAIN_MS 30000       /* on stop, wait this long at most for requests in flight */
#define FRONT_LINGER_MS 1000 /* time to flush replies when closing */
#define FRONT_SNDHWM 100000
#define FRONT_RCVHWM 10000
#define PUB_SNDHWM 100000

#define EP_READERS "inproc://readers"
#define EP_WRITER "inproc://writer"
#define EP_REPLIES "inproc://replies"
#define EP_CONTROL "inproc://control"

static const char msg_ready[] = "READY";
static const char msg_stop[] = "STOP";

/* One multipart message: the frames of an envelope and its payload. */
struct frames {
    zmq_msg_t f[MAX_FRAMES];
    int n;
};

struct reader {
    struct server *s;
    pthread_t thread;
    void *sock; /* DEALER, routing id {'r', index} */
    unsigned index;
};

struct server {
    struct server_config cfg;
    struct ops_info info;
    void *ctx;
    void *ctl; /* PAIR owned by the caller's thread: tells the broker to stop */

    /* Broker's sockets. */
    void *front, *backend, *to_writer, *from_writer, *broker_ctl;
    /* Writer's sockets. */
    void *writer_in, *writer_out, *pub;

    struct reader *readers;
    unsigned n_readers, started_readers;
    pthread_t broker, writer;
    bool broker_started, writer_started, stopped;
};

/* ---- frames ---------------------------------------------------------------------------------- */

static void frames_close(struct frames *m)
{
    for (int i = 0; i < m->n; i++)
        zmq_msg_close(&m->f[i]);
    m->n = 0;
}

enum { RECV_NONE = 0, RECV_GOT = 1, RECV_DROPPED = 2 };

/*
 * Receive one multipart message. RECV_GOT, RECV_NONE (EAGAIN with ZMQ_DONTWAIT), RECV_DROPPED
 * (more than MAX_FRAMES: consumed and discarded), or -errno (ETERM: the context is closing).
 */
static int frames_recv(void *sock, struct frames *m, int flags)
{
    bool more = true, over = false;
    zmq_msg_t extra;

    m->n = 0;
    while (more) {
        zmq_msg_t *part = m->n < MAX_FRAMES ? &m->f[m->n] : &extra;

        zmq_msg_init(part);
        if (zmq_msg_recv(part, sock, m->n == 0 && !over ? flags : 0) < 0) {
            int err = errno;

            zmq_msg_close(part);
            frames_close(m);
            return err == EAGAIN ? RECV_NONE : -err;
        }
        more = zmq_msg_more(part);
        if (part == &extra) {
            zmq_msg_close(&extra);
            over = true;
        } else {
            m->n++;
        }
    }
    if (over) {
        frames_close(m);
        log_warn("server: dropped a message of more than %d frames", MAX_FRAMES);
        return RECV_DROPPED;
    }
    return RECV_GOT;
}

/*
 * Send frames [from, n) of m, after an optional first frame prefix. Never blocks. The frames are
 * consumed whatever happens. Returns 0 or -errno.
 */
static int frames_send(void *sock, struct frames *m, int from, const void *prefix, size_t plen)
{
    int rc = 0;

    if (prefix && zmq_send(sock, prefix, plen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        rc = -errno;
        goto out;
    }
    for (int i = from; i < m->n; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < m->n ? ZMQ_SNDMORE : 0);
        if (zmq_msg_send(&m->f[i], sock, flags) < 0) {
            rc = -errno;
            break;
        }
    }
out:
    frames_close(m);
    return rc;
}

/* Replace the last frame (the payload) with a copy of data. */
static int frames_set_payload(struct frames *m, const void *data, size_t len)
{
    zmq_msg_t *p = &m->f[m->n - 1];

    zmq_msg_close(p);
    if (zmq_msg_init_size(p, len) != 0) {
        zmq_msg_init(p);
        return -ENOMEM;
    }
    memcpy(zmq_msg_data(p), data, len);
    return 0;
}

static int set_int(void *sock, int opt, int v)
{
    return zmq_setsockopt(sock, opt, &v, sizeof(v));
}

/* ---- broker ---------------------------------------------------------------------------------- */

struct broker {
    struct server *s;
    struct frames *rq; /* ring of READ_QUEUE reads waiting for a reader */
    size_t rq_head, rq_len;
    uint8_t idle[READERS_MAX];
    unsigned n_idle, ready;
    size_t reads_inflight, writes_inflight;
    bool stopping;
    uint64_t drain_deadline;
    msgpack_sbuffer sb;
};

/* Answer a message from the broker itself (overload or shutdown): the request id is unknown. */
static void broker_reply_error(struct broker *b, struct frames *m, int code, const char *text)
{
    struct sm_error e;

    sm_error_set(&e, code, "", "%s", text);
    ops_pack_error_reply(&b->sb, 0, &e);
    if (frames_set_payload(m, b->sb.data, b->sb.size) == 0)
        frames_send(b->s->front, m, 0, NULL, 0);
    else
        frames_close(m);
}

static void forward_reply(struct broker *b, struct frames *m, int from)
{
    int rc = frames_send(b->s->front, m, from, NULL, 0);

    /* EHOSTUNREACH: the client left; EAGAIN: it stopped reading (at its high-water mark). */
    if (rc == -EHOSTUNREACH)
        log_debug("server: reply to a client that left dropped");
    else if (rc)
        log_warn("server: reply dropped: %s", zmq_strerror(-rc));
}

static void route(struct broker *b, struct frames *m)
{
    zmq_msg_t *payload;
    struct frames *slot;

    /* A ROUTER always prepends an identity; longer envelopes would not fit the way back. */
    if (m->n < 2 || m->n > FRONT_FRAMES) {
        if (m->n > FRONT_FRAMES)
            log_warn("server: dropped a message of %d frames (at most %d)", m->n, FRONT_FRAMES);
        frames_close(m);
        return;
    }
    payload = &m->f[m->n - 1];
    if (ops_route(b->s->cfg.ops, zmq_msg_data(payload), zmq_msg_size(payload)) == OPS_WRITE) {
        int rc = frames_send(b->s->to_writer, m, 0, NULL, 0);
        if (rc)
            log_error("server: cannot pass a write to the writer: %s", zmq_strerror(-rc));
        else
            b->writes_inflight++;
        return;
    }
    if (b->rq_len == READ_QUEUE) {
        broker_reply_error(b, m, SM_EUNAVAIL, "engine busy, retry later");
        return;
    }
    slot = &b->rq[(b->rq_head + b->rq_len) % READ_QUEUE];
    slot->n = 0;
    for (int i = 0; i < m->n; i++) {
        zmq_msg_init(&slot->f[i]);
        zmq_msg_move(&slot->f[i], &m->f[i]);
        slot->n++;
    }
    frames_close(m);
    b->rq_len++;
}

static void dispatch_reads(struct broker *b)
{
    while (b->n_idle && b->rq_len) {
        uint8_t r = b->idle[--b->n_idle];
        char id[2] = {'r', (char)r};
        struct frames *m = &b->rq[b->rq_head];
        int rc;

        b->rq_head = (b->rq_head + 1) % READ_QUEUE;
        b->rq_len--;
        rc = frames_send(b->s->backend, m, 0, id, sizeof(id));
        if (rc) {
            log_error("server: cannot pass a read to reader %u: %s", r, zmq_strerror(-rc));
            b->idle[b->n_idle++] = r;
            continue;
        }
        b->reads_inflight++;
    }
}

/* Take client messages until none is waiting or budget is spent. */
static void take_front(struct broker *b, unsigned budget)
{
    struct frames m;

    while (budget--) {
        int rc = frames_recv(b->s->front, &m, ZMQ_DONTWAIT);
        if (rc == RECV_NONE || rc < 0)
            return;
        if (rc == RECV_GOT)
            route(b, &m);
    }
}

static void take_backend(struct broker *b)
{
    struct frames m;
    int rc;

    while ((rc = frames_recv(b->s->backend, &m, ZMQ_DONTWAIT)) != RECV_NONE && rc >= 0) {
        unsigned r;

        if (rc != RECV_GOT)
            continue;
        if (m.n < 2 || zmq_msg_size(&m.f[0]) != 2) {
            frames_close(&m);
            continue;
        }
        r = ((const uint8_t *)zmq_msg_data(&m.f[0]))[1];
        if (r >= b->s->n_readers) {
            frames_close(&m);
            continue;
        }
        if (m.n == 2 && zmq_msg_size(&m.f[1]) == strlen(msg_ready) &&
            memcmp(zmq_msg_data(&m.f[1]), msg_ready, strlen(msg_ready)) == 0) {
            b->ready++;
            frames_close(&m);
        } else {
            b->reads_inflight--;
            forward_reply(b, &m, 1);
        }
        b->idle[b->n_idle++] = (uint8_t)r;
    }
}

static void take_writer(struct broker *b)
{
    struct frames m;
    int rc;

    while ((rc = frames_recv(b->s->from_writer, &m, ZMQ_DONTWAIT)) != RECV_NONE && rc >= 0) {
        if (rc != RECV_GOT)
            continue;
        b->writes_inflight--;
        forward_reply(b, &m, 0);
    }
}

static bool broker_done(const struct broker *b)
{
    if (!b->stopping)
        return false;
    if (b->rq_len == 0 && b->reads_inflight == 0 && b->writes_inflight == 0 &&
        b->ready == b->s->n_readers)
        return true;
    /* A worker stuck for this long should not keep the process from exiting. */
    if (sm_now_ms() >= b->drain_deadline) {
        log_error("server: stopping with %zu requests unanswered after %d ms",
                  b->rq_len + b->reads_inflight + b->writes_inflight, DRAIN_MS);
        return true;
    }
    return false;
}

static void *broker_main(void *arg)
{
    struct server *s = arg;
    struct broker b = {.s = s};
    uint64_t next_check = sm_now_ms() + HOUSEKEEPING_MS;

    msgpack_sbuffer_init(&b.sb);
    b.rq = calloc(READ_QUEUE, sizeof(*b.rq));
    if (!b.rq) {
        log_error("server: broker out of memory");
        goto out;
    }
    while (!broker_done(&b)) {
        bool accept = !b.stopping && b.rq_len + FRONT_BUDGET <= READ_QUEUE &&
                      b.writes_inflight + FRONT_BUDGET <= WRITES_INFLIGHT;
        zmq_pollitem_t items[4] = {
            {s->broker_ctl, 0, ZMQ_POLLIN, 0},
            {s->backend, 0, ZMQ_POLLIN, 0},
            {s->from_writer, 0, ZMQ_POLLIN, 0},
            {s->front, 0, accept ? ZMQ_POLLIN : 0, 0},
        };
        int rc = zmq_poll(items, 4, 1000);

        if (rc < 0) {
            if (errno == EINTR)
                continue;
            log_error("server: poll: %s", zmq_strerror(errno));
            break;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            struct frames m;

            if (frames_recv(s->broker_ctl, &m, ZMQ_DONTWAIT) == RECV_GOT) {
                frames_close(&m);
                /* Take what clients have already sent, then stop reading them. */
                b.stopping = true;
                b.drain_deadline = sm_now_ms() + DRAIN_MS;
                take_front(&b, READ_QUEUE);
                log_info("server: stopping, %zu requests in flight",
                         b.rq_len + b.reads_inflight + b.writes_inflight);
            }
        }
        if (items[1].revents & ZMQ_POLLIN)
            take_backend(&b);
        if (items[2].revents & ZMQ_POLLIN)
            take_writer(&b);
        if (items[3].revents & ZMQ_POLLIN)
            take_front(&b, FRONT_BUDGET);
        dispatch_reads(&b);
        if (sm_now_ms() >= next_check) {
            store_reader_check(s->cfg.store, NULL);
            next_check = sm_now_ms() + HOUSEKEEPING_MS;
        }
    }
out:
    /* Stop the workers: a one-frame message is never a request. */
    for (unsigned i = 0; i < s->n_readers; i++) {
        char id[2] = {'r', (char)i};
        if (zmq_send(s->backend, id, sizeof(id), ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
            zmq_send(s->backend, msg_stop, strlen(msg_stop), ZMQ_DONTWAIT);
    }
    zmq_send(s->to_writer, msg_stop, strlen(msg_stop), ZMQ_DONTWAIT);
    if (b.rq)
        for (size_t i = 0; i < b.rq_len; i++)
            frames_close(&b.rq[(b.rq_head + i) % READ_QUEUE]);
    free(b.rq);
    msgpack_sbuffer_destroy(&b.sb);
    zmq_close(s->front);
    zmq_close(s->backend);
    zmq_close(s->to_writer);
    zmq_close(s->from_writer);
    zmq_close(s->broker_ctl);
    return NULL;
}

/* ---- readers --------------------------------------------------------------------------------- */

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    struct server *s = r->s;
    struct store_txn txn;
    msgpack_sbuffer out;

    store_read_init(s->cfg.store, &txn);
    msgpack_sbuffer_init(&out);
    if (zmq_send(r->sock, msg_ready, strlen(msg_ready), 0) < 0)
        goto out;
    for (;;) {
        struct ops_request req;
        struct ops_ctx c = {.st = s->cfg.store, .txn = &txn, .info = &s->info};
        struct frames m;
        zmq_msg_t *payload;
        int rc = frames_recv(r->sock, &m, 0);

        if (rc < 0)
            break;
        if (rc != RECV_GOT)
            continue;
        if (m.n == 1) { /* stop */
            frames_close(&m);
            break;
        }
        payload = &m.f[m.n - 1];
        ops_request_init(&req);
        ops_request_parse(&req, s->cfg.ops, zmq_msg_data(payload), zmq_msg_size(payload));
        if (req.rc == 0 && req.def->kind == OPS_WRITE)
            req.rc = sm_error_set(&req.err, SM_EINTERNAL, "op", "write operation sent to a reader");
        if (req.rc == 0 && store_read_begin(&txn) != 0)
            req.rc = sm_error_set(&req.err, SM_ESTORE, "", "cannot read the database");
        c.now_ms = sm_wall_ms();
        ops_execute(&req, &c, &out);
        store_read_end(&txn);
        ops_request_release(&req);
        if (frames_set_payload(&m, out.data, out.size) == 0)
            rc = frames_send(r->sock, &m, 0, NULL, 0);
        else
            frames_close(&m);
        if (rc == -ETERM)
            break;
    }
out:
    store_read_release(&txn);
    msgpack_sbuffer_destroy(&out);
    zmq_close(r->sock);
    return NULL;
}

/* ---- writer ---------------------------------------------------------------------------------- */

/* Write requests run in one transaction and answered together. */
struct group {
    struct frames *batch;
    struct ops_request *reqs; /* parsed on receipt */
    msgpack_sbuffer *outs;
    int *rcs;
    size_t n;
};

/*
 * The thread that prepares next (decodes its imports, hands them to store_prepare) while the
 * writer applies cur's postings and commits. Decoding 5,000 profiles took ~10 % of the writer's
 * time at 1M profiles, and the writer is the import's serial part. One job at a time: the writer
 * starts it in take_ahead and waits for it (ahead_wait) before it touches next again.
 */
struct ahead_worker {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool on;   /* the thread runs; else the writer prepares next itself */
    bool busy; /* a job was started and is not finished */
    bool quit;
};

/*
 * Two groups: the one running (cur) and the one behind it (next), taken and prepared while cur's
 * postings are applied and committed (take_ahead).
 */
struct writer {
    struct server *s;
    struct group g[2], *cur, *next;
    int64_t now_ms;
    struct ops_events ev;
    bool stop;        /* the stop message came: finish the groups received, then leave */
    bool ahead_taken; /* next was taken for cur (its first run; a re-run does not take more) */
    struct profile **ahead; /* next's decoded profiles: the ahead worker's while it is busy */
    size_t n_ahead, cap_ahead;
    struct ahead_worker aw;
};

struct one {
    struct writer *w;
    size_t i;
    int exec_rc;
};

static int group_init(struct group *g, unsigned max)
{
    memset(g, 0, sizeof(*g));
    g->batch = calloc(max, sizeof(*g->batch));
    g->reqs = calloc(max, sizeof(*g->reqs));
    g->outs = calloc(max, sizeof(*g->outs));
    g->rcs = calloc(max, sizeof(*g->rcs));
    if (!g->batch || !g->reqs || !g->outs || !g->rcs)
        return -ENOMEM;
    for (unsigned i = 0; i < max; i++)
        msgpack_sbuffer_init(&g->outs[i]);
    return 0;
}

static void group_release(struct group *g, unsigned max)
{
    if (g->outs)
        for (unsigned i = 0; i < max; i++)
            msgpack_sbuffer_destroy(&g->outs[i]);
    free(g->batch);
    free(g->reqs);
    free(g->outs);
    free(g->rcs);
    memset(g, 0, sizeof(*g));
}

/*
 * Receive into the empty group g: when block, wait for a first request; then take whatever else
 * is queued, within the group's bounds, each parsed at once. Sets w->stop on the stop message or
 * a closing context (the requests taken before it are still run).
 */
static void group_recv(struct writer *w, struct group *g, bool block)
{
    struct server *s = w->s;
    size_t bytes = 0;
    int flags = block ? 0 : ZMQ_DONTWAIT;

    while (!w->stop && g->n < s->cfg.batch_max && bytes < BATCH_BYTES) {
        struct frames *m = &g->batch[g->n];
        zmq_msg_t *p;
        int rc = frames_recv(s->writer_in, m, flags);

        if (rc == RECV_NONE)
            break;
        if (rc < 0) {
            w->stop = true;
            break;
        }
        if (rc != RECV_GOT)
            continue;
        if (m->n == 1) {
            frames_close(m);
            w->stop = true;
            break;
        }
        p = &m->f[m->n - 1];
        bytes += zmq_msg_size(p);
        ops_request_init(&g->reqs[g->n]);
        ops_request_parse(&g->reqs[g->n], s->cfg.ops, zmq_msg_data(p), zmq_msg_size(p));
        g->rcs[g->n] = 0;
        g->n++;
        flags = ZMQ_DONTWAIT;
    }
}

/* The profiles next's requests decoded ahead, in order, into w->ahead. -ENOMEM. */
static int ahead_collect(struct writer *w)
{
    const struct ops_ctx c = {.st = w->s->cfg.store, .info = &w->s->info, .now_ms = sm_wall_ms()};
    struct group *g = w->next;

    w->n_ahead = 0;
    for (size_t i = 0; i < g->n; i++) {
        struct ops_request *r = &g->reqs[i];
        int rc = ops_request_prepare(r, &c);

        if (rc)
            return rc;
        if (!r->ahead)
            continue;
        if (w->n_ahead + r->ahead->n_ok > w->cap_ahead) {
            size_t cap = SM_MAX(w->n_ahead + r->ahead->n_ok, 2 * w->cap_ahead);
            struct profile **v = realloc(w->ahead, cap * sizeof(*v));

            if (!v)
                return -ENOMEM;
            w->ahead = v;
            w->cap_ahead = cap;
        }
        memcpy(w->ahead + w->n_ahead, r->ahead->ok, r->ahead->n_ok * sizeof(*w->ahead));
        w->n_ahead += r->ahead->n_ok;
    }
    return 0;
}

/* Decode next's imports and hand them to store_prepare: the ahead job. */
static void ahead_prepare(struct writer *w)
{
    if (ahead_collect(w))
        w->n_ahead = 0;
    if (w->n_ahead)
        store_prepare(w->s->cfg.store, w->ahead, w->n_ahead);
}

static void *ahead_main(void *arg)
{
    struct writer *w = arg;
    struct ahead_worker *aw = &w->aw;

    pthread_mutex_lock(&aw->mu);
    for (;;) {
        while (!aw->busy && !aw->quit)
            pthread_cond_wait(&aw->cv, &aw->mu);
        if (!aw->busy)
            break; /* quit, with no job left */
        pthread_mutex_unlock(&aw->mu);
        ahead_prepare(w);
        pthread_mutex_lock(&aw->mu);
        aw->busy = false;
        pthread_cond_broadcast(&aw->cv);
    }
    pthread_mutex_unlock(&aw->mu);
    return NULL;
}

static void ahead_init(struct writer *w)
{
    struct ahead_worker *aw = &w->aw;

    memset(aw, 0, sizeof(*aw));
    if (pthread_mutex_init(&aw->mu, NULL))
        return;
    if (pthread_cond_init(&aw->cv, NULL)) {
        pthread_mutex_destroy(&aw->mu);
        return;
    }
    aw->on = pthread_create(&aw->th, NULL, ahead_main, w) == 0;
    if (!aw->on) {
        log_warn("server: no ahead thread; the writer decodes imports itself");
        pthread_cond_destroy(&aw->cv);
        pthread_mutex_destroy(&aw->mu);
    }
}

/* Wait until the ahead job, if any, is done with next (and w->ahead). */
static void ahead_wait(struct writer *w)
{
    struct ahead_worker *aw = &w->aw;

    if (!aw->on)
        return;
    pthread_mutex_lock(&aw->mu);
    while (aw->busy)
        pthread_cond_wait(&aw->cv, &aw->mu);
    pthread_mutex_unlock(&aw->mu);
}

static void ahead_start(struct writer *w)
{
    struct ahead_worker *aw = &w->aw;

    if (!aw->on) {
        ahead_prepare(w);
        return;
    }
    pthread_mutex_lock(&aw->mu);
    aw->busy = true;
    pthread_cond_broadcast(&aw->cv);
    pthread_mutex_unlock(&aw->mu);
}

static void ahead_stop(struct writer *w)
{
    struct ahead_worker *aw = &w->aw;

    if (!aw->on)
        return;
    pthread_mutex_lock(&aw->mu);
    aw->quit = true;
    pthread_cond_broadcast(&aw->cv);
    pthread_mutex_unlock(&aw->mu);
    pthread_join(aw->th, NULL);
    pthread_cond_destroy(&aw->cv);
    pthread_mutex_destroy(&aw->mu);
    aw->on = false;
}

/*
 * Once cur's requests have run, the rest of its turn is the writer's alone: applying the
 * postings and committing take about half of an import's time. So take the requests queued
 * behind cur as the next group now and let the ahead thread decode its imports and hand them to
 * store_prepare: the index's helpers analyse them meanwhile, on the other core (before, they
 * waited for the next group, and the writer then did half the analysis itself). Taken once per
 * group; a re-run after map growth only hands them to store_prepare again (cur's own imports
 * replaced them). Failing to prepare costs speed only: an import not prepared decodes and
 * analyses itself.
 */
static void take_ahead(struct writer *w)
{
    struct store *st = w->s->cfg.store;

    ahead_wait(w); /* a re-run: the first run's job may still be going */
    store_prepare_end(st); /* cur's imports are done with theirs (or next's, on a re-run) */
    if (!w->ahead_taken) {
        w->ahead_taken = true;
        group_recv(w, w->next, false);
        ahead_start(w);
        return;
    }
    if (w->n_ahead)
        store_prepare(st, w->ahead, w->n_ahead);
}

static int exec_one(struct store_txn *t, void *arg)
{
    struct one *o = arg;
    struct writer *w = o->w;
    struct ops_ctx c = {
        .st = w->s->cfg.store,
        .txn = t,
        .events = &w->ev,
        .info = &w->s->info,
        .now_ms = w->now_ms,
    };

    o->exec_rc = ops_execute(&w->cur->reqs[o->i], &c, &w->cur->outs[o->i]);
    return o->exec_rc;
}

/* The store_write_fn of a batch: may run several times (map growth), so it starts clean. */
static int run_batch(struct store_txn *t, void *arg)
{
    struct writer *w = arg;
    struct group *g = w->cur;

    /*
     * A re-run after map growth: the first run's ahead job may still be preparing next, and
     * cur's puts read (an import of its own: replace) the index's prepared set.
     */
    ahead_wait(w);
    ops_events_clear(&w->ev);
    for (size_t i = 0; i < g->n; i++) {
        struct ops_request *r = &g->reqs[i];
        struct one o = {w, i, 0};
        size_t mark = w->ev.n;

        if (r->rc) {
            g->rcs[i] = ops_execute(r, &(struct ops_ctx){.info = &w->s->info}, &g->outs[i]);
            continue;
        }
        g->rcs[i] = store_txn_nested(t, exec_one, &o);
        if (t->map_full)
            return SM_ESTORE;
        if (g->rcs[i] && g->rcs[i] != o.exec_rc) {
            /* The handler succeeded but its nested txn did not commit: it did not happen. */
            struct sm_error e;

            w->ev.n = mark;
            sm_error_set(&e, SM_ESTORE, "", "storage error: not saved");
            ops_pack_error_reply(&g->outs[i], r->req.id, &e);
        }
    }
    take_ahead(w);
    return 0;
}

static void publish(struct writer *w)
{
    const char *base = w->ev.buf.data;

    for (size_t i = 0; i < w->ev.n; i++) {
        const struct ops_event *e = &w->ev.v[i];
        /* PUB never blocks: at its high-water mark a slow subscriber loses updates. */
        if (zmq_send(w->s->pub, base + e->topic_off, e->topic_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
            zmq_send(w->s->pub, base + e->data_off, e->data_len, ZMQ_DONTWAIT);
    }
    ops_events_clear(&w->ev);
}

/* Run, commit and answer cur; next may be taken meanwhile (take_ahead). */
static void process_batch(struct writer *w)
{
    struct server *s = w->s;
    struct group *g = w->cur;
    int rc;

    w->now_ms = sm_wall_ms();
    w->ahead_taken = false;
    rc = store_write(s->cfg.store, run_batch, w);
    /*
     * A last run that stopped before take_ahead (the map full and not grown) left cur's
     * prepared set in place: end it before cur's profiles are freed below, or a helper could
     * still read one, and a later put find a stale doc at a reused address.
     */
    if (!w->ahead_taken)
        store_prepare_end(s->cfg.store);
    if (rc) {
        log_error("server: commit of %zu requests failed: %s", g->n, sm_strerror(rc));
        ops_events_clear(&w->ev);
        for (size_t i = 0; i < g->n; i++) {
            struct sm_error e;

            if (g->reqs[i].rc) {
                ops_pack_error_reply(&g->outs[i], g->reqs[i].req.id, &g->reqs[i].err);
                continue;
            }
            sm_error_set(&e, rc == -ENOMEM ? SM_ENOMEM : SM_ESTORE, "", "storage error: not saved");
            ops_pack_error_reply(&g->outs[i], g->reqs[i].req.id, &e);
        }
    }
    /* Durable now (or failed): answer everyone, then tell subscribers. */
    for (size_t i = 0; i < g->n; i++) {
        ops_request_release(&g->reqs[i]);
        if (frames_set_payload(&g->batch[i], g->outs[i].data, g->outs[i].size) == 0)
            frames_send(s->writer_out, &g->batch[i], 0, NULL, 0);
        else
            frames_close(&g->batch[i]);
        /* Keep the reply buffers from growing without bound after one huge reply. */
        if (g->outs[i].alloc > (1u << 20)) {
            msgpack_sbuffer_destroy(&g->outs[i]);
            msgpack_sbuffer_init(&g->outs[i]);
        }
    }
    publish(w);
    g->n = 0;
}

/*
 * Wait up to WRITER_IDLE_MS for a request; if none comes, tell the store its writer is idle.
 * Called only after a batch, so an idle engine does not wake up every second.
 */
static void writer_wait(struct writer *w)
{
    zmq_pollitem_t it = {.socket = w->s->writer_in, .events = ZMQ_POLLIN};

    if (zmq_poll(&it, 1, WRITER_IDLE_MS) == 0)
        store_idle(w->s->cfg.store);
}

static void *writer_main(void *arg)
{
    struct server *s = arg;
    unsigned max = s->cfg.batch_max;
    struct writer w = {.s = s};
    bool worked = false;

    ops_events_init(&w.ev);
    w.cur = &w.g[0];
    w.next = &w.g[1];
    if (group_init(&w.g[0], max) || group_init(&w.g[1], max)) {
        log_error("server: writer out of memory");
        goto out;
    }
    ahead_init(&w);
    for (;;) {
        struct group *t;

        if (w.cur->n == 0) {
            if (w.stop)
                break;
            if (worked)
                writer_wait(&w);
            worked = false;
            /* Block for the first request, then take whatever else is queued: the group. */
            group_recv(&w, w.cur, true);
            if (w.cur->n == 0)
                continue;
        }
        process_batch(&w);
        ahead_wait(&w); /* next is the writer's again */
        worked = true;
        t = w.cur;
        w.cur = w.next;
        w.next = t;
    }
out:
    ahead_stop(&w);
    store_prepare_end(s->cfg.store);
    group_release(&w.g[0], max);
    group_release(&w.g[1], max);
    free(w.ahead);
    ops_events_release(&w.ev);
    zmq_close(s->writer_in);
    zmq_close(s->writer_out);
    zmq_close(s->pub);
    return NULL;
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

static void *new_socket(struct server *s, int type, int *rc)
{
    void *sock = zmq_socket(s->ctx, type);

    if (!sock)
        *rc = -errno;
    return sock;
}

static int bind_public(struct server *s)
{
    int64_t maxsize = SERVER_MAX_MSG_SIZE;
    int rc = 0;

    s->front = new_socket(s, ZMQ_ROUTER, &rc);
    if (!s->front)
        return rc;
    if (zmq_setsockopt(s->front, ZMQ_MAXMSGSIZE, &maxsize, sizeof(maxsize)) ||
        set_int(s->front, ZMQ_LINGER, FRONT_LINGER_MS) ||
        set_int(s->front, ZMQ_ROUTER_MANDATORY, 1) || set_int(s->front, ZMQ_SNDHWM, FRONT_SNDHWM) ||
        set_int(s->front, ZMQ_RCVHWM, FRONT_RCVHWM))
        return -errno;
    if (zmq_bind(s->front, s->cfg.endpoint) != 0) {
        rc = -errno;
        log_error("server: bind %s: %s", s->cfg.endpoint, zmq_strerror(-rc));
        return rc;
    }
    s->pub = new_socket(s, ZMQ_PUB, &rc);
    if (!s->pub)
        return rc;
    if (set_int(s->pub, ZMQ_LINGER, 0) || set_int(s->pub, ZMQ_SNDHWM, PUB_SNDHWM))
        return -errno;
    if (zmq_bind(s->pub, s->cfg.pub_endpoint) != 0) {
        rc = -errno;
        log_error("server: bind %s: %s", s->cfg.pub_endpoint, zmq_strerror(-rc));
        return rc;
    }
    return 0;
}

/* An inproc socket: no high-water mark (the broker bounds what is in flight), no linger. */
static void *inproc(struct server *s, int type, const char *ep, bool bind, int *rc)
{
    void *sock = new_socket(s, type, rc);

    if (!sock)
        return NULL;
    if (set_int(sock, ZMQ_SNDHWM, 0) || set_int(sock, ZMQ_RCVHWM, 0) ||
        set_int(sock, ZMQ_LINGER, 0) ||
        (type == ZMQ_ROUTER && set_int(sock, ZMQ_ROUTER_MANDATORY, 1)) ||
        (bind ? zmq_bind(sock, ep) : zmq_connect(sock, ep)) != 0) {
        *rc = -errno;
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

static int make_sockets(struct server *s)
{
    int rc = bind_public(s);

    if (rc)
        return rc;
    if (!(s->backend = inproc(s, ZMQ_ROUTER, EP_READERS, true, &rc)) ||
        !(s->to_writer = inproc(s, ZMQ_PUSH, EP_WRITER, true, &rc)) ||
        !(s->from_writer = inproc(s, ZMQ_PULL, EP_REPLIES, true, &rc)) ||
        !(s->broker_ctl = inproc(s, ZMQ_PAIR, EP_CONTROL, true, &rc)) ||
        !(s->ctl = inproc(s, ZMQ_PAIR, EP_CONTROL, false, &rc)) ||
        !(s->writer_in = inproc(s, ZMQ_PULL, EP_WRITER, false, &rc)) ||
        !(s->writer_out = inproc(s, ZMQ_PUSH, EP_REPLIES, false, &rc)))
        return rc;
    for (unsigned i = 0; i < s->n_readers; i++) {
        struct reader *r = &s->readers[i];
        char id[2] = {'r', (char)i};

        r->s = s;
        r->index = i;
        r->sock = new_socket(s, ZMQ_DEALER, &rc);
        if (!r->sock)
            return rc;
        if (zmq_setsockopt(r->sock, ZMQ_ROUTING_ID, id, sizeof(id)) ||
            set_int(r->sock, ZMQ_SNDHWM, 0) || set_int(r->sock, ZMQ_RCVHWM, 0) ||
            set_int(r->sock, ZMQ_LINGER, 0) || zmq_connect(r->sock, EP_READERS))
            return -errno;
    }
    return 0;
}

/* Close what no thread has taken (server_new failing halfway). */
static void close_unowned(struct server *s)
{
    if (!s->broker_started) {
        void *socks[] = {s->front, s->backend, s->to_writer, s->from_writer, s->broker_ctl};
        for (size_t i = 0; i < SM_ARRAY_SIZE(socks); i++)
            if (socks[i])
                zmq_close(socks[i]);
    }
    if (!s->writer_started) {
        void *socks[] = {s->writer_in, s->writer_out, s->pub};
        for (size_t i = 0; i < SM_ARRAY_SIZE(socks); i++)
            if (socks[i])
                zmq_close(socks[i]);
    }
    for (unsigned i = s->started_readers; i < s->n_readers; i++)
        if (s->readers && s->readers[i].sock)
            zmq_close(s->readers[i].sock);
}

int server_new(struct server **out, const struct server_config *cfg)
{
    struct server *s;
    int rc;

    *out = NULL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->cfg = *cfg;
    if (!s->cfg.readers)
        s->cfg.readers = 2;
    if (s->cfg.readers > READERS_MAX)
        s->cfg.readers = READERS_MAX;
    if (!s->cfg.batch_max)
        s->cfg.batch_max = 1024;
    s->n_readers = s->cfg.readers;
    if (cfg->info)
        s->info = *cfg->info;
    s->info.readers = s->n_readers;
    s->readers = calloc(s->n_readers, sizeof(*s->readers));
    s->ctx = zmq_ctx_new();
    if (!s->readers || !s->ctx) {
        rc = -ENOMEM;
        goto fail;
    }
    rc = make_sockets(s);
    if (rc)
        goto fail;
    rc = -pthread_create(&s->writer, NULL, writer_main, s);
    if (rc)
        goto fail;
    s->writer_started = true;
    for (; s->started_readers < s->n_readers; s->started_readers++) {
        struct reader *r = &s->readers[s->started_readers];
        rc = -pthread_create(&r->thread, NULL, reader_main, r);
        if (rc)
            goto fail;
    }
    rc = -pthread_create(&s->broker, NULL, broker_main, s);
    if (rc)
        goto fail;
    s->broker_started = true;
    *out = s;
    return 0;
fail:
    /* Threads already running are blocked in ZeroMQ calls: shutting the context ends them. */
    if (s->ctx)
        zmq_ctx_shutdown(s->ctx);
    if (s->writer_started)
        pthread_join(s->writer, NULL);
    for (unsigned i = 0; i < s->started_readers; i++)
        pthread_join(s->readers[i].thread, NULL);
    close_unowned(s);
    if (s->ctl)
        zmq_close(s->ctl);
    if (s->ctx)
        zmq_ctx_term(s->ctx);
    free(s->readers);
    free(s);
    return rc;
}

int server_stop(struct server *s)
{
    if (!s || s->stopped)
        return 0;
    s->stopped = true;
    if (zmq_send(s->ctl, msg_stop, strlen(msg_stop), 0) < 0)
        zmq_ctx_shutdown(s->ctx);
    pthread_join(s->broker, NULL);
    for (unsigned i = 0; i < s->n_readers; i++)
        pthread_join(s->readers[i].thread, NULL);
    pthread_join(s->writer, NULL);
    zmq_close(s->ctl);
    /* Waits up to FRONT_LINGER_MS for the last replies to leave. */
    zmq_ctx_term(s->ctx);
    return 0;
}

void server_destroy(struct server **sp)
{
    struct server *s = sp ? *sp : NULL;

    if (!s)
        return;
    server_stop(s);
    free(s->readers);
    free(s);
    *sp = NULL;
}
