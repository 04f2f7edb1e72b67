"""Live matchmaking events end to end over HTTP (docs/api.md "Events", docs/protocol.md
"## Events"): an event from a day plan, participants from the sample expo, requests accepted,
declined and expired, a veto, a schedule checked independently here against every hard rule, a
no-show and a closed table re-scheduled around the published meetings, attendance and outcomes
counted in the statistics, the change log over HTTP and on the engine's PUB socket, bad inputs,
and the data surviving an engine restart.

Run with Debian's /usr/bin/python3 (python3-zmq, python3-msgpack).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, SOURCE, run_tests, wait_for  # noqa: E402

import msgpack  # noqa: E402
import zmq  # noqa: E402

EV = "expo-2026"
EXPIRY_MIN = 0.05  # 3 s
C = None
S = {}  # state shared by the ordered tests


def req(method, path, body=None):
    return C.request(method, path, body)


def ok(method, path, body=None, want=200):
    st, _, js = req(method, path, body)
    assert st == want, (method, path, st, js)
    return js


def bad(method, path, body, status, field):
    st, _, js = req(method, path, body)
    assert st == status, (path, body, st, js)
    assert js["error"]["field"] == field, (path, body, js)
    return js


def sample_ids():
    with open(os.path.join(SOURCE, "data", "sample-expo.ndjson")) as f:
        return [json.loads(line)["id"] for line in f if line.strip()]


def plan_event(eid=EV):
    return {
        "id": eid, "name": "Ningbo Expo 2026", "timezone": "Europe/Berlin",
        "plan": {"date": "2026-05-12", "start": "09:00", "end": "17:00", "slot_minutes": 20,
                 "breaks": [{"start": "12:00", "end": "13:00"}]},
        "tables": [{"id": "t1", "label": "Table 1"}, {"id": "t2"}, {"id": "t3"},
                   {"id": "b1", "label": "Booth Ningbo", "owner": S["ids"][0]}],
        "settings": {"request_expiry_minutes": EXPIRY_MIN},
    }


def request_pair(a, b, accept, priority=3):
    r = ok("POST", "/v1/events/%s/requests" % EV,
           {"from": a, "to": b, "priority": priority, "message": "let us meet"}, 201)
    assert r["status"] == "pending" and r["id"].startswith("r")
    if accept is not None:
        out = ok("PUT", "/v1/events/%s/requests/%s" % (EV, r["id"]),
                 {"action": "accept" if accept else "decline", "by": b})
        assert out["request"]["status"] == ("accepted" if accept else "declined")
        assert (out["meeting"] is not None) == accept
    return r


# ---- independent checks ----------------------------------------------------------------------

def breaks_of(slots, forbidden, busy):
    """Breaks per the definition in sched.h: idle runs between two meetings of one block,
    forbidden slots transparent."""
    n, seen, idle = 0, False, False
    for i, s in enumerate(slots):
        if i == 0 or (s["day"], s["session"]) != (slots[i - 1]["day"], slots[i - 1]["session"]):
            seen, idle = False, False
        if i in forbidden:
            continue
        if i in busy:
            if seen and idle:
                n += 1
            seen, idle = True, False
        elif seen:
            idle = True
    return n


def check_schedule(sched, eid=EV):
    """Every hard rule, from the JSON alone. Returns {participant: breaks}."""
    ev = ok("GET", "/v1/events/" + eid)
    parts = {p["profile"]: p for p in ok("GET", "/v1/events/%s/participants" % eid)["participants"]}
    tables = {t["id"]: t for t in ev["tables"]}
    slots = ev["slots"]
    busy, table_use, pairs = {}, set(), set()
    for m in sched["meetings"]:
        s, t, a, b = m["slot"], m["table"]["id"], m["a"]["id"], m["b"]["id"]
        assert m["start"] == slots[s]["start"] and m["end"] == slots[s]["end"]
        for who in (a, b):
            assert (who, s) not in busy, "double-booked %s in slot %d" % (who, s)
            busy[(who, s)] = m["id"]
            assert s not in parts[who]["forbidden"], "%s meets in a forbidden slot" % who
            assert parts[who]["status"] != "no_show" or m["status"] in ("held", "no_show")
        assert (s, t) not in table_use, "table %s used twice in slot %d" % (t, s)
        table_use.add((s, t))
        assert not tables[t]["out_of_use"] or m["status"] in ("held", "no_show")
        pair = tuple(sorted((a, b)))
        assert pair not in pairs, "pair meets twice"
        pairs.add(pair)
        owner = tables[t]["owner"]
        if owner:
            assert owner in (a, b), "booth %s used without its owner" % t
        for who in (a, b):
            booths = [x for x in tables.values() if x["owner"] == who]
            if booths:
                assert t in [x["id"] for x in booths], "booth owner %s not at the booth" % who
    out = {}
    for p in parts:
        mine = {s for (who, s) in busy if who == p}
        out[p] = breaks_of(slots, set(parts[p]["forbidden"]), mine)
    return out


# ---- tests -----------------------------------------------------------------------------------

def test_setup_event_from_day_plan():
    ids = sample_ids()
    S["ids"] = ids
    with open(os.path.join(SOURCE, "data", "sample-expo.ndjson"), "rb") as f:
        st, _, js = C.request("POST", "/v1/profiles/import", f.read(),
                              {"Content-Type": "application/x-ndjson"})
    assert st == 200 and js["stored"] == len(ids), js
    ev = ok("POST", "/v1/events", plan_event(), 201)
    # 09:00-12:00 and 13:00-17:00 in 20-minute slots: 9 + 12, Berlin summer time.
    assert len(ev["slots"]) == 21, ev
    assert ev["slots"][0]["start"] == "2026-05-12T09:00:00+02:00"
    assert ev["slots"][8]["end"] == "2026-05-12T12:00:00+02:00"
    assert ev["slots"][9]["start"] == "2026-05-12T13:00:00+02:00"
    assert ev["sessions"] == ["morning", "afternoon"]
    assert [s["session"] for s in ev["slots"]].count("morning") == 9
    got = ok("GET", "/v1/events/" + EV)
    assert got["name"] == "Ningbo Expo 2026" and got["timezone"] == "Europe/Berlin"
    assert got["tables"][3]["owner"] == ids[0]
    assert got["settings"]["request_expiry_minutes"] == EXPIRY_MIN


def test_participants_added_with_availability():
    ids = S["ids"]
    for i in range(16):
        body = {"profile": ids[i], "role": "exhibitor" if i == 0 else "visitor"}
        if i == 5:
            body["forbidden"] = [0, 1, 2]
        if i == 6:
            body["forbidden"] = [{"start": "2026-05-12T15:00:00+02:00",
                                  "end": "2026-05-12T17:00:00+02:00"}]
        p = ok("POST", "/v1/events/%s/participants" % EV, body, 201)
        assert p["profile"] == ids[i] and p["status"] == "registered"
        assert p["languages"], p
    parts = ok("GET", "/v1/events/%s/participants" % EV)["participants"]
    assert len(parts) == 16
    by = {p["profile"]: p for p in parts}
    assert by[ids[5]]["forbidden"] == [0, 1, 2]
    assert by[ids[6]]["forbidden"] == [15, 16, 17, 18, 19, 20]
    bad("POST", "/v1/events/%s/participants" % EV, {"profile": ids[0]}, 409, "profile")
    bad("POST", "/v1/events/%s/participants" % EV, {"profile": "nobody-here"}, 404, "profile")
    bad("POST", "/v1/events/%s/participants" % EV, {"profile": ids[20], "forbidden": [99]}, 400,
        "forbidden[0]")


def test_requests_accepted_declined_vetoed_and_expired():
    ids = S["ids"]
    accepted = []
    for i in range(1, 12):
        accepted.append(request_pair(ids[i], ids[i + 1], True, priority=1 + i % 5))
    for i in range(1, 9):
        accepted.append(request_pair(ids[i], ids[i + 3], True))
    accepted.append(request_pair(ids[2], ids[0], True, priority=5))
    accepted.append(request_pair(ids[7], ids[0], True))
    accepted.append(request_pair(ids[12], ids[0], True))
    S["accepted"] = len(accepted)
    request_pair(ids[13], ids[14], False)
    # A veto blocks requests both ways.
    v = ok("POST", "/v1/events/%s/vetoes" % EV,
           {"by": ids[15], "partner": ids[14], "reason": "met_before"}, 201)
    assert v == {"by": ids[15], "partner": ids[14], "reason": "met_before"}
    bad("POST", "/v1/events/%s/requests" % EV, {"from": ids[14], "to": ids[15]}, 409, "to")
    bad("POST", "/v1/events/%s/requests" % EV, {"from": ids[15], "to": ids[14]}, 409, "to")
    # Pending past the expiry: never accepted, shown and logged as expired.
    r = request_pair(ids[14], ids[1], None)
    time.sleep(EXPIRY_MIN * 60 + 0.5)
    st, _, js = req("PUT", "/v1/events/%s/requests/%s" % (EV, r["id"]),
                    {"action": "accept", "by": ids[1]})
    assert st == 409 and js["error"]["field"] == "request", js
    reqs = ok("GET", "/v1/events/%s/requests?profile=%s" % (EV, ids[14]))["requests"]
    assert [x["status"] for x in reqs if x["id"] == r["id"]] == ["expired"]
    # The wrong side cannot answer; bad values name their field.
    r2 = request_pair(ids[9], ids[15], None)
    bad("PUT", "/v1/events/%s/requests/%s" % (EV, r2["id"]), {"action": "accept", "by": ids[9]},
        403, "by")
    ok("PUT", "/v1/events/%s/requests/%s" % (EV, r2["id"]), {"action": "cancel", "by": ids[9]})
    bad("POST", "/v1/events/%s/requests" % EV, {"from": ids[1], "to": ids[9], "priority": 9}, 400,
        "priority")
    bad("POST", "/v1/events/%s/requests" % EV,
        {"from": ids[1], "to": ids[9], "about": {"need": "needs[7]"}}, 400, "about.need")
    bad("PUT", "/v1/events/%s/requests/r999" % EV, {"action": "accept", "by": ids[1]}, 404,
        "request")


def test_schedule_places_every_accepted_meeting_without_violations():
    t0 = time.time()
    out = ok("POST", "/v1/events/%s/schedule" % EV, {"mode": "place", "deadline_ms": 2000})
    S["sched_ms"] = (time.time() - t0) * 1000
    assert out["published"] is True
    assert out["unplaced"] == [], out["unplaced"]
    assert len(out["placed"]) == S["accepted"]
    assert out["moved"] == []
    sched = ok("GET", "/v1/events/%s/schedule" % EV)
    assert len(sched["meetings"]) == S["accepted"]
    brk = check_schedule(sched)
    assert out["breaks"]["total"] == sum(brk.values()), (out["breaks"], brk)
    assert out["breaks"]["max"] == max(brk.values())
    assert out["breaks"]["total"] >= out["breaks"]["lower_bound"]
    S["brk"] = brk
    S["positions"] = {m["id"]: (m["slot"], m["table"]["id"]) for m in sched["meetings"]}
    # Booth owner ids[0] meets only at b1.
    owner_meetings = [m for m in sched["meetings"] if S["ids"][0] in (m["a"]["id"], m["b"]["id"])]
    assert len(owner_meetings) == 3 and all(m["table"]["id"] == "b1" for m in owner_meetings)


def test_no_show_reschedule_keeps_others_in_place():
    ids = S["ids"]
    gone = ids[4]
    p = ok("PUT", "/v1/events/%s/participants/%s" % (EV, gone), {"status": "no_show"})
    assert p["status"] == "no_show"
    out = ok("POST", "/v1/events/%s/schedule" % EV, {})
    sched = ok("GET", "/v1/events/%s/schedule" % EV)
    check_schedule(sched)
    theirs = {mid for mid in S["positions"]}
    dropped = {m["id"] for m in out["moved"]}
    assert dropped, out
    assert all(m["move"] == "dropped" and m["to"] is None for m in out["moved"])
    now = {m["id"]: (m["slot"], m["table"]["id"]) for m in sched["meetings"]}
    for mid, pos in S["positions"].items():
        if mid in dropped:
            assert mid not in now
        else:
            assert now[mid] == pos, "meeting %s moved without cause" % mid
    involved = [m for m in sched["meetings"] if gone in (m["a"]["id"], m["b"]["id"])]
    assert involved == []
    assert {u["reason"] for u in out["unplaced"]} == {"absent"}
    assert len(theirs) - len(dropped) == len(now)
    S["positions"] = now


def test_table_out_of_use_moves_only_its_meetings():
    st = ok("PUT", "/v1/events/%s/tables/t1" % EV, {"out_of_use": True})
    assert st["out_of_use"] is True
    at_t1 = {mid for mid, (_, t) in S["positions"].items() if t == "t1"}
    out = ok("POST", "/v1/events/%s/schedule" % EV, {})
    sched = ok("GET", "/v1/events/%s/schedule" % EV)
    check_schedule(sched)
    moved = {m["id"]: m for m in out["moved"]}
    assert at_t1 and set(moved) == at_t1, (at_t1, out["moved"])
    assert all(m["move"] in ("table", "slot") and m["from"]["table"] == "t1"
               for m in out["moved"])
    now = {m["id"]: (m["slot"], m["table"]["id"]) for m in sched["meetings"]}
    for mid, pos in S["positions"].items():
        if mid not in at_t1:
            assert now[mid] == pos
        elif mid in now:
            assert now[mid][1] != "t1"
    S["positions"] = now
    S["brk"] = check_schedule(sched)


def test_change_published_on_pub_with_increasing_seq():
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, ("event/" + EV).encode())
    sub.connect(C.pub)
    got = []

    # ZeroMQ's slow joiner: a SUB socket misses what is published before its subscription
    # reaches the publisher. Warm up with changes whose messages are not checked (a repeated
    # check-in is logged as participant.updated), then check two fresh changes.
    def warm_up():
        ok("PUT", "/v1/events/%s/participants/%s" % (EV, S["ids"][1]), {"status": "checked_in"})
        if sub.poll(300):
            sub.recv_multipart()
            return True
        return False

    wait_for(warm_up, 10, "an update on the PUB socket")
    while sub.poll(200):
        sub.recv_multipart()
    before = ok("GET", "/v1/events/%s/changes?since=0&limit=1" % EV)["last_seq"]
    more = []
    ok("PUT", "/v1/events/%s/participants/%s" % (EV, S["ids"][2]), {"status": "checked_in"})
    assert sub.poll(5000)
    got.append(sub.recv_multipart())
    ok("PUT", "/v1/events/%s/participants/%s" % (EV, S["ids"][1]), {"status": "checked_in"})
    assert sub.poll(5000)
    more.append(sub.recv_multipart())
    sub.close()
    topic, payload = got[0]
    assert topic == ("event/" + EV).encode()
    u = msgpack.unpackb(payload, raw=False)
    assert u["event"] == EV and u["type"] == "participant.checked_in", u
    assert u["seq"] > before and isinstance(u["ts"], int) and u["data"]["status"] == "checked_in"
    u2 = msgpack.unpackb(more[0][1], raw=False)
    assert u2["seq"] == u["seq"] + 1 or u2["seq"] > u["seq"], (u, u2)
    ch = ok("GET", "/v1/events/%s/changes?since=%d" % (EV, u["seq"] - 1))
    assert ch["changes"][0]["seq"] == u["seq"] and ch["changes"][0]["type"] == u["type"]
    assert ch["last_seq"] == u2["seq"]


def test_change_log_pages_in_order():
    ch = ok("GET", "/v1/events/%s/changes?since=0&limit=5" % EV)
    assert [c["seq"] for c in ch["changes"]] == [1, 2, 3, 4, 5]
    assert ch["changes"][0]["type"] == "event.created"
    assert ch["last_seq"] > 5
    full = []
    since = 0
    while True:
        page = ok("GET", "/v1/events/%s/changes?since=%d&limit=1000" % (EV, since))["changes"]
        if not page:
            break
        full += page
        since = page[-1]["seq"]
    assert [c["seq"] for c in full] == list(range(1, len(full) + 1))
    types = {c["type"] for c in full}
    for t in ("participant.added", "request.created", "request.accepted", "request.declined",
              "request.expired", "request.cancelled", "veto.added", "meeting.added",
              "meeting.placed", "meeting.moved", "schedule.published", "table.updated",
              "participant.no_show"):
        assert t in types, t
    bad("GET", "/v1/events/%s/changes?limit=5000" % EV, None, 400, "limit")
    bad("GET", "/v1/events/%s/changes?bogus=1" % EV, None, 400, "bogus")


def test_attendance_and_outcomes_give_exact_stats():
    sched = ok("GET", "/v1/events/%s/schedule" % EV)
    ms = sched["meetings"]
    m1, m2, m3 = ms[0], ms[1], ms[2]
    base = "/v1/events/%s/meetings/" % EV
    r = ok("PUT", base + m1["id"], {"by": m1["a"]["id"], "held": True})
    assert r["status"] == "held"
    ok("PUT", base + m1["id"], {"by": m1["b"]["id"], "held": True})
    ok("PUT", base + m2["id"], {"by": m2["a"]["id"], "held": True})
    r = ok("PUT", base + m2["id"], {"by": m2["b"]["id"], "held": False})
    assert r["status"] == "no_show"
    r = ok("PUT", base + m3["id"], {"by": "organizer", "held": True})
    assert r["status"] == "held"
    ok("PUT", base + m1["id"], {"by": m1["a"]["id"], "outcome": "prospective_deal"})
    ok("PUT", base + m1["id"], {"by": m1["b"]["id"], "outcome": "follow_up"})
    ok("PUT", base + m3["id"], {"by": m3["a"]["id"], "outcome": "follow_up"})
    # Updated later: the newest outcome counts.
    r = ok("PUT", base + m3["id"], {"by": m3["a"]["id"], "outcome": "signed"})
    assert r["outcomes"] == {m3["a"]["id"]: "signed"}
    bad("PUT", base + m2["id"], {"by": m2["a"]["id"], "outcome": "signed"}, 409, "meeting")
    bad("PUT", base + m1["id"], {"by": m1["a"]["id"], "outcome": "great"}, 400, "outcome")
    bad("PUT", base + m1["id"], {"by": S["ids"][15], "held": True}, 403, "by")

    st = ok("GET", "/v1/events/%s/stats" % EV)
    n_planned = len(ms)
    assert st["participants"] == 16
    assert st["meetings"]["planned"] == n_planned
    assert st["meetings"]["held"] == 2 and st["meetings"]["no_show"] == 1
    assert abs(st["no_show_rate"] - 1 / 3) < 1e-9
    rq = st["requests"]
    assert rq["accepted"] == S["accepted"] and rq["declined"] == 1 and rq["expired"] == 1
    assert rq["cancelled"] == 1
    assert abs(st["acceptance_rate"] - S["accepted"] / (S["accepted"] + 2)) < 1e-9
    assert st["outcomes"] == {"no_interest": 0, "follow_up": 0, "prospective_deal": 1,
                              "signed": 1}
    per = {}
    for m in ms:
        for who in (m["a"]["id"], m["b"]["id"]):
            per[who] = per.get(who, 0) + 1
    assert abs(st["meetings_per_participant"]["mean"] - sum(per.values()) / 16) < 1e-9
    assert st["meetings_per_participant"]["max"] == max(per.values())
    brk = S["brk"]
    assert abs(st["breaks_per_participant"]["mean"] - sum(brk.values()) / 16) < 1e-9
    assert st["breaks_per_participant"]["max"] == max(brk.values())
    interp = sum(1 for m in ms if m["interpreter"])
    assert st["interpreters"]["meetings"] == interp
    countries = {}
    for m in ms:
        for side in ("a", "b"):
            c = m[side]["country"]
            countries[c] = countries.get(c, 0) + 1
    assert {c: v["meetings"] for c, v in st["by_country"].items() if v["meetings"]} == countries
    assert sum(v["meetings"] for v in st["by_type"].values()) == n_planned
    S["stats"] = st


def test_bad_event_inputs_name_the_field():
    ids = S["ids"]
    good = plan_event("bad-ev")

    def with_(**kw):
        e = json.loads(json.dumps(good))
        e.update(kw)
        return e
    bad("POST", "/v1/events", with_(timezone="Mars/Olympus"), 400, "timezone")
    bad("POST", "/v1/events", with_(plan=dict(good["plan"], slot_minutes=2)), 400,
        "plan.slot_minutes")
    bad("POST", "/v1/events", with_(plan=dict(good["plan"], breaks=[{"start": "12:00",
                                                                    "end": "11:00"}])), 400,
        "plan.breaks[0].end")
    slots = [{"start": "2026-05-12T09:00:00+02:00", "end": "2026-05-12T09:20:00+02:00"},
             {"start": "2026-05-12T09:10:00+02:00", "end": "2026-05-12T09:30:00+02:00"}]
    e = with_(slots=slots)
    del e["plan"]
    bad("POST", "/v1/events", e, 400, "slots[1].start")
    e["slots"] = [{"start": "2026-05-12T09:00:00", "end": "2026-05-12T09:20:00+02:00"}]
    bad("POST", "/v1/events", e, 400, "slots[0].start")
    e["slots"] = [{"start": "2026-05-12T09:00:00+02:00", "end": "2026-05-12T09:00:00+02:00"}]
    bad("POST", "/v1/events", e, 400, "slots[0].end")
    bad("POST", "/v1/events", with_(tables=[{"id": "t1"}, {"id": "t1"}]), 400, "tables[1].id")
    bad("POST", "/v1/events", with_(tables=[{"id": "b", "owner": "no-such-profile"}]), 400,
        "tables[0].owner")
    bad("POST", "/v1/events", with_(settings={"group_rules": [["buyer"]]}), 400,
        "settings.group_rules[0]")
    bad("POST", "/v1/events", with_(colour="red"), 400, "colour")
    bad("POST", "/v1/events", plan_event(EV), 409, "id")
    bad("GET", "/v1/events/no-such-event", None, 404, "event")
    bad("POST", "/v1/events/%s/meetings" % EV, {"a": ids[1], "b": ids[1]}, 400, "b")
    bad("POST", "/v1/events/%s/meetings" % EV, {"a": ids[15], "b": ids[14]}, 409, "b")
    bad("POST", "/v1/events/%s/schedule" % EV, {"mode": "magic"}, 400, "mode")


def test_forced_meeting_overrides_veto_and_is_placed():
    ids = S["ids"]
    m = ok("POST", "/v1/events/%s/meetings" % EV,
           {"a": ids[15], "b": ids[14], "force": True, "session": "afternoon"}, 201)
    assert m["forced"] is True and m["session"] == "afternoon"
    out = ok("POST", "/v1/events/%s/schedule" % EV, {})
    placed = {p["id"]: p for p in out["placed"]}
    assert m["id"] in placed and placed[m["id"]]["slot"] >= 9
    sched = ok("GET", "/v1/events/%s/schedule" % EV)
    check_schedule(sched)
    S["final"] = sched


def test_choose_mode_with_group_rules_mutual_interest_and_suggestions():
    ids = S["ids"][20:44]
    eid = "expo-groups"
    e = plan_event(eid)
    e["tables"] = [{"id": "t%d" % i} for i in range(6)]
    e["settings"] = {"group_rules": [["buyer", "supplier"]], "suggestions": True,
                     "suggestion_threshold": 0.3}
    ok("POST", "/v1/events", e, 201)
    group = {}
    for i, pid in enumerate(ids):
        group[pid] = "buyer" if i % 2 == 0 else "supplier"
        ok("POST", "/v1/events/%s/participants" % eid, {"profile": pid, "group": group[pid],
                                                        "max_meetings": 4}, 201)
    bad("POST", "/v1/events/%s/participants" % eid, {"profile": S["ids"][60]}, 400, "group")
    bad("POST", "/v1/events/%s/participants" % eid,
        {"profile": S["ids"][60], "group": "press"}, 400, "group")
    # Two buyers may not meet by request; the organizer may force it.
    bad("POST", "/v1/events/%s/requests" % eid, {"from": ids[0], "to": ids[2]}, 409, "to")
    forced = ok("POST", "/v1/events/%s/meetings" % eid, {"a": ids[0], "b": ids[2], "force": True},
                201)
    # Mutual interest: both asked, nobody answered yet.
    r1 = ok("POST", "/v1/events/%s/requests" % eid, {"from": ids[4], "to": ids[5], "priority": 5},
            201)
    r2 = ok("POST", "/v1/events/%s/requests" % eid, {"from": ids[5], "to": ids[4]}, 201)
    out = ok("POST", "/v1/events/%s/schedule" % eid, {"mode": "choose", "deadline_ms": 2000})
    assert out["mode"] == "choose" and out["unplaced"] == []
    placed = out["placed"]
    origins = {m["origin"] for m in placed}
    assert "choice" in origins, origins
    assert forced["id"] in {m["id"] for m in placed}
    for m in placed:
        if m["origin"] != "organizer":
            assert group[m["a"]] != group[m["b"]], m
    mutual = [m for m in placed if m["origin"] == "choice"]
    assert {mutual[0]["a"], mutual[0]["b"]} == {ids[4], ids[5]}
    reqs = {r["id"]: r for r in ok("GET", "/v1/events/%s/requests" % eid)["requests"]}
    assert reqs[r1["id"]]["status"] == reqs[r2["id"]]["status"] == "accepted"
    per = {}
    for m in placed:
        for who in (m["a"], m["b"]):
            per[who] = per.get(who, 0) + 1
    assert max(per.values()) <= 4
    sched = ok("GET", "/v1/events/%s/schedule" % eid)
    assert len(sched["meetings"]) == len(placed)
    brk = check_schedule(sched, eid)
    assert out["breaks"]["total"] == sum(brk.values())
    S["suggested"] = sum(1 for m in placed if m["origin"] == "suggestion")


def test_event_data_survives_engine_restart():
    ev = ok("GET", "/v1/events/" + EV)
    C.kill_engine()
    C.start_engine()
    C.wait_healthy()
    wait_for(lambda: req("GET", "/v1/events/" + EV)[0] == 200, 15, "event after restart")
    assert ok("GET", "/v1/events/" + EV) == ev
    assert ok("GET", "/v1/events/%s/schedule" % EV) == S["final"]
    st = ok("GET", "/v1/events/%s/stats" % EV)
    assert st["outcomes"] == S["stats"]["outcomes"]
    assert st["meetings"]["held"] == 2


def main():
    global C
    C = Cluster()
    C.start()
    try:
        run_tests([
            test_setup_event_from_day_plan,
            test_participants_added_with_availability,
            test_requests_accepted_declined_vetoed_and_expired,
            test_schedule_places_every_accepted_meeting_without_violations,
            test_no_show_reschedule_keeps_others_in_place,
            test_table_out_of_use_moves_only_its_meetings,
            test_change_published_on_pub_with_increasing_seq,
            test_change_log_pages_in_order,
            test_attendance_and_outcomes_give_exact_stats,
            test_bad_event_inputs_name_the_field,
            test_forced_meeting_overrides_veto_and_is_placed,
            test_choose_mode_with_group_rules_mutual_interest_and_suggestions,
            test_event_data_survives_engine_restart,
        ])
    finally:
        print("schedule POST round trip: %.1f ms; suggestions placed in choose mode: %s"
              % (S.get("sched_ms", -1), S.get("suggested")))
        C.cleanup()


if __name__ == "__main__":
    main()
