/*
 * ops_event.c - the event.* operations that build an event up (docs/protocol.md "## Events"):
 * create and get, participants, requests, vetoes, organizer meetings, attendance, outcomes,
 * tables. The schedule, the views built on it, statistics and the change log are in
 * ops_event_sched.c.
 *
 * Every write op loads the whole event (one cursor range), validates the request against it,
 * writes the items it changed and appends one change-log record per change, all in the op's
 * nested write transaction: a request that fails leaves no trace, and one that succeeds is logged
 * and published exactly once, after the commit.
 */
#include "sm.h"

#include "ops_event_int.h"

#include "log.h"
#include "profile.h"
#include "proto.h"

static const msgpack_object *get(const msgpack_object *o, const char *k)
{
    const msgpack_object *v = proto_map_get(o, k);
    return v && v->type == MSGPACK_OBJECT_NIL ? NULL : v;
}

static bool is_str(const msgpack_object *o, const char *s)
{
    return o && proto_str_eq(o, s);
}

/* Refuse keys outside allowed (NULL-terminated). */
static int only_keys(struct ops_ctx *c, const msgpack_object *body, const char *const *allowed)
{
    for (uint32_t i = 0; i < body->via.map.size; i++) {
        const msgpack_object *k = &body->via.map.ptr[i].key;
        bool ok = false;
        for (size_t j = 0; allowed[j] && !ok; j++)
            ok = proto_str_eq(k, allowed[j]);
        if (!ok) {
            char f[96];
            snprintf(f, sizeof(f), "%.*s",
                     k->type == MSGPACK_OBJECT_STR ? (int)SM_MIN(k->via.str.size, 64u) : 0,
                     k->type == MSGPACK_OBJECT_STR ? k->via.str.ptr : "");
            return sm_error_set(&c->err, SM_EINVAL, f, "unknown field");
        }
    }
    return 0;
}

/*
 * The prologue of ops about two participants (a request, a veto, a meeting): load the event for
 * writing, allow only keys, and resolve body[ka] and body[kb] to two different participants.
 */
static int oe_load_pair(struct ops_ctx *c, const msgpack_object *body, const char *const *keys,
                        const char *ka, const char *kb, struct ev_model *m,
                        struct ev_participant **a, struct ev_participant **b)
{
    int rc = oe_load(c, body, m, true);

    if (rc == 0)
        rc = only_keys(c, body, keys);
    if (rc == 0)
        rc = oe_participant(c, body, ka, m, a);
    if (rc == 0)
        rc = oe_participant(c, body, kb, m, b);
    if (rc == 0 && *a == *b)
        rc = sm_error_set(&c->err, SM_EINVAL, kb, "must differ from %s", ka);
    return rc;
}

/* ---- shared helpers (ops_event_int.h) -------------------------------------------------------- */

int oe_pack_participant(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    (void)m;
    return ev_participant_pack(item, pk);
}

int oe_pack_request(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    (void)m;
    return ev_request_pack(item, pk);
}

int oe_pack_meeting(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    return ev_meeting_pack(item, &m->cfg, pk);
}

int oe_pack_table(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    const struct ev_table *t = item;
    (void)m;
    return msgpack_pack_map(pk, 4) || ev_pack_kv_str(pk, "id", t->id) ||
                   ev_pack_kv_str(pk, "label", t->label) || ev_pack_kv_str(pk, "owner", t->owner) ||
                   ev_pack_kv_bool(pk, "out_of_use", t->out_of_use)
               ? -ENOMEM
               : 0;
}

static int pack_veto(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    (void)m;
    return ev_veto_pack(item, pk);
}

int oe_pack_event_head(msgpack_packer *pk, const struct ev_model *m)
{
    return msgpack_pack_map(pk, 3) || ev_pack_kv_str(pk, "id", m->cfg.id) ||
                   ev_pack_kv_str(pk, "name", m->cfg.name) ||
                   ev_pack_kv_str(pk, "timezone", m->cfg.tz)
               ? -ENOMEM
               : 0;
}

const struct ev_participant *oe_part(const struct ev_model *m, const char *id)
{
    int i = ev_participant_index(m, id);
    return i >= 0 ? &m->parts[i] : NULL;
}

int oe_meeting_table(const struct ev_model *m, const struct ev_meeting *mt)
{
    return mt->table ? ev_table_find(&m->cfg, mt->table, strlen(mt->table)) : -1;
}

int oe_change(struct ops_ctx *c, struct ev_model *m, const char *type, oe_pack_fn fn,
              const void *item)
{
    msgpack_sbuffer data, rec;
    msgpack_packer pk;
    char topic[160];
    uint64_t seq = m->seq + 1;
    int rc = -ENOMEM;

    msgpack_sbuffer_init(&data);
    msgpack_sbuffer_init(&rec);
    msgpack_packer_init(&pk, &data, msgpack_sbuffer_write);
    if (fn(item, m, &pk))
        goto out;
    /* The log record {"seq","type","ts","data"}. */
    msgpack_packer_init(&pk, &rec, msgpack_sbuffer_write);
    if (msgpack_pack_map(&pk, 4) || ev_pack_kv_int(&pk, "seq", (int64_t)seq) ||
        ev_pack_kv_str(&pk, "type", type) || ev_pack_kv_int(&pk, "ts", c->now_ms) ||
        proto_pack_cstr(&pk, "data") || msgpack_sbuffer_write(&rec, data.data, data.size))
        goto out;
    rc = ev_log_put(c->txn, m->cfg.id, seq, rec.data, rec.size);
    if (rc)
        goto out;
    m->seq = seq;
    rc = ev_put_counters(c->txn, m);
    if (rc)
        goto out;
    /* The update {"event", "seq", "type", "ts", "data"}. */
    msgpack_sbuffer_clear(&rec);
    rc = -ENOMEM;
    if (msgpack_pack_map(&pk, 5) || ev_pack_kv_str(&pk, "event", m->cfg.id) ||
        ev_pack_kv_int(&pk, "seq", (int64_t)seq) || ev_pack_kv_str(&pk, "type", type) ||
        ev_pack_kv_int(&pk, "ts", c->now_ms) || proto_pack_cstr(&pk, "data") ||
        msgpack_sbuffer_write(&rec, data.data, data.size))
        goto out;
    snprintf(topic, sizeof(topic), "event/%s", m->cfg.id);
    rc = c->events ? ops_emit(c, topic, rec.data, rec.size) : 0;
out:
    msgpack_sbuffer_destroy(&data);
    msgpack_sbuffer_destroy(&rec);
    return rc;
}

