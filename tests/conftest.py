import pytest

pytest_plugins = ["tests.cast"]


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
