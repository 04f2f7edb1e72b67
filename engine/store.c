/*
 * store.c - LMDB storage of profiles; see store.h.
 *
 * The one piece of shared state between threads here is the resize gate: LMDB requires that no
 * transaction be active in the process while mdb_env_set_mapsize runs (it remaps the file under
 * every reader's feet and does not check). Readers enter the gate around each read transaction;
 * the writer, with its own transaction aborted, closes the gate, waits for the readers to leave,
 * resizes and reopens it. This is a property of the library, not a channel between threads, so it
 * is a mutex and a condition variable rather than a ZeroMQ message.
 */
#include "sm.h"

#include "store.h"

#include <pthread.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "log.h"
#include "proto.h"

#define DEFAULT_MAP_SIZE ((size_t)1 << 30)
#define DEFAULT_MAP_MAX ((size_t)1 << 40)
#define DEFAULT_READERS 256
#define MAX_DBS 32

struct store {
    MDB_env *env;
    MDB_dbi dbi_profiles, dbi_meta;
    char *path;
    size_t map_max;
    bool no_sync;

    /* Resize gate (see the top of this file). */
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    unsigned readers_active;
    bool resizing;

    struct store_hook hooks[STORE_HOOKS_MAX];
    unsigned n_hooks;
    struct store_batch_hook batch_hooks[STORE_HOOKS_MAX];
    unsigned n_batch_hooks;

    /* Writer-only scratch for encoding records: one allocation reused by every put. */
    msgpack_sbuffer scratch;
};

static const char key_schema[] = "schema_version";
static const char key_writes[] = "profile_writes";

/* ---- errors ---------------------------------------------------------------------------------- */

int store_txn_check(struct store_txn *t, int rc, const char *what)
{
    switch (rc) {
    case MDB_SUCCESS:
        return 0;
    case MDB_NOTFOUND:
        return SM_ENOTFOUND;
    case MDB_KEYEXIST:
        return SM_ECONFLICT;
    case MDB_MAP_FULL:
        /* Not an error for the client: store_write grows the map and runs the txn again. */
        for (struct store_txn *p = t; p; p = p->parent)
            p->map_full = true;
        log_debug("store: %s: map full, will grow", what);
        return SM_ESTORE;
    default:
        log_error("store: %s: %s", what, mdb_strerror(rc));
        return SM_ESTORE;
    }
}

MDB_txn *store_txn_mdb(struct store_txn *t)
{
    return t->txn;
}

const char *store_path(const struct store *st)
{
    return st->path;
}

/* ---- resize gate ----------------------------------------------------------------------------- */

static void gate_enter(struct store *st)
{
    pthread_mutex_lock(&st->gate_mu);
    while (st->resizing)
        pthread_cond_wait(&st->gate_cv, &st->gate_mu);
    st->readers_active++;
    pthread_mutex_unlock(&st->gate_mu);
}

static void gate_leave(struct store *st)
{
    pthread_mutex_lock(&st->gate_mu);
    st->readers_active--;
    if (st->readers_active == 0 && st->resizing)
        pthread_cond_broadcast(&st->gate_cv);
    pthread_mutex_unlock(&st->gate_mu);
}

/*
 * Set the map size (0: adopt the size another process set) with no read transaction active.
 * The caller holds no transaction itself.
 */
static int resize(struct store *st, size_t size)
{
    int rc;

    pthread_mutex_lock(&st->gate_mu);
    st->resizing = true;
    while (st->readers_active > 0)
        pthread_cond_wait(&st->gate_cv, &st->gate_mu);
    rc = mdb_env_set_mapsize(st->env, size);
    st->resizing = false;
    pthread_cond_broadcast(&st->gate_cv);
    pthread_mutex_unlock(&st->gate_mu);
    if (rc) {
        log_error("store: resize map to %zu bytes: %s", size, mdb_strerror(rc));
        return SM_ESTORE;
    }
    return 0;
}

static int grow(struct store *st)
{
    MDB_envinfo info;
    size_t next;

    mdb_env_info(st->env, &info);
    if (info.me_mapsize >= st->map_max) {
        log_error("store: database full: map is %zu bytes, the limit", info.me_mapsize);
        return SM_ESTORE;
    }
    next = info.me_mapsize > st->map_max / 2 ? st->map_max : info.me_mapsize * 2;
    log_info("store: growing map from %zu to %zu bytes", info.me_mapsize, next);
    return resize(st, next);
}

