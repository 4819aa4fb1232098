"""The English catalogues are complete and compiled, and the branch-activity pages read in English.

The catalogues (coso/*/locale/en/LC_MESSAGES/django.po) are committed together with their
compiled .mo files and nothing compiles them at install time, so a .po edited without
recompiling would silently show stale English. The .po files are read by a small parser here
(no gettext tools needed) and compared entry by entry with what the .mo actually serves, and
with the strings the app's code and templates mark for translation (found as makemessages
finds them: Django's templatize for templates, the gettext calls for Python).

After adding or changing Vietnamese strings: in each app with strings,
`cd coso/<app> && ../../.venv/bin/python ../../manage.py makemessages -l en --no-obsolete`,
translate, then `../../.venv/bin/python ../../manage.py compilemessages -l en` (GNU gettext).
"""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import io
import re
import tokenize
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation.template import templatize

from coso.meetings import operations as ops
from coso.meetings.models import AttendanceStatus, Meeting
from tests.cast import Cast

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("coso/*/locale/en/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%|\{\{ *[a-z_.]+ *\}\}")


@dataclass
class Entry:
    msgid: str = ""
    context: str | None = None
    plural: str | None = None
    strings: dict[int, str] = field(default_factory=dict)  # msgstr (0) or msgstr[n]
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return self.msgid if self.context is None else f"{self.context}\x04{self.msgid}"


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (header excluded, obsolete `#~` entries skipped)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None  # which string continuation lines extend

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if target is not None and target[0] == "msgstr":
                finish()  # a comment starts the next entry even without a blank line
            if line.startswith("#,"):
                entry.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert target is not None, f"{path}: continuation line without a keyword: {raw!r}"
            text = ast.literal_eval(line)
        else:
            text = ast.literal_eval(rest)
            if keyword == "msgctxt" or (keyword == "msgid" and target and target[0] == "msgstr"):
                finish()
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
            else:
                target = (keyword, 0)
        name, index = target
        if name == "msgctxt":
            entry.context = (entry.context or "") + text
        elif name == "msgid":
            entry.msgid += text
        elif name == "msgid_plural":
            entry.plural = (entry.plural or "") + text
        elif name == "msgstr":
            entry.strings[index] = entry.strings.get(index, "") + text
        else:
            raise AssertionError(f"{path}: unexpected line {raw!r}")
    finish()
    return [e for e in entries if e.msgid or e.context]  # the header has an empty msgid


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_app_catalogue_is_found() -> None:
    apps = {p.parts[-5] for p in CATALOGUES}
    assert {"accounts", "meetings", "members", "units", "web"} <= apps


@pytest.mark.parametrize("po", CATALOGUES, ids=_name)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(po: Path) -> None:
    entries = parse_po(po)
    assert entries, f"{_name(po)} has no entries"
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"{_name(po)}: fuzzy entries (check and clear the flag): {fuzzy}"
    untranslated = [
        e.msgid for e in entries if not e.strings or any(not s for s in e.strings.values())
    ]
    assert not untranslated, f"{_name(po)}: untranslated entries: {untranslated}"
    plural_gaps = [e.msgid for e in entries if e.plural is not None and set(e.strings) != {0, 1}]
    assert not plural_gaps, f"{_name(po)}: plural entries need msgstr[0] and [1]: {plural_gaps}"


@pytest.mark.parametrize("po", CATALOGUES, ids=_name)
def test_translations_keep_their_placeholders(po: Path) -> None:
    wrong = []
    for e in parse_po(po):
        wanted = sorted(PLACEHOLDER.findall(e.msgid))
        for s in e.strings.values():
            if sorted(PLACEHOLDER.findall(s)) != wanted:
                wrong.append((e.msgid, s))
    assert not wrong, f"{_name(po)}: placeholders differ between source and translation: {wrong}"


@pytest.mark.parametrize("po", CATALOGUES, ids=_name)
def test_compiled_catalogue_matches_its_source(po: Path) -> None:
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{_name(po)} is not compiled: run compilemessages"
    with mo.open("rb") as handle:
        compiled: dict[Any, str] = dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]
    compiled.pop("", None)  # the header
    expected: dict[Any, str] = {}
    for e in parse_po(po):
        if e.plural is None:
            expected[e.key] = e.strings[0]
        else:
            expected.update({(e.key, i): s for i, s in e.strings.items()})
    stale = sorted(str(k) for k in expected.keys() ^ compiled.keys())
    assert not stale, f"{_name(po)} and its .mo hold different messages: {stale[:10]}"
    changed = sorted(str(k) for k in expected if expected[k] != compiled[k])
    assert not changed, f"{_name(po)}: the .mo has older translations for {changed[:10]}"


