"""Quang Binh's real administrative units, read from the `vietnamadminunits` package.

The package ships the units as they stood before 01/07/2025 (`admin_units_legacy`), the units
after the reform (`admin_units`) and the official old-to-new mapping (`converter_2025.json`).
The demo builds its tree and its reform plan from these, so the codes are the real ones.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

PROVINCE_CODE = "44"
PROVINCE_KEY = "tinhquangbinh"
NEW_PROVINCE_KEY = "tinhquangtri"


@dataclass(frozen=True)
class District:
    code: str
    name: str  # "Huyện Bố Trạch"
    type: str  # "Huyện", "Thị xã", "Thành phố"
    key: str


@dataclass(frozen=True)
class Commune:
    code: str
    name: str  # "Thị trấn Hoàn Lão"
    type: str  # "Xã", "Phường", "Thị trấn"
    district: str  # district code
    key: str  # "tinhquangbinh_huyenbotrach_thitranhoanlao"

    @property
    def short(self) -> str:
        """The name without its type: "Hoàn Lão"."""
        return self.name[len(self.type) :].strip() if self.name.startswith(self.type) else self.name

    @property
    def urban(self) -> bool:
        return self.type in ("Phường", "Thị trấn")


@dataclass(frozen=True)
class NewCommune:
    code: str
    name: str  # "Xã Hoàn Lão"
    type: str  # "Xã", "Phường", "Đặc khu"
    sources: tuple[str, ...] = field(default=())  # legacy commune codes merged into it


def _data_dir() -> Path:
    # Located, not imported: importing the package loads pandas (seconds) for nothing.
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the vietnamadminunits package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _connect() -> sqlite3.Connection:
    # Read-only: the file belongs to an installed package.
    return sqlite3.connect(f"file:{_data_dir() / 'dataset.db'}?mode=ro", uri=True)


def _title_type(text: str) -> str:
    # The dataset writes "Thành Phố Đồng Hới" for the city but "Thành phố" as its type.
    return text[:1].upper() + text[1:].lower() if text else text


@cache
def legacy_units() -> tuple[tuple[District, ...], tuple[Commune, ...]]:
    """Quang Binh's districts and communes before 01/07/2025, ordered by code."""
    with _connect() as conn:
        rows = conn.execute(
            "SELECT districtCode, district, districtType, districtKey, wardCode, ward, wardType, "
            "wardKey FROM admin_units_legacy WHERE provinceCode = ? ORDER BY districtCode, wardCode",
            (PROVINCE_CODE,),
        ).fetchall()
    districts: dict[str, District] = {}
    communes: list[Commune] = []
    for d_code, d_name, d_type, d_key, w_code, w_name, w_type, w_key in rows:
        d_type = _title_type(d_type)
        if d_name.lower().startswith(d_type.lower()):
            d_name = d_type + d_name[len(d_type) :]
        districts.setdefault(d_code, District(d_code, d_name, d_type, d_key))
        communes.append(Commune(w_code, w_name, w_type, d_code, f"{PROVINCE_KEY}_{d_key}_{w_key}"))
    return tuple(districts.values()), tuple(sorted(communes, key=lambda c: c.code))


@cache
def reform_mapping() -> tuple[NewCommune, ...]:
    """The new commune-level units formed on 01/07/2025 from Quang Binh's communes."""
    _districts, communes = legacy_units()
    code_by_key = {c.key: c.code for c in communes}
    with _connect() as conn:
        new_rows = conn.execute(
            "SELECT wardKey, wardCode, ward, wardType FROM admin_units WHERE provinceKey = ?",
            (NEW_PROVINCE_KEY,),
        ).fetchall()
    new_by_key = {key: (code, name, kind) for key, code, name, kind in new_rows}
    data = json.loads((_data_dir() / "converter_2025.json").read_text(encoding="utf-8"))
    merged = data["DICT_PROVINCE_WARD_NO_DIVIDED"].get(NEW_PROVINCE_KEY, {})
    divided = data["DICT_PROVINCE_WARD_DIVIDED"].get(NEW_PROVINCE_KEY, {})
    sources: dict[str, list[str]] = {}
    for new_key, old_keys in merged.items():
        for old_key in old_keys:
            if old_key in code_by_key:
                sources.setdefault(new_key, []).append(code_by_key[old_key])
    # A commune split between several new ones goes, as a Party unit, to the default one.
    for old_key, targets in divided.items():
        if old_key in code_by_key:
            default = next((t for t in targets if t.get("isDefaultNewWard")), targets[0])
            sources.setdefault(default["newWardKey"], []).append(code_by_key[old_key])
    result = []
    for new_key, codes in sources.items():
        code, name, kind = new_by_key[new_key]
        result.append(NewCommune(code, name, kind, tuple(sorted(set(codes)))))
    covered = sorted(c for n in result for c in n.sources)
    if covered != sorted(c.code for c in communes):
        missing = sorted({c.code for c in communes} - set(covered))
        raise ValueError(f"converter_2025.json does not map every commune of 44: {missing}")
    return tuple(sorted(result, key=lambda n: n.code))
