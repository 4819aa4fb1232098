"""Vietnamese names: the alphabet order people expect in lists, and the folded search form.

One place for the key every list of members sorts by (the stored `Member.sort_key`, attendance
sheets, a branch's member list): `vietnamese_sort_key(full_name)`.
"""

from __future__ import annotations

import unicodedata

__all__ = ["collation_key", "fold", "vietnamese_sort_key"]


def fold(text: str) -> str:
    """Lower-case ASCII without tones, so «Nguyễn Đức» is found by typing «nguyen duc»."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_VARIANT = {
    ("a", _BREVE): "1",
    ("a", _CIRCUMFLEX): "2",
    ("e", _CIRCUMFLEX): "1",
    ("o", _CIRCUMFLEX): "1",
    ("o", _HORN): "2",
    ("u", _HORN): "1",
}
# Dictionary order of the tones: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONE = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


def collation_key(text: str) -> str:
    """ASCII key whose byte order is the Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ … u ư).

    Each letter is its base and a variant digit (đ → "d1", ơ → "o2"); each word ends with its
    tone digit, so tones only decide between words with the same letters.
    """
    words = []
    for word in unicodedata.normalize("NFD", text.lower()).split():
        letters: list[str] = []
        tone, base = "0", ""
        for ch in word:
            if unicodedata.combining(ch):
                if ch in _TONE:
                    tone = _TONE[ch]
                elif (base, ch) in _VARIANT:
                    letters[-1] = base + _VARIANT[(base, ch)]
                continue
            base = "d" if ch == "đ" else ch
            letters.append(base + ("1" if ch == "đ" else "0"))
        words.append("".join(letters) + tone)
    return " ".join(words)


def vietnamese_sort_key(full_name: str) -> str:
    """The key lists of people sort by: the given name (the last word) first, then the family
    name and the middle names as written (the usual order of Vietnamese registers: tên, then
    họ, then đệm), each in Vietnamese alphabet order with tones (`collation_key`).

    A plain ASCII string, so byte order sorts it right in Python, SQLite and PostgreSQL alike;
    `Member.sort_key` stores it (indexed by `member_name_order`).
    """
    words = unicodedata.normalize("NFC", full_name).split()
    return collation_key(" ".join(words[-1:] + words[:-1]))
