"""The smematch CLI through its real interface: `serve` supervises engine and gateway and loads a
sample once; `import` sends NDJSON/CSV in batches and reports bad records with their numbers;
`get` prints a profile."""
import json
import os
import signal
import subprocess
import tempfile
import time

import harness
from harness import CLI, Cluster, free_port, profile, run_tests, wait_for


def cli(cluster, *args, stdin=None):
    env = dict(os.environ, SMEMATCH_URL="http://127.0.0.1:%d" % cluster.http_port)
    return subprocess.run([CLI] + list(args), input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def test_import_ndjson_keeps_good_lines_and_numbers_bad_ones():
    with Cluster() as c:
        lines = [json.dumps(profile("imp-%d" % i)) for i in range(7)]
        lines.insert(3, "{not json")
        lines.insert(5, json.dumps(profile("imp-bad", country="XX")))
        lines.insert(6, "")
        path = write(os.path.join(c.data, "in.ndjson"), "\n".join(lines) + "\n")
        r = cli(c, "import", path)
        assert r.returncode == 3, (r.returncode, r.stdout, r.stderr)
        assert "7 stored, 2 failed" in r.stdout, r.stdout
        assert "line 4" in r.stderr, r.stderr
        assert "line 6" in r.stderr and "country" in r.stderr, r.stderr
        for i in range(7):
            assert c.request("GET", "/v1/profiles/imp-%d" % i)[0] == 200


def test_import_csv_in_many_batches_with_quoted_multiline_field():
    with Cluster() as c:
        rows = ["id,kind,name,country,languages,sectors,description,"
                "offer1_type,offer1_sectors,offer1_keywords,offer1_text"]
        for i in range(12000):
            desc = '"first line\nsecond, with ""quotes"""' if i == 5 else "plain"
            country = "ZZ" if i == 11000 else "CN"
            rows.append('csv-%d,sme,"Maker %d",%s,zh;en,C2220,%s,outsourcing,C2220,'
                        'injection molding;注塑,precision moulds' % (i, i, country, desc))
        path = write(os.path.join(c.data, "in.csv"), "\n".join(rows) + "\n")
        r = cli(c, "import", path)
        assert r.returncode == 3, (r.returncode, r.stdout, r.stderr)
        assert "11999 stored, 1 failed" in r.stdout, r.stdout
        # Record numbers count the header as 1 and a multi-line record as one record.
        assert "record 11002" in r.stderr, r.stderr
        st, _, body = c.request("GET", "/v1/profiles/csv-5")
        assert st == 200 and body["description"] == 'first line\nsecond, with "quotes"', body
        assert c.request("GET", "/v1/profiles/csv-11999")[0] == 200


def test_import_in_parallel_reports_bad_lines_in_file_order():
    with Cluster() as c:
        # 16,000 lines: 4 batches in flight at once; a bad line in each, the last batch's
        # smallest so that it tends to be answered first.
        bad = {17, 5003, 10009, 15999}
        lines = ["{broken" if i + 1 in bad else json.dumps(profile("par-%d" % i))
                 for i in range(16000)]
        path = write(os.path.join(c.data, "many.ndjson"), "\n".join(lines) + "\n")
        r = cli(c, "import", "--parallel", "4", path)
        assert r.returncode == 3, (r.returncode, r.stdout, r.stderr)
        assert "15996 stored, 4 failed" in r.stdout, r.stdout
        reported = [int(line.split()[1].rstrip(":")) for line in r.stderr.splitlines()
                    if line.startswith("line ")]
        assert reported == sorted(bad), r.stderr
        for i in (0, 5003, 15999):
            assert c.request("GET", "/v1/profiles/par-%d" % i)[0] == 200
        for bad_flag in ("0", "17", "x"):
            r = cli(c, "import", "--parallel", bad_flag, path)
            assert r.returncode == 2 and "--parallel" in r.stderr, (bad_flag, r.stderr)


def test_get_prints_profile_and_fails_clearly_for_missing_one():
    with Cluster() as c:
        assert c.request("POST", "/v1/profiles", profile("get-1"))[0] == 201
        r = cli(c, "get", "get-1")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["id"] == "get-1"
        r = cli(c, "get", "nope")
        assert r.returncode == 1 and "404" in r.stderr, (r.returncode, r.stderr)


def test_import_against_dead_gateway_fails_with_message():
    c = Cluster()
    try:
        path = write(os.path.join(c.data, "one.ndjson"), json.dumps(profile("x")) + "\n")
        r = cli(c, "import", path)
        assert r.returncode == 1 and "import" in r.stderr, (r.returncode, r.stderr)
    finally:
        c.cleanup()


def children_of(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def exe_of(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return ""


def test_serve_loads_sample_once_restarts_engine_and_stops_cleanly():
    data = tempfile.mkdtemp(prefix="smematch-serve-")
    c = Cluster(data=data)
    sample = os.path.join(harness.SOURCE, "data", "sample-expo.ndjson")
    first_id = json.loads(open(sample).readline())["id"]
    n_sample = sum(1 for line in open(sample) if line.strip())
    log = open(os.path.join(data, "serve.log"), "w")
    p = subprocess.Popen([CLI, "serve", "--data", data, "--http", "127.0.0.1:%d" % c.http_port,
                          "--zmq", c.zmq, "--pub", c.pub, "--sample", sample],
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        c.wait_healthy(30)
        wait_for(lambda: os.path.exists(os.path.join(data, "sample-loaded")), 60,
                 "sample loaded")
        st, _, body = c.request("GET", "/v1/profiles/" + first_id)
        assert st == 200 and body["id"] == first_id
        text = open(os.path.join(data, "serve.log")).read()
        assert "%d stored, 0 failed" % n_sample in text, text
        # kill -9 the engine: the supervisor restarts it and the gateway recovers by itself.
        engine = [k for k in children_of(p.pid) if exe_of(k).endswith("smematch-engine")]
        assert len(engine) == 1, children_of(p.pid)
        os.kill(engine[0], signal.SIGKILL)
        wait_for(lambda: any(exe_of(k).endswith("smematch-engine") and k != engine[0]
                             for k in children_of(p.pid)), 20, "engine restarted")
        c.wait_healthy(30)
        assert c.request("GET", "/v1/profiles/" + first_id)[0] == 200
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
        assert not children_of(p.pid)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        log.close()
    # A second start does not load the sample again (a deleted sample profile stays deleted).
    log = open(os.path.join(data, "serve2.log"), "w")
    p = subprocess.Popen([CLI, "serve", "--data", data, "--http", "127.0.0.1:%d" % c.http_port,
                          "--zmq", c.zmq, "--pub", c.pub, "--sample", sample],
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        c.wait_healthy(30)
        assert c.request("DELETE", "/v1/profiles/" + first_id)[0] == 200
        time.sleep(1.0)
        assert c.request("GET", "/v1/profiles/" + first_id)[0] == 404
        p.send_signal(signal.SIGINT)
        assert p.wait(30) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        log.close()
        c.cleanup()
        import shutil
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    run_tests([
        test_import_ndjson_keeps_good_lines_and_numbers_bad_ones,
        test_import_csv_in_many_batches_with_quoted_multiline_field,
        test_import_in_parallel_reports_bad_lines_in_file_order,
        test_get_prints_profile_and_fails_clearly_for_missing_one,
        test_import_against_dead_gateway_fails_with_message,
        test_serve_loads_sample_once_restarts_engine_and_stops_cleanly,
    ])
