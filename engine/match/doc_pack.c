/*
 * doc_pack.c - the compact stored form of a match_doc; see doc.h ("Packed form").
 *
 * Why: a built doc repeats every item term (hash, string offset, length) although each one is
 * also in the whole-profile vector, and keeps 12 bytes per term where 4 do. Stored like that a
 * doc took 2.6 KB before compression, a quarter of them over LMDB's ~2 KB node limit (whole
 * overflow pages each), and every query candidate paid to decompress and copy it all. The
 * packed form keeps each distinct term once (8 bytes and its string), item vectors as 4-byte
 * references into it, and is expanded back to the built layout when loaded.
 *
 * Layout (host byte order, like the built doc; no alignment needed, everything is copied out):
 *   struct pack_head
 *   struct pack_item[n_items]         the item headers (offsets rebuilt on load)
 *   uint16_t tf[n_all]                the "all" vector's counts (hashes and lengths are
 *                                     recomputed from the strings: they do not compress)
 *   struct pack_ref[sum of n_text + n_kw]   per item its text then keyword terms: index in
 *                                     "all" (strictly increasing: "all" is sorted) and count
 *   struct match_sector[n_sectors]    per item, in item order
 *   struct match_cc[n_ccs]            per item its countries, then the profile's languages
 *   char pool[]                       id NUL name NUL, then every "all" term NUL-terminated
 */
#include "sm.h"

#include "doc.h"

#define PACK_MAGIC 0x31504d53u /* "SMP1" in memory order */

struct pack_head {
    uint32_t magic;
    uint32_t size; /* bytes of the expanded doc */
    uint8_t kind;
    char country[2];
    uint8_t reserved;
    uint16_t n_offers, n_needs, n_langs, reserved2;
    uint32_t n_all, len, id_len, name_len, n_refs, n_sectors, n_ccs, pool_len;
};

struct pack_item {
    uint8_t type, is_need, sectors_inherited, reserved;
    uint16_t index, n_sectors, n_countries, n_text, n_kw, reserved2;
    uint32_t len;
};

struct pack_ref {
    uint16_t idx, tf;
};

/* ---- packing ---- */

/* References of item vector v (n terms of d) into "all", or -1 if one is missing. */
static int refs_of(const struct match_doc *d, const struct match_term *v, uint32_t n,
                   struct pack_ref *out)
{
    const struct match_term *all = match_doc_all(d);
    int32_t prev = -1;

    for (uint32_t i = 0; i < n; i++) {
        const char *s = match_term_str(d, &v[i]);
        int32_t k = match_terms_find(d, all, d->n_all, v[i].hash, s, v[i].len);

        /* Item vectors are sorted as "all" is: the references must increase. */
        if (k < 0 || k <= prev || k > UINT16_MAX)
            return -1;
        out[i] = (struct pack_ref){(uint16_t)k, v[i].tf};
        prev = k;
    }
    return 0;
}