/* Overdue pending requests: marked expired, and recorded when write. */
static int expire(struct ops_ctx *c, struct ev_model *m, bool write)
{
    for (int i = 0; i < m->n_reqs; i++) {
        struct ev_request *r = &m->reqs[i];
        int rc;

        if (r->status != EV_R_PENDING || r->expires_ms == 0 || c->now_ms < r->expires_ms)
            continue;
        r->status = EV_R_EXPIRED;
        if (!write)
            continue;
        rc = ev_put_request(c->txn, m, r);
        if (rc == 0)
            rc = oe_change(c, m, "request.expired", oe_pack_request, r);
        if (rc)
            return rc;
    }
    return 0;
}

int oe_load(struct ops_ctx *c, const msgpack_object *body, struct ev_model *m, bool write)
{
    const msgpack_object *ev;
    int rc;

    memset(m, 0, sizeof(*m));
    if (body->type != MSGPACK_OBJECT_MAP)
        return sm_error_set(&c->err, SM_EBADREQ, "", "body must be a map with event");
    ev = get(body, "event");
    if (!ev_id(ev))
        return sm_error_set(&c->err, SM_EINVAL, "event",
                            "must be an event id of 1 to 128 characters of A-Z a-z 0-9 . _ : -");
    rc = ev_model_load(c->txn, ev->via.str.ptr, ev->via.str.size, m);
    if (rc == SM_ENOTFOUND)
        return sm_error_set(&c->err, SM_ENOTFOUND, "event", "no event with this id");
    if (rc)
        return rc;
    return expire(c, m, write);
}

int oe_participant(struct ops_ctx *c, const msgpack_object *body, const char *key,
                   struct ev_model *m, struct ev_participant **out)
{
    const msgpack_object *o = get(body, key);

    if (!ev_id(o))
        return sm_error_set(&c->err, SM_EINVAL, key, "must be a profile id");
    *out = ev_find_participant(m, o->via.str.ptr, o->via.str.size);
    if (!*out)
        return sm_error_set(&c->err, SM_ENOTFOUND, key, "not a participant of this event");
    return 0;
}

static uint64_t id_num(const msgpack_object *o, char prefix)
{
    uint64_t v = 0;

    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size < 2 || o->via.str.size > 20 ||
        o->via.str.ptr[0] != prefix)
        return 0;
    for (uint32_t i = 1; i < o->via.str.size; i++) {
        if (o->via.str.ptr[i] < '0' || o->via.str.ptr[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(o->via.str.ptr[i] - '0');
    }
    return v;
}

int oe_request(struct ops_ctx *c, const msgpack_object *body, const char *key, struct ev_model *m,
               struct ev_request **out)
{
    uint64_t n = id_num(get(body, key), 'r');

    if (!n)
        return sm_error_set(&c->err, SM_EINVAL, key, "must be a request id such as r1");
    *out = ev_find_request(m, n);
    if (!*out)
        return sm_error_set(&c->err, SM_ENOTFOUND, key, "no request with this id in the event");
    return 0;
}

int oe_meeting(struct ops_ctx *c, const msgpack_object *body, const char *key, struct ev_model *m,
               struct ev_meeting **out)
{
    uint64_t n = id_num(get(body, key), 'm');

    if (!n)
        return sm_error_set(&c->err, SM_EINVAL, key, "must be a meeting id such as m1");
    *out = ev_find_meeting(m, n);
    if (!*out)
        return sm_error_set(&c->err, SM_ENOTFOUND, key, "no meeting with this id in the event");
    return 0;
}

/* An active meeting (not cancelled) between a and b, or NULL. */
static struct ev_meeting *pair_meeting(struct ev_model *m, const char *a, const char *b)
{
    for (int i = 0; i < m->n_meets; i++) {
        struct ev_meeting *mt = &m->meets[i];
        if (mt->status == EV_M_CANCELLED)
            continue;
        if ((strcmp(mt->a, a) == 0 && strcmp(mt->b, b) == 0) ||
            (strcmp(mt->a, b) == 0 && strcmp(mt->b, a) == 0))
            return mt;
    }
    return NULL;
}

static bool groups_ok(const struct ev_model *m, const struct ev_participant *a,
                      const struct ev_participant *b)
{
    const struct ev_config *cf = &m->cfg;
    if (cf->n_rules == 0)
        return true;
    return ev_groups_allowed(
        cf, ev_group_find(cf, a->group ? a->group : "", strlen(a->group ? a->group : "")),
        ev_group_find(cf, b->group ? b->group : "", strlen(b->group ? b->group : "")));
}

/* ---- event.create / event.get ---------------------------------------------------------------- */

static int pack_event_full(msgpack_packer *pk, const struct ev_model *m)
{
    bool published = false;

    for (int i = 0; i < m->n_meets && !published; i++)
        published = ev_mstatus_placed(m->meets[i].status);
    if (msgpack_pack_map(pk, 13) || ev_config_pack_fields(&m->cfg, pk) ||
        proto_pack_cstr(pk, "sessions") || msgpack_pack_array(pk, (size_t)m->cfg.n_sessions))
        return -ENOMEM;
    for (int i = 0; i < m->cfg.n_sessions; i++)
        if (proto_pack_cstr(pk, m->cfg.sessions[i]))
            return -ENOMEM;
    if (ev_pack_kv_int(pk, "participants", m->n_parts) ||
        ev_pack_kv_int(pk, "requests", m->n_reqs) || ev_pack_kv_int(pk, "meetings", m->n_meets) ||
        ev_pack_kv_bool(pk, "published", published) ||
        ev_pack_kv_int(pk, "last_seq", (int64_t)m->seq))
        return -ENOMEM;
    return 0;
}

static int pack_created(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    (void)item;
    return msgpack_pack_map(pk, 5) || ev_pack_kv_str(pk, "id", m->cfg.id) ||
                   ev_pack_kv_str(pk, "name", m->cfg.name) ||
                   ev_pack_kv_str(pk, "timezone", m->cfg.tz) ||
                   ev_pack_kv_int(pk, "slots", m->cfg.n_slots) ||
                   ev_pack_kv_int(pk, "tables", m->cfg.n_tables)
               ? -ENOMEM
               : 0;
}

static int op_create(struct ops_ctx *c, const msgpack_object *body)
{
    struct ev_model m;
    int rc = ev_model_init(&m);

    if (rc)
        return rc;
    rc = ev_config_decode(body, false, m.ar, &m.cfg, &c->err);
    if (rc)
        goto out;
    rc = ev_exists(c->txn, m.cfg.id, strlen(m.cfg.id));
    if (rc == 0) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "id", "an event with this id exists");
        goto out;
    }
    if (rc != SM_ENOTFOUND)
        goto out;
    for (int i = 0; i < m.cfg.n_tables; i++) {
        const char *owner = m.cfg.tables[i].owner;
        const void *val;
        size_t len;
        char f[48];

        if (!owner)
            continue;
        rc = store_profile_get_raw(c->txn, owner, strlen(owner), &val, &len);
        if (rc == SM_ENOTFOUND) {
            snprintf(f, sizeof(f), "tables[%d].owner", i);
            rc = sm_error_set(&c->err, SM_EINVAL, f, "no profile with this id");
        }
        if (rc)
            goto out;
    }
    m.cfg.created_ms = c->now_ms;
    rc = ev_put_config(c->txn, &m);
    if (rc == 0)
        rc = ev_put_counters(c->txn, &m);
    if (rc == 0)
        rc = oe_change(c, &m, "event.created", pack_created, NULL);
    if (rc == 0)
        rc = pack_event_full(c->pk, &m);
