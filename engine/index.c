/*
 * index.c - the matching index in LMDB and the leads and search queries; see index.h.
 */
#include "sm.h"

#include "index.h"

#include <endian.h>
#include <lz4.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>

#include "docmeta.h"
#include "log.h"
#include "postings.h"
#include "proto.h"

#define INDEX_VERSION 2 /* 2: postings as blocks (postings.c); 1 had "ix_post" */
#define KEY_LEN POST_KEY_LEN
#define BUILD_BATCH 2000 /* profiles per write transaction of the start-up build */
/*
 * Budgets of a query, measured with smematch-eval (docs/matching.md §10): reading more than
 * 10,000 postings did not change NDCG@10 at 20,000 or 100,000 profiles, while the exact pool
 * did (100 docs: -5 % at 100,000), so the pool stays large and the postings small.
 */
#define POSTINGS_BUDGET 10000 /* postings read per query, over all its keys */
#define KEY_CAP 5000          /* postings read from one key */
#define BOOST_BUDGET 5000     /* postings read for B->A evidence (boost only) */
#define SECTOR_UB 40.0        /* upper-bound weight of a class-level sector match */
#define POOL_MIN 100          /* leads: candidates scored exactly (first pages) */
#define SEARCH_POOL_MIN 50    /* search: its upper bound is close to BM25 itself */
#define LOADS_PER_POOL 8      /* with filters: docs looked at per candidate kept */
#define PBUF_KEEP (1u << 20)  /* posting ops whose buffers go back once the writer idles */

enum { SIDE_OFFER = 0, SIDE_NEED = 1 };

/*
 * A buffered posting operation. (key, docid) is held as two integers that sort as LMDB orders
 * them (key bytes by memcmp, then docid): hi = key bytes 0-7 big-endian, lo = key bytes 8-11
 * big-endian then docid; a batch sorts hundreds of thousands of these. seq is the order of
 * arrival: of several ops on one (key, docid) in a batch (an update deletes and re-adds most of
 * its postings) the last one wins.
 */
struct pop {
    uint64_t hi, lo;
    uint32_t seq_del; /* seq << 1 | 1 for a delete */
};

/*
 * The postings of the current write batch (see "Buffered postings" below): ops [0, n), of which
 * [0, applied) are in LMDB already (a read of the index inside the batch applied them).
 */
struct pbuf {
    struct pop *v;
    size_t n, cap, applied;
    uint32_t seq;
    struct pop *tmp; /* radix sort's second buffer, tmp_cap ops */
    size_t tmp_cap;
    uint32_t *hist; /* radix sort's counts: RADIX_DIGITS x 65536 */
};

/*
 * A doc's stored bytes: body (len bytes; an LZ4 block of raw bytes when raw is not 0, made with
 * the compression dictionary when dict is 1).
 */
struct doc_bytes {
    void *packed; /* owned: the packed form */
    char *z;      /* owned: LZ4 output, kept between uses */
    size_t zcap;
    const void *body;
    size_t len;
    uint32_t raw, dict;
};

/* A profile analysed ahead of its write (store_prepare): see "Prepared profiles" below. */
enum { PREP_PENDING, PREP_TAKEN, PREP_DONE };

struct prep {
    const struct profile *p;
    struct match_doc *d;
    struct doc_bytes b;
    int rc;
    int state; /* PREP_*, under the pool's mutex */
};

#define PREP_THREADS_MAX 3
#define PREP_MIN 32 /* fewer profiles than this are analysed by the writer as they come */

struct prep_pool {
    const struct index *ix;
    pthread_t th[PREP_THREADS_MAX];
    unsigned n_th;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    struct prep *v; /* the job: v[0, n) */
    size_t n, next; /* next: no pending prep before it */
    size_t active;  /* taken and not done yet */
    bool stop;
};

/*
 * The docs' LZ4 dictionary (see "Compression dictionary"): set once, never changed; readers
 * load it with an acquire load, or from their transaction under mu when not known yet.
 */
struct dict {
    char *bytes;
    size_t len;
    LZ4_stream_t *stream; /* writer side: loaded with bytes, copied for each compression */
    pthread_mutex_t mu;
};

struct index {
    struct store *st;
    uint16_t gen; /* distinguishes this index in the per-thread caches (qctx_open) */
    MDB_dbi docs, ids, meta;
    MDB_dbi dmdb; /* "ix_dmeta": docid -> struct match_meta, loaded into dm at open */
    struct dmeta dm;
    struct postings post;
    struct dict dict;
    struct pbuf buf;
    struct doc_bytes wb; /* writer only: the doc being written when it was not prepared */
    struct prep *prep;   /* writer only: this request's prepared profiles */
    size_t n_prep, prep_cursor;
    struct prep_pool pool;
    bool pool_on;
    /*
     * Writer only: the dictionary was found stored, and equal, in the current top-level write
     * transaction's own state (not in a nested one's that may still be undone). Cleared when a
     * batch begins and whenever a nested transaction is undone (the batch hooks).
     */
    bool dict_checked;
};

static const char key_corpus[] = "corpus";
static const char key_dict[] = "lz4dict1"; /* the docs' compression dictionary, id 1 */

#define DICT_MIN 2000         /* docs indexed before the dictionary is built from them */
#define DICT_MAX 65536        /* LZ4 refers back 64 KiB at most */
#define ZONE_LEN_MASK 0xffffu /* doc record: low bits of the first u32; the dictionary id above */

/* ---- per-thread state ------------------------------------------------------------------------ */

/*
 * Each thread that uses the index (readers, the writer, the prep helpers) gets its own text
 * analyser, scratch buffer for decompressed docs, the two caches below and a candidate table
 * (acc_store), created on first use and freed when the thread exits (the keys' destructors);
 * index_close frees the calling thread's.
 */
static pthread_key_t tls_analyzer, tls_scratch, tls_kc, tls_dfc, tls_acc;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void tls_free_analyzer(void *p)
{
    struct text_analyzer *a = p;
    text_analyzer_destroy(&a);
}

static void tls_init(void)
{
    pthread_key_create(&tls_analyzer, tls_free_analyzer);
    pthread_key_create(&tls_scratch, free);
    pthread_key_create(&tls_kc, free);
    pthread_key_create(&tls_dfc, free);
    pthread_key_create(&tls_acc, free);
}

/*
 * This thread's zeroed n x size block under *key (calloc'ed on first use), or NULL. The key is
 * read only after tls_init ran: a key passed by value before it was 0, another library's (in an
 * engine restarted on existing data no profile had been analysed, so the first leads query
 * read a foreign per-thread pointer as its count cache and crashed).
 */
static void *tls_calloc(const pthread_key_t *key, size_t n, size_t size)
{
    void *p;

    pthread_once(&tls_once, tls_init);
    p = pthread_getspecific(*key);
    if (p)
        return p;
    p = calloc(n, size);
    if (p && pthread_setspecific(*key, p)) {
        free(p);
        p = NULL;
    }
    return p;
}

/*
 * This thread's scratch for decompressed docs, grown as needed. When a doc was compressed with
 * the dictionary, the dictionary's bytes sit right before the buffer returned: LZ4 then reads
 * it as a prefix of its own output, which decodes 2.6x faster than a dictionary elsewhere in
 * memory (0.36 against 0.94 µs a doc, on the docs of a 1M-profile benchmark). gen is the index
 * whose dictionary the prefix holds (indexes are numbered per process; a dictionary never
 * changes), 0 for none.
 */
struct scratch {
    size_t cap;    /* bytes after the prefix */
    size_t prefix; /* dictionary bytes at data[0, prefix) */
    uint32_t gen;
    char data[];
};

static void *scratch_get(const struct index *ix, const struct dict *dc, size_t size)
{
    size_t prefix = dc ? dc->len : 0;
    struct scratch *sc;

    pthread_once(&tls_once, tls_init);
    sc = pthread_getspecific(tls_scratch);
    if (sc && sc->cap >= size && (!dc || (sc->gen == ix->gen && sc->prefix == prefix)))
        return sc->data + sc->prefix;
    if (sc)
        size = SM_MAX(size, sc->cap);
    free(sc);
    pthread_setspecific(tls_scratch, NULL);
    size = SM_MAX(size, (size_t)16384);
    sc = malloc(sizeof(*sc) + prefix + size);
    if (!sc)
        return NULL;
    sc->cap = size;
    sc->prefix = prefix;
    sc->gen = dc ? ix->gen : 0;
    if (prefix)
        memcpy(sc->data, dc->bytes, prefix);
    if (pthread_setspecific(tls_scratch, sc)) {
        free(sc);
        return NULL;
    }
    return sc->data + prefix;
}

/*
 * This thread's cache of posting-key counts (document frequencies, key sizes) for one read
 * snapshot. A leads query looks up a few hundred counts, each a B-tree search; consecutive
 * queries share most of them. An entry is valid only for the snapshot (LMDB txn id) it was read
 * in, so answers are exactly what the snapshot holds; write transactions do not use it.
 * NULL from kc_get: no cache, every count is read from LMDB.
 */
#define KC_SLOTS 32768 /* power of two; 24 bytes each */

struct kc_slot {
    uint64_t key; /* the posting key folded to 64 bits, 0 = empty */
    uint64_t txn; /* snapshot it was read in */
    uint32_t count;
};

static struct kc_slot *kc_get(void)
{
    return tls_calloc(&tls_kc, KC_SLOTS, sizeof(struct kc_slot));
}

/* This thread's document-frequency cache: see df_cb. */
#define DFC_SLOTS 8192 /* power of two */
#define DFC_TERM_MAX 32

struct dfc_slot {
    uint64_t txn; /* 0: empty */
    uint32_t hash, df;
    uint16_t len;
    char s[DFC_TERM_MAX];
};

static struct dfc_slot *dfc_get(void)
{
    return tls_calloc(&tls_dfc, DFC_SLOTS, sizeof(struct dfc_slot));
}

struct text_analyzer *index_analyzer(void)
{
    struct text_analyzer *a;

    pthread_once(&tls_once, tls_init);
    a = pthread_getspecific(tls_analyzer);
    if (a)
        return a;
    if (text_analyzer_new(&a))
        return NULL;
    if (pthread_setspecific(tls_analyzer, a)) {
        text_analyzer_destroy(&a);
        return NULL;
    }
    return a;
}

/* ---- keys and records ------------------------------------------------------------------------ */

static void make_key(uint8_t key[KEY_LEN], char tag, unsigned type, unsigned side, uint64_t h)
{
    key[0] = (uint8_t)tag;
    key[1] = (uint8_t)type;
    key[2] = (uint8_t)side;
    key[3] = 0;
    memcpy(key + 4, &h, sizeof(h));
}

static int stats_get(struct index *ix, struct store_txn *t, struct index_stats *s)
{
    MDB_val k = {sizeof(key_corpus) - 1, (void *)key_corpus}, v;
    int rc = mdb_get(store_txn_mdb(t), ix->meta, &k, &v);

    memset(s, 0, sizeof(*s));
    if (rc == MDB_NOTFOUND) {
        s->next_docid = 1;
        s->version = INDEX_VERSION;
        return 0;
    }
    if (rc)
        return store_txn_check(t, rc, "get index stats");
    if (v.mv_size != sizeof(*s)) {
        log_error("index: damaged corpus record (%zu bytes)", v.mv_size);
        return SM_ESTORE;
    }
    memcpy(s, v.mv_data, sizeof(*s));
    return 0;
}

static int stats_put(struct index *ix, struct store_txn *t, const struct index_stats *s)
{
    MDB_val k = {sizeof(key_corpus) - 1, (void *)key_corpus}, v = {sizeof(*s), (void *)s};
    return store_txn_check(t, mdb_put(store_txn_mdb(t), ix->meta, &k, &v, 0), "put index stats");
}

int index_stats(struct index *ix, struct store_txn *t, struct index_stats *out)
{
    return stats_get(ix, t, out);
}

/*
 * The doc record of docid: its zone (borrowed from the map) and a loaded copy of the doc,
 * decompressed through this thread's scratch when the record holds an LZ4 block.
 */
/*
 * The dictionary as seen by t, or NULL (never built, or a damaged record names it while it is
 * not there). Readers need it only for records made with it, so it exists by then in their
 * snapshot, or in this process's memory already.
 */
