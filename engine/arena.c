/* arena.c - see arena.h. */
#include "sm.h"

#include "arena.h"

#define ARENA_ALIGN 16u
#define ARENA_DEFAULT 2048u

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    /* Data follows, aligned: the header is padded to ARENA_ALIGN below. */
};

struct arena {
    struct chunk *head; /* the chunk being filled; older chunks follow */
    size_t next_size;
    size_t total;
};

#define CHUNK_HDR ((sizeof(struct chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

static unsigned char *chunk_data(struct chunk *c)
{
    return (unsigned char *)c + CHUNK_HDR;
}

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c;

    if (size > SIZE_MAX - CHUNK_HDR)
        return NULL;
    c = malloc(CHUNK_HDR + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

int arena_new(struct arena **out, size_t first_chunk)
{
    struct arena *a;

    *out = NULL;
    a = calloc(1, sizeof(*a));
    if (!a)
        return -ENOMEM;
    a->next_size = first_chunk ? first_chunk : ARENA_DEFAULT;
    *out = a;
    return 0;
}

void arena_destroy(struct arena **ap)
{
    struct arena *a = ap ? *ap : NULL;
    struct chunk *c, *next;

    if (!a)
        return;
    for (c = a->head; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
    *ap = NULL;
}

void *arena_alloc(struct arena *a, size_t n)
{
    struct chunk *c = a->head;
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    void *p;

    if (need < n)
        return NULL; /* overflow */
    if (need == 0)
        need = ARENA_ALIGN;
    if (!c || c->size - c->used < need) {
        size_t size = a->next_size;

        while (size < need) {
            if (size > SIZE_MAX / 2)
                return NULL;
            size *= 2;
        }
        c = chunk_new(size);
        if (!c)
            return NULL;
        c->next = a->head;
        a->head = c;
        /* Doubling keeps the number of mallocs logarithmic in the total size. */
        if (a->next_size <= SIZE_MAX / 2)
            a->next_size *= 2;
    }
    p = chunk_data(c) + c->used;
    c->used += need;
    a->total += need;
    return p;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
    void *p;

    if (size && count > SIZE_MAX / size)
        return NULL;
    p = arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *d;

    if (n == SIZE_MAX)
        return NULL;
    d = arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

size_t arena_used(const struct arena *a)
{
    return a->total;
}
