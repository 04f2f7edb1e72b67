/*
 * jsonmp.h - JSON <-> msgpack, one to one, for the gateway (SPEC §2: JSON on the API, msgpack
 * inside). object <-> map, array <-> array, string <-> str, integer <-> int, real <-> float64,
 * true/false/null <-> bool/nil.
 *
 * Parsing uses jansson (a tree) or yajl (events straight to msgpack, jsonmp_transcode), duplicate
 * keys rejected either way; before either sees the text, a linear pre-scan refuses nesting deeper
 * than the limit, so a hostile body can neither recurse deeply nor build a tree the engine would
 * refuse anyway (its msgpack limit is 24 levels, and the request envelope adds up to three).
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

/* What jsonmp_transcode saw at the top: an object or not, and the object's "id" if a string. */
struct jsonmp_top {
    bool object;
    const char *id; /* in out, valid until out changes; NULL if none */
    size_t id_len;
};

/*
 * Append to out the bytes jsonmp_parse then jsonmp_pack would, without building a tree: yajl's
 * events packed as they come (the bulk import's path: ~8 times faster than jansson's tree for a
 * profile line). Same limits, same values accepted and refused; the messages of syntax errors
 * are yajl's, with the same "invalid json at [line L ]column C: " start. Text the two libraries
 * read differently (\u0000, surrogate escapes, \v or \f between tokens, NUL bytes) goes through
 * jansson.
 * top (may be NULL) is filled on success. On error out is left as it was.
 * Returns 0, SM_ETOOLARGE, SM_EBADREQ (e filled) or -ENOMEM.
 */
int jsonmp_transcode(const char *s, size_t len, const struct jsonmp_limits *lim,
                     struct buf *out, struct jsonmp_top *top, struct sm_error *e);

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
