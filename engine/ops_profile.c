/*
 * ops_profile.c - the profile.* operations of docs/protocol.md: create, put, get, delete, import.
 *
 * Validation happens before any write, so a request that fails on bad input has touched nothing;
 * the writer also runs every request in its own nested transaction, so a storage or hook error
 * midway (e.g. in the middle of an import) undoes that request alone.
 */
#include "sm.h"

#include "ops.h"

#include "log.h"

static const struct profile_limits *limits(const struct ops_ctx *c)
{
    return c->info && c->info->limits ? c->info->limits : &profile_default_limits;
}

/* {"op": what, "id": id} on topic "profile". */
static int emit_profile(struct ops_ctx *c, const char *what, const char *id)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int rc = -ENOMEM;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (msgpack_pack_map(&pk, 2) || proto_pack_cstr(&pk, "op") || proto_pack_cstr(&pk, what) ||
        proto_pack_cstr(&pk, "id") || proto_pack_cstr(&pk, id))
        goto out;
    rc = ops_emit(c, "profile", sb.data, sb.size);
out:
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static int want_map_body(struct ops_ctx *c, const msgpack_object *body, const char *what)
{
    if (body->type != MSGPACK_OBJECT_MAP)
        return sm_error_set(&c->err, SM_EBADREQ, "", "body must be a map with %s", what);
    return 0;
}

/* body.id: a valid profile id (borrowed from the request). */
static int want_id(struct ops_ctx *c, const msgpack_object *body, const char **id, size_t *n)
{
    const msgpack_object *o = proto_map_get(body, "id");

    if (!o || o->type != MSGPACK_OBJECT_STR || !profile_id_valid(o->via.str.ptr, o->via.str.size))
        return sm_error_set(&c->err, SM_EINVAL, "id",
                            "must be 1 to %d characters of A-Z a-z 0-9 . _ : -", PROFILE_ID_MAX);
    *id = o->via.str.ptr;
    *n = o->via.str.size;
    return 0;
}

static int not_found(struct ops_ctx *c)
{
    return sm_error_set(&c->err, SM_ENOTFOUND, "id", "no profile with this id");
}

static int op_create(struct ops_ctx *c, const msgpack_object *body)
{
    struct profile p;
    int rc;

    rc = profile_decode(body, limits(c), false, &p, &c->err);
    if (rc)
        return rc;
    rc = store_profile_put(c->txn, &p, STORE_PUT_CREATE, c->now_ms, NULL);
    if (rc == SM_ECONFLICT)
        rc = sm_error_set(&c->err, SM_ECONFLICT, "id", "a profile with this id exists");
    if (rc == 0)
        rc = profile_encode(&p, true, c->pk);
    if (rc == 0)
        rc = emit_profile(c, "created", p.id);
    profile_release(&p);
    return rc;
}

static int op_put(struct ops_ctx *c, const msgpack_object *body)
{
    const msgpack_object *map;
    struct profile p;
    const char *id;
    size_t n;
    bool created = false;
    int rc;

    rc = want_map_body(c, body, "id and profile");
    if (rc == 0)
        rc = want_id(c, body, &id, &n);
    if (rc)
        return rc;
    map = proto_map_get(body, "profile");
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return sm_error_set(&c->err, SM_EINVAL, "profile", "must be a profile map");
    rc = profile_decode_with_id(map, limits(c), id, n, &p, &c->err);
    if (rc)
        return rc;
    rc = store_profile_put(c->txn, &p, STORE_PUT_UPSERT, c->now_ms, &created);
    if (rc == 0 && (msgpack_pack_map(c->pk, 2) || proto_pack_cstr(c->pk, "created") ||
                    (created ? msgpack_pack_true(c->pk) : msgpack_pack_false(c->pk)) ||
                    proto_pack_cstr(c->pk, "profile")))
        rc = -ENOMEM;
    if (rc == 0)
        rc = profile_encode(&p, true, c->pk);
    if (rc == 0)
        rc = emit_profile(c, created ? "created" : "updated", p.id);
    profile_release(&p);
    return rc;
}

/* Re-pack a stored record without its "contact" (the public view). */
static int pack_public(msgpack_packer *pk, const void *val, size_t len)
{
    msgpack_unpacked u;
    const msgpack_object *m;
    uint32_t keep = 0;
    int rc = SM_ESTORE;

    msgpack_unpacked_init(&u);
    if (proto_unpack(val, len, NULL, &u) || u.data.type != MSGPACK_OBJECT_MAP) {
        log_error("ops: damaged profile record (%zu bytes)", len);
        goto out;
    }
    m = &u.data;
    for (uint32_t i = 0; i < m->via.map.size; i++)
        keep += !proto_str_eq(&m->via.map.ptr[i].key, "contact");
    rc = -ENOMEM;
    if (msgpack_pack_map(pk, keep))
        goto out;
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object_kv *kv = &m->via.map.ptr[i];
        if (proto_str_eq(&kv->key, "contact"))
            continue;
        if (msgpack_pack_object(pk, kv->key) || msgpack_pack_object(pk, kv->val))
            goto out;
    }
    rc = 0;
