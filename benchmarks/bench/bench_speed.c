/*
 * bench_speed.c - smematch-bench: the speed figures of SPEC §7 in one run, each beside its
 * target, with SQLite FTS5 and Xapian (BM25) as the search peers on the same texts
 * (docs/benchmarks.md).
 *
 * Phases: generate (or read) profiles; start engine and gateway in a temporary folder; import
 * through the gateway (NDJSON POSTs, a few in parallel); leads in the engine (ZeroMQ, one in
 * flight and pipelined) and through HTTP (64 connections); /healthz through HTTP; search in
 * the engine, in FTS5 and in Xapian with the same query texts; data file size and engine memory.
 */
#include "sm.h"

#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_engine.h"
#include "bench_fts.h"
#include "bench_http.h"
#include "bench_util.h"
#include "bench_xapian.h"

struct opts {
    long count;
    const char *seed, *preset, *profiles, *build;
    unsigned queries, conns, window, import_par, import_lines, gw_timeout_ms;
    double http_secs, fts_secs, xapian_secs;
    bool keep, no_fts, no_xapian;
};

/* ---- import through the gateway ----------------------------------------------------------- */

/*
 * While the import runs, GET /healthz on a connection of its own, one at a time, 10 ms apart:
 * how long any other client of the gateway waits during a bulk import.
 */
struct probe_run {
    int port;
    atomic_bool stop;
    struct bench_lat lat;
    size_t errors;
};

static void *probe_worker(void *arg)
{
    static const char head[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    struct probe_run *pr = arg;
    struct bench_buf resp;
    int fd = bench_http_connect(pr->port);

    bench_buf_init(&resp);
    while (fd >= 0 && !atomic_load(&pr->stop)) {
        uint64_t t0 = sm_now_ns();
        int status = 0;

        resp.len = 0;
        if (bench_http_exchange(fd, head, sizeof(head) - 1, NULL, 0, &status, &resp) ||
            status != 200) {
            pr->errors++;
            break;
        }
        bench_lat_add(&pr->lat, sm_now_ns() - t0);
        usleep(10000);
    }
    if (fd >= 0)
        close(fd);
    bench_buf_release(&resp);
    return NULL;
}

struct import_run {
    const struct bench_lines *lines;
    int port;
    size_t chunk;
    atomic_size_t next;       /* next chunk to send */
    atomic_size_t stored, failed, sent_lines, http_errors;
    atomic_size_t progress;   /* last progress mark printed */
    uint64_t t0;
};

static void *import_worker(void *arg)
{
    struct import_run *ir = arg;
    size_t nchunks = (ir->lines->n + ir->chunk - 1) / ir->chunk;
    struct bench_buf resp;
    int fd = bench_http_connect(ir->port);

    bench_buf_init(&resp);
    while (fd >= 0) {
        size_t c = atomic_fetch_add(&ir->next, 1), a, b, blen, len;
        char head[256];
        const char *body;
        int hl, status = 0, rc;
        json_t *j;

        if (c >= nchunks)
            break;
        a = c * ir->chunk;
        b = SM_MIN(a + ir->chunk, ir->lines->n);
        body = bench_lines_get(ir->lines, a, &len);
        blen = (size_t)(bench_lines_get(ir->lines, b - 1, &len) - body) + len;
        hl = snprintf(head, sizeof(head),
                      "POST /v1/profiles/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/x-ndjson\r\nContent-Length: %zu\r\n\r\n",
                      blen);
        resp.len = 0;
        rc = bench_http_exchange(fd, head, (size_t)hl, body, blen, &status, &resp);
        if (rc || status != 200) {
            atomic_fetch_add(&ir->http_errors, 1);
            fprintf(stderr, "import: chunk %zu: %s %d %.200s\n", c, rc ? sm_strerror(rc) : "HTTP",
                    status, resp.s ? resp.s : "");
            if (rc) {
                close(fd);
                fd = bench_http_connect(ir->port);
            }
            continue;
        }
        j = json_loadb(resp.s, resp.len, 0, NULL);
        atomic_fetch_add(&ir->stored, (size_t)json_integer_value(json_object_get(j, "stored")));
        atomic_fetch_add(&ir->failed, (size_t)json_integer_value(json_object_get(j, "failed")));
        json_decref(j);
        {
            size_t done = atomic_fetch_add(&ir->sent_lines, b - a) + (b - a);
            size_t mark = done / 100000, prev = atomic_load(&ir->progress);
            if (mark > prev && atomic_compare_exchange_strong(&ir->progress, &prev, mark))
                fprintf(stderr, "  import: %zu profiles, %.0f/s\n", done,
                        (double)done / bench_secs(ir->t0));
        }
    }
    if (fd >= 0)
        close(fd);
    else
        atomic_fetch_add(&ir->http_errors, 1);
    bench_buf_release(&resp);
    return NULL;
}

/* ---- sampled profiles: ids and query texts ------------------------------------------------ */

/* Query sets for search: a need's text and keywords (long), or its keywords alone (short). */
enum { QSET_LONG, QSET_SHORT, QSETS };
static const char *const qset_names[QSETS] = {"need text + keywords", "need keywords only"};

struct sample {
    char **ids;
    char **texts[QSETS]; /* of one random need of each sampled profile */
    unsigned n;
    unsigned set;        /* the query set make_search uses */
};

static int sample_profiles(struct sample *s, const struct bench_lines *lines, unsigned n,
                           uint64_t seed)
{
    uint64_t st = seed;

    s->ids = calloc(n, sizeof(*s->ids));
    s->texts[QSET_LONG] = calloc(n, sizeof(char *));
    s->texts[QSET_SHORT] = calloc(n, sizeof(char *));
    if (!s->ids || !s->texts[QSET_LONG] || !s->texts[QSET_SHORT])
        return -ENOMEM;
    for (s->n = 0; s->n < n;) {
        size_t len, i = (size_t)(bench_rand(&st) % lines->n);
        const char *l = bench_lines_get(lines, i, &len);
        json_t *p = json_loadb(l, len, 0, NULL);
        json_t *needs = json_object_get(p, "needs"), *need, *kw;
        struct bench_buf b, k;
        size_t j;

        if (!json_string_value(json_object_get(p, "id")) || !json_array_size(needs)) {
            json_decref(p);
            if (lines->n < 2)
                return SM_EINVAL;
            continue;
        }
        need = json_array_get(needs, bench_rand(&st) % json_array_size(needs));
        bench_buf_init(&b);
        bench_buf_init(&k);
        bench_buf_add(&b, "", 0);
        bench_buf_add(&k, "", 0);
        if (json_is_string(json_object_get(need, "text")))
            bench_buf_adds(&b, json_string_value(json_object_get(need, "text")));
        json_array_foreach(json_object_get(need, "keywords"), j, kw) {
            if (!json_is_string(kw))
                continue;
            bench_buf_adds(&b, " ");
            bench_buf_adds(&b, json_string_value(kw));
            bench_buf_adds(&k, k.len ? " " : "");
            bench_buf_adds(&k, json_string_value(kw));
        }
        s->ids[s->n] = strdup(json_string_value(json_object_get(p, "id")));
        s->texts[QSET_LONG][s->n] = b.s;
        s->texts[QSET_SHORT][s->n] = k.s;
        s->n++;
        json_decref(p);
    }
    return 0;
}

static void sample_release(struct sample *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        free(s->ids[i]);
        free(s->texts[QSET_LONG][i]);
        free(s->texts[QSET_SHORT][i]);
    }
    free(s->ids);
    free(s->texts[QSET_LONG]);
    free(s->texts[QSET_SHORT]);
}

