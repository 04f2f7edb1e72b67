/*
 * test_sched.c - the scheduler on small hand-made cases: each hard rule where breaking it would
 * otherwise pay off, the reasons given for unplaceable meetings, breaks against hand-computed
 * optima, choose mode, live re-scheduling, the deadline and determinism.
 */
#include "fixture.h"

/* ---- hard rules ---- */

static void test_nobody_in_two_meetings_in_one_slot(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 2, 3);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 0, 2);
    fx_solve(f);
    assert_int_equal(f->r.placed, 2);
    assert_int_not_equal(fx_slot(f, m0), fx_slot(f, m1));
    fx_free(f);
}

static void test_meeting_avoids_forbidden_slot(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 3, 1, 2);
    int m = fx_meet(f, 0, 1);
    fx_forbid(f, 0, 0);
    fx_forbid(f, 1, 1);
    fx_solve(f);
    assert_int_equal(fx_slot(f, m), 2);
    fx_free(f);
}

static void test_table_hosts_one_meeting_per_slot(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 3, 1, 6);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 2, 3), m2 = fx_meet(f, 4, 5);
    fx_solve(f);
    assert_int_equal(f->r.placed, 3);
    assert_int_not_equal(fx_slot(f, m0), fx_slot(f, m1));
    assert_int_not_equal(fx_slot(f, m0), fx_slot(f, m2));
    assert_int_not_equal(fx_slot(f, m1), fx_slot(f, m2));
    for (int m = 0; m < 3; m++)
        assert_int_equal(f->r.placements[m].table, 0);
    fx_free(f);
}

static void test_closed_table_is_not_used(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 1, 2, 4);
    sched_slots_add(&f->tables[0].closed, 0);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 2, 3);
    fx_solve(f);
    assert_int_equal(f->r.placed, 1);
    int placed = fx_slot(f, m0) >= 0 ? m0 : m1, other = placed == m0 ? m1 : m0;
    assert_int_equal(f->r.placements[placed].table, 1);
    assert_int_equal(f->r.placements[other].reason, SCHED_R_TABLES_FULL);
    fx_free(f);
}

static void test_pair_meets_once(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 3, 1, 2);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 1, 0);
    f->meets[m1].value = 9; /* the more valuable duplicate is kept */
    fx_solve(f);
    assert_int_equal(f->r.placed, 1);
    assert_true(fx_slot(f, m1) >= 0);
    assert_int_equal(fx_slot(f, m0), -1);
    assert_int_equal(f->r.placements[m0].reason, SCHED_R_DUPLICATE);
    fx_free(f);
}

static void test_cap_is_respected_and_reported(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 4, 2, 4);
    f->parts[0].max_meetings = 2;
    fx_meet(f, 0, 1);
    fx_meet(f, 0, 2);
    fx_meet(f, 0, 3);
    fx_solve(f);
    assert_int_equal(f->r.placed, 2);
    assert_int_equal(f->r.meetings_of[0], 2);
    for (int m = 0; m < 3; m++)
        if (fx_slot(f, m) < 0) {
            assert_int_equal(f->r.placements[m].reason, SCHED_R_CAP);
            assert_int_equal(f->r.placements[m].who, 0);
            assert_non_null(strstr(f->r.placements[m].why, "cap reached"));
        }
    fx_free(f);
}

static void test_booth_owner_meets_only_at_booth(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 3, 5);
    f->tables[1].owner = 0;
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 0, 2), m2 = fx_meet(f, 3, 4);
    fx_solve(f);
    assert_int_equal(f->r.placed, 3);
    assert_int_equal(f->r.placements[m0].table, 1);
    assert_int_equal(f->r.placements[m1].table, 1);
    /* Nobody else uses the booth, even when it is free. */
    assert_int_not_equal(f->r.placements[m2].table, 1);
    fx_free(f);
}

static void test_two_booth_owners_meet_at_either_booth(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 2, 2);
    f->tables[0].owner = 0;
    f->tables[1].owner = 1;
    sched_slots_add(&f->tables[0].closed, 0);
    sched_slots_add(&f->tables[0].closed, 1);
    int m = fx_meet(f, 0, 1);
    fx_solve(f);
    assert_int_equal(f->r.placements[m].table, 1);
    fx_free(f);
}

