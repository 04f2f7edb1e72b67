/* bench_util.c - processes, files, samples; see bench_util.h. */
#define _GNU_SOURCE /* nftw */
#include "sm.h"

#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

extern char **environ;

int bench_spawn(struct bench_proc *p, const char *name, char *const argv[], const char *log)
{
    posix_spawn_file_actions_t fa;
    int rc;

    sm_strlcpy(p->name, name, sizeof(p->name));
    p->pid = 0;
    posix_spawn_file_actions_init(&fa);
    if (log) {
        posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
    }
    rc = posix_spawn(&p->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        fprintf(stderr, "cannot start %s (%s): %s\n", name, argv[0], strerror(rc));
        p->pid = 0;
        return -rc;
    }
    return 0;
}

bool bench_alive(struct bench_proc *p)
{
    int st;

    if (p->pid <= 0)
        return false;
    if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
        p->pid = 0;
        return false;
    }
    return true;
}

int bench_stop(struct bench_proc *p, int timeout_ms)
{
    int st = -1;
    uint64_t end;

    if (p->pid <= 0)
        return -1;
    kill(p->pid, SIGTERM);
    end = sm_now_ms() + (uint64_t)timeout_ms;
    while (sm_now_ms() < end) {
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid)
            goto out;
        usleep(20000);
    }
    fprintf(stderr, "%s did not stop in %d ms: killed\n", p->name, timeout_ms);
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &st, 0);
out:
    p->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int bench_run(char *const argv[])
{
    struct bench_proc p;
    int st, rc = bench_spawn(&p, "child", argv, NULL);

    if (rc)
        return rc;
    if (waitpid(p.pid, &st, 0) != p.pid)
        return -errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool bench_log_has_sanitizer_report(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    bool found = false;

    if (!f)
        return false;
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
            strstr(line, "runtime error:"))
            found = true;
        if (found)
            fputs(line, stderr);
    }
    fclose(f);
    return found;
}

int bench_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);
    int port = 0, fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return 0;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

int bench_mkdtemp(char *buf, size_t size, const char *prefix)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(buf, size, "%s/%sXXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    if (!mkdtemp(buf)) {
        fprintf(stderr, "cannot make a temporary folder %s: %s\n", buf, strerror(errno));
        return -errno;
    }
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void bench_rmrf(const char *path)
{
    if (path && *path)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *bench_build_dir(const char *opt)
{
    if (opt && *opt)
        return opt;
    return BENCH_BUILD_ROOT;
}

void bench_proc_mem(pid_t pid, long *rss_kb, long *hwm_kb, long *anon_kb)
{
    char path[64], line[256];
    FILE *f;

    *rss_kb = *hwm_kb = *anon_kb = 0;
    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss_kb = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            *hwm_kb = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "RssAnon:", 8) == 0)
            *anon_kb = strtol(line + 8, NULL, 10);
    }
    fclose(f);
}

int bench_lines_open(struct bench_lines *l, const char *path)
{
    struct stat sb;
    size_t cap = 1024, i;
    int fd, rc = 0;

    memset(l, 0, sizeof(*l));
    fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        rc = -errno;
        fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
        goto out;
    }
    l->size = (size_t)sb.st_size;
    if (l->size) {
        l->map = mmap(NULL, l->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (l->map == MAP_FAILED) {
            rc = -errno;
            l->map = NULL;
            fprintf(stderr, "cannot map %s: %s\n", path, strerror(errno));
            goto out;
        }
        madvise(l->map, l->size, MADV_SEQUENTIAL);
    }
    /* Empty lines are skipped, so that line i is profile i. */
    for (i = 0; i < l->size;) {
        const char *nl = memchr(l->map + i, '\n', l->size - i);
        size_t end = nl ? (size_t)(nl - l->map) : l->size, e = end;

        while (e > i && l->map[e - 1] == '\r')
            e--;
        if (e > i) {
            if (l->n == cap || !l->start) {
                size_t ncap = l->start ? 2 * cap : cap;
                size_t *s = realloc(l->start, ncap * sizeof(*s));
                uint32_t *n = s ? realloc(l->len, ncap * sizeof(*n)) : NULL;
                if (s)
                    l->start = s;
                if (!s || !n) {
                    rc = -ENOMEM;
                    goto out;
                }
                l->len = n;
                cap = ncap;
            }
            l->start[l->n] = i;
            l->len[l->n] = (uint32_t)(e - i);
            l->n++;
        }
        i = end + 1;
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc)
        bench_lines_release(l);
    return rc;
}

void bench_lines_release(struct bench_lines *l)
{
    if (l->map)
        munmap(l->map, l->size);
    free(l->start);
    free(l->len);
    memset(l, 0, sizeof(*l));
}

const char *bench_lines_get(const struct bench_lines *l, size_t i, size_t *len)
{
    *len = l->len[i];
    return l->map + l->start[i];
}

void bench_lat_init(struct bench_lat *s)
{
    memset(s, 0, sizeof(*s));
}

void bench_lat_release(struct bench_lat *s)
{
    free(s->ns);
    memset(s, 0, sizeof(*s));
}

void bench_lat_add(struct bench_lat *s, uint64_t ns)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        uint64_t *v = realloc(s->ns, cap * sizeof(*v));
        if (!v)
            return; /* a lost sample is better than a crash in a benchmark */
        s->ns = v;
        s->cap = cap;
    }
    s->ns[s->n++] = ns;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

double bench_lat_ms(struct bench_lat *s, double p)
{
    size_t i;

    if (!s->n)
        return 0;
    qsort(s->ns, s->n, sizeof(*s->ns), cmp_u64);
    /* Nearest rank: the smallest sample with at least p% of samples at or below it. */
    i = (size_t)(p / 100.0 * (double)s->n + 0.999999);
    if (i > 0)
        i--;
    if (i >= s->n)
        i = s->n - 1;
    return (double)s->ns[i] / 1e6;
}

uint64_t bench_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double bench_secs(uint64_t t0_ns)
{
    return (double)(sm_now_ns() - t0_ns) / 1e9;
}

const char *bench_commas(char *buf, size_t size, double v)
{
    char tmp[32];
    size_t n, o = 0, i;
    long long x = (long long)(v + (v < 0 ? -0.5 : 0.5));

    snprintf(tmp, sizeof(tmp), "%lld", x < 0 ? -x : x);
    n = strlen(tmp);
    if (x < 0 && o + 1 < size)
        buf[o++] = '-';
    for (i = 0; i < n && o + 2 < size; i++) {
        buf[o++] = tmp[i];
        if ((n - i - 1) % 3 == 0 && i + 1 < n)
            buf[o++] = ',';
    }
    buf[o] = '\0';
    return buf;
}
