"""Leads and search end to end (issue 3): the real engine and gateway on loopback, a small fixed
set of hand-made profiles whose expected leads are checked by hand, over HTTP, over ZeroMQ (pyzmq)
and through the CLI.

Run: SMEMATCH_BUILD=build /usr/bin/python3 tests/integration/test_leads.py
"""
import json
import os
import subprocess
import sys
import urllib.parse

import msgpack
import zmq

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import CLI, Cluster, run_tests  # noqa: E402


def P(pid, kind, name, country, offers=(), needs=(), sectors=(), langs=("en",), zone=None):
    p = {"id": pid, "kind": kind, "name": name, "country": country, "languages": list(langs),
         "offers": list(offers), "needs": list(needs)}
    if sectors:
        p["sectors"] = list(sectors)
    if zone:
        p["zone"] = zone
    return p


def item(type_, text, sectors=(), keywords=(), countries=()):
    return {"type": type_, "text": text, "sectors": list(sectors), "keywords": list(keywords),
            "countries": list(countries)}


# A: needs a stationery distributor in Germany (needs[0]) and market-entry consulting (needs[1]);
# offers OEM gel pens (offers[0]).
A = P("a-cn-pens", "sme", "Alpha Pens Co.", "CN", langs=("zh", "en"), zone="ninghai-stationery",
      sectors=["C3290"],
      offers=[item("outsourcing", "OEM production of gel pens and markers", ["C3290"],
                   ["gel pens", "OEM"], ["DE", "US"])],
      needs=[item("distribution", "seeking a distributor for school stationery in Germany",
                  ["G4649"], ["stationery wholesale"], ["DE"]),
             item("services", "market entry consulting for Germany", ["M7020"],
                  ["market entry"], ["DE"])])
# B: reciprocal partner: its offers[1] is what A needs, and it needs A's gel pens.
B = P("b-de-kaiser", "large", "Kaiser Buerobedarf GmbH", "DE", langs=("de", "en"),
      sectors=["G4649"],
      offers=[item("services", "retail shop fitting", ["F4330"]),
              item("distribution", "wholesale distribution of school and office stationery",
                   ["G4649"], ["stationery wholesale", "retail chains"], ["CN", "VN"])],
      needs=[item("outsourcing", "OEM supplier of gel pens", ["C3290"], ["gel pens"])])
# C: one-way: the same distribution offer as B, needs nothing from A.
C = P("c-de-oneway", "large", "Chemnitz Papier Handel GmbH", "DE", langs=("de", "en"),
      sectors=["G4649"],
      offers=[item("distribution", "wholesale distribution of school and office stationery",
                   ["G4649"], ["stationery wholesale", "retail chains"], ["CN", "VN"])])
# D: a competitor of A: offers the same, needs the same (offer-offer and need-need never pair).
D = P("d-cn-rival", "sme", "Delta Pens Co.", "CN", langs=("zh", "en"), sectors=["C3290"],
      offers=[item("outsourcing", "OEM production of gel pens", ["C3290"], ["gel pens"])],
      needs=[item("distribution", "seeking a distributor for school stationery", ["G4649"],
                  ["stationery wholesale"])])
# E: right words and sector, wrong type.
E = P("e-fr-franchise", "foreign", "Esprit Franchise SA", "FR",
      offers=[item("franchise", "stationery wholesale franchise for school supplies",
                   ["G4649"], ["stationery wholesale"])])
# I: an Italian distributor, sector G4641 (same group G464 as A's G4649).
I = P("i-it-distrib", "foreign", "Italia Distribuzione Srl", "IT", langs=("it", "en"),
      offers=[item("distribution", "distribution of stationery and school supplies in Italy",
                   ["G4641"], [], ["CN"])])
# J: a consultant for A's second need.
J = P("j-de-consult", "service", "Jansen Market Entry Consulting", "DE", langs=("de", "en"),
      offers=[item("services", "market entry consulting and business plans for Germany",
                   ["M7020"], ["market entry"], [])])
