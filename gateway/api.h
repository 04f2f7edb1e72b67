/*
 * api.h - the gateway's HTTP API (SPEC §6, docs/api.md): routes each request, converts JSON
 * to the engine's msgpack operations (docs/protocol.md) and the replies back to JSON.
 *
 *   POST   /v1/profiles          profile.create   201 + Location
 *   GET    /v1/profiles/{id}     profile.get      200
 *   PUT    /v1/profiles/{id}     profile.put      201 if created, else 200
 *   DELETE /v1/profiles/{id}     profile.delete   200 {"id", "deleted": true}
 *   POST   /v1/profiles/import   profile.import   NDJSON or CSV, batches of <= 5,000
 *   GET    /v1/profiles/{id}/leads  match.leads  (api_match.c)
 *   POST   /v1/search            match.search     (api_match.c)
 *   GET    /healthz              from the engine client's liveness state, no round trip
 *   GET    /metrics              Prometheus text format 0.0.4
 *
 * Every error is {"error": {"code", "message", "field"}} with the status of its code.
 * Single-threaded (the gateway's loop).
 */
#ifndef GW_API_H
#define GW_API_H

#include <stdbool.h>
#include <stddef.h>

#include "ecli.h"
#include "http.h"
#include "jsonmp.h"
#include "metrics.h"

struct stream_hub;

struct api {
    struct ecli *ecli;       /* borrowed */
    struct stream_hub *streams; /* borrowed, may be NULL: live event streams (api_stream.h) */
    struct metrics *metrics; /* borrowed */
    size_t max_body;         /* JSON bodies */
    size_t max_import_body;  /* POST /v1/profiles/import */
    uint64_t import_timeout_ms; /* engine time for one import batch (504 after) */
    struct jsonmp_limits jlim;
};

/* Default body limits: 1 MiB, and 64 MiB for imports. */
#define API_MAX_BODY (1u << 20)
#define API_MAX_IMPORT_BODY (64u << 20)
/* Default engine time for one import batch (--import-timeout-ms). */
#define API_IMPORT_TIMEOUT_MS 120000u

/* Borrow ecli and metrics; limits of 0 take the defaults. */
void api_init(struct api *a, struct ecli *ecli, struct metrics *metrics, size_t max_body,
              size_t max_import_body);

/* The struct http_app callbacks (user = struct api *). */
size_t api_on_head(void *user, struct http_req *req);
void api_on_request(void *user, struct http_req *req);

/*
 * Whether the client of req may see the contact of profile_id (SPEC §6: the admin, the
 * owner, and a partner once both sides accepted a meeting). API keys do not exist yet, so
 * nobody can be recognised as any of these: this returns false, and every response leaves
 * "contact" out. Auth will decide here, and only here.
 */
bool api_contact_visible(const struct http_req *req, const char *profile_id);

#endif
