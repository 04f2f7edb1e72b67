/*
 * main.c - smematch-engine: flags and environment, signals, and the wiring of store, ops and
 * server. Everything else lives in the engine_core library.
 *
 * Signals: SIGINT and SIGTERM are blocked in every thread and taken synchronously by sigwait()
 * in the main thread, which then drains and stops the server (server_stop) and closes the store;
 * no code runs in a signal handler.
 */
#include "sm.h"

#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include "event_store.h"
#include "index.h"
#include "log.h"
#include "ops.h"
#include "server.h"
#include "store.h"

#define DEFAULT_DATA "./smematch-data"
#define DEFAULT_ZMQ "tcp://127.0.0.1:7601"
#define DEFAULT_PUB "tcp://127.0.0.1:7602"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: smematch-engine [options]\n"
        "  --data DIR          data folder (env SMEMATCH_DATA, default " DEFAULT_DATA ")\n"
        "  --zmq ENDPOINT      request socket, ROUTER (env SMEMATCH_ZMQ, default " DEFAULT_ZMQ ")\n"
        "  --pub ENDPOINT      updates socket, PUB (env SMEMATCH_PUB, default " DEFAULT_PUB ")\n"
        "  --readers N         reader threads, 1..64 (default 2)\n"
        "  --map-size BYTES    initial LMDB map size, K/M/G suffix (default 1G; grows)\n"
        "  --rebuild-index     drop the matching index and build it again from the stored\n"
        "                      profiles before serving (when the log reports it damaged)\n"
        "  --log-level LEVEL   error, warn, info or debug (env SMEMATCH_LOG_LEVEL, "
        "default info)\n"
        "  --version           print the version\n"
        "  --help              this text\n"
        "The protocol is in docs/protocol.md. SIGTERM or SIGINT drains and exits 0.\n");
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && v[0] ? v : def;
}

/* "64M" -> 67108864; 0 on error. */
static size_t parse_size(const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
        return 0;
    switch (*end) {
    case 'k':
    case 'K':
        v <<= 10;
        end++;
        break;
    case 'm':
    case 'M':
        v <<= 20;
        end++;
        break;
    case 'g':
    case 'G':
        v <<= 30;
        end++;
        break;
    default:
        break;
    }
    return *end ? 0 : (size_t)v;
}

/*
 * One engine per data folder: a second one would split the updates channel and double the
 * writers. The lock is released by the kernel when the process dies, kill -9 included.
 */
static int lock_data(const char *dir)
{
    char path[4096];
    int fd;

    if ((size_t)snprintf(path, sizeof(path), "%s/engine.lock", dir) >= sizeof(path))
        return -ENAMETOOLONG;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd; /* kept open for the life of the process */
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"zmq", required_argument, NULL, 'z'},
        {"pub", required_argument, NULL, 'p'},
        {"readers", required_argument, NULL, 'r'},
        {"map-size", required_argument, NULL, 'm'},
        {"rebuild-index", no_argument, NULL, 'R'},
        {"log-level", required_argument, NULL, 'l'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = env_or("SMEMATCH_DATA", DEFAULT_DATA);
    const char *zmq_ep = env_or("SMEMATCH_ZMQ", DEFAULT_ZMQ);
    const char *pub_ep = env_or("SMEMATCH_PUB", DEFAULT_PUB);
    int level = log_level_parse(env_or("SMEMATCH_LOG_LEVEL", "info"));
    struct store_options sopt = {0};
    struct store *st = NULL;
    struct index *ix = NULL;
    struct server *srv = NULL;
    struct ops_table ops;
    struct ops_info info = {.version = SM_VERSION};
    struct server_config cfg = {0};
    long readers = 2;
    bool rebuild = false;
    sigset_t sigs;
    int opt, sig, rc, lock_fd = -1, status = 1;

    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        char *end;

        switch (opt) {
        case 'd':
            data = optarg;
            break;
        case 'z':
            zmq_ep = optarg;
            break;
        case 'p':
            pub_ep = optarg;
            break;
        case 'r':
            readers = strtol(optarg, &end, 10);
            if (*end || readers < 1 || readers > 64) {
                fprintf(stderr, "smematch-engine: --readers must be 1..64\n");
                return 2;
            }
            break;
        case 'm':
            sopt.map_size = parse_size(optarg);
            if (sopt.map_size < ((size_t)1 << 16)) {
                fprintf(stderr, "smematch-engine: --map-size must be at least 64K\n");
                return 2;
            }
            break;
        case 'R':
            rebuild = true;
            break;
        case 'l':
            level = log_level_parse(optarg);
            if (level < 0) {
                fprintf(stderr,
                        "smematch-engine: --log-level must be error, warn, info or debug\n");
                return 2;
            }
            break;
        case 'V':
            printf("smematch-engine %s\n", SM_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "smematch-engine: unexpected argument: %s\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    log_init("engine", level < 0 ? LOG_INFO : (enum log_level)level);

    /* Before any thread starts, so that every thread inherits the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = store_open(&st, data, &sopt);
    if (rc) {
        log_error("cannot open the database in %s: %s", data, sm_strerror(rc));
        goto out;
    }
    lock_fd = lock_data(data);
    if (lock_fd < 0) {
        log_error("cannot lock %s/engine.lock: %s (is another engine using this folder?)", data,
                  strerror(-lock_fd));
        goto out;
    }
    if (rebuild && (rc = index_drop(st)) != 0) {
        log_error("cannot drop the matching index: %s", sm_strerror(rc));
        goto out;
    }
    /* Before the server: the index registers its store hook and may build itself. */
    rc = index_open(&ix, st);
    if (rc) {
        log_error("cannot open the matching index: %s", sm_strerror(rc));
        goto out;
    }
    info.index = ix;
    rc = event_store_open(st);
    if (rc) {
        log_error("cannot open the event databases: %s", sm_strerror(rc));
        goto out;
    }
    rc = ops_table_default(&ops);
    if (rc) {
        log_error("cannot build the operation table: %s", sm_strerror(rc));
        goto out;
    }
    cfg.endpoint = zmq_ep;
    cfg.pub_endpoint = pub_ep;
    cfg.readers = (unsigned)readers;
    cfg.store = st;
    cfg.ops = &ops;
    cfg.info = &info;
    rc = server_new(&srv, &cfg);
    if (rc) {
        log_error("cannot start the server: %s", sm_strerror(rc));
        goto out;
    }
    log_info("engine ready: requests %s, updates %s, data %s, %ld readers", zmq_ep, pub_ep,
             store_path(st), readers);
    if (sigwait(&sigs, &sig) != 0)
        sig = SIGTERM;
    log_info("%s: draining requests in flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server_destroy(&srv);
    log_info("engine stopped");
    status = 0;
out:
    server_destroy(&srv);
    index_close(&ix);
    store_close(&st);
    if (lock_fd >= 0)
        close(lock_fd);
    return status;
}
