/*
 * event.c - the event model: validation of event.create, the stored records of events,
 * participants, requests, vetoes and meetings; see event.h.
 */
#include "sm.h"

#include "event.h"

#include "profile.h"
#include "proto.h"

#define DAY_MS 86400000LL

/* ---- msgpack helpers ------------------------------------------------------------------------- */

int ev_pack_str(msgpack_packer *pk, const char *s)
{
    return s ? proto_pack_cstr(pk, s) : msgpack_pack_nil(pk);
}

int ev_pack_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
    return proto_pack_cstr(pk, k) || ev_pack_str(pk, v) ? -ENOMEM : 0;
}

int ev_pack_kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
    return proto_pack_cstr(pk, k) || msgpack_pack_int64(pk, v) ? -ENOMEM : 0;
}

int ev_pack_kv_bool(msgpack_packer *pk, const char *k, bool v)
{
    return proto_pack_cstr(pk, k) || (v ? msgpack_pack_true(pk) : msgpack_pack_false(pk)) ? -ENOMEM
                                                                                          : 0;
}

char *ev_strdup(struct arena *ar, const msgpack_object *o)
{
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return NULL;
    return arena_strndup(ar, o->via.str.ptr, o->via.str.size);
}

bool ev_uint(const msgpack_object *o, uint64_t *v)
{
    if (!o)
        return false;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        *v = o->via.u64;
        return true;
    }
    if ((o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) &&
        o->via.f64 >= 0 && o->via.f64 < 9e15 && o->via.f64 == (double)(int64_t)o->via.f64) {
        *v = (uint64_t)o->via.f64;
        return true;
    }
    return false;
}

bool ev_int(const msgpack_object *o, int64_t *v)
{
    uint64_t u;

    if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *v = o->via.i64;
        return true;
    }
    if (ev_uint(o, &u) && u <= INT64_MAX) {
        *v = (int64_t)u;
        return true;
    }
    return false;
}

bool ev_id(const msgpack_object *o)
{
    return o && o->type == MSGPACK_OBJECT_STR && profile_id_valid(o->via.str.ptr, o->via.str.size);
}

static const msgpack_object *get(const msgpack_object *o, const char *k)
{
    const msgpack_object *v = proto_map_get(o, k);
    return v && v->type == MSGPACK_OBJECT_NIL ? NULL : v;
}

/* One line of 1..max bytes of UTF-8-ish text without control characters. */
static bool line_ok(const msgpack_object *o, size_t max)
{
    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 || o->via.str.size > max)
        return false;
    for (uint32_t i = 0; i < o->via.str.size; i++)
        if ((unsigned char)o->via.str.ptr[i] < 0x20 || o->via.str.ptr[i] == 0x7f)
            return false;
    return true;
}

/* Refuse keys of map o outside allowed (NULL-terminated); field names path.key. */
static int check_keys(const msgpack_object *o, const char *const *allowed, const char *path,
                      struct sm_error *e)
{
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        bool ok = false;

        for (size_t j = 0; allowed[j] && !ok; j++)
            ok = proto_str_eq(k, allowed[j]);
        if (!ok) {
            if (k->type != MSGPACK_OBJECT_STR)
                return sm_error_set(e, SM_EINVAL, path, "keys must be strings");
            char f[192];
            snprintf(f, sizeof(f), "%s%s%.*s", path, *path ? "." : "",
                     (int)SM_MIN(k->via.str.size, 64u), k->via.str.ptr);
            return sm_error_set(e, SM_EINVAL, f, "unknown field");
        }
    }
    return 0;
}

/* ---- names ----------------------------------------------------------------------------------- */

static const char *const pstatus_names[] = {"registered", "checked_in", "no_show"};
static const char *const rstatus_names[] = {"pending", "accepted", "declined", "cancelled",
                                            "expired"};
static const char *const mstatus_names[] = {"pending",   "scheduled", "unplaced",
                                            "cancelled", "held",      "no_show"};
static const char *const outcome_names[] = {"no_interest", "follow_up", "prospective_deal",
                                            "signed"};

static int name_find(const char *const *names, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return (int)i;
    return -1;
}

const char *ev_pstatus_name(int s)
{
    return s >= 0 && s < 3 ? pstatus_names[s] : "registered";
}
const char *ev_rstatus_name(int s)
{
    return s >= 0 && s < 5 ? rstatus_names[s] : "pending";
}
const char *ev_mstatus_name(int s)
{
    return s >= 0 && s < 6 ? mstatus_names[s] : "pending";
}
const char *ev_outcome_name(int o)
{
    return o >= 0 && o < 4 ? outcome_names[o] : NULL;
}
int ev_pstatus_parse(const char *s, size_t n)
{
    return name_find(pstatus_names, 3, s, n);
}
int ev_outcome_parse(const char *s, size_t n)
{
    return name_find(outcome_names, 4, s, n);
}
static int obj_find(const char *const *names, size_t n, const msgpack_object *o, int dflt)
{
    int v;
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return dflt;
    v = name_find(names, n, o->via.str.ptr, o->via.str.size);
    return v < 0 ? dflt : v;
}

bool ev_mstatus_placed(int s)
{
    return s == EV_M_SCHEDULED || s == EV_M_HELD || s == EV_M_NO_SHOW;
}

/* ---- the event ------------------------------------------------------------------------------- */

int ev_table_find(const struct ev_config *c, const char *id, size_t n)
{
    for (int i = 0; i < c->n_tables; i++)
        if (strlen(c->tables[i].id) == n && memcmp(c->tables[i].id, id, n) == 0)
            return i;
    return -1;
}

static int strs_find(char **v, int count, const char *s, size_t n)
{
    for (int i = 0; i < count; i++)
        if (strlen(v[i]) == n && memcmp(v[i], s, n) == 0)
            return i;
    return -1;
}

