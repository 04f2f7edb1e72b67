/* api.c - HTTP handlers of the gateway; see api.h. */
#include "sm.h"
#include "api.h"
#include "api_int.h"
#include "api_stream.h"
#include "import.h"
#include "log.h"

#define JSON_TYPE "application/json"

void api_init(struct api *a, struct ecli *ecli, struct metrics *metrics, size_t max_body,
              size_t max_import_body)
{
    memset(a, 0, sizeof(*a));
    a->ecli = ecli;
    a->metrics = metrics;
    a->max_body = max_body ? max_body : API_MAX_BODY;
    a->max_import_body = max_import_body ? max_import_body : API_MAX_IMPORT_BODY;
    a->import_timeout_ms = API_IMPORT_TIMEOUT_MS;
    a->jlim = jsonmp_default_limits;
    a->jlim.max_bytes = a->max_body;
}

bool api_contact_visible(const struct http_req *req, const char *profile_id)
{
    (void)req;
    (void)profile_id;
    return false;
}

/* ---- helpers ------------------------------------------------------------------------------ */

void api_respond_code(struct http_req *req, int code, const char *field, const char *msg)
{
    struct sm_error e;

    sm_error_set(&e, code, field, "%s", msg);
    http_respond_error(req, 0, &e, NULL);
}

/* The error for an engine call that got no usable reply. */
void api_respond_engine_status(struct api *a, struct http_req *req, int status)
{
    struct sm_error e;

    if (status == SM_ETIMEOUT)
        sm_error_set(&e, SM_ETIMEOUT, "", "engine did not answer within %" PRIu64 " ms",
                     a->ecli->opts.timeout_ms);
    else if (status == SM_EUNAVAIL)
        sm_error_set(&e, SM_EUNAVAIL, "", "engine unavailable, retry shortly");
    else if (status == -ENOMEM)
        sm_error_set(&e, SM_ENOMEM, "", "out of memory");
    else
        sm_error_set(&e, SM_EINTERNAL, "", "engine sent an unreadable reply");
    http_respond_error(req, 0, &e, NULL);
}

/* The media type of the request, lower-cased, without parameters; "" if none. */
void api_media_type(const struct http_req *req, char *out, size_t outsz)
{
    size_t n = 0, o = 0;
    const char *v = http_req_header(req, "content-type", &n);

    out[0] = '\0';
    if (!v)
        return;
    for (size_t i = 0; i < n && v[i] != ';' && o + 1 < outsz; i++) {
        char ch = v[i];
        if (ch == ' ' || ch == '\t')
            continue;
        out[o++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    out[o] = '\0';
}

static bool is_json_type(const char *mt)
{
    size_t n = strlen(mt);
    return n == 0 || strcmp(mt, "application/json") == 0 ||
           (n > 5 && strcmp(mt + n - 5, "+json") == 0);
}

/* Parse the body as one JSON object; responds and returns NULL on any error. */
json_t *api_body_object(struct api *a, struct http_req *req)
{
    struct sm_error e;
    char mt[96];
    json_t *j;

    api_media_type(req, mt, sizeof(mt));
    if (!is_json_type(mt)) {
        api_respond_code(req, SM_EBADREQ, "Content-Type", "content type must be application/json");
        return NULL;
    }
    if (req->body_len == 0) {
        api_respond_code(req, SM_EBADREQ, "", "request body must be a json object");
        return NULL;
    }
    if (jsonmp_parse(req->body, req->body_len, &a->jlim, &j, &e)) {
        http_respond_error(req, 0, &e, NULL);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        api_respond_code(req, SM_EBADREQ, "", "request body must be a json object");
        return NULL;
    }
    return j;
}

/* "Location: /v1/profiles/ID\r\n", percent-encoding anything outside the unreserved set. */
static void location_header(struct buf *h, const char *id, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";

    buf_puts(h, "Location: /v1/profiles/");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)id[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == ':') {
            buf_putc(h, (char)ch);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            buf_append(h, e, 3);
        }
    }
    buf_puts(h, "\r\n");
}

