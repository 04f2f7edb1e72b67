/*
 * profile.c - decode, validate and encode profiles (SPEC §2); see profile.h.
 *
 * Validation walks the msgpack map once, in the order the client wrote it, and stops at the
 * first bad field so the error names exactly one path ("offers[0].type"). Values are copied into
 * the profile's arena as they are checked: the msgpack object can be freed right after decoding.
 *
 * Normalisation (so that equal data gives equal bytes in the store):
 * - country codes are upper-cased, language codes lower-cased, sector letters upper-cased;
 * - code lists (languages, sectors, countries) drop repeated codes, keeping first positions;
 * - empty optional strings (region, zone, description, item text) and nil mean "absent".
 */
#include "sm.h"

#include "profile.h"

#include <math.h>
#include <time.h>

#include "arena.h"
#include "isic.h"
#include "iso.h"
#include "proto.h"

const struct profile_limits profile_default_limits = {
    .text_max = PROFILE_TEXT_MAX,
    .list_max = PROFILE_LIST_MAX,
};

#define EMPLOYEES_MAX 10000000 /* above the largest employer on record */
#define FOUNDED_MIN 1800
#define EMAIL_MAX 254 /* RFC 5321 path limit */
#define PHONE_MAX 64
#define PATH_MAX_LEN 128 /* = sizeof(struct sm_error.field) */

/* Top-level fields, in canonical (encoding) order. */
enum field {
    F_ID,
    F_KIND,
    F_NAME,
    F_COUNTRY,
    F_REGION,
    F_ZONE,
    F_LANGUAGES,
    F_EMPLOYEES,
    F_FOUNDED,
    F_SECTORS,
    F_DESCRIPTION,
    F_OFFERS,
    F_NEEDS,
    F_CONTACT,
    F_CREATED_MS,
    F_UPDATED_MS,
    F__COUNT
};

static const char *const field_names[F__COUNT] = {
    "id",      "kind",    "name",        "country", "region", "zone",    "languages",  "employees",
    "founded", "sectors", "description", "offers",  "needs",  "contact", "created_ms", "updated_ms",
};

enum item_field { I_TYPE, I_SECTORS, I_KEYWORDS, I_TEXT, I_COUNTRIES, I__COUNT };
static const char *const item_names[I__COUNT] = {"type", "sectors", "keywords", "text",
                                                 "countries"};

enum contact_field { C_PERSON, C_EMAIL, C_PHONE, C__COUNT };
static const char *const contact_names[C__COUNT] = {"person", "email", "phone"};

/* ---- enums and ids -------------------------------------------------------------------------- */

static int parse_name(const char *const *names, int count, const char *s, size_t n)
{
    for (int i = 0; i < count; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return i;
    return -1;
}

bool profile_id_valid(const char *s, size_t n)
{
    if (n < 1 || n > PROFILE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return false;
    }
    return true;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

void profile_init(struct profile *p)
{
    memset(p, 0, sizeof(*p));
    p->employees = -1;
    p->founded = -1;
}

void profile_release(struct profile *p)
{
    struct arena *a;

    if (!p)
        return;
    a = p->arena;
    arena_destroy(&a);
    profile_init(p);
}

/* ---- validation helpers --------------------------------------------------------------------- */

struct dec {
    struct arena *a;
    const struct profile_limits *lim;
    struct sm_error *e;
    int64_t year; /* current year, upper bound of "founded" */
};

enum { UTF8_OK = 0, UTF8_BAD, UTF8_CTRL };

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. Control
 * characters (and NUL, which would cut our C strings) are refused; multi-line texts may hold
 * tab, CR and LF.
 */
static int check_utf8(const unsigned char *s, size_t n, bool multiline)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i], cp, min;
        size_t len;

        if (c < 0x80) {
            if ((c < 0x20 || c == 0x7f) && !(multiline && (c == '\t' || c == '\n' || c == '\r')))
                return UTF8_CTRL;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return UTF8_BAD;
        }
        if (n - i < len)
            return UTF8_BAD;
        for (size_t k = 1; k < len; k++) {
            unsigned cc = s[i + k];
            if ((cc & 0xc0) != 0x80)
                return UTF8_BAD;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return UTF8_BAD;
        i += len;
    }
    return UTF8_OK;
}

