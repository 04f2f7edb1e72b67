/*
 * import.h - bulk import bodies (NDJSON or CSV) turned into batches of msgpack profiles for the
 * engine's profile.import, with per-line errors kept for the reply.
 *
 * The body is parsed lazily, one batch at a time (import_next), so a 64 MiB body never sits
 * twice in memory as msgpack and the event loop is never blocked for the whole parse. A line
 * that cannot become a profile (bad JSON, not an object, a bad integer in a CSV cell) is an
 * error of that line only; the other lines go on. Whole-request errors are only those that
 * make every line meaningless: an unknown or duplicate CSV column, a CSV body with no header.
 *
 * Line numbers are 1-based. NDJSON: the physical line. CSV: the record number, the header
 * being record 1 (a quoted field spanning lines is one record; blank lines are not records).
 *
 * Pure logic: no I/O, no globals. The body is borrowed and must outlive the import.
 */
#ifndef GW_IMPORT_H
#define GW_IMPORT_H

#include <csv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "jsonmp.h"

enum import_format { IMPORT_NDJSON, IMPORT_CSV };

/* Batches: at most this many profiles (the engine accepts 10,000) and about this many bytes. */
#define IMPORT_BATCH_MAX 5000
#define IMPORT_BATCH_BYTES (16u << 20)
/* Error details kept for the reply; failures beyond are counted, not listed. */
#define IMPORT_MAX_ERRORS 10000
/* Largest NDJSON line, i.e. one profile as JSON. */
#define IMPORT_LINE_MAX (1u << 20)

struct import_error {
    uint32_t line;
    char *id; /* owned; NULL when the line had no readable id */
    struct sm_error err;
};

/*
 * One batch, ready to send: body holds the msgpack map {"profiles": [...]} of n profiles
 * (import_batch_body gives the bytes). lines[i] and ids[i] belong to the i-th profile.
 */
struct import_batch {
    struct buf body;
    uint32_t n, cap;
    uint32_t *lines;
    char **ids; /* owned; entries may be NULL */
};

/* CSV column kinds, resolved once from the header. */
struct import_col;

struct import {
    enum import_format fmt;
    const char *data; /* borrowed body */
    size_t len, pos;
    uint32_t line; /* NDJSON: lines consumed; CSV: records seen (header included) */
    bool done;     /* no more input */
    uint32_t batch_max;
    uint32_t line_stop; /* import_fill: stop once line reaches it (UINT32_MAX: no bound) */
    struct jsonmp_limits jlim;

    struct import_error *errors;
    size_t n_errors, cap_errors;
    bool truncated;
    uint64_t stored, failed; /* totals: local failures plus the engine's results */

    /* CSV state */
    struct csv_parser csv;
    bool csv_inited;
    struct import_col *cols;
    size_t n_cols;
    int n_offers, n_needs; /* highest offerN / needN index in the header */
    struct buf rec;        /* the current record's cells, back to back */
    size_t *cell_off, *cell_len;
    size_t n_cells, cap_cells;
    struct import_batch spill; /* records parsed past a full batch, first in the next */
    struct import_batch *target;
    struct sm_error fatal; /* a whole-request error found while parsing */
    int fatal_rc;
};

void import_batch_init(struct import_batch *b);
void import_batch_release(struct import_batch *b);
/* Drop the contents, keep the memory. */
void import_batch_reset(struct import_batch *b);
/* The msgpack body bytes of a finished batch (borrowed from b). */
const char *import_batch_body(struct import_batch *b, size_t *len);

/*
 * Start an import of data[0..len). For CSV the header is read and checked here.
 * Returns 0, or SM_EINVAL (unknown or duplicate column, field = the column), SM_EBADREQ (no
 * header) or -ENOMEM with e filled; on failure the import is released.
 */
int import_init(struct import *imp, enum import_format fmt, const char *data, size_t len,
                struct sm_error *e);
void import_release(struct import *imp);

/*
 * Fill b (reset first) with the next profiles, at most imp->batch_max. b->n == 0 with
 * imp->done set means the input is exhausted. Per-line errors are recorded in imp.
 * Returns 0 or -ENOMEM.
 */
int import_next(struct import *imp, struct import_batch *b);

/*
 * Like import_next, a slice at a time: append to b (not reset) the profiles of at most max
 * more lines (CSV: about max records, whole 4 KiB chunks), so that a caller on an event loop
 * can serve other clients between slices. b is ready to send when import_batch_ready: full,
 * the input exhausted (b->n may then be 0), or CSV records spilled past a full batch. Returns
 * 0, -ENOMEM, or the whole-request error found while parsing (imp->fatal_rc, CSV).
 */
int import_fill(struct import *imp, struct import_batch *b, uint32_t max);
bool import_batch_ready(const struct import *imp, const struct import_batch *b);

/* Record a failed line (counted in imp->failed). id may be NULL. Copies what it needs. */
void import_add_error(struct import *imp, uint32_t line, const char *id, const struct sm_error *e);

/*
 * Append the import result {"stored": n, "failed": n, "errors": [{"line", "id", "error"}]} to
 * out, errors sorted by line ("errors_truncated": true when details were dropped).
 */
int import_render(struct import *imp, struct buf *out);

/* Helpers shared with tests. */
/* Strict decimal integer: optional '-', digits only, fits int64; 0 or -1. */
int import_parse_int(const char *s, size_t n, int64_t *out);

#endif
