/* score.c - pair strength, reciprocity, explanations and search scoring; see score.h. */
#include "sm.h"

#include "score.h"

#include <math.h>

#include "proto.h"

/* clang-format off */
const struct score_params score_default_params = {
    .w = {.sector = 0.40, .text = 0.35, .keywords = 0.25,
          .geo = 0.50, .language = 0.25, .kind = 0.25, .context = 0.5},
    .k1 = 1.2,
    .b = 0.75,
    .text_half = 6.0,
    .keywords_half = 4.0,
    .extra = {0.2, 0.1},
    .lambda = 0.5,
    .inbound = false,
};
/* clang-format on */

/* Names come from coop.c; "" rather than NULL for a value out of range (a damaged doc). */
const char *score_type_name(enum coop_type t)
{
    const char *s = coop_type_name(t);
    return s ? s : "";
}

const char *score_kind_name(enum profile_kind k)
{
    const char *s = profile_kind_name(k);
    return s ? s : "";
}

/* ---- components ---- */

enum isic_level score_sector_level(const char *a, const char *b)
{
    size_t d = 0;

    if (!a[0] || a[0] != b[0])
        return ISIC_NONE;
    while (d < 4 && a[1 + d] && a[1 + d] == b[1 + d])
        d++;
    /* Digits agree pairwise: 2 = division, 3 = group, 4 = class; 0 or 1 is the section. */
    return d >= 4 ? ISIC_CLASS : d == 3 ? ISIC_GROUP : d == 2 ? ISIC_DIVISION : ISIC_SECTION;
}

double score_level_weight(enum isic_level l)
{
    static const double w[] = {0.0, 0.3, 0.6, 0.8, 1.0};
    return (unsigned)l < SM_ARRAY_SIZE(w) ? w[l] : 0.0;
}

const char *score_level_name(enum isic_level l)
{
    static const char *const n[] = {"none", "section", "division", "group", "class"};
    return (unsigned)l < SM_ARRAY_SIZE(n) ? n[l] : "none";
}

double score_sectors(const struct match_doc *nd, const struct match_item *need,
                     const struct match_doc *od, const struct match_item *other)
{
    const struct match_sector *x = match_item_sectors(nd, need);
    const struct match_sector *y = match_item_sectors(od, other);
    enum isic_level best = ISIC_NONE;

    for (uint32_t i = 0; i < need->n_sectors && best < ISIC_CLASS; i++)
        for (uint32_t j = 0; j < other->n_sectors; j++) {
            enum isic_level l = score_sector_level(x[i].code, y[j].code);
            if (l > best)
                best = l;
        }
    return score_level_weight(best);
}

static enum score_fit fit(const struct match_doc *d, const struct match_item *it, const char cc[2])
{
    const struct match_cc *v = match_item_countries(d, it);

    if (!it->n_countries)
        return SCORE_FIT_ANY;
    for (uint32_t i = 0; i < it->n_countries; i++)
        if (v[i].c[0] == cc[0] && v[i].c[1] == cc[1])
            return SCORE_FIT_LISTED;
    return SCORE_FIT_OUTSIDE;
}

static double fit_value(enum score_fit f)
{
    return f == SCORE_FIT_LISTED ? 1.0 : f == SCORE_FIT_ANY ? 0.5 : 0.0;
}

double score_geo(const struct match_doc *nd, const struct match_item *need,
                 const struct match_doc *od, const struct match_item *other,
                 enum score_fit *need_fit, enum score_fit *other_fit)
{
    enum score_fit f1 = fit(nd, need, od->country);
    enum score_fit f2 = fit(od, other, nd->country);

    if (need_fit)
        *need_fit = f1;
    if (other_fit)
        *other_fit = f2;
    return (fit_value(f1) + fit_value(f2)) / 2;
}

/* Two sorted language lists without duplicates: 1 if they share one, 0.5 if either is empty. */
static double langs_score(const struct match_cc *x, uint32_t nx, const struct match_cc *y,
                          uint32_t ny)
{
    uint32_t i = 0, j = 0;

    if (!nx || !ny)
        return 0.5;
    while (i < nx && j < ny) {
        int c = memcmp(x[i].c, y[j].c, 2);
        if (!c)
            return 1.0;
        if (c < 0)
            i++;
        else
            j++;
    }
    return 0.0;
}

