/*
 * gen_render.c - rendering of planned profiles into text: ids, company and person names,
 * descriptions, offer and need sentences and keywords, contact details.
 *
 * Rendering draws from a stream of its own per profile (seed, index), so changing how a text
 * is worded never moves the plan (roles, types, concepts, countries) of any profile.
 */
#include "gen_int.h"

enum { TAG_RENDER = 4 };

/* ---- the arena: the strings of one rendered profile ---- */

static char *ar_begin(struct gen *g)
{
    return g->arena + g->arena_used;
}

static void ar_putn(struct gen *g, const char *s, size_t n)
{
    /* The vocabularies bound every profile far below GEN_ARENA; stop short of overflow. */
    assert(g->arena_used + n + 1 < GEN_ARENA);
    if (g->arena_used + n + 1 >= GEN_ARENA)
        n = GEN_ARENA - g->arena_used - 1;
    memcpy(g->arena + g->arena_used, s, n);
    g->arena_used += n;
}

static void ar_puts(struct gen *g, const char *s)
{
    ar_putn(g, s, strlen(s));
}

static void ar_putu(struct gen *g, unsigned v, unsigned width)
{
    char d[16];
    unsigned n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof(d));
    while (n < width && n < sizeof(d))
        d[n++] = '0';
    while (n) {
        char c = d[--n];
        ar_putn(g, &c, 1);
    }
}

/* Terminate the string begun at s and return it. */
static const char *ar_end(struct gen *g, char *s)
{
    g->arena[g->arena_used++] = '\0';
    return s;
}

static const char *ar_str(struct gen *g, const char *s)
{
    char *b = ar_begin(g);
    ar_puts(g, s);
    return ar_end(g, b);
}

/* ---- ASCII forms of names, for e-mail addresses ---- */

static const struct {
    const char *u, *a;
} translit[] = {
    {"ä", "ae"}, {"ö", "oe"}, {"ü", "ue"}, {"ß", "ss"}, {"Ä", "ae"}, {"Ö", "oe"}, {"Ü", "ue"},
    {"é", "e"}, {"è", "e"}, {"ê", "e"}, {"ë", "e"}, {"É", "e"}, {"á", "a"}, {"à", "a"},
    {"â", "a"}, {"ã", "a"}, {"å", "a"}, {"Å", "a"}, {"í", "i"}, {"ì", "i"}, {"î", "i"},
    {"ï", "i"}, {"ı", "i"}, {"İ", "i"}, {"ó", "o"}, {"ò", "o"}, {"ô", "o"}, {"õ", "o"},
    {"ø", "o"}, {"ú", "u"}, {"ù", "u"}, {"û", "u"}, {"ç", "c"}, {"Ç", "c"}, {"ñ", "n"},
    {"ł", "l"}, {"Ł", "l"}, {"ś", "s"}, {"Ś", "s"}, {"ş", "s"}, {"Ş", "s"}, {"š", "s"},
    {"ż", "z"}, {"ź", "z"}, {"ž", "z"}, {"ę", "e"}, {"ą", "a"}, {"ć", "c"}, {"č", "c"},
    {"Č", "c"}, {"ń", "n"}, {"ň", "n"}, {"ř", "r"}, {"ý", "y"}, {"ğ", "g"}, {"ő", "o"},
    {"ű", "u"}, {"đ", "d"}, {"Đ", "d"}, {"ễ", "e"}, {"ầ", "a"}, {"ạ", "a"}, {"ư", "u"},
    {"ơ", "o"}, {"ũ", "u"}, {"ấ", "a"}, {"ặ", "a"}, {"ả", "a"}, {"ồ", "o"}, {"ộ", "o"},
    {"ỳ", "y"}, {"ỹ", "y"}, {"ủ", "u"}, {"ứ", "u"}, {"ừ", "u"}, {"ự", "u"}, {"ế", "e"},
    {"ệ", "e"}, {"ể", "e"}, {"ỗ", "o"}, {"ổ", "o"}, {"ớ", "o"}, {"ờ", "o"}, {"ở", "o"},
    {"ợ", "o"}, {"ỏ", "o"}, {"ọ", "o"}, {"ị", "i"}, {"ỉ", "i"}, {"ĩ", "i"}, {"ậ", "a"},
    {"ẩ", "a"}, {"ẫ", "a"}, {"ắ", "a"}, {"ằ", "a"}, {"ẳ", "a"}, {"ẵ", "a"}, {"ă", "a"},
    {"ữ", "u"}, {"ử", "u"}, {"ụ", "u"}, {"ỡ", "o"},
};

