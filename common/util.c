/* util.c - clocks and bounded strings; see sm.h. */
#include "sm.h"

#include <time.h>

uint64_t sm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t sm_now_ms(void)
{
    return sm_now_ns() / 1000000ull;
}

int64_t sm_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t sm_strlcpy(char *dst, const char *src, size_t dstsz)
{
    size_t n = strlen(src);

    if (dstsz) {
        size_t c = n < dstsz - 1 ? n : dstsz - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}
