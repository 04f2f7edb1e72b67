/* test_agenda.c - CSV quoting, iCalendar folding/escaping/UTC times, renderers, formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sm.h"
#include "agenda.h"

static void test_agenda_csv_quotes_only_fields_that_need_it(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    agenda_csv_field(&b, "plain", 5);
    buf_putc(&b, '|');
    agenda_csv_field(&b, "a,b", 3);
    buf_putc(&b, '|');
    agenda_csv_field(&b, "say \"hi\"", 8);
    buf_putc(&b, '|');
    agenda_csv_field(&b, "two\nlines", 9);
    buf_putc(&b, '|');
    agenda_csv_field(&b, "", 0);
    assert_string_equal(b.data, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|");
    buf_release(&b);
}

static void test_agenda_ics_text_escapes_backslash_semicolon_comma_newline(void **state)
{
    struct buf b = BUF_INIT;
    const char *in = "a\\b;c,d\ne\r\nf";

    (void)state;
    agenda_ics_text(&b, in, strlen(in));
    assert_string_equal(b.data, "a\\\\b\\;c\\,d\\ne\\nf");
    buf_release(&b);
}

/* Every physical line ends in CRLF, is at most 75 octets, and unfolding gives the input. */
static void check_folded(const char *folded, const char *line)
{
    struct buf un = BUF_INIT;
    const char *p = folded;

    while (*p) {
        const char *crlf = strstr(p, "\r\n");
        size_t n;

        assert_non_null(crlf);
        n = (size_t)(crlf - p);
        assert_true(n <= 75);
        if (p != folded) {
            assert_int_equal(p[0], ' ');
            buf_append(&un, p + 1, n - 1);
        } else {
            buf_append(&un, p, n);
        }
        /* No line starts with a UTF-8 continuation byte (after the folding space). */
        if (p != folded && n > 1)
            assert_true(((unsigned char)p[1] & 0xc0) != 0x80);
        p = crlf + 2;
    }
    assert_string_equal(un.data, line);
    buf_release(&un);
}

static void test_agenda_ics_folds_at_75_octets_without_splitting_utf8(void **state)
{
    struct buf b = BUF_INIT, line = BUF_INIT;

    (void)state;
    /* ASCII: 200 characters. */
    buf_puts(&line, "DESCRIPTION:");
    for (int i = 0; i < 188; i++)
        buf_putc(&line, (char)('a' + i % 26));
    agenda_ics_line(&b, line.data, line.len);
    check_folded(b.data, line.data);
    assert_int_equal(strstr(b.data, "\r\n") - b.data, 75);
    /* 3-byte characters (CJK) placed so that 75 falls inside one: the cut moves back. */
    buf_reset(&b);
    buf_reset(&line);
    buf_puts(&line, "SUMMARY:Meeting with X");
    for (int i = 0; i < 40; i++)
        buf_puts(&line, "\xe5\xae\x81"); /* U+5B81 */
    agenda_ics_line(&b, line.data, line.len);
    check_folded(b.data, line.data);
    assert_true(strstr(b.data, "\r\n") - b.data < 75);
    /* 4-byte characters (emoji) and a short line that needs no folding. */
    buf_reset(&b);
    buf_reset(&line);
    buf_puts(&line, "X:");
    for (int i = 0; i < 50; i++)
        buf_puts(&line, "\xf0\x9f\x98\x80");
    agenda_ics_line(&b, line.data, line.len);
    check_folded(b.data, line.data);
    buf_reset(&b);
    agenda_ics_line(&b, "VERSION:2.0", 11);
    assert_string_equal(b.data, "VERSION:2.0\r\n");
    buf_release(&b);
    buf_release(&line);
}

