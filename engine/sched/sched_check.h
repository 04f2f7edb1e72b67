/*
 * sched_check.h - an independent checker of scheduler results.
 *
 * Verifies a result against every hard rule of its problem (sched.h) and recomputes breaks,
 * value and the per-participant and per-slot totals from the placements alone, with code that
 * shares nothing with the solver's bookkeeping. The engine runs it on every schedule in debug
 * builds; the tests and the benchmark use it on every result.
 *
 * Pure logic, no globals, thread-safe.
 */
#ifndef SCHED_CHECK_H
#define SCHED_CHECK_H

#include "sched.h"

struct sched_check {
    int violations;  /* hard-rule violations and totals that disagree */
    char first[256]; /* the first violation, as text ("" when none) */
    int placed;      /* recomputed from the placements */
    int breaks, max_breaks;
    int64_t sumsq_breaks;
    int idle; /* idle slots inside breaks */
    int64_t value;
};

/*
 * Check r against pb. Returns 0 when the schedule obeys every hard rule and the result's totals
 * match the recomputed ones, SM_EINVAL otherwise (c says how many problems and the first one),
 * SM_ENOMEM. c is filled in both cases.
 */
int sched_check(const struct sched_problem *pb, const struct sched_result *r,
                struct sched_check *c);

/*
 * Breaks of a schedule given as one slot per meeting (-1: unplaced), by the definition in
 * sched.h. Fills breaks_of[n_participants], *max_breaks and *idle (idle slots inside breaks)
 * when not NULL; returns the total, or SM_ENOMEM / SM_EINVAL (a slot out of range).
 */
int sched_check_breaks(const struct sched_problem *pb, const int *slot_of, int *breaks_of,
                       int *max_breaks);
int sched_check_breaks_idle(const struct sched_problem *pb, const int *slot_of, int *breaks_of,
                            int *max_breaks, int *idle);

#endif