static int fail(struct dec *d, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct dec *d, const char *path, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sm_error_set(d->e, SM_EINVAL, path, "%s", msg);
}

/*
 * Paths are built for every field decoded, and only read when one fails: a bulk import decodes
 * thousands of profiles a second, and vsnprintf here was 5 % of the engine's CPU. So they are
 * put together with memcpy. A path longer than the error's field is cut (always terminated).
 */
struct pathb {
    char *buf;
    size_t size, n;
};

static void path_put(struct pathb *p, const char *s, size_t len)
{
    size_t room = p->size - 1 - p->n;

    len = len < room ? len : room;
    memcpy(p->buf + p->n, s, len);
    p->n += len;
    p->buf[p->n] = '\0';
}

/* prefix, then sep and s (sep left out when prefix is empty) */
static void path_join(char *buf, size_t size, const char *prefix, char sep, const char *s,
                      size_t len)
{
    struct pathb p = {buf, size, 0};

    buf[0] = '\0';
    if (prefix && prefix[0]) {
        path_put(&p, prefix, strlen(prefix));
        path_put(&p, &sep, 1);
    }
    path_put(&p, s, len);
}

/* prefix "[" i "]" */
static void path_index(char *buf, size_t size, const char *prefix, uint32_t i)
{
    struct pathb p = {buf, size, 0};
    char d[12];
    size_t at = sizeof(d);

    buf[0] = '\0';
    d[--at] = ']';
    do
        d[--at] = (char)('0' + i % 10);
    while (i /= 10);
    d[--at] = '[';
    path_put(&p, prefix, strlen(prefix));
    path_put(&p, d + at, sizeof(d) - at);
}

static int nomem(struct dec *d)
{
    return sm_error_set(d->e, -ENOMEM, "", "out of memory");
}

/*
 * path of a map member: prefix "." key, or key alone at the top. A key that is not short,
 * printable UTF-8 is shown as "?" so the error itself stays valid UTF-8 (it goes into JSON).
 */
static void key_path(char *buf, size_t size, const char *prefix, const msgpack_object *key)
{
    const char *k = "?";
    int klen = 1;

    if (key->type == MSGPACK_OBJECT_STR && key->via.str.size > 0 && key->via.str.size <= 48 &&
        check_utf8((const unsigned char *)key->via.str.ptr, key->via.str.size, false) == UTF8_OK) {
        k = key->via.str.ptr;
        klen = (int)key->via.str.size;
    }
    path_join(buf, size, prefix, '.', k, (size_t)klen);
}

static void join_path(char *buf, size_t size, const char *prefix, const char *name)
{
    path_join(buf, size, prefix, '.', name, strlen(name));
}

static bool is_nil(const msgpack_object *o)
{
    return o->type == MSGPACK_OBJECT_NIL;
}

/* A string of min..max bytes of valid UTF-8, copied into the arena. */
static int get_str(struct dec *d, const msgpack_object *o, const char *path, size_t min, size_t max,
                   bool multiline, char **out)
{
    size_t n;

    if (o->type != MSGPACK_OBJECT_STR)
        return fail(d, path, "must be a string");
    n = o->via.str.size;
    if (n < min)
        return fail(d, path, "must not be empty");
    if (n > max)
        return fail(d, path, "must be at most %zu bytes", max);
    switch (check_utf8((const unsigned char *)o->via.str.ptr, n, multiline)) {
    case UTF8_BAD:
        return fail(d, path, "must be valid utf-8");
    case UTF8_CTRL:
        return fail(d, path, "must not contain control characters");
    default:
        break;
    }
    *out = arena_strndup(d->a, o->via.str.ptr, n);
    return *out ? 0 : nomem(d);
}

/* An optional string: empty means absent (NULL). */
static int get_opt_str(struct dec *d, const msgpack_object *o, const char *path, size_t max,
                       bool multiline, char **out)
{
    int rc;

    *out = NULL;
    if (is_nil(o))
        return 0;
    rc = get_str(d, o, path, 0, max, multiline, out);
    if (rc == 0 && (*out)[0] == '\0')
        *out = NULL;
    return rc;
}

