"""Integration-test harness: starts the real engine and gateway on free loopback ports in a
temporary data folder, and talks to them over HTTP (http.client) and ZeroMQ.

Binaries come from $SMEMATCH_BUILD (the Meson build folder, set by tests/integration/meson.build):
  engine/smematch-engine   --data DIR --zmq EP --pub EP
  gateway/smematch-gateway --http HOST:PORT --zmq EP --pub EP --timeout-ms N
Run with Debian's /usr/bin/python3 (it sees python3-zmq and python3-msgpack).
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("SMEMATCH_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
ENGINE = os.path.join(BUILD, "engine", "smematch-engine")
GATEWAY = os.path.join(BUILD, "gateway", "smematch-gateway")
CLI = os.path.join(BUILD, "clients", "smematch")
SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=10.0, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if pred():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class Cluster:
    """An engine and a gateway sharing one temporary data folder."""

    def __init__(self, data=None, gateway_args=(), engine_args=()):
        self.own_data = data is None
        self.data = data or tempfile.mkdtemp(prefix="smematch-test-")
        self.http_port = free_port()
        self.zmq = "tcp://127.0.0.1:%d" % free_port()
        self.pub = "tcp://127.0.0.1:%d" % free_port()
        self.gateway_args = list(gateway_args)
        self.engine_args = list(engine_args)
        self.engine = None
        self.gateway = None
        self.logs = []

    # -- processes ---------------------------------------------------------------------------
    def _spawn(self, argv, name):
        log = open(os.path.join(self.data, name + ".log"), "ab")
        self.logs.append(log)
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

    def start_engine(self):
        self.engine = self._spawn([ENGINE, "--data", self.data, "--zmq", self.zmq,
                                   "--pub", self.pub] + self.engine_args, "engine")
        return self.engine

    def start_gateway(self):
        self.gateway = self._spawn([GATEWAY, "--http", "127.0.0.1:%d" % self.http_port,
                                    "--zmq", self.zmq, "--pub", self.pub,
                                    "--data", self.data] + self.gateway_args, "gateway")
        wait_for(lambda: self._port_open(), what="gateway port")
        return self.gateway

    def start(self):
        self.start_engine()
        self.start_gateway()
        self.wait_healthy()
        return self

    def _port_open(self):
        with socket.create_connection(("127.0.0.1", self.http_port), timeout=0.2):
            return True

    def wait_healthy(self, timeout=15.0):
        wait_for(lambda: self.request("GET", "/healthz")[0] == 200, timeout, "healthy gateway")

    def kill_engine(self, sig=signal.SIGKILL):
        if self.engine and self.engine.poll() is None:
            self.engine.send_signal(sig)
            self.engine.wait(10)

    def kill_gateway(self, sig=signal.SIGKILL):
        if self.gateway and self.gateway.poll() is None:
            self.gateway.send_signal(sig)
            self.gateway.wait(10)

    def stop(self):
        for p in (self.gateway, self.engine):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for p, name in ((self.gateway, "gateway"), (self.engine, "engine")):
            # A sanitizer report in a child is a failure even when the test itself passed.
            path = os.path.join(self.data, name + ".log")
            if os.path.exists(path):
                text = open(path, errors="replace").read()
                if "ERROR: AddressSanitizer" in text or "runtime error:" in text or \
                        "ERROR: LeakSanitizer" in text:
                    sys.stderr.write(text)
                    raise AssertionError(name + " reported a sanitizer error")
        for log in self.logs:
            log.close()
        self.logs = []

    def cleanup(self):
        self.stop()
        if self.own_data:
            shutil.rmtree(self.data, ignore_errors=True)

    def log_tails(self, lines=20):
        """The last lines of both processes' logs: what a failed start leaves to read."""
        out = []
        for name in ("engine", "gateway"):
            path = os.path.join(self.data, name + ".log")
            if os.path.exists(path):
                tail = open(path, errors="replace").read().splitlines()[-lines:]
                out.append("--- %s.log ---\n%s" % (name, "\n".join(tail)))
        return "\n".join(out)

    def __enter__(self):
        # __exit__ does not run when __enter__ raises: stop what started, say why it failed.
        try:
            return self.start()
        except BaseException:
            sys.stderr.write(self.log_tails() + "\n")
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.cleanup()

    # -- HTTP --------------------------------------------------------------------------------
    def conn(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None):
        """Returns (status, headers dict lower-cased, parsed JSON or raw text)."""
        c = conn or self.conn()
        hdrs = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        raw = r.read()
        h = {k.lower(): v for k, v in r.getheaders()}
        if conn is None:
            c.close()
        ctype = h.get("content-type", "")
        if ctype.startswith("application/json") and raw:
            return r.status, h, json.loads(raw)
        return r.status, h, raw.decode("utf-8", "replace")


def profile(pid, **over):
    """A small valid profile (SPEC §2) to build tests on."""
    p = {
        "id": pid, "kind": "sme", "name": "Test Co " + pid, "country": "CN",
        "region": "Zhejiang", "zone": "ninghai-stationery", "languages": ["zh", "en"],
        "employees": 120, "founded": 2004, "sectors": ["C3290"],
        "description": "stationery maker",
        "offers": [{"type": "outsourcing", "sectors": ["C3290"], "keywords": ["OEM", "gel pens"],
                    "text": "OEM production of gel pens", "countries": ["DE", "US"]}],
        "needs": [{"type": "distribution", "sectors": ["G4649"],
                   "keywords": ["stationery wholesale"],
                   "text": "seeking a distributor in Germany", "countries": ["DE"]}],
        "contact": {"person": "Li Wei", "email": "li.wei@example.cn"},
    }
    p.update(over)
    return p


def run_tests(tests):
    """Run test functions in order, print a summary, exit non-zero on any failure."""
    failed = 0
    for t in tests:
        start = time.time()
        try:
            t()
            print("ok   %s (%.2fs)" % (t.__name__, time.time() - start), flush=True)
        except Exception as e:  # report and go on, so one failure shows all the others
            failed += 1
            import traceback
            traceback.print_exc()
            print("FAIL %s: %s" % (t.__name__, e), flush=True)
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    sys.exit(1 if failed else 0)
