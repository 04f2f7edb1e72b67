/*
 * sched.c - the scheduler's entry point: checks the problem, prepares the static data (allowed
 * slots per meeting and why a meeting cannot be placed at all), keeps published meetings where
 * they are, computes a lower bound on breaks, runs the search (sched_search.c), then assigns
 * tables and explains every meeting left unplaced.
 */
#include "sched_priv.h"

#include <limits.h>

static const char *const reason_names[SCHED_R__COUNT] = {
    [SCHED_R_PLACED] = "placed",
    [SCHED_R_NOT_CHOSEN] = "not_chosen",
    [SCHED_R_ABSENT] = "absent",
    [SCHED_R_VETO] = "veto",
    [SCHED_R_GROUP] = "group",
    [SCHED_R_SUGGESTION_OFF] = "suggestion_off",
    [SCHED_R_DUPLICATE] = "duplicate",
    [SCHED_R_UNAVAILABLE] = "unavailable",
    [SCHED_R_NO_COMMON_SLOT] = "no_common_slot",
    [SCHED_R_SESSION] = "session",
    [SCHED_R_FIXED_SLOT] = "fixed_slot",
    [SCHED_R_NO_TABLE] = "no_table",
    [SCHED_R_BOOTH] = "booth",
    [SCHED_R_NO_INTERPRETER] = "no_interpreter",
    [SCHED_R_CAP] = "cap",
    [SCHED_R_BUSY] = "busy",
    [SCHED_R_TABLES_FULL] = "tables_full",
    [SCHED_R_INTERPRETERS_FULL] = "interpreters_full",
    [SCHED_R_PRECEDENCE] = "precedence",
    [SCHED_R_TABLE_TAKEN] = "table_taken",
};

const char *sched_reason_name(int reason)
{
    if (reason < 0 || reason >= SCHED_R__COUNT)
        return "unknown";
    return reason_names[reason];
}

void sched_problem_init(struct sched_problem *pb)
{
    memset(pb, 0, sizeof(*pb));
    pb->interpreter_cap = -1;
}

void sched_meeting_init(struct sched_meeting *m, int a, int b)
{
    memset(m, 0, sizeof(*m));
    m->a = a;
    m->b = b;
    m->fixed_slot = m->fixed_table = m->session = m->prev_slot = m->prev_table = -1;
}

/* ---- validation ---- */

static int bad(struct sm_error *e, const char *what, int i, const char *field, const char *msg)
{
    char f[96];
    if (i >= 0)
        snprintf(f, sizeof(f), "%s[%d]%s%s", what, i, field[0] ? "." : "", field);
    else
        snprintf(f, sizeof(f), "%s", what);
    return sm_error_set(e, SM_EINVAL, f, "%s", msg);
}

static int validate(const struct sched_problem *pb, struct sm_error *e)
{
    int S = pb->n_slots, T = pb->n_tables, P = pb->n_participants, M = pb->n_meetings;

    if (pb->mode != SCHED_PLACE && pb->mode != SCHED_CHOOSE)
        return bad(e, "mode", -1, "", "expected place or choose");
    if (S < 1 || S > SCHED_MAX_SLOTS || !pb->slots)
        return bad(e, "slots", -1, "", "expected 1 to 256 slots");
    if (T < 0 || (T && !pb->tables))
        return bad(e, "tables", -1, "", "expected an array of tables");
    if (P < 0 || (P && !pb->participants))
        return bad(e, "participants", -1, "", "expected an array of participants");
    if (M < 0 || (M && !pb->meetings))
        return bad(e, "meetings", -1, "", "expected an array of meetings");
    if (pb->n_after < 0 || (pb->n_after && !pb->after))
        return bad(e, "after", -1, "", "expected an array of meeting indices");
    if (pb->n_vetoes < 0 || (pb->n_vetoes && !pb->vetoes))
        return bad(e, "vetoes", -1, "", "expected an array of pairs");
    if (pb->n_groups < 0 || pb->n_groups > 4096 || (pb->n_groups && !pb->group_allow))
        return bad(e, "group_allow", -1, "", "expected an n_groups x n_groups matrix");
    if (pb->break_cost < 0)
        return bad(e, "break_cost", -1, "", "expected a value >= 0");
    for (int s = 0; s < S; s++)
        if (pb->slots[s].session < 0)
            return bad(e, "slots", s, "session", "expected a session label >= 0");
    for (int t = 0; t < T; t++)
        if (pb->tables[t].owner < -1 || pb->tables[t].owner >= P)
            return bad(e, "tables", t, "owner", "expected a participant index or -1");
    for (int p = 0; p < P; p++) {
        const struct sched_participant *q = &pb->participants[p];
        if (q->max_meetings < 0)
            return bad(e, "participants", p, "max_meetings", "expected a value >= 0");
        if (q->min_meetings < 0)
            return bad(e, "participants", p, "min_meetings", "expected a value >= 0");
        if (pb->n_groups && (q->group < 0 || q->group >= pb->n_groups))
            return bad(e, "participants", p, "group", "expected a group index below n_groups");
    }
    for (int m = 0; m < M; m++) {
        const struct sched_meeting *x = &pb->meetings[m];
        if (x->a < 0 || x->a >= P)
            return bad(e, "meetings", m, "a", "expected a participant index");
        if (x->b < 0 || x->b >= P)
            return bad(e, "meetings", m, "b", "expected a participant index");
        if (x->a == x->b)
            return bad(e, "meetings", m, "b", "expected two different participants");
        if (x->value < 0)
            return bad(e, "meetings", m, "value", "expected a value >= 0");
        if ((x->flags & SCHED_M_FIXED_SLOT) && (x->fixed_slot < 0 || x->fixed_slot >= S))
            return bad(e, "meetings", m, "fixed_slot", "expected a slot index");
        if ((x->flags & SCHED_M_FIXED_TABLE) && (x->fixed_table < 0 || x->fixed_table >= T))
            return bad(e, "meetings", m, "fixed_table", "expected a table index");
        if ((x->flags & SCHED_M_SESSION) && x->session < 0)
            return bad(e, "meetings", m, "session", "expected a session label >= 0");
        if ((x->flags & SCHED_M_PUBLISHED) && (x->prev_slot < 0 || x->prev_slot >= S))
            return bad(e, "meetings", m, "prev_slot", "expected a slot index");
        if ((x->flags & SCHED_M_PUBLISHED) && (x->prev_table < -1 || x->prev_table >= T))
            return bad(e, "meetings", m, "prev_table", "expected a table index or -1");
        if (x->after_count < 0 ||
            (x->after_count &&
             (x->after_first < 0 || x->after_first > pb->n_after - x->after_count)))
            return bad(e, "meetings", m, "after_first", "expected a range inside after");
    }
    for (int i = 0; i < pb->n_after; i++)
        if (pb->after[i] < 0 || pb->after[i] >= M)
            return bad(e, "after", i, "", "expected a meeting index");
    for (int i = 0; i < pb->n_vetoes; i++) {
        const struct sched_pair *v = &pb->vetoes[i];
        if (v->a < 0 || v->a >= P || v->b < 0 || v->b >= P)
            return bad(e, "vetoes", i, "", "expected two participant indices");
    }
    return 0;
}