/* ---- write transactions ---------------------------------------------------------------------- */

static int meta_get_u64(struct store_txn *t, const char *key, uint64_t *v)
{
    MDB_val k = {strlen(key), (void *)key}, d;
    int rc = mdb_get(t->txn, t->st->dbi_meta, &k, &d);

    *v = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return store_txn_check(t, rc, "read meta");
    for (size_t i = d.mv_size < 8 ? d.mv_size : 8; i > 0; i--)
        *v = (*v << 8) | ((const uint8_t *)d.mv_data)[i - 1];
    return 0;
}

static int meta_put_u64(struct store_txn *t, const char *key, uint64_t v, size_t width)
{
    uint8_t buf[8];
    MDB_val k = {strlen(key), (void *)key}, d = {width, buf};

    for (size_t i = 0; i < width; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
    return store_txn_check(t, mdb_put(t->txn, t->st->dbi_meta, &k, &d, 0), "write meta");
}

/* Counters are added once per transaction, not once per put: one page touched per commit. */
static int flush_meta(struct store_txn *t)
{
    uint64_t writes;
    int rc;

    if (!t->writes)
        return 0;
    rc = meta_get_u64(t, key_writes, &writes);
    if (rc == 0)
        rc = meta_put_u64(t, key_writes, writes + t->writes, 8);
    return rc;
}

int store_write(struct store *st, store_write_fn fn, void *arg)
{
    for (;;) {
        struct store_txn t = {.st = st};
        int rc, mrc;

        mrc = mdb_txn_begin(st->env, NULL, 0, &t.txn);
        if (mrc == MDB_MAP_RESIZED) {
            /* Another process grew the map: adopt its size and try again. */
            rc = resize(st, 0);
            if (rc)
                return rc;
            continue;
        }
        if (mrc)
            return store_txn_check(&t, mrc, "begin write");
        for (unsigned i = 0; i < st->n_batch_hooks; i++)
            if (st->batch_hooks[i].begin)
                st->batch_hooks[i].begin(st->batch_hooks[i].user);
        rc = fn(&t, arg);
        for (unsigned i = 0; rc == 0 && !t.map_full && i < st->n_batch_hooks; i++)
            if (st->batch_hooks[i].before_commit)
                rc = st->batch_hooks[i].before_commit(&t, st->batch_hooks[i].user);
        if (rc == 0 && !t.map_full)
            rc = flush_meta(&t);
        if (rc == 0 && !t.map_full) {
            mrc = mdb_txn_commit(t.txn);
            t.txn = NULL;
            rc = store_txn_check(&t, mrc, "commit");
            if (!t.map_full)
                return rc;
        }
        if (t.txn)
            mdb_txn_abort(t.txn);
        if (!t.map_full)
            return rc;
        rc = grow(st);
        if (rc)
            return rc;
    }
}

int store_txn_nested(struct store_txn *parent, store_write_fn fn, void *arg)
{
    struct store *st = parent->st;
    struct store_txn child = {.st = st, .parent = parent};
    uint64_t marks[STORE_HOOKS_MAX];
    int rc, mrc;

    mrc = mdb_txn_begin(st->env, parent->txn, 0, &child.txn);
    if (mrc)
        return store_txn_check(parent, mrc, "begin nested");
    for (unsigned i = 0; i < st->n_batch_hooks; i++)
        marks[i] = st->batch_hooks[i].savepoint
                       ? st->batch_hooks[i].savepoint(st->batch_hooks[i].user)
                       : 0;
    rc = fn(&child, arg);
    if (rc == 0 && !child.map_full) {
        mrc = mdb_txn_commit(child.txn);
        rc = store_txn_check(&child, mrc, "commit nested");
        if (rc == 0)
            parent->writes += child.writes;
    } else {
        mdb_txn_abort(child.txn);
    }
    if (child.map_full && rc == 0)
        rc = SM_ESTORE;
    /* The nested writes are undone (even a failed commit aborts the child): so is the buffer. */
    for (unsigned i = st->n_batch_hooks; rc && i > 0; i--)
        if (st->batch_hooks[i - 1].rollback)
            st->batch_hooks[i - 1].rollback(marks[i - 1], st->batch_hooks[i - 1].user);
    return rc;
}

/* ---- read transactions ----------------------------------------------------------------------- */

void store_read_init(struct store *st, struct store_txn *t)
{
    memset(t, 0, sizeof(*t));
    t->st = st;
    t->rdonly = true;
}

int store_read_begin(struct store_txn *t)
{
    struct store *st = t->st;
    int mrc;

    assert(!t->active);
    for (int attempt = 0;; attempt++) {
        gate_enter(st);
        if (t->txn)
            mrc = mdb_txn_renew(t->txn);
        else
            mrc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &t->txn);
        if (mrc == 0) {
            t->active = true;
            return 0;
        }
        /* A handle that failed to renew is dropped; the next begin makes a fresh one. */
        if (t->txn) {
            mdb_txn_abort(t->txn);
            t->txn = NULL;
        }
        gate_leave(st);
        if (mrc == MDB_MAP_RESIZED && attempt == 0) {
            if (resize(st, 0))
                return SM_ESTORE;
            continue;
        }
        return store_txn_check(t, mrc, "begin read");
    }
}

