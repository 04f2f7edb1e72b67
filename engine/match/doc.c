/* doc.c - build, check and load analysed profiles (struct match_doc); see doc.h. */
#include "sm.h"

#include "doc.h"

_Static_assert(sizeof(struct match_doc) % 4 == 0, "header keeps items 4-aligned");
_Static_assert(sizeof(struct match_item) % 4 == 0, "items keep terms 4-aligned");
_Static_assert(sizeof(struct match_term) == 12, "term layout");
_Static_assert(COOP__COUNT <= 32, "type masks are 32-bit");

struct span {
    uint32_t start, n;
};

/* Everything staged before the block's size is known. Term strings live in intern's pool. */
struct builder {
    struct text_terms intern, tmp, all;
    struct match_term *terms;
    uint32_t n_terms, cap_terms;
    struct match_sector *sectors;
    uint32_t n_sectors, cap_sectors;
    struct match_cc *ccs;
    uint32_t n_ccs, cap_ccs;
    struct match_item *items;
    struct span *text, *kw; /* per item */
    struct span all_span;
    uint32_t id, name; /* offsets in intern's pool */
};

static int grow(void **v, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    uint32_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > UINT32_MAX / 2)
            return SM_ETOOLARGE;
        c *= 2;
    }
    void *p = realloc(*v, (size_t)c * size);
    if (!p)
        return -ENOMEM;
    *v = p;
    *cap = c;
    return 0;
}

/* Intern s and return its pool offset, or a negative error. */
static int64_t intern(struct builder *b, const char *s, size_t len)
{
    int idx = text_terms_add(&b->intern, s, len, 1, false);
    return idx < 0 ? idx : (int64_t)b->intern.v[idx].off;
}

/* Stage the terms of bag t as one vector. */
static int stage_vec(struct builder *b, const struct text_terms *t, struct span *sp)
{
    int rc;

    if ((rc = grow((void **)&b->terms, &b->cap_terms, b->n_terms + t->n, sizeof(*b->terms))))
        return rc;
    sp->start = b->n_terms;
    sp->n = t->n;
    for (uint32_t i = 0; i < t->n; i++) {
        const struct text_term *x = &t->v[i];
        int64_t off = intern(b, text_terms_str(t, x), x->len);
        if (off < 0)
            return (int)off;
        b->terms[b->n_terms++] =
            (struct match_term){(uint32_t)x->hash, (uint32_t)off, (uint16_t)x->len,
                                (uint16_t)SM_MIN(x->tf, UINT16_MAX)};
    }
    return 0;
}