static int get_int(struct dec *d, const msgpack_object *o, const char *path, int64_t min,
                   int64_t max, int64_t *out)
{
    int64_t v;

    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX)
            goto range;
        v = (int64_t)o->via.u64;
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        v = o->via.i64;
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        /* JSON converters may send 120.0 for 120: accept integral values only. */
        if (!(o->via.f64 >= (double)min && o->via.f64 <= (double)max) ||
            floor(o->via.f64) != o->via.f64)
            goto range;
        v = (int64_t)o->via.f64;
        break;
    default:
        goto range;
    }
    if (v < min || v > max)
        goto range;
    *out = v;
    return 0;
range:
    return fail(d, path, "must be an integer from %" PRId64 " to %" PRId64, min, max);
}

enum code_kind { CODE_COUNTRY, CODE_LANGUAGE, CODE_SECTOR };

/*
 * One code, case-normalised and checked against its table. buf gets the normalised code
 * (at most 5 bytes + NUL).
 */
static int check_code(struct dec *d, const msgpack_object *o, const char *path, enum code_kind k,
                      char buf[8], size_t *len)
{
    size_t n;
    bool ok = false;

    if (o->type != MSGPACK_OBJECT_STR)
        return fail(d, path, "must be a string");
    n = o->via.str.size;
    if (n <= 5) {
        memcpy(buf, o->via.str.ptr, n);
        buf[n] = '\0';
        for (size_t i = 0; i < n; i++) {
            char c = buf[i];
            if (k == CODE_LANGUAGE && c >= 'A' && c <= 'Z')
                buf[i] = (char)(c - 'A' + 'a');
            else if (k != CODE_LANGUAGE && c >= 'a' && c <= 'z')
                buf[i] = (char)(c - 'a' + 'A');
        }
        if (k == CODE_COUNTRY)
            ok = iso_country_valid(buf, n);
        else if (k == CODE_LANGUAGE)
            ok = iso_language_valid(buf, n);
        else
            ok = isic_valid(buf, n);
    }
    if (ok) {
        *len = n;
        return 0;
    }
    switch (k) {
    case CODE_COUNTRY:
        return fail(d, path, "must be an iso 3166-1 alpha-2 country code such as \"CN\"");
    case CODE_LANGUAGE:
        return fail(d, path, "must be an iso 639-1 language code such as \"en\"");
    default:
        return fail(d, path, "must be an isic rev.4 code such as \"C\", \"C32\" or \"C3290\"");
    }
}

static int check_list(struct dec *d, const msgpack_object *o, const char *path)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return fail(d, path, "must be a list");
    if (o->via.array.size > d->lim->list_max)
        return fail(d, path, "must have at most %u items", d->lim->list_max);
    return 0;
}

/* A list of codes; repeated codes are dropped. nil is an empty list. */
static int get_codes(struct dec *d, const msgpack_object *o, const char *path, enum code_kind k,
                     struct strlist *out)
{
    char ipath[PATH_MAX_LEN];
    int rc;

    out->v = NULL;
    out->n = 0;
    if (is_nil(o))
        return 0;
    rc = check_list(d, o, path);
    if (rc)
        return rc;
    out->v = arena_calloc(d->a, o->via.array.size ? o->via.array.size : 1, sizeof(char *));
    if (!out->v)
        return nomem(d);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        char buf[8];
        size_t len;
        bool dup = false;

        path_index(ipath, sizeof(ipath), path, i);
        rc = check_code(d, &o->via.array.ptr[i], ipath, k, buf, &len);
        if (rc)
            return rc;
        for (uint32_t j = 0; j < out->n && !dup; j++)
            dup = strcmp(out->v[j], buf) == 0;
        if (dup)
            continue;
        out->v[out->n] = arena_strndup(d->a, buf, len);
        if (!out->v[out->n])
            return nomem(d);
        out->n++;
    }
    return 0;
}

/* A list of one-line strings (keywords), kept as given. */
static int get_words(struct dec *d, const msgpack_object *o, const char *path, struct strlist *out)
{
    char ipath[PATH_MAX_LEN];
    int rc;

    out->v = NULL;
    out->n = 0;
    if (is_nil(o))
        return 0;
    rc = check_list(d, o, path);
    if (rc)
        return rc;
    out->v = arena_calloc(d->a, o->via.array.size ? o->via.array.size : 1, sizeof(char *));
    if (!out->v)
        return nomem(d);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        path_index(ipath, sizeof(ipath), path, i);
        rc = get_str(d, &o->via.array.ptr[i], ipath, 1, PROFILE_NAME_MAX, false, &out->v[i]);
        if (rc)
            return rc;
        out->n++;
    }
    return 0;
}