void store_read_end(struct store_txn *t)
{
    if (!t->active)
        return;
    mdb_txn_reset(t->txn);
    t->active = false;
    gate_leave(t->st);
}

void store_read_release(struct store_txn *t)
{
    store_read_end(t);
    if (t->txn)
        mdb_txn_abort(t->txn);
    t->txn = NULL;
}

/* ---- open / close ---------------------------------------------------------------------------- */

/* mkdir -p, mode 0700: the data folder holds private contacts and keys. */
static int mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -errno;
        buf[i] = i < n ? '/' : '\0';
    }
    return 0;
}

static int open_dbs(struct store_txn *t, void *arg)
{
    struct store *st = t->st;
    uint64_t version;
    int rc;

    (void)arg;
    rc = store_txn_check(t, mdb_dbi_open(t->txn, "profiles", MDB_CREATE, &st->dbi_profiles),
                         "open profiles");
    if (rc)
        return rc;
    rc = store_txn_check(t, mdb_dbi_open(t->txn, "meta", MDB_CREATE, &st->dbi_meta), "open meta");
    if (rc)
        return rc;
    rc = meta_get_u64(t, key_schema, &version);
    if (rc)
        return rc;
    if (version > STORE_SCHEMA_VERSION) {
        log_error("store: database schema %" PRIu64 " is newer than this engine's (%d)", version,
                  STORE_SCHEMA_VERSION);
        return SM_ESTORE;
    }
    if (version == 0)
        rc = meta_put_u64(t, key_schema, STORE_SCHEMA_VERSION, 4);
    return rc;
}

int store_open(struct store **out, const char *data_dir, const struct store_options *opt)
{
    static const struct store_options defaults = {0};
    struct store *st = NULL;
    size_t plen;
    int rc, mrc, dead = 0;

    *out = NULL;
    if (!opt)
        opt = &defaults;
    st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    pthread_mutex_init(&st->gate_mu, NULL);
    pthread_cond_init(&st->gate_cv, NULL);
    msgpack_sbuffer_init(&st->scratch);
    st->map_max = opt->map_max ? opt->map_max : DEFAULT_MAP_MAX;
    st->no_sync = opt->no_sync;
    plen = strlen(data_dir) + sizeof("/db");
    st->path = malloc(plen);
    if (!st->path) {
        rc = -ENOMEM;
        goto fail;
    }
    snprintf(st->path, plen, "%s/db", data_dir);
    rc = mkdirs(st->path);
    if (rc) {
        log_error("store: cannot create %s: %s", st->path, strerror(-rc));
        goto fail;
    }
    mrc = mdb_env_create(&st->env);
    if (!mrc)
        mrc = mdb_env_set_maxdbs(st->env, MAX_DBS);
    if (!mrc)
        mrc =
            mdb_env_set_maxreaders(st->env, opt->max_readers ? opt->max_readers : DEFAULT_READERS);
    if (!mrc)
        mrc = mdb_env_set_mapsize(st->env, opt->map_size ? opt->map_size : DEFAULT_MAP_SIZE);
    /* MDB_NOTLS: read transactions belong to reader objects, not to OS threads. */
    if (!mrc)
        mrc = mdb_env_open(st->env, st->path, MDB_NOTLS | (opt->no_sync ? MDB_NOSYNC : 0), 0600);
    if (mrc) {
        log_error("store: open %s: %s", st->path, mdb_strerror(mrc));
        rc = SM_ESTORE;
        goto fail;
    }
    /* Slots left by a killed engine would pin old pages and make the file grow. */
    mdb_reader_check(st->env, &dead);
    if (dead)
        log_info("store: cleared %d stale reader slots", dead);
    rc = store_write(st, open_dbs, NULL);
    if (rc)
        goto fail;
    *out = st;
    return 0;
fail:
    store_close(&st);
    return rc;
}