/* ---- preparation ---- */

#define ALLOC(ptr, n)                                                                              \
    do {                                                                                           \
        (ptr) = calloc((size_t)(n) > 0 ? (size_t)(n) : 1, sizeof(*(ptr)));                         \
        if (!(ptr))                                                                                \
            goto nomem;                                                                            \
    } while (0)

static void st_release(struct sched_state *st)
{
    void *all[] = {st->bfirst,     st->blast,  st->gcap,    st->icap,       st->freeset,
                   st->boothset,   st->owner,  st->cap,     st->minm,       st->adj_first,
                   st->adj,        st->ma,     st->mb,      st->val,        st->allow,
                   st->tier,       st->usable, st->general, st->interp,     st->pinned,
                   st->tab,        st->reason, st->who,     st->pred_first, st->pred,
                   st->succ_first, st->succ,   st->slot,    st->at,         st->busy,
                   st->cnt,        st->brk,    st->gused,   st->iused,      st->tabres,
                   st->sl,         st->slen,   st->slpos,   st->bset,       st->bpos,
                   st->uset,       st->upos,   st->mset,    st->mpos,       st->pset,
                   st->ppos,       st->log,    st->stamp,   st->aux};
    for (size_t i = 0; i < SM_ARRAY_SIZE(all); i++)
        free(all[i]);
    memset(st, 0, sizeof(*st));
}

static int alloc_state(struct sched_state *st, const struct sched_problem *pb)
{
    int S = pb->n_slots, P = pb->n_participants, M = pb->n_meetings, T = pb->n_tables;

    st->pb = pb;
    st->S = S;
    st->P = P;
    st->M = M;
    st->T = T;
    st->nw = (S + 63) / 64;
    st->nwt = T > 0 ? (T + 63) / 64 : 1;
    st->choose = pb->mode == SCHED_CHOOSE;
    st->break_cost = pb->break_cost;
    st->strict = pb->break_cost == SCHED_BREAKS_FIRST;
    st->slcap = SM_MAX(1, SM_MIN(M, P / 2 + 1));
    st->caplog = 4096;
    ALLOC(st->bfirst, S);
    ALLOC(st->blast, S);
    ALLOC(st->gcap, S);
    ALLOC(st->icap, S);
    ALLOC(st->gused, S);
    ALLOC(st->iused, S);
    ALLOC(st->slen, S);
    ALLOC(st->tabres, (size_t)S * st->nwt);
    ALLOC(st->sl, (size_t)S * st->slcap);
    ALLOC(st->freeset, P);
    ALLOC(st->boothset, P);
    ALLOC(st->owner, P);
    ALLOC(st->cap, P);
    ALLOC(st->minm, P);
    ALLOC(st->adj_first, P + 1);
    ALLOC(st->busy, P);
    ALLOC(st->cnt, P);
    ALLOC(st->brk, P);
    ALLOC(st->bset, P);
    ALLOC(st->bpos, P);
    ALLOC(st->at, (size_t)P * S);
    ALLOC(st->ma, M);
    ALLOC(st->mb, M);
    ALLOC(st->val, M);
    ALLOC(st->allow, M);
    ALLOC(st->tier, M);
    ALLOC(st->usable, M);
    ALLOC(st->general, M);
    ALLOC(st->interp, M);
    ALLOC(st->pinned, M);
    ALLOC(st->tab, M);
    ALLOC(st->reason, M);
    ALLOC(st->who, M);
    ALLOC(st->aux, M);
    ALLOC(st->pred_first, M + 1);
    ALLOC(st->succ_first, M + 1);
    ALLOC(st->pred, pb->n_after);
    ALLOC(st->succ, pb->n_after);
    ALLOC(st->slot, M);
    ALLOC(st->slpos, M);
    ALLOC(st->uset, M);
    ALLOC(st->upos, M);
    ALLOC(st->mset, M);
    ALLOC(st->mpos, M);
    ALLOC(st->pset, M);
    ALLOC(st->ppos, M);
    ALLOC(st->stamp, M);
    ALLOC(st->log, st->caplog);
    return 0;
nomem:
    return SM_ENOMEM;
}

static uint64_t pair_key(int a, int b)
{
    return a < b ? (uint64_t)a << 32 | (uint32_t)b : (uint64_t)b << 32 | (uint32_t)a;
}

static int u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

struct dup {
    uint64_t pair;
    int64_t rank; /* smaller is kept */
    int m;
};

