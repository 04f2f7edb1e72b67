/* import.c - see import.h. */
#include "sm.h"
#include "import.h"
#include "proto.h"

/* The body header {"profiles": array32(n)} has a fixed size so it can be patched in place. */
#define BATCH_HEAD_LEN 15
/* CSV is fed to libcsv in small chunks so that a chunk never holds more records than fit in
 * the spill batch (a record takes at least 2 bytes: 2048 < IMPORT_BATCH_MAX). */
#define CSV_CHUNK 4096
#define CSV_MAX_ITEMS 64 /* offerN/needN: N in 1..64 (SPEC §2: 64 items a list) */

enum col_target { T_TOP, T_CONTACT, T_OFFER, T_NEED };
enum col_type { CT_STR, CT_LIST, CT_INT };

struct import_col {
    enum col_target target;
    enum col_type type;
    int index;       /* offer/need number, 1-based */
    const char *key; /* the profile key it fills (static) */
    char name[48];   /* the column as written in the header, for error messages */
};

struct col_def {
    const char *name;
    const char *key;
    enum col_type type;
};

static const struct col_def top_cols[] = {
    {"id", "id", CT_STR},
    {"kind", "kind", CT_STR},
    {"name", "name", CT_STR},
    {"country", "country", CT_STR},
    {"region", "region", CT_STR},
    {"zone", "zone", CT_STR},
    {"languages", "languages", CT_LIST},
    {"employees", "employees", CT_INT},
    {"founded", "founded", CT_INT},
    {"sectors", "sectors", CT_LIST},
    {"description", "description", CT_STR},
    {"contact_person", "person", CT_STR},
    {"contact_email", "email", CT_STR},
    {"contact_phone", "phone", CT_STR},
};

static const struct col_def item_cols[] = {
    {"type", "type", CT_STR},
    {"sectors", "sectors", CT_LIST},
    {"keywords", "keywords", CT_LIST},
    {"text", "text", CT_STR},
    {"countries", "countries", CT_LIST},
};

/* ---- batches ------------------------------------------------------------------------------ */

void import_batch_init(struct import_batch *b)
{
    memset(b, 0, sizeof(*b));
    buf_init(&b->body);
}

void import_batch_reset(struct import_batch *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        free(b->ids[i]);
        b->ids[i] = NULL;
    }
    b->n = 0;
    buf_reset(&b->body);
}

void import_batch_release(struct import_batch *b)
{
    import_batch_reset(b);
    free(b->lines);
    free(b->ids);
    buf_release(&b->body);
    import_batch_init(b);
}

const char *import_batch_body(struct import_batch *b, size_t *len)
{
    unsigned char *h;

    if (b->body.len < BATCH_HEAD_LEN) {
        *len = 0;
        return NULL;
    }
    h = (unsigned char *)b->body.data;
    h[0] = 0x81; /* fixmap(1) */
    h[1] = 0xa8; /* fixstr(8) */
    memcpy(h + 2, "profiles", 8);
    h[10] = 0xdd; /* array32 */
    h[11] = (unsigned char)(b->n >> 24);
    h[12] = (unsigned char)(b->n >> 16);
    h[13] = (unsigned char)(b->n >> 8);
    h[14] = (unsigned char)b->n;
    *len = b->body.len;
    return b->body.data;
}

/* Make sure the header placeholder is there before the first profile is packed. */
static int batch_begin(struct import_batch *b)
{
    static const char zero[BATCH_HEAD_LEN];

    if (b->body.len == 0)
        buf_append(&b->body, zero, sizeof(zero));
    return buf_err(&b->body);
}

/* Drop what was appended to b->body after len (a line that turned out bad). */
static void body_truncate(struct import_batch *b, size_t len)
{
    b->body.len = len;
    if (b->body.data)
        b->body.data[len] = '\0';
}