/* Append the lower-case ASCII letters and digits of s; anything else is dropped. */
static void ar_put_ascii(struct gen *g, const char *s)
{
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80) {
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c | 0x20);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                char ch = (char)c;
                ar_putn(g, &ch, 1);
            }
            s++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        for (size_t i = 0; i < SM_ARRAY_SIZE(translit); i++)
            if (strncmp(s, translit[i].u, len) == 0 && strlen(translit[i].u) == len) {
                ar_puts(g, translit[i].a);
                break;
            }
        for (size_t i = 0; i < len && *s; i++)
            s++;
    }
}

/* ---- picking words ---- */

static const char *pick_str(struct gen_rng *r, const char *const *v, size_t max)
{
    size_t n = gen_strv_len(v, max);
    assert(n > 0);
    return v[gen_below(r, (uint32_t)n)];
}

static const struct vocab_concept *concept(uint16_t sec, unsigned con)
{
    return &vocab_sectors[sec].concepts[con];
}

/* A synonym of a concept in a language. */
static const char *term(struct gen_rng *r, uint16_t sec, unsigned con, int lang)
{
    const struct vocab_concept *c = concept(sec, con);
    return pick_str(r, lang == VOCAB_ZH ? c->zh : c->en, VOCAB_SYN_MAX);
}

/* Another synonym of the concept than `not`, else a term of another concept of the sector. */
static const char *other_term(struct gen *g, struct gen_rng *r, uint16_t sec, unsigned con,
                              int lang, const char *not)
{
    const struct vocab_concept *c = concept(sec, con);
    const char *const *v = lang == VOCAB_ZH ? c->zh : c->en;
    size_t n = gen_strv_len(v, VOCAB_SYN_MAX);
    unsigned nc = g->n_concepts[sec];
    if (nc > 1 && (n < 2 || gen_chance(r, 50))) {
        unsigned o = (con + 1 + gen_below(r, nc - 1)) % nc;
        return term(r, sec, o, lang);
    }
    for (unsigned tries = 0; tries < 4; tries++) {
        const char *t = v[gen_below(r, (uint32_t)n)];
        if (t != not)
            return t;
    }
    return v[0] != not || n < 2 ? v[0] : v[1];
}

static const char *country_name(uint16_t c, int lang)
{
    return lang == VOCAB_ZH ? vocab_countries[c].name_zh : vocab_countries[c].name_en;
}

/* "Germany", "Germany and France", "Germany, France and Italy"; 德国、法国和意大利. */
static void put_countries(struct gen *g, const struct gen_ispec *it, int lang)
{
    for (unsigned i = 0; i < it->nc; i++) {
        if (i && i + 1 == it->nc)
            ar_puts(g, lang == VOCAB_ZH ? "和" : " and ");
        else if (i)
            ar_puts(g, lang == VOCAB_ZH ? "、" : ", ");
        ar_puts(g, country_name(it->c[i], lang));
    }
}

/* The words a template is filled with. */
struct fill {
    const char *p, *q, *s, *name, *city, *home;
    const struct gen_ispec *it; /* for %c, may be NULL */
    int founded, employees;
};

