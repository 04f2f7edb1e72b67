/*
 * main.c - smematch-gateway: the HTTP/JSON front of the engine (SPEC §6).
 *
 * Wires the modules together on one libuv loop: http (server) -> api (handlers) -> ecli
 * (engine client), with metrics shared. SIGTERM/SIGINT drain: stop accepting, let requests in
 * flight get their engine replies (at most the request timeout), then close every handle and
 * exit 0.
 */
#include "sm.h"
#include "api.h"
#include "api_stream.h"
#include "ecli.h"
#include "http.h"
#include "log.h"
#include "metrics.h"

#include <getopt.h>
#include <netdb.h>
#include <signal.h>

struct gateway {
    uv_loop_t loop;
    struct metrics metrics;
    struct ecli ecli;
    struct api api;
    struct stream_hub streams; /* live event streams, fed by --pub */
    struct http_server http;
    uv_signal_t sigterm, sigint;
    uv_timer_t deadline;
    bool stopping;
    const char *http_addr, *zmq_ep, *pub_ep, *data_dir;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: smematch-gateway [options]\n"
            "  --http HOST:PORT      listen address (env SMEMATCH_HTTP, default 127.0.0.1:8080)\n"
            "  --zmq EP              engine request endpoint (env SMEMATCH_ZMQ,\n"
            "                        default tcp://127.0.0.1:7601)\n"
            "  --pub EP              engine update endpoint (env SMEMATCH_PUB,\n"
            "                        default tcp://127.0.0.1:7602)\n"
            "  --data DIR            data folder, for API keys (env SMEMATCH_DATA)\n"
            "  --timeout-ms N        engine request timeout (default 10000)\n"
            "  --import-timeout-ms N engine time for each import batch (default 120000)\n"
            "  --ping-timeout-ms N   engine marked down when a ping is unanswered (default 2000)\n"
            "  --max-body BYTES      JSON body limit, suffix K/M allowed (default 1M)\n"
            "  --max-import-body B   import body limit (default 64M)\n"
            "  --max-conns N         open HTTP connections (default 1024)\n"
            "  --header-timeout-ms N request headers must arrive within (default 10000)\n"
            "  --idle-timeout-ms N   keep-alive idle timeout (default 30000)\n"
            "  --max-streams N       open live event streams (default 256)\n"
            "  --stream-ping-ms N    heartbeat comment on idle streams (default 15000)\n"
            "  --log-level L         error, warn, info (default), debug\n"
            "  --help                this text\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    if (*end == 'k' || *end == 'K') {
        v <<= 10;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        v <<= 20;
        end++;
    } else if (*end == 'g' || *end == 'G') {
        v <<= 30;
        end++;
    }
    if (*end)
        return -1;
    *out = v;
    return 0;
}

/* HOST:PORT or [V6]:PORT; names are resolved once, at start. */
static int parse_addr(const char *spec, struct sockaddr_storage *ss)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    const char *h = spec;
    size_t hl;
    struct addrinfo hints, *res = NULL;
    int port;

    if (!colon)
        return -1;
    hl = (size_t)(colon - spec);
    if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
        h = spec + 1;
        hl -= 2;
    }
    if (hl >= sizeof(host))
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    port = atoi(colon + 1);
    if (port <= 0 || port > 65535)
        return -1;
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0 ||
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) || !res)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port); /* same offset for v6 */
    freeaddrinfo(res);
    return 0;
}

static void handle_closed(uv_handle_t *h)
{
    (void)h;
}

static void ecli_closed(struct ecli *c)
{
    struct gateway *g = SM_CONTAINER_OF(c, struct gateway, ecli);

    uv_close((uv_handle_t *)&g->sigterm, handle_closed);
    uv_close((uv_handle_t *)&g->sigint, handle_closed);
    uv_close((uv_handle_t *)&g->deadline, handle_closed);
}

static void streams_closed(struct stream_hub *h)
{
    struct gateway *g = SM_CONTAINER_OF(h, struct gateway, streams);

    ecli_close(&g->ecli, ecli_closed);
}

static void http_stopped(struct http_server *s)
{
    struct gateway *g = SM_CONTAINER_OF(s, struct gateway, http);

    log_info("gateway stopped: all connections closed");
    uv_timer_stop(&g->deadline);
    stream_hub_close(&g->streams, streams_closed);
}

