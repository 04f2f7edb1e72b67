/*
 * store.h - the engine's database: one LMDB environment under <data>/db/.
 *
 * Named databases:
 *   "profiles"  id -> the canonical msgpack of the profile (profile_encode with contact,
 *               created_ms, updated_ms): the record the engine replies with, byte for byte,
 *               stored in one of two forms told apart by the first byte:
 *                 - plain: the msgpack map itself (first byte 0x80-0x8f, 0xde or 0xdf);
 *                 - compressed: 0xc1 (the one byte msgpack never uses), the u32 little-endian id
 *                   of a dictionary in "zdict" (0: none), then one zstd frame that declares its
 *                   content size (no checksum, no dictionary id in the frame).
 *               A record is compressed only when that makes it smaller. Plain records stay
 *               readable forever: nothing is migrated, a record changes form when rewritten.
 *   "zdict"     u32 big-endian id -> u64 little-endian count of profiles when it was trained,
 *               then the zstd dictionary. Ids are never reused and a dictionary never changes.
 *   "meta"      "schema_version" -> u32 little-endian; "profile_writes" -> u64 little-endian,
 *               profiles created, updated or deleted since the database was made.
 *
 * Compression: below store_options.dict_min profiles records are stored plain. The first write
 * transaction that puts a profile once the database holds that many trains a dictionary
 * (ZDICT_trainFromBuffer, at most 64 KiB) on up to a few thousand stored records, on the writer
 * thread, and writes it in that same transaction, so no committed record ever names a missing
 * dictionary. If training fails, records are compressed without a dictionary when that helps
 * and training is tried again when the count has doubled. Once, at dict_retrain profiles, a new
 * dictionary is trained on the larger sample; records keep the id they were written with.
 * Readers load dictionaries lazily from their own transaction into a table shared by all
 * threads; each thread has its own decompression context and output buffer.
 * Other modules add their own named databases with store_dbi_open() (e.g. the matching index).
 *
 * Durability: commits are synchronous (no MDB_NOSYNC unless store_options.no_sync asks for it),
 * so a write whose reply is sent after store_write() returned 0 survives kill -9 and power loss.
 *
 * Map size: the map starts large (1 GiB of address space, not of disk) and grows instead of
 * failing: when LMDB says MDB_MAP_FULL, store_write() aborts the transaction, waits until no
 * read transaction is active in the process, doubles the map with mdb_env_set_mapsize and runs
 * the whole write again (PITFALLS.md, LMDB). Write functions are therefore written to be re-run.
 *
 * Threads (the environment is opened with MDB_NOTLS, so a read transaction may be used by any one
 * thread at a time, e.g. a reader pool):
 *   - one writer thread at a time calls store_write() and everything that takes a write txn;
 *   - any number of reader threads, each with its own struct store_txn from store_read_init();
 *   - store_open/close, store_dbi_open and store_add_hook run before the threads start or after
 *     they end.
 *
 * Errors: LMDB errors are logged with mdb_strerror() where they happen and returned as SM_ESTORE;
 * a missing record is SM_ENOTFOUND; an existing id on create is SM_ECONFLICT.
 *
 * HOOK FOR OTHER MODULES (postings of the matching index, counters of events):
 *   1. Before serving, open your databases with store_dbi_open(st, "postings", MDB_DUPSORT, &dbi)
 *      and register a hook with store_add_hook(st, &(struct store_hook){on_change, ctx}).
 *   2. store_profile_put() and store_profile_delete() call every hook inside the SAME write
 *      transaction, after the profile record is written or deleted, with the old and the new
 *      profile (old NULL on create, new NULL on delete). Write your postings with
 *      mdb_put(store_txn_mdb(t), dbi, ...) and map the result with store_txn_check(t, rc, "what"),
 *      which also records MDB_MAP_FULL so the store grows the map and re-runs the transaction.
 *   3. A hook that returns non-zero fails the operation: the engine runs each request in a nested
 *      transaction (store_txn_nested), so the profile record and the postings are undone together
 *      and the client gets the error. Never commit or abort the txn yourself.
 *
 * BATCH HOOKS (store_add_batch_hook), for a module that buffers its writes in memory during a
 * write transaction and applies them in one sorted pass (the index's postings): random inserts
 * in many nested transactions cost a page copy each, a sorted pass at the end touches each page
 * once. The buffered writes still land in the SAME top-level transaction as the records they
 * belong to, so a crash never shows one without the other:
 *   - begin(user): at the start of every attempt of store_write (reset the buffer: after a
 *     MDB_MAP_FULL the whole write runs again from the start);
 *   - before_commit(t, user): in the top-level txn, after fn returned 0, just before the commit:
 *     apply the buffer; map LMDB results with store_txn_check (MDB_MAP_FULL makes the store
 *     grow the map and re-run everything, begin included). Non-zero aborts the whole write;
 *   - savepoint(user) / rollback(mark, user): store_txn_nested takes a savepoint before running
 *     its fn and, when the nested txn is undone, rolls back to it, so the buffered writes of a
 *     failed request are dropped with its records. The mark is opaque to the store.
 *   - end(committed, user): after the top-level txn committed (true) or was aborted (false; a
 *     re-run after map growth begins again): for memory that must change only with what LMDB
 *     holds (the index's per-doc meta, docmeta.h).
 * A module that reads its own buffered data during a write txn must apply (or consult) the
 * buffer first: LMDB does not see it until before_commit.
 */
