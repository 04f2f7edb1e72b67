/* jsonmp.c - see jsonmp.h. */
#include "sm.h"
#include "jsonmp.h"

#include <math.h>

const struct jsonmp_limits jsonmp_default_limits = {
    .max_bytes = 1u << 20,
    .max_depth = 16,
};

/* Depth of the deepest array/object outside strings; stops early once over max. */
static int prescan_depth(const char *s, size_t len, unsigned max, size_t *line, size_t *col)
{
    unsigned depth = 0;
    bool in_str = false, esc = false;
    size_t ln = 1, lstart = 0;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (c == '\n') {
            ln++;
            lstart = i + 1;
        }
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max) {
                *line = ln;
                *col = i - lstart + 1;
                return -1;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

int jsonmp_parse(const char *s, size_t len, const struct jsonmp_limits *lim, json_t **out,
                 struct sm_error *e)
{
    json_error_t jerr;
    size_t line, col;
    json_t *j;

    *out = NULL;
    if (!lim)
        lim = &jsonmp_default_limits;
    if (len > lim->max_bytes)
        return sm_error_set(e, SM_ETOOLARGE, "", "json text is over %zu bytes", lim->max_bytes);
    if (prescan_depth(s, len, lim->max_depth, &line, &col)) {
        if (!memchr(s, '\n', len))
            return sm_error_set(e, SM_EBADREQ, "",
                                "invalid json at column %zu: nested deeper than %u levels", col,
                                lim->max_depth);
        return sm_error_set(e, SM_EBADREQ, "",
                            "invalid json at line %zu column %zu: nested deeper than %u levels",
                            line, col, lim->max_depth);
    }
    j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        /* A one-line text (an NDJSON line, a curl -d body) is better named by column alone. */
        if (!memchr(s, '\n', len))
            return sm_error_set(e, SM_EBADREQ, "", "invalid json at column %d: %s", jerr.column,
                                jerr.text);
        return sm_error_set(e, SM_EBADREQ, "", "invalid json at line %d column %d: %s", jerr.line,
                            jerr.column, jerr.text);
    }
    *out = j;
    return 0;
}

int jsonmp_pack(const json_t *j, msgpack_packer *pk)
{
    const char *key;
    json_t *v;
    size_t i;

    switch (json_typeof(j)) {
    case JSON_OBJECT:
        if (msgpack_pack_map(pk, json_object_size(j)))
            return -ENOMEM;
        /* json_object_foreach needs a non-const object; it does not modify it. */
        json_object_foreach((json_t *)j, key, v)
        {
            size_t kl = strlen(key);
            if (msgpack_pack_str(pk, kl) || msgpack_pack_str_body(pk, key, kl))
                return -ENOMEM;
            if (jsonmp_pack(v, pk))
                return -ENOMEM;
        }
        return 0;
    case JSON_ARRAY:
        if (msgpack_pack_array(pk, json_array_size(j)))
            return -ENOMEM;
        json_array_foreach(j, i, v)
        {
            if (jsonmp_pack(v, pk))
                return -ENOMEM;
        }
        return 0;
    case JSON_STRING: {
        size_t n = json_string_length(j);
        if (msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, json_string_value(j), n))
            return -ENOMEM;
        return 0;
    }
    case JSON_INTEGER:
        return msgpack_pack_int64(pk, json_integer_value(j)) ? -ENOMEM : 0;
    case JSON_REAL:
        return msgpack_pack_double(pk, json_real_value(j)) ? -ENOMEM : 0;
    case JSON_TRUE:
        return msgpack_pack_true(pk) ? -ENOMEM : 0;
    case JSON_FALSE:
        return msgpack_pack_false(pk) ? -ENOMEM : 0;
    case JSON_NULL:
        return msgpack_pack_nil(pk) ? -ENOMEM : 0;
    }
    return -EINVAL;
}

