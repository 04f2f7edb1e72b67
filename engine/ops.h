/*
 * ops.h - engine operations (docs/protocol.md): a dispatch table by op name, the context a
 * handler runs in, request parsing and reply packing shared by the reader and writer threads.
 *
 * Adding an operation (leads, search, events...): write handlers with the ops_fn signature in
 * their own module (as ops_profile.c does), export a `const struct ops_def name_defs[]` table and
 * add it to the table in ops_table_default(). OPS_READ handlers run on a reader thread in a read
 * transaction; OPS_WRITE handlers run on the writer thread, each request in its own nested write
 * transaction of a group commit, and may publish updates with ops_emit(), which are sent only
 * after the commit.
 *
 * A handler packs exactly one object (the reply body) with c->pk and returns 0, or returns an
 * error code with c->err filled (sm_error_set(&c->err, code, field, fmt, ...)); what it packed
 * is then discarded and an error reply sent. Handlers may be run again for the same request (the
 * writer re-runs a batch after growing the map): they keep no state between runs.
 */
#ifndef SM_OPS_H
#define SM_OPS_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "profile.h"
#include "proto.h"
#include "store.h"

#define OPS_MAX 64
#define OPS_IMPORT_MAX 10000 /* profiles per profile.import */

enum ops_kind { OPS_READ, OPS_WRITE };

/* Updates produced by write ops, published on the PUB socket after the commit. */
struct ops_event {
    size_t topic_off, topic_len, data_off, data_len; /* into buf */
};
struct ops_events {
    msgpack_sbuffer buf;
    struct ops_event *v;
    size_t n, cap;
};
void ops_events_init(struct ops_events *ev);
void ops_events_release(struct ops_events *ev);
void ops_events_clear(struct ops_events *ev);

/* Facts about the running engine that some ops report. */
struct index;

struct ops_info {
    const char *version;
    unsigned readers;
    const struct profile_limits *limits; /* NULL: profile_default_limits */
    struct index *index;                 /* matching index (index.h); NULL: match.* unavailable */
};

/*
 * The profiles a write request is to put, decoded before its turn (ops_request_prepare): the
 * writer decodes the next group's imports while the group before it commits, and hands them to
 * store_prepare, so the index's helpers analyse them meanwhile.
 */
struct ops_profiles {
    struct profile *ps; /* n items; valid[i]: ps[i] decoded (an invalid one is decoded again) */
    bool *valid;
    struct profile **ok; /* the valid ones in order (n_ok): what store_prepare takes */
    uint32_t n, n_ok;
    /* Decoded ahead with a clock (c->now_ms): each valid item's record packed for a put at
     * now_ms (store_pack_ahead), stored as it is if the id is new. NULL otherwise. */
    struct store_packed *packed;
    int64_t now_ms;
};
void ops_profiles_release(struct ops_profiles *p);

struct ops_ctx {
    struct store *st;
    struct store_txn *txn;     /* read txn (readers) or this request's nested write txn */
    msgpack_packer *pk;        /* pack exactly one object, the reply body */
    struct sm_error err;       /* filled by a failing handler */
    struct ops_events *events; /* writer only; NULL on readers */
    const struct ops_info *info;
    int64_t now_ms; /* one wall-clock reading per batch */
    /* Writer: this request's profiles decoded ahead (borrowed), handed to store_prepare by the
     * writer already; NULL when the handler decodes them itself. */
    const struct ops_profiles *ahead;
};

/* Returns 0 with the body packed, or an error code with c->err set. */
typedef int (*ops_fn)(struct ops_ctx *c, const msgpack_object *body);

/*
 * A write op's work before its turn, outside any transaction (c->st, c->info set; c->now_ms if
 * the work may be stamped with it, else 0): fill out, or leave it empty (then the handler does
 * it all). Any thread. Returns 0 or -ENOMEM.
 */
typedef int (*ops_prepare_fn)(const struct ops_ctx *c, const msgpack_object *body,
                              struct ops_profiles *out);

struct ops_def {
    const char *name;
    enum ops_kind kind;
    ops_fn fn;
    ops_prepare_fn prepare; /* optional */
};

extern const struct ops_def ops_core_defs[]; /* ping, stats (ops.c) */
extern const size_t ops_core_count;
extern const struct ops_def ops_profile_defs[]; /* profile.* (ops_profile.c) */
extern const size_t ops_profile_count;
extern const struct ops_def ops_event_defs[]; /* event.* (ops_event.c, ops_event_sched.c) */
extern const size_t ops_event_count;
extern const struct ops_def ops_match_defs[]; /* match.leads, match.search (ops_match.c) */
extern const size_t ops_match_count;

/* The dispatch table; filled before the server starts, then read-only (any thread). */
struct ops_table {
    const struct ops_def *v[OPS_MAX];
    size_t n;
};
void ops_table_init(struct ops_table *t);
/* Add defs (borrowed: static tables). Returns 0, -EEXIST (name taken) or -ENOSPC. */
int ops_table_add(struct ops_table *t, const struct ops_def *defs, size_t n);
/* Every operation the engine has. */
int ops_table_default(struct ops_table *t);
const struct ops_def *ops_table_find(const struct ops_table *t, const char *name, size_t n);

/*
 * Where the broker sends a raw payload, from its "op" alone, without unpacking it: OPS_WRITE for
 * a known write op, OPS_READ for everything else (reads, unknown ops and malformed payloads,
 * which a reader answers with the proper error).
 */
enum ops_kind ops_route(const struct ops_table *t, const void *buf, size_t len);
/* The top-level "op" string of a msgpack map (borrowed from buf); false if none. Bounds-safe. */
bool ops_peek_op(const void *buf, size_t len, const char **op, size_t *op_len);

/* A request unpacked and looked up; owns the unpacked message its pointers borrow from. */
struct ops_request {
    msgpack_unpacked msg;
    struct proto_request req;  /* req.id is 0 when the payload had no usable id */
    const struct ops_def *def; /* NULL when rc != 0 */
    int rc;                    /* 0, or the error to reply with (err) */
    struct sm_error err;
    struct ops_profiles *ahead; /* ops_request_prepare's, or NULL */
};
void ops_request_init(struct ops_request *r);
void ops_request_release(struct ops_request *r);
/*
 * Unpack (with proto_unpack's limits) and look up the op. Returns r->rc: SM_EBADREQ or
 * SM_ETOOLARGE for a bad payload, SM_EUNKNOWNOP for an unknown op, -ENOMEM.
 */
int ops_request_parse(struct ops_request *r, const struct ops_table *t, const void *buf,
                      size_t len);
/*
 * For a parsed write request whose op has a prepare step: run it (r->ahead, freed by
 * ops_request_release) and ops_execute passes it to the handler in c->ahead. The caller hands
 * r->ahead->ok to store_prepare. Returns 0 (also when there is nothing to prepare) or -ENOMEM.
 */
int ops_request_prepare(struct ops_request *r, const struct ops_ctx *c);

/*
 * Write the whole reply to r into out (cleared first): the parse error, or the handler's body
 * under an ok head, or the handler's error. Events a failing handler emitted are dropped.
 * Returns the error replied with (0 for ok).
 */
int ops_execute(const struct ops_request *r, struct ops_ctx *c, msgpack_sbuffer *out);
/* An error reply alone (e.g. for a payload that could not be parsed: id 0). */
int ops_pack_error_reply(msgpack_sbuffer *out, uint64_t id, const struct sm_error *e);

/* Queue an update [topic, data] for publication after the commit. -ENOMEM; -EINVAL on a reader. */
int ops_emit(struct ops_ctx *c, const char *topic, const void *data, size_t len);

#endif