/* Respond with a msgpack object as JSON, hiding the contact unless visible. */
void api_respond_object(struct http_req *req, int status, const msgpack_object *o,
                           const char *headers, bool hide_contact)
{
    struct buf body = BUF_INIT;
    int rc = jsonmp_to_json(o, hide_contact ? "contact" : NULL, &body);

    if (rc) {
        buf_release(&body);
        api_respond_code(req, rc == -ENOMEM ? SM_ENOMEM : SM_EINTERNAL, "",
                     "engine reply cannot be shown as json");
        return;
    }
    http_respond(req, status, JSON_TYPE, headers, &body);
    buf_release(&body);
}

/* Pack {"id": <param>} and optionally "contact": bool into out. */
static int pack_id_body(struct buf *out, const char *id, int contact)
{
    msgpack_packer pk;

    msgpack_packer_init(&pk, out, buf_msgpack_write);
    if (msgpack_pack_map(&pk, contact >= 0 ? 2 : 1) || proto_pack_cstr(&pk, "id") ||
        proto_pack_cstr(&pk, id))
        return -ENOMEM;
    if (contact >= 0 && (proto_pack_cstr(&pk, "contact") ||
                         (contact ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk))))
        return -ENOMEM;
    return buf_err(out);
}

/* Send op with body for req; the reply comes to cb with req as its argument. */
void api_call(struct api *a, struct http_req *req, const char *op, struct buf *body, ecli_cb cb)
{
    int rc;

    req->app = a;
    rc = buf_err(body);
    if (!rc)
        rc = ecli_call(a->ecli, op, body->data, body->len, cb, req, NULL);
    buf_release(body);
    if (rc)
        api_respond_engine_status(a, req, rc);
}

/* ---- profiles ----------------------------------------------------------------------------- */

static void on_profile_reply(void *arg, int status, const struct proto_reply *rep)
{
    struct http_req *req = arg;
    struct api *a = req->app;
    bool visible = api_contact_visible(req, req->match.params[0]);
    const msgpack_object *profile = rep ? rep->body : NULL, *created, *id;
    struct buf hdr = BUF_INIT;
    int code = 200;

    if (status) {
        api_respond_engine_status(a, req, status);
        return;
    }
    if (!rep->ok) {
        http_respond_error(req, 0, &rep->err, NULL);
        return;
    }
    if (req->method_bit == RM_POST) {
        code = 201;
    } else if (req->method_bit == RM_PUT) {
        created = proto_map_get(rep->body, "created");
        profile = proto_map_get(rep->body, "profile");
        if (!profile) {
            api_respond_engine_status(a, req, SM_EBADREQ);
            return;
        }
        code =
            created && created->type == MSGPACK_OBJECT_BOOLEAN && created->via.boolean ? 201 : 200;
    }
    if (code == 201) {
        id = proto_map_get(profile, "id");
        if (id && id->type == MSGPACK_OBJECT_STR)
            location_header(&hdr, id->via.str.ptr, id->via.str.size);
    }
    /* The engine leaves contact out of profile.get unless asked; create and put answer with
     * the stored profile, contact included, so it is hidden here the same way. */
    api_respond_object(req, code, profile, hdr.len ? hdr.data : NULL,
                   req->method_bit == RM_DELETE ? false : !visible);
    buf_release(&hdr);
}

static void profile_create(struct api *a, struct http_req *req)
{
    struct buf body = BUF_INIT;
    msgpack_packer pk;
    json_t *j = api_body_object(a, req);

    if (!j)
        return;
    msgpack_packer_init(&pk, &body, buf_msgpack_write);
    if (jsonmp_pack(j, &pk))
        body.oom = true; /* call() answers it as out of memory */
    json_decref(j);
    api_call(a, req, "profile.create", &body, on_profile_reply);
}

static void profile_put(struct api *a, struct http_req *req)
{
    struct buf body = BUF_INIT;
    msgpack_packer pk;
    json_t *j = api_body_object(a, req);

    if (!j)
        return;
    msgpack_packer_init(&pk, &body, buf_msgpack_write);
    if (msgpack_pack_map(&pk, 2) || proto_pack_cstr(&pk, "id") ||
        proto_pack_cstr(&pk, req->match.params[0]) || proto_pack_cstr(&pk, "profile") ||
        jsonmp_pack(j, &pk))
        body.oom = true;
    json_decref(j);
    api_call(a, req, "profile.put", &body, on_profile_reply);
}