int ev_session_find(const struct ev_config *c, const char *name, size_t n)
{
    return strs_find(c->sessions, c->n_sessions, name, n);
}

int ev_group_find(const struct ev_config *c, const char *name, size_t n)
{
    return strs_find(c->groups, c->n_groups, name, n);
}

bool ev_groups_allowed(const struct ev_config *c, int g, int h)
{
    if (c->n_rules == 0)
        return true;
    for (int i = 0; i < c->n_rules; i++)
        if ((c->rules[i][0] == g && c->rules[i][1] == h) ||
            (c->rules[i][0] == h && c->rules[i][1] == g))
            return true;
    return false;
}

/* Index of session name, added if new; -1 on ENOMEM or too many. */
static int session_intern(struct ev_config *c, struct arena *ar, const char *s, size_t n)
{
    int i = strs_find(c->sessions, c->n_sessions, s, n);

    if (i >= 0)
        return i;
    if (c->n_sessions >= EV_SLOTS_MAX)
        return -1;
    c->sessions[c->n_sessions] = arena_strndup(ar, s, n);
    return c->sessions[c->n_sessions] ? c->n_sessions++ : -1;
}

/* Local day number of a slot start. */
static int64_t local_day(int64_t ms, int off_min)
{
    int64_t l = ms + (int64_t)off_min * 60000;
    return l >= 0 ? l / DAY_MS : (l - DAY_MS + 1) / DAY_MS;
}

static void assign_days(struct ev_config *c)
{
    int64_t prev = INT64_MIN;
    int day = -1;

    for (int i = 0; i < c->n_slots; i++) {
        int64_t d = local_day(c->slots[i].start_ms, c->slots[i].off_min);
        if (d != prev) {
            day++;
            prev = d;
        }
        c->slots[i].day = day;
    }
}

static int decode_slots(const msgpack_object *o, bool stored, const struct ev_tz *tz,
                        struct arena *ar, struct ev_config *c, struct sm_error *e)
{
    static const char *const keys[] = {"start", "end", "session", "index", "day", NULL};
    char f[64];

    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0)
        return sm_error_set(e, SM_EINVAL, "slots", "must be a non-empty list of slots");
    if (o->via.array.size > EV_SLOTS_MAX)
        return sm_error_set(e, SM_EINVAL, "slots", "at most %d slots", EV_SLOTS_MAX);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *s = &o->via.array.ptr[i], *st, *en, *se;
        struct ev_slot *sl = &c->slots[c->n_slots];
        int off, off2, rc;
        int64_t end;

        snprintf(f, sizeof(f), "slots[%u]", i);
        if (s->type != MSGPACK_OBJECT_MAP)
            return sm_error_set(e, SM_EINVAL, f, "must be a map with start, end and session");
        rc = check_keys(s, keys, f, e);
        if (rc)
            return rc;
        st = get(s, "start");
        en = get(s, "end");
        se = get(s, "session");
        snprintf(f, sizeof(f), "slots[%u].start", i);
        if (!st || st->type != MSGPACK_OBJECT_STR ||
            ev_time_parse(st->via.str.ptr, st->via.str.size, &sl->start_ms, &off))
            return sm_error_set(
                e, SM_EINVAL, f,
                "must be an iso 8601 time with offset, e.g. 2026-05-12T09:00:00+08:00");
        snprintf(f, sizeof(f), "slots[%u].end", i);
        if (!en || en->type != MSGPACK_OBJECT_STR ||
            ev_time_parse(en->via.str.ptr, en->via.str.size, &end, &off2))
            return sm_error_set(
                e, SM_EINVAL, f,
                "must be an iso 8601 time with offset, e.g. 2026-05-12T09:20:00+08:00");
        if (end <= sl->start_ms)
            return sm_error_set(e, SM_EINVAL, f, "must be after start");
        sl->end_ms = end;
        sl->off_min = stored || !tz ? off : ev_tz_offset(tz, sl->start_ms);
        if (c->n_slots > 0 && sl->start_ms < c->slots[c->n_slots - 1].end_ms) {
            snprintf(f, sizeof(f), "slots[%u].start", i);
            return sm_error_set(e, SM_EINVAL, f,
                                "overlaps the previous slot (slots must be in time order)");
        }
        snprintf(f, sizeof(f), "slots[%u].session", i);
        if (se && !line_ok(se, 64))
            return sm_error_set(e, SM_EINVAL, f, "must be a name of 1 to 64 characters");
        sl->session = se ? session_intern(c, ar, se->via.str.ptr, se->via.str.size)
                         : session_intern(c, ar, "main", 4);
        if (sl->session < 0)
            return -ENOMEM;
        c->n_slots++;
    }
    return 0;
}

/* "HH:MM" -> minutes of the day (24:00 allowed for an end). */
static bool hhmm(const msgpack_object *o, int *min)
{
    const char *s;
    int h, m;

    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size != 5)
        return false;
    s = o->via.str.ptr;
    if (s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[3] < '0' ||
        s[3] > '5' || s[4] < '0' || s[4] > '9')
        return false;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || (h == 24 && m != 0))
        return false;
    *min = h * 60 + m;
    return true;
}

static int decode_plan(const msgpack_object *o, const struct ev_tz *tz, struct arena *ar,
                       struct ev_config *c, struct sm_error *e)
{
    static const char *const keys[] = {"dates",        "date",   "start",    "end",
                                       "slot_minutes", "breaks", "sessions", NULL};
    static const char *const dflt_sessions[] = {"morning", "afternoon", "evening"};
    const msgpack_object *dates, *date, *bk, *names;
    int start, end, bs[16], be[16], nb = 0, rc;
    uint64_t len;
    int64_t days[32];
    uint32_t nd = 0;
    char f[64];