double score_language(const struct match_doc *a, const struct match_doc *b)
{
    return langs_score(match_doc_langs(a), a->n_langs, match_doc_langs(b), b->n_langs);
}

/*
 * Rows: the needing side's kind; columns: the other side's. The cooperation zones exist to
 * pair SMEs with large and foreign firms, so those cells are 1; like with like is weaker.
 */
/* clang-format off */
static const double kind_table[KIND__COUNT][KIND__COUNT] = {
    /*              sme  large foreign service */
    /* sme */     {0.6, 1.0, 1.0, 0.5},
    /* large */   {1.0, 0.5, 0.8, 0.5},
    /* foreign */ {1.0, 0.8, 0.4, 0.5},
    /* service */ {0.6, 0.6, 0.6, 0.3},
};
/* clang-format on */

double score_kind(enum coop_type type, enum profile_kind need_side, enum profile_kind other)
{
    if ((unsigned)need_side >= KIND__COUNT || (unsigned)other >= KIND__COUNT)
        return 0.0;
    /* Consultants, law firms and financiers are what a services or investment need seeks. */
    if ((type == COOP_SERVICES || type == COOP_INVESTMENT) && other == KIND_SERVICE)
        return 1.0;
    return kind_table[need_side][other];
}

double score_idf(const struct score_corpus *c, const char *term, size_t len, uint32_t hash)
{
    double n, df;

    if (!c || !c->df)
        return 1.0;
    n = (double)c->n_docs;
    df = SM_MIN((double)c->df(c->ctx, term, len, hash), n);
    return log(1.0 + (n - df + 0.5) / (df + 0.5));
}

/* ---- text relevance ---- */

