"""The rule sets Coso ships with. `coso init` loads any that are missing.

Each number cites its regulation; confidence follows the domain brief ([sure]/[likely]/[unsure]).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

ALL_KINDS = [
    "central",
    "province",
    "district",
    "commune",
    "grassroots_committee",
    "grassroots_branch",
    "partial_committee",
    "branch",
    "group",
]

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "code": "charter",
        "effective_from": dt.date(2011, 1, 19),
        "source": "Điều lệ Đảng (2011), điều 4, 5, 8, 21, 24; HD 01-HD/TW",
        "confidence": "sure",
        "values": {
            "admission_min_age": 18,
            "admission_max_age": 60,
            "probation_months": 12,
            "admission_ceremony_working_days": 30,
            "recognition_window_working_days": 30,
            "readmissions_allowed": 1,
            "min_official_members": 3,
            "grassroots_committee_min_members": 30,
            "branch_committee_min_members": 9,
            "strike_off_missed_months": 3,
        },
    },
    {
        "code": "transfer",
        "effective_from": dt.date(2011, 1, 19),
        "source": "HD 01-HD/TW (2021) mục chuyển sinh hoạt đảng",
        "confidence": "likely",
        "values": {"present_letter_working_days": 30, "official_transfer_working_days": 60},
    },
    {
        "code": "transfer",
        "effective_from": dt.date(2025, 7, 1),
        "source": "Quy định 294-QĐ/TW (26/05/2025), mục 6.3.1",
        "confidence": "sure",
        "values": {"present_letter_working_days": 30, "official_transfer_working_days": 60},
    },
    {
        "code": "exemption",
        "effective_from": dt.date(2022, 1, 1),
        "source": "HD 12-HD/BTCTW (2022); Quy định 294-QĐ/TW (2025)",
        "confidence": "sure",
        "values": {"men_min_age": 60, "women_min_age": 55, "illness_min_months": 3},
    },
    {
        "code": "badges",
        "effective_from": dt.date(2021, 1, 1),
        "source": "Quy định về Huy hiệu Đảng (2021)",
        "confidence": "sure",
        "values": {
            "party_years": [30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90],
            "award_days": ["02-03", "05-19", "09-02", "11-07"],
            "early_months_up_to_65": 12,
            "early_months_from_70": 24,
        },
    },
    {
        "code": "readmission",
        "effective_from": dt.date(2016, 7, 25),
        "source": "Quy định 29-QĐ/TW (2016), 24-QĐ/TW (2021), 294-QĐ/TW (2025), điểm 3.5.1 b",
        "confidence": "sure",
        "values": {"min_months_out": 36},
        "note": (
            "Ít nhất 36 tháng kể từ khi ra khỏi Đảng (60 tháng sau khi xóa án tích với người bị "
            "án hình sự về tội ít nghiêm trọng: chưa kiểm tra). Trước 2016 dùng cùng giá trị [likely]."
        ),
    },
    {
        "code": "dues",
        "effective_from": dt.date(2010, 1, 1),
        "source": "Quyết định 342-QĐ/TW (2010)",
        "confidence": "sure",
        "values": {
            "salaried_percent": 1.0,
            "pensioner_percent": 0.5,
            "fixed_monthly_vnd": [10000, 8000, 6000, 4000],
            "levels_share_percent": None,
        },
        "note": "Tỷ lệ trích nộp lên các cấp chưa được xác định [unsure].",
    },
    {
        "code": "unit_kinds",
        "effective_from": dt.date(1930, 2, 3),
        "source": "Điều lệ Đảng; Quy định 294-QĐ/TW (2025) — cho phép cả mô hình trước và sau 01/07/2025",
        "confidence": "sure",
        "values": {
            "allowed_children": {
                "central": ["province", "commune", "grassroots_committee", "grassroots_branch"],
                "province": ["district", "commune", "grassroots_committee", "grassroots_branch"],
                "district": ["commune", "grassroots_committee", "grassroots_branch"],
                # From 01/07/2025 village branches sit directly under the commune committee.
                "commune": [
                    "grassroots_committee",
                    "grassroots_branch",
                    "partial_committee",
                    "branch",
                    "commune",
                ],
                "grassroots_committee": ["partial_committee", "branch"],
                "partial_committee": ["branch"],
                "grassroots_branch": ["group"],
                "branch": ["group"],
                "group": [],
            },
            "root_kinds": ["central", "province"],
            "home_kinds": ["branch", "grassroots_branch"],
        },
    },
    {
        "code": "meetings",
        "effective_from": dt.date(2011, 1, 19),
        "source": (
            "Điều lệ Đảng (2011), điều 24; HD 12-HD/BTCTW (2022); HD 03-HD/TW (27/12/2022) về "
            "sinh hoạt trực tuyến và theo tổ đảng; Chỉ thị 50-CT/TW (23/07/2025)"
        ),
        "confidence": "likely",
        "values": {
            # Charter art. 24: the branch meets every month [sure].
            "regular_per_month": 1,
            # HD 12-HD/BTCTW: a thematic meeting at least once a quarter [likely].
            "thematic_per_quarter": 1,
            # HD 03-HD/TW: online when more than half of the members (exempt and suspended not
            # counted) cannot meet in person [sure]; fractions as [numerator, denominator].
            "online_unable_more_than": [1, 2],
            # HD 03-HD/TW: units that cannot leave their post (armed forces, border, police) [sure].
            "online_special_categories": ["border", "armed_forces", "police", "special"],
            # Two thirds of those summoned, as for congresses [likely]; for monthly meetings no
            # specific rule was found [unsure].
            "quorum_at_least": [2, 3],
            # Charter art. 8: absent without reason 3 months in a year: ground for striking off.
            "absent_months_strike_off": 3,
            # A warning threshold chosen by the organization office, not a regulation [unsure].
            "attendance_warning_rate": 0.7,
            # How long an online meeting's check-in stays open once opened (app setting) [unsure].
            "check_in_window_minutes": 120,
            "upload_max_bytes": 10 * 1024 * 1024,
            "upload_types": ["pdf", "docx", "xlsx", "png", "jpg", "jpeg"],
        },
        "note": (
            "Số tháng, tỉ lệ đại biểu (2/3) [likely]; ngưỡng cảnh báo tỉ lệ dự họp, cửa sổ điểm "
            "danh trực tuyến và giới hạn tệp là thông số vận hành [unsure]."
        ),
    },
]

DEFAULT_RULES += [
    {
        "code": "followup",
        "effective_from": dt.date(2011, 1, 19),
        "source": (
            "Điều lệ Đảng (2011), điều 9 (cấp dưới chấp hành nghị quyết, chỉ thị của cấp trên); "
            "thông lệ học tập, quán triệt và xây dựng chương trình hành động; Quy định 08-QC/TW "
            "(11/2025) về theo dõi nhiệm vụ trên hệ thống dữ liệu"
        ),
        "confidence": "unsure",
        "values": {
            # Days after the cascade by which the unit holds its study session (học tập,
            # quán triệt) and adopts its action plan; months between progress reports and how
            # many reports; the form may give other values for one cascade.
            "study_days": 30,
            "plan_days": 45,
            "report_every_months": 6,
            "reports": 2,
            # Home-page reminders: steps due within this many days (and overdue ones).
            "reminder_days": 14,
        },
        "note": (
            "Không tìm thấy văn bản quy định thời hạn chung; mỗi văn bản cấp trên thường tự nêu "
            "thời hạn. Đây là thông số vận hành mặc định [unsure]."
        ),
    },
]

DEFAULT_RULES += [
    {
        "code": "petitions",
        "effective_from": dt.date(2012, 7, 1),
        "source": (
            "Luật Khiếu nại 2011 (02/2011/QH13), điều 27 (thụ lý trong 10 ngày), điều 28 "
            "(giải quyết lần đầu trong 30 ngày, phức tạp 45 ngày), điều 37 (lần hai 45 ngày, "
            "phức tạp 60 ngày); Luật Tố cáo 2018 (25/2018/QH14), điều 30 (30 ngày); "
            "Luật Tiếp công dân 2013 (kiến nghị, phản ánh)"
        ),
        "confidence": "unsure",
        "values": {
            # Calendar days from receipt to the deadline of a first handling, by kind, and from
            # an escalation to the higher unit's deadline.
            "petition_days": 30,
            "complaint_days": 30,
            "denunciation_days": 30,
            "escalated_days": 45,
        },
        "note": (
            "Thời hạn theo luật tính từ ngày thụ lý, không phải ngày nhận; vùng sâu, vùng xa được "
            "kéo dài (45/60 ngày). Kiến nghị, phản ánh không có thời hạn chung trong luật; 30 "
            "ngày là thông số vận hành mặc định [unsure]."
        ),
    },
    {
        "code": "households",
        "effective_from": dt.date(2011, 1, 19),
        "source": (
            "Thông lệ phân công đảng viên phụ trách hộ gia đình (Quy định 213-QĐ/TW 2020 về "
            "đảng viên giữ mối liên hệ với nơi cư trú); không có định mức chung"
        ),
        "confidence": "unsure",
        "values": {
            # Months between the visits a responsible member is expected to make.
            "visit_every_months": 3,
            # Assignments of committee members: months between periodic reports.
            "assignment_report_every_months": 6,
        },
    },
]

# Who proposes and who decides each act (brief section 2b). A decider is "self" (the unit
# named by the act decides by its own resolution: exemption, the branch's own discipline),
# "parent" (the committee directly above: reorganizations) or a list of unit kinds: the nearest
# committee above the member's branch whose kind is listed (falling back to the province).
# Administrators adjust these to a province's delegation by adding a newer version.
_MEMBER_ACTS_DECIDED_ABOVE = (
    "admit",
    "recognize",
    "reject_recognition",
    "strike_off",
    "expel",
    "leave",
    "readmit",
    "transfer_out",
    "transfer_out_of_system",
    "removal_from_post",
    "expulsion",
)
_BRANCH_DECIDES = ("exempt", "return", "reprimand", "warning")
_UNIT_ACTS = ("rename", "retype", "retag", "move", "merge", "dissolve")


def _authority(committees: list[str]) -> dict[str, Any]:
    acts: dict[str, Any] = {
        act: {"proposer": "branch", "decider": committees} for act in _MEMBER_ACTS_DECIDED_ABOVE
    }
    acts.update({act: {"proposer": "branch", "decider": "self"} for act in _BRANCH_DECIDES})
    acts.update({act: {"proposer": "unit", "decider": "parent"} for act in _UNIT_ACTS})
    # Creating a unit under U: U proposes, the committee of U decides (it is directly above).
    acts["create"] = {"proposer": "unit", "decider": "self"}
    # Assessment decisions (follow-through issue): the competent committee above the unit.
    acts["assessment"] = {"proposer": "unit", "decider": "parent"}
    # Annual quality classification (Regulation 124-QĐ/TW, 366-QĐ/TW): a unit's by the committee
    # directly above; a member's by the grassroots level (the grassroots branch itself, or the
    # nearest grassroots or commune-level committee above the member's branch).
    acts["classify_unit"] = {"proposer": "unit", "decider": "parent"}
    acts["classify_member"] = {
        "proposer": "branch",
        "decider": {"at_or_above": ["grassroots_branch", "grassroots_committee", "commune"]},
    }
    # Discipline of organizations (Charter art. 36; Regulation 69-QĐ/TW): the committee directly
    # above decides reprimand and warning; dissolution is proposed by the committee directly
    # above and approved one level higher [likely]: kept here as "parent" (the committee directly
    # above records the decision, with the higher level's approval in its number) [unsure].
    # The organization's own resolution is its proposal (self-criticism); usually the
    # committee above records the decision directly on its inspection commission's proposal.
    for act in ("unit_reprimand", "unit_warning", "unit_dissolution"):
        acts[act] = {"proposer": "unit", "decider": "parent"}
    # Reminders to the deciding committee: this many working days before the deadline (and on
    # the first day overdue); an operating choice, not a regulation [unsure].
    return {"acts": acts, "decision_working_days": 30, "reminder_working_days_before": [5]}


DEFAULT_RULES += [
    {
        "code": "authority",
        "effective_from": dt.date(2011, 1, 19),
        "source": (
            "Điều lệ Đảng (2011), điều 4, 8, 24, 36; HD 01-HD/TW (2021) mục 3, 4: chi bộ đề nghị, "
            "ban thường vụ huyện ủy và tương đương (hoặc đảng ủy cơ sở được ủy quyền) quyết định"
        ),
        "confidence": "sure",
        "values": _authority(["district"]),
        "note": (
            "Đảng ủy cơ sở được ủy quyền kết nạp, công nhận chính thức: thêm "
            "«grassroots_committee» vào danh sách cấp quyết định [likely]. Thời hạn xem xét 30 "
            "ngày làm việc theo thời hạn xét công nhận chính thức [unsure]. Nhắc cấp quyết định "
            "5 ngày làm việc trước hạn và ngày đầu quá hạn: thông số vận hành [unsure]."
        ),
    },
    {
        "code": "authority",
        "effective_from": dt.date(2025, 7, 1),
        "source": (
            "Quy định 294-QĐ/TW (26/05/2025); kết thúc cấp huyện từ 01/07/2025: đảng ủy xã, "
            "phường, đặc khu và đảng ủy trực thuộc tỉnh ủy quyết định khi được tỉnh ủy giao"
        ),
        "confidence": "likely",
        "values": _authority(["commune"]),
        "note": (
            "Cấp quyết định theo phân cấp của từng tỉnh ủy [likely]. Nhắc cấp quyết định 5 ngày "
            "làm việc trước hạn và ngày đầu quá hạn: thông số vận hành [unsure]."
        ),
    },
]


# Annual quality classification of organizations and members (brief section 4). A year Y is
# judged by the version in force on 31/12/Y: Regulation 124 for 2023 and 2024, 366 from 2025.
_RATED_UNIT_KINDS = [
    "district",
    "commune",
    "grassroots_committee",
    "grassroots_branch",
    "partial_committee",
    "branch",
]


def _classification(regulation: str, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "regulation": regulation,
        "levels": ["excellent", "good", "complete", "not_complete"],
        "rated_unit_kinds": _RATED_UNIT_KINDS,
        # Excellent at most ratio (numerator, denominator) of those rated in `of`, within a
        # comparable group: units of one kind and category under one deciding committee;
        # members decided by one committee. None: no quota.
        "excellent_quota": {"ratio": [1, 5], "of": ["excellent", "good"]},
        # A unit disciplined in the year (not self-detected) is rated at most this level.
        "unit_disciplined_max": "good",
        # A member disciplined in the year is rated at most this level [likely].
        "member_disciplined_max": "complete",
        # The 100-point bands, highest first: [lowest score, level]; None: no score.
        "bands": None,
        # The "clean and strong" organizations of the year: the levels counted [unsure].
        "clean_strong_levels": ["excellent", "good"],
    }
    values.update(extra)
    return values


_BANDS_366 = [[90, "excellent"], [70, "good"], [50, "complete"], [0, "not_complete"]]

DEFAULT_RULES += [
    {
        "code": "classification",
        "effective_from": dt.date(2018, 3, 8),
        "source": "Quy định 132-QĐ/TW (08/03/2018) về kiểm điểm và đánh giá, xếp loại chất lượng",
        "confidence": "likely",
        "values": _classification("132-QĐ/TW"),
        "note": "Giữ để xếp loại các năm trước 2023; giá trị như Quy định 124 [likely].",
    },
    {
        "code": "classification",
        "effective_from": dt.date(2023, 10, 4),
        "source": (
            "Quy định 124-QĐ/TW (04/10/2023): «Hoàn thành xuất sắc» không quá 20% số được xếp "
            "«Hoàn thành tốt» trong nhóm tương đồng; tổ chức đảng bị kỷ luật (không tự phát hiện) "
            "không được xếp «Hoàn thành xuất sắc»"
        ),
        "confidence": "sure",
        "values": _classification("124-QĐ/TW"),
        "note": (
            "Hạn mức 20% tính trên số được xếp «Hoàn thành tốt» trở lên trong nhóm [sure]; mức "
            "trần của đảng viên bị kỷ luật trong năm là thông số cấu hình [likely]."
        ),
    },
    {
        "code": "classification",
        "effective_from": dt.date(2025, 8, 30),
        "source": (
            "Quy định 366-QĐ/TW (30/08/2025): thang 100 điểm, từ 90 «Hoàn thành xuất sắc», 70 "
            "đến dưới 90 «Hoàn thành tốt», 50 đến dưới 70 «Hoàn thành», dưới 50 «Không hoàn thành»"
        ),
        "confidence": "likely",
        "values": _classification("366-QĐ/TW", bands=_BANDS_366),
        "note": (
            "Các khung điểm từ 50 trở lên [sure], dưới 50 «Không hoàn thành» [likely]. Việc giữ "
            "hạn mức 20% «Hoàn thành xuất sắc» [unsure]: đặt «excellent_quota» là null để bỏ."
        ),
    },
]


# Discipline (brief section 5): the forms each subject may receive, and the statute of
# limitations in years per form (None: no limitation), counted from the day of the violation
# and restarted by a newer violation within the period (coso/oversight/statute.py).
def _discipline(**extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "member_forms": ["reprimand", "warning", "removal_from_post", "expulsion"],
        "probationary_forms": ["reprimand", "warning"],
        "unit_forms": ["reprimand", "warning", "dissolution"],
        # Lightest first: an appeal may only reduce to an earlier form of the list.
        "severity": ["reprimand", "warning", "removal_from_post", "expulsion", "dissolution"],
        "limitation_years": {
            "member": {
                "reprimand": 5,
                "warning": 10,
                "removal_from_post": 10,
                "expulsion": None,
            },
            "unit": {"reprimand": 5, "warning": 10, "dissolution": None},
        },
        # A newer violation within the period restarts the clock from its day.
        "newer_violation_restarts": True,
    }
    values.update(extra)
    return values


DEFAULT_RULES += [
    {
        "code": "discipline",
        "effective_from": dt.date(2017, 11, 15),
        "source": (
            "Điều lệ Đảng (2011), điều 35, 36; Quy định 102-QĐ/TW (15/11/2017) xử lý kỷ luật đảng "
            "viên vi phạm, điều 3 (thời hiệu); Hướng dẫn 05-HD/UBKTTW (2018)"
        ),
        "confidence": "sure",
        "values": _discipline(),
        "note": (
            "Thời hiệu: 5 năm (mức khiển trách), 10 năm (cảnh cáo, cách chức); không áp dụng "
            "với mức khai trừ, giải tán [sure cho quy định 2017–2018]."
        ),
    },
    {
        "code": "discipline",
        "effective_from": dt.date(2022, 7, 6),
        "source": (
            "Quy định 69-QĐ/TW (06/07/2022) về kỷ luật tổ chức đảng, đảng viên vi phạm: tổ chức "
            "đảng — khiển trách, cảnh cáo, giải tán; đảng viên chính thức — khiển trách, cảnh "
            "cáo, cách chức, khai trừ; đảng viên dự bị — khiển trách, cảnh cáo"
        ),
        "confidence": "likely",
        "values": _discipline(),
        "note": (
            "Các hình thức kỷ luật [sure]; thời hiệu 5/10 năm như quy định 2017–2018 [likely] "
            "— quản trị hệ thống sửa bằng phiên bản mới nếu văn bản hiện hành khác."
        ),
    },
]