out:
    ev_model_release(&m);
    return rc;
}

static int op_get(struct ops_ctx *c, const msgpack_object *body)
{
    struct ev_model m;
    int rc = oe_load(c, body, &m, false);

    if (rc == 0)
        rc = pack_event_full(c->pk, &m);
    ev_model_release(&m);
    return rc;
}

/* ---- participants ---------------------------------------------------------------------------- */

/* Optional participant fields shared by add and update, applied to p. */
static int participant_fields(struct ops_ctx *c, struct ev_model *m, const msgpack_object *body,
                              struct ev_participant *p)
{
    const struct ev_config *cf = &m->cfg;
    const msgpack_object *v;
    uint64_t u;
    char f[48];

    if ((v = get(body, "role"))) {
        if (v->type != MSGPACK_OBJECT_STR || v->via.str.size > 64)
            return sm_error_set(&c->err, SM_EINVAL, "role",
                                "must be a text of at most 64 characters");
        if (!(p->role = ev_strdup(m->ar, v)))
            return -ENOMEM;
    }
    if ((v = get(body, "group"))) {
        if (v->type != MSGPACK_OBJECT_STR || v->via.str.size > 64)
            return sm_error_set(&c->err, SM_EINVAL, "group", "must be a group name");
        if (cf->n_rules && ev_group_find(cf, v->via.str.ptr, v->via.str.size) < 0)
            return sm_error_set(&c->err, SM_EINVAL, "group",
                                "must be one of the groups named in the event's group rules");
        if (!(p->group = ev_strdup(m->ar, v)))
            return -ENOMEM;
    }
    if (cf->n_rules && (!p->group || ev_group_find(cf, p->group, strlen(p->group)) < 0))
        return sm_error_set(&c->err, SM_EINVAL, "group",
                            "required: the event has group rules; name one of their groups");
    if ((v = get(body, "forbidden"))) {
        if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > 1024)
            return sm_error_set(&c->err, SM_EINVAL, "forbidden",
                                "must be a list of slot indexes or {start, end} time ranges");
        memset(&p->forbidden, 0, sizeof(p->forbidden));
        for (uint32_t i = 0; i < v->via.array.size; i++) {
            const msgpack_object *x = &v->via.array.ptr[i], *st, *en;
            int64_t a, b;
            int off;

            snprintf(f, sizeof(f), "forbidden[%u]", i);
            if (ev_uint(x, &u)) {
                if (u >= (uint64_t)cf->n_slots)
                    return sm_error_set(&c->err, SM_EINVAL, f, "must be a slot index below %d",
                                        cf->n_slots);
                sched_slots_add(&p->forbidden, (int)u);
                continue;
            }
            st = x->type == MSGPACK_OBJECT_MAP ? get(x, "start") : NULL;
            en = x->type == MSGPACK_OBJECT_MAP ? get(x, "end") : NULL;
            if (!st || st->type != MSGPACK_OBJECT_STR ||
                ev_time_parse(st->via.str.ptr, st->via.str.size, &a, &off) || !en ||
                en->type != MSGPACK_OBJECT_STR ||
                ev_time_parse(en->via.str.ptr, en->via.str.size, &b, &off) || b <= a)
                return sm_error_set(&c->err, SM_EINVAL, f,
                                    "must be a slot index or {start, end} iso 8601 times with "
                                    "offset, end after start");
            for (int s = 0; s < cf->n_slots; s++)
                if (cf->slots[s].start_ms < b && cf->slots[s].end_ms > a)
                    sched_slots_add(&p->forbidden, s);
        }
    }
    if ((v = get(body, "min_meetings"))) {
        if (!ev_uint(v, &u) || u > (uint64_t)cf->n_slots)
            return sm_error_set(&c->err, SM_EINVAL, "min_meetings",
                                "must be an integer from 0 to the number of slots");
        p->min_meetings = (uint32_t)u;
    }
    if ((v = get(body, "max_meetings"))) {
        if (!ev_uint(v, &u) || u > (uint64_t)cf->n_slots)
            return sm_error_set(&c->err, SM_EINVAL, "max_meetings",
                                "must be an integer from 0 (no cap) to the number of slots");
        p->max_meetings = (uint32_t)u;
    }
    if (p->max_meetings && p->min_meetings > p->max_meetings)
        return sm_error_set(&c->err, SM_EINVAL, "min_meetings", "must not exceed max_meetings");
    if ((v = get(body, "walk_in"))) {
        if (v->type != MSGPACK_OBJECT_BOOLEAN)
            return sm_error_set(&c->err, SM_EINVAL, "walk_in", "must be true or false");
        p->walk_in = v->via.boolean;
    }
    return 0;
}

