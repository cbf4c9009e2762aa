"""Who may see and do what: one filter every read goes through, one check every write goes through.

Every model that people read defines `reach_filter(reach, action)`, returning the Q of rows the
person may see (action "view") or act on (any other action), or None for "all rows". Reads go
through `Model.objects.restrict(user, action)`; writes call `authorize(user, action, obj)` (or
`access(...)` to fetch and check in one step). An object outside a person's reach is reported as
not found, never as forbidden, so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from xietong.core.errors import Forbidden, NotFound

VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Reach:
    """What one person's roles put within reach; computed once per request."""

    person_id: int
    sees_all: bool  # general manager, coordinators (综合管理部), superusers
    is_admin: bool  # configures the organisation (Django admin)
    department_id: int | None  # the person's own department
    led_department_ids: frozenset[int]  # headed or led as division leader, sub-departments included
    project_ids: frozenset[int]  # member of, or the project belongs to a led department
    # 代理: the reach of absent colleagues this person stands in for now (they may see and act for them).
    represented: tuple[Reach, ...] = ()


class ReachFiltered(Protocol):
    @classmethod
    def reach_filter(cls, reach: Reach, action: str) -> models.Q | None: ...


M = TypeVar("M", bound=models.Model)


def reach_of(user: Any) -> Reach | None:
    """The Reach of an authenticated, active person (cached on the user object), else None."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    cached = getattr(user, "_xietong_reach", None)
    if cached is None:
        if _reach_source is None:
            raise RuntimeError("no reach source registered (the org app registers it in ready())")
        cached = _reach_source(user)
        user._xietong_reach = cached
    return cached


# How a person's roles become their Reach: the organisation knows (org.reach.compute_reach registers
# itself), core only asks — core imports nothing above it.
_reach_source: Callable[[Any], Reach] | None = None


def register_reach_source(source: Callable[[Any], Reach]) -> None:
    global _reach_source
    _reach_source = source


def forget_reach(user: Any) -> None:
    """Drop the cached Reach after the person's roles or memberships changed."""
    if hasattr(user, "_xietong_reach"):
        del user._xietong_reach


class RestrictedQuerySet(models.QuerySet[M]):
    def restrict(self, user: Any, action: str = VIEW) -> RestrictedQuerySet[M]:
        """Only the rows `user` may see (or, for another action, act on)."""
        reach = reach_of(user)
        if reach is None:
            return self.none()
        condition = self.model.reach_filter(reach, action)  # type: ignore[attr-defined]
        for other in reach.represented:
            if condition is None:
                break
            extra = self.model.reach_filter(other, action)  # type: ignore[attr-defined]
            condition = None if extra is None else condition | extra
        return self if condition is None else self.filter(condition)


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def access(user: Any, queryset: models.QuerySet[M] | type[M], pk: Any, action: str = VIEW) -> M:
    """Fetch one object and check `action` on it: NotFound if out of sight, Forbidden if only seen."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        obj = qs.restrict(user, VIEW).get(pk=pk)  # type: ignore[attr-defined]
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    if action != VIEW:
        authorize(user, action, obj)
    return obj


def access_locked(user: Any, queryset: models.QuerySet[M], pk: Any) -> M:
    """Fetch one object `user` may see and lock its row until the transaction ends (the first step of
    a change): one query instead of a permission check and a locking read. NotFound if out of sight."""
    try:
        return queryset.restrict(user, VIEW).select_for_update(of=("self",)).get(pk=pk)  # type: ignore[attr-defined]
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def authorize(user: Any, action: str, obj: models.Model) -> None:
    """The check every write goes through. NotFound if `user` cannot see `obj`, Forbidden if they
    can see it but may not do `action` to it."""
    manager = type(obj)._default_manager
    if not manager.restrict(user, VIEW).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise NotFound()
    if action != VIEW and not manager.restrict(user, action).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise Forbidden()


def can(user: Any, action: str, obj: models.Model) -> bool:
    try:
        authorize(user, action, obj)
    except (NotFound, Forbidden):
        return False
    return True
