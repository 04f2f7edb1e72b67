/*
 * store.c - LMDB storage of profiles; see store.h.
 *
 * The one piece of shared state between threads here is the resize gate: LMDB requires that no
 * transaction be active in the process while mdb_env_set_mapsize runs (it remaps the file under
 * every reader's feet and does not check). Readers enter the gate around each read transaction;
 * the writer, with its own transaction aborted, closes the gate, waits for the readers to leave,
 * resizes and reopens it. This is a property of the library, not a channel between threads, so it
 * is a mutex and a condition variable rather than a ZeroMQ message.
 *
 * The other one is the table of decompression dictionaries (store.h, Compression): readers load
 * a dictionary the first time they meet its id, and every thread then shares the read-only
 * ZSTD_DDict, behind a mutex held only to look it up or add it. Each thread decompresses with its
 * own ZSTD_DCtx and buffer (a pthread key frees them when the thread exits); the writer alone
 * compresses and trains, with state of its own in struct store.
 */
#include "sm.h"

#include "store.h"

#include <pthread.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <zdict.h>
#include <zstd.h>

#include "log.h"
#include "proto.h"

#define DEFAULT_MAP_SIZE ((size_t)1 << 30)
#define DEFAULT_MAP_MAX ((size_t)1 << 40)
#define DEFAULT_READERS 256
#define MAX_DBS 32

#define DEFAULT_DICT_MIN 1000
#define DEFAULT_DICT_RETRAIN 100000
#define ZTAG 0xc1                            /* first byte of a compressed record */
#define ZHDR 5                               /* ZTAG and the u32 dictionary id */
#define ZLEVEL 3                             /* zstd's default: ~4x with a dictionary */
#define ZDICT_CAP (64 << 10)                 /* bytes of a trained dictionary at most */
#define ZSAMPLES_MAX 4000                    /* records sampled to train one */
#define ZSAMPLE_BYTES_MAX ((size_t)16 << 20) /* bytes sampled at most */
#define ZSAMPLE_MAX (128 << 10)              /* a bigger record is no sample */
#define ZDICTS_MAX 16                        /* dictionaries loaded at once */
#define ZBUF_KEEP ((size_t)1 << 20)          /* a thread keeps a bigger buffer only while used */

/* The dictionary the writer compresses new records with (id 0: none). */
struct wdict {
    uint32_t id;
    uint64_t trained_at; /* profiles stored when it was trained */
    void *bytes;
    size_t size;
    ZSTD_CDict *cdict;
};

struct store {
    MDB_env *env;
    MDB_dbi dbi_profiles, dbi_meta, dbi_zdict;
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

    /*
     * Compression, writer only: when to train next (UINT64_MAX: never) and the output buffer.
     * wd is the writer's; wd_mu guards its replacement against store_pack_ahead, which reads it
     * from another thread (the writer reads it unlocked: it alone replaces it).
     */
    ZSTD_CCtx *cctx;
    pthread_mutex_t wd_mu;
    struct wdict wd;
    uint64_t dict_min, dict_retrain, train_at;
    uint8_t *zbuf;
    size_t zbuf_cap;

    /* Decompression dictionaries loaded so far, shared by every thread (see the top). */
    pthread_mutex_t zd_mu;
    struct {
        uint32_t id;
        ZSTD_DDict *dd;
    } zd[ZDICTS_MAX];
    unsigned n_zd;
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

static void batch_end(struct store *st, bool committed)
{
    for (unsigned i = 0; i < st->n_batch_hooks; i++)
        if (st->batch_hooks[i].end)
            st->batch_hooks[i].end(committed, st->batch_hooks[i].user);
}

void store_idle(struct store *st)
{
    for (unsigned i = 0; i < st->n_batch_hooks; i++)
        if (st->batch_hooks[i].idle)
            st->batch_hooks[i].idle(st->batch_hooks[i].user);
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
            batch_end(st, mrc == 0);
            if (!t.map_full)
                return rc;
        } else {
            mdb_txn_abort(t.txn);
            batch_end(st, false);
        }
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

/* ---- compression (see store.h) --------------------------------------------------------------- */

/* This thread's decompression context and output buffer. */
struct zthread {
    ZSTD_DCtx *dctx;
    ZSTD_CCtx *cctx; /* store_pack_ahead's, made on first use */
    uint8_t *buf;
    size_t cap;
};

static pthread_key_t zt_key;
static pthread_once_t zt_once = PTHREAD_ONCE_INIT;
static bool zt_key_ok;

static void zt_free(void *arg)
{
    struct zthread *z = arg;

    if (!z)
        return;
    ZSTD_freeDCtx(z->dctx);
    ZSTD_freeCCtx(z->cctx);
    free(z->buf);
    free(z);
}

static void zt_key_init(void)
{
    zt_key_ok = pthread_key_create(&zt_key, zt_free) == 0;
}

/* This thread's context with a buffer of at least need bytes; NULL when out of memory. */
static struct zthread *zt_get(size_t need)
{
    struct zthread *z;

