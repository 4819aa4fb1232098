"""A malformed multipart upload to any API upload endpoint is a 400 with a JSON message, as on
the pages (issue 9), and writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from coso.audit.models import AuditEntry
from coso.meetings.models import Document
from coso.meetings.operations import plan_meeting
from tests.cast import Cast

BROKEN = [
    pytest.param(b"abc", "multipart/form-data", id="no-boundary"),
    pytest.param(b"abc", "multipart/form-data; boundary=", id="empty-boundary"),
    pytest.param(b"abc", "multipart/form-data; boundary=é", id="non-ascii-boundary"),
]


def _endpoints(cast: Cast) -> list[str]:
    meeting = plan_meeting(cast.B, kind="regular", on=dt.date(2024, 5, 10), place="Hội trường")
    return [
        "/api/v1/imports/units",
        "/api/v1/imports/members",
        "/api/v1/reorg/plans",
        f"/api/v1/meetings/{meeting.pk}/documents",
    ]


@pytest.mark.parametrize(("body", "content_type"), BROKEN)
def test_a_malformed_multipart_upload_is_a_400_with_a_message(
    cast: Cast, body: bytes, content_type: str
) -> None:
    headers = {"Authorization": f"Bearer {cast.token('officer')}"}
    client = Client(raise_request_exception=False)
    audit = AuditEntry.objects.count()
    for path in _endpoints(cast):
        response = client.generic("POST", path, body, content_type=content_type, headers=headers)
        assert response.status_code == 400, (path, response.content)
        answer = response.json()
        assert answer["code"] == "bad_request", path
        assert "multipart" in answer["message"] and "«file»" in answer["message"]
    assert AuditEntry.objects.count() == audit and not Document.objects.exists()


def test_a_malformed_upload_says_nothing_of_the_meeting_to_an_outsider(cast: Cast) -> None:
    # The body is judged before the meeting is looked up: an outsider learns only that it is
    # malformed, whether or not the meeting exists.
    client = Client(raise_request_exception=False)
    for who, status in (("anonymous", 401), ("outsider", 400)):
        headers: dict[str, Any] = (
            {} if who == "anonymous" else {"Authorization": f"Bearer {cast.token(who)}"}
        )
        meeting = plan_meeting(cast.B, kind="regular", on=dt.date(2024, 6, 10), place="Hội trường")
        response = client.generic(
            "POST",
            f"/api/v1/meetings/{meeting.pk}/documents",
            b"abc",
            content_type="multipart/form-data",
            headers=headers,
        )
        assert response.status_code == status, response.content
        missing = client.generic(
            "POST",
            "/api/v1/meetings/999999/documents",
            b"abc",
            content_type="multipart/form-data",
            headers=headers,
        )
        assert (missing.status_code, missing.json()) == (status, response.json())
