"""The gateway's HTTP/1.1 layer on raw sockets: keep-alive, pipelining in order, limits
(body 413, headers 431, connections), slow clients (408), malformed requests (400 + close),
routing errors (404, 405 + Allow), JSON errors (400 naming the position).

It runs against a fake engine (see test_gateway_fakeengine.py): nothing here needs the real
engine. Run: SMEMATCH_BUILD=build /usr/bin/python3 tests/integration/test_http_server.py
"""
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_gateway_fakeengine import FakeCluster, raw_exchange  # noqa: E402


def read_responses(sock, n, timeout=5.0):
    """Read n HTTP responses (Content-Length framed) from sock; returns [(status, headers,
    body bytes)]."""
    sock.settimeout(timeout)
    buf = b""
    out = []
    while len(out) < n:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return out
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for l in lines[1:]:
            k, v = l.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
        length = int(hdrs.get("content-length", "0"))
        while len(buf) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
        body, buf = buf[:length], buf[length:]
        out.append((status, hdrs, body))
    return out


def test_http_keep_alive_serves_many_requests_on_one_connection():
    with FakeCluster() as c:
        conn = c.conn()
        for _ in range(20):
            st, h, body = c.request("GET", "/healthz", conn=conn)
            assert st == 200 and body == {"status": "ok", "engine": "up"}
            assert "connection" not in h
        conn.close()


def test_http_pipelined_requests_are_answered_in_order():
    with FakeCluster() as c:
        c.fake.profiles["a"] = {"id": "a", "name": "A"}
        c.fake.profiles["b"] = {"id": "b", "name": "B"}
        c.fake.delay = 0.05  # the first engine reply comes late; order must still hold
        reqs = (b"GET /v1/profiles/a HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /v1/profiles/b HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                b"POST /v1/profiles/import HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                b"Content-Length: 10\r\n\r\n{\"id\":\"c\"}"
                b"GET /v1/profiles/c HTTP/1.1\r\nHost: x\r\n\r\n")
        s = socket.create_connection(("127.0.0.1", c.http_port))
        s.sendall(reqs)
        rs = read_responses(s, 6)
        s.close()
        assert [r[0] for r in rs] == [200, 200, 200, 404, 200, 200], rs
        assert json.loads(rs[0][2])["name"] == "A"
        assert json.loads(rs[2][2])["name"] == "B"
        assert json.loads(rs[4][2])["stored"] == 1
        assert json.loads(rs[5][2])["id"] == "c"


def test_http_pipelined_requests_split_across_writes():
    with FakeCluster() as c:
        reqs = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 50
        s = socket.create_connection(("127.0.0.1", c.http_port))
        for i in range(0, len(reqs), 7):  # byte dribble across request boundaries
            s.sendall(reqs[i:i + 7])
        rs = read_responses(s, 50)
        s.close()
        assert len(rs) == 50 and all(r[0] == 200 for r in rs)


def test_http_body_over_limit_is_413_from_content_length():
    with FakeCluster(gateway_args=["--max-body", "1024"]) as c:
        st, h, body = c.request("POST", "/v1/profiles", "x" * 2000,
                                {"Content-Type": "application/json"})
        assert st == 413 and body["error"]["code"] == "too_large", (st, body)
        assert h.get("connection") == "close"
        # The import route has its own, larger limit.
        st, h, body = c.request("POST", "/v1/profiles/import", '{"id":"a"}\n' * 200,
                                {"Content-Type": "application/x-ndjson"})
        assert st == 200 and body["stored"] == 200, (st, body)


