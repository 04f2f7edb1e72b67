/*
 * sched.h - the meeting scheduler of live matchmaking sessions (SPEC §4).
 *
 * Pure logic: plain structs in, a caller-owned result out. No I/O, no globals; sched_solve() may
 * run on several threads at once on different (or the same, read-only) problems. The only outside
 * input is the monotonic clock, read to honour the deadline.
 *
 * Model
 *   An event has n_slots slots in chronological order, each with a day index and a session label
 *   (e.g. 0 = morning, 1 = afternoon). Consecutive slots with the same (day, session) form a
 *   *block*; breaks are counted inside blocks only (a lunch pause between sessions is not a break).
 *   Tables are shared (owner -1) or booths owned by one participant, who meets only at a booth of
 *   their own; a booth is used only by its owner's meetings. Two booth owners meet at either one's.
 *
 *   Hard rules (never violated by a result): nobody in two meetings in one slot; no meeting in a
 *   slot forbidden to either side; at most one meeting per table per slot, on an open table; each
 *   pair meets at most once; meeting caps; booth owners at their booth; session binding; fixed
 *   slot and fixed table; precedence (a meeting placed after every placed meeting it must follow);
 *   interpreters per slot; vetoes and group rules (except for forced and locked meetings, which are
 *   the organizer's own decision); absent participants meet nobody.
 *
 *   Soft goals, lexicographic (sched_result.placed etc. report each level):
 *     1. place every forced/locked meeting, then every accepted one (SCHED_PLACE: every given one);
 *     2. SCHED_CHOOSE only: cover participants (nobody left with no meeting while a feasible
 *        partner exists), then fill minimum targets (sum over p of min(meetings, min_meetings));
 *     3. fewest breaks, then fairest breaks (smallest sum of squared breaks per participant, which
 *        also keeps the maximum down), then (SCHED_CHOOSE) most value. With break_cost > 0, levels
 *        3 become: most (value - break_cost * breaks), then fewest breaks, then fairest;
 *     4. fewest idle slots inside breaks (shorter holes).
 *
 * Breaks
 *   For participant p, a slot is *idle* when it is neither forbidden to p nor holds a meeting of
 *   p. A break is a maximal run of idle slots of one block that has a meeting of p before and after
 *   it in the same block; forbidden slots are transparent (meeting, forbidden, meeting is no break;
 *   meeting, idle, forbidden, idle, meeting is one). Idle slots before p's first and after p's last
 *   meeting of a block are not breaks. So p has 0 breaks iff, in every block, its meetings fill
 *   consecutive available slots.
 *
 * Live re-scheduling
 *   Meetings flagged SCHED_M_PUBLISHED carry their published (prev_slot, prev_table). Unless
 *   reoptimize is set, each one that is still feasible stays exactly there (a closed table keeps
 *   its slot and changes table); the rest of the problem is solved around them. The result says
 *   what moved. No-shows are participants with absent set; walk-ins are new participants and
 *   meetings; cancellations are meetings left out; a table out of use has its slots closed.
 *
 * Determinism
 *   The same problem and seed give the same result, unless the deadline cut the search short
 *   (sched_result.deadline_hit): the search budget is counted in iterations, not time.
 */
#ifndef SCHED_H
#define SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define SCHED_MAX_SLOTS 256
#define SCHED_SLOT_WORDS (SCHED_MAX_SLOTS / 64)

/* A set of slots (bit s of word s / 64). */
struct sched_slots {
    uint64_t w[SCHED_SLOT_WORDS];
};

static inline void sched_slots_add(struct sched_slots *set, int s)
{
    set->w[s >> 6] |= 1ull << (s & 63);
}

static inline bool sched_slots_has(const struct sched_slots *set, int s)
{
    return (set->w[s >> 6] >> (s & 63)) & 1u;
}

enum sched_mode {
    SCHED_PLACE = 0,  /* place every given meeting with the fewest breaks */
    SCHED_CHOOSE = 1, /* choose pairs among the candidates by value, then place them */
};

struct sched_slot {
    int day;          /* day index, nondecreasing over slots */
    int session;      /* session label (morning, afternoon...), >= 0 */
    int interpreters; /* interpreters available in this slot; negative: problem's interpreter_cap */
};

struct sched_table {
    int owner;                 /* participant owning this booth, or -1 for a shared table */
    struct sched_slots closed; /* slots in which the table is out of use */
};