static void profile_get(struct api *a, struct http_req *req)
{
    struct buf body = BUF_INIT;

    pack_id_body(&body, req->match.params[0], api_contact_visible(req, req->match.params[0]));
    api_call(a, req, "profile.get", &body, on_profile_reply);
}

static void profile_delete(struct api *a, struct http_req *req)
{
    struct buf body = BUF_INIT;

    pack_id_body(&body, req->match.params[0], -1);
    api_call(a, req, "profile.delete", &body, on_profile_reply);
}

/* ---- import ------------------------------------------------------------------------------- */

#define IMPORT_INFLIGHT 2 /* parse the next batch while the engine stores one */
/*
 * Lines parsed per turn of the loop. Parsing is ~28 µs a profile: a whole 5,000-line batch at
 * once held every other client up for ~140 ms (/healthz p99 278 ms during a bulk import), a
 * slice of 256 for ~7 ms. The batch sent to the engine is still up to 5,000 profiles.
 */
#define IMPORT_SLICE 256

struct api_import;

struct import_slot {
    struct api_import *ai;
    struct import_batch batch;
    struct ecli_req *handle;
    bool busy;
};

struct api_import {
    struct api *a;
    struct http_req *req;
    struct import imp;
    struct import_slot slots[IMPORT_INFLIGHT];
    unsigned inflight;
    struct import_slot *filling; /* the batch being parsed, a slice per turn of the loop */
    uv_idle_t resume;            /* the next slice, on the loop's next turn (after its I/O) */
    int fail; /* first failure: no more batches are sent, the reply is this error */
    struct sm_error fail_err;
};

static void import_closed(uv_handle_t *h)
{
    free(h->data);
}

/* Release everything; ai itself goes once its idle handle is closed (the loop's next turn). */
static void import_free(struct api_import *ai)
{
    for (unsigned i = 0; i < IMPORT_INFLIGHT; i++)
        import_batch_release(&ai->slots[i].batch);
    import_release(&ai->imp);
    uv_close((uv_handle_t *)&ai->resume, import_closed); /* stops it too */
}

static void import_finish(struct api_import *ai)
{
    struct http_req *req = ai->req;
    struct buf body = BUF_INIT;

    if (ai->a->metrics) {
        ai->a->metrics->import_stored += ai->imp.stored;
        ai->a->metrics->import_failed += ai->imp.failed;
    }
    if (ai->fail) {
        /* Batches already stored stay stored: say how far the import got. */
        size_t n = strlen(ai->fail_err.message);
        snprintf(ai->fail_err.message + n, sizeof(ai->fail_err.message) - n,
                 "; import stopped after %" PRIu64 " profiles stored", ai->imp.stored);
        http_respond_error(req, 0, &ai->fail_err, NULL);
    } else if (import_render(&ai->imp, &body)) {
        api_respond_code(req, SM_ENOMEM, "", "out of memory");
    } else {
        http_respond(req, 200, JSON_TYPE, NULL, &body);
    }
    buf_release(&body);
    import_free(ai);
}

static void import_set_fail(struct api_import *ai, int code, const struct sm_error *e)
{
    if (ai->fail)
        return;
    ai->fail = code;
    if (e) {
        ai->fail_err = *e;
    } else if (code == SM_ETIMEOUT) {
        sm_error_set(&ai->fail_err, code, "", "engine did not answer within %" PRIu64 " ms",
                     ai->a->ecli->opts.timeout_ms);
    } else if (code == SM_EUNAVAIL) {
        sm_error_set(&ai->fail_err, code, "", "engine unavailable, retry shortly");
    } else if (code == -ENOMEM) {
        sm_error_set(&ai->fail_err, SM_ENOMEM, "", "out of memory");
    } else {
        sm_error_set(&ai->fail_err, SM_EINTERNAL, "", "engine sent an unreadable reply");
    }
}