# G and H: Chinese only, unrelated sectors: only the Chinese words can match them.
G = P("g-cn-zh-need", "sme", "广州文具有限公司", "CN", langs=("zh",), sectors=["A0111"],
      needs=[item("distribution", "寻求文具批发分销商")])
H = P("h-cn-zh-offer", "sme", "杭州批发贸易公司", "CN", langs=("zh",), sectors=["K6419"],
      offers=[item("distribution", "提供文具批发和分销服务")])

ALL = [A, B, C, D, E, I, J, G, H]

cluster = None


def get(path):
    return cluster.request("GET", path)


def leads(pid, **params):
    q = urllib.parse.urlencode(params)
    st, _, body = get("/v1/profiles/%s/leads%s" % (pid, "?" + q if q else ""))
    assert st == 200, (st, body)
    return body


def ids(body, key="leads"):
    return [x["id"] for x in body[key]]


def setup():
    global cluster
    cluster = Cluster().start()
    lines = "\n".join(json.dumps(p, ensure_ascii=False) for p in ALL) + "\n"
    st, _, body = cluster.request("POST", "/v1/profiles/import", lines.encode(),
                                  {"Content-Type": "application/x-ndjson"})
    assert st == 200 and body["stored"] == len(ALL), body


def test_complementary_partner_ranks_first_and_reciprocal_above_one_way():
    body = leads("a-cn-pens")
    got = ids(body)
    assert got[0] == "b-de-kaiser", got
    assert body["leads"][0]["reciprocal"] is True
    assert "c-de-oneway" in got and got.index("c-de-oneway") > 0
    c = body["leads"][got.index("c-de-oneway")]
    assert c["reciprocal"] is False
    assert body["leads"][0]["score"] > c["score"]
    assert body["offset"] == 0 and body["limit"] == 10 and body["id"] == "a-cn-pens"
    assert "contact" not in json.dumps(body)


def test_competitor_wrong_type_and_unrelated_are_not_leads():
    got = ids(leads("a-cn-pens", limit=100))
    for pid in ("d-cn-rival", "e-fr-franchise", "g-cn-zh-need", "h-cn-zh-offer", "a-cn-pens"):
        assert pid not in got, (pid, got)
    assert set(got) == {"b-de-kaiser", "c-de-oneway", "i-it-distrib", "j-de-consult"}, got


def test_reasons_name_need_offer_sectors_and_terms():
    b = leads("a-cn-pens")["leads"][0]
    r0 = b["reasons"][0]
    assert r0["need"] == "A.needs[0]" and r0["offer"] == "B.offers[1]", r0
    assert r0["type"] == "distribution"
    assert r0["sectors"][0] == {"a": "G4649", "b": "G4649", "level": "class"}, r0["sectors"]
    assert "stationeri" in r0["terms"] and "kw:stationeri wholesal" in r0["terms"], r0["terms"]
    assert set(r0["scores"]) == {"sector", "text", "keywords", "geo", "language", "kind",
                                 "strength"}
    back = [r for r in b["reasons"] if r["need"].startswith("B.")]
    assert back and back[0]["need"] == "B.needs[0]" and back[0]["offer"] == "A.offers[0]", back
    assert back[0]["type"] == "outsourcing" and "gel" in back[0]["terms"]
    # I's G4641 meets A's G4649 in group G464.
    i = [x for x in leads("a-cn-pens")["leads"] if x["id"] == "i-it-distrib"][0]
    assert i["reasons"][0]["sectors"][0]["level"] == "group", i["reasons"][0]
    # explain=false leaves the reasons out.
    assert leads("a-cn-pens", explain="false")["leads"][0]["reasons"] == []


def test_chinese_need_matches_chinese_offer():
    body = leads("g-cn-zh-need")
    assert ids(body) == ["h-cn-zh-offer"], body
    terms = body["leads"][0]["reasons"][0]["terms"]
    assert "文具" in terms and "批发" in terms, terms
    assert body["leads"][0]["reasons"][0]["sectors"] == []