/*
 * Which of names[] a map key is, into *f. An error names the key if it is not a string, unknown,
 * or seen before in this map.
 */
static int map_field(struct dec *d, const msgpack_object *key, const char *prefix,
                     const char *const *names, int count, uint32_t *seen, int *f)
{
    char path[PATH_MAX_LEN];

    if (key->type != MSGPACK_OBJECT_STR)
        return fail(d, prefix ? prefix : "", "field names must be strings");
    *f = parse_name(names, count, key->via.str.ptr, key->via.str.size);
    key_path(path, sizeof(path), prefix, key);
    if (*f < 0)
        return fail(d, path, "unknown field");
    if (*seen & (1u << *f))
        return fail(d, path, "duplicate field");
    *seen |= 1u << *f;
    return 0;
}

/* ---- composite fields ----------------------------------------------------------------------- */

static int get_item(struct dec *d, const msgpack_object *o, const char *path, struct coop_item *it)
{
    char fpath[PATH_MAX_LEN];
    uint32_t seen = 0;
    int rc;

    if (o->type != MSGPACK_OBJECT_MAP)
        return fail(d, path, "must be a map with a \"type\"");
    it->text = "";
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        int f, t;

        rc = map_field(d, &kv->key, path, item_names, I__COUNT, &seen, &f);
        if (rc)
            return rc;
        join_path(fpath, sizeof(fpath), path, item_names[f]);
        switch (f) {
        case I_TYPE:
            if (kv->val.type != MSGPACK_OBJECT_STR ||
                (t = coop_type_parse(kv->val.via.str.ptr, kv->val.via.str.size)) < 0)
                return fail(d, fpath,
                            "must be one of outsourcing, joint_venture, technology_transfer, "
                            "distribution, franchise, investment, rnd, services");
            it->type = (enum coop_type)t;
            rc = 0;
            break;
        case I_SECTORS:
            rc = get_codes(d, &kv->val, fpath, CODE_SECTOR, &it->sectors);
            break;
        case I_KEYWORDS:
            rc = get_words(d, &kv->val, fpath, &it->keywords);
            break;
        case I_TEXT:
            rc = get_opt_str(d, &kv->val, fpath, d->lim->text_max, true, &it->text);
            if (rc == 0 && !it->text)
                it->text = "";
            break;
        default:
            rc = get_codes(d, &kv->val, fpath, CODE_COUNTRY, &it->countries);
            break;
        }
        if (rc)
            return rc;
    }
    if (!(seen & (1u << I_TYPE))) {
        join_path(fpath, sizeof(fpath), path, "type");
        return fail(d, fpath, "is required");
    }
    return 0;
}

static int get_items(struct dec *d, const msgpack_object *o, const char *path,
                     struct coop_item **out, uint32_t *n)
{
    char ipath[PATH_MAX_LEN];
    int rc;

    *out = NULL;
    *n = 0;
    if (is_nil(o))
        return 0;
    rc = check_list(d, o, path);
    if (rc)
        return rc;
    if (o->via.array.size == 0)
        return 0;
    *out = arena_calloc(d->a, o->via.array.size, sizeof(**out));
    if (!*out)
        return nomem(d);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        path_index(ipath, sizeof(ipath), path, i);
        rc = get_item(d, &o->via.array.ptr[i], ipath, &(*out)[i]);
        if (rc)
            return rc;
        (*n)++;
    }
    return 0;
}

/* "local@domain": one '@', both sides non-empty, no spaces (full RFC 5322 is not useful here). */
static bool email_ok(const char *s)
{
    const char *at = strchr(s, '@');

    if (!at || at == s || at[1] == '\0' || strchr(at + 1, '@'))
        return false;
    for (const char *c = s; *c; c++)
        if (*c == ' ')
            return false;
    return true;
}