static void test_agenda_iso_offsets_convert_to_utc(void **state)
{
    char out[17];

    (void)state;
    assert_int_equal(agenda_iso_to_utc("2026-11-24T17:00:00+08:00", 25, out), 0);
    assert_string_equal(out, "20261124T090000Z");
    assert_int_equal(agenda_iso_to_utc("2026-11-24T09:00:00Z", 20, out), 0);
    assert_string_equal(out, "20261124T090000Z");
    /* Crossing midnight, a month and a year; negative and half-hour offsets. */
    assert_int_equal(agenda_iso_to_utc("2026-01-01T02:30:00+05:30", 25, out), 0);
    assert_string_equal(out, "20251231T210000Z");
    assert_int_equal(agenda_iso_to_utc("2026-02-28T22:00:00-05:00", 25, out), 0);
    assert_string_equal(out, "20260301T030000Z");
    assert_int_equal(agenda_iso_to_utc("2028-02-28T22:00:00-05:00", 25, out), 0);
    assert_string_equal(out, "20280229T030000Z");
    assert_int_equal(agenda_iso_to_utc("2026-11-24T09:00+0100", 21, out), 0);
    assert_string_equal(out, "20261124T080000Z");
    assert_int_equal(agenda_iso_to_utc("2026-11-24T09:00:00.250+01:00", 29, out), 0);
    assert_string_equal(out, "20261124T080000Z");
    /* No offset, or not a time at all. */
    assert_int_equal(agenda_iso_to_utc("2026-11-24T09:00:00", 19, out), -1);
    assert_int_equal(agenda_iso_to_utc("2026-13-24T09:00:00Z", 20, out), -1);
    assert_int_equal(agenda_iso_to_utc("2026-02-29T09:00:00Z", 20, out), -1);
    assert_int_equal(agenda_iso_to_utc("", 0, out), -1);
    agenda_ms_to_utc(0, out);
    assert_string_equal(out, "19700101T000000Z");
    agenda_ms_to_utc(1795424400000LL, out);
    assert_string_equal(out, "20261123T090000Z");
}

/* Build an event.agenda reply with msgpack. */
static void pack_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

static void pack_meeting(msgpack_packer *pk, const char *id, const char *start, const char *end,
                         const char *partner, const char *status, bool interp)
{
    msgpack_pack_map(pk, 8);
    pack_str(pk, "id");
    pack_str(pk, id);
    pack_str(pk, "start");
    pack_str(pk, start);
    pack_str(pk, "end");
    pack_str(pk, end);
    pack_str(pk, "slot");
    msgpack_pack_uint32(pk, 3);
    pack_str(pk, "table");
    msgpack_pack_map(pk, 2);
    pack_str(pk, "id");
    pack_str(pk, "t1");
    pack_str(pk, "label");
    pack_str(pk, "Table 1, hall A");
    pack_str(pk, "partner");
    msgpack_pack_map(pk, 3);
    pack_str(pk, "id");
    pack_str(pk, "de-1");
    pack_str(pk, "name");
    pack_str(pk, partner);
    pack_str(pk, "country");
    pack_str(pk, "DE");
    pack_str(pk, "interpreter");
    if (interp)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
    pack_str(pk, "status");
    pack_str(pk, status);
}

