/* log.c - see log.h. */
#include "sm.h"
#include "log.h"

#include <time.h>

static const char *log_process = "smematch";
static enum log_level log_max = LOG_INFO;

void log_init(const char *process, enum log_level level)
{
    log_process = process;
    log_max = level;
}

int log_level_parse(const char *s)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (size_t i = 0; i < SM_ARRAY_SIZE(names); i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    char msg[1024], stamp[32];
    struct timespec ts;
    struct tm tm;
    va_list ap;

    if (level > log_max)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* One call per line so lines from different threads do not interleave. */
    fprintf(stderr, "%s.%03ldZ %s %s: %s\n", stamp, ts.tv_nsec / 1000000, log_process,
            names[level], msg);
}
