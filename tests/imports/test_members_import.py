from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from coso.core.dates import FAR_FUTURE
from coso.core.errors import RowErrors
from coso.members.imports import import_members
from coso.members.models import Member, MemberEvent, MemberSpan
from coso.stats.models import DailyDelta
from coso.stats.tally import rebuild_all
from coso.units.imports import import_units

from .files import coso, write_csv, write_xlsx

COLUMNS = [
    "member_id",
    "card_no",
    "full_name",
    "gender",
    "birth_date",
    "branch",
    "admitted_on",
    "official_on",
    "ethnicity",
    "group",
    "status",
    "joined_on",
]
UNITS = [
    ["code", "name", "kind", "parent", "valid_from", "category"],
    ["P", "Đảng bộ tỉnh", "province", "", "2000-01-01", ""],
    ["C", "Đảng bộ xã", "commune", "P", "2000-01-01", ""],
    ["B1", "Chi bộ thôn 1", "branch", "C", "2010-01-01", "village"],
    ["G1", "Tổ đảng 1", "group", "B1", "2010-01-01", ""],
    ["B2", "Chi bộ thôn 2", "branch", "C", "2000-01-01", "village"],
    ["G2", "Tổ đảng thôn 2", "group", "B2", "2000-01-01", ""],
    ["GB", "Chi bộ cơ sở trường", "grassroots_branch", "C", "2000-01-01", "school"],
    ["GC", "Đảng bộ cơ sở", "grassroots_committee", "C", "2000-01-01", ""],
]
GOOD = [
    COLUMNS,
    # joined_on defaults to the branch's start (2010) as it is after admission.
    [
        "M1",
        "K1",
        "Nguyễn  Văn An",
        "nam",
        "1980-05-01",
        "B1",
        "2005-03-02",
        "2006-03-02",
        "Kinh",
        "",
        "",
        "",
    ],
    [
        "M2",
        "",
        "Trần Thị Bình",
        "Nữ",
        "01/02/1990",
        "B1",
        "2020-01-10",
        "10/01/2021",
        "",
        "G1",
        "",
        "",
    ],
    ["M3", "K3", "Lê Thị Cúc", "female", "1995-01-01", "GB", "2024-06-01", "", "Tày", "", "", ""],
    [
        "M4",
        "K4",
        "Phạm Văn Dũng",
        "MALE",
        "1950-01-01",
        "GB",
        "1975-01-01",
        "1976-01-01",
        "",
        "",
        "Miễn sinh hoạt",
        "2001-05-05",
    ],
    [
        "M5",
        "K5",
        "Đỗ Văn Ấn",
        "Nu",
        "1970-01-01",
        "B2",
        "1999-05-01",
        "2000-05-01",
        "",
        "",
        "chính thức",
        "2000-02-01",
    ],
]


@pytest.fixture
def units(tmp_path: Path) -> None:
    import_units(write_csv(tmp_path / "units.csv", UNITS), progress=False)


def _spans(member_id: str) -> list[tuple[Any, ...]]:
    return [
        (
            s.unit.code,
            s.group.code if s.group else None,
            s.status,
            s.exempt,
            s.valid_from,
            s.valid_to,
        )
        for s in MemberSpan.objects.filter(member__member_id=member_id)
        .select_related("unit", "group")
        .order_by("valid_from")
    ]


def _check_good() -> None:
    d = dt.date
    assert _spans("M1") == [("B1", None, "official", False, d(2010, 1, 1), FAR_FUTURE)]
    assert _spans("M2") == [
        ("B1", "G1", "probationary", False, d(2020, 1, 10), d(2021, 1, 10)),
        ("B1", "G1", "official", False, d(2021, 1, 10), FAR_FUTURE),
    ]
    assert _spans("M3") == [("GB", None, "probationary", False, d(2024, 6, 1), FAR_FUTURE)]
    assert _spans("M4") == [("GB", None, "official", True, d(2001, 5, 5), FAR_FUTURE)]
    assert _spans("M5") == [
        ("B2", None, "probationary", False, d(2000, 2, 1), d(2000, 5, 1)),
        ("B2", None, "official", False, d(2000, 5, 1), FAR_FUTURE),
    ]
    m1 = Member.objects.select_related("home_unit").get(member_id="M1")
    assert (m1.full_name, m1.gender, m1.birth_date, m1.card_no, m1.ethnicity) == (
        "Nguyễn Văn An",
        "male",
        d(1980, 5, 1),
        "K1",
        "Kinh",
    )
    assert (m1.status, m1.home_unit.code if m1.home_unit else None, m1.exempt) == (
        "official",
        "B1",
        False,
    )
    assert (m1.first_admitted_on, m1.admitted_on, m1.probation_from, m1.official_on) == (
        d(2005, 3, 2),
        d(2005, 3, 2),
        d(2005, 3, 2),
        d(2006, 3, 2),
    )
    m2, m3, m4, m5 = (Member.objects.get(member_id=f"M{i}") for i in range(2, 6))
    assert (m2.card_no, m2.gender, m2.birth_date, m2.status) == (
        None,
        "female",
        d(1990, 2, 1),
        "official",
    )
    assert (m3.status, m3.official_on, m3.ethnicity) == ("probationary", None, "Tày")
    assert (m4.status, m4.exempt) == ("official", True)
    assert m5.gender == "female" and m5.search_name == "do van an"
    # Given name first in Vietnamese alphabet order: An (M1) before Ấn (M5), then Bình, Cúc, Dũng.
    order = list(Member.objects.order_by("sort_key").values_list("member_id", flat=True))
    assert order == ["M1", "M5", "M2", "M3", "M4"]
    events = MemberEvent.objects.filter(kind="import")
    assert events.count() == 5
    e2 = events.get(member__member_id="M2")
    assert e2.effective_on == d(2020, 1, 10) and e2.unit is not None and e2.unit.code == "B1"
    assert e2.details["official_on"] == "2021-01-10" and e2.recorded_at is not None
    # Figures follow the spans.
    deltas = {
        (r.day, r.metric): r.delta for r in DailyDelta.objects.filter(metric__startswith="members.")
    }
    assert deltas[(d(2021, 1, 10), "members.probationary")] == -1
    assert deltas[(d(2021, 1, 10), "members.official")] == 1
    assert deltas[(d(2001, 5, 5), "members.exempt")] == 1
    assert sum(v for (_, m), v in deltas.items() if m == "members.total") == 5
    # The import adds its spans' contribution instead of recounting: same rows as a recount.
    added = set(DailyDelta.objects.values_list("day", "metric", "delta"))
    rebuild_all()
    assert set(DailyDelta.objects.values_list("day", "metric", "delta")) == added


