from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from coso.cli import main
from coso.core.dates import today
from coso.units.models import Unit

from .helpers import D, home, unit


@pytest.fixture
def commune() -> Unit:
    p = unit("44", "province", None)
    c = unit("19111", "grassroots_committee", p, tags=["commune"])
    b = unit("19111-01", "branch", c, tags=["residential"])
    home(b)
    home(b, status="probationary", exempt=True)
    home(b, D(2019, 1, 1), D(2025, 1, 1))
    return c


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_stats_json(commune: Unit) -> None:
    code, out, _ = run("stats", "19111", "--as-of", "2024-12-31", "--json")
    assert code == 0
    assert json.loads(out) == {
        "unit": "19111",
        "as_of": "2024-12-31",
        "members": {"total": 3, "official": 2, "probationary": 1, "exempt": 1, "in_transit": 0},
        "units": {"branch": 1},
        "branch_categories": {"residential": 1},
        "participants": 0,
        "outside": {},
    }
    assert out.startswith('{\n  "unit": "19111",')


def test_stats_accepts_vietnamese_dates_and_defaults_to_today(commune: Unit) -> None:
    _, by_dmy, _ = run("stats", "19111", "--as-of", "01/02/2025", "--json")
    assert json.loads(by_dmy)["as_of"] == "2025-02-01"
    assert json.loads(by_dmy)["members"]["total"] == 2
    _, default, _ = run("stats", "19111", "--json")
    assert json.loads(default)["as_of"] == today().isoformat()


def test_stats_table_is_readable(commune: Unit) -> None:
    code, out, _ = run("stats", "19111", "--as-of", "2024-12-31")
    assert code == 0
    assert "Đơn vị 19111 — Đơn vị 19111 — số liệu ngày 31/12/2024" in out
    assert any(
        line.split()[:2] == ["Tổng", "số"] and line.split()[-1] == "3" for line in out.splitlines()
    )
    assert "Khu dân cư / tổ dân phố (residential)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("stats", "NOPE"), "NOPE"),
        (("stats", "19111", "--as-of", "2018-12-31"), "31/12/2018"),
        (("stats", "19111", "--as-of", "31-13-2024"), "31-13-2024"),
        (("tree", "NOPE"), "NOPE"),
        (("tree", "19111", "--as-of", "2018-12-31"), "31/12/2018"),
        (("tree", "19111", "--depth", "-1"), "--depth"),
    ],
)
def test_refusals_exit_with_status_1(commune: Unit, args: tuple[str, ...], message: str) -> None:
    code, out, err = run(*args)
    assert code == 1
    assert out == ""
    assert message in err


def test_tree_command(commune: Unit) -> None:
    code, out, _ = run("tree", "44", "--as-of", "2024-12-31", "--depth", "1")
    assert code == 0
    assert out.splitlines() == [
        "44  Đơn vị 44  [province]  3 đảng viên",
        "  19111  Đơn vị 19111  [grassroots_committee]  3 đảng viên",
    ]


def test_through_the_coso_console_command(
    commune: Unit, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Django closes every connection after a command run from argv; keep the test's one open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    assert main(["coso", "stats", "19111", "--as-of", "2024-12-31", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["members"]["total"] == 3
    assert main(["coso", "stats", "NOPE"]) == 1
    assert "NOPE" in capsys.readouterr().err