# gettext function -> (index of the context argument or None, index of the message argument)
CALLS: dict[str, tuple[int | None, int]] = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}


def _marked_in_template(path: Path) -> set[tuple[str | None, str]]:
    # templatize turns the template into gettext calls on string literals amid filler text.
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    code = "\n".join(line.lstrip() for line in code.splitlines())
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(code).readline)
        if t.type in (tokenize.NAME, tokenize.STRING, tokenize.OP)
    ]
    found: set[tuple[str | None, str]] = set()
    for i, token in enumerate(tokens[:-1]):
        if token.type != tokenize.NAME or token.string not in CALLS:
            continue
        if tokens[i + 1].string != "(":
            continue
        args = []
        for t in tokens[i + 2 : i + 8 : 2]:  # the literal arguments, up to the count variable
            if t.type != tokenize.STRING:
                break
            args.append(ast.literal_eval(t.string))
        context, message = CALLS[token.string]
        found.add((None if context is None else args[context], args[message]))
    return found


def _marked_in_python(path: Path) -> set[tuple[str | None, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in CALLS
    }
    found: set[tuple[str | None, str]] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in names:
            continue
        context, message = CALLS[names[node.func.id]]
        args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
        if len(args) > message and isinstance(args[message], str):
            ctx = None if context is None else args[context]
            found.add((ctx if isinstance(ctx, str) else None, str(args[message])))
    return found


def test_marked_strings_are_found_as_makemessages_finds_them(tmp_path: Path) -> None:
    template = tmp_path / "page.html"
    template.write_text(
        '{% load i18n %}<h1>{% translate "Một" %}</h1>{% translate "Hai" context "ngữ cảnh" %}'
        "{% blocktranslate count n=k %}{{ n }} mục{% plural %}{{ n }} mục{% endblocktranslate %}"
        '{{ v|default:_("nay") }}{% blocktranslate with y=z %}Năm {{ y }}{% endblocktranslate %}',
        encoding="utf-8",
    )
    assert _marked_in_template(template) == {
        (None, "Một"),
        ("ngữ cảnh", "Hai"),
        (None, "%(n)s mục"),
        (None, "nay"),
        (None, "Năm %(y)s"),
    }
    module = tmp_path / "module.py"
    module.write_text(
        "from django.utils.translation import gettext_lazy as _, npgettext\n"
        'A = _("Ba")\nB = npgettext("trạng thái", "%(n)s cái", "%(n)s cái", 2)\nC = str("Bảy")\n',
        encoding="utf-8",
    )
    assert _marked_in_python(module) == {(None, "Ba"), ("trạng thái", "%(n)s cái")}


APPS = sorted(p for p in (ROOT / "coso").iterdir() if (p / "__init__.py").exists())


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_every_marked_string_is_in_its_apps_catalogue(app: Path) -> None:
    marked: set[tuple[str | None, str]] = set()
    for path in app.rglob("*.py"):
        if "migrations" not in path.parts:
            marked |= _marked_in_python(path)
    for path in app.rglob("templates/**/*.html"):
        marked |= _marked_in_template(path)
    po = app / "locale/en/LC_MESSAGES/django.po"
    if not marked:
        return
    assert po.exists(), f"coso/{app.name} marks strings for translation but has no catalogue"
    have = {(e.context, e.msgid) for e in parse_po(po)}
    missing = sorted(marked - have, key=str)
    assert not missing, f"{_name(po)} lacks (run makemessages and translate): {missing}"


def test_a_message_has_one_translation_across_catalogues() -> None:
    # Django merges every app's catalogue into one: the app listed first in INSTALLED_APPS
    # wins, so a second, different translation of the same source string is never shown.
    seen: dict[Any, tuple[str, tuple[str, ...]]] = {}
    clashes = []
    for po in CATALOGUES:
        for e in parse_po(po):
            key = (e.key, e.plural)
            strings = tuple(e.strings[i] for i in sorted(e.strings))
            if key in seen and seen[key][1] != strings:
                clashes.append((e.msgid, seen[key], (_name(po), strings)))
            seen.setdefault(key, (_name(po), strings))
    assert not clashes, f"one source string, several English translations: {clashes}"


# --------------------------------------------------------------------------------------------
# The branch-activity pages in English

DAY = dt.date(2024, 5, 10)


def _english(client: Client) -> Client:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.content.decode())