    pthread_once(&zt_once, zt_key_init);
    if (!zt_key_ok)
        return NULL;
    z = pthread_getspecific(zt_key);
    if (!z) {
        z = calloc(1, sizeof(*z));
        if (!z)
            return NULL;
        z->dctx = ZSTD_createDCtx();
        if (!z->dctx || pthread_setspecific(zt_key, z) != 0) {
            zt_free(z);
            return NULL;
        }
    }
    /* A rare huge record (or a damaged one declaring a huge size) must not pin its buffer. */
    if (need > z->cap || (z->cap > ZBUF_KEEP && need <= ZBUF_KEEP)) {
        size_t cap = 4096;

        while (cap < need)
            cap *= 2;
        /* Nothing in the buffer outlives the call that fills it: no need to copy. */
        free(z->buf);
        z->buf = malloc(cap);
        z->cap = z->buf ? cap : 0;
        if (!z->buf)
            return NULL;
    }
    return z;
}

/* Free the calling thread's context now (the main thread never runs key destructors). */
static void zt_release(void)
{
    pthread_once(&zt_once, zt_key_init);
    if (!zt_key_ok)
        return;
    zt_free(pthread_getspecific(zt_key));
    pthread_setspecific(zt_key, NULL);
}

static void zd_key(uint32_t id, uint8_t k[4])
{
    k[0] = (uint8_t)(id >> 24);
    k[1] = (uint8_t)(id >> 16);
    k[2] = (uint8_t)(id >> 8);
    k[3] = (uint8_t)id;
}

static uint32_t zd_id(const uint8_t k[4])
{
    return (uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 | (uint32_t)k[2] << 8 | k[3];
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Add dd to the shared table (taking it) unless id is there already; returns the table's. */
static const ZSTD_DDict *zd_add(struct store *st, uint32_t id, ZSTD_DDict *dd)
{
    pthread_mutex_lock(&st->zd_mu);
    for (unsigned i = 0; i < st->n_zd; i++) {
        if (st->zd[i].id == id) {
            ZSTD_freeDDict(dd);
            dd = st->zd[i].dd;
            goto out;
        }
    }
    if (st->n_zd == ZDICTS_MAX) {
        log_error("store: more than %d compression dictionaries", ZDICTS_MAX);
        ZSTD_freeDDict(dd);
        dd = NULL;
        goto out;
    }
    st->zd[st->n_zd].id = id;
    st->zd[st->n_zd++].dd = dd;
out:
    pthread_mutex_unlock(&st->zd_mu);
    return dd;
}

/*
 * Dictionary id for decompression: from the table, else loaded from "zdict" as t sees it (a
 * reader meets a dictionary committed after the store was opened). NULL if t has no such
 * dictionary (a damaged record) or out of memory.
 */
static const ZSTD_DDict *zd_get(struct store_txn *t, uint32_t id)
{
    struct store *st = t->st;
    ZSTD_DDict *dd = NULL;
    uint8_t kb[4];
    MDB_val k = {4, kb}, d;
    int mrc;

    pthread_mutex_lock(&st->zd_mu);
    for (unsigned i = 0; i < st->n_zd && !dd; i++)
        if (st->zd[i].id == id)
            dd = st->zd[i].dd;
    pthread_mutex_unlock(&st->zd_mu);
    if (dd)
        return dd;
    zd_key(id, kb);
    mrc = mdb_get(t->txn, st->dbi_zdict, &k, &d);
    if (mrc) {
        if (mrc != MDB_NOTFOUND)
            store_txn_check(t, mrc, "get dictionary");
        return NULL;
    }
    if (d.mv_size <= 8)
        return NULL;
    dd = ZSTD_createDDict((const uint8_t *)d.mv_data + 8, d.mv_size - 8);
    return dd ? zd_add(st, id, dd) : NULL;
}

static int damaged(size_t len, const char *why)
{
    log_error("store: damaged profile record (%zu bytes): %s", len, why);
    return SM_ESTORE;
}

/*
 * The msgpack of a stored value: val itself when plain, else decompressed into this thread's
 * buffer (valid as store_profile_get_raw says). Returns 0, SM_ESTORE (damaged, logged), -ENOMEM.
 */
static int record_plain(struct store_txn *t, const void *val, size_t len, const void **out,
                        size_t *out_len)
{
    const uint8_t *v = val;
    const ZSTD_DDict *dd = NULL;
    unsigned long long size;
    struct zthread *z;
    uint32_t id;
    size_t n;

    *out = val;
    *out_len = len;
    if (len == 0 || v[0] != ZTAG)
        return 0;
    if (len <= ZHDR)
        return damaged(len, "truncated header");
    id = v[1] | (uint32_t)v[2] << 8 | (uint32_t)v[3] << 16 | (uint32_t)v[4] << 24;
    size = ZSTD_getFrameContentSize(v + ZHDR, len - ZHDR);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
        return damaged(len, "not a zstd frame that declares its size");
    if (size == 0 || size > STORE_RECORD_MAX)
        return damaged(len, "declared size out of range");
    if (id) {
        dd = zd_get(t, id);
        if (!dd)
            return damaged(len, "unknown compression dictionary");
    }
    z = zt_get((size_t)size);
    if (!z)
        return -ENOMEM;
    n = dd ? ZSTD_decompress_usingDDict(z->dctx, z->buf, (size_t)size, v + ZHDR, len - ZHDR, dd)
           : ZSTD_decompressDCtx(z->dctx, z->buf, (size_t)size, v + ZHDR, len - ZHDR);
    if (ZSTD_isError(n))
        return damaged(len, ZSTD_getErrorName(n));
    if (n != size)
        return damaged(len, "content shorter than declared");
    *out = z->buf;
    *out_len = n;
    return 0;
}

static void wd_release(struct wdict *w)
{
    ZSTD_freeCDict(w->cdict);
    free(w->bytes);
    memset(w, 0, sizeof(*w));
}

/* Make bytes (taken) the dictionary new records use; the next training follows from it. */
static int wd_set(struct store *st, uint32_t id, uint64_t trained_at, void *bytes, size_t size)
{
    ZSTD_CDict *cd = ZSTD_createCDict(bytes, size, ZLEVEL);

    if (!cd) {
        free(bytes);
        return SM_ESTORE;
    }
    pthread_mutex_lock(&st->wd_mu);
    wd_release(&st->wd);
    st->wd = (struct wdict){id, trained_at, bytes, size, cd};
    pthread_mutex_unlock(&st->wd_mu);
    st->train_at = trained_at < st->dict_retrain ? st->dict_retrain : UINT64_MAX;
    return 0;
}

/*
 * Make sure t holds the writer's dictionary before a record names it: the transaction that
 * trained it may have been undone (a failed request, a map grown), and its records with it.
 */
static int wd_ensure(struct store_txn *t)
{
    struct store *st = t->st;
    uint8_t kb[4];
    MDB_val k = {4, kb}, d;
    int mrc;

    if (t->zdict == st->wd.id)
        return 0;
    zd_key(st->wd.id, kb);
    mrc = mdb_get(t->txn, st->dbi_zdict, &k, &d);
    if (mrc == MDB_NOTFOUND) {
        d.mv_size = 8 + st->wd.size;
        mrc = mdb_put(t->txn, st->dbi_zdict, &k, &d, MDB_RESERVE);
        if (mrc == 0) {
            for (int i = 0; i < 8; i++)
                ((uint8_t *)d.mv_data)[i] = (uint8_t)(st->wd.trained_at >> (8 * i));
            memcpy((uint8_t *)d.mv_data + 8, st->wd.bytes, st->wd.size);
        }
    }
    if (mrc)
        return store_txn_check(t, mrc, "put dictionary");
    t->zdict = st->wd.id;
    return 0;
}

/* The id for a new dictionary: past every one t sees and the writer's (maybe never committed). */
static int zd_next_id(struct store_txn *t, uint32_t *id)
{
    MDB_cursor *cur;
    MDB_val k, d;
    uint32_t last = 0;
    int rc, mrc;

    rc = store_txn_check(t, mdb_cursor_open(t->txn, t->st->dbi_zdict, &cur), "open cursor");
    if (rc)
        return rc;
    mrc = mdb_cursor_get(cur, &k, &d, MDB_LAST);
    if (mrc == 0 && k.mv_size == 4)
        last = zd_id(k.mv_data);
    mdb_cursor_close(cur);
    if (mrc && mrc != MDB_NOTFOUND)
        return store_txn_check(t, mrc, "last dictionary");
    *id = SM_MAX(last, t->st->wd.id) + 1;
    return 0;
}

/*
 * Train a dictionary on up to ZSAMPLES_MAX records spread over the entries stored, in the
 * writer's txn t. A training that fails is no error: the next try waits for twice as many.
 */
static int zdict_train(struct store_txn *t, uint64_t entries)
{
    struct store *st = t->st;
    uint64_t t0 = sm_now_ns(), step = entries / ZSAMPLES_MAX + 1, i = 0;
    MDB_cursor *cur = NULL;
    msgpack_sbuffer sb;
    size_t *sizes = NULL, n;
    void *dict = NULL;
    unsigned ns = 0;
    MDB_val k, d;
    uint32_t id = 0;
    int rc, mrc;

    msgpack_sbuffer_init(&sb);
    sizes = malloc(ZSAMPLES_MAX * sizeof(*sizes));
    dict = malloc(ZDICT_CAP);
    if (!sizes || !dict) {
        rc = -ENOMEM;
        goto out;
    }
    rc = store_txn_check(t, mdb_cursor_open(t->txn, st->dbi_profiles, &cur), "open cursor");
    if (rc)
        goto out;
    for (mrc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
         mrc == 0 && ns < ZSAMPLES_MAX && sb.size < ZSAMPLE_BYTES_MAX;
         mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT), i++) {
        const void *m;
        size_t ml;

        if (i % step)
            continue;
        rc = record_plain(t, d.mv_data, d.mv_size, &m, &ml);
        if (rc == -ENOMEM)
            goto out;
        if (rc || ml > ZSAMPLE_MAX) /* a damaged or odd record is no sample */
            continue;
        if (msgpack_sbuffer_write(&sb, m, ml)) {
            rc = -ENOMEM;
            goto out;
        }
        sizes[ns++] = ml;
    }
    rc = 0;
    if (mrc && mrc != MDB_NOTFOUND) {
        rc = store_txn_check(t, mrc, "sample profiles");
        goto out;
    }
    n = ZDICT_trainFromBuffer(dict, ZDICT_CAP, sb.data, sizes, ns);
    if (ZDICT_isError(n)) {
        st->train_at = entries > UINT64_MAX / 2 ? UINT64_MAX : entries * 2;
        log_warn("store: no compression dictionary from %u records: %s; next try at %" PRIu64
                 " profiles",
                 ns, ZDICT_getErrorName(n), st->train_at);
        goto out;
    }
    rc = zd_next_id(t, &id);
    if (rc)
        goto out;
    rc = wd_set(st, id, entries, dict, n);
    dict = NULL;
    if (rc)
        goto out;
    log_info("store: trained compression dictionary %u (%zu bytes) on %u records of %" PRIu64
             " profiles in %.2f s",
             id, n, ns, entries, (double)(sm_now_ns() - t0) / 1e9);
out:
    if (cur)
        mdb_cursor_close(cur);
    msgpack_sbuffer_destroy(&sb);
    free(sizes);
    free(dict);
    return rc;
}

/*
 * The value to store for the record msg (writer txn): compressed when that is smaller, else msg
 * itself. May train a dictionary first. *out borrows msg or the writer's buffer.
 */
static int record_pack(struct store_txn *t, const void *msg, size_t len, MDB_val *out)
{
    struct store *st = t->st;
    bool no_dict = false;
    MDB_stat ms;
    size_t bound, n;
    int rc;

    out->mv_data = (void *)msg;
    out->mv_size = len;
    if (st->train_at != UINT64_MAX) {
        rc = store_txn_check(t, mdb_stat(t->txn, st->dbi_profiles, &ms), "stat profiles");
        if (rc)
            return rc;
        if (ms.ms_entries >= st->train_at) {
            rc = zdict_train(t, ms.ms_entries);
            if (rc)
                return rc;
        }
        no_dict = !st->wd.id && ms.ms_entries >= st->dict_min;
    }
    if (!st->wd.id && !no_dict)
        return 0;
    bound = ZHDR + ZSTD_compressBound(len);
    if (bound > st->zbuf_cap) {
        uint8_t *b = realloc(st->zbuf, bound);

        if (!b)
            return -ENOMEM;
        st->zbuf = b;
        st->zbuf_cap = bound;
    }
    n = ZSTD_CCtx_refCDict(st->cctx, st->wd.id ? st->wd.cdict : NULL);
    if (!ZSTD_isError(n))
        n = ZSTD_compress2(st->cctx, st->zbuf + ZHDR, st->zbuf_cap - ZHDR, msg, len);
    if (ZSTD_isError(n)) {
        log_warn("store: compress: %s; storing the record plain", ZSTD_getErrorName(n));
        return 0;
    }
    if (ZHDR + n >= len)
        return 0;
    if (st->wd.id) {
        rc = wd_ensure(t);
        if (rc)
            return rc;
    }
    st->zbuf[0] = ZTAG;
    for (int i = 0; i < 4; i++)
        st->zbuf[1 + i] = (uint8_t)(st->wd.id >> (8 * i));
    out->mv_data = st->zbuf;
    out->mv_size = ZHDR + n;
    return 0;
}

/* At open: every dictionary into the shared table, the newest one for the writer. */
static int zdict_load(struct store *st)
{
    struct store_txn t;
    MDB_cursor *cur = NULL;
    MDB_val k, d, last = {0, NULL};
    uint32_t last_id = 0;
    int rc, mrc;

    store_read_init(st, &t);
    rc = store_read_begin(&t);
    if (rc)
        goto out;
    rc = store_txn_check(&t, mdb_cursor_open(t.txn, st->dbi_zdict, &cur), "open cursor");
    if (rc)
        goto out;
    for (mrc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        uint32_t id;
        ZSTD_DDict *dd;

        if (k.mv_size != 4 || d.mv_size <= 8) {
            log_error("store: damaged compression dictionary record (%zu bytes)", d.mv_size);
            continue;
        }
        id = zd_id(k.mv_data);
        dd = ZSTD_createDDict((const uint8_t *)d.mv_data + 8, d.mv_size - 8);
        if (!dd || !zd_add(st, id, dd)) {
            log_error("store: cannot load compression dictionary %u", id);
            continue;
        }
        last = d;
        last_id = id;
    }
    if (mrc != MDB_NOTFOUND) {
        rc = store_txn_check(&t, mrc, "load dictionaries");
        goto out;
    }
    if (last_id) {
        void *bytes = malloc(last.mv_size - 8);

        if (!bytes) {
            rc = -ENOMEM;
            goto out;
        }
        memcpy(bytes, (const uint8_t *)last.mv_data + 8, last.mv_size - 8);
        rc = wd_set(st, last_id, le64(last.mv_data), bytes, last.mv_size - 8);
        if (rc) {
            /* Records that name it stay unreadable; new ones get a new dictionary. */
            log_error("store: cannot load compression dictionary %u", last_id);
            rc = 0;
        }
    }
out:
    if (cur)
        mdb_cursor_close(cur);
    store_read_release(&t);
    return rc;
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
    rc =
        store_txn_check(t, mdb_dbi_open(t->txn, "zdict", MDB_CREATE, &st->dbi_zdict), "open zdict");
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
    pthread_mutex_init(&st->zd_mu, NULL);
    pthread_mutex_init(&st->wd_mu, NULL);
    msgpack_sbuffer_init(&st->scratch);
    st->map_max = opt->map_max ? opt->map_max : DEFAULT_MAP_MAX;
    st->no_sync = opt->no_sync;
    st->dict_min = opt->dict_min ? opt->dict_min : DEFAULT_DICT_MIN;
    st->dict_retrain = opt->dict_retrain ? opt->dict_retrain : DEFAULT_DICT_RETRAIN;
    st->train_at = st->dict_min;
    /* Our own header names the dictionary: the frame need not (4 bytes a record). */
    st->cctx = ZSTD_createCCtx();
    if (!st->cctx ||
        ZSTD_isError(ZSTD_CCtx_setParameter(st->cctx, ZSTD_c_compressionLevel, ZLEVEL)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(st->cctx, ZSTD_c_dictIDFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(st->cctx, ZSTD_c_contentSizeFlag, 1))) {
        rc = -ENOMEM;
        goto fail;
    }
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
    if (rc == 0)
        rc = zdict_load(st);
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
    ZSTD_freeCCtx(st->cctx);
    wd_release(&st->wd);
    free(st->zbuf);
    for (unsigned i = 0; i < st->n_zd; i++)
        ZSTD_freeDDict(st->zd[i].dd);
    zt_release();
    pthread_mutex_destroy(&st->wd_mu);
    pthread_mutex_destroy(&st->zd_mu);
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

void store_prepare(struct store *st, struct profile *const *v, size_t n)
{
    for (unsigned i = 0; i < st->n_hooks; i++)
        if (st->hooks[i].prepare)
            st->hooks[i].prepare(v, n, st->hooks[i].user);
}

void store_prepare_end(struct store *st)
{
    for (unsigned i = 0; i < st->n_hooks; i++)
        if (st->hooks[i].prepare_end)
            st->hooks[i].prepare_end(st->hooks[i].user);
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
    return record_plain(t, d.mv_data, d.mv_size, val, len);
}

/* Decode a record the store wrote itself (still checked: the file may be old or damaged). */
int store_profile_decode(struct store_txn *t, const void *val, size_t len, struct profile *out)
{
    msgpack_unpacked u;
    struct sm_error e;
    int rc;

    profile_init(out);
    rc = record_plain(t, val, len, &val, &len);
    if (rc)
        return rc;
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
    MDB_val k = {id_len, (void *)id}, d;
    int rc;

    profile_init(out);
    if (id_len == 0 || id_len > PROFILE_ID_MAX)
        return SM_ENOTFOUND;
    rc = store_txn_check(t, mdb_get(t->txn, t->st->dbi_profiles, &k, &d), "get profile");
    if (rc)
        return rc;
    return store_profile_decode(t, d.mv_data, d.mv_size, out);
}

/* created_ms of a stored record without decoding the rest (0 if damaged). */
static int64_t record_created(struct store_txn *t, const void *val, size_t len)
{
    msgpack_unpacked u;
    const msgpack_object *o;
    int64_t v = 0;

    if (record_plain(t, val, len, &val, &len))
        return 0;
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

/* This thread's compression context for store_pack_ahead, set as the writer's is. */
static ZSTD_CCtx *zt_cctx(struct zthread *z)
{
    if (z->cctx)
        return z->cctx;
    z->cctx = ZSTD_createCCtx();
    if (z->cctx &&
        (ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, ZLEVEL)) ||
         ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_dictIDFlag, 0)) ||
         ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_contentSizeFlag, 1)))) {
        ZSTD_freeCCtx(z->cctx);
        z->cctx = NULL;
    }
    return z->cctx;
}

