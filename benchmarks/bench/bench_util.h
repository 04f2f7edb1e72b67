/*
 * bench_util.h - what smematch-eval and smematch-bench share besides the engine client, the
 * HTTP load generator and the FTS5 baseline: child processes (the generator, the engine, the
 * gateway), an indexed NDJSON file, latency samples and their percentiles, memory figures.
 *
 * Single-threaded unless a function says otherwise. Errors are 0 / negative (-errno or SM_E*),
 * with a message already printed on stderr (these are command-line tools).
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- child processes ---------------------------------------------------------------------- */

struct bench_proc {
    pid_t pid; /* 0: not running */
    char name[32];
};

/* Start argv[0] with argv, stdout and stderr appended to log (NULL: inherited). */
int bench_spawn(struct bench_proc *p, const char *name, char *const argv[], const char *log);
/* True while the child has not exited (reaps it if it has). */
bool bench_alive(struct bench_proc *p);
/* SIGTERM, wait up to timeout_ms, then SIGKILL. Returns the exit status or -1. Safe if not running. */
int bench_stop(struct bench_proc *p, int timeout_ms);
/* Run argv to completion; returns its exit status (0 = success) or a negative error. */
int bench_run(char *const argv[]);

/* True if the log file of a child holds a sanitizer report (printed to stderr then): a
 * benchmark run under ASan/UBSan fails on it, as the integration tests do. */
bool bench_log_has_sanitizer_report(const char *path);

/* A free TCP port on 127.0.0.1 (bind to 0 and ask); 0 on failure. */
int bench_free_port(void);
/* mkdtemp under $TMPDIR (or /tmp) with prefix; buf gets the path. */
int bench_mkdtemp(char *buf, size_t size, const char *prefix);
/* rm -rf path (only what bench_mkdtemp made). */
void bench_rmrf(const char *path);

/* The build folder: --build if given, else the one this binary was built in. */
const char *bench_build_dir(const char *opt);

/* VmRSS, VmHWM and RssAnon (RSS not backed by a file: LMDB's mapped pages are RssFile) of a
 * process in KiB (0 when unknown). */
void bench_proc_mem(pid_t pid, long *rss_kb, long *hwm_kb, long *anon_kb);

/* ---- an NDJSON file, mapped and split in lines -------------------------------------------- */

struct bench_lines {
    char *map;
    size_t size;
    size_t *start; /* line i is map[start[i] .. start[i] + len[i]), without its line end */
    uint32_t *len;
    size_t n;
};

int bench_lines_open(struct bench_lines *l, const char *path);
void bench_lines_release(struct bench_lines *l);
/* Line i (no newline), its length in *len. */
const char *bench_lines_get(const struct bench_lines *l, size_t i, size_t *len);

/* ---- latency samples ---------------------------------------------------------------------- */

struct bench_lat {
    uint64_t *ns;
    size_t n, cap;
};

void bench_lat_init(struct bench_lat *s);
void bench_lat_release(struct bench_lat *s);
void bench_lat_add(struct bench_lat *s, uint64_t ns);
/* Percentile p (0..100) in milliseconds; sorts the samples. 0 if none. */
double bench_lat_ms(struct bench_lat *s, double p);

/* ---- misc --------------------------------------------------------------------------------- */

/* splitmix64: deterministic choices (sampled profiles) from a seed. */
uint64_t bench_rand(uint64_t *state);
/* Seconds since t0 (sm_now_ns). */
double bench_secs(uint64_t t0_ns);
/* "1,234,567" into buf. */
const char *bench_commas(char *buf, size_t size, double v);

#endif
