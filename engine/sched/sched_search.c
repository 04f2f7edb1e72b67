/*
 * sched_search.c - the scheduler's search: state updates, moves, greedy construction and the
 * lexicographic simulated annealing that minimises breaks (and, in SCHED_CHOOSE, picks meetings).
 *
 * Every change to the schedule goes through st_place/st_unplace, which keep all bookkeeping
 * exact (breaks are updated from the two neighbouring meetings of the slot only) and append to an
 * undo log, so a compound move is tried by doing it and undone by replaying the log backwards.
 *
 * Moves:
 *   relocate(x, s)  put x in slot s, evicting what stands in the way (the two sides' meetings in
 *                   s, a meeting of a side at its cap, a shared-table or interpreter meeting of a
 *                   full slot) and re-placing each evicted meeting in its best free slot: an
 *                   ejection chain of depth one. Also inserts an unplaced meeting.
 *   kempe(x, s)     swap slots slot(x) and s for the connected chain of meetings that share a
 *                   participant across the two slots: keeps everyone conflict-free, reshapes
 *                   several participants' days at once.
 *   remove(x)       SCHED_CHOOSE: drop an optional meeting.
 * Moves are aimed: mostly at the gaps of participants with breaks, at unplaced must meetings, at
 * participants below their minimum, otherwise at random meetings and slots next to their sides'
 * other meetings.
 *
 * Acceptance compares the objective levels in order (struct sched_obj); the first level that
 * differs decides. Worse at a level whose temperature is zero (placed, covered, fill) is always
 * refused; worse at a lower level is accepted with probability exp(delta / T).
 */
#include "sched_priv.h"

#include <math.h>

#define KEMPE_MAX 48

/* ---- bookkeeping ---- */

static void set_add(int *set, int *pos, int *n, int x)
{
    pos[x] = *n;
    set[(*n)++] = x;
}

static void set_del(int *set, int *pos, int *n, int x)
{
    int i = pos[x], y = set[--(*n)];
    set[i] = y;
    pos[y] = i;
    pos[x] = -1;
}

int st_break_delta_add(const struct sched_state *st, int p, int s, int *idle)
{
    const struct sched_slots *bz = &st->busy[p], *fr = &st->freeset[p];
    int l = ss_prev(bz, st->bfirst[s], s);
    int r = ss_next(bz, s, st->blast[s]);
    int gl = l >= 0 && ss_any_range(fr, l + 1, s - 1);
    int gr = r >= 0 && ss_any_range(fr, s + 1, r - 1);

    /* Between two meetings s itself is an available idle slot, so l..r was one break. */
    if (l >= 0 && r >= 0) {
        *idle = -1;
        return gl + gr - 1;
    }
    *idle = l >= 0   ? ss_count_range(fr, l + 1, s - 1)
            : r >= 0 ? ss_count_range(fr, s + 1, r - 1)
                     : 0;
    return gl + gr;
}

static void set_breaks(struct sched_state *st, int p, int d)
{
    int ob = st->brk[p], nb = ob + d;

    if (!d)
        return;
    st->brk[p] = nb;
    st->breaks += d;
    st->sumsq += (int64_t)nb * nb - (int64_t)ob * ob;
    if (ob == 0)
        set_add(st->bset, st->bpos, &st->nb, p);
    else if (nb == 0)
        set_del(st->bset, st->bpos, &st->nb, p);
}

static void p_add(struct sched_state *st, int p, int m, int s)
{
    int di, d = st_break_delta_add(st, p, s, &di);
    int oc = st->cnt[p]++;

    st->idle += di;
    ss_add(&st->busy[p], s);
    st->at[(size_t)p * st->S + s] = m;
    set_breaks(st, p, d);
    if (oc == 0)
        st->covered++;
    if (oc < st->minm[p])
        st->fill++;
}

static void p_del(struct sched_state *st, int p, int s)
{
    int nc = --st->cnt[p];

    int di;

    ss_del(&st->busy[p], s);
    st->at[(size_t)p * st->S + s] = -1;
    set_breaks(st, p, -st_break_delta_add(st, p, s, &di));
    st->idle -= di;
    if (nc == 0)
        st->covered--;
    if (nc < st->minm[p])
        st->fill--;
}

static void log_op(struct sched_state *st, int m, int old)
{
    if (!st->logging)
        return;
    assert(st->nlog < st->caplog);
    st->log[st->nlog].m = m;
    st->log[st->nlog].old = old;
    st->nlog++;
}

void st_place(struct sched_state *st, int m, int s)
{
    assert(st->slot[m] < 0 && st->usable[m]);
    p_add(st, st->ma[m], m, s);
    p_add(st, st->mb[m], m, s);
    st->slot[m] = s;
    if (st->general[m]) {
        st->gused[s]++;
        if (st->tab[m] >= 0)
            st->tabres[(size_t)s * st->nwt + (st->tab[m] >> 6)] |= 1ull << (st->tab[m] & 63);
    }
    if (st->interp[m])
        st->iused[s]++;
    st->slpos[m] = st->slen[s];
    st->sl[(size_t)s * st->slcap + st->slen[s]++] = m;
    st->value += st->val[m];
    st->placed_t[st->tier[m]]++;
    set_del(st->uset, st->upos, &st->nu, m);
    if (st->tier[m] > 0)
        set_del(st->mset, st->mpos, &st->nm, m);
    if (!st->pinned[m])
        set_add(st->pset, st->ppos, &st->np, m);
    log_op(st, m, -1);
}

