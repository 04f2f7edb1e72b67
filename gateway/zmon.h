/*
 * zmon.h - reading ZeroMQ socket-monitor events (zmq_socket_monitor), shared by the engine
 * client (ecli.c) and the updates subscriber (sub.c).
 *
 * Like any ZeroMQ fd, a monitor socket's fd only signals a change: an event left unread (e.g.
 * one queued before the poll started) means no further wake-up, so callers read until
 * zmon_next() says nothing is pending, on the fd and on a timer tick as well.
 */
#ifndef GW_ZMON_H
#define GW_ZMON_H

#include <stdint.h>

/*
 * Read one event from the monitor socket mon (a ZMQ_PAIR connected to the monitor endpoint)
 * without blocking. Returns 1 with *event set (ZMQ_EVENT_CONNECTED, ...), 0 when none is
 * pending or on a receive error.
 */
int zmon_next(void *mon, uint16_t *event);

#endif