    if (o->type != MSGPACK_OBJECT_MAP)
        return sm_error_set(e, SM_EINVAL, "plan",
                            "must be a map with dates, start, end and slot_minutes");
    rc = check_keys(o, keys, "plan", e);
    if (rc)
        return rc;
    dates = get(o, "dates");
    date = get(o, "date");
    if (dates && date)
        return sm_error_set(e, SM_EINVAL, "plan.date", "give dates or date, not both");
    if (date) {
        if (date->type != MSGPACK_OBJECT_STR ||
            !ev_date_parse(date->via.str.ptr, date->via.str.size, &days[0]))
            return sm_error_set(e, SM_EINVAL, "plan.date", "must be a date YYYY-MM-DD");
        nd = 1;
    } else {
        if (!dates || dates->type != MSGPACK_OBJECT_ARRAY || dates->via.array.size == 0 ||
            dates->via.array.size > 32)
            return sm_error_set(e, SM_EINVAL, "plan.dates",
                                "must be a list of 1 to 32 dates YYYY-MM-DD");
        for (uint32_t i = 0; i < dates->via.array.size; i++) {
            const msgpack_object *d = &dates->via.array.ptr[i];
            snprintf(f, sizeof(f), "plan.dates[%u]", i);
            if (d->type != MSGPACK_OBJECT_STR ||
                !ev_date_parse(d->via.str.ptr, d->via.str.size, &days[nd]))
                return sm_error_set(e, SM_EINVAL, f, "must be a date YYYY-MM-DD");
            if (nd > 0 && days[nd] <= days[nd - 1])
                return sm_error_set(e, SM_EINVAL, f, "dates must be in increasing order");
            nd++;
        }
    }
    if (!hhmm(get(o, "start"), &start))
        return sm_error_set(e, SM_EINVAL, "plan.start", "must be a local time HH:MM");
    if (!hhmm(get(o, "end"), &end))
        return sm_error_set(e, SM_EINVAL, "plan.end", "must be a local time HH:MM");
    if (end <= start)
        return sm_error_set(e, SM_EINVAL, "plan.end", "must be after start");
    if (!ev_uint(get(o, "slot_minutes"), &len) || len < 5 || len > 480)
        return sm_error_set(e, SM_EINVAL, "plan.slot_minutes", "must be an integer from 5 to 480");
    bk = get(o, "breaks");
    if (bk) {
        if (bk->type != MSGPACK_OBJECT_ARRAY || bk->via.array.size > 16)
            return sm_error_set(e, SM_EINVAL, "plan.breaks", "must be a list of at most 16 breaks");
        for (uint32_t i = 0; i < bk->via.array.size; i++) {
            const msgpack_object *b = &bk->via.array.ptr[i];
            snprintf(f, sizeof(f), "plan.breaks[%u].start", i);
            if (b->type != MSGPACK_OBJECT_MAP || !hhmm(get(b, "start"), &bs[nb]))
                return sm_error_set(e, SM_EINVAL, f, "must be a local time HH:MM");
            snprintf(f, sizeof(f), "plan.breaks[%u].end", i);
            if (!hhmm(get(b, "end"), &be[nb]) || be[nb] <= bs[nb])
                return sm_error_set(e, SM_EINVAL, f, "must be a local time HH:MM after start");
            snprintf(f, sizeof(f), "plan.breaks[%u].start", i);
            if (nb > 0 && bs[nb] < be[nb - 1])
                return sm_error_set(e, SM_EINVAL, f, "breaks must be in order and not overlap");
            nb++;
        }
    }
    names = get(o, "sessions");
    if (names) {
        if (names->type != MSGPACK_OBJECT_ARRAY || (int)names->via.array.size != nb + 1)
            return sm_error_set(e, SM_EINVAL, "plan.sessions",
                                "must name each session of a day (one more than breaks)");
        for (uint32_t i = 0; i < names->via.array.size; i++) {
            snprintf(f, sizeof(f), "plan.sessions[%u]", i);
            if (!line_ok(&names->via.array.ptr[i], 64))
                return sm_error_set(e, SM_EINVAL, f, "must be a name of 1 to 64 characters");
        }
    }
    for (uint32_t d = 0; d < nd; d++) {
        int t = start;
        while (t + (int)len <= end) {
            int k, sess = 0;
            bool clash = false;
            for (k = 0; k < nb; k++) {
                if (t < be[k] && t + (int)len > bs[k]) {
                    t = be[k];
                    clash = true;
                    break;
                }
                if (be[k] <= t)
                    sess = k + 1;
            }
            if (clash)
                continue;
            if (c->n_slots >= EV_SLOTS_MAX)
                return sm_error_set(e, SM_EINVAL, "plan", "makes more than %d slots", EV_SLOTS_MAX);
            struct ev_slot *sl = &c->slots[c->n_slots];
            int64_t local = days[d] * DAY_MS + (int64_t)t * 60000;
            sl->start_ms = ev_tz_to_utc(tz, local);
            sl->end_ms = ev_tz_to_utc(tz, local + (int64_t)len * 60000);
            sl->off_min = ev_tz_offset(tz, sl->start_ms);
            if (names) {
                const msgpack_object *nm = &names->via.array.ptr[sess];
                sl->session = session_intern(c, ar, nm->via.str.ptr, nm->via.str.size);
            } else if (sess < 3) {
                sl->session =
                    session_intern(c, ar, dflt_sessions[sess], strlen(dflt_sessions[sess]));
            } else {
                char nm[32];
                snprintf(nm, sizeof(nm), "session%d", sess + 1);
                sl->session = session_intern(c, ar, nm, strlen(nm));
            }
            if (sl->session < 0)
                return -ENOMEM;
            c->n_slots++;
            t += (int)len;
        }
    }
    if (c->n_slots == 0)
        return sm_error_set(e, SM_EINVAL, "plan",
                            "makes no slot (slot_minutes longer than the day?)");
    return 0;
}

