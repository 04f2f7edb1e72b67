/*
 * query.h - percent-decoding of URL parts and lookup in query strings; the one decoder the
 * router (path segments) and the handlers (query parameters) share. Pure logic.
 */
#ifndef GW_QUERY_H
#define GW_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#define QUERY_ABSENT (-1) /* query_get: no such parameter */
#define QUERY_BAD (-2)    /* a bad %-escape, a NUL byte, or a value over the buffer */

/*
 * Percent-decode s[0..n) into out (always NUL-terminated when outsz > 0). With form set, '+'
 * is a space (query strings); in a path it stays '+'. Returns the decoded length or QUERY_BAD.
 */
int query_decode(const char *s, size_t n, bool form, char *out, size_t outsz);

/*
 * Find name in a query string ("a=1&b=2", without '?') and decode its value into out.
 * Returns the value's length (0 for "name" or "name="), QUERY_ABSENT or QUERY_BAD.
 */
int query_get(const char *query, const char *name, char *out, size_t outsz);

#endif
