/*
 * cmd_event.c - `smematch event ...`: run a matchmaking event from the command line through
 * the gateway's event routes (docs/api.md "Events", "Agendas").
 *
 *   event create FILE.json                       POST /v1/events
 *   event import-participants EVENT FILE.csv     POST /v1/events/{id}/participants per row
 *   event schedule EVENT [--mode place|choose] [--publish] [--json]
 *   event agenda EVENT PROFILE [--format json|csv|ics|html]
 *   event stats EVENT
 *
 * import-participants reads a CSV with a header. Participant columns: profile_id (required;
 * "profile" or "id" also accepted), role, group, min, max (meetings), unavailable (slot
 * indexes separated by spaces or ';'). Any other column is a profile column of the profile
 * import (name, kind, country, languages, sectors...): the rows whose profile does not exist
 * yet are then imported as profiles first (POST /v1/profiles/import, text/csv), existing
 * profiles are left as they are. Every row is reported; exit 3 if some failed.
 */
#include "sm.h"
#include "cmd.h"
#include "httpc.h"

#include <jansson.h>

/* ---- small helpers ------------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0, n = 0;

    if (!f) {
        fprintf(stderr, "smematch: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        size_t got;

        if (cap - n < 65536) {
            char *p = realloc(data, cap ? cap * 2 : 65536 * 2);
            if (!p) {
                free(data);
                fclose(f);
                fprintf(stderr, "smematch: out of memory\n");
                return NULL;
            }
            data = p;
            cap = cap ? cap * 2 : 65536 * 2;
        }
        got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "smematch: %s: read error\n", path);
        free(data);
        fclose(f);
        return NULL;
    }
    fclose(f);
    data[n] = '\0';
    *len = n;
    return data;
}

static void print_json(const struct httpc_response *res)
{
    json_t *root = json_loadb(res->body ? res->body : "", res->body_len, 0, NULL);

    if (!root) {
        fwrite(res->body, 1, res->body_len, stdout);
        return;
    }
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
}

/* "/v1/events/<escaped id><suffix>" into out; -1 on overflow or no memory. */
static int event_path(char *out, size_t outsz, const char *event, const char *suffix)
{
    char *e = httpc_escape(event);
    int n;

    if (!e)
        return -1;
    n = snprintf(out, outsz, "/v1/events/%s%s", e, suffix);
    free(e);
    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* A string member, or def when absent or not a string. */
static const char *jstr(json_t *o, const char *key, const char *def)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : def;
}

static bool ok_status(long s)
{
    return s >= 200 && s < 300;
}

/* ---- CSV (RFC 4180: quoted fields, "" inside quotes, CRLF or LF) -------------------------- */

struct csv_row {
    char **f;
    size_t n, cap;
};

static void row_clear(struct csv_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->f[i]);
    r->n = 0;
}

static int row_push(struct csv_row *r, const char *s, size_t n)
{
    char *v;

    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        char **p = realloc(r->f, cap * sizeof(*p));
        if (!p)
            return -1;
        r->f = p;
        r->cap = cap;
    }
    v = malloc(n + 1);
    if (!v)
        return -1;
    memcpy(v, s, n);
    v[n] = '\0';
    r->f[r->n++] = v;
    return 0;
}

/* Read the record at *pos into r; 1 when one was read, 0 at the end, -1 on an error. */
static int csv_next(const char *d, size_t len, size_t *pos, struct csv_row *r)
{
    size_t i = *pos;
    char *field = NULL;
    size_t fl = 0, fc = 0;

    row_clear(r);
    /* Skip blank lines. */
    while (i < len && (d[i] == '\r' || d[i] == '\n'))
        i++;
    if (i >= len) {
        *pos = i;
        return 0;
    }
    for (;;) {
        bool quoted = i < len && d[i] == '"';

        fl = 0;
        if (quoted)
            i++;
        while (i < len) {
            char ch = d[i];

            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < len && d[i + 1] == '"') {
                        i++;
                    } else {
                        i++;
                        quoted = false;
                        continue;
                    }
                }
            } else if (ch == ',' || ch == '\r' || ch == '\n') {
                break;
            }
            if (fl + 1 >= fc) {
                char *p = realloc(field, fc ? fc * 2 : 64);
                if (!p) {
                    free(field);
                    return -1;
                }
                field = p;
                fc = fc ? fc * 2 : 64;
            }
            field[fl++] = ch;
            i++;
        }
        if (quoted || row_push(r, field ? field : "", fl)) {
            free(field);
            return -1; /* an unterminated quote */
        }
        if (i < len && d[i] == ',') {
            i++;
            continue;
        }
        if (i < len && d[i] == '\r')
            i++;
        if (i < len && d[i] == '\n')
            i++;
        break;
    }
    free(field);
    *pos = i;
    return 1;
}