def test_http_chunked_body_over_limit_is_413():
    with FakeCluster(gateway_args=["--max-body", "1024"]) as c:
        chunk = b"x" * 600
        req = (b"POST /v1/profiles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"Content-Type: application/json\r\n\r\n" +
               (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 2 + b"0\r\n\r\n")
        out = raw_exchange(c.http_port, req)
        assert out.startswith(b"HTTP/1.1 413 "), out[:200]


def test_http_chunked_body_within_limit_is_accepted():
    with FakeCluster() as c:
        body = json.dumps(harness.profile("chunky")).encode()
        req = (b"POST /v1/profiles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"Content-Type: application/json\r\n\r\n" +
               b"%x\r\n" % 10 + body[:10] + b"\r\n" +
               b"%x\r\n" % (len(body) - 10) + body[10:] + b"\r\n0\r\n\r\n")
        s = socket.create_connection(("127.0.0.1", c.http_port))
        s.sendall(req)
        (st, h, b), = read_responses(s, 1)
        s.close()
        assert st == 201, (st, b)


def test_http_expect_100_continue_gets_interim_response():
    with FakeCluster() as c:
        body = json.dumps(harness.profile("exp")).encode()
        s = socket.create_connection(("127.0.0.1", c.http_port), timeout=5)
        s.sendall(b"POST /v1/profiles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        first = s.recv(100)
        assert first == b"HTTP/1.1 100 Continue\r\n\r\n", first
        s.sendall(body)
        (st, h, b), = read_responses(s, 1)
        s.close()
        assert st == 201


def test_http_oversized_headers_get_431():
    with FakeCluster() as c:
        req = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
        out = raw_exchange(c.http_port, req)
        assert out.startswith(b"HTTP/1.1 431 "), out[:200]
        assert b'"code":"too_large"' in out


def test_http_space_before_colon_in_header_is_400():
    with FakeCluster() as c:
        req = (b"POST /v1/profiles HTTP/1.1\r\nHost: x\r\nContent-Length : 2\r\n"
               b"Content-Type: application/json\r\n\r\n{}")
        out = raw_exchange(c.http_port, req)
        assert out.startswith(b"HTTP/1.1 400 "), out[:200]
        assert b"Connection: close" in out


def test_http_malformed_request_is_400_and_closes():
    with FakeCluster() as c:
        for req in (b"GARBAGE\r\n\r\n",
                    b"GET /healthz HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                    b"POST /v1/profiles HTTP/1.1\r\nContent-Length: 2\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    b"GET /healthz HTTP/9.9\r\n\r\n"):
            out = raw_exchange(c.http_port, req)
            assert out.startswith(b"HTTP/1.1 400 "), (req, out[:200])
            assert b"Connection: close" in out, out


def test_http_slow_headers_are_cut_with_408():
    with FakeCluster(gateway_args=["--header-timeout-ms", "500"]) as c:
        s = socket.create_connection(("127.0.0.1", c.http_port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finishes the headers
        t0 = time.time()
        out = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
        s.close()
        assert out.startswith(b"HTTP/1.1 408 "), out
        assert time.time() - t0 < 3
        # The server still serves others.
        assert c.request("GET", "/healthz")[0] == 200


def test_http_idle_keep_alive_connection_is_closed():
    with FakeCluster(gateway_args=["--idle-timeout-ms", "300"]) as c:
        s = socket.create_connection(("127.0.0.1", c.http_port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_responses(s, 1)[0][0] == 200
        t0 = time.time()
        assert s.recv(10) == b""  # closed by the server
        assert time.time() - t0 < 3
        s.close()


def test_http_connections_over_the_limit_get_503():
    with FakeCluster(gateway_args=["--max-conns", "4"]) as c:
        held = [socket.create_connection(("127.0.0.1", c.http_port)) for _ in range(4)]
        time.sleep(0.2)
        out = raw_exchange(c.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 503 "), out[:200]
        for s in held:
            s.close()
        harness.wait_for(lambda: c.request("GET", "/healthz")[0] == 200, 5, "slot freed")


def test_http_unknown_path_is_404_json():
    with FakeCluster() as c:
        st, h, body = c.request("GET", "/v1/nothing")
        assert st == 404 and body["error"]["code"] == "not_found"
        assert h["content-type"] == "application/json"


def test_http_wrong_method_is_405_with_allow():
    with FakeCluster() as c:
        st, h, body = c.request("POST", "/v1/profiles/x", {})
        assert st == 405 and h["allow"] == "GET, PUT, DELETE", (st, h)
        assert body["error"]["code"] == "method_not_allowed"
        st, h, body = c.request("GET", "/v1/profiles/import")
        assert st == 405 and h["allow"] == "POST"
        st, h, body = c.request("DELETE", "/healthz")
        assert st == 405 and h["allow"] == "GET"


def test_http_malformed_json_is_400_naming_the_position():
    with FakeCluster() as c:
        st, h, body = c.request("POST", "/v1/profiles", '{"id": "x", "kind": }',
                                {"Content-Type": "application/json"})
        assert st == 400 and body["error"]["code"] == "invalid_request", body
        assert "column 21" in body["error"]["message"], body
        st, h, body = c.request("POST", "/v1/profiles", '{"id": "x",\n "id": "y"}',
                                {"Content-Type": "application/json"})
        assert st == 400 and "line 2" in body["error"]["message"], body
        st, h, body = c.request("POST", "/v1/profiles", b'{"id": "\xff"}',
                                {"Content-Type": "application/json"})
        assert st == 400 and body["error"]["code"] == "invalid_request", body
        st, h, body = c.request("POST", "/v1/profiles", "[" * 40 + "]" * 40,
                                {"Content-Type": "application/json"})
        assert st == 400 and "nested deeper" in body["error"]["message"], body
        st, h, body = c.request("POST", "/v1/profiles", "[1, 2]",
                                {"Content-Type": "application/json"})
        assert st == 400 and "json object" in body["error"]["message"], body
        st, h, body = c.request("POST", "/v1/profiles", "id=x",
                                {"Content-Type": "application/x-www-form-urlencoded"})
        assert st == 400 and body["error"]["field"] == "Content-Type", body
        assert not [r for r in c.fake.requests if r[0] == "profile.create"]


def test_http_client_that_vanishes_mid_request_does_not_hurt_others():
    with FakeCluster() as c:
        c.fake.delay = 0.2
        c.fake.profiles["a"] = {"id": "a"}
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", c.http_port))
            s.sendall(b"GET /v1/profiles/a HTTP/1.1\r\nHost: x\r\n\r\n")
            s.close()
        time.sleep(1.5)
        c.fake.delay = 0
        assert c.request("GET", "/v1/profiles/a")[0] == 200


def test_http_concurrent_clients_all_served():
    with FakeCluster() as c:
        c.fake.profiles["a"] = {"id": "a"}
        errors = []

        def worker():
            try:
                conn = c.conn()
                for _ in range(50):
                    st = c.request("GET", "/v1/profiles/a", conn=conn)[0]
                    if st != 200:
                        errors.append(st)
                conn.close()
            except Exception as e:  # noqa
                errors.append(repr(e))

        ts = [threading.Thread(target=worker) for _ in range(16)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        assert not errors, errors[:5]


def test_http_sigterm_drains_in_flight_request():
    with FakeCluster() as c:
        c.fake.profiles["a"] = {"id": "a"}
        c.fake.delay = 0.8
        result = {}

        def get():
            result["r"] = c.request("GET", "/v1/profiles/a")

        t = threading.Thread(target=get)
        t.start()
        time.sleep(0.3)
        c.gateway.terminate()
        t.join(10)
        assert result["r"][0] == 200, result
        assert c.gateway.wait(10) == 0


if __name__ == "__main__":
    harness.run_tests([v for k, v in list(globals().items()) if k.startswith("test_")])
