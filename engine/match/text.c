/* text.c - the text analyser: Unicode folding, words, stemming, CJK bigrams; see text.h. */
#include "sm.h"

#include "text.h"

#include <endian.h>

#include <limits.h>
#include <sys/types.h>

#include <libstemmer.h>
#include <utf8proc.h>

/*
 * Stemming is most of the analyser's time, and business text repeats its words: a small
 * direct-mapped cache of word -> stem (or "dropped") per analyser saves most stemmer calls.
 * It changes only speed, never output.
 */
#define STEM_CACHE 2048    /* entries, a power of two */
#define STEM_CACHE_WORD 24 /* longer words are not cached */

struct stem_entry {
    uint64_t hash;
    uint8_t wlen; /* 0: empty */
    uint8_t slen; /* 0: the word is dropped (stop word, single letter) */
    char w[STEM_CACHE_WORD];
    char s[STEM_CACHE_WORD];
};

struct text_analyzer {
    struct stem_entry cache[STEM_CACHE];
    struct sb_stemmer *stemmer;
    int32_t *cp; /* folded code points of the text being analysed */
    size_t cp_cap;
    char *word; /* UTF-8 of the word or CJK run being emitted */
    size_t word_cap;
    /* Keyword mode: the words of the phrase so far, and how many terms the keyword gave. */
    char phrase[TEXT_PHRASE_MAX + 1];
    size_t phrase_len;
    bool phrase_on, phrase_overflow;
    uint32_t phrase_terms;
};

/*
 * English stop words (Snowball's list without contractions), sorted for bsearch. "it" and "us"
 * are left out on purpose: after case folding they are also "IT" and "US", which matter in
 * business text; their low idf keeps the pronouns cheap anyway.
 */
/* clang-format off */
static const char *const stopwords[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few",
    "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "its", "itself",
    "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "of", "off", "on", "once",
    "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "same",
    "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too",
    "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself",
    "yourselves",
};
/* clang-format on */

struct word_key {
    const char *s;
    size_t n;
};

static int cmp_stopword(const void *k, const void *e)
{
    const struct word_key *key = k;
    const char *w = *(const char *const *)e;
    size_t wn = strlen(w);
    int c = memcmp(key->s, w, SM_MIN(key->n, wn));

    if (c)
        return c;
    return key->n < wn ? -1 : key->n > wn;
}

bool text_is_stopword(const char *word, size_t n)
{
    struct word_key key = {word, n};

    if (n == 0 || n > 10)
        return false;
    return bsearch(&key, stopwords, SM_ARRAY_SIZE(stopwords), sizeof(stopwords[0]), cmp_stopword) !=
           NULL;
}

static inline uint64_t mix64(uint64_t h)
{
    /* The splitmix64 finaliser: every input bit reaches every output bit. */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

uint64_t text_hash(const char *s, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)len * 0xff51afd7ed558ccdull);
    uint64_t v;

    /* Eight bytes at a time (terms are short); the host's byte order, like the docs. */
    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&v, s, 8);
        h = mix64(h ^ v);
    }
    if (len) {
        /*
         * The tail's 1-7 bytes as memcpy into a zeroed word would load them (the value is part
         * of the stored index: it must not change), without a call: two overlapping loads.
         */
        const unsigned char *u = (const unsigned char *)s;

        if (len >= 4) {
            uint32_t lo, hi;

            memcpy(&lo, u, 4);
            memcpy(&hi, u + len - 4, 4);
            v = le32toh(lo) | (uint64_t)le32toh(hi) << (8 * (len - 4));
        } else {
            v = (uint64_t)u[0] | (uint64_t)u[len / 2] << (8 * (len / 2)) |
                (uint64_t)u[len - 1] << (8 * (len - 1));
        }
        v = le64toh(v);
        h = mix64(h ^ v ^ 0x5555555555555555ull);
    }
    return mix64(h);
}

/* ---- bags of terms ---- */

void text_terms_init(struct text_terms *t)
{
    memset(t, 0, sizeof(*t));
}

