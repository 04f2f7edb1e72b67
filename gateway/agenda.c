/* agenda.c - agendas, table sheets and schedules as CSV, iCalendar and HTML; see agenda.h. */
#include "sm.h"
#include "agenda.h"
#include "proto.h"

/* ---- formats ------------------------------------------------------------------------------ */

static bool ieqn(const char *a, size_t n, const char *b)
{
    return strlen(b) == n && strncasecmp(a, b, n) == 0;
}

int agenda_format_parse(const char *s, size_t n, enum agenda_format *out)
{
    if (ieqn(s, n, "json"))
        *out = AGENDA_JSON;
    else if (ieqn(s, n, "csv"))
        *out = AGENDA_CSV;
    else if (ieqn(s, n, "ics") || ieqn(s, n, "ical") || ieqn(s, n, "calendar"))
        *out = AGENDA_ICS;
    else if (ieqn(s, n, "html"))
        *out = AGENDA_HTML;
    else
        return -1;
    return 0;
}

enum agenda_format agenda_format_from_accept(const char *accept, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t start, end;

        while (i < n && (accept[i] == ' ' || accept[i] == '\t' || accept[i] == ','))
            i++;
        start = i;
        while (i < n && accept[i] != ',' && accept[i] != ';' && accept[i] != ' ')
            i++;
        end = i;
        while (i < n && accept[i] != ',')
            i++; /* parameters (q=...) are not weighed: the order decides */
        if (ieqn(accept + start, end - start, "text/calendar"))
            return AGENDA_ICS;
        if (ieqn(accept + start, end - start, "text/csv"))
            return AGENDA_CSV;
        if (ieqn(accept + start, end - start, "application/json"))
            return AGENDA_JSON;
    }
    return AGENDA_JSON;
}

const char *agenda_content_type(enum agenda_format f)
{
    switch (f) {
    case AGENDA_CSV:
        return "text/csv; charset=utf-8";
    case AGENDA_ICS:
        return "text/calendar; charset=utf-8";
    case AGENDA_HTML:
        return "text/html; charset=utf-8";
    case AGENDA_JSON:
        break;
    }
    return "application/json";
}

/* ---- escaping ----------------------------------------------------------------------------- */

void agenda_csv_field(struct buf *out, const char *s, size_t n)
{
    bool quote = false;

    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        buf_append(out, s, n);
        return;
    }
    buf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            buf_putc(out, '"');
        buf_putc(out, s[i]);
    }
    buf_putc(out, '"');
}

void agenda_ics_text(struct buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (ch == '\\' || ch == ';' || ch == ',') {
            buf_putc(out, '\\');
            buf_putc(out, ch);
        } else if (ch == '\r' || ch == '\n') {
            if (ch == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
            buf_puts(out, "\\n");
        } else if ((unsigned char)ch < 0x20 && ch != '\t') {
            continue; /* other controls are not allowed in TEXT */
        } else {
            buf_putc(out, ch);
        }
    }
}

void agenda_ics_line(struct buf *out, const char *line, size_t n)
{
    size_t i = 0, room = 75;

    while (n - i > room) {
        size_t cut = i + room;

        /* Never between the bytes of one UTF-8 sequence (continuations are 10xxxxxx). */
        while (cut > i && ((unsigned char)line[cut] & 0xc0) == 0x80)
            cut--;
        if (cut == i)
            cut = i + room; /* not UTF-8 at all: any cut will do */
        buf_append(out, line + i, cut - i);
        buf_puts(out, "\r\n ");
        i = cut;
        room = 74; /* the leading space counts */
    }
    buf_append(out, line + i, n - i);
    buf_puts(out, "\r\n");
}

static void html_text(struct buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            buf_puts(out, "&amp;");
            break;
        case '<':
            buf_puts(out, "&lt;");
            break;
        case '>':
            buf_puts(out, "&gt;");
            break;
        case '"':
            buf_puts(out, "&quot;");
            break;
        case '\'':
            buf_puts(out, "&#39;");
            break;
        default:
            buf_putc(out, s[i]);
        }
    }
}

