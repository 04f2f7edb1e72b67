/*
 * bench_eval.c - smematch-eval: the quality of smematch's leads against plain BM25 baselines
 * (SQLite FTS5 and Xapian) on the generator's planted pairs (SPEC §3, docs/benchmarks.md).
 *
 * One run: generate (or read) profiles and their truth, start an engine in a temporary folder
 * (or use --zmq), import the profiles with profile.import, then for every query of the truth
 * ask match.leads for the top k, and FTS5 and Xapian for the top k by BM25 of the query's
 * needs, and print precision@k, recall@k, NDCG@k and the decoy rate side by side.
 */
#include "sm.h"

#include <getopt.h>
#include <math.h>
#include <jansson.h>
#include <unistd.h>

#include "bench_engine.h"
#include "bench_fts.h"
#include "bench_util.h"
#include "bench_xapian.h"
#include "jsonmp.h"

#define MAX_K 100

/* ---- profile ids: an open-addressing hash from id to profile index ----------------------- */

struct idmap {
    char **ids;     /* by profile index; owned */
    int32_t *slots; /* profile index + 1, 0 = empty */
    size_t n, mask;
};

static uint64_t hash_str(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int idmap_init(struct idmap *m, size_t n)
{
    size_t cap = 16;

    while (cap < 2 * n)
        cap *= 2;
    m->ids = calloc(n ? n : 1, sizeof(*m->ids));
    m->slots = calloc(cap, sizeof(*m->slots));
    m->n = 0;
    m->mask = cap - 1;
    return m->ids && m->slots ? 0 : -ENOMEM;
}

static long idmap_find(const struct idmap *m, const char *s, size_t n)
{
    for (size_t h = hash_str(s, n) & m->mask;; h = (h + 1) & m->mask) {
        int32_t v = m->slots[h];
        if (!v)
            return -1;
        if (strlen(m->ids[v - 1]) == n && memcmp(m->ids[v - 1], s, n) == 0)
            return v - 1;
    }
}

/* Add id as profile m->n; returns its index, or -1 if the id is a duplicate. */
static long idmap_add(struct idmap *m, const char *s)
{
    size_t n = strlen(s), h;

    if (idmap_find(m, s, n) >= 0)
        return -1;
    m->ids[m->n] = strdup(s);
    for (h = hash_str(s, n) & m->mask; m->slots[h]; h = (h + 1) & m->mask)
        ;
    m->slots[h] = (int32_t)(m->n + 1);
    return (long)m->n++;
}

static void idmap_release(struct idmap *m)
{
    for (size_t i = 0; m->ids && i < m->n; i++)
        free(m->ids[i]);
    free(m->ids);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

/* ---- the run ------------------------------------------------------------------------------ */

struct query {
    long idx;          /* the query profile */
    long *rel_idx;     /* its planted partners */
    int *rel;          /* their relevance (1 or 2) */
    int nrel;
    char *needs;       /* its needs' texts and keywords */
    long top_sm[MAX_K], top_fts[MAX_K], top_xap[MAX_K], top_srch[MAX_K];
    int n_sm, n_fts, n_xap, n_srch;
};

struct eval {
    struct idmap ids;
    msgpack_sbuffer packed; /* every profile as msgpack, back to back */
    size_t *pk_off;         /* n + 1 offsets into packed */
    char *role;             /* by profile: 'q', 'p', 'd', 'n', 'l' (plain), 0 unknown */
    long *decoy_of;         /* by profile: the query a decoy belongs to, or -1 */
    struct query *q;
    size_t nq;
    int k;
    size_t batch;
    uint64_t fts_ns, xap_ns; /* time spent adding documents to each baseline */
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: smematch-eval [--seed S] [--count N] [--preset general|expo]\n"
            "                     [--profiles FILE --truth FILE [--roles FILE]]\n"
            "                     [--zmq ENDPOINT] [--no-import] [--k K] [--queries Q]\n"
            "                     [--build DIR] [--keep]\n"
            "Quality of smematch's leads (match.leads) against BM25 with SQLite FTS5 and with\n"
            "Xapian on planted pairs: precision@K, recall@K, NDCG@K and decoys in the top K,\n"
            "side by side.\n"
            "  --seed S, --count N    generate N profiles with smematch-gen (default 1, 2000)\n"
            "  --profiles, --truth    use these files instead (--roles adds the decoy rate)\n"
            "  --zmq ENDPOINT         use a running engine instead of starting one\n"
            "  --no-import            with --zmq: the profiles are already there\n"
            "  --k K                  cut-off, default 10 (at most 100)\n"
            "  --queries Q            evaluate Q queries of the truth, evenly spread (default all)\n"
            "  --build DIR            the build folder with the binaries\n"
            "  --keep                 keep the temporary folder\n");
}

/* Read every profile: ids, msgpack for the import, FTS5 and Xapian documents. */
static int load_profiles(struct eval *ev, const struct bench_lines *lines, struct bench_fts *fts,
                         struct bench_xapian *xap)
{
    msgpack_packer pk;
    struct bench_buf doc;
    int rc = 0;

    if (idmap_init(&ev->ids, lines->n) != 0)
        return -ENOMEM;
    ev->pk_off = calloc(lines->n + 1, sizeof(*ev->pk_off));
    ev->role = calloc(lines->n + 1, 1);
    ev->decoy_of = malloc((lines->n + 1) * sizeof(*ev->decoy_of));
    if (!ev->pk_off || !ev->role || !ev->decoy_of)
        return -ENOMEM;
    msgpack_sbuffer_init(&ev->packed);
    msgpack_packer_init(&pk, &ev->packed, msgpack_sbuffer_write);
    bench_buf_init(&doc);
    for (size_t i = 0; i < lines->n; i++) {
        size_t len;
        const char *s = bench_lines_get(lines, i, &len);
        json_error_t jerr;
        json_t *p = json_loadb(s, len, 0, &jerr);
        const char *id = p ? json_string_value(json_object_get(p, "id")) : NULL;

        ev->decoy_of[i] = -1;
        if (!id || idmap_add(&ev->ids, id) != (long)i) {
            fprintf(stderr, "line %zu: %s\n", i + 1,
                    !p ? jerr.text : !id ? "no id" : "duplicate id");
            json_decref(p);
            rc = SM_EBADREQ;
            break;
        }
        ev->pk_off[i] = ev->packed.size;
        jsonmp_pack(p, &pk);
        doc.len = 0;
        bench_profile_doc(p, &doc);
        if (doc.len) {
            uint64_t t0 = sm_now_ns(), t1;

            rc = bench_fts_add(fts, (int64_t)i, doc.s, doc.len);
            t1 = sm_now_ns();
            if (!rc)
                rc = bench_xapian_add(xap, (int64_t)i, doc.s, doc.len);
            ev->fts_ns += t1 - t0;
            ev->xap_ns += sm_now_ns() - t1;
        }
        json_decref(p);
        if (rc)
            break;
    }
    ev->pk_off[ev->ids.n] = ev->packed.size;
    bench_buf_release(&doc);
    return rc;
}

/* Split a TSV line in place into at most max fields; returns how many. */
static int tsv_fields(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;

    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        f[n++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

static int load_truth(struct eval *ev, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t cap = 0, skipped = 0;

    if (!f) {
        fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
        return -errno;
    }
    while (fgets(line, sizeof(line), f)) {
        char *fl[3];
        long qi, pi;
        struct query *q;

        if (tsv_fields(line, fl, 3) != 3 || strcmp(fl[0], "query_id") == 0)
            continue;
        qi = idmap_find(&ev->ids, fl[0], strlen(fl[0]));
        pi = idmap_find(&ev->ids, fl[1], strlen(fl[1]));
        if (qi < 0 || pi < 0) {
            skipped++;
            continue;
        }
        if (!ev->nq || ev->q[ev->nq - 1].idx != qi) {
            if (ev->nq == cap) {
                cap = cap ? 2 * cap : 256;
                ev->q = realloc(ev->q, cap * sizeof(*ev->q));
                if (!ev->q)
                    return -ENOMEM;
            }
            q = &ev->q[ev->nq++];
            memset(q, 0, sizeof(*q));
            q->idx = qi;
        }
        q = &ev->q[ev->nq - 1];
        q->rel_idx = realloc(q->rel_idx, (size_t)(q->nrel + 1) * sizeof(*q->rel_idx));
        q->rel = realloc(q->rel, (size_t)(q->nrel + 1) * sizeof(*q->rel));
        q->rel_idx[q->nrel] = pi;
        q->rel[q->nrel++] = atoi(fl[2]);
    }
    fclose(f);
    if (skipped)
        fprintf(stderr, "truth: %zu rows name profiles not in the file, skipped\n", skipped);
    return 0;
}

static int load_roles(struct eval *ev, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];

    if (!f) {
        fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
        return -errno;
    }
    while (fgets(line, sizeof(line), f)) {
        char *fl[3];
        int n = tsv_fields(line, fl, 3);
        long i = n >= 2 ? idmap_find(&ev->ids, fl[0], strlen(fl[0])) : -1;

        if (i < 0)
            continue;
        ev->role[i] = strcmp(fl[1], "plain") == 0 ? 'l' : fl[1][0];
        if (ev->role[i] == 'd' && n == 3 && fl[2][0])
            ev->decoy_of[i] = idmap_find(&ev->ids, fl[2], strlen(fl[2]));
    }
    fclose(f);
    return 0;
}

/* Query texts: each query profile's needs, parsed again from its line. */
static void load_needs(struct eval *ev, const struct bench_lines *lines)
{
    struct bench_buf b;

    bench_buf_init(&b);
    for (size_t i = 0; i < ev->nq; i++) {
        size_t len;
        const char *s = bench_lines_get(lines, (size_t)ev->q[i].idx, &len);
        json_t *p = json_loadb(s, len, 0, NULL);

        b.len = 0;
        bench_buf_add(&b, "", 0);
        bench_profile_needs(p, &b);
        ev->q[i].needs = strdup(b.s);
        json_decref(p);
    }
    bench_buf_release(&b);
}

/* ---- engine requests ---------------------------------------------------------------------- */

static int make_import(void *ctx, size_t i, msgpack_packer *pk)
{
    struct eval *ev = ctx;
    size_t a = i * ev->batch, b = SM_MIN(a + ev->batch, ev->ids.n);

    msgpack_pack_map(pk, 1);
    proto_pack_cstr(pk, "profiles");
    msgpack_pack_array(pk, b - a);
    pk->callback(pk->data, ev->packed.data + ev->pk_off[a], ev->pk_off[b] - ev->pk_off[a]);
    return 0;
}

static size_t import_stored, import_failed;

static void on_import(void *ctx, size_t i, const struct proto_reply *rep)
{
    const msgpack_object *s = proto_map_get(rep->body, "stored");
    const msgpack_object *f = proto_map_get(rep->body, "failed");
    const msgpack_object *res = proto_map_get(rep->body, "results");
    const struct eval *ev = ctx;
    static int shown;

    if (!rep->ok)
        return;
    if (s && s->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        import_stored += s->via.u64;
    if (f && f->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        import_failed += f->via.u64;
    if (f && f->via.u64 && res && res->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t j = 0; j < res->via.array.size && shown < 3; j++) {
            const msgpack_object *e = proto_map_get(&res->via.array.ptr[j], "error");
            const msgpack_object *m = proto_map_get(e, "message");
            const msgpack_object *fl = proto_map_get(e, "field");
            if (m && m->type == MSGPACK_OBJECT_STR) {
                fprintf(stderr, "import: item %zu: %.*s (%.*s)\n", i * ev->batch + j,
                        (int)m->via.str.size, m->via.str.ptr,
                        fl && fl->type == MSGPACK_OBJECT_STR ? (int)fl->via.str.size : 0,
                        fl && fl->type == MSGPACK_OBJECT_STR ? fl->via.str.ptr : "");
                shown++;
            }
        }
    }
}

static int make_leads(void *ctx, size_t i, msgpack_packer *pk)
{
    struct eval *ev = ctx;

    msgpack_pack_map(pk, 4);
    proto_pack_cstr(pk, "id");
    proto_pack_cstr(pk, ev->ids.ids[ev->q[i].idx]);
    proto_pack_cstr(pk, "limit");
    msgpack_pack_uint32(pk, (uint32_t)ev->k);
    proto_pack_cstr(pk, "offset");
    msgpack_pack_uint32(pk, 0);
    proto_pack_cstr(pk, "explain");
    msgpack_pack_false(pk);
    return 0;
}

static size_t leads_unknown;

static void on_leads(void *ctx, size_t i, const struct proto_reply *rep)
{
    struct eval *ev = ctx;
    struct query *q = &ev->q[i];
    const msgpack_object *leads = rep->ok ? proto_map_get(rep->body, "leads") : NULL;

    q->n_sm = 0;
    if (!leads || leads->type != MSGPACK_OBJECT_ARRAY)
        return;
    for (uint32_t j = 0; j < leads->via.array.size && q->n_sm < ev->k; j++) {
        const msgpack_object *id = proto_map_get(&leads->via.array.ptr[j], "id");
        long idx = id && id->type == MSGPACK_OBJECT_STR
                       ? idmap_find(&ev->ids, id->via.str.ptr, id->via.str.size)
                       : -1;
        if (idx < 0)
            leads_unknown++;
        q->top_sm[q->n_sm++] = idx;
    }
}

/* match.search with the same query text as FTS5 gets: smematch's own BM25 search. */
static int make_search(void *ctx, size_t i, msgpack_packer *pk)
{
    struct eval *ev = ctx;

    msgpack_pack_map(pk, 2);
    proto_pack_cstr(pk, "text");
    proto_pack_cstr(pk, ev->q[i].needs);
    proto_pack_cstr(pk, "limit");
    msgpack_pack_uint32(pk, (uint32_t)ev->k + 1);
    return 0;
}

static void on_search(void *ctx, size_t i, const struct proto_reply *rep)
{
    struct eval *ev = ctx;
    struct query *q = &ev->q[i];
    const msgpack_object *res = rep->ok ? proto_map_get(rep->body, "results") : NULL;

    q->n_srch = 0;
    if (!res || res->type != MSGPACK_OBJECT_ARRAY)
        return;
    for (uint32_t j = 0; j < res->via.array.size && q->n_srch < ev->k; j++) {
        const msgpack_object *id = proto_map_get(&res->via.array.ptr[j], "id");
        long idx = id && id->type == MSGPACK_OBJECT_STR
                       ? idmap_find(&ev->ids, id->via.str.ptr, id->via.str.size)
                       : -1;
        if (idx != q->idx)
            q->top_srch[q->n_srch++] = idx;
    }
}

/* ---- measures ----------------------------------------------------------------------------- */

struct measures {
    double p, r, ndcg, hit, full, decoys, decoy_reach;
    size_t decoys_total, decoys_in;
    /* Who fills the top-k slots, in % of slots (with roles): planted partners of another
     * query, other decoys, queries, noise and plain profiles. */
    double other_partner, other_decoy, query, noise, plain;
    size_t slots;
};

static int rel_of(const struct query *q, long idx)
{
    for (int j = 0; j < q->nrel; j++)
        if (q->rel_idx[j] == idx)
            return q->rel[j];
    return 0;
}

static int cmp_int_desc(const void *a, const void *b)
{
    return *(const int *)b - *(const int *)a;
}

/* Gain 2^rel - 1, discount log2(rank + 1); the ideal ranking is the truth's, best first. */
static double ndcg(const struct query *q, const long *top, int n, int k)
{
    int sorted[64], m = SM_MIN(q->nrel, 64);
    double dcg = 0, idcg = 0;

    for (int j = 0; j < n; j++)
        dcg += (pow(2, rel_of(q, top[j])) - 1) / log2(j + 2.0);
    memcpy(sorted, q->rel, (size_t)m * sizeof(int));
    qsort(sorted, (size_t)m, sizeof(int), cmp_int_desc);
    for (int j = 0; j < m && j < k; j++)
        idcg += (pow(2, sorted[j]) - 1) / log2(j + 2.0);
    return idcg > 0 ? dcg / idcg : 0;
}

enum ranking { RANK_LEADS, RANK_SEARCH, RANK_FTS, RANK_XAPIAN };

static void measure(const struct eval *ev, enum ranking which, struct measures *m)
{
    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < ev->nq; i++) {
        const struct query *q = &ev->q[i];
        const long *top = which == RANK_LEADS    ? q->top_sm
                          : which == RANK_SEARCH ? q->top_srch
                          : which == RANK_FTS    ? q->top_fts
                                                 : q->top_xap;
        int n = which == RANK_LEADS    ? q->n_sm
                : which == RANK_SEARCH ? q->n_srch
                : which == RANK_FTS    ? q->n_fts
                                       : q->n_xap;
        int hits = 0, decoys = 0;

        for (int j = 0; j < n; j++) {
            bool own = rel_of(q, top[j]) > 0, own_decoy;
            char role = top[j] >= 0 ? ev->role[top[j]] : 0;

            own_decoy = top[j] >= 0 && ev->decoy_of[top[j]] == q->idx;
            hits += own;
            decoys += own_decoy;
            m->slots++;
            if (own || own_decoy)
                continue;
            m->other_partner += role == 'p';
            m->other_decoy += role == 'd';
            m->query += role == 'q' || role == 'Q';
            m->noise += role == 'n';
            m->plain += role == 'l';
        }
        m->p += (double)hits / ev->k;
        m->r += q->nrel ? (double)hits / SM_MIN(q->nrel, ev->k) : 0;
        m->ndcg += ndcg(q, top, n, ev->k);
        m->hit += hits > 0;
        m->full += n == ev->k;
        m->decoys += decoys;
        m->decoys_in += (size_t)decoys;
    }
    /* Decoys of the evaluated queries only (--queries may evaluate a subset). */
    for (size_t d = 0; d < ev->ids.n; d++)
        if (ev->decoy_of[d] >= 0 && ev->role[ev->decoy_of[d]] == 'Q')
            m->decoys_total++;
    if (ev->nq) {
        m->p /= (double)ev->nq;
        m->r /= (double)ev->nq;
        m->ndcg /= (double)ev->nq;
        m->hit /= (double)ev->nq;
        m->full /= (double)ev->nq;
        m->decoys /= (double)ev->nq;
    }
}

/* ---- main --------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},  {"count", required_argument, NULL, 'n'},
        {"preset", required_argument, NULL, 'P'}, {"profiles", required_argument, NULL, 'p'},
        {"truth", required_argument, NULL, 't'}, {"roles", required_argument, NULL, 'r'},
        {"zmq", required_argument, NULL, 'z'},   {"no-import", no_argument, NULL, 'I'},
        {"k", required_argument, NULL, 'k'},     {"build", required_argument, NULL, 'b'},
        {"keep", no_argument, NULL, 'K'},        {"help", no_argument, NULL, 'h'},
        {"queries", required_argument, NULL, 'Q'},
        {NULL, 0, NULL, 0}};
    const char *seed = "1", *count = "2000", *preset = "general", *profiles = NULL;
    const char *truth = NULL, *roles = NULL, *zmq_ep = NULL, *build = NULL;
    char tmp[512] = "", path_p[600], path_t[600], path_r[600], path_db[600], path_xdb[600];
    char data[600];
    char log[600], ep[64], pub[64], buf[32], label[64];
    bool no_import = false, keep = false;
    long max_queries = 0;
    struct eval ev = {.k = 10, .batch = 2000};
    struct bench_lines lines = {0};
    struct bench_fts fts = {0};
    struct bench_xapian *xap = NULL;
    struct bench_engine eng = {0};
    struct bench_proc engine = {0};
    struct bench_lat lat;
    struct measures msm, mfts, mxap, msr;
    uint64_t t0;
    size_t total_queries = 0;
    double t_load, t_fts_build, t_xap_build, t_fts_query, t_xap_query, t_import, t_leads, t_srch;
    bool has_srch;
    long rc;
    int opt, status = 1;

    bench_lat_init(&lat);
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's': seed = optarg; break;
        case 'n': count = optarg; break;
        case 'P': preset = optarg; break;
        case 'p': profiles = optarg; break;
        case 't': truth = optarg; break;
        case 'r': roles = optarg; break;
        case 'z': zmq_ep = optarg; break;
        case 'I': no_import = true; break;
        case 'k': ev.k = atoi(optarg); break;
        case 'b': build = optarg; break;
        case 'K': keep = true; break;
        case 'Q': max_queries = atol(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (ev.k < 1 || ev.k > MAX_K || (profiles && !truth) || (!profiles && truth) ||
        (no_import && !zmq_ep) || optind != argc) {
        usage(stderr);
        return 2;
    }
    build = bench_build_dir(build);
    if (bench_mkdtemp(tmp, sizeof(tmp), "smematch-eval-") != 0)
        return 1;

    /* 1. Profiles and truth. */
    if (!profiles) {
        char gen[600];
        snprintf(gen, sizeof(gen), "%s/benchmarks/smematch-gen", build);
        snprintf(path_p, sizeof(path_p), "%s/profiles.ndjson", tmp);
        snprintf(path_t, sizeof(path_t), "%s/truth.tsv", tmp);
        snprintf(path_r, sizeof(path_r), "%s/roles.tsv", tmp);
        char *gargv[] = {gen, "--seed", (char *)seed, "--count", (char *)count, "--preset",
                         (char *)preset, "--out", path_p, "--truth", path_t, "--roles", path_r,
                         "--quiet", NULL};
        t0 = sm_now_ns();
        if (bench_run(gargv) != 0) {
            fprintf(stderr, "smematch-gen failed\n");
            goto out;
        }
        fprintf(stderr, "generated %s profiles in %.1f s\n", count, bench_secs(t0));
        profiles = path_p;
        truth = path_t;
        roles = path_r;
    }
    if (bench_lines_open(&lines, profiles) != 0)
        goto out;

    /* 2. Parse; FTS5 and Xapian indexes over the same texts. */
    snprintf(path_db, sizeof(path_db), "%s/fts5.db", tmp);
    snprintf(path_xdb, sizeof(path_xdb), "%s/xapian.glass", tmp);
    t0 = sm_now_ns();
    if (bench_fts_open(&fts, path_db) != 0 || bench_xapian_open(&xap, path_xdb) != 0 ||
        load_profiles(&ev, &lines, &fts, xap) != 0)
        goto out;
    t_load = bench_secs(t0);
    t0 = sm_now_ns();
    if (bench_fts_finish(&fts) != 0)
        goto out;
    t_fts_build = (double)ev.fts_ns / 1e9 + bench_secs(t0);
    t0 = sm_now_ns();
    if (bench_xapian_finish(xap) != 0)
        goto out;
    t_xap_build = (double)ev.xap_ns / 1e9 + bench_secs(t0);
    t_load -= (double)(ev.fts_ns + ev.xap_ns) / 1e9; /* what is left: parsing, msgpack */
    if (load_truth(&ev, truth) != 0 || (roles && load_roles(&ev, roles) != 0))
        goto out;
    if (max_queries > 0 && (size_t)max_queries < ev.nq) {
        /* An evenly spread, deterministic subset: every (nq / max)-th query. */
        size_t keep_n = (size_t)max_queries, m = 0;
        for (size_t i = 0; i < ev.nq; i++) {
            if (m < keep_n && i * keep_n / ev.nq == m && (i == 0 || (i - 1) * keep_n / ev.nq < m))
                ev.q[m++] = ev.q[i];
            else {
                free(ev.q[i].rel_idx);
                free(ev.q[i].rel);
            }
        }
        total_queries = ev.nq;
        ev.nq = m;
    }
    for (size_t i = 0; i < ev.nq; i++)
        ev.role[ev.q[i].idx] = 'Q'; /* evaluated */
    load_needs(&ev, &lines);
    if (!ev.nq) {
        fprintf(stderr, "the truth names no query among the profiles\n");
        goto out;
    }

    /* 3. Engine. */
    if (!zmq_ep) {
        char exe[600];
        snprintf(exe, sizeof(exe), "%s/engine/smematch-engine", build);
        snprintf(data, sizeof(data), "%s/data", tmp);
        snprintf(log, sizeof(log), "%s/engine.log", tmp);
        snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", bench_free_port());
        snprintf(pub, sizeof(pub), "tcp://127.0.0.1:%d", bench_free_port());
        char *eargv[] = {exe, "--data", data, "--zmq", ep, "--pub", pub, "--log-level", "warn",
                         NULL};
        if (bench_spawn(&engine, "engine", eargv, log) != 0)
            goto out;
        zmq_ep = ep;
    }
    if (bench_engine_connect(&eng, zmq_ep) != 0)
        goto out;
    if (bench_engine_wait_ready(&eng, 20000) != 0) {
        fprintf(stderr, "the engine at %s does not answer (log: %s)\n", zmq_ep,
                engine.pid ? log : "-");
        goto out;
    }

    /* 4. Import. */
    t0 = sm_now_ns();
    if (!no_import) {
        size_t nb = (ev.ids.n + ev.batch - 1) / ev.batch;
        rc = bench_engine_run(&eng, "profile.import", nb, 2, make_import, on_import, &ev, NULL,
                              600000, nb >= 50 ? 10 : 0, "import batches");
        if (rc < 0 || import_stored != ev.ids.n) {
            fprintf(stderr, "import: %zu of %zu stored, %zu failed\n", import_stored,
                    ev.ids.n, import_failed);
            if (rc < 0 || import_stored == 0)
                goto out;
        }
    }
    t_import = bench_secs(t0);

    /* 5. smematch: match.leads for every query. */
    t0 = sm_now_ns();
    rc = bench_engine_run(&eng, "match.leads", ev.nq, 4, make_leads, on_leads, &ev, &lat, 60000,
                          0, "match.leads");
    t_leads = bench_secs(t0);
    if (rc < 0 || (size_t)rc == ev.nq) {
        fprintf(stderr, "match.leads failed%s\n",
                rc == (long)ev.nq ? " for every query (does the engine have it yet?)" : "");
        goto out;
    }

    /* 6. Baseline: FTS5 BM25 over the same texts. */
    t0 = sm_now_ns();
    for (size_t i = 0; i < ev.nq; i++) {
        struct bench_buf qs;
        int64_t top[MAX_K];
        int n;

        bench_buf_init(&qs);
        bench_fts_query(ev.q[i].needs, &qs);
        n = bench_fts_search(&fts, qs.s ? qs.s : "", ev.q[i].idx, top, ev.k);
        bench_buf_release(&qs);
        ev.q[i].n_fts = n < 0 ? 0 : n;
        for (int j = 0; j < ev.q[i].n_fts; j++)
            ev.q[i].top_fts[j] = (long)top[j];
    }
    t_fts_query = bench_secs(t0);

    /* 6a. Baseline: Xapian BM25 over the same texts and the same query terms. */
    t0 = sm_now_ns();
    for (size_t i = 0; i < ev.nq; i++) {
        struct bench_buf qs;
        int64_t top[MAX_K];
        int n;

        bench_buf_init(&qs);
        bench_query_terms(ev.q[i].needs, &qs);
        n = bench_xapian_search(xap, qs.s ? qs.s : "", ev.q[i].idx, top, ev.k);
        bench_buf_release(&qs);
        ev.q[i].n_xap = n < 0 ? 0 : n;
        for (int j = 0; j < ev.q[i].n_xap; j++)
            ev.q[i].top_xap[j] = (long)top[j];
    }
    t_xap_query = bench_secs(t0);

    /* 6b. smematch's own text search (match.search) on the same query texts. */
    t0 = sm_now_ns();
    rc = bench_engine_run(&eng, "match.search", ev.nq, 4, make_search, on_search, &ev, NULL,
                          60000, 0, "match.search");
    t_srch = bench_secs(t0);
    has_srch = rc >= 0 && (size_t)rc < ev.nq;

    /* 7. Report. */
    measure(&ev, RANK_LEADS, &msm);
    measure(&ev, RANK_FTS, &mfts);
    measure(&ev, RANK_XAPIAN, &mxap);
    measure(&ev, RANK_SEARCH, &msr);
    {
        size_t pairs = 0, rel2 = 0;
        for (size_t i = 0; i < ev.nq; i++) {
            pairs += (size_t)ev.q[i].nrel;
            for (int j = 0; j < ev.q[i].nrel; j++)
                rel2 += ev.q[i].rel[j] == 2;
        }
        printf("smematch-eval: %s profiles (%s), %zu queries, %zu planted pairs (%zu reciprocal), "
               "cut-off %d\n",
               bench_commas(buf, sizeof(buf), (double)ev.ids.n),
               profiles == path_p ? "generated" : profiles, ev.nq, pairs, rel2, ev.k);
        if (total_queries)
            printf("(a spread subset of %zu of the truth's %zu queries)\n", ev.nq, total_queries);
        printf("(precision@%d can reach at most %.4f here: %.1f planted partners per query)\n\n",
               ev.k, (double)SM_MIN(pairs, (size_t)ev.k * ev.nq) / ((double)ev.k * ev.nq),
               (double)pairs / ev.nq);
    }
    printf("%-34s %14s %12s %12s %16s\n", "measure", "smematch leads", "FTS5 BM25", "Xapian BM25",
           has_srch ? "smematch search" : "");
#define ROW(label, f, fmt)                                                                     \
    do {                                                                                       \
        printf("%-34s %14" fmt " %12" fmt " %12" fmt, label, msm.f, mfts.f, mxap.f);           \
        if (has_srch)                                                                          \
            printf(" %16" fmt, msr.f);                                                         \
        printf("\n");                                                                          \
    } while (0)
    snprintf(label, sizeof(label), "precision@%d", ev.k);
    ROW(label, p, ".4f");
    snprintf(label, sizeof(label), "NDCG@%d (gain 2^rel-1)", ev.k);
    ROW(label, ndcg, ".4f");
    snprintf(label, sizeof(label), "recall@%d", ev.k);
    ROW(label, r, ".4f");
    ROW("queries with a partner in top k", hit, ".4f");
    ROW("queries with a full top k", full, ".4f");
    if (roles) {
        ROW("own decoys in top k, per query", decoys, ".4f");
        msm.decoys = msm.decoys_total ? 100.0 * (double)msm.decoys_in / msm.decoys_total : 0;
        mfts.decoys = mfts.decoys_total ? 100.0 * (double)mfts.decoys_in / mfts.decoys_total : 0;
        mxap.decoys = mxap.decoys_total ? 100.0 * (double)mxap.decoys_in / mxap.decoys_total : 0;
        msr.decoys = msr.decoys_total ? 100.0 * (double)msr.decoys_in / msr.decoys_total : 0;
        ROW("decoys reaching their top k, %", decoys, ".1f");
        printf("other slots of the top k, %% of all slots:\n");
        {
            struct measures *ms[4] = {&msm, &mfts, &mxap, &msr};
            for (int j = 0; j < 4; j++) {
                double s = ms[j]->slots ? 100.0 / (double)ms[j]->slots : 0;
                ms[j]->other_partner *= s;
                ms[j]->other_decoy *= s;
                ms[j]->query *= s;
                ms[j]->noise *= s;
                ms[j]->plain *= s;
            }
        }
        ROW("  partners of other queries", other_partner, ".1f");
        ROW("  decoys of other queries", other_decoy, ".1f");
        ROW("  query profiles", query, ".1f");
        ROW("  noise profiles", noise, ".1f");
        ROW("  plain profiles", plain, ".1f");
    }
#undef ROW
    printf("%-34s %14.2f %12.2f %12.2f", "wall time per query, ms",
           1000.0 * t_leads / (double)ev.nq, 1000.0 * t_fts_query / (double)ev.nq,
           1000.0 * t_xap_query / (double)ev.nq);
    if (has_srch)
        printf(" %16.2f", 1000.0 * t_srch / (double)ev.nq);
    printf("\n");
    printf("\nimport %.1f s (profile.import, %zu a batch); parsing %.1f s; FTS5 index %.1f s "
           "(insert + optimize); Xapian index %.1f s (index + commit + compact); engine queries "
           "4 in flight (leads p50 %.2f ms, p99 %.2f ms), FTS5 and Xapian one at a time\n",
           t_import, ev.batch, t_load, t_fts_build, t_xap_build, bench_lat_ms(&lat, 50),
           bench_lat_ms(&lat, 99));
    if (leads_unknown)
        printf("note: %zu leads named profiles not in the file\n", leads_unknown);
    if (msm.ndcg <= mfts.ndcg || msm.ndcg <= mxap.ndcg)
        printf("note: smematch does NOT beat the BM25 baselines (%s) on NDCG@10 in this run\n",
               msm.ndcg <= mfts.ndcg && msm.ndcg <= mxap.ndcg ? "FTS5 and Xapian"
               : msm.ndcg <= mfts.ndcg                       ? "FTS5"
                                                             : "Xapian");
    status = 0;
out:
    bench_engine_close(&eng);
    if (engine.pid) {
        if (bench_stop(&engine, 30000) != 0)
            fprintf(stderr, "the engine did not exit cleanly (log: %s)\n", log);
        if (bench_log_has_sanitizer_report(log))
            status = 1;
    }
    bench_fts_close(&fts);
    bench_xapian_close(&xap);
    bench_lines_release(&lines);
    for (size_t i = 0; i < ev.nq; i++) {
        free(ev.q[i].rel_idx);
        free(ev.q[i].rel);
        free(ev.q[i].needs);
    }
    free(ev.q);
    free(ev.pk_off);
    free(ev.role);
    free(ev.decoy_of);
    msgpack_sbuffer_destroy(&ev.packed);
    idmap_release(&ev.ids);
    bench_lat_release(&lat);
    if (keep || status)
        fprintf(stderr, "temporary folder kept: %s\n", tmp);
    else
        bench_rmrf(tmp);
    return status;
}
