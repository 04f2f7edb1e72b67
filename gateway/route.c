/* route.c - see route.h. */
#include "sm.h"
#include "route.h"
#include "query.h"

struct route_def {
    enum route_id id;
    const char *tmpl; /* segments separated by '/', "{name}" segments are parameters */
    unsigned methods;
};

/* Order matters only for readability: the match with the fewest parameters wins. */
static const struct route_def routes[] = {
    {ROUTE_PROFILES, "/v1/profiles", RM_POST},
    {ROUTE_PROFILES_IMPORT, "/v1/profiles/import", RM_POST},
    {ROUTE_PROFILE, "/v1/profiles/{id}", RM_GET | RM_PUT | RM_DELETE},
    {ROUTE_HEALTHZ, "/healthz", RM_GET},
    {ROUTE_METRICS, "/metrics", RM_GET},
    {ROUTE_PROFILE_LEADS, "/v1/profiles/{id}/leads", RM_GET},
    {ROUTE_SEARCH, "/v1/search", RM_POST},
    {ROUTE_EVENT_STREAM, "/v1/events/{id}/stream", RM_GET},
    {ROUTE_EVENT_AGENDA, "/v1/events/{id}/agenda/{profile}", RM_GET},
    {ROUTE_EVENT_TABLE_SHEET, "/v1/events/{id}/tables/{table}/sheet", RM_GET},
    {ROUTE_EVENT_SCHEDULE_CSV, "/v1/events/{id}/schedule.csv", RM_GET},
    {ROUTE_EVENTS, "/v1/events", RM_POST},
    {ROUTE_EVENT, "/v1/events/{id}", RM_GET},
    {ROUTE_EVENT_PARTICIPANTS, "/v1/events/{id}/participants", RM_GET | RM_POST},
    {ROUTE_EVENT_PARTICIPANT, "/v1/events/{id}/participants/{profile}", RM_PUT},
    {ROUTE_EVENT_REQUESTS, "/v1/events/{id}/requests", RM_GET | RM_POST},
    {ROUTE_EVENT_REQUEST, "/v1/events/{id}/requests/{rid}", RM_PUT},
    {ROUTE_EVENT_VETOES, "/v1/events/{id}/vetoes", RM_POST},
    {ROUTE_EVENT_MEETINGS, "/v1/events/{id}/meetings", RM_POST},
    {ROUTE_EVENT_MEETING, "/v1/events/{id}/meetings/{mid}", RM_PUT},
    {ROUTE_EVENT_TABLE, "/v1/events/{id}/tables/{table}", RM_PUT},
    {ROUTE_EVENT_SCHEDULE, "/v1/events/{id}/schedule", RM_GET | RM_POST},
    {ROUTE_EVENT_STATS, "/v1/events/{id}/stats", RM_GET},
    {ROUTE_EVENT_CHANGES, "/v1/events/{id}/changes", RM_GET},
};

unsigned route_method_bit(const char *method)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"GET", RM_GET},
                 {"HEAD", RM_HEAD},
                 {"POST", RM_POST},
                 {"PUT", RM_PUT},
                 {"DELETE", RM_DELETE}};

    for (size_t i = 0; i < SM_ARRAY_SIZE(names); i++)
        if (strcmp(method, names[i].name) == 0)
            return names[i].bit;
    return RM_OTHER;
}

/* Raw spans of the parameter segments of a match. */
struct spans {
    const char *p[ROUTE_PARAMS_MAX];
    size_t n[ROUTE_PARAMS_MAX];
    unsigned count;
};

/* 1 if path matches tmpl (sp gets the raw spans of its parameters), 0 if not. */
static int match_one(const char *tmpl, const char *path, size_t plen, struct spans *sp)
{
    size_t ti = 0, pi = 0, tl = strlen(tmpl);

    sp->count = 0;
    while (ti < tl && pi <= plen) {
        size_t te = ti + 1, pe = pi + 1;

        if (tmpl[ti] != '/' || pi >= plen || path[pi] != '/')
            return 0;
        while (te < tl && tmpl[te] != '/')
            te++;
        while (pe < plen && path[pe] != '/')
            pe++;
        if (te - ti > 3 && tmpl[ti + 1] == '{' && tmpl[te - 1] == '}') {
            if (pe - pi < 2 || sp->count >= ROUTE_PARAMS_MAX)
                return 0; /* an empty segment is no parameter */
            sp->p[sp->count] = path + pi + 1;
            sp->n[sp->count++] = pe - pi - 1;
        } else if (te - ti != pe - pi || memcmp(tmpl + ti, path + pi, te - ti) != 0) {
            return 0;
        }
        ti = te;
        pi = pe;
    }
    return ti == tl && pi == plen;
}

int route_match(unsigned method_bit, const char *path, size_t path_len, struct route_match *m,
                struct sm_error *e)
{
    const struct route_def *found = NULL;
    struct spans best = {0}, sp;

    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < SM_ARRAY_SIZE(routes); i++) {
        if (match_one(routes[i].tmpl, path, path_len, &sp) && (!found || sp.count < best.count)) {
            found = &routes[i];
            best = sp;
        }
    }
    if (!found)
        return sm_error_set(e, SM_ENOTFOUND, "", "no such path");
    m->route = found->id;
    m->allowed = found->methods;
    m->n_params = best.count;
    for (unsigned i = 0; i < best.count; i++)
        if (query_decode(best.p[i], best.n[i], false, m->params[i], sizeof(m->params[i])) < 0)
            return sm_error_set(e, SM_EBADREQ, "id",
                                "bad percent-escape or over-long parameter in path");
    if (!(found->methods & method_bit))
        return sm_error_set(e, SM_EMETHOD, "", "method not allowed on %s", found->tmpl);
    return 0;
}

const char *route_name(enum route_id r)
{
    for (size_t i = 0; i < SM_ARRAY_SIZE(routes); i++)
        if (routes[i].id == r)
            return routes[i].tmpl;
    return "other";
}

void route_allow_header(unsigned allowed, char *out, size_t outsz)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{RM_GET, "GET"},
                 {RM_HEAD, "HEAD"},
                 {RM_POST, "POST"},
                 {RM_PUT, "PUT"},
                 {RM_DELETE, "DELETE"}};
    size_t o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < SM_ARRAY_SIZE(names); i++) {
        if (!(allowed & names[i].bit))
            continue;
        int n = snprintf(out + o, outsz - o, "%s%s", o ? ", " : "", names[i].name);
        if (n < 0 || (size_t)n >= outsz - o)
            return;
        o += (size_t)n;
    }
}
