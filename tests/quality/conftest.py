from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coso.quality.presets import install_presets
from coso.units.models import Unit
from coso.units.operations import create_unit
from tests.cast import START


@pytest.fixture(autouse=True)
def _presets(db: Any) -> None:
    install_presets()


def more_branches(parent: Unit, count: int, prefix: str = "BX") -> list[Unit]:
    """`count` more branches under `parent` (the same comparable group as the cast's B)."""
    return [
        create_unit(
            code=f"{prefix}{i}", name=f"Chi bộ {prefix}{i}", kind="branch", parent=parent, on=START
        )
        for i in range(1, count + 1)
    ]


DECIDED_2024 = dt.date(2024, 12, 20)
DECIDED_2025 = dt.date(2025, 12, 20)
