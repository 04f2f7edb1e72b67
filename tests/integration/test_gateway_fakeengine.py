"""The gateway against a fake engine (a pyzmq ROUTER in a thread): the engine client's
behaviour that the real engine cannot easily be made to show -- replies out of order, no reply
(timeout -> 504), malformed replies, an engine that stops answering pings -- and the HTTP
layer's limits, which need no real engine at all.

FakeEngine is also imported by the test_http_*.py files.
Run: SMEMATCH_BUILD=build /usr/bin/python3 tests/integration/test_gateway_fakeengine.py
"""
import json
import os
import socket
import sys
import threading
import time

import msgpack
import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class FakeEngine:
    """A ROUTER that answers the engine protocol from a dict. Behaviour knobs:
    mute_ops: ops never answered; delay: seconds before answering; bad_reply_ops: ops answered
    with garbage; reverse: answer pairs of requests in reverse order; ping_ok: answer pings."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.profiles = {}
        self.mute_ops = set()
        self.bad_reply_ops = set()
        self.ping_ok = True
        self.reverse = False
        self.delay = 0.0
        self.requests = []  # (op, body) seen, pings excluded
        self._held = []
        self._stop = threading.Event()
        self._ctx = zmq.Context()
        self._sock = self._ctx.socket(zmq.ROUTER)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._sock.bind(endpoint)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def close(self):
        self._stop.set()
        self._thread.join(5)
        self._sock.close(0)
        self._ctx.term()

    def _reply(self, ident, rid, ok, body=None, error=None):
        msg = {"id": rid, "ok": ok}
        if ok:
            msg["body"] = body
        else:
            msg["error"] = error
        self._sock.send_multipart([ident, msgpack.packb(msg, use_bin_type=True)])

    def _handle(self, ident, req):
        op, rid, body = req.get("op"), req.get("id"), req.get("body")
        if op == "ping":
            if self.ping_ok:
                self._reply(ident, rid, True, {"version": "fake", "profiles": len(self.profiles)})
            return
        self.requests.append((op, body))
        if op in self.mute_ops:
            return
        if op in self.bad_reply_ops:
            self._sock.send_multipart([ident, b"\xdd\x0f\xff\xff\xff"])  # array32 that lies
            return
        if self.delay:
            time.sleep(self.delay)
        err = lambda code, msg, field="": {"code": code, "message": msg, "field": field}
        if op == "profile.create":
            pid = body.get("id") if isinstance(body, dict) else None
            if not isinstance(pid, str):
                return self._reply(ident, rid, False, None, err("invalid_field", "id required", "id"))
            if pid in self.profiles:
                return self._reply(ident, rid, False, None, err("conflict", "id exists", "id"))
            self.profiles[pid] = body
            return self._reply(ident, rid, True, body)
        if op == "profile.get":
            p = self.profiles.get(body["id"])
            if p is None:
                return self._reply(ident, rid, False, None, err("not_found", "no such profile", "id"))
            q = dict(p)
            if not body.get("contact"):
                q.pop("contact", None)
            return self._reply(ident, rid, True, q)
        if op == "profile.put":
            created = body["id"] not in self.profiles
            self.profiles[body["id"]] = body["profile"]
            return self._reply(ident, rid, True, {"created": created, "profile": body["profile"]})
        if op == "profile.delete":
            if self.profiles.pop(body["id"], None) is None:
                return self._reply(ident, rid, False, None, err("not_found", "no such profile", "id"))
            return self._reply(ident, rid, True, {"id": body["id"], "deleted": True})
        if op == "profile.import":
            results, stored = [], 0
            for p in body["profiles"]:
                if isinstance(p.get("id"), str) and p.get("kind") in ("sme", "large", "foreign",
                                                                      "service", None):
                    self.profiles[p["id"]] = p
                    results.append({"ok": True, "id": p["id"]})
                    stored += 1
                else:
                    results.append({"ok": False, "error": err("invalid_field", "bad kind", "kind")})
            return self._reply(ident, rid, True, {"stored": stored,
                                                  "failed": len(results) - stored,
                                                  "results": results})
        return self._reply(ident, rid, False, None, err("unknown_op", "no such op", "op"))

    def _run(self):
        poller = zmq.Poller()
        poller.register(self._sock, zmq.POLLIN)
        while not self._stop.is_set():
            if not poller.poll(50):
                continue
            ident, payload = self._sock.recv_multipart()
            req = msgpack.unpackb(payload, raw=False)
            if self.reverse and req.get("op") != "ping":
                self._held.append((ident, req))
                if len(self._held) == 2:
                    for i, r in reversed(self._held):
                        self._handle(i, r)
                    self._held = []
                continue
            self._handle(ident, req)


class FakeCluster(harness.Cluster):
    """A gateway (the real one) in front of a FakeEngine."""

    def start(self):
        self.fake = FakeEngine(self.zmq)
        self.start_gateway()
        self.wait_healthy()
        return self

    def cleanup(self):
        super().cleanup()
        self.fake.close()


def raw_exchange(port, data, timeout=5.0, until_close=True):
    """Send raw bytes, read until the server closes (or timeout); return bytes read."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    end = time.time() + timeout
    try:
        while time.time() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if not until_close:
                break
    except socket.timeout:
        pass
    s.close()
    return out


