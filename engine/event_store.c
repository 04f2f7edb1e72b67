/*
 * event_store.c - events in LMDB; see event_store.h.
 */
#include "sm.h"

#include "event_store.h"

#include "log.h"
#include "proto.h"

#define KEY_MAX 512

/*
 * LMDB database handles are process-wide integers, valid in every transaction once opened. They
 * are set once by event_store_open() before the server's threads start and only read afterwards,
 * the same lifetime as the store itself.
 */
static MDB_dbi dbi_events, dbi_log;
static bool dbi_ready;

int event_store_open(struct store *st)
{
    int rc = store_dbi_open(st, "events", 0, &dbi_events);

    if (rc == 0)
        rc = store_dbi_open(st, "event_log", 0, &dbi_log);
    dbi_ready = rc == 0;
    return rc;
}

static int not_ready(void)
{
    log_error("events: databases not opened (event_store_open)");
    return SM_EINTERNAL;
}

/* <event>\0<kind>\0<key>; returns the length (0 if too long). */
static size_t make_key(char *out, const char *event, char kind, const void *key, size_t klen)
{
    size_t n = strlen(event);

    if (n + 3 + klen > KEY_MAX)
        return 0;
    memcpy(out, event, n);
    out[n] = '\0';
    out[n + 1] = kind;
    out[n + 2] = '\0';
    if (klen)
        memcpy(out + n + 3, key, klen);
    return n + 3 + klen;
}

static void be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

/* ---- model ----------------------------------------------------------------------------------- */

int ev_model_init(struct ev_model *m)
{
    memset(m, 0, sizeof(*m));
    return arena_new(&m->ar, 64 * 1024);
}

void ev_model_release(struct ev_model *m)
{
    arena_destroy(&m->ar);
    memset(m, 0, sizeof(*m));
}

/* Grow an arena array of elem-sized items to hold one more. */
static void *grow(struct arena *ar, void *v, int n, int *cap, size_t elem)
{
    void *nv;
    int ncap;

    if (n < *cap)
        return v;
    ncap = *cap ? *cap * 2 : 16;
    nv = arena_calloc(ar, (size_t)ncap, elem);
    if (!nv)
        return NULL;
    if (n)
        memcpy(nv, v, (size_t)n * elem);
    *cap = ncap;
    return nv;
}

#define ADD_ITEM(m, arr, n, cap)                                                                   \
    do {                                                                                           \
        void *nv_ = grow((m)->ar, (m)->arr, (m)->n, &(m)->cap, sizeof(*(m)->arr));                 \
        if (!nv_)                                                                                  \
            return NULL;                                                                           \
        (m)->arr = nv_;                                                                            \
        memset(&(m)->arr[(m)->n], 0, sizeof(*(m)->arr));                                           \
        return &(m)->arr[(m)->n++];                                                                \
    } while (0)

struct ev_participant *ev_add_participant(struct ev_model *m)
{
    ADD_ITEM(m, parts, n_parts, cap_parts);
}
struct ev_request *ev_add_request(struct ev_model *m)
{
    ADD_ITEM(m, reqs, n_reqs, cap_reqs);
}
struct ev_meeting *ev_add_meeting(struct ev_model *m)
{
    ADD_ITEM(m, meets, n_meets, cap_meets);
}
struct ev_veto *ev_add_veto(struct ev_model *m)
{
    ADD_ITEM(m, vetoes, n_vetoes, cap_vetoes);
}

struct ev_participant *ev_find_participant(struct ev_model *m, const char *id, size_t n)
{
    for (int i = 0; i < m->n_parts; i++)
        if (strlen(m->parts[i].profile) == n && memcmp(m->parts[i].profile, id, n) == 0)
            return &m->parts[i];
    return NULL;
}

int ev_participant_index(const struct ev_model *m, const char *id)
{
    for (int i = 0; i < m->n_parts; i++)
        if (strcmp(m->parts[i].profile, id) == 0)
            return i;
    return -1;
}

struct ev_request *ev_find_request(struct ev_model *m, uint64_t num)
{
    for (int i = 0; i < m->n_reqs; i++)
        if (m->reqs[i].num == num)
            return &m->reqs[i];
    return NULL;
}

struct ev_meeting *ev_find_meeting(struct ev_model *m, uint64_t num)
{
    for (int i = 0; i < m->n_meets; i++)
        if (m->meets[i].num == num)
            return &m->meets[i];
    return NULL;
}

const struct ev_veto *ev_find_veto(const struct ev_model *m, const char *a, const char *b)
{
    for (int i = 0; i < m->n_vetoes; i++) {
        const struct ev_veto *v = &m->vetoes[i];
        if ((strcmp(v->by, a) == 0 && strcmp(v->partner, b) == 0) ||
            (strcmp(v->by, b) == 0 && strcmp(v->partner, a) == 0))
            return v;
    }
    return NULL;
}

