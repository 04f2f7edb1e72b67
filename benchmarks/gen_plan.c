/*
 * gen_plan.c - planning of the generator: the tables built from the vocabularies, and the plan
 * of each block (who is a query, a partner, a decoy, noise or an ordinary profile, and what
 * each offers and needs). See gen.h for the guarantees and gen_int.h for the plan structures.
 *
 * Every random draw here comes from a stream seeded by (seed, block, group) or (seed, index),
 * never from a stream shared across blocks, which is what makes prefixes and slices stable.
 */
#include "gen_int.h"

/* Stream tags (gen_rng_seed). */
enum { TAG_BLOCK = 1, TAG_GROUP = 2, TAG_PLAN = 3 };

/* Types an archetype offers and needs, by weight (order of enum coop_type:
 * outsourcing, joint_venture, technology_transfer, distribution, franchise, investment, rnd,
 * services). */
static const uint16_t arche_off_w[ARCHE__COUNT][VOCAB_TYPES] = {
    [ARCHE_MAKER] = {50, 10, 8, 6, 0, 2, 8, 0},
    [ARCHE_TRADER] = {0, 10, 0, 74, 0, 4, 0, 12},
    [ARCHE_SOFT] = {40, 5, 15, 0, 0, 0, 20, 20},
    [ARCHE_RESEARCH] = {0, 5, 45, 0, 0, 0, 35, 20},
    [ARCHE_CONSULT] = {0, 5, 0, 0, 0, 0, 0, 95},
    [ARCHE_FINANCE] = {0, 0, 0, 0, 0, 80, 0, 20},
    [ARCHE_LOGISTICS] = {0, 10, 0, 10, 0, 0, 0, 80},
    [ARCHE_FOODSERV] = {0, 15, 0, 10, 70, 5, 0, 0},
    [ARCHE_ENERGY] = {20, 20, 20, 0, 0, 10, 5, 25},
};
static const uint16_t arche_need_w[ARCHE__COUNT][VOCAB_TYPES] = {
    [ARCHE_MAKER] = {6, 10, 14, 40, 0, 14, 8, 10},
    [ARCHE_TRADER] = {60, 8, 0, 6, 6, 10, 0, 10},
    [ARCHE_SOFT] = {10, 10, 0, 25, 0, 30, 15, 10},
    [ARCHE_RESEARCH] = {10, 20, 0, 0, 0, 30, 30, 10},
    [ARCHE_CONSULT] = {0, 30, 0, 15, 0, 15, 0, 40},
    [ARCHE_FINANCE] = {0, 40, 0, 0, 0, 30, 0, 30},
    [ARCHE_LOGISTICS] = {0, 40, 0, 20, 0, 30, 0, 10},
    [ARCHE_FOODSERV] = {0, 20, 0, 10, 20, 40, 0, 10},
    [ARCHE_ENERGY] = {0, 20, 25, 0, 0, 40, 5, 10},
};

enum { T_OUT = 0, T_JV, T_TT, T_DIST, T_FR, T_INV, T_RND, T_SVC };

static int is_service_arche(unsigned a)
{
    return a == ARCHE_CONSULT || a == ARCHE_FINANCE || a == ARCHE_LOGISTICS ||
           a == ARCHE_RESEARCH;
}