static void test_booth_owner_without_open_booth_is_reported(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 2, 2);
    f->tables[0].owner = 0;
    sched_slots_add(&f->tables[0].closed, 0);
    sched_slots_add(&f->tables[0].closed, 1);
    int m = fx_meet(f, 0, 1);
    fx_solve(f);
    assert_int_equal(fx_slot(f, m), -1);
    assert_int_equal(f->r.placements[m].reason, SCHED_R_NO_TABLE);
    assert_int_equal(f->r.placements[m].who, 0);
    fx_free(f);
}

static void test_session_binding_is_respected(void **state)
{
    /* Slots 0-1 morning, 2-3 afternoon. Participant 0 has a fixed meeting in slot 1, so slot 0
       would give it no break; the bound meeting must still go to the afternoon. */
    struct fx *f = fx_new(SCHED_PLACE, 4, 2, 3);
    f->slots[2].session = f->slots[3].session = 1;
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 0, 2);
    f->meets[m0].flags |= SCHED_M_SESSION;
    f->meets[m0].session = 1;
    fx_fix(f, m1, 1);
    fx_solve(f);
    assert_true(fx_slot(f, m0) == 2 || fx_slot(f, m0) == 3);
    assert_int_equal(fx_slot(f, m1), 1);
    fx_free(f);
}

static void test_fixed_slot_is_respected(void **state)
{
    /* Without the fixed slot the three meetings of participant 0 would be consecutive. */
    struct fx *f = fx_new(SCHED_PLACE, 6, 2, 4);
    fx_meet(f, 0, 1);
    fx_meet(f, 0, 2);
    int m = fx_meet(f, 0, 3);
    fx_fix(f, m, 5);
    fx_solve(f);
    assert_int_equal(fx_slot(f, m), 5);
    assert_int_equal(f->r.breaks, 0); /* the other two go to slots 3 and 4 */
    fx_free(f);
}

static void test_precedence_is_respected(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 4, 2, 3);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 0, 2);
    fx_fix(f, m0, 2);
    f->after[f->pb.n_after++] = m0;
    f->meets[m1].after_first = 0;
    f->meets[m1].after_count = 1;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m1), 3);
    fx_free(f);
}

static void test_precedence_that_cannot_hold_is_reported(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 4, 2, 3);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 1, 2);
    fx_fix(f, m0, 3);
    f->meets[m0].flags |= SCHED_M_FORCED;
    f->after[f->pb.n_after++] = m0;
    f->meets[m1].after_first = 0;
    f->meets[m1].after_count = 1;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m0), 3);
    assert_int_equal(fx_slot(f, m1), -1);
    assert_int_equal(f->r.placements[m1].reason, SCHED_R_PRECEDENCE);
    fx_free(f);
}

static void test_interpreter_cap_holds_per_slot(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 3, 6);
    f->pb.interpreter_cap = 1;
    for (int i = 0; i < 3; i++)
        f->meets[fx_meet(f, 2 * i, 2 * i + 1)].flags |= SCHED_M_INTERPRETER;
    fx_solve(f);
    assert_int_equal(f->r.placed, 2);
    assert_int_equal(f->r.interpreters_in_slot[0], 1);
    assert_int_equal(f->r.interpreters_in_slot[1], 1);
    for (int m = 0; m < 3; m++)
        if (fx_slot(f, m) < 0)
            assert_int_equal(f->r.placements[m].reason, SCHED_R_INTERPRETERS_FULL);
    fx_free(f);
}

static void test_slot_interpreter_count_overrides_cap(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 3, 4);
    f->pb.interpreter_cap = 5;
    f->slots[0].interpreters = 0;
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 2, 3);
    f->meets[m0].flags |= SCHED_M_INTERPRETER;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m0), 1);
    assert_true(fx_slot(f, m1) >= 0);
    fx_free(f);
}

static void test_veto_blocks_meeting(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 1, 2);
    int m = fx_meet(f, 0, 1);
    f->vetoes[f->pb.n_vetoes++] = (struct sched_pair){1, 0};
    fx_solve(f);
    assert_int_equal(fx_slot(f, m), -1);
    assert_int_equal(f->r.placements[m].reason, SCHED_R_VETO);
    fx_free(f);
}

