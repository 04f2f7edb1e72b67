/*
 * ops_match.c - the match.* operations of docs/protocol.md: match.leads (ranked leads of a
 * profile with their reasons) and match.search (free text over all profiles). Both are reads:
 * they run on reader threads over the index of index.h.
 */
#include "sm.h"

#include "index.h"
#include "isic.h"
#include "iso.h"
#include "ops.h"

#define SEARCH_TEXT_MAX 8192

static int want_map_body(struct ops_ctx *c, const msgpack_object *body, const char *what)
{
    if (body->type != MSGPACK_OBJECT_MAP)
        return sm_error_set(&c->err, SM_EBADREQ, "", "body must be a map with %s", what);
    return 0;
}

static int unavailable(struct ops_ctx *c)
{
    return sm_error_set(&c->err, SM_EUNAVAIL, "", "the matching index is not open");
}

/* An unsigned integer field (absent or nil: def) within [lo, hi]. */
static int want_uint(struct ops_ctx *c, const msgpack_object *body, const char *key, uint32_t def,
                     uint32_t lo, uint32_t hi, uint32_t *out)
{
    const msgpack_object *o = proto_map_get(body, key);

    *out = def;
    if (!o || o->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 < lo || o->via.u64 > hi)
        return sm_error_set(&c->err, SM_EINVAL, key, "must be an integer from %u to %u", lo, hi);
    *out = (uint32_t)o->via.u64;
    return 0;
}

/* Only the keys listed are allowed in a map (keys NULL-terminated); prefix names the field. */
static int only_keys(struct ops_ctx *c, const msgpack_object *m, const char *const *keys,
                     const char *prefix)
{
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        bool ok = false;

        for (const char *const *p = keys; *p && !ok; p++)
            ok = proto_str_eq(k, *p);
        if (ok)
            continue;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size <= 64 &&
            !memchr(k->via.str.ptr, '\0', k->via.str.size)) {
            char field[96];

            snprintf(field, sizeof(field), "%s%.*s", prefix, (int)k->via.str.size, k->via.str.ptr);
            return sm_error_set(&c->err, SM_EINVAL, field, "unknown field");
        }
        return sm_error_set(&c->err, SM_EINVAL, "", "unknown field in %s",
                            *prefix ? prefix : "body");
    }
    return 0;
}

/* A filter string copied into out (size outsz) ; false when not a str or of a bad length. */
static bool filter_str(const msgpack_object *o, char *out, size_t outsz, size_t min, size_t max)
{
    if (o->type != MSGPACK_OBJECT_STR || o->via.str.size < min || o->via.str.size > max ||
        o->via.str.size >= outsz || memchr(o->via.str.ptr, '\0', o->via.str.size))
        return false;
    memcpy(out, o->via.str.ptr, o->via.str.size);
    out[o->via.str.size] = '\0';
    return true;
}

/* body.filters (optional) into f; leads take min_score in [0, 1], search any score >= 0. */
static int parse_filters(struct ops_ctx *c, const msgpack_object *body, bool leads,
                         struct index_filters *f)
{
    static const char *const keys[] = {"type",   "kind", "country",   "zone",
                                       "sector", "lang", "min_score", NULL};
    const msgpack_object *m = proto_map_get(body, "filters"), *o;
    char buf[16];
    int v, rc;

