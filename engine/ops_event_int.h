/*
 * ops_event_int.h - helpers shared by the event operations (ops_event.c: events, participants,
 * requests, vetoes, meetings; ops_event_sched.c: schedule, views, stats, change log).
 */
#ifndef SM_OPS_EVENT_INT_H
#define SM_OPS_EVENT_INT_H

#include "event.h"
#include "event_store.h"
#include "ops.h"

/* Packs one change's data map. */
typedef int (*oe_pack_fn)(const void *item, const struct ev_model *m, msgpack_packer *pk);

int oe_pack_participant(const void *item, const struct ev_model *m, msgpack_packer *pk);
int oe_pack_request(const void *item, const struct ev_model *m, msgpack_packer *pk);
int oe_pack_meeting(const void *item, const struct ev_model *m, msgpack_packer *pk);
int oe_pack_table(const void *item, const struct ev_model *m, msgpack_packer *pk);

/*
 * Check body is a map naming an existing "event" and load it into m (caller releases it, also
 * on failure). write: record the expiry of overdue pending requests (log + updates); reads see
 * them as expired without writing. Returns 0 or an error with c->err set.
 */
int oe_load(struct ops_ctx *c, const msgpack_object *body, struct ev_model *m, bool write);
/*
 * Append a change to the event's log (next seq, same transaction), save the counters and queue
 * the update on topic "event/<id>". Returns 0, SM_ESTORE or -ENOMEM.
 */
int oe_change(struct ops_ctx *c, struct ev_model *m, const char *type, oe_pack_fn fn,
              const void *item);
/* body[key] must be a participant's profile id: *out borrowed from m. not_found names key. */
int oe_participant(struct ops_ctx *c, const msgpack_object *body, const char *key,
                   struct ev_model *m, struct ev_participant **out);
/* body[key] must be an id "<prefix><n>" of an existing request/meeting. */
int oe_request(struct ops_ctx *c, const msgpack_object *body, const char *key, struct ev_model *m,
               struct ev_request **out);
int oe_meeting(struct ops_ctx *c, const msgpack_object *body, const char *key, struct ev_model *m,
               struct ev_meeting **out);
/* {"id","name","timezone"} of the event. */
int oe_pack_event_head(msgpack_packer *pk, const struct ev_model *m);
/* Index of the table a meeting sits at, or -1. */
int oe_meeting_table(const struct ev_model *m, const struct ev_meeting *mt);
/* The participant, or NULL. */
const struct ev_participant *oe_part(const struct ev_model *m, const char *id);

/* The operations of ops_event_sched.c (listed in ops_event_defs). */
int oe_op_schedule(struct ops_ctx *c, const msgpack_object *body);
int oe_op_schedule_get(struct ops_ctx *c, const msgpack_object *body);
int oe_op_agenda(struct ops_ctx *c, const msgpack_object *body);
int oe_op_table_sheet(struct ops_ctx *c, const msgpack_object *body);
int oe_op_changes(struct ops_ctx *c, const msgpack_object *body);
int oe_op_stats(struct ops_ctx *c, const msgpack_object *body);

#endif
