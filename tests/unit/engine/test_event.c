/* test_event.c - the event model: times and zones, event validation, slot generation, records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include "sm.h"

#include "arena.h"
#include "event.h"
#include "testutil.h"

/* Decode event JSON; returns the error code, with e filled. */
static int decode(const char *json, struct arena *ar, struct ev_config *c, struct sm_error *e)
{
    msgpack_unpacked u;
    int rc;

    sm_error_clear(e);
    rc = ev_config_decode(tu_obj(&u, json), false, ar, c, e);
    msgpack_unpacked_destroy(&u);
    return rc;
}

/* Expect decoding to fail with SM_EINVAL on field. */
static void expect_field(const char *json, const char *field)
{
    struct arena *ar = NULL;
    struct ev_config c;
    struct sm_error e;

    assert_int_equal(arena_new(&ar, 0), 0);
    assert_int_equal(decode(json, ar, &c, &e), SM_EINVAL);
    assert_string_equal(e.field, field);
    arena_destroy(&ar);
}

#define TABLES "\"tables\": [{\"id\": \"t1\"}]"

static void test_time_parse_needs_an_offset_and_keeps_it(void **state)
{
    int64_t ms;
    int off;
    char out[EV_TIME_MAX];

    (void)state;
    assert_int_equal(ev_time_parse("2026-05-12T09:00:00+08:00", 25, &ms, &off), 0);
    assert_int_equal(off, 480);
    assert_int_equal(ms, 1778547600000LL);
    ev_time_format(ms, off, out);
    assert_string_equal(out, "2026-05-12T09:00:00+08:00");
    assert_int_equal(ev_time_parse("2026-05-12T01:00Z", 17, &ms, &off), 0);
    assert_int_equal(ms, 1778547600000LL);
    assert_int_equal(off, 0);
    assert_int_equal(ev_time_parse("2026-05-12T09:00:00.250-05:30", 29, &ms, &off), 0);
    assert_int_equal(off, -330);
    ev_time_format(ms, off, out);
    assert_string_equal(out, "2026-05-12T09:00:00-05:30");
    assert_int_equal(ev_time_parse("2026-05-12T09:00:00", 19, &ms, &off), -1); /* no offset */
    assert_int_equal(ev_time_parse("2026-02-30T09:00:00Z", 20, &ms, &off), -1);
    assert_int_equal(ev_time_parse("2026-05-12T24:00:00Z", 20, &ms, &off), -1);
    assert_int_equal(ev_time_parse("2026-05-12 09:00:00Z", 20, &ms, &off), -1);
}

static void test_zones_fixed_and_iana_with_summer_time(void **state)
{
    struct ev_tz *tz = NULL;
    int64_t ms;
    int off;

    (void)state;
    assert_int_equal(ev_tz_load("+05:30", 6, &tz), 0);
    assert_int_equal(ev_tz_offset(tz, 0), 330);
    ev_tz_free(&tz);
    assert_null(tz);
    assert_int_equal(ev_tz_load("Europe/Berlin", 13, &tz), 0);
    assert_int_equal(ev_time_parse("2026-01-15T12:00:00Z", 20, &ms, &off), 0);
    assert_int_equal(ev_tz_offset(tz, ms), 60);
    assert_int_equal(ev_time_parse("2026-07-15T12:00:00Z", 20, &ms, &off), 0);
    assert_int_equal(ev_tz_offset(tz, ms), 120);
    /* Local 09:00 on 2026-07-15 in Berlin is 07:00 UTC. */
    assert_int_equal(ev_time_parse("2026-07-15T09:00:00Z", 20, &ms, &off), 0);
    assert_int_equal(ev_tz_to_utc(tz, ms), ms - 2 * 3600 * 1000);
    ev_tz_free(&tz);
    assert_int_equal(ev_tz_load("Mars/Olympus", 12, &tz), SM_EINVAL);
    assert_int_equal(ev_tz_load("../../etc/passwd", 16, &tz), SM_EINVAL);
    assert_int_equal(ev_tz_load("+25:00", 6, &tz), SM_EINVAL);
}

