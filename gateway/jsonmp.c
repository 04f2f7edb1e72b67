/* jsonmp.c - see jsonmp.h. */
#include "sm.h"
#include "jsonmp.h"

#include <errno.h>
#include <math.h>
#include <yajl/yajl_parse.h>

const struct jsonmp_limits jsonmp_default_limits = {
    .max_bytes = 1u << 20,
    .max_depth = 16,
};

/* What prescan found beyond the depth. */
enum {
    /*
     * Text jansson and yajl read differently, which the transcoder leaves to jansson: \u0000
     * (jansson refuses it), \uD800-\uDFFF (yajl turns a lone surrogate into '?' and pairs a
     * high one with any escape; jansson checks both halves), \v and \f outside strings (yajl
     * takes them as white space), and raw NUL bytes (jansson's reader skips some).
     */
    PRESCAN_JANSSON = 1,
};

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The \u escape at s[i] (s[i] == 'u') is one of those PRESCAN_JANSSON names. */
static bool escape_for_jansson(const char *s, size_t len, size_t i)
{
    if (i + 4 >= len || !is_hex(s[i + 1]) || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) ||
        !is_hex(s[i + 4]))
        return false; /* malformed: both refuse it */
    if ((s[i + 1] == 'd' || s[i + 1] == 'D') && strchr("89abAB", s[i + 2]))
        return true;
    return memcmp(s + i + 1, "0000", 4) == 0;
}

/*
 * Depth of the deepest array/object outside strings; stops early once over max (returns -1 and
 * the position). *flags gets PRESCAN_JANSSON when the text needs jansson's reading.
 */
static int prescan(const char *s, size_t len, unsigned max, size_t *line, size_t *col,
                   unsigned *flags)
{
    unsigned depth = 0;
    bool in_str = false, esc = false;
    size_t ln = 1, lstart = 0;

    *flags = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (c == '\n') {
            ln++;
            lstart = i + 1;
        } else if (c == '\0') {
            *flags |= PRESCAN_JANSSON;
        }
        if (in_str) {
            if (esc) {
                esc = false;
                if (c == 'u' && escape_for_jansson(s, len, i))
                    *flags |= PRESCAN_JANSSON;
            } else if (c == '\\') {
                esc = true;
            } else if (c == '"') {
                in_str = false;
            }
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
        } else if (c == '\v' || c == '\f') {
            *flags |= PRESCAN_JANSSON;
        }
    }
    return 0;
}

/* The error for text nested deeper than max at (line, col). */
static int too_deep(const char *s, size_t len, unsigned max, size_t line, size_t col,
                    struct sm_error *e)
{
    if (!memchr(s, '\n', len))
        return sm_error_set(e, SM_EBADREQ, "",
                            "invalid json at column %zu: nested deeper than %u levels", col, max);
    return sm_error_set(e, SM_EBADREQ, "",
                        "invalid json at line %zu column %zu: nested deeper than %u levels", line,
                        col, max);
}

/* The checks before either parser: size, then nesting (*lim defaulted, *flags prescan's). */
static int check_text(const char *s, size_t len, const struct jsonmp_limits **lim,
                      unsigned *flags, struct sm_error *e)
{
    size_t line, col;

    if (!*lim)
        *lim = &jsonmp_default_limits;
    if (len > (*lim)->max_bytes)
        return sm_error_set(e, SM_ETOOLARGE, "", "json text is over %zu bytes", (*lim)->max_bytes);
    if (prescan(s, len, (*lim)->max_depth, &line, &col, flags))
        return too_deep(s, len, (*lim)->max_depth, line, col, e);
    return 0;
}

int jsonmp_parse(const char *s, size_t len, const struct jsonmp_limits *lim, json_t **out,
                 struct sm_error *e)
{
    json_error_t jerr;
    unsigned flags;
    json_t *j;
    int rc;

