"""A branch with real-looking names for the printed documents: Chi bộ thôn Tân Lập under
Đảng bộ xã Hoàn Lão under Đảng bộ tỉnh Quảng Bình; its secretary, three members (one
probationary), a closed meeting with minutes, attendance and two resolutions."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from pypdf import PdfReader

from coso.meetings import operations as mops
from coso.meetings.models import Meeting
from coso.members.models import Member
from coso.members.operations import admit_member, assign_position, recognize_member
from coso.units.models import Unit
from coso.units.operations import create_unit

START = dt.date(2010, 1, 4)
MEETING_DAY = dt.date(2026, 12, 5)


@dataclass
class Branch:
    province: Unit
    commune: Unit
    branch: Unit
    secretary: Member
    members: list[Member]
    meeting: Meeting


def pdf_text(data: bytes) -> str:
    """The PDF's text, read back (pypdf), as one string with single spaces."""
    assert data.startswith(b"%PDF"), data[:20]
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def build_branch() -> Branch:
    province = create_unit(
        code="44", name="Đảng bộ tỉnh Quảng Bình", kind="province", parent=None, on=START
    )
    commune = create_unit(
        code="19111", name="Đảng bộ xã Hoàn Lão", kind="commune", parent=province, on=START
    )
    branch = create_unit(
        code="19111-TL",
        name="Chi bộ thôn Tân Lập",
        kind="branch",
        parent=commune,
        on=START,
        tags=("village",),
    )
    people = [
        ("TL-01", "Nguyễn Văn Bình", "male", dt.date(1970, 4, 2)),
        ("TL-02", "Đặng Xuân Dũng", "male", dt.date(1985, 9, 14)),
        ("TL-03", "Trần Thị Hoa", "female", dt.date(1990, 1, 20)),
        ("TL-04", "Lê Thị Mai", "female", dt.date(2000, 6, 30)),
    ]
    members = []
    for member_id, name, gender, born in people:
        admitted = dt.date(2026, 3, 1) if member_id == "TL-04" else dt.date(2015, 5, 19)
        members.append(
            admit_member(
                member_id=member_id,
                full_name=name,
                gender=gender,
                birth_date=born,
                branch=branch,
                admitted_on=admitted,
                hometown="Hoàn Lão, Bố Trạch, Quảng Bình",
                residence="Thôn Tân Lập, xã Hoàn Lão",
                education="12/12, Đại học",
                occupation="Giáo viên",
                national_id=f"0442000{member_id[-2:]}99",
                ethnicity="Kinh",
                religion="Không",
            )
        )
    for m in members[:3]:
        recognize_member(m, decided_on=dt.date(2016, 5, 25))
    secretary = members[0]
    assign_position(secretary, branch, "secretary", on=dt.date(2025, 8, 1))
    meeting = mops.plan_meeting(
        branch,
        kind="regular",
        on=MEETING_DAY,
        place="Nhà văn hóa thôn Tân Lập",
        agenda="Đánh giá tháng 11; nhiệm vụ tháng 12",
    )
    mops.record_attendance(
        meeting,
        {"TL-01": "present", "TL-02": "present", "TL-03": "absent_excused", "TL-04": "present"},
        reasons={"TL-03": "Đi khám bệnh ở bệnh viện tỉnh"},
    )
    mops.write_minutes(
        meeting,
        review="Chi bộ hoàn thành thu hoạch lúa mùa.",
        tasks_ahead="Chuẩn bị đón Tết; ra quân làm đường giao thông nông thôn.",
        discussion="Đồng chí Dũng đề nghị tu sửa nhà văn hóa.",
        dues_collected_vnd=230000,
    )
    mops.adopt_resolution(
        meeting,
        title="Nghị quyết về ra quân làm đường giao thông nông thôn",
        text="Chi bộ thống nhất huy động đảng viên và nhân dân làm 500 m đường bê tông.",
        votes_for=3,
    )
    mops.adopt_resolution(meeting, title="Nghị quyết về giữ gìn vệ sinh môi trường", votes_for=3)
    meeting.refresh_from_db()
    return Branch(province, commune, branch, secretary, members, meeting)


@pytest.fixture
def tan_lap(db: object) -> Branch:
    return build_branch()