/* ---- time --------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void format_utc(int64_t secs, char out[17])
{
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400, y;
    unsigned m, d;

    unsigned v[6];
    char *o = out;

    civil_from_days(days, &y, &m, &d);
    v[0] = (unsigned)((y % 10000 + 10000) % 10000);
    v[1] = m;
    v[2] = d;
    v[3] = (unsigned)(rem / 3600);
    v[4] = (unsigned)(rem / 60 % 60);
    v[5] = (unsigned)(rem % 60);
    /* Fixed widths by hand: every field is in range, and the compiler cannot see it. */
    for (int k = 3; k >= 0; k--, v[0] /= 10)
        o[k] = (char)('0' + v[0] % 10);
    o += 4;
    for (int f = 1; f < 6; f++) {
        if (f == 3)
            *o++ = 'T';
        *o++ = (char)('0' + v[f] / 10 % 10);
        *o++ = (char)('0' + v[f] % 10);
    }
    *o++ = 'Z';
    *o = '\0';
}

void agenda_ms_to_utc(int64_t ms, char out[17])
{
    format_utc(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000), out);
}

/* n decimal digits at s[*i] into *v. */
static bool digits(const char *s, size_t len, size_t *i, unsigned n, unsigned *v)
{
    *v = 0;
    if (*i + n > len)
        return false;
    for (unsigned k = 0; k < n; k++) {
        char ch = s[*i + k];
        if (ch < '0' || ch > '9')
            return false;
        *v = *v * 10 + (unsigned)(ch - '0');
    }
    *i += n;
    return true;
}

static bool lit(const char *s, size_t len, size_t *i, char ch)
{
    if (*i < len && s[*i] == ch) {
        (*i)++;
        return true;
    }
    return false;
}

int agenda_iso_to_utc(const char *s, size_t n, char out[17])
{
    unsigned y, mo, d, h, mi, se = 0, oh = 0, om = 0;
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int sign = 0;
    size_t i = 0;
    int64_t secs;

    if (!digits(s, n, &i, 4, &y) || !lit(s, n, &i, '-') || !digits(s, n, &i, 2, &mo) ||
        !lit(s, n, &i, '-') || !digits(s, n, &i, 2, &d) ||
        !(lit(s, n, &i, 'T') || lit(s, n, &i, 't') || lit(s, n, &i, ' ')) ||
        !digits(s, n, &i, 2, &h) || !lit(s, n, &i, ':') || !digits(s, n, &i, 2, &mi))
        return -1;
    if (lit(s, n, &i, ':')) {
        if (!digits(s, n, &i, 2, &se))
            return -1;
        if (lit(s, n, &i, '.') || lit(s, n, &i, ',')) {
            size_t f = i;
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == f)
                return -1;
        }
    }
    if (lit(s, n, &i, 'Z') || lit(s, n, &i, 'z')) {
        sign = 0;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        sign = s[i++] == '-' ? -1 : 1;
        if (!digits(s, n, &i, 2, &oh))
            return -1;
        lit(s, n, &i, ':');
        if (!digits(s, n, &i, 2, &om))
            return -1;
    } else {
        return -1; /* a local time without offset cannot be placed in UTC */
    }
    if (i != n || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 24 || mi > 59 || se > 60 ||
        oh > 23 || om > 59 || (h == 24 && (mi || se)))
        return -1;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    if (se == 60)
        se = 59; /* a leap second: iCalendar has no way to say it */
    secs = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + se;
    secs -= (int64_t)sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
    format_utc(secs, out);
    return 0;
}

/* ---- reading the engine's replies --------------------------------------------------------- */

/*
 * Follow a dotted path ("partner.name") through maps. A string where a map was expected
 * stands for its "id" (the schedule's "a" may be an id or {"id", "name"}). NULL if absent.
 */
static const msgpack_object *lookup(const msgpack_object *o, const char *path)
{
    char key[32];

    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);

        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        if (o->type == MSGPACK_OBJECT_STR)
            return strcmp(key, "id") == 0 && !dot ? o : NULL;
        o = proto_map_get(o, key);
        path += n + (dot ? 1 : 0);
    }
    return o;
}

