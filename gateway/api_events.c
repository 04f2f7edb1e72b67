/*
 * api_events.c - live matchmaking events over HTTP (docs/api.md "Events"), one route per engine
 * operation (docs/protocol.md "## Events"):
 *
 *   POST /v1/events                               event.create                201
 *   GET  /v1/events/{id}                          event.get
 *   POST /v1/events/{id}/participants             event.participant.add       201
 *   GET  /v1/events/{id}/participants             event.participant.list
 *   PUT  /v1/events/{id}/participants/{profile}   event.participant.update
 *   POST /v1/events/{id}/requests                 event.request.create        201
 *   GET  /v1/events/{id}/requests?profile=        event.request.list
 *   PUT  /v1/events/{id}/requests/{rid}           {"action": "accept"|"decline", "by"}:
 *                                                 event.request.respond; {"action": "cancel"}:
 *                                                 event.request.cancel
 *   POST /v1/events/{id}/vetoes                   event.veto                  201
 *   POST /v1/events/{id}/meetings                 event.meeting.add           201
 *   PUT  /v1/events/{id}/meetings/{mid}           with "held": event.meeting.attendance; with
 *                                                 "outcome": event.meeting.outcome; else
 *                                                 event.meeting.update
 *   PUT  /v1/events/{id}/tables/{table}           event.table.update
 *   POST /v1/events/{id}/schedule                 event.schedule
 *   GET  /v1/events/{id}/schedule                 event.schedule.get
 *   GET  /v1/events/{id}/stats                    event.stats
 *   GET  /v1/events/{id}/changes?since=&limit=    event.changes
 *
 * The gateway only reshapes: the JSON body's fields go to the engine as they are, plus the path
 * parameters under the names the operation takes ("event", "profile", "request", "meeting",
 * "table"); a body field of the same name is replaced by the path's. The engine validates.
 */
#include "sm.h"

#include "api_int.h"
#include "log.h"

/* ---- replies --------------------------------------------------------------------------------- */

static void on_reply(void *arg, int status, const struct proto_reply *rep)
{
    struct http_req *req = arg;
    struct api *a = req->app;
    enum route_id r = req->match.route;
    int code = 200;

    if (status) {
        api_respond_engine_status(a, req, status);
        return;
    }
    if (!rep->ok) {
        http_respond_error(req, 0, &rep->err, NULL);
        return;
    }
    if (req->method_bit == RM_POST &&
        (r == ROUTE_EVENTS || r == ROUTE_EVENT_PARTICIPANTS || r == ROUTE_EVENT_REQUESTS ||
         r == ROUTE_EVENT_VETOES || r == ROUTE_EVENT_MEETINGS))
        code = 201;
    api_respond_object(req, code, rep->body, NULL, false);
}

/* ---- bodies ---------------------------------------------------------------------------------- */

struct param {
    const char *name;
    const char *value;
};

static bool is_param(const struct param *ps, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ps[i].name, key) == 0)
            return true;
    return false;
}

/*
 * Pack {path params..., extra..., body fields except params, extra and skip} into out. extra is
 * a second parameter list (e.g. "response": "accept"); skip a body key left out (may be NULL).
 */
static void pack_body(struct buf *out, const json_t *j, const struct param *ps, size_t n,
                      const struct param *extra, size_t n_extra, const char *skip)
{
    msgpack_packer pk;
    const char *key;
    json_t *val;
    size_t count = n + n_extra;

    if (j)
        json_object_foreach((json_t *)j, key, val) count += !is_param(ps, n, key) &&
                                                            !is_param(extra, n_extra, key) &&
                                                            !(skip && strcmp(key, skip) == 0);
    msgpack_packer_init(&pk, out, buf_msgpack_write);
    if (msgpack_pack_map(&pk, count))
        goto oom;
    for (size_t i = 0; i < n; i++)
        if (proto_pack_cstr(&pk, ps[i].name) || proto_pack_cstr(&pk, ps[i].value))
            goto oom;
    for (size_t i = 0; i < n_extra; i++)
        if (proto_pack_cstr(&pk, extra[i].name) || proto_pack_cstr(&pk, extra[i].value))
            goto oom;
    if (j)
        json_object_foreach((json_t *)j, key, val)
        {
            if (is_param(ps, n, key) || is_param(extra, n_extra, key) ||
                (skip && strcmp(key, skip) == 0))
                continue;
            if (proto_pack_cstr(&pk, key) || jsonmp_pack(val, &pk))
                goto oom;
        }
    return;
oom:
    out->oom = true;
}