static int decode_tables(const msgpack_object *o, struct arena *ar, struct ev_config *c,
                         struct sm_error *e)
{
    static const char *const keys[] = {"id", "label", "owner", "out_of_use", NULL};
    char f[64];
    int rc;

    if (!o || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0)
        return sm_error_set(e, SM_EINVAL, "tables", "must be a non-empty list of tables");
    if (o->via.array.size > EV_TABLES_MAX)
        return sm_error_set(e, SM_EINVAL, "tables", "at most %d tables", EV_TABLES_MAX);
    c->tables = arena_calloc(ar, o->via.array.size, sizeof(*c->tables));
    if (!c->tables)
        return -ENOMEM;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *t = &o->via.array.ptr[i], *id, *label, *owner, *ou;
        struct ev_table *tb = &c->tables[i];

        snprintf(f, sizeof(f), "tables[%u]", i);
        if (t->type != MSGPACK_OBJECT_MAP)
            return sm_error_set(e, SM_EINVAL, f, "must be a map with id, label and owner");
        rc = check_keys(t, keys, f, e);
        if (rc)
            return rc;
        id = get(t, "id");
        label = get(t, "label");
        owner = get(t, "owner");
        ou = get(t, "out_of_use");
        snprintf(f, sizeof(f), "tables[%u].id", i);
        if (!ev_id(id))
            return sm_error_set(e, SM_EINVAL, f,
                                "must be 1 to 128 characters of A-Z a-z 0-9 . _ : -");
        if (ev_table_find(c, id->via.str.ptr, id->via.str.size) >= 0)
            return sm_error_set(e, SM_EINVAL, f, "duplicate table id");
        snprintf(f, sizeof(f), "tables[%u].label", i);
        if (label && !line_ok(label, EV_NAME_MAX))
            return sm_error_set(e, SM_EINVAL, f, "must be one line of 1 to 512 characters");
        snprintf(f, sizeof(f), "tables[%u].owner", i);
        if (owner && !ev_id(owner))
            return sm_error_set(e, SM_EINVAL, f, "must be a profile id");
        snprintf(f, sizeof(f), "tables[%u].out_of_use", i);
        if (ou && ou->type != MSGPACK_OBJECT_BOOLEAN)
            return sm_error_set(e, SM_EINVAL, f, "must be true or false");
        tb->id = ev_strdup(ar, id);
        tb->label = label ? ev_strdup(ar, label) : tb->id;
        tb->owner = owner ? ev_strdup(ar, owner) : NULL;
        tb->out_of_use = ou && ou->via.boolean;
        if (!tb->id || !tb->label || (owner && !tb->owner))
            return -ENOMEM;
        c->n_tables++;
    }
    return 0;
}

static int decode_settings(const msgpack_object *o, struct arena *ar, struct ev_config *c,
                           struct sm_error *e)
{
    static const char *const keys[] = {"request_expiry_minutes", "interpreter_cap", "suggestions",
                                       "suggestion_threshold",   "group_rules",     NULL};
    const msgpack_object *v;
    uint64_t u;
    int64_t i64;
    char f[64];
    int rc;

    c->interpreter_cap = -1;
    if (!o)
        return 0;
    if (o->type != MSGPACK_OBJECT_MAP)
        return sm_error_set(e, SM_EINVAL, "settings", "must be a map");
    rc = check_keys(o, keys, "settings", e);
    if (rc)
        return rc;
    if ((v = get(o, "request_expiry_minutes"))) {
        /* A number, so that tests (and impatient organizers) may use fractions of a minute. */
        double mins = ev_uint(v, &u) ? (double)u
                      : v->type == MSGPACK_OBJECT_FLOAT64 || v->type == MSGPACK_OBJECT_FLOAT32
                          ? v->via.f64
                          : -1;
        if (!(mins >= 0 && mins <= 525600))
            return sm_error_set(e, SM_EINVAL, "settings.request_expiry_minutes",
                                "must be a number of minutes from 0 (never) to 525600");
        c->expiry_ms = (int64_t)(mins * 60000 + 0.5);
    }
    if ((v = get(o, "interpreter_cap"))) {
        if (!ev_int(v, &i64) || i64 < -1 || i64 > 100000)
            return sm_error_set(e, SM_EINVAL, "settings.interpreter_cap",
                                "must be an integer from -1 (no cap) to 100000");
        c->interpreter_cap = (int)i64;
    }
    if ((v = get(o, "suggestions"))) {
        if (v->type != MSGPACK_OBJECT_BOOLEAN)
            return sm_error_set(e, SM_EINVAL, "settings.suggestions", "must be true or false");
        c->suggestions = v->via.boolean;
    }
    if ((v = get(o, "suggestion_threshold"))) {
        if (v->type == MSGPACK_OBJECT_FLOAT64 || v->type == MSGPACK_OBJECT_FLOAT32)
            c->suggestion_threshold = v->via.f64;
        else if (ev_uint(v, &u))
            c->suggestion_threshold = (double)u;
        else
            return sm_error_set(e, SM_EINVAL, "settings.suggestion_threshold",
                                "must be a number >= 0");
        if (!(c->suggestion_threshold >= 0))
            return sm_error_set(e, SM_EINVAL, "settings.suggestion_threshold",
                                "must be a number >= 0");
    }
    if ((v = get(o, "group_rules"))) {
        if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > 256)
            return sm_error_set(e, SM_EINVAL, "settings.group_rules",
                                "must be a list of pairs of group names");
        c->groups = arena_calloc(ar, EV_GROUPS_MAX, sizeof(*c->groups));
        c->rules = arena_calloc(ar, v->via.array.size + 1, sizeof(*c->rules));
        if (!c->groups || !c->rules)
            return -ENOMEM;
        for (uint32_t i = 0; i < v->via.array.size; i++) {
            const msgpack_object *p = &v->via.array.ptr[i];
            snprintf(f, sizeof(f), "settings.group_rules[%u]", i);
            if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 2 ||
                !line_ok(&p->via.array.ptr[0], 64) || !line_ok(&p->via.array.ptr[1], 64))
                return sm_error_set(e, SM_EINVAL, f, "must be a pair of group names");
            for (int k = 0; k < 2; k++) {
                const msgpack_object *g = &p->via.array.ptr[k];
                int gi = ev_group_find(c, g->via.str.ptr, g->via.str.size);
                if (gi < 0) {
                    if (c->n_groups >= EV_GROUPS_MAX)
                        return sm_error_set(e, SM_EINVAL, f, "at most %d groups", EV_GROUPS_MAX);
                    c->groups[c->n_groups] = ev_strdup(ar, g);
                    if (!c->groups[c->n_groups])
                        return -ENOMEM;
                    gi = c->n_groups++;
                }
                c->rules[c->n_rules][k] = gi;
            }
            c->n_rules++;
        }
    }
    return 0;
}

