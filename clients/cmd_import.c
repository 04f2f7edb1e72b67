/*
 * cmd_import.c - `smematch import FILE`: send a CSV or NDJSON file of registrants to the gateway
 * in batches, with progress on stderr and a summary, reporting every bad record with its line.
 *
 * Batching keeps each request under the gateway's import body limit and lets the engine group
 * commit; a batch that fails for a transient reason (503, timeout) is retried, which is safe
 * because imports are upserts. Several batches are in flight (--parallel, one thread and
 * connection each): the engine commits what it has queued as one group, and a commit costs
 * about the same for one batch as for three at 1M profiles, so a bulk import needs several
 * queued (docs/benchmarks.md). Results are reported in file order whatever order they come in.
 */
#include "sm.h"
#include "cmd.h"
#include "httpc.h"

#include <jansson.h>
#include <getopt.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#define BATCH_RECORDS 5000
#define PARALLEL_DEFAULT 6
#define PARALLEL_MAX 16
#define BATCH_BYTES (16u << 20)
#define MAX_SHOWN_ERRORS 50
#define RETRIES 6
#define RETRIES_UNREACHABLE 3

enum fmt { FMT_NDJSON, FMT_CSV };

/* A batch and the thread that sends it: FREE -> (filled) SENDING -> DONE -> reported, FREE. */
enum slot_state { SLOT_FREE, SLOT_SENDING, SLOT_DONE };

struct slot {
    struct importer *im;
    pthread_t th;
    struct httpc *http;
    char *body; /* the batch */
    size_t len, cap;
    unsigned long records;
    unsigned long first_number; /* line (ndjson) or record (csv) number of the batch's first */
    uint64_t seq;               /* batches are reported in this order */
    enum slot_state state;
    int rc;       /* 0, or -1 when the batch failed (already reported) */
    json_t *root; /* the gateway's report */
};

struct importer {
    enum fmt fmt;
    FILE *in;
    off_t total_bytes;
    off_t done_bytes;
    char *header;          /* CSV header line, sent first in every batch */
    size_t header_len;
    struct slot slots[PARALLEL_MAX];
    unsigned n_slots;
    struct slot *filling;  /* the batch being built */
    uint64_t next_seq, report_seq;
    pthread_mutex_t mu;    /* slot states, quit */
    pthread_cond_t cv;
    bool sync_on; /* mu and cv initialised */
    bool quit;
    unsigned long next_number;
    unsigned long stored, failed, shown;
    uint64_t start_ns, last_progress_ns;
    int quiet, tty;
};

static int append(struct slot *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1u << 20;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->body, cap);
        if (!p)
            return -ENOMEM;
        b->body = p;
        b->cap = cap;
    }
    memcpy(b->body + b->len, s, n);
    b->len += n;
    b->body[b->len] = '\0';
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
static void report_errors(struct importer *im, const struct slot *b, json_t *errors)
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
        num = b->first_number + (unsigned long)line - (im->fmt == FMT_CSV ? 2 : 1);
        if (im->tty && !im->quiet)
            fputc('\n', stderr);
        fprintf(stderr, "%s %lu%s%s: %s%s%s%s\n", im->fmt == FMT_CSV ? "record" : "line", num,
                id ? " id " : "", id ? id : "", msg ? msg : "invalid",
                field && *field ? " (field " : "", field && *field ? field : "",
                field && *field ? ")" : "");
    }
}