void st_unplace(struct sched_state *st, int m)
{
    int s = st->slot[m];
    int *row = st->sl + (size_t)s * st->slcap;

    assert(s >= 0);
    p_del(st, st->ma[m], s);
    p_del(st, st->mb[m], s);
    st->slot[m] = -1;
    if (st->general[m]) {
        st->gused[s]--;
        if (st->tab[m] >= 0)
            st->tabres[(size_t)s * st->nwt + (st->tab[m] >> 6)] &= ~(1ull << (st->tab[m] & 63));
    }
    if (st->interp[m])
        st->iused[s]--;
    int i = st->slpos[m], y = row[--st->slen[s]];
    row[i] = y;
    st->slpos[y] = i;
    st->value -= st->val[m];
    st->placed_t[st->tier[m]]--;
    set_add(st->uset, st->upos, &st->nu, m);
    if (st->tier[m] > 0)
        set_add(st->mset, st->mpos, &st->nm, m);
    if (!st->pinned[m])
        set_del(st->pset, st->ppos, &st->np, m);
    log_op(st, m, s);
}

static void undo_to(struct sched_state *st, int mark)
{
    bool lg = st->logging;

    st->logging = false;
    while (st->nlog > mark) {
        struct sched_undo u = st->log[--st->nlog];
        if (st->slot[u.m] >= 0)
            st_unplace(st, u.m);
        if (u.old >= 0)
            st_place(st, u.m, u.old);
    }
    st->logging = lg;
}

static bool prec_ok(const struct sched_state *st, int m, int s)
{
    for (int i = st->pred_first[m]; i < st->pred_first[m + 1]; i++) {
        int x = st->slot[st->pred[i]];
        if (x >= 0 && x >= s)
            return false;
    }
    for (int i = st->succ_first[m]; i < st->succ_first[m + 1]; i++) {
        int x = st->slot[st->succ[i]];
        if (x >= 0 && x <= s)
            return false;
    }
    return true;
}

static bool tab_reserved(const struct sched_state *st, int s, int t)
{
    return (st->tabres[(size_t)s * st->nwt + (t >> 6)] >> (t & 63)) & 1u;
}

bool st_can_place(const struct sched_state *st, int m, int s)
{
    int a = st->ma[m], b = st->mb[m];

    if (!ss_has(&st->allow[m], s))
        return false;
    if (st->at[(size_t)a * st->S + s] >= 0 || st->at[(size_t)b * st->S + s] >= 0)
        return false;
    if (st->cnt[a] >= st->cap[a] || st->cnt[b] >= st->cap[b])
        return false;
    if (st->general[m]) {
        if (st->gused[s] >= st->gcap[s])
            return false;
        if (st->tab[m] >= 0 && tab_reserved(st, s, st->tab[m]))
            return false;
    }
    if (st->interp[m] && st->iused[s] >= st->icap[s])
        return false;
    return prec_ok(st, m, s);
}

void st_eval(const struct sched_state *st, struct sched_obj *o)
{
    o->l[0] = st->placed_t[2];
    o->l[1] = st->placed_t[1];
    o->l[2] = st->choose ? st->covered : 0;
    o->l[3] = st->choose ? st->fill : 0;
    if (!st->choose || st->strict) {
        o->l[4] = -st->breaks;
        o->l[5] = -st->sumsq;
        o->l[6] = st->value;
    } else {
        o->l[4] = st->value - st->break_cost * st->breaks;
        o->l[5] = -st->breaks;
        o->l[6] = -st->sumsq;
    }
    /* Last, shorter holes: also what lets the search see a hole shrinking before it closes. */
    o->l[7] = -st->idle;
}

/* <0, 0, >0 as x is worse, equal, better than y. */
static int obj_cmp(const struct sched_obj *x, const struct sched_obj *y)
{
    for (int i = 0; i < SCHED_NLEVELS; i++)
        if (x->l[i] != y->l[i])
            return x->l[i] > y->l[i] ? 1 : -1;
    return 0;
}

/* ---- choosing slots ---- */

static int adjacency(const struct sched_state *st, int p, int s)
{
    int n = 0;
    if (s > st->bfirst[s] && ss_has(&st->busy[p], s - 1))
        n++;
    if (s < st->blast[s] && ss_has(&st->busy[p], s + 1))
        n++;
    return n;
}

/*
 * The feasible slot for m that adds the fewest breaks, then sits next to most of its sides'
 * meetings; ties go to the earliest slot, or to a random one with rnd. -1 when none.
 */