static int load_item(struct ev_model *m, char kind, const msgpack_object *o)
{
    uint64_t u;

    switch (kind) {
    case 'c':
        if (ev_uint(proto_map_get(o, "seq"), &u))
            m->seq = u;
        if (ev_uint(proto_map_get(o, "next_request"), &u))
            m->next_request = u;
        if (ev_uint(proto_map_get(o, "next_meeting"), &u))
            m->next_meeting = u;
        return 0;
    case 'e': {
        struct sm_error e;
        int rc = ev_config_decode(o, true, m->ar, &m->cfg, &e);
        if (rc && rc != -ENOMEM) {
            log_error("events: damaged event record: %s: %s", e.field, e.message);
            return SM_ESTORE;
        }
        return rc;
    }
    case 'm': {
        struct ev_meeting *mt = ev_add_meeting(m);
        return mt ? ev_meeting_decode(o, &m->cfg, m->ar, mt) : -ENOMEM;
    }
    case 'p': {
        struct ev_participant *p = ev_add_participant(m);
        return p ? ev_participant_decode(o, m->ar, p) : -ENOMEM;
    }
    case 'r': {
        struct ev_request *r = ev_add_request(m);
        return r ? ev_request_decode(o, m->ar, r) : -ENOMEM;
    }
    case 'v': {
        struct ev_veto *v = ev_add_veto(m);
        return v ? ev_veto_decode(o, m->ar, v) : -ENOMEM;
    }
    default:
        return 0;
    }
}

int ev_exists(struct store_txn *t, const char *id, size_t n)
{
    char key[KEY_MAX], idz[KEY_MAX];
    MDB_val k, d;
    size_t kl;

    if (!dbi_ready)
        return not_ready();
    if (n >= sizeof(idz))
        return SM_ENOTFOUND;
    memcpy(idz, id, n);
    idz[n] = '\0';
    kl = make_key(key, idz, 'e', NULL, 0);
    if (!kl)
        return SM_ENOTFOUND;
    k.mv_data = key;
    k.mv_size = kl;
    return store_txn_check(t, mdb_get(store_txn_mdb(t), dbi_events, &k, &d), "get event");
}

int ev_last_seq(struct store_txn *t, const char *id, size_t n, uint64_t *seq)
{
    char key[KEY_MAX], idz[KEY_MAX];
    msgpack_unpacked u;
    MDB_val k, d;
    int rc;

    *seq = 0;
    rc = ev_exists(t, id, n);
    if (rc)
        return rc;
    memcpy(idz, id, n);
    idz[n] = '\0';
    k.mv_data = key;
    k.mv_size = make_key(key, idz, 'c', NULL, 0);
    rc = store_txn_check(t, mdb_get(store_txn_mdb(t), dbi_events, &k, &d), "get counters");
    if (rc == SM_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    msgpack_unpacked_init(&u);
    if (proto_unpack(d.mv_data, d.mv_size, NULL, &u) == 0)
        ev_uint(proto_map_get(&u.data, "seq"), seq);
    msgpack_unpacked_destroy(&u);
    return 0;
}

int ev_model_load(struct store_txn *t, const char *id, size_t n, struct ev_model *m)
{
    MDB_cursor *cur = NULL;
    MDB_val k, d;
    char prefix[KEY_MAX];
    bool seen = false;
    int rc, mrc;

    memset(m, 0, sizeof(*m));
    if (!dbi_ready)
        return not_ready();
    if (n + 1 >= sizeof(prefix))
        return SM_ENOTFOUND;
    memcpy(prefix, id, n);
    prefix[n] = '\0';
    rc = arena_new(&m->ar, 64 * 1024);
    if (rc)
        return rc;
    rc = store_txn_check(t, mdb_cursor_open(store_txn_mdb(t), dbi_events, &cur), "open cursor");
    if (rc)
        goto out;
    k.mv_data = prefix;
    k.mv_size = n + 1;
    for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        msgpack_unpacked u;
        const char *kp = k.mv_data;

        if (k.mv_size < n + 3 || memcmp(kp, prefix, n + 1) != 0)
            break;
        msgpack_unpacked_init(&u);
        rc = proto_unpack(d.mv_data, d.mv_size, NULL, &u);
        if (rc == 0) {
            seen |= kp[n + 1] == 'e';
            rc = load_item(m, kp[n + 1], &u.data);
        } else {
            log_error("events: damaged record in %s", prefix);
            rc = SM_ESTORE;
        }
        msgpack_unpacked_destroy(&u);
        if (rc)
            goto out;
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) {
        rc = store_txn_check(t, mrc, "scan event");
        goto out;
    }
    rc = seen ? 0 : SM_ENOTFOUND;
out:
    if (cur)
        mdb_cursor_close(cur);
    if (rc)
        ev_model_release(m);
    return rc;
}

/* ---- writes ---------------------------------------------------------------------------------- */

typedef int (*pack_fn)(const void *item, const struct ev_model *m, msgpack_packer *pk);

