/*
 * jsonmp.h - JSON <-> msgpack, one to one, for the gateway (SPEC §2: JSON on the API, msgpack
 * inside). object <-> map, array <-> array, string <-> str, integer <-> int, real <-> float64,
 * true/false/null <-> bool/nil.
 *
 * Parsing uses jansson with duplicate keys rejected; before jansson sees the text, a linear
 * pre-scan refuses nesting deeper than the limit, so a hostile body can neither recurse deeply
 * nor build a tree the engine would refuse anyway (its msgpack limit is 24 levels, and the
 * request envelope adds up to three).
 *
 * Pure logic: no I/O, no globals; safe from any thread.
 */
#ifndef GW_JSONMP_H
#define GW_JSONMP_H

#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct jsonmp_limits {
    size_t max_bytes;   /* whole text */
    unsigned max_depth; /* arrays and objects nested; 1 = a flat object */
};

/* 1 MiB, depth 16. */
extern const struct jsonmp_limits jsonmp_default_limits;

/*
 * Parse one JSON value (an object or an array at the top) from s[0..len).
 * On success *out is a new reference the caller owns (json_decref).
 * Errors, with e filled: SM_ETOOLARGE (over max_bytes), SM_EBADREQ for malformed JSON, bad
 * UTF-8, duplicate keys or too deep nesting; the message names the line and column.
 */
int jsonmp_parse(const char *s, size_t len, const struct jsonmp_limits *lim, json_t **out,
                 struct sm_error *e);

/* Pack a parsed value as msgpack (objects keep their key order). 0 or -ENOMEM. */
int jsonmp_pack(const json_t *j, msgpack_packer *pk);

/*
 * Append the JSON text of a msgpack object to out. Map keys must be strings; bin becomes a
 * base64 string; non-finite floats become null; strings with invalid UTF-8 get U+FFFD.
 * skip_key (may be NULL): a key left out of the top-level map (used to hide "contact").
 * Returns 0, SM_EBADREQ (non-string key, ext type, nesting over 64) or -ENOMEM.
 */
int jsonmp_to_json(const msgpack_object *o, const char *skip_key, struct buf *out);

/*
 * Append the error object {"code": ..., "message": ..., "field": ...} of e to out (the inner
 * part of the API's {"error": {...}} body; the message defaults to sm_strerror(code)).
 */
void jsonmp_put_error(struct buf *out, const struct sm_error *e);

#endif
