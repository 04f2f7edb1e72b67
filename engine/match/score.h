/*
 * score.h - complementarity, reciprocity and explanations (SPEC §3), and search scoring (§5).
 * docs/matching.md explains the model, the weights and how to read reasons, with an example.
 *
 * Terms used below: A is the profile whose leads are wanted, B a candidate. A *pair* is a need
 * of one side and an item of the other that it matches: an offer of the same cooperation type,
 * or, for the symmetric types joint_venture and rnd, also a need of the same type.
 *
 * Pair strength, in [0,1]:
 *   relevance R = weighted mean of the sub-scores sector, text and keywords, over those the
 *                 need has data for (a need without keywords is judged on sector and text);
 *   context   C = weighted mean of geo, language and kind;
 *   strength    = R * (1 - w.context + w.context * C).
 * R = 0 means "nothing in common but the type": no pair, hence no lead. Context can lower a
 * strength (at most by the share w.context) but never creates one.
 *
 * Direction s(X->Y), in [0,1]: the pairs where X needs, best p1 >= p2 >= p3 combined as a
 * damped noisy-or, 1 - (1-p1)(1-e1*p2)(1-e2*p3) (e = extra[]): a second matching pair adds a
 * little, never as much as the first.
 *
 * Pair score = (s(A->B) + lambda * s(B->A)) / (1 + lambda), in [0,1]: B's own gain adds to the
 * rank, so a partner who also gains ranks above an equally strong one-way match; a one-way
 * lead keeps a score (up to 1/(1+lambda)), since buyers searching suppliers are one-way too.
 * reciprocal = both directions > 0.
 *
 * Everything here is pure and reentrant; docs and the corpus callback are only read (the
 * corpus df callback must itself be safe to call from the calling thread).
 */
#ifndef SM_MATCH_SCORE_H
#define SM_MATCH_SCORE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "doc.h"
#include "isic.h"
#include "text.h"

/*
 * Corpus statistics for BM25, kept up to date by the index. df(t) is the number of profiles
 * whose "all" vector holds term t (0 for an unknown term; values above n_docs are clamped).
 * A NULL corpus or df gives every term idf 1.
 */
struct score_corpus {
    uint64_t n_docs;    /* profiles */
    double avg_len;     /* mean match_item.len over offers and needs; <= 0: no length norm */
    double avg_doc_len; /* mean match_doc.len (search); <= 0: no length normalisation */
    /* hash is (uint32_t)text_hash(term, len), known to the caller: a cache key for free. */
    uint32_t (*df)(void *ctx, const char *term, size_t len, uint32_t hash);
    void *ctx;
};

struct score_weights {
    double sector, text, keywords; /* relevance */
    double geo, language, kind;    /* context */
    double context;                /* share of the strength the context governs, [0,1] */
};

struct score_params {
    struct score_weights w;
    double k1, b;         /* BM25 */
    double text_half;     /* BM25 sum giving a text sub-score of 0.5: S / (S + text_half) */
    double keywords_half; /* the same for keywords */
    double extra[2];      /* weights of the 2nd and 3rd best pairs of a direction */
    double lambda;        /* weight of s(B->A) in the pair score */
    bool inbound;         /* score_pair also returns B when only B gains (s(A->B) = 0) */
};

/*
 * Defaults (docs/matching.md says why): sector 0.40, text 0.35, keywords 0.25; geo 0.50,
 * language 0.25, kind 0.25, context 0.5; k1 1.2, b 0.75; text_half 6, keywords_half 4;
 * extra {0.2, 0.1}; lambda 0.5; inbound false.
 */
extern const struct score_params score_default_params;

/* ---- components (each in [0,1]) ---- */

/* Deepest ISIC level at which two codes agree (section letter, then 2, 3, 4 digits). */
enum isic_level score_sector_level(const char *a, const char *b);
/* class 1.0, group 0.8, division 0.6, section 0.3, none 0. */
double score_level_weight(enum isic_level l);
/* "none", "section", "division", "group", "class". */
const char *score_level_name(enum isic_level l);
/* Best level weight over the sector pairs of two items (0 when either has none). */
double score_sectors(const struct match_doc *nd, const struct match_item *need,
                     const struct match_doc *od, const struct match_item *other);

/* How a country fits a list of target countries. */
enum score_fit {
    SCORE_FIT_LISTED = 0, /* listed: 1.0 */
    SCORE_FIT_ANY,        /* the list is empty, "anywhere": 0.5 */
    SCORE_FIT_OUTSIDE,    /* not listed: 0 */
};
/*
 * Geography of a pair: the other side's country among the need's target countries
 * (need_fit), and the needing side's country among the other item's countries (other_fit);
 * the mean of their values. The fits are stored through the pointers when not NULL.
 */
double score_geo(const struct match_doc *nd, const struct match_item *need,
                 const struct match_doc *od, const struct match_item *other,
                 enum score_fit *need_fit, enum score_fit *other_fit);
/* 1 when the profiles share a language, 0.5 when either lists none, else 0. */
double score_language(const struct match_doc *a, const struct match_doc *b);
/* How well the kinds complement for a type: a small table, docs/matching.md. */
double score_kind(enum coop_type type, enum profile_kind need_side, enum profile_kind other);
/* BM25 idf of a term: ln(1 + (N - df + 0.5) / (df + 0.5)); 1 without a corpus. */
double score_idf(const struct score_corpus *c, const char *term, size_t len, uint32_t hash);

/* ---- leads ---- */

struct score_lead {
    const struct match_doc *b; /* borrowed: the candidate */
    double score;              /* the pair score, [0,1]; 0 when no lead */
    double s_ab, s_ba;         /* the two directions */
    bool reciprocal;
    enum coop_type type; /* type of the strongest pair (A's need first) */
    uint32_t n_pairs_ab, n_pairs_ba;
};