size_t gen_pick_weighted(struct gen_rng *r, const uint16_t *w, size_t n)
{
    uint32_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    assert(total > 0);
    uint32_t x = gen_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

size_t gen_pick_cum(struct gen_rng *r, const uint32_t *cum, size_t n)
{
    assert(n > 0 && cum[n - 1] > 0);
    uint32_t x = gen_below(r, cum[n - 1]);
    size_t lo = 0, hi = n - 1;
    while (lo < hi) { /* first i with cum[i] > x */
        size_t mid = (lo + hi) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

size_t gen_strv_len(const char *const *v, size_t max)
{
    size_t n = 0;
    while (n < max && v[n])
        n++;
    return n;
}

const char *gen_code(uint16_t sec, unsigned level, char *buf)
{
    const char *code = vocab_sectors[sec].code;
    size_t n = level >= 4 ? 5 : level + 1; /* the letter and `level` digits */
    memcpy(buf, code, n);
    buf[n] = '\0';
    return buf;
}

int gen_preset_parse(const char *s)
{
    if (strcmp(s, "general") == 0)
        return GEN_PRESET_GENERAL;
    if (strcmp(s, "expo") == 0)
        return GEN_PRESET_EXPO;
    return -1;
}

static int find_sector(const char *code)
{
    for (size_t i = 0; i < vocab_sectors_len; i++)
        if (strcmp(vocab_sectors[i].code, code) == 0)
            return (int)i;
    return -1;
}

/* ---- tables ---- */

static uint32_t *cum_alloc(size_t n)
{
    return calloc(n ? n : 1, sizeof(uint32_t));
}

static int build_tables(struct gen *g)
{
    size_t ns = vocab_sectors_len, nc = vocab_countries_len;
    int err = -ENOMEM;

    g->cum_country = cum_alloc(nc);
    g->cum_foreign = cum_alloc(nc);
    g->cum_sec_cn = cum_alloc(ns);
    g->cum_sec_world = cum_alloc(ns);
    g->cum_sec_service = cum_alloc(ns);
    g->sibling = calloc(ns, sizeof(int16_t));
    g->trade_idx = calloc(ns, sizeof(int16_t));
    g->products = calloc(ns, sizeof(uint16_t));
    g->products_off = calloc(ns, sizeof(uint16_t));
    g->products_len = calloc(ns, sizeof(uint16_t));
    g->svc_sectors = calloc(ns, sizeof(uint16_t));
    g->fin_sectors = calloc(ns, sizeof(uint16_t));
    g->fr_sectors = calloc(ns, sizeof(uint16_t));
    g->maker_sectors = calloc(ns, sizeof(uint16_t));
    g->n_concepts = calloc(ns, 1);
    g->arena = malloc(GEN_ARENA);
    if (!g->cum_country || !g->cum_foreign || !g->cum_sec_cn || !g->cum_sec_world ||
        !g->cum_sec_service || !g->sibling || !g->trade_idx || !g->products ||
        !g->products_off || !g->products_len || !g->svc_sectors || !g->fin_sectors ||
        !g->fr_sectors || !g->maker_sectors || !g->n_concepts || !g->arena)
        goto out;

    uint32_t acc = 0, accf = 0;
    for (size_t i = 0; i < nc; i++) {
        const struct vocab_country *c = &vocab_countries[i];
        uint32_t w = g->preset == GEN_PRESET_EXPO ? c->w_expo : c->w_general;
        int is_cn = strcmp(c->code, "CN") == 0;
        if (is_cn)
            g->cn = (uint16_t)i;
        acc += w;
        accf += is_cn ? 0 : w;
        g->cum_country[i] = acc;
        g->cum_foreign[i] = accf;
    }

    uint32_t a_cn = 0, a_world = 0, a_svc = 0;
    g->sec_m7210 = (int16_t)find_sector("M7210");
    int general_trade = find_sector("G4690");
    for (size_t i = 0; i < ns; i++) {
        const struct vocab_sector *s = &vocab_sectors[i];
        unsigned a = s->arche;
        uint32_t w = s->weight;
        size_t k = 0;
        while (k < VOCAB_CONCEPT_MAX && s->concepts[k].en[0])
            k++;
        g->n_concepts[i] = (uint8_t)k;
        if (is_service_arche(a)) {
            a_svc += w;
        } else {
            a_cn += w;
            a_world += a == ARCHE_TRADER ? 3 * w : w;
        }
        g->cum_sec_cn[i] = a_cn;
        g->cum_sec_world[i] = a_world;
        g->cum_sec_service[i] = a_svc;

        int t = s->trade ? find_sector(s->trade) : -1;
        if (t < 0 && a != ARCHE_TRADER && a != ARCHE_CONSULT && a != ARCHE_FINANCE)
            t = general_trade;
        g->trade_idx[i] = (int16_t)t;
        g->sibling[i] = -1;
        for (size_t j = 1; j < ns; j++) { /* the next class of the same division, cyclically */
            size_t o = (i + j) % ns;
            if (memcmp(vocab_sectors[o].code, s->code, 3) == 0) {
                g->sibling[i] = (int16_t)o;
                break;
            }
        }
        if (a == ARCHE_CONSULT || a == ARCHE_LOGISTICS || strcmp(s->code, "M7120") == 0)
            g->svc_sectors[g->n_svc++] = (uint16_t)i;
        if (a == ARCHE_FINANCE)
            g->fin_sectors[g->n_fin++] = (uint16_t)i;
        if (a == ARCHE_FOODSERV)
            g->fr_sectors[g->n_fr++] = (uint16_t)i;
        if (a == ARCHE_MAKER)
            g->maker_sectors[g->n_maker++] = (uint16_t)i;
    }
    /* Products of each trader: the makers whose trade code it is; general traders, agents and
     * e-commerce sell consumer goods (household, textiles, food, electronics). */
    g->consumer = calloc(ns, sizeof(uint16_t));
    if (!g->consumer)
        goto out;
    for (size_t j = 0; j < ns; j++) {
        const char *t = vocab_sectors[j].trade;
        if (vocab_sectors[j].arche == ARCHE_MAKER && t &&
            (!strcmp(t, "G4649") || !strcmp(t, "G4641") || !strcmp(t, "G4630") ||
             !strcmp(t, "G4652")))
            g->consumer[g->n_consumer++] = (uint16_t)j;
    }
    uint16_t used = 0;
    for (size_t i = 0; i < ns; i++) {
        g->products_off[i] = used;
        if (vocab_sectors[i].arche != ARCHE_TRADER)
            continue;
        for (size_t j = 0; j < ns; j++)
            if (g->trade_idx[j] == (int16_t)i && vocab_sectors[j].arche != ARCHE_TRADER &&
                used < ns)
                g->products[used++] = (uint16_t)j;
        g->products_len[i] = (uint16_t)(used - g->products_off[i]);
    }

    /* Zone biases of Chinese regions, and the zones present at the expo. */
    const struct vocab_country *cn = &vocab_countries[g->cn];
    g->zone_bias = calloc(cn->n_regions, sizeof(*g->zone_bias));
    g->cum_expo_zone = cum_alloc((size_t)cn->n_regions * VOCAB_ZONE_MAX);
    g->expo_zone = calloc((size_t)cn->n_regions * VOCAB_ZONE_MAX, sizeof(uint16_t));
    if (!g->zone_bias || !g->cum_expo_zone || !g->expo_zone)
        goto out;
    uint32_t ez = 0;
    for (unsigned r = 0; r < cn->n_regions; r++) {
        for (unsigned z = 0; z < VOCAB_ZONE_MAX; z++) {
            const struct vocab_zone *zn = &cn->regions[r].zones[z];
            g->zone_bias[r][z][0] = g->zone_bias[r][z][1] = -1;
            if (!zn->slug)
                continue;
            for (int b = 0; b < 2; b++)
                if (zn->bias[b])
                    g->zone_bias[r][z][b] = (int16_t)find_sector(zn->bias[b]);
            if (zn->expo) {
                ez += zn->expo;
                g->cum_expo_zone[g->n_expo_zone] = ez;
                g->expo_zone[g->n_expo_zone++] = (uint16_t)(r << 8 | z);
            }
        }
    }
    err = 0;
out:
    return err;
}

int gen_new(struct gen **out, uint64_t seed, enum gen_preset preset)
{
    struct gen *g = calloc(1, sizeof(*g));
    int err;

    *out = NULL;
    if (!g)
        return -ENOMEM;
    g->seed = seed;
    g->preset = preset;
    g->block = UINT64_MAX;
    err = build_tables(g);
    if (err < 0) {
        gen_destroy(&g);
        return err;
    }
    *out = g;
    return 0;
}

void gen_destroy(struct gen **pg)
{
    struct gen *g = pg ? *pg : NULL;
    if (!g)
        return;
    free(g->cum_country);
    free(g->cum_foreign);
    free(g->cum_sec_cn);
    free(g->cum_sec_world);
    free(g->cum_sec_service);
    free(g->sibling);
    free(g->trade_idx);
    free(g->products);
    free(g->products_off);
    free(g->products_len);
    free(g->svc_sectors);
    free(g->fin_sectors);
    free(g->fr_sectors);
    free(g->maker_sectors);
    free(g->consumer);
    free(g->n_concepts);
    free(g->zone_bias);
    free(g->cum_expo_zone);
    free(g->expo_zone);
    free(g->arena);
    free(g);
    *pg = NULL;
}

/* ---- profile bases ---- */

static uint16_t pick_country(struct gen *g, struct gen_rng *r)
{
    return (uint16_t)gen_pick_cum(r, g->cum_country, vocab_countries_len);
}

static uint16_t pick_foreign(struct gen *g, struct gen_rng *r)
{
    return (uint16_t)gen_pick_cum(r, g->cum_foreign, vocab_countries_len);
}

static uint8_t pick_region(struct gen_rng *r, const struct vocab_country *c)
{
    uint16_t w[64];
    unsigned n = SM_MIN(c->n_regions, 64u);
    for (unsigned i = 0; i < n; i++)
        w[i] = c->regions[i].weight;
    return (uint8_t)gen_pick_weighted(r, w, n);
}

static unsigned n_zones(const struct vocab_region *rg)
{
    unsigned n = 0;
    while (n < VOCAB_ZONE_MAX && rg->zones[n].slug)
        n++;
    return n;
}

static uint16_t random_concept_sector_of_trader(struct gen *g, struct gen_rng *r, uint16_t trader)
{
    if (g->products_len[trader])
        return g->products[g->products_off[trader] + gen_below(r, g->products_len[trader])];
    return g->consumer[gen_below(r, g->n_consumer)];
}

static uint8_t kind_for_sector(struct gen *g, struct gen_rng *r, uint16_t country, uint16_t sec)
{
    if (is_service_arche(gen_arche(sec)))
        return gen_chance(r, 80) ? GK_SERVICE : GK_LARGE;
    if (country == g->cn)
        return gen_chance(r, g->preset == GEN_PRESET_EXPO ? 90 : 75) ? GK_SME : GK_LARGE;
    return gen_chance(r, 65) ? GK_FOREIGN : GK_LARGE;
}

/* Country, region, zone, kind, sector, language; negative arguments are drawn. */
static void plan_base(struct gen *g, struct gen_rng *r, struct gen_pspec *ps, int country,
                      int sector)
{
    memset(ps, 0, sizeof(*ps));
    ps->country = country >= 0 ? (uint16_t)country : pick_country(g, r);
    const struct vocab_country *c = &vocab_countries[ps->country];
    int cn = ps->country == g->cn;

    if (sector >= 0) {
        ps->kind = kind_for_sector(g, r, ps->country, (uint16_t)sector);
    } else if (cn) {
        static const uint16_t kw_general[4] = {80, 13, 0, 7}, kw_expo[4] = {92, 6, 0, 2};
        ps->kind = (uint8_t)gen_pick_weighted(r, g->preset == GEN_PRESET_EXPO ? kw_expo : kw_general, 4);
    } else {
        static const uint16_t kw[4] = {0, 25, 65, 10};
        ps->kind = (uint8_t)gen_pick_weighted(r, kw, 4);
    }

    ps->zone = -1;
    if (cn && g->preset == GEN_PRESET_EXPO && g->n_expo_zone && gen_chance(r, 85)) {
        uint16_t rz = g->expo_zone[gen_pick_cum(r, g->cum_expo_zone, g->n_expo_zone)];
        ps->region = (uint8_t)(rz >> 8);
        ps->zone = (int8_t)(rz & 0xff);
    } else {
        ps->region = pick_region(r, c);
        unsigned nz = n_zones(&c->regions[ps->region]);
        if (nz && gen_chance(r, cn ? 65 : 15))
            ps->zone = (int8_t)gen_below(r, nz);
    }

    if (sector >= 0) {
        ps->sector = (uint16_t)sector;
    } else {
        int svc = ps->kind == GK_SERVICE || (ps->kind == GK_LARGE && gen_chance(r, 15)) ||
                  gen_chance(r, 4);
        int bias = -1;
        if (!svc && cn && ps->zone >= 0 && gen_chance(r, 55)) {
            const int16_t *b = g->zone_bias[ps->region][ps->zone];
            bias = b[1] >= 0 && gen_chance(r, 40) ? b[1] : b[0];
        }
        if (bias >= 0)
            ps->sector = (uint16_t)bias;
        else if (svc)
            ps->sector = (uint16_t)gen_pick_cum(r, g->cum_sec_service, vocab_sectors_len);
        else
            ps->sector = (uint16_t)gen_pick_cum(r, cn ? g->cum_sec_cn : g->cum_sec_world,
                                                 vocab_sectors_len);
        /* A sector of a service archetype makes a service provider (or a large bank). */
        if (is_service_arche(gen_arche(ps->sector)) && ps->kind != GK_LARGE)
            ps->kind = GK_SERVICE;
        else if (!is_service_arche(gen_arche(ps->sector)) && ps->kind == GK_SERVICE)
            ps->kind = cn ? GK_SME : GK_FOREIGN;
    }

    static const uint16_t lang_cn[3] = {65, 15, 20}, lang_world[3] = {4, 90, 6};
    ps->lang = (uint8_t)gen_pick_weighted(r, cn ? lang_cn : lang_world, 3);

    ps->sector2 = -1;
    if (gen_chance(r, 30)) {
        unsigned a = gen_arche(ps->sector);
        if (a == ARCHE_TRADER)
            ps->sector2 = (int16_t)random_concept_sector_of_trader(g, r, ps->sector);
        else if (a == ARCHE_MAKER && g->sibling[ps->sector] >= 0 && gen_chance(r, 60))
            ps->sector2 = g->sibling[ps->sector];
        else if (a == ARCHE_MAKER && ps->kind == GK_LARGE)
            ps->sector2 = g->trade_idx[ps->sector];
    }
}

/* ---- offers and needs ---- */

static unsigned used_mask(const struct gen_pspec *ps)
{
    unsigned m = 0;
    for (unsigned i = 0; i < ps->n_off; i++)
        m |= 1u << ps->off[i].type;
    for (unsigned i = 0; i < ps->n_need; i++)
        m |= 1u << ps->need[i].type;
    return m;
}

/* A type drawn by the archetype's weights among those not in `avoid`; -1 if none. */
static int pick_type(struct gen_rng *r, unsigned arche, int dir, unsigned avoid)
{
    uint16_t w[VOCAB_TYPES];
    uint32_t total = 0;
    const uint16_t *base = dir == VOCAB_OFFER ? arche_off_w[arche] : arche_need_w[arche];
    for (unsigned t = 0; t < VOCAB_TYPES; t++) {
        w[t] = (avoid >> t & 1) ? 0 : base[t];
        total += w[t];
    }
    if (!total)
        return -1;
    return (int)gen_pick_weighted(r, w, VOCAB_TYPES);
}

static uint8_t random_level(struct gen_rng *r, unsigned p4, unsigned p3)
{
    unsigned x = gen_below(r, 100);
    return x < p4 ? 4 : x < p4 + p3 ? 3 : 2;
}

static uint8_t random_con(struct gen *g, struct gen_rng *r, uint16_t sec)
{
    return (uint8_t)gen_below(r, g->n_concepts[sec]);
}

/* The item's countries: where partners are sought (needs) or served (offers). */
static void plan_countries(struct gen *g, struct gen_rng *r, const struct gen_pspec *ps,
                           struct gen_ispec *it)
{
    unsigned want;
    it->nc = 0;
    if (ps->country != g->cn) {
        /* Foreign companies mostly look to China, at the expo almost only. */
        int expo = g->preset == GEN_PRESET_EXPO;
        if (expo || gen_chance(r, 90))
            it->c[it->nc++] = g->cn;
        want = it->nc + (gen_chance(r, expo ? 25 : 50) ? 1 : 0);
        if (!want)
            want = 1;
    } else {
        want = 1 + gen_below(r, 3);
    }
    for (unsigned tries = 0; it->nc < want && tries < 12; tries++) {
        uint16_t c = pick_foreign(g, r);
        int dup = c == ps->country;
        for (unsigned i = 0; i < it->nc; i++)
            dup |= it->c[i] == c;
        if (!dup)
            it->c[it->nc++] = c;
    }
    if (!it->nc)
        it->c[it->nc++] = g->cn;
}

/* Choose the concept of an offer or need of type t for the profile ps. */
static void plan_item(struct gen *g, struct gen_rng *r, const struct gen_pspec *ps, unsigned t,
                      int dir, struct gen_ispec *it)
{
    uint16_t own = ps->sector;
    unsigned a = gen_arche(own);
    uint16_t sec = own;

    memset(it, 0, sizeof(*it));
    it->type = (uint8_t)t;
    it->sec2 = -1;
    it->con2 = -1;
    if (a == ARCHE_TRADER && (t == T_OUT || t == T_DIST || t == T_TT ||
                              (t != T_SVC && gen_chance(r, 50))))
        sec = random_concept_sector_of_trader(g, r, own);
    else if (ps->sector2 >= 0 && gen_arche((uint16_t)ps->sector2) == a && gen_chance(r, 30))
        sec = (uint16_t)ps->sector2;

    switch (t) {
    case T_DIST:
        if (a == ARCHE_TRADER)
            it->sec2 = (int16_t)own;
        else
            it->sec2 = g->trade_idx[sec];
        break;
    case T_INV:
        if (a == ARCHE_FINANCE) {
            it->sec2 = (int16_t)g->maker_sectors[gen_below(r, g->n_maker)];
        } else if (dir == VOCAB_NEED || gen_chance(r, 50)) {
            it->sec2 = (int16_t)g->fin_sectors[gen_below(r, g->n_fin)];
        }
        break;
    case T_SVC:
        /* A need of services asks a provider (lawyer, tester, forwarder...); an offer of
         * services by a non-provider is about its own products (installation, support). */
        if (dir == VOCAB_NEED) {
            unsigned i = gen_below(r, g->n_svc);
            if (g->svc_sectors[i] == own && g->n_svc > 1)
                i = (i + 1 + gen_below(r, g->n_svc - 1)) % g->n_svc;
            sec = g->svc_sectors[i];
        }
        break;
    case T_FR:
        if (dir == VOCAB_NEED || a != ARCHE_FOODSERV)
            sec = g->fr_sectors[gen_below(r, g->n_fr)];
        break;
    default:
        break;
    }
    it->sec = sec;
    it->con = random_con(g, r, sec);
    if (it->sec2 >= 0 && it->sec2 == (int16_t)it->sec)
        it->sec2 = -1;
    if (it->sec2 >= 0)
        it->con2 = (int8_t)random_con(g, r, (uint16_t)it->sec2);
    it->level = random_level(r, 75, 15);
    plan_countries(g, r, ps, it);
}

/*
 * Add random offers and needs until the profile has n_off and n_need of them, with types drawn
 * by its archetype; a profile never offers and needs the same type. Offers avoid the types in
 * avoid_off, needs those in avoid_need (so decoys stay non-complementary).
 */
static void plan_extras(struct gen *g, struct gen_rng *r, struct gen_pspec *ps, unsigned n_off,
                        unsigned n_need, unsigned avoid_off, unsigned avoid_need)
{
    unsigned a = gen_arche(ps->sector);
    while (ps->n_off < n_off) {
        int t = pick_type(r, a, VOCAB_OFFER, used_mask(ps) | avoid_off);
        if (t < 0)
            break;
        plan_item(g, r, ps, (unsigned)t, VOCAB_OFFER, &ps->off[ps->n_off++]);
    }
    while (ps->n_need < n_need) {
        int t = pick_type(r, a, VOCAB_NEED, used_mask(ps) | avoid_need);
        if (t < 0)
            break;
        plan_item(g, r, ps, (unsigned)t, VOCAB_NEED, &ps->need[ps->n_need++]);
    }
}

static unsigned n_items(struct gen_rng *r)
{
    static const uint16_t w[3] = {55, 33, 12};
    return 1 + (unsigned)gen_pick_weighted(r, w, 3);
}

/* An ordinary or noise profile. */
static void plan_plain(struct gen *g, uint64_t index, struct gen_pspec *ps, int noise)
{
    struct gen_rng r;
    gen_rng_seed(&r, g->seed, index, TAG_PLAN);
    plan_base(g, &r, ps, -1, -1);
    ps->noise = (uint8_t)noise;
    unsigned no = n_items(&r), nn = n_items(&r);
    plan_extras(g, &r, ps, no, nn, 0, 0);
    if (!ps->n_off && !ps->n_need) /* an archetype always has some type */
        plan_extras(g, &r, ps, 1, 1, 0, 0);
}

/* ---- planted groups ---- */

/* The sector of a company that could fulfil the need `need`. */
static uint16_t provider_sector(struct gen *g, struct gen_rng *r, const struct gen_ispec *need)
{
    switch (need->type) {
    case T_DIST:
        /* Mostly a trader; sometimes a maker of the same goods with a sales network. */
        if (gen_chance(r, 20) && gen_arche(need->sec) == ARCHE_MAKER)
            return need->sec;
        if (need->sec2 >= 0)
            return (uint16_t)need->sec2;
        return g->trade_idx[need->sec] >= 0 ? (uint16_t)g->trade_idx[need->sec] : need->sec;
    case T_INV:
        /* A financial investor, or a strategic one from the same industry. */
        if (gen_chance(r, 40))
            return need->sec;
        if (need->sec2 >= 0 && gen_arche((uint16_t)need->sec2) == ARCHE_FINANCE)
            return (uint16_t)need->sec2;
        return g->fin_sectors[gen_below(r, g->n_fin)];
    case T_TT:
    case T_RND:
        if (g->sec_m7210 >= 0 && gen_chance(r, 40))
            return (uint16_t)g->sec_m7210;
        return need->sec;
    default:
        return need->sec;
    }
}

/* Plan the item's countries for profile p, with `first` at the head of the list. */
static void countries_with(struct gen *g, struct gen_rng *r, const struct gen_pspec *p,
                           struct gen_ispec *it, uint16_t first)
{
    plan_countries(g, r, p, it);
    if (it->nc == GEN_CMAX)
        it->nc--;
    memmove(&it->c[1], &it->c[0], it->nc * sizeof(it->c[0]));
    it->c[0] = first;
    it->nc++;
    for (unsigned i = 1; i < it->nc; i++) /* drop a duplicate of `first` */
        if (it->c[i] == first) {
            memmove(&it->c[i], &it->c[i + 1], (it->nc - i - 1) * sizeof(it->c[0]));
            it->nc--;
            break;
        }
}

/*
 * The item of provider p that answers the need: same type, same concept, the sector written at
 * the same or a coarser level, the asker's country among its countries.
 */
static void answer_item(struct gen *g, struct gen_rng *r, const struct gen_pspec *p,
                        const struct gen_ispec *need, uint16_t asker_country,
                        struct gen_ispec *it)
{
    *it = *need;
    it->level = random_level(r, 60, 25);
    if (need->type == T_INV && gen_arche(p->sector) == ARCHE_FINANCE) {
        it->sec2 = (int16_t)p->sector; /* the investor's own kind of finance */
        it->con2 = need->sec2 == (int16_t)p->sector && gen_chance(r, 60)
                       ? need->con2
                       : (int8_t)random_con(g, r, p->sector);
    } else if ((need->type == T_TT || need->type == T_RND) && p->sector != need->sec) {
        it->sec2 = (int16_t)p->sector;
        it->con2 = (int8_t)random_con(g, r, p->sector);
    }
    countries_with(g, r, p, it, asker_country);
}

static uint16_t partner_country(struct gen *g, struct gen_rng *r, const struct gen_ispec *need)
{
    if (need->nc && gen_chance(r, 85))
        return need->c[gen_below(r, need->nc)];
    return pick_country(g, r);
}

/*
 * Whether profile b could want the offer: it is about b's own industry (same division), b trades
 * such goods, or it is money or professional services, which anyone may need.
 */
static int related(struct gen *g, const struct gen_pspec *b, const struct gen_ispec *offer)
{
    const char *oc = vocab_sectors[offer->sec].code;
    if (offer->type == T_INV || offer->type == T_SVC)
        return 1;
    if (memcmp(oc, vocab_sectors[b->sector].code, 3) == 0)
        return 1;
    if (b->sector2 >= 0 && memcmp(oc, vocab_sectors[b->sector2].code, 3) == 0)
        return 1;
    return gen_arche(b->sector) == ARCHE_TRADER && g->trade_idx[offer->sec] == (int16_t)b->sector;
}

struct group_plan {
    unsigned n_partners, n_decoys;
};

/*
 * Plan a group: the query into *q, gp->n_partners partners into p[] with their relevance in
 * rel[], gp->n_decoys decoys into d[].
 */
static void plan_group(struct gen *g, struct gen_rng *r, const struct group_plan *gp,
                       struct gen_pspec *q, struct gen_pspec *p, uint8_t *rel,
                       struct gen_pspec *d)
{
    /* The query: a planted need, a planted offer (for reciprocity), and extras. Planted needs
     * favour the types answered by companies rather than by banks and consultants, so that
     * partners keep the population's sector mix. */
    static const uint16_t plant_w[2][VOCAB_TYPES] = {{20, 15, 15, 10, 10, 4, 12, 4},
                                                     {30, 15, 15, 10, 6, 2, 10, 2}};
    int qc = -1;
    if (g->preset == GEN_PRESET_EXPO) /* at the expo, mostly foreign buyers ask Chinese SMEs */
        qc = gen_chance(r, 15) ? g->cn : pick_foreign(g, r);
    plan_base(g, r, q, qc, -1);
    unsigned a = gen_arche(q->sector);
    uint16_t w[VOCAB_TYPES];
    for (unsigned k = 0; k < VOCAB_TYPES; k++)
        w[k] = (uint16_t)(arche_need_w[a][k] * plant_w[g->preset == GEN_PRESET_EXPO][k]);
    int t = (int)gen_pick_weighted(r, w, VOCAB_TYPES);
    plan_item(g, r, q, (unsigned)t, VOCAB_NEED, &q->need[q->n_need++]);
    int t2 = pick_type(r, a, VOCAB_OFFER, 1u << t);
    if (t2 >= 0) {
        struct gen_ispec *o = &q->off[q->n_off++];
        plan_item(g, r, q, (unsigned)t2, VOCAB_OFFER, o);
        /* Trade in goods goes both ways on the same goods: who needs tiles made and offers to
         * distribute them distributes tiles, so a tile maker gains from it in return. */
        unsigned goods = 1u << T_OUT | 1u << T_JV | 1u << T_TT | 1u << T_DIST | 1u << T_RND;
        if ((goods >> t & 1) && (goods >> t2 & 1)) {
            const struct gen_ispec *n = &q->need[0];
            o->sec = n->sec;
            o->con = n->con;
            o->sec2 = -1;
            o->con2 = -1;
            if (t2 == T_DIST)
                o->sec2 = a == ARCHE_TRADER ? (int16_t)q->sector : g->trade_idx[n->sec];
            if (o->sec2 == (int16_t)o->sec)
                o->sec2 = -1;
            if (o->sec2 >= 0)
                o->con2 = (int8_t)random_con(g, r, (uint16_t)o->sec2);
        }
    }
    plan_extras(g, r, q, n_items(r), n_items(r), 0, 0);

    const struct gen_ispec *need = &q->need[0];
    unsigned need_mask = 0, off_mask = 0;
    for (unsigned i = 0; i < q->n_need; i++)
        need_mask |= 1u << q->need[i].type;
    for (unsigned i = 0; i < q->n_off; i++)
        off_mask |= 1u << q->off[i].type;
    /* Types that would make a profile answer the query: offers of a needed type; needs of a
     * type the query offers (B->A) or of a symmetric type the query needs. */
    unsigned not_a_to_b = need_mask, not_b_to_a = off_mask | (need_mask & SYM_MASK);

    for (unsigned k = 0; k < gp->n_partners; k++) {
        struct gen_pspec *b = &p[k];
        uint16_t country = partner_country(g, r, need);
        plan_base(g, r, b, country, provider_sector(g, r, need));
        if (t == T_INV && !is_service_arche(gen_arche(b->sector)))
            b->kind = GK_LARGE; /* a strategic investor */
        int as_need = VOCAB_TYPE_SYMMETRIC(t) && gen_chance(r, 50);
        struct gen_ispec *it = as_need ? &b->need[b->n_need++] : &b->off[b->n_off++];
        answer_item(g, r, b, need, q->country, it);
        rel[k] = as_need ? 2 : 1;
        /* Reciprocal: B also needs what the query offers, where that makes sense for B. */
        if (!as_need && q->n_off && arche_need_w[gen_arche(b->sector)][q->off[0].type] &&
            q->off[0].type != (unsigned)t && related(g, b, &q->off[0]) && gen_chance(r, 60)) {
            answer_item(g, r, b, &q->off[0], q->country, &b->need[b->n_need++]);
            rel[k] = 2;
        }
        if (rel[k] == 2)
            plan_extras(g, r, b, n_items(r), n_items(r), 0, 0);
        else
            plan_extras(g, r, b, n_items(r), n_items(r), 0, not_b_to_a);
    }

    /* Decoy 1, wrong direction: a competitor of the query that offers what the query offers
     * and needs what it needs, with the same words. */
    if (gp->n_decoys >= 1) {
        struct gen_pspec *x = &d[0];
        uint16_t country = gen_chance(r, 50) ? q->country : partner_country(g, r, need);
        plan_base(g, r, x, country, q->sector);
        x->lang = q->lang;
        if (q->n_off && !(not_a_to_b >> q->off[0].type & 1)) {
            x->off[0] = q->off[0];
            x->off[0].level = random_level(r, 60, 25);
            countries_with(g, r, x, &x->off[0], q->country);
            x->n_off = 1;
        }
        int dt = t;
        if (VOCAB_TYPE_SYMMETRIC(t) || (not_b_to_a >> t & 1))
            dt = pick_type(r, gen_arche(x->sector), VOCAB_NEED,
                           not_b_to_a | SYM_MASK | (1u << t) | used_mask(x));
        if (dt >= 0) {
            struct gen_ispec *it = &x->need[x->n_need++];
            *it = *need;
            it->type = (uint8_t)dt;
            plan_countries(g, r, x, it);
        }
        plan_extras(g, r, x, n_items(r), n_items(r), not_a_to_b, not_b_to_a);
    }
    /* Decoy 2, wrong type: a provider of the same thing under another cooperation type. */
    if (gp->n_decoys >= 2) {
        struct gen_pspec *x = &d[1];
        plan_base(g, r, x, partner_country(g, r, need), provider_sector(g, r, need));
        int dt = pick_type(r, gen_arche(x->sector), VOCAB_OFFER, not_a_to_b);
        if (dt < 0)
            dt = pick_type(r, ARCHE_MAKER, VOCAB_OFFER, not_a_to_b);
        if (dt >= 0) {
            struct gen_ispec *it = &x->off[x->n_off++];
            answer_item(g, r, x, need, q->country, it);
            it->type = (uint8_t)dt;
        }
        plan_extras(g, r, x, n_items(r), n_items(r), not_a_to_b, not_b_to_a);
    }
}

static int cmp_truth(const void *pa, const void *pb)
{
    const struct gen_truth *a = pa, *b = pb;
    if (a->query != b->query)
        return a->query < b->query ? -1 : 1;
    if (a->partner != b->partner)
        return a->partner < b->partner ? -1 : 1;
    return 0;
}

static void make_id(struct gen *g, unsigned slot)
{
    const struct gen_pspec *ps = &g->spec[slot];
    const struct vocab_country *c = &vocab_countries[ps->country];
    char *o = g->ids[slot];
    uint64_t index = g->block * GEN_BLOCK + slot;
    size_t n = 0;

    o[n++] = (char)(c->code[0] | 0x20);
    o[n++] = (char)(c->code[1] | 0x20);
    o[n++] = '-';
    const char *slug = c->regions[ps->region].slug;
    size_t sl = SM_MIN(strlen(slug), sizeof(g->ids[0]) - 24);
    memcpy(o + n, slug, sl);
    n += sl;
    o[n++] = '-';
    char digits[24];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + index % 10);
        index /= 10;
    } while (index);
    while (nd < 6)
        digits[nd++] = '0';
    while (nd)
        o[n++] = digits[--nd];
    o[n] = '\0';
}

void gen_plan_block(struct gen *g, uint64_t block)
{
    struct gen_rng r;
    uint8_t perm[GEN_BLOCK];
    unsigned pos = 0;

    g->block = block;
    g->n_truth = 0;
    memset(g->slot, 0, sizeof(g->slot));
    gen_rng_seed(&r, g->seed, block, TAG_BLOCK);
    for (unsigned i = 0; i < GEN_BLOCK; i++)
        perm[i] = (uint8_t)i;
    for (unsigned i = GEN_BLOCK - 1; i > 0; i--) {
        unsigned j = gen_below(&r, i + 1);
        uint8_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }

    /* Groups use at most 10 * (1 + 5 + 2) = 80 slots, noise 20. */
    for (unsigned gi = 0; gi < GEN_GROUPS; gi++) {
        struct gen_rng gr;
        struct group_plan gp;
        struct gen_pspec partners[5], decoys[2];
        uint8_t rel[5];

        gen_rng_seed(&gr, g->seed, block * GEN_GROUPS + gi, TAG_GROUP);
        gp.n_partners = 3 + gen_below(&gr, 3);
        gp.n_decoys = gen_chance(&gr, 70) ? 2 : 1;
        unsigned qs = perm[pos++];
        plan_group(g, &gr, &gp, &g->spec[qs], partners, rel, decoys);
        g->slot[qs] = (struct gen_slot){ROLE_QUERY, (uint8_t)gi, 0};
        g->query_slot[gi] = (uint8_t)qs;
        for (unsigned k = 0; k < gp.n_partners; k++) {
            unsigned ps = perm[pos++];
            g->spec[ps] = partners[k];
            g->slot[ps] = (struct gen_slot){ROLE_PARTNER, (uint8_t)gi, rel[k]};
            g->truth[g->n_truth++] = (struct gen_truth){block * GEN_BLOCK + qs,
                                                        block * GEN_BLOCK + ps, rel[k]};
        }
        for (unsigned k = 0; k < gp.n_decoys; k++) {
            unsigned ds = perm[pos++];
            g->spec[ds] = decoys[k];
            g->slot[ds] = (struct gen_slot){ROLE_DECOY, (uint8_t)gi, 0};
        }
    }
    for (unsigned k = 0; k < GEN_BLOCK / 5 && pos < GEN_BLOCK; k++) {
        unsigned ns = perm[pos++];
        g->slot[ns].role = ROLE_NOISE;
        plan_plain(g, block * GEN_BLOCK + ns, &g->spec[ns], 1);
    }
    while (pos < GEN_BLOCK) {
        unsigned fs = perm[pos++];
        g->slot[fs].role = ROLE_FILLER;
        plan_plain(g, block * GEN_BLOCK + fs, &g->spec[fs], 0);
    }
    for (unsigned i = 0; i < GEN_BLOCK; i++)
        make_id(g, i);
    qsort(g->truth, g->n_truth, sizeof(g->truth[0]), cmp_truth);
}

const char *gen_id(const struct gen *g, uint64_t index)
{
    assert(index / GEN_BLOCK == g->block);
    return g->ids[index % GEN_BLOCK];
}

const char *gen_role(const struct gen *g, uint64_t index, uint64_t *query)
{
    static const char *const names[] = {"plain", "noise", "query", "partner", "decoy"};
    const struct gen_slot *s = &g->slot[index % GEN_BLOCK];
    assert(index / GEN_BLOCK == g->block);
    if (s->role >= ROLE_QUERY)
        *query = g->block * GEN_BLOCK + g->query_slot[s->group];
    return names[s->role];
}

size_t gen_truth(const struct gen *g, const struct gen_truth **out)
{
    *out = g->truth;
    return g->n_truth;
}