void store_pack_ahead(struct store *st, struct profile *p, int64_t now_ms, struct store_packed *out)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    struct zthread *z;
    ZSTD_CCtx *cctx;
    size_t n = 0;
    bool ok = false;

    memset(out, 0, sizeof(*out));
    p->created_ms = p->updated_ms = now_ms; /* what a put at now_ms sets for a new profile */
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (profile_encode(p, true, &pk) || sb.size > STORE_RECORD_MAX)
        goto out;
    z = zt_get(ZHDR + ZSTD_compressBound(sb.size));
    cctx = z ? zt_cctx(z) : NULL;
    if (!cctx)
        goto out;
    pthread_mutex_lock(&st->wd_mu);
    if (st->wd.id) {
        n = ZSTD_CCtx_refCDict(cctx, st->wd.cdict);
        if (!ZSTD_isError(n))
            n = ZSTD_compress2(cctx, z->buf + ZHDR, z->cap - ZHDR, sb.data, sb.size);
        ok = !ZSTD_isError(n) && ZHDR + n < sb.size;
        out->dict = st->wd.id;
        ZSTD_CCtx_refCDict(cctx, NULL); /* the writer may free it once the lock is let go */
    }
    pthread_mutex_unlock(&st->wd_mu);
    if (!ok || !(out->data = malloc(ZHDR + n)))
        goto out;
    z->buf[0] = ZTAG;
    for (int i = 0; i < 4; i++)
        z->buf[1 + i] = (uint8_t)(out->dict >> (8 * i));
    memcpy(out->data, z->buf, ZHDR + n);
    out->len = ZHDR + n;
    out->now_ms = now_ms;