# -- tests ------------------------------------------------------------------------------------

def test_gateway_maps_replies_out_of_order_to_the_right_requests():
    with FakeCluster() as c:
        c.fake.profiles["a"] = {"id": "a", "name": "A"}
        c.fake.profiles["b"] = {"id": "b", "name": "B"}
        c.fake.reverse = True
        results = {}

        def get(pid):
            results[pid] = c.request("GET", "/v1/profiles/" + pid)

        ts = [threading.Thread(target=get, args=(p,)) for p in ("a", "b")]
        for t in ts:
            t.start()
        for t in ts:
            t.join(10)
        assert results["a"][0] == 200 and results["a"][2]["name"] == "A", results
        assert results["b"][0] == 200 and results["b"][2]["name"] == "B", results


def test_gateway_times_out_a_silent_engine_with_504():
    with FakeCluster(gateway_args=["--timeout-ms", "500"]) as c:
        c.fake.mute_ops.add("profile.get")
        t0 = time.time()
        st, h, body = c.request("GET", "/v1/profiles/x")
        assert st == 504, (st, body)
        assert body["error"]["code"] == "timeout"
        assert time.time() - t0 < 3
        # The engine still answers pings: the gateway stays healthy.
        assert c.request("GET", "/healthz")[0] == 200


def test_gateway_rejects_malformed_engine_reply_then_times_out():
    with FakeCluster(gateway_args=["--timeout-ms", "500"]) as c:
        c.fake.bad_reply_ops.add("profile.get")
        st, h, body = c.request("GET", "/v1/profiles/x")
        # The reply is unreadable, so it cannot be matched: the request times out.
        assert st == 504, (st, body)
        assert c.request("GET", "/healthz")[0] == 200


def test_gateway_marks_engine_down_when_pings_go_unanswered():
    with FakeCluster() as c:
        c.fake.ping_ok = False
        harness.wait_for(lambda: c.request("GET", "/healthz")[0] == 503, 6, "engine down")
        st, h, body = c.request("GET", "/healthz")
        assert body == {"status": "degraded", "engine": "down"}
        t0 = time.time()
        st, h, body = c.request("GET", "/v1/profiles/x")
        assert st == 503 and h.get("retry-after") == "1", (st, h, body)
        assert body["error"]["code"] == "unavailable"
        assert time.time() - t0 < 0.5
        c.fake.ping_ok = True
        c.wait_healthy(5)
        c.fake.profiles["x"] = {"id": "x"}
        assert c.request("GET", "/v1/profiles/x")[0] == 200


def test_gateway_fails_in_flight_requests_when_the_engine_goes_silent():
    with FakeCluster(gateway_args=["--timeout-ms", "8000"]) as c:
        c.fake.mute_ops.add("profile.get")
        c.fake.ping_ok = False
        t0 = time.time()
        st, h, body = c.request("GET", "/v1/profiles/x")
        assert st == 503, (st, body)
        assert time.time() - t0 < 4.5


