/*
 * arena.h - a bump allocator for per-request and per-profile parsing work (h2o mem pool).
 *
 * Everything allocated from an arena is freed at once by arena_destroy(); there is no per-object
 * free. Allocations are 16-byte aligned. An arena is not thread-safe: one owner at a time.
 */
#ifndef SM_ARENA_H
#define SM_ARENA_H

#include <stddef.h>

struct arena;

/*
 * Create an arena whose first chunk holds about first_chunk bytes (0: 2 KiB); later chunks
 * double. Returns 0 or -ENOMEM. The caller owns *out and frees it with arena_destroy().
 */
int arena_new(struct arena **out, size_t first_chunk);
/* Free the arena and every allocation in it; sets *a to NULL; safe on NULL. */
void arena_destroy(struct arena **a);
/* n bytes (uninitialised), valid until arena_destroy; NULL on ENOMEM. n == 0 gives a valid pointer.
 */
void *arena_alloc(struct arena *a, size_t n);
/* n zeroed bytes. */
void *arena_calloc(struct arena *a, size_t count, size_t size);
/* Copy n bytes of s and terminate with NUL; NULL on ENOMEM. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Bytes handed out so far (for tests and statistics). */
size_t arena_used(const struct arena *a);

#endif