/* Send op with the path parameters and (when want_body) the JSON body's fields. */
static void forward(struct api *a, struct http_req *req, const char *op, const struct param *ps,
                    size_t n, bool want_body)
{
    struct buf body = BUF_INIT;
    json_t *j = NULL;

    if (want_body) {
        j = api_body_object(a, req);
        if (!j)
            return;
    }
    pack_body(&body, j, ps, n, NULL, 0, NULL);
    json_decref(j);
    api_call(a, req, op, &body, on_reply);
}

/* ---- query strings ----------------------------------------------------------------------------
 */

/*
 * Pack the query parameters allowed (names; uint_names take unsigned integers) after the path
 * parameters. Responds with 400 and returns false on an unknown, repeated or malformed one.
 */
static bool forward_query(struct api *a, struct http_req *req, const char *op,
                          const struct param *ps, size_t n, const char *const *names,
                          const char *const *uint_names)
{
    struct buf body = BUF_INIT;
    msgpack_packer pk;
    const char *q = req->query;
    struct {
        const char *name;
        char value[256];
        bool is_uint;
    } got[4];
    size_t n_got = 0;

    while (q && *q) {
        const char *amp = strchr(q, '&'), *eq;
        size_t len = amp ? (size_t)(amp - q) : strlen(q), klen, vlen;
        bool known = false, is_uint = false;
        const char *name = NULL;

        eq = memchr(q, '=', len);
        klen = eq ? (size_t)(eq - q) : len;
        vlen = eq ? len - klen - 1 : 0;
        for (size_t i = 0; names[i] && !known; i++)
            if (strlen(names[i]) == klen && memcmp(names[i], q, klen) == 0)
                known = true, name = names[i];
        for (size_t i = 0; uint_names[i] && !known; i++)
            if (strlen(uint_names[i]) == klen && memcmp(uint_names[i], q, klen) == 0)
                known = true, is_uint = true, name = uint_names[i];
        if (klen == 0 && len == 0) {
            q = amp ? amp + 1 : q + len;
            continue;
        }
        if (!known || n_got >= SM_ARRAY_SIZE(got) || vlen == 0 || vlen >= sizeof(got[0].value)) {
            char f[64];
            snprintf(f, sizeof(f), "%.*s", (int)SM_MIN(klen, 60u), q);
            api_respond_code(req, SM_EINVAL, f,
                             known ? "needs a value" : "unknown query parameter");
            return false;
        }
        for (size_t i = 0; i < n_got; i++)
            if (got[i].name == name) {
                api_respond_code(req, SM_EINVAL, name, "given twice");
                return false;
            }
        memcpy(got[n_got].value, eq + 1, vlen);
        got[n_got].value[vlen] = '\0';
        if (is_uint && strspn(got[n_got].value, "0123456789") != vlen) {
            api_respond_code(req, SM_EINVAL, name, "must be an unsigned integer");
            return false;
        }
        got[n_got].name = name;
        got[n_got++].is_uint = is_uint;
        q = amp ? amp + 1 : q + len;
    }
    msgpack_packer_init(&pk, &body, buf_msgpack_write);
    if (msgpack_pack_map(&pk, n + n_got))
        body.oom = true;
    for (size_t i = 0; i < n; i++)
        if (proto_pack_cstr(&pk, ps[i].name) || proto_pack_cstr(&pk, ps[i].value))
            body.oom = true;
    for (size_t i = 0; i < n_got; i++) {
        if (proto_pack_cstr(&pk, got[i].name))
            body.oom = true;
        if (got[i].is_uint ? msgpack_pack_uint64(&pk, strtoull(got[i].value, NULL, 10))
                           : proto_pack_cstr(&pk, got[i].value))
            body.oom = true;
    }
    api_call(a, req, op, &body, on_reply);
    return true;
}

