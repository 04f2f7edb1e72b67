/* api_stream.c - live event streams (SSE) fed by the engine's updates; see api_stream.h. */
#include "sm.h"
#include "api_int.h"
#include "query.h"
#include "api_stream.h"
#include "log.h"
#include "sse.h"

#define CHANGES_PAGE 1000 /* event.changes' largest page */
#define TICK_MS 1000

const struct stream_hub_opts stream_hub_default_opts = {
    .max_streams = 256,
    .max_queue = 1u << 20,
    .max_pending = 10000,
    .ping_ms = 15000,
    .max_msg = 1u << 20,
};

struct stream {
    struct stream_hub *hub;
    struct stream *prev, *next;
    struct http_req *req;
    struct api *api;
    char event[ROUTE_PARAM_MAX];
    bool started;    /* 200 and headers sent: the request is a stream now */
    bool anchored;   /* a start point is known (Last-Event-ID, or the event's newest seq) */
    bool need_fetch; /* a fetch is due and could not be sent yet (retried every tick) */
    struct sse_cursor cur;
    struct ecli_req *call; /* event.changes in flight */
    uint64_t next_ping_ms;
};

static void stream_fetch(struct stream *s);

/* ---- query strings ------------------------------------------------------------------------ */

/* ---- change text -------------------------------------------------------------------------- */

