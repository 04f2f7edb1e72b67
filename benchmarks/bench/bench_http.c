/* bench_http.c - HTTP load generator and blocking client; see bench_http.h. */
#define _GNU_SOURCE /* memmem */
#include "sm.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_http.h"
#include "err.h"

#define REQ_CAP 4096

struct hconn {
    int fd;
    char req[REQ_CAP];
    size_t req_len, req_off;
    struct bench_buf in;
    uint64_t t0;
    bool busy;
};

static int connect_fd(int port, bool nonblock)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -errno;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    if (nonblock)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

int bench_http_connect(int port)
{
    return connect_fd(port, false);
}

/*
 * If buf holds a complete response, return its total length and set *status; 0 if more bytes
 * are needed; -1 if it cannot be parsed (no Content-Length: the gateway always sends one).
 */
static long response_complete(const char *buf, size_t len, int *status)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4), *p;
    size_t head, clen = 0;
    bool have_len = false;

    if (!end)
        return 0;
    head = (size_t)(end - buf) + 4;
    *status = 0;
    if (len >= 12 && memcmp(buf, "HTTP/1.", 7) == 0)
        *status = atoi(buf + 9);
    for (p = buf; p && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        if ((size_t)(nl - p) > 15 && strncasecmp(nl + 1, "content-length:", 15) == 0) {
            clen = strtoul(nl + 16, NULL, 10);
            have_len = true;
        }
        p = nl + 1;
    }
    if (!have_len)
        return *status == 204 || *status == 304 ? (long)head : -1;
    return len >= head + clen ? (long)(head + clen) : 0;
}

static bool next_request(struct hconn *c, bench_http_req_fn make, void *ctx, uint64_t *issued,
                         uint64_t total)
{
    if (*issued >= total)
        return false;
    c->req_len = make(ctx, *issued, c->req, sizeof(c->req));
    if (!c->req_len)
        return false;
    (*issued)++;
    c->req_off = 0;
    c->in.len = 0;
    c->busy = true;
    c->t0 = sm_now_ns();
    return true;
}

/* Write what remains of the request; 0, 1 (would block) or -1 (connection error). */
static int write_some(struct hconn *c)
{
    while (c->req_off < c->req_len) {
        ssize_t w = send(c->fd, c->req + c->req_off, c->req_len - c->req_off, MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN ? 1 : -1;
        c->req_off += (size_t)w;
    }
    return 0;
}

int bench_http_load(int port, unsigned conns, uint64_t total, double max_secs,
                    bench_http_req_fn make, void *ctx, struct bench_http_result *r)
{
    struct hconn *cs = calloc(conns, sizeof(*cs));
    struct epoll_event evs[256];
    uint64_t issued = 0, t0 = sm_now_ns(), deadline, last;
    unsigned busy = 0, i;
    int ep = epoll_create1(0), rc = 0;

    r->done = r->conn_errors = 0;
    memset(r->by_class, 0, sizeof(r->by_class));
    if (!cs || ep < 0) {
        rc = -ENOMEM;
        goto out;
    }
    deadline = t0 + (uint64_t)(max_secs * 1e9);
    for (i = 0; i < conns; i++) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = i};
        cs[i].fd = connect_fd(port, true);
        bench_buf_init(&cs[i].in);
        if (cs[i].fd < 0) {
            r->conn_errors++;
            continue;
        }
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
        if (next_request(&cs[i], make, ctx, &issued, total)) {
            busy++;
            if (write_some(&cs[i]) < 0)
                r->conn_errors++;
        }
    }
    if (r->conn_errors == conns) {
        fprintf(stderr, "http: cannot connect to port %d\n", port);
        rc = -ECONNREFUSED;
        goto out;
    }
    last = sm_now_ns();
    while (busy) {
        int n = epoll_wait(ep, evs, (int)SM_ARRAY_SIZE(evs), 1000);

        if (n > 0)
            last = sm_now_ns();
        else if (sm_now_ns() - last > 30000000000ull) {
            fprintf(stderr, "http: no response for 30 s, %u requests in flight: giving up\n",
                    busy);
            rc = SM_ETIMEOUT;
            break;
        }
        for (int k = 0; k < n; k++) {
            struct hconn *c = &cs[evs[k].data.u32];
            bool dead = false;

            if (!c->busy)
                continue;
            if ((evs[k].events & EPOLLOUT) && write_some(c) < 0)
                dead = true;
            while (!dead && (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
                char tmp[65536];
                ssize_t got = recv(c->fd, tmp, sizeof(tmp), 0);
                int status;
                long full;

                if (got < 0 && errno == EAGAIN)
                    break;
                if (got <= 0) {
                    dead = true;
                    break;
                }
                bench_buf_add(&c->in, tmp, (size_t)got);
                full = response_complete(c->in.s, c->in.len, &status);
                if (full < 0) {
                    dead = true;
                    break;
                }
                if (full == 0)
                    continue;
                bench_lat_add(&r->lat, sm_now_ns() - c->t0);
                r->done++;
                r->by_class[status >= 100 && status < 600 ? status / 100 : 0]++;
                c->busy = false;
                busy--;
                if (sm_now_ns() < deadline && next_request(c, make, ctx, &issued, total)) {
                    busy++;
                    if (write_some(c) < 0)
                        dead = true;
                }
                break;
            }
            if (dead) {
                /* Reconnect and retry nothing: the request counts as a connection error. */
                r->conn_errors++;
                if (c->busy) {
                    c->busy = false;
                    busy--;
                }
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = connect_fd(port, true);
                if (c->fd >= 0) {
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET,
                                             .data.u32 = (uint32_t)(c - cs)};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
                    if (sm_now_ns() < deadline && next_request(c, make, ctx, &issued, total)) {
                        busy++;
                        write_some(c);
                    }
                }
            }
        }
    }
out:
    r->secs = bench_secs(t0);
    for (i = 0; cs && i < conns; i++) {
        if (cs[i].fd >= 0)
            close(cs[i].fd);
        bench_buf_release(&cs[i].in);
    }
    free(cs);
    if (ep >= 0)
        close(ep);
    return rc;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int bench_http_exchange(int fd, const char *head, size_t head_len, const char *body,
                        size_t body_len, int *status, struct bench_buf *resp)
{
    struct bench_buf in;
    int rc;

    bench_buf_init(&in);
    rc = send_all(fd, head, head_len);
    if (rc == 0 && body_len)
        rc = send_all(fd, body, body_len);
    while (rc == 0) {
        char tmp[65536];
        ssize_t got = recv(fd, tmp, sizeof(tmp), 0);
        long full;

        if (got <= 0) {
            rc = got < 0 ? -errno : -ECONNRESET;
            break;
        }
        bench_buf_add(&in, tmp, (size_t)got);
        full = response_complete(in.s, in.len, status);
        if (full < 0) {
            rc = SM_EBADREQ;
            break;
        }
        if (full > 0) {
            const char *b = memmem(in.s, in.len, "\r\n\r\n", 4) + 4;
            bench_buf_add(resp, b, (size_t)full - (size_t)(b - in.s));
            break;
        }
    }
    bench_buf_release(&in);
    return rc;
}