/* The text of a scalar into t (reset first): str, integer, bool; "" for anything else. */
static void scalar(struct buf *t, const msgpack_object *o)
{
    buf_reset(t);
    if (!o)
        return;
    switch (o->type) {
    case MSGPACK_OBJECT_STR:
        buf_append(t, o->via.str.ptr, o->via.str.size);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        buf_printf(t, "%" PRIu64, o->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        buf_printf(t, "%" PRId64, o->via.i64);
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        buf_puts(t, o->via.boolean ? "true" : "false");
        break;
    default:
        break;
    }
}

/* The text at the first of "a|b|c" paths that is not empty. */
static void field(struct buf *t, const msgpack_object *o, const char *paths)
{
    char one[64];

    buf_reset(t);
    while (*paths) {
        const char *bar = strchr(paths, '|');
        size_t n = bar ? (size_t)(bar - paths) : strlen(paths);

        if (n < sizeof(one)) {
            memcpy(one, paths, n);
            one[n] = '\0';
            scalar(t, lookup(o, one));
            if (t->len)
                return;
        }
        paths += n + (bar ? 1 : 0);
    }
}

static const msgpack_object *meetings_of(const msgpack_object *reply)
{
    const msgpack_object *m = proto_map_get(reply, "meetings");

    return m && m->type == MSGPACK_OBJECT_ARRAY ? m : NULL;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

struct column {
    const char *title;
    const char *paths;
};

static int render_csv(const msgpack_object *reply, const struct column *cols, size_t ncols,
                      struct buf *out)
{
    const msgpack_object *ms = meetings_of(reply);
    struct buf t = BUF_INIT;

    for (size_t c = 0; c < ncols; c++) {
        if (c)
            buf_putc(out, ',');
        buf_puts(out, cols[c].title);
    }
    buf_puts(out, "\r\n");
    for (uint32_t i = 0; ms && i < ms->via.array.size; i++) {
        for (size_t c = 0; c < ncols; c++) {
            if (c)
                buf_putc(out, ',');
            field(&t, &ms->via.array.ptr[i], cols[c].paths);
            agenda_csv_field(out, t.data ? t.data : "", t.len);
        }
        buf_puts(out, "\r\n");
    }
    buf_release(&t);
    return buf_err(out);
}

int agenda_render_csv(const msgpack_object *agenda, struct buf *out)
{
    static const struct column cols[] = {
        {"start", "start"},
        {"end", "end"},
        {"table", "table.label|table.id"},
        {"partner_id", "partner.id"},
        {"partner_name", "partner.name"},
        {"partner_country", "partner.country"},
        {"interpreter", "interpreter"},
        {"status", "status"},
    };
    return render_csv(agenda, cols, SM_ARRAY_SIZE(cols), out);
}

int sheet_render_csv(const msgpack_object *sheet, struct buf *out)
{
    static const struct column cols[] = {
        {"start", "start"},   {"end", "end"},   {"slot", "slot"},     {"a_id", "a.id"},
        {"a_name", "a.name"}, {"b_id", "b.id"}, {"b_name", "b.name"}, {"status", "status"},
    };
    return render_csv(sheet, cols, SM_ARRAY_SIZE(cols), out);
}

int schedule_render_csv(const msgpack_object *schedule, struct buf *out)
{
    static const struct column cols[] = {
        {"id", "id"},
        {"slot", "slot"},
        {"start", "start"},
        {"end", "end"},
        {"table", "table.id"},
        {"table_label", "table.label|table.id"},
        {"a_id", "a.id"},
        {"a_name", "a.name"},
        {"b_id", "b.id"},
        {"b_name", "b.name"},
        {"interpreter", "interpreter"},
        {"status", "status"},
    };
    return render_csv(schedule, cols, SM_ARRAY_SIZE(cols), out);
}

/* ---- iCalendar ---------------------------------------------------------------------------- */

/* Append "NAME:" + escaped TEXT value as one folded line. */
static void ics_prop_text(struct buf *out, struct buf *line, const char *name, const char *v,
                          size_t n)
{
    buf_reset(line);
    buf_puts(line, name);
    buf_putc(line, ':');
    agenda_ics_text(line, v, n);
    agenda_ics_line(out, line->data ? line->data : "", line->len);
}

static void ics_prop_raw(struct buf *out, struct buf *line, const char *name, const char *v)
{
    buf_reset(line);
    buf_printf(line, "%s:%s", name, v);
    agenda_ics_line(out, line->data ? line->data : "", line->len);
}

static bool is_cancelled(const char *s, size_t n)
{
    return ieqn(s, n, "cancelled") || ieqn(s, n, "canceled") || ieqn(s, n, "unplaced") ||
           ieqn(s, n, "declined");
}

int agenda_render_ics(const msgpack_object *agenda, int64_t now_ms, struct buf *out)
{
    const msgpack_object *ms = meetings_of(agenda);
    struct buf line = BUF_INIT, t = BUF_INIT, t2 = BUF_INIT, desc = BUF_INIT;
    char stamp[17], dtstart[17], dtend[17];

    agenda_ms_to_utc(now_ms, stamp);
    buf_puts(out, "BEGIN:VCALENDAR\r\n");
    buf_puts(out, "VERSION:2.0\r\n");
    buf_puts(out, "PRODID:-//smematch//event agenda//EN\r\n");
    buf_puts(out, "CALSCALE:GREGORIAN\r\n");
    buf_puts(out, "METHOD:PUBLISH\r\n");
    field(&t, agenda, "event.name|event.id");
    field(&t2, agenda, "profile.name|profile.id");
    buf_reset(&desc);
    buf_append(&desc, t.data ? t.data : "", t.len);
    if (t2.len) {
        buf_puts(&desc, " - ");
        buf_append(&desc, t2.data, t2.len);
    }
    ics_prop_text(out, &line, "X-WR-CALNAME", desc.data ? desc.data : "", desc.len);
    field(&t, agenda, "event.timezone");
    if (t.len)
        ics_prop_text(out, &line, "X-WR-TIMEZONE", t.data, t.len);
    /* A subscribed feed: calendar apps that honour these re-fetch every 15 minutes. */
    buf_puts(out, "REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n");
    buf_puts(out, "X-PUBLISHED-TTL:PT15M\r\n");
    for (uint32_t i = 0; ms && i < ms->via.array.size; i++) {
        const msgpack_object *m = &ms->via.array.ptr[i];
        const msgpack_object *seq = proto_map_get(m, "sequence");
        bool cancelled;

        field(&t, m, "start");
        if (agenda_iso_to_utc(t.data ? t.data : "", t.len, dtstart))
            continue; /* not placed in time: nothing to put in a calendar */
        field(&t, m, "end");
        if (agenda_iso_to_utc(t.data ? t.data : "", t.len, dtend))
            continue;
        buf_puts(out, "BEGIN:VEVENT\r\n");
        field(&t, m, "id");
        field(&t2, agenda, "event.id");
        buf_reset(&line);
        buf_puts(&line, "UID:");
        /* UID is TEXT-like but must stay byte-stable; ids are [A-Za-z0-9._:-] anyway. */
        agenda_ics_text(&line, t.data ? t.data : "", t.len);
        buf_putc(&line, '@');
        agenda_ics_text(&line, t2.data ? t2.data : "", t2.len);
        agenda_ics_line(out, line.data, line.len);
        ics_prop_raw(out, &line, "DTSTAMP", stamp);
        ics_prop_raw(out, &line, "DTSTART", dtstart);
        ics_prop_raw(out, &line, "DTEND", dtend);
        field(&t, m, "partner.name|partner.id");
        buf_reset(&desc);
        buf_puts(&desc, "Meeting with ");
        buf_append(&desc, t.data ? t.data : "", t.len);
        ics_prop_text(out, &line, "SUMMARY", desc.data, desc.len);
        field(&t, m, "table.label|table.id");
        if (t.len)
            ics_prop_text(out, &line, "LOCATION", t.data, t.len);
        buf_reset(&desc);
        field(&t, m, "partner.name|partner.id");
        buf_puts(&desc, "Partner: ");
        buf_append(&desc, t.data ? t.data : "", t.len);
        field(&t, m, "partner.id");
        field(&t2, m, "partner.country");
        buf_printf(&desc, " (%s%s%s)", t.data ? t.data : "", t2.len ? ", " : "",
                   t2.data ? t2.data : "");
        field(&t, m, "table.label|table.id");
        if (t.len)
            buf_printf(&desc, "\nTable: %s", t.data);
        field(&t, m, "interpreter");
        if (t.len && strcmp(t.data, "true") == 0)
            buf_puts(&desc, "\nAn interpreter is needed");
        field(&t, agenda, "event.name|event.id");
        buf_printf(&desc, "\nEvent: %s", t.data ? t.data : "");
        ics_prop_text(out, &line, "DESCRIPTION", desc.data, desc.len);
        field(&t, m, "status");
        cancelled = is_cancelled(t.data ? t.data : "", t.len);
        buf_puts(out, cancelled ? "STATUS:CANCELLED\r\n" : "STATUS:CONFIRMED\r\n");
        /* The engine keeps no revision per meeting: a cancellation is at least revision 1. */
        buf_printf(out, "SEQUENCE:%" PRIu64 "\r\n",
                   seq && seq->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? seq->via.u64
                   : cancelled                                         ? 1
                                                                       : 0);
        buf_puts(out, "END:VEVENT\r\n");
    }
    buf_puts(out, "END:VCALENDAR\r\n");
    buf_release(&line);
    buf_release(&t);
    buf_release(&t2);
    buf_release(&desc);
    return buf_err(out);
}

/* ---- HTML --------------------------------------------------------------------------------- */

static void html_head(struct buf *out, const char *title, size_t n)
{
    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    html_text(out, title, n);
    buf_puts(out, "</title>\n<style>\nbody{font-family:sans-serif;margin:2em}"
                  "table{border-collapse:collapse;width:100%}"
                  "th,td{border:1px solid #888;padding:.3em .6em;text-align:left}"
                  "th{background:#eee}@media print{body{margin:0}}\n</style>\n</head>\n<body>\n");
}

/* Show an ISO time as "YYYY-MM-DD HH:MM" (the event's local time, as the engine wrote it). */
static void html_time(struct buf *out, const char *s, size_t n)
{
    if (n >= 16 && s[10] == 'T') {
        html_text(out, s, 10);
        buf_putc(out, ' ');
        html_text(out, s + 11, 5);
    } else {
        html_text(out, s, n);
    }
}

static int render_html(const msgpack_object *reply, const char *heading, const char *subject_paths,
                       const struct column *cols, size_t ncols, struct buf *out)
{
    const msgpack_object *ms = meetings_of(reply);
    struct buf t = BUF_INIT, title = BUF_INIT;

    field(&t, reply, subject_paths);
    buf_puts(&title, heading);
    buf_append(&title, t.data ? t.data : "", t.len);
    field(&t, reply, "event.name|event.id");
    buf_puts(&title, " - ");
    buf_append(&title, t.data ? t.data : "", t.len);
    html_head(out, title.data, title.len);
    buf_puts(out, "<h1>");
    html_text(out, title.data, title.len);
    buf_puts(out, "</h1>\n");
    field(&t, reply, "event.timezone");
    if (t.len) {
        buf_puts(out, "<p>Times in ");
        html_text(out, t.data, t.len);
        buf_puts(out, "</p>\n");
    }
    buf_puts(out, "<table>\n<thead><tr>");
    for (size_t c = 0; c < ncols; c++) {
        buf_puts(out, "<th>");
        html_text(out, cols[c].title, strlen(cols[c].title));
        buf_puts(out, "</th>");
    }
    buf_puts(out, "</tr></thead>\n<tbody>\n");
    for (uint32_t i = 0; ms && i < ms->via.array.size; i++) {
        buf_puts(out, "<tr>");
        for (size_t c = 0; c < ncols; c++) {
            field(&t, &ms->via.array.ptr[i], cols[c].paths);
            buf_puts(out, "<td>");
            if (strcmp(cols[c].paths, "start") == 0 || strcmp(cols[c].paths, "end") == 0)
                html_time(out, t.data ? t.data : "", t.len);
            else
                html_text(out, t.data ? t.data : "", t.len);
            buf_puts(out, "</td>");
        }
        buf_puts(out, "</tr>\n");
    }
    if (!ms || ms->via.array.size == 0) {
        buf_printf(out, "<tr><td colspan=\"%zu\">No meetings.</td></tr>\n", ncols);
    }
    buf_puts(out, "</tbody>\n</table>\n</body>\n</html>\n");
    buf_release(&t);
    buf_release(&title);
    return buf_err(out);
}

int agenda_render_html(const msgpack_object *agenda, struct buf *out)
{
    static const struct column cols[] = {
        {"Start", "start"},
        {"End", "end"},
        {"Table", "table.label|table.id"},
        {"Partner", "partner.name|partner.id"},
        {"Country", "partner.country"},
        {"Interpreter", "interpreter"},
        {"Status", "status"},
    };
    return render_html(agenda, "Agenda of ", "profile.name|profile.id", cols, SM_ARRAY_SIZE(cols),
                       out);
}

int sheet_render_html(const msgpack_object *sheet, struct buf *out)
{
    static const struct column cols[] = {
        {"Start", "start"},        {"End", "end"},
        {"Slot", "slot"},          {"Side A", "a.name|a.id"},
        {"Side B", "b.name|b.id"}, {"Status", "status"},
    };
    return render_html(sheet, "Table ", "table.label|table.id", cols, SM_ARRAY_SIZE(cols), out);
}
