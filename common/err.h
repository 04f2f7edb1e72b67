/*
 * err.h - smematch error codes.
 *
 * Every function that can fail returns int: 0 on success, a negative value on failure.
 * System errors are -errno; smematch's own codes are the SM_E* values below (all below
 * SM_ERR_BASE so they never collide with -errno or LMDB's codes, which the store maps
 * to SM_ESTORE at its boundary).
 *
 * Each code has a stable wire name (used in the engine protocol and in HTTP error bodies)
 * and an HTTP status, so the gateway maps engine errors without a table of its own.
 */
#ifndef SM_ERR_H
#define SM_ERR_H

#include <stddef.h>

enum sm_err {
    SM_OK = 0,
    SM_ERR_BASE = -20000,
    SM_EINVAL = -20001,       /* "invalid_field": a field has a bad value (400) */
    SM_EBADREQ = -20002,      /* "invalid_request": malformed body, JSON, msgpack (400) */
    SM_ENOTFOUND = -20003,    /* "not_found" (404) */
    SM_ECONFLICT = -20004,    /* "conflict": already exists, or state forbids it (409) */
    SM_ETOOLARGE = -20005,    /* "too_large": over a size limit (413) */
    SM_EUNAVAIL = -20006,     /* "unavailable": engine down or overloaded (503) */
    SM_ETIMEOUT = -20007,     /* "timeout": no reply in time (504) */
    SM_EINTERNAL = -20008,    /* "internal" (500) */
    SM_ESTORE = -20009,       /* "storage": LMDB failed (500) */
    SM_EUNKNOWNOP = -20010,   /* "unknown_op": the engine has no such operation (400) */
    SM_EMETHOD = -20011,      /* "method_not_allowed" (405) */
    SM_EUNAUTH = -20012,      /* "unauthorized" (401) */
    SM_EFORBIDDEN = -20013,   /* "forbidden" (403) */
    SM_ERATELIMIT = -20014,   /* "rate_limited" (429) */
    SM_ENOMEM = -20015,       /* "out_of_memory" (503) */
};

/* Human-readable text for any code returned by smematch functions (also -errno). */
const char *sm_strerror(int err);
/* Stable wire name ("invalid_field", ...); "internal" for unknown or system codes. */
const char *sm_err_name(int err);
/* Inverse of sm_err_name; SM_EINTERNAL for an unknown name. */
int sm_err_from_name(const char *name, size_t len);
/* HTTP status for a code (500 for unknown or system codes). */
int sm_err_http_status(int err);

/*
 * A detailed error as returned to a client: the code, the field it concerns (a path such as
 * "offers[0].type", or empty), and a short lowercase message saying what is expected.
 */
struct sm_error {
    int code;
    char field[128];
    char message[256];
};

/* Fill e (if not NULL) and return code, so callers can write `return sm_error_set(...)`. */
int sm_error_set(struct sm_error *e, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sm_error_clear(struct sm_error *e);

#endif
