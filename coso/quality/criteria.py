"""The content of a criteria set: checked, and written or read as plain lines for the page.

Line format (one criterion or sub-criterion per line, fields separated by " | "):
    pass: 80
    + T1 | Good working regulations | guidance
      - T1.1 | Has working regulations | 10 | guidance
    ! K1 | No violations | guidance
"""

from __future__ import annotations

import re
from typing import Any

from coso.core.errors import CosoError

_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,20}$")


def check_content(content: Any) -> dict[str, Any]:
    """The content normalised; CosoError naming the criterion when it is wrong."""
    if not isinstance(content, dict):
        raise CosoError("Nội dung bộ tiêu chí phải có các mục «good» và «no».")
    good, no = content.get("good"), content.get("no", [])
    if not isinstance(good, list) or not good:
        raise CosoError("Bộ tiêu chí cần ít nhất một tiêu chí «tốt».")
    if not isinstance(no, list):
        raise CosoError("Mục «no» (tiêu chí «không») phải là một danh sách.")
    seen: set[str] = set()

    def code_of(item: Any, where: str) -> str:
        if not isinstance(item, dict):
            raise CosoError(f"{where}: cần mã và tên.")
        code = str(item.get("code", "")).strip()
        if not _CODE.match(code):
            raise CosoError(f"{where}: mã «{code}» không hợp lệ (chữ, số, dấu chấm, tối đa 20).")
        if code in seen:
            raise CosoError(f"{where}: mã «{code}» bị trùng.")
        seen.add(code)
        if not str(item.get("title", "")).strip():
            raise CosoError(f"{where} «{code}»: thiếu tên tiêu chí.")
        return code

    out_good: list[dict[str, Any]] = []
    for i, criterion in enumerate(good, start=1):
        code = code_of(criterion, f"Tiêu chí «tốt» thứ {i}")
        subs = criterion.get("sub") or []
        if not subs:
            raise CosoError(f"Tiêu chí «{code}»: cần ít nhất một tiêu chí con có điểm.")
        out_subs = []
        for j, sub in enumerate(subs, start=1):
            sub_code = code_of(sub, f"Tiêu chí con thứ {j} của «{code}»")
            try:
                points = int(sub.get("points"))
            except (TypeError, ValueError):
                raise CosoError(f"Tiêu chí con «{sub_code}»: điểm phải là số nguyên.") from None
            if not 0 < points <= 100:
                raise CosoError(f"Tiêu chí con «{sub_code}»: điểm từ 1 đến 100.")
            out_subs.append(
                {
                    "code": sub_code,
                    "title": str(sub["title"]).strip(),
                    "points": points,
                    "guidance": str(sub.get("guidance", "")).strip(),
                }
            )
        out_good.append(
            {
                "code": code,
                "title": str(criterion["title"]).strip(),
                "guidance": str(criterion.get("guidance", "")).strip(),
                "sub": out_subs,
            }
        )
    out_no = []
    for i, criterion in enumerate(no, start=1):
        code = code_of(criterion, f"Tiêu chí «không» thứ {i}")
        out_no.append(
            {
                "code": code,
                "title": str(criterion["title"]).strip(),
                "guidance": str(criterion.get("guidance", "")).strip(),
            }
        )
    total = sum(int(s["points"]) for c in out_good for s in c["sub"])
    try:
        pass_points = int(content.get("pass_points", total))
    except (TypeError, ValueError):
        raise CosoError("Điểm đạt phải là số nguyên.") from None
    if not 0 < pass_points <= total:
        raise CosoError(f"Điểm đạt {pass_points} phải từ 1 đến tổng điểm {total}.")
    return {"pass_points": pass_points, "good": out_good, "no": out_no}


def to_lines(content: dict[str, Any]) -> str:
    lines = [f"pass: {content.get('pass_points', '')}"]
    for c in content.get("good", []):
        lines.append(f"+ {c['code']} | {c['title']} | {c.get('guidance', '')}".rstrip(" |"))
        for s in c.get("sub", []):
            lines.append(
                f"  - {s['code']} | {s['title']} | {s['points']} | {s.get('guidance', '')}".rstrip(
                    " |"
                )
            )
    for c in content.get("no", []):
        lines.append(f"! {c['code']} | {c['title']} | {c.get('guidance', '')}".rstrip(" |"))
    return "\n".join(lines)


def from_lines(text: str) -> dict[str, Any]:
    """The content typed as lines (see the module's doc); CosoError naming the line."""
    content: dict[str, Any] = {"good": [], "no": []}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.lower().startswith("pass:"):
            content["pass_points"] = line[5:].strip()
            continue
        mark, rest = line[0], line[1:].strip()
        parts = [p.strip() for p in rest.split("|")]
        if mark == "+" and len(parts) >= 2:
            content["good"].append(
                {"code": parts[0], "title": parts[1], "guidance": " | ".join(parts[2:]), "sub": []}
            )
        elif mark == "-" and len(parts) >= 3:
            if not content["good"]:
                raise CosoError(f"Dòng {number}: tiêu chí con phải đứng sau một tiêu chí «+».")
            content["good"][-1]["sub"].append(
                {
                    "code": parts[0],
                    "title": parts[1],
                    "points": parts[2],
                    "guidance": " | ".join(parts[3:]),
                }
            )
        elif mark == "!" and len(parts) >= 2:
            content["no"].append(
                {"code": parts[0], "title": parts[1], "guidance": " | ".join(parts[2:])}
            )
        else:
            raise CosoError(
                f"Dòng {number}: không hiểu «{line[:60]}» (dùng «+ mã | tên», "
                "«- mã | tên | điểm», «! mã | tên»)."
            )
    return check_content(content)
