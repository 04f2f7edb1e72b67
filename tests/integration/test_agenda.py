"""Agendas, table sheets and the schedule as JSON, CSV, iCalendar and HTML:
GET /v1/events/{id}/agenda/{profile}, /v1/events/{id}/tables/{table}/sheet,
/v1/events/{id}/schedule.csv.

The iCalendar output is parsed with Debian's python3-icalendar (run with /usr/bin/python3).
First against a fake engine with canned replies (exact formats, odd characters), then end to
end against the real engine once it has the event operations.

Run: SMEMATCH_BUILD=build /usr/bin/python3 tests/integration/test_agenda.py
"""
import csv
import datetime
import io
import json
import os
import sys

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_gateway_fakeengine import FakeEngine  # noqa: E402

EVENT = {"id": "expo", "name": "Ningbo Expo, \u5b81\u6ce2", "timezone": "Asia/Shanghai"}
PARTNER = {"id": "de-1", "name": "M\u00fcller \"Schreibwaren\"; Berlin, Germany " + "\u6587" * 30,
           "country": "DE"}
AGENDA = {
    "event": EVENT,
    "profile": {"id": "cn-1", "name": "Deli <Stationery>"},
    "meetings": [
        {"id": "m1", "start": "2026-11-24T09:00:00+08:00", "end": "2026-11-24T09:20:00+08:00",
         "slot": 0, "table": {"id": "t1", "label": "Table 1, hall A"}, "partner": PARTNER,
         "interpreter": True, "status": "scheduled"},
        {"id": "m2", "start": "2026-11-24T13:20:00+08:00", "end": "2026-11-24T13:40:00+08:00",
         "slot": 7, "table": {"id": "t2", "label": "T2"},
         "partner": {"id": "us-9", "name": "Acme", "country": "US"},
         "interpreter": False, "status": "cancelled"},
    ],
}
SHEET = {
    "event": EVENT, "table": {"id": "t1", "label": "Table 1, hall A"},
    "meetings": [{"id": "m1", "start": "2026-11-24T09:00:00+08:00",
                  "end": "2026-11-24T09:20:00+08:00", "slot": 0,
                  "a": {"id": "cn-1", "name": "Deli <Stationery>"},
                  "b": {"id": "de-1", "name": "M\u00fcller"}, "status": "scheduled"}],
}
SCHEDULE = {
    "event": EVENT, "published": True,
    "meetings": [{"id": "m1", "slot": 0, "start": "2026-11-24T09:00:00+08:00",
                  "end": "2026-11-24T09:20:00+08:00",
                  "table": {"id": "t1", "label": "Table 1, hall A"},
                  "a": {"id": "cn-1", "name": "Deli", "country": "CN"},
                  "b": {"id": "de-1", "name": "M\u00fcller", "country": "DE"},
                  "interpreter": True, "status": "scheduled", "type": "distribution"}],
    "unplaced": [], "interpreters_per_slot": [1],
}


class FakeAgendaEngine(FakeEngine):
    def _handle(self, ident, req):
        op, rid, body = req.get("op"), req.get("id"), req.get("body")
        nf = lambda f: self._reply(ident, rid, False, None,
                                   {"code": "not_found", "message": "no such " + f, "field": f})
        if op == "event.agenda":
            self.requests.append((op, body))
            if body.get("event") != "expo":
                return nf("event")
            if body.get("profile") != "cn-1":
                return nf("profile")
            return self._reply(ident, rid, True, AGENDA)
        if op == "event.table_sheet":
            self.requests.append((op, body))
            return self._reply(ident, rid, True, SHEET) if body.get("table") == "t1" else nf("table")
        if op == "event.schedule.get":
            self.requests.append((op, body))
            return self._reply(ident, rid, True, SCHEDULE)
        return super()._handle(ident, req)


class AgendaCluster(harness.Cluster):
    def start(self):
        self.fake = FakeAgendaEngine(self.zmq)
        self.start_gateway()
        self.wait_healthy()
        return self

    def cleanup(self):
        super().cleanup()
        self.fake.close()