static void csv_put(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s), need = 2 * n + 3;
    bool quote = strpbrk(s, ",\"\r\n") != NULL;

    if (*len + need + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        char *p;
        while (c < *len + need + 1)
            c *= 2;
        p = realloc(*buf, c);
        if (!p)
            return;
        *buf = p;
        *cap = c;
    }
    if (quote)
        (*buf)[(*len)++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            (*buf)[(*len)++] = '"';
        (*buf)[(*len)++] = s[i];
    }
    if (quote)
        (*buf)[(*len)++] = '"';
    (*buf)[*len] = '\0';
}

static void raw_put(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);

    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        char *p;
        while (c < *len + n + 1)
            c *= 2;
        p = realloc(*buf, c);
        if (!p)
            return;
        *buf = p;
        *cap = c;
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

/* ---- event create ------------------------------------------------------------------------- */

static int event_create(int argc, char **argv, struct httpc *h)
{
    struct httpc_response res = {0};
    size_t len = 0;
    char *body;
    int rc = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: smematch event create FILE.json\n");
        return 2;
    }
    body = read_file(argv[1], &len);
    if (!body)
        return 1;
    if (httpc_request(h, "POST", "/v1/events", "application/json", body, len, NULL, &res) ||
        !ok_status(res.status)) {
        rc = httpc_report_error(argv[1], &res);
        goto out;
    }
    print_json(&res);
    rc = 0;
out:
    httpc_response_release(&res);
    free(body);
    return rc;
}

/* ---- event import-participants ------------------------------------------------------------ */

enum pcol { PC_PROFILE, PC_ROLE, PC_GROUP, PC_MIN, PC_MAX, PC_UNAVAILABLE, PC_OTHER };

static enum pcol pcol_of(const char *name)
{
    static const struct {
        const char *name;
        enum pcol c;
    } names[] = {{"profile_id", PC_PROFILE},   {"profile", PC_PROFILE},
                 {"id", PC_PROFILE},           {"role", PC_ROLE},
                 {"group", PC_GROUP},          {"min", PC_MIN},
                 {"min_meetings", PC_MIN},     {"max", PC_MAX},
                 {"max_meetings", PC_MAX},     {"unavailable", PC_UNAVAILABLE},
                 {"forbidden", PC_UNAVAILABLE}};

    for (size_t i = 0; i < SM_ARRAY_SIZE(names); i++)
        if (strcasecmp(name, names[i].name) == 0)
            return names[i].c;
    return PC_OTHER;
}

/* The participant body of one row; NULL with *err set on a bad cell. */
static json_t *participant_body(const struct csv_row *hdr, const enum pcol *cols,
                                const struct csv_row *r, const char **err)
{
    json_t *o = json_object();

    for (size_t i = 0; i < hdr->n && i < r->n; i++) {
        const char *v = r->f[i];
        char *end;
        long long n;

        if (!*v)
            continue;
        switch (cols[i]) {
        case PC_PROFILE:
            json_object_set_new(o, "profile", json_string(v));
            break;
        case PC_ROLE:
            json_object_set_new(o, "role", json_string(v));
            break;
        case PC_GROUP:
            json_object_set_new(o, "group", json_string(v));
            break;
        case PC_MIN:
        case PC_MAX:
            errno = 0;
            n = strtoll(v, &end, 10);
            if (errno || *end || n < 0) {
                *err = cols[i] == PC_MIN ? "min: expected a whole number"
                                         : "max: expected a whole number";
                json_decref(o);
                return NULL;
            }
            json_object_set_new(o, cols[i] == PC_MIN ? "min_meetings" : "max_meetings",
                                json_integer(n));
            break;
        case PC_UNAVAILABLE: {
            json_t *a = json_array();
            const char *p = v;

            while (*p) {
                while (*p == ' ' || *p == ';' || *p == '|')
                    p++;
                if (!*p)
                    break;
                errno = 0;
                n = strtoll(p, &end, 10);
                if (errno || end == p || n < 0) {
                    *err = "unavailable: expected slot indexes separated by ';'";
                    json_decref(a);
                    json_decref(o);
                    return NULL;
                }
                json_array_append_new(a, json_integer(n));
                p = end;
            }
            json_object_set_new(o, "forbidden", a);
            break;
        }
        case PC_OTHER:
            break;
        }
    }
    if (!json_object_get(o, "profile")) {
        *err = "profile_id is empty";
        json_decref(o);
        return NULL;
    }
    return o;
}

