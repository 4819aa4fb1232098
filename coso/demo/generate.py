"""`coso generate`: a synthetic registry of national shape at any size.

The tree follows the real geography of the `vietnamadminunits` dataset: the 34 provinces of 2025
(real codes and names, kept as provinces through the whole history — the 63→34 provincial merger
is not generated), the ~700 districts and ~10,000 communes that existed until 30/06/2025 (real
codes) and the 3,321 commune-level committees from 01/07/2025 (real codes, built from the
official old-to-new mapping). Before the reform each commune is a grassroots committee under its
district; on 01/07/2025 the districts end, the commune whose code the new commune kept becomes
the commune-level committee (retyped and moved under the province), the other communes merged
into it end, and their branches move under it. Committees directly under each province (Party
agencies, People's Committee, military, police, border guard, enterprises) are `district` kind
until 30/06/2025 and `commune` kind after, with grassroots committees, grassroots branches,
partial committees, branches and groups below them.

With `members=N`, N members are in the Party today (probationary + official, exactly); about a
fifth as many more have left the rolls over the decades (deceased, struck off, left, expelled,
not recognized). Histories run from 1960 to today: admission, probation of 12 months, official
status, transfers with an in-transit period counted by the sender, exemption of older members.

Rows are written with raw `executemany` in large batches on SQLite and with `COPY` on
PostgreSQL, member histories are computed with numpy a chunk at a time, and the secondary indexes
of the big tables (on PostgreSQL their foreign keys too) are dropped during the load and rebuilt
at the end (building a sorted index once is far cheaper than updating it for every row). The
result satisfies the model constraints and the time model of docs/ARCHITECTURE.md;
`DailyDelta` is rebuilt and the database analyzed at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction
from tqdm import tqdm

from coso.core.bulk import copy_rows, insert_rows
from coso.core.dates import FAR_FUTURE, today
from coso.core.errors import CosoError
from coso.core.models import Decision
from coso.members.models import (
    Member,
    MemberEvent,
    MemberSpan,
    NameWord,
    Participation,
)
from coso.members.names import WORD_COLUMNS, add_search_words, count_search_words, word_rows
from coso.members.operations import name_keys
from coso.outreach import tally as coverage_tally
from coso.outreach.bulk import generate_outreach
from coso.oversight.generate import generate_cases
from coso.stats.models import DailyDelta
from coso.stats.tally import MEMBER_GROUPS, SIGNS, add_member_groups, rebuild_all
from coso.units.models import SPAN_COLUMNS, Unit, UnitEvent, UnitSpan, search_keys

NATIONAL_MEMBERS = 5_600_000
MEMBERS_PER_BRANCH = 22
# Share of members ended over the decades, relative to those in the Party today.
ENDED_SHARE = 0.22
COMMUNE_SECTOR_SHARE = 0.55  # the rest live in committees directly under the provinces
GEN_START = dt.date(1955, 1, 1)  # every pre-reform unit exists from then (a simplification)
FIRST_ADMISSION = dt.date(1960, 1, 1)
REFORM_DAY = dt.date(2025, 7, 1)
ROOT_CODE = "TW"
MEMBER_CHUNK = 250_000
BATCH = 50_000

# -- names ----------------------------------------------------------------------------------
FAMILY = [
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 35),
    ("Huỳnh", 16),
    ("Phan", 45),
    ("Vũ", 25),
    ("Võ", 14),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 8),
    ("Trương", 7),
    ("Mai", 5),
    ("Cao", 5),
    ("Lương", 4),
    ("Tạ", 3),
    ("Hà", 5),
    ("Chu", 3),
]
MALE_MIDDLE = ["Văn", "Văn", "Văn", "Đức", "Hữu", "Quang", "Xuân", "Minh", "Thanh", "Công", "Đình"]
MALE_MIDDLE += ["Ngọc", "Trọng", "Thế", "Tấn", "Hải", "Bá", "Mạnh", "Anh"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Minh", "Hồng", "Diệu", "Kim"]
FEMALE_MIDDLE += ["Phương", "Mai", "Bích", "Thùy"]
MALE_GIVEN = ["Hùng", "Cường", "Long", "Sơn", "Tuấn", "Hải", "Thắng", "Lợi", "Bình", "Tâm", "Lực"]
MALE_GIVEN += ["Dũng", "Hưng", "Minh", "Nam", "Quân", "Trung", "Hoàng", "Huy", "Khánh", "Phong"]
MALE_GIVEN += ["Thành", "Toàn", "Việt", "Đức", "Tùng", "Kiên", "Quang", "Hiếu", "Đạt", "Vinh"]
FEMALE_GIVEN = ["Hoa", "Hằng", "Nga", "Thủy", "Loan", "Nhung", "Hiền", "Trang", "Liên", "Hà"]
FEMALE_GIVEN += ["Lan", "Hương", "Mai", "Thảo", "Linh", "Yến", "Ngọc", "Hạnh", "Phương", "Dung"]
FEMALE_GIVEN += ["Huyền", "Oanh", "Thúy", "Vân", "Xuân", "Nhàn", "Quyên", "Tuyết", "Hồng", "Chi"]


def _faker_names() -> tuple[list[str], list[str]]:
    """Given names from Faker's vi_VN provider data (read once; Faker is never called per row)."""
    try:
        from faker.providers.person.vi_VN import Provider
    except ImportError:  # pragma: no cover - faker is a dependency
        return [], []
    male = list(getattr(Provider, "first_names_male", ())) + list(
        getattr(Provider, "first_names_unisex", ())
    )
    female = list(getattr(Provider, "first_names_female", ())) + list(
        getattr(Provider, "first_names_unisex", ())
    )
    return male, female


ETHNICITY = [("Kinh", 860), ("Tày", 25), ("Thái", 20), ("Mường", 18), ("Khmer", 12), ("Nùng", 10)]
ETHNICITY += [("Hoa", 5), ("H'Mông", 8), ("Dao", 7), ("Vân Kiều", 3), ("Ê Đê", 3), ("Gia Rai", 3)]
RELIGION = [("Không", 920), ("Phật giáo", 50), ("Công giáo", 25), ("Cao Đài", 3), ("Tin Lành", 2)]
EDUCATION = [("12/12", 350), ("Đại học", 330), ("Cao đẳng", 80), ("Trung cấp", 90)]
EDUCATION += [("Thạc sĩ", 60), ("Tiến sĩ", 8), ("9/12", 60), ("10/10", 22)]
OCCUPATION = [("Nông dân", 220), ("Hưu trí", 200), ("Cán bộ, công chức", 160), ("Viên chức", 110)]
OCCUPATION += [("Công nhân", 70), ("Kinh doanh", 60), ("Bộ đội", 50), ("Công an", 40)]
OCCUPATION += [("Giáo viên", 40), ("Ngư dân", 15), ("Sinh viên", 10), ("Lao động tự do", 25)]

# Committees directly under a province: (name, category tag of its grassroots organizations).
DIRECTLY_UNDER = [
    ("Đảng bộ các cơ quan Đảng", "agency"),
    ("Đảng bộ Ủy ban nhân dân", "public_service"),
    ("Đảng bộ Quân sự", "armed_forces"),
    ("Đảng bộ Công an", "police"),
    ("Đảng bộ Bộ đội Biên phòng", "border"),
    ("Đảng bộ Khối Doanh nghiệp", "enterprise"),
    ("Đảng bộ Khối Giáo dục", "school"),
]
GRASSROOTS_NAMES = {
    "agency": ["Ban Tổ chức", "Ban Tuyên giáo và Dân vận", "Văn phòng", "Ủy ban Kiểm tra", "Báo"],
    "public_service": ["Sở Tài chính", "Sở Y tế", "Sở Xây dựng", "Bệnh viện", "Sở Nông nghiệp"],
    "armed_forces": ["Trung đoàn", "Tiểu đoàn", "Ban Chỉ huy quân sự", "Kho", "Đại đội"],
    "police": ["Phòng Cảnh sát", "Phòng An ninh", "Công an phường", "Trại tạm giam", "Phòng"],
    "border": [
        "Đồn Biên phòng",
        "Hải đội Biên phòng",
        "Trạm Biên phòng",
        "Đồn Biên phòng cửa khẩu",
    ],
    "enterprise": [
        "Công ty Cổ phần",
        "Công ty TNHH",
        "Tổng công ty",
        "Ngân hàng",
        "Công ty Điện lực",
    ],
    "school": [
        "Trường THPT",
        "Trường Cao đẳng",
        "Trường Đại học",
        "Trường THCS",
        "Trường Chính trị",
    ],
}
BRANCH_WORDS = {
    "village": "Chi bộ thôn",
    "residential": "Chi bộ tổ dân phố",
    "school": "Chi bộ Trường",
    "public_service": "Chi bộ Trạm",
}
VILLAGE_NAMES = ["Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân", "Phú", "An", "Hòa"]
VILLAGE_NAMES += ["Thuận", "Lộc", "Xuân", "Mỹ", "Vĩnh", "Đồng", "Bình", "Quyết Tiến", "Thắng Lợi"]


