/*
 * gen.h - the deterministic profile generator behind smematch-gen (SPEC §7).
 *
 * Profile number i (0-based) depends only on the seed, the preset and i: profiles are made in
 * blocks of GEN_BLOCK, each block planned from (seed, block number) alone, so any prefix or
 * slice of a run equals the same profiles of a longer run, and ids are stable.
 *
 * Each block holds GEN_GROUPS planted groups: a query profile, 3 to 5 partners that truly
 * complement it (a need of the query matched by an offer of the partner, same type, same or
 * related sector, related keywords, the query's country among the offer's countries; some also
 * reciprocal) and 1 or 2 decoys (same keywords, wrong direction or wrong type); about a fifth
 * of a block are noise profiles (generic or off-sector texts); the rest are ordinary profiles.
 *
 * Usage: gen_new, then for each block gen_plan_block and gen_render of its indices, and
 * gen_truth for its planted pairs. Not thread-safe: use one struct gen per thread.
 */
#ifndef SM_GEN_H
#define SM_GEN_H

#include <stddef.h>
#include <stdint.h>

#define GEN_BLOCK 100     /* profiles per planned block */
#define GEN_GROUPS 10     /* planted query groups per block */
#define GEN_ITEMS_MAX 3   /* offers, and needs, per profile */
#define GEN_LIST_MAX 6    /* items of any list in a rendered profile */

enum gen_preset {
    GEN_PRESET_GENERAL = 0, /* a worldwide partner database: ~45% Chinese, many countries */
    GEN_PRESET_EXPO,        /* a China-EU SME cooperation expo: ~60% Chinese SMEs of a few zones */
};

/* A rendered list; strings are borrowed (see gen_render). */
struct gen_list {
    const char *v[GEN_LIST_MAX];
    unsigned n;
};

/* One offer or need (SPEC §2). */
struct gen_item {
    const char *type;
    struct gen_list sectors, keywords, countries;
    const char *text;
};

/* A rendered profile (SPEC §2); zone is NULL when absent, every other field is set. */
struct gen_profile {
    const char *id, *kind, *name, *country, *region, *zone;
    struct gen_list languages;
    int employees, founded;
    struct gen_list sectors;
    const char *description;
    struct gen_item offers[GEN_ITEMS_MAX], needs[GEN_ITEMS_MAX];
    unsigned n_offers, n_needs;
    const char *person, *email, *phone; /* contact */
};

/* A planted pair: relevance 2 = reciprocal partner, 1 = one-way partner. */
struct gen_truth {
    uint64_t query, partner; /* profile indices */
    int relevance;
};

struct gen;

/* Parse a preset name ("general", "expo"); -1 if unknown. */
int gen_preset_parse(const char *s);

/* Create a generator. Returns 0, or -ENOMEM. Caller owns *out (gen_destroy). */
int gen_new(struct gen **out, uint64_t seed, enum gen_preset preset);
/* Free a generator and NULL the pointer; safe on NULL. */
void gen_destroy(struct gen **g);

/* Plan block number `block` (profiles block*GEN_BLOCK .. +GEN_BLOCK-1). */
void gen_plan_block(struct gen *g, uint64_t block);

/*
 * Render profile `index`, which must lie in the planned block, into p. The strings are owned by
 * g and valid until the next gen_render or gen_plan_block.
 */
void gen_render(struct gen *g, uint64_t index, struct gen_profile *p);

/* Id of profile `index` of the planned block ("cn-ningbo-000042"); valid until the next plan. */
const char *gen_id(const struct gen *g, uint64_t index);

/*
 * The role of profile `index` of the planned block: "query", "partner", "decoy", "noise" or
 * "plain"; for the first three, *query gets the index of the group's query.
 */
const char *gen_role(const struct gen *g, uint64_t index, uint64_t *query);

/*
 * The planted pairs of the planned block, sorted by query then partner index. *out is borrowed
 * until the next plan. Returns the number of pairs.
 */
size_t gen_truth(const struct gen *g, const struct gen_truth **out);

#endif