static void test_day_plan_makes_slots_around_breaks_in_sessions(void **state)
{
    struct arena *ar = NULL;
    struct ev_config c;
    struct sm_error e;
    char t[EV_TIME_MAX];

    (void)state;
    assert_int_equal(arena_new(&ar, 0), 0);
    assert_int_equal(
        decode("{\"id\": \"e1\", \"name\": \"Expo\", \"timezone\": \"Asia/Shanghai\", \"plan\": "
               "{\"dates\": [\"2026-05-12\", \"2026-05-13\"], \"start\": \"09:00\", \"end\": "
               "\"12:10\", \"slot_minutes\": 30, \"breaks\": [{\"start\": \"10:30\", \"end\": "
               "\"10:45\"}]}, " TABLES "}",
               ar, &c, &e),
        0);
    /* Per day: 09:00, 09:30, 10:00 | break | 10:45, 11:15 (11:45 would end after 12:10). */
    assert_int_equal(c.n_slots, 10);
    assert_int_equal(c.n_sessions, 2);
    assert_string_equal(c.sessions[0], "morning");
    assert_string_equal(c.sessions[1], "afternoon");
    assert_int_equal(c.slots[2].session, 0);
    assert_int_equal(c.slots[3].session, 1);
    assert_int_equal(c.slots[4].day, 0);
    assert_int_equal(c.slots[5].day, 1);
    ev_time_format(c.slots[3].start_ms, c.slots[3].off_min, t);
    assert_string_equal(t, "2026-05-12T10:45:00+08:00");
    ev_time_format(c.slots[9].end_ms, c.slots[9].off_min, t);
    assert_string_equal(t, "2026-05-13T11:45:00+08:00");
    assert_int_equal(c.interpreter_cap, -1);
    arena_destroy(&ar);
}

