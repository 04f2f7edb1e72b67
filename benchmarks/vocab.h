/*
 * vocab.h - the vocabularies of the data generator (smematch-gen): ISIC sectors with their
 * product and service concepts in English and Chinese (with synonyms), cooperation-type words,
 * sentence templates, countries with regions and cooperation zones, and personal names.
 *
 * Everything here is constant data; the generator (gen.c) only reads it. Strings are UTF-8.
 * No keyword or concept term contains ';' (the CSV list separator) or a control character.
 */
#ifndef SM_VOCAB_H
#define SM_VOCAB_H

#include <stddef.h>
#include <stdint.h>

/* What a company of a sector typically does; drives which offers and needs it has. */
enum vocab_arche {
    ARCHE_MAKER = 0, /* manufacturing, agriculture */
    ARCHE_TRADER,    /* wholesale, import/export, e-commerce */
    ARCHE_SOFT,      /* software and IT services */
    ARCHE_RESEARCH,  /* R&D institutes, testing, engineering */
    ARCHE_CONSULT,   /* legal, accounting, consulting, training, HR, marketing */
    ARCHE_FINANCE,   /* banks, funds, insurers */
    ARCHE_LOGISTICS, /* freight, warehousing */
    ARCHE_FOODSERV,  /* restaurants, retail chains, education and beauty chains: franchisors */
    ARCHE_ENERGY,    /* power, environment, construction */
    ARCHE__COUNT
};

/* How an organisation of a sector is named. */
enum vocab_org {
    ORG_COMPANY = 0, /* "Ningbo Huaxin Stationery Co., Ltd." */
    ORG_FIRM,        /* law and accounting partnerships: "北京华信律师事务所" */
    ORG_INSTITUTE,   /* research institutes */
    ORG_FUND,        /* "Huaxin Capital", "华信资本" */
};

#define VOCAB_SYN_MAX 4     /* synonyms per language in a concept (NULL-terminated if fewer) */
#define VOCAB_CONCEPT_MAX 5 /* concepts per sector (the list ends at the first en[0] == NULL) */

/* One product or service, named by synonyms; en[0] and zh[0] are the canonical terms. */
struct vocab_concept {
    const char *en[VOCAB_SYN_MAX];
    const char *zh[VOCAB_SYN_MAX];
};

struct vocab_sector {
    const char *code;    /* ISIC Rev.4 class, e.g. "C3290" */
    const char *word_en; /* industry word for company names: "Stationery" */
    const char *word_zh; /* "文具" */
    const char *word_de; /* "Schreibwaren" */
    uint8_t arche;       /* enum vocab_arche */
    uint8_t org;         /* enum vocab_org */
    uint16_t weight;     /* relative frequency among companies of its archetype's kinds */
    const char *trade;   /* wholesale class distributing its goods ("G4649"), or NULL */
    struct vocab_concept concepts[VOCAB_CONCEPT_MAX];
};

extern const struct vocab_sector vocab_sectors[];
extern const size_t vocab_sectors_len;

/* Cooperation types, in the order of enum coop_type (engine/profile.h). */
#define VOCAB_TYPES 8
#define VOCAB_KW_MAX 6
struct vocab_type {
    const char *name;                 /* "outsourcing" */
    const char *kw_en[VOCAB_KW_MAX];  /* keywords, NULL-terminated */
    const char *kw_zh[VOCAB_KW_MAX];
};
extern const struct vocab_type vocab_types[VOCAB_TYPES];
/* joint_venture and rnd: a need also matches a need (SPEC §2). */
#define VOCAB_TYPE_SYMMETRIC(t) ((t) == 1 || (t) == 6)

/*
 * Sentence templates. Placeholders: %p product or service term, %q a second term of the same
 * concept or sector, %s the term of the item's second concept (the target industry of an
 * investor, the trade of a distributor), %c the item's countries, %h the profile's home country,
 * %k its city, %N its name, %f year founded, %e employees, %n a quantity, %m an amount of money,
 * %y a number of years, %% a percent sign.
 */
#define VOCAB_TPL_MAX 4
enum { VOCAB_EN = 0, VOCAB_ZH = 1 };
enum { VOCAB_OFFER = 0, VOCAB_NEED = 1 };
/* [type][offer|need][en|zh][i], NULL-terminated. */
extern const char *const vocab_tpl[VOCAB_TYPES][2][2][VOCAB_TPL_MAX];
/* Outsourcing of services (software, design, back office) instead of goods. */
extern const char *const vocab_tpl_svc_out[2][2][VOCAB_TPL_MAX];
/* Company descriptions per archetype: [arche][en|zh][i]. */
extern const char *const vocab_tpl_desc[ARCHE__COUNT][2][VOCAB_TPL_MAX];
/* Extra sentences to append to a text, and generic "noise" texts: [en|zh][i], NULL-terminated. */
extern const char *const vocab_extra[2][12];
extern const char *const vocab_generic[2][12];
extern const char *const vocab_generic_kw[2][10];
/* Quantities, amounts and years for %n %m %y: [en|zh][i], NULL-terminated. */
extern const char *const vocab_qty[2][8];
extern const char *const vocab_money[2][8];
extern const char *const vocab_years[8];

/* Personal names of a culture. */
struct vocab_culture {
    const char *first[16]; /* NULL-terminated */
    const char *last[24];
};
/* Chinese names have a pinyin and a hanzi form. */
struct vocab_cn_name {
    const char *py, *hz;
};
extern const struct vocab_cn_name vocab_cn_surnames[];
extern const size_t vocab_cn_surnames_len;
extern const struct vocab_cn_name vocab_cn_given[];
extern const size_t vocab_cn_given_len;
/* Single characters for Chinese brand names ("Hua" + "xin" = "Huaxin", "华鑫"). */
extern const struct vocab_cn_name vocab_cn_brand[];
extern const size_t vocab_cn_brand_len;

/* A cooperation zone or park; bias are sector classes over-represented there (may be NULL). */
struct vocab_zone {
    const char *slug;
    const char *bias[2];
    uint8_t expo; /* weight in the expo preset, 0 if not present at the expo */
};
#define VOCAB_ZONE_MAX 4
struct vocab_region {
    const char *name;    /* "Zhejiang", "Bavaria" */
    const char *slug;    /* the id part: "ningbo", "bavaria" ([a-z0-9-]) */
    const char *city_en; /* "Ningbo", "Munich" */
    const char *city_zh; /* "宁波" (Chinese regions), NULL elsewhere */
    uint16_t weight;
    struct vocab_zone zones[VOCAB_ZONE_MAX]; /* ends at slug == NULL */
};

struct vocab_country {
    const char *code;    /* "CN" */
    const char *name_en; /* "China" */
    const char *name_zh; /* "中国" */
    const char *langs[3]; /* ISO 639-1 spoken, NULL-terminated */
    const char *phone;   /* calling code, "86" */
    const char *sfx_small, *sfx_large; /* legal form of small and large companies */
    const char *prefix;  /* legal form written before the name ("PT"), or NULL */
    const struct vocab_culture *culture; /* NULL for CN (vocab_cn_*) */
    uint16_t w_general, w_expo; /* relative weights in the presets */
    uint8_t n_regions;
    const struct vocab_region *regions;
};
extern const struct vocab_country vocab_countries[];
extern const size_t vocab_countries_len;

#endif