#ifndef SM_STORE_H
#define SM_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "profile.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_HOOKS_MAX 8
/*
 * Largest profile record, in bytes of msgpack: no profile is bigger than the request that
 * carried it (the engine's message limit). A compressed record declaring more is damaged.
 */
#define STORE_RECORD_MAX ((size_t)64 << 20)

struct store;

struct store_options {
    size_t map_size;       /* initial map size in bytes; 0: 1 GiB */
    size_t map_max;        /* the map never grows past this; 0: 1 TiB */
    unsigned max_readers;  /* reader slots; 0: 256 */
    bool no_sync;          /* MDB_NOSYNC: only for tests that accept losing writes on a crash */
    uint64_t dict_min;     /* profiles before records are compressed; 0: 1,000; max: never */
    uint64_t dict_retrain; /* profiles at which a dictionary is trained again; 0: 100,000 */
};

/*
 * A transaction. Public so it can live on the stack or inside a reader; fields are read-only for
 * users (use the functions below).
 */
struct store_txn {
    struct store *st;
    MDB_txn *txn;             /* NULL when no LMDB transaction is open */
    struct store_txn *parent; /* nested write transactions */
    bool rdonly;
    bool active;     /* read txn between store_read_begin and store_read_end */
    bool map_full;   /* LMDB said MDB_MAP_FULL: store_write grows the map and re-runs */
    uint64_t writes; /* profile writes, added to meta "profile_writes" at commit */
    uint32_t zdict;  /* writer: this dictionary id is known to be in "zdict" as seen by txn */
};

struct store_stats {
    uint64_t profiles;       /* records in "profiles" */
    uint64_t map_size;       /* bytes of address space mapped */
    uint64_t data_bytes;     /* bytes of the data file in use (last page + 1) * page size */
    uint64_t reader_slots;   /* reader table slots used so far (LMDB me_numreaders) */
    uint64_t profile_writes; /* meta counter */
    uint32_t dict_id;        /* highest compression dictionary id in "zdict"; 0: none yet */
};

/*
 * Open (creating <data_dir> and <data_dir>/db/ if needed) with opt (NULL: defaults). Runs
 * mdb_reader_check to clear slots of dead processes, creates the named databases, writes or
 * checks the schema version (a newer one is refused with SM_ESTORE). Caller owns *out.
 * Returns 0, SM_ESTORE, -errno (mkdir) or -ENOMEM.
 */
int store_open(struct store **out, const char *data_dir, const struct store_options *opt);
/* Close the environment; every transaction must have ended. Sets *st to NULL; safe on NULL. */
void store_close(struct store **st);
/* Path of the environment folder ("<data>/db"), borrowed for the life of the store. */
const char *store_path(const struct store *st);

/* ---- write transactions (one writer thread) ---- */

/*
 * A unit of work inside a write transaction. Must be safe to run again from the start after a
 * failed attempt (the store re-runs it when the map grows): reset any output it produced. It
 * should return as soon as t->map_full is set. Return 0 to commit, anything else to abort.
 */
typedef int (*store_write_fn)(struct store_txn *t, void *arg);

