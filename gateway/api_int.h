/*
 * api_int.h - helpers shared by the gateway's handler modules (api.c for profiles, health and
 * metrics; one api_*.c per further subsystem). Single-threaded, like the rest of the gateway.
 *
 * Adding a subsystem's routes: add enum values in route.h and lines in route.c's table, write
 * `bool api_X_handle(struct api *a, struct http_req *req)` in api_X.c that handles its routes
 * and returns false for others, and call it in api_on_request's default branch (api.c).
 */
#ifndef GW_API_INT_H
#define GW_API_INT_H

#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>

#include "api.h"
#include "buf.h"

#define JSON_TYPE "application/json"

/* Respond with a JSON error of code (status from sm_err_http_status). */
void api_respond_code(struct http_req *req, int code, const char *field, const char *msg);
/* The error for an engine call that got no usable reply (status from the ecli callback). */
void api_respond_engine_status(struct api *a, struct http_req *req, int status);
/* The request's media type, lower-cased, without parameters; "" if none. */
void api_media_type(const struct http_req *req, char *out, size_t outsz);
/* Parse the body as one JSON object (caller decrefs); responds and returns NULL on error. */
json_t *api_body_object(struct api *a, struct http_req *req);
/* Respond with a msgpack object converted to JSON; hide_contact drops "contact" maps' key. */
void api_respond_object(struct http_req *req, int status, const msgpack_object *o,
                        const char *headers, bool hide_contact);
/*
 * Send op with a msgpack body (taken: released here) for req; the reply comes to cb with req
 * as its argument (req->app is set to a). On a send failure the error response is sent here.
 */
void api_call(struct api *a, struct http_req *req, const char *op, struct buf *body, ecli_cb cb);

/* Subsystem dispatchers: true when the route was theirs (and answered). */
bool api_match_handle(struct api *a, struct http_req *req); /* leads, search (api_match.c) */
bool api_events_handle(struct api *a, struct http_req *req); /* /v1/events... (api_events.c) */

#endif
