"""The Quang Binh demo: the province as the seed article tells it, built from real unit codes.

`build_demo(seed)` draws everything without touching the database: the 2019 tree (province
`44`, its 8 districts, every commune with its branches, the committees directly under the
province with the Provincial Border Guard and its posts, and Hoàn Trạch commune, gone from the
dataset since it merged into Hoàn Lão), the members, and a dated timeline of what happened
afterwards (plans, admissions, transfers, deaths, posts, participation, the 2025 reform).
`coso.demo.loader` then writes it through the same imports, plans and operations an officer
uses, so the demo exercises the real paths.

Figures the seed states and the demo reproduces exactly (BRIEF.md §7):
- `19111` (Hoàn Lão) as of 2024-12-31: 1,184 members in 30 branches, 20 of them residential;
- Border Guard (`44-BDBP`) on 2024-12-31: 135 members taking part in 41 village branches,
  7 district committee members, 5 deputy secretaries and 16 committee members of commune
  committees, 11 People's Council delegates.

Read them back with
    coso stats 19111 --as-of 2024-12-31 --json     members.total, units.branch,
                                                   branch_categories.residential
    coso stats 44-BDBP --as-of 2024-12-31 --json   outside.participations {members, units},
        outside.positions {"district.committee_member", "grassroots_committee.deputy_secretary",
        "grassroots_committee.committee_member"}, outside.external_roles
    coso report households 44-BDBP --as-of 2024-12-31 --json
                                                   responsible_members 377, households 1,741
The households (coso.outreach.demo) are drawn after the timeline is written: the 377 members are
official members at home in the border posts on 2024-12-31, each responsible for 4 or 5
households of the villages their post covers.

What is real and what is invented: province, district and commune codes and names, and the
old-to-new mapping of 01/07/2025, come from `vietnamadminunits`; the merger cites Resolution
862/NQ-UBTVQH14 (10/01/2020) and the reform Resolution 202/2025/QH15 (12/06/2025). Everything
else is invented: people (no real person is named), village and branch names, border post names
(after public reports, locations approximate), the numbers of decisions creating branches.
Member counts elsewhere: 30 to 110 per commune (a grassroots committee needs 30), about 600 in
the Border Guard and 40 to 150 in each other committee directly under the province; about
12,000 in all, which keeps `coso load-demo` to about 30 s of CPU on SQLite (meetings included).

Committees (`committee_story`, `reform_committees`): the 2020 congresses give every unit its
posts, held by members homed in the unit's own subtree (so the border guard's "outside" figures
stay the seed's), a few branches are left without a secretary; the commune committees' posts
end on 01/07/2025 and the new commune-level committees are appointed that day. `recent_story`
adds, dated from today, probationary members near or past their 12 months and members in
transit too long, so every home-page warning has rows. docs/DEMO.md describes it all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from coso.core.dates import add_months, add_working_days, today
from coso.core.rules import rule
from coso.demo.geography import Commune, District, legacy_units, reform_mapping
from coso.demo.people import (
    BORDER_GUARD_OCCUPATIONS,
    COASTAL_OCCUPATIONS,
    URBAN_OCCUPATIONS,
    VILLAGE_OCCUPATIONS,
    PeopleFactory,
)

PROVINCE = "44"
HOAN_LAO = "19111"
HOAN_TRACH = "DEMO-HOANTRACH"
BORDER_GUARD = "44-BDBP"
BO_TRACH = "455"

TREE_START = dt.date(1989, 7, 1)  # Quảng Bình re-established after Bình Trị Thiên was split
IMPORT_UNTIL = dt.date(2018, 12, 31)  # members imported were admitted by then
MERGER_DAY = dt.date(2020, 2, 1)
MERGER_DECISION = ("862/NQ-UBTVQH14", dt.date(2020, 1, 10))
REFORM_DAY = dt.date(2025, 7, 1)
REFORM_DECISION = ("202/2025/QH15", dt.date(2025, 6, 12))
FIGURES_DAY = dt.date(2024, 12, 31)
# The stories of 2019–2025 stop here; after the reform only `recent_story` happens.
LAST_EVENT_DAY = dt.date(2025, 6, 30)

# The seed's figures.
HOAN_LAO_MEMBERS = 1184
HOAN_LAO_BRANCHES = 30
HOAN_LAO_RESIDENTIAL = 20
BORDER_PARTICIPANTS = 135
BORDER_VILLAGES = 41
BORDER_DISTRICT_COMMITTEE = 7
BORDER_DEPUTY_SECRETARIES = 5
BORDER_COMMUNE_COMMITTEE = 16
BORDER_COUNCIL_DELEGATES = 11
BORDER_RESPONSIBLE = 377
BORDER_HOUSEHOLDS = 1741
COUNCIL_TITLE = "Đại biểu HĐND xã"

# Congresses of the 2020–2025 term, where the committees were elected (invented dates, in the
# order the Party holds them: branches, then grassroots, district and provincial committees).
BRANCH_CONGRESS = dt.date(2020, 5, 15)
COMMUNE_CONGRESS = dt.date(2020, 7, 10)
DISTRICT_CONGRESS = dt.date(2020, 8, 20)
PROVINCE_CONGRESS = dt.date(2020, 10, 15)
WITHOUT_SECRETARY = 5  # branches left without a secretary, for the home page's warning
HOME_UNIT_KINDS = ("branch", "grassroots_branch")

EXPECTED: dict[str, Any] = {
    "hoan_lao": {
        "members": HOAN_LAO_MEMBERS,
        "branches": HOAN_LAO_BRANCHES,
        "residential": HOAN_LAO_RESIDENTIAL,
    },
    "border_guard": {
        "participations": {"members": BORDER_PARTICIPANTS, "units": BORDER_VILLAGES},
        "positions": {
            "district.committee_member": BORDER_DISTRICT_COMMITTEE,
            "grassroots_committee.deputy_secretary": BORDER_DEPUTY_SECRETARIES,
            "grassroots_committee.committee_member": BORDER_COMMUNE_COMMITTEE,
        },
        "external_roles": BORDER_COUNCIL_DELEGATES,
        "households": {
            "responsible_members": BORDER_RESPONSIBLE,
            "households": BORDER_HOUSEHOLDS,
        },
    },
}

UNIT_COLUMNS = ("code", "name", "kind", "parent", "valid_from", "category")
MEMBER_COLUMNS = (
    "member_id",
    "card_no",
    "full_name",
    "gender",
    "birth_date",
    "branch",
    "admitted_on",
    "official_on",
    "national_id",
    "ethnicity",
    "religion",
    "hometown",
    "residence",
    "education",
    "occupation",
)
PLAN_COLUMNS = ("op", "unit", "into", "name", "kind", "category")

# Land-border communes and the share of their members from ethnic minorities
# (Bru-Vân Kiều: Khùa, Ma Coong, Vân Kiều; Chứt: Sách, Mày, Rục, Arem, Mã Liềng).
MINORITY_SHARE: dict[str, list[tuple[str, float]]] = {
    "18904": [("Bru-Vân Kiều", 0.45), ("Chứt", 0.3)],  # Dân Hóa
    "18907": [("Bru-Vân Kiều", 0.45), ("Chứt", 0.3)],  # Trọng Hóa
    "18946": [("Chứt", 0.4)],  # Thượng Hóa
    "19147": [("Bru-Vân Kiều", 0.7)],  # Thượng Trạch
    "19192": [("Chứt", 0.4), ("Bru-Vân Kiều", 0.1)],  # Tân Trạch
    "19204": [("Bru-Vân Kiều", 0.45)],  # Trường Sơn
    "19318": [("Bru-Vân Kiều", 0.45)],  # Kim Thủy
    "19327": [("Bru-Vân Kiều", 0.5)],  # Lâm Thủy
}
# Villages per land-border commune: 41 in all, every one with border guards taking part.
LAND_BORDER_VILLAGES = {
    "18904": 7,
    "18907": 7,
    "19147": 6,
    "19192": 4,
    "19204": 7,
    "19318": 6,
    "19327": 4,
}
COASTAL = {"18889", "19018", "19036", "19102", "19144", "19306", "19255", "18853", "18874"}

# Border posts (illustrative names after public reports; areas approximate).
# code suffix, name, communes covered, land post (committee with branches) or not.
BORDER_POSTS: list[tuple[str, str, tuple[str, ...], bool]] = [
    ("CHALO", "Đồn Biên phòng Cửa khẩu Quốc tế Cha Lo", ("18904",), True),
    ("RAMAI", "Đồn Biên phòng Ra Mai", ("18907",), True),
    ("CAROONG", "Đồn Biên phòng Cà Roòng", ("19147",), True),
    ("CONROANG", "Đồn Biên phòng Cồn Roàng", ("19192",), True),
    ("LANGHO", "Đồn Biên phòng Làng Ho", ("19204",), True),
    ("KIMTHUY", "Đồn Biên phòng Kim Thủy", ("19318", "19327"), True),
    ("HONLA", "Đồn Biên phòng Cửa khẩu cảng Hòn La", ("19018",), False),
    ("ROON", "Đồn Biên phòng Roòn", ("19036",), False),
    ("GIANH", "Đồn Biên phòng Cửa khẩu cảng Gianh", ("19102",), False),
    ("LYHOA", "Đồn Biên phòng Lý Hòa", ("19144",), False),
    ("NHATLE", "Đồn Biên phòng Nhật Lệ", ("18889",), False),
    ("NGUTHUY", "Đồn Biên phòng Ngư Thủy", ("19306", "19255"), False),
]
# Where border guard officers sit (the seed's 7 / 5 / 16 / 11), with the post they come from.
DISTRICT_SEATS = [
    ("452", "CHALO"),
    ("455", "CAROONG"),
    ("456", "LANGHO"),
    ("457", "KIMTHUY"),
    ("454", "HONLA"),
    ("458", "GIANH"),
    ("450", "NHATLE"),
]
DEPUTY_SECRETARY_SEATS = [
    ("18904", "CHALO"),
    ("18907", "RAMAI"),
    ("19147", "CAROONG"),
    ("19204", "LANGHO"),
    ("19318", "KIMTHUY"),
]
COMMITTEE_SEATS = [
    ("18904", "CHALO"),
    ("18907", "RAMAI"),
    ("18937", "CHALO"),  # Hóa Sơn
    ("18946", "CHALO"),  # Thượng Hóa
    ("19147", "CAROONG"),
    ("19192", "CONROANG"),
    ("19204", "LANGHO"),
    ("19318", "KIMTHUY"),
    ("19327", "KIMTHUY"),
    ("19018", "HONLA"),
    ("19036", "ROON"),
    ("19102", "GIANH"),
    ("19144", "LYHOA"),
    ("18889", "NHATLE"),
    ("19306", "NGUTHUY"),
    ("19255", "NGUTHUY"),
]
COUNCIL_SEATS = [
    ("18904", "CHALO"),
    ("18907", "RAMAI"),
    ("19147", "CAROONG"),
    ("19192", "CONROANG"),
    ("19204", "LANGHO"),
    ("19318", "KIMTHUY"),
    ("19327", "KIMTHUY"),
    ("18889", "NHATLE"),
    ("19036", "ROON"),
    ("19144", "LYHOA"),
    ("19306", "NGUTHUY"),
]

# Other committees directly under the province: code, name, tags, grassroots organizations
# (suffix, name, kind, tags, branch names).
DIRECTLY_UNDER: list[tuple[str, str, str, list[tuple[str, str, str, str, list[str]]]]] = [
    (
        "44-QS",
        "Đảng bộ Quân sự tỉnh Quảng Bình",
        "armed_forces;directly_under",
        [
            (
                "CQ",
                "Đảng bộ Cơ quan Bộ Chỉ huy Quân sự tỉnh",
                "grassroots_committee",
                "armed_forces",
                ["Phòng Tham mưu", "Phòng Chính trị", "Phòng Hậu cần - Kỹ thuật"],
            ),
            ("DDTS", "Chi bộ Đại đội Trinh sát", "grassroots_branch", "armed_forces", []),
        ],
    ),
    (
        "44-CA",
        "Đảng bộ Công an tỉnh Quảng Bình",
        "police;directly_under",
        [
            (
                "CQ",
                "Đảng bộ Cơ quan Công an tỉnh",
                "grassroots_committee",
                "police",
                ["Phòng Tham mưu", "Phòng Cảnh sát hình sự", "Phòng An ninh nội địa"],
            ),
        ],
    ),
    (
        "44-KCQ",
        "Đảng bộ Khối các cơ quan tỉnh Quảng Bình",
        "agency;directly_under",
        [
            (
                "SGD",
                "Đảng bộ Sở Giáo dục và Đào tạo",
                "grassroots_committee",
                "agency",
                ["Văn phòng Sở", "Phòng Giáo dục trung học", "Phòng Giáo dục mầm non - tiểu học"],
            ),
            ("STP", "Chi bộ Sở Tư pháp", "grassroots_branch", "agency", []),
            ("STC", "Chi bộ Sở Tài chính", "grassroots_branch", "agency", []),
        ],
    ),
    (
        "44-KDN",
        "Đảng bộ Khối Doanh nghiệp tỉnh Quảng Bình",
        "enterprise;directly_under",
        [
            ("CN", "Chi bộ Công ty Cổ phần Cấp nước", "grassroots_branch", "enterprise", []),
            (
                "MT",
                "Chi bộ Công ty Môi trường và Phát triển đô thị",
                "grassroots_branch",
                "enterprise",
                [],
            ),
        ],
    ),
]

CITIES = {"Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"}
VILLAGE_NAMES = [
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Thượng",
    "Hạ",
    "Tân Lập",
    "Tân Hưng",
    "Phú Lợi",
    "Phú Xuân",
    "Xuân Hòa",
    "Hòa Bình",
    "Thanh Sơn",
    "Đại Phong",
    "Cổ Giang",
    "Phúc Tự",
    "Quyết Tiến",
    "Đồng Tâm",
    "Thống Nhất",
    "Minh Tiến",
    "Tiến Thành",
    "Lạc Thiện",
    "Vĩnh Phước",
    "An Lạc",
    "Thuận Hòa",
    "Mỹ Hòa",
    "Hưng Long",
    "Phú Thọ",
    "Trường Xuân",
]
COMMUNE_BRANCHES = [
    ("Chi bộ Cơ quan {lvl}", "agency"),
    ("Chi bộ Quân sự {lvl}", "armed_forces"),
    ("Chi bộ Trường Tiểu học và THCS {name}", "school"),
    ("Chi bộ Trạm Y tế {lvl}", "public_service"),
]


@dataclass
class UnitRow:
    code: str
    name: str
    kind: str
    parent: str
    valid_from: dt.date
    tags: tuple[str, ...] = ()
    locality: str = ""  # "thôn Đông, xã Dân Hóa, huyện Minh Hóa" for residence

    def csv(self) -> list[str]:
        return [
            self.code,
            self.name,
            self.kind,
            self.parent,
            self.valid_from.isoformat(),
            ";".join(self.tags),
        ]


@dataclass
class MemberRow:
    member_id: str
    card_no: str
    full_name: str
    gender: str
    birth_date: dt.date
    branch: str
    admitted_on: dt.date
    official_on: dt.date | None
    national_id: str
    ethnicity: str
    religion: str
    hometown: str
    residence: str
    education: str
    occupation: str

    def csv(self) -> list[str]:
        return [
            self.member_id,
            self.card_no,
            self.full_name,
            self.gender,
            self.birth_date.isoformat(),
            self.branch,
            self.admitted_on.isoformat(),
            self.official_on.isoformat() if self.official_on else "",
            self.national_id,
            self.ethnicity,
            self.religion,
            self.hometown,
            self.residence,
            self.education,
            self.occupation,
        ]

    def profile(self) -> dict[str, Any]:
        """The keyword arguments `admit_member` takes for this person."""
        return {
            "member_id": self.member_id,
            "full_name": self.full_name,
            "gender": self.gender,
            "birth_date": self.birth_date,
            "national_id": self.national_id,
            "ethnicity": self.ethnicity,
            "religion": self.religion,
            "hometown": self.hometown,
            "residence": self.residence,
            "education": self.education,
            "occupation": self.occupation,
        }


@dataclass
class Step:
    """One dated thing that happens after the import, applied in date order."""

    day: dt.date
    op: str  # plan, admit, recognize, reject, transfer_out, receive, exempt, death,
    # strike_off, position, external_role, participation
    member: str = ""
    unit: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    seq: int = 0


@dataclass
class Demo:
    seed: int
    units: list[UnitRow]
    members: list[MemberRow]
    steps: list[Step]
    reform_rows: list[list[str]]
    expected: dict[str, Any]

    def timeline(self) -> list[Step]:
        return sorted(self.steps, key=lambda s: (s.day, s.seq))


# --------------------------------------------------------------------------------------------
# Names


def commune_level(commune: Commune) -> str:
    """ "xã", "phường", "thị trấn" — how the commune's own bodies are called."""
    return commune.type.lower()