    *out = NULL;
    rc = check_text(s, len, &lim, &flags, e);
    if (rc)
        return rc;
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

/* ---- transcoding: JSON text straight to msgpack, without a tree (yajl's events) ---------- */

/*
 * msgpack wants a container's count before its members; a stream of events knows it only after
 * them. So a container opens with a 5-byte header, and when it closes gets the smallest header
 * for its count (what msgpack_pack_map/array write), its members moved back over the bytes left
 * over. Only the members move: what comes before them (the enclosing maps' keys, which the
 * duplicate check finds by offset) stays where it is.
 */
#define TC_HDR 5
#define TC_FRAMES 24 /* nesting held on the stack; deeper limits allocate */
#define TC_KEYS 64   /* duplicate-check slots on the stack; more keys grow the table */

struct tc_frame {
    size_t hdr;      /* offset of the header in out */
    uint32_t n;      /* members so far (keys for a map) */
    uint32_t serial; /* a map's number, telling its keys from other maps' */
    bool map;
};

struct tc_key {
    uint32_t serial; /* 0: empty slot */
    uint32_t hash;
    size_t off, len; /* the key's bytes in out */
};

struct tc {
    struct buf *out;
    msgpack_packer pk; /* into out */
    struct tc_frame *stack;
    unsigned depth, max_depth;
    uint32_t maps;
    struct tc_key *keys;
    uint32_t keys_mask, keys_n;
    bool keys_heap;
    int top;      /* 0 nothing yet, 1 object, 2 array */
    bool id_next; /* the next value is the top-level map's "id" */
    size_t id_off, id_len;
    const char *why; /* a callback's reason to stop the parse */
    yajl_handle h;
    size_t end; /* bytes up to the end of the top-level value */
};

/* Strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF): what jansson takes. */
static bool utf8_strict(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c, c1;
        uint64_t w;

        while (i + 8 <= n && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ull) == 0))
            i += 8;
        if (i == n)
            break;
        c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        c1 = i + 1 < n ? s[i + 1] : 0;
        if (c >= 0xc2 && c <= 0xdf) {
            if ((c1 & 0xc0) != 0x80)
                return false;
            i += 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            if (i + 2 >= n || (c1 & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 ||
                (c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0))
                return false;
            i += 3;
        } else if (c >= 0xf0 && c <= 0xf4) {
            if (i + 3 >= n || (c1 & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 ||
                (s[i + 3] & 0xc0) != 0x80 || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 >= 0x90))
                return false;
            i += 4;
        } else {
            return false;
        }
    }
    return true;
}

