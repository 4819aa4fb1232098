"""The name search's index by word (NameWord, SearchWord), written with the names.

Every write that sets a member's name writes its words here in the same transaction: the member
operations through `write_name_words`, the import and the generator through `word_rows` in
their own bulk statements. The search (coso.members.queries.MemberList) trusts it to hold every
member's words: `rebuild_name_words` (the migration that made it, `coso` maintenance) writes it
again from the member table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from django.db import connection, transaction

from coso.core.bulk import insert_rows
from coso.members.models import Member, NameWord, SearchWord

# (member pk or, for the import, its member_id looked up; word; sort_key; member_id;
# search_name)
WORD_COLUMNS = ["member_id", "word", "sort_key", "number", "search_name"]
BATCH = 20_000


def name_words(search_name: str) -> list[str]:
    """The distinct words of a folded name, in their order."""
    return list(dict.fromkeys(search_name.split()))


def word_rows(
    key: int | str, member_id: str, sort_key: str, search_name: str
) -> Iterator[tuple[int | str, str, str, str, str]]:
    """NameWord rows (WORD_COLUMNS) of one member: `key` is its primary key, or what the
    caller's statement turns into it."""
    for word in name_words(search_name):
        yield (key, word, sort_key, member_id, search_name)


def add_search_words(words: Iterable[str]) -> None:
    """Record words in the vocabulary (those already there are left as they are)."""
    SearchWord.objects.bulk_create(
        [SearchWord(word=w) for w in sorted(set(words))], ignore_conflicts=True, batch_size=BATCH
    )


@transaction.atomic
def write_name_words(members: Sequence[Member]) -> None:
    """The index rows of these saved members, written again from their names (a few members:
    an admission, a correction)."""
    NameWord.objects.filter(member__in=[m.pk for m in members]).delete()
    rows = [
        NameWord(**dict(zip(WORD_COLUMNS, row, strict=True)))
        for m in members
        for row in word_rows(m.pk, m.member_id, m.sort_key, m.search_name)
    ]
    NameWord.objects.bulk_create(rows)
    add_search_words(r.word for r in rows)


@transaction.atomic
def rebuild_name_words() -> int:
    """Every member's index rows written again from the member table; returns the rows."""
    NameWord.objects.all().delete()
    written = 0
    words: set[str] = set()
    last = 0
    while True:
        chunk = list(
            Member.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "member_id", "sort_key", "search_name")[:BATCH]
        )
        if not chunk:
            break
        last = chunk[-1][0]
        rows = [row for c in chunk for row in word_rows(*c)]
        words.update(r[1] for r in rows)
        insert_rows(NameWord._meta.db_table, WORD_COLUMNS, rows, batch_size=BATCH)
        written += len(rows)
    add_search_words(words)
    count_search_words()
    return written


def count_search_words(day: object = None) -> str:
    """Every word's members counted again (the nightly job `search_words`; `day` unused)."""
    words = SearchWord._meta.db_table
    rows = NameWord._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{words}" SET members = (SELECT COUNT(*) FROM "{rows}" r'
            f' WHERE r.word = "{words}".word)'
        )
        return f"Đã đếm lại {cursor.rowcount} từ của tên đảng viên."