static int best_slot(struct sched_state *st, int m, bool rnd, int *cost_out)
{
    int best = -1, bestc = INT32_MAX;
    int a = st->ma[m], b = st->mb[m];

    if (st->cnt[a] >= st->cap[a] || st->cnt[b] >= st->cap[b])
        return -1;
    for (int w = 0; w < st->nw; w++) {
        /* Slots both sides have free, before the finer checks. */
        uint64_t v = st->allow[m].w[w] & ~st->busy[a].w[w] & ~st->busy[b].w[w];
        while (v) {
            int s = w * 64 + __builtin_ctzll(v);
            v &= v - 1;
            if (!st_can_place(st, m, s))
                continue;
            int ia, ib;
            int c = 16 * (st_break_delta_add(st, a, s, &ia) + st_break_delta_add(st, b, s, &ib)) +
                    ia + ib - 4 * (adjacency(st, a, s) + adjacency(st, b, s));
            if (rnd)
                c = c * 4 + st_below(st, 4);
            if (c < bestc) {
                bestc = c;
                best = s;
            }
        }
    }
    if (cost_out)
        *cost_out = bestc;
    return best;
}

/*
 * Any unpinned meeting may make way, whatever its tier: it is re-placed elsewhere at once when it
 * can be, and the objective refuses the move when a higher-ranked meeting ends up out.
 */
static bool evictable(const struct sched_state *st, int x)
{
    return !st->pinned[x];
}

/* A random meeting of slot s that satisfies kind (1 shared table, 2 interpreter), or -1. */
static int sample_in_slot(struct sched_state *st, int s, int kind)
{
    int n = st->slen[s];
    const int *row = st->sl + (size_t)s * st->slcap;

    for (int k = 0; k < 8 && n > 0; k++) {
        int x = row[st_below(st, n)];
        if (kind == 1 && !st->general[x])
            continue;
        if (kind == 2 && !st->interp[x])
            continue;
        if (evictable(st, x))
            return x;
    }
    return -1;
}

/* ---- moves (each leaves its changes in the log; the caller undoes on failure) ---- */

/*
 * p just lost a meeting that found no other slot: give it the best unplaced meeting of its own
 * that now fits (highest tier, then value), which makes the move an ejection chain of depth two.
 */
static void refill(struct sched_state *st, int p)
{
    int best = -1, bests = -1;
    int64_t bestk = -1;

    int n = st->adj_first[p + 1] - st->adj_first[p];
    if (st->cnt[p] >= st->cap[p] || n == 0)
        return;
    /* A popular participant has hundreds of candidates: look at 16 from a random start. */
    int off = st_below(st, n);
    for (int k = 0; k < SM_MIN(n, 16); k++) {
        int m = st->adj[st->adj_first[p] + (off + k) % n];
        if (st->slot[m] >= 0)
            continue;
        int64_t key = ((int64_t)st->tier[m] << 32) + st->val[m];
        if (key <= bestk)
            continue;
        int q = st->ma[m] == p ? st->mb[m] : st->ma[m];
        bool any = false;
        for (int w = 0; w < st->nw && !any; w++)
            any = (st->allow[m].w[w] & ~st->busy[p].w[w] & ~st->busy[q].w[w]) != 0;
        if (!any)
            continue;
        int s = best_slot(st, m, true, NULL);
        if (s >= 0) {
            best = m;
            bests = s;
            bestk = key;
        }
    }
    if (best >= 0)
        st_place(st, best, bests);
}

/* An unpinned optional meeting of slot s satisfying kind (1 shared table, 2 interpreter). */
static int optional_in_slot(const struct sched_state *st, int s, int kind)
{
    const int *row = st->sl + (size_t)s * st->slcap;
    for (int i = 0; i < st->slen[s]; i++) {
        int y = row[i];
        if (st->tier[y] == 0 && !st->pinned[y] && (kind != 1 || st->general[y]) &&
            (kind != 2 || st->interp[y]))
            return y;
    }
    return -1;
}

/* An unpinned optional meeting of participant p, or -1. */
static int optional_of(const struct sched_state *st, int p)
{
    for (int w = 0; w < st->nw; w++) {
        uint64_t v = st->busy[p].w[w];
        while (v) {
            int y = st->at[(size_t)p * st->S + w * 64 + __builtin_ctzll(v)];
            v &= v - 1;
            if (st->tier[y] == 0 && !st->pinned[y])
                return y;
        }
    }
    return -1;
}

/*
 * A must meeting e that found no free slot may push optional meetings out of one: the sides'
 * optional meetings there, an optional one of a side at its cap, an optional shared-table or
 * interpreter meeting of a full slot. Tries up to 8 slots from a random start; true if placed.
 */