static int dup_cmp(const void *x, const void *y)
{
    const struct dup *a = x, *b = y;
    if (a->pair != b->pair)
        return a->pair < b->pair ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->m < b->m ? -1 : a->m > b->m;
}

static void refuse(struct sched_state *st, int m, int reason, int who, int aux)
{
    st->usable[m] = 0;
    st->reason[m] = reason;
    st->who[m] = who;
    st->aux[m] = aux;
}

static bool vetoed(const uint64_t *vk, int nv, int a, int b)
{
    uint64_t k = pair_key(a, b);
    return nv && bsearch(&k, vk, (size_t)nv, sizeof(k), u64_cmp);
}

/* Allowed slots of a meeting that passed the pair checks; refuses it when none is left. */
static void compute_allow(struct sched_state *st, int m, const struct sched_slots *gmask,
                          const struct sched_slots *imask)
{
    const struct sched_problem *pb = st->pb;
    const struct sched_meeting *x = &pb->meetings[m];
    int a = x->a, b = x->b, nw = st->nw;
    struct sched_slots c, tm;

    if (ss_empty(&st->freeset[a], nw)) {
        refuse(st, m, SCHED_R_UNAVAILABLE, a, 0);
        return;
    }
    if (ss_empty(&st->freeset[b], nw)) {
        refuse(st, m, SCHED_R_UNAVAILABLE, b, 0);
        return;
    }
    for (int w = 0; w < SCHED_SLOT_WORDS; w++)
        c.w[w] = st->freeset[a].w[w] & st->freeset[b].w[w];
    if (ss_empty(&c, nw)) {
        refuse(st, m, SCHED_R_NO_COMMON_SLOT, a, 0);
        return;
    }
    if (x->flags & SCHED_M_SESSION) {
        for (int s = 0; s < st->S; s++)
            if (pb->slots[s].session != x->session)
                ss_del(&c, s);
        if (ss_empty(&c, nw)) {
            refuse(st, m, SCHED_R_SESSION, -1, x->session);
            return;
        }
    }
    if (x->flags & SCHED_M_FIXED_SLOT) {
        int f = x->fixed_slot;
        if (!ss_has(&c, f)) {
            int who = !ss_has(&st->freeset[a], f) ? a : !ss_has(&st->freeset[b], f) ? b : -1;
            {
                refuse(st, m, SCHED_R_FIXED_SLOT, who, f);
                return;
            }
        }
        memset(&c, 0, sizeof(c));
        ss_add(&c, f);
    }
    memset(&tm, 0, sizeof(tm));
    if (st->general[m]) {
        tm = *gmask;
        if (x->flags & SCHED_M_FIXED_TABLE) {
            const struct sched_table *t = &pb->tables[x->fixed_table];
            if (t->owner != -1) {
                refuse(st, m, SCHED_R_BOOTH, t->owner, x->fixed_table);
                return;
            }
            for (int s = 0; s < st->S; s++)
                if (!sched_slots_has(&t->closed, s))
                    ss_add(&tm, s);
                else
                    ss_del(&tm, s);
        }
    } else {
        for (int w = 0; w < SCHED_SLOT_WORDS; w++)
            tm.w[w] = (st->owner[a] ? st->boothset[a].w[w] : 0) |
                      (st->owner[b] ? st->boothset[b].w[w] : 0);
        if (x->flags & SCHED_M_FIXED_TABLE) {
            const struct sched_table *t = &pb->tables[x->fixed_table];
            if (t->owner != a && t->owner != b) {
                refuse(st, m, SCHED_R_BOOTH, st->owner[a] ? a : b, x->fixed_table);
                return;
            }
            memset(&tm, 0, sizeof(tm));
            for (int s = 0; s < st->S; s++)
                if (!sched_slots_has(&t->closed, s))
                    ss_add(&tm, s);
        }
    }
    for (int w = 0; w < SCHED_SLOT_WORDS; w++)
        c.w[w] &= tm.w[w];
    if (ss_empty(&c, nw)) {
        refuse(st, m, SCHED_R_NO_TABLE, st->general[m] ? -1 : st->owner[a] ? a : b, 0);
        return;
    }
    if (st->interp[m]) {
        for (int w = 0; w < SCHED_SLOT_WORDS; w++)
            c.w[w] &= imask->w[w];
        if (ss_empty(&c, nw)) {
            refuse(st, m, SCHED_R_NO_INTERPRETER, -1, 0);
            return;
        }
    }
    st->allow[m] = c;
}

