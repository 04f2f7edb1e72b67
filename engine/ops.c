/*
 * ops.c - dispatch of engine operations, reply packing, updates, and the core ops (ping, stats);
 * see ops.h.
 */
#include "sm.h"

#include "ops.h"

#include "log.h"

/* ---- dispatch table -------------------------------------------------------------------------- */

void ops_table_init(struct ops_table *t)
{
    memset(t, 0, sizeof(*t));
}

const struct ops_def *ops_table_find(const struct ops_table *t, const char *name, size_t n)
{
    /* Linear: a few dozen ops, compared by length first. */
    for (size_t i = 0; i < t->n; i++)
        if (strlen(t->v[i]->name) == n && memcmp(t->v[i]->name, name, n) == 0)
            return t->v[i];
    return NULL;
}

int ops_table_add(struct ops_table *t, const struct ops_def *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ops_table_find(t, defs[i].name, strlen(defs[i].name)))
            return -EEXIST;
        if (t->n >= OPS_MAX)
            return -ENOSPC;
        t->v[t->n++] = &defs[i];
    }
    return 0;
}

int ops_table_default(struct ops_table *t)
{
    int rc;

    ops_table_init(t);
    rc = ops_table_add(t, ops_core_defs, ops_core_count);
    if (rc == 0)
        rc = ops_table_add(t, ops_profile_defs, ops_profile_count);
    if (rc == 0)
        rc = ops_table_add(t, ops_event_defs, ops_event_count);
    if (rc == 0)
        rc = ops_table_add(t, ops_match_defs, ops_match_count);
    return rc;
}

/* ---- routing without unpacking --------------------------------------------------------------- */

static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/*
 * Header of the msgpack object at p[0..avail): *hdr bytes of header, *skip bytes of payload after
 * it, *children contained objects. False for a reserved byte or a header cut short.
 */
static bool obj_head(const uint8_t *p, size_t avail, size_t *hdr, uint64_t *skip,
                     uint64_t *children)
{
    /* Bytes after the tag of float32/64, uint8..64, int8..64, fixext1..16 (type + data). */
    static const uint8_t fixed[] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 2, 3, 5, 9, 17};
    uint8_t b = p[0];
    unsigned lenbytes;
    uint64_t n;

    *hdr = 1;
    *skip = 0;
    *children = 0;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return true;
    if ((b & 0xf0) == 0x80 || (b & 0xf0) == 0x90) {
        *children = (b & 0xf0) == 0x80 ? 2u * (b & 0x0f) : b & 0x0f;
        return true;
    }
    if ((b & 0xe0) == 0xa0) {
        *skip = b & 0x1f;
        return true;
    }
    if (b >= 0xca && b <= 0xd8) {
        *skip = fixed[b - 0xca];
        return true;
    }
    if (b >= 0xc4 && b <= 0xc9) /* bin8/16/32, ext8/16/32 */
        lenbytes = 1u << ((b - 0xc4) % 3);
    else if (b >= 0xd9 && b <= 0xdb) /* str8/16/32 */
        lenbytes = 1u << (b - 0xd9);
    else if (b >= 0xdc && b <= 0xdf) /* array16/32, map16/32 */
        lenbytes = (b & 1) ? 4 : 2;
    else
        return false; /* 0xc1 */
    if (avail < 1 + lenbytes)
        return false;
    *hdr = 1 + lenbytes;
    n = be(p + 1, lenbytes);
    if (b >= 0xdc)
        *children = b >= 0xde ? 2 * n : n;
    else if (b >= 0xc7 && b <= 0xc9)
        *skip = 1 + n; /* ext: the type byte, then n bytes */
    else
        *skip = n;
    return true;
}

/*
 * Skip one whole object at *pos. Every object takes at least one byte, so counting the objects
 * still owed (instead of recursing) bounds both time and memory by len.
 */
static bool skip_object(const uint8_t *p, size_t len, size_t *pos)
{
    uint64_t owed = 1;

    while (owed) {
        size_t hdr;
        uint64_t skip, children;

        if (*pos >= len || !obj_head(p + *pos, len - *pos, &hdr, &skip, &children))
            return false;
        owed--;
        *pos += hdr;
        if (skip > len - *pos || children > len - *pos)
            return false;
        *pos += (size_t)skip;
        owed += children;
    }
    return true;
}

