/* buf.c - see buf.h. */
#include "sm.h"
#include "buf.h"

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = false;
}

void buf_release(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->oom = false;
    if (b->data)
        b->data[0] = '\0';
}

int buf_reserve(struct buf *b, size_t n)
{
    size_t want, cap;
    char *p;

    if (b->oom)
        return -ENOMEM;
    if (b->cap && n < b->cap - b->len)
        return 0;
    if (n > SIZE_MAX / 2 - b->len - 1)
        goto fail;
    want = b->len + n + 1; /* room for the terminating NUL */
    cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap *= 2;
    p = realloc(b->data, cap);
    if (!p)
        goto fail;
    b->data = p;
    b->cap = cap;
    return 0;
fail:
    b->oom = true;
    return -ENOMEM;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    buf_append(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (buf_reserve(b, 64))
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        if (buf_reserve(b, (size_t)n))
            return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one (RFC 3629 table). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
            return 0; /* overlong, or a UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
            return 0;
        return 4;
    }
    return 0;
}

void buf_json_str(struct buf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0;

    /* Worst case grows 6x (\u00XX); reserving the common case up front avoids most reallocs. */
    if (buf_reserve(b, n + 2))
        return;
    buf_putc(b, '"');
    while (i < n) {
        unsigned char c = s[i];
        size_t k;

        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            run++;
            i++;
            continue;
        }
        /* Copy the plain run before this byte in one go. */
        if (run)
            buf_append(b, s + i - run, run);
        run = 0;
        if (c >= 0x80) {
            k = utf8_seq(s + i, n - i);
            if (k) {
                buf_append(b, s + i, k);
                i += k;
            } else {
                buf_puts(b, "\\ufffd");
                i++;
            }
            continue;
        }
        switch (c) {
        case '"':
            buf_puts(b, "\\\"");
            break;
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        case '\r':
            buf_puts(b, "\\r");
            break;
        case '\t':
            buf_puts(b, "\\t");
            break;
        case '\b':
            buf_puts(b, "\\b");
            break;
        case '\f':
            buf_puts(b, "\\f");
            break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(b, u, sizeof(u));
        }
        }
        i++;
    }
    if (run) /* s may be NULL for an empty string (msgpack-c does that) */
        buf_append(b, s + i - run, run);
    buf_putc(b, '"');
}

int buf_err(const struct buf *b)
{
    return b->oom ? -ENOMEM : 0;
}

void buf_move(struct buf *dst, struct buf *src)
{
    buf_release(dst);
    *dst = *src;
    buf_init(src);
}

int buf_msgpack_write(void *data, const char *p, size_t n)
{
    struct buf *b = data;

    buf_append(b, p, n);
    return b->oom ? -1 : 0;
}
