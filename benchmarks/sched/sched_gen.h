/*
 * sched_gen.h - a seeded generator of expo-like scheduling instances for the scheduler
 * benchmark.
 *
 * Buyers (group 0) meet suppliers (group 1) only; some suppliers are exhibitors with a booth.
 * Participants have availability holes (arriving late, leaving early, giving a talk), popularity
 * is skewed (a few participants are asked by many), some meetings need an interpreter (with a
 * cap per slot), a few are fixed to a slot, bound to a session or must follow another meeting.
 * The given (SCHED_PLACE) or accepted (SCHED_CHOOSE) meetings are *planted*: drawn together
 * with a feasible schedule, so an instance always has a schedule placing all of them; that
 * planted schedule is then forgotten (it is full of breaks).
 */
#ifndef SCHED_GEN_H
#define SCHED_GEN_H

#include <stdint.h>

#include "sched.h"

struct sched_gen_opts {
    enum sched_mode mode;
    int participants;
    int slots;           /* over days of up to 24 slots, each day two sessions (am/pm) */
    int tables;          /* shared tables */
    int booths;          /* exhibitors with their own booth */
    int meetings;        /* planted meetings (SCHED_PLACE) or accepted requests (SCHED_CHOOSE) */
    int candidates;      /* SCHED_CHOOSE: optional candidates on top (mutual interest,
                            engine suggestions) */
    int hole_percent;    /* participants with an availability hole */
    int interp_percent;  /* meetings needing an interpreter */
    int interp_cap;      /* interpreters per slot, -1 none */
    int fixed_percent;   /* meetings fixed to their planted slot */
    int session_percent; /* meetings bound to their planted session */
    int precedence;      /* "after" constraints (SCHED_PLACE) */
    int64_t break_cost;  /* SCHED_CHOOSE */
    uint64_t seed;
};

/* Defaults for n participants (others scaled from it). */
void sched_gen_defaults(struct sched_gen_opts *o, enum sched_mode mode, int participants, int slots,
                        int tables, int meetings, uint64_t seed);

/* An instance: the problem and the arrays it points into (owned). */
struct sched_inst {
    struct sched_problem pb;
    struct sched_slot *slots;
    struct sched_table *tables;
    struct sched_participant *parts;
    struct sched_meeting *meets;
    int *after;
    uint8_t group_allow[4];
    char (*ids)[24];
};

/* Generate; returns 0 or SM_ENOMEM. Release with sched_inst_release (also after a failure). */
int sched_gen(struct sched_inst *inst, const struct sched_gen_opts *o);
void sched_inst_release(struct sched_inst *inst);

#endif
