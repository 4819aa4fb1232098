"""The criteria sets Coso ships with, installed after `migrate` (so by `coso init`) when
missing; an installed set is never changed here (officers change it by new versions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from coso.quality.criteria import check_content

GRASSROOTS_KINDS = ["grassroots_committee", "grassroots_branch", "partial_committee", "branch"]


def _sub(code: str, title: str, points: int, guidance: str = "") -> dict[str, Any]:
    return {"code": code, "title": title, "points": points, "guidance": guidance}


# Quang Binh "five good, four no" (2021–2025): the province's official text was not found; the
# criteria are built from the seed article (brief section 4) and marked as a template.
QUANG_BINH = {
    "family": "qb-5-tot-4-khong",
    "version": 1,
    "name": "Mô hình «5 tốt, 4 không» (Quảng Bình) — MẪU chờ văn bản chính thức",
    "unit_kinds": GRASSROOTS_KINDS,
    "categories": [],
    "effective_from": dt.date(2021, 1, 1),
    "source": (
        "Kế hoạch của Ban Thường vụ Tỉnh ủy Quảng Bình giai đoạn 2021–2025 và hướng dẫn của Ban "
        "Tổ chức Tỉnh ủy (chưa có văn bản gốc; dựng theo bài báo Nhân Dân)"
    ),
    "template": True,
    "note": (
        "Mẫu dựng từ mô tả trên báo, chờ văn bản chính thức của Tỉnh ủy: tiêu chí thứ năm và "
        "điểm số là giả định, tổ chức chỉnh lại bằng phiên bản mới."
    ),
    "content": {
        "pass_points": 80,
        "good": [
            {
                "code": "T1",
                "title": "Tốt về xây dựng và thực hiện quy chế làm việc",
                "guidance": "Quy chế theo quy định của Trung ương về chức năng, nhiệm vụ của "
                "từng loại hình tổ chức cơ sở đảng và hướng dẫn của cấp trên.",
                "sub": [
                    _sub("T1.1", "Có quy chế làm việc được ban hành, cập nhật", 10),
                    _sub("T1.2", "Thực hiện đúng nguyên tắc tập trung dân chủ", 10),
                ],
            },
            {
                "code": "T2",
                "title": "Tốt về ban hành nghị quyết đúng, sát thực tế",
                "guidance": "Nghị quyết cụ thể hóa nghị quyết cấp trên, sát nhiệm vụ chính trị.",
                "sub": [
                    _sub("T2.1", "Nghị quyết đúng, trúng, có chỉ tiêu cụ thể", 10),
                    _sub("T2.2", "Ghi sổ nghị quyết, lưu biên bản đầy đủ", 10),
                ],
            },
            {
                "code": "T3",
                "title": "Tốt về tổ chức thực hiện nghị quyết",
                "guidance": "Học tập, quán triệt, xây dựng kế hoạch và báo cáo tiến độ đúng hạn.",
                "sub": [
                    _sub("T3.1", "Học tập, quán triệt và có kế hoạch thực hiện đúng hạn", 10),
                    _sub("T3.2", "Hoàn thành các chỉ tiêu của nghị quyết", 10),
                ],
            },
            {
                "code": "T4",
                "title": "Tốt về chất lượng sinh hoạt đảng",
                "guidance": "Sinh hoạt thường kỳ hằng tháng, chuyên đề mỗi quý; tỉ lệ dự họp.",
                "sub": [
                    _sub("T4.1", "Họp đủ số buổi sinh hoạt thường kỳ và chuyên đề", 10),
                    _sub("T4.2", "Tỉ lệ đảng viên dự sinh hoạt cao", 10),
                ],
            },
            {
                "code": "T5",
                "title": "Tốt về xây dựng đội ngũ cán bộ, đảng viên (giả định, chờ văn bản)",
                "guidance": "Tiêu chí thứ năm chưa rõ trong nguồn: giữ chỗ để tỉnh điều chỉnh.",
                "sub": [
                    _sub("T5.1", "Đảng viên hoàn thành nhiệm vụ, nêu gương", 10),
                    _sub("T5.2", "Kết nạp đảng viên, phát triển đội ngũ", 10),
                ],
            },
        ],
        "no": [
            {
                "code": "K1",
                "title": "Không né tránh tự phê bình và phê bình",
                "guidance": "Kiểm điểm, tự phê bình và phê bình nghiêm túc.",
            },
            {
                "code": "K2",
                "title": "Không có tổ chức đảng vi phạm phải xử lý kỷ luật",
                "guidance": "Phòng ngừa vi phạm của tổ chức đảng.",
            },
            {
                "code": "K3",
                "title": "Không có đảng viên vi phạm những điều đảng viên không được làm "
                "(Quy định 37-QĐ/TW)",
                "guidance": "Gắn với Quy định 37-QĐ/TW.",
            },
            {
                "code": "K4",
                "title": "Không có vi phạm không được phát hiện, xử lý kịp thời",
                "guidance": "Kịp thời phát hiện, đấu tranh, ngăn chặn vi phạm (giả định, chờ "
                "văn bản).",
            },
        ],
    },
}

# The national "four good" model (Resolution 21-NQ/TW, 2022) [sure for the four criteria].
FOUR_GOOD = {
    "family": "4-tot-21-nq-tw",
    "version": 1,
    "name": "Mô hình «4 tốt» (Nghị quyết 21-NQ/TW, 2022)",
    "unit_kinds": GRASSROOTS_KINDS,
    "categories": [],
    "effective_from": dt.date(2022, 6, 16),
    "source": "Nghị quyết 21-NQ/TW (16/06/2022) về tăng cường củng cố, xây dựng tổ chức cơ sở "
    "đảng và nâng cao chất lượng đội ngũ đảng viên",
    "template": False,
    "note": "Bốn tiêu chí theo Nghị quyết [sure]; tiêu chí con và điểm là gợi ý, sửa được.",
    "content": {
        "pass_points": 80,
        "good": [
            {
                "code": "G1",
                "title": "Thực hiện tốt nhiệm vụ chính trị",
                "guidance": "",
                "sub": [_sub("G1.1", "Hoàn thành nhiệm vụ chính trị của địa phương, đơn vị", 25)],
            },
            {
                "code": "G2",
                "title": "Sinh hoạt đảng có chất lượng tốt",
                "guidance": "",
                "sub": [
                    _sub("G2.1", "Họp đủ sinh hoạt thường kỳ và chuyên đề", 15),
                    _sub("G2.2", "Tỉ lệ dự họp và chất lượng thảo luận", 10),
                ],
            },
            {
                "code": "G3",
                "title": "Đoàn kết, kỷ luật tốt",
                "guidance": "",
                "sub": [_sub("G3.1", "Nội bộ đoàn kết, không có vi phạm kỷ luật", 25)],
            },
            {
                "code": "G4",
                "title": "Đội ngũ cán bộ, đảng viên tốt",
                "guidance": "",
                "sub": [_sub("G4.1", "Cán bộ, đảng viên hoàn thành tốt nhiệm vụ, nêu gương", 25)],
            },
        ],
        "no": [],
    },
}

PRESETS: list[dict[str, Any]] = [QUANG_BINH, FOUR_GOOD]


def install_presets() -> int:
    """Add the shipped criteria sets that are missing (by family and version); returns how many."""
    from coso.quality.models import CriteriaSet

    added = 0
    for spec in PRESETS:
        if CriteriaSet.objects.filter(family=spec["family"], version=spec["version"]).exists():
            continue
        CriteriaSet.objects.create(**{**spec, "content": check_content(spec["content"])})
        added += 1
    return added


def install_after_migrate(*_args: Any, **_kwargs: Any) -> None:
    install_presets()