static int prepare(struct sched_state *st)
{
    const struct sched_problem *pb = st->pb;
    int S = st->S, P = st->P, M = st->M;
    struct sched_slots all, gmask, imask;
    uint64_t *vk = NULL;
    struct dup *dups = NULL;
    int nd = 0, rc = 0;

    memset(&all, 0, sizeof(all));
    memset(&gmask, 0, sizeof(gmask));
    memset(&imask, 0, sizeof(imask));
    for (int s = 0; s < S; s++) {
        ss_add(&all, s);
        bool cont = s > 0 && pb->slots[s].day == pb->slots[s - 1].day &&
                    pb->slots[s].session == pb->slots[s - 1].session;
        st->bfirst[s] = cont ? st->bfirst[s - 1] : s;
        int ic = pb->slots[s].interpreters >= 0 ? pb->slots[s].interpreters : pb->interpreter_cap;
        st->icap[s] = ic >= 0 ? ic : INT32_MAX;
        if (st->icap[s] > 0)
            ss_add(&imask, s);
    }
    for (int s = S - 1; s >= 0; s--)
        st->blast[s] = s + 1 < S && st->bfirst[s + 1] == st->bfirst[s] ? st->blast[s + 1] : s;

    for (int p = 0; p < P; p++) {
        const struct sched_participant *q = &pb->participants[p];
        st->cap[p] = q->max_meetings ? q->max_meetings : INT32_MAX;
        st->minm[p] = SM_MIN(q->min_meetings, st->cap[p]);
        if (!q->absent)
            for (int w = 0; w < SCHED_SLOT_WORDS; w++)
                st->freeset[p].w[w] = all.w[w] & ~q->forbidden.w[w];
    }
    for (int t = 0; t < st->T; t++) {
        const struct sched_table *tb = &pb->tables[t];
        for (int s = 0; s < S; s++) {
            if (sched_slots_has(&tb->closed, s))
                continue;
            if (tb->owner < 0) {
                st->gcap[s]++;
                ss_add(&gmask, s);
            } else {
                ss_add(&st->boothset[tb->owner], s);
            }
        }
        if (tb->owner >= 0)
            st->owner[tb->owner] = true;
    }

    if (pb->n_vetoes) {
        vk = malloc(sizeof(*vk) * (size_t)pb->n_vetoes);
        if (!vk)
            goto nomem;
        for (int i = 0; i < pb->n_vetoes; i++)
            vk[i] = pair_key(pb->vetoes[i].a, pb->vetoes[i].b);
        qsort(vk, (size_t)pb->n_vetoes, sizeof(*vk), u64_cmp);
    }
    dups = malloc(sizeof(*dups) * (size_t)(M ? M : 1));
    if (!dups)
        goto nomem;

    for (int m = 0; m < M; m++) {
        const struct sched_meeting *x = &pb->meetings[m];
        int a = x->a, b = x->b;
        bool forced = x->flags & (SCHED_M_FORCED | SCHED_M_LOCKED);
        st->ma[m] = a;
        st->mb[m] = b;
        st->val[m] = x->value;
        st->tab[m] = (x->flags & SCHED_M_FIXED_TABLE) ? x->fixed_table : -1;
        st->slot[m] = -1;
        st->upos[m] = st->ppos[m] = -1;
        st->tier[m] = forced ? 2 : (!st->choose || (x->flags & SCHED_M_ACCEPTED)) ? 1 : 0;
        st->general[m] = !st->owner[a] && !st->owner[b];
        st->interp[m] = (x->flags & SCHED_M_INTERPRETER) != 0;
        st->usable[m] = 1;
        st->who[m] = -1;
        if (pb->participants[a].absent || pb->participants[b].absent) {
            refuse(st, m, SCHED_R_ABSENT, pb->participants[a].absent ? a : b, 0);
            continue;
        }
        if (!forced && vetoed(vk, pb->n_vetoes, a, b)) {
            refuse(st, m, SCHED_R_VETO, -1, 0);
            continue;
        }
        if (!forced && pb->n_groups) {
            int ga = pb->participants[a].group, gb = pb->participants[b].group, n = pb->n_groups;
            if (!pb->group_allow[ga * n + gb] && !pb->group_allow[gb * n + ga]) {
                refuse(st, m, SCHED_R_GROUP, -1, 0);
                continue;
            }
        }
        if (st->choose && (x->flags & SCHED_M_SUGGESTION) &&
            !(x->flags & (SCHED_M_ACCEPTED | SCHED_M_FORCED | SCHED_M_LOCKED | SCHED_M_MUTUAL)) &&
            (!pb->suggestions || x->value < pb->suggestion_min)) {
            refuse(st, m, SCHED_R_SUGGESTION_OFF, -1, 0);
            continue;
        }
        compute_allow(st, m, &gmask, &imask);
        if (!st->usable[m])
            continue;
        dups[nd].pair = pair_key(a, b);
        dups[nd].rank = ((int64_t)(2 - st->tier[m]) << 40) |
                        ((int64_t) !(x->flags & SCHED_M_PUBLISHED) << 39) |
                        ((int64_t)INT32_MAX - x->value);
        dups[nd++].m = m;
    }
    /* Each pair meets once: keep the highest-ranked meeting of a pair. */
    qsort(dups, (size_t)nd, sizeof(*dups), dup_cmp);
    for (int i = 1, kept = nd ? dups[0].m : -1; i < nd; i++) {
        if (dups[i].pair == dups[i - 1].pair)
            refuse(st, dups[i].m, SCHED_R_DUPLICATE, -1, kept);
        else
            kept = dups[i].m;
    }

    /* Precedence lists (both ways) and each participant's usable meetings. */
    for (int m = 0; m < M; m++) {
        const struct sched_meeting *x = &pb->meetings[m];
        st->pred_first[m + 1] = st->pred_first[m] + x->after_count;
        for (int i = 0; i < x->after_count; i++)
            st->succ_first[pb->after[x->after_first + i] + 1]++;
        if (st->usable[m]) {
            st->adj_first[x->a + 1]++;
            st->adj_first[x->b + 1]++;
        }
    }
    for (int m = 0; m < M; m++)
        st->succ_first[m + 1] += st->succ_first[m];
    for (int p = 0; p < P; p++)
        st->adj_first[p + 1] += st->adj_first[p];
    ALLOC(st->adj, st->adj_first[P]);
    {
        int *sp = calloc((size_t)M + 1, sizeof(int)), *ap = calloc((size_t)P + 1, sizeof(int));
        if (!sp || !ap) {
            free(sp);
            free(ap);
            goto nomem;
        }
        for (int m = 0; m < M; m++) {
            const struct sched_meeting *x = &pb->meetings[m];
            for (int i = 0; i < x->after_count; i++) {
                int y = pb->after[x->after_first + i];
                st->pred[st->pred_first[m] + i] = y;
                st->succ[st->succ_first[y] + sp[y]++] = m;
            }
            if (st->usable[m]) {
                st->adj[st->adj_first[x->a] + ap[x->a]++] = m;
                st->adj[st->adj_first[x->b] + ap[x->b]++] = m;
            }
        }
        free(sp);
        free(ap);
    }

    for (size_t i = 0; i < (size_t)P * S; i++)
        st->at[i] = -1;
    for (int m = 0; m < M; m++) {
        st->mpos[m] = -1;
        if (st->usable[m]) {
            st->upos[m] = st->nu;
            st->uset[st->nu++] = m;
            if (st->tier[m] > 0) {
                st->mpos[m] = st->nm;
                st->mset[st->nm++] = m;
            }
        }
    }
    st->rng = pb->seed ^ 0x5ced5ced5ced5cedull;
out:
    free(vk);
    free(dups);
    return rc;
nomem:
    rc = SM_ENOMEM;
    goto out;
}

