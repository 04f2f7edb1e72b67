/*
 * doc.h - a profile's analysed form for matching and search (struct match_doc).
 *
 * match_doc_build() runs the text analyser over a profile once; scoring then reads only the
 * match_doc, never the profile, so the engine can cache docs and score many candidates fast.
 *
 * Layout: a doc is ONE contiguous, position-independent block of d->size bytes. Every array
 * is referenced by a byte offset from the start of the block, never by a pointer, so the block
 * can be written to the store as it is and read back with match_doc_load() (which checks
 * every offset, so a corrupt record cannot make scoring read out of bounds). The byte order
 * and struct layout are the host's: the format is for this machine's store, not for the wire.
 *
 *   struct match_doc            header
 *   struct match_item[n_items]  offers first (offer j is item j), then needs
 *   struct match_term[]         term vectors: per item its text and its keywords, then "all"
 *   struct match_sector[]       item sectors (an item without sectors gets its profile's)
 *   struct match_cc[]           item target countries, then the profile's languages (sorted)
 *   char pool[]                 NUL-terminated strings: id, name, every distinct term once
 *
 * Term vectors are sorted by (hash, bytes) so two vectors intersect in one merge. "all" holds
 * every distinct term of the profile (name, description, texts, keywords and "kw:" phrases)
 * with its total count: the document of search, and what the index posts.
 *
 * A doc is immutable once built: any number of threads may read it at once.
 */
#ifndef SM_MATCH_DOC_H
#define SM_MATCH_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "profile.h"
#include "text.h"

#define MATCH_DOC_MAGIC 0x31444d53u /* "SMD1" in memory order; bump on any layout change */
#define MATCH_SECTOR_MAX 5          /* "C3290" */

struct match_term {
    uint32_t hash; /* low 32 bits of text_hash() */
    uint32_t str;  /* offset of the NUL-terminated bytes from the start of the doc */
    uint16_t len;  /* bytes */
    uint16_t tf;   /* occurrences, capped at 65535 */
};

struct match_sector {
    char code[MATCH_SECTOR_MAX + 1]; /* NUL-terminated ISIC code */
};

struct match_cc {
    char c[2]; /* ISO 3166-1 country or ISO 639-1 language, as in the profile; not terminated */
};

struct match_item {
    uint8_t type; /* enum coop_type */
    uint8_t is_need;
    uint8_t sectors_inherited; /* the item listed no sector: these are the profile's */
    uint8_t reserved;
    uint16_t index; /* in the profile's offers[] or needs[] */
    uint16_t n_sectors, n_countries;
    uint16_t n_text, n_kw;
    uint16_t reserved2;
    uint32_t sectors, countries; /* offsets of struct match_sector[], struct match_cc[] */
    uint32_t text, kw;           /* offsets of struct match_term[] */
    uint32_t len;                /* tokens of text + keywords: its BM25 document length */
};

struct match_doc {
    uint32_t magic;
    uint32_t size; /* bytes of the whole block */
    uint8_t kind;  /* enum profile_kind */
    char country[2];
    uint8_t reserved;
    uint16_t n_offers, n_needs;
    uint16_t n_langs;
    uint16_t reserved2;
    uint32_t offer_types, need_types;    /* bit (1 << type) per cooperation type present */
    uint32_t items, langs;               /* offsets */
    uint32_t all, n_all;                 /* offset and count of the whole-profile vector */
    uint32_t len;                        /* tokens of the whole profile */
    uint32_t id, id_len, name, name_len; /* offsets of NUL-terminated strings and their bytes */
};

/*
 * Analyse profile p into a new doc (caller owns; match_doc_destroy). p is only read.
 * Returns 0; SM_EINVAL if a text is not UTF-8 (a validated profile never is); SM_ETOOLARGE
 * if the profile is beyond the format (over 65535 items or 4 GiB); -ENOMEM.
 */
int match_doc_build(struct text_analyzer *a, const struct profile *p, struct match_doc **out);

/* Free *pd and set it to NULL; safe on NULL. */
void match_doc_destroy(struct match_doc **pd);

/*
 * Check a stored block (len bytes at buf, any alignment: a built block or a packed one) and copy
 * or expand it into a new doc (caller owns). Returns 0, SM_EBADREQ if the block is not a
 * well-formed doc, or -ENOMEM.
 */
int match_doc_load(const void *buf, size_t len, struct match_doc **out);

/*
 * The packed form (doc_pack.c), what the index stores: each distinct term once, item vectors
 * as references to it; ~35 % smaller than the built block. match_doc_pack returns 0 and a new
 * buffer (caller frees) of *len bytes, or SM_ETOOLARGE when d is beyond the packed format (over
 * 65,536 distinct terms): store the built block then. match_doc_unpack checks every count,
 * offset, string and order and expands the packed bytes to a new built doc (caller owns):
 * 0, SM_EBADREQ if they are not a well-formed packed doc, -ENOMEM. match_doc_load accepts both
 * forms, telling them apart by their magic numbers.
 */
