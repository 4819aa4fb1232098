"""The catalogue of Regulation 37-QĐ/TW (25/10/2021), "things Party members must not do", as
versioned data installed after `migrate` (so by `coso init`) when missing. An installed
version is never changed here: a newer regulation is a new version beside it.

The topics are sure (brief section 5); the article numbers 1–5, 9, 14 and 19 are sure, the
others follow the order of the text as reported and are marked unsure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

REF = "Quy định 37-QĐ/TW (25/10/2021), điều {n}"
_SURE = {1, 2, 3, 4, 5, 9, 14, 19}

_ITEMS = [
    "Nói, viết, làm trái hoặc không thực hiện Cương lĩnh chính trị, Điều lệ Đảng, nghị quyết, "
    "chỉ thị, quy định, quyết định của Đảng; làm những việc pháp luật không cho phép",
    "Vi phạm nguyên tắc tổ chức và hoạt động của Đảng (tập trung dân chủ, tự phê bình và phê "
    "bình, đoàn kết thống nhất)",
    "Xuyên tạc, phủ nhận chủ nghĩa Mác – Lênin, tư tưởng Hồ Chí Minh, đường lối của Đảng",
    "Làm lộ, làm mất, mua bán tài liệu, thông tin bí mật của Đảng và Nhà nước",
    "Viết, đăng tải, phát tán thông tin sai sự thật, nội dung xấu, độc",
    "Tố cáo mạo danh, nặc danh, sai sự thật; trù dập, trả thù người khiếu nại, tố cáo",
    "Tổ chức, tham gia hội, nhóm trái phép; lập, tham gia nhóm lợi ích, bè phái",
    "Kê khai lý lịch, tài sản, thu nhập không trung thực; sử dụng văn bằng, chứng chỉ giả",
    "Chạy chức, chạy quyền, mua chức, mua quyền; lợi dụng chức vụ để trục lợi",
    "Can thiệp, tác động trái phép vào hoạt động điều tra, truy tố, xét xử, thi hành án, "
    "kiểm tra, thanh tra, kiểm toán",
    "Bao che, tiếp tay; bố trí, đề bạt người thân không đủ tiêu chuẩn (lợi ích nhóm, gia đình)",
    "Tham nhũng, tiêu cực, đưa, nhận, môi giới hối lộ",
    "Cho vay nặng lãi, huy động, cho vay trái pháp luật",
    "Kinh doanh những ngành, nghề pháp luật cấm; kinh doanh trái quy định",
    "Gây lãng phí tài sản, ngân sách, tài nguyên của Nhà nước",
    "Vi phạm chính sách dân số, hôn nhân và gia đình, bình đẳng giới",
    "Đánh bạc, sử dụng ma túy, tham gia tệ nạn xã hội",
    "Tổ chức, tham gia hoạt động mê tín dị đoan",
    "Thờ ơ, vô cảm, không đấu tranh trước việc làm sai trái; không nêu gương",
]

REGULATION_37: dict[str, Any] = {
    "code": "37-QĐ/TW",
    "version": 1,
    "name": "Quy định 37-QĐ/TW về những điều đảng viên không được làm",
    "source": "Quy định 37-QĐ/TW của Ban Chấp hành Trung ương (25/10/2021), 19 điều",
    "effective_from": dt.date(2021, 10, 25),
    "confidence": "likely",
    "note": (
        "Chủ đề các điều [sure]; số điều 1–5, 9, 14, 19 [sure], các số điều khác theo thứ tự "
        "đọc được [unsure]. Mô tả là tóm tắt, không phải nguyên văn."
    ),
    "items": [
        {
            "code": f"Đ{n}",
            "description": text,
            "reference": REF.format(n=n),
            "confidence": "sure" if n in _SURE else "unsure",
        }
        for n, text in enumerate(_ITEMS, start=1)
    ],
}

CATALOGUES: list[dict[str, Any]] = [REGULATION_37]


def install_catalogues() -> int:
    """Add the shipped catalogue versions that are missing (by code and version)."""
    from coso.oversight.models import ViolationCatalogue, ViolationItem

    added = 0
    for spec in CATALOGUES:
        if ViolationCatalogue.objects.filter(code=spec["code"], version=spec["version"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k != "items"}
        catalogue = ViolationCatalogue.objects.create(**fields)
        ViolationItem.objects.bulk_create(
            [
                ViolationItem(catalogue=catalogue, order=i, **item)
                for i, item in enumerate(spec["items"])
            ]
        )
        added += 1
    return added


def install_after_migrate(*_args: Any, **_kwargs: Any) -> None:
    install_catalogues()