void text_terms_release(struct text_terms *t)
{
    free(t->v);
    free(t->pool);
    free(t->slots);
    text_terms_init(t);
}

void text_terms_reset(struct text_terms *t)
{
    t->n = 0;
    t->n_tokens = 0;
    t->pool_len = 0;
    if (t->slots)
        memset(t->slots, 0, t->n_slots * sizeof(*t->slots));
}

static int grow_slots(struct text_terms *t)
{
    uint32_t n = t->n_slots ? t->n_slots * 2 : 64;
    uint32_t *slots = calloc(n, sizeof(*slots));

    if (!slots)
        return -ENOMEM;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t j = (uint32_t)t->v[i].hash & (n - 1);
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n;
    return 0;
}

/* The slot holding the term, or the empty slot where it would go. */
static uint32_t find_slot(const struct text_terms *t, uint64_t h, const char *s, size_t len)
{
    uint32_t mask = t->n_slots - 1;
    uint32_t j = (uint32_t)h & mask;

    for (;;) {
        uint32_t k = t->slots[j];
        if (!k)
            return j;
        const struct text_term *x = &t->v[k - 1];
        if (x->hash == h && x->len == len && !memcmp(t->pool + x->off, s, len))
            return j;
        j = (j + 1) & mask;
    }
}

int32_t text_terms_find(const struct text_terms *t, const char *s, size_t len)
{
    if (!t->n_slots)
        return -1;
    uint32_t k = t->slots[find_slot(t, text_hash(s, len), s, len)];
    return k ? (int32_t)(k - 1) : -1;
}

int text_terms_add(struct text_terms *t, const char *s, size_t len, uint32_t tf, bool as_token)
{
    uint64_t h = text_hash(s, len);
    uint32_t j;
    int rc;

    if (len > UINT32_MAX / 2)
        return SM_ETOOLARGE;
    if ((t->n + 1) * 2 > t->n_slots && (rc = grow_slots(t)) < 0)
        return rc;
    j = find_slot(t, h, s, len);
    if (t->slots[j]) {
        t->v[t->slots[j] - 1].tf += tf;
    } else {
        if (t->n == t->cap) {
            uint32_t cap = t->cap ? t->cap * 2 : 32;
            struct text_term *v = realloc(t->v, cap * sizeof(*v));
            if (!v)
                return -ENOMEM;
            t->v = v;
            t->cap = cap;
        }
        if (t->pool_len + len + 1 > t->pool_cap) {
            size_t cap = t->pool_cap ? t->pool_cap * 2 : 512;
            while (cap < t->pool_len + len + 1)
                cap *= 2;
            char *pool = realloc(t->pool, cap);
            if (!pool)
                return -ENOMEM;
            t->pool = pool;
            t->pool_cap = cap;
        }
        memcpy(t->pool + t->pool_len, s, len);
        t->pool[t->pool_len + len] = '\0';
        t->v[t->n] = (struct text_term){h, (uint32_t)t->pool_len, (uint32_t)len, tf};
        t->pool_len += len + 1;
        t->slots[j] = ++t->n;
    }
    if (as_token)
        t->n_tokens += tf;
    return (int)(t->slots[j] - 1);
}

/* ---- the analyser ---- */

int text_analyzer_new(struct text_analyzer **out)
{
    struct text_analyzer *a = calloc(1, sizeof(*a));

    *out = NULL;
    if (!a)
        return -ENOMEM;
    a->stemmer = sb_stemmer_new("english", NULL);
    if (!a->stemmer) {
        free(a);
        return -ENOMEM;
    }
    *out = a;
    return 0;
}

void text_analyzer_destroy(struct text_analyzer **pa)
{
    struct text_analyzer *a = pa ? *pa : NULL;

    if (!a)
        return;
    sb_stemmer_delete(a->stemmer);
    free(a->cp);
    free(a->word);
    free(a);
    *pa = NULL;
}