static uint32_t tc_hash(uint32_t serial, const unsigned char *k, size_t n)
{
    uint32_t h = 2166136261u ^ serial; /* FNV-1a */

    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

static int tc_keys_grow(struct tc *t)
{
    uint32_t cap = (t->keys_mask + 1) * 2;
    struct tc_key *v = calloc(cap, sizeof(*v));

    if (!v)
        return -ENOMEM;
    for (uint32_t i = 0; i <= t->keys_mask; i++) {
        uint32_t j = t->keys[i].hash & (cap - 1);

        if (!t->keys[i].serial)
            continue;
        while (v[j].serial)
            j = (j + 1) & (cap - 1);
        v[j] = t->keys[i];
    }
    if (t->keys_heap)
        free(t->keys);
    t->keys = v;
    t->keys_mask = cap - 1;
    t->keys_heap = true;
    return 0;
}

/* Remember key k (at off in out) of the innermost map; false if that map has it already. */
static bool tc_key_new(struct tc *t, const unsigned char *k, size_t n, size_t off)
{
    uint32_t serial = t->stack[t->depth - 1].serial, h = tc_hash(serial, k, n), i;

    if ((t->keys_n + 1) * 2 > t->keys_mask + 1 && tc_keys_grow(t)) {
        t->why = NULL; /* out of memory */
        return false;
    }
    for (i = h & t->keys_mask; t->keys[i].serial; i = (i + 1) & t->keys_mask)
        if (t->keys[i].serial == serial && t->keys[i].hash == h && t->keys[i].len == n &&
            memcmp(t->out->data + t->keys[i].off, k, n) == 0) {
            t->why = "duplicate object key";
            return false;
        }
    t->keys[i] = (struct tc_key){serial, h, off, n};
    t->keys_n++;
    return true;
}

/* Before any value: count it in its array; a bare scalar at the top is not a json text. */
static bool tc_value(struct tc *t, bool container, bool *is_id)
{
    *is_id = t->id_next;
    t->id_next = false;
    if (t->depth == 0) {
        if (!container) {
            t->why = "a json text must be an object or an array";
            return false;
        }
        return true;
    }
    if (!t->stack[t->depth - 1].map)
        t->stack[t->depth - 1].n++;
    return true;
}

static int tc_packed(struct tc *t)
{
    if (buf_err(t->out)) {
        t->why = NULL;
        return 0;
    }
    return 1;
}

static int tc_null(void *ctx)
{
    struct tc *t = ctx;
    bool is_id;

    if (!tc_value(t, false, &is_id))
        return 0;
    msgpack_pack_nil(&t->pk);
    return tc_packed(t);
}

static int tc_bool(void *ctx, int v)
{
    struct tc *t = ctx;
    bool is_id;

    if (!tc_value(t, false, &is_id))
        return 0;
    if (v)
        msgpack_pack_true(&t->pk);
    else
        msgpack_pack_false(&t->pk);
    return tc_packed(t);
}

/*
 * A number as jansson reads it: an integer when it has no '.', 'e' or 'E' (strtoll, and out of
 * range is an error, LLONG_MIN included, which yajl's own integers refuse), else a double
 * (strtod, overflow an error, underflow not). yajl's lexer has checked the grammar.
 */
static int tc_number(void *ctx, const char *s, size_t n)
{
    struct tc *t = ctx;
    char small[64], *text = small, *end;
    bool is_id, real = memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n);
    long long i = 0;
    double d = 0;

    if (!tc_value(t, false, &is_id))
        return 0;
    if (n >= sizeof(small)) {
        text = malloc(n + 1);
        if (!text) {
            t->why = NULL;
            return 0;
        }
    }
    memcpy(text, s, n);
    text[n] = '\0';
    errno = 0;
    if (real)
        d = strtod(text, &end);
    else
        i = strtoll(text, &end, 10);
    if (text != small)
        free(text);
    if (errno == ERANGE && (!real || d == HUGE_VAL || d == -HUGE_VAL)) {
        t->why = real ? "real number overflow" : "too big integer";
        return 0;
    }
    if (real)
        msgpack_pack_double(&t->pk, d);
    else
        msgpack_pack_int64(&t->pk, i);
    return tc_packed(t);
}

static int tc_string(void *ctx, const unsigned char *s, size_t n)
{
    struct tc *t = ctx;
    bool is_id;

    if (!tc_value(t, false, &is_id))
        return 0;
    if (!utf8_strict(s, n)) {
        t->why = "invalid utf-8 in a string";
        return 0;
    }
    msgpack_pack_str(&t->pk, n);
    if (is_id) {
        t->id_off = t->out->len;
        t->id_len = n;
    }
    msgpack_pack_str_body(&t->pk, s, n);
    return tc_packed(t);
}

static int tc_open(struct tc *t, bool map)
{
    static const char hdr[TC_HDR];
    bool is_id;

    if (!tc_value(t, true, &is_id))
        return 0;
    if (t->depth == t->max_depth) { /* the prescan said otherwise: never happens */
        t->why = "nested too deep";
        return 0;
    }
    if (t->depth == 0)
        t->top = map ? 1 : 2;
    t->stack[t->depth++] = (struct tc_frame){t->out->len, 0, map ? ++t->maps : 0, map};
    buf_append(t->out, hdr, sizeof(hdr));
    return tc_packed(t);
}