bool ops_peek_op(const void *buf, size_t len, const char **op, size_t *op_len)
{
    const uint8_t *p = buf;
    size_t pos = 0, hdr;
    uint64_t skip, pairs;

    if (len == 0 || !obj_head(p, len, &hdr, &skip, &pairs))
        return false;
    if (!((p[0] & 0xf0) == 0x80 || p[0] == 0xde || p[0] == 0xdf))
        return false;
    pairs /= 2;
    pos = hdr;
    for (uint64_t i = 0; i < pairs; i++) {
        size_t kpos = pos, khdr;
        uint64_t klen, kchildren;

        if (pos >= len || !obj_head(p + pos, len - pos, &khdr, &klen, &kchildren))
            return false;
        if (!skip_object(p, len, &pos))
            return false;
        /* A str key "op": the value must be a str too. */
        if (!(p[kpos] >= 0xa0 && p[kpos] <= 0xbf) && !(p[kpos] >= 0xd9 && p[kpos] <= 0xdb))
            goto value;
        if (klen != 2 || memcmp(p + kpos + khdr, "op", 2) != 0)
            goto value;
        if (pos >= len || !obj_head(p + pos, len - pos, &khdr, &klen, &kchildren))
            return false;
        if (!(p[pos] >= 0xa0 && p[pos] <= 0xbf) && !(p[pos] >= 0xd9 && p[pos] <= 0xdb))
            return false;
        if (klen > len - pos - khdr)
            return false;
        *op = (const char *)p + pos + khdr;
        *op_len = (size_t)klen;
        return true;
    value:
        if (!skip_object(p, len, &pos))
            return false;
    }
    return false;
}

enum ops_kind ops_route(const struct ops_table *t, const void *buf, size_t len)
{
    const struct ops_def *def;
    const char *op;
    size_t n;

    if (!ops_peek_op(buf, len, &op, &n))
        return OPS_READ;
    def = ops_table_find(t, op, n);
    return def ? def->kind : OPS_READ;
}

/* ---- requests and replies -------------------------------------------------------------------- */

void ops_request_init(struct ops_request *r)
{
    memset(r, 0, sizeof(*r));
    msgpack_unpacked_init(&r->msg);
}

void ops_profiles_release(struct ops_profiles *p)
{
    for (uint32_t i = 0; p->ps && i < p->n; i++)
        if (p->valid && p->valid[i])
            profile_release(&p->ps[i]);
    for (uint32_t i = 0; p->packed && i < p->n; i++)
        store_packed_release(&p->packed[i]);
    free(p->packed);
    free(p->ps);
    free(p->valid);
    free(p->ok);
    memset(p, 0, sizeof(*p));
}

void ops_request_release(struct ops_request *r)
{
    if (r->ahead) {
        ops_profiles_release(r->ahead);
        free(r->ahead);
    }
    msgpack_unpacked_destroy(&r->msg);
    memset(r, 0, sizeof(*r));
}

int ops_request_prepare(struct ops_request *r, const struct ops_ctx *c)
{
    int rc;

    if (r->rc || r->ahead || !r->def->prepare)
        return 0;
    r->ahead = calloc(1, sizeof(*r->ahead));
    if (!r->ahead)
        return -ENOMEM;
    rc = r->def->prepare(c, r->req.body, r->ahead);
    if (rc || !r->ahead->ps) {
        ops_profiles_release(r->ahead);
        free(r->ahead);
        r->ahead = NULL;
    }
    return rc;
}

int ops_request_parse(struct ops_request *r, const struct ops_table *t, const void *buf, size_t len)
{
    const msgpack_object *id;
    int rc;

    r->req.id = 0;
    r->def = NULL;
    rc = proto_unpack(buf, len, NULL, &r->msg);
    if (rc) {
        sm_error_set(&r->err, rc == -ENOMEM ? SM_ENOMEM : rc, "",
                     rc == SM_ETOOLARGE ? "message over the size or object limit"
                                        : "payload is not one well-formed msgpack object");
        return r->rc = r->err.code;
    }
    rc = proto_parse_request(&r->msg.data, &r->req, &r->err);
    if (rc) {
        /* Still echo a usable id, so a DEALER client can match the error to its request. */
        id = proto_map_get(&r->msg.data, "id");
        r->req.id = id && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? id->via.u64 : 0;
        return r->rc = rc;
    }
    r->def = ops_table_find(t, r->req.op, r->req.op_len);
    if (!r->def) {
        /* The op name is client text: do not echo it (it may be long or not UTF-8). */
        sm_error_set(&r->err, SM_EUNKNOWNOP, "op", "unknown operation");
        return r->rc = SM_EUNKNOWNOP;
    }
    return r->rc = 0;
}

int ops_pack_error_reply(msgpack_sbuffer *out, uint64_t id, const struct sm_error *e)
{
    msgpack_packer pk;

    msgpack_sbuffer_clear(out);
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    return proto_pack_reply_error(&pk, id, e);
}