out:
    msgpack_sbuffer_destroy(&sb);
}

void store_packed_release(struct store_packed *pk)
{
    free(pk->data);
    memset(pk, 0, sizeof(*pk));
}

/*
 * Whether pre, packed ahead for a new profile, can be stored as it is now: no dictionary is due
 * to be trained first (record_pack would) and pre names the writer's current one. 1 with d set,
 * 0 if not, or an error.
 */
static int record_reuse(struct store_txn *t, const struct store_packed *pre, MDB_val *d)
{
    struct store *st = t->st;
    MDB_stat ms;
    int rc;

    if (st->train_at != UINT64_MAX) {
        rc = store_txn_check(t, mdb_stat(t->txn, st->dbi_profiles, &ms), "stat profiles");
        if (rc)
            return rc;
        if (ms.ms_entries >= st->train_at)
            return 0;
    }
    if (!st->wd.id || pre->dict != st->wd.id)
        return 0;
    rc = wd_ensure(t);
    if (rc)
        return rc;
    d->mv_data = pre->data;
    d->mv_size = pre->len;
    return 1;
}

int store_profile_put(struct store_txn *t, struct profile *p, enum store_put_mode mode,
                      int64_t now_ms, bool *created)
{
    return store_profile_put_packed(t, p, mode, now_ms, created, NULL);
}

