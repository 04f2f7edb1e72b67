/*
 * fixture.h - small hand-made scheduling problems for the sched tests: one struct holds the
 * problem's arrays, fx_solve() solves and runs the independent checker on the result.
 */
#ifndef SCHED_FIXTURE_H
#define SCHED_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched.h"
#include "sched_check.h"

#define FX_MAX 512

struct fx {
    struct sched_problem pb;
    struct sched_slot slots[SCHED_MAX_SLOTS];
    struct sched_table tables[FX_MAX];
    struct sched_participant parts[FX_MAX];
    struct sched_meeting meets[FX_MAX * 4];
    int after[FX_MAX];
    struct sched_pair vetoes[FX_MAX];
    uint8_t groups[64];
    struct sched_result r;
    struct sched_check chk;
};

/* S slots in one block, T shared tables, P participants with no constraints. */
static inline struct fx *fx_new(enum sched_mode mode, int S, int T, int P)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    sched_problem_init(&f->pb);
    f->pb.mode = mode;
    f->pb.n_slots = S;
    f->pb.slots = f->slots;
    f->pb.n_tables = T;
    f->pb.tables = f->tables;
    f->pb.n_participants = P;
    f->pb.participants = f->parts;
    f->pb.meetings = f->meets;
    f->pb.after = f->after;
    f->pb.vetoes = f->vetoes;
    f->pb.seed = 1;
    for (int s = 0; s < S; s++)
        f->slots[s].interpreters = -1;
    for (int t = 0; t < T; t++)
        f->tables[t].owner = -1;
    return f;
}

static inline int fx_meet(struct fx *f, int a, int b)
{
    int m = f->pb.n_meetings++;
    sched_meeting_init(&f->meets[m], a, b);
    return m;
}

static inline void fx_fix(struct fx *f, int m, int slot)
{
    f->meets[m].flags |= SCHED_M_FIXED_SLOT;
    f->meets[m].fixed_slot = slot;
}

static inline void fx_forbid(struct fx *f, int p, int slot)
{
    sched_slots_add(&f->parts[p].forbidden, slot);
}

/* Solve, require success and a result that passes the independent checker. */
static inline void fx_solve(struct fx *f)
{
    sched_result_release(&f->r);
    int rc = sched_solve(&f->pb, &f->r);
    if (rc)
        fail_msg("sched_solve: %d %s: %s", rc, f->r.error.field, f->r.error.message);
    rc = sched_check(&f->pb, &f->r, &f->chk);
    if (rc)
        fail_msg("checker: %d violations, first: %s", f->chk.violations, f->chk.first);
}

static inline void fx_free(struct fx *f)
{
    sched_result_release(&f->r);
    free(f);
}

static inline int fx_slot(const struct fx *f, int m)
{
    return f->r.placements[m].slot;
}

#endif