# -- geography ------------------------------------------------------------------------------
@dataclass
class LegacyWard:
    code: str
    name: str
    residential: bool
    new_code: str  # the commune-level committee it belongs to from 01/07/2025


@dataclass
class LegacyDistrict:
    code: str
    name: str
    wards: list[LegacyWard] = field(default_factory=list)


@dataclass
class Province:
    code: str
    name: str
    districts: list[LegacyDistrict] = field(default_factory=list)


@dataclass
class NewCommune:
    code: str
    name: str
    province: str


def _data_dir() -> Path:
    import vietnamadminunits

    return Path(vietnamadminunits.__file__).parent / "data"


@lru_cache(maxsize=1)
def load_geography() -> tuple[tuple[Province, ...], dict[str, NewCommune]]:
    """The 34 provinces with their legacy districts and communes, and the 2025 communes."""
    data = _data_dir()
    conv = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    db = sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True)
    try:
        new_rows = db.execute(
            "SELECT provinceKey, wardKey, provinceCode, wardCode, province, ward FROM admin_units"
        ).fetchall()
        legacy_rows = db.execute(
            "SELECT provinceKey, districtKey, wardKey, districtCode, district, wardCode, ward, "
            "wardType FROM admin_units_legacy WHERE wardCode IS NOT NULL "
            "ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
    finally:
        db.close()
    new_by_key = {(p, w): (pc, wc, pn, wn) for p, w, pc, wc, pn, wn in new_rows}
    communes = {wc: NewCommune(wc, wn, pc) for (pc, wc, _pn, wn) in new_by_key.values()}
    legacy_to_new: dict[str, tuple[str, str]] = {}
    for new_prov, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, legacy_keys in wards.items():
            for key in legacy_keys:
                legacy_to_new.setdefault(key, (new_prov, new_ward))
    for new_prov, divided in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for key, options in divided.items():
            default = [o for o in options if o.get("isDefaultNewWard")] or options
            legacy_to_new.setdefault(key, (new_prov, default[0]["newWardKey"]))
    provinces: dict[str, Province] = {}
    for pc, _wc, pn, _wn in sorted(new_by_key.values()):
        provinces.setdefault(pc, Province(pc, pn))
    districts: dict[str, LegacyDistrict] = {}
    for pkey, dkey, wkey, dcode, dname, wcode, wname, wtype in legacy_rows:
        target = legacy_to_new.get(f"{pkey}_{dkey}_{wkey}")
        if target is None or target not in new_by_key:
            continue
        new_pc, new_wc, _pn, _wn = new_by_key[target]
        district = districts.get(dcode)
        if district is None:
            district = districts[dcode] = LegacyDistrict(dcode, dname)
            provinces[new_pc].districts.append(district)
        district.wards.append(LegacyWard(wcode, wname, wtype != "Xã", new_wc))
    return tuple(provinces[c] for c in sorted(provinces)), communes


# -- the unit tree --------------------------------------------------------------------------
Span = tuple[dt.date, dt.date, str, "int | None"]


@dataclass
class HomeUnits:
    """Home units (branches and grassroots branches) as parallel lists, indexed 0..n-1."""

    ids: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    commune_sector: list[bool] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    place: list[str] = field(default_factory=list)
    province: list[int] = field(default_factory=list)
    spans: list[list[tuple[dt.date, dt.date, str, int | None]]] = field(default_factory=list)

    def add(
        self,
        uid: int,
        code: str,
        weight: float,
        commune: bool,
        tag: str,
        place: str,
        province: int,
        span: tuple[dt.date, dt.date, str, int | None],
    ) -> int:
        self.ids.append(uid)
        self.codes.append(code)
        self.weights.append(float(weight))
        self.commune_sector.append(commune)
        self.tags.append(tag)
        self.place.append(place)
        self.province.append(province)
        self.spans.append([span])
        return len(self.ids) - 1


@lru_cache(maxsize=4096)
def _iso_day(day: dt.date) -> str:
    return day.isoformat()


class TreeBuilder:
    """Collects unit, span and event rows with explicit ids so children can refer to parents."""

    def __init__(self, decision_id: int, now: str) -> None:
        self.next_unit = 1
        self.next_span = 1
        self.next_event = 1
        self.units: list[tuple[Any, ...]] = []
        self.spans: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.decision_id = decision_id
        self.now = now
        self.codes: set[str] = set()

    def event(
        self,
        kind: str,
        unit: int,
        other: int | None,
        on: dt.date,
        details: dict[str, Any] | None = None,
    ) -> int:
        eid = self.next_event
        self.next_event += 1
        reform = on == REFORM_DAY
        self.events.append(
            (
                eid,
                kind,
                unit,
                other,
                _iso_day(on),
                self.decision_id if reform else None,
                "generate-2025" if reform else "",
                json.dumps(details, ensure_ascii=False) if details else "{}",
                self.now,
            )
        )
        return eid

    def unit(self, code: str, start: dt.date, end: dt.date = FAR_FUTURE) -> int:
        if code in self.codes:
            raise CosoError(f"Mã đơn vị «{code}» bị trùng khi sinh dữ liệu.")
        self.codes.add(code)
        uid = self.next_unit
        self.next_unit += 1
        self.units.append((uid, code, _iso_day(start), _iso_day(end)))
        return uid

    def span(
        self,
        unit: int,
        start: dt.date,
        end: dt.date,
        name: str,
        kind: str,
        parent: int | None,
        parent_path: str,
        tags: str,
        event: int | None,
    ) -> str:
        path = f"{parent_path}{unit}/"
        depth = path.count("/") - 2
        self.spans.append(
            (
                self.next_span,
                unit,
                _iso_day(start),
                _iso_day(end),
                name,
                kind,
                parent,
                path,
                depth,
                tags,
                event,
                *search_keys(name),
            )
        )
        self.next_span += 1
        return path

    def create(
        self,
        code: str,
        name: str,
        kind: str,
        parent: int | None,
        parent_path: str,
        tags: str,
        start: dt.date = GEN_START,
        span_end: dt.date = FAR_FUTURE,
        unit_end: dt.date = FAR_FUTURE,
    ) -> tuple[int, str, int]:
        uid = self.unit(code, start, unit_end)
        eid = self.event("create", uid, parent, start)
        path = self.span(uid, start, span_end, name, kind, parent, parent_path, tags, eid)
        return uid, path, eid


def _scale(count: int, factor: float) -> int:
    return max(1, round(count * min(factor, 1.0)))


def _spread(items: list[Any], count: int) -> list[Any]:
    """`count` items evenly spread over the list (urban wards come first in the dataset)."""
    if count >= len(items):
        return list(items)
    picks = np.linspace(0, len(items) - 1, count).round().astype(int)
    if count == 1:
        picks = np.array([len(items) // 2])
    return [items[i] for i in sorted(set(picks.tolist()))]


def _village_label(j: int) -> str:
    base = VILLAGE_NAMES[j % len(VILLAGE_NAMES)]
    return base if j < len(VILLAGE_NAMES) else f"{base} {j // len(VILLAGE_NAMES) + 1}"


def build_tree(
    members: int, rng: np.random.Generator, decision_id: int, now: str, *, reform: bool = True
) -> tuple[TreeBuilder, HomeUnits, list[str]]:
    """Units, spans and events of the whole tree, and the home units members are drawn into.

    Without `reform` the tree stays as it stood on 30/06/2025: districts, communes and the
    committees directly under the provinces open-ended, nothing dated 01/07/2025.
    """
    # The pre-reform units end on the reform day only when the reform is written.
    pre_end = REFORM_DAY if reform else FAR_FUTURE
    factor = members / NATIONAL_MEMBERS
    provinces, new_communes = load_geography()
    b = TreeBuilder(decision_id, now)
    home = HomeUnits()
    root, root_path, _e = b.create(
        ROOT_CODE, "Đảng Cộng sản Việt Nam", "central", None, "/", "", start=dt.date(1930, 2, 3)
    )
    home_total = max(len(provinces) * 2, round(members / MEMBERS_PER_BRANCH))
    commune_home = max(len(provinces), round(home_total * COMMUNE_SECTOR_SHARE))
    other_home = max(len(provinces), home_total - commune_home)

    picked_all: list[list[tuple[LegacyDistrict, list[LegacyWard]]]] = []
    for prov in provinces:
        districts = _spread(prov.districts, _scale(len(prov.districts), factor))
        picked_all.append([(d, _spread(d.wards, _scale(len(d.wards), factor))) for d in districts])
    legacy_codes = {w.code for picked in picked_all for _d, ws in picked for w in ws}
    ward_total = len(legacy_codes)
    per_ward = commune_home / ward_total
    carry = 0.0
    province_units: list[tuple[int, str]] = []
    province_codes: list[str] = []

    for p_idx, (prov, picked) in enumerate(zip(provinces, picked_all, strict=True)):
        pid, ppath, _e = b.create(
            prov.code, f"Đảng bộ {prov.name}", "province", root, root_path, ""
        )
        province_units.append((pid, ppath))
        province_codes.append(prov.code)
        continuing = {w.new_code: w for _d, ws in picked for w in ws if w.code == w.new_code}
        ward_units: dict[str, int] = {}
        wards_done: list[tuple[LegacyWard, int, list[tuple[int, str, str, int]]]] = []
        for district, wards in picked:
            did, dpath, _e = b.create(
                district.code,
                f"Đảng bộ {district.name}",
                "district",
                pid,
                ppath,
                "",
                span_end=pre_end,
                unit_end=pre_end,
            )
            if reform:
                b.event("dissolve", did, None, REFORM_DAY)
            for ward in wards:
                continues = continuing.get(ward.new_code) is ward
                wid, wpath, _e = b.create(
                    ward.code,
                    f"Đảng bộ {ward.name}",
                    "grassroots_committee",
                    did,
                    dpath,
                    ";commune;",
                    span_end=pre_end,
                    unit_end=FAR_FUTURE if continues else pre_end,
                )
                ward_units[ward.code] = wid
                n_branches = int(per_ward + carry)
                carry = per_ward + carry - n_branches
                branches: list[tuple[int, str, str, int]] = []
                main = "residential" if ward.residential else "village"
                for j in range(max(1, n_branches)):
                    tag = main
                    if j >= 3 and rng.random() < 0.12:
                        tag = "school" if rng.random() < 0.6 else "public_service"
                    if tag == "village":
                        name = f"Chi bộ thôn {_village_label(j)}"
                    elif tag == "residential":
                        name = f"Chi bộ tổ dân phố {j + 1}"
                    elif tag == "school":
                        name = f"Chi bộ Trường {'Tiểu học' if j % 2 else 'THCS'} {ward.name} {j}"
                    else:
                        name = f"Chi bộ Trạm Y tế {ward.name} {j}"
                    code = f"{ward.code}-{j + 1:03d}"
                    bid, bpath, _bev = b.create(
                        code, name, "branch", wid, wpath, f";{tag};", span_end=pre_end
                    )
                    weight = rng.gamma(2.0, 0.5) * (1.6 if tag == "residential" else 1.0)
                    hidx = home.add(
                        bid,
                        code,
                        weight,
                        True,
                        tag,
                        f"{ward.name}, {prov.name}",
                        p_idx,
                        (GEN_START, pre_end, bpath, None),
                    )
                    branches.append((bid, name, tag, hidx))
                wards_done.append((ward, wid, branches))
        if not reform:
            continue
        # 01/07/2025: districts end, commune-level committees sit under the province.
        targets: dict[str, tuple[int, str, int | None]] = {}
        for new_code in sorted({w.new_code for w, _wid, _b in wards_done}):
            new = new_communes[new_code]
            if new_code in continuing:
                wid = ward_units[continuing[new_code].code]
                ev = b.event(
                    "retype",
                    wid,
                    pid,
                    REFORM_DAY,
                    {
                        "kind": ["grassroots_committee", "commune"],
                        "name": [continuing[new_code].name, new.name],
                        "moved_under": prov.code,
                    },
                )
                path = b.span(
                    wid,
                    REFORM_DAY,
                    FAR_FUTURE,
                    f"Đảng bộ {new.name}",
                    "commune",
                    pid,
                    ppath,
                    ";commune;",
                    ev,
                )
                targets[new_code] = (wid, path, ev)
            else:
                code = new_code if new_code not in legacy_codes else f"{new_code}-2025"
                uid, path, _e = b.create(
                    code,
                    f"Đảng bộ {new.name}",
                    "commune",
                    pid,
                    ppath,
                    ";commune;",
                    start=REFORM_DAY,
                )
                targets[new_code] = (uid, path, None)
        for ward, wid, branches in wards_done:
            tid, tpath, tev = targets[ward.new_code]
            if tid != wid:
                b.event("merge", wid, tid, REFORM_DAY, {"into": tid})
                b.event("absorb", tid, wid, REFORM_DAY, {"from": wid})
            for bid, name, tag, hidx in branches:
                move_ev = (
                    tev if tid == wid else b.event("move", bid, tid, REFORM_DAY, {"from": wid})
                )
                path = b.span(
                    bid, REFORM_DAY, FAR_FUTURE, name, "branch", tid, tpath, f";{tag};", move_ev
                )
                home.spans[hidx].append((REFORM_DAY, FAR_FUTURE, path, move_ev))

    # Committees directly under each province.
    k_per_prov = max(1, min(len(DIRECTLY_UNDER), round(len(DIRECTLY_UNDER) * factor**0.5)))
    per_committee = other_home / (len(provinces) * k_per_prov)
    carry = 0.0
    for p_idx, prov in enumerate(provinces):
        pid, ppath = province_units[p_idx]
        for k in range(k_per_prov):
            # at small sizes each province gets a different kind, so every kind exists
            kname, tag = DIRECTLY_UNDER[(p_idx + k) % len(DIRECTLY_UNDER)]
            kcode = f"{prov.code}-K{k + 1:02d}"
            kid, kpath, _e = b.create(
                kcode,
                f"{kname} {prov.name}",
                "district",
                pid,
                ppath,
                ";directly_under;",
                span_end=pre_end,
            )
            if reform:
                ev = b.event("retype", kid, None, REFORM_DAY, {"kind": ["district", "commune"]})
                b.span(
                    kid,
                    REFORM_DAY,
                    FAR_FUTURE,
                    f"{kname} {prov.name}",
                    "commune",
                    pid,
                    ppath,
                    ";directly_under;",
                    ev,
                )
            want = max(1, int(per_committee + carry))
            carry = per_committee + carry - want
            made = 0
            g = 0
            names = GRASSROOTS_NAMES[tag]
            place = f"{prov.name}"
            while made < want:
                g += 1
                gname = f"{names[g % len(names)]} {g}"
                code = f"{kcode}-{g:04d}"
                if want - made < 3 or rng.random() < 0.35:
                    uid, upath, _e = b.create(
                        code, f"Chi bộ {gname}", "grassroots_branch", kid, kpath, f";{tag};"
                    )
                    home.add(
                        uid,
                        code,
                        rng.gamma(2.0, 0.3),
                        False,
                        tag,
                        place,
                        p_idx,
                        (GEN_START, FAR_FUTURE, upath, None),
                    )
                    made += 1
                    continue
                gid, gpath, _e = b.create(
                    code, f"Đảng bộ {gname}", "grassroots_committee", kid, kpath, f";{tag};"
                )
                n = min(want - made, int(rng.integers(3, 13)))
                parents = [(gid, gpath)]
                if n >= 8 and rng.random() < 0.3:
                    parents = [
                        b.create(
                            f"{code}-P{j}",
                            f"Đảng bộ bộ phận {j} {gname}",
                            "partial_committee",
                            gid,
                            gpath,
                            f";{tag};",
                        )[:2]
                        for j in (1, 2)
                    ]
                for j in range(n):
                    par, par_path = parents[j % len(parents)]
                    bcode = f"{code}-{j + 1:02d}"
                    uid, upath, _e = b.create(
                        bcode, f"Chi bộ {j + 1} {gname}", "branch", par, par_path, f";{tag};"
                    )
                    home.add(
                        uid,
                        bcode,
                        rng.gamma(2.0, 0.5),
                        False,
                        tag,
                        place,
                        p_idx,
                        (GEN_START, FAR_FUTURE, upath, None),
                    )
                made += n
    return b, home, province_codes


def add_groups(
    b: TreeBuilder, home: HomeUnits, in_party: np.ndarray, min_members: int = 40
) -> np.ndarray:
    """Three party groups in every home unit with `min_members` or more; first group id per home."""
    base = np.full(len(home.ids), -1, dtype=np.int64)
    for hidx in np.flatnonzero(in_party >= min_members).tolist():
        bid = home.ids[hidx]
        first = 0
        for g in (1, 2, 3):
            gid = b.unit(f"{home.codes[hidx]}-T{g}", GEN_START)
            ev = b.event("create", gid, bid, GEN_START)
            first = first or gid
            for start, end, path, span_event in home.spans[hidx]:
                b.span(
                    gid,
                    start,
                    end,
                    f"Tổ đảng số {g}",
                    "group",
                    bid,
                    path,
                    "",
                    ev if span_event is None else span_event,
                )
        base[hidx] = first
    return base


# -- members --------------------------------------------------------------------------------
EPOCH = dt.date(1970, 1, 1)
FAR_DAYS = (FAR_FUTURE - EPOCH).days
ENDINGS = [  # (status, event kind, share among ended members)
    ("not_recognized", "not_recognize", 0.08),
    ("deceased", "death", 0.68),
    ("struck_off", "strike_off", 0.14),
    ("left", "leave", 0.05),
    ("expelled", "expel", 0.05),
]


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def _iso(days: np.ndarray) -> list[str]:
    return np.datetime_as_string(days.astype("datetime64[D]")).tolist()  # type: ignore[no-any-return]


def _iso_or_none(days: np.ndarray, mask: np.ndarray) -> list[str | None]:
    out = np.datetime_as_string(days.astype("datetime64[D]")).astype(object)
    out[~mask] = None
    return out.tolist()  # type: ignore[no-any-return]


def _plus_12_months(days: np.ndarray) -> np.ndarray:
    """`add_months(day, 12)` for every day: same day a year later, 29/02 → 28/02."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    offset = d - month.astype("datetime64[D]")
    result = (month + 12).astype("datetime64[D]") + offset
    overflow = result.astype("datetime64[M]") != month + 12
    result[overflow] = (month[overflow] + 13).astype("datetime64[D]") - np.timedelta64(1, "D")
    days_out: np.ndarray = result.astype(np.int64)
    return days_out


def _weighted(rng: np.random.Generator, table: list[tuple[str, int]], n: int) -> list[str]:
    values = np.array([v for v, _w in table], dtype=object)
    weights = np.array([w for _v, w in table], dtype=float)
    return values[rng.choice(len(table), size=n, p=weights / weights.sum())].tolist()  # type: ignore[no-any-return]


@dataclass
class NameTables:
    full: dict[bool, np.ndarray]
    sort: dict[bool, np.ndarray]
    search: dict[bool, np.ndarray]
    family_p: np.ndarray
    sizes: dict[bool, tuple[int, int]]


def _name_tables() -> NameTables:
    """Every family × middle × given combination, with its sort key and folded search form."""
    faker_male, faker_female = _faker_names()
    family = [f for f, _w in FAMILY]
    weights = np.array([w for _f, w in FAMILY], dtype=float)
    full: dict[bool, np.ndarray] = {}
    sort: dict[bool, np.ndarray] = {}
    search: dict[bool, np.ndarray] = {}
    sizes: dict[bool, tuple[int, int]] = {}
    for female, middles, givens in (
        (False, MALE_MIDDLE, sorted(set(MALE_GIVEN + faker_male))),
        (True, FEMALE_MIDDLE, sorted(set(FEMALE_GIVEN + faker_female))),
    ):
        names = np.empty((len(family), len(middles), len(givens)), dtype=object)
        keys = np.empty_like(names)
        folded = np.empty_like(names)
        for i, fam in enumerate(family):
            for j, mid in enumerate(middles):
                for k, giv in enumerate(givens):
                    names[i, j, k] = f"{fam} {mid} {giv}"
                    keys[i, j, k], folded[i, j, k] = name_keys(names[i, j, k])
        full[female], sort[female], search[female] = names, keys, folded
        sizes[female] = (len(middles), len(givens))
    return NameTables(full, sort, search, weights / weights.sum(), sizes)


@dataclass
class MemberPlan:
    """What every chunk needs: the home unit of each member and the lookups of home units."""

    home: np.ndarray  # home index per member (global)
    ended: np.ndarray  # bool per member (global)
    home_ids: np.ndarray
    group_base: np.ndarray
    province_num: np.ndarray  # per home: the province code as a number (for national ids)
    province_idx: np.ndarray  # per home: index of the province
    place: np.ndarray  # per home, object
    commune_sector: np.ndarray
    armed: np.ndarray  # per home: armed forces / border / police (take part in village branches)
    commune_homes_by_province: list[np.ndarray]
    names: NameTables
    today: int
    now: str
    seed: int


def member_rows(plan: MemberPlan, start: int, stop: int) -> dict[str, list[tuple[Any, ...]]]:
    """Rows of members `start`..`stop-1` (global indexes) and of their spans, events and
    participations, computed with numpy for the whole chunk at once."""
    rng = np.random.default_rng([plan.seed, start])
    n = stop - start
    idx = np.arange(start, stop, dtype=np.int64)
    home = plan.home[start:stop].astype(np.int64)
    ended = plan.ended[start:stop]
    today_d = plan.today
    first_day = _days(FIRST_ADMISSION)
    female = rng.random(n) < 0.38

    admitted_in = first_day + (rng.beta(2.2, 1.0, n) * (today_d - 60 - first_day)).astype(np.int64)
    admitted_end = first_day + (rng.beta(1.2, 1.8, n) * (today_d - 520 - first_day)).astype(
        np.int64
    )
    admitted = np.where(ended, admitted_end, admitted_in)
    age_days = ((18 + np.minimum(rng.gamma(2.0, 4.5, n), 41.5)) * 365.25).astype(np.int64)
    birth = admitted - age_days - rng.integers(0, 200, n)
    probation = admitted + rng.integers(5, 40, n)
    official = _plus_12_months(probation)

    r_end = rng.random(n)
    cuts = np.cumsum([share for _s, _k, share in ENDINGS])
    end_kind = np.searchsorted(cuts, r_end * cuts[-1], side="right").clip(0, len(ENDINGS) - 1)
    end_kind = np.where(ended, end_kind, -1)
    not_recognized = end_kind == 0
    prob_today = ~ended & (official > today_d)
    official_ever = ~prob_today & ~not_recognized

    transfer = official_ever & (today_d - official > 150) & (rng.random(n) < 0.15)
    ongoing = transfer & ~ended & (rng.random(n) < 0.03)
    t_out = (
        official + 30 + (rng.random(n) * np.maximum(today_d - official - 150, 0)).astype(np.int64)
    )
    t_out = np.where(ongoing, today_d - rng.integers(1, 30, n), t_out)
    t_in = t_out + rng.integers(5, 46, n)
    n_homes = len(plan.home_ids)
    other = rng.integers(0, n_homes, n)
    other = np.where(other == home, (other + 1) % n_homes, other)
    # completed transfers start at `other` and end at home; ongoing ones leave home for `other`
    first_unit = np.where(transfer & ~ongoing, other, home)
    settled = transfer & ~ongoing
    last_start = np.where(settled, t_in, official)

    age_today = (today_d - birth) / 365.25
    eligible_age = np.where(female, 55, 60)
    exempt = (
        ~ended & official_ever & ~ongoing & (age_today >= eligible_age) & (rng.random(n) < 0.35)
    )
    lo = np.maximum.reduce(
        [
            birth + (eligible_age * 365.25).astype(np.int64),
            last_start + 1,
            np.full(n, today_d - 3650),
        ]
    )
    exempt_from = lo + (rng.random(n) * np.maximum(today_d - lo, 0)).astype(np.int64)
    exempt &= (exempt_from > last_start) & (exempt_from < today_d)

    ended_on = (
        last_start + 1 + (rng.beta(1.6, 1.0, n) * (today_d - last_start - 1)).astype(np.int64)
    )
    ended_on = np.where(not_recognized, official, ended_on)
    end = np.where(ended, ended_on, FAR_DAYS)

    unit_ids = plan.home_ids
    gbase = plan.group_base

    # spans: (local index, home index, status official?, exempt, in_transit, from, to)
    parts = []

    def add(
        mask: np.ndarray,
        unit: np.ndarray,
        is_official: bool,
        ex: bool,
        transit: bool,
        vf: np.ndarray,
        vt: np.ndarray,
    ) -> None:
        sel = np.flatnonzero(mask)
        parts.append((sel, unit[sel], is_official, ex, transit, vf[sel], vt[sel]))

    add(
        np.ones(n, bool),
        first_unit,
        False,
        False,
        False,
        probation,
        np.where(prob_today, FAR_DAYS, official),
    )
    add(
        official_ever,
        first_unit,
        True,
        False,
        False,
        official,
        np.where(transfer, t_out, np.where(exempt, exempt_from, end)),
    )
    add(transfer, first_unit, True, False, True, t_out, np.where(ongoing, FAR_DAYS, t_in))
    add(settled, home, True, False, False, t_in, np.where(exempt, exempt_from, end))
    add(exempt, home, True, True, False, exempt_from, np.full(n, FAR_DAYS))

    sel = np.concatenate([p[0] for p in parts])
    s_home = np.concatenate([p[1] for p in parts])
    s_official = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    s_exempt = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
    s_transit = np.concatenate([np.full(len(p[0]), p[4]) for p in parts])
    s_from = np.concatenate([p[5] for p in parts])
    s_to = np.concatenate([p[6] for p in parts])
    order = np.lexsort((s_from, sel))
    sel, s_home, s_official, s_exempt, s_transit, s_from, s_to = (
        a[order] for a in (sel, s_home, s_official, s_exempt, s_transit, s_from, s_to)
    )
    s_group = gbase[s_home]
    s_group = np.where(s_group >= 0, s_group + (idx[sel] % 3), -1).astype(object)
    s_group[s_group == -1] = None
    spans = list(
        zip(
            (idx[sel] + 1).tolist(),
            unit_ids[s_home].tolist(),
            s_group.tolist(),
            np.where(s_official, "official", "probationary").tolist(),
            s_exempt.tolist(),
            s_transit.tolist(),
            _iso(s_from),
            _iso(s_to),
            strict=True,
        )
    )

    # events: (local index, kind, effective, decided or -1, home index or -1, other or -1)
    ev_parts: list[tuple[np.ndarray, Any, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def event(
        mask: np.ndarray,
        kind: Any,
        eff: np.ndarray,
        decided: np.ndarray | None,
        unit: np.ndarray,
        other_unit: np.ndarray | None,
    ) -> None:
        s = np.flatnonzero(mask)
        kinds = kind[s] if isinstance(kind, np.ndarray) else np.full(len(s), kind, dtype=object)
        ev_parts.append(
            (
                s,
                kinds,
                eff[s],
                decided[s] if decided is not None else np.full(len(s), -1),
                unit[s],
                other_unit[s] if other_unit is not None else np.full(len(s), -1),
            )
        )

    everyone = np.ones(n, bool)
    event(everyone, "admit", probation, admitted, first_unit, None)
    decided = np.minimum(official + rng.integers(3, 40, n), today_d)
    event(official_ever, "recognize", official, decided, first_unit, None)
    event(not_recognized, "not_recognize", official, official, first_unit, None)
    event(transfer, "transfer_out", t_out, t_out, first_unit, np.where(ongoing, other, home))
    event(settled, "receive", t_in, t_in, home, first_unit)
    event(exempt, "exempt", exempt_from, exempt_from, home, None)
    ending_kinds = np.array([k for _s, k, _w in ENDINGS], dtype=object)
    event(
        ended & ~not_recognized,
        ending_kinds[np.maximum(end_kind, 0)],
        ended_on,
        ended_on,
        home,
        None,
    )
    e_sel = np.concatenate([p[0] for p in ev_parts])
    e_kind = np.concatenate([p[1] for p in ev_parts])
    e_eff = np.concatenate([p[2] for p in ev_parts])
    e_dec = np.concatenate([p[3] for p in ev_parts])
    e_unit = np.concatenate([p[4] for p in ev_parts])
    e_other = np.concatenate([p[5] for p in ev_parts])
    order = np.lexsort((e_eff, e_sel))
    e_sel, e_kind, e_eff, e_dec, e_unit, e_other = (
        a[order] for a in (e_sel, e_kind, e_eff, e_dec, e_unit, e_other)
    )
    other_ids = unit_ids[np.maximum(e_other, 0)].astype(object)
    other_ids[e_other < 0] = None
    n_ev = len(e_sel)
    events = list(
        zip(
            e_kind.tolist(),
            (idx[e_sel] + 1).tolist(),
            _iso(e_eff),
            _iso_or_none(np.maximum(e_dec, 0), e_dec >= 0),
            unit_ids[e_unit].tolist(),
            other_ids.tolist(),
            ["{}"] * n_ev,
            [plan.now] * n_ev,
            strict=True,
        )
    )

    # members
    tables = plan.names
    fam = rng.choice(len(tables.family_p), size=n, p=tables.family_p)
    full_names = np.empty(n, dtype=object)
    sort_keys = np.empty(n, dtype=object)
    search = np.empty(n, dtype=object)
    for is_female in (False, True):
        m = np.flatnonzero(female == is_female)
        n_mid, n_giv = tables.sizes[is_female]
        mid = rng.integers(0, n_mid, len(m))
        giv = rng.integers(0, n_giv, len(m))
        full_names[m] = tables.full[is_female][fam[m], mid, giv]
        sort_keys[m] = tables.sort[is_female][fam[m], mid, giv]
        search[m] = tables.search[is_female][fam[m], mid, giv]
    statuses = np.array([s for s, _k, _w in ENDINGS], dtype=object)[np.maximum(end_kind, 0)]
    statuses = np.where(ended, statuses, np.where(prob_today, "probationary", "official"))
    birth_year = 1970 + (birth / 365.25).astype(np.int64)
    century = np.where(birth_year >= 2000, 2, 0) + female.astype(np.int64)
    nid = (
        plan.province_num[home] * 10**9
        + century * 10**8
        + (birth_year % 100) * 10**6
        + rng.integers(0, 10**6, n)
        + 10**12
    )
    national_ids = [s[1:] for s in nid.astype(str).tolist()]
    home_unit = unit_ids[home].astype(object)
    home_unit[ended] = None
    member_ids = [f"{i + 1:09d}" for i in idx.tolist()]
    card = np.array([f"T{i + 1:09d}" for i in idx.tolist()], dtype=object)
    card[~official_ever] = None
    places = plan.place[home].tolist()
    members = list(
        zip(
            (idx + 1).tolist(),
            member_ids,
            card.tolist(),
            full_names.tolist(),
            sort_keys.tolist(),
            search.tolist(),
            np.where(female, "female", "male").tolist(),
            _iso(birth),
            national_ids,
            _weighted(rng, ETHNICITY, n),
            _weighted(rng, RELIGION, n),
            places,
            places,
            _weighted(rng, EDUCATION, n),
            _weighted(rng, OCCUPATION, n),
            statuses.tolist(),
            home_unit.tolist(),
            exempt.tolist(),
            ongoing.tolist(),
            _iso(admitted),
            _iso(admitted),
            _iso(probation),
            _iso_or_none(official, official_ever),
            _iso_or_none(ended_on, ended),
            [0] * n,
            strict=True,
        )
    )

    # participation: armed forces, border guards and police taking part in village branches
    part_mask = ~ended & ~ongoing & plan.armed[home] & (rng.random(n) < 0.04)
    participations: list[tuple[Any, ...]] = []
    since = _days(dt.date(2015, 1, 1))
    for i in np.flatnonzero(part_mask).tolist():
        choices = plan.commune_homes_by_province[int(plan.province_idx[home[i]])]
        if not len(choices):
            continue
        target = choices[int(rng.integers(0, len(choices)))]
        start_day = max(int(last_start[i]) + 1, since + int(rng.integers(0, 3000)))
        if exempt[i]:
            start_day = max(start_day, int(exempt_from[i]) + 1)
        if start_day >= today_d:
            continue
        participations.append(
            (
                int(idx[i]) + 1,
                int(unit_ids[target]),
                "activity",
                _iso(np.array([start_day]))[0],
                FAR_FUTURE.isoformat(),
                "Tham gia sinh hoạt tại chi bộ thôn, bản (dữ liệu tổng hợp)",
            )
        )
    words = [
        row
        for key, number, sort_key, folded in zip(
            (idx + 1).tolist(), member_ids, sort_keys.tolist(), search.tolist(), strict=True
        )
        for row in word_rows(key, number, sort_key, folded)
    ]
    return {
        "members": members,
        "spans": spans,
        "events": events,
        "participations": participations,
        "words": words,
    }


# -- writing --------------------------------------------------------------------------------
TABLES: dict[str, tuple[str, list[str]]] = {
    "units": ("units_unit", ["id", "code", "valid_from", "valid_to"]),
    "unit_events": (
        "units_unitevent",
        [
            "id",
            "kind",
            "unit_id",
            "other_id",
            "effective_on",
            "decision_id",
            "batch",
            "details",
            "recorded_at",
        ],
    ),
    "unit_spans": (
        "units_unitspan",
        ["id", *SPAN_COLUMNS],
    ),
    "members": (
        "members_member",
        [
            "id",
            "member_id",
            "card_no",
            "full_name",
            "sort_key",
            "search_name",
            "gender",
            "birth_date",
            "national_id",
            "ethnicity",
            "religion",
            "hometown",
            "residence",
            "education",
            "occupation",
            "status",
            "home_unit_id",
            "exempt",
            "in_transit",
            "first_admitted_on",
            "admitted_on",
            "probation_from",
            "official_on",
            "ended_on",
            "readmissions",
        ],
    ),
    "spans": (
        "members_memberspan",
        [
            "member_id",
            "unit_id",
            "group_id",
            "status",
            "exempt",
            "in_transit",
            "valid_from",
            "valid_to",
        ],
    ),
    "events": (
        "members_memberevent",
        [
            "kind",
            "member_id",
            "effective_on",
            "decided_on",
            "unit_id",
            "other_unit_id",
            "details",
            "recorded_at",
        ],
    ),
    "participations": (
        "members_participation",
        ["member_id", "unit_id", "kind", "valid_from", "valid_to", "note"],
    ),
    "words": ("members_nameword", WORD_COLUMNS),
}
MEMBER_KEYS = ("members", "spans", "events", "participations", "words")
BIG_TABLES = [
    "members_member",
    "members_memberspan",
    "members_memberevent",
    "members_participation",
    "members_nameword",
    "units_unitspan",
    "units_unitevent",
]
# The outreach rows, loaded the same way once the registry stands (`_generate_outreach`).
OUTREACH_TABLES = [
    "outreach_household",
    "outreach_householdresponsibility",
    "outreach_visit",
    "outreach_petition",
    "outreach_petitionstep",
]
MODELS = [
    Unit,
    UnitSpan,
    UnitEvent,
    Member,
    MemberSpan,
    MemberEvent,
    Participation,
    NameWord,
    DailyDelta,
]


# CPU seconds spent per step of the last run, for docs/PERFORMANCE.md.
TIMINGS: dict[str, float] = defaultdict(float)
# Wall-clock seconds per step: on PostgreSQL the server, not this process, does the work of a
# COPY or an index build, so its CPU time here says little.
WALL_TIMINGS: dict[str, float] = defaultdict(float)


@contextmanager
def _timed(label: str) -> Iterator[None]:
    start = time.process_time()
    wall = time.perf_counter()
    try:
        yield
    finally:
        TIMINGS[label] += time.process_time() - start
        WALL_TIMINGS[label] += time.perf_counter() - wall


def _insert(key: str, rows: Sequence[tuple[Any, ...]]) -> None:
    # PostgreSQL: one COPY stream per table; the server parses the text form of dates and
    # booleans itself.
    with _timed(f"insert {key}"):
        insert_rows(*TABLES[key], rows, batch_size=BATCH)


@contextmanager
def _bulk_mode(say: Callable[[str], None], tables: Sequence[str] = BIG_TABLES) -> Iterator[None]:
    """On SQLite: no secondary indexes on `tables` while loading, a plain rollback journal and
    no fsync (the tables were empty: a crash loses nothing worth keeping)."""
    if connection.vendor == "postgresql":
        with _pg_bulk_mode(say, tables):
            yield
        return
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        marks = ",".join(["%s"] * len(tables))
        cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            list(tables),
        )
        indexes = cur.fetchall()
        outside = not connection.in_atomic_block
        cur.execute("PRAGMA threads=2")  # index builds sort with a helper thread
        if outside:
            cur.execute("PRAGMA journal_mode=DELETE")
            cur.execute("PRAGMA synchronous=OFF")
        for name, _sql in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        say(f"rebuilding {len(indexes)} indexes")
        with connection.cursor() as cur:
            for name, sql in indexes:
                with _timed(f"index {name}"):
                    cur.execute(sql)
            if outside:
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA journal_mode=WAL")


# What PostgreSQL drops during a load and builds again after it: the foreign keys of the big
# tables (Django's are DEFERRABLE INITIALLY DEFERRED: COPY would queue one trigger event per row
# until commit), their unique constraints (unless a foreign key refers to one) and their plain
# indexes. Primary keys stay: ids arrive in order, so their B-tree only grows at the right edge.
_PG_CONSTRAINTS = """
SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
FROM pg_constraint c
WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')
  AND NOT (c.contype = 'u' AND EXISTS (
    SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid))
ORDER BY c.contype, c.conname
"""
_PG_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY(%s::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""


@contextmanager
def _pg_bulk_mode(say: Callable[[str], None], tables: Sequence[str]) -> Iterator[None]:
    """On PostgreSQL, outside a transaction: `tables` lose their secondary indexes and
    foreign keys while loading (built again once at the end, the foreign keys checked by one
    join each), autovacuum leaves them alone meanwhile, commits do not wait for the WAL flush
    (this session only), and a VACUUM after the load sets the visibility map, so that the
    covering indexes the statistics read answer without visiting the table."""
    if connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute(_PG_CONSTRAINTS, [list(tables)])
        constraints = cur.fetchall()
        cur.execute(_PG_INDEXES, [list(tables)])
        indexes = cur.fetchall()
        for table in tables:
            cur.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        for table, name, _definition, _kind in constraints:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            say("vacuuming the loaded tables")
            for table in tables:
                with _timed("vacuum the loaded tables"):
                    cur.execute(f"VACUUM {table}")
            say(f"rebuilding {len(indexes)} indexes and {len(constraints)} constraints")
            for name, definition in indexes:
                with _timed(f"index {name}"):
                    cur.execute(definition)
            # unique constraints ('u') before the foreign keys ('f') that are checked after them
            for table, name, definition, _kind in sorted(constraints, key=lambda c: c[3] != "u"):
                with _timed(f"constraint {name}"):
                    cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for table in tables:
                cur.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
            cur.execute("RESET maintenance_work_mem")
            cur.execute("RESET synchronous_commit")


# Members are computed and written to scratch SQLite files by worker processes (forked, so
# they share the plan without copying), while this process copies finished chunks in with
# INSERT ... SELECT: binding values from Python is the slowest part of the load.
_PLAN: MemberPlan | None = None
PARALLEL_FROM = 300_000  # members; below that the simple path is as fast
FORCE_PARALLEL = False  # tests exercise the parallel path on a small dataset


def _can_fan_out(total: int) -> bool:
    return (
        connection.vendor in ("sqlite", "postgresql")
        and not connection.in_atomic_block
        and (total >= PARALLEL_FROM or FORCE_PARALLEL)
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _default_signals() -> None:
    """A pool worker's initializer: SIGTERM kills it again. Forked from a process with its own
    SIGTERM handler (a tasks worker running the generation: django-tasks' db_worker installs
    one that only asks to stop), the workers would ignore the pool's terminate() and leave
    the generation waiting for them forever."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _write_chunk(
    job: tuple[int, int, str],
) -> tuple[int, int, str, float, Counter[tuple[dt.date, str]]]:
    start, stop, directory = job
    assert _PLAN is not None
    cpu = time.process_time()
    rows = member_rows(_PLAN, start, stop)
    path = Path(directory) / f"chunk-{start:09d}.sqlite3"
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        for key in MEMBER_KEYS:
            cols = TABLES[key][1]
            db.execute(f"CREATE TABLE {key} ({', '.join(cols)})")
            db.executemany(f"INSERT INTO {key} VALUES ({', '.join(['?'] * len(cols))})", rows[key])
        db.commit()
        # The chunk's share of DailyDelta, counted here in parallel rather than by a pass of
        # rebuild_all() over every span at the end.
        deltas: Counter[tuple[dt.date, str]] = Counter()
        for column, sign in SIGNS:
            sql = MEMBER_GROUPS.format(column=column, table="spans", where="")
            add_member_groups(deltas, db.execute(sql).fetchall(), sign)
    finally:
        db.close()
    return start, stop, str(path), time.process_time() - cpu, deltas


# On PostgreSQL each worker COPYs its chunks straight into the tables on a connection of its
# own (one transaction per chunk), so computing and loading overlap on both CPUs and nothing
# passes through this process; each worker also counts its chunk's share of DailyDelta.
_PG_WORKER: Any = None


def _pg_worker_connection() -> Any:
    global _PG_WORKER
    if _PG_WORKER is None:
        from multiprocessing.util import Finalize

        import psycopg

        # A new connection: the one inherited from the parent through fork must not be touched.
        _PG_WORKER = psycopg.connect(**connection.get_connection_params())
        _PG_WORKER.execute("SET synchronous_commit = off")
        _PG_WORKER.commit()
        # closed when the pool lets the worker exit, not dropped mid-protocol
        Finalize(_PG_WORKER, _PG_WORKER.close, exitpriority=10)
    return _PG_WORKER


def _count_spans(spans: Sequence[tuple[Any, ...]]) -> Counter[tuple[dt.date, str]]:
    """MEMBER_GROUPS over rows of TABLES["spans"] (status, exempt, in_transit, from, to at
    3..7), counted in Python."""
    deltas: Counter[tuple[dt.date, str]] = Counter()
    for position, sign in ((6, 1), (7, -1)):
        groups = Counter((r[position], r[3], r[4], r[5]) for r in spans)
        add_member_groups(deltas, [(*key, n) for key, n in groups.items()], sign)
    return deltas


def _copy_chunk(job: tuple[int, int]) -> tuple[int, int, float, Counter[str], Counter[Any]]:
    start, stop = job
    assert _PLAN is not None
    cpu = time.process_time()
    rows = member_rows(_PLAN, start, stop)
    db = _pg_worker_connection()
    with db.transaction(), db.cursor() as cur:
        for key in MEMBER_KEYS:
            copy_rows(cur, *TABLES[key], rows[key])
    deltas = _count_spans(rows["spans"])
    written = Counter({key: len(rows[key]) for key in MEMBER_KEYS})
    return start, stop, time.process_time() - cpu, written, deltas


def _write_members_parallel(
    plan: MemberPlan, chunks: list[tuple[int, int]], counts: Counter[str], bar: Any
) -> Counter[tuple[dt.date, str]]:
    """Write the members; return the DailyDelta totals of the member spans written."""
    if connection.vendor == "postgresql":
        return _copy_members_parallel(plan, chunks, counts, bar)
    global _PLAN
    _PLAN = plan
    workers = max(1, os.cpu_count() or 2)
    member_deltas: Counter[tuple[dt.date, str]] = Counter()
    db_file = Path(str(connection.settings_dict["NAME"]))
    on_disk = db_file.is_absolute() and db_file.exists()
    scratch = Path(
        tempfile.mkdtemp(prefix="coso-generate-", dir=db_file.parent if on_disk else None)
    )
    ctx = multiprocessing.get_context("fork")
    try:
        with ctx.Pool(workers, initializer=_default_signals) as pool:
            jobs = [(a, b, str(scratch)) for a, b in chunks]
            for start, stop, path, worker_cpu, deltas in pool.imap(_write_chunk, jobs):
                member_deltas.update(deltas)
                TIMINGS["workers: compute and write member chunks"] += worker_cpu
                with _timed("copy member chunks"), connection.cursor() as cur:
                    cur.execute("ATTACH DATABASE %s AS chunk", [path])
                    try:
                        with transaction.atomic():
                            for key in MEMBER_KEYS:
                                table, cols = TABLES[key]
                                names = ", ".join(cols)
                                cur.execute(
                                    f"INSERT INTO {table} ({names}) SELECT {names} FROM chunk.{key}"
                                )
                                counts[key] += cur.rowcount
                    finally:
                        cur.execute("DETACH DATABASE chunk")
                Path(path).unlink()
                bar.update(stop - start)
    finally:
        _PLAN = None
        shutil.rmtree(scratch, ignore_errors=True)
    return member_deltas


def _copy_members_parallel(
    plan: MemberPlan, chunks: list[tuple[int, int]], counts: Counter[str], bar: Any
) -> Counter[tuple[dt.date, str]]:
    global _PLAN
    _PLAN = plan
    member_deltas: Counter[tuple[dt.date, str]] = Counter()
    ctx = multiprocessing.get_context("fork")
    try:
        with ctx.Pool(max(1, os.cpu_count() or 2), initializer=_default_signals) as pool:
            for start, stop, worker_cpu, written, deltas in pool.imap(_copy_chunk, chunks):
                member_deltas.update(deltas)
                counts.update(written)
                TIMINGS["workers: compute and write member chunks"] += worker_cpu
                bar.update(stop - start)
            pool.close()  # let the workers exit and close their connections
            pool.join()
    finally:
        _PLAN = None
    return member_deltas


def _reset_sequences() -> None:
    if connection.vendor == "sqlite":
        return  # AUTOINCREMENT follows the largest id inserted
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), MODELS):
            cur.execute(sql)


