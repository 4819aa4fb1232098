"""Schemathesis against the OpenAPI schema, through the Django WSGI app, with a valid token:
whatever it generates, the API never answers with a server error (5xx)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api.schema import wsgi_schema
from tests.cast import Cast

schema = wsgi_schema()


# Fuzzing every endpoint takes a while: left out of `make test-fast`, run by `make test`.
pytestmark = pytest.mark.slow


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """Calls go through the real WSGI handler, whose request signals close the database
    connection; the test's transaction lives on it (Django's test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(cast: Cast, keep_connection: None) -> str:
    # The administrator reaches every operation past the scope checks, into the domain code.
    return cast.token("admin")


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_errors(case: Any, admin_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"}, checks=[not_a_server_error]
    )