static int make_leads(void *ctx, size_t i, msgpack_packer *pk)
{
    struct sample *s = ctx;

    msgpack_pack_map(pk, 3);
    proto_pack_cstr(pk, "id");
    proto_pack_cstr(pk, s->ids[i % s->n]);
    proto_pack_cstr(pk, "limit");
    msgpack_pack_uint32(pk, 10);
    proto_pack_cstr(pk, "explain");
    msgpack_pack_false(pk);
    return 0;
}

static int make_search(void *ctx, size_t i, msgpack_packer *pk)
{
    struct sample *s = ctx;

    msgpack_pack_map(pk, 2);
    proto_pack_cstr(pk, "text");
    proto_pack_cstr(pk, s->texts[s->set][i % s->n]);
    proto_pack_cstr(pk, "limit");
    msgpack_pack_uint32(pk, 10);
    return 0;
}

/* Count results per reply, to say whether the figures come from non-empty answers. */
static size_t replies_nonempty, replies_total;

static void on_list(void *ctx, size_t i, const struct proto_reply *rep)
{
    const msgpack_object *l = proto_map_get(rep->body, "leads");

    (void)ctx;
    (void)i;
    if (!l)
        l = proto_map_get(rep->body, "results");
    replies_total++;
    if (rep->ok && l && l->type == MSGPACK_OBJECT_ARRAY && l->via.array.size)
        replies_nonempty++;
}

