/*
 * cmd_import.c - `smematch import FILE`: send a CSV or NDJSON file of registrants to the gateway
 * in batches, with progress on stderr and a summary, reporting every bad record with its line.
 *
 * Batching keeps each request under the gateway's import body limit and lets the engine group
 * commit; a batch that fails for a transient reason (503, timeout) is retried, which is safe
 * because imports are upserts.
 */
#include "sm.h"
#include "cmd.h"
#include "httpc.h"

#include <jansson.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#define BATCH_RECORDS 5000
#define BATCH_BYTES (16u << 20)
#define MAX_SHOWN_ERRORS 50
#define RETRIES 6
#define RETRIES_UNREACHABLE 3

enum fmt { FMT_NDJSON, FMT_CSV };

struct importer {
    struct httpc *http;
    enum fmt fmt;
    FILE *in;
    off_t total_bytes;
    off_t done_bytes;
    char *header;          /* CSV header line, sent first in every batch */
    size_t header_len;
    char *body;            /* the batch being built */
    size_t len, cap;
    unsigned long batch_records;
    unsigned long first_number; /* line (ndjson) or record (csv) number of the batch's first */
    unsigned long next_number;
    unsigned long stored, failed, shown;
    uint64_t start_ns, last_progress_ns;
    int quiet, tty;
};

static int append(struct importer *im, const char *s, size_t n)
{
    if (im->len + n + 1 > im->cap) {
        size_t cap = im->cap ? im->cap : 1u << 20;
        char *p;
        while (cap < im->len + n + 1)
            cap *= 2;
        p = realloc(im->body, cap);
        if (!p)
            return -ENOMEM;
        im->body = p;
        im->cap = cap;
    }
    memcpy(im->body + im->len, s, n);
    im->len += n;
    im->body[im->len] = '\0';
    return 0;
}

/*
 * Read one record: a line for NDJSON; for CSV, lines until the quotes balance (RFC 4180 doubles
 * quotes inside quoted fields, so an odd count means a quoted field spans the line break).
 * Returns the record length, 0 at end of file, negative on error. *rec is reused (getline).
 */
static ssize_t read_record(struct importer *im, char **rec, size_t *cap)
{
    char *line = NULL;
    size_t lcap = 0, len = 0;
    ssize_t n;
    int quotes = 0;

    do {
        n = getline(&line, &lcap, im->in);
        if (n < 0)
            break;
        im->done_bytes += n;
        if (len + (size_t)n + 1 > *cap) {
            size_t c = *cap ? *cap : 4096;
            char *p;
            while (c < len + (size_t)n + 1)
                c *= 2;
            p = realloc(*rec, c);
            if (!p) {
                free(line);
                return -ENOMEM;
            }
            *rec = p;
            *cap = c;
        }
        memcpy(*rec + len, line, (size_t)n);
        len += (size_t)n;
        (*rec)[len] = '\0';
        if (im->fmt == FMT_CSV)
            for (ssize_t i = 0; i < n; i++)
                quotes += line[i] == '"';
    } while (im->fmt == FMT_CSV && (quotes & 1));
    free(line);
    if (n < 0 && ferror(im->in))
        return -errno;
    if (len && (*rec)[len - 1] != '\n') {
        /* Last record without a newline: add one so batches concatenate cleanly. */
        if (len + 2 > *cap) {
            char *p = realloc(*rec, len + 2);
            if (!p)
                return -ENOMEM;
            *rec = p;
            *cap = len + 2;
        }
        (*rec)[len++] = '\n';
        (*rec)[len] = '\0';
    }
    return (ssize_t)len;
}

static void progress(struct importer *im, bool final)
{
    uint64_t now = sm_now_ns();
    double secs = (double)(now - im->start_ns) / 1e9;
    double rate = secs > 0 ? (double)(im->stored + im->failed) / secs : 0;

    if (im->quiet || (!final && now - im->last_progress_ns < 500000000ull))
        return;
    im->last_progress_ns = now;
    if (im->total_bytes > 0)
        fprintf(stderr, "%simport: %5.1f%%  %lu stored, %lu failed  %.0f profiles/s%s",
                im->tty ? "\r" : "", 100.0 * (double)im->done_bytes / (double)im->total_bytes,
                im->stored, im->failed, rate, im->tty && !final ? "" : "\n");
    else
        fprintf(stderr, "%simport: %lu stored, %lu failed  %.0f profiles/s%s", im->tty ? "\r" : "",
                im->stored, im->failed, rate, im->tty && !final ? "" : "\n");
}

/* Print the batch's per-record errors with file-wide numbers. */
static void report_errors(struct importer *im, json_t *errors)
{
    size_t i;
    json_t *e;

    json_array_foreach(errors, i, e) {
        json_int_t line = json_integer_value(json_object_get(e, "line"));
        const char *id = json_string_value(json_object_get(e, "id"));
        json_t *err = json_object_get(e, "error");
        const char *msg = json_string_value(json_object_get(err, "message"));
        const char *field = json_string_value(json_object_get(err, "field"));
        unsigned long num;

        if (im->shown++ >= MAX_SHOWN_ERRORS)
            continue;
        /* The gateway numbers from the body's first line; for CSV that line is our header. */
        num = im->first_number + (unsigned long)line - (im->fmt == FMT_CSV ? 2 : 1);
        if (im->tty && !im->quiet)
            fputc('\n', stderr);
        fprintf(stderr, "%s %lu%s%s: %s%s%s%s\n", im->fmt == FMT_CSV ? "record" : "line", num,
                id ? " id " : "", id ? id : "", msg ? msg : "invalid",
                field && *field ? " (field " : "", field && *field ? field : "",
                field && *field ? ")" : "");
    }
}

