/*
 * serve.c - `smematch serve`: run the engine and the gateway as child processes on the
 * embedded defaults, load a sample once, supervise them, and stop both on SIGINT/SIGTERM.
 *
 * Why a supervisor: the gateway already survives an engine restart (it answers 503 meanwhile
 * and reconnects), so restarting a crashed child keeps the service up without losing data
 * (every acknowledged write is committed before its reply).
 *
 * Stop order: the gateway first (it stops accepting and drains in-flight requests, which still
 * need the engine), then the engine (it commits what it has and closes LMDB).
 */
#include "sm.h"
#include "cmd.h"
#include "httpc.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { CH_ENGINE, CH_GATEWAY, CH_SAMPLE, CH__COUNT };

struct child {
    const char *name;
    pid_t pid;
    char **argv;
    uint64_t started_ms;
    unsigned restarts;
};

struct supervisor {
    struct child ch[CH__COUNT];
    const char *data, *http, *zmq, *pub, *sample;
    char engine_bin[PATH_MAX], gateway_bin[PATH_MAX], self_bin[PATH_MAX];
    char url[300];
    char marker[PATH_MAX];
    bool stopping;
};

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

/* Set both paths for binaries in dir+sub (the gateway in the sibling folder for the build tree). */
static int try_pair(struct supervisor *s, const char *dir, const char *sub)
{
    bool tree = *sub != '\0';
    int a = snprintf(s->engine_bin, sizeof(s->engine_bin), "%s%s/smematch-engine", dir, sub);
    int b = snprintf(s->gateway_bin, sizeof(s->gateway_bin), "%s%s/smematch-gateway", dir,
                     tree ? "/../gateway" : "");

    if (a < 0 || (size_t)a >= sizeof(s->engine_bin) || b < 0 ||
        (size_t)b >= sizeof(s->gateway_bin))
        return -ENAMETOOLONG;
    return access(s->engine_bin, X_OK) == 0 && access(s->gateway_bin, X_OK) == 0 ? 0 : -ENOENT;
}

/*
 * Find the engine and gateway next to this binary: installed side by side in one bindir, or in
 * the Meson build tree (build/clients/smematch -> build/engine/, build/gateway/).
 */
static int find_binaries(struct supervisor *s)
{
    char dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
    char *slash;

    if (n < 0)
        return -errno;
    dir[n] = '\0';
    sm_strlcpy(s->self_bin, dir, sizeof(s->self_bin));
    slash = strrchr(dir, '/');
    if (!slash)
        return -ENOENT;
    *slash = '\0';
    if (try_pair(s, dir, "") == 0 || try_pair(s, dir, "/../engine") == 0)
        return 0;
    return -ENOENT;
}

static pid_t spawn(struct child *c, const sigset_t *oldmask)
{
    pid_t pid = fork();

    if (pid == 0) {
        sigprocmask(SIG_SETMASK, oldmask, NULL);
        execv(c->argv[0], c->argv);
        fprintf(stderr, "smematch: cannot run %s: %s\n", c->argv[0], strerror(errno));
        _exit(127);
    }
    if (pid > 0) {
        c->pid = pid;
        c->started_ms = sm_now_ms();
    }
    return pid;
}

static bool wait_healthy(const char *url, unsigned timeout_ms)
{
    struct httpc *h;
    struct httpc_response res;
    uint64_t end = sm_now_ms() + timeout_ms;
    bool ok = false;

    if (httpc_new(&h, url, NULL))
        return false;
    httpc_set_timeout(h, 1000);
    while (!ok && sm_now_ms() < end) {
        if (httpc_request(h, "GET", "/healthz", NULL, NULL, 0, NULL, &res) == 0)
            ok = res.status == 200;
        httpc_response_release(&res);
        if (!ok)
            usleep(100000);
    }
    httpc_destroy(&h);
    return ok;
}

/* The sample loader is a child too, so a Ctrl-C during loading is handled at once. */
static void start_sample(struct supervisor *s, const sigset_t *oldmask)
{
    pid_t pid;

    if (!s->sample || access(s->marker, F_OK) == 0)
        return;
    pid = fork();
    if (pid == 0) {
        struct cli_opts o = {.url = s->url, .key = NULL, .quiet = 0};
        char *argv[] = {"import", (char *)s->sample, NULL};
        sigprocmask(SIG_SETMASK, oldmask, NULL);
        if (!wait_healthy(s->url, 30000)) {
            fprintf(stderr, "smematch: gateway not healthy, sample not loaded\n");
            _exit(1);
        }
        fprintf(stderr, "smematch: loading sample %s\n", s->sample);
        _exit(cmd_import(2, argv, &o));
    }
    if (pid > 0)
        s->ch[CH_SAMPLE].pid = pid;
}

static void stop_child(struct child *c, unsigned timeout_ms)
{
    uint64_t end;
    int status;

    if (c->pid <= 0)
        return;
    kill(c->pid, SIGTERM);
    end = sm_now_ms() + timeout_ms;
    while (sm_now_ms() < end) {
        if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
            c->pid = 0;
            return;
        }
        usleep(20000);
    }
    fprintf(stderr, "smematch: %s did not stop in time, killing it\n", c->name);
    kill(c->pid, SIGKILL);
    waitpid(c->pid, &status, 0);
    c->pid = 0;
}

