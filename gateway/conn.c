/* conn.c - one HTTP connection: read, parse, dispatch, write; see conn.h and http.h. */
#include "sm.h"
#include "conn.h"
#include "jsonmp.h"
#include "log.h"

/* Read buffers: small while waiting for headers, larger while a body streams in. */
#define READ_SMALL (16u << 10)
#define READ_BIG (64u << 10)
/* Buffers grown past this by one request are freed afterwards, not kept per connection. */
#define KEEP_CAP (256u << 10)
#define LINGER_MS 2000
#define LINGER_BYTES (4u << 20)

static int on_message_begin(http_parser *p);
static int on_url(http_parser *p, const char *at, size_t len);
static int on_header_field(http_parser *p, const char *at, size_t len);
static int on_header_value(http_parser *p, const char *at, size_t len);
static int on_headers_complete(http_parser *p);
static int on_body(http_parser *p, const char *at, size_t len);
static int on_message_complete(http_parser *p);

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static void conn_parse(struct conn *c);
static void conn_next_request(struct conn *c);
static void conn_write_response(struct conn *c, int status, const char *ctype, const char *headers,
                                struct buf *body);

/* ---- small helpers ------------------------------------------------------------------------ */

static void timer_cb(uv_timer_t *t);

static void conn_timer(struct conn *c, uint64_t ms)
{
    uv_timer_start(&c->timer, timer_cb, ms, 0);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    struct conn *c = SM_CONTAINER_OF((uv_tcp_t *)h, struct conn, tcp);
    size_t want = c->state == CS_BODY ? READ_BIG : READ_SMALL;

    (void)suggested;
    /* Only unparsed pipelined bytes can be left here, and then we are not reading: so the
     * buffer is empty when a read starts, except in LINGER where input is dropped anyway. */
    if (c->state == CS_LINGER || c->state == CS_STREAMING)
        c->in.len = c->in_off = 0;
    if (buf_reserve(&c->in, want)) {
        b->base = NULL;
        b->len = 0;
        return;
    }
    b->base = c->in.data + c->in.len;
    b->len = c->in.cap - c->in.len - 1;
}

/* Reason to answer with and close; the parser is paused so execute() returns at once. */
static int reject(struct conn *c, int status, int code, const char *field, const char *msg)
{
    if (!c->reject_status) {
        c->reject_status = status;
        sm_error_set(&c->reject_err, code, field, "%s", msg);
    }
    http_parser_pause(&c->parser, 1);
    return 0;
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

static void conn_read_start(struct conn *c)
{
    if (!c->reading && uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) == 0)
        c->reading = true;
}