int match_doc_pack(const struct match_doc *d, void **out, size_t *len);
int match_doc_unpack(const void *buf, size_t len, struct match_doc **out);
bool match_doc_is_packed(const void *buf, size_t len);

/*
 * Call cb once per distinct term of the whole profile (the "all" vector) with its count, in
 * vector order; stops at and returns the first non-zero value cb returns. For the index's
 * document frequencies and postings.
 */
int match_doc_foreach_term(const struct match_doc *d,
                           int (*cb)(void *ctx, const char *term, size_t len, uint32_t tf),
                           void *ctx);

/* Accessors: all borrowed from d. */
static inline const void *match_doc_at(const struct match_doc *d, uint32_t off)
{
    return (const char *)d + off;
}
static inline const char *match_doc_id(const struct match_doc *d)
{
    return (const char *)match_doc_at(d, d->id);
}
static inline const char *match_doc_name(const struct match_doc *d)
{
    return (const char *)match_doc_at(d, d->name);
}
static inline uint32_t match_doc_n_items(const struct match_doc *d)
{
    return (uint32_t)d->n_offers + d->n_needs;
}
/* Item i: offers are 0..n_offers-1, needs follow. */
static inline const struct match_item *match_doc_item(const struct match_doc *d, uint32_t i)
{
    return (const struct match_item *)match_doc_at(d, d->items) + i;
}
static inline const struct match_cc *match_doc_langs(const struct match_doc *d)
{
    return (const struct match_cc *)match_doc_at(d, d->langs);
}
static inline const struct match_term *match_doc_all(const struct match_doc *d)
{
    return (const struct match_term *)match_doc_at(d, d->all);
}
static inline const struct match_sector *match_item_sectors(const struct match_doc *d,
                                                            const struct match_item *it)
{
    return (const struct match_sector *)match_doc_at(d, it->sectors);
}
static inline const struct match_cc *match_item_countries(const struct match_doc *d,
                                                          const struct match_item *it)
{
    return (const struct match_cc *)match_doc_at(d, it->countries);
}
static inline const struct match_term *match_item_text(const struct match_doc *d,
                                                       const struct match_item *it)
{
    return (const struct match_term *)match_doc_at(d, it->text);
}
static inline const struct match_term *match_item_kw(const struct match_doc *d,
                                                     const struct match_item *it)
{
    return (const struct match_term *)match_doc_at(d, it->kw);
}
static inline const char *match_term_str(const struct match_doc *d, const struct match_term *t)
{
    return (const char *)match_doc_at(d, t->str);
}

/*
 * What the leads' first stage knows of a candidate without loading it (index.c keeps one per
 * docid in memory): the profile-level inputs of the context score, and enough of its zone and
 * sectors to drop most candidates a zone or sector filter rejects. 32 bytes, no padding holes.
 */
#define MATCH_META_LANGS 5
struct match_meta {
    char country[2];
    uint8_t kind;    /* enum profile_kind */
    uint8_t n_langs; /* of langs[], at most MATCH_META_LANGS */
    uint8_t flags;   /* MATCH_META_* */
    struct match_cc langs[MATCH_META_LANGS]; /* sorted, as in the doc */
    uint8_t reserved;
    uint64_t sectors; /* match_meta_sector_bit of every prefix of every item's sectors */
    uint32_t zone;    /* match_meta_zone of the profile's zone; 0: none */
    uint32_t reserved2;
};
#define MATCH_META_SET 1u        /* the entry describes a doc */
#define MATCH_META_MORE_LANGS 2u /* the profile lists more languages than langs[] holds */

/*
 * d's meta: its country, kind, first MATCH_META_LANGS languages (sorted, as in d) and sector
 * bits. The zone is not in the doc: the caller sets m->zone.
 */
void match_doc_meta(const struct match_doc *d, struct match_meta *m);
/*
 * The bit of an ISIC code's prefix (the first n bytes, 1 to 5) in match_meta.sectors: a doc
 * whose bit is clear has no item sector starting with it; a set bit may be another prefix's.
 */
uint64_t match_meta_sector_bit(const char *prefix, size_t n);
/*
 * A zone's 32-bit hash, case-insensitive (zones compare so), of its first MATCH_ZONE_HASH_MAX
 * bytes; never 0 (no zone).
 */
#define MATCH_ZONE_HASH_MAX 512
uint32_t match_meta_zone(const char *zone, size_t n);

/* Index of term (bytes s, len, hash h = text_hash(s, len)) in a sorted vector, or -1. */
int32_t match_terms_find(const struct match_doc *d, const struct match_term *v, uint32_t n,
                         uint64_t h, const char *s, size_t len);

#endif