static bool place_pushing(struct sched_state *st, int e)
{
    int n = ss_count(&st->allow[e], st->nw), side[2] = {st->ma[e], st->mb[e]};

    if (st->tier[e] == 0 || n == 0 || !st->logging)
        return false; /* trying a slot needs the undo log */
    for (int k = 0, start = st_below(st, n); k < SM_MIN(n, 8); k++) {
        int s = ss_nth(&st->allow[e], st->nw, (start + k) % n), mark = st->nlog;
        bool ok = true;
        for (int i = 0; i < 2 && ok; i++) {
            int y = st->at[(size_t)side[i] * st->S + s];
            if (y >= 0 && (st->tier[y] > 0 || st->pinned[y]))
                ok = false;
            else if (y >= 0)
                st_unplace(st, y);
        }
        for (int i = 0; i < 2 && ok; i++) {
            if (st->cnt[side[i]] < st->cap[side[i]])
                continue;
            int y = optional_of(st, side[i]);
            if (y < 0)
                ok = false;
            else
                st_unplace(st, y);
        }
        if (ok && st->general[e] && st->gused[s] >= st->gcap[s]) {
            int y = optional_in_slot(st, s, 1);
            if (y < 0)
                ok = false;
            else
                st_unplace(st, y);
        }
        if (ok && st->interp[e] && st->iused[s] >= st->icap[s]) {
            int y = optional_in_slot(st, s, 2);
            if (y < 0)
                ok = false;
            else
                st_unplace(st, y);
        }
        if (ok && st_can_place(st, e, s)) {
            st_place(st, e, s);
            return true;
        }
        undo_to(st, mark);
    }
    return false;
}

static bool mv_relocate(struct sched_state *st, int x, int s)
{
    int ev[16], nev = 0;
    int side[2] = {st->ma[x], st->mb[x]};

    if (st->pinned[x] || st->slot[x] == s || !ss_has(&st->allow[x], s))
        return false;
    if (st->slot[x] >= 0)
        st_unplace(st, x);
    for (int i = 0; i < 2; i++) {
        int e = st->at[(size_t)side[i] * st->S + s];
        if (e < 0)
            continue;
        if (!evictable(st, e))
            return false;
        st_unplace(st, e);
        ev[nev++] = e;
    }
    for (int i = 0; i < 2; i++) {
        int p = side[i];
        if (st->cnt[p] < st->cap[p])
            continue;
        int e = -1;
        for (int k = 0; k < 4 && e < 0; k++) {
            int u = ss_nth(&st->busy[p], st->nw, st_below(st, st->cnt[p]));
            int y = st->at[(size_t)p * st->S + u];
            if (evictable(st, y))
                e = y;
        }
        if (e < 0)
            return false;
        st_unplace(st, e);
        ev[nev++] = e;
    }
    if (st->general[x]) {
        if (st->tab[x] >= 0 && tab_reserved(st, s, st->tab[x])) {
            const int *row = st->sl + (size_t)s * st->slcap;
            int e = -1;
            for (int i = 0; i < st->slen[s]; i++)
                if (st->tab[row[i]] == st->tab[x] && st->general[row[i]])
                    e = row[i];
            if (e < 0 || !evictable(st, e))
                return false;
            st_unplace(st, e);
            ev[nev++] = e;
        }
        if (st->gused[s] >= st->gcap[s]) {
            int e = sample_in_slot(st, s, 1);
            if (e < 0)
                return false;
            st_unplace(st, e);
            ev[nev++] = e;
        }
    }
    if (st->interp[x] && st->iused[s] >= st->icap[s]) {
        int e = sample_in_slot(st, s, 2);
        if (e < 0)
            return false;
        st_unplace(st, e);
        ev[nev++] = e;
    }
    /* Meetings it must follow that are not before s, or that must follow it and are not
       after s, make way too. */
    for (int k = 0; k < 2; k++) {
        const int *lst = k ? st->succ : st->pred;
        int lo = k ? st->succ_first[x] : st->pred_first[x];
        int hi = k ? st->succ_first[x + 1] : st->pred_first[x + 1];
        for (int i = lo; i < hi; i++) {
            int y = lst[i], ys = st->slot[y];
            if (ys < 0 || (k ? ys > s : ys < s))
                continue;
            if (!evictable(st, y) || nev == (int)SM_ARRAY_SIZE(ev))
                return false;
            st_unplace(st, y);
            ev[nev++] = y;
        }
    }
    if (!st_can_place(st, x, s))
        return false;
    st_place(st, x, s);
    for (int i = 0; i < nev; i++) {
        if (st->slot[ev[i]] >= 0)
            continue; /* a refill below already placed it */
        int bs = best_slot(st, ev[i], true, NULL);
        if (bs >= 0) {
            st_place(st, ev[i], bs);
        } else if (!place_pushing(st, ev[i])) {
            refill(st, st->ma[ev[i]]);
            refill(st, st->mb[ev[i]]);
        }
    }
    return true;
}

