/*
 * log.h - one-line logs to stderr: "2026-11-24T13:09:00.123Z engine info: message".
 * Thread-safe (one fprintf per line). The level is set once at start-up.
 */
#ifndef SM_LOG_H
#define SM_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Name shown in each line ("engine", "gateway"); the string is borrowed for the process life. */
void log_init(const char *process, enum log_level level);
/* Parses "error", "warn", "info", "debug"; returns -1 for anything else. */
int log_level_parse(const char *s);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