/* Add bag t to the whole-profile bag; "kw:" phrases are not tokens. */
static int add_to_all(struct builder *b, const struct text_terms *t)
{
    size_t pl = strlen(TEXT_KW_PREFIX);

    for (uint32_t i = 0; i < t->n; i++) {
        const struct text_term *x = &t->v[i];
        const char *s = text_terms_str(t, x);
        bool phrase = x->len > pl && !memcmp(s, TEXT_KW_PREFIX, pl);
        int rc = text_terms_add(&b->all, s, x->len, x->tf, !phrase);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int stage_sectors(struct builder *b, const struct strlist *l, uint16_t *n)
{
    int rc;

    if ((rc =
             grow((void **)&b->sectors, &b->cap_sectors, b->n_sectors + l->n, sizeof(*b->sectors))))
        return rc;
    *n = 0;
    for (uint32_t i = 0; i < l->n; i++) {
        size_t len = l->v[i] ? strlen(l->v[i]) : 0;
        if (len == 0 || len > MATCH_SECTOR_MAX)
            continue; /* cannot happen for a validated profile */
        struct match_sector *s = &b->sectors[b->n_sectors++];
        memset(s, 0, sizeof(*s));
        memcpy(s->code, l->v[i], len);
        (*n)++;
    }
    return 0;
}

static int stage_ccs(struct builder *b, const struct strlist *l, uint16_t *n)
{
    int rc;

    if ((rc = grow((void **)&b->ccs, &b->cap_ccs, b->n_ccs + l->n, sizeof(*b->ccs))))
        return rc;
    *n = 0;
    for (uint32_t i = 0; i < l->n; i++) {
        if (!l->v[i] || strlen(l->v[i]) != 2)
            continue;
        memcpy(b->ccs[b->n_ccs++].c, l->v[i], 2);
        (*n)++;
    }
    return 0;
}

static int cmp_cc(const void *x, const void *y)
{
    return memcmp(x, y, 2);
}

static int stage_item(struct builder *b, struct text_analyzer *a, const struct profile *p,
                      const struct coop_item *src, bool need, uint32_t index, uint32_t k)
{
    struct match_item *it = &b->items[k];
    const struct strlist *sectors = src->sectors.n ? &src->sectors : &p->sectors;
    int rc;

    if ((unsigned)src->type >= COOP__COUNT)
        return SM_EINVAL; /* cannot happen for a validated profile */
    if (sectors->n > UINT16_MAX || src->countries.n > UINT16_MAX)
        return SM_ETOOLARGE;
    memset(it, 0, sizeof(*it));
    it->type = (uint8_t)src->type;
    it->is_need = need;
    it->index = (uint16_t)index;
    it->sectors_inherited = !src->sectors.n && p->sectors.n;
    it->sectors = b->n_sectors; /* staged indices; made offsets at layout */
    if ((rc = stage_sectors(b, sectors, &it->n_sectors)))
        return rc;
    it->countries = b->n_ccs;
    if ((rc = stage_ccs(b, &src->countries, &it->n_countries)))
        return rc;

    text_terms_reset(&b->tmp);
    if (src->text && (rc = text_analyze(a, src->text, strlen(src->text), &b->tmp)))
        return rc;
    it->len = b->tmp.n_tokens;
    if ((rc = stage_vec(b, &b->tmp, &b->text[k])) || (rc = add_to_all(b, &b->tmp)))
        return rc;

    text_terms_reset(&b->tmp);
    for (uint32_t i = 0; i < src->keywords.n; i++) {
        const char *kw = src->keywords.v[i];
        if (kw && (rc = text_analyze_keyword(a, kw, strlen(kw), &b->tmp)))
            return rc;
    }
    it->len += b->tmp.n_tokens;
    if ((rc = stage_vec(b, &b->tmp, &b->kw[k])) || (rc = add_to_all(b, &b->tmp)))
        return rc;
    return 0;
}

struct sort_entry {
    struct match_term t;
    const char *s;
};

static inline int cmp_entry(const struct sort_entry *a, const struct sort_entry *b)
{
    if (a->t.hash != b->t.hash)
        return a->t.hash < b->t.hash ? -1 : 1;
    int c = memcmp(a->s, b->s, SM_MIN(a->t.len, b->t.len));
    if (c)
        return c;
    return a->t.len < b->t.len ? -1 : a->t.len > b->t.len;
}

/*
 * Quicksort with an inlined comparison, insertion sort below 16 entries: vectors are short
 * and sorted for every profile written, where qsort's indirect calls showed in profiles.
 * Entries are distinct, so the order is total and the result unique.
 */
static void sort_entries(struct sort_entry *e, size_t n)
{
    while (n > 16) {
        size_t mid = n / 2, i = 0, j = n - 1;
        struct sort_entry pivot, tmp;

        /* Median of three as the pivot. */
        if (cmp_entry(&e[mid], &e[0]) < 0)
            tmp = e[mid], e[mid] = e[0], e[0] = tmp;
        if (cmp_entry(&e[n - 1], &e[0]) < 0)
            tmp = e[n - 1], e[n - 1] = e[0], e[0] = tmp;
        if (cmp_entry(&e[n - 1], &e[mid]) < 0)
            tmp = e[n - 1], e[n - 1] = e[mid], e[mid] = tmp;
        pivot = e[mid];
        for (;;) {
            while (cmp_entry(&e[i], &pivot) < 0)
                i++;
            while (cmp_entry(&pivot, &e[j]) < 0)
                j--;
            if (i >= j)
                break;
            tmp = e[i], e[i] = e[j], e[j] = tmp;
            i++;
            j--;
        }
        /* Recurse into the smaller part, loop on the larger: O(log n) stack. */
        if (j + 1 < n - j - 1) {
            sort_entries(e, j + 1);
            e += j + 1;
            n -= j + 1;
        } else {
            sort_entries(e + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) {
        struct sort_entry x = e[i];
        size_t k = i;
        while (k > 0 && cmp_entry(&x, &e[k - 1]) < 0) {
            e[k] = e[k - 1];
            k--;
        }
        e[k] = x;
    }
}

/* Sort the span's terms by (hash, bytes) and write them at dst, strings rebased to pool_off. */
static int emit_vec(const struct builder *b, struct span sp, struct match_term *dst,
                    uint32_t pool_off)
{
    struct sort_entry *e;

    if (!sp.n)
        return 0;
    e = malloc(sp.n * sizeof(*e));
    if (!e)
        return -ENOMEM;
    for (uint32_t i = 0; i < sp.n; i++) {
        e[i].t = b->terms[sp.start + i];
        e[i].s = b->intern.pool + e[i].t.str;
    }
    sort_entries(e, sp.n);
    for (uint32_t i = 0; i < sp.n; i++) {
        dst[i] = e[i].t;
        dst[i].str += pool_off;
    }
    free(e);
    return 0;
}

static void builder_release(struct builder *b)
{
    text_terms_release(&b->intern);
    text_terms_release(&b->tmp);
    text_terms_release(&b->all);
    free(b->terms);
    free(b->sectors);
    free(b->ccs);
    free(b->items);
    free(b->text);
    free(b->kw);
}

static int layout(struct builder *b, const struct profile *p, uint16_t n_langs, uint32_t langs_at,
                  struct match_doc **out)
{
    uint32_t n_items = p->n_offers + p->n_needs;
    uint64_t off_items = sizeof(struct match_doc);
    uint64_t off_terms = off_items + (uint64_t)n_items * sizeof(struct match_item);
    uint64_t off_sectors = off_terms + (uint64_t)b->n_terms * sizeof(struct match_term);
    uint64_t off_ccs = off_sectors + (uint64_t)b->n_sectors * sizeof(struct match_sector);
    uint64_t off_pool = off_ccs + (uint64_t)b->n_ccs * sizeof(struct match_cc);
    uint64_t size = off_pool + b->intern.pool_len;
    struct match_doc *d;
    struct match_term *terms;
    int rc;

    if (size > UINT32_MAX)
        return SM_ETOOLARGE;
    d = calloc(1, (size_t)size);
    if (!d)
        return -ENOMEM;
    d->magic = MATCH_DOC_MAGIC;
    d->size = (uint32_t)size;
    d->kind = (uint8_t)p->kind;
    if (p->country && strlen(p->country) == 2)
        memcpy(d->country, p->country, 2);
    d->n_offers = (uint16_t)p->n_offers;
    d->n_needs = (uint16_t)p->n_needs;
    d->n_langs = n_langs;
    d->items = (uint32_t)off_items;
    d->langs = (uint32_t)(off_ccs + langs_at * sizeof(struct match_cc));
    d->all = (uint32_t)(off_terms + b->all_span.start * sizeof(struct match_term));
    d->n_all = b->all_span.n;
    d->len = b->all.n_tokens;
    d->id = (uint32_t)off_pool + b->id;
    d->id_len = p->id ? (uint32_t)strlen(p->id) : 0;
    d->name = (uint32_t)off_pool + b->name;
    d->name_len = p->name ? (uint32_t)strlen(p->name) : 0;

    terms = (struct match_term *)((char *)d + off_terms);
    rc = SM_ETOOLARGE;
    for (uint32_t k = 0; k < n_items; k++)
        if (b->text[k].n > UINT16_MAX || b->kw[k].n > UINT16_MAX)
            goto fail;
    for (uint32_t k = 0; k < n_items; k++) {
        struct match_item *it = (struct match_item *)((char *)d + off_items) + k;
        *it = b->items[k];
        it->sectors = (uint32_t)(off_sectors + it->sectors * sizeof(struct match_sector));
        it->countries = (uint32_t)(off_ccs + it->countries * sizeof(struct match_cc));
        it->text = (uint32_t)(off_terms + b->text[k].start * sizeof(struct match_term));
        it->n_text = (uint16_t)b->text[k].n;
        it->kw = (uint32_t)(off_terms + b->kw[k].start * sizeof(struct match_term));
        it->n_kw = (uint16_t)b->kw[k].n;
        if ((rc = emit_vec(b, b->text[k], terms + b->text[k].start, (uint32_t)off_pool)) ||
            (rc = emit_vec(b, b->kw[k], terms + b->kw[k].start, (uint32_t)off_pool)))
            goto fail;
        if (it->is_need)
            d->need_types |= 1u << it->type;
        else
            d->offer_types |= 1u << it->type;
    }
    if ((rc = emit_vec(b, b->all_span, terms + b->all_span.start, (uint32_t)off_pool)))
        goto fail;
    if (b->n_sectors)
        memcpy((char *)d + off_sectors, b->sectors, b->n_sectors * sizeof(struct match_sector));
    if (b->n_ccs)
        memcpy((char *)d + off_ccs, b->ccs, b->n_ccs * sizeof(struct match_cc));
    memcpy((char *)d + off_pool, b->intern.pool, b->intern.pool_len);
    *out = d;
    return 0;
fail:
    free(d);
    return rc;
}

int match_doc_build(struct text_analyzer *a, const struct profile *p, struct match_doc **out)
{
    struct builder b;
    uint32_t n_items = p->n_offers + p->n_needs;
    uint32_t langs_at;
    uint16_t n_langs = 0;
    int64_t off;
    int rc;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    if (n_items > UINT16_MAX || p->n_offers > UINT16_MAX || p->languages.n > UINT16_MAX)
        return SM_ETOOLARGE;
    b.items = calloc(n_items + 1, sizeof(*b.items));
    b.text = calloc(n_items + 1, sizeof(*b.text));
    b.kw = calloc(n_items + 1, sizeof(*b.kw));
    rc = -ENOMEM;
    if (!b.items || !b.text || !b.kw)
        goto out;

    /* The id and name first, so they sit at the start of the pool. */
    off = intern(&b, p->id ? p->id : "", p->id ? strlen(p->id) : 0);
    if (off < 0) {
        rc = (int)off;
        goto out;
    }
    b.id = (uint32_t)off;
    off = intern(&b, p->name ? p->name : "", p->name ? strlen(p->name) : 0);
    if (off < 0) {
        rc = (int)off;
        goto out;
    }
    b.name = (uint32_t)off;

    for (uint32_t i = 0; i < p->n_offers; i++)
        if ((rc = stage_item(&b, a, p, &p->offers[i], false, i, i)))
            goto out;
    for (uint32_t i = 0; i < p->n_needs; i++)
        if ((rc = stage_item(&b, a, p, &p->needs[i], true, i, p->n_offers + i)))
            goto out;
    if ((p->name && (rc = text_analyze(a, p->name, strlen(p->name), &b.all))) ||
        (p->description && (rc = text_analyze(a, p->description, strlen(p->description), &b.all))))
        goto out;
    if ((rc = stage_vec(&b, &b.all, &b.all_span)))
        goto out;

    langs_at = b.n_ccs;
    if ((rc = stage_ccs(&b, &p->languages, &n_langs)))
        goto out;
    if (n_langs > 1)
        qsort(b.ccs + langs_at, n_langs, sizeof(*b.ccs), cmp_cc);
    {
        /* Drop duplicate languages so intersections count each once. */
        uint16_t w = 0;
        for (uint16_t i = 0; i < n_langs; i++)
            if (!w || memcmp(b.ccs[langs_at + w - 1].c, b.ccs[langs_at + i].c, 2))
                b.ccs[langs_at + w++] = b.ccs[langs_at + i];
        b.n_ccs -= n_langs - w;
        n_langs = w;
    }
    rc = layout(&b, p, n_langs, langs_at, out);
out:
    builder_release(&b);
    return rc;
}

void match_doc_destroy(struct match_doc **pd)
{
    if (!pd || !*pd)
        return;
    free(*pd);
    *pd = NULL;
}

/* ---- checking a stored block ---- */

static bool in_bounds(const struct match_doc *d, uint64_t off, uint64_t n, uint64_t size,
                      uint64_t align)
{
    return off % align == 0 && off <= d->size && n * size <= d->size - off;
}

static bool cstr_ok(const struct match_doc *d, uint64_t off, uint64_t len)
{
    return off <= d->size && len < d->size - off && ((const char *)d)[off + len] == '\0';
}

static bool vec_ok(const struct match_doc *d, uint32_t off, uint32_t n)
{
    const struct match_term *v = (const struct match_term *)match_doc_at(d, off);

    if (!n)
        return true;
    if (!in_bounds(d, off, n, sizeof(*v), 4))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        if (!cstr_ok(d, v[i].str, v[i].len))
            return false;
        if (i && v[i].hash < v[i - 1].hash)
            return false;
    }
    return true;
}

int match_doc_load(const void *buf, size_t len, struct match_doc **out)
{
    struct match_doc *d;

    *out = NULL;
    if (match_doc_is_packed(buf, len))
        return match_doc_unpack(buf, len, out);
    if (len < sizeof(struct match_doc) || len > UINT32_MAX)
        return SM_EBADREQ;
    d = malloc(len);
    if (!d)
        return -ENOMEM;
    memcpy(d, buf, len);
    if (d->magic != MATCH_DOC_MAGIC || d->size != len || d->kind >= KIND__COUNT)
        goto bad;
    if (!in_bounds(d, d->items, match_doc_n_items(d), sizeof(struct match_item), 4) ||
        !in_bounds(d, d->langs, d->n_langs, sizeof(struct match_cc), 1) ||
        !vec_ok(d, d->all, d->n_all) || !cstr_ok(d, d->id, d->id_len) ||
        !cstr_ok(d, d->name, d->name_len))
        goto bad;
    for (uint32_t k = 0; k < match_doc_n_items(d); k++) {
        const struct match_item *it = match_doc_item(d, k);
        const struct match_sector *s = match_item_sectors(d, it);
        if (it->type >= COOP__COUNT || it->is_need != (k >= d->n_offers))
            goto bad;
        if (!in_bounds(d, it->sectors, it->n_sectors, sizeof(*s), 1) ||
            !in_bounds(d, it->countries, it->n_countries, sizeof(struct match_cc), 1) ||
            !vec_ok(d, it->text, it->n_text) || !vec_ok(d, it->kw, it->n_kw))
            goto bad;
        for (uint32_t i = 0; i < it->n_sectors; i++)
            if (!memchr(s[i].code, '\0', sizeof(s[i].code)))
                goto bad;
    }
    *out = d;
    return 0;
bad:
    free(d);
    return SM_EBADREQ;
}

int match_doc_foreach_term(const struct match_doc *d,
                           int (*cb)(void *ctx, const char *term, size_t len, uint32_t tf),
                           void *ctx)
{
    const struct match_term *v = match_doc_all(d);

    for (uint32_t i = 0; i < d->n_all; i++) {
        int rc = cb(ctx, match_term_str(d, &v[i]), v[i].len, v[i].tf);
        if (rc)
            return rc;
    }
    return 0;
}

int32_t match_terms_find(const struct match_doc *d, const struct match_term *v, uint32_t n,
                         uint64_t h, const char *s, size_t len)
{
    uint32_t h32 = (uint32_t)h, lo = 0, hi = n;

    /* The first term with hash >= h32, then the (rare) run of equal hashes. */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v[mid].hash < h32)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < n && v[lo].hash == h32; lo++)
        if (v[lo].len == len && !memcmp(match_term_str(d, &v[lo]), s, len))
            return (int32_t)lo;
    return -1;
}

uint64_t match_meta_sector_bit(const char *prefix, size_t n)
{
    return 1ull << (text_hash(prefix, n) & 63);
}

uint32_t match_meta_zone(const char *zone, size_t n)
{
    char low[MATCH_ZONE_HASH_MAX];
    uint32_t h;

    n = SM_MIN(n, sizeof(low));
    for (size_t i = 0; i < n; i++)
        low[i] = zone[i] >= 'A' && zone[i] <= 'Z' ? (char)(zone[i] - 'A' + 'a') : zone[i];
    h = (uint32_t)text_hash(low, n);
    return h ? h : 1;
}

void match_doc_meta(const struct match_doc *d, struct match_meta *m)
{
    const struct match_cc *l = match_doc_langs(d);

    _Static_assert(sizeof(struct match_meta) == 32, "four 64-bit words: docmeta.c stores it so");
    memset(m, 0, sizeof(*m));
    memcpy(m->country, d->country, 2);
    m->kind = d->kind;
    m->flags = MATCH_META_SET;
    m->n_langs = (uint8_t)SM_MIN(d->n_langs, MATCH_META_LANGS);
    if (d->n_langs > MATCH_META_LANGS)
        m->flags |= MATCH_META_MORE_LANGS;
    for (uint32_t i = 0; i < m->n_langs; i++)
        m->langs[i] = l[i];
    for (uint32_t i = 0; i < match_doc_n_items(d); i++) {
        const struct match_item *it = match_doc_item(d, i);
        const struct match_sector *sec = match_item_sectors(d, it);

        for (uint32_t j = 0; j < it->n_sectors; j++) {
            size_t n = strnlen(sec[j].code, MATCH_SECTOR_MAX);

            for (size_t k = 1; k <= n; k++)
                m->sectors |= match_meta_sector_bit(sec[j].code, k);
        }
    }
}