static void conn_read_stop(struct conn *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

/* ---- close -------------------------------------------------------------------------------- */

static void close_cb(uv_handle_t *h)
{
    struct conn *c = h->data;
    struct http_server *s = c->srv;

    if (--c->open_handles > 0)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->n_conns--;
    if (s->metrics)
        s->metrics->conns_open = s->n_conns;
    buf_release(&c->in);
    buf_release(&c->url);
    buf_release(&c->hdr);
    buf_release(&c->body);
    buf_release(&c->out_head);
    buf_release(&c->out_body);
    free(c);
    if (s->stopping && s->n_conns == 0 && !s->listening && s->on_stopped) {
        void (*cb)(struct http_server *) = s->on_stopped;
        s->on_stopped = NULL;
        cb(s);
    }
}

/* The application's stream is over: tell it once (it forgets the request). */
static void stream_notify(struct conn *c)
{
    void (*cb)(void *) = c->stream_closed;

    c->stream_closed = NULL;
    if (cb)
        cb(c->stream_arg);
}

static void conn_linger(struct conn *c);

void conn_close(struct conn *c)
{
    if (c->state == CS_CLOSING)
        return;
    if (c->state == CS_DISPATCHED) {
        c->close_after = true;
        return;
    }
    if (c->state == CS_STREAMING)
        stream_notify(c);
    c->state = CS_CLOSING;
    c->reading = false;
    uv_close((uv_handle_t *)&c->tcp, close_cb);
    uv_close((uv_handle_t *)&c->timer, close_cb);
}

void conn_close_if_idle(struct conn *c)
{
    if (c->state == CS_STREAMING) {
        /* A stream never finishes by itself: end it cleanly (what is queued, then FIN). */
        stream_notify(c);
        conn_linger(c);
        return;
    }
    if (c->state != CS_DISPATCHED && c->state != CS_WRITING)
        conn_close(c);
}

/* ---- accept ------------------------------------------------------------------------------- */

static void overflow_close_cb(uv_handle_t *h)
{
    free(h);
}

void conn_accept(struct http_server *s)
{
    struct conn *c;
    bool over = s->n_conns >= s->lim.max_conns;

    /* Far over the limit even the 503 costs too much: accept (or libuv stops accepting
     * altogether) and close at once. */
    if (s->n_conns >= s->lim.max_conns + 64) {
        uv_tcp_t *t = malloc(sizeof(*t));
        if (!t || uv_tcp_init(s->loop, t)) {
            free(t);
            return;
        }
        uv_accept((uv_stream_t *)&s->listener, (uv_stream_t *)t);
        uv_close((uv_handle_t *)t, overflow_close_cb);
        if (s->metrics)
            s->metrics->conns_rejected++;
        return;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->srv = s;
    if (uv_tcp_init(s->loop, &c->tcp)) {
        free(c);
        return;
    }
    uv_timer_init(s->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->open_handles = 2;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->n_conns++;
    if (s->metrics) {
        s->metrics->conns_open = s->n_conns;
        s->metrics->conns_total++;
    }
    buf_init(&c->in);
    buf_init(&c->url);
    buf_init(&c->hdr);
    buf_init(&c->body);
    buf_init(&c->out_head);
    buf_init(&c->out_body);
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    c->req.route_label = "other";
    c->keep_alive = true;
    if (uv_accept((uv_stream_t *)&s->listener, (uv_stream_t *)&c->tcp)) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    if (over) {
        struct sm_error e;

        if (s->metrics)
            s->metrics->conns_rejected++;
        sm_error_set(&e, SM_EUNAVAIL, "", "too many connections");
        c->close_after = true;
        http_respond_error(&c->req, 503, &e, NULL);
        return;
    }
    c->state = CS_IDLE;
    /* A fresh connection is expected to send its request soon, not idle like keep-alive. */
    conn_timer(c, s->lim.header_timeout_ms);
    conn_read_start(c);
}

/* ---- parser callbacks --------------------------------------------------------------------- */

static int on_message_begin(http_parser *p)
{
    struct conn *c = p->data;

    c->state = CS_HEAD;
    conn_timer(c, c->srv->lim.header_timeout_ms);
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;

    if (c->url.len + len > c->srv->lim.max_url)
        return reject(c, 414, SM_ETOOLARGE, "", "request target is too long");
    buf_append(&c->url, at, len);
    return 0;
}

/* Terminate the header being collected (trailing blanks dropped). */
static void finish_header(struct conn *c)
{
    if (!c->in_value)
        return;
    while (c->hdr.len > c->value_off[c->n_headers - 1] &&
           (c->hdr.data[c->hdr.len - 1] == ' ' || c->hdr.data[c->hdr.len - 1] == '\t'))
        c->hdr.len--;
    buf_putc(&c->hdr, '\0');
    c->in_value = false;
}

static bool tchar(unsigned char ch)
{
    /* RFC 9110 token characters: what a field name may hold. */
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;

    if (c->in_value || c->n_headers == 0) {
        finish_header(c);
        if (c->n_headers == CONN_MAX_HEADERS)
            return reject(c, 431, SM_ETOOLARGE, "", "too many request headers");
        c->name_off[c->n_headers++] = (uint32_t)c->hdr.len;
        c->value_off[c->n_headers - 1] = 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)at[i];

        /* http-parser accepts "Content-Length : 5"; a proxy in front might read it otherwise
         * (request smuggling), so any non-token byte in a name is refused. */
        if (!tchar(ch))
            return reject(c, 400, SM_EBADREQ, "", "invalid character in a header name");
        buf_putc(&c->hdr, (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : (char)ch);
    }
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;

    if (!c->in_value) {
        buf_putc(&c->hdr, '\0');
        c->value_off[c->n_headers - 1] = (uint32_t)c->hdr.len;
        c->in_value = true;
    }
    buf_append(&c->hdr, at, len);
    return 0;
}

const char *http_req_header(const struct http_req *req, const char *name, size_t *len)
{
    const struct conn *c = SM_CONTAINER_OF(req, struct conn, req);

    for (unsigned i = 0; i < c->n_headers; i++) {
        if (c->value_off[i] && strcmp(c->hdr.data + c->name_off[i], name) == 0) {
            const char *v = c->hdr.data + c->value_off[i];
            if (len)
                *len = strlen(v);
            return v;
        }
    }
    return NULL;
}

static bool ieq(const char *a, size_t n, const char *b)
{
    return strlen(b) == n && strncasecmp(a, b, n) == 0;
}

static int on_headers_complete(http_parser *p)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    struct conn *c = p->data;
    struct http_server *s = c->srv;
    struct http_req *r = &c->req;
    const char *expect;
    size_t limit, n;
    char *q;

    finish_header(c);
    if (buf_err(&c->hdr) || buf_err(&c->url))
        return reject(c, 503, SM_ENOMEM, "", "out of memory");
    if (p->http_major != 1)
        return reject(c, 400, SM_EBADREQ, "", "only HTTP/1.0 and HTTP/1.1 are supported");
    if (c->url.len == 0 || c->url.data[0] != '/')
        return reject(c, 400, SM_EBADREQ, "", "request target must be an absolute path");
    q = memchr(c->url.data, '?', c->url.len);
    r->path = c->url.data;
    r->path_len = q ? (size_t)(q - c->url.data) : c->url.len;
    r->query = q ? q + 1 : "";
    if (q)
        *q = '\0';
    if (memchr(r->path, '\0', r->path_len))
        return reject(c, 400, SM_EBADREQ, "", "NUL byte in the request target");
    r->method = http_method_str((enum http_method)p->method);
    r->method_bit = route_method_bit(r->method);
    r->start_ns = sm_now_ns();
    r->route_label = "other";
    c->keep_alive = http_should_keep_alive(p);

    limit = s->app.on_head ? s->app.on_head(s->app.user, r) : 0;
    if (limit == 0)
        limit = s->lim.max_body;
    c->body_limit = limit;
    /* http-parser has no body limit: refuse from Content-Length before reading the body. */
    if (!(p->flags & F_CHUNKED) && p->content_length != ULLONG_MAX && p->content_length > limit) {
        char msg[96];
        snprintf(msg, sizeof(msg), "request body is over %zu bytes", limit);
        return reject(c, 413, SM_ETOOLARGE, "", msg);
    }
    if (!(p->flags & F_CHUNKED) && p->content_length != ULLONG_MAX && p->content_length > 0 &&
        buf_reserve(&c->body, (size_t)p->content_length))
        return reject(c, 503, SM_ENOMEM, "", "out of memory");
    expect = http_req_header(r, "expect", &n);
    if (expect && ieq(expect, n, "100-continue") && p->http_minor >= 1 &&
        ((p->flags & F_CHUNKED) || (p->content_length != ULLONG_MAX && p->content_length > 0))) {
        uv_buf_t b = uv_buf_init((char *)cont, sizeof(cont) - 1);
        /* A failure shows up again on the response's own write. */
        uv_write(&c->creq, (uv_stream_t *)&c->tcp, &b, 1, NULL);
    }
    c->state = CS_BODY;
    conn_timer(c, s->lim.body_timeout_ms);
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;

    /* Chunked bodies have no length up front: count what arrives. */
    if (len > c->body_limit - c->body.len) {
        char msg[96];
        snprintf(msg, sizeof(msg), "request body is over %zu bytes", c->body_limit);
        return reject(c, 413, SM_ETOOLARGE, "", msg);
    }
    buf_append(&c->body, at, len);
    if (buf_err(&c->body))
        return reject(c, 503, SM_ENOMEM, "", "out of memory");
    return 0;
}

static int on_message_complete(http_parser *p)
{
    struct conn *c = p->data;

    /* Stop here: bytes after this request wait in c->in until its response is written. */
    c->msg_done = true;
    http_parser_pause(p, 1);
    return 0;
}

/* ---- dispatch and respond ----------------------------------------------------------------- */

static void conn_dispatch(struct conn *c)
{
    struct http_server *s = c->srv;
    struct http_req *r = &c->req;

    conn_read_stop(c);
    uv_timer_stop(&c->timer);
    c->state = CS_DISPATCHED;
    if (c->parser.upgrade)
        c->close_after = true; /* no protocol switch here; what follows is not HTTP to us */
    buf_reserve(&c->body, 0);
    r->body = c->body.data ? c->body.data : "";
    r->body_len = c->body.len;
    s->app.on_request(s->app.user, r);
}

static void conn_reject(struct conn *c)
{
    struct buf body = BUF_INIT;

    c->close_after = true;
    buf_puts(&body, "{\"error\":");
    jsonmp_put_error(&body, &c->reject_err);
    buf_putc(&body, '}');
    conn_write_response(c, c->reject_status, "application/json", NULL, &body);
    buf_release(&body);
}

static void conn_bad_request(struct conn *c, enum http_errno err)
{
    char msg[160];

    if (err == HPE_HEADER_OVERFLOW) {
        snprintf(msg, sizeof(msg), "request headers are over %zu bytes", c->srv->lim.max_header);
        c->reject_status = 431;
        sm_error_set(&c->reject_err, SM_ETOOLARGE, "", "%s", msg);
    } else {
        c->reject_status = 400;
        sm_error_set(&c->reject_err, SM_EBADREQ, "", "malformed http request: %s",
                     http_errno_description(err));
    }
    conn_reject(c);
}

static void conn_parse(struct conn *c)
{
    while (c->in_off < c->in.len &&
           (c->state == CS_IDLE || c->state == CS_HEAD || c->state == CS_BODY)) {
        size_t avail = c->in.len - c->in_off;
        size_t n = http_parser_execute(&c->parser, &settings, c->in.data + c->in_off, avail);
        enum http_errno err = HTTP_PARSER_ERRNO(&c->parser);

        c->in_off += n;
        if (c->reject_status) {
            conn_reject(c);
            return;
        }
        if (err == HPE_PAUSED && c->msg_done) {
            conn_dispatch(c);
            break;
        }
        if (err != HPE_OK) {
            conn_bad_request(c, err);
            return;
        }
        if (n < avail) {
            /* http-parser stops early only for an upgrade: we do not switch protocols. */
            c->reject_status = 400;
            sm_error_set(&c->reject_err, SM_EBADREQ, "", "protocol upgrade is not supported");
            conn_reject(c);
            return;
        }
    }
    if (c->in_off == c->in.len)
        c->in.len = c->in_off = 0;
}

static void read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *b)
{
    struct conn *c = SM_CONTAINER_OF((uv_tcp_t *)stream, struct conn, tcp);

    (void)b;
    if (nread == 0)
        return;
    if (nread < 0) {
        /* EOF or a reset: a partial request is dropped; a lingering close is done. */
        conn_close(c);
        return;
    }
    if (c->state == CS_STREAMING)
        return; /* a stream's client has nothing more to say: dropped */
    if (c->state == CS_LINGER) {
        c->linger_bytes += (size_t)nread;
        if (c->linger_bytes > LINGER_BYTES)
            conn_close(c);
        return;
    }
    c->in.len += (size_t)nread;
    c->in.data[c->in.len] = '\0';
    if (c->state == CS_BODY)
        conn_timer(c, c->srv->lim.body_timeout_ms); /* the body is still moving */
    conn_parse(c);
}

static void reset_request(struct conn *c)
{
    struct buf *bufs[] = {&c->url, &c->hdr, &c->body, &c->out_body};

    for (size_t i = 0; i < SM_ARRAY_SIZE(bufs); i++) {
        if (bufs[i]->cap > KEEP_CAP)
            buf_release(bufs[i]);
        else
            buf_reset(bufs[i]);
    }
    /* The read buffer grew for a body: give it back, idle connections keep a small one. */
    if (c->in.cap > 2 * READ_SMALL && c->in_off == c->in.len) {
        buf_release(&c->in);
        c->in_off = 0;
    }
    c->n_headers = 0;
    c->in_value = false;
    c->msg_done = false;
    c->reject_status = 0;
    sm_error_clear(&c->reject_err);
    memset(&c->req, 0, sizeof(c->req));
    c->req.route_label = "other";
}

static void conn_next_request(struct conn *c)
{
    reset_request(c);
    c->state = CS_IDLE;
    http_parser_pause(&c->parser, 0);
    conn_timer(c, c->srv->lim.idle_timeout_ms);
    if (c->in_off < c->in.len)
        conn_parse(c);
    if (c->state == CS_IDLE || c->state == CS_HEAD || c->state == CS_BODY)
        conn_read_start(c);
}

static void shutdown_cb(uv_shutdown_t *req, int status)
{
    struct conn *c = SM_CONTAINER_OF(req, struct conn, sreq);

    if (status == UV_ECANCELED)
        return; /* closed meanwhile */
    /* When stopping, nobody waits for the client's EOF. */
    if (status < 0 || c->srv->stopping)
        conn_close(c);
}

static void conn_linger(struct conn *c)
{
    c->state = CS_LINGER;
    c->in.len = c->in_off = 0;
    conn_timer(c, LINGER_MS);
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, shutdown_cb)) {
        conn_close(c);
        return;
    }
    conn_read_start(c);
}