int ev_config_decode(const msgpack_object *o, bool stored, struct arena *ar, struct ev_config *c,
                     struct sm_error *e)
{
    static const char *const keys[] = {"id",   "name",   "timezone", "slots",
                                       "plan", "tables", "settings", NULL};
    static const char *const skeys[] = {"id",     "name",     "timezone",   "slots",
                                        "tables", "settings", "created_ms", NULL};
    const msgpack_object *id, *name, *tzo, *slots, *plan, *cm;
    struct ev_tz *tz = NULL;
    int64_t i64;
    int rc;

    memset(c, 0, sizeof(*c));
    if (o->type != MSGPACK_OBJECT_MAP)
        return sm_error_set(e, SM_EBADREQ, "", "body must be a map describing the event");
    rc = check_keys(o, stored ? skeys : keys, "", e);
    if (rc)
        return rc;
    id = get(o, "id");
    name = get(o, "name");
    tzo = get(o, "timezone");
    slots = get(o, "slots");
    plan = stored ? NULL : get(o, "plan");
    if (!ev_id(id))
        return sm_error_set(e, SM_EINVAL, "id",
                            "must be 1 to 128 characters of A-Z a-z 0-9 . _ : -");
    if (!line_ok(name, EV_NAME_MAX))
        return sm_error_set(e, SM_EINVAL, "name", "must be one line of 1 to 512 characters");
    if (!tzo || tzo->type != MSGPACK_OBJECT_STR)
        return sm_error_set(e, SM_EINVAL, "timezone",
                            "must be an iana time zone (Asia/Shanghai) or an offset (+08:00)");
    if (!stored) {
        rc = ev_tz_load(tzo->via.str.ptr, tzo->via.str.size, &tz);
        if (rc == SM_EINVAL)
            return sm_error_set(
                e, SM_EINVAL, "timezone",
                "unknown time zone: expected an iana name (Asia/Shanghai) or an offset (+08:00)");
        if (rc)
            return rc;
    }
    c->id = ev_strdup(ar, id);
    c->name = ev_strdup(ar, name);
    c->tz = ev_strdup(ar, tzo);
    c->slots = arena_calloc(ar, EV_SLOTS_MAX, sizeof(*c->slots));
    c->sessions = arena_calloc(ar, EV_SLOTS_MAX, sizeof(*c->sessions));
    rc = -ENOMEM;
    if (!c->id || !c->name || !c->tz || !c->slots || !c->sessions)
        goto out;
    if (slots && plan) {
        rc = sm_error_set(e, SM_EINVAL, "plan", "give slots or plan, not both");
        goto out;
    }
    if (slots)
        rc = decode_slots(slots, stored, tz, ar, c, e);
    else if (plan)
        rc = decode_plan(plan, tz, ar, c, e);
    else
        rc = sm_error_set(e, SM_EINVAL, "slots", "give slots or a day plan (plan)");
    if (rc)
        goto out;
    assign_days(c);
    rc = decode_tables(get(o, "tables"), ar, c, e);
    if (rc == 0)
        rc = decode_settings(get(o, "settings"), ar, c, e);
    if (rc == 0 && stored && (cm = get(o, "created_ms")) && ev_int(cm, &i64))
        c->created_ms = i64;
out:
    ev_tz_free(&tz);
    return rc;
}

int ev_slot_pack(const struct ev_config *c, int i, msgpack_packer *pk)
{
    char t[EV_TIME_MAX];
    const struct ev_slot *s = &c->slots[i];

    if (msgpack_pack_map(pk, 5) || ev_pack_kv_int(pk, "index", i))
        return -ENOMEM;
    ev_time_format(s->start_ms, s->off_min, t);
    if (ev_pack_kv_str(pk, "start", t))
        return -ENOMEM;
    ev_time_format(s->end_ms, s->off_min, t);
    if (ev_pack_kv_str(pk, "end", t) || ev_pack_kv_str(pk, "session", c->sessions[s->session]) ||
        ev_pack_kv_int(pk, "day", s->day))
        return -ENOMEM;
    return 0;
}

int ev_config_pack(const struct ev_config *c, msgpack_packer *pk)
{
    return msgpack_pack_map(pk, 7) ? -ENOMEM : ev_config_pack_fields(c, pk);
}