/* Record the profile just packed into b->body. */
static int batch_push(struct import_batch *b, uint32_t line, const char *id, size_t id_len)
{
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 64;
        uint32_t *lines = realloc(b->lines, cap * sizeof(*lines));
        char **ids;

        if (!lines)
            return -ENOMEM;
        b->lines = lines;
        ids = realloc(b->ids, cap * sizeof(*ids));
        if (!ids)
            return -ENOMEM;
        b->ids = ids;
        b->cap = cap;
    }
    b->lines[b->n] = line;
    b->ids[b->n] = NULL;
    if (id) {
        b->ids[b->n] = strndup(id, id_len);
        if (!b->ids[b->n])
            return -ENOMEM;
    }
    b->n++;
    return buf_err(&b->body);
}

static bool batch_full(const struct import *imp, const struct import_batch *b)
{
    return b->n >= imp->batch_max || b->body.len >= IMPORT_BATCH_BYTES;
}

/* ---- errors ------------------------------------------------------------------------------- */

void import_add_error(struct import *imp, uint32_t line, const char *id, const struct sm_error *e)
{
    struct import_error *x;

    imp->failed++;
    if (imp->n_errors >= IMPORT_MAX_ERRORS) {
        imp->truncated = true;
        return;
    }
    if (imp->n_errors == imp->cap_errors) {
        size_t cap = imp->cap_errors ? imp->cap_errors * 2 : 16;
        x = realloc(imp->errors, cap * sizeof(*x));
        if (!x) {
            imp->truncated = true; /* the count stays right; only the detail is lost */
            return;
        }
        imp->errors = x;
        imp->cap_errors = cap;
    }
    x = &imp->errors[imp->n_errors++];
    x->line = line;
    x->id = id ? strdup(id) : NULL;
    x->err = *e;
}

static int cmp_error(const void *a, const void *b)
{
    const struct import_error *x = a, *y = b;

    return (x->line > y->line) - (x->line < y->line);
}