/*
 * Run fn in a new write transaction and commit (fsync) if it returns 0. On MDB_MAP_FULL (in fn
 * or at commit) the map is grown and fn runs again. Returns fn's error, SM_ESTORE, or 0 once the
 * commit is durable.
 */
int store_write(struct store *st, store_write_fn fn, void *arg);

/*
 * Run fn in a transaction nested in parent: its writes become part of parent if fn returns 0,
 * and are undone otherwise (parent stays usable). Returns fn's result or SM_ESTORE. A map-full
 * condition propagates to parent->map_full.
 */
int store_txn_nested(struct store_txn *parent, store_write_fn fn, void *arg);

/* ---- read transactions (any thread; one txn per thread at a time) ---- */

/* Prepare t for reads; no LMDB call yet. */
void store_read_init(struct store *st, struct store_txn *t);
/* Start a snapshot (renewing t's LMDB handle when it has one). Returns 0 or SM_ESTORE. */
int store_read_begin(struct store_txn *t);
/* End the snapshot; keeps the handle for the next begin. Values read from t become invalid. */
void store_read_end(struct store_txn *t);
/* End and free the handle (before the thread exits or the store closes). */
void store_read_release(struct store_txn *t);

/* ---- for modules with their own databases (see HOOK above) ---- */

/* The LMDB transaction (borrowed; valid while t is). */
MDB_txn *store_txn_mdb(struct store_txn *t);
/*
 * Map an LMDB result: 0 -> 0, MDB_NOTFOUND -> SM_ENOTFOUND, MDB_KEYEXIST -> SM_ECONFLICT,
 * anything else is logged as "store: <what>: <mdb_strerror>" and returns SM_ESTORE (MDB_MAP_FULL
 * also sets t->map_full).
 */
int store_txn_check(struct store_txn *t, int mdb_rc, const char *what);
/* Open or create a named database (flags: MDB_DUPSORT etc.; MDB_CREATE is added). */
int store_dbi_open(struct store *st, const char *name, unsigned flags, MDB_dbi *out);

/*
 * Called in the write transaction when a profile changes: old is NULL on create, new_p is NULL
 * on delete; both borrowed for the call. Return 0, or an error to fail the operation.
 */
struct store_hook {
    int (*profile_changed)(struct store_txn *t, const struct profile *old,
                           const struct profile *new_p, void *user);
    void *user;
    /*
     * Optional, writer thread: store_prepare passes the profiles a request is about to put, so
     * the hook can do their costly part (the index analyses them) ahead, on other threads,
     * outside any transaction; store_prepare_end says the request is over (keyed by pointer,
     * such work must not outlive it).
     */
    void (*prepare)(struct profile *const *v, size_t n, void *user);
    void (*prepare_end)(void *user);
};
/* Register a hook (copied). Returns 0 or -ENOSPC past STORE_HOOKS_MAX. */
int store_add_hook(struct store *st, const struct store_hook *h);
/*
 * Before profiles are put in bulk (an import): let the hooks prepare them. A call replaces what
 * an earlier one prepared. v[i] must stay valid until store_prepare_end, which whoever prepared
 * must call on every path (the import itself, or the writer for the group it prepared ahead,
 * engine/server.c); the hooks read them from other threads meanwhile, so nothing but
 * store_profile_put's stamps (created_ms, updated_ms, which no hook's preparation reads) may
 * change in them.
 */
void store_prepare(struct store *st, struct profile *const *v, size_t n);
void store_prepare_end(struct store *st);

/* Batch hooks (see BATCH HOOKS above); every member may be NULL. */
struct store_batch_hook {
    void (*begin)(void *user);
    int (*before_commit)(struct store_txn *t, void *user);
    uint64_t (*savepoint)(void *user);
    void (*rollback)(uint64_t mark, void *user);
    void *user;
    /* After the top-level transaction: committed, or aborted (then maybe run again). */
    void (*end)(bool committed, void *user);
    /* The writer has had no work for a while (store_idle): give back memory kept for batches. */
    void (*idle)(void *user);
};
/* Register batch hooks (copied). Returns 0 or -ENOSPC past STORE_HOOKS_MAX. */
int store_add_batch_hook(struct store *st, const struct store_batch_hook *h);
/*
 * Tell the hooks the writer is idle (the writer's thread, outside any transaction): buffers
 * kept from one bulk batch to the next are freed until the next one.
 */
void store_idle(struct store *st);

