#!/usr/bin/python3
"""check_gen.py - tests of smematch-gen (the deterministic data generator, SPEC §7).

Run by meson (suite 'benchmarks') as `check_gen.py TEST --gen PATH [--data DIR]`, one test a
call, or by hand as `check_gen.py validate FILE.ndjson [--truth FILE.tsv] [--csv FILE.csv]
[--roles FILE.tsv]` to check any generated file. Exit status 0 when the test passes; a failure prints what was wrong.
"""
import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

TYPES = ["outsourcing", "joint_venture", "technology_transfer", "distribution", "franchise",
         "investment", "rnd", "services"]
SYMMETRIC = {"joint_venture", "rnd"}
KINDS = {"sme", "large", "foreign", "service"}
# ISIC Rev.4 sections and the divisions they hold.
SECTIONS = {"A": (1, 3), "B": (5, 9), "C": (10, 33), "D": (35, 35), "E": (36, 39),
            "F": (41, 43), "G": (45, 47), "H": (49, 53), "I": (55, 56), "J": (58, 63),
            "K": (64, 66), "L": (68, 68), "M": (69, 75), "N": (77, 82), "O": (84, 84),
            "P": (85, 85), "Q": (86, 88), "R": (90, 93), "S": (94, 96), "T": (97, 98),
            "U": (99, 99)}
FIELDS = ["id", "kind", "name", "country", "region", "zone", "languages", "employees", "founded",
          "sectors", "description", "offers", "needs", "contact"]