int import_render(struct import *imp, struct buf *out)
{
    if (imp->n_errors > 1)
        qsort(imp->errors, imp->n_errors, sizeof(*imp->errors), cmp_error);
    buf_printf(out, "{\"stored\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"errors\":[", imp->stored,
               imp->failed);
    for (size_t i = 0; i < imp->n_errors; i++) {
        const struct import_error *x = &imp->errors[i];

        buf_printf(out, "%s{\"line\":%" PRIu32 ",", i ? "," : "", x->line);
        if (x->id) {
            buf_puts(out, "\"id\":");
            buf_json_str(out, x->id, strlen(x->id));
            buf_putc(out, ',');
        }
        buf_puts(out, "\"error\":");
        jsonmp_put_error(out, &x->err);
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
    if (imp->truncated)
        buf_puts(out, ",\"errors_truncated\":true");
    buf_putc(out, '}');
    return buf_err(out);
}

/* ---- NDJSON ------------------------------------------------------------------------------- */

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

static int ndjson_next(struct import *imp, struct import_batch *b)
{
    struct sm_error e;

    while (!batch_full(imp, b) && imp->pos < imp->len && imp->line < imp->line_stop) {
        const char *s = imp->data + imp->pos;
        const char *nl = memchr(s, '\n', imp->len - imp->pos);
        size_t n = nl ? (size_t)(nl - s) : imp->len - imp->pos;
        struct jsonmp_top top;
        size_t mark;
        int rc;

        imp->pos += nl ? n + 1 : n;
        imp->line++;
        if (n && s[n - 1] == '\r')
            n--;
        /* application/json-seq (RFC 7464) starts each record with RS. */
        while (n && s[0] == 0x1e) {
            s++;
            n--;
        }
        if (imp->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
            s += 3;
            n -= 3;
        }
        if (blank(s, n))
            continue;
        if (n > IMPORT_LINE_MAX) {
            sm_error_set(&e, SM_ETOOLARGE, "", "line is over %u bytes", IMPORT_LINE_MAX);
            import_add_error(imp, imp->line, NULL, &e);
            continue;
        }
        mark = b->body.len;
        rc = batch_begin(b);
        if (rc)
            return rc;
        /* Straight to msgpack: jansson's tree cost most of the gateway's import time. */
        rc = jsonmp_transcode(s, n, &imp->jlim, &b->body, &top, &e);
        if (rc == 0 && !top.object)
            sm_error_set(&e, SM_EBADREQ, "", "line must be a json object (one profile)");
        if (rc == -ENOMEM)
            return rc;
        if (rc || !top.object) {
            body_truncate(b, mark);
            import_add_error(imp, imp->line, NULL, &e);
            continue;
        }
        rc = batch_push(b, imp->line, top.id, top.id_len);
        if (rc)
            return rc;
    }
    if (imp->pos >= imp->len)
        imp->done = true;
    return 0;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

int import_parse_int(const char *s, size_t n, int64_t *out)
{
    bool neg = false;
    uint64_t v = 0;
    size_t i = 0;

    if (n && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == n || n - i > 18)
        return -1; /* 18 digits always fit int64, and no real count needs more */
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* Resolve one header cell; sets imp->fatal on an unknown column. */
static int header_col(struct import *imp, const char *name, size_t n, struct import_col *c)
{
    char low[48];
    const char *rest;
    int idx = 0;

    if (n >= sizeof(low)) {
        imp->fatal_rc = SM_EINVAL;
        return sm_error_set(&imp->fatal, SM_EINVAL, "", "unknown csv column \"%.*s...\"", 40, name);
    }
    for (size_t i = 0; i < n; i++)
        low[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] - 'A' + 'a') : name[i];
    low[n] = '\0';
    memset(c, 0, sizeof(*c));
    sm_strlcpy(c->name, low, sizeof(c->name));
    for (size_t i = 0; i < SM_ARRAY_SIZE(top_cols); i++) {
        if (strcmp(low, top_cols[i].name) == 0) {
            c->target = strncmp(low, "contact_", 8) == 0 ? T_CONTACT : T_TOP;
            c->type = top_cols[i].type;
            c->key = top_cols[i].key;
            return 0;
        }
    }
    if (strncmp(low, "offer", 5) == 0) {
        c->target = T_OFFER;
        rest = low + 5;
    } else if (strncmp(low, "need", 4) == 0) {
        c->target = T_NEED;
        rest = low + 4;
    } else {
        goto unknown;
    }
    if (*rest < '1' || *rest > '9')
        goto unknown;
    while (*rest >= '0' && *rest <= '9' && idx <= CSV_MAX_ITEMS)
        idx = idx * 10 + (*rest++ - '0');
    if (idx > CSV_MAX_ITEMS || *rest++ != '_')
        goto unknown;
    for (size_t i = 0; i < SM_ARRAY_SIZE(item_cols); i++) {
        if (strcmp(rest, item_cols[i].name) == 0) {
            c->type = item_cols[i].type;
            c->key = item_cols[i].key;
            c->index = idx;
            return 0;
        }
    }
unknown:
    imp->fatal_rc = SM_EINVAL;
    return sm_error_set(&imp->fatal, SM_EINVAL, low, "unknown csv column \"%s\"", low);
}

static void csv_header(struct import *imp)
{
    imp->cols = calloc(imp->n_cells ? imp->n_cells : 1, sizeof(*imp->cols));
    if (!imp->cols) {
        imp->fatal_rc = -ENOMEM;
        return;
    }
    imp->n_cols = imp->n_cells;
    for (size_t i = 0; i < imp->n_cells; i++) {
        const char *s = imp->rec.data + imp->cell_off[i];
        size_t n = imp->cell_len[i];
        struct import_col *c = &imp->cols[i];

        if (i == 0 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
            s += 3;
            n -= 3;
        }
        if (header_col(imp, s, n, c))
            return;
        for (size_t k = 0; k < i; k++) {
            if (strcmp(imp->cols[k].name, c->name) == 0) {
                imp->fatal_rc = SM_EINVAL;
                sm_error_set(&imp->fatal, SM_EINVAL, c->name, "duplicate csv column \"%s\"",
                             c->name);
                return;
            }
        }
        if (c->target == T_OFFER && c->index > imp->n_offers)
            imp->n_offers = c->index;
        if (c->target == T_NEED && c->index > imp->n_needs)
            imp->n_needs = c->index;
    }
}

/* Cell i of the current record, or an empty cell past its end. */
static const char *cell(const struct import *imp, size_t i, size_t *n)
{
    if (i >= imp->n_cells) {
        *n = 0;
        return "";
    }
    *n = imp->cell_len[i];
    return imp->rec.data + imp->cell_off[i];
}

/* Number of non-empty items of a ';'-separated list cell. */
static uint32_t list_count(const char *s, size_t n)
{
    uint32_t k = 0;
    size_t i = 0;

    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != ';')
            j++;
        size_t a = i, z = j;
        while (a < z && (s[a] == ' ' || s[a] == '\t'))
            a++;
        while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t'))
            z--;
        if (z > a)
            k++;
        i = j + 1;
    }
    return k;
}