/* Reap children; restart a crashed engine or gateway with a growing pause. */
static void reap(struct supervisor *s, const sigset_t *oldmask)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < CH__COUNT; i++) {
            struct child *c = &s->ch[i];
            if (c->pid != pid)
                continue;
            c->pid = 0;
            if (i == CH_SAMPLE) {
                /* 0: all stored; 3: stored with some bad records (reported above). */
                if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3)) {
                    int fd = open(s->marker, O_CREAT | O_WRONLY, 0644);
                    if (fd >= 0)
                        close(fd);
                }
                break;
            }
            if (s->stopping)
                break;
            fprintf(stderr, "smematch: %s exited (%s %d), restarting\n", c->name,
                    WIFSIGNALED(status) ? "signal" : "status",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            /* A child that dies at once every time is misconfigured: do not spin. */
            if (sm_now_ms() - c->started_ms < 2000 && ++c->restarts >= 5) {
                fprintf(stderr, "smematch: %s keeps failing, giving up\n", c->name);
                s->stopping = true;
                break;
            }
            sleep(c->restarts ? 1 : 0);
            spawn(c, oldmask);
        }
    }
}

static void usage(void)
{
    fprintf(stderr,
            "usage: smematch serve [--data DIR] [--http HOST:PORT] [--zmq EP] [--pub EP]\n"
            "                      [--sample FILE]\n"
            "  starts the engine and the gateway in the foreground; Ctrl-C stops both.\n"
            "  defaults (or env SMEMATCH_DATA, SMEMATCH_HTTP, SMEMATCH_ZMQ, SMEMATCH_PUB):\n"
            "  ./smematch-data, 127.0.0.1:8080, tcp://127.0.0.1:7601, tcp://127.0.0.1:7602.\n"
            "  --sample FILE imports FILE once, on the first start with that data folder.\n");
}

int cmd_serve(int argc, char **argv, const struct cli_opts *o)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'}, {"http", required_argument, NULL, 'H'},
        {"zmq", required_argument, NULL, 'z'},  {"pub", required_argument, NULL, 'p'},
        {"sample", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {0}};
    struct supervisor s = {0};
    sigset_t mask, oldmask;
    int c, rc = 0;

    (void)o;
    s.data = env_or("SMEMATCH_DATA", "./smematch-data");
    s.http = env_or("SMEMATCH_HTTP", "127.0.0.1:8080");
    s.zmq = env_or("SMEMATCH_ZMQ", "tcp://127.0.0.1:7601");
    s.pub = env_or("SMEMATCH_PUB", "tcp://127.0.0.1:7602");
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': s.data = optarg; break;
        case 'H': s.http = optarg; break;
        case 'z': s.zmq = optarg; break;
        case 'p': s.pub = optarg; break;
        case 's': s.sample = optarg; break;
        case 'h': usage(); return 0;
        default: usage(); return 2;
        }
    }
    if (optind != argc) {
        usage();
        return 2;
    }
    if (find_binaries(&s)) {
        fprintf(stderr, "smematch: smematch-engine and smematch-gateway not found next to %s\n",
                s.self_bin[0] ? s.self_bin : "this program");
        return 1;
    }
    if (mkdir(s.data, 0750) && errno != EEXIST) {
        fprintf(stderr, "smematch: cannot create data folder %s: %s\n", s.data, strerror(errno));
        return 1;
    }
    snprintf(s.url, sizeof(s.url), "http://%s", s.http);
    snprintf(s.marker, sizeof(s.marker), "%s/sample-loaded", s.data);

    char *eargv[] = {s.engine_bin, "--data", (char *)s.data, "--zmq", (char *)s.zmq,
                     "--pub", (char *)s.pub, NULL};
    char *gargv[] = {s.gateway_bin, "--http", (char *)s.http, "--zmq", (char *)s.zmq,
                     "--pub", (char *)s.pub, "--data", (char *)s.data, NULL};
    s.ch[CH_ENGINE] = (struct child){.name = "engine", .argv = eargv};
    s.ch[CH_GATEWAY] = (struct child){.name = "gateway", .argv = gargv};
    s.ch[CH_SAMPLE] = (struct child){.name = "sample loader"};

    /* Handle signals synchronously: no async-signal-safety traps in the supervisor loop. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, &oldmask);

    if (spawn(&s.ch[CH_ENGINE], &oldmask) < 0 || spawn(&s.ch[CH_GATEWAY], &oldmask) < 0) {
        fprintf(stderr, "smematch: fork: %s\n", strerror(errno));
        s.stopping = true;
        rc = 1;
    }
    if (!s.stopping) {
        fprintf(stderr, "smematch: serving http://%s (data in %s); Ctrl-C stops\n", s.http,
                s.data);
        start_sample(&s, &oldmask);
    }
    while (!s.stopping) {
        struct timespec tick = {.tv_sec = 1};
        int sig = sigtimedwait(&mask, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
            fprintf(stderr, "smematch: stopping\n");
            s.stopping = true;
        } else {
            reap(&s, &oldmask);
        }
    }
    if (s.ch[CH_SAMPLE].pid > 0)
        kill(s.ch[CH_SAMPLE].pid, SIGTERM);
    stop_child(&s.ch[CH_SAMPLE], 5000);
    stop_child(&s.ch[CH_GATEWAY], 15000);
    stop_child(&s.ch[CH_ENGINE], 15000);
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    return rc;
}
