"""A short-lived memo for reads that repeat within one unit of work (the department tree, the general
manager, calendars, ladders, preferences): one web request (MemoMiddleware) or one batch of background
work. Outside `memo_scope()` nothing is cached. Inside, each fact is read once, and saving or deleting
any model the facts come from (MEMO_SOURCES) empties the memo, so a request that changes the
organisation and then reads it sees its own change."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_memo: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar("xietong_memo", default=None)


@contextmanager
def memo_scope() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def forget() -> None:
    """Empty the current memo (after a change to what it holds)."""
    cache = _memo.get()
    if cache:
        cache.clear()


def memoized(key: Hashable, factory: Callable[[], T]) -> T:
    cache = _memo.get()
    if cache is None:
        return factory()
    if key not in cache:
        cache[key] = factory()
    return cache[key]


def memoized_many(
    prefix: str, keys: Iterable[Hashable], fetch: Callable[[list[Any]], dict[Any, Any]]
) -> dict[Any, Any]:
    """One fact per key, for many keys at once (the absences of a batch's owners): the keys not memoized
    yet are read in one call of `fetch(missing)`, which returns a dict; a key it leaves out is None."""
    wanted = list(dict.fromkeys(keys))
    cache = _memo.get()
    if cache is None:
        found = fetch(wanted) if wanted else {}
        return {key: found.get(key) for key in wanted}
    missing = [key for key in wanted if (prefix, key) not in cache]
    if missing:
        found = fetch(missing)
        for key in missing:
            cache[prefix, key] = found.get(key)
    return {key: cache[prefix, key] for key in wanted}


# The models memoized facts are read from; a save or delete of any of them empties the memo.
MEMO_SOURCES = (
    "org.Department",
    "org.Person",
    "org.Project",
    "org.Absence",
    "workcal.WorkCalendar",
    "notify.Preference",
    "notify.Channel",
    "clocks.ClockPolicy",
    "clocks.PolicyChange",
    "clocks.EscalationLadder",
    "clocks.EscalationStep",
    "archive.RetentionPolicy",
)


def connect_invalidation() -> None:
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    def changed(**_kwargs: Any) -> None:
        forget()

    for label in MEMO_SOURCES:
        model = apps.get_model(label)
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"memo-forget-save-{label}")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"memo-forget-delete-{label}")
    m2m_changed.connect(changed, weak=False, dispatch_uid="memo-forget-m2m")
