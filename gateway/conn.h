/*
 * conn.h - one HTTP connection of the gateway's server (private to http.c and conn.c).
 *
 * Life cycle: conn_accept() allocates the connection and embeds its libuv handles (the TCP
 * stream and one timer); conn_close() closes both, and the memory is freed in the last close
 * callback, never earlier (libuv handle.rst). A connection waiting for the application's
 * response (CS_DISPATCHED) is never closed: conn_close() then only marks it to close after
 * the response, so the http_req the application holds stays valid.
 *
 * States: IDLE (keep-alive, no byte of the next request yet) -> HEAD (request line and
 * headers) -> BODY -> DISPATCHED (the application has the request; not reading) -> WRITING
 * (response queued; not reading) -> IDLE again, or LINGER (response sent with
 * "Connection: close": FIN sent, the rest of the input read and dropped for a short while
 * so the client sees the response and not a reset) -> CLOSING.
 * A streaming response (http_stream_start) goes DISPATCHED -> STREAMING: the connection reads
 * only to notice the client leaving (input is dropped), writes whenever the application has
 * something, and ends in LINGER (http_stream_end, server stop) or CLOSING.
 */
#ifndef GW_CONN_H
#define GW_CONN_H

#include <http_parser.h>
#include <uv.h>

#include "buf.h"
#include "http.h"

#define CONN_MAX_HEADERS 100

enum conn_state {
    CS_IDLE,
    CS_HEAD,
    CS_BODY,
    CS_DISPATCHED,
    CS_WRITING,
    CS_LINGER,
    CS_CLOSING,
    CS_STREAMING
};

struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t wreq;    /* the response */
    uv_write_t creq;    /* "100 Continue" */
    uv_shutdown_t sreq; /* FIN after a "Connection: close" response */
    struct http_server *srv;
    struct conn *prev, *next;
    int open_handles;
    enum conn_state state;
    bool reading, keep_alive, close_after, msg_done, expect_continue;

    http_parser parser;
    struct buf in; /* bytes read and not yet parsed (pipelined requests wait here) */
    size_t in_off;
    size_t linger_bytes;

    /* The request being read. */
    struct http_req req;
    struct buf url;
    struct buf hdr; /* "name\0value\0" pairs, names lower-cased */
    uint32_t name_off[CONN_MAX_HEADERS], value_off[CONN_MAX_HEADERS];
    unsigned n_headers;
    bool in_value; /* the parser is inside a header value */
    struct buf body;
    size_t body_limit;
    int reject_status; /* non-zero: answer with this error and close */
    struct sm_error reject_err;

    /* The response being written. */
    struct buf out_head, out_body;

    /* A streaming response (CS_STREAMING). */
    void (*stream_closed)(void *arg); /* the application's, called once when it ends */
    void *stream_arg;
    size_t stream_max_queue;
};

/* Refresh s->date (the Date header value) if the second changed. */
void http_server_date(struct http_server *s);
/* Accept a pending connection on the server's listener (503 to it when over the limit). */
void conn_accept(struct http_server *s);
/* Close now, or after the response if the application holds the request. Idempotent. */
void conn_close(struct conn *c);
/* Close unless the application holds the request or a response is being written. */
void conn_close_if_idle(struct conn *c);

#endif