static int send_batch(struct importer *im)
{
    const char *ctype = im->fmt == FMT_CSV ? "text/csv" : "application/x-ndjson";
    struct httpc_response res;
    json_t *root = NULL;
    int rc = 0;

    if (im->batch_records == 0)
        return 0;
    for (int attempt = 0;; attempt++) {
        rc = httpc_request(im->http, "POST", "/v1/profiles/import", ctype, im->body, im->len,
                           NULL, &res);
        if (rc == 0 && res.status != 503 && res.status != 504)
            break;
        /* 503/504: the engine is restarting, worth waiting for; no gateway at all: fail soon. */
        if (attempt + 1 >= (rc ? RETRIES_UNREACHABLE : RETRIES)) {
            httpc_report_error("import", &res);
            httpc_response_release(&res);
            return -1;
        }
        if (!im->quiet)
            fprintf(stderr, "%simport: gateway or engine unavailable (%s), retrying\n",
                    im->tty ? "\n" : "", rc ? res.error : "HTTP 503/504");
        httpc_response_release(&res);
        sleep(1u << (attempt < 4 ? attempt : 4));
    }
    if (res.status != 200 && res.status != 201) {
        rc = httpc_report_error("import", &res) ? -1 : 0;
        goto out;
    }
    root = json_loadb(res.body, res.body_len, 0, NULL);
    if (!root) {
        fprintf(stderr, "smematch: import: unreadable reply from gateway\n");
        rc = -1;
        goto out;
    }
    im->stored += (unsigned long)json_integer_value(json_object_get(root, "stored"));
    im->failed += (unsigned long)json_integer_value(json_object_get(root, "failed"));
    report_errors(im, json_object_get(root, "errors"));
out:
    json_decref(root);
    httpc_response_release(&res);
    im->len = 0;
    im->batch_records = 0;
    return rc;
}

static int start_batch(struct importer *im)
{
    im->len = 0;
    im->first_number = im->next_number;
    return im->header ? append(im, im->header, im->header_len) : 0;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

static int run(struct importer *im)
{
    char *rec = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;

    im->next_number = 1;
    if (im->fmt == FMT_CSV) {
        n = read_record(im, &rec, &cap);
        if (n <= 0) {
            fprintf(stderr, "smematch: import: the CSV file has no header line\n");
            rc = -1;
            goto out;
        }
        im->header = strndup(rec, (size_t)n);
        im->header_len = (size_t)n;
        if (!im->header) {
            rc = -ENOMEM;
            goto out;
        }
        im->next_number = 2;
    }
    if ((rc = start_batch(im)))
        goto out;
    while ((n = read_record(im, &rec, &cap)) > 0) {
        /* Blank lines are skipped by the gateway but still count as lines of the file. */
        if ((rc = append(im, rec, (size_t)n)))
            goto out;
        im->next_number++;
        if (!blank(rec, (size_t)n))
            im->batch_records++;
        if (im->batch_records >= BATCH_RECORDS || im->len >= BATCH_BYTES) {
            if ((rc = send_batch(im)) || (rc = start_batch(im)))
                goto out;
            progress(im, false);
        }
    }
    if (n < 0) {
        fprintf(stderr, "smematch: import: read error: %s\n", strerror((int)-n));
        rc = (int)n;
        goto out;
    }
    rc = send_batch(im);
out:
    free(rec);
    return rc;
}

static void usage(void)
{
    fprintf(stderr, "usage: smematch import [--format ndjson|csv] FILE|-\n"
                    "  imports registrant profiles (one JSON object per line, or CSV with a header\n"
                    "  row; see docs/api.md) in batches of %d, showing progress\n",
                    BATCH_RECORDS);
}

int cmd_import(int argc, char **argv, const struct cli_opts *o)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
    struct importer im = {.quiet = o->quiet};
    const char *path, *format = NULL;
    struct stat st;
    double secs;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'h': usage(); return 0;
        default: usage(); return 2;
        }
    }
    if (optind != argc - 1) {
        usage();
        return 2;
    }
    path = argv[optind];
    if (format)
        im.fmt = strcmp(format, "csv") == 0 ? FMT_CSV : FMT_NDJSON;
    else {
        size_t n = strlen(path);
        im.fmt = n > 4 && strcmp(path + n - 4, ".csv") == 0 ? FMT_CSV : FMT_NDJSON;
    }
    if (format && strcmp(format, "csv") && strcmp(format, "ndjson")) {
        fprintf(stderr, "smematch: import: --format must be ndjson or csv\n");
        return 2;
    }
    im.in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!im.in) {
        fprintf(stderr, "smematch: import: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (fstat(fileno(im.in), &st) == 0 && S_ISREG(st.st_mode))
        im.total_bytes = st.st_size;
    im.tty = isatty(STDERR_FILENO);
    if (httpc_new(&im.http, o->url, o->key)) {
        rc = -ENOMEM;
        goto out;
    }
    im.start_ns = sm_now_ns();
    rc = run(&im);
    progress(&im, true);
    secs = (double)(sm_now_ns() - im.start_ns) / 1e9;
    if (im.shown > MAX_SHOWN_ERRORS)
        fprintf(stderr, "(%lu more errors not shown)\n", im.shown - MAX_SHOWN_ERRORS);
    printf("imported %s: %lu stored, %lu failed in %.2f s (%.0f profiles/s)\n", path, im.stored,
           im.failed, secs, secs > 0 ? (double)im.stored / secs : 0.0);
out:
    if (im.in && im.in != stdin)
        fclose(im.in);
    httpc_destroy(&im.http);
    free(im.header);
    free(im.body);
    if (rc)
        return 1;
    return im.failed ? 3 : 0;
}
