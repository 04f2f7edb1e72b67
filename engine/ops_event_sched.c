/*
 * ops_event_sched.c - scheduling an event and the views built on its schedule
 * (docs/protocol.md "## Events"): event.schedule, event.schedule.get, event.agenda,
 * event.table_sheet, event.stats and event.changes.
 *
 * event.schedule turns the stored event into a sched_problem (engine/sched/sched.h), solves it,
 * checks the result with the independent checker (always: it is cheap next to the solve, and a
 * wrong schedule must never be published), then writes what changed: each meeting placed, moved,
 * dropped or left unplaced, with one change-log record each.
 */
#include "sm.h"

#include "ops_event_int.h"

#include "index.h"
#include "log.h"
#include "proto.h"
#include "sched_check.h"

#define DEADLINE_DEFAULT_MS 2000
#define DEADLINE_MAX_MS 60000
#define SUGGEST_PER_PARTICIPANT 50 /* leads asked of the index per participant */
#define SUGGEST_SCALE 1000         /* match score [0,1] -> sched value */

static const msgpack_object *get(const msgpack_object *o, const char *k)
{
    const msgpack_object *v = proto_map_get(o, k);
    return v && v->type == MSGPACK_OBJECT_NIL ? NULL : v;
}

/* ---- the problem ----------------------------------------------------------------------------- */

struct build {
    struct sched_problem pb;
    struct sched_slot *slots;
    struct sched_table *tables;
    struct sched_participant *parts;
    struct sched_meeting *meets;
    int n_model; /* meetings [0, n_model) are model meetings */
    int *mref;   /* [n] index into m->meets, or -1 for a candidate */
    int *cand_r; /* [n * 2] the two requests of a candidate */
    int *after;
    struct sched_pair *vetoes;
    uint8_t *allow;
};

static int req_index_cmp_key(const struct ev_request *a, const char *from, const char *to)
{
    int c = strcmp(a->from, from);
    return c ? c : strcmp(a->to, to);
}

/* Pending requests sorted by (from, to), for finding mutual pairs. */
static int *sorted_pending(struct ev_model *m, int *n)
{
    int *v = arena_calloc(m->ar, (size_t)m->n_reqs + 1, sizeof(int));

    *n = 0;
    if (!v)
        return NULL;
    for (int i = 0; i < m->n_reqs; i++)
        if (m->reqs[i].status == EV_R_PENDING)
            v[(*n)++] = i;
    /* Insertion sort would be quadratic at 20,000 requests: a simple bottom-up merge sort. */
    int *tmp = arena_calloc(m->ar, (size_t)*n + 1, sizeof(int));
    if (!tmp)
        return NULL;
    for (int w = 1; w < *n; w *= 2) {
        for (int lo = 0; lo < *n; lo += 2 * w) {
            int mid = SM_MIN(lo + w, *n), hi = SM_MIN(lo + 2 * w, *n), i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                const struct ev_request *ri = &m->reqs[v[i]], *rj = &m->reqs[v[j]];
                tmp[k++] = req_index_cmp_key(ri, rj->from, rj->to) <= 0 ? v[i++] : v[j++];
            }
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, (size_t)*n * sizeof(int));
    }
    return v;
}