def test_filters_type_country_kind_sector_zone_lang_min_score():
    assert ids(leads("a-cn-pens", type="services")) == ["j-de-consult"]
    assert set(ids(leads("a-cn-pens", type="distribution"))) == \
        {"b-de-kaiser", "c-de-oneway", "i-it-distrib"}
    assert ids(leads("a-cn-pens", country="it")) == ["i-it-distrib"]
    assert ids(leads("a-cn-pens", kind="service")) == ["j-de-consult"]
    assert ids(leads("a-cn-pens", sector="M70")) == ["j-de-consult"]
    assert set(ids(leads("a-cn-pens", sector="G464"))) == \
        {"b-de-kaiser", "c-de-oneway", "i-it-distrib"}
    assert ids(leads("a-cn-pens", lang="it")) == ["i-it-distrib"]
    assert ids(leads("b-de-kaiser", zone="ninghai-stationery")) == ["a-cn-pens"]
    full = leads("a-cn-pens")["leads"]
    cut = (full[0]["score"] + full[-1]["score"]) / 2
    some = leads("a-cn-pens", min_score=cut)["leads"]
    assert 0 < len(some) < len(full) and all(x["score"] >= cut - 1e-4 for x in some)


def test_paging_is_stable_and_ordered():
    full = ids(leads("a-cn-pens", limit=100))
    paged = []
    for off in range(len(full) + 1):
        body = leads("a-cn-pens", limit=1, offset=off)
        assert body["offset"] == off and body["limit"] == 1
        paged += ids(body)
    assert paged == full, (paged, full)
    scores = [x["score"] for x in leads("a-cn-pens")["leads"]]
    assert scores == sorted(scores, reverse=True)
    assert ids(leads("a-cn-pens", limit=2, offset=1)) == full[1:3]