static int tc_close(struct tc *t)
{
    struct tc_frame *f = &t->stack[--t->depth];
    unsigned char *p = (unsigned char *)t->out->data + f->hdr;
    size_t h;

    if (f->n < 16) {
        p[0] = (unsigned char)((f->map ? 0x80 : 0x90) | f->n);
        h = 1;
    } else if (f->n < 65536) {
        p[0] = f->map ? 0xde : 0xdc;
        p[1] = (unsigned char)(f->n >> 8);
        p[2] = (unsigned char)f->n;
        h = 3;
    } else {
        p[0] = f->map ? 0xdf : 0xdd;
        for (int i = 0; i < 4; i++)
            p[1 + i] = (unsigned char)(f->n >> (24 - 8 * i));
        h = 5;
    }
    if (h < TC_HDR) {
        memmove(p + h, p + TC_HDR, t->out->len - f->hdr - TC_HDR);
        t->out->len -= TC_HDR - h;
        t->out->data[t->out->len] = '\0';
        if (t->depth == 0 && t->id_off != SIZE_MAX)
            t->id_off -= TC_HDR - h;
    }
    if (t->depth == 0)
        t->end = yajl_get_bytes_consumed(t->h);
    return 1;
}

static int tc_start_map(void *ctx)
{
    return tc_open(ctx, true);
}

static int tc_start_array(void *ctx)
{
    return tc_open(ctx, false);
}

static int tc_end(void *ctx)
{
    return tc_close(ctx);
}

static int tc_key(void *ctx, const unsigned char *k, size_t n)
{
    struct tc *t = ctx;

    if (!utf8_strict(k, n)) {
        t->why = "invalid utf-8 in an object key";
        return 0;
    }
    msgpack_pack_str(&t->pk, n);
    if (!tc_key_new(t, k, n, t->out->len))
        return 0;
    msgpack_pack_str_body(&t->pk, k, n);
    t->stack[t->depth - 1].n++;
    t->id_next = t->depth == 1 && n == 2 && memcmp(k, "id", 2) == 0;
    return tc_packed(t);
}

static const yajl_callbacks tc_callbacks = {
    .yajl_null = tc_null,
    .yajl_boolean = tc_bool,
    .yajl_number = tc_number,
    .yajl_string = tc_string,
    .yajl_start_map = tc_start_map,
    .yajl_map_key = tc_key,
    .yajl_end_map = tc_end,
    .yajl_start_array = tc_start_array,
    .yajl_end_array = tc_end,
};

/* "invalid json at [line L ]column C: why", the position of byte off of s. */
static int tc_error(const char *s, size_t len, size_t off, const char *why, struct sm_error *e)
{
    size_t line = 1, lstart = 0;

    for (size_t i = 0; i < off && i < len; i++)
        if (s[i] == '\n') {
            line++;
            lstart = i + 1;
        }
    if (line == 1)
        return sm_error_set(e, SM_EBADREQ, "", "invalid json at column %zu: %s", off - lstart + 1,
                            why);
    return sm_error_set(e, SM_EBADREQ, "", "invalid json at line %zu column %zu: %s", line,
                        off - lstart + 1, why);
}

/* yajl's own message for a syntax error, without its "parse error: " prefix and newline. */
static int tc_yajl_error(yajl_handle h, const char *s, size_t len, struct sm_error *e)
{
    unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
    const char *why = msg ? (const char *)msg : "malformed";
    const char *colon = strstr(why, "error: ");
    char text[160];
    size_t n;
    int rc;

    if (colon)
        why = colon + 7;
    n = strcspn(why, "\n");
    snprintf(text, sizeof(text), "%.*s", (int)n, why);
    rc = tc_error(s, len, yajl_get_bytes_consumed(h), text, e);
    if (msg)
        yajl_free_error(h, msg);
    return rc;
}

/*
 * The slow path: jansson's tree, packed as jsonmp_pack does, the top-level map by hand to find
 * where its "id" string lands.
 */
static int tc_jansson(const char *s, size_t len, const struct jsonmp_limits *lim, struct buf *out,
                      struct jsonmp_top *top, struct sm_error *e)
{
    msgpack_packer pk;
    const char *key;
    size_t id_off = SIZE_MAX, id_len = 0;
    json_t *j, *v;
    int rc = jsonmp_parse(s, len, lim, &j, e);