static inline int term_cmp(const struct match_doc *da, const struct match_term *a,
                           const struct match_doc *db, const struct match_term *b)
{
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    int c = memcmp(match_term_str(da, a), match_term_str(db, b), SM_MIN(a->len, b->len));
    if (c)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Matched terms of a pair, for its explanation: the heaviest SCORE_TERMS_MAX, no repeats. */
struct term_acc {
    struct score_term t[SCORE_TERMS_MAX];
    uint32_t n;
};

static void acc_add(struct term_acc *acc, const char *s, uint32_t len, double w)
{
    uint32_t i, k;

    for (i = 0; i < acc->n; i++)
        if (acc->t[i].len == len && !memcmp(acc->t[i].s, s, len)) {
            if (w <= acc->t[i].weight)
                return;
            /* Heavier now: take it out and insert it again below. */
            memmove(&acc->t[i], &acc->t[i + 1], (acc->n - i - 1) * sizeof(acc->t[0]));
            acc->n--;
            break;
        }
    for (k = 0; k < acc->n && acc->t[k].weight >= w; k++)
        ;
    if (k >= SCORE_TERMS_MAX)
        return;
    if (acc->n == SCORE_TERMS_MAX)
        acc->n--;
    memmove(&acc->t[k + 1], &acc->t[k], (acc->n - k) * sizeof(acc->t[0]));
    acc->t[k] = (struct score_term){s, len, w};
    acc->n++;
}

static double tf_norm(const struct score_params *prm, double tf, double dl, double avgdl)
{
    double norm = avgdl > 0 ? 1.0 - prm->b + prm->b * dl / avgdl : 1.0;
    return tf * (prm->k1 + 1.0) / (tf + prm->k1 * norm);
}

/*
 * BM25 of query vector q (in doc qd) against the union of vectors d1 and d2 (in doc dd) of
 * length dl: one merge over the three sorted vectors.
 */
static double bm25(const struct score_params *prm, const struct score_corpus *c,
                   const struct match_doc *qd, const struct match_term *q, uint32_t nq,
                   const struct match_doc *dd, const struct match_term *d1, uint32_t n1,
                   const struct match_term *d2, uint32_t n2, double dl, struct term_acc *acc)
{
    double avgdl = c ? c->avg_len : 0, sum = 0;
    uint32_t i1 = 0, i2 = 0;

    for (uint32_t i = 0; i < nq && (i1 < n1 || i2 < n2); i++) {
        uint32_t tf = 0;
        int k = 1;

        while (i1 < n1 && (k = term_cmp(dd, &d1[i1], qd, &q[i])) < 0)
            i1++;
        if (i1 < n1 && k == 0)
            tf += d1[i1].tf;
        while (i2 < n2 && (k = term_cmp(dd, &d2[i2], qd, &q[i])) < 0)
            i2++;
        if (i2 < n2 && k == 0)
            tf += d2[i2].tf;
        if (!tf)
            continue;
        const char *s = match_term_str(qd, &q[i]);
        double w = score_idf(c, s, q[i].len, q[i].hash) * tf_norm(prm, tf, dl, avgdl);
        sum += w;
        if (acc)
            acc_add(acc, s, q[i].len, w);
    }
    return sum;
}

static void sector_pairs(struct score_reason *r)
{
    const struct match_sector *x = match_item_sectors(r->need_doc, r->need);
    const struct match_sector *y = match_item_sectors(r->other_doc, r->other);

    r->n_sectors = 0;
    for (uint32_t i = 0; i < r->need->n_sectors; i++)
        for (uint32_t j = 0; j < r->other->n_sectors; j++) {
            enum isic_level l = score_sector_level(x[i].code, y[j].code);
            uint32_t k;
            if (l == ISIC_NONE)
                continue;
            for (k = 0; k < r->n_sectors && r->sectors[k].level >= l; k++)
                ;
            if (k >= SCORE_SECTORS_MAX)
                continue;
            if (r->n_sectors == SCORE_SECTORS_MAX)
                r->n_sectors--;
            memmove(&r->sectors[k + 1], &r->sectors[k], (r->n_sectors - k) * sizeof(r->sectors[0]));
            /* a is always A's code, b B's, whichever side needs. */
            r->sectors[k] = r->forward ? (struct score_sector_pair){x[i].code, y[j].code, l}
                                       : (struct score_sector_pair){y[j].code, x[i].code, l};
            r->n_sectors++;
        }
}

/*
 * Strength of one pair: need (of nd) against other (of od). With r, fills the reason's
 * sub-scores, sectors and terms.
 */
static double pair_strength(const struct score_params *prm, const struct score_corpus *c,
                            const struct match_doc *nd, const struct match_item *need,
                            const struct match_doc *od, const struct match_item *other,
                            struct score_reason *r)
{
    const struct score_weights *w = &prm->w;
    struct score_subscores s = {0};
    struct term_acc acc = {.n = 0};
    struct term_acc *pacc = r ? &acc : NULL;
    double rel = 0, rel_w = 0, ctx, ctx_w;
    enum score_fit f1, f2;

    if (need->n_sectors) {
        s.sector = score_sectors(nd, need, od, other);
        rel += w->sector * s.sector;
        rel_w += w->sector;
    }
    if (need->n_text) {
        double b = bm25(prm, c, nd, match_item_text(nd, need), need->n_text, od,
                        match_item_text(od, other), other->n_text, match_item_kw(od, other),
                        other->n_kw, other->len, pacc);
        s.text = b / (b + prm->text_half);
        rel += w->text * s.text;
        rel_w += w->text;
    }
    if (need->n_kw) {
        double b =
            bm25(prm, c, nd, match_item_kw(nd, need), need->n_kw, od, match_item_text(od, other),
                 other->n_text, match_item_kw(od, other), other->n_kw, other->len, pacc);
        s.keywords = b / (b + prm->keywords_half);
        rel += w->keywords * s.keywords;
        rel_w += w->keywords;
    }
    if (rel <= 0 || rel_w <= 0)
        goto out;
    rel /= rel_w;

    s.geo = score_geo(nd, need, od, other, &f1, &f2);
    s.language = score_language(nd, od);
    s.kind = score_kind((enum coop_type)need->type, (enum profile_kind)nd->kind,
                        (enum profile_kind)od->kind);
    ctx_w = w->geo + w->language + w->kind;
    ctx = ctx_w > 0 ? (w->geo * s.geo + w->language * s.language + w->kind * s.kind) / ctx_w : 1.0;
    s.strength = rel * (1.0 - w->context + w->context * ctx);
    if (r) {
        r->need_fit = f1;
        r->other_fit = f2;
    }
out:
    if (r) {
        r->s = s;
        r->type = (enum coop_type)need->type;
        memcpy(r->terms, acc.t, acc.n * sizeof(acc.t[0]));
        r->n_terms = acc.n;
        sector_pairs(r);
    }
    return s.strength;
}

/* A scored pair, kept for explanations: item indexes into the two docs. */
struct pair_ref {
    double p;
    uint32_t need, other;
};

/* Insert into a list sorted by strength; equal strengths keep iteration (index) order. */
static void keep_top(struct pair_ref *top, uint32_t *n, uint32_t max, struct pair_ref x)
{
    uint32_t k;

    for (k = 0; k < *n && top[k].p >= x.p; k++)
        ;
    if (k >= max)
        return;
    if (*n == max)
        (*n)--;
    memmove(&top[k + 1], &top[k], (*n - k) * sizeof(top[0]));
    top[k] = x;
    (*n)++;
}

/*
 * s(X->Y): the pairs where X needs. top receives the best max pairs (max >= 3); returns the
 * direction score, *n_pairs the number of pairs with a strength.
 */
static double direction(const struct score_params *prm, const struct score_corpus *c,
                        const struct match_doc *x, const struct match_doc *y, struct pair_ref *top,
                        uint32_t max, uint32_t *n_top, uint32_t *n_pairs)
{
    uint32_t ny = match_doc_n_items(y);

    *n_top = 0;
    *n_pairs = 0;
    if (!(x->need_types & (y->offer_types | y->need_types)))
        return 0;
    for (uint32_t i = x->n_offers; i < match_doc_n_items(x); i++) {
        const struct match_item *need = match_doc_item(x, i);
        uint32_t bit = 1u << need->type;
        bool sym = coop_type_symmetric((enum coop_type)need->type);

        if (!(y->offer_types & bit) && !(sym && (y->need_types & bit)))
            continue;
        for (uint32_t j = 0; j < ny; j++) {
            const struct match_item *other = match_doc_item(y, j);
            if (other->type != need->type || (other->is_need && !sym))
                continue;
            double p = pair_strength(prm, c, x, need, y, other, NULL);
            if (p <= 0)
                continue;
            (*n_pairs)++;
            keep_top(top, n_top, max, (struct pair_ref){p, i, j});
        }
    }
    if (!*n_top)
        return 0;
    double miss = 1.0 - top[0].p;
    for (uint32_t k = 1; k < 3 && k < *n_top; k++)
        miss *= 1.0 - prm->extra[k - 1] * top[k].p;
    return 1.0 - miss;
}

static void explain_dir(const struct score_params *prm, const struct score_corpus *c,
                        const struct match_doc *x, const struct match_doc *y, bool forward,
                        const struct pair_ref *top, uint32_t n, struct score_explain *ex)
{
    for (uint32_t k = 0; k < n && ex->n < SCORE_REASONS_MAX; k++) {
        struct score_reason *r = &ex->r[ex->n++];
        memset(r, 0, sizeof(*r));
        r->forward = forward;
        r->need_doc = x;
        r->other_doc = y;
        r->need = match_doc_item(x, top[k].need);
        r->other = match_doc_item(y, top[k].other);
        pair_strength(prm, c, x, r->need, y, r->other, r);
    }
}

bool score_pair(const struct score_params *prm, const struct score_corpus *c,
                const struct match_doc *a, const struct match_doc *b, struct score_lead *out,
                struct score_explain *ex)
{
    struct pair_ref top_ab[SCORE_REASONS_AB], top_ba[SCORE_REASONS_AB];
    uint32_t n_ab = 0, n_ba = 0;
    bool lead;

    _Static_assert(SCORE_REASONS_AB >= 3 && SCORE_REASONS_BA <= SCORE_REASONS_AB,
                   "direction() keeps at least the 3 pairs it combines");
    if (!prm)
        prm = &score_default_params;
    memset(out, 0, sizeof(*out));
    out->b = b;
    if (ex)
        ex->n = 0;
    if (a == b || (a->id_len == b->id_len && !strcmp(match_doc_id(a), match_doc_id(b))))
        return false;
    out->s_ab = direction(prm, c, a, b, top_ab, SCORE_REASONS_AB, &n_ab, &out->n_pairs_ab);
    out->s_ba = direction(prm, c, b, a, top_ba, SCORE_REASONS_AB, &n_ba, &out->n_pairs_ba);
    out->reciprocal = out->s_ab > 0 && out->s_ba > 0;
    lead = out->s_ab > 0 || (prm->inbound && out->s_ba > 0);
    if (!lead)
        return false;
    out->score = (out->s_ab + prm->lambda * out->s_ba) / (1.0 + prm->lambda);
    out->type = n_ab ? (enum coop_type)match_doc_item(a, top_ab[0].need)->type
                     : (enum coop_type)match_doc_item(b, top_ba[0].need)->type;
    if (ex) {
        explain_dir(prm, c, a, b, true, top_ab, SM_MIN(n_ab, SCORE_REASONS_AB), ex);
        explain_dir(prm, c, b, a, false, top_ba, SM_MIN(n_ba, SCORE_REASONS_BA), ex);
    }
    return true;
}

/* ---- the leads' first stage ---- */

/* score_language with B's first languages; one past them may be shared, so no 0 then. */
static double language_meta(const struct match_doc *a, const struct match_meta *b)
{
    double l = langs_score(match_doc_langs(a), a->n_langs, b->langs, b->n_langs);

    return l == 0.0 && (b->flags & MATCH_META_MORE_LANGS) ? 1.0 : l;
}

double score_context_estimate(const struct score_params *prm, const struct match_doc *a, int type,
                              const struct match_meta *b)
{
    const struct score_weights *w;
    double best = -1, lang, ctx_w;

    if (!prm)
        prm = &score_default_params;
    w = &prm->w;
    ctx_w = w->geo + w->language + w->kind;
    if (ctx_w <= 0)
        return 1.0;
    lang = language_meta(a, b);
    for (uint32_t i = a->n_offers; i < match_doc_n_items(a); i++) {
        const struct match_item *it = match_doc_item(a, i);
        double geo, kind, c;

        if (type >= 0 && it->type != type)
            continue;
        geo = (fit_value(fit(a, it, b->country)) + fit_value(SCORE_FIT_ANY)) / 2;
        kind = score_kind((enum coop_type)it->type, (enum profile_kind)a->kind,
                          (enum profile_kind)b->kind);
        c = (w->geo * geo + w->language * lang + w->kind * kind) / ctx_w;
        best = c > best ? c : best;
    }
    return best < 0 ? 1.0 : best;
}

static int id_cmp(const struct match_doc *x, const struct match_doc *y)
{
    int c = memcmp(match_doc_id(x), match_doc_id(y), SM_MIN(x->id_len, y->id_len));
    if (c)
        return c;
    return x->id_len < y->id_len ? -1 : x->id_len > y->id_len;
}

int score_lead_cmp(const struct score_lead *x, const struct score_lead *y)
{
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return id_cmp(x->b, y->b);
}

int score_lead_qcmp(const void *x, const void *y)
{
    return score_lead_cmp(x, y);
}

/* ---- packing ---- */

static int pack_str(msgpack_packer *pk, const char *s)
{
    return proto_pack_cstr(pk, s);
}

static int pack_round(msgpack_packer *pk, double v)
{
    return msgpack_pack_double(pk, round(v * 1e4) / 1e4) ? -ENOMEM : 0;
}

static int pack_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
    return pack_str(pk, k) || pack_str(pk, v) ? -ENOMEM : 0;
}

