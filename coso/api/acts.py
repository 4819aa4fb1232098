"""The catalogue's acts through the API: the same room as the pages (coso.authority.catalogue).

`POST /members/{member_id}/operations/{op}` and `POST /units/{code}/operations/{op}` take the
act's fields as a JSON object, validated by the act's own form, so the API accepts and refuses
exactly what the page does. Where the caller's body may only propose the act, the answer is
202 `{"proposal": ID}` and nothing about the subject changes until the competent committee
decides (`/proposals/{id}/decide`).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from coso.api.common import Day, caller
from coso.api.errors import ApiError
from coso.api.members import WRITE_ERRORS, member_detail
from coso.api.members import router as members_router
from coso.api.schemas import AdmitIn, ErrorOut, MemberDetailOut
from coso.authority import catalogue
from coso.authority.scope import Action, get_member_for_user, get_unit_for_user, member_to_receive
from coso.members.models import Member
from coso.units.models import HOME_KINDS, Unit, UnitEvent, UnitSpan

router = Router(tags=["acts"])


class ActIn(BaseModel):
    """The act's fields (see `GET /operations` for each act's list) plus its authorization:
    the decision (`decision_number`, `decision_date`) where the caller decides, or the body's
    resolution (`resolution_date`, `votes_for`, ...) where the caller only proposes."""

    model_config = ConfigDict(extra="allow")

    on: Day
    decision_number: str = Field("", max_length=120)
    decision_date: Day | None = None


class ProposedOut(Schema):
    proposal: int
    decider: str = Field(description="code of the competent body that will decide")


class PostFateOut(Schema):
    member_id: str
    role: str
    fate: str = Field(description="keep, deputy or end (coso.units.posts.PostFate)")
    role_after: str | None = Field(None, description="the post held afterwards; null: ended")


class ActDoneOut(Schema):
    act: str
    on: Any
    subject: str
    created: str | None = Field(None, description="code or member id the act created")
    # Issue 13: a merge or dissolution says what became of each post of the unit that ended.
    # A merge takes `post_<position id>` fields (keep, deputy, end); unnamed posts take the
    # default (one holder of a single-holder post: the absorbed secretary becomes deputy).
    posts: list[PostFateOut] | None = Field(
        None, description="merge, dissolve: what became of each post of the unit that ended"
    )


class ActFieldOut(Schema):
    name: str
    label: str
    required: bool


class ActOut(Schema):
    slug: str
    title: str
    subject: str
    fields: list[ActFieldOut]


def _data(payload: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in payload.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        data[key] = value
    return data


def _invalid(form: Any) -> ApiError:
    details = [
        {"field": field, "message": str(message), "type": "value_error"}
        for field, messages in form.errors.items()
        for message in messages
    ]
    return ApiError(422, "validation_error", "Dữ liệu gửi lên không hợp lệ.", details)


def _perform(
    request: HttpRequest, act: catalogue.Act, subject: Member | Unit, data: dict[str, Any]
) -> catalogue.Outcome:
    try:
        return catalogue.perform(
            act, subject, data, user=caller(request), actor=request, channel="api"
        )
    except catalogue.ActInvalid as exc:
        raise _invalid(exc.form) from None
    except PermissionError:
        raise Http404("Không tìm thấy.") from None


def _proposed(outcome: catalogue.Outcome) -> Status[dict[str, Any]]:
    return Status(202, {"proposal": outcome.proposal.pk, "decider": outcome.proposal.decider.code})


def _act(slugs: dict[str, catalogue.Act], op: str) -> catalogue.Act:
    act = slugs.get(op)
    if act is None:
        raise ApiError(
            422,
            "validation_error",
            "Dữ liệu gửi lên không hợp lệ.",
            [{"field": "op", "message": f"Không có thao tác «{op}».", "type": "value_error"}],
        )
    return act


@router.get(
    "/operations",
    response={200: list[ActOut], 401: ErrorOut},
    summary="The catalogue of acts and their fields",
)
def list_acts(request: HttpRequest) -> list[dict[str, Any]]:
    found = []
    for act in catalogue.ACTS.values():
        form = act.form(None, user=caller(request), subject=None)
        found.append(
            {
                "slug": act.slug,
                "title": str(act.title),
                "subject": act.subject.value,
                "fields": [
                    {"name": name, "label": str(field.label), "required": field.required}
                    for name, field in form.fields.items()
                ],
            }
        )
    return found


@router.post(
    "/members/{member_id}/operations/{op}",
    response={200: MemberDetailOut, 202: ProposedOut, **WRITE_ERRORS},
    summary="An act on a member (recognize, transfer_out, receive, exempt, strike_off, ...)",
)
def operate_member(request: HttpRequest, member_id: str, op: str, payload: ActIn) -> Any:
    act = _act(catalogue.MEMBER_ACTS, op)
    data = _data(payload)
    if op == "receive":
        member = member_to_receive(caller(request), member_id, data.get("branch"))
    else:
        member = get_member_for_user(caller(request), member_id, Action.VIEW)
    outcome = _perform(request, act, member, data)
    if outcome.proposed:
        return _proposed(outcome)
    member = Member.objects.select_related("home_unit").get(pk=member.pk)
    return member_detail(request, member)


@router.post(
    "/units/{code}/operations/{op}",
    response={200: ActDoneOut, 201: ActDoneOut, 202: ProposedOut, **WRITE_ERRORS},
    summary="An act on a unit (admit into a branch, create, rename, move, merge, dissolve, ...)",
)
def operate_unit(request: HttpRequest, code: str, op: str, payload: ActIn) -> Any:
    act = _act(catalogue.UNIT_ACTS, op)
    unit = get_unit_for_user(caller(request), code, Action.VIEW)
    data = _data(payload)
    if op == "admit" and isinstance(data.get("introducers"), list):
        data["introducers"] = ",".join(str(i) for i in data["introducers"])
    outcome = _perform(request, act, unit, data)
    if outcome.proposed:
        return _proposed(outcome)
    result = outcome.result
    created = None
    if isinstance(result, Member) and op == "admit":
        created = result.member_id
    elif isinstance(result, Unit) and op == "create":
        created = result.code
    body: dict[str, Any] = {"act": op, "on": outcome.on, "subject": unit.code, "created": created}
    if isinstance(result, UnitEvent) and "posts" in result.details:
        posts = result.details["posts"]
        ids = dict(
            Member.objects.filter(pk__in=[p["member"] for p in posts]).values_list(
                "pk", "member_id"
            )
        )
        body["posts"] = [
            {
                "member_id": ids.get(p["member"], ""),
                "role": p["role"],
                "fate": p["fate"],
                "role_after": p["role_after"],
            }
            for p in posts
        ]
    return Status(201 if created else 200, body)


# On the members router: Ninja serves one path from one router (GET /members lists them).
@members_router.post(
    "/members",
    response={201: MemberDetailOut, 202: ProposedOut, **WRITE_ERRORS},
    summary="Admit a member (on probation) into a branch (the `admit` act on the branch)",
)
def admit(request: HttpRequest, payload: AdmitIn) -> Any:
    try:
        branch = get_unit_for_user(caller(request), payload.branch, Action.VIEW)
    except Http404:
        raise ApiError(
            422,
            "validation_error",
            "Dữ liệu gửi lên không hợp lệ.",
            [
                {
                    "field": "branch",
                    "message": f"Không tìm thấy đơn vị «{payload.branch}».",
                    "type": "value_error",
                }
            ],
        ) from None
    span = UnitSpan.objects.filter(unit=branch).order_by("-valid_from").first()
    if span is None or span.kind not in HOME_KINDS:
        raise ApiError(
            422,
            "validation_error",
            "Dữ liệu gửi lên không hợp lệ.",
            [{"field": "branch", "message": "Chỉ kết nạp vào chi bộ.", "type": "value_error"}],
        )
    data = _data(payload)
    data["on"] = data.pop("admitted_on")
    data.pop("branch")
    data["introducers"] = ",".join(payload.introducers)
    outcome = _perform(request, catalogue.UNIT_ACTS["admit"], branch, data)
    if outcome.proposed:
        return _proposed(outcome)
    return Status(201, member_detail(request, outcome.result))
