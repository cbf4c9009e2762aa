"""Finding a person by name or by the initials of its pinyin (冯静 → fj, 何洋 → hy, also fengjing): what the
people pickers of the designer and of a designed form ask. Only people the asker may see, active ones."""

from __future__ import annotations

from typing import Any

from xietong.org.models import Person
from xietong.org.pickers import spellings

LIMIT = 12


def _row(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "username": person.username,
        "name": person.name or person.username,
        "department": getattr(person.department, "name", ""),
        "initials": spellings(person.name or "")[0],
    }


def people_search(user: Any, query: str) -> list[dict[str, Any]]:
    """Who matches `query` (a part of the name, the username, the pinyin or its initials), best first: an
    exact initials match, then initials or pinyin starting with it, then a part of the name."""
    q = query.strip().lower()
    if not q:
        return []
    ranked: list[tuple[int, int, Person]] = []
    for person in Person.objects.restrict(user).filter(is_active=True).select_related("department"):  # type: ignore[attr-defined]
        initials, full = spellings(person.name or "")
        if initials == q:
            rank = 0
        elif initials.startswith(q) or full.startswith(q) or person.username.lower().startswith(q):
            rank = 1
        elif q in (person.name or "") or q in full:
            rank = 2
        else:
            continue
        ranked.append((rank, person.pk, person))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [_row(person) for _rank, _pk, person in ranked[:LIMIT]]


def people_named(user: Any, *, usernames: list[str] = (), ids: list[int] = ()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    """The people behind the usernames or ids a form holds, in that order (unknown ones left out)."""
    visible = Person.objects.restrict(user).select_related("department")  # type: ignore[attr-defined]
    if usernames:
        found = {p.username: p for p in visible.filter(username__in=usernames)}
        return [_row(found[u]) for u in usernames if u in found]
    found_ids = {p.pk: p for p in visible.filter(pk__in=ids)}
    return [_row(found_ids[i]) for i in ids if i in found_ids]