void store_close(struct store **stp)
{
    struct store *st = stp ? *stp : NULL;

    if (!st)
        return;
    if (st->env) {
        if (st->no_sync)
            mdb_env_sync(st->env, 1);
        mdb_env_close(st->env);
    }
    msgpack_sbuffer_destroy(&st->scratch);
    pthread_cond_destroy(&st->gate_cv);
    pthread_mutex_destroy(&st->gate_mu);
    free(st->path);
    free(st);
    *stp = NULL;
}

static int open_named(struct store_txn *t, void *arg)
{
    struct {
        const char *name;
        unsigned flags;
        MDB_dbi *dbi;
    } *a = arg;

    return store_txn_check(t, mdb_dbi_open(t->txn, a->name, a->flags | MDB_CREATE, a->dbi),
                           "open named database");
}

int store_dbi_open(struct store *st, const char *name, unsigned flags, MDB_dbi *out)
{
    struct {
        const char *name;
        unsigned flags;
        MDB_dbi *dbi;
    } a = {name, flags, out};

    return store_write(st, open_named, &a);
}

int store_add_hook(struct store *st, const struct store_hook *h)
{
    if (st->n_hooks >= STORE_HOOKS_MAX)
        return -ENOSPC;
    st->hooks[st->n_hooks++] = *h;
    return 0;
}

int store_add_batch_hook(struct store *st, const struct store_batch_hook *h)
{
    if (st->n_batch_hooks >= STORE_HOOKS_MAX)
        return -ENOSPC;
    st->batch_hooks[st->n_batch_hooks++] = *h;
    return 0;
}

/* ---- profiles -------------------------------------------------------------------------------- */

int store_profile_get_raw(struct store_txn *t, const char *id, size_t id_len, const void **val,
                          size_t *len)
{
    MDB_val k = {id_len, (void *)id}, d;
    int rc;

    if (id_len == 0 || id_len > PROFILE_ID_MAX)
        return SM_ENOTFOUND;
    rc = store_txn_check(t, mdb_get(t->txn, t->st->dbi_profiles, &k, &d), "get profile");
    if (rc)
        return rc;
    *val = d.mv_data;
    *len = d.mv_size;
    return 0;
}

/* Decode a record the store wrote itself (still checked: the file may be old or damaged). */
static int decode_record(const void *val, size_t len, struct profile *out)
{
    msgpack_unpacked u;
    struct sm_error e;
    int rc;

    sm_error_clear(&e);
    msgpack_unpacked_init(&u);
    rc = proto_unpack(val, len, NULL, &u);
    if (rc == 0)
        rc = profile_decode(&u.data, NULL, true, out, &e);
    msgpack_unpacked_destroy(&u);
    if (rc) {
        log_error("store: damaged profile record (%d bytes): %s", (int)len,
                  rc == SM_EINVAL ? e.field : sm_strerror(rc));
        return SM_ESTORE;
    }
    return 0;
}

int store_profile_get(struct store_txn *t, const char *id, size_t id_len, struct profile *out)
{
    const void *val;
    size_t len;
    int rc;

    profile_init(out);
    rc = store_profile_get_raw(t, id, id_len, &val, &len);
    if (rc)
        return rc;
    return decode_record(val, len, out);
}

/* created_ms of a stored record without decoding the rest. */
static int64_t record_created(const void *val, size_t len)
{
    msgpack_unpacked u;
    const msgpack_object *o;
    int64_t v = 0;

    msgpack_unpacked_init(&u);
    if (proto_unpack(val, len, NULL, &u) == 0) {
        o = proto_map_get(&u.data, "created_ms");
        if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
            v = (int64_t)o->via.u64;
    }
    msgpack_unpacked_destroy(&u);
    return v;
}

static int run_hooks(struct store_txn *t, const struct profile *old, const struct profile *new_p)
{
    struct store *st = t->st;

    for (unsigned i = 0; i < st->n_hooks; i++) {
        int rc = st->hooks[i].profile_changed(t, old, new_p, st->hooks[i].user);
        if (rc)
            return rc;
    }
    return 0;
}