static void write_cb(uv_write_t *w, int status)
{
    struct conn *c = SM_CONTAINER_OF(w, struct conn, wreq);

    if (c->state == CS_CLOSING)
        return; /* UV_ECANCELED from uv_close: the close callback frees the connection */
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (c->close_after || c->srv->stopping) {
        conn_linger(c);
        return;
    }
    conn_next_request(c);
}

static void timer_cb(uv_timer_t *t)
{
    struct conn *c = SM_CONTAINER_OF(t, struct conn, timer);

    switch (c->state) {
    case CS_HEAD:
    case CS_BODY:
        /* A slow sender (slowloris) gets a 408 and loses the connection. */
        c->reject_status = 408;
        sm_error_set(&c->reject_err, SM_ETIMEOUT, "", "request not received in time");
        conn_reject(c);
        return;
    case CS_IDLE:    /* keep-alive timeout, or a connection that never sent a byte */
    case CS_WRITING: /* the client does not read its response */
    case CS_LINGER:
        conn_close(c);
        return;
    case CS_DISPATCHED:
    case CS_CLOSING:
    case CS_STREAMING:
        return;
    }
}

static void conn_write_response(struct conn *c, int status, const char *ctype, const char *headers,
                                struct buf *body)
{
    struct http_server *s = c->srv;
    struct http_req *r = &c->req;
    bool keep = c->keep_alive && !c->close_after && !s->stopping;
    size_t blen = body ? body->len : 0;
    uv_buf_t bufs[2];
    int rc;