static int pack_kv_num(msgpack_packer *pk, const char *k, double v)
{
    return pack_str(pk, k) || pack_round(pk, v) ? -ENOMEM : 0;
}

static int pack_head(msgpack_packer *pk, const struct match_doc *d, uint32_t n_fields)
{
    char cc[3] = {d->country[0], d->country[1], '\0'};

    if (msgpack_pack_map(pk, n_fields) || pack_kv_str(pk, "id", match_doc_id(d)) ||
        pack_kv_str(pk, "name", match_doc_name(d)) ||
        pack_kv_str(pk, "kind", score_kind_name((enum profile_kind)d->kind)) ||
        pack_kv_str(pk, "country", cc))
        return -ENOMEM;
    return 0;
}

/* Bounded appends to a fixed buffer; output is cut, never overrun. */
struct sbuf {
    char s[512];
    size_t n;
};

__attribute__((format(printf, 2, 3))) static void sb_add(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int r;

    if (b->n >= sizeof(b->s) - 1)
        return;
    va_start(ap, fmt);
    r = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
    va_end(ap);
    if (r > 0)
        b->n = SM_MIN(b->n + (size_t)r, sizeof(b->s) - 1);
}

static void sb_countries(struct sbuf *b, const struct match_doc *d, const struct match_item *it)
{
    const struct match_cc *v = match_item_countries(d, it);

    for (uint32_t i = 0; i < it->n_countries && i < 6; i++)
        sb_add(b, "%s%.2s", i ? ", " : "", v[i].c);
    if (it->n_countries > 6)
        sb_add(b, ", ...");
}