/* ---- keeping published and locked meetings ---- */

static bool table_ok(const struct sched_state *st, int m, int s, int t)
{
    const struct sched_table *tb = &st->pb->tables[t];

    if (sched_slots_has(&tb->closed, s) || (st->tab[m] >= 0 && st->tab[m] != t))
        return false;
    if (st->general[m])
        return tb->owner == -1 && !((st->tabres[(size_t)s * st->nwt + (t >> 6)] >> (t & 63)) & 1u);
    return tb->owner == st->ma[m] || tb->owner == st->mb[m];
}

static int key64_cmp(const void *x, const void *y)
{
    const int64_t *a = x, *b = y;
    return a[0] < b[0] ? -1 : a[0] > b[0];
}

static int pin(struct sched_state *st)
{
    const struct sched_problem *pb = st->pb;
    int64_t *keys = malloc(sizeof(*keys) * (size_t)(st->M ? st->M : 1));
    int n = 0;

    if (!keys)
        return SM_ENOMEM;
    for (int m = 0; m < st->M; m++) {
        unsigned f = pb->meetings[m].flags;
        bool locked = f & SCHED_M_LOCKED;
        if (!st->usable[m])
            continue;
        if (!(locked && (f & (SCHED_M_PUBLISHED | SCHED_M_FIXED_SLOT))) &&
            !((f & SCHED_M_PUBLISHED) && !pb->reoptimize))
            continue;
        /* Locked first; then those still valid at their exact (slot, table), so that one
           needing another table never takes the room of one that does not; then by tier. */
        const struct sched_meeting *x = &pb->meetings[m];
        int s = (f & SCHED_M_PUBLISHED) ? x->prev_slot : x->fixed_slot;
        int t = (f & SCHED_M_PUBLISHED)     ? x->prev_table
                : (f & SCHED_M_FIXED_TABLE) ? x->fixed_table
                                            : -1;
        bool exact = t < 0 || table_ok(st, m, s, t);
        keys[n++] = ((int64_t)!locked << 60) | ((int64_t)!exact << 58) |
                    ((int64_t)(2 - st->tier[m]) << 56) | m;
    }
    qsort(keys, (size_t)n, sizeof(*keys), key64_cmp);
    for (int i = 0; i < n; i++) {
        int m = (int)(keys[i] & 0xffffffff);
        const struct sched_meeting *x = &pb->meetings[m];
        int s = (x->flags & SCHED_M_PUBLISHED) ? x->prev_slot : x->fixed_slot;
        int t = (x->flags & SCHED_M_PUBLISHED)     ? x->prev_table
                : (x->flags & SCHED_M_FIXED_TABLE) ? x->fixed_table
                                                   : -1;
        if (!st_can_place(st, m, s))
            continue;
        if (t >= 0 && table_ok(st, m, s, t))
            st->tab[m] = t;
        st->pinned[m] = 1;
        st_place(st, m, s);
    }
    free(keys);
    return 0;
}

/* ---- lower bound on breaks (SCHED_PLACE) ---- */

/*
 * For each participant alone, the fewest breaks over any choice of slots for its meetings, where
 * meetings that cannot move keep their slot and the others may take any slot one of them allows
 * (a relaxation: other participants, tables and distinctness are ignored). The sum is a lower
 * bound for every schedule that places all usable meetings.
 */
