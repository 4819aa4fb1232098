"""The directives API: register, preview and cascade, list records of a subtree, report a step,
the tracking figures; scopes as on the pages (404 outside); no server error on real objects."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from coso.audit.models import AuditEntry
from coso.core.dates import today
from coso.followup.models import Directive, Implementation
from coso.meetings.models import Meeting
from tests.api.schema import wsgi_schema
from tests.cast import Cast
from tests.followup.helpers import cascade_day, cascaded, step_of


class Api:
    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get("/api/v1" + path, query, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            "/api/v1" + path,
            json.dumps(body or {}),
            content_type="application/json",
            headers=self.headers,
        )


@pytest.fixture
def as_role(cast: Cast) -> Any:
    return lambda role: Api(cast.token(role))


DIRECTIVE = {
    "owner": "P",
    "kind": "directive",
    "number": "50-CT/TW",
    "issued_on": "2025-07-23",
    "issuer": "Ban Bí thư",
    "title": "Về đổi mới, nâng cao chất lượng sinh hoạt chi bộ",
}


def test_register_preview_cascade_list_and_report(cast: Cast, as_role: Any) -> None:
    officer = as_role("officer")
    created = officer.post("/directives", DIRECTIVE)
    assert created.status_code == 201, created.content
    directive_id = created.json()["id"]
    assert created.json()["kind_label"] == "Chỉ thị"
    entry = AuditEntry.objects.get(action="directive_register")
    assert entry.channel == "api" and entry.username == "cast.officer"

    on = cascade_day().isoformat()
    body = {"root": "P", "kinds": ["branch", "commune"], "on": on, "dry_run": True}
    preview = officer.post(f"/directives/{directive_id}/cascade", body)
    assert preview.status_code == 200, preview.content
    assert preview.json()["per_kind"] == {"branch": 3, "commune": 2}
    assert preview.json()["applied"] is False and preview.json()["new"] == 5
    assert [d["kind"] for d in preview.json()["dues"]] == ["study", "plan", "report", "report"]
    assert not Implementation.objects.exists()

    applied = officer.post(
        f"/directives/{directive_id}/cascade", {**body, "dry_run": False, "reports": 1}
    )
    assert applied.status_code == 200 and applied.json()["applied"] is True
    assert applied.json()["implementations"] == 5 and applied.json()["steps"] == 15
    again = officer.post(f"/directives/{directive_id}/cascade", {**body, "dry_run": False})
    assert again.status_code == 409 and "chỉ nhận một lần" in again.json()["message"]

    secretary = as_role("secretary")
    listed = secretary.get("/units/B/implementations")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    record = listed.json()["items"][0]
    assert record["unit"] == "B" and record["number"] == "50-CT/TW"
    study = next(s for s in record["steps"] if s["kind"] == "study")
    assert study["state"] == "overdue"
    done = secretary.post(f"/steps/{study['id']}/report", {"done_on": today().isoformat()})
    assert done.status_code == 200 and done.json()["state"] == "late"
    # A meeting of another unit is not found; the officer of P cannot report for B.
    other = Meeting.objects.create(
        unit=cast.units["B2"], kind="thematic", form="in_person", on=cascade_day(), status="held"
    )
    wrong = secretary.post(f"/steps/{study['id']}/report", {"meeting_id": other.pk})
    assert wrong.status_code == 422
    assert officer.post(f"/steps/{study['id']}/report", {"done_on": on}).status_code == 404

    commune = as_role("committee").get("/units/C/implementations", directive=directive_id)
    assert sorted(r["unit"] for r in commune.json()["items"]) == ["B", "B2", "C"]
    tracked = officer.get(f"/directives/{directive_id}/tracking/P")
    assert tracked.status_code == 200
    rows = {r["unit"]: r for r in tracked.json()["rows"]}
    assert rows["C"]["units"] == 3 and rows["C"]["steps"]["study"]["late"] == 1
    assert tracked.json()["total"]["units"] == 5


def test_outsiders_see_nothing_and_get_404(cast: Cast, as_role: Any) -> None:
    directive = cascaded(cast)
    outsider = as_role("outsider")
    assert outsider.get("/directives").json()["count"] == 0
    assert outsider.get(f"/directives/{directive.pk}").status_code == 404
    assert outsider.get(f"/directives/{directive.pk}/tracking/B").status_code == 404
    assert outsider.get("/units/B/implementations").status_code == 404
    body = {"root": "P", "kinds": ["branch"], "on": cascade_day().isoformat(), "dry_run": True}
    assert outsider.post(f"/directives/{directive.pk}/cascade", body).status_code == 404
    step = step_of(directive, "B", "study")
    assert outsider.post(f"/steps/{step.pk}/report", {"done_on": "2025-01-01"}).status_code == 404
    assert outsider.post("/directives", DIRECTIVE).status_code == 404
    # The officer of Q may register at Q, and cannot cascade P's directive below Q.
    mine = outsider.post("/directives", {**DIRECTIVE, "owner": "Q"})
    assert mine.status_code == 201
    below = outsider.post(f"/directives/{mine.json()['id']}/cascade", {**body, "root": "P"})
    assert below.status_code == 404
    member = as_role("member")
    assert member.get("/directives").status_code == 404
    assert member.get("/units/B/implementations").status_code == 404
    assert Directive.objects.count() == 2


def test_the_list_of_records_reads_in_a_bounded_number_of_queries(
    cast: Cast, as_role: Any, django_assert_max_num_queries: Any
) -> None:
    cascaded(cast, "1-NQ/TW")
    cascaded(cast, "2-NQ/TW")
    officer = as_role("officer")
    # Two queries per document on the page (its rows, their steps), whatever its records.
    with django_assert_max_num_queries(18):
        answer = officer.get("/units/P/implementations")
    assert answer.json()["count"] == 6


# --- fuzzing with real objects ---------------------------------------------------------------

_fuzzed = wsgi_schema().include(tag="directives")


@pytest.fixture
def fuzz_env(cast: Cast) -> Iterator[tuple[str, int, int]]:
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    directive = cascaded(cast)
    step = step_of(directive, "B", "study")
    try:
        yield cast.token("admin"), directive.pk, step.pk
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.slow
@_fuzzed.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_directive_endpoints_never_answer_a_server_error_on_real_objects(
    case: Any, fuzz_env: tuple[str, int, int]
) -> None:
    token, directive_id, step_id = fuzz_env
    fixed = {"code": "P", "directive_id": directive_id, "step_id": step_id}
    case.path_parameters = {
        name: fixed.get(name, value) for name, value in (case.path_parameters or {}).items()
    }
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error]
    )


def test_dates_out_of_range_are_422_not_500(cast: Cast, as_role: Any) -> None:
    directive = cascaded(cast)
    officer = as_role("officer")
    body = {"root": "P", "kinds": ["branch"], "on": "9999-12-31", "dry_run": True}
    assert officer.post(f"/directives/{directive.pk}/cascade", body).status_code == 422
    far = officer.post(
        f"/directives/{directive.pk}/cascade",
        {**body, "on": "2199-12-31", "report_every_months": 120, "reports": 24},
    )
    assert far.status_code in (200, 409), far.content
    assert dt.date(2199, 12, 31) > today()


def test_files_are_checked_stored_and_served_within_scope(cast: Cast, as_role: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    directive = cascaded(cast)
    client = Client()
    headers = {"Authorization": f"Bearer {cast.token('officer')}"}
    url = f"/api/v1/directives/{directive.pk}/attachments"
    fake = client.post(
        url, {"file": SimpleUploadedFile("gia.pdf", b"<html></html>")}, headers=headers
    )
    assert fake.status_code == 409 and "không phải tệp pdf thật" in fake.json()["message"]
    good = client.post(
        url, {"file": SimpleUploadedFile("chi-thi.pdf", b"%PDF-1.4\n%%EOF\n")}, headers=headers
    )
    assert good.status_code == 201, good.content
    file_id = good.json()["id"]
    assert (
        as_role("officer").get(f"/directives/{directive.pk}").json()["attachments"][0]["name"]
        == "chi-thi.pdf"
    )
    download = as_role("secretary").get(f"/directive-files/{file_id}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert as_role("outsider").get(f"/directive-files/{file_id}").status_code == 404
    assert as_role("member").get(f"/directive-files/{file_id}").status_code == 404
    secretary = Client()
    upload = secretary.post(
        url,
        {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n")},
        headers={"Authorization": f"Bearer {cast.token('secretary')}"},
    )
    assert upload.status_code == 404