def _now_text() -> str:
    from django.utils import timezone

    now = timezone.now()
    if connection.vendor == "sqlite":
        return now.replace(tzinfo=None).isoformat(" ")
    return now.isoformat()


def _check_empty() -> None:
    for model in (Unit, Member, MemberSpan, UnitSpan):
        if model.objects.exists():
            raise CosoError(
                "Cơ sở dữ liệu không trống (đã có "
                f"{model._meta.verbose_name_plural}): `coso generate` chỉ chạy trên cơ sở dữ liệu "
                "trống. Dùng một tệp khác, ví dụ DATABASE_URL=sqlite:////đường/dẫn/mới.sqlite3."
            )


def _check_rules() -> None:
    """The rule sets the generated activities and extras read (meetings, quality, ...) are
    there: without them the run failed only after the registry, a quarter of an hour in."""
    from coso.core.default_rules import DEFAULT_RULES
    from coso.core.models import RuleSet

    present = set(RuleSet.objects.values_list("code", flat=True).distinct())
    missing = sorted({spec["code"] for spec in DEFAULT_RULES} - present)
    if missing:
        names = ", ".join(f"«{code}»" for code in missing)
        raise CosoError(f"Chưa có bộ quy định {names}: chạy `coso init` trước `coso generate`.")


def row_counts() -> dict[str, int]:
    tables = [
        "units_unit",
        "units_unitspan",
        "units_unitevent",
        "members_member",
        "members_memberspan",
        "members_memberevent",
        "members_participation",
        "stats_dailydelta",
    ]
    out = {}
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            out[table] = int(cur.fetchone()[0])
    return out