static bool has_profile_cells(const enum pcol *cols, const struct csv_row *hdr,
                              const struct csv_row *r)
{
    for (size_t i = 0; i < hdr->n && i < r->n; i++)
        if (cols[i] == PC_OTHER && r->f[i][0])
            return true;
    return false;
}

/* Import, as profiles, the rows whose profile does not exist yet. Returns 0 or 1. */
static int import_missing_profiles(struct httpc *h, const char *data, size_t len,
                                   const struct csv_row *hdr, const enum pcol *cols, int quiet)
{
    struct csv_row r = {0};
    struct httpc_response res = {0};
    char *csv = NULL, path[1024];
    size_t clen = 0, ccap = 0, pos = 0;
    unsigned long missing = 0;
    int rc = 1, got;

    /* Header: id, then the profile columns in file order. */
    raw_put(&csv, &clen, &ccap, "id");
    for (size_t i = 0; i < hdr->n; i++) {
        if (cols[i] != PC_OTHER)
            continue;
        raw_put(&csv, &clen, &ccap, ",");
        csv_put(&csv, &clen, &ccap, hdr->f[i]);
    }
    raw_put(&csv, &clen, &ccap, "\r\n");
    csv_next(data, len, &pos, &r); /* the header again */
    while ((got = csv_next(data, len, &pos, &r)) == 1) {
        const char *id = NULL;
        char *e;

        for (size_t i = 0; i < hdr->n && i < r.n; i++)
            if (cols[i] == PC_PROFILE)
                id = r.f[i];
        if (!id || !*id)
            continue;
        e = httpc_escape(id);
        if (!e)
            goto out;
        snprintf(path, sizeof(path), "/v1/profiles/%s", e);
        free(e);
        httpc_response_release(&res);
        memset(&res, 0, sizeof(res));
        if (httpc_request(h, "GET", path, NULL, NULL, 0, NULL, &res)) {
            httpc_report_error(id, &res);
            goto out;
        }
        if (res.status != 404 || !has_profile_cells(cols, hdr, &r))
            continue; /* exists, or nothing to import it from (the row will fail alone) */
        missing++;
        csv_put(&csv, &clen, &ccap, id);
        for (size_t i = 0; i < hdr->n; i++) {
            if (cols[i] != PC_OTHER)
                continue;
            raw_put(&csv, &clen, &ccap, ",");
            csv_put(&csv, &clen, &ccap, i < r.n ? r.f[i] : "");
        }
        raw_put(&csv, &clen, &ccap, "\r\n");
    }
    if (got < 0) {
        fprintf(stderr, "smematch: bad csv (an unterminated quote?)\n");
        goto out;
    }
    if (missing == 0) {
        rc = 0;
        goto out;
    }
    httpc_response_release(&res);
    memset(&res, 0, sizeof(res));
    if (httpc_request(h, "POST", "/v1/profiles/import", "text/csv", csv, clen, NULL, &res) ||
        res.status != 200) {
        httpc_report_error("profile import", &res);
        goto out;
    }
    if (!quiet) {
        json_t *j = json_loadb(res.body, res.body_len, 0, NULL), *e;
        size_t i;

        fprintf(stderr, "profiles imported: %lld stored, %lld failed (of %lu new)\n",
                (long long)json_integer_value(json_object_get(j, "stored")),
                (long long)json_integer_value(json_object_get(j, "failed")), missing);
        json_array_foreach(json_object_get(j, "errors"), i, e)
        {
            json_t *err = json_object_get(e, "error");
            fprintf(stderr, "  profile %s: %s (field %s)\n", jstr(e, "id", "?"),
                    jstr(err, "message", "?"), jstr(err, "field", ""));
        }
        json_decref(j);
    }
    rc = 0;
out:
    row_clear(&r);
    free(r.f);
    free(csv);
    httpc_response_release(&res);
    return rc;
}