/* Append the SSE frame of one change: data is {"seq","type","ts","data"} as JSON. */
static int change_frame(struct buf *out, uint64_t seq, const msgpack_object *change)
{
    const msgpack_object *type = proto_map_get(change, "type");
    const msgpack_object *ts = proto_map_get(change, "ts");
    const msgpack_object *data = proto_map_get(change, "data");
    struct buf j = BUF_INIT;
    int rc = 0;

    buf_printf(&j, "{\"seq\":%" PRIu64 ",\"type\":", seq);
    if (type && type->type == MSGPACK_OBJECT_STR)
        buf_json_str(&j, type->via.str.ptr, type->via.str.size);
    else
        buf_puts(&j, "\"\"");
    buf_puts(&j, ",\"ts\":");
    if (ts && ts->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        buf_printf(&j, "%" PRIu64, ts->via.u64);
    else if (ts && ts->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        buf_printf(&j, "%" PRId64, ts->via.i64);
    else
        buf_puts(&j, "0");
    buf_puts(&j, ",\"data\":");
    if (data)
        rc = jsonmp_to_json(data, NULL, &j);
    else
        buf_puts(&j, "null");
    buf_putc(&j, '}');
    if (!rc)
        rc = buf_err(&j);
    if (!rc) {
        sse_frame(out, seq, type && type->type == MSGPACK_OBJECT_STR ? type->via.str.ptr : "",
                  type && type->type == MSGPACK_OBJECT_STR ? type->via.str.size : 0, j.data, j.len);
        rc = buf_err(out);
    }
    buf_release(&j);
    return rc;
}

static bool get_seq(const msgpack_object *o, uint64_t *seq)
{
    const msgpack_object *s = proto_map_get(o, "seq");

    if (!s || s->type != MSGPACK_OBJECT_POSITIVE_INTEGER || s->via.u64 == 0)
        return false;
    *seq = s->via.u64;
    return true;
}

/* ---- streams ------------------------------------------------------------------------------ */

static void stream_free(struct stream *s)
{
    struct stream_hub *h = s->hub;

    if (s->call)
        ecli_cancel(h->ecli, &s->call);
    if (s->prev)
        s->prev->next = s->next;
    else
        h->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    h->n_streams--;
    sse_cursor_release(&s->cur);
    free(s);
}

/* The connection ended (client gone, too slow, server stopping). */
static void stream_closed(void *arg)
{
    stream_free(arg);
}

/* Write out to the client. false: the stream is gone (freed). */
static bool stream_write(struct stream *s, struct buf *out)
{
    if (!out->len)
        return true;
    if (buf_err(out)) {
        http_stream_end(s->req);
        stream_free(s);
        return false;
    }
    s->next_ping_ms = uv_now(s->hub->loop) + s->hub->opts.ping_ms;
    if (http_stream_write(s->req, out->data, out->len))
        return false; /* closed: stream_closed() freed s */
    buf_reset(out);
    return true;
}

/* End a stream that cannot go on (the event is gone, memory). */
static void stream_end(struct stream *s)
{
    http_stream_end(s->req);
    stream_free(s);
}

/* Answer a request that never became a stream with an error, and forget it. */
static void stream_fail(struct stream *s, int status, const struct proto_reply *rep)
{
    struct http_req *req = s->req;
    struct api *a = s->api;

    stream_free(s);
    if (rep)
        http_respond_error(req, 0, &rep->err, NULL);
    else
        api_respond_engine_status(a, req, status);
}

static int start_stream(struct stream *s)
{
    static const char hdrs[] = "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
    struct buf out = BUF_INIT;
    int rc;

    rc = http_stream_start(s->req, 200, "text/event-stream; charset=utf-8", hdrs,
                           s->hub->opts.max_queue, stream_closed, s);
    if (rc == SM_EUNAVAIL) {
        stream_fail(s, SM_EUNAVAIL, NULL);
        return rc;
    }
    if (rc) {
        stream_free(s); /* the connection is closing; nothing to answer */
        return rc;
    }
    s->started = true;
    /* Clients reconnect after 2 s (with Last-Event-ID) if the connection drops. */
    buf_puts(&out, "retry: 2000\n\n");
    rc = stream_write(s, &out) ? 0 : SM_EUNAVAIL;
    buf_release(&out);
    return rc;
}

static void on_changes(void *arg, int status, const struct proto_reply *rep)
{
    struct stream *s = arg;
    const msgpack_object *changes, *last_seq;
    struct buf out = BUF_INIT;
    uint32_t n;
    bool more;
    int act;

    if (status || !rep->ok) {
        if (!s->started) {
            stream_fail(s, status, status ? NULL : rep);
            return;
        }
        if (status == 0 && rep->err.code == SM_ENOTFOUND) {
            stream_end(s); /* the event is gone */
            return;
        }
        s->need_fetch = true; /* engine down or slow: the tick tries again */
        return;
    }
    changes = proto_map_get(rep->body, "changes");
    last_seq = proto_map_get(rep->body, "last_seq");
    if (!changes || changes->type != MSGPACK_OBJECT_ARRAY) {
        if (!s->started) {
            stream_fail(s, SM_EBADREQ, NULL);
            return;
        }
        s->need_fetch = true;
        return;
    }
    if (!s->started && start_stream(s))
        return;
    if (!s->anchored) {
        /* No Last-Event-ID: the client wants what happens from now on. */
        s->cur.last =
            last_seq && last_seq->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? last_seq->via.u64 : 0;
        s->anchored = true;
        act = sse_cursor_replay_end(&s->cur, false, &out);
    } else {
        /* A Last-Event-ID beyond the event's newest change (another database, a restored
         * backup) would make every new change look old: start over from the newest. */
        if (last_seq && last_seq->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
            last_seq->via.u64 < s->cur.last)
            s->cur.last = last_seq->via.u64;
        n = changes->via.array.size;
        for (uint32_t i = 0; i < n; i++) {
            const msgpack_object *c = &changes->via.array.ptr[i];
            struct buf f = BUF_INIT;
            uint64_t seq;

            if (!get_seq(c, &seq) || seq <= s->cur.last)
                continue;
            if (change_frame(&f, seq, c) == 0)
                sse_cursor_replay(&s->cur, seq, f.data, f.len, &out);
            buf_release(&f);
        }
        /* A full page, or fewer than the event has: there is more to fetch. */
        more = n >= CHANGES_PAGE ||
               (n > 0 && last_seq && last_seq->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
                s->cur.last < last_seq->via.u64);
        act = sse_cursor_replay_end(&s->cur, more, &out);
    }
    if (!stream_write(s, &out)) {
        buf_release(&out);
        return;
    }
    buf_release(&out);
    if (act == SSE_FETCH || s->need_fetch) {
        s->need_fetch = false;
        stream_fetch(s);
    }
}

/* Ask for the changes after the cursor (the cursor buffers live ones meanwhile). */
static void stream_fetch(struct stream *s)
{
    struct buf body = BUF_INIT;
    msgpack_packer pk;
    int rc;

    if (s->call) {
        s->need_fetch = true; /* after the one in flight */
        return;
    }
    if (!s->cur.replaying)
        sse_cursor_replay_begin(&s->cur);
    msgpack_packer_init(&pk, &body, buf_msgpack_write);
    if (msgpack_pack_map(&pk, 3) || proto_pack_cstr(&pk, "event") ||
        proto_pack_cstr(&pk, s->event) || proto_pack_cstr(&pk, "since") ||
        msgpack_pack_uint64(&pk, s->anchored ? s->cur.last : 0) || proto_pack_cstr(&pk, "limit") ||
        msgpack_pack_uint32(&pk, s->anchored ? CHANGES_PAGE : 1))
        body.oom = true;
    rc = buf_err(&body);
    if (!rc)
        rc = ecli_call(s->hub->ecli, "event.changes", body.data, body.len, on_changes, s, &s->call);
    buf_release(&body);
    if (rc) {
        if (!s->started) {
            stream_fail(s, rc, NULL);
            return;
        }
        s->need_fetch = true;
    }
}

/* ---- the hub ------------------------------------------------------------------------------ */

static void on_update(void *user, const char *topic, size_t topic_len,
                      const msgpack_object *payload)
{
    struct stream_hub *h = user;
    const msgpack_object *ev = proto_map_get(payload, "event");
    struct buf frame = BUF_INIT, out = BUF_INIT;
    struct stream *s, *next;
    const char *id;
    size_t id_len;
    uint64_t seq;

    if (topic_len <= 6 || memcmp(topic, "event/", 6) != 0)
        return;
    id = topic + 6;
    id_len = topic_len - 6;
    if (!get_seq(payload, &seq) || !ev || ev->type != MSGPACK_OBJECT_STR ||
        ev->via.str.size != id_len || memcmp(ev->via.str.ptr, id, id_len) != 0) {
        log_warn("dropping a malformed event update on %.*s", (int)SM_MIN(topic_len, 200), topic);
        return;
    }
    h->changes_in++;
    for (s = h->streams; s; s = next) {
        int rc;

        next = s->next;
        if (strlen(s->event) != id_len || memcmp(s->event, id, id_len) != 0)
            continue;
        if (!frame.len && change_frame(&frame, seq, payload))
            break;
        rc = sse_cursor_live(&s->cur, seq, frame.data, frame.len, &out);
        if (rc < 0) {
            log_warn("closing a stream of event %s: %s", s->event, sm_strerror(rc));
            buf_reset(&out);
            if (s->started)
                stream_end(s);
            else
                stream_fail(s, SM_EUNAVAIL, NULL);
            continue;
        }
        if (s->started && !stream_write(s, &out))
            continue;
        buf_reset(&out);
        if (rc == SSE_FETCH && s->started && !s->call)
            stream_fetch(s);
    }
    buf_release(&frame);
    buf_release(&out);
}

static void fetch_all(struct stream_hub *h)
{
    struct stream *s, *next;

    for (s = h->streams; s; s = next) {
        next = s->next;
        if (s->started && s->anchored)
            stream_fetch(s);
    }
}

/*
 * The updates channel (re)connected: what was published meanwhile was lost; fetch it. Our
 * subscription reaches the publisher a moment after the connection, and what it publishes in
 * between is lost too: fetch once more a little later (a later live change would also reveal
 * the gap, but there may be none for a while).
 */
static void on_sub_connect(void *user)
{
    struct stream_hub *h = user;

    fetch_all(h);
    h->recheck_ms = uv_now(h->loop) + 1500;
}

static void tick_cb(uv_timer_t *t)
{
    struct stream_hub *h = SM_CONTAINER_OF(t, struct stream_hub, tick);
    uint64_t now = uv_now(h->loop);
    struct stream *s, *next;
    struct buf ping = BUF_INIT;

    if (h->recheck_ms && now >= h->recheck_ms) {
        h->recheck_ms = 0;
        fetch_all(h);
    }
    sse_comment(&ping, "ping");
    for (s = h->streams; s; s = next) {
        next = s->next;
        if (!s->started)
            continue;
        if (now >= s->next_ping_ms) {
            struct buf out = BUF_INIT;

            buf_append(&out, ping.data, ping.len);
            if (!stream_write(s, &out)) {
                buf_release(&out);
                continue;
            }
            buf_release(&out);
        }
        if (s->need_fetch && !s->call && ecli_is_up(h->ecli)) {
            s->need_fetch = false;
            stream_fetch(s);
        }
    }
    buf_release(&ping);
}

int stream_hub_init(struct stream_hub *h, uv_loop_t *loop, struct ecli *ecli,
                    const char *pub_endpoint, const struct stream_hub_opts *opts)
{
    int rc;

    memset(h, 0, sizeof(*h));
    h->loop = loop;
    h->ecli = ecli;
    h->opts = opts ? *opts : stream_hub_default_opts;
    rc = sub_init(&h->sub, loop, pub_endpoint, h->opts.max_msg, on_update, on_sub_connect, h);
    if (rc)
        return rc;
    if (sub_subscribe(&h->sub, "event/")) {
        sub_close(&h->sub, NULL);
        return SM_EINTERNAL;
    }
    uv_timer_init(loop, &h->tick);
    uv_timer_start(&h->tick, tick_cb, TICK_MS, TICK_MS);
    return 0;
}

static void hub_part_closed(struct stream_hub *h)
{
    if (--h->open_handles == 0 && h->on_closed)
        h->on_closed(h);
}

static void tick_closed(uv_handle_t *t)
{
    hub_part_closed(SM_CONTAINER_OF((uv_timer_t *)t, struct stream_hub, tick));
}

static void sub_closed(struct sub *s)
{
    hub_part_closed(SM_CONTAINER_OF(s, struct stream_hub, sub));
}

void stream_hub_close(struct stream_hub *h, void (*cb)(struct stream_hub *))
{
    struct stream *s, *next;

    if (h->closing)
        return;
    h->closing = true;
    h->on_closed = cb;
    /* The HTTP server ends streams first; whatever is left has no connection to speak of. */
    for (s = h->streams; s; s = next) {
        next = s->next;
        if (s->started)
            stream_end(s);
    }
    h->open_handles = 2;
    uv_close((uv_handle_t *)&h->tick, tick_closed);
    sub_close(&h->sub, sub_closed);
}

/* ---- the route ---------------------------------------------------------------------------- */

static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;

    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

static void event_stream(struct api *a, struct http_req *req)
{
    struct stream_hub *h = a->streams;
    struct stream *s;
    const char *leid;
    char qv[32];
    size_t n = 0;
    uint64_t from = 0;
    bool has_from = false;
    int qn;

    if (!h || h->closing) {
        api_respond_code(req, SM_EUNAVAIL, "", "live streams are not available");
        return;
    }
    leid = http_req_header(req, "last-event-id", &n);
    qn = query_get(req->query, "last_event_id", qv, sizeof(qv));
    if (qn == QUERY_BAD) {
        api_respond_code(req, SM_EINVAL, "last_event_id", "bad percent-escape or value too long");
        return;
    }
    if (leid && n) {
        if (!parse_u64(leid, n, &from)) {
            api_respond_code(req, SM_EINVAL, "Last-Event-ID", "must be a change seq (an integer)");
            return;
        }
        has_from = true;
    } else if (qn > 0) {
        if (!parse_u64(qv, (size_t)qn, &from)) {
            api_respond_code(req, SM_EINVAL, "last_event_id", "must be a change seq (an integer)");
            return;
        }
        has_from = true;
    }
    if (h->n_streams >= h->opts.max_streams) {
        api_respond_code(req, SM_EUNAVAIL, "", "too many live streams, retry later");
        return;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        api_respond_code(req, SM_ENOMEM, "", "out of memory");
        return;
    }
    s->hub = h;
    s->req = req;
    s->api = a;
    sm_strlcpy(s->event, req->match.params[0], sizeof(s->event));
    s->anchored = has_from;
    sse_cursor_init(&s->cur, from, h->opts.max_pending);
    s->next = h->streams;
    if (h->streams)
        h->streams->prev = s;
    h->streams = s;
    h->n_streams++;
    /* Registered before the first fetch: live changes are buffered from now on, so none
     * falls between the fetch and the start of the stream. The first fetch also answers
     * 404 for an unknown event before anything is streamed. */
    stream_fetch(s);
}

bool api_stream_handle(struct api *a, struct http_req *req)
{
    if (req->match.route == ROUTE_EVENT_STREAM) {
        event_stream(a, req);
        return true;
    }
    return api_agenda_handle(a, req);
}