/* Digits with the usual separators, at least 3 digits: "+86 574 8888-1234", "(030) 123 45". */
static bool phone_ok(const char *s)
{
    int digits = 0;

    for (const char *c = s; *c; c++) {
        if (*c >= '0' && *c <= '9')
            digits++;
        else if (!strchr(" +-().#*/x", *c))
            return false;
    }
    return digits >= 3;
}

static int get_contact(struct dec *d, const msgpack_object *o, struct profile_contact *c)
{
    char fpath[PATH_MAX_LEN];
    uint32_t seen = 0;
    int rc = 0;

    memset(c, 0, sizeof(*c));
    if (is_nil(o))
        return 0;
    if (o->type != MSGPACK_OBJECT_MAP)
        return fail(d, "contact", "must be a map of person, email, phone");
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        int f;

        rc = map_field(d, &kv->key, "contact", contact_names, C__COUNT, &seen, &f);
        if (rc)
            return rc;
        join_path(fpath, sizeof(fpath), "contact", contact_names[f]);
        switch (f) {
        case C_PERSON:
            rc = get_opt_str(d, &kv->val, fpath, PROFILE_NAME_MAX, false, &c->person);
            break;
        case C_EMAIL:
            rc = get_opt_str(d, &kv->val, fpath, EMAIL_MAX, false, &c->email);
            if (rc == 0 && c->email && !email_ok(c->email))
                rc = fail(d, fpath, "must be an email address like name@example.com");
            break;
        default:
            rc = get_opt_str(d, &kv->val, fpath, PHONE_MAX, false, &c->phone);
            if (rc == 0 && c->phone && !phone_ok(c->phone))
                rc = fail(d, fpath, "must be a phone number: digits, spaces and + - ( ) .");
            break;
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int current_year(void)
{
    time_t now = time(NULL);
    struct tm tm;

    if (!gmtime_r(&now, &tm))
        return 2100;
    /* A company founded on 1 January may register from a time zone already in the new year. */
    return tm.tm_year + 1900 + (tm.tm_mon == 11 && tm.tm_mday == 31 ? 1 : 0);
}

/* ---- decode --------------------------------------------------------------------------------- */

static int decode_field(struct dec *d, enum field f, const msgpack_object *v, struct profile *p)
{
    const char *name = field_names[f];
    char buf[8];
    size_t len;
    int rc, k;

    /* nil leaves an optional field absent. */
    if (is_nil(v))
        return f <= F_COUNTRY ? fail(d, name, "is required") : 0;
    switch (f) {
    case F_ID:
        if (v->type != MSGPACK_OBJECT_STR || !profile_id_valid(v->via.str.ptr, v->via.str.size))
            return fail(d, name, "must be 1 to %d characters of A-Z a-z 0-9 . _ : -",
                        PROFILE_ID_MAX);
        p->id = arena_strndup(d->a, v->via.str.ptr, v->via.str.size);
        return p->id ? 0 : nomem(d);
    case F_KIND:
        if (v->type != MSGPACK_OBJECT_STR ||
            (k = profile_kind_parse(v->via.str.ptr, v->via.str.size)) < 0)
            return fail(d, name, "must be one of sme, large, foreign, service");
        p->kind = (enum profile_kind)k;
        return 0;
    case F_NAME:
        return get_str(d, v, name, 1, PROFILE_NAME_MAX, false, &p->name);
    case F_COUNTRY:
        rc = check_code(d, v, name, CODE_COUNTRY, buf, &len);
        if (rc)
            return rc;
        p->country = arena_strndup(d->a, buf, len);
        return p->country ? 0 : nomem(d);
    case F_REGION:
        return get_opt_str(d, v, name, PROFILE_NAME_MAX, false, &p->region);
    case F_ZONE:
        return get_opt_str(d, v, name, PROFILE_NAME_MAX, false, &p->zone);
    case F_LANGUAGES:
        return get_codes(d, v, name, CODE_LANGUAGE, &p->languages);
    case F_EMPLOYEES:
        return get_int(d, v, name, 0, EMPLOYEES_MAX, &p->employees);
    case F_FOUNDED:
        return get_int(d, v, name, FOUNDED_MIN, d->year, &p->founded);
    case F_SECTORS:
        return get_codes(d, v, name, CODE_SECTOR, &p->sectors);
    case F_DESCRIPTION:
        return get_opt_str(d, v, name, d->lim->text_max, true, &p->description);
    case F_OFFERS:
        return get_items(d, v, name, &p->offers, &p->n_offers);
    case F_NEEDS:
        return get_items(d, v, name, &p->needs, &p->n_needs);
    case F_CONTACT:
        return get_contact(d, v, &p->contact);
    case F_CREATED_MS:
        return get_int(d, v, name, 0, INT64_MAX, &p->created_ms);
    case F_UPDATED_MS:
        return get_int(d, v, name, 0, INT64_MAX, &p->updated_ms);
    default:
        return fail(d, name, "unknown field");
    }
}

static int decode(const msgpack_object *obj, const struct profile_limits *lim, bool allow_stamps,
                  const char *want_id, size_t want_id_len, struct profile *p, struct sm_error *e)
{
    struct arena *a = NULL;
    struct dec d;
    uint32_t seen = 0;
    int rc;

    profile_init(p);
    sm_error_clear(e);
    if (!obj || obj->type != MSGPACK_OBJECT_MAP) {
        rc = sm_error_set(e, SM_EBADREQ, "", "a profile must be a map");
        goto fail;
    }
    if (want_id && !profile_id_valid(want_id, want_id_len)) {
        rc = sm_error_set(e, SM_EINVAL, "id", "must be 1 to %d characters of A-Z a-z 0-9 . _ : -",
                          PROFILE_ID_MAX);
        goto fail;
    }
    /* Most profiles are 1-3 KiB of text; one chunk usually holds everything. */
    rc = arena_new(&a, 4096);
    if (rc) {
        rc = sm_error_set(e, -ENOMEM, "", "out of memory");
        goto fail;
    }
    p->arena = a;
    d.a = a;
    d.lim = lim ? lim : &profile_default_limits;
    d.e = e;
    d.year = current_year();
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        const msgpack_object_kv *kv = &obj->via.map.ptr[i];
        int f;

        rc = map_field(&d, &kv->key, NULL, field_names, F__COUNT, &seen, &f);
        if (rc)
            goto fail;
        if (!allow_stamps && (f == F_CREATED_MS || f == F_UPDATED_MS)) {
            rc = fail(&d, field_names[f], "is set by the engine and must not be sent");
            goto fail;
        }
        rc = decode_field(&d, (enum field)f, &kv->val, p);
        if (rc)
            goto fail;
    }
    if (want_id) {
        if (p->id && (strlen(p->id) != want_id_len || memcmp(p->id, want_id, want_id_len))) {
            rc = fail(&d, "id", "must equal the id of the request");
            goto fail;
        }
        if (!p->id) {
            p->id = arena_strndup(a, want_id, want_id_len);
            if (!p->id) {
                rc = nomem(&d);
                goto fail;
            }
        }
    }
    /* Required fields, in canonical order (id may have come from want_id). */
    if (!p->id || !(seen & (1u << F_KIND)) || !p->name || !p->country) {
        rc = fail(&d,
                  !p->id                     ? "id"
                  : !(seen & (1u << F_KIND)) ? "kind"
                  : !p->name                 ? "name"
                                             : "country",
                  "is required");
        goto fail;
    }
    return 0;
fail:
    profile_release(p);
    return rc ? rc : SM_EINVAL;
}

int profile_decode(const msgpack_object *obj, const struct profile_limits *lim, bool allow_stamps,
                   struct profile *p, struct sm_error *e)
{
    return decode(obj, lim, allow_stamps, NULL, 0, p, e);
}

int profile_decode_with_id(const msgpack_object *obj, const struct profile_limits *lim,
                           const char *id, size_t id_len, struct profile *p, struct sm_error *e)
{
    return decode(obj, lim, false, id, id_len, p, e);
}

/* ---- encode --------------------------------------------------------------------------------- */

static int pack_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
    return proto_pack_cstr(pk, k) || proto_pack_cstr(pk, v) ? -ENOMEM : 0;
}

