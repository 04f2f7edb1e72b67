/*
 * event.h - live matchmaking sessions (SPEC §4): the event model, its validation and its
 * msgpack records. Pure logic except ev_tz_load(), which reads the system's zoneinfo file.
 *
 * An event is loaded whole into a struct ev_model (event_store.h) whose strings and arrays all
 * live in one arena: handlers load, change and write back single items, then drop the arena.
 *
 * Records and API objects share one encoding (docs/protocol.md "## Events" lists the fields):
 * ev_pack_participant() & co. write what the store keeps and what the ops reply with, and
 * ev_decode_*() read the stored records back.
 */
#ifndef SM_EVENT_H
#define SM_EVENT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"
#include "sched.h"

#define EV_SLOTS_MAX SCHED_MAX_SLOTS
#define EV_TABLES_MAX 4096
#define EV_GROUPS_MAX 32
#define EV_TEXT_MAX 2048 /* request messages */
#define EV_NAME_MAX 512
#define EV_TIME_MAX 32 /* "2026-05-12T09:00:00+08:00" and NUL */

/* ---- time ---------------------------------------------------------------------------------- */

/*
 * Parse ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z" or "+HH:MM"/"-HH:MM" (an offset is
 * required). Returns 0 with the instant in Unix ms and the offset in minutes, or -1.
 */
int ev_time_parse(const char *s, size_t n, int64_t *ms, int *off_min);
/* Write "YYYY-MM-DDTHH:MM:SS+HH:MM" for the instant ms seen at offset off_min. */
void ev_time_format(int64_t ms, int off_min, char out[EV_TIME_MAX]);
/* Days since 1970-01-01 of a civil date; false for an invalid date. */
bool ev_date_parse(const char *s, size_t n, int64_t *days);

/* A time zone: a fixed offset or the transitions of a zoneinfo (TZif) file. */
struct ev_tz;
/*
 * Load name: "UTC", "Z", "+08:00"/"-05:30" (fixed), or an IANA name read from
 * /usr/share/zoneinfo (or $TZDIR). Returns 0, SM_EINVAL (unknown or malformed) or -ENOMEM.
 * Caller owns *out (ev_tz_free). Times after a file's last transition keep its last offset.
 */
int ev_tz_load(const char *name, size_t n, struct ev_tz **out);
void ev_tz_free(struct ev_tz **tz);
/* UTC offset in minutes at the instant ms. */
int ev_tz_offset(const struct ev_tz *tz, int64_t ms);
/* The instant of local time local_ms (ms since the epoch as if the zone were UTC). */
int64_t ev_tz_to_utc(const struct ev_tz *tz, int64_t local_ms);

/* ---- the event ----------------------------------------------------------------------------- */

struct ev_slot {
    int64_t start_ms, end_ms;
    int off_min; /* UTC offset of the event's zone at start */
    int day;     /* index of the local date among the event's dates */
    int session; /* index into ev_config.sessions */
};

struct ev_table {
    char *id, *label;
    char *owner; /* booth owner's profile id, or NULL */
    bool out_of_use;
};

struct ev_config {
    char *id, *name, *tz;
    int n_slots;
    struct ev_slot *slots;
    int n_sessions;
    char **sessions;
    int n_tables;
    struct ev_table *tables;
    int64_t expiry_ms;   /* pending requests expire after this; 0 = never */
    int interpreter_cap; /* per slot; negative = none */
    bool suggestions;
    double suggestion_threshold;
    int n_groups;
    char **groups; /* names in the order they appear in the rules */
    int n_rules;
    int (*rules)[2]; /* pairs of group indices */
    int64_t created_ms;
};

/*
 * Decode event.create's body (stored == false: "slots" or "plan" in the event's zone, offsets
 * computed from the zone) or a stored record (stored == true: slots with their offsets, tables'
 * out_of_use, created_ms). Everything lives in ar. Returns 0, SM_EINVAL / SM_EBADREQ with e
 * naming the field, or -ENOMEM. Booth owners are not checked against the profiles here.
 */
int ev_config_decode(const msgpack_object *o, bool stored, struct arena *ar, struct ev_config *out,
                     struct sm_error *e);
/* Pack the stored record (also event.get's core fields). */
int ev_config_pack(const struct ev_config *c, msgpack_packer *pk);
/* The 7 key/value pairs of that record without the map header (to extend it). */
int ev_config_pack_fields(const struct ev_config *c, msgpack_packer *pk);
/* Pack a slot object {"index","start","end","session","day"}. */
int ev_slot_pack(const struct ev_config *c, int i, msgpack_packer *pk);
/* The table of that id, or -1. */
int ev_table_find(const struct ev_config *c, const char *id, size_t n);
/* The session of that name, or -1. */
int ev_session_find(const struct ev_config *c, const char *name, size_t n);
/* The group of that name, or -1. */
int ev_group_find(const struct ev_config *c, const char *name, size_t n);
/* Whether groups g and h may meet (true when the event has no group rules). */
bool ev_groups_allowed(const struct ev_config *c, int g, int h);