static int pack_list(msgpack_packer *pk, const char *s, size_t n)
{
    size_t i = 0;

    if (msgpack_pack_array(pk, list_count(s, n)))
        return -ENOMEM;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != ';')
            j++;
        size_t a = i, z = j;
        while (a < z && (s[a] == ' ' || s[a] == '\t'))
            a++;
        while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t'))
            z--;
        if (z > a && (msgpack_pack_str(pk, z - a) || msgpack_pack_str_body(pk, s + a, z - a)))
            return -ENOMEM;
        i = j + 1;
    }
    return 0;
}

static int pack_value(msgpack_packer *pk, const struct import_col *c, const char *s, size_t n)
{
    int64_t v = 0;

    if (msgpack_pack_str(pk, strlen(c->key)) || msgpack_pack_str_body(pk, c->key, strlen(c->key)))
        return -ENOMEM;
    switch (c->type) {
    case CT_STR:
        return msgpack_pack_str(pk, n) || msgpack_pack_str_body(pk, s, n) ? -ENOMEM : 0;
    case CT_LIST:
        return pack_list(pk, s, n);
    case CT_INT:
        import_parse_int(s, n, &v); /* checked before packing */
        return msgpack_pack_int64(pk, v) ? -ENOMEM : 0;
    }
    return -EINVAL;
}

/* Pack the offers (or needs) group: the items with at least one non-empty cell, by number. */
static int pack_items(struct import *imp, msgpack_packer *pk, enum col_target t, int max,
                      const uint8_t *present)
{
    uint32_t count = 0;

    for (int k = 1; k <= max; k++)
        count += present[k] ? 1 : 0;
    if (msgpack_pack_array(pk, count))
        return -ENOMEM;
    for (int k = 1; k <= max; k++) {
        if (!present[k])
            continue;
        if (msgpack_pack_map(pk, present[k]))
            return -ENOMEM;
        for (size_t i = 0; i < imp->n_cols; i++) {
            const struct import_col *c = &imp->cols[i];
            size_t n;
            const char *s = cell(imp, i, &n);

            if (c->target == t && c->index == k && n && pack_value(pk, c, s, n))
                return -ENOMEM;
        }
    }
    return 0;
}

