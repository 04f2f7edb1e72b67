"""Profiles through the real gateway and the real engine: CRUD, validation errors naming the
field, imports (NDJSON and CSV) that keep good lines and report bad ones by line number.
Run: SMEMATCH_BUILD=build /usr/bin/python3 tests/integration/test_gateway_profiles.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import profile  # noqa: E402

NDJSON = {"Content-Type": "application/x-ndjson"}
CSV = {"Content-Type": "text/csv"}


def test_gateway_profile_crud_round_trip():
    with harness.Cluster() as c:
        p = profile("cn-ningbo-0042")
        st, h, body = c.request("POST", "/v1/profiles", p)
        assert st == 201, (st, body)
        assert h["location"] == "/v1/profiles/cn-ningbo-0042"
        assert body["id"] == "cn-ningbo-0042" and body["name"] == p["name"]
        assert "contact" not in body  # private until auth says otherwise (SPEC §6)
        st, h, body = c.request("GET", "/v1/profiles/cn-ningbo-0042")
        assert st == 200, (st, body)
        assert body["offers"][0]["keywords"] == ["OEM", "gel pens"]
        assert body["employees"] == 120 and "contact" not in body
        st, h, body = c.request("POST", "/v1/profiles", p)
        assert st == 409 and body["error"]["code"] == "conflict", (st, body)
        st, h, body = c.request("PUT", "/v1/profiles/cn-ningbo-0042", dict(p, name="Renamed"))
        assert st == 200 and body["name"] == "Renamed", (st, body)
        st, h, body = c.request("PUT", "/v1/profiles/de-berlin-0007", profile("de-berlin-0007"))
        assert st == 201 and h["location"] == "/v1/profiles/de-berlin-0007", (st, body)
        st, h, body = c.request("DELETE", "/v1/profiles/de-berlin-0007")
        assert st == 200 and body == {"id": "de-berlin-0007", "deleted": True}, (st, body)
        st, h, body = c.request("GET", "/v1/profiles/de-berlin-0007")
        assert st == 404 and body["error"]["code"] == "not_found", (st, body)
        st, h, body = c.request("DELETE", "/v1/profiles/de-berlin-0007")
        assert st == 404


def test_gateway_wrong_type_is_400_naming_the_field():
    with harness.Cluster() as c:
        p = profile("x-1")
        p["offers"][0]["type"] = 7
        st, h, body = c.request("POST", "/v1/profiles", p)
        assert st == 400 and body["error"]["code"] == "invalid_field", (st, body)
        assert body["error"]["field"] == "offers[0].type", body
        st, h, body = c.request("POST", "/v1/profiles", profile("x-2", employees="many"))
        assert st == 400 and body["error"]["field"] == "employees", body
        st, h, body = c.request("POST", "/v1/profiles", profile("x-3", employees=12.5))
        assert st == 400 and body["error"]["field"] == "employees", body
        assert c.request("GET", "/v1/profiles/x-1")[0] == 404


def test_gateway_unknown_field_is_400():
    with harness.Cluster() as c:
        st, h, body = c.request("POST", "/v1/profiles", profile("x-4", colour="blue"))
        assert st == 400 and body["error"]["code"] == "invalid_field", (st, body)
        assert body["error"]["field"] == "colour", body


def test_gateway_malformed_json_is_400():
    with harness.Cluster() as c:
        st, h, body = c.request("POST", "/v1/profiles", '{"id": "x"',
                                {"Content-Type": "application/json"})
        assert st == 400 and body["error"]["code"] == "invalid_request", (st, body)
        assert "column" in body["error"]["message"]


def test_gateway_oversized_body_is_413():
    with harness.Cluster() as c:
        p = profile("big", description="x" * (1 << 20))
        st, h, body = c.request("POST", "/v1/profiles", p)
        assert st == 413 and body["error"]["code"] == "too_large", (st, body)


def test_import_ndjson_keeps_good_lines_after_bad_ones():
    with harness.Cluster() as c:
        lines = [json.dumps(profile("imp-%04d" % i)) for i in range(10)]
        lines[2] = '{"id": "imp-0002", "kind": '          # line 3: not JSON
        lines[4] = json.dumps(profile("imp-0004", kind="alien"))  # line 5: bad kind
        lines.insert(6, "")                                 # blank line 7: skipped, counted
        body = "\r\n".join(lines) + "\n"
        st, h, res = c.request("POST", "/v1/profiles/import", body, NDJSON)
        assert st == 200, (st, res)
        assert res["stored"] == 8 and res["failed"] == 2, res
        errs = res["errors"]
        assert [e["line"] for e in errs] == [3, 5], errs
        assert errs[0]["error"]["code"] == "invalid_request" and "id" not in errs[0]
        assert errs[1]["id"] == "imp-0004" and errs[1]["error"]["field"] == "kind", errs
        for i in (0, 1, 3, 5, 9):
            assert c.request("GET", "/v1/profiles/imp-%04d" % i)[0] == 200
        assert c.request("GET", "/v1/profiles/imp-0004")[0] == 404


def test_import_ndjson_larger_than_one_batch():
    with harness.Cluster() as c:
        body = "".join(json.dumps(profile("bulk-%05d" % i)) + "\n" for i in range(12000))
        st, h, res = c.request("POST", "/v1/profiles/import", body, NDJSON)
        assert st == 200 and res["stored"] == 12000 and res["failed"] == 0, (st, res)
        assert c.request("GET", "/v1/profiles/bulk-11999")[0] == 200


CSV_HEADER = ("id,kind,name,country,region,zone,languages,employees,founded,sectors,description,"
              "contact_person,contact_email,contact_phone,"
              "offer1_type,offer1_sectors,offer1_keywords,offer1_text,offer1_countries,"
              "need1_type,need1_sectors,need1_keywords,need1_text,need1_countries\n")


def test_import_csv_keeps_good_records_and_names_bad_columns():
    with harness.Cluster() as c:
        rows = [
            'csv-1,sme,"Ningbo Deli, Co.",CN,Zhejiang,ninghai,zh;en,120,2004,C3290,"multi\nline '
            'description",Li Wei,li@example.cn,,outsourcing,C3290,OEM;gel pens,"OEM pens",DE;US,'
            'distribution,G4649,stationery,"find a distributor",DE\n',
            "csv-2,sme,Bad Employees,CN,,,,12x,,,,,,,,,,,,,,,,\n",          # record 3
            "csv-3,large,Big Co,DE,,,de,5000,1950,C29,,,,,,,,,,,,,,\n",
            "csv-4,alien,Odd Kind,DE,,,,,,,,,,,,,,,,,,,,\n",              # record 5
        ]
        st, h, res = c.request("POST", "/v1/profiles/import", CSV_HEADER + "".join(rows), CSV)
        assert st == 200, (st, res)
        assert res["stored"] == 2 and res["failed"] == 2, res
        errs = res["errors"]
        assert [e["line"] for e in errs] == [3, 5], errs
        assert errs[0]["error"]["field"] == "employees" and errs[0]["id"] == "csv-2", errs
        assert errs[1]["error"]["field"] == "kind" and errs[1]["id"] == "csv-4", errs
        st, h, p = c.request("GET", "/v1/profiles/csv-1")
        assert st == 200, p
        assert p["name"] == "Ningbo Deli, Co." and p["languages"] == ["zh", "en"]
        assert p["description"] == "multi\nline description"
        assert p["offers"][0]["keywords"] == ["OEM", "gel pens"]
        assert p["needs"][0]["countries"] == ["DE"]
        assert p["employees"] == 120


def test_import_csv_unknown_column_rejects_the_whole_request():
    with harness.Cluster() as c:
        st, h, res = c.request("POST", "/v1/profiles/import",
                               "id,kind,name,country,colour\nz-1,sme,Z,CN,red\n", CSV)
        assert st == 400 and res["error"]["field"] == "colour", (st, res)
        assert c.request("GET", "/v1/profiles/z-1")[0] == 404


def test_import_unsupported_content_type_is_400():
    with harness.Cluster() as c:
        st, h, res = c.request("POST", "/v1/profiles/import", "x",
                               {"Content-Type": "application/xml"})
        assert st == 400 and res["error"]["field"] == "Content-Type", (st, res)


if __name__ == "__main__":
    harness.run_tests([v for k, v in list(globals().items()) if k.startswith("test_")])
