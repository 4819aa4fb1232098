"""Every route of the project, requested by every member of the cast, answers as a matrix says.

The expected answers live next to the code that serves them:
- tests/web/matrix_pages.py (read pages), tests/web/matrix_forms.py (forms, previews, imports),
  tests/web/matrix_notices.py (a user's own notices),
  tests/meetings/matrix_{pages,me,reports}.py (branch activities) and
  tests/followup/matrix_pages.py (directives), all `PAGES = {url_name: {"args": [...], "expect": {role: status}, ...}}`;
- tests/api/matrix_api.py (JSON API);
- ACCOUNT_ROUTES below, for the few routes that no other matrix owns (login, logout, 2FA, password,
  language).

A route of the URL configuration without an entry in one of them fails
`test_every_route_has_an_entry`, naming the route, so that no new page or endpoint can ship
without its permissions being written down. `test_every_route_answers_as_its_matrix_says` then
requests each page route as each role and reports every mismatch at once; the API routes are
requested with API tokens by tests/api/test_matrix.py, so here they are only checked for entries.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.cast import Cast

OK, REDIRECT, NOT_ALLOWED, HIDDEN = 200, 302, 405, 404
THE_CAST = ("officer", "committee", "secretary", "member", "outsider", "anonymous")

# Routes no matrix needs to cover, each for a stated reason. Nothing else may be left out.
SKIPPED_NAMESPACES = {
    # Django's admin site: staff-only by Django's own permission system, not Coso's scopes;
    # the accounts helper's tests cover what Coso registers there.
    "admin",
}
SKIPPED_PREFIXES = (
    # Static files and uploads are served by WhiteNoise / the web server, outside the URLconf;
    # listed in case a development setting ever adds them as URL patterns.
    "static/",
    "media/",
)

# Routes of coso.accounts and Django's i18n view, which no other helper's matrix covers.
_LOGGED_IN = ("admin", "officer", "committee", "secretary", "member", "outsider")
ACCOUNT_ROUTES: dict[str, dict[str, Any]] = {
    "login": {
        "args": [],
        # Already logged-in users are sent on to the home page.
        "expect": {**dict.fromkeys(_LOGGED_IN, REDIRECT), "anonymous": OK},
    },
    "logout": {
        "args": [],
        # Logging out is a POST (a link or image cannot log anyone out); GET is refused.
        "expect": {**dict.fromkeys(_LOGGED_IN, NOT_ALLOWED), "anonymous": NOT_ALLOWED},
    },
    "totp-setup": {
        "args": [],
        "expect": {**dict.fromkeys(_LOGGED_IN, OK), "anonymous": REDIRECT},
    },
    "totp-verify": {
        "args": [],
        # Logged-in users without a confirmed authenticator are sent on to the setup page.
        "expect": {**dict.fromkeys(_LOGGED_IN, REDIRECT), "anonymous": REDIRECT},
    },
    "password-change": {
        "args": [],
        # Everyone logged in may change their own password; it is the only page an account
        # holding a one-time password may see (tests/accounts/test_demo_accounts.py).
        "expect": {**dict.fromkeys(_LOGGED_IN, OK), "anonymous": REDIRECT},
    },
    "set_language": {
        "args": [],
        # Django's set_language: a POST from the language switch; GET just redirects back.
        "expect": {**dict.fromkeys(_LOGGED_IN, REDIRECT), "anonymous": REDIRECT},
    },
}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the pattern itself for an unnamed route
    pattern: str  # the full path pattern, e.g. "units/<str:code>/"


def walk_routes(
    patterns: list[Any] | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[Route]:
    """Every URL pattern of the project, recursing into includes, less the skipped ones."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            yield from walk_routes(entry.url_patterns, pattern, inner)
        elif isinstance(entry, URLPattern):
            if pattern.startswith(SKIPPED_PREFIXES):
                continue
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name=name or pattern, pattern=pattern)


