/*
 * test_sched_check.c - the independent checker catches each broken hard rule and each total that
 * disagrees: a valid schedule is tampered with one rule at a time.
 */
#include "fixture.h"

/*
 * Four slots, three shared tables and a booth (table 3, owner 4). Meetings:
 * 0 (0,1) fixed slot 0; 1 (0,2) slot 1; 2 (2,3) slot 2 after meeting 0, interpreter;
 * 3 (4,5) at the booth; 4 (1,3).
 */
static struct fx *valid(void)
{
    struct fx *f = fx_new(SCHED_PLACE, 4, 4, 6);
    f->tables[3].owner = 4;
    f->pb.interpreter_cap = 1;
    fx_fix(f, fx_meet(f, 0, 1), 0);
    fx_meet(f, 0, 2);
    int m2 = fx_meet(f, 2, 3);
    f->meets[m2].flags |= SCHED_M_INTERPRETER;
    f->after[f->pb.n_after++] = 0;
    f->meets[m2].after_first = 0;
    f->meets[m2].after_count = 1;
    fx_meet(f, 4, 5);
    fx_meet(f, 1, 3);
    fx_solve(f);
    assert_int_equal(f->r.placed, 5);
    return f;
}

static void expect(struct fx *f, const char *text)
{
    assert_int_equal(sched_check(&f->pb, &f->r, &f->chk), SM_EINVAL);
    if (!strstr(f->chk.first, text))
        fail_msg("expected \"%s\", got \"%s\"", text, f->chk.first);
    fx_free(f);
}

static void test_check_accepts_valid_schedule(void **state)
{
    struct fx *f = valid();
    assert_int_equal(sched_check(&f->pb, &f->r, &f->chk), 0);
    assert_int_equal(f->chk.breaks, f->r.breaks);
    assert_int_equal(f->chk.placed, 5);
    fx_free(f);
}

static void test_check_catches_participant_in_two_meetings(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 2, 3);
    fx_meet(f, 0, 1);
    fx_meet(f, 0, 2);
    fx_solve(f);
    f->r.placements[1].slot = f->r.placements[0].slot;
    f->r.placements[1].table = 1 - f->r.placements[0].table;
    expect(f, "participant 0 in meetings 0 and 1");
}

static void test_check_catches_forbidden_slot(void **state)
{
    struct fx *f = valid();
    fx_forbid(f, 5, f->r.placements[3].slot);
    expect(f, "forbidden to participant 5");
}

static void test_check_catches_double_booked_table(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 1, 2, 4);
    fx_meet(f, 0, 1);
    fx_meet(f, 2, 3);
    fx_solve(f);
    f->r.placements[1].table = f->r.placements[0].table;
    expect(f, "hosts meetings 0 and 1");
}

static void test_check_catches_closed_table(void **state)
{
    struct fx *f = valid();
    sched_slots_add(&f->tables[f->r.placements[1].table].closed, f->r.placements[1].slot);
    expect(f, "closed");
}

static void test_check_catches_booth_rules(void **state)
{
    struct fx *f = valid();
    f->r.placements[3].table = 0; /* the booth owner away from its booth */
    for (int m = 0; m < 5; m++)
        if (m != 3 && f->r.placements[m].slot == f->r.placements[3].slot &&
            f->r.placements[m].table == 0)
            f->r.placements[m].table = 2;
    expect(f, "booth owner not at an own booth");
    f = valid();
    f->r.placements[1].table = 3; /* someone else at the booth */
    expect(f, "uses booth 3");
}

static void test_check_catches_cap(void **state)
{
    struct fx *f = valid();
    f->parts[0].max_meetings = 1;
    expect(f, "cap 1");
}

static void test_check_catches_pair_meeting_twice(void **state)
{
    struct fx *f = fx_new(SCHED_PLACE, 2, 1, 2);
    fx_meet(f, 0, 1);
    fx_meet(f, 1, 0);
    fx_solve(f);
    int kept = f->r.placements[0].slot >= 0 ? 0 : 1, dup = 1 - kept;
    assert_int_equal(f->r.placements[dup].reason, SCHED_R_DUPLICATE);
    f->r.placements[dup].slot = 1 - f->r.placements[kept].slot;
    f->r.placements[dup].table = 0;
    f->r.placements[dup].reason = SCHED_R_PLACED;
    expect(f, "meet twice");
}

static void test_check_catches_fixed_slot_session_and_fixed_table(void **state)
{
    struct fx *f = valid();
    f->meets[1].flags |= SCHED_M_FIXED_SLOT;
    f->meets[1].fixed_slot = (f->r.placements[1].slot + 1) % 4;
    expect(f, "fixed to");
    f = valid();
    f->meets[1].flags |= SCHED_M_SESSION;
    f->meets[1].session = 1;
    expect(f, "bound to 1");
    f = valid();
    f->meets[1].flags |= SCHED_M_FIXED_TABLE;
    f->meets[1].fixed_table = (f->r.placements[1].table + 1) % 3;
    expect(f, "at table");
}

