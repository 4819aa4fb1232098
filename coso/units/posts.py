"""What becomes of a unit's posts when it is merged into another (issue 13, point 2).

A merge used to carry every post of the absorbed unit to the absorbing one unchanged, so a
branch merged into another ended with two secretaries. Each open post of the absorbed unit now
has a fate, chosen by the officer in the preview or, when not chosen (plans, the API without
`post_<id>` fields), by `default_fate`:

- `keep`: the same post in the absorbing unit's committee;
- `deputy`: a single-holder post (secretary, group leader) becomes its deputy
  (Phó Bí thư, Tổ phó) in the absorbing unit;
- `end`: the post ends on the day of the merge.

No unit ever has two holders of a single-holder post (`SINGLE_HOLDER_ROLES`): the choice is
refused with the post and the people named, and the database refuses two open holders
(`position_one_open_single_holder`). The rules here are pure (no queries): the row-by-row
operation (`coso.units.operations.merge_units`) and the set-wise plan engine
(`coso.units.setwise`) both apply them to what they have read.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from coso.members.models import GROUP_ROLES, SINGLE_HOLDER_ROLES, PositionRole


class PostFate(models.TextChoices):
    KEEP = "keep", _("Giữ nguyên chức vụ")
    DEPUTY = "deputy", _("Làm cấp phó (Phó Bí thư, Tổ phó)")
    END = "end", _("Kết thúc chức vụ")


# The deputy post a single-holder post becomes when the absorbing unit already has a holder.
DEPUTY_OF: dict[str, str] = {
    PositionRole.SECRETARY: PositionRole.DEPUTY_SECRETARY,
    PositionRole.GROUP_LEADER: PositionRole.DEPUTY_GROUP_LEADER,
}

# The order a committee is listed in: secretary first, then deputies, standing members, members.
ROLE_ORDER: tuple[str, ...] = (
    PositionRole.SECRETARY,
    PositionRole.DEPUTY_SECRETARY,
    PositionRole.STANDING_COMMITTEE_MEMBER,
    PositionRole.COMMITTEE_MEMBER,
    PositionRole.GROUP_LEADER,
    PositionRole.DEPUTY_GROUP_LEADER,
)


def role_rank(role: str) -> int:
    return ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)


def role_rank_expression(field: str = "role") -> Case:
    """`role_rank` in SQL, to order a committee: `.order_by(role_rank_expression(), ...)`."""
    return Case(
        *(When(**{field: role}, then=Value(i)) for i, role in enumerate(ROLE_ORDER)),
        default=Value(len(ROLE_ORDER)),
        output_field=IntegerField(),
    )


def role_label(role: str) -> str:
    """A post's Vietnamese name, for the operations' (Vietnamese) refusals."""
    with translation.override("vi"):
        return str(PositionRole(role).label) if role in PositionRole.values else role


def role_after(role: str, fate: str) -> str | None:
    """The post held in the absorbing unit after the merge (None: ended)."""
    if fate == PostFate.END:
        return None
    if fate == PostFate.DEPUTY:
        return DEPUTY_OF.get(role)
    return role


def fates_for(role: str) -> list[str]:
    """The fates that make sense for a post (deputy only for single-holder posts)."""
    if role in DEPUTY_OF:
        return [PostFate.KEEP, PostFate.DEPUTY, PostFate.END]
    return [PostFate.KEEP, PostFate.END]


def default_fate(
    role: str, member: int, *, target_is_group: bool, holders: Iterable[tuple[str, int]]
) -> str:
    """The sensible fate when the officer chose none, from the absorbing unit's committee on
    the day (`holders`: (role, member pk) of its posts, the ones carried so far included)."""
    held = set(holders)
    if target_is_group != (role in GROUP_ROLES):
        return PostFate.END  # group posts exist only in a group
    if role in SINGLE_HOLDER_ROLES and any(r == role for r, _m in held):
        deputy = DEPUTY_OF[role]
        return PostFate.END if (deputy, member) in held else PostFate.DEPUTY
    if (role, member) in held:
        return PostFate.END  # already holds the same post there
    return PostFate.KEEP


class Problem(models.TextChoices):
    """Why a chosen fate cannot be done (the operation words the refusal)."""

    NOT_A_FATE = "not_a_fate"
    NO_DEPUTY = "no_deputy"
    TAKEN = "taken"  # a single-holder post the absorbing unit already has
    GROUP_ONLY = "group_only"
    ALREADY_HELD = "already_held"
    SAME_DAY_END = "same_day_end"


def fate_problem(
    role: str,
    member: int,
    fate: str,
    *,
    target_is_group: bool,
    holders: Iterable[tuple[str, int]],
    same_day: bool,
) -> str | None:
    held = set(holders)
    if fate not in PostFate.values:
        return Problem.NOT_A_FATE
    if fate == PostFate.END:
        return Problem.SAME_DAY_END if same_day else None
    if fate == PostFate.DEPUTY and role not in DEPUTY_OF:
        return Problem.NO_DEPUTY
    after = role_after(role, fate)
    assert after is not None
    if target_is_group != (after in GROUP_ROLES):
        return Problem.GROUP_ONLY
    if (after, member) in held:
        return Problem.ALREADY_HELD
    if after in SINGLE_HOLDER_ROLES and any(r == after for r, _m in held):
        return Problem.TAKEN
    return None


__all__ = [
    "DEPUTY_OF",
    "ROLE_ORDER",
    "PostFate",
    "Problem",
    "default_fate",
    "fate_problem",
    "fates_for",
    "role_after",
    "role_label",
    "role_rank",
    "role_rank_expression",
]