int match_doc_pack(const struct match_doc *d, void **out, size_t *out_len)
{
    const struct match_term *all = match_doc_all(d);
    uint32_t n_items = match_doc_n_items(d), n_refs = 0, n_sectors = 0, n_ccs = d->n_langs;
    uint64_t pool_len = (uint64_t)d->id_len + 1 + d->name_len + 1, size;
    struct pack_head h;
    char *buf, *p;

    *out = NULL;
    *out_len = 0;
    if (d->n_all > (uint32_t)UINT16_MAX + 1)
        return SM_ETOOLARGE;
    for (uint32_t i = 0; i < n_items; i++) {
        const struct match_item *it = match_doc_item(d, i);
        n_refs += (uint32_t)it->n_text + it->n_kw;
        n_sectors += it->n_sectors;
        n_ccs += it->n_countries;
    }
    for (uint32_t i = 0; i < d->n_all; i++) {
        const char *t = match_term_str(d, &all[i]);

        /* Lengths and hashes are rebuilt from the strings on load: they must agree. */
        if (strlen(t) != all[i].len || (uint32_t)text_hash(t, all[i].len) != all[i].hash)
            return SM_ETOOLARGE;
        pool_len += (uint64_t)all[i].len + 1;
    }
    size = sizeof(h) + (uint64_t)n_items * sizeof(struct pack_item) +
           (uint64_t)d->n_all * sizeof(uint16_t) + (uint64_t)n_refs * sizeof(struct pack_ref) +
           (uint64_t)n_sectors * sizeof(struct match_sector) +
           (uint64_t)n_ccs * sizeof(struct match_cc) + pool_len;
    if (size > UINT32_MAX)
        return SM_ETOOLARGE;
    buf = malloc((size_t)size);
    if (!buf)
        return -ENOMEM;

    memset(&h, 0, sizeof(h));
    h.magic = PACK_MAGIC;
    h.size = d->size;
    h.kind = d->kind;
    memcpy(h.country, d->country, 2);
    h.n_offers = d->n_offers;
    h.n_needs = d->n_needs;
    h.n_langs = d->n_langs;
    h.n_all = d->n_all;
    h.len = d->len;
    h.id_len = d->id_len;
    h.name_len = d->name_len;
    h.n_refs = n_refs;
    h.n_sectors = n_sectors;
    h.n_ccs = n_ccs;
    h.pool_len = (uint32_t)pool_len;
    memcpy(buf, &h, sizeof(h));
    p = buf + sizeof(h);

    for (uint32_t i = 0; i < n_items; i++) {
        const struct match_item *it = match_doc_item(d, i);
        struct pack_item pi = {.type = it->type,
                               .is_need = it->is_need,
                               .sectors_inherited = it->sectors_inherited,
                               .index = it->index,
                               .n_sectors = it->n_sectors,
                               .n_countries = it->n_countries,
                               .n_text = it->n_text,
                               .n_kw = it->n_kw,
                               .len = it->len};
        memcpy(p, &pi, sizeof(pi));
        p += sizeof(pi);
    }
    for (uint32_t i = 0; i < d->n_all; i++) {
        memcpy(p, &all[i].tf, sizeof(uint16_t));
        p += sizeof(uint16_t);
    }
    {
        struct pack_ref *refs = malloc(((size_t)n_refs + 1) * sizeof(*refs));
        uint32_t at = 0;
        int bad = 0;

        if (!refs) {
            free(buf);
            return -ENOMEM;
        }
        for (uint32_t i = 0; i < n_items && !bad; i++) {
            const struct match_item *it = match_doc_item(d, i);

            bad = refs_of(d, match_item_text(d, it), it->n_text, refs + at);
            at += it->n_text;
            if (!bad)
                bad = refs_of(d, match_item_kw(d, it), it->n_kw, refs + at);
            at += it->n_kw;
        }
        if (!bad)
            memcpy(p, refs, (size_t)n_refs * sizeof(*refs));
        free(refs);
        if (bad)
            goto unpackable;
        p += (size_t)n_refs * sizeof(struct pack_ref);
    }
    for (uint32_t i = 0; i < n_items; i++) {
        const struct match_item *it = match_doc_item(d, i);
        memcpy(p, match_item_sectors(d, it), it->n_sectors * sizeof(struct match_sector));
        p += it->n_sectors * sizeof(struct match_sector);
    }
    for (uint32_t i = 0; i < n_items; i++) {
        const struct match_item *it = match_doc_item(d, i);
        memcpy(p, match_item_countries(d, it), it->n_countries * sizeof(struct match_cc));
        p += it->n_countries * sizeof(struct match_cc);
    }
    memcpy(p, match_doc_langs(d), d->n_langs * sizeof(struct match_cc));
    p += d->n_langs * sizeof(struct match_cc);
    memcpy(p, match_doc_id(d), (size_t)d->id_len + 1);
    p += d->id_len + 1;
    memcpy(p, match_doc_name(d), (size_t)d->name_len + 1);
    p += d->name_len + 1;
    for (uint32_t i = 0; i < d->n_all; i++) {
        memcpy(p, match_term_str(d, &all[i]), (size_t)all[i].len + 1);
        p += all[i].len + 1;
    }
    *out = buf;
    *out_len = (size_t)(p - buf);
    return 0;
unpackable:
    free(buf);
    return SM_ETOOLARGE;
}

/* ---- expanding ---- */

/* A cursor over the packed bytes: every read is bounds-checked. */
struct rd {
    const char *p;
    size_t left;
};