int ev_config_pack_fields(const struct ev_config *c, msgpack_packer *pk)
{
    if (ev_pack_kv_str(pk, "id", c->id) || ev_pack_kv_str(pk, "name", c->name) ||
        ev_pack_kv_str(pk, "timezone", c->tz) || proto_pack_cstr(pk, "slots") ||
        msgpack_pack_array(pk, (size_t)c->n_slots))
        return -ENOMEM;
    for (int i = 0; i < c->n_slots; i++)
        if (ev_slot_pack(c, i, pk))
            return -ENOMEM;
    if (proto_pack_cstr(pk, "tables") || msgpack_pack_array(pk, (size_t)c->n_tables))
        return -ENOMEM;
    for (int i = 0; i < c->n_tables; i++) {
        const struct ev_table *t = &c->tables[i];
        if (msgpack_pack_map(pk, 4) || ev_pack_kv_str(pk, "id", t->id) ||
            ev_pack_kv_str(pk, "label", t->label) || ev_pack_kv_str(pk, "owner", t->owner) ||
            ev_pack_kv_bool(pk, "out_of_use", t->out_of_use))
            return -ENOMEM;
    }
    if (proto_pack_cstr(pk, "settings") || msgpack_pack_map(pk, 5) ||
        proto_pack_cstr(pk, "request_expiry_minutes") ||
        (c->expiry_ms % 60000 ? msgpack_pack_double(pk, (double)c->expiry_ms / 60000)
                              : msgpack_pack_int64(pk, c->expiry_ms / 60000)) ||
        ev_pack_kv_int(pk, "interpreter_cap", c->interpreter_cap) ||
        ev_pack_kv_bool(pk, "suggestions", c->suggestions) ||
        proto_pack_cstr(pk, "suggestion_threshold") ||
        msgpack_pack_double(pk, c->suggestion_threshold) || proto_pack_cstr(pk, "group_rules") ||
        msgpack_pack_array(pk, (size_t)c->n_rules))
        return -ENOMEM;
    for (int i = 0; i < c->n_rules; i++)
        if (msgpack_pack_array(pk, 2) || proto_pack_cstr(pk, c->groups[c->rules[i][0]]) ||
            proto_pack_cstr(pk, c->groups[c->rules[i][1]]))
            return -ENOMEM;
    return ev_pack_kv_int(pk, "created_ms", c->created_ms);
}

/* ---- items ----------------------------------------------------------------------------------- */

static int pack_id(msgpack_packer *pk, char prefix, uint64_t num)
{
    char b[24];

    if (num == 0)
        return msgpack_pack_nil(pk);
    snprintf(b, sizeof(b), "%c%" PRIu64, prefix, num);
    return proto_pack_cstr(pk, b);
}

/* "r12" -> 12 for prefix 'r'; 0 if malformed. */
static uint64_t parse_id(const msgpack_object *o, char prefix)
{
    uint64_t v = 0;

    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size < 2 || o->via.str.size > 20 ||
        o->via.str.ptr[0] != prefix)
        return 0;
    for (uint32_t i = 1; i < o->via.str.size; i++) {
        char ch = o->via.str.ptr[i];
        if (ch < '0' || ch > '9')
            return 0;
        v = v * 10 + (uint64_t)(ch - '0');
    }
    return v;
}

int ev_participant_pack(const struct ev_participant *p, msgpack_packer *pk)
{
    int nf = 0;

    for (int s = 0; s < SCHED_MAX_SLOTS; s++)
        nf += sched_slots_has(&p->forbidden, s);
    if (msgpack_pack_map(pk, 11) || ev_pack_kv_str(pk, "profile", p->profile) ||
        ev_pack_kv_str(pk, "name", p->name) || ev_pack_kv_str(pk, "country", p->country) ||
        proto_pack_cstr(pk, "languages") || msgpack_pack_array(pk, (size_t)p->n_langs))
        return -ENOMEM;
    for (int i = 0; i < p->n_langs; i++)
        if (proto_pack_cstr(pk, p->langs[i]))
            return -ENOMEM;
    if (ev_pack_kv_str(pk, "role", p->role ? p->role : "") ||
        ev_pack_kv_str(pk, "group", p->group ? p->group : "") || proto_pack_cstr(pk, "forbidden") ||
        msgpack_pack_array(pk, (size_t)nf))
        return -ENOMEM;
    for (int s = 0; s < SCHED_MAX_SLOTS; s++)
        if (sched_slots_has(&p->forbidden, s) && msgpack_pack_int(pk, s))
            return -ENOMEM;
    if (ev_pack_kv_int(pk, "min_meetings", p->min_meetings) ||
        ev_pack_kv_int(pk, "max_meetings", p->max_meetings) ||
        ev_pack_kv_str(pk, "status", ev_pstatus_name(p->status)) ||
        ev_pack_kv_bool(pk, "walk_in", p->walk_in))
        return -ENOMEM;
    return 0;
}

int ev_participant_decode(const msgpack_object *o, struct arena *ar, struct ev_participant *p)
{
    const msgpack_object *l = get(o, "languages"), *f = get(o, "forbidden"), *w;
    uint64_t u;

    memset(p, 0, sizeof(*p));
    p->profile = ev_strdup(ar, get(o, "profile"));
    p->name = ev_strdup(ar, get(o, "name"));
    p->country = ev_strdup(ar, get(o, "country"));
    p->role = ev_strdup(ar, get(o, "role"));
    p->group = ev_strdup(ar, get(o, "group"));
    if (!p->profile || !p->name || !p->country)
        return SM_ESTORE;
    if (l && l->type == MSGPACK_OBJECT_ARRAY) {
        p->langs = arena_calloc(ar, l->via.array.size + 1, sizeof(char *));
        if (!p->langs)
            return -ENOMEM;
        for (uint32_t i = 0; i < l->via.array.size; i++)
            if ((p->langs[p->n_langs] = ev_strdup(ar, &l->via.array.ptr[i])))
                p->n_langs++;
    }
    if (f && f->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < f->via.array.size; i++)
            if (ev_uint(&f->via.array.ptr[i], &u) && u < SCHED_MAX_SLOTS)
                sched_slots_add(&p->forbidden, (int)u);
    if (ev_uint(get(o, "min_meetings"), &u))
        p->min_meetings = (uint32_t)u;
    if (ev_uint(get(o, "max_meetings"), &u))
        p->max_meetings = (uint32_t)u;
    p->status = obj_find(pstatus_names, 3, get(o, "status"), EV_P_REGISTERED);
    w = get(o, "walk_in");
    p->walk_in = w && w->type == MSGPACK_OBJECT_BOOLEAN && w->via.boolean;
    return 0;
}