#define SCORE_SECTORS_MAX 4
#define SCORE_TERMS_MAX 8
#define SCORE_REASONS_AB 4 /* reasons kept where A needs */
#define SCORE_REASONS_BA 2 /* and where B needs */
#define SCORE_REASONS_MAX (SCORE_REASONS_AB + SCORE_REASONS_BA)

struct score_sector_pair {
    const char *a, *b; /* A's and B's codes, borrowed from the docs */
    enum isic_level level;
};

struct score_term {
    const char *s; /* borrowed from a doc (or query), NUL-terminated */
    uint32_t len;
    double weight; /* its BM25 contribution */
};

struct score_subscores {
    double sector, text, keywords, geo, language, kind, strength;
};

struct score_reason {
    bool forward; /* true: A's need, B's item (A->B); false: B's need, A's item */
    const struct match_doc *need_doc, *other_doc;
    const struct match_item *need, *other; /* other is an offer, or a need (symmetric types) */
    enum coop_type type;
    struct score_sector_pair sectors[SCORE_SECTORS_MAX]; /* deepest first */
    uint32_t n_sectors;
    struct score_term terms[SCORE_TERMS_MAX]; /* heaviest first */
    uint32_t n_terms;
    enum score_fit need_fit, other_fit;
    struct score_subscores s;
};

/* Reasons of one lead: the best pairs where A needs first, then where B needs. */
struct score_explain {
    struct score_reason r[SCORE_REASONS_MAX];
    uint32_t n;
};

/*
 * Score candidate b for a. Fills out (always) and ex (when not NULL: slower, for the top-k
 * only). Returns true when b is a lead for a: s(A->B) > 0, or s(B->A) > 0 with prm->inbound.
 * a == b is never a lead. Everything in out and ex borrows from a and b.
 */
bool score_pair(const struct score_params *prm, const struct score_corpus *c,
                const struct match_doc *a, const struct match_doc *b, struct score_lead *out,
                struct score_explain *ex);

/*
 * The leads' first stage (index.c): an estimate, from B's meta alone, of the context C that
 * score_pair multiplies into a pair's strength, taken as the best over A's needs (of cooperation
 * type `type`, or all of them when type < 0): geography with B's country against the need's
 * target countries and B's own targets unknown (taken as "anywhere"), the languages (a language
 * past those b keeps counts as shared), the kinds. In [0,1]; 1 when a has no such need.
 */
double score_context_estimate(const struct score_params *prm, const struct match_doc *a, int type,
                              const struct match_meta *b);

/* Ranking order: score descending, then id ascending (bytewise). For qsort: score_lead_qcmp. */
int score_lead_cmp(const struct score_lead *x, const struct score_lead *y);
int score_lead_qcmp(const void *x, const void *y);

/*
 * Pack a lead as the map the HTTP API shows (docs/matching.md):
 *   {"id", "name", "kind", "country", "score", "type", "reciprocal",
 *    "reasons": [{"need": "A.needs[0]", "offer": "B.offers[2]", "type",
 *                 "sectors": [{"a", "b", "level"}], "terms": [...], "geo",
 *                 "scores": {"sector", "text", "keywords", "geo", "language", "kind",
 *                            "strength"}}]}
 * For a symmetric need-need pair "offer" names the other need ("B.needs[1]"). Scores are
 * rounded to 4 decimals. ex may be NULL ("reasons" is then empty). 0 or -ENOMEM.
 */
int score_lead_pack(const struct score_lead *lead, const struct score_explain *ex,
                    msgpack_packer *pk);

/* Names as on the wire (profile.h's coop_type_name/profile_kind_name); "" when out of range. */
const char *score_type_name(enum coop_type t);
const char *score_kind_name(enum profile_kind k);

/* ---- search (POST /v1/search) ---- */

struct score_qterm {
    uint64_t hash;
    const char *s; /* in the query's pool */
    uint32_t len;
    double idf;
};

/* An analysed free-text query with its idf, prepared once and scored against many docs. */
struct score_query {
    struct score_qterm *v;
    uint32_t n;
    char *pool;
};

/*
 * Analyse text as a query (like a keyword: a query of two or more terms also looks for the
 * whole "kw:" phrase) and compute the idf of each distinct term from c. q is initialised here;
 * release it with score_query_release. 0, SM_EINVAL (not UTF-8), -ENOMEM.
 */
int score_query_prepare(struct text_analyzer *a, const char *text, size_t n,
                        const struct score_corpus *c, struct score_query *q);
void score_query_release(struct score_query *q);

struct score_hit {
    const struct match_doc *d;                /* borrowed */
    double score;                             /* BM25 over the whole profile; unbounded, >= 0 */
    struct score_term terms[SCORE_TERMS_MAX]; /* matched terms, heaviest first (from d) */
    uint32_t n_terms;
};

/*
 * BM25 of the query against the profile's whole text (name, description, offers, needs,
 * keywords). Fills hit and returns true when some term matched. An empty query matches
 * nothing.
 */
bool score_search(const struct score_params *prm, const struct score_query *q,
                  const struct score_corpus *c, const struct match_doc *d, struct score_hit *hit);
/* Score descending, then id ascending. For qsort: score_hit_qcmp. */
int score_hit_cmp(const struct score_hit *x, const struct score_hit *y);
int score_hit_qcmp(const void *x, const void *y);
/* {"id", "name", "kind", "country", "score", "terms": [...]}. 0 or -ENOMEM. */
int score_hit_pack(const struct score_hit *hit, msgpack_packer *pk);

#endif
