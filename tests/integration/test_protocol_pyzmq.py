"""The engine protocol (docs/protocol.md) driven from Python with pyzmq and msgpack, as any
client would: only the engine runs (harness.Cluster(...).start_engine()).

Run: SMEMATCH_BUILD=build /usr/bin/python3 tests/integration/test_protocol_pyzmq.py
"""
import os
import signal
import sys
import time

import msgpack
import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import profile  # noqa: E402

TIMEOUT_MS = 15000


class Engine:
    """One engine in a temporary folder, and a DEALER to talk to it."""

    def __init__(self, data=None, engine_args=()):
        self.cluster = harness.Cluster(data=data, engine_args=engine_args)
        self.ctx = zmq.Context()
        self.sockets = []
        self.next_id = 1

    def start(self):
        self.cluster.start_engine()
        self.dealer = self.socket(zmq.DEALER)
        harness.wait_for(lambda: self.call("ping", timeout=300)["ok"], 20, "engine ping")
        return self

    def socket(self, kind):
        s = self.ctx.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
        s.connect(self.cluster.zmq)
        self.sockets.append(s)
        return s

    def send(self, op, body=None, sock=None, rid=None):
        if rid is None:
            rid = self.next_id
            self.next_id += 1
        msg = {"id": rid, "op": op}
        if body is not None:
            msg["body"] = body
        (sock or self.dealer).send(msgpack.packb(msg))
        return rid

    def recv(self, sock=None, timeout=None):
        s = sock or self.dealer
        if timeout is not None:
            if not s.poll(timeout):
                raise TimeoutError("no reply")
        return msgpack.unpackb(s.recv(), raw=False)

    def call(self, op, body=None, timeout=None):
        """One request; replies to other ids are skipped (stale ones after a timeout)."""
        rid = self.send(op, body)
        while True:
            rep = self.recv(timeout=timeout)
            if rep["id"] == rid:
                return rep

    def restart(self, sig=signal.SIGKILL):
        self.cluster.kill_engine(sig)
        for s in self.sockets:
            s.close()
        self.sockets = []
        return self.start()

    def close(self):
        for s in self.sockets:
            s.close()
        self.ctx.term()
        self.cluster.cleanup()


def with_engine(fn):
    def run():
        e = Engine().start()
        try:
            fn(e)
        finally:
            e.close()
    run.__name__ = fn.__name__
    return run


def ok_body(rep):
    assert rep["ok"], rep
    return rep["body"]


def err(rep):
    assert not rep["ok"], rep
    return rep["error"]


@with_engine
def test_ping_reports_version_and_count(e):
    b = ok_body(e.call("ping"))
    assert isinstance(b["version"], str) and b["version"]
    assert b["profiles"] == 0


@with_engine
def test_create_get_put_delete_round_trip(e):
    created = ok_body(e.call("profile.create", profile("cn-1")))
    assert created["id"] == "cn-1"
    assert created["contact"]["person"] == "Li Wei"
    assert created["created_ms"] == created["updated_ms"] > 0

    public = ok_body(e.call("profile.get", {"id": "cn-1"}))
    assert "contact" not in public
    assert public["offers"][0]["type"] == "outsourcing"
    private = ok_body(e.call("profile.get", {"id": "cn-1", "contact": True}))
    assert private["contact"]["email"] == "li.wei@example.cn"

    time.sleep(0.01)
    changed = profile("cn-1", name="Renamed Co")
    del changed["id"]  # profile.put takes the id from the body
    b = ok_body(e.call("profile.put", {"id": "cn-1", "profile": changed}))
    assert b["created"] is False
    assert b["profile"]["name"] == "Renamed Co"
    assert b["profile"]["created_ms"] == created["created_ms"]
    assert b["profile"]["updated_ms"] > created["updated_ms"]
    b = ok_body(e.call("profile.put", {"id": "cn-2", "profile": profile("cn-2")}))
    assert b["created"] is True

    assert ok_body(e.call("profile.delete", {"id": "cn-1"})) == {"id": "cn-1", "deleted": True}
    assert err(e.call("profile.get", {"id": "cn-1"}))["code"] == "not_found"
    assert err(e.call("profile.delete", {"id": "cn-1"}))["code"] == "not_found"
    assert ok_body(e.call("ping"))["profiles"] == 1


@with_engine
def test_create_conflicts_and_put_checks_the_id(e):
    ok_body(e.call("profile.create", profile("dup")))
    x = err(e.call("profile.create", profile("dup")))
    assert x["code"] == "conflict" and x["field"] == "id"
    x = err(e.call("profile.put", {"id": "dup", "profile": profile("other")}))
    assert x["code"] == "invalid_field" and x["field"] == "id"