static void csv_row(struct import *imp)
{
    uint8_t offers[CSV_MAX_ITEMS + 1] = {0}, needs[CSV_MAX_ITEMS + 1] = {0};
    uint32_t top = 0, contact = 0, n_offers = 0, n_needs = 0;
    const char *id = NULL;
    size_t id_len = 0;
    struct import_batch *b;
    msgpack_packer pk;
    struct sm_error e;
    int rc;

    for (size_t i = 0; i < imp->n_cols; i++) {
        if (imp->cols[i].target == T_TOP && strcmp(imp->cols[i].key, "id") == 0)
            id = cell(imp, i, &id_len);
    }
    if (id && !id_len)
        id = NULL;
    if (imp->n_cells > imp->n_cols) {
        char *idz = id ? strndup(id, id_len) : NULL;
        sm_error_set(&e, SM_EBADREQ, "", "record has %zu fields, the header %zu", imp->n_cells,
                     imp->n_cols);
        import_add_error(imp, imp->line, idz, &e);
        free(idz);
        return;
    }
    /* What is present, and strict integers (an error names the column). */
    for (size_t i = 0; i < imp->n_cols; i++) {
        const struct import_col *c = &imp->cols[i];
        size_t n;
        const char *s = cell(imp, i, &n);
        int64_t v;

        if (!n)
            continue;
        if (c->type == CT_INT && import_parse_int(s, n, &v)) {
            char *idz = id ? strndup(id, id_len) : NULL;
            sm_error_set(&e, SM_EINVAL, c->name, "%s must be an integer, got \"%.*s\"", c->name,
                         (int)SM_MIN(n, 40), s);
            import_add_error(imp, imp->line, idz, &e);
            free(idz);
            return;
        }
        if (c->target == T_TOP)
            top++;
        else if (c->target == T_CONTACT)
            contact++;
        else if (c->target == T_OFFER)
            offers[c->index]++;
        else
            needs[c->index]++;
    }
    for (int k = 1; k <= CSV_MAX_ITEMS; k++) {
        n_offers += offers[k] ? 1 : 0;
        n_needs += needs[k] ? 1 : 0;
    }
    if (!top && !contact && !n_offers && !n_needs)
        return; /* a record of empty cells carries nothing: skip it silently */

    if (batch_full(imp, imp->target))
        imp->target = &imp->spill;
    b = imp->target;
    rc = batch_begin(b);
    if (rc)
        goto out;
    msgpack_packer_init(&pk, &b->body, buf_msgpack_write);
    if (msgpack_pack_map(&pk, top + (contact ? 1 : 0) + (n_offers ? 1 : 0) + (n_needs ? 1 : 0))) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < imp->n_cols; i++) {
        size_t n;
        const char *s = cell(imp, i, &n);

        if (imp->cols[i].target == T_TOP && n && (rc = pack_value(&pk, &imp->cols[i], s, n)))
            goto out;
    }
    if (contact) {
        if (proto_pack_cstr(&pk, "contact") || msgpack_pack_map(&pk, contact)) {
            rc = -ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < imp->n_cols; i++) {
            size_t n;
            const char *s = cell(imp, i, &n);

            if (imp->cols[i].target == T_CONTACT && n &&
                (rc = pack_value(&pk, &imp->cols[i], s, n)))
                goto out;
        }
    }
    if (n_offers && (proto_pack_cstr(&pk, "offers") ||
                     (rc = pack_items(imp, &pk, T_OFFER, imp->n_offers, offers)))) {
        rc = rc ? rc : -ENOMEM;
        goto out;
    }
    if (n_needs && (proto_pack_cstr(&pk, "needs") ||
                    (rc = pack_items(imp, &pk, T_NEED, imp->n_needs, needs)))) {
        rc = rc ? rc : -ENOMEM;
        goto out;
    }
    rc = batch_push(b, imp->line, id, id_len);
out:
    if (rc)
        imp->fatal_rc = rc;
}

static void csv_on_field(void *s, size_t n, void *data)
{
    struct import *imp = data;

    if (imp->fatal_rc)
        return;
    if (imp->n_cells == imp->cap_cells) {
        size_t cap = imp->cap_cells ? imp->cap_cells * 2 : 32;
        size_t *o = realloc(imp->cell_off, cap * sizeof(*o)), *l;

        if (!o)
            goto oom;
        imp->cell_off = o;
        l = realloc(imp->cell_len, cap * sizeof(*l));
        if (!l)
            goto oom;
        imp->cell_len = l;
        imp->cap_cells = cap;
    }
    imp->cell_off[imp->n_cells] = imp->rec.len;
    imp->cell_len[imp->n_cells] = n;
    imp->n_cells++;
    buf_append(&imp->rec, s ? s : "", s ? n : 0);
    if (buf_err(&imp->rec))
        goto oom;
    return;
oom:
    imp->fatal_rc = -ENOMEM;
}

static void csv_on_record(int term, void *data)
{
    struct import *imp = data;

    (void)term;
    if (imp->fatal_rc)
        return;
    imp->line++;
    if (imp->line == 1)
        csv_header(imp);
    else
        csv_row(imp);
    imp->n_cells = 0;
    buf_reset(&imp->rec);
}

/*
 * Feed libcsv until the header is read (b NULL), or until b is full (records then go to the
 * spill batch, so stop at the end of that chunk), or until the input ends.
 */
