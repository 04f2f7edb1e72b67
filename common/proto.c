/* proto.c - see proto.h. */
#include "sm.h"
#include "proto.h"

const struct proto_limits proto_default_limits = {
    .max_bytes = 64u << 20,
    .max_depth = 24,
    .max_items = 4u << 20,
};

/* Big-endian reads from a buffer the caller has bounds-checked. */
static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/*
 * Size of the header of the object starting at p[0], and what follows it:
 * *payload = raw bytes to skip (str/bin/ext/scalars), *children = objects contained.
 * Returns header length, or 0 for a reserved byte.
 */
static size_t head(const uint8_t *p, size_t avail, uint64_t *payload, uint64_t *children,
                   bool *short_hdr)
{
    uint8_t b = p[0];
    static const uint8_t fixlen[] = {1, 2, 4, 8};

    *payload = 0;
    *children = 0;
    *short_hdr = false;
#define NEED(n)                                                                                    \
    do {                                                                                           \
        if (avail < (n)) {                                                                         \
            *short_hdr = true;                                                                     \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return 1;
    if ((b & 0xf0) == 0x80) {
        *children = 2u * (b & 0x0f);
        return 1;
    }
    if ((b & 0xf0) == 0x90) {
        *children = b & 0x0f;
        return 1;
    }
    if ((b & 0xe0) == 0xa0) {
        *payload = b & 0x1f;
        return 1;
    }
    switch (b) {
    case 0xc4: case 0xd9: NEED(2); *payload = p[1]; return 2;            /* bin8, str8 */
    case 0xc5: case 0xda: NEED(3); *payload = be(p + 1, 2); return 3;    /* bin16, str16 */
    case 0xc6: case 0xdb: NEED(5); *payload = be(p + 1, 4); return 5;    /* bin32, str32 */
    case 0xc7: NEED(3); *payload = 1 + (uint64_t)p[1]; return 2;         /* ext8: type + data */
    case 0xc8: NEED(4); *payload = 1 + be(p + 1, 2); return 3;
    case 0xc9: NEED(6); *payload = 1 + be(p + 1, 4); return 5;
    case 0xca: *payload = 4; return 1;                                   /* float32 */
    case 0xcb: *payload = 8; return 1;                                   /* float64 */
    case 0xcc: case 0xcd: case 0xce: case 0xcf:                          /* uint8..64 */
        *payload = fixlen[b - 0xcc]; return 1;
    case 0xd0: case 0xd1: case 0xd2: case 0xd3:                          /* int8..64 */
        *payload = fixlen[b - 0xd0]; return 1;
    case 0xd4: *payload = 2; return 1;                                   /* fixext1..16 */
    case 0xd5: *payload = 3; return 1;
    case 0xd6: *payload = 5; return 1;
    case 0xd7: *payload = 9; return 1;
    case 0xd8: *payload = 17; return 1;
    case 0xdc: NEED(3); *children = be(p + 1, 2); return 3;              /* array16 */
    case 0xdd: NEED(5); *children = be(p + 1, 4); return 5;              /* array32 */
    case 0xde: NEED(3); *children = 2 * be(p + 1, 2); return 3;          /* map16 */
    case 0xdf: NEED(5); *children = 2 * be(p + 1, 4); return 5;          /* map32 */
    default: return 0;                                                   /* 0xc1 reserved */
    }
#undef NEED
}

int proto_check(const void *buf, size_t len, const struct proto_limits *lim)
{
    /* pending[d] = objects still to read at depth d; depth 0 holds the single root. */
    uint64_t pending[32];
    const uint8_t *p = buf;
    size_t pos = 0, items = 0;
    unsigned depth = 0, max_depth;

    if (!lim)
        lim = &proto_default_limits;
    max_depth = lim->max_depth < 30 ? lim->max_depth : 30;
    if (len > lim->max_bytes)
        return SM_ETOOLARGE;
    if (len == 0)
        return SM_EBADREQ;
    pending[0] = 1;
    while (1) {
        uint64_t payload, children;
        bool short_hdr;
        size_t h;

        while (pending[depth] == 0) {
            if (depth == 0)
                return pos == len ? 0 : SM_EBADREQ; /* trailing bytes */
            depth--;
        }
        if (pos >= len)
            return SM_EBADREQ; /* truncated */
        pending[depth]--;
        if (++items > lim->max_items)
            return SM_ETOOLARGE;
        h = head(p + pos, len - pos, &payload, &children, &short_hdr);
        if (h == 0 || short_hdr)
            return SM_EBADREQ;
        pos += h;
        if (payload > len - pos)
            return SM_EBADREQ;
        pos += (size_t)payload;
        if (children) {
            /* Every child takes at least one byte: a larger count is a lie. */
            if (children > len - pos)
                return SM_EBADREQ;
            if (depth + 1 > max_depth)
                return SM_EBADREQ;
            pending[++depth] = children;
        }
    }
}

int proto_unpack(const void *buf, size_t len, const struct proto_limits *lim,
                 msgpack_unpacked *out)
{
    size_t off = 0;
    char *copy;
    int rc = proto_check(buf, len, lim);

    if (rc)
        return rc;
    /*
     * msgpack_unpack_next() leaves str, bin and ext objects pointing into the input. To keep the
     * promise of proto.h (nothing borrowed from buf), unpack a private copy and let the zone
     * free it with the objects.
     */
    copy = malloc(len);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, buf, len);
    switch (msgpack_unpack_next(out, copy, len, &off)) {
    case MSGPACK_UNPACK_SUCCESS:
        /* A lone scalar or string needs no zone, so msgpack-c may not have made one. */
        if (!out->zone)
            out->zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
        if (!out->zone || !msgpack_zone_push_finalizer(out->zone, free, copy)) {
            free(copy);
            msgpack_unpacked_destroy(out);
            msgpack_unpacked_init(out);
            return -ENOMEM;
        }
        return off == len ? 0 : SM_EBADREQ;
    case MSGPACK_UNPACK_NOMEM_ERROR:
        rc = -ENOMEM;
        break;
    default:
        rc = SM_EBADREQ;
        break;
    }
    free(copy);
    return rc;
}

const msgpack_object *proto_map_get(const msgpack_object *obj, const char *key)
{
    size_t klen = strlen(key);

    if (!obj || obj->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        const msgpack_object_kv *kv = &obj->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == klen &&
            memcmp(kv->key.via.str.ptr, key, klen) == 0)
            return &kv->val;
    }
    return NULL;
}

