/* query.c - see query.h. */
#include "sm.h"
#include "query.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int query_decode(const char *s, size_t n, bool form, char *out, size_t outsz)
{
    size_t o = 0;

    if (outsz == 0)
        return QUERY_BAD;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];

        if (c == '+' && form) {
            c = ' ';
        } else if (c == '%') {
            int hi, lo;

            if (i + 2 >= n)
                return QUERY_BAD;
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return QUERY_BAD;
            c = hi * 16 + lo;
            i += 2;
        }
        /* A NUL would cut the value short in every C string that carries it on. */
        if (c == 0 || o + 1 >= outsz)
            return QUERY_BAD;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return (int)o;
}

int query_get(const char *query, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    const char *p = query;

    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);

        if (len >= nl && strncmp(p, name, nl) == 0 && (len == nl || p[nl] == '=')) {
            if (len == nl) {
                if (outsz)
                    out[0] = '\0';
                return 0;
            }
            return query_decode(p + nl + 1, len - nl - 1, true, out, outsz);
        }
        p = amp ? amp + 1 : NULL;
    }
    return QUERY_ABSENT;
}