static int op_participant_add(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event",        "profile",   "role",
                                       "group",        "forbidden", "min_meetings",
                                       "max_meetings", "walk_in",   NULL};
    const msgpack_object *pid;
    struct ev_participant *p;
    struct profile prof;
    struct ev_model m;
    int rc;

    profile_init(&prof);
    rc = oe_load(c, body, &m, true);
    if (rc == 0)
        rc = only_keys(c, body, keys);
    if (rc)
        goto out;
    pid = get(body, "profile");
    if (!ev_id(pid)) {
        rc = sm_error_set(&c->err, SM_EINVAL, "profile", "must be a profile id");
        goto out;
    }
    if (ev_find_participant(&m, pid->via.str.ptr, pid->via.str.size)) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "profile", "already a participant of this event");
        goto out;
    }
    rc = store_profile_get(c->txn, pid->via.str.ptr, pid->via.str.size, &prof);
    if (rc == SM_ENOTFOUND)
        rc = sm_error_set(&c->err, SM_ENOTFOUND, "profile", "no profile with this id");
    if (rc)
        goto out;
    p = ev_add_participant(&m);
    rc = -ENOMEM;
    if (!p)
        goto out;
    p->profile = arena_strndup(m.ar, prof.id, strlen(prof.id));
    p->name = arena_strndup(m.ar, prof.name, strlen(prof.name));
    p->country = arena_strndup(m.ar, prof.country, strlen(prof.country));
    p->langs = arena_calloc(m.ar, prof.languages.n + 1, sizeof(char *));
    if (!p->profile || !p->name || !p->country || !p->langs)
        goto out;
    for (uint32_t i = 0; i < prof.languages.n; i++)
        if (!(p->langs[p->n_langs++] =
                  arena_strndup(m.ar, prof.languages.v[i], strlen(prof.languages.v[i]))))
            goto out;
    p->status = EV_P_REGISTERED;
    rc = participant_fields(c, &m, body, p);
    if (rc == 0)
        rc = ev_put_participant(c->txn, &m, p);
    if (rc == 0)
        rc = oe_change(c, &m, p->walk_in ? "participant.walk_in" : "participant.added",
                       oe_pack_participant, p);
    if (rc == 0)
        rc = ev_participant_pack(p, c->pk);
out:
    profile_release(&prof);
    ev_model_release(&m);
    return rc;
}

static int op_participant_update(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {
        "event",        "profile",      "role",    "group",  "forbidden",
        "min_meetings", "max_meetings", "walk_in", "status", NULL};
    const msgpack_object *st;
    struct ev_participant *p;
    struct ev_model m;
    const char *type = "participant.updated";
    int rc, old_status;

    rc = oe_load(c, body, &m, true);
    if (rc == 0)
        rc = only_keys(c, body, keys);
    if (rc == 0)
        rc = oe_participant(c, body, "profile", &m, &p);
    if (rc)
        goto out;
    old_status = p->status;
    if ((st = get(body, "status"))) {
        int s = st->type == MSGPACK_OBJECT_STR ? ev_pstatus_parse(st->via.str.ptr, st->via.str.size)
                                               : -1;
        if (s < 0) {
            rc = sm_error_set(&c->err, SM_EINVAL, "status",
                              "must be registered, checked_in or no_show");
            goto out;
        }
        p->status = s;
    }
    rc = participant_fields(c, &m, body, p);
    if (rc)
        goto out;
    if (p->status != old_status && p->status == EV_P_CHECKED_IN)
        type = "participant.checked_in";
    else if (p->status != old_status && p->status == EV_P_NO_SHOW)
        type = "participant.no_show";
    rc = ev_put_participant(c->txn, &m, p);
    if (rc == 0)
        rc = oe_change(c, &m, type, oe_pack_participant, p);
    if (rc == 0)
        rc = ev_participant_pack(p, c->pk);
out:
    ev_model_release(&m);
    return rc;
}

static int op_participant_list(struct ops_ctx *c, const msgpack_object *body)
{
    struct ev_model m;
    int rc = oe_load(c, body, &m, false);

    if (rc)
        goto out;
    rc = -ENOMEM;
    if (msgpack_pack_map(c->pk, 1) || proto_pack_cstr(c->pk, "participants") ||
        msgpack_pack_array(c->pk, (size_t)m.n_parts))
        goto out;
    for (int i = 0; i < m.n_parts; i++)
        if (ev_participant_pack(&m.parts[i], c->pk))
            goto out;
    rc = 0;
out:
    ev_model_release(&m);
    return rc;
}

/* ---- requests -------------------------------------------------------------------------------- */

/* Resolve about {"need": "needs[i]"} (of from) or {"offer": "offers[i]"} (of to). */
static int request_about(struct ops_ctx *c, struct ev_model *m, const msgpack_object *about,
                         struct ev_request *r)
{
    const msgpack_object *k, *v;
    const char *who;
    struct profile prof;
    unsigned idx;
    int rc, used = 0;
    char tail;

    if (about->type != MSGPACK_OBJECT_MAP || about->via.map.size != 1)
        return sm_error_set(&c->err, SM_EINVAL, "about",
                            "must be {\"need\": \"needs[i]\"} or {\"offer\": \"offers[i]\"}");
    k = &about->via.map.ptr[0].key;
    v = &about->via.map.ptr[0].val;
    if (is_str(k, "need")) {
        who = r->from;
    } else if (is_str(k, "offer")) {
        who = r->to;
    } else {
        return sm_error_set(&c->err, SM_EINVAL, "about", "must name a need or an offer");
    }
    {
        char buf[32];
        if (v->type != MSGPACK_OBJECT_STR || v->via.str.size >= sizeof(buf))
            return sm_error_set(&c->err, SM_EINVAL,
                                is_str(k, "need") ? "about.need" : "about.offer",
                                "must be like needs[0] / offers[0]");
        memcpy(buf, v->via.str.ptr, v->via.str.size);
        buf[v->via.str.size] = '\0';
        int got = is_str(k, "need") ? sscanf(buf, "needs[%u%c%n", &idx, &tail, &used)
                                    : sscanf(buf, "offers[%u%c%n", &idx, &tail, &used);
        if (got != 2 || tail != ']' || (size_t)used != v->via.str.size)
            return sm_error_set(
                &c->err, SM_EINVAL, is_str(k, "need") ? "about.need" : "about.offer",
                "must be like needs[0] (a need of from) or offers[0] (an offer of to)");
    }
    profile_init(&prof);
    rc = store_profile_get(c->txn, who, strlen(who), &prof);
    if (rc == SM_ENOTFOUND)
        rc = sm_error_set(&c->err, SM_EINVAL, "about", "the profile no longer exists");
    if (rc)
        return rc;
    if (is_str(k, "need") ? idx >= prof.n_needs : idx >= prof.n_offers) {
        rc = sm_error_set(&c->err, SM_EINVAL, is_str(k, "need") ? "about.need" : "about.offer",
                          "no such item in the profile");
    } else {
        const struct coop_item *it = is_str(k, "need") ? &prof.needs[idx] : &prof.offers[idx];
        r->about_kind = ev_strdup(m->ar, k);
        r->about_ref = ev_strdup(m->ar, v);
        r->type = arena_strndup(m->ar, coop_type_name(it->type), strlen(coop_type_name(it->type)));
        rc = r->about_kind && r->about_ref && r->type ? 0 : -ENOMEM;
    }
    profile_release(&prof);
    return rc;
}

