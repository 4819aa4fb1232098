"""The JSON API: figures as the CLI gives them, search, pagination, errors, tokens, scopes, audit."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coso.accounts.tokens import revoke_tokens
from coso.audit.models import AuditEntry
from coso.members.models import Member, MemberStatus
from coso.units.models import Unit, UnitSpan
from tests.cast import Cast


class Api:
    """A client speaking to /api/v1/ with one cast member's token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get("/api/v1" + path, query, headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            "/api/v1" + path,
            json.dumps(body),
            content_type="application/json",
            headers=self.headers,
        )

    def upload(self, path: str, name: str, text: str, **form: str) -> Any:
        data: dict[str, Any] = {"file": SimpleUploadedFile(name, text.encode(), "text/csv")}
        return self.client.post("/api/v1" + path, data | form, headers=self.headers)


@pytest.fixture
def as_role(cast: Cast) -> Any:
    return lambda role: Api(cast.token(role) if role != "anonymous" else None)


def _error(response: Any, status: int, code: str) -> Any:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert body["message"]
    return body


# --- figures and tree -------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "day"), [("B", "2024-01-01"), ("P", "2021-03-01"), ("P", None)])
def test_stats_json_is_the_clis(cast: Cast, as_role: Any, code: str, day: str | None) -> None:
    out = StringIO()
    args = [code, "--json"] + (["--as-of", day] if day else [])
    call_command("stats", *args, stdout=out)
    response = as_role("officer").get(f"/units/{code}/stats", **({"as_of": day} if day else {}))
    assert response.status_code == 200
    assert response.json() == json.loads(out.getvalue())
    assert response.json()["members"]["total"] == (4 if code == "P" else 2)


def test_tree_is_nested_with_subtree_counts_and_depth(cast: Cast, as_role: Any) -> None:
    body = as_role("officer").get("/tree/P", depth=1).json()
    root = body["root"]
    assert (root["code"], root["members"], body["depth"]) == ("P", 4, 1)
    assert [c["code"] for c in root["children"]] == ["C", "C2"]
    c = root["children"][0]
    assert (c["members"], c["has_children"], c["children"]) == (3, True, [])
    deep = as_role("officer").get("/tree/P", depth=3).json()["root"]
    b = deep["children"][0]["children"][0]
    assert (b["code"], b["members"], [g["code"] for g in b["children"]]) == ("B", 2, ["G"])
    before = as_role("officer").get("/tree/P", as_of="2019-01-01")
    assert "không tồn tại vào ngày 01/01/2019" in _error(before, 409, "refused")["message"]


def test_unit_detail_and_list_follow_the_date(cast: Cast, as_role: Any) -> None:
    import datetime as dt

    from coso.units.operations import rename_unit

    rename_unit(cast.B, name="Chi bộ Hoàn Lão 1", on=dt.date(2023, 1, 1))
    api = as_role("secretary")
    now = api.get("/units/B").json()
    assert now["name"] == "Chi bộ Hoàn Lão 1" and now["parent"] == "C"
    assert [e["kind"] for e in now["history"]] == ["create", "rename"]
    assert api.get("/units/B", as_of="2022-06-01").json()["name"] == "Đơn vị B"
    listed = api.get("/units", q="hoàn lão").json()
    assert [u["code"] for u in listed["items"]] == ["B"]
    assert api.get("/units", q="hoàn lão", as_of="2022-01-01").json()["count"] == 0
    kinds = {u["kind"] for u in as_role("officer").get("/units", kind="branch").json()["items"]}
    assert kinds == {"branch"}
    assert [u["code"] for u in api.get("/units", parent="B").json()["items"]] == ["G"]


