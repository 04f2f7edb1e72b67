/*
 * sched_priv.h - the scheduler's internal state, shared by sched.c (preparation, pinning, results,
 * reasons) and sched_search.c (moves, construction, local search). Not installed.
 *
 * The state is a slot assignment: slot[m] for every meeting, plus the derived bookkeeping that
 * makes a move O(1)-ish: who meets in each (participant, slot), busy bitsets, break counts per
 * participant, table and interpreter use per slot. Tables are chosen only at the end: booth
 * meetings never contend for a table (an owner is in one meeting per slot), so a slot is feasible
 * for shared tables as long as it holds no more shared-table meetings than it has open shared
 * tables, and no two meetings need the same fixed table.
 */
#ifndef SCHED_PRIV_H
#define SCHED_PRIV_H

#include "sm.h"

#include "sched.h"

#define SCHED_NLEVELS 8

/* Objective levels, compared lexicographically, larger is better (see struct sched_state). */
struct sched_obj {
    int64_t l[SCHED_NLEVELS];
};

struct sched_undo {
    int m;
    int old; /* slot before the operation, -1 if unplaced */
};

struct sched_state {
    const struct sched_problem *pb;
    int S, P, M, T, nw, nwt;
    bool choose, strict;
    int64_t break_cost;

    /* slots */
    int *bfirst, *blast; /* first and last slot of each slot's block */
    int *gcap, *icap;    /* open shared tables, interpreters (INT32_MAX: unlimited) */

    /* participants */
    struct sched_slots *freeset;  /* slots not forbidden: what breaks are counted over */
    struct sched_slots *boothset; /* owners: slots with an own booth open */
    bool *owner;
    int *cap, *minm;
    int *adj_first, *adj; /* usable meetings of each participant (CSR) */

    /* meetings */
    int *ma, *mb;
    int32_t *val;
    struct sched_slots *allow; /* static: slots where the meeting may go */
    uint8_t *tier;             /* 2 forced/locked, 1 accepted (every meeting in SCHED_PLACE), 0 */
    uint8_t *usable;           /* passed the static checks */
    uint8_t *general;          /* needs a shared table */
    uint8_t *interp;
    uint8_t *pinned;                            /* never moved by the search */
    int *tab;                                   /* table it must have (fixed or kept), or -1 */
    int *reason, *who, *aux;                    /* static reason when not usable, and its detail */
    int *pred_first, *pred, *succ_first, *succ; /* precedence (CSR) */

    /* dynamic */
    int *slot;
    int32_t *at; /* [p * S + s]: meeting of p in s, or -1 */
    struct sched_slots *busy;
    int *cnt, *brk;
    int *gused, *iused;
    uint64_t *tabres;              /* [s * nwt]: shared tables reserved by a fixed or kept table */
    int *sl, *slen, slcap, *slpos; /* meetings of each slot [s * slcap + i] and their position */
    int *bset, *bpos, nb;          /* participants with breaks */
    int *uset, *upos, nu;          /* usable meetings not placed */
    int *mset, *mpos, nm;          /* ... of them, the must ones (tier 1 or 2) */
    int *pset, *ppos, np;          /* placed meetings that may move */

    int64_t placed_t[3], covered, fill, breaks, sumsq, value, idle;

    struct sched_undo *log;
    int nlog, caplog;
    bool logging;

    uint64_t rng;
    int *stamp, stampv; /* BFS marks for Kempe chains */

    uint64_t t0_ms, deadline_at;
    bool deadline_hit;
    uint64_t iterations;
};

/* ---- slot bitsets over nw words ---- */

static inline bool ss_has(const struct sched_slots *x, int s)
{
    return (x->w[s >> 6] >> (s & 63)) & 1u;
}

static inline void ss_add(struct sched_slots *x, int s)
{
    x->w[s >> 6] |= 1ull << (s & 63);
}

static inline void ss_del(struct sched_slots *x, int s)
{
    x->w[s >> 6] &= ~(1ull << (s & 63));
}

static inline bool ss_empty(const struct sched_slots *x, int nw)
{
    for (int i = 0; i < nw; i++)
        if (x->w[i])
            return false;
    return true;
}