static void test_group_rules_block_pair_unless_forced(void **state)
{
    /* Groups: 0 buyers, 1 suppliers; buyers meet suppliers only. */
    struct fx *f = fx_new(SCHED_PLACE, 2, 2, 3);
    f->pb.n_groups = 2;
    f->pb.group_allow = f->groups;
    f->groups[0 * 2 + 1] = 1;
    f->parts[0].group = 0;
    f->parts[1].group = 0;
    f->parts[2].group = 1;
    int bb = fx_meet(f, 0, 1), bs = fx_meet(f, 2, 0);
    fx_solve(f);
    assert_int_equal(fx_slot(f, bb), -1);
    assert_int_equal(f->r.placements[bb].reason, SCHED_R_GROUP);
    assert_true(fx_slot(f, bs) >= 0); /* either order of the groups is fine */
    f->meets[bb].flags |= SCHED_M_FORCED;
    fx_solve(f);
    assert_true(fx_slot(f, bb) >= 0);
    fx_free(f);
}

static void test_absent_participant_meets_nobody(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 1, 3);
    f->parts[2].absent = true;
    int m0 = fx_meet(f, 0, 2), m1 = fx_meet(f, 0, 1);
    fx_solve(f);
    assert_int_equal(fx_slot(f, m0), -1);
    assert_int_equal(f->r.placements[m0].reason, SCHED_R_ABSENT);
    assert_int_equal(f->r.placements[m0].who, 2);
    assert_true(fx_slot(f, m1) >= 0);
    fx_free(f);
}

/* ---- reasons ---- */

static void test_unplaceable_reports_no_common_slot(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 4, 1, 2);
    f->parts[0].id = "cn-ningbo-0042";
    fx_forbid(f, 0, 0);
    fx_forbid(f, 0, 1);
    fx_forbid(f, 1, 2);
    fx_forbid(f, 1, 3);
    int m = fx_meet(f, 0, 1);
    fx_solve(f);
    assert_int_equal(f->r.placements[m].reason, SCHED_R_NO_COMMON_SLOT);
    assert_non_null(strstr(f->r.placements[m].why, "cn-ningbo-0042"));
    assert_string_equal(sched_reason_name(SCHED_R_NO_COMMON_SLOT), "no_common_slot");
    fx_free(f);
}

static void test_unplaceable_reports_busy_participant(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 3, 4);
    f->parts[0].id = "de-berlin-7";
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 0, 2), m2 = fx_meet(f, 0, 3);
    f->meets[m0].flags |= SCHED_M_FORCED;
    f->meets[m1].flags |= SCHED_M_FORCED;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m2), -1);
    assert_int_equal(f->r.placements[m2].reason, SCHED_R_BUSY);
    assert_int_equal(f->r.placements[m2].who, 0);
    assert_non_null(strstr(f->r.placements[m2].why, "de-berlin-7 is busy in 2"));
    fx_free(f);
}

static void test_unplaceable_reports_fixed_slot_unavailable(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 3, 1, 2);
    int m = fx_meet(f, 0, 1);
    fx_fix(f, m, 1);
    fx_forbid(f, 1, 1);
    fx_solve(f);
    assert_int_equal(f->r.placements[m].reason, SCHED_R_FIXED_SLOT);
    assert_int_equal(f->r.placements[m].who, 1);
    fx_free(f);
}

static void test_forced_meetings_placed_before_accepted(void **state)
{
    /* One slot, one table, two meetings: the forced one wins whatever the order. */
    struct fx *f = fx_new(SCHED_PLACE, 1, 1, 4);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 2, 3);
    f->meets[m1].flags |= SCHED_M_FORCED;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m1), 0);
    assert_int_equal(fx_slot(f, m0), -1);
    assert_int_equal(f->r.placements[m0].reason, SCHED_R_TABLES_FULL);
    fx_free(f);
}

/* ---- breaks ---- */

static void test_star_meets_without_breaks(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 8, 4, 5);
    for (int i = 1; i < 5; i++)
        fx_meet(f, 0, i);
    fx_solve(f);
    assert_int_equal(f->r.breaks, 0);
    assert_true(f->r.optimal);
    fx_free(f);
}

static void test_break_counted_for_idle_slot_between_meetings(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 5, 1, 3);
    fx_fix(f, fx_meet(f, 0, 1), 0);
    fx_fix(f, fx_meet(f, 0, 2), 3);
    fx_solve(f);
    assert_int_equal(f->r.breaks, 1); /* slots 1-2 are one break, not two */
    assert_int_equal(f->r.breaks_of[0], 1);
    assert_int_equal(f->r.breaks_lower_bound, 1);
    assert_true(f->r.optimal);
    fx_free(f);
}