static int lower_bound(struct sched_state *st)
{
    int S = st->S, total = 0;
    enum { INF = 1 << 28 };
    int8_t *mark = malloc((size_t)S);
    int *cur = malloc(sizeof(int) * 3 * (size_t)(S + 2));
    int *nxt = malloc(sizeof(int) * 3 * (size_t)(S + 2));
    int *tot = malloc(sizeof(int) * (size_t)(S + 2));
    int *nt = malloc(sizeof(int) * (size_t)(S + 2));

    if (!mark || !cur || !nxt || !tot || !nt)
        goto out;
    for (int p = 0; p < st->P; p++) {
        struct sched_slots u;
        int k = 0, deg = st->adj_first[p + 1] - st->adj_first[p];
        bool ok = deg <= st->cap[p];
        memset(&u, 0, sizeof(u));
        for (int s = 0; s < S; s++)
            mark[s] = ss_has(&st->freeset[p], s) ? 0 : -1;
        for (int j = st->adj_first[p]; j < st->adj_first[p + 1] && ok; j++) {
            int m = st->adj[j], f = -1;
            if (st->pinned[m])
                f = st->slot[m];
            else if (ss_count(&st->allow[m], st->nw) == 1)
                f = ss_nth(&st->allow[m], st->nw, 0);
            if (f >= 0) {
                if (mark[f] == 2)
                    ok = false;
                mark[f] = 2;
            } else {
                k++;
                for (int w = 0; w < SCHED_SLOT_WORDS; w++)
                    u.w[w] |= st->allow[m].w[w];
            }
        }
        if (!ok || k > S)
            continue;
        for (int s = 0; s < S; s++)
            if (mark[s] == 0 && ss_has(&u, s))
                mark[s] = 1;
        for (int j = 0; j <= k; j++)
            tot[j] = j ? INF : 0;
        for (int s0 = 0; s0 < S; s0 = st->blast[s0] + 1) {
            for (int j = 0; j < 3 * (k + 1); j++)
                cur[j] = INF;
            cur[0] = 0; /* [j * 3 + phase]: 0 before any meeting, 1 in a run, 2 idle after one */
            for (int s = s0; s <= st->blast[s0]; s++) {
                int mk = mark[s];
                if (mk < 0)
                    continue; /* forbidden: transparent */
                for (int j = 0; j < 3 * (k + 1); j++)
                    nxt[j] = INF;
                for (int j = 0; j <= k; j++)
                    for (int ph = 0; ph < 3; ph++) {
                        int c = cur[j * 3 + ph];
                        if (c >= INF)
                            continue;
                        if (mk == 2 || (mk == 1 && j < k)) {
                            int nj = j + (mk == 1), v = c + (ph == 2);
                            if (v < nxt[nj * 3 + 1])
                                nxt[nj * 3 + 1] = v;
                        }
                        if (mk != 2) {
                            int np = ph == 0 ? 0 : 2;
                            if (c < nxt[j * 3 + np])
                                nxt[j * 3 + np] = c;
                        }
                    }
                int *sw = cur;
                cur = nxt;
                nxt = sw;
            }
            for (int j = 0; j <= k; j++)
                nt[j] = INF;
            for (int i = 0; i <= k; i++) {
                if (tot[i] >= INF)
                    continue;
                for (int j = 0; i + j <= k; j++) {
                    int c = SM_MIN(cur[j * 3], SM_MIN(cur[j * 3 + 1], cur[j * 3 + 2]));
                    if (c < INF && tot[i] + c < nt[i + j])
                        nt[i + j] = tot[i] + c;
                }
            }
            memcpy(tot, nt, sizeof(int) * (size_t)(k + 1));
        }
        if (tot[k] < INF)
            total += tot[k];
    }
out:
    free(mark);
    free(cur);
    free(nxt);
    free(tot);
    free(nt);
    return total;
}

/* ---- result ---- */

struct tbuf {
    char *p;
    size_t len, cap;
    bool failed;
};

__attribute__((format(printf, 2, 3))) static size_t tb_printf(struct tbuf *b, const char *fmt, ...)
{
    size_t at = b->len;
    va_list ap;

    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return at;
        }
        if (b->p && (size_t)n < room) {
            b->len += (size_t)n + 1;
            return at;
        }
        size_t nc = SM_MAX(b->cap * 2, b->len + (size_t)n + 1 + 256);
        char *np = realloc(b->p, nc);
        if (!np) {
            b->failed = true;
            return at;
        }
        b->p = np;
        b->cap = nc;
    }
}

/* A participant's name for texts: its id, or "#index". */
static const char *pname(const struct sched_problem *pb, int p, char *buf, size_t n)
{
    if (p < 0)
        return "?";
    if (pb->participants[p].id)
        return pb->participants[p].id;
    snprintf(buf, n, "#%d", p);
    return buf;
}

/* Why a usable meeting stayed out of the final schedule. */
static size_t explain(struct sched_state *st, int m, struct sched_placement *pl, struct tbuf *b)
{
    const struct sched_problem *pb = st->pb;
    int a = st->ma[m], b2 = st->mb[m];
    char na[24], nb[24];
    const char *sa = pname(pb, a, na, sizeof(na)), *sb = pname(pb, b2, nb, sizeof(nb));
    int nall = 0, busy_a = 0, busy_b = 0, nbusy = 0, ntab = 0, nint = 0, nprec = 0, ntaken = 0;
    int nfree = 0;

    for (int i = 0; i < 2; i++) {
        int p = i ? b2 : a;
        if (st->cnt[p] >= st->cap[p]) {
            pl->reason = SCHED_R_CAP;
            pl->who = p;
            return tb_printf(b, "cap reached: %s already has %d meetings (max %d)", i ? sb : sa,
                             st->cnt[p], st->cap[p]);
        }
    }
    for (int s = 0; s < st->S; s++) {
        if (!ss_has(&st->allow[m], s))
            continue;
        nall++;
        bool ba = st->at[(size_t)a * st->S + s] >= 0, bb = st->at[(size_t)b2 * st->S + s] >= 0;
        if (ba || bb) {
            busy_a += ba;
            busy_b += bb;
            nbusy++;
        } else if (st->general[m] && st->gused[s] >= st->gcap[s]) {
            ntab++;
        } else if (st->general[m] && st->tab[m] >= 0 &&
                   ((st->tabres[(size_t)s * st->nwt + (st->tab[m] >> 6)] >> (st->tab[m] & 63)) &
                    1u)) {
            ntaken++;
        } else if (st->interp[m] && st->iused[s] >= st->icap[s]) {
            nint++;
        } else if (!st_can_place(st, m, s)) {
            nprec++;
        } else {
            nfree++;
        }
    }
    if (nfree) {
        pl->reason = SCHED_R_NOT_CHOSEN;
        return tb_printf(b,
                         "not chosen: free in %d slot%s, but adding it would not improve the "
                         "schedule (breaks or targets of others)",
                         nfree, nfree == 1 ? "" : "s");
    }
    if (nbusy == nall) {
        pl->reason = SCHED_R_BUSY;
        pl->who = busy_a >= busy_b ? a : b2;
        return tb_printf(b,
                         "no free common slot: %s is busy in %d and %s in %d of the %d slots "
                         "both can use",
                         sa, busy_a, sb, busy_b, nall);
    }
    int wait = nall - nbusy;
    if (ntab >= nint && ntab >= nprec && ntab >= ntaken) {
        pl->reason = SCHED_R_TABLES_FULL;
        return tb_printf(b,
                         "no table free: every table is taken in the %d slot%s where both are "
                         "free",
                         wait, wait == 1 ? "" : "s");
    }
    if (nint >= nprec && nint >= ntaken) {
        pl->reason = SCHED_R_INTERPRETERS_FULL;
        return tb_printf(b, "no interpreter free in the %d slot%s where both are free", wait,
                         wait == 1 ? "" : "s");
    }
    if (nprec >= ntaken) {
        pl->reason = SCHED_R_PRECEDENCE;
        return tb_printf(b, "the meetings it must follow leave no later slot where both are free");
    }
    pl->reason = SCHED_R_TABLE_TAKEN;
    return tb_printf(b, "fixed table %d is taken in the %d slot%s where both are free", st->tab[m],
                     wait, wait == 1 ? "" : "s");
}