    if (rc)
        return rc;
    msgpack_packer_init(&pk, out, buf_msgpack_write);
    if (!json_is_object(j)) {
        rc = jsonmp_pack(j, &pk);
        goto out;
    }
    rc = msgpack_pack_map(&pk, json_object_size(j));
    json_object_foreach(j, key, v)
    {
        size_t kl = strlen(key);

        if (rc == 0)
            rc = msgpack_pack_str(&pk, kl) || msgpack_pack_str_body(&pk, key, kl);
        if (rc == 0 && kl == 2 && memcmp(key, "id", 2) == 0 && json_is_string(v)) {
            id_len = json_string_length(v);
            rc = msgpack_pack_str(&pk, id_len);
            id_off = out->len;
            if (rc == 0)
                rc = msgpack_pack_str_body(&pk, json_string_value(v), id_len);
        } else if (rc == 0) {
            rc = jsonmp_pack(v, &pk);
        }
    }
out:
    rc = rc ? -ENOMEM : buf_err(out);
    if (rc == 0 && top) {
        top->object = json_is_object(j);
        if (id_off != SIZE_MAX) {
            top->id = out->data + id_off;
            top->id_len = id_len;
        }
    }
    json_decref(j);
    return rc;
}

int jsonmp_transcode(const char *s, size_t len, const struct jsonmp_limits *lim,
                     struct buf *out, struct jsonmp_top *top, struct sm_error *e)
{
    struct tc_frame frames[TC_FRAMES];
    struct tc_key keys[TC_KEYS];
    struct tc t = {.out = out, .stack = frames, .keys = keys, .keys_mask = TC_KEYS - 1,
                   .id_off = SIZE_MAX};
    size_t start = out->len;
    yajl_handle h = NULL;
    unsigned flags;
    int rc;

    if (top)
        *top = (struct jsonmp_top){0};
    rc = check_text(s, len, &lim, &flags, e);
    if (rc)
        return rc;
    if (flags & PRESCAN_JANSSON) {
        rc = tc_jansson(s, len, lim, out, top, e);
        goto out;
    }
    msgpack_packer_init(&t.pk, out, buf_msgpack_write);
    t.max_depth = lim->max_depth;
    if (t.max_depth > TC_FRAMES) {
        t.stack = malloc(t.max_depth * sizeof(*t.stack));
        if (!t.stack) {
            rc = -ENOMEM;
            goto out;
        }
    }
    memset(keys, 0, sizeof(keys));
    rc = -ENOMEM;
    h = yajl_alloc(&tc_callbacks, NULL, &t);
    if (!h || !yajl_config(h, yajl_dont_validate_strings, 1))
        goto out;
    t.h = h;
    switch (yajl_parse(h, (const unsigned char *)s, len)) {
    case yajl_status_ok:
        break;
    case yajl_status_client_canceled:
        rc = t.why ? tc_error(s, len, yajl_get_bytes_consumed(h), t.why, e) : -ENOMEM;
        goto out;
    default:
        rc = tc_yajl_error(h, s, len, e);
        goto out;
    }
    if (yajl_complete_parse(h) != yajl_status_ok) {
        rc = t.why ? tc_error(s, len, len, t.why, e) : tc_yajl_error(h, s, len, e);
        goto out;
    }
    rc = buf_err(out);
    if (rc == 0 && t.top == 0) /* white space only: yajl takes it */
        rc = tc_error(s, len, len, "'[' or '{' expected", e);
    /* yajl takes a token cut short by the end of the text after the value (`{}"`). */
    for (size_t i = t.end; rc == 0 && i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            rc = tc_error(s, len, i, "end of file expected", e);
    if (rc == 0 && top) {
        top->object = t.top == 1;
        if (t.id_off != SIZE_MAX) {
            top->id = out->data + t.id_off;
            top->id_len = t.id_len;
        }
    }
out:
    if (h)
        yajl_free(h);
    if (t.stack != frames)
        free(t.stack);
    if (t.keys_heap)
        free(t.keys);
    if (rc) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return rc;
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