static void test_forbidden_slot_between_meetings_is_no_break(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 5, 1, 3);
    fx_forbid(f, 0, 1);
    fx_fix(f, fx_meet(f, 0, 1), 0);
    fx_fix(f, fx_meet(f, 0, 2), 2);
    fx_solve(f);
    assert_int_equal(f->r.breaks, 0);
    /* Idle, forbidden, idle between two meetings is one break. */
    fx_forbid(f, 0, 2);
    f->meets[1].fixed_slot = 4;
    fx_solve(f);
    assert_int_equal(f->r.breaks, 1);
    fx_free(f);
}

static void test_no_break_across_sessions_or_days(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 6, 1, 4);
    f->slots[2].session = f->slots[3].session = 1; /* day 0: 0-1 am, 2-3 pm */
    f->slots[4].day = f->slots[5].day = 1;         /* day 1: 4-5 am */
    fx_fix(f, fx_meet(f, 0, 1), 0);
    fx_fix(f, fx_meet(f, 0, 2), 3);
    fx_fix(f, fx_meet(f, 0, 3), 5);
    fx_solve(f);
    assert_int_equal(f->r.breaks, 0);
    fx_free(f);
}

static void test_unavoidable_break_is_kept_short(void **state)
{
    /* Meetings fixed in slots 0 and 3, a third free one: slots 1 or 2 leave one idle slot, 4
       leaves two (same single break), 5 makes two breaks. */
    struct fx *f = fx_new(SCHED_PLACE, 6, 2, 4);
    fx_fix(f, fx_meet(f, 0, 2), 0);
    fx_fix(f, fx_meet(f, 0, 3), 3);
    int m = fx_meet(f, 0, 1);
    fx_solve(f);
    assert_int_equal(f->r.breaks, 1);
    assert_int_equal(f->r.idle, 1);
    assert_true(fx_slot(f, m) == 1 || fx_slot(f, m) == 2);
    fx_free(f);
}

static void test_breaks_reach_hand_computed_optimum(void **state)
{
    /* Participant 0 meets 1 and 2; 1 and 2 each have a meeting fixed in slot 1. For 0 to have
       no break its meetings take slots 2 and 3, and then 1 or 2 waits in slot 2: the optimum is
       one break, which no per-participant bound sees. */
    struct fx *f = fx_new(SCHED_PLACE, 4, 4, 5);
    fx_meet(f, 0, 1);
    fx_meet(f, 0, 2);
    fx_fix(f, fx_meet(f, 1, 3), 1);
    fx_fix(f, fx_meet(f, 2, 4), 1);
    fx_solve(f);
    assert_int_equal(f->r.placed, 4);
    assert_int_equal(f->r.breaks, 1);
    assert_int_equal(f->r.breaks_lower_bound, 0);
    fx_free(f);
}

static void test_breaks_minimised_on_two_tables(void **state)
{
    /* Six participants, a full round robin of 15 meetings on 3 tables over 5 slots: every
       participant meets in every slot, so the optimum has no break. */
    struct fx *f = fx_new(SCHED_PLACE, 5, 3, 6);
    for (int a = 0; a < 6; a++)
        for (int b = a + 1; b < 6; b++)
            fx_meet(f, a, b);
    fx_solve(f);
    assert_int_equal(f->r.placed, 15);
    assert_int_equal(f->r.breaks, 0);
    fx_free(f);
}

static void test_breaks_are_spread_fairly(void **state)
{
    /* Participant 2 has meetings fixed in slots 0 and 4 and meets 1 in between: at least one
       break. Meeting (1,2) in slot 2 lets everyone else go without breaks but gives 2 two
       breaks (total 2, max 2); the fair schedules split the same total 1 + 1. Found and checked
       by exhaustive search. */
    struct fx *f = fx_new(SCHED_PLACE, 5, 3, 4);
    fx_forbid(f, 3, 0);
    fx_meet(f, 1, 0);
    fx_meet(f, 3, 1);
    fx_fix(f, fx_meet(f, 0, 2), 0);
    fx_meet(f, 3, 0);
    fx_meet(f, 2, 1);
    fx_fix(f, fx_meet(f, 3, 2), 4);
    fx_solve(f);
    assert_int_equal(f->r.placed, 6);
    assert_int_equal(f->r.breaks, 2);
    assert_int_equal(f->r.max_breaks, 1);
    assert_int_equal(f->r.sumsq_breaks, 2);
    fx_free(f);
}