static size_t make_http_leads(void *ctx, uint64_t seq, char *buf, size_t cap)
{
    struct sample *s = ctx;
    int n = snprintf(buf, cap,
                     "GET /v1/profiles/%s/leads?limit=10 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                     s->ids[seq % s->n]);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static size_t make_http_healthz(void *ctx, uint64_t seq, char *buf, size_t cap)
{
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    (void)ctx;
    (void)seq;
    if (cap < sizeof(req))
        return 0;
    memcpy(buf, req, sizeof(req) - 1);
    return sizeof(req) - 1;
}

/* The search peers, run one after the other on the same query texts and documents. */
enum { PEER_FTS, PEER_XAPIAN, PEERS };
static const char *const peer_names[PEERS] = {"FTS5", "Xapian"};

struct search_fig {
    size_t n;               /* queries smematch and every peer ran: the first n */
    double sm_p50, sm_p99, p50[PEERS], p99[PEERS];
    size_t sm_ok, ok[PEERS]; /* non-empty answers */
    size_t ran[PEERS];      /* queries each peer ran within its budget */
    struct bench_lat lat[PEERS];
};

/* Index every profile's document (bench_profile_doc) into a peer: add(peer, rowid, text). */
static int index_docs(const struct bench_lines *lines, const char *name,
                      int (*add)(void *, int64_t, const char *, size_t), void *peer)
{
    struct bench_buf doc;
    uint64_t t0 = sm_now_ns();
    int rc = 0;

    bench_buf_init(&doc);
    for (size_t i = 0; i < lines->n && !rc; i++) {
        size_t len;
        const char *l = bench_lines_get(lines, i, &len);
        json_t *p = json_loadb(l, len, 0, NULL);

        doc.len = 0;
        if (p)
            bench_profile_doc(p, &doc);
        json_decref(p);
        if (doc.len)
            rc = add(peer, (int64_t)i, doc.s, doc.len);
        if ((i + 1) % 100000 == 0)
            fprintf(stderr, "  %s: %zu documents, %.0f s\n", name, i + 1, bench_secs(t0));
    }
    bench_buf_release(&doc);
    return rc;
}

static int fts_add(void *f, int64_t rowid, const char *text, size_t len)
{
    return bench_fts_add(f, rowid, text, len);
}

static int xapian_add(void *x, int64_t rowid, const char *text, size_t len)
{
    return bench_xapian_add(x, rowid, text, len);
}

/* ---- report ------------------------------------------------------------------------------- */

static void row(const char *what, const char *measured, const char *target, const char *verdict)
{
    printf("%-46s %-36s %-28s %s\n", what, measured, target, verdict);
}

static const char *verdict(bool ok, bool at_scale)
{
    if (!at_scale)
        return ok ? "ok (target is for 1M)" : "MISSES (target is for 1M)";
    return ok ? "ok" : "MISSES";
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: smematch-bench [--count N] [--seed S] [--preset P] [--profiles FILE]\n"
            "                      [--queries Q] [--conns C] [--http-secs S] [--window W]\n"
            "                      [--import-parallel P] [--import-lines L] [--no-fts]\n"
            "                      [--fts-secs S] [--no-xapian] [--xapian-secs S]\n"
            "                      [--gateway-timeout-ms MS] [--build DIR] [--keep]\n"
            "SPEC §7 speed figures in one run, each beside its target; SQLite FTS5 and Xapian\n"
            "beside search.\n"
            "  --count N            profiles to generate (default 100000)\n"
            "  --profiles FILE      an NDJSON of profiles instead\n"
            "  --queries Q          sampled profiles for leads and search (default 1000)\n"
            "  --conns C            HTTP connections (default 64)\n"
            "  --http-secs S        length of each HTTP load phase (default 10)\n"
            "  --window W           pipelined engine requests in flight (default 8)\n"
            "  --import-parallel P  import POSTs in flight (default 6, as smematch import)\n"
            "  --import-lines L     NDJSON lines per POST (default 5000)\n"
            "  --no-fts             skip the FTS5 peer\n"
            "  --fts-secs S         time budget of FTS5 per query set (default 120); all\n"
            "                       engines are then compared on the queries every peer ran\n"
            "  --no-xapian          skip the Xapian peer\n"
            "  --xapian-secs S      time budget of Xapian per query set (default 120), likewise\n"
            "  --gateway-timeout-ms MS  the gateway's --timeout-ms (default 60000: a queue of\n"
            "                       5,000-profile import batches outlasts its 10 s default)\n");
}

int main(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"count", required_argument, NULL, 'n'},        {"seed", required_argument, NULL, 's'},
        {"preset", required_argument, NULL, 'P'},       {"profiles", required_argument, NULL, 'p'},
        {"queries", required_argument, NULL, 'q'},      {"conns", required_argument, NULL, 'c'},
        {"http-secs", required_argument, NULL, 'H'},    {"window", required_argument, NULL, 'w'},
        {"import-parallel", required_argument, NULL, 'i'},
        {"import-lines", required_argument, NULL, 'l'}, {"no-fts", no_argument, NULL, 'F'},
        {"fts-secs", required_argument, NULL, 'T'},     {"no-xapian", no_argument, NULL, 'X'},
        {"xapian-secs", required_argument, NULL, 'S'},
        {"gateway-timeout-ms", required_argument, NULL, 'G'},
        {"build", required_argument, NULL, 'b'},        {"keep", no_argument, NULL, 'K'},
        {"help", no_argument, NULL, 'h'},               {NULL, 0, NULL, 0}};
    struct opts o = {.count = 100000, .seed = "1", .preset = "general", .queries = 1000,
                     .conns = 64, .window = 8, .import_par = 6, .import_lines = 5000,
                     .http_secs = 10, .fts_secs = 120, .xapian_secs = 120,
                     .gw_timeout_ms = 60000};
    char tmp[512] = "", path_p[600], data[600], elog[600], glog[600], ep[64], pub[64];
    char httpaddr[64], exe_e[600], exe_g[600], count_s[32], mdb[700], fdb[600], xdb[600];
    char m1[64], m2[64], b1[32], gw_to[16];
    struct bench_lines lines = {0};
    struct bench_proc engine = {0}, gateway = {0};
    struct bench_engine eng = {0};
    struct sample smp = {0};
    struct bench_lat l1, lw;
    struct bench_http_result hl = {0}, hh = {0};
    struct import_run ir = {0};
    struct probe_run probe = {0};
    pthread_t probe_th;
    bool probe_on = false;
    struct stat sb;
    uint64_t t0;
    double t_gen = 0, t_import = 0, t_w = 0, t_idx[PEERS] = {0}, idx_mb[PEERS] = {0};
    double l1_p50, l1_p99, lw_p50, lw_p99;
    size_t l1_ok = 0, l1_n = 0;
    struct search_fig sfig[QSETS];
    struct bench_fts fts = {0};
    struct bench_xapian *xap = NULL;
    bool fts_open = false, peer_on[PEERS];
    long e_rss_imp, e_hwm_imp, e_anon_imp, e_rss, e_hwm, e_anon, g_rss, g_hwm, g_anon, errs;
    int port, opt, status = 1;

    bench_lat_init(&l1);
    bench_lat_init(&lw);
    memset(sfig, 0, sizeof(sfig));
    for (unsigned i = 0; i < QSETS; i++)
        for (unsigned pe = 0; pe < PEERS; pe++)
            bench_lat_init(&sfig[i].lat[pe]);
    bench_lat_init(&hl.lat);
    bench_lat_init(&hh.lat);
    bench_lat_init(&probe.lat);
    while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
        switch (opt) {
        case 'n': o.count = atol(optarg); break;
        case 's': o.seed = optarg; break;
        case 'P': o.preset = optarg; break;
        case 'p': o.profiles = optarg; break;
        case 'q': o.queries = (unsigned)atoi(optarg); break;
        case 'c': o.conns = (unsigned)atoi(optarg); break;
        case 'H': o.http_secs = atof(optarg); break;
        case 'w': o.window = (unsigned)atoi(optarg); break;
        case 'i': o.import_par = (unsigned)atoi(optarg); break;
        case 'l': o.import_lines = (unsigned)atoi(optarg); break;
        case 'F': o.no_fts = true; break;
        case 'T': o.fts_secs = atof(optarg); break;
        case 'X': o.no_xapian = true; break;
        case 'S': o.xapian_secs = atof(optarg); break;
        case 'G': o.gw_timeout_ms = (unsigned)atoi(optarg); break;
        case 'b': o.build = optarg; break;
        case 'K': o.keep = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (o.count < 1 || o.queries < 1 || o.conns < 1 || o.conns > 4096 || o.window < 1 ||
        o.import_par < 1 || o.import_par > 64 || o.import_lines < 1 || o.http_secs <= 0 ||
        o.fts_secs <= 0 || o.xapian_secs <= 0 || optind != argc) {
        usage(stderr);
        return 2;
    }
    o.build = bench_build_dir(o.build);
    peer_on[PEER_FTS] = !o.no_fts;
    peer_on[PEER_XAPIAN] = !o.no_xapian;
    if (bench_mkdtemp(tmp, sizeof(tmp), "smematch-bench-") != 0)
        return 1;

    /* Generate. */
    if (!o.profiles) {
        char gen[600];
        snprintf(gen, sizeof(gen), "%s/benchmarks/smematch-gen", o.build);
        snprintf(path_p, sizeof(path_p), "%s/profiles.ndjson", tmp);
        snprintf(count_s, sizeof(count_s), "%ld", o.count);
        char *gargv[] = {gen, "--seed", (char *)o.seed, "--count", count_s, "--preset",
                         (char *)o.preset, "--out", path_p, NULL};
        fprintf(stderr, "generating %ld profiles...\n", o.count);
        t0 = sm_now_ns();
        if (bench_run(gargv) != 0) {
            fprintf(stderr, "smematch-gen failed\n");
            goto out;
        }
        t_gen = bench_secs(t0);
        o.profiles = path_p;
    }
    if (bench_lines_open(&lines, o.profiles) != 0)
        goto out;
    if (!lines.n) {
        fprintf(stderr, "%s holds no profile\n", o.profiles);
        goto out;
    }

    /* Start engine and gateway. */
    snprintf(exe_e, sizeof(exe_e), "%s/engine/smematch-engine", o.build);
    snprintf(exe_g, sizeof(exe_g), "%s/gateway/smematch-gateway", o.build);
    snprintf(data, sizeof(data), "%s/data", tmp);
    snprintf(elog, sizeof(elog), "%s/engine.log", tmp);
    snprintf(glog, sizeof(glog), "%s/gateway.log", tmp);
    snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", bench_free_port());
    snprintf(pub, sizeof(pub), "tcp://127.0.0.1:%d", bench_free_port());
    port = bench_free_port();
    snprintf(httpaddr, sizeof(httpaddr), "127.0.0.1:%d", port);
    mkdir(data, 0700);
    {
        char *eargv[] = {exe_e, "--data", data, "--zmq", ep, "--pub", pub, "--log-level", "warn",
                         NULL};
        char *gargv[] = {exe_g, "--http", httpaddr, "--zmq", ep, "--pub", pub, "--data", data,
                         "--log-level", "warn", "--max-conns", "4096", "--timeout-ms", gw_to,
                         NULL};
        snprintf(gw_to, sizeof(gw_to), "%u", o.gw_timeout_ms);
        if (bench_spawn(&engine, "engine", eargv, elog) != 0 ||
            bench_spawn(&gateway, "gateway", gargv, glog) != 0)
            goto out;
    }
    if (bench_engine_connect(&eng, ep) != 0 || bench_engine_wait_ready(&eng, 20000) != 0) {
        fprintf(stderr, "the engine does not answer (log: %s)\n", elog);
        goto out;
    }
    for (t0 = sm_now_ns();; usleep(50000)) {
        struct bench_buf r;
        int fd = bench_http_connect(port), st = 0;
        static const char h[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

        bench_buf_init(&r);
        if (fd >= 0) {
            bench_http_exchange(fd, h, sizeof(h) - 1, NULL, 0, &st, &r);
            close(fd);
        }
        bench_buf_release(&r);
        if (st == 200)
            break;
        if (bench_secs(t0) > 20 || !bench_alive(&gateway)) {
            fprintf(stderr, "the gateway is not healthy (log: %s)\n", glog);
            goto out;
        }
    }

    /* Import through the gateway. */
    {
        pthread_t th[64];
        ir.lines = &lines;
        ir.port = port;
        ir.chunk = o.import_lines;
        ir.t0 = t0 = sm_now_ns();
        fprintf(stderr, "importing %zu profiles through the gateway (%u POSTs of %u lines in "
                        "flight)...\n", lines.n, o.import_par, o.import_lines);
        probe.port = port;
        probe_on = pthread_create(&probe_th, NULL, probe_worker, &probe) == 0;
        for (unsigned i = 0; i < o.import_par; i++)
            pthread_create(&th[i], NULL, import_worker, &ir);
        for (unsigned i = 0; i < o.import_par; i++)
            pthread_join(th[i], NULL);
        t_import = bench_secs(t0);
        atomic_store(&probe.stop, true);
        if (probe_on)
            pthread_join(probe_th, NULL);
        if (ir.stored != lines.n)
            fprintf(stderr, "import: %zu stored, %zu failed, %zu HTTP errors\n",
                    (size_t)ir.stored, (size_t)ir.failed, (size_t)ir.http_errors);
        if (!ir.stored)
            goto out;
    }
    bench_proc_mem(engine.pid, &e_rss_imp, &e_hwm_imp, &e_anon_imp);

    /* Leads in the engine. */
    if (sample_profiles(&smp, &lines, o.queries, 42) != 0)
        goto out;
    fprintf(stderr, "leads in the engine: warm-up, then %u queries one at a time, then %u in "
                    "flight...\n", smp.n, o.window);
    bench_engine_run(&eng, "match.leads", SM_MIN(smp.n, 100u), 4, make_leads, NULL, &smp, NULL,
                     60000, 0, "warm-up");
    replies_nonempty = replies_total = 0;
    errs = bench_engine_run(&eng, "match.leads", smp.n, 1, make_leads, on_list, &smp, &l1, 60000,
                            smp.n >= 1000 ? 250 : 0, "leads, 1 in flight");
    if (errs < 0)
        goto out;
    l1_ok = replies_nonempty;
    l1_n = replies_total;
    t0 = sm_now_ns();
    errs = bench_engine_run(&eng, "match.leads", smp.n, o.window, make_leads, NULL, &smp, &lw,
                            60000, 0, "leads, pipelined");
    t_w = bench_secs(t0);
    if (errs < 0)
        goto out;
    l1_p50 = bench_lat_ms(&l1, 50);
    l1_p99 = bench_lat_ms(&l1, 99);
    lw_p50 = bench_lat_ms(&lw, 50);
    lw_p99 = bench_lat_ms(&lw, 99);

    /* Leads and healthz through HTTP. */
    fprintf(stderr, "leads through HTTP, %u connections, %.0f s...\n", o.conns, o.http_secs);
    if (bench_http_load(port, o.conns, UINT64_MAX, o.http_secs, make_http_leads, &smp, &hl) != 0)
        goto out;
    fprintf(stderr, "healthz through HTTP, %u connections, %.0f s...\n", o.conns,
            o.http_secs / 2);
    if (bench_http_load(port, o.conns, UINT64_MAX, o.http_secs / 2, make_http_healthz, NULL,
                        &hh) != 0)
        goto out;

    /* Search: the peers' indexes over the same texts, then each query set in smematch and in
     * each peer, one after the other. */
    if (peer_on[PEER_FTS]) {
        struct stat fsb;

        snprintf(fdb, sizeof(fdb), "%s/fts5.db", tmp);
        fprintf(stderr, "FTS5: indexing %zu profiles...\n", lines.n);
        t0 = sm_now_ns();
        if (bench_fts_open(&fts, fdb) != 0)
            goto out;
        fts_open = true;
        if (index_docs(&lines, "FTS5", fts_add, &fts) != 0 || bench_fts_finish(&fts) != 0)
            goto out;
        t_idx[PEER_FTS] = bench_secs(t0);
        if (stat(fdb, &fsb) == 0)
            idx_mb[PEER_FTS] = (double)fsb.st_size / 1048576.0;
    }
    if (peer_on[PEER_XAPIAN]) {
        struct stat xsb;

        snprintf(xdb, sizeof(xdb), "%s/xapian.glass", tmp);
        fprintf(stderr, "Xapian: indexing %zu profiles...\n", lines.n);
        t0 = sm_now_ns();
        if (bench_xapian_open(&xap, xdb) != 0 ||
            index_docs(&lines, "Xapian", xapian_add, xap) != 0 || bench_xapian_finish(xap) != 0)
            goto out;
        t_idx[PEER_XAPIAN] = bench_secs(t0);
        if (stat(xdb, &xsb) == 0)
            idx_mb[PEER_XAPIAN] = (double)xsb.st_size / 1048576.0;
    }
    for (unsigned set = 0; set < QSETS; set++) {
        struct search_fig *sf = &sfig[set];
        struct bench_lat all;
        struct bench_buf q;

        fprintf(stderr, "search (%s): smematch, %u queries one at a time...\n",
                qset_names[set], smp.n);
        smp.set = set;
        replies_nonempty = replies_total = 0;
        bench_lat_init(&all);
        errs = bench_engine_run(&eng, "match.search", smp.n, 1, make_search, on_list, &smp, &all,
                                60000, 0, "search");
        if (errs < 0) {
            bench_lat_release(&all);
            goto out;
        }
        sf->sm_ok = replies_nonempty;
        sf->n = all.n;
        /* A peer may take seconds a query at scale: give it a time budget, then compare all on
         * the queries every peer got through (samples of one-in-flight runs come in query
         * order). Query building (quoting, term splitting) is outside the timed part. */
        bench_buf_init(&q);
        for (unsigned pe = 0; pe < PEERS; pe++) {
            double budget = pe == PEER_FTS ? o.fts_secs : o.xapian_secs;

            if (!peer_on[pe])
                continue;
            fprintf(stderr, "search (%s): %s, %u queries one at a time (at most %.0f s)...\n",
                    qset_names[set], peer_names[pe], smp.n, budget);
            t0 = sm_now_ns();
            for (unsigned i = 0; i < smp.n && bench_secs(t0) < budget; i++) {
                int64_t top[10];
                uint64_t t;
                int n;

                if (pe == PEER_FTS)
                    bench_fts_query(smp.texts[set][i], &q);
                else
                    bench_query_terms(smp.texts[set][i], &q);
                t = sm_now_ns();
                n = pe == PEER_FTS ? bench_fts_search(&fts, q.s ? q.s : "", -1, top, 10)
                                   : bench_xapian_search(xap, q.s ? q.s : "", -1, top, 10);
                bench_lat_add(&sf->lat[pe], sm_now_ns() - t);
                sf->ok[pe] += n > 0;
            }
            sf->ran[pe] = sf->lat[pe].n;
            sf->n = SM_MIN(sf->n, sf->ran[pe]);
        }
        bench_buf_release(&q);
        all.n = sf->n;
        sf->sm_p50 = bench_lat_ms(&all, 50);
        sf->sm_p99 = bench_lat_ms(&all, 99);
        for (unsigned pe = 0; pe < PEERS; pe++) {
            if (!peer_on[pe])
                continue;
            sf->lat[pe].n = sf->n;
            sf->p50[pe] = bench_lat_ms(&sf->lat[pe], 50);
            sf->p99[pe] = bench_lat_ms(&sf->lat[pe], 99);
        }
        bench_lat_release(&all);
    }
    bench_proc_mem(engine.pid, &e_rss, &e_hwm, &e_anon);
    bench_proc_mem(gateway.pid, &g_rss, &g_hwm, &g_anon);
    snprintf(mdb, sizeof(mdb), "%s/db/data.mdb", data);
    if (stat(mdb, &sb) != 0)
        memset(&sb, 0, sizeof(sb));

    /* Report. */
    {
        bool at_1m = lines.n >= 1000000;
        double imp_rate = (double)ir.stored / t_import;
        double hl_qps = (double)hl.by_class[2] / hl.secs, hh_qps = (double)hh.by_class[2] / hh.secs;
        double hl_p50 = bench_lat_ms(&hl.lat, 50), hl_p99 = bench_lat_ms(&hl.lat, 99);
        double data_mb = (double)sb.st_size / 1048576.0;
        double data_alloc_mb = (double)sb.st_blocks * 512.0 / 1048576.0;
        char v[96], target[48];

        printf("smematch-bench: %s profiles (%s), %ld CPUs, %u sampled profiles for leads and "
               "search\n\n",
               bench_commas(b1, sizeof(b1), (double)lines.n),
               o.profiles == path_p ? "generated" : o.profiles, sysconf(_SC_NPROCESSORS_ONLN),
               smp.n);
        printf("%-46s %-36s %-28s %s\n", "what", "measured", "target (SPEC §7)", "");
        if (t_gen > 0) {
            snprintf(m1, sizeof(m1), "%.1f s", t_gen);
            row("generate (smematch-gen)", m1, "", "");
        }
        snprintf(m1, sizeof(m1), "%s profiles/s (%.1f s)",
                 bench_commas(b1, sizeof(b1), imp_rate), t_import);
        snprintf(v, sizeof(v), "import via gateway, %u x %u-line POSTs", o.import_par,
                 o.import_lines);
        row(v, m1, ">= 20,000 profiles/s", verdict(imp_rate >= 20000, at_1m));
        if (ir.failed || ir.http_errors || ir.stored != lines.n)
            printf("  (stored %zu of %zu, %zu failed, %zu HTTP errors)\n", (size_t)ir.stored,
                   lines.n, (size_t)ir.failed, (size_t)ir.http_errors);
        if (probe.lat.n) {
            snprintf(m1, sizeof(m1), "p50 %.2f, p99 %.2f, max %.2f ms (%zu)",
                     bench_lat_ms(&probe.lat, 50), bench_lat_ms(&probe.lat, 99),
                     bench_lat_ms(&probe.lat, 100), probe.lat.n);
            row("  GET /healthz during the import", m1, "", probe.errors ? "(errors)" : "");
        }
        snprintf(m1, sizeof(m1), "p50 %.2f ms, p99 %.2f ms", l1_p50, l1_p99);
        row("leads top-10, engine, 1 in flight", m1, "p50 <= 2 ms, p99 <= 10 ms",
            verdict(l1_p50 <= 2 && l1_p99 <= 10, at_1m));
        snprintf(m1, sizeof(m1), "%s q/s, p50 %.2f, p99 %.2f ms",
                 bench_commas(b1, sizeof(b1), (double)smp.n / t_w), lw_p50, lw_p99);
        snprintf(v, sizeof(v), "leads top-10, engine, %u in flight", o.window);
        row(v, m1, "", "");
        snprintf(m1, sizeof(m1), "%s q/s, p50 %.2f, p99 %.2f ms",
                 bench_commas(b1, sizeof(b1), hl_qps), hl_p50, hl_p99);
        snprintf(v, sizeof(v), "leads via HTTP, %u connections", o.conns);
        row(v, m1, ">= 5,000 q/s, p99 <= 50 ms",
            verdict(hl_qps >= 5000 && hl_p99 <= 50, at_1m));
        if (hl.done != hl.by_class[2] || hl.conn_errors)
            printf("  (%" PRIu64 " responses: %" PRIu64 " 2xx, %" PRIu64 " 4xx, %" PRIu64
                   " 5xx; %" PRIu64 " connection errors)\n",
                   hl.done, hl.by_class[2], hl.by_class[4], hl.by_class[5], hl.conn_errors);
        snprintf(m1, sizeof(m1), "%s req/s, p99 %.2f ms", bench_commas(b1, sizeof(b1), hh_qps),
                 bench_lat_ms(&hh.lat, 99));
        snprintf(v, sizeof(v), "GET /healthz, %u connections", o.conns);
        row(v, m1, ">= 50,000 req/s", verdict(hh_qps >= 50000, true));
        /* "faster than Xapian and FTS5": every peer that ran, on the same queries. */
        snprintf(target, sizeof(target), "faster than %s%s%s",
                 peer_on[PEER_XAPIAN] ? "Xapian" : "",
                 peer_on[PEER_XAPIAN] && peer_on[PEER_FTS] ? " and " : "",
                 peer_on[PEER_FTS] ? "FTS5" : "");
        for (unsigned set = 0; set < QSETS; set++) {
            struct search_fig *sf = &sfig[set];
            bool any = false, faster = true;

            for (unsigned pe = 0; pe < PEERS; pe++) {
                if (!peer_on[pe])
                    continue;
                any = true;
                faster = faster && sf->sm_p50 <= sf->p50[pe] && sf->sm_p99 <= sf->p99[pe];
            }
            snprintf(m1, sizeof(m1), "p50 %.2f ms, p99 %.2f ms", sf->sm_p50, sf->sm_p99);
            snprintf(v, sizeof(v), "search top-10 (%s), smematch", qset_names[set]);
            row(v, m1, any ? target : "", any ? verdict(faster, at_1m) : "");
            for (unsigned pe = 0; pe < PEERS; pe++) {
                if (!peer_on[pe])
                    continue;
                snprintf(m1, sizeof(m1), "p50 %.2f ms, p99 %.2f ms", sf->p50[pe], sf->p99[pe]);
                row(pe == PEER_FTS ? "  same queries, SQLite FTS5 bm25()"
                                   : "  same queries, Xapian BM25",
                    m1, "(a peer)", "");
            }
            for (unsigned pe = 0; pe < PEERS; pe++)
                if (peer_on[pe] && sf->ran[pe] < smp.n)
                    printf("  (all over the first %zu queries: %s ran out of its %g s budget "
                           "after %zu)\n",
                           sf->n, peer_names[pe],
                           pe == PEER_FTS ? o.fts_secs : o.xapian_secs, sf->ran[pe]);
        }
        if (peer_on[PEER_FTS]) {
            snprintf(m1, sizeof(m1), "%.1f s, %.0f MB", t_idx[PEER_FTS], idx_mb[PEER_FTS]);
            row("  FTS5 index build (parse+insert+optimize)", m1, "", "");
        }
        if (peer_on[PEER_XAPIAN]) {
            snprintf(m1, sizeof(m1), "%.1f s, %.0f MB", t_idx[PEER_XAPIAN], idx_mb[PEER_XAPIAN]);
            row("  Xapian index build (parse+index+compact)", m1, "", "");
        }
        snprintf(m1, sizeof(m1), "%.0f MB (%.0f MB allocated)", data_mb, data_alloc_mb);
        row("data file <data>/db/data.mdb", m1, "<= 2 GB at 1M",
            verdict(data_mb <= 2048, at_1m));
        snprintf(m1, sizeof(m1), "RSS %.0f MB (anon %.0f), peak %.0f MB", e_rss / 1024.0,
                 e_anon / 1024.0, e_hwm / 1024.0);
        row("engine memory (VmRSS, VmHWM) at the end", m1, "RSS <= 3 GB at 1M",
            verdict(e_rss <= 3l * 1024 * 1024, at_1m));
        snprintf(m2, sizeof(m2), "RSS %.0f MB (anon %.0f), peak %.0f MB", e_rss_imp / 1024.0,
                 e_anon_imp / 1024.0, e_hwm_imp / 1024.0);
        row("  engine memory right after the import", m2, "", "");
        snprintf(m2, sizeof(m2), "RSS %.0f MB, peak %.0f MB", g_rss / 1024.0, g_hwm / 1024.0);
        row("  gateway memory", m2, "", "");
        printf("\nnon-empty answers: leads %zu/%zu", l1_ok, l1_n);
        for (unsigned set = 0; set < QSETS; set++) {
            printf("; search, %s: smematch %zu/%u", set == QSET_LONG ? "long" : "short",
                   sfig[set].sm_ok, smp.n);
            for (unsigned pe = 0; pe < PEERS; pe++)
                if (peer_on[pe])
                    printf(", %s %zu/%zu", peer_names[pe], sfig[set].ok[pe], sfig[set].ran[pe]);
        }
        printf("\nsearch queries: one random need of each sampled profile, its text and keywords "
               "(long) or its keywords alone (short); the search peers get the same distinct "
               "terms, OR-ed\n");
    }
    status = 0;
out:
    bench_engine_close(&eng);
    if (gateway.pid) {
        if (bench_stop(&gateway, 30000) != 0)
            fprintf(stderr, "the gateway did not exit cleanly (log: %s)\n", glog);
        if (bench_log_has_sanitizer_report(glog))
            status = 1;
    }
    if (engine.pid) {
        if (bench_stop(&engine, 60000) != 0)
            fprintf(stderr, "the engine did not exit cleanly (log: %s)\n", elog);
        if (bench_log_has_sanitizer_report(elog))
            status = 1;
    }
    sample_release(&smp);
    bench_lines_release(&lines);
    bench_lat_release(&l1);
    bench_lat_release(&lw);
    for (unsigned i = 0; i < QSETS; i++)
        for (unsigned pe = 0; pe < PEERS; pe++)
            bench_lat_release(&sfig[i].lat[pe]);
    if (fts_open)
        bench_fts_close(&fts);
    bench_xapian_close(&xap);
    bench_lat_release(&hl.lat);
    bench_lat_release(&hh.lat);
    bench_lat_release(&probe.lat);
    if (o.keep || status)
        fprintf(stderr, "temporary folder kept: %s\n", tmp);
    else
        bench_rmrf(tmp);
    return status;
}