/* Text of a reason decided before the search. */
static size_t explain_static(struct sched_state *st, int m, struct tbuf *b)
{
    const struct sched_problem *pb = st->pb;
    const struct sched_meeting *x = &pb->meetings[m];
    char na[24], nb[24], nw[24];
    const char *sa = pname(pb, x->a, na, sizeof(na)), *sb = pname(pb, x->b, nb, sizeof(nb));
    const char *sw = pname(pb, st->who[m], nw, sizeof(nw));

    switch (st->reason[m]) {
    case SCHED_R_ABSENT:
        return tb_printf(b, "%s is absent", sw);
    case SCHED_R_VETO:
        return tb_printf(b, "%s and %s: one vetoed the other", sa, sb);
    case SCHED_R_GROUP:
        return tb_printf(b, "group rules do not let group %d meet group %d",
                         pb->participants[x->a].group, pb->participants[x->b].group);
    case SCHED_R_SUGGESTION_OFF:
        if (!pb->suggestions)
            return tb_printf(b, "engine suggestions are not enabled");
        return tb_printf(b, "suggestion value %d is below the threshold %d", (int)x->value,
                         (int)pb->suggestion_min);
    case SCHED_R_DUPLICATE:
        return tb_printf(b, "the pair already has meeting %d", st->aux[m]);
    case SCHED_R_UNAVAILABLE:
        return tb_printf(b, "%s has no available slot", sw);
    case SCHED_R_NO_COMMON_SLOT:
        return tb_printf(b, "%s and %s have no available slot in common", sa, sb);
    case SCHED_R_SESSION:
        return tb_printf(b, "%s and %s have no common available slot in session %d", sa, sb,
                         st->aux[m]);
    case SCHED_R_FIXED_SLOT:
        if (st->who[m] >= 0)
            return tb_printf(b, "fixed slot %d is unavailable to %s", st->aux[m], sw);
        return tb_printf(b, "fixed slot %d is outside the bound session", st->aux[m]);
    case SCHED_R_NO_TABLE:
        if (st->who[m] >= 0)
            return tb_printf(b, "the booth of %s is closed in every common slot", sw);
        return tb_printf(b, "no open table in any common slot");
    case SCHED_R_BOOTH:
        return tb_printf(b, "fixed table %d breaks the booth rule (booth owner %s)", st->aux[m],
                         sw);
    case SCHED_R_NO_INTERPRETER:
        return tb_printf(b, "needs an interpreter and no common slot has one");
    default:
        return tb_printf(b, "%s", sched_reason_name(st->reason[m]));
    }
}

/* Tables per slot: kept/fixed ones, then booths, then shared tables (published one preferred). */
static int assign_tables(struct sched_state *st, struct sched_placement *pl)
{
    const struct sched_problem *pb = st->pb;
    int T = st->T;
    uint64_t *used = calloc((size_t)st->nwt, sizeof(uint64_t));
    int *own_first = calloc((size_t)st->P + 1, sizeof(int)), *own = NULL;

    if (!used || !own_first)
        goto nomem;
    for (int t = 0; t < T; t++)
        if (pb->tables[t].owner >= 0)
            own_first[pb->tables[t].owner + 1]++;
    for (int p = 0; p < st->P; p++)
        own_first[p + 1] += own_first[p];
    own = malloc(sizeof(int) * (size_t)(own_first[st->P] + 1));
    if (!own)
        goto nomem;
    {
        int *fill = calloc((size_t)st->P + 1, sizeof(int));
        if (!fill)
            goto nomem;
        for (int t = 0; t < T; t++) {
            int o = pb->tables[t].owner;
            if (o >= 0)
                own[own_first[o] + fill[o]++] = t;
        }
        free(fill);
    }
#define USED(t) ((used[(t) >> 6] >> ((t)&63)) & 1u)
#define USE(t) (used[(t) >> 6] |= 1ull << ((t)&63))
    for (int s = 0; s < st->S; s++) {
        const int *row = st->sl + (size_t)s * st->slcap;
        int n = st->slen[s], cursor = 0;
        memset(used, 0, sizeof(uint64_t) * (size_t)st->nwt);
        for (int i = 0; i < n; i++) {
            int m = row[i];
            pl[m].table = -1;
            if (st->tab[m] >= 0) {
                pl[m].table = st->tab[m];
                USE(st->tab[m]);
            }
        }
        for (int i = 0; i < n; i++) {
            int m = row[i], pick = -1;
            const struct sched_meeting *x = &pb->meetings[m];
            if (pl[m].table >= 0 || st->general[m])
                continue;
            if ((x->flags & SCHED_M_PUBLISHED) && x->prev_table >= 0 &&
                table_ok(st, m, s, x->prev_table) && !USED(x->prev_table))
                pick = x->prev_table;
            for (int k = 0; k < 2 && pick < 0; k++) {
                int p = k ? st->mb[m] : st->ma[m];
                for (int j = own_first[p]; j < own_first[p + 1] && pick < 0; j++)
                    if (!sched_slots_has(&pb->tables[own[j]].closed, s) && !USED(own[j]))
                        pick = own[j];
            }
            assert(pick >= 0);
            pl[m].table = pick;
            USE(pick);
        }
        for (int i = 0; i < n; i++) {
            int m = row[i], pick = -1;
            const struct sched_meeting *x = &pb->meetings[m];
            if (pl[m].table >= 0)
                continue;
            int pt = x->prev_table;
            if ((x->flags & SCHED_M_PUBLISHED) && pt >= 0 && pb->tables[pt].owner == -1 &&
                !sched_slots_has(&pb->tables[pt].closed, s) && !USED(pt))
                pick = pt;
            while (pick < 0 && cursor < T) {
                int t = cursor++;
                if (pb->tables[t].owner == -1 && !sched_slots_has(&pb->tables[t].closed, s) &&
                    !USED(t))
                    pick = t;
            }
            assert(pick >= 0);
            pl[m].table = pick;
            USE(pick);
        }
    }
#undef USED
#undef USE
    free(used);
    free(own_first);
    free(own);
    return 0;
nomem:
    free(used);
    free(own_first);
    free(own);
    return SM_ENOMEM;
}