/* ---- choose mode ---- */

static void test_choose_maximises_value(void **state)
{
    /* Two slots, one table: two meetings. Best: (0,1)=10 and (0,2)=6 (or (1,2)), value 16. */
    struct fx *f = fx_new(SCHED_CHOOSE, 2, 1, 3);
    f->meets[fx_meet(f, 0, 1)].value = 10;
    f->meets[fx_meet(f, 0, 2)].value = 6;
    f->meets[fx_meet(f, 1, 2)].value = 5;
    fx_solve(f);
    assert_int_equal(f->r.placed, 2);
    assert_int_equal(f->r.value, 16);
    fx_free(f);
}

static void test_choose_prefers_value_over_greedy_pick(void **state)
{
    /* One slot, two tables. Greedy by value takes (0,1)=10; (0,2)+(1,3)=12 is better, and also
       covers more participants. With participants 2 and 3 covered elsewhere it is value alone. */
    struct fx *f = fx_new(SCHED_CHOOSE, 1, 2, 4);
    f->meets[fx_meet(f, 0, 1)].value = 10;
    f->meets[fx_meet(f, 0, 2)].value = 6;
    f->meets[fx_meet(f, 1, 3)].value = 6;
    fx_solve(f);
    assert_int_equal(f->r.value, 12);
    assert_int_equal(f->r.covered, 4);
    fx_free(f);
}

static void test_choose_fills_min_targets_first(void **state)
{
    /* Two slots, one table. (1,2)=100 would be the best value, but participant 0 wants two
       meetings: (0,1) and (0,2) fill its minimum and cover as many participants. */
    struct fx *f = fx_new(SCHED_CHOOSE, 2, 1, 3);
    f->parts[0].min_meetings = 2;
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 0, 2), m2 = fx_meet(f, 1, 2);
    f->meets[m0].value = 1;
    f->meets[m1].value = 1;
    f->meets[m2].value = 100;
    fx_solve(f);
    assert_true(fx_slot(f, m0) >= 0 && fx_slot(f, m1) >= 0);
    assert_int_equal(fx_slot(f, m2), -1);
    assert_int_equal(f->r.fill, 2);
    fx_free(f);
}

static void test_choose_leaves_nobody_without_meeting(void **state)
{
    struct fx *f = fx_new(SCHED_CHOOSE, 2, 1, 4);
    f->meets[fx_meet(f, 0, 1)].value = 100;
    f->meets[fx_meet(f, 0, 2)].value = 1;
    f->meets[fx_meet(f, 1, 3)].value = 1;
    fx_solve(f);
    assert_int_equal(f->r.covered, 4);
    for (int p = 0; p < 4; p++)
        assert_true(f->r.meetings_of[p] >= 1);
    fx_free(f);
}

static void test_choose_places_accepted_before_optional(void **state)
{
    struct fx *f = fx_new(SCHED_CHOOSE, 1, 1, 4);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 2, 3);
    f->meets[m0].value = 100;
    f->meets[m1].value = 1;
    f->meets[m1].flags |= SCHED_M_ACCEPTED;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m1), 0);
    assert_int_equal(f->r.must_placed, 1);
    fx_free(f);
}

static void test_choose_suggestions_need_switch_and_threshold(void **state)
{
    struct fx *f = fx_new(SCHED_CHOOSE, 2, 2, 4);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 2, 3);
    f->meets[m0].flags |= SCHED_M_SUGGESTION;
    f->meets[m0].value = 50;
    f->meets[m1].flags |= SCHED_M_SUGGESTION;
    f->meets[m1].value = 5;
    fx_solve(f);
    assert_int_equal(f->r.placed, 0);
    assert_int_equal(f->r.placements[m0].reason, SCHED_R_SUGGESTION_OFF);
    f->pb.suggestions = true;
    f->pb.suggestion_min = 10;
    fx_solve(f);
    assert_true(fx_slot(f, m0) >= 0);
    assert_int_equal(fx_slot(f, m1), -1);
    assert_int_equal(f->r.placements[m1].reason, SCHED_R_SUGGESTION_OFF);
    /* A veto beats any suggestion. */
    f->vetoes[f->pb.n_vetoes++] = (struct sched_pair){0, 1};
    fx_solve(f);
    assert_int_equal(f->r.placements[m0].reason, SCHED_R_VETO);
    fx_free(f);
}