/* On the slot's thread: POST its batch (retrying 503/504), keep the report in b->root. */
static int send_batch(struct slot *b)
{
    struct importer *im = b->im;
    const char *ctype = im->fmt == FMT_CSV ? "text/csv" : "application/x-ndjson";
    struct httpc_response res;
    int rc = 0;

    for (int attempt = 0;; attempt++) {
        rc = httpc_request(b->http, "POST", "/v1/profiles/import", ctype, b->body, b->len, NULL,
                           &res);
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
    b->root = json_loadb(res.body, res.body_len, 0, NULL);
    if (!b->root) {
        fprintf(stderr, "smematch: import: unreadable reply from gateway\n");
        rc = -1;
    }
out:
    httpc_response_release(&res);
    return rc;
}

static void *slot_main(void *arg)
{
    struct slot *b = arg;
    struct importer *im = b->im;

    pthread_mutex_lock(&im->mu);
    for (;;) {
        while (b->state != SLOT_SENDING && !im->quit)
            pthread_cond_wait(&im->cv, &im->mu);
        if (b->state != SLOT_SENDING)
            break;
        pthread_mutex_unlock(&im->mu);
        b->rc = send_batch(b);
        pthread_mutex_lock(&im->mu);
        b->state = SLOT_DONE;
        pthread_cond_broadcast(&im->cv);
    }
    pthread_mutex_unlock(&im->mu);
    return NULL;
}

/*
 * Report the done batches that come next in file order (waiting for the next one first when
 * wait), freeing their slots. Returns -1 once a batch has failed.
 */
static int reap(struct importer *im, bool wait)
{
    int rc = 0;

    for (;;) {
        struct slot *b = NULL;

        pthread_mutex_lock(&im->mu);
        for (;;) {
            bool outstanding = false;

            b = NULL;
            for (unsigned i = 0; i < im->n_slots; i++)
                if (im->slots[i].state != SLOT_FREE && im->slots[i].seq == im->report_seq) {
                    outstanding = true;
                    if (im->slots[i].state == SLOT_DONE)
                        b = &im->slots[i];
                }
            if (b || !wait || !outstanding)
                break;
            pthread_cond_wait(&im->cv, &im->mu);
        }
        pthread_mutex_unlock(&im->mu);
        if (!b)
            return rc;
        if (b->rc)
            rc = -1;
        if (b->root) {
            im->stored += (unsigned long)json_integer_value(json_object_get(b->root, "stored"));
            im->failed += (unsigned long)json_integer_value(json_object_get(b->root, "failed"));
            report_errors(im, b, json_object_get(b->root, "errors"));
            json_decref(b->root);
            b->root = NULL;
        }
        progress(im, false);
        im->report_seq++;
        wait = false; /* the one waited for is in: take the others that are done, no more */
        pthread_mutex_lock(&im->mu);
        b->state = SLOT_FREE;
        pthread_mutex_unlock(&im->mu);
        if (rc)
            return rc;
    }
}

/* A free slot to fill (reporting done batches, waiting for the oldest if all are busy). */
static int start_batch(struct importer *im)
{
    for (;;) {
        struct slot *b = NULL;
        int rc = reap(im, false);

        if (rc)
            return rc;
        pthread_mutex_lock(&im->mu); /* the senders write the states of the other slots */
        for (unsigned i = 0; i < im->n_slots && !b; i++)
            if (im->slots[i].state == SLOT_FREE)
                b = &im->slots[i];
        pthread_mutex_unlock(&im->mu);
        if (b) { /* a free slot is this thread's alone until dispatch */
            b->len = 0;
            b->records = 0;
            b->first_number = im->next_number;
            im->filling = b;
            return im->header ? append(b, im->header, im->header_len) : 0;
        }
        rc = reap(im, true);
        if (rc)
            return rc;
    }
}

static void dispatch(struct importer *im)
{
    struct slot *b = im->filling;

    im->filling = NULL;
    if (b->records == 0)
        return;
    pthread_mutex_lock(&im->mu);
    b->seq = im->next_seq++;
    b->state = SLOT_SENDING;
    pthread_cond_broadcast(&im->cv);
    pthread_mutex_unlock(&im->mu);
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
        struct slot *b = im->filling;

        /* Blank lines are skipped by the gateway but still count as lines of the file. */
        if ((rc = append(b, rec, (size_t)n)))
            goto out;
        im->next_number++;
        if (!blank(rec, (size_t)n))
            b->records++;
        if (b->records >= BATCH_RECORDS || b->len >= BATCH_BYTES) {
            dispatch(im);
            if ((rc = start_batch(im)))
                goto out;
        }
    }
    if (n < 0) {
        fprintf(stderr, "smematch: import: read error: %s\n", strerror((int)-n));
        rc = (int)n;
        goto out;
    }
    dispatch(im);
out:
    im->filling = NULL;
    /* Whatever happened, the batches sent are answered and reported, in order. */
    while (im->report_seq < im->next_seq) {
        int r = reap(im, true);

        if (r && !rc)
            rc = r;
    }
    free(rec);
    return rc;
}

