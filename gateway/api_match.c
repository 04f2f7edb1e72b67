/*
 * api_match.c - leads and search over HTTP (docs/api.md):
 *
 *   GET  /v1/profiles/{id}/leads?limit=&offset=&type=&kind=&country=&zone=&sector=&lang=
 *        &min_score=&explain=                                   match.leads
 *   POST /v1/search  {"text", "filters", "limit", "offset"}     match.search
 *
 * The engine validates every value (one place for the rules); the gateway checks only the
 * shape of the query string (known names, no repeats, numbers where numbers go) and renames
 * the engine's "filters.type" to the query parameter "type" in errors.
 */
#include "sm.h"

#include "api_int.h"
#include "query.h"
#include "log.h"

#define QUERY_VALUE_MAX 1024

/* A query-string parameter the leads route takes, and how it goes to the engine. */
enum qkind { Q_UINT, Q_BOOL, Q_NUM, Q_STR };
struct qparam {
    const char *name;
    enum qkind kind;
    bool filter; /* goes under "filters" */
};

static const struct qparam lead_params[] = {
    {"limit", Q_UINT, false},   {"offset", Q_UINT, false}, {"explain", Q_BOOL, false},
    {"type", Q_STR, true},      {"kind", Q_STR, true},     {"country", Q_STR, true},
    {"zone", Q_STR, true},      {"sector", Q_STR, true},   {"lang", Q_STR, true},
    {"min_score", Q_NUM, true},
};
#define N_LEAD_PARAMS SM_ARRAY_SIZE(lead_params)

static void bad_param(struct http_req *req, const char *name, const char *msg)
{
    api_respond_code(req, SM_EINVAL, name, msg);
}

/* Engine errors name "filters.x": for the leads route the parameter is "x". */
static void on_match_reply(void *arg, int status, const struct proto_reply *rep)
{
    struct http_req *req = arg;
    struct api *a = req->app;

    if (status) {
        api_respond_engine_status(a, req, status);
        return;
    }
    if (!rep->ok) {
        struct sm_error e = rep->err;
        if (req->match.route == ROUTE_PROFILE_LEADS && strncmp(e.field, "filters.", 8) == 0)
            memmove(e.field, e.field + 8, strlen(e.field + 8) + 1);
        http_respond_error(req, 0, &e, NULL);
        return;
    }
    /* Leads and hits never carry a contact; nothing to hide. */
    api_respond_object(req, 200, rep->body, NULL, false);
}

struct qvalue {
    bool set;
    char v[QUERY_VALUE_MAX];
};

static bool all_digits(const char *s)
{
    if (!*s || strlen(s) > 9)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static void leads(struct api *a, struct http_req *req)
{
    struct qvalue *vals = calloc(N_LEAD_PARAMS, sizeof(*vals));
    const char *q = req->query;
    struct buf body = BUF_INIT;
    msgpack_packer pk;
    uint32_t n_top = 1, n_filters = 0;
    char name[64];

    if (!vals) {
        api_respond_code(req, SM_ENOMEM, "", "out of memory");
        return;
    }
    while (*q) {
        const char *amp = strchr(q, '&'), *eq;
        size_t len = amp ? (size_t)(amp - q) : strlen(q), i;

        eq = memchr(q, '=', len);
        if (len == 0)
            goto next;
        if (query_decode(q, eq ? (size_t)(eq - q) : len, true, name, sizeof(name)) < 0) {
            bad_param(req, "", "bad query parameter name");
            goto out;
        }
        for (i = 0; i < N_LEAD_PARAMS && strcmp(lead_params[i].name, name) != 0; i++)
            ;
        if (i == N_LEAD_PARAMS) {
            char msg[128];
            snprintf(msg, sizeof(msg),
                     "unknown query parameter; expected limit, offset, explain, type, kind, "
                     "country, zone, sector, lang or min_score");
            bad_param(req, name, msg);
            goto out;
        }
        if (vals[i].set) {
            bad_param(req, name, "query parameter given twice");
            goto out;
        }
        if (query_decode(eq ? eq + 1 : q + len, eq ? len - (size_t)(eq + 1 - q) : 0, true,
                         vals[i].v, sizeof(vals[i].v)) < 0) {
            bad_param(req, name, "bad percent-escape or value too long");
            goto out;
        }
        vals[i].set = true;
    next:
        q += len;
        if (*q == '&')
            q++;
    }
    for (size_t i = 0; i < N_LEAD_PARAMS; i++) {
        const char *v = vals[i].v;
        char *end;

        if (!vals[i].set)
            continue;
        switch (lead_params[i].kind) {
        case Q_UINT:
            if (!all_digits(v)) {
                bad_param(req, lead_params[i].name, "must be a non-negative integer");
                goto out;
            }
            break;
        case Q_BOOL:
            if (strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "1") && strcmp(v, "0")) {
                bad_param(req, lead_params[i].name, "must be true or false");
                goto out;
            }
            break;
        case Q_NUM:
            errno = 0;
            (void)strtod(v, &end);
            if (!*v || *end || errno) {
                bad_param(req, lead_params[i].name, "must be a number");
                goto out;
            }
            break;
        case Q_STR:
            if (!*v) {
                bad_param(req, lead_params[i].name, "must not be empty");
                goto out;
            }
            break;
        }
        if (lead_params[i].filter)
            n_filters++;
        else
            n_top++;
    }
    msgpack_packer_init(&pk, &body, buf_msgpack_write);
    if (msgpack_pack_map(&pk, n_top + (n_filters ? 1 : 0)) || proto_pack_cstr(&pk, "id") ||
        proto_pack_cstr(&pk, req->match.params[0]))
        body.oom = true;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && n_filters &&
            (proto_pack_cstr(&pk, "filters") || msgpack_pack_map(&pk, n_filters)))
            body.oom = true;
        for (size_t i = 0; i < N_LEAD_PARAMS; i++) {
            const char *v = vals[i].v;

            if (!vals[i].set || lead_params[i].filter != (pass == 1))
                continue;
            if (proto_pack_cstr(&pk, lead_params[i].name))
                body.oom = true;
            switch (lead_params[i].kind) {
            case Q_UINT:
                if (msgpack_pack_uint64(&pk, strtoull(v, NULL, 10)))
                    body.oom = true;
                break;
            case Q_BOOL:
                if ((v[0] == 't' || v[0] == '1') ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk))
                    body.oom = true;
                break;
            case Q_NUM:
                if (msgpack_pack_double(&pk, strtod(v, NULL)))
                    body.oom = true;
                break;
            case Q_STR:
                if (proto_pack_cstr(&pk, v))
                    body.oom = true;
                break;
            }
        }
    }
    api_call(a, req, "match.leads", &body, on_match_reply);
out:
    buf_release(&body);
    free(vals);
}

static void search(struct api *a, struct http_req *req)
{
    struct buf body = BUF_INIT;
    msgpack_packer pk;
    json_t *j = api_body_object(a, req);

    if (!j)
        return;
    /* The body goes as it is: the engine checks its fields (text, filters, limit, offset). */
    msgpack_packer_init(&pk, &body, buf_msgpack_write);
    if (jsonmp_pack(j, &pk))
        body.oom = true;
    json_decref(j);
    api_call(a, req, "match.search", &body, on_match_reply);
}

bool api_match_handle(struct api *a, struct http_req *req)
{
    switch (req->match.route) {
    case ROUTE_PROFILE_LEADS:
        leads(a, req);
        return true;
    case ROUTE_SEARCH:
        search(a, req);
        return true;
    default:
        return false;
    }
}
