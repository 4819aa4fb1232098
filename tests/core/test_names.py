"""vietnamese_sort_key: given name first, Vietnamese alphabet order with tones (issue 13, §10)."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coso.core.names import collation_key, fold, vietnamese_sort_key
from coso.members.operations import name_keys

ALPHABET = [
    "a",
    "ă",
    "â",
    "b",
    "c",
    "d",
    "đ",
    "e",
    "ê",
    "g",
    "h",
    "i",
    "k",
    "l",
    "m",
    "n",
    "o",
    "ô",
    "ơ",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "ư",
    "v",
    "x",
    "y",
]
TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # ngang huyền hỏi ngã sắc nặng


def _sorted(names: list[str]) -> list[str]:
    return sorted(names, key=vietnamese_sort_key)


def test_the_issue_example_dung_is_not_last() -> None:
    names = ["Nguyễn Thị Lan", "Đặng Xuân Dũng", "Trần Văn Bình", "Lê Văn Cường", "Hoàng Văn Quang"]
    # By character code "Đ…" (U+0110) comes after every plain letter: the bug in the issue.
    assert sorted(names)[-1] == "Đặng Xuân Dũng"
    assert _sorted(names) == [
        "Trần Văn Bình",
        "Lê Văn Cường",
        "Đặng Xuân Dũng",
        "Nguyễn Thị Lan",
        "Hoàng Văn Quang",
    ]


def test_letters_follow_the_vietnamese_alphabet() -> None:
    assert _sorted(["Võ Đức", "Lê Dũng", "Lê Duy"]) == ["Lê Dũng", "Lê Duy", "Võ Đức"]
    assert _sorted(["X Ân", "X Ăn", "X An", "X Bảo"]) == ["X An", "X Ăn", "X Ân", "X Bảo"]
    assert _sorted(["X Ơn", "X Ôn", "X On"]) == ["X On", "X Ôn", "X Ơn"]
    assert _sorted(["X Ưng", "X Ung", "X Vinh"]) == ["X Ung", "X Ưng", "X Vinh"]
    assert _sorted(["X Êm", "X Em"]) == ["X Em", "X Êm"]


def test_tones_in_dictionary_order_only_between_the_same_letters() -> None:
    # ngang, huyền, hỏi, ngã, sắc, nặng
    assert _sorted(["A Mạ", "A Má", "A Mã", "A Mả", "A Mà", "A Ma"]) == [
        "A Ma",
        "A Mà",
        "A Mả",
        "A Mã",
        "A Má",
        "A Mạ",
    ]
    # The letters decide before the tone: «Ánh» before «Anh Tuấn»'s given name «Tuấn»…
    assert _sorted(["B Ánh", "B Anh"]) == ["B Anh", "B Ánh"]
    assert _sorted(["B Ánh", "B Ba"]) == ["B Ánh", "B Ba"]


def test_given_name_first_then_family_then_middle() -> None:
    assert _sorted(["Trần Văn An", "Nguyễn Văn Bình", "Nguyễn Thị An"]) == [
        "Nguyễn Thị An",
        "Trần Văn An",
        "Nguyễn Văn Bình",
    ]
    assert _sorted(["Lê Văn Hùng", "Lê Bá Hùng"]) == ["Lê Bá Hùng", "Lê Văn Hùng"]


def test_case_spaces_and_unicode_forms_do_not_change_the_key() -> None:
    nfc = "Đặng Xuân Dũng"
    nfd = unicodedata.normalize("NFD", nfc)
    assert vietnamese_sort_key(nfd) == vietnamese_sort_key(nfc)
    assert vietnamese_sort_key("  đặng   XUÂN dũng ") == vietnamese_sort_key(nfc)
    assert vietnamese_sort_key("") == ""


def test_the_stored_member_key_is_this_key() -> None:
    assert name_keys("Đặng Xuân Dũng") == (vietnamese_sort_key("Đặng Xuân Dũng"), "dang xuan dung")
    assert fold("Nguyễn Đức") == "nguyen duc"


# Every letter with every tone, composed as typed (NFC); drawn from a list, cheap to generate.
LETTERS = [unicodedata.normalize("NFC", letter + tone) for letter in ALPHABET for tone in TONES]
_letter = st.sampled_from(LETTERS)
_word = st.lists(_letter, min_size=1, max_size=5).map("".join)
_name = st.lists(_word, min_size=1, max_size=3).map(" ".join)
# Two cores shared by several test runs: generation may be slow, never the code under test.
_shared_machine = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


@_shared_machine
@given(_name)
def test_keys_are_plain_ascii_so_databases_sort_them_alike(name: str) -> None:
    key = vietnamese_sort_key(name)
    assert key.isascii()
    assert vietnamese_sort_key(name.upper()) == key


@_shared_machine
@given(_name, _name)
def test_the_given_name_decides_first(a: str, b: str) -> None:
    given_a, given_b = a.split()[-1], b.split()[-1]
    if collation_key(given_a) != collation_key(given_b):
        assert (vietnamese_sort_key(a) < vietnamese_sort_key(b)) == (
            collation_key(given_a) < collation_key(given_b)
        )


@_shared_machine
@given(st.sampled_from(ALPHABET), st.sampled_from(ALPHABET), _word)
def test_single_letters_follow_the_alphabet_whatever_follows(x: str, y: str, rest: str) -> None:
    if x != y:
        assert (collation_key(x + rest) < collation_key(y + rest)) == (
            ALPHABET.index(x) < ALPHABET.index(y)
        )


@_shared_machine
@given(st.lists(_name, max_size=6))
def test_sorting_does_not_depend_on_the_input_order(names: list[str]) -> None:
    keys = [vietnamese_sort_key(n) for n in _sorted(names)]
    assert keys == [vietnamese_sort_key(n) for n in _sorted(list(reversed(names)))]
    assert keys == sorted(keys)
