"""Issue 13 (helper "member"), the smaller points: party age while probationary, the commune
beside the branch in the member list (bounded queries), names instead of logins, and the
forgotten password (login help, an officer's reset with a forced change)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coso.accounts.middleware import MUST_CHANGE_PASSWORD
from coso.accounts.models import Account, Role, RoleKind
from coso.accounts.names import person_name, person_names
from coso.audit.models import AuditEntry
from coso.authority.scope import may_reset_password
from coso.members.models import Member
from coso.members.operations import admit_member
from tests.cast import Cast


def test_a_probationary_member_has_no_party_age_yet_said_in_words(cast: Cast) -> None:
    body = cast.client("officer").get(reverse("web:member", args=["CAST-B1"])).content.decode()
    age = body.split('id="party-age">')[1].split("</dd>")[0]
    assert "0 năm 0 tháng" not in age
    assert "Dự bị — chưa tính tuổi đảng" in age and "01/03/2021" in age


def test_the_member_list_shows_the_commune_beside_the_branch_at_a_fixed_cost(cast: Cast) -> None:
    client = cast.client("officer")
    url = reverse("web:members")
    client.get(url, {"q": "nguyen"})  # the first request builds what later ones reuse
    with CaptureQueriesContext(connection) as few:
        body = client.get(url, {"q": "nguyen"}).content.decode()
    assert "Đơn vị C" in body  # CAST-B2, Nguyễn Thị Lan, in branch B of commune C
    for i in range(20):  # namesakes in two communes
        admit_member(
            member_id=f"NS-{i:02d}",
            full_name="Nguyễn Văn An",
            gender="male",
            birth_date=dt.date(1990, 1, 1),
            branch=cast.B if i % 2 else cast.BC2,
            admitted_on=dt.date(2021, 3, 1),
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"q": "nguyen"})
    communes = {commune for m, _home, commune in response.context["rows"]}
    assert {"Đơn vị C", "Đơn vị C2"} <= communes
    assert len(response.context["rows"]) == 21
    assert len(many.captured_queries) == len(few.captured_queries)


def test_people_are_named_not_by_their_login(cast: Cast) -> None:
    secretary = cast.secretary
    assert person_name(secretary) == "cast.secretary"
    Account.objects.create(user=secretary, member=Member.objects.get(member_id="CAST-B2"))
    secretary.refresh_from_db()
    assert person_name(secretary) == "Nguyễn Thị Lan"
    officer = cast.officer
    officer.first_name, officer.last_name = "Văn An", "Trần"  # "Tên", "Họ"
    officer.save()
    assert person_name(officer) == "Trần Văn An"
    assert person_names([secretary.pk, officer.pk, None]) == {
        secretary.pk: "Nguyễn Thị Lan",
        officer.pk: "Trần Văn An",
    }
    assert person_name(None, "cli:root") == "cli:root"


def _lan(cast: Cast) -> Any:
    lan = get_user_model().objects.create_user("cast.lan", password="Old-password-2026!")
    Role.objects.create(user=lan, kind=RoleKind.MEMBER)
    Account.objects.create(user=lan, member=Member.objects.get(member_id="CAST-B2"))
    return lan


def test_the_login_page_says_whom_to_ask() -> None:
    body = Client().get(reverse("login")).content.decode()
    assert "Quên mật khẩu?" in body and "cán bộ tổ chức" in body


def test_who_may_reset_a_password(cast: Cast) -> None:
    lan = _lan(cast)
    assert [may_reset_password(cast.user(n), lan) for n in ("admin", "officer")] == [True, True]
    for name in ("committee", "secretary", "member", "outsider"):
        assert not may_reset_password(cast.user(name), lan), name
    # Never an account reaching beyond the officer's scope, an administrator, or oneself.
    assert not may_reset_password(cast.officer, cast.outsider)
    assert not may_reset_password(cast.officer, cast.admin)
    assert not may_reset_password(cast.officer, cast.officer)
    assert may_reset_password(cast.officer, cast.secretary)  # a role on B, under P


def test_an_officer_resets_a_password_once_and_it_must_be_changed(cast: Cast) -> None:
    lan = _lan(cast)
    client = cast.client("officer")
    found = client.get(reverse("web:password_reset_search"), {"q": "nguyen thi lan"})
    assert [r["user"] for r in found.context["rows"]] == [lan]
    url = reverse("web:password_reset", args=[lan.pk])
    assert client.get(url).status_code == 200
    lan.refresh_from_db()
    assert lan.check_password("Old-password-2026!")  # GET only asks
    done = client.post(url)
    password = done.context["password"]
    assert done.status_code == 200 and password in done.content.decode()
    assert "no-store" in done.headers.get("Cache-Control", "")
    lan.refresh_from_db()
    assert lan.check_password(password) and not lan.check_password("Old-password-2026!")
    assert Account.objects.get(user=lan).must_change_password
    entry = AuditEntry.objects.get(action="password_reset")
    assert (entry.username, entry.target_id, entry.unit) == ("cast.officer", "cast.lan", cast.B)
    assert password not in str(entry.after)
    # The temporary password logs in, and holds the user on the password change page.
    user_client = Client()
    login = user_client.post(reverse("login"), {"username": "cast.lan", "password": password})
    assert login.status_code == 302
    assert user_client.session.get(MUST_CHANGE_PASSWORD)
    assert user_client.get(reverse("web:home")).url.startswith(reverse("password-change"))


def test_out_of_scope_resets_are_404(cast: Cast) -> None:
    lan = _lan(cast)
    for name in ("committee", "secretary", "member", "outsider"):
        client = cast.client(name)
        assert client.post(reverse("web:password_reset", args=[lan.pk])).status_code == 404
    assert (
        cast.client("officer")
        .post(reverse("web:password_reset", args=[cast.outsider.pk]))
        .status_code
        == 404
    )
    assert not AuditEntry.objects.filter(action="password_reset").exists()


def test_a_locked_meeting_names_who_locked_it(cast: Cast) -> None:
    from coso.meetings.operations import close_meeting, plan_meeting, record_attendance

    Account.objects.create(user=cast.secretary, member=Member.objects.get(member_id="CAST-B2"))
    meeting = plan_meeting(cast.B, kind="regular", on=dt.date(2024, 5, 10), place="Nhà văn hóa")
    record_attendance(meeting, {"CAST-B1": "present", "CAST-B2": "present"})
    close_meeting(meeting, by=cast.secretary)
    body = cast.client("secretary").get(reverse("meetings:detail", args=[meeting.pk])).content
    text = body.decode()
    assert "· Nguyễn Thị Lan" in text and "· cast.secretary" not in text
