import pytest

pytest_plugins = ["tests.cast"]


@pytest.fixture(autouse=True)
def _rules(db):  # type: ignore[no-untyped-def]
    """Every test starts with the shipped rule sets, as after `coso init`."""
    from coso.core.rules import install_default_rules

    install_default_rules()