@with_engine
def test_invalid_fields_are_named_with_their_path(e):
    cases = [
        (profile("v1", kind="giant"), "kind"),
        (profile("v2", country="XX"), "country"),
        (profile("v3", languages=["zh", "xx"]), "languages[1]"),
        (profile("v4", sectors=["Z99"]), "sectors[0]"),
        (profile("v5", description="x" * 8193), "description"),
        (profile("v6", offers=[{"type": "barter"}]), "offers[0].type"),
        (profile("v7", needs=[{"type": "rnd"}, {"type": "rnd", "countries": ["DE", "FR", "QQ"]}]),
         "needs[1].countries[2]"),
        (profile("v8", website="x"), "website"),
        (profile("v9", contact={"email": "nope"}), "contact.email"),
        (profile("v10", founded=1700), "founded"),
        (profile("v11", offers=[{"type": "rnd"}] * 65), "offers"),
    ]
    for p, field in cases:
        x = err(e.call("profile.create", p))
        assert x["code"] == "invalid_field", (field, x)
        assert x["field"] == field, (field, x)
        assert x["message"] and x["message"][0].islower(), x
    # Malformed UTF-8 cannot come from Python str: send raw bytes as a msgpack str.
    raw = msgpack.packb({"id": 99, "op": "profile.create", "body": profile("u1")})
    raw = raw.replace(msgpack.packb("Test Co u1"), b"\xaaTest \xc3\x28 u1")
    e.dealer.send(raw)
    x = err(e.recv())
    assert x["field"] == "name", x
    assert ok_body(e.call("ping"))["profiles"] == 0


@with_engine
def test_import_keeps_good_lines_after_bad_one(e):
    items = [profile("imp-%d" % i) for i in range(10)]
    items[3] = profile("imp-3", country="ZZ")
    items[6] = "not a map"
    b = ok_body(e.call("profile.import", {"profiles": items}))
    assert b["stored"] == 8 and b["failed"] == 2
    res = b["results"]
    assert len(res) == 10
    assert res[0] == {"ok": True, "id": "imp-0", "created": True}
    assert res[3]["ok"] is False and res[3]["id"] == "imp-3"
    assert res[3]["error"]["field"] == "country"
    assert res[6]["ok"] is False and res[6]["error"]["code"] == "invalid_request"
    assert res[9]["ok"] is True
    assert ok_body(e.call("profile.get", {"id": "imp-9"}))["id"] == "imp-9"
    assert err(e.call("profile.get", {"id": "imp-3"}))["code"] == "not_found"
    # Importing again updates.
    b = ok_body(e.call("profile.import", {"profiles": [profile("imp-0")]}))
    assert b["results"][0]["created"] is False
    assert err(e.call("profile.import", {"profiles": {}}))["code"] == "invalid_request"
    big = err(e.call("profile.import", {"profiles": [0] * 10001}))
    assert big["code"] == "too_large"


@with_engine
def test_stats_reports_the_database(e):
    e.call("profile.import", {"profiles": [profile("st-%d" % i) for i in range(5)]})
    b = ok_body(e.call("stats"))
    assert b["profiles"] == 5
    assert b["map_size"] >= b["data_bytes"] > 0
    assert b["readers"] == 2
    assert b["profile_writes"] == 5


@with_engine
def test_many_requests_in_flight_on_one_dealer_are_matched_by_id(e):
    sent = {}
    for i in range(400):
        if i % 4 == 3:
            rid = e.send("profile.get", {"id": "fl-%d" % (i - 1)})
            sent[rid] = "get"
        else:
            rid = e.send("profile.create", profile("fl-%d" % i))
            sent[rid] = "create"
    seen = set()
    for _ in range(400):
        rep = e.recv()
        assert rep["id"] in sent and rep["id"] not in seen
        seen.add(rep["id"])
        if sent[rep["id"]] == "create":
            assert rep["ok"], rep
        else:  # a get may run before or after the create it follows: both are fine
            assert rep["ok"] or rep["error"]["code"] == "not_found"
    assert ok_body(e.call("ping"))["profiles"] == 300


@with_engine
def test_req_socket_gets_its_envelope_back(e):
    req = e.socket(zmq.REQ)
    for i in range(3):
        e.send("ping", sock=req, rid=1000 + i)
        rep = e.recv(sock=req)
        assert rep["id"] == 1000 + i and rep["ok"]


@with_engine
def test_malformed_payloads_get_invalid_request_with_id_0(e):
    for bad in (b"\xc1", b"\xdd\x0f\xff\xff\xff", b"\x91" * 40 + b"\x00",
                msgpack.packb({"id": 1, "op": "ping"}) + b"\x00", b"not msgpack at all"):
        e.dealer.send(bad)
        rep = e.recv()
        assert rep["id"] == 0 and rep["error"]["code"] == "invalid_request", (bad, rep)
    e.dealer.send(msgpack.packb([1, 2]))
    assert e.recv()["error"]["code"] == "invalid_request"
    x = e.call("profile.explode")
    assert x["error"]["code"] == "unknown_op" and x["id"] == e.next_id - 1
    assert ok_body(e.call("ping"))  # still serving