def test_bad_parameters_are_400_naming_the_parameter():
    for q, field in (("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
                     ("offset=-1", "offset"), ("type=bogus", "type"), ("kind=giant", "kind"),
                     ("country=ZZ", "country"), ("sector=Q99", "sector"), ("lang=xx", "lang"),
                     ("min_score=2", "min_score"), ("min_score=abc", "min_score"),
                     ("explain=maybe", "explain"), ("foo=1", "foo"),
                     ("limit=1&limit=2", "limit")):
        st, _, body = get("/v1/profiles/a-cn-pens/leads?" + q)
        assert st == 400, (q, st, body)
        assert body["error"]["field"] == field, (q, body)
    st, _, body = get("/v1/profiles/nobody/leads")
    assert st == 404 and body["error"]["code"] == "not_found", body
    st, _, body = cluster.request("POST", "/v1/profiles/a-cn-pens/leads", {})
    assert st == 405, st


def test_update_changes_leads_at_once_and_delete_removes():
    # C changes its offer to another type: it is no longer a lead of A.
    c2 = dict(C, offers=[item("franchise", "stationery franchise", ["G4649"])])
    st, _, _ = cluster.request("PUT", "/v1/profiles/c-de-oneway", c2)
    assert st == 200
    assert "c-de-oneway" not in ids(leads("a-cn-pens"))
    st, _, _ = cluster.request("PUT", "/v1/profiles/c-de-oneway", C)
    assert st == 200
    assert "c-de-oneway" in ids(leads("a-cn-pens"))
    st, _, _ = cluster.request("DELETE", "/v1/profiles/c-de-oneway")
    assert st == 200
    assert "c-de-oneway" not in ids(leads("a-cn-pens"))
    st, _, _ = cluster.request("POST", "/v1/profiles", C)
    assert st == 201
    assert "c-de-oneway" in ids(leads("a-cn-pens"))


def test_search_ranks_right_profile_and_returns_terms():
    st, _, body = cluster.request("POST", "/v1/search", {"text": "retail chains office stationery"})
    assert st == 200, body
    assert body["results"][0]["id"] in ("b-de-kaiser", "c-de-oneway"), body
    assert "retail" in body["results"][0]["terms"]
    assert body["offset"] == 0 and body["limit"] == 10
    st, _, body = cluster.request("POST", "/v1/search", {"text": "market entry consulting"})
    assert body["results"][0]["id"] == "j-de-consult", body
    st, _, body = cluster.request("POST", "/v1/search", {"text": "文具批发"})
    assert {x["id"] for x in body["results"][:2]} == {"g-cn-zh-need", "h-cn-zh-offer"}, body
    st, _, body = cluster.request("POST", "/v1/search",
                                  {"text": "stationery", "filters": {"country": "IT"}})
    assert ids(body, "results") == ["i-it-distrib"], body
    st, _, body = cluster.request("POST", "/v1/search",
                                  {"text": "stationery", "limit": 1, "offset": 1})
    assert len(body["results"]) == 1 and body["offset"] == 1
    for req, field in (({"text": 5}, "text"), ({}, "text"),
                       ({"text": "x", "filters": {"type": "bogus"}}, "filters.type"),
                       ({"text": "x", "limit": 0}, "limit"),
                       ({"text": "x", "filters": {"nope": 1}}, "filters.nope"),
                       ({"text": "x", "sort": "id"}, "sort")):
        st, _, body = cluster.request("POST", "/v1/search", req)
        assert st == 400 and body["error"]["field"] == field, (req, body)


def test_engine_ops_over_pyzmq():
    ctx = zmq.Context()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, 5000)
    s.connect(cluster.zmq)
    try:
        def call(rid, op, body):
            s.send(msgpack.packb({"id": rid, "op": op, "body": body}))
            rep = msgpack.unpackb(s.recv(), raw=False)
            assert rep["id"] == rid
            return rep
        rep = call(1, "match.leads", {"id": "a-cn-pens", "limit": 2})
        assert rep["ok"] and [x["id"] for x in rep["body"]["leads"]][0] == "b-de-kaiser"
        rep = call(2, "match.leads", {"id": "nobody"})
        assert not rep["ok"] and rep["error"]["code"] == "not_found"
        rep = call(3, "match.leads", {"id": "a-cn-pens", "filters": {"type": "x"}})
        assert rep["error"]["code"] == "invalid_field" and rep["error"]["field"] == "filters.type"
        rep = call(4, "match.search", {"text": b"ab\xc3\x28"})  # bin, not str
        assert rep["error"]["field"] == "text", rep
        raw = msgpack.packb({"id": 5, "op": "match.search", "body": {"text": "x"}})
        # Patch the str "x" into malformed UTF-8 (0xC3 0x28 is not a valid sequence).
        raw = raw.replace(b"\xa4text\xa1x", b"\xa4text\xa2\xc3\x28")
        s.send(raw)
        rep = msgpack.unpackb(s.recv(), raw=False, unicode_errors="replace")
        assert rep["error"]["code"] == "invalid_field" and rep["error"]["field"] == "text", rep
        rep = call(6, "match.search", "not a map")
        assert rep["error"]["code"] == "invalid_request"
    finally:
        s.close()
        ctx.term()


def cli(*args):
    env = dict(os.environ, SMEMATCH_URL="http://127.0.0.1:%d" % cluster.http_port)
    return subprocess.run([CLI] + list(args), capture_output=True, text=True, env=env, timeout=30)


