"""What a proposing body adopted: the resolution a proposal carries to the competent committee."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Resolution:
    number: str  # the branch's resolution number, if it numbers them
    adopted_on: dt.date  # the day the body voted
    votes_for: int
    votes_against: int
    votes_abstain: int
    note: str  # the body's reasons
    proposed_on: dt.date  # the effective date the body asks for (the decision sets the real one)