static void error_from_obj(const msgpack_object *o, struct sm_error *e)
{
    const msgpack_object *code = proto_map_get(o, "code"), *msg = proto_map_get(o, "message"),
                         *field = proto_map_get(o, "field");

    sm_error_clear(e);
    e->code = code && code->type == MSGPACK_OBJECT_STR
                  ? sm_err_from_name(code->via.str.ptr, code->via.str.size)
                  : SM_EINTERNAL;
    if (msg && msg->type == MSGPACK_OBJECT_STR)
        snprintf(e->message, sizeof(e->message), "%.*s", (int)msg->via.str.size, msg->via.str.ptr);
    if (field && field->type == MSGPACK_OBJECT_STR)
        snprintf(e->field, sizeof(e->field), "%.*s", (int)field->via.str.size, field->via.str.ptr);
}

/* Merge one batch's results into the import's totals and errors. */
static void import_merge(struct api_import *ai, struct import_batch *b, const msgpack_object *body)
{
    const msgpack_object *results = proto_map_get(body, "results");
    uint32_t n = results && results->type == MSGPACK_OBJECT_ARRAY ? results->via.array.size : 0;
    struct sm_error e;

    for (uint32_t i = 0; i < b->n; i++) {
        const msgpack_object *r = i < n ? &results->via.array.ptr[i] : NULL;
        const msgpack_object *ok = proto_map_get(r, "ok");

        if (ok && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean) {
            ai->imp.stored++;
            continue;
        }
        if (r)
            error_from_obj(proto_map_get(r, "error"), &e);
        else
            sm_error_set(&e, SM_EINTERNAL, "", "engine gave no result for this line");
        import_add_error(&ai->imp, b->lines[i], b->ids[i], &e);
    }
}

static void import_pump(struct api_import *ai);

static void on_import_reply(void *arg, int status, const struct proto_reply *rep)
{
    struct import_slot *s = arg;
    struct api_import *ai = s->ai;

    s->busy = false;
    ai->inflight--;
    if (status)
        import_set_fail(ai, status, NULL);
    else if (!rep->ok)
        import_set_fail(ai, rep->err.code, &rep->err);
    else
        import_merge(ai, &s->batch, rep->body);
    import_batch_reset(&s->batch);
    import_pump(ai);
}

/*
 * An idle handle, not a 0 ms timer: libuv (1.44) runs a timer re-armed from its own callback
 * again in the same pass, before polling, so slices would not let any I/O through.
 */
static void on_import_resume(uv_idle_t *h)
{
    uv_idle_stop(h);
    import_pump(h->data);
}

static void import_pump(struct api_import *ai)
{
    while (!ai->fail && ai->inflight < IMPORT_INFLIGHT) {
        struct import_slot *s = ai->filling;
        const char *body;
        size_t len;
        int rc;

        if (!s) {
            s = ai->slots[0].busy ? &ai->slots[1] : &ai->slots[0];
            import_batch_reset(&s->batch);
            ai->filling = s;
        }
        rc = import_fill(&ai->imp, &s->batch, IMPORT_SLICE);
        if (rc) {
            import_set_fail(ai, rc, NULL);
            break;
        }
        if (!import_batch_ready(&ai->imp, &s->batch)) {
            /* Let the loop serve others, then parse the next slice. */
            if (uv_idle_start(&ai->resume, on_import_resume) == 0)
                return;
            continue;
        }
        ai->filling = NULL;
        if (s->batch.n == 0) {
            if (ai->imp.done)
                break;
            continue;
        }
        body = import_batch_body(&s->batch, &len);
        /* A batch of 5,000 into a large database can take longer than a single request may:
         * a 504 here would report as failed a batch the engine then commits. */
        rc = ecli_call_timeout(ai->a->ecli, "profile.import", body, len,
                               ai->a->import_timeout_ms,
                               on_import_reply, s, &s->handle);
        if (rc) {
            import_set_fail(ai, rc, NULL);
            break;
        }
        s->busy = true;
        ai->inflight++;
    }
    if (ai->inflight == 0)
        import_finish(ai);
}