def _visible(html: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def _vietnamese_labels() -> list[str]:
    """Source strings of the meetings catalogue, whole phrases only (three or more words, no
    placeholders), so a hit means a label was left in Vietnamese, not that data matched."""
    po = ROOT / "coso/meetings/locale/en/LC_MESSAGES/django.po"
    return [
        e.msgid
        for e in parse_po(po)
        if len(e.msgid.split()) >= 3 and not PLACEHOLDER.search(e.msgid) and e.context is None
    ]


def _closed_meeting(cast: Cast) -> Meeting:
    meeting = ops.plan_meeting(
        cast.B, kind="regular", on=DAY, place="Nhà văn hóa thôn", starts_at=dt.time(8, 0)
    )
    ops.record_attendance(
        meeting,
        {"CAST-B1": AttendanceStatus.PRESENT, "CAST-B2": AttendanceStatus.ABSENT_EXCUSED},
        reasons={"CAST-B2": "Ốm"},
    )
    ops.write_minutes(meeting, review="Tốt", tasks_ahead="Thu đảng phí", dues_collected_vnd=40000)
    ops.adopt_resolution(meeting, title="Về phát triển đảng viên", votes_for=1)
    return ops.close_meeting(meeting)


def _assert_english(html: str, present: list[str], labels: list[str]) -> None:
    text = _visible(html)
    missing = [s for s in present if s not in text]
    assert not missing, f"English headings missing: {missing}"
    left = [s for s in labels if s in html]
    assert not left, f"Vietnamese labels left on the English page: {left}"


def test_secretary_reads_the_meeting_pages_in_english(cast: Cast) -> None:
    meeting = _closed_meeting(cast)
    labels = _vietnamese_labels()
    client = _english(cast.client("secretary"))

    unit_meetings = _page(client, reverse("meetings:unit_meetings", args=["B"]) + "?year=2024")
    _assert_english(
        unit_meetings,
        ["Branch meetings", "Plan a meeting", "Resolution book", "Past", "Regular meeting"],
        labels,
    )
    assert "Sinh hoạt chi bộ" not in unit_meetings

    plan = _page(client, reverse("meetings:plan", args=["B"]))
    _assert_english(
        plan, ["Plan a meeting", "Meeting type", "Meeting date", "Online meeting"], labels
    )
    assert "Lên kế hoạch" not in plan and "Loại cuộc họp" not in plan

    detail = _page(client, reverse("meetings:detail", args=[meeting.pk]))
    _assert_english(
        detail,
        [
            "Regular meeting on 10/05/2024",
            "When",
            "Attendance",
            "Minutes",
            "Review of the past period",
            "Resolutions",
            "Documents",
            "Record an amendment",
            "1 in favour, 0 against, 0 abstaining",
        ],
        labels,
    )
    for heading in ("Điểm danh", "Biên bản", "Nghị quyết", "Tài liệu", "Thời gian", "ngày"):
        assert heading not in _visible(detail), heading

    report = _page(
        client, reverse("meetings:report", args=["B"]) + "?from=01/01/2024&to=30/06/2024"
    )
    _assert_english(
        report,
        [
            "Party activity report",
            "From (dd/mm/yyyy)",
            "Attendance rate",
            "Meetings in the period",
            "Warnings",
            "1/2 present",
        ],
        labels,
    )
    assert "Báo cáo sinh hoạt đảng" not in report and "Tỉ lệ dự họp" not in report


def test_committee_reads_the_report_of_a_commune_in_english(cast: Cast) -> None:
    _closed_meeting(cast)
    client = _english(cast.client("committee"))
    report = _page(
        client, reverse("meetings:report", args=["C"]) + "?from=01/01/2024&to=30/06/2024"
    )
    _assert_english(
        report,
        ["Party activity report", "By subordinate unit", "Total", "Regular: held / due"],
        _vietnamese_labels(),
    )


def test_member_reads_their_own_page_in_english(cast: Cast) -> None:
    meeting = _closed_meeting(cast)
    client = _english(cast.client("member"))
    me = _page(client, reverse("meetings:me") + f"?year={meeting.on.year}")
    _assert_english(
        me,
        [
            "My meetings",
            "Upcoming meetings",
            "Attendance in 2024",
            "Branch resolutions in 2024",
            "Calendar on your phone",
            "Present",
        ],
        _vietnamese_labels(),
    )
    assert "Sinh hoạt của tôi" not in me and "Lịch họp sắp tới" not in me


def test_home_page_activity_warnings_in_english(cast: Cast) -> None:
    client = _english(cast.client("secretary"))
    home = _page(client, reverse("web:home"))
    assert "Party activities" in _visible(home)
    assert "Party activity report" in _visible(home)
    assert "Sinh hoạt đảng" not in home and "Báo cáo sinh hoạt đảng" not in home