@pytest.mark.parametrize("who", ["admin", "officer", "committee", "secretary", "outsider"])
def test_todays_unit_list_is_the_scope_read_by_path(
    cast: Cast, as_role: Any, who: str, django_assert_max_num_queries: Any
) -> None:
    """Today's list filters the spans by the roles' path ranges (Scope.spans_today); another
    day by the scope's units. On a tree unchanged since yesterday both give the same units."""
    import datetime as dt

    from coso.core.dates import today

    api = as_role(who)
    with django_assert_max_num_queries(12):
        now = api.get("/units", page_size=200).json()
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    before = api.get("/units", page_size=200, as_of=yesterday).json()
    assert now["count"] == before["count"] == len(now["items"]) > 0
    assert [u["code"] for u in now["items"]] == [u["code"] for u in before["items"]]


# --- members ----------------------------------------------------------------------------------


def test_search_without_diacritics_in_any_word_order(cast: Cast, as_role: Any) -> None:
    api = as_role("officer")
    for typed in ("pham dinh dung", "Dung pham", "PHẠM ĐÌNH", "dinh"):
        items = api.get("/members", q=typed).json()["items"]
        assert [m["member_id"] for m in items] == ["CAST-B1"], typed
    assert api.get("/members", q="CAST-B2X").json()["items"][0]["full_name"] == "Trần Văn Bình"
    # The outsider's list holds only their province.
    assert as_role("outsider").get("/members", q="pham dinh dung").json() == {
        "items": [],
        "count": 0,
        "count_exact": True,
    }


def test_members_are_sorted_by_given_name_and_paginated(cast: Cast, as_role: Any) -> None:
    api = as_role("officer")
    everyone = api.get("/members").json()
    # Bình, Cường, Dũng, Lan: by given name in Vietnamese order.
    assert [m["member_id"] for m in everyone["items"]] == [
        "CAST-B2X",
        "CAST-C2",
        "CAST-B1",
        "CAST-B2",
    ]
    assert everyone["count"] == 4
    page2 = api.get("/members", page=2, page_size=3).json()
    assert page2 == {"items": [everyone["items"][3]], "count": 4, "count_exact": True}
    assert api.get("/members", page=3, page_size=3).json()["items"] == []
    _error(api.get("/members", page_size=1000), 422, "validation_error")
    assert api.get("/members", unit="B2").json()["count"] == 1
    assert api.get("/members", status="official").json()["count"] == 0


def test_sensitive_fields_only_with_the_right_and_each_view_logged(
    cast: Cast, as_role: Any
) -> None:
    body = as_role("officer").get("/members/CAST-B1").json()
    assert body["sensitive"]["national_id"] == "044090000001"
    assert [e["kind"] for e in body["history"]] == ["admit"]
    logged = AuditEntry.objects.filter(action="view_sensitive", target_id="CAST-B1")
    assert logged.count() == 1 and logged.get().username == "cast.officer"
    for role in ("committee", "member"):
        seen = as_role(role).get("/members/CAST-B1").json()
        assert seen["sensitive"] is None and seen["full_name"] == "Phạm Đình Dũng"
    assert logged.count() == 1


# --- errors, tokens, scopes -------------------------------------------------------------------


def test_token_required_bad_and_revoked_tokens_refused(cast: Cast, as_role: Any) -> None:
    response = as_role("anonymous").get("/units/B")
    _error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")
    _error(Api("coso_not-a-real-token").get("/units/B"), 401, "unauthorized")
    token = cast.token("secretary")
    assert Api(token).get("/units/B").status_code == 200
    revoke_tokens(cast.secretary)
    _error(Api(token).get("/units/B"), 401, "unauthorized")


def test_out_of_scope_is_404_and_says_nothing_of_the_object(cast: Cast, as_role: Any) -> None:
    outsider = as_role("outsider")
    for path in ("/members/CAST-B1", "/units/B", "/units/B/stats", "/tree/B"):
        body = _error(outsider.get(path), 404, "not_found")
        assert "Phạm" not in json.dumps(body, ensure_ascii=False)
    missing = _error(outsider.get("/members/NO-SUCH-ID"), 404, "not_found")
    hidden = _error(outsider.get("/members/CAST-B1"), 404, "not_found")
    assert missing == hidden
    _error(outsider.get("/units", parent="B"), 404, "not_found")
    _error(
        outsider.post("/members/CAST-B1/operations/leave", {"on": "2024-01-01"}), 404, "not_found"
    )
    assert Member.objects.get(member_id="CAST-B1").status == MemberStatus.PROBATIONARY
    _error(Client().get("/api/v1/no/such/route"), 404, "not_found")