static void test_explicit_slots_and_tables_round_trip_through_the_record(void **state)
{
    struct arena *ar = NULL;
    struct ev_config c, d;
    struct sm_error e;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked u;

    (void)state;
    assert_int_equal(arena_new(&ar, 0), 0);
    assert_int_equal(
        decode("{\"id\": \"e2\", \"name\": \"Expo\", \"timezone\": \"+01:00\", \"slots\": ["
               "{\"start\": \"2026-05-12T09:00:00+01:00\", \"end\": \"2026-05-12T09:20:00+01:00\", "
               "\"session\": \"am\"},"
               "{\"start\": \"2026-05-12T08:20:00Z\", \"end\": \"2026-05-12T08:40:00Z\", "
               "\"session\": \"am\"}], \"tables\": [{\"id\": \"t1\", \"label\": \"One\"}, "
               "{\"id\": \"b1\", \"owner\": \"cn-1\"}], \"settings\": {\"interpreter_cap\": 2, "
               "\"request_expiry_minutes\": 30, \"group_rules\": [[\"buyer\", \"supplier\"]]}}",
               ar, &c, &e),
        0);
    assert_int_equal(c.n_slots, 2);
    assert_int_equal(c.slots[1].off_min, 60); /* written in the event's zone */
    assert_int_equal(c.expiry_ms, 30 * 60000);
    assert_true(ev_groups_allowed(&c, 0, 1));
    assert_false(ev_groups_allowed(&c, 0, 0));
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assert_int_equal(ev_config_pack(&c, &pk), 0);
    msgpack_unpacked_init(&u);
    assert_true(msgpack_unpack_next(&u, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(ev_config_decode(&u.data, true, ar, &d, &e), 0);
    assert_int_equal(d.n_slots, 2);
    assert_int_equal(d.slots[1].start_ms, c.slots[1].start_ms);
    assert_int_equal(d.n_tables, 2);
    assert_string_equal(d.tables[1].owner, "cn-1");
    assert_string_equal(d.tables[0].label, "One");
    assert_int_equal(d.interpreter_cap, 2);
    assert_int_equal(d.n_rules, 1);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    arena_destroy(&ar);
}

static void test_bad_events_name_the_field(void **state)
{
    (void)state;
    expect_field("{\"id\": \"a b\", \"name\": \"x\", \"timezone\": \"UTC\"}", "id");
    expect_field("{\"id\": \"e\", \"name\": \"\", \"timezone\": \"UTC\"}", "name");
    expect_field("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"Nowhere/Land\"}", "timezone");
    expect_field("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", " TABLES "}", "slots");
    expect_field("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", \"slots\": [{\"start\": "
                 "\"2026-05-12T09:00:00Z\", \"end\": \"2026-05-12T08:00:00Z\"}], " TABLES "}",
                 "slots[0].end");
    expect_field(
        "{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", \"slots\": ["
        "{\"start\": \"2026-05-12T09:00:00Z\", \"end\": \"2026-05-12T09:30:00Z\"},"
        "{\"start\": \"2026-05-12T09:20:00Z\", \"end\": \"2026-05-12T09:50:00Z\"}], " TABLES "}",
        "slots[1].start");
    expect_field("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", \"plan\": {\"date\": "
                 "\"2026-13-01\", \"start\": \"09:00\", \"end\": \"10:00\", \"slot_minutes\": "
                 "20}, " TABLES "}",
                 "plan.date");
    expect_field("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", \"plan\": {\"date\": "
                 "\"2026-05-12\", \"start\": \"10:00\", \"end\": \"09:00\", \"slot_minutes\": "
                 "20}, " TABLES "}",
                 "plan.end");
    expect_field("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", \"plan\": {\"date\": "
                 "\"2026-05-12\", \"start\": \"09:00\", \"end\": \"10:00\", \"slot_minutes\": "
                 "20, \"breaks\": [{\"start\": \"9:30\", \"end\": \"09:40\"}]}, " TABLES "}",
                 "plan.breaks[0].start");
    expect_field("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", \"plan\": {\"date\": "
                 "\"2026-05-12\", \"start\": \"09:00\", \"end\": \"10:00\", \"slot_minutes\": "
                 "20}, \"tables\": [{\"id\": \"t\"}, {\"id\": \"t\"}]}",
                 "tables[1].id");
    expect_field("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", \"plan\": {\"date\": "
                 "\"2026-05-12\", \"start\": \"09:00\", \"end\": \"10:00\", \"slot_minutes\": "
                 "20}, \"tables\": [{\"id\": \"t\", \"owner\": \"no way\"}]}",
                 "tables[0].owner");
    expect_field("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", \"plan\": {\"date\": "
                 "\"2026-05-12\", \"start\": \"09:00\", \"end\": \"10:00\", \"slot_minutes\": "
                 "20}, " TABLES ", \"settings\": {\"request_expiry_minutes\": -1}}",
                 "settings.request_expiry_minutes");
    expect_field("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", \"plan\": {\"date\": "
                 "\"2026-05-12\", \"start\": \"09:00\", \"end\": \"10:00\", \"slot_minutes\": "
                 "20, \"colour\": 1}, " TABLES "}",
                 "plan.colour");
}

static void test_records_of_items_round_trip(void **state)
{
    struct arena *ar = NULL;
    struct ev_config c;
    struct sm_error e;
    struct ev_meeting m, m2;
    struct ev_participant p = {0}, q = {0};
    char *la[] = {"zh", "en"}, *lb[] = {"de"};
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked u;

    (void)state;
    assert_int_equal(arena_new(&ar, 0), 0);
    assert_int_equal(decode("{\"id\": \"e\", \"name\": \"x\", \"timezone\": \"UTC\", \"plan\": "
                            "{\"date\": \"2026-05-12\", \"start\": \"09:00\", \"end\": \"10:00\", "
                            "\"slot_minutes\": 20}, " TABLES "}",
                            ar, &c, &e),
                     0);
    ev_meeting_init(&m);
    m.num = 7;
    m.a = "p1";
    m.b = "p2";
    m.origin = "organizer";
    m.forced = true;
    m.fixed_slot = 1;
    m.status = EV_M_HELD;
    m.slot = 2;
    m.table = "t1";
    m.att_a = 1;
    m.att_org = 0;
    m.out_b = EV_O_SIGNED;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assert_int_equal(ev_meeting_pack(&m, &c, &pk), 0);
    msgpack_unpacked_init(&u);
    assert_true(msgpack_unpack_next(&u, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(ev_meeting_decode(&u.data, &c, ar, &m2), 0);
    assert_int_equal(m2.num, 7);
    assert_true(m2.forced);
    assert_int_equal(m2.fixed_slot, 1);
    assert_int_equal(m2.status, EV_M_HELD);
    assert_int_equal(m2.slot, 2);
    assert_string_equal(m2.table, "t1");
    assert_int_equal(m2.att_a, 1);
    assert_int_equal(m2.att_b, -1);
    assert_int_equal(m2.att_org, 0);
    assert_int_equal(m2.out_a, EV_O_NONE);
    assert_int_equal(m2.out_b, EV_O_SIGNED);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    /* Interpreter: both list languages and share none. */
    p.langs = la;
    p.n_langs = 2;
    q.langs = lb;
    q.n_langs = 1;
    assert_true(ev_needs_interpreter(&p, &q));
    q.langs = la + 1;
    assert_false(ev_needs_interpreter(&p, &q));
    q.n_langs = 0;
    assert_false(ev_needs_interpreter(&p, &q));
    arena_destroy(&ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse_needs_an_offset_and_keeps_it),
        cmocka_unit_test(test_zones_fixed_and_iana_with_summer_time),
        cmocka_unit_test(test_day_plan_makes_slots_around_breaks_in_sessions),
        cmocka_unit_test(test_explicit_slots_and_tables_round_trip_through_the_record),
        cmocka_unit_test(test_bad_events_name_the_field),
        cmocka_unit_test(test_records_of_items_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