out:
    msgpack_unpacked_destroy(&u);
    return rc;
}

static int op_get(struct ops_ctx *c, const msgpack_object *body)
{
    const msgpack_object *contact;
    const void *val;
    const char *id;
    size_t n, len;
    int rc;

    rc = want_map_body(c, body, "id");
    if (rc == 0)
        rc = want_id(c, body, &id, &n);
    if (rc)
        return rc;
    contact = proto_map_get(body, "contact");
    if (contact && contact->type != MSGPACK_OBJECT_BOOLEAN && contact->type != MSGPACK_OBJECT_NIL)
        return sm_error_set(&c->err, SM_EINVAL, "contact", "must be true or false");
    rc = store_profile_get_raw(c->txn, id, n, &val, &len);
    if (rc == SM_ENOTFOUND)
        return not_found(c);
    if (rc)
        return rc;
    /* The record is the canonical encoding with contact: sent as stored, byte for byte. */
    if (contact && contact->type == MSGPACK_OBJECT_BOOLEAN && contact->via.boolean)
        return c->pk->callback(c->pk->data, val, len) ? -ENOMEM : 0;
    return pack_public(c->pk, val, len);
}

static int op_delete(struct ops_ctx *c, const msgpack_object *body)
{
    char idz[PROFILE_ID_MAX + 1];
    const char *id;
    size_t n;
    int rc;

    rc = want_map_body(c, body, "id");
    if (rc == 0)
        rc = want_id(c, body, &id, &n);
    if (rc)
        return rc;
    rc = store_profile_delete(c->txn, id, n);
    if (rc == SM_ENOTFOUND)
        return not_found(c);
    if (rc)
        return rc;
    if (msgpack_pack_map(c->pk, 2) || proto_pack_cstr(c->pk, "id") ||
        proto_pack_strn(c->pk, id, n) || proto_pack_cstr(c->pk, "deleted") ||
        msgpack_pack_true(c->pk))
        return -ENOMEM;
    /* id is borrowed from the request and not NUL-terminated. */
    memcpy(idz, id, n);
    idz[n] = '\0';
    return emit_profile(c, "deleted", idz);
}

/* One import result: {"ok": true, "id", "created"} or {"ok": false, ["id",] "error"}. */
static int pack_result(msgpack_packer *pk, const msgpack_object *item, const struct profile *p,
                       bool created, const struct sm_error *e)
{
    const msgpack_object *id;

    if (!e) {
        return msgpack_pack_map(pk, 3) || proto_pack_cstr(pk, "ok") || msgpack_pack_true(pk) ||
                       proto_pack_cstr(pk, "id") || proto_pack_cstr(pk, p->id) ||
                       proto_pack_cstr(pk, "created") ||
                       (created ? msgpack_pack_true(pk) : msgpack_pack_false(pk))
                   ? -ENOMEM
                   : 0;
    }
    /* Echo the item's id when it is a valid one, so a client can name the failed record. */
    id = proto_map_get(item, "id");
    if (id &&
        !(id->type == MSGPACK_OBJECT_STR && profile_id_valid(id->via.str.ptr, id->via.str.size)))
        id = NULL;
    if (msgpack_pack_map(pk, id ? 3 : 2) || proto_pack_cstr(pk, "ok") || msgpack_pack_false(pk))
        return -ENOMEM;
    if (id && (proto_pack_cstr(pk, "id") || proto_pack_strn(pk, id->via.str.ptr, id->via.str.size)))
        return -ENOMEM;
    if (proto_pack_cstr(pk, "error") || proto_pack_error(pk, e))
        return -ENOMEM;
    return 0;
}

/* The list of profile.import's body, or NULL with c->err set. */
static const msgpack_object *import_list(struct ops_ctx *c, const msgpack_object *body)
{
    const msgpack_object *list;

    if (want_map_body(c, body, "profiles"))
        return NULL;
    list = proto_map_get(body, "profiles");
    if (!list || list->type != MSGPACK_OBJECT_ARRAY) {
        sm_error_set(&c->err, SM_EBADREQ, "profiles", "must be a list of profiles");
        return NULL;
    }
    if (list->via.array.size > OPS_IMPORT_MAX) {
        sm_error_set(&c->err, SM_ETOOLARGE, "profiles", "at most %d profiles per import",
                     OPS_IMPORT_MAX);
        return NULL;
    }
    return list;
}

/* Decode every item of list into out (the valid ones listed in out->ok). 0 or -ENOMEM. */
static int import_decode(const struct ops_ctx *c, const msgpack_object *list,
                         struct ops_profiles *out)
{
    uint32_t n = list->via.array.size;