static int build_result(struct sched_state *st, int lb, struct sched_result *out)
{
    const struct sched_problem *pb = st->pb;
    struct tbuf tb = {0};
    size_t *off = NULL;
    int rc = 0;

    out->n_meetings = st->M;
    out->n_participants = st->P;
    out->n_slots = st->S;
    ALLOC(out->placements, st->M);
    ALLOC(out->meetings_of, st->P);
    ALLOC(out->breaks_of, st->P);
    ALLOC(out->meetings_in_slot, st->S);
    ALLOC(out->interpreters_in_slot, st->S);
    ALLOC(off, st->M);

    for (int m = 0; m < st->M; m++) {
        struct sched_placement *pl = &out->placements[m];
        pl->slot = st->slot[m];
        pl->table = -1;
        pl->who = -1;
        off[m] = SIZE_MAX;
        if (!st->usable[m]) {
            pl->reason = st->reason[m];
            pl->who = st->who[m];
            off[m] = explain_static(st, m, &tb);
        } else if (st->slot[m] < 0) {
            off[m] = explain(st, m, pl, &tb);
        }
    }
    if (tb.failed)
        goto nomem;
    rc = assign_tables(st, out->placements);
    if (rc)
        goto out;
    for (int m = 0; m < st->M; m++) {
        struct sched_placement *pl = &out->placements[m];
        const struct sched_meeting *x = &pb->meetings[m];
        unsigned f = x->flags;
        if (off[m] != SIZE_MAX)
            pl->why = tb.p + off[m];
        if (pl->slot >= 0) {
            out->placed++;
            out->meetings_in_slot[pl->slot]++;
            if (st->interp[m])
                out->interpreters_in_slot[pl->slot]++;
        }
        if (!st->choose || (f & (SCHED_M_ACCEPTED | SCHED_M_FORCED | SCHED_M_LOCKED))) {
            out->must_total++;
            out->must_placed += pl->slot >= 0;
        }
        if (f & SCHED_M_PUBLISHED) {
            if (pl->slot < 0)
                pl->moved = SCHED_MOVE_DROPPED;
            else if (pl->slot != x->prev_slot)
                pl->moved = SCHED_MOVE_SLOT;
            else if (pl->table != x->prev_table)
                pl->moved = SCHED_MOVE_TABLE;
            out->moved += pl->moved != SCHED_MOVE_NONE;
        }
    }
    for (int p = 0; p < st->P; p++) {
        out->meetings_of[p] = st->cnt[p];
        out->breaks_of[p] = st->brk[p];
        out->max_breaks = SM_MAX(out->max_breaks, st->brk[p]);
    }
    out->covered = (int)st->covered;
    out->fill = (int)st->fill;
    out->breaks = (int)st->breaks;
    out->sumsq_breaks = st->sumsq;
    out->idle = (int)st->idle;
    out->value = st->value;
    /* The bound holds for schedules that place every usable meeting. */
    out->breaks_lower_bound = !st->choose && st->nu == 0 ? lb : 0;
    out->optimal = !st->choose && st->nu == 0 && st->breaks == lb;
    out->deadline_hit = st->deadline_hit;
    out->iterations = st->iterations;
    out->text = tb.p;
    tb.p = NULL;
out:
    free(tb.p);
    free(off);
    return rc;
nomem:
    rc = SM_ENOMEM;
    goto out;
}

int sched_solve(const struct sched_problem *pb, struct sched_result *out)
{
    struct sched_state st;
    uint64_t t0 = sm_now_ms();
    int rc, lb = 0;

    memset(out, 0, sizeof(*out));
    memset(&st, 0, sizeof(st));
    rc = validate(pb, &out->error);
    if (rc)
        goto out;
    rc = alloc_state(&st, pb);
    if (rc)
        goto fail;
    st.t0_ms = t0;
    st.deadline_at = pb->deadline_ms ? t0 + pb->deadline_ms : 0;
    rc = prepare(&st);
    if (rc)
        goto fail;
    rc = pin(&st);
    if (rc)
        goto fail;
    if (!st.choose)
        lb = lower_bound(&st);
    st_search(&st, lb);
    rc = build_result(&st, lb, out);
    if (rc)
        goto fail;
    out->elapsed_ms = (uint32_t)(sm_now_ms() - t0);
    goto out;
fail:
    sm_error_set(&out->error, rc, "", "%s", rc == SM_ENOMEM ? "out of memory" : "scheduler failed");
out:
    st_release(&st);
    return rc;
}

void sched_result_release(struct sched_result *r)
{
    if (!r)
        return;
    free(r->placements);
    free(r->meetings_of);
    free(r->breaks_of);
    free(r->meetings_in_slot);
    free(r->interpreters_in_slot);
    free(r->text);
    struct sm_error e = r->error;
    memset(r, 0, sizeof(*r));
    r->error = e;
}