static bool mv_kempe(struct sched_state *st, int x, int s2)
{
    int chain[KEMPE_MAX], tgt[KEMPE_MAX], n = 1;
    int s1 = st->slot[x];

    if (s1 < 0 || s1 == s2)
        return false;
    st->stampv++;
    chain[0] = x;
    st->stamp[x] = st->stampv;
    for (int i = 0; i < n; i++) {
        int y = chain[i];
        int so = st->slot[y] == s1 ? s2 : s1;
        if (st->pinned[y] || !ss_has(&st->allow[y], so))
            return false;
        tgt[i] = so;
        int side[2] = {st->ma[y], st->mb[y]};
        for (int k = 0; k < 2; k++) {
            int z = st->at[(size_t)side[k] * st->S + so];
            if (z < 0 || st->stamp[z] == st->stampv)
                continue;
            if (n == KEMPE_MAX)
                return false;
            st->stamp[z] = st->stampv;
            chain[n++] = z;
        }
    }
    for (int i = 0; i < n; i++)
        st_unplace(st, chain[i]);
    for (int i = 0; i < n; i++) {
        if (!st_can_place(st, chain[i], tgt[i]))
            return false;
        st_place(st, chain[i], tgt[i]);
    }
    return true;
}

/* A slot for x next to one of its sides' other meetings, or a random allowed one. */
static int near_slot(struct sched_state *st, int x)
{
    int p = st_below(st, 2) ? st->ma[x] : st->mb[x];
    int n = ss_count(&st->allow[x], st->nw);

    if (st->cnt[p] > 1 && st_below(st, 3)) {
        int u = ss_nth(&st->busy[p], st->nw, st_below(st, st->cnt[p]));
        int s = st_below(st, 2) ? u - 1 : u + 1;
        if (s >= 0 && s < st->S && st->bfirst[s] == st->bfirst[u] && ss_has(&st->allow[x], s))
            return s;
    }
    return n ? ss_nth(&st->allow[x], st->nw, st_below(st, n)) : -1;
}

/* Aim at a gap of participant p: move one of its meetings into it. */
static bool mv_gap(struct sched_state *st, int p)
{
    const struct sched_slots *bz = &st->busy[p], *fr = &st->freeset[p];

    for (int tries = 0; tries < 4; tries++) {
        int u = ss_nth(bz, st->nw, st_below(st, st->cnt[p]));
        int v = ss_next(bz, u, st->blast[u]);
        if (v < 0 || !ss_any_range(fr, u + 1, v - 1)) {
            v = u;
            u = ss_prev(bz, st->bfirst[v], v);
            if (u < 0 || !ss_any_range(fr, u + 1, v - 1))
                continue;
        }
        /* Gap between u and v. Target: its first or last available slot. */
        int g = st_below(st, 2) ? ss_next(fr, u, v - 1) : ss_prev(fr, u + 1, v);
        int x, r = st_below(st, 4);
        if (r == 0)
            x = st->at[(size_t)p * st->S + u];
        else if (r == 1)
            x = st->at[(size_t)p * st->S + v];
        else {
            /* An end of p's day in this block: the first or the last meeting. */
            int f = r == 2 ? ss_next(bz, st->bfirst[u] - 1, st->blast[u])
                           : ss_prev(bz, st->bfirst[u], st->blast[u] + 1);
            x = st->at[(size_t)p * st->S + f];
        }
        if (st->pinned[x])
            continue;
        /* SCHED_CHOOSE: an optional meeting at the edge of a hole may simply go. */
        if (st->choose && st->tier[x] == 0 && st_below(st, 4) == 0) {
            st_unplace(st, x);
            return true;
        }
        if (st_below(st, 2))
            return mv_kempe(st, x, g);
        return mv_relocate(st, x, g);
    }
    return false;
}

/* A participant below target: insert one of its unplaced candidates. */
static bool mv_deficit(struct sched_state *st, int p)
{
    int n = st->adj_first[p + 1] - st->adj_first[p];

    for (int k = 0; k < 4 && n > 0; k++) {
        int m = st->adj[st->adj_first[p] + st_below(st, n)];
        if (st->slot[m] >= 0)
            continue;
        int c = ss_count(&st->allow[m], st->nw);
        int s = best_slot(st, m, true, NULL);
        if (s < 0 && c)
            s = ss_nth(&st->allow[m], st->nw, st_below(st, c));
        return s >= 0 && mv_relocate(st, m, s);
    }
    return false;
}

/* ---- snapshots ---- */

static void snapshot(const struct sched_state *st, int *best)
{
    memcpy(best, st->slot, (size_t)st->M * sizeof(int));
    /* The log holds the move just applied: rewind it to get the state before the move. */
    for (int i = st->nlog - 1; i >= 0; i--)
        best[st->log[i].m] = st->log[i].old;
}

static void load(struct sched_state *st, const int *slots)
{
    bool lg = st->logging;

    st->logging = false;
    while (st->np > 0)
        st_unplace(st, st->pset[st->np - 1]);
    for (int m = 0; m < st->M; m++)
        if (slots[m] >= 0 && st->slot[m] < 0)
            st_place(st, m, slots[m]);
    st->logging = lg;
}

/* ---- construction ---- */

struct key {
    int64_t k;
    int i;
};