    index_filters_init(f);
    if (!m || m->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (m->type != MSGPACK_OBJECT_MAP)
        return sm_error_set(&c->err, SM_EINVAL, "filters", "must be a map of filters");
    rc = only_keys(c, m, keys, "filters.");
    if (rc)
        return rc;
    if ((o = proto_map_get(m, "type")) && o->type != MSGPACK_OBJECT_NIL) {
        v = o->type == MSGPACK_OBJECT_STR ? coop_type_parse(o->via.str.ptr, o->via.str.size) : -1;
        if (v < 0)
            return sm_error_set(&c->err, SM_EINVAL, "filters.type",
                                "must be outsourcing, joint_venture, technology_transfer, "
                                "distribution, franchise, investment, rnd or services");
        f->type = v;
    }
    if ((o = proto_map_get(m, "kind")) && o->type != MSGPACK_OBJECT_NIL) {
        v = o->type == MSGPACK_OBJECT_STR ? profile_kind_parse(o->via.str.ptr, o->via.str.size)
                                          : -1;
        if (v < 0)
            return sm_error_set(&c->err, SM_EINVAL, "filters.kind",
                                "must be sme, large, foreign or service");
        f->kind = v;
    }
    if ((o = proto_map_get(m, "country")) && o->type != MSGPACK_OBJECT_NIL) {
        if (!filter_str(o, buf, sizeof(buf), 2, 2))
            buf[0] = '\0';
        for (int i = 0; buf[i]; i++)
            if (buf[i] >= 'a' && buf[i] <= 'z')
                buf[i] = (char)(buf[i] - 'a' + 'A');
        if (!buf[0] || !iso_country_valid(buf, 2))
            return sm_error_set(&c->err, SM_EINVAL, "filters.country",
                                "must be an ISO 3166-1 alpha-2 country code");
        memcpy(f->country, buf, 3);
    }
    if ((o = proto_map_get(m, "lang")) && o->type != MSGPACK_OBJECT_NIL) {
        if (!filter_str(o, buf, sizeof(buf), 2, 2))
            buf[0] = '\0';
        for (int i = 0; buf[i]; i++)
            if (buf[i] >= 'A' && buf[i] <= 'Z')
                buf[i] = (char)(buf[i] - 'A' + 'a');
        if (!buf[0] || !iso_language_valid(buf, 2))
            return sm_error_set(&c->err, SM_EINVAL, "filters.lang",
                                "must be an ISO 639-1 language code");
        memcpy(f->lang, buf, 3);
    }
    if ((o = proto_map_get(m, "sector")) && o->type != MSGPACK_OBJECT_NIL) {
        if (!filter_str(o, buf, sizeof(buf), 1, 5))
            buf[0] = '\0';
        if (buf[0] >= 'a' && buf[0] <= 'z')
            buf[0] = (char)(buf[0] - 'a' + 'A');
        if (!buf[0] || !isic_valid(buf, strlen(buf)))
            return sm_error_set(&c->err, SM_EINVAL, "filters.sector",
                                "must be an ISIC Rev.4 code or prefix such as C, C32, C329");
        memcpy(f->sector, buf, strlen(buf) + 1);
    }
    if ((o = proto_map_get(m, "zone")) && o->type != MSGPACK_OBJECT_NIL) {
        if (!filter_str(o, f->zone, sizeof(f->zone), 1, INDEX_ZONE_MAX))
            return sm_error_set(&c->err, SM_EINVAL, "filters.zone",
                                "must be a zone name of 1 to %d bytes", INDEX_ZONE_MAX);
    }
    if ((o = proto_map_get(m, "min_score")) && o->type != MSGPACK_OBJECT_NIL) {
        double d = o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32
                       ? o->via.f64
                   : o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (double)o->via.u64
                                                                : -1.0;
        if (!(d >= 0.0) || (leads && d > 1.0) || d > 1e9)
            return sm_error_set(&c->err, SM_EINVAL, "filters.min_score",
                                leads ? "must be a number from 0 to 1" : "must be a number >= 0");
        f->min_score = d;
    }
    return 0;
}

/* limit (1..100, default 10) and offset (offset + limit <= INDEX_OFFSET_MAX). */
static int parse_page(struct ops_ctx *c, const msgpack_object *body, uint32_t *offset,
                      uint32_t *limit)
{
    int rc = want_uint(c, body, "limit", 10, 1, INDEX_LIMIT_MAX, limit);

    if (rc == 0)
        rc = want_uint(c, body, "offset", 0, 0, INDEX_OFFSET_MAX - *limit, offset);
    return rc;
}

static int pack_page_tail(msgpack_packer *pk, uint32_t offset, uint32_t limit)
{
    return proto_pack_cstr(pk, "offset") || msgpack_pack_uint32(pk, offset) ||
                   proto_pack_cstr(pk, "limit") || msgpack_pack_uint32(pk, limit)
               ? -ENOMEM
               : 0;
}

static int op_leads(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"id", "limit", "offset", "filters", "explain", NULL};
    const msgpack_object *o, *ex;
    struct index_filters f;
    struct index_leads r;
    uint32_t offset, limit;
    bool explain = true;
    int rc;

