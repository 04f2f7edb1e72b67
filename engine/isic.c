/*
 * isic.c - ISIC Rev.4 code validation, names and hierarchy levels; see isic.h.
 *
 * The table (isic_table.c) is the only source of which divisions exist and to which section
 * each belongs. Lookups are binary searches over it (it is sorted by code): the table is small
 * (109 rows) and constant, so no index is built and nothing needs synchronising between threads.
 */
#include "sm.h"

#include "isic.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Compare a table code with a key of klen bytes, as strcmp would on the NUL-terminated key. */
static int cmp_code(const char *code, const char *key, size_t klen)
{
    size_t n = strlen(code);
    int c = memcmp(code, key, n < klen ? n : klen);

    if (c)
        return c;
    return n < klen ? -1 : n > klen ? 1 : 0;
}

/* The table row whose code is exactly key (1 or 3 bytes), or NULL. */
static const struct isic_entry *lookup(const char *key, size_t klen)
{
    size_t lo = 0, hi = isic_table_len;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_code(isic_table[mid].code, key, klen);

        if (c == 0)
            return &isic_table[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool isic_valid(const char *code, size_t n)
{
    if (n < 1 || n > 5 || code[0] < 'A' || code[0] > 'Z')
        return false;
    for (size_t i = 1; i < n; i++)
        if (!is_digit(code[i]))
            return false;
    if (n == 1)
        return lookup(code, 1) != NULL;
    /* A lone digit after the letter is not a level of ISIC. */
    if (n == 2)
        return false;
    /* Groups and classes are checked for form only: their division must exist. */
    return lookup(code, 3) != NULL;
}

const char *isic_name(const char *code)
{
    size_t n = strlen(code);
    const struct isic_entry *e;

    if (!isic_valid(code, n))
        return NULL;
    e = lookup(code, n == 1 ? 1 : 3);
    return e ? e->name : NULL;
}

enum isic_level isic_common_level(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b), n;
    enum isic_level level = ISIC_NONE;

    if (!isic_valid(a, na) || !isic_valid(b, nb) || a[0] != b[0])
        return ISIC_NONE;
    level = ISIC_SECTION;
    n = na < nb ? na : nb;
    /* Division: both have 2 digits and they agree; then one more digit per level. */
    if (n >= 3 && a[1] == b[1] && a[2] == b[2]) {
        level = ISIC_DIVISION;
        if (n >= 4 && a[3] == b[3]) {
            level = ISIC_GROUP;
            if (n >= 5 && a[4] == b[4])
                level = ISIC_CLASS;
        }
    }
    return level;
}

const char *isic_level_name(enum isic_level l)
{
    static const char *names[] = {"none", "section", "division", "group", "class"};

    if ((unsigned)l >= SM_ARRAY_SIZE(names))
        return NULL;
    return names[l];
}

enum isic_level isic_level_of(const char *code, size_t n)
{
    if (!isic_valid(code, n))
        return ISIC_NONE;
    return n == 1 ? ISIC_SECTION : (enum isic_level)(n - 1);
}