static void test_choose_takes_optional_meeting_that_adds_no_break(void **state)
{
    /* Participant 0 has a fixed meeting in slot 0; optional (0,2) fits only in slot 2. */
    struct fx *f = fx_new(SCHED_CHOOSE, 3, 2, 4);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 0, 2), m2 = fx_meet(f, 2, 3);
    f->meets[m0].flags |= SCHED_M_ACCEPTED;
    f->meets[m2].flags |= SCHED_M_ACCEPTED;
    fx_fix(f, m0, 0);
    fx_fix(f, m2, 2);
    fx_forbid(f, 2, 0);
    f->meets[m1].value = 10;
    /* (0,2) can go in slot 1 only (2 busy in slot 2, forbidden in 0): no break, taken. */
    f->pb.break_cost = SCHED_BREAKS_FIRST;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m1), 1);
    assert_int_equal(f->r.breaks, 0);
    /* Now slot 1 is forbidden to 2 as well: the meeting has no slot. */
    fx_forbid(f, 2, 1);
    fx_solve(f);
    assert_int_equal(fx_slot(f, m1), -1);
    fx_free(f);
}

static void test_choose_break_cost_accepts_break_when_value_is_higher(void **state)
{
    /* Participant 0: accepted meeting fixed in slot 0; optional (0,2) possible only in slot 2,
       which gives 0 a break. Breaks first: left out. Break cost 5 < value 10: placed. */
    struct fx *f = fx_new(SCHED_CHOOSE, 3, 2, 4);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 0, 2), m2 = fx_meet(f, 2, 3);
    f->meets[m0].flags |= SCHED_M_ACCEPTED;
    f->meets[m2].flags |= SCHED_M_ACCEPTED;
    fx_fix(f, m0, 0);
    fx_fix(f, m2, 1);
    fx_forbid(f, 2, 0);
    f->meets[m1].value = 10;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m1), -1);
    assert_int_equal(f->r.placements[m1].reason, SCHED_R_NOT_CHOSEN);
    f->pb.break_cost = 5;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m1), 2);
    assert_int_equal(f->r.breaks, 1);
    f->pb.break_cost = 20;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m1), -1);
    fx_free(f);
}

/* ---- live re-scheduling ---- */

/* Turn the last result into the published schedule. */
static void publish(struct fx *f)
{
    for (int m = 0; m < f->pb.n_meetings; m++) {
        struct sched_meeting *x = &f->meets[m];
        x->flags &= ~SCHED_M_PUBLISHED;
        if (f->r.placements[m].slot >= 0) {
            x->flags |= SCHED_M_PUBLISHED;
            x->prev_slot = f->r.placements[m].slot;
            x->prev_table = f->r.placements[m].table;
        }
    }
}

static struct fx *expo(int P, int S, int T, int M, uint64_t seed)
{
    struct fx *f = fx_new(SCHED_PLACE, S, T, P);
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    f->pb.seed = seed;
    for (int i = 0; i < M; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int a = (int)(x % (uint64_t)P), b = (int)((x >> 20) % (uint64_t)P);
        if (a != b)
            fx_meet(f, a, b);
    }
    return f;
}

static void test_reschedule_keeps_feasible_meetings_in_place(void **state)
{
    struct fx *f = expo(30, 10, 8, 70, 7);
    fx_solve(f);
    publish(f);
    /* A no-show. */
    f->parts[3].absent = true;
    fx_solve(f);
    for (int m = 0; m < f->pb.n_meetings; m++) {
        const struct sched_meeting *x = &f->meets[m];
        if (!(x->flags & SCHED_M_PUBLISHED))
            continue;
        if (x->a == 3 || x->b == 3) {
            assert_int_equal(f->r.placements[m].moved, SCHED_MOVE_DROPPED);
            assert_int_equal(f->r.placements[m].reason, SCHED_R_ABSENT);
        } else {
            assert_int_equal(f->r.placements[m].moved, SCHED_MOVE_NONE);
        }
    }
    fx_free(f);
}