def commune_unit_name(commune: Commune) -> str:
    return f"Đảng bộ {commune.type.lower()} {commune.short}"


def district_unit_name(district: District) -> str:
    short = district.name[len(district.type) :].strip()
    return f"Đảng bộ {district.type.lower()} {short}"


def district_locality(district: District) -> str:
    short = district.name[len(district.type) :].strip()
    return f"{district.type.lower()} {short}"


# --------------------------------------------------------------------------------------------
# The builder


class _Builder:
    def __init__(self, seed: int):
        self.seed = seed
        self.people = PeopleFactory(seed)
        self.rng = self.people.rng
        self.units: list[UnitRow] = []
        self.by_code: dict[str, UnitRow] = {}
        self.members: list[MemberRow] = []
        self.member_by_id: dict[str, MemberRow] = {}
        self.by_branch: dict[str, list[MemberRow]] = {}
        self.steps: list[Step] = []
        self.used: set[str] = set()  # members given a history step that ends or moves them
        self.seated: dict[str, int] = {}  # member -> number of posts given (committee_story)
        self.commune_posts: list[Step] = []  # 2020 posts in commune committees, end 01/07/2025
        self.vacant: list[str] = []  # branches left without a secretary
        self._seq = 0
        self._next_member = 0
        districts, communes = legacy_units()
        self.districts = {d.code: d for d in districts}
        self.communes = {c.code: c for c in communes}

    # -- helpers -----------------------------------------------------------------------------

    def add_unit(self, row: UnitRow) -> UnitRow:
        self.units.append(row)
        self.by_code[row.code] = row
        return row

    def step(self, day: dt.date, op: str, member: str = "", unit: str = "", **args: Any) -> Step:
        self._seq += 1
        s = Step(day=day, op=op, member=member, unit=unit, args=args, seq=self._seq)
        self.steps.append(s)
        return s

    def new_member_id(self) -> str:
        self._next_member += 1
        return f"44.{self._next_member:06d}"

    def admission_day(self, earliest: int = 1962) -> dt.date:
        # More members were admitted in recent decades than in the 1960s.
        year = int(earliest + (IMPORT_UNTIL.year - earliest) * (self.rng.random() ** 0.7))
        return self.people.date_between(
            dt.date(year, 1, 1), min(dt.date(year, 12, 28), IMPORT_UNTIL)
        )

    def make_member(
        self,
        branch: UnitRow,
        *,
        admitted_on: dt.date | None = None,
        occupations: list[tuple[str, int]] = VILLAGE_OCCUPATIONS,
        minority: list[tuple[str, float]] | None = None,
        gender: str | None = None,
        hometown: str = "",
        max_age: int = 40,
        official: bool | None = None,
    ) -> MemberRow:
        admitted = admitted_on or self.admission_day()
        ethnicity = None
        if minority:
            roll = self.rng.random()
            for name, share in minority:
                if roll < share:
                    ethnicity = name
                    break
                roll -= share
        person = self.people.person(
            admitted_on=admitted,
            gender=gender,
            minority_ethnicity=ethnicity,
            occupations=occupations,
            hometown=hometown
            or self.hometown(branch, mobile=occupations is BORDER_GUARD_OCCUPATIONS),
            max_age=max_age,
        )
        member_id = self.new_member_id()
        if official is None:
            official = add_months(admitted, 12) <= IMPORT_UNTIL
        row = MemberRow(
            member_id=member_id,
            card_no=f"{41_000_000 + self._next_member:08d}" if official else "",
            full_name=person.full_name,
            gender=person.gender,
            birth_date=person.birth_date,
            branch=branch.code,
            admitted_on=admitted,
            official_on=add_months(admitted, 12) if official else None,
            national_id=person.national_id,
            ethnicity=person.ethnicity,
            religion=person.religion,
            hometown=person.hometown,
            residence=branch.locality,
            education=person.education,
            occupation=self.occupation(person.occupation, person.birth_date),
        )
        return row

    def occupation(self, drawn: str, birth: dt.date) -> str:
        # Conscripts are young; a soldier past 30 is an officer or a career serviceman.
        if drawn == "Hạ sĩ quan, chiến sĩ" and birth < dt.date(1994, 1, 1):
            return self.rng.choice(["Sĩ quan Bộ đội Biên phòng", "Quân nhân chuyên nghiệp"])
        return drawn

    def hometown(self, branch: UnitRow, *, mobile: bool) -> str:
        """Mostly where they live; soldiers come from all over the province and beyond."""
        roll = self.rng.random()
        if (mobile and roll < 0.5) or roll < 0.04:
            province = self.people.fake.province_name()
            return f"{'thành phố' if province in CITIES else 'tỉnh'} {province}"
        if mobile:
            commune = self.rng.choice(list(self.communes.values()))
            return self._commune_locality(commune)
        return branch.locality

    def add_member(self, row: MemberRow) -> MemberRow:
        self.members.append(row)
        self.member_by_id[row.member_id] = row
        self.by_branch.setdefault(row.branch, []).append(row)
        return row

    def fill(
        self, branches: list[UnitRow], total: int, *, earliest: int = 1962, **kwargs: Any
    ) -> None:
        """`total` members over `branches`, at least 3 official in each (Charter art. 24)."""
        weights = [self.rng.uniform(0.6, 1.4) for _ in branches]
        counts = [3] * len(branches)
        for _ in range(max(0, total - 3 * len(branches))):
            counts[self.rng.choices(range(len(branches)), weights=weights)[0]] += 1
        for branch, n in zip(branches, counts, strict=True):
            for i in range(n):
                # The first three of each branch are old hands, so the branch always has
                # three official members whatever the draw of admission dates.
                admitted = self.admission_day(earliest)
                if i < 3 and admitted > dt.date(2016, 12, 31):
                    admitted = dt.date(2016, self.rng.randint(1, 12), self.rng.randint(1, 28))
                self.add_member(self.make_member(branch, admitted_on=admitted, **kwargs))

    # -- the tree ----------------------------------------------------------------------------

    def build_tree(self) -> None:
        self.add_unit(
            UnitRow(
                PROVINCE,
                "Đảng bộ tỉnh Quảng Bình",
                "province",
                "",
                TREE_START,
                (),
                "tỉnh Quảng Bình",
            )
        )
        for district in self.districts.values():
            self.add_unit(
                UnitRow(
                    district.code,
                    district_unit_name(district),
                    "district",
                    PROVINCE,
                    TREE_START,
                    (),
                    f"{district_locality(district)}, tỉnh Quảng Bình",
                )
            )
        for commune in self.communes.values():
            self.build_commune(commune)
        self.build_hoan_trach()
        self.build_border_guard()
        self.build_directly_under()

    def _commune_locality(self, commune: Commune) -> str:
        district = self.districts[commune.district]
        return f"{commune.name[:1].lower()}{commune.name[1:]}, {district_locality(district)}, tỉnh Quảng Bình"

    def build_commune(self, commune: Commune) -> None:
        where = self._commune_locality(commune)
        self.add_unit(
            UnitRow(
                commune.code,
                commune_unit_name(commune),
                "grassroots_committee",
                commune.district,
                TREE_START,
                ("commune",),
                where,
            )
        )
        if commune.code == HOAN_LAO:
            return  # built with its story in build_hoan_lao
        minority = MINORITY_SHARE.get(commune.code)
        if commune.urban:
            n_home = self.rng.randint(6, 12)
            area = "tiểu khu" if commune.type == "Thị trấn" else "tổ dân phố"
            homes = [(f"{area} {i}", "residential") for i in range(1, n_home + 1)]
        else:
            n_home = LAND_BORDER_VILLAGES.get(commune.code) or self.rng.randint(5, 11)
            if minority:
                homes = [(f"bản {i}", "village") for i in range(1, n_home + 1)]
            else:
                names = self.rng.sample(VILLAGE_NAMES, n_home)
                homes = [(f"thôn {n}", "village") for n in names]
        branches: list[UnitRow] = []
        for i, (place, tag) in enumerate(homes, start=1):
            branches.append(
                self.add_unit(
                    UnitRow(
                        f"{commune.code}-CB{i:02d}",
                        # "Chi bộ thôn Tân Lập", "Chi bộ Tổ dân phố 3", "Chi bộ Tiểu khu 2"
                        f"Chi bộ {place if tag == 'village' else place[:1].upper() + place[1:]}",
                        "branch",
                        commune.code,
                        TREE_START,
                        (tag,),
                        f"{place}, {where}",
                    )
                )
            )
        extra = self.rng.sample(COMMUNE_BRANCHES, self.rng.randint(1, 3))
        for template, tag in sorted(extra, key=COMMUNE_BRANCHES.index):
            i = len(branches) + 1
            branches.append(
                self.add_unit(
                    UnitRow(
                        f"{commune.code}-CB{i:02d}",
                        template.format(lvl=commune_level(commune), name=commune.short),
                        "branch",
                        commune.code,
                        TREE_START,
                        (tag,),
                        f"{self.rng.choice(homes)[0]}, {where}",
                    )
                )
            )
        occupations = (
            URBAN_OCCUPATIONS
            if commune.urban
            else COASTAL_OCCUPATIONS
            if commune.code in COASTAL
            else VILLAGE_OCCUPATIONS
        )
        low, high = (30, 60) if minority else (30, 110)
        self.fill(
            branches,
            self.rng.randint(low, high),
            occupations=occupations,
            minority=minority,
        )

    def build_hoan_trach(self) -> None:
        where = "xã Hoàn Trạch, huyện Bố Trạch, tỉnh Quảng Bình"
        self.add_unit(
            UnitRow(
                HOAN_TRACH,
                "Đảng bộ xã Hoàn Trạch (đã sáp nhập 01/02/2020)",
                "grassroots_committee",
                BO_TRACH,
                TREE_START,
                ("commune",),
                where,
            )
        )
        for i in range(1, 10):
            self.add_unit(
                UnitRow(
                    f"{HOAN_TRACH}-CB{i:02d}",
                    f"Chi bộ thôn {i} (Hoàn Trạch)",
                    "branch",
                    HOAN_TRACH,
                    TREE_START,
                    ("village",),
                    f"thôn {i}, {where}",
                )
            )
        self.add_unit(
            UnitRow(
                f"{HOAN_TRACH}-CB10",
                "Chi bộ Trường Mầm non Hoàn Trạch",
                "branch",
                HOAN_TRACH,
                TREE_START,
                ("school",),
                f"thôn 2, {where}",
            )
        )

    def build_border_guard(self) -> None:
        self.add_unit(
            UnitRow(
                BORDER_GUARD,
                "Đảng bộ Bộ đội Biên phòng tỉnh Quảng Bình",
                "district",
                PROVINCE,
                TREE_START,
                ("armed_forces", "border", "directly_under"),
                "thành phố Đồng Hới, tỉnh Quảng Bình",
            )
        )
        hq = self.add_unit(
            UnitRow(
                f"{BORDER_GUARD}-CQ",
                "Đảng bộ Cơ quan Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
                "grassroots_committee",
                BORDER_GUARD,
                TREE_START,
                ("armed_forces", "border"),
                "thành phố Đồng Hới, tỉnh Quảng Bình",
            )
        )
        hq_branches = []
        for i, name in enumerate(
            [
                "Phòng Tham mưu",
                "Phòng Chính trị",
                "Phòng Hậu cần - Kỹ thuật",
                "Phòng Phòng chống ma túy và tội phạm",
                "Hải đội Biên phòng 2",
            ],
            start=1,
        ):
            hq_branches.append(
                self.add_unit(
                    UnitRow(
                        f"{hq.code}-CB{i:02d}",
                        f"Chi bộ {name}",
                        "branch",
                        hq.code,
                        TREE_START,
                        ("armed_forces", "border"),
                        hq.locality,
                    )
                )
            )
        self.fill(hq_branches, self.rng.randint(110, 140), **self._soldier_kwargs())
        for suffix, name, communes, land in BORDER_POSTS:
            where = self._commune_locality(self.communes[communes[0]])
            code = f"{BORDER_GUARD}-{suffix}"
            if land:
                post = self.add_unit(
                    UnitRow(
                        code,
                        f"Đảng bộ {name}",
                        "grassroots_committee",
                        BORDER_GUARD,
                        TREE_START,
                        ("armed_forces", "border"),
                        where,
                    )
                )
                branches = [
                    self.add_unit(
                        UnitRow(
                            f"{code}-CB{i:02d}",
                            f"Chi bộ {part}",
                            "branch",
                            post.code,
                            TREE_START,
                            ("armed_forces", "border"),
                            where,
                        )
                    )
                    for i, part in enumerate(
                        ["Chỉ huy đồn", "Đội Vận động quần chúng", "Đội Trinh sát - Tuần tra"],
                        start=1,
                    )
                ]
                villages = sum(LAND_BORDER_VILLAGES.get(c, 0) for c in communes)
                self.fill(
                    branches, 30 + 4 * villages + self.rng.randint(0, 8), **self._soldier_kwargs()
                )
            else:
                post = self.add_unit(
                    UnitRow(
                        code,
                        f"Chi bộ {name}",
                        "grassroots_branch",
                        BORDER_GUARD,
                        TREE_START,
                        ("armed_forces", "border"),
                        where,
                    )
                )
                self.fill([post], self.rng.randint(18, 27), **self._soldier_kwargs())

    def _soldier_kwargs(self) -> dict[str, Any]:
        return {
            "occupations": BORDER_GUARD_OCCUPATIONS,
            "gender": "male",
            "hometown": "",
            "max_age": 30,
            "earliest": 1998,
        }

    def build_directly_under(self) -> None:
        where = "thành phố Đồng Hới, tỉnh Quảng Bình"
        for code, name, tags, children in DIRECTLY_UNDER:
            self.add_unit(
                UnitRow(code, name, "district", PROVINCE, TREE_START, tuple(tags.split(";")), where)
            )
            for suffix, child_name, kind, child_tags, branch_names in children:
                child = self.add_unit(
                    UnitRow(
                        f"{code}-{suffix}",
                        child_name,
                        kind,
                        code,
                        TREE_START,
                        (child_tags,),
                        where,
                    )
                )
                occupations = [("Cán bộ, công chức", 60), ("Viên chức", 30), ("Người lao động", 10)]
                if kind == "grassroots_branch":
                    self.fill(
                        [child], self.rng.randint(12, 28), occupations=occupations, earliest=1985
                    )
                    continue
                branches = [
                    self.add_unit(
                        UnitRow(
                            f"{child.code}-CB{i:02d}",
                            f"Chi bộ {b}",
                            "branch",
                            child.code,
                            TREE_START,
                            (child_tags,),
                            where,
                        )
                    )
                    for i, b in enumerate(branch_names, start=1)
                ]
                self.fill(
                    branches, self.rng.randint(45, 90), occupations=occupations, earliest=1985
                )

    # -- Hoàn Lão ----------------------------------------------------------------------------

    def build_hoan_lao(self) -> None:
        """Hoàn Lão town and its story: the merger, three new branches, six years of history.

        The numbers of admissions, deaths, transfers... are fixed first; the imported
        membership is then sized so that 2024-12-31 shows exactly the seed's 1,184.
        """
        town = self.by_code[HOAN_LAO]
        where = town.locality
        hl_branches: list[UnitRow] = []
        for i in range(1, 14):
            hl_branches.append(
                self.add_unit(
                    UnitRow(
                        f"{HOAN_LAO}-CB{i:02d}",
                        f"Chi bộ Tiểu khu {i}",
                        "branch",
                        HOAN_LAO,
                        TREE_START,
                        ("residential",),
                        f"tiểu khu {i}, {where}",
                    )
                )
            )
        for i, (name, tag) in enumerate(
            [
                ("Chi bộ Cơ quan Đảng ủy - HĐND - UBND thị trấn", "agency"),
                ("Chi bộ Trường THCS Hoàn Lão", "school"),
                ("Chi bộ Trường Tiểu học Hoàn Lão", "school"),
                ("Chi bộ Quân sự thị trấn", "armed_forces"),
            ],
            start=14,
        ):
            hl_branches.append(
                self.add_unit(
                    UnitRow(
                        f"{HOAN_LAO}-CB{i:02d}",
                        name,
                        "branch",
                        HOAN_LAO,
                        TREE_START,
                        (tag,),
                        f"tiểu khu {self.rng.randint(1, 13)}, {where}",
                    )
                )
            )
        ht_branches = [u for u in self.units if u.parent == HOAN_TRACH]

        admissions, not_recognized, deaths, strike_offs = 42, 1, 36, 2
        transfers_out, transfers_in = 6, 5
        imported = (
            HOAN_LAO_MEMBERS
            - admissions
            + not_recognized
            + deaths
            + strike_offs
            + transfers_out
            - transfers_in
        )
        in_town = round(imported * 0.64)
        self.fill(hl_branches, in_town, occupations=URBAN_OCCUPATIONS)
        self.fill(ht_branches, imported - in_town, occupations=VILLAGE_OCCUPATIONS)
        pool = [m for b in hl_branches + ht_branches for m in self.by_branch[b.code]]
        self.hoan_lao_story(
            hl_branches,
            ht_branches,
            pool,
            admissions=admissions,
            deaths=deaths,
            strike_offs=strike_offs,
            transfers_out=transfers_out,
            transfers_in=transfers_in,
        )

    def pick_members(self, pool: list[MemberRow], n: int, *, key: Any = None) -> list[MemberRow]:
        """n members of `pool` not yet used by another story step (oldest first if key)."""
        free = [m for m in pool if m.member_id not in self.used]
        chosen = sorted(free, key=key)[:n] if key else self.rng.sample(free, n)
        self.used.update(m.member_id for m in chosen)
        return chosen

    def hoan_lao_story(
        self,
        hl_branches: list[UnitRow],
        ht_branches: list[UnitRow],
        pool: list[MemberRow],
        *,
        admissions: int,
        deaths: int,
        strike_offs: int,
        transfers_out: int,
        transfers_in: int,
    ) -> None:
        rng = self.rng
        # 01/02/2020: Hoàn Trạch merges into the town; seven of its villages become residential
        # areas (tiểu khu 14–20) of the enlarged town.
        rows = [["merge", HOAN_TRACH, HOAN_LAO, "", "", ""]]
        for i in range(1, 8):
            code = f"{HOAN_TRACH}-CB{i:02d}"
            rows.append(["retag", code, "", "", "", "residential"])
            rows.append(["rename", code, "", f"Chi bộ Tiểu khu {13 + i}", "", ""])
        self.step(
            MERGER_DAY,
            "plan",
            name="2020-02-01-hoan-trach-vao-hoan-lao.csv",
            rows=rows,
            decision=MERGER_DECISION,
        )
        # Three branches created afterwards, each given members moved from other branches.
        new_branches = [
            (dt.date(2020, 9, 1), f"{HOAN_LAO}-CB18", "Chi bộ Công an thị trấn", "police", 6),
            (
                dt.date(2021, 6, 1),
                f"{HOAN_LAO}-CB19",
                "Chi bộ Trạm Y tế thị trấn",
                "public_service",
                5,
            ),
            (
                dt.date(2022, 3, 1),
                f"{HOAN_LAO}-CB20",
                "Chi bộ Hợp tác xã Dịch vụ tổng hợp Hoàn Lão",
                "enterprise",
                4,
            ),
        ]
        homes = list(hl_branches) + list(ht_branches)
        for n, (day, code, name, tag, movers) in enumerate(new_branches, start=1):
            self.step(
                day,
                "plan",
                name=f"{day.isoformat()}-thanh-lap-{code}.csv",
                rows=[["create", code, HOAN_LAO, name, "branch", tag]],
                decision=(f"{40 + 17 * n}-QĐ/ĐU", day - dt.timedelta(days=10)),
            )
            branch = UnitRow(code, name, "branch", HOAN_LAO, day, (tag,), town_locality(self))
            self.by_code[code] = branch
            homes.append(branch)
            officials = [m for m in pool if m.official_on and m.birth_date > dt.date(1965, 1, 1)]
            for m in self.pick_members(officials, movers):
                sent = add_working_days(day, rng.randint(3, 10))
                self.step(sent, "transfer_out", m.member_id, code)
                self.step(add_working_days(sent, rng.randint(2, 8)), "receive", m.member_id, code)
        created_on = {code: day for day, code, *_rest in new_branches}

        # Deaths among the oldest, exemptions for the next oldest.
        for m in self.pick_members(pool, deaths, key=lambda m: m.birth_date):
            self.step(
                self.people.date_between(dt.date(2019, 3, 1), dt.date(2024, 11, 30)),
                "death",
                m.member_id,
            )
        for m in self.pick_members(pool, 20, key=lambda m: m.birth_date):
            self.step(
                self.people.date_between(dt.date(2022, 3, 1), dt.date(2024, 9, 30)),
                "exempt",
                m.member_id,
                reason="age",
            )
        for i, m in enumerate(self.pick_members(pool, strike_offs)):
            self.step(
                dt.date(2021 + 2 * i, 8, 16),
                "strike_off",
                m.member_id,
                reason="Bỏ sinh hoạt đảng 3 tháng trong năm không có lý do chính đáng",
            )
        # Moves to and from Đồng Hới (official transfers between grassroots committees).
        dong_hoi = [u for u in self.units if u.kind == "branch" and u.parent.startswith("188")]
        young = [m for m in pool if m.official_on and m.birth_date > dt.date(1970, 1, 1)]
        for m in self.pick_members(young, transfers_out):
            target = rng.choice(dong_hoi)
            sent = self.people.date_between(dt.date(2019, 6, 1), dt.date(2024, 10, 31))
            self.step(sent, "transfer_out", m.member_id, target.code)
            self.step(
                add_working_days(sent, rng.randint(5, 25)), "receive", m.member_id, target.code
            )
        elsewhere = [
            m
            for u in dong_hoi
            for m in self.by_branch.get(u.code, [])
            if m.official_on and m.birth_date > dt.date(1970, 1, 1)
        ]
        for m in self.pick_members(elsewhere, transfers_in):
            target = rng.choice(hl_branches[:13])
            sent = self.people.date_between(dt.date(2019, 6, 1), dt.date(2024, 10, 31))
            self.step(sent, "transfer_out", m.member_id, target.code)
            self.step(
                add_working_days(sent, rng.randint(5, 25)), "receive", m.member_id, target.code
            )

        # The committee elected at the 2020–2025 congress of the enlarged town.
        congress = dt.date(2020, 6, 20)
        seasoned = [m for m in pool if m.official_on and m.birth_date > dt.date(1962, 1, 1)]
        roles = ["secretary", "deputy_secretary", "deputy_secretary"] + ["committee_member"] * 12
        for role, m in zip(roles, self.pick_members(seasoned, len(roles)), strict=True):
            self.step(congress, "position", m.member_id, HOAN_LAO, role=role)

        # Admissions, then recognition 12 months after the ceremony (one is not recognized).
        for i in range(admissions):
            day = self.people.date_between(dt.date(2019, 3, 1), dt.date(2024, 10, 31))
            if i == 7:  # the one not recognized: early enough to be off the list by 2024
                day = self.people.date_between(dt.date(2021, 3, 1), dt.date(2021, 6, 30))
            options = [b for b in homes if created_on.get(b.code, dt.date.min) < day]
            branch = rng.choice(options)
            row = self.make_member(branch, admitted_on=day, max_age=35, official=False)
            row.admitted_on = day
            self.member_by_id[row.member_id] = row  # not imported: admitted through the operation
            ceremony = add_working_days(day, rng.randint(5, 20))
            self.step(day, "admit", row.member_id, branch.code, ceremony_on=ceremony, person=row)
            end = add_months(ceremony, 12)
            decided = add_working_days(end, rng.randint(3, 15))
            if i == 7:
                self.step(decided, "reject", row.member_id)
            elif decided <= LAST_EVENT_DAY:
                self.step(decided, "recognize", row.member_id)

    # -- the border guard --------------------------------------------------------------------

    def border_guard_story(self) -> None:
        """The seed's arrangement: participation, posts in local committees, council seats."""
        rng = self.rng
        post_members = {
            suffix: [
                m
                for u in self.units
                if u.code == f"{BORDER_GUARD}-{suffix}" or u.parent == f"{BORDER_GUARD}-{suffix}"
                for m in self.by_branch.get(u.code, [])
                if m.official_on is not None
            ]
            for suffix, *_ in BORDER_POSTS
        }
        officers_by_post: dict[str, list[MemberRow]] = {}

        def officer(post: str) -> MemberRow:
            chosen = self.pick_members(post_members[post], 1, key=lambda m: m.admitted_on)[0]
            chosen.occupation = "Sĩ quan Bộ đội Biên phòng"
            officers_by_post.setdefault(post, []).append(chosen)
            return chosen

        for district, post in DISTRICT_SEATS:
            m = officer(post)
            self.step(
                dt.date(2020, 8, 20), "position", m.member_id, district, role="committee_member"
            )
        for commune, post in DEPUTY_SECRETARY_SEATS:
            m = officer(post)
            self.step(
                dt.date(2020, 7, 15), "position", m.member_id, commune, role="deputy_secretary"
            )
        for commune, post in COMMITTEE_SEATS:
            m = officer(post)
            self.step(
                dt.date(2020, 7, 15), "position", m.member_id, commune, role="committee_member"
            )
        # People's Council delegates (term 2021–2026) are among the officers already in the
        # commune's committee when there is one.
        seated: dict[str, str] = {}
        for s in self.steps:
            if s.op == "position" and s.unit in self.communes:
                seated.setdefault(s.unit, s.member)
        for commune, post in COUNCIL_SEATS:
            member_id = seated.get(commune) or officer(post).member_id
            self.step(
                dt.date(2021, 6, 25),
                "external_role",
                member_id,
                commune,
                title=COUNCIL_TITLE,
                body=f"HĐND {self.communes[commune].name.lower()} nhiệm kỳ 2021–2026",
            )
        # 135 members in the 41 villages of the land-border communes, 3 or 4 each.
        villages = [
            (post, u)
            for post, _name, communes, land in BORDER_POSTS
            if land
            for c in communes
            for u in self.units
            if u.parent == c and "village" in u.tags
        ]
        assert len(villages) == BORDER_VILLAGES, len(villages)
        extra = set(rng.sample(range(len(villages)), BORDER_PARTICIPANTS - 3 * len(villages)))
        for i, (post, village) in enumerate(villages):
            for m in self.pick_members(post_members[post], 4 if i in extra else 3):
                self.step(
                    self.people.date_between(dt.date(2019, 4, 1), dt.date(2021, 12, 31)),
                    "participation",
                    m.member_id,
                    village.code,
                    note="Đảng viên đồn biên phòng tham gia sinh hoạt ở chi bộ thôn, bản",
                )

    # -- a little history elsewhere ----------------------------------------------------------

    def elsewhere_story(self) -> None:
        """Some admissions and deaths across the province so lists are not frozen in 2018."""
        rng = self.rng
        communes = [c for c in self.communes if c != HOAN_LAO]
        for code in rng.sample(communes, 24):
            branches = [u for u in self.units if u.parent == code and u.kind == "branch"]
            branch = rng.choice(branches)
            day = self.people.date_between(dt.date(2019, 1, 15), dt.date(2024, 6, 30))
            row = self.make_member(branch, admitted_on=day, max_age=35, official=False)
            self.member_by_id[row.member_id] = row
            ceremony = add_working_days(day, rng.randint(5, 20))
            self.step(day, "admit", row.member_id, branch.code, ceremony_on=ceremony, person=row)
            decided = add_working_days(add_months(ceremony, 12), rng.randint(3, 15))
            if decided <= LAST_EVENT_DAY:
                self.step(decided, "recognize", row.member_id)
            pool = [m for b in branches for m in self.by_branch.get(b.code, [])]
            for m in self.pick_members(pool, 1, key=lambda m: m.birth_date):
                self.step(
                    self.people.date_between(dt.date(2019, 1, 15), dt.date(2025, 5, 31)),
                    "death",
                    m.member_id,
                )
        # Members imported while still on probation (admitted in 2018) are recognized in 2019.
        for m in self.members:
            if m.official_on is None and m.member_id not in self.used:
                self.used.add(m.member_id)
                end = add_months(m.admitted_on, 12)
                self.step(add_working_days(end, rng.randint(3, 15)), "recognize", m.member_id)

    # -- committees of the 2020–2025 term ----------------------------------------------------

    def _subtrees(self) -> dict[str, list[str]]:
        """Unit code -> the codes of the home branches below it (itself included), 2019 tree."""
        children: dict[str, list[str]] = {}
        for u in self.units:
            children.setdefault(u.parent, []).append(u.code)
        # Hoàn Trạch's branches were under the town from 01/02/2020, before any congress.
        children.setdefault(HOAN_LAO, []).extend(children.pop(HOAN_TRACH, []))
        out: dict[str, list[str]] = {}

        def walk(code: str) -> list[str]:
            if code not in out:
                found = [code] if code in self.by_branch else []
                for child in children.get(code, []):
                    found += walk(child)
                out[code] = found
            return out[code]

        for u in self.units:
            walk(u.code)
        return out

    def _holders(
        self, branches: list[str], n: int, day: dt.date, seated: dict[str, int]
    ) -> list[MemberRow]:
        """n official members homed in `branches` with no story step, the least busy first."""
        free = [
            m
            for code in branches
            for m in self.by_branch.get(code, [])
            if m.member_id not in self.used and m.official_on and m.official_on <= day
        ]
        self.rng.shuffle(free)
        free.sort(key=lambda m: seated.get(m.member_id, 0))
        chosen = free[:n]
        for m in chosen:
            seated[m.member_id] = seated.get(m.member_id, 0) + 1
        return chosen

    def _seat(
        self,
        day: dt.date,
        unit: str,
        branches: list[str],
        roles: list[str],
        seated: dict[str, int],
    ) -> list[Step]:
        out = []
        for role, m in zip(roles, self._holders(branches, len(roles), day, seated), strict=False):
            out.append(self.step(day, "position", m.member_id, unit, role=role))
        return out

    def committee_story(self, committee_min: int) -> None:
        """Posts of the 2020–2025 term in every unit, ended for commune-level committees at the
        reform (the new commune committees are appointed afresh, `reform_committees`).

        Holders are members homed in the unit's own subtree and given no other story step, so
        posts never move anyone, and the border guard's "outside" figures stay the seed's:
        only its officers hold posts outside it. A few branches are left without a secretary
        (the home page's warning shows them). `committee_min` is the charter's minimum of
        official members for a branch to elect a committee (else it elects a secretary only).
        """
        rng = self.rng
        subtrees = self._subtrees()
        seated: dict[str, int] = {}
        for s in self.steps:
            if s.op == "position":
                seated[s.member] = seated.get(s.member, 0) + 1
        has_secretary = {
            s.unit for s in self.steps if s.op == "position" and s.args["role"] == "secretary"
        }
        hoan_lao_after = {c for n in reform_mapping() if n.code == HOAN_LAO for c in n.sources}
        candidates = sorted(
            u.code
            for u in self.units
            if u.kind in HOME_UNIT_KINDS and u.parent in self.communes and u.parent != HOAN_LAO
        )
        # One left without a secretary inside today's Xã Hoàn Lão, so its committee sees one.
        inside = [c for c in candidates if c.split("-")[0] in hoan_lao_after - {HOAN_LAO}]
        vacant = set(rng.sample(inside, 1)) | set(rng.sample(candidates, WITHOUT_SECRETARY - 1))
        self.vacant = sorted(vacant)

        for u in self.units:
            if u.code == HOAN_TRACH or u.code in has_secretary or u.code in vacant:
                continue
            pool = subtrees.get(u.code, [])
            if u.kind in HOME_UNIT_KINDS:
                # Imported probationary members were all recognized in 2019.
                official = sum(
                    1
                    for m in self.by_branch.get(u.code, [])
                    if (m.official_on or add_months(m.admitted_on, 12)) <= BRANCH_CONGRESS
                )
                roles = ["secretary"]
                if official >= committee_min:
                    roles += ["deputy_secretary"] + ["committee_member"] * (
                        3 if official >= 30 else 1
                    )
                self._seat(BRANCH_CONGRESS, u.code, pool, roles, seated)
            elif u.kind in ("grassroots_committee", "partial_committee"):
                roles = ["secretary", "deputy_secretary"] + ["committee_member"] * rng.randint(3, 7)
                steps = self._seat(COMMUNE_CONGRESS, u.code, pool, roles, seated)
                if u.code in self.communes:
                    self.commune_posts += steps
            elif u.kind == "district":
                roles = (
                    ["secretary", "deputy_secretary", "deputy_secretary"]
                    + ["standing_committee_member"] * 5
                    + ["committee_member"] * 8
                )
                self._seat(DISTRICT_CONGRESS, u.code, pool, roles, seated)
            elif u.kind == "province":
                # Heads of the province are drawn from the provincial agencies' committee.
                agencies = subtrees.get("44-KCQ", [])
                roles = (
                    ["secretary", "deputy_secretary", "deputy_secretary", "deputy_secretary"]
                    + ["standing_committee_member"] * 9
                    + ["committee_member"] * 12
                )
                self._seat(PROVINCE_CONGRESS, u.code, agencies, roles, seated)
        # The three branches Hoàn Lão created later elect their secretary among the members
        # moved there once all have arrived.
        for code, row in sorted(self.by_code.items()):
            if row.kind == "branch" and row.valid_from > BRANCH_CONGRESS:
                arrived = [s for s in self.steps if s.op == "receive" and s.unit == code]
                if arrived:
                    day = max(s.day for s in arrived) + dt.timedelta(days=14)
                    first = min(arrived, key=lambda s: s.member)
                    self.step(day, "position", first.member, code, role="secretary")
                    seated[first.member] = seated.get(first.member, 0) + 1
        self.seated = seated
        # Commune-level committees elected in 2020 (Hoàn Lão's included) end with the reform.
        self.commune_posts += [s for s in self.steps if s.op == "position" and s.unit == HOAN_LAO]
        for s in self.commune_posts:
            self.step(REFORM_DAY, "end_position", s.member, s.unit, role=s.args["role"])

    def reform_committees(self) -> None:
        """01/07/2025: each new commune-level committee gets its appointed committee."""
        subtrees = self._subtrees()
        for new in reform_mapping():
            pool = [b for code in new.sources for b in subtrees.get(code, [])]
            roles = (
                ["secretary", "deputy_secretary", "deputy_secretary"]
                + ["standing_committee_member"] * 3
                + ["committee_member"] * self.rng.randint(5, 9)
            )
            self._seat(REFORM_DAY, new.code, pool, roles, self.seated)

    def recent_story(self, now: dt.date) -> None:
        """The last months before `now`, so each warning of the home page has real rows.

        Probationary members whose 12 months end within 30 days of `now` or have passed with no
        decision, and members sent on transfer more than 30 working days ago whose letter has
        not been presented. Most are in today's Xã Hoàn Lão (the demo accounts' commune).
        Dated from `now`, so the demo loaded on another day shows the same situations.
        """
        rng = self.rng
        hl_branches = [f"{HOAN_LAO}-CB{i:02d}" for i in range(1, 14)]
        others = sorted(
            u.code
            for u in self.units
            if u.kind == "branch"
            and u.parent in self.communes
            and u.parent != HOAN_LAO
            and u.code not in self.vacant
        )
        # (branch, days from the end of probation to `now`): > 0 passed, < 0 still to come.
        probation = [
            (hl_branches[0], -rng.randint(8, 20)),
            (hl_branches[4], rng.randint(20, 45)),
            (rng.choice(others), -rng.randint(3, 25)),
            (rng.choice(others), rng.randint(40, 80)),
        ]
        for code, overdue in probation:
            ceremony = add_months(now - dt.timedelta(days=overdue), -12)
            admitted = ceremony - dt.timedelta(days=rng.randint(7, 25))
            if admitted <= REFORM_DAY:
                continue  # loaded too soon after the reform for this situation
            row = self.make_member(
                self.by_code[code], admitted_on=admitted, max_age=35, official=False
            )
            self.member_by_id[row.member_id] = row
            self.step(admitted, "admit", row.member_id, code, ceremony_on=ceremony, person=row)
        # Sent away and not yet received: one from Hoàn Lão, one elsewhere.
        for code, days in ((hl_branches[6], rng.randint(50, 70)), (rng.choice(others), 95)):
            pool = [
                m
                for m in self.by_branch.get(code, [])
                if m.official_on and m.member_id not in self.seated
            ]
            for m in self.pick_members(pool, 1):
                target = rng.choice([c for c in others if c.split("-")[0] != code.split("-")[0]])
                self.step(now - dt.timedelta(days=days), "transfer_out", m.member_id, target)

    # -- the reform of 01/07/2025 ------------------------------------------------------------

    def reform_plan(self) -> list[list[str]]:
        """One plan: Quang Binh's communes into the new commune-level committees of Quang Tri.

        A new commune whose code is one of its old communes keeps that unit (retyped to
        `commune`, renamed, placed directly under the province, the others merged into it);
        any other is created with its new code. Committees directly under the province become
        commune-level, the emptied district committees are dissolved, and `44` is renamed.
        """
        rows: list[list[str]] = []
        for new in reform_mapping():
            unit_name = f"Đảng bộ {new.type.lower()} {new.name[len(new.type) :].strip()}"
            sources = list(new.sources)
            if new.code in sources:
                sources.remove(new.code)
                if unit_name != self.by_code[new.code].name:
                    rows.append(["rename", new.code, "", unit_name, "", ""])
                rows.append(["retype", new.code, "", "", "commune", ""])
                rows.append(["move", new.code, PROVINCE, "", "", ""])
            else:
                rows.append(["create", new.code, PROVINCE, unit_name, "commune", "commune"])
            for source in sources:
                rows.append(["merge", source, new.code, "", "", ""])
        directly_under = [(BORDER_GUARD, self.by_code[BORDER_GUARD].name)] + [
            (c, name) for c, name, *_ in DIRECTLY_UNDER
        ]
        for code, name in directly_under:
            rows.append(["retype", code, "", "", "commune", ""])
            rows.append(["rename", code, "", name.replace("Quảng Bình", "Quảng Trị"), "", ""])
        for code in self.districts:
            rows.append(["dissolve", code, "", "", "", ""])
        rows.append(["rename", PROVINCE, "", "Đảng bộ tỉnh Quảng Trị", "", ""])
        return rows


def town_locality(builder: _Builder) -> str:
    return builder.by_code[HOAN_LAO].locality


def build_demo(
    seed: int = 2020, *, now: dt.date | None = None, committee_min: int | None = None
) -> Demo:
    """The whole demo for `seed`, without writing to the database.

    `now` (default today) dates the recent situations of `recent_story`; `committee_min`
    (default: the rule `charter.branch_committee_min_members` for 2020) is the size from which
    a branch elects a committee rather than a secretary alone.
    """
    if committee_min is None:
        committee_min = int(rule("charter.branch_committee_min_members", BRANCH_CONGRESS))
    b = _Builder(seed)
    b.build_tree()
    b.build_hoan_lao()
    b.border_guard_story()
    b.elsewhere_story()
    b.committee_story(committee_min)
    reform = b.reform_plan()
    b.step(
        REFORM_DAY,
        "plan",
        name="2025-07-01-sap-xep-tinh-quang-tri.csv",
        rows=reform,
        decision=REFORM_DECISION,
    )
    b.reform_committees()
    b.recent_story(now or today())
    return Demo(
        seed=seed,
        units=b.units,
        members=b.members,
        steps=b.steps,
        reform_rows=reform,
        expected=EXPECTED,
    )