static int reserve_cp(struct text_analyzer *a, size_t n)
{
    if (n <= a->cp_cap)
        return 0;
    size_t cap = a->cp_cap ? a->cp_cap : 256;
    while (cap < n)
        cap *= 2;
    int32_t *cp = realloc(a->cp, cap * sizeof(*cp));
    if (!cp)
        return -ENOMEM;
    a->cp = cp;
    a->cp_cap = cap;
    return 0;
}

static int reserve_word(struct text_analyzer *a, size_t n)
{
    if (n <= a->word_cap)
        return 0;
    size_t cap = a->word_cap ? a->word_cap : 256;
    while (cap < n)
        cap *= 2;
    char *w = realloc(a->word, cap);
    if (!w)
        return -ENOMEM;
    a->word = w;
    a->word_cap = cap;
    return 0;
}

static int map_utf8proc_error(ssize_t r)
{
    switch (r) {
    case UTF8PROC_ERROR_NOMEM:
        return -ENOMEM;
    case UTF8PROC_ERROR_OVERFLOW:
        return SM_ETOOLARGE;
    default:
        return SM_EINVAL;
    }
}

/*
 * Fold s into a->cp (NFKD_Casefold, Latin/Greek/Cyrillic accents dropped, NFC) and return the
 * number of code points, or an error. Plain ASCII, the common case, only needs lower-casing.
 */
static ssize_t fold(struct text_analyzer *a, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    const utf8proc_option_t opts =
        UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE;
    ssize_t r, k = 0;
    size_t i;
    int rc;

    for (i = 0; i < n && u[i] < 0x80; i++)
        ;
    if (i == n) {
        if ((rc = reserve_cp(a, n)) < 0)
            return rc;
        for (i = 0; i < n; i++)
            a->cp[i] = (u[i] >= 'A' && u[i] <= 'Z') ? u[i] + 32 : u[i];
        return (ssize_t)n;
    }
    if (n > (size_t)SSIZE_MAX / 4)
        return SM_ETOOLARGE;
    if ((rc = reserve_cp(a, n + 16)) < 0)
        return rc;
    /*
     * Chinese text with ASCII is the other common case: ideographs and CJK punctuation are
     * their own NFKC case fold (U+302A..302F are marks, U+3036..303A have compatibility
     * mappings: left out), and full-width ASCII folds to ASCII, so such text needs no table
     * lookups. The first other code point sends the whole text the long way.
     */
    for (i = 0; i < n;) {
        int32_t c;
        r = utf8proc_iterate(u + i, (utf8proc_ssize_t)(n - i), &c);
        if (r < 0)
            return SM_EINVAL;
        if (c >= 0xff01 && c <= 0xff5e)
            c -= 0xfee0;
        if (c < 0x80)
            c = (c >= 'A' && c <= 'Z') ? c + 32 : c;
        else if (!((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) ||
                   (c >= 0x3000 && c <= 0x3029) || (c >= 0x3030 && c <= 0x3035) ||
                   (c >= 0x303b && c <= 0x303f)))
            break;
        a->cp[k++] = c;
        i += (size_t)r;
    }
    if (i == n)
        return k;
    k = 0;
    r = utf8proc_decompose(u, (utf8proc_ssize_t)n, a->cp, (utf8proc_ssize_t)a->cp_cap, opts);
    if (r >= 0 && (size_t)r > a->cp_cap) {
        if ((rc = reserve_cp(a, (size_t)r)) < 0)
            return rc;
        r = utf8proc_decompose(u, (utf8proc_ssize_t)n, a->cp, (utf8proc_ssize_t)a->cp_cap, opts);
    }
    if (r < 0)
        return map_utf8proc_error(r);
    for (ssize_t j = 0; j < r; j++)
        if (a->cp[j] < 0x300 || a->cp[j] > 0x36f)
            a->cp[k++] = a->cp[j];
    r = utf8proc_normalize_utf32(a->cp, k, UTF8PROC_COMPOSE);
    if (r < 0)
        return map_utf8proc_error(r);
    return r;
}