/* "B is in DE, one of A's target countries; B's offer covers any country". */
static void geo_text(const struct score_reason *r, struct sbuf *b)
{
    const char *ns = r->forward ? "A" : "B", *os = r->forward ? "B" : "A";
    const char *what = r->other->is_need ? "need" : "offer";
    const char *nc = r->need_doc->country, *oc = r->other_doc->country;

    b->n = 0;
    b->s[0] = '\0';
    switch (r->need_fit) {
    case SCORE_FIT_LISTED:
        sb_add(b, "%s is in %.2s, one of %s's target countries", os, oc, ns);
        break;
    case SCORE_FIT_ANY:
        sb_add(b, "%s seeks partners in any country (%s is in %.2s)", ns, os, oc);
        break;
    case SCORE_FIT_OUTSIDE:
        sb_add(b, "%s is in %.2s, outside %s's target countries (", os, oc, ns);
        sb_countries(b, r->need_doc, r->need);
        sb_add(b, ")");
        break;
    }
    switch (r->other_fit) {
    case SCORE_FIT_LISTED:
        sb_add(b, "; %s's %s covers %.2s, %s's country", os, what, nc, ns);
        break;
    case SCORE_FIT_ANY:
        sb_add(b, "; %s's %s covers any country", os, what);
        break;
    case SCORE_FIT_OUTSIDE:
        sb_add(b, "; %s's %s targets ", os, what);
        sb_countries(b, r->other_doc, r->other);
        sb_add(b, ", not %s's country %.2s", ns, nc);
        break;
    }
}

