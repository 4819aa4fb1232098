"""Every API operation answers every member of the cast as tests/api/matrix_api.py says.

The operations are enumerated from the NinjaAPI's own OpenAPI schema, so a new endpoint
without a matrix entry fails here, naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse

from coso.api.api import api
from coso.api.urls import urlpatterns
from tests.api.matrix_api import API, EXTRA, URL_NAMES, setup
from tests.api.walk import call
from tests.cast import Cast

METHODS = ("get", "post", "put", "patch", "delete")
THE_CAST = ("admin", "officer", "committee", "secretary", "member", "outsider", "anonymous")


def schema_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix=reverse("api:api-root"))
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS
    }


def test_every_operation_of_the_schema_has_an_entry() -> None:
    operations = schema_operations()
    assert operations, "the schema lists no operation"
    missing = sorted(operations - set(API))
    assert not missing, f"API operations without an entry in tests/api/matrix_api.py: {missing}"
    stale = sorted(set(API) - operations)
    assert not stale, f"matrix entries for operations that do not exist: {stale}"


def test_every_url_pattern_of_the_api_is_named_in_the_matrix() -> None:
    names = {f"api:{getattr(p, 'name', '')}" for p in urlpatterns if getattr(p, "name", None)}
    assert names == set(URL_NAMES)
    assert set(URL_NAMES.values()) <= set(API) | set(EXTRA)


def test_every_entry_names_the_whole_cast_and_never_403() -> None:
    for key, spec in {**API, **EXTRA}.items():
        assert set(spec["expect"]) == set(THE_CAST), key
        assert 403 not in spec["expect"].values(), f"{key}: out of scope answers 404, not 403"


def test_every_operation_answers_each_role_as_the_matrix_says(
    cast: Cast, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path  # the matrix's meeting document goes to this test's folder
    objects = setup(cast)
    tokens = {role: cast.token(role) for role in THE_CAST if role != "anonymous"}
    client = Client()
    wrong: list[str] = []
    for (method, template), spec in {**API, **EXTRA}.items():
        for role, expected in spec["expect"].items():
            response = call(client, method, template, spec, tokens.get(role), objects)
            if response.status_code != expected:
                wrong.append(
                    f"{method} {template} as {role}: {response.status_code}, expected "
                    f"{expected} ({response.content[:200]!r})"
                )
            elif template.startswith("/api/v1/docs"):
                continue
            elif response.status_code >= 400:
                body: Any = response.json()
                if set(body) != {"code", "message", "details"}:
                    wrong.append(f"{method} {template} as {role}: error body {body}")
    assert not wrong, "API answers otherwise than its matrix:\n" + "\n".join(wrong)


def test_session_users_get_the_same_answers_as_token_users(
    cast: Cast, settings: Any, tmp_path: Path
) -> None:
    """The browser session is the second way in; the scopes are the same."""
    settings.VAR_DIR = tmp_path
    objects = setup(cast)
    for (method, template), spec in API.items():
        if method != "GET":
            continue
        for role in ("officer", "member", "outsider"):
            got = call(cast.client(role), method, template, spec, None, objects).status_code
            assert got == spec["expect"][role], (method, template, role, got)