static void test_reschedule_table_out_of_use_changes_table_only(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 2, 4);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 2, 3);
    fx_fix(f, m0, 0);
    fx_fix(f, m1, 1);
    fx_solve(f);
    publish(f);
    int t = f->r.placements[m0].table;
    sched_slots_add(&f->tables[t].closed, 0);
    fx_solve(f);
    assert_int_equal(fx_slot(f, m0), 0);
    assert_int_equal(f->r.placements[m0].table, 1 - t);
    assert_int_equal(f->r.placements[m0].moved, SCHED_MOVE_TABLE);
    assert_int_equal(f->r.placements[m1].moved, SCHED_MOVE_NONE);
    assert_int_equal(f->r.moved, 1);
    fx_free(f);
}

static void test_reschedule_walk_in_fills_gap_of_no_show(void **state)
{
    /* Participant 0 meets 1, 2, 3 in slots 0, 1, 2. Participant 2 does not show up; walk-in 4
       wants to meet 0 and goes into the hole, so 0 keeps a day without breaks. */
    struct fx *f = fx_new(SCHED_PLACE, 4, 2, 5);
    f->parts[4].absent = true;
    for (int i = 1; i <= 3; i++)
        fx_fix(f, fx_meet(f, 0, i), i - 1);
    fx_solve(f);
    publish(f);
    for (int m = 0; m < 3; m++)
        f->meets[m].flags &= ~SCHED_M_FIXED_SLOT;
    f->parts[2].absent = true;
    f->parts[4].absent = false;
    int w = fx_meet(f, 0, 4);
    fx_solve(f);
    assert_int_equal(fx_slot(f, w), 1);
    assert_int_equal(f->r.placements[1].moved, SCHED_MOVE_DROPPED);
    assert_int_equal(f->r.placements[0].moved, SCHED_MOVE_NONE);
    assert_int_equal(f->r.placements[2].moved, SCHED_MOVE_NONE);
    assert_int_equal(f->r.breaks, 0);
    assert_int_equal(f->r.moved, 1);
    fx_free(f);
}

static void test_reschedule_moves_only_meetings_that_became_infeasible(void **state)
{
    struct fx *f = expo(20, 8, 6, 40, 11);
    fx_solve(f);
    publish(f);
    /* Participant 5 cannot come to the first two slots any more. */
    fx_forbid(f, 5, 0);
    fx_forbid(f, 5, 1);
    fx_solve(f);
    for (int m = 0; m < f->pb.n_meetings; m++) {
        const struct sched_meeting *x = &f->meets[m];
        if (!(x->flags & SCHED_M_PUBLISHED))
            continue;
        bool hit = (x->a == 5 || x->b == 5) && x->prev_slot < 2;
        if (!hit)
            assert_int_equal(f->r.placements[m].moved, SCHED_MOVE_NONE);
        else
            assert_int_not_equal(f->r.placements[m].moved, SCHED_MOVE_NONE);
    }
    fx_free(f);
}

static void test_locked_meeting_stays_where_fixed(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 4, 2, 3);
    int m0 = fx_meet(f, 0, 1), m1 = fx_meet(f, 0, 2);
    f->meets[m0].flags |= SCHED_M_LOCKED | SCHED_M_FIXED_TABLE;
    fx_fix(f, m0, 3);
    f->meets[m0].fixed_table = 1;
    fx_solve(f);
    assert_int_equal(fx_slot(f, m0), 3);
    assert_int_equal(f->r.placements[m0].table, 1);
    assert_int_equal(fx_slot(f, m1), 2);
    fx_free(f);
}

/* ---- limits and determinism ---- */

static void test_deadline_is_respected(void **state)
{
    struct fx *f = expo(400, 24, 40, 2000, 3);
    f->pb.effort = 1000;
    f->pb.deadline_ms = 100;
    fx_solve(f);
    /* Generous: sanitizer builds are slow, but the search stops at the deadline. */
    assert_true(f->r.elapsed_ms < 100 + 900);
    fx_free(f);
}

static void test_same_seed_gives_same_schedule(void **state)
{
    struct fx *f = expo(40, 12, 10, 120, 5);
    struct sched_result first;
    fx_solve(f);
    first = f->r;
    memset(&f->r, 0, sizeof(f->r));
    fx_solve(f);
    for (int m = 0; m < f->pb.n_meetings; m++) {
        assert_int_equal(first.placements[m].slot, f->r.placements[m].slot);
        assert_int_equal(first.placements[m].table, f->r.placements[m].table);
    }
    assert_int_equal(first.breaks, f->r.breaks);
    sched_result_release(&first);
    fx_free(f);
}

