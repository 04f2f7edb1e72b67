/* bench_fts.c - the SQLite FTS5 BM25 baseline and the texts it indexes; see bench_fts.h. */
#include "sm.h"

#include <ctype.h>
#include <sqlite3.h>
#include <unistd.h>

#include "bench_fts.h"
#include "err.h"

void bench_buf_init(struct bench_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void bench_buf_release(struct bench_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}

void bench_buf_add(struct bench_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->s, cap);
        if (!p) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void bench_buf_adds(struct bench_buf *b, const char *s)
{
    bench_buf_add(b, s, strlen(s));
}

/* Decode one UTF-8 code point at s (n > 0 bytes); *used gets its length (1 for bad bytes). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *used)
{
    uint32_t c = s[0];
    size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

    if (k == 1 || k > n) {
        *used = 1;
        return c;
    }
    c &= 0x3f >> (k - 1);
    for (size_t i = 1; i < k; i++)
        c = (c << 6) | (s[i] & 0x3f);
    *used = k;
    return c;
}

/* Han, kana and Hangul: the scripts written without spaces between words. */
static bool is_cjk(uint32_t c)
{
    return (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x2ffff) ||
           (c >= 0x3040 && c <= 0x30ff) || (c >= 0x31f0 && c <= 0x31ff) ||
           (c >= 0xac00 && c <= 0xd7af) || (c >= 0x1100 && c <= 0x11ff) ||
           (c >= 0x3130 && c <= 0x318f);
}

/* Characters unicode61 treats as separators, as far as generated texts use them. */
static bool is_sep(uint32_t c)
{
    if (c < 0x80)
        return !isalnum((int)c);
    return (c >= 0x80 && c <= 0xbf) || c == 0xd7 || c == 0xf7 ||
           (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) ||
           (c >= 0xff00 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff20) ||
           (c >= 0xff3b && c <= 0xff40) || (c >= 0xff5b && c <= 0xff65);
}

void bench_text_cjk_bigrams(struct bench_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        size_t k, j;
        uint32_t c = utf8_next(p + i, n - i, &k);

        if (!is_cjk(c)) {
            bench_buf_add(out, s + i, k);
            i += k;
            continue;
        }
        /* A CJK run from i: emit " c1c2 c2c3 ... " (or " c1 " alone). */
        bench_buf_add(out, " ", 1);
        j = i + k;
        {
            size_t k2;
            uint32_t c2 = j < n ? utf8_next(p + j, n - j, &k2) : 0;
            if (j >= n || !is_cjk(c2)) {
                bench_buf_add(out, s + i, k);
                bench_buf_add(out, " ", 1);
                i = j;
                continue;
            }
        }
        while (j < n) {
            size_t k2;
            uint32_t c2 = utf8_next(p + j, n - j, &k2);
            if (!is_cjk(c2))
                break;
            bench_buf_add(out, s + i, k + k2);
            bench_buf_add(out, " ", 1);
            i = j;
            k = k2;
            j += k2;
        }
        i = j;
    }
}

static void add_str_field(const json_t *o, const char *key, struct bench_buf *out)
{
    const json_t *v = json_object_get(o, key);

    if (json_is_string(v)) {
        bench_text_cjk_bigrams(out, json_string_value(v), json_string_length(v));
        bench_buf_add(out, "\n", 1);
    }
}

static void add_items(const json_t *p, const char *key, struct bench_buf *out)
{
    const json_t *items = json_object_get(p, key), *it, *kw;
    size_t i, j;

    json_array_foreach(items, i, it) {
        add_str_field(it, "text", out);
        json_array_foreach(json_object_get(it, "keywords"), j, kw) {
            if (json_is_string(kw)) {
                bench_text_cjk_bigrams(out, json_string_value(kw), json_string_length(kw));
                bench_buf_add(out, "\n", 1);
            }
        }
    }
}

void bench_profile_doc(const json_t *p, struct bench_buf *out)
{
    add_str_field(p, "name", out);
    add_str_field(p, "description", out);
    add_items(p, "offers", out);
    add_items(p, "needs", out);
}

void bench_profile_needs(const json_t *p, struct bench_buf *out)
{
    add_items(p, "needs", out);
}

/* English stop words (a subset of Snowball's list; `it` and `us` kept, as smematch does). */
static const char *const stop_words[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
    "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for",
    "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him",
    "his", "how", "i", "if", "in", "into", "is", "its", "itself", "just", "me", "more", "most",
    "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our",
    "ours", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than",
    "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this",
    "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were",
    "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would",
    "you", "your", "yours",
};

static bool is_stop(const char *w, size_t n)
{
    for (size_t i = 0; i < SM_ARRAY_SIZE(stop_words); i++)
        if (strlen(stop_words[i]) == n && memcmp(stop_words[i], w, n) == 0)
            return true;
    return false;
}