def test_validation_and_refusal_errors(cast: Cast, as_role: Any) -> None:
    api = as_role("committee")  # the commune committee decides these acts itself
    bad = _error(api.get("/units/B/stats", as_of="31/02/2024"), 422, "validation_error")
    assert bad["details"][0]["field"] == "as_of"
    missing = _error(
        api.post(
            "/members/CAST-B1/operations/strike_off", {"on": "2024-01-01", "decision_number": "1"}
        ),
        422,
        "validation_error",
    )
    assert [d["field"] for d in missing["details"]] == ["reason"]
    # Recorded directly by the committee that decides: its decision number is required.
    no_number = _error(
        api.post("/members/CAST-B1/operations/strike_off", {"on": "2024-01-01", "reason": "x"}),
        422,
        "validation_error",
    )
    assert [d["field"] for d in no_number["details"]] == ["decision_number"]
    no_on = _error(api.post("/members/CAST-B1/operations/leave", {}), 422, "validation_error")
    assert [d["field"] for d in no_on["details"]] == ["on"]
    _error(
        api.post("/members/CAST-B1/operations/fly", {"on": "2024-01-01"}), 422, "validation_error"
    )
    refused = _error(
        api.post("/members/CAST-B1/operations/expel", {"on": "2024-01-01", "decision_number": "2"}),
        409,
        "refused",
    )
    assert "CAST-B1" in refused["message"] and "dự bị" in refused["message"]
    assert not AuditEntry.objects.filter(channel="api").exists()


# --- writes -----------------------------------------------------------------------------------


def test_lifecycle_operations_are_written_and_audited(cast: Cast, as_role: Any) -> None:
    api = as_role("committee")
    body = api.post(
        "/members/CAST-B1/operations/recognize",
        {"on": "2022-03-05", "decision_number": "15-QĐ/ĐU"},
    ).json()
    assert body["status"] == "official" and body["official_on"] == "2022-03-01"
    assert body["history"][-1]["decision"] == {"number": "15-QĐ/ĐU", "signed_on": "2022-03-05"}
    entry = AuditEntry.objects.get(action="recognize", channel="api")
    assert entry.before is not None and entry.after is not None
    assert (entry.username, entry.target_id, entry.unit) == ("cast.committee", "CAST-B1", cast.B)
    assert entry.before["status"] == "probationary" and entry.after["status"] == "official"
    assert entry.ip == "127.0.0.1"

    moved = api.post(
        "/members/CAST-B1/operations/transfer_out",
        {"on": "2024-02-01", "to_unit": "QB", "decision_number": "16-QĐ/ĐU"},
    )
    assert moved.status_code == 200 and moved.json()["in_transit"] is True
    # The receiving province takes in a member in transit that is not yet in its scope.
    received = as_role("outsider").post(
        "/members/CAST-B1/operations/receive", {"on": "2024-02-10", "branch": "QB"}
    )
    assert received.status_code == 200, received.content
    assert received.json()["home_unit"] == "QB"
    _error(api.get("/members/CAST-B1"), 404, "not_found")  # gone from the commune's scope
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "recognize",
        "transfer_out",
        "receive",
    }


def test_receiving_needs_a_branch_the_caller_manages(cast: Cast, as_role: Any) -> None:
    moved = as_role("committee").post(
        "/members/CAST-B1/operations/transfer_out", {"on": "2024-02-01", "decision_number": "3"}
    )
    assert moved.status_code == 200, moved.content
    for role in ("committee", "member"):
        _error(
            as_role(role).post(
                "/members/CAST-B1/operations/receive", {"on": "2024-02-10", "branch": "QB"}
            ),
            404,
            "not_found",
        )


