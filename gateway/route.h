/*
 * route.h - the gateway's URL table: maps a method and a path to a route and its parameter.
 *
 * A route is a path template of literal segments and parameter segments ("{id}", "{profile}":
 * any name in braces), at most ROUTE_PARAMS_MAX of them. When several templates match, the one
 * with the fewest parameters wins, so a literal segment beats a parameter:
 * "/v1/profiles/import" is the import route, never a profile id (GET on it is 405).
 *
 * Adding routes: append an enum value here and a line to the table in route.c, then handle the
 * route in the subsystem's api_*.c dispatcher (see api.h).
 *
 * Pure logic: no I/O, no globals besides the constant table.
 */
#ifndef GW_ROUTE_H
#define GW_ROUTE_H

#include <stddef.h>

#include "err.h"

enum route_id {
    ROUTE_NONE = 0,
    ROUTE_PROFILES,        /* /v1/profiles */
    ROUTE_PROFILES_IMPORT, /* /v1/profiles/import */
    ROUTE_PROFILE,         /* /v1/profiles/{id} */
    ROUTE_HEALTHZ,         /* /healthz */
    ROUTE_METRICS,         /* /metrics */
    ROUTE_PROFILE_LEADS,   /* /v1/profiles/{id}/leads (api_match.c) */
    ROUTE_SEARCH,          /* /v1/search (api_match.c) */
    ROUTE_EVENT_STREAM,       /* /v1/events/{id}/stream (api_stream.c) */
    ROUTE_EVENT_AGENDA,       /* /v1/events/{id}/agenda/{profile} (api_agenda.c) */
    ROUTE_EVENT_TABLE_SHEET,  /* /v1/events/{id}/tables/{table}/sheet (api_agenda.c) */
    ROUTE_EVENT_SCHEDULE_CSV, /* /v1/events/{id}/schedule.csv (api_agenda.c) */
    ROUTE_EVENTS,             /* /v1/events (api_events.c) */
    ROUTE_EVENT,              /* /v1/events/{id} */
    ROUTE_EVENT_PARTICIPANTS, /* /v1/events/{id}/participants */
    ROUTE_EVENT_PARTICIPANT,  /* /v1/events/{id}/participants/{profile} */
    ROUTE_EVENT_REQUESTS,     /* /v1/events/{id}/requests */
    ROUTE_EVENT_REQUEST,      /* /v1/events/{id}/requests/{rid} */
    ROUTE_EVENT_VETOES,       /* /v1/events/{id}/vetoes */
    ROUTE_EVENT_MEETINGS,     /* /v1/events/{id}/meetings */
    ROUTE_EVENT_MEETING,      /* /v1/events/{id}/meetings/{mid} */
    ROUTE_EVENT_TABLE,        /* /v1/events/{id}/tables/{table} */
    ROUTE_EVENT_SCHEDULE,     /* /v1/events/{id}/schedule */
    ROUTE_EVENT_STATS,        /* /v1/events/{id}/stats */
    ROUTE_EVENT_CHANGES,      /* /v1/events/{id}/changes */
    ROUTE__COUNT
};

/* Methods a route may allow, as a bit set. */
enum route_method {
    RM_GET = 1 << 0,
    RM_HEAD = 1 << 1,
    RM_POST = 1 << 2,
    RM_PUT = 1 << 3,
    RM_DELETE = 1 << 4,
    RM_OTHER = 1 << 5,
};

#define ROUTE_PARAM_MAX 256
#define ROUTE_PARAMS_MAX 3

struct route_match {
    enum route_id route;
    unsigned allowed; /* methods the path allows (for a 405's Allow header) */
    unsigned n_params;
    /* The percent-decoded parameter segments in template order; "" past n_params. */
    char params[ROUTE_PARAMS_MAX][ROUTE_PARAM_MAX];
};

/* The method bit for a method name ("GET"...); RM_OTHER for anything else. */
unsigned route_method_bit(const char *method);

/*
 * Match path (no query string; percent-encoded as received) for a method bit.
 * Returns 0 with m filled, SM_ENOTFOUND (no such path), SM_EMETHOD (path exists, method not
 * allowed; m->route and m->allowed are set) or SM_EBADREQ (bad %-escape, NUL, or a parameter
 * over ROUTE_PARAM_MAX - 1 bytes) with e filled in every error case.
 */
int route_match(unsigned method_bit, const char *path, size_t path_len, struct route_match *m,
                struct sm_error *e);

/* The template of a route ("/v1/profiles/{id}"), used as the metrics label; "other" for NONE. */
const char *route_name(enum route_id r);

/* Write "GET, PUT, DELETE" for an allowed set into out (always NUL-terminated). */
void route_allow_header(unsigned allowed, char *out, size_t outsz);

#endif
