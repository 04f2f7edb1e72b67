"""Live event streams (GET /v1/events/{id}/stream, Server-Sent Events).

Two halves:
- against a fake engine (a pyzmq ROUTER answering event.changes from an in-memory change log,
  and a PUB socket publishing event/<id> updates), the cases the real engine cannot easily be
  made to show: a published change lost on the way (gap), the publisher going away and coming
  back with changes made meanwhile, replays longer than one page, heartbeats, limits, SIGTERM;
- against the real engine, the end-to-end path: a change made through the API arrives on the
  stream; Last-Event-ID resumes with exactly the missed changes; an engine restart is caught up.

Run: SMEMATCH_BUILD=build /usr/bin/python3 tests/integration/test_stream.py
"""
import json
import os
import signal
import socket
import sys
import threading
import time

import msgpack
import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_gateway_fakeengine import FakeEngine  # noqa: E402


# -- an SSE client over a raw socket -----------------------------------------------------------

class SSEClient:
    """Reads one text/event-stream response; events() yields dicts with id/event/data."""

    def __init__(self, port, path, headers=None, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1", "Accept: text/event-stream"]
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        self.closed = False
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        first, *hdrs = head.decode().split("\r\n")
        self.status = int(first.split()[1])
        self.headers = {}
        for h in hdrs:
            k, _, v = h.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        if self.status != 200:
            n = int(self.headers.get("content-length", "0"))
            while len(self.buf) < n:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.buf += chunk
            self.body = json.loads(self.buf[:n]) if n else None

    def close(self):
        self.sock.close()

    def _block(self, deadline):
        while b"\n\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                self.closed = True
                return None
            self.buf += chunk
        block, _, self.buf = self.buf.partition(b"\n\n")
        return block.decode()

    def next(self, timeout=5.0, comments=False):
        """The next event (or comment block when comments=True); None on timeout or close."""
        deadline = time.time() + timeout
        while True:
            block = self._block(deadline)
            if block is None:
                return None
            ev = {"data": []}
            for line in block.split("\n"):
                if line.startswith(":"):
                    ev.setdefault("comment", line[1:].strip())
                    continue
                k, _, v = line.partition(":")
                v = v[1:] if v.startswith(" ") else v
                if k == "data":
                    ev["data"].append(v)
                elif k in ("id", "event", "retry"):
                    ev[k] = v
            if "comment" in ev and not comments and "id" not in ev:
                continue
            if "retry" in ev and "id" not in ev:
                continue
            if ev["data"]:
                ev["data"] = json.loads("\n".join(ev["data"]))
            return ev

    def take(self, n, timeout=10.0):
        out = []
        deadline = time.time() + timeout
        while len(out) < n:
            ev = self.next(max(0.01, deadline - time.time()))
            if ev is None:
                break
            out.append(ev)
        return out

    def wait_closed(self, timeout=10.0):
        deadline = time.time() + timeout
        while not self.closed and time.time() < deadline:
            self._block(deadline)
        return self.closed


# -- a fake engine with a change log and a publisher -------------------------------------------

class FakeEventEngine(FakeEngine):
    def __init__(self, endpoint, pub_endpoint):
        self.log = {}  # event id -> [change]
        self.pub_endpoint = pub_endpoint
        self._pctx = zmq.Context()
        self.pub = None
        self.open_pub()
        super().__init__(endpoint)

    def open_pub(self):
        self.pub = self._pctx.socket(zmq.PUB)
        self.pub.setsockopt(zmq.LINGER, 0)
        self.pub.bind(self.pub_endpoint)

    def close_pub(self):
        self.pub.close(0)
        self.pub = None

    def close(self):
        super().close()
        if self.pub:
            self.pub.close(0)
        self._pctx.term()

    def add_event(self, eid):
        self.log.setdefault(eid, [])

    def change(self, eid, type_, data, publish=True):
        log = self.log.setdefault(eid, [])
        c = {"seq": len(log) + 1, "type": type_, "ts": int(time.time() * 1000), "data": data}
        log.append(c)
        if publish and self.pub is not None:
            payload = dict(c, event=eid)
            self.pub.send_multipart([("event/" + eid).encode(),
                                     msgpack.packb(payload, use_bin_type=True)])
        return c

    def _handle(self, ident, req):
        op, rid, body = req.get("op"), req.get("id"), req.get("body")
        if op == "event.changes":
            self.requests.append((op, body))
            if op in self.mute_ops:
                return
            log = self.log.get(body.get("event"))
            if log is None:
                return self._reply(ident, rid, False, None, {"code": "not_found",
                                                             "message": "no such event",
                                                             "field": "event"})
            since, limit = body.get("since", 0), body.get("limit", 1000)
            page = [c for c in log if c["seq"] > since][:limit]
            return self._reply(ident, rid, True, {"changes": page, "last_seq": len(log)})
        return super()._handle(ident, req)


class StreamCluster(harness.Cluster):
    def start(self):
        self.fake = FakeEventEngine(self.zmq, self.pub)
        self.start_gateway()
        self.wait_healthy()
        time.sleep(0.3)  # let the SUB connect (PUB drops what is sent before)
        return self

    def cleanup(self):
        super().cleanup()
        self.fake.close()

    def stream(self, eid, headers=None, query=""):
        return SSEClient(self.http_port, "/v1/events/%s/stream%s" % (eid, query), headers)


def seqs(events):
    return [int(e["id"]) for e in events]


# -- tests against the fake engine -------------------------------------------------------------

def test_stream_of_unknown_event_is_404_before_streaming():
    with StreamCluster() as c:
        s = c.stream("nope")
        assert s.status == 404 and s.body["error"]["code"] == "not_found", (s.status, s.body)
        s.close()


def test_stream_sends_live_changes_as_sse_events():
    with StreamCluster() as c:
        c.fake.add_event("ev1")
        c.fake.change("ev1", "participant.added", {"profile": "old"})  # before: not sent
        s = c.stream("ev1")
        assert s.status == 200
        assert s.headers["content-type"].startswith("text/event-stream")
        assert s.headers["cache-control"] == "no-cache"
        time.sleep(0.2)
        c.fake.change("ev1", "meeting.moved", {"id": "m1", "note": "line1\nline2"})
        c.fake.change("other", "meeting.added", {"id": "x"})  # another event: not sent
        c.fake.change("ev1", "meeting.added", {"id": "m2"})
        evs = s.take(2)
        assert seqs(evs) == [2, 3], evs
        assert evs[0]["event"] == "meeting.moved"
        assert evs[0]["data"]["seq"] == 2 and evs[0]["data"]["type"] == "meeting.moved"
        assert evs[0]["data"]["data"] == {"id": "m1", "note": "line1\nline2"}
        assert isinstance(evs[0]["data"]["ts"], int)
        assert s.next(0.5) is None
        s.close()


def test_stream_replays_after_last_event_id_then_goes_live():
    with StreamCluster() as c:
        for i in range(5):
            c.fake.change("ev1", "request.created", {"i": i})
        s = c.stream("ev1", {"Last-Event-ID": "2"})
        evs = s.take(3)
        assert seqs(evs) == [3, 4, 5], evs
        c.fake.change("ev1", "request.accepted", {})
        assert seqs(s.take(1)) == [6]
        s.close()
        q = c.stream("ev1", query="?last_event_id=5")
        assert seqs(q.take(1)) == [6]
        q.close()
        ahead = c.stream("ev1", {"Last-Event-ID": "100"})  # from another database
        time.sleep(0.2)
        c.fake.change("ev1", "request.accepted", {})
        assert seqs(ahead.take(1)) == [7]
        ahead.close()
        bad = c.stream("ev1", {"Last-Event-ID": "x1"})
        assert bad.status == 400 and bad.body["error"]["field"] == "Last-Event-ID"
        bad.close()


def test_stream_pages_a_long_replay_without_gaps_or_duplicates():
    with StreamCluster() as c:
        for i in range(2500):
            c.fake.change("ev1", "request.created", {"i": i}, publish=False)
        s = c.stream("ev1", {"Last-Event-ID": "0"})
        c.fake.change("ev1", "request.created", {"i": "live"})  # during the replay
        evs = s.take(2501, timeout=20)
        assert seqs(evs) == list(range(1, 2502)), seqs(evs)[:5]
        assert s.next(0.5) is None
        pages = [b for op, b in c.fake.requests if op == "event.changes"]
        assert len(pages) >= 3 and all(b["limit"] <= 1000 for b in pages), pages
        s.close()


def test_stream_keeps_up_with_a_burst_of_live_changes():
    with StreamCluster() as c:
        c.fake.add_event("ev1")
        streams = [c.stream("ev1") for _ in range(3)]
        time.sleep(0.2)
        for i in range(5000):  # more than one drain batch; the PUB may drop some at its HWM
            c.fake.change("ev1", "request.created", {"i": i})
        for s in streams:
            evs = s.take(5000, timeout=30)
            assert seqs(evs) == list(range(1, 5001)), (len(evs), seqs(evs)[:3])
            s.close()


def test_stream_fills_a_gap_from_the_change_log():
    with StreamCluster() as c:
        c.fake.add_event("ev1")
        s = c.stream("ev1")
        time.sleep(0.2)
        c.fake.change("ev1", "meeting.added", {"id": "m1"})
        c.fake.change("ev1", "meeting.added", {"id": "m2"}, publish=False)  # lost in transit
        c.fake.change("ev1", "meeting.added", {"id": "m3"})
        evs = s.take(3)
        assert seqs(evs) == [1, 2, 3], evs
        assert evs[1]["data"]["data"]["id"] == "m2"
        s.close()


def test_stream_catches_up_when_the_publisher_comes_back():
    with StreamCluster() as c:
        c.fake.add_event("ev1")
        s = c.stream("ev1")
        time.sleep(0.2)
        c.fake.change("ev1", "meeting.added", {"id": "m1"})
        assert seqs(s.take(1)) == [1]
        c.fake.close_pub()
        time.sleep(0.5)
        c.fake.change("ev1", "meeting.added", {"id": "m2"})  # nobody to publish to
        c.fake.change("ev1", "meeting.added", {"id": "m3"})
        c.fake.open_pub()
        # No further live change: the reconnection alone must bring 2 and 3.
        evs = s.take(2, timeout=10)
        assert seqs(evs) == [2, 3], evs
        c.fake.change("ev1", "meeting.added", {"id": "m4"})
        assert seqs(s.take(1)) == [4]
        s.close()


def test_stream_sends_heartbeat_comments():
    with StreamCluster(gateway_args=["--stream-ping-ms", "300"]) as c:
        c.fake.add_event("ev1")
        s = c.stream("ev1")
        ev = s.next(3.0, comments=True)
        assert ev and ev.get("comment") == "ping", ev
        s.close()


def test_stream_limit_answers_503():
    with StreamCluster(gateway_args=["--max-streams", "1"]) as c:
        c.fake.add_event("ev1")
        a = c.stream("ev1")
        assert a.status == 200
        b = c.stream("ev1")
        assert b.status == 503 and b.headers.get("retry-after") == "1", b.status
        b.close()
        a.close()
        time.sleep(0.3)  # the gateway sees the client leave
        b = c.stream("ev1")
        assert b.status == 200
        b.close()


def test_stream_closes_a_client_that_does_not_read():
    with StreamCluster() as c:
        c.fake.add_event("ev1")
        s = SSEClient(c.http_port, "/v1/events/ev1/stream")
        s.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        assert s.status == 200
        time.sleep(0.2)
        big = "x" * 16384
        for i in range(1500):  # ~24 MB: far over the 1 MiB queue plus socket buffers
            c.fake.change("ev1", "meeting.added", {"pad": big})
            if i % 100 == 0:
                time.sleep(0.01)
        log = os.path.join(c.data, "gateway.log")
        harness.wait_for(lambda: "unread by the client" in open(log).read(), 15,
                         "slow stream closed")
        assert c.request("GET", "/healthz")[0] == 200
        s.close()


def test_stream_after_keepalive_request_ends_request_processing():
    with StreamCluster() as c:
        c.fake.add_event("ev1")
        sock = socket.create_connection(("127.0.0.1", c.http_port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /v1/events/ev1/stream HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.5)
        c.fake.change("ev1", "meeting.added", {"id": "m1"})
        data = b""
        end = time.time() + 3
        while time.time() < end and b"id: 1\n" not in data:
            try:
                data += sock.recv(65536)
            except socket.timeout:
                break
        time.sleep(0.3)
        sock.settimeout(0.3)
        try:
            data += sock.recv(65536)
        except socket.timeout:
            pass
        text = data.decode()
        assert text.count("HTTP/1.1 200") == 2, text  # healthz, then the stream; not the third
        assert "text/event-stream" in text and "id: 1\nevent: meeting.added\n" in text, text
        sock.close()


def test_sigterm_ends_streams_cleanly():
    with StreamCluster() as c:
        c.fake.add_event("ev1")
        s = c.stream("ev1")
        assert s.status == 200
        time.sleep(0.2)
        t0 = time.time()
        c.gateway.send_signal(signal.SIGTERM)
        assert s.wait_closed(5), "stream not closed"
        assert c.gateway.wait(5) == 0
        assert time.time() - t0 < 5
        s.close()


# -- tests against the real engine -------------------------------------------------------------

class EventOps:
    """Event writes through the gateway's event routes when it has them, otherwise straight to
    the engine over ZeroMQ (the routes are another module's; the engine publishes either way)."""

    def __init__(self, c):
        self.c = c
        st, h, body = c.request("POST", "/v1/events", {})
        self.http = not (st == 404 and body["error"]["message"] == "no such path")
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.RCVTIMEO, 10000)
        self.sock.connect(c.zmq)
        self.rid = 0

    def close(self):
        self.sock.close(0)
        self.ctx.term()

    def engine(self, op, body):
        self.rid += 1
        self.sock.send(msgpack.packb({"id": self.rid, "op": op, "body": body}, use_bin_type=True))
        while True:
            rep = msgpack.unpackb(self.sock.recv(), raw=False)
            if rep["id"] == self.rid:
                assert rep["ok"], rep
                return rep["body"]

    def profile(self, pid, **kw):
        for _ in range(50):  # right after an engine restart the gateway may still say 503
            st, h, body = self.c.request("POST", "/v1/profiles", harness.profile(pid, **kw))
            if st != 503:
                break
            time.sleep(0.1)
        assert st in (201, 409), (st, body)

    def create_event(self, eid, tables=1, slots=2):
        ev = {"id": eid, "name": "Expo " + eid, "timezone": "+08:00",
              "slots": [{"start": "2026-11-24T09:%02d:00+08:00" % (20 * i),
                         "end": "2026-11-24T%02d:%02d:00+08:00" % (9 + (20 * i + 20) // 60,
                                                                  (20 * i + 20) % 60)}
                        for i in range(slots)],
              "tables": [{"id": "t%d" % (i + 1), "label": "Table %d" % (i + 1)}
                         for i in range(tables)]}
        if self.http:
            st, h, body = self.c.request("POST", "/v1/events", ev)
            assert st in (200, 201), (st, body)
        else:
            self.engine("event.create", ev)

    def add_participant(self, eid, pid):
        self.profile(pid)
        if self.http:
            st, h, body = self.c.request("POST", "/v1/events/%s/participants" % eid,
                                         {"profile": pid})
            assert st in (200, 201), (st, body)
        else:
            self.engine("event.participant.add", {"event": eid, "profile": pid})

    def add_meeting(self, eid, a, b):
        if self.http:
            st, h, body = self.c.request("POST", "/v1/events/%s/meetings" % eid, {"a": a, "b": b})
            if st != 404 or body["error"]["message"] != "no such path":
                assert st in (200, 201), (st, body)
                return body
        return self.engine("event.meeting.add", {"event": eid, "a": a, "b": b})

    def schedule(self, eid):
        if self.http:
            st, h, body = self.c.request("POST", "/v1/events/%s/schedule" % eid, {"mode": "place"})
            assert st == 200, (st, body)
            return body
        return self.engine("event.schedule", {"event": eid, "mode": "place"})


def real_engine_has_events(c):
    st, h, body = c.request("GET", "/v1/events/__probe__/stream")
    return st == 404  # the engine answers event.changes (not_found); else unknown_op: 400


def test_real_engine_stream_resume_and_restart():
    with harness.Cluster() as c:
        if not real_engine_has_events(c):
            print("skip: the engine has no event ops yet")
            return
        ops = EventOps(c)
        try:
            ops.create_event("expo1")
            s = SSEClient(c.http_port, "/v1/events/expo1/stream")
            assert s.status == 200
            time.sleep(0.3)
            ops.add_participant("expo1", "p1")
            evs = s.take(1)
            assert evs and evs[0]["event"] == "participant.added", evs
            assert evs[0]["data"]["data"]["profile"] == "p1"
            last = int(evs[0]["id"])
            assert last == 2  # 1 is event.created, before the stream opened
            s.close()
            ops.add_participant("expo1", "p2")
            ops.add_participant("expo1", "p3")
            r = SSEClient(c.http_port, "/v1/events/expo1/stream", {"Last-Event-ID": str(last)})
            evs = r.take(2)
            assert seqs(evs) == [last + 1, last + 2], evs
            assert [e["data"]["data"]["profile"] for e in evs] == ["p2", "p3"]
            assert r.next(0.5) is None
            full = SSEClient(c.http_port, "/v1/events/expo1/stream?last_event_id=0")
            assert seqs(full.take(4)) == [1, 2, 3, 4]
            full.close()
            # The engine restarts; changes made right after it is back reach the stream.
            c.kill_engine()
            c.start_engine()
            c.wait_healthy()
            ops.add_participant("expo1", "p4")
            ops.add_participant("expo1", "p5")
            evs = r.take(2, timeout=10)
            assert seqs(evs) == [last + 3, last + 4], evs
            r.close()
        finally:
            ops.close()


if __name__ == "__main__":
    harness.run_tests([v for k, v in list(globals().items()) if k.startswith("test_")])