static int event_import_participants(int argc, char **argv, struct httpc *h, int quiet)
{
    struct csv_row hdr = {0}, r = {0};
    struct httpc_response res = {0};
    enum pcol *cols = NULL;
    char path[1024], *data = NULL;
    size_t len = 0, pos = 0;
    unsigned long added = 0, failed = 0, record = 1;
    bool has_profile = false, has_other = false;
    int rc = 1, got;

    if (argc != 3) {
        fprintf(stderr, "usage: smematch event import-participants EVENT FILE.csv\n");
        return 2;
    }
    if (event_path(path, sizeof(path), argv[1], "/participants")) {
        fprintf(stderr, "smematch: event id too long\n");
        return 2;
    }
    data = read_file(argv[2], &len);
    if (!data)
        return 1;
    if (csv_next(data, len, &pos, &hdr) != 1) {
        fprintf(stderr, "smematch: %s: no csv header\n", argv[2]);
        goto out;
    }
    cols = calloc(hdr.n, sizeof(*cols));
    if (!cols)
        goto out;
    for (size_t i = 0; i < hdr.n; i++) {
        cols[i] = pcol_of(hdr.f[i]);
        has_profile |= cols[i] == PC_PROFILE;
        has_other |= cols[i] == PC_OTHER;
    }
    if (!has_profile) {
        fprintf(stderr, "smematch: %s: the header needs a profile_id column\n", argv[2]);
        rc = 2;
        goto out;
    }
    if (has_other && import_missing_profiles(h, data, len, &hdr, cols, quiet))
        goto out;
    while ((got = csv_next(data, len, &pos, &r)) == 1) {
        const char *err = NULL;
        json_t *body;
        char *text;

        record++;
        body = participant_body(&hdr, cols, &r, &err);
        if (!body) {
            fprintf(stderr, "record %lu: %s\n", record, err);
            failed++;
            continue;
        }
        text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        httpc_response_release(&res);
        memset(&res, 0, sizeof(res));
        if (!text ||
            httpc_request(h, "POST", path, "application/json", text, strlen(text), NULL, &res)) {
            free(text);
            httpc_report_error(argv[1], &res);
            goto out;
        }
        free(text);
        if (ok_status(res.status)) {
            added++;
        } else {
            char what[64];

            snprintf(what, sizeof(what), "record %lu", record);
            httpc_report_error(what, &res);
            failed++;
        }
    }
    if (got < 0) {
        fprintf(stderr, "smematch: %s: bad csv after record %lu (an unterminated quote?)\n",
                argv[2], record);
        goto out;
    }
    printf("participants added: %lu, failed: %lu\n", added, failed);
    rc = failed ? 3 : 0;
out:
    row_clear(&hdr);
    free(hdr.f);
    row_clear(&r);
    free(r.f);
    free(cols);
    free(data);
    httpc_response_release(&res);
    return rc;
}

/* ---- event schedule ----------------------------------------------------------------------- */

static long long jint(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void print_schedule(json_t *j)
{
    json_t *placed = json_object_get(j, "placed"), *unplaced = json_object_get(j, "unplaced");
    json_t *moved = json_object_get(j, "moved"), *breaks = json_object_get(j, "breaks");
    size_t i;
    json_t *u;

    printf("mode: %s, published: %s\n", jstr(j, "mode", "?"),
           json_is_true(json_object_get(j, "published")) ? "yes" : "no");
    printf("placed: %zu, unplaced: %zu, moved: %zu\n", json_array_size(placed),
           json_array_size(unplaced), json_array_size(moved));
    if (breaks)
        printf("breaks: %lld total, %lld at most for one participant (lower bound %lld)\n",
               jint(breaks, "total"), jint(breaks, "max"), jint(breaks, "lower_bound"));
    printf("optimal: %s, %lld ms\n", json_is_true(json_object_get(j, "optimal")) ? "yes" : "no",
           jint(j, "elapsed_ms"));
    json_array_foreach(unplaced, i, u)
    {
        printf("  unplaced %s: %s - %s: %s\n", jstr(u, "id", "(candidate)"), jstr(u, "a", "?"),
               jstr(u, "b", "?"), jstr(u, "why", jstr(u, "reason", "")));
    }
}

static int event_schedule(int argc, char **argv, struct httpc *h)
{
    struct httpc_response res = {0};
    const char *mode = "place";
    bool publish = false, as_json = false;
    char path[1024], *text = NULL;
    json_t *body = NULL, *j;
    int rc = 1;

    if (argc < 2 || argv[1][0] == '-')
        goto usage;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc)
            mode = argv[++i];
        else if (strcmp(argv[i], "--publish") == 0)
            publish = true;
        else if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else
            goto usage;
    }
    if (strcmp(mode, "place") != 0 && strcmp(mode, "choose") != 0)
        goto usage;
    if (event_path(path, sizeof(path), argv[1], "/schedule"))
        goto usage;
    body = json_pack("{s:s, s:b}", "mode", mode, "publish", publish);
    text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (!text ||
        httpc_request(h, "POST", path, "application/json", text, strlen(text), NULL, &res) ||
        !ok_status(res.status)) {
        rc = httpc_report_error(argv[1], &res);
        goto out;
    }
    j = json_loadb(res.body, res.body_len, 0, NULL);
    if (as_json || !j)
        print_json(&res);
    else
        print_schedule(j);
    json_decref(j);
    rc = 0;
