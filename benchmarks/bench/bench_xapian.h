/*
 * bench_xapian.h - the second search peer of SPEC §7: BM25 with Xapian over the same texts as
 * the FTS5 baseline (bench_fts.h). A C interface to a small C++ module (bench_xapian.cc).
 *
 * Documents and queries are the ones FTS5 gets (docs/benchmarks.md explains the choices):
 * - a document is bench_profile_doc()'s text (CJK runs already rewritten as bigrams), indexed
 *   by a Xapian::TermGenerator with the English Snowball stemmer, STEM_SOME (every word as is,
 *   with positions, plus its stem under the "Z" prefix);
 * - a query is bench_query_terms()'s terms (stop words dropped, distinct), parsed by a
 *   Xapian::QueryParser with the same stemmer and strategy and OP_OR between terms, so it
 *   looks up the stems, as FTS5's porter tokenizer does;
 * - ranked by Xapian::BM25Weight with FTS5's parameters, k1 = 1.2 and b = 0.75 (Xapian's own
 *   defaults are k1 = 1, b = 0.5), k2 = 0, k3 = 1 and min_normlen = 0.5 (Xapian's defaults).
 *
 * The index is built on disk in "<path>.build/" (a glass database, committed once at the end),
 * then compacted into the single file <path>, which is what gets searched (FTS5 gets its
 * 'optimize'); the build folder is removed.
 *
 * Errors: 0 or negative (SM_EINTERNAL for a Xapian error, -ENOMEM, SM_EINVAL), with a message
 * already printed on stderr, as bench_fts does. No C++ exception crosses this interface.
 * Single-threaded.
 */
#ifndef BENCH_XAPIAN_H
#define BENCH_XAPIAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bench_xapian;

/*
 * Start a fresh index for the file path (path and "<path>.build/" are removed first), ready for
 * bench_xapian_add(). *px gets the new object, which the caller owns (bench_xapian_close).
 */
int bench_xapian_open(struct bench_xapian **px, const char *path);
/* Index text (len bytes) as the document of rowid (0 <= rowid < 2^32 - 1; Xapian docid
 * rowid + 1). */
int bench_xapian_add(struct bench_xapian *x, int64_t rowid, const char *text, size_t len);
/* Commit, compact into the single file path, remove the build folder, open path for search. */
int bench_xapian_finish(struct bench_xapian *x);
/*
 * Top k rowids by BM25 for terms (bench_query_terms: space-separated), skipping rowid exclude
 * (-1: none). Returns how many were written to out (<= k), or a negative error. Call after
 * bench_xapian_finish().
 */
int bench_xapian_search(struct bench_xapian *x, const char *terms, int64_t exclude, int64_t *out,
                        int k);
/* Free *px and set it to NULL; safe on NULL. */
void bench_xapian_close(struct bench_xapian **px);

#ifdef __cplusplus
}
#endif

#endif
