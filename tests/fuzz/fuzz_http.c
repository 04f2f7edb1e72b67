/*
 * fuzz_http.c - libFuzzer target for the gateway's HTTP server (http-parser behind conn.c):
 * each input is written to a real loopback connection of an in-process server (small limits,
 * so the 413/414/431 paths are reached), the client half-closes, and the loop runs until the
 * server has closed the connection. Whatever the bytes, the server must answer or close, never
 * crash, leak or hang; a handler answers each request with what it was given.
 *
 * Built as a libFuzzer binary with -Dfuzz=true (clang), and always as fuzz_http_run with
 * fuzz_driver.c, so `meson test` runs it under ASan.
 */
#include "sm.h"

#include "http.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uv_loop_t loop;
static struct http_server srv;
static struct sockaddr_in addr;
static bool ready;

static size_t on_head(void *user, struct http_req *req)
{
    (void)user;
    req->route_rc =
        route_match(req->method_bit, req->path, req->path_len, &req->match, &req->route_err);
    if (req->match.route != ROUTE_NONE)
        req->route_label = route_name(req->match.route);
    return req->match.route == ROUTE_PROFILES_IMPORT ? 8192 : 0;
}

static void on_request(void *user, struct http_req *req)
{
    struct buf b = BUF_INIT;
    const char *ct;
    size_t n = 0;

    (void)user;
    if (req->route_rc) {
        http_respond_error(req, 0, &req->route_err, NULL);
        return;
    }
    ct = http_req_header(req, "content-type", &n);
    buf_puts(&b, "{\"path\":");
    buf_json_str(&b, req->path, req->path_len);
    buf_puts(&b, ",\"query\":");
    buf_json_str(&b, req->query, strlen(req->query));
    buf_puts(&b, ",\"type\":");
    buf_json_str(&b, ct ? ct : "", ct ? n : 0);
    buf_printf(&b, ",\"body\":%zu,\"param\":", req->body_len);
    buf_json_str(&b, req->match.params[0], strlen(req->match.params[0]));
    buf_putc(&b, '}');
    http_respond(req, 200, "application/json", NULL, &b);
    buf_release(&b);
}

static void setup(void)
{
    struct http_limits lim = http_default_limits;
    struct http_app app = {on_head, on_request, NULL};
    int len = sizeof(addr);

    lim.max_conns = 8;
    lim.max_header = 2048;
    lim.max_url = 256;
    lim.max_body = 1024;
    uv_loop_init(&loop);
    if (http_server_init(&srv, &loop, &lim, &app, NULL))
        abort();
    uv_ip4_addr("127.0.0.1", 0, &addr);
    if (http_server_listen(&srv, (const struct sockaddr *)&addr))
        abort();
    uv_tcp_getsockname(&srv.listener, (struct sockaddr *)&addr, &len);
    ready = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char sink[65536];
    size_t sent = 0;
    bool eof = false, shut = false;
    int fd;

    if (!ready)
        setup();
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&addr, sizeof(addr)))
        abort();
    fcntl(fd, F_SETFL, O_NONBLOCK);
    /* Interleave writing, serving and reading so neither side's buffers block the other. */
    for (long spins = 0; spins < 200000 && !(eof && srv.n_conns == 0); spins++) {
        ssize_t n;

        if (sent < size) {
            n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                sent = size; /* the server closed on us: fine */
        }
        if (sent == size && !shut) {
            shutdown(fd, SHUT_WR);
            shut = true;
        }
        uv_run(&loop, UV_RUN_NOWAIT);
        n = recv(fd, sink, sizeof(sink), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            eof = true;
    }
    if (!eof || srv.n_conns != 0) {
        fprintf(stderr, "fuzz_http: connection not closed (%u open)\n", srv.n_conns);
        abort();
    }
    close(fd);
    return 0;
}