out:
    free(text);
    json_decref(body);
    httpc_response_release(&res);
    return rc;
usage:
    fprintf(stderr, "usage: smematch event schedule EVENT [--mode place|choose] [--publish] "
                    "[--json]\n");
    return 2;
}

/* ---- event agenda, stats ------------------------------------------------------------------ */

static int event_agenda(int argc, char **argv, struct httpc *h)
{
    struct httpc_response res = {0};
    const char *format = "json";
    char path[1024], suffix[600], *p = NULL;
    int rc = 1;

    if (argc == 5 && strcmp(argv[3], "--format") == 0)
        format = argv[4];
    else if (argc != 3)
        goto usage;
    if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "ics") &&
        strcmp(format, "html"))
        goto usage;
    p = httpc_escape(argv[2]);
    if (!p)
        return 1;
    snprintf(suffix, sizeof(suffix), "/agenda/%s?format=%s", p, format);
    free(p);
    if (event_path(path, sizeof(path), argv[1], suffix))
        goto usage;
    if (httpc_request(h, "GET", path, NULL, NULL, 0, NULL, &res) || res.status != 200) {
        rc = httpc_report_error(argv[2], &res);
        goto out;
    }
    if (strcmp(format, "json") == 0)
        print_json(&res);
    else
        fwrite(res.body, 1, res.body_len, stdout);
    rc = 0;
out:
    httpc_response_release(&res);
    return rc;
usage:
    fprintf(stderr, "usage: smematch event agenda EVENT PROFILE [--format json|csv|ics|html]\n");
    return 2;
}

static int event_stats(int argc, char **argv, struct httpc *h)
{
    struct httpc_response res = {0};
    char path[1024];
    int rc = 1;

    if (argc != 2 || event_path(path, sizeof(path), argv[1], "/stats")) {
        fprintf(stderr, "usage: smematch event stats EVENT\n");
        return 2;
    }
    if (httpc_request(h, "GET", path, NULL, NULL, 0, NULL, &res) || res.status != 200) {
        rc = httpc_report_error(argv[1], &res);
        goto out;
    }
    print_json(&res);
    rc = 0;
out:
    httpc_response_release(&res);
    return rc;
}

int cmd_event(int argc, char **argv, const struct cli_opts *o)
{
    struct httpc *h = NULL;
    const char *sub = argc > 1 ? argv[1] : "";
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: smematch event create|import-participants|schedule|agenda|stats "
                        "...\n");
        return 2;
    }
    if (httpc_new(&h, o->url, o->key))
        return 1;
    argc--;
    argv++;
    if (strcmp(sub, "create") == 0)
        rc = event_create(argc, argv, h);
    else if (strcmp(sub, "import-participants") == 0)
        rc = event_import_participants(argc, argv, h, o->quiet);
    else if (strcmp(sub, "schedule") == 0)
        rc = event_schedule(argc, argv, h);
    else if (strcmp(sub, "agenda") == 0)
        rc = event_agenda(argc, argv, h);
    else if (strcmp(sub, "stats") == 0)
        rc = event_stats(argc, argv, h);
    else {
        fprintf(stderr, "smematch: unknown event command '%s'\n", sub);
        rc = 2;
    }
    httpc_destroy(&h);
    return rc;
}