    memset(out, 0, sizeof(*out));
    out->ps = calloc(n ? n : 1, sizeof(*out->ps));
    out->ok = calloc(n ? n : 1, sizeof(*out->ok));
    out->valid = calloc(n ? n : 1, sizeof(*out->valid));
    if (!out->ps || !out->ok || !out->valid)
        goto nomem;
    for (; out->n < n; out->n++) {
        uint32_t i = out->n;
        struct sm_error e;
        int rc = profile_decode(&list->via.array.ptr[i], limits(c), false, &out->ps[i], &e);

        if (rc == -ENOMEM)
            goto nomem;
        out->valid[i] = rc == 0;
        if (out->valid[i])
            out->ok[out->n_ok++] = &out->ps[i];
    }
    return 0;
nomem:
    ops_profiles_release(out);
    return -ENOMEM;
}

/* profile.import before its turn: its items decoded (a bad body is left to the handler). */
/*
 * Decode ahead; with a clock, also pack each valid item's record for a put at that time, so that
 * the writer only stores it (a new profile is then stamped with the time the engine took the
 * request rather than the time its group began; an update packs and stamps as usual).
 */
static int prepare_import(const struct ops_ctx *c, const msgpack_object *body,
                          struct ops_profiles *out)
{
    struct ops_ctx probe = *c; /* for import_list's error, which the handler reports */
    const msgpack_object *list = import_list(&probe, body);
    int rc = list ? import_decode(c, list, out) : 0;

    if (rc || !list || !c->now_ms || out->n == 0)
        return rc;
    out->packed = calloc(out->n, sizeof(*out->packed));
    if (!out->packed)
        return 0; /* not packed: the puts pack */
    out->now_ms = c->now_ms;
    for (uint32_t i = 0; i < out->n; i++)
        if (out->valid[i])
            store_pack_ahead(c->st, &out->ps[i], c->now_ms, &out->packed[i]);
    return 0;
}

/*
 * profile.import: every item decoded first, the valid ones handed to store_prepare (the index
 * analyses them on several threads, outside the transaction), then put one by one in order.
 * Both may have been done ahead, while the group before this one committed (c->ahead).
 */
static int op_import(struct ops_ctx *c, const msgpack_object *body)
{
    const msgpack_object *list = import_list(c, body);
    msgpack_packer *pk = c->pk;
    struct ops_profiles own = {0};
    const struct ops_profiles *ps = c->ahead;
    uint64_t stored = 0, failed = 0;
    uint32_t n;
    int rc;

    if (!list)
        return c->err.code;
    n = list->via.array.size;
    if (!ps) {
        rc = import_decode(c, list, &own);
        if (rc)
            return rc;
        ps = &own;
        store_prepare(c->st, own.ok, own.n_ok);
    }
    if (ps->n != n)
        return sm_error_set(&c->err, SM_EINTERNAL, "profiles", "decoded ahead: %u items of %u",
                            ps->n, n);
    /* Counts are known only at the end: results first (a map's key order carries no meaning). */
    rc = -ENOMEM;
    if (msgpack_pack_map(pk, 3) || proto_pack_cstr(pk, "results") || msgpack_pack_array(pk, n))
        goto out;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *item = &list->via.array.ptr[i];
        bool created = false;

        if (!ps->valid[i]) {
            struct sm_error e;
            struct profile p;

            /* Decoded again for its error (rare): the first pass keeps no error texts. */
            rc = profile_decode(item, limits(c), false, &p, &e);
            if (rc == 0) {
                profile_release(&p);
                rc = sm_error_set(&c->err, SM_EINTERNAL, "profiles",
                                  "item %u decoded twice with different results", i);
                goto out;
            }
            if (rc == -ENOMEM)
                goto out;
            failed++;
            rc = pack_result(pk, item, NULL, false, &e);
            if (rc)
                goto out;
            continue;
        }
        rc = store_profile_put_packed(c->txn, &ps->ps[i], STORE_PUT_UPSERT, c->now_ms, &created,
                                      ps->packed ? &ps->packed[i] : NULL);
        if (rc == 0)
            rc = pack_result(pk, item, &ps->ps[i], created, NULL);
        if (rc == 0)
            rc = emit_profile(c, created ? "created" : "updated", ps->ps[i].id);
        /* Storage and hook errors fail the whole call: its nested txn undoes the good items. */
        if (rc)
            goto out;
        stored++;
    }
    rc = -ENOMEM;
    if (proto_pack_cstr(pk, "stored") || msgpack_pack_uint64(pk, stored) ||
        proto_pack_cstr(pk, "failed") || msgpack_pack_uint64(pk, failed))
        goto out;
    rc = 0;
out:
    /* Profiles decoded ahead stay prepared for the rest of the group: the writer ends it. */
    if (ps == &own) {
        store_prepare_end(c->st);
        ops_profiles_release(&own);
    }
    return rc;
}

const struct ops_def ops_profile_defs[] = {
    {"profile.create", OPS_WRITE, op_create, NULL},
    {"profile.put", OPS_WRITE, op_put, NULL},
    {"profile.get", OPS_READ, op_get, NULL},
    {"profile.delete", OPS_WRITE, op_delete, NULL},
    {"profile.import", OPS_WRITE, op_import, prepare_import},
};
const size_t ops_profile_count = SM_ARRAY_SIZE(ops_profile_defs);