    conn_read_stop(c);
    buf_reset(&c->out_head);
    http_server_date(s);
    buf_printf(&c->out_head, "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Length: %zu\r\n", status,
               http_status_text(status), s->date, blen);
    if (ctype)
        buf_printf(&c->out_head, "Content-Type: %s\r\n", ctype);
    if (!keep)
        buf_puts(&c->out_head, "Connection: close\r\n");
    else if (c->parser.http_major == 1 && c->parser.http_minor == 0)
        buf_puts(&c->out_head, "Connection: keep-alive\r\n");
    if (headers)
        buf_puts(&c->out_head, headers);
    buf_puts(&c->out_head, "\r\n");
    if (body)
        buf_move(&c->out_body, body);
    if (s->metrics)
        metrics_http(s->metrics, (r->method && r->method_bit != RM_OTHER) ? r->method : "OTHER",
                     r->route_label ? r->route_label : "other", status,
                     r->start_ns ? (double)(sm_now_ns() - r->start_ns) / 1e9 : 0.0);
    c->close_after = !keep;
    c->state = CS_WRITING;
    if (buf_err(&c->out_head) || buf_err(&c->out_body)) {
        c->state = CS_LINGER; /* nothing sensible can be sent */
        conn_close(c);
        return;
    }
    bufs[0] = uv_buf_init(c->out_head.data, (unsigned)c->out_head.len);
    bufs[1] = uv_buf_init(c->out_body.data, (unsigned)c->out_body.len);
    rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, bufs, blen ? 2 : 1, write_cb);
    if (rc) {
        conn_close(c);
        return;
    }
    /* One response is queued at a time; this bounds a single huge one to a client that
     * does not read (the write timeout handles a slow one). */
    if (c->tcp.write_queue_size > s->lim.max_write_queue) {
        log_warn("closing a connection with %zu bytes unread by the client",
                 c->tcp.write_queue_size);
        conn_close(c);
        return;
    }
    conn_timer(c, s->lim.write_timeout_ms);
}