static void put_base64(struct buf *b, const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;

    buf_putc(b, '"');
    for (i = 0; i + 2 < n; i += 3) {
        char q[4] = {tab[p[i] >> 2], tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
                     tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], tab[p[i + 2] & 63]};
        buf_append(b, q, 4);
    }
    if (n - i == 1) {
        char q[4] = {tab[p[i] >> 2], tab[(p[i] & 3) << 4], '=', '='};
        buf_append(b, q, 4);
    } else if (n - i == 2) {
        char q[4] = {tab[p[i] >> 2], tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
                     tab[(p[i + 1] & 15) << 2], '='};
        buf_append(b, q, 4);
    }
    buf_putc(b, '"');
}

/* Shortest text that reads back as the same double, always with a '.' or exponent. */
static void put_double(struct buf *b, double d)
{
    char t[40];

    if (!isfinite(d)) {
        buf_puts(b, "null");
        return;
    }
    snprintf(t, sizeof(t), "%.15g", d);
    if (strtod(t, NULL) != d)
        snprintf(t, sizeof(t), "%.17g", d);
    buf_puts(b, t);
    if (!strpbrk(t, ".eEn"))
        buf_puts(b, ".0");
}

static int to_json(const msgpack_object *o, const char *skip_key, struct buf *b, unsigned depth)
{
    int rc;

    if (depth > 64)
        return SM_EBADREQ;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        buf_puts(b, "null");
        return 0;
    case MSGPACK_OBJECT_BOOLEAN:
        buf_puts(b, o->via.boolean ? "true" : "false");
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        buf_printf(b, "%" PRIu64, o->via.u64);
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        buf_printf(b, "%" PRId64, o->via.i64);
        return 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        put_double(b, o->via.f64);
        return 0;
    case MSGPACK_OBJECT_STR:
        buf_json_str(b, o->via.str.ptr, o->via.str.size);
        return 0;
    case MSGPACK_OBJECT_BIN:
        put_base64(b, (const unsigned char *)o->via.bin.ptr, o->via.bin.size);
        return 0;
    case MSGPACK_OBJECT_ARRAY:
        buf_putc(b, '[');
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i)
                buf_putc(b, ',');
            rc = to_json(&o->via.array.ptr[i], NULL, b, depth + 1);
            if (rc)
                return rc;
        }
        buf_putc(b, ']');
        return 0;
    case MSGPACK_OBJECT_MAP: {
        bool first = true;
        size_t skip_len = skip_key ? strlen(skip_key) : 0;

        buf_putc(b, '{');
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];

            if (kv->key.type != MSGPACK_OBJECT_STR)
                return SM_EBADREQ;
            if (skip_key && kv->key.via.str.size == skip_len &&
                memcmp(kv->key.via.str.ptr, skip_key, skip_len) == 0)
                continue;
            if (!first)
                buf_putc(b, ',');
            first = false;
            buf_json_str(b, kv->key.via.str.ptr, kv->key.via.str.size);
            buf_putc(b, ':');
            rc = to_json(&kv->val, NULL, b, depth + 1);
            if (rc)
                return rc;
        }
        buf_putc(b, '}');
        return 0;
    }
    default: /* ext types have no JSON form */
        return SM_EBADREQ;
    }
}

int jsonmp_to_json(const msgpack_object *o, const char *skip_key, struct buf *out)
{
    int rc = to_json(o, skip_key, out, 0);

    if (rc)
        return rc;
    return buf_err(out);
}

void jsonmp_put_error(struct buf *b, const struct sm_error *e)
{
    const char *msg = e->message[0] ? e->message : sm_strerror(e->code);

    buf_puts(b, "{\"code\":");
    buf_json_str(b, sm_err_name(e->code), strlen(sm_err_name(e->code)));
    buf_puts(b, ",\"message\":");
    buf_json_str(b, msg, strlen(msg));
    buf_puts(b, ",\"field\":");
    buf_json_str(b, e->field, strlen(e->field));
    buf_putc(b, '}');
}