def test_gateway_crud_against_fake_engine():
    with FakeCluster() as c:
        p = harness.profile("cn-ningbo-0042")
        st, h, body = c.request("POST", "/v1/profiles", p)
        assert st == 201, (st, body)
        assert h["location"] == "/v1/profiles/cn-ningbo-0042"
        assert "contact" not in body and body["id"] == "cn-ningbo-0042"
        st, h, body = c.request("POST", "/v1/profiles", p)
        assert st == 409 and body["error"]["code"] == "conflict", (st, body)
        st, h, body = c.request("GET", "/v1/profiles/cn-ningbo-0042")
        assert st == 200 and body["name"] == p["name"] and "contact" not in body
        sent = [b for op, b in c.fake.requests if op == "profile.get"][-1]
        assert sent == {"id": "cn-ningbo-0042", "contact": False}, sent
        st, h, body = c.request("PUT", "/v1/profiles/cn-ningbo-0042", dict(p, name="New"))
        assert st == 200 and body["name"] == "New", (st, body)
        st, h, body = c.request("PUT", "/v1/profiles/de-berlin-1", harness.profile("de-berlin-1"))
        assert st == 201 and h["location"] == "/v1/profiles/de-berlin-1", (st, h)
        st, h, body = c.request("DELETE", "/v1/profiles/de-berlin-1")
        assert st == 200 and body == {"id": "de-berlin-1", "deleted": True}, body
        st, h, body = c.request("DELETE", "/v1/profiles/de-berlin-1")
        assert st == 404 and body["error"]["code"] == "not_found"
        # JSON types convert one to one.
        op, sent = [r for r in c.fake.requests if r[0] == "profile.create"][0]
        assert sent["employees"] == 120 and sent["offers"][0]["keywords"] == ["OEM", "gel pens"]


def test_gateway_import_batches_and_reports_lines():
    with FakeCluster() as c:
        lines = []
        for i in range(12001):
            lines.append(json.dumps({"id": "p%05d" % i, "kind": "sme"}))
        lines[5] = "{not json"
        lines[7] = json.dumps({"id": "bad-kind", "kind": "alien"})
        st, h, body = c.request("POST", "/v1/profiles/import", "\n".join(lines) + "\n",
                                {"Content-Type": "application/x-ndjson"})
        assert st == 200, (st, body)
        assert body["stored"] == 11999 and body["failed"] == 2, body
        assert [e["line"] for e in body["errors"]] == [6, 8], body["errors"]
        assert body["errors"][1]["id"] == "bad-kind"
        sizes = [len(b["profiles"]) for op, b in c.fake.requests if op == "profile.import"]
        assert sizes == [5000, 5000, 2000], sizes  # the bad JSON line is never sent


def test_gateway_import_fails_whole_request_when_engine_silent():
    with FakeCluster(gateway_args=["--import-timeout-ms", "500"]) as c:
        c.fake.mute_ops.add("profile.import")
        st, h, body = c.request("POST", "/v1/profiles/import", '{"id":"a"}\n',
                                {"Content-Type": "application/x-ndjson"})
        assert st == 504 and "import stopped after 0" in body["error"]["message"], (st, body)


def test_gateway_metrics_count_requests_and_engine_ops():
    with FakeCluster() as c:
        c.request("GET", "/v1/profiles/nope")
        st, h, text = c.request("GET", "/metrics")
        assert st == 200 and h["content-type"].startswith("text/plain; version=0.0.4")
        assert 'smematch_http_requests_total{method="GET",route="/v1/profiles/{id}",status="404"} 1' in text, text
        assert 'smematch_engine_requests_total{op="profile.get",outcome="error"} 1' in text
        assert "smematch_engine_up 1" in text
        assert 'smematch_engine_roundtrip_seconds_count{op="profile.get"} 1' in text


if __name__ == "__main__":
    harness.run_tests([v for k, v in list(globals().items()) if k.startswith("test_")])