void http_respond(struct http_req *req, int status, const char *content_type, const char *headers,
                  struct buf *body)
{
    struct conn *c = SM_CONTAINER_OF(req, struct conn, req);

    assert(c->state == CS_DISPATCHED || c->state == CS_IDLE);
    conn_write_response(c, status, content_type, headers, body);
}

/* ---- streaming responses ------------------------------------------------------------------ */

struct stream_write {
    uv_write_t w;
    char data[];
};

static void stream_write_cb(uv_write_t *w, int status)
{
    struct conn *c = w->handle->data;

    free(w);
    if (status < 0 && status != UV_ECANCELED && c->state == CS_STREAMING)
        conn_close(c);
}

static int stream_send(struct conn *c, const void *data, size_t len)
{
    struct stream_write *sw;
    uv_buf_t b;

    if (len == 0)
        return 0;
    sw = malloc(sizeof(*sw) + len);
    if (!sw) {
        conn_close(c);
        return -ENOMEM;
    }
    memcpy(sw->data, data, len);
    b = uv_buf_init(sw->data, (unsigned)len);
    if (uv_write(&sw->w, (uv_stream_t *)&c->tcp, &b, 1, stream_write_cb)) {
        free(sw);
        conn_close(c);
        return SM_EUNAVAIL;
    }
    if (c->tcp.write_queue_size > c->stream_max_queue) {
        log_warn("closing a stream with %zu bytes unread by the client", c->tcp.write_queue_size);
        conn_close(c);
        return SM_ETOOLARGE;
    }
    return 0;
}