def parse_ics(text):
    assert "\n" not in text.replace("\r\n", ""), "bare LF in calendar"
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75, line
    return icalendar.Calendar.from_ical(text)


def utc(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def test_agenda_json_is_the_engine_reply():
    with AgendaCluster() as c:
        st, h, body = c.request("GET", "/v1/events/expo/agenda/cn-1")
        assert st == 200 and h["content-type"].startswith("application/json"), (st, h)
        assert body == AGENDA, body
        assert c.fake.requests[-1] == ("event.agenda", {"event": "expo", "profile": "cn-1"})
        st, h, body = c.request("GET", "/v1/events/expo/agenda/nobody")
        assert st == 404 and body["error"]["field"] == "profile", body


def test_agenda_csv_by_accept_and_query():
    with AgendaCluster() as c:
        for path, hdrs in (("/v1/events/expo/agenda/cn-1", {"Accept": "text/csv"}),
                           ("/v1/events/expo/agenda/cn-1?format=csv", {})):
            st, h, text = c.request("GET", path, headers=hdrs)
            assert st == 200 and h["content-type"].startswith("text/csv"), (st, h)
            assert "agenda-expo-cn-1.csv" in h["content-disposition"]
            rows = list(csv.reader(io.StringIO(text, newline="")))
            assert rows[0] == ["start", "end", "table", "partner_id", "partner_name",
                               "partner_country", "interpreter", "status"], rows[0]
            assert rows[1] == ["2026-11-24T09:00:00+08:00", "2026-11-24T09:20:00+08:00",
                               "Table 1, hall A", "de-1", PARTNER["name"], "DE", "true",
                               "scheduled"], rows[1]
            assert len(rows) == 3 and rows[2][7] == "cancelled"
        st, h, body = c.request("GET", "/v1/events/expo/agenda/cn-1?format=xml")
        assert st == 400 and body["error"]["field"] == "format", body


def test_agenda_icalendar_parses_with_python_icalendar():
    with AgendaCluster() as c:
        st, h, text = c.request("GET", "/v1/events/expo/agenda/cn-1",
                                headers={"Accept": "text/calendar"})
        assert st == 200 and h["content-type"].startswith("text/calendar"), (st, h)
        assert h["cache-control"] == "no-cache"
        cal = parse_ics(text)
        assert str(cal["VERSION"]) == "2.0" and "smematch" in str(cal["PRODID"])
        assert str(cal["X-WR-CALNAME"]) == "Ningbo Expo, \u5b81\u6ce2 - Deli <Stationery>"
        evs = cal.walk("VEVENT")
        assert [str(e["UID"]) for e in evs] == ["m1@expo", "m2@expo"]
        assert utc(evs[0].decoded("DTSTART")) == "20261124T010000Z"
        assert utc(evs[0].decoded("DTEND")) == "20261124T012000Z"
        assert utc(evs[1].decoded("DTSTART")) == "20261124T052000Z"
        assert str(evs[0]["SUMMARY"]) == "Meeting with " + PARTNER["name"]
        assert str(evs[0]["LOCATION"]) == "Table 1, hall A"
        assert "interpreter" in str(evs[0]["DESCRIPTION"])
        assert str(evs[0]["STATUS"]) == "CONFIRMED" and str(evs[1]["STATUS"]) == "CANCELLED"
        assert "DTSTAMP" in evs[0] and "SEQUENCE" in evs[0]
        # The same URL by ?format=ics gives the same calendar (a subscribable feed).
        st, h, text2 = c.request("GET", "/v1/events/expo/agenda/cn-1?format=ics")
        assert st == 200 and len(parse_ics(text2).walk("VEVENT")) == 2


def test_table_sheet_and_schedule_csv_and_html():
    with AgendaCluster() as c:
        st, h, text = c.request("GET", "/v1/events/expo/tables/t1/sheet?format=csv")
        assert st == 200 and h["content-type"].startswith("text/csv"), (st, text)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0] == ["start", "end", "slot", "a_id", "a_name", "b_id", "b_name", "status"]
        assert rows[1][3:7] == ["cn-1", "Deli <Stationery>", "de-1", "M\u00fcller"], rows
        st, h, body = c.request("GET", "/v1/events/expo/tables/t1/sheet")
        assert st == 200 and body == SHEET
        st, h, body = c.request("GET", "/v1/events/expo/tables/t1/sheet?format=ics")
        assert st == 400
        st, h, page = c.request("GET", "/v1/events/expo/tables/t1/sheet?format=html")
        assert st == 200 and h["content-type"].startswith("text/html")
        assert "Deli &lt;Stationery&gt;" in page and "<Stationery>" not in page
        st, h, page = c.request("GET", "/v1/events/expo/agenda/cn-1?format=html")
        assert st == 200 and "<table>" in page and "2026-11-24 09:00" in page
        st, h, text = c.request("GET", "/v1/events/expo/schedule.csv")
        assert st == 200 and h["content-type"].startswith("text/csv"), (st, text)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0][:6] == ["id", "slot", "start", "end", "table", "table_label"], rows[0]
        assert rows[1][0] == "m1" and rows[1][4] == "t1" and rows[1][6] == "cn-1", rows[1]


