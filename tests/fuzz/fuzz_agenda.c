/*
 * fuzz_agenda.c - libFuzzer target for what the agendas and live streams decode: ISO 8601
 * times (agenda_iso_to_utc), Accept headers, query strings (api_query_get), and engine replies
 * rendered as CSV, iCalendar and HTML (any msgpack that passes proto_unpack). Checks the
 * invariants that must hold for any input: a converted time has the fixed UTC shape; every
 * iCalendar line ends in CRLF and is at most 75 octets; a query value fits its buffer.
 *
 * Built as a libFuzzer binary with -Dfuzz=true (clang), and always as fuzz_agenda_run with
 * fuzz_driver.c, so `meson test` runs it under ASan.
 */
#include "sm.h"

#include "agenda.h"
#include "query.h"
#include "proto.h"
#include "sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ics(const struct buf *b)
{
    const char *p = b->data, *end = b->data + b->len;

    while (p < end) {
        const char *crlf = strstr(p, "\r\n");
        if (!crlf || crlf - p > 75 || memchr(p, '\n', (size_t)(crlf - p)))
            abort();
        p = crlf + 2;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char utc[17], val[64], *str;
    struct buf out = BUF_INIT;
    msgpack_unpacked u;
    int n;

    if (agenda_iso_to_utc(s, size, utc) == 0 &&
        (strlen(utc) != 16 || utc[8] != 'T' || utc[15] != 'Z'))
        abort();
    (void)agenda_format_from_accept(s, size);
    str = malloc(size + 1);
    if (!str)
        return 0;
    memcpy(str, data, size);
    str[size] = '\0';
    n = query_get(str, "format", val, sizeof(val));
    if (n >= (int)sizeof(val) || (n >= 0 && strlen(val) != (size_t)n))
        abort();
    free(str);
    /* Callers escape line breaks before folding (agenda_ics_text): only such lines here. */
    if (!memchr(s, '\n', size) && !memchr(s, '\r', size) && !memchr(s, '\0', size)) {
        agenda_ics_line(&out, s, size);
        check_ics(&out);
        buf_reset(&out);
    }
    sse_frame(&out, 1, s, size, s, size);
    buf_reset(&out);
    msgpack_unpacked_init(&u);
    if (proto_unpack(data, size, NULL, &u) == 0) {
        agenda_render_csv(&u.data, &out);
        buf_reset(&out);
        agenda_render_ics(&u.data, 0, &out);
        check_ics(&out);
        buf_reset(&out);
        agenda_render_html(&u.data, &out);
        buf_reset(&out);
        sheet_render_csv(&u.data, &out);
        buf_reset(&out);
        sheet_render_html(&u.data, &out);
        buf_reset(&out);
        schedule_render_csv(&u.data, &out);
    }
    msgpack_unpacked_destroy(&u);
    buf_release(&out);
    return 0;
}
