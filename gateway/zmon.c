/* zmon.c - see zmon.h. */
#include "sm.h"
#include "zmon.h"

#include <zmq.h>

int zmon_next(void *mon, uint16_t *event)
{
    int ev = 0;
    size_t sz = sizeof(ev);
    zmq_msg_t m;
    bool more;

    *event = 0;
    if (zmq_getsockopt(mon, ZMQ_EVENTS, &ev, &sz) || !(ev & ZMQ_POLLIN))
        return 0;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return 0;
    }
    /* Frame 1: uint16 event + uint32 value (native order); frame 2: the endpoint. */
    if (zmq_msg_size(&m) >= 2)
        memcpy(event, zmq_msg_data(&m), sizeof(*event));
    more = zmq_msg_more(&m);
    zmq_msg_close(&m);
    while (more) {
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    return 1;
}