static int put(struct store_txn *t, const struct ev_model *m, char kind, const void *key,
               size_t klen, pack_fn fn, const void *item)
{
    char kb[KEY_MAX];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    MDB_val k, d;
    int rc;

    if (!dbi_ready)
        return not_ready();
    k.mv_size = make_key(kb, m->cfg.id, kind, key, klen);
    k.mv_data = kb;
    if (!k.mv_size)
        return SM_EINVAL;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    rc = fn(item, m, &pk);
    if (rc == 0) {
        d.mv_data = sb.data;
        d.mv_size = sb.size;
        rc = store_txn_check(t, mdb_put(store_txn_mdb(t), dbi_events, &k, &d, 0), "put event");
    }
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static int pack_config(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    (void)item;
    return ev_config_pack(&m->cfg, pk);
}

static int pack_counters(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    (void)item;
    return msgpack_pack_map(pk, 3) || ev_pack_kv_int(pk, "seq", (int64_t)m->seq) ||
                   ev_pack_kv_int(pk, "next_request", (int64_t)m->next_request) ||
                   ev_pack_kv_int(pk, "next_meeting", (int64_t)m->next_meeting)
               ? -ENOMEM
               : 0;
}

static int pack_part(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    (void)m;
    return ev_participant_pack(item, pk);
}

static int pack_req(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    (void)m;
    return ev_request_pack(item, pk);
}

static int pack_veto(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    (void)m;
    return ev_veto_pack(item, pk);
}

static int pack_meet(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    return ev_meeting_pack(item, &m->cfg, pk);
}

int ev_put_config(struct store_txn *t, const struct ev_model *m)
{
    return put(t, m, 'e', NULL, 0, pack_config, NULL);
}

int ev_put_counters(struct store_txn *t, const struct ev_model *m)
{
    return put(t, m, 'c', NULL, 0, pack_counters, NULL);
}

int ev_put_participant(struct store_txn *t, const struct ev_model *m,
                       const struct ev_participant *p)
{
    return put(t, m, 'p', p->profile, strlen(p->profile), pack_part, p);
}

int ev_put_request(struct store_txn *t, const struct ev_model *m, const struct ev_request *r)
{
    unsigned char k[8];

    be64(k, r->num);
    return put(t, m, 'r', k, 8, pack_req, r);
}

int ev_put_veto(struct store_txn *t, const struct ev_model *m, const struct ev_veto *v)
{
    char k[2 * 130];
    size_t a = strlen(v->by), b = strlen(v->partner);

    if (a + b + 1 > sizeof(k))
        return SM_EINVAL;
    memcpy(k, v->by, a);
    k[a] = '\0';
    memcpy(k + a + 1, v->partner, b);
    return put(t, m, 'v', k, a + 1 + b, pack_veto, v);
}

int ev_put_meeting(struct store_txn *t, const struct ev_model *m, const struct ev_meeting *mt)
{
    unsigned char k[8];

    be64(k, mt->num);
    return put(t, m, 'm', k, 8, pack_meet, mt);
}

/* ---- log ------------------------------------------------------------------------------------- */

static size_t log_key(char *out, const char *event, uint64_t seq)
{
    size_t n = strlen(event);

    if (n + 9 > KEY_MAX)
        return 0;
    memcpy(out, event, n);
    out[n] = '\0';
    be64((unsigned char *)out + n + 1, seq);
    return n + 9;
}

int ev_log_put(struct store_txn *t, const char *event, uint64_t seq, const void *rec, size_t len)
{
    char kb[KEY_MAX];
    MDB_val k, d;

    if (!dbi_ready)
        return not_ready();
    k.mv_data = kb;
    k.mv_size = log_key(kb, event, seq);
    if (!k.mv_size)
        return SM_EINVAL;
    d.mv_data = (void *)rec;
    d.mv_size = len;
    return store_txn_check(t, mdb_put(store_txn_mdb(t), dbi_log, &k, &d, 0), "put event log");
}

int ev_log_scan(struct store_txn *t, const char *event, uint64_t since, uint32_t limit,
                int (*fn)(const void *rec, size_t len, void *user), void *user)
{
    MDB_cursor *cur = NULL;
    char kb[KEY_MAX];
    size_t n = strlen(event);
    MDB_val k, d;
    uint32_t count = 0;
    int rc, mrc;

    if (!dbi_ready)
        return not_ready();
    k.mv_data = kb;
    k.mv_size = log_key(kb, event, since + 1);
    if (!k.mv_size)
        return 0;
    rc = store_txn_check(t, mdb_cursor_open(store_txn_mdb(t), dbi_log, &cur), "open cursor");
    if (rc)
        return rc;
    for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && count < limit;
         mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        if (k.mv_size != n + 9 || memcmp(k.mv_data, event, n) != 0 ||
            ((const char *)k.mv_data)[n] != '\0')
            break;
        rc = fn(d.mv_data, d.mv_size, user);
        if (rc)
            break;
        count++;
    }
    if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
        rc = store_txn_check(t, mrc, "scan event log");
    mdb_cursor_close(cur);
    return rc;
}
