/*
 * server.h - the engine's ZeroMQ front: request/reply on a ROUTER, live updates on a PUB.
 *
 * Threads (they talk by ZeroMQ messages only, over inproc sockets):
 *
 *   clients --tcp--> ROUTER [broker] --inproc ROUTER--> N reader threads (DEALER each)
 *                             |   <--------- replies ---/
 *                             |--inproc PUSH--> writer thread --PUB--> subscribers
 *                             <--inproc PULL-- replies
 *
 * - The broker owns the client-facing ROUTER. It reads the op name of each payload without
 *   unpacking it (ops_route) and sends reads to an idle reader (load-balanced: a reader gets one
 *   request at a time and its reply marks it idle again) and writes to the writer. It forwards
 *   every reply to the envelope the request came with: a DEALER's [identity, payload] or a REQ's
 *   [identity, "", payload]. Its queues are bounded: when they fill it stops reading clients and
 *   ZeroMQ's high-water marks push back.
 * - Each reader has its own read transaction (reset and renewed per request).
 * - The writer does group commit: it takes every write request queued (up to batch_max), runs
 *   each in a nested transaction of ONE write transaction, commits with fsync once, THEN sends
 *   all the replies and then publishes the updates. A reply therefore always means "durable".
 *
 * Shutdown (server_stop): the broker takes the requests that have already arrived, stops
 * reading clients, waits until every request in flight has been answered (the writer commits
 * what it has), sends the replies, stops the threads and closes.
 */
#ifndef SM_SERVER_H
#define SM_SERVER_H

#include <stddef.h>

#include "ops.h"
#include "store.h"

#define SERVER_MAX_MSG_SIZE ((int64_t)64 << 20) /* ZMQ_MAXMSGSIZE on the client socket */

struct server;

struct server_config {
    const char *endpoint;        /* ROUTER bind, e.g. "tcp://127.0.0.1:7601" */
    const char *pub_endpoint;    /* PUB bind, e.g. "tcp://127.0.0.1:7602" */
    unsigned readers;            /* reader threads; 0: 2 */
    unsigned batch_max;          /* write requests per commit; 0: 1024 */
    struct store *store;         /* borrowed; outlives the server */
    const struct ops_table *ops; /* borrowed; read-only while serving */
    const struct ops_info *info; /* borrowed; readers is overwritten with the actual count */
};

/*
 * Create the sockets, bind both endpoints and start the threads. Returns 0, -errno from ZeroMQ
 * (e.g. -EADDRINUSE) or -ENOMEM; nothing is left running on failure. Caller owns *out.
 */
int server_new(struct server **out, const struct server_config *cfg);
/* Drain and stop (see above); blocks until every thread has ended. Idempotent. Returns 0. */
int server_stop(struct server *s);
/* Stop if needed, then free. Sets *s to NULL; safe on NULL. */
void server_destroy(struct server **s);

#endif
