/*
 * http.h - the gateway's HTTP/1.1 server on libuv and http-parser.
 *
 * One event loop, any number of keep-alive connections, one request at a time per connection:
 * when a request is complete the connection stops reading and parsing (pipelined bytes wait in
 * its buffer) until the response has been written, so responses always leave in request order
 * and a client that pipelines or does not read cannot make the server buffer without bound.
 *
 * Limits (struct http_limits): header bytes (431), body bytes chosen per request by the
 * application from the request line and headers, checked from Content-Length before any body
 * byte is read and counted for chunked bodies (413), open connections (503 to the extra
 * ones), timeouts for slow headers and slow bodies (408), idle keep-alive, and writes a client
 * does not read. Malformed requests (any http-parser error, a header name with whitespace such
 * as "Content-Length : 5") get 400 and the connection closes.
 *
 * The application sees two callbacks (struct http_app): on_head when the headers are
 * complete (to route and choose the body limit) and on_request when the body is complete.
 * It must then call http_respond() exactly once for that request, now or later (after an
 * engine round trip); the connection and the request stay valid until it does.
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "buf.h"
#include "err.h"
#include "metrics.h"
#include "route.h"

struct http_limits {
    unsigned max_conns;         /* open connections; more get 503 and are closed */
    size_t max_header;          /* request line + headers, bytes (http-parser's global limit) */
    size_t max_url;             /* request target, bytes (414 above) */
    size_t max_body;            /* default body limit (on_head may choose another) */
    uint64_t header_timeout_ms; /* first byte of a request to end of its headers */
    uint64_t body_timeout_ms;   /* longest pause between two reads of a body */
    uint64_t idle_timeout_ms;   /* keep-alive connection with no request */
    uint64_t write_timeout_ms;  /* a response not taken by the client in this time: close */
    size_t max_write_queue;     /* bytes queued to one client before it is closed */
};

/* 1024 conns, 16 KiB headers, 8 KiB URL, 1 MiB body, 10 s headers, 30 s body pause,
 * 30 s idle, 30 s write, 128 MiB write queue. */
extern const struct http_limits http_default_limits;

struct http_req {
    /* Filled by the server; pointers valid until http_respond(). */
    const char *method;  /* "GET", ... */
    unsigned method_bit; /* route_method_bit(method) */
    const char *path;    /* NUL-terminated, without the query */
    size_t path_len;
    const char *query; /* NUL-terminated, without '?', "" if none */
    const char *body;  /* NUL-terminated (not counted in body_len) */
    size_t body_len;
    uint64_t start_ns; /* when the headers were complete */

    /* Owned by the application: set in on_head, read back in on_request and http_respond. */
    const char *route_label; /* metrics label (static string), "other" by default */
    int route_rc;            /* route_match result */
    struct route_match match;
    struct sm_error route_err;
    void *app; /* per-request application state */
};

struct http_app {
    /*
     * Headers complete: route the request and return its body limit in bytes (0 means the
     * server's default). Must not respond.
     */
    size_t (*on_head)(void *user, struct http_req *req);
    /* Body complete: handle it; http_respond() exactly once, now or later. */
    void (*on_request)(void *user, struct http_req *req);
    void *user;
};

struct conn;

struct http_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    struct http_limits lim;
    struct http_app app;
    struct metrics *metrics; /* borrowed; may be NULL */
    struct conn *conns;      /* doubly linked list of open connections */
    unsigned n_conns, n_overflow;
    bool listening, stopping;
    void (*on_stopped)(struct http_server *);
    char date[40]; /* cached "Date:" value, refreshed once a second */
    uint64_t date_sec;
};

/* Prepare a server on loop (no socket yet). metrics is borrowed. 0 or a negative uv error. */
int http_server_init(struct http_server *s, uv_loop_t *loop, const struct http_limits *lim,
                     const struct http_app *app, struct metrics *metrics);
/* Bind and listen on addr. 0 or a negative uv error (e.g. UV_EADDRINUSE). */
int http_server_listen(struct http_server *s, const struct sockaddr *addr);
/*
 * Graceful stop: close the listener and idle connections, let requests in progress finish
 * (their responses carry "Connection: close"), then call cb once no connection is left.
 */
void http_server_stop(struct http_server *s, void (*cb)(struct http_server *));
/* Connections being read or written (not waiting for the application) are closed now. */
void http_server_close_idle(struct http_server *s);

/* A request header by lower-case name; NULL if absent. *len gets the value's length. */
const char *http_req_header(const struct http_req *req, const char *name, size_t *len);

/*
 * Send the response for req and finish it. status: HTTP status; content_type: e.g.
 * "application/json"; headers: extra header lines each ending in "\r\n", or NULL; body is
 * taken (emptied) and may be NULL for no body. req is invalid after the call.
 */
void http_respond(struct http_req *req, int status, const char *content_type, const char *headers,
                  struct buf *body);
/*
 * Send {"error": {...}} for e with the status of its code (sm_err_http_status) unless status
 * is non-zero. 503 answers carry "Retry-After: 1". headers as in http_respond.
 */
void http_respond_error(struct http_req *req, int status, const struct sm_error *e,
                        const char *headers);

/*
 * Streaming responses (Server-Sent Events): instead of http_respond(), the application may
 * answer a request with http_stream_start(): the status line and headers go out at once,
 * without Content-Length and with "Connection: close" (the body ends when the connection
 * does), and the request is finished for the server: any pipelined request after it is
 * dropped. Then http_stream_write() sends bytes whenever the application has some, and
 * http_stream_end() ends the stream cleanly (FIN after what is queued).
 *
 * closed(arg) is called exactly once when the stream ends for any reason other than
 * http_stream_end(): the client closed or reset the connection, a write failed, more than
 * max_queue bytes are waiting for a client that does not read (it is closed), or the server
 * is stopping (streams end cleanly). req is invalid from then on, and also after
 * http_stream_end().
 *
 * http_stream_start returns 0; SM_EUNAVAIL when the server is stopping (nothing was sent:
 * respond normally instead); any other error means the connection failed and is closing:
 * closed() is not called, do not respond, req is invalid.
 */
int http_stream_start(struct http_req *req, int status, const char *content_type,
                      const char *headers, size_t max_queue, void (*closed)(void *arg), void *arg);
/*
 * Queue data (copied). Returns 0, or SM_ETOOLARGE when the client is too far behind: the
 * connection is then being closed and closed(arg) has been called (from inside this call).
 */
int http_stream_write(struct http_req *req, const void *data, size_t len);
/* End the stream: queued data is still sent, then FIN. closed() is not called. */
void http_stream_end(struct http_req *req);

/* Reason phrase for a status ("Not Found"); "Unknown" otherwise. */
const char *http_status_text(int status);

#endif