static void deadline_cb(uv_timer_t *t)
{
    struct gateway *g = SM_CONTAINER_OF(t, struct gateway, deadline);

    /* Requests still waiting get their 503 now; writes no client takes are cut. */
    log_warn("drain deadline passed: failing what is still in flight");
    ecli_fail_all(&g->ecli, SM_EUNAVAIL);
    http_server_close_idle(&g->http);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct gateway *g = h->data;

    if (g->stopping)
        return;
    g->stopping = true;
    log_info("signal %d: stop accepting, draining %u connection(s)", signum, g->http.n_conns);
    uv_signal_stop(&g->sigterm);
    uv_signal_stop(&g->sigint);
    uv_timer_start(&g->deadline, deadline_cb, g->ecli.opts.timeout_ms + 1000,
                   g->ecli.opts.timeout_ms + 1000);
    http_server_stop(&g->http, http_stopped);
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"http", required_argument, NULL, 'h'},
        {"zmq", required_argument, NULL, 'z'},
        {"pub", required_argument, NULL, 'p'},
        {"data", required_argument, NULL, 'd'},
        {"timeout-ms", required_argument, NULL, 't'},
        {"import-timeout-ms", required_argument, NULL, 'i'},
        {"ping-timeout-ms", required_argument, NULL, 'P'},
        {"max-body", required_argument, NULL, 'b'},
        {"max-import-body", required_argument, NULL, 'B'},
        {"max-conns", required_argument, NULL, 'c'},
        {"header-timeout-ms", required_argument, NULL, 'H'},
        {"idle-timeout-ms", required_argument, NULL, 'I'},
        {"log-level", required_argument, NULL, 'l'},
        {"max-streams", required_argument, NULL, 'S'},
        {"stream-ping-ms", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, '?' + 256},
        {NULL, 0, NULL, 0},
    };
    static struct gateway g; /* large (metrics tables): not on the stack */
    struct http_limits lim = http_default_limits;
    struct ecli_opts eo = ecli_default_opts;
    struct stream_hub_opts so = stream_hub_default_opts;
    struct http_app app;
    struct sockaddr_storage ss;
    uint64_t max_body = API_MAX_BODY, max_import = API_MAX_IMPORT_BODY, v;
    uint64_t import_timeout = API_IMPORT_TIMEOUT_MS;
    int level = LOG_INFO, opt, rc;

    g.http_addr = env_or("SMEMATCH_HTTP", "127.0.0.1:8080");
    g.zmq_ep = env_or("SMEMATCH_ZMQ", "tcp://127.0.0.1:7601");
    g.pub_ep = env_or("SMEMATCH_PUB", "tcp://127.0.0.1:7602");
    g.data_dir = env_or("SMEMATCH_DATA", NULL);
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            g.http_addr = optarg;
            break;
        case 'z':
            g.zmq_ep = optarg;
            break;
        case 'p':
            g.pub_ep = optarg;
            break;
        case 'd':
            g.data_dir = optarg;
            break;
        case 'l':
            level = log_level_parse(optarg);
            if (level < 0) {
                fprintf(stderr, "smematch-gateway: bad --log-level %s\n", optarg);
                return 2;
            }
            break;
        case '?' + 256:
            usage(stdout);
            return 0;
        case 't':
        case 'i':
        case 'P':
        case 'b':
        case 'B':
        case 'c':
        case 'H':
        case 'I':
        case 'S':
        case 'T':
            if (parse_u64(optarg, &v) || v == 0) {
                fprintf(stderr, "smematch-gateway: bad value %s\n", optarg);
                return 2;
            }
            if (opt == 't')
                eo.timeout_ms = v;
            if (opt == 'i')
                import_timeout = v;
            if (opt == 'P')
                eo.ping_timeout_ms = v;
            if (opt == 'b')
                max_body = v;
            if (opt == 'B')
                max_import = v;
            if (opt == 'c')
                lim.max_conns = (unsigned)v;
            if (opt == 'H')
                lim.header_timeout_ms = v;
            if (opt == 'I')
                lim.idle_timeout_ms = v;
            if (opt == 'S')
                so.max_streams = (size_t)v;
            if (opt == 'T')
                so.ping_ms = v;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    log_init("gateway", (enum log_level)level);
    if (parse_addr(g.http_addr, &ss)) {
        log_error("bad --http address %s (expected HOST:PORT)", g.http_addr);
        return 2;
    }
    /* libuv writes to sockets with write(2): a client gone mid-response must not kill us. */
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&g.loop);
    metrics_init(&g.metrics);
    eo.endpoint = g.zmq_ep;
    rc = ecli_init(&g.ecli, &g.loop, &eo, &g.metrics);
    if (rc) {
        log_error("engine client: %s", sm_strerror(rc));
        return 1;
    }
    api_init(&g.api, &g.ecli, &g.metrics, (size_t)max_body, (size_t)max_import);
    rc = stream_hub_init(&g.streams, &g.loop, &g.ecli, g.pub_ep, &so);
    if (rc) {
        log_error("updates subscriber on %s: %s", g.pub_ep, sm_strerror(rc));
        return 1;
    }
    g.api.streams = &g.streams;
    g.api.import_timeout_ms = import_timeout;
    lim.max_body = (size_t)max_body;
    app.on_head = api_on_head;
    app.on_request = api_on_request;
    app.user = &g.api;
    http_server_init(&g.http, &g.loop, &lim, &app, &g.metrics);
    rc = http_server_listen(&g.http, (const struct sockaddr *)&ss);
    if (rc) {
        log_error("cannot listen on %s: %s", g.http_addr, uv_strerror(rc));
        return 1;
    }
    uv_signal_init(&g.loop, &g.sigterm);
    uv_signal_init(&g.loop, &g.sigint);
    uv_timer_init(&g.loop, &g.deadline);
    g.sigterm.data = g.sigint.data = &g;
    uv_signal_start(&g.sigterm, on_signal, SIGTERM);
    uv_signal_start(&g.sigint, on_signal, SIGINT);
    log_info("gateway listening on http://%s (engine %s, updates %s, data %s)", g.http_addr,
             g.zmq_ep, g.pub_ep, g.data_dir ? g.data_dir : "-");
    uv_run(&g.loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(&g.loop);
    if (rc)
        log_warn("loop closed with handles left: %s", uv_strerror(rc));
    log_info("gateway exited cleanly");
    return 0;
}