static void agenda_reply(msgpack_sbuffer *sb, msgpack_unpacked *u)
{
    msgpack_packer pk;

    msgpack_sbuffer_init(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    pack_str(&pk, "event");
    msgpack_pack_map(&pk, 3);
    pack_str(&pk, "id");
    pack_str(&pk, "expo");
    pack_str(&pk, "name");
    pack_str(&pk, "Ningbo Expo");
    pack_str(&pk, "timezone");
    pack_str(&pk, "Asia/Shanghai");
    pack_str(&pk, "profile");
    msgpack_pack_map(&pk, 2);
    pack_str(&pk, "id");
    pack_str(&pk, "cn-1");
    pack_str(&pk, "name");
    pack_str(&pk, "Deli <Stationery>");
    pack_str(&pk, "meetings");
    msgpack_pack_array(&pk, 2);
    pack_meeting(&pk, "m1", "2026-11-24T09:00:00+08:00", "2026-11-24T09:20:00+08:00",
                 "M\xc3\xbcller, \"GmbH\"; Berlin", "scheduled", true);
    pack_meeting(&pk, "m2", "2026-11-24T09:20:00+08:00", "2026-11-24T09:40:00+08:00", "Acme",
                 "cancelled", false);
    msgpack_unpacked_init(u);
    assert_int_equal(msgpack_unpack_next(u, sb->data, sb->size, NULL), MSGPACK_UNPACK_SUCCESS);
}

static void test_agenda_csv_has_header_and_quoted_rows(void **state)
{
    msgpack_sbuffer sb;
    msgpack_unpacked u;
    struct buf b = BUF_INIT;

    (void)state;
    agenda_reply(&sb, &u);
    assert_int_equal(agenda_render_csv(&u.data, &b), 0);
    assert_string_equal(
        b.data, "start,end,table,partner_id,partner_name,partner_country,interpreter,status\r\n"
                "2026-11-24T09:00:00+08:00,2026-11-24T09:20:00+08:00,\"Table 1, hall A\",de-1,"
                "\"M\xc3\xbcller, \"\"GmbH\"\"; Berlin\",DE,true,scheduled\r\n"
                "2026-11-24T09:20:00+08:00,2026-11-24T09:40:00+08:00,\"Table 1, hall A\",de-1,"
                "Acme,DE,false,cancelled\r\n");
    buf_release(&b);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static void test_agenda_ics_is_a_crlf_calendar_with_utc_times_and_stable_uids(void **state)
{
    msgpack_sbuffer sb;
    msgpack_unpacked u;
    struct buf b = BUF_INIT;
    const char *p;

    (void)state;
    agenda_reply(&sb, &u);
    assert_int_equal(agenda_render_ics(&u.data, 1795424400000LL, &b), 0);
    assert_true(strncmp(b.data, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:", 37) == 0);
    assert_non_null(strstr(b.data, "\r\nCALSCALE:GREGORIAN\r\n"));
    assert_non_null(strstr(b.data, "\r\nX-WR-CALNAME:Ningbo Expo - Deli <Stationery>\r\n"));
    assert_non_null(strstr(b.data, "\r\nUID:m1@expo\r\n"));
    assert_non_null(strstr(b.data, "\r\nUID:m2@expo\r\n"));
    assert_non_null(strstr(b.data, "\r\nDTSTAMP:20261123T090000Z\r\n"));
    assert_non_null(strstr(b.data, "\r\nDTSTART:20261124T010000Z\r\nDTEND:20261124T012000Z\r\n"));
    assert_non_null(
        strstr(b.data, "\r\nSUMMARY:Meeting with M\xc3\xbcller\\, \"GmbH\"\\; Berlin\r\n"));
    assert_non_null(strstr(b.data, "\r\nLOCATION:Table 1\\, hall A\r\n"));
    assert_non_null(strstr(b.data, "\r\nSTATUS:CONFIRMED\r\nSEQUENCE:0\r\n"));
    assert_non_null(strstr(b.data, "\r\nSTATUS:CANCELLED\r\nSEQUENCE:1\r\n"));
    assert_true(strcmp(b.data + b.len - 15, "END:VCALENDAR\r\n") == 0);
    /* Every line ends in CRLF and no line is over 75 octets. */
    for (p = b.data; *p;) {
        const char *crlf = strstr(p, "\r\n");
        assert_non_null(crlf);
        assert_true(crlf - p <= 75);
        assert_null(memchr(p, '\n', (size_t)(crlf - p)));
        p = crlf + 2;
    }
    buf_release(&b);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static void test_agenda_html_escapes_markup(void **state)
{
    msgpack_sbuffer sb;
    msgpack_unpacked u;
    struct buf b = BUF_INIT;

    (void)state;
    agenda_reply(&sb, &u);
    assert_int_equal(agenda_render_html(&u.data, &b), 0);
    assert_non_null(strstr(b.data, "<title>Agenda of Deli &lt;Stationery&gt; - Ningbo Expo"));
    assert_non_null(strstr(b.data, "<td>M\xc3\xbcller, &quot;GmbH&quot;; Berlin</td>"));
    assert_non_null(strstr(b.data, "<td>2026-11-24 09:00</td>"));
    assert_null(strstr(b.data, "<Stationery>"));
    buf_release(&b);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static void test_agenda_format_from_query_and_accept(void **state)
{
    enum agenda_format f;

    (void)state;
    assert_int_equal(agenda_format_parse("ics", 3, &f), 0);
    assert_int_equal(f, AGENDA_ICS);
    assert_int_equal(agenda_format_parse("CSV", 3, &f), 0);
    assert_int_equal(f, AGENDA_CSV);
    assert_int_equal(agenda_format_parse("xml", 3, &f), -1);
    assert_int_equal(agenda_format_from_accept("text/calendar", 13), AGENDA_ICS);
    assert_int_equal(agenda_format_from_accept("text/csv;q=0.9, */*", 19), AGENDA_CSV);
    assert_int_equal(agenda_format_from_accept("text/html, */*", 14), AGENDA_JSON);
    assert_int_equal(agenda_format_from_accept("", 0), AGENDA_JSON);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agenda_csv_quotes_only_fields_that_need_it),
        cmocka_unit_test(test_agenda_ics_text_escapes_backslash_semicolon_comma_newline),
        cmocka_unit_test(test_agenda_ics_folds_at_75_octets_without_splitting_utf8),
        cmocka_unit_test(test_agenda_iso_offsets_convert_to_utc),
        cmocka_unit_test(test_agenda_csv_has_header_and_quoted_rows),
        cmocka_unit_test(test_agenda_ics_is_a_crlf_calendar_with_utc_times_and_stable_uids),
        cmocka_unit_test(test_agenda_html_escapes_markup),
        cmocka_unit_test(test_agenda_format_from_query_and_accept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