/* ---- routes ---------------------------------------------------------------------------------- */

static void request_put(struct api *a, struct http_req *req, const struct param *ps)
{
    json_t *j = api_body_object(a, req), *action;
    struct buf body = BUF_INIT;
    const char *act;

    if (!j)
        return;
    action = json_object_get(j, "action");
    act = json_is_string(action) ? json_string_value(action) : "";
    if (strcmp(act, "accept") == 0 || strcmp(act, "decline") == 0) {
        struct param extra = {"response", act};
        pack_body(&body, j, ps, 2, &extra, 1, "action");
        api_call(a, req, "event.request.respond", &body, on_reply);
    } else if (strcmp(act, "cancel") == 0) {
        pack_body(&body, j, ps, 2, NULL, 0, "action");
        api_call(a, req, "event.request.cancel", &body, on_reply);
    } else {
        api_respond_code(req, SM_EINVAL, "action", "must be accept, decline or cancel");
    }
    json_decref(j);
}

static void meeting_put(struct api *a, struct http_req *req, const struct param *ps)
{
    json_t *j = api_body_object(a, req);
    struct buf body = BUF_INIT;
    const char *op = "event.meeting.update";

    if (!j)
        return;
    if (json_object_get(j, "held"))
        op = "event.meeting.attendance";
    else if (json_object_get(j, "outcome"))
        op = "event.meeting.outcome";
    pack_body(&body, j, ps, 2, NULL, 0, NULL);
    json_decref(j);
    api_call(a, req, op, &body, on_reply);
}

bool api_events_handle(struct api *a, struct http_req *req)
{
    static const char *const none[] = {NULL};
    const char *p1 = req->match.params[0], *p2 = req->match.params[1];
    bool get = req->method_bit == RM_GET || req->method_bit == RM_HEAD;
    struct param ps[2] = {{"event", p1}, {"", p2}};

    switch (req->match.route) {
    case ROUTE_EVENTS:
        forward(a, req, "event.create", NULL, 0, true);
        return true;
    case ROUTE_EVENT:
        forward(a, req, "event.get", ps, 1, false);
        return true;
    case ROUTE_EVENT_PARTICIPANTS:
        if (get)
            forward(a, req, "event.participant.list", ps, 1, false);
        else
            forward(a, req, "event.participant.add", ps, 1, true);
        return true;
    case ROUTE_EVENT_PARTICIPANT:
        ps[1].name = "profile";
        forward(a, req, "event.participant.update", ps, 2, true);
        return true;
    case ROUTE_EVENT_REQUESTS:
        if (get) {
            static const char *const names[] = {"profile", NULL};
            forward_query(a, req, "event.request.list", ps, 1, names, none);
        } else {
            forward(a, req, "event.request.create", ps, 1, true);
        }
        return true;
    case ROUTE_EVENT_REQUEST:
        ps[1].name = "request";
        request_put(a, req, ps);
        return true;
    case ROUTE_EVENT_VETOES:
        forward(a, req, "event.veto", ps, 1, true);
        return true;
    case ROUTE_EVENT_MEETINGS:
        forward(a, req, "event.meeting.add", ps, 1, true);
        return true;
    case ROUTE_EVENT_MEETING:
        ps[1].name = "meeting";
        meeting_put(a, req, ps);
        return true;
    case ROUTE_EVENT_TABLE:
        ps[1].name = "table";
        forward(a, req, "event.table.update", ps, 2, true);
        return true;
    case ROUTE_EVENT_SCHEDULE:
        if (get)
            forward(a, req, "event.schedule.get", ps, 1, false);
        else if (req->body_len == 0)
            forward(a, req, "event.schedule", ps, 1, false);
        else
            forward(a, req, "event.schedule", ps, 1, true);
        return true;
    case ROUTE_EVENT_STATS:
        forward(a, req, "event.stats", ps, 1, false);
        return true;
    case ROUTE_EVENT_CHANGES: {
        static const char *const uints[] = {"since", "limit", NULL};
        forward_query(a, req, "event.changes", ps, 1, none, uints);
        return true;
    }
    default:
        return false;
    }
}