static inline int ss_count(const struct sched_slots *x, int nw)
{
    int n = 0;
    for (int i = 0; i < nw; i++)
        n += __builtin_popcountll(x->w[i]);
    return n;
}

/* Mask of bits lo..63 of a word, and 0..hi. */
static inline uint64_t ss_from(int lo)
{
    return ~0ull << (lo & 63);
}

static inline uint64_t ss_upto(int hi)
{
    return (hi & 63) == 63 ? ~0ull : (1ull << ((hi & 63) + 1)) - 1;
}

/* Any bit in [lo, hi] (inclusive; false when lo > hi). */
static inline bool ss_any_range(const struct sched_slots *x, int lo, int hi)
{
    if (lo > hi)
        return false;
    int wl = lo >> 6, wh = hi >> 6;
    for (int w = wl; w <= wh; w++) {
        uint64_t v = x->w[w];
        if (w == wl)
            v &= ss_from(lo);
        if (w == wh)
            v &= ss_upto(hi);
        if (v)
            return true;
    }
    return false;
}

/* Highest bit in [lo, s - 1], or -1. */
static inline int ss_prev(const struct sched_slots *x, int lo, int s)
{
    int hi = s - 1;
    if (hi < lo)
        return -1;
    int wl = lo >> 6;
    for (int w = hi >> 6; w >= wl; w--) {
        uint64_t v = x->w[w];
        if (w == hi >> 6)
            v &= ss_upto(hi);
        if (w == wl)
            v &= ss_from(lo);
        if (v)
            return w * 64 + 63 - __builtin_clzll(v);
    }
    return -1;
}

/* Lowest bit in [s + 1, hi], or -1. */
static inline int ss_next(const struct sched_slots *x, int s, int hi)
{
    int lo = s + 1;
    if (lo > hi)
        return -1;
    int wh = hi >> 6;
    for (int w = lo >> 6; w <= wh; w++) {
        uint64_t v = x->w[w];
        if (w == lo >> 6)
            v &= ss_from(lo);
        if (w == wh)
            v &= ss_upto(hi);
        if (v)
            return w * 64 + __builtin_ctzll(v);
    }
    return -1;
}

/* Number of bits in [lo, hi] (0 when lo > hi). */
static inline int ss_count_range(const struct sched_slots *x, int lo, int hi)
{
    int n = 0;
    if (lo > hi)
        return 0;
    int wl = lo >> 6, wh = hi >> 6;
    for (int w = wl; w <= wh; w++) {
        uint64_t v = x->w[w];
        if (w == wl)
            v &= ss_from(lo);
        if (w == wh)
            v &= ss_upto(hi);
        n += __builtin_popcountll(v);
    }
    return n;
}

/* The k-th (0-based) set bit, or -1. */
static inline int ss_nth(const struct sched_slots *x, int nw, int k)
{
    for (int w = 0; w < nw; w++) {
        int c = __builtin_popcountll(x->w[w]);
        if (k < c) {
            uint64_t v = x->w[w];
            while (k--)
                v &= v - 1;
            return w * 64 + __builtin_ctzll(v);
        }
        k -= c;
    }
    return -1;
}

/* ---- random numbers (splitmix64: deterministic per seed) ---- */

static inline uint64_t st_rand(struct sched_state *st)
{
    uint64_t z = (st->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline int st_below(struct sched_state *st, int n)
{
    return (int)(((st_rand(st) >> 32) * (uint64_t)n) >> 32);
}

static inline double st_unit(struct sched_state *st)
{
    return (double)(st_rand(st) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- sched_search.c ---- */

/* Whether m may go to s now (participants free, caps, tables, interpreters, precedence). */
bool st_can_place(const struct sched_state *st, int m, int s);
void st_place(struct sched_state *st, int m, int s);
void st_unplace(struct sched_state *st, int m);
/* Change in p's breaks if slot s (free to p, not busy) became busy; *idle gets the change in
   p's idle slots between meetings. */
int st_break_delta_add(const struct sched_state *st, int p, int s, int *idle);
void st_eval(const struct sched_state *st, struct sched_obj *o);
/* Build the schedule: construction, then local search. Leaves the best schedule in st. */
void st_search(struct sched_state *st, int lower_bound);

#endif