static int pack_list(msgpack_packer *pk, const char *k, const struct strlist *l)
{
    if (proto_pack_cstr(pk, k) || msgpack_pack_array(pk, l->n))
        return -ENOMEM;
    for (uint32_t i = 0; i < l->n; i++)
        if (proto_pack_cstr(pk, l->v[i]))
            return -ENOMEM;
    return 0;
}

static int pack_item(msgpack_packer *pk, const struct coop_item *it)
{
    bool text = it->text && it->text[0];
    size_t n = 1 + (it->sectors.n > 0) + (it->keywords.n > 0) + text + (it->countries.n > 0);

    if (msgpack_pack_map(pk, n) || pack_kv_str(pk, "type", coop_type_name(it->type)))
        return -ENOMEM;
    if (it->sectors.n && pack_list(pk, "sectors", &it->sectors))
        return -ENOMEM;
    if (it->keywords.n && pack_list(pk, "keywords", &it->keywords))
        return -ENOMEM;
    if (text && pack_kv_str(pk, "text", it->text))
        return -ENOMEM;
    if (it->countries.n && pack_list(pk, "countries", &it->countries))
        return -ENOMEM;
    return 0;
}

static int pack_items(msgpack_packer *pk, const char *k, const struct coop_item *v, uint32_t n)
{
    if (proto_pack_cstr(pk, k) || msgpack_pack_array(pk, n))
        return -ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        if (pack_item(pk, &v[i]))
            return -ENOMEM;
    return 0;
}