static int op_request_create(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event", "from", "to", "priority", "message", "about", NULL};
    struct ev_participant *a, *b;
    const msgpack_object *v;
    struct ev_request *r;
    struct ev_model m;
    uint64_t u;
    int rc;

    rc = oe_load_pair(c, body, keys, "from", "to", &m, &a, &b);
    if (rc)
        goto out;
    if (ev_find_veto(&m, a->profile, b->profile)) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "to", "one of the two vetoed the other");
        goto out;
    }
    if (!groups_ok(&m, a, b)) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "to",
                          "the group rules do not let these groups meet");
        goto out;
    }
    if (pair_meeting(&m, a->profile, b->profile)) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "to", "the two already have a meeting");
        goto out;
    }
    for (int i = 0; i < m.n_reqs; i++) {
        const struct ev_request *o = &m.reqs[i];
        if (o->status == EV_R_PENDING && strcmp(o->from, a->profile) == 0 &&
            strcmp(o->to, b->profile) == 0) {
            rc = sm_error_set(&c->err, SM_ECONFLICT, "to",
                              "a pending request to this participant exists");
            goto out;
        }
    }
    r = ev_add_request(&m);
    rc = -ENOMEM;
    if (!r)
        goto out;
    r->from = a->profile;
    r->to = b->profile;
    r->priority = 3;
    if ((v = get(body, "priority"))) {
        if (!ev_uint(v, &u) || u < 1 || u > 5) {
            rc = sm_error_set(&c->err, SM_EINVAL, "priority", "must be an integer from 1 to 5");
            goto out;
        }
        r->priority = (int)u;
    }
    if ((v = get(body, "message"))) {
        if (v->type != MSGPACK_OBJECT_STR || v->via.str.size > EV_TEXT_MAX) {
            rc = sm_error_set(&c->err, SM_EINVAL, "message", "must be a text of at most %d bytes",
                              EV_TEXT_MAX);
            goto out;
        }
        r->message = ev_strdup(m.ar, v);
    }
    if ((v = get(body, "about"))) {
        rc = request_about(c, &m, v, r);
        if (rc)
            goto out;
    }
    r->num = ++m.next_request;
    r->status = EV_R_PENDING;
    r->created_ms = c->now_ms;
    r->expires_ms = m.cfg.expiry_ms ? c->now_ms + m.cfg.expiry_ms : 0;
    rc = ev_put_request(c->txn, &m, r);
    if (rc == 0)
        rc = oe_change(c, &m, "request.created", oe_pack_request, r);
    if (rc == 0)
        rc = ev_request_pack(r, c->pk);
out:
    ev_model_release(&m);
    return rc;
}

/* A new meeting between a and b (not yet stored). */
static struct ev_meeting *new_meeting(struct ev_model *m, const struct ev_participant *a,
                                      const struct ev_participant *b, const char *origin)
{
    struct ev_meeting *mt = ev_add_meeting(m);

    if (!mt)
        return NULL;
    ev_meeting_init(mt);
    mt->num = ++m->next_meeting;
    mt->a = a->profile;
    mt->b = b->profile;
    mt->origin = (char *)origin;
    mt->interpreter = ev_needs_interpreter(a, b);
    mt->status = EV_M_PENDING;
    return mt;
}

static int op_request_respond(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event", "request", "by", "response", NULL};
    const msgpack_object *resp, *by;
    struct ev_meeting *mt = NULL;
    struct ev_request *r;
    struct ev_model m;
    bool accept;
    int rc;

    rc = oe_load(c, body, &m, true);
    if (rc == 0)
        rc = only_keys(c, body, keys);
    if (rc == 0)
        rc = oe_request(c, body, "request", &m, &r);
    if (rc)
        goto out;
    resp = get(body, "response");
    if (!is_str(resp, "accept") && !is_str(resp, "decline")) {
        rc = sm_error_set(&c->err, SM_EINVAL, "response", "must be accept or decline");
        goto out;
    }
    accept = is_str(resp, "accept");
    by = get(body, "by");
    if (!by || by->type != MSGPACK_OBJECT_STR) {
        rc = sm_error_set(&c->err, SM_EINVAL, "by",
                          "must be the profile id of the invited participant");
        goto out;
    }
    if (!proto_str_eq(by, r->to)) {
        rc = sm_error_set(&c->err, SM_EFORBIDDEN, "by", "only the invited participant may respond");
        goto out;
    }
    if (r->status != EV_R_PENDING) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "request", "the request is %s, not pending",
                          ev_rstatus_name(r->status));
        goto out;
    }
    if (accept) {
        const struct ev_participant *a = oe_part(&m, r->from), *b = oe_part(&m, r->to);
        if (!a || !b) {
            rc = SM_ESTORE;
            goto out;
        }
        if (pair_meeting(&m, r->from, r->to)) {
            rc = sm_error_set(&c->err, SM_ECONFLICT, "request", "the two already have a meeting");
            goto out;
        }
        mt = new_meeting(&m, a, b, "request");
        if (!mt) {
            rc = -ENOMEM;
            goto out;
        }
        mt->request = r->num;
        mt->type = r->type;
        r->meeting = mt->num;
        r->status = EV_R_ACCEPTED;
    } else {
        r->status = EV_R_DECLINED;
    }
    rc = ev_put_request(c->txn, &m, r);
    if (rc == 0)
        rc = oe_change(c, &m, accept ? "request.accepted" : "request.declined", oe_pack_request, r);
    if (rc == 0 && mt)
        rc = ev_put_meeting(c->txn, &m, mt);
    if (rc == 0 && mt)
        rc = oe_change(c, &m, "meeting.added", oe_pack_meeting, mt);
    if (rc)
        goto out;
    rc = -ENOMEM;
    if (msgpack_pack_map(c->pk, 2) || proto_pack_cstr(c->pk, "request") ||
        ev_request_pack(r, c->pk) || proto_pack_cstr(c->pk, "meeting") ||
        (mt ? ev_meeting_pack(mt, &m.cfg, c->pk) : msgpack_pack_nil(c->pk)))
        goto out;
    rc = 0;
out:
    ev_model_release(&m);
    return rc;
}

/* Cancel a meeting (not yet held) and log it. */
static int cancel_meeting(struct ops_ctx *c, struct ev_model *m, struct ev_meeting *mt)
{
    int rc;

    mt->status = EV_M_CANCELLED;
    mt->slot = -1;
    mt->table = NULL;
    rc = ev_put_meeting(c->txn, m, mt);
    return rc ? rc : oe_change(c, m, "meeting.cancelled", oe_pack_meeting, mt);
}