static void test_invalid_problem_names_the_field(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 1, 2);
    fx_meet(f, 0, 1);
    fx_meet(f, 1, 1);
    assert_int_equal(sched_solve(&f->pb, &f->r), SM_EINVAL);
    assert_string_equal(f->r.error.field, "meetings[1].b");
    sched_result_release(&f->r);
    f->pb.n_slots = 0;
    assert_int_equal(sched_solve(&f->pb, &f->r), SM_EINVAL);
    assert_string_equal(f->r.error.field, "slots");
    fx_free(f);
}

static void test_empty_problem_is_fine(void **state)
{
    struct fx *f = fx_new(SCHED_CHOOSE, 3, 0, 0);
    fx_solve(f);
    assert_int_equal(f->r.placed, 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nobody_in_two_meetings_in_one_slot),
        cmocka_unit_test(test_meeting_avoids_forbidden_slot),
        cmocka_unit_test(test_table_hosts_one_meeting_per_slot),
        cmocka_unit_test(test_closed_table_is_not_used),
        cmocka_unit_test(test_pair_meets_once),
        cmocka_unit_test(test_cap_is_respected_and_reported),
        cmocka_unit_test(test_booth_owner_meets_only_at_booth),
        cmocka_unit_test(test_two_booth_owners_meet_at_either_booth),
        cmocka_unit_test(test_booth_owner_without_open_booth_is_reported),
        cmocka_unit_test(test_session_binding_is_respected),
        cmocka_unit_test(test_fixed_slot_is_respected),
        cmocka_unit_test(test_precedence_is_respected),
        cmocka_unit_test(test_precedence_that_cannot_hold_is_reported),
        cmocka_unit_test(test_interpreter_cap_holds_per_slot),
        cmocka_unit_test(test_slot_interpreter_count_overrides_cap),
        cmocka_unit_test(test_veto_blocks_meeting),
        cmocka_unit_test(test_group_rules_block_pair_unless_forced),
        cmocka_unit_test(test_absent_participant_meets_nobody),
        cmocka_unit_test(test_unplaceable_reports_no_common_slot),
        cmocka_unit_test(test_unplaceable_reports_busy_participant),
        cmocka_unit_test(test_unplaceable_reports_fixed_slot_unavailable),
        cmocka_unit_test(test_forced_meetings_placed_before_accepted),
        cmocka_unit_test(test_star_meets_without_breaks),
        cmocka_unit_test(test_break_counted_for_idle_slot_between_meetings),
        cmocka_unit_test(test_forbidden_slot_between_meetings_is_no_break),
        cmocka_unit_test(test_no_break_across_sessions_or_days),
        cmocka_unit_test(test_unavoidable_break_is_kept_short),
        cmocka_unit_test(test_breaks_reach_hand_computed_optimum),
        cmocka_unit_test(test_breaks_minimised_on_two_tables),
        cmocka_unit_test(test_breaks_are_spread_fairly),
        cmocka_unit_test(test_choose_maximises_value),
        cmocka_unit_test(test_choose_prefers_value_over_greedy_pick),
        cmocka_unit_test(test_choose_fills_min_targets_first),
        cmocka_unit_test(test_choose_leaves_nobody_without_meeting),
        cmocka_unit_test(test_choose_places_accepted_before_optional),
        cmocka_unit_test(test_choose_suggestions_need_switch_and_threshold),
        cmocka_unit_test(test_choose_takes_optional_meeting_that_adds_no_break),
        cmocka_unit_test(test_choose_break_cost_accepts_break_when_value_is_higher),
        cmocka_unit_test(test_reschedule_keeps_feasible_meetings_in_place),
        cmocka_unit_test(test_reschedule_table_out_of_use_changes_table_only),
        cmocka_unit_test(test_reschedule_walk_in_fills_gap_of_no_show),
        cmocka_unit_test(test_reschedule_moves_only_meetings_that_became_infeasible),
        cmocka_unit_test(test_locked_meeting_stays_where_fixed),
        cmocka_unit_test(test_deadline_is_respected),
        cmocka_unit_test(test_same_seed_gives_same_schedule),
        cmocka_unit_test(test_invalid_problem_names_the_field),
        cmocka_unit_test(test_empty_problem_is_fine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
