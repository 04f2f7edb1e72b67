/*
 * proto.h - the engine protocol codec: msgpack messages over ZeroMQ (docs/protocol.md).
 *
 * Framing: a client (DEALER or REQ) sends one payload frame; the engine's ROUTER replies to the
 * same envelope. A request payload is a msgpack map
 *     {"id": uint, "op": str, "body": any}        ("body" may be absent: nil)
 * and a reply
 *     {"id": uint, "ok": true,  "body": any}
 *     {"id": uint, "ok": false, "error": {"code": str, "message": str, "field": str}}
 *
 * msgpack-c's unpacker has no size limits (PITFALLS.md: a 5-byte array32 header made it reserve
 * gigabytes), so every buffer from a peer goes through proto_check() before msgpack_unpack():
 * each declared length must fit in the bytes that remain, nesting and item counts are capped.
 */
#ifndef SM_PROTO_H
#define SM_PROTO_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PROTO_VERSION 1

struct proto_limits {
    size_t max_bytes;   /* whole message */
    unsigned max_depth; /* nesting of arrays and maps; <= 30 (msgpack-c embeds a 32-deep stack) */
    size_t max_items;   /* every object counted once (bounds the unpacker's zone) */
};

/* 64 MiB, depth 24, 4M objects: generous for a batch import, safe for the unpacker. */
extern const struct proto_limits proto_default_limits;

/*
 * Check that buf holds exactly one well-formed msgpack object within lim.
 * Returns 0, SM_ETOOLARGE (over max_bytes/max_items) or SM_EBADREQ (truncated, trailing bytes,
 * too deep, a length that exceeds what remains, or a reserved byte 0xc1).
 */
int proto_check(const void *buf, size_t len, const struct proto_limits *lim);

/*
 * proto_check() then msgpack_unpack() into out (caller initialised it with
 * msgpack_unpacked_init() and releases it with msgpack_unpacked_destroy()).
 * The objects in out borrow nothing from buf: str, bin and ext payloads live in a copy owned by
 * out's zone (msgpack-c itself would point them into buf), so buf may be freed at once.
 */
int proto_unpack(const void *buf, size_t len, const struct proto_limits *lim,
                 msgpack_unpacked *out);

/* Map lookup by string key; NULL if obj is not a map or has no such key. Borrowed. */
const msgpack_object *proto_map_get(const msgpack_object *obj, const char *key);
/* True if o is a str equal to s. */
bool proto_str_eq(const msgpack_object *o, const char *s);
/* Copy a str object into a new NUL-terminated string (caller frees); NULL on ENOMEM or not str. */
char *proto_strdup(const msgpack_object *o);

/* A parsed request: pointers borrow from the unpacked message. */
struct proto_request {
    uint64_t id;
    const char *op;
    size_t op_len;
    const msgpack_object *body; /* never NULL: points to a nil object when absent */
};

/* Returns 0 or SM_EBADREQ with e filled ("id", "op" named as the field). */
int proto_parse_request(const msgpack_object *root, struct proto_request *req,
                        struct sm_error *e);
/* True if req->op equals op. */
bool proto_op_is(const struct proto_request *req, const char *op);

/* A parsed reply: on error, err holds code/field/message and body is nil. */
struct proto_reply {
    uint64_t id;
    bool ok;
    const msgpack_object *body;
    struct sm_error err;
};

int proto_parse_reply(const msgpack_object *root, struct proto_reply *rep);

/*
 * Writers. A request or ok-reply is written as its envelope, then the caller packs exactly one
 * object for "body" (use msgpack_pack_nil for none).
 */
int proto_pack_request_head(msgpack_packer *pk, uint64_t id, const char *op);
int proto_pack_reply_ok_head(msgpack_packer *pk, uint64_t id);
int proto_pack_reply_error(msgpack_packer *pk, uint64_t id, const struct sm_error *e);
/* Pack the error map {"code","message","field"} alone (used inside import results). */
int proto_pack_error(msgpack_packer *pk, const struct sm_error *e);
/* Pack a NUL-terminated string as a msgpack str. */
int proto_pack_cstr(msgpack_packer *pk, const char *s);
/* Pack a byte string as a msgpack str. */
int proto_pack_strn(msgpack_packer *pk, const char *s, size_t n);

#endif
