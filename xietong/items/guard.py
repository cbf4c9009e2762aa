"""Refuses a change of `state` saved outside the process runner: there is one way to change an item's
state (`items.runner.run_step`), and a second one is a bug the test suite should trip over at once."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import models

_allowed: contextvars.ContextVar[int] = contextvars.ContextVar("xietong_state_writes", default=0)


class StateWriteOutsideRunner(RuntimeError):
    pass


def state_writes_allowed_now() -> bool:
    return _allowed.get() > 0


@contextmanager
def state_writes_allowed() -> Iterator[None]:
    """Inside the runner's apply-and-save only (and data migrations)."""
    token = _allowed.set(_allowed.get() + 1)
    try:
        yield
    finally:
        _allowed.reset(token)


_guarded_models: set[str] = set()


def guard_model(model: type[models.Model]) -> None:
    """Registering a process guards its model's state (items.registry)."""
    _guarded_models.add(model._meta.label_lower)


def _guarded(model: type[models.Model]) -> bool:
    """Only models whose process is declared (registered) are guarded, so processes move one by one."""
    return model._meta.label_lower in _guarded_models


def _refuse(model: type[models.Model]) -> None:
    raise StateWriteOutsideRunner(
        f"{model._meta.label}: state changes go through xietong.items.runner.run_step (a declared step)"
    )


M = TypeVar("M", bound=models.Model)


class StateGuardedQuerySet(models.QuerySet[M]):
    def update(self, **kwargs: Any) -> int:
        if "state" in kwargs and not state_writes_allowed_now() and _guarded(self.model):
            _refuse(self.model)
        return super().update(**kwargs)


class StateGuarded(models.Model):
    """A row whose `state` field only the runner changes. New rows may start in any state."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        stored = getattr(self, "_stored_state", None)
        state = getattr(self, "state", None)
        if stored is not None and state != stored and not state_writes_allowed_now() and _guarded(type(self)):
            _refuse(type(self))
        super().save(*args, **kwargs)
        self._stored_state = state

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:  # type: ignore[override]
        obj = super().from_db(db, field_names, values)
        if "state" in field_names:
            obj._stored_state = getattr(obj, "state", None)
        return obj
