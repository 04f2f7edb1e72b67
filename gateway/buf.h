/*
 * buf.h - a growable byte buffer for building HTTP responses, JSON text and msgpack messages.
 *
 * Errors are sticky (Git strbuf style, but without dying): once an allocation fails, b->oom is
 * set, further appends do nothing, and the caller checks buf_err() once at the end instead of
 * after every append. data is always NUL-terminated when cap > 0 (not counted in len), so text
 * can be handed to C string functions.
 *
 * Ownership: the buffer owns data; buf_release() frees it; buf_detach() hands it to the caller.
 * Not thread-safe (one owner at a time).
 */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

void buf_init(struct buf *b);
/* Free the memory and reset to empty. Safe on an initialised or released buffer. */
void buf_release(struct buf *b);
/* Keep the memory, drop the contents and the error. */
void buf_reset(struct buf *b);
/* Make room for n more bytes; 0 or -ENOMEM (also sets oom). */
int buf_reserve(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal with quotes; invalid UTF-8 becomes U+FFFD. */
void buf_json_str(struct buf *b, const char *s, size_t n);
/* 0, or -ENOMEM if any operation since the last reset failed. */
int buf_err(const struct buf *b);
/* Move the contents of src into dst (dst released first); src becomes empty. */
void buf_move(struct buf *dst, struct buf *src);
/*
 * msgpack_packer write callback: msgpack_packer_init(&pk, b, buf_msgpack_write) packs into b.
 * Returns 0 or -1 (msgpack's convention) on allocation failure.
 */
int buf_msgpack_write(void *data, const char *p, size_t n);

#endif