int http_stream_start(struct http_req *req, int status, const char *content_type,
                      const char *headers, size_t max_queue, void (*closed)(void *arg), void *arg)
{
    struct conn *c = SM_CONTAINER_OF(req, struct conn, req);
    struct http_server *s = c->srv;
    struct buf head = BUF_INIT;
    int rc;

    assert(c->state == CS_DISPATCHED);
    if (s->stopping || c->close_after)
        return SM_EUNAVAIL;
    http_server_date(s);
    buf_printf(&head, "HTTP/1.1 %d %s\r\nDate: %s\r\nConnection: close\r\n", status,
               http_status_text(status), s->date);
    if (content_type)
        buf_printf(&head, "Content-Type: %s\r\n", content_type);
    if (headers)
        buf_puts(&head, headers);
    buf_puts(&head, "\r\n");
    if (s->metrics)
        metrics_http(s->metrics, req->method ? req->method : "OTHER",
                     req->route_label ? req->route_label : "other", status,
                     req->start_ns ? (double)(sm_now_ns() - req->start_ns) / 1e9 : 0.0);
    c->state = CS_STREAMING;
    c->close_after = true;
    c->stream_max_queue = max_queue ? max_queue : s->lim.max_write_queue;
    /* Pipelined requests after a stream are never answered: drop them. */
    c->in.len = c->in_off = 0;
    uv_timer_stop(&c->timer);
    rc = buf_err(&head) ? -ENOMEM : 0;
    if (rc)
        conn_close(c);
    else
        rc = stream_send(c, head.data, head.len);
    buf_release(&head);
    if (rc)
        return rc < 0 && rc != SM_EUNAVAIL ? rc : SM_EINTERNAL;
    c->stream_closed = closed;
    c->stream_arg = arg;
    /* Read only to see the client leave (EOF or reset). */
    conn_read_start(c);
    return 0;
}

int http_stream_write(struct http_req *req, const void *data, size_t len)
{
    struct conn *c = SM_CONTAINER_OF(req, struct conn, req);

    if (c->state != CS_STREAMING)
        return SM_EUNAVAIL;
    return stream_send(c, data, len);
}

void http_stream_end(struct http_req *req)
{
    struct conn *c = SM_CONTAINER_OF(req, struct conn, req);

    if (c->state != CS_STREAMING)
        return;
    c->stream_closed = NULL;
    conn_linger(c);
}