static const struct dict *dict_get(struct index *ix, struct store_txn *t)
{
    struct dict *dc = &ix->dict;
    MDB_val k = {sizeof(key_dict) - 1, (void *)key_dict}, v;

    if (__atomic_load_n(&dc->bytes, __ATOMIC_ACQUIRE))
        return dc;
    pthread_mutex_lock(&dc->mu);
    if (!dc->bytes && mdb_get(store_txn_mdb(t), ix->meta, &k, &v) == 0 && v.mv_size > 0 &&
        v.mv_size <= DICT_MAX) {
        char *b = malloc(v.mv_size);

        if (b) {
            memcpy(b, v.mv_data, v.mv_size);
            dc->len = v.mv_size;
            __atomic_store_n(&dc->bytes, b, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&dc->mu);
    return dc->bytes ? dc : NULL;
}

/*
 * The stored bytes of a doc record v (the packed or built doc), decompressed into this thread's
 * scratch when needed; its zone too. 0 or SM_ESTORE (damaged), -ENOMEM.
 */
static int record_body(struct index *ix, struct store_txn *t, const MDB_val *v, const char **body,
                       size_t *len, const char **zone, size_t *zone_len)
{
    uint32_t head, zl, dict_id, raw;
    size_t skip;
    const char *blob;
    size_t blob_len;

    if (v->mv_size < 8)
        return SM_ESTORE;
    memcpy(&head, v->mv_data, sizeof(head));
    memcpy(&raw, (const char *)v->mv_data + 4, sizeof(raw));
    zl = head & ZONE_LEN_MASK;
    dict_id = head >> 16;
    skip = 8 + (((size_t)zl + 7) & ~(size_t)7);
    if (zl > INDEX_ZONE_MAX || dict_id > 1 || skip > v->mv_size || raw > INT32_MAX ||
        v->mv_size - skip > INT32_MAX || (dict_id && !raw))
        return SM_ESTORE;
    if (zone) {
        *zone = (const char *)v->mv_data + 8;
        *zone_len = zl;
    }
    blob = (const char *)v->mv_data + skip;
    blob_len = v->mv_size - skip;
    if (raw) {
        const struct dict *dc = dict_id ? dict_get(ix, t) : NULL;
        char *out;
        int n;

        if (dict_id && !dc)
            return SM_ESTORE;
        out = scratch_get(ix, dc, raw);
        if (!out)
            return -ENOMEM;
        /* The dictionary's copy ends where out starts (scratch_get): LZ4's prefix mode. */
        n = dc ? LZ4_decompress_safe_usingDict(blob, out, (int)blob_len, (int)raw, out - dc->len,
                                               (int)dc->len)
               : LZ4_decompress_safe(blob, out, (int)blob_len, (int)raw);
        if (n != (int)raw)
            return SM_ESTORE;
        blob = out;
        blob_len = raw;
    }
    *body = blob;
    *len = blob_len;
    return 0;
}

static int doc_get(struct index *ix, struct store_txn *t, uint32_t docid, struct match_doc **d,
                   const char **zone, size_t *zone_len)
{
    MDB_val k = {sizeof(docid), &docid}, v;
    const char *blob;
    size_t blob_len;
    int rc = mdb_get(store_txn_mdb(t), ix->docs, &k, &v);

    if (rc)
        return store_txn_check(t, rc, "get indexed doc");
    rc = record_body(ix, t, &v, &blob, &blob_len, zone, zone_len);
    if (rc == 0)
        rc = match_doc_load(blob, blob_len, d);
    if (rc == SM_EBADREQ || rc == SM_ESTORE)
        goto bad;
    return rc;
bad:
    log_error("index: damaged doc record %u (%zu bytes)", docid, v.mv_size);
    return SM_ESTORE;
}

/* ---- writing postings ------------------------------------------------------------------------ */

struct poster {
    struct index *ix;
    struct store_txn *t;
    uint32_t docid;
    bool del;
};

/*
 * Buffered postings. A profile posts ~150 keys spread over the whole tree: written one by one
 * inside each request's nested transaction, every key costs a page copy into the child, and the
 * import crawls. Instead the hook appends (key, docid, add or delete) to ix->buf, and the store's
 * batch hooks apply the whole batch sorted by (key, docid) with one cursor just before the
 * top-level commit: the same LMDB transaction as the profile records, so a crash never shows a
 * profile without its postings or the other way round. A failed request rolls the buffer back
 * to its savepoint with its nested txn; a re-run after map growth starts from an empty buffer.
 * Nothing the hook reads (ids, docs, corpus statistics) lives in ix_post; a query run inside a
 * write transaction (event scheduling's suggestions) applies the pending ops first (pbuf_sync).
 */
static int pbuf_push(struct pbuf *b, const uint8_t key[KEY_LEN], uint32_t docid, bool del)
{
    struct pop *o;
    uint64_t hi;
    uint32_t lo;

    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        struct pop *v;

        if (cap > UINT32_MAX)
            return -ENOMEM;
        v = realloc(b->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        b->v = v;
        b->cap = cap;
    }
    o = &b->v[b->n++];
    memcpy(&hi, key, 8);
    memcpy(&lo, key + 8, 4);
    o->hi = be64toh(hi);
    o->lo = (uint64_t)be32toh(lo) << 32 | docid;
    o->seq_del = b->seq++ << 1 | (del ? 1u : 0u);
    return 0;
}

/* (key, docid, seq): seq makes every op distinct, so the order is total, qsort's result unique. */
static int pop_cmp(const void *x, const void *y)
{
    const struct pop *a = x, *b = y;

    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    return (a->seq_del >> 1) < (b->seq_del >> 1) ? -1 : (a->seq_del >> 1) > (b->seq_del >> 1);
}

/*
 * A batch's ops sorted by (key, docid), arrival order kept among equals: an LSD radix sort,
 * 16 bits a pass, skipping the digits every op shares (the padding byte, most of the docid's
 * high bits, tags and types often). A bulk import sorts ~800,000 ops a batch, where the
 * comparison sort was the writer's largest single cost. Stable, so seq needs no comparing.
 * Uses the buffer's scratch (grown as needed). Small batches (a single put posts ~157 ops) and
 * a failed allocation take qsort: the same order.
 */
#define RADIX_DIGITS 8
#define RADIX_MIN 65536 /* below this many ops the comparison sort is cheaper */

static inline unsigned pop_digit(const struct pop *o, unsigned d)
{
    return d < 4 ? (unsigned)(o->lo >> (16 * d)) & 0xffff
                 : (unsigned)(o->hi >> (16 * (d - 4))) & 0xffff;
}

static void pops_sort_buf(struct pbuf *b, struct pop *v, size_t n)
{
    struct pop *src = v, *dst;
    bool moved = false;

    if (n < RADIX_MIN || n > UINT32_MAX)
        goto fallback;
    if (b->tmp_cap < n) {
        struct pop *t = realloc(b->tmp, n * sizeof(*t));
        if (!t)
            goto fallback;
        b->tmp = t;
        b->tmp_cap = n;
    }
    if (!b->hist && !(b->hist = malloc(RADIX_DIGITS * 65536 * sizeof(*b->hist))))
        goto fallback;
    memset(b->hist, 0, RADIX_DIGITS * 65536 * sizeof(*b->hist));
    for (size_t i = 0; i < n; i++)
        for (unsigned d = 0; d < RADIX_DIGITS; d++)
            b->hist[d * 65536 + pop_digit(&v[i], d)]++;
    dst = b->tmp;
    for (unsigned d = 0; d < RADIX_DIGITS; d++) {
        uint32_t *h = b->hist + d * 65536, sum = 0;

        if (h[pop_digit(&src[0], d)] == n)
            continue; /* every op has this digit: nothing to order */
        for (unsigned k = 0; k < 65536; k++) {
            uint32_t c = h[k];
            h[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[h[pop_digit(&src[i], d)]++] = src[i];
        {
            struct pop *t = src;
            src = dst;
            dst = t;
        }
        moved = !moved;
    }
    if (moved)
        memcpy(v, src, n * sizeof(*v));
    return;
fallback:
    qsort(v, n, sizeof(*v), pop_cmp);
}

static void pop_key(const struct pop *o, uint8_t key[KEY_LEN], uint32_t *docid)
{
    uint64_t hi = htobe64(o->hi);
    uint32_t lo = htobe32((uint32_t)(o->lo >> 32));

    memcpy(key, &hi, 8);
    memcpy(key + 8, &lo, 4);
    *docid = (uint32_t)o->lo;
}

/*
 * Sort v (in place) and write it to the posting lists in t, a key at a time: per (key, docid),
 * only the last op counts.
 */
static int pops_apply(struct index *ix, struct store_txn *t, struct pop *v, size_t n)
{
    struct post_writer w;
    struct post_op *ops = NULL;
    size_t cap = 0;
    int rc;

    if (n == 0)
        return 0;
    pops_sort_buf(&ix->buf, v, n);
    rc = post_writer_begin(&w, &ix->post, t);
    for (size_t i = 0; rc == 0 && i < n;) {
        uint64_t key_lo = v[i].lo >> 32;
        uint8_t key[KEY_LEN];
        uint32_t docid;
        size_t j = i, m = 0;

        while (j < n && v[j].hi == v[i].hi && v[j].lo >> 32 == key_lo)
            j++;
        if (j - i > cap) {
            struct post_op *o = realloc(ops, (j - i) * sizeof(*o));

            if (!o) {
                rc = -ENOMEM;
                break;
            }
            ops = o;
            cap = j - i;
        }
        for (size_t k = i; k < j; k++) {
            if (k + 1 < j && v[k + 1].lo == v[k].lo)
                continue; /* a later op on the same docid wins */
            ops[m++] = (struct post_op){(uint32_t)v[k].lo, v[k].seq_del & 1};
        }
        pop_key(&v[i], key, &docid);
        rc = postings_apply(&w, key, ops, m);
        i = j;
    }
    post_writer_end(&w);
    free(ops);
    return rc;
}

static void pbuf_begin(void *user)
{
    struct index *ix = user;

    ix->buf.n = ix->buf.applied = 0;
    ix->buf.seq = 0;
    ix->dict_checked = false;
}

/*
 * A bulk batch's buffers (over PBUF_KEEP ops: tens of MB) are kept for the next batch while an
 * import goes on: freed and allocated again for each batch, they cost the writer a page fault
 * per 4 KiB every time (~6 % of its CPU at 1M). Once the writer is idle they go back.
 */
static void pbuf_idle(void *user)
{
    struct pbuf *b = &((struct index *)user)->buf;

    if (b->cap > PBUF_KEEP) {
        free(b->v);
        b->v = NULL;
        b->cap = 0;
    }
    if (b->tmp_cap > PBUF_KEEP) {
        free(b->tmp);
        b->tmp = NULL;
        b->tmp_cap = 0;
    }
    b->n = b->applied = 0;
}

/* Top-level txn, nothing to roll back to afterwards: sort the buffer itself. */
static int pbuf_before_commit(struct store_txn *t, void *user)
{
    struct index *ix = user;
    struct pbuf *b = &ix->buf;
    int rc = pops_apply(ix, t, b->v + b->applied, b->n - b->applied);

    /* Not map growth (a re-run follows): a damaged list, and every write touching it fails. */
    if (rc == SM_ESTORE && !t->map_full)
        log_error("index: the posting lists could not be written: if the log above reports a "
                  "damaged record, restart the engine with --rebuild-index");
    if (rc == 0)
        b->applied = b->n;
    return rc;
}

static uint64_t pbuf_savepoint(void *user)
{
    struct index *ix = user;
    return (uint64_t)ix->buf.applied << 32 | ix->buf.n;
}

/*
 * The nested txn was undone: drop the ops it added, and any op it applied to LMDB (pbuf_sync)
 * is no longer there, so pending again.
 */
static void pbuf_rollback(uint64_t mark, void *user)
{
    struct index *ix = user;

    ix->buf.n = (size_t)(mark & UINT32_MAX);
    ix->buf.applied = (size_t)(mark >> 32);
    ix->dict_checked = false;
}

/* The docs' meta follows the transactions (docmeta.h): staged, undone, published or dropped. */
static void dm_begin(void *user)
{
    dmeta_discard(&((struct index *)user)->dm);
}

static uint64_t dm_savepoint(void *user)
{
    return dmeta_mark(&((struct index *)user)->dm);
}

static void dm_rollback(uint64_t mark, void *user)
{
    dmeta_truncate(&((struct index *)user)->dm, (size_t)mark);
}

static void dm_end(bool committed, void *user)
{
    struct index *ix = user;

    if (committed)
        dmeta_publish(&ix->dm);
    else
        dmeta_discard(&ix->dm);
}

/*
 * Before reading postings in a write transaction: apply the pending ops in t (maybe nested).
 * They are applied from a sorted copy so that a rollback finds the buffer in arrival order.
 */
static int pbuf_sync(struct index *ix, struct store_txn *t)
{
    struct pbuf *b = &ix->buf;
    struct pop *v;
    size_t n;
    int rc;

    if (t->rdonly)
        return 0; /* the buffer is the writer's: readers never touch it */
    n = b->n - b->applied;
    if (n == 0)
        return 0;
    v = malloc(n * sizeof(*v));
    if (!v)
        return -ENOMEM;
    memcpy(v, b->v + b->applied, n * sizeof(*v));
    rc = pops_apply(ix, t, v, n);
    free(v);
    if (rc == 0)
        b->applied = b->n;
    return rc;
}

static int post1(struct poster *p, char tag, unsigned type, unsigned side, uint64_t h)
{
    uint8_t key[KEY_LEN];

    make_key(key, tag, type, side, h);
    /* One doc may post the same key twice (two items of one type): pops_apply keeps one. */
    return pbuf_push(&p->ix->buf, key, p->docid, p->del);
}

static int post_all_term(void *ctx, const char *term, size_t len, uint32_t tf)
{
    (void)tf;
    return post1(ctx, 'A', 0, 0, text_hash(term, len));
}

/* Post (or delete) every key of a doc. */
static int post_doc(struct poster *p, const struct match_doc *d)
{
    int rc = match_doc_foreach_term(d, post_all_term, p);

    for (uint32_t i = 0; rc == 0 && i < match_doc_n_items(d); i++) {
        const struct match_item *it = match_doc_item(d, i);
        const struct match_term *tv[2] = {match_item_text(d, it), match_item_kw(d, it)};
        const uint32_t tn[2] = {it->n_text, it->n_kw};
        const struct match_sector *sec = match_item_sectors(d, it);
        unsigned side = it->is_need ? SIDE_NEED : SIDE_OFFER;

        for (int w = 0; w < 2; w++)
            for (uint32_t j = 0; rc == 0 && j < tn[w]; j++)
                rc = post1(p, 'T', it->type, side,
                           text_hash(match_term_str(d, &tv[w][j]), tv[w][j].len));
        for (uint32_t j = 0; rc == 0 && j < it->n_sectors; j++) {
            static const size_t lens[] = {1, 3, 4, 5}; /* section, division, group, class */
            size_t n = strnlen(sec[j].code, MATCH_SECTOR_MAX);

            for (size_t l = 0; rc == 0 && l < SM_ARRAY_SIZE(lens) && lens[l] <= n; l++)
                rc = post1(p, 'S', it->type, side, text_hash(sec[j].code, lens[l]));
        }
    }
    return rc;
}

static void stats_add(struct index_stats *s, const struct match_doc *d, int sign)
{
    uint64_t item_len = 0;

    for (uint32_t i = 0; i < match_doc_n_items(d); i++)
        item_len += match_doc_item(d, i)->len;
    if (sign > 0) {
        s->n_docs++;
        s->n_items += match_doc_n_items(d);
        s->sum_item_len += item_len;
        s->sum_doc_len += d->len;
    } else {
        s->n_docs -= SM_MIN(s->n_docs, 1);
        s->n_items -= SM_MIN(s->n_items, match_doc_n_items(d));
        s->sum_item_len -= SM_MIN(s->sum_item_len, item_len);
        s->sum_doc_len -= SM_MIN(s->sum_doc_len, d->len);
    }
}

/* docid's meta: in "ix_dmeta" now, in memory once the transaction commits (docmeta.h). */
static int meta_put(struct index *ix, struct store_txn *t, uint32_t docid,
                    const struct match_doc *d, const char *zone, size_t zone_len, bool fresh)
{
    struct match_meta m;
    MDB_val k = {sizeof(docid), &docid}, v = {sizeof(m), &m};
    int mrc;

    match_doc_meta(d, &m);
    m.zone = zone_len ? match_meta_zone(zone, zone_len) : 0;
    mrc = mdb_put(store_txn_mdb(t), ix->dmdb, &k, &v, fresh ? MDB_APPEND : 0);
    if (mrc == MDB_KEYEXIST && fresh)
        mrc = mdb_put(store_txn_mdb(t), ix->dmdb, &k, &v, 0);
    mrc = store_txn_check(t, mrc, "put doc meta");
    return mrc ? mrc : dmeta_stage(&ix->dm, docid, &m);
}

static int meta_del(struct index *ix, struct store_txn *t, uint32_t docid)
{
    MDB_val k = {sizeof(docid), &docid};
    int mrc = mdb_del(store_txn_mdb(t), ix->dmdb, &k, NULL);

    mrc = store_txn_check(t, mrc == MDB_NOTFOUND ? 0 : mrc, "delete doc meta");
    return mrc ? mrc : dmeta_stage(&ix->dm, docid, NULL);
}

/* Remove docid's postings, doc record and statistics (its id mapping stays). */
static int unindex(struct index *ix, struct store_txn *t, uint32_t docid, struct index_stats *s)
{
    struct poster p = {ix, t, docid, true};
    struct match_doc *d = NULL;
    MDB_val k = {sizeof(docid), &docid};
    int rc = doc_get(ix, t, docid, &d, NULL, NULL);

    if (rc)
        return rc;
    rc = post_doc(&p, d);
    if (rc == 0)
        rc = store_txn_check(t, mdb_del(store_txn_mdb(t), ix->docs, &k, NULL), "delete doc");
    if (rc == 0)
        rc = meta_del(ix, t, docid);
    if (rc == 0)
        stats_add(s, d, -1);
    match_doc_destroy(&d);
    return rc;
}

/*
 * The stored form of d into b: its packed form (match_doc_pack; the built block itself in the
 * unlikely case it does not pack), as an LZ4 block when that is smaller. Packed and compressed,
 * a typical doc fits in an ordinary leaf page instead of overflow pages of its own.
 */
static int doc_encode(const struct index *ix, const struct match_doc *d, struct doc_bytes *b)
{
    /* Read once: the writer may publish the dictionary while a helper encodes (dict_set). */
    const LZ4_stream_t *dict = __atomic_load_n(&ix->dict.stream, __ATOMIC_ACQUIRE);
    const void *src = d;
    size_t size = d->size;
    int rc, bound, n;

    free(b->packed);
    b->packed = NULL;
    rc = match_doc_pack(d, &b->packed, &size);
    if (rc == SM_ETOOLARGE)
        size = d->size;
    else if (rc)
        return rc;
    else
        src = b->packed;
    b->body = src;
    b->len = size;
    b->raw = 0;
    b->dict = 0;
    if (size > LZ4_MAX_INPUT_SIZE)
        return 0;
    bound = LZ4_compressBound((int)size);
    if ((size_t)bound > b->zcap) {
        char *z = realloc(b->z, (size_t)bound);
        if (!z)
            return -ENOMEM;
        b->z = z;
        b->zcap = (size_t)bound;
    }
    if (dict) {
        /* A copy of the stream the dictionary was loaded into (LZ4's documented way). */
        LZ4_stream_t *ws = malloc(sizeof(*ws));

        if (!ws)
            return -ENOMEM;
        memcpy(ws, dict, sizeof(*ws));
        n = LZ4_compress_fast_continue(ws, src, b->z, (int)size, bound, 1);
        free(ws);
    } else {
        n = LZ4_compress_default(src, b->z, (int)size, bound);
    }
    if (n > 0 && (size_t)n < size) {
        b->body = b->z;
        b->len = (size_t)n;
        b->raw = (uint32_t)size;
        b->dict = dict ? 1 : 0;
    }
    return 0;
}

static void doc_bytes_release(struct doc_bytes *b)
{
    free(b->packed);
    free(b->z);
    memset(b, 0, sizeof(*b));
}

/* ---- prepared profiles ---------------------------------------------------------------------- */

/*
 * Prepared profiles. Analysing a profile (match_doc_build, packing, LZ4) is most of what the
 * writer thread does per profile, and needs nothing from the transaction. So before an import
 * puts its profiles, store_prepare hands them to index_prepare, which analyses them on a few
 * helper threads and on the writer itself; the hook then only writes. A prepared doc is keyed
 * by the profile's address, valid until store_prepare_end (the request's end, on every path).
 * A profile not prepared, or whose analysis failed, is analysed by the hook as before.
 */
static void prep_one(const struct index *ix, struct prep *pr)
{
    struct text_analyzer *a = index_analyzer();

    pr->rc = a ? match_doc_build(a, pr->p, &pr->d) : -ENOMEM;
    if (pr->rc == 0)
        pr->rc = doc_encode(ix, pr->d, &pr->b);
}

/* The first pending prep, now taken by the caller, or NULL if none is left. Under pp->mu. */
static struct prep *pool_take(struct prep_pool *pp)
{
    while (pp->next < pp->n && pp->v[pp->next].state != PREP_PENDING)
        pp->next++;
    if (pp->next >= pp->n)
        return NULL;
    pp->v[pp->next].state = PREP_TAKEN;
    return &pp->v[pp->next++];
}

/* A helper thread: take the next pending prep, in order, until told to stop. */
static void *prep_main(void *arg)
{
    struct prep_pool *pp = arg;

    pthread_mutex_lock(&pp->mu);
    for (;;) {
        struct prep *pr = pp->stop ? NULL : pool_take(pp);

        if (pp->stop)
            break;
        if (!pr) {
            pthread_cond_wait(&pp->work, &pp->mu);
            continue;
        }
        pp->active++;
        pthread_mutex_unlock(&pp->mu);
        prep_one(pp->ix, pr);
        pthread_mutex_lock(&pp->mu);
        pr->state = PREP_DONE;
        pp->active--;
        pthread_cond_broadcast(&pp->done);
    }
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

/* Helper threads: one fewer than the CPUs (the writer works too), 1 to PREP_THREADS_MAX. */
static int pool_start(struct prep_pool *pp, const struct index *ix)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned want = cpus > 1 ? (unsigned)SM_MIN(cpus - 1, (long)PREP_THREADS_MAX) : 1;

    memset(pp, 0, sizeof(*pp));
    pp->ix = ix;
    if (pthread_mutex_init(&pp->mu, NULL))
        return -ENOMEM;
    if (pthread_cond_init(&pp->work, NULL)) {
        pthread_mutex_destroy(&pp->mu);
        return -ENOMEM;
    }
    if (pthread_cond_init(&pp->done, NULL)) {
        pthread_cond_destroy(&pp->work);
        pthread_mutex_destroy(&pp->mu);
        return -ENOMEM;
    }
    for (; pp->n_th < want; pp->n_th++)
        if (pthread_create(&pp->th[pp->n_th], NULL, prep_main, pp))
            break; /* fewer helpers (or none: the writer prepares alone) */
    return 0;
}

static void pool_stop(struct prep_pool *pp)
{
    pthread_mutex_lock(&pp->mu);
    pp->stop = true;
    pthread_cond_broadcast(&pp->work);
    pthread_mutex_unlock(&pp->mu);
    for (unsigned i = 0; i < pp->n_th; i++)
        pthread_join(pp->th[i], NULL);
    pthread_cond_destroy(&pp->done);
    pthread_cond_destroy(&pp->work);
    pthread_mutex_destroy(&pp->mu);
}

static void on_prepare_end(void *user)
{
    struct index *ix = user;
    struct prep_pool *pp = &ix->pool;

    if (ix->pool_on) {
        /* No new takes; wait for the helpers' preps in progress before freeing them. */
        pthread_mutex_lock(&pp->mu);
        pp->n = pp->next = 0;
        pp->v = NULL;
        while (pp->active)
            pthread_cond_wait(&pp->done, &pp->mu);
        pthread_mutex_unlock(&pp->mu);
    }
    for (size_t i = 0; i < ix->n_prep; i++) {
        match_doc_destroy(&ix->prep[i].d);
        doc_bytes_release(&ix->prep[i].b);
    }
    free(ix->prep);
    ix->prep = NULL;
    ix->n_prep = ix->prep_cursor = 0;
}

/*
 * Hand the profiles to the helper threads and return at once: the writer puts profile i as soon
 * as its prep is done (prep_find), while the helpers go on with the next ones. Without helpers
 * nothing is prepared ahead (the hook analyses each profile as it comes).
 */
static void on_prepare(struct profile *const *v, size_t n, void *user)
{
    struct index *ix = user;
    struct prep_pool *pp = &ix->pool;

    on_prepare_end(ix);
    if (n < PREP_MIN || !ix->pool_on || pp->n_th == 0)
        return;
    ix->prep = calloc(n, sizeof(*ix->prep));
    if (!ix->prep)
        return; /* the hook analyses them itself */
    for (size_t i = 0; i < n; i++)
        ix->prep[i].p = v[i];
    ix->n_prep = n;
    pthread_mutex_lock(&pp->mu);
    pp->v = ix->prep;
    pp->n = n;
    pp->next = 0;
    pthread_cond_broadcast(&pp->work);
    pthread_mutex_unlock(&pp->mu);
}

/*
 * The prepared doc of p, if any, once ready: puts come in the order the profiles were prepared.
 * A prep no helper has taken yet is done here, by the writer, so it never waits behind the
 * helpers' queue; and while a helper finishes the one it needs, the writer prepares the next
 * pending ones instead of sleeping. (It slept: at 1M profiles a third of the writer's time went
 * to waiting in here while a core was idle, and the import ran at 1.4 of the 2 cores.)
 */
static struct prep *prep_find(struct index *ix, const struct profile *p)
{
    struct prep_pool *pp = &ix->pool;
    struct prep *pr = NULL;
    bool mine = false;

    if (ix->prep_cursor < ix->n_prep && ix->prep[ix->prep_cursor].p == p)
        pr = &ix->prep[ix->prep_cursor++];
    for (size_t i = 0; !pr && i < ix->n_prep; i++)
        if (ix->prep[i].p == p)
            pr = &ix->prep[i];
    if (!pr)
        return NULL;
    pthread_mutex_lock(&pp->mu);
    if (pr->state == PREP_PENDING) {
        pr->state = PREP_TAKEN;
        mine = true;
    }
    while (!mine && pr->state != PREP_DONE) {
        struct prep *other = pool_take(pp);

        if (!other) {
            pthread_cond_wait(&pp->done, &pp->mu);
            continue;
        }
        pthread_mutex_unlock(&pp->mu);
        prep_one(ix, other);
        pthread_mutex_lock(&pp->mu);
        other->state = PREP_DONE;
    }
    pthread_mutex_unlock(&pp->mu);
    if (mine) {
        prep_one(ix, pr);
        pthread_mutex_lock(&pp->mu);
        pr->state = PREP_DONE;
        pthread_mutex_unlock(&pp->mu);
    }
    return pr;
}

/*
 * Compression dictionary. A packed doc is mostly its terms' strings, and profiles share their
 * vocabulary: LZ4 with a 64 KiB dictionary made of recent docs stores a generated doc in ~680
 * bytes instead of ~1,010. The dictionary (id 1, ix_meta "lz4dict1") is built once, on the
 * writer, when DICT_MIN docs are indexed: the packed bytes of the newest docs, newest last (LZ4
 * reaches 64 KiB back). Records name it in the high 16 bits of their first u32 (0: none), so
 * records from before it stay readable. Every transaction that writes a record with it makes
 * sure the dictionary is in the database in that same transaction, so an undone transaction
 * can never leave records that name a missing dictionary.
 */
/* Make bytes (owned from now on) the dictionary, or keep one a reader loaded meanwhile. */
static int dict_set(struct index *ix, char *bytes, size_t len)
{
    struct dict *dc = &ix->dict;
    LZ4_stream_t *stream = LZ4_createStream();

    if (!stream) {
        free(bytes);
        return -ENOMEM;
    }
    pthread_mutex_lock(&dc->mu);
    if (dc->bytes) {
        free(bytes); /* the same bytes, read back from the database */
    } else {
        dc->len = len;
        __atomic_store_n(&dc->bytes, bytes, __ATOMIC_RELEASE);
    }
    LZ4_loadDict(stream, dc->bytes, (int)dc->len);
    __atomic_store_n(&dc->stream, stream, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&dc->mu);
    return 0;
}

static int dict_build(struct index *ix, struct store_txn *t)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    char *buf = malloc(DICT_MAX), *out;
    size_t used = 0;
    int rc, mrc;

    if (!buf)
        return -ENOMEM;
    rc = store_txn_check(t, mdb_cursor_open(store_txn_mdb(t), ix->docs, &cur), "open docs cursor");
    /* Newest first, each placed before the ones already taken: the newest end up last. */
    for (mrc = rc ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_LAST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
        const char *body;
        size_t len;

        if (record_body(ix, t, &v, &body, &len, NULL, NULL) != 0 || len > DICT_MAX - used)
            break;
        memcpy(buf + DICT_MAX - used - len, body, len);
        used += len;
    }
    if (cur)
        mdb_cursor_close(cur);
    if (rc || used < 4096) {
        free(buf);
        return rc; /* too few bytes to be worth it: tried again at the next doc */
    }
    out = malloc(used);
    if (!out) {
        free(buf);
        return -ENOMEM;
    }
    memcpy(out, buf + DICT_MAX - used, used);
    free(buf);
    rc = dict_set(ix, out, used);
    if (rc == 0)
        log_info("index: doc compression dictionary built from %zu bytes of recent docs", used);
    return rc;
}

/*
 * The dictionary is in t's view of ix_meta, written there now if not. Checked once per batch:
 * comparing its 64 KiB for every doc was 2 % of an import's writer.
 */
static int dict_persist(struct index *ix, struct store_txn *t)
{
    MDB_val k = {sizeof(key_dict) - 1, (void *)key_dict}, v;
    int mrc;

    if (ix->dict_checked)
        return 0;
    mrc = mdb_get(store_txn_mdb(t), ix->meta, &k, &v);
    if (mrc == 0) {
        /* Records name the dictionary by id only: the stored one must be the one in use. */
        if (v.mv_size != ix->dict.len || memcmp(v.mv_data, ix->dict.bytes, v.mv_size) != 0) {
            log_error("index: stored doc dictionary differs from the one in use");
            return SM_ESTORE;
        }
        /*
         * Found, so stored by an earlier batch or by a nested transaction already merged into
         * this one, unless by this very nested transaction: then it is undone with it, and the
         * rollback hook clears the flag.
         */
        ix->dict_checked = true;
        return 0;
    }
    if (mrc != MDB_NOTFOUND)
        return store_txn_check(t, mrc, "get doc dictionary");
    v.mv_size = ix->dict.len;
    v.mv_data = ix->dict.bytes;
    return store_txn_check(t, mdb_put(store_txn_mdb(t), ix->meta, &k, &v, 0), "put doc dictionary");
}

/* Analyse p (or take its prepared doc), write its doc record and postings under docid. */
static int index_profile(struct index *ix, struct store_txn *t, const struct profile *p,
                         uint32_t docid, bool fresh, struct index_stats *s)
{
    struct poster pst = {ix, t, docid, false};
    struct prep *pr = prep_find(ix, p);
    struct match_doc *d = NULL;
    struct doc_bytes *db = &ix->wb;
    size_t zl = p->zone ? strnlen(p->zone, INDEX_ZONE_MAX + 1) : 0, head;
    MDB_val k = {sizeof(docid), &docid}, v;
    int rc, mrc;

    if (zl > INDEX_ZONE_MAX)
        zl = 0; /* a validated profile never has one: such a zone is simply not filterable */
    if (!ix->dict.stream && s->n_docs >= DICT_MIN) {
        /* One stored already (not loaded at open): use it; else build one. */
        rc = dict_get(ix, t) ? dict_set(ix, NULL, 0) : dict_build(ix, t);
        if (rc)
            return rc;
    }
    if (pr && pr->rc == 0 && pr->d) {
        d = pr->d;
        pr->d = NULL;
        db = &pr->b;
    } else {
        struct text_analyzer *a = index_analyzer();

        if (!a)
            return -ENOMEM;
        rc = match_doc_build(a, p, &d);
        if (rc)
            return rc;
        rc = doc_encode(ix, d, db);
        if (rc)
            goto out;
    }
    if (db->dict) {
        rc = dict_persist(ix, t);
        if (rc)
            goto out;
    }
    head = 8 + ((zl + 7) & ~(size_t)7);
    v.mv_size = head + db->len;
    v.mv_data = NULL;
    /*
     * MDB_RESERVE: write the record in place, no staging copy. A new docid is the largest yet:
     * MDB_APPEND fills leaf pages instead of splitting them in half.
     */
    mrc = mdb_put(store_txn_mdb(t), ix->docs, &k, &v, MDB_RESERVE | (fresh ? MDB_APPEND : 0));
    if (mrc == MDB_KEYEXIST && fresh) {
        v.mv_size = head + db->len;
        mrc = mdb_put(store_txn_mdb(t), ix->docs, &k, &v, MDB_RESERVE);
    }
    rc = store_txn_check(t, mrc, "put doc");
    if (rc == 0) {
        uint32_t zl32 = (uint32_t)zl | db->dict << 16;
        char *o = v.mv_data;

        memset(o, 0, head);
        memcpy(o, &zl32, 4);
        memcpy(o + 4, &db->raw, 4);
        if (zl)
            memcpy(o + 8, p->zone, zl);
        memcpy(o + head, db->body, db->len);
        rc = post_doc(&pst, d);
    }
    if (rc == 0)
        rc = meta_put(ix, t, docid, d, p->zone, zl, fresh);
out:
    if (rc == 0)
        stats_add(s, d, +1);
    match_doc_destroy(&d);
    return rc;
}

static int on_profile_changed(struct store_txn *t, const struct profile *old,
                              const struct profile *new_p, void *user)
{
    struct index *ix = user;
    const char *id = new_p ? new_p->id : old->id;
    MDB_val k = {strlen(id), (void *)id}, v;
    struct index_stats s;
    uint32_t docid = 0;
    bool known;
    int rc;

    rc = stats_get(ix, t, &s);
    if (rc)
        return rc;
    rc = mdb_get(store_txn_mdb(t), ix->ids, &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return store_txn_check(t, rc, "get docid");
    known = rc == 0 && v.mv_size == sizeof(docid);
    if (known) {
        memcpy(&docid, v.mv_data, sizeof(docid));
        rc = unindex(ix, t, docid, &s);
        if (rc)
            return rc;
    }
    if (new_p) {
        if (!known) {
            if (s.next_docid == UINT32_MAX)
                return sm_error_set(NULL, SM_ESTORE, "", "index: docids exhausted");
            docid = s.next_docid++;
            v.mv_size = sizeof(docid);
            v.mv_data = &docid;
            rc = store_txn_check(t, mdb_put(store_txn_mdb(t), ix->ids, &k, &v, 0), "put docid");
            if (rc)
                return rc;
        }
        rc = index_profile(ix, t, new_p, docid, !known, &s);
    } else if (known) {
        rc = store_txn_check(t, mdb_del(store_txn_mdb(t), ix->ids, &k, NULL), "delete docid");
    }
    if (rc == 0)
        rc = stats_put(ix, t, &s);
    return rc;
}

/* ---- start-up build -------------------------------------------------------------------------- */

struct build {
    struct index *ix;
    MDB_dbi profiles;
    char last[PROFILE_ID_MAX];
    size_t last_len;
    uint64_t done, batch_done;
    bool finished;
};

/* Index up to BUILD_BATCH profiles after b->last, in one write transaction (re-runnable). */
static int build_batch(struct store_txn *t, void *arg)
{
    struct build *b = arg;
    MDB_cursor *cur = NULL;
    MDB_val k = {b->last_len, b->last}, v;
    char last[PROFILE_ID_MAX];
    size_t last_len = b->last_len;
    uint64_t n = 0;
    int rc, mrc;

    memcpy(last, b->last, b->last_len);
    b->batch_done = 0;
    b->finished = false;
    rc = store_txn_check(t, mdb_cursor_open(store_txn_mdb(t), b->profiles, &cur), "open cursor");
    if (rc)
        return rc;
    mrc = mdb_cursor_get(cur, &k, &v, b->last_len ? MDB_SET_RANGE : MDB_FIRST);
    if (mrc == 0 && b->last_len && k.mv_size == b->last_len &&
        memcmp(k.mv_data, b->last, b->last_len) == 0)
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    /* n counts the profiles indexed: skipped ones cost no write. */
    while (mrc == 0 && n < BUILD_BATCH) {
        struct profile p;

        if (k.mv_size > PROFILE_ID_MAX) {
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            continue;
        }
        memcpy(last, k.mv_data, k.mv_size);
        last_len = k.mv_size;
        /* Indexed already (a build stopped midway resumes): skip. */
        {
            MDB_val ik = k, iv;
            int irc = mdb_get(store_txn_mdb(t), b->ix->ids, &ik, &iv);

            if (irc == 0) {
                mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
                continue;
            }
            if (irc != MDB_NOTFOUND) {
                rc = store_txn_check(t, irc, "get docid");
                goto out;
            }
        }
        /* Plain or compressed: the store knows its record format. */
        rc = store_profile_decode(t, v.mv_data, v.mv_size, &p);
        if (rc) {
            log_warn("index: skipping damaged profile %.*s", (int)k.mv_size, (char *)k.mv_data);
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            continue;
        }
        /* The hook's own path: the cursor stays valid across writes to other databases. */
        rc = on_profile_changed(t, NULL, &p, b->ix);
        profile_release(&p);
        if (rc)
            goto out;
        n++;
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (mrc && mrc != MDB_NOTFOUND) {
        rc = store_txn_check(t, mrc, "scan profiles");
        goto out;
    }
    b->finished = mrc == MDB_NOTFOUND;
    b->batch_done = n;
    memcpy(b->last, last, last_len);
    rc = 0;
out:
    mdb_cursor_close(cur);
    if (rc == 0)
        b->last_len = last_len;
    return rc;
}

static int build_all(struct index *ix, uint64_t total)
{
    struct build b = {.ix = ix};
    uint64_t start = sm_now_ms(), next_log = start + 2000;
    int rc;

    rc = store_dbi_open(ix->st, "profiles", 0, &b.profiles);
    if (rc)
        return rc;
    log_info("index: indexing %" PRIu64 " profiles not in the matching index yet", total);
    do {
        rc = store_write(ix->st, build_batch, &b);
        if (rc)
            return rc;
        b.done += b.batch_done;
        if (sm_now_ms() >= next_log) {
            log_info("index: %" PRIu64 " of %" PRIu64 " profiles indexed", b.done, total);
            next_log = sm_now_ms() + 2000;
        }
    } while (!b.finished);
    log_info("index: %" PRIu64 " profiles indexed in %.1f s", b.done,
             (double)(sm_now_ms() - start) / 1000.0);
    return 0;
}

/* ---- the docs' meta at open ------------------------------------------------------------------ */

/* "ix_dmeta" made again from the docs (a database from before it, or one that disagrees). */
static int meta_rebuild(struct store_txn *t, void *arg)
{
    struct index *ix = arg;
    MDB_txn *txn = store_txn_mdb(t);
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc, mrc;

    rc = store_txn_check(t, mdb_drop(txn, ix->dmdb, 0), "clear doc meta");
    if (rc == 0)
        rc = store_txn_check(t, mdb_cursor_open(txn, ix->docs, &cur), "open cursor");
    for (mrc = rc ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        struct match_doc *d = NULL;
        struct match_meta m;
        const char *blob, *zone;
        size_t blob_len, zone_len;
        MDB_val mv = {sizeof(m), &m};

        if (k.mv_size != sizeof(uint32_t))
            continue;
        rc = record_body(ix, t, &v, &blob, &blob_len, &zone, &zone_len);
        if (rc == 0)
            rc = match_doc_load(blob, blob_len, &d);
        if (rc == SM_EBADREQ || rc == SM_ESTORE) {
            /* Its queries fail loudly when they load it; here it just has no meta. */
            log_warn("index: damaged doc record %u skipped", *(const uint32_t *)k.mv_data);
            rc = 0;
            continue;
        }
        if (rc)
            break;
        match_doc_meta(d, &m);
        m.zone = zone_len ? match_meta_zone(zone, zone_len) : 0;
        match_doc_destroy(&d);
        rc = store_txn_check(t, mdb_put(txn, ix->dmdb, &k, &mv, MDB_APPEND), "put doc meta");
    }
    if (rc == 0 && mrc != MDB_NOTFOUND)
        rc = store_txn_check(t, mrc, "scan docs");
    mdb_cursor_close(cur);
    return rc;
}

/* Entries of "ix_docs" and "ix_dmeta" in one snapshot. */
static int meta_counts(struct index *ix, size_t *docs, size_t *metas)
{
    struct store_txn t;
    MDB_stat a, b;
    int rc;

    store_read_init(ix->st, &t);
    rc = store_read_begin(&t);
    if (rc == 0) {
        rc = store_txn_check(&t, mdb_stat(store_txn_mdb(&t), ix->docs, &a), "stat docs");
        if (rc == 0)
            rc = store_txn_check(&t, mdb_stat(store_txn_mdb(&t), ix->dmdb, &b), "stat doc meta");
        store_read_end(&t);
    }
    store_read_release(&t);
    *docs = rc ? 0 : a.ms_entries;
    *metas = rc ? 0 : b.ms_entries;
    return rc;
}

/* Fill the in-memory table from "ix_dmeta"; *bad: its records not of this engine's format. */
static int meta_fill(struct index *ix, size_t *loaded, size_t *bad)
{
    struct store_txn t;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc, mrc;

    *loaded = *bad = 0;
    store_read_init(ix->st, &t);
    rc = store_read_begin(&t);
    if (rc == 0)
        rc = store_txn_check(&t, mdb_cursor_open(store_txn_mdb(&t), ix->dmdb, &cur), "open cursor");
    for (mrc = rc ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        struct match_meta m;
        uint32_t docid;

        if (k.mv_size != sizeof(docid) || v.mv_size != sizeof(m)) {
            (*bad)++;
            continue;
        }
        memcpy(&docid, k.mv_data, sizeof(docid));
        memcpy(&m, v.mv_data, sizeof(m));
        rc = dmeta_set(&ix->dm, docid, &m);
        (*loaded)++;
    }
    if (rc == 0 && mrc != MDB_NOTFOUND)
        rc = store_txn_check(&t, mrc, "scan doc meta");
    if (cur)
        mdb_cursor_close(cur);
    store_read_end(&t);
    store_read_release(&t);
    return rc;
}

/*
 * The in-memory meta, from "ix_dmeta"; made again from the docs first when it does not match
 * them (a database from before it, or records of another format).
 */
static int meta_load(struct index *ix)
{
    size_t n_docs, n_metas, loaded = 0, bad = 0;
    uint64_t start = sm_now_ms();
    int rc = meta_counts(ix, &n_docs, &n_metas);

    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        if (n_docs != n_metas || bad) {
            log_info("index: making the meta of %zu docs (%zu found, %zu of another format)",
                     n_docs, n_metas, bad);
            rc = store_write(ix->st, meta_rebuild, ix);
            if (rc)
                return rc;
            log_info("index: doc meta made in %.1f s", (double)(sm_now_ms() - start) / 1000.0);
            n_metas = n_docs;
        }
        rc = meta_fill(ix, &loaded, &bad);
        if (rc || !bad)
            break;
    }
    if (rc == 0 && loaded >= 100000)
        log_info("index: meta of %zu docs loaded in %.1f s", loaded,
                 (double)(sm_now_ms() - start) / 1000.0);
    return rc;
}

/* ---- open and close -------------------------------------------------------------------------- */

/* Everything ix owns, helpers first (a prep in progress reads the dictionary). */
static void index_free(struct index *ix)
{
    on_prepare_end(ix);
    if (ix->pool_on)
        pool_stop(&ix->pool);
    free(ix->buf.v);
    free(ix->buf.tmp);
    free(ix->buf.hist);
    doc_bytes_release(&ix->wb);
    free(ix->dict.bytes);
    dmeta_free(&ix->dm);
    if (ix->dict.stream)
        LZ4_freeStream(ix->dict.stream);
    pthread_mutex_destroy(&ix->dict.mu);
    free(ix);
}

/* Empty every index database, and delete format 1's "ix_post": build_all makes them again. */
static int drop_all(struct store_txn *t, void *arg)
{
    struct index *ix = arg;
    MDB_txn *txn = store_txn_mdb(t);
    const MDB_dbi dbs[] = {ix->docs, ix->ids, ix->meta, ix->dmdb};
    MDB_dbi old;
    int mrc = mdb_dbi_open(txn, "ix_post", 0, &old), rc;

    if (mrc == 0)
        mrc = mdb_drop(txn, old, 1);
    rc = store_txn_check(t, mrc == MDB_NOTFOUND ? 0 : mrc, "delete ix_post");
    for (size_t i = 0; rc == 0 && i < SM_ARRAY_SIZE(dbs); i++)
        rc = store_txn_check(t, mdb_drop(txn, dbs[i], 0), "clear the index");
    return rc ? rc : postings_clear(&ix->post, t);
}

/*
 * An index of an older format (version 1: one LMDB duplicate per posting in "ix_post") is
 * dropped and built again from the profiles, which are the truth: docids are the index's own,
 * nothing else keeps them. So is one where "ix_post" exists next to a version 2 corpus record:
 * a format-1 binary opened it since (it knew no versions), wrote its postings there and left
 * the lists stale. A newer format is refused, not dropped. Only at open, before any reader.
 */
static int upgrade(struct index *ix)
{
    struct store_txn t;
    struct index_stats s;
    MDB_dbi old;
    int rc, mrc = MDB_NOTFOUND;

    store_read_init(ix->st, &t);
    rc = store_read_begin(&t);
    if (rc == 0) {
        rc = stats_get(ix, &t, &s);
        if (rc == 0)
            mrc = mdb_dbi_open(store_txn_mdb(&t), "ix_post", 0, &old);
        store_read_end(&t);
    }
    store_read_release(&t);
    if (rc)
        return rc;
    if (s.version > INDEX_VERSION) {
        log_error("index: format %u is newer than this engine's (%u): use a newer engine",
                  s.version, INDEX_VERSION);
        return SM_ESTORE;
    }
    if (s.version == INDEX_VERSION && mrc == MDB_NOTFOUND)
        return 0;
    log_info("index: format %u found%s, rebuilding it as format %u from the stored profiles",
             s.version, mrc == 0 ? " with format 1 postings" : "", INDEX_VERSION);
    return store_write(ix->st, drop_all, ix);
}

/* Open (create) the index's databases into ix. */
static int dbs_open(struct index *ix, struct store *st)
{
    int rc = store_dbi_open(st, "ix_docs", MDB_INTEGERKEY, &ix->docs);

    if (rc == 0)
        rc = store_dbi_open(st, "ix_ids", 0, &ix->ids);
    if (rc == 0)
        rc = store_dbi_open(st, "ix_dmeta", MDB_INTEGERKEY, &ix->dmdb);
    if (rc == 0)
        rc = postings_open(&ix->post, st);
    return rc ? rc : store_dbi_open(st, "ix_meta", 0, &ix->meta);
}

int index_drop(struct store *st)
{
    struct index ix = {.st = st}; /* only its databases: drop_all uses nothing else */
    int rc = dbs_open(&ix, st);

    if (rc == 0) {
        log_info("index: dropping it, to build it again from the stored profiles");
        rc = store_write(st, drop_all, &ix);
    }
    return rc;
}

int index_open(struct index **out, struct store *st)
{
    struct index *ix = calloc(1, sizeof(*ix));
    struct store_txn t;
    struct store_stats ss;
    struct index_stats is;
    int rc;

    *out = NULL;
    if (!ix)
        return -ENOMEM;
    if (pthread_mutex_init(&ix->dict.mu, NULL)) {
        free(ix);
        return -ENOMEM;
    }
    {
        static unsigned next_gen;

        ix->gen = (uint16_t)__atomic_add_fetch(&next_gen, 1, __ATOMIC_RELAXED);
    }
    ix->st = st;
    rc = dbs_open(ix, st);
    /* Before the hooks: an index that fails to open leaves none behind in st. */
    if (rc == 0)
        rc = upgrade(ix);
    if (rc == 0)
        rc = dmeta_init(&ix->dm);
    if (rc == 0)
        rc =
            store_add_batch_hook(st, &(struct store_batch_hook){.begin = pbuf_begin,
                                                                .before_commit = pbuf_before_commit,
                                                                .savepoint = pbuf_savepoint,
                                                                .rollback = pbuf_rollback,
                                                                .idle = pbuf_idle,
                                                                .user = ix});
    if (rc == 0)
        rc = store_add_batch_hook(st, &(struct store_batch_hook){.begin = dm_begin,
                                                                 .savepoint = dm_savepoint,
                                                                 .rollback = dm_rollback,
                                                                 .end = dm_end,
                                                                 .user = ix});
    if (rc)
        goto fail;
    store_read_init(st, &t);
    rc = store_read_begin(&t);
    if (rc == 0) {
        rc = store_stats(&t, &ss);
        if (rc == 0)
            rc = stats_get(ix, &t, &is);
        /* A dictionary built before: the writer compresses with it from the start. */
        if (rc == 0 && dict_get(ix, &t))
            rc = dict_set(ix, NULL, 0); /* keeps the bytes just loaded, makes the stream */
        store_read_end(&t);
    }
    store_read_release(&t);
    if (rc)
        goto fail;
    /* Fewer docs than profiles: a database older than the index, or a build cut short. */
    if (is.n_docs < ss.profiles) {
        rc = build_all(ix, ss.profiles - is.n_docs);
        if (rc)
            goto fail;
    }
    rc = meta_load(ix);
    if (rc)
        goto fail;
    ix->pool_on = pool_start(&ix->pool, ix) == 0;
    rc = store_add_hook(st, &(struct store_hook){.profile_changed = on_profile_changed,
                                                 .user = ix,
                                                 .prepare = on_prepare,
                                                 .prepare_end = on_prepare_end});
    if (rc)
        goto fail;
    *out = ix;
    return 0;
fail:
    index_free(ix);
    return rc;
}

void index_close(struct index **pix)
{
    struct text_analyzer *a;

    if (!pix || !*pix)
        return;
    /* The opening thread's analyser (the build and tests use it): free it with the index. */
    pthread_once(&tls_once, tls_init);
    a = pthread_getspecific(tls_analyzer);
    if (a) {
        pthread_setspecific(tls_analyzer, NULL);
        text_analyzer_destroy(&a);
    }
    {
        const pthread_key_t keys[] = {tls_scratch, tls_kc, tls_dfc, tls_acc};

        for (size_t i = 0; i < SM_ARRAY_SIZE(keys); i++) {
            free(pthread_getspecific(keys[i]));
            pthread_setspecific(keys[i], NULL);
        }
    }
    index_free(*pix);
    *pix = NULL;
}

/* ---- queries: shared parts ------------------------------------------------------------------- */

/* One query's view: cursors, statistics, corpus and a df cache. */
struct qctx {
    struct index *ix;
    struct store_txn *t;
    struct post_reader pr; /* cursors NULL until opened: closing is always safe */
    struct post_iter it;   /* reading one list */
    struct index_stats s;
    struct score_corpus corpus;
    struct kc_slot *kc;   /* NULL in a write transaction */
    struct dfc_slot *dfc; /* likewise */
    uint64_t txn_id;
};

/* A damaged list counts as empty here (logged); reading it fails the query. */
static uint32_t key_count_read(struct qctx *q, const uint8_t key[KEY_LEN])
{
    uint32_t n;

    return postings_count(&q->pr, key, &n) == 0 ? n : 0;
}

static uint32_t key_count(struct qctx *q, const uint8_t key[KEY_LEN])
{
    uint64_t h, f;
    uint32_t tail;
    struct kc_slot *sl;

    if (!q->kc)
        return key_count_read(q, key);
    /* The key is a 64-bit term hash (bytes 4-11) under a 3-byte prefix: fold the prefix in. */
    memcpy(&h, key + 4, 8);
    memcpy(&tail, key, 4);
    f = h ^ ((uint64_t)tail * 0x9e3779b97f4a7c15ull);
    f = f ? f : 1;
    sl = &q->kc[(f ^ f >> 29) & (KC_SLOTS - 1)];
    if (sl->key == f && sl->txn == q->txn_id)
        return sl->count;
    sl->count = key_count_read(q, key);
    sl->key = f;
    sl->txn = q->txn_id;
    return sl->count;
}

/*
 * Document frequencies, per thread and snapshot like the key counts, but looked up by the
 * term's 32-bit hash the scorer already has (hashing the string again for every matched term of
 * every pair was a quarter of a leads query). The bytes are kept and compared, so a hit is
 * exact; terms longer than DFC_TERM_MAX bytes go to key_count directly.
 */
static uint32_t df_read(struct qctx *q, const char *term, size_t len)
{
    uint8_t key[KEY_LEN];

    make_key(key, 'A', 0, 0, text_hash(term, len));
    return key_count(q, key);
}

static uint32_t df_cb(void *ctx, const char *term, size_t len, uint32_t hash)
{
    struct qctx *q = ctx;
    struct dfc_slot *sl;

    if (!q->dfc || len > DFC_TERM_MAX)
        return df_read(q, term, len);
    sl = &q->dfc[(hash ^ (uint32_t)len * 0x9e3779b9u) & (DFC_SLOTS - 1)];
    if (sl->txn == q->txn_id && sl->hash == hash && sl->len == len && !memcmp(sl->s, term, len))
        return sl->df;
    sl->df = df_read(q, term, len);
    sl->txn = q->txn_id;
    sl->hash = hash;
    sl->len = (uint16_t)len;
    memcpy(sl->s, term, len);
    return sl->df;
}

static int qctx_open(struct qctx *q, struct index *ix, struct store_txn *t)
{
    int rc;

    memset(q, 0, sizeof(*q));
    q->ix = ix;
    q->t = t;
    if (t->rdonly) {
        q->kc = kc_get();
        q->dfc = dfc_get();
        /*
         * The caches are per thread, not per index: the tag is the snapshot's txn id with this
         * index's generation above it, so another environment at the same txn id misses.
         */
        q->txn_id = (uint64_t)ix->gen << 48 ^ (uint64_t)mdb_txn_id(store_txn_mdb(t));
    }
    rc = pbuf_sync(ix, t);
    if (rc)
        return rc;
    rc = stats_get(ix, t, &q->s);
    if (rc)
        return rc;
    rc = post_reader_open(&q->pr, &ix->post, t);
    if (rc)
        return rc;
    q->corpus.n_docs = q->s.n_docs;
    q->corpus.avg_len = q->s.n_items ? (double)q->s.sum_item_len / (double)q->s.n_items : 0;
    q->corpus.avg_doc_len = q->s.n_docs ? (double)q->s.sum_doc_len / (double)q->s.n_docs : 0;
    q->corpus.df = df_cb;
    q->corpus.ctx = q;
    return 0;
}

static void qctx_close(struct qctx *q)
{
    post_reader_close(&q->pr);
}

uint32_t index_df(struct index *ix, struct store_txn *t, const char *term, size_t len)
{
    return index_postings(ix, t, 'A', 0, 0, term, len);
}

uint32_t index_postings(struct index *ix, struct store_txn *t, char tag, unsigned type,
                        unsigned side, const char *term, size_t len)
{
    struct qctx *q = malloc(sizeof(*q));
    uint8_t key[KEY_LEN];
    uint32_t n = 0;

    if (!q)
        return 0;
    if (qctx_open(q, ix, t) == 0) {
        make_key(key, tag, type, side, text_hash(term, len));
        n = key_count(q, key);
    }
    qctx_close(q);
    free(q);
    return n;
}

struct cand {
    uint32_t docid;
    float w;  /* the postings' weight: A->B keys (leads), or the query's (search) */
    float wb; /* leads: the B->A keys' weight */
};

/*
 * Candidate accumulator: docid -> upper-bound weight, open addressing (docid 0 = empty), with
 * the slots used listed densely so that collecting them costs the candidates, not the table.
 */
struct acc_store;

struct acc {
    struct cand *slot;
    uint32_t *used;
    uint32_t mask, n;
    struct acc_store *store; /* the thread's table lent, or NULL (slot and used owned) */
};

/*
 * This thread's accumulator table, kept from one query to the next: a leads query uses up to
 * ~32,000 slots (384 KiB), and a table calloc'ed per query came from mmap, its page faults and
 * zeroing ~6 % of the query's CPU. Between queries every slot is empty again: a query clears
 * the ones it used (it lists them anyway).
 */
struct acc_store {
    uint32_t cap; /* slots */
    bool busy;    /* lent to an acc (a second one at once gets its own table) */
    struct cand *slot;
    uint32_t *used; /* cap / 2 + 1 */
};

static struct acc_store *acc_store_get(uint32_t cap)
{
    struct acc_store *as;
    size_t bytes = sizeof(*as) + (size_t)cap * sizeof(struct cand) +
                   (size_t)(cap / 2 + 1) * sizeof(uint32_t);

    pthread_once(&tls_once, tls_init);
    as = pthread_getspecific(tls_acc);
    if (as && (as->busy || as->cap >= cap))
        return as->busy ? NULL : as;
    free(as);
    pthread_setspecific(tls_acc, NULL);
    as = calloc(1, bytes); /* struct cand is 12 bytes: the slots stay 4-byte aligned */
    if (!as)
        return NULL;
    as->cap = cap;
    as->slot = (struct cand *)(as + 1);
    as->used = (uint32_t *)(as->slot + cap);
    if (pthread_setspecific(tls_acc, as)) {
        free(as);
        return NULL;
    }
    return as;
}

static int acc_init(struct acc *a, uint32_t expect)
{
    uint32_t cap = 64;

    while (cap < expect * 2u && cap < (1u << 30))
        cap <<= 1;
    a->store = acc_store_get(cap);
    if (a->store) {
        a->store->busy = true;
        a->slot = a->store->slot; /* its first cap slots, empty */
        a->used = a->store->used;
    } else {
        a->slot = calloc(cap, sizeof(*a->slot));
        a->used = malloc((size_t)(cap / 2 + 1) * sizeof(*a->used));
    }
    a->mask = cap - 1;
    a->n = 0;
    return a->slot && a->used ? 0 : -ENOMEM;
}

static void acc_release(struct acc *a)
{
    if (a->store) {
        for (uint32_t i = 0; i < a->n; i++)
            a->slot[a->used[i]].docid = 0;
        a->store->busy = false;
    } else {
        free(a->slot);
        free(a->used);
    }
    memset(a, 0, sizeof(*a));
}

/* Add w to docid; the caller keeps n at most half the capacity (the expect of acc_init). */
static inline void acc_add(struct acc *a, uint32_t docid, float w)
{
    uint32_t i = (docid * 2654435761u) & a->mask;

    while (a->slot[i].docid && a->slot[i].docid != docid)
        i = (i + 1) & a->mask;
    if (!a->slot[i].docid) {
        a->slot[i].docid = docid;
        a->slot[i].w = 0;
        a->slot[i].wb = 0;
        a->used[a->n++] = i;
    }
    a->slot[i].w += w;
}

struct qkey {
    uint8_t key[KEY_LEN];
    float w;
    uint32_t count;
    bool boost; /* only adds to candidates found by other keys (B->A evidence) */
};

static int qkey_cmp_key(const void *x, const void *y)
{
    return memcmp(((const struct qkey *)x)->key, ((const struct qkey *)y)->key, KEY_LEN);
}

/* Rarest first, then by key (deterministic). */
static int qkey_cmp_count(const void *x, const void *y)
{
    const struct qkey *a = x, *b = y;

    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    return memcmp(a->key, b->key, KEY_LEN);
}

struct qkeys {
    struct qkey *v;
    uint32_t n, cap;
};

static int qkeys_add(struct qkeys *k, char tag, unsigned type, unsigned side, uint64_t h, float w,
                     bool boost)
{
    if (k->n == k->cap) {
        uint32_t cap = k->cap ? k->cap * 2 : 64;
        struct qkey *v = realloc(k->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        k->v = v;
        k->cap = cap;
    }
    make_key(k->v[k->n].key, tag, type, side, h);
    k->v[k->n].w = w;
    k->v[k->n].count = 0;
    k->v[k->n].boost = boost;
    k->n++;
    return 0;
}

/* Sort, merge duplicates (keeping the larger weight), count postings, drop empty keys. */
static void qkeys_prepare(struct qkeys *k, struct qctx *q)
{
    uint32_t o = 0;

    if (k->n == 0)
        return;
    qsort(k->v, k->n, sizeof(*k->v), qkey_cmp_key);
    for (uint32_t i = 0; i < k->n; i++) {
        if (o && memcmp(k->v[o - 1].key, k->v[i].key, KEY_LEN) == 0) {
            /* Negative weights are factors of an idf still to come (qkeys_weigh). */
            k->v[o - 1].w =
                k->v[i].w < 0 ? SM_MIN(k->v[o - 1].w, k->v[i].w) : SM_MAX(k->v[o - 1].w, k->v[i].w);
            k->v[o - 1].boost = k->v[o - 1].boost && k->v[i].boost;
            continue;
        }
        k->v[i].count = key_count(q, k->v[i].key);
        if (k->v[i].count)
            k->v[o++] = k->v[i];
    }
    k->n = o;
    qsort(k->v, k->n, sizeof(*k->v), qkey_cmp_count);
}

/* Add w to docid's B->A weight if it is a candidate already. */
static inline void acc_boost(struct acc *a, uint32_t docid, float w)
{
    uint32_t i = (docid * 2654435761u) & a->mask;

    while (a->slot[i].docid && a->slot[i].docid != docid)
        i = (i + 1) & a->mask;
    if (a->slot[i].docid)
        a->slot[i].wb += w;
}

/*
 * Read the postings of the keys into acc, rarest first, within the budgets: first the keys that
 * find candidates, then the boost keys that only add to them.
 */
static int accumulate(struct qctx *q, struct qkeys *k, struct acc *a)
{
    uint64_t total = 0;
    int rc;

    for (uint32_t i = 0; i < k->n; i++)
        if (!k->v[i].boost)
            total += SM_MIN(k->v[i].count, KEY_CAP);
    rc = acc_init(a, (uint32_t)SM_MIN(total, (uint64_t)POSTINGS_BUDGET));
    if (rc)
        return rc;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t budget = pass ? BOOST_BUDGET : POSTINGS_BUDGET;

        for (uint32_t i = 0; i < k->n && budget; i++) {
            uint32_t want = SM_MIN(SM_MIN(k->v[i].count, (uint32_t)KEY_CAP), budget), got = 0;
            float w = k->v[i].w;
            const uint32_t *ids;
            size_t n;

            if (k->v[i].boost != (pass == 1) || want == 0)
                continue;
            rc = post_iter_begin(&q->it, &q->pr, k->v[i].key);
            /* Oldest docids first, a block (up to POST_BLOCK) at a time. */
            while (rc == 0 && got < want && (rc = post_iter_next(&q->it, &ids, &n)) == 0 && n) {
                n = SM_MIN(n, (size_t)(want - got));
                if (pass)
                    for (size_t j = 0; j < n; j++)
                        acc_boost(a, ids[j], w);
                else
                    for (size_t j = 0; j < n; j++)
                        acc_add(a, ids[j], w);
                got += (uint32_t)n;
            }
            if (rc)
                return rc;
            budget -= got;
        }
    }
    return 0;
}

static int cand_cmp(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;

    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    return a->docid < b->docid ? -1 : a->docid > b->docid;
}

static inline bool cand_before(const struct cand *a, const struct cand *b)
{
    return a->w > b->w || (a->w == b->w && a->docid < b->docid);
}

/*
 * Put the best k of v[0..n) first (in no order): quickselect. The order is total (docid breaks
 * ties), so the set chosen does not depend on the algorithm: deterministic.
 */
static void select_top_qs(struct cand *v, uint32_t n, uint32_t k)
{
    uint32_t lo = 0, hi = n;

    while (hi - lo > 1 && k > lo && k < hi) {
        struct cand pivot = v[lo + (hi - lo) / 2], t;
        uint32_t i = lo, lt = lo, gt = hi;

        /* Three-way partition: [lo, lt) before pivot, [lt, gt) equal, [gt, hi) after. */
        while (i < gt) {
            if (cand_before(&v[i], &pivot)) {
                t = v[lt], v[lt] = v[i], v[i] = t;
                lt++, i++;
            } else if (cand_before(&pivot, &v[i])) {
                gt--;
                t = v[gt], v[gt] = v[i], v[i] = t;
            } else {
                i++;
            }
        }
        if (k <= lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return;
    }
}

/* Sift h[i] down the heap h[0..k) whose root is its worst (the last in rank order). */
static void heap_down(struct cand *h, uint32_t k, uint32_t i)
{
    struct cand x = h[i];

    for (;;) {
        uint32_t c = 2 * i + 1;

        if (c >= k)
            break;
        if (c + 1 < k && cand_before(&h[c], &h[c + 1]))
            c++; /* the worse child */
        if (!cand_before(&x, &h[c]))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

#define SELECT_HEAP_MAX 1024 /* k kept on the stack; a larger k (deep pages) uses quickselect */

/*
 * Put the best k of v[0..n) first (in no order). A heap holds the best k seen so far, its worst
 * at the root: most candidates lose to that one at once, a single well-predicted comparison,
 * where quickselect moved every candidate around (it was 7 % of a leads query at 1M). Then one
 * pass moves the k that rank at or before the k-th best to the front. The order is total (docid
 * breaks ties), so the set chosen is the same as quickselect's: deterministic.
 */
static void select_top(struct cand *v, uint32_t n, uint32_t k)
{
    struct cand h[SELECT_HEAP_MAX], kth, t;
    uint32_t o = 0;

    if (k == 0 || k >= n)
        return;
    if (k > SELECT_HEAP_MAX) {
        select_top_qs(v, n, k);
        return;
    }
    memcpy(h, v, k * sizeof(*h));
    for (uint32_t i = k / 2; i-- > 0;)
        heap_down(h, k, i);
    for (uint32_t i = k; i < n; i++)
        if (cand_before(&v[i], &h[0])) {
            h[0] = v[i];
            heap_down(h, k, 0);
        }
    kth = h[0];
    for (uint32_t i = 0; i < n; i++)
        if (!cand_before(&kth, &v[i])) {
            t = v[o], v[o] = v[i], v[i] = t;
            o++;
        }
    if (o != k) /* not a total order after all (a NaN weight): the old way */
        select_top_qs(v, n, k);
}

/*
 * The accumulated candidates (A itself left out as skip), in no order, into *out; *n of them.
 * load_pool ranks them a chunk at a time: most queries look at one chunk only, and ranking all
 * of a few thousand candidates cost more than scoring the chunk.
 */
static int candidates(struct acc *a, uint32_t skip, struct cand **out, uint32_t *n)
{
    struct cand *v = malloc((a->n ? a->n : 1) * sizeof(*v));
    uint32_t o = 0;

    if (!v)
        return -ENOMEM;
    for (uint32_t i = 0; i < a->n; i++)
        if (a->slot[a->used[i]].docid != skip)
            v[o++] = a->slot[a->used[i]];
    *out = v;
    *n = o;
    return 0;
}

/* Rank the next chunk: the best `want` of v[from, n) moved to v[from, ...), in rank order. */
static uint32_t rank_chunk(struct cand *v, uint32_t from, uint32_t n, uint32_t want)
{
    uint32_t k = SM_MIN(want, n - from);

    if (k < n - from)
        select_top(v + from, n - from, k);
    qsort(v + from, k, sizeof(*v), cand_cmp);
    return from + k;
}

/*
 * The leads' first stage: what a candidate B is worth before it is loaded. The postings'
 * weights of both directions (the bound of step 3, docs/matching.md §10) times the context
 * score_pair will multiply into B's pairs, estimated from B's meta (docmeta.h): a partner in
 * the wrong country, of the wrong kind, with no common language loses up to half its strength
 * in the score, and now in the ranking that picks which candidates are scored. With it a pool
 * of 100 does what 200 did without it, for half the doc loads (docs/matching.md, "Candidates").
 */
#define EST_CACHE 256 /* contexts kept per query, by meta: candidates share a few dozen */
#define EST_AHEAD 8   /* meta entries prefetched ahead: the table is 32 MiB at 1M docs */

struct est_slot {
    struct match_meta m; /* flags 0: empty */
    float ctx;
};

struct est {
    const struct match_doc *a;
    int type;
    struct est_slot cache[EST_CACHE];
};

/*
 * The context estimate for meta m, through the query's cache. The context reads the meta's
 * first two words alone (country, kind, languages; not the filters' zone and sectors): a hit
 * compares those.
 */
#define EST_KEY_BYTES offsetof(struct match_meta, sectors)

static float est_context(struct est *e, const struct match_meta *m)
{
    uint64_t w[2];
    struct est_slot *sl;

    _Static_assert(EST_CACHE == 256 && sizeof(w) == EST_KEY_BYTES, "slot: the hash's top 8 bits");
    memcpy(w, m, sizeof(w));
    sl = &e->cache[((w[0] ^ w[1]) * 0x9e3779b97f4a7c15ull) >> 56];
    if (sl->m.flags && memcmp(&sl->m, m, EST_KEY_BYTES) == 0)
        return sl->ctx;
    sl->m = *m;
    sl->ctx = (float)score_context_estimate(&score_default_params, e->a, e->type, m);
    return sl->ctx;
}

/*
 * Whether a doc with meta m may pass the filters that the meta decides (kind, country,
 * language, zone, sector); load_pool checks every filter on the doc itself anyway. A language
 * past those the meta keeps may be the one asked for, and the zone and sector bits may be
 * another's: such a doc may pass. zone and sector_bit are f's, computed once (0: no filter).
 */
static bool meta_may_pass(const struct match_meta *m, const struct index_filters *f, uint32_t zone,
                          uint64_t sector_bit)
{
    if (zone && m->zone != zone)
        return false;
    if (sector_bit && !(m->sectors & sector_bit))
        return false;
    if (f->kind >= 0 && m->kind != f->kind)
        return false;
    if (f->country[0] && memcmp(m->country, f->country, 2) != 0)
        return false;
    if (f->lang[0]) {
        for (uint32_t i = 0; i < m->n_langs; i++)
            if (memcmp(m->langs[i].c, f->lang, 2) == 0)
                return true;
        return (m->flags & MATCH_META_MORE_LANGS) != 0;
    }
    return true;
}

/*
 * Before any doc is loaded: drop the candidates v[0, *n) whose meta fails f's kind, country or
 * language (a filtered query then loads only docs that may pass, instead of up to
 * LOADS_PER_POOL per doc kept), and with e (leads) weigh the others by the leads' estimate:
 * their postings' weights of both directions (w and wb) times their context. Search passes no
 * e and keeps its weights.
 */
static void prefilter(const struct dmeta *dm, const struct index_filters *f, struct est *e,
                      struct cand *v, uint32_t *n)
{
    uint32_t zone = f->zone[0] ? match_meta_zone(f->zone, strlen(f->zone)) : 0;
    uint64_t sector_bit = f->sector[0] ? match_meta_sector_bit(f->sector, strlen(f->sector)) : 0;
    bool filtered = f->kind >= 0 || f->country[0] || f->lang[0] || zone || sector_bit;
    uint32_t o = 0;

    if (!filtered && !e)
        return;
    for (uint32_t i = 0; i < *n; i++) {
        struct match_meta m;
        bool known;

        if (i + EST_AHEAD < *n)
            dmeta_prefetch(dm, v[i + EST_AHEAD].docid, zone || sector_bit);
        known = zone || sector_bit ? dmeta_get(dm, v[i].docid, &m)
                                   : dmeta_get_context(dm, v[i].docid, &m);
        if (known && filtered && !meta_may_pass(&m, f, zone, sector_bit))
            continue;
        /* Without published meta (a doc newer than the table) the context counts as 1. */
        if (e)
            v[i].w = (float)(((double)v[i].w + v[i].wb) * (known ? est_context(e, &m) : 1.0));
        v[o++] = v[i];
    }
    *n = o;
}

/* No filter that the meta or the doc decides (type and min_score apply after scoring). */
static bool filters_none(const struct index_filters *f)
{
    return f->kind < 0 && !f->country[0] && !f->lang[0] && !f->zone[0] && !f->sector[0];
}

/* The postings' weight of both directions, as prefilter weighs it before the context. */
static inline float cand_raw(const struct cand *c)
{
    return (float)((double)c->w + c->wb);
}

/* c's leads estimate (prefilter's weight): its raw weight times its context from the meta. */
static float cand_est(const struct dmeta *dm, struct est *e, const struct cand *c)
{
    struct match_meta m;

    if (!dmeta_get_context(dm, c->docid, &m))
        return cand_raw(c);
    return (float)(((double)c->w + c->wb) * est_context(e, &m));
}

/* a ranks before b by (key desc, docid asc): the order of cand_before on another key. */
static inline bool key_before(float ka, uint32_t da, float kb, uint32_t db)
{
    return ka > kb || (ka == kb && da < db);
}

struct kc {
    float key;
    uint32_t i; /* index into the candidates */
};

/* Sift h[i] down the heap h[0..k) whose root ranks last (of candidates v). */
static void kheap_down(struct kc *h, uint32_t k, uint32_t i, const struct cand *v)
{
    struct kc x = h[i];

    for (;;) {
        uint32_t c = 2 * i + 1;

        if (c >= k)
            break;
        if (c + 1 < k && key_before(h[c].key, v[h[c].i].docid, h[c + 1].key, v[h[c + 1].i].docid))
            c++;
        if (!key_before(x.key, v[x.i].docid, h[c].key, v[h[c].i].docid))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

/*
 * prefilter for a leads query without filters, when only the best `pool` by the estimate will
 * be loaded (load_pool then takes exactly the first pool). The context is at most 1, so a
 * candidate's estimate is at most its raw weight: once `pool` estimates are known, a candidate
 * whose raw weight is below the pool-th best estimate cannot enter the pool, and its meta need
 * not be read. The estimates are taken for the best 2 * pool by raw weight first (most of the
 * pool is among them), then for the others that still could. The candidates kept are those
 * estimated, weighed as prefilter weighs them: the same pool, in the same order, for a sixth of
 * the meta reads (reading the meta of every candidate was 12 % of a query at 1M).
 * Returns false (nothing done) when it does not pay or memory is short: prefilter then.
 */
static bool prefilter_top(const struct dmeta *dm, struct est *e, struct cand *v, uint32_t *n,
                          uint32_t pool)
{
    uint32_t m = 2 * pool, kept = 0, hn = 0;
    struct kc *h, *top;
    float *ew; /* each candidate's estimate, -1 while not taken */

    if (pool == 0 || *n <= 2 * m)
        return false;
    h = malloc(pool * sizeof(*h));
    top = malloc(m * sizeof(*top));
    ew = malloc(*n * sizeof(*ew));
    if (!h || !top || !ew) {
        free(h);
        free(top);
        free(ew);
        return false;
    }
    for (uint32_t i = 0; i < *n; i++)
        ew[i] = -1.0f;
    /* The best m by raw weight: a heap with the m-th best at its root. */
    for (uint32_t i = 0; i < *n; i++) {
        float r = cand_raw(&v[i]);

        if (i < m) {
            top[i] = (struct kc){r, i};
            if (i == m - 1)
                for (uint32_t j = m / 2; j-- > 0;)
                    kheap_down(top, m, j, v);
        } else if (key_before(r, v[i].docid, top[0].key, v[top[0].i].docid)) {
            top[0] = (struct kc){r, i};
            kheap_down(top, m, 0, v);
        }
    }
    /* Their estimates, in a heap of the best pool with the pool-th best at its root. */
    for (uint32_t j = 0; j < m; j++) {
        uint32_t i = top[j].i;
        struct kc x;

        if (j + EST_AHEAD < m)
            dmeta_prefetch(dm, v[top[j + EST_AHEAD].i].docid, false);
        x = (struct kc){cand_est(dm, e, &v[i]), i};
        ew[i] = x.key;
        if (hn < pool) {
            h[hn++] = x;
            if (hn == pool)
                for (uint32_t k = pool / 2; k-- > 0;)
                    kheap_down(h, pool, k, v);
        } else if (key_before(x.key, v[i].docid, h[0].key, v[h[0].i].docid)) {
            h[0] = x;
            kheap_down(h, pool, 0, v);
        }
    }
    /* The others, where the raw weight still reaches the pool-th best estimate. */
    for (uint32_t i = 0; i < *n; i++) {
        struct kc x;

        if (ew[i] >= 0 || cand_raw(&v[i]) < h[0].key)
            continue;
        x = (struct kc){cand_est(dm, e, &v[i]), i};
        ew[i] = x.key;
        if (key_before(x.key, v[i].docid, h[0].key, v[h[0].i].docid)) {
            h[0] = x;
            kheap_down(h, pool, 0, v);
        }
    }
    /* Keep the candidates estimated, in their order, weighed by their estimate. */
    for (uint32_t i = 0; i < *n; i++)
        if (ew[i] >= 0) {
            v[kept] = v[i];
            v[kept++].w = ew[i];
        }
    *n = kept;
    free(h);
    free(top);
    free(ew);
    return true;
}

static bool zone_eq(const char *z, size_t n, const char *want)
{
    size_t wn = strlen(want);

    if (n != wn)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = z[i], b = want[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* The filters a doc alone decides (all but type for leads, and min_score). */
static bool doc_passes(const struct match_doc *d, const char *zone, size_t zone_len,
                       const struct index_filters *f, bool type_on_items)
{
    if (f->kind >= 0 && d->kind != f->kind)
        return false;
    if (f->country[0] && memcmp(d->country, f->country, 2) != 0)
        return false;
    if (f->zone[0] && !zone_eq(zone, zone_len, f->zone))
        return false;
    if (type_on_items && f->type >= 0 &&
        !((d->offer_types | d->need_types) & (1u << (unsigned)f->type)))
        return false;
    if (f->lang[0]) {
        const struct match_cc *l = match_doc_langs(d);
        uint32_t i;

        for (i = 0; i < d->n_langs; i++)
            if (memcmp(l[i].c, f->lang, 2) == 0)
                break;
        if (i == d->n_langs)
            return false;
    }
    if (f->sector[0]) {
        size_t n = strlen(f->sector);
        bool hit = false;

        for (uint32_t i = 0; i < match_doc_n_items(d) && !hit; i++) {
            const struct match_item *it = match_doc_item(d, i);
            const struct match_sector *s = match_item_sectors(d, it);

            for (uint32_t j = 0; j < it->n_sectors && !hit; j++)
                hit = strncmp(s[j].code, f->sector, n) == 0;
        }
        if (!hit)
            return false;
    }
    return true;
}

/*
 * Pool size: POOL_MIN for the first pages (so that paging through them is stable), else the
 * page's end with as much again for slack, in steps of POOL_MIN.
 */
static uint32_t pool_size_min(uint32_t offset, uint32_t limit, uint32_t min)
{
    uint32_t need = offset + 2 * limit;
    return need <= min ? min : (need + min - 1) / min * min;
}
static uint32_t pool_size(uint32_t offset, uint32_t limit)
{
    return pool_size_min(offset, limit, POOL_MIN);
}

struct docset {
    struct match_doc **v;
    uint32_t n, cap;
};

static int docset_add(struct docset *s, struct match_doc *d)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        struct match_doc **v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = d;
    return 0;
}

static void docset_release(struct docset *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        match_doc_destroy(&s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/*
 * Load the best candidates that pass the filters into ds, up to pool docs, looking at no more
 * than LOADS_PER_POOL * pool candidates (filters may reject many), ranked a chunk at a time.
 */
static int load_pool(struct qctx *q, struct cand *c, uint32_t n, uint32_t pool,
                     const struct index_filters *f, bool type_on_items, struct docset *ds)
{
    uint32_t max_looks = SM_MIN(n, pool * LOADS_PER_POOL), ranked = 0;

    for (uint32_t i = 0; i < max_looks && ds->n < pool; i++) {
        struct match_doc *d = NULL;
        const char *zone = NULL;
        size_t zone_len = 0;
        int rc;

        if (i == ranked)
            ranked = rank_chunk(c, ranked, n, pool);
        rc = doc_get(q->ix, q->t, c[i].docid, &d, &zone, &zone_len);
        if (rc == SM_ENOTFOUND)
            continue; /* never happens in one snapshot; harmless if it does */
        if (rc)
            return rc;
        if (!doc_passes(d, zone, zone_len, f, type_on_items)) {
            match_doc_destroy(&d);
            continue;
        }
        rc = docset_add(ds, d);
        if (rc) {
            match_doc_destroy(&d);
            return rc;
        }
    }
    return 0;
}

static uint32_t docid_of(struct index *ix, struct store_txn *t, const char *id, size_t n, int *rc)
{
    MDB_val k = {n, (void *)id}, v;
    uint32_t docid = 0;
    int mrc;

    *rc = 0;
    if (n == 0 || n > PROFILE_ID_MAX) {
        *rc = SM_ENOTFOUND;
        return 0;
    }
    mrc = mdb_get(store_txn_mdb(t), ix->ids, &k, &v);
    if (mrc == 0 && v.mv_size == sizeof(docid))
        memcpy(&docid, v.mv_data, sizeof(docid));
    else
        *rc = mrc == MDB_NOTFOUND || mrc == 0 ? SM_ENOTFOUND : store_txn_check(t, mrc, "get docid");
    return docid;
}

int index_doc_meta(struct index *ix, struct store_txn *t, const char *id, size_t id_len,
                   struct match_meta *out)
{
    int rc;
    uint32_t docid = docid_of(ix, t, id, id_len, &rc);

    if (rc)
        return rc;
    return dmeta_get(&ix->dm, docid, out) ? 0 : SM_ENOTFOUND;
}

/* ---- leads ----------------------------------------------------------------------------------- */

void index_filters_init(struct index_filters *f)
{
    memset(f, 0, sizeof(*f));
    f->type = -1;
    f->kind = -1;
}

void index_leads_release(struct index_leads *r)
{
    match_doc_destroy(&r->a);
    for (uint32_t i = 0; i < r->n_docs; i++)
        match_doc_destroy(&r->docs[i]);
    free(r->docs);
    free(r->v);
    free(r->ex);
    memset(r, 0, sizeof(*r));
}

/* Term weight for the upper bound: a rare key counts more (idf shape). */
static float idf_w(const struct qctx *q, uint32_t count)
{
    double n = (double)SM_MAX(q->s.n_docs, (uint64_t)count), df = count;
    return (float)log(1.0 + (n - df + 0.5) / (df + 0.5));
}

/*
 * The keys of one item of A against items of side `side` of its type. Term keys get the weight
 * -factor (qkeys_weigh makes it factor * idf once the key's count is known); sector keys get
 * factor * SECTOR_UB shared over the levels: each level adds what it adds to the level weight
 * above it, so the sum over the prefixes B shares is the weight of the deepest level shared.
 */
static int item_keys(const struct match_doc *a, const struct match_item *it, unsigned side,
                     float factor, bool boost, struct qkeys *k)
{
    static const size_t lens[] = {1, 3, 4, 5};
    static const double lw[] = {0.3, 0.6, 0.8, 1.0};
    const struct match_term *tv[2] = {match_item_text(a, it), match_item_kw(a, it)};
    const uint32_t tn[2] = {it->n_text, it->n_kw};
    const struct match_sector *sec = match_item_sectors(a, it);
    int rc = 0;

    for (int w = 0; w < 2; w++)
        for (uint32_t j = 0; rc == 0 && j < tn[w]; j++)
            rc = qkeys_add(k, 'T', it->type, side,
                           text_hash(match_term_str(a, &tv[w][j]), tv[w][j].len), -factor, boost);
    for (uint32_t j = 0; rc == 0 && j < it->n_sectors; j++) {
        size_t n = strnlen(sec[j].code, MATCH_SECTOR_MAX);

        for (size_t l = 0; rc == 0 && l < SM_ARRAY_SIZE(lens) && lens[l] <= n; l++)
            rc = qkeys_add(k, 'S', it->type, side, text_hash(sec[j].code, lens[l]),
                           (float)(factor * SECTOR_UB * (lw[l] - (l ? lw[l - 1] : 0))), boost);
    }
    return rc;
}

/*
 * The posting keys of a leads query. Finding candidates (A->B): each need of A (of the type
 * filtered on) against offers of its type, and needs too for the symmetric types. Boosting them
 * (B->A, weighted like lambda in the score): each offer of A against needs of its type.
 */
static int lead_keys(const struct match_doc *a, int type, struct qkeys *k)
{
    int rc = 0;

    for (uint32_t i = a->n_offers; rc == 0 && i < match_doc_n_items(a); i++) {
        const struct match_item *it = match_doc_item(a, i);

        if (type >= 0 && it->type != type)
            continue;
        rc = item_keys(a, it, SIDE_OFFER, 1.0f, false, k);
        if (rc == 0 && coop_type_symmetric((enum coop_type)it->type))
            rc = item_keys(a, it, SIDE_NEED, 1.0f, false, k);
    }
    for (uint32_t i = 0; rc == 0 && i < a->n_offers; i++)
        rc = item_keys(a, match_doc_item(a, i), SIDE_NEED, (float)score_default_params.lambda, true,
                       k);
    return rc;
}

static void qkeys_weigh(struct qkeys *k, const struct qctx *q)
{
    for (uint32_t i = 0; i < k->n; i++)
        if (k->v[i].w < 0)
            k->v[i].w = -k->v[i].w * idf_w(q, k->v[i].count);
}

int index_leads(struct index *ix, struct store_txn *t, const char *id, size_t id_len,
                const struct index_filters *f, uint32_t offset, uint32_t limit, bool explain,
                struct index_leads *r)
{
    struct qctx *q = malloc(sizeof(*q));
    struct est *est = malloc(sizeof(*est));
    struct qkeys keys = {0};
    struct acc acc = {0};
    struct cand *cands = NULL;
    struct docset ds = {0};
    struct score_lead *leads = NULL;
    uint32_t docid, n_cands = 0, n_leads = 0;
    int rc;

    memset(r, 0, sizeof(*r));
    if (!q || !est) {
        free(q);
        free(est);
        return -ENOMEM;
    }
    rc = qctx_open(q, ix, t);
    if (rc)
        goto out;
    docid = docid_of(ix, t, id, id_len, &rc);
    if (rc)
        goto out;
    rc = doc_get(ix, t, docid, &r->a, NULL, NULL);
    if (rc)
        goto out;
    rc = lead_keys(r->a, f->type, &keys);
    if (rc)
        goto out;
    qkeys_prepare(&keys, q);
    qkeys_weigh(&keys, q);
    rc = accumulate(q, &keys, &acc);
    if (rc == 0)
        rc = candidates(&acc, docid, &cands, &n_cands);
    if (rc == 0) {
        struct index_filters doc_f = *f;

        doc_f.type = -1; /* the lead's type is known only once scored */
        est->a = r->a;
        est->type = f->type;
        memset(est->cache, 0, sizeof(est->cache));
        if (filters_none(f) ? !prefilter_top(&ix->dm, est, cands, &n_cands,
                                             pool_size(offset, limit))
                            : true)
            prefilter(&ix->dm, f, est, cands, &n_cands);
        rc = load_pool(q, cands, n_cands, pool_size(offset, limit), &doc_f, false, &ds);
    }
    if (rc)
        goto out;
    r->candidates = ds.n;
    leads = malloc((ds.n ? ds.n : 1) * sizeof(*leads));
    if (!leads) {
        rc = -ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < ds.n; i++) {
        struct score_lead *l = &leads[n_leads];

        if (!score_pair(&score_default_params, &q->corpus, r->a, ds.v[i], l, NULL))
            continue;
        if (f->type >= 0 && (int)l->type != f->type)
            continue;
        if (l->score < f->min_score)
            continue;
        n_leads++;
    }
    qsort(leads, n_leads, sizeof(*leads), score_lead_qcmp);
    r->n = offset < n_leads ? SM_MIN(limit, n_leads - offset) : 0;
    if (r->n) {
        memmove(leads, leads + offset, r->n * sizeof(*leads));
        if (explain) {
            r->ex = malloc(r->n * sizeof(*r->ex));
            if (!r->ex) {
                rc = -ENOMEM;
                goto out;
            }
            for (uint32_t i = 0; i < r->n; i++)
                score_pair(&score_default_params, &q->corpus, r->a, leads[i].b, &leads[i],
                           &r->ex[i]);
        }
    }
    r->v = leads;
    leads = NULL;
    r->docs = ds.v;
    r->n_docs = ds.n;
    ds.v = NULL;
    ds.n = 0;
out:
    free(leads);
    docset_release(&ds);
    free(cands);
    acc_release(&acc);
    free(keys.v);
    qctx_close(q);
    free(q);
    free(est);
    if (rc)
        index_leads_release(r);
    return rc;
}

/* ---- search ---------------------------------------------------------------------------------- */

void index_hits_release(struct index_hits *r)
{
    for (uint32_t i = 0; i < r->n_docs; i++)
        match_doc_destroy(&r->docs[i]);
    free(r->docs);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

int index_search(struct index *ix, struct store_txn *t, const char *text, size_t len,
                 const struct index_filters *f, uint32_t offset, uint32_t limit,
                 struct index_hits *r)
{
    struct text_analyzer *an = index_analyzer();
    struct qctx *q = malloc(sizeof(*q));
    struct score_query query = {0};
    struct qkeys keys = {0};
    struct acc acc = {0};
    struct cand *cands = NULL;
    struct docset ds = {0};
    struct score_hit *hits = NULL;
    uint32_t n_cands = 0, n_hits = 0;
    bool prepared = false;
    int rc;

    memset(r, 0, sizeof(*r));
    if (!q || !an) {
        free(q);
        return -ENOMEM;
    }
    rc = qctx_open(q, ix, t);
    if (rc)
        goto out;
    rc = score_query_prepare(an, text, len, &q->corpus, &query);
    if (rc)
        goto out;
    prepared = true;
    for (uint32_t i = 0; rc == 0 && i < query.n; i++)
        rc = qkeys_add(&keys, 'A', 0, 0, query.v[i].hash, (float)query.v[i].idf, false);
    if (rc)
        goto out;
    qkeys_prepare(&keys, q);
    rc = accumulate(q, &keys, &acc);
    if (rc == 0)
        rc = candidates(&acc, 0, &cands, &n_cands);
    if (rc == 0) {
        prefilter(&ix->dm, f, NULL, cands, &n_cands);
        rc = load_pool(q, cands, n_cands, pool_size_min(offset, limit, SEARCH_POOL_MIN), f, true,
                       &ds);
    }
    if (rc)
        goto out;
    r->candidates = ds.n;
    hits = malloc((ds.n ? ds.n : 1) * sizeof(*hits));
    if (!hits) {
        rc = -ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < ds.n; i++) {
        if (!score_search(&score_default_params, &query, &q->corpus, ds.v[i], &hits[n_hits]))
            continue;
        if (hits[n_hits].score < f->min_score)
            continue;
        n_hits++;
    }
    qsort(hits, n_hits, sizeof(*hits), score_hit_qcmp);
    r->n = offset < n_hits ? SM_MIN(limit, n_hits - offset) : 0;
    if (r->n)
        memmove(hits, hits + offset, r->n * sizeof(*hits));
    r->v = hits;
    hits = NULL;
    r->docs = ds.v;
    r->n_docs = ds.n;
    ds.v = NULL;
    ds.n = 0;
out:
    if (prepared)
        score_query_release(&query);
    free(hits);
    docset_release(&ds);
    free(cands);
    acc_release(&acc);
    free(keys.v);
    qctx_close(q);
    free(q);
    if (rc)
        index_hits_release(r);
    return rc;
}