static void profile_import(struct api *a, struct http_req *req)
{
    enum import_format fmt;
    struct api_import *ai;
    struct sm_error e;
    char mt[96];
    int rc;

    api_media_type(req, mt, sizeof(mt));
    if (strcmp(mt, "text/csv") == 0) {
        fmt = IMPORT_CSV;
    } else if (strcmp(mt, "application/x-ndjson") == 0 || strcmp(mt, "application/ndjson") == 0 ||
               strcmp(mt, "application/jsonl") == 0 || strcmp(mt, "application/x-jsonlines") == 0 ||
               strcmp(mt, "application/json-seq") == 0 || strcmp(mt, "application/json") == 0) {
        fmt = IMPORT_NDJSON;
    } else {
        api_respond_code(req, SM_EBADREQ, "Content-Type",
                     "content type must be application/x-ndjson or text/csv");
        return;
    }
    if (!ecli_is_up(a->ecli)) {
        api_respond_engine_status(a, req, SM_EUNAVAIL);
        return;
    }
    ai = calloc(1, sizeof(*ai));
    if (!ai) {
        api_respond_code(req, SM_ENOMEM, "", "out of memory");
        return;
    }
    ai->a = a;
    ai->req = req;
    for (unsigned i = 0; i < IMPORT_INFLIGHT; i++) {
        ai->slots[i].ai = ai;
        import_batch_init(&ai->slots[i].batch);
    }
    rc = import_init(&ai->imp, fmt, req->body, req->body_len, &e);
    if (rc) {
        free(ai);
        http_respond_error(req, 0, &e, NULL);
        return;
    }
    /* From here ai is freed by import_free, once this handle is closed. */
    uv_idle_init(a->ecli->loop, &ai->resume);
    ai->resume.data = ai;
    import_pump(ai);
}

/* ---- health and metrics ------------------------------------------------------------------- */

static void healthz(struct api *a, struct http_req *req)
{
    struct buf body = BUF_INIT;

    if (ecli_is_up(a->ecli)) {
        buf_puts(&body, "{\"status\":\"ok\",\"engine\":\"up\"}");
        http_respond(req, 200, JSON_TYPE, NULL, &body);
    } else {
        buf_puts(&body, "{\"status\":\"degraded\",\"engine\":\"down\"}");
        http_respond(req, 503, JSON_TYPE, "Retry-After: 1\r\n", &body);
    }
    buf_release(&body);
}

static void metrics_page(struct api *a, struct http_req *req)
{
    struct buf body = BUF_INIT;

    if (!a->metrics || metrics_render(a->metrics, &body)) {
        buf_release(&body);
        api_respond_code(req, SM_ENOMEM, "", "out of memory");
        return;
    }
    http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, &body);
    buf_release(&body);
}

/* ---- dispatch ----------------------------------------------------------------------------- */

size_t api_on_head(void *user, struct http_req *req)
{
    struct api *a = user;

    req->route_rc =
        route_match(req->method_bit, req->path, req->path_len, &req->match, &req->route_err);
    if (req->match.route != ROUTE_NONE)
        req->route_label = route_name(req->match.route);
    if (req->route_rc == 0 && req->match.route == ROUTE_PROFILES_IMPORT)
        return a->max_import_body;
    return a->max_body;
}

void api_on_request(void *user, struct http_req *req)
{
    struct api *a = user;
    char allow[64], hdr[96];

    if (req->route_rc == SM_EMETHOD) {
        route_allow_header(req->match.allowed, allow, sizeof(allow));
        snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
        http_respond_error(req, 0, &req->route_err, hdr);
        return;
    }
    if (req->route_rc) {
        http_respond_error(req, 0, &req->route_err, NULL);
        return;
    }
    switch (req->match.route) {
    case ROUTE_PROFILES:
        profile_create(a, req);
        return;
    case ROUTE_PROFILES_IMPORT:
        profile_import(a, req);
        return;
    case ROUTE_PROFILE:
        if (req->method_bit == RM_GET)
            profile_get(a, req);
        else if (req->method_bit == RM_PUT)
            profile_put(a, req);
        else
            profile_delete(a, req);
        return;
    case ROUTE_HEALTHZ:
        healthz(a, req);
        return;
    case ROUTE_METRICS:
        metrics_page(a, req);
        return;
    default:
        /* Each subsystem's routes are handled in its own api_*.c (see api_int.h). */
        if (api_match_handle(a, req))
            return;
        if (api_events_handle(a, req))
            return;
        if (api_stream_handle(a, req))
            return;
        api_respond_code(req, SM_ENOTFOUND, "", "no such path");
        return;
    }
}