@with_engine
def test_updates_are_published_after_writes(e):
    sub = e.ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"profile")
    sub.connect(e.cluster.pub)
    e.sockets.append(sub)
    # A subscription takes a moment to reach the PUB (slow joiner): write until one arrives.
    for i in range(100):
        ok_body(e.call("profile.create", profile("probe-%d" % i)))
        if sub.poll(100):
            break
    while sub.poll(200):  # drain the probes' updates
        sub.recv_multipart()
    ok_body(e.call("profile.create", profile("pub-1")))
    ok_body(e.call("profile.delete", {"id": "pub-1"}))
    got = []
    for _ in range(2):
        assert sub.poll(TIMEOUT_MS)
        topic, payload = sub.recv_multipart()
        assert topic == b"profile"
        got.append(msgpack.unpackb(payload))
    assert got == [{"op": "created", "id": "pub-1"}, {"op": "deleted", "id": "pub-1"}]


def test_kill_9_loses_no_acknowledged_write():
    e = Engine().start()
    try:
        acked = set()
        pending = {}
        # Writes in flight, in batches and alone; kill the engine while more are on the way.
        for i in range(30):
            pending[e.send("profile.import",
                           {"profiles": [profile("k-%d-%d" % (i, j)) for j in range(50)]})] = \
                ["k-%d-%d" % (i, j) for j in range(50)]
        for i in range(200):
            pending[e.send("profile.create", profile("s-%d" % i))] = ["s-%d" % i]
        deadline = time.time() + 20
        while len(acked) < 500 and time.time() < deadline:
            rep = e.recv()
            assert rep["ok"], rep
            acked.update(pending.pop(rep["id"]))
        for i in range(200, 400):  # still arriving when the engine dies
            e.send("profile.create", profile("s-%d" % i))
        e.cluster.kill_engine(signal.SIGKILL)
        while e.dealer.poll(100):  # replies sent just before the kill were acknowledged too
            rep = e.recv()
            if rep["id"] in pending and rep["ok"]:
                acked.update(pending.pop(rep["id"]))
        assert len(acked) >= 500
        e.restart()
        missing = [pid for pid in acked if not e.call("profile.get", {"id": pid})["ok"]]
        assert not missing, "lost %d acknowledged writes, e.g. %s" % (len(missing), missing[:5])
    finally:
        e.close()


def test_sigterm_drains_and_exits_0():
    e = Engine().start()
    try:
        for i in range(100):
            e.send("profile.create", profile("t-%d" % i))
        ok_body(e.call("ping"))  # every create is in the engine now
        e.cluster.engine.send_signal(signal.SIGTERM)
        assert e.cluster.engine.wait(15) == 0
        answered = 0
        while e.dealer.poll(500):
            e.recv()
            answered += 1
        log = open(os.path.join(e.cluster.data, "engine.log")).read()
        assert "engine ready" in log and "engine stopped" in log, log
        e.restart()
        assert ok_body(e.call("ping"))["profiles"] == 100
    finally:
        e.close()


def test_import_throughput_10k_in_batches_of_1000():
    e = Engine().start()
    try:
        batches = [[profile("tp-%d-%d" % (b, i)) for i in range(1000)] for b in range(10)]
        payloads = [msgpack.packb({"id": 10 + b, "op": "profile.import",
                                   "body": {"profiles": batches[b]}}) for b in range(10)]
        t0 = time.time()
        for p in payloads:  # all in flight: the writer groups what is queued
            e.dealer.send(p)
        stored = 0
        for _ in range(10):
            stored += ok_body(e.recv())["stored"]
        dt = time.time() - t0
        assert stored == 10000
        print("     import: 10000 profiles in %.3f s = %.0f profiles/s (durable)" %
              (dt, 10000 / dt), flush=True)
        assert ok_body(e.call("stats"))["profiles"] == 10000
    finally:
        e.close()


def test_second_engine_on_the_same_data_refuses_to_start():
    e = Engine().start()
    try:
        other = harness.Cluster(data=e.cluster.data)
        p = other.start_engine()
        assert p.wait(15) != 0
        other.logs[0].close()
        assert ok_body(e.call("ping")) is not None
    finally:
        e.close()


if __name__ == "__main__":
    harness.run_tests([
        test_ping_reports_version_and_count,
        test_create_get_put_delete_round_trip,
        test_create_conflicts_and_put_checks_the_id,
        test_invalid_fields_are_named_with_their_path,
        test_import_keeps_good_lines_after_bad_one,
        test_stats_reports_the_database,
        test_many_requests_in_flight_on_one_dealer_are_matched_by_id,
        test_req_socket_gets_its_envelope_back,
        test_malformed_payloads_get_invalid_request_with_id_0,
        test_updates_are_published_after_writes,
        test_kill_9_loses_no_acknowledged_write,
        test_sigterm_drains_and_exits_0,
        test_import_throughput_10k_in_batches_of_1000,
        test_second_engine_on_the_same_data_refuses_to_start,
    ])