static bool is_cjk(int32_t c)
{
    /* clang-format off */
    return (c >= 0x1100 && c <= 0x11ff) ||   /* Hangul Jamo */
           (c >= 0x3005 && c <= 0x3007) ||   /* 々 〆 〇 */
           (c >= 0x3040 && c <= 0x30ff) ||   /* Hiragana, Katakana */
           (c >= 0x3130 && c <= 0x318f) ||   /* Hangul compatibility Jamo */
           (c >= 0x31f0 && c <= 0x31ff) ||   /* Katakana phonetic extensions */
           (c >= 0x3400 && c <= 0x4dbf) ||   /* CJK extension A */
           (c >= 0x4e00 && c <= 0x9fff) ||   /* CJK unified ideographs */
           (c >= 0xa960 && c <= 0xa97f) ||   /* Hangul Jamo extended A */
           (c >= 0xac00 && c <= 0xd7ff) ||   /* Hangul syllables, Jamo extended B */
           (c >= 0xf900 && c <= 0xfaff) ||   /* CJK compatibility ideographs */
           (c >= 0x20000 && c <= 0x3134f);   /* CJK extensions B..G */
    /* clang-format on */
}

/* Chinese function characters that separate like a space (的 了 和 与 及 或 之). */
static bool is_cjk_stop(int32_t c)
{
    return c == 0x7684 || c == 0x4e86 || c == 0x548c || c == 0x4e0e || c == 0x53ca || c == 0x6216 ||
           c == 0x4e4b;
}

enum { C_SEP, C_WORD, C_CJK };

static int classify(int32_t c)
{
    if (c < 0x80)
        return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) ? C_WORD
                                                                                            : C_SEP;
    if (is_cjk(c))
        return is_cjk_stop(c) ? C_SEP : C_CJK;
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return C_WORD;
    default:
        return C_SEP;
    }
}

/* UTF-8 of k code points into a->word; returns the byte length or -ENOMEM. */
static ssize_t encode(struct text_analyzer *a, const int32_t *cp, size_t k)
{
    size_t len = 0;
    int rc;

    if ((rc = reserve_word(a, k * 4 + 1)) < 0)
        return rc;
    for (size_t i = 0; i < k; i++)
        len += (size_t)utf8proc_encode_char(cp[i], (utf8proc_uint8_t *)a->word + len);
    a->word[len] = '\0';
    return (ssize_t)len;
}

static void phrase_append(struct text_analyzer *a, const char *s, size_t len)
{
    size_t need = len + (a->phrase_len ? 1 : 0);

    if (!a->phrase_on || a->phrase_overflow)
        return;
    if (a->phrase_len + need > TEXT_PHRASE_MAX - strlen(TEXT_KW_PREFIX)) {
        a->phrase_overflow = true;
        return;
    }
    if (a->phrase_len)
        a->phrase[a->phrase_len++] = ' ';
    memcpy(a->phrase + a->phrase_len, s, len);
    a->phrase_len += len;
}

static int add_term(struct text_analyzer *a, struct text_terms *out, const char *s, size_t len)
{
    a->phrase_terms++;
    return text_terms_add(out, s, len, 1, true);
}

static bool is_latin_letter(int32_t c)
{
    return (c < 0x250 && !(c >= '0' && c <= '9')) || (c >= 0x1e00 && c <= 0x1eff);
}

