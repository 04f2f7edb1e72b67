/* sched_gen.c - seeded expo-like scheduling instances; see sched_gen.h. */
#include "sm.h"

#include <math.h>

#include "sched_gen.h"

struct rng {
    uint64_t x;
};

static uint64_t next(struct rng *r)
{
    uint64_t z = (r->x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int below(struct rng *r, int n)
{
    return n > 0 ? (int)((next(r) >> 33) % (uint64_t)n) : 0;
}

static bool chance(struct rng *r, int percent)
{
    return below(r, 100) < percent;
}

void sched_gen_defaults(struct sched_gen_opts *o, enum sched_mode mode, int participants, int slots,
                        int tables, int meetings, uint64_t seed)
{
    memset(o, 0, sizeof(*o));
    o->mode = mode;
    o->participants = participants;
    o->slots = slots;
    o->tables = tables;
    o->booths = participants / 10;
    o->meetings = meetings;
    o->hole_percent = 30;
    o->interp_percent = 15;
    o->interp_cap = SM_MAX(1, tables / 4);
    o->fixed_percent = 2;
    o->session_percent = 4;
    o->precedence = mode == SCHED_PLACE ? meetings / 100 : 0;
    o->break_cost = 10;
    o->seed = seed;
}

void sched_inst_release(struct sched_inst *in)
{
    free(in->slots);
    free(in->tables);
    free(in->parts);
    free(in->meets);
    free(in->after);
    free(in->ids);
    memset(in, 0, sizeof(*in));
}

/* A participant drawn with skewed popularity: weight 1 / (rank + 5). */
static int draw(struct rng *r, const double *cum, int n)
{
    double u = (double)(next(r) >> 11) * (1.0 / 9007199254740992.0) * cum[n - 1];
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cum[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int sched_gen(struct sched_inst *in, const struct sched_gen_opts *o)
{
    struct rng r = {o->seed * 0x2545f4914f6cdd1dull + 17};
    int P = o->participants, S = o->slots, T = o->tables + o->booths;
    int nb = SM_MAX(1, P * 2 / 5), ns = P - nb; /* buyers, suppliers */
    int maxm = o->meetings + o->candidates;
    uint8_t *busy = NULL, *paired = NULL;
    int *shared = NULL, *interp = NULL, *booth_of = NULL, *cnt = NULL, *planted = NULL;
    double *cumb = NULL, *cums = NULL;
    int rc = 0;

    memset(in, 0, sizeof(*in));
    sched_problem_init(&in->pb);
    in->slots = calloc((size_t)S, sizeof(*in->slots));
    in->tables = calloc((size_t)T + 1, sizeof(*in->tables));
    in->parts = calloc((size_t)P, sizeof(*in->parts));
    in->meets = calloc((size_t)maxm + 1, sizeof(*in->meets));
    in->after = calloc((size_t)o->precedence + 1, sizeof(int));
    in->ids = calloc((size_t)P, sizeof(*in->ids));
    busy = calloc((size_t)P * S, 1);
    paired = calloc(((size_t)P * P + 7) / 8, 1);
    shared = calloc((size_t)S, sizeof(int));
    interp = calloc((size_t)S, sizeof(int));
    booth_of = calloc((size_t)P, sizeof(int));
    cnt = calloc((size_t)P, sizeof(int));
    planted = calloc((size_t)maxm + 1, sizeof(int));
    cumb = calloc((size_t)nb, sizeof(double));
    cums = calloc((size_t)ns, sizeof(double));
    if (!in->slots || !in->tables || !in->parts || !in->meets || !in->after || !in->ids || !busy ||
        !paired || !shared || !interp || !booth_of || !cnt || !planted || !cumb || !cums) {
        rc = SM_ENOMEM;
        goto out;
    }

    /* Slots: days of up to 24, each split into a morning and an afternoon session. */
    int perday = SM_MIN(S, 24);
    for (int s = 0; s < S; s++) {
        in->slots[s].day = s / perday;
        in->slots[s].session = (s % perday) >= (perday + 1) / 2;
        in->slots[s].interpreters = -1;
    }
    /* Participants: buyers 0..nb-1 (group 0), suppliers nb..P-1 (group 1). */
    for (int p = 0; p < P; p++) {
        struct sched_participant *q = &in->parts[p];
        snprintf(in->ids[p], sizeof(in->ids[p]), "%s-%04d", p < nb ? "buyer" : "supplier",
                 p < nb ? p : p - nb);
        q->id = in->ids[p];
        q->group = p >= nb;
        booth_of[p] = -1;
        if (chance(&r, o->hole_percent)) {
            /* Late arrival, early departure or a talk: a run of 1-4 unavailable slots. */
            int len = 1 + below(&r, 4), kind = below(&r, 3);
            int day0 = below(&r, (S + perday - 1) / perday) * perday;
            int dl = SM_MIN(perday, S - day0);
            int start = kind == 0 ? day0 : kind == 1 ? day0 + dl - len : day0 + below(&r, dl);
            for (int s = SM_MAX(start, day0); s < SM_MIN(start + len, day0 + dl); s++)
                sched_slots_add(&q->forbidden, s);
        }
        for (int s = 0; s < S; s++)
            if (chance(&r, 2))
                sched_slots_add(&q->forbidden, s);
    }
    for (int i = 0; i < nb; i++)
        cumb[i] = (i ? cumb[i - 1] : 0) + 1.0 / (i + 5);
    for (int i = 0; i < ns; i++)
        cums[i] = (i ? cums[i - 1] : 0) + 1.0 / (i + 5);
    /* Tables: shared ones, then the booths of the first exhibitors (popular suppliers). */
    for (int t = 0; t < T; t++)
        in->tables[t].owner = -1;
    for (int i = 0; i < o->booths && i < ns; i++) {
        int t = o->tables + i, p = nb + (i * 7919) % ns;
        if (booth_of[p] >= 0)
            continue;
        in->tables[t].owner = p;
        booth_of[p] = t;
    }
    in->group_allow[0 * 2 + 1] = 1;

    /* Planted meetings. */
    int M = 0, tries = 0;
    while (M < o->meetings && tries < o->meetings * 50) {
        tries++;
        int a = draw(&r, cumb, nb), b = nb + draw(&r, cums, ns);
        size_t bit = (size_t)a * P + b;
        if (paired[bit >> 3] & (1u << (bit & 7)))
            continue;
        bool shared_table = booth_of[a] < 0 && booth_of[b] < 0;
        bool needs = chance(&r, o->interp_percent) && o->interp_cap != 0;
        int s = -1;
        for (int k = 0; k < 3 * S && s < 0; k++) {
            int c = below(&r, S);
            if (busy[(size_t)a * S + c] || busy[(size_t)b * S + c] ||
                sched_slots_has(&in->parts[a].forbidden, c) ||
                sched_slots_has(&in->parts[b].forbidden, c))
                continue;
            if (shared_table && shared[c] >= o->tables)
                continue;
            if (needs && o->interp_cap >= 0 && interp[c] >= o->interp_cap)
                continue;
            s = c;
        }
        if (s < 0)
            continue;
        paired[bit >> 3] |= 1u << (bit & 7);
        busy[(size_t)a * S + s] = busy[(size_t)b * S + s] = 1;
        shared[s] += shared_table;
        interp[s] += needs;
        cnt[a]++;
        cnt[b]++;
        struct sched_meeting *x = &in->meets[M];
        sched_meeting_init(x, a, b);
        if (needs)
            x->flags |= SCHED_M_INTERPRETER;
        if (chance(&r, o->fixed_percent)) {
            x->flags |= SCHED_M_FIXED_SLOT;
            x->fixed_slot = s;
        } else if (chance(&r, o->session_percent)) {
            x->flags |= SCHED_M_SESSION;
            x->session = in->slots[s].session;
        }
        if (o->mode == SCHED_CHOOSE) {
            x->flags |= SCHED_M_ACCEPTED;
            x->value = 50 + below(&r, 51);
        } else {
            x->value = 1 + below(&r, 100);
        }
        planted[M++] = s;
    }
    /* Precedence: a follow-up after an earlier meeting of the same participant. */
    int na = 0;
    for (int k = 0; k < o->precedence * 20 && na < o->precedence && M > 1; k++) {
        int m1 = below(&r, M), m2 = below(&r, M);
        const struct sched_meeting *x = &in->meets[m1], *y = &in->meets[m2];
        if (m1 == m2 || planted[m1] >= planted[m2] || in->meets[m2].after_count)
            continue;
        if (x->a != y->a && x->b != y->b)
            continue;
        in->meets[m2].after_first = na;
        in->meets[m2].after_count = 1;
        in->after[na++] = m1;
    }
    /* Caps that the planted schedule respects, minimum targets. */
    for (int p = 0; p < P; p++) {
        if (chance(&r, 30))
            in->parts[p].max_meetings = cnt[p] + (o->mode == SCHED_CHOOSE ? 2 + below(&r, 5) : 0);
        if (o->mode == SCHED_CHOOSE && chance(&r, 40))
            in->parts[p].min_meetings = 2 + below(&r, 3);
    }
    /* Optional candidates: mutual interest (higher value) and engine suggestions. */
    for (int k = 0, c = 0; c < o->candidates && k < o->candidates * 50; k++) {
        int a = draw(&r, cumb, nb), b = nb + draw(&r, cums, ns);
        size_t bit = (size_t)a * P + b;
        if (paired[bit >> 3] & (1u << (bit & 7)))
            continue;
        paired[bit >> 3] |= 1u << (bit & 7);
        struct sched_meeting *x = &in->meets[M++];
        sched_meeting_init(x, a, b);
        if (chance(&r, 30)) {
            x->flags |= SCHED_M_MUTUAL;
            x->value = 40 + below(&r, 61);
        } else {
            x->flags |= SCHED_M_SUGGESTION;
            x->value = 1 + below(&r, 60);
        }
        if (chance(&r, o->interp_percent) && o->interp_cap != 0)
            x->flags |= SCHED_M_INTERPRETER;
        c++;
    }

    in->pb.mode = o->mode;
    in->pb.n_slots = S;
    in->pb.slots = in->slots;
    in->pb.n_tables = T;
    in->pb.tables = in->tables;
    in->pb.n_participants = P;
    in->pb.participants = in->parts;
    in->pb.n_meetings = M;
    in->pb.meetings = in->meets;
    in->pb.n_after = na;
    in->pb.after = in->after;
    in->pb.n_groups = 2;
    in->pb.group_allow = in->group_allow;
    in->pb.interpreter_cap = o->interp_cap;
    in->pb.suggestions = true;
    in->pb.suggestion_min = 5;
    in->pb.break_cost = o->break_cost;
    in->pb.seed = o->seed;
out:
    free(busy);
    free(paired);
    free(shared);
    free(interp);
    free(booth_of);
    free(cnt);
    free(planted);
    free(cumb);
    free(cums);
    return rc;
}