/* Expand template tpl (see vocab.h) into the arena; capitalise an English sentence. */
static void expand(struct gen *g, struct gen_rng *r, const char *tpl, const struct fill *f,
                   int lang)
{
    size_t start = g->arena_used;
    for (const char *t = tpl; *t; t++) {
        if (*t != '%' || !t[1]) {
            const char *pct = strchr(t, '%');
            size_t lit = pct ? (size_t)(pct - t) : strlen(t);
            if (!lit)
                lit = 1; /* a trailing '%' */
            ar_putn(g, t, lit);
            t += lit - 1;
            continue;
        }
        switch (*++t) {
        case 'p': ar_puts(g, f->p); break;
        case 'q': ar_puts(g, f->q); break;
        case 's': ar_puts(g, f->s); break;
        case 'N': ar_puts(g, f->name); break;
        case 'k': ar_puts(g, f->city); break;
        case 'h': ar_puts(g, f->home); break;
        case 'f': ar_putu(g, (unsigned)f->founded, 0); break;
        case 'e': ar_putu(g, (unsigned)f->employees, 0); break;
        case 'n': ar_puts(g, pick_str(r, vocab_qty[lang], 8)); break;
        case 'm': ar_puts(g, pick_str(r, vocab_money[lang], 8)); break;
        case 'y': ar_puts(g, pick_str(r, vocab_years, 8)); break;
        case 'c':
            if (f->it && f->it->nc)
                put_countries(g, f->it, lang);
            else
                ar_puts(g, lang == VOCAB_ZH ? "全球" : "markets worldwide");
            break;
        default: ar_putn(g, t, 1); break;
        }
    }
    char *first = g->arena + start;
    if (lang == VOCAB_EN && *first >= 'a' && *first <= 'z')
        *first = (char)(*first - 'a' + 'A');
}

/* ---- lists ---- */

