"""A short-lived memo for reads that repeat within one batch of background work (the department
tree, the general manager, calendars, ladders). Outside `memo_scope()` nothing is cached, so web
requests always read fresh data; inside, a batch of a few hundred clocks reads each fact once."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Hashable, Iterator
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


def memoized(key: Hashable, factory: Callable[[], T]) -> T:
    cache = _memo.get()
    if cache is None:
        return factory()
    if key not in cache:
        cache[key] = factory()
    return cache[key]