static int pack_contact(msgpack_packer *pk, const struct profile_contact *c)
{
    size_t n = (c->person != NULL) + (c->email != NULL) + (c->phone != NULL);

    if (proto_pack_cstr(pk, "contact") || msgpack_pack_map(pk, n))
        return -ENOMEM;
    if (c->person && pack_kv_str(pk, "person", c->person))
        return -ENOMEM;
    if (c->email && pack_kv_str(pk, "email", c->email))
        return -ENOMEM;
    if (c->phone && pack_kv_str(pk, "phone", c->phone))
        return -ENOMEM;
    return 0;
}

static int pack_kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
    return proto_pack_cstr(pk, k) || msgpack_pack_int64(pk, v) ? -ENOMEM : 0;
}

int profile_encode(const struct profile *p, bool with_contact, msgpack_packer *pk)
{
    const struct profile_contact *c = &p->contact;
    bool contact = with_contact && (c->person || c->email || c->phone);
    size_t n = 4;

    n += (p->region != NULL) + (p->zone != NULL) + (p->languages.n > 0) + (p->employees >= 0) +
         (p->founded >= 0) + (p->sectors.n > 0) + (p->description != NULL) + (p->n_offers > 0) +
         (p->n_needs > 0) + contact + (p->created_ms > 0) + (p->updated_ms > 0);
    if (msgpack_pack_map(pk, n) || pack_kv_str(pk, "id", p->id) ||
        pack_kv_str(pk, "kind", profile_kind_name(p->kind)) || pack_kv_str(pk, "name", p->name) ||
        pack_kv_str(pk, "country", p->country))
        return -ENOMEM;
    if (p->region && pack_kv_str(pk, "region", p->region))
        return -ENOMEM;
    if (p->zone && pack_kv_str(pk, "zone", p->zone))
        return -ENOMEM;
    if (p->languages.n && pack_list(pk, "languages", &p->languages))
        return -ENOMEM;
    if (p->employees >= 0 && pack_kv_int(pk, "employees", p->employees))
        return -ENOMEM;
    if (p->founded >= 0 && pack_kv_int(pk, "founded", p->founded))
        return -ENOMEM;
    if (p->sectors.n && pack_list(pk, "sectors", &p->sectors))
        return -ENOMEM;
    if (p->description && pack_kv_str(pk, "description", p->description))
        return -ENOMEM;
    if (p->n_offers && pack_items(pk, "offers", p->offers, p->n_offers))
        return -ENOMEM;
    if (p->n_needs && pack_items(pk, "needs", p->needs, p->n_needs))
        return -ENOMEM;
    if (contact && pack_contact(pk, c))
        return -ENOMEM;
    if (p->created_ms > 0 && pack_kv_int(pk, "created_ms", p->created_ms))
        return -ENOMEM;
    if (p->updated_ms > 0 && pack_kv_int(pk, "updated_ms", p->updated_ms))
        return -ENOMEM;
    return 0;
}