static int pack_reason(msgpack_packer *pk, const struct score_reason *r)
{
    const char *ns = r->forward ? "A" : "B", *os = r->forward ? "B" : "A";
    char need[48], other[48];
    struct sbuf geo;

    snprintf(need, sizeof(need), "%s.needs[%u]", ns, (unsigned)r->need->index);
    snprintf(other, sizeof(other), "%s.%s[%u]", os, r->other->is_need ? "needs" : "offers",
             (unsigned)r->other->index);
    geo_text(r, &geo);
    if (msgpack_pack_map(pk, 7) || pack_kv_str(pk, "need", need) ||
        pack_kv_str(pk, "offer", other) || pack_kv_str(pk, "type", score_type_name(r->type)))
        return -ENOMEM;
    if (pack_str(pk, "sectors") || msgpack_pack_array(pk, r->n_sectors))
        return -ENOMEM;
    for (uint32_t i = 0; i < r->n_sectors; i++)
        if (msgpack_pack_map(pk, 3) || pack_kv_str(pk, "a", r->sectors[i].a) ||
            pack_kv_str(pk, "b", r->sectors[i].b) ||
            pack_kv_str(pk, "level", score_level_name(r->sectors[i].level)))
            return -ENOMEM;
    if (pack_str(pk, "terms") || msgpack_pack_array(pk, r->n_terms))
        return -ENOMEM;
    for (uint32_t i = 0; i < r->n_terms; i++)
        if (proto_pack_strn(pk, r->terms[i].s, r->terms[i].len))
            return -ENOMEM;
    if (pack_kv_str(pk, "geo", geo.s) || pack_str(pk, "scores") || msgpack_pack_map(pk, 7) ||
        pack_kv_num(pk, "sector", r->s.sector) || pack_kv_num(pk, "text", r->s.text) ||
        pack_kv_num(pk, "keywords", r->s.keywords) || pack_kv_num(pk, "geo", r->s.geo) ||
        pack_kv_num(pk, "language", r->s.language) || pack_kv_num(pk, "kind", r->s.kind) ||
        pack_kv_num(pk, "strength", r->s.strength))
        return -ENOMEM;
    return 0;
}