ITEM_FIELDS = ["type", "sectors", "keywords", "text", "countries"]
TEXT_MAX, LIST_MAX, NAME_MAX = 8192, 64, 512
ID_RE = re.compile(r"^[a-z]{2}-[a-z0-9]+(-[a-z0-9]+)*-[0-9]{6,}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
LANG_RE = re.compile(r"^[a-z]{2}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[a-z0-9.]+@[a-z0-9-]+\.example$")
PHONE_RE = re.compile(r"^\+[0-9]{1,3}( [0-9]+)+$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
CSV_BASE = ["id", "kind", "name", "country", "region", "zone", "languages", "employees",
            "founded", "sectors", "description", "contact_person", "contact_email",
            "contact_phone"]


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def isic_valid(code):
    if not isinstance(code, str) or not 1 <= len(code) <= 5 or code[0] not in SECTIONS:
        return False
    digits = code[1:]
    if not digits:
        return True
    if len(digits) < 2 or not digits.isdigit():
        return False
    lo, hi = SECTIONS[code[0]]
    return lo <= int(digits[:2]) <= hi


def check_list(v, where, each, allow_empty=True):
    check(isinstance(v, list), f"{where}: not a list")
    check(len(v) <= LIST_MAX, f"{where}: more than {LIST_MAX} items")
    check(allow_empty or v, f"{where}: empty")
    for i, x in enumerate(v):
        check(each(x), f"{where}[{i}]: bad value {x!r}")


def text_ok(s, limit=TEXT_MAX):
    return isinstance(s, str) and 0 < len(s.encode()) <= limit and "\n" not in s


def check_profile(p, where):
    check(isinstance(p, dict), f"{where}: not an object")
    check(list(p) == [f for f in FIELDS if f in p], f"{where}: fields out of order or unknown: {list(p)}")
    for f in FIELDS:
        check(f in p or f == "zone", f"{where}: missing {f}")
    pid = p["id"]
    check(isinstance(pid, str) and ID_RE.match(pid), f"{where}: bad id {pid!r}")
    check(pid[:2].upper() == p["country"], f"{where}: id {pid} does not start with the country")
    check(p["kind"] in KINDS, f"{where}: bad kind {p['kind']!r}")
    check(text_ok(p["name"], NAME_MAX), f"{where}: bad name")
    check(isinstance(p["country"], str) and COUNTRY_RE.match(p["country"]), f"{where}: bad country")
    check(text_ok(p["region"], NAME_MAX), f"{where}: bad region")
    if "zone" in p:
        check(isinstance(p["zone"], str) and SLUG_RE.match(p["zone"]), f"{where}: bad zone")
    check_list(p["languages"], f"{where}.languages", lambda x: isinstance(x, str) and LANG_RE.match(x), False)
    check(type(p["employees"]) is int and p["employees"] >= 0, f"{where}: bad employees")
    check(type(p["founded"]) is int and 1950 <= p["founded"] <= 2025, f"{where}: bad founded")
    check_list(p["sectors"], f"{where}.sectors", isic_valid, False)
    check(text_ok(p["description"]), f"{where}: bad description")
    for key in ("offers", "needs"):
        items = p[key]
        check(isinstance(items, list) and len(items) <= 3, f"{where}.{key}: not a list of at most 3")
        for i, it in enumerate(items):
            w = f"{where}.{key}[{i}]"
            check(isinstance(it, dict) and list(it) == ITEM_FIELDS, f"{w}: fields {list(it)}")
            check(it["type"] in TYPES, f"{w}.type: {it['type']!r}")
            check_list(it["sectors"], f"{w}.sectors", isic_valid, False)
            check_list(it["keywords"], f"{w}.keywords",
                       lambda x: text_ok(x, NAME_MAX) and ";" not in x, False)
            check(1 <= len(it["keywords"]) <= 5, f"{w}.keywords: {len(it['keywords'])} keywords")
            check(text_ok(it["text"]), f"{w}.text: bad text")
            check_list(it["countries"], f"{w}.countries", lambda x: isinstance(x, str) and COUNTRY_RE.match(x), False)
    check(p["offers"] or p["needs"], f"{where}: neither offers nor needs")
    both = {o["type"] for o in p["offers"]} & {n["type"] for n in p["needs"]}
    check(not both, f"{where}: offers and needs the same type {both}")
    c = p["contact"]
    check(isinstance(c, dict) and list(c) == ["person", "email", "phone"], f"{where}.contact: fields")
    check(text_ok(c["person"], NAME_MAX), f"{where}.contact.person")
    check(EMAIL_RE.match(c["email"]), f"{where}.contact.email: {c['email']!r}")
    check(PHONE_RE.match(c["phone"]), f"{where}.contact.phone: {c['phone']!r}")


def read_ndjson(path):
    out = []
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            check(line.endswith(b"\n"), f"{path}:{n}: no final newline")
            try:
                out.append(json.loads(line.decode("utf-8")))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise Fail(f"{path}:{n}: not a JSON line: {e}")
    return out


def read_truth(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    check(lines[0] == "query_id\tpartner_id\trelevance", f"{path}: bad header {lines[0]!r}")
    check(lines[-1] == "", f"{path}: no final newline")
    rows = []
    for n, line in enumerate(lines[1:-1], 2):
        parts = line.split("\t")
        check(len(parts) == 3 and parts[2] in ("1", "2"), f"{path}:{n}: bad row {line!r}")
        rows.append((parts[0], parts[1], int(parts[2])))
    return rows


def leads(a, b):
    """Types t for which a need of a is matched by an item of b (SPEC §2)."""
    out = set()
    for n in a["needs"]:
        for o in b["offers"]:
            if o["type"] == n["type"]:
                out.add(n["type"])
        if n["type"] in SYMMETRIC:
            for m in b["needs"]:
                if m["type"] == n["type"]:
                    out.add(n["type"])
    return out


def common_division(xs, ys):
    return any(x[:3] == y[:3] for x in xs for y in ys if len(x) >= 3 and len(y) >= 3)


def check_truth(profiles, rows, where):
    by_id = {p["id"]: p for p in profiles}
    seen = set()
    for q, pa, rel in rows:
        check(q in by_id and pa in by_id, f"{where}: unknown id in {q} {pa}")
        check(q != pa and (q, pa) not in seen, f"{where}: repeated or self pair {q} {pa}")
        seen.add((q, pa))
        a, b = by_id[q], by_id[pa]
        ab = leads(a, b)
        check(ab, f"{where}: {pa} does not answer a need of {q}")
        # The answering item names the query's country and shares a sector division.
        ok = False
        for n in a["needs"]:
            for o in b["offers"] + (b["needs"] if n["type"] in SYMMETRIC else []):
                if (o["type"] == n["type"] and a["country"] in o["countries"]
                        and common_division(n["sectors"], o["sectors"])):
                    ok = True
        check(ok, f"{where}: {pa} answers {q} without its country or a shared sector")
        ba = leads(b, a)
        if rel == 2:
            check(ba, f"{where}: {q} {pa} relevance 2 but {pa} gains nothing from {q}")
        else:
            check(not ba, f"{where}: {q} {pa} relevance 1 but the pair is reciprocal ({ba})")


def check_roles(profiles, rows, path):
    """Roles agree with the truth, and decoys complement their query in neither direction."""
    by_id = {p["id"]: p for p in profiles}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    check(lines[0] == "id\trole\tquery_id" and lines[-1] == "", f"{path}: header or final newline")
    roles = {}
    for n, line in enumerate(lines[1:-1], 2):
        pid, role, q = line.split("\t")
        check(pid in by_id and role in ("query", "partner", "decoy", "noise", "plain"), f"{path}:{n}: {line!r}")
        roles[pid] = (role, q)
    check(list(roles) == [p["id"] for p in profiles], f"{path}: not one row per profile in order")
    for q, pa, rel in rows:
        check(roles[q] == ("query", q) and roles[pa] == ("partner", q), f"{path}: {q} {pa} roles {roles[q]} {roles[pa]}")
    decoys = 0
    for pid, (role, q) in roles.items():
        if role != "decoy" or not q:
            continue
        decoys += 1
        check(not leads(by_id[q], by_id[pid]), f"{path}: decoy {pid} answers a need of {q}")
        check(not leads(by_id[pid], by_id[q]), f"{path}: query {q} answers a need of decoy {pid}")
    check(decoys or len(profiles) < 100, f"{path}: no decoys")


def validate(ndjson, truth=None, csv_path=None, full_blocks=False, roles=None):
    profiles = read_ndjson(ndjson)
    ids = set()
    for i, p in enumerate(profiles):
        check_profile(p, f"{ndjson}:{i + 1}")
        check(p["id"] not in ids, f"{ndjson}:{i + 1}: duplicate id {p['id']}")
        ids.add(p["id"])
    if truth:
        rows = read_truth(truth)
        check_truth(profiles, rows, truth)
        if full_blocks and len(profiles) >= 100:
            queries = {}
            for q, pa, rel in rows:
                queries[q] = queries.get(q, 0) + 1
            share = len(queries) / len(profiles)
            check(0.08 <= share <= 0.11, f"{truth}: {share:.1%} of profiles are queries, expected ~10%")
            check(all(3 <= n <= 5 for n in queries.values()), f"{truth}: a query without 3-5 partners")
            rel2 = sum(1 for r in rows if r[2] == 2) / len(rows)
            check(0.2 <= rel2 <= 0.8, f"{truth}: {rel2:.0%} reciprocal pairs")
    if roles:
        check_roles(profiles, read_truth(truth) if truth else [], roles)
    if csv_path:
        check_csv(csv_path, profiles)
    return profiles


def csv_profile(row):
    def lst(s):
        return s.split(";") if s else []

    p = {"id": row["id"], "kind": row["kind"], "name": row["name"], "country": row["country"],
         "region": row["region"]}
    if row["zone"]:
        p["zone"] = row["zone"]
    p.update({"languages": lst(row["languages"]), "employees": int(row["employees"]),
              "founded": int(row["founded"]), "sectors": lst(row["sectors"]),
              "description": row["description"]})
    for key, pre in (("offers", "offer"), ("needs", "need")):
        items = []
        for k in (1, 2, 3):
            if not row[f"{pre}{k}_type"]:
                continue
            items.append({"type": row[f"{pre}{k}_type"], "sectors": lst(row[f"{pre}{k}_sectors"]),
                          "keywords": lst(row[f"{pre}{k}_keywords"]), "text": row[f"{pre}{k}_text"],
                          "countries": lst(row[f"{pre}{k}_countries"])})
        p[key] = items
    p["contact"] = {"person": row["contact_person"], "email": row["contact_email"],
                    "phone": row["contact_phone"]}
    return p


def check_csv(path, profiles):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, strict=True))
    with open(path, encoding="utf-8", newline="") as f:
        header = f.readline().rstrip("\n").split(",")
    want = CSV_BASE + [f"{pre}{k}_{c}" for pre in ("offer", "need") for k in (1, 2, 3)
                       for c in ITEM_FIELDS]
    check(header == want, f"{path}: header {header}")
    check(len(rows) == len(profiles), f"{path}: {len(rows)} rows for {len(profiles)} profiles")
    for i, (row, p) in enumerate(zip(rows, profiles)):
        check(csv_profile(row) == p, f"{path}:{i + 2}: row differs from profile {p['id']}")


# ---- tests that run the generator ----

def run(gen, *args):
    r = subprocess.run([gen, "--quiet", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(r.returncode == 0, f"{gen} {' '.join(args)} failed: {r.stderr.decode()}")
    return r.stdout


def test_same_seed_gives_identical_bytes(gen, tmp, data):
    a = run(gen, "--seed", "42", "--count", "3000")
    b = run(gen, "--seed", "42", "--count", "3000", "--threads", "1")
    c = run(gen, "--seed", "42", "--count", "3000", "--threads", "3")
    check(a == b == c, "two runs of seed 42 differ (or the thread count changes the output)")
    check(len(a.splitlines()) == 3000, "not 3000 lines")
    for fmt in ("csv",):
        x = run(gen, "--seed", "42", "--count", "500", "--format", fmt)
        y = run(gen, "--seed", "42", "--count", "500", "--format", fmt, "--threads", "2")
        check(x == y, f"two {fmt} runs differ")


def test_different_seeds_differ(gen, tmp, data):
    a = run(gen, "--seed", "1", "--count", "300").splitlines()
    b = run(gen, "--seed", "2", "--count", "300").splitlines()
    same = sum(1 for x, y in zip(a, b) if x == y)
    check(same == 0, f"seeds 1 and 2 share {same} of 300 profiles")
    e = run(gen, "--seed", "1", "--count", "300", "--preset", "expo").splitlines()
    check(sum(1 for x, y in zip(a, e) if x == y) == 0, "presets general and expo share profiles")


def test_prefix_and_slice_are_stable(gen, tmp, data):
    long = run(gen, "--seed", "9", "--count", "1250").splitlines()
    short = run(gen, "--seed", "9", "--count", "333").splitlines()
    check(long[:333] == short, "the first 333 profiles of 1250 differ from a run of 333")
    part = run(gen, "--seed", "9", "--start", "417", "--count", "500").splitlines()
    check(long[417:917] == part, "profiles 417..916 of a slice differ from the full run")
    t_long = os.path.join(tmp, "long.tsv")
    t_part = os.path.join(tmp, "part.tsv")
    run(gen, "--seed", "9", "--count", "1250", "--truth", t_long)
    run(gen, "--seed", "9", "--start", "417", "--count", "500", "--truth", t_part)
    ids = {json.loads(x)["id"] for x in part}
    want = [r for r in read_truth(t_long) if r[0] in ids and r[1] in ids]
    check(read_truth(t_part) == want, "the truth of a slice is not the full truth restricted to it")


def test_profiles_and_truth_are_valid(gen, tmp, data):
    for preset, seed, count in (("general", "5", "5000"), ("expo", "6", "3000")):
        nd = os.path.join(tmp, f"{preset}.ndjson")
        tv = os.path.join(tmp, f"{preset}.tsv")
        ro = os.path.join(tmp, f"{preset}.roles")
        run(gen, "--seed", seed, "--count", count, "--preset", preset, "--out", nd, "--truth", tv,
            "--roles", ro)
        profiles = validate(nd, tv, full_blocks=True, roles=ro)
        check_mix(profiles, preset)


def check_mix(profiles, preset):
    n = len(profiles)
    cn = [p for p in profiles if p["country"] == "CN"]
    share_cn = len(cn) / n
    lo, hi = (0.35, 0.55) if preset == "general" else (0.60, 0.80)
    check(lo <= share_cn <= hi, f"{preset}: {share_cn:.0%} Chinese profiles")
    countries = {p["country"] for p in profiles}
    check(len(countries) >= (25 if preset == "general" else 10), f"{preset}: only {len(countries)} countries")
    manuf = sum(1 for p in profiles if p["sectors"][0].startswith("C")) / n
    check(manuf >= 0.4, f"{preset}: {manuf:.0%} manufacturers")
    types = {it["type"] for p in profiles for it in p["offers"] + p["needs"]}
    check(types == set(TYPES), f"{preset}: types present {sorted(types)}")
    texts_cn = [it["text"] for p in cn for it in p["offers"] + p["needs"]]
    zh = sum(1 for t in texts_cn if CJK_RE.search(t)) / len(texts_cn)
    check(zh >= 0.6, f"{preset}: only {zh:.0%} of Chinese profiles' texts have Chinese")
    other = [it["text"] for p in profiles if p["country"] != "CN" for it in p["offers"] + p["needs"]]
    en = sum(1 for t in other if not CJK_RE.search(t)) / len(other)
    check(en >= 0.8, f"{preset}: only {en:.0%} of foreign texts are English")
    check(any("ü" in p["name"] or "ö" in p["name"] or "ä" in p["name"] for p in profiles),
          f"{preset}: no umlaut in any name")
    if preset == "expo":
        sme = sum(1 for p in cn if p["kind"] == "sme") / n
        check(0.45 <= sme <= 0.65, f"expo: {sme:.0%} Chinese SMEs")


def test_csv_matches_ndjson(gen, tmp, data):
    nd = os.path.join(tmp, "p.ndjson")
    cv = os.path.join(tmp, "p.csv")
    run(gen, "--seed", "11", "--count", "1500", "--out", nd)
    run(gen, "--seed", "11", "--count", "1500", "--format", "csv", "--out", cv)
    validate(nd, csv_path=cv)


def test_bad_options_are_refused(gen, tmp, data):
    for args in (["--count", "x"], ["--count", "-1"], ["--seed", "1"], ["--count", "1", "--format", "xml"],
                 ["--count", "1", "--preset", "fair"], ["--count", "1", "--threads", "0"],
                 ["--count", "1", "extra"]):
        r = subprocess.run([gen, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        check(r.returncode == 2 and r.stderr, f"{args}: exit {r.returncode}, expected 2 and a message")
    r = subprocess.run([gen, "--count", "1", "--out", os.path.join(tmp, "no", "such", "dir")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(r.returncode == 1 and b"cannot write" in r.stderr, "an unwritable --out is not reported")
    check(run(gen, "--count", "0") == b"", "--count 0 writes something")


SAMPLE_ARGS = ["--seed", "2026", "--count", "300", "--preset", "expo"]


def test_sample_expo_is_generator_output(gen, tmp, data):
    """data/sample-expo.* must equal the documented command's output (docs/generator.md)."""
    nd, cv, tv = (os.path.join(tmp, "s." + e) for e in ("ndjson", "csv", "tsv"))
    run(gen, *SAMPLE_ARGS, "--out", nd, "--truth", tv)
    run(gen, *SAMPLE_ARGS, "--format", "csv", "--out", cv)
    for mine, name in ((nd, "sample-expo.ndjson"), (cv, "sample-expo.csv"), (tv, "sample-expo.truth.tsv")):
        with open(mine, "rb") as f, open(os.path.join(data, name), "rb") as g:
            check(f.read() == g.read(), f"data/{name} differs from `smematch-gen {' '.join(SAMPLE_ARGS)}`; "
                  "regenerate it as docs/generator.md says")
    validate(os.path.join(data, "sample-expo.ndjson"), os.path.join(data, "sample-expo.truth.tsv"),
             os.path.join(data, "sample-expo.csv"), full_blocks=True)


TESTS = {name[len("test_"):]: fn for name, fn in globals().items() if name.startswith("test_")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("test", choices=sorted(TESTS) + ["validate"])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--gen")
    ap.add_argument("--data")
    ap.add_argument("--truth")
    ap.add_argument("--csv")
    ap.add_argument("--roles")
    a = ap.parse_args()
    try:
        if a.test == "validate":
            check(len(a.files) == 1, "validate takes one NDJSON file")
            n = len(validate(a.files[0], a.truth, a.csv, roles=a.roles))
            print(f"ok: {n} profiles")
            return 0
        check(a.gen, "--gen is required")
        with tempfile.TemporaryDirectory() as tmp:
            TESTS[a.test](a.gen, tmp, a.data)
    except Fail as e:
        print(f"FAIL {a.test}: {e}", file=sys.stderr)
        return 1
    print(f"ok {a.test}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
