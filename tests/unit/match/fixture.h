/*
 * fixture.h - test profiles for the match tests, written as literals and turned into a
 * struct profile (arena NULL, static strings: the match library only reads profiles), plus
 * an in-memory document-frequency table for struct score_corpus.
 */
#ifndef SM_TEST_MATCH_FIXTURE_H
#define SM_TEST_MATCH_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sm.h"

#include "doc.h"
#include "profile.h"
#include "score.h"
#include "text.h"

#define FX_LIST 6 /* NULL-terminated lists of at most FX_LIST - 1 strings */
#define FX_ITEMS 4

struct fx_item {
    enum coop_type type;
    const char *text;
    const char *kw[FX_LIST];
    const char *sectors[FX_LIST];
    const char *countries[FX_LIST];
};

struct fx_profile {
    const char *id, *name;
    enum profile_kind kind;
    const char *country;
    const char *langs[FX_LIST];
    const char *sectors[FX_LIST];
    const char *desc;
    struct fx_item offers[FX_ITEMS]; /* the list ends at the first item without text, */
    struct fx_item needs[FX_ITEMS];  /* keywords and sectors */
};

/* A struct profile that points into its fx_profile (which must outlive it). */
struct fx_built {
    struct profile p;
    struct coop_item items[2 * FX_ITEMS];
};

static inline struct strlist fx_list(const char *const *v)
{
    uint32_t n = 0;
    while (n < FX_LIST && v[n])
        n++;
    return (struct strlist){(char **)v, n};
}

static inline bool fx_item_used(const struct fx_item *it)
{
    return it->text || it->kw[0] || it->sectors[0];
}

static inline void fx_build(const struct fx_profile *f, struct fx_built *b)
{
    uint32_t k = 0;

    memset(b, 0, sizeof(*b));
    b->p.id = (char *)f->id;
    b->p.name = (char *)f->name;
    b->p.kind = f->kind;
    b->p.country = (char *)(f->country ? f->country : "CN");
    b->p.languages = fx_list(f->langs);
    b->p.sectors = fx_list(f->sectors);
    b->p.description = (char *)f->desc;
    b->p.employees = -1;
    b->p.founded = -1;
    for (int pass = 0; pass < 2; pass++) {
        const struct fx_item *src = pass ? f->needs : f->offers;
        uint32_t start = k;
        for (uint32_t i = 0; i < FX_ITEMS && fx_item_used(&src[i]); i++, k++) {
            struct coop_item *it = &b->items[k];
            it->type = src[i].type;
            it->text = (char *)(src[i].text ? src[i].text : "");
            it->keywords = fx_list(src[i].kw);
            it->sectors = fx_list(src[i].sectors);
            it->countries = fx_list(src[i].countries);
        }
        if (pass) {
            b->p.needs = &b->items[start];
            b->p.n_needs = k - start;
        } else {
            b->p.offers = &b->items[0];
            b->p.n_offers = k;
        }
    }
}

/* Analyse f into a new doc, failing the test on error. */
static inline struct match_doc *fx_doc(struct text_analyzer *a, const struct fx_profile *f)
{
    struct fx_built b;
    struct match_doc *d = NULL;

    fx_build(f, &b);
    assert_int_equal(match_doc_build(a, &b.p, &d), 0);
    assert_non_null(d);
    return d;
}

/* An in-memory df table: terms with fixed counts; unknown terms have df 0. */
struct fx_df {
    const char *term;
    uint32_t df;
};

static inline uint32_t fx_df_cb(void *ctx, const char *term, size_t len, uint32_t hash)
{
    (void)hash;
    for (const struct fx_df *e = ctx; e->term; e++)
        if (strlen(e->term) == len && !memcmp(e->term, term, len))
            return e->df;
    return 0;
}

/* True if bag t holds term s. */
static inline bool fx_has(const struct text_terms *t, const char *s)
{
    return text_terms_find(t, s, strlen(s)) >= 0;
}

static inline uint32_t fx_tf(const struct text_terms *t, const char *s)
{
    int32_t k = text_terms_find(t, s, strlen(s));
    return k < 0 ? 0 : t->v[k].tf;
}

#endif
