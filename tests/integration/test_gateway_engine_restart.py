"""Engine liveness through the gateway (SPEC §8): a killed engine gives 503 with Retry-After at
once (no hang), the gateway reconnects by itself when the engine is back, and acknowledged
writes survive killing both processes.
Run: SMEMATCH_BUILD=build /usr/bin/python3 tests/integration/test_gateway_engine_restart.py
"""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import profile  # noqa: E402


def test_engine_killed_gives_503_fast_then_recovers_without_gateway_restart():
    with harness.Cluster() as c:
        assert c.request("POST", "/v1/profiles", profile("r-1"))[0] == 201
        gw_pid = c.gateway.pid
        c.kill_engine(signal.SIGKILL)
        # The monitor sees the disconnect; within a moment every call is refused at once.
        harness.wait_for(lambda: c.request("GET", "/healthz")[0] == 503, 5, "engine down")
        st, h, body = c.request("GET", "/healthz")
        assert body == {"status": "degraded", "engine": "down"}, body
        for _ in range(5):
            t0 = time.time()
            st, h, body = c.request("GET", "/v1/profiles/r-1")
            assert st == 503, (st, body)
            assert h.get("retry-after") == "1" and body["error"]["code"] == "unavailable"
            assert time.time() - t0 < 0.5, time.time() - t0
        t0 = time.time()
        st, h, body = c.request("POST", "/v1/profiles/import", '{"id": "r-2"}\n',
                                {"Content-Type": "application/x-ndjson"})
        assert st == 503 and time.time() - t0 < 0.5, (st, body)
        c.start_engine()
        c.wait_healthy(10)
        assert c.gateway.pid == gw_pid and c.gateway.poll() is None
        st, h, body = c.request("GET", "/v1/profiles/r-1")
        assert st == 200 and body["id"] == "r-1", (st, body)
        assert c.request("POST", "/v1/profiles", profile("r-3"))[0] == 201


def test_in_flight_requests_fail_with_503_when_engine_dies():
    with harness.Cluster(gateway_args=["--timeout-ms", "20000"]) as c:
        # Stop the engine so requests sit in flight, then kill it: they must not wait 20 s.
        c.engine.send_signal(signal.SIGSTOP)
        result = {}

        def get():
            t0 = time.time()
            result["r"] = c.request("GET", "/v1/profiles/nope")
            result["t"] = time.time() - t0

        t = threading.Thread(target=get)
        t.start()
        time.sleep(0.3)
        c.engine.send_signal(signal.SIGKILL)
        c.engine.wait(10)
        t.join(10)
        assert result["r"][0] == 503, result
        assert result["t"] < 1.5, result  # the monitor reports the disconnect at once


def test_data_survives_killing_engine_and_gateway():
    c = harness.Cluster()
    try:
        c.start()
        assert c.request("POST", "/v1/profiles", profile("keep-1"))[0] == 201
        st, h, res = c.request("POST", "/v1/profiles/import",
                               "".join('{"id": "keep-%d", "kind": "sme", "name": "K", '
                                       '"country": "CN"}\n' % i for i in range(2, 50)),
                               {"Content-Type": "application/x-ndjson"})
        assert st == 200 and res["stored"] == 48, res
        c.kill_gateway(signal.SIGKILL)
        c.kill_engine(signal.SIGKILL)
        c.start_engine()
        c.start_gateway()
        c.wait_healthy(10)
        for pid in ("keep-1", "keep-2", "keep-49"):
            st, h, body = c.request("GET", "/v1/profiles/" + pid)
            assert st == 200 and body["id"] == pid, (st, body)
    finally:
        c.cleanup()


def test_gateway_started_before_engine_waits_then_serves():
    c = harness.Cluster()
    try:
        c.start_gateway()
        st, h, body = c.request("GET", "/healthz")
        assert st == 503 and h.get("retry-after") == "1", (st, body)
        assert c.request("GET", "/v1/profiles/x")[0] == 503
        c.start_engine()
        c.wait_healthy(10)
        assert c.request("GET", "/v1/profiles/x")[0] == 404
    finally:
        c.cleanup()


def test_gateway_sigterm_exits_zero():
    with harness.Cluster() as c:
        c.gateway.send_signal(signal.SIGTERM)
        assert c.gateway.wait(10) == 0
        log = open(os.path.join(c.data, "gateway.log")).read()
        assert "gateway listening on" in log and "exited cleanly" in log, log


if __name__ == "__main__":
    harness.run_tests([v for k, v in list(globals().items()) if k.startswith("test_")])