/* ---- profiles ---- */

/*
 * The canonical msgpack of id (decompressed if the record is compressed). *val is borrowed and
 * never to be written through: it points into the map for a plain record, into this thread's
 * decompression buffer otherwise. Valid until the first of: the transaction ends, its next
 * write, the next call on this thread of a store_profile_* function (any store). Returns 0,
 * SM_ENOTFOUND, SM_ESTORE (also a damaged compressed record, logged) or -ENOMEM.
 */
int store_profile_get_raw(struct store_txn *t, const char *id, size_t id_len, const void **val,
                          size_t *len);
/* The stored profile decoded into out (caller releases with profile_release). */
int store_profile_get(struct store_txn *t, const char *id, size_t id_len, struct profile *out);
/*
 * Decode a value of the "profiles" database read with one's own cursor in t (plain or
 * compressed; see the top of this file) into out (caller releases with profile_release).
 * Returns 0, SM_ESTORE (a damaged record, logged) or -ENOMEM.
 */
int store_profile_decode(struct store_txn *t, const void *val, size_t len, struct profile *out);

enum store_put_mode { STORE_PUT_CREATE, STORE_PUT_UPSERT };

/*
 * Write a validated profile (write txn). Sets p->created_ms (now for a new record, kept from the
 * old record on update) and p->updated_ms = now_ms, writes the canonical record (compressed when
 * that is smaller; may first train a dictionary, see the top of this file) and runs the hooks.
 * *created (may be NULL) tells whether the id was new. STORE_PUT_CREATE returns SM_ECONFLICT if
 * the id exists. Returns 0, SM_ECONFLICT, SM_ETOOLARGE (record over STORE_RECORD_MAX),
 * SM_ESTORE, a hook's error or -ENOMEM.
 */
int store_profile_put(struct store_txn *t, struct profile *p, enum store_put_mode mode,
                      int64_t now_ms, bool *created);
/*
 * A profile's record packed ahead of its put, off the writer (store_pack_ahead): encoding and
 * zstd were ~12 % of the writer's time in a bulk import, and the writer is its serial part.
 */
struct store_packed {
    uint8_t *data; /* the record as stored (malloc'd); NULL: nothing packed */
    size_t len;
    uint32_t dict;  /* the dictionary it was compressed with */
    int64_t now_ms; /* its created_ms and updated_ms */
};

/*
 * Pack p's record as store_profile_put would for a NEW profile put at now_ms (and set p's stamps
 * to now_ms): encoded and compressed with the writer's current dictionary. Any thread, outside
 * any transaction (a compression context per thread). out->data stays NULL when there is no
 * dictionary yet, compression would not pay, the record is over STORE_RECORD_MAX, or on any
 * failure: the put then does it all itself. Release with store_packed_release.
 */
void store_pack_ahead(struct store *st, struct profile *p, int64_t now_ms,
                      struct store_packed *out);
void store_packed_release(struct store_packed *pk);

/*
 * store_profile_put with pre (may be NULL) packed ahead: stored as it is when it still holds (the
 * id is new, and pre's dictionary is still the writer's with none due to be trained), the
 * profile then stamped pre->now_ms; else the record is packed here at now_ms, as
 * store_profile_put does (an update is stamped now_ms, never earlier than the writes before it).
 */
int store_profile_put_packed(struct store_txn *t, struct profile *p, enum store_put_mode mode,
                             int64_t now_ms, bool *created, const struct store_packed *pre);

/* Delete a profile (write txn) and run the hooks. Returns 0, SM_ENOTFOUND or SM_ESTORE. */
int store_profile_delete(struct store_txn *t, const char *id, size_t id_len);

/*
 * Call fn for every profile record in id order (canonical msgpack, decompressed if needed,
 * borrowed for the call), e.g. to build an index at start-up. Stops at and returns fn's first
 * non-zero result, or SM_ESTORE at a damaged compressed record (logged).
 */
int store_profile_scan(struct store_txn *t,
                       int (*fn)(const char *id, size_t id_len, const void *val, size_t len,
                                 void *user),
                       void *user);

/* ---- maintenance ---- */

int store_stats(struct store_txn *t, struct store_stats *out);
/* mdb_reader_check: free reader slots of dead processes; *dead (may be NULL) gets the count. */
int store_reader_check(struct store *st, int *dead);

#endif