static int csv_feed(struct import *imp, struct import_batch *b)
{
    struct sm_error e;

    while (!imp->done && !imp->fatal_rc) {
        size_t chunk = SM_MIN((size_t)CSV_CHUNK, imp->len - imp->pos);

        if (b ? imp->target != b || batch_full(imp, b) || imp->line >= imp->line_stop
              : imp->line >= 1)
            break;
        if (chunk == 0) {
            imp->done = true;
            /* libcsv (non-strict) would accept a quoted field left open at the end as if
             * closed, swallowing the rest of the body into one cell: refuse that record.
             * pstate 2 is libcsv's FIELD_BEGUN (struct csv_parser is public in csv.h). */
            if (imp->csv.quoted && imp->csv.pstate == 2) {
                sm_error_set(&e, SM_EBADREQ, "", "unterminated quoted field");
                import_add_error(imp, imp->line + 1, NULL, &e);
                break;
            }
            csv_fini(&imp->csv, csv_on_field, csv_on_record, imp);
            break;
        }
        if (csv_parse(&imp->csv, imp->data + imp->pos, chunk, csv_on_field, csv_on_record, imp) !=
            chunk) {
            /* Non-strict libcsv fails only for memory. */
            imp->fatal_rc = -ENOMEM;
            break;
        }
        imp->pos += chunk;
    }
    return imp->fatal_rc;
}

static int csv_next(struct import *imp, struct import_batch *b)
{
    struct import_batch t;

    /* The spill batch holds records parsed after the previous batch filled: they go first. */
    if (imp->spill.n) {
        t = *b;
        *b = imp->spill;
        imp->spill = t;
    }
    imp->target = b;
    return csv_feed(imp, b);
}

/* ---- life cycle --------------------------------------------------------------------------- */

int import_init(struct import *imp, enum import_format fmt, const char *data, size_t len,
                struct sm_error *e)
{
    int rc = 0;

    memset(imp, 0, sizeof(*imp));
    imp->fmt = fmt;
    imp->data = data;
    imp->len = len;
    imp->batch_max = IMPORT_BATCH_MAX;
    imp->line_stop = UINT32_MAX;
    imp->jlim = jsonmp_default_limits;
    imp->jlim.max_bytes = IMPORT_LINE_MAX;
    buf_init(&imp->rec);
    import_batch_init(&imp->spill);
    imp->target = &imp->spill;
    if (fmt == IMPORT_NDJSON)
        return 0;
    if (csv_init(&imp->csv, CSV_STRICT_FINI)) {
        rc = sm_error_set(e, -ENOMEM, "", "out of memory");
        goto out;
    }
    imp->csv_inited = true;
    rc = csv_feed(imp, NULL);
    if (rc) {
        if (rc == imp->fatal.code)
            *e = imp->fatal;
        else
            sm_error_set(e, rc, "", "%s", sm_strerror(rc));
        goto out;
    }
    if (imp->line == 0) {
        rc = sm_error_set(e, SM_EBADREQ, "", "csv body has no header line");
        goto out;
    }
out:
    if (rc)
        import_release(imp);
    return rc;
}

int import_next(struct import *imp, struct import_batch *b)
{
    import_batch_reset(b);
    return import_fill(imp, b, UINT32_MAX);
}

int import_fill(struct import *imp, struct import_batch *b, uint32_t max)
{
    int rc;

    imp->line_stop = max > UINT32_MAX - imp->line ? UINT32_MAX : imp->line + max;
    rc = imp->fmt == IMPORT_NDJSON ? ndjson_next(imp, b) : csv_next(imp, b);
    imp->line_stop = UINT32_MAX;
    return rc;
}

bool import_batch_ready(const struct import *imp, const struct import_batch *b)
{
    return batch_full(imp, b) || imp->done || imp->fatal_rc || imp->spill.n;
}

void import_release(struct import *imp)
{
    for (size_t i = 0; i < imp->n_errors; i++)
        free(imp->errors[i].id);
    free(imp->errors);
    if (imp->csv_inited)
        csv_free(&imp->csv);
    free(imp->cols);
    free(imp->cell_off);
    free(imp->cell_len);
    buf_release(&imp->rec);
    import_batch_release(&imp->spill);
    memset(imp, 0, sizeof(*imp));
}
