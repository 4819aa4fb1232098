import pytest

from coso.units.models import Unit

from .helpers import make_tree


@pytest.fixture
def tree(db) -> dict[str, Unit]:  # type: ignore[no-untyped-def]
    return make_tree()
