"""Expected answer of the proposal pages (URL names of coso.authority) for each member of the
cast, for tests/test_route_matrix.py.

The representative proposal (PROPOSAL_PK, made by `setup`) is the secretary of B's pending
proposal to strike CAST-B2 off, to be decided by commune C. The POSTs change nothing: approving
on a day before the member's admission is refused (422) for those who may decide, refiling a
proposal that was not returned is refused for those who may propose; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

OK, LOGIN, HIDDEN, REFUSED = 200, 302, 404, 422
PROPOSAL_PK = 9301
DOCUMENT_PK = 9302

_VIEW = {
    "admin": OK,
    "officer": OK,
    "committee": OK,
    "secretary": OK,
    "member": HIDDEN,  # proposals are the business of bodies, not of a member
    "outsider": HIDDEN,
    "anonymous": LOGIN,
}

PAGES: dict[str, dict[str, Any]] = {
    "authority:proposals": {
        "args": [],
        "expect": {**_VIEW, "outsider": OK},  # their own (empty) inbox
    },
    "authority:proposal": {"args": [PROPOSAL_PK], "expect": _VIEW},
    "authority:decide": {
        "args": [PROPOSAL_PK],
        "method": "post",
        "data": {"outcome": "approved", "decision_number": "9-QĐ/ĐU", "on": "01/03/2020"},
        "expect": {
            **_VIEW,
            "admin": REFUSED,
            "officer": REFUSED,
            "committee": REFUSED,
            "secretary": HIDDEN,
        },
    },
    "authority:attach": {
        "args": [PROPOSAL_PK],
        "method": "post",
        "data": {},  # no file: refused for the proposing side, nothing stored
        "expect": {
            **_VIEW,
            "admin": REFUSED,
            "officer": REFUSED,
            "committee": HIDDEN,
            "secretary": REFUSED,
        },
    },
    "authority:document": {"args": [PROPOSAL_PK, DOCUMENT_PK], "expect": _VIEW},
    "authority:refile": {
        "args": [PROPOSAL_PK],
        "method": "post",
        "data": {"note": "Đã bổ sung"},
        # The committee of C neither acts for B's branch nor manages its members.
        "expect": {
            **_VIEW,
            "admin": REFUSED,
            "officer": REFUSED,
            "committee": HIDDEN,
            "secretary": REFUSED,
        },
    },
}


def setup(cast: Any) -> None:
    from coso.authority.models import Proposal, ProposalEvent
    from tests.authority.filing import file_strike_off

    made = file_strike_off(cast, "b2").pk
    # The pages' matrix names the proposal by a fixed number (its history follows it).
    Proposal.objects.filter(pk=made).update(id=PROPOSAL_PK)
    ProposalEvent.objects.filter(proposal_id=made).update(proposal_id=PROPOSAL_PK)
    from coso.authority.models import ProposalDocument
    from coso.authority.proposals import attach_document

    proposal = Proposal.objects.get(pk=PROPOSAL_PK)
    attached = attach_document(
        proposal, name="nghi-quyet.pdf", data=b"%PDF-1.4\n%%EOF\n", user=cast.secretary, actor=None
    )
    ProposalDocument.objects.filter(pk=attached.pk).update(id=DOCUMENT_PK)
