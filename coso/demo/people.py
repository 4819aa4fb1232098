"""Plausible Vietnamese Party members for the demo: names, dates and personal details.

Everything is drawn from one `random.Random` and one seeded `Faker("vi_VN")`, so a seed gives
the same people every time. Faker's vi_VN person formats put the given name first and add
titles ("Quý ông"), so full names are assembled here in Vietnamese order (family, middle,
given) from Faker's given names plus the family names common in Quang Binh.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from faker import Faker

from coso.core.dates import add_months

# Family names with rough weights for north-central Vietnam.
FAMILY_NAMES = [
    ("Nguyễn", 30),
    ("Trần", 10),
    ("Lê", 9),
    ("Phạm", 6),
    ("Hoàng", 6),
    ("Võ", 5),
    ("Đặng", 3),
    ("Bùi", 3),
    ("Đỗ", 2),
    ("Hồ", 3),
    ("Ngô", 2),
    ("Dương", 2),
    ("Đinh", 2),
    ("Trương", 2),
    ("Phan", 4),
    ("Mai", 1),
    ("Đoàn", 2),
    ("Cao", 1),
    ("Lưu", 1),
    ("Thái", 1),
]
# Bru-Vân Kiều and Chứt families in Quang Binh mostly carry these Vietnamese family names.
MINORITY_FAMILY_NAMES = ["Hồ", "Đinh", "Cao", "Hồ", "Hồ", "Đinh", "Cao", "Hoàng"]
MALE_MIDDLE = ["Văn", "Văn", "Đức", "Hữu", "Quang", "Xuân", "Minh", "Thanh", "Công", "Đình", "Ngọc"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Minh", "Hồng", "Diệu"]
EXTRA_MALE = ["Hùng", "Cường", "Long", "Sơn", "Tuấn", "Hải", "Thắng", "Lợi", "Bình", "Tâm", "Lực"]
EXTRA_FEMALE = ["Hoa", "Hằng", "Nga", "Thủy", "Loan", "Nhung", "Hiền", "Trang", "Liên", "Hà"]

EDUCATION = [
    ("Trung học cơ sở", 10),
    ("Trung học phổ thông", 35),
    ("Trung cấp", 18),
    ("Cao đẳng", 10),
    ("Đại học", 24),
    ("Thạc sĩ", 3),
]
VILLAGE_OCCUPATIONS = [
    ("Nông dân", 45),
    ("Hưu trí", 20),
    ("Cán bộ, công chức xã", 8),
    ("Giáo viên", 7),
    ("Kinh doanh", 6),
    ("Công nhân", 5),
    ("Cựu chiến binh", 9),
]
COASTAL_OCCUPATIONS = [("Ngư dân", 40), ("Nông dân", 10), ("Hưu trí", 20), ("Kinh doanh", 15)]
URBAN_OCCUPATIONS = [
    ("Hưu trí", 30),
    ("Cán bộ, công chức", 20),
    ("Viên chức", 15),
    ("Kinh doanh", 15),
    ("Công nhân", 8),
    ("Cựu chiến binh", 12),
]
BORDER_GUARD_OCCUPATIONS = [
    ("Sĩ quan Bộ đội Biên phòng", 45),
    ("Quân nhân chuyên nghiệp", 30),
    ("Hạ sĩ quan, chiến sĩ", 25),
]


@dataclass
class Person:
    full_name: str
    gender: str  # "male" / "female"
    birth_date: dt.date
    national_id: str
    ethnicity: str
    religion: str
    education: str
    occupation: str
    hometown: str


class PeopleFactory:
    """Draws people from a seeded RNG and Faker."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fake = Faker("vi_VN")
        self.fake.seed_instance(seed)
        self._national_ids: set[str] = set()

    def pick(self, weighted: list[tuple[str, int]]) -> str:
        values, weights = zip(*weighted, strict=True)
        return str(self.rng.choices(values, weights=weights)[0])

    def given_name(self, gender: str) -> str:
        if gender == "male":
            pool = [self.fake.first_name_male(), self.fake.first_name_unisex()]
            pool.append(self.rng.choice(EXTRA_MALE))
        else:
            pool = [self.fake.first_name_female(), self.fake.first_name_unisex()]
            pool.append(self.rng.choice(EXTRA_FEMALE))
        return self.rng.choice(pool)

    def full_name(self, gender: str, *, minority: bool = False) -> str:
        family = self.rng.choice(MINORITY_FAMILY_NAMES) if minority else self.pick(FAMILY_NAMES)
        middle = self.rng.choice(MALE_MIDDLE if gender == "male" else FEMALE_MIDDLE)
        return f"{family} {middle} {self.given_name(gender)}"

    def national_id(self, gender: str, birth: dt.date) -> str:
        # CCCD: province of birth registration (044 = Quảng Bình), century-and-gender digit,
        # two digits of the birth year, six serial digits.
        century = 0 if birth.year < 2000 else 2
        digit = century + (0 if gender == "male" else 1)
        while True:
            value = f"044{digit}{birth.year % 100:02d}{self.rng.randrange(1_000_000):06d}"
            if value not in self._national_ids:
                self._national_ids.add(value)
                return value

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange(max(1, (end - start).days + 1)))

    def person(
        self,
        *,
        admitted_on: dt.date,
        gender: str | None = None,
        minority_ethnicity: str | None = None,
        occupations: list[tuple[str, int]] = VILLAGE_OCCUPATIONS,
        hometown: str = "",
        min_age: int = 18,
        max_age: int = 45,
    ) -> Person:
        """Somebody aged min_age..max_age on `admitted_on` (the Charter allows 18 to 60)."""
        if gender is None:
            gender = "male" if self.rng.random() < 0.68 else "female"
        age = self.rng.randint(min_age, max_age)
        latest = add_months(admitted_on, -12 * age)
        birth = self.date_between(add_months(latest, -11), latest)
        ethnicity = minority_ethnicity or "Kinh"
        religion = "Không"
        roll = self.rng.random()
        if minority_ethnicity is None and roll < 0.02:
            religion = "Công giáo"
        elif minority_ethnicity is None and roll < 0.03:
            religion = "Phật giáo"
        return Person(
            full_name=self.full_name(gender, minority=minority_ethnicity is not None),
            gender=gender,
            birth_date=birth,
            national_id=self.national_id(gender, birth),
            ethnicity=ethnicity,
            religion=religion,
            education=self.pick(EDUCATION),
            occupation=self.pick(occupations),
            hometown=hometown,
        )
