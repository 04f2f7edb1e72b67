/*
 * gen_int.h - internals shared by the generator's planning (gen_plan.c) and rendering
 * (gen_render.c): the PRNG, the plan of a profile, the generator state.
 *
 * A profile is first planned as a struct gen_pspec (indices into the vocabularies: country,
 * region, sector, and for each offer and need its type, concept and countries); planning decides
 * everything the ground truth depends on. Rendering then turns a plan into text (names,
 * sentences, keywords, contact) with a second random stream of its own.
 */
#ifndef SM_GEN_INT_H
#define SM_GEN_INT_H

#include "sm.h"

#include "gen.h"
#include "vocab.h"

/* ---- PRNG: splitmix64 to seed, xoshiro256** to draw. Never rand(). ---- */
struct gen_rng {
    uint64_t s[4];
};

static inline uint64_t gen_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Seed a stream from the run seed, a number (block, index) and a tag naming the stream. */
static inline void gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t n, uint64_t tag)
{
    uint64_t x = seed;
    uint64_t h = gen_splitmix(&x);
    x = h ^ (n * 0xD1B54A32D192ED03ull) ^ (tag << 48);
    for (int i = 0; i < 4; i++)
        r->s[i] = gen_splitmix(&x);
}

static inline uint64_t gen_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t gen_rng_next(struct gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = gen_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = gen_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), n > 0 (multiply-shift; the bias is below 2^-32). */
static inline uint32_t gen_below(struct gen_rng *r, uint32_t n)
{
    return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability pct percent. */
static inline int gen_chance(struct gen_rng *r, unsigned pct)
{
    return gen_below(r, 100) < pct;
}

/* Uniform in [lo, hi]. */
static inline int gen_range(struct gen_rng *r, int lo, int hi)
{
    return lo + (int)gen_below(r, (uint32_t)(hi - lo + 1));
}

/* Index drawn by integer weights (n > 0, some weight > 0). */
size_t gen_pick_weighted(struct gen_rng *r, const uint16_t *w, size_t n);
/* Index drawn from a cumulative table (cum[n-1] > 0). */
size_t gen_pick_cum(struct gen_rng *r, const uint32_t *cum, size_t n);
/* Length of a NULL-terminated array of strings. */
size_t gen_strv_len(const char *const *v, size_t max);

/* ---- plans ---- */
enum gen_kind { GK_SME = 0, GK_LARGE, GK_FOREIGN, GK_SERVICE };
enum gen_lang { GL_ZH = 0, GL_EN, GL_BI };
enum gen_role { ROLE_FILLER = 0, ROLE_NOISE, ROLE_QUERY, ROLE_PARTNER, ROLE_DECOY };

#define GEN_CMAX 4 /* countries per item */
#define SYM_MASK ((1u << 1) | (1u << 6)) /* joint_venture, rnd */

/* One planned offer or need. */
struct gen_ispec {
    uint8_t type;  /* enum coop_type */
    uint8_t level; /* digits of the first sector code: 4 class, 3 group, 2 division, 0 section */
    uint8_t con;   /* concept of sec */
    int8_t con2;   /* concept of sec2, or -1 for any */
    uint16_t sec;  /* sector of the main concept */
    int16_t sec2;  /* a second sector (trade, finance, research), or -1 */
    uint8_t nc;
    uint16_t c[GEN_CMAX]; /* countries (vocab_countries indices) */
};

struct gen_pspec {
    uint16_t country;
    uint8_t region;
    int8_t zone;      /* -1: none */
    uint8_t kind;     /* enum gen_kind */
    uint8_t lang;     /* enum gen_lang: language of texts */
    uint8_t noise;    /* generic or off-sector texts */
    uint16_t sector;  /* main sector */
    int16_t sector2;  /* a second sector, or -1 */
    uint8_t n_off, n_need;
    struct gen_ispec off[GEN_ITEMS_MAX], need[GEN_ITEMS_MAX];
};

struct gen_slot {
    uint8_t role;
    uint8_t group;
    uint8_t relevance; /* partners: 1 or 2 */
};

#define GEN_ARENA 65536

struct gen {
    uint64_t seed;
    enum gen_preset preset;

    /* Tables built once from the vocabularies. */
    uint32_t *cum_country;      /* by preset weight */
    uint32_t *cum_foreign;      /* the same without CN */
    uint32_t *cum_sec_cn;       /* companies (not service kind) in China */
    uint32_t *cum_sec_world;    /* companies elsewhere (more traders) */
    uint32_t *cum_sec_service;  /* service providers */
    int16_t *sibling;           /* another class of the same division, or -1 */
    int16_t *trade_idx;         /* sector of the trade code, or -1 */
    uint16_t *products;         /* per trader sector: the maker sectors it distributes */
    uint16_t *products_off, *products_len;
    uint16_t *svc_sectors, n_svc;   /* providers of the services type */
    uint16_t *fin_sectors, n_fin;
    uint16_t *fr_sectors, n_fr;     /* franchisors */
    uint16_t *maker_sectors, n_maker;
    uint16_t *consumer, n_consumer; /* makers of consumer goods */
    uint8_t *n_concepts;
    int16_t sec_m7210;
    int16_t (*zone_bias)[VOCAB_ZONE_MAX][2]; /* per region of China */
    uint16_t cn;                /* index of CN in vocab_countries */
    uint32_t *cum_expo_zone;    /* expo zones of China, weighted */
    uint16_t *expo_zone;        /* region << 8 | zone */
    size_t n_expo_zone;

    /* The planned block. */
    uint64_t block;
    struct gen_slot slot[GEN_BLOCK];
    struct gen_pspec spec[GEN_BLOCK];
    char ids[GEN_BLOCK][48];
    uint8_t query_slot[GEN_GROUPS];
    struct gen_truth truth[GEN_GROUPS * 5];
    size_t n_truth;

    /* Strings of the last rendered profile. */
    char *arena;
    size_t arena_used;
};

/* gen_plan.c: archetype of a sector; a sector code cut to a level, into buf (>= 6 bytes). */
static inline uint8_t gen_arche(uint16_t sec)
{
    return vocab_sectors[sec].arche;
}
const char *gen_code(uint16_t sec, unsigned level, char *buf);

#endif
