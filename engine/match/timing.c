/*
 * timing.c - a quick timing harness for the match library (built on demand, never installed;
 * the real benchmarks live in benchmarks/). Prints microseconds per tokenisation of a
 * 300-byte text, per match_doc_build, per scored candidate pair (with and without
 * explanation) and per search hit, over synthetic profiles from a fixed seed.
 *
 *   ninja -C build engine/match/match-timing && build/engine/match/match-timing [n_profiles]
 */
#include "sm.h"

#include "doc.h"
#include "score.h"
#include "text.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static const char *const words[] = {
    "OEM",         "production",    "gel",        "pens",       "markers",    "stationery",
    "injection",   "molding",       "plastic",    "parts",      "automotive", "supplier",
    "distributor", "Germany",       "market",     "access",     "wholesale",  "school",
    "office",      "supplies",      "precision",  "machining",  "CNC",        "aluminium",
    "components",  "electronics",   "assembly",   "PCB",        "design",     "engineering",
    "software",    "licensing",     "patent",     "technology", "solar",      "panels",
    "batteries",   "lithium",       "textile",    "garments",   "cotton",     "furniture",
    "wooden",      "packaging",     "logistics",  "cold",       "chain",      "food",
    "processing",  "machinery",     "medical",    "devices",    "certified",  "ISO9001",
    "quality",     "manufacturers", "exporting",  "Europe",     "retail",     "chains",
    "consulting",  "legal",         "tax",        "joint",      "venture",    "investment",
    "capital",     "research",      "laboratory", "testing",    "注塑加工",   "模具",
    "文具",        "中性笔",        "出口",       "欧洲",       "市场",       "代理",
    "分销",        "汽车零部件",
};
static const char *const countries[] = {"CN", "DE", "US", "FR", "IT", "JP", "GB", "NL"};
static const char *const sectors[] = {"C3290", "C2229", "C2930", "G4649", "C2610", "M7110",
                                      "C1392", "C3100", "J6201", "M6910", "C2720", "C1079"};
static const char *const langs[] = {"zh", "en", "de", "fr"};

#define MAXS 512

struct gen {
    char text[4][MAXS];
    char *kw[4][3];
    char kwbuf[4][3][64];
    char *sect[4][2];
    char *cty[4][2];
    char *plang[2];
    char *psect[1];
    char desc[MAXS];
    char id[32], name[32];
    struct coop_item items[4];
    struct profile p;
};

static void fill_text(char *buf, size_t target)
{
    size_t n = 0;

    buf[0] = '\0';
    while (n < target) {
        const char *w = words[next(SM_ARRAY_SIZE(words))];
        int r = snprintf(buf + n, MAXS - n, "%s%s", n ? " " : "", w);
        if (r < 0 || (size_t)r >= MAXS - n)
            break;
        n += (size_t)r;
    }
}

static void gen_profile(struct gen *g, uint32_t i)
{
    memset(g, 0, sizeof(*g));
    snprintf(g->id, sizeof(g->id), "p-%06u", i);
    snprintf(g->name, sizeof(g->name), "Company %u", i);
    fill_text(g->desc, 200);
    for (int k = 0; k < 4; k++) {
        struct coop_item *it = &g->items[k];
        fill_text(g->text[k], 120);
        for (int j = 0; j < 3; j++) {
            snprintf(g->kwbuf[k][j], 64, "%s %s", words[next(SM_ARRAY_SIZE(words))],
                     j ? words[next(SM_ARRAY_SIZE(words))] : "");
            g->kw[k][j] = g->kwbuf[k][j];
        }
        g->sect[k][0] = (char *)sectors[next(SM_ARRAY_SIZE(sectors))];
        g->sect[k][1] = (char *)sectors[next(SM_ARRAY_SIZE(sectors))];
        g->cty[k][0] = (char *)countries[next(SM_ARRAY_SIZE(countries))];
        g->cty[k][1] = (char *)countries[next(SM_ARRAY_SIZE(countries))];
        it->type = (enum coop_type)next(4); /* few types: many pairs to score */
        it->text = g->text[k];
        it->keywords = (struct strlist){g->kw[k], 3};
        it->sectors = (struct strlist){g->sect[k], 2};
        it->countries = (struct strlist){g->cty[k], next(3)};
    }
    g->plang[0] = (char *)langs[next(4)];
    g->plang[1] = (char *)langs[next(4)];
    g->psect[0] = (char *)sectors[next(SM_ARRAY_SIZE(sectors))];
    g->p.id = g->id;
    g->p.name = g->name;
    g->p.kind = (enum profile_kind)next(KIND__COUNT);
    g->p.country = (char *)countries[next(SM_ARRAY_SIZE(countries))];
    g->p.languages = (struct strlist){g->plang, 2};
    g->p.sectors = (struct strlist){g->psect, 1};
    g->p.description = g->desc;
    g->p.offers = &g->items[0];
    g->p.n_offers = 2;
    g->p.needs = &g->items[2];
    g->p.n_needs = 2;
}

/* A df table for the corpus: counts per term over all docs, in a simple hash map. */
struct dfmap {
    struct text_terms t;
};