int ev_request_pack(const struct ev_request *r, msgpack_packer *pk)
{
    if (msgpack_pack_map(pk, 11) || proto_pack_cstr(pk, "id") || pack_id(pk, 'r', r->num) ||
        ev_pack_kv_str(pk, "from", r->from) || ev_pack_kv_str(pk, "to", r->to) ||
        ev_pack_kv_int(pk, "priority", r->priority) ||
        ev_pack_kv_str(pk, "message", r->message ? r->message : "") || proto_pack_cstr(pk, "about"))
        return -ENOMEM;
    if (r->about_kind) {
        if (msgpack_pack_map(pk, 1) || ev_pack_kv_str(pk, r->about_kind, r->about_ref))
            return -ENOMEM;
    } else if (msgpack_pack_nil(pk)) {
        return -ENOMEM;
    }
    if (ev_pack_kv_str(pk, "type", r->type) ||
        ev_pack_kv_str(pk, "status", ev_rstatus_name(r->status)) ||
        ev_pack_kv_int(pk, "created_ms", r->created_ms) ||
        ev_pack_kv_int(pk, "expires_ms", r->expires_ms) || proto_pack_cstr(pk, "meeting") ||
        pack_id(pk, 'm', r->meeting))
        return -ENOMEM;
    return 0;
}

int ev_request_decode(const msgpack_object *o, struct arena *ar, struct ev_request *r)
{
    const msgpack_object *about = get(o, "about");
    int64_t i64;

    memset(r, 0, sizeof(*r));
    r->num = parse_id(get(o, "id"), 'r');
    r->from = ev_strdup(ar, get(o, "from"));
    r->to = ev_strdup(ar, get(o, "to"));
    if (!r->num || !r->from || !r->to)
        return SM_ESTORE;
    r->priority = ev_int(get(o, "priority"), &i64) ? (int)i64 : 3;
    r->message = ev_strdup(ar, get(o, "message"));
    if (about && about->type == MSGPACK_OBJECT_MAP && about->via.map.size == 1) {
        r->about_kind = ev_strdup(ar, &about->via.map.ptr[0].key);
        r->about_ref = ev_strdup(ar, &about->via.map.ptr[0].val);
    }
    r->type = ev_strdup(ar, get(o, "type"));
    r->status = obj_find(rstatus_names, 5, get(o, "status"), EV_R_PENDING);
    if (ev_int(get(o, "created_ms"), &i64))
        r->created_ms = i64;
    if (ev_int(get(o, "expires_ms"), &i64))
        r->expires_ms = i64;
    r->meeting = parse_id(get(o, "meeting"), 'm');
    return 0;
}

int ev_veto_pack(const struct ev_veto *v, msgpack_packer *pk)
{
    return msgpack_pack_map(pk, 3) || ev_pack_kv_str(pk, "by", v->by) ||
                   ev_pack_kv_str(pk, "partner", v->partner) ||
                   ev_pack_kv_str(pk, "reason", v->reason)
               ? -ENOMEM
               : 0;
}

int ev_veto_decode(const msgpack_object *o, struct arena *ar, struct ev_veto *v)
{
    v->by = ev_strdup(ar, get(o, "by"));
    v->partner = ev_strdup(ar, get(o, "partner"));
    v->reason = ev_strdup(ar, get(o, "reason"));
    return v->by && v->partner && v->reason ? 0 : SM_ESTORE;
}

void ev_meeting_init(struct ev_meeting *m)
{
    memset(m, 0, sizeof(*m));
    m->fixed_slot = -1;
    m->session = -1;
    m->slot = -1;
    m->att_a = m->att_b = m->att_org = -1;
    m->out_a = m->out_b = EV_O_NONE;
}

static int pack_att(msgpack_packer *pk, const char *k, int v)
{
    if (v < 0)
        return 0;
    return proto_pack_cstr(pk, k) || (v ? msgpack_pack_true(pk) : msgpack_pack_false(pk));
}

int ev_meeting_pack(const struct ev_meeting *m, const struct ev_config *c, msgpack_packer *pk)
{
    return ev_meeting_pack_ex(m, c, 0, pk);
}