void bench_query_terms(const char *text, struct bench_buf *out)
{
    struct bench_buf t, seen;
    const unsigned char *p;
    size_t i = 0, n;

    bench_buf_init(&t);
    bench_buf_init(&seen);
    bench_text_cjk_bigrams(&t, text, strlen(text));
    p = (const unsigned char *)(t.s ? t.s : "");
    n = t.len;
    bench_buf_adds(&seen, "\x01");
    out->len = 0;
    bench_buf_add(out, "", 0);
    while (i < n) {
        size_t k, start;
        uint32_t c = utf8_next(p + i, n - i, &k);
        char word[256];
        size_t wl = 0;
        bool single_ascii;

        if (is_sep(c) || c == ' ') {
            i += k;
            continue;
        }
        start = i;
        while (i < n) {
            c = utf8_next(p + i, n - i, &k);
            if (is_sep(c) || c == ' ')
                break;
            i += k;
        }
        if (i - start >= sizeof(word) - 4)
            continue;
        for (size_t j = start; j < i; j++)
            word[wl++] = (char)tolower(p[j]);
        word[wl] = '\0';
        single_ascii = wl == 1 && isalpha((unsigned char)word[0]);
        if (single_ascii || is_stop(word, wl))
            continue;
        /* Distinct terms only: "\x01word\x01" in seen. */
        {
            char key[260];
            snprintf(key, sizeof(key), "%s\x01", word);
            if (strstr(seen.s, key) && strstr(seen.s, key)[-1] == '\x01')
                continue;
            bench_buf_adds(&seen, key);
        }
        if (out->len)
            bench_buf_add(out, " ", 1);
        bench_buf_add(out, word, wl);
    }
    bench_buf_release(&t);
    bench_buf_release(&seen);
}

void bench_fts_query(const char *text, struct bench_buf *out)
{
    struct bench_buf terms;
    const char *w;

    bench_buf_init(&terms);
    bench_query_terms(text, &terms);
    out->len = 0;
    bench_buf_add(out, "", 0);
    /* Terms hold no space: bench_query_terms splits at spaces. */
    for (w = terms.s; *w;) {
        size_t wl = strcspn(w, " ");

        if (out->len)
            bench_buf_adds(out, " OR ");
        bench_buf_adds(out, "\"");
        bench_buf_add(out, w, wl);
        bench_buf_adds(out, "\"");
        w += wl + (w[wl] == ' ');
    }
    bench_buf_release(&terms);
}

static int sql_err(struct bench_fts *f, const char *what)
{
    fprintf(stderr, "sqlite: %s: %s\n", what, sqlite3_errmsg(f->db));
    return SM_EINTERNAL;
}

int bench_fts_open(struct bench_fts *f, const char *path)
{
    sqlite3 *db;

    memset(f, 0, sizeof(*f));
    unlink(path);
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "sqlite: cannot open %s\n", path);
        sqlite3_close(db);
        return SM_EINTERNAL;
    }
    f->db = db;
    if (sqlite3_exec(db,
                     "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
                     "PRAGMA cache_size=-262144; "
                     "CREATE VIRTUAL TABLE docs USING fts5(body, "
                     "tokenize='porter unicode61 remove_diacritics 2'); BEGIN;",
                     NULL, NULL, NULL) != SQLITE_OK)
        return sql_err(f, "create");
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(rowid, body) VALUES (?, ?)", -1,
                           (sqlite3_stmt **)&f->ins, NULL) != SQLITE_OK)
        return sql_err(f, "prepare insert");
    /* ORDER BY rank is bm25() by default. */
    if (sqlite3_prepare_v2(db, "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?",
                           -1, (sqlite3_stmt **)&f->qry, NULL) != SQLITE_OK)
        return sql_err(f, "prepare query");
    return 0;
}

int bench_fts_add(struct bench_fts *f, int64_t rowid, const char *text, size_t len)
{
    sqlite3_stmt *st = f->ins;
    int rc;

    sqlite3_bind_int64(st, 1, rowid);
    sqlite3_bind_text(st, 2, text, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sql_err(f, "insert");
}

int bench_fts_finish(struct bench_fts *f)
{
    if (sqlite3_exec(f->db, "COMMIT; INSERT INTO docs(docs) VALUES('optimize');", NULL, NULL,
                     NULL) != SQLITE_OK)
        return sql_err(f, "commit");
    return 0;
}

int bench_fts_search(struct bench_fts *f, const char *q, int64_t exclude, int64_t *out, int k)
{
    sqlite3_stmt *st = f->qry;
    int n = 0, rc;

    if (!*q)
        return 0;
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, k + (exclude >= 0));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id != exclude && n < k)
            out[n++] = id;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sql_err(f, "search");
    return n;
}

void bench_fts_close(struct bench_fts *f)
{
    sqlite3_finalize(f->ins);
    sqlite3_finalize(f->qry);
    if (f->db)
        sqlite3_close(f->db);
    memset(f, 0, sizeof(*f));
}
