"""Finding a person by name, pinyin or its initials (冯静 → fj, fengjing) and department (何洋 of 财务部 → "hy cw"):
what every people picker asks the server when the people to choose from are too many to send with the page.
Only people the asker may see, active ones."""

from __future__ import annotations

from typing import Any

from xietong.org.models import Person
from xietong.org.pickers import search_text, spellings

LIMIT = 12


def person_row(person: Person) -> dict[str, Any]:
    """A person as a picker shows and searches it (and as the form sends it back: id or username)."""
    department = getattr(person.department, "name", "") if person.department_id else ""
    return {
        "id": person.pk,
        "username": person.username,
        "name": person.display_name,
        "label": f"{person.display_name}（{department}）" if department else person.display_name,
        "department": department,
        "initials": spellings(person.name or "")[0],
        "search": search_text(person),
    }


def people_search(user: Any, query: str, *, among: str = "visible") -> list[dict[str, Any]]:
    """Who matches every word of `query` (a part of the name, the username, the pinyin or its initials, the
    department), best first: an exact initials match, then a name whose initials, pinyin or username start
    with the first word, then the rest. Among the people `user` may see, or with among="everyone" among every
    active person (who an approval may be handed over or added to: 转交/加签 reach anyone in the company)."""
    words = query.strip().lower().split()
    if not words:
        return []
    ranked: list[tuple[int, int, Person]] = []
    people = Person.objects.filter(is_active=True).select_related("department")
    if among != "everyone":
        people = Person.objects.restrict(user).filter(is_active=True).select_related("department")  # type: ignore[attr-defined]
    for person in people:
        text = search_text(person)
        if not all(word in text for word in words):
            continue
        initials, full = spellings(person.name or "")
        first = words[0]
        if initials == first:
            rank = 0
        elif initials.startswith(first) or full.startswith(first) or person.username.lower().startswith(first):
            rank = 1
        else:
            rank = 2
        ranked.append((rank, person.pk, person))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [person_row(person) for _rank, _pk, person in ranked[:LIMIT]]


def people_options(user: Any, *, usernames: list[str] = (), ids: list[int] = ()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    """The people behind the usernames or ids a form holds, in that order (unknown or hidden ones left out):
    the options a picker starts with, already chosen."""
    visible = Person.objects.restrict(user).select_related("department")  # type: ignore[attr-defined]
    if usernames:
        found = {p.username: p for p in visible.filter(username__in=list(usernames))}
        return [person_row(found[u]) for u in usernames if u in found]
    found_ids = {p.pk: p for p in visible.filter(pk__in=list(ids))}
    return [person_row(found_ids[i]) for i in ids if i in found_ids]