int score_lead_pack(const struct score_lead *lead, const struct score_explain *ex,
                    msgpack_packer *pk)
{
    uint32_t n = ex ? ex->n : 0;

    if (pack_head(pk, lead->b, 8) || pack_kv_num(pk, "score", lead->score) ||
        pack_kv_str(pk, "type", score_type_name(lead->type)) || pack_str(pk, "reciprocal") ||
        (lead->reciprocal ? msgpack_pack_true(pk) : msgpack_pack_false(pk)) ||
        pack_str(pk, "reasons") || msgpack_pack_array(pk, n))
        return -ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        if (pack_reason(pk, &ex->r[i]))
            return -ENOMEM;
    return 0;
}

/* ---- search ---- */

int score_query_prepare(struct text_analyzer *a, const char *text, size_t n,
                        const struct score_corpus *c, struct score_query *q)
{
    struct text_terms t;
    int rc;

    memset(q, 0, sizeof(*q));
    text_terms_init(&t);
    if ((rc = text_analyze_keyword(a, text, n, &t)))
        goto out;
    rc = -ENOMEM;
    q->v = calloc(t.n + 1, sizeof(*q->v));
    q->pool = malloc(t.pool_len + 1);
    if (!q->v || !q->pool) {
        score_query_release(q);
        goto out;
    }
    if (t.pool_len)
        memcpy(q->pool, t.pool, t.pool_len);
    for (uint32_t i = 0; i < t.n; i++) {
        const struct text_term *x = &t.v[i];
        q->v[i] = (struct score_qterm){x->hash, q->pool + x->off, x->len,
                                       score_idf(c, q->pool + x->off, x->len, (uint32_t)x->hash)};
    }
    q->n = t.n;
    rc = 0;
out:
    text_terms_release(&t);
    return rc;
}

void score_query_release(struct score_query *q)
{
    free(q->v);
    free(q->pool);
    memset(q, 0, sizeof(*q));
}

bool score_search(const struct score_params *prm, const struct score_query *q,
                  const struct score_corpus *c, const struct match_doc *d, struct score_hit *hit)
{
    const struct match_term *all = match_doc_all(d);
    struct term_acc acc = {.n = 0};
    double avgdl = c ? c->avg_doc_len : 0;

    if (!prm)
        prm = &score_default_params;
    memset(hit, 0, sizeof(*hit));
    hit->d = d;
    for (uint32_t i = 0; i < q->n; i++) {
        int32_t k = match_terms_find(d, all, d->n_all, q->v[i].hash, q->v[i].s, q->v[i].len);
        if (k < 0)
            continue;
        double w = q->v[i].idf * tf_norm(prm, all[k].tf, d->len, avgdl);
        hit->score += w;
        acc_add(&acc, match_term_str(d, &all[k]), all[k].len, w);
    }
    memcpy(hit->terms, acc.t, acc.n * sizeof(acc.t[0]));
    hit->n_terms = acc.n;
    return hit->score > 0;
}

int score_hit_cmp(const struct score_hit *x, const struct score_hit *y)
{
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return id_cmp(x->d, y->d);
}

int score_hit_qcmp(const void *x, const void *y)
{
    return score_hit_cmp(x, y);
}

int score_hit_pack(const struct score_hit *hit, msgpack_packer *pk)
{
    if (pack_head(pk, hit->d, 6) || pack_kv_num(pk, "score", hit->score) || pack_str(pk, "terms") ||
        msgpack_pack_array(pk, hit->n_terms))
        return -ENOMEM;
    for (uint32_t i = 0; i < hit->n_terms; i++)
        if (proto_pack_strn(pk, hit->terms[i].s, hit->terms[i].len))
            return -ENOMEM;
    return 0;
}