def test_csv(units: None, tmp_path: Path) -> None:
    report = import_members(write_csv(tmp_path / "m.csv", GOOD), progress=False)
    assert report.rows == 5 and report.created == {"đảng viên": 5, "giai đoạn sinh hoạt": 7}
    _check_good()


def test_xlsx_with_date_cells(units: None, tmp_path: Path) -> None:
    rows: list[list[Any]] = [list(r) for r in GOOD]
    rows[1][4] = dt.datetime(1980, 5, 1)
    rows[2][6] = dt.date(2020, 1, 10)
    import_members(write_xlsx(tmp_path / "m.xlsx", rows), progress=False)
    _check_good()


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [("m.csv", "utf-8-sig", ","), ("m.csv", "cp1258", ";"), ("m.txt", "utf-16", "\t")],
)
def test_excel_encodings(
    units: None, tmp_path: Path, name: str, encoding: str, delimiter: str
) -> None:
    import_members(
        write_csv(tmp_path / name, GOOD, encoding=encoding, delimiter=delimiter), progress=False
    )
    _check_good()


def _errors(path: Path) -> list[tuple[int, str, str]]:
    counts = (Member.objects.count(), MemberSpan.objects.count(), MemberEvent.objects.count())
    deltas = list(
        DailyDelta.objects.values_list("day", "metric", "delta").order_by("day", "metric")
    )
    with pytest.raises(RowErrors) as caught:
        import_members(path, progress=False)
    assert (
        Member.objects.count(),
        MemberSpan.objects.count(),
        MemberEvent.objects.count(),
    ) == counts
    assert (
        list(DailyDelta.objects.values_list("day", "metric", "delta").order_by("day", "metric"))
        == deltas
    )
    return [(e.row, e.column, e.reason) for e in caught.value.errors]


def test_every_bad_row_is_reported_and_nothing_written(units: None, tmp_path: Path) -> None:
    import_members(write_csv(tmp_path / "first.csv", GOOD[:2]), progress=False)  # M1, K1 exist
    ok = [
        "X",
        "",
        "Hoàng Văn Tư",
        "nam",
        "1980-01-01",
        "B2",
        "2005-01-01",
        "2006-01-01",
        "",
        "",
        "",
        "",
    ]

    def row(**changes: str) -> list[str]:
        values = dict(zip(COLUMNS, ok, strict=True))
        values.update(changes)
        return [values[c] for c in COLUMNS]

    future = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    rows = [
        COLUMNS,
        row(member_id="A1"),  # 2: fine
        row(member_id=""),  # 3
        row(member_id="A3", birth_date="1980-13-01"),  # 4
        row(member_id="A4", birth_date="2006-01-01"),  # 5: born after admission
        row(member_id="A5", official_on="2004-12-31"),  # 6: official before admitted
        row(member_id="A1"),  # 7: duplicate in file
        row(member_id="M1"),  # 8: already in the database
        row(member_id="A8", card_no="K1"),  # 9: card already in the database
        row(member_id="A9", card_no="Z"),  # 10
        row(member_id="A10", card_no="Z"),  # 11: card duplicate in file
        row(member_id="A11", branch="NOPE"),  # 12: unknown branch
        row(member_id="A12", branch="GC"),  # 13: not a home kind
        row(member_id="A13", gender="x"),  # 14
        row(member_id="A14", status="vắng"),  # 15
        row(member_id="A15", group="G1"),  # 16: group of another branch
        row(member_id="A16", branch="B1", joined_on="2009-01-01"),  # 17: branch not yet there
        row(member_id="A17", status="dự bị"),  # 18: probationary but official_on given
        row(member_id="A18", admitted_on=future, official_on=""),  # 19: future
        row(member_id="A19", status="official", official_on=""),  # 20: official without date
        row(member_id="A20", full_name="", gender="", birth_date=""),  # 21: three errors
    ]
    errors = _errors(write_csv(tmp_path / "bad.csv", rows))
    assert [(r, c) for r, c, _ in errors] == [
        (3, "member_id"),
        (4, "birth_date"),
        (5, "birth_date"),
        (6, "official_on"),
        (7, "member_id"),
        (8, "member_id"),
        (9, "card_no"),
        (11, "card_no"),
        (12, "branch"),
        (13, "branch"),
        (14, "gender"),
        (15, "status"),
        (16, "group"),
        (17, "joined_on"),
        (18, "status"),
        (19, "admitted_on"),
        (20, "official_on"),
        (21, "full_name"),
        (21, "gender"),
        (21, "birth_date"),
    ]
    reasons = {(r, c): text for r, c, text in errors}
    assert "dòng 2" in reasons[(7, "member_id")]
    assert "không dùng được" in reasons[(8, "member_id")] and "K1" in reasons[(9, "card_no")]
    assert "dòng 10" in reasons[(11, "card_no")]
    assert "NOPE" in reasons[(12, "branch")] and "GC" in reasons[(13, "branch")]
    assert "01/01/2009" in reasons[(17, "joined_on")]
    assert "sau ngày hôm nay" in reasons[(19, "admitted_on")]