    if (!c->info || !c->info->index)
        return unavailable(c);
    rc = want_map_body(c, body, "id");
    if (rc == 0)
        rc = only_keys(c, body, keys, "");
    if (rc)
        return rc;
    o = proto_map_get(body, "id");
    if (!o || o->type != MSGPACK_OBJECT_STR || !profile_id_valid(o->via.str.ptr, o->via.str.size))
        return sm_error_set(&c->err, SM_EINVAL, "id",
                            "must be 1 to %d characters of A-Z a-z 0-9 . _ : -", PROFILE_ID_MAX);
    ex = proto_map_get(body, "explain");
    if (ex && ex->type != MSGPACK_OBJECT_NIL) {
        if (ex->type != MSGPACK_OBJECT_BOOLEAN)
            return sm_error_set(&c->err, SM_EINVAL, "explain", "must be true or false");
        explain = ex->via.boolean;
    }
    rc = parse_page(c, body, &offset, &limit);
    if (rc == 0)
        rc = parse_filters(c, body, true, &f);
    if (rc)
        return rc;
    rc = index_leads(c->info->index, c->txn, o->via.str.ptr, o->via.str.size, &f, offset, limit,
                     explain, &r);
    if (rc == SM_ENOTFOUND)
        return sm_error_set(&c->err, SM_ENOTFOUND, "id", "no profile with this id");
    if (rc)
        return rc;
    rc = -ENOMEM;
    if (msgpack_pack_map(c->pk, 4) || proto_pack_cstr(c->pk, "id") ||
        proto_pack_strn(c->pk, o->via.str.ptr, o->via.str.size) ||
        proto_pack_cstr(c->pk, "leads") || msgpack_pack_array(c->pk, r.n))
        goto out;
    for (uint32_t i = 0; i < r.n; i++)
        if (score_lead_pack(&r.v[i], r.ex ? &r.ex[i] : NULL, c->pk))
            goto out;
    rc = pack_page_tail(c->pk, offset, limit);
out:
    index_leads_release(&r);
    return rc;
}

static int op_search(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"text", "limit", "offset", "filters", NULL};
    const msgpack_object *text;
    struct index_filters f;
    struct index_hits r;
    uint32_t offset, limit;
    int rc;

    if (!c->info || !c->info->index)
        return unavailable(c);
    rc = want_map_body(c, body, "text");
    if (rc == 0)
        rc = only_keys(c, body, keys, "");
    if (rc)
        return rc;
    text = proto_map_get(body, "text");
    if (!text || text->type != MSGPACK_OBJECT_STR)
        return sm_error_set(&c->err, SM_EINVAL, "text", "must be a string of search words");
    if (text->via.str.size > SEARCH_TEXT_MAX)
        return sm_error_set(&c->err, SM_EINVAL, "text", "must be at most %d bytes",
                            SEARCH_TEXT_MAX);
    rc = parse_page(c, body, &offset, &limit);
    if (rc == 0)
        rc = parse_filters(c, body, false, &f);
    if (rc)
        return rc;
    rc = index_search(c->info->index, c->txn, text->via.str.ptr, text->via.str.size, &f, offset,
                      limit, &r);
    if (rc == SM_EINVAL || rc == SM_ETOOLARGE)
        return sm_error_set(&c->err, SM_EINVAL, "text", "must be valid UTF-8 text");
    if (rc)
        return rc;
    rc = -ENOMEM;
    if (msgpack_pack_map(c->pk, 3) || proto_pack_cstr(c->pk, "results") ||
        msgpack_pack_array(c->pk, r.n))
        goto out;
    for (uint32_t i = 0; i < r.n; i++)
        if (score_hit_pack(&r.v[i], c->pk))
            goto out;
    rc = pack_page_tail(c->pk, offset, limit);
out:
    index_hits_release(&r);
    return rc;
}

const struct ops_def ops_match_defs[] = {
    {"match.leads", OPS_READ, op_leads, NULL},
    {"match.search", OPS_READ, op_search, NULL},
};
const size_t ops_match_count = SM_ARRAY_SIZE(ops_match_defs);
