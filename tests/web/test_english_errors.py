"""Issue 13 point 14: in English mode, what goes wrong is said in English — import reasons and
summary, refusals of member and unit operations, the online-eligibility text.

Messages are built with gettext where they are made (operations, imports), in the language
active then: the request's, or, for a background import, the language of the page that started
it (`ImportJob.language`). Data quoted in a message (names, codes) stays as it is, so the checks
remove it before looking for Vietnamese letters.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from coso.core.errors import CosoError, RowErrors
from coso.meetings.operations import online_eligibility
from coso.members import operations as member_ops
from coso.members.imports import import_members
from coso.members.models import Member
from coso.units import operations as unit_ops
from coso.web import imports
from coso.web.models import ImportJob, ImportStatus

VIETNAMESE = re.compile(
    "[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE
)
HEADER = "member_id,card_no,full_name,gender,birth_date,branch,admitted_on,official_on"
BAD = (
    f"{HEADER}\n"
    "IMP-1,,Dang Van Tung,robot,12/04/1985,B,03/02/2010,03/02/2011\n"
    "IMP-2,,Le Thi Mai,female,01/06/1990,B,19/05/2015,01/01/2015\n"
    "IMP-3,,Ho Van Nam,male,01/01/1990,4401,19/05/2015,\n"
)


def _no_vietnamese(text: str, *data: str) -> None:
    for value in data:
        text = text.replace(value, "")
    found = VIETNAMESE.findall(text)
    assert not found, f"Vietnamese left in: {text!r}"


def _english(client: Client) -> Client:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_a_browser_import_refused_in_english(
    cast: Any, var_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = _english(cast.client("secretary"))
    upload = SimpleUploadedFile("bad.csv", BAD.encode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:imports"), {"kind": "members", "file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.language == "en"
    imports.run_import_job.call(str(job.token))  # the worker, with no request of its own
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert [e[3] for e in job.errors] == [
        "gender «robot» is not valid (nam/nữ or male/female)",
        "official date 01/01/2015 is before the admission date 19/05/2015",
        "no unit with code «4401» within your assigned scope",
    ]
    assert job.summary == "3 errors, no changes were recorded."
    body = client.get(reverse("web:import_progress", args=[job.token])).content.decode()
    assert "3 errors; no changes were recorded." in body and "Finished: 100%" in body
    _no_vietnamese(re.sub(r"<[^>]+>", " ", body), "nam/nữ")
    assert not Member.objects.filter(member_id__startswith="IMP-").exists()


def test_an_import_in_vietnamese_stays_vietnamese(tmp_path: Path, cast: Any) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    with pytest.raises(RowErrors) as caught:
        import_members(path, progress=False)
    assert caught.value.errors[0].reason.startswith("giới tính «robot» không hợp lệ")


def test_import_reasons_and_the_success_summary_in_english(tmp_path: Path, cast: Any) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    with translation.override("en"), pytest.raises(RowErrors) as caught:
        import_members(path, progress=False)
    reasons = [e.reason for e in caught.value.errors]
    assert "no unit with code «4401»" in reasons
    for reason in reasons:
        _no_vietnamese(reason, "nam/nữ")


def _refusal(call: Any) -> str:
    with translation.override("en"), pytest.raises(CosoError) as caught:
        call()
    return str(caught.value)


def test_common_refusals_of_member_and_unit_operations_in_english(cast: Any) -> None:
    b1 = Member.objects.get(member_id="CAST-B1")
    names = (b1.full_name, cast.B.code)
    # Recognition before the 12 months of probation are over.
    text = _refusal(lambda: member_ops.recognize_member(b1, decided_on=dt.date(2021, 6, 1)))
    assert text.startswith("Cannot recognize as an official member on 01/06/2021")
    _no_vietnamese(text, *names)
    # Admission under age.
    text = _refusal(
        lambda: member_ops.admit_member(
            member_id="NEW-1",
            full_name="Young Person",
            gender="male",
            birth_date=dt.date(2015, 1, 1),
            branch=cast.B,
            admitted_on=dt.date(2024, 1, 2),
        )
    )
    assert text.startswith("Cannot admit «NEW-1» on 02/01/2024") and "under 18" in text
    _no_vietnamese(text)
    # A unit with members cannot be dissolved; a rename to the same name is refused.
    text = _refusal(lambda: unit_ops.dissolve_unit(cast.B, on=dt.date(2024, 1, 2)))
    assert text.startswith("Cannot dissolve «B» on 02/01/2024")
    _no_vietnamese(text)
    span_name = unit_ops.current_span(cast.B, dt.date(2024, 1, 2)).name
    text = _refusal(lambda: unit_ops.rename_unit(cast.B, name=span_name, on=dt.date(2024, 1, 2)))
    assert text.startswith("Unit «B» is already named")
    _no_vietnamese(text, span_name)
    # The member's current status, translated too.
    text = _refusal(lambda: member_ops.return_from_exemption(b1, on=dt.date(2024, 1, 2)))
    _no_vietnamese(text, *names)


def test_online_eligibility_in_english(cast: Any) -> None:
    with translation.override("en"):
        verdict = online_eligibility(cast.B, dt.date(2024, 1, 2), unable_in_person=0)
    assert not verdict.allowed
    assert verdict.explanation.startswith("Branch «B» may not meet online on 02/01/2024")
    _no_vietnamese(verdict.explanation)
    with translation.override("en"):
        verdict = online_eligibility(cast.B, dt.date(2024, 1, 2), unable_in_person=5)
    assert verdict.allowed and verdict.explanation.endswith("members cannot meet in person.")


def test_a_refusal_page_in_english(cast: Any) -> None:
    client = _english(cast.client("committee"))
    response = client.post(
        reverse("web:member_recognize", args=["CAST-B1"]),
        {"on": "01/06/2021", "decision_number": "QD-EARLY"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    refusal = re.search(r'id="refusal".*?</div>', body, re.S)
    assert refusal is not None
    text = re.sub(r"<[^>]+>", " ", refusal.group(0))
    assert "Cannot recognize as an official member on 01/06/2021" in text
    _no_vietnamese(text, Member.objects.get(member_id="CAST-B1").full_name)


def test_placement_and_post_refusals_in_english(cast: Any) -> None:
    """The kinds' rules and the posts of a merger (issue 13, points 2 and 13) refuse in words of
    the reader's language, never codes."""
    on = dt.date(2024, 1, 2)
    text = _refusal(
        lambda: unit_ops.create_unit(code="NEW", name="New", kind="province", parent=cast.B, on=on)
    )
    assert text.startswith("Cannot place the new unit «NEW» under «B» on 02/01/2024")
    assert "«Provincial/municipal Party committee»" in text and "«province»" not in text
    _no_vietnamese(text)
    text = _refusal(lambda: unit_ops.move_unit(cast.B2, parent=cast.B, on=on))
    assert text.startswith("Cannot place «B2» (kind «Party branch (under a committee)»)")
    _no_vietnamese(text)
    with translation.override("vi"), pytest.raises(CosoError) as caught:
        unit_ops.move_unit(cast.B2, parent=cast.B, on=on)
    assert "không được đặt dưới loại «Chi bộ trực thuộc»" in str(caught.value)
