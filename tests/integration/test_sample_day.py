"""The walk-through of docs/events.md ("a sample expo day"), step by step through the CLI and
HTTP, on the shipped sample data: every hard rule of the published schedule is checked here
independently of the engine."""
import collections
import json
import os
import subprocess

from harness import CLI, SOURCE, Cluster, run_tests

EVENT = "china-eu-expo-2026"
REQUESTER = "de-lower-saxony-000054"
NOSHOW = "it-lazio-000217"


def data(name):
    return os.path.join(SOURCE, "data", name)


def cli(c, *args):
    env = dict(os.environ, SMEMATCH_URL="http://127.0.0.1:%d" % c.http_port)
    r = subprocess.run([CLI] + list(args), capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, (args, r.returncode, r.stdout, r.stderr)
    return r.stdout


def check_hard_rules(schedule, participants, forbidden):
    busy = set()
    tables = set()
    pairs = set()
    per = collections.Counter()
    for m in schedule:
        a, b, s, t = m["a"]["id"], m["b"]["id"], m["slot"], m["table"]["id"]
        for p in (a, b):
            assert (p, s) not in busy, ("double-booked", p, s)
            busy.add((p, s))
            assert s not in forbidden.get(p, ()), ("forbidden slot", p, s)
            per[p] += 1
        assert (t, s) not in tables, ("table used twice", t, s)
        tables.add((t, s))
        pair = tuple(sorted((a, b)))
        assert pair not in pairs, ("pair meets twice", pair)
        pairs.add(pair)
        if t == "b01":
            assert "cn-ningbo-000000" in (a, b), ("booth used without its owner", m)
        elif "cn-ningbo-000000" in (a, b):
            raise AssertionError("booth owner away from the booth: %r" % m)
    for p, n in per.items():
        assert n <= participants[p]["max_meetings"], ("cap exceeded", p, n)
    return per


def test_sample_expo_day_as_in_the_walk_through():
    with Cluster() as c:
        cli(c, "import", data("sample-expo.ndjson"))
        cli(c, "event", "create", data("sample-event.json"))
        out = cli(c, "event", "import-participants", EVENT, data("sample-participants.csv"))
        assert "participants added: 300, failed: 0" in out, out

        st, _, r = c.request("POST", "/v1/events/%s/requests" % EVENT, {
            "from": REQUESTER, "to": "cn-ningbo-000000", "priority": 5,
            "message": "we distribute cosmetics in Lower Saxony"})
        assert st == 201, r
        st, _, r = c.request("PUT", "/v1/events/%s/requests/%s" % (EVENT, r["id"]),
                             {"action": "accept", "by": "cn-ningbo-000000"})
        assert st == 200, r

        out = cli(c, "event", "schedule", EVENT, "--mode", "choose", "--publish")
        print(out.strip())
        assert "published: yes" in out and "unplaced: 0" in out, out
        assert "breaks: 0 total" in out, out

        st, _, parts = c.request("GET", "/v1/events/%s/participants" % EVENT)
        assert st == 200
        plist = parts["participants"] if isinstance(parts, dict) else parts
        participants = {p["profile"]: p for p in plist}
        forbidden = {p["profile"]: set(p.get("forbidden") or []) for p in plist}
        st, _, sched = c.request("GET", "/v1/events/%s/schedule" % EVENT)
        assert st == 200
        per = check_hard_rules(sched["meetings"], participants, forbidden)
        # The accepted request is on the schedule; nobody registered is left without a meeting.
        assert any(m["id"] == "m1" and {m["a"]["id"], m["b"]["id"]} == {REQUESTER, "cn-ningbo-000000"}
               for m in sched["meetings"])
        # Nobody is left without a meeting while an acceptable partner (a lead at or above the
        # suggestion threshold, with room for one more meeting) is a participant too.
        for p in participants:
            if per[p]:
                continue
            st, _, leads = c.request("GET", "/v1/profiles/%s/leads?limit=50&explain=false" % p)
            assert st == 200, leads
            for lead in leads["leads"]:
                q = lead["id"]
                if lead["score"] >= 0.3 and q in participants and \
                        per[q] < participants[q]["max_meetings"]:
                    raise AssertionError("%s has no meeting but %s (score %.3f, %d meetings) "
                                         "would fit" % (p, q, lead["score"], per[q]))
        before = {m["id"]: (m["slot"], m["table"]["id"]) for m in sched["meetings"]}

        agenda = cli(c, "event", "agenda", EVENT, "cn-ningbo-000000", "--format", "csv")
        assert agenda.startswith("start,end,table,partner_id"), agenda
        st, h, ics = c.request("GET", "/v1/events/%s/agenda/cn-ningbo-000000?format=ics" % EVENT)
        assert st == 200 and "BEGIN:VCALENDAR" in ics
        st, _, sheet = c.request("GET", "/v1/events/%s/tables/b01/sheet?format=csv" % EVENT)
        assert st == 200 and sheet.count("\n") >= 2, sheet

        st, _, r = c.request("PUT", "/v1/events/%s/participants/%s" % (EVENT, NOSHOW),
                             {"status": "no_show"})
        assert st == 200, r
        out = cli(c, "event", "schedule", EVENT, "--mode", "place", "--publish")
        print(out.strip())
        st, _, after = c.request("GET", "/v1/events/%s/schedule" % EVENT)
        check_hard_rules(after["meetings"], participants, forbidden)
        noshow_meetings = {m["id"] for m in sched["meetings"]
                           if NOSHOW in (m["a"]["id"], m["b"]["id"])}
        assert "unplaced: %d" % len(noshow_meetings) in out, (len(noshow_meetings), out)
        for m in after["meetings"]:
            if m["id"] in noshow_meetings:
                continue
            assert (m["slot"], m["table"]["id"]) == before[m["id"]], ("moved", m)
        assert not noshow_meetings & {m["id"] for m in after["meetings"]}

        # A walk-in registers at the desk: choose mode finds them partners in the gaps and
        # leaves every published meeting where it is.
        st, _, base = c.request("GET", "/v1/profiles/cn-ningbo-000000")
        walkin = dict(base, id="cn-ningbo-walkin-1", name="Ningbo Walk-in Trading Co.")
        for k in ("created_ms", "updated_ms"):
            walkin.pop(k, None)
        assert c.request("POST", "/v1/profiles", walkin)[0] == 201
        st, _, r = c.request("POST", "/v1/events/%s/participants" % EVENT,
                             {"profile": "cn-ningbo-walkin-1", "walk_in": True, "group": "cn",
                              "max_meetings": 4})
        assert st == 201, r
        out = cli(c, "event", "schedule", EVENT, "--mode", "choose", "--publish")
        print(out.strip())
        assert "moved: 0" in out, out
        st, _, final = c.request("GET", "/v1/events/%s/schedule" % EVENT)
        check_hard_rules(final["meetings"], dict(participants, **{
            "cn-ningbo-walkin-1": {"max_meetings": 4}}), forbidden)
        for m in final["meetings"]:
            if m["id"] in before and m["id"] not in noshow_meetings:
                assert (m["slot"], m["table"]["id"]) == before[m["id"]], ("moved", m)
        assert any("cn-ningbo-walkin-1" in (m["a"]["id"], m["b"]["id"])
                   for m in final["meetings"]), "the walk-in got no meeting"

        for body in ({"by": "organizer", "held": True},
                     {"by": "cn-ningbo-000000", "outcome": "prospective_deal"}):
            st, _, r = c.request("PUT", "/v1/events/%s/meetings/m1" % EVENT, body)
            assert st == 200, r
        stats = json.loads(cli(c, "event", "stats", EVENT))
        assert stats["participants"] == 301  # with the walk-in
        assert stats["meetings"]["held"] == 1
        assert stats["outcomes"]["prospective_deal"] == 1


if __name__ == "__main__":
    run_tests([test_sample_expo_day_as_in_the_walk_through])
