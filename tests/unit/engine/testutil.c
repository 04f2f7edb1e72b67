/* testutil.c - see testutil.h. */
#define _XOPEN_SOURCE 700
#include "sm.h"

#include "testutil.h"

#include <ftw.h>
#include <jansson.h>
#include <unistd.h>

static const struct {
    const char *name;
    const char *bytes;
    size_t len;
} sentinels[] = {
    {"!bad-utf8!", "ab\xc3\x28", 4},
    {"!overlong!", "\xc0\xaf", 2},
    {"!surrogate!", "\xed\xa0\x80", 3},
    {"!nul!", "a\0b", 3},
};

static void pack_str(msgpack_packer *pk, const char *s, size_t n)
{
    for (size_t i = 0; i < SM_ARRAY_SIZE(sentinels); i++) {
        if (strlen(sentinels[i].name) == n && memcmp(sentinels[i].name, s, n) == 0) {
            s = sentinels[i].bytes;
            n = sentinels[i].len;
            break;
        }
    }
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pack(msgpack_packer *pk, json_t *j)
{
    const char *key;
    json_t *v;
    size_t i;

    switch (json_typeof(j)) {
    case JSON_OBJECT:
        msgpack_pack_map(pk, json_object_size(j));
        json_object_foreach(j, key, v)
        {
            pack_str(pk, key, strlen(key));
            pack(pk, v);
        }
        break;
    case JSON_ARRAY:
        msgpack_pack_array(pk, json_array_size(j));
        json_array_foreach(j, i, v) pack(pk, v);
        break;
    case JSON_STRING:
        pack_str(pk, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        msgpack_pack_int64(pk, json_integer_value(j));
        break;
    case JSON_REAL:
        msgpack_pack_double(pk, json_real_value(j));
        break;
    case JSON_TRUE:
        msgpack_pack_true(pk);
        break;
    case JSON_FALSE:
        msgpack_pack_false(pk);
        break;
    default:
        msgpack_pack_nil(pk);
        break;
    }
}

void tu_pack_json(msgpack_sbuffer *sb, const char *json)
{
    json_error_t err;
    json_t *j = json_loads(json, JSON_DECODE_ANY | JSON_PRESERVE_ORDER, &err);
    msgpack_packer pk;

    if (!j) {
        fprintf(stderr, "testutil: bad JSON at %d: %s\n%s\n", err.position, err.text, json);
        abort();
    }
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    pack(&pk, j);
    json_decref(j);
}

const msgpack_object *tu_obj(msgpack_unpacked *u, const char *json)
{
    msgpack_sbuffer sb;
    size_t off = 0;

    msgpack_sbuffer_init(&sb);
    tu_pack_json(&sb, json);
    msgpack_unpacked_init(u);
    if (msgpack_unpack_next(u, sb.data, sb.size, &off) != MSGPACK_UNPACK_SUCCESS)
        abort();
    /* The unpacked strings point into sb: hand its memory to the zone. */
    msgpack_zone_push_finalizer(u->zone, free, msgpack_sbuffer_release(&sb));
    msgpack_sbuffer_destroy(&sb);
    return &u->data;
}

static const char base_profile[] =
    "{\"id\": \"cn-ningbo-0042\", \"kind\": \"sme\", \"name\": \"Ningbo Deli Stationery Co.\","
    " \"country\": \"CN\", \"region\": \"Zhejiang\", \"zone\": \"ninghai-stationery\","
    " \"languages\": [\"zh\", \"en\"], \"employees\": 120, \"founded\": 2004,"
    " \"sectors\": [\"C3290\"], \"description\": \"free text, any language\","
    " \"offers\": [{\"type\": \"outsourcing\", \"sectors\": [\"C3290\"],"
    "   \"keywords\": [\"OEM\", \"gel pens\"],"
    "   \"text\": \"OEM production of gel pens and markers, 2M units/month\","
    "   \"countries\": [\"DE\", \"US\"]}],"
    " \"needs\": [{\"type\": \"distribution\", \"sectors\": [\"G4649\"],"
    "   \"keywords\": [\"stationery wholesale\"],"
    "   \"text\": \"seeking a distributor for school stationery in Germany\","
    "   \"countries\": [\"DE\"]}],"
    " \"contact\": {\"person\": \"Li Wei\", \"email\": \"li.wei@example.cn\"}}";

char *tu_profile_json(const char *id, const char *extra)
{
    json_error_t err;
    json_t *p = json_loads(base_profile, JSON_PRESERVE_ORDER, &err);
    const char *key;
    json_t *v;
    char *out;

    if (!p)
        abort();
    if (id)
        json_object_set_new(p, "id", json_string(id));
    if (extra) {
        json_t *x = json_loads(extra, JSON_PRESERVE_ORDER, &err);
        if (!x) {
            fprintf(stderr, "testutil: bad JSON: %s\n%s\n", err.text, extra);
            abort();
        }
        json_object_foreach(x, key, v)
        {
            if (json_is_string(v) && strcmp(json_string_value(v), "!delete!") == 0)
                json_object_del(p, key);
            else
                json_object_set(p, key, v);
        }
        json_decref(x);
    }
    out = json_dumps(p, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(p);
    return out;
}

char *tu_repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

char *tu_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char buf[4096];
    char *d;

    snprintf(buf, sizeof(buf), "%s/smematch-unit-XXXXXX", base && base[0] ? base : "/tmp");
    d = mkdtemp(buf);
    if (!d)
        abort();
    return strdup(d);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tu_rmtree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
