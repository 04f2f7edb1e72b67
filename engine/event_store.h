/*
 * event_store.h - events in LMDB: the layout, loading a whole event, writing single items and
 * the per-event change log.
 *
 * Named databases (opened by event_store_open before the server starts):
 *   "events"     <event>\0<kind>\0<key> -> msgpack record, kinds:
 *                  'c' (key "")            counters {"seq", "next_request", "next_meeting"}
 *                  'e' (key "")            the event (ev_config_pack)
 *                  'm' (key u64 BE number) a meeting (ev_meeting_pack)
 *                  'p' (key profile id)    a participant (ev_participant_pack)
 *                  'r' (key u64 BE number) a request (ev_request_pack)
 *                  'v' (key by\0partner)   a veto (ev_veto_pack)
 *   "event_log"  <event>\0<seq u64 BE> -> {"seq", "type", "ts", "data"}
 * All of an event's keys share the prefix "<event>\0", so one cursor range loads it.
 *
 * Threads: event_store_open runs once before any thread; the rest runs in the caller's
 * transaction (reads on any reader, writes on the writer). The database handles are process-wide
 * constants after event_store_open.
 */
#ifndef SM_EVENT_STORE_H
#define SM_EVENT_STORE_H

#include "event.h"
#include "store.h"

/* Open (create) the event databases. Returns 0 or SM_ESTORE. */
int event_store_open(struct store *st);

/* A whole event loaded in memory; everything lives in ar. */
struct ev_model {
    struct arena *ar;
    struct ev_config cfg;
    uint64_t seq, next_request, next_meeting;
    struct ev_participant *parts;
    int n_parts, cap_parts;
    struct ev_request *reqs;
    int n_reqs, cap_reqs;
    struct ev_veto *vetoes;
    int n_vetoes, cap_vetoes;
    struct ev_meeting *meets;
    int n_meets, cap_meets;
};

/* An empty model with its arena (for event.create). Returns 0 or -ENOMEM. */
int ev_model_init(struct ev_model *m);
/* Load event id (creates the arena). Returns 0, SM_ENOTFOUND, SM_ESTORE or -ENOMEM. */
int ev_model_load(struct store_txn *t, const char *id, size_t n, struct ev_model *m);
/* Free the arena; safe on a zeroed or released model. */
void ev_model_release(struct ev_model *m);
/* Whether the event exists (0 yes, SM_ENOTFOUND, SM_ESTORE). */
int ev_exists(struct store_txn *t, const char *id, size_t n);

/* The newest seq of the event's change log (0 if none). Returns 0, SM_ENOTFOUND, SM_ESTORE. */
int ev_last_seq(struct store_txn *t, const char *id, size_t n, uint64_t *seq);

/* Lookups (borrowed from the model; NULL when absent). */
struct ev_participant *ev_find_participant(struct ev_model *m, const char *id, size_t n);
int ev_participant_index(const struct ev_model *m, const char *id);
struct ev_request *ev_find_request(struct ev_model *m, uint64_t num);
struct ev_meeting *ev_find_meeting(struct ev_model *m, uint64_t num);
const struct ev_veto *ev_find_veto(const struct ev_model *m, const char *a, const char *b);
/* New zeroed items at the end of the model's arrays (NULL on ENOMEM). */
struct ev_participant *ev_add_participant(struct ev_model *m);
struct ev_request *ev_add_request(struct ev_model *m);
struct ev_meeting *ev_add_meeting(struct ev_model *m);
struct ev_veto *ev_add_veto(struct ev_model *m);

/* Writes (write txn). Return 0 or SM_ESTORE (map full recorded in t). */
int ev_put_config(struct store_txn *t, const struct ev_model *m);
int ev_put_counters(struct store_txn *t, const struct ev_model *m);
int ev_put_participant(struct store_txn *t, const struct ev_model *m,
                       const struct ev_participant *p);
int ev_put_request(struct store_txn *t, const struct ev_model *m, const struct ev_request *r);
int ev_put_veto(struct store_txn *t, const struct ev_model *m, const struct ev_veto *v);
int ev_put_meeting(struct store_txn *t, const struct ev_model *m, const struct ev_meeting *mt);

/* Append a log record (already packed) under seq. */
int ev_log_put(struct store_txn *t, const char *event, uint64_t seq, const void *rec, size_t len);
/*
 * Call fn for each log record of event with seq > since, ascending, at most limit of them
 * (record borrowed for the call). Returns 0, fn's first non-zero result or SM_ESTORE.
 */
int ev_log_scan(struct store_txn *t, const char *event, uint64_t since, uint32_t limit,
                int (*fn)(const void *rec, size_t len, void *user), void *user);

#endif
