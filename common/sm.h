/*
 * sm.h - the one private header with system includes and small helpers shared by every
 * module of smematch (engine, gateway, clients). Feature macros come from meson.build.
 */
#ifndef SM_H
#define SM_H

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_config.h"

#define SM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SM_MAX(a, b) ((a) > (b) ? (a) : (b))
/* Reach the owner of an embedded member (h2o H2O_STRUCT_FROM_MEMBER). */
#define SM_CONTAINER_OF(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* Monotonic clock in nanoseconds and milliseconds; wall clock in milliseconds since the epoch. */
uint64_t sm_now_ns(void);
uint64_t sm_now_ms(void);
int64_t sm_wall_ms(void);

/* Bounded string copy that always terminates dst (dstsz > 0); returns strlen(src). */
size_t sm_strlcpy(char *dst, const char *src, size_t dstsz);

#endif
