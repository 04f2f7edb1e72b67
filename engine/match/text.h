/*
 * text.h - the text analyser of matching and search (SPEC §3 "Multilingual text").
 *
 * UTF-8 in, a bag of terms out. The steps, in order:
 *   1. validate UTF-8 (malformed input is SM_EINVAL, never guessed at);
 *   2. Unicode compatibility decomposition with case folding (NFKD_Casefold), dropping default
 *      ignorable code points (soft hyphen, zero-width space...);
 *   3. drop the combining diacritical marks U+0300..U+036F, then recompose (NFC): matching is
 *      accent-insensitive for Latin, Greek and Cyrillic ("Société" = "societe"), while the marks
 *      of other scripts (Japanese dakuten, Indic vowel signs) are kept, since there they change
 *      the letter rather than decorate it. Full-width and other compatibility forms fold to
 *      their plain form ("ＯＥＭ" = "oem");
 *   4. words are maximal runs of letters, marks and digits (Unicode categories L*, M*, N*);
 *      anything else separates words. A run of CJK script (Han, Hiragana, Katakana, Hangul)
 *      is cut out of its surroundings ("OEM注塑" is "oem" + "注塑");
 *   5. Latin-script words: English stop words and single ASCII letters are dropped, then words
 *      without digits are stemmed by Snowball English ("manufacturers" -> "manufactur").
 *      Words with digits are kept whole ("2m", "iso9001", "2004"). Other scripts (Cyrillic,
 *      Arabic...) are kept unstemmed. Words longer than TEXT_WORD_MAX bytes are dropped;
 *   6. CJK runs become overlapping character bigrams ("注塑加工" -> 注塑 塑加 加工); a run of one
 *      character is a unigram. A few Chinese function characters (的 了 和 与 及 或 之) act as
 *      separators, as a space would, so they form no noisy bigrams ("注塑和模具" -> 注塑 模具).
 *
 * Keywords go through the same steps (text_analyze_keyword) and, when a keyword yields two or
 * more terms, also add the whole phrase as one term "kw:" + its words joined by one space
 * ("gel pens" -> "gel", "pen", "kw:gel pen"), so that an exact keyword match outweighs two
 * words that merely co-occur. CJK runs appear whole in the phrase ("kw:oem 注塑").
 *
 * Threading: a struct text_analyzer owns a Snowball stemmer, which is not thread-safe, and
 * scratch buffers: use one analyser per thread. Everything else here is pure.
 */
#ifndef SM_MATCH_TEXT_H
#define SM_MATCH_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TEXT_WORD_MAX 64    /* bytes of a word after folding; longer words are dropped */
#define TEXT_PHRASE_MAX 255 /* bytes of a "kw:" phrase term; longer phrases add no phrase term */
#define TEXT_KW_PREFIX "kw:"

/* One distinct term of a bag: its bytes are text_terms_str(t, term). */
struct text_term {
    uint64_t hash; /* text_hash() of the bytes */
    uint32_t off;  /* offset of the NUL-terminated bytes in the bag's pool */
    uint32_t len;  /* bytes, without the NUL */
    uint32_t tf;   /* occurrences */
};

/*
 * A bag of distinct terms with their counts, in first-seen order. Analysis appends to a bag,
 * so one bag can collect several texts. n_tokens counts every token added (the document length
 * of BM25); phrase terms are not tokens and do not count.
 */
struct text_terms {
    struct text_term *v;
    uint32_t n, cap;
    uint32_t n_tokens;
    char *pool;
    size_t pool_len, pool_cap;
    uint32_t *slots; /* open addressing: index + 1 into v, 0 = empty */
    uint32_t n_slots;
};

void text_terms_init(struct text_terms *t);
/* Free what t owns and re-initialise it. */
void text_terms_release(struct text_terms *t);
/* Empty t but keep its memory for reuse. */
void text_terms_reset(struct text_terms *t);
/*
 * Add tf occurrences of a term (counted as tokens when as_token). Returns the term's index in
 * t->v (>= 0), or -ENOMEM.
 */
int text_terms_add(struct text_terms *t, const char *s, size_t len, uint32_t tf, bool as_token);
/* The term's index, or -1 when absent. */
int32_t text_terms_find(const struct text_terms *t, const char *s, size_t len);
/* Bytes of a term (NUL-terminated); borrowed, valid until the bag changes. */
static inline const char *text_terms_str(const struct text_terms *t, const struct text_term *x)
{
    return t->pool + x->off;
}

/* The 64-bit hash of a term's bytes used everywhere in matching (FNV-1a, then mixed). Stable. */
uint64_t text_hash(const char *s, size_t len);

struct text_analyzer;

/* Create an analyser (caller owns; one per thread). 0, or -ENOMEM. */
int text_analyzer_new(struct text_analyzer **out);
/* Destroy *pa and set it to NULL; safe on NULL. */
void text_analyzer_destroy(struct text_analyzer **pa);

/*
 * Analyse n bytes of UTF-8 text and add its terms to out.
 * Returns 0; SM_EINVAL when s is not valid UTF-8 (out is unchanged then); SM_ETOOLARGE when
 * the text is beyond what utf8proc can process; -ENOMEM.
 */
int text_analyze(struct text_analyzer *a, const char *s, size_t n, struct text_terms *out);

/* As text_analyze, for one keyword phrase: also adds the "kw:" phrase term (see above). */
int text_analyze_keyword(struct text_analyzer *a, const char *s, size_t n, struct text_terms *out);

/* True if word (lower case ASCII, n bytes) is on the English stop list. */
bool text_is_stopword(const char *word, size_t n);

#endif