bool proto_str_eq(const msgpack_object *o, const char *s)
{
    size_t n = strlen(s);
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           memcmp(o->via.str.ptr, s, n) == 0;
}

char *proto_strdup(const msgpack_object *o)
{
    char *s;

    if (!o || o->type != MSGPACK_OBJECT_STR)
        return NULL;
    s = malloc((size_t)o->via.str.size + 1);
    if (!s)
        return NULL;
    memcpy(s, o->via.str.ptr, o->via.str.size);
    s[o->via.str.size] = '\0';
    return s;
}

static const msgpack_object nil_object = {.type = MSGPACK_OBJECT_NIL};

int proto_parse_request(const msgpack_object *root, struct proto_request *req,
                        struct sm_error *e)
{
    const msgpack_object *id, *op, *body;

    if (root->type != MSGPACK_OBJECT_MAP)
        return sm_error_set(e, SM_EBADREQ, "", "request must be a msgpack map");
    id = proto_map_get(root, "id");
    op = proto_map_get(root, "op");
    body = proto_map_get(root, "body");
    if (!id || id->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return sm_error_set(e, SM_EBADREQ, "id", "id must be an unsigned integer");
    if (!op || op->type != MSGPACK_OBJECT_STR || op->via.str.size == 0)
        return sm_error_set(e, SM_EBADREQ, "op", "op must be a non-empty string");
    req->id = id->via.u64;
    req->op = op->via.str.ptr;
    req->op_len = op->via.str.size;
    req->body = body ? body : &nil_object;
    return 0;
}

bool proto_op_is(const struct proto_request *req, const char *op)
{
    size_t n = strlen(op);
    return req->op_len == n && memcmp(req->op, op, n) == 0;
}

static void copy_str(char *dst, size_t dstsz, const msgpack_object *o)
{
    size_t n;

    dst[0] = '\0';
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return;
    n = o->via.str.size < dstsz - 1 ? o->via.str.size : dstsz - 1;
    memcpy(dst, o->via.str.ptr, n);
    dst[n] = '\0';
}

int proto_parse_reply(const msgpack_object *root, struct proto_reply *rep)
{
    const msgpack_object *id, *ok, *body, *err, *code;

    memset(rep, 0, sizeof(*rep));
    rep->body = &nil_object;
    if (root->type != MSGPACK_OBJECT_MAP)
        return SM_EBADREQ;
    id = proto_map_get(root, "id");
    ok = proto_map_get(root, "ok");
    if (!id || id->type != MSGPACK_OBJECT_POSITIVE_INTEGER || !ok ||
        ok->type != MSGPACK_OBJECT_BOOLEAN)
        return SM_EBADREQ;
    rep->id = id->via.u64;
    rep->ok = ok->via.boolean;
    body = proto_map_get(root, "body");
    if (body)
        rep->body = body;
    if (rep->ok)
        return 0;
    err = proto_map_get(root, "error");
    code = proto_map_get(err, "code");
    if (!code || code->type != MSGPACK_OBJECT_STR)
        return SM_EBADREQ;
    rep->err.code = sm_err_from_name(code->via.str.ptr, code->via.str.size);
    copy_str(rep->err.message, sizeof(rep->err.message), proto_map_get(err, "message"));
    copy_str(rep->err.field, sizeof(rep->err.field), proto_map_get(err, "field"));
    return 0;
}

int proto_pack_strn(msgpack_packer *pk, const char *s, size_t n)
{
    if (msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n))
        return -ENOMEM;
    return 0;
}

