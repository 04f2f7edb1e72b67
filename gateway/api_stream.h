/*
 * api_stream.h - live event streams (Server-Sent Events) and agendas of matchmaking events
 * (SPEC §4, docs/api.md "Live stream" and "Agendas").
 *
 *   GET /v1/events/{id}/stream                  text/event-stream of the event's changes
 *   GET /v1/events/{id}/agenda/{profile}        JSON, CSV, iCalendar or HTML (?format=, Accept)
 *   GET /v1/events/{id}/tables/{table}/sheet    JSON, CSV or HTML
 *   GET /v1/events/{id}/schedule.csv            the whole schedule as CSV
 *
 * The stream hub subscribes to the engine's updates channel (sub.h, topic "event/") and fans
 * each change out to the streams of its event. Every stream keeps a cursor (sse.h): it starts
 * with a replay of event.changes after Last-Event-ID (paged), buffers live changes meanwhile,
 * and fetches again whenever a live change shows a gap or the updates channel reconnects (the
 * engine restarted), so a client sees every change once, in order.
 *
 * Limits: max_streams open streams (503 beyond), max_queue bytes unread by one client (it is
 * closed), max_pending live changes buffered by one stream during a replay (it is closed);
 * a ": ping" comment every ping_ms keeps proxies and clients from timing out.
 *
 * Single-threaded (the gateway's loop).
 */
#ifndef GW_API_STREAM_H
#define GW_API_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "api.h"
#include "ecli.h"
#include "http.h"
#include "sub.h"

struct stream_hub_opts {
    size_t max_streams;
    size_t max_queue;   /* bytes queued to one client */
    size_t max_pending; /* live changes buffered by one stream while it catches up */
    uint64_t ping_ms;
    size_t max_msg; /* largest update accepted from the engine */
};

/* 256 streams, 1 MiB queue, 10,000 pending, ping every 15 s, 1 MiB updates. */
extern const struct stream_hub_opts stream_hub_default_opts;

struct stream;

struct stream_hub {
    uv_loop_t *loop;
    struct ecli *ecli; /* borrowed */
    struct sub sub;
    uv_timer_t tick;
    struct stream_hub_opts opts;
    struct stream *streams; /* doubly linked */
    size_t n_streams;
    bool closing;
    int open_handles;
    void (*on_closed)(struct stream_hub *);
    uint64_t changes_in; /* live changes received */
    uint64_t recheck_ms; /* when to fetch once more after a reconnection (0: none) */
};

/*
 * Connect the subscriber to pub_endpoint and start the heartbeat timer. ecli is borrowed (for
 * event.changes). opts NULL: defaults. 0 or an error of sub_init().
 */
int stream_hub_init(struct stream_hub *h, uv_loop_t *loop, struct ecli *ecli,
                    const char *pub_endpoint, const struct stream_hub_opts *opts);
/* Close the subscriber and the timer (streams end with the HTTP server); cb(h) when done. */
void stream_hub_close(struct stream_hub *h, void (*cb)(struct stream_hub *));

/*
 * Handle req if it is one of the routes above (needs a->streams for the stream route) and
 * return true; false for any other route.
 */
bool api_stream_handle(struct api *a, struct http_req *req);
/* The agenda, sheet and schedule.csv routes (api_agenda.c); same contract. */
bool api_agenda_handle(struct api *a, struct http_req *req);


#endif