static void test_check_catches_precedence(void **state)
{
    struct fx *f = valid();
    f->meets[0].after_first = 0;
    f->after[0] = 2;
    f->meets[0].after_count = 1; /* now 0 must follow 2, and 2 must follow 0 */
    expect(f, "must come after");
}

static void test_check_catches_interpreter_cap(void **state)
{
    struct fx *f = valid();
    f->meets[1].flags |= SCHED_M_INTERPRETER;
    f->pb.interpreter_cap = 0;
    expect(f, "interpreters, cap 0");
}

static void test_check_catches_veto_group_and_absent(void **state)
{
    struct fx *f = valid();
    f->vetoes[f->pb.n_vetoes++] = (struct sched_pair){2, 0};
    expect(f, "vetoed");
    f = valid();
    f->pb.n_groups = 2;
    f->pb.group_allow = f->groups;
    f->groups[1] = f->groups[2] = 1; /* only 0-1 meets */
    expect(f, "may not meet");
    f = valid();
    f->parts[5].absent = true;
    expect(f, "absent");
}

static void test_check_catches_wrong_totals(void **state)
{
    struct fx *f = valid();
    f->r.breaks++;
    expect(f, "breaks");
    f = valid();
    f->r.value += 3;
    expect(f, "value");
    f = valid();
    f->r.placements[1].moved = SCHED_MOVE_SLOT;
    expect(f, "moved");
}

static void test_check_counts_breaks_by_definition(void **state)
{
    /* One participant, eight slots in two sessions of four: 0-3 and 4-7. */
    struct fx *f = fx_new(SCHED_PLACE, 8, 1, 8);
    for (int s = 4; s < 8; s++)
        f->slots[s].session = 1;
    for (int i = 1; i < 8; i++)
        fx_meet(f, 0, i);
    int slots[7];
    int cases[][7] = {
        /* slots of meetings 0..6 (-1 unplaced), expected breaks of participant 0 */
        {0, 1, 2, 3, -1, -1, -1},   /* consecutive: 0 */
        {0, 2, -1, -1, -1, -1, -1}, /* one idle slot between: 1 */
        {0, 3, -1, -1, -1, -1, -1}, /* two idle slots are one break: 1 */
        {0, 2, 3, 5, 7, -1, -1},    /* one in the morning, one in the afternoon: 2 */
        {3, 4, -1, -1, -1, -1, -1}, /* across the session boundary: 0 */
        {1, -1, -1, -1, -1, -1, 2}, /* idle before the first and after the last: 0 */
    };
    int want[] = {0, 1, 1, 2, 0, 0};
    for (size_t c = 0; c < sizeof(want) / sizeof(want[0]); c++) {
        memcpy(slots, cases[c], sizeof(slots));
        int brk[8];
        assert_int_equal(sched_check_breaks(&f->pb, slots, brk, NULL), want[c]);
        assert_int_equal(brk[0], want[c]);
    }
    /* Idle slots inside breaks: 0 _ 2 3 _ 5 _ 7 has two, 0 _ _ 3 has two. */
    int idle = -1, c1[7] = {0, 2, 3, 5, 7, -1, -1}, c2[7] = {0, 3, -1, -1, -1, -1, -1};
    assert_int_equal(sched_check_breaks_idle(&f->pb, c1, NULL, NULL, &idle), 2);
    assert_int_equal(idle, 2);
    assert_int_equal(sched_check_breaks_idle(&f->pb, c2, NULL, NULL, &idle), 1);
    assert_int_equal(idle, 2);
    /* A forbidden slot is transparent: 0 _ X 3 is one break, 0 X X 3 none. */
    int a[7] = {0, 3, -1, -1, -1, -1, -1};
    fx_forbid(f, 0, 2);
    assert_int_equal(sched_check_breaks(&f->pb, a, NULL, NULL), 1);
    fx_forbid(f, 0, 1);
    assert_int_equal(sched_check_breaks(&f->pb, a, NULL, NULL), 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_accepts_valid_schedule),
        cmocka_unit_test(test_check_catches_participant_in_two_meetings),
        cmocka_unit_test(test_check_catches_forbidden_slot),
        cmocka_unit_test(test_check_catches_double_booked_table),
        cmocka_unit_test(test_check_catches_closed_table),
        cmocka_unit_test(test_check_catches_booth_rules),
        cmocka_unit_test(test_check_catches_cap),
        cmocka_unit_test(test_check_catches_pair_meeting_twice),
        cmocka_unit_test(test_check_catches_fixed_slot_session_and_fixed_table),
        cmocka_unit_test(test_check_catches_precedence),
        cmocka_unit_test(test_check_catches_interpreter_cap),
        cmocka_unit_test(test_check_catches_veto_group_and_absent),
        cmocka_unit_test(test_check_catches_wrong_totals),
        cmocka_unit_test(test_check_counts_breaks_by_definition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
