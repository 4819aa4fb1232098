"""The API schema is for the API's callers, and it declares the limits the API enforces: dates
written as YYYY-MM-DD or DD/MM/YYYY within 1900–2199 (never a Unix time), periods of at most
ten years (issue 9)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.cast import Cast


def _get(cast: Cast, path: str, who: str = "officer", **query: Any) -> Any:
    return Client().get(path, query, headers={"Authorization": f"Bearer {cast.token(who)}"})


def test_anonymous_callers_get_neither_schema_nor_docs(cast: Cast) -> None:
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 401
    assert schema.json()["code"] == "unauthorized" and "paths" not in schema.json()
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 302
    assert docs["Location"] == "/accounts/login/?next=/api/v1/docs"
    wrong_token = Client().get(
        "/api/v1/openapi.json", headers={"Authorization": "Bearer not-a-token"}
    )
    assert wrong_token.status_code == 401


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_any_caller_reads_them_with_a_token_or_a_session(cast: Cast, who: str) -> None:
    assert "paths" in _get(cast, "/api/v1/openapi.json", who).json()
    assert _get(cast, "/api/v1/docs", who).status_code == 200
    session = cast.client(who)
    assert "paths" in session.get("/api/v1/openapi.json").json()
    assert session.get("/api/v1/docs").status_code == 200


def test_the_schema_declares_the_date_and_period_limits(cast: Cast) -> None:
    schema = cast.client("member").get("/api/v1/openapi.json").json()
    stats = schema["paths"]["/api/v1/units/{code}/stats"]["get"]["parameters"]
    [as_of] = [p for p in stats if p["name"] == "as_of"]
    [day] = [s for s in as_of["schema"]["anyOf"] if s.get("type") == "string"]
    assert day["formatMinimum"] == "1900-01-01" and day["formatMaximum"] == "2199-12-31"
    assert "DD/MM/YYYY" in day["description"] and day["format"] == "date"
    birth = schema["components"]["schemas"]["AdmitIn"]["properties"]["birth_date"]
    assert birth["formatMaximum"] == "2199-12-31"
    report = schema["paths"]["/api/v1/members/{member_id}/attendance"]["get"]["parameters"]
    [to] = [p for p in report if p["name"] == "to"]
    assert "10 years" in to["description"]
    description = schema["info"]["description"]
    assert "31/12/2199" in description and "10 năm" in description and "414" in description


@pytest.mark.parametrize(
    "as_of", ["0", "1700000000", "1e9", "2024-1-1", "2024-01-01T00:00", "31/02/2024", "1899-12-31"]
)
def test_as_of_takes_only_a_written_date_in_range(cast: Cast, as_of: str) -> None:
    for path in ("/api/v1/units/B/stats", "/api/v1/units/B", "/api/v1/tree/B"):
        response = _get(cast, path, as_of=as_of)
        assert response.status_code == 422, (path, as_of, response.content)
        assert response.json()["code"] == "validation_error"


def test_as_of_reads_both_written_forms_alike(cast: Cast) -> None:
    iso = _get(cast, "/api/v1/units/B/stats", as_of="2024-03-05")
    vietnamese = _get(cast, "/api/v1/units/B/stats", as_of="05/03/2024")
    assert iso.status_code == vietnamese.status_code == 200
    assert iso.json() == vietnamese.json()


def test_a_date_in_a_body_is_not_a_number(cast: Cast) -> None:
    response = Client().post(
        "/api/v1/members",
        {
            "member_id": "NUM-1",
            "full_name": "Võ Thị Hoa",
            "gender": "female",
            "birth_date": 0,
            "branch": "B",
            "admitted_on": "2024-05-10",
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {cast.token('officer')}"},
    )
    assert response.status_code == 422
    assert any(d["field"].endswith("birth_date") for d in response.json()["details"])


def test_a_period_longer_than_ten_years_is_refused(cast: Cast) -> None:
    response = _get(
        cast, "/api/v1/members/CAST-B1/attendance", **{"from": "2000-01-01", "to": "2020-01-01"}
    )
    assert response.status_code == 422


def test_the_schema_is_built_once_per_process(cast: Cast) -> None:
    """Building it takes about half a second; it depends on the code only, never on the caller."""
    from unittest import mock

    from ninja import NinjaAPI

    from coso.api.api import api

    first = cast.client("member").get("/api/v1/openapi.json").json()
    with mock.patch.object(NinjaAPI, "get_openapi_schema", side_effect=AssertionError):
        again = cast.client("officer").get("/api/v1/openapi.json").json()
        assert api.get_openapi_schema(path_prefix="/api/v1/") is api.get_openapi_schema(
            path_prefix="/api/v1/"
        )
    assert again == first