/* ---- participants, requests, vetoes, meetings ---------------------------------------------- */

enum ev_pstatus { EV_P_REGISTERED, EV_P_CHECKED_IN, EV_P_NO_SHOW };
enum ev_rstatus { EV_R_PENDING, EV_R_ACCEPTED, EV_R_DECLINED, EV_R_CANCELLED, EV_R_EXPIRED };
enum ev_mstatus {
    EV_M_PENDING,
    EV_M_SCHEDULED,
    EV_M_UNPLACED,
    EV_M_CANCELLED,
    EV_M_HELD,
    EV_M_NO_SHOW
};
enum ev_outcome { EV_O_NONE = -1, EV_O_NO_INTEREST, EV_O_FOLLOW_UP, EV_O_PROSPECTIVE, EV_O_SIGNED };

const char *ev_pstatus_name(int s);
const char *ev_rstatus_name(int s);
const char *ev_mstatus_name(int s);
const char *ev_outcome_name(int o);
int ev_pstatus_parse(const char *s, size_t n); /* -1 if unknown */
int ev_outcome_parse(const char *s, size_t n); /* -1 if unknown */
/* A meeting with a place in the published schedule (scheduled, held or no-show). */
bool ev_mstatus_placed(int s);

struct ev_participant {
    char *profile, *name, *country, *role, *group;
    int n_langs;
    char **langs;
    struct sched_slots forbidden;
    uint32_t min_meetings, max_meetings;
    int status; /* enum ev_pstatus */
    bool walk_in;
};

struct ev_request {
    uint64_t num; /* id "r<num>" */
    char *from, *to;
    int priority;
    char *message;
    char *about_kind; /* "need", "offer" or NULL */
    char *about_ref;  /* "needs[0]" */
    char *type;       /* cooperation type, or NULL */
    int status;       /* enum ev_rstatus */
    int64_t created_ms, expires_ms;
    uint64_t meeting; /* 0: none */
};

struct ev_veto {
    char *by, *partner, *reason;
};

struct ev_meeting {
    uint64_t num; /* id "m<num>" */
    char *a, *b;
    char *origin; /* "request", "organizer", "choice" */
    uint64_t request;
    char *type;
    bool forced, locked;
    int fixed_slot;    /* -1: none */
    char *fixed_table; /* NULL: none */
    int session;       /* -1: not bound */
    int n_after;
    uint64_t *after;
    bool interpreter;
    int status; /* enum ev_mstatus */
    int slot;   /* -1 unless placed */
    char *table;
    char *reason;
    int att_a, att_b, att_org; /* -1 unknown, 0 not held, 1 held */
    int out_a, out_b;          /* enum ev_outcome */
};

int ev_participant_pack(const struct ev_participant *p, msgpack_packer *pk);
int ev_participant_decode(const msgpack_object *o, struct arena *ar, struct ev_participant *p);
int ev_request_pack(const struct ev_request *r, msgpack_packer *pk);
int ev_request_decode(const msgpack_object *o, struct arena *ar, struct ev_request *r);
int ev_veto_pack(const struct ev_veto *v, msgpack_packer *pk);
int ev_veto_decode(const msgpack_object *o, struct arena *ar, struct ev_veto *v);
/* The meeting object; c (may be NULL) adds "start"/"end" of its slot. */
int ev_meeting_pack(const struct ev_meeting *m, const struct ev_config *c, msgpack_packer *pk);
/* The same with room for extra key/value pairs the caller packs right after. */
int ev_meeting_pack_ex(const struct ev_meeting *m, const struct ev_config *c, unsigned extra,
                       msgpack_packer *pk);
int ev_meeting_decode(const msgpack_object *o, const struct ev_config *c, struct arena *ar,
                      struct ev_meeting *m);
void ev_meeting_init(struct ev_meeting *m);

/* True when both lists are non-empty and share no code (the meeting needs an interpreter). */
bool ev_needs_interpreter(const struct ev_participant *a, const struct ev_participant *b);

/* ---- small msgpack helpers shared by the event modules ------------------------------------- */

int ev_pack_str(msgpack_packer *pk, const char *s); /* NULL packs nil */
int ev_pack_kv_str(msgpack_packer *pk, const char *k, const char *v);
int ev_pack_kv_int(msgpack_packer *pk, const char *k, int64_t v);
int ev_pack_kv_bool(msgpack_packer *pk, const char *k, bool v);
/* A str object copied into ar (NULL if o is not a str or on ENOMEM). */
char *ev_strdup(struct arena *ar, const msgpack_object *o);
/* An unsigned integer of o (an integral float is accepted); false otherwise. */
bool ev_uint(const msgpack_object *o, uint64_t *v);
/* A signed integer of o; false otherwise. */
bool ev_int(const msgpack_object *o, int64_t *v);
/* A valid id (profile id rule) in o; false otherwise. */
bool ev_id(const msgpack_object *o);

#endif