def test_cli_event_agenda_prints_each_format():
    import subprocess
    with AgendaCluster() as c:
        url = "http://127.0.0.1:%d" % c.http_port
        out = subprocess.run([harness.CLI, "--url", url, "event", "agenda", "expo", "cn-1",
                              "--format", "ics"], capture_output=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert len(parse_ics(out.stdout.decode()).walk("VEVENT")) == 2
        out = subprocess.run([harness.CLI, "--url", url, "event", "agenda", "expo", "cn-1"],
                             capture_output=True, timeout=30)
        assert out.returncode == 0 and json.loads(out.stdout) == AGENDA, out
        out = subprocess.run([harness.CLI, "--url", url, "event", "agenda", "expo", "nobody"],
                             capture_output=True, timeout=30)
        assert out.returncode == 1 and b"no such profile" in out.stderr, out


# -- the real engine ---------------------------------------------------------------------------

def test_real_engine_agenda_in_three_formats():
    from test_stream import EventOps, real_engine_has_events
    with harness.Cluster() as c:
        if not real_engine_has_events(c):
            print("skip: the engine has no event ops yet")
            return
        ops = EventOps(c)
        try:
            ops.create_event("expo1", tables=1, slots=2)
            ops.add_participant("expo1", "cn-a")
            ops.profile("de-b", country="DE", name="M\u00fcller, Berlin; GmbH")
            ops.add_participant("expo1", "de-b")
            ops.add_meeting("expo1", "cn-a", "de-b")
            rep = ops.schedule("expo1")
            assert len(rep["placed"]) == 1, rep
        finally:
            ops.close()
        st, h, body = c.request("GET", "/v1/events/expo1/agenda/cn-a")
        assert st == 200 and len(body["meetings"]) == 1, body
        m = body["meetings"][0]
        st, h, text = c.request("GET", "/v1/events/expo1/agenda/cn-a?format=csv")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert st == 200 and len(rows) == 2 and rows[1][3] == "de-b", rows
        assert rows[1][4] == "M\u00fcller, Berlin; GmbH" and rows[1][2] == "Table 1", rows
        st, h, text = c.request("GET", "/v1/events/expo1/agenda/cn-a",
                                headers={"Accept": "text/calendar"})
        assert st == 200, (st, text)
        evs = parse_ics(text).walk("VEVENT")
        assert len(evs) == 1 and str(evs[0]["UID"]) == m["id"] + "@expo1"
        start = datetime.datetime.fromisoformat(m["start"])
        assert utc(evs[0].decoded("DTSTART")) == utc(start)
        assert str(evs[0]["SUMMARY"]) == "Meeting with M\u00fcller, Berlin; GmbH"
        st, h, text = c.request("GET", "/v1/events/expo1/agenda/de-b?format=ics")
        evs_b = parse_ics(text).walk("VEVENT")
        assert [str(e["UID"]) for e in evs_b] == [m["id"] + "@expo1"]  # one meeting, one UID
        st, h, text = c.request("GET", "/v1/events/expo1/schedule.csv")
        assert st == 200 and text.count("\r\n") == 2, text
        st, h, text = c.request("GET", "/v1/events/expo1/tables/t1/sheet?format=csv")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert st == 200 and len(rows) == 2 and {rows[1][3], rows[1][5]} == {"cn-a", "de-b"}, rows
        st, h, body = c.request("GET", "/v1/events/nope/agenda/cn-a?format=ics")
        assert st == 404 and body["error"]["code"] == "not_found", body


def test_real_engine_cli_event_commands():
    import subprocess
    import tempfile
    with harness.Cluster() as c:
        st, h, body = c.request("POST", "/v1/events", {})
        if st == 404 and body["error"]["message"] == "no such path":
            print("skip: the gateway has no event routes yet")
            return
        url = "http://127.0.0.1:%d" % c.http_port
        cli = lambda *args: subprocess.run([harness.CLI, "--url", url] + list(args),
                                           capture_output=True, timeout=60)
        tmpdir = tempfile.TemporaryDirectory(prefix="smematch-cli-")
        tmp = tmpdir.name
        ev = {"id": "expo9", "name": "Expo Nine", "timezone": "+08:00",
              "slots": [{"start": "2026-11-24T09:00:00+08:00", "end": "2026-11-24T09:20:00+08:00"},
                        {"start": "2026-11-24T09:20:00+08:00", "end": "2026-11-24T09:40:00+08:00"}],
              "tables": [{"id": "t1", "label": "Table 1"}]}
        with open(os.path.join(tmp, "expo.json"), "w") as f:
            json.dump(ev, f)
        out = cli("event", "create", os.path.join(tmp, "expo.json"))
        assert out.returncode == 0 and b"expo9" in out.stdout, out
        st, h, body = c.request("POST", "/v1/profiles", harness.profile("cn-old"))
        assert st == 201, body
        with open(os.path.join(tmp, "p.csv"), "w") as f:
            f.write("profile_id,role,min,max,unavailable,kind,name,country,languages\r\n"
                    "cn-old,supplier,1,2,,,,,\r\n"
                    "de-new,buyer,1,2,1,foreign,\"Berlin, GmbH\",DE,de;en\r\n"
                    "nobody,buyer,x,2,,,,,\r\n")
        out = cli("event", "import-participants", "expo9", os.path.join(tmp, "p.csv"))
        assert out.returncode == 3, out  # the third row has a bad min
        assert b"participants added: 2, failed: 1" in out.stdout, out
        assert b"record 4" in out.stderr, out
        st, h, body = c.request("GET", "/v1/profiles/de-new")
        assert st == 200 and body["name"] == "Berlin, GmbH" and body["languages"] == ["de", "en"]
        st, h, body = c.request("POST", "/v1/events/expo9/meetings", {"a": "cn-old", "b": "de-new"})
        assert st in (200, 201), (st, body)
        out = cli("event", "schedule", "expo9", "--mode", "place", "--publish")
        assert out.returncode == 0 and b"placed: 1, unplaced: 0" in out.stdout, out
        out = cli("event", "agenda", "expo9", "de-new", "--format", "csv")
        assert out.returncode == 0 and out.stdout.count(b"\r\n") == 2, out
        assert b"cn-old" in out.stdout and b"09:00:00+08:00" in out.stdout, out  # slot 1 unavailable
        out = cli("event", "stats", "expo9")
        assert out.returncode == 0 and json.loads(out.stdout)["participants"] == 2, out
        tmpdir.cleanup()


if __name__ == "__main__":
    harness.run_tests([v for k, v in list(globals().items()) if k.startswith("test_")])