static int op_request_cancel(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event", "request", "by", NULL};
    const msgpack_object *by;
    struct ev_request *r;
    struct ev_model m;
    int rc;

    rc = oe_load(c, body, &m, true);
    if (rc == 0)
        rc = only_keys(c, body, keys);
    if (rc == 0)
        rc = oe_request(c, body, "request", &m, &r);
    if (rc)
        goto out;
    by = get(body, "by");
    if (by && !proto_str_eq(by, r->from)) {
        rc = sm_error_set(&c->err, SM_EFORBIDDEN, "by", "only the requester may cancel a request");
        goto out;
    }
    if (r->status != EV_R_PENDING && r->status != EV_R_ACCEPTED) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "request", "the request is %s",
                          ev_rstatus_name(r->status));
        goto out;
    }
    if (r->meeting) {
        struct ev_meeting *mt = ev_find_meeting(&m, r->meeting);
        if (mt && (mt->status == EV_M_HELD || mt->status == EV_M_NO_SHOW)) {
            rc = sm_error_set(&c->err, SM_ECONFLICT, "request", "its meeting already took place");
            goto out;
        }
        if (mt && mt->status != EV_M_CANCELLED && (rc = cancel_meeting(c, &m, mt)))
            goto out;
    }
    r->status = EV_R_CANCELLED;
    rc = ev_put_request(c->txn, &m, r);
    if (rc == 0)
        rc = oe_change(c, &m, "request.cancelled", oe_pack_request, r);
    if (rc == 0)
        rc = ev_request_pack(r, c->pk);
out:
    ev_model_release(&m);
    return rc;
}

static int op_request_list(struct ops_ctx *c, const msgpack_object *body)
{
    const msgpack_object *who;
    struct ev_model m;
    int rc = oe_load(c, body, &m, false), n = 0;

    if (rc)
        goto out;
    who = get(body, "profile");
    if (who && !ev_id(who)) {
        rc = sm_error_set(&c->err, SM_EINVAL, "profile", "must be a profile id");
        goto out;
    }
    for (int i = 0; i < m.n_reqs; i++)
        n += !who || proto_str_eq(who, m.reqs[i].from) || proto_str_eq(who, m.reqs[i].to);
    rc = -ENOMEM;
    if (msgpack_pack_map(c->pk, 1) || proto_pack_cstr(c->pk, "requests") ||
        msgpack_pack_array(c->pk, (size_t)n))
        goto out;
    for (int i = 0; i < m.n_reqs; i++)
        if ((!who || proto_str_eq(who, m.reqs[i].from) || proto_str_eq(who, m.reqs[i].to)) &&
            ev_request_pack(&m.reqs[i], c->pk))
            goto out;
    rc = 0;
out:
    ev_model_release(&m);
    return rc;
}

/* ---- vetoes ---------------------------------------------------------------------------------- */

static int op_veto(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event", "by", "partner", "reason", NULL};
    struct ev_participant *a, *b;
    const msgpack_object *reason;
    struct ev_veto *v;
    struct ev_model m;
    int rc;

    rc = oe_load_pair(c, body, keys, "by", "partner", &m, &a, &b);
    if (rc)
        goto out;
    reason = get(body, "reason");
    if (!is_str(reason, "no_thanks") && !is_str(reason, "met_before")) {
        rc = sm_error_set(&c->err, SM_EINVAL, "reason", "must be no_thanks or met_before");
        goto out;
    }
    for (int i = 0; i < m.n_vetoes; i++) {
        v = &m.vetoes[i];
        if (strcmp(v->by, a->profile) == 0 && strcmp(v->partner, b->profile) == 0) {
            rc = ev_veto_pack(v, c->pk); /* already vetoed: nothing changes */
            goto out;
        }
    }
    v = ev_add_veto(&m);
    rc = -ENOMEM;
    if (!v)
        goto out;
    v->by = a->profile;
    v->partner = b->profile;
    v->reason = ev_strdup(m.ar, reason);
    if (!v->reason)
        goto out;
    rc = ev_put_veto(c->txn, &m, v);
    if (rc == 0)
        rc = oe_change(c, &m, "veto.added", pack_veto, v);
    /* The veto declines what is pending between the two and cancels their unforced meetings. */
    for (int i = 0; rc == 0 && i < m.n_reqs; i++) {
        struct ev_request *r = &m.reqs[i];
        bool pair = (strcmp(r->from, a->profile) == 0 && strcmp(r->to, b->profile) == 0) ||
                    (strcmp(r->from, b->profile) == 0 && strcmp(r->to, a->profile) == 0);
        if (!pair || r->status != EV_R_PENDING)
            continue;
        r->status = EV_R_DECLINED;
        rc = ev_put_request(c->txn, &m, r);
        if (rc == 0)
            rc = oe_change(c, &m, "request.declined", oe_pack_request, r);
    }
    for (int i = 0; rc == 0 && i < m.n_meets; i++) {
        struct ev_meeting *mt = &m.meets[i];
        bool pair = (strcmp(mt->a, a->profile) == 0 && strcmp(mt->b, b->profile) == 0) ||
                    (strcmp(mt->a, b->profile) == 0 && strcmp(mt->b, a->profile) == 0);
        if (pair && !mt->forced &&
            (mt->status == EV_M_PENDING || mt->status == EV_M_SCHEDULED ||
             mt->status == EV_M_UNPLACED))
            rc = cancel_meeting(c, &m, mt);
    }
    if (rc == 0)
        rc = ev_veto_pack(v, c->pk);
out:
    ev_model_release(&m);
    return rc;
}

/* ---- organizer meetings ---------------------------------------------------------------------- */

/* The placement constraints shared by meeting.add and meeting.update. */
static int meeting_fields(struct ops_ctx *c, struct ev_model *m, const msgpack_object *body,
                          struct ev_meeting *mt)
{
    const struct ev_config *cf = &m->cfg;
    const msgpack_object *v;
    uint64_t u;