def test_cli_leads_and_search():
    r = cli("leads", "a-cn-pens", "--limit", "3")
    assert r.returncode == 0, r.stderr
    rows = [ln for ln in r.stdout.splitlines() if ln.strip()[:1].isdigit()]
    assert rows and "b-de-kaiser" in rows[0] and "A.needs[0] -> B.offers[1]" in rows[0], r.stdout
    r = cli("leads", "a-cn-pens", "--type", "services", "--json")
    assert r.returncode == 0 and [x["id"] for x in json.loads(r.stdout)["leads"]] == \
        ["j-de-consult"], r.stdout
    r = cli("leads", "nobody")
    assert r.returncode == 1 and "no profile" in r.stderr, r.stderr
    r = cli("leads", "a-cn-pens", "--type", "bogus")
    assert r.returncode == 1 and "type" in r.stderr, r.stderr
    r = cli("search", "market entry consulting", "--limit", "2")
    assert r.returncode == 0 and "j-de-consult" in r.stdout.splitlines()[1], r.stdout
    r = cli("search", "文具批发", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["results"], r.stdout
    r = cli("leads")
    assert r.returncode == 2


def test_filter_finds_few_partners_behind_many_better_ones():
    """850 French distributors match Q's need better than 3 German ones. A leads page looks at
    800 docs at most, a search page at 400: only the candidates' meta, checked before loading,
    lets country=DE (and the Germans' own zone or sector class) find the Germans. The same after kill -9 of the engine (the meta is stored
    with the docs and loaded again). Runs last: the crowd would change the other tests' leads."""
    q = P("q-cn-crowd", "sme", "Quill Stationery", "CN",
          needs=[item("distribution", "stationery distributor wholesale school office",
                      ["G4649"], ["stationery wholesale"])])
    crowd = [P("fr-crowd-%03d" % i, "large", "Crowd %d" % i, "FR", sectors=["G4649"],
               offers=[item("distribution", "stationery distributor wholesale school office",
                            ["G4649"], ["stationery wholesale"])]) for i in range(850)]
    crowd += [P("de-crowd-%d" % i, "large", "Deutsch %d" % i, "DE", sectors=["G4649"],
                zone="ruhr-hub", offers=[item("distribution", "stationery", ["G4643"])])
              for i in range(3)]
    lines = "\n".join(json.dumps(p) for p in [q] + crowd) + "\n"
    st, _, body = cluster.request("POST", "/v1/profiles/import", lines.encode(),
                                  {"Content-Type": "application/x-ndjson"})
    assert st == 200 and body["stored"] == 854, body
    german = {"de-crowd-0", "de-crowd-1", "de-crowd-2"}
    for restarted in (False, True):
        if restarted:
            cluster.kill_engine()
            harness.wait_for(lambda: get("/healthz")[0] == 503, 5, "engine seen down")
            cluster.start_engine()
            cluster.wait_healthy()
        top = ids(leads("q-cn-crowd"))
        assert len(top) == 10 and not german & set(top), top
        # The German distributors of the fixed set (B, C) are leads of Q too.
        for body in (leads("q-cn-crowd", country="DE"),
                     leads("q-cn-crowd", country="DE", kind="large")):
            assert german <= set(ids(body)), body
            assert {x["country"] for x in body["leads"]} == {"DE"}, body
        assert ids(leads("q-cn-crowd", country="DE", kind="sme")) == []
        # A zone or a sector only they have: decided by the meta too (zone and sector bits).
        for body in (leads("q-cn-crowd", zone="Ruhr-Hub"), leads("q-cn-crowd", sector="G4643")):
            assert set(ids(body)) == german, body
        st, _, body = cluster.request("POST", "/v1/search", {
            "text": "stationery distributor wholesale", "filters": {"country": "DE"}})
        assert st == 200 and german <= set(ids(body, "results")), body
        assert {x["country"] for x in body["results"]} == {"DE"}, body


if __name__ == "__main__":
    setup()
    try:
        run_tests([test_complementary_partner_ranks_first_and_reciprocal_above_one_way,
                   test_competitor_wrong_type_and_unrelated_are_not_leads,
                   test_reasons_name_need_offer_sectors_and_terms,
                   test_chinese_need_matches_chinese_offer,
                   test_filters_type_country_kind_sector_zone_lang_min_score,
                   test_paging_is_stable_and_ordered,
                   test_bad_parameters_are_400_naming_the_parameter,
                   test_search_ranks_right_profile_and_returns_terms,
                   test_engine_ops_over_pyzmq,
                   test_cli_leads_and_search,
                   test_update_changes_leads_at_once_and_delete_removes,
                   test_filter_finds_few_partners_behind_many_better_ones])
    finally:
        cluster.cleanup()