static bool take(struct rd *r, void *dst, size_t n)
{
    if (n > r->left)
        return false;
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
    return true;
}

static const char *span(struct rd *r, uint64_t n)
{
    const char *s = r->p;

    if (n > r->left)
        return NULL;
    r->p += n;
    r->left -= (size_t)n;
    return s;
}

bool match_doc_is_packed(const void *buf, size_t len)
{
    uint32_t magic;

    if (len < sizeof(magic))
        return false;
    memcpy(&magic, buf, sizeof(magic));
    return magic == PACK_MAGIC;
}

int match_doc_unpack(const void *buf, size_t len, struct match_doc **out)
{
    struct rd r = {buf, len};
    struct pack_head h;
    const char *items_p, *terms_p, *refs_p, *sec_p, *cc_p, *pool;
    uint32_t n_items;
    uint64_t off_items, off_terms, off_sectors, off_ccs, off_pool, size, n_terms;
    struct match_doc *d = NULL;
    struct match_term *terms, *all;
    uint32_t at_ref = 0, at_sec = 0, at_cc = 0, at_term = 0;
    const char *s;

    *out = NULL;
    if (!take(&r, &h, sizeof(h)) || h.magic != PACK_MAGIC || h.kind >= KIND__COUNT)
        return SM_EBADREQ;
    n_items = (uint32_t)h.n_offers + h.n_needs;
    items_p = span(&r, (uint64_t)n_items * sizeof(struct pack_item));
    terms_p = span(&r, (uint64_t)h.n_all * sizeof(uint16_t));
    refs_p = span(&r, (uint64_t)h.n_refs * sizeof(struct pack_ref));
    sec_p = span(&r, (uint64_t)h.n_sectors * sizeof(struct match_sector));
    cc_p = span(&r, (uint64_t)h.n_ccs * sizeof(struct match_cc));
    pool = span(&r, h.pool_len);
    if (!items_p || !terms_p || !refs_p || !sec_p || !cc_p || !pool || r.left != 0 ||
        h.n_langs > h.n_ccs || h.n_all > (uint32_t)UINT16_MAX + 1)
        return SM_EBADREQ;

    /* The built layout (doc.c's layout()): header, items, terms, sectors, ccs, pool. */
    n_terms = (uint64_t)h.n_refs + h.n_all;
    off_items = sizeof(struct match_doc);
    off_terms = off_items + (uint64_t)n_items * sizeof(struct match_item);
    off_sectors = off_terms + n_terms * sizeof(struct match_term);
    off_ccs = off_sectors + (uint64_t)h.n_sectors * sizeof(struct match_sector);
    off_pool = off_ccs + (uint64_t)h.n_ccs * sizeof(struct match_cc);
    size = off_pool + h.pool_len;
    if (size > UINT32_MAX)
        return SM_EBADREQ;
    d = malloc((size_t)size);
    if (!d)
        return -ENOMEM;
    memset(d, 0, sizeof(*d));
    d->magic = MATCH_DOC_MAGIC;
    d->size = (uint32_t)size;
    d->kind = h.kind;
    memcpy(d->country, h.country, 2);
    d->n_offers = h.n_offers;
    d->n_needs = h.n_needs;
    d->n_langs = h.n_langs;
    d->items = (uint32_t)off_items;
    d->all = (uint32_t)(off_terms + (uint64_t)h.n_refs * sizeof(struct match_term));
    d->n_all = h.n_all;
    d->len = h.len;
    d->langs = (uint32_t)(off_ccs + (uint64_t)(h.n_ccs - h.n_langs) * sizeof(struct match_cc));

    /* The pool: id, name, then one string per "all" term of its stated length. */
    memcpy((char *)d + off_pool, pool, h.pool_len);
    s = pool;
    if ((uint64_t)h.id_len + 1 + h.name_len + 1 > h.pool_len || s[h.id_len] != '\0' ||
        s[h.id_len + 1 + h.name_len] != '\0')
        goto bad;
    d->id = (uint32_t)off_pool;
    d->id_len = h.id_len;
    d->name = (uint32_t)(off_pool + h.id_len + 1);
    d->name_len = h.name_len;
    {
        uint64_t o = (uint64_t)h.id_len + 1 + h.name_len + 1;

        all = (struct match_term *)((char *)d + d->all);
        for (uint32_t i = 0; i < h.n_all; i++) {
            const char *t = pool + o;
            const char *nul = memchr(t, '\0', h.pool_len - o);
            uint16_t tf;
            size_t n;

            if (!nul || (n = (size_t)(nul - t)) > UINT16_MAX)
                goto bad;
            memcpy(&tf, terms_p + (size_t)i * sizeof(tf), sizeof(tf));
            all[i] = (struct match_term){(uint32_t)text_hash(t, n), (uint32_t)(off_pool + o),
                                         (uint16_t)n, tf};
            /* Sorted by (hash, bytes), as built: intersections and lookups rely on it. */
            if (i && (all[i].hash < all[i - 1].hash ||
                      (all[i].hash == all[i - 1].hash &&
                       strcmp(t, (const char *)d + all[i - 1].str) <= 0)))
                goto bad;
            o += (uint64_t)n + 1;
        }
        if (o != h.pool_len)
            goto bad;
    }

    terms = (struct match_term *)((char *)d + off_terms);
    for (uint32_t k = 0; k < n_items; k++) {
        struct match_item *it = (struct match_item *)((char *)d + off_items) + k;
        struct pack_item pi;

        memcpy(&pi, items_p + (size_t)k * sizeof(pi), sizeof(pi));
        if (pi.type >= COOP__COUNT || pi.is_need != (k >= h.n_offers) ||
            (uint64_t)at_ref + pi.n_text + pi.n_kw > h.n_refs ||
            (uint64_t)at_sec + pi.n_sectors > h.n_sectors ||
            (uint64_t)at_cc + pi.n_countries > (uint64_t)h.n_ccs - h.n_langs)
            goto bad;
        memset(it, 0, sizeof(*it));
        it->type = pi.type;
        it->is_need = pi.is_need;
        it->sectors_inherited = pi.sectors_inherited;
        it->index = pi.index;
        it->n_sectors = pi.n_sectors;
        it->n_countries = pi.n_countries;
        it->n_text = pi.n_text;
        it->n_kw = pi.n_kw;
        it->len = pi.len;
        it->sectors = (uint32_t)(off_sectors + (uint64_t)at_sec * sizeof(struct match_sector));
        it->countries = (uint32_t)(off_ccs + (uint64_t)at_cc * sizeof(struct match_cc));
        it->text = (uint32_t)(off_terms + (uint64_t)at_term * sizeof(struct match_term));
        it->kw =
            (uint32_t)(off_terms + ((uint64_t)at_term + pi.n_text) * sizeof(struct match_term));
        for (uint32_t w = 0; w < 2; w++) {
            uint32_t n = w ? pi.n_kw : pi.n_text;
            int32_t prev = -1;

            for (uint32_t j = 0; j < n; j++) {
                struct pack_ref pr;

                memcpy(&pr, refs_p + (size_t)at_ref * sizeof(pr), sizeof(pr));
                at_ref++;
                if (pr.idx >= h.n_all || (int32_t)pr.idx <= prev)
                    goto bad;
                prev = pr.idx;
                terms[at_term++] =
                    (struct match_term){all[pr.idx].hash, all[pr.idx].str, all[pr.idx].len, pr.tf};
            }
        }
        at_sec += pi.n_sectors;
        at_cc += pi.n_countries;
        if (it->is_need)
            d->need_types |= 1u << it->type;
        else
            d->offer_types |= 1u << it->type;
    }
    if (at_ref != h.n_refs || at_sec != h.n_sectors || at_cc != h.n_ccs - h.n_langs)
        goto bad;
    memcpy((char *)d + off_sectors, sec_p, (size_t)h.n_sectors * sizeof(struct match_sector));
    for (uint32_t i = 0; i < h.n_sectors; i++)
        if (!memchr(((const struct match_sector *)(const void *)((char *)d + off_sectors))[i].code,
                    '\0', MATCH_SECTOR_MAX + 1))
            goto bad;
    memcpy((char *)d + off_ccs, cc_p, (size_t)h.n_ccs * sizeof(struct match_cc));
    *out = d;
    return 0;
bad:
    free(d);
    return SM_EBADREQ;
}