struct sched_participant {
    const char *id;               /* shown in reason texts (borrowed); NULL: "#index" */
    struct sched_slots forbidden; /* slots the participant is unavailable */
    int max_meetings;             /* cap; 0 = no cap */
    int min_meetings;             /* target minimum, filled first in SCHED_CHOOSE */
    int group;                    /* 0..n_groups-1 when group rules are given */
    bool absent;                  /* no-show or withdrawn: meets nobody */
};

/* Meeting flags. */
enum {
    SCHED_M_ACCEPTED = 1u << 0,    /* an accepted request: must be placed */
    SCHED_M_FORCED = 1u << 1,      /* added or forced by the organizer: placed first, may bypass
                                      vetoes and group rules */
    SCHED_M_LOCKED = 1u << 2,      /* forced, and pinned at its published (or fixed) position */
    SCHED_M_INTERPRETER = 1u << 3, /* the two sides share no language */
    SCHED_M_MUTUAL = 1u << 4,      /* mutual interest (informational; value carries the weight) */
    SCHED_M_SUGGESTION = 1u << 5,  /* engine suggestion: used only if problem.suggestions and
                                      value >= suggestion_min */
    SCHED_M_FIXED_SLOT = 1u << 6,  /* must be in fixed_slot */
    SCHED_M_FIXED_TABLE = 1u << 7, /* must be at fixed_table */
    SCHED_M_SESSION = 1u << 8,     /* must be in a slot whose session is `session` */
    SCHED_M_PUBLISHED = 1u << 9,   /* was published at (prev_slot, prev_table) */
};

struct sched_meeting {
    int a, b;        /* participant indices, a != b */
    unsigned flags;  /* SCHED_M_* */
    int fixed_slot;  /* with SCHED_M_FIXED_SLOT */
    int fixed_table; /* with SCHED_M_FIXED_TABLE */
    int session;     /* with SCHED_M_SESSION */
    int after_first; /* this meeting comes after meetings after[after_first .. +after_count) */
    int after_count;
    int32_t value; /* >= 0: priority x match score; what SCHED_CHOOSE maximises */
    int prev_slot; /* with SCHED_M_PUBLISHED */
    int prev_table;
};

/* A veto: a does not want to meet b (blocks the pair both ways). */
struct sched_pair {
    int a, b;
};

/* With break_cost == SCHED_BREAKS_FIRST, breaks rank strictly before value (SPEC §4 order). */
#define SCHED_BREAKS_FIRST 0

struct sched_problem {
    enum sched_mode mode;
    int n_slots; /* 1..SCHED_MAX_SLOTS */
    const struct sched_slot *slots;
    int n_tables;
    const struct sched_table *tables;
    int n_participants;
    const struct sched_participant *participants;
    int n_meetings;
    const struct sched_meeting *meetings;
    int n_after;
    const int *after; /* meeting indices referenced by after_first/after_count */
    int n_vetoes;
    const struct sched_pair *vetoes;
    int n_groups;               /* 0: no group rules */
    const uint8_t *group_allow; /* n_groups x n_groups; nonzero [g * n_groups + h]: groups g
                                   and h may meet (either order suffices) */
    int interpreter_cap;        /* per slot unless the slot says otherwise; negative: none */
    bool suggestions;           /* SCHED_CHOOSE: use engine suggestions */
    int32_t suggestion_min;     /* ... whose value is at least this */
    int64_t break_cost;         /* SCHED_CHOOSE: value one break costs, or SCHED_BREAKS_FIRST */
    bool reoptimize;            /* move published meetings freely (before publishing again) */
    uint32_t deadline_ms;       /* return the best found after this long; 0: no deadline */
    uint32_t effort;            /* search effort, 1..1000, 0 = default (100) */
    uint64_t seed;
};

/* Zero the problem and set defaults (interpreter_cap -1: unlimited). */
void sched_problem_init(struct sched_problem *pb);
/* Zero a meeting between a and b with no after constraints. */
void sched_meeting_init(struct sched_meeting *m, int a, int b);

