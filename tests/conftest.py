import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.cast"]

BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the Chromium tests, so that `make test-fast` can leave them out by marker."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _replica_reads(request):  # type: ignore[no-untyped-def]
    """Tests marked `replica` run against the real streaming replica of DATABASE_REPLICA_URLS
    (scripts/start-replica.sh); every other test reads and writes the primary alone, even when
    a replica is configured. On PostgreSQL in CI (CI=true) a missing replica fails the tests
    instead of skipping them: `.ci/run` starts one. SQLite has no replica to test."""
    from django.conf import settings

    configured = list(getattr(settings, "COSO_READ_REPLICAS", []))
    if request.node.get_closest_marker("replica") is None:
        if configured:
            settings.COSO_READ_REPLICAS = []
            yield
            settings.COSO_READ_REPLICAS = configured
        else:
            yield
        return
    if not configured:
        postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
        if postgres and os.environ.get("CI") == "true":
            pytest.fail("CI: DATABASE_REPLICA_URLS is not set (scripts/start-replica.sh)")
        pytest.skip("no replica configured (DATABASE_REPLICA_URLS, scripts/start-replica.sh)")
    yield


@pytest.fixture(autouse=True)
def _rules(db):  # type: ignore[no-untyped-def]
    """Every test starts with the shipped rule sets, as after `coso init`."""
    from coso.core.rules import install_default_rules

    install_default_rules()


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """A test that switched to English must not leave English active for the next one."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _private_var_dir(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Files a test makes (uploaded documents, import files) go to a fresh folder, never into
    the project's var/ where the demo database and a developer's real files live."""
    settings.VAR_DIR = tmp_path_factory.mktemp("var")
