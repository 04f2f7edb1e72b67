/*
 * route.h - the gateway's URL table: maps a method and a path to a route and its parameter.
 *
 * A route is a path template with literal segments and at most one "{id}" segment. A literal
 * segment wins over "{id}": "/v1/profiles/import" is the import route, never a profile id
 * (GET on it is 405, not a profile lookup).
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

struct route_match {
    enum route_id route;
    unsigned allowed;            /* methods the path allows (for a 405's Allow header) */
    char param[ROUTE_PARAM_MAX]; /* the percent-decoded {id} segment, or "" */
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