static void list_add(struct gen_list *l, const char *s)
{
    for (unsigned i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return;
    if (l->n < GEN_LIST_MAX)
        l->v[l->n++] = s;
}

/* ---- the profile ---- */

struct ctx {
    struct gen *g;
    struct gen_rng r;
    const struct gen_pspec *ps;
    const struct vocab_country *c;
    const struct vocab_region *rg;
    int name_lang;          /* language of the company name */
    const char *name, *city_en, *city_zh;
    int founded, employees;
};

static void capitalize_ascii(char *s)
{
    if (*s >= 'a' && *s <= 'z')
        *s = (char)(*s - 'a' + 'A');
}

/* Company name and e-mail domain label (ASCII, into *domain). */
static void render_name(struct ctx *x, const char **domain)
{
    struct gen *g = x->g;
    struct gen_rng *r = &x->r;
    const struct gen_pspec *ps = x->ps;
    const struct vocab_sector *s = &vocab_sectors[ps->sector];
    int large = ps->kind == GK_LARGE;
    char *b;

    if (ps->country == g->cn) {
        const struct vocab_cn_name *b1 = &vocab_cn_brand[gen_below(r, (uint32_t)vocab_cn_brand_len)];
        const struct vocab_cn_name *b2 = &vocab_cn_brand[gen_below(r, (uint32_t)vocab_cn_brand_len)];
        if (b2 == b1)
            b2 = &vocab_cn_brand[(size_t)(b1 - vocab_cn_brand + 1) % vocab_cn_brand_len];
        int zh = ps->lang == GL_ZH ? gen_chance(r, 85) : ps->lang == GL_BI ? gen_chance(r, 50) : 0;
        x->name_lang = zh ? VOCAB_ZH : VOCAB_EN;
        b = ar_begin(g);
        if (zh) {
            switch (s->org) {
            case ORG_FIRM:
                ar_puts(g, x->city_zh); ar_puts(g, b1->hz); ar_puts(g, b2->hz);
                ar_puts(g, s->word_zh); ar_puts(g, "事务所");
                break;
            case ORG_INSTITUTE:
                ar_puts(g, x->city_zh);
                if (gen_chance(r, 50)) { ar_puts(g, b1->hz); ar_puts(g, b2->hz); }
                ar_puts(g, s->word_zh); ar_puts(g, "研究院");
                break;
            case ORG_FUND:
                ar_puts(g, b1->hz); ar_puts(g, b2->hz); ar_puts(g, s->word_zh);
                if (!large && gen_chance(r, 50)) ar_puts(g, "有限公司");
                break;
            default:
                if (large) {
                    ar_puts(g, b1->hz); ar_puts(g, b2->hz); ar_puts(g, s->word_zh);
                    ar_puts(g, "集团股份有限公司");
                } else {
                    ar_puts(g, x->city_zh); ar_puts(g, b1->hz); ar_puts(g, b2->hz);
                    ar_puts(g, s->word_zh); ar_puts(g, "有限公司");
                }
            }
        } else {
            char brand[32];
            size_t l1 = strlen(b1->py), l2 = strlen(b2->py);
            memcpy(brand, b1->py, l1);
            memcpy(brand + l1, b2->py, l2 + 1);
            capitalize_ascii(brand);
            switch (s->org) {
            case ORG_FIRM:
                ar_puts(g, x->city_en); ar_puts(g, " "); ar_puts(g, brand); ar_puts(g, " ");
                ar_puts(g, s->word_en); ar_puts(g, " Firm");
                break;
            case ORG_INSTITUTE:
                ar_puts(g, x->city_en); ar_puts(g, " ");
                if (gen_chance(r, 50)) { ar_puts(g, brand); ar_puts(g, " "); }
                ar_puts(g, s->word_en); ar_puts(g, " Research Institute");
                break;
            case ORG_FUND:
                ar_puts(g, brand); ar_puts(g, " "); ar_puts(g, s->word_en);
                if (large) ar_puts(g, " Group");
                break;
            default:
                if (large) {
                    ar_puts(g, brand); ar_puts(g, " "); ar_puts(g, s->word_en);
                    ar_puts(g, " Group Co., Ltd.");
                } else {
                    ar_puts(g, x->city_en); ar_puts(g, " "); ar_puts(g, brand); ar_puts(g, " ");
                    ar_puts(g, s->word_en); ar_puts(g, " Co., Ltd.");
                }
            }
        }
        x->name = ar_end(g, b);
        b = ar_begin(g);
        ar_puts(g, b1->py);
        ar_puts(g, b2->py);
        ar_puts(g, "-");
        ar_put_ascii(g, s->word_en);
        *domain = ar_end(g, b);
        return;
    }

    /* Elsewhere: surnames, the local legal form, the German industry word in German lands. */
    const struct vocab_culture *cu = x->c->culture;
    const char *s1 = pick_str(r, cu->last, 24), *s2 = pick_str(r, cu->last, 24);
    const char *word = cu->first[0] && strcmp(x->c->langs[0], "de") == 0 ? s->word_de : s->word_en;
    const char *sfx = large ? x->c->sfx_large : x->c->sfx_small;
    x->name_lang = VOCAB_EN;
    b = ar_begin(g);
    if (x->c->prefix) {
        ar_puts(g, x->c->prefix);
        ar_puts(g, " ");
    }
    switch (s->org) {
    case ORG_FIRM:
        ar_puts(g, s1);
        if (s2 != s1) { ar_puts(g, " & "); ar_puts(g, s2); }
        ar_puts(g, " ");
        ar_puts(g, word == s->word_de ? word : "Partners");
        sfx = "";
        break;
    case ORG_INSTITUTE:
        ar_puts(g, x->rg->name);
        ar_puts(g, " Institute of ");
        ar_puts(g, s->word_en);
        sfx = "";
        break;
    case ORG_FUND:
        if (gen_chance(r, 50)) {
            ar_puts(g, x->city_en); ar_puts(g, " "); ar_puts(g, s->word_en);
            ar_puts(g, " Partners");
            sfx = "";
        } else {
            ar_puts(g, s1); ar_puts(g, " "); ar_puts(g, s->word_en);
        }
        break;
    default: {
        unsigned v = gen_below(r, 100);
        if (v < 25 && s2 != s1) {
            ar_puts(g, s1); ar_puts(g, " & "); ar_puts(g, s2); ar_puts(g, " ");
        } else if (v < 35) {
            ar_puts(g, x->city_en); ar_puts(g, " ");
        } else {
            ar_puts(g, s1); ar_puts(g, " ");
        }
        ar_puts(g, word);
        if (large && gen_chance(r, 40)) ar_puts(g, " Group");
    }
    }
    if (sfx && *sfx) {
        ar_puts(g, " ");
        ar_puts(g, sfx);
    }
    x->name = ar_end(g, b);
    b = ar_begin(g);
    ar_put_ascii(g, s->org == ORG_INSTITUTE ? x->rg->slug : s1);
    ar_puts(g, "-");
    ar_put_ascii(g, s->word_en);
    *domain = ar_end(g, b);
}

static void render_contact(struct ctx *x, const char *domain, struct gen_profile *p)
{
    struct gen *g = x->g;
    struct gen_rng *r = &x->r;
    char *b;

    if (x->ps->country == x->g->cn) {
        const struct vocab_cn_name *sn = &vocab_cn_surnames[gen_below(r, (uint32_t)vocab_cn_surnames_len)];
        const struct vocab_cn_name *gv = &vocab_cn_given[gen_below(r, (uint32_t)vocab_cn_given_len)];
        b = ar_begin(g);
        if (x->name_lang == VOCAB_ZH && gen_chance(r, 60)) {
            ar_puts(g, sn->hz);
            ar_puts(g, gv->hz);
        } else {
            ar_puts(g, sn->py);
            ar_puts(g, " ");
            ar_puts(g, gv->py);
        }
        p->person = ar_end(g, b);
        b = ar_begin(g);
        ar_put_ascii(g, gv->py);
        ar_puts(g, ".");
        ar_put_ascii(g, sn->py);
    } else {
        const struct vocab_culture *cu = x->c->culture;
        const char *first = pick_str(r, cu->first, 16), *last = pick_str(r, cu->last, 24);
        b = ar_begin(g);
        ar_puts(g, first);
        ar_puts(g, " ");
        ar_puts(g, last);
        p->person = ar_end(g, b);
        b = ar_begin(g);
        ar_put_ascii(g, first);
        ar_puts(g, ".");
        ar_put_ascii(g, last);
    }
    ar_puts(g, "@");
    ar_puts(g, domain);
    ar_puts(g, ".example");
    p->email = ar_end(g, b);

    b = ar_begin(g);
    ar_puts(g, "+");
    ar_puts(g, x->c->phone);
    ar_puts(g, " ");
    if (x->ps->country == x->g->cn) {
        ar_puts(g, "1");
        ar_putu(g, 30 + gen_below(r, 60), 2);
    } else {
        ar_putu(g, 10 + gen_below(r, 890), 0);
    }
    ar_puts(g, " ");
    ar_putu(g, gen_below(r, 10000), 4);
    ar_puts(g, " ");
    ar_putu(g, gen_below(r, 10000), 4);
    p->phone = ar_end(g, b);
}

static void render_languages(struct ctx *x, struct gen_profile *p)
{
    const struct gen_pspec *ps = x->ps;
    for (unsigned i = 0; i < 3 && x->c->langs[i]; i++)
        list_add(&p->languages, x->c->langs[i]);
    if (ps->lang != GL_ZH || gen_chance(&x->r, ps->country == x->g->cn ? 55 : 90))
        list_add(&p->languages, "en");
    if (ps->lang != GL_EN && ps->country != x->g->cn)
        list_add(&p->languages, "zh");
}

static void render_numbers(struct ctx *x)
{
    struct gen_rng *r = &x->r;
    static const struct {
        int lo, hi;
    } emp[4][5] = {
        [GK_SME] = {{1, 9}, {10, 49}, {50, 99}, {100, 299}, {300, 999}},
        [GK_LARGE] = {{1000, 4999}, {5000, 19999}, {20000, 99999}, {100000, 300000}, {1000, 4999}},
        [GK_FOREIGN] = {{3, 49}, {50, 249}, {250, 999}, {1000, 4999}, {10, 99}},
        [GK_SERVICE] = {{1, 9}, {10, 49}, {50, 199}, {200, 2000}, {10, 49}},
    };
    static const uint16_t emp_w[4][5] = {
        [GK_SME] = {15, 40, 20, 18, 7},
        [GK_LARGE] = {50, 30, 15, 5, 0},
        [GK_FOREIGN] = {35, 40, 15, 10, 0},
        [GK_SERVICE] = {30, 45, 20, 5, 0},
    };
    unsigned k = x->ps->kind;
    size_t b = gen_pick_weighted(r, emp_w[k], 5);
    x->employees = gen_range(r, emp[k][b].lo, emp[k][b].hi);
    /* Large groups are older; Chinese SMEs mostly date from the reform era. */
    if (k == GK_LARGE)
        x->founded = gen_chance(r, 70) ? gen_range(r, 1950, 2005) : gen_range(r, 2006, 2020);
    else if (x->ps->country == x->g->cn)
        x->founded = gen_chance(r, 85) ? gen_range(r, 1985, 2024) : gen_range(r, 1958, 1984);
    else
        x->founded = gen_chance(r, 75) ? gen_range(r, 1975, 2024) : gen_range(r, 1950, 1974);
}

static void fill_base(struct ctx *x, struct fill *f, int lang)
{
    memset(f, 0, sizeof(*f));
    f->name = x->name;
    if (x->ps->country == x->g->cn)
        f->city = lang == VOCAB_ZH ? x->city_zh : x->city_en;
    else
        f->city = lang == VOCAB_ZH ? x->c->name_zh : x->city_en;
    f->home = country_name(x->ps->country, lang);
    f->founded = x->founded;
    f->employees = x->employees;
}

static const char *render_description(struct ctx *x)
{
    struct gen *g = x->g;
    struct gen_rng *r = &x->r;
    const struct gen_pspec *ps = x->ps;
    unsigned a = gen_arche(ps->sector);
    uint16_t sec = ps->sector;
    /* A trader is described by the goods it trades, as its offers and needs name them. */
    if (a == ARCHE_TRADER) {
        const struct gen_ispec *it = ps->n_off ? &ps->off[0] : ps->n_need ? &ps->need[0] : NULL;
        if (ps->sector2 >= 0)
            sec = (uint16_t)ps->sector2;
        else if (it && !ps->noise && gen_arche(it->sec) == ARCHE_MAKER)
            sec = it->sec;
    }
    unsigned con = gen_below(r, g->n_concepts[sec]);
    char *b = ar_begin(g);
    int langs[2], nl = 0;

    if (ps->lang == GL_BI) {
        langs[nl++] = VOCAB_ZH;
        langs[nl++] = VOCAB_EN;
    } else {
        langs[nl++] = ps->lang == GL_ZH ? VOCAB_ZH : VOCAB_EN;
    }
    for (int i = 0; i < nl; i++) {
        struct fill f;
        int lang = langs[i];
        fill_base(x, &f, lang);
        f.p = term(r, sec, con, lang);
        f.q = other_term(g, r, sec, con, lang, f.p);
        f.s = f.q;
        if (i)
            ar_puts(g, " ");
        expand(g, r, pick_str(r, vocab_tpl_desc[a][lang], VOCAB_TPL_MAX), &f, lang);
        if (ps->noise || gen_chance(r, 35)) {
            ar_puts(g, lang == VOCAB_ZH ? "" : " ");
            ar_puts(g, pick_str(r, ps->noise ? vocab_generic[lang] : vocab_extra[lang], 12));
        }
    }
    return ar_end(g, b);
}

/* Terms of an item: %p (main), %q (second), %s (second concept, or kind of finance). */
static void item_terms(struct ctx *x, const struct gen_ispec *it, int lang, struct fill *f)
{
    struct gen *g = x->g;
    struct gen_rng *r = &x->r;
    uint16_t sec = it->sec;
    unsigned con = it->con;

    f->p = term(r, sec, con, lang);
    f->q = other_term(g, r, sec, con, lang, f->p);
    f->s = f->q;
    if (it->sec2 >= 0) {
        unsigned c2 = it->con2 >= 0 ? (unsigned)it->con2 : gen_below(r, g->n_concepts[it->sec2]);
        f->s = term(r, (uint16_t)it->sec2, c2, lang);
    }
    if (it->type == 5 /* investment */) {
        /* %p is the industry, %s the finance: swap when the main concept is the finance. */
        if (gen_arche(sec) == ARCHE_FINANCE && it->sec2 >= 0) {
            const char *t = f->p;
            f->p = f->s;
            f->s = t;
            f->q = other_term(g, r, (uint16_t)it->sec2,
                              it->con2 >= 0 ? (unsigned)it->con2 : 0, lang, f->p);
        } else if (it->sec2 < 0) {
            f->s = lang == VOCAB_ZH ? "股权投资" : "equity investment";
        }
    }
}

static const char *const *item_templates(const struct gen_ispec *it, int dir, int lang)
{
    unsigned a = gen_arche(it->sec);
    if (it->type == 0 && a != ARCHE_MAKER && a != ARCHE_ENERGY)
        return vocab_tpl_svc_out[dir][lang];
    return vocab_tpl[it->type][dir][lang];
}

static void render_keywords(struct ctx *x, const struct gen_ispec *it, struct gen_list *kw)
{
    struct gen *g = x->g;
    struct gen_rng *r = &x->r;
    const struct gen_pspec *ps = x->ps;
    static const uint16_t kw_n[5] = {20, 30, 25, 15, 10};
    unsigned want = 1 + (unsigned)gen_pick_weighted(r, kw_n, 5);
    int lang = ps->lang == GL_ZH ? VOCAB_ZH : VOCAB_EN;
    int other = ps->lang == GL_BI || gen_chance(r, ps->country == g->cn ? 50 : 20);
    if (other && want < 2)
        want = 2; /* room for the bridging keyword */
    const char *pool[24];
    unsigned np = 0;

    kw->n = 0;
    if (ps->noise) {
        const char *const *gk = vocab_generic_kw[lang];
        size_t n = gen_strv_len(gk, 10);
        for (unsigned i = 0; i < want && i < 3; i++)
            list_add(kw, gk[gen_below(r, (uint32_t)n)]);
        if (gen_chance(r, 50))
            list_add(kw, term(r, it->sec, it->con, lang));
        return;
    }
    const struct vocab_concept *c = concept(it->sec, it->con);
    const char *const *mine = lang == VOCAB_ZH ? c->zh : c->en;
    const char *const *theirs = lang == VOCAB_ZH ? c->en : c->zh;
    list_add(kw, pick_str(r, mine, VOCAB_SYN_MAX));
    for (unsigned i = 0; i < VOCAB_SYN_MAX && mine[i]; i++)
        pool[np++] = mine[i];
    if (it->sec2 >= 0 && it->type == 5 /* investment: the kind of finance */) {
        unsigned c2 = it->con2 >= 0 ? (unsigned)it->con2 : 0;
        const struct vocab_concept *cc = concept((uint16_t)it->sec2, c2);
        const char *const *v = lang == VOCAB_ZH ? cc->zh : cc->en;
        for (unsigned i = 0; i < VOCAB_SYN_MAX && v[i]; i++)
            pool[np++] = v[i];
    }
    const char *const *tk = lang == VOCAB_ZH ? vocab_types[it->type].kw_zh : vocab_types[it->type].kw_en;
    size_t ntk = gen_strv_len(tk, VOCAB_KW_MAX);
    pool[np++] = tk[gen_below(r, (uint32_t)ntk)];
    pool[np++] = tk[gen_below(r, (uint32_t)ntk)];
    if (other) {
        /* A keyword in the other language bridges Chinese and English texts. */
        list_add(kw, pick_str(r, theirs, VOCAB_SYN_MAX));
        for (unsigned i = 0; i < VOCAB_SYN_MAX && theirs[i]; i++)
            pool[np++] = theirs[i];
    }
    for (unsigned tries = 0; kw->n < want && tries < 12; tries++)
        list_add(kw, pool[gen_below(r, np)]);
}

static const char *render_text(struct ctx *x, const struct gen_ispec *it, int dir)
{
    struct gen *g = x->g;
    struct gen_rng *r = &x->r;
    const struct gen_pspec *ps = x->ps;
    char *b = ar_begin(g);
    int langs[2], nl = 0;

    if (ps->lang == GL_BI) {
        langs[nl++] = VOCAB_ZH;
        langs[nl++] = VOCAB_EN;
    } else {
        langs[nl++] = ps->lang == GL_ZH ? VOCAB_ZH : VOCAB_EN;
    }
    static const uint16_t ns_w[3] = {60, 30, 10};
    unsigned nsent = 1 + (unsigned)gen_pick_weighted(r, ns_w, 3);
    int generic = ps->noise && gen_chance(r, 50);
    /* Off-sector noise: the text speaks of another sector than the item declares. */
    struct gen_ispec off = *it;
    if (ps->noise && !generic) {
        off.sec = (uint16_t)gen_below(r, (uint32_t)vocab_sectors_len);
        off.con = (uint8_t)gen_below(r, g->n_concepts[off.sec]);
        off.sec2 = -1;
    }
    const struct gen_ispec *ti = ps->noise ? &off : it;
    const char *const *tpls0 = item_templates(ti, dir, langs[0]);
    size_t ntpl = gen_strv_len(tpls0, VOCAB_TPL_MAX);
    unsigned first = gen_below(r, (uint32_t)ntpl);

    for (int li = 0; li < nl; li++) {
        int lang = langs[li];
        const char *const *tpls = item_templates(ti, dir, lang);
        size_t n = gen_strv_len(tpls, VOCAB_TPL_MAX);
        for (unsigned si = 0; si < nsent; si++) {
            if (si || li)
                ar_puts(g, lang == VOCAB_ZH ? "" : " ");
            if (generic) {
                ar_puts(g, pick_str(r, vocab_generic[lang], 12));
            } else if (si == 0 || (si == 1 && n > 1)) {
                struct fill f;
                fill_base(x, &f, lang);
                item_terms(x, ti, lang, &f);
                f.it = it;
                /* %e in an offer is a team (engineers, researchers), not the whole staff. */
                f.employees = x->employees <= 60 ? SM_MAX(2, x->employees / 2)
                                                 : gen_range(r, 12, 150);
                unsigned k = si == 0 ? first % n : (first + 1 + gen_below(r, (uint32_t)n - 1)) % n;
                expand(g, r, tpls[k], &f, lang);
            } else {
                ar_puts(g, pick_str(r, vocab_extra[lang], 12));
            }
            if (nl > 1) /* a bilingual text: one sentence in each language */
                break;
        }
    }
    return ar_end(g, b);
}

static void render_item(struct ctx *x, const struct gen_ispec *it, int dir, struct gen_item *o)
{
    struct gen *g = x->g;
    const struct gen_pspec *ps = x->ps;
    char code[8];

    memset(o, 0, sizeof(*o));
    o->type = vocab_types[it->type].name;
    if (ps->noise) {
        /* Noise declares its own sector, sometimes only the section letter. */
        unsigned lvl = gen_chance(&x->r, 40) ? 0 : 4;
        list_add(&o->sectors, ar_str(g, gen_code(ps->sector, lvl, code)));
    } else {
        list_add(&o->sectors, ar_str(g, gen_code(it->sec, it->level, code)));
        if (it->sec2 >= 0)
            list_add(&o->sectors, ar_str(g, gen_code((uint16_t)it->sec2, 4, code)));
    }
    render_keywords(x, it, &o->keywords);
    o->text = render_text(x, it, dir);
    for (unsigned i = 0; i < it->nc; i++)
        list_add(&o->countries, vocab_countries[it->c[i]].code);
}

void gen_render(struct gen *g, uint64_t index, struct gen_profile *p)
{
    struct ctx x;
    const char *domain = NULL;
    char code[8];

    assert(index / GEN_BLOCK == g->block);
    memset(p, 0, sizeof(*p));
    memset(&x, 0, sizeof(x));
    g->arena_used = 0;
    x.g = g;
    x.ps = &g->spec[index % GEN_BLOCK];
    gen_rng_seed(&x.r, g->seed, index, TAG_RENDER);
    x.c = &vocab_countries[x.ps->country];
    x.rg = &x.c->regions[x.ps->region];
    x.city_en = x.rg->city_en;
    x.city_zh = x.rg->city_zh ? x.rg->city_zh : x.c->name_zh;

    static const char *const kinds[4] = {"sme", "large", "foreign", "service"};
    p->id = g->ids[index % GEN_BLOCK];
    p->kind = kinds[x.ps->kind];
    render_numbers(&x);
    render_name(&x, &domain);
    p->name = x.name;
    p->country = x.c->code;
    p->region = x.rg->name;
    p->zone = x.ps->zone >= 0 ? x.rg->zones[x.ps->zone].slug : NULL;
    render_languages(&x, p);
    p->employees = x.employees;
    p->founded = x.founded;
    list_add(&p->sectors, ar_str(g, gen_code(x.ps->sector, 4, code)));
    if (x.ps->sector2 >= 0)
        list_add(&p->sectors, ar_str(g, gen_code((uint16_t)x.ps->sector2, 4, code)));
    p->description = render_description(&x);
    for (unsigned i = 0; i < x.ps->n_off; i++)
        render_item(&x, &x.ps->off[i], VOCAB_OFFER, &p->offers[p->n_offers++]);
    for (unsigned i = 0; i < x.ps->n_need; i++)
        render_item(&x, &x.ps->need[i], VOCAB_NEED, &p->needs[p->n_needs++]);
    render_contact(&x, domain, p);
}