static int key_cmp(const void *x, const void *y)
{
    const struct key *a = x, *b = y;
    if (a->k != b->k)
        return a->k < b->k ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Place m in its best slot; if none is free, try to make room (keeps it only if it helps). */
static void construct_one(struct sched_state *st, int m, bool repair)
{
    struct sched_obj before, after;

    if (st->slot[m] >= 0)
        return; /* placed meanwhile by an earlier repair */
    int s = best_slot(st, m, false, NULL);
    if (s >= 0) {
        st_place(st, m, s);
        return;
    }
    if (!repair)
        return;
    st_eval(st, &before);
    st->logging = true;
    for (int w = 0; w < st->nw && st->slot[m] < 0; w++) {
        uint64_t v = st->allow[m].w[w];
        while (v && st->slot[m] < 0) {
            int t = w * 64 + __builtin_ctzll(v);
            v &= v - 1;
            st->nlog = 0;
            bool ok = mv_relocate(st, m, t);
            st_eval(st, &after);
            /* Keep it only if the placed levels improve (nothing of higher rank was lost). */
            if (!ok || obj_cmp(&after, &before) <= 0 || after.l[0] < before.l[0] ||
                (after.l[0] == before.l[0] && after.l[1] < before.l[1]))
                undo_to(st, 0);
        }
    }
    st->nlog = 0;
    st->logging = false;
}

/* Give p one more meeting: a partner who also needs meetings first, then value. */
static bool cover_one(struct sched_state *st, int p)
{
    int best = -1;
    int64_t bestk = INT64_MIN;

    for (int j = st->adj_first[p]; j < st->adj_first[p + 1]; j++) {
        int m = st->adj[j];
        if (st->slot[m] >= 0)
            continue;
        int q = st->ma[m] == p ? st->mb[m] : st->ma[m];
        int64_t k = ((int64_t)(st->cnt[q] == 0) << 42) +
                    ((int64_t)(st->cnt[q] < st->minm[q]) << 41) + st->val[m];
        if (k > bestk && best_slot(st, m, false, NULL) >= 0) {
            bestk = k;
            best = m;
        }
    }
    if (best < 0)
        return false;
    construct_one(st, best, false);
    return true;
}

static void construct(struct sched_state *st)
{
    struct key *keys = malloc(sizeof(*keys) * (size_t)(SM_MAX(st->M, st->P) + 1));
    int n = 0;

    if (!keys)
        return; /* the local search still runs from the pinned meetings */
    /* Must meetings: higher tier first, then the most constrained. */
    for (int m = 0; m < st->M; m++) {
        if (!st->usable[m] || st->slot[m] >= 0 || st->tier[m] == 0)
            continue;
        int deg = st->adj_first[st->ma[m] + 1] - st->adj_first[st->ma[m]] +
                  st->adj_first[st->mb[m] + 1] - st->adj_first[st->mb[m]];
        int64_t k = (int64_t)(2 - st->tier[m]) << 40;
        k += (int64_t)ss_count(&st->allow[m], st->nw) << 20;
        k += (1 << 20) - 1 - SM_MIN(deg, (1 << 20) - 1);
        keys[n].k = k;
        keys[n++].i = m;
    }
    qsort(keys, (size_t)n, sizeof(*keys), key_cmp);
    for (int i = 0; i < n; i++)
        construct_one(st, keys[i].i, true);
    /* Later meetings may have made room, or can be moved for the earlier ones: a few more
       repair passes over the must meetings still out. */
    for (int pass = 0; pass < 3 && st->nm > 0; pass++) {
        int before = st->nm;
        for (int i = 0; i < n; i++)
            if (st->slot[keys[i].i] < 0)
                construct_one(st, keys[i].i, true);
        if (st->nm == before)
            break;
    }

    if (st->choose) {
        /* Cover participants with no meeting, the ones with fewest candidates first. */
        n = 0;
        for (int p = 0; p < st->P; p++) {
            int deg = st->adj_first[p + 1] - st->adj_first[p];
            if (deg > 0 && st->cnt[p] == 0) {
                keys[n].k = deg;
                keys[n++].i = p;
            }
        }
        qsort(keys, (size_t)n, sizeof(*keys), key_cmp);
        for (int i = 0; i < n; i++)
            if (st->cnt[keys[i].i] == 0)
                cover_one(st, keys[i].i);
        /* Then minimum targets, one meeting per participant and pass, neediest first. */
        for (int pass = 0, progress = 1; progress && pass < SCHED_MAX_SLOTS; pass++) {
            progress = 0;
            n = 0;
            for (int p = 0; p < st->P; p++)
                if (st->cnt[p] < st->minm[p] && st->adj_first[p + 1] > st->adj_first[p]) {
                    keys[n].k = st->cnt[p] - st->minm[p];
                    keys[n++].i = p;
                }
            qsort(keys, (size_t)n, sizeof(*keys), key_cmp);
            for (int i = 0; i < n; i++)
                if (st->cnt[keys[i].i] < st->minm[keys[i].i])
                    progress |= cover_one(st, keys[i].i);
        }
        /* Then optional candidates by value, each kept only if it improves the objective. */
        n = 0;
        for (int m = 0; m < st->M; m++)
            if (st->usable[m] && st->slot[m] < 0 && st->tier[m] == 0) {
                keys[n].k = -(int64_t)st->val[m];
                keys[n++].i = m;
            }
        qsort(keys, (size_t)n, sizeof(*keys), key_cmp);
        for (int i = 0; i < n; i++) {
            struct sched_obj before, after;
            int m = keys[i].i, s = best_slot(st, m, false, NULL);
            if (s < 0)
                continue;
            st_eval(st, &before);
            st_place(st, m, s);
            st_eval(st, &after);
            if (obj_cmp(&after, &before) <= 0)
                st_unplace(st, m);
        }
    }
    free(keys);
}

/* ---- local search ---- */

static bool any_must_unplaced(const struct sched_state *st)
{
    return st->nm > 0;
}

static bool accept(struct sched_state *st, const struct sched_obj *cur, const struct sched_obj *nw,
                   const double *temp)
{
    for (int i = 0; i < SCHED_NLEVELS; i++) {
        if (nw->l[i] == cur->l[i])
            continue;
        if (nw->l[i] > cur->l[i])
            return true;
        if (temp[i] < 0)
            return true; /* a level that never holds the walk back */
        if (temp[i] == 0)
            return false;
        double d = (double)(nw->l[i] - cur->l[i]) / temp[i];
        return d > -30 && st_unit(st) < exp(d);
    }
    return true;
}

static bool do_move(struct sched_state *st, bool must_left)
{
    int r = st_below(st, 100);

    if (must_left && r < 25) {
        int m = st->mset[st_below(st, st->nm)];
        int c = ss_count(&st->allow[m], st->nw);
        return c && mv_relocate(st, m, ss_nth(&st->allow[m], st->nw, st_below(st, c)));
    }
    r = st_below(st, 100);
    if (st->choose) {
        if (r < 10) {
            /* A participant below target, found by sampling. */
            for (int k = 0; k < 4; k++) {
                int p = st_below(st, st->P);
                if (st->cnt[p] < SM_MAX(st->minm[p], 1) && st->cnt[p] < st->cap[p] &&
                    st->adj_first[p + 1] > st->adj_first[p])
                    return mv_deficit(st, p);
            }
        } else if (r < 25 && st->nu > 0) {
            int m = st->uset[st_below(st, st->nu)];
            int c = ss_count(&st->allow[m], st->nw);
            int s = st_below(st, 2) ? best_slot(st, m, true, NULL) : -1;
            if (s < 0 && c)
                s = ss_nth(&st->allow[m], st->nw, st_below(st, c));
            return s >= 0 && mv_relocate(st, m, s);
        } else if (r < 30 && st->np > 0) {
            int x = st->pset[st_below(st, st->np)];
            if (st->tier[x] > 0)
                return false;
            st_unplace(st, x);
            return true;
        }
    }
    if (st->nb > 0 && st_below(st, 100) < 60)
        return mv_gap(st, st->bset[st_below(st, st->nb)]);
    if (st->np == 0)
        return false;
    int x = st->pset[st_below(st, st->np)];
    int s = near_slot(st, x);
    if (s < 0 || s == st->slot[x])
        return false;
    return st_below(st, 2) ? mv_kempe(st, x, s) : mv_relocate(st, x, s);
}

void st_search(struct sched_state *st, int lower_bound)
{
    struct sched_obj cur, nw, best;
    double scale[SCHED_NLEVELS] = {0}, temp[SCHED_NLEVELS];
    int *bestslots = malloc(sizeof(int) * (size_t)(st->M ? st->M : 1));
    int64_t vsum = 0, vn = 0;

    construct(st);
    if (!bestslots)
        return;

    for (int m = 0; m < st->M; m++)
        if (st->usable[m] && st->val[m] > 0) {
            vsum += st->val[m];
            vn++;
        }
    double vscale = vn ? (double)vsum / (double)vn : 1.0;
    if (!st->choose || st->strict) {
        scale[4] = 1.0;
        scale[5] = 2.0;
        scale[6] = vscale;
    } else {
        scale[4] = SM_MAX(vscale, (double)st->break_cost);
        scale[5] = 1.0;
        scale[6] = 2.0;
    }
    /* The placed, covered and filled levels get a small temperature too: a tightly packed
       schedule sometimes only improves through a state with one meeting briefly out (a long
       ejection chain). The best schedule is still kept by the strict order. */
    for (int l = 0; l < 4; l++)
        scale[l] = 0.5;
    /* Shorter holes rank the schedules but never hold the walk back (measured: as a guide it
       narrows the search more than it helps). */
    scale[7] = -1;

    /*
     * Budget in iterations, so that the result does not depend on the machine's speed: rounds
     * of slow cooling (the longer the better on tight instances), each from the best schedule,
     * 4 at the default effort (more on small events), stopping when half of them in a row bring
     * no progress.
     */
    int nmov = st->np + st->nu;
    uint32_t effort = st->pb->effort ? SM_MIN(st->pb->effort, 1000u) : 100;
    uint64_t round_len = (uint64_t)SM_MAX(50000, 2000 * (uint64_t)nmov);
    /* Small events are cheap: more restarts, at least about 1.6 million iterations. */
    uint64_t rounds = SM_MAX(4, (1600000 + round_len - 1) / round_len);
    uint64_t budget = SM_MAX(2000, round_len * rounds * effort / 100);
    int stale_limit = (int)SM_MAX(2, rounds / 2);
    /* ... and no more than about 10 s of work on a big event without a deadline. */
    budget = SM_MIN(budget, 10000000ull * effort / 100);
    round_len = SM_MIN(round_len, budget);
    const uint64_t planned = budget, planned_round = round_len;

    st_eval(st, &cur);
    best = cur;
    bool unsaved = true;
    int stale_rounds = 0;
    uint64_t it = 0, t0 = sm_now_ns();
    /* Leave time to assign tables and explain the unplaced after the search. */
    uint64_t reserve_ns = (5 + (uint64_t)st->pb->deadline_ms / 20) * 1000000ull;
    st->logging = true;

    while (it < budget) {
        uint64_t len = SM_MIN(round_len, budget - it);
        bool improved = false;
        const double h0 = 1.0, h1 = 0.03;
        double h = h0, hf = pow(h1 / h0, 1.0 / (double)len);
        for (uint64_t i = 0; i < len; i++, it++, h *= hf) {
            if ((it & 1023) == 0 && st->deadline_at) {
                uint64_t now = sm_now_ns(), end = st->deadline_at * 1000000ull;
                if (now >= end) {
                    st->deadline_hit = true;
                    goto done;
                }
                /* Will the budget end in time? Fit the cooling to the time left, re-estimated
                   as the search goes (the machine may be busy at first), never beyond the
                   planned budget. */
                if (it == 4096 || (it > 4096 && (it & 16383) == 0)) {
                    double per = (double)(now - t0) / (double)it;
                    double left = (double)end - (double)now - (double)reserve_ns;
                    uint64_t fit = it + (left > per ? (uint64_t)(left / per) : 1);
                    uint64_t nb = SM_MIN(planned, fit);
                    if (budget > it && len > i &&
                        (nb * 100 < budget * 97 || nb * 100 > budget * 103)) {
                        double k = (double)(nb - it) / (double)(budget - it);
                        if (nb < planned)
                            st->deadline_hit = true;
                        budget = nb;
                        round_len =
                            SM_MAX(1000, SM_MIN(planned_round, (uint64_t)((double)round_len * k)));
                        uint64_t lrest = SM_MAX(1, (uint64_t)((double)(len - i) * k));
                        len = i + lrest;
                        hf = pow(h1 / h, 1.0 / (double)lrest);
                    }
                }
            }
            if (!st->choose && st->nb == 0 && st->nu == 0)
                goto done; /* every meeting placed, no breaks: optimal */
            if (!st->choose && st->breaks == lower_bound && st->nu == 0 && lower_bound > 0 &&
                stale_rounds > 0)
                goto done;
            /* The must, covered and filled levels cool much faster (h^3): early in a round
               only, so that a large instance does not drift away from its coverage. */
            for (int l = 0; l < SCHED_NLEVELS; l++)
                temp[l] = scale[l] * (l < 4 ? h * h * h : h);
            st->nlog = 0;
            bool ok = do_move(st, any_must_unplaced(st));
            if (!ok) {
                undo_to(st, 0);
                continue;
            }
            st_eval(st, &nw);
            int dc = obj_cmp(&nw, &cur);
            if (!accept(st, &cur, &nw, temp)) {
                undo_to(st, 0);
                continue;
            }
            if (dc < 0 && unsaved && obj_cmp(&cur, &best) == 0) {
                snapshot(st, bestslots);
                unsaved = false;
            }
            cur = nw;
            if (obj_cmp(&cur, &best) > 0) {
                best = cur;
                unsaved = true;
                improved = true;
            }
        }
        stale_rounds = improved ? 0 : stale_rounds + 1;
        if (stale_rounds >= stale_limit)
            break;
        /* Next round starts from the best schedule. */
        if (!unsaved && obj_cmp(&cur, &best) != 0) {
            st->logging = false;
            load(st, bestslots);
            st->logging = true;
            st_eval(st, &cur);
        }
    }
done:
    st->iterations = it;
    st->nlog = 0;
    st->logging = false;
    if (!unsaved && obj_cmp(&cur, &best) < 0)
        load(st, bestslots);
    /* Last pass: any must meeting that now fits directly goes in. */
    for (int i = st->nu - 1; i >= 0; i--) {
        int m = st->uset[i];
        if (st->tier[m] == 0 && st->choose)
            continue;
        int s = best_slot(st, m, false, NULL);
        if (s >= 0)
            st_place(st, m, s);
    }
    free(bestslots);
}
