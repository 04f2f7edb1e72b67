/*
 * sched_lp.h - the scheduling problem as a mixed-integer program in CPLEX LP format, solved by
 * COIN-OR CBC, for the benchmark's exact reference.
 *
 * Model (sets restricted to what each meeting's rules allow):
 *   x[m,s] in {0,1}   meeting m in slot s
 *   sum_s x[m,s] = 1  for every meeting to place (SCHED_PLACE: all; SCHED_CHOOSE: accepted and
 *                     forced), <= 1 for optional candidates
 *   y[p,s] = sum of x[m,s] over p's meetings <= 1           nobody in two meetings
 *   sum of shared-table meetings in s <= open shared tables   (booths never contend)
 *   sum of meetings fixed to table t in s <= 1
 *   sum of interpreter meetings in s <= interpreters of s
 *   sum_s y[p,s] <= cap of p
 *   sum_s s x[m,s] >= sum_s s x[k,s] + 1 when m must follow k (SCHED_PLACE)
 *   breaks: over p's available slots of a block in order a_1..a_n,
 *     z[p,a_i] >= y[p,a_i] - y[p,a_(i-1)]   (z: a run of meetings starts at a_i)
 *     u[p,b] <= sum_i y[p,a_i], u <= 1       (u: p meets at all in block b)
 *     breaks = sum z - sum u                 (runs minus one, per block with a meeting)
 *   SCHED_PLACE objective: minimise breaks.
 *   SCHED_CHOOSE objective (break_cost > 0): maximise
 *     W_cov * covered + W_fill * fill + value - break_cost * breaks
 *   with cov[p] <= min(1, meetings of p), f[p] <= min(min target, meetings of p) and weights
 *   large enough to make the order lexicographic as in sched.h.
 * Fairness (sum of squared breaks) is not modelled: CBC's reference is the total.
 */
#ifndef SCHED_LP_H
#define SCHED_LP_H

#include <stdbool.h>
#include <stdint.h>

#include "sched.h"

enum sched_lp_status {
    SCHED_LP_OPTIMAL,     /* proven optimal */
    SCHED_LP_TIME_LIMIT,  /* stopped on the time limit with a feasible solution */
    SCHED_LP_NO_SOLUTION, /* infeasible, or no solution within the time limit */
    SCHED_LP_ERROR,       /* cbc could not be run */
};

struct sched_lp_run {
    int status;   /* enum sched_lp_status */
    uint32_t ms;  /* wall time of cbc */
    int *slot_of; /* [n_meetings] slot of each meeting in CBC's solution, -1 unplaced */
    int placed, breaks, covered, fill;
    int64_t value;
};

/* Write pb as an LP file. Returns 0, -errno, SM_EINVAL (SCHED_CHOOSE needs break_cost > 0). */
int sched_lp_write(const struct sched_problem *pb, const char *path);

/*
 * Run `cbc lp_path sec time_limit [mips START] solve solu sol_path` (output to log_path) and
 * read the solution back. With start (a slot per meeting, e.g. smematch's schedule) CBC gets it
 * as a MIP start, written next to sol_path, and spends its time on proving or improving it.
 * Returns 0 (see out->status), SM_ENOMEM. Release out with sched_lp_run_release.
 */
int sched_lp_solve(const char *cbc, const struct sched_problem *pb, const char *lp_path,
                   const char *sol_path, const char *log_path, int time_limit_s, const int *start,
                   struct sched_lp_run *out);
void sched_lp_run_release(struct sched_lp_run *run);

/*
 * A full result from a slot per meeting (tables assigned first-fit), so that the independent
 * checker can verify CBC's schedule against every hard rule too. Caller releases it with
 * sched_result_release. Returns 0 or SM_ENOMEM.
 */
int sched_lp_to_result(const struct sched_problem *pb, const int *slot_of,
                       struct sched_result *out);

#endif
