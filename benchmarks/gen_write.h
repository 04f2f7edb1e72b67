/*
 * gen_write.h - output of smematch-gen: a buffered writer, and profiles as NDJSON (one SPEC §2
 * JSON object a line) or as CSV (RFC 4180 quoting, LF line ends, header-driven columns), and
 * ground truth as TSV.
 */
#ifndef SM_GEN_WRITE_H
#define SM_GEN_WRITE_H

#include <stdio.h>

#include "gen.h"

/* A buffered writer over a FILE; err keeps the first write error (-errno). */
struct gen_out {
    FILE *f;
    char *buf;
    size_t len, cap;
    int err;
};

/*
 * Start writing to f (borrowed), or to memory when f is NULL: the buffer then grows as needed
 * and the caller takes buf[0..len) and resets len. Returns 0 or -ENOMEM.
 */
int gen_out_init(struct gen_out *o, FILE *f);
/* Write what is buffered to the FILE; returns 0 or the first error. */
int gen_out_flush(struct gen_out *o);
/* Flush and free the buffer (not the FILE); returns 0 or the first error. */
int gen_out_release(struct gen_out *o);

void gen_out_put(struct gen_out *o, const char *s, size_t n);
void gen_out_puts(struct gen_out *o, const char *s);

/* One profile as a JSON object and a newline; absent optional fields are left out. */
void gen_write_ndjson(struct gen_out *o, const struct gen_profile *p);
/* The CSV header line, and one profile as a CSV row (empty cell = absent). */
void gen_write_csv_header(struct gen_out *o);
void gen_write_csv(struct gen_out *o, const struct gen_profile *p);
/* The TSV header "query_id\tpartner_id\trelevance", and one row. */
void gen_write_truth_header(struct gen_out *o);
void gen_write_truth(struct gen_out *o, const char *query_id, const char *partner_id,
                     int relevance);

/* The TSV header "id\trole\tquery_id", and one row (query_id may be NULL: empty). */
void gen_write_roles_header(struct gen_out *o);
void gen_write_role(struct gen_out *o, const char *id, const char *role, const char *query_id);

#endif