def test_admission_writes_and_audits(cast: Cast, as_role: Any) -> None:
    response = as_role("committee").post(
        "/members",
        {
            "member_id": "API-NEW-1",
            "full_name": "Võ Thị Sáu",
            "gender": "female",
            "birth_date": "2000-01-01",
            "branch": "B",
            "admitted_on": "2024-03-01",
            "decision_number": "30-QĐ/ĐU",
            "national_id": "044200000001",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "probationary"
    entry = AuditEntry.objects.get(action="admit", channel="api")
    assert entry.after is not None
    assert entry.before is None and entry.after["home_unit"] == "B"
    hidden = as_role("secretary").post(
        "/members",
        {
            "member_id": "API-NEW-2",
            "full_name": "Lê Văn Tám",
            "gender": "male",
            "birth_date": "2000-01-01",
            "branch": "B2",  # not the secretary's branch
            "admitted_on": "2024-03-01",
        },
    )
    assert _error(hidden, 422, "validation_error")["details"][0]["field"] == "branch"
    assert not Member.objects.filter(member_id="API-NEW-2").exists()


def test_session_writes_need_the_csrf_token(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.secretary, backend="django.contrib.auth.backends.ModelBackend")
    url = "/api/v1/members/CAST-B1/operations/death"
    body = json.dumps({"on": "2024-02-01"})
    _error(client.post(url, body, content_type="application/json"), 403, "forbidden")
    client.get("/api/v1/docs")  # sets the CSRF cookie, as the docs page does in a browser
    token = client.cookies["csrftoken"].value
    response = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content
    assert AuditEntry.objects.get(action="death").username == "cast.secretary"


PLAN = "op,unit,into,name,kind,category\nrename,B,,Chi bộ Đồng Tâm,,\nmerge,B2,B,,,\n"


def test_plans_dry_run_then_apply_with_scope_and_audit(cast: Cast, as_role: Any) -> None:
    officer = as_role("officer")
    dry = officer.upload("/reorg/plans", "pa.csv", PLAN, on="2024-06-01", decision="9-QĐ/TU")
    assert dry.status_code == 200, dry.content
    report = dry.json()
    assert (report["dry_run"], report["renamed"], report["merged"], report["members_rehomed"]) == (
        True,
        1,
        1,
        1,
    )
    assert UnitSpan.objects.filter(unit=cast.B, name="Chi bộ Đồng Tâm").count() == 0
    assert not AuditEntry.objects.filter(action="reorg_plan", channel="api").exists()

    outsider = as_role("outsider").upload("/reorg/plans", "pa.csv", PLAN, on="2024-06-01")
    rows = _error(outsider, 400, "row_errors")["details"]
    hidden = "không có đơn vị mã «{}» trong phạm vi được giao"  # the page's words, one check
    assert rows == [
        {"file": "pa.csv", "row": 2, "column": "unit", "reason": hidden.format("B")},
        {"file": "pa.csv", "row": 3, "column": "into", "reason": hidden.format("B")},
        {"file": "pa.csv", "row": 3, "column": "unit", "reason": hidden.format("B2")},
    ]

    applied = officer.upload(
        "/reorg/plans", "pa.csv", PLAN, on="2024-06-01", decision="9-QĐ/TU", dry_run="false"
    )
    assert applied.status_code == 200 and applied.json()["dry_run"] is False
    assert Unit.objects.get(code="B2").valid_to.isoformat() == "2024-06-01"
    entry = AuditEntry.objects.get(action="reorg_plan", channel="api")
    assert entry.after is not None
    assert entry.after["units"] == ["B", "B2"] and entry.username == "cast.officer"

    bad = officer.upload("/reorg/plans", "pa.csv", "op,unit\nfly,B\n", on="2024-07-01")
    assert _error(bad, 400, "row_errors")["details"][0]["row"] == 2


def test_imports_check_scope_write_all_or_nothing_and_audit(cast: Cast, as_role: Any) -> None:
    units = "code,name,kind,parent,valid_from\nB9,Chi bộ 9,branch,C,2024-01-01\n"
    outsider = as_role("outsider").upload("/imports/units", "dv.csv", units)
    assert _error(outsider, 400, "row_errors")["details"][0]["column"] == "parent"
    assert not Unit.objects.filter(code="B9").exists()
    root = as_role("officer").upload(
        "/imports/units",
        "dv.csv",
        "code,name,kind,parent,valid_from\nR1,Gốc,province,,2024-01-01\n",
    )
    assert "quản trị" in _error(root, 400, "row_errors")["details"][0]["reason"]
    done = as_role("officer").upload("/imports/units", "dv.csv", units)
    assert done.status_code == 200, done.content
    assert done.json()["created"] == {"đơn vị": 1}
    assert (AuditEntry.objects.get(action="import_units", channel="api").after or {})["rows"] == 1

    members = (
        "member_id,card_no,full_name,gender,birth_date,branch,admitted_on,official_on\n"
        "IMP-1,,Đặng Thùy Trâm,female,1990-11-26,B9,2015-01-01,2016-01-01\n"
    )
    refused = as_role("secretary").upload("/imports/members", "dv.csv", members)
    assert _error(refused, 400, "row_errors")["details"][0]["column"] == "branch"
    ok = as_role("officer").upload("/imports/members", "dang-vien.csv", members)
    assert ok.status_code == 200, ok.content
    assert Member.objects.get(member_id="IMP-1").home_unit == Unit.objects.get(code="B9")
    assert AuditEntry.objects.filter(action="import_members", channel="api").count() == 1


def test_docs_page_and_schema_work_offline(cast: Cast) -> None:
    page = cast.client("member").get("/api/v1/docs").content.decode()
    assert "http://" not in page and "https://" not in page and "cdn" not in page.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-init.js"):
        url = f"/api/v1/docs/assets/{asset}"
        assert url in page
        response = Client().get(url)
        assert response.status_code == 200 and response.getvalue()
    _error(Client().get("/api/v1/docs/assets/redoc.standalone.js"), 404, "not_found")
    _error(Client().get("/api/v1/docs/assets/..%2F..%2Fmain.py"), 404, "not_found")
    schema = cast.client("member").get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Coso API"
    assert "/api/v1/units/{code}/stats" in schema["paths"]
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_only_administrators_create_a_root_unit_through_any_door(cast: Cast, as_role: Any) -> None:
    """An officer's plan creating a new root is refused by the API with the page's message."""
    plan = "op,unit,into,name,kind,category\ncreate,ROOTX,,Đảng bộ X,province,\n"
    for dry_run in ("true", "false"):
        refused = as_role("officer").upload(
            "/reorg/plans", "goc.csv", plan, on="2024-06-01", decision="1-QĐ", dry_run=dry_run
        )
        rows = _error(refused, 400, "row_errors")["details"]
        assert rows == [
            {
                "file": "goc.csv",
                "row": 2,
                "column": "into",
                "reason": "chỉ quản trị hệ thống được tạo đơn vị gốc",
            }
        ]
    assert not Unit.objects.filter(code="ROOTX").exists()
    assert not AuditEntry.objects.filter(action="reorg_plan").exists()
    page = cast.client("officer").post(
        reverse("web:reorg_plan"),
        {
            "file": SimpleUploadedFile("goc.csv", plan.encode(), content_type="text/csv"),
            "on": "01/06/2024",
            "decision_number": "1-QĐ",
        },
    )
    assert page.status_code == 422
    assert "chỉ quản trị hệ thống được tạo đơn vị gốc" in page.content.decode()
    assert not Unit.objects.filter(code="ROOTX").exists()
