/* api_agenda.c - agendas, table sheets and the schedule as CSV/iCalendar/HTML; see
 * api_stream.h and agenda.h. Generated on every request, so a subscribed calendar URL follows
 * the live changes of the event. */
#include "sm.h"
#include "agenda.h"
#include "api_int.h"
#include "query.h"
#include "api_stream.h"

/* The format asked by ?format= (wins) or Accept. -1 (after responding 400) if unknown. */
static int pick_format(struct http_req *req, enum agenda_format *f)
{
    char v[16];
    const char *acc;
    size_t n = 0;
    int qn = query_get(req->query, "format", v, sizeof(v));

    if (qn == QUERY_BAD) {
        api_respond_code(req, SM_EINVAL, "format", "format must be json, csv, ics or html");
        return -1;
    }
    if (qn >= 0) {
        if (agenda_format_parse(v, (size_t)qn, f)) {
            api_respond_code(req, SM_EINVAL, "format", "format must be json, csv, ics or html");
            return -1;
        }
        return 0;
    }
    acc = http_req_header(req, "accept", &n);
    *f = acc ? agenda_format_from_accept(acc, n) : AGENDA_JSON;
    return 0;
}

/* 'Content-Disposition: inline; filename="<name>.<ext>"' with a file-name-safe name. */
static void disposition(struct buf *h, const char *kind, const char *a, const char *b,
                        const char *ext)
{
    const char *parts[] = {kind, a, b};

    buf_puts(h, "Content-Disposition: inline; filename=\"");
    for (size_t i = 0; i < SM_ARRAY_SIZE(parts); i++) {
        if (!parts[i] || !*parts[i])
            continue;
        if (i)
            buf_putc(h, '-');
        for (const char *p = parts[i]; *p; p++) {
            char ch = *p;
            bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
            buf_putc(h, ok ? ch : '_');
        }
    }
    buf_printf(h, ".%s\"\r\n", ext);
}

static void respond_text(struct http_req *req, enum agenda_format f, const char *kind,
                         struct buf *body)
{
    static const char *ext[] = {"json", "csv", "ics", "html"};
    struct buf h = BUF_INIT;

    /* Regenerated on every fetch: caches (and calendar apps) must come back for changes. */
    buf_puts(&h, "Cache-Control: no-cache\r\n");
    if (f != AGENDA_HTML)
        disposition(&h, kind, req->match.params[0], req->match.params[1], ext[f]);
    if (buf_err(body) || buf_err(&h))
        api_respond_code(req, SM_ENOMEM, "", "out of memory");
    else
        http_respond(req, 200, agenda_content_type(f), h.data, body);
    buf_release(&h);
}

/* Common part of the three replies: errors, and JSON as is. true when handled. */
static bool reply_common(struct http_req *req, int status, const struct proto_reply *rep,
                         enum agenda_format f)
{
    struct api *a = req->app;

    if (status) {
        api_respond_engine_status(a, req, status);
        return true;
    }
    if (!rep->ok) {
        http_respond_error(req, 0, &rep->err, NULL);
        return true;
    }
    if (f == AGENDA_JSON) {
        api_respond_object(req, 200, rep->body, "Cache-Control: no-cache\r\n", true);
        return true;
    }
    return false;
}

static void on_agenda(void *arg, int status, const struct proto_reply *rep)
{
    struct http_req *req = arg;
    struct buf body = BUF_INIT;
    enum agenda_format f = AGENDA_JSON;

    pick_format(req, &f); /* checked before the call */
    if (reply_common(req, status, rep, f))
        return;
    if (f == AGENDA_CSV)
        agenda_render_csv(rep->body, &body);
    else if (f == AGENDA_ICS)
        agenda_render_ics(rep->body, sm_wall_ms(), &body);
    else
        agenda_render_html(rep->body, &body);
    respond_text(req, f, "agenda", &body);
    buf_release(&body);
}

static void on_sheet(void *arg, int status, const struct proto_reply *rep)
{
    struct http_req *req = arg;
    struct buf body = BUF_INIT;
    enum agenda_format f = AGENDA_JSON;

    pick_format(req, &f);
    if (reply_common(req, status, rep, f))
        return;
    if (f == AGENDA_CSV)
        sheet_render_csv(rep->body, &body);
    else
        sheet_render_html(rep->body, &body);
    respond_text(req, f, "table", &body);
    buf_release(&body);
}

static void on_schedule(void *arg, int status, const struct proto_reply *rep)
{
    struct http_req *req = arg;
    struct buf body = BUF_INIT;

    if (reply_common(req, status, rep, AGENDA_CSV))
        return;
    schedule_render_csv(rep->body, &body);
    respond_text(req, AGENDA_CSV, "schedule", &body);
    buf_release(&body);
}

/* Pack {"event": params[0], key2: params[1]} (key2 NULL: only the event). */
static void pack_body(struct buf *body, const struct http_req *req, const char *key2)
{
    msgpack_packer pk;

    msgpack_packer_init(&pk, body, buf_msgpack_write);
    if (msgpack_pack_map(&pk, key2 ? 2 : 1) || proto_pack_cstr(&pk, "event") ||
        proto_pack_cstr(&pk, req->match.params[0]) ||
        (key2 && (proto_pack_cstr(&pk, key2) || proto_pack_cstr(&pk, req->match.params[1]))))
        body->oom = true;
}

bool api_agenda_handle(struct api *a, struct http_req *req)
{
    struct buf body = BUF_INIT;
    enum agenda_format f;

    switch (req->match.route) {
    case ROUTE_EVENT_AGENDA:
        if (pick_format(req, &f))
            return true;
        pack_body(&body, req, "profile");
        api_call(a, req, "event.agenda", &body, on_agenda);
        return true;
    case ROUTE_EVENT_TABLE_SHEET:
        if (pick_format(req, &f))
            return true;
        if (f == AGENDA_ICS) {
            api_respond_code(req, SM_EINVAL, "format", "a table sheet is json, csv or html");
            return true;
        }
        pack_body(&body, req, "table");
        api_call(a, req, "event.table_sheet", &body, on_sheet);
        return true;
    case ROUTE_EVENT_SCHEDULE_CSV:
        pack_body(&body, req, NULL);
        api_call(a, req, "event.schedule.get", &body, on_schedule);
        return true;
    default:
        return false;
    }
}