static int find_pending(const struct ev_model *m, const int *v, int n, const char *from,
                        const char *to)
{
    int lo = 0, hi = n;

    while (lo < hi) {
        int mid = (lo + hi) / 2, c = req_index_cmp_key(&m->reqs[v[mid]], from, to);
        if (c == 0)
            return v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static bool pair_active(const struct ev_model *m, const char *a, const char *b)
{
    for (int i = 0; i < m->n_meets; i++) {
        const struct ev_meeting *mt = &m->meets[i];
        if (mt->status != EV_M_CANCELLED && ((strcmp(mt->a, a) == 0 && strcmp(mt->b, b) == 0) ||
                                             (strcmp(mt->a, b) == 0 && strcmp(mt->b, a) == 0)))
            return true;
    }
    return false;
}

static int group_of(const struct ev_config *cf, const struct ev_participant *p)
{
    int g;

    if (cf->n_rules == 0 || !p->group)
        return 0;
    g = ev_group_find(cf, p->group, strlen(p->group));
    return g < 0 ? 0 : g;
}

struct sugg {
    int a, b; /* participant indices, a < b */
    int32_t value;
};

static int sugg_cmp(const void *x, const void *y)
{
    const struct sugg *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return p->value > q->value ? -1 : p->value < q->value;
}

/*
 * Engine suggestions: the best leads of each participant (matching index, SPEC §3) that are
 * participants too, once per pair with the pair's score. Pairs that already meet or are
 * requested are left to those. Without an index there are none.
 */
static int suggestions(struct ops_ctx *c, struct ev_model *m, struct sugg **out, int *n_out)
{
    struct index *ix = c->info ? c->info->index : NULL;
    struct index_filters f;
    struct sugg *v;
    int n = 0, k = 0;

    *out = NULL;
    *n_out = 0;
    if (!ix || !m->cfg.suggestions || m->n_parts < 2)
        return 0;
    v = arena_calloc(m->ar, (size_t)m->n_parts * SUGGEST_PER_PARTICIPANT + 1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    index_filters_init(&f);
    for (int p = 0; p < m->n_parts; p++) {
        const struct ev_participant *ep = &m->parts[p];
        struct index_leads r;
        int rc;

        if (ep->status == EV_P_NO_SHOW)
            continue;
        memset(&r, 0, sizeof(r));
        rc = index_leads(ix, c->txn, ep->profile, strlen(ep->profile), &f, 0,
                         SUGGEST_PER_PARTICIPANT, false, &r);
        if (rc) {
            log_warn("events: %s: no suggestions for %s: %s", m->cfg.id, ep->profile,
                     sm_strerror(rc));
            index_leads_release(&r);
            continue;
        }
        for (uint32_t i = 0; i < r.n && n < m->n_parts * SUGGEST_PER_PARTICIPANT; i++) {
            int q = ev_participant_index(m, match_doc_id(r.v[i].b));
            if (q < 0 || q == p || r.v[i].score <= 0)
                continue;
            v[n].a = SM_MIN(p, q);
            v[n].b = SM_MAX(p, q);
            v[n++].value = (int32_t)(r.v[i].score * SUGGEST_SCALE + 0.5);
        }
        index_leads_release(&r);
    }
    qsort(v, (size_t)n, sizeof(*v), sugg_cmp);
    for (int i = 0; i < n; i++) {
        if (k > 0 && v[k - 1].a == v[i].a && v[k - 1].b == v[i].b)
            continue; /* the best score of the pair came first */
        if (pair_active(m, m->parts[v[i].a].profile, m->parts[v[i].b].profile))
            continue;
        v[k++] = v[i];
    }
    *out = v;
    *n_out = k;
    return 0;
}

/* Whether a pending request joins a and b (either way). */
static bool pair_requested(const struct ev_model *m, const int *pend, int n_pend, const char *a,
                           const char *b)
{
    return find_pending(m, pend, n_pend, a, b) >= 0 || find_pending(m, pend, n_pend, b, a) >= 0;
}

/*
 * Build the problem of m: every meeting not cancelled, plus (choose) mutual-interest pairs and,
 * when the event enables them, engine suggestions.
 */
static int build(struct ops_ctx *c, struct ev_model *m, enum sched_mode mode, struct build *b)
{
    struct sugg *sg = NULL;
    int n_sg = 0;
    const struct ev_config *cf = &m->cfg;
    struct sched_problem *pb = &b->pb;
    int n_cand_max = 0, *pend = NULL, n_pend = 0, n_after = 0, n = 0;

    memset(b, 0, sizeof(*b));
    sched_problem_init(pb);
    pb->mode = mode;
    b->slots = arena_calloc(m->ar, (size_t)cf->n_slots, sizeof(*b->slots));
    b->tables = arena_calloc(m->ar, (size_t)cf->n_tables, sizeof(*b->tables));
    b->parts = arena_calloc(m->ar, (size_t)m->n_parts + 1, sizeof(*b->parts));
    if (!b->slots || !b->tables || !b->parts)
        return -ENOMEM;
    for (int s = 0; s < cf->n_slots; s++) {
        b->slots[s].day = cf->slots[s].day;
        b->slots[s].session = cf->slots[s].session;
        b->slots[s].interpreters = -1;
    }
    for (int t = 0; t < cf->n_tables; t++) {
        const struct ev_table *tb = &cf->tables[t];
        /* A booth whose owner does not take part is used like any other table. */
        b->tables[t].owner = tb->owner ? ev_participant_index(m, tb->owner) : -1;
        if (tb->out_of_use)
            for (int s = 0; s < cf->n_slots; s++)
                sched_slots_add(&b->tables[t].closed, s);
    }
    for (int p = 0; p < m->n_parts; p++) {
        const struct ev_participant *ep = &m->parts[p];
        b->parts[p].id = ep->profile;
        b->parts[p].forbidden = ep->forbidden;
        b->parts[p].max_meetings = (int)ep->max_meetings;
        b->parts[p].min_meetings = (int)ep->min_meetings;
        b->parts[p].group = group_of(cf, ep);
        b->parts[p].absent = ep->status == EV_P_NO_SHOW;
    }
    if (mode == SCHED_CHOOSE) {
        int rc;
        pend = sorted_pending(m, &n_pend);
        if (!pend)
            return -ENOMEM;
        rc = suggestions(c, m, &sg, &n_sg);
        if (rc)
            return rc;
        n_cand_max = n_pend / 2 + 1 + n_sg;
    }
    for (int i = 0; i < m->n_meets; i++)
        n_after += m->meets[i].n_after;
    b->meets = arena_calloc(m->ar, (size_t)(m->n_meets + n_cand_max) + 1, sizeof(*b->meets));
    b->mref = arena_calloc(m->ar, (size_t)(m->n_meets + n_cand_max) + 1, sizeof(int));
    b->cand_r = arena_calloc(m->ar, 2 * (size_t)(m->n_meets + n_cand_max) + 2, sizeof(int));
    b->after = arena_calloc(m->ar, (size_t)n_after + 1, sizeof(int));
    if (!b->meets || !b->mref || !b->cand_r || !b->after)
        return -ENOMEM;
    /* Model meetings first, so that an "after" reference can be resolved by a second pass. */
    int *sidx = arena_calloc(m->ar, (size_t)m->n_meets + 1, sizeof(int));
    if (!sidx)
        return -ENOMEM;
    for (int i = 0; i < m->n_meets; i++) {
        const struct ev_meeting *mt = &m->meets[i];
        struct sched_meeting *sm = &b->meets[n];
        int a = ev_participant_index(m, mt->a), bb = ev_participant_index(m, mt->b);
        int tbl = oe_meeting_table(m, mt);

        sidx[i] = -1;
        if (mt->status == EV_M_CANCELLED || a < 0 || bb < 0)
            continue;
        sched_meeting_init(sm, a, bb);
        if (mt->status == EV_M_HELD || mt->status == EV_M_NO_SHOW) {
            /* Already took place (or not): stays where it was. */
            sm->flags = SCHED_M_FORCED | SCHED_M_LOCKED;
            if (mt->slot >= 0 && tbl >= 0) {
                sm->flags |= SCHED_M_PUBLISHED | SCHED_M_FIXED_SLOT | SCHED_M_FIXED_TABLE;
                sm->prev_slot = sm->fixed_slot = mt->slot;
                sm->prev_table = sm->fixed_table = tbl;
            }
        } else {
            sm->flags = mt->forced ? SCHED_M_FORCED : SCHED_M_ACCEPTED;
            if (mt->locked)
                sm->flags |= SCHED_M_LOCKED | SCHED_M_FORCED;
            if (mt->status == EV_M_SCHEDULED && mt->slot >= 0 && tbl >= 0) {
                sm->flags |= SCHED_M_PUBLISHED;
                sm->prev_slot = mt->slot;
                sm->prev_table = tbl;
            }
            if (mt->fixed_slot >= 0) {
                sm->flags |= SCHED_M_FIXED_SLOT;
                sm->fixed_slot = mt->fixed_slot;
            }
            if (mt->fixed_table) {
                int ft = ev_table_find(cf, mt->fixed_table, strlen(mt->fixed_table));
                if (ft >= 0) {
                    sm->flags |= SCHED_M_FIXED_TABLE;
                    sm->fixed_table = ft;
                }
            }
            if (mt->session >= 0) {
                sm->flags |= SCHED_M_SESSION;
                sm->session = mt->session;
            }
        }
        if (mt->interpreter)
            sm->flags |= SCHED_M_INTERPRETER;
        sm->value = 50;
        if (mt->request) {
            const struct ev_request *r = ev_find_request(m, mt->request);
            if (r)
                sm->value = r->priority * 10;
        }
        b->mref[n] = i;
        sidx[i] = n++;
    }
    b->n_model = n;
    /* Precedence, now that every meeting has its index. */
    for (int k = 0; k < b->n_model; k++) {
        const struct ev_meeting *mt = &m->meets[b->mref[k]];
        b->meets[k].after_first = pb->n_after;
        for (int j = 0; j < mt->n_after; j++) {
            for (int i = 0; i < m->n_meets; i++) {
                if (m->meets[i].num == mt->after[j] && sidx[i] >= 0) {
                    b->after[pb->n_after++] = sidx[i];
                    b->meets[k].after_count++;
                }
            }
        }
    }
    /* Mutual interest: A->B and B->A both pending, and no meeting yet. */
    for (int k = 0; k < n_pend; k++) {
        const struct ev_request *r = &m->reqs[pend[k]];
        int other = find_pending(m, pend, n_pend, r->to, r->from), a, bb;

        if (other < 0 || strcmp(r->from, r->to) > 0 || pair_active(m, r->from, r->to))
            continue;
        a = ev_participant_index(m, r->from);
        bb = ev_participant_index(m, r->to);
        if (a < 0 || bb < 0)
            continue;
        sched_meeting_init(&b->meets[n], a, bb);
        b->meets[n].flags = SCHED_M_MUTUAL;
        if (ev_needs_interpreter(&m->parts[a], &m->parts[bb]))
            b->meets[n].flags |= SCHED_M_INTERPRETER;
        b->meets[n].value = (r->priority + m->reqs[other].priority) * 10;
        b->mref[n] = -1;
        b->cand_r[2 * n] = pend[k];
        b->cand_r[2 * n + 1] = other;
        n++;
    }
    for (int k = 0; k < n_sg; k++) {
        const struct ev_participant *pa = &m->parts[sg[k].a], *pb2 = &m->parts[sg[k].b];
        if (pair_requested(m, pend, n_pend, pa->profile, pb2->profile))
            continue;
        sched_meeting_init(&b->meets[n], sg[k].a, sg[k].b);
        b->meets[n].flags = SCHED_M_SUGGESTION;
        if (ev_needs_interpreter(pa, pb2))
            b->meets[n].flags |= SCHED_M_INTERPRETER;
        b->meets[n].value = sg[k].value;
        b->mref[n] = -1;
        b->cand_r[2 * n] = b->cand_r[2 * n + 1] = -1;
        n++;
    }
    b->vetoes = arena_calloc(m->ar, (size_t)m->n_vetoes + 1, sizeof(*b->vetoes));
    if (!b->vetoes)
        return -ENOMEM;
    for (int i = 0; i < m->n_vetoes; i++) {
        int a = ev_participant_index(m, m->vetoes[i].by),
            bb = ev_participant_index(m, m->vetoes[i].partner);
        if (a >= 0 && bb >= 0) {
            b->vetoes[pb->n_vetoes].a = a;
            b->vetoes[pb->n_vetoes++].b = bb;
        }
    }
    if (cf->n_rules) {
        b->allow = arena_calloc(m->ar, (size_t)cf->n_groups * (size_t)cf->n_groups, 1);
        if (!b->allow)
            return -ENOMEM;
        for (int i = 0; i < cf->n_rules; i++) {
            b->allow[cf->rules[i][0] * cf->n_groups + cf->rules[i][1]] = 1;
            b->allow[cf->rules[i][1] * cf->n_groups + cf->rules[i][0]] = 1;
        }
        pb->n_groups = cf->n_groups;
        pb->group_allow = b->allow;
    }
    pb->n_slots = cf->n_slots;
    pb->slots = b->slots;
    pb->n_tables = cf->n_tables;
    pb->tables = b->tables;
    pb->n_participants = m->n_parts;
    pb->participants = b->parts;
    pb->n_meetings = n;
    pb->meetings = b->meets;
    pb->after = b->after;
    pb->vetoes = b->vetoes;
    pb->interpreter_cap = cf->interpreter_cap;
    pb->suggestions = n_sg > 0;
    pb->suggestion_min = (int32_t)(cf->suggestion_threshold * SUGGEST_SCALE + 0.5);
    pb->seed = 1;
    return 0;
}

/* ---- event.schedule ---------------------------------------------------------------------------
 */

enum { MV_NONE, MV_TABLE, MV_SLOT, MV_DROPPED };
static const char *const move_names[] = {"none", "table", "slot", "dropped"};

struct moved {
    int mi; /* index into m->meets */
    int from_slot;
    const char *from_table;
    int move;
};

struct moved_change {
    const struct ev_meeting *mt;
    const struct moved *mv;
};

static int pack_pos(msgpack_packer *pk, const struct ev_config *cf, int slot, const char *table,
                    bool times)
{
    char t[EV_TIME_MAX];

    if (msgpack_pack_map(pk, times ? 4 : 2) || proto_pack_cstr(pk, "slot") ||
        msgpack_pack_int(pk, slot) || ev_pack_kv_str(pk, "table", table))
        return -ENOMEM;
    if (!times)
        return 0;
    ev_time_format(cf->slots[slot].start_ms, cf->slots[slot].off_min, t);
    if (ev_pack_kv_str(pk, "start", t))
        return -ENOMEM;
    ev_time_format(cf->slots[slot].end_ms, cf->slots[slot].off_min, t);
    return ev_pack_kv_str(pk, "end", t);
}

static int pack_moved_change(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    const struct moved_change *x = item;

    if (ev_meeting_pack_ex(x->mt, &m->cfg, 1, pk) || proto_pack_cstr(pk, "from"))
        return -ENOMEM;
    return pack_pos(pk, &m->cfg, x->mv->from_slot, x->mv->from_table, true);
}

struct published {
    const char *mode;
    int placed, unplaced, moved;
};

static int pack_published(const void *item, const struct ev_model *m, msgpack_packer *pk)
{
    const struct published *p = item;
    (void)m;
    return msgpack_pack_map(pk, 4) || ev_pack_kv_str(pk, "mode", p->mode) ||
                   ev_pack_kv_int(pk, "placed", p->placed) ||
                   ev_pack_kv_int(pk, "unplaced", p->unplaced) ||
                   ev_pack_kv_int(pk, "moved", p->moved)
               ? -ENOMEM
               : 0;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Apply the placements to the model, writing and logging when publish. */
static int apply(struct ops_ctx *c, struct ev_model *m, const struct build *b,
                 const struct sched_result *r, bool publish, struct moved *mv, int *n_mv,
                 int *first_new)
{
    const struct ev_config *cf = &m->cfg;
    int rc = 0;

    *n_mv = 0;
    for (int k = 0; k < b->n_model && rc == 0; k++) {
        struct ev_meeting *mt = &m->meets[b->mref[k]];
        const struct sched_placement *p = &r->placements[k];
        int old_slot = ev_mstatus_placed(mt->status) ? mt->slot : -1;
        const char *old_table = old_slot >= 0 ? mt->table : NULL, *type = NULL;

        if (mt->status == EV_M_HELD || mt->status == EV_M_NO_SHOW)
            continue; /* the past is not rescheduled */
        if (p->slot >= 0) {
            const char *nt = cf->tables[p->table].id;
            if (old_slot == p->slot && same_str(old_table, nt))
                continue;
            if (old_slot >= 0) {
                mv[*n_mv] = (struct moved){b->mref[k], old_slot, old_table,
                                           old_slot == p->slot ? MV_TABLE : MV_SLOT};
                type = "meeting.moved";
            } else {
                type = "meeting.placed";
            }
            mt->status = EV_M_SCHEDULED;
            mt->slot = p->slot;
            mt->table = (char *)nt;
            mt->reason = NULL;
        } else {
            const char *why = sched_reason_name(p->reason);
            if (old_slot >= 0) {
                mv[*n_mv] = (struct moved){b->mref[k], old_slot, old_table, MV_DROPPED};
                type = "meeting.moved";
            } else if (mt->status != EV_M_UNPLACED || !same_str(mt->reason, why)) {
                type = "meeting.unplaced";
            } else {
                continue;
            }
            mt->status = EV_M_UNPLACED;
            mt->slot = -1;
            mt->table = NULL;
            mt->reason = (char *)why;
        }
        if (strcmp(type, "meeting.moved") == 0)
            (*n_mv)++;
        if (!publish)
            continue;
        rc = ev_put_meeting(c->txn, m, mt);
        if (rc == 0 && strcmp(type, "meeting.moved") == 0) {
            struct moved_change x = {mt, &mv[*n_mv - 1]};
            rc = oe_change(c, m, type, pack_moved_change, &x);
        } else if (rc == 0) {
            rc = oe_change(c, m, type, oe_pack_meeting, mt);
        }
    }
    /* Chosen candidates become meetings (their two requests accepted). */
    *first_new = m->n_meets;
    for (int k = b->n_model; k < b->pb.n_meetings && rc == 0; k++) {
        const struct sched_placement *p = &r->placements[k];
        struct ev_request *r1 = b->cand_r[2 * k] >= 0 ? &m->reqs[b->cand_r[2 * k]] : NULL;
        struct ev_request *r2 = b->cand_r[2 * k + 1] >= 0 ? &m->reqs[b->cand_r[2 * k + 1]] : NULL;
        struct ev_meeting *mt;
        int a = b->meets[k].a, bb = b->meets[k].b;

        if (p->slot < 0)
            continue;
        mt = ev_add_meeting(m);
        if (!mt)
            return -ENOMEM;
        ev_meeting_init(mt);
        mt->num = publish ? ++m->next_meeting : 0;
        mt->a = m->parts[a].profile;
        mt->b = m->parts[bb].profile;
        mt->origin = r1 ? "choice" : "suggestion";
        mt->request = r1 ? r1->num : 0;
        mt->type = r1 ? (r1->type ? r1->type : r2->type) : NULL;
        mt->interpreter = ev_needs_interpreter(&m->parts[a], &m->parts[bb]);
        mt->status = EV_M_SCHEDULED;
        mt->slot = p->slot;
        mt->table = cf->tables[p->table].id;
        if (!publish)
            continue;
        if (!r1) {
            rc = ev_put_meeting(c->txn, m, mt);
            if (rc == 0)
                rc = oe_change(c, m, "meeting.placed", oe_pack_meeting, mt);
            continue;
        }
        r1->status = r2->status = EV_R_ACCEPTED;
        r1->meeting = r2->meeting = mt->num;
        rc = ev_put_request(c->txn, m, r1);
        if (rc == 0)
            rc = oe_change(c, m, "request.accepted", oe_pack_request, r1);
        if (rc == 0)
            rc = ev_put_request(c->txn, m, r2);
        if (rc == 0)
            rc = oe_change(c, m, "request.accepted", oe_pack_request, r2);
        if (rc == 0)
            rc = ev_put_meeting(c->txn, m, mt);
        if (rc == 0)
            rc = oe_change(c, m, "meeting.placed", oe_pack_meeting, mt);
    }
    return rc;
}

static int pack_schedule_reply(struct ops_ctx *c, struct ev_model *m, const struct build *b,
                               const struct sched_result *r, const char *mode, bool publish,
                               const struct moved *mv, int n_mv, int first_new)
{
    msgpack_packer *pk = c->pk;
    int n_placed = 0, n_unplaced = 0;

    for (int k = 0; k < b->n_model; k++)
        n_placed += r->placements[k].slot >= 0;
    n_placed += m->n_meets - first_new;
    /* Candidates left out (choose mode) were optional: only meetings are reported unplaced. */
    for (int k = 0; k < b->n_model; k++)
        n_unplaced += r->placements[k].slot < 0;
    if (msgpack_pack_map(pk, 11) || ev_pack_kv_str(pk, "mode", mode) ||
        ev_pack_kv_bool(pk, "published", publish) || proto_pack_cstr(pk, "placed") ||
        msgpack_pack_array(pk, (size_t)n_placed))
        return -ENOMEM;
    for (int k = 0; k < b->n_model; k++)
        if (r->placements[k].slot >= 0 && ev_meeting_pack(&m->meets[b->mref[k]], &m->cfg, pk))
            return -ENOMEM;
    for (int i = first_new; i < m->n_meets; i++)
        if (ev_meeting_pack(&m->meets[i], &m->cfg, pk))
            return -ENOMEM;
    if (proto_pack_cstr(pk, "unplaced") || msgpack_pack_array(pk, (size_t)n_unplaced))
        return -ENOMEM;
    for (int k = 0; k < b->n_model; k++) {
        const struct sched_placement *p = &r->placements[k];
        const struct sched_meeting *sm = &b->meets[k];
        char id[24];

        if (p->slot >= 0)
            continue;
        snprintf(id, sizeof(id), "m%" PRIu64, m->meets[b->mref[k]].num);
        if (msgpack_pack_map(pk, 5) || ev_pack_kv_str(pk, "id", id) ||
            ev_pack_kv_str(pk, "a", m->parts[sm->a].profile) ||
            ev_pack_kv_str(pk, "b", m->parts[sm->b].profile) ||
            ev_pack_kv_str(pk, "reason", sched_reason_name(p->reason)) ||
            ev_pack_kv_str(pk, "why", p->why ? p->why : ""))
            return -ENOMEM;
    }
    if (proto_pack_cstr(pk, "moved") || msgpack_pack_array(pk, (size_t)n_mv))
        return -ENOMEM;
    for (int i = 0; i < n_mv; i++) {
        const struct ev_meeting *mt = &m->meets[mv[i].mi];
        char id[24];
        snprintf(id, sizeof(id), "m%" PRIu64, mt->num);
        if (msgpack_pack_map(pk, 4) || ev_pack_kv_str(pk, "id", id) ||
            ev_pack_kv_str(pk, "move", move_names[mv[i].move]) || proto_pack_cstr(pk, "from") ||
            pack_pos(pk, &m->cfg, mv[i].from_slot, mv[i].from_table, false) ||
            proto_pack_cstr(pk, "to") ||
            (mt->slot >= 0 ? pack_pos(pk, &m->cfg, mt->slot, mt->table, false)
                           : msgpack_pack_nil(pk)))
            return -ENOMEM;
    }
    if (proto_pack_cstr(pk, "breaks") || msgpack_pack_map(pk, 3) ||
        ev_pack_kv_int(pk, "total", r->breaks) || ev_pack_kv_int(pk, "max", r->max_breaks) ||
        ev_pack_kv_int(pk, "lower_bound", r->breaks_lower_bound) ||
        proto_pack_cstr(pk, "interpreters_per_slot") || msgpack_pack_array(pk, (size_t)r->n_slots))
        return -ENOMEM;
    for (int s = 0; s < r->n_slots; s++)
        if (msgpack_pack_int(pk, r->interpreters_in_slot[s]))
            return -ENOMEM;
    if (ev_pack_kv_int(pk, "value", r->value) || ev_pack_kv_bool(pk, "optimal", r->optimal) ||
        ev_pack_kv_int(pk, "elapsed_ms", r->elapsed_ms) ||
        ev_pack_kv_bool(pk, "deadline_hit", r->deadline_hit))
        return -ENOMEM;
    return 0;
}

int oe_op_schedule(struct ops_ctx *c, const msgpack_object *body)
{
    static const char *const keys[] = {"event",   "mode",       "deadline_ms",
                                       "publish", "reoptimize", NULL};
    const msgpack_object *v;
    struct sched_result r;
    struct sched_check chk;
    struct ev_model m;
    struct build b;
    struct moved *mv = NULL;
    bool publish = true;
    const char *mode = "place";
    uint64_t u;
    int rc, n_mv = 0, first_new = 0;

    memset(&r, 0, sizeof(r));
    rc = oe_load(c, body, &m, true);
    if (rc)
        goto out;
    for (uint32_t i = 0; i < body->via.map.size; i++) {
        bool ok = false;
        for (size_t j = 0; keys[j] && !ok; j++)
            ok = proto_str_eq(&body->via.map.ptr[i].key, keys[j]);
        if (!ok) {
            rc = sm_error_set(&c->err, SM_EINVAL, "", "unknown field in the schedule request");
            goto out;
        }
    }
    rc = build(c, &m, SCHED_PLACE, &b);
    if (rc)
        goto out;
    if ((v = get(body, "mode"))) {
        if (proto_str_eq(v, "choose")) {
            mode = "choose";
            rc = build(c, &m, SCHED_CHOOSE, &b);
            if (rc)
                goto out;
        } else if (!proto_str_eq(v, "place")) {
            rc = sm_error_set(&c->err, SM_EINVAL, "mode", "must be place or choose");
            goto out;
        }
    }
    b.pb.deadline_ms = DEADLINE_DEFAULT_MS;
    if ((v = get(body, "deadline_ms"))) {
        if (!ev_uint(v, &u) || u < 1 || u > DEADLINE_MAX_MS) {
            rc = sm_error_set(&c->err, SM_EINVAL, "deadline_ms", "must be an integer from 1 to %d",
                              DEADLINE_MAX_MS);
            goto out;
        }
        b.pb.deadline_ms = (uint32_t)u;
    }
    if ((v = get(body, "publish"))) {
        if (v->type != MSGPACK_OBJECT_BOOLEAN) {
            rc = sm_error_set(&c->err, SM_EINVAL, "publish", "must be true or false");
            goto out;
        }
        publish = v->via.boolean;
    }
    if ((v = get(body, "reoptimize"))) {
        if (v->type != MSGPACK_OBJECT_BOOLEAN) {
            rc = sm_error_set(&c->err, SM_EINVAL, "reoptimize", "must be true or false");
            goto out;
        }
        b.pb.reoptimize = v->via.boolean;
    }
    rc = sched_solve(&b.pb, &r);
    if (rc == SM_EINVAL) {
        log_error("events: %s: scheduler refused the problem: %s: %s", m.cfg.id, r.error.field,
                  r.error.message);
        rc = sm_error_set(&c->err, SM_EINTERNAL, r.error.field, "scheduler: %s", r.error.message);
        goto out;
    }
    if (rc)
        goto out;
    rc = sched_check(&b.pb, &r, &chk);
    if (rc) {
        log_error("events: %s: schedule fails its check (%d): %s", m.cfg.id, chk.violations,
                  chk.first);
        rc = rc == SM_EINVAL ? sm_error_set(&c->err, SM_EINTERNAL, "",
                                            "the schedule failed its check: %s", chk.first)
                             : rc;
        goto out;
    }
    mv = arena_calloc(m.ar, (size_t)b.n_model + 1, sizeof(*mv));
    rc = -ENOMEM;
    if (!mv)
        goto out;
    rc = apply(c, &m, &b, &r, publish, mv, &n_mv, &first_new);
    if (rc == 0 && publish) {
        int unplaced = 0;
        for (int k = 0; k < b.n_model; k++)
            unplaced += r.placements[k].slot < 0;
        struct published pub = {mode, r.placed, unplaced, n_mv};
        rc = oe_change(c, &m, "schedule.published", pack_published, &pub);
    }
    if (rc == 0)
        rc = pack_schedule_reply(c, &m, &b, &r, mode, publish, mv, n_mv, first_new);
out:
    sched_result_release(&r);
    ev_model_release(&m);
    return rc;
}

/* ---- views ----------------------------------------------------------------------------------- */

struct placed {
    int slot, table, mi;
};

static int placed_cmp(const void *x, const void *y)
{
    const struct placed *a = x, *b = y;
    if (a->slot != b->slot)
        return a->slot < b->slot ? -1 : 1;
    if (a->table != b->table)
        return a->table < b->table ? -1 : 1;
    return a->mi < b->mi ? -1 : a->mi > b->mi;
}

/* Placed meetings (optionally of one profile or one table) by slot then table; *n set. */
static struct placed *placed_list(struct ev_model *m, const char *profile, int table, int *n)
{
    struct placed *v = arena_calloc(m->ar, (size_t)m->n_meets + 1, sizeof(*v));

    *n = 0;
    if (!v)
        return NULL;
    for (int i = 0; i < m->n_meets; i++) {
        const struct ev_meeting *mt = &m->meets[i];
        int t = oe_meeting_table(m, mt);
        if (!ev_mstatus_placed(mt->status) || mt->slot < 0 || t < 0)
            continue;
        if (profile && strcmp(mt->a, profile) != 0 && strcmp(mt->b, profile) != 0)
            continue;
        if (table >= 0 && t != table)
            continue;
        v[(*n)++] = (struct placed){mt->slot, t, i};
    }
    qsort(v, (size_t)*n, sizeof(*v), placed_cmp);
    return v;
}

static int pack_times(msgpack_packer *pk, const struct ev_config *cf, int slot)
{
    char t[EV_TIME_MAX];

    ev_time_format(cf->slots[slot].start_ms, cf->slots[slot].off_min, t);
    if (ev_pack_kv_str(pk, "start", t))
        return -ENOMEM;
    ev_time_format(cf->slots[slot].end_ms, cf->slots[slot].off_min, t);
    if (ev_pack_kv_str(pk, "end", t))
        return -ENOMEM;
    return ev_pack_kv_int(pk, "slot", slot);
}

static int pack_mid(msgpack_packer *pk, const struct ev_meeting *mt)
{
    char id[24];
    snprintf(id, sizeof(id), "m%" PRIu64, mt->num);
    return ev_pack_kv_str(pk, "id", id);
}

static int pack_person(msgpack_packer *pk, const struct ev_model *m, const char *id, bool country)
{
    const struct ev_participant *p = oe_part(m, id);

    if (msgpack_pack_map(pk, country ? 3 : 2) || ev_pack_kv_str(pk, "id", id) ||
        ev_pack_kv_str(pk, "name", p ? p->name : id))
        return -ENOMEM;
    return country ? ev_pack_kv_str(pk, "country", p ? p->country : NULL) : 0;
}

static int pack_table_ref(msgpack_packer *pk, const struct ev_config *cf, int t)
{
    return msgpack_pack_map(pk, 2) || ev_pack_kv_str(pk, "id", cf->tables[t].id) ||
                   ev_pack_kv_str(pk, "label", cf->tables[t].label)
               ? -ENOMEM
               : 0;
}

int oe_op_schedule_get(struct ops_ctx *c, const msgpack_object *body)
{
    msgpack_packer *pk = c->pk;
    struct placed *pl;
    struct ev_model m;
    int rc, n = 0, n_un = 0, *interp = NULL;

    rc = oe_load(c, body, &m, false);
    if (rc)
        goto out;
    rc = -ENOMEM;
    pl = placed_list(&m, NULL, -1, &n);
    interp = arena_calloc(m.ar, (size_t)m.cfg.n_slots, sizeof(int));
    if (!pl || !interp)
        goto out;
    for (int i = 0; i < m.n_meets; i++)
        n_un += m.meets[i].status == EV_M_UNPLACED || m.meets[i].status == EV_M_PENDING;
    if (msgpack_pack_map(pk, 5) || proto_pack_cstr(pk, "event") || oe_pack_event_head(pk, &m) ||
        ev_pack_kv_bool(pk, "published", n > 0) || proto_pack_cstr(pk, "meetings") ||
        msgpack_pack_array(pk, (size_t)n))
        goto out;
    for (int i = 0; i < n; i++) {
        const struct ev_meeting *mt = &m.meets[pl[i].mi];
        if (mt->interpreter)
            interp[mt->slot]++;
        if (msgpack_pack_map(pk, 10) || pack_mid(pk, mt) || pack_times(pk, &m.cfg, mt->slot) ||
            proto_pack_cstr(pk, "table") || pack_table_ref(pk, &m.cfg, pl[i].table) ||
            proto_pack_cstr(pk, "a") || pack_person(pk, &m, mt->a, true) ||
            proto_pack_cstr(pk, "b") || pack_person(pk, &m, mt->b, true) ||
            ev_pack_kv_bool(pk, "interpreter", mt->interpreter) ||
            ev_pack_kv_str(pk, "status", ev_mstatus_name(mt->status)) ||
            ev_pack_kv_str(pk, "type", mt->type))
            goto out;
    }
    if (proto_pack_cstr(pk, "unplaced") || msgpack_pack_array(pk, (size_t)n_un))
        goto out;
    for (int i = 0; i < m.n_meets; i++) {
        const struct ev_meeting *mt = &m.meets[i];
        if (mt->status != EV_M_UNPLACED && mt->status != EV_M_PENDING)
            continue;
        if (msgpack_pack_map(pk, 4) || pack_mid(pk, mt) || ev_pack_kv_str(pk, "a", mt->a) ||
            ev_pack_kv_str(pk, "b", mt->b) ||
            ev_pack_kv_str(pk, "reason",
                           mt->status == EV_M_PENDING ? "not_scheduled_yet"
                                                      : (mt->reason ? mt->reason : "")))
            goto out;
    }
    if (proto_pack_cstr(pk, "interpreters_per_slot") ||
        msgpack_pack_array(pk, (size_t)m.cfg.n_slots))
        goto out;
    for (int s = 0; s < m.cfg.n_slots; s++)
        if (msgpack_pack_int(pk, interp[s]))
            goto out;
    rc = 0;
out:
    ev_model_release(&m);
    return rc;
}

int oe_op_agenda(struct ops_ctx *c, const msgpack_object *body)
{
    msgpack_packer *pk = c->pk;
    struct ev_participant *p;
    struct placed *pl;
    struct ev_model m;
    int rc, n = 0;

    rc = oe_load(c, body, &m, false);
    if (rc == 0)
        rc = oe_participant(c, body, "profile", &m, &p);
    if (rc)
        goto out;
    rc = -ENOMEM;
    pl = placed_list(&m, p->profile, -1, &n);
    if (!pl)
        goto out;
    if (msgpack_pack_map(pk, 3) || proto_pack_cstr(pk, "event") || oe_pack_event_head(pk, &m) ||
        proto_pack_cstr(pk, "profile") || pack_person(pk, &m, p->profile, false) ||
        proto_pack_cstr(pk, "meetings") || msgpack_pack_array(pk, (size_t)n))
        goto out;
    for (int i = 0; i < n; i++) {
        const struct ev_meeting *mt = &m.meets[pl[i].mi];
        const char *partner = strcmp(mt->a, p->profile) == 0 ? mt->b : mt->a;
        if (msgpack_pack_map(pk, 8) || pack_mid(pk, mt) || pack_times(pk, &m.cfg, mt->slot) ||
            proto_pack_cstr(pk, "table") || pack_table_ref(pk, &m.cfg, pl[i].table) ||
            proto_pack_cstr(pk, "partner") || pack_person(pk, &m, partner, true) ||
            ev_pack_kv_bool(pk, "interpreter", mt->interpreter) ||
            ev_pack_kv_str(pk, "status", ev_mstatus_name(mt->status)))
            goto out;
    }
    rc = 0;
out:
    ev_model_release(&m);
    return rc;
}

int oe_op_table_sheet(struct ops_ctx *c, const msgpack_object *body)
{
    msgpack_packer *pk = c->pk;
    const msgpack_object *t;
    struct placed *pl;
    struct ev_model m;
    int rc, n = 0, ti;

    rc = oe_load(c, body, &m, false);
    if (rc)
        goto out;
    t = get(body, "table");
    if (!ev_id(t)) {
        rc = sm_error_set(&c->err, SM_EINVAL, "table", "must be a table id");
        goto out;
    }
    ti = ev_table_find(&m.cfg, t->via.str.ptr, t->via.str.size);
    if (ti < 0) {
        rc = sm_error_set(&c->err, SM_ENOTFOUND, "table", "no table with this id in the event");
        goto out;
    }
    rc = -ENOMEM;
    pl = placed_list(&m, NULL, ti, &n);
    if (!pl)
        goto out;
    if (msgpack_pack_map(pk, 3) || proto_pack_cstr(pk, "event") || oe_pack_event_head(pk, &m) ||
        proto_pack_cstr(pk, "table") || pack_table_ref(pk, &m.cfg, ti) ||
        proto_pack_cstr(pk, "meetings") || msgpack_pack_array(pk, (size_t)n))
        goto out;
    for (int i = 0; i < n; i++) {
        const struct ev_meeting *mt = &m.meets[pl[i].mi];
        if (msgpack_pack_map(pk, 7) || pack_mid(pk, mt) || pack_times(pk, &m.cfg, mt->slot) ||
            proto_pack_cstr(pk, "a") || pack_person(pk, &m, mt->a, false) ||
            proto_pack_cstr(pk, "b") || pack_person(pk, &m, mt->b, false) ||
            ev_pack_kv_str(pk, "status", ev_mstatus_name(mt->status)))
            goto out;
    }
    rc = 0;
out:
    ev_model_release(&m);
    return rc;
}

/* ---- event.changes --------------------------------------------------------------------------- */

struct collect {
    const void **rec;
    size_t *len;
    uint32_t n;
};

static int collect_one(const void *rec, size_t len, void *user)
{
    struct collect *cl = user;
    cl->rec[cl->n] = rec;
    cl->len[cl->n++] = len;
    return 0;
}

int oe_op_changes(struct ops_ctx *c, const msgpack_object *body)
{
    const msgpack_object *ev, *v;
    struct collect cl = {0};
    uint64_t since = 0, limit = 1000, last = 0;
    int rc;

    if (body->type != MSGPACK_OBJECT_MAP)
        return sm_error_set(&c->err, SM_EBADREQ, "", "body must be a map with event");
    ev = get(body, "event");
    if (!ev_id(ev))
        return sm_error_set(&c->err, SM_EINVAL, "event", "must be an event id");
    if ((v = get(body, "since")) && !ev_uint(v, &since))
        return sm_error_set(&c->err, SM_EINVAL, "since", "must be an unsigned integer");
    if ((v = get(body, "limit")) && (!ev_uint(v, &limit) || limit < 1 || limit > 1000))
        return sm_error_set(&c->err, SM_EINVAL, "limit", "must be an integer from 1 to 1000");
    rc = ev_last_seq(c->txn, ev->via.str.ptr, ev->via.str.size, &last);
    if (rc == SM_ENOTFOUND)
        return sm_error_set(&c->err, SM_ENOTFOUND, "event", "no event with this id");
    if (rc)
        return rc;
    cl.rec = calloc((size_t)limit, sizeof(*cl.rec));
    cl.len = calloc((size_t)limit, sizeof(*cl.len));
    rc = -ENOMEM;
    if (!cl.rec || !cl.len)
        goto out;
    {
        char idz[256];
        snprintf(idz, sizeof(idz), "%.*s", (int)ev->via.str.size, ev->via.str.ptr);
        rc = ev_log_scan(c->txn, idz, since, (uint32_t)limit, collect_one, &cl);
    }
    if (rc)
        goto out;
    rc = -ENOMEM;
    if (msgpack_pack_map(c->pk, 2) || proto_pack_cstr(c->pk, "changes") ||
        msgpack_pack_array(c->pk, cl.n))
        goto out;
    /* Records are stored as the change maps themselves: copied as they are. */
    for (uint32_t i = 0; i < cl.n; i++)
        if (c->pk->callback(c->pk->data, cl.rec[i], cl.len[i]))
            goto out;
    if (ev_pack_kv_int(c->pk, "last_seq", (int64_t)last))
        goto out;
    rc = 0;
out:
    free(cl.rec);
    free(cl.len);
    return rc;
}

/* ---- event.stats ----------------------------------------------------------------------------- */

struct tally {
    const char *key;
    int participants, meetings, held, prospective, signed_;
};

static struct tally *tally_get(struct tally *v, int *n, int cap, const char *key)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(v[i].key, key) == 0)
            return &v[i];
    if (*n >= cap)
        return NULL;
    memset(&v[*n], 0, sizeof(v[*n]));
    v[*n].key = key;
    return &v[(*n)++];
}

static int pack_tallies(msgpack_packer *pk, const struct tally *v, int n, bool participants)
{
    if (msgpack_pack_map(pk, (size_t)n))
        return -ENOMEM;
    for (int i = 0; i < n; i++) {
        if (proto_pack_cstr(pk, v[i].key) || msgpack_pack_map(pk, participants ? 5 : 4) ||
            (participants && ev_pack_kv_int(pk, "participants", v[i].participants)) ||
            ev_pack_kv_int(pk, "meetings", v[i].meetings) ||
            ev_pack_kv_int(pk, "held", v[i].held) ||
            ev_pack_kv_int(pk, "prospective_deal", v[i].prospective) ||
            ev_pack_kv_int(pk, "signed", v[i].signed_))
            return -ENOMEM;
    }
    return 0;
}

static int pack_rate(msgpack_packer *pk, const char *k, int num, int den)
{
    if (proto_pack_cstr(pk, k))
        return -ENOMEM;
    return den ? msgpack_pack_double(pk, (double)num / den) : msgpack_pack_nil(pk);
}

int oe_op_stats(struct ops_ctx *c, const msgpack_object *body)
{
    msgpack_packer *pk = c->pk;
    struct ev_model m;
    struct build b;
    int rc, rq[5] = {0}, ms[6] = {0}, oc[4] = {0}, n_c = 0, n_t = 0, max_m = 0, max_b = 0;
    int interp = 0, interp_max = 0, total_m = 0, total_b = 0;
    int *slot_of = NULL, *breaks = NULL, *per = NULL, *per_slot = NULL;
    struct tally *countries = NULL, *types = NULL;

    rc = oe_load(c, body, &m, false);
    if (rc)
        goto out;
    for (int i = 0; i < m.n_reqs; i++)
        rq[m.reqs[i].status]++;
    rc = build(c, &m, SCHED_PLACE, &b);
    if (rc)
        goto out;
    rc = -ENOMEM;
    slot_of = arena_calloc(m.ar, (size_t)b.pb.n_meetings + 1, sizeof(int));
    breaks = arena_calloc(m.ar, (size_t)m.n_parts + 1, sizeof(int));
    per = arena_calloc(m.ar, (size_t)m.n_parts + 1, sizeof(int));
    per_slot = arena_calloc(m.ar, (size_t)m.cfg.n_slots + 1, sizeof(int));
    countries = arena_calloc(m.ar, (size_t)m.n_parts + 1, sizeof(*countries));
    types = arena_calloc(m.ar, 16, sizeof(*types));
    if (!slot_of || !breaks || !per || !per_slot || !countries || !types)
        goto out;
    for (int i = 0; i < m.n_parts; i++) {
        struct tally *t = tally_get(countries, &n_c, m.n_parts, m.parts[i].country);
        if (t)
            t->participants++;
    }
    for (int i = 0; i < m.n_meets; i++) {
        const struct ev_meeting *mt = &m.meets[i];
        int best = SM_MAX(mt->out_a, mt->out_b), a, bb;
        bool placed = ev_mstatus_placed(mt->status) && mt->slot >= 0;
        struct tally *t;

        ms[mt->status]++;
        if (!placed)
            continue;
        a = ev_participant_index(&m, mt->a);
        bb = ev_participant_index(&m, mt->b);
        if (a >= 0)
            per[a]++;
        if (bb >= 0)
            per[bb]++;
        if (mt->interpreter) {
            interp++;
            per_slot[mt->slot]++;
        }
        if (best >= 0)
            oc[best]++;
        t = tally_get(types, &n_t, 16, mt->type ? mt->type : "other");
        for (int side = 0; side < 3; side++) {
            if (side < 2) {
                const struct ev_participant *p = oe_part(&m, side ? mt->b : mt->a);
                struct tally *ct = p ? tally_get(countries, &n_c, m.n_parts, p->country) : NULL;
                if (!ct)
                    continue;
                ct->meetings++;
                ct->held += mt->status == EV_M_HELD;
                ct->prospective += best == EV_O_PROSPECTIVE;
                ct->signed_ += best == EV_O_SIGNED;
            } else if (t) {
                t->meetings++;
                t->held += mt->status == EV_M_HELD;
                t->prospective += best == EV_O_PROSPECTIVE;
                t->signed_ += best == EV_O_SIGNED;
            }
        }
    }
    /* Breaks of the published schedule, by the scheduler's own definition. */
    for (int k = 0; k < b.pb.n_meetings; k++) {
        const struct ev_meeting *mt = &m.meets[b.mref[k]];
        slot_of[k] = ev_mstatus_placed(mt->status) ? mt->slot : -1;
    }
    if (b.pb.n_meetings > 0) {
        rc = sched_check_breaks(&b.pb, slot_of, breaks, &max_b);
        if (rc < 0)
            goto out;
    }
    for (int p = 0; p < m.n_parts; p++) {
        total_m += per[p];
        total_b += breaks[p];
        max_m = SM_MAX(max_m, per[p]);
        max_b = SM_MAX(max_b, breaks[p]);
    }
    for (int s = 0; s < m.cfg.n_slots; s++)
        interp_max = SM_MAX(interp_max, per_slot[s]);
    rc = -ENOMEM;
    if (msgpack_pack_map(pk, 11) || ev_pack_kv_int(pk, "participants", m.n_parts) ||
        proto_pack_cstr(pk, "requests") || msgpack_pack_map(pk, 6) ||
        ev_pack_kv_int(pk, "total", m.n_reqs) || ev_pack_kv_int(pk, "pending", rq[EV_R_PENDING]) ||
        ev_pack_kv_int(pk, "accepted", rq[EV_R_ACCEPTED]) ||
        ev_pack_kv_int(pk, "declined", rq[EV_R_DECLINED]) ||
        ev_pack_kv_int(pk, "cancelled", rq[EV_R_CANCELLED]) ||
        ev_pack_kv_int(pk, "expired", rq[EV_R_EXPIRED]) ||
        pack_rate(pk, "acceptance_rate", rq[EV_R_ACCEPTED],
                  rq[EV_R_ACCEPTED] + rq[EV_R_DECLINED] + rq[EV_R_EXPIRED]) ||
        proto_pack_cstr(pk, "meetings") || msgpack_pack_map(pk, 5) ||
        ev_pack_kv_int(pk, "planned", ms[EV_M_SCHEDULED] + ms[EV_M_HELD] + ms[EV_M_NO_SHOW]) ||
        ev_pack_kv_int(pk, "held", ms[EV_M_HELD]) ||
        ev_pack_kv_int(pk, "no_show", ms[EV_M_NO_SHOW]) ||
        ev_pack_kv_int(pk, "unplaced", ms[EV_M_UNPLACED] + ms[EV_M_PENDING]) ||
        ev_pack_kv_int(pk, "cancelled", ms[EV_M_CANCELLED]) ||
        pack_rate(pk, "no_show_rate", ms[EV_M_NO_SHOW], ms[EV_M_HELD] + ms[EV_M_NO_SHOW]) ||
        proto_pack_cstr(pk, "meetings_per_participant") || msgpack_pack_map(pk, 2) ||
        pack_rate(pk, "mean", total_m, m.n_parts) || ev_pack_kv_int(pk, "max", max_m) ||
        proto_pack_cstr(pk, "breaks_per_participant") || msgpack_pack_map(pk, 2) ||
        pack_rate(pk, "mean", total_b, m.n_parts) || ev_pack_kv_int(pk, "max", max_b) ||
        proto_pack_cstr(pk, "interpreters") || msgpack_pack_map(pk, 2) ||
        ev_pack_kv_int(pk, "meetings", interp) || ev_pack_kv_int(pk, "max_per_slot", interp_max) ||
        proto_pack_cstr(pk, "outcomes") || msgpack_pack_map(pk, 4) ||
        ev_pack_kv_int(pk, "no_interest", oc[EV_O_NO_INTEREST]) ||
        ev_pack_kv_int(pk, "follow_up", oc[EV_O_FOLLOW_UP]) ||
        ev_pack_kv_int(pk, "prospective_deal", oc[EV_O_PROSPECTIVE]) ||
        ev_pack_kv_int(pk, "signed", oc[EV_O_SIGNED]) || proto_pack_cstr(pk, "by_country") ||
        pack_tallies(pk, countries, n_c, true) || proto_pack_cstr(pk, "by_type") ||
        pack_tallies(pk, types, n_t, false))
        goto out;
    rc = 0;
out:
    ev_model_release(&m);
    return rc;
}