PAGE_MATRICES = (
    "tests.web.matrix_pages",
    "tests.web.matrix_forms",
    # branch activities: pages, the member's own page, reports
    "tests.meetings.matrix_pages",
    "tests.meetings.matrix_me",
    "tests.meetings.matrix_reports",
    # proposals and decisions
    "tests.authority.matrix_pages",
    # a user's own notices (deadline reminders)
    "tests.web.matrix_notices",
    # follow-through of directives
    "tests.followup.matrix_pages",
    # assessment and quality classification
    "tests.quality.matrix_pages",
    # households, assignments, citizens' petitions
    "tests.outreach.matrix_pages",
    # violations, inspection and discipline
    "tests.oversight.matrix_pages",
)


def _matrix_modules() -> list[Any]:
    modules = []
    for name in PAGE_MATRICES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            # A matrix not written yet leaves its routes without entries, which fails below.
            if exc.name != name:
                raise
    return modules


def page_matrices() -> dict[str, dict[str, Any]]:
    """Every entry keyed by URL name, from the page and form matrices and ACCOUNT_ROUTES."""
    entries: dict[str, dict[str, Any]] = {}
    for source in (*(dict(m.PAGES) for m in _matrix_modules()), ACCOUNT_ROUTES):
        clash = set(entries) & set(source)
        assert not clash, f"routes listed in two matrices: {sorted(clash)}"
        entries.update(source)
    return entries


def api_matrix() -> dict[str, dict[str, Any]]:
    """The API's entries keyed by URL name (tests/api/matrix_api.py maps names to its keys).

    The requests themselves are walked by tests/api/test_matrix.py, with API tokens.
    """
    try:
        from tests.api import matrix_api
    except ModuleNotFoundError as exc:
        if exc.name != "tests.api.matrix_api":
            raise
        return {}
    operations = {**matrix_api.API, **matrix_api.EXTRA}
    return {
        name: operations[key] for name, key in matrix_api.URL_NAMES.items() if key in operations
    }


def test_every_route_has_an_entry() -> None:
    entries = page_matrices() | api_matrix()
    missing = [f"{r.name} (/{r.pattern})" for r in walk_routes() if r.name not in entries]
    assert not missing, (
        "routes without an entry in any permission matrix (tests/web/matrix_pages.py, "
        "tests/web/matrix_forms.py, tests/api/matrix_api.py or ACCOUNT_ROUTES in "
        f"{__name__}): " + ", ".join(missing)
    )
    stale = sorted(set(entries) - {r.name for r in walk_routes()})
    assert not stale, f"matrix entries for routes that do not exist: {stale}"


def test_every_api_operation_has_an_entry() -> None:
    """Several operations can share one URL (GET and POST /members): each needs its own entry."""
    from tests.api.matrix_api import API
    from tests.api.test_matrix import schema_operations

    missing = sorted(schema_operations() - set(API))
    assert not missing, f"API operations without an entry in tests/api/matrix_api.py: {missing}"


def test_every_entry_names_the_whole_cast() -> None:
    for name, spec in (page_matrices() | api_matrix()).items():
        missing = set(THE_CAST) - set(spec["expect"])
        assert not missing, f"{name}: no expected status for {sorted(missing)}"
        assert 403 not in spec["expect"].values(), f"{name}: out of scope answers 404, not 403"


def _request(client: Client, name: str, spec: dict[str, Any]) -> int:
    url = reverse(name, args=spec.get("args", []))
    method = spec.get("method", "get").lower()
    if method == "post":
        return client.post(url, spec.get("data", {})).status_code
    return client.get(url, spec.get("query", {})).status_code


def test_every_route_answers_as_its_matrix_says(cast: Cast) -> None:
    entries = page_matrices()
    for module in _matrix_modules():
        # Objects a matrix's `args` refer to beyond the cast itself (e.g. an import job).
        if hasattr(module, "setup"):
            module.setup(cast)
    clients = {
        role: cast.client(role) for role in {r for s in entries.values() for r in s["expect"]}
    }
    wrong = []
    for name, spec in sorted(entries.items()):
        for role, expected in spec["expect"].items():
            got = _request(clients[role], name, spec)
            if got != expected:
                wrong.append(f"{name} as {role}: {got}, expected {expected}")
    assert not wrong, "routes answering otherwise than their matrix:\n" + "\n".join(wrong)
