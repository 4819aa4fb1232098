"""Proposals and decisions: a body proposes an act, the competent committee decides it.

(Interface agreed with the catalogue; the proposals helper fills it in.)
"""

from __future__ import annotations

from typing import Any

from coso.authority.resolution import Resolution
from coso.authority.rules import Authority
from coso.members.models import Member
from coso.units.models import Unit


def file_proposal(
    act: str,
    subject: Member | Unit,
    params: dict[str, Any],
    *,
    authority: Authority,
    resolution: Resolution,
    user: Any,
    actor: Any,
    channel: str,
) -> Any:
    """File `act` on `subject` with `params` (the act's form fields as typed, JSON) for the
    competent body `authority.decider`; returns the Proposal. Nothing about the subject changes."""
    raise NotImplementedError
