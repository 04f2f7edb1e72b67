/*
 * bench_fts.h - the baseline smematch is measured against (SPEC §3, §7): plain BM25 with
 * SQLite FTS5 over the same texts, plus the texts themselves (documents and query terms), which
 * the Xapian peer (bench_xapian.h) is fed too.
 *
 * Documents and queries (docs/benchmarks.md explains the choices):
 * - a profile's document is its name, description, and every offer's and need's text and
 *   keywords; a query is the text (and keywords) of needs;
 * - tokenizer `porter unicode61 remove_diacritics 2` (Unicode case folding, accents removed,
 *   English Porter stemming: what smematch's analyser does for Latin text);
 * - unicode61 does not segment CJK (a run of Han characters would be one token), so both the
 *   documents and the queries are fed with CJK runs rewritten as space-separated overlapping
 *   bigrams, which is what smematch does inside its analyser;
 * - a query is its distinct terms OR-ed (English stop words dropped, as smematch drops them),
 *   ranked by FTS5's bm25() (k1 = 1.2, b = 0.75).
 */
#ifndef BENCH_FTS_H
#define BENCH_FTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A growable NUL-terminated string. */
struct bench_buf {
    char *s;
    size_t len, cap;
};
void bench_buf_init(struct bench_buf *b);
void bench_buf_release(struct bench_buf *b);
void bench_buf_add(struct bench_buf *b, const char *s, size_t n);
void bench_buf_adds(struct bench_buf *b, const char *s);

/* Append s with every CJK run written as space-separated bigrams (a lone character alone). */
void bench_text_cjk_bigrams(struct bench_buf *out, const char *s, size_t n);

/* The FTS document of a profile (JSON object): name, description, items' texts and keywords. */
void bench_profile_doc(const json_t *p, struct bench_buf *out);
/* The query text of a profile: its needs' texts and keywords. */
void bench_profile_needs(const json_t *p, struct bench_buf *out);

/*
 * The query terms of text, shared by both peers (FTS5 and Xapian, bench_xapian.h): its
 * distinct words after bench_text_cjk_bigrams, split where unicode61 splits, ASCII lowercased,
 * single ASCII letters and English stop words dropped, in order of first appearance, joined
 * with single spaces (no term holds a space or a quote). Empty when the text has no term.
 */
void bench_query_terms(const char *text, struct bench_buf *out);

/*
 * An FTS5 MATCH expression for text: the terms of bench_query_terms, each quoted, joined
 * with OR. Empty when the text has no term.
 */
void bench_fts_query(const char *text, struct bench_buf *out);

struct bench_fts {
    void *db;   /* sqlite3 */
    void *ins;  /* sqlite3_stmt: insert */
    void *qry;  /* sqlite3_stmt: search */
};

/* Create a fresh FTS5 index in the file path (removed first), ready for bench_fts_add(). */
int bench_fts_open(struct bench_fts *f, const char *path);
/* Add a document with the given rowid (call inside the open's transaction). */
int bench_fts_add(struct bench_fts *f, int64_t rowid, const char *text, size_t len);
/* Commit the documents and merge the index into one segment ('optimize'). */
int bench_fts_finish(struct bench_fts *f);
/*
 * Top k rowids by bm25() for the MATCH expression q, skipping rowid exclude (-1: none).
 * Returns how many were written to out (<= k), or a negative error.
 */
int bench_fts_search(struct bench_fts *f, const char *q, int64_t exclude, int64_t *out, int k);
void bench_fts_close(struct bench_fts *f);

#endif