/* Why a meeting is not placed (sched_placement.reason). Stable names: sched_reason_name(). */
enum sched_reason {
    SCHED_R_PLACED = 0,
    SCHED_R_NOT_CHOSEN,        /* SCHED_CHOOSE: an optional candidate not worth placing */
    SCHED_R_ABSENT,            /* a participant is absent */
    SCHED_R_VETO,              /* a participant vetoed the other */
    SCHED_R_GROUP,             /* group rules do not let the two groups meet */
    SCHED_R_SUGGESTION_OFF,    /* suggestion not enabled or below the threshold */
    SCHED_R_DUPLICATE,         /* the pair already has another meeting */
    SCHED_R_UNAVAILABLE,       /* a participant has no available slot at all */
    SCHED_R_NO_COMMON_SLOT,    /* the two have no available slot in common */
    SCHED_R_SESSION,           /* no common available slot in the bound session */
    SCHED_R_FIXED_SLOT,        /* the fixed slot is unavailable to a side or outside the session */
    SCHED_R_NO_TABLE,          /* no open table (or booth) in any common slot */
    SCHED_R_BOOTH,             /* the fixed table is not a booth the booth rule allows */
    SCHED_R_NO_INTERPRETER,    /* needs an interpreter, none in any common slot */
    SCHED_R_CAP,               /* a participant's cap is reached by higher-ranked meetings */
    SCHED_R_BUSY,              /* in every common slot one side is in another meeting */
    SCHED_R_TABLES_FULL,       /* where both are free, every table is taken */
    SCHED_R_INTERPRETERS_FULL, /* where both are free, the interpreter cap is reached */
    SCHED_R_PRECEDENCE,        /* where both are free, the meetings it must follow are not before */
    SCHED_R_TABLE_TAKEN,       /* the fixed table is taken where both are free */
    SCHED_R__COUNT
};

/* What happened to a published meeting (sched_placement.moved). */
enum sched_move {
    SCHED_MOVE_NONE = 0, /* not published, or still exactly where it was */
    SCHED_MOVE_TABLE,    /* same slot, other table */
    SCHED_MOVE_SLOT,     /* other slot */
    SCHED_MOVE_DROPPED,  /* no longer placed */
};

struct sched_placement {
    int slot, table; /* -1, -1 when unplaced */
    int reason;      /* enum sched_reason */
    int who;         /* participant the reason concerns, or -1 */
    const char *why; /* reason text, NULL when placed; owned by the result */
    int moved;       /* enum sched_move */
};

struct sched_result {
    int n_meetings, n_participants, n_slots;
    struct sched_placement *placements; /* [n_meetings] */
    int *meetings_of;                   /* [n_participants] meetings per participant */
    int *breaks_of;                     /* [n_participants] breaks per participant */
    int *meetings_in_slot;              /* [n_slots] */
    int *interpreters_in_slot;          /* [n_slots] interpreters needed */
    int placed;                         /* meetings placed */
    int must_total, must_placed;        /* forced/locked/accepted (SCHED_PLACE: all valid) ones */
    int covered;                        /* participants with at least one meeting */
    int fill;                           /* sum over participants of min(meetings, min_meetings) */
    int breaks;                         /* total breaks */
    int max_breaks;                     /* most breaks of one participant */
    int64_t sumsq_breaks;               /* sum of squared breaks per participant */
    int idle;               /* idle slots inside breaks, all participants (the last level) */
    int64_t value;          /* value of placed meetings */
    int breaks_lower_bound; /* SCHED_PLACE, every usable meeting placed: proven lower bound on
                               breaks (0 otherwise) */
    bool optimal;           /* SCHED_PLACE: every usable meeting placed with breaks at the bound */
    int moved;              /* published meetings that moved or were dropped */
    bool deadline_hit;      /* the deadline shortened the search (result may vary by run) */
    uint64_t iterations;    /* local search moves tried */
    uint32_t elapsed_ms;
    struct sm_error error; /* why sched_solve failed */
    char *text;            /* storage of the why strings */
};

/*
 * Solve pb into out (caller owns it: release with sched_result_release, also after a failure).
 * Returns 0, SM_EINVAL for a bad problem (out->error names the field), SM_ENOMEM.
 * Unplaceable meetings are not an error: they come back unplaced with a reason.
 */
int sched_solve(const struct sched_problem *pb, struct sched_result *out);
void sched_result_release(struct sched_result *r);

/* Stable lowercase name of a reason ("busy", "cap", ...); "unknown" when out of range. */
const char *sched_reason_name(int reason);

#endif