int store_profile_put_packed(struct store_txn *t, struct profile *p, enum store_put_mode mode,
                             int64_t now_ms, bool *created, const struct store_packed *pre)
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
        rc = store_profile_decode(t, d.mv_data, d.mv_size, &old);
        if (rc)
            return rc;
        have_old = true;
    }
    p->created_ms =
        exists ? (have_old ? old.created_ms : record_created(t, d.mv_data, d.mv_size)) : now_ms;
    if (p->created_ms <= 0)
        p->created_ms = now_ms;
    /* A clock stepped back must not make a record updated before it was created. */
    p->updated_ms = now_ms > p->created_ms ? now_ms : p->created_ms;
    rc = pre && pre->data && !exists ? record_reuse(t, pre, &d) : 0;
    if (rc < 0)
        goto out;
    if (rc == 1) /* new: stamped when it was packed */
        p->created_ms = p->updated_ms = pre->now_ms;
    if (rc == 0) {
        msgpack_sbuffer_clear(&st->scratch);
        msgpack_packer_init(&pk, &st->scratch, msgpack_sbuffer_write);
        rc = profile_encode(p, true, &pk);
        if (rc)
            goto out;
        if (st->scratch.size > STORE_RECORD_MAX) {
            rc = SM_ETOOLARGE;
            goto out;
        }
        rc = record_pack(t, st->scratch.data, st->scratch.size, &d);
        if (rc)
            goto out;
    }
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
        const void *val;
        size_t len;

        rc = record_plain(t, d.mv_data, d.mv_size, &val, &len);
        if (rc == 0)
            rc = fn(k.mv_data, k.mv_size, val, len, user);
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
    MDB_cursor *cur;
    MDB_val k, d;
    int rc, mrc;

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
    rc = store_txn_check(t, mdb_cursor_open(t->txn, t->st->dbi_zdict, &cur), "open cursor");
    if (rc)
        return rc;
    mrc = mdb_cursor_get(cur, &k, &d, MDB_LAST);
    if (mrc == 0 && k.mv_size == 4)
        out->dict_id = zd_id(k.mv_data);
    mdb_cursor_close(cur);
    if (mrc && mrc != MDB_NOTFOUND)
        return store_txn_check(t, mrc, "last dictionary");
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