/* One thread and connection per slot. */
static int slots_start(struct importer *im, const struct cli_opts *o, unsigned n)
{
    if (pthread_mutex_init(&im->mu, NULL))
        return -ENOMEM;
    if (pthread_cond_init(&im->cv, NULL)) {
        pthread_mutex_destroy(&im->mu);
        return -ENOMEM;
    }
    im->sync_on = true;
    for (; im->n_slots < n; im->n_slots++) {
        struct slot *b = &im->slots[im->n_slots];

        b->im = im;
        if (httpc_new(&b->http, o->url, o->key))
            return -ENOMEM;
        if (pthread_create(&b->th, NULL, slot_main, b)) {
            httpc_destroy(&b->http);
            return -ENOMEM;
        }
    }
    return 0;
}

/* Stop the threads (each finishes the batch it sends) and free the slots. */
static void slots_stop(struct importer *im)
{
    if (!im->sync_on)
        return;
    pthread_mutex_lock(&im->mu);
    im->quit = true;
    pthread_cond_broadcast(&im->cv);
    pthread_mutex_unlock(&im->mu);
    for (unsigned i = 0; i < im->n_slots; i++) {
        struct slot *b = &im->slots[i];

        pthread_join(b->th, NULL);
        httpc_destroy(&b->http);
        json_decref(b->root);
        free(b->body);
    }
    pthread_cond_destroy(&im->cv);
    pthread_mutex_destroy(&im->mu);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: smematch import [--format ndjson|csv] [--parallel N] FILE|-\n"
            "  imports registrant profiles (one JSON object per line, or CSV with a header\n"
            "  row; see docs/api.md) in batches of %d, N in flight (default %d, 1 to %d),\n"
            "  showing progress\n",
            BATCH_RECORDS, PARALLEL_DEFAULT, PARALLEL_MAX);
}

int cmd_import(int argc, char **argv, const struct cli_opts *o)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {"parallel", required_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {0}};
    struct importer im = {.quiet = o->quiet};
    const char *path, *format = NULL;
    unsigned parallel = PARALLEL_DEFAULT;
    struct stat st;
    double secs;
    char *end;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:p:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'p':
            errno = 0;
            parallel = (unsigned)strtoul(optarg, &end, 10);
            if (errno || *end || end == optarg || parallel < 1 || parallel > PARALLEL_MAX) {
                fprintf(stderr, "smematch: import: --parallel must be 1 to %d\n", PARALLEL_MAX);
                return 2;
            }
            break;
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
    rc = slots_start(&im, o, parallel);
    if (rc == 0) {
        im.start_ns = sm_now_ns();
        rc = run(&im);
        progress(&im, true);
        secs = (double)(sm_now_ns() - im.start_ns) / 1e9;
        if (im.shown > MAX_SHOWN_ERRORS)
            fprintf(stderr, "(%lu more errors not shown)\n", im.shown - MAX_SHOWN_ERRORS);
        printf("imported %s: %lu stored, %lu failed in %.2f s (%.0f profiles/s)\n", path,
               im.stored, im.failed, secs, secs > 0 ? (double)im.stored / secs : 0.0);
    } else {
        fprintf(stderr, "smematch: import: cannot start %u senders\n", parallel);
    }
    slots_stop(&im);
    if (im.in != stdin)
        fclose(im.in);
    free(im.header);
    if (rc)
        return 1;
    return im.failed ? 3 : 0;
}