    if ((v = proto_map_get(body, "force"))) {
        if (v->type != MSGPACK_OBJECT_BOOLEAN)
            return sm_error_set(&c->err, SM_EINVAL, "force", "must be true or false");
        mt->forced = v->via.boolean;
    }
    if ((v = proto_map_get(body, "lock"))) {
        if (v->type != MSGPACK_OBJECT_BOOLEAN)
            return sm_error_set(&c->err, SM_EINVAL, "lock", "must be true or false");
        mt->locked = v->via.boolean;
    }
    if (mt->locked)
        mt->forced = true;
    if ((v = proto_map_get(body, "slot"))) {
        if (v->type == MSGPACK_OBJECT_NIL)
            mt->fixed_slot = -1;
        else if (!ev_uint(v, &u) || u >= (uint64_t)cf->n_slots)
            return sm_error_set(&c->err, SM_EINVAL, "slot",
                                "must be a slot index below %d (or null)", cf->n_slots);
        else
            mt->fixed_slot = (int)u;
    }
    if ((v = proto_map_get(body, "table"))) {
        if (v->type == MSGPACK_OBJECT_NIL) {
            mt->fixed_table = NULL;
        } else if (!ev_id(v) || ev_table_find(cf, v->via.str.ptr, v->via.str.size) < 0) {
            return sm_error_set(&c->err, SM_EINVAL, "table",
                                "must be a table id of the event (or null)");
        } else if (!(mt->fixed_table = ev_strdup(m->ar, v))) {
            return -ENOMEM;
        }
    }
    if ((v = proto_map_get(body, "session"))) {
        if (v->type == MSGPACK_OBJECT_NIL)
            mt->session = -1;
        else if (v->type != MSGPACK_OBJECT_STR ||
                 (mt->session = ev_session_find(cf, v->via.str.ptr, v->via.str.size)) < 0)
            return sm_error_set(&c->err, SM_EINVAL, "session",
                                "must be a session of the event (or null)");
    }
    if ((v = get(body, "after"))) {
        if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > 64)
            return sm_error_set(&c->err, SM_EINVAL, "after", "must be a list of meeting ids");
        mt->after = arena_calloc(m->ar, v->via.array.size + 1, sizeof(*mt->after));
        if (!mt->after)
            return -ENOMEM;
        mt->n_after = 0;
        for (uint32_t i = 0; i < v->via.array.size; i++) {
            uint64_t n = id_num(&v->via.array.ptr[i], 'm');
            char f[32];
            snprintf(f, sizeof(f), "after[%u]", i);
            if (!n || !ev_find_meeting(m, n) || n == mt->num)
                return sm_error_set(&c->err, SM_EINVAL, f, "must be the id of another meeting");
            mt->after[mt->n_after++] = n;
        }
    }
    if ((v = get(body, "type"))) {
        if (v->type != MSGPACK_OBJECT_STR || coop_type_parse(v->via.str.ptr, v->via.str.size) < 0)
            return sm_error_set(&c->err, SM_EINVAL, "type", "must be a cooperation type");
        mt->type = ev_strdup(m->ar, v);
    }
    return 0;
}

static int op_meeting_add(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event", "a",       "b",     "force", "lock", "slot",
                                       "table", "session", "after", "type",  NULL};
    struct ev_participant *a, *b;
    struct ev_meeting *mt;
    struct ev_model m;
    int rc;

    rc = oe_load_pair(c, body, keys, "a", "b", &m, &a, &b);
    if (rc)
        goto out;
    if (pair_meeting(&m, a->profile, b->profile)) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "b", "the two already have a meeting");
        goto out;
    }
    mt = new_meeting(&m, a, b, "organizer");
    rc = -ENOMEM;
    if (!mt)
        goto out;
    rc = meeting_fields(c, &m, body, mt);
    if (rc)
        goto out;
    if (!mt->forced && ev_find_veto(&m, a->profile, b->profile)) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "b", "vetoed: use force to override");
        goto out;
    }
    if (!mt->forced && !groups_ok(&m, a, b)) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "b",
                          "the group rules do not let these groups meet: use force to override");
        goto out;
    }
    rc = ev_put_meeting(c->txn, &m, mt);
    if (rc == 0)
        rc = ev_put_counters(c->txn, &m);
    if (rc == 0)
        rc = oe_change(c, &m, "meeting.added", oe_pack_meeting, mt);
    if (rc == 0)
        rc = ev_meeting_pack(mt, &m.cfg, c->pk);
out:
    ev_model_release(&m);
    return rc;
}

static int op_meeting_update(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event",   "meeting", "force", "lock",   "slot", "table",
                                       "session", "after",   "type",  "status", NULL};
    const msgpack_object *st;
    struct ev_meeting *mt;
    struct ev_model m;
    int rc;

    rc = oe_load(c, body, &m, true);
    if (rc == 0)
        rc = only_keys(c, body, keys);
    if (rc == 0)
        rc = oe_meeting(c, body, "meeting", &m, &mt);
    if (rc)
        goto out;
    if (mt->status == EV_M_CANCELLED) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "meeting", "the meeting is cancelled");
        goto out;
    }
    st = get(body, "status");
    if (st && !is_str(st, "cancelled")) {
        rc = sm_error_set(&c->err, SM_EINVAL, "status", "can only be set to cancelled");
        goto out;
    }
    rc = meeting_fields(c, &m, body, mt);
    if (rc)
        goto out;
    if (st) {
        if (mt->status == EV_M_HELD || mt->status == EV_M_NO_SHOW) {
            rc = sm_error_set(&c->err, SM_ECONFLICT, "status", "the meeting already took place");
            goto out;
        }
        rc = cancel_meeting(c, &m, mt);
    } else {
        rc = ev_put_meeting(c->txn, &m, mt);
        if (rc == 0)
            rc = oe_change(c, &m, "meeting.updated", oe_pack_meeting, mt);
    }
    if (rc == 0)
        rc = ev_meeting_pack(mt, &m.cfg, c->pk);
out:
    ev_model_release(&m);
    return rc;
}

/* "by": a side of the meeting (1 = a, 2 = b) or, when org_ok, "organizer" (3). */
static int meeting_side(struct ops_ctx *c, const msgpack_object *body, const struct ev_meeting *mt,
                        bool org_ok, int *side)
{
    const msgpack_object *by = get(body, "by");

    if (by && proto_str_eq(by, mt->a))
        *side = 1;
    else if (by && proto_str_eq(by, mt->b))
        *side = 2;
    else if (by && org_ok && proto_str_eq(by, "organizer"))
        *side = 3;
    else if (!by || by->type != MSGPACK_OBJECT_STR)
        return sm_error_set(&c->err, SM_EINVAL, "by",
                            org_ok ? "must be a side of the meeting or organizer"
                                   : "must be a side of the meeting");
    else
        return sm_error_set(&c->err, SM_EFORBIDDEN, "by", "not a side of this meeting");
    return 0;
}

