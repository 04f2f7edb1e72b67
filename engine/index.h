/*
 * index.h - the matching index: analysed profiles, inverted postings and corpus statistics in
 * LMDB, kept in the SAME write transaction as the profiles (a store hook), and the two queries
 * built on them: leads of a profile (SPEC §3) and free-text search (SPEC §5).
 * docs/matching.md ("The index") explains the layout and the candidate generation.
 *
 * Named databases (store_dbi_open):
 *   "ix_docs"  docid (u32, MDB_INTEGERKEY) -> record: u32 zone length (low 16 bits) and
 *              dictionary id (high 16 bits: 0 none, 1 the "lz4dict1" of ix_meta), u32 raw size,
 *              zone bytes padded to 8, then the doc: its packed form (match_doc_pack; a built
 *              block from older records or an unpackable doc), LZ4-compressed (with the
 *              dictionary when its id is 1) when raw size is not 0 (the uncompressed size), as
 *              it is when 0;
 *   "ix_ids"   profile id -> docid (u32). Docids are compact numbers given in order of first
 *              indexing, kept on update, never reused after a delete;
 *   "ix_dmeta" docid (u32, MDB_INTEGERKEY) -> struct match_meta (16 bytes: country, kind,
 *              languages), loaded into memory at open (engine/docmeta.h) for the leads' first
 *              stage; made again from "ix_docs" when its count or record size disagrees;
 *   "ix_tail", "ix_blk"  the posting lists (engine/postings.h: delta-coded blocks of docids,
 *              the newest in a tail record that also holds the list's count) under 12-byte keys:
 *                'T' type side 0 hash64   a term of an offer (side 0) or need (side 1) of type;
 *                'S' type side 0 hash64   a sector prefix (section, division, group, class) of an
 *                                         item of that type and side;
 *                'A' 0 0 0 hash64         a term of the whole profile (the doc's "all" vector):
 *                                         search postings, and the document frequency of the
 *                                         term is the count of its list;
 *              hash64 is text_hash() of the term (or of the sector prefix) in host byte order;
 *   "ix_meta"  "corpus" -> struct index_stats (host layout); "lz4dict1" -> the docs' LZ4
 *              dictionary (up to 64 KiB, built once at 2,000 docs, never changed).
 * An index of an older format (index_stats.version; 1 kept postings as LMDB duplicates in
 * "ix_post"), or one with an "ix_post" beside it, is dropped and built again from the profiles
 * by index_open; a newer format is refused (SM_ESTORE).
 *
 * Postings are not written by the hook itself: they are buffered for the write batch and applied
 * sorted, in the same top-level transaction, just before it commits (store batch hooks; see
 * "Buffered postings" in index.c and docs/matching.md §10).
 *
 * Threads: index_open/index_close before the server starts / after it stops. index_open starts
 * one helper thread per CPU but one (1 to 3) that analyse an import's profiles ahead of the
 * writer (store_prepare); index_close joins them. The hook runs on the writer thread; the
 * queries run on any reader thread with its own read transaction. Each thread gets its own text
 * analyser (index_analyzer), doc scratch and caches of posting counts and dfs (~1.2 MiB, valid
 * for one read snapshot), created on first use and freed when the thread exits.
 */
#ifndef SM_INDEX_H
#define SM_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match/doc.h"
#include "match/score.h"
#include "store.h"

#define INDEX_LIMIT_MAX 100    /* leads or hits per page */
#define INDEX_OFFSET_MAX 10000 /* offset + limit of a page at most this */
#define INDEX_ZONE_MAX 512

struct index;

/* Corpus statistics, updated by every add, update and delete. */
struct index_stats {
    uint64_t n_docs;       /* profiles indexed */
    uint64_t n_items;      /* offers + needs */
    uint64_t sum_item_len; /* sum of match_item.len */
    uint64_t sum_doc_len;  /* sum of match_doc.len */
    uint32_t next_docid;   /* the docid the next new profile gets (first is 1) */
    uint32_t version;
};

/*
 * Open (creating) the index databases on st and register the store hook. When st holds
 * profiles the index lacks (a database made before the index existed, or a build cut short),
 * index them now, in batches of write transactions, logging progress (a build stopped midway
 * resumes where it was). Call before any thread uses st.
 * Returns 0, SM_ESTORE or -ENOMEM. Caller owns *out; st must outlive it.
 */