int ev_meeting_pack_ex(const struct ev_meeting *m, const struct ev_config *c, unsigned extra,
                       msgpack_packer *pk)
{
    char t[EV_TIME_MAX];
    bool placed = m->slot >= 0 && c && m->slot < c->n_slots;

    if (msgpack_pack_map(pk, 21 + extra) || proto_pack_cstr(pk, "id") || pack_id(pk, 'm', m->num) ||
        ev_pack_kv_str(pk, "a", m->a) || ev_pack_kv_str(pk, "b", m->b) ||
        ev_pack_kv_str(pk, "origin", m->origin) || proto_pack_cstr(pk, "request") ||
        pack_id(pk, 'r', m->request) || ev_pack_kv_str(pk, "type", m->type) ||
        ev_pack_kv_bool(pk, "forced", m->forced) || ev_pack_kv_bool(pk, "locked", m->locked) ||
        proto_pack_cstr(pk, "fixed_slot") ||
        (m->fixed_slot >= 0 ? msgpack_pack_int(pk, m->fixed_slot) : msgpack_pack_nil(pk)) ||
        ev_pack_kv_str(pk, "fixed_table", m->fixed_table) ||
        ev_pack_kv_str(pk, "session",
                       m->session >= 0 && c && m->session < c->n_sessions ? c->sessions[m->session]
                                                                          : NULL) ||
        proto_pack_cstr(pk, "after") || msgpack_pack_array(pk, (size_t)m->n_after))
        return -ENOMEM;
    for (int i = 0; i < m->n_after; i++)
        if (pack_id(pk, 'm', m->after[i]))
            return -ENOMEM;
    if (ev_pack_kv_bool(pk, "interpreter", m->interpreter) ||
        ev_pack_kv_str(pk, "status", ev_mstatus_name(m->status)) || proto_pack_cstr(pk, "slot") ||
        (placed ? msgpack_pack_int(pk, m->slot) : msgpack_pack_nil(pk)) ||
        ev_pack_kv_str(pk, "table", placed ? m->table : NULL))
        return -ENOMEM;
    if (placed)
        ev_time_format(c->slots[m->slot].start_ms, c->slots[m->slot].off_min, t);
    if (ev_pack_kv_str(pk, "start", placed ? t : NULL))
        return -ENOMEM;
    if (placed)
        ev_time_format(c->slots[m->slot].end_ms, c->slots[m->slot].off_min, t);
    if (ev_pack_kv_str(pk, "end", placed ? t : NULL) ||
        ev_pack_kv_str(pk, "reason", m->reason ? m->reason : ""))
        return -ENOMEM;
    if (proto_pack_cstr(pk, "attendance") ||
        msgpack_pack_map(pk, (size_t)((m->att_a >= 0) + (m->att_b >= 0) + (m->att_org >= 0))) ||
        pack_att(pk, m->a, m->att_a) || pack_att(pk, m->b, m->att_b) ||
        pack_att(pk, "organizer", m->att_org))
        return -ENOMEM;
    if (proto_pack_cstr(pk, "outcomes") ||
        msgpack_pack_map(pk, (size_t)((m->out_a >= 0) + (m->out_b >= 0))) ||
        (m->out_a >= 0 && ev_pack_kv_str(pk, m->a, ev_outcome_name(m->out_a))) ||
        (m->out_b >= 0 && ev_pack_kv_str(pk, m->b, ev_outcome_name(m->out_b))))
        return -ENOMEM;
    return 0;
}

int ev_meeting_decode(const msgpack_object *o, const struct ev_config *c, struct arena *ar,
                      struct ev_meeting *m)
{
    const msgpack_object *v, *att, *out;
    int64_t i64;

    ev_meeting_init(m);
    m->num = parse_id(get(o, "id"), 'm');
    m->a = ev_strdup(ar, get(o, "a"));
    m->b = ev_strdup(ar, get(o, "b"));
    m->origin = ev_strdup(ar, get(o, "origin"));
    if (!m->num || !m->a || !m->b || !m->origin)
        return SM_ESTORE;
    m->request = parse_id(get(o, "request"), 'r');
    m->type = ev_strdup(ar, get(o, "type"));
    v = get(o, "forced");
    m->forced = v && v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean;
    v = get(o, "locked");
    m->locked = v && v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean;
    if (ev_int(get(o, "fixed_slot"), &i64) && i64 >= 0 && i64 < c->n_slots)
        m->fixed_slot = (int)i64;
    m->fixed_table = ev_strdup(ar, get(o, "fixed_table"));
    v = get(o, "session");
    if (v && v->type == MSGPACK_OBJECT_STR)
        m->session = ev_session_find(c, v->via.str.ptr, v->via.str.size);
    v = get(o, "after");
    if (v && v->type == MSGPACK_OBJECT_ARRAY && v->via.array.size) {
        m->after = arena_calloc(ar, v->via.array.size, sizeof(*m->after));
        if (!m->after)
            return -ENOMEM;
        for (uint32_t i = 0; i < v->via.array.size; i++)
            if ((m->after[m->n_after] = parse_id(&v->via.array.ptr[i], 'm')))
                m->n_after++;
    }
    v = get(o, "interpreter");
    m->interpreter = v && v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean;
    m->status = obj_find(mstatus_names, 6, get(o, "status"), EV_M_PENDING);
    if (ev_int(get(o, "slot"), &i64) && i64 >= 0 && i64 < c->n_slots)
        m->slot = (int)i64;
    m->table = ev_strdup(ar, get(o, "table"));
    m->reason = ev_strdup(ar, get(o, "reason"));
    att = get(o, "attendance");
    if (att) {
        v = proto_map_get(att, m->a);
        if (v && v->type == MSGPACK_OBJECT_BOOLEAN)
            m->att_a = v->via.boolean;
        v = proto_map_get(att, m->b);
        if (v && v->type == MSGPACK_OBJECT_BOOLEAN)
            m->att_b = v->via.boolean;
        v = proto_map_get(att, "organizer");
        if (v && v->type == MSGPACK_OBJECT_BOOLEAN)
            m->att_org = v->via.boolean;
    }
    out = get(o, "outcomes");
    if (out) {
        m->out_a = obj_find(outcome_names, 4, proto_map_get(out, m->a), EV_O_NONE);
        m->out_b = obj_find(outcome_names, 4, proto_map_get(out, m->b), EV_O_NONE);
    }
    return 0;
}

bool ev_needs_interpreter(const struct ev_participant *a, const struct ev_participant *b)
{
    if (a->n_langs == 0 || b->n_langs == 0)
        return false;
    for (int i = 0; i < a->n_langs; i++)
        for (int j = 0; j < b->n_langs; j++)
            if (strcmp(a->langs[i], b->langs[j]) == 0)
                return false;
    return true;
}
