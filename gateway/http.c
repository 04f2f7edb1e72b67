/* http.c - the listening side of the HTTP server and response helpers; see http.h. */
#include "sm.h"
#include "conn.h"
#include "http.h"
#include "jsonmp.h"
#include "log.h"

#include <http_parser.h>
#include <time.h>

const struct http_limits http_default_limits = {
    .max_conns = 1024,
    .max_header = 16u << 10,
    .max_url = 8u << 10,
    .max_body = 1u << 20,
    .header_timeout_ms = 10000,
    .body_timeout_ms = 30000,
    .idle_timeout_ms = 30000,
    .write_timeout_ms = 30000,
    .max_write_queue = 128u << 20,
};

const char *http_status_text(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}

void http_server_date(struct http_server *s)
{
    time_t now = time(NULL);
    struct tm tm;

    if ((uint64_t)now == s->date_sec && s->date[0])
        return;
    s->date_sec = (uint64_t)now;
    gmtime_r(&now, &tm);
    /* The C locale is never changed in the gateway, so %a and %b are English (RFC 9110). */
    strftime(s->date, sizeof(s->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void on_connection(uv_stream_t *listener, int status)
{
    struct http_server *s = SM_CONTAINER_OF((uv_tcp_t *)listener, struct http_server, listener);

    if (status < 0) {
        log_warn("accept: %s", uv_strerror(status));
        return;
    }
    if (s->stopping)
        return;
    conn_accept(s);
}

int http_server_init(struct http_server *s, uv_loop_t *loop, const struct http_limits *lim,
                     const struct http_app *app, struct metrics *metrics)
{
    memset(s, 0, sizeof(*s));
    s->loop = loop;
    s->lim = lim ? *lim : http_default_limits;
    s->app = *app;
    s->metrics = metrics;
    /* http-parser's header limit is process-wide; the gateway has one server. */
    http_parser_set_max_header_size((uint32_t)s->lim.max_header);
    return uv_tcp_init(loop, &s->listener);
}

int http_server_listen(struct http_server *s, const struct sockaddr *addr)
{
    int rc = uv_tcp_bind(&s->listener, addr, 0);

    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 511, on_connection);
    if (rc == 0)
        s->listening = true;
    return rc;
}

static void listener_closed(uv_handle_t *h)
{
    struct http_server *s = SM_CONTAINER_OF((uv_tcp_t *)h, struct http_server, listener);

    s->listening = false;
    if (s->n_conns == 0 && s->on_stopped) {
        void (*cb)(struct http_server *) = s->on_stopped;
        s->on_stopped = NULL;
        cb(s);
    }
}

void http_server_close_idle(struct http_server *s)
{
    struct conn *c = s->conns, *next;

    for (; c; c = next) {
        next = c->next; /* conn_close only unlinks in its close callback, but be safe */
        conn_close_if_idle(c);
    }
}

void http_server_stop(struct http_server *s, void (*cb)(struct http_server *))
{
    if (s->stopping)
        return;
    s->stopping = true;
    s->on_stopped = cb;
    /* The listener was initialised in http_server_init even when listen failed. */
    uv_close((uv_handle_t *)&s->listener, listener_closed);
    http_server_close_idle(s);
}

void http_respond_error(struct http_req *req, int status, const struct sm_error *e,
                        const char *headers)
{
    struct buf body = BUF_INIT, hdrs = BUF_INIT;

    if (!status)
        status = sm_err_http_status(e->code);
    buf_puts(&body, "{\"error\":");
    jsonmp_put_error(&body, e);
    buf_puts(&body, "}");
    if (status == 503)
        buf_puts(&hdrs, "Retry-After: 1\r\n");
    if (headers)
        buf_puts(&hdrs, headers);
    http_respond(req, status, "application/json", hdrs.len ? hdrs.data : NULL, &body);
    buf_release(&body);
    buf_release(&hdrs);
}