static int op_meeting_attendance(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event", "meeting", "by", "held", NULL};
    const msgpack_object *held;
    struct ev_meeting *mt;
    struct ev_model m;
    int rc, side = 0;

    rc = oe_load(c, body, &m, true);
    if (rc == 0)
        rc = only_keys(c, body, keys);
    if (rc == 0)
        rc = oe_meeting(c, body, "meeting", &m, &mt);
    if (rc == 0)
        rc = meeting_side(c, body, mt, true, &side);
    if (rc)
        goto out;
    held = get(body, "held");
    if (!held || held->type != MSGPACK_OBJECT_BOOLEAN) {
        rc = sm_error_set(&c->err, SM_EINVAL, "held", "must be true or false");
        goto out;
    }
    if (!ev_mstatus_placed(mt->status)) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "meeting", "the meeting is %s, not scheduled",
                          ev_mstatus_name(mt->status));
        goto out;
    }
    *(side == 1 ? &mt->att_a : side == 2 ? &mt->att_b : &mt->att_org) = held->via.boolean;
    /* One "did not take place" makes it a no-show. */
    if (mt->att_a == 0 || mt->att_b == 0 || mt->att_org == 0)
        mt->status = EV_M_NO_SHOW;
    else if (mt->att_a == 1 || mt->att_b == 1 || mt->att_org == 1)
        mt->status = EV_M_HELD;
    else
        mt->status = EV_M_SCHEDULED;
    rc = ev_put_meeting(c->txn, &m, mt);
    if (rc == 0)
        rc = oe_change(c, &m, "meeting.attendance", oe_pack_meeting, mt);
    if (rc == 0)
        rc = ev_meeting_pack(mt, &m.cfg, c->pk);
out:
    ev_model_release(&m);
    return rc;
}

static int op_meeting_outcome(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event", "meeting", "by", "outcome", NULL};
    const msgpack_object *o;
    struct ev_meeting *mt;
    struct ev_model m;
    int rc, side = 0, oc;

    rc = oe_load(c, body, &m, true);
    if (rc == 0)
        rc = only_keys(c, body, keys);
    if (rc == 0)
        rc = oe_meeting(c, body, "meeting", &m, &mt);
    if (rc == 0)
        rc = meeting_side(c, body, mt, false, &side);
    if (rc)
        goto out;
    o = get(body, "outcome");
    oc =
        o && o->type == MSGPACK_OBJECT_STR ? ev_outcome_parse(o->via.str.ptr, o->via.str.size) : -1;
    if (oc < 0) {
        rc = sm_error_set(&c->err, SM_EINVAL, "outcome",
                          "must be no_interest, follow_up, prospective_deal or signed");
        goto out;
    }
    if (mt->status != EV_M_HELD) {
        rc = sm_error_set(&c->err, SM_ECONFLICT, "meeting", "the meeting is %s, not held",
                          ev_mstatus_name(mt->status));
        goto out;
    }
    *(side == 1 ? &mt->out_a : &mt->out_b) = oc;
    rc = ev_put_meeting(c->txn, &m, mt);
    if (rc == 0)
        rc = oe_change(c, &m, "meeting.outcome", oe_pack_meeting, mt);
    if (rc == 0)
        rc = ev_meeting_pack(mt, &m.cfg, c->pk);
out:
    ev_model_release(&m);
    return rc;
}

/* ---- tables ---------------------------------------------------------------------------------- */

static int op_table_update(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event", "table", "out_of_use", "label", NULL};
    const msgpack_object *t, *v;
    struct ev_table *tb;
    struct ev_model m;
    int rc, i;

    rc = oe_load(c, body, &m, true);
    if (rc == 0)
        rc = only_keys(c, body, keys);
    if (rc)
        goto out;
    t = get(body, "table");
    if (!ev_id(t)) {
        rc = sm_error_set(&c->err, SM_EINVAL, "table", "must be a table id");
        goto out;
    }
    i = ev_table_find(&m.cfg, t->via.str.ptr, t->via.str.size);
    if (i < 0) {
        rc = sm_error_set(&c->err, SM_ENOTFOUND, "table", "no table with this id in the event");
        goto out;
    }
    tb = &m.cfg.tables[i];
    if ((v = get(body, "out_of_use"))) {
        if (v->type != MSGPACK_OBJECT_BOOLEAN) {
            rc = sm_error_set(&c->err, SM_EINVAL, "out_of_use", "must be true or false");
            goto out;
        }
        tb->out_of_use = v->via.boolean;
    }
    if ((v = get(body, "label"))) {
        if (v->type != MSGPACK_OBJECT_STR || v->via.str.size == 0 ||
            v->via.str.size > EV_NAME_MAX) {
            rc = sm_error_set(&c->err, SM_EINVAL, "label",
                              "must be one line of 1 to 512 characters");
            goto out;
        }
        tb->label = ev_strdup(m.ar, v);
    }
    rc = ev_put_config(c->txn, &m);
    if (rc == 0)
        rc = oe_change(c, &m, "table.updated", oe_pack_table, tb);
    if (rc == 0)
        rc = oe_pack_table(tb, &m, c->pk);
out:
    ev_model_release(&m);
    return rc;
}

/* ---- table ----------------------------------------------------------------------------------- */

const struct ops_def ops_event_defs[] = {
    {"event.create", OPS_WRITE, op_create, NULL},
    {"event.get", OPS_READ, op_get, NULL},
    {"event.participant.add", OPS_WRITE, op_participant_add, NULL},
    {"event.participant.update", OPS_WRITE, op_participant_update, NULL},
    {"event.participant.list", OPS_READ, op_participant_list, NULL},
    {"event.request.create", OPS_WRITE, op_request_create, NULL},
    {"event.request.respond", OPS_WRITE, op_request_respond, NULL},
    {"event.request.cancel", OPS_WRITE, op_request_cancel, NULL},
    {"event.request.list", OPS_READ, op_request_list, NULL},
    {"event.veto", OPS_WRITE, op_veto, NULL},
    {"event.meeting.add", OPS_WRITE, op_meeting_add, NULL},
    {"event.meeting.update", OPS_WRITE, op_meeting_update, NULL},
    {"event.meeting.attendance", OPS_WRITE, op_meeting_attendance, NULL},
    {"event.meeting.outcome", OPS_WRITE, op_meeting_outcome, NULL},
    {"event.table.update", OPS_WRITE, op_table_update, NULL},
    {"event.schedule", OPS_WRITE, oe_op_schedule, NULL},
    {"event.schedule.get", OPS_READ, oe_op_schedule_get, NULL},
    {"event.agenda", OPS_READ, oe_op_agenda, NULL},
    {"event.table_sheet", OPS_READ, oe_op_table_sheet, NULL},
    {"event.changes", OPS_READ, oe_op_changes, NULL},
    {"event.stats", OPS_READ, oe_op_stats, NULL},
};
const size_t ops_event_count = SM_ARRAY_SIZE(ops_event_defs);