int store_profile_put(struct store_txn *t, struct profile *p, enum store_put_mode mode,
                      int64_t now_ms, bool *created)
{
    struct store *st = t->st;
    size_t id_len = strlen(p->id);
    MDB_val k = {id_len, p->id}, d;
    struct profile old;
    bool exists, have_old = false;
    msgpack_packer pk;
    int rc;

    assert(!t->rdonly);
    profile_init(&old);
    rc = mdb_get(t->txn, st->dbi_profiles, &k, &d);
    if (rc && rc != MDB_NOTFOUND)
        return store_txn_check(t, rc, "get profile");
    exists = rc == 0;
    if (exists && mode == STORE_PUT_CREATE)
        return SM_ECONFLICT;
    if (exists && st->n_hooks) {
        rc = decode_record(d.mv_data, d.mv_size, &old);
        if (rc)
            return rc;
        have_old = true;
    }
    p->created_ms =
        exists ? (have_old ? old.created_ms : record_created(d.mv_data, d.mv_size)) : now_ms;
    if (p->created_ms <= 0)
        p->created_ms = now_ms;
    /* A clock stepped back must not make a record updated before it was created. */
    p->updated_ms = now_ms > p->created_ms ? now_ms : p->created_ms;
    msgpack_sbuffer_clear(&st->scratch);
    msgpack_packer_init(&pk, &st->scratch, msgpack_sbuffer_write);
    rc = profile_encode(p, true, &pk);
    if (rc)
        goto out;
    d.mv_size = st->scratch.size;
    d.mv_data = st->scratch.data;
    rc = store_txn_check(t, mdb_put(t->txn, st->dbi_profiles, &k, &d, 0), "put profile");
    if (rc)
        goto out;
    t->writes++;
    if (created)
        *created = !exists;
    rc = run_hooks(t, have_old ? &old : NULL, p);
out:
    profile_release(&old);
    return rc;
}

int store_profile_delete(struct store_txn *t, const char *id, size_t id_len)
{
    struct store *st = t->st;
    MDB_val k = {id_len, (void *)id};
    struct profile old;
    bool have_old = false;
    int rc;

    assert(!t->rdonly);
    profile_init(&old);
    if (id_len == 0 || id_len > PROFILE_ID_MAX)
        return SM_ENOTFOUND;
    if (st->n_hooks) {
        rc = store_profile_get(t, id, id_len, &old);
        if (rc)
            goto out;
        have_old = true;
    }
    rc = store_txn_check(t, mdb_del(t->txn, st->dbi_profiles, &k, NULL), "delete profile");
    if (rc)
        goto out;
    t->writes++;
    if (have_old)
        rc = run_hooks(t, &old, NULL);
out:
    profile_release(&old);
    return rc;
}

int store_profile_scan(struct store_txn *t,
                       int (*fn)(const char *id, size_t id_len, const void *val, size_t len,
                                 void *user),
                       void *user)
{
    MDB_cursor *cur = NULL;
    MDB_val k, d;
    int rc, mrc;

    rc = store_txn_check(t, mdb_cursor_open(t->txn, t->st->dbi_profiles, &cur), "open cursor");
    if (rc)
        return rc;
    for (mrc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        rc = fn(k.mv_data, k.mv_size, d.mv_data, d.mv_size, user);
        if (rc)
            goto out;
    }
    if (mrc != MDB_NOTFOUND)
        rc = store_txn_check(t, mrc, "scan profiles");
out:
    mdb_cursor_close(cur);
    return rc;
}

/* ---- maintenance ----------------------------------------------------------------------------- */

int store_stats(struct store_txn *t, struct store_stats *out)
{
    MDB_envinfo info;
    MDB_stat est, pst;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_txn_check(t, mdb_stat(t->txn, t->st->dbi_profiles, &pst), "stat profiles");
    if (rc)
        return rc;
    mdb_env_info(t->st->env, &info);
    mdb_env_stat(t->st->env, &est);
    out->profiles = pst.ms_entries;
    out->map_size = info.me_mapsize;
    out->data_bytes = ((uint64_t)info.me_last_pgno + 1) * est.ms_psize;
    out->reader_slots = info.me_numreaders;
    return meta_get_u64(t, key_writes, &out->profile_writes);
}

int store_reader_check(struct store *st, int *dead)
{
    int n = 0, mrc = mdb_reader_check(st->env, &n);

    if (dead)
        *dead = n;
    if (mrc) {
        log_error("store: reader check: %s", mdb_strerror(mrc));
        return SM_ESTORE;
    }
    if (n)
        log_info("store: cleared %d stale reader slots", n);
    return 0;
}