int index_open(struct index **out, struct store *st);
/*
 * Drop the whole index (docs, ids, posting lists, statistics, dictionary; profiles untouched),
 * so that the next index_open builds it again from the profiles: the engine's --rebuild-index,
 * for an index reported damaged. Before index_open. 0, SM_ESTORE or -ENOMEM.
 */
int index_drop(struct store *st);
/* Free the index (the store keeps the hook pointer: close the store right after). NULL-safe. */
void index_close(struct index **ix);

/* This thread's analyser (created on first call; NULL on out of memory). */
struct text_analyzer *index_analyzer(void);

/*
 * The meta the leads' first stage reads for profile id (its docid as t sees it), as published:
 * 0, SM_ENOTFOUND (no such profile, or no meta published for it), SM_ESTORE.
 */
int index_doc_meta(struct index *ix, struct store_txn *t, const char *id, size_t id_len,
                   struct match_meta *out);
/* Corpus statistics as seen by t. 0 or SM_ESTORE. */
int index_stats(struct index *ix, struct store_txn *t, struct index_stats *out);
/* Document frequency of an analysed term (e.g. "stationeri", "kw:gel pen") as seen by t. */
uint32_t index_df(struct index *ix, struct store_txn *t, const char *term, size_t len);
/* Docids under one posting key ('T' or 'S' with type and side 0 offer / 1 need, or 'A'). */
uint32_t index_postings(struct index *ix, struct store_txn *t, char tag, unsigned type,
                        unsigned side, const char *term, size_t len);

/* Filters of SPEC §3; zero-initialised means none. */
struct index_filters {
    int type;        /* enum coop_type, -1: any */
    int kind;        /* enum profile_kind, -1: any */
    char country[3]; /* ISO 3166-1 upper case, "" any */
    char lang[3];    /* ISO 639-1 lower case, "" any */
    char sector[6];  /* ISIC prefix, "" any: some offer or need sector starts with it */
    char zone[INDEX_ZONE_MAX + 1]; /* exact, "" any */
    double min_score;              /* leads (and hits) below are left out */
};
/* No filter at all (type and kind -1). */
void index_filters_init(struct index_filters *f);

/* A page of leads; everything borrows from the result's own docs. */
struct index_leads {
    struct match_doc *a;
    struct score_lead *v;     /* the page, ranked */
    struct score_explain *ex; /* one per lead when explain was asked, else NULL */
    uint32_t n;
    uint32_t candidates;     /* profiles scored exactly */
    struct match_doc **docs; /* owned */
    uint32_t n_docs;
};
void index_leads_release(struct index_leads *r);

/*
 * Leads of profile id (read txn t): candidates from the postings of A's needs (bounded work:
 * rarest keys first, a budget of postings read), weighed with an estimate of their context
 * from the docs' in-memory meta (which also drops those failing the kind, country and
 * language filters), then score_pair on the best 100 or so, the other filters, ranking (score
 * desc, id asc) and the page [offset, offset + limit). The lead's
 * "type" (its strongest pair where A needs) is what filters->type selects.
 * Returns 0 (r filled; release it), SM_ENOTFOUND (no such profile), SM_ESTORE, -ENOMEM.
 */
int index_leads(struct index *ix, struct store_txn *t, const char *id, size_t id_len,
                const struct index_filters *f, uint32_t offset, uint32_t limit, bool explain,
                struct index_leads *r);

/* A page of search hits; borrows from its own docs. */
struct index_hits {
    struct score_hit *v;
    uint32_t n;
    uint32_t candidates;
    struct match_doc **docs; /* owned */
    uint32_t n_docs;
};
void index_hits_release(struct index_hits *r);

/*
 * Free-text search (BM25 over the whole profile, score_search) with filters (type: the profile
 * has an offer or need of that type; min_score on the BM25 score). Returns 0, SM_EINVAL (text is
 * not UTF-8), SM_ESTORE, -ENOMEM.
 */
int index_search(struct index *ix, struct store_txn *t, const char *text, size_t len,
                 const struct index_filters *f, uint32_t offset, uint32_t limit,
                 struct index_hits *r);

#endif