@pytest.mark.parametrize(
    ("drop", "add"),
    [("official_on", None), (None, "ethnicty")],
)
def test_wrong_columns(units: None, tmp_path: Path, drop: str | None, add: str | None) -> None:
    header = [c for c in COLUMNS if c != drop] + ([add] if add else [])
    rows = [
        header,
        *(
            [v for c, v in zip(COLUMNS, r, strict=True) if c != drop] + ([""] if add else [])
            for r in GOOD[1:]
        ),
    ]
    errors = _errors(write_csv(tmp_path / "m.csv", rows))
    assert errors == [(1, drop or add or "", errors[0][2])]


def test_empty_and_truncated_files(units: None, tmp_path: Path) -> None:
    empty = tmp_path / "m.csv"
    empty.write_bytes(b"")
    assert _errors(empty) == [(0, "", "tệp rỗng")]
    xlsx = write_xlsx(tmp_path / "m.xlsx", GOOD * 50)
    data = xlsx.read_bytes()
    xlsx.write_bytes(data[: len(data) // 2])
    [(row, column, reason)] = _errors(xlsx)
    assert (row, column) == (0, "") and "hỏng" in reason


def test_no_query_per_row(units: None, tmp_path: Path, django_assert_max_num_queries: Any) -> None:
    rows: list[list[str]] = [COLUMNS]
    for i in range(3000):
        branch, group = ("B1", "G1") if i % 2 else ("B2", "")
        rows.append(
            [
                f"N{i}",
                f"C{i}",
                f"Nguyễn Văn {i}",
                "nam",
                "1980-01-01",
                branch,
                "2011-01-01",
                "2012-01-01",
                "",
                group,
                "",
                "",
            ]
        )
    path = write_csv(tmp_path / "many.csv", rows)
    with django_assert_max_num_queries(80):
        import_members(path, progress=False)
    assert (
        MemberSpan.objects.filter(valid_from=dt.date(2011, 1, 1), status="probationary").count()
        == 3000
    )
    assert MemberSpan.objects.filter(group__code="G1").count() == 3000


def test_command_exit_status_and_output(
    units: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_csv(tmp_path / "good.csv", GOOD)
    assert coso(["coso", "members", "import", str(good), "--no-progress"]) == 0
    out, _ = capsys.readouterr()
    assert "Đã nhập tệp good.csv: 5 dòng, tạo 5 đảng viên, 7 giai đoạn sinh hoạt" in out
    assert coso(["coso", "members", "import", str(good)]) == 1
    _, err = capsys.readouterr()
    assert err.count("không dùng được") == 9  # 5 ids and 4 card numbers
    assert "5 lỗi" not in err and "9 lỗi, không có thay đổi nào được ghi." in err
    assert Member.objects.count() == 5


def test_a_second_import_on_the_same_days_adds_to_the_figures(units: None, tmp_path: Path) -> None:
    """The second file's spans start and end on days that already have rows: they add up."""
    import_members(write_csv(tmp_path / "a.csv", GOOD), progress=False)
    again = [GOOD[0]] + [[f"{r[0]}X", f"{r[1]}X" if r[1] else "", *r[2:]] for r in GOOD[1:]]
    import_members(write_csv(tmp_path / "b.csv", again), progress=False)
    added = set(DailyDelta.objects.values_list("day", "metric", "delta"))
    assert (dt.date(2021, 1, 10), "members.probationary", -2) in added
    rebuild_all()
    assert set(DailyDelta.objects.values_list("day", "metric", "delta")) == added
