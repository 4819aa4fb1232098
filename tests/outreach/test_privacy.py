"""The petitioner's identity: shown to the handling line only (the handling unit C, those above
it, the member handling it), hidden from everyone else who sees the petition and always from the
member complained about — in pages and API alike, as a masked value, not a hidden element."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from coso.accounts.models import Account, Role, RoleKind
from coso.audit.models import AuditEntry
from coso.outreach.access import HIDDEN
from coso.outreach.models import Petition
from coso.outreach.operations import receive_petition
from tests.cast import MODEL_BACKEND, Cast
from tests.outreach.objects import CONTACT, PETITION_PK, PETITIONER, RECEIVED, make_objects

SHOWN, MASKED, NOT_SEEN = "shown", "masked", "not seen"

# Every role of the permission matrix, and two people the roles do not describe: the member
# complained about, who holds a committee role over the handling unit itself, and the member
# handling the petition without any role.
EXPECTED = {
    "admin": SHOWN,
    "officer": SHOWN,  # over P, above the handling unit C
    "committee": SHOWN,  # on C, the handling unit
    "secretary": MASKED,  # on B, the place: below the handling line
    "member": NOT_SEEN,  # CAST-B1 without a role
    "outsider": NOT_SEEN,  # officer of Q
    "subject": MASKED,  # CAST-B2, complained about, committee role on C
    "handler": SHOWN,  # CAST-B2X, handling it, no role
}


def _user(cast: Cast, name: str) -> Any:
    if name in ("subject", "handler"):
        users = get_user_model().objects
        user = users.create_user(f"cast.{name}", f"{name}@cast.test", None)
        member = cast.members["b2" if name == "subject" else "b2x"]
        Account.objects.create(user=user, member=member)
        if name == "subject":
            Role.objects.create(user=user, kind=RoleKind.COMMITTEE_MEMBER, unit=cast.C)
        return user
    return cast.user(name)


@pytest.fixture
def petition(cast: Cast) -> Petition:
    make_objects(cast)
    p = Petition.objects.get(pk=PETITION_PK)
    p.handler = cast.members["b2x"]
    p.save(update_fields=["handler"])
    return p


def _page(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_petitioner_identity_per_role_in_pages_and_api(
    cast: Cast, petition: Petition, who: str
) -> None:
    user = _user(cast, who)
    page = Client()
    page.force_login(user, backend=MODEL_BACKEND)
    from coso.accounts.tokens import create_token

    api = Client(headers={"Authorization": f"Bearer {create_token(user, name='t')}"})
    expected = EXPECTED[who]

    status, html = _page(page, f"/petitions/{petition.pk}/")
    answer = api.get(f"/api/v1/petitions/{petition.pk}")
    if expected == NOT_SEEN:
        assert status == 404 and answer.status_code == 404
        assert PETITIONER not in html
        return
    assert status == 200 and answer.status_code == 200
    body = answer.json()
    if expected == SHOWN:
        assert PETITIONER in html and CONTACT in html
        assert body["petitioner_name"] == PETITIONER and body["petitioner_contact"] == CONTACT
        assert body["identity_hidden"] is False
    else:
        assert PETITIONER not in html and CONTACT not in html
        assert body["petitioner_name"] == HIDDEN and body["petitioner_contact"] == HIDDEN
        assert body["identity_hidden"] is True
        assert PETITIONER not in json.dumps(body, ensure_ascii=False)

    # The lists: B's petitions (page and API) for those holding a role over B.
    status, html = _page(page, "/units/B/petitions/")
    listed = api.get("/api/v1/units/B/petitions")
    if who == "handler":  # no role: no unit lists, only the petition itself
        assert status == 404 and listed.status_code == 404
        return
    assert status == 200 and listed.status_code == 200
    names = [row["petitioner_name"] for row in listed.json()["items"]]
    if expected == SHOWN:
        assert PETITIONER in html and names == [PETITIONER]
    else:
        assert PETITIONER not in html and names == [HIDDEN]


def test_anonymous_reads_nothing(cast: Cast, petition: Petition) -> None:
    page = Client().get(f"/petitions/{petition.pk}/")
    assert page.status_code == 302 and PETITIONER not in page.content.decode()
    answer = Client().get(f"/api/v1/petitions/{petition.pk}")
    assert answer.status_code == 401 and PETITIONER not in answer.content.decode()


def test_the_audit_trail_never_carries_the_petitioner(cast: Cast) -> None:
    receive_petition(
        kind="complaint",
        category="land",
        received_on=RECEIVED,
        petitioner_name="Đinh Thị Bí Mật",
        petitioner_contact="0987 000 111",
        summary="Khiếu nại",
        place="Thôn B",
        handling_unit=cast.C,
        actor=cast.committee,
    )
    entry = AuditEntry.objects.get(action="petition_receive")
    text = json.dumps([entry.before, entry.after], ensure_ascii=False, default=str)
    assert "Bí Mật" not in text and "0987" not in text
    assert entry.after["handling_unit"] == "C"


def test_the_member_complained_about_cannot_act_on_it(cast: Cast, petition: Petition) -> None:
    subject = _user(cast, "subject")
    client = Client()
    client.force_login(subject, backend=MODEL_BACKEND)
    response = client.post(
        f"/petitions/{petition.pk}/",
        {"action": "step", "step-on": "05/03/2024", "step-text": "Xem đơn"},
    )
    assert response.status_code == 404
    assert petition.steps.count() == 1
