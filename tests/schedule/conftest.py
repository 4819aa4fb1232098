from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.schedule.helpers import share_database


@pytest.fixture
def shared_db(transactional_db: Any, tmp_path: Path) -> Iterator[None]:
    yield from share_database(tmp_path)
