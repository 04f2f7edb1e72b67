/*
 * agenda.h - agendas, table sheets and schedules of a matchmaking event in the formats people
 * use (SPEC §4): CSV (RFC 4180), iCalendar (RFC 5545) and a printable HTML page, rendered from
 * the engine's replies to event.agenda, event.table_sheet and event.schedule.get
 * (docs/protocol.md "Events"). JSON needs no help: the gateway converts the reply one to one.
 *
 * iCalendar output: CRLF line endings; content lines folded at 75 octets (a continuation line
 * starts with one space) without splitting a UTF-8 sequence; TEXT values escaped (backslash,
 * semicolon, comma, line breaks); times converted from ISO 8601 with an offset to UTC
 * ("20261124T090000Z"), so no VTIMEZONE is needed. UIDs are "<meeting id>@<event id>", stable
 * across fetches, so a subscribed calendar updates meetings in place.
 *
 * Renderers take the reply body (a msgpack map) and append to out. Missing or mistyped fields
 * are rendered empty rather than failing: the engine owns the shape. They return 0 or -ENOMEM.
 *
 * Pure logic: no I/O, no globals; safe from any thread.
 */
#ifndef GW_AGENDA_H
#define GW_AGENDA_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum agenda_format { AGENDA_JSON, AGENDA_CSV, AGENDA_ICS, AGENDA_HTML };

/* "json", "csv", "ics" (also "ical", "calendar"), "html": 0, or -1 for anything else. */
int agenda_format_parse(const char *s, size_t n, enum agenda_format *out);
/*
 * The format an Accept header asks for: the first listed of application/json, text/csv,
 * text/calendar (HTML only by ?format=html: browsers list text/html first). JSON when none.
 */
enum agenda_format agenda_format_from_accept(const char *accept, size_t n);
/* The Content-Type of a format ("text/csv; charset=utf-8", ...). */
const char *agenda_content_type(enum agenda_format f);

/* Append one CSV field, quoted (RFC 4180) when it holds a comma, quote, CR or LF. */
void agenda_csv_field(struct buf *out, const char *s, size_t n);
/* Append s as an iCalendar TEXT value: "\\" ";" "," escaped, CRLF/CR/LF as "\n". */
void agenda_ics_text(struct buf *out, const char *s, size_t n);
/*
 * Append one content line with its CRLF, folded so that no line exceeds 75 octets (the
 * leading space of a continuation counts) and no UTF-8 sequence is split.
 */
void agenda_ics_line(struct buf *out, const char *line, size_t n);
/*
 * Convert "YYYY-MM-DDTHH:MM[:SS[.frac]](Z|+HH:MM|-HH:MM|+HHMM)" to UTC "YYYYMMDDTHHMMSSZ"
 * (out: 17 bytes with the NUL). 0, or -1 when s is not such a time.
 */
int agenda_iso_to_utc(const char *s, size_t n, char out[17]);
/* Unix ms to "YYYYMMDDTHHMMSSZ". */
void agenda_ms_to_utc(int64_t ms, char out[17]);

/* event.agenda reply: CSV with the header start,end,table,partner_id,partner_name,
 * partner_country,interpreter,status. */
int agenda_render_csv(const msgpack_object *agenda, struct buf *out);
/* event.agenda reply as a VCALENDAR; now_ms is the DTSTAMP. */
int agenda_render_ics(const msgpack_object *agenda, int64_t now_ms, struct buf *out);
/* event.agenda reply as a printable HTML page. */
int agenda_render_html(const msgpack_object *agenda, struct buf *out);
/* event.table_sheet reply: CSV start,end,slot,a_id,a_name,b_id,b_name,status. */
int sheet_render_csv(const msgpack_object *sheet, struct buf *out);
/* event.table_sheet reply as a printable HTML page. */
int sheet_render_html(const msgpack_object *sheet, struct buf *out);
/* event.schedule.get reply: CSV id,slot,start,end,table,table_label,a_id,a_name,b_id,b_name,
 * interpreter,status. */
int schedule_render_csv(const msgpack_object *schedule, struct buf *out);

#endif
