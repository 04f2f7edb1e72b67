/*
 * test_sched_property.c - properties over many random instances:
 *   - every schedule passes the independent checker (both modes, every feature);
 *   - after a no-show, a closed table and a newly forbidden slot, every published meeting that is
 *     still feasible stays exactly where it was;
 *   - on tiny instances (<= 6 participants, <= 6 slots) the solver reaches the optimum found by
 *     exhaustive search: same placed meetings per tier, same coverage and fill, same breaks, same
 *     fairness (sum of squared breaks) and value, by the lexicographic order of sched.h.
 * The exhaustive search is written from the rules in sched.h, not from the solver.
 */
#include "fixture.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

struct rng {
    uint64_t x;
};

static uint64_t rnd(struct rng *r)
{
    uint64_t z = (r->x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int below(struct rng *r, int n)
{
    return n > 0 ? (int)(rnd(r) % (uint64_t)n) : 0;
}

static bool chance(struct rng *r, int percent)
{
    return below(r, 100) < percent;
}

/* A random instance; `tiny` avoids duplicate pairs; `fixp` is the percentage of fixed slots. */
static struct fx *gen(struct rng *r, int P, int S, int T, int M, bool tiny, int fixp)
{
    struct fx *f = fx_new(chance(r, 50) ? SCHED_CHOOSE : SCHED_PLACE, S, T, P);
    f->pb.seed = rnd(r);
    f->pb.effort = tiny ? 3 : 2;
    for (int s = 1; s < S; s++) {
        f->slots[s].day = f->slots[s - 1].day + chance(r, 10);
        f->slots[s].session = chance(r, 15) ? !f->slots[s - 1].session : f->slots[s - 1].session;
        f->slots[s].interpreters = chance(r, 20) ? below(r, 2) : -1;
    }
    f->pb.interpreter_cap = chance(r, 50) ? below(r, 3) : -1;
    for (int t = 0; t < T; t++) {
        f->tables[t].owner = chance(r, 20) ? below(r, P) : -1;
        for (int s = 0; s < S; s++)
            if (chance(r, 8))
                sched_slots_add(&f->tables[t].closed, s);
    }
    bool groups = chance(r, 30);
    if (groups) {
        f->pb.n_groups = 2;
        f->pb.group_allow = f->groups;
        f->groups[1] = 1;
        f->groups[0] = chance(r, 50);
        f->groups[3] = chance(r, 50);
    }
    for (int p = 0; p < P; p++) {
        for (int s = 0; s < S; s++)
            if (chance(r, 15))
                fx_forbid(f, p, s);
        f->parts[p].max_meetings = chance(r, 30) ? 1 + below(r, 4) : 0;
        f->parts[p].min_meetings = chance(r, 30) ? below(r, 3) : 0;
        f->parts[p].group = groups ? below(r, 2) : 0;
        f->parts[p].absent = chance(r, 4);
    }
    for (int i = 0; i < M; i++) {
        int a = below(r, P), b = below(r, P);
        if (a == b)
            continue;
        if (tiny) {
            bool dup = false;
            for (int k = 0; k < f->pb.n_meetings; k++)
                if ((f->meets[k].a == a && f->meets[k].b == b) ||
                    (f->meets[k].a == b && f->meets[k].b == a))
                    dup = true;
            if (dup)
                continue;
        }
        int m = fx_meet(f, a, b);
        struct sched_meeting *x = &f->meets[m];
        x->value = below(r, 20);
        if (chance(r, 40))
            x->flags |= SCHED_M_ACCEPTED;
        if (chance(r, 8))
            x->flags |= SCHED_M_FORCED;
        if (chance(r, 20))
            x->flags |= SCHED_M_INTERPRETER;
        if (chance(r, 20))
            x->flags |= SCHED_M_SUGGESTION;
        if (chance(r, 10)) {
            x->flags |= SCHED_M_SESSION;
            x->session = below(r, 2);
        }
        if (chance(r, fixp))
            fx_fix(f, m, below(r, S));
        if (T > 0 && chance(r, 5)) {
            x->flags |= SCHED_M_FIXED_TABLE;
            x->fixed_table = below(r, T);
        }
        if (m > 0 && chance(r, 10)) {
            x->after_first = f->pb.n_after;
            x->after_count = 1;
            f->after[f->pb.n_after++] = below(r, m);
        }
    }
    for (int i = below(r, 3); i > 0; i--)
        f->vetoes[f->pb.n_vetoes++] = (struct sched_pair){below(r, P), below(r, P)};
    f->pb.suggestions = chance(r, 50);
    f->pb.suggestion_min = below(r, 10);
    f->pb.break_cost = chance(r, 50) ? SCHED_BREAKS_FIRST : 1 + below(r, 15);
    return f;
}

/* ---- exhaustive search ---- */

#define NL 7

struct bf {
    const struct sched_problem *pb;
    int M, S, P;
    int slot[16], table_used[16 * 8], busy[8 * 8], cnt[8], interp[8], shared[8];
    int64_t best[NL];
    bool any;
};

static bool owner_of_open_booth(const struct sched_problem *pb, int p, int s)
{
    for (int t = 0; t < pb->n_tables; t++)
        if (pb->tables[t].owner == p && !sched_slots_has(&pb->tables[t].closed, s))
            return true;
    return false;
}

static bool owns(const struct sched_problem *pb, int p)
{
    for (int t = 0; t < pb->n_tables; t++)
        if (pb->tables[t].owner == p)
            return true;
    return false;
}

static int shared_open(const struct sched_problem *pb, int s)
{
    int n = 0;
    for (int t = 0; t < pb->n_tables; t++)
        n += pb->tables[t].owner == -1 && !sched_slots_has(&pb->tables[t].closed, s);
    return n;
}

static int tier(const struct sched_problem *pb, int m)
{
    unsigned f = pb->meetings[m].flags;
    if (f & (SCHED_M_FORCED | SCHED_M_LOCKED))
        return 2;
    return pb->mode == SCHED_PLACE || (f & SCHED_M_ACCEPTED) ? 1 : 0;
}

/* May meeting m go to slot s, given the meetings placed so far (indices < m)? */
static bool fits(struct bf *b, int m, int s)
{
    const struct sched_problem *pb = b->pb;
    const struct sched_meeting *x = &pb->meetings[m];
    int a = x->a, c = x->b;
    bool forced = x->flags & (SCHED_M_FORCED | SCHED_M_LOCKED);

    for (int k = 0; k < 2; k++) {
        int p = k ? c : a;
        const struct sched_participant *q = &pb->participants[p];
        if (q->absent || sched_slots_has(&q->forbidden, s) || b->busy[p * 8 + s])
            return false;
        if (q->max_meetings && b->cnt[p] >= q->max_meetings)
            return false;
    }
    if (!forced) {
        for (int i = 0; i < pb->n_vetoes; i++)
            if ((pb->vetoes[i].a == a && pb->vetoes[i].b == c) ||
                (pb->vetoes[i].a == c && pb->vetoes[i].b == a))
                return false;
        if (pb->n_groups) {
            int ga = pb->participants[a].group, gc = pb->participants[c].group;
            if (!pb->group_allow[ga * pb->n_groups + gc] &&
                !pb->group_allow[gc * pb->n_groups + ga])
                return false;
        }
    }
    if (pb->mode == SCHED_CHOOSE && (x->flags & SCHED_M_SUGGESTION) &&
        !(x->flags & (SCHED_M_ACCEPTED | SCHED_M_FORCED | SCHED_M_LOCKED | SCHED_M_MUTUAL)) &&
        (!pb->suggestions || x->value < pb->suggestion_min))
        return false;
    if ((x->flags & SCHED_M_FIXED_SLOT) && s != x->fixed_slot)
        return false;
    if ((x->flags & SCHED_M_SESSION) && pb->slots[s].session != x->session)
        return false;
    if (x->flags & SCHED_M_INTERPRETER) {
        int cap = pb->slots[s].interpreters >= 0 ? pb->slots[s].interpreters : pb->interpreter_cap;
        if (cap >= 0 && b->interp[s] >= cap)
            return false;
    }
    bool oa = owns(pb, a), oc = owns(pb, c);
    if (x->flags & SCHED_M_FIXED_TABLE) {
        int t = x->fixed_table;
        if (sched_slots_has(&pb->tables[t].closed, s) || b->table_used[t * 8 + s])
            return false;
        if (oa || oc) {
            if (!((oa && pb->tables[t].owner == a) || (oc && pb->tables[t].owner == c)))
                return false;
        } else if (pb->tables[t].owner != -1) {
            return false;
        }
    }
    if (oa || oc) {
        if (!(oa && owner_of_open_booth(pb, a, s)) && !(oc && owner_of_open_booth(pb, c, s)))
            return false;
    } else if (b->shared[s] >= shared_open(pb, s)) {
        return false;
    }
    for (int i = 0; i < x->after_count; i++) {
        int y = pb->after[x->after_first + i];
        if (y < m && b->slot[y] >= 0 && b->slot[y] >= s)
            return false;
    }
    for (int y = 0; y < m; y++) {
        const struct sched_meeting *z = &pb->meetings[y];
        if (b->slot[y] < 0)
            continue;
        for (int i = 0; i < z->after_count; i++)
            if (pb->after[z->after_first + i] == m && b->slot[y] <= s)
                return false;
    }
    return true;
}

static void objective(const struct sched_problem *pb, const int *slot, const int *cnt, int64_t *o)
{
    int brk[8], total = sched_check_breaks(pb, slot, brk, NULL);
    int64_t t[3] = {0}, value = 0, sumsq = 0, covered = 0, fill = 0;
    for (int m = 0; m < pb->n_meetings; m++)
        if (slot[m] >= 0) {
            t[tier(pb, m)]++;
            value += pb->meetings[m].value;
        }
    for (int p = 0; p < pb->n_participants; p++) {
        int mx = pb->participants[p].max_meetings;
        int mn = mx ? MIN(pb->participants[p].min_meetings, mx) : pb->participants[p].min_meetings;
        sumsq += brk[p] * brk[p];
        covered += cnt[p] > 0;
        fill += MIN(cnt[p], mn);
    }
    bool choose = pb->mode == SCHED_CHOOSE;
    o[0] = t[2];
    o[1] = t[1];
    o[2] = choose ? covered : 0;
    o[3] = choose ? fill : 0;
    if (!choose || pb->break_cost == SCHED_BREAKS_FIRST) {
        o[4] = -total;
        o[5] = -sumsq;
        o[6] = value;
    } else {
        o[4] = value - pb->break_cost * total;
        o[5] = -total;
        o[6] = -sumsq;
    }
}

static int cmp_obj(const int64_t *x, const int64_t *y)
{
    for (int i = 0; i < NL; i++)
        if (x[i] != y[i])
            return x[i] > y[i] ? 1 : -1;
    return 0;
}

static void search(struct bf *b, int m)
{
    const struct sched_problem *pb = b->pb;
    if (m == b->M) {
        int64_t o[NL];
        objective(pb, b->slot, b->cnt, o);
        if (!b->any || cmp_obj(o, b->best) > 0)
            memcpy(b->best, o, sizeof(o));
        b->any = true;
        return;
    }
    /* Prune: even placing every remaining meeting cannot reach the best placed counts. */
    if (b->any) {
        int64_t up[2] = {0, 0};
        for (int y = 0; y < b->M; y++) {
            int t = tier(pb, y);
            if (t > 0 && (y >= m || b->slot[y] >= 0))
                up[2 - t]++;
        }
        if (up[0] < b->best[0] || (up[0] == b->best[0] && up[1] < b->best[1]))
            return;
    }
    const struct sched_meeting *x = &pb->meetings[m];
    bool shared = !owns(pb, x->a) && !owns(pb, x->b);
    b->slot[m] = -1;
    search(b, m + 1);
    for (int s = 0; s < b->S; s++) {
        if (!fits(b, m, s))
            continue;
        b->slot[m] = s;
        b->busy[x->a * 8 + s] = b->busy[x->b * 8 + s] = 1;
        b->cnt[x->a]++;
        b->cnt[x->b]++;
        b->interp[s] += (x->flags & SCHED_M_INTERPRETER) != 0;
        b->shared[s] += shared;
        if (x->flags & SCHED_M_FIXED_TABLE)
            b->table_used[x->fixed_table * 8 + s] = 1;
        search(b, m + 1);
        if (x->flags & SCHED_M_FIXED_TABLE)
            b->table_used[x->fixed_table * 8 + s] = 0;
        b->shared[s] -= shared;
        b->interp[s] -= (x->flags & SCHED_M_INTERPRETER) != 0;
        b->cnt[x->a]--;
        b->cnt[x->b]--;
        b->busy[x->a * 8 + s] = b->busy[x->b * 8 + s] = 0;
        b->slot[m] = -1;
    }
}

/* ---- tests ---- */

static void publish(struct fx *f)
{
    for (int m = 0; m < f->pb.n_meetings; m++) {
        struct sched_meeting *x = &f->meets[m];
        if (f->r.placements[m].slot >= 0) {
            x->flags |= SCHED_M_PUBLISHED;
            x->prev_slot = f->r.placements[m].slot;
            x->prev_table = f->r.placements[m].table;
        }
    }
}

static void test_random_schedules_pass_checker_and_keep_published(void **state)
{
    struct rng r = {42};
    int checked = 0;
    for (int i = 0; i < 300; i++) {
        int P = 2 + below(&r, 40), S = 1 + below(&r, 16), T = below(&r, 10);
        int M = below(&r, P * 3);
        struct fx *f = gen(&r, P, S, T, M, false, 8);
        fx_solve(f); /* runs the checker */
        checked++;
        if (f->r.placed == 0 || T == 0) {
            fx_free(f);
            continue;
        }
        /* Live changes: a no-show, a table out of use in one slot, a newly forbidden slot. */
        publish(f);
        int gone = below(&r, P), t = below(&r, T), ts = below(&r, S), who = below(&r, P),
            ws = below(&r, S);
        bool was_forbidden = sched_slots_has(&f->parts[who].forbidden, ws);
        f->parts[gone].absent = true;
        sched_slots_add(&f->tables[t].closed, ts);
        fx_forbid(f, who, ws);
        (void)was_forbidden;
        fx_solve(f);
        checked++;
        for (int m = 0; m < f->pb.n_meetings; m++) {
            const struct sched_meeting *x = &f->meets[m];
            int moved = f->r.placements[m].moved;
            if (!(x->flags & SCHED_M_PUBLISHED))
                continue;
            if (x->a == gone || x->b == gone) {
                assert_int_equal(moved, SCHED_MOVE_DROPPED);
            } else if ((x->a == who || x->b == who) && x->prev_slot == ws) {
                assert_true(moved == SCHED_MOVE_SLOT || moved == SCHED_MOVE_DROPPED);
            } else if (x->prev_table == t && x->prev_slot == ts) {
                assert_int_not_equal(moved, SCHED_MOVE_NONE);
            } else if (moved != SCHED_MOVE_NONE) {
                fail_msg("instance %d: published meeting %d moved (%d) though still feasible", i, m,
                         moved);
            }
        }
        fx_free(f);
    }
    assert_true(checked >= 300);
}

static void test_tiny_instances_reach_exhaustive_optimum(void **state)
{
    struct rng r = {7};
    int compared = 0, nontrivial = 0;
    for (int i = 0; i < 150; i++) {
        int P = 2 + below(&r, 5), S = 1 + below(&r, 6), T = 1 + below(&r, 3);
        int M = 1 + below(&r, 7);
        struct fx *f = gen(&r, P, S, T, M, true, 8);
        fx_solve(f);
        struct bf *b = calloc(1, sizeof(*b));
        assert_non_null(b);
        b->pb = &f->pb;
        b->M = f->pb.n_meetings;
        b->S = S;
        b->P = P;
        search(b, 0);
        int slots[16], cnt[8] = {0};
        int64_t got[NL];
        for (int m = 0; m < f->pb.n_meetings; m++) {
            slots[m] = f->r.placements[m].slot;
            if (slots[m] >= 0) {
                cnt[f->meets[m].a]++;
                cnt[f->meets[m].b]++;
            }
        }
        objective(&f->pb, slots, cnt, got);
        if (cmp_obj(got, b->best) != 0)
            fail_msg("instance %d (%s, P=%d S=%d M=%d): solver (%lld %lld %lld %lld %lld %lld "
                     "%lld) vs optimum (%lld %lld %lld %lld %lld %lld %lld)",
                     i, f->pb.mode == SCHED_CHOOSE ? "choose" : "place", P, S, b->M,
                     (long long)got[0], (long long)got[1], (long long)got[2], (long long)got[3],
                     (long long)got[4], (long long)got[5], (long long)got[6], (long long)b->best[0],
                     (long long)b->best[1], (long long)b->best[2], (long long)b->best[3],
                     (long long)b->best[4], (long long)b->best[5], (long long)b->best[6]);
        compared++;
        nontrivial += f->r.breaks > 0;
        free(b);
        fx_free(f);
    }
    assert_int_equal(compared, 150);
    print_message("tiny instances: %d compared, %d with breaks at the optimum\n", compared,
                  nontrivial);
}

/* Dense place-mode instances: every participant in many meetings, some fixed, few holes. */
static struct fx *gen_dense(struct rng *r)
{
    int P = 4 + below(r, 3), S = 4 + below(r, 3);
    struct fx *f = fx_new(SCHED_PLACE, S, (P + 1) / 2, P);
    f->pb.seed = rnd(r);
    f->pb.effort = 3;
    if (chance(r, 30))
        for (int s = S / 2; s < S; s++)
            f->slots[s].session = 1;
    if (chance(r, 30))
        f->tables[0].owner = below(r, P);
    for (int p = 0; p < P; p++)
        for (int s = 0; s < S; s++)
            if (chance(r, 10))
                fx_forbid(f, p, s);
    int M = 6 + below(r, 4);
    for (int tries = 0; f->pb.n_meetings < M && tries < 100; tries++) {
        int a = below(r, P), b = below(r, P);
        bool dup = a == b;
        for (int k = 0; k < f->pb.n_meetings && !dup; k++)
            dup = (f->meets[k].a == a && f->meets[k].b == b) ||
                  (f->meets[k].a == b && f->meets[k].b == a);
        if (dup)
            continue;
        int m = fx_meet(f, a, b);
        if (chance(r, 25))
            fx_fix(f, m, below(r, S));
        if (chance(r, 10))
            f->meets[m].flags |= SCHED_M_FORCED;
    }
    return f;
}

static void test_tiny_place_instances_breaks_match_exhaustive(void **state)
{
    struct rng r = {99};
    int withbreaks = 0, proven = 0;
    for (int i = 0; i < 200; i++) {
        struct fx *f = gen_dense(&r);
        fx_solve(f);
        struct bf *b = calloc(1, sizeof(*b));
        assert_non_null(b);
        b->pb = &f->pb;
        b->M = f->pb.n_meetings;
        b->S = f->pb.n_slots;
        b->P = f->pb.n_participants;
        search(b, 0);
        if (f->r.must_placed != b->best[0] + b->best[1] || -f->r.breaks != b->best[4] ||
            -f->r.sumsq_breaks != b->best[5])
            fail_msg("dense instance %d: placed %d breaks %d sumsq %lld, optimum %lld %lld %lld", i,
                     f->r.must_placed, f->r.breaks, (long long)f->r.sumsq_breaks,
                     (long long)(b->best[0] + b->best[1]), (long long)-b->best[4],
                     (long long)-b->best[5]);
        assert_true(f->r.breaks_lower_bound <= f->r.breaks);
        if (f->r.optimal)
            assert_int_equal(f->r.breaks, f->r.breaks_lower_bound);
        withbreaks += f->r.breaks > 0;
        proven += f->r.optimal;
        free(b);
        fx_free(f);
    }
    print_message("place mode: %d of 200 optima have breaks, %d proven by the bound\n", withbreaks,
                  proven);
}

static void test_tiny_choose_instances_match_exhaustive(void **state)
{
    struct rng r = {1234};
    int withbreaks = 0;
    for (int i = 0; i < 200; i++) {
        struct fx *f = gen_dense(&r);
        f->pb.mode = SCHED_CHOOSE;
        f->pb.break_cost = chance(&r, 50) ? SCHED_BREAKS_FIRST : 1 + below(&r, 12);
        for (int p = 0; p < f->pb.n_participants; p++) {
            f->parts[p].min_meetings = below(&r, 3);
            f->parts[p].max_meetings = chance(&r, 30) ? 1 + below(&r, 3) : 0;
        }
        for (int m = 0; m < f->pb.n_meetings; m++) {
            f->meets[m].value = below(&r, 20);
            if (chance(&r, 25))
                f->meets[m].flags |= SCHED_M_ACCEPTED;
        }
        fx_solve(f);
        struct bf *b = calloc(1, sizeof(*b));
        assert_non_null(b);
        b->pb = &f->pb;
        b->M = f->pb.n_meetings;
        b->S = f->pb.n_slots;
        b->P = f->pb.n_participants;
        search(b, 0);
        int slots[16], cnt[8] = {0};
        int64_t got[NL];
        for (int m = 0; m < f->pb.n_meetings; m++) {
            slots[m] = f->r.placements[m].slot;
            if (slots[m] >= 0) {
                cnt[f->meets[m].a]++;
                cnt[f->meets[m].b]++;
            }
        }
        objective(&f->pb, slots, cnt, got);
        if (cmp_obj(got, b->best) != 0)
            fail_msg("choose instance %d (break cost %lld): solver (%lld %lld %lld %lld %lld %lld "
                     "%lld) vs optimum (%lld %lld %lld %lld %lld %lld %lld)",
                     i, (long long)f->pb.break_cost, (long long)got[0], (long long)got[1],
                     (long long)got[2], (long long)got[3], (long long)got[4], (long long)got[5],
                     (long long)got[6], (long long)b->best[0], (long long)b->best[1],
                     (long long)b->best[2], (long long)b->best[3], (long long)b->best[4],
                     (long long)b->best[5], (long long)b->best[6]);
        withbreaks += f->r.breaks > 0;
        free(b);
        fx_free(f);
    }
    print_message("choose mode: 200 optima matched, %d with breaks\n", withbreaks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_schedules_pass_checker_and_keep_published),
        cmocka_unit_test(test_tiny_instances_reach_exhaustive_optimum),
        cmocka_unit_test(test_tiny_place_instances_breaks_match_exhaustive),
        cmocka_unit_test(test_tiny_choose_instances_match_exhaustive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