static int emit_word(struct text_analyzer *a, const int32_t *cp, size_t k, struct text_terms *out)
{
    bool ascii = true, digit = false, latin = true;
    const char *term;
    ssize_t len;
    int rc;

    for (size_t i = 0; i < k; i++) {
        if (cp[i] >= 0x80)
            ascii = false;
        if (cp[i] >= '0' && cp[i] <= '9')
            digit = true;
        else if (!is_latin_letter(cp[i]))
            latin = false;
    }
    if ((len = encode(a, cp, k)) < 0)
        return (int)len;
    if (len > TEXT_WORD_MAX)
        return 0;
    term = a->word;
    if (latin && !digit) {
        struct stem_entry *e = NULL;
        size_t wlen = (size_t)len;
        uint64_t h = 0;

        if (len <= STEM_CACHE_WORD) {
            h = text_hash(a->word, (size_t)len);
            e = &a->cache[h & (STEM_CACHE - 1)];
            if (e->wlen == len && e->hash == h && !memcmp(e->w, a->word, (size_t)len)) {
                if (!e->slen)
                    return 0;
                term = e->s;
                len = e->slen;
                goto add;
            }
        }
        if (ascii && (len == 1 || text_is_stopword(a->word, (size_t)len))) {
            len = 0;
        } else {
            term = (const char *)sb_stemmer_stem(a->stemmer, (const sb_symbol *)a->word, (int)len);
            if (!term)
                return -ENOMEM;
            len = sb_stemmer_length(a->stemmer);
        }
        if (e && len <= STEM_CACHE_WORD) {
            e->hash = h;
            e->wlen = (uint8_t)wlen;
            memcpy(e->w, a->word, wlen);
            e->slen = (uint8_t)SM_MAX(len, 0);
            if (len > 0)
                memcpy(e->s, term, (size_t)len);
        }
        if (len <= 0)
            return 0;
    }
add:
    if ((rc = add_term(a, out, term, (size_t)len)) < 0)
        return rc;
    phrase_append(a, term, (size_t)len);
    return 0;
}

static int emit_cjk(struct text_analyzer *a, const int32_t *cp, size_t k, struct text_terms *out)
{
    ssize_t len;
    int rc;

    if (k == 1) {
        if ((len = encode(a, cp, 1)) < 0)
            return (int)len;
        if ((rc = add_term(a, out, a->word, (size_t)len)) < 0)
            return rc;
        phrase_append(a, a->word, (size_t)len);
        return 0;
    }
    for (size_t i = 0; i + 1 < k; i++) {
        if ((len = encode(a, cp + i, 2)) < 0)
            return (int)len;
        if ((rc = add_term(a, out, a->word, (size_t)len)) < 0)
            return rc;
    }
    if (a->phrase_on) {
        if ((len = encode(a, cp, k)) < 0)
            return (int)len;
        phrase_append(a, a->word, (size_t)len);
    }
    return 0;
}

static int analyze(struct text_analyzer *a, const char *s, size_t n, struct text_terms *out)
{
    ssize_t m = fold(a, s, n);
    size_t i = 0;
    int rc;

    if (m < 0)
        return (int)m;
    while (i < (size_t)m) {
        int cls = classify(a->cp[i]);
        size_t j = i + 1;

        if (cls == C_SEP) {
            i++;
            continue;
        }
        while (j < (size_t)m && classify(a->cp[j]) == cls)
            j++;
        rc = cls == C_WORD ? emit_word(a, a->cp + i, j - i, out)
                           : emit_cjk(a, a->cp + i, j - i, out);
        if (rc < 0)
            return rc;
        i = j;
    }
    return 0;
}

int text_analyze(struct text_analyzer *a, const char *s, size_t n, struct text_terms *out)
{
    a->phrase_on = false;
    return analyze(a, s, n, out);
}

int text_analyze_keyword(struct text_analyzer *a, const char *s, size_t n, struct text_terms *out)
{
    char buf[TEXT_PHRASE_MAX + 1];
    size_t plen = strlen(TEXT_KW_PREFIX);
    int rc;

    a->phrase_on = true;
    a->phrase_overflow = false;
    a->phrase_len = 0;
    a->phrase_terms = 0;
    rc = analyze(a, s, n, out);
    a->phrase_on = false;
    if (rc < 0 || a->phrase_terms < 2 || a->phrase_overflow)
        return rc;
    memcpy(buf, TEXT_KW_PREFIX, plen);
    memcpy(buf + plen, a->phrase, a->phrase_len);
    rc = text_terms_add(out, buf, plen + a->phrase_len, 1, false);
    return rc < 0 ? rc : 0;
}