static uint32_t df_cb(void *ctx, const char *term, size_t len)
{
    struct dfmap *m = ctx;
    int32_t k = text_terms_find(&m->t, term, len);
    return k < 0 ? 0 : m->t.v[k].tf;
}

static int df_add(void *ctx, const char *term, size_t len, uint32_t tf)
{
    return text_terms_add(&((struct dfmap *)ctx)->t, term, len, 1, false) < 0 ? -ENOMEM : 0;
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 2000;
    struct text_analyzer *a = NULL;
    struct match_doc **docs = calloc(n, sizeof(*docs));
    struct gen *g = malloc(sizeof(*g));
    struct dfmap df;
    struct text_terms t;
    char text[MAXS];
    uint64_t t0, items = 0, leads = 0, pairs = 0;
    double sum_len = 0, sum_doc_len = 0;
    volatile double sink = 0;

    if (!docs || !g || text_analyzer_new(&a))
        return 1;
    text_terms_init(&df.t);
    text_terms_init(&t);

    fill_text(text, 300);
    t0 = sm_now_ns();
    for (int i = 0; i < 20000; i++) {
        text_terms_reset(&t);
        text_analyze(a, text, strlen(text), &t);
    }
    printf("tokenise %zu bytes (mixed en/zh): %.2f us\n", strlen(text),
           (double)(sm_now_ns() - t0) / 20000 / 1e3);
    snprintf(text, sizeof(text), "%s",
             "OEM production of gel pens and markers for school and office stationery, 2M "
             "units/month, ISO9001 certified manufacturers exporting to Germany, France and "
             "the US; we seek distributors and wholesale partners with retail chains in Europe "
             "for our precision injection molded plastic parts and packaging lines too.");
    t0 = sm_now_ns();
    for (int i = 0; i < 20000; i++) {
        text_terms_reset(&t);
        text_analyze(a, text, strlen(text), &t);
    }
    printf("tokenise %zu bytes (English): %.2f us\n", strlen(text),
           (double)(sm_now_ns() - t0) / 20000 / 1e3);

    uint64_t gen_ns = 0, build_ns = 0, text_bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        t0 = sm_now_ns();
        gen_profile(g, i);
        gen_ns += sm_now_ns() - t0;
        text_bytes += strlen(g->desc);
        for (int k = 0; k < 4; k++)
            text_bytes += strlen(g->text[k]) + 3 * 8;
        t0 = sm_now_ns();
        if (match_doc_build(a, &g->p, &docs[i]))
            return 1;
        build_ns += sm_now_ns() - t0;
    }
    printf("match_doc_build: %.2f us/profile (~%" PRIu64 " bytes of text), doc %u bytes\n",
           (double)build_ns / n / 1e3, text_bytes / n, docs[0]->size);
    (void)gen_ns;
    for (uint32_t i = 0; i < n; i++) {
        match_doc_foreach_term(docs[i], df_add, &df);
        sum_doc_len += docs[i]->len;
        for (uint32_t k = 0; k < match_doc_n_items(docs[i]); k++, items++)
            sum_len += match_doc_item(docs[i], k)->len;
    }
    struct score_corpus c = {n, sum_len / (double)items, sum_doc_len / n, df_cb, &df};

    t0 = sm_now_ns();
    for (uint32_t i = 0; i < 50; i++)
        for (uint32_t j = 0; j < n; j++) {
            struct score_lead l;
            leads += score_pair(NULL, &c, docs[i], docs[j], &l, NULL);
            pairs += l.n_pairs_ab + l.n_pairs_ba;
            sink += l.score;
        }
    printf("score_pair: %.3f us/candidate (%.1f%% leads, %.2f item pairs/candidate)\n",
           (double)(sm_now_ns() - t0) / (50.0 * n) / 1e3, 100.0 * (double)leads / (50.0 * n),
           (double)pairs / (50.0 * n));

    t0 = sm_now_ns();
    for (uint32_t i = 0; i < 50; i++)
        for (uint32_t j = 0; j < n; j++) {
            struct score_lead l;
            struct score_explain ex;
            score_pair(NULL, &c, docs[i], docs[j], &l, &ex);
            sink += l.score;
        }
    printf("score_pair with explanation: %.3f us/candidate\n",
           (double)(sm_now_ns() - t0) / (50.0 * n) / 1e3);

    struct score_query q;
    score_query_prepare(a, "injection molding supplier Germany", 34, &c, &q);
    t0 = sm_now_ns();
    for (uint32_t r = 0; r < 20; r++)
        for (uint32_t j = 0; j < n; j++) {
            struct score_hit h;
            score_search(NULL, &q, &c, docs[j], &h);
            sink += h.score;
        }
    printf("score_search (%u query terms): %.3f us/doc\n", q.n,
           (double)(sm_now_ns() - t0) / (20.0 * n) / 1e3);
    score_query_release(&q);

    for (uint32_t i = 0; i < n; i++)
        match_doc_destroy(&docs[i]);
    free(docs);
    free(g);
    text_terms_release(&t);
    text_terms_release(&df.t);
    text_analyzer_destroy(&a);
    return sink < 0;
}