int ops_execute(const struct ops_request *r, struct ops_ctx *c, msgpack_sbuffer *out)
{
    size_t mark = c->events ? c->events->n : 0;
    msgpack_packer pk;
    int rc;

    if (r->rc) {
        ops_pack_error_reply(out, r->req.id, &r->err);
        return r->rc;
    }
    msgpack_sbuffer_clear(out);
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    sm_error_clear(&c->err);
    c->pk = &pk;
    c->ahead = r->ahead;
    rc = proto_pack_reply_ok_head(&pk, r->req.id);
    if (rc == 0)
        rc = r->def->fn(c, r->req.body);
    c->pk = NULL;
    c->ahead = NULL;
    if (rc == 0)
        return 0;
    if (c->events)
        c->events->n = mark;
    if (rc == -ENOMEM)
        rc = SM_ENOMEM;
    if (c->err.code != rc)
        sm_error_set(&c->err, rc, "", "%s", sm_strerror(rc));
    ops_pack_error_reply(out, r->req.id, &c->err);
    return rc;
}

/* ---- updates --------------------------------------------------------------------------------- */

void ops_events_init(struct ops_events *ev)
{
    memset(ev, 0, sizeof(*ev));
    msgpack_sbuffer_init(&ev->buf);
}

void ops_events_release(struct ops_events *ev)
{
    msgpack_sbuffer_destroy(&ev->buf);
    free(ev->v);
    memset(ev, 0, sizeof(*ev));
}

void ops_events_clear(struct ops_events *ev)
{
    msgpack_sbuffer_clear(&ev->buf);
    ev->n = 0;
}

int ops_emit(struct ops_ctx *c, const char *topic, const void *data, size_t len)
{
    struct ops_events *ev = c->events;
    struct ops_event *e;
    size_t tlen = strlen(topic);

    if (!ev)
        return -EINVAL;
    if (ev->n == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 64;
        struct ops_event *v = realloc(ev->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        ev->v = v;
        ev->cap = cap;
    }
    e = &ev->v[ev->n];
    /* Offsets, not pointers: the buffer moves when it grows. */
    e->topic_off = ev->buf.size;
    e->topic_len = tlen;
    if (msgpack_sbuffer_write(&ev->buf, topic, tlen))
        return -ENOMEM;
    e->data_off = ev->buf.size;
    e->data_len = len;
    if (msgpack_sbuffer_write(&ev->buf, data, len))
        return -ENOMEM;
    ev->n++;
    return 0;
}

/* ---- core ops -------------------------------------------------------------------------------- */

static int op_ping(struct ops_ctx *c, const msgpack_object *body)
{
    struct store_stats s;
    int rc;

    (void)body;
    rc = store_stats(c->txn, &s);
    if (rc)
        return rc;
    if (msgpack_pack_map(c->pk, 2) || proto_pack_cstr(c->pk, "version") ||
        proto_pack_cstr(c->pk, c->info->version) || proto_pack_cstr(c->pk, "profiles") ||
        msgpack_pack_uint64(c->pk, s.profiles))
        return -ENOMEM;
    return 0;
}

static int op_stats(struct ops_ctx *c, const msgpack_object *body)
{
    struct store_stats s;
    msgpack_packer *pk = c->pk;
    int rc;

    (void)body;
    rc = store_stats(c->txn, &s);
    if (rc)
        return rc;
    if (msgpack_pack_map(pk, 7) || proto_pack_cstr(pk, "profiles") ||
        msgpack_pack_uint64(pk, s.profiles) || proto_pack_cstr(pk, "map_size") ||
        msgpack_pack_uint64(pk, s.map_size) || proto_pack_cstr(pk, "data_bytes") ||
        msgpack_pack_uint64(pk, s.data_bytes) || proto_pack_cstr(pk, "readers") ||
        msgpack_pack_uint64(pk, c->info->readers) || proto_pack_cstr(pk, "reader_slots") ||
        msgpack_pack_uint64(pk, s.reader_slots) || proto_pack_cstr(pk, "profile_writes") ||
        msgpack_pack_uint64(pk, s.profile_writes) || proto_pack_cstr(pk, "version") ||
        proto_pack_cstr(pk, c->info->version))
        return -ENOMEM;
    return 0;
}

const struct ops_def ops_core_defs[] = {
    {"ping", OPS_READ, op_ping, NULL},
    {"stats", OPS_READ, op_stats, NULL},
};
const size_t ops_core_count = SM_ARRAY_SIZE(ops_core_defs);
