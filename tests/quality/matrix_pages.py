"""Expected answers of the quality pages, for every member of the cast.

Reading a unit's quality pages (its history, an assessment, the summary and its xlsx and pdf)
needs a role that views the unit: the province's officer, the commune's committee member, the
branch's secretary, the administrator. Members read only their own yearly review; the other
province's officer sees nothing of B (404). Starting a self-assessment needs MANAGE_ACTIVITIES
(committee, secretary). Classifying B: the commune decides, so its committee member and the
province's officer record it; the secretary proposes it. Criteria sets are read by anyone
holding a role; a new version of one issued by province P by P's officers only.
"""

from __future__ import annotations

from typing import Any

OK, LOGIN, HIDDEN = 200, 302, 404
CRITERIA_PK, ASSESSMENT_PK = 9100, 9101

_READERS = {
    "admin": OK,
    "officer": OK,
    "committee": OK,
    "secretary": OK,
    "member": HIDDEN,
    "outsider": HIDDEN,
    "anonymous": LOGIN,
}

PAGES: dict[str, dict[str, Any]] = {
    "quality:criteria": {"args": [], "expect": {**_READERS, "outsider": OK}},
    "quality:criteria_detail": {"args": [CRITERIA_PK], "expect": {**_READERS, "outsider": OK}},
    "quality:criteria_new_version": {
        "args": [CRITERIA_PK],
        "expect": {**_READERS, "committee": HIDDEN, "secretary": HIDDEN},
    },
    "quality:assessment": {"args": [ASSESSMENT_PK], "expect": dict(_READERS)},
    "quality:unit": {"args": ["B"], "expect": dict(_READERS)},
    "quality:assess": {"args": ["B"], "expect": {**_READERS, "officer": HIDDEN}},
    "quality:classify": {"args": ["B"], "expect": dict(_READERS)},
    "quality:summary": {"args": ["B"], "expect": dict(_READERS)},
    "quality:summary_xlsx": {"args": ["B"], "expect": dict(_READERS)},
    # The province's summary: the commune's committee member and B's secretary do not view P.
    "quality:summary_pdf": {
        "args": ["P"],
        "expect": {**_READERS, "committee": HIDDEN, "secretary": HIDDEN},
    },
    "quality:member": {"args": ["CAST-B1", 2024], "expect": {**_READERS, "member": OK}},
}


def setup(cast: Any) -> None:
    """A criteria set issued by P and B's assessment against it, under fixed numbers."""
    from tests.quality.objects import criteria_and_assessment

    criteria_and_assessment(cast, CRITERIA_PK, ASSESSMENT_PK)