def generate_dataset(
    *, members: int, seed: int = 1, progress: bool = True, before_reform: bool = False
) -> dict[str, Any]:
    """Fill an empty database with a synthetic registry where `members` are in the Party today.

    With `before_reform` the registry is the one of 30/06/2025 (`members` in the Party on that
    day, no history after it, the 2025 reform not written), so the reform can be applied to it
    through the engine (`coso reorg national-plan`, `coso reorg apply`).

    Returns the counts written and the time taken. Refuses a database that already has units
    or members.
    """
    if members < 100:
        raise CosoError("Cần ít nhất 100 đảng viên để sinh dữ liệu có hình dạng toàn quốc.")
    started = time.perf_counter()
    cpu_started = time.process_time()
    _check_empty()
    _check_rules()

    def say(text: str) -> None:
        if progress:
            tqdm.write(f"[{time.perf_counter() - started:7.1f}s] {text}", file=sys.stderr)

    TIMINGS.clear()
    WALL_TIMINGS.clear()
    rng = np.random.default_rng(seed)
    now = _now_text()
    day = REFORM_DAY - dt.timedelta(days=1) if before_reform else today()
    ended_count = round(members * ENDED_SHARE)
    total = members + ended_count
    with transaction.atomic():
        decision, _created = Decision.objects.get_or_create(
            number="294-QĐ/TW (dữ liệu tổng hợp)",
            signed_on=dt.date(2025, 5, 26),
            defaults={
                "issuer": "Bộ Chính trị",
                "title": "Sắp xếp tổ chức đảng từ 01/07/2025 (dữ liệu sinh tự động)",
            },
        )
    say("building the unit tree")
    with _timed("build tree"):
        builder, home, province_codes = build_tree(
            members, rng, decision.pk, now, reform=not before_reform
        )
    weights = np.array(home.weights, dtype=float)
    home_of = rng.choice(len(weights), size=total, p=weights / weights.sum()).astype(np.int32)
    ended = np.zeros(total, dtype=bool)
    ended[rng.choice(total, size=ended_count, replace=False)] = True
    in_party = np.bincount(home_of[~ended], minlength=len(weights))
    group_base = add_groups(builder, home, in_party)
    commune_sector = np.array(home.commune_sector, dtype=bool)
    tags = np.array(home.tags, dtype=object)
    province_idx = np.array(home.province, dtype=np.int64)
    plan = MemberPlan(
        home=home_of,
        ended=ended,
        home_ids=np.array(home.ids, dtype=np.int64),
        group_base=group_base,
        province_num=np.array([int(province_codes[p]) for p in home.province], dtype=np.int64),
        province_idx=province_idx,
        place=np.array(home.place, dtype=object),
        commune_sector=commune_sector,
        armed=np.isin(tags, ["armed_forces", "border", "police"]),
        commune_homes_by_province=[
            np.flatnonzero(commune_sector & (province_idx == p)) for p in range(len(province_codes))
        ],
        names=_name_tables(),
        today=_days(day),
        now=now,
        seed=seed,
    )
    say(f"{len(builder.units):,} units, {len(home.ids):,} home branches; writing")
    counts: Counter[str] = Counter()
    member_deltas: Counter[tuple[dt.date, str]] | None = None
    with _bulk_mode(say):
        with transaction.atomic():
            _insert("units", builder.units)
            _insert("unit_events", builder.events)
            _insert("unit_spans", builder.spans)
        counts.update(units=len(builder.units), unit_spans=len(builder.spans))
        with tqdm(
            total=total,
            unit=" members",
            disable=not progress,
            file=sys.stderr,
            unit_scale=True,
            smoothing=0.1,
        ) as bar:
            chunks = [(a, min(total, a + MEMBER_CHUNK)) for a in range(0, total, MEMBER_CHUNK)]
            if _can_fan_out(total):
                member_deltas = _write_members_parallel(plan, chunks, counts, bar)
            else:
                for start, stop in chunks:
                    with _timed("compute member rows"):
                        rows = member_rows(plan, start, stop)
                    with transaction.atomic():
                        for key in MEMBER_KEYS:
                            _insert(key, rows[key])
                            counts[key] += len(rows[key])
                    bar.update(stop - start)
    _reset_sequences()
    # Every word of the name tables the members were drawn from (a superset of those written),
    # then counted.
    add_search_words(
        w for names in plan.names.search.values() for n in names.flat for w in n.split()
    )
    with _timed("count search words"):
        count_search_words()
    say("summing daily deltas")
    with transaction.atomic(), _timed("rebuild daily deltas"):
        rebuild_all(member_deltas)
    say("households, assignments and petitions")
    with _timed("outreach"):
        # Loaded as the members were (3 million households nationally): on PostgreSQL their
        # foreign keys checked row by row at commit took 86 s, one join each after the load.
        with _bulk_mode(say, OUTREACH_TABLES):
            outreach = generate_outreach(day, tally=False)
        with transaction.atomic():
            coverage_tally.rebuild()
    say("violation cases and discipline decisions")
    with _timed("oversight cases"):
        oversight = generate_cases(day=day, seed=seed)
    say("analyzing")
    with _timed("analyze"), connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA analysis_limit=2000")
            cur.execute("ANALYZE")
        else:  # only what was written (the shared catalogues are not this role's to analyze)
            # Outside a transaction the two small tables written last are vacuumed as well: the
            # root's figures sum DailyDelta from a covering index, index-only once the
            # visibility map is set (the big tables were vacuumed after their load).
            vacuum = "" if connection.in_atomic_block else "VACUUM "
            cur.execute(f"{vacuum}ANALYZE units_unit, stats_dailydelta")
            cur.execute(f"ANALYZE {', '.join(BIG_TABLES)}")
    seconds = time.perf_counter() - started
    say(f"done in {seconds:.0f}s")
    return {
        "members_in_party": members,
        "members_ended": ended_count,
        "seed": seed,
        "as_of": day.isoformat(),
        "rows": row_counts(),
        "home_units": len(home.ids),
        "outreach": outreach,
        "oversight": oversight,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(time.process_time() - cpu_started, 1),
        "worker_cpu_seconds": round(TIMINGS.get("workers: compute and write member chunks", 0), 1),
        "timings": {k: round(v, 2) for k, v in sorted(TIMINGS.items(), key=lambda kv: -kv[1])},
        "wall_timings": {
            k: round(v, 2) for k, v in sorted(WALL_TIMINGS.items(), key=lambda kv: -kv[1])
        },
    }
