"""smematch-engine as a process: flags, environment variables, exit codes, and the map growing
under a running import.

Run: SMEMATCH_BUILD=build /usr/bin/python3 tests/integration/test_engine_cli.py
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import msgpack
import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import profile  # noqa: E402


def run(args, env=None, timeout=15):
    return subprocess.run([harness.ENGINE] + args, capture_output=True, text=True,
                          timeout=timeout, env=env)


def call(endpoint, op, body=None, timeout_ms=10000):
    ctx = zmq.Context()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(endpoint)
    try:
        s.send(msgpack.packb({"id": 1, "op": op, "body": body}))
        if not s.poll(timeout_ms):
            raise TimeoutError(op)
        return msgpack.unpackb(s.recv())
    finally:
        s.close()
        ctx.term()


def wait_ready(endpoint):
    harness.wait_for(lambda: call(endpoint, "ping", timeout_ms=300)["ok"], 20, "engine ping")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    return proc.wait(15)


def test_help_and_version_exit_0():
    r = run(["--help"])
    assert r.returncode == 0
    for flag in ("--data", "--zmq", "--pub", "--readers", "--log-level", "--map-size",
                 "--rebuild-index"):
        assert flag in r.stdout, flag
    r = run(["--version"])
    assert r.returncode == 0 and r.stdout.startswith("smematch-engine ")


def test_bad_flags_exit_2_with_a_message():
    for args in (["--readers", "0"], ["--readers", "x"], ["--log-level", "loud"],
                 ["--map-size", "1"], ["--bogus"], ["extra"]):
        r = run(args)
        assert r.returncode == 2, (args, r.returncode)
        assert r.stderr.strip(), args


def test_environment_sets_data_and_endpoints_and_readers_flag_counts():
    data = tempfile.mkdtemp(prefix="smematch-test-")
    zep = "tcp://127.0.0.1:%d" % harness.free_port()
    pep = "tcp://127.0.0.1:%d" % harness.free_port()
    env = dict(os.environ, SMEMATCH_DATA=os.path.join(data, "nested", "dir"), SMEMATCH_ZMQ=zep,
               SMEMATCH_PUB=pep, SMEMATCH_LOG_LEVEL="debug")
    log = open(os.path.join(data, "engine.log"), "wb")
    p = subprocess.Popen([harness.ENGINE, "--readers", "3"], env=env, stdout=log,
                         stderr=subprocess.STDOUT)
    try:
        wait_ready(zep)
        stats = call(zep, "stats")["body"]
        assert stats["readers"] == 3
        assert os.path.isdir(os.path.join(data, "nested", "dir", "db"))
        assert stop(p) == 0
    finally:
        if p.poll() is None:
            p.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def test_busy_endpoint_exits_1_with_a_log_line():
    c = harness.Cluster()
    other = harness.Cluster()
    try:
        c.start_engine()
        wait_ready(c.zmq)
        other.zmq = c.zmq  # same request endpoint, another data folder
        assert other.start_engine().wait(15) == 1
        other.stop()
        log = open(os.path.join(other.data, "engine.log")).read()
        assert "bind " + c.zmq in log and "cannot start" in log, log
        assert call(c.zmq, "ping")["ok"]  # the first engine is unharmed
    finally:
        other.cleanup()
        c.cleanup()


def test_engine_grows_a_tiny_map_under_import():
    c = harness.Cluster(engine_args=["--map-size", "64K"])
    try:
        c.start_engine()
        wait_ready(c.zmq)
        before = call(c.zmq, "stats")["body"]["map_size"]
        assert before <= 64 << 10
        for b in range(4):
            rep = call(c.zmq, "profile.import",
                       {"profiles": [profile("g-%d-%d" % (b, i), description="d" * 2000)
                                     for i in range(500)]})
            assert rep["ok"] and rep["body"]["stored"] == 500, rep
        stats = call(c.zmq, "stats")["body"]
        assert stats["profiles"] == 2000
        assert stats["map_size"] > before and stats["map_size"] >= stats["data_bytes"]
        assert call(c.zmq, "profile.get", {"id": "g-3-499"})["ok"]
        c.kill_engine(signal.SIGTERM)
        assert c.engine.returncode == 0
        log = open(os.path.join(c.data, "engine.log")).read()
        assert "growing map" in log, log
    finally:
        c.cleanup()


def test_rebuild_index_builds_the_same_index_again_from_the_profiles():
    c = harness.Cluster()
    try:
        c.start_engine()
        wait_ready(c.zmq)
        dist = {"type": "distribution", "sectors": ["G4649"], "keywords": ["stationery wholesale"],
                "text": "wholesale distributor of pens in Germany", "countries": ["DE"]}
        profiles = [profile("r-%03d" % i, description="maker of %s pens" %
                            ("gel", "ink", "brush")[i % 3]) if i % 2 else
                    profile("r-%03d" % i, kind="foreign", country="DE", region="Bavaria",
                            offers=[dist]) for i in range(300)]
        rep = call(c.zmq, "profile.import", {"profiles": profiles})
        assert rep["ok"] and rep["body"]["stored"] == 300, rep
        query = {"text": "gel pens distributor Germany", "limit": 20}
        before = call(c.zmq, "match.search", query)
        leads = call(c.zmq, "match.leads", {"id": "r-007", "limit": 10})
        assert before["ok"] and before["body"]["results"], before
        assert leads["ok"] and leads["body"]["leads"], leads
        c.kill_engine(signal.SIGTERM)
        c.engine_args = ["--rebuild-index"]
        c.start_engine()
        wait_ready(c.zmq)
        assert call(c.zmq, "match.search", query) == before
        assert call(c.zmq, "match.leads", {"id": "r-007", "limit": 10}) == leads
        log = open(os.path.join(c.data, "engine.log")).read()
        assert "index: dropping it" in log and "300 profiles indexed" in log, log
        assert call(c.zmq, "stats")["body"]["profiles"] == 300
    finally:
        c.cleanup()


if __name__ == "__main__":
    harness.run_tests([
        test_help_and_version_exit_0,
        test_bad_flags_exit_2_with_a_message,
        test_environment_sets_data_and_endpoints_and_readers_flag_counts,
        test_busy_endpoint_exits_1_with_a_log_line,
        test_engine_grows_a_tiny_map_under_import,
        test_rebuild_index_builds_the_same_index_again_from_the_profiles,
    ])
