/* test_sse.c - SSE framing and the cursor that merges a replay with live changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sm.h"
#include "err.h"
#include "sse.h"

/* A frame that is just "<seq>;" so the output shows what was sent, in order. */
static void frame_of(uint64_t seq, char *f, size_t n)
{
    snprintf(f, n, "%" PRIu64 ";", seq);
}

static int live(struct sse_cursor *c, uint64_t seq, struct buf *out)
{
    char f[32];
    frame_of(seq, f, sizeof(f));
    return sse_cursor_live(c, seq, f, strlen(f), out);
}

static void replay(struct sse_cursor *c, uint64_t seq, struct buf *out)
{
    char f[32];
    frame_of(seq, f, sizeof(f));
    sse_cursor_replay(c, seq, f, strlen(f), out);
}

static void test_sse_frame_splits_multi_line_data_into_data_fields(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    sse_frame(&b, 7, "meeting.moved", 13, "a\nb\r\nc\rd", 8);
    assert_string_equal(b.data, "id: 7\nevent: meeting.moved\ndata: a\ndata: b\ndata: c\n"
                                "data: d\n\n");
    buf_reset(&b);
    sse_frame(&b, 1, "x\ny", 3, "", 0);
    assert_string_equal(b.data, "id: 1\nevent: x\ndata: \n\n");
    buf_reset(&b);
    sse_frame(&b, 2, "", 0, "{}\n", 3);
    assert_string_equal(b.data, "id: 2\ndata: {}\ndata: \n\n");
    buf_reset(&b);
    sse_comment(&b, "ping");
    assert_string_equal(b.data, ": ping\n\n");
    buf_release(&b);
}

static void test_sse_live_changes_in_order_pass_and_duplicates_drop(void **state)
{
    struct sse_cursor c;
    struct buf out = BUF_INIT;

    (void)state;
    sse_cursor_init(&c, 3, 100);
    assert_int_equal(live(&c, 4, &out), SSE_OK);
    assert_int_equal(live(&c, 4, &out), SSE_OK);
    assert_int_equal(live(&c, 2, &out), SSE_OK);
    assert_int_equal(live(&c, 5, &out), SSE_OK);
    assert_string_equal(out.data, "4;5;");
    assert_int_equal(c.last, 5);
    sse_cursor_release(&c);
    buf_release(&out);
}

static void test_sse_gap_asks_for_a_fetch_and_replay_fills_it(void **state)
{
    struct sse_cursor c;
    struct buf out = BUF_INIT;

    (void)state;
    sse_cursor_init(&c, 1, 100);
    assert_int_equal(live(&c, 4, &out), SSE_FETCH); /* 2 and 3 were missed */
    assert_int_equal(out.len, 0);
    sse_cursor_replay_begin(&c);
    assert_int_equal(live(&c, 5, &out), SSE_OK); /* buffered during the replay */
    replay(&c, 2, &out);
    replay(&c, 3, &out);
    replay(&c, 4, &out);
    assert_int_equal(sse_cursor_replay_end(&c, false, &out), SSE_OK);
    assert_string_equal(out.data, "2;3;4;5;");
    assert_false(c.replaying);
    assert_int_equal(c.n_pend, 0);
    assert_int_equal(live(&c, 6, &out), SSE_OK);
    assert_string_equal(out.data, "2;3;4;5;6;");
    sse_cursor_release(&c);
    buf_release(&out);
}

static void test_sse_replay_in_pages_merges_live_without_dups_or_gaps(void **state)
{
    struct sse_cursor c;
    struct buf out = BUF_INIT, want = BUF_INIT;

    (void)state;
    sse_cursor_init(&c, 0, 100);
    sse_cursor_replay_begin(&c);
    /* Live changes 4..7 arrive while pages [1..3] and [3..6] come back (overlapping). */
    live(&c, 5, &out);
    live(&c, 4, &out);
    for (uint64_t s = 1; s <= 3; s++)
        replay(&c, s, &out);
    assert_int_equal(sse_cursor_replay_end(&c, true, &out), SSE_FETCH);
    live(&c, 7, &out);
    for (uint64_t s = 3; s <= 6; s++)
        replay(&c, s, &out);
    live(&c, 6, &out);
    assert_int_equal(sse_cursor_replay_end(&c, false, &out), SSE_OK);
    for (uint64_t s = 1; s <= 7; s++)
        buf_printf(&want, "%" PRIu64 ";", s);
    assert_string_equal(out.data, want.data);
    assert_int_equal(c.last, 7);
    sse_cursor_release(&c);
    buf_release(&out);
    buf_release(&want);
}

static void test_sse_replay_that_cannot_close_a_gap_skips_it(void **state)
{
    struct sse_cursor c;
    struct buf out = BUF_INIT;

    (void)state;
    sse_cursor_init(&c, 1, 100);
    assert_int_equal(live(&c, 5, &out), SSE_FETCH);
    sse_cursor_replay_begin(&c);
    replay(&c, 2, &out);
    /* The log had only 2: 3 and 4 are still missing, fetch again... */
    assert_int_equal(sse_cursor_replay_end(&c, false, &out), SSE_FETCH);
    sse_cursor_replay_begin(&c);
    /* ...which brings nothing: go on with 5 rather than fetch forever. */
    assert_int_equal(sse_cursor_replay_end(&c, false, &out), SSE_OK);
    assert_string_equal(out.data, "2;5;");
    sse_cursor_release(&c);
    buf_release(&out);
}

static void test_sse_too_many_buffered_changes_is_an_error(void **state)
{
    struct sse_cursor c;
    struct buf out = BUF_INIT;

    (void)state;
    sse_cursor_init(&c, 0, 2);
    sse_cursor_replay_begin(&c);
    assert_int_equal(live(&c, 1, &out), SSE_OK);
    assert_int_equal(live(&c, 2, &out), SSE_OK);
    assert_int_equal(live(&c, 2, &out), SSE_OK); /* a duplicate takes no room */
    assert_int_equal(live(&c, 3, &out), SM_ETOOLARGE);
    sse_cursor_release(&c);
    buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sse_frame_splits_multi_line_data_into_data_fields),
        cmocka_unit_test(test_sse_live_changes_in_order_pass_and_duplicates_drop),
        cmocka_unit_test(test_sse_gap_asks_for_a_fetch_and_replay_fills_it),
        cmocka_unit_test(test_sse_replay_in_pages_merges_live_without_dups_or_gaps),
        cmocka_unit_test(test_sse_replay_that_cannot_close_a_gap_skips_it),
        cmocka_unit_test(test_sse_too_many_buffered_changes_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