int proto_pack_cstr(msgpack_packer *pk, const char *s)
{
    return proto_pack_strn(pk, s, strlen(s));
}

int proto_pack_request_head(msgpack_packer *pk, uint64_t id, const char *op)
{
    if (msgpack_pack_map(pk, 3) || proto_pack_cstr(pk, "id") || msgpack_pack_uint64(pk, id) ||
        proto_pack_cstr(pk, "op") || proto_pack_cstr(pk, op) || proto_pack_cstr(pk, "body"))
        return -ENOMEM;
    return 0;
}

int proto_pack_reply_ok_head(msgpack_packer *pk, uint64_t id)
{
    if (msgpack_pack_map(pk, 3) || proto_pack_cstr(pk, "id") || msgpack_pack_uint64(pk, id) ||
        proto_pack_cstr(pk, "ok") || msgpack_pack_true(pk) || proto_pack_cstr(pk, "body"))
        return -ENOMEM;
    return 0;
}

int proto_pack_error(msgpack_packer *pk, const struct sm_error *e)
{
    if (msgpack_pack_map(pk, 3) || proto_pack_cstr(pk, "code") ||
        proto_pack_cstr(pk, sm_err_name(e->code)) || proto_pack_cstr(pk, "message") ||
        proto_pack_cstr(pk, e->message[0] ? e->message : sm_strerror(e->code)) ||
        proto_pack_cstr(pk, "field") || proto_pack_cstr(pk, e->field))
        return -ENOMEM;
    return 0;
}

int proto_pack_reply_error(msgpack_packer *pk, uint64_t id, const struct sm_error *e)
{
    if (msgpack_pack_map(pk, 3) || proto_pack_cstr(pk, "id") || msgpack_pack_uint64(pk, id) ||
        proto_pack_cstr(pk, "ok") || msgpack_pack_false(pk) || proto_pack_cstr(pk, "error"))
        return -ENOMEM;
    return proto_pack_error(pk, e);
}
